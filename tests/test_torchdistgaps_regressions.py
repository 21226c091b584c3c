"""Regressions found by porting torch's distribution tests (test_torch_distributions_gaps)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp


def _np(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return a.get() if hasattr(a, "get") else np.asarray(a)


def test_probs_first_read_under_no_grad_keeps_its_gradient(backend):
    # probs derived from logits under no_grad was cached detached: a later loss through
    # d.probs silently got no gradient in the logits
    x = ad.tensor(np.array([0.3, -0.6]), requires_grad=True)
    d = D.Bernoulli(logits=x)
    with ad.no_grad():
        _ = d.probs
    (d.probs.sum() + 0 * x.sum()).backward()
    p = 1 / (1 + np.exp(-np.array([0.3, -0.6])))
    np.testing.assert_allclose(_np(x.grad), p * (1 - p), rtol=1e-12)


def test_expand_keeps_validation_and_subclass(backend):
    # expand() switched validation off, so an expanded distribution accepted values outside
    # the support; Independent.expand also lost a user's subclass
    with pytest.raises(ValueError, match="support"):
        D.Exponential(np.ones(2)).expand((3, 2)).log_prob(-np.ones((3, 2)))
    with pytest.raises(ValueError, match="support"):
        D.Independent(D.Exponential(np.ones(2)), 1).expand((3,)).log_prob(-np.ones((3, 2)))

    class MyIndependent(D.Independent):
        pass

    e = MyIndependent(D.Normal(np.zeros(2), 1.0), 1).expand((3,))
    assert type(e) is MyIndependent and e.batch_shape == (3,)


def test_transformed_sample_is_constant(backend):
    # sample() of Pareto/Weibull/Kumaraswamy carried the gradient of the parameters
    scale = ad.tensor(np.array([1.5, 2.0]), requires_grad=True)
    for d in (D.Pareto(scale, 2.0), D.Weibull(scale, 1.5)):
        s = d.sample()
        assert not s.requires_grad
        assert d.rsample().requires_grad


def test_enumerate_support_and_sample_of_one_kind(backend):
    # enumerate_support gave a backend array where sample() gives a Tensor; a 0-d
    # Categorical sample was a NumPy scalar
    p = ad.tensor(np.array([0.2, 0.8]))
    for d in (D.Bernoulli(p), D.Categorical(p), D.OneHotCategorical(p), D.Binomial(3, p)):
        assert type(d.enumerate_support()) is type(d.sample()) is ad.Tensor
    c = D.Categorical(np.array([0.2, 0.8]))
    assert type(c.sample()) is type(c.enumerate_support())


def test_beta_and_dirichlet_modes(backend):
    # Beta's mode (a - 1) / (a + b - 2) is a minimum when a, b < 1 (0.583 for (0.3, 0.5));
    # Dirichlet([1, 1, 1]).mode was zeros, off the simplex, where torch gives NaN
    assert float(_np(D.Beta(0.3, 0.5).mode)) == 0.0
    assert float(_np(D.Beta(0.5, 0.3).mode)) == 1.0
    assert abs(float(_np(D.Beta(2.0, 3.0).mode)) - 1 / 3) < 1e-15
    assert np.isnan(_np(D.Beta(1.0, 1.0).mode))
    assert np.isnan(_np(D.Dirichlet(np.ones(3)).mode)).all()
    assert np.isnan(_np(D.Dirichlet(np.array([1.0, 0.5, 1.0])).mode)).all()
    np.testing.assert_allclose(_np(D.Dirichlet(np.array([3.0, 2.0, 1.0])).mode), [2 / 3, 1 / 3, 0])


def test_beta_draws_never_exactly_zero_or_one(backend):
    # Beta(0.01, 0.01) draws rounded to exactly 0 or 1 (a third of them), where log_prob is
    # infinite; torch keeps them in [tiny, 1 - eps]
    gnp.random.seed(0)
    a = ad.tensor(np.array(0.01), requires_grad=True)
    s = D.Beta(a, a).rsample((2000,))
    x = _np(s)
    assert ((x == 0) | (x == 1)).sum() == 0
    assert np.isfinite(_np(D.Beta(a, a).log_prob(s))).all()
    s.sum().backward()
    assert np.isfinite(_np(a.grad))
    d = _np(D.Dirichlet(np.full(3, 0.01)).sample((500,)))
    assert (d > 0).all() and (d < 1).all()


def test_python_number_value_keeps_float32(backend):
    # a float32 distribution's cdf(20.0) / log_prob(0.5) was float64 (the number as float64)
    d = D.Gumbel(np.array(0.0, np.float32), np.array(1.0, np.float32))
    assert _np(d.cdf(20.0)).dtype == np.float32
    assert _np(d.log_prob(0.5)).dtype == np.float32
    assert _np(D.Normal(np.float32(0.0), np.float32(1.0)).log_prob(1)).dtype == np.float32


def test_subclass_without_constraints_warns(backend):
    # a user's Distribution without arg_constraints/support validated nothing, silently
    class Delta(D.Distribution):
        def log_prob(self, value):
            self._validate_sample(value)
            return value * 0

    with pytest.warns(UserWarning, match="arg_constraints"):
        d = Delta(validate_args=True)
    with pytest.warns(UserWarning, match="support"):
        d.log_prob(np.zeros(2))


def test_clip_adjoint_selects(backend):
    # clip's adjoint multiplied g by the mask, so an infinite g where the value was clipped
    # (log(clip(x, tiny, None)) at x = 0) gave NaN; torch's clamp and JAX's select give 0.
    # LogisticNormal's log_prob at a corner of the simplex had a NaN gradient through it.
    x = ad.tensor(np.array([0.0, 0.5, 2.0]), requires_grad=True)
    gnp.log(gnp.clip(x, 1e-320, 1.0)).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [0.0, 2.0, 0.0])
    y = ad.tensor(np.array([1.0, 0.0]), requires_grad=True)
    D.LogisticNormal(np.array([0.0]), np.array([1.0])).log_prob(y).backward()
    g = _np(y.grad)
    assert np.isfinite(g).all() and abs(g[0] + 708.3964185322641) < 1e-6


def test_maximum_adjoint_selects(backend):
    # maximum/minimum multiplied g by a 0/1/0.5 weight, so an infinite g flowing into the
    # unselected argument gave NaN: Pareto(alpha < 1).mean (inf) had a NaN gradient in alpha
    a = ad.tensor(np.array([0.5, 3.0]), requires_grad=True)
    m = gnp.maximum(a, 1.0)
    (m / (m - 1)).sum().backward()
    np.testing.assert_allclose(_np(a.grad), [0.0, -1 / 4])
    alpha = ad.tensor(np.array([0.5, 3.0]), requires_grad=True)
    D.Pareto(np.array([1.0, 1.0]), alpha).mean.sum().backward()
    np.testing.assert_allclose(_np(alpha.grad), [0.0, -1 / 4])
    x, y = (ad.tensor(np.array(v), requires_grad=True) for v in ([1.0, 2.0], [1.0, 1.0]))
    gnp.minimum(x, y).sum().backward()  # a tie still splits evenly
    np.testing.assert_allclose(_np(x.grad), [0.5, 0.0])
    np.testing.assert_allclose(_np(y.grad), [0.5, 1.0])


def test_float32_moments_and_modes_stay_float32(backend):
    # modes, NaN/inf moments and RelaxedOneHotCategorical.log_prob were widened to float64
    p = np.array([[0.2, 0.5, 0.3]], np.float32)
    c = np.array([0.5, 3.0], np.float32)
    for v in (
        D.Bernoulli(p[0]).mode,
        D.Beta(c, c[::-1]).mode,
        D.Dirichlet(p).mode,
        D.OneHotCategorical(p).mode,
        D.Categorical(p).variance,
        D.Categorical(p).mean,
        D.StudentT(c).variance,
        D.StudentT(c).mean,
        D.RelaxedOneHotCategorical(np.float32(0.5), probs=p).log_prob(p),
    ):
        assert _np(v).dtype == np.float32
