"""torch's scatter/gather and ``index_*`` methods on each backend: the cases where gpuad once
gave a silent zero gradient, a wrong dtype or a value torch refuses (the torch comparisons are
in tests/conformance/test_torch_scatter_gather.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(a), requires_grad=grad)


@pytest.mark.parametrize("red", ["amax", "amin"])
def test_scatter_reduce_extreme_at_a_nan_result_is_nan(backend, red):
    # a NaN reaching a target makes its result NaN, which no element equals: the derivative
    # there is NaN for every element taking part (torch's, and gpuad's amax reductions'), not 0
    x = _t(np.array([0.0, 5.0, 0.0]), True)
    src = _t(np.array([1.0, np.nan, 2.0, 3.0]), True)
    out = x.scatter_reduce(0, _t(np.array([0, 0, 1, 2])), src, red)
    out.sum().backward()
    assert np.isnan(to_numpy(out)[0])
    gs, gx = to_numpy(src.grad), to_numpy(x.grad)
    assert np.isnan(gs[:2]).all() and np.isnan(gx[0])
    assert np.isfinite(gs[2:]).all() and np.isfinite(gx[1:]).all()
    # a NaN the scatter leaves alone (include_self=False, untouched): NaN, not a silent 0
    y = _t(np.array([np.nan, 1.0]), True)
    y.scatter_reduce(0, _t(np.array([1])), _t(np.array([2.0])), red,
                     include_self=False).sum().backward()
    assert np.isnan(to_numpy(y.grad)[0]) and to_numpy(y.grad)[1] == 0.0


@pytest.mark.parametrize("dt", [np.int32, np.int16, np.uint8])
def test_scatter_reduce_integer_mean_keeps_the_dtype(backend, dt):
    x = _t(np.array([7, 3, 4], dt))
    src = _t(np.array([2, 5, 1, 1], dt))
    idx = _t(np.array([0, 1, 1, 2]))
    out = x.scatter_reduce(0, idx, src, "mean")
    assert out.dtype == dt
    np.testing.assert_array_equal(to_numpy(out), np.array([(7 + 2) // 2, (3 + 5 + 1) // 3,
                                                           (4 + 1) // 2], dt))
    with pytest.raises(TypeError, match="booleans"):
        _t(np.array([True, False])).scatter_reduce(0, idx[:2], _t(np.array([True, True])),
                                                   "mean")
    z = _t(np.ones(2, complex))
    for inc in (True, False):  # once a value (include_self) or an obscure NumPy error
        with pytest.raises(TypeError, match="complex"):
            z.scatter_reduce(0, idx[:2], z, "amax", include_self=inc)


def test_writes_refuse_a_source_of_another_dtype(backend):
    # a float source written into an integer tensor was truncated silently (torch raises)
    xi = _t(np.arange(6).reshape(3, 2))
    half = _t(np.full((1, 2), 0.5))
    calls = {
        "index_add": lambda: xi.index_add(0, _t(np.array([0])), half),
        "index_copy": lambda: xi.index_copy(0, _t(np.array([0])), half),
        "scatter_add": lambda: xi.scatter_add(0, _t(np.array([[0, 1]])), half),
        "scatter": lambda: xi.scatter(0, _t(np.array([[0, 1]])), half),
        "index_put": lambda: xi.index_put((_t(np.array([0])),), half),
        "put": lambda: xi.put(_t(np.array([0, 1])), half.reshape(-1)),
        "masked_scatter": lambda: xi.masked_scatter(_t(np.array([True, False])), half),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match=f"{name}: .*dtype"):
            call()
    # a float alpha gave alpha * source truncated (torch's index_add truncates alpha instead)
    with pytest.raises(TypeError, match="alpha"):
        xi.index_add(0, _t(np.array([0])), _t(np.full((1, 2), 3)), alpha=1.5)
    np.testing.assert_array_equal(
        to_numpy(xi.index_add(0, _t(np.array([0])), _t(np.full((1, 2), 3)), alpha=2)),
        [[6, 7], [2, 3], [4, 5]])
    # a number is still cast, as in torch
    np.testing.assert_array_equal(to_numpy(xi.index_fill(0, _t(np.array([0])), 9)),
                                  [[9, 9], [2, 3], [4, 5]])


def test_index_sources_are_not_broadcast(backend):
    x = _t(np.zeros((4, 5, 3)))
    idx = _t(np.array([0, 2]))
    with pytest.raises(ValueError, match="index_add: source of shape"):
        x.index_add(0, idx, _t(np.ones((1, 5, 3))))
    with pytest.raises(ValueError, match="index_copy: source of shape"):
        x.index_copy(0, idx, _t(np.ones((2, 5, 1))))
    # index_reduce once reduced such a source into column 0 only
    with pytest.raises(ValueError, match="index_reduce: source of shape"):
        x.index_reduce(0, idx, _t(np.ones((2, 1, 3))), "amax")
    for call in (lambda: x.index_select(0, _t(np.array([[0, 1]]))),
                 lambda: x.index_add(0, _t(np.array([[0, 1]])), _t(np.ones((2, 5, 3))))):
        with pytest.raises(IndexError, match="0-d or 1-d"):
            call()


def test_empty_index_and_zero_d_forms(backend):
    a = np.arange(4.0).reshape(2, 2)
    empty = _t(np.zeros(0, np.int64))
    for call in (lambda x: x.scatter_add(0, empty, x), lambda x: x.scatter(0, empty, 1.0),
                 lambda x: x.scatter_reduce(0, empty, x, "amax")):
        x = _t(a, True)
        out = call(x)
        np.testing.assert_array_equal(to_numpy(out), a)
        out.sum().backward()
        np.testing.assert_array_equal(to_numpy(x.grad), np.ones_like(a))
    assert _t(a).gather(0, empty).shape == (0,)
    # a 0-d tensor with a 1-d index is its one-entry 1-d form
    s = _t(np.array(2.0), True)
    v = _t(np.array([1.0, 3.0]), True)
    i2 = _t(np.array([0, 0]))
    out = s.scatter_add(0, i2, v) + s.scatter_reduce(0, i2, v, "amax", include_self=False)
    assert out.shape == () and float(out) == 6.0 + 3.0
    out.backward()
    assert float(s.grad) == 1.0
    np.testing.assert_array_equal(to_numpy(v.grad), [1.0, 2.0])


def test_index_fill_counts_negative_indices_from_the_end(backend):
    x = _t(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(to_numpy(x.index_fill(1, _t(np.array([-1])), 0.0)),
                                  [[0, 1, 0], [3, 4, 0]])
    with pytest.raises(IndexError, match="out of range"):
        x.index_fill(1, _t(np.array([-4])), 0.0)
    with pytest.raises(IndexError, match="0-d tensor has no dim"):
        _t(np.array(1.0)).take_along_dim(_t(np.array(0)), 0)
