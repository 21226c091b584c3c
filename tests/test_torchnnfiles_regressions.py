"""Regressions found porting torch's test/nn/test_pruning.py (the comparisons with torch are in
tests/conformance/test_torch_nn_files_gaps.py): structured pruning's dim and rank checks, the
PruningContainer's argument checks and indexing, BasePruningMethod.prune, the container mask's
dtype, global_unstructured's argument types, a failed second pruning, a lazy layer's
placeholder, and pickling a module whose tensor a forward pre-hook recomputes. Expected values
are derived by hand."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
from gpuad.nn.utils import prune


def _linear(w):
    m = nn.Linear(w.shape[1], w.shape[0])
    xp = ad.get_backend().xp
    m.load_state_dict({"weight": xp.asarray(w), "bias": xp.zeros(w.shape[0])})
    return m


def test_structured_pruning_refuses_a_dim_out_of_range_and_1d_tensors(backend):
    for dim in (2, -3):  # was wrapped around: dim=2 of a matrix pruned its rows
        with pytest.raises(IndexError, match=f"dim={dim} is out of range"):
            prune.ln_structured(nn.Linear(3, 2), "weight", 1, n=2, dim=dim)
        with pytest.raises(IndexError, match="out of range"):
            prune.random_structured(nn.Linear(3, 2), "weight", 1, dim=dim)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        prune.ln_structured(nn.Linear(3, 2), "bias", 1, n=2, dim=0)
    m = prune.ln_structured(_linear(np.array([[1.0, 5, 1], [2, 1, 2]])), "weight", 1, n=1, dim=-1)
    np.testing.assert_array_equal(to_numpy(m.weight_mask), [[1, 1, 0], [1, 1, 0]])


def test_pruning_container_checks_indexing_and_mask_dtype(backend):
    c = prune.PruningContainer()
    c._tensor_name = "w"
    with pytest.raises(TypeError, match="got int"):
        c.add_pruning_method(10)
    q = prune.L1Unstructured(1)
    q._tensor_name = "b"
    with pytest.raises(ValueError, match="'b'"):  # even while the container is empty
        c.add_pruning_method(q)
    p = prune.L1Unstructured(1)
    p._tensor_name = "w"
    c.add_pruning_method(p)
    assert c[0] is p and list(c) == [p] and len(c) == 1
    mask = c.compute_mask(np.array([3.0, 1.0, 2.0]), np.array([1, 1, 0]))
    assert mask.dtype == np.float64  # the tensor's dtype, not the default mask's
    np.testing.assert_array_equal(mask, [1.0, 0.0, 0.0])


def test_prune_method_applies_the_mask(backend):
    t = np.array([[1.0, -4.0], [3.0, 2.0]])
    np.testing.assert_array_equal(prune.L1Unstructured(2).prune(t), [[0, -4], [3, 0]])
    got = prune.L1Unstructured(1).prune(
        t, np.array([[1, 1], [0, 1]]), importance_scores=np.array([[5.0, 1], [0, 9]])
    )
    np.testing.assert_array_equal(got, [[1, -4], [0, 2]])  # the masked 0 scores lowest
    x = ad.tensor(ad.get_backend().xp.asarray(t), requires_grad=True)
    prune.L1Unstructured(2).prune(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [[0, 1], [1, 0]])


def test_global_unstructured_argument_types(backend):
    with pytest.raises(TypeError, match="iterable of"):
        prune.global_unstructured(5, prune.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="must be a dict"):
        prune.global_unstructured(
            [(nn.Linear(2, 2), "weight")], prune.L1Unstructured, importance_scores=[1], amount=1
        )


def test_a_failed_second_pruning_keeps_the_first(backend):
    m = _linear(np.array([[1.0, -2, 3], [0.5, 4, -6]]))
    prune.l1_unstructured(m, "weight", amount=2)
    with pytest.raises(IndexError):
        prune.ln_structured(m, "weight", 1, n=2, dim=5)
    with ad.no_grad():
        m.weight_orig[...] = ad.tensor(ad.get_backend().xp.ones((2, 3)))
    y = m(ad.tensor(ad.get_backend().xp.eye(3)))  # the hook still applies the first mask
    np.testing.assert_array_equal(to_numpy(y), [[0, 0], [1, 1], [1, 1]])


def test_pickled_module_with_a_recomputed_tensor_has_no_extra_parameter(backend):
    x = ad.tensor(ad.get_backend().xp.ones((1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for make in (lambda m: prune.l1_unstructured(m, "weight", 2), nn.utils.weight_norm):
            m = make(_linear(np.array([[1.0, -2, 3], [0.5, 4, -6]])))
            y = to_numpy(m(x))
            new = pickle.loads(pickle.dumps(m))
            # 'weight' (a recorded product) was unpickled as a leaf: a new parameter
            assert list(new.state_dict()) == list(m.state_dict())
            assert len(list(new.parameters())) == len(list(m.parameters()))
            np.testing.assert_array_equal(to_numpy(new(x)), y)


def test_pruning_a_lazy_layer_before_its_first_call_raises(backend):
    m = nn.LazyLinear(3)  # was accepted, then the first call failed in matmul
    with pytest.raises(ValueError, match="uninitialized parameter of a lazy layer"):
        prune.l1_unstructured(m, "weight", 0.5)
    with pytest.raises(ValueError, match="uninitialized parameter of a lazy layer"):
        prune.global_unstructured([(m, "weight")], prune.L1Unstructured, amount=1)
    assert not prune.is_pruned(m)
    assert m(ad.tensor(ad.get_backend().xp.ones((2, 4)))).shape == (2, 3)
