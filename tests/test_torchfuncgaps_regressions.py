"""Regressions found by porting torch's functorch eager-transform, vmap-API and
autograd.functional tests (tests/conformance/test_torch_func_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.func as gfunc
import gpuad.numpy as gnp


def test_function_vmap_rule_gets_container_arguments_unbatched(backend):
    """A Function's vmap staticmethod called with a list of batched Tensors: each is handed to
    the rule with its batch axis first and ``in_dims`` has the list's structure (as torch);
    it used to keep the list's Tensors batched with ``in_dims`` None and fail later with
    'batched over level 1 twice'."""
    seen = []

    class AddFirst(ad.autograd.Function):
        @staticmethod
        def forward(x, ys):
            return x + 2 * ys[0]

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g, None

        @staticmethod
        def vmap(info, in_dims, x, ys):
            seen.append((in_dims, tuple(x.shape), [tuple(y.shape) for y in ys]))
            return x + 2 * ys[0], 0

    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out = gfunc.vmap(AddFirst.apply)(ad.tensor(xs), [ad.tensor(ys), ad.tensor(ys)])
    np.testing.assert_allclose(np.asarray(out.numpy()), xs + 2 * ys)
    assert seen == [((0, [0, 0]), (4, 3), [(4, 3), (4, 3)])]
    seen.clear()
    out = gfunc.vmap(AddFirst.apply, in_dims=(0, [None, 0]))(
        ad.tensor(xs), [ad.tensor(ys[0]), ad.tensor(ys)]
    )
    np.testing.assert_allclose(np.asarray(out.numpy()), xs + 2 * ys[0])
    assert seen[0][0] == (0, [None, 0])


def test_func_functionalize(backend):
    """torch.func.functionalize exists in gpuad.func: the same outputs and argument writes as
    the function, under grad too; a bad ``remove`` raises as torch's."""

    def f(x):
        y = x.view(4, 2)
        y.add_(gnp.ones(2))
        return x * 2

    a, b = ad.tensor(np.zeros((4, 2))), ad.tensor(np.zeros((4, 2)))
    np.testing.assert_array_equal(
        np.asarray(gfunc.functionalize(f)(a).numpy()), np.asarray(f(b).numpy())
    )
    np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    g = gfunc.grad(gfunc.functionalize(lambda x: (x * x).sum(), remove="mutations_and_views"))
    np.testing.assert_allclose(np.asarray(g(ad.tensor(np.arange(3.0))).numpy()), [0, 2, 4])
    with pytest.raises(RuntimeError, match="invalid argument for remove"):
        gfunc.functionalize(f, remove="views")


def test_autograd_functional_inside_transforms(backend):
    """torch.autograd.functional inside vmap saw the whole batch as one input (a (5, 5, 3)
    'Jacobian' per example), and inside grad with create_graph=False gave a silent zero
    derivative; both raise now (as torch), and create_graph=True inside grad stays exact."""
    from gpuad.autograd import functional as AF

    xs = ad.tensor(np.ones((5, 3)))
    with pytest.raises(ad.GradError, match="inside vmap"):
        gfunc.vmap(lambda x: AF.jacobian(lambda x: x.sin().sum(), x))(xs)
    with pytest.raises(ad.GradError, match="inside vmap"):
        gfunc.vmap(lambda w: AF.jacobian(lambda x: (w * x).sum(), ad.tensor(np.ones(3))))(xs)
    with pytest.raises(ad.GradError, match="create_graph=True"):
        gfunc.grad(lambda x: AF.vjp(lambda x: x.sin().sum(), x)[1])(ad.tensor(0.3))
    with pytest.raises(ad.GradError, match="forward mode"):
        gfunc.jvp(
            lambda x: AF.jvp(gnp.sin, x, gnp.ones(1))[1], (ad.tensor([0.3]),), (ad.tensor([1.0]),)
        )
    x0 = ad.tensor(np.array([1.0, 2.0]))  # closing over the variable: a zero before, too
    with pytest.raises(ad.GradError, match="create_graph=True"):
        gfunc.grad(lambda w: AF.jacobian(lambda x: w * x**2, x0).sum())(ad.tensor([0.5, 0.5]))
    jac = gfunc.grad(lambda w: AF.jacobian(lambda x: w * x**2, x0, create_graph=True).sum())
    np.testing.assert_allclose(np.asarray(jac(ad.tensor([0.5, 0.5])).numpy()), [2.0, 4.0])
    g = gfunc.grad(lambda x: AF.vjp(lambda x: x.sin().sum(), x, create_graph=True)[1])
    np.testing.assert_allclose(float(g(ad.tensor(0.3))), -np.sin(0.3))


