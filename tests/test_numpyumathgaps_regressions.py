"""Regressions found by porting NumPy's test_umath.py / test_ufunc.py
(tests/conformance/test_numpy_umath_gaps.py): each compares gpuad.numpy with NumPy itself."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def _same(got, want):
    got, want = to_numpy(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    np.testing.assert_array_equal(got, want)


def test_nan_initial_propagates_through_max_and_min(backend):
    """gnp.max(x, initial=nan) gave max(x): the NaN initial was compared, never taken."""
    x = np.array([1.0, 2.0])
    for f in ("max", "min"):
        _same(getattr(gnp, f)(x, initial=np.nan), getattr(np, f)(x, initial=np.nan))
    _same(gnp.maximum.reduce(x, initial=np.nan), np.maximum.reduce(x, initial=np.nan))
    g = ad.grad(lambda a: gnp.sum(gnp.max(a, axis=1, initial=2.5)))(
        np.array([[1.0, 3.0], [2.0, 0.0]])
    )
    np.testing.assert_array_equal(to_numpy(g), [[0, 1], [0, 0]])


def test_reduce_of_a_0d_array_along_axis_0(backend):
    """NumPy reduces a 0-d array along axis 0 (the default) to itself; gpuad raised
    AxisError."""
    _same(gnp.add.reduce(np.array(3.0)), np.add.reduce(np.array(3.0)))
    _same(gnp.maximum.reduce(np.array(3.0), axis=-1), np.maximum.reduce(np.array(3.0), axis=-1))
    with pytest.raises(np.exceptions.AxisError):
        gnp.add.reduce(np.array(3.0), axis=(0,))
    g = ad.grad(lambda a: gnp.multiply.reduce(a * 2.0))(np.array(3.0))
    assert float(to_numpy(g)) == 2.0


def test_explicit_initial_none_means_no_identity(backend):
    """add.reduce(empty, initial=None) gave 0.0; NumPy raises (no identity)."""
    with pytest.raises(ValueError):
        np.add.reduce(np.zeros(0), initial=None)
    with pytest.raises(ValueError, match="identity"):
        gnp.add.reduce(np.zeros(0), initial=None)
    with pytest.raises(ValueError):
        gnp.add.reduce(np.ones(3), where=np.array([True, False, True]), initial=None)
    _same(gnp.add.reduce(np.array([1.0, 2.0]), initial=None), 3.0)


def test_reduce_out_must_have_the_result_shape(backend):
    """add.reduce(x, axis=0, out=<shape (1, 3)>) filled out by broadcasting; NumPy raises."""
    if backend == "cupy":
        pytest.skip("NumPy host arrays as out=: the NumPy backend's rule (CuPy refuses the mix)")
    x = np.ones((2, 3))
    with pytest.raises(ValueError):
        np.add.reduce(x, axis=0, out=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="out="):
        gnp.add.reduce(x, axis=0, out=np.zeros((1, 3)))
    o = np.zeros((1, 3))
    assert gnp.add.reduce(x, axis=0, keepdims=True, out=o) is o
    _same(o, np.full((1, 3), 2.0))


def test_none_in_an_out_tuple_is_a_new_array(backend):
    """modf(x, out=(None, b)) returned (None, b); NumPy returns a new first output."""
    if backend == "cupy":
        pytest.skip("NumPy host arrays as out=: the NumPy backend's rule (CuPy refuses the mix)")
    x = np.array([1.5, 2.25])
    b = np.zeros(2)
    frac, whole = gnp.modf(x, out=(None, b))
    assert whole is b
    _same(frac, np.modf(x)[0])
    _same(b, np.modf(x)[1])


def test_out_ellipsis_gives_arrays(backend):
    """out=... (NumPy: new arrays, 0-d ones too) raised TypeError."""
    r = gnp.sin(np.array(1.0), out=...)
    assert np.ndim(r) == 0 and not isinstance(r, np.generic)
    _same(r, np.sin(np.array(1.0), out=...))


def test_ufunc_at_keeps_the_array_dtype(backend):
    """add.at(int array, i, 1.5) and add.at(float32 array, i, float64) returned a float64
    array; NumPy casts back to the array's dtype after every step."""
    for a, b, name in [
        (np.array([-3, 0]), 1.5, "add"),
        (np.array([1, 2]), np.array(2.5), "multiply"),
        (np.arange(4, dtype=np.float32), np.array(1e-9), "add"),
        (np.array([4, 2]), None, "sqrt"),
    ]:
        want = a.copy()
        getattr(np, name).at(want, [0, 0], *(() if b is None else (b,)))
        _same(getattr(gnp, name).at(a, np.array([0, 0]), *(() if b is None else (b,))), want)
    with pytest.raises(TypeError, match="complex"):
        gnp.add.at(np.ones(2), np.array([0]), 1j)
    check_grads(
        lambda a, b: gnp.add.at(a, np.array([0, 0, 2]), b),
        (np.arange(4.0, dtype=np.float32), np.array(0.5)),
        order=1,
        modes=("rev",),
        rtol=1e-3,
        atol=1e-3,
    )


