"""SciPy's own distribution checks (scipy/stats/tests/test_continuous_basic.py over the
``distcont`` parameters, and edge and argument cases of test_distributions.py), run on the
distributions gpuad.scipy.stats has, as SciPy users write them: frozen (``norm(loc, scale)``)
with SciPy's methods. Each value is compared with scipy.stats run in the same process;
derivatives in ``x``, the shapes, ``loc`` and ``scale`` against float64 central differences
(and jax.scipy.stats where JAX is installed and has the function).

Runs in CI (SciPy only): a fixed subset by default, every parameter set, point and function
with ``GPUAD_SCIPY_STATS_ALL=1``.
"""

from __future__ import annotations

import functools
import math
import os
import warnings

import numpy as np
import pytest
import scipy.stats as S  # noqa: E402
from scipy.stats._distr_params import distcont  # noqa: E402

import gpuad  # noqa: E402
import gpuad.scipy.stats as G  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

ALL = os.environ.get("GPUAD_SCIPY_STATS_ALL") == "1"

CONTINUOUS = ["beta", "cauchy", "chi", "chi2", "expon", "gamma", "gennorm", "gumbel_l",
              "gumbel_r", "halfcauchy", "halfnorm", "invgamma", "laplace", "logistic", "lognorm",
              "maxwell", "norm", "pareto", "rayleigh", "t", "truncnorm", "uniform", "vonmises",
              "weibull_max", "weibull_min", "wrapcauchy"]
_PARAMS: dict[str, list[tuple]] = {}
for _n, _p in distcont:
    if _n in CONTINUOUS:
        _PARAMS.setdefault(_n, []).append(tuple(_p))
# a few more points SciPy's other tests use (small shapes, heavy tails), for the full run
_MORE = {"gamma": [(0.5,), (12.0,)], "beta": [(0.5, 0.5), (5.0, 2.0)], "t": [(1.5,), (30.0,)],
         "lognorm": [(0.25,), (2.0,)], "weibull_min": [(0.6,), (3.5,)], "invgamma": [(2.5,)],
         "chi": [(1.5,), (4.0,)], "pareto": [(4.5,)], "gennorm": [(0.8,), (4.0,)]}
LOCSCALE = [(0.3, 1.7)] + ([(0.0, 1.0), (-2.0, 0.4)] if ALL else [])
CASES = [(n, p) for n in CONTINUOUS for p in (_PARAMS[n] + _MORE.get(n, []) if ALL
                                              else _PARAMS[n][:1])]
IDS = [f"{n}{p}" for n, p in CASES]
Q = np.array([1e-6, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999, 1 - 1e-6]) if ALL else \
    np.array([1e-3, 0.1, 0.5, 0.9, 0.999])
FNS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
# SciPy's moments for vonmises/wrapcauchy are numerical; gpuad has no formula for them
NO_STATS = {"vonmises", "wrapcauchy"}


def _np(v):
    return v.numpy() if isinstance(v, gpuad.Tensor) else np.asarray(v, dtype=np.float64)


def _pair(name, params, loc, scale):
    return getattr(G, name)(*params, loc=loc, scale=scale), \
        getattr(S, name)(*params, loc=loc, scale=scale)


def _close(a, b, rtol=1e-8, atol=1e-12, what=""):
    np.testing.assert_allclose(_np(a), np.asarray(b, dtype=np.float64), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=what)


