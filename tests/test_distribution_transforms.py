"""gpuad.distributions.TransformedDistribution and transforms (torch.distributions' names):
missing before (a soft actor-critic policy, ``TransformedDistribution(Normal(mu, std),
[TanhTransform(cache_size=1)])``, raised AttributeError). Checked against closed forms and
central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp
from gpuad.distributions import transforms as T
from gpuad.testing import check_grads


def _xp(a):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=float))


def test_exp_of_normal_is_log_normal(backend):
    m, s, y = 0.3, 0.7, np.array([0.5, 1.0, 2.5])
    d = D.TransformedDistribution(D.Normal(_xp(m), _xp(s)), [T.ExpTransform()])
    want = -np.log(y) - np.log(s) - 0.5 * math.log(2 * math.pi) - (np.log(y) - m) ** 2 / (2 * s**2)
    np.testing.assert_allclose(to_numpy(d.log_prob(_xp(y))), want, rtol=1e-13)
    assert d.batch_shape == () and d.event_shape == ()
    assert tuple(d.rsample((4,)).shape) == (4,)
    assert float(gnp.min(d.sample((50,)))) > 0


def test_tanh_policy_log_prob_and_gradient(backend):
    mu, log_std = _xp([0.2, -0.4]), _xp([-0.3, 0.1])
    eps = _xp([0.5, -1.2])

    def logp(mu, log_std):
        t = T.TanhTransform(cache_size=1)
        pi = D.TransformedDistribution(D.Normal(mu, gnp.exp(log_std)), [t])
        a = t(mu + gnp.exp(log_std) * eps)
        return pi.log_prob(a).sum(-1)

    # by hand: Normal log density of x, minus log(1 - tanh(x)^2)
    x = to_numpy(mu) + np.exp(to_numpy(log_std)) * to_numpy(eps)
    want = np.sum(-0.5 * to_numpy(eps) ** 2 - to_numpy(log_std) - 0.5 * math.log(2 * math.pi)
                  - np.log(1 - np.tanh(x) ** 2))
    np.testing.assert_allclose(float(logp(mu, log_std)), want, rtol=1e-12)
    check_grads(logp, (mu, log_std), order=1, modes=("rev",))


def test_tanh_cache_keeps_a_saturated_sample_exact(backend):
    t = T.TanhTransform(cache_size=1)
    x = _xp([20.0])
    a = t(x)
    assert t.inv(a) is x  # atanh(tanh(20)) would be inf
    lp = D.TransformedDistribution(D.Normal(_xp(0.0), _xp(1.0)), [t]).log_prob(a)
    # log N(20) - log(1 - tanh(20)^2), the latter by 2 (log 2 - x - softplus(-2x))
    want = -200.0 - 0.5 * math.log(2 * math.pi) - 2 * (math.log(2) - 20 - math.log1p(math.exp(-40)))
    np.testing.assert_allclose(to_numpy(lp), [want], rtol=1e-12)
    uncached = T.TanhTransform()
    with np.errstate(divide="ignore"):
        assert uncached.inv(uncached(x)) is not x


def test_affine_event_dim_compose_and_errors(backend):
    scale = _xp([2.0, -0.5, 3.0])
    t = T.AffineTransform(_xp([1.0, 0.0, -1.0]), scale, event_dim=1)
    x = _xp([[0.1, 0.2, 0.3], [1.0, -1.0, 2.0]])
    np.testing.assert_allclose(to_numpy(t.log_abs_det_jacobian(x, t(x))),
                               [math.log(3.0)] * 2, rtol=1e-14)
    d = D.TransformedDistribution(D.Normal(_xp(np.zeros(3)), _xp(np.ones(3))), t)
    assert d.batch_shape == () and d.event_shape == (3,)
    y = t(x)
    base = -0.5 * to_numpy(x) ** 2 - 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(to_numpy(d.log_prob(y)), base.sum(-1) - math.log(3.0),
                               rtol=1e-13)
    c = T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.SigmoidTransform()])
    z = _xp([-1.0, 0.0, 3.0])
    np.testing.assert_allclose(to_numpy(c.inv(c(z))), to_numpy(z), rtol=1e-12, atol=1e-15)
    s = 1 / (1 + np.exp(-(0.5 + 2.0 * to_numpy(z))))
    np.testing.assert_allclose(to_numpy(c.log_abs_det_jacobian(z, c(z))),
                               math.log(2.0) + np.log(s * (1 - s)), rtol=1e-12)
    with pytest.raises(ValueError, match="cache_size"):
        T.TanhTransform(cache_size=2)
    with pytest.raises(ValueError, match="Transform"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), [gnp.exp])
