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
    assert gw.is_leaf and gw.requires_grad


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


# ---- 7.2 corr2d by loops, 7.4 channels, 7.5 pooling ------------------------------------
def corr2d(X, K, zeros):
    h, w = K.shape
    Y = zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def corr2d_multi_in(X, K, zeros):
    return sum(corr2d(x, k, zeros) for x, k in zip(X, K, strict=True))


def corr2d_multi_in_out(X, K, zeros, stack):
    return stack([corr2d_multi_in(X, k, zeros) for k in K], 0)


def pool2d(X, pool_size, mode, zeros):
    p_h, p_w = pool_size
    Y = zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == "max":
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            else:
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


def _gzeros(shape):
    # the port of torch.zeros: a Tensor, whose element writes are recorded
    return ad.tensor(gnp.zeros(shape))


def test_corr2d_loops_differentiate_through_writes():
    rng = np.random.default_rng(5)
    Xn, Kn, Un = rng.normal(size=(5, 6)), rng.normal(size=(2, 3)), rng.normal(size=(4, 4))
    (gX, tX), (gK, tK) = _both(Xn, True), _both(Kn, True)
    tY = corr2d(tX, tK, torch.zeros)
    gY = corr2d(gX, gK, _gzeros)
    _close(gY, tY)
    (tY * torch.tensor(Un)).sum().backward()
    (gY * ad.tensor(Un)).sum().backward()
    _close(gX.grad, tX.grad)
    _close(gK.grad, tK.grad)
    # the same against the library conv (cross-correlation)
    _close(gY, F.conv2d(ad.tensor(Xn)[None, None], ad.tensor(Kn)[None, None])[0, 0])
    # writing a recorded Tensor into a plain backend array raises, naming the fix
    with pytest.raises((TypeError, ValueError)) as info:
        corr2d(gX, gK, gnp.zeros)
    assert "gpuad.tensor(" in str(info.value) + str(info.value.__cause__)


def test_learn_edge_kernel_with_conv2d_module():
    # 7.2.4: learn K from X, Y with nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    Y = corr2d(X, np.array([[1.0, -1.0]]), np.zeros)
    w0 = np.random.default_rng(6).normal(size=(1, 1, 1, 2))
    tconv = tnn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    gconv = nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    tconv.weight.data.copy_(torch.tensor(w0))
    gconv.load_state_dict({"weight": w0})
    tX, tY = torch.tensor(X).reshape((1, 1, 6, 8)), torch.tensor(Y).reshape((1, 1, 6, 7))
    gX, gY = ad.tensor(X).reshape((1, 1, 6, 8)), ad.tensor(Y).reshape((1, 1, 6, 7))
    lr = 3e-2
    for _ in range(6):
        tl = (tconv(tX) - tY) ** 2
        tconv.zero_grad()
        tl.sum().backward()
        tconv.weight.data[:] -= lr * tconv.weight.grad
        gl = (gconv(gX) - gY) ** 2
        gconv.zero_grad()
        gl.sum().backward()
        _close(gconv.weight.grad, tconv.weight.grad)
        # the book's tconv.weight.data[:] -= ...: in gpuad a write through the Tensor
        with ad.no_grad():
            gconv.weight[:] -= lr * gconv.weight.grad
        _close(gl.sum(), tl.sum())
        _close(gconv.weight, tconv.weight)


def test_multi_channel_corr2d_and_1x1_conv():
    rng = np.random.default_rng(7)
    Xn, Kn = rng.normal(size=(2, 4, 4)), rng.normal(size=(3, 2, 2, 2))
    Un = rng.normal(size=(3, 3, 3))
    (gX, tX), (gK, tK) = _both(Xn, True), _both(Kn, True)
    tY = corr2d_multi_in_out(tX, tK, torch.zeros, torch.stack)
    gY = corr2d_multi_in_out(gX, gK, _gzeros, gnp.stack)
    _close(gY, tY)
    (tY * torch.tensor(Un)).sum().backward()
    (gY * ad.tensor(Un)).sum().backward()
    _close(gX.grad, tX.grad)
    _close(gK.grad, tK.grad)

    def corr2d_multi_in_out_1x1(X, K, matmul):
        c_i, h, w = X.shape
        c_o = K.shape[0]
        X = X.reshape((c_i, h * w))
        K = K.reshape((c_o, c_i))
        return matmul(K, X).reshape((c_o, h, w))

    K1 = rng.normal(size=(3, 2, 1, 1))
    (gK1, tK1) = _both(K1, True)
    g1 = corr2d_multi_in_out_1x1(gX, gK1, gnp.matmul)
    t1 = corr2d_multi_in_out_1x1(tX, tK1, torch.matmul)
    _close(g1, t1)
    _close(g1, corr2d_multi_in_out(gX, gK1, _gzeros, gnp.stack))
    t1.pow(2).sum().backward()
    g1.pow(2).sum().backward()
    _close(gK1.grad, tK1.grad)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_scratch(mode):
    rng = np.random.default_rng(8)
    Xn, Un = rng.normal(size=(4, 5)), rng.normal(size=(3, 3))
    (gX, tX) = _both(Xn, True)
    tY = pool2d(tX, (2, 3), mode, torch.zeros)
    gY = pool2d(gX, (2, 3), mode, _gzeros)
    _close(gY, tY)
    (tY * torch.tensor(Un)).sum().backward()
    (gY * ad.tensor(Un)).sum().backward()
    _close(gX.grad, tX.grad)
    # and the library pools, with padding and stride as in 7.5.2
    X4 = rng.normal(size=(1, 2, 4, 4))
    (g4, t4) = _both(X4, True)
    for gp, tp in ((nn.MaxPool2d(3, padding=1, stride=2), tnn.MaxPool2d(3, padding=1, stride=2)),
                   (nn.AvgPool2d((2, 3), padding=(0, 1), stride=(2, 3)),
                    tnn.AvgPool2d((2, 3), padding=(0, 1), stride=(2, 3)))):
        _close(gp(g4), tp(t4))
        gp(g4).sum().backward()
        tp(t4).sum().backward()
        _close(g4.grad, t4.grad)


# ---- 8.5 batch normalization from scratch ----------------------------------------------
def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, grad_enabled, no_grad):
    if not grad_enabled():
        X_hat = (X - moving_mean) / (moving_var + eps).sqrt()
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / (var + eps).sqrt()
        with no_grad():
            moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
            moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.detach(), moving_var.detach()


def _bn_class(nn_, lib, grad_enabled, no_grad, tensor):
    class BatchNorm(nn_.Module):
        def __init__(self, num_features, num_dims):
            super().__init__()
            shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
            self.gamma = nn_.Parameter(tensor(np.ones(shape)))
            self.beta = nn_.Parameter(tensor(np.zeros(shape)))
            self.moving_mean = tensor(np.zeros(shape))
            self.moving_var = tensor(np.ones(shape))

        def forward(self, X):
            Y, self.moving_mean, self.moving_var = batch_norm(
                X, self.gamma, self.beta, self.moving_mean, self.moving_var, eps=1e-5,
                momentum=0.1, grad_enabled=grad_enabled, no_grad=no_grad)
            return Y

    return BatchNorm


