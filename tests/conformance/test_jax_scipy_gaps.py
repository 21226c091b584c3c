"""The rest of JAX's SciPy-namespace tests, ported to gpuad.scipy where the earlier ports had
left gaps: jax-ml/jax ``tests/lax_scipy_test.py`` (``LaxBackedScipyTests``),
``tests/lax_scipy_special_functions_test.py`` (``LaxScipySpecialFunctionsTest``),
``tests/scipy_stats_test.py`` (``LaxBackedScipyStatsTests``), ``tests/scipy_optimize_test.py``
(``TestBFGS``, ``TestLBFGS``) and ``tests/scipy_spatial_test.py``
(``LaxBackedScipySpatialTransformTests``).

Each port runs JAX's inputs through gpuad, SciPy and (x64 on for this module) jax.scipy in
the same process: values, shapes, dtypes and errors, ``gpuad.jit`` against eager, and
gradients against ``jax.grad`` where JAX's are finite (or against float64 closed forms where
JAX's own derivative is the inexact one). JAX's grids of distribution tests (every
``genNamedParametersNArgs`` method: broadcast shapes, float32 mixed with float64, JAX's
clipping of each argument) run in ``test_stats_grid`` on a fixed sample of their cases.

``GAPS`` maps every test method of those classes to where its port is ("here:" a test of this
file, "covered:" a test of an earlier port), where gpuad deliberately differs ("differs:"),
or why it has no counterpart ("n/a:"); ``test_every_gap_has_a_mapping`` checks that every
reference exists.
"""

from __future__ import annotations

import itertools
import re
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("scipy")

import jax.numpy as jnp  # noqa: E402
import jax.scipy.special as jsp  # noqa: E402
import jax.scipy.stats as jst  # noqa: E402
import scipy.optimize as sopt  # noqa: E402
import scipy.special as ss  # noqa: E402
import scipy.stats as sst  # noqa: E402
from _jax_random import rand_default, rand_positive  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.optimize as gopt  # noqa: E402
import gpuad.scipy.special as gs  # noqa: E402
import gpuad.scipy.stats as gst  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _h(a):
    if isinstance(a, tuple | list):
        return tuple(_h(v) for v in a)
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _close(got, want, rtol=1e-10, atol=0.0):
    got, want = _h(got), _h(want)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _close(g, w, rtol, atol)
        return
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# ---- the stats grids (genNamedParametersNArgs) -----------------------------------------------


def _expit(v):
    return 1.0 / (1.0 + np.exp(-v))


def _clip_scale(v):
    return np.clip(np.abs(v), 0.1, None)


# name -> (distribution, method, rng, transform of the drawn args, gpuad-differentiated args)
_LOC_SCALE = lambda x, loc, s: (x, loc, _clip_scale(s))  # noqa: E731
_Q_CLIP = lambda q, loc, s: (np.clip(q, 5e-3, 1 - 5e-3), loc, _clip_scale(s))  # noqa: E731
_Q3 = lambda q, loc, s: (np.clip(np.abs(q / 3), None, 1), loc, _clip_scale(s))  # noqa: E731
_SCALE01 = lambda x, loc, s: (x, loc, np.clip(s, 0.1, None))  # noqa: E731
_ABS2 = lambda x, k: (x, np.abs(k))  # noqa: E731
_WC = lambda x, c: (x, 1e-3 + (1 - 2e-3) * _expit(c))  # noqa: E731
_POIS = lambda k, mu, loc: (k, np.clip(np.abs(mu), 0.1, None), np.floor(loc))  # noqa: E731
_POIS_CDF = lambda k, mu, loc: (k, np.clip(np.abs(mu), 0.1, None), loc)  # noqa: E731
_BERN = lambda x, lg, loc: (np.floor(x), _expit(lg), np.floor(loc))  # noqa: E731
_BERN_CDF = lambda x, p: (np.round(np.clip(x * 30, -100, 100)), _expit(p))  # noqa: E731
_BERN_PPF = lambda q, p: (_expit(q), _expit(p))  # noqa: E731
_NBIN = lambda k, n, lg, loc: (
    np.floor(np.abs(k)),
    np.ceil(np.abs(n)),
    _expit(lg),  # noqa: E731
    np.floor(loc),
)
_BBIN = lambda k, n, a, b, loc: (np.floor(k), np.ceil(n), a, b, np.floor(loc))  # noqa: E731
_BIN = lambda k, n, lg, loc: (np.floor(k), np.ceil(n), _expit(lg), np.floor(loc))  # noqa: E731
_TN = lambda x, a, b, loc, s: (x, a, b, loc, _clip_scale(s))  # noqa: E731
_T = lambda x, df, loc, s: (x, df, loc, _clip_scale(s))  # noqa: E731
_UNI = lambda x, loc, s: (x, loc, np.abs(s))  # noqa: E731
_ID = None
D, P = rand_default, rand_positive

