"""Tensor.register_post_accumulate_grad_hook (torch's optimizer-in-backward hook),
gpuad.utils.checkpoint (torch.utils.checkpoint's names) and gpuad.autograd.graph (torch's
saved-tensor hook blocks)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.utils.checkpoint import checkpoint, checkpoint_sequential

X = np.array([0.3, -1.2, 2.0])
W = np.array([[0.5, 1.0, -0.3], [0.2, 0.1, 0.4], [1.0, -1.0, 0.7]])


def _np(t):
    return to_numpy(t._data if isinstance(t, ad.Tensor) else t)


def test_post_accumulate_hook_steps_inside_backward(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    seen = []

    def step(p):
        seen.append(_np(p.grad).copy())
        with ad.no_grad():
            p -= 0.1 * p.grad
        p.grad = None

    h = x.register_post_accumulate_grad_hook(step)
    gnp.sum(x * x).backward()
    gnp.sum(x * x).backward(inputs=[x])
    ad.autograd.grad(gnp.sum(x * x), x)  # fills no .grad: no call
    assert len(seen) == 2
    np.testing.assert_allclose(seen[0], 2 * X)
    np.testing.assert_allclose(seen[1], 2 * 0.8 * X)
    h.remove()
    gnp.sum(x * x).backward()
    assert len(seen) == 2
    np.testing.assert_allclose(_np(x.grad), 2 * 0.64 * X)


def test_post_accumulate_hook_order_and_errors(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    order = []
    x.register_hook(lambda g: order.append("grad"))
    x.register_post_accumulate_grad_hook(lambda p: order.append(("post", _np(p.grad)[0])))
    gnp.sum(x * 3.0).backward()
    assert order == ["grad", ("post", 3.0)]
    with pytest.raises(ad.GradError, match="not a leaf"):
        (x * 2.0).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(ad.GradError, match="does not require grad"):
        x.detach().register_post_accumulate_grad_hook(lambda p: None)
    y = ad.tensor(X.copy(), requires_grad=True)
    y.register_post_accumulate_grad_hook(lambda p: p.grad * 2)
    with pytest.raises(ad.GradError, match="must return None"):
        gnp.sum(y).backward()


def test_utils_checkpoint_gradients_and_arguments(backend):
    x = ad.tensor(X.copy(), requires_grad=True)
    w = ad.tensor(W.copy(), requires_grad=True)
    for reentrant in (True, False):
        x.grad = w.grad = None
        y = checkpoint(lambda h, m: gnp.tanh(h @ m), x, w, use_reentrant=reentrant,
                       preserve_rng_state=False)
        gnp.sum(y).backward()
        s = 1 - np.tanh(X @ W) ** 2
        np.testing.assert_allclose(_np(x.grad), W @ s, rtol=1e-12)
        np.testing.assert_allclose(_np(w.grad), np.outer(X, s), rtol=1e-12)
    with pytest.raises(ValueError, match="unexpected keyword"):
        checkpoint(lambda h, m=None: h, x, m=w, use_reentrant=True)
    with pytest.raises(TypeError, match="two context managers"):  # a pair is taken
        checkpoint(lambda h: h, x, use_reentrant=False, context_fn=lambda: None)


def test_checkpoint_sequential_matches_plain(backend):
    rng = np.random.default_rng(0)
    ws = [ad.tensor(rng.standard_normal((3, 3)), requires_grad=True) for _ in range(5)]
    fns = [lambda h, w=w: gnp.tanh(h @ w) for w in ws]
    x = ad.tensor(X.copy(), requires_grad=True)
    gnp.sum(checkpoint_sequential(fns, 2, x, use_reentrant=False) ** 2).backward()
    got = [_np(x.grad)] + [_np(w.grad) for w in ws]
    for t in [x, *ws]:
        t.grad = None
    h = x
    for f in fns:
        h = f(h)
    gnp.sum(h ** 2).backward()
    for g, t in zip(got, [x, *ws], strict=True):
        np.testing.assert_allclose(g, _np(t.grad), rtol=1e-12)


def test_saved_tensor_hooks_blocks_open_and_close():
    # (their behaviour: tests/test_saved_tensor_hooks.py)
    with ad.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        pass
    with ad.autograd.graph.save_on_cpu(pin_memory=True):
        pass
    with ad.autograd.graph.disable_saved_tensors_hooks("none"):
        pass


def test_tensor_hooks_run_with_grad_mode_of_the_sweep(backend):
    # torch runs hooks with grad mode on only when the backward records (create_graph)
    x = ad.tensor(X.copy(), requires_grad=True)
    y = x * 1.0
    modes = []
    y.register_hook(lambda g: modes.append(ad.is_grad_enabled()))
    gnp.sum(y).backward()
    gnp.sum(y * y).backward(create_graph=True)
    assert modes == [False, True]
    assert ad.is_grad_enabled()
