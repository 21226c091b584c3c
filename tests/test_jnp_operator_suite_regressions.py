"""Regressions found by porting jax.numpy's operator, reducer, einsum, vectorize and ufunc
suites (tests/conformance/test_jax_numpy_operators_suite.py and
test_jax_numpy_reducers_suite.py): NumPy is the reference, no peer is imported here.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _same(got, want):
    got, want = np.asarray(to_numpy(got)), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["max", "min", "nanmax", "nanmin"])
def test_extreme_initial_takes_the_array_dtype(backend, name):
    g, n = getattr(gnp, name), getattr(np, name)
    b = np.array([True, False])
    _same(g(b, initial=0), n(b, initial=0))  # was int64
    i = np.array([1, 2, 3])
    _same(g(i, initial=2.5), n(i, initial=2.5))  # was the float 2.5
    f = np.array([1.0, 2.0], np.float32)
    _same(g(f, initial=np.float64(1.5)), n(f, initial=np.float64(1.5)))  # was float64
    with pytest.raises(OverflowError, match=name):  # was a silent -24 (1000 wrapped to int8)
        g(np.array([1, 2], np.int8), initial=1000)


@pytest.mark.parametrize("name", ["sum", "prod", "nansum", "nanprod"])
def test_sum_prod_initial_is_cast_to_the_result_dtype(backend, name):
    g, n = getattr(gnp, name), getattr(np, name)
    i = np.array([1, 2, 3])
    _same(g(i, initial=2.5), n(i, initial=2.5))  # was a float: 8.5, not NumPy's 8
    f = np.array([1.0, 2.0], np.float32)
    _same(g(f, initial=np.float64(1.5)), n(f, initial=np.float64(1.5)))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "nansum", "nanprod", "nanmax",
                                  "nanmin"])
def test_initial_must_be_a_real_scalar(backend, name):
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="scalar"):  # was broadcast into the result
        getattr(gnp, name)(x, axis=-1, initial=np.zeros((1, 2)))
    with pytest.raises(TypeError, match="complex"):  # was a complex result
        getattr(gnp, name)(x, initial=1 + 1j)


@pytest.mark.parametrize("name", ["nanmax", "nanmin"])
def test_nan_extreme_initial_on_empty_input(backend, name):
    for shp, axis in (((0,), None), ((0, 4), 0), ((3, 0), None), ((3, 0), 1)):
        x = np.zeros(shp)
        # was "zero-size array to reduction operation maximum which has no identity"
        _same(getattr(gnp, name)(x, axis=axis, initial=1.0),
              getattr(np, name)(x, axis=axis, initial=1.0))
    x = np.array([[np.nan, 2.0], [np.nan, np.nan]])
    w = np.array([[True, False], [True, True]])
    _same(getattr(gnp, name)(x, axis=1, initial=0.5, where=w),
          getattr(np, name)(x, axis=1, initial=0.5, where=w))


@pytest.mark.parametrize("name", ["nansum", "nanprod"])
def test_integer_nansum_with_where_stays_integer(backend, name):
    a = np.array([[1, 2], [3, 4]], np.int8)
    w = np.array([True, False])
    _same(getattr(gnp, name)(a, axis=0, where=w), getattr(np, name)(a, axis=0, where=w))


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "all", "any", "nansum",
                                  "nanmean", "nanvar"])
def test_where_must_be_boolean(backend, name):
    with pytest.raises(TypeError, match="boolean"):  # was cast to bool silently
        getattr(gnp, name)(np.zeros(4), where=np.ones(4, int))
    with pytest.raises(TypeError, match="boolean"):
        gnp.max(np.zeros(4), where=np.ones(4, int), initial=0.0)


@pytest.mark.parametrize("name", ["modf", "fabs", "exp2", "deg2rad", "rad2deg", "cbrt"])
@pytest.mark.parametrize("value", [True, 3])
def test_float_only_ufuncs_of_python_bool_and_int(backend, name, value):
    got, want = getattr(gnp, name)(value), getattr(np, name)(value)
    for g, w in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,), strict=True):
        _same(g, w)  # modf(3) was (float64, int64), fabs(True) bool, exp2(True) float64


def test_positive_of_a_python_bool_raises(backend):
    with pytest.raises(TypeError, match="positive"):  # was 1
        gnp.positive(True)


def test_astype_and_mean_dtype_of_python_scalars(backend):
    _same(gnp.astype(3.0, np.float32), np.float32(3.0))  # was AttributeError
    _same(gnp.mean(3, dtype=np.float32), np.mean(3, dtype=np.float32))
    _same(gnp.mean(1 + 2j, dtype=np.complex64), np.mean(1 + 2j, dtype=np.complex64))


class _OptsOut:
    """NEP 13's opt-out: NumPy's operators return NotImplemented for it."""
    __array_ufunc__ = None

    def __radd__(self, other):
        return "radd"

    def __rsub__(self, other):
        return "rsub"

    def __lt__(self, other):
        return "lt"

    def __rmatmul__(self, other):
        return "rmatmul"

    def __rand__(self, other):
        return "rand"


def test_operators_defer_to_array_ufunc_none(backend):
    t = ad.Tensor(np.array([[1, 2], [3, 4]]))
    a = np.array([[1, 2], [3, 4]])
    o = _OptsOut()
    for op in (operator.add, operator.sub, operator.gt, operator.matmul, operator.and_,
               operator.eq, operator.ne):
        assert op(t, o) == op(a, o)  # were TypeErrors ("does not support ufuncs")
    with pytest.raises(TypeError):  # no reflected method: Python's TypeError, as NumPy
        t * o
    with pytest.raises(TypeError, match="does not support ufuncs"):  # functions still raise
        gnp.add(t, o)


def test_einsum_path(backend):
    rng = np.random.default_rng(0)
    a, b, c = rng.random((2, 2)), rng.random((2, 5)), rng.random((5, 2))
    got = gnp.einsum_path("ij,jk,kl->il", a, b, c, optimize="greedy")
    want = np.einsum_path("ij,jk,kl->il", a, b, c, optimize="greedy")
    assert got[0] == want[0] and got[1] == want[1]
    assert gnp.einsum_path(a, [0, 1], b, [1, 2], [0, 2])[0] == \
        np.einsum_path(a, [0, 1], b, [1, 2], [0, 2])[0]
    r = gnp.einsum("ij,jk,kl->il", a, b, c, optimize=got[0])
    np.testing.assert_allclose(to_numpy(r), np.einsum("ij,jk,kl->il", a, b, c), rtol=1e-12)


@pytest.mark.parametrize("shape", [(1, 3), (3, 1)])
def test_cov_rowvar_false_of_a_single_row(backend, shape):
    """NumPy 2.2: with rowvar=False a (1, n) input is n variables of one observation (a NaN
    (n, n) matrix with ddof=1); gpuad returned a scalar."""
    x = np.random.default_rng(0).random(shape)
    for ddof in (None, 0):
        want = np.cov(x, rowvar=False, ddof=ddof)
        with np.errstate(all="ignore"):
            got = gnp.cov(x, rowvar=False, ddof=ddof)
        assert np.shape(to_numpy(got)) == want.shape
        np.testing.assert_allclose(to_numpy(got), want, equal_nan=True)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_moment_dtypes(backend, name):
    g, n = getattr(gnp, name), getattr(np, name)
    z = np.array([1 + 2j, -1j, 3.0 + 0j, 0.5 - 1j])
    with pytest.raises(ValueError, match="complex input"):  # was a silently different value
        g(z, dtype=np.float64)
    got, want = g(z, dtype=np.complex64), n(z, dtype=np.complex64)
    assert np.asarray(to_numpy(got)).dtype == np.complex64  # was float32
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-6)
    i = np.array([1, 5, -3, 2], np.int16)
    m = np.array(1.5, np.float32)
    got, want = g(i, mean=m), n(i, mean=m)
    assert np.asarray(to_numpy(got)).dtype == want.dtype == np.float64  # was float32
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)


def test_sum_of_a_python_complex_with_a_real_dtype(backend):
    with np.errstate(all="ignore"), pytest.warns(np.exceptions.ComplexWarning):
        want = np.sum(1.5 + 2j, dtype=np.float32)
    _same(gnp.sum(1.5 + 2j, dtype=np.float32), want)  # was int()/float() of a complex


@pytest.mark.parametrize("name,kw", [("max", {"initial": 0.5}), ("nanmax", {"initial": 0.5}),
                                     ("sum", {}), ("nansum", {}), ("mean", {}), ("var", {}),
                                     ("all", {}), ("nanmean", {})])
def test_where_batched_by_vmap(backend, name, kw):
    """A where= mask computed from the mapped value (max, sum, mean, var and all raised
    BatchedValueError)."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    got = ad.vmap(lambda r: getattr(gnp, name)(r, where=r > 0, **kw))(x)
    np.testing.assert_allclose(to_numpy(got), getattr(np, name)(x, axis=1, where=x > 0, **kw))