def _x(rs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rs.ppf(Q)


@pytest.mark.parametrize("loc,scale", LOCSCALE)
@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_values_against_scipy(name, params, loc, scale):
    """Every function the distribution has, at SciPy's quantiles and beyond the support."""
    rg, rs = _pair(name, params, loc, scale)
    x = np.concatenate([_x(rs), [rs.support()[0] - 1.0, rs.support()[1] + 1.0]])
    x = x[np.isfinite(x)]
    for fn in FNS:
        if getattr(G.__dict__[name], fn, None) is None:
            continue
        _close(getattr(rg, fn)(x), getattr(rs, fn)(x), rtol=1e-7, atol=1e-12,
               what=f"{name}{params}.{fn}")
    for fn in ("ppf", "isf"):
        if getattr(G.__dict__[name], fn, None) is not None:
            _close(getattr(rg, fn)(Q), getattr(rs, fn)(Q), rtol=1e-7, what=f"{name}.{fn}")


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_roundtrips_and_logs(name, params):
    """check_cdf_ppf, check_sf_isf, check_pdf_logpdf, check_cdf_logcdf, check_sf_logsf."""
    rg, rs = _pair(name, params, *LOCSCALE[0])
    mod = G.__dict__[name]
    x = _x(rs)
    for inv, fwd in (("ppf", "cdf"), ("isf", "sf")):
        if getattr(mod, inv, None) is None:
            continue
        got = _np(getattr(rg, fwd)(getattr(rg, inv)(Q)))
        # within 1e-7, or within twice SciPy's own round-trip error (x = loc + scale * y
        # rounds away digits of a tiny y: gamma(0.5, loc=0.3).cdf(ppf(1e-6)) = 9.99992e-7)
        own = np.abs(getattr(rs, fwd)(getattr(rs, inv)(Q)) - Q)
        assert (np.abs(got - Q) <= np.maximum(1e-7 * Q + 1e-12, 2 * own)).all(), \
            f"{fwd}({inv}(q)) = {got}"
    with np.errstate(divide="ignore"):
        _close(rg.logpdf(x), np.log(_np(rg.pdf(x))), rtol=1e-9, what="logpdf vs log pdf")
        for lg, fn in (("logcdf", "cdf"), ("logsf", "sf")):
            if getattr(mod, lg, None) is not None:
                _close(getattr(rg, lg)(x), np.log(_np(getattr(rg, fn)(x))), rtol=1e-7,
                       atol=1e-10, what=f"{lg} vs log {fn}")
        if getattr(mod, "sf", None) is not None:
            _close(_np(rg.sf(x)) + _np(rg.cdf(x)), np.ones_like(x), rtol=1e-12,
                   what="sf + cdf")


@functools.lru_cache
def _nodes(n):
    return np.polynomial.legendre.leggauss(n)


def _gauss_legendre(f, a, b, n=200):
    t, w = _nodes(n)
    mid, half = 0.5 * (a + b), 0.5 * (b - a)
    return half * np.sum(w * _np(f(mid + half * t)))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_pdf_integrates_and_moments_by_quadrature(name, params):
    """check_pdf (the density integrates to the cdf's mass) and check_moment (mean and variance
    from integrating the density, where they are finite)."""
    rg, rs = _pair(name, params, *LOCSCALE[0])
    a, b = rs.ppf(0.01), rs.ppf(0.99)
    mid = rs.median()  # laplace's and gennorm's kink: integrate each side
    mass = _gauss_legendre(rg.pdf, a, mid, 200) + _gauss_legendre(rg.pdf, mid, b, 200)
    assert mass == pytest.approx(rs.cdf(b) - rs.cdf(a), rel=1e-6), name
    if name in NO_STATS or not ALL:
        return
    from scipy.integrate import quad

    lo, hi = rs.support()
    m, v = rs.stats("mv")
    if np.isfinite(m):
        got = quad(lambda u: u * float(_np(rg.pdf(u))), lo, hi, limit=200)[0]
        assert got == pytest.approx(float(_np(rg.mean())), rel=1e-6, abs=1e-8), name
    if np.isfinite(v):
        mu = float(_np(rg.mean()))
        got = quad(lambda u: (u - mu) ** 2 * float(_np(rg.pdf(u))), lo, hi, limit=200)[0]
        assert got == pytest.approx(float(_np(rg.var())), rel=1e-6), name


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_summaries_against_scipy(name, params):
    """mean/var/std/stats('mvsk')/moment(n)/entropy/median/interval/support as SciPy's."""
    for loc, scale in LOCSCALE:
        rg, rs = _pair(name, params, loc, scale)
        _close(rg.support(), rs.support(), what="support")
        if getattr(G.__dict__[name], "ppf", None) is not None:
            _close(rg.median(), rs.median(), rtol=1e-9, what="median")
            _close(rg.interval(0.9), rs.interval(0.9), rtol=1e-9, what="interval")
        if name in NO_STATS:
            with pytest.raises(NotImplementedError, match=name):
                rg.mean()
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = rs.stats("mvsk")
            moments = [rs.moment(n) for n in range(1, 5)]
        # the kurtosis of chi(78) is 1e-4, a difference of numbers near 1: SciPy's and gpuad's
        # formulas agree to 3e-7 relative there
        _close([_np(v) for v in rg.stats("mvsk")], want, rtol=1e-6, atol=1e-9,
               what="stats(mvsk)")
        _close(rg.mean(), rs.mean(), rtol=1e-9)
        _close(rg.var(), rs.var(), rtol=1e-9)
        _close(rg.std(), rs.std(), rtol=1e-9)
        _close(rg.entropy(), rs.entropy(), rtol=1e-8, atol=1e-10, what="entropy")
        # SciPy's moment(3) of pareto(b=2.6) is -22.3 (its integral diverges); gpuad's nan
        finite = [i for i, c in enumerate("mvsk") if np.isfinite(want[i])]
        got = [_np(rg.moment(n + 1)) for n in finite]
        _close(got, [moments[n] for n in finite], rtol=1e-7, what="moment(n)")


def _grad_fn(name, fn, nshapes):
    def f(x, *p):
        return getattr(getattr(G, name)(*p[:nshapes], loc=p[nshapes], scale=p[nshapes + 1]),
                       fn)(x)
    return f


# derivatives with no closed form in gpuad (documented; they raise): drop those arguments
_CDF_SHAPES_RAISE = {"beta", "t", "truncnorm"}
_INSIDE = np.array([0.2, 0.45, 0.8])  # quantiles the derivative is checked at


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_derivatives_against_finite_differences(name, params):
    """d/dx, d/dshape, d/dloc, d/dscale of logpdf, cdf, ppf and of mean/var/entropy."""
    loc, scale = LOCSCALE[0]
    rs = getattr(S, name)(*params, loc=loc, scale=scale)
    x = rs.ppf(_INSIDE)
    p = [np.float64(v) for v in params] + [np.float64(loc), np.float64(scale)]
    k = len(params)
    if name in ("chi", "chi2"):  # large df: keep the differences well scaled
        p[0] = np.float64(min(p[0], 6.0))
        x = getattr(S, name)(*p[:k], loc=loc, scale=scale).ppf(_INSIDE)
    # by default logpdf everywhere, the cdf and the summaries on every third distribution
    sub = ALL or CONTINUOUS.index(name) % 3 == 0
    fns = ["logpdf"] + (["cdf"] if sub else []) + (["ppf", "sf"] if ALL else [])
    for fn in fns:
        if getattr(G.__dict__[name], fn, None) is None:
            continue
        f = _grad_fn(name, fn, k)
        arg0 = _INSIDE if fn == "ppf" else x
        if fn in ("cdf", "sf", "ppf") and name in _CDF_SHAPES_RAISE:
            shapes = tuple(p[:k])
            check_grads(lambda a, lc, sc, f=f, s=shapes: f(a, *s, lc, sc),
                        (arg0, p[k], p[k + 1]), order=1, rtol=1e-5, atol=1e-7)
        else:
            check_grads(f, (arg0, *p), order=1, rtol=1e-5, atol=1e-7)
    if name in NO_STATS or not sub:
        return
    for what in ("mean", "var", "entropy"):
        def g(*q, what=what):
            v = getattr(getattr(G, name)(*q[:k], loc=q[k], scale=q[k + 1]), what)()
            return gpuad.numpy.asarray(v) + 0.0 * q[k]  # a constant moment still records
        if np.all(np.isfinite(_np(getattr(getattr(G, name)(*p[:k], loc=p[k], scale=p[k + 1]),
                                          what)()))):
            check_grads(g, tuple(p), order=1, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["norm", "gamma", "beta", "t", "expon", "logistic", "pareto",
                                  "chi2", "laplace", "cauchy"])
def test_derivatives_against_jax(name):
    """The gradient of logpdf in every argument equals jax.grad of jax.scipy.stats's."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    js = getattr(pytest.importorskip("jax.scipy.stats"), name)
    params = _PARAMS[name][0]
    loc, scale = LOCSCALE[0]
    x = getattr(S, name)(*params, loc=loc, scale=scale).ppf(0.3)
    args = (x, *params, loc, scale)
    want = jax.grad(lambda *a: js.logpdf(*a), argnums=tuple(range(len(args))))(
        *[float(a) for a in args])
    ts = [gpuad.tensor(np.float64(a), requires_grad=True) for a in args]
    _grad_fn(name, "logpdf", len(params))(*ts).backward()
    for t, w in zip(ts, want, strict=True):
        np.testing.assert_allclose(_np(t.grad), float(w), rtol=1e-8, atol=1e-12)


# --- test_distributions.py: edge values and argument errors -------------------------------

def test_modules_are_callable_and_bind_as_scipy():
    rv = G.gamma(2.0, 1.0, 3.0)
    assert rv.args == (2.0,) and rv.kwds == {"loc": 1.0, "scale": 3.0}
    assert G.norm().kwds == {"loc": 0, "scale": 1}
    with pytest.raises(TypeError, match="gamma"):
        G.gamma()  # the shape is required, as SciPy's 'missing 1 required positional'
    with pytest.raises(TypeError, match="norm"):
        G.norm(0.0, 1.0, 2.0)
    with pytest.raises(TypeError, match="gamma"):
        G.gamma(2.0, a=3.0)
    with pytest.raises(AttributeError, match="genextreme.*scipy.special"):
        G.genextreme  # noqa: B018
    with pytest.raises(AttributeError, match="has no ppf"):
        G.vonmises(2.0).ppf(0.5)


@pytest.mark.parametrize("name", CONTINUOUS)
def test_invalid_scale_shape_and_q_give_nan(name):
    """test_distributions: a scale <= 0, a shape <= 0 and a q outside [0, 1] give nan."""
    params = _PARAMS[name][0]
    for scale in (0.0, -1.0):
        rg, rs = _pair(name, params, 0.0, scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for fn in ("logpdf", "cdf"):
                if getattr(G.__dict__[name], fn, None) is None:
                    continue
                _close(getattr(rg, fn)(np.array([0.5, 1.5])),
                       getattr(rs, fn)(np.array([0.5, 1.5])), what=f"{fn} scale={scale}")
    if params:
        bad = tuple(-abs(v) for v in params)
        rg, rs = _pair(name, bad, 0.0, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _close(rg.logpdf(np.array([0.5, 1.5])), rs.logpdf(np.array([0.5, 1.5])))
    rg, rs = _pair(name, params, 0.0, 1.0)
    if getattr(G.__dict__[name], "ppf", None) is not None:
        q = np.array([-0.1, 0.0, 1.0, 1.1, np.nan])
        _close(rg.ppf(q), rs.ppf(q), what="ppf at and beyond [0, 1]")
        _close(rg.interval(1.0), rs.interval(1.0), what="interval(1) is the support")
        with pytest.raises(ValueError, match="confidence"):
            rg.interval(1.5)


def test_discrete_frozen_against_scipy():
    k = np.arange(0.0, 7.0)
    for name, params in [("poisson", (2.5,)), ("binom", (6, 0.3)), ("bernoulli", (0.3,)),
                         ("geom", (0.4,)), ("nbinom", (3.0, 0.4)), ("betabinom", (6, 2.0, 3.0))]:
        rg, rs = getattr(G, name)(*params, loc=1), getattr(S, name)(*params, loc=1)
        _close(rg.pmf(k), rs.pmf(k), rtol=1e-9, what=f"{name}.pmf")
        _close(rg.logpmf(k), rs.logpmf(k), rtol=1e-9, what=f"{name}.logpmf")
        _close(rg.mean(), rs.mean(), rtol=1e-12)
        _close(rg.var(), rs.var(), rtol=1e-12)
        _close(rg.support(), rs.support())
        if name not in ("betabinom",):
            _close([_np(v) for v in rg.stats("mvsk")], rs.stats("mvsk"), rtol=1e-10)
        if name in ("poisson", "bernoulli"):
            _close(rg.entropy(), rs.entropy(), rtol=1e-10)


def test_multivariate_frozen_against_scipy():
    mean, cov = np.array([0.5, -1.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
    x = np.array([[0.0, 0.0], [1.0, -2.0]])
    _close(G.multivariate_normal(mean, cov).logpdf(x),
           S.multivariate_normal(mean, cov).logpdf(x), rtol=1e-10)
    _close(G.multivariate_normal(mean, cov).entropy(), S.multivariate_normal(mean, cov).entropy(),
           rtol=1e-10)
    alpha = np.array([1.5, 2.0, 3.5])
    rg, rs = G.dirichlet(alpha), S.dirichlet(alpha)
    _close(rg.logpdf(np.array([0.2, 0.3, 0.5])), rs.logpdf(np.array([0.2, 0.3, 0.5])),
           rtol=1e-10)
    _close(rg.mean(), rs.mean(), rtol=1e-12)
    _close(rg.var(), rs.var(), rtol=1e-12)
    _close(rg.entropy(), rs.entropy(), rtol=1e-10)


def test_rvs_follow_scipy_seeds_and_differentiate():
    _close(G.norm(1.0, 2.0).rvs(size=5, random_state=3),
           S.norm(1.0, 2.0).rvs(size=5, random_state=3), rtol=1e-12)
    _close(G.expon(0.5, 2.0).rvs(size=5, random_state=3),
           S.expon(0.5, 2.0).rvs(size=5, random_state=3), rtol=1e-12)
    _close(G.vonmises(2.0).rvs(size=4, random_state=1),
           S.vonmises(2.0).rvs(size=4, random_state=1), rtol=1e-12)  # no ppf: SciPy's draws
    # reparameterised: d/dscale of weibull_min samples is sample / scale
    sc = gpuad.tensor(np.float64(2.0), requires_grad=True)
    draws = G.weibull_min(1.5, scale=sc).rvs(size=4, random_state=0)
    draws.sum().backward()
    assert float(_np(sc.grad)) == pytest.approx(float(_np(draws).sum()) / 2.0, rel=1e-12)
    a = gpuad.tensor(np.float64(2.0), requires_grad=True)
    with pytest.raises(Exception, match="not differentiated"):
        G.vonmises(a).rvs(size=3, random_state=0).sum().backward()
    # gamma by its quantile: d/da of a sample is the implicit -(dF/da) / f
    draws = G.gamma(a).rvs(size=3, random_state=0)
    draws.sum().backward()
    u = np.random.RandomState(0).uniform(size=3)
    h = 1e-6
    fd = (S.gamma(2.0 + h).ppf(u) - S.gamma(2.0 - h).ppf(u)).sum() / (2 * h)
    assert float(_np(a.grad)) == pytest.approx(fd, rel=1e-6)


def test_summaries_raise_where_there_is_no_formula():
    with pytest.raises(NotImplementedError, match="moment"):
        G.norm().moment(5)
    with pytest.raises(NotImplementedError, match="expect"):
        G.norm().expect(lambda v: v)
    with pytest.raises(NotImplementedError, match="binom"):
        G.binom(5, 0.3).entropy()
    assert math.isnan(float(_np(G.cauchy().mean())))
