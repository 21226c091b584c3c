"""Calls with keyword arguments that once gave wrong values or gradients, found by the
differential fuzzer of gpuad.numpy against jax.numpy
(tests/conformance/test_jax_numpy_kwargs_fuzz.py). Each is checked against NumPy or float64
central differences, so it runs without JAX."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy

R = np.random.default_rng(3)
M = R.standard_normal((2, 5))
AW = R.uniform(0.5, 2.0, 5)
FW = np.array([1, 2, 1, 3, 1])
Z = R.standard_normal((2, 3)) + 1j * R.standard_normal((2, 3))
MASK = np.array([True, False, True])


@pytest.mark.parametrize("kw", [{}, {"fweights": FW}, {"ddof": 0}, {"bias": True, "rowvar": True}])
def test_cov_differentiates_aweights(backend, kw):
    # the gradient with respect to aweights was silently zero (the weights were read as
    # constants): for cov(M, aweights=AW) it gave [0, 0, 0, 0, 0]
    np.testing.assert_allclose(to_numpy(gnp.cov(M, aweights=AW, **kw)),
                               np.cov(M, aweights=AW, **kw), rtol=1e-12)
    check_grads(lambda m, w: gnp.cov(m, aweights=w, **kw), (M, AW), order=1)


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_var_std_of_complex_with_where_or_mean(backend, fn, ddof):
    # with where= (or mean=) the squared deviations were d * d, not |d|**2: complex results
    # (var(Z, where=MASK, axis=1) gave complex128 values with nonzero imaginary parts), and
    # a count below ddof divided by a negative number (-0.0 where NumPy gives NaN)
    f, n = getattr(gnp, fn), getattr(np, fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for kw in ({"where": MASK, "axis": 1}, {"where": MASK, "axis": 0},
                   {"mean": Z.mean(0, keepdims=True), "axis": 0}):
            if fn == "std" and "mean" in kw:
                continue
            want = n(Z, ddof=ddof, **kw)
            got = to_numpy(f(Z, ddof=ddof, **kw))
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
            if "mean" in kw:
                kw["mean"] = Z.real.mean(0, keepdims=True)
            got = to_numpy(f(Z.real, ddof=ddof, **kw))
            np.testing.assert_allclose(got, n(Z.real, ddof=ddof, **kw), rtol=1e-12,
                                       equal_nan=True)
    check_grads(lambda z: f(z, axis=1, where=MASK, ddof=1), (Z,), order=1)


@pytest.mark.parametrize("fn", ["deg2rad", "rad2deg", "radians", "degrees", "fabs", "exp2",
                                "cbrt"])
@pytest.mark.parametrize("dt", [np.bool_, np.int8, np.int16, np.int64])
def test_float_ufuncs_of_bool_and_int_take_numpys_dtype(backend, fn, dt):
    # bool and small integer inputs gave float64 (NumPy: float16/float32); cbrt of a bool
    # array raised a TypeError from building the error message itself
    x = np.array([0, 1, 3, 1]).astype(dt)
    want = getattr(np, fn)(x)
    got = to_numpy(getattr(gnp, fn)(x))
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-3)


def test_failure_message_of_a_numpy_error_needing_more_arguments(backend):
    # NumPy's _UFuncNoLoopError takes (ufunc, dtypes): rebuilding it with gpuad's message
    # raised "TypeError: __init__() missing 1 required positional argument"
    with pytest.raises(TypeError, match="sign: invalid inputs"):
        gnp.sign(np.array([True, False]))


@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_allclose_take_equal_nan(backend, equal_nan):
    # equal_nan (NumPy's and jax.numpy's keyword) was refused with a TypeError
    import gpuad as ad

    a = np.array([np.nan, 1.0, np.inf, 2.0])
    b = np.array([np.nan, 1.0 + 1e-9, np.inf, np.nan])
    want = np.isclose(a, b, equal_nan=equal_nan)
    np.testing.assert_array_equal(to_numpy(gnp.isclose(a, b, equal_nan=equal_nan)), want)
    assert gnp.allclose(a, a, equal_nan=equal_nan) == np.allclose(a, a, equal_nan=equal_nan)
    got = ad.vmap(lambda x: gnp.isclose(x, b, equal_nan=equal_nan))(np.stack([a, b]))
    np.testing.assert_array_equal(to_numpy(got)[0], want)


def test_positive_of_bool_raises_as_numpy(backend):
    # gnp.positive of a bool array gave int64 (NumPy raises, jax.numpy returns bool)
    with pytest.raises(TypeError, match="positive"):
        gnp.positive(np.array([True, False]))
    np.testing.assert_array_equal(to_numpy(gnp.positive(np.array([1, -2]))), [1, -2])


def test_eye_takes_numpys_keyword_names(backend):
    # eye(3, M=4) was refused: the parameters were named n and m
    np.testing.assert_array_equal(to_numpy(gnp.eye(N=3, M=4, k=1)), np.eye(3, M=4, k=1))


@pytest.mark.parametrize("fn", ["argmax", "argmin"])
def test_argmax_argmin_keepdims(backend, fn):
    # keepdims= (NumPy's and jax.numpy's keyword) was refused with a TypeError
    for axis in (None, 0, -1):
        want = getattr(np, fn)(M, axis=axis, keepdims=True)
        got = to_numpy(getattr(gnp, fn)(M, axis=axis, keepdims=True))
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fn", ["all", "any"])
def test_all_any_where(backend, fn):
    # where= was refused with a TypeError
    x = M > 0
    for where in (np.array([[True], [False]]), M[:1] > -0.5):
        for axis in (None, 1):
            want = getattr(np, fn)(x, axis=axis, where=where, keepdims=True)
            got = to_numpy(getattr(gnp, fn)(x, axis=axis, where=where, keepdims=True))
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(to_numpy(getattr(gnp, fn)(M, axis=axis, where=where)),
                                          getattr(np, fn)(M, axis=axis, where=where))


def test_array_equal_equal_nan(backend):
    # equal_nan= was refused with a TypeError
    a = np.array([1.0, np.nan])
    assert gnp.array_equal(a, a, equal_nan=True) is True
    assert gnp.array_equal(a, a) is False


def test_sort_of_a_0d_array_raises_an_axis_error(backend):
    # sort of a 0-d array raised ZeroDivisionError (integer modulo by zero); NumPy and
    # jax.numpy raise that axis -1 is out of bounds
    for x in (np.array(3), np.array(2.5)):
        with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
            gnp.sort(x)
        with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
            gnp.take_along_axis(x, np.array(0), 0)
    np.testing.assert_array_equal(to_numpy(gnp.sort(np.array([3, 1]), axis=-1)), [1, 3])


@pytest.mark.parametrize("axis", [2, -3, 5])
def test_take_and_take_along_axis_refuse_an_axis_out_of_bounds(backend, axis):
    # an axis out of bounds wrapped around (take(x, [0], axis=2) of a 2-d x gave the axis-0
    # result); NumPy raises
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(np.exceptions.AxisError):
        gnp.take(x, np.array([0]), axis=axis)
    with pytest.raises(np.exceptions.AxisError):
        gnp.take_along_axis(x, np.zeros((2, 3), int), axis=axis)


@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_min_of_an_empty_reduction_with_initial(backend, fn):
    # an empty reduction raised "zero-size array to reduction operation ... has no identity"
    # although initial= gives it its value (NumPy and jax.numpy return initial)
    f, n = getattr(gnp, fn), getattr(np, fn)
    x = np.ones((2, 0))
    for axis in (None, 1, (0, 1)):
        for kw in ({"initial": 0.5}, {"initial": 0.5, "where": np.ones((2, 0), bool)}):
            want = n(x, axis=axis, keepdims=True, **kw)
            got = to_numpy(f(x, axis=axis, keepdims=True, **kw))
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
    y = np.array([[0.3, 2.0], [1.5, -1.0]])
    check_grads(lambda v: f(v, axis=0, initial=0.7), (y,), order=1, modes=("rev",))
