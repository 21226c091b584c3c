"""Programs written for PyTorch, run with gpuad: the "Learning PyTorch with Examples" tutorial
(a cubic fit of sin with hand-written gradients, autograd, a custom autograd Function, nn,
optim, a custom Module and a dynamic graph), "A gentle introduction to torch.autograd" and the
"Autograd mechanics" notes, the torch.func tutorials (per-sample gradients, ensembling,
Jacobians, Hessians, neural tangent kernels), torch.autograd.functional, and small programs of
pytorch/examples (regression, a word-language-model RNN step, mnist's Net), at toy sizes.

Each program's gradients are checked against float64 central differences, and where torch is
installed the same program under PyTorch (float64, same initial weights) gives the same values
(each test's torch half comes last: without torch it is skipped after the gpuad checks ran).
A few training loops also run as compiled steps (``gpuad.jit``) and equal the eager loop.
"""

from __future__ import annotations

import collections
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


# ---- A gentle introduction to torch.autograd ------------------------------------------------

def test_gentle_intro_vector_backward(backend):
    # Q = 3 a^3 - b^2 is a vector: Q.backward(gradient=external_grad) gives dQ/da = 9 a^2 and
    # dQ/db = -2 b (a vector-Jacobian product with a vector of ones)
    a = ad.tensor([2.0, 3.0], requires_grad=True)
    b = ad.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    Q.backward(gradient=gnp.ones(2))
    _close(a.grad, 9 * to_numpy(a) ** 2, rtol=1e-15)
    _close(b.grad, -2 * to_numpy(b), rtol=1e-15)
    check_grads(lambda a, b: 3 * a ** 3 - b ** 2, (_arr([2.0, 3.0]), _arr([6.0, 4.0])), order=2)
    torch = _torch()
    ta, tb = _t(torch, [2.0, 3.0], True), _t(torch, [6.0, 4.0], True)
    (3 * ta ** 3 - tb ** 2).backward(gradient=torch.ones(2, dtype=torch.float64))
    _close([a.grad, b.grad], [ta.grad, tb.grad], rtol=1e-15)


class _Pretrained(nn.Module):
    """Stands in for resnet18: a body and a final ``fc`` layer."""

    def __init__(self, n_in, n_hidden, n_out):
        self.body = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU())
        self.fc = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.fc(self.body(x))


def test_gentle_intro_finetuning_frozen_parameters(backend):
    # freeze every parameter, replace the classifier, train with all parameters given to the
    # optimizer: only the new classifier gets gradients and changes
    gnp.random.seed(1)
    model = _Pretrained(4, 6, 5)
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(6, 3)
    frozen = [to_numpy(p).copy() for p in model.body.parameters()]
    fc0 = [to_numpy(p).copy() for p in model.fc.parameters()]
    opt = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    x, labels = ad.tensor(R.standard_normal((7, 4))), R.integers(0, 3, 7)
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(x), _xp().asarray(labels)).backward()
        opt.step()
    assert all(p.grad is None for p in model.body.parameters())
    _close(list(model.body.parameters()), frozen, rtol=0, atol=0)
    assert not np.allclose(to_numpy(model.fc.weight), fc0[0])

    def loss_of(w, b):
        return F.cross_entropy(F.linear(model.body(_arr(to_numpy(x))), w, b),
                               _xp().asarray(labels))

    check_grads(loss_of, tuple(_arr(v) for v in fc0), order=2)
    torch = _torch()
    tbody = torch.nn.Sequential(_torch_linear(torch, model.body[0]), torch.nn.ReLU())
    tfc = _torch_linear(torch, model.fc)
    with torch.no_grad():
        for p, v in zip(tfc.parameters(), fc0, strict=True):
            p.copy_(torch.tensor(v))
    for p in tbody.parameters():
        p.requires_grad = False
    tmodel = torch.nn.Sequential(tbody, tfc)
    topt = torch.optim.SGD(tmodel.parameters(), lr=1e-2, momentum=0.9)
    for _ in range(3):
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(_t(torch, x)), torch.tensor(labels)).backward()
        topt.step()
    _close(list(model.fc.parameters()), list(tfc.parameters()))


# ---- Autograd mechanics ---------------------------------------------------------------------

def test_mechanics_inplace_correctness_check(backend):
    # exp saves its output; modifying it in place before backward is an error naming the op
    # and both versions (torch: "modified by an inplace operation ... is at version 1")
    x = ad.tensor(R.standard_normal(3), requires_grad=True)
    y = gnp.exp(x)
    y += 1
    with pytest.raises(ad.GradError, match=r"exp.*version 0.*version 1"):
        y.sum().backward()
    assert x.grad is None
    # a write to a value nothing saved is differentiated
    z = x * 2
    z[1] = 0.0
    gnp.sum(z * z).backward()
    _close(x.grad, 8 * to_numpy(x) * np.array([1.0, 0.0, 1.0]))
    torch = _torch()
    tx = _t(torch, x, True)
    ty = tx.exp()
    ty += 1
    with pytest.raises(RuntimeError, match="inplace operation"):
        ty.sum().backward()


def test_mechanics_retain_graph(backend):
    # a second backward through freed saved values raises; retain_graph=True keeps them and
    # the second backward accumulates
    x = ad.tensor([0.5, -1.5], requires_grad=True)
    y = gnp.sum(gnp.sin(x) * x)
    y.backward()
    with pytest.raises(ad.GradError, match="retain_graph"):
        y.backward()
    x.grad = None
    y = gnp.sum(gnp.sin(x) * x)
    y.backward(retain_graph=True)
    y.backward()
    torch = _torch()
    tx = _t(torch, [0.5, -1.5], True)
    ty = (tx.sin() * tx).sum()
    ty.backward(retain_graph=True)
    ty.backward()
    _close(x.grad, tx.grad, rtol=1e-15)


