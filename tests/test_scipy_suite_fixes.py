"""gpuad.scipy where jax.scipy's and SciPy's own test suites found it short: fftconvolve over a
subset of the axes (the others broadcast) and its float64 result for integer inputs; welch's
and csd's default segment length (256, as SciPy; it was the whole signal) and the float32
result of their median average. Values
against hand-computed ones, derivatives against finite differences
(tests/conformance/test_jax_scipy_suite.py compares with JAX and SciPy)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.scipy.signal as gsig
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def test_fftconvolve_axes_broadcast(backend):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((1, 3))
    for mode, cut in (("full", slice(None)), ("same", slice(1, 6)), ("valid", slice(2, 5))):
        want = np.stack([np.convolve(r, b[0])[cut] for r in a])
        for axes in (1, [-1], (1,)):
            got = host(gsig.fftconvolve(dev(a), dev(b), mode, axes=axes))
            np.testing.assert_allclose(got, want, atol=1e-13, err_msg=f"{mode} {axes}")
    # axis 0 convolved, axis 1 elementwise: the output keeps the input's axis order
    c, d = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    got = host(gsig.fftconvolve(dev(c), dev(d), axes=0))
    want = np.stack([np.convolve(c[:, k], d[:, k]) for k in range(3)], axis=1)
    np.testing.assert_allclose(got, want, atol=1e-13)
    check_grads(lambda x, y: gsig.fftconvolve(x, y, "same", axes=1), (dev(a), dev(b)), order=1)
    with pytest.raises(ValueError, match="fftconvolve: incompatible shapes"):
        gsig.fftconvolve(dev(c), dev(b[:, :2]), axes=0)


def test_fftconvolve_integers_give_float64(backend):
    a, b = dev(np.arange(6).reshape(2, 3)), dev(np.array([[1, -1]]))
    out = host(gsig.fftconvolve(a, b))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0, 1, 1, -2], [3, 1, 1, -5]])


def test_welch_csd_default_nperseg_is_256(backend):
    x = np.random.default_rng(1).standard_normal((2, 389))
    for name, args in (("welch", (dev(x),)), ("csd", (dev(x), dev(x[::-1])))):
        f, p = getattr(gsig, name)(*args)
        f256, p256 = getattr(gsig, name)(*args, nperseg=256)
        assert host(p).shape == (2, 129), (name, host(p).shape)
        np.testing.assert_array_equal(host(f), host(f256))
        np.testing.assert_allclose(host(p), host(p256), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nperseg=256 is greater than the signal: 100 is used
        assert host(gsig.welch(dev(x[0, :100]))[1]).shape == (51,)


def test_median_average_keeps_float32(backend):
    x = dev(np.random.default_rng(2).standard_normal((3, 40)).astype(np.float32))
    assert host(gsig.welch(x, nperseg=8, average="median")[1]).dtype == np.float32
    assert host(gsig.csd(x, x, nperseg=8, average="median")[1]).dtype == np.complex64


def test_trapezoid_negative_axis_counts_in_x_dims(backend):
    """A 2-D ``x`` with a 3-D ``y`` and ``axis=-2``: NumPy differences ``x`` along its own
    axis -2 (0), then broadcasts; gpuad differenced x along y's axis 1."""
    import gpuad.numpy as gnp
    import gpuad.scipy.integrate as gint

    rng = np.random.default_rng(3)
    y, x = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4))
    d = np.diff(x, axis=0)
    want = np.sum(d * (y[:, 1:] + y[:, :-1]) / 2.0, axis=1)
    for f in (gnp.trapezoid, gint.trapezoid):
        np.testing.assert_allclose(host(f(dev(y), dev(x), axis=-2)), want, rtol=1e-13)
    y2, x2 = y[:, :2, :2], x[:2, :2]
    want2 = np.sum(np.diff(x2, axis=0) * (y2[:, 1:] + y2[:, :-1]) / 2.0, axis=1)
    np.testing.assert_allclose(host(gnp.trapezoid(dev(y2), dev(x2), axis=-2)), want2,
                               rtol=1e-13)
    check_grads(lambda a, b: gnp.trapezoid(a, b, axis=-2), (dev(y), dev(x)), order=1)


