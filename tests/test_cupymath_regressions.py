"""Regressions found by porting CuPy's math, logic and binary tests
(tests/conformance/test_cupy_suite_math_gaps.py): each compared with NumPy in the same process,
values derived from NumPy on host copies or checked against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64])
def test_sinc_of_the_most_negative_integer(backend, dtype):
    # |x| of iinfo.min wraps around to itself, so the value counted as "near 0" and went
    # through the Maclaurin polynomial: sinc(int8 -128) was 1.3e27 (NumPy: about 4e-17)
    x = np.array([np.iinfo(dtype).min, -3, 0, 2], dtype)
    got = to_numpy(gnp.sinc(gnp.asarray(x)))
    want = np.sinc(x)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, atol=1e-15)


_MATMUL_AXES = [
    ((2, 5, 3, 2, 3, 4), (3, 5, 1, 1, 1, 4), [(1, 2), (0, 1), (0, 1)]),
    ((2, 5, 3, 2, 3, 4), (2, 5, 3, 1, 4, 1), [(-2, -1), (-2, -1), (0, 1)]),
    ((3, 2, 4, 4), (4, 4, 3, 2), [(0, 1), (-1, -2), (-2, -1)]),
    ((3,), (3, 2), [0, (0, 1), 0]),
]


@pytest.mark.parametrize("sa, sb, axes", _MATMUL_AXES)
def test_matmul_axes_keyword(backend, sa, sb, axes):
    # axes= reached matmul's kernel as a parameter: "TypeError: _matmul_fwd() got an
    # unexpected keyword argument 'axes'" (and with out= "keyword arguments ['axes'] are not
    # supported"); NumPy's generalized-ufunc axes= now moves the core axes, both ways
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    want = np.matmul(a, b, axes=axes)
    got = gnp.matmul(gnp.asarray(a), gnp.asarray(b), axes=axes)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)
    out = gnp.zeros(want.shape)
    r = gnp.matmul(gnp.asarray(a), gnp.asarray(b), axes=axes, out=out)
    assert r is out
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-12)
    check_grads(lambda x, y: gnp.matmul(x, y, axes=axes), (a, b), order=1)


def test_matmul_axes_recorded(backend):
    a = ad.tensor(gnp.asarray(np.arange(6.0).reshape(3, 2)), requires_grad=True)
    b = ad.tensor(gnp.asarray(np.ones((3, 2))), requires_grad=True)
    r = gnp.matmul(a, b, axes=[(0, 1), (1, 0), (0, 1)])  # a @ b.T: (3, 3)
    assert r.shape == (3, 3)
    gnp.sum(r).backward()
    # d sum(a b^T) / da[i, j] = sum_m b[m, j] = 3; / db[m, j] = sum_i a[i, j] = (6, 9)
    np.testing.assert_allclose(to_numpy(a.grad), np.full((3, 2), 3.0))
    np.testing.assert_allclose(to_numpy(b.grad), np.tile([6.0, 9.0], (3, 1)))


def test_matmul_axes_errors_as_numpy(backend):
    a, b = np.ones((3, 4)), np.ones((4, 3))
    ga, gb = gnp.asarray(a), gnp.asarray(b)
    for kw, err in [({"axes": [(0, 1), (0, 1)]}, ValueError), ({"axis": 0}, TypeError),
                    ({"keepdims": True}, TypeError)]:
        with pytest.raises(err):
            np.matmul(a, b, **kw)
        with pytest.raises(err):
            gnp.matmul(ga, gb, **kw)


def test_ufunc_dtype_picks_numpys_loop_not_an_input_cast(backend):
    # dtype= cast every input to the output's dtype before the call: less(ints, dtype=bool)
    # compared True with True (all False), absolute(3+4j, dtype=float64) dropped the imaginary
    # part (3, not 5); NumPy casts the inputs to its loop's input types (D->d, ll->?)
    a, b = np.array([1, 2, 3]), np.array([2, 2, 1])
    got = to_numpy(gnp.less(gnp.asarray(a), gnp.asarray(b), dtype=bool))
    np.testing.assert_array_equal(got, np.less(a, b, dtype=bool))  # [True, False, False]
    z = np.array([3 + 4j, -1j])
    got = to_numpy(gnp.absolute(gnp.asarray(z), dtype=np.float64))
    want = np.absolute(z, dtype=np.float64)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want)  # [5, 1]
    t = ad.tensor(gnp.asarray(z), requires_grad=True)
    r = gnp.absolute(t, dtype=np.float64)
    gnp.sum(r).backward()
    np.testing.assert_allclose(to_numpy(t.grad), z / np.abs(z))  # d|z|: z / |z|
    x = np.array([1, 2], np.int8)
    got = to_numpy(gnp.sin(gnp.asarray(x), dtype=np.float64))
    np.testing.assert_allclose(got, np.sin(x, dtype=np.float64))


@pytest.mark.parametrize("name, shapes, kw", [
    ("vecdot", ((3, 4, 5), (3, 4, 5)), {"axes": [(1,), (1,), ()]}),
    ("vecdot", ((3, 4, 5), (3, 4, 5)), {"axes": [1, 1], "keepdims": True}),
    ("vecdot", ((3, 4, 5), (4, 1)), {"axis": -2, "keepdims": True}),
    ("matvec", ((4, 5, 3), (5, 3)), {"axes": [(0, 1), (0,), (0,)]}),
    ("vecmat", ((4, 3), (4, 5, 3)), {"axes": [(0,), (0, 1), (0,)]}),
])
def test_gufunc_axes_of_vecdot_matvec_vecmat(backend, name, shapes, kw):
    # vecdot/matvec/vecmat refused NumPy's axes= ("unexpected keyword argument 'axes'"), and
    # keepdims put the kept axis where the input's was instead of at the output's entry (last
    # where axes= names none: NumPy's (3, 5, 1), not (3, 1, 5))
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal(s) for s in shapes)
    want = getattr(np, name)(a, b, **kw)
    got = to_numpy(getattr(gnp, name)(gnp.asarray(a), gnp.asarray(b), **kw))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    check_grads(lambda x, y: getattr(gnp, name)(x, y, **kw), (a, b), order=1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (sqrt of a wrapped negative, its cast)
@pytest.mark.parametrize("fn", ["var", "std", "nanvar"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_moments_in_a_narrow_integer_dtype_wrap_as_numpy(backend, fn, dtype):
    # the squared deviations, cast to dtype, were summed in the default integer (the sum
    # primitive's dtype= cast its input but summed in int64): var(7..42, dtype=int8) was 29,
    # NumPy's sum in int8 wraps around and gives -13
    a = np.arange(1, 7).reshape(2, 3) * 7
    with np.errstate(all="ignore"):
        want = getattr(np, fn)(a, dtype=dtype)
    got = to_numpy(getattr(gnp, fn)(gnp.asarray(a), dtype=dtype))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.bool_])
def test_sum_primitive_in_a_narrow_dtype(backend, dtype):
    from gpuad.prims.reductions import sum as psum

    c = np.array([113, 0, -15, 68, -7, 16, 100, 100]).astype(dtype)
    for axis in (None, 1):
        want = np.sum(c.reshape(2, 4), axis=axis, dtype=dtype)
        got = to_numpy(psum(gnp.asarray(c.reshape(2, 4)), axis=axis, dtype=dtype))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_nan_to_num_copy_false_writes_into_a_tensor(backend):
    # copy=False on a Tensor returned a new result and left the Tensor as it was (NumPy fills
    # x in place and returns it): code reading x afterwards saw NaN and inf silently
    x = ad.tensor(gnp.asarray(np.array([1.0, 0.5, 3.0, 2.0])), requires_grad=True)
    y = x * gnp.asarray(np.array([2.0, np.nan, np.inf, 1.0]))
    r = gnp.nan_to_num(y, copy=False, posinf=7.0)
    assert r is y
    np.testing.assert_array_equal(to_numpy(y), [2.0, 0.0, 7.0, 2.0])
    gnp.sum(y * y).backward()  # the replaced entries are constants
    np.testing.assert_array_equal(to_numpy(x.grad), [8.0, 0.0, 0.0, 4.0])
    z = gnp.asarray(np.array([np.nan, -np.inf, 1.0]))
    zt = ad.tensor(z)
    assert gnp.nan_to_num(zt, copy=False) is zt
    np.testing.assert_array_equal(to_numpy(zt), np.nan_to_num(np.array([np.nan, -np.inf, 1.0])))