def test_mechanics_tensor_hooks(backend):
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 2)
    gnp.sum(y * y).backward()
    _close(x.grad, 2 * 3 * 2 * to_numpy(y))


# ---- torch.func tutorials -------------------------------------------------------------------

class SimpleCNN(nn.Module):
    """The per-sample-gradients tutorial's model at toy size: two convolutions, max pooling,
    two linear layers and log_softmax; its loss is nll_loss."""

    def __init__(self):
        self.conv1 = nn.Conv2d(1, 2, 3, 1)
        self.conv2 = nn.Conv2d(2, 3, 3, 1)
        self.fc1 = nn.Linear(3 * 2 * 2, 5)
        self.fc2 = nn.Linear(5, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = F.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), axis=1)


def _torch_cnn(torch, model):
    tF = torch.nn.functional

    class TorchCNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 2, 3, 1)
            self.conv2 = torch.nn.Conv2d(2, 3, 3, 1)
            self.fc1 = torch.nn.Linear(12, 5)
            self.fc2 = torch.nn.Linear(5, 4)

        def forward(self, x):
            x = tF.relu(self.conv1(x))
            x = tF.relu(self.conv2(x))
            x = tF.max_pool2d(x, 2)
            x = torch.flatten(x, 1)
            x = tF.relu(self.fc1(x))
            return tF.log_softmax(self.fc2(x), dim=1)

    t = TorchCNN().double()
    t.load_state_dict({k: torch.tensor(to_numpy(v)) for k, v in model.named_parameters()})
    return t


def test_func_per_sample_gradients(backend):
    gnp.random.seed(3)
    model = SimpleCNN()
    data = R.standard_normal((4, 1, 8, 8))
    targets = R.integers(0, 4, 4)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def compute_loss(params, sample, target):
        batch, tb = sample[None], target[None]
        predictions = nn.functional_call(model, params, (batch,))
        return F.nll_loss(predictions, tb)

    per_sample = ad.vmap(ad.grad(compute_loss), in_axes=(None, 0, 0))(
        params, _arr(data), _xp().asarray(targets))
    # the slow way of the tutorial: one backward per example
    for i in range(4):
        model.zero_grad()
        F.nll_loss(model(ad.tensor(data[i:i + 1])), _xp().asarray(targets[i:i + 1])).backward()
        for k, p in model.named_parameters():
            _close(to_numpy(per_sample[k])[i], p.grad)
    assert all(p.requires_grad for p in model.parameters())  # the module has its own again
    check_grads(lambda w: compute_loss(dict(params, **{"fc1.weight": w}), _arr(data[0]),
                                       _xp().asarray(targets[0])),
                (_arr(to_numpy(params["fc1.weight"])),), order=1)
    torch = _torch()
    from torch.func import functional_call, grad, vmap

    tmodel = _torch_cnn(torch, model)
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}

    def tloss(params, sample, target):
        pred = functional_call(tmodel, params, (sample.unsqueeze(0),))
        return torch.nn.functional.nll_loss(pred, target.unsqueeze(0))

    tps = vmap(grad(tloss), in_dims=(None, 0, 0))(tparams, torch.tensor(data),
                                                   torch.tensor(targets))
    _close([per_sample[k] for k in sorted(tps)], [tps[k] for k in sorted(tps)])