def test_reduce_out_dtype_takes_part_in_the_loop(backend):
    """add.reduce(float32, out=<float64>) summed in float32; NumPy sums in out's dtype."""
    if backend == "cupy":
        pytest.skip("NumPy host arrays as out=: the NumPy backend's rule (CuPy refuses the mix)")
    a = np.array([0.1, 0.2, 0.3], np.float32)
    o, w = np.zeros(()), np.zeros(())
    gnp.add.reduce(a, out=o)
    np.add.reduce(a, out=w)
    assert o == w
    u8 = np.ones(1000, np.uint8)
    o16 = np.zeros((), np.uint16)
    gnp.add.reduce(u8, out=o16)
    assert o16 == 1000


def test_too_many_ufunc_arguments_is_a_type_error(backend):
    """hypot(a, a, a, a) raised ValueError about out=; NumPy raises TypeError."""
    a = np.array([1.0])
    with pytest.raises(TypeError):
        np.hypot(a, a, a, a)
    with pytest.raises(TypeError, match="positional"):
        gnp.hypot(a, a, a, a)


def test_ufunc_functions_pickle_by_reference():
    """pickle.dumps(gnp.sin) failed (a function made inside prim()); NumPy's ufuncs pickle."""
    import pickle

    for name in ("sin", "add", "float_power", "modf", "deg2rad"):
        f = getattr(gnp, name)
        assert pickle.loads(pickle.dumps(f)) is f


def test_reductions_refuse_an_out_of_another_shape(backend):
    """sum/max/mean(x, axis=0, out=<shape (1, 4)>) broadcast into out; NumPy raises."""
    if backend == "cupy":
        pytest.skip("NumPy host arrays as out=: the NumPy backend's rule (CuPy refuses the mix)")
    x = np.arange(12.0).reshape(3, 4)
    for f in ("sum", "max", "mean", "cumsum"):
        with pytest.raises(ValueError):
            getattr(np, f)(x, axis=0, out=np.zeros((1, 4) if f != "cumsum" else (1, 12)))
        with pytest.raises(ValueError, match="out="):
            getattr(gnp, f)(x, axis=0, out=np.zeros((1, 4) if f != "cumsum" else (1, 12)))
    o = np.zeros((3, 4))
    assert gnp.clip(np.array([1.0, 5.0, 9.0, -1.0]), 0.0, 4.0, out=o) is o  # (broadcasts)
    np.testing.assert_array_equal(o, np.broadcast_to([1.0, 4.0, 4.0, 0.0], (3, 4)))


def test_nan_initial_is_skipped_by_fmax_and_nanmax(backend):
    """fmax.reduce / nanmax ignore a NaN initial=, as NumPy's."""
    a = np.array([1.0, 2.0])
    _same(gnp.fmax.reduce(a, initial=np.nan), np.fmax.reduce(a, initial=np.nan))
    _same(
        gnp.nanmax(np.array([1.0, np.nan]), initial=np.nan),
        np.nanmax(np.array([1.0, np.nan]), initial=np.nan),
    )


def test_accumulate_and_reduceat_with_out_compute_in_outs_dtype(backend):
    """add.accumulate(float32, out=<float64>) summed in float32; NumPy sums in float64."""
    if backend == "cupy":
        pytest.skip("NumPy host arrays as out=: the NumPy backend's rule (CuPy refuses the mix)")
    a = np.array([0.1, 0.2, 0.3], np.float32)
    for call in (
        lambda m, o: m.add.accumulate(a, out=o),
        lambda m, o: m.add.reduceat(a, np.array([0, 1]), out=o[:2]),
    ):
        o, w = np.zeros(3), np.zeros(3)
        call(gnp, o)
        call(np, w)
        np.testing.assert_array_equal(o, w)
    _same(
        gnp.add.accumulate(np.ones((2, 3)), axis=(0,)),
        np.add.accumulate(np.ones((2, 3)), axis=(0,)),
    )


def test_numpy_reduce_on_tensors_takes_where_and_initial_none(backend):
    """np.add.reduce(t, where=mask) raised TypeError, np.add.reduce(empty t, initial=None)
    gave 0; both now go to gnp.add.reduce with NumPy's rules."""
    if get_backend().name != "numpy":
        pytest.skip("NumPy's ufunc methods take NumPy arrays")
    t = ad.tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    w = np.array([True, False, True])
    _same(
        np.maximum.reduce(t, where=w, initial=0.0),
        np.maximum.reduce(np.array([1.0, 2.0, 4.0]), where=w, initial=0.0),
    )
    with pytest.raises(ValueError):
        np.add.reduce(ad.tensor(np.zeros(0), requires_grad=True), initial=None)


def test_out_ellipsis_in_methods_and_its_errors(backend):
    """add.reduce(a, out=...) raised AttributeError; out=(...,) and a positional ... are
    NumPy's TypeErrors."""
    a = np.arange(3.0)
    _same(gnp.add.reduce(a, out=...), np.add.reduce(a, out=...))
    _same(gnp.add.accumulate(a, out=...), np.add.accumulate(a, out=...))
    for call in (
        lambda m: m.negative(a, out=(...,)),
        lambda m: m.add(a, 1.0, ...),
        lambda m: m.add.reduce(a, out=(...,)),
    ):
        with pytest.raises(TypeError):
            call(np)
        with pytest.raises(TypeError, match=r"\.\.\."):
            call(gnp)