STATS_GRID = {
    "testVonMisesPdf": ("vonmises", "pdf", D, _ABS2, (0, 1)),
    "testVonMisesLogPdf": ("vonmises", "logpdf", D, _ABS2, (0, 1)),
    "testWrappedCauchyPdf": ("wrapcauchy", "pdf", D, _WC, (0, 1)),
    "testWrappedCauchyLogPdf": ("wrapcauchy", "logpdf", D, _WC, (0, 1)),
    "testPoissonLogPmf": ("poisson", "logpmf", D, _POIS, (1,)),
    "testPoissonPmf": ("poisson", "pmf", D, _POIS, (1,)),
    "testPoissonCdf": ("poisson", "cdf", D, _POIS_CDF, (1,)),
    "testBernoulliLogPmf": ("bernoulli", "logpmf", D, _BERN, (1,)),
    "testBernoulliCdf": ("bernoulli", "cdf", D, _BERN_CDF, (1,)),
    "testBernoulliPpf": ("bernoulli", "ppf", D, _BERN_PPF, ()),
    "testGeomLogPmf": ("geom", "logpmf", D, _BERN, (1,)),
    "testBetaLogPdf": ("beta", "logpdf", D, _ID, (0, 1, 2, 3, 4)),
    "testBetaLogCdf": ("beta", "logcdf", P, _ID, (0, 3, 4)),
    "testBetaSf": ("beta", "sf", P, _ID, (0, 3, 4)),
    "testBetaLogSf": ("beta", "logsf", P, _ID, (0, 3, 4)),
    "testCauchyLogPdf": ("cauchy", "logpdf", D, _LOC_SCALE, (0, 1, 2)),
    "testCauchyLogCdf": ("cauchy", "logcdf", D, _LOC_SCALE, (0, 1, 2)),
    "testCauchyCdf": ("cauchy", "cdf", D, _LOC_SCALE, (0, 1, 2)),
    "testCauchyLogSf": ("cauchy", "logsf", D, _LOC_SCALE, (0, 1, 2)),
    "testCauchySf": ("cauchy", "sf", D, _LOC_SCALE, (0, 1, 2)),
    "testCauchyIsf": ("cauchy", "isf", D, _Q_CLIP, (0, 1, 2)),
    "testCauchyPpf": ("cauchy", "ppf", D, _Q_CLIP, (0, 1, 2)),
    "testExponLogPdf": ("expon", "logpdf", P, _ID, (0, 1, 2)),
    "testExponLogCdf": ("expon", "logcdf", P, _ID, (0, 1, 2)),
    "testExponCdf": ("expon", "cdf", P, _ID, (0, 1, 2)),
    "testExponSf": ("expon", "sf", P, _ID, (0, 1, 2)),
    "testExponLogSf": ("expon", "logsf", P, _ID, (0, 1, 2)),
    "testExponPpf": ("expon", "ppf", P, _ID, (0, 1, 2)),
    "testGammaLogPdf": ("gamma", "logpdf", P, _ID, (0, 1, 2, 3)),
    "testGammaLogCdf": ("gamma", "logcdf", P, _ID, (0, 1, 2, 3)),
    "testGammaLogSf": ("gamma", "logsf", P, _ID, (0, 1, 2, 3)),
    "testGammaSf": ("gamma", "sf", P, _ID, (0, 1, 2, 3)),
    "testGenNormLogPdf": ("gennorm", "logpdf", D, _ID, (0, 1)),
    "testGenNormCdf": ("gennorm", "cdf", D, _ID, (0, 1)),
    "testNBinomLogPmf": ("nbinom", "logpmf", P, _NBIN, (2,)),
    "testLaplaceLogPdf": ("laplace", "logpdf", P, _SCALE01, (0, 1, 2)),
    "testLaplaceCdf": ("laplace", "cdf", D, _SCALE01, (0, 1, 2)),
    "testLogisticCdf": ("logistic", "cdf", D, _SCALE01, (0, 1, 2)),
    "testLogisticLogpdf": ("logistic", "logpdf", D, _SCALE01, (0, 1, 2)),
    "testLogisticPpf": ("logistic", "ppf", D, _SCALE01, (0, 1, 2)),
    "testLogisticSf": ("logistic", "sf", D, _SCALE01, (0, 1, 2)),
    "testLogisticIsf": ("logistic", "isf", D, _SCALE01, (0, 1, 2)),
    "testNormLogPdf": ("norm", "logpdf", D, _LOC_SCALE, (0, 1, 2)),
    "testNormLogCdf": ("norm", "logcdf", D, _LOC_SCALE, (0, 1, 2)),
    "testNormCdf": ("norm", "cdf", D, _LOC_SCALE, (0, 1, 2)),
    "testNormLogSf": ("norm", "logsf", D, _LOC_SCALE, (0, 1, 2)),
    "testNormSf": ("norm", "sf", D, _LOC_SCALE, (0, 1, 2)),
    "testNormPpf": ("norm", "ppf", D, _Q3, (0, 1, 2)),
    "testNormIsf": ("norm", "isf", D, _Q3, (0, 1, 2)),
    "testTruncnormLogPdf": ("truncnorm", "logpdf", D, _TN, (0, 1, 2, 3, 4)),
    "testTruncnormPdf": ("truncnorm", "pdf", D, _TN, (0, 1, 2, 3, 4)),
    "testTruncnormLogCdf": ("truncnorm", "logcdf", D, _TN, (0, 1, 2, 3, 4)),
    "testTruncnormCdf": ("truncnorm", "cdf", D, _TN, (0, 1, 2, 3, 4)),
    "testTruncnormLogSf": ("truncnorm", "logsf", D, _TN, (0, 1, 2, 3, 4)),
    "testTruncnormSf": ("truncnorm", "sf", D, _TN, (0, 1, 2, 3, 4)),
    "testParetoLogPdf": ("pareto", "logpdf", P, _ID, (0, 1, 2, 3)),
    "testParetoPdf": ("pareto", "pdf", P, _ID, (0, 1, 2, 3)),
    "testParetoLogCdf": ("pareto", "logcdf", P, _ID, (0, 1, 2, 3)),
    "testParetoCdf": ("pareto", "cdf", P, _ID, (0, 1, 2, 3)),
    "testTLogPdf": ("t", "logpdf", D, _T, (0, 1, 2, 3)),
    "testUniformLogPdf": ("uniform", "logpdf", D, _UNI, ()),
    "testUniformCdf": ("uniform", "cdf", D, _UNI, (0, 1, 2)),
    "testUniformPpf": ("uniform", "ppf", D, _UNI, (0, 1, 2)),
    "testChi2LogPdf": ("chi2", "logpdf", P, _ID, (0, 1, 2, 3)),
    "testChi2LogCdf": ("chi2", "logcdf", P, _ID, (0, 1, 2, 3)),
    "testChi2Cdf": ("chi2", "cdf", P, _ID, (0, 1, 2, 3)),
    "testChi2Sf": ("chi2", "sf", P, _ID, (0, 1, 2, 3)),
    "testChi2LogSf": ("chi2", "logsf", P, _ID, (0, 1, 2, 3)),
    "testBetaBinomLogPmf": ("betabinom", "logpmf", P, _BBIN, (2, 3)),
    "testBinomLogPmf": ("binom", "logpmf", P, _BIN, (2,)),
}

_ALL_SHAPES = [(), (4,), (3, 4), (3, 1), (1, 4), (2, 1, 4)]


def _grid_cases(name, nargs, k=2):
    """JAX's cases for one method (shapes and dtypes, combinations with replacement), a fixed
    sample of ``k`` of them, the all-float64 one with the widest broadcast always among them."""
    shapes = list(itertools.combinations_with_replacement(_ALL_SHAPES, nargs))
    dts = list(itertools.combinations_with_replacement([np.float32, np.float64], nargs))
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    picks = [(shapes[-1], dts[-1])]
    for _ in range(k - 1):
        picks.append((shapes[rng.integers(len(shapes))], dts[rng.integers(len(dts))]))
    return picks


def _nargs(dist, method):
    f = getattr(sst, dist)
    return (
        1
        + len((f.shapes or "").split(",") if f.shapes else [])
        + (1 if isinstance(f, sst.rv_discrete) else 2)
    )


