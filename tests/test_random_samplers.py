"""gpuad.random's gamma family, discrete samplers and transformations (gpuad/_random_dists.py).

Distributions: Kolmogorov-Smirnov statistics of a few thousand draws of one fixed key against
SciPy's CDFs (the 0.999 critical value for 3000 draws is about 0.036). Gradients: the gamma
shape derivative against central differences of the quantile of the same uniform draw, and
every reparameterised gradient's Monte-Carlo mean against the derivative of the known mean
(unbiasedness, with five standard errors of slack). Backends: the same numbers on every
backend, under gpuad.jit and under vmap over split keys. The comparisons with JAX and mpmath
are in tests/conformance/test_jax_random_samplers.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import random as jr
from gpuad.nn.functional import log_softmax
from tests.conftest import to_numpy

N = 3000
KS_MAX = 0.036
KEY = 11


def _dsm_cdf(x, loc=0.5, scale=2.0):
    z = (x - loc) / scale
    return 0.5 + np.sign(z) * 0.5 * st.maxwell.cdf(np.abs(z))


# name: (draw of n samples, its CDF)
CONTINUOUS = {
    "gamma_small": (lambda k, n: jr.gamma(k, 0.3, (n,)), st.gamma(0.3).cdf),
    "gamma": (lambda k, n: jr.gamma(k, gnp.full(n, 4.5)), st.gamma(4.5).cdf),
    "loggamma": (lambda k, n: jr.loggamma(k, 0.05, (n,)), lambda y: sp.gammainc(0.05, np.exp(y))),
    "beta": (lambda k, n: jr.beta(k, 0.7, 2.5, (n,)), st.beta(0.7, 2.5).cdf),
    "dirichlet": (
        lambda k, n: jr.dirichlet(k, np.array([0.5, 1.5, 2.0]), (n,))[:, 1],
        st.beta(1.5, 2.5).cdf,
    ),
    "chisquare": (lambda k, n: jr.chisquare(k, 3.0, (n,)), st.chi2(3.0).cdf),
    "t": (lambda k, n: jr.t(k, 4.0, (n,)), st.t(4.0).cdf),
    "f": (lambda k, n: jr.f(k, 3.0, 7.0, (n,)), st.f(3.0, 7.0).cdf),
    "cauchy": (lambda k, n: jr.cauchy(k, (n,)), st.cauchy.cdf),
    "lognormal": (lambda k, n: jr.lognormal(k, 0.6, (n,)), st.lognorm(0.6).cdf),
    "pareto": (lambda k, n: jr.pareto(k, 2.5, (n,)), st.pareto(2.5).cdf),
    "weibull_min": (
        lambda k, n: jr.weibull_min(k, 2.0, 1.7, (n,)),
        st.weibull_min(1.7, scale=2.0).cdf,
    ),
    "rayleigh": (lambda k, n: jr.rayleigh(k, 1.5, (n,)), st.rayleigh(scale=1.5).cdf),
    "maxwell": (lambda k, n: jr.maxwell(k, (n,)), st.maxwell.cdf),
    "double_sided_maxwell": (
        lambda k, n: jr.double_sided_maxwell(k, 0.5, 2.0, (n,)),
        _dsm_cdf,
    ),
    "triangular": (
        lambda k, n: jr.triangular(k, -1.0, 0.5, 2.0, (n,)),
        st.triang(0.5, loc=-1.0, scale=3.0).cdf,
    ),
    "generalized_normal": (
        lambda k, n: jr.generalized_normal(k, 1.5, (n,)),
        st.gennorm(1.5).cdf,
    ),
    "wald": (lambda k, n: jr.wald(k, 2.0, (n,)), st.invgauss(2.0).cdf),
}


def _ks(sample, cdf):
    s = np.sort(sample)
    c = cdf(s)
    n = len(s)
    return max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_distributions(name):
    draw, cdf = CONTINUOUS[name]
    x = to_numpy(draw(jr.PRNGKey(KEY), N))
    assert x.shape == (N,) and x.dtype == np.float64
    assert np.isfinite(x).all()
    assert _ks(x, cdf) < KS_MAX


def test_discrete_distributions():
    k = jr.PRNGKey(KEY)
    for x, dist, dtype in [
        (jr.poisson(k, 3.5, (N,)), st.poisson(3.5), np.int64),
        (jr.binomial(k, 10, 0.3, (N,)), st.binom(10, 0.3), np.float64),
        (jr.geometric(k, 0.3, (N,)), st.geom(0.3), np.int64),
    ]:
        x = to_numpy(x)
        assert x.dtype == dtype and x.shape == (N,)
        values = np.arange(1 + int(x.max()))
        freq = np.bincount(x.astype(np.int64), minlength=len(values)) / N
        # five standard errors of each frequency, and a pmf that sums to one over the range
        assert np.all(np.abs(freq - dist.pmf(values)) < 5 * np.sqrt(dist.pmf(values) / N) + 1e-3)
    lam = np.array([0.5, 20.0, -1.0])
    p = to_numpy(jr.poisson(k, lam, (N, 3)))
    assert abs(p[:, 0].mean() - 0.5) < 0.05 and abs(p[:, 1].mean() - 20) < 0.5
    assert (p[:, 2] == -1).all()  # an invalid rate: -1, as JAX
    g = to_numpy(jr.gamma(k, np.array([-1.0, np.nan, 0.0])))
    assert np.isnan(g[:2]).all() and g[2] == 0  # as JAX: nan, and the point mass at 0


def test_categorical_without_replacement():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    logits = np.broadcast_to(np.log(p), (N, 4))
    x = to_numpy(jr.categorical(jr.PRNGKey(KEY), logits, shape=(2, N), replace=False))
    assert x.shape == (2, N) and (x[0] != x[1]).all()
    # the second draw: P(j) = sum over i != j of p_i p_j / (1 - p_i)
    second = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    for freq, want in (
        (np.bincount(x[0], minlength=4) / N, p),
        (np.bincount(x[1], minlength=4) / N, second),
    ):
        assert np.all(np.abs(freq - want) < 5 * np.sqrt(want / N)), (freq, want)
    with pytest.raises(ValueError, match="3 samples without replacement"):
        jr.categorical(jr.PRNGKey(KEY), np.zeros(2), shape=(3,), replace=False)


def test_orthogonal_and_ball():
    k = jr.PRNGKey(KEY)
    for n, m in [(3, None), (4, 2), (2, 5)]:
        q = to_numpy(jr.orthogonal(k, n, (50,), m=m))
        mm = n if m is None else m
        assert q.shape == (50, n, mm)
        small = min(n, mm)
        gram = q.transpose(0, 2, 1) @ q if n >= mm else q @ q.transpose(0, 2, 1)
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(small), gram.shape), atol=1e-12)
    # Haar: the entries of a random orthogonal 3x3 have mean 0 and variance 1/3
    q = to_numpy(jr.orthogonal(k, 3, (1000,)))
    assert np.abs(q.mean(0)).max() < 0.1 and np.abs((q**2).mean(0) - 1 / 3).max() < 0.05
    for p in (1.0, 2.0):
        b = to_numpy(jr.ball(k, 3, p, (N,)))
        r = np.sum(np.abs(b) ** p, -1) ** (1 / p)
        assert b.shape == (N, 3) and r.max() < 1
        assert _ks(r, lambda s: s**3) < KS_MAX  # uniform in the ball: P(|x| < s) = s^d


# ---- gradients -------------------------------------------------------------------------------


def test_gamma_gradient_is_the_quantile_derivative(backend):
    """d(sample)/da equals d/da of the quantile of the sample's uniform draw (central
    differences of SciPy's gammaincinv), for a from 0.05 to 50; loggamma's is its
    logarithmic derivative."""
    k = jr.PRNGKey(3)
    a = np.repeat([0.05, 0.3, 1.0, 2.5, 10.0, 50.0], 4)
    x = to_numpy(jr.gamma(k, a))
    g = to_numpy(ad.grad(lambda a: gnp.sum(jr.gamma(k, a)))(a))
    u = sp.gammainc(a, x)
    h = 1e-4 * a
    fd = (sp.gammaincinv(a + h, u) - sp.gammaincinv(a - h, u)) / (2 * h)
    ok = u > 1e-300  # (a quantile below the smallest normal float has no difference to take)
    np.testing.assert_allclose(g[ok], fd[ok], rtol=1e-6)
    gl = to_numpy(ad.grad(lambda a: gnp.sum(jr.loggamma(k, a)))(a))
    np.testing.assert_allclose(gl * x, g, rtol=1e-12)
    _, tangent = ad.jvp(lambda a: jr.gamma(k, a), (a,), (np.ones_like(a),))
    np.testing.assert_allclose(to_numpy(tangent), g, rtol=1e-12)


def _mc(f, theta):
    """Per-sample derivatives of f's samples in a parameter given per sample (``theta`` of
    shape (N,)), their mean and its standard error."""
    g = to_numpy(ad.grad(lambda t: gnp.sum(f(t)))(np.full(N, theta)))
    return g.mean(), g.std() / np.sqrt(N)


UNBIASED = {
    # name: (sampler of a parameter vector, parameter, d/dparam of the samples' mean)
    "gamma": (lambda k, a: jr.gamma(k, a), 2.5, 1.0),
    "loggamma": (lambda k, a: jr.loggamma(k, a), 0.4, sp.polygamma(1, 0.4)),
    "beta_a": (lambda k, a: jr.beta(k, a, 3.0), 2.0, 3.0 / 25),
    "beta_b": (lambda k, b: jr.beta(k, 2.0, b), 3.0, -2.0 / 25),
    "dirichlet": (
        lambda k, a: jr.dirichlet(k, gnp.stack([a, 2.0 + 0 * a, 3.0 + 0 * a], -1))[:, 0],
        1.0,
        5.0 / 36,
    ),
    "chisquare": (lambda k, df: jr.chisquare(k, df), 3.0, 1.0),
    "t_squared": (lambda k, df: jr.t(k, df) ** 2, 5.0, -2.0 / 9),
    "f_dfden": (lambda k, d: jr.f(k, 3.0, d), 7.0, -2.0 / 25),
    "pareto": (lambda k, b: jr.pareto(k, b), 3.0, -0.25),
    "weibull_concentration": (
        lambda k, c: jr.weibull_min(k, 1.0, c),
        2.0,
        -sp.gamma(1.5) * sp.digamma(1.5) / 4,
    ),
    "lognormal": (lambda k, s: jr.lognormal(k, s), 0.5, 0.5 * np.exp(0.125)),
    "generalized_normal_squared": (
        lambda k, p: jr.generalized_normal(k, p) ** 2,
        1.5,
        (sp.gamma(3 / 1.501) / sp.gamma(1 / 1.501) - sp.gamma(3 / 1.499) / sp.gamma(1 / 1.499))
        / 0.002,
    ),
}


@pytest.mark.parametrize("name", sorted(UNBIASED))
def test_reparameterised_gradients_are_unbiased(name):
    f, theta, expected = UNBIASED[name]
    mean, se = _mc(lambda t: f(jr.PRNGKey(KEY), t), theta)
    assert abs(mean - expected) < 5 * se + 1e-3, (mean, expected, se)


def test_discrete_samples_are_constants_in_a_score_function_loss(backend):
    # REINFORCE: the sample is held fixed and log_prob is differentiated in the parameters
    k = jr.PRNGKey(0)
    cases = {
        "categorical": (
            lambda th: jr.categorical(k, gnp.stack([th, -th]), shape=(3,)),
            lambda s, th: gnp.sum(log_softmax(gnp.stack([th, -th]), dim=0)[s]),
        ),
        "bernoulli": (
            lambda th: jr.bernoulli(k, th / 4, (3,)),
            lambda s, th: gnp.sum(gnp.where(s, gnp.log(th / 4), gnp.log1p(-th / 4))),
        ),
        "poisson": (
            lambda th: jr.poisson(k, th, (3,)),
            lambda s, th: gnp.sum(s * gnp.log(th) - th),
        ),
        "binomial": (
            lambda th: jr.binomial(k, 5, th / 4, (3,)),
            lambda s, th: gnp.sum(s * gnp.log(th / 4) + (5 - s) * gnp.log1p(-th / 4)),
        ),
        "geometric": (
            lambda th: jr.geometric(k, th / 4, (3,)),
            lambda s, th: gnp.sum((s - 1) * gnp.log1p(-th / 4) + gnp.log(th / 4)),
        ),
        "randint": (lambda th: jr.randint(k, (3,), 0, th * 2), lambda s, th: gnp.sum(s * th)),
        "choice": (
            lambda th: jr.choice(k, 2, (3,), p=gnp.stack([th, 4 - th]) / 4),
            lambda s, th: gnp.sum(gnp.log(gnp.stack([th, 4 - th])[s] / 4)),
        ),
    }
    for name, (draw, logp) in cases.items():
        fixed = draw(2.0)
        got = ad.grad(lambda th: logp(draw(th), th))(2.0)
        want = ad.grad(lambda th: logp(fixed, th))(2.0)
        assert np.allclose(float(got), float(want), rtol=1e-12), name
        eps = 1e-6
        fd = (float(logp(fixed, 2.0 + eps)) - float(logp(fixed, 2.0 - eps))) / (2 * eps)
        assert abs(float(got) - fd) < 1e-5 * max(1.0, abs(fd)), name


def test_wald_mean_and_second_gamma_derivative_raise(backend):
    k = jr.PRNGKey(0)
    with pytest.raises(ad.MissingRuleError, match="random.wald: cannot differentiate"):
        ad.grad(lambda p: gnp.sum(jr.wald(k, p, (3,))))(2.0)
    jr.wald(k, 2.0, (3,))  # a constant mean is fine
    with pytest.raises(ad.MissingRuleError, match="second derivative of gamma samples"):
        ad.grad(ad.grad(lambda a: gnp.sum(jr.gamma(k, a, (3,)))))(2.0)


# ---- backends, jit, vmap, dtypes and keys -----------------------------------------------------

SMALL = {
    "gamma": lambda k: jr.gamma(k, np.array([0.2, 3.0]), (3, 2)),
    "loggamma": lambda k: jr.loggamma(k, 0.1, (3,)),
    "beta": lambda k: jr.beta(k, 2.0, np.array([0.5, 3.0])),
    "dirichlet": lambda k: jr.dirichlet(k, np.array([1.0, 2.0, 0.5]), (2,)),
    "chisquare": lambda k: jr.chisquare(k, 3.0, (3,)),
    "t": lambda k: jr.t(k, 4.0, (3,)),
    "f": lambda k: jr.f(k, 3.0, 5.0, (3,)),
    "poisson": lambda k: jr.poisson(k, np.array([1.0, 30.0]), (3, 2)),
    "binomial": lambda k: jr.binomial(k, 7, 0.4, (3,)),
    "multinomial": lambda k: jr.multinomial(k, 7, np.array([0.2, 0.3, 0.5]), shape=(2, 3)),
    "geometric": lambda k: jr.geometric(k, 0.2, (3,)),
    "cauchy": lambda k: jr.cauchy(k, (3,)),
    "lognormal": lambda k: jr.lognormal(k, 0.5, (3,)),
    "pareto": lambda k: jr.pareto(k, 2.0, (3,)),
    "weibull_min": lambda k: jr.weibull_min(k, 1.0, 2.0, (3,)),
    "rayleigh": lambda k: jr.rayleigh(k, 1.0, (3,)),
    "maxwell": lambda k: jr.maxwell(k, (3,)),
    "double_sided_maxwell": lambda k: jr.double_sided_maxwell(k, 0.0, 1.0, (3,)),
    "triangular": lambda k: jr.triangular(k, 0.0, 0.2, 1.0, (3,)),
    "generalized_normal": lambda k: jr.generalized_normal(k, 1.5, (3,)),
    "ball": lambda k: jr.ball(k, 2, shape=(3,)),
    "orthogonal": lambda k: jr.orthogonal(k, 3),
    "wald": lambda k: jr.wald(k, 1.5, (3,)),
}


def test_every_new_sampler_has_a_small_case():
    from gpuad._random_dists import __all__ as new

    assert set(new) - set(SMALL) == {"wrap_key_data", "clone"}


def test_same_draws_on_every_backend_under_jit_and_vmap(backend):
    """One key gives the same numbers on this backend as on NumPy's; a jitted sampler draws
    anew for each key; vmap over split keys equals the loop over them."""
    keys = jr.split(jr.PRNGKey(5), 3)
    with ad.use_backend("numpy"):
        ref = {n: to_numpy(g(jr.split(jr.PRNGKey(5), 3)[0])) for n, g in SMALL.items()}
    for name, g in SMALL.items():
        first = to_numpy(g(keys[0]))
        np.testing.assert_allclose(first, ref[name], rtol=1e-13, atol=1e-300, err_msg=name)
        compiled = ad.jit(g)
        for k in keys[:2]:
            np.testing.assert_allclose(
                to_numpy(compiled(k)), to_numpy(g(k)), rtol=1e-13, err_msg=name
            )
        batched = to_numpy(ad.vmap(g)(keys))
        looped = np.stack([first] + [to_numpy(g(k)) for k in keys[1:]])
        np.testing.assert_allclose(batched, looped, rtol=1e-13, err_msg=name)
    assert not np.array_equal(to_numpy(SMALL["gamma"](keys[0])), to_numpy(SMALL["gamma"](keys[1])))


def test_vmap_over_keys_and_parameters_with_gradients(backend):
    """Batched shape parameters under vmap draw per (key, parameter) as the loop does, and
    per-example gradients in them equal the loop's."""
    keys = jr.split(jr.PRNGKey(6), 3)
    a = np.array([0.3, 2.0, 9.0])
    f = lambda k, a: gnp.sum(jr.beta(k, a, 2.0, (2,)) ** 2)  # noqa: E731
    vals = to_numpy(ad.vmap(f)(keys, a))
    grads = to_numpy(ad.vmap(ad.grad(f, argnums=1))(keys, a))
    for i in range(3):
        np.testing.assert_allclose(vals[i], to_numpy(f(keys[i], a[i])), rtol=1e-13)
        np.testing.assert_allclose(
            grads[i], to_numpy(ad.grad(f, argnums=1)(keys[i], a[i])), rtol=1e-12
        )
    compiled, grad_compiled = ad.jit(f), ad.jit(ad.grad(f, argnums=1))
    for i in range(2):  # a new parameter and a new key: new draws, as eagerly
        np.testing.assert_allclose(to_numpy(compiled(keys[i], a[i])), vals[i], rtol=1e-13)
        np.testing.assert_allclose(to_numpy(grad_compiled(keys[i], a[i])), grads[i], rtol=1e-12)
    shared = to_numpy(ad.vmap(lambda a: jr.gamma(keys[0], a, (2,)))(a))
    for i in range(3):
        np.testing.assert_allclose(shared[i], to_numpy(jr.gamma(keys[0], a[i], (2,))), rtol=1e-13)