def test_batch_norm_scratch_in_small_lenet():
    rng = np.random.default_rng(9)
    Xn, yn = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 3, 6)

    def make(nn_, lib, grad_enabled, no_grad, tensor):
        BN = _bn_class(nn_, lib, grad_enabled, no_grad, tensor)
        return nn_.Sequential(
            nn_.Conv2d(1, 2, kernel_size=3), BN(2, num_dims=4), nn_.Sigmoid(),
            nn_.AvgPool2d(kernel_size=2, stride=2), nn_.Flatten(),
            nn_.Linear(18, 5), BN(5, num_dims=2), nn_.Sigmoid(), nn_.Linear(5, 3))

    tnet = make(tnn, torch, torch.is_grad_enabled, torch.no_grad, torch.tensor)
    gnet = make(nn, gnp, ad.is_grad_enabled, ad.no_grad, ad.tensor)
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    topt = torch.optim.SGD(tnet.parameters(), lr=0.5)
    gopt = optim.SGD(gnet.parameters(), lr=0.5)
    assert len(list(gnet.parameters())) == len(list(tnet.parameters())) == 10
    tX, ty, gX, gy = torch.tensor(Xn), torch.tensor(yn), ad.tensor(Xn), ad.tensor(yn)
    for step in range(3):
        idx = [0, 1, 2] if step % 2 == 0 else [3, 4, 5]
        tl = TF.cross_entropy(tnet(tX[idx]), ty[idx])
        gl = F.cross_entropy(gnet(gX[idx]), gy[idx])
        _close(gl, tl)
        topt.zero_grad()
        tl.backward()
        topt.step()
        gopt.zero_grad()
        gl.backward()
        gopt.step()
        for (_, gv), (_, tv) in zip(gnet.named_parameters(), tnet.named_parameters(),
                                    strict=True):
            _close(gv.grad, tv.grad, atol=1e-11)
            _close(gv, tv)
        for i in (1, 6):
            _close(gnet[i].moving_mean, tnet[i].moving_mean)
            _close(gnet[i].moving_var, tnet[i].moving_var)
            assert not gnet[i].moving_mean.requires_grad
    with torch.no_grad(), ad.no_grad():
        _close(gnet(gX), tnet(tX))


# ---- 9.5 RNN from scratch, 10.1 GRU, 10.2 LSTM -----------------------------------------
def _rnn_programs(lib, tensor, one_hot, no_grad, sqrt):
    """The book's scratch recurrent nets over ``lib`` (torch or gpuad.numpy)."""

    def rnn(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            H = lib.tanh(lib.matmul(X, W_xh) + lib.matmul(H, W_hh) + b_h)
            outputs.append(lib.matmul(H, W_hq) + b_q)
        return lib.cat(outputs, dim=0) if lib is torch else lib.concatenate(outputs, axis=0), (H,)

    def gru(inputs, state, params):
        W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:
            Z = lib.sigmoid((X @ W_xz) + (H @ W_hz) + b_z) if lib is torch else \
                1 / (1 + lib.exp(-((X @ W_xz) + (H @ W_hz) + b_z)))
            R = (X @ W_xr + H @ W_hr + b_r).sigmoid()
            H_tilda = lib.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
            H = Z * H + (1 - Z) * H_tilda
            outputs.append(H @ W_hq + b_q)
        return (torch.cat(outputs, dim=0) if lib is torch else gnp.concatenate(outputs)), (H,)

    def lstm(inputs, state, params):
        (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q) = params
        (H, C) = state
        outputs = []
        for X in inputs:
            I_ = (X @ W_xi + H @ W_hi + b_i).sigmoid()
            F_ = (X @ W_xf + H @ W_hf + b_f).sigmoid()
            O = (X @ W_xo + H @ W_ho + b_o).sigmoid()
            C_tilda = (X @ W_xc + H @ W_hc + b_c).tanh()
            C = F_ * C + I_ * C_tilda
            H = O * C.tanh()
            outputs.append((H @ W_hq) + b_q)
        return (torch.cat(outputs, dim=0) if lib is torch else gnp.concatenate(outputs)), (H, C)

    def grad_clipping(params, theta):
        norm = sqrt(sum(lib.sum(p.grad ** 2) for p in params))
        if norm > theta:
            for param in params:
                param.grad[:] *= theta / norm
        return norm

    def forward(fn, X, state, params, vocab):
        return fn(one_hot(X.T, vocab).type(lib.float64), state, params)

    return {"rnn": rnn, "gru": gru, "lstm": lstm}, grad_clipping, forward


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_recurrent_scratch_with_clipping(kind):
    rng = np.random.default_rng(10)
    vocab, nh, bs, T = 7, 5, 3, 4
    init = []
    for _ in range(_GATES[kind]):
        init += [rng.normal(size=(vocab, nh)) * 0.3, rng.normal(size=(nh, nh)) * 0.3,
                 np.zeros(nh)]
    init += [rng.normal(size=(nh, vocab)) * 0.3, np.zeros(vocab)]
    batches = [(rng.integers(0, vocab, (bs, T)), rng.integers(0, vocab, (bs, T)))
               for _ in range(3)]

    def run(lib, tensor, one_hot, no_grad, sqrt, loss):
        fns, clip, forward = _rnn_programs(lib, tensor, one_hot, no_grad, sqrt)
        params = [tensor(p.copy()) for p in init]
        for p in params:
            p.requires_grad_(True)
        out = []
        state = None
        for Xn, Yn in batches:
            X, Y = tensor(Xn), tensor(Yn)
            if state is None:
                state = tuple(tensor(np.zeros((bs, nh))) for _ in range(1 + (kind == "lstm")))
            else:
                for s in state:
                    s.detach_()
            y = Y.T.reshape(-1)
            y_hat, state = forward(fns[kind], X, state, params, vocab)
            l = loss(y_hat, y.long()).mean()
            for p in params:
                p.grad = None
            l.backward()
            norm = clip(params, 0.1)
            out.append([l.detach(), float(norm)] + [p.grad.clone() for p in params])
            with no_grad():
                for p in params:
                    p -= 1.0 * p.grad
        return out, params

    tout, tp = run(torch, torch.tensor, TF.one_hot, torch.no_grad, torch.sqrt,
                   tnn.CrossEntropyLoss())
    gout, gp = run(gnp, ad.tensor, F.one_hot, ad.no_grad, gnp.sqrt, nn.CrossEntropyLoss())
    for g, t in zip(gout, tout, strict=True):
        assert g[1] == pytest.approx(t[1], rel=1e-12)
        for a, b in [(g[0], t[0])] + list(zip(g[2:], t[2:], strict=True)):
            _close(a, b)
    assert any(g[1] > 0.1 for g in gout)  # clipping ran
    for a, b in zip(gp, tp, strict=True):
        _close(a, b)


# ---- 11.3 attention scoring functions ---------------------------------------------------
def _masked_softmax(lib, sm, X, valid_lens):
    if valid_lens is None:
        return sm(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = valid_lens.repeat_interleave(shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])
    maxlen = X.size(1)
    mask = lib.arange(maxlen, dtype=lib.float64)[None, :] < valid_lens[:, None]
    X[~mask] = -1e6
    return sm(X.reshape(shape), dim=-1)


def _attention_classes(nn_, lib, sm, bmm):
    class AdditiveAttention(nn_.Module):
        def __init__(self, key_size, query_size, num_hiddens):
            super().__init__()
            self.W_k = nn_.Linear(key_size, num_hiddens, bias=False)
            self.W_q = nn_.Linear(query_size, num_hiddens, bias=False)
            self.w_v = nn_.Linear(num_hiddens, 1, bias=False)

        def forward(self, queries, keys, values, valid_lens):
            queries, keys = self.W_q(queries), self.W_k(keys)
            features = queries.unsqueeze(2) + keys.unsqueeze(1)
            features = lib.tanh(features)
            scores = self.w_v(features).squeeze(-1)
            self.attention_weights = _masked_softmax(lib, sm, scores, valid_lens)
            return bmm(self.attention_weights, values)

    class DotProductAttention(nn_.Module):
        def forward(self, queries, keys, values, valid_lens=None):
            d = queries.shape[-1]
            scores = bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
            self.attention_weights = _masked_softmax(lib, sm, scores, valid_lens)
            return bmm(self.attention_weights, values)

    return AdditiveAttention, DotProductAttention


def test_attention_scoring_masked_softmax():
    rng = np.random.default_rng(11)
    qn, kn, vn = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 6)), rng.normal(size=(2, 5, 4))
    Un = rng.normal(size=(2, 3, 4))
    tAdd, tDot = _attention_classes(tnn, torch, TF.softmax, torch.bmm)
    gAdd, gDot = _attention_classes(nn, gnp, F.softmax, gnp.matmul)
    tadd, gadd = tAdd(6, 4, 8), gAdd(6, 4, 8)
    gadd.load_state_dict({k: v.detach().numpy() for k, v in tadd.state_dict().items()})
    for lens in (np.array([2.0, 4.0]), np.array([[1.0, 3, 5], [2, 2, 4]])):
        (gq, tq), (gk, tk), (gv, tv) = _both(qn, True), _both(kn, True), _both(vn, True)
        gl, tl = _both(lens)
        tout = tadd(tq, tk, tv, tl)
        gout = gadd(gq, gk, gv, gl)
        _close(gout, tout)
        _close(gadd.attention_weights, tadd.attention_weights)
        (tout * torch.tensor(Un)).sum().backward()
        (gout * ad.tensor(Un)).sum().backward()
        for a, b in ((gq, tq), (gk, tk), (gv, tv)):
            _close(a.grad, b.grad)
        for (_, a), (_, b) in zip(gadd.named_parameters(), tadd.named_parameters(), strict=True):
            _close(a.grad, b.grad)
        kd = rng.normal(size=(2, 5, 4))
        (gq, tq), (gk, tk), (gv, tv) = _both(qn, True), _both(kd, True), _both(vn, True)
        tout = tDot()(tq, tk, tv, tl)
        gout = gDot()(gq, gk, gv, gl)
        _close(gout, tout)
        (tout * torch.tensor(Un)).sum().backward()
        (gout * ad.tensor(Un)).sum().backward()
        for a, b in ((gq, tq), (gk, tk), (gv, tv)):
            _close(a.grad, b.grad)


