"""PyTorch's nn tests, ported to gpuad.nn.

Follows pytorch/pytorch test/test_nn.py and the functional entries of
torch/testing/_internal/common_nn.py / common_methods_invocations.py (module_inputs_*,
sample_inputs_*): activations, linear, layer_norm, conv2d with stride and padding, pooling,
embedding, the losses mse_loss, cross_entropy and binary_cross_entropy_with_logits with every
reduction, their shape and label errors, and Module parameters, state_dict, load_state_dict,
train/eval. Values and gradients are checked with finite differences (first and second order)
and, where torch is installed, against torch.nn.functional.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _np(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


RNG = np.random.default_rng(11)
X = RNG.normal(size=(4, 5))
Y = RNG.normal(size=(4, 5))
W = RNG.normal(size=(3, 5))
BIAS = RNG.normal(size=3)
GAMMA, BETA = RNG.normal(size=5), RNG.normal(size=5)
IM = RNG.normal(size=(2, 3, 7, 6))
KER = RNG.normal(size=(4, 3, 3, 2))
KB = RNG.normal(size=4)
LABELS = np.array([0, 4, 2, 1])
PROBS = RNG.uniform(size=(4, 5))


def _compare(gf, tf_name, arrays, tf=None, int_args=(), rtol=1e-12, atol=1e-12):
    """gpuad's gf against torch's function on the same float64 inputs: value and the vjp
    along a random cotangent."""
    torch = _torch_or_none()
    if torch is None:
        return
    import torch.nn.functional as TF

    tf = tf or getattr(TF, tf_name, None) or getattr(torch, tf_name)
    gs = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yg = gf(*gs, *int_args)
    yt = tf(*ts, *[torch.as_tensor(i) for i in int_args])
    np.testing.assert_allclose(_np(yg), yt.detach().numpy(), rtol=rtol, atol=atol)
    u = np.random.default_rng(0).normal(size=yg.shape)
    gnp.sum(yg * ad.tensor(u)).backward()
    (yt * torch.tensor(u)).sum().backward()
    for g, t in zip(gs, ts, strict=True):
        np.testing.assert_allclose(_np(g.grad), t.grad.numpy(), rtol=rtol, atol=atol)


# ---- activations -------------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": (F.relu, None),
    "gelu": (F.gelu, None),
    "silu": (F.silu, None),
    "tanh": (F.tanh, None),
    "sigmoid": (F.sigmoid, None),
    "softplus": (F.softplus, None),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), lambda t: _tf().leaky_relu(t, 0.2)),
    "softmax": (lambda a: F.softmax(a, 1), lambda t: _tf().softmax(t, 1)),
    "softmax_dim0": (lambda a: F.softmax(a, 0), lambda t: _tf().softmax(t, 0)),
    "log_softmax": (lambda a: F.log_softmax(a, -1), lambda t: _tf().log_softmax(t, -1)),
    "logsumexp": (lambda a: F.logsumexp(a, 1), lambda t: _torch_or_none().logsumexp(t, 1)),
}


def _tf():
    import torch.nn.functional as TF

    return TF


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation(backend, name):
    gf, tf = ACTIVATIONS[name]
    # relu and leaky_relu have a kink at 0, away from these points
    check_grads(gf, (X,), order=2, modes=("fwd", "rev"))
    _compare(gf, name, [X], tf=tf, rtol=1e-12, atol=1e-14)


def test_activations_at_extremes(backend):
    big = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    np.testing.assert_allclose(_np(F.sigmoid(big)), [0.0, 1 / (1 + np.exp(40)), 0.5,
                                                      1 / (1 + np.exp(-40)), 1.0])
    np.testing.assert_allclose(_np(F.softplus(big)), np.logaddexp(big, 0.0))
    x = ad.tensor(big, requires_grad=True)
    gnp.sum(F.softplus(x) + F.sigmoid(x)).backward()
    assert np.all(np.isfinite(_np(x.grad)))
    p = _np(F.softmax(ad.tensor(np.array([[1000.0, 0.0, -1000.0]])), -1))
    np.testing.assert_allclose(p, [[1.0, 0.0, 0.0]])


def test_relu_gradient_at_zero_is_zero(backend):
    x = ad.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    gnp.sum(F.relu(x)).backward()
    np.testing.assert_array_equal(_np(x.grad), [0.0, 0.0, 1.0])


# ---- layers ------------------------------------------------------------------------------------

LAYERS = {
    "linear": (F.linear, None, [X, W, BIAS]),
    "linear_nobias": (F.linear, None, [X, W]),
    "linear_3d": (F.linear, None, [RNG.normal(size=(2, 4, 5)), W, BIAS]),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (5,), w, b),
                   lambda a, w, b: _tf().layer_norm(a, (5,), w, b), [X, GAMMA, BETA]),
    "layer_norm_2d": (lambda a: F.layer_norm(a, (4, 5)), lambda a: _tf().layer_norm(a, (4, 5)),
                      [RNG.normal(size=(2, 4, 5))]),
    "conv2d": (lambda a, k, b: F.conv2d(a, k, b), None, [IM, KER, KB]),
    "conv2d_stride_pad": (lambda a, k, b: F.conv2d(a, k, b, 2, 1),
                          lambda a, k, b: _tf().conv2d(a, k, b, 2, 1), [IM, KER, KB]),
    "conv2d_rect": (lambda a, k: F.conv2d(a, k, None, (2, 1), (0, 1)),
                    lambda a, k: _tf().conv2d(a, k, None, (2, 1), (0, 1)), [IM, KER]),
    "max_pool2d": (lambda a: F.max_pool2d(a, 2), lambda a: _tf().max_pool2d(a, 2), [IM]),
    "avg_pool2d": (lambda a: F.avg_pool2d(a, (2, 3)), lambda a: _tf().avg_pool2d(a, (2, 3)),
                   [IM]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_against_torch(backend, name):
    gf, tf, arrays = LAYERS[name]
    _compare(gf, name.split("_")[0] if tf is None else name, arrays, tf=tf, rtol=1e-11,
             atol=1e-12)


@pytest.mark.parametrize("name", ["linear", "layer_norm", "conv2d_stride_pad", "avg_pool2d"])
def test_layer_finite_differences(backend, name):
    gf, _, arrays = LAYERS[name]
    small = [arrays[0][:1]] + arrays[1:]  # one sample keeps the conv case cheap
    check_grads(gf, tuple(small), order=2 if name != "conv2d_stride_pad" else 1,
                modes=("rev",))


def test_embedding(backend):
    table = RNG.normal(size=(3, 4))
    idx = np.array([[1, 2], [2, 0]])
    check_grads(lambda w: F.embedding(idx, w), (table,), order=2, modes=("fwd", "rev"))
    torch = _torch_or_none()
    if torch is not None:
        _compare(lambda w: F.embedding(idx, w), "embedding", [table],
                 tf=lambda w: _tf().embedding(torch.tensor(idx), w))
    # torch raises for an index outside the table; -1 is not the last row
    for bad in (np.array([3]), np.array([0, -1])):
        with pytest.raises(IndexError, match=r"embedding: indices must lie in \[0, 3\)"):
            F.embedding(bad, ad.tensor(table))
    with pytest.raises(TypeError, match="integers"):
        F.embedding(np.array([0.0]), ad.tensor(table))


def test_layer_shape_errors(backend):
    with pytest.raises(ValueError, match=r"matmul.*\(4, 5\).*\(3, 5\)"):
        F.linear(ad.tensor(X), ad.tensor(W.T))
    with pytest.raises(ValueError, match="conv2d: input has 3 channels"):
        F.conv2d(ad.tensor(IM), ad.tensor(KER[:, :2]))
    with pytest.raises(ValueError, match="conv2d: kernel"):
        F.conv2d(ad.tensor(IM[:, :, :2, :2]), ad.tensor(KER))
    # as torch: a padding larger than half the window, and a window larger than the input
    with pytest.raises(ValueError, match="max_pool2d: padding"):
        F.max_pool2d(ad.tensor(IM), 2, 1, 2)
    with pytest.raises(ValueError, match="avg_pool2d: the kernel"):
        F.avg_pool2d(ad.tensor(IM), 50)


def test_dropout(backend):
    x = ad.tensor(np.ones((50, 40)), requires_grad=True)
    gnp.random.seed(0)
    y = F.dropout(x, 0.25)
    kept = _np(y) != 0
    np.testing.assert_allclose(_np(y)[kept], 1 / 0.75)
    assert 0.6 < kept.mean() < 0.9
    gnp.sum(y).backward()
    np.testing.assert_allclose(_np(x.grad), np.where(kept, 1 / 0.75, 0.0))
    np.testing.assert_array_equal(_np(F.dropout(x, 0.5, training=False)), 1.0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        F.dropout(x, 1.5)


# ---- losses ------------------------------------------------------------------------------------

REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(backend, reduction):
    def f(a, b):
        return F.mse_loss(a, b, reduction=reduction)

    check_grads(f, (X, Y), order=2, modes=("fwd", "rev"))
    _compare(f, "mse_loss", [X, Y],
             tf=lambda a, b: _tf().mse_loss(a, b, reduction=reduction))
    full = (X - Y) ** 2
    want = {"mean": full.mean(), "sum": full.sum(), "none": full}[reduction]
    np.testing.assert_allclose(_np(f(ad.tensor(X), ad.tensor(Y))), want, rtol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy(backend, reduction):
    def f(a):
        return F.cross_entropy(a, LABELS, reduction=reduction)

    check_grads(f, (X,), order=2, modes=("fwd", "rev"))
    torch = _torch_or_none()
    if torch is not None:
        _compare(f, "cross_entropy", [X],
                 tf=lambda a: _tf().cross_entropy(a, torch.tensor(LABELS), reduction=reduction))
    logp = X - np.log(np.exp(X).sum(1, keepdims=True))
    nll = -logp[np.arange(4), LABELS]
    want = {"mean": nll.mean(), "sum": nll.sum(), "none": nll}[reduction]
    np.testing.assert_allclose(_np(f(ad.tensor(X))), want, rtol=1e-13)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(backend, reduction):
    def f(a, t):
        return F.binary_cross_entropy_with_logits(a, t, reduction=reduction)

    check_grads(f, (X, PROBS), order=2, modes=("fwd", "rev"))
    _compare(f, "binary_cross_entropy_with_logits", [X, PROBS],
             tf=lambda a, t: _tf().binary_cross_entropy_with_logits(a, t, reduction=reduction))


def test_cross_entropy_float32_near_zero_loss(backend):
    logits = np.array([[0.0, 188.0, 176.6]], dtype=np.float32)
    x = ad.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, np.array([1]))
    exact = np.log1p(np.exp(np.float64(176.6) - 188.0) + np.exp(-188.0))
    np.testing.assert_allclose(float(_np(loss)), exact, rtol=1e-5)
    loss.backward()
    assert x.grad.dtype == np.float32


def test_loss_argument_errors(backend):
    x, y = ad.tensor(X), ad.tensor(Y)
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        F.mse_loss(x, y, reduction="avg")
    # torch warns and broadcasts (4, 1) against (4,); gpuad refuses
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(4, 1\).*\(4,\)"):
        F.mse_loss(ad.tensor(X[:, :1]), ad.tensor(X[:, 0]))
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: input has shape"):
        F.binary_cross_entropy_with_logits(x, ad.tensor(PROBS[:, :3]))
    for bad in ([0, -1, 1, 1], [0, 5, 1, 1]):
        with pytest.raises(IndexError, match=r"labels must lie in \[0, 5\)"):
            F.cross_entropy(x, np.array(bad))
    with pytest.raises(TypeError, match="labels must be integers"):
        F.cross_entropy(x, np.array([0.0, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(4,\) for logits \(4, 5\)"):
        F.cross_entropy(x, np.array([0, 1, 1]))
    # probability targets, (N, C, d) inputs, ignore_index, weight and label_smoothing: see
    # tests/test_torch_api_more.py, which compares them with torch


# ---- modules -----------------------------------------------------------------------------------

def _model():
    gnp.random.seed(1)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_parameters_and_state_dict(backend):
    m = _model()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [p.shape for p in m.parameters()] == [(4, 3), (4,), (2, 4), (2,)]
    sd = m.state_dict()
    assert list(sd) == names
    assert all(p.requires_grad and p.is_leaf for p in m.parameters())


def test_linear_init_bounds_and_grads(backend):
    # test_linear / reset_parameters: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias
    lin = nn.Linear(50, 7)
    b = 1 / np.sqrt(50)
    assert np.abs(_np(lin.weight)).max() <= b and np.abs(_np(lin.bias)).max() <= b
    x = RNG.normal(size=(5, 50))
    gnp.sum(lin(ad.tensor(x)) ** 2).backward()
    out = x @ _np(lin.weight).T + _np(lin.bias)
    np.testing.assert_allclose(_np(lin.weight.grad), 2 * out.T @ x, rtol=1e-12)
    np.testing.assert_allclose(_np(lin.bias.grad), 2 * out.sum(0), rtol=1e-12)


def test_load_state_dict_round_trip_and_versions(backend):
    m, m2 = _model(), nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = ad.tensor(RNG.normal(size=(5, 3)))
    stale = gnp.sum(gnp.sin(m2(x)))  # recorded before the load
    m2.load_state_dict({k: v.copy() for k, v in m.state_dict().items()})
    np.testing.assert_array_equal(_np(m2(x)), _np(m(x)))
    assert all(p._version == 1 for p in m2.parameters())
    with pytest.raises(ad.GradError, match="modified in place"):
        stale.backward()
    # integer arrays are converted, as torch's copy_ does
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.array([[1, 2], [3, 4]]), "bias": np.array([1, 2])})
    assert lin.weight.dtype == np.float64
    np.testing.assert_array_equal(_np(lin.weight), [[1.0, 2.0], [3.0, 4.0]])


def test_load_state_dict_errors_write_nothing(backend):
    lin = nn.Linear(2, 2)
    before = {k: v.copy() for k, v in lin.state_dict().items()}
    with pytest.raises(KeyError, match=r"missing parameters \['bias'\]"):
        lin.load_state_dict({"weight": np.zeros((2, 2))})
    with pytest.raises(KeyError, match="unexpected keys"):
        lin.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(2), "x": np.zeros(1)})
    with pytest.raises(ValueError, match=r"weight has shape \(2, 2\), got \(3,\)"):
        lin.load_state_dict({"weight": np.zeros(3), "bias": np.zeros(2)})
    with pytest.raises(TypeError, match="imaginary part would be lost"):
        lin.load_state_dict({"bias": np.zeros(2), "weight": np.ones((2, 2)) * (1 + 1j)})
    for k, v in lin.state_dict().items():
        np.testing.assert_array_equal(_np(v), _np(before[k]))


def test_custom_module_registers_parameters_by_type(backend):
    class Scaled(nn.Module):
        def __init__(self):
            self._scale = nn.Parameter(np.ones(3) * 2.0)
            self.frozen = nn.Parameter(np.ones(3), requires_grad=False)
            self.blocks = [nn.Linear(3, 3), {"head": nn.Linear(3, 1)}]
            self.cache = None

        def forward(self, x):
            h = self.blocks[0](x * self._scale * self.frozen)
            self.cache = h  # a recorded result is not a parameter
            return self.blocks[1]["head"](h)

    m = Scaled()
    y = gnp.sum(m(ad.tensor(RNG.normal(size=(4, 3)))))
    names = [n for n, _ in m.named_parameters()]
    assert names == ["_scale", "frozen", "blocks.0.weight", "blocks.0.bias",
                     "blocks.1.head.weight", "blocks.1.head.bias"]
    y.backward()
    assert m._scale.grad is not None and m.frozen.grad is None


def test_zero_grad_and_train_eval(backend):
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    gnp.sum(m(ad.tensor(np.ones((2, 3))))).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.eval()
    assert not m.training and not m.layers[1].training
    x = ad.tensor(np.ones((2, 3)))
    np.testing.assert_array_equal(_np(m(x)), _np(m.layers[0](x)))
    m.train()
    assert m.layers[1].training


def test_loss_modules_match_functions(backend):
    x, y = ad.tensor(X), ad.tensor(Y)
    np.testing.assert_array_equal(_np(nn.MSELoss("sum")(x, y)), _np(F.mse_loss(x, y, "sum")))
    np.testing.assert_array_equal(_np(nn.CrossEntropyLoss()(x, LABELS)),
                                  _np(F.cross_entropy(x, LABELS)))
    p = ad.tensor(PROBS)
    np.testing.assert_array_equal(_np(nn.BCEWithLogitsLoss("none")(x, p)),
                                  _np(F.binary_cross_entropy_with_logits(x, p, "none")))


def test_float32_stays_float32(backend):
    # torch keeps float32 through layers, losses, gradients and optimiser steps
    import gpuad.optim as optim

    x = ad.tensor(IM[:, :, :6, :6].astype(np.float32))
    gnp.random.seed(2)
    m = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, dtype=np.float32), nn.GELU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.LayerNorm(36, dtype=np.float32),
                      nn.Dropout(0.2), nn.Linear(36, 5, dtype=np.float32))
    out = m(x)
    assert out.dtype == np.float32
    loss = F.cross_entropy(out, np.array([1, 4])) + F.mse_loss(out, ad.tensor(
        np.zeros((2, 5), np.float32))) + F.binary_cross_entropy_with_logits(
        out, ad.tensor(np.full((2, 5), 0.5, np.float32)))
    assert loss.dtype == np.float32
    loss.backward()
    opt = optim.AdamW(m.parameters(), lr=1e-3)
    opt.step()
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in m.parameters())
