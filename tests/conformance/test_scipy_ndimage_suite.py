"""SciPy's own ndimage tests for the filters and the spline interpolation, ported:
scipy/ndimage/tests/test_interpolation.py (geometric_transform, map_coordinates, affine_transform,
shift, zoom, rotate, spline_filter; the boundary modes) and test_filters.py (sobel, prewitt,
laplace, gaussian_laplace, gaussian_gradient_magnitude, generic_laplace, uniform_filter1d,
minimum/maximum filters and their 1-D forms, rank, median and percentile filters, footprints,
origins, per-axis modes, ``axes``), with the parameter grids of CuPy's
tests/cupyx_tests/scipy_tests/ndimage_tests (shapes, modes, orders, dtypes, origins) compared
with SciPy run in the same process.

Every case runs through both libraries (``lib.fn(...)`` with ``lib`` gpuad's module or SciPy's)
and must agree in shape, dtype and values; SciPy's expected arrays are checked as well where its
test states them. Derivatives (in the input, ``cval``, the coordinates, the shift, the affine
matrix and offset, the rotation angle, a Gaussian's sigma) are compared with float64 central
differences (``gpuad.testing.check_grads``), and the tie conventions of the order-statistic
filters against hand-derived shares. The default run is a fixed subset (under 5 s);
GPUAD_NDIMAGE_ALL=1 runs the full grids.
"""

from __future__ import annotations

import itertools
import os
import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")
import scipy.ndimage as sndi  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

ALL = os.environ.get("GPUAD_NDIMAGE_ALL") == "1"
MODES = ["constant", "nearest", "reflect", "mirror", "wrap", "grid-wrap", "grid-constant",
         "grid-mirror"]
FILTER_MODES = ["reflect", "constant", "nearest", "mirror", "wrap"]
ORDERS = range(6)


def subset(cases, n):
    """All of ``cases`` under GPUAD_NDIMAGE_ALL=1, otherwise ``n`` spread over them."""
    cases = list(cases)
    if ALL or len(cases) <= n:
        return cases
    step = len(cases) / n
    return [cases[int(k * step)] for k in range(n)]


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def same(call, expected=None, tol=1e-9, decimal=6):
    """``call(gndi)`` equals ``call(sndi)`` (shape, dtype, values) and, where given, SciPy's
    test's ``expected`` (to ``decimal`` places, as its assert_array_almost_equal)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = np.asarray(call(sndi))
        got = host(call(gndi))
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    if expected is not None:
        np.testing.assert_array_almost_equal(got, expected, decimal=decimal)


def same_error(call):
    """Both raise, ours the same kind (or a subclass) as SciPy's."""
    try:
        call(sndi)
    except Exception as e:  # noqa: BLE001
        kind = type(e)
    else:
        raise AssertionError("SciPy did not raise")
    with pytest.raises(kind):
        call(gndi)


A34 = np.array([[4, 1, 3, 2], [7, 6, 8, 5], [3, 5, 3, 6]])
SHIFTED11 = [[0, 0, 0, 0], [0, 4, 1, 3], [0, 7, 6, 8]]
A12 = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]


# ---- test_interpolation.py: the named cases, each run for orders 0 to 5 --------------------

