"""Fixes found porting PyTorch's tensor tests (view, shape, sort and select, indexing and
reduction suites; the torch comparisons are in tests/conformance/test_torch_tensor_gaps.py),
checked against hand-derived values on each backend."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _t(a, **k):
    return ad.tensor(np.asarray(a), **k)


def test_reshape_minus_one_beside_a_zero_dim_raises(backend):
    # a size-0 tensor reshaped to (0, -1): the -1 could be any size; it was silently 0
    x = _t(np.zeros((0, 6)))
    for shape in ((0, -1), (-1, 0), (3, 0, -1, 0)):
        with pytest.raises(ValueError, match="could be any size"):
            x.reshape(*shape)
    with pytest.raises(ValueError, match="only one dim can be -1"):
        _t(np.ones((3, 3))).reshape(-1, -1)
    with pytest.raises(ValueError, match="only one dim can be -1"):
        _t(np.ones(15)).view(15, -1, -1)
    assert x.reshape(10, 3, -1).shape == (10, 3, 0)  # -1 is 0 here: 30 * k == 0
    assert gnp.reshape(x, (2, -1, 3)).shape == (2, 0, 3)


def test_bool_dims_are_refused(backend):
    # True was read as dim 1: q.topk(2, True) took the top 2 along dim 1 silently
    q = _t(np.arange(12.0).reshape(3, 4))
    with pytest.raises(TypeError, match="dim"):
        q.topk(2, True)
    with pytest.raises(TypeError, match="dim"):
        q.sum(dim=True)
    with pytest.raises(TypeError, match="dim"):
        q.amax(dim=(0, True))
    np.testing.assert_array_equal(to_numpy(q.topk(2, 1)[0]), [[3, 2], [7, 6], [11, 10]])


def test_a_list_of_ranges_index_is_ambiguous(backend):
    # torch reads a short list of sequences as a tuple of indices, NumPy as one index array
    x = _t(np.arange(100.0))
    with pytest.raises(IndexError, match="tuple"):
        x[[range(0, 3), range(1, 4)]]
    rows = [range(i, i + 3) for i in range(32)]  # 32 entries or more: one index in both
    np.testing.assert_array_equal(to_numpy(x[rows])[5], [5.0, 6.0, 7.0])


def test_histc_ranges(backend):
    # NaN data counted as zeros, inf data an unclear error: torch refuses both
    for data in ([np.nan], [1.0, np.inf], [-np.inf, 2.0]):
        with pytest.raises(ValueError, match="not finite"):
            _t(data).histc()
    # a value too large for +-1 to widen the range: all in one bin (was an error)
    for v in (np.finfo(np.float64).max, np.finfo(np.float64).min):
        h = to_numpy(_t(np.full(3, v)).histc(bins=4))
        assert h.sum() == 3.0 and h.max() == 3.0
    # the widest range: bins of width 1e308 (x - min overflowed to inf before)
    np.testing.assert_array_equal(to_numpy(_t([-1e308, 1e308]).histc(bins=2)), [1.0, 1.0])
    np.testing.assert_array_equal(to_numpy(_t([1.0, 2, 1]).histc(bins=4, min=0, max=3)),
                                  [0.0, 2.0, 1.0, 0.0])


def test_unsigned_sums_with_torch_keywords_are_int64(backend):
    # x.sum(dim=0) is torch's call: torch sums uint8 into int64, NumPy into uint64
    x = _t(np.array([[200, 100], [3, 4]], np.uint8))
    for r, want in ((x.sum(dim=0), [203, 104]), (x.prod(dim=1), [20000, 12]),
                    (x.nansum(dim=1), [300, 7]), (x.sum(dim=None), 307)):
        assert r.dtype == np.int64
        np.testing.assert_array_equal(to_numpy(r), want)
    assert x.sum().dtype == np.uint64  # NumPy's own call keeps NumPy's type


def test_index_fill_refuses_a_complex_value_for_a_real_tensor(backend):
    x = _t(np.array([[1.0, 2.0], [4.0, 5.0]]))
    with pytest.raises(RuntimeError, match="index_fill.*complex"):
        x.index_fill(1, _t(np.array([0])), 1 + 1j)
    np.testing.assert_array_equal(to_numpy(x.index_fill(1, _t(np.array([0])), 0.0)),
                                  [[0.0, 2.0], [0.0, 5.0]])


def test_nonzero_with_as_tuple_returns_tensors(backend):
    x = _t(np.array([[0.0, 1.0], [2.0, 0.0]]), requires_grad=True)
    rows = x.nonzero(as_tuple=False)
    assert isinstance(rows, ad.Tensor) and not rows.requires_grad
    np.testing.assert_array_equal(to_numpy(rows), [[0, 1], [1, 0]])
    i, j = x.nonzero(as_tuple=True)
    assert isinstance(i, ad.Tensor) and isinstance(j, ad.Tensor)
    np.testing.assert_array_equal(to_numpy(j), [1, 0])


def test_transposes_adjoint_and_dense_dims(backend):
    z = np.arange(6.0).reshape(2, 3) + 1j
    np.testing.assert_array_equal(to_numpy(_t(z).adjoint()), z.T.conj())
    assert _t(np.ones((2, 3, 4))).adjoint().shape == (2, 4, 3)
    assert float(_t(np.array(2.5)).mT) == 2.5  # a 0-d tensor is its own
    for bad in (lambda v: v.mT, lambda v: v.mH, lambda v: v.adjoint()):
        with pytest.raises(ValueError, match="matri"):
            bad(_t(np.ones(2)))
    x = _t(np.ones((2, 3)))
    assert (x.sparse_dim(), x.dense_dim()) == (0, 2)
    assert x.swapdims_(0, 1).shape == (3, 2) and x.swapaxes_(0, 1).shape == (2, 3)
    with pytest.raises(NotImplementedError, match="storage"):
        x.as_strided((2, 2), (1, 1))
