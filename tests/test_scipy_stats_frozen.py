"""SciPy's frozen distributions on gpuad.scipy.stats (``norm(loc, scale).logpdf(x)``), the
distributions added beyond jax.scipy.stats, and SciPy's nan for invalid parameters. Values are
derived by hand (closed forms), derivatives checked against central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
from gpuad.scipy import stats
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a, dtype=np.float64)


def dev(a):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=np.float64))


def test_modules_are_callable(backend):
    """Was: TypeError: 'module' object is not callable."""
    rv = stats.norm(loc=1.0, scale=2.0)
    x = dev([0.0, 3.0])
    z = (host(x) - 1.0) / 2.0
    np.testing.assert_allclose(host(rv.logpdf(x)), -0.5 * z * z - 0.5 * math.log(2 * math.pi)
                               - math.log(2.0), rtol=1e-13)
    assert float(host(rv.mean())) == 1.0 and float(host(rv.var())) == 4.0
    assert float(host(rv.std())) == 2.0
    # N(1, 4): entropy 0.5 log(2 pi e sigma^2); the central 95% within 1.959964 sigma
    assert float(host(rv.entropy())) == pytest.approx(0.5 * math.log(2 * math.pi * math.e * 4))
    lo, hi = rv.interval(0.95)
    assert float(host(lo)) == pytest.approx(1 - 2 * 1.959963984540054, rel=1e-12)
    assert float(host(hi)) == pytest.approx(1 + 2 * 1.959963984540054, rel=1e-12)
    assert rv.support() == (-math.inf, math.inf)
    # E[X^3] = mu^3 + 3 mu sigma^2 = 1 + 12; E[X^4] = mu^4 + 6 mu^2 s^2 + 3 s^4 = 1 + 24 + 48
    assert float(host(rv.moment(3))) == pytest.approx(13.0)
    assert float(host(rv.moment(4))) == pytest.approx(73.0)


def test_frozen_gamma_moments_and_gradients(backend):
    """gamma(a, scale=s): mean a s, var a s^2, entropy a + lgamma(a) + (1 - a) psi(a) + log s;
    derivatives in a and s against central differences."""
    rv = stats.gamma(2.5, scale=1.5)
    m, v, s, k = (float(host(u)) for u in rv.stats("mvsk"))
    assert (m, v) == pytest.approx((3.75, 5.625))
    assert (s, k) == pytest.approx((2 / math.sqrt(2.5), 6 / 2.5))
    psi = 0.7031566406452432  # digamma(2.5) = -gamma + 2 - 2 log 2 + 2/3
    assert psi == pytest.approx(-0.5772156649015329 + 2 - 2 * math.log(2) + 2 / 3)
    want = 2.5 + math.lgamma(2.5) + (1 - 2.5) * psi + math.log(1.5)
    assert float(host(rv.entropy())) == pytest.approx(want, rel=1e-12)
    a, sc = dev([2.5]), dev([1.5])
    check_grads(lambda a, s: stats.gamma(a, scale=s).entropy(), (a, sc), order=1)
    check_grads(lambda a, s: stats.gamma(a, scale=s).var(), (a, sc), order=2)
    check_grads(lambda x, a, s: stats.gamma(a, scale=s).logpdf(x), (dev([0.7, 3.0]), a, sc),
                order=1)


def test_added_distributions_closed_forms(backend):
    x = dev([0.5, 1.0, 2.0])
    xv = host(x)
    # lognorm(s): cdf Phi(log x / s); weibull_min(c): cdf 1 - exp(-x^c); rayleigh: exp(-x^2/2)
    np.testing.assert_allclose(host(stats.lognorm.cdf(x, 0.5)),
                               [0.5 * math.erfc(-math.log(u) / 0.5 / math.sqrt(2)) for u in xv],
                               rtol=1e-13)
    np.testing.assert_allclose(host(stats.weibull_min.cdf(x, 1.5)), 1 - np.exp(-xv ** 1.5),
                               rtol=1e-13)
    np.testing.assert_allclose(host(stats.weibull_max.cdf(-x, 1.5)), np.exp(-xv ** 1.5),
                               rtol=1e-13)
    np.testing.assert_allclose(host(stats.rayleigh.sf(x)), np.exp(-xv ** 2 / 2), rtol=1e-13)
    np.testing.assert_allclose(host(stats.halfnorm.pdf(x)),
                               np.sqrt(2 / np.pi) * np.exp(-xv ** 2 / 2), rtol=1e-13)
    np.testing.assert_allclose(host(stats.halfcauchy.cdf(x)), 2 / np.pi * np.arctan(xv),
                               rtol=1e-13)
    # maxwell = chi(3); invgamma(1) density x^-2 exp(-1/x), cdf exp(-1/x)
    np.testing.assert_allclose(host(stats.maxwell.logpdf(x)), host(stats.chi.logpdf(x, 3.0)),
                               rtol=1e-13)
    np.testing.assert_allclose(host(stats.invgamma.cdf(x, 1.0)), np.exp(-1 / xv), rtol=1e-12)
    np.testing.assert_allclose(host(stats.invgamma.pdf(x, 1.0)), xv ** -2 * np.exp(-1 / xv),
                               rtol=1e-12)
    # off the support: density 0, cdf 0; quantile ends
    assert host(stats.lognorm.logpdf(dev([-1.0, 0.0]), 0.5)).tolist() == [-np.inf, -np.inf]
    assert host(stats.rayleigh.cdf(dev([-1.0]))).tolist() == [0.0]
    assert host(stats.halfcauchy.ppf(dev([0.0, 1.0]))).tolist() == [0.0, np.inf]
    assert host(stats.halfcauchy.isf(dev([1e-20])))[0] == pytest.approx(2 / np.pi * 1e20)


@pytest.mark.parametrize("name,shape", [("lognorm", 0.7), ("weibull_min", 1.6),
                                        ("halfnorm", None), ("rayleigh", None), ("gamma", 2.5),
                                        ("chi2", 3.0), ("t", 4.0), ("invgamma", 3.0),
                                        ("maxwell", None)])
def test_added_quantiles_invert_and_differentiate(backend, name, shape):
    d = getattr(stats, name)
    sh = () if shape is None else (shape,)
    q = dev([0.05, 0.5, 0.95])
    np.testing.assert_allclose(host(d.cdf(d.ppf(q, *sh, 0.3, 1.2), *sh, 0.3, 1.2)), host(q),
                               rtol=1e-12)
    np.testing.assert_allclose(host(d.sf(d.isf(q, *sh, 0.3, 1.2), *sh, 0.3, 1.2)), host(q),
                               rtol=1e-12)
    # SciPy's stdtrit is exact to about 1e-10: coarser differences for t
    check_grads(lambda q, lc, s: d.ppf(q, *sh, lc, s), (q, dev(0.3), dev(1.2)), order=1,
                eps=1e-4 if name == "t" else None)


def test_invalid_scale_gives_nan_not_a_number(backend):
    """Was: expon.cdf(1.5, scale=-1) = -3.48, laplace.cdf(0.5, scale=-1) = 0.30 (JAX's
    formulas); SciPy's nan now."""
    x = dev([0.5, 1.5])
    for f in (stats.expon.cdf, stats.laplace.cdf, stats.logistic.cdf, stats.cauchy.sf,
              stats.uniform.logpdf, stats.gumbel_r.ppf):
        assert np.isnan(host(f(x, 0.0, -1.0))).all(), f
        assert np.isnan(host(f(x, 0.0, 0.0))).all(), f
    assert np.isnan(host(stats.pareto.logpdf(x + 1, 0.0))).all()  # was ZeroDivisionError
    assert np.isnan(host(stats.weibull_min.ppf(dev([0.5]), 0.0))).all()
    # scale > 0 is untouched, and its derivative still flows
    check_grads(lambda s: stats.expon.cdf(x, 0.0, s), (dev([2.0]),), order=2)


