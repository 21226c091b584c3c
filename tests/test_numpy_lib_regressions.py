"""Regressions found by porting NumPy's library tests (numpy/lib/tests) to gpuad.numpy
(tests/conformance/test_numpy_lib_suite.py): each checked against NumPy's own answer."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

MAT = np.array([[0.6244, np.nan, 0.2692, 0.0116], [0.5351, -0.9403, np.nan, 0.21],
                [np.nan, np.nan, np.nan, 0.1042]])


def _xp():
    return ad.get_backend().xp


def _t(a):
    return ad.tensor(_xp().asarray(a), requires_grad=True)


def _same(got, want, rtol=1e-12):
    got, want = to_numpy(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 0.1, equal_nan=True)


def test_nanvar_nanstd_of_complex_is_real(backend):
    """nanvar of complex values summed ``dev * dev`` (a complex -0.5j for [1+1j, nan, 2j])
    where NumPy sums ``|dev|**2`` (0.5, float64)."""
    z = np.array([1 + 1j, np.nan, 2j, 0.5 - 1j])
    for x in (_xp().asarray(z), _t(z)):
        _same(gnp.nanvar(x), np.nanvar(z))
        _same(gnp.nanstd(x), np.nanstd(z))
    check_grads(lambda z: gnp.nanvar(z, ddof=1), (_xp().asarray(z),), order=1)


def test_nan_statistics_keep_float32(backend):
    """nanmean, nanvar and nanstd of float32 (or with ``dtype=float32``) gave float64: the
    count divided the float32 sum as an int64 array."""
    m32 = MAT.astype(np.float32)
    for f in (gnp.nanmean, gnp.nanvar, gnp.nanstd):
        want = getattr(np, f.__name__)(m32, axis=1)
        for x in (_xp().asarray(m32), _t(m32)):
            _same(f(x, axis=1), want, rtol=1e-5)
        _same(f(_xp().asarray(MAT), axis=0, dtype=np.float32),
              getattr(np, f.__name__)(MAT, axis=0, dtype=np.float32), rtol=1e-5)


def test_median_of_an_empty_slice_is_nan(backend):
    """nanmedian and median over an empty axis raised IndexError (gathering the middle of
    nothing); NumPy gives NaN of the reduced shape."""
    e = np.zeros((2, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for f in ("nanmedian", "median"):
            for axis in (None, 0, 1):
                _same(getattr(gnp, f)(_xp().asarray(e), axis=axis),
                      getattr(np, f)(e, axis=axis))


@pytest.mark.parametrize("kw, exc", [
    (dict(fweights=[1, -2, 3]), ValueError),        # gave [[2, -2], [-2, 2]]
    (dict(aweights=[1.0, -2, 3]), ValueError),      # gave infinities
    (dict(fweights=[1.0, 2.5, 3]), TypeError),      # a fractional frequency
    (dict(fweights=[1, 2]), RuntimeError),          # a broadcast error
    (dict(aweights=[[1.0, 2, 3]]), RuntimeError),   # read as 1-D
    (dict(ddof=1.5), ValueError),                   # used as 1.5
    (dict(aweights=[0.0, 0, 0]), ZeroDivisionError),  # gave NaN
])
def test_cov_checks_its_weights(backend, kw, exc):
    m = np.array([[0.0, 1, 2], [2, 1, 0]])
    with pytest.raises(exc):
        np.cov(m, **{k: np.asarray(v) if k != "ddof" else v for k, v in kw.items()})
    args = {k: _xp().asarray(v) if k != "ddof" else v for k, v in kw.items()}
    for x in (_xp().asarray(m), _t(m)):
        with pytest.raises(exc, match="cov"):
            gnp.cov(x, **args)


def test_insert_refuses_what_it_cannot_keep(backend):
    """A complex value into a float array lost its imaginary part ([1, 0, 2] for 3j), and a
    float index was read as an integer (NumPy raises TypeError for both)."""
    a = np.array([1.0, 2.0])
    for x in (_xp().asarray(a), _t(a)):
        with pytest.raises(TypeError, match="insert"):
            gnp.insert(x, 1, 3j)
        with pytest.raises(TypeError, match="insert"):
            gnp.insert(x, np.array([1.0]), 9.0)
    with pytest.raises(TypeError):
        np.insert(a, np.array([1.0]), 9.0)


def test_diff_of_booleans_is_not_equal(backend):
    """diff of a boolean array raised NumPy's "boolean subtract" TypeError; NumPy's diff
    takes ``not_equal`` for booleans."""
    b = np.array([[True, False, True], [True, True, False]])
    for axis in (0, 1):
        _same(gnp.diff(_xp().asarray(b), axis=axis), np.diff(b, axis=axis))
    _same(gnp.diff(_xp().asarray(b[0]), n=2), np.diff(b[0], n=2))


def test_average_weights_along_a_tuple_of_axes(backend):
    """NumPy 2's weights shaped like ``a`` along a tuple ``axis`` (in that axis order) raised
    "1D weights expected"; ``returned`` summed integer weights as int64 (NumPy: float64)."""
    a = np.arange(24.0).reshape(2, 3, 4)
    w = np.arange(8.0).reshape(4, 2) + 1
    for x in (_xp().asarray(a), _t(a)):
        _same(gnp.average(x, axis=(2, 0), weights=_xp().asarray(w)),
              np.average(a, axis=(2, 0), weights=w))
    with pytest.raises(ValueError, match="average"):
        gnp.average(_xp().asarray(a), axis=(0, 2), weights=_xp().asarray(w))
    check_grads(lambda a, w: gnp.average(a, axis=(2, 0), weights=w),
                (_xp().asarray(a), _xp().asarray(w)), order=1)
    batch = np.stack([a, a[::-1] ** 2])  # under vmap the same rule
    got = ad.vmap(lambda x: gnp.average(x, axis=(2, 0), weights=_xp().asarray(w)))(
        _xp().asarray(batch))
    _same(got, np.stack([np.average(x, axis=(2, 0), weights=w) for x in batch]))
    i, wi = np.array([1, 2, 3]), np.array([1, 1, 2])
    for got, want in zip(gnp.average(_xp().asarray(i), weights=_xp().asarray(wi), returned=True),
                         np.average(i, weights=wi, returned=True), strict=True):
        _same(got, want)


def test_tril_triu_of_a_vector(backend):
    """tril/triu of a 1-D array raised "not enough values to unpack"; NumPy broadcasts the
    (n, n) mask over it."""
    v = np.array([1.0, 2, 3])
    for f in ("tril", "triu"):
        for k in (-1, 0, 1):
            _same(getattr(gnp, f)(_t(v), k), getattr(np, f)(v, k))
        check_grads(lambda v, f=f: getattr(gnp, f)(v, 1), (_xp().asarray(v),), order=1)


def test_small_dtype_and_argument_rules(backend):
    """sort_complex of float32 gave complex64 (NumPy: complex128); unique_values collapsed
    NaNs (NumPy, the array API: each NaN distinct); vander with a negative N gave an empty
    matrix; ediff1d cast to_begin=0.5 into an int array as 0; histogram of a Tensor ran
    bins=2.5 as 2 bins."""
    f32 = np.array([3.0, 1, 2], dtype=np.float32)
    _same(gnp.sort_complex(_t(f32)), np.sort_complex(f32))
    nans = np.array([np.nan, 1.0, np.nan])
    _same(gnp.unique_values(_xp().asarray(nans)), np.unique_values(nans))
    _same(gnp.unique_counts(_xp().asarray(nans)).counts, np.unique_counts(nans).counts)
    with pytest.raises(ValueError, match="vander"):
        gnp.vander(_xp().asarray([1.0, 2]), -1)
    with pytest.raises(TypeError, match="ediff1d"):
        gnp.ediff1d(_xp().asarray([1, 2]), to_begin=0.5)
    with pytest.raises(TypeError, match="bins"):
        gnp.histogram(_t(np.array([1.0, 2, 3])), bins=2.5)


def test_nan_to_num_differentiates_tensor_fill_values(backend):
    """A Tensor ``nan``/``posinf``/``neginf`` raised a "copyto" TypeError that named no
    nan_to_num; the replaced entries now are the fill values, recorded."""
    x = np.array([np.nan, np.inf, -np.inf, 1.5, np.inf])
    xb = _xp().asarray(x)
    got = gnp.nan_to_num(xb, nan=_t(np.array(5.0)), posinf=_t(np.array(7.0)), neginf=-2.0)
    _same(got, np.nan_to_num(x, nan=5.0, posinf=7.0, neginf=-2.0))
    check_grads(lambda p, q: gnp.nan_to_num(xb, nan=p, posinf=q, neginf=p * q),
                (_xp().asarray(5.0), _xp().asarray([1.0, 2, 3, 4, 5])), order=2)


def test_insert_with_a_boolean_mask(backend):
    """A boolean ``obj`` raised ValueError ("NumPy deprecated it"); NumPy 2 reads it as a mask,
    inserting before each True position."""
    a, m = np.array([1.0, 2, 3]), np.array([True, False, True])
    v = np.array([7.0, 8])
    _same(gnp.insert(_t(a), m, _t(v)), np.insert(a, m, v))
    check_grads(lambda a, v: gnp.insert(a, m, v), (_xp().asarray(a), _xp().asarray(v)), order=1)


def test_quantile_refuses_complex_and_unknown_methods(backend):
    """percentile/quantile of complex values gave (1.5+0.5j) where NumPy raises TypeError (no
    order on complex numbers), and an unknown method raised NotImplementedError (NumPy:
    ValueError)."""
    z = np.array([1 + 1j, 2])
    for f, q in (("percentile", 50), ("quantile", 0.5), ("nanquantile", 0.5)):
        with pytest.raises(TypeError):
            getattr(np, f)(z, q)
        with pytest.raises(TypeError, match=f):
            getattr(gnp, f)(_xp().asarray(z), q)
        with pytest.raises(ValueError, match="method"):
            getattr(gnp, f)(_xp().asarray([1.0, 2]), q, method="foo")


def test_nan_statistics_take_out(backend):
    """``out=`` of the nan* reductions, median, percentile and quantile raised
    NotImplementedError; NumPy writes the result into ``out`` and returns it."""
    x = MAT
    out = _xp().zeros(3)
    assert gnp.nanmedian(_xp().asarray(x), 1, out) is out
    _same(out, np.nanmedian(x, 1))
    t, tout = _t(x), ad.tensor(_xp().zeros(3))
    assert gnp.nanvar(t, axis=1, out=tout) is tout
    _same(tout, np.nanvar(x, axis=1))
    gnp.sum(tout).backward()
    ref = _t(x)
    gnp.sum(gnp.nanvar(ref, axis=1)).backward()
    _same(t.grad, to_numpy(ref.grad))


def test_cov_under_jit_follows_traced_aweights(backend):
    """``gpuad.jit`` of cov in its ``aweights``: the traced weights were read as a raw array
    (a constant of the program), and the compiled function failed jit's replay check."""
    m = np.array([[1.0, 2, 3], [0.5, 0.1, 2]])
    fw = np.array([1, 2, 1])
    f = ad.jit(lambda aw: gnp.cov(_xp().asarray(m), aweights=aw, fweights=_xp().asarray(fw)))
    for aw in ([1.0, 2, 3], [0.5, 1, 4]):
        _same(f(_xp().asarray(aw)), np.cov(m, aweights=np.array(aw), fweights=fw))


