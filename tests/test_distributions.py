"""gpuad.distributions on each backend: derivatives of log_prob, entropy and KL against
central differences, reparameterised samples, samples as backend arrays, and validation kept
under gpuad.jit. (Comparisons with torch.distributions: tests/conformance.)"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp
from gpuad.testing import check_grads

V = np.array([0.3, 1.4])
S = np.array([0.8, 1.7])
C = np.array([[1.2, 0.4, 2.0], [0.6, 3.1, 1.5]])
SIMPLEX = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])


def _dev(a):
    return ad.get_backend().xp.asarray(a)


def test_log_prob_entropy_kl_grads(backend):
    check_grads(
        lambda m, s, v: D.Normal(m, s).log_prob(v),
        (_dev(V), _dev(S), _dev(-V)),
        order=1,
        modes=("rev",),
    )
    # (finite differences step off the simplex: the value is not validated)
    check_grads(
        lambda c, v: D.Dirichlet(c, validate_args=False).log_prob(v) + D.Dirichlet(c).entropy(),
        (_dev(C), _dev(SIMPLEX)),
        order=1,
        modes=("rev",),
    )
    check_grads(
        lambda z: D.Categorical(logits=z).log_prob(_dev(np.array([2, 0]))),
        (_dev(C),),
        order=1,
        modes=("rev",),
    )
    check_grads(
        lambda a, b: D.kl_divergence(D.Gamma(a, b), D.Gamma(b, a)),
        (_dev(S), _dev(V + 1)),
        order=1,
        modes=("rev",),
    )

    def mvn(loc, a):
        cov = a @ a.T + gnp.eye(2)
        return D.MultivariateNormal(loc, cov).log_prob(_dev(np.array([[0.1, -0.2]])))

    check_grads(mvn, (_dev(V), _dev(np.array([[1.0, 0.3], [-0.2, 0.7]]))), order=1, modes=("rev",))


def test_samples_on_the_backend(backend):
    gnp.random.seed(0)
    arr = ad.get_backend().array_type
    for d in (
        D.Normal(_dev(V), 1.0),
        D.Bernoulli(probs=_dev(np.array([0.3]))),
        D.Categorical(probs=_dev(SIMPLEX)),
        D.Dirichlet(_dev(C)),
        D.MultivariateNormal(_dev(V), scale_tril=_dev(np.diag(S))),
    ):
        s = d.sample((3,))
        assert type(s) is arr and s.shape == (3,) + d.batch_shape + d.event_shape
    mu = ad.tensor(_dev(V), requires_grad=True)

    def f(m):
        gnp.random.seed(1)
        return gnp.sum(gnp.sin(D.Normal(m, 2.0).rsample((2,))))

    g = ad.grad(f)(mu)
    gnp.random.seed(1)
    z = to_numpy(gnp.random.standard_normal((2, 2)))
    np.testing.assert_allclose(to_numpy(g), np.cos(V + 2.0 * z).sum(0), rtol=1e-12)


def test_validation_under_jit(backend):
    logp = ad.jit(lambda s, v: gnp.sum(D.Normal(0.0, s).log_prob(v)))
    np.testing.assert_allclose(
        float(logp(_dev(S), _dev(V))), float(gnp.sum(D.Normal(0.0, _dev(S)).log_prob(_dev(V))))
    )
    with pytest.raises(ValueError, match="Normal.*scale"):
        logp(_dev(-S), _dev(V))  # the replay checks the new values
        logp(_dev(S), _dev(V))
    cat = ad.jit(lambda z, a: gnp.sum(D.Categorical(logits=z).log_prob(a)))
    for a in ([0, 2], [1, 1], [2, 0]):  # traced, replayed (cupy: warm-up, captured)
        np.testing.assert_allclose(
            float(cat(_dev(C), _dev(np.array(a)))),
            float(gnp.sum(D.Categorical(logits=_dev(C)).log_prob(_dev(np.array(a))))),
        )
    with pytest.raises(ValueError, match="Categorical.*support"):
        cat(_dev(C), _dev(np.array([0, 3])))
        cat(_dev(C), _dev(np.array([0, 2])))  # a CUDA graph's checks: read by the next call


def test_float32_parameters_stay_float32(backend):
    f32 = np.float32
    for d in (
        D.Normal(_dev(V.astype(f32)), f32(1.0)),
        D.Uniform(f32(0.0), _dev(S.astype(f32))),
        D.Exponential(_dev(S.astype(f32))),
        D.Gumbel(f32(0.0), _dev(S.astype(f32))),
        D.MultivariateNormal(_dev(V.astype(f32)), scale_tril=_dev(np.diag(S).astype(f32))),
    ):
        x = d.rsample((2,))
        assert x.dtype == f32 and d.log_prob(x).dtype == f32, type(d).__name__
