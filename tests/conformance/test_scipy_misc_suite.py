"""SciPy's own tests for the modules gpuad.scipy mirrors besides linalg and special, ported:
scipy/interpolate/tests/test_rgi.py (RegularGridInterpolator) and test_interpolate.py (interp1d,
linear and nearest), scipy/ndimage/tests/
test_interpolation.py (map_coordinates, orders 0 and 1, every mode) and test_filters.py
(correlate, convolve, their 1-D forms, uniform_filter, gaussian_filter), scipy/signal/tests/
test_signaltools.py (convolve, correlate, fftconvolve modes and shapes, hilbert, lfilter;
windows from test_windows.py), scipy/integrate/tests/test_quadrature.py (trapezoid,
cumulative_trapezoid, simpson),
scipy/stats/tests (sem, mode, rankdata), scipy/sparse/linalg/_isolve/tests (cg, bicgstab, gmres
with x0, tolerances, maxiter, preconditioners) and scipy/optimize/tests (BFGS on the classic
problems).

Values are compared with SciPy run in the same process (and the same kind of error on bad
input); derivatives with float64 central differences, and, where jax.scipy has the function
and JAX is installed, with JAX's (those cases skip without JAX; the rest runs in CI).
The default run is a fixed subset (under 5 s); GPUAD_SCIPY_MISC_ALL=1 runs the full grids.

What other files already cover is not repeated here: tests/conformance/test_jax_scipy_suite.py
(JAX's grids for convolve, spectral, DCT, map_coordinates on integer coordinates),
test_jax_segment_ndimage_dct.py, test_jax_solvers_suite.py, tests/test_scipy_spectral.py,
tests/test_scipy_signal_integrate.py (odeint), tests/test_scipy_fft_realtransforms.py.

REFUSED lists what SciPy computes and gpuad declines with a clear error.
"""

from __future__ import annotations

import itertools
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.integrate as sint  # noqa: E402
import scipy.interpolate as sinterp  # noqa: E402
import scipy.ndimage as sndi  # noqa: E402
import scipy.optimize as sopt  # noqa: E402
import scipy.signal as ssig  # noqa: E402
import scipy.sparse.linalg as sspl  # noqa: E402
import scipy.stats as sst  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.scipy import integrate as ginteg  # noqa: E402
from gpuad.scipy import interpolate as ginterp  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402
from gpuad.scipy import optimize as gopt  # noqa: E402
from gpuad.scipy import signal as gsig  # noqa: E402
from gpuad.scipy import stats as gstats  # noqa: E402
from gpuad.scipy.signal import windows as gwin  # noqa: E402
from gpuad.scipy.sparse import linalg as gspl  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

ALL = os.environ.get("GPUAD_SCIPY_MISC_ALL") == "1"

REFUSED = {
    "RegularGridInterpolator method slinear/cubic/quintic/pchip, bounds_error=True":
        "linear and nearest only, as jax.scipy (ValueError / NotImplementedError)",
    "map_coordinates orders 0 and 1 with mode 'constant' or 'wrap' read as SciPy":
        "JAX's reading ('constant' is SciPy's 'grid-constant', 'wrap' its 'grid-wrap'); "
        "orders 2 to 5 and the 'grid-*' names are SciPy's (test_scipy_ndimage_suite.py)",
    "interp1d kinds other than linear/nearest, ndimage filters with integer input or output=":
        "NotImplementedError / TypeError",
    "CubicSpline, make_interp_spline, ndimage.label, sosfilt, filtfilt, "
    "quad, solve_ivp, root, minimize_scalar, minres, ...":
        "AttributeError naming what to use instead (see test_missing_names_say_what_to_do)",
}


def subset(cases, n):
    """All of ``cases`` under GPUAD_SCIPY_MISC_ALL=1, otherwise every ``len // n``-th."""
    cases = list(cases)
    if ALL or len(cases) <= n:
        return cases
    step = len(cases) / n
    return [cases[int(k * step)] for k in range(n)]


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def same_error(peer, ours):
    """Both raise, and ours raises the same kind (or a subclass) of SciPy's exception."""
    try:
        peer()
    except Exception as e:  # noqa: BLE001
        kind = type(e)
    else:
        raise AssertionError("SciPy did not raise")
    with pytest.raises(kind):
        ours()


def jax_or_skip():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def vs_jax_grad(gf, jf, args, seed=0):
    """gpuad's vjp of ``gf`` against JAX's vjp of ``jf`` on a random cotangent."""
    jax = jax_or_skip()
    out = host(gf(*args))
    jout = np.asarray(jf(*args))
    np.testing.assert_allclose(out, jout, rtol=1e-10, atol=1e-12)
    u = np.random.default_rng(seed).standard_normal(out.shape)
    _, back = ad.vjp(gf, *args)
    ours = back(u)
    _, jback = jax.vjp(jf, *args)
    theirs = jback(u)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(a), np.asarray(b), rtol=1e-9, atol=1e-11)


rng0 = np.random.default_rng(1234)

# ---- interpolate: RegularGridInterpolator (scipy/interpolate/tests/test_rgi.py) -----------

GRID2 = (np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0]))
VALUES2 = np.arange(9.0).reshape(3, 3) ** 1.5
SAMPLE2 = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.25], [0.1, 0.9], [0.5, 0.5],
                    [0.75, 0.2], [1.1, 0.3], [-0.1, 0.5], [0.3, 1.5]])


