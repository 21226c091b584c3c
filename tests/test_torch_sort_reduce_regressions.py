"""torch's rules for ``unique``, ``any``/``all`` over no dims, ``quantile``'s dtype, ``norm``
with a repeated dim and ``median()`` of booleans on gpuad Tensors, written from torch's
documented results (tests/conformance/test_torch_sort_reduce.py compares with torch itself).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad

NAN = np.nan


def _t(a):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a)))


def test_unique_keeps_each_nan(backend):
    """torch's unique compares with ==: every NaN is its own value, sorted last in the order
    the NaNs appear (NumPy's default merges them)."""
    x = _t([NAN, 1.0, NAN, 3.0, 1.0, NAN])
    vals, inv, cnt = x.unique(return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(to_numpy(vals), [1.0, 3.0, NAN, NAN, NAN])
    np.testing.assert_array_equal(to_numpy(inv), [2, 0, 3, 1, 0, 4])
    np.testing.assert_array_equal(to_numpy(cnt), [2, 1, 1, 1, 1])
    vals, inv = _t([[2, 0], [2, 5]]).unique(return_inverse=True)
    np.testing.assert_array_equal(to_numpy(vals), [0, 2, 5])
    np.testing.assert_array_equal(to_numpy(inv), [[1, 0], [1, 2]])


def test_unique_along_a_dim_beside_an_empty_one(backend):
    """Slices along dim 1 of a (2, 0, 3) tensor: three empty slices, torch's shapes."""
    vals, inv, cnt = _t(np.zeros((2, 0, 3))).unique(dim=1, return_inverse=True,
                                                    return_counts=True)
    assert vals.shape == (2, 0, 3) and inv.shape == (0,) and cnt.shape == (0,)
    vals, inv, cnt = _t(np.zeros((2, 3, 0))).unique_consecutive(dim=1, return_inverse=True,
                                                               return_counts=True)
    assert vals.shape == (2, 1, 0)
    np.testing.assert_array_equal(to_numpy(inv), [0, 0, 0])
    np.testing.assert_array_equal(to_numpy(cnt), [3])


@pytest.mark.parametrize("name", ["any", "all"])
def test_any_all_over_no_dims_reduce_nothing(backend, name):
    """torch's ``x.any(dim=())`` is ``x != 0`` entry by entry (``sum(dim=())`` sums all)."""
    a = np.array([[0.0, 2.0], [NAN, -0.0]])
    for dim in ((), []):
        got = to_numpy(getattr(_t(a), name)(dim=dim))
        np.testing.assert_array_equal(got, a != 0)
    assert to_numpy(getattr(_t(a), name)(dim=(0, 1))).shape == ()


def test_quantile_keeps_float32(backend):
    x = np.array([[3.0, 1.0, 2.0, 7.0]], np.float32)
    r = _t(x).quantile(0.3, dim=1)
    assert r.dtype == np.float32
    np.testing.assert_allclose(to_numpy(r), np.quantile(x, np.float32(0.3), axis=1), rtol=1e-6)
    assert _t(x.astype(np.float64)).quantile(0.3).dtype == np.float64


def test_norm_names_a_repeated_dim(backend):
    with pytest.raises(ValueError, match=r"Tensor.norm: dim=\(1, -1\) names a dim more than"):
        _t(np.ones((2, 3))).norm(dim=(1, -1))


def test_median_of_booleans_and_integers(backend):
    """median() of all entries of a bool or integer tensor: the lower middle value (no
    gradient to share)."""
    assert bool(to_numpy(_t([True, False, True]).median())) is True
    assert int(to_numpy(_t([3, 1, 2, 2]).median())) == 2
    assert int(to_numpy(_t([3, 1, 2, 2]).nanmedian())) == 2


def test_sort_keeps_ties_in_order_without_stable(backend):
    """x.sort(dim=), x.argsort(dim=) and topk keep equal values in their order whatever
    ``stable`` says, on every backend (NumPy's default quicksort reorders ties in long rows,
    so the gradient of a tied value reached another entry than on CuPy)."""
    x = np.random.default_rng(0).integers(0, 3, (2, 600)).astype(np.float64)
    want = np.argsort(x, axis=1, kind="stable")
    np.testing.assert_array_equal(to_numpy(_t(x).sort(dim=1).indices), want)
    np.testing.assert_array_equal(to_numpy(_t(x).argsort(dim=1)), want)
    np.testing.assert_array_equal(to_numpy(_t(x).topk(600, dim=1, largest=False).indices), want)


def test_index_results_are_tensors(backend):
    """torch's methods return tensors: the indices of a 0-d tensor and count_nonzero too."""
    s = _t(np.array(2.5))
    for r in (s.sort(dim=0).indices, s.topk(1).indices, s.max(dim=0).indices,
              s.cummax(dim=0).indices, s.argsort(dim=0), _t(np.ones((2, 3))).count_nonzero(),
              _t(np.ones((2, 3))).count_nonzero(dim=1)):
        assert isinstance(r, ad.Tensor) and r.dtype == np.int64


def test_half_norm_and_cumsum_accumulate_in_float32(backend):
    """torch's x.norm() and x.cumsum(dim=) of float16 accumulate in float32 and return
    float16: 3000 entries near 5 have a norm near 300, not inf (squares summed in float16
    overflow), and a running sum within float16's rounding of the exact one (a float16
    running sum drifts by percents)."""
    a = (np.random.default_rng(0).random((2, 3000)) * 10).astype(np.float16)
    exact = a.astype(np.float64)
    n = _t(a).norm(dim=1)
    assert n.dtype == np.float16
    np.testing.assert_allclose(to_numpy(n).astype(np.float64),
                               np.sqrt((exact ** 2).sum(1)), rtol=2e-3)
    c = _t(a).cumsum(dim=1)
    assert c.dtype == np.float16
    np.testing.assert_allclose(to_numpy(c).astype(np.float64), exact.cumsum(1), rtol=2e-3)


@pytest.mark.parametrize(("call", "match"), [
    (lambda x: x.median(dim=1.5), r"Tensor.median: dim must be an integer, got 1.5"),
    (lambda x: x.sort(dim=1.0), r"Tensor.sort: dim must be an integer, got 1.0"),
    (lambda x: x.kthvalue(1, dim=(0, 1)), r"Tensor.kthvalue: dim must be an integer \(it takes"),
    (lambda x: x.cummax(dim=None), r"Tensor.cummax: dim must be an integer, got None"),
    (lambda x: x.kthvalue(1.5, dim=1), r"Tensor.kthvalue: k must be an integer, got 1.5"),
    (lambda x: x.topk(1.0), r"Tensor.topk: k must be an integer, got 1.0"),
])
def test_dims_and_k_must_be_integers(backend, call, match):
    """torch refuses a float dim or k; int(1.5) took dim 1 silently (median), a float k
    failed inside with an AttributeError."""
    with pytest.raises(TypeError, match=match):
        call(_t(np.arange(6.0).reshape(2, 3)))
    x = _t(np.arange(6.0).reshape(2, 3))
    assert int(to_numpy(x.median(dim=np.int64(1)).values)[0]) == 1  # NumPy integers are fine


class _TorchDtype:
    """Prints as torch's float64 does (``str(torch.float64)``), without importing torch."""

    def __str__(self) -> str:
        return "torch.float64"


@pytest.mark.parametrize("call", [
    lambda x: x.norm(dim=1, dtype=_TorchDtype()),
    lambda x: x.nansum(dim=1, dtype=_TorchDtype()),
    lambda x: x.nanmean(dim=1, dtype=_TorchDtype()),
    lambda x: x.cumsum(dim=1, dtype=_TorchDtype()),
    lambda x: x.cumprod(dim=1, dtype=_TorchDtype()),
    lambda x: x.softmax(dim=1, dtype=_TorchDtype()),
    lambda x: x.log_softmax(dim=1, dtype=_TorchDtype()),
])
def test_torch_dtypes_are_read(backend, call):
    assert call(_t(np.ones((2, 3), np.float32))).dtype == np.float64
