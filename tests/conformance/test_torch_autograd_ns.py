"""The ``torch.autograd`` namespace (gpuad.autograd) and Module hooks, ported from PyTorch.

Follows pytorch/pytorch test/test_autograd.py (test_grad, test_grad_nonleaf,
test_grad_nonleaf_many_outputs, test_grad_badcalls, test_grad_unreachable, test_function,
test_custom_function_setup_context_*, test_once_differentiable, test_mark_non_differentiable,
test_needs_input_grad, test_set_grad_enabled, anomaly mode),
test/autograd/test_functional.py (jacobian, hessian, vjp, jvp, hvp, vhp: return structure,
strict and create_graph) and test/nn/test_module_hooks.py (forward pre-hooks and hooks, full
backward hooks and pre-hooks). Values are compared with torch in float64 where it is installed
and with central finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.numpy as gnp
from gpuad.autograd import Function, once_differentiable
from gpuad.autograd import functional as AF

RNG = np.random.default_rng(7)
A0 = RNG.standard_normal((2, 2))
B0 = RNG.standard_normal((2, 2))


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _leaf(a):
    return ad.tensor(np.array(a, dtype=float), requires_grad=True)


def _torch():
    return pytest.importorskip("torch")


def _tt(a):
    torch = _torch()
    return torch.tensor(np.array(a, dtype=float), requires_grad=True)


def _fd(f, x, eps=1e-6):
    """Central differences of f (host float64 in, host out) at x: shape f(x).shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


# ---- autograd.grad -----------------------------------------------------------------------------


def test_grad_hessian_vector(backend):
    # test_grad: autograd.grad of an accumulated create_graph gradient leaves .grad alone
    x, y = _leaf(A0), _leaf(B0)
    z = x**2 + y * x + y**2
    z.backward(gnp.ones((2, 2)), create_graph=True)
    _close(x.grad, 2 * A0 + B0)
    grad_sum = 2 * x.grad + y.grad
    (x_hv,) = ad.autograd.grad(
        outputs=[grad_sum], grad_outputs=[gnp.ones((2, 2))], inputs=[x], create_graph=True
    )
    _close(x_hv, np.full((2, 2), 5.0))
    _close(x.grad, 2 * A0 + B0)
    _close(y.grad, A0 + 2 * B0)
    with pytest.raises(ValueError, match=r"cotangent has shape \(2,\) but the output has shape"):
        ad.autograd.grad([grad_sum], [x], [gnp.ones(2)], create_graph=True)


def test_grad_nonleaf(backend):
    # test_grad_nonleaf: gradient steps on a non-leaf, the graph kept through them
    x_init, y = _leaf(A0), _leaf(B0)
    x = x_init

    def fn(x):
        return x**2 + y * x + y**2

    for _ in range(5):
        (grad_x,) = ad.autograd.grad(fn(x), x, grad_outputs=gnp.ones((2, 2)), create_graph=True)
        _close(grad_x, 2 * _np(x) + B0)
        assert x_init.grad is None and y.grad is None
        x = x + 0.05 * grad_x
    assert float(gnp.sum(fn(x))) > float(gnp.sum(fn(x_init)))
    x.backward(gnp.ones((2, 2)))
    assert y.grad is not None and x_init.grad is not None
    torch = _torch()
    tx, ty = _tt(A0), _tt(B0)
    t = tx
    for _ in range(5):
        (g,) = torch.autograd.grad(t**2 + ty * t + ty**2, t, torch.ones(2, 2), create_graph=True)
        t = t + 0.05 * g
    t.backward(torch.ones(2, 2))
    _close(x_init.grad, tx.grad.numpy())
    _close(y.grad, ty.grad.numpy())


def test_grad_nonleaf_many_outputs(backend):
    # test_grad_nonleaf_many_outputs: targets are two pieces of one tensor; its hook stays silent
    x = ad.tensor(RNG.standard_normal((4, 2)), requires_grad=True)
    a, b = gnp.split(x, 2)
    called = []
    x.register_hook(lambda g: called.append(1))
    go = RNG.standard_normal((2, 2))
    grad_a, grad_b = ad.autograd.grad(a + 2 * b, [a, b], grad_outputs=go, create_graph=True)
    _close(grad_a, go)
    _close(grad_b, 2 * go)
    assert not called and x.grad is None