def test_diagonal_inside_vmap_is_a_view(backend):
    """Tensor.diagonal() inside vmap was a copy, so x.diagonal().add_(v) on a batched tensor
    changed nothing, silently (eager it is a view, as torch's); now the write reaches x,
    is differentiable, and a write into a vmapped argument through it raises."""
    xs = np.arange(12.0).reshape(3, 2, 2)

    def f(x):
        y = x * 1.0
        y.diagonal().add_(x[:, 0])
        return y

    out = gfunc.vmap(f)(ad.tensor(xs))
    expected = xs.copy()
    for i in range(3):
        expected[i] += np.diag(xs[i, :, 0])
    np.testing.assert_allclose(np.asarray(out.numpy()), expected)
    g = gfunc.vmap(gfunc.grad(lambda x: (f(x) ** 2).sum()))(ad.tensor(xs))
    eager = [gfunc.grad(lambda x: (f(x) ** 2).sum())(ad.tensor(xs[i])) for i in range(3)]
    np.testing.assert_allclose(np.asarray(g.numpy()), np.stack([e.numpy() for e in eager]))
    with pytest.raises(TypeError, match="in-place write into an argument"):
        gfunc.vmap(lambda x: x.diagonal().add_(1.0))(ad.tensor(xs))


def test_stack_module_state_requires_grad(backend):
    """stack_module_state made every stacked parameter require grad, also one the models had
    frozen; as torch's, it keeps the models' requires_grad and refuses models that differ."""
    import gpuad.nn as gnn

    models = [gnn.Linear(2, 2) for _ in range(3)]
    for m in models:
        m.bias.requires_grad_(False)
    params, _ = gfunc.stack_module_state(models)
    assert params["weight"].requires_grad and not params["bias"].requires_grad
    models[0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="same .requires_grad"):
        gfunc.stack_module_state(models)


def test_vmap_over_autograd_grad_cotangents(backend):
    """torch's batched-gradient idiom vmap(lambda v: autograd.grad(y, x, v))(vs) on a graph
    recorded outside vmap summed the cotangents over the batch and gave every example that
    sum (silently); each example now gets its own vector-Jacobian product, and the cases
    gpuad does not map (two levels, create_graph) raise."""
    rng = np.random.default_rng(0)
    xv, w, vs = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((3, 3)),
        rng.standard_normal((4, 2, 3)),
    )
    x = ad.tensor(xv, requires_grad=True)
    y = (x @ ad.tensor(w)).sin()
    out = gfunc.vmap(lambda v: ad.autograd.grad(y, x, v, retain_graph=True)[0])(ad.tensor(vs))
    expected = (vs * np.cos(xv @ w)) @ w.T
    np.testing.assert_allclose(np.asarray(out.numpy()), expected, rtol=1e-12)
    with pytest.raises(ad.GradError, match="is_grads_batched"):
        gfunc.vmap(gfunc.vmap(lambda v: ad.autograd.grad(y, x, v, retain_graph=True)[0]))(
            ad.tensor(vs[None])
        )
    with pytest.raises(ad.GradError, match="is_grads_batched"):
        gfunc.vmap(lambda v: ad.autograd.grad(y, x, v, create_graph=True)[0])(ad.tensor(vs))


def test_func_grad_wants_a_0d_output(backend):
    """gpuad.func.grad (torch.func's conventions) took a one-element output of shape (1,),
    which torch.func.grad refuses; gpuad.grad (JAX's conventions) still takes it."""
    x = ad.tensor(np.array([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="scalar Tensor, got tensor with 1 dims"):
        gfunc.grad(lambda x: x.sum(0, keepdims=True))(x)
    with pytest.raises(RuntimeError, match="scalar Tensor"):
        gfunc.grad_and_value(lambda x: ((x**2).sum().reshape(1, 1), x), has_aux=True)(x)
    np.testing.assert_allclose(to_numpy(ad.grad(lambda x: gnp.sum(x, keepdims=True))(np.ones(2))),
                               1.0)
    g = gfunc.vmap(gfunc.grad(lambda x: (x**2).sum()))(ad.tensor(np.ones((3, 2))))
    np.testing.assert_allclose(np.asarray(g.numpy()), 2.0)
