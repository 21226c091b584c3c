"""gpuad.scipy where jax.scipy's keywords and edge points meet it: logsumexp's ``where`` and
empty or negative sums, softmax of a slice holding +inf, spence's derivative at 1, the logsf
of beta/gamma/chi2, expm's keywords. Values against hand-computed ones, derivatives against
finite differences (tests/conformance/test_jax_scipy_kwargs_fuzz.py compares with JAX)."""

from __future__ import annotations

import numpy as np
import pytest
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.scipy.linalg as gsl
import gpuad.scipy.special as sps
import gpuad.scipy.stats as gst
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def test_logsumexp_where(backend):
    a = dev(np.array([[1.0, 2.0, 5.0], [3.0, 4.0, -1.0]]))
    w = dev(np.array([[True, True, False], [False, False, False]]))
    out = host(sps.logsumexp(a, axis=1, where=w))
    np.testing.assert_allclose(out, [np.log(np.e + np.e ** 2), -np.inf])
    val, sgn = sps.logsumexp(a, axis=1, where=w, return_sign=True, b=dev(np.full(3, -1.0)))
    np.testing.assert_allclose(host(val), [np.log(np.e + np.e ** 2), -np.inf])
    np.testing.assert_array_equal(host(sgn), [-1.0, 0.0])
    g = host(ad.grad(lambda x: sps.logsumexp(x, axis=1, where=w).sum())(a))
    p = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    np.testing.assert_allclose(g, [[p[0], p[1], 0.0], [0.0, 0.0, 0.0]], atol=1e-15)
    # a masked-out inf does not leak into the value or the gradient
    x = dev(np.array([np.inf, 0.5, 1.5]))
    m = dev(np.array([False, True, True]))
    assert np.isfinite(host(sps.logsumexp(x, where=m)))
    check_grads(lambda v: sps.logsumexp(v, axis=0, where=dev(np.array([True, False, True]))),
                (dev(np.array([0.3, -1.0, 2.0])),), order=2)
    with pytest.raises(TypeError, match="logsumexp: where must be a boolean"):
        sps.logsumexp(a, where=dev(np.ones((2, 3))))


def test_logsumexp_empty_and_negative_sums(backend):
    """Weights all 0: -inf whatever a is, so derivative 0 (was nan). A negative sum without
    return_sign: nan, derivative 0 (was the derivative of log|sum|)."""
    a = dev(np.array([[3.0, 1.0], [0.5, 2.0], [1.0, 2.0]]))
    b = dev(np.array([[0.0, 0.0], [-1.0, 0.1], [1.0, 2.0]]))
    out = host(sps.logsumexp(a, axis=1, b=b))
    assert out[0] == -np.inf and np.isnan(out[1])
    np.testing.assert_allclose(out[2], np.log(np.e + 2 * np.e ** 2))
    g = host(ad.grad(lambda x: sps.logsumexp(x, axis=1, b=b).sum())(a))
    np.testing.assert_array_equal(g[:2], 0.0)
    np.testing.assert_allclose(g[2], np.array([np.e, 2 * np.e ** 2]) / (np.e + 2 * np.e ** 2))
    gb = host(ad.grad(lambda w: sps.logsumexp(a, axis=1, b=w).sum())(b))
    np.testing.assert_array_equal(gb[:2], 0.0)


def test_softmax_of_a_slice_holding_inf_is_nan(backend):
    """SciPy and JAX shift by the maximum: a slice holding +inf is nan throughout (was 0 beside
    the nan); other slices are untouched."""
    x = dev(np.array([[np.inf, 1.0, 0.5], [0.0, 1.0, 2.0]]))
    out = host(sps.softmax(x, axis=1))
    assert np.isnan(out[0]).all()
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(out[1], e / e.sum())
    check_grads(lambda v: sps.softmax(v, axis=-1), (dev(np.array([[0.2, -1.0, 3.0]])),),
                order=2)


def test_spence_derivative_at_one(backend):
    """spence'(z) = log(z)/(1 - z) is -1 at z = 1 (was 0/0 = nan); the second derivative there
    is 1/2; the series near 1 agrees with finite differences."""
    if backend == "cupy" and cupy_lacks("spence"):
        with pytest.raises(NotImplementedError, match="spence"):
            sps.spence(dev(np.array([1.0])))
        return
    z = dev(np.array([1.0, 1.0 - 3e-3, 1.0 + 5e-3, 0.5, 2.0]))
    g = host(ad.grad(lambda v: sps.spence(v).sum())(z))
    zh = host(z)
    want = np.where(zh == 1, -1.0, np.log(zh) / np.where(zh == 1, 1.0, 1 - zh))
    np.testing.assert_allclose(g, want, rtol=1e-14)
    g2 = host(ad.grad(lambda v: ad.grad(lambda u: sps.spence(u).sum())(v).sum())(
        dev(np.array([1.0]))))
    np.testing.assert_allclose(g2, [0.5], rtol=1e-14)
    check_grads(sps.spence, (dev(np.array([0.999, 1.0, 1.004, 0.3])),), order=2)


