"""The host-computed indices, masks and in-place writes of embeddings with torch's arguments,
embedding bags, nearest interpolation, max_unpool, multilabel_margin_loss and the in-place
activations on every backend: values and gradients against the NumPy backend's (there also
against central differences), and under gpuad.jit. The other new functions are checked on
every backend by tests/diff_specs/nn_more2.py; comparisons with torch are in
tests/conformance/test_torch_nn_more2.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(3)
TABLE = RNG.normal(size=(5, 2))
X = RNG.normal(size=(1, 2, 3, 4))


def xp_(a):
    return ad.get_backend().xp.asarray(a)


CASES = {
    "embedding": (
        lambda w: F.embedding(
            xp_(np.array([[1, 0], [4, 4]])), w, padding_idx=0, scale_grad_by_freq=True
        ),
        [TABLE],
    ),
    "embedding_bag_max": (
        lambda w: F.embedding_bag(
            xp_(np.array([1, 3, 3, 0, 2])), w, xp_(np.array([0, 2, 2])), mode="max", padding_idx=2
        ),
        [TABLE],
    ),
    "embedding_bag_weights": (
        lambda w, p: F.embedding_bag(
            xp_(np.array([[1, 3], [4, 1]])), w, mode="sum", per_sample_weights=p
        ),
        [TABLE, RNG.normal(size=(2, 2))],
    ),
    "nearest": (lambda x: F.interpolate(x, scale_factor=1.5), [X]),
    "max_unpool": (
        lambda x: F.max_unpool2d(x, xp_(np.array([[[[1, 5], [4, 8]]] * 2])), 2, stride=1),
        [RNG.normal(size=(1, 2, 2, 2))],
    ),
    "multilabel_margin": (
        lambda x: F.multilabel_margin_loss(x, xp_(np.array([[2, 0, -1], [1, -1, 0]]))),
        [RNG.normal(size=(2, 3))],
    ),
}


def _value_and_grads(fn, args, xp):
    ts = [ad.tensor(xp(a), requires_grad=True) for a in args]
    y = fn(*ts)
    u = np.random.default_rng(1).normal(size=y.shape)
    (y * ad.tensor(xp(u))).sum().backward()
    return [to_numpy(y)] + [to_numpy(t.grad) for t in ts]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_numpy(backend, name):
    fn, args = CASES[name]
    # padding_idx and scale_grad_by_freq change the gradient of the embedding on purpose
    if backend == "numpy" and name != "embedding":
        check_grads(fn, args, order=1, modes=("rev",))
    got = _value_and_grads(fn, args, xp_)
    with ad.use_backend("numpy"):
        ref = _value_and_grads(fn, args, np.asarray)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_max_norm_and_inplace_writes(backend):
    emb = nn.Embedding.from_pretrained(ad.tensor(xp_(TABLE * 3)), max_norm=1.0)
    emb(xp_(np.array([0, 2])))
    norms = np.linalg.norm(to_numpy(emb.weight), axis=1)
    assert np.all(norms[[0, 2]] <= 1.0) and np.all(norms[[1, 3, 4]] > 1.0)
    x = ad.tensor(xp_(TABLE), requires_grad=True)
    h = x * 1.0
    F.leaky_relu_(h, 0.3)
    (h * h).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), 2 * TABLE * np.where(TABLE > 0, 1, 0.09))
    raw = xp_(TABLE.copy())
    F.relu_(raw)
    np.testing.assert_array_equal(to_numpy(raw), np.maximum(TABLE, 0))


def test_embedding_bag_last_offset_ends_at_the_input_end(backend):
    # torch's kernels read include_last_offset's final offset as the input's length
    idx, w = xp_(np.array([1, 2, 4, 0, 3])), xp_(TABLE)
    for off in ([0, 2, 3], [0, 2, 5]):
        got = F.embedding_bag(idx, w, xp_(np.array(off)), mode="sum", include_last_offset=True)
        want = [TABLE[[1, 2]].sum(0), TABLE[[4, 0, 3]].sum(0)]
        np.testing.assert_allclose(to_numpy(got), np.array(want), rtol=1e-14)


def test_under_jit_values_are_read_each_call_or_refused(backend):
    x = xp_(RNG.normal(size=(2, 3)))
    loss = ad.jit(lambda a, t: F.multilabel_margin_loss(a, t))
    unpool = ad.jit(lambda a, i: F.max_unpool1d(a, i, 2))
    for t, i in [([[0, -1, 1], [1, 2, -1]], [[[0, 2]]]), ([[2, 1, -1], [0, -1, 1]], [[[1, 3]]])]:
        t, i = xp_(np.array(t)), xp_(np.array(i))
        np.testing.assert_allclose(to_numpy(loss(x, t)), to_numpy(F.multilabel_margin_loss(x, t)))
        ones = xp_(np.ones((1, 1, 2)))
        np.testing.assert_array_equal(
            to_numpy(unpool(ones, i)), to_numpy(F.max_unpool1d(ones, i, 2))
        )
    # a fresh function: on a GPU a replayed CUDA graph reports a bad index after a later launch
    fresh = ad.jit(lambda a, i: F.max_unpool1d(a, i, 2))
    with pytest.raises(IndexError, match="max_unpool1d"):
        fresh(xp_(np.ones((1, 1, 2))), xp_(np.array([[[0, 4]]])))
    bag = ad.jit(lambda w, off: F.embedding_bag(xp_(np.array([1, 3, 0])), w, off))
    with pytest.raises(Exception, match="traced"):
        bag(xp_(TABLE), xp_(np.array([0, 1])))
    with pytest.raises(NotImplementedError, match="max_norm"):
        ad.jit(lambda w: F.embedding(xp_(np.array([0, 1])), w, max_norm=1.0))(xp_(TABLE))