# ---- 9.5 prediction, 3.7 weight decay (concise), 5.6 dropout (concise) ------------------
def test_rnn_predict_greedy_tokens():
    rng = np.random.default_rng(12)
    vocab, nh = 6, 5
    init = [rng.normal(size=(vocab, nh)), rng.normal(size=(nh, nh)) * 0.5, np.zeros(nh),
            rng.normal(size=(nh, vocab)), np.zeros(vocab)]

    def predict(lib, tensor, one_hot, prefix, num_preds):
        fns, _, forward = _rnn_programs(lib, tensor, one_hot, None, None)
        params = [tensor(p) for p in init]
        state = (tensor(np.zeros((1, nh))),)
        outputs = [prefix[0]]

        def get_input():
            return tensor([outputs[-1]]).reshape((1, 1))

        for y in prefix[1:]:
            _, state = forward(fns["rnn"], get_input(), state, params, vocab)
            outputs.append(y)
        for _ in range(num_preds):
            y, state = forward(fns["rnn"], get_input(), state, params, vocab)
            outputs.append(int(y.argmax(dim=1).reshape(1)))
        return outputs

    t = predict(torch, torch.tensor, TF.one_hot, [1, 4, 2], 8)
    g = predict(gnp, ad.tensor, F.one_hot, [1, 4, 2], 8)
    assert g == t and len(set(g)) > 1


def test_weight_decay_concise_param_groups():
    rng = np.random.default_rng(13)
    Xn, yn = rng.normal(size=(20, 8)), rng.normal(size=(20, 1))
    tnet, gnet = tnn.Sequential(tnn.Linear(8, 1)), nn.Sequential(nn.Linear(8, 1))

    def init_weights(nn_, init):
        def f(m):
            if type(m) is nn_.Linear:
                init.normal_(m.weight, std=1.0)
                init.zeros_(m.bias)
        return f

    tnet.apply(init_weights(tnn, tnn.init))
    gnet.apply(init_weights(nn, nn.init))
    assert abs(float(gnet[0].bias.abs().sum())) == 0.0 and float(gnet[0].weight.std()) > 0.3
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    wd = 3.0
    topt = torch.optim.SGD([{"params": tnet[0].weight, "weight_decay": wd},
                            {"params": tnet[0].bias}], lr=0.01)
    gopt = optim.SGD([{"params": gnet[0].weight, "weight_decay": wd},
                      {"params": gnet[0].bias}], lr=0.01)
    tloss, gloss = tnn.MSELoss(reduction="none"), nn.MSELoss(reduction="none")
    tX, ty, gX, gy = torch.tensor(Xn), torch.tensor(yn), ad.tensor(Xn), ad.tensor(yn)
    for epoch in range(2):
        for idx in data_iter(5, 20, epoch):
            topt.zero_grad()
            tl = tloss(tnet(tX[idx]), ty[idx])
            tl.mean().backward()
            topt.step()
            gopt.zero_grad()
            gl = gloss(gnet(gX[idx]), gy[idx])
            gl.mean().backward()
            gopt.step()
            _close(gl, tl)
            _close(gnet[0].weight, tnet[0].weight)
            _close(gnet[0].bias, tnet[0].bias)
    assert float(gnet[0].weight.norm()) == pytest.approx(float(tnet[0].weight.detach().norm()),
                                                          rel=1e-12)


def test_dropout_concise_eval_and_train_scaling():
    rng = np.random.default_rng(14)
    Xn = rng.normal(size=(4, 1, 3, 3))

    def make(nn_):
        return nn_.Sequential(nn_.Flatten(), nn_.Linear(9, 16), nn_.ReLU(), nn_.Dropout(0.5),
                              nn_.Linear(16, 16), nn_.ReLU(), nn_.Dropout(0.25),
                              nn_.Linear(16, 3))

    tnet, gnet = make(tnn), make(nn)
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    tX, gX = torch.tensor(Xn), ad.tensor(Xn)
    tnet.eval()
    gnet.eval()
    _close(gnet(gX), tnet(tX))
    assert not gnet.training and not gnet[3].training
    gnet.train()
    assert gnet[3].training
    h = gnet[2](gnet[1](gnet[0](gX)))
    d = gnet[3](h)
    kept = to_numpy(d.detach()) != 0
    np.testing.assert_allclose(to_numpy(d.detach())[kept], 2 * to_numpy(h.detach())[kept])
    # with dropout the gradient flows through the kept units only, scaled by 1 / (1 - p)
    hh = ad.tensor(1.0 + rng.random((4, 16)), requires_grad=True)
    out = gnet[3](hh)
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(hh.grad), 2.0 * (to_numpy(out.detach()) != 0))


