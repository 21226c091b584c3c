"""gpuad.scipy where SciPy's own interpolate, integrate, signal and sparse.linalg tests found it
short (tests/conformance/test_scipy_misc_suite.py compares with SciPy): values against
hand-derived ones, derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
from gpuad.scipy import integrate as ginteg
from gpuad.scipy import interpolate as ginterp
from gpuad.scipy import signal as gsig
from gpuad.scipy.signal import windows as gwin
from gpuad.scipy.sparse import linalg as gspl
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def test_rgi_descending_axis_is_interpolated(backend):
    # values v(x, y) = 10 x + y on x = [2, 1, 0] (descending), y = [0, 1]: linear is exact
    x, y = dev(np.array([2.0, 1.0, 0.0])), dev(np.array([0.0, 1.0]))
    v = dev(10 * np.array([2.0, 1.0, 0.0])[:, None] + np.array([0.0, 1.0])[None, :])
    pts = dev(np.array([[0.25, 0.5], [1.5, 1.0], [2.0, 0.0], [2.5, 0.5]]))
    got = host(ginterp.RegularGridInterpolator((x, y), v)(pts))
    np.testing.assert_allclose(got[:3], [3.0, 16.0, 20.0], rtol=1e-14)
    assert np.isnan(got[3])  # outside
    near = host(ginterp.RegularGridInterpolator((x, y), v, method="nearest")(pts[:2]))
    np.testing.assert_allclose(near, [0.0, 11.0])  # (0, 0) and (1, 1): ties go down
    check_grads(lambda g0, vv: ginterp.RegularGridInterpolator((g0, y), vv)(pts[:2]),
                (x, v), order=1)


def test_rgi_repeated_or_unsorted_points_raise(backend):
    v = dev(np.ones((3, 2)))
    for g in ([0.0, 0.0, 1.0], [0.0, 2.0, 1.0]):
        with pytest.raises(ValueError, match="dimension 0 must be strictly ascending"):
            ginterp.RegularGridInterpolator((dev(np.array(g)), dev(np.array([0.0, 1.0]))), v)


def test_cumulative_trapezoid_one_and_no_sample(backend):
    got = host(ginteg.cumulative_trapezoid(dev(np.full((2, 1), 3.0)), initial=0))
    np.testing.assert_array_equal(got, np.zeros((2, 1)))
    assert host(ginteg.cumulative_trapezoid(dev(np.ones(1)))).shape == (0,)
    with pytest.raises(ValueError, match="at least one point"):
        ginteg.cumulative_trapezoid(dev(np.ones((3, 0))))
    # initial=0 with two samples: [0, (y0 + y1) / 2 * dx]
    np.testing.assert_allclose(
        host(ginteg.cumulative_trapezoid(dev(np.array([1.0, 3.0])), dx=0.5, initial=0)),
        [0.0, 1.0])


def test_sparse_solver_shape_errors_name_the_shapes(backend):
    a, b = dev(np.eye(4)), dev(np.ones(3))
    for solver in (gspl.cg, gspl.bicgstab, gspl.gmres):
        with pytest.raises(ValueError, match=r"shapes of A \(4, 4\) and b \(3,\)"):
            solver(a, b)
        with pytest.raises(ValueError, match=r"shapes of M \(4, 4\) and b \(3,\)"):
            solver(dev(np.eye(3)), b, M=a)


def test_window_length_error_is_a_value_error_too():
    for bad in (2.5, "4"):
        with pytest.raises(ValueError, match="hann: the window length M must be an integer"):
            gwin.hann(bad)
        with pytest.raises(TypeError):
            gwin.hann(bad)


def test_oaconvolve_is_the_convolution(backend):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0])
    np.testing.assert_allclose(host(gsig.oaconvolve(dev(a), dev(b))), [1.0, 1.0, 1.0, -3.0])
    np.testing.assert_allclose(host(gsig.oaconvolve(dev(a), dev(b), "valid")), [1.0, 1.0])


def test_ndimage_correlate_modes_by_hand(backend):
    from gpuad.scipy import ndimage as gndi

    x = dev(np.array([1.0, 2.0, 4.0, 8.0]))
    w = dev(np.array([1.0, 0.0, -1.0]))  # out[i] = x[i - 1] - x[i + 1]
    # beyond the ends: reflect repeats the edge (d c b a | a b c d | d c b a), mirror skips it
    cases = {"reflect": [1 - 2, 1 - 4, 2 - 8, 4 - 8], "mirror": [2 - 2, 1 - 4, 2 - 8, 4 - 4],
             "nearest": [1 - 2, 1 - 4, 2 - 8, 4 - 8], "wrap": [8 - 2, 1 - 4, 2 - 8, 4 - 1],
             "constant": [5 - 2, 1 - 4, 2 - 8, 4 - 5]}
    for mode, want in cases.items():
        got = host(gndi.correlate(x, w, mode=mode, cval=5.0))
        np.testing.assert_allclose(got, want, err_msg=mode)
    # convolve reverses the weights; origin=1 moves the window one to the right
    np.testing.assert_allclose(host(gndi.convolve(x, w, mode="nearest")),
                               -np.array(cases["nearest"], dtype=float))
    np.testing.assert_allclose(host(gndi.correlate1d(x, dev(np.array([1.0, 1.0])),
                                                     mode="nearest")), [2.0, 3.0, 6.0, 12.0])
    np.testing.assert_allclose(host(gndi.uniform_filter(x, 3, mode="nearest")),
                               [4 / 3, 7 / 3, 14 / 3, 20 / 3])
    check_grads(lambda a, b, c: gndi.correlate(a, b, mode="constant", cval=c),
                (x, w, dev(np.array(0.5))), order=2)


def test_gaussian_filter_kernel_and_sigma_derivative(backend):
    from gpuad.scipy import ndimage as gndi

    # an impulse returns the kernel: exp(-k^2 / 2 s^2) normalised over |k| <= int(4 s + .5)
    s = 0.8
    imp = np.zeros(9)
    imp[4] = 1.0
    k = np.arange(-3, 4)
    phi = np.exp(-k ** 2 / (2 * s * s))
    phi /= phi.sum()
    np.testing.assert_allclose(host(gndi.gaussian_filter(dev(imp), s))[1:8], phi, rtol=1e-14)
    # order 1 convolves with the kernel's derivative: the impulse returns -k / s^2 phi
    np.testing.assert_allclose(host(gndi.gaussian_filter(dev(imp), s, order=1))[1:8],
                               -k / s ** 2 * phi, rtol=1e-13, atol=1e-16)
    check_grads(lambda a, sig: gndi.gaussian_filter(a, sig, order=1, mode="mirror"),
                (dev(np.linspace(-1.0, 2.0, 7) ** 2), dev(np.array(1.1))), order=2)


def test_interp1d_linear_nearest_and_fills(backend):
    # y = 3 x + 1 on unsorted x: linear is exact inside and when extrapolating
    x = dev(np.array([2.0, 0.0, 1.0, 4.0]))
    y = dev(np.stack([3 * np.array([2.0, 0.0, 1.0, 4.0]) + 1, np.array([5.0, 6.0, 7.0, 8.0])]))
    f = ginterp.interp1d(x, y, fill_value="extrapolate")
    got = host(f(dev(np.array([0.5, 3.0, -1.0, 5.0]))))
    np.testing.assert_allclose(got[0], [2.5, 10.0, -2.0, 16.0], rtol=1e-14)
    # nearest: a midpoint (0.5 between 0 and 1) goes to the lower node
    near = host(ginterp.interp1d(x, y, kind="nearest")(dev(np.array([0.5, 0.6, 3.0]))))
    np.testing.assert_allclose(near[1], [6.0, 7.0, 5.0])
    out = host(ginterp.interp1d(x, y, bounds_error=False, fill_value=(-1.0, 9.0))(
        dev(np.array([-0.5, 4.5]))))
    np.testing.assert_allclose(out, [[-1.0, 9.0], [-1.0, 9.0]])
    with pytest.raises(ValueError, match="outside the interpolation range"):
        ginterp.interp1d(x, y)(dev(np.array([4.5])))
    # axis=0: the new points' axes replace it
    assert host(ginterp.interp1d(x, y.T, axis=0)(dev(np.zeros((2, 3))))).shape == (2, 3, 2)
    check_grads(lambda xx, yy: ginterp.interp1d(xx, yy)(dev(np.array([0.5, 3.0]))),
                (x, y), order=2)


def test_simpson_exact_on_cubics_and_cartwright_on_even_counts(backend):
    # Simpson is exact for quadratics on an odd count of samples, uneven spacing included,
    # and for cubics on an even spacing
    x = np.array([0.0, 0.3, 1.0, 1.2, 2.0])
    y = x ** 2 - 2 * x
    np.testing.assert_allclose(host(ginteg.simpson(dev(y), x=dev(x))), 8.0 / 3 - 4.0,
                               rtol=1e-13)
    xe = np.linspace(0.0, 2.0, 5)
    np.testing.assert_allclose(host(ginteg.simpson(dev(xe ** 3), dx=0.5)), 4.0, rtol=1e-13)
    # an even count: the last interval by the parabola through the last three samples, exact
    # for quadratics
    x4 = np.array([0.0, 0.5, 1.5, 2.0])
    np.testing.assert_allclose(host(ginteg.simpson(dev(x4 ** 2), x=dev(x4))), 8.0 / 3,
                               rtol=1e-13)
    np.testing.assert_allclose(host(ginteg.simpson(dev(np.array([1.0, 3.0])), dx=2.0)), 4.0)
    check_grads(lambda u, v: ginteg.simpson(u, x=v), (dev(y[:4]), dev(x4)), order=2)


def test_hilbert_of_a_cosine_is_the_complex_exponential(backend):
    n = np.arange(16)
    for k in (1, 3, 5):
        x = np.cos(2 * np.pi * k * n / 16)
        np.testing.assert_allclose(host(gsig.hilbert(dev(x))), np.exp(2j * np.pi * k * n / 16),
                                   atol=1e-13)
    check_grads(lambda a: gsig.hilbert(a), (dev(np.linspace(-1.0, 1.0, 7) ** 3),), order=1)


def test_lfilter_one_pole_recursion(backend):
    # y[n] = 0.5 y[n-1] + x[n] from an impulse: 0.5 ** n; with zi = [2]: y[0] = x[0] + 2
    imp = np.zeros(6)
    imp[0] = 1.0
    np.testing.assert_allclose(host(gsig.lfilter(dev(np.array([1.0])),
                                                 dev(np.array([1.0, -0.5])), dev(imp))),
                               0.5 ** np.arange(6), rtol=1e-14)
    y, zf = gsig.lfilter(dev(np.array([2.0])), dev(np.array([2.0, -1.0])), dev(imp),
                         zi=dev(np.array([2.0])))
    np.testing.assert_allclose(host(y), 3 * 0.5 ** np.arange(6), rtol=1e-14)
    np.testing.assert_allclose(host(zf), [0.5 * 3 * 0.5 ** 5], rtol=1e-14)
    check_grads(lambda b, a, x: gsig.lfilter(b, a, x),
                (dev(np.array([1.0, 0.4])), dev(np.array([1.0, -0.5, 0.1])),
                 dev(np.linspace(-1.0, 1.0, 5))), order=2)


def test_gaussian_filter_under_jit_with_a_traced_sigma(backend):
    from gpuad.scipy import ndimage as gndi

    f = ad.jit(lambda a, s: gndi.gaussian_filter1d(a, s, order=1))
    x = np.linspace(0.0, 1.0, 9) ** 2
    for s in (0.7, 1.1, 0.75):  # radius 3, 4 (traced again), 3
        np.testing.assert_allclose(host(f(dev(x), dev(np.array(s)))),
                                   host(gndi.gaussian_filter1d(dev(x), s, order=1)),
                                   atol=1e-14)
