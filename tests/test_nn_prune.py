"""gpuad.nn.utils.prune on every backend: masks chosen by magnitude and by slice norm, a
second pruning chosen among the kept entries, the gradient reaching ``weight_orig`` only
where kept, removal, global pruning across modules, and the amount's errors. Comparisons
with torch are in tests/conformance/test_torch_nn_suite_more.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
from gpuad.nn.utils import prune

W = np.array([[0.5, -3.0, 0.1, 2.0], [-0.2, 1.0, -4.0, 0.3], [6.0, -0.4, 0.05, -1.5]])


def _linear(w=W):
    m = nn.Linear(w.shape[1], w.shape[0])
    m.load_state_dict({"weight": ad.get_backend().xp.asarray(w),
                       "bias": ad.get_backend().xp.asarray(np.arange(w.shape[0]) + 1.0)})
    return m


def test_l1_then_ln_structured_and_the_gradient(backend):
    m = _linear()
    prune.l1_unstructured(m, "weight", amount=0.25)  # the 3 smallest |w| of 12
    mask = np.abs(W) > 0.2
    np.testing.assert_array_equal(to_numpy(m.weight_mask), mask)
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    prune.l1_unstructured(m, "weight", amount=1)  # the next smallest kept: 0.3
    mask &= np.abs(W) != 0.3
    np.testing.assert_array_equal(to_numpy(m.weight_mask), mask)
    prune.ln_structured(m, "weight", amount=1, n=1, dim=0)  # row 1 has the least |w|_1 left
    mask[1] = False
    np.testing.assert_array_equal(to_numpy(m.weight_mask), mask)
    x = ad.tensor(ad.get_backend().xp.asarray(np.ones((2, 4))))
    m(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(m.weight_orig.grad), 2.0 * mask)
    assert prune.is_pruned(m)
    prune.remove(m, "weight")
    assert not prune.is_pruned(m) and list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(to_numpy(m.weight), W * mask)


def test_global_pruning_and_amount_errors(backend):
    a, b = _linear(), _linear(W[:2, :3] * 10)
    prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=4)
    both = np.concatenate([np.abs(W).ravel(), np.abs(W[:2, :3] * 10).ravel()])
    cut = np.sort(both)[3]
    np.testing.assert_array_equal(to_numpy(a.weight_mask), np.abs(W) > cut)
    np.testing.assert_array_equal(to_numpy(b.weight_mask), np.abs(W[:2, :3] * 10) > cut)
    for bad, err in ((-1, ValueError), (1.5, ValueError), ("x", TypeError), (13, ValueError)):
        with pytest.raises(err, match="amount"):
            prune.l1_unstructured(_linear(), "weight", bad)
    with pytest.raises(ValueError, match="pruned before"):
        prune.remove(_linear(), "weight")