def test_quantile_ends_are_the_support(backend):
    """Was: cauchy.ppf(1) = 1.6e16, cauchy.ppf(1.5) = a number, gumbel_r.ppf(0) = nan."""
    q = dev([0.0, 1.0, 1.5])
    assert host(stats.cauchy.ppf(q)).tolist()[:2] == [-np.inf, np.inf]
    assert np.isnan(host(stats.cauchy.ppf(q))[2])
    assert host(stats.cauchy.isf(q)).tolist()[:2] == [np.inf, -np.inf]
    assert host(stats.gumbel_r.ppf(q)).tolist()[:2] == [-np.inf, np.inf]
    assert host(stats.gumbel_l.ppf(q)).tolist()[:2] == [-np.inf, np.inf]


def test_frozen_argument_errors_and_absent_distributions():
    with pytest.raises(TypeError, match="gamma"):
        stats.gamma()
    with pytest.raises(TypeError, match="norm"):
        stats.norm(0.0, 1.0, 2.0)
    with pytest.raises(AttributeError, match="'skewnorm'.*scipy.special"):
        stats.skewnorm  # noqa: B018
    with pytest.raises(AttributeError, match="vonmises has no ppf"):
        stats.vonmises(2.0).ppf(0.5)
    with pytest.raises(NotImplementedError, match="order 4"):
        stats.norm().moment(5)