# ---- d2l 1.0's LeNet with lazy layers (7.6, 8.5) -----------------------------------------
def test_lenet_lazy_layers_optimizer_built_before_first_call():
    rng = np.random.default_rng(15)
    Xn, yn = rng.normal(size=(4, 1, 12, 12)), rng.integers(0, 5, 4)

    def make(nn_):
        return nn_.Sequential(
            nn_.LazyConv2d(3, kernel_size=5, padding=2), nn_.LazyBatchNorm2d(), nn_.Sigmoid(),
            nn_.AvgPool2d(kernel_size=2, stride=2), nn_.LazyConv2d(4, kernel_size=3),
            nn_.Sigmoid(), nn_.AvgPool2d(kernel_size=2, stride=2), nn_.Flatten(),
            nn_.LazyLinear(12), nn_.LazyBatchNorm1d(), nn_.Sigmoid(), nn_.LazyLinear(5))

    tnet, gnet = make(tnn), make(nn)
    # the optimisers hold the placeholders; the first call fills them in place
    topt = torch.optim.SGD(tnet.parameters(), lr=0.3, momentum=0.9)
    gopt = optim.SGD(gnet.parameters(), lr=0.3, momentum=0.9)
    tX, ty, gX, gy = torch.tensor(Xn), torch.tensor(yn), ad.tensor(Xn), ad.tensor(yn)
    with torch.no_grad():
        tnet(tX[:1].clone().repeat(2, 1, 1, 1))
    with ad.no_grad():
        gnet(gX[:2])

    def init_cnn(nn_):
        def f(module):
            if type(module) in (nn_.Linear, nn_.Conv2d):
                nn_.init.xavier_uniform_(module.weight)
        return f

    tnet.apply(init_cnn(tnn))
    gnet.apply(init_cnn(nn))
    assert [type(m).__name__ for m in gnet.layers] == [type(m).__name__ for m in tnet]
    assert [tuple(p.shape) for p in gnet.parameters()] == \
        [tuple(p.shape) for p in tnet.parameters()]
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    for _ in range(3):
        tl = TF.cross_entropy(tnet(tX), ty)
        gl = F.cross_entropy(gnet(gX), gy)
        _close(gl, tl)
        topt.zero_grad()
        tl.backward()
        topt.step()
        gopt.zero_grad()
        gl.backward()
        gopt.step()
        for (k, gv), (k2, tv) in zip(gnet.named_parameters(), tnet.named_parameters(),
                                     strict=True):
            assert k == k2
            _close(gv.grad, tv.grad, atol=1e-11)
            _close(gv, tv)
    for k, v in tnet.state_dict().items():
        _close(gnet.state_dict()[k], v)


# ---- 8.x modern CNNs: residual (Y += X), dense (cat), inception, NiN ---------------------
def _modern_cnn_blocks(nn_, F_, cat):
    class Residual(nn_.Module):
        def __init__(self, num_channels, use_1x1conv=False, strides=1):
            super().__init__()
            self.conv1 = nn_.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
            self.conv2 = nn_.LazyConv2d(num_channels, kernel_size=3, padding=1)
            self.conv3 = nn_.LazyConv2d(num_channels, kernel_size=1, stride=strides) \
                if use_1x1conv else None
            self.bn1 = nn_.LazyBatchNorm2d()
            self.bn2 = nn_.LazyBatchNorm2d()

        def forward(self, X):
            Y = F_.relu(self.bn1(self.conv1(X)))
            Y = self.bn2(self.conv2(Y))
            if self.conv3:
                X = self.conv3(X)
            Y += X
            return F_.relu(Y)

    def conv_block(num_channels):
        return nn_.Sequential(nn_.LazyBatchNorm2d(), nn_.ReLU(),
                              nn_.LazyConv2d(num_channels, kernel_size=3, padding=1))

    class DenseBlock(nn_.Module):
        def __init__(self, num_convs, num_channels):
            super().__init__()
            self.net = nn_.Sequential(*[conv_block(num_channels) for _ in range(num_convs)])

        def forward(self, X):
            for blk in self.net:
                Y = blk(X)
                X = cat((X, Y), 1)
            return X

    class Inception(nn_.Module):
        def __init__(self, c1, c2, c3, c4):
            super().__init__()
            self.b1_1 = nn_.LazyConv2d(c1, kernel_size=1)
            self.b2_1 = nn_.LazyConv2d(c2[0], kernel_size=1)
            self.b2_2 = nn_.LazyConv2d(c2[1], kernel_size=3, padding=1)
            self.b3_1 = nn_.LazyConv2d(c3[0], kernel_size=1)
            self.b3_2 = nn_.LazyConv2d(c3[1], kernel_size=5, padding=2)
            self.b4_1 = nn_.MaxPool2d(kernel_size=3, stride=1, padding=1)
            self.b4_2 = nn_.LazyConv2d(c4, kernel_size=1)

        def forward(self, x):
            b1 = F_.relu(self.b1_1(x))
            b2 = F_.relu(self.b2_2(F_.relu(self.b2_1(x))))
            b3 = F_.relu(self.b3_2(F_.relu(self.b3_1(x))))
            b4 = F_.relu(self.b4_2(self.b4_1(x)))
            return cat((b1, b2, b3, b4), 1)

    def nin_block(out_channels, kernel_size, strides, padding):
        return nn_.Sequential(
            nn_.LazyConv2d(out_channels, kernel_size, strides, padding), nn_.ReLU(),
            nn_.LazyConv2d(out_channels, kernel_size=1), nn_.ReLU(),
            nn_.LazyConv2d(out_channels, kernel_size=1), nn_.ReLU())

    return nn_.Sequential(
        nin_block(4, kernel_size=3, strides=1, padding=1),
        Residual(4), Residual(6, use_1x1conv=True, strides=2),
        DenseBlock(2, 3), Inception(2, (2, 3), (1, 2), 2),
        nn_.AdaptiveAvgPool2d((1, 1)), nn_.Flatten(), nn_.LazyLinear(3))


def test_modern_cnn_blocks_train_steps():
    rng = np.random.default_rng(16)
    Xn, yn = rng.normal(size=(3, 2, 6, 6)), rng.integers(0, 3, 3)
    tnet = _modern_cnn_blocks(tnn, TF, torch.cat)
    gnet = _modern_cnn_blocks(nn, F, gnp.concatenate)
    tX, ty, gX, gy = torch.tensor(Xn), torch.tensor(yn), ad.tensor(Xn), ad.tensor(yn)
    tnet(tX)
    gnet(gX)
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    topt = torch.optim.SGD(tnet.parameters(), lr=0.05, weight_decay=1e-4)
    gopt = optim.SGD(gnet.parameters(), lr=0.05, weight_decay=1e-4)
    for _ in range(2):
        tl = TF.cross_entropy(tnet(tX), ty)
        gl = F.cross_entropy(gnet(gX), gy)
        _close(gl, tl)
        topt.zero_grad()
        tl.backward()
        topt.step()
        gopt.zero_grad()
        gl.backward()
        gopt.step()
        for (k, gv), (k2, tv) in zip(gnet.named_parameters(), tnet.named_parameters(),
                                     strict=True):
            assert k == k2
            _close(gv.grad, tv.grad, rtol=1e-9, atol=1e-11)
            _close(gv, tv)
    tnet.eval()
    gnet.eval()
    with torch.no_grad(), ad.no_grad():
        _close(gnet(gX), tnet(tX))


# ---- 10.7 seq2seq with a masked loss, 11.4 Bahdanau attention decoder -------------------
def _sequence_mask(lib, X, valid_len, value=0):
    maxlen = X.size(1)
    mask = lib.arange(maxlen, dtype=lib.float64)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


