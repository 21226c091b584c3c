"""torch's running extremes, order statistics, ``take_along_dim``, ``tensor_split``,
``aminmax`` and ``unfold`` on gpuad Tensors, against NumPy references written from torch's
documented rules, with gradients checked against float64 central differences (and, where a
chosen entry takes the whole gradient, against that entry). tests/conformance/
test_torch_opinfo.py runs torch's own samples of the same methods.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad

NAN = np.nan


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a)), requires_grad=grad)


def _grad(fn, x):
    """The gradient of the scalar ``fn(t)`` at ``x``."""
    t = _t(x, grad=True)
    fn(t).backward()
    return to_numpy(t.grad)


def _central(fn, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        with ad.no_grad():
            g[i] = (float(to_numpy(fn(_t(x + d)))) - float(to_numpy(fn(_t(x - d))))) / (2 * eps)
    return g


def _check_grad(fn, x):
    np.testing.assert_allclose(_grad(fn, x), _central(fn, x), rtol=1e-6, atol=1e-8)


def _ref_cum(x, larger):
    """torch's cummax/cummin along the last dim: the last index among equal values, NaN
    propagating from the last NaN seen."""
    vals, idx = np.empty_like(x), np.empty(x.shape, np.int64)
    for row in np.ndindex(x.shape[:-1]):
        best, at = None, 0
        for j, v in enumerate(x[row]):
            if np.isnan(v) or best is None or (not np.isnan(best) and (
                    v >= best if larger else v <= best)):
                best, at = v, j
            vals[row + (j,)], idx[row + (j,)] = best, at
    return vals, idx


W = np.random.default_rng(3).standard_normal((3, 6))


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin(backend, name):
    x = np.array([[1.0, 3.0, 3.0, 2.0, 0.0, 3.0],
                  [2.0, NAN, 5.0, NAN, -1.0, 0.0],
                  [0.5, -0.5, 0.5, -0.5, 0.7, -2.0]])
    v, i = getattr(_t(x), name)(dim=1)
    want_v, want_i = _ref_cum(x, name == "cummax")
    np.testing.assert_array_equal(to_numpy(v), want_v)
    np.testing.assert_array_equal(to_numpy(i), want_i)
    # the whole gradient to the entry each running extreme was taken from
    g = _grad(lambda t: (getattr(t, name)(1)[0] * _t(W)).sum(), np.nan_to_num(x))
    _, at = _ref_cum(np.nan_to_num(x), name == "cummax")
    want = np.zeros_like(x)
    for r in range(3):
        np.add.at(want[r], at[r], W[r])
    np.testing.assert_allclose(g, want)
    y = np.random.default_rng(0).standard_normal((4, 3))
    _check_grad(lambda t: (getattr(t, name)(0)[0] * _t(W[:, :4].T)).sum(), y)


def test_logcumsumexp(backend):
    x = np.array([[-1000.0, 0.0, 1000.0, 999.0], [0.3, -0.2, 0.1, 5.0]])
    got = to_numpy(_t(x).logcumsumexp(dim=1))
    np.testing.assert_allclose(got, np.logaddexp.accumulate(x, axis=1), rtol=1e-14)
    assert got[0, 0] == -1000.0  # no underflow to -inf
    y = np.random.default_rng(1).standard_normal((5, 3))
    _check_grad(lambda t: (t.logcumsumexp(0) * _t(W[:, :5].T)).sum(), y)


def test_kthvalue(backend):
    x = np.random.default_rng(2).standard_normal((3, 5))
    for k in (1, 3, 5):
        v, i = _t(x).kthvalue(k, dim=1)
        np.testing.assert_array_equal(to_numpy(v), np.sort(x, axis=1)[:, k - 1])
        np.testing.assert_array_equal(to_numpy(i), np.argsort(x, axis=1)[:, k - 1])
    v, i = _t(x).kthvalue(2, dim=0, keepdim=True)
    assert v.shape == i.shape == (1, 5)
    _check_grad(lambda t: (t.kthvalue(2, 0)[0] * _t(W[0, :5])).sum(), x)
    with pytest.raises(IndexError, match="kthvalue: k=6"):
        _t(x).kthvalue(6)


def _lower_median(row, skip_nan):
    if np.isnan(row).any() and not skip_nan:
        return NAN
    row = row[~np.isnan(row)]
    return np.sort(row)[(len(row) - 1) // 2] if len(row) else NAN


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_with_dim(backend, name):
    x = np.array([[4.0, 1.0, 3.0, 2.0],
                  [2.0, NAN, 7.0, 1.0],
                  [NAN, NAN, NAN, NAN]])
    v, i = getattr(_t(x), name)(dim=1)
    want = [_lower_median(r, name == "nanmedian") for r in x]
    np.testing.assert_array_equal(to_numpy(v), want)
    i = to_numpy(i)
    np.testing.assert_array_equal(x[np.arange(3), i], want)  # the index holds the value
    assert i[0] == 3  # (4, 1, 3, 2): the lower middle value 2, not their mean 2.5
    y = np.random.default_rng(4).standard_normal((4, 5))
    _check_grad(lambda t: (getattr(t, name)(1, keepdim=True)[0] * _t(W.T[:4, :1])).sum(), y)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_of_all_shares_ties(backend, name):
    x = np.array([[1.0, 2.0], [2.0, 1.0]])
    assert float(to_numpy(getattr(_t(x), name)())) == 1.0
    np.testing.assert_array_equal(_grad(lambda t: getattr(t, name)(), x), [[0.5, 0], [0, 0.5]])
    y = np.array([1.0, NAN, 2.0, 0.0])
    got = float(to_numpy(getattr(_t(y), name)()))
    assert (got == 1.0) if name == "nanmedian" else np.isnan(got)


def test_aminmax(backend):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, 0.0, -2.0]])
    lo, hi = _t(x).aminmax(dim=1, keepdim=True)
    np.testing.assert_array_equal(to_numpy(lo), x.min(1, keepdims=True))
    np.testing.assert_array_equal(to_numpy(hi), x.max(1, keepdims=True))
    g = _grad(lambda t: (lambda r: (r.min * 2 + r.max).sum())(t.aminmax()), x)
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [1, 0, 1]])  # ties share the gradient
    g = _grad(lambda t: t.aminmax(dim=0).max.sum(), x)
    np.testing.assert_array_equal(g, [[1, 1, 1], [0, 0, 0]])


def test_take_along_dim(backend):
    x = np.random.default_rng(5).standard_normal((3, 4))
    idx = np.array([[0, -1], [3, 1], [-4, 2]])
    got = to_numpy(_t(x).take_along_dim(_t(idx), dim=1))
    np.testing.assert_array_equal(got, np.take_along_axis(x, idx % 4, 1))
    col = np.array([[2], [0]])  # one column of indices, broadcast against x's 4 columns
    got = to_numpy(_t(x).take_along_dim(_t(col), dim=0))
    np.testing.assert_array_equal(got, x[[2, 0]])
    np.testing.assert_array_equal(to_numpy(_t(x).take_along_dim(_t(np.array([5, -1])))),
                                  x.ravel()[[5, -1]])
    _check_grad(lambda t: (t.take_along_dim(_t(idx), 1) * _t(W[:3, :2])).sum(), x)
    with pytest.raises(IndexError, match="take_along_dim: index 4"):
        _t(x).take_along_dim(_t(np.array([[4]])), dim=1)


def test_tensor_split(backend):
    x = np.arange(14.0).reshape(2, 7)
    for cut in (3, 7, 9, [1, 5], [-2, 1, 10], np.array(3), np.array([2, 4])):
        got = _t(x).tensor_split(_t(cut) if isinstance(cut, np.ndarray) else cut, dim=1)
        want = np.array_split(x, cut if not isinstance(cut, np.ndarray) or cut.ndim
                              else int(cut), axis=1)
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(to_numpy(a), b)
    g = _grad(lambda t: sum((p * (k + 1)).sum() for k, p in enumerate(t.tensor_split(3, 1))),
              x)
    np.testing.assert_array_equal(g, [[1, 1, 1, 2, 2, 3, 3]] * 2)


def test_unfold(backend):
    x = np.random.default_rng(6).standard_normal((2, 7))
    got = to_numpy(_t(x).unfold(1, 3, 2))
    want = np.lib.stride_tricks.sliding_window_view(x, 3, axis=1)[:, ::2]
    np.testing.assert_array_equal(got, want)
    assert got.shape == (2, 3, 3)
    assert _t(x).unfold(0, 2, 1).shape == (1, 7, 2)
    w = np.random.default_rng(7).standard_normal((2, 5, 3))
    _check_grad(lambda t: (t.unfold(1, 3, 1) * _t(w)).sum(), x)  # overlapping windows add
    u = _t(x).unfold(1, 3, 2)
    with pytest.raises(ValueError, match="windows that overlap"):
        u[0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="size=8"):
        _t(x).unfold(1, 8, 1)


def test_empty_and_single_entries(backend):
    assert np.isnan(float(to_numpy(_t(np.zeros(0)).median())))
    assert np.isnan(float(to_numpy(_t(np.zeros((2, 0))).nanmedian())))
    with pytest.raises(IndexError, match="median: dim 0 of shape"):
        _t(np.zeros((0, 3))).median(0)
    x = _t(np.ones((1, 3)))
    y = x.logcumsumexp(0)
    y += 1.0  # a new tensor: x stays as it was
    np.testing.assert_array_equal(to_numpy(x), np.ones((1, 3)))