def test_complex_logsumexp_with_b_and_sign(backend):
    """SciPy's (1.13) complex logsumexp with weights and ``return_sign``: it raised a TypeError
    ("ambiguous") from a comparison of complex values."""
    import gpuad.numpy as gnp
    import gpuad.scipy.special as sps

    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    b = rng.standard_normal(4) + 0.5j
    s = np.sum(b * np.exp(a), axis=1)
    np.testing.assert_allclose(host(sps.logsumexp(dev(a), 1, b=dev(b))), np.log(s), rtol=1e-13)
    val, sgn = sps.logsumexp(dev(a), 1, b=dev(b), keepdims=True, return_sign=True)
    np.testing.assert_allclose(host(val), np.log(np.abs(s))[:, None], rtol=1e-13)
    np.testing.assert_allclose(host(sgn), (s / np.abs(s))[:, None], rtol=1e-13)
    val, sgn = sps.logsumexp(dev(a), return_sign=True)
    t = np.exp(a).sum()
    np.testing.assert_allclose([host(val), host(sgn)], [np.log(abs(t)), t / abs(t)], rtol=1e-13)
    check_grads(lambda re, im: gnp.real(sps.logsumexp(re + 1j * im, 0, b=dev(b[:3, None]))),
                (dev(a.real), dev(a.imag)), order=1)


def test_correlate2d_valid_with_larger_in2_is_conjugated(backend):
    """SciPy's and JAX's correlate2d swap the inputs for "valid" when in2 is the larger, which
    conjugates the result; gpuad gave the unconjugated correlation."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((1, 2)) + 1j * rng.standard_normal((1, 2))
    b = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    want = np.array([[np.sum(b[i:i + 1, j:j + 2] * np.conj(a)) for j in range(2)]
                     for i in range(2)])[::-1, ::-1]  # SciPy's swapped, reversed correlation
    np.testing.assert_allclose(host(gsig.correlate2d(dev(a), dev(b), "valid")), want,
                               rtol=1e-13)
    np.testing.assert_allclose(host(gsig.correlate2d(dev(b), dev(a), "valid")),
                               [[np.sum(b[i:i + 1, j:j + 2] * np.conj(a)) for j in range(2)]
                                for i in range(2)], rtol=1e-13)


def test_xlogy_mixed_second_derivative_at_x_zero(backend):
    """d/dx of d xlogy/dy = 1/y, also at x = 0 (it was 1: the guarded denominator was the
    constant 1 wherever x was 0); the same for xlog1py with 1 + y."""
    import gpuad.numpy as gnp
    import gpuad.scipy.special as sps

    for f, den in ((sps.xlogy, 3.0), (sps.xlog1py, 4.0)):
        def dfdy(x, y, f=f):
            return ad.grad(f, argnums=1)(x, y)

        hx, hy = ad.grad(dfdy, argnums=(0, 1))(dev(np.asarray(0.0)), dev(np.asarray(3.0)))
        np.testing.assert_allclose([host(hx), host(hy)], [1 / den, 0.0], atol=1e-15)
        check_grads(f, (dev(np.asarray(0.0)), dev(np.asarray(3.0))), order=2)
    # x = 0 with y = 0 or nan: the derivative in y stays 0 (no 0/0)
    gx, gy = ad.grad(lambda a, b: gnp.sum(sps.xlogy(a, b)), argnums=(0, 1))(
        dev(np.zeros(2)), dev(np.array([0.0, np.nan])))
    np.testing.assert_array_equal(host(gy), [0.0, 0.0])


def test_betaln_derivative_keeps_relative_digits_at_large_a(backend):
    """d/da betaln(a, 1) = -1/a: digamma(a) - digamma(a + 1) cancelled to a relative error of
    9 near a = 1.5e15 (JAX's issue 13267 range); the exact values for b = 1 are -1/a."""
    import gpuad.scipy.special as sps

    a = np.geomspace(1.0, 1e30, 200)
    _, t = ad.jvp(lambda v: sps.betaln(v, 1.0), (dev(a),), (dev(np.ones_like(a)),))
    np.testing.assert_allclose(host(t), -1.0 / a, rtol=1e-9)
    gb = ad.grad(sps.betaln, argnums=1)(dev(np.asarray(1.0)), dev(np.asarray(3e14)))
    np.testing.assert_allclose(host(gb), -1.0 / 3e14, rtol=1e-9)  # psi(b) - psi(1 + b)
    check_grads(sps.betaln, (dev(np.array([2.5, 0.5])), dev(np.array([3.0, 0.7]))), order=2)