def _interp_cases():
    c = []
    add = lambda name, f, exp=None: c.append((name, f, exp))  # noqa: E731
    for mode, exp in [("nearest", [1.5, 2.5, 3.5, 4, 4, 4, 4]),
                      ("wrap", [1.5, 2.5, 3.5, 1.5, 2.5, 3.5, 1.5]),
                      ("grid-wrap", [1.5, 2.5, 3.5, 2.5, 1.5, 2.5, 3.5]),
                      ("mirror", [1.5, 2.5, 3.5, 3.5, 2.5, 1.5, 1.5]),
                      ("reflect", [1.5, 2.5, 3.5, 4, 3.5, 2.5, 1.5]),
                      ("constant", [1.5, 2.5, 3.5, -1, -1, -1, -1]),
                      ("grid-constant", [1.5, 2.5, 3.5, 1.5, -1, -1, -1])]:
        add(f"boundaries {mode}", lambda lib, o, m=mode: lib.geometric_transform(
            np.array([1, 2, 3, 4.0]), lambda x: (x[0] + 0.5,), cval=-1, mode=m,
            output_shape=(7,), order=1), exp)
    for mode, exp in [("nearest", [1, 1, 2, 3]), ("wrap", [3, 1, 2, 3]),
                      ("grid-wrap", [4, 1, 2, 3]), ("mirror", [2, 1, 2, 3]),
                      ("reflect", [1, 1, 2, 3]), ("constant", [-1, 1, 2, 3]),
                      ("grid-constant", [-1, 1, 2, 3])]:
        add(f"boundaries2 {mode}", lambda lib, o, m=mode: lib.geometric_transform(
            np.array([1, 2, 3, 4]), lambda x: (x[0] - 0.9,), cval=-1, mode=m,
            output_shape=(4,)), exp)
    for k, (shape, dtype) in enumerate([((), np.float64), ((1,), np.int32), ((4,), np.float32),
                                        ((4, 4), np.uint8)]):
        add(f"spline0{k + 1}", lambda lib, o, s=shape, d=dtype: lib.spline_filter(
            np.ones(s, d), order=max(o, 2)), np.ones(shape))
    add("spline03 output", lambda lib, o: lib.spline_filter(np.ones([], np.float32),
                                                          max(o, 2), output=np.float32), 1)
    add("geometric01", lambda lib, o: lib.geometric_transform(np.array([1]), lambda x: x,
                                                              (1,), order=o), [1])
    add("geometric04", lambda lib, o: lib.geometric_transform(
        np.array([4, 1, 3, 2]), lambda x: (x[0] - 1,), (4,), order=o), [0, 4, 1, 3])
    add("geometric05 complex", lambda lib, o: lib.geometric_transform(
        np.ones((3, 4)) * (1 - 1j), lambda x: (x[0], x[1] - 1), (3, 4), order=o),
        np.array([[0, 1, 1, 1]] * 3) * (1 - 1j))
    add("geometric08", lambda lib, o: lib.geometric_transform(
        A34, lambda x: (x[0] - 1, x[1] - 1), A34.shape, order=o), SHIFTED11)
    add("geometric10 prefilter=False", lambda lib, o: lib.geometric_transform(
        lib.spline_filter(A34, order=o) if o > 1 else A34, lambda x: (x[0] - 1, x[1] - 1),
        A34.shape, order=o, prefilter=False), SHIFTED11)
    add("geometric14", lambda lib, o: lib.geometric_transform(
        [1, 5, 2, 6, 3, 7, 4, 4], lambda x: (2 * x[0],), [4], order=o), [1, 2, 3, 4])
    add("geometric21", lambda lib, o: lib.geometric_transform(
        A12, lambda x: (x[0] / 2, x[1] / 2), (6, 8), order=o)[::2, ::2], A12)
    add("geometric24 extra args", lambda lib, o: lib.geometric_transform(
        A12, lambda x, a, b: (a, x[0] * b), (2,), order=o, extra_arguments=(1,),
        extra_keywords={"b": 2}), [5, 7])
    add("geometric grid-constant order 1", lambda lib, o: lib.geometric_transform(
        np.array([[1, 2, 3], [4, 5, 6.0]]), lambda x: (x[0] - 0.5, x[1] - 0.5),
        mode="grid-constant", order=1), [[0.25, 0.75, 1.25], [1.25, 3.0, 4.0]])
    add("geometric string output", lambda lib, o: lib.geometric_transform(
        np.array([1]), lambda x: x, output="f"), [1])
    add("map_coordinates01", lambda lib, o: lib.map_coordinates(
        A34, np.indices(A34.shape) - 1, order=o), SHIFTED11)
    add("map_coordinates01 complex", lambda lib, o: lib.map_coordinates(
        A34 * (1 - 1j), np.indices(A34.shape) - 1, order=o), np.array(SHIFTED11) * (1 - 1j))
    # orders 0 and 1 read 'constant' as JAX does (test_map_coordinates_low_orders_as_jax)
    add("map_coordinates02", lambda lib, o: lib.map_coordinates(
        A34, np.indices(A34.shape, np.float64) - 0.5, order=max(o, 2)))
    add("map_coordinates03 strided", lambda lib, o: lib.map_coordinates(
        np.asfortranarray(A34)[:, ::2], np.indices(A34[:, ::2].shape) - 1),
        [[0, 0], [0, 4], [0, 7]])
    add("map_coordinates string output", lambda lib, o: lib.map_coordinates(
        np.array([[1]]), np.indices((1, 1)), output="f"), [[1]])
    add("affine01", lambda lib, o: lib.affine_transform(np.array([1]), [[1]], order=o), [1])
    add("affine04", lambda lib, o: lib.affine_transform(np.array([4, 1, 3, 2]), [[1]], -1,
                                                        order=o), [0, 4, 1, 3])
    add("affine05 complex", lambda lib, o: lib.affine_transform(
        np.ones((3, 4)) * (1 - 1j), [[1, 0], [0, 1]], [0, -1], order=o),
        np.array([[0, 1, 1, 1]] * 3) * (1 - 1j))
    add("affine08", lambda lib, o: lib.affine_transform(A34, [[1, 0], [0, 1]], [-1, -1],
                                                        order=o), SHIFTED11)
    add("affine09 prefilter=False", lambda lib, o: lib.affine_transform(
        lib.spline_filter(A34, order=o) if o > 1 else A34, [[1, 0], [0, 1]], [-1, -1],
        order=o, prefilter=False), SHIFTED11)
    add("affine10", lambda lib, o: lib.affine_transform(np.ones(2), [[0.5]],
                                                        output_shape=(4,), order=o),
        [1, 1, 1, 0])
    add("affine11", lambda lib, o: lib.affine_transform([1, 5, 2, 6, 3, 7, 4, 4], [[2]], 0,
                                                        (4,), order=o), [1, 2, 3, 4])
    add("affine13", lambda lib, o: lib.affine_transform(
        np.array(A12, float), [[1, 0], [0, 2]], 0, (3, 2), order=o), [[1, 3], [5, 7], [9, 11]])
    add("affine18", lambda lib, o: lib.affine_transform(
        A12, [[0.5, 0], [0, 0.5]], 0, (6, 8), order=o)[::2, ::2], A12)
    add("affine20 rank change", lambda lib, o: lib.affine_transform(A12, [[0], [2]], 0, (2,),
                                                                    order=o), [1, 3])
    add("affine21 rank change", lambda lib, o: lib.affine_transform(A12, [[2], [0]], 0, (2,),
                                                                    order=o), [1, 9])
    add("affine22 offset", lambda lib, o: lib.affine_transform(np.array([4, 1, 3, 2]), [[2]],
                                                               [-1], (3,), order=o), [0, 1, 2])
    add("affine23 offset", lambda lib, o: lib.affine_transform(
        np.array([4, 1, 3, 2]), [[0.5]], [-1], (8,), order=o)[::2], [0, 4, 1, 3])
    add("affine24 diagonal", lambda lib, o: lib.affine_transform(np.array([4, 1, 3, 2]), [2],
                                                                 -1, order=o))
    add("affine25 diagonal", lambda lib, o: lib.affine_transform(np.array([4, 1, 3, 2]),
                                                                 [0.5], -1, order=o))
    add("zoom_affine01", lambda lib, o: lib.affine_transform(
        np.array(A12, float) * (1 - 1j), [0.5, 0.5], 0, (6, 8), order=o)[::2, ::2],
        np.array(A12) * (1 - 1j))
    h1 = np.hstack((np.eye(2), -np.ones((2, 1))))
    for k, m in enumerate([h1, np.vstack((h1, [[0, 0, 1]]))]):
        add(f"affine26 homogeneous {k}", lambda lib, o, m=m: lib.affine_transform(
            lib.spline_filter(A34, order=o) if o > 1 else A34, m, order=o, prefilter=False),
            SHIFTED11)
    add("affine string output", lambda lib, o: lib.affine_transform(np.array([1]), [[1]],
                                                                    output="f"), [1])
    for sh in [(1, 0), (0, 1), (-1, 1), (3, -5), (2, 7)]:
        aff = np.zeros((2, 3))
        aff[:2, :2] = np.eye(2)
        aff[:, 2] = sh
        x22 = np.array([[0, 1], [2, 3]])
        add(f"affine grid-wrap {sh}", lambda lib, o, a=aff: lib.affine_transform(
            x22, a, mode="grid-wrap", order=o), np.roll(x22, sh, axis=(0, 1)))
        add(f"shift grid-wrap {sh}", lambda lib, o, s=sh: lib.shift(
            x22, s, mode="grid-wrap", order=o), np.roll(x22, sh, axis=(0, 1)))
        add(f"shift grid-constant {sh}", lambda lib, o, s=sh: lib.shift(
            np.arange(20).reshape(5, 4), s, mode="grid-constant", order=o),
            sndi.shift(np.arange(20).reshape(5, 4), sh, mode="constant", order=0))
    x23 = np.array([[0, 1, 2], [3, 4, 5]])
    aff = np.zeros((2, 3))
    aff[:2, :2] = np.eye(2)
    aff[:, 2] = x23.shape
    add("affine reflect", lambda lib, o: lib.affine_transform(x23, aff, mode="reflect",
                                                              order=o), x23[::-1, ::-1])
    add("shift reflect", lambda lib, o: lib.shift(x23, x23.shape, mode="reflect", order=o),
        x23[::-1, ::-1])
    add("shift01", lambda lib, o: lib.shift(np.array([1]), [1], order=o), [0])
    add("shift03", lambda lib, o: lib.shift(np.ones(4), -1, order=o), [1, 1, 1, 0])
    add("shift04", lambda lib, o: lib.shift(np.array([4, 1, 3, 2]), 1, order=o), [0, 4, 1, 3])
    for mode in ("constant", "grid-constant"):
        add(f"shift nonzero cval {mode}", lambda lib, o, m=mode: lib.shift(
            np.ones((3, 4)) * (1 - 1j), [0, 1], order=o, mode=m, cval=5.0),
            np.array([[5, 1 - 1j, 1 - 1j, 1 - 1j]] * 3))
    add("shift08", lambda lib, o: lib.shift(A34, [1, 1], order=o), SHIFTED11)
    add("shift09 prefilter=False", lambda lib, o: lib.shift(
        lib.spline_filter(A34, order=o) if o > 1 else A34, [1, 1], order=o, prefilter=False),
        SHIFTED11)
    add("shift grid-constant order 1", lambda lib, o: lib.shift(
        np.array([[1, 2, 3], [4, 5, 6.0]]), (0.5, 0.5), mode="grid-constant", order=1),
        [[0.25, 0.75, 1.25], [1.25, 3.0, 4.0]])
    for pf in (False, True):
        add(f"shift nearest boundary {pf}", lambda lib, o, p=pf: lib.shift(
            np.arange(16), o // 2 + 1, mode="nearest", order=o, prefilter=p)[:1], [0])
        add(f"shift nearest boundary end {pf}", lambda lib, o, p=pf: lib.shift(
            np.arange(16), -o // 2 - 1, mode="nearest", order=o, prefilter=p)[-1:], [15])
    add("zoom1", lambda lib, o: lib.zoom(np.arange(25.0).reshape(5, 5), [2, 2], order=o))
    add("zoom2", lambda lib, o: lib.zoom(lib.zoom(np.arange(12).reshape(3, 4), 2), 0.5),
        np.arange(12).reshape(3, 4))
    add("zoom3", lambda lib, o: lib.zoom(np.array([[1, 2]]), (1, 2)), [[1, 1, 2, 2]])
    add("zoom uint8 overshoot clamped", lambda lib, o: lib.zoom(
        np.array([[0, 255, 0, 255, 255, 0]], np.uint8), (1, 2.3), order=o))
    add("shift int8 rounded", lambda lib, o: lib.shift(
        np.array([[-128, 127, -128, 127, 127, -128]], np.int8), (0, 0.5), order=o,
        mode="nearest"))
    add("zoom infinity", lambda lib, o: lib.zoom(np.zeros((8, 8)), 1.0 / 8, mode="nearest"))
    add("zoom factor one", lambda lib, o: lib.zoom(np.zeros((1, 5, 5)), (1.0, 2.0, 2.0),
                                                   cval=7), np.zeros((1, 10, 10)))
    add("zoom shape roundoff", lambda lib, o: lib.zoom(np.zeros((3, 11, 25)),
                                                       (4.0 / 3, 15.0 / 11, 29.0 / 25)))
    for z in [(1, 1), (3, 5), (8, 2)]:
        for mode in MODES:
            x22 = np.array([[0, 1], [2, 3]], float)
            add(f"zoom by int order 0 {z} {mode}", lambda lib, o, z=z, m=mode: lib.zoom(
                x22, z, order=0, mode=m), np.kron(x22, np.ones(z)))
            if mode not in ("constant", "wrap"):
                x23f = np.arange(6.0).reshape(2, 3)
                add(f"zoom grid by int order 0 {z} {mode}", lambda lib, o, z=z, m=mode:
                    lib.zoom(x23f, z, order=0, mode=m, grid_mode=True),
                    np.kron(x23f, np.ones(z)))
    d3 = np.array([[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]], float)
    add("rotate01", lambda lib, o: lib.rotate(d3, 0, order=o), d3)
    add("rotate02", lambda lib, o: lib.rotate(
        np.array([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], float), 90, order=o),
        [[0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0]])
    d35 = np.array([[0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 0, 0]], float)
    add("rotate03 complex", lambda lib, o: lib.rotate(d35 * (1 - 1j), 90, order=o),
        np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 0]]) * (1 - 1j))
    add("rotate04", lambda lib, o: lib.rotate(d35, 90, reshape=False, order=o),
        [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0]])
    d433 = np.repeat(np.array([[0, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 0]], float)[..., None],
                     3, axis=2)
    add("rotate05 3-D", lambda lib, o: lib.rotate(d433, 90, order=o)[:, :, 1],
        [[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]])
    d7 = np.array([d35] * 2).transpose()
    add("rotate07 axes", lambda lib, o: lib.rotate(d7, 90, axes=(0, 1), order=o))
    add("rotate08 axes", lambda lib, o: lib.rotate(d7, 90, axes=(0, 1), reshape=False,
                                                   order=o))
    add("rotate10", lambda lib, o: lib.rotate(np.arange(45.0).reshape(3, 5, 3), angle=12,
                                              reshape=False, order=o))
    add("rotate exact 180", lambda lib, o: lib.rotate(lib.rotate(
        np.tile(np.arange(5), (5, 1)), 180), -180), np.tile(np.arange(5), (5, 1)))
    add("rotate 3-D plane (2, 0)", lambda lib, o: lib.rotate(
        np.arange(60.0).reshape(3, 4, 5), -63.0, axes=(2, 0), order=o, mode="nearest"))
    return c


