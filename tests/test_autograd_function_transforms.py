"""``gpuad.autograd.Function`` under the transforms: a ``jvp`` staticmethod with
``save_for_forward``, a ``vmap`` staticmethod, ``generate_vmap_rule``, ``mark_dirty``, forward
defaults in ``setup_context``'s inputs, ``needs_input_grad`` under ``no_grad``,
``once_differentiable`` through saved inputs, integer gradients, and writes into an output that
is an input. Values are checked against central differences and per-example loops."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _close(a, b, tol=1e-7):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _fd(f, x, eps=1e-6):
    """Central differences of host function ``f`` at ``x``: shape f(x).shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def _cube(generate: bool):
    """x -> (x^3, 3x^2), saving an input and an output for both modes."""

    class Cube(ad.autograd.Function):
        generate_vmap_rule = generate

        @staticmethod
        def forward(x):
            return x**3, 3 * x**2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0], output[1])
            ctx.save_for_forward(inputs[0], output[1])

        @staticmethod
        def backward(ctx, g, g_d):
            x, d = ctx.saved_tensors
            return g * d + 6 * g_d * x

        @staticmethod
        def jvp(ctx, t):
            x, d = ctx.saved_tensors
            return t * d, 6 * t * x

    if not generate:

        def vmap(info, in_dims, x):
            return Cube.apply(x), (in_dims[0], in_dims[0])

        Cube.vmap = staticmethod(vmap)
    return Cube


X0 = np.array([0.9, 1.3, -0.7])


def _first(x):
    return x**3


@pytest.mark.parametrize("generate", [False, True])
def test_save_for_forward_and_jvp_staticmethod(backend, generate):
    Cube = _cube(generate)

    def f(a):
        return Cube.apply(a)[0]

    # reverse mode of a Function that also saves for forward (this raised before)
    g = ad.func.grad(lambda a: gnp.sum(f(a)))(gnp.asarray(X0))
    _close(g, _fd(lambda a: _first(a).sum(), X0))
    # forward mode through the jvp staticmethod
    t = np.array([1.0, -2.0, 0.5])
    out, tan = ad.func.jvp(f, (gnp.asarray(X0),), (gnp.asarray(t),))
    _close(out, X0**3)
    _close(tan, _fd(_first, X0) @ t)
    _close(ad.func.jacfwd(f)(gnp.asarray(X0)), _fd(_first, X0))
    # second order: reverse over forward (the jvp's tangents carry the output's history) and
    # forward over reverse (the backward's saved input and output carry their tangents)
    hess = np.diag(6 * X0)
    second = [
        ad.func.jacrev(ad.func.jacfwd(lambda a: gnp.sum(f(a))))(gnp.asarray(X0)),
        ad.func.jacfwd(ad.func.jacrev(lambda a: gnp.sum(f(a))))(gnp.asarray(X0)),
        ad.func.jacfwd(ad.func.jacfwd(lambda a: gnp.sum(f(a))))(gnp.asarray(X0)),
    ]
    for h in second:
        _close(h, hess)
    # the derivative output: its own second derivative 6 everywhere on the diagonal
    _close(
        ad.func.jacfwd(ad.func.jacrev(lambda a: gnp.sum(Cube.apply(a)[1])))(gnp.asarray(X0)),
        np.diag(np.full(3, 6.0)),
    )


@pytest.mark.parametrize("generate", [False, True])
def test_vmap_staticmethod_and_generated_rule(backend, generate):
    Cube = _cube(generate)
    xs = np.array([[0.9, 1.3, -0.7], [0.2, -1.1, 1.6]])
    got = ad.func.vmap(lambda a: Cube.apply(a)[0])(gnp.asarray(xs))
    _close(got, xs**3)
    per_example = ad.func.vmap(ad.func.grad(lambda a: gnp.sum(Cube.apply(a)[0])))(gnp.asarray(xs))
    _close(per_example, 3 * xs**2)
    hess = ad.func.vmap(ad.func.jacfwd(ad.func.jacrev(lambda a: gnp.sum(Cube.apply(a)[0]))))(
        gnp.asarray(xs)
    )
    for k in range(2):
        _close(hess[k], np.diag(6 * xs[k]))
    # gradient of a batched program
    w = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])
    g = ad.func.grad(lambda a: gnp.sum(ad.func.vmap(lambda r: Cube.apply(r)[0])(a) * w))(
        gnp.asarray(xs)
    )
    _close(g, 3 * xs**2 * w)


