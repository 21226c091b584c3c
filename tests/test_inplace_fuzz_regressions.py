"""Bugs found by tests/conformance/test_torch_inplace_fuzz.py (in-place writes against torch),
each checked against hand-derived values."""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


def test_write_through_a_detached_view_of_a_leaf(backend):
    # torch's detach() is a tensor of its own (not a view for autograd): writing into it is
    # allowed, and reaches the leaf's memory. gpuad refused it as a view made under no_grad.
    x = ad.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    x[0:2].detach().add_(1.0)
    x[1:].detach()[0:1].mul_(3.0)  # a view of a detached view
    np.testing.assert_array_equal(x.numpy(), [2.0, 9.0, 3.0, 4.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 18.0, 6.0, 8.0])  # 2 x, new values


def test_write_through_a_view_made_under_no_grad_still_refuses(backend):
    x = ad.tensor(np.ones(4), requires_grad=True)
    with ad.no_grad():
        v = x[0:2]
    with pytest.raises(ad.GradError, match="made under no_grad"):
        v.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), np.ones(4))


@pytest.mark.parametrize("name", ["scatter", "scatter_add", "scatter_"])
def test_scatter_refuses_a_0d_tensor_source(backend, name):
    # torch: "Index tensor must have the same number of dimensions as src tensor"; gpuad
    # broadcast the 0-d tensor silently
    x = ad.tensor(np.zeros((2, 3)))
    idx = np.array([[0, 1, 0], [1, 0, 1]])
    with pytest.raises(ValueError, match="0-d tensor"):
        getattr(x, name)(0, idx, ad.tensor(2.0))
    np.testing.assert_array_equal(x.numpy(), np.zeros((2, 3)))
    # an empty index writes nothing and checks nothing, as torch
    empty = np.zeros((2, 0), np.int64)
    np.testing.assert_array_equal(getattr(x, name)(0, empty, ad.tensor(2.0)).numpy(),
                                  np.zeros((2, 3)))
    # a number, value=, and a source of the index's dims work
    np.testing.assert_array_equal(x.scatter(0, idx, 2.0).numpy(), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(x.scatter(0, idx, value=ad.tensor(2.0)).numpy(),
                                  np.full((2, 3), 2.0))
    s = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.scatter_add(0, idx, s)
    np.testing.assert_array_equal(y.numpy(), [[0.0, 4.0, 2.0], [3.0, 1.0, 5.0]])
    (y * ad.tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))).sum().backward()
    # s[i, j] lands at row idx[i, j], column j
    np.testing.assert_array_equal(s.grad.numpy(), [[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])


@pytest.mark.parametrize("make", [
    lambda y: y.reshape(2, 3), lambda y: y.view(2, 3), lambda y: y.view_as(y),
    lambda y: y.permute(0, 1), lambda y: y.expand(2, 3), lambda y: y.squeeze(dim=0),
    lambda y: y.reshape_as(y),
], ids=["reshape", "view", "view_as", "permute", "expand", "squeeze", "reshape_as"])
def test_a_view_that_changes_nothing_is_a_tensor_of_its_own(backend, make):
    # torch's x.view(x.shape) is a new view: a hook (or retain_grad) on it sees the gradient
    # of its own uses; gpuad returned x itself, so the hook saw every use of x
    x = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 2.0
    v = make(y)
    assert v is not y
    seen = []
    v.register_hook(lambda g: seen.append(g.numpy().copy()))
    v.retain_grad()
    (v.sum() * 3.0 + (y * y).sum()).backward()
    np.testing.assert_array_equal(seen[0], np.full((2, 3), 3.0))  # d(3 sum v)/dv
    np.testing.assert_array_equal(v.grad.numpy(), np.full((2, 3), 3.0))
    # dL/dx = 2 (3 + 2 y) = 6 + 8 x
    np.testing.assert_array_equal(x.grad.numpy(), 6.0 + 8.0 * np.arange(6.0).reshape(2, 3))
    # writes through it still reach y, and a view of a leaf refuses them as torch's does
    with ad.no_grad():
        v[0, 0] = 7.0
    assert y.numpy()[0, 0] == 7.0
    with pytest.raises(ad.GradError, match="leaf"):
        make(x).mul_(2.0)


def test_index_add_refuses_a_0d_source_for_a_1d_tensor(backend):
    # torch's index_add takes a 0-d source for a 0-d tensor only (index_copy for 1-d too);
    # gpuad broadcast it into the 1-d tensor
    x = ad.tensor(np.zeros(6))
    with pytest.raises(ValueError, match="does not fit"):
        x.index_add(0, np.array([2]), ad.tensor(1.5))
    np.testing.assert_array_equal(x.index_copy(0, np.array([2]), ad.tensor(1.5)).numpy(),
                                  [0, 0, 1.5, 0, 0, 0])
    s = ad.tensor(np.array(1.5), requires_grad=True)
    y = ad.tensor(np.array(2.0)).index_add(0, np.array([0]), s, alpha=3)
    assert float(y) == 6.5  # 2 + 3 * 1.5
    y.backward()
    assert float(s.grad) == 3.0


def test_detach_in_place_of_a_detached_view(backend):
    # torch: x[0:2].detach() is no view, so detach_() on it is allowed (a no-op); gpuad
    # refused it as a view "as torch does"
    x = ad.tensor(np.arange(4.0), requires_grad=True)
    y = x * 2.0
    d = y[0:2].detach()
    assert d.detach_() is d and not d.requires_grad
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 8.0 * np.arange(4.0))  # d(4 x^2)/dx
    with pytest.raises(RuntimeError, match="view"):
        (x * 1.0)[0:2].detach_()