INTERP_CASES = _interp_cases()


@pytest.mark.parametrize("name,call,expected", subset(INTERP_CASES, 30),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_interpolation_cases(backend, name, call, expected):
    for order in (ORDERS if ALL else (0, 1, 3, 5)):
        same(lambda lib, o=order: call(lib, o), expected)


# ---- the modes against SciPy at every order (cupy's test_interpolation grids) --------------

def _mc_mode(lib, mode, order):
    """The mode SciPy needs for gpuad's map_coordinates reading of ``mode``: at orders 0 and 1
    the JAX names 'constant' and 'wrap' are JAX's, i.e. SciPy's 'grid-constant', 'grid-wrap'."""
    if lib is sndi and order <= 1 and mode in ("constant", "wrap"):
        return "grid-" + mode
    return mode


def _grid_calls(mode, order, rng):
    x = rng.standard_normal((5, 6))
    c = rng.uniform(-3.3, 8.2, (2, 13))
    mat = np.array([[0.93, 0.31], [-0.22, 1.07]])
    kw = dict(order=order, mode=mode, cval=0.4)
    return [
        lambda lib: lib.map_coordinates(x, c, order=order, mode=_mc_mode(lib, mode, order),
                                        cval=0.4),
        lambda lib: lib.map_coordinates(x[0], c[:1] * 2, order=order,
                                        mode=_mc_mode(lib, mode, order), cval=0.4),
        lambda lib: lib.shift(x, (0.3, -1.7), **kw),
        lambda lib: lib.zoom(x, (1.5, 0.7), **kw),
        lambda lib: lib.zoom(x, (0.6, 1.9), grid_mode=True, **kw),
        lambda lib: lib.affine_transform(x, mat, (0.5, -0.7), **kw),
        lambda lib: lib.affine_transform(x, [1.2, 0.8], (0.5, -0.7), output_shape=(4, 7), **kw),
        lambda lib: lib.affine_transform(x, np.hstack([mat, [[0.5], [-0.7]]]), **kw),
        lambda lib: lib.rotate(x, 27.0, **kw),
        lambda lib: lib.rotate(x, -113.0, reshape=False, **kw),
        lambda lib: lib.spline_filter1d(x, order, axis=0, mode=mode),
        lambda lib: lib.shift(x, 0.45, prefilter=False, **kw),
    ]


@pytest.mark.parametrize("mode,order", subset(itertools.product(MODES, ORDERS), 6))
def test_modes_and_orders_against_scipy(backend, mode, order):
    rng = np.random.default_rng(len(mode) * 7 + order)
    for call in _grid_calls(mode, order, rng):
        same(call)


@pytest.mark.parametrize("mode", subset(["mirror", "reflect", "grid-mirror", "grid-wrap",
                                         "grid-constant", "nearest"], 2))
def test_boundary_spline_accuracy(backend, mode):
    # scipy's gh-2640 check: the modes equal an explicit numpy.pad of the input
    data = np.arange(-6, 7, dtype=float)
    x = np.linspace(-8, 15, num=200)
    pad = {"mirror": "reflect", "reflect": "symmetric", "grid-mirror": "symmetric",
           "grid-wrap": "wrap", "nearest": "edge", "grid-constant": "constant"}[mode]
    for order in (ORDERS if ALL else (2, 5)):
        got = host(gndi.map_coordinates(data, [x], order=order, mode=mode))
        padded = np.pad(data, 32, mode=pad)
        want = sndi.map_coordinates(padded, [32 + x], order=order, mode=mode)
        np.testing.assert_allclose(got, want, rtol=1e-7,
                                   atol=1e-5 if mode == "grid-constant" else 1e-12)


def test_map_coordinates_low_orders_as_jax(backend):
    # orders 0 and 1 with JAX's mode names are jax.scipy.ndimage.map_coordinates: 'constant'
    # interpolates with cval past the edge points (SciPy's 'grid-constant'), 'wrap' has period
    # n (SciPy's 'grid-wrap'); the order-0 halves round away from zero
    x = np.array([1.0, 2.0, 3.0, 4.0])
    c = np.array([[-0.5, -0.25, 3.25, 3.5, 4.5]])
    got = host(gndi.map_coordinates(x, c, 1, mode="constant", cval=-1.0))
    np.testing.assert_allclose(got, [0.0, 0.5, 2.75, 1.5, -1.0])  # (1 - t) a + t b
    np.testing.assert_allclose(got, sndi.map_coordinates(x, c, order=1, mode="grid-constant",
                                                         cval=-1.0))
    got = host(gndi.map_coordinates(x, c, 1, mode="wrap"))
    np.testing.assert_allclose(got, [2.5, 1.75, 3.25, 2.5, 1.5])
    got = host(gndi.map_coordinates(x, c, 0, mode="nearest"))
    np.testing.assert_allclose(got, [1.0, 1.0, 4.0, 4.0, 4.0])  # -0.5 -> -1 -> clamped
    # SciPy's own reading of 'constant' at order 1 through its transforms (no cval blending)
    got = host(gndi.geometric_transform(x, lambda o: (o[0] - 0.5,), order=1, cval=-1.0))
    np.testing.assert_allclose(got, [-1.0, 1.5, 2.5, 3.5])


def test_interpolation_errors_as_scipy(backend):
    x = np.arange(12.0).reshape(3, 4)
    for call in [
        lambda lib: lib.shift(x, 1.0, order=6),
        lambda lib: lib.zoom(x, 2.0, order=-1),
        lambda lib: lib.map_coordinates(x, np.zeros((2, 3)), mode="bogus"),
        lambda lib: lib.spline_filter(x, order=1),
        lambda lib: lib.rotate(np.arange(4.0), 30),
        lambda lib: lib.rotate(x, 30, axes=(0, 2)),
        lambda lib: lib.rotate(x, 30, axes=(0, 1, 1)),
        lambda lib: lib.affine_transform(x, np.vstack((np.hstack((np.eye(2), -np.ones(
            (2, 1)))), [[5, 2, 1]]))),
        lambda lib: lib.affine_transform(x, np.ones((3, 2))),
        lambda lib: lib.affine_transform(x, np.ones((2, 3, 1))),
        lambda lib: lib.affine_transform(x, np.eye(2), offset=[1, 2, 3]),
    ]:
        same_error(call)
    with pytest.warns(UserWarning, match="recommended to use mode"):
        gndi.zoom(x, 2, mode="wrap", grid_mode=True)
    with pytest.raises(NotImplementedError, match="output= as an array"):
        gndi.shift(x, 1.0, output=np.empty_like(x))
    with pytest.raises(TypeError, match="zoom: the result depends on zoom only through"):
        gndi.zoom(x, ad.tensor(np.array(2.0), requires_grad=True))
    with pytest.raises(AttributeError, match="'label'.*not differentiable.*scipy.ndimage.label"):
        gndi.label  # noqa: B018


# ---- test_filters.py ------------------------------------------------------------------------

ARR = np.array([[3, 2, 5, 1, 4], [5, 8, 3, 7, 1], [5, 6, 9, 3, 5]], float)


def _filter_cases():
    c = []
    add = lambda name, f, exp=None: c.append((name, f, exp))  # noqa: E731
    t = sndi.correlate1d(ARR, [-1.0, 0.0, 1.0], 0)
    t = sndi.correlate1d(t, [1.0, 2.0, 1.0], 1)
    add("sobel01", lambda lib: lib.sobel(ARR, 0), t)
    add("sobel04", lambda lib: lib.sobel(ARR, -1))
    t = sndi.correlate1d(ARR, [-1.0, 0.0, 1.0], 1)
    add("prewitt02", lambda lib: lib.prewitt(ARR, 1),
        sndi.correlate1d(t, [1.0, 1.0, 1.0], 0))
    add("sobel modes per axis", lambda lib: lib.sobel(ARR, 1, mode=["wrap", "constant"],
                                                      cval=2.0))
    add("laplace01", lambda lib: lib.laplace(ARR),
        sndi.correlate1d(ARR, [1, -2, 1], 0) + sndi.correlate1d(ARR, [1, -2, 1], 1))
    add("laplace axes", lambda lib: lib.laplace(ARR, axes=1, mode="nearest"))
    add("gaussian_laplace01", lambda lib: lib.gaussian_laplace(ARR, 1.0),
        sndi.gaussian_filter(ARR, 1.0, [2, 0]) + sndi.gaussian_filter(ARR, 1.0, [0, 2]))
    add("gaussian_laplace axes", lambda lib: lib.gaussian_laplace(ARR, [0.7], axes=(0,),
                                                                  truncate=2.0))
    add("generic_laplace01", lambda lib: lib.generic_laplace(
        ARR, lambda a, ax, o, m, cv, extra, cval=0.0: lib.correlate1d(
            a, [1, -2, 1], ax, o, m, cv + extra + cval), extra_arguments=(0.0,),
        extra_keywords={"cval": 0.0}))
    add("gaussian_gradient_magnitude01", lambda lib: lib.gaussian_gradient_magnitude(
        ARR, 1.0), np.sqrt(sndi.gaussian_filter(ARR, 1.0, [1, 0]) ** 2
                           + sndi.gaussian_filter(ARR, 1.0, [0, 1]) ** 2))
    add("gaussian_gradient_magnitude axes", lambda lib: lib.gaussian_gradient_magnitude(
        ARR, 0.8, axes=(1,), mode="wrap"))
    add("generic_gradient_magnitude sobel", lambda lib: lib.generic_gradient_magnitude(
        ARR, lib.sobel))
    for mode in FILTER_MODES:
        kw = dict(mode=mode, cval=0.3)
        add(f"uniform_filter1d {mode}", lambda lib, k=kw: lib.uniform_filter1d(
            ARR, 4, 0, origin=-1, **k))
        add(f"minimum_filter1d {mode}", lambda lib, k=kw: lib.minimum_filter1d(
            ARR, 3, 1, origin=1, **k))
        add(f"maximum_filter1d {mode}", lambda lib, k=kw: lib.maximum_filter1d(ARR, 2, 0, **k))
        fp = np.array([[1, 0, 1], [0, 1, 1]], bool)
        for fn in ("minimum_filter", "maximum_filter", "median_filter"):
            add(f"{fn} size {mode}", lambda lib, f=fn, k=kw: getattr(lib, f)(
                ARR, size=(2, 3), **k))
            add(f"{fn} footprint {mode}", lambda lib, f=fn, k=kw: getattr(lib, f)(
                ARR, footprint=fp, origin=(0, -1), **k))
        add(f"rank_filter {mode}", lambda lib, k=kw: lib.rank_filter(ARR, -2, size=3, **k))
        add(f"percentile_filter {mode}", lambda lib, k=kw: lib.percentile_filter(
            ARR, 30, size=(3, 2), **k))
    add("minimum_filter01", lambda lib: lib.minimum_filter(np.array([1, 2, 3, 4, 5.0]), 2),
        [1, 1, 2, 3, 4])
    add("maximum_filter02", lambda lib: lib.maximum_filter(np.array([1, 2, 3, 4, 5.0]),
                                                           footprint=[1, 1, 1]),
        [2, 3, 4, 5, 5])
    add("maximum_filter per-axis modes", lambda lib: lib.maximum_filter(
        ARR, size=(2, 3), mode=["wrap", "nearest"]))
    add("maximum_filter axes", lambda lib: lib.maximum_filter(ARR, size=3, axes=1))
    add("rank06", lambda lib: lib.rank_filter(ARR, 1, footprint=[[1, 0, 1], [0, 1, 1]]))
    add("rank min", lambda lib: lib.rank_filter(ARR, 0, size=3))
    add("rank max", lambda lib: lib.rank_filter(ARR, -1, size=(2, 2)))
    add("percentile 100", lambda lib: lib.percentile_filter(ARR, 100, size=3))
    add("percentile negative", lambda lib: lib.percentile_filter(ARR, -20, size=3))
    add("median_filter 1-D", lambda lib: lib.median_filter(np.array([3, 1, 2, 8, 5.0]), 3),
        [3, 2, 2, 5, 5])
    add("median 3-D", lambda lib: lib.median_filter(
        np.random.default_rng(0).standard_normal((4, 5, 3)), size=(3, 1, 2), mode="mirror"))
    return c


FILTER_CASES = _filter_cases()


@pytest.mark.parametrize("name,call,expected", subset(FILTER_CASES, 24),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_filter_cases(backend, name, call, expected):
    same(call, expected)


def test_filter_errors_as_scipy(backend):
    for call in [
        lambda lib: lib.uniform_filter1d(ARR, 0),
        lambda lib: lib.uniform_filter1d(ARR, 3, origin=2),
        lambda lib: lib.minimum_filter1d(ARR, 3, axis=2),
        lambda lib: lib.maximum_filter(ARR),
        lambda lib: lib.maximum_filter(ARR, footprint=np.ones((2, 2, 2))),
        lambda lib: lib.rank_filter(ARR, 9, size=3),
        lambda lib: lib.rank_filter(ARR, -10, size=3),
        lambda lib: lib.percentile_filter(ARR, 101, size=3),
        lambda lib: lib.median_filter(ARR, size=3, origin=2),
        lambda lib: lib.median_filter(ARR + 1j, size=3),
        lambda lib: lib.rank_filter(ARR, 2, size=3, mode=["reflect", "wrap"]),
        lambda lib: lib.sobel(ARR, axis=2),
    ]:
        same_error(call)
    with pytest.raises(TypeError, match="floating-point inputs only"):
        gndi.maximum_filter(np.ones((3, 3), dtype=int), 2)


# ---- derivatives ----------------------------------------------------------------------------

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 6))
CV = np.array(0.3)