class SimpleMLP(nn.Module):
    def __init__(self):
        self.fc1 = nn.Linear(4, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def test_func_model_ensembling(backend):
    gnp.random.seed(4)
    models = [SimpleMLP() for _ in range(3)]
    params, buffers = nn.stack_module_state(models)
    assert params["fc1.weight"].shape == (3, 6, 4) and buffers == {}
    base = SimpleMLP()

    def fmodel(params, buffers, x):
        return nn.functional_call(base, (params, buffers), (x,))

    minibatch = _arr(R.standard_normal((5, 4)))
    minibatches = _arr(R.standard_normal((3, 5, 4)))
    same = ad.vmap(fmodel, in_axes=(0, 0, None))(params, buffers, minibatch)
    diff = ad.vmap(fmodel)(params, buffers, minibatches)
    _close(same, np.stack([to_numpy(m(minibatch)) for m in models]))
    _close(diff, np.stack([to_numpy(m(minibatches[i])) for i, m in enumerate(models)]))

    def ens_loss(p):
        return gnp.sum(ad.vmap(fmodel, in_axes=(0, None, 0))(p, {}, minibatches) ** 2)

    check_grads(ens_loss, (params,), order=2, modes=("rev",))
    g = ad.grad(ens_loss)(params)
    for i, m in enumerate(models):
        gnp.sum(m(minibatches[i]) ** 2).backward()
        for k, p in m.named_parameters():
            _close(to_numpy(g[k])[i], p.grad)
    torch = _torch()
    from torch.func import functional_call, stack_module_state, vmap

    tms = []
    for m in models:
        tm = torch.nn.Sequential()
        tm.fc1, tm.fc2 = _torch_linear(torch, m.fc1), _torch_linear(torch, m.fc2)
        tm.forward = lambda x, tm=tm: tm.fc2(torch.relu(tm.fc1(x)))
        tms.append(tm)
    tp, tb = stack_module_state(tms)
    tsame = vmap(lambda p, b, x: functional_call(tms[0], (p, b), (x,)), in_dims=(0, 0, None))(
        tp, tb, _t(torch, minibatch))
    _close(same, tsame)


def predict(weight, bias, x):
    return F.tanh(F.linear(x, weight, bias))


def test_func_jacobians_hessians_hvp(backend):
    D = 5
    weight, bias = R.standard_normal((D, D)), R.standard_normal(D)
    x = R.standard_normal(D)
    w, b, xa = _arr(weight), _arr(bias), _arr(x)
    # the tutorial's compute_jac: one vjp per row, against jacrev and jacfwd
    _, vjp_fn = ad.vjp(lambda v: predict(w, b, v), xa)
    rows = np.stack([to_numpy(vjp_fn(_arr(np.eye(D)[i]))[0]) for i in range(D)])
    jr = ad.jacrev(predict, argnums=2)(w, b, xa)
    _close(jr, rows)
    _close(ad.jacfwd(predict, argnums=2)(w, b, xa), rows)
    jw, jb = ad.jacrev(predict, argnums=(0, 1))(w, b, xa)
    assert jw.shape == (D, D, D) and jb.shape == (D, D)
    xb = _arr(R.standard_normal((3, D)))
    batched = ad.vmap(ad.jacrev(predict, argnums=2), in_axes=(None, None, 0))(w, b, xb)
    _close(batched, np.stack([to_numpy(ad.jacrev(predict, argnums=2)(w, b, xb[i]))
                              for i in range(3)]))
    h = ad.hessian(predict, argnums=2)(w, b, xa)
    _close(h, ad.jacfwd(ad.jacfwd(predict, argnums=2), argnums=2)(w, b, xa))
    check_grads(lambda v: predict(w, b, v), (xa,), order=2)

    def f(v):
        return gnp.sum(gnp.sin(v))

    tangent = _arr(R.standard_normal(D))
    hv = ad.jvp(ad.grad(f), (xa,), (tangent,))[1]  # hvp as the tutorial writes it
    _close(hv, -np.sin(x) * to_numpy(tangent), rtol=1e-13)
    _close(ad.hvp(f, (xa,), (tangent,))[1], hv)
    torch = _torch()
    from torch.func import hessian, jacfwd, jacrev

    def tpredict(weight, bias, x):
        return torch.nn.functional.linear(x, weight, bias).tanh()

    tw, tb_, tx = _t(torch, weight), _t(torch, bias), _t(torch, x)
    _close(jr, jacrev(tpredict, argnums=2)(tw, tb_, tx))
    _close([jw, jb], list(jacfwd(tpredict, argnums=(0, 1))(tw, tb_, tx)))
    _close(h, hessian(tpredict, argnums=2)(tw, tb_, tx))


def test_func_neural_tangent_kernel(backend):
    gnp.random.seed(5)
    net = SimpleCNN()
    params = {k: v.detach() for k, v in net.named_parameters()}

    def fnet_single(params, x):
        return nn.functional_call(net, params, (x[None],))[0]

    x1, x2 = R.standard_normal((3, 1, 8, 8)), R.standard_normal((2, 1, 8, 8))

    def ntk(x1, x2):
        j1 = ad.vmap(ad.jacrev(fnet_single), in_axes=(None, 0))(params, _arr(x1))
        j2 = ad.vmap(ad.jacrev(fnet_single), in_axes=(None, 0))(params, _arr(x2))
        j1 = [gnp.reshape(j1[k], j1[k].shape[:2] + (-1,)) for k in sorted(j1)]
        j2 = [gnp.reshape(j2[k], j2[k].shape[:2] + (-1,)) for k in sorted(j2)]
        return sum(gnp.einsum("Naf,Mbf->NMab", a, b) for a, b in zip(j1, j2, strict=True))

    got = ntk(x1, x2)
    assert got.shape == (3, 2, 4, 4)

    # the same kernel from one Jacobian of the stacked outputs by the flattened weights
    def full_jac(xs):
        rows = []
        for i in range(len(xs)):
            jac = ad.jacrev(fnet_single)(params, _arr(xs[i]))
            rows.append(np.concatenate([to_numpy(jac[k]).reshape(4, -1) for k in sorted(jac)],
                                       axis=1))
        return np.stack(rows)

    J1, J2 = full_jac(x1), full_jac(x2)
    _close(got, np.einsum("naf,mbf->nmab", J1, J2))
    torch = _torch()
    from torch.func import functional_call, jacrev, vmap

    tnet = _torch_cnn(torch, net)
    tparams = {k: v.detach() for k, v in tnet.named_parameters()}

    def tf(params, x):
        return functional_call(tnet, params, (x.unsqueeze(0),)).squeeze(0)

    tj1 = vmap(jacrev(tf), (None, 0))(tparams, torch.tensor(x1))
    tj2 = vmap(jacrev(tf), (None, 0))(tparams, torch.tensor(x2))
    want = sum(torch.einsum("Naf,Mbf->NMab", tj1[k].flatten(2), tj2[k].flatten(2))
               for k in tj1)
    _close(got, want)


# ---- torch.autograd.functional (pytorch test/autograd/test_functional.py) ---------------------

def _narrow_exp(a):
    """test_hessian_match_vhp_hvp's ``3 * a.narrow(0, 0, 3).exp().sum()``."""
    return 3 * gnp.sum(gnp.exp(a[:3]))


def _bar(a, b):
    return gnp.sum(a + 3 * gnp.exp(b[:3]))


def test_functional_hessian_matches_vhp_and_hvp(backend):
    a, v = _arr(R.standard_normal(4)), _arr(R.standard_normal(4))
    res = to_numpy(ad.hessian(_narrow_exp)(a))
    vhp = ad.vjp(ad.grad(_narrow_exp), a)[1](v)[0]
    hvp = ad.hvp(_narrow_exp, (a,), (v,))[1]
    _close(vhp, res @ to_numpy(v))
    _close(hvp, res @ to_numpy(v))
    _close(res, np.diag(np.r_[3 * np.exp(to_numpy(a)[:3]), 0.0]))
    # create_graph: the Hessian itself is differentiable (gradcheck of the hessian)
    check_grads(ad.hessian(_narrow_exp), (a,), order=1)
    check_grads(lambda a: ad.hvp(_narrow_exp, (a,), (v,))[1], (a,), order=1)
    # several inputs: Hessian blocks and hvp per input (test_hvp_output / test_vhp_output)
    a3, v3, b = _arr(R.standard_normal(3)), _arr(R.standard_normal(3)), _arr(R.standard_normal(4))
    val, (ha, hb) = ad.hvp(_bar, (a3, b), (v3, v))
    _close(ha, np.zeros(3), atol=0)
    _close(hb, np.r_[3 * np.exp(to_numpy(b)[:3]), 0.0] * to_numpy(v))
    blocks = ad.hessian(_bar, argnums=(0, 1))(a3, b)
    _close(blocks[0][0], np.zeros((3, 3)), atol=0)
    torch = _torch()
    from torch.autograd import functional as AF

    def tfoo(a):
        return 3 * a.narrow(0, 0, 3).exp().sum()

    def tbar(a, b):
        return (a + 3 * b.narrow(0, 0, 3).exp()).sum()

    ta, tb, tv = _t(torch, a), _t(torch, b), _t(torch, v)
    ta3, tv3 = _t(torch, a3), _t(torch, v3)
    _close(res, AF.hessian(tfoo, ta, create_graph=True))
    _close(vhp, AF.vhp(tfoo, ta, tv)[1])
    _close(hvp, AF.hvp(tfoo, ta, tv)[1])
    tval, (tha, thb) = AF.hvp(tbar, (ta3, tb), (tv3, tv))
    _close([val, ha, hb], [tval, tha, thb])
    want = AF.hessian(tbar, (ta3, tb), vectorize=True)
    _close(blocks, [list(r) for r in want])


def test_functional_jacobian_vjp_jvp_create_graph(backend):
    # test_jacobian_create_graph, test_vjp_create_graph, test_jvp_create_graph: the results
    # are functions of the inputs that can be differentiated again
    x, y = _arr(R.standard_normal((2, 2))), _arr(R.standard_normal((2, 2)))
    v = _arr(np.ones((2,)))

    def reducer(x):
        return gnp.sum(x, axis=1)

    def adder(x, y):
        return 2 * x + 3 * y

    def exp_reducer(x):
        return gnp.sum(gnp.exp(x), axis=1)

    _close(ad.vjp(reducer, x)[1](v)[0], np.ones((2, 2)), atol=0)
    j = ad.jacrev(adder, argnums=(0, 1))(x, y)
    _close(j[0], 2 * np.eye(4).reshape(2, 2, 2, 2), atol=0)
    _close(j[1], 3 * np.eye(4).reshape(2, 2, 2, 2), atol=0)
    check_grads(lambda x: ad.jacrev(exp_reducer)(x), (x,), order=1)
    check_grads(lambda x, v: ad.vjp(exp_reducer, x)[1](v)[0], (x, v), order=1)
    check_grads(lambda x, t: ad.jvp(exp_reducer, (x,), (t,))[1], (x, y), order=1)
    # strict=False: an output that does not depend on the input has a zero Jacobian
    _close(ad.jacrev(lambda x: gnp.ones(3))(x), np.zeros((3, 2, 2)), atol=0)
    _close(ad.vjp(lambda x: gnp.ones(3), x)[1](_arr(np.ones(3)))[0], np.zeros((2, 2)), atol=0)
    torch = _torch()
    from torch.autograd import functional as AF

    tx = _t(torch, x)
    _close(ad.jacrev(exp_reducer)(x), AF.jacobian(lambda x: x.exp().sum(1), tx,
                                                   vectorize=True))
    _close(ad.jvp(exp_reducer, (x,), (y,))[1],
           AF.jvp(lambda x: x.exp().sum(1), tx, _t(torch, y))[1])
    with pytest.raises(RuntimeError, match="strict mode"):
        AF.jacobian(lambda x: torch.ones(3, dtype=x.dtype), tx, strict=True)


# ---- pytorch/examples -----------------------------------------------------------------------

POLY_DEGREE = 4
W_TARGET = R.standard_normal((POLY_DEGREE, 1)) * 5
B_TARGET = R.standard_normal(1) * 5
BATCHES = [R.standard_normal(8) for _ in range(6)]


def make_features(x):
    """regression/main.py: columns [x, x^2, x^3, x^4]."""
    x = x[:, None]
    return gnp.concatenate([x ** i for i in range(1, POLY_DEGREE + 1)], axis=1)


def regression_step(fc, batch_x, batch_y, no_grad):
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    output.backward()
    with no_grad():
        for param in fc.parameters():
            param -= 0.1 * param.grad  # param.data.add_(-0.1 * param.grad)
    return output


def _regression_data(i):
    x = make_features(_arr(BATCHES[i]))
    return x, x @ _arr(W_TARGET) + _arr(B_TARGET)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
def test_example_regression(backend, compiled):
    gnp.random.seed(6)
    fc = nn.Linear(POLY_DEGREE, 1)
    w0 = [to_numpy(p).copy() for p in fc.parameters()]
    step = ad.jit(regression_step, static_argnums=3) if compiled else regression_step
    losses = [float(step(fc, *_regression_data(i), ad.no_grad)) for i in range(len(BATCHES))]
    eager = nn.Linear(POLY_DEGREE, 1)
    eager.load_state_dict({"weight": _arr(w0[0]), "bias": _arr(w0[1])})
    want = [float(regression_step(eager, *_regression_data(i), ad.no_grad))
            for i in range(len(BATCHES))]
    np.testing.assert_allclose(losses, want, rtol=1e-13)
    _close(fc.parameters(), eager.parameters(), rtol=1e-13)
    _close([p.grad for p in fc.parameters()], [p.grad for p in eager.parameters()], rtol=1e-13)
    if compiled:
        assert step.cache_info()["misses"] == 1
        return
    x, y = _regression_data(0)
    check_grads(lambda w, b: F.smooth_l1_loss(F.linear(x, w, b), y), tuple(map(_arr, w0)),
                order=2)
    torch = _torch()
    tfc = torch.nn.Linear(POLY_DEGREE, 1).double()
    with torch.no_grad():
        tfc.weight.copy_(torch.tensor(w0[0]))
        tfc.bias.copy_(torch.tensor(w0[1]))
    tl = []
    for bx in BATCHES:
        x = torch.tensor(bx).unsqueeze(1)
        x = torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)
        y = x.mm(torch.tensor(W_TARGET)) + torch.tensor(B_TARGET)
        tfc.zero_grad()
        output = torch.nn.functional.smooth_l1_loss(tfc(x), y)
        tl.append(output.item())
        output.backward()
        for param in tfc.parameters():
            param.data.add_(-0.1 * param.grad)
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    _close(fc.parameters(), list(tfc.parameters()))


