"""Regressions from the port of NumPy's stride/index tricks and shape-base tests
(tests/conformance/test_numpy_lib_tricks_suite.py): sliding_window_view, broadcast_to's shape
check, r_ of nothing, ndenumerate, and the errors for numpy.ma, as_strided and numpy.emath on a
Tensor being recorded. Values are derived by hand or by finite differences."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(np.asarray(a, dtype=float)), requires_grad=grad)


def test_sliding_window_view_values_and_overlap_adjoint(backend):
    """Windows of 3 over 5 entries; the adjoint of entry i adds the cotangents of every window
    holding it: u[0,0]; u[0,1]+u[1,0]; u[0,2]+u[1,1]+u[2,0]; ..."""
    x = _t(np.arange(5.0))
    w = gnp.sliding_window_view(x, 3)
    np.testing.assert_array_equal(to_numpy(w), [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    u = np.arange(9.0).reshape(3, 3)
    gnp.sum(w * _xp().asarray(u)).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0, 1 + 3, 2 + 4 + 6, 5 + 7, 8])


def test_sliding_window_view_repeated_axis_and_errors(backend):
    """axis=(1, 1) windows one axis twice: w[i, j, a, b] = x[i, j + a + b]; NumPy's
    ValueErrors for a window larger than the axis, a negative one, mismatched lengths."""
    x = np.arange(8.0).reshape(2, 4)
    w = to_numpy(gnp.lib.stride_tricks.sliding_window_view(_t(x), (2, 2), axis=(1, 1)))
    assert w.shape == (2, 2, 2, 2)
    for i, j, a, b in np.ndindex(w.shape):
        assert w[i, j, a, b] == x[i, j + a + b]
    check_grads(lambda v: gnp.sliding_window_view(v, (2, 2), axis=(1, 1)) ** 2,
                (_xp().asarray(x / 5),), order=2)
    for bad in [dict(window_shape=5, axis=1), dict(window_shape=-1, axis=0),
                dict(window_shape=(2, 2), axis=0), dict(window_shape=(2,))]:
        with pytest.raises(ValueError, match="sliding_window_view"):
            gnp.sliding_window_view(_t(x), **bad)


def test_sliding_window_view_is_read_only_and_follows_writes(backend):
    x = ad.tensor(_xp().asarray(np.arange(4.0)))
    w = gnp.sliding_window_view(x, 2)
    with pytest.raises(ValueError, match="read-only"):
        w[0, 0] = 5.0
    x[1] = 10.0  # NumPy's windows are a view: they read the new value
    np.testing.assert_array_equal(to_numpy(w), [[0, 10], [10, 2], [2, 3]])
    with pytest.raises(NotImplementedError, match="writeable"):
        gnp.sliding_window_view(_t(np.arange(4.0)), 2, writeable=True)


def test_numpy_sliding_window_view_on_a_tensor_is_recorded(backend):
    x = _t(np.arange(4.0))
    w = np.lib.stride_tricks.sliding_window_view(x, 3)
    gnp.sum(w).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [1, 2, 2, 1])


@pytest.mark.parametrize("src, target", [((1, 2), (2, 1)), ((1, 2), (2,)), ((1,), (-1,)),
                                         ((3,), (1,)), ((2, 3), (3, 2))])
def test_broadcast_to_refuses_shapes_it_cannot_broadcast_to(backend, src, target):
    """(1, 2) -> (2, 1) has as many elements but is no broadcast: it was reshaped silently."""
    for a in (_xp().ones(src), _t(np.ones(src))):
        with pytest.raises(ValueError, match="broadcast"):
            gnp.broadcast_to(a, target)


def test_broadcast_to_still_broadcasts(backend):
    x = _t([[1.0, 2.0]])
    y = gnp.broadcast_to(x, (3, 1, 2))
    assert y.shape == (3, 1, 2)
    gnp.sum(y * _xp().asarray(np.arange(6.0).reshape(3, 1, 2))).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0 + 2 + 4, 1 + 3 + 5]])


def test_r_of_nothing_raises(backend):
    with pytest.raises(ValueError, match="at least one array"):
        gnp.r_[()]


def test_ndenumerate(backend):
    x = _t([[1.0, 2.0], [3.0, 4.0]])
    pairs = list(gnp.ndenumerate(x))
    assert [i for i, _ in pairs] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    gnp.sum(gnp.stack([v * (k + 1) for k, (_, v) in enumerate(pairs)])).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[1, 2], [3, 4]])


@pytest.mark.parametrize("name, call", [
    ("numpy.ma.MaskedArray", lambda t: np.ma.masked_array(t, mask=[0, 1, 0])),
    ("numpy.ma.array", lambda t: np.ma.array(t, mask=[0, 1, 0])),
    ("numpy.ma.sum", lambda t: np.ma.sum(t)),
    ("numpy.ma.exp", lambda t: np.ma.exp(t)),
    ("numpy.ma.where", lambda t: np.ma.where(np.array([True, False, True]), t, 0.0)),
    ("numpy.ma.concatenate", lambda t: np.ma.concatenate([t, t])),
])
def test_numpy_ma_names_the_function_and_a_gpuad_way(backend, name, call):
    """numpy.ma.masked_array was reported as 'numpy.__new__ ... call gpuad.numpy.__new__';
    numpy.ma.exp/where/concatenate gave a MaskedArray of the values, the gradient dropped."""
    t = _t([1.0, 2.0, 3.0])
    with pytest.raises(TypeError) as e:
        call(t)
    msg = str(e.value)
    assert msg.startswith(name + " "), msg
    assert "gnp.where(mask" in msg and "__new__" not in msg, msg
    assert not re.search(r"gpuad\.numpy\.(sum|exp|where|concatenate|array)\b", msg), msg


def test_numpy_ma_keeps_working_on_arrays(backend):
    m = np.ma.exp(np.ma.masked_array([0.0, 1.0], mask=[1, 0]))
    assert m.mask.tolist() == [True, False] and m[1] == np.e
    assert np.ma.getdata(np.arange(2.0)).tolist() == [0.0, 1.0]


def test_as_strided_and_emath_name_themselves(backend):
    t = _t(np.arange(6.0))
    with pytest.raises(TypeError) as e:
        np.lib.stride_tricks.as_strided(t, (2, 3), (8, 8))
    msg = str(e.value)
    assert msg.startswith("numpy.lib.stride_tricks.as_strided "), msg
    assert "sliding_window_view" in msg and "as_strided(...) instead" not in msg, msg
    with pytest.raises(TypeError) as e:
        np.emath.sqrt(t)
    msg = str(e.value)
    assert "numpy.lib.scimath.sqrt" in msg and "gpuad.numpy.sqrt)" not in msg, msg
    assert "complex" in msg, msg


def test_masked_array_operator_with_a_recorded_tensor_raises(backend):
    """m + t with m a MaskedArray gave a MaskedArray of the values (MaskedArray.__add__ reads
    t through numpy.ma.getdata): the gradient of t was dropped silently."""
    t = _t([1.0, 2.0, 3.0])
    m = np.ma.masked_array(np.arange(3.0), mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"MaskedArray\.__add__.*gnp\.where"):
        m + t


def test_ix_of_an_empty_sequence_is_an_integer_index(backend):
    """On the CuPy backend gnp.ix_([]) was an empty float64 array, which no array accepts as
    an index (NumPy's is intp)."""
    (e,) = gnp.ix_([])
    assert np.dtype(e.dtype) == np.intp
    x = _xp().asarray(np.arange(6.0).reshape(2, 3))
    assert x[gnp.ix_([], [0, 2])].shape == (0, 2)


@pytest.mark.parametrize("sections", [np.int64(3), 3.0, np.array(3)])
def test_split_takes_numpy_integers_as_sections(backend, sections):
    """gnp.split(x, np.int64(3)) raised "'numpy.int64' object is not iterable" (only a Python
    int counted as a number of sections; NumPy takes anything without a len())."""
    x = _t(np.arange(6.0))
    for f in (gnp.split, gnp.array_split, gnp.hsplit):
        parts = f(x, sections)
        assert [to_numpy(p).tolist() for p in parts] == [[0, 1], [2, 3], [4, 5]]
    gnp.sum(gnp.split(x, sections)[1] * 2.0).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0, 0, 2, 2, 0, 0])