def _seq2seq(nn_, lib, cat, tile):
    class Seq2SeqEncoder(nn_.Module):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
            super().__init__()
            self.embedding = nn_.Embedding(vocab_size, embed_size)
            self.rnn = nn_.GRU(embed_size, num_hiddens, num_layers)

        def forward(self, X):
            embs = self.embedding(X.t().long())
            outputs, state = self.rnn(embs)
            return outputs, state

    class AttentionDecoder(nn_.Module):
        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers):
            super().__init__()
            self.attention = _attention_classes(nn_, lib, nn_.functional.softmax,
                                                lib.matmul if lib is not torch else torch.bmm
                                                )[0](num_hiddens, num_hiddens, num_hiddens)
            self.embedding = nn_.Embedding(vocab_size, embed_size)
            self.rnn = nn_.GRU(embed_size + num_hiddens, num_hiddens, num_layers)
            self.dense = nn_.LazyLinear(vocab_size)

        def init_state(self, enc_outputs, enc_valid_lens):
            outputs, hidden_state = enc_outputs
            return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

        def forward(self, X, state):
            enc_outputs, hidden_state, enc_valid_lens = state
            embs = self.embedding(X).permute(1, 0, 2)
            outputs = []
            for x in embs:
                query = hidden_state[-1].unsqueeze(1)
                context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
                x = cat((context, x.unsqueeze(1)), -1)
                out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
                outputs.append(out)
            outputs = self.dense(cat(outputs, 0))
            return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

    class MaskedSoftmaxCELoss(nn_.CrossEntropyLoss):
        def forward(self, pred, label, valid_len, ones_like):
            weights = ones_like(label)
            weights = _sequence_mask(lib, weights, valid_len)
            self.reduction = "none"
            unweighted_loss = super().forward(pred.permute(0, 2, 1), label)
            return (unweighted_loss * weights).mean(dim=1)

    return Seq2SeqEncoder, AttentionDecoder, MaskedSoftmaxCELoss


def test_seq2seq_attention_masked_loss():
    rng = np.random.default_rng(17)
    V, E, H, L, bs, T = 7, 4, 5, 2, 3, 4
    src, tgt = rng.integers(0, V, (bs, T)), rng.integers(0, V, (bs, T))
    src_len, tgt_len = np.array([4.0, 2.0, 3.0]), np.array([3.0, 4.0, 1.0])

    def make(nn_, lib, cat):
        Enc, Dec, Loss = _seq2seq(nn_, lib, cat, None)
        return Enc(V, E, H, L), Dec(V, E, H, L), Loss()

    tenc, tdec, tloss = make(tnn, torch, torch.cat)
    genc, gdec, gloss = make(nn, gnp, gnp.concatenate)
    tX, tY, tXl, tYl = (torch.tensor(a) for a in (src, tgt, src_len, tgt_len))
    gX, gY, gXl, gYl = (ad.tensor(a) for a in (src, tgt, src_len, tgt_len))
    bos = np.full((bs, 1), 1)

    def step(enc, dec, loss, X, Y, Xl, Yl, tensor, cat, ones_like):
        dec_input = cat([tensor(bos), Y[:, :-1]], 1)
        Y_hat, _ = dec(dec_input, dec.init_state(enc(X), Xl))
        return loss(Y_hat, Y, Yl, ones_like)

    with torch.no_grad():
        step(tenc, tdec, tloss, tX, tY, tXl, tYl, torch.tensor, torch.cat, torch.ones_like)
    with ad.no_grad():
        step(genc, gdec, gloss, gX, gY, gXl, gYl, ad.tensor, gnp.concatenate,
             lambda a: ad.tensor(gnp.ones_like(a)))
    for g, t in ((genc, tenc), (gdec, tdec)):
        g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    tparams = list(tenc.parameters()) + list(tdec.parameters())
    gparams = list(genc.parameters()) + list(gdec.parameters())
    topt, gopt = torch.optim.Adam(tparams, lr=0.01), optim.Adam(gparams, lr=0.01)
    for _ in range(3):
        tl = step(tenc, tdec, tloss, tX, tY, tXl, tYl, torch.tensor, torch.cat,
                  torch.ones_like)
        # torch.ones_like(label) is a tensor; gnp.ones_like a backend array: wrap it so the
        # masking write X[~mask] = 0 and X.size(1) act on a Tensor
        gl = step(genc, gdec, gloss, gX, gY, gXl, gYl, ad.tensor, gnp.concatenate,
                  lambda a: ad.tensor(gnp.ones_like(a)))
        _close(gl, tl)
        topt.zero_grad()
        tl.sum().backward()
        tnn.utils.clip_grad_norm_(tparams, 1.0)
        topt.step()
        gopt.zero_grad()
        gl.sum().backward()
        nn.utils.clip_grad_norm_(gparams, 1.0)
        gopt.step()
        for gv, tv in zip(gparams, tparams, strict=True):
            _close(gv.grad, tv.grad, rtol=1e-9, atol=1e-11)
            _close(gv, tv, rtol=1e-9)


# ---- 11.5-11.7 multi-head attention, positional encoding, a transformer encoder block ---
def _transformer(nn_, lib, repeat_interleave, zeros, bmm, tensor):
    _, DotProductAttention = _attention_classes(nn_, lib, nn_.functional.softmax, bmm)

    def transpose_qkv(X, num_heads):
        X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(X, num_heads):
        X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)

    class MultiHeadAttention(nn_.Module):
        def __init__(self, num_hiddens, num_heads, bias=False):
            super().__init__()
            self.num_heads = num_heads
            self.attention = DotProductAttention()
            self.W_q = nn_.LazyLinear(num_hiddens, bias=bias)
            self.W_k = nn_.LazyLinear(num_hiddens, bias=bias)
            self.W_v = nn_.LazyLinear(num_hiddens, bias=bias)
            self.W_o = nn_.LazyLinear(num_hiddens, bias=bias)

        def forward(self, queries, keys, values, valid_lens):
            queries = transpose_qkv(self.W_q(queries), self.num_heads)
            keys = transpose_qkv(self.W_k(keys), self.num_heads)
            values = transpose_qkv(self.W_v(values), self.num_heads)
            if valid_lens is not None:
                valid_lens = repeat_interleave(valid_lens, self.num_heads, 0)
            output = self.attention(queries, keys, values, valid_lens)
            return self.W_o(transpose_output(output, self.num_heads))

    class PositionalEncoding(nn_.Module):
        def __init__(self, num_hiddens, max_len=50):
            super().__init__()
            self.P = zeros((1, max_len, num_hiddens))
            X = lib.arange(max_len, dtype=lib.float64).reshape(-1, 1) / lib.pow(
                tensor(10000.0), lib.arange(0, num_hiddens, 2, dtype=lib.float64) / num_hiddens)
            self.P[:, :, 0::2] = lib.sin(X)
            self.P[:, :, 1::2] = lib.cos(X)

        def forward(self, X):
            return X + self.P[:, :X.shape[1], :]

    class PositionWiseFFN(nn_.Module):
        def __init__(self, ffn_num_hiddens, ffn_num_outputs):
            super().__init__()
            self.dense1 = nn_.LazyLinear(ffn_num_hiddens)
            self.relu = nn_.ReLU()
            self.dense2 = nn_.LazyLinear(ffn_num_outputs)

        def forward(self, X):
            return self.dense2(self.relu(self.dense1(X)))

    class AddNorm(nn_.Module):
        def __init__(self, norm_shape):
            super().__init__()
            self.ln = nn_.LayerNorm(norm_shape)

        def forward(self, X, Y):
            return self.ln(Y + X)

    class EncoderBlock(nn_.Module):
        def __init__(self, num_hiddens, ffn_num_hiddens, num_heads):
            super().__init__()
            self.attention = MultiHeadAttention(num_hiddens, num_heads)
            self.addnorm1 = AddNorm(num_hiddens)
            self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
            self.addnorm2 = AddNorm(num_hiddens)

        def forward(self, X, valid_lens):
            Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
            return self.addnorm2(Y, self.ffn(Y))

    class Encoder(nn_.Module):
        def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks):
            super().__init__()
            self.num_hiddens = num_hiddens
            self.embedding = nn_.Embedding(vocab_size, num_hiddens)
            self.pos_encoding = PositionalEncoding(num_hiddens)
            self.blks = nn_.Sequential()
            for i in range(num_blks):
                self.blks.add_module("block" + str(i),
                                     EncoderBlock(num_hiddens, ffn_num_hiddens, num_heads))

        def forward(self, X, valid_lens):
            X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
            for blk in self.blks:
                X = blk(X, valid_lens)
            return X

    return Encoder