@pytest.mark.parametrize("method,fill,desc", list(itertools.product(
    ["linear", "nearest"], [np.nan, None, -3.0], [(), (0,), (0, 1)])))
def test_rgi_against_scipy(method, fill, desc):
    grid = tuple(g[::-1] if j in desc else g for j, g in enumerate(GRID2))
    values = np.flip(VALUES2, desc) if desc else VALUES2
    want = sinterp.RegularGridInterpolator(grid, values, method=method, bounds_error=False,
                                           fill_value=fill)(SAMPLE2)
    got = ginterp.RegularGridInterpolator(grid, values, method=method, fill_value=fill)(SAMPLE2)
    np.testing.assert_allclose(host(got), want, rtol=1e-13, atol=1e-13)


def test_rgi_shapes_and_trailing_axes_against_scipy():
    rng = np.random.default_rng(0)
    grid = (np.linspace(0, 1, 4), np.array([-1.0, 0.0, 2.0]), np.array([0.0, 1.0]))
    values = rng.standard_normal((4, 3, 2, 5))  # a trailing axis carried along
    xi = np.stack([rng.uniform(0, 1, (2, 7)), rng.uniform(-1, 2, (2, 7)),
                   rng.uniform(0, 1, (2, 7))], axis=-1)
    for method in ("linear", "nearest"):
        want = sinterp.RegularGridInterpolator(grid, values, method=method)(xi)
        f = ginterp.RegularGridInterpolator(grid, values, method=method)
        np.testing.assert_allclose(host(f(xi)), want, rtol=1e-12, atol=1e-13)
        # xi as a tuple of coordinate arrays broadcast together
        parts = tuple(xi[..., j] for j in range(3))
        np.testing.assert_allclose(host(f(parts)), want, rtol=1e-12, atol=1e-13)
    # one point given as a 1-D array, in 1-D and 2-D
    f1 = sinterp.RegularGridInterpolator(grid[:1], values[:, 0, 0, 0])
    g1 = ginterp.RegularGridInterpolator(grid[:1], values[:, 0, 0, 0])
    np.testing.assert_allclose(host(g1(np.array([0.2, 0.7]))), f1(np.array([0.2, 0.7])))
    # integer values are interpolated in float64
    iv = np.arange(12).reshape(4, 3)
    got = ginterp.RegularGridInterpolator(grid[:2], iv)(xi[0, :, :2])
    want = sinterp.RegularGridInterpolator(grid[:2], iv)(xi[0, :, :2])
    assert host(got).dtype == want.dtype == np.float64
    np.testing.assert_allclose(host(got), want, rtol=1e-13)


def test_rgi_errors_as_scipy():
    v = VALUES2
    for grid in [(np.array([0.0, 0.0, 1.0]), GRID2[1]),        # repeated point
                 (np.array([0.0, 1.0, 0.5]), GRID2[1]),        # not monotonic
                 (np.array([0.0, 1.0]), GRID2[1]),             # wrong length
                 (np.array([[0.0, 0.5, 1.0]]), GRID2[1]),      # not 1-D
                 (GRID2[0], GRID2[1], GRID2[1])]:              # more point arrays than axes
        same_error(lambda g=grid: sinterp.RegularGridInterpolator(g, v),
                   lambda g=grid: ginterp.RegularGridInterpolator(g, v))
    same_error(lambda: sinterp.RegularGridInterpolator(GRID2, v)(np.zeros((4, 3))),
               lambda: ginterp.RegularGridInterpolator(GRID2, v)(np.zeros((4, 3))))
    same_error(lambda: sinterp.RegularGridInterpolator(GRID2, v, method="bogus"),
               lambda: ginterp.RegularGridInterpolator(GRID2, v, method="bogus"))
    same_error(lambda: sinterp.RegularGridInterpolator(GRID2, v, fill_value=1j),
               lambda: ginterp.RegularGridInterpolator(GRID2, v, fill_value=1j))
    with pytest.raises(NotImplementedError, match="bounds_error"):
        ginterp.RegularGridInterpolator(GRID2, v, bounds_error=True)


def test_rgi_gradients_fd():
    rng = np.random.default_rng(2)
    xi = np.array([[0.2, 0.3], [0.7, 0.9], [0.45, 0.05], [1.3, 0.4]])  # off the grid lines
    for method in ("linear", "nearest"):
        check_grads(lambda v, p, fv, m=method: ginterp.RegularGridInterpolator(
            GRID2, v, method=m, fill_value=fv)(p), (rng.standard_normal((3, 3)), xi[:3],
                                                     np.array(0.5)), order=1)
    # in the grid coordinates too, a descending axis included
    check_grads(lambda g0, g1, v: ginterp.RegularGridInterpolator((g0, g1), v)(xi[:3]),
                (np.array([0.0, 0.6, 1.0]), np.array([1.0, 0.4, 0.0]),
                 rng.standard_normal((3, 3))), order=2)


def test_rgi_gradients_against_jax():
    jax_or_skip()
    import jax.scipy.interpolate as jinterp

    xi = np.array([[0.2, 0.3], [0.7, 0.9], [0.45, 0.05], [1.3, 0.4]])
    for method in ("linear", "nearest"):
        vs_jax_grad(lambda v, p: ginterp.RegularGridInterpolator(GRID2, v, method=method,
                                                                 fill_value=None)(p),
                    lambda v, p: jinterp.RegularGridInterpolator(GRID2, v, method=method,
                                                                 fill_value=None)(p),
                    (VALUES2, xi))


