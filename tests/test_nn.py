"""gpuad.nn and gpuad.scipy.special: gradients (to second order), values against NumPy
references, and against PyTorch on the same weights where torch is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad import nn
from gpuad.nn import functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(1234)
X23 = RNG.standard_normal((2, 3))
W32 = RNG.standard_normal((2, 3))
B2 = RNG.standard_normal(2)
IMG = RNG.standard_normal((2, 1, 4, 4))
K = RNG.standard_normal((2, 1, 3, 3)) * 0.5
KB = RNG.standard_normal(2)
LABELS = np.array([2, 0])

_erf = np.vectorize(math.erf)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def close(a, b, tol=1e-10):
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


# ---- gradients ----------------------------------------------------------------------------------

ACTS = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "gelu": F.gelu,
    "silu": F.silu,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "softplus": F.softplus,
    "softmax": F.softmax,
    "log_softmax": F.log_softmax,
    "expit": sps.expit,
    "erfc": sps.erfc,
}


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_grads(backend, name):
    check_grads(ACTS[name], (X23,), order=2)


def test_linear_grads(backend):
    check_grads(F.linear, (X23, W32, B2), order=2)
    check_grads(lambda x, w: F.linear(x, w), (X23, W32), order=2)


def test_layer_norm_grads(backend):
    g, b = RNG.standard_normal(3), RNG.standard_normal(3)
    check_grads(lambda x, g, b: F.layer_norm(x, (3,), g, b), (X23, g, b), order=2)


def test_conv2d_grads(backend):
    check_grads(lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), (IMG, K, KB), order=2)
    check_grads(lambda x, w: F.conv2d(x, w, None, stride=2, padding=1), (IMG, K), order=2)


@pytest.mark.parametrize("pool", [F.max_pool2d, F.avg_pool2d])
def test_pool_grads(backend, pool):
    check_grads(lambda x: pool(x, 2), (IMG,), order=2)


def test_embedding_grads(backend):
    idx = xp_(np.array([[0, 2], [2, 2]]))
    table = RNG.standard_normal((4, 3))
    check_grads(lambda w: F.embedding(idx, w), (table,), order=2)


def test_embedding_adjoint_is_scatter_add(backend):
    idx = np.array([[0, 2], [2, 2]])
    emb = nn.Embedding(4, 3)
    out = emb(xp_(idx))
    assert out.shape == (2, 2, 3)
    up = RNG.standard_normal((2, 2, 3))
    gnp.sum(out * xp_(up)).backward()
    ref = np.zeros((4, 3))
    np.add.at(ref, idx, up)
    close(emb.weight.grad, ref)


def test_dropout_grads_with_fixed_mask(backend):
    def f(x):
        with gnp.random.seeded(7):
            return F.dropout(x, 0.5)

    check_grads(f, (X23,), order=2)


def test_loss_grads(backend):
    lab = xp_(LABELS)
    tgt = RNG.uniform(size=(2, 3))
    check_grads(lambda z: F.cross_entropy(z, lab), (X23,), order=2)
    check_grads(lambda z: F.cross_entropy(z, lab, reduction="none"), (X23,), order=2)
    check_grads(F.mse_loss, (X23, tgt), order=2)
    check_grads(F.binary_cross_entropy_with_logits, (X23, tgt), order=2)


def test_module_parameters_receive_grads(backend):
    gnp.random.seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.LayerNorm(8), nn.Linear(8, 3))
    ps = model.parameters()
    assert len(ps) == 6
    x = xp_(IMG)

    def loss_of(*params):
        h = F.conv2d(x, params[0], params[1], padding=1)
        h = F.flatten(F.max_pool2d(F.relu(h), 2))
        h = F.layer_norm(h, (8,), params[2], params[3])
        return F.cross_entropy(F.linear(h, params[4], params[5]), xp_(LABELS))

    loss = nn.cross_entropy(model(x), xp_(LABELS))
    loss.backward()
    close(loss, loss_of(*ps))
    refs = ad.grad(loss_of, argnums=tuple(range(6)))(*ps)
    for p, r in zip(ps, refs, strict=True):
        close(p.grad, r)
    model.zero_grad()
    assert all(p.grad is None for p in ps)


# ---- values against NumPy references ---------------------------------------------------------

def _np_log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def test_activation_values(backend):
    x = np.array([[-30.0, -1.5, 0.3], [0.0, 2.0, 40.0]])
    t = xp_(x)
    close(F.relu(t), np.maximum(x, 0))
    close(F.leaky_relu(t, 0.2), np.where(x > 0, x, 0.2 * x))
    close(F.gelu(t), 0.5 * x * (1 + _erf(x / np.sqrt(2))))
    close(F.sigmoid(t), 1 / (1 + np.exp(-x)))
    close(F.silu(t), x / (1 + np.exp(-x)))
    close(F.softplus(t), np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0))
    close(F.tanh(t), np.tanh(x))
    close(sps.log_softmax(t, axis=-1), _np_log_softmax(x))
    close(sps.softmax(t, axis=-1), np.exp(_np_log_softmax(x)))
    close(sps.softmax(t, axis=0), np.exp(x) / np.exp(x).sum(0))
    close(sps.erf(t), _erf(x))
    close(sps.logsumexp(t, axis=-1), np.log(np.exp(x - 40).sum(-1)) + 40)
    big = F.softplus(xp_(np.array([1000.0, -1000.0])))
    assert np.all(np.isfinite(to_numpy(big)))
    close(big, [1000.0, 0.0])


def test_loss_values(backend):
    z = np.array([[1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]])
    lab = np.array([1, 2])
    ce = F.cross_entropy(xp_(z), xp_(lab))
    ref = -_np_log_softmax(z)[np.arange(2), lab]
    close(ce, ref.mean())
    close(F.cross_entropy(xp_(z), xp_(lab), reduction="sum"), ref.sum())
    y = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])
    bce = F.binary_cross_entropy_with_logits(xp_(z), xp_(y), reduction="none")
    # -[y log s(z) + (1-y) log(1-s(z))] written stably
    close(bce, np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    small = np.array([0.3, -2.0])
    s = 1 / (1 + np.exp(-small))
    close(F.binary_cross_entropy_with_logits(xp_(small), xp_(np.array([1.0, 0.0]))),
          -(np.log(s[0]) + np.log(1 - s[1])) / 2)
    close(F.mse_loss(xp_(z[1]), xp_(y[1])), np.mean((z[1] - y[1]) ** 2))
    with pytest.raises(TypeError, match="integers"):
        F.cross_entropy(xp_(z), xp_(lab.astype(float)))


def _np_conv2d(x, w, b, stride, padding):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w)
    return out + (0 if b is None else b[:, None, None])


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (2, 0)])
def test_conv2d_values(backend, stride, padding):
    x = RNG.standard_normal((2, 3, 7, 6))
    w = RNG.standard_normal((4, 3, 3, 2))
    b = RNG.standard_normal(4)
    close(F.conv2d(xp_(x), xp_(w), xp_(b), stride, padding), _np_conv2d(x, w, b, stride, padding))


def test_pool_values(backend):
    x = RNG.standard_normal((2, 3, 5, 4))
    r = x[:, :, :4, :4].reshape(2, 3, 2, 2, 2, 2)
    close(F.max_pool2d(xp_(x), 2), r.max(axis=(3, 5)))
    close(F.avg_pool2d(xp_(x), 2), r.mean(axis=(3, 5)))
    close(nn.AvgPool2d((1, 2))(xp_(x)), x.reshape(2, 3, 5, 2, 2).mean(-1))
    close(F.max_pool2d(xp_(x), 2, stride=1), np.maximum.reduce(
        [x[:, :, i:i + 4, j:j + 3] for i in (0, 1) for j in (0, 1)]))


def test_layer_norm_values(backend):
    x = RNG.standard_normal((2, 3, 4))
    ln = nn.LayerNorm((3, 4))
    mu = x.mean((1, 2), keepdims=True)
    ref = (x - mu) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5)
    close(ln(xp_(x)), ref)


def test_linear_mlp_shapes_and_init(backend):
    gnp.random.seed(0)
    lin = nn.Linear(3, 5)
    assert lin.weight.shape == (5, 3) and lin.bias.shape == (5,)
    assert np.abs(to_numpy(lin.weight)).max() <= 1 / np.sqrt(3)
    assert nn.Linear(3, 5, bias=False).bias is None
    mlp = nn.MLP([2, 8, 8, 3], activation="tanh")
    assert len(mlp.parameters()) == 6
    assert mlp(xp_(np.ones((4, 2)))).shape == (4, 3)
    assert [n for n, _ in mlp.named_parameters()][:2] == ["0.weight", "0.bias"]
    a = nn.init.xavier_uniform((10, 20))
    assert np.abs(to_numpy(a)).max() <= np.sqrt(6 / 30)
    assert nn.init.calculate_fan((16, 3, 3, 3)) == (27, 144)
    assert "Linear(in_features=2" in repr(mlp)


def test_state_dict_roundtrip(backend):
    gnp.random.seed(0)
    a, b = nn.MLP([2, 4, 1]), nn.MLP([2, 4, 1])
    b.load_state_dict(a.state_dict())
    x = xp_(RNG.standard_normal((3, 2)))
    close(a(x), b(x))
    with pytest.raises(KeyError):
        b.load_state_dict({})


def test_dropout_train_eval(backend):
    gnp.random.seed(0)
    drop = nn.Dropout(0.25)
    x = xp_(np.ones((200, 50)))
    y = to_numpy(drop(x))
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.03
    model = nn.Sequential(drop)
    model.eval()
    assert not drop.training
    close(model(x), x)
    model.train()
    assert drop.training
    close(F.dropout(x, 1.0), np.zeros((200, 50)))
    with pytest.raises(ValueError):
        F.dropout(x, 1.5)


def test_dropout_replayed_under_checkpoint(backend):
    """The checkpointed block recomputes with the same dropout mask, so the gradient equals
    the one taken with that mask held fixed."""
    gnp.random.seed(3)
    w = ad.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    x = xp_(RNG.standard_normal((4, 3)))

    def block(h):
        return F.dropout(gnp.tanh(gnp.matmul(h, w)), 0.5)

    y = ad.checkpoint(block)(x)
    loss = gnp.sum(y * y)
    loss.backward()
    g_ckpt = to_numpy(w.grad)
    mask = (to_numpy(y) != 0).astype(float) * 2.0
    w.grad = None
    ref = gnp.sum(gnp.square(gnp.tanh(gnp.matmul(x, w)) * xp_(mask)))
    ref.backward()
    close(loss, ref)
    close(g_ckpt, w.grad)
    assert 0 < mask.mean() < 2  # some, not all, units were dropped


def test_functional_params_as_pytree(backend):
    gnp.random.seed(0)
    params = {"w": xp_(RNG.standard_normal((2, 3))), "b": xp_(np.zeros(2))}
    x, y = xp_(X23), xp_(np.array([0, 1]))

    def loss(p):
        return F.cross_entropy(F.linear(x, p["w"], p["b"]), y)

    g = ad.grad(loss)(params)
    assert set(g) == {"w", "b"} and g["w"].shape == (2, 3)


# ---- against PyTorch on the same weights ------------------------------------------------------

def _t(a):
    torch = pytest.importorskip("torch")
    return torch.tensor(np.asarray(to_numpy(a)), dtype=torch.float64, requires_grad=True)


def test_against_torch_layers(backend):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, w, b = IMG, K, KB
    close(F.conv2d(xp_(x), xp_(w), xp_(b), 2, 1),
          tf.conv2d(_t(x), _t(w), _t(b), stride=2, padding=1).detach().numpy())
    close(F.max_pool2d(xp_(x), 2), tf.max_pool2d(_t(x), 2).detach().numpy())
    close(F.avg_pool2d(xp_(x), 2), tf.avg_pool2d(_t(x), 2).detach().numpy())
    close(F.linear(xp_(X23), xp_(W32), xp_(B2)),
          tf.linear(_t(X23), _t(W32), _t(B2)).detach().numpy())
    g, bb = RNG.standard_normal(3), RNG.standard_normal(3)
    close(F.layer_norm(xp_(X23), (3,), xp_(g), xp_(bb)),
          tf.layer_norm(_t(X23), (3,), _t(g), _t(bb)).detach().numpy())
    for ours, theirs in [(F.gelu, tf.gelu), (F.silu, tf.silu), (F.softplus, tf.softplus),
                         (lambda v: F.leaky_relu(v, 0.1), lambda v: tf.leaky_relu(v, 0.1)),
                         (F.log_softmax, lambda v: tf.log_softmax(v, -1))]:
        close(ours(xp_(X23)), theirs(_t(X23)).detach().numpy())


def test_against_torch_grads(backend):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    x, w, b = _t(IMG), _t(K), _t(KB)
    h = tf.conv2d(x, w, b, padding=1)
    out = tf.cross_entropy(tf.max_pool2d(torch.relu(h), 2).reshape(2, -1)[:, :3],
                           torch.tensor(LABELS))
    out.backward()

    def ours(x, w, b):
        h = F.conv2d(x, w, b, padding=1)
        z = gnp.reshape(F.max_pool2d(F.relu(h), 2), (2, -1))[:, :3]
        return F.cross_entropy(z, xp_(LABELS))

    close(ours(xp_(IMG), xp_(K), xp_(KB)), out.item())
    gs = ad.grad(ours, argnums=(0, 1, 2))(xp_(IMG), xp_(K), xp_(KB))
    for g, t in zip(gs, (x, w, b), strict=True):
        close(g, t.grad.numpy())
    z, y = RNG.standard_normal((2, 3)), RNG.uniform(size=(2, 3))
    close(F.binary_cross_entropy_with_logits(xp_(z), xp_(y)),
          tf.binary_cross_entropy_with_logits(_t(z), _t(y)).item())