class RNNModel(nn.Module):
    """word_language_model/model.py's RNNModel with an RNN_TANH layer (one layer): encoder,
    recurrent step ``h = tanh(W_ih x + b_ih + W_hh h + b_hh)``, decoder, log_softmax."""

    def __init__(self, ntoken, ninp, nhid, dropout=0.5):
        self.ntoken, self.nhid = ntoken, nhid
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        k = 1.0 / math.sqrt(nhid)
        u = lambda *s: nn.Parameter(gnp.random.uniform(-k, k, s))  # noqa: E731
        self.weight_ih_l0, self.weight_hh_l0 = u(nhid, ninp), u(nhid, nhid)
        self.bias_ih_l0, self.bias_hh_l0 = u(nhid), u(nhid)
        self.decoder = nn.Linear(nhid, ntoken)
        with ad.no_grad():  # init_weights
            self.encoder.weight[...] = gnp.random.uniform(-0.1, 0.1, self.encoder.weight.shape)
            self.decoder.weight[...] = gnp.random.uniform(-0.1, 0.1, self.decoder.weight.shape)
            self.decoder.bias[...] = 0.0

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        h, outs = hidden[0], []
        for t in range(emb.shape[0]):
            h = F.tanh(F.linear(emb[t], self.weight_ih_l0, self.bias_ih_l0)
                       + F.linear(h, self.weight_hh_l0, self.bias_hh_l0))
            outs.append(h)
        output = self.drop(gnp.stack(outs))
        decoded = self.decoder(output)
        decoded = gnp.reshape(decoded, (-1, self.ntoken))
        return F.log_softmax(decoded, axis=1), h[None]

    def init_hidden(self, bsz):
        return gnp.zeros((1, bsz, self.nhid))