def test_transformer_encoder_scratch():
    rng = np.random.default_rng(18)
    V, H, bs, T = 9, 8, 2, 5
    tokens, lens = rng.integers(0, V, (bs, T)), np.array([3.0, 5.0])
    Un = rng.normal(size=(bs, T, H))
    tEnc = _transformer(tnn, torch, torch.repeat_interleave, torch.zeros, torch.bmm,
                        torch.tensor)
    # torch.repeat_interleave(x, r, dim) is gnp.repeat(x, r, axis); torch.zeros a Tensor
    gEnc = _transformer(nn, gnp, gnp.repeat, lambda s: ad.tensor(gnp.zeros(s)), gnp.matmul,
                        ad.tensor)
    tenc, genc = tEnc(V, H, 12, 2, 2), gEnc(V, H, 12, 2, 2)
    _close(genc.pos_encoding.P, tenc.pos_encoding.P)
    (gX, tX), (gl, tl) = _both(tokens), _both(lens)
    with torch.no_grad():
        tenc(tX, tl)
    with ad.no_grad():
        genc(gX, gl)
    genc.load_state_dict({k: v.detach().numpy() for k, v in tenc.state_dict().items()})
    topt = torch.optim.AdamW(tenc.parameters(), lr=0.01)
    gopt = optim.AdamW(genc.parameters(), lr=0.01)
    for _ in range(2):
        tout, gout = tenc(tX, tl), genc(gX, gl)
        _close(gout, tout)
        topt.zero_grad()
        (tout * torch.tensor(Un)).sum().backward()
        topt.step()
        gopt.zero_grad()
        (gout * ad.tensor(Un)).sum().backward()
        gopt.step()
        for (k, gv), (k2, tv) in zip(genc.named_parameters(), tenc.named_parameters(),
                                     strict=True):
            assert k == k2
            _close(gv.grad, tv.grad, rtol=1e-9, atol=1e-11)
            _close(gv, tv, rtol=1e-9)
    w = genc.blks.block0.attention.attention.attention_weights
    assert w.shape == (bs * 2, T, T)
    np.testing.assert_array_equal(to_numpy(w.detach())[:2, :, 3:], 0.0)


# ---- 12.x optimisers from scratch: state tensors written with v[:] = ... ------------------
def _scratch_optimizers(lib):
    def sgd_momentum(params, states, hp):
        for p, v in zip(params, states, strict=True):
            v[:] = hp["momentum"] * v + p.grad
            p[:] -= hp["lr"] * v

    def adagrad(params, states, hp):
        eps = 1e-6
        for p, s in zip(params, states, strict=True):
            s[:] += lib.square(p.grad)
            p[:] -= hp["lr"] * p.grad / lib.sqrt(s + eps)

    def rmsprop(params, states, hp):
        gamma, eps = hp["gamma"], 1e-6
        for p, s in zip(params, states, strict=True):
            s[:] = gamma * s + (1 - gamma) * lib.square(p.grad)
            p[:] -= hp["lr"] * p.grad / lib.sqrt(s + eps)

    def adadelta(params, states, hp):
        rho, eps = hp["rho"], 1e-5
        for p, (s, delta) in zip(params, states, strict=True):
            s[:] = rho * s + (1 - rho) * lib.square(p.grad)
            g = (lib.sqrt(delta + eps) / lib.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g

    def adam(params, states, hp):
        beta1, beta2, eps = 0.9, 0.999, 1e-6
        for p, (v, s) in zip(params, states, strict=True):
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * lib.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hp["t"])
            s_bias_corr = s / (1 - beta2 ** hp["t"])
            p[:] -= hp["lr"] * v_bias_corr / (lib.sqrt(s_bias_corr) + eps)
        hp["t"] += 1

    return {"momentum": (sgd_momentum, 1, {"lr": 0.02, "momentum": 0.5}),
            "adagrad": (adagrad, 1, {"lr": 0.1}),
            "rmsprop": (rmsprop, 1, {"lr": 0.01, "gamma": 0.9}),
            "adadelta": (adadelta, 2, {"rho": 0.9}),
            "adam": (adam, 2, {"lr": 0.01, "t": 1})}


@pytest.mark.parametrize("name", ["momentum", "adagrad", "rmsprop", "adadelta", "adam"])
def test_optimizers_from_scratch(name):
    rng = np.random.default_rng(19)
    Xn, yn = rng.normal(size=(30, 5)), rng.normal(size=(30, 1))
    w0 = rng.normal(0, 0.01, (5, 1))

    def train(lib, tensor, zeros, no_grad):
        trainer, nstate, hp = _scratch_optimizers(lib)[name]
        hp = dict(hp)
        w, b = tensor(w0.copy(), requires_grad=True), tensor(np.zeros(1), requires_grad=True)
        states = [tuple(zeros(s) for _ in range(nstate)) if nstate > 1 else zeros(s)
                  for s in ((5, 1), (1,))]
        X, y = tensor(Xn), tensor(yn)
        out = []
        for i in range(0, 30, 6):
            l = ((X[i:i + 6] @ w + b - y[i:i + 6]) ** 2 / 2).mean()
            l.backward()
            out.append(l.item())
            with no_grad():
                trainer([w, b], states, hp)
            for p in (w, b):
                p.grad.zero_()  # the book's p.grad.data.zero_(): .data is the raw array here
        return out, (w, b), states

    tl, tp, ts = train(torch, torch.tensor, torch.zeros, torch.no_grad)
    gl, gp, gs = train(gnp, ad.tensor, lambda s: ad.tensor(gnp.zeros(s)), ad.no_grad)
    np.testing.assert_allclose(gl, tl, rtol=1e-12)
    for a, b in zip(gp, tp, strict=True):
        _close(a, b)
    for a, b in zip(ad.tree_flatten(gs)[0], [t for s in ts for t in
                                             (s if isinstance(s, tuple) else (s,))],
                    strict=True):
        _close(a, b)


