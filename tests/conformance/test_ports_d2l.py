"""Programs in the "from scratch" style of Dive into Deep Learning (PyTorch edition), ported
to gpuad and run side by side with torch in float64 from the same initial weights and data.

Each test writes the program twice, once as the book writes it for torch and once as a gpuad
port (``gnp`` functions, Tensor methods, ``gpuad.nn``, ``gpuad.optim``), and compares losses,
gradients and parameters after every step. Random draws (weights, data, shuffles, dropout
masks) come from one NumPy generator and are handed to both.
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

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

pytestmark = pytest.mark.usefixtures("_float64_torch")


@pytest.fixture
def _float64_torch():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    if isinstance(a, ad.Tensor):
        return to_numpy(a.detach())
    return to_numpy(a)


def _close(got, want, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(_np(got), _np(want), rtol=rtol, atol=atol)


def _both(a, requires_grad=False):
    a = np.asarray(a)
    g = ad.tensor(ad.get_backend().xp.asarray(a), requires_grad=requires_grad)
    t = torch.tensor(a, requires_grad=requires_grad)
    return g, t


# ---- 3.2 linear regression from scratch -------------------------------------------------
def synthetic_data(rng, w, b, n):
    X = rng.normal(0, 1, (n, len(w)))
    y = X @ w + b + rng.normal(0, 0.01, n)
    return X, y.reshape(-1, 1)


def data_iter(batch_size, n, seed):
    indices = list(range(n))
    random.Random(seed).shuffle(indices)
    for i in range(0, n, batch_size):
        yield indices[i:min(i + batch_size, n)]


def test_linear_regression_scratch():
    rng = np.random.default_rng(0)
    Xn, yn = synthetic_data(rng, np.array([2, -3.4]), 4.2, 60)
    w0 = rng.normal(0, 0.01, size=(2, 1))

    # torch, as the book
    tw = torch.tensor(w0, requires_grad=True)
    tb = torch.zeros(1, requires_grad=True)
    tX, ty = torch.tensor(Xn), torch.tensor(yn)
    # gpuad port: torch.zeros(1, requires_grad=True) -> ad.tensor(gnp.zeros(1), requires_grad=True)
    gw = ad.tensor(w0, requires_grad=True)
    gb = ad.tensor(gnp.zeros(1), requires_grad=True)
    gX, gy = ad.tensor(Xn), ad.tensor(yn)

    def linreg(X, w, b):
        return X @ w + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size, no_grad):
        with no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    lr, bs = 0.03, 10
    for epoch in range(2):
        for idx in data_iter(bs, 60, epoch):
            tl = squared_loss(linreg(tX[idx], tw, tb), ty[idx])
            tl.sum().backward()
            gl = squared_loss(linreg(gX[idx], gw, gb), gy[idx])
            gl.sum().backward()
            _close(gl, tl)
            _close(gw.grad, tw.grad)
            _close(gb.grad, tb.grad)
            sgd([tw, tb], lr, bs, torch.no_grad)
            sgd([gw, gb], lr, bs, ad.no_grad)
            _close(gw, tw)
            _close(gb, tb)
            assert float(gw.grad.abs().sum()) == 0.0
        with ad.no_grad():
            gtrain = squared_loss(linreg(gX, gw, gb), gy)
        with torch.no_grad():
            ttrain = squared_loss(linreg(tX, tw, tb), ty)
        assert math.isclose(float(gtrain.mean()), float(ttrain.mean()), rel_tol=1e-10)
        assert gtrain.mean().item() == pytest.approx(ttrain.mean().item(), rel=1e-10)
    assert gw.is_leaf and gw.requires_grad and gw.grad_fn is None if hasattr(gw, "grad_fn") \
        else gw.requires_grad


def test_linear_regression_concise_sequential():
    rng = np.random.default_rng(1)
    Xn, yn = synthetic_data(rng, np.array([2, -3.4]), 4.2, 40)
    w0 = rng.normal(0, 0.01, size=(1, 2))
    tnet = tnn.Sequential(tnn.Linear(2, 1))
    gnet = nn.Sequential(nn.Linear(2, 1))
    # the book: net[0].weight.data.normal_(0, 0.01); net[0].bias.data.fill_(0)
    tnet[0].weight.data.copy_(torch.tensor(w0))
    tnet[0].bias.data.fill_(0)
    # gpuad's .data is the backend array (no fill_/normal_): write through the Tensor
    with ad.no_grad():
        gnet[0].weight[:] = w0
        gnet[0].bias.fill_(0)
    tloss, gloss = tnn.MSELoss(), nn.MSELoss()
    topt = torch.optim.SGD(tnet.parameters(), lr=0.03)
    gopt = optim.SGD(gnet.parameters(), lr=0.03)
    tX, ty = torch.tensor(Xn), torch.tensor(yn)
    gX, gy = ad.tensor(Xn), ad.tensor(yn)
    for epoch in range(2):
        for idx in data_iter(10, 40, epoch + 7):
            tl = tloss(tnet(tX[idx]), ty[idx])
            topt.zero_grad()
            tl.backward()
            topt.step()
            gl = gloss(gnet(gX[idx]), gy[idx])
            gopt.zero_grad()
            gl.backward()
            _close(gnet[0].weight.grad, tnet[0].weight.grad)
            gopt.step()
            _close(gl, tl)
        _close(gnet[0].weight, tnet[0].weight)
        _close(gnet[0].bias, tnet[0].bias)


# ---- 4.4 softmax regression from scratch ------------------------------------------------
def test_softmax_regression_scratch():
    rng = np.random.default_rng(2)
    num_inputs, num_outputs, n = 12, 4, 30
    Xn = rng.random((n, 1, 3, 4))
    yn = rng.integers(0, num_outputs, n)
    W0 = rng.normal(0, 0.01, size=(num_inputs, num_outputs))

    def run(lib, tensor, X, y, no_grad):
        W = tensor(W0, requires_grad=True)
        b = tensor(np.zeros(num_outputs), requires_grad=True)

        def softmax(X):
            X_exp = lib.exp(X)
            partition = X_exp.sum(1, keepdim=True)
            return X_exp / partition

        def net(X):
            return softmax(lib.matmul(X.reshape((-1, W.shape[0])), W) + b)

        def cross_entropy(y_hat, y):
            return -lib.log(y_hat[range(len(y_hat)), y])

        def accuracy(y_hat, y):
            if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
                y_hat = y_hat.argmax(axis=1)
            cmp = y_hat.type(y.dtype) == y
            return float(cmp.type(y.dtype).sum())

        out = []
        for epoch in range(2):
            for idx in data_iter(8, n, epoch + 3):
                y_hat = net(X[idx])
                loss = cross_entropy(y_hat, y[idx])
                loss.sum().backward()
                out.append((loss.detach(), W.grad.clone(), b.grad.clone()))
                with no_grad():
                    for p in (W, b):
                        p -= 0.1 * p.grad / len(idx)
                        p.grad.zero_()
            with no_grad():
                out.append(accuracy(net(X), y) / len(y))
        return out, (W, b)

    tout, tp = run(torch, torch.tensor, torch.tensor(Xn), torch.tensor(yn), torch.no_grad)
    gout, gp = run(gnp, ad.tensor, ad.tensor(Xn), ad.tensor(yn), ad.no_grad)
    for g, t in zip(gout, tout, strict=True):
        if isinstance(t, float):
            assert g == t
        else:
            for a, b in zip(g, t, strict=True):
                _close(a, b)
    for a, b in zip(gp, tp, strict=True):
        _close(a, b)


# ---- 5.2 MLP from scratch, 5.3 concise, 3.7 weight decay, 5.6 dropout ------------------
def test_mlp_scratch_relu_and_l2_penalty():
    rng = np.random.default_rng(3)
    ni, nh, no, n = 6, 8, 3, 24
    Xn, yn = rng.normal(size=(n, ni)), rng.integers(0, no, n)
    init = [rng.normal(size=(ni, nh)) * 0.01, np.zeros(nh), rng.normal(size=(nh, no)) * 0.01,
            np.zeros(no)]

    def run(relu, tensor, X, y, loss_fn, no_grad, matmul):
        params = [tensor(p.copy(), requires_grad=True) for p in init]
        W1, b1, W2, b2 = params

        def net(X):
            X = X.reshape((-1, ni))
            H = relu(matmul(X, W1) + b1)
            return matmul(H, W2) + b2

        def l2_penalty(w):
            return (w ** 2).sum() / 2

        out = []
        for epoch in range(3):
            for idx in data_iter(6, n, epoch):
                l = loss_fn(net(X[idx]), y[idx]) + 0.01 * l2_penalty(W1)
                l.mean().backward()
                out.append([l.detach()] + [p.grad.clone() for p in params])
                with no_grad():
                    for p in params:
                        p -= 0.5 * p.grad
                        p.grad.zero_()
        return out, params

    tout, tp = run(lambda X: torch.max(torch.zeros_like(X), X), torch.tensor, torch.tensor(Xn),
                   torch.tensor(yn), tnn.CrossEntropyLoss(reduction="none"), torch.no_grad,
                   torch.matmul)
    # torch.max(a, b) is NumPy's maximum (gnp.max(a, b) reads b as an axis)
    gout, gp = run(lambda X: gnp.maximum(gnp.zeros_like(X), X), ad.tensor, ad.tensor(Xn),
                   ad.tensor(yn), nn.CrossEntropyLoss(reduction="none"), ad.no_grad, gnp.matmul)
    for g, t in zip(gout, tout, strict=True):
        for a, b in zip(g, t, strict=True):
            _close(a, b)
    for a, b in zip(gp, tp, strict=True):
        _close(a, b)


def _dropout_layer(X, dropout, rand):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return X * 0
    if dropout == 0:
        return X
    mask = (rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


def test_dropout_scratch_module_train_eval():
    rng = np.random.default_rng(4)
    ni, nh, no, n = 5, 7, 3, 12
    Xn, yn = rng.normal(size=(n, ni)), rng.integers(0, no, n)
    draws = [rng.random((n, nh)) for _ in range(4)]

    def make(nn_, F_, rand):
        class Net(nn_.Module):
            def __init__(self):
                super().__init__()
                self.lin1 = nn_.Linear(ni, nh)
                self.lin2 = nn_.Linear(nh, no)
                self.relu = nn_.ReLU()

            def forward(self, X):
                H = self.relu(self.lin1(X.reshape((-1, ni))))
                if self.training:
                    H = _dropout_layer(H, 0.5, rand)
                return self.lin2(H)

        return Net()

    tdraws, gdraws = iter(draws), iter(draws)
    tnet = make(tnn, TF, lambda s: torch.tensor(next(tdraws)))
    gnet = make(nn, F, lambda s: ad.tensor(next(gdraws)))
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    tloss, gloss = tnn.CrossEntropyLoss(reduction="none"), nn.CrossEntropyLoss(reduction="none")
    topt = torch.optim.SGD(tnet.parameters(), lr=0.2, weight_decay=1e-3)
    gopt = optim.SGD(gnet.parameters(), lr=0.2, weight_decay=1e-3)
    tX, ty, gX, gy = torch.tensor(Xn), torch.tensor(yn), ad.tensor(Xn), ad.tensor(yn)
    for _ in range(4):
        tnet.train()
        gnet.train()
        tl = tloss(tnet(tX), ty)
        gl = gloss(gnet(gX), gy)
        _close(gl, tl)
        topt.zero_grad()
        tl.mean().backward()
        topt.step()
        gopt.zero_grad()
        gl.mean().backward()
        gopt.step()
        for (k, gv), (k2, tv) in zip(gnet.named_parameters(), tnet.named_parameters(),
                                     strict=True):
            assert k == k2
            _close(gv.grad, tv.grad)
            _close(gv, tv)
    tnet.eval()
    gnet.eval()
    with torch.no_grad(), ad.no_grad():
        _close(gnet(gX), tnet(tX))