NTOKEN, SEQ, BSZ = 7, 3, 2
TOKENS = R.integers(0, NTOKEN, (3 * SEQ + 1, BSZ))


Lib = collections.namedtuple("Lib", "no_grad clip nll detach")
GPUAD = Lib(ad.no_grad, nn.utils.clip_grad_norm_, F.nll_loss, ad.stop_gradient)


def lm_train_step(model, hidden, data, targets, lr, lib):
    """word_language_model/main.py's train(): repackage the hidden state, forward, NLL loss,
    backward, clip the gradient norm, SGD by hand."""
    hidden = lib.detach(hidden)
    model.zero_grad()
    output, hidden = model(data, hidden)
    loss = lib.nll(output, targets)
    loss.backward()
    lib.clip(model.parameters(), 0.25)
    with lib.no_grad():
        for p in model.parameters():
            p -= lr * p.grad  # p.data.add_(p.grad, alpha=-lr)
    return loss, hidden


def _batch(i, asarray):
    return asarray(TOKENS[i * SEQ:(i + 1) * SEQ]), asarray(TOKENS[i * SEQ + 1:(i + 1) * SEQ + 1]
                                                           .reshape(-1))


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
def test_example_word_language_model_rnn(backend, compiled):
    gnp.random.seed(7)
    model = RNNModel(NTOKEN, 4, 5).eval()  # dropout off: the same values as torch
    w0 = {k: to_numpy(v).copy() for k, v in model.named_parameters()}
    step = ad.jit(lm_train_step, static_argnums=5) if compiled else lm_train_step
    hidden, losses = model.init_hidden(BSZ), []
    for i in range(3):
        loss, hidden = step(model, hidden, *_batch(i, _xp().asarray), 2.0, GPUAD)
        losses.append(float(loss))
    if compiled:
        eager = RNNModel(NTOKEN, 4, 5).eval()
        eager.load_state_dict({k: _arr(v) for k, v in w0.items()})
        hidden, want = eager.init_hidden(BSZ), []
        for i in range(3):
            loss, hidden = lm_train_step(eager, hidden, *_batch(i, _xp().asarray), 2.0, GPUAD)
            want.append(float(loss))
        np.testing.assert_allclose(losses, want, rtol=1e-13)
        _close(model.parameters(), eager.parameters(), rtol=1e-13)
        # the first hidden state is zeros, the next ones come from the model (they require
        # grad): a second signature, then replays
        assert step.cache_info()["misses"] == 2, step.cache_info()
        return
    fresh = RNNModel(NTOKEN, 4, 5).eval()
    data, targets = _batch(0, _xp().asarray)

    def loss_of(params, h0):
        out, _ = nn.functional_call(fresh, params, (data, h0))
        return F.nll_loss(out, targets)

    check_grads(loss_of, ({k: _arr(v) for k, v in w0.items() if k != "encoder.weight"},
                          _arr(R.standard_normal((1, BSZ, 5)))), order=1)
    torch = _torch()

    class TorchRNNModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Embedding(NTOKEN, 4)
            self.rnn = torch.nn.RNN(4, 5, 1, nonlinearity="tanh")
            self.decoder = torch.nn.Linear(5, NTOKEN)

        def forward(self, input, hidden):
            output, hidden = self.rnn(self.encoder(input), hidden)
            decoded = self.decoder(output).view(-1, NTOKEN)
            return torch.nn.functional.log_softmax(decoded, dim=1), hidden

    tmodel = TorchRNNModel().double()
    names = {k: k.replace("_l0", "") if "encoder" in k or "decoder" in k else "rnn." + k
             for k in w0}
    tmodel.load_state_dict({names[k]: torch.tensor(v) for k, v in w0.items()})
    hidden, tl = torch.zeros(1, BSZ, 5, dtype=torch.float64), []
    for i in range(3):
        loss, hidden = lm_train_step(tmodel, hidden, *_batch(i, torch.tensor), 2.0,
                                     Lib(torch.no_grad, torch.nn.utils.clip_grad_norm_,
                                         torch.nn.functional.nll_loss, torch.Tensor.detach))
        tl.append(loss.item())
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    tp = dict(tmodel.named_parameters())
    _close([p for _, p in model.named_parameters()], [tp[names[k]] for k in w0])