# ---- interpolate.interp1d (scipy/interpolate/tests/test_interpolate.py) ---------------------

X1 = np.array([0.0, 0.5, 1.2, 2.0, 3.1])


@pytest.mark.parametrize("kind,axis", subset(itertools.product(["linear", "nearest", "slinear"],
                                                              [0, 1, -1]), 4))
def test_interp1d_against_scipy(kind, axis):
    rng = np.random.default_rng(19)
    shape = [2, 3, 4]
    shape[axis] = 5
    y = rng.standard_normal(shape)
    inside = np.array([[0.0, 0.25, 0.85, 3.1], [2.0, 1.6, 0.5, 3.0]])  # nodes and midpoints
    outside = np.array([-1.0, 0.3, 3.5])
    rest = [n for k, n in enumerate(shape) if k != axis % 3]
    cases = [({}, inside), ({"bounds_error": False}, outside),
             ({"fill_value": "extrapolate"}, outside),
             ({"bounds_error": False, "fill_value": (-5.0, 7.0)}, outside),
             ({"bounds_error": False, "fill_value": np.arange(1.0, rest[-1] + 1)}, outside)]
    for kw, pts in cases:
        want = sinterp.interp1d(X1, y, kind=kind, axis=axis, **kw)(pts)
        got = host(ginterp.interp1d(X1, y, kind=kind, axis=axis, **kw)(pts))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14, err_msg=str(kw))
    perm = [3, 0, 4, 1, 2]
    yp = np.take(y, perm, axis=axis)
    np.testing.assert_allclose(host(ginterp.interp1d(X1[perm], yp, kind=kind, axis=axis)(inside)),
                               sinterp.interp1d(X1[perm], yp, kind=kind, axis=axis)(inside),
                               rtol=1e-13)


def test_interp1d_errors_and_gradients():
    y = np.random.default_rng(20).standard_normal((2, 5))
    for bad in [lambda m: m.interp1d(X1, y)(np.array([4.0])),
                lambda m: m.interp1d(X1, y, axis=0),
                lambda m: m.interp1d(X1, y, bounds_error=True, fill_value="extrapolate"),
                lambda m: m.interp1d(X1, y, axis=5),
                lambda m: m.interp1d(X1[:, None], y)]:
        same_error(lambda bad=bad: bad(sinterp), lambda bad=bad: bad(ginterp))
    with pytest.raises(NotImplementedError, match="cubic"):
        ginterp.interp1d(X1, y, kind="cubic")
    check_grads(lambda xx, yy, p: ginterp.interp1d(xx, yy, fill_value="extrapolate")(p),
                (X1, y, np.array([0.3, 1.7, -0.4, 3.3])), order=2)
    check_grads(lambda yy, f: ginterp.interp1d(X1, yy, bounds_error=False, fill_value=f)(
        np.array([0.3, 4.0])), (y, np.array(2.0)), order=1)
    check_grads(lambda yy: ginterp.interp1d(X1, yy, kind="nearest")(np.array([0.3, 1.7])),
                (y,), order=1)


# ---- ndimage.map_coordinates (scipy/ndimage/tests/test_interpolation.py) -------------------

MODES = {"constant": "grid-constant", "nearest": "nearest", "wrap": "grid-wrap",
         "mirror": "mirror", "reflect": "reflect"}
SHAPES = [(1,), (2,), (7,), (4, 5), (1, 6), (3, 2, 4)]


@pytest.mark.parametrize("shape,order,mode", subset(itertools.product(
    SHAPES, [0, 1], list(MODES)), 24))
def test_map_coordinates_against_scipy(shape, order, mode):
    rng = np.random.default_rng(hash((shape, order, mode)) % 2**32)
    img = rng.standard_normal(shape)
    # inside, on grid points, outside by several periods; no exact .5 for order 0 (ties)
    coords = np.stack([np.concatenate([rng.uniform(-2.2 * n - 1, 2.2 * n + 1, 30),
                                       np.arange(-1, n + 1.0)[:30]])[:30] for n in shape])
    coords = np.where(np.abs(coords % 1 - 0.5) < 1e-6, coords + 0.01, coords)
    want = sndi.map_coordinates(img, coords, order=order, mode=MODES[mode], cval=0.75)
    got = gndi.map_coordinates(img, coords, order=order, mode=mode, cval=0.75)
    np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-12)
    got = gndi.map_coordinates(img, list(coords), order=order, mode=mode, cval=0.75)
    np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-12)


def test_map_coordinates_dtypes_and_errors():
    img = np.arange(12).reshape(3, 4)
    c = np.array([[0.4, 1.6, 2.2], [0.5, 3.0, 1.9]])
    for order in (0, 1):
        want = sndi.map_coordinates(img, c, order=order, mode="nearest")
        got = host(gndi.map_coordinates(img, c, order=order, mode="nearest"))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    f32 = host(gndi.map_coordinates(img.astype(np.float32), c, order=1))
    assert f32.dtype == np.float32
    with pytest.raises(ValueError, match="length input.ndim"):
        gndi.map_coordinates(img, c[:1], order=1)  # SciPy: RuntimeError
    with pytest.raises(RuntimeError, match="order"):
        gndi.map_coordinates(img, c, order=6)  # SciPy: RuntimeError
    with pytest.raises(RuntimeError, match="mode"):
        gndi.map_coordinates(img, c, order=1, mode="grid-reflect")
    with pytest.raises(TypeError, match="real"):
        gndi.map_coordinates(img, c + 1j, order=1)