def test_vmap_needs_a_rule(backend):
    class Plain(ad.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(RuntimeError, match="override the vmap staticmethod.*generate_vmap_rule"):
        ad.func.vmap(Plain.apply)(gnp.ones((2, 3)))
    with pytest.raises(RuntimeError, match="you must implement the jvp function"):
        ad.func.jvp(Plain.apply, (gnp.ones(3),), (gnp.ones(3),))


def test_forward_defaults_reach_setup_context(backend):
    class Scale(ad.autograd.Function):
        @staticmethod
        def forward(x, k=2.5):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            _, ctx.k = inputs  # the defaulted argument is among the inputs

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = ad.tensor(X0, requires_grad=True)
    gnp.sum(Scale.apply(x)).backward()
    _close(x.grad, np.full(3, 2.5))
    (g,) = ad.autograd.grad(gnp.sum(Scale.apply(x, k=-1.0)), x)
    _close(g, np.full(3, -1.0))


class Double_(ad.autograd.Function):
    @staticmethod
    def forward(x):
        x.mul_(2.0)
        return x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_dirty(inputs[0])

    @staticmethod
    def backward(ctx, g):
        return g * 2.0


def test_mark_dirty(backend):
    x = ad.tensor(X0, requires_grad=True)
    h = x * 3.0
    out = Double_.apply(h)
    assert out is h  # the input itself, holding the result, with the Function's history
    _close(h, 6 * X0)
    (g,) = ad.autograd.grad(gnp.sum(out * out), x)
    _close(g, 2 * 36 * X0)
    # a value saved before the write is not used silently
    h = x * 1.0
    y = h * h  # saves h
    Double_.apply(h)
    with pytest.raises(RuntimeError, match="modified in place"):
        gnp.sum(y).backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        Double_.apply(ad.tensor(X0, requires_grad=True))
    # under forward mode the tangent is the jvp staticmethod's... which Double_ lacks
    with pytest.raises(RuntimeError, match="jvp"):
        ad.func.jvp(lambda a: Double_.apply(a * 1.0), (gnp.asarray(X0),), (gnp.ones(3),))


def test_new_zeros_inside_vmap_is_batched(backend):
    # a backward written r = g.new_zeros(shape); r[idx] = g works per example
    def scatter(v):
        r = v.new_zeros((4,))
        r[1:3] = v
        return r

    vs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    got = ad.func.vmap(scatter)(gnp.asarray(vs))
    want = np.zeros((3, 4))
    want[:, 1:3] = vs
    _close(got, want)


def test_needs_input_grad_under_no_grad(backend):
    seen = []

    class Probe(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            seen.append(tuple(ctx.needs_input_grad))
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = ad.tensor(X0, requires_grad=True)
    with ad.no_grad():
        z = Probe.apply(x, ad.tensor(X0))
    assert seen == [(True, False)] and not z.requires_grad


def test_once_differentiable_through_saved_input(backend):
    # grad of grad: the incoming gradient is a constant, the saved input requires grad; the
    # second derivative was a silent 0 (what torch gives too)
    class Sin(ad.autograd.Function):
        @staticmethod
        def forward(x):
            return gnp.sin(x)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        @ad.autograd.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * gnp.cos(x)

    x0 = np.array([0.3, 1.0])
    _close(ad.func.grad(lambda a: gnp.sum(Sin.apply(a)))(gnp.asarray(x0)), np.cos(x0))
    with pytest.raises(RuntimeError, match="differentiate twice.*once_differentiable"):
        ad.func.grad(ad.func.grad(lambda a: gnp.sum(Sin.apply(a))))(gnp.asarray(0.3))
    x = ad.tensor(x0, requires_grad=True)
    (g,) = ad.autograd.grad(gnp.sum(Sin.apply(x)), x, create_graph=True)
    _close(g, np.cos(x0))
    with pytest.raises(RuntimeError, match="differentiate twice.*once_differentiable"):
        ad.autograd.grad(gnp.sum(g), x)


def test_integer_gradient_is_cast(backend):
    class Twice(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return gnp.full(3, 2, dtype=np.int64)  # exact values: cast, as torch does

    x = ad.tensor(X0, requires_grad=True)
    gnp.sum(Twice.apply(x)).backward()
    _close(x.grad, np.full(3, 2.0))
    assert x.grad.dtype == np.float64


def test_output_that_is_an_input_refuses_writes(backend):
    class Head(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[:2]  # a view of the input

        @staticmethod
        def backward(ctx, g):
            r = g.new_zeros((3,))
            r[:2] = g
            return r

    x = ad.tensor(X0, requires_grad=True)
    h = x * 1.0
    y = Head.apply(h)
    for write in (lambda: y.mul_(3.0), lambda: y.__setitem__(0, 1.0), lambda: y[:1].add_(1.0)):
        with pytest.raises(RuntimeError, match="Head: an output of this autograd.Function is"):
            write()
    _close(h, X0)  # untouched
    (g,) = ad.autograd.grad(gnp.sum(y * y), x)
    _close(g, [2 * X0[0], 2 * X0[1], 0.0])
    y = y.clone()
    y.mul_(3.0)  # a copy may be written
    _close(y, 3 * X0[:2])


def test_mark_dirty_of_a_view_rebases_its_base(backend):
    x = ad.tensor(X0, requires_grad=True)
    base = x * 1.0
    out = Double_.apply(base[:2])
    _close(base, [2 * X0[0], 2 * X0[1], X0[2]])
    _close(out, 2 * X0[:2])
    (g,) = ad.autograd.grad(gnp.sum(base * base), x)  # base = [2 x0, 2 x1, x2]
    _close(g, [8 * X0[0], 8 * X0[1], 2 * X0[2]])
    with pytest.raises(RuntimeError, match=r"view \(shape \(2,\)\) of a leaf tensor"):
        Double_.apply(ad.tensor(X0, requires_grad=True)[:2])


def test_mark_dirty_inside_vmap_with_generated_rule(backend):
    class Triple_(ad.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            x.mul_(3.0)
            return x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_dirty(inputs[0])

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    xs = np.array([[0.1, 0.2], [0.3, -0.4]])

    def f(a):
        return Triple_.apply(a * a) * a  # 3 a^3

    _close(ad.func.vmap(f)(gnp.asarray(xs)), 3 * xs**3)
    _close(ad.func.vmap(ad.func.grad(lambda a: gnp.sum(f(a))))(gnp.asarray(xs)), 9 * xs**2)
