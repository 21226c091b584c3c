"""The distributions gpuad.scipy.stats takes from jax.scipy.stats (bernoulli ... wrapcauchy):
values against scipy.stats inside the support, JAX's values outside it, derivatives against
float64 central differences, and the derivative of gammainc/gammaincc in their shape ``a``
(which gamma's, chi2's and gennorm's CDFs use) against SciPy's central differences.
tests/conformance/test_jax_scipy_stats_more.py compares all of it with JAX itself."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss
import scipy.stats as st

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.scipy import stats
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)
X = RNG.standard_normal(4)
LOC = RNG.uniform(-0.5, 0.5, 4)
SCALE = RNG.uniform(0.6, 2.0, 4)
Q = RNG.uniform(0.05, 0.95, 4)
P = RNG.uniform(0.1, 0.9, 4)
POS = RNG.uniform(0.5, 3.0, 4)
K = np.array([0.0, 1.0, 3.0, 5.0])


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a) if isinstance(a, np.ndarray) else a


# (distribution, function, arguments, the scipy.stats call, differentiated argument indices)
CASES = [
    ("cauchy", f, (X, LOC, SCALE), None, (0, 1, 2))
    for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
] + [
    ("cauchy", "ppf", (Q, LOC, SCALE), None, (0, 1, 2)),
    ("cauchy", "isf", (Q, LOC, SCALE), None, (0, 2)),
    ("expon", "logpdf", (POS, LOC, SCALE), None, (0, 1, 2)),
    ("expon", "cdf", (POS, LOC, SCALE), None, (0, 1, 2)),
    ("expon", "logcdf", (POS, LOC, SCALE), None, (0,)),
    ("expon", "logsf", (POS, LOC, SCALE), None, (0, 2)),
    ("expon", "ppf", (Q, LOC, SCALE), None, (0, 2)),
    ("gumbel_r", "logpdf", (X, LOC, SCALE), None, (0, 1, 2)),
    ("gumbel_r", "logsf", (X, LOC, SCALE), None, (0, 2)),
    ("gumbel_r", "ppf", (Q, LOC, SCALE), None, (0, 2)),
    ("gumbel_l", "logpdf", (X, LOC, SCALE), None, (0, 1, 2)),
    ("gumbel_l", "logcdf", (X, LOC, SCALE), None, (0, 2)),
    ("gumbel_l", "ppf", (Q, LOC, SCALE), None, (0, 2)),
    ("laplace", "logpdf", (X, LOC, SCALE), None, (0, 1, 2)),
    ("laplace", "cdf", (X, LOC, SCALE), None, (0, 1, 2)),
    ("logistic", "logpdf", (X, LOC, SCALE), None, (0, 1, 2)),
    ("logistic", "sf", (X, LOC, SCALE), None, (0, 2)),
    ("logistic", "isf", (Q, LOC, SCALE), None, (0, 2)),
    ("pareto", "logpdf", (POS + 1.5, POS, LOC, SCALE), None, (0, 1, 2, 3)),
    ("pareto", "logcdf", (POS + 1.5, POS, LOC, SCALE), None, (0, 1, 3)),
    ("pareto", "ppf", (Q, POS, LOC, SCALE), None, (0, 1, 3)),
    ("uniform", "logpdf", (LOC + 0.3 * SCALE, LOC, SCALE), None, (2,)),
    ("uniform", "cdf", (LOC + 0.3 * SCALE, LOC, SCALE), None, (0, 1, 2)),
    ("uniform", "ppf", (Q, LOC, SCALE), None, (0, 1, 2)),
    ("gennorm", "logpdf", (X, POS), None, (0, 1)),
    ("gennorm", "cdf", (X, POS), None, (0, 1)),
    ("vonmises", "logpdf", (X, POS), None, (0, 1)),
    ("wrapcauchy", "logpdf", (X + 2.0, P), None, (0, 1)),
    ("truncnorm", "logpdf", (X * 0.4, -1.2 + 0 * X, 1.5 + 0 * X, LOC, SCALE), None,
     (0, 1, 2, 3, 4)),
    ("truncnorm", "logcdf", (X * 0.4, -1.2 + 0 * X, POS, 0.0, 1.0), None, (0, 1, 2)),
    ("truncnorm", "logsf", (X * 0.4, -POS, 1.5 + 0 * X, 0.0, 1.0), None, (0, 1, 2)),
    ("bernoulli", "logpmf", (np.array([0.0, 1.0, 1.0, 0.0]), P), None, (1,)),
    ("bernoulli", "cdf", (np.array([0.0, 1.0, 0.5, -1.0]), P), None, (1,)),
    ("binom", "logpmf", (K, 6.0, P), None, (2,)),
    ("betabinom", "logpmf", (K, 6.0, POS, POS[::-1]), None, (2, 3)),
    ("geom", "logpmf", (K + 1, P), None, (1,)),
    ("nbinom", "logpmf", (K, POS, P), None, (1, 2)),
]


@pytest.mark.parametrize("dist,fn,args,ref,diff", CASES,
                         ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_values_and_derivatives(backend, dist, fn, args, ref, diff):
    f = getattr(getattr(stats, dist), fn)
    got = host(f(*[dev(a) for a in args]))
    np.testing.assert_allclose(got, getattr(getattr(st, dist), fn)(*args), rtol=1e-10)

    def g(*vals):
        full = list(args)
        for i, v in zip(diff, vals, strict=True):
            full[i] = v
        return f(*full)

    check_grads(g, tuple(dev(args[i]) for i in diff), order=1, modes=("rev",))


def test_multinomial(backend):
    x = np.array([[2, 1, 0], [0, 0, 3]])
    p = np.array([0.5, 0.3, 0.2])
    got = host(stats.multinomial.logpmf(dev(x), 3, dev(p)))
    np.testing.assert_allclose(got, st.multinomial.logpmf(x, 3, p), rtol=1e-12)
    assert host(stats.multinomial.logpmf(dev(x), 4, dev(p))).tolist() == [-np.inf] * 2
    check_grads(lambda q: stats.multinomial.logpmf(dev(x), 3, q), (dev(p),), order=1,
                modes=("rev",))
    with pytest.raises(ValueError, match="integer type"):
        stats.multinomial.logpmf(dev(x.astype(float)), 3, dev(p))


def test_off_support_values_as_jax(backend):
    """-inf, 0 and nan where jax.scipy.stats gives them (the values are JAX's)."""
    inf, nan = np.inf, np.nan

    def v(f, *a):
        return host(f(*[dev(np.asarray(x, float)) for x in a])).tolist()

    assert v(stats.expon.logpdf, [-1.0, 0.0]) == [-inf, 0.0]
    assert v(stats.expon.cdf, [-1.0]) == [0.0]
    assert np.isnan(v(stats.expon.ppf, [1.5, nan])).all()
    assert v(stats.uniform.logpdf, [-0.1, 1.1, 0.5]) == [-inf, -inf, 0.0]
    assert v(stats.uniform.cdf, [-0.1, 1.1]) == [0.0, 1.0]
    assert v(stats.pareto.logpdf, [0.5], 2.0) == [-inf]
    assert v(stats.pareto.logsf, [0.5], 2.0) == [0.0]
    assert np.isnan(v(stats.gumbel_r.logpdf, [0.5], 0.0, [-1.0])).all()
    # SciPy's ends of the support where JAX's gives nan
    assert v(stats.gumbel_l.ppf, [0.0, 1.0]) == [-inf, inf]
    assert np.isnan(v(stats.vonmises.logpdf, [0.5], [0.0])).all()
    assert v(stats.wrapcauchy.logpdf, [-0.1, 7.0], [0.5]) == [-inf, -inf]
    assert np.isnan(v(stats.wrapcauchy.logpdf, [1.0], [1.0])).all()
    assert np.isnan(v(stats.truncnorm.logpdf, [0.5], [1.0], [1.0])).all()
    assert v(stats.truncnorm.logpdf, [3.0], [-1.0], [2.0]) == [-inf]
    assert v(stats.truncnorm.logcdf, [3.0, -3.0], [-1.0], [2.0]) == [0.0, -inf]
    assert v(stats.bernoulli.logpmf, [2.0, -1.0], [0.3]) == [-inf, -inf]
    assert np.isnan(v(stats.bernoulli.cdf, [0.5], [1.5])).all()
    assert v(stats.bernoulli.ppf, [0.5, 0.8], [0.3]) == [0.0, 1.0]
    assert v(stats.binom.logpmf, [7.0, -1.0], [6.0], [0.3]) == [-inf, -inf]
    assert v(stats.binom.logpmf, [0.0], [6.0], [0.0]) == [0.0]  # certain: exactly 0
    assert v(stats.geom.logpmf, [0.0], [0.3]) == [-inf]
    assert v(stats.nbinom.logpmf, [-1.0], [2.0], [0.3]) == [-inf]
    assert np.isnan(v(stats.betabinom.logpmf, [1.0], [5.0], [0.0], [1.0])).all()


@pytest.mark.parametrize("dist,call", [
    ("bernoulli", lambda k: stats.bernoulli.logpmf(k, 0.3)),
    ("binom", lambda k: stats.binom.logpmf(k, 6, 0.3)),
    ("binom", lambda n: stats.binom.logpmf(2.0, n, 0.3)),
    ("betabinom", lambda k: stats.betabinom.logpmf(k, 6, 2.0, 3.0)),
    ("geom", lambda k: stats.geom.logpmf(k, 0.3)),
    ("nbinom", lambda k: stats.nbinom.logpmf(k, 2.0, 0.3)),
    ("bernoulli", lambda q: stats.bernoulli.ppf(q, 0.3)),
])
def test_counts_are_not_differentiated(backend, dist, call):
    with pytest.raises(ad.MissingRuleError, match=dist):
        ad.grad(lambda v: gnp.sum(call(v)))(dev(np.array([1.0, 2.0])))


# a from 1e-3 to 200 and x from 1e-4 to 400: the series, the continued fraction, both tails
A = np.array([1e-3, 0.05, 0.5, 0.5, 1.0, 2.5, 7.0, 30.0, 30.0, 200.0, 200.0, 3.0])
XG = np.array([1e-4, 0.3, 0.2, 5.0, 1.0, 2.0, 12.0, 25.0, 40.0, 180.0, 230.0, 400.0])


@pytest.mark.parametrize("fn,sign", [("gammainc", 1.0), ("gammaincc", -1.0)])
def test_gammainc_derivative_in_a(backend, fn, sign):
    h = 1e-6 * A
    fd = (ss.gammainc(A + h, XG) - ss.gammainc(A - h, XG)) / (2 * h)
    got = host(ad.grad(lambda a: gnp.sum(getattr(sps, fn)(a, dev(XG))))(dev(A)))
    np.testing.assert_allclose(got, sign * fd, rtol=2e-6, atol=1e-12)
    # forward mode, and at the edges: 0 at x = 0 and x = inf, nan for a <= 0 or x < 0
    _, t = ad.jvp(lambda a: getattr(sps, fn)(a, dev(XG)), (dev(A),), (dev(np.ones(12)),))
    np.testing.assert_allclose(host(t), got, rtol=1e-12)
    edge = host(ad.grad(lambda a: gnp.sum(sps.gammainc(a, dev(np.array([0.0, np.inf, -1.0,
                                                                           1.0])))))(
        dev(np.array([2.0, 2.0, 2.0, -1.0]))))
    assert edge[:2].tolist() == [0.0, 0.0] and np.isnan(edge[2:]).all()


def test_gammainc_second_derivatives(backend):
    a, x = np.array([0.7, 3.0]), np.array([0.4, 5.0])

    def da(v):
        return ad.grad(lambda u: gnp.sum(sps.gammainc(u, v)))(dev(a))

    # d/dx (dP/da), the a-derivative of the density, forward over reverse, against differences
    _, t = ad.jvp(da, (dev(x),), (dev(np.ones(2)),))
    h = 1e-5
    fd = (host(da(dev(x + h))) - host(da(dev(x - h)))) / (2 * h)
    np.testing.assert_allclose(host(t), fd, rtol=1e-7)
    # a second derivative in a has no rule (JAX has none either); reverse over reverse asks
    # for it even for the mixed derivative, and raises too
    with pytest.raises(ad.MissingRuleError, match="gammainc.*a \\(twice\\)"):
        ad.grad(lambda u: gnp.sum(ad.grad(lambda w: gnp.sum(sps.gammainc(w, dev(x))))(u)))(
            dev(a))


def test_gamma_family_cdfs_in_shape(backend):
    """gamma.cdf, chi2.sf and gennorm.cdf in their shape, against central differences."""
    x = dev(np.array([0.4, 2.0, 5.0]))
    check_grads(lambda a: stats.gamma.cdf(x, a, 0.0, 1.3), (dev(np.array([0.8, 2.0, 4.0])),),
                order=1, modes=("rev", "fwd"))
    check_grads(lambda d: stats.chi2.sf(x, d), (dev(np.array([1.5, 3.0, 6.0])),), order=1,
                modes=("rev",))


def test_gaussian_kde(backend):
    rng = np.random.default_rng(4)
    x, w, pts = rng.standard_normal((2, 12)), rng.uniform(0.2, 1, 12), rng.standard_normal((2, 5))
    for kw in ({}, {"weights": w}, {"bw_method": "silverman"}, {"bw_method": 0.5}):
        ref = st.gaussian_kde(x, **kw)
        kde = stats.gaussian_kde(dev(x), **{k: dev(v) for k, v in kw.items()})
        np.testing.assert_allclose(host(kde.evaluate(dev(pts))), ref.evaluate(pts), rtol=1e-12)
        np.testing.assert_allclose(host(kde.logpdf(dev(pts))), ref.logpdf(pts), rtol=1e-12)
        np.testing.assert_allclose(host(kde.integrate_gaussian(dev(np.zeros(2)), dev(np.eye(2)))),
                                   ref.integrate_gaussian(np.zeros(2), np.eye(2)), rtol=1e-12)
    one = stats.gaussian_kde(dev(x[0]))
    np.testing.assert_allclose(host(one.integrate_box_1d(-0.5, 1.0)),
                               st.gaussian_kde(x[0]).integrate_box_1d(-0.5, 1.0), rtol=1e-12)
    np.testing.assert_allclose(host(one.integrate_kde(stats.gaussian_kde(dev(pts[0])))),
                               st.gaussian_kde(x[0]).integrate_kde(st.gaussian_kde(pts[0])),
                               rtol=1e-12)
    check_grads(lambda d, p, v: stats.gaussian_kde(d, weights=v).logpdf(p),
                (dev(x), dev(pts), dev(w)), order=1, modes=("rev",))
    assert host(one.resample(ad.random.PRNGKey(0), (3,))).shape == (1, 3)
    with pytest.raises(NotImplementedError, match="integrate_box_1d"):
        one.integrate_box(0.0, 1.0)


def test_sem(backend):
    x = RNG.standard_normal((3, 5))
    for kw in ({}, {"axis": 1, "ddof": 0}, {"axis": None}, {"axis": 1, "keepdims": True}):
        np.testing.assert_allclose(host(stats.sem(dev(x), **kw)), st.sem(x, **kw), rtol=1e-12)
    xn = x.copy()
    xn[0, 1] = np.nan
    np.testing.assert_allclose(host(stats.sem(dev(xn), nan_policy="omit")),
                               st.sem(xn, nan_policy="omit"), rtol=1e-12)
    with pytest.raises(ValueError, match="raise is not supported"):
        stats.sem(dev(x), nan_policy="raise")
    check_grads(lambda a: stats.sem(a, axis=1), (dev(x),), order=2, modes=("rev", "fwd"))


def test_mode_and_rankdata(backend):
    x = np.array([[3.0, 1.0, 3.0, 2.0], [5.0, 5.0, 1.0, 1.0]])
    for method in ("average", "min", "max", "dense", "ordinal"):
        np.testing.assert_array_equal(host(stats.rankdata(dev(x), method)),
                                      st.rankdata(x, method))
        np.testing.assert_array_equal(host(stats.rankdata(dev(x), method, axis=1)),
                                      st.rankdata(x, method, axis=1))
    assert np.isnan(host(stats.rankdata(dev(np.array([1.0, np.nan]))))).all()
    with pytest.raises(NotImplementedError, match="omit"):
        stats.rankdata(dev(x), nan_policy="omit")
    with pytest.raises(ValueError, match="unknown method"):
        stats.rankdata(dev(x), "mean")
    r = stats.mode(dev(x), axis=1)
    assert host(r.mode).tolist() == [3.0, 1.0] and host(r.count).tolist() == [2, 2]
    r = stats.mode(dev(x), axis=None, keepdims=True)
    assert host(r.mode).tolist() == [[1.0]] and host(r.count).tolist() == [[3]]


def test_poisson_entropy(backend):
    mu = np.array([0.0, 1e-3, 0.7, 5.0, 60.0, 900.0, 1500.0, -1.0])
    got = host(stats.poisson.entropy(dev(mu)))
    np.testing.assert_allclose(got[:6], st.poisson.entropy(mu[:6]), rtol=1e-12)
    # the series above 1000 against the sum there (both exact to about 1e-13)
    lam = 1500.0
    k = np.arange(3000.0)
    lp = k * np.log(lam) - lam - ss.gammaln(k + 1)
    np.testing.assert_allclose(got[6], -np.sum(np.exp(lp) * lp), rtol=1e-12)
    assert got[0] == 0.0 and np.isnan(got[7])
    check_grads(stats.poisson.entropy, (dev(np.array([0.3, 4.0, 40.0, 2000.0])),), order=2,
                modes=("rev", "fwd"))