@pytest.mark.parametrize("take", [lambda w: w[0:1], lambda w: w.split(1, 0)[0], lambda w: w.mT],
                         ids=["slice", "split", "mT"])
def test_view_of_overlapping_unfold_windows_after_a_write(backend, take):
    # unfold's overlapping windows are a copy computed again when read after a write to the
    # tensor; a view of them took the new values but kept the old history (the windows were a
    # view of an internal array whose history was not renewed): a silently wrong gradient
    v = np.array([0.3, 0.7, 1.1])
    x = ad.tensor(v.reshape(3, 1), requires_grad=True)  # (2-d: the windows are a transpose)
    y = gnp.sin(x)
    w = y.unfold(0, 2, 1)  # w[i, 0] = [y_i, y_i+1]
    p = take(w)
    y[0:1].mul_(x[0:1])  # y0 = a sin a
    loss = (p * p).sum()
    a, b, c = v
    windows = np.array([[a * np.sin(a), np.sin(b)], [np.sin(b), np.sin(c)]])
    full = p.size == 4  # mT keeps both windows: y1 counted twice, y2 once
    np.testing.assert_allclose(p.numpy().reshape(-1), windows.reshape(-1) if full else
                               windows[0], rtol=1e-12)
    loss.backward()
    expect = [2 * a * np.sin(a) * (np.sin(a) + a * np.cos(a)),
              (4 if full else 2) * np.sin(b) * np.cos(b),
              2 * np.sin(c) * np.cos(c) if full else 0.0]
    np.testing.assert_allclose(x.grad.numpy().reshape(-1), expect, rtol=1e-12)


class _Double(ad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2.0)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2.0


def test_views_of_an_input_a_function_marked_dirty(backend):
    # torch rebuilds the views of an input that an autograd.Function wrote (mark_dirty);
    # gpuad refused any recorded use of them ("modified in place through another view")
    x = ad.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    y = x * 1.5
    v = y[0:2]
    _Double.apply(y)  # y = 3 x
    v *= 3.0  # y[0:2] = 9 x[0:2]
    np.testing.assert_array_equal(y.numpy(), [9.0, 18.0, 9.0, 12.0])
    w = np.array([1.0, -1.0, 0.5, 2.0])
    (y * ad.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), w * [9.0, 9.0, 3.0, 3.0])


def test_retain_grad_follows_a_function_marked_dirty(backend):
    # torch's retain_grad() follows a tensor to its value after an in-place write, a
    # Function's mark_dirty write too; gpuad's stayed on the value before it
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 1.5
    y.retain_grad()
    _Double.apply(y)
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), 2 * 3.0 * np.array([1.0, 2.0]))  # 2 y
    np.testing.assert_array_equal(x.grad.numpy(), 18.0 * np.array([1.0, 2.0]))  # d 9x^2


@pytest.mark.parametrize("sa, sb", [((2, 2), (2, 2)), ((3,), (3, 2)), ((2, 3), (3,)),
                                    ((4, 2, 3), (3, 2)), ((3,), (4, 3, 2))])
def test_matmul_saves_only_the_operand_its_gradient_reads(backend, sa, sb):
    # matmul saved both operands whenever either needed a gradient, so writing into the one
    # that needs none raised in backward (torch saves only what the adjoint reads)
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=sa), rng.normal(size=sb)
    a = ad.tensor(A)
    w = ad.tensor(B, requires_grad=True)
    b = w * 1.0
    y = a @ b
    b.mul_(2.0)  # b is not read by d/db = a^T g
    y.sum().backward()
    colsum = A.reshape(-1, A.shape[-1]).sum(0)  # d sum(a @ b) / d b[..., k, m] = sum of a[..., k]
    expect = colsum if B.ndim == 1 else np.broadcast_to(colsum[:, None], B.shape)
    np.testing.assert_allclose(w.grad.numpy(), expect, rtol=1e-12)
    # the other operand is still saved and checked
    a2 = ad.tensor(A.copy())
    y2 = a2 @ (w * 1.0)
    a2.mul_(2.0)
    with pytest.raises(ad.GradError, match="matmul: input 0"):
        y2.sum().backward()
