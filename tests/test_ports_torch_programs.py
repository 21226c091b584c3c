"""Programs written for PyTorch, run with gpuad: the "Learning PyTorch with Examples" tutorial
(a cubic fit of sin with hand-written gradients, autograd, a custom autograd Function, nn,
optim, a custom Module and a dynamic graph), "A gentle introduction to torch.autograd" and the
"Autograd mechanics" notes, the torch.func tutorials (per-sample gradients, ensembling,
Jacobians, Hessians, neural tangent kernels), torch.autograd.functional, and small programs of
pytorch/examples (regression, a word-language-model RNN step, mnist's Net), at toy sizes.

Each program's gradients are checked against float64 central differences, and where torch is
installed the same program under PyTorch (float64, same initial weights) gives the same values.
A few training loops also run as compiled steps (``gpuad.jit``) and equal the eager loop.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F
from gpuad.testing import check_grads

R = np.random.default_rng(2024)
X = np.linspace(-math.pi, math.pi, 40)
Y = np.sin(X)
ABCD = R.standard_normal(4)


def _xp():
    return ad.get_backend().xp


def _arr(a):
    return _xp().asarray(np.asarray(a, dtype=float))


def _close(got, want, rtol=1e-10, atol=1e-12):
    lg, lw = ad.tree_flatten(got)[0], ad.tree_flatten(want)[0]
    assert len(lg) == len(lw)
    for g, w in zip(lg, lw, strict=True):
        w = w.detach().numpy() if hasattr(w, "detach") else to_numpy(w)
        np.testing.assert_allclose(to_numpy(g), w, rtol=rtol, atol=atol)


def _torch():
    torch = pytest.importorskip("torch")
    return torch


def _t(torch, a, requires_grad=False):
    return torch.tensor(np.asarray(to_numpy(a), dtype=float), requires_grad=requires_grad)


# ---- Learning PyTorch with Examples: polynomial fit of sin ----------------------------------

def poly_manual(x, y, a, b, c, d, lr, steps):
    """polynomial_tensor.py: forward and hand-written backward with tensors, no autograd;
    works on torch tensors and gpuad Tensors alike."""
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = ((y_pred - y) ** 2).sum()
        losses.append(loss.item())
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= lr * grad_a
        b -= lr * grad_b
        c -= lr * grad_c
        d -= lr * grad_d
    return losses, (a, b, c, d)


def _poly_loss(abcd, x, y):
    a, b, c, d = abcd
    return gnp.sum((a + b * x + c * x ** 2 + d * x ** 3 - y) ** 2)


def test_poly_manual_gradients(backend):
    x, y = ad.tensor(X), ad.tensor(Y)
    p = [ad.tensor(v) for v in ABCD]
    losses, got = poly_manual(x, y, *p, lr=5e-5, steps=15)
    assert losses[-1] < losses[0]
    # the hand-written gradient is the loss's gradient (finite differences and autograd)
    check_grads(lambda *q: _poly_loss(q, _arr(X), _arr(Y)), tuple(_arr(v) for v in ABCD),
                order=2)
    g = ad.grad(lambda q: _poly_loss(q, _arr(X), _arr(Y)))([_arr(v) for v in ABCD])
    yp = ABCD[0] + ABCD[1] * X + ABCD[2] * X ** 2 + ABCD[3] * X ** 3
    hand = [np.sum(2 * (yp - Y) * X ** k) for k in range(4)]
    _close(g, hand)
    torch = _torch()
    tl, want = poly_manual(_t(torch, X), _t(torch, Y), *(_t(torch, v) for v in ABCD),
                           lr=5e-5, steps=15)
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    _close(got, want)


def poly_autograd(lib, x, y, abcd, lr, steps):
    """polynomial_autograd.py: requires_grad leaves, loss.backward(), updates under no_grad."""
    a, b, c, d = abcd
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).__pow__(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses, (a, b, c, d)


def test_poly_autograd(backend):
    p = [ad.tensor(v, requires_grad=True) for v in ABCD]
    losses, got = poly_autograd(ad, ad.tensor(X), ad.tensor(Y), p, 5e-5, 15)
    ref_losses, ref = poly_manual(ad.tensor(X), ad.tensor(Y), *(ad.tensor(v) for v in ABCD),
                                  lr=5e-5, steps=15)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-12)
    _close(got, ref)
    assert all(q.requires_grad and q.is_leaf and q.grad is None for q in got)
    torch = _torch()
    tp = [_t(torch, v, True) for v in ABCD]
    tl, want = poly_autograd(torch, _t(torch, X), _t(torch, Y), tp, 5e-5, 15)
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    _close(got, want)


# polynomial_custom_function.py: LegendrePolynomial3 as an autograd Function, whose forward
# saves its input (ctx.save_for_backward) for the backward formula 1.5 (5 x^2 - 1)

@ad.custom_vjp
def legendre3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def _legendre3_fwd(x):
    return legendre3(x), (x,)


def _legendre3_bwd(res, grad_output):
    (x,) = res
    return (grad_output * 1.5 * (5 * x ** 2 - 1),)


legendre3.defvjp(_legendre3_fwd, _legendre3_bwd)

legendre3_op = ad.custom_op(
    lambda x: 0.5 * (5 * x ** 3 - 3 * x),
    lambda saved, g: (g * 1.5 * (5 * saved["inputs"][0] ** 2 - 1),),
    composite=lambda x: 0.5 * (5 * x ** 3 - 3 * x), name="legendre3")


def poly_legendre(P3, x, y, abcd, lr, steps, no_grad):
    a, b, c, d = abcd
    losses = []
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = ((y_pred - y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses, (a, b, c, d)


LEGENDRE0 = (0.0, -1.0, 0.0, 0.3)  # the tutorial's initial values


@pytest.mark.parametrize("P3", [legendre3, legendre3_op], ids=["custom_vjp", "custom_op"])
def test_poly_legendre_custom_function(backend, P3):
    check_grads(P3, (_arr(X[::5] / 3),), order=2, modes=("rev",))

    def loss(abcd):
        a, b, c, d = abcd
        return gnp.sum((a + b * P3(c + d * _arr(X)) - _arr(Y)) ** 2)

    check_grads(loss, ([_arr(v) for v in LEGENDRE0],), order=2, modes=("rev",))
    p = [ad.tensor(v, requires_grad=True) for v in LEGENDRE0]
    losses, got = poly_legendre(P3, ad.tensor(X), ad.tensor(Y), p, 2e-4, 12, ad.no_grad)
    assert losses[-1] < losses[0]
    torch = _torch()

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    tp = [_t(torch, v, True) for v in LEGENDRE0]
    tl, want = poly_legendre(LegendrePolynomial3.apply, _t(torch, X), _t(torch, Y), tp, 2e-4, 12,
                             torch.no_grad)
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    _close(got, want)


def _features(x):
    """``x.unsqueeze(-1).pow(p)`` with ``p = (1, 2, 3)``."""
    return x[:, None] ** _arr([1.0, 2.0, 3.0])


def poly_nn(model, params, loss_fn, xx, y, lr, steps, no_grad, opt=None):
    """polynomial_nn.py (``param -= lr * param.grad`` by hand) and polynomial_optim.py /
    polynomial_module.py (``opt`` given: zero_grad, backward, step)."""
    losses = []
    for _ in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        if opt is None:
            model.zero_grad()
            loss.backward()
            with no_grad():
                for p in params():
                    p -= lr * p.grad
        else:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return losses


def _torch_linear(torch, lin):
    t = torch.nn.Linear(lin.weight.shape[1], lin.weight.shape[0]).double()
    with torch.no_grad():
        t.weight.copy_(torch.tensor(to_numpy(lin.weight)))
        t.bias.copy_(torch.tensor(to_numpy(lin.bias)))
    return t


@pytest.mark.parametrize("how", ["by_hand", "rmsprop"])
def test_poly_nn_sequential(backend, how):
    xx = _features(ad.tensor(X))
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    w0 = [to_numpy(p).copy() for p in model.parameters()]
    loss_fn = nn.MSELoss(reduction="sum")
    assert model(xx).shape == (len(X),)

    def loss_of(w, b):
        return F.mse_loss(F.flatten(F.linear(_features(_arr(X)), w, b), 0, 1), _arr(Y),
                          reduction="sum")

    check_grads(loss_of, tuple(_arr(w) for w in w0), order=2)
    opt = optim.RMSprop(model.parameters(), lr=1e-3) if how == "rmsprop" else None
    losses = poly_nn(model, model.parameters, loss_fn, xx, ad.tensor(Y), 5e-5, 12, ad.no_grad,
                     opt)
    assert losses[-1] < losses[0]
    torch = _torch()
    tmodel = torch.nn.Sequential(_torch_linear(torch, model[0]), torch.nn.Flatten(0, 1))
    with torch.no_grad():
        for p, w in zip(tmodel.parameters(), w0, strict=True):
            p.copy_(torch.tensor(w))
    topt = torch.optim.RMSprop(tmodel.parameters(), lr=1e-3) if how == "rmsprop" else None
    txx = _t(torch, X).unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    tl = poly_nn(tmodel, tmodel.parameters, torch.nn.MSELoss(reduction="sum"), txx,
                 _t(torch, Y), 5e-5, 12, torch.no_grad, topt)
    np.testing.assert_allclose(losses, tl, rtol=1e-10)
    _close(model.parameters(), list(tmodel.parameters()))


class Polynomial3(nn.Module):
    """polynomial_module.py: four scalar Parameters."""

    def __init__(self, abcd):
        self.a, self.b, self.c, self.d = (nn.Parameter(gnp.asarray(v)) for v in abcd)

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3


class DynamicNet(nn.Module):
    """dynamic_net.py: a cubic plus ``e x^k`` for k = 4 .. a random 4 or 5, the same
    Parameter ``e`` reused a varying number of times."""

    def __init__(self, abcde, draw):
        self.a, self.b, self.c, self.d, self.e = (nn.Parameter(gnp.asarray(v)) for v in abcde)
        self.draw = draw

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, self.draw(4, 6)):
            y = y + self.e * x ** exp
        return y


def _torch_module(torch, names, values, forward, draw=None):
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for n, v in zip(names, values, strict=True):
                setattr(self, n, torch.nn.Parameter(torch.tensor(float(v), dtype=torch.float64)))
            self.draw = draw

    M.forward = forward
    return M()


ABCDE = np.concatenate([ABCD, [0.01]])


@pytest.mark.parametrize("which", ["Polynomial3", "DynamicNet"])
def test_poly_custom_module_with_sgd(backend, which):
    steps, lr = 12, 2e-6
    if which == "Polynomial3":
        model, kw = Polynomial3(ABCD), {}
    else:
        model, kw = DynamicNet(ABCDE, random.Random(5).randint), {"momentum": 0.9}
    opt = optim.SGD(model.parameters(), lr=lr, **kw)
    x, y = ad.tensor(X), ad.tensor(Y)
    losses = poly_nn(model, None, nn.MSELoss(reduction="sum"), x, y, lr, steps, ad.no_grad, opt)
    assert which == "DynamicNet" or losses[-1] < losses[0]  # DynamicNet's loss jumps with k
    # DynamicNet's loss for each number of reuses of ``e``
    for k in (5, 6):
        fixed = DynamicNet(ABCDE, lambda lo, hi, k=k: k)

        def loss_of(*ps, fixed=fixed):
            for n, p in zip("abcde", ps, strict=True):
                setattr(fixed, n, p)
            return F.mse_loss(fixed(_arr(X)), _arr(Y), reduction="sum")

        check_grads(loss_of, tuple(_arr(v) for v in ABCDE), order=2)
    torch = _torch()
    names = "abcd" if which == "Polynomial3" else "abcde"
    values = ABCD if which == "Polynomial3" else ABCDE
    draw = None if which == "Polynomial3" else random.Random(5).randint
    fwd = Polynomial3.forward if which == "Polynomial3" else DynamicNet.forward
    tmodel = _torch_module(torch, names, values, fwd, draw)
    topt = torch.optim.SGD(tmodel.parameters(), lr=lr, **kw)
    tl = poly_nn(tmodel, None, torch.nn.MSELoss(reduction="sum"), _t(torch, X), _t(torch, Y),
                 lr, steps, torch.no_grad, topt)
    np.testing.assert_allclose(losses, tl, rtol=1e-10)
    _close(model.parameters(), list(tmodel.parameters()))


def test_flatten_start_and_end_dim(backend):
    # torch.nn.Flatten(0, 1) of polynomial_nn.py: dims start..end merged, negatives counted
    # from the end; a range naming no dims is an error that names the shape
    a = _arr(np.arange(24.0).reshape(2, 3, 4))
    assert F.flatten(a).shape == (2, 12)
    assert F.flatten(a, 0, 1).shape == (6, 4)
    assert F.flatten(a, -2, -1).shape == (2, 12)
    assert F.flatten(a, 1, 1).shape == (2, 3, 4)
    assert nn.Flatten(0, -1)(a).shape == (24,)
    assert F.flatten(_arr(np.zeros((0, 3, 2))), 1).shape == (0, 6)
    check_grads(lambda v: F.flatten(v, 0, 1) ** 2, (a,), order=1)
    with pytest.raises(ValueError, match=r"flatten: start_dim=2 and end_dim=1 .* \(2, 3, 4\)"):
        F.flatten(a, 2, 1)
    with pytest.raises(ValueError, match="flatten"):
        F.flatten(a, 0, 3)