@pytest.mark.parametrize("name", sorted(STATS_GRID))
def test_stats_grid(name):
    dist, method, draw, fix, diff = STATS_GRID[name]
    nargs = {"testBernoulliCdf": 2, "testBernoulliPpf": 2}.get(name, _nargs(dist, method))
    if dist in ("vonmises", "wrapcauchy", "gennorm"):
        nargs = 2  # JAX's grid passes no loc or scale here
    if dist == "bernoulli" and method == "logpmf":
        nargs = 3
    gf, sf, jf = (getattr(getattr(m, dist), method) for m in (gst, sst, jst))
    for case, (shapes, dts) in enumerate(_grid_cases(name, nargs)):
        rng = np.random.default_rng(zlib.crc32(repr((name, shapes, dts)).encode()))
        args = [draw(rng, s) for s in shapes]
        if fix is not None:
            args = list(fix(*args))
        args = [np.asarray(a, dt) for a, dt in zip(args, dts, strict=True)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = sf(*[a.astype(np.float64) for a in args])
            jout = jax.eval_shape(jf, *args)  # JAX's dtype (its values: the gradients below)
        got = gf(*[ad.tensor(a) for a in args])
        rtol = 1e-9 if all(dt == np.float64 for dt in dts) else 2e-3
        _close(got, want, rtol=rtol, atol=rtol * 1e-3)
        assert _h(got).dtype == jout.dtype, (name, dts, _h(got).dtype, jout.dtype)
        if case == 0:
            jitted = ad.jit(lambda *a, f=gf: f(*a))(*[ad.tensor(a) for a in args])
            _close(jitted, got, rtol=1e-12)
        if case == 0 and diff:  # the all-float64 case
            # the derivative of the sum over the points where the value is a number (SciPy's
            # nan marks parameters outside the domain, where JAX's formulas still give numbers)
            m = np.isfinite(np.broadcast_to(want, np.shape(want)))
            gs_ = ad.grad(lambda *a, f=gf: gnp.sum(gnp.where(m, f(*a), 0.0)), argnums=diff)(
                *[ad.tensor(a) for a in args]
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                js_ = jax.grad(lambda *a, f=jf: jnp.sum(jnp.where(m, f(*a), 0.0)), argnums=diff)(
                    *args
                )
            for i, g, jg in zip(diff, gs_, js_, strict=True):
                jg = np.asarray(jg)
                ok = np.isfinite(jg)
                gg = _h(g)
                assert gg.shape == jg.shape, (name, i)
                assert np.isfinite(gg[ok]).all(), (name, i)
                np.testing.assert_allclose(
                    gg[ok], jg[ok], rtol=1e-7, atol=1e-9, err_msg=f"{name} d/darg{i}"
                )


# ---- the stats regressions -------------------------------------------------------------------


def test_beta_pdf_edges():
    """testBetaLogPdfZero, testBetaLogPdfNegativeConstants, testBetaLogPdfNegativeScale."""
    x = np.array([0.0, 0.5, 1.0])
    for a, loc, scale in [(1.0, 0, 1), (-1.1, 0, 1), (1.0, 0, -1)]:
        want = sst.beta.pdf(x, a, a, loc, scale)
        _close(gst.beta.pdf(ad.tensor(x), a, a, loc, scale), want)
        _close(gst.beta.pdf(ad.tensor(x), a, a, loc, scale), jst.beta.pdf(x, a, a, loc, scale))


def test_gamma_pdf_at_zero():
    """testGammaLogPdfZero, testGammaDebugNans: the pdf at 0 with a = 1 (and loc = 1); its
    derivative in x inside the support against JAX's."""
    _close(gst.gamma.pdf(0.0, 1.0), sst.gamma.pdf(0.0, 1.0))
    _close(gst.gamma.pdf(0.0, 1.0, 1.0), sst.gamma.pdf(0.0, 1.0, 1.0))
    x = np.array([0.5, 1.0, 3.0])
    g = ad.grad(lambda t: gnp.sum(gst.gamma.pdf(t, 1.0)))(ad.tensor(x))
    _close(g, jax.grad(lambda t: jnp.sum(jst.gamma.pdf(t, 1.0)))(x))


def test_logistic_logpdf_overflow():
    """testLogisticLogpdfOverflow: float32 logpdf at -100 and 100, and its gradient."""
    x = np.array([-100, 100], np.float32)
    out = gst.logistic.logpdf(ad.tensor(x))
    assert _h(out).dtype == np.float32
    _close(out, np.array([-100, -100], np.float32), rtol=1e-6)
    g = ad.grad(lambda t: gnp.sum(gst.logistic.logpdf(t)))(ad.tensor(x.astype(np.float64)))
    _close(g, jax.grad(lambda t: jnp.sum(jst.logistic.logpdf(t)))(x.astype(np.float64)))


def test_norm_sf_far_tail_float32():
    """testNormSfNearZero: float32 sf(10) keeps its digits (no 1 - cdf)."""
    v = np.array(10, np.float32)
    out = gst.norm.sf(ad.tensor(v))
    assert _h(out).dtype == np.float32
    _close(out, sst.norm.sf(10.0), rtol=1e-5)


def test_binomial_edges():
    """testBinomPmfOutOfRange, testBinomLogPmfZerokZeron, testBetaBinomLogPmfZerokZeron,
    testIssue972 (norm.cdf of inf in float32)."""
    _close(gst.binom.pmf(k=6.5, n=5, p=0.8), 0.0)
    _close(gst.binom.pmf(6.5, 5, 0.8), sst.binom.pmf(6.5, 5, 0.8))
    _close(gst.binom.logpmf(0, 0, 0.8, 0), sst.binom.logpmf(0, 0, 0.8, 0))
    _close(gst.betabinom.logpmf(0, 0, 10, 5, 0), sst.betabinom.logpmf(0, 0, 10, 5, 0))
    out = gst.norm.cdf(ad.tensor(np.full((4,), np.inf, np.float32)))
    assert _h(out).dtype == np.float32
    _close(out, np.ones(4, np.float32))


@pytest.mark.parametrize("ndim,nbatch", [(2, 1), (3, 5)])
def test_mvn_logpdf_batch_via_vmap(ndim, nbatch):
    """testMultivariateNormalLogpdfBatch, testMultivariateNormalLogpdfBroadcasted: JAX's
    logpdf takes a batch of means and covariances; gpuad's, as SciPy's, takes one (a batched
    mean or cov raises ValueError naming both shapes): ``gpuad.vmap`` over the batch gives
    JAX's batched values, SciPy's vectorised ones, and JAX's gradients in x, mean and cov."""
    rng = np.random.default_rng(ndim * 10 + nbatch)
    x = rand_default(rng, (nbatch, ndim))
    mean = 5 * rand_default(rng, (nbatch, ndim))
    f = rand_default(rng, (nbatch, ndim, 2 * ndim))
    cov = f @ f.transpose(0, 2, 1)
    ts = [ad.tensor(v) for v in (x, mean, cov)]
    with pytest.raises(ValueError, match=re.escape(f"{(nbatch, ndim)} and {cov.shape}")):
        gst.multivariate_normal.logpdf(*ts)
    mapped = ad.vmap(gst.multivariate_normal.logpdf)(*ts)
    _close(mapped, jst.multivariate_normal.logpdf(x, mean, cov))
    ref = np.vectorize(sst.multivariate_normal.logpdf, signature="(n),(n),(n,n)->()")
    _close(mapped, ref(x, mean, cov), rtol=1e-9)
    for i in range(3):
        g = ad.grad(lambda *a: gnp.sum(ad.vmap(gst.multivariate_normal.logpdf)(*a)), argnums=i)(*ts)
        jg = jax.grad(lambda *a: jnp.sum(jst.multivariate_normal.logpdf(*a)), argnums=i)(
            x, mean, cov
        )
        _close(g, jg, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(15,), (3, 15)])
def test_kde_integrals(shape):
    """testKdeIntegrateGaussian, testKdeIntegrateBox1d, testKdeIntegrateKde: values against
    SciPy's and gradients in the data against JAX's."""
    rng = np.random.default_rng(len(shape))
    data, w = rand_default(rng, shape), np.abs(rand_default(rng, shape[-1:]))
    d = shape[0] if len(shape) > 1 else 1
    mean = rand_default(rng, (d,))
    L = np.tril(rand_default(rng, (d, d)), -1) + np.diag(np.exp(rng.standard_normal(d)) + 0.01)
    cov = L @ L.T
    sk, gk = sst.gaussian_kde(data, weights=w), gst.gaussian_kde(ad.tensor(data), weights=w)
    _close(gk.integrate_gaussian(mean, cov), sk.integrate_gaussian(mean, cov), rtol=1e-10)
    so = sst.gaussian_kde(data[..., :-3] + 0.1, weights=w[:-3])
    go = gst.gaussian_kde(ad.tensor(data[..., :-3] + 0.1), weights=w[:-3])
    _close(gk.integrate_kde(go), sk.integrate_kde(so), rtol=1e-10)
    if len(shape) == 1:
        _close(gk.integrate_box_1d(-0.5, 1.5), sk.integrate_box_1d(-0.5, 1.5), rtol=1e-10)

        def gf(t):
            return gst.gaussian_kde(t, weights=w).integrate_box_1d(-0.5, 1.5)

        def jf(t):
            return jst.gaussian_kde(t, weights=w).integrate_box_1d(-0.5, 1.5)

        _close(ad.grad(gf)(ad.tensor(data)), jax.grad(jf)(data), rtol=1e-8, atol=1e-12)

    def gg(t):
        return gst.gaussian_kde(t, weights=w).integrate_gaussian(mean, cov)

    def jg(t):
        return jst.gaussian_kde(t, weights=w).integrate_gaussian(mean, cov)

    _close(ad.grad(gg)(ad.tensor(data)), jax.grad(jg)(data), rtol=1e-8, atol=1e-12)


# ---- special: logsumexp ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, 5])
def test_logsumexp_where(n):
    """testLogSumExpWhere: ``where=`` masks entries out (all masked: -inf); testLogSumExpWhereGrad:
    the masked entries get no gradient."""
    rng = np.random.default_rng(n)
    x, m = rand_default(rng, (n,)), rng.random(n) < 0.5
    want = ss.logsumexp(x[m]) if m.any() else -np.inf
    _close(gs.logsumexp(ad.tensor(x), where=m), want)
    _close(gs.logsumexp(ad.tensor(x), where=m), jsp.logsumexp(x, where=m))
    x = np.array([0.0, 0.0, 0.0, 0.0, 100.0])
    g = ad.grad(lambda t: gs.logsumexp(t, where=np.arange(5) < 4))(ad.tensor(x))
    _close(g, jax.grad(lambda t: jsp.logsumexp(t, where=jnp.arange(5) < 4))(x))
    _close(g, np.array([0.25, 0.25, 0.25, 0.25, 0.0]))


def test_logsumexp_complex_sign():
    """testLogSumExpComplexSign: for complex input the sign is the unit phase of the sum and
    the log is real."""
    z = np.array([1 + 1j, 2 - 1j, -2 + 3j])
    lse, sign = gs.logsumexp(ad.tensor(z), return_sign=True)
    jl, js = jsp.logsumexp(z, return_sign=True)
    assert _h(lse).dtype == np.asarray(jl).dtype == np.float64
    assert _h(sign).dtype == np.asarray(js).dtype == np.complex128
    total = np.exp(z).sum()
    _close(sign, total / abs(total))
    _close(_h(sign) * np.exp(_h(lse)), total)


def test_logsumexp_regressions():
    """testLogSumExpZeros (b = 0 removes an entry), testLogSumExpOnes (float32, no inf on the
    way), testLogSumExpNans (scalar input, with and without b)."""
    a, b = np.array([-1000, -2]), np.array([1, 0])
    _close(gs.logsumexp(a, b=b), ss.logsumexp(a, b=b))
    ones = np.ones(4, np.float32)
    out = gs.logsumexp(ad.tensor(ones))
    assert _h(out).dtype == np.float32
    _close(out, ss.logsumexp(ones), rtol=1e-6)
    _close(gs.logsumexp(1.0), 1.0)
    _close(gs.logsumexp(1.0, b=1.0), 1.0)


# ---- special: values and derivatives at JAX's points -----------------------------------------


def test_betaln_jvp_wide_range():
    """testIssue13267: betaln(x, 1) = -log x and its forward derivative -1/x over 1..1e30."""
    xs = np.geomspace(1, 1e30, 200)
    val, tan = ad.jvp(lambda a: gs.betaln(a, 1.0), (ad.tensor(xs),), (ad.tensor(np.ones_like(xs)),))
    _close(val, -np.log(xs), rtol=1e-9, atol=1e-12)
    _close(tan, -1 / xs, rtol=1e-8)


def test_xlogx_and_entr_at_zero():
    """testXLogX (xlogy(x, x) with its gradient, against float64 central differences) and
    testGradOfEntrAtZero (d entr / dx at 0 is +inf, forward and reverse, as JAX's)."""
    rng = np.random.default_rng(0)
    x = rand_positive(rng, (2, 3, 4))
    _close(gs.xlogy(ad.tensor(x), ad.tensor(x)), ss.xlogy(x, x))
    g = ad.grad(lambda t: gnp.sum(gs.xlogy(t, t)))(ad.tensor(x))
    _close(g, np.log(x) + 1)
    gr = ad.grad(gs.entr)(ad.tensor(0.0))
    gf = ad.jvp(gs.entr, (ad.tensor(0.0),), (ad.tensor(1.0),))[1]
    assert _h(gr) == np.inf == jax.grad(jsp.entr)(0.0)
    assert _h(gf) == np.inf == jax.jacfwd(jsp.entr)(0.0)


def test_gamma_sign():
    """testGammaSign: gammasgn and sign(gamma) at and beside the poles, at +-0, +-inf, nan."""
    cases = [
        np.arange(-10, 0.0),
        np.nextafter(np.arange(-5, 0.0), -np.inf),
        np.nextafter(np.arange(-5, 0.0), np.inf),
        np.arange(0, 10.0),
        np.nextafter(np.arange(0, 10.0), np.inf),
        np.nextafter(np.arange(1, 10.0), -np.inf),
        np.array([-np.inf, -0.0, 0.0, np.inf, np.nan]),
    ]
    for inp in cases:
        want = ss.gammasgn(inp)
        _close(gs.gammasgn(ad.tensor(inp)), want)
        _close(gnp.sign(gs.gamma(ad.tensor(inp))), want)


def test_boundary_values():
    """testNdtriExtremeValues, testRelEntrExtremeValues, testGammaIncBoundaryValues,
    testGammaIncCBoundaryValues, testBetaIncBoundaryValues, testHyp2f1SpecialCases,
    testSiciEdgeCases, testErfcxLargeX, testDawsnLargeX: SciPy's values there (inf, nan, 0,
    1 and the limits), eagerly and under gpuad.jit."""
    nan, inf = np.nan, np.inf
    a = np.array([0, 0, 0, 1, nan, 1, nan, 0, 1, 1, nan, inf, inf, inf, inf, inf])
    x = np.array([0, 1, 2, 0, 1, nan, nan, inf, inf, -1, inf, 0, 1, inf, nan, -1.0])
    s = np.array([nan, -0.5, inf, 0, np.finfo(float).eps, 1])
    xb = np.array([nan, -0.5, 0, 0.5, 1, 1.5])
    h = [
        np.array([0, 1, 1, 1, 1, 5, 5, 0.245, 0.45, 0.45, 2, 0.4, 0.32, 4, 4.0]),
        np.array([1, 0, 1, 1, 1, 1, 1, 3, 0.7, 0.7, 1, 0.7, 0.76, 2, 3.0]),
        np.array([1, 1, 0, 1, -1, 3, 3, 3, 0.45, 0.45, 5, 0.3, 0.11, 7, 7.0]),
        np.array([1, 1, 1, 0, 1, 0.5, 1, 0.35, 0.35, 1.5, 1, 0.4, 0.95, 0.95, 0.95]),
    ]
    cases = [
        ("ndtri", (np.arange(-10, 10.0),), 1e-12),
        (
            "rel_entr",
            (
                np.array([-2, -2, -2, -1, -1, -1, 0, 0, 0.0]),
                np.array([-1, 0, 1, -1, 0, 1, -1, 0, 1.0]),
            ),
            1e-12,
        ),
        ("gammainc", (a, x), 1e-12),
        ("gammaincc", (a, x), 1e-12),
        ("betainc", tuple(np.meshgrid(s, s, xb)), 1e-12),
        ("hyp2f1", tuple(h), 1e-9),
        ("erfcx", (np.array([10.0, 20, 50, 100, 500]),), 1e-12),
        ("dawsn", (np.array([-10.0, -6.25, -3.25, 0.0, 3.25, 6.25, 10.0, 100.0]),), 1e-12),
    ]
    for name, args, rtol in cases:
        want = getattr(ss, name)(*args)
        ts = [ad.tensor(v) for v in args]
        _close(getattr(gs, name)(*ts), want, rtol=rtol)
        _close(ad.jit(getattr(gs, name))(*ts), want, rtol=rtol)
    e = np.array([0.0, np.inf, -np.inf])
    _close(gs.sici(ad.tensor(e)), ss.sici(e))
    x32 = np.array([10.0, 20, 50, 100], np.float32)
    out = gs.erfcx(ad.tensor(x32))
    assert _h(out).dtype == np.float32
    _close(out, ss.erfcx(x32.astype(np.float64)), rtol=1e-5)


def test_sici_refuses_complex():
    """testSiciRaiseOnComplexInput: complex input raises (JAX: ValueError; SciPy computes the
    complex sici, which gpuad does not have), with an error that says complex."""
    with pytest.raises((TypeError, ValueError), match="complex"):
        gs.sici(ad.tensor(np.arange(5, dtype=complex)))


def test_complex_gamma_poles_and_branch():
    """testComplexGammaPoles (nan at the poles, as SciPy; JAX gives nan+nanj) and
    testComplexGammaBranchCut (values beside the negative real axis)."""
    poles = np.array([0j, -1 + 0j, -2 + 0j, -5 + 0j])
    got = _h(gs.gamma(ad.tensor(poles)))
    assert got.dtype == np.complex128
    _close(got, ss.gamma(poles))
    z = np.array([-0.5 + 0j, -1.5 + 0j, 0.5 + 1j, 0.5 - 1j, -2.5 + 1e-12j, -2.5 - 1e-12j])
    _close(gs.gamma(ad.tensor(z)), ss.gamma(z), rtol=1e-10)


def test_comb_boundary_values():
    """testCombBoundaryValues: negative N or k, k > N, with and without repetition."""
    for n, k, rep in [([-1, -1, 5, 5], [0, 2, -1, 7], False), ([0, 0], [0, 4], True)]:
        n, k = np.array(n, float), np.array(k, float)
        got = gs.comb(ad.tensor(n), ad.tensor(k), repetition=rep)
        _close(got, ss.comb(n, k, repetition=rep))
        _close(got, jsp.comb(n, k, repetition=rep))


def test_beta_keywords():
    """testBetaParameterDeprecation: JAX's beta takes ``a`` and ``b`` by keyword; SciPy's ufunc
    takes its arguments positionally only, and so does gpuad's (a TypeError naming the
    keyword, as SciPy's)."""
    _close(gs.beta(1, 1), jsp.beta(1.0, 1.0))
    _close(gs.beta(2.0, 3.0), jsp.beta(a=2.0, b=3.0))
    with pytest.raises(TypeError):
        ss.beta(1, b=1)
    with pytest.raises(TypeError, match="'b'"):
        gs.beta(1, b=1)
    with pytest.raises(TypeError):
        gs.beta(x=1, y=1)


def test_expi_jit_equals_eager():
    """testExpiDisableJit, testExpnTracerLeaks: expi at a negative point, eager and jitted,
    against SciPy."""
    x = np.array([-0.5])
    eager = gs.expi(ad.tensor(x))
    _close(eager, ss.expi(x))
    _close(ad.jit(gs.expi)(ad.tensor(x)), eager, rtol=1e-14)


# ---- special: boxcox ----------------------------------------------------------------------


def _boxcox_grid(is_1p):
    pts = np.union1d(np.geomspace(0.01, 100.0, 9), 1.0 + np.array([-0.5, -1e-8, 0, 1e-8, 0.5]))
    lam = np.array([-2.0, -1.0, -0.5, -1e-10, 0.0, 1e-20, 1e-10, 0.5, 1.0, 2.0])
    xg, lg = np.meshgrid(pts - 1.0 if is_1p else pts, lam)
    return xg.ravel(), lg.ravel()


@pytest.mark.parametrize("name", ["boxcox", "boxcox1p"])
def test_boxcox_values_and_gradients(name):
    """testBoxcox, testBoxcox1p, testBoxcoxGrad, testBoxcox1pGrad, testBoxcoxAnchorPoints,
    testBoxcoxGradNearZero, testBoxcoxHessian: values against SciPy (1e-13) and the derivatives
    in x and lambda against their float64 closed forms ``x**(lambda - 1)`` (``(1 + x)**...``)
    and ``L**2 exprel'(lambda L)``, with ``L = log x``; the Hessian against JAX's."""
    is_1p = name == "boxcox1p"
    x, lam = _boxcox_grid(is_1p)
    f = getattr(gs, name)
    _close(f(ad.tensor(x), ad.tensor(lam)), getattr(ss, name)(x, lam), rtol=1e-13, atol=1e-15)
    gx, gl = ad.grad(lambda u, v: gnp.sum(f(u, v)), argnums=(0, 1))(ad.tensor(x), ad.tensor(lam))
    L = np.log1p(x) if is_1p else np.log(x)
    t = lam * L
    with np.errstate(all="ignore"):
        dexprel = np.where(
            np.abs(t) < 1e-6, 0.5 + t / 3, (np.exp(t) * (t - 1) + 1) / np.where(t == 0, 1, t) ** 2
        )
    _close(gx, np.exp((lam - 1) * L), rtol=1e-12)
    _close(gl, L * L * dexprel, rtol=1e-6, atol=1e-12)
    at = 0.0 if is_1p else 1.0
    lams = np.array([-10.0, -1.0, 0.0, 1.0, 10.0])
    dx, dl = ad.grad(lambda u, v: gnp.sum(f(u, v)), argnums=(0, 1))(
        ad.tensor(np.full(5, at)), ad.tensor(lams)
    )
    _close(dx, np.ones(5))
    _close(dl, np.zeros(5), atol=1e-15)
    H = ad.hessian(lambda v: f(v[0], v[1]))(ad.tensor(np.array([2.0, 0.5])))
    J = jax.hessian(lambda v: getattr(jsp, name)(v[0], v[1]))(jnp.array([2.0, 0.5]))
    _close(H, J, rtol=1e-9)


@pytest.mark.parametrize("name", ["boxcox", "boxcox1p"])
def test_boxcox_float32_derivative_in_x(name):
    """testBoxcoxGradXCancellation, testBoxcoxGradXUnderflow: in float32, d/dx where
    ``lambda log x << -1`` and where ``x**lambda`` underflows but ``x**(lambda - 1)`` does not."""
    is_1p = name == "boxcox1p"
    f = getattr(gs, name)
    if is_1p:
        cases = [
            (np.array([99.0, 1e7, 1e8]), np.array([-10.0, -2.0, -2.0])),
            (np.linspace(5e-5, 8e-5, 4) - 1, np.full(4, 9.5)),
        ]
    else:
        cases = [
            (np.array([100.0, 1e7, 1e8]), np.array([-10.0, -2.0, -2.0])),
            (np.array([1e-25, 1e-20, 1e-15]), np.full(3, 2.0)),
        ]
    for x, lam in cases:
        x32, l32 = x.astype(np.float32), lam.astype(np.float32)
        g = ad.grad(lambda u: gnp.sum(f(u, ad.tensor(l32))))(ad.tensor(x32))
        assert _h(g).dtype == np.float32
        L = np.log1p(x32.astype(np.float64)) if is_1p else np.log(x32.astype(np.float64))
        _close(g, np.exp((l32 - 1.0) * L), rtol=1e-5)


@pytest.mark.parametrize("name", ["lpmn", "lpmn_values", "sph_harm"])
def test_absent_special_functions_raise(name):
    """Functions of jax.scipy.special or scipy.special that gpuad does not have raise
    AttributeError naming them (never a stand-in)."""
    if name not in ("lpmn_values", "sph_harm"):  # JAX's; SciPy has removed sph_harm
        assert hasattr(ss, name) or hasattr(jsp, name)
    with pytest.raises(AttributeError, match=name):
        getattr(gs, name)


def test_exprel_inv_boxcox_against_scipy():
    """testExprelGrad, testExprelGradCrossover, testBoxcoxAnchorPoints (inv_boxcox): SciPy's
    exprel, inv_boxcox and inv_boxcox1p (JAX's are private helpers) on points around the
    series crossover (|t| = 0.1), at 0, far out and at the overflow, against SciPy's values;
    derivatives against float64 central differences across the crossover, where a switch of
    formula would show as a jump."""
    x = np.array([-800.0, -5.0, -0.1001, -0.1, -0.0999, -1e-9, 0.0, 1e-9, 0.0999, 0.1, 0.1001,
                  3.0, 709.7, 709.79, 720.0, np.inf, -np.inf, np.nan])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(_h(gs.exprel(x)), ss.exprel(x), rtol=2e-15)
    for t in (-0.1, 0.1, 1e-6):
        for h in (-1e-4, 0.0, 1e-4):
            xs = np.array([t + h])
            g = float(_h(ad.grad(lambda u: gnp.sum(gs.exprel(u)))(xs))[0])
            e = 1e-6
            fd = (ss.exprel(xs + e) - ss.exprel(xs - e))[0] / (2 * e)
            assert abs(g - fd) < 1e-8, (t + h, g, fd)
    ys = np.array([-2.0, -0.5, 0.0, 1e-3, 0.5, 3.0])
    for lam in (-0.7, -0.02, 0.0, 1e-12, 0.0333, 0.5, 2.0):
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(_h(gs.inv_boxcox(ys, lam)), ss.inv_boxcox(ys, lam),
                                       rtol=2e-15, atol=1e-300)
            np.testing.assert_allclose(_h(gs.inv_boxcox1p(ys, lam)), ss.inv_boxcox1p(ys, lam),
                                       rtol=2e-15, atol=1e-300)
        ok = 1 + lam * ys > 0.05
        for f in (ss.inv_boxcox, ss.inv_boxcox1p):
            gf = getattr(gs, f.__name__)
            gl = _h(ad.grad(lambda m, gf=gf: gnp.sum(gf(ad.tensor(ys[ok]), m)))(lam))
            fd = np.sum(f(ys[ok], lam + 1e-6) - f(ys[ok], lam - 1e-6)) / 2e-6
            np.testing.assert_allclose(gl, fd, rtol=1e-6, atol=1e-8)
    x = np.array([0.3, 1.0, 2.5, 7.0])
    for lam in (-1.0, 0.0, 0.1, 2.0):
        np.testing.assert_allclose(_h(gs.inv_boxcox(gs.boxcox(x, lam), lam)), x, rtol=1e-14)
        np.testing.assert_allclose(_h(gs.inv_boxcox1p(gs.boxcox1p(x, lam), lam)), x, rtol=1e-14)


# ---- optimize --------------------------------------------------------------------------------


def _himmelblau(p):
    return (p[0] ** 2 + p[1] - 11.0) ** 2 + (p[0] + p[1] ** 2 - 7.0) ** 2


def test_bfgs_bad_initial_values():
    """TestBFGS.test_minimize_bad_initial_values: from (92, 0.001) gpuad's BFGS ends where
    SciPy's BFGS (given JAX's gradient) and JAX's do."""
    x0 = np.array([92.0, 0.001])
    got = gopt.minimize(_himmelblau, x0, method="BFGS").x
    want = sopt.minimize(_himmelblau, x0, jac=jax.grad(_himmelblau), method="BFGS").x
    _close(got, want, rtol=0, atol=2e-5)


def test_lbfgs_refuses_complex():
    """TestLBFGS.test_minimize_complex_sphere, test_complex_rosenbrock: JAX's experimental
    L-BFGS minimises over complex x; gpuad's minimize takes real 1-D x0 only and says so
    (minimise over the stacked real and imaginary parts instead)."""
    z0 = np.array([1.0, 2.0 - 3.0j, 4.0, -5.0j])

    def f(z):
        return gnp.real(gnp.dot(gnp.conj(z - z0), z - z0))

    with pytest.raises(ValueError, match="real"):
        gopt.minimize(f, np.zeros_like(z0), method="l-bfgs-experimental-do-not-rely-on-this")

    def f_re(v):
        z = v[:4] + 1j * v[4:]
        return gnp.real(gnp.sum(gnp.conj(z - z0) * (z - z0)))

    res = gopt.minimize(
        f_re, np.zeros(8), method="l-bfgs-experimental-do-not-rely-on-this", options=dict(gtol=1e-8)
    )
    _close(res.x[:4] + 1j * res.x[4:], z0, rtol=0, atol=1e-6)


# ---- the map -----------------------------------------------------------------------------

_S = "LaxBackedScipyTests"
_SF = "LaxScipySpecialFunctionsTest"
_ST = "LaxBackedScipyStatsTests"
_SP = "LaxBackedScipySpatialTransformTests"
_SUITE = "test_jax_scipy_suite.py"
_FUZZ = "covered: test_jax_scipy_kwargs_fuzz.py::test_random_kwargs_against_jax_scipy"
_MORE = "covered: test_jax_scipy_stats_more.py::test_values_and_gradients_against_jax"
_NOSPATIAL = (
    "differs: gpuad.scipy has no spatial (Rotation, Slerp); importing it raises "
    "naming jax.scipy.spatial: covered: test_jax_scipy_suite.py::"
    "test_missing_modules_raise"
)
_INTERNAL = "n/a: a private helper of jax._src.scipy.special with no public counterpart"
_ABSENT = "here: test_exprel_inv_boxcox_against_scipy"
_BOXCOX = "here: test_boxcox_values_and_gradients"
_BOUNDS = "here: test_boundary_values"

GAPS = (
    (_S, "testLogSumExp", f"covered: {_SUITE}::test_logsumexp_against_scipy"),
    (_S, "testLogSumExpComplexSign", "here: test_logsumexp_complex_sign"),
    (_S, "testLogSumExpZeros", "here: test_logsumexp_regressions"),
    (_S, "testLogSumExpOnes", "here: test_logsumexp_regressions"),
    (_S, "testLogSumExpNans", "here: test_logsumexp_regressions"),
    (_S, "testLogSumExpWhere", "here: test_logsumexp_where"),
    (_S, "testLogSumExpWhereGrad", "here: test_logsumexp_where"),
    (_S, "testMultigammaln", f"covered: {_SUITE}::test_special_functions_against_scipy_and_jax"),
    (_S, "testIssue980", "covered: test_jax_scipy_grads.py::test_expit_and_zeta_extremes"),
    (_S, "testIssue13267", "here: test_betaln_jvp_wide_range"),
    (
        _S,
        "testXlogyShouldReturnZero",
        "covered: test_jax_scipy_grads.py::test_grad_of_xlogy_at_zero",
    ),
    (_S, "testGradOfXlogyAtZero", "covered: test_jax_scipy_grads.py::test_grad_of_xlogy_at_zero"),
    (
        _S,
        "testXlog1pyShouldReturnZero",
        "covered: test_jax_scipy_grads.py::test_grad_of_xlogy_at_zero",
    ),
    (_S, "testGradOfXlog1pyAtZero", "covered: test_jax_scipy_grads.py::test_grad_of_xlogy_at_zero"),
    (_S, "testXLogX", "here: test_xlogx_and_entr_at_zero"),
    (_S, "testGradOfEntrAtZero", "here: test_xlogx_and_entr_at_zero"),
    (_S, "testBesselJn", f"covered: {_SUITE}::test_special_functions_against_scipy_and_jax"),
    (
        _S,
        "testBesselJnRandomPositiveZ",
        "covered: test_jax_scipy_special_more.py::test_added_functions_against_jax",
    ),
    (
        _S,
        "testLpmn",
        "differs: gpuad has no lpmn (SciPy deprecated it); it raises "
        "AttributeError: here: test_absent_special_functions_raise[lpmn]",
    ),
    (
        _S,
        "testNormalizedLpmnValues",
        "differs: gpuad has no lpmn_values; it raises "
        "AttributeError: here: test_absent_special_functions_raise[lpmn_values]",
    ),
    (
        _S,
        "testSphHarmAccuracy",
        "differs: gpuad has sph_harm_y only (sph_harm is deprecated "
        "in SciPy): here: test_absent_special_functions_raise[sph_harm]",
    ),
    (
        _S,
        "testSphHarmOrderZeroDegreeZero",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_values",
    ),
    (
        _S,
        "testSphHarmOrderZeroDegreeOne",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_values",
    ),
    (
        _S,
        "testSphHarmOrderOneDegreeOne",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_values",
    ),
    (
        _S,
        "testSphHarmForJitAndAgainstNumpy",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_values",
    ),
    (
        _S,
        "testSphHarmCornerCaseWithWrongNmax",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_values",
    ),
    (
        _S,
        "testSphHarmY",
        "covered: test_jax_scipy_special_complex.py::test_sph_harm_y_vjp_against_jax",
    ),
    (_S, "testPolar", "covered: test_linalg_extra.py::test_polar_and_expm_frechet"),
    (
        _S,
        "test_vq",
        "differs: gpuad.scipy has no cluster; importing it raises: covered: "
        f"{_SUITE}::test_missing_modules_raise",
    ),
    (_S, "test_spence", f"{_FUZZ} (special.spence and its #edge cases, negative x nan)"),
    (_S, "testIntegrateTrapezoid", f"covered: {_SUITE}::test_trapezoid_against_scipy_and_jax"),
    (_SF, "testScipySpecialFun", "covered: test_jax_scipy_grads.py::test_special_fun_grad"),
    (_SF, "testErfcxLargeX", _BOUNDS),
    (_SF, "testWofzAccuracy", "covered: test_jax_scipy_special_complex.py::test_wofz_values"),
    (_SF, "testWofzLowerHalfPlane", "covered: test_jax_scipy_special_complex.py::test_wofz_values"),
    (
        _SF,
        "testWofzJvp",
        "covered: test_jax_scipy_special_complex.py::test_wofz_vjp_and_jvp_against_jax",
    ),
    (_SF, "testDawsnLargeX", _BOUNDS),
    (
        _SF,
        "testScipySpecialFunBernoulli",
        "covered: test_jax_scipy_special_more.py::test_bernoulli_numbers_exact",
    ),
    (_SF, "testCombBoundaryValues", "here: test_comb_boundary_values"),
    (_SF, "testGammaSign", "here: test_gamma_sign"),
    (_SF, "testNdtriExtremeValues", _BOUNDS),
    (
        _SF,
        "testNdtriDebugInfs",
        "n/a: jax.debug_infs, a JAX debugging mode (gpuad has no floating-point trap mode)",
    ),
    (_SF, "testRelEntrExtremeValues", _BOUNDS),
    (
        _SF,
        "testBetaParameterDeprecation",
        "differs: positional only, as SciPy's ufunc "
        "(JAX's takes a= and b=): here: test_beta_keywords",
    ),
    (_SF, "testExpnTracerLeaks", "here: test_expi_jit_equals_eager"),
    (_SF, "testExpiDisableJit", "here: test_expi_jit_equals_eager"),
    (_SF, "testGammaIncBoundaryValues", _BOUNDS),
    (_SF, "testGammaIncCBoundaryValues", _BOUNDS),
    (_SF, "testBetaIncBoundaryValues", _BOUNDS),
    (_SF, "testHyp2f1SpecialCases", _BOUNDS),
    (_SF, "testSiciEdgeCases", _BOUNDS),
    (
        _SF,
        "testSiciValueRanges",
        "covered: test_jax_scipy_special_more.py::test_added_functions_against_jax",
    ),
    (_SF, "testSiciRaiseOnComplexInput", "here: test_sici_refuses_complex"),
    (
        _SF,
        "testComplexGammaPoles",
        "differs: nan (SciPy's value) where JAX gives nan+nanj: "
        "here: test_complex_gamma_poles_and_branch",
    ),
    (_SF, "testComplexGammaBranchCut", "here: test_complex_gamma_poles_and_branch"),
    (_SF, "testExprel", _ABSENT),
    (_SF, "testExprelGrad", _ABSENT),
    (_SF, "testExprelGradCrossover", _ABSENT),
    (_SF, "testBoxcoxLogInput", _INTERNAL),
    (_SF, "testBoxcoxLogInputGrad", _INTERNAL),
    (_SF, "testBoxcox", _BOXCOX),
    (_SF, "testBoxcox1p", _BOXCOX),
    (_SF, "testBoxcoxGrad", _BOXCOX),
    (_SF, "testBoxcox1pGrad", _BOXCOX),
    (_SF, "testBoxcoxGradXCancellation", "here: test_boxcox_float32_derivative_in_x"),
    (_SF, "testBoxcoxGradXUnderflow", "here: test_boxcox_float32_derivative_in_x"),
    (_SF, "testBoxcoxAnchorPoints", _BOXCOX + " (inv_boxcox: " + _ABSENT + ")"),
    (_SF, "testBoxcoxGradNearZero", _BOXCOX),
    (_SF, "testBoxcoxHessian", _BOXCOX),
    (_SF, "testLogrel", _INTERNAL),
    (_SF, "testLogrelGrad", _INTERNAL),
    (_SF, "testLogrelGradCrossover", _INTERNAL),
    (_SF, "testExprelSecondDerivativeAtOrigin", _ABSENT),
    (_SF, "testLogrelSecondDerivativeAtOrigin", _INTERNAL),
    (_SF, "testInvBoxcoxLogOutput", _INTERNAL),
    (_SF, "testInvBoxcoxLogOutputGrad", _INTERNAL),
    (_SF, "testInvBoxcox", _ABSENT),
    (_SF, "testInvBoxcox1p", _ABSENT),
    (_SF, "testInvBoxcoxGrad", _ABSENT),
    (_SF, "testInvBoxcox1pGrad", _ABSENT),
    (_SF, "testBoxcoxLogInputAdditionLaw", _INTERNAL),
    (_SF, "testInvBoxcoxLogOutputAdditionLaw", _INTERNAL),
    (_SF, "testBoxcoxRoundtrip", _ABSENT),
    (_SF, "testBoxcox1pRoundtrip", _ABSENT),
    *((_ST, n, f"here: test_stats_grid[{n}]") for n in STATS_GRID),
    (_ST, "testBetaLogPdfZero", "here: test_beta_pdf_edges"),
    (_ST, "testBetaLogPdfNegativeConstants", "here: test_beta_pdf_edges"),
    (_ST, "testBetaLogPdfNegativeScale", "here: test_beta_pdf_edges"),
    (_ST, "testDirichletLogPdf", _FUZZ + " (stats.dirichlet.logpdf)"),
    (_ST, "testGammaLogPdfZero", "here: test_gamma_pdf_at_zero"),
    (_ST, "testGammaDebugNans", "here: test_gamma_pdf_at_zero"),
    (_ST, "testLogisticLogpdfOverflow", "here: test_logistic_logpdf_overflow"),
    (_ST, "testNormSfNearZero", "here: test_norm_sf_far_tail_float32"),
    (_ST, "testBetaBinomLogPmfZerokZeron", "here: test_binomial_edges"),
    (_ST, "testBinomPmfOutOfRange", "here: test_binomial_edges"),
    (_ST, "testBinomLogPmfZerokZeron", "here: test_binomial_edges"),
    (_ST, "testIssue972", "here: test_binomial_edges"),
    (
        _ST,
        "testMultinomialLogPmf",
        "covered: test_jax_scipy_stats_more.py::test_multinomial_against_jax",
    ),
    (_ST, "testMultivariateNormalLogpdf", _FUZZ + " (stats.multivariate_normal.logpdf)"),
    (
        _ST,
        "testMultivariateNormalLogpdfBroadcasted",
        "differs: one mean and cov per call, as "
        "SciPy (vmap for a batch): here: test_mvn_logpdf_batch_via_vmap",
    ),
    (
        _ST,
        "testMultivariateNormalLogpdfBatch",
        "differs: one mean and cov per call, as SciPy "
        "(vmap for a batch): here: test_mvn_logpdf_batch_via_vmap",
    ),
    (_ST, "testKde", "covered: test_jax_scipy_stats_more.py::test_gaussian_kde_against_jax"),
    (_ST, "testKdeIntegrateGaussian", "here: test_kde_integrals"),
    (_ST, "testKdeIntegrateBox1d", "here: test_kde_integrals"),
    (_ST, "testKdeIntegrateKde", "here: test_kde_integrals"),
    (
        _ST,
        "testKdeResampleShape",
        "n/a: resample draws from JAX's PRNG keys; gpuad's "
        "gaussian_kde.resample follows SciPy's seeds: covered: test_scipy_stats_suite.py::"
        "test_rvs_follow_scipy_seeds_and_differentiate",
    ),
    (_ST, "testKdeResample1d", "n/a: a statistical (Kolmogorov-Smirnov) check of JAX's sampler"),
    (_ST, "testKdePyTree", "n/a: JAX pytree registration of gaussian_kde"),
    (_ST, "testMode", "covered: test_jax_scipy_stats_more.py::test_mode_and_rankdata_against_jax"),
    (
        _ST,
        "testRankData",
        "covered: test_jax_scipy_stats_more.py::test_mode_and_rankdata_against_jax",
    ),
    (_ST, "testSEM", "covered: test_jax_scipy_stats_more.py::test_sem_against_jax"),
    ("TestBFGS", "test_minimize", "covered: test_jax_scipy_optimize_suite.py::test_minimize"),
    (
        "TestBFGS",
        "test_fixes4594",
        "covered: test_jax_scipy_optimize_suite.py::test_fixes4594_and_args",
    ),
    ("TestBFGS", "test_zakharov", "covered: test_jax_scipy_optimize_suite.py::test_minimize"),
    ("TestBFGS", "test_minimize_bad_initial_values", "here: test_bfgs_bad_initial_values"),
    (
        "TestBFGS",
        "test_args_must_be_tuple",
        "covered: test_jax_scipy_optimize_suite.py::test_fixes4594_and_args",
    ),
    ("TestLBFGS", "test_minimize", "covered: test_jax_scipy_optimize_suite.py::test_minimize"),
    (
        "TestLBFGS",
        "test_minimize_complex_sphere",
        "differs: complex x0 is refused (minimise "
        "over real and imaginary parts): here: test_lbfgs_refuses_complex",
    ),
    (
        "TestLBFGS",
        "test_complex_rosenbrock",
        "differs: complex x0 is refused: here: test_lbfgs_refuses_complex",
    ),
    *(
        (_SP, n, _NOSPATIAL)
        for n in (
            "testRotationAlignVectors",
            "testRotationApply",
            "testRotationCreateGroup",
            "testRotationCreateGroupWithAxis",
            "testRotationAsEuler",
            "testRotationAsMatrix",
            "testRotationAsMrp",
            "testRotationAsRotvec",
            "testRotationAsQuat",
            "testRotationConcatenate",
            "testRotationGetItem",
            "testRotationFromEuler",
            "testRotationFromSingleEuler",
            "testRotationFromMatrix",
            "testRotationFromMrp",
            "testRotationFromRotvec",
            "testRotationIdentity",
            "testRotationRandom",
            "testRotationMagnitude",
            "testRotationMean",
            "testRotationMultiply",
            "testRotationInv",
            "testRotationLen",
            "testRotationReduce",
            "testRotationSingle",
            "testSlerp",
        )
    ),
)


def test_every_gap_has_a_mapping():
    counts = {_S: 31, _SF: 53, _ST: 96, "TestBFGS": 5, "TestLBFGS": 3, _SP: 26}
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == sum(counts.values())
    for cls, k in counts.items():
        assert sum(c == cls for c, _, _ in GAPS) == k, cls
    here = {
        "test_stats_grid": set(STATS_GRID),
        "test_absent_special_functions_raise": {
            "lpmn",
            "lpmn_values",
            "sph_harm",
        },
    }
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                assert param in here[fn], (name, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            text = (Path(__file__).parent / path).read_text()
            assert f"def {obj}(" in text, (name, path, obj)