# ---- 15.4 skip-gram with negative sampling, 15.8 BERT's masked-LM gather -----------------
def test_skip_gram_masked_bce_and_mlm_gather():
    rng = np.random.default_rng(20)
    V, E, bs, C = 10, 4, 3, 5
    center = rng.integers(0, V, (bs, 1))
    ctx_neg = rng.integers(0, V, (bs, C))
    mask = (rng.random((bs, C)) > 0.3).astype(float)
    label = (rng.random((bs, C)) > 0.5).astype(float)
    emb0 = [rng.normal(size=(V, E)), rng.normal(size=(V, E))]

    def run(nn_, F_, lib, tensor, bmm):
        embed_v, embed_u = nn_.Embedding(V, E), nn_.Embedding(V, E)
        embed_v.load_state_dict({"weight": tensor(emb0[0])} if lib is torch
                                else {"weight": emb0[0]})
        embed_u.load_state_dict({"weight": tensor(emb0[1])} if lib is torch
                                else {"weight": emb0[1]})

        def skip_gram(c, cn):
            v = embed_v(c)
            u = embed_u(cn)
            return bmm(v, u.permute(0, 2, 1))

        pred = skip_gram(tensor(center), tensor(ctx_neg))
        m = tensor(mask)
        l = F_.binary_cross_entropy_with_logits(pred.reshape(label.shape), tensor(label),
                                                weight=m, reduction="none")
        l = l.mean(dim=1) * m.shape[1] / m.sum(axis=1)
        l.sum().backward()
        return l, embed_v.weight.grad, embed_u.weight.grad

    tl, tgv, tgu = run(tnn, TF, torch, torch.tensor, torch.bmm)
    gl, ggv, ggu = run(nn, F, gnp, ad.tensor, gnp.matmul)
    for a, b in ((gl, tl), (ggv, tgv), (ggu, tgu)):
        _close(a, b)

    # MaskLM: gather the predicted positions with an arange repeated per position
    Xn, pos = rng.normal(size=(bs, 6, E)), rng.integers(0, 6, (bs, 2))
    (gX, tX) = _both(Xn, True)

    def gather(X, pred_positions, lib, rep):
        num_pred_positions = pred_positions.shape[1]
        pred_positions = pred_positions.reshape(-1)
        batch_size = X.shape[0]
        batch_idx = lib.arange(0, batch_size)
        batch_idx = rep(batch_idx, num_pred_positions)
        masked_X = X[batch_idx, pred_positions]
        return masked_X.reshape((batch_size, num_pred_positions, -1))

    tm = gather(tX, torch.tensor(pos), torch, torch.repeat_interleave)
    gm = gather(gX, ad.tensor(pos), gnp, gnp.repeat)
    _close(gm, tm)
    U = rng.normal(size=tm.shape)
    (tm * torch.tensor(U)).sum().backward()
    (gm * ad.tensor(U)).sum().backward()
    _close(gX.grad, tX.grad)


def test_bce_with_logits_weight_and_pos_weight():
    rng = np.random.default_rng(21)
    z, y = rng.normal(size=(4, 3)) * 3, (rng.random((4, 3)) > 0.5).astype(float)
    w, pw = rng.random((4, 3)), rng.random(3) * 3
    for kw in ({}, {"weight": w}, {"pos_weight": pw}, {"weight": w[0], "pos_weight": pw}):
        for red in ("mean", "sum", "none"):
            (gz, tz) = _both(z, True)
            gkw = {k: ad.tensor(v) for k, v in kw.items()}
            tkw = {k: torch.tensor(v) for k, v in kw.items()}
            gl = F.binary_cross_entropy_with_logits(gz, ad.tensor(y), reduction=red, **gkw)
            tl = TF.binary_cross_entropy_with_logits(tz, torch.tensor(y), reduction=red, **tkw)
            _close(gl, tl)
            gl.sum().backward()
            tl.sum().backward()
            _close(gz.grad, tz.grad)
            gm = nn.BCEWithLogitsLoss(gkw.get("weight"), reduction=red,
                                      pos_weight=gkw.get("pos_weight"))
            tm = tnn.BCEWithLogitsLoss(tkw.get("weight"), reduction=red,
                                       pos_weight=tkw.get("pos_weight"))
            _close(gm(ad.tensor(z), ad.tensor(y)), tm(torch.tensor(z), torch.tensor(y)))
    # torch's positional order: (input, target, weight)
    _close(F.binary_cross_entropy_with_logits(ad.tensor(z), ad.tensor(y), ad.tensor(w)),
           TF.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(y), torch.tensor(w)))


# ---- 20.1 a GAN: two optimisers, the generator's output detached for the discriminator ---
def test_gan_steps():
    rng = np.random.default_rng(22)
    Xn = rng.normal(size=(8, 2)) @ np.array([[1, 2], [-0.1, 0.5]]) + np.array([1, 2])
    Zs = [rng.normal(size=(8, 2)) for _ in range(3)]

    def make(nn_, optim_):
        net_G = nn_.Sequential(nn_.Linear(2, 2))
        net_D = nn_.Sequential(nn_.Linear(2, 5), nn_.Tanh(), nn_.Linear(5, 3), nn_.Tanh(),
                               nn_.Linear(3, 1))
        return net_G, net_D

    tG, tD = make(tnn, torch.optim)
    gG, gD = make(nn, optim)
    for g, t in ((gG, tG), (gD, tD)):
        g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})

    def update_D(X, Z, net_D, net_G, loss, trainer_D, ones, zeros):
        batch_size = X.shape[0]
        o, z = ones((batch_size,)), zeros((batch_size,))
        trainer_D.zero_grad()
        real_Y = net_D(X)
        fake_X = net_G(Z)
        fake_Y = net_D(fake_X.detach())
        loss_D = (loss(real_Y, o.reshape(real_Y.shape)) +
                  loss(fake_Y, z.reshape(fake_Y.shape))) / 2
        loss_D.backward()
        trainer_D.step()
        return loss_D

    def update_G(Z, net_D, net_G, loss, trainer_G, ones):
        batch_size = Z.shape[0]
        o = ones((batch_size,))
        trainer_G.zero_grad()
        fake_X = net_G(Z)
        fake_Y = net_D(fake_X)
        loss_G = loss(fake_Y, o.reshape(fake_Y.shape))
        loss_G.backward()
        trainer_G.step()
        return loss_G

    tloss, gloss = tnn.BCEWithLogitsLoss(reduction="sum"), nn.BCEWithLogitsLoss(reduction="sum")
    tD_opt = torch.optim.Adam(tD.parameters(), lr=0.05)
    tG_opt = torch.optim.Adam(tG.parameters(), lr=0.005)
    gD_opt = optim.Adam(gD.parameters(), lr=0.05)
    gG_opt = optim.Adam(gG.parameters(), lr=0.005)
    tX, gX = torch.tensor(Xn), ad.tensor(Xn)
    gones = lambda s: ad.tensor(gnp.ones(s))  # noqa: E731
    gzeros = lambda s: ad.tensor(gnp.zeros(s))  # noqa: E731
    for Zn in Zs:
        before = [None if p.grad is None else _np(p.grad).copy() for p in gG.parameters()]
        tlD = update_D(tX, torch.tensor(Zn), tD, tG, tloss, tD_opt, torch.ones, torch.zeros)
        glD = update_D(gX, ad.tensor(Zn), gD, gG, gloss, gD_opt, gones, gzeros)
        _close(glD, tlD)
        for p, b in zip(gG.parameters(), before, strict=True):  # detached: G gets nothing
            assert (p.grad is None) if b is None else np.array_equal(_np(p.grad), b)
        tlG = update_G(torch.tensor(Zn), tD, tG, tloss, tG_opt, torch.ones)
        glG = update_G(ad.tensor(Zn), gD, gG, gloss, gG_opt, gones)
        _close(glG, tlG)
        for g, t in ((gG, tG), (gD, tD)):
            for (_, gv), (_, tv) in zip(g.named_parameters(), t.named_parameters(),
                                        strict=True):
                _close(gv, tv, rtol=1e-9)
                _close(gv.grad, tv.grad, rtol=1e-9, atol=1e-12)