def test_logsf(backend):
    """logsf of beta, gamma and chi2 against closed forms: beta(1, 1) sf = 1 - y,
    gamma(1) sf = exp(-y), chi2(2) sf = exp(-y/2), with loc and scale."""
    x = dev(np.array([0.2, 0.7, 1.3]))
    loc, scale = 0.1, 2.0
    y = (host(x) - loc) / scale
    np.testing.assert_allclose(host(gst.gamma.logsf(x, 1.0, loc, scale)), -y, rtol=1e-13)
    np.testing.assert_allclose(host(gst.chi2.logsf(x, 2.0, loc, scale)), -y / 2, rtol=1e-13)
    check_grads(lambda v, s: gst.gamma.logsf(v, 1.7, loc=0.1, scale=s),
                (x, dev(np.array(1.5))), order=1)
    if backend == "cupy" and cupy_lacks("betaincc"):
        with pytest.raises(NotImplementedError, match="betaincc"):
            gst.beta.logsf(x, 1.0, 1.0)
        return
    np.testing.assert_allclose(host(gst.beta.logsf(x, 1.0, 1.0, loc, scale)), np.log1p(-y),
                               rtol=1e-13)
    check_grads(lambda v: gst.beta.logsf(v, 2.0, 3.0), (dev(np.array([0.2, 0.6])),), order=1)