def test_map_coordinates_gradients_fd():
    rng = np.random.default_rng(3)
    img = rng.standard_normal((4, 5))
    c = np.stack([rng.uniform(-1.5, 5.5, 9), rng.uniform(-1.5, 6.5, 9)])
    c = c + 0.013 * (np.abs(c % 1) < 0.02)  # off the grid lines, where the slope jumps
    for mode in subset(MODES, 5):
        check_grads(lambda a, cc, cv, m=mode: gndi.map_coordinates(a, cc, 1, mode=m, cval=cv),
                    (img, c, np.array(0.3)), order=1)
    check_grads(lambda a: gndi.map_coordinates(a, c, 0, mode="reflect"), (img,), order=1)


def test_map_coordinates_gradients_against_jax():
    jax_or_skip()
    import jax.scipy.ndimage as jndi

    rng = np.random.default_rng(4)
    img = rng.standard_normal((4, 5))
    c = np.stack([rng.uniform(-1.5, 5.5, 9), rng.uniform(-1.5, 6.5, 9)])
    for mode in MODES:
        vs_jax_grad(lambda a, cc: gndi.map_coordinates(a, cc, 1, mode=mode),
                    lambda a, cc: jndi.map_coordinates(a, cc, 1, mode=mode), (img, c))


# ---- ndimage filters (scipy/ndimage/tests/test_filters.py) ---------------------------------

FILTER_MODES = ["reflect", "mirror", "nearest", "wrap", "constant", "grid-wrap", "grid-mirror",
                "grid-constant"]
FILTER_SHAPES = [((7,), (3,)), ((7,), (4,)), ((5, 6), (3, 2)), ((2, 5), (4, 3)),
                 ((1, 4), (3, 3)), ((4, 3, 5), (2, 3, 1))]


@pytest.mark.parametrize("shapes,mode,fn", subset(itertools.product(
    FILTER_SHAPES, FILTER_MODES, ["correlate", "convolve"]), 8))