def test_truncnorm_moments_by_recursion(backend):
    """truncnorm(0, inf) is the half-normal: mean sqrt(2/pi), var 1 - 2/pi, same skew."""
    rv, hn = stats.truncnorm(0.0, np.inf), stats.halfnorm()
    for a, b in zip(rv.stats("mvsk"), hn.stats("mvsk"), strict=True):
        assert float(host(a)) == pytest.approx(float(host(b)), rel=1e-12)
    assert float(host(rv.entropy())) == pytest.approx(float(host(hn.entropy())), rel=1e-12)


def test_frozen_without_native_loc_scale(backend):
    """gennorm has no loc/scale in JAX; frozen applies SciPy's: f((x - loc)/scale)/scale."""
    x = dev([0.3, 1.7])
    got = host(stats.gennorm(2.0, loc=1.0, scale=3.0).pdf(x))
    z = (host(x) - 1.0) / 3.0
    np.testing.assert_allclose(got, np.exp(-z * z) / math.sqrt(math.pi) / 3.0, rtol=1e-13)
    assert np.isnan(host(stats.gennorm(2.0, scale=-1.0).pdf(x))).all()


def test_rvs_reparameterised(backend):
    loc = ad.tensor(np.float64(0.5), requires_grad=True)
    s = ad.tensor(np.float64(2.0), requires_grad=True)
    draws = stats.norm(loc, s).rvs(size=6, random_state=0)
    z = np.random.RandomState(0).standard_normal(6)
    np.testing.assert_allclose(host(draws), 0.5 + 2.0 * z, rtol=1e-14)
    draws.sum().backward()
    assert float(host(loc.grad)) == 6.0
    assert float(host(s.grad)) == pytest.approx(z.sum(), rel=1e-14)


def test_gamma_quantile_derivative_in_the_shape(backend):
    """gamma.ppf had none; d ppf / da = -(dP/da) / density, against central differences, and
    d^2 ppf / dq^2 (the rule is written with the output, so it differentiates again)."""
    q, a = dev([0.1, 0.5, 0.9]), dev([2.5, 2.5, 2.5])
    check_grads(lambda q, a: stats.gamma.ppf(q, a), (q, a), order=1)
    check_grads(lambda q: stats.gamma.ppf(q, 2.5), (q,), order=2)
    check_grads(lambda q: stats.beta.ppf(q, 2.0, 3.0), (q,), order=2)


def test_t_quantile_without_stdtrit(backend, monkeypatch):
    """CuPy has no stdtrit: the betaincinv route gives SciPy's t quantiles."""
    from gpuad.scipy import _special_rules as sr

    monkeypatch.setitem(sr._FOUND, (True, "stdtrit"), None)
    monkeypatch.setattr(sr, "has_function", lambda xp, name: name != "stdtrit")
    q = np.array([1e-9, 0.01, 0.3, 0.49, 0.5, 0.51, 0.9, 0.999999])
    got = sr._stdtrit_fwd(np, np.full(8, 3.5), q)
    import scipy.special as ss

    np.testing.assert_allclose(got, ss.stdtrit(3.5, q), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name,shape", [("lognorm", 0.5), ("weibull_min", 1.5), ("chi", 3.0),
                                        ("invgamma", 2.0), ("maxwell", None),
                                        ("halfnorm", None), ("gamma", 2.0), ("chi2", 3.0),
                                        ("t", 3.0), ("beta", (2.0, 3.0))])
def test_distributions_keep_float32(backend, name, shape):
    """A Python-number shape made a float64 special-function value and promoted float32 x
    (gamma.logpdf(x32, 2.0), beta.cdf, t.logpdf, chi.cdf, maxwell.* gave float64)."""
    d = getattr(stats, name)
    sh = () if shape is None else shape if isinstance(shape, tuple) else (shape,)
    x = ad.tensor(ad.get_backend().xp.asarray(np.array([0.5, 1.5], np.float32)))
    q = ad.tensor(ad.get_backend().xp.asarray(np.array([0.2, 0.7], np.float32)))
    for fn in d.__all__:
        try:
            out = getattr(d, fn)(q if fn in ("ppf", "isf") else x, *sh)
        except NotImplementedError as e:  # CuPy 14 has no betaincc: beta.sf raises there
            assert "cupyx" in str(e)
            continue
        assert out.dtype == np.float32, (fn, out.dtype)
