"""Regressions found by porting NumPy's test_multiarray (tests/conformance/
test_numpy_multiarray_suite.py): values and errors of take, put, vdot, ravel's order, sort's
and partition's kind, swapaxes of a 0-d array, repeat's float count, and error messages that
name the function called. Expected values are derived by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _xp():
    return ad.get_backend().xp


def _both(a):
    """``a`` as the backend's array and as a Tensor requiring grad."""
    x = _xp().asarray(a)
    return [x, ad.tensor(x, requires_grad=True)]


def test_take_reads_booleans_as_positions_not_a_mask(backend):
    # NumPy's take casts indices to integers: True is position 1, False position 0
    a = np.array([10.0, 11, 12, 13, 14])
    b = np.array([True, False, True, False, True])
    for x in _both(a):
        np.testing.assert_array_equal(to_numpy(gnp.take(x, _xp().asarray(b))),
                                      [11.0, 10, 11, 10, 11])
        np.testing.assert_array_equal(to_numpy(gnp.take(x, [True, False])), [11.0, 10])
        assert float(to_numpy(gnp.take(x, True))) == 11.0
        np.testing.assert_array_equal(to_numpy(gnp.take(x, _xp().asarray(b), mode="wrap")),
                                      [11.0, 10, 11, 10, 11])
    x = ad.tensor(_xp().asarray(a), requires_grad=True)
    gnp.sum(x.take(_xp().asarray(b))).backward()  # position 1 three times, position 0 twice
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 3, 0, 0, 0])


def test_take_refuses_float_index_arrays(backend):
    for x in _both(np.arange(4.0)):
        with pytest.raises(TypeError, match="take: indices must be integers"):
            gnp.take(x, _xp().asarray([1.0, 2.0]))
        with pytest.raises(TypeError, match="take"):
            gnp.take(x, _xp().asarray([1.0]), mode="clip")
        assert float(to_numpy(gnp.take(x, 2.0))) == 2.0  # a Python float: NumPy truncates


def test_take_along_axis_refuses_boolean_indices(backend):
    for x in _both(np.arange(3.0)):
        with pytest.raises(IndexError, match="take_along_axis: indices must be an integer"):
            gnp.take_along_axis(x, _xp().asarray([True, False, True]), 0)


def test_vdot_refuses_inputs_of_different_sizes(backend):
    # NumPy's vdot flattens and does not broadcast: 2 * [1, -2, 0.5] summed was -1
    for x in _both(np.array([1.0, -2.0, 0.5])):
        for y in (_xp().asarray(2.0), _xp().asarray([1.0, 2.0])):
            with pytest.raises(ValueError, match=r"vdot: .*shapes \(3,\) and"):
                gnp.vdot(x, y)
            with pytest.raises(ValueError, match="vdot"):
                gnp.vdot(y, x)
    assert float(to_numpy(gnp.vdot(_xp().asarray([[1.0, 2.0]]),
                                   _xp().asarray([3.0, 4.0])))) == 11.0


def test_ravel_order_K_follows_the_memory_layout(backend):
    a = np.arange(6.0).reshape(2, 3)
    t = np.ascontiguousarray(a.T).T  # F-contiguous (2, 3): memory holds 0, 3, 1, 4, 2, 5
    for x in _both(t):
        for order in ("K", "A", "F", "k"):
            np.testing.assert_array_equal(to_numpy(gnp.ravel(x, order=order)),
                                          [0.0, 3, 1, 4, 2, 5])
        np.testing.assert_array_equal(to_numpy(gnp.ravel(x)), [0.0, 1, 2, 3, 4, 5])
    c = np.arange(24.0).reshape(2, 3, 4)
    p = np.ascontiguousarray(c.transpose(1, 2, 0)).transpose(2, 0, 1)  # memory: axes 1, 2, 0
    want = c.transpose(1, 2, 0).ravel()
    for x in _both(p):
        np.testing.assert_array_equal(to_numpy(gnp.ravel(x, order="K")), want)
        np.testing.assert_array_equal(to_numpy(gnp.ravel(x, order="A")), c.ravel())
        with pytest.raises(ValueError, match="ravel: order must be one of"):
            gnp.ravel(x, order="X")
    x = ad.tensor(_xp().asarray(p), requires_grad=True)
    w = np.arange(1.0, 25.0)
    gnp.sum(x.ravel("K") * _xp().asarray(w)).backward()
    g = np.empty(24)
    g[:] = w  # the weight of element want[i] is w[i]
    np.testing.assert_array_equal(to_numpy(x.grad), g[np.argsort(want)].reshape(2, 3, 4))