class MnistNet(nn.Module):
    """mnist/main.py's Net at toy size (8x8 images, 4 classes)."""

    def __init__(self):
        self.conv1 = nn.Conv2d(1, 2, 3, 1)
        self.conv2 = nn.Conv2d(2, 3, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(12, 6)
        self.fc2 = nn.Linear(6, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = F.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, axis=1)


IMAGES = R.standard_normal((3, 4, 1, 8, 8))
LABELS = R.integers(0, 4, (3, 4))


def mnist_train_step(model, optimizer, data, target):
    optimizer.zero_grad()
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    optimizer.step()
    return loss


def _mnist_epochs(step, model, opt, next_epoch):
    losses = []
    for i in range(4):
        losses.append(float(step(model, opt, _arr(IMAGES[i % 3]), _xp().asarray(LABELS[i % 3]))))
        if i % 2 == 1:
            next_epoch()
    return losses


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
def test_example_mnist_net(backend, compiled):
    gnp.random.seed(8)
    model = MnistNet().eval()  # dropout off: compared with torch and with the eager run
    w0 = {k: to_numpy(v).copy() for k, v in model.named_parameters()}
    # the example's Adadelta(lr=1.0) with StepLR(step_size=1, gamma=0.7): here an "epoch" is
    # two batches, and the learning rate is set between calls of the compiled step
    opt = optim.Adadelta(model.parameters(), lr=1.0)
    step = ad.jit(mnist_train_step) if compiled else mnist_train_step
    losses = _mnist_epochs(step, model, opt, lambda: setattr(opt, "lr", opt.lr * 0.7))
    if compiled:
        eager = MnistNet().eval()
        eager.load_state_dict({k: _arr(v) for k, v in w0.items()})
        eopt = optim.Adadelta(eager.parameters(), lr=1.0)
        want = _mnist_epochs(mnist_train_step, eager, eopt,
                             lambda: setattr(eopt, "lr", eopt.lr * 0.7))
        np.testing.assert_allclose(losses, want, rtol=1e-13)
        _close(model.parameters(), eager.parameters(), rtol=1e-13)
        assert step.cache_info()["misses"] == 1, step.cache_info()
        return
    fresh = MnistNet().eval()
    check_grads(lambda p: F.nll_loss(nn.functional_call(fresh, p, (_arr(IMAGES[0]),)),
                                     _xp().asarray(LABELS[0])),
                ({k: _arr(v) for k, v in w0.items()},), order=1)
    torch = _torch()
    tF = torch.nn.functional

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 2, 3, 1)
            self.conv2 = torch.nn.Conv2d(2, 3, 3, 1)
            self.dropout1 = torch.nn.Dropout(0.25)
            self.dropout2 = torch.nn.Dropout(0.5)
            self.fc1 = torch.nn.Linear(12, 6)
            self.fc2 = torch.nn.Linear(6, 4)

        def forward(self, x):
            x = tF.relu(self.conv1(x))
            x = tF.relu(self.conv2(x))
            x = tF.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = tF.relu(self.fc1(x))
            x = self.dropout2(x)
            return tF.log_softmax(self.fc2(x), dim=1)

    tmodel = TorchNet().double().eval()
    tmodel.load_state_dict({k: torch.tensor(v) for k, v in w0.items()})
    topt = torch.optim.Adadelta(tmodel.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(topt, step_size=1, gamma=0.7)
    tl = []
    for i in range(4):
        topt.zero_grad()
        loss = tF.nll_loss(tmodel(torch.tensor(IMAGES[i % 3])), torch.tensor(LABELS[i % 3]))
        loss.backward()
        topt.step()
        tl.append(loss.item())
        if i % 2 == 1:
            scheduler.step()
    np.testing.assert_allclose(losses, tl, rtol=1e-11)
    _close(model.parameters(), [dict(tmodel.named_parameters())[k] for k in w0], rtol=1e-11)


# ---- compiled training loops of the tutorial ------------------------------------------------

def _dynamic_training(compiled, seed_draws, steps=6):
    model = DynamicNet(ABCDE, random.randint)
    opt = optim.SGD(model.parameters(), lr=2e-6, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y, reduction="sum")
        loss.backward()
        opt.step()
        return loss.detach()

    f = ad.jit(step) if compiled else step
    random.seed(seed_draws)
    return [float(f(_arr(X), _arr(Y))) for _ in range(steps)], model, f


def test_jit_dynamic_net_draws_again_on_every_call(backend):
    # dynamic_net.py draws the number of layers with Python's random module in forward: a
    # replay of the first call's program would repeat its draw, so the compiled step runs
    # the function itself (with a warning) and equals the eager loop
    with pytest.warns(ad.jit.JitFallbackWarning, match="random module"):
        got, model, f = _dynamic_training(True, 0)
    want, eager, _ = _dynamic_training(False, 0)
    draws = random.Random(0)
    assert len({draws.randint(4, 6) for _ in range(6)}) == 3  # 0, 1 and 2 extra terms
    np.testing.assert_allclose(got, want, rtol=1e-13)
    _close(model.parameters(), eager.parameters(), rtol=1e-13)
    assert f.cache_info()["size"] == 0


def test_jit_numpy_global_draws_are_not_replayed(backend):
    def noisy(x):
        return x * np.random.uniform()

    f = ad.jit(noisy)
    x = _arr([1.0, 2.0])
    np.random.seed(0)
    with pytest.warns(ad.jit.JitFallbackWarning, match="numpy.random"):
        got = [to_numpy(f(x)) for _ in range(3)]
    np.random.seed(0)
    _close(got, [to_numpy(noisy(x)) for _ in range(3)], rtol=0, atol=0)


@pytest.mark.parametrize("how", ["autograd", "Polynomial3"])
def test_jit_polynomial_training_steps(backend, how):
    # polynomial_autograd.py's update (grads set to None after the step) and
    # polynomial_module.py's zero_grad / backward / SGD step, compiled: replays equal eager
    def run(compiled):
        if how == "autograd":
            p = [ad.tensor(v, requires_grad=True) for v in ABCD]

            def step(x, y):
                loss = _poly_loss(p, x, y)
                loss.backward()
                with ad.no_grad():
                    for q in p:
                        q -= 5e-5 * q.grad
                        q.grad = None
                return loss.detach()
        else:
            model = Polynomial3(ABCD)
            p = model.parameters()
            opt = optim.SGD(p, lr=5e-5)

            def step(x, y):
                model.zero_grad()
                loss = F.mse_loss(model(x), y, reduction="sum")
                loss.backward()
                opt.step()
                return loss.detach()

        f = ad.jit(step) if compiled else step
        return [float(f(_arr(X), _arr(Y))) for _ in range(5)], p, f

    got, p, f = run(True)
    want, q, _ = run(False)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    _close(p, q, rtol=1e-13)
    assert f.cache_info()["misses"] == 1 and f.cache_info()["hits"] == 4


# ---- regression tests for what the ports found ----------------------------------------------

@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.05), lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    lambda p: optim.Adam(p, lr=0.1), lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.1),
    lambda p: optim.RMSprop(p, lr=0.05, momentum=0.5), lambda p: optim.Adagrad(p, lr=0.1),
    lambda p: optim.Adadelta(p, lr=0.5, weight_decay=0.1)],
    ids=["SGD", "SGD-momentum", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_jit_optimizer_step_on_0d_parameters(backend, make):
    # polynomial_module.py's scalar Parameters: on NumPy an update computed from 0-d arrays
    # is a NumPy scalar, which the compiled step once froze at the traced step's value
    def run(compiled):
        a = ad.tensor(np.float64(0.3), requires_grad=True)
        b = ad.tensor([0.2, -0.1], requires_grad=True)
        opt = make([a, b])

        def step(x):
            opt.zero_grad()
            loss = gnp.sum((a * x + b[0] * x ** 2 - b[1]) ** 2)
            loss.backward()
            opt.step()
            return loss.detach()

        f = ad.jit(step) if compiled else step
        return [float(f(_arr(X[:6]))) for _ in range(4)], (a, b)

    got, pg = run(True)
    want, pw = run(False)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    _close(pg, pw, rtol=1e-13)


def test_nll_loss_and_smooth_l1_loss_match_torch(backend):
    z = R.standard_normal((5, 4))
    lab = np.array([0, 3, 1, 1, 2])
    lp = F.log_softmax(_arr(z), axis=1)
    d = np.array([-2.0, -0.7, -0.2, 0.0, 0.3, 0.9, 1.6, 4.0])
    for red in ("mean", "sum", "none"):
        check_grads(lambda z, red=red: F.nll_loss(F.log_softmax(z, axis=1), _xp().asarray(lab),
                                                  red), (_arr(z),), order=2)
    with pytest.raises(IndexError, match=r"nll_loss: labels must lie in \[0, 4\).*-1"):
        F.nll_loss(lp, _xp().asarray(np.array([0, -1, 1, 1, 2])))
    with pytest.raises(IndexError, match="nll_loss"):
        F.nll_loss(lp, _xp().asarray(np.array([0, 4, 1, 1, 2])))
    with pytest.raises(TypeError, match="nll_loss: labels must be integers"):
        F.nll_loss(lp, _arr(lab))
    with pytest.raises(ValueError, match=r"nll_loss: expected .* \(5, 4\) and \(4,\)"):
        F.nll_loss(lp, _xp().asarray(lab[:4]))
    with pytest.raises(ValueError, match="smooth_l1_loss: input has shape"):
        F.smooth_l1_loss(_arr(d), _arr(d[:, None]))
    torch = _torch()
    tF = torch.nn.functional
    tlp = tF.log_softmax(_t(torch, z), dim=1)
    for red in ("mean", "sum", "none"):
        _close(F.nll_loss(lp, _xp().asarray(lab), red), tF.nll_loss(tlp, torch.tensor(lab),
                                                                    reduction=red))
        for beta in (1.0, 0.5, 0.0):
            got = F.smooth_l1_loss(_arr(d), _arr(np.zeros(8)), red, beta=beta)
            want = tF.smooth_l1_loss(_t(torch, d), torch.zeros(8, dtype=torch.float64),
                                     reduction=red,
                                     beta=beta)
            _close(got, want, rtol=1e-15)
    td = _t(torch, d, True)
    tF.smooth_l1_loss(td, torch.zeros(8, dtype=torch.float64), reduction="sum").backward()
    _close(ad.grad(lambda v: F.smooth_l1_loss(v, _arr(np.zeros(8)), "sum"))(_arr(d)), td.grad)


def test_functional_call_swaps_and_restores(backend):
    gnp.random.seed(10)
    m = SimpleMLP()
    own = m.fc1.weight
    x = _arr(R.standard_normal((2, 4)))
    zero = {k: gnp.zeros(v.shape) for k, v in m.named_parameters()}
    _close(nn.functional_call(m, zero, (x,)), np.zeros((2, 3)), atol=0)
    _close(nn.functional_call(m, {"fc2.bias": _arr([1.0, 2.0, 3.0])}, x) - m(x),
           np.tile([1.0, 2.0, 3.0], (2, 1)) - to_numpy(m.fc2.bias), rtol=1e-12)
    assert m.fc1.weight is own
    with pytest.raises(KeyError, match=r"functional_call: \['fc3.weight'\] are not parameters"):
        nn.functional_call(m, {"fc3.weight": own}, (x,))
    with pytest.raises(ValueError, match="more than one dict"):
        nn.functional_call(m, ({"fc1.bias": m.fc1.bias}, {"fc1.bias": m.fc1.bias}), (x,))
    with pytest.raises(ValueError, match="shapes"):  # the module's own weights come back
        nn.functional_call(m, {"fc1.weight": gnp.zeros((3, 3))}, (x,))
    assert m.fc1.weight is own
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    got = nn.functional_call(seq, {"0.bias": gnp.ones(3) * 10}, (x,))
    _close(got, np.maximum(to_numpy(x) @ to_numpy(seq[0].weight).T + 10, 0))
    with pytest.raises(ValueError, match="module 1 has parameters"):
        nn.stack_module_state([m, seq])


def test_clip_grad_norm_matches_torch(backend):
    w = [R.standard_normal((3, 2)), R.standard_normal(4)]
    for max_norm, norm_type in ((0.5, 2.0), (100.0, 2.0), (0.3, math.inf), (0.4, 1.0)):
        ps = [ad.tensor(v, requires_grad=True) for v in w]
        (gnp.sum(ps[0] ** 3) + gnp.sum(gnp.sin(ps[1]))).backward()
        total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        g = [3 * w[0] ** 2, np.cos(w[1])]
        flat = np.concatenate([a.ravel() for a in g])
        want = np.max(np.abs(flat)) if norm_type == math.inf else \
            np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
        _close(total, want, rtol=1e-13)
        coef = min(1.0, max_norm / (want + 1e-6))
        _close([p.grad for p in ps], [a * coef for a in g], rtol=1e-13)
    nn.utils.clip_grad_value_(ps, 0.1)
    assert max(float(gnp.max(gnp.abs(p.grad))) for p in ps) <= 0.1
    ps[0].grad[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    torch = _torch()
    tp = [_t(torch, v, True) for v in w]
    ((tp[0] ** 3).sum() + tp[1].sin().sum()).backward()
    ps = [ad.tensor(v, requires_grad=True) for v in w]
    (gnp.sum(ps[0] ** 3) + gnp.sum(gnp.sin(ps[1]))).backward()
    _close(nn.utils.clip_grad_norm_(ps, 0.5), torch.nn.utils.clip_grad_norm_(tp, 0.5))
    _close([p.grad for p in ps], [p.grad for p in tp], rtol=1e-13)


@pytest.mark.parametrize("kw", [{}, {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.2},
                                {"maximize": True, "weight_decay": 0.1}])
def test_adadelta_matches_torch(backend, kw):
    w0 = R.standard_normal((2, 3))
    xs = [R.standard_normal(3) for _ in range(4)]
    w = ad.tensor(w0.copy(), requires_grad=True)  # (a NumPy array is taken without a copy)
    opt = optim.Adadelta([w], **kw)
    for x in xs:
        opt.zero_grad()
        gnp.sum(gnp.sin(w * _arr(x)) ** 2).backward()
        opt.step()
    assert opt.state[0]["t"] == 4 and set(opt.state[0]) == {"t", "square_avg", "acc_delta"}
    with pytest.raises(ValueError, match="Adadelta: rho must be in"):
        optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="Adadelta: eps"):
        optim.Adadelta([w], eps=-1.0)
    torch = _torch()
    tw = _t(torch, w0, True)
    topt = torch.optim.Adadelta([tw], **kw)
    for x in xs:
        topt.zero_grad()
        (torch.sin(tw * _t(torch, x)) ** 2).sum().backward()
        topt.step()
    _close(w, tw, rtol=1e-12)
    _close([opt.state[0]["square_avg"], opt.state[0]["acc_delta"]],
           [topt.state[tw]["square_avg"], topt.state[tw]["acc_delta"]], rtol=1e-12)