@pytest.mark.parametrize("name", ["r_", "c_"])
def test_numpy_r_c_on_a_recorded_tensor_name_gpuads(backend, name):
    """numpy.r_[t, t] gave the generic conversion error; it names numpy.r_ and gnp.r_[...]
    now, which records the join."""
    t = _t([1.0, 2.0])
    with pytest.raises(TypeError, match=rf"^numpy\.{name} .*use gpuad\.numpy\.{name}\[\.\.\.\]"):
        getattr(np, name)[t, t]
    gnp.sum(getattr(gnp, name)[t, t * 3.0]).backward()
    np.testing.assert_array_equal(to_numpy(t.grad), [4.0, 4.0])


def test_copyto_drops_leading_unit_dims_as_numpy(backend):
    """numpy.copyto(dst (3, 4), src (1, 3, 4)) is NumPy's assignment rule; it raised once
    broadcast_to refused (1, 3, 4) -> (3, 4) (right for broadcast_to itself)."""
    xp = ad.get_backend().xp
    w = ad.tensor(xp.full((1, 3, 4), 2.0), requires_grad=True)
    d = ad.tensor(xp.zeros((3, 4)), requires_grad=True) * 1.0
    gnp.copyto(d, w)
    gnp.sum(d * d).backward()
    np.testing.assert_array_equal(to_numpy(w.grad), np.full((1, 3, 4), 4.0))
    with pytest.raises(ValueError, match=r"copyto: could not broadcast input array from shape "
                                         r"\(2, 3, 4\) into shape \(3, 4\)"):
        gnp.copyto(d, xp.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="broadcast_to"):
        gnp.broadcast_to(xp.ones((1, 3, 4)), (3, 4))
