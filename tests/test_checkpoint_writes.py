"""In-place writes and gpuad.checkpoint: backward runs the block again, so a value the block
read (an argument, or a Tensor that requires grad read from its closure) that is written in
place between the forward and the backward must make the backward raise, as it does without
the checkpoint; a gradient at the new value would be silently wrong."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X = np.array([0.3, -1.2, 2.0])
W = np.array([[0.5, 1.0, -0.3], [0.2, 0.1, 0.4], [1.0, -1.0, 0.7]])


def _np(t):
    return to_numpy(t._data if isinstance(t, ad.Tensor) else t)


def test_closed_over_parameter_stepped_before_backward_raises(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    w = ad.tensor(W.copy(), requires_grad=True)
    y = ad.checkpoint(lambda h: gnp.sum(gnp.tanh(h @ w)))(x)
    with ad.no_grad():
        w -= 0.1  # an optimizer step between forward and backward
    with pytest.raises(ad.GradError, match=r"checkpoint.*shape \(3, 3\).*version 0.*now "
                                           r"version 1"):
        y.backward()


def test_closed_over_non_leaf_written_before_backward_raises(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    w = ad.tensor(W.copy(), requires_grad=True)
    w2 = w * 1.0
    y = ad.checkpoint(lambda h: gnp.sum(gnp.tanh(h @ w2)))(x)
    w2 += 0.1
    with pytest.raises(ad.GradError, match="checkpoint.*modified in place"):
        y.backward()


def test_unwritten_closure_still_differentiates(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    w = ad.tensor(W.copy(), requires_grad=True)
    y = ad.checkpoint(lambda h: gnp.sum(gnp.tanh(h @ w)))(x)
    y.backward()
    s = 1 - np.tanh(X @ W) ** 2
    np.testing.assert_allclose(_np(x.grad), W @ s, rtol=1e-12)
    np.testing.assert_allclose(_np(w.grad), np.outer(X, s), rtol=1e-12)


def test_block_writing_into_its_argument_raises(backend):
    # the block multiplied its argument by 3 in place; computed again on the written
    # argument it would differentiate sin(9 h) instead of sin(3 h)
    x = ad.tensor(X.copy(), requires_grad=True)
    h = x * 2.0

    def f(a):
        a *= 3.0
        return gnp.sin(a)

    y = ad.checkpoint(f)(h)
    with pytest.raises(ad.GradError, match="checkpoint: input 0 .*version 0.*now version 1"):
        gnp.sum(y).backward()


def test_nested_checkpoint_closure_written_raises(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    w = ad.tensor(W.copy(), requires_grad=True)
    inner = ad.checkpoint(lambda h: gnp.tanh(h @ w))
    y = ad.checkpoint(lambda h: gnp.sum(inner(h) ** 2))(x)
    with ad.no_grad():
        w *= 2.0
    with pytest.raises(ad.GradError, match="checkpoint.*modified in place"):
        y.backward()