def test_grad_badcalls_and_unused(backend):
    # test_grad_badcalls, test_grad_unreachable, and the torch messages for each misuse
    x = ad.tensor(np.ones(1))
    y = x**2
    with pytest.raises(RuntimeError, match="does not require grad"):
        ad.autograd.grad(x, y)
    x, y = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    z = x * 2
    with pytest.raises(
        RuntimeError, match="index 1 .*not have been used in the graph.*allow_unused=True"
    ):
        ad.autograd.grad(gnp.sum(z), [x, y], retain_graph=True)
    gx, gy = ad.autograd.grad(gnp.sum(z), [x, y], allow_unused=True, retain_graph=True)
    _close(gx, [2.0, 2.0])
    assert gy is None
    gx, gy = ad.autograd.grad(gnp.sum(z), [x, y], materialize_grads=True, retain_graph=True)
    _close(gy, [0.0, 0.0])
    with pytest.raises(ValueError, match="materialize_grads=True needs allow_unused"):
        ad.autograd.grad(gnp.sum(z), [x, y], allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        ad.autograd.grad(z, x)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        ad.autograd.grad(gnp.sum(ad.tensor(np.ones(2))), x)
    with pytest.raises(ValueError, match="1 entries for 2 outputs"):
        ad.autograd.grad([gnp.sum(z), gnp.sum(x)], x, [None])
    assert x.grad is None and y.grad is None  # nothing accumulated by any of these


def test_grad_twice_frees_graph(backend):
    x = _leaf([0.5, 1.5])
    y = gnp.sum(gnp.exp(x))
    (g,) = ad.autograd.grad(y, x)
    _close(g, np.exp([0.5, 1.5]))
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        ad.autograd.grad(y, x)
    y = gnp.sum(gnp.exp(x))
    ad.autograd.grad(y, x, retain_graph=True)
    (g2,) = ad.autograd.grad(y, x)
    _close(g2, np.exp([0.5, 1.5]))


def test_grad_double_backward_against_torch(backend):
    torch = _torch()
    x0 = np.array([0.3, -1.1, 0.7])

    def f(m, x):
        return m.sum(m.tanh(x) * x**3)

    x = _leaf(x0)
    (g,) = ad.autograd.grad(f(gnp, x), x, create_graph=True)
    (h,) = ad.autograd.grad(gnp.sum(g * g), x)
    tx = _tt(x0)
    (tg,) = torch.autograd.grad(f(torch, tx), tx, create_graph=True)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    _close(g, tg.detach().numpy())
    _close(h, th.numpy())
    grad_fd = _fd(lambda a: np.sum(np.tanh(a) * a**3), x0)
    np.testing.assert_allclose(_np(g), grad_fd, rtol=1e-7, atol=1e-8)


def test_grad_is_grads_batched(backend):
    x = _leaf([1.0, 2.0, 3.0])
    y = x**2
    v = np.eye(3)
    (jac,) = ad.autograd.grad(y, x, gnp.asarray(v), is_grads_batched=True)
    _close(jac, np.diag([2.0, 4.0, 6.0]))


def test_backward_many_roots_and_inputs(backend):
    x, y = _leaf([1.0, 2.0]), _leaf([3.0, -1.0])
    ad.autograd.backward([gnp.sum(x * y), gnp.sum(x**2)])
    _close(x.grad, np.array([3.0, -1.0]) + 2 * np.array([1.0, 2.0]))
    _close(y.grad, [1.0, 2.0])
    x.grad = y.grad = None
    z = x * y
    ad.autograd.backward(z, gnp.ones(2), inputs=[y])
    assert x.grad is None
    _close(y.grad, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ad.autograd.backward(gnp.sum(x * 2), inputs=[ad.tensor(np.ones(2))])


# ---- Function ------------------------------------------------------------------------------------


class MyFunction(Function):
    # test_function: a Python scalar among the Tensor arguments, two saved tensors
    @staticmethod
    def forward(ctx, tensor1, pyscalar, tensor2):
        ctx.pyscalar = pyscalar
        ctx.save_for_backward(tensor1, tensor2)
        return tensor1 + pyscalar * tensor2 + tensor1 * tensor2

    @staticmethod
    def backward(ctx, grad_output):
        var1, var2 = ctx.saved_tensors
        # NOTE: self is the test case here
        assert isinstance(var1, ad.Tensor) and isinstance(var2, ad.Tensor)
        assert isinstance(grad_output, ad.Tensor)
        return (
            grad_output + grad_output * var2,
            None,
            grad_output * ctx.pyscalar + grad_output * var1,
        )


def test_function_against_torch(backend):
    torch = _torch()
    x, y = _leaf(A0), _leaf(B0)
    result = MyFunction.apply(x, 2, y)
    go = np.ones((2, 2))
    result.backward(gnp.asarray(go), create_graph=True)
    _close(x.grad, go + go * B0)
    _close(y.grad, go * 2 + go * A0)

    class TMy(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t1, s, t2):
            ctx.s = s
            ctx.save_for_backward(t1, t2)
            return t1 + s * t2 + t1 * t2

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g + g * b, None, g * ctx.s + g * a

    tx, ty = _tt(A0), _tt(B0)
    TMy.apply(tx, 2, ty).backward(torch.ones(2, 2), create_graph=True)
    _close(x.grad, tx.grad.detach().numpy())
    # the backward was recorded (create_graph): its second derivative is torch's too
    (hx,) = ad.autograd.grad(gnp.sum(y.grad * y.grad), x)
    (thx,) = torch.autograd.grad((ty.grad * ty.grad).sum(), tx)
    _close(hx, thx.numpy())


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = gnp.exp(x)
        ctx.save_for_backward(y)  # an output: the step's own value
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_function_saved_output_and_double_backward(backend):
    x0 = np.array([0.2, -0.4, 1.1])
    x = _leaf(x0)
    y = Exp.apply(x)
    assert y.grad_fn is not None
    (g,) = ad.autograd.grad(gnp.sum(y * y), x, create_graph=True)
    _close(g, 2 * np.exp(2 * x0))
    (h,) = ad.autograd.grad(gnp.sum(g), x)
    _close(h, 4 * np.exp(2 * x0))
    assert ad.autograd.gradcheck(Exp.apply, (x,))
    assert ad.autograd.gradgradcheck(Exp.apply, (x,))


def test_function_multiple_outputs_and_materialize(backend):
    seen = []

    class SinCos(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return gnp.sin(x), gnp.cos(x)

        @staticmethod
        def backward(ctx, gs, gc):
            seen.append((gs is None, gc is None))
            (x,) = ctx.saved_tensors
            return gs * gnp.cos(x) - gc * gnp.sin(x)

    x0 = np.array([0.3, 1.7])
    x = _leaf(x0)
    s, c = SinCos.apply(x)
    _close(s, np.sin(x0))
    _close(c, np.cos(x0))
    (g,) = ad.autograd.grad(gnp.sum(s * 3 + c**2), x)
    _close(g, 3 * np.cos(x0) - 2 * np.cos(x0) * np.sin(x0))
    s, _ = SinCos.apply(x)
    (g,) = ad.autograd.grad(gnp.sum(s), x)  # the unused output's gradient: zeros
    _close(g, np.cos(x0))
    assert seen[-1] == (False, False)
    assert ad.autograd.gradcheck(lambda a: SinCos.apply(a), (x,))

    class SinCosNone(SinCos):  # torch's test_set_materialize_grads: None where nothing flows
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return gnp.sin(x), gnp.cos(x)

        @staticmethod
        def backward(ctx, gs, gc):
            seen.append((gs is None, gc is None))
            (x,) = ctx.saved_tensors
            out = 0.0
            if gs is not None:
                out = out + gs * gnp.cos(x)
            if gc is not None:
                out = out - gc * gnp.sin(x)
            return out

    s, c = SinCosNone.apply(x)
    (g,) = ad.autograd.grad(gnp.sum(c), x, retain_graph=True)
    assert seen[-1] == (True, False)
    _close(g, -np.sin(x0))
    (g,) = ad.autograd.grad(gnp.sum(s * c), x)
    assert seen[-1] == (False, False)
    _close(g, np.cos(2 * x0))


def test_function_setup_context_and_non_tensor_outputs(backend):
    # test_custom_function_setup_context_multi_output / _multi_input
    class MySquare(Function):
        @staticmethod
        def forward(x):
            return x**2, float(x) * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.two_x = output[1]

        @staticmethod
        @once_differentiable
        def backward(ctx, g, _):
            return g * ctx.two_x

    x = ad.tensor(np.array(0.7), requires_grad=True)
    y, two = MySquare.apply(x)
    assert two == 1.4
    (gx,) = ad.autograd.grad(y, x)
    _close(gx, 1.4)

    class MyReshape(Function):
        @staticmethod
        def forward(x, shape, scale_forward, scale_backward):
            return gnp.reshape(x, shape) * scale_forward

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, _, _, ctx.scale_backward = inputs
            ctx.x_shape = x.shape

        @staticmethod
        def backward(ctx, g):
            return gnp.reshape(g, ctx.x_shape) * ctx.scale_backward, None, None, None

    x = ad.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    (gx,) = ad.autograd.grad(gnp.sum(MyReshape.apply(x, (6, 4), -1, 2)), x)
    _close(gx, np.full((2, 3, 4), 2.0))


def test_needs_input_grad_and_non_differentiable(backend):
    # test_needs_input_grad, test_mark_non_differentiable(_mixed)
    flags = []

    class MaskedScale(Function):
        @staticmethod
        def forward(ctx, x, w):
            flags.append(ctx.needs_input_grad)
            mask = x > 0
            out = x * w
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(w)
            return out, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            assert not _np(g_mask).any()  # zeros, as torch, for the non-differentiable output
            (w,) = ctx.saved_tensors
            return g * w, None

    x = _leaf([1.0, -2.0])
    w = ad.tensor(np.array([3.0, 4.0]))
    out, mask = MaskedScale.apply(x, w)
    assert flags[-1] == (True, False)
    assert not mask.requires_grad and out.requires_grad
    gnp.sum(out).backward()
    _close(x.grad, [3.0, 4.0])

    class Ident(Function):
        @staticmethod
        def forward(ctx, a, b):
            out_a, out_b = a * 1.0, b * 1.0
            ctx.mark_non_differentiable(out_b)
            return out_a, out_b

        @staticmethod
        def backward(ctx, ga, gb):
            _close(gb, np.zeros(2))  # materialized zeros for the non-differentiable output
            return ga, None

    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    oa, ob = Ident.apply(a, b)
    assert oa.requires_grad and not ob.requires_grad
    gnp.sum(oa).backward()
    _close(a.grad, [1.0, 1.0])
    assert b.grad is None


def test_once_differentiable(backend):
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    x = _leaf([1.0, 2.0])
    (g,) = ad.autograd.grad(gnp.sum(Square.apply(x)), x)
    _close(g, [2.0, 4.0])
    # the incoming gradient is itself recorded: differentiating the result must raise
    y = gnp.sum(Square.apply(x) ** 2)
    (g,) = ad.autograd.grad(y, x, create_graph=True)
    with pytest.raises(
        RuntimeError,
        match="Square: trying to differentiate twice a function "
        "that was marked with @once_differentiable",
    ):
        ad.autograd.grad(gnp.sum(g), x)


def test_function_errors(backend):
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return gnp.ones(4)

    class GradForScalar(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, gnp.ones(3)

    class Expanded(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return gnp.ones((2, 3))  # torch sums a gradient that x broadcasts to

    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(
        RuntimeError,
        match="TooManyBackward returned an incorrect number of "
        r"gradients \(expected 1, got 2\)",
    ):
        gnp.sum(TooMany.apply(x)).backward()
    with pytest.raises(
        RuntimeError,
        match=r"WrongShapeBackward returned an invalid gradient "
        r"at index 0 - got shape \[4\].*\[3\]",
    ):
        gnp.sum(WrongShape.apply(x)).backward()
    with pytest.raises(
        RuntimeError,
        match="GradForScalarBackward returned a gradient different than None at position 1",
    ):
        gnp.sum(GradForScalar.apply(x, 2.0)).backward()
    assert x.grad is None  # a failed backward writes no .grad
    gnp.sum(Expanded.apply(x)).backward()
    _close(x.grad, [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="a Function is not instantiated"):
        Exp()

    class ListOut(Function):
        @staticmethod
        def forward(ctx, x):
            return [x * 2]

    with pytest.raises(TypeError, match="returned a list of Tensors"):
        ListOut.apply(x)

    class WritesGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            g[0] = 0.0
            return g

    shared = x * 1.0  # its adjoint reaches WritesGrad and x unchanged through add
    y = WritesGrad.apply(shared) + shared
    if ad.get_backend().name == "numpy":
        with pytest.raises(
            ValueError,
            match=r"WritesGrad.backward wrote into its incoming "
            r"gradient in place.*g.copy\(\)",
        ):
            gnp.sum(y).backward()
    else:  # no read-only arrays: backward gets a copy, so the sweep's adjoint is intact
        gnp.sum(y).backward()
        _close(x.grad, [3.0, 4.0, 4.0])


def test_function_saved_tensor_versions(backend):
    x = _leaf([0.5, 1.0])
    y = Exp.apply(x)
    with ad.no_grad():
        y[0] = 5.0  # the saved output, written in place
    with pytest.raises(
        RuntimeError,
        match="Exp: its output was saved for the gradient at "
        "version 0 but has since been modified in place",
    ):
        gnp.sum(y).backward()
    y = Exp.apply(x)
    z = gnp.sum(y)
    z.backward()
    with pytest.raises(
        RuntimeError, match="Exp: trying to backward through this step a second time"
    ):
        z.backward()


def test_function_under_transforms(backend):
    x = _leaf([0.5, 1.0])
    old_style = "Exp: .*must override the setup_context staticmethod"
    with pytest.raises(RuntimeError, match=old_style + ".*inside vmap"):
        ad.vmap(lambda r: Exp.apply(r))(gnp.ones((2, 2)))
    with pytest.raises(RuntimeError, match=old_style + ".*forward mode"):
        ad.jvp(lambda r: Exp.apply(r), (np.ones(2),), (np.ones(2),))
    # reverse-mode transforms see it as any step
    g = ad.grad(lambda r: gnp.sum(Exp.apply(r) * r))(np.array([0.5, 1.0]))
    _close(g, np.exp([0.5, 1.0]) * (1 + np.array([0.5, 1.0])))
    assert x.grad is None


def test_polynomial_custom_function_tutorial(backend):
    # PyTorch's tutorial polynomial_custom_function.py, its Function class unchanged but for
    # the namespace: y = a + b P3(c + d x), trained by hand for a few steps, against torch
    torch = _torch()

    def make(base):
        class LegendrePolynomial3(base):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return 0.5 * (5 * input**3 - 3 * input)

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors
                return grad_output * 1.5 * (5 * input**2 - 1)

        return LegendrePolynomial3

    def train(P3, x, y, params, no_grad):
        a, b, c, d = params
        losses = []
        for _ in range(8):
            y_pred = a + b * P3.apply(c + d * x)
            loss = ((y_pred - y) ** 2).sum()
            losses.append(loss.item())
            loss.backward()
            with no_grad():
                for p in params:
                    p -= 2e-4 * p.grad
                    p.grad = None
        return losses

    xs = np.linspace(-np.pi, np.pi, 50)
    ys = np.sin(xs)
    init = (0.0, -1.0, 0.0, 0.3)
    got = train(
        make(Function),
        ad.tensor(xs),
        ad.tensor(ys),
        [ad.tensor(np.array(v), requires_grad=True) for v in init],
        ad.no_grad,
    )
    want = train(
        make(torch.autograd.Function),
        torch.tensor(xs),
        torch.tensor(ys),
        [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init],
        torch.no_grad,
    )
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[-1] < got[0]


# ---- functional ----------------------------------------------------------------------------------


def _f2(m, a, b):
    return (m.exp(a) * b**2).sum() + (m.sin(a * b)).sum()


def test_functional_against_torch(backend):
    torch = _torch()
    from torch.autograd import functional as TF

    a0, b0 = np.array([0.3, -0.5]), np.array([1.2, 0.4])
    v2 = (np.array([0.7, -1.0]), np.array([0.2, 0.5]))
    ga = (ad.tensor(a0), ad.tensor(b0))
    ta = (torch.tensor(a0), torch.tensor(b0))
    gv = tuple(ad.tensor(v) for v in v2)
    tv = tuple(torch.tensor(v) for v in v2)

    def gf(a, b):
        return _f2(gnp, a, b)

    def tf(a, b):
        return _f2(torch, a, b)

    def gvec(a, b):
        return gnp.stack([a[0] * b[1], gnp.sin(a[1])]), a * b

    def tvec(a, b):
        return torch.stack([a[0] * b[1], torch.sin(a[1])]), a * b

    H, TH = AF.hessian(gf, ga), TF.hessian(tf, ta)
    J, TJ = AF.jacobian(gvec, ga), TF.jacobian(tvec, ta)
    for i in range(2):
        for j in range(2):
            _close(H[i][j], TH[i][j].numpy())
            _close(J[i][j], TJ[i][j].numpy())
    for name in ("vhp", "hvp"):
        (o, r), (to, tr) = getattr(AF, name)(gf, ga, gv), getattr(TF, name)(tf, ta, tv)
        _close(o, to.numpy())
        for k in range(2):
            _close(r[k], tr[k].numpy())
    (o, r), (to, tr) = AF.vjp(gvec, ga, (gv[0], gv[1])), TF.vjp(tvec, ta, (tv[0], tv[1]))
    for k in range(2):
        _close(o[k], to[k].numpy())
        _close(r[k], tr[k].numpy())
    (o, r), (to, tr) = AF.jvp(gvec, ga, gv), TF.jvp(tvec, ta, tv)
    for k in range(2):
        _close(r[k], tr[k].numpy())
    # single Tensor in, single Tensor out: no tuples
    x = ad.tensor(a0)
    jac = AF.jacobian(lambda a: gnp.sin(a) * a, x)
    assert isinstance(jac, ad.Tensor) and jac.shape == (2, 2)
    _close(jac, _fd(lambda a: np.sin(a) * a, a0), tol=1e-8)
    hess = AF.hessian(lambda a: gnp.sum(a**3), x)
    _close(hess, np.diag(6 * a0))
    out, g = AF.vjp(lambda a: gnp.sum(a**2), x)
    assert isinstance(g, ad.Tensor) and not g.requires_grad
    _close(g, 2 * a0)


def test_functional_create_graph_strict_and_errors(backend):
    x = _leaf([0.4, -0.3])
    _, g = AF.vjp(lambda a: gnp.sum(a**3), x, create_graph=True)
    assert g.requires_grad
    (h,) = ad.autograd.grad(gnp.sum(g), x)
    _close(h, 6 * np.array([0.4, -0.3]))
    H = AF.hessian(lambda a: gnp.sum(a**3), x, create_graph=True)
    (t,) = ad.autograd.grad(gnp.sum(H), x)
    _close(t, [6.0, 6.0])
    y = ad.tensor(np.array([1.0, 2.0]))

    def indep(a, b):
        return a * 2.0

    _, (ga, gb) = AF.vjp(indep, (x, y), gnp.ones(2))
    _close(gb, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        AF.vjp(indep, (x, y), gnp.ones(2), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1.*strict"):
        AF.jacobian(indep, (x, y), strict=True)
    with pytest.raises(ValueError, match="v can only be None"):
        AF.vjp(lambda a: a * 2, x)
    with pytest.raises(ValueError, match=r"should be \(2,\).*but got \(3,\)"):
        AF.vjp(lambda a: a * 2, x, gnp.ones(3))
    with pytest.raises(ValueError, match="single element"):
        AF.hessian(lambda a: a * 2, x)
    with pytest.raises(TypeError, match="Tensor or a tuple of Tensors"):
        AF.jacobian(lambda a: [a], x)
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        AF.jacobian(lambda a: a, x, strategy="forward-mode")


# ---- gradcheck, grad mode, anomaly -----------------------------------------------------------


def test_gradcheck_and_gradgradcheck(backend):
    class BadExp(Function):
        @staticmethod
        def forward(ctx, x):
            return gnp.exp(x)

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    x = _leaf([0.1, 0.2])
    assert ad.autograd.gradcheck(lambda a, b: gnp.sin(a) * b, (x, _leaf([1.0, -1.0])))
    with pytest.raises(
        ad.autograd.GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"
    ):
        ad.autograd.gradcheck(BadExp.apply, (x,))
    assert ad.autograd.gradcheck(BadExp.apply, (x,), raise_exception=False) is False
    assert ad.autograd.gradgradcheck(lambda a: gnp.tanh(a) * a, (x,))

    class FirstOrderOnly(Function):  # a correct first derivative, a wrong second one
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * ad.tensor(x.data) ** 2  # x cut from the tape

    assert ad.autograd.gradcheck(FirstOrderOnly.apply, (x,))
    assert not ad.autograd.gradgradcheck(FirstOrderOnly.apply, (x,), raise_exception=False)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        ad.autograd.gradcheck(gnp.sin, (ad.tensor(np.ones(2)),))


def test_set_grad_enabled_and_inference_mode(backend):
    # test_set_grad_enabled
    x = _leaf([1.0])
    with ad.set_grad_enabled(False):
        y = x * 2
    assert not y.requires_grad
    with ad.set_grad_enabled(True):
        y = x * 2
    assert y.requires_grad
    with ad.set_grad_enabled(False):
        ad.set_grad_enabled(True)
        y = x * 2
    assert y.requires_grad
    assert ad.is_grad_enabled()
    ad.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
        with ad.enable_grad():
            assert (x * 2).requires_grad
        assert not ad.is_grad_enabled()
    finally:
        ad.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with ad.inference_mode():
        assert not (x * 2).requires_grad and ad.is_inference_mode_enabled()
    assert not ad.is_inference_mode_enabled()

    @ad.inference_mode
    def f(a):
        return a * 2

    @ad.set_grad_enabled(False)
    def h(a):
        return a * 2

    assert not f(x).requires_grad and not h(x).requires_grad
    assert (x * 2).requires_grad
    with ad.inference_mode(False):
        assert (x * 2).requires_grad


def test_anomaly_switches(backend):
    x = _leaf([-1.0, 1.0])
    with ad.autograd.detect_anomaly():
        assert ad.autograd.is_anomaly_enabled()
        with pytest.raises(ad.AnomalyError):
            gnp.log(x)
    assert not ad.autograd.is_anomaly_enabled()
    with ad.autograd.set_detect_anomaly(True):
        with pytest.raises(ad.AnomalyError):
            gnp.sum(gnp.sqrt(x))
    assert not ad.autograd.is_anomaly_enabled()
    with ad.autograd.detect_anomaly(check_nan=False):
        gnp.log(x)  # no check


# ---- Module hooks ----------------------------------------------------------------------------


def test_forward_hooks(backend):
    # test_module_hooks: forward pre-hooks replace the arguments, forward hooks the output
    m = nn.Linear(3, 2)
    x = ad.tensor(RNG.standard_normal((4, 3)))
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("fwd") or out + 1.0)
    h3 = m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)
    ref = _np(m.forward(x * 2)) + 1.0
    _close(m(x), ref)
    assert calls == ["first", "pre", "fwd"]
    for h in (h1, h2, h3):
        h.remove()
    h3.remove()  # twice is harmless
    _close(m(x), _np(m.forward(x)))
    assert "_hooks" not in vars(m)

    def pre_kw(mod, args, kwargs):
        return args, {**kwargs, "scale": 3.0}

    class Scale(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    s = Scale()
    seen = []
    s.register_forward_pre_hook(pre_kw, with_kwargs=True)
    s.register_forward_hook(lambda mod, args, kw, out: seen.append(kw["scale"]), with_kwargs=True)
    _close(s(x), _np(x) * 3.0)
    assert seen == [3.0]

    class Fails(nn.Module):
        def forward(self, x):
            raise ValueError("bad input")

    f = Fails()
    called = []
    f.register_forward_hook(lambda mod, args, out: called.append(out), always_call=True)
    f.register_forward_hook(lambda mod, args, out: called.append("never"))
    with pytest.raises(ValueError, match="bad input"):
        f(x)
    assert called == [None]

    class Pair(nn.Module):
        def forward(self, x):
            return x * 2.0, gnp.sin(x)

    p = Pair()
    grads = []
    p.register_full_backward_hook(lambda mod, gin, gout: grads.append(gout))
    xl = _leaf([0.5, 1.0])
    a, b = p(xl)
    gnp.sum(a * b).backward()
    _close(grads[0][0], np.sin([0.5, 1.0]))
    _close(grads[0][1], [1.0, 2.0])
    _close(xl.grad, 2 * np.sin([0.5, 1.0]) + 2 * np.array([0.5, 1.0]) * np.cos([0.5, 1.0]))


def test_full_backward_hooks_against_torch(backend):
    torch = _torch()
    w0 = RNG.standard_normal((2, 3))
    x0 = RNG.standard_normal((4, 3))

    def run(lib):
        if lib == "gpuad":
            m = nn.Linear(3, 2)
            m.weight.data = ad.tensor(w0).data
            m.bias.data = ad.tensor(np.zeros(2)).data
            x = _leaf(x0)
            ops = gnp
        else:
            m = torch.nn.Linear(3, 2).double()
            with torch.no_grad():
                m.weight.copy_(torch.tensor(w0))
                m.bias.zero_()
            x = _tt(x0)
            ops = torch
        log = []

        def pre(mod, gout):
            log.append(("pre", _np(gout[0]) if lib == "gpuad" else gout[0].numpy()))
            return (gout[0] * 2,)

        def full(mod, gin, gout):
            conv = _np if lib == "gpuad" else (lambda t: t.numpy())
            log.append(("full", conv(gin[0]), conv(gout[0])))
            return (gin[0] + 1.0,)

        m.register_full_backward_pre_hook(pre)
        m.register_full_backward_hook(full)
        y = ops.tanh(m(x))
        (y * y).sum().backward()
        return (
            log,
            (_np(x.grad) if lib == "gpuad" else x.grad.numpy()),
            (_np(m.weight.grad) if lib == "gpuad" else m.weight.grad.numpy()),
        )

    log, gx, gw = run("gpuad")
    tlog, tgx, tgw = run("torch")
    assert [e[0] for e in log] == [e[0] for e in tlog] == ["pre", "full"]
    _close(log[0][1], tlog[0][1])
    _close(log[1][1], tlog[1][1])  # grad_input: after the pre-hook's doubling
    _close(log[1][2], tlog[1][2])  # grad_output: the pre-hook's replacement
    _close(gx, tgx)
    _close(gw, tgw)


def test_backward_hook_without_input_grad_and_errors(backend):
    m = nn.Tanh() if hasattr(nn, "Tanh") else nn.Linear(2, 2)
    x = ad.tensor(np.array([0.5, -0.5]))  # does not require grad
    p = _leaf([2.0, 3.0])
    log = []
    h = m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, _np(gout[0]))))
    gnp.sum(m(x * p)).backward()  # the argument requires grad through p
    assert log and log[0][0][0] is not None
    log.clear()
    h.remove()
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda mod, gin, gout: log.append(gin))
    gnp.sum(lin(x)).backward()  # no argument requires grad: grad_input is all None
    assert log == [(None,)]
    bad = nn.Linear(2, 2)
    bad.register_full_backward_hook(lambda mod, gin, gout: (gin[0], gin[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        gnp.sum(bad(x * p)).backward()
    shape = nn.Linear(2, 2)
    shape.register_full_backward_pre_hook(lambda mod, gout: (gnp.ones(3),))
    with pytest.raises(RuntimeError, match=r"returned grad_output\[0\] of shape \(3,\)"):
        gnp.sum(shape(x * p)).backward()