def test_ravel_order_K_under_jit_raises(backend):
    """A compiled program would keep the layout it was traced with: 'K' of an F-ordered
    array on a later call would read it in C order (50.0 here would be 55.0)."""
    f = ad.jit(lambda x: gnp.sum(gnp.ravel(x, order="K") * gnp.arange(6.0)))
    for a in (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3))):
        with pytest.raises(NotImplementedError, match="ravel: order='K'"):
            f(_xp().asarray(a))
    g = ad.jit(lambda x: gnp.sum(gnp.ravel(x, order="K") * gnp.arange(3.0)))
    assert float(to_numpy(g(_xp().asarray([1.0, 2.0, 3.0])))) == 8.0  # 1-D: one order


def test_sort_refuses_kind_with_stable_and_partition_checks_kind(backend):
    for x in _both(np.array([3.0, 1.0, 2.0])):
        for f in (gnp.sort, gnp.argsort):
            with pytest.raises(ValueError, match="kind= and stable="):
                f(x, kind="stable", stable=False)
        for f in (gnp.partition, gnp.argpartition):
            with pytest.raises(ValueError, match="partition: kind must be 'introselect'"):
                f(x, 1, kind="quicksort")
        np.testing.assert_array_equal(to_numpy(gnp.partition(x, 1, kind="introselect"))[1], 2.0)


def test_put_errors_as_numpy(backend):
    for mode in ("raise", "wrap", "clip"):
        with pytest.raises(IndexError, match="put: cannot replace elements of an empty"):
            gnp.put(_xp().zeros(0), _xp().asarray([0]), _xp().asarray([5.0]), mode=mode)
    e = _xp().zeros(0)
    gnp.put(e, _xp().asarray([], dtype=int), _xp().asarray([5.0]))  # nothing to write
    x = _xp().zeros(4)
    with pytest.raises(TypeError, match="put: indices must be integers"):
        gnp.put(x, _xp().asarray([1.0, 2.0]), _xp().asarray([5.0, 6.0]))
    gnp.put(x, _xp().asarray([True, False]), _xp().asarray([5.0, 6.0]))  # positions 1 and 0
    np.testing.assert_array_equal(to_numpy(x), [6.0, 5.0, 0, 0])


def test_swapaxes_of_a_0d_array_raises_axis_error(backend):
    for x in _both(np.array(1.0)):
        with pytest.raises(np.exceptions.AxisError, match="swapaxes"):
            gnp.swapaxes(x, 0, 0)


def test_repeat_truncates_a_float_count_as_numpy(backend):
    for x in _both(np.array([1.0, 2.0])):
        np.testing.assert_array_equal(to_numpy(gnp.repeat(x, 2.7)), [1.0, 1, 2, 2])
    x = ad.tensor(_xp().asarray([1.0, 2.0]), requires_grad=True)
    gnp.sum(gnp.repeat(x, 3.0) * _xp().asarray([1.0, 1, 1, 2, 2, 2])).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 6.0])


@pytest.mark.parametrize("call, name", [
    (lambda x: gnp.diagonal(x[0]), "diagonal"),
    (lambda x: gnp.inner(x, x[0, :2]), "inner"),
    (lambda x: gnp.ptp(x[:0]), "ptp"),
    (lambda x: gnp.take(x, [7]), "take"),
    (lambda x: (x if isinstance(x, ad.Tensor) else ad.tensor(x)).take([1], axis=2), "take"),
    (lambda x: gnp.sort(x[0, 0]), "sort"),
    (lambda x: gnp.dot(x, x), "dot"),
    (lambda x: gnp.repeat(x, -1), "repeat"),
    (lambda x: gnp.choose(_xp().asarray([0, 1]), [x[0], x[1]]), "choose"),
])
def test_errors_name_the_function_called(backend, call, name):
    """A function built from other ops raised with the inner op's name (diagonal said
    ``moveaxis``, inner ``tensordot``, ptp ``max``, take ``getitem``) or none."""
    for x in _both(np.arange(6.0).reshape(2, 3)):
        with pytest.raises((ValueError, IndexError, TypeError)) as e:
            call(x)
        assert str(e.value).startswith(f"{name}:"), str(e.value)
        assert "shape" in str(e.value) or "dimension" in str(e.value), str(e.value)