def _grad_cases():
    c = []
    add = lambda name, f, args, order=1: c.append((name, f, args, order))  # noqa: E731
    add("sobel", lambda a, cv: gndi.sobel(a, 0, mode="constant", cval=cv), (X, CV))
    add("prewitt", lambda a: gndi.prewitt(a, 1, mode="wrap"), (X,))
    add("laplace", lambda a, cv: gndi.laplace(a, mode="constant", cval=cv), (X, CV), 2)
    add("gaussian_laplace", lambda a, s: gndi.gaussian_laplace(a, s), (X, np.array(1.2)))
    add("gaussian_gradient_magnitude", lambda a, s: gndi.gaussian_gradient_magnitude(
        a, s, mode="nearest"), (X, np.array(0.9)), 2)
    add("uniform_filter1d", lambda a, cv: gndi.uniform_filter1d(a, 3, 0, mode="constant",
                                                                cval=cv), (X, CV))
    for fn in ("minimum_filter", "maximum_filter", "median_filter"):
        add(fn, lambda a, cv, f=fn: getattr(gndi, f)(a, size=(2, 3), mode="constant", cval=cv),
            (X, CV), 2)
    add("rank_filter", lambda a: gndi.rank_filter(a, 3, footprint=[[1, 0, 1], [1, 1, 0]]),
        (X,))
    add("percentile_filter", lambda a: gndi.percentile_filter(a, 60, size=3, mode="wrap"),
        (X,))
    add("maximum_filter1d", lambda a: gndi.maximum_filter1d(a, 3, 0), (X,))
    add("minimum_filter1d", lambda a: gndi.minimum_filter1d(a, 2, 1, mode="mirror"), (X,))
    add("spline_filter", lambda a: gndi.spline_filter(a, 4, mode="grid-wrap"), (X,))
    add("spline_filter1d", lambda a: gndi.spline_filter1d(a, 5, 0, mode="reflect"), (X,))
    coords = np.stack([RNG.uniform(-2.3, 6.3, 7), RNG.uniform(-2.3, 7.3, 7)])
    for mode in MODES:
        for order in (1, 2, 3, 5):
            add(f"map_coordinates {mode} {order}", lambda a, cc, cv, m=mode, o=order:
                gndi.map_coordinates(a, cc, o, mode=m, cval=cv), (X, coords, CV),
                2 if order > 2 else 1)
        add(f"shift {mode}", lambda a, s, cv, m=mode: gndi.shift(a, s, order=3, mode=m,
                                                                 cval=cv),
            (X, np.array([0.37, -1.21]), CV), 2)
        add(f"zoom {mode}", lambda a, cv, m=mode: gndi.zoom(a, 1.7, order=3, mode=m, cval=cv),
            (X, CV))
        add(f"affine_transform {mode}", lambda a, mat, off, cv, m=mode: gndi.affine_transform(
            a, mat, off, order=3, mode=m, cval=cv),
            (X, np.array([[0.93, 0.31], [-0.22, 1.07]]), np.array([0.43, -0.58]), CV), 2)
        add(f"affine_transform (n, n+1) {mode}", lambda a, mat, m=mode: gndi.affine_transform(
            a, mat, order=2, mode=m), (X, np.array([[0.93, 0.31, 0.13], [-0.22, 1.07, -0.37]])))
        add(f"affine_transform diagonal {mode}", lambda a, mat, off, m=mode:
            gndi.affine_transform(a, mat, off, order=3, mode=m),
            (X, np.array([0.93, 1.07]), np.array([0.41, -0.63])))
        add(f"rotate {mode}", lambda a, t, m=mode: gndi.rotate(a, t, order=3, mode=m),
            (X, np.array(23.0)), 2)
    add("rotate 3-D", lambda a, t: gndi.rotate(a, t, axes=(2, 0), reshape=False, order=1),
        (RNG.standard_normal((3, 4, 5)), np.array(-31.0)))
    add("geometric_transform", lambda a, cv: gndi.geometric_transform(
        a, lambda o: (o[0] * 0.9 - 0.3, o[1] * 1.1 + 0.2), order=2, cval=cv), (X, CV))
    return c


