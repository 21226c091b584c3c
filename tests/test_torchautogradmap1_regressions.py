"""Regressions found by mapping torch's test_autograd.py, test/autograd/test_complex.py and
test/autograd/test_fallback.py (conformance/test_torch_autograd_map1.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

# view ops that change nothing (the same shape, the identity permutation, nothing to squeeze)
NO_OP_VIEWS = {
    "squeeze()": lambda t: t.squeeze(),
    "squeeze(())": lambda t: gnp.squeeze(t, ()),
    "gnp.squeeze": lambda t: gnp.squeeze(t),
    "transpose(1, 1)": lambda t: t.transpose(1, 1),
    "transpose((0, 1))": lambda t: t.transpose((0, 1)),
    "swapaxes(0, 0)": lambda t: t.swapaxes(0, 0),
    "movedim(0, 0)": lambda t: t.movedim(0, 0),
    "gnp.moveaxis": lambda t: gnp.moveaxis(t, 1, 1),
    "gnp.transpose((0, 1))": lambda t: gnp.transpose(t, (0, 1)),
    "gnp.reshape same shape": lambda t: gnp.reshape(t, (2, 3)),
    "gnp.broadcast_to same shape": lambda t: gnp.broadcast_to(t, (2, 3)),
    "broadcast_to same shape": lambda t: t.broadcast_to((2, 3)),
    "gnp.ravel of 1-D": lambda t: gnp.ravel(t[0]),
    "gnp.expand_dims(())": lambda t: gnp.expand_dims(t, ()),
}


@pytest.mark.parametrize("name", sorted(NO_OP_VIEWS))
def test_no_op_view_is_a_new_view(backend, name):
    # A view op that changed nothing returned the tensor itself, so a hook registered on the
    # "view" scaled every use of the tensor: with y = x * 1, v = f(y) and a hook g -> 10 g on
    # v, the loss sum(v) + sum(y) gave x.grad 20 instead of 11 (torch's and NumPy's view
    # functions return an object of their own); it is a new view now
    x = ad.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 1
    f = NO_OP_VIEWS[name]
    v = f(y)
    assert v is not y
    v.register_hook(lambda g: g * 10)
    (gnp.sum(v) + gnp.sum(y)).backward()
    want = 11.0 if v.shape == y.shape else np.where(np.arange(2)[:, None] == 0, 11.0, 1.0)
    np.testing.assert_array_equal(to_numpy(x.grad), np.broadcast_to(want, (2, 3)))


def test_no_op_view_of_leaf_retain_grad_sees_its_own_uses(backend):
    # retain_grad on x.squeeze() (nothing to squeeze) reported the leaf's whole gradient (its
    # .grad was x.grad, 3 here) instead of the gradient of the view's own use (1)
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = x.squeeze()
    assert v is not x and not v.is_leaf and v._base is x
    v.retain_grad()
    (gnp.sum(v) + 2 * gnp.sum(x)).backward()
    np.testing.assert_array_equal(to_numpy(v.grad), [1.0, 1.0])
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 3.0])


def test_no_op_view_of_leaf_refuses_in_place_write(backend):
    # the write into a no-op view of a leaf that requires grad is a write into a view of the
    # leaf (refused, as torch), and detach_() of the "view" detached the leaf itself (x no
    # longer required grad); a view refuses detach_(), as torch
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(ad.GradError, match="view"):
        x.movedim(0, 0).add_(1)
    v = x.transpose(0, 0)
    assert v is not x and v.requires_grad and not v.is_leaf
    with pytest.raises(RuntimeError, match="view"):
        v.detach_()
    assert x.requires_grad and x.is_leaf



def _counted(first, later):
    calls = [0]

    def block(h):
        calls[0] += 1
        return first(h) if calls[0] == 1 else later(h)

    return block


def test_checkpoint_recomputation_with_other_values_raises(backend):
    # a checkpointed block that computes something else when backward runs it again (it
    # branches on a counter: sin(exp(sin h)) in the forward, exp(sin h) again) gave the
    # gradient of the second computation, a silently wrong one (torch raises: a different
    # number of tensors was saved); backward now compares the recomputed outputs with the
    # forward's and raises
    from gpuad.utils.checkpoint import checkpoint

    x = ad.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    block = _counted(lambda h: gnp.sin(gnp.exp(gnp.sin(h))), lambda h: gnp.exp(gnp.sin(h)))
    y = checkpoint(block, x, use_reentrant=False)
    with pytest.raises(ad.GradError, match="different values"):
        gnp.sum(y).backward()


def test_checkpoint_recomputation_with_other_shapes_raises(backend):
    # the same output shape in the forward, another one when run again: the cotangent was cut
    # to the new shape (torch raises: tensors have different metadata)
    x = ad.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    block = _counted(lambda h: gnp.sin(h), lambda h: gnp.stack([gnp.sin(h), h]))
    y = ad.checkpoint(block)(x)
    with pytest.raises(ad.GradError, match="shape"):
        gnp.sum(y).backward()


def test_checkpoint_recomputation_same_values_passes(backend):
    # the check lets the same computation through (random draws are replayed), and the
    # gradient is the block's
    x = ad.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    y = ad.checkpoint(lambda h: gnp.sin(gnp.exp(h)) * 2)(x)
    gnp.sum(y).backward()
    xs = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(to_numpy(x.grad), 2 * np.cos(np.exp(xs)) * np.exp(xs),
                               rtol=1e-13)


def test_checkpoint_output_hook_in_second_order(backend):
    # a hook on a checkpointed block's output, with a second backward through the gradient
    # (create_graph): the gradient is computed from the block's recomputed output, whose
    # step had no hook, so the second backward left the hook out of the part that reached
    # the block through it (d/dx of grad with y = exp(x), hook g -> 7 g: 112 y^2 for 196 y^2,
    # the value without the checkpoint); the hooks go with the recomputed outputs now
    xs = np.array([0.3, -1.2, 2.0])

    def second(ckpt):
        x = ad.tensor(xs, requires_grad=True)
        y = ad.checkpoint(gnp.exp)(x) if ckpt else gnp.exp(x)
        y.register_hook(lambda g: g * 7)
        (g,) = ad.autograd.grad(gnp.sum(y * y), x, create_graph=True)
        (gg,) = ad.autograd.grad(gnp.sum(g), x)
        return to_numpy(g), to_numpy(gg)

    g0, gg0 = second(False)
    g1, gg1 = second(True)
    np.testing.assert_allclose(g0, 14 * np.exp(2 * xs), rtol=1e-13)
    np.testing.assert_allclose(gg0, 196 * np.exp(2 * xs), rtol=1e-13)
    np.testing.assert_allclose(g1, g0, rtol=1e-13)
    np.testing.assert_allclose(gg1, gg0, rtol=1e-13)


def test_checkpoint_returning_its_argument_keeps_hooks_once(backend):
    # a block that returns its argument as it came: its output's hook is not carried onto the
    # argument (that ran it again in the same sweep: 7 times the gradient)
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 1.5
    y = ad.checkpoint(lambda a: a)(h)
    y.register_hook(lambda g: g * 7)
    (g,) = ad.autograd.grad(gnp.sum(y * y), x, create_graph=True)
    np.testing.assert_allclose(to_numpy(g), 7 * 2 * 1.5 * 1.5 * np.array([1.0, 2.0]))