def test_tensor_argpartition_partition_and_choose_methods(backend):
    """NumPy's ndarray methods, which raised AttributeError on a Tensor."""
    x = ad.tensor(_xp().asarray([3.0, 1.0, 2.0, 5.0, 0.0]), requires_grad=True)
    i = to_numpy(x.argpartition(2))
    assert sorted(i[:2].tolist()) == [1, 4] and i[2] == 2  # the two smallest, then 2.0
    y = x * 1.0
    assert y.partition(2) is None  # in place, as NumPy's
    yn = to_numpy(y)
    assert yn[2] == 2.0 and set(yn[:2]) == {0.0, 1.0} and set(yn[3:]) == {3.0, 5.0}
    gnp.sum(y * y).backward()  # d/dx sum(x**2) whatever the arrangement
    np.testing.assert_array_equal(to_numpy(x.grad), [6.0, 2, 4, 10, 0])
    c0 = ad.tensor(_xp().asarray([1.0, 2.0, 3.0]), requires_grad=True)
    c1 = ad.tensor(_xp().asarray([10.0, 20.0, 30.0]), requires_grad=True)
    idx = ad.tensor(_xp().asarray([0, 1, 5]))
    r = idx.choose([c0, c1], mode="clip")  # 5 clipped to 1
    np.testing.assert_array_equal(to_numpy(r), [1.0, 20.0, 30.0])
    gnp.sum(r).backward()
    np.testing.assert_array_equal(to_numpy(c0.grad), [1.0, 0, 0])
    np.testing.assert_array_equal(to_numpy(c1.grad), [0.0, 1, 1])


def test_partition_takes_kth_as_an_array_or_tensor(backend):
    """kth given as a Tensor reached CuPy's argpartition as a device array and raised there
    (an implicit host conversion)."""
    a = np.array([9.0, 2, 7, 2, 5, 1, 8, 0, 3])
    for kth in (ad.tensor(_xp().asarray([1, 6])), _xp().asarray([1, 6]), [1, 6]):
        for x in _both(a):
            p = to_numpy(gnp.partition(x, kth))
            assert p[1] == 1.0 and p[6] == 7.0
            assert (p[:1] <= 1).all() and (p[2:6] >= 1).all() and (p[2:6] <= 7).all()
            i = to_numpy(gnp.argpartition(x, kth))
            assert a[i[1]] == 1.0 and a[i[6]] == 7.0


def test_tensor_methods_take_ndarrays_out_and_names(backend):
    """``x.dot(b=..., out=...)``, ``x.clip(lo, hi, out)``, ``x.round(d, out)`` and
    ``x.compress(c, axis, out)`` (ndarray's signatures) raised TypeError; the write into a
    Tensor ``out`` is recorded."""
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x = ad.tensor(_xp().asarray(a), requires_grad=True)
    o = ad.tensor(_xp().zeros(2))
    assert x.dot(b=_xp().ones(3), out=o) is o
    np.testing.assert_array_equal(to_numpy(o), [2.5, 3.5])
    c = ad.tensor(_xp().zeros((2, 3)))
    assert x.clip(0.0, 1.0, c) is c
    np.testing.assert_array_equal(to_numpy(c), [[1.0, 0, 1], [0.5, 1, 0]])
    r = ad.tensor(_xp().zeros((2, 3)))
    assert x.round(0, r) is r
    np.testing.assert_array_equal(to_numpy(r), [[2.0, -2, 3], [0, 4, -1]])  # half to even
    k = ad.tensor(_xp().zeros((1, 3)))
    assert x.compress([False, True], 0, k) is k
    np.testing.assert_array_equal(to_numpy(k), [a[1]])
    (gnp.sum(o * _xp().asarray([1.0, 2.0])) + gnp.sum(c) + gnp.sum(k)).backward()
    # d/dx: dot rows weighted 1 and 2; clip passes where 0 <= x <= 1; compress picks row 1
    want = np.array([[1.0, 1, 1], [2, 2, 2]]) + ((a >= 0) & (a <= 1)) + [[0, 0, 0], [1, 1, 1]]
    np.testing.assert_array_equal(to_numpy(x.grad), want)
