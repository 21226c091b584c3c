"""Array functions that once gave wrong values, dtypes or errors, found by CuPy's test suite
ported to gpuad.numpy (tests/conformance/test_cupy_suite_arrays.py and
test_cupy_suite_numeric.py). Each is compared with NumPy; gradients of the functions that
changed are checked against float64 central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conformance._cupy_suite import _compare
from tests.conformance._cupy_suite import _host as host

R = np.random.default_rng(5)
X = R.standard_normal((3, 4))
NANS = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan, np.nan, 6.0, 2.0]])
ZN = NANS + 1j * np.array([[2.0, 0.0, -1.0, 3.0], [0.0, 0.0, 4.0, -2.0]])
MASK = np.array([[True, False, True, True]])


def same(got, want, rtol=1e-6):
    problems = _compare(want, got, rtol, 0.0)
    assert not problems, problems


def on(a, tensor):
    a = ad.get_backend().asarray(a)
    return ad.Tensor(a, requires_grad=a.dtype.kind in "fc") if tensor else a


@pytest.mark.parametrize("tensor", [False, True])
def test_median_of_small_integers_and_bools(backend, tensor):
    # the two middle values were added in the data's type: median(int8 [100, 120]) gave -18.0,
    # median(uint8 [250, 252]) 123.0, and a bool median 0.5 where NumPy gives 1.0
    for a in (np.int8([100, 120]), np.uint8([250, 252]), np.array([True]),
              np.array([[True, True, False], [True, False, False]])):
        same(gnp.median(on(a, tensor)), np.median(a))
        same(gnp.nanmedian(on(a, tensor), axis=-1), np.nanmedian(a, axis=-1))
    check_grads(lambda x: gnp.median(x, axis=1), (X,), order=1)


def test_median_of_empty_slices_is_nan(backend):
    # an empty slice raised IndexError from the gather; NumPy gives NaN (and warns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for a, kw in ((np.zeros((0,), np.float32), {}), (np.zeros((0, 3)), {"axis": 0}),
                      (np.zeros((2, 0), np.int16), {"axis": 1, "keepdims": True})):
            same(gnp.median(on(a, False), **kw), np.median(a, **kw))


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.complex64])
def test_nan_reductions_keep_float32(backend, dt):
    # nanmean/nanvar/nanstd divided by an int64 count: float16 and float32 data gave float64
    # (complex64: complex128); nanvar of complex data squared the deviations (d * d, a complex
    # result) instead of |d|**2
    a = (ZN if np.dtype(dt).kind == "c" else NANS).astype(dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for f, kw in (("nanmean", {"axis": 1}), ("nanvar", {"axis": 1}),
                      ("nanstd", {"axis": 0, "ddof": 1}), ("nanvar", {})):
            rtol = 2e-3 if dt is np.float16 else 1e-5
            same(getattr(gnp, f)(on(a, True), **kw), getattr(np, f)(a, **kw), rtol)


def test_nanvar_of_complex_values(backend):
    same(gnp.nanvar(ZN, axis=1), np.nanvar(ZN, axis=1), 1e-12)
    same(gnp.nanvar(ZN, axis=0, ddof=0), np.nanvar(ZN, axis=0), 1e-12)
    z = np.where(np.isnan(ZN), 0.5, ZN)
    check_grads(lambda v: gnp.nanvar(gnp.where(np.isnan(ZN), gnp.nan, v), axis=1), (z,),
                order=1)
    check_grads(lambda v: gnp.nanmean(gnp.where(np.isnan(NANS), gnp.nan, v), axis=1),
                (X[:2],), order=1)


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.complex64])
def test_mean_var_std_with_where_keep_the_dtype(backend, dt):
    # with where= the count was an int64 array: float32 data gave float64 results
    a = (X + (1j * X[::-1] if np.dtype(dt).kind == "c" else 0)).astype(dt)
    rtol = 2e-3 if dt is np.float16 else 1e-5
    for f in ("mean", "var", "std"):
        same(getattr(gnp, f)(on(a, True), axis=1, where=MASK),
             getattr(np, f)(a, axis=1, where=MASK), rtol)
    same(gnp.var(on(a, True), axis=0, mean=a.mean(0, keepdims=True)),
         np.var(a, axis=0, mean=a.mean(0, keepdims=True)), rtol)
    check_grads(lambda x: gnp.var(x, axis=1, where=MASK), (X,), order=1)
    check_grads(lambda x: gnp.mean(x, axis=1, where=MASK), (X,), order=1)


def test_mean_with_an_integer_dtype_is_cast_back(backend):
    # NumPy computes mean(dtype=int64) in int64 and returns int64; gpuad returned float64
    a = np.int8([[1, 2, 4], [3, 3, 8]])
    for kw in ({"dtype": np.int64}, {"dtype": np.int32, "axis": 1},
               {"dtype": np.int16, "axis": 1, "where": np.array([True, False, True])}):
        same(gnp.mean(on(a, False), **kw), np.mean(a, **kw))


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.complex64, np.int8])
def test_cov_and_corrcoef_compute_in_float64(backend, dt):
    # NumPy's cov and corrcoef work in result_type(data, float64): float32 data gave float32
    # results (and less accurate ones), float16 float16
    a = (X * 3 + (1j * X[::-1] if np.dtype(dt).kind == "c" else 0)).astype(dt)
    w = np.array([1.0, 2.0, 0.5, 1.5])
    for f, kw in (("cov", {}), ("cov", {"aweights": w}), ("cov", {"rowvar": False}),
                  ("corrcoef", {})):
        same(getattr(gnp, f)(on(a, True), **kw), getattr(np, f)(a, **kw), 1e-12)
    same(gnp.cov(a, dtype=np.float32), np.cov(a, dtype=np.float32), 1e-5)
    check_grads(lambda x: gnp.cov(x, aweights=w), (X,), order=1)
    if np.dtype(dt).kind in "fc":  # torch's Tensor.cov and corrcoef keep the float type
        assert host(on(a, True).cov()).dtype == dt
        assert host(on(a, True).corrcoef()).dtype == dt
    # float32 data are differentiated through the cast to float64
    g32 = ad.grad(lambda x: gnp.sum(gnp.cov(x, aweights=w) ** 2))(X.astype(np.float32))
    g64 = ad.grad(lambda x: gnp.sum(gnp.cov(x, aweights=w) ** 2))(X.astype(np.float32)
                                                                  .astype(np.float64))
    assert host(g32).dtype == np.float32
    np.testing.assert_allclose(host(g32), host(g64), rtol=1e-5, atol=1e-6)


def test_vdot_keeps_small_integer_and_bool_types(backend):
    # vdot summed in the platform integer: int8 inputs gave int64, bools an int64 count
    for dt in (np.bool_, np.int8, np.uint16, np.float32):
        a, b = np.array([1, 0, 3]).astype(dt), np.array([2, 1, 1]).astype(dt)
        same(gnp.vdot(on(a, True), on(b, False)), np.vdot(a, b))
    z = X[0] + 1j * X[1]
    check_grads(lambda u, v: gnp.vdot(u, v), (z, X[2] - 1j * X[0]), order=1)


def test_sort_complex_of_float32_gives_complex128(backend):
    # NumPy (and CuPy) turn only small integers into complex64: bool, float16 and float32
    # gave complex64
    for dt in (np.bool_, np.int8, np.uint16, np.float16, np.float32, np.int64):
        a = np.array([3, 1, 2]).astype(dt)
        same(gnp.sort_complex(on(a, True)), np.sort_complex(a))
    check_grads(gnp.sort_complex, (X[0],), order=1)


def test_average_returned_sum_of_weights_has_the_average_type(backend):
    # the sum of integer weights came back int64 (NumPy: the average's float64)
    a = X[:2, :3]
    same(gnp.average(a, axis=0, weights=np.array([1, 2]), returned=True),
         np.average(a, axis=0, weights=np.array([1, 2]), returned=True), 1e-12)
    ai = np.int16([[1, 2, 3], [4, 5, 6]])
    same(gnp.average(ai, axis=1, weights=np.array([1, 0, 2]), returned=True),
         np.average(ai, axis=1, weights=np.array([1, 0, 2]), returned=True), 1e-12)


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.int8, np.complex64])
def test_average_result_type(backend, dt):
    # NumPy averages in result_type(a, weights) (at least float64 for integer data): float32
    # data with int8 weights gave float64, int8 data with float32 weights float32
    a = (X[:2, :3] * 4).astype(dt)
    for w in (np.array([1, 2, 3], np.int8), np.array([1.0, 2.0, 0.5], np.float32)):
        rtol = 2e-3 if dt is np.float16 else 1e-5
        same(gnp.average(on(a, True), axis=1, weights=w), np.average(a, axis=1, weights=w),
             rtol)
        same(gnp.average(on(a, True), axis=1, weights=w, returned=True),
             np.average(a, axis=1, weights=w, returned=True), rtol)
    check_grads(lambda x, v: gnp.average(x, axis=1, weights=v), (X[:2, :3], X[2, :3] ** 2),
                order=1)


@pytest.mark.parametrize("call, error", [
    (lambda xp: xp.where(np.array([True, False]), np.array([1.0, 2.0])), ValueError),
    (lambda xp: xp.quantile(np.array([1 + 1j, 2 + 0j]), 0.5), TypeError),
    (lambda xp: xp.nanpercentile(np.array([1 + 1j, 2 + 0j]), 50), TypeError),
    (lambda xp: xp.percentile(np.arange(4.0), 50, method="deadbeef"), ValueError),
    (lambda xp: xp.pad(np.arange(4.0), 1, mode="deadbeef"), ValueError),
    (lambda xp: xp.pad(np.arange(4.0), 1, mode="edge", constant_values=3), ValueError),
    (lambda xp: xp.concatenate([np.array([1j]), np.array([2j])], dtype=np.float64), TypeError),
    (lambda xp: xp.stack([np.array([1j]), np.array([2j])], dtype=np.float32), TypeError),
])
def test_errors_are_numpys(backend, call, error):
    # each returned a value (where with one of x, y; quantile of complex data; a pad keyword
    # the mode does not take; a cast that is not same_kind) or raised NotImplementedError
    # (an unknown method or mode) where NumPy raises
    with pytest.raises(error):
        call(np)
    with pytest.raises(error):
        call(gnp)


def test_searchsorted_and_histogram_take_host_values(backend):
    # on CuPy, searchsorted(device_array, numpy_array) raised TypeError (Unsupported type)
    a = np.array([0.0, 1.0, 2.0, 3.0])
    v = np.array([0.5, 2.5, -1.0])
    same(gnp.searchsorted(ad.get_backend().asarray(a), v), np.searchsorted(a, v))
    same(gnp.searchsorted(ad.get_backend().asarray(a), v, side="right",
                          sorter=np.arange(4)), np.searchsorted(a, v, "right", np.arange(4)))
    # histogram of host samples with device weights raised TypeError on CuPy the same way
    w = np.array([1 + 2j, -1 + 1j, 2 + 2j])
    same(gnp.histogram(v, bins=2, weights=on(w, True)), np.histogram(v, bins=2, weights=w))
    same(gnp.histogram(on(v, False), bins=np.array([-1.0, 0.0, 3.0])),
         np.histogram(v, bins=np.array([-1.0, 0.0, 3.0])))


def test_diag_of_float16_vectors(backend):
    # on CuPy, diag and diagflat of a float16 vector raised TypeError from the scatter kernel
    v = np.array([1.5, -2.0, 3.25], np.float16)
    for t in (False, True):
        same(gnp.diag(on(v, t), 1), np.diag(v, 1))
        same(gnp.diagflat(on(v, t)), np.diagflat(v))
    assert host(gnp.diag(ad.Tensor(v.astype(np.float64)))).shape == (3, 3)


def test_like_functions_take_shape(backend):
    # zeros_like/ones_like/empty_like(shape=) raised TypeError (an unexpected keyword)
    a = np.arange(6.0).reshape(2, 3)
    for t in (False, True):
        same(gnp.zeros_like(on(a, t), shape=(3, 1)), np.zeros_like(a, shape=(3, 1)))
        same(gnp.ones_like(on(a, t), dtype=np.int8, shape=4), np.ones_like(a, np.int8, shape=4))
        assert host(gnp.empty_like(on(a, t), shape=(1, 2))).shape == (1, 2)


def test_array_ndmin_and_lists_of_complex_tensors(backend):
    # array(ndmin=) raised TypeError; a list of complex Tensors raised ComplexError (their
    # stack is linear with real coefficients)
    same(gnp.array(np.arange(3), ndmin=3), np.array(np.arange(3), ndmin=3))
    same(gnp.array(on(np.ones(2), True), ndmin=2), np.array(np.ones(2), ndmin=2))
    z = X[0, :2] + 1j * X[1, :2]
    same(gnp.array([on(z, True), on(z[::-1], True)]), np.array([z, z[::-1]]))
    check_grads(lambda a, b: gnp.array([a, a * b, b]), (z, X[2, :2] - 0.5j), order=2)
    check_grads(lambda a, b: gnp.array([a, b]), (z, X[2, :2]), order=1)


def test_tril_triu_of_vectors(backend):
    # a 1-D array raised ValueError (NumPy broadcasts it to a square matrix), a 0-d one
    # ValueError where NumPy raises TypeError
    v = np.array([1.0, -2.0, 3.0])
    for t in (False, True):
        same(gnp.tril(on(v, t)), np.tril(v))
        same(gnp.triu(on(v, t), 1), np.triu(v, 1))
    check_grads(lambda x: gnp.tril(x, -1), (v,), order=1)
    with pytest.raises(TypeError):
        gnp.triu(np.array(1.0))


def test_linspace_of_complex64_tensors_stays_complex64(backend):
    # the steps were float64: complex64 Tensor end points gave complex128
    a = np.array([1 + 1j, 2], np.complex64)
    b = np.array([10, 20j], np.complex64)
    same(gnp.linspace(on(a, True), on(b, True), 4), np.linspace(a, b, 4), 1e-6)
    check_grads(lambda s, e: gnp.linspace(s, e, 4, axis=-1),
                (a.astype(np.complex128), b.astype(np.complex128)), order=1)


def test_pad_width_as_a_dict(backend):
    # NumPy 2.3's {axis: width} raised (the widths were read as an array)
    a = np.arange(6.0).reshape(2, 3)
    for w in ({-1: 2}, {0: (1, 0), 1: 1}):
        if np.lib.NumpyVersion(np.__version__) >= "2.3.0":
            same(gnp.pad(on(a, True), w), np.pad(a, w))
    check_grads(lambda x: gnp.pad(x, {1: (2, 1)}, mode="reflect"), (a,), order=1)


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_ranges_of_tensors_take_numpys_type(backend, dt):
    # a Python end point or base was read as float64: linspace(float32 Tensor, 10.0) and
    # logspace of float32 Tensors gave float64; geomspace of float32 Tensors computed in
    # float32 (4.00000002 for 4); logspace with an array base raised a broadcast error
    s, e = np.array(1.5, dt), np.array(8.0, dt)
    rtol = 2e-3 if dt is np.float16 else 1e-5 if dt is np.float32 else 1e-12
    same(gnp.linspace(on(s, True), 10.0, 3), np.linspace(s, 10.0, 3), rtol)
    same(gnp.logspace(on(s, True), on(e, True), 3, base=2.0),
         np.logspace(s, e, 3, base=2.0), rtol)
    same(gnp.geomspace(on(s, True), on(e, True), 4), np.geomspace(s, e, 4), 1e-12)
    b = np.array([2.0, 10.0])
    same(gnp.logspace(on(s, True), 2.0, 3, base=b), np.logspace(s, 2.0, 3, base=b), rtol)
    check_grads(lambda a, bb: gnp.logspace(a, 2.0, 3, base=bb, axis=-1),
                (np.array([0.5, 1.0]), b), order=1)
    check_grads(lambda a, c: gnp.geomspace(a, c, 4), (np.array(1.5), np.array(8.0)), order=1)


@pytest.mark.parametrize("call, error", [
    (lambda xp: xp.reshape(np.zeros((0, 3)), (-1, 0)), ValueError),
    (lambda xp: xp.vander(np.arange(3.0), -1), ValueError),
    (lambda xp: xp.pad(np.arange(3.0), 1.5), TypeError),
    (lambda xp: xp.einsum("i->", np.ones(2) + 0j, dtype=np.float64), TypeError),
    (lambda xp: xp.copyto(np.zeros(2, bool), 3), TypeError),
])
def test_more_errors_are_numpys(backend, call, error):
    # each returned a value where NumPy raises: an ambiguous -1 with a 0 in the shape, a
    # negative N, a float pad width, a cast einsum's casting='safe' forbids, a Python int
    # written into a bool array
    with pytest.raises(error):
        call(np)
    with pytest.raises(error):
        call(gnp)


def test_products_of_empty_arrays(backend):
    # tensordot reshaped to (-1, k): with k = 0 the -1 is ambiguous, which NumPy refuses
    a, b = np.zeros((2, 0)), np.zeros((3, 0))
    same(gnp.inner(a, b), np.inner(a, b))
    same(gnp.tensordot(np.zeros((2, 0, 3)), np.zeros((0, 3, 4)), 2),
         np.tensordot(np.zeros((2, 0, 3)), np.zeros((0, 3, 4)), 2))
    check_grads(lambda x, y: gnp.tensordot(x, y, ([0], [1])), (X[:2, :3], X[:3, :2]), order=1)


@pytest.mark.parametrize("tensor", [False, True])
def test_copy_takes_numpys_order(backend, tensor):
    # gnp.copy(a, order="F") and Tensor.copy(order=) raised a TypeError from inside the
    # primitive ("<lambda>() got an unexpected keyword argument 'order'")
    a = on(X, tensor)
    same(gnp.copy(a, order="F"), X)
    same(gnp.copy(a, "A"), X)
    if tensor:
        same(a.copy(order="F"), X)
    with pytest.raises(ValueError, match="order"):
        gnp.copy(a, order="X")
    check_grads(lambda x: gnp.copy(x, order="F") * x, (X,), order=1)


@pytest.mark.parametrize("name, kw", [("ifft", {"axis": 1}), ("irfftn", {}),
                                      ("rfft", {"norm": "ortho"}),
                                      ("irfft", {"n": 6, "norm": "forward"})])
def test_fft_of_float16_scales_in_float32(backend, name, kw):
    # NumPy's kernel scales float16 input by 1/n rounded to float16 (1/3 -> 0.33325): gpuad's
    # irfftn of a (2, 3, 4) float16 array was 2e-4 off in its float32 result, 4e-3 absolute
    a = (np.arange(24).reshape(2, 3, 4) % 7 + 0.5).astype(np.float16)
    f = getattr(gnp.fft, name)
    got = host(f(on(a, False), **kw))
    want = getattr(np.fft, name)(a.astype(np.float64), **kw)
    assert got.dtype == getattr(np.fft, name)(a, **kw).dtype
    np.testing.assert_allclose(got, want, rtol=2e-6 if got.dtype != np.float16 else 1e-3,
                               atol=1e-5)


@pytest.mark.parametrize("tensor", [False, True])
def test_var_and_std_with_dtype_follow_numpys_order(backend, tensor):
    # the data were cast to dtype= first: var(complex, dtype=float32) dropped the imaginary
    # parts (3.9e-4 where NumPy gives 16.9), float64 data squared in float32
    # (a real dtype= for complex data is refused, as jax.numpy does)
    z = X + 1j * np.flip(X, 1)
    for f in ("var", "std"):
        same(getattr(gnp, f)(on(X, tensor), axis=0, dtype=np.float32, ddof=1),
             getattr(np, f)(X, axis=0, dtype=np.float32, ddof=1), 1e-6)
        same(getattr(gnp, f)(on(z, tensor), axis=0, dtype=np.complex64, ddof=1),
             getattr(np, f)(z, axis=0, dtype=np.complex64, ddof=1), 1e-6)
        with pytest.raises(ValueError, match="complex input"):
            getattr(gnp, f)(on(z, tensor), axis=0, dtype=np.float32)
    check_grads(lambda x: gnp.std(x, axis=1, dtype=np.float64, ddof=1), (X,), order=2)


def test_linspace_of_tensors_to_an_integer_dtype_floors(backend):
    # the Tensor path truncated (-0.83 -> 0 where NumPy's floor gives -1) and turned complex
    # end points into integers where NumPy raises
    s, e = np.array(-3.0), np.array(10.0)
    same(gnp.linspace(on(s, True), on(e, True), 7, dtype=np.int32),
         np.linspace(s, e, 7, dtype=np.int32))
    with pytest.raises(TypeError):
        gnp.linspace(on(s + 1j, True), on(e, True), 7, dtype=np.int32)


def test_conj_method_of_a_bool_tensor_keeps_bool(backend):
    # ndarray.conj() keeps bool (the ufunc np.conj gives int8); Tensor.conj() gave int8
    b = np.array([True, False])
    assert ad.tensor(ad.get_backend().asarray(b)).conj().dtype == b.conj().dtype


@pytest.mark.parametrize("tensor", [False, True])
def test_pad_linear_ramp_to_complex_end_values(backend, tensor):
    # complex end values were read as float64: "float() argument must be ... not 'complex'"
    # where NumPy ramps a complex array to them (and a real one to their real parts)
    for a in (X[0] + 1j * X[1], X[0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.pad(a, (2, 1), "linear_ramp", end_values=(1j, 2.5))
        same(gnp.pad(on(a, tensor), (2, 1), "linear_ramp", end_values=(1j, 2.5)), want)
    check_grads(lambda z: gnp.pad(z, 2, "linear_ramp", end_values=(1j, 2)),
                (X[0] + 1j * X[1],), order=1)


@pytest.mark.parametrize("tensor", [False, True])
def test_nanquantile_of_an_empty_array_is_nanmeans(backend, tensor):
    # an IndexError from a gather of the empty sorted axis; NumPy answers nanmean's NaNs (and
    # float64 for integers), whatever q's shape
    for a in (np.zeros((0, 3)), np.zeros((0, 3), np.int8)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for axis in (None, 0, 1):
                same(gnp.nanpercentile(on(a, tensor), [30, 60], axis=axis),
                     np.nanpercentile(a, [30, 60], axis=axis))
                same(gnp.nanquantile(on(a, tensor), 0.3, axis=axis, keepdims=True),
                     np.nanquantile(a, 0.3, axis=axis, keepdims=True))


@pytest.mark.parametrize("tensor", [False, True])
def test_round_takes_out(backend, tensor):
    # gnp.round was the bare primitive: round(a, 1, out=o) raised "<lambda>() got an
    # unexpected keyword argument 'out'" (around took it)
    o = ad.get_backend().asarray(np.zeros(4))
    o = ad.Tensor(o) if tensor else o  # (a leaf that requires grad refuses writes)
    r = gnp.round(on(X[0], tensor), 1, out=o)
    assert r is o
    same(o, np.round(X[0], 1))


@pytest.mark.parametrize("tensor", [False, True])
def test_place_and_putmask_take_array_values_by_the_safe_rule(backend, tensor):
    # float64 values into an int8 array were truncated (and complex ones into a float array
    # lost their imaginary parts) where NumPy raises; lists and scalars are still converted
    m = np.array([True, False, True])
    for f in (gnp.place, gnp.putmask):
        for a, v in ((np.int8([1, 2, 3]), np.array([2.5, 0.5])),
                     (np.array([1.0, 2, 3]), np.array([1j, 2]))):
            with pytest.raises(TypeError, match="safe"):
                f(on(a, tensor), m, on(v, tensor))
        c = ad.get_backend().asarray(np.int8([1, 2, 3]))
        f(c, m, [2.7])
        same(c, np.int8([2, 2, 2]))


@pytest.mark.parametrize("tensor", [False, True])
def test_interp_ediff1d_nan_to_num_types(backend, tensor):
    # interp of booleans raised from subtract, of complex x returned a value (NumPy: float64
    # and a TypeError); ediff1d of Tensors promoted to_end's type into the result (NumPy keeps
    # the input's: int8 with an int64 to_end gave int64); nan_to_num with a complex Tensor fill
    # value on a real Tensor dropped its imaginary part
    b = np.array([True, False, True])
    same(gnp.interp(on(b, tensor), [0.0, 1.0, 2.0], on(b, tensor)),
         np.interp(b, [0.0, 1.0, 2.0], b))
    with pytest.raises(TypeError):
        gnp.interp(on(X[0] + 1j, tensor), [0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    i8 = np.int8([1, 5, 2])
    same(gnp.ediff1d(on(i8, tensor), to_end=on(np.int64([7]), tensor)),
         np.ediff1d(i8, to_end=np.int64([7])))
    if tensor:
        with pytest.raises(TypeError):
            gnp.nan_to_num(on(X[0], True), nan=on(np.array(1j), True))


@pytest.mark.parametrize("call, shape_, error", [
    (lambda xp, x, o: xp.concatenate([x, x], out=o), (6, 4), TypeError),
    (lambda xp, x, o: xp.std(x, axis=None, out=o), (), TypeError),
    (lambda xp, x, o: xp.quantile(x, 0.3, out=o), (), TypeError),
    (lambda xp, x, o: xp.clip(x[0, :1], 0, 1, out=o), (1,), TypeError),
    (lambda xp, x, o: xp.einsum("ij->", x, out=o), (), TypeError),
    (lambda xp, x, o: xp.dot(x[0], x[0], out=o), (), ValueError),
])
def test_out_of_another_kind_is_numpys_error(backend, call, shape_, error):
    # a float result was truncated into an integer out= where NumPy's casting rule refuses
    # (same_kind for the ufunc-based functions, safe for einsum, the exact dtype for dot)
    be = ad.get_backend()
    for xp in (np, gnp):
        o, x = np.zeros(shape_, np.int8), X
        if xp is gnp:
            o, x = be.asarray(o), be.asarray(x)
        with pytest.raises(error):
            call(xp, x, o)
    o = ad.get_backend().asarray(np.zeros(4, np.int64))
    assert gnp.argmax(X, axis=0, out=o) is o  # (an integer out takes the indices)


def test_clip_of_a_numpy_scalar(backend):
    # on the CuPy backend a NumPy scalar went to cupy.clip, which clips arrays only
    # ("'float64' object has no attribute 'clip'")
    same(gnp.clip(np.float64(1.5), 0, 1), np.clip(np.float64(1.5), 0, 1))


def test_linspace_of_integer_tensors_computes_in_float(backend):
    # the difference stop - start was taken in the end points' type: uint8 3 - 254 wrapped to
    # 5, so linspace(uint8 254, uint8 3, 5) rose to 257.75 where NumPy falls to 3
    s, e = np.uint8(254), np.uint8(3)
    same(gnp.linspace(on(np.array(s), True), on(np.array(e), True), 5), np.linspace(s, e, 5))
    same(gnp.logspace(on(np.array(s), True), on(np.array(e), True), 3, base=1.01),
         np.logspace(s, e, 3, base=1.01))


def test_var_and_std_with_an_integer_dtype(backend):
    # NumPy divides into the integer dtype (var of [1., 2., 3.] with dtype int8 is int8 0);
    # gpuad gave float64 0.667
    a = np.array([[1.0, 2.0, 3.0], [4.0, 6.0, 9.0]])
    same(gnp.var(a, axis=0, dtype=np.int8), np.var(a, axis=0, dtype=np.int8))
    same(gnp.std(a, dtype=np.int64), np.std(a, dtype=np.int64))
    with pytest.raises(TypeError):
        gnp.std(a, axis=0, dtype=np.int8)


def test_trace_dtype_and_nanmean_dtype(backend):
    # trace(bool, dtype=int8) summed wider (int64); nanmean(float16, dtype=int16) returned a
    # value where NumPy refuses an integer dtype for inexact data
    b = np.eye(3, dtype=bool)
    same(gnp.trace(b, dtype=np.int8), np.trace(b, dtype=np.int8))
    with pytest.raises(TypeError):
        gnp.nanmean(np.ones(3, np.float16), dtype=np.int16)


@pytest.mark.parametrize("tensor", [False, True])
def test_max_initial_takes_the_arrays_type(backend, tensor):
    # initial=3 made a bool max int64 [3, 3] where NumPy casts it to True; 2.5 for an int
    # array is NumPy's 2
    b = np.array([[True, False], [False, False]])
    same(gnp.max(on(b, tensor), axis=0, initial=3), np.max(b, axis=0, initial=3))
    same(gnp.max(on(np.array([1, 2]), tensor), initial=2.5), np.max(np.array([1, 2]),
                                                                   initial=2.5))


def test_tensor_methods_take_numpys_arguments(backend):
    # trace(dtype=), take(mode=), item(i), itemsize and `in` raised TypeError/AttributeError
    a = np.arange(6.0).reshape(2, 3)
    t = ad.tensor(ad.get_backend().asarray(a))
    same(t.trace(dtype=np.int8), a.trace(dtype=np.int8))
    same(t.take([0, 5], axis=1, mode="wrap"), a.take([0, 5], axis=1, mode="wrap"))
    assert (t.item(4), t.itemsize, 3.0 in t, 7.0 in t) == (a.item(4), a.itemsize, True, False)