# ---- d2l 1.0's Module/Trainer style: scratch model and SGD classes, a tensor data loader --
def test_d2l_v1_trainer_style_scratch_regression():
    from gpuad.utils import data as gdata

    rng = np.random.default_rng(23)
    Xn = rng.normal(size=(24, 3))
    yn = Xn @ np.array([[2.0], [-3.4], [0.5]]) + 4.2 + rng.normal(0, 0.01, (24, 1))
    w0 = rng.normal(0, 0.01, (3, 1))

    def build(nn_, lib, tensor, data_mod):
        class LinearRegressionScratch(nn_.Module):
            def __init__(self, lr):
                super().__init__()
                self.lr = lr
                self.w = tensor(w0.copy(), requires_grad=True)
                self.b = tensor(np.zeros(1), requires_grad=True)

            def forward(self, X):
                return lib.matmul(X, self.w) + self.b

            def loss(self, y_hat, y):
                l = (y_hat - y) ** 2 / 2
                return l.mean()

            def configure_optimizers(self):
                return SGD([self.w, self.b], self.lr)

        class SGD:
            def __init__(self, params, lr):
                self.params, self.lr = params, lr

            def step(self):
                for param in self.params:
                    param -= self.lr * param.grad

            def zero_grad(self):
                for param in self.params:
                    if param.grad is not None:
                        param.grad.zero_()

        def loader(train, indices):
            tensors = tuple(a[indices] for a in (tensor(Xn), tensor(yn)))
            dataset = data_mod.TensorDataset(*tensors)
            return data_mod.DataLoader(dataset, 5, shuffle=False)

        return LinearRegressionScratch(0.03), loader

    def fit(model, loader, no_grad):
        optim_ = model.configure_optimizers()
        out = []
        for _ in range(3):
            model.train()
            for batch in loader(True, slice(0, 16)):
                loss = model.loss(model(*batch[:-1]), batch[-1])
                optim_.zero_grad()
                with ad.enable_grad() if no_grad is ad.no_grad else torch.enable_grad():
                    loss.backward()
                with no_grad():
                    optim_.step()
                out.append(loss.item())
            model.eval()
            with no_grad():
                out.append(sum(model.loss(model(*b[:-1]), b[-1]).item()
                               for b in loader(False, slice(16, None))))
        return out

    tm, tload = build(tnn, torch, torch.tensor, torch.utils.data)
    gm, gload = build(nn, gnp, ad.tensor, gdata)
    # gpuad lists leaf tensors that require grad as parameters; torch only nn.Parameters
    assert [n for n, _ in gm.named_parameters()] == ["w", "b"]
    assert list(tm.named_parameters()) == []
    np.testing.assert_allclose(fit(gm, gload, ad.no_grad), fit(tm, tload, torch.no_grad),
                               rtol=1e-11)
    _close(gm.w, tm.w)
    _close(gm.b, tm.b)


# ---- 2.5 automatic differentiation, 6.x builders' guide ---------------------------------
def test_autograd_chapter():
    def run(lib, tensor, arange, dot, randn_value):
        out = []
        x = tensor(arange(4.0))
        x.requires_grad_(True)
        assert x.grad is None
        y = 2 * dot(x, x)
        y.backward()
        out.append(x.grad.clone())
        x.grad.zero_()
        y = x.sum()
        y.backward()
        out.append(x.grad.clone())
        x.grad.zero_()
        y = x * x
        y.backward(gradient=tensor(np.ones(len(y))))
        out.append(x.grad.clone())
        x.grad.zero_()
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        out.append(x.grad.clone())
        x.grad.zero_()
        y.sum().backward()
        out.append(x.grad.clone())

        def f(a):
            b = a * 2
            while b.norm() < 1000:
                b = b * 2
            c = b if b.sum() > 0 else 100 * b
            return c

        a = tensor(randn_value, requires_grad=True)
        d = f(a)
        d.backward()
        out.append(a.grad.clone())
        out.append(d / a)
        return out

    for v in (0.37, -1.3):
        t = run(torch, torch.tensor, lambda n: torch.arange(n).numpy(), torch.dot, v)
        g = run(gnp, ad.tensor, lambda n: gnp.arange(n), gnp.dot, v)
        for a, b in zip(g, t, strict=True):
            _close(a, b)


def test_builders_guide_tied_lazy_init_save_load(tmp_path):
    rng = np.random.default_rng(24)
    Xn = rng.normal(size=(2, 4))

    def make(nn_):
        shared = nn_.LazyLinear(8)
        return nn_.Sequential(nn_.LazyLinear(8), nn_.ReLU(), shared, nn_.ReLU(), shared,
                              nn_.ReLU(), nn_.LazyLinear(1))

    tnet, gnet = make(tnn), make(nn)
    tX, gX = torch.tensor(Xn), ad.tensor(Xn)
    tnet(tX)
    gnet(gX)
    assert gnet[2].weight is gnet[4].weight
    assert list(gnet.state_dict()) == list(tnet.state_dict())
    assert len(gnet.parameters()) == len(list(tnet.parameters())) == 6
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    tnet(tX).sum().backward()
    gnet(gX).sum().backward()
    for (k, gv), (k2, tv) in zip(gnet.named_parameters(), tnet.named_parameters(), strict=True):
        assert k == k2
        _close(gv.grad, tv.grad)  # the shared layer's gradient sums both uses
    # custom init: uniform(-10, 10), then keep only |w| >= 5 (the book writes through .data)
    with torch.no_grad():
        tnet[0].weight.uniform_(-10, 10)
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    tnet[0].weight.data *= tnet[0].weight.data.abs() >= 5
    with ad.no_grad():
        gnet[0].weight *= gnet[0].weight.abs() >= 5
    _close(gnet[0].weight, tnet[0].weight)
    # parameter files
    ad.save(gnet.state_dict(), tmp_path / "mlp.params")
    clone = make(nn)
    clone(gX)
    clone.load_state_dict(ad.load(tmp_path / "mlp.params"))
    clone.eval()
    with ad.no_grad():
        _close(clone(gX), gnet(gX))


def test_rnn_flat_weights_names_match_torch():
    for cls, kw in (("GRU", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
                    ("LSTM", {"proj_size": 2}), ("RNN", {"bias": False})):
        g, t = getattr(nn, cls)(5, 4, **kw), getattr(tnn, cls)(5, 4, **kw)
        assert g._flat_weights_names == t._flat_weights_names
        assert list(g._parameters) == list(t._parameters)


def test_lazy_model_loads_a_state_dict_without_a_call(tmp_path):
    # 6.6: clone = MLP(); clone.load_state_dict(torch.load("mlp.params")) with lazy layers
    def make(nn_):
        return nn_.Sequential(nn_.LazyConv2d(4, 3, groups=2), nn_.LazyBatchNorm2d(),
                              nn_.Flatten(), nn_.LazyLinear(3),
                              nn_.LazyBatchNorm1d(affine=False))

    x = np.random.default_rng(25).normal(size=(2, 2, 5, 5))
    tnet = make(tnn)
    tnet(torch.tensor(x))
    gnet = make(nn)
    gnet.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    assert [type(m).__name__ for m in gnet] == [type(m).__name__ for m in tnet]
    tnet.eval()
    gnet.eval()
    _close(gnet(ad.tensor(x)), tnet(torch.tensor(x)))