def test_dtypes_shapes_and_keys(backend):
    k = jr.PRNGKey(7)
    x32 = jr.gamma(k, np.float32(2.0), (4,), dtype=np.float32)
    assert to_numpy(x32).dtype == np.float32
    g32 = ad.grad(lambda a: gnp.sum(jr.gamma(k, a, (4,), dtype=np.float32)))(np.float32(2.0))
    g64 = ad.grad(lambda a: gnp.sum(jr.gamma(k, a, (4,))))(2.0)
    np.testing.assert_allclose(float(g32), float(g64), rtol=1e-5)
    assert to_numpy(jr.poisson(k, 2.0, (3,), dtype=np.int32)).dtype == np.int32
    assert to_numpy(jr.geometric(k, 0.5, (3,), dtype=None)).dtype == np.int64
    with pytest.raises(TypeError, match="integer type"):
        jr.poisson(k, 2.0, dtype=np.float32)
    assert jr.dirichlet(k, np.ones((2, 4))).shape == (2, 4)
    assert jr.t(k, np.ones(3)).shape == (3,) and jr.gamma(k, 1.0, ()).shape == ()
    with pytest.raises(ValueError, match=r"shape \(2,\) does not fit"):
        jr.gamma(k, np.ones(3), (2,))
    with pytest.raises(TypeError, match="one key"):
        jr.gamma(jr.split(k), 1.0)
    wrapped = jr.wrap_key_data(jr.key_data(k))
    np.testing.assert_array_equal(to_numpy(wrapped), to_numpy(k))
    np.testing.assert_array_equal(to_numpy(jr.normal(wrapped, (2,))), to_numpy(jr.normal(k, (2,))))
    assert jr.clone(k) is k
    with pytest.raises(TypeError, match="two uint64 words"):
        jr.wrap_key_data(np.zeros(3, np.uint32))
