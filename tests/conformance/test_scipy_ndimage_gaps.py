"""SciPy's own ndimage tests mapped onto gpuad.scipy.ndimage: the rest of
scipy/ndimage/tests/test_filters.py (169 methods, the xp version with ``vectorized_filter``),
test_measurements.py (124 methods, the xp version with ``test_gh_19423``) and test_fourier.py
(11 methods, commit 0419e7bbf03c9bc0e3be11bdb7b12f3cbf9cd9f9), as stored by the search tools.
The earlier ports are test_scipy_ndimage_suite.py (the derivative filters, the order-statistic
filters and the interpolation, with CuPy's grids) and test_jax_segment_ndimage_dct.py.

``GAPS`` has one row per upstream method: "here: <test>" (ported below), "covered: <file>::<test>"
(an earlier port), "differs: <test>" (gpuad refuses or behaves otherwise, checked by that test),
"n/a: <reason>". Every ported case runs the same inputs through SciPy and gpuad in one process
and compares shapes, dtypes, values and error classes; derivatives are compared with float64
central differences (``gpuad.testing.check_grads``). Integer inputs are cast to float64 for
both libraries (gpuad filters floating-point values only, see docs/porting.md).

Left alone: ``median`` of a label in ``index`` with no elements is NaN here; SciPy returns a
neighbouring label's value (an artefact of its searchsorted), so that entry is not compared.
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

HERE = os.path.dirname(__file__)
FLOATS = [np.float32, np.float64]
COMPLEX = [np.complex64, np.complex128]


def _rows(fmt, ks, ref):
    return {fmt % k: ref for k in ks}


GAPS_FILTERS = {
    **_rows("test_correlate%02d", range(1, 27), "here: test_correlate_cases"),
    "test_correlate01_overlap": "differs: test_output_arrays_refused",
    "test_correlate_mode_sequence": "here: test_filter_errors",
    **{f"test_correlate{d}_complex_{what}": "here: test_complex_correlate"
       for d in ("", "1d") for what in ("kernel", "kernel_cval", "input", "input_cval",
                                       "input_and_kernel", "input_and_kernel_cval")
       if (d, what) != ("", "input_cval")},
    "test_correlate_complex_kernel_invalid_cval": "here: test_filter_errors",
    **_rows("test_gauss%02d", range(1, 7), "here: test_gaussian_cases"),
    "test_gauss_memory_overlap": "differs: test_output_arrays_refused",
    "test_filter_axes": "here: test_axes_cases",
    "test_derivative_filter_axes": "covered: test_scipy_ndimage_suite.py::test_filter_cases",
    "test_generic_filter_axes": "differs: test_host_functions_refused",
    "test_correlate_convolve_axes": "here: test_axes_cases",
    "test_filter_axes_kwargs": "here: test_axes_cases",
    "test_filter_weights_subset_axes_origins": "here: test_axes_cases",
    "test_filter_invalid_axes": "here: test_filter_errors",
    "test_filter_invalid_footprint_ndim": "here: test_filter_errors",
    "test_filter_tuple_length_mismatch": "here: test_filter_errors",
    **{f"test_{f}{k:02d}": "covered: test_scipy_ndimage_suite.py::test_filter_cases"
       for f in ("prewitt", "sobel") for k in range(1, 5)},
    **{f"test_{f}{k:02d}": "covered: test_scipy_ndimage_suite.py::test_filter_cases"
       for f in ("laplace", "gaussian_laplace", "gaussian_gradient_magnitude")
       for k in (1, 2)},
    "test_generic_laplace01": "covered: test_scipy_ndimage_suite.py::test_filter_cases",
    "test_generic_gradient_magnitude01": "covered: test_scipy_ndimage_suite.py::test_filter_cases",
    "test_uniform01": "here: test_uniform_minmax_rank_cases",
    "test_uniform01_complex": "here: test_uniform_minmax_rank_cases",
    **_rows("test_uniform%02d", range(2, 7), "here: test_uniform_minmax_rank_cases"),
    "test_uniform06_complex": "here: test_uniform_minmax_rank_cases",
    **_rows("test_minimum_filter%02d", range(1, 10), "here: test_uniform_minmax_rank_cases"),
    "test_minimum_filter05_overlap": "differs: test_output_arrays_refused",
    **_rows("test_maximum_filter%02d", range(1, 10), "here: test_uniform_minmax_rank_cases"),
    "test_minmax_nonseparable_axes": "here: test_axes_cases",
    **_rows("test_rank%02d", range(1, 20), "here: test_uniform_minmax_rank_cases"),
    "test_rank06_overlap": "differs: test_output_arrays_refused",
    "test_generic_filter1d01": "differs: test_host_functions_refused",
    "test_generic_filter01": "differs: test_host_functions_refused",
    **_rows("test_extend%02d", range(1, 11), "here: test_extend_cases"),
    "test_ticket_701": "differs: test_host_functions_refused",
    "test_gh_5430": "n/a: SciPy's private _normalize_sequence",
    "test_gaussian_kernel1d": "here: test_gaussian_cases",
    "test_orders_gauss": "here: test_gaussian_cases",
    "test_valid_origins": "here: test_filter_errors",
    "test_bad_convolve_and_correlate_origins": "here: test_filter_errors",
    "test_multiple_modes": "here: test_multiple_modes",
    **{f"test_multiple_modes_{f}": "here: test_multiple_modes"
       for f in ("sequentially", "prewitt", "sobel", "laplace", "gaussian_laplace",
                 "gaussian_gradient_magnitude", "uniform")},
    "test_gaussian_truncate": "here: test_gaussian_cases",
    "test_gaussian_radius": "here: test_gaussian_cases",
    "test_gaussian_radius_invalid": "here: test_filter_errors",
    **{f"TestThreading::test_{f}": "n/a: writes into output= arrays from threads"
       for f in ("correlate1d", "correlate", "median_filter", "uniform_filter1d",
                 "minmax_filter")},
    "test_minmaximum_filter1d": "here: test_uniform_minmax_rank_cases",
    "test_uniform_filter1d_roundoff_errors": "here: test_uniform_minmax_rank_cases",
    "test_footprint_all_zeros": "here: test_filter_errors",
    "test_gaussian_filter_float16": "differs: test_float16_is_filtered",
    "test_rank_filter_noninteger_rank": "here: test_filter_errors",
    "test_size_footprint_both_set": "here: test_filter_errors",
    "test_byte_order_median": "n/a: big-endian arrays (gpuad arrays are native)",
    "test_gh_22250": "here: test_uniform_minmax_rank_cases",
    "test_gh_22333": "here: test_uniform_minmax_rank_cases",
    **{f"TestVectorizedFilter::test_{f}": "differs: test_host_functions_refused"
       for f in ("against_generic_filter", "dtype_batch_memory", "mode_valid",
                 "input_validation", "zero_size", "edge_cases")},
}

_ABSENT_ROW = "differs: test_integer_measurements_refused"
GAPS_MEASUREMENTS = {
    **{f"Test_measurements_stats::test_{k}": "n/a: SciPy's private _stats (its sums and "
       "counts are sum_labels here: test_measurement_cases)"
       for k in ("a", "b", "a_centered", "b_centered", "nonint_labels")},
    "Test_measurements_select::test_basic": "n/a: SciPy's private _select (its minima and "
                                            "maxima: test_measurement_cases)",
    **_rows("test_label%02d", range(1, 14), _ABSENT_ROW),
    "test_label11_inplace": _ABSENT_ROW,
    **{f"test_label_{k}": _ABSENT_ROW for k in ("output_typed", "output_dtype",
                                                "output_wrong_size", "structuring_elements")},
    "test_ticket_742": _ABSENT_ROW,
    "test_gh_issue_3025": _ABSENT_ROW,
    "TestFindObjects::test_label_default_dtype": _ABSENT_ROW,
    **_rows("TestFindObjects::test_find_objects%02d", range(1, 10), _ABSENT_ROW),
    **_rows("test_value_indices%02d", range(1, 4), _ABSENT_ROW),
    **_rows("test_sum%02d", range(1, 13), "here: test_measurement_cases"),
    "test_sum_labels": "here: test_measurement_cases",
    **_rows("test_mean%02d", range(1, 5), "here: test_measurement_cases"),
    **_rows("test_minimum%02d", range(1, 5), "here: test_measurement_cases"),
    **_rows("test_maximum%02d", range(1, 6), "here: test_measurement_cases"),
    **_rows("test_median%02d", range(1, 4), "here: test_measurement_cases"),
    "test_median_gh12836_bool": "here: test_measurement_cases",
    "test_median_no_int_overflow": "here: test_measurement_cases",
    **_rows("test_variance%02d", range(1, 7), "here: test_measurement_cases"),
    **_rows("test_standard_deviation%02d", range(1, 8), "here: test_measurement_cases"),
    **_rows("test_minimum_position%02d", range(1, 8), _ABSENT_ROW),
    **_rows("test_maximum_position%02d", range(1, 8), _ABSENT_ROW),
    **_rows("test_extrema%02d", range(1, 5), _ABSENT_ROW),
    **_rows("test_center_of_mass%02d", range(1, 10), "here: test_measurement_cases"),
    **_rows("test_histogram%02d", range(1, 4), _ABSENT_ROW),
    "test_stat_funcs_2d": "here: test_measurement_cases",
    **_rows("TestWatershedIft::test_watershed_ift%02d", range(1, 10), _ABSENT_ROW),
    "test_gh_19423": _ABSENT_ROW,
}

GAPS_FOURIER = {
    **{f"TestNdimageFourier::test_fourier_{f}_{k}01": "here: test_fourier_cases"
       for f in ("gaussian", "uniform", "shift", "ellipsoid") for k in ("real", "complex")},
    "TestNdimageFourier::test_fourier_ellipsoid_unimplemented_ndim": "here: test_fourier_cases",
    "TestNdimageFourier::test_fourier_ellipsoid_1d_complex": "here: test_fourier_cases",
    "TestNdimageFourier::test_fourier_zero_length_dims": "here: test_fourier_cases",
}

GAPS = {**{"test_filters.py::" + k: v for k, v in GAPS_FILTERS.items()},
        **{"test_measurements.py::" + k: v for k, v in GAPS_MEASUREMENTS.items()},
        **{"test_fourier.py::" + k: v for k, v in GAPS_FOURIER.items()}}
UPSTREAM_COUNTS = {"test_filters.py": 169, "test_measurements.py": 124, "test_fourier.py": 11}


def test_gaps_table_is_complete():
    for f, n in UPSTREAM_COUNTS.items():
        assert sum(k.startswith(f + "::") for k in GAPS) == n, f
    here = globals()
    for row, ref in GAPS.items():
        kind, _, target = ref.partition(": ")
        assert kind in ("here", "covered", "differs", "n/a"), row
        if kind in ("here", "differs"):
            assert target in here and callable(here[target]), (row, target)
        elif kind == "covered":
            path, _, test = target.partition("::")
            with open(os.path.join(HERE, path)) as fh:
                assert f"def {test}(" in fh.read(), (row, target)


# ---- helpers --------------------------------------------------------------------------------

def host(a):
    if isinstance(a, (tuple, list)):
        return np.array([host(v) for v in a])
    a = a.numpy() if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def same(call, tol=1e-6, check_dtype=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = call(sndi)
        got = call(gndi)
    if isinstance(want, (tuple, list)):
        want = np.array(want, dtype=float)
        got = host(got).astype(float)
    want, got = np.asarray(want), host(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    if check_dtype:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)


def same_error(call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(sndi)
    except Exception as e:  # noqa: BLE001
        kind = type(e)
    else:
        raise AssertionError("SciPy did not raise")
    with pytest.raises(kind):
        call(gndi)


A23 = np.array([[1.0, 2, 3], [4, 5, 6]])
A35 = np.array([[3.0, 2, 5, 1, 4], [7, 6, 9, 3, 5], [5, 8, 3, 7, 1]])
R35 = np.array([[3.0, 2, 5, 1, 4], [5, 8, 3, 7, 1], [5, 6, 9, 3, 5]])
FP = np.array([[1, 0, 1], [1, 1, 0]])
ARR = np.arange(6 * 8 * 12, dtype=np.float64).reshape(6, 8, 12)


# ---- test_filters.py --------------------------------------------------------------------------

def _correlate_cases():
    c = []
    one = [([1.0, 2], [2]), ([1.0, 2, 3], [1]), ([1.0], [1, 1]), ([1.0, 2], [1, 1]),
           ([1.0, 2, 3], [1, 1]), ([1.0, 2, 3], [1, 2, 3]), ([1.0, 2, 3], [1, 2, 1]),
           ([1.0, 2, 3], [1, 2, -1]), ([], [1, 1])]
    for k, (a, w) in enumerate(one):
        for f in ("correlate", "convolve", "correlate1d", "convolve1d"):
            c.append((f"{k} {f}", lambda L, a=a, w=w, f=f: getattr(L, f)(
                np.array(a, float), np.array(w, float))))
    for k, w in enumerate(([[1, 1]], [[1, 1], [1, 1]], [[1, 0], [0, 1]], [[0.5, 0], [0, 0.5]])):
        arr = np.array([[]]) if k == 0 else A23
        for f in ("correlate", "convolve"):
            c.append((f"2d{k} {f}", lambda L, w=w, f=f, arr=arr: getattr(L, f)(
                arr, np.array(w, float))))
            for dt in FLOATS if k else ():
                c.append((f"2d{k} {f} {dt.__name__}", lambda L, w=w, f=f, dt=dt: getattr(L, f)(
                    A23.astype(dt), np.array(w, float), output=np.float32)))
                c.append((f"2d{k} {f} nearest -1 {dt.__name__}", lambda L, w=w, f=f, dt=dt:
                          getattr(L, f)(A23.astype(dt), np.array(w, float), output=np.float32,
                                        mode="nearest", origin=-1)))
                c.append((f"2d{k} {f} [-1, 0]", lambda L, w=w, f=f: getattr(L, f)(
                    A23, np.array(w, float), mode="nearest", origin=[-1, 0])))
    for f in ("correlate", "convolve", "correlate1d", "convolve1d"):
        c.append((f"17 {f}", lambda L, f=f: getattr(L, f)(np.array([1.0, 2, 3]),
                                                          np.array([1.0, 1]), origin=-1)))
    a = np.array([[1.0, 2, 3], [2, 4, 6]])
    for f in ("correlate1d", "convolve1d"):
        for mode in ("reflect", "wrap", "nearest"):
            for origin in (-1, 0, 1):
                for dt in FLOATS:
                    c.append((f"20-25 {f} {mode} {origin} {dt.__name__}",
                              lambda L, f=f, m=mode, o=origin, dt=dt: getattr(L, f)(
                                  a.astype(dt), np.array([1.0, 2, 1]), axis=0, mode=m,
                                  origin=o, output=np.float64)))
        c.append((f"26 {f}", lambda L, f=f: getattr(L, f)(np.ones(1), np.ones(5),
                                                          mode="mirror")))
    return c


@pytest.mark.parametrize("name,call", _correlate_cases(), ids=lambda v: v if isinstance(
    v, str) else "")
def test_correlate_cases(backend, name, call):
    same(call)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("kernel_dt", COMPLEX + FLOATS)
@pytest.mark.parametrize("input_dt", COMPLEX + FLOATS)
@pytest.mark.parametrize("mode,cval", [("reflect", 0.0), ("constant", 5.0),
                                       ("grid-constant", 5.0), ("constant", 5 - 3j)])
def test_complex_correlate(backend, kernel_dt, input_dt, mode, cval):
    if np.dtype(kernel_dt).kind != "c" and np.dtype(input_dt).kind != "c":
        pytest.skip("real by real: test_correlate_cases")
    if isinstance(cval, complex) and np.dtype(input_dt).kind != "c":
        pytest.skip("complex cval with a real input: test_filter_errors")
    k2 = np.array([[1, 0], [0, 1 + 1j]]).astype(kernel_dt)
    k1 = np.array([1, 1 + 1j]).astype(kernel_dt)
    a2 = np.array([[1, 2j, 3], [1 + 4j, 5, 6j]]).astype(input_dt)
    a1 = np.array([1, 2j, 3, 1 + 4j, 5, 6j]).astype(input_dt)
    for out in (None, np.complex64, np.complex128):
        for f, a, k in [("correlate", a2, k2), ("convolve", a2, k2), ("correlate1d", a1, k1),
                        ("convolve1d", a1, k1)]:
            same(lambda L, f=f, a=a, k=k, o=out: getattr(L, f)(a, k, output=o, mode=mode,
                                                               cval=cval), tol=1e-5)
    with pytest.warns(UserWarning, match="promoting specified output dtype to complex"):
        gndi.correlate(gnp.asarray(a2), gnp.asarray(k2), output=np.float64)
    # derivatives in the input, the weights and the (complex) cval
    a2c, k2c = a2.astype(np.complex128), k2.astype(np.complex128)
    check_grads(lambda x, w: gndi.correlate(x, w, mode="constant", cval=2 - 1j),
                (a2c, k2c), order=1)


def test_gaussian_cases(backend):
    a = A23.astype(np.float32)
    big = np.arange(100 * 100, dtype=np.float32).reshape(100, 100)
    same(lambda L: L.gaussian_filter(a, 0))
    same(lambda L: L.gaussian_filter(a, 1.0))
    same(lambda L: L.gaussian_filter(big, [1.0, 1.0]), tol=2e-3)
    same(lambda L: L.gaussian_filter(big, [1.0, 1.0], output=np.float64), tol=1e-3)
    same(lambda L: L.gaussian_filter(big, [1.0, 1.0], order=1, output=np.float64), tol=1e-3)
    same(lambda L: L.gaussian_filter(big, 1.0, output=np.float64), tol=1e-3)
    # truncate and radius
    x = np.zeros(51)
    x[25] = 1
    img = np.zeros((50, 50))
    img[25, 25] = 1
    same(lambda L: L.gaussian_filter(img, [0.5, 2.5], truncate=3.5))
    same(lambda L: L.gaussian_filter(img, [0.5, 2.5], radius=[2, 9]))
    same(lambda L: L.gaussian_filter(img, 5, truncate=2))
    same(lambda L: L.gaussian_filter1d(x, sigma=2, truncate=3.5))
    same(lambda L: L.gaussian_filter1d(x[:7], sigma=2, radius=3))
    same(lambda L: L.gaussian_laplace(x, sigma=2, truncate=3.5))
    same(lambda L: L.gaussian_gradient_magnitude(x, sigma=2, truncate=3.5))
    # orders 0 to 3 of a one-element input, and the kernel's derivatives (gaussian_kernel1d)
    for order in range(4):
        same(lambda L, o=order: L.gaussian_filter(np.zeros(1), 1, order=o))
        same(lambda L, o=order: L.gaussian_filter1d(np.zeros(1), 1, axis=-1, order=o))
        delta = np.zeros(21)
        delta[10] = 1.0
        same(lambda L, o=order, d=delta: L.gaussian_filter1d(d, 2.0, order=o, radius=10,
                                                             mode="constant"))
    # derivatives in the input and in an array of sigmas, with mode and radius lists
    check_grads(lambda v, s: gndi.gaussian_filter(v, s, order=[0, 1], radius=[2, 3],
                                                  mode=["nearest", "wrap"]),
                (R35, np.array([0.8, 1.3])), order=2)


def test_multiple_modes(backend):
    arr = np.array([[1.0, 0, 0], [1, 1, 0], [0, 0, 0]])
    for modes in ("reflect", ["reflect", "reflect"], ["reflect", "wrap"]):
        for call in (lambda L, m: L.gaussian_filter(arr, 1, mode=m),
                     lambda L, m: L.prewitt(arr, mode=m), lambda L, m: L.sobel(arr, mode=m),
                     lambda L, m: L.laplace(arr, mode=m),
                     lambda L, m: L.gaussian_laplace(arr, 1, mode=m),
                     lambda L, m: L.maximum_filter(arr, size=5, mode=m),
                     lambda L, m: L.minimum_filter(arr, size=5, mode=m),
                     lambda L, m: L.gaussian_gradient_magnitude(arr, 1, mode=m),
                     lambda L, m: L.uniform_filter(arr, 5, mode=m)):
            same(lambda L, c=call, m=modes: c(L, m))
    check_grads(lambda v: gndi.uniform_filter(v, 3, mode=["wrap", "constant"], cval=0.5),
                (R35,), order=1)


def _axes_cases():
    c = []
    funcs = [("gaussian_filter", (), 0, 1.0), ("uniform_filter", (), 1, 3),
             ("minimum_filter", (), 1, 3), ("maximum_filter", (), 1, 3),
             ("median_filter", (), 1, 3), ("rank_filter", (1,), 1, 3),
             ("percentile_filter", (40,), 1, 3)]
    axes_all = (list(itertools.combinations(range(-3, 3), 1))
                + list(itertools.combinations(range(-3, 3), 2)) + [(0, 1, 2)])
    for (f, extra, _, size), axes in itertools.product(funcs, axes_all[::3]):
        c.append((f"{f} {axes}", lambda L, f=f, e=extra, s=size, a=axes: getattr(L, f)(
            ARR, *e, s, axes=a)))
    kw_gauss = dict(radius=[4, 2, 3], order=[0, 1, 2], mode=["reflect", "nearest", "constant"])
    kw_other = dict(origin=(-1, 0, 1), mode=["reflect", "nearest", "constant"])
    for f, args, kw in [("gaussian_filter", (), kw_gauss), ("uniform_filter", (), kw_other),
                        ("maximum_filter", (), kw_other), ("minimum_filter", (), kw_other),
                        ("median_filter", (), dict(origin=(-1, 0, 1))),
                        ("rank_filter", (2,), dict(origin=(-1, 0, 1))),
                        ("percentile_filter", (30,), dict(origin=(-1, 0, 1)))]:
        for axes in [(0, 1), (2, 0), (1, 2), (-1, -3)]:
            red = {k: [v[a] for a in axes] for k, v in kw.items()}
            size = 1.0 if f == "gaussian_filter" else 3
            c.append((f"kwargs {f} {axes}", lambda L, f=f, a=args, s=size, ax=axes, r=red:
                      getattr(L, f)(ARR, *a, [s, s], axes=ax, **r)))
    w = np.arange(15.0).reshape(3, 5)
    for f in ("correlate", "convolve"):
        for axes in [(0, 1), (1, 2), (0, 2), (2, 0), (-1, -2)]:
            for origin in [(0, 0), (-1, 1)]:
                c.append((f"{f} {axes} {origin}", lambda L, f=f, a=axes, o=origin:
                          getattr(L, f)(ARR, w, axes=a, origin=o)))
    fp = np.ones((3, 5), bool)
    fp[0, 1] = False
    for f, kw in [("convolve", {"weights": fp}), ("correlate", {"weights": fp}),
                  ("minimum_filter", {"footprint": fp}), ("maximum_filter", {"footprint": fp}),
                  ("median_filter", {"footprint": fp}),
                  ("rank_filter", {"rank": 1, "footprint": fp}),
                  ("percentile_filter", {"percentile": 30, "footprint": fp})]:
        c.append((f"subset origins {f}", lambda L, f=f, kw=kw: getattr(L, f)(
            ARR, origin=(0, 1), axes=(-2, -1), **kw)))
    tri = np.tri(5)
    arr32 = ARR.astype(np.float32)
    for f, kw in [("minimum_filter", {}), ("maximum_filter", {}), ("median_filter", {}),
                  ("rank_filter", dict(rank=3)), ("percentile_filter", dict(percentile=60))]:
        for axes in [(0, 1), (0, 2), (2, 0), (2, 1), (-1, 0)]:
            c.append((f"nonseparable {f} {axes}", lambda L, f=f, kw=kw, a=axes: getattr(L, f)(
                arr32, footprint=tri, axes=a, **kw)))
    return c


@pytest.mark.parametrize("name,call", _axes_cases(), ids=lambda v: v if isinstance(
    v, str) else "")
def test_axes_cases(backend, name, call):
    same(call)


def _uniform_minmax_rank_cases():
    c = []
    add = lambda name, f: c.append((name, f))  # noqa: E731
    add("uniform01", lambda L: L.uniform_filter1d(np.array([2.0, 4, 6]), 2, origin=-1))
    add("uniform01 complex", lambda L: L.uniform_filter1d(
        np.array([2 + 1j, 4 + 2j, 6 + 3j]), 2, origin=-1))
    for k, size in enumerate(([0], [1], [2])):
        add(f"uniform0{k + 2}", lambda L, s=size: L.uniform_filter(np.array([2.0, 4, 6]), s))
    add("uniform05", lambda L: L.uniform_filter(np.array([]), [1]))
    for dt in FLOATS + COMPLEX:
        src = np.array([[4, 8 + 5j, 12], [16, 20, 24]])
        src = src if np.dtype(dt).kind == "c" else src.real
        for out in (FLOATS if np.dtype(dt).kind == "f" else COMPLEX):
            add(f"uniform06 {dt.__name__} {out.__name__}", lambda L, d=dt, o=out, s=src:
                L.uniform_filter(s.astype(d), [2, 2], output=o))
    for f in ("minimum_filter", "maximum_filter"):
        for k, (a, size) in enumerate([([1.0, 2, 3, 4, 5], [2]), ([1.0, 2, 3, 4, 5], [3]),
                                       ([3.0, 2, 5, 1, 4], [2]), ([3.0, 2, 5, 1, 4], [3])]):
            add(f"{f}0{k + 1}", lambda L, f=f, a=a, s=size: getattr(L, f)(np.array(a), s))
        add(f"{f}05", lambda L, f=f: getattr(L, f)(A35, [2, 3]))
        add(f"{f}06", lambda L, f=f: getattr(L, f)(A35, footprint=[[1, 1, 1], [1, 1, 1]],
                                                   mode=["reflect", "reflect"]))
        add(f"{f}07", lambda L, f=f: getattr(L, f)(A35, footprint=FP))
        add(f"{f}08", lambda L, f=f: getattr(L, f)(A35, footprint=FP, origin=-1))
        add(f"{f}09", lambda L, f=f: getattr(L, f)(A35, footprint=FP, origin=[-1, 0]))
    r1 = np.array([1.0, 2, 3, 4, 5])
    r2 = np.array([3.0, 2, 5, 1, 4])
    add("rank01", lambda L: L.rank_filter(r1, 1, size=2))
    add("rank01 p", lambda L: L.percentile_filter(r1, 100, size=2))
    add("rank01 m", lambda L: L.median_filter(r1, 2))
    add("rank02", lambda L: L.rank_filter(r1, 1, size=[3]))
    add("rank03", lambda L: L.rank_filter(r2, 1, size=[2]))
    add("rank04", lambda L: L.percentile_filter(r2, 50, size=3))
    add("rank05", lambda L: L.rank_filter(r2, -2, size=3))
    add("rank06", lambda L: L.rank_filter(R35, 1, size=[2, 3]))
    add("rank06 p", lambda L: L.percentile_filter(R35, 17, size=(2, 3)))
    add("rank07", lambda L: L.rank_filter(R35, -2, size=[2, 3]))
    add("rank08", lambda L: L.percentile_filter(R35, 50.0, size=(2, 3)))
    add("rank08 m", lambda L: L.median_filter(R35, size=(2, 3)))
    fp2 = [[1, 0, 1], [0, 1, 0]]
    for dt in FLOATS:
        r = R35.astype(dt)
        add(f"rank09 {dt.__name__}", lambda L, r=r: L.rank_filter(r, 1, footprint=fp2))
        add(f"rank09 p {dt.__name__}", lambda L, r=r: L.percentile_filter(r, 35, footprint=fp2))
        add(f"rank12 m {dt.__name__}", lambda L, r=r: L.median_filter(r, footprint=fp2))
        add(f"rank13 {dt.__name__}", lambda L, r=r: L.rank_filter(r, 1, footprint=fp2,
                                                                  origin=-1))
        add(f"rank14 {dt.__name__}", lambda L, r=r: L.rank_filter(r, 1, footprint=fp2,
                                                                  origin=[-1, 0]))
        add(f"rank15 {dt.__name__}", lambda L, r=r: L.rank_filter(r, 0, footprint=fp2,
                                                                  origin=[-1, 0]))
        add(f"rank18 {dt.__name__}", lambda L, d=dt: L.rank_filter(r2.astype(d), -2, size=3))
        add(f"rank19 {dt.__name__}", lambda L, d=dt: L.rank_filter(
            np.stack([r2, r2]).astype(d), -2, size=3))
    add("rank10", lambda L: L.rank_filter(A35, 0, footprint=FP))
    add("rank10 p", lambda L: L.percentile_filter(A35, 0.0, footprint=FP))
    add("rank11", lambda L: L.rank_filter(A35, -1, footprint=FP))
    add("rank11 p", lambda L: L.percentile_filter(A35, 100.0, footprint=FP))
    add("rank16 list", lambda L: L.rank_filter([3.0, 2, 5, 1, 4], -2, size=3))
    ro = r2.copy()
    ro.flags.writeable = False
    add("rank17 read-only", lambda L: L.rank_filter(ro, -2, size=3))
    x10 = np.arange(10.0)
    for f in ("minimum_filter1d", "maximum_filter1d"):
        add(f"{f} 1", lambda L, f=f: getattr(L, f)(x10, 1))
        for mode, cval in [("reflect", 0), ("constant", -1), ("constant", 10), ("nearest", 0),
                           ("wrap", 0)]:
            add(f"{f} {mode}", lambda L, f=f, m=mode, cv=cval: getattr(L, f)(
                x10, 5, mode=m, cval=cv))
    step = np.repeat([0.0, 1, 0], [9, 9, 9])
    for n in range(3, 10):
        add(f"roundoff {n}", lambda L, n=n: L.uniform_filter1d(step, n))
    noisy = 0.4 * np.random.default_rng(42).random(20)
    for n in (20, 10, 1, 3, 15):
        add(f"gh22250 {n}", lambda L, n=n: L.median_filter(noisy, size=n, mode="wrap"))
    add("gh22333", lambda L: L.median_filter(
        np.array([272.0, 58, 67, 163, 463, 608, 87, 108, 1378]), size=9, mode="constant"))
    return c


@pytest.mark.parametrize("name,call", _uniform_minmax_rank_cases(), ids=lambda v: v if
                         isinstance(v, str) else "")
def test_uniform_minmax_rank_cases(backend, name, call):
    same(call)


@pytest.mark.parametrize("mode", ["nearest", "wrap", "reflect", "mirror", "constant"])
def test_extend_cases(backend, mode):
    a1 = np.array([1.0, 2, 3])
    a2 = np.arange(1.0, 10).reshape(3, 3)
    for w in ([1, 0], [1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 1]):
        same(lambda L, w=w: L.correlate1d(a1, np.array(w, float), 0, mode=mode, cval=0))
        same(lambda L, w=w: L.correlate(a1, np.array(w, float), mode=mode, cval=0))
        same(lambda L, w=w: L.correlate(a1[:, None], np.array(w, float)[:, None], mode=mode))
    for w in ([[1, 0], [0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 1]]):
        same(lambda L, w=w: L.correlate(a2, np.array(w, float), mode=mode, cval=0))
    check_grads(lambda v, c: gndi.correlate(v, np.array([[0.0, 1, 2], [1, 0, -1]]), mode=mode,
                                            cval=c), (A35, np.array(0.3)), order=1)


def test_filter_errors(backend):
    x = np.ones((3, 3))
    same_error(lambda L: L.correlate(x, np.ones((2, 2)), mode=["nearest", "reflect"]))
    same_error(lambda L: L.convolve(x, np.ones((2, 2)), mode=["nearest", "reflect"]))
    for f in ("convolve", "correlate", "convolve1d", "correlate1d"):
        k = np.array([1, 1 + 1j]) if f.endswith("1d") else np.array([[1, 0], [0, 1 + 1j]])
        same_error(lambda L, f=f, k=k: getattr(L, f)(A23, k, mode="constant", cval=5 + 1j,
                                                     output=np.complex64))
    for f, args in [("convolve", (np.ones((3, 3, 3)),)), ("correlate", (np.ones((3, 3, 3)),)),
                    ("gaussian_filter", (1.0,)), ("uniform_filter", (3,)),
                    ("minimum_filter", (3,)), ("maximum_filter", (3,)),
                    ("median_filter", (3,)), ("rank_filter", (2, 3)),
                    ("percentile_filter", (30, 3))]:
        for axes in [(1.5,), (0, 1, 2, 3), (3,), (-4,)]:
            same_error(lambda L, f=f, a=args, ax=axes: getattr(L, f)(ARR, *a, axes=ax))
    for f, key in [("convolve", "weights"), ("correlate", "weights"),
                   ("minimum_filter", "footprint"), ("maximum_filter", "footprint"),
                   ("median_filter", "footprint"), ("rank_filter", "footprint"),
                   ("percentile_filter", "footprint")]:
        extra = {"rank": 3} if f == "rank_filter" else (
            {"percentile": 30} if f == "percentile_filter" else {})
        for axes in [(0,), (1, 2), (0, 1, 2)]:
            for sep in (False, True):
                fp = np.ones((3,) * (len(axes) + 1))
                if not sep:
                    fp[(0,) * fp.ndim] = 0
                same_error(lambda L, f=f, k=key, a=axes, fp=fp, e=extra: getattr(L, f)(
                    ARR, axes=a, **{k: fp}, **e))
    for n in (1, 3):
        for key, val in dict(radius=3, mode="constant", sigma=1.0, order=0).items():
            kw = dict(radius=3, mode="constant", sigma=1.0, order=0, axes=(0, 1))
            kw[key] = (val,) * n
            same_error(lambda L, kw=kw: L.gaussian_filter(ARR, **kw))
        for f in ("uniform_filter", "minimum_filter", "maximum_filter"):
            for key, val in dict(size=3, mode="constant", origin=0).items():
                kw = dict(size=3, mode="constant", origin=0, axes=(0, 1))
                kw[key] = (val,) * n
                same_error(lambda L, f=f, kw=kw: getattr(L, f)(ARR, **kw))
        for f in ("correlate", "convolve"):
            same_error(lambda L, f=f, n=n: getattr(L, f)(ARR, np.ones((5, 5)), origin=(0,) * n,
                                                         axes=(0, 1)))
    data = np.arange(1.0, 6)
    same_error(lambda L: L.percentile_filter(data, 0.2, size=3, origin=2))
    for f in ("uniform_filter", "minimum_filter", "maximum_filter", "maximum_filter1d",
              "median_filter", "minimum_filter1d"):
        same(lambda L, f=f: getattr(L, f)(data, 3, origin=-1))
        same(lambda L, f=f: getattr(L, f)(data, 3, origin=1))
        same_error(lambda L, f=f: getattr(L, f)(data, 3, origin=2))
    r6 = np.arange(6.0)
    same_error(lambda L: L.correlate1d(r6, np.array([1.0, 1, 2, 0]), origin=2))
    same_error(lambda L: L.correlate(r6, np.array([0.0, 1, 2]), origin=[2]))
    same_error(lambda L: L.correlate(np.ones((3, 5)), np.ones((2, 2)), origin=[0, 1]))
    same_error(lambda L: L.convolve1d(np.arange(10.0), np.ones(3), origin=-2))
    same_error(lambda L: L.convolve(np.arange(10.0), np.ones(3), origin=[-2]))
    same_error(lambda L: L.convolve(np.ones((3, 5)), np.ones((2, 2)), origin=[0, -2]))
    same_error(lambda L: L.gaussian_filter1d(np.zeros(8), sigma=1, radius=-1))
    same_error(lambda L: L.gaussian_filter1d(np.zeros(8), sigma=1, radius=1.1))
    same_error(lambda L: L.gaussian_filter(np.zeros(1), 1, -1))
    same_error(lambda L: L.gaussian_filter1d(np.zeros(1), 1, -1, -1))
    same_error(lambda L: L.maximum_filter(np.ones((5, 5)), footprint=np.zeros((3, 3), bool)))
    same_error(lambda L: L.rank_filter(np.ones((4, 5, 6)), 0.5,
                                       footprint=np.ones((1, 1, 3), bool)))
    same_error(lambda L: L.minimum_filter(A35, footprint=FP, mode=["reflect", "constant"]))
    same_error(lambda L: L.maximum_filter(A35, footprint=FP, mode=["reflect", "reflect"]))
    for f, a in [("percentile_filter", (50.0,)), ("rank_filter", (3,)), ("median_filter", ())]:
        same_error(lambda L, f=f, a=a: getattr(L, f)(R35, *a, size=(2, 3), mode=["reflect"] * 2))
    with pytest.warns(UserWarning, match="ignoring size because footprint is set"):
        gndi.rank_filter(gnp.asarray(np.ones((4, 5, 6))), 1, size=2,
                         footprint=np.ones((1, 1, 3), bool))


def test_output_arrays_refused(backend):
    # SciPy writes into a given output array (even the input itself); gpuad arrays are values:
    # output= may name a dtype, an array raises saying to use the returned one
    x = gnp.asarray(A23)
    for call in (lambda: gndi.correlate1d(x, [2.0], output=x),
                 lambda: gndi.gaussian_filter(x, 1.0, output=gnp.zeros((2, 3))),
                 lambda: gndi.minimum_filter(x, 2, output=np.zeros((2, 3))),
                 lambda: gndi.rank_filter(x, 1, size=2, output=np.zeros((2, 3)))):
        with pytest.raises(NotImplementedError, match="output="):
            call()


def test_host_functions_refused(backend):
    # generic_filter(1d) and vectorized_filter call a Python function per window: absent, with
    # an error naming what to do
    for name in ("generic_filter", "generic_filter1d", "vectorized_filter"):
        with pytest.raises(AttributeError, match="not differentiable"):
            getattr(gndi, name)


def test_float16_is_filtered(backend):
    # SciPy's C filters have no float16 (RuntimeError); gpuad filters it in float16
    x = gnp.asarray(np.array([1.0, 2.0, 4.0], np.float16))
    with pytest.raises(RuntimeError):
        sndi.gaussian_filter(np.array([1.0], np.float16), 1.0)
    y = gndi.gaussian_filter(x, 1.0)
    assert y.dtype == np.float16
    np.testing.assert_allclose(host(y), sndi.gaussian_filter(np.array([1.0, 2, 4]), 1.0),
                               rtol=2e-3)


# ---- test_measurements.py -------------------------------------------------------------------

def _measurement_cases():
    c = []
    add = lambda name, f: c.append((name, f))  # noqa: E731
    m22 = np.array([[1.0, 2], [3, 4]])
    b10 = np.array([1, 0], bool)
    for dt in FLOATS:
        add(f"sum01 {dt.__name__}", lambda L, d=dt: L.sum(np.array([], d)))
        add(f"sum02 {dt.__name__}", lambda L, d=dt: L.sum(np.zeros([0, 4], d)))
        add(f"sum03 {dt.__name__}", lambda L, d=dt: L.sum(np.ones([], d)))
        add(f"sum04 {dt.__name__}", lambda L, d=dt: L.sum(np.array([1, 2], d)))
        add(f"sum05 {dt.__name__}", lambda L, d=dt: L.sum(m22.astype(d)))
        add(f"sum06 {dt.__name__}", lambda L, d=dt: L.sum(np.array([], d),
                                                          labels=np.array([], bool)))
        add(f"sum07 {dt.__name__}", lambda L, d=dt: L.sum(np.zeros([0, 4], d),
                                                          labels=np.ones([0, 4], bool)))
        add(f"sum08 {dt.__name__}", lambda L, d=dt: L.sum(np.array([1, 2], d), labels=b10))
        add(f"sum09 {dt.__name__}", lambda L, d=dt: L.sum(m22.astype(d), labels=b10))
        add(f"sum11 {dt.__name__}", lambda L, d=dt: L.sum(m22.astype(d), labels=np.array(
            [1, 2], np.int8), index=2))
        add(f"sum12 {dt.__name__}", lambda L, d=dt: L.sum_labels(m22.astype(d), labels=np.array(
            [[1, 2], [2, 4]], np.int8), index=[4, 8, 2]))
        add(f"mean01 {dt.__name__}", lambda L, d=dt: L.mean(m22.astype(d), labels=b10))
        add(f"mean03 {dt.__name__}", lambda L, d=dt: L.mean(m22.astype(d), labels=[1, 2],
                                                            index=2))
        add(f"mean04 {dt.__name__}", lambda L, d=dt: L.mean(m22.astype(d), labels=np.array(
            [[1, 2], [2, 4]], np.int8), index=[4, 8, 2]))
        for f in ("minimum", "maximum"):
            add(f"{f}01 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(m22.astype(d),
                                                                           labels=b10))
            add(f"{f}03 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(
                m22.astype(d), labels=[1, 2], index=2))
            add(f"{f}04 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(
                m22.astype(d), labels=[[1, 2], [2, 3]], index=[2, 3, 8]))
        for f in ("variance", "standard_deviation"):
            add(f"{f}01 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(np.array([], d)))
            add(f"{f}02 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(np.array([1], d)))
            add(f"{f}03 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(np.array([1, 3], d)))
            add(f"{f}05 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(
                np.array([1, 3, 8], d), [2, 2, 3], 2))
            add(f"{f}06 {dt.__name__}", lambda L, f=f, d=dt: getattr(L, f)(
                np.array([1, 3, 8, 10, 8], d), [2, 2, 3, 3, 4], [2, 3, 4]))
        add(f"standard_deviation07 {dt.__name__}", lambda L, d=dt: L.standard_deviation(
            np.array([-0.00619519], d), [1], [1]))
        for k, (a, lab, idx) in enumerate([([[1, 0], [0, 0]], None, None),
                                           ([[0, 0], [1, 0]], None, None),
                                           ([[0, 1], [0, 0]], None, None),
                                           ([[0, 0], [0, 1]], None, None),
                                           ([[1, 1], [1, 1]], None, None),
                                           ([[1, 2], [3, 1]], None, None),
                                           ([[1, 2], [3, 1]], [1, 0], None),
                                           ([[5, 2], [3, 1]], [1, 2], 2),
                                           ([[1, 2], [1, 1]], [1, 2], [1, 2])]):
            add(f"center_of_mass0{k + 1} {dt.__name__}", lambda L, a=a, lab=lab, i=idx, d=dt:
                L.center_of_mass(np.array(a, d), lab, i))
    add("sum10 bool", lambda L: L.sum(np.array([[1, 2], [3, 4]], bool).astype(float),
                                      labels=b10))
    add("maximum05", lambda L: L.maximum(np.array([-3.0, -2, -1])))
    a = np.array([[1.0, 2, 0, 1], [5, 3, 0, 4], [0, 0, 0, 7], [9, 3, 0, 0]])
    lab = np.array([[1, 1, 0, 2], [1, 1, 0, 2], [0, 0, 0, 2], [3, 3, 0, 0]])
    add("median01", lambda L: L.median(a, labels=lab, index=[1, 2, 3]))
    add("median02", lambda L: L.median(a))
    add("median03", lambda L: L.median(a, labels=lab))
    add("median gh12836", lambda L: L.median(np.array([1.0, 1]), labels=np.ones((2,)),
                                             index=[1]))
    add("median no overflow", lambda L: L.median(np.array([65.0, 70]), labels=np.ones((2,)),
                                                 index=[1]))
    s2 = np.array([[5.0, 6, 0, 0, 0], [8, 9, 0, 0, 0], [0, 0, 0, 3, 5]])
    l2 = np.array([[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [0, 0, 0, 2, 2]])
    for f in ("mean", "variance", "standard_deviation", "median", "minimum", "maximum"):
        add(f"stat_funcs_2d {f}", lambda L, f=f: getattr(L, f)(s2, labels=l2, index=[1, 2]))
    # float labels and indices, repeated indices, labels broadcast against the input
    fl = np.array([1.0, 2.5, 0.0, 4.5])
    x34 = np.array([[5.0, 4, 2, 5], [3, 7, 8, 2], [1, 5, 1, 1]])
    for f in ("sum_labels", "mean", "variance", "minimum", "maximum", "median"):
        add(f"float labels {f}", lambda L, f=f: getattr(L, f)(x34, fl, [1.0, 4.5, 1.0]))
    return c


@pytest.mark.parametrize("name,call", _measurement_cases(), ids=lambda v: v if isinstance(
    v, str) else "")
def test_measurement_cases(backend, name, call):
    # SciPy's dtype rules differ by path (bincount gives float64 for an array of indices, a
    # single group keeps the input's); gpuad keeps the input's floating dtype throughout
    same(call, tol=1e-5, check_dtype=False)


def test_measurement_gradients(backend):
    rng = np.random.default_rng(3)
    x = rng.random((4, 5))
    lab = rng.integers(0, 4, (4, 5))
    for f in ("sum_labels", "mean", "variance", "standard_deviation", "minimum", "maximum",
              "median"):
        check_grads(lambda v, f=f: getattr(gndi, f)(v, lab, [1, 3, 2]), (x,), order=2)
        check_grads(lambda v, f=f: getattr(gndi, f)(v, lab), (x,), order=1)
        check_grads(lambda v, f=f: getattr(gndi, f)(v), (x,), order=1)
    check_grads(lambda v: gnp.stack([gnp.stack(c) for c in gndi.center_of_mass(
        v, lab, [1, 2])]), (x,), order=2)
    # ties share a minimum's derivative evenly (as gpuad.ops.segment_min)
    t = ad.tensor(np.array([1.0, 1.0, 3.0]), requires_grad=True)
    gndi.minimum(t, np.array([1, 1, 1]), [1]).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [0.5, 0.5, 0.0])


def test_integer_measurements_refused(backend):
    # labels, slices, positions, histograms, watersheds: integer outputs with no derivative;
    # each absent name says to call SciPy on host arrays
    for name in ("label", "find_objects", "value_indices", "watershed_ift", "histogram",
                 "minimum_position", "maximum_position", "extrema", "labeled_comprehension"):
        with pytest.raises(AttributeError, match="not differentiable"):
            getattr(gndi, name)


# ---- test_fourier.py ---------------------------------------------------------------------------

@pytest.mark.parametrize("func", ["fourier_gaussian", "fourier_uniform", "fourier_shift",
                                  "fourier_ellipsoid"])
def test_fourier_cases(backend, func):
    param = [5.0, 2.5] if func != "fourier_shift" else [1, 1]
    for shape in [(32, 16), (31, 15), (1, 10)]:
        for dt in FLOATS + COMPLEX:
            a = np.zeros(shape, dt)
            a[0, 0] = 1.0
            if np.dtype(dt).kind == "f":
                spec = np.fft.fft(np.fft.rfft(a, n=shape[0], axis=0), n=shape[1], axis=1)
                spec = spec.astype(np.complex64 if dt == np.float32 else np.complex128)
                same(lambda L, s=spec: getattr(L, func)(s, param, shape[0], 0), tol=1e-5)
            same(lambda L, a=a: getattr(L, func)(np.fft.fft2(a).astype(
                np.result_type(a.dtype, np.complex64)), param, -1, 0), tol=1e-5)
            same(lambda L, a=a: getattr(L, func)(a + 1, param), tol=1e-5)
    for shape in [(0,), (0, 10), (10, 0)]:
        for dt in FLOATS + COMPLEX:
            if func != "fourier_shift":
                same(lambda L, s=shape, d=dt: getattr(L, func)(np.ones(s, d), 3))
    if func == "fourier_ellipsoid":
        same_error(lambda L: L.fourier_ellipsoid(np.ones((4, 6, 8, 10), np.complex128), 3))
        for shape in [(32,), (31,)]:
            x = np.ones(shape, np.complex128)
            np.testing.assert_allclose(host(gndi.fourier_ellipsoid(x, 5, -1, 0)),
                                       host(gndi.fourier_uniform(x, 5, -1, 0)))
        same(lambda L: L.fourier_ellipsoid(np.fft.fftn(np.random.default_rng(0).random(
            (4, 5, 6))), [2.0, 3.0, 1.5]), tol=1e-9)
    # a round trip: the filtered delta still sums to 1 (the shifted ramp moves by one)
    rng = np.random.default_rng(0)
    c = np.fft.fft2(rng.random((6, 5)))
    p = np.array(param, float) * 0.3 + 0.2
    check_grads(lambda v: getattr(gndi, func)(v, p), (c,), order=1)
    check_grads(lambda q: getattr(gndi, func)(c, q), (p,), order=2)
    r = np.fft.rfft(rng.random((6, 5)), axis=0)
    check_grads(lambda q: getattr(gndi, func)(r, q, 6, 0), (p,), order=1)


_X345 = np.random.default_rng(7).standard_normal((3, 4, 5))
_TRI = np.tri(3)


@pytest.mark.parametrize("name,f", [
    ("correlate axes", lambda v, w: gndi.correlate(v, w, axes=(2, 0), origin=(-1, 0),
                                                   mode="wrap")),
    ("convolve axes", lambda v, w: gndi.convolve(v, w, axes=(0, 2), origin=(0, 1),
                                                 mode="constant", cval=0.3)),
    ("uniform axes", lambda v, w: gndi.uniform_filter(v * w[0, 0], (2, 3), axes=(2, 1),
                                                      origin=(0, 1),
                                                      mode=["nearest", "mirror"])),
    ("gaussian axes", lambda v, w: gndi.gaussian_filter(v, w[0, 1:], order=(1, 0), axes=(2, 0),
                                                        radius=(2, 1),
                                                        mode=["reflect", "constant"])),
    ("minimum footprint axes", lambda v, w: gndi.minimum_filter(v * w[0, 0], footprint=_TRI,
                                                                axes=(2, 0), origin=(1, 0))),
    ("maximum size axes", lambda v, w: gndi.maximum_filter(v * w[0, 0], (2, 3), axes=(1, 2),
                                                           mode=["wrap", "nearest"])),
    ("rank footprint axes", lambda v, w: gndi.rank_filter(v * w[0, 0], 3, footprint=_TRI,
                                                          axes=(2, 0), origin=(0, -1))),
    ("median size axes", lambda v, w: gndi.median_filter(v * w[0, 0], (3, 2), axes=(2, 1),
                                                         mode="mirror")),
    ("percentile footprint", lambda v, w: gndi.percentile_filter(
        v * w[0, 0], 40, footprint=np.ones((2, 2, 2)), origin=(0, -1, 0))),
    ("float32 output", lambda v, w: gndi.correlate(v.astype(np.float32), w, axes=(0, 1),
                                                   output=np.float64)),
])
def test_filter_derivatives_with_axes(backend, name, f):
    # the input, the weights (or a scale standing for them) and sigma, against float64
    # central differences (float32 paths with loose tolerances)
    w = np.array([[1.2, 0.7, 1.4], [0.3, -0.5, 0.9]])
    tol = dict(atol=2e-2, rtol=2e-2) if "float32" in name else {}
    check_grads(f, (_X345, w), order=1, **tol)


def test_integer_filter_inputs_refused(backend):
    # SciPy rounds a filter of an integer input into the integer type, which has no
    # derivative: gpuad raises and says to cast (its values on float inputs are SciPy's)
    x = gnp.asarray(np.arange(12).reshape(3, 4))
    for call in (lambda: gndi.correlate(x, np.ones((2, 2))),
                 lambda: gndi.uniform_filter(x, 2), lambda: gndi.gaussian_filter(x, 1.0),
                 lambda: gndi.minimum_filter(x, 2), lambda: gndi.sobel(x)):
        with pytest.raises(TypeError, match="astype"):
            call()
    same(lambda L: L.correlate(np.arange(12).reshape(3, 4).astype(float), np.ones((2, 2))))


def test_nan_in_a_window(backend):
    # SciPy's order-statistic filters compare with < and >, so a NaN's effect depends on its
    # place in the window ([1, nan, 3] has minimum 1 from the left, NaN from the centre);
    # gpuad's minimum and maximum filters give NaN wherever a window holds one (gnp.min/max)
    # and the rank filters sort NaN last (gnp.sort)
    x = np.array([1.0, np.nan, 3.0, 0.5, 2.0])
    np.testing.assert_array_equal(host(gndi.minimum_filter(gnp.asarray(x), 3)),
                                  [np.nan, np.nan, np.nan, 0.5, 0.5])
    np.testing.assert_array_equal(host(gndi.maximum_filter(gnp.asarray(x), 3)),
                                  [np.nan, np.nan, np.nan, 3.0, 2.0])
    np.testing.assert_array_equal(host(gndi.median_filter(gnp.asarray(x), 3)),
                                  [1.0, 3.0, 3.0, 2.0, 2.0])
    assert not np.isnan(sndi.minimum_filter(x, 3)[0])
