"""Regressions found by porting CuPy's math/logic tests (tests/conformance/
test_cupy_suite_math.py): dtypes, values and keyword arguments of gpuad.numpy against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def _xp():
    return ad.get_backend().xp


@pytest.mark.parametrize("dtype, want", [(np.bool_, np.float16), (np.int8, np.float16),
                                         (np.uint8, np.float16), (np.int16, np.float32),
                                         (np.int32, np.float64), (np.uint64, np.float64)])
def test_modf_of_integers_is_floating(backend, dtype, want):
    x = np.array([-3, -1, 0, 2, 5]).astype(dtype)
    for a in (_xp().asarray(x), ad.tensor(_xp().asarray(x))):
        f, i = gnp.modf(a)
        assert f.dtype == want and i.dtype == want  # (it was the integer dtype)
        np.testing.assert_array_equal(to_numpy(i), np.modf(x)[1])


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg", "radians", "degrees"])
def test_angle_conversions_refuse_complex(backend, name):
    z = _xp().asarray(np.array([1 + 2j, 3j]))
    for a in (z, ad.tensor(z), 1j):
        with pytest.raises(TypeError, match="complex"):
            getattr(gnp, name)(a)  # (it returned complex values; NumPy has no complex loop)


def test_ufunc_keywords(backend):
    xp = _xp()
    a, b = xp.asarray(np.arange(6.0).reshape(2, 3)), xp.asarray(np.ones((2, 3)))
    # out= of an integer dtype: NumPy refuses the float result under casting="same_kind"
    # (gpuad wrote it truncated)
    with pytest.raises(TypeError, match="cast"):
        gnp.add(a + 0.5, b, out=xp.zeros((2, 3), np.int64))
    r = gnp.add(a, b, dtype=np.float32)  # (dtype= was an unexpected keyword)
    assert r.dtype == np.float32
    with pytest.raises(TypeError, match="cast"):
        gnp.add(a, b, dtype=np.int32)
    assert gnp.add(a, b, dtype=np.int32, casting="unsafe").dtype == np.int32
    i8, i16 = xp.asarray(np.arange(3, dtype=np.int8)), xp.asarray(np.arange(3, dtype=np.int16))
    with pytest.raises(TypeError):
        gnp.add(i8, i16, out=xp.zeros(3, np.int16), casting="no")
    o = xp.zeros((2, 3))
    assert gnp.sin(a, o) is o  # a positional out
    np.testing.assert_allclose(to_numpy(o), np.sin(np.arange(6.0).reshape(2, 3)))
    t = gnp.true_divide(i8, i8 + 1, dtype=np.float64)
    assert t.dtype == np.float64


def test_ufunc_keywords_differentiate(backend):
    x = np.linspace(0.5, 2.0, 6).reshape(2, 3)

    def f(x):
        o = ad.tensor(_xp().zeros((2, 3)))
        gnp.multiply(x, x, out=o)
        return gnp.sum(gnp.sin(o, dtype=np.float64) + gnp.deg2rad(x))

    check_grads(f, (x,), order=1, modes=("rev",))


def test_i0_keeps_float16(backend):
    x = _xp().asarray(np.array([0.5, 1.0, 2.0], np.float16))
    r = gnp.i0(x)
    assert r.dtype == np.float16  # (it was float64)
    np.testing.assert_allclose(to_numpy(r), np.i0(np.array([0.5, 1.0, 2.0], np.float16)),
                               rtol=1e-3)
    check_grads(gnp.i0, (np.array([0.5, 1.0, 2.0]),), order=2, modes=("rev", "fwd"))


def test_complex_sign_of_infinities(backend):
    inf, nan = np.inf, np.nan
    z = np.array([complex(-inf, 0), complex(1, -inf), complex(inf, nan), complex(inf, inf),
                  3 + 4j, 0j])
    got = to_numpy(gnp.sign(_xp().asarray(z)))  # (the infinite ones were nan)
    np.testing.assert_allclose(got, np.sign(z), equal_nan=True)


def test_sum_prod_keep_the_dtype_asked_for(backend):
    a = _xp().asarray(np.arange(1, 7, dtype=np.int8).reshape(2, 3))
    for fn, npfn in ((gnp.sum, np.sum), (gnp.prod, np.prod)):
        for dt in (np.int8, np.int16, np.uint32, np.bool_):
            r = fn(a, dtype=dt, axis=1)
            assert r.dtype == dt  # (it was int64 / uint64)
            np.testing.assert_array_equal(to_numpy(r), npfn(np.arange(1, 7, dtype=np.int8)
                                                            .reshape(2, 3), dtype=dt, axis=1))


def test_diff_of_booleans(backend):
    x = np.array([True, False, False, True, True])
    for a in (_xp().asarray(x), ad.tensor(_xp().asarray(x))):
        np.testing.assert_array_equal(to_numpy(gnp.diff(a)), np.diff(x))  # (TypeError)
        np.testing.assert_array_equal(to_numpy(gnp.diff(a, n=2)), np.diff(x, n=2))


def test_isclose_of_integers(backend):
    a, b = np.array([0, 1, 200], np.uint8), np.array([0, 2, 199], np.uint8)
    want = np.isclose(a, b, atol=1)
    # (|a - b| wrapped around in the integer dtype: [True, False, False])
    np.testing.assert_array_equal(to_numpy(gnp.isclose(_xp().asarray(a), _xp().asarray(b),
                                                       atol=1)), want)
    np.testing.assert_array_equal(to_numpy(ad.vmap(lambda u, v: gnp.isclose(u, v, atol=1))(
        _xp().asarray(a), _xp().asarray(b))), want)
    m = np.array([np.iinfo(np.int32).min], np.int32)
    assert not bool(to_numpy(gnp.isclose(_xp().asarray(np.zeros(1, np.int32)),
                                         _xp().asarray(m)))[0])


def test_gradient_returns_a_tuple(backend):
    r = gnp.gradient(_xp().asarray(np.arange(12.0).reshape(3, 4) ** 2))
    assert isinstance(r, tuple) and len(r) == 2  # (a list)


def test_gradient_of_unsigned_and_on_coordinates(backend):
    u = np.array([8, 0, 5, 2, 9], np.uint8)
    # (differences wrapped around in uint8: 508 for -4)
    np.testing.assert_allclose(to_numpy(gnp.gradient(_xp().asarray(u))), np.gradient(u))
    x = np.array([0.0, 1.0, 3.0, 4.0, 7.0])
    f = np.array([1.0, 2.0, 0.5, 3.0, 1.0], np.float32)
    r = gnp.gradient(_xp().asarray(f), x)
    assert r.dtype == np.float32  # (float64)
    np.testing.assert_allclose(to_numpy(r), np.gradient(f, x), rtol=1e-6)
    check_grads(lambda f: gnp.gradient(f, x, edge_order=2), (f.astype(np.float64),), order=1)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.complex64])
def test_nan_means_keep_the_precision(backend, dtype):
    x = np.array([[1, np.nan, 3], [2, 5, np.nan]], dtype)
    for name in ("nanmean", "nanvar", "nanstd"):
        want = getattr(np, name)(x, axis=1)
        got = getattr(gnp, name)(_xp().asarray(x), axis=1)
        assert got.dtype == want.dtype  # (float64 / complex128)
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-3)


def test_nanvar_of_complex_values(backend):
    z = np.array([1 + 2j, np.nan, 3 - 1j, 2j])
    for name in ("nanvar", "nanstd"):
        got = to_numpy(getattr(gnp, name)(_xp().asarray(z)))
        np.testing.assert_allclose(got, getattr(np, name)(z))  # (nanvar: -0.44-3.33j)
    check_grads(lambda x, y: gnp.nanvar(x + 1j * y), (np.array([1.0, 3.0, 0.5]),
                                                     np.array([2.0, -1.0, 0.25])), order=2)


def test_mean_and_nan_reductions_in_the_dtype_asked_for(backend):
    a = np.arange(1, 7, dtype=np.int8).reshape(2, 3)
    assert int(to_numpy(gnp.mean(_xp().asarray(a), dtype=np.int8))) == np.mean(a, dtype=np.int8)
    for name in ("nansum", "nanprod", "nancumsum", "nancumprod", "nanmean"):
        r = getattr(gnp, name)(_xp().asarray(a), dtype=np.int16)
        assert r.dtype == np.int16  # (int64, or float64 for nanmean)
    o = _xp().zeros(3)
    x = np.array([[1, np.nan, 2], [3, 4, np.nan]])
    assert gnp.nansum(_xp().asarray(x), axis=0, out=o) is o  # (NotImplementedError)
    np.testing.assert_array_equal(to_numpy(o), np.nansum(x, axis=0))


def test_fixed_functions_differentiate(backend):
    x = np.array([[0.3, -1.7, 2.2], [1.1, -0.4, 0.9]])
    check_grads(lambda x: gnp.modf(x)[0], (x,), order=2)
    check_grads(gnp.deg2rad, (x,), order=1)
    check_grads(gnp.rad2deg, (x,), order=1)
    check_grads(lambda x: gnp.sum(x, axis=1, dtype=np.float64), (x,), order=1)
    check_grads(lambda x: gnp.prod(x, axis=0, dtype=np.float64), (x,), order=2)
    check_grads(lambda x: gnp.mean(x, dtype=np.float64), (x,), order=1)
    check_grads(lambda x: gnp.nanmean(x, axis=0), (x,), order=1)
    check_grads(lambda x: gnp.gradient(x)[1], (x,), order=1)

    def masked(x):
        o = x * 2.0  # a recorded out=, written where the mask holds
        return gnp.sin(x, where=_xp().asarray(np.asarray(x.numpy()) > 0), out=o)

    check_grads(masked, (x,), order=1, modes=("rev",))
