"""The gradient of a view written in place, and of its base, as torch splits them: after
``view.mul_(2)`` the view is ``base_new[:1]`` again, so ``dL/dview`` counts the view's own
uses and ``dL/dbase`` counts the base's uses plus the view's. gpuad gave the view the
gradient of the written value including the base's uses (7 for 6 below) and the base only
its direct uses ([1, 1] for [7, 1]); leaves were right either way."""

from __future__ import annotations

import numpy as np

import gpuad as ad


def _leaf(v):
    return ad.tensor(np.array(v, dtype=float), requires_grad=True)


def test_retain_grad_on_written_view_and_base(backend):
    x = _leaf([1.0, 2.0])
    base = x * 1.0
    view = base[:1]
    view.retain_grad()
    base.retain_grad()
    view.mul_(2.0)
    (view * 3.0 + base).sum().backward()  # L = 6 v + b0 + b1, with v = b0
    np.testing.assert_allclose(view.grad.numpy(), [6.0])
    np.testing.assert_allclose(base.grad.numpy(), [7.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [14.0, 1.0])


def test_retain_grad_inplace_over_view(backend):
    # torch's test_retain_grad_inplace_over_view
    base = _leaf([1.0]) * 1.0
    view, view2 = base[:], base[:]
    view.retain_grad()
    view2.retain_grad()
    view.mul_(2.0)
    (view + view2).sum().backward()
    np.testing.assert_allclose(view.grad.numpy(), [1.0])
    np.testing.assert_allclose(view2.grad.numpy(), [1.0])


def test_autograd_grad_wrt_written_view(backend):
    x = _leaf([1.0, 2.0])
    base = x * 1.0
    view = base[:1]
    view.mul_(2.0)
    gv, gb, gx = ad.autograd.grad((view * 3.0 + base).sum(), [view, base, x])
    np.testing.assert_allclose(gv.numpy(), [6.0])
    np.testing.assert_allclose(gb.numpy(), [7.0, 1.0])
    np.testing.assert_allclose(gx.numpy(), [14.0, 1.0])


def test_hook_on_sibling_output_survives_a_write_to_another(backend):
    # the outputs of a multi-output Function (and the pieces of a split) are views of one
    # packed array: a write to one rebuilt the others from it, and their hooks, left on the
    # old steps, were never called (the gradient lost its factor 100: 13 instead of 904)
    class DoubleMul(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0, x * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2.0 + g2 * 3.0

    b = _leaf(np.arange(4.0).reshape(2, 2))
    o1, o2 = DoubleMul.apply(b)
    o2.register_hook(lambda g: g * 100.0)
    o1.mul_(2.0)
    (o1 + o2 * 3.0).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.full((2, 2), 904.0))

    x = _leaf(np.arange(4.0))
    a, c = ad.numpy.split(x * 1.0, 2)
    c.register_hook(lambda g: g * 100.0)
    a.mul_(2.0)
    (a + c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 100.0, 100.0])


def test_grad_wrt_view_of_base_written_through_another_view(backend):
    # v = b.reshape(6) was not rebuilt when given to autograd.grad after a write through
    # u = v[2:5]: its old step, read by the write, got a partial gradient ([0, 0, 6, 7.6,
    # 9.2, 0]) where torch finds v unused (its value now is not on the loss's path)
    x = _leaf(np.arange(6.0).reshape(2, 3) / 5 + 0.1)
    b = x * 1.0
    v = b.reshape(6)
    u = v[2:5]
    u *= 2.0
    loss = (b * b).sum() + u.sum()
    assert ad.autograd.grad(loss, [v], allow_unused=True, retain_graph=True) == (None,)
    seen = []
    v.register_hook(lambda g: seen.append(g))
    (v * 3.0).sum().backward(inputs=[v])
    np.testing.assert_allclose(v.grad.numpy(), np.full(6, 3.0))
    assert len(seen) == 1