def test_expm_accepts_jax_keywords(backend):
    a = dev(np.array([[0.0, 1.0], [0.0, 0.0]]))
    for kw in ({"upper_triangular": True}, {"max_squarings": 8}):
        np.testing.assert_allclose(host(gsl.expm(a, **kw)), [[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="expm: max_squarings"):
        gsl.expm(a, max_squarings=-1)


def _full_correlation(a, b):
    """sum_{i,j} a[m + i, n + j] conj(b[i, j]) over the overlap, for every shift (m, n)."""
    k0, k1 = b.shape
    pad = np.zeros((a.shape[0] + 2 * (k0 - 1), a.shape[1] + 2 * (k1 - 1)), np.result_type(a, b))
    pad[k0 - 1:k0 - 1 + a.shape[0], k1 - 1:k1 - 1 + a.shape[1]] = a
    rows, cols = a.shape[0] + k0 - 1, a.shape[1] + k1 - 1
    return np.array([[np.sum(pad[m:m + k0, n:n + k1] * np.conj(b)) for n in range(cols)]
                     for m in range(rows)])


def _window(full, a, b, mode, start):
    if mode == "full":
        return full
    if mode == "valid":
        return full[b.shape[0] - 1:a.shape[0], b.shape[1] - 1:a.shape[1]]
    s0, s1 = start(b.shape[0]), start(b.shape[1])
    return full[s0:s0 + a.shape[0], s1:s1 + a.shape[1]]


def test_correlate_convolve2d_correlate2d_fftconvolve(backend):
    """Values from the definition (correlate2d's "same" window starts at len(in2)//2 of the
    full output, correlate's and convolve's at (len(in2)-1)//2, as SciPy) and
    finite-difference derivatives in both inputs."""
    import gpuad.scipy.signal as gsig

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((2, 2))
    corr = _full_correlation(a, b)
    conv = _full_correlation(a, b[::-1, ::-1])
    early, late = (lambda k: (k - 1) // 2), (lambda k: k // 2)
    for mode in ("full", "same", "valid"):
        want = {"correlate": _window(corr, a, b, mode, early),
                "correlate2d": _window(corr, a, b, mode, late),
                "convolve2d": _window(conv, a, b, mode, early),
                "fftconvolve": _window(conv, a, b, mode, early)}
        for name, w in want.items():
            got = host(getattr(gsig, name)(dev(a), dev(b), mode))
            np.testing.assert_allclose(got, w, atol=1e-13, err_msg=f"{name} {mode}")
    z, w = a[:2] + 1j * a[2:4], b - 0.5j * b[::-1]
    np.testing.assert_allclose(host(gsig.correlate(dev(z), dev(w))), _full_correlation(z, w),
                               atol=1e-13)
    check_grads(lambda x, y: gsig.correlate2d(x, y, "same"), (dev(a[:3]), dev(b)), order=1)
    with pytest.raises(NotImplementedError, match="convolve2d: only boundary='fill'"):
        gsig.convolve2d(dev(a), dev(b), boundary="wrap")
    with pytest.raises(ValueError, match="correlate2d: in1 and in2 must be 2-D"):
        gsig.correlate2d(dev(a[0]), dev(b[0]))


def test_integrate_trapezoid(backend):
    import gpuad.scipy.integrate as gint

    y = dev(np.array([[1.0, 2.0, 4.0], [0.0, 1.0, 0.0]]))
    np.testing.assert_allclose(host(gint.trapezoid(y, dx=0.5)), [2.25, 0.5])
    np.testing.assert_allclose(host(gint.trapezoid(y, x=dev(np.array([0.0, 1.0, 3.0])))),
                               [7.5, 1.5])


def test_stats_non_positive_shape_parameter_is_nan(backend):
    """a, b, df <= 0 are outside the family: nan, as SciPy (and JAX for these), where beta's
    density gave -inf/0, gamma's and chi2's CDF 1 and t.logpdf with a Python df = 0 raised
    ZeroDivisionError. The derivative in x stays that of the valid elements."""
    x = dev(np.array([0.3, 0.3, 0.3]))
    a = dev(np.array([0.0, -1.0, 2.0]))
    for f in (gst.beta.logpdf, gst.beta.pdf, gst.beta.cdf):
        out = host(f(x, a, 2.0))
        assert np.isnan(out[:2]).all() and np.isfinite(out[2]), f
        assert np.isnan(host(f(x, 2.0, a))[:2]).all(), f
    for f in (gst.gamma.cdf, gst.gamma.logcdf, gst.gamma.logpdf, gst.chi2.cdf, gst.chi2.logcdf):
        out = host(f(x, a))
        assert np.isnan(out[:2]).all() and np.isfinite(out[2]), f
    assert np.isnan(host(gst.t.logpdf(x, 0.0))).all()
    assert np.isnan(host(gst.gamma.cdf(x, 0.0))).all()
    g = host(ad.grad(lambda v: gst.gamma.logpdf(v, a).sum())(x))
    np.testing.assert_allclose(g, [0.0, 0.0, 1 / 0.3 - 1])


def test_logsumexp_of_float32_stays_float32(backend):
    """The shift of an empty reduction was a float64 zero, and return_sign's (or where's)
    default weight a float64 1.0, both of which made the result float64."""
    for shape, out_shape in (((2, 3, 0), (2, 0)), ((2, 3, 2), (2, 2))):
        x = dev(np.zeros(shape, np.float32))
        for kw in ({}, {"b": 2.0}, {"return_sign": True}, {"where": dev(np.ones(shape, bool))}):
            out = sps.logsumexp(x, axis=1, **kw)
            out = out[0] if isinstance(out, tuple) else out
            assert host(out).dtype == np.float32 and host(out).shape == out_shape, kw
    x = dev(np.zeros((2, 3, 0), np.float32))
    assert host(sps.logsumexp(x, axis=2)).dtype == np.float32
    np.testing.assert_array_equal(host(sps.logsumexp(x, axis=2)), -np.inf)


def test_logsumexp_ignores_a_where_the_weight_is_zero(backend):
    """SciPy and JAX leave out an element of weight 0 even where a is nan or inf (gpuad gave
    nan); its derivative in that a is 0."""
    w = dev(np.array([0.0, 0.0, 0.5]))
    for bad in (np.nan, np.inf):
        a = dev(np.array([bad, -0.4, 0.6]))
        np.testing.assert_allclose(host(sps.logsumexp(a, b=w)), 0.6 + np.log(0.5))
        val, sgn = sps.logsumexp(a, b=w, return_sign=True)
        np.testing.assert_allclose(host(val), 0.6 + np.log(0.5))
    g = host(ad.grad(lambda x: sps.logsumexp(x, b=w))(dev(np.array([np.nan, -0.4, 0.6]))))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])
    # the derivative in a zero weight beside a finite a is exp(a - out), not 0
    a = dev(np.array([np.nan, -0.4, 0.6]))
    gb = host(ad.grad(lambda v: sps.logsumexp(a, b=v))(w))
    out = 0.6 + np.log(0.5)
    np.testing.assert_allclose(gb, [0.0, np.exp(-0.4 - out), np.exp(0.6 - out)])