GRAD_CASES = _grad_cases()


@pytest.mark.parametrize("name,f,args,order", subset(GRAD_CASES, 10),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_gradients_fd(backend, name, f, args, order):
    check_grads(f, args, order=order if ALL else 1)


def test_tie_conventions(backend):
    # max/min filters split the adjoint among tied maxima (1/k each, as gnp.max); the rank
    # filters route it to the one element the sort puts at the rank
    x = np.array([2.0, 5.0, 5.0, 1.0, 5.0])
    g = host(ad.grad(lambda a: gnp.sum(gndi.maximum_filter1d(a, 3, mode="constant")))(x))
    # windows (cval 0): [0,2,5] [2,5,5] [5,5,1] [5,1,5] [1,5,0]
    # shares of 5s per window: 1 | 1/2, 1/2 | 1/2, 1/2 | 1/2 (x[2]), 1/2 (x[4]) | 1
    np.testing.assert_allclose(g, [0.0, 1.0 + 0.5 + 0.5, 0.5 + 0.5 + 0.5, 0.0, 0.5 + 1.0])
    g = host(ad.grad(lambda a: gnp.sum(gndi.median_filter(a, 3, mode="nearest")))(x))
    assert g.sum() == pytest.approx(5.0) and set(np.round(g, 12)) <= {0.0, 1.0, 2.0, 3.0}
    g = host(ad.grad(lambda a: gndi.minimum_filter(a, footprint=[1, 1, 1])[3])(x))
    np.testing.assert_allclose(g, [0, 0, 0, 1, 0])


def test_jit_and_vmap(backend):
    x = RNG.standard_normal((4, 5))
    f = lambda a, t: gndi.rotate(a, t, order=3, mode="nearest")  # noqa: E731
    jf = ad.jit(f)
    for angle in (20.0, 70.0):  # 70 degrees: another reshaped size, traced again
        np.testing.assert_allclose(host(jf(x, np.array(angle))), host(f(x, np.array(angle))),
                                   atol=1e-12)
    gj = ad.jit(ad.grad(lambda a, s: gnp.sum(gndi.shift(a, s, order=3) ** 2), argnums=1))
    g = ad.grad(lambda a, s: gnp.sum(gndi.shift(a, s, order=3) ** 2), argnums=1)
    s = np.array([0.3, -0.8])
    np.testing.assert_allclose(host(gj(x, s)), host(g(x, s)), atol=1e-12)
    batch = RNG.standard_normal((3, 4, 5))
    h = lambda a: gndi.median_filter(gndi.zoom(a, 1.5, order=2), 3)  # noqa: E731
    got = host(ad.vmap(h)(batch))
    for b in range(3):
        np.testing.assert_allclose(got[b], host(h(batch[b])), atol=1e-12)
