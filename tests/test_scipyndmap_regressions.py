"""Regressions found by mapping SciPy's ndimage tests (test_filters.py, test_measurements.py,
test_fourier.py) onto gpuad.scipy.ndimage (conformance/test_scipy_ndimage_gaps.py). Expected
values come from SciPy run on host copies of the same inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy import ndimage as gndi
from gpuad.testing import check_grads

sndi = pytest.importorskip("scipy.ndimage")

A = np.array([[1.0, 2, 3], [4, 5, 6]])
KC = np.array([[1, 0], [0, 1 + 1j]])
X3 = np.random.default_rng(0).random((3, 4, 5))


def test_correlate_conjugates_complex_weights(backend):
    # correlate summed weights[k] * x (no conjugate): conj(weights) is SciPy's (and
    # numpy.correlate's) definition, so every complex-kernel correlation had the wrong sign of
    # its imaginary part; convolve does not conjugate
    x = gnp.asarray(A)
    got = gndi.correlate(x, gnp.asarray(KC))
    np.testing.assert_allclose(to_numpy(got), sndi.correlate(A, KC), atol=1e-12)
    got = gndi.correlate1d(x[0], gnp.asarray(np.array([1, 1 + 1j])))
    np.testing.assert_allclose(to_numpy(got), sndi.correlate1d(A[0], [1, 1 + 1j]), atol=1e-12)
    got = gndi.convolve1d(x[0], gnp.asarray(np.array([1, 1 + 1j])))
    np.testing.assert_allclose(to_numpy(got), sndi.convolve1d(A[0], [1, 1 + 1j]), atol=1e-12)
    ac = A + 1j * A[::-1]
    got = gndi.correlate(gnp.asarray(ac), gnp.asarray(KC), mode="constant", cval=5 + 2j)
    np.testing.assert_allclose(to_numpy(got), sndi.correlate(ac, KC, mode="constant",
                                                             cval=5 + 2j), atol=1e-12)
    check_grads(lambda w: gnp.abs(gndi.correlate(gnp.asarray(ac), w)) ** 2, (KC,), order=1)


def test_complex_cval_with_real_input_is_refused(backend):
    # the imaginary part of cval was dropped with NumPy's ComplexWarning (SciPy: ValueError)
    with pytest.raises(ValueError, match="complex cval"):
        gndi.correlate(gnp.asarray(A), gnp.asarray(KC), mode="constant", cval=5 + 1j)


def test_filters_keep_a_float32_input_float32(backend):
    # float64 weights (uniform, Gaussian) promoted a float32 input to float64; SciPy's result
    # has the input's dtype (complex weights: its complex type)
    x = gnp.asarray(A.astype(np.float32))
    assert gndi.uniform_filter(x, 2).dtype == np.float32
    assert gndi.gaussian_filter(x, 1.0).dtype == np.float32
    assert gndi.correlate(x, gnp.ones((2, 2))).dtype == np.float32
    assert gndi.correlate(x, gnp.asarray(KC.astype(np.complex128))).dtype == np.complex64


def test_output_dtype_is_accepted(backend):
    # output=np.float64 (a dtype) raised NotImplementedError; it is SciPy's common use
    x = ad.tensor(A.astype(np.float32))
    y = gndi.gaussian_filter(x, 1.0, output=np.float64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(to_numpy(y), sndi.gaussian_filter(A.astype(np.float32), 1.0,
                                                                 output=np.float64), rtol=1e-6)
    with pytest.warns(UserWarning, match="promoting specified output dtype to complex"):
        z = gndi.correlate(gnp.asarray(A), gnp.asarray(KC), output=np.float64)
    assert z.dtype == np.complex128
    with pytest.raises(TypeError, match="round"):
        gndi.uniform_filter(gnp.asarray(A), 2, output=np.int32)
    with pytest.raises(NotImplementedError, match="given array"):
        gndi.uniform_filter(gnp.asarray(A), 2, output=gnp.zeros((2, 3)))


def test_mode_sequences(backend):
    # gaussian_filter and uniform_filter failed on a list of modes (TypeError: unhashable
    # list); correlate must refuse one with SciPy's RuntimeError
    x = gnp.asarray(np.eye(3))
    for f in (lambda L, v: L.gaussian_filter(v, 1.0, mode=["reflect", "wrap"]),
              lambda L, v: L.uniform_filter(v, 3, mode=["wrap", "constant"])):
        np.testing.assert_allclose(to_numpy(f(gndi, x)), f(sndi, np.eye(3)), atol=1e-12)
    with pytest.raises(RuntimeError):
        gndi.correlate(x, gnp.ones((2, 2)), mode=["nearest", "reflect"])


def test_correlate_and_convolve_take_axes(backend):
    # correlate(..., axes=) raised TypeError; the weights' axes go to the axes in increasing
    # order and the origins to axes in the order given, as SciPy's
    w = np.arange(6.0).reshape(2, 3)
    for axes, origin in [((0, 2), (0, 0)), ((2, 0), (-1, 0)), ((1, 0), (-1, 0))]:
        for name in ("correlate", "convolve"):
            got = getattr(gndi, name)(gnp.asarray(X3), gnp.asarray(w), axes=axes,
                                      origin=origin)
            want = getattr(sndi, name)(X3, w, axes=axes, origin=origin)
            np.testing.assert_allclose(to_numpy(got), want, atol=1e-12)


def test_nonseparable_footprint_axes_order(backend):
    # a footprint over axes=(2, 0) was laid along the axes in the order given; SciPy lays a
    # non-separable footprint (and every rank filter's) along them in increasing order
    fp = np.tri(3)
    x = gnp.asarray(X3)
    for name, kw in [("minimum_filter", {}), ("rank_filter", {"rank": 3}),
                     ("median_filter", {})]:
        for axes, origin in [((2, 0), 0), ((2, 0), (1, 0)), ((1, 0), (0, -1))]:
            got = getattr(gndi, name)(x, footprint=fp, axes=axes, origin=origin, **kw)
            want = getattr(sndi, name)(X3, footprint=fp, axes=axes, origin=origin, **kw)
            np.testing.assert_allclose(to_numpy(got), want)
    with pytest.raises(RuntimeError, match="sequence of modes"):
        gndi.maximum_filter(gnp.asarray(np.eye(3)), footprint=[[1, 0, 1], [1, 1, 0]],
                            mode=["reflect", "reflect"])


def test_argument_checks_as_scipy(backend):
    # silently truncated: a float axis, a float rank, a non-integer radius; an array sigma was
    # refused; uniform_filter's size 0 (an axis left alone in SciPy) raised
    x = gnp.asarray(np.arange(12.0).reshape(3, 4))
    with pytest.raises(TypeError):
        gndi.gaussian_filter(x, 1.0, axes=(1.5,))
    with pytest.raises(TypeError):
        gndi.rank_filter(x, 0.5, size=3)
    with pytest.raises(ValueError, match="radius"):
        gndi.gaussian_filter1d(x, 1.0, radius=1.1)
    got = gndi.gaussian_filter(x, np.array([0.5, 2.5]))
    np.testing.assert_allclose(to_numpy(got), sndi.gaussian_filter(
        np.arange(12.0).reshape(3, 4), np.array([0.5, 2.5])), atol=1e-12)
    np.testing.assert_allclose(to_numpy(gndi.uniform_filter(x, [0, 2])),
                               sndi.uniform_filter(np.arange(12.0).reshape(3, 4), [0, 2]))


def test_gaussian_sigma_array_gradient(backend):
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    check_grads(lambda s: gndi.gaussian_filter(gnp.asarray(x), s), (np.array([0.7, 1.3]),),
                order=1)


def test_zero_d_correlate(backend):
    # a 0-d input crashed in pad (TypeError: pad_width must be of integral type)
    got = gndi.correlate(gnp.asarray(np.array(2.0)), gnp.asarray(np.array(3.0)))
    assert float(to_numpy(got)) == 6.0


LABELS = np.array([[1, 1, 2, 0, 3], [2, 2, 1, 3, 3], [0, 1, 1, 2, 3], [3, 2, 0, 1, 1]])
V45 = np.random.default_rng(5).random((4, 5))


@pytest.mark.parametrize("name", ["sum_labels", "sum", "mean", "variance",
                                  "standard_deviation", "minimum", "maximum", "median"])
def test_measurements_by_label_match_scipy(backend, name):
    # scipy.ndimage's measurements were absent (AttributeError)
    x = ad.tensor(V45, requires_grad=True)
    for labels, index in [(None, None), (LABELS, None), (LABELS, 2), (LABELS, [3, 1, 1, 2]),
                          (LABELS.astype(float) + 0.5, [1.5, 3.5])]:
        got = getattr(gndi, name)(x, labels, index)
        np.testing.assert_allclose(to_numpy(got), getattr(sndi, name)(V45, labels, index),
                                   rtol=1e-12, atol=1e-12)
    check_grads(lambda v: getattr(gndi, name)(v, LABELS, [1, 2, 3]), (V45,), order=1)


def test_center_of_mass_and_refusals(backend):
    got = gndi.center_of_mass(gnp.asarray(V45), LABELS, [1, 3])
    want = sndi.center_of_mass(V45, LABELS, [1, 3])
    np.testing.assert_allclose([[float(to_numpy(c)) for c in row] for row in got], want)
    with pytest.raises(AttributeError, match="scipy.ndimage.minimum_position"):
        gndi.minimum_position  # noqa: B018


@pytest.mark.parametrize("name,param", [("fourier_gaussian", [1.5, 0.7]),
                                        ("fourier_uniform", [2.5, 3.0]),
                                        ("fourier_ellipsoid", [2.5, 3.0]),
                                        ("fourier_shift", [0.7, -1.2])])
def test_fourier_filters_match_scipy(backend, name, param):
    # scipy.ndimage's Fourier filters were absent (AttributeError)
    spec = np.fft.fft2(V45)
    half = np.fft.rfft(V45, axis=0)
    for a, n in [(spec, -1), (half, 4), (V45, -1), (V45.astype(np.float32), -1)]:
        got = getattr(gndi, name)(gnp.asarray(a), param, n, 0)
        want = getattr(sndi, name)(a, param, n, 0)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-5, atol=1e-6)
    check_grads(lambda q: getattr(gndi, name)(gnp.asarray(spec), q), (np.array(param),),
                order=1)