def test_ndimage_correlate_convolve_against_scipy(shapes, mode, fn):
    rng = np.random.default_rng(16)
    x, w = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    for origin in (0, -1, (shapes[1][0] - 1) // 2, 3):
        try:
            want = getattr(sndi, fn)(x, w, mode=mode, cval=0.7, origin=origin)
        except ValueError:  # an origin outside the filter
            with pytest.raises(ValueError):
                getattr(gndi, fn)(x, w, mode=mode, cval=0.7, origin=origin)
            continue
        got = getattr(gndi, fn)(x, w, mode=mode, cval=0.7, origin=origin)
        np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", subset(FILTER_MODES[:5], 3))
def test_ndimage_uniform_and_gaussian_filters_against_scipy(mode):
    rng = np.random.default_rng(17)
    x = rng.standard_normal((6, 7))
    for size in (1, 2, 3, (2, 4)):
        np.testing.assert_allclose(host(gndi.uniform_filter(x, size, mode=mode, cval=0.3)),
                                   sndi.uniform_filter(x, size, mode=mode, cval=0.3),
                                   atol=1e-13)
    for sigma, order in [(1.0, 0), (0.7, 1), ((1.3, 0.5), (0, 2)), (2.0, 3), ((0, 1.0), 0)]:
        np.testing.assert_allclose(
            host(gndi.gaussian_filter(x, sigma, order=order, mode=mode, cval=0.3)),
            sndi.gaussian_filter(x, sigma, order=order, mode=mode, cval=0.3), atol=1e-13)
    np.testing.assert_allclose(
        host(gndi.gaussian_filter1d(x, 1.2, axis=0, order=1, mode=mode, truncate=2.0)),
        sndi.gaussian_filter1d(x, 1.2, axis=0, order=1, mode=mode, truncate=2.0), atol=1e-13)
    np.testing.assert_allclose(
        host(gndi.gaussian_filter(x, 1.2, mode=mode, radius=1, axes=1)),
        sndi.gaussian_filter(x, 1.2, mode=mode, radius=1, axes=1), atol=1e-13)
    np.testing.assert_allclose(
        host(gndi.convolve1d(x, [1.0, 2.0, -1.0, 0.5], axis=0, mode=mode, origin=1)),
        sndi.convolve1d(x, [1.0, 2.0, -1.0, 0.5], axis=0, mode=mode, origin=1), atol=1e-13)
    np.testing.assert_allclose(
        host(gndi.correlate1d(x, [1.0, -1.0], mode=mode, origin=-1)),
        sndi.correlate1d(x, [1.0, -1.0], mode=mode, origin=-1), atol=1e-13)


def test_ndimage_filter_errors_as_scipy():
    x = np.ones((4, 5))
    for bad in [lambda m: m.correlate(x, np.ones(3)),
                lambda m: m.convolve(x, np.ones((3, 3)), mode="bogus"),
                lambda m: m.correlate1d(x, np.ones((2, 2))),
                lambda m: m.uniform_filter(x, size=(2, 2, 2)),
                lambda m: m.gaussian_filter(x, sigma=(1.0, 1.0, 1.0)),
                lambda m: m.correlate1d(x, np.ones(3), axis=2)]:
        same_error(lambda bad=bad: bad(sndi), lambda bad=bad: bad(gndi))
    with pytest.raises(TypeError, match="floating-point"):
        gndi.uniform_filter(np.ones((3, 3), dtype=int))


def test_ndimage_filter_gradients_fd():
    rng = np.random.default_rng(18)
    x = rng.standard_normal((4, 5))
    check_grads(lambda a, w, c: gndi.correlate(a, w, mode="constant", cval=c, origin=(0, 1)),
                (x, rng.standard_normal((3, 4)), np.array(0.4)), order=2)
    check_grads(lambda a, w: gndi.convolve(a, w, mode="mirror"),
                (x, rng.standard_normal((2, 3))), order=1)
    check_grads(lambda a, s: gndi.gaussian_filter(a, s, order=1, mode="mirror"),
                (x, np.array(1.1)), order=2)
    check_grads(lambda a: gndi.uniform_filter(a, 3, mode="wrap"), (x,), order=1)


# ---- signal: convolve, correlate, fftconvolve (scipy/signal/tests/test_signaltools.py) -----

CONV_SHAPES = [((7,), (3,)), ((7,), (4,)), ((3,), (7,)), ((4,), (6,)), ((1,), (1,)),
               ((5, 4), (2, 3)), ((2, 3), (5, 4)), ((4, 5), (3, 3)), ((3, 4, 5), (2, 2, 3)),
               ((6, 2), (2, 4))]
CONV_FUNCS = ["convolve", "correlate", "fftconvolve"]


@pytest.mark.parametrize("shapes,mode,fn,kind", subset(itertools.product(
    CONV_SHAPES, ["full", "same", "valid"], CONV_FUNCS, ["f", "c", "i"]), 40))
def test_convolutions_against_scipy(shapes, mode, fn, kind):
    sa, sb = shapes
    rng = np.random.default_rng(5)

    def draw(s):
        if kind == "i":
            return rng.integers(-4, 5, s)
        x = rng.standard_normal(s)
        return x + 1j * rng.standard_normal(s) if kind == "c" else x

    a, b = draw(sa), draw(sb)
    try:
        want = getattr(ssig, fn)(a, b, mode=mode)
    except ValueError:
        with pytest.raises(ValueError):
            getattr(gsig, fn)(a, b, mode=mode)
        return
    got = host(getattr(gsig, fn)(a, b, mode=mode))
    assert got.shape == want.shape
    if not (fn == "fftconvolve" and kind == "i" and 1 in (a.size, b.size)):
        # (DIFFERS: SciPy's fftconvolve returns in1 * in2 when one input has one element, an
        # integer product; gpuad's integer fftconvolve is float64 throughout, as SciPy's
        # otherwise)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-11)


def test_convolve_method_and_0d_and_errors_as_scipy():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    for method in ("auto", "direct", "fft"):
        np.testing.assert_allclose(host(gsig.convolve(a, b, method=method)),
                                   ssig.convolve(a, b, method=method), atol=1e-14)
    np.testing.assert_allclose(host(gsig.convolve(np.array(2.0), np.array(3.0))),
                               ssig.convolve(np.array(2.0), np.array(3.0)))
    for bad in [lambda m: m.convolve(a, b, mode="bogus"),
                lambda m: m.convolve(a, b, method="bogus"),
                lambda m: m.convolve(a, np.ones((2, 2))),
                lambda m: m.correlate(a, np.ones((2, 2))),
                lambda m: m.convolve(np.zeros(0), b),
                lambda m: m.convolve(np.ones((3, 5)), np.ones((5, 3)), mode="valid"),
                lambda m: m.fftconvolve(a, np.ones((2, 2))),
                lambda m: m.convolve2d(a, b)]:
        same_error(lambda bad=bad: bad(ssig), lambda bad=bad: bad(gsig))


def test_oaconvolve_and_convolve2d_against_scipy():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    for mode in ("full", "same", "valid"):
        np.testing.assert_allclose(host(gsig.oaconvolve(a, b, mode)),
                                   ssig.oaconvolve(a, b, mode), atol=1e-12)
        np.testing.assert_allclose(host(gsig.oaconvolve(a, b[:1], mode, axes=1)),
                                   ssig.oaconvolve(a, b[:1], mode, axes=1), atol=1e-12)
        np.testing.assert_allclose(host(gsig.convolve2d(a, b, mode)),
                                   ssig.convolve2d(a, b, mode), atol=1e-12)
        np.testing.assert_allclose(host(gsig.correlate2d(a, b, mode)),
                                   ssig.correlate2d(a, b, mode), atol=1e-12)


def test_hilbert_against_scipy():
    rng = np.random.default_rng(22)
    x = rng.standard_normal((3, 8))
    for kw in [{}, {"N": 11}, {"N": 6}, {"axis": 0}, {"axis": 0, "N": 4}]:
        want = ssig.hilbert(x, **kw)
        got = host(gsig.hilbert(x, **kw))
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(host(gsig.hilbert(np.arange(5))), ssig.hilbert(np.arange(5)),
                               atol=1e-13)
    for bad in [lambda m: m.hilbert(x + 1j), lambda m: m.hilbert(x, N=0)]:
        same_error(lambda bad=bad: bad(ssig), lambda bad=bad: bad(gsig))
    check_grads(lambda a: gsig.hilbert(a, N=9), (x,), order=2)


@pytest.mark.parametrize("b,a", subset([([0.2], [1.0, -0.8]),
                                        ([1.0, 2.0, 1.0], [2.0, -0.5, 0.1]),
                                        ([0.5, 0.5], [1.0]), ([3.0], [2.0]),
                                        ([1.0, 0.3], [1.0, 0.2, -0.1, 0.05])], 3))
def test_lfilter_against_scipy(b, a):
    rng = np.random.default_rng(23)
    x = rng.standard_normal((3, 12))
    m = max(len(a), len(b))
    for axis in (-1, 0):
        np.testing.assert_allclose(host(gsig.lfilter(b, a, x, axis=axis)),
                                   ssig.lfilter(b, a, x, axis=axis), rtol=1e-12, atol=1e-13)
        shape = list(x.shape)
        shape[axis] = m - 1
        zi = rng.standard_normal(shape)
        want_y, want_z = ssig.lfilter(b, a, x, axis=axis, zi=zi)
        got_y, got_z = gsig.lfilter(b, a, x, axis=axis, zi=zi)
        np.testing.assert_allclose(host(got_y), want_y, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(host(got_z), want_z, rtol=1e-12, atol=1e-13)
    for bad in [lambda mod: mod.lfilter(b, [0.0, 1.0], x),
                lambda mod: mod.lfilter(b, a, x, zi=np.zeros((3, m + 1))),
                lambda mod: mod.lfilter(np.ones((2, 2)), a, x),
                lambda mod: mod.lfilter(b, a, x, axis=3)]:
        same_error(lambda bad=bad: bad(ssig), lambda bad=bad: bad(gsig))
    zi = rng.standard_normal((3, m - 1))
    check_grads(lambda bb, aa, xx, zz: gsig.lfilter(bb, aa, xx, zi=zz)[0],
                (np.array(b), np.array(a), x[:, :6], zi), order=1)


def test_convolution_gradients_fd():
    rng = np.random.default_rng(7)
    for (sa, sb), mode in subset(itertools.product(CONV_SHAPES[:6], ["full", "same", "valid"]),
                                 6):
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        for fn in ("convolve", "correlate"):
            try:
                getattr(ssig, fn)(a, b, mode)
            except ValueError:
                continue
            check_grads(lambda x, y, fn=fn, mode=mode: getattr(gsig, fn)(x, y, mode),
                        (a, b), order=1)
    a = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    b = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    check_grads(lambda x, y: gsig.correlate(x, y, "same"), (a, b), order=1)


def test_convolution_gradients_against_jax():
    jax_or_skip()
    import jax.scipy.signal as jsig

    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((2, 3))
    for fn in ("convolve", "correlate", "fftconvolve"):
        for mode in ("full", "same", "valid"):
            vs_jax_grad(lambda x, y, fn=fn, mode=mode: getattr(gsig, fn)(x, y, mode),
                        lambda x, y, fn=fn, mode=mode: getattr(jsig, fn)(x, y, mode), (a, b))


# ---- signal.windows (scipy/signal/tests/test_windows.py) ----------------------------------

WINDOWS = {"bartlett": (), "blackman": (), "cosine": (), "hamming": (), "hann": (),
           "nuttall": (), "gaussian": (1.7,), "kaiser": (4.5,), "general_hamming": (0.6,),
           "general_cosine": ([0.4, 0.35, 0.25],), "exponential": (None, 2.5)}


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_windows_against_scipy(name):
    for M, sym in itertools.product([0, 1, 2, 3, 8, 9] if ALL else [0, 1, 2, 9], [True, False]):
        args = WINDOWS[name]
        want = getattr(ssig.windows, name)(M, *args, sym=sym)
        got = host(getattr(gwin, name)(M, *args, sym=sym))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=f"{M} {sym}")
    same_error(lambda: getattr(ssig.windows, name)(-1, *WINDOWS[name]),
               lambda: getattr(gwin, name)(-1, *WINDOWS[name]))
    same_error(lambda: getattr(ssig.windows, name)(2.5, *WINDOWS[name]),
               lambda: getattr(gwin, name)(2.5, *WINDOWS[name]))


def test_window_parameter_gradients_fd():
    check_grads(lambda s: gwin.gaussian(9, s), (np.array(1.7),), order=2)
    check_grads(lambda b: gwin.kaiser(8, b, sym=False), (np.array(4.5),), order=2)
    check_grads(lambda a: gwin.general_hamming(7, a), (np.array(0.6),), order=1)
    check_grads(lambda a: gwin.general_cosine(7, a), (np.array([0.4, 0.35, 0.25]),), order=1)
    check_grads(lambda c, t: gwin.exponential(8, c, t, sym=False),
                (np.array(2.2), np.array(2.5)), order=1)


# ---- integrate: trapezoid, cumulative_trapezoid (scipy/integrate/tests) -------------------

def test_trapezoid_and_cumulative_against_scipy():
    rng = np.random.default_rng(9)
    y = rng.standard_normal((3, 6, 4))
    x1 = np.sort(rng.uniform(size=6))
    for axis, kw in itertools.product([1, -2], [{}, {"dx": 0.3}, {"x": x1}]):
        np.testing.assert_allclose(host(ginteg.trapezoid(y, axis=axis, **kw)),
                                   sint.trapezoid(y, axis=axis, **kw), rtol=1e-13)
        for initial in (None, 0):
            np.testing.assert_allclose(
                host(ginteg.cumulative_trapezoid(y, axis=axis, initial=initial, **kw)),
                sint.cumulative_trapezoid(y, axis=axis, initial=initial, **kw), rtol=1e-13)
    xf = np.sort(rng.uniform(size=(3, 6, 4)), axis=1)  # x of y's shape
    np.testing.assert_allclose(host(ginteg.cumulative_trapezoid(y, xf, axis=1)),
                               sint.cumulative_trapezoid(y, xf, axis=1), rtol=1e-13)
    # edge cases: one sample, integers
    for kw in [{}, {"initial": 0}]:
        want = sint.cumulative_trapezoid(np.ones((2, 1)), **kw)
        got = host(ginteg.cumulative_trapezoid(np.ones((2, 1)), **kw))
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    want = sint.cumulative_trapezoid(np.arange(5), initial=0)
    got = host(ginteg.cumulative_trapezoid(np.arange(5), initial=0))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    for bad in [lambda m: m.cumulative_trapezoid(np.ones(0)),
                lambda m: m.cumulative_trapezoid(y, initial=1.0),
                lambda m: m.cumulative_trapezoid(y, x=x1[:4], axis=1)]:
        same_error(lambda bad=bad: bad(sint), lambda bad=bad: bad(ginteg))


@pytest.mark.parametrize("n", subset([1, 2, 3, 4, 5, 6, 9, 10], 5))
def test_simpson_against_scipy(n):
    rng = np.random.default_rng(21 + n)
    y = rng.standard_normal((3, n))
    x1, xf = np.sort(rng.uniform(size=n)), np.sort(rng.uniform(size=(3, n)), axis=1)
    for kw in [{}, {"dx": 0.3}, {"x": x1}, {"x": xf}]:
        np.testing.assert_allclose(host(ginteg.simpson(y, **kw)), sint.simpson(y, **kw),
                                   rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(host(ginteg.simpson(y.T, x=x1, axis=0)),
                               sint.simpson(y.T, x=x1, axis=0), rtol=1e-12, atol=1e-14)
    if n > 1:
        same_error(lambda: sint.simpson(y, x=x1[:-1]), lambda: ginteg.simpson(y, x=x1[:-1]))
    if n > 2:
        check_grads(lambda u, v: ginteg.simpson(u, x=v), (y[0], x1), order=2)


def test_quadrature_gradients_fd():
    rng = np.random.default_rng(10)
    y, x = rng.standard_normal((2, 5)), np.sort(rng.uniform(size=5))
    check_grads(lambda u, v: ginteg.trapezoid(u, v), (y, x), order=2)
    check_grads(lambda u, v: ginteg.cumulative_trapezoid(u, v, initial=0), (y, x), order=2)
    check_grads(lambda u: ginteg.cumulative_trapezoid(u, dx=0.4, axis=0), (y,), order=1)


def test_trapezoid_gradients_against_jax():
    jax_or_skip()
    import jax.scipy.integrate as jint

    rng = np.random.default_rng(11)
    y, x = rng.standard_normal((2, 5)), np.sort(rng.uniform(size=5))
    vs_jax_grad(lambda u, v: ginteg.trapezoid(u, v), lambda u, v: jint.trapezoid(u, v), (y, x))


def test_odeint_against_scipy():
    t = np.linspace(0.0, 2.0, 6)

    def f_np(y, t, k):
        return np.array([y[1], -k * y[0] - 0.1 * y[1]])

    def f_g(y, t, k):
        return gnp.stack([y[1], -k * y[0] - 0.1 * y[1]])

    want = sint.odeint(f_np, [1.0, 0.0], t, args=(2.0,), rtol=1e-10, atol=1e-10)
    got = ginteg.odeint(f_g, np.array([1.0, 0.0]), t, args=(np.array(2.0),), rtol=1e-10,
                        atol=1e-10)
    np.testing.assert_allclose(host(got), want, rtol=1e-7, atol=1e-9)


# ---- stats: sem, mode, rankdata ------------------------------------------------------------

def test_descriptive_against_scipy():
    rng = np.random.default_rng(12)
    a = rng.standard_normal((4, 5))
    for kw in [{}, {"axis": 1}, {"axis": -1}, {"axis": None}, {"ddof": 0},
               {"keepdims": True, "axis": 1}]:
        np.testing.assert_allclose(host(gstats.sem(a, **kw)), sst.sem(a, **kw), rtol=1e-13)
    b = a.copy()
    b[1, 2] = np.nan
    for axis in (0, None):
        np.testing.assert_allclose(host(gstats.sem(b, axis=axis, nan_policy="omit")),
                                   sst.sem(b, axis=axis, nan_policy="omit"), rtol=1e-13)
    np.testing.assert_allclose(host(gstats.sem(np.arange(5))), sst.sem(np.arange(5)))
    r = np.array([[3.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 2.0]])
    for method, axis in itertools.product(["average", "min", "max", "dense", "ordinal"],
                                          [None, 0, 1]):
        np.testing.assert_array_equal(host(gstats.rankdata(r, method, axis=axis)),
                                      sst.rankdata(r, method, axis=axis))
    for axis in (0, 1):
        got, want = gstats.mode(r, axis=axis), sst.mode(r, axis=axis)
        np.testing.assert_array_equal(host(got.mode), want.mode)
        np.testing.assert_array_equal(host(got.count), want.count)
    with pytest.raises(ValueError):
        gstats.sem(a, nan_policy="bogus")
    with pytest.raises(ValueError):
        gstats.rankdata(r, "bogus")
    check_grads(lambda u: gstats.sem(u, axis=1), (a,), order=2)
    check_grads(lambda u: gstats.sem(u, nan_policy="omit"), (b[:, :2],), order=1)


# ---- sparse.linalg: cg, bicgstab, gmres (scipy/sparse/linalg/_isolve/tests) ----------------

def _systems(n=6, seed=13):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    spd = m @ m.T + n * np.eye(n)
    gen = m + n * np.eye(n)
    return {"cg": spd, "bicgstab": gen, "gmres": gen}, rng.standard_normal(n)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_sparse_solvers_against_scipy(solver):
    mats, b = _systems()
    a = mats[solver]
    n = b.shape[0]
    x0 = np.linspace(-1, 1, n)
    jac = np.diag(1 / np.diag(a))
    exact = np.linalg.solve(a, b)
    for kw in [{}, {"x0": x0}, {"M": jac}, {"x0": x0, "M": jac}]:
        want = getattr(sspl, solver)(a, b, rtol=1e-11, **kw)[0]
        got = host(getattr(gspl, solver)(a, b, tol=1e-11, **kw)[0])
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(got, exact, rtol=1e-7, atol=1e-9)
        got = host(getattr(gspl, solver)(lambda v: a @ v, b, tol=1e-11, **kw)[0])
        np.testing.assert_allclose(got, exact, rtol=1e-7, atol=1e-9)
    # a single iteration (a single restart cycle for gmres) is SciPy's too
    for kw in [{}, {"x0": x0}]:
        want = getattr(sspl, solver)(a, b, maxiter=1, **kw)[0]
        got = host(getattr(gspl, solver)(a, b, maxiter=1, **kw)[0])
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)
    # atol stops early: the residual is then at most atol
    got = host(getattr(gspl, solver)(a, b, tol=0.0, atol=1e-3)[0])
    assert np.linalg.norm(a @ got - b) <= 1e-3 * (1 + 1e-9) * (
        np.linalg.norm(np.linalg.inv(jac) @ jac) if solver == "gmres" else 1)
    for bad in [lambda m: getattr(m, solver)(a, b[:3]),
                lambda m: getattr(m, solver)(a[:3], b),
                lambda m: getattr(m, solver)(a, b, x0=b[:3])]:
        same_error(lambda bad=bad: bad(sspl), lambda bad=bad: bad(gspl))


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_sparse_solver_gradients_fd(solver):
    mats, b = _systems(4, 14)
    check_grads(lambda m, v: getattr(gspl, solver)(m, v, tol=1e-13)[0], (mats[solver], b),
                order=1, atol=1e-6, rtol=1e-6)


def test_sparse_solver_gradients_against_jax():
    jax_or_skip()
    import jax.scipy.sparse.linalg as jspl

    mats, b = _systems(4, 15)
    for solver in ("cg", "bicgstab", "gmres"):
        jax_out = np.asarray(getattr(jspl, solver)(mats[solver], b, tol=1e-13)[0])
        np.testing.assert_allclose(host(getattr(gspl, solver)(mats[solver], b, tol=1e-13)[0]),
                                   jax_out, rtol=1e-8)


# ---- optimize.minimize (scipy/optimize/tests/test_optimize.py) ------------------------------

def _rosen_np(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rosen_g(x):
    return gnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("method", ["BFGS"] + ["l-bfgs-experimental-do-not-rely-on-this"] * ALL)
def test_minimize_against_scipy(method):
    problems = [(_rosen_np, _rosen_g, np.array([-1.2, 1.0, 0.8])),
                (lambda x: np.sum((x - 3.0) ** 2) + np.prod(np.cos(x)),
                 lambda x: gnp.sum((x - 3.0) ** 2) + gnp.prod(gnp.cos(x)), np.zeros(2)),
                (lambda x: np.log1p(np.sum(x ** 2)) + 0.1 * x[0], None, np.ones(3))]
    for f_np, f_g, x0 in problems:
        f_g = f_g or (lambda x: gnp.log1p(gnp.sum(x ** 2)) + 0.1 * x[0])
        want = sopt.minimize(f_np, x0, method="BFGS" if method == "BFGS" else "L-BFGS-B",
                             options={"gtol": 1e-9})
        got = gopt.minimize(f_g, x0, method=method, options={"gtol": 1e-9})
        assert bool(host(got.success))
        np.testing.assert_allclose(host(got.x), want.x, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(float(host(got.fun)), want.fun, rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError):
        gopt.minimize(_rosen_g, np.zeros((2, 2)), method="BFGS")  # SciPy: ValueError too
    with pytest.raises(ValueError, match="not recognized"):
        gopt.minimize(_rosen_g, np.zeros(2), method="Nelder-Mead")


# ---- what gpuad lacks: a clear error naming what to use instead ---------------------------

MISSING = {
    ginterp: ["CubicSpline", "make_interp_spline", "interpn", "PchipInterpolator"],
    gndi: ["label"],
    gsig: ["sosfilt", "filtfilt", "resample"],
    ginteg: ["romb", "quad", "solve_ivp"],
    gopt: ["root", "root_scalar", "minimize_scalar", "least_squares", "curve_fit"],
    gspl: ["minres", "lsqr", "spsolve", "LinearOperator"],
}


@pytest.mark.parametrize("mod,name", [(m, n) for m, ns in MISSING.items() for n in ns])
def test_missing_names_say_what_to_do(mod, name):
    if name in getattr(mod, "__all__", ()):
        pytest.skip(f"{mod.__name__}.{name} exists now")
    with pytest.raises(AttributeError, match=name) as info:
        getattr(mod, name)
    assert len(str(info.value)) > 80, str(info.value)  # says why and what to use instead


def test_no_warnings_on_the_default_paths():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ginterp.RegularGridInterpolator(GRID2, VALUES2)(SAMPLE2[:5])
        gndi.map_coordinates(VALUES2, SAMPLE2[:5].T, 1)
        gsig.convolve(np.ones(4), np.ones(2), "same")