def test_gradient_of_datetimes_is_timedelta(backend):
    """gradient of datetime64 data gave datetime64 (differences added back to the epoch);
    NumPy differentiates datetimes as timedeltas of their unit."""
    if backend == "cupy":
        pytest.skip("CuPy has no datetime64")
    d = np.array([1, 2, 4, 9], dtype="datetime64[D]")
    for eo in (1, 2):
        got, want = gnp.gradient(d, edge_order=eo), np.gradient(d, edge_order=eo)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_nanvar_nanstd_dtype_as_numpy(backend):
    """An integer dtype= for NaN-holding data is NumPy's TypeError (nanvar gave the variance
    of NaN cast to int64, 1.6e37); integer data with an integer dtype= is NumPy's var/std in
    that dtype (nanstd(arange(5), dtype=int64) gave 1.414 float64, NumPy 1 int64)."""
    x = _xp().asarray(MAT)
    for f in ("nanmean", "nanvar", "nanstd"):
        for dt in (np.int64, bool):
            with pytest.raises(TypeError, match="dtype must be inexact"):
                getattr(gnp, f)(x, axis=1, dtype=dt)
    a = np.arange(5)
    for f in ("nanvar", "nanstd"):
        for dt in (np.int64, np.int8, np.float32, None):
            _same(getattr(gnp, f)(_xp().asarray(a), dtype=dt), getattr(np, f)(a, dtype=dt))
