"""vmap of gpuad.nn.functional: every function against the loop over examples, and per-example
gradients of a small MLP and a small CNN (against the loop and torch.func)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from vmap_loop import check_vmap, reference

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp

R = np.random.default_rng(1)
X = R.normal(size=(4, 3, 5))
W = R.normal(size=(2, 5))
B = R.normal(size=(2,))


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "tanh", "sigmoid", "softplus",
                                  "softmax", "log_softmax", "leaky_relu"])
def test_activations(backend, name):
    fn = getattr(F, name)
    check_vmap(lambda x: fn(x), (X,), 0)
    check_vmap(lambda x: fn(x) * 2.0, (X,), 2, nested=True, diff=())


def test_logsumexp(backend):
    check_vmap(lambda x: F.logsumexp(x, axis=-1), (X,), 1)


def test_linear(backend):
    check_vmap(lambda x, w, b: F.linear(x, w, b), (X, W, B), (0, None, None))
    check_vmap(lambda x, w, b: F.linear(x, w, b), (X[0], np.stack([W] * 3) * [[[1]], [[2]], [[3]]],
                                              B), (None, 0, None))


def test_layer_norm(backend):
    g, b = R.normal(size=5), R.normal(size=5)
    check_vmap(lambda x, g, b: F.layer_norm(x, (5,), g, b), (X, g, b), (0, None, None))
    check_vmap(lambda x, g, b: F.layer_norm(x, (3, 5), None, None), (X, g, b), (0, None, None))


def test_embedding(backend):
    idx = R.integers(0, 5, size=(4, 3))
    table = R.normal(size=(5, 2))
    check_vmap(lambda i, w: F.embedding(i, w), (idx, table), (0, None))
    check_vmap(lambda i, w: F.embedding(i, w), (idx, np.stack([table] * 4)), (0, 0))
    with pytest.raises(IndexError, match="embedding"):
        ad.vmap(lambda i: F.embedding(i, gnp.asarray(table)))(gnp.asarray(idx - 1))


def test_losses(backend):
    y = R.normal(size=X.shape)
    check_vmap(lambda a, b: F.mse_loss(a, b), (X, y), 0)
    check_vmap(lambda a, b: F.mse_loss(a, b, reduction="none"), (X, y[0]), (0, None))
    t = R.uniform(size=X.shape)
    check_vmap(lambda z, t: F.binary_cross_entropy_with_logits(z, t), (X, t), 0)


def test_cross_entropy(backend):
    labels = R.integers(0, 5, size=(4, 3))
    if backend != "numpy":  # the fused kernels' batched values; gradients: the MLP below
        check_vmap(lambda z, y: F.cross_entropy(z, y), (X, labels), 0, diff=())
        return
    check_vmap(lambda z, y: F.cross_entropy(z, y), (X, labels), 0)
    check_vmap(lambda z, y: F.cross_entropy(z, y, reduction="none"), (X[0], labels), (None, 0))
    check_vmap(lambda z, y: F.cross_entropy(z, y, reduction="sum"), (X, labels[0]), (0, None))
    check_vmap(lambda z, y: F.cross_entropy(z * 2.0, y), (X, R.integers(0, 3, size=(4, 5))),
          (2, 1), nested=True,
          diff=())


def test_conv_and_pooling(backend):
    imgs = R.normal(size=(3, 1, 2, 4, 4))
    w = R.normal(size=(3, 2, 3, 3))
    b = R.normal(size=3)
    check_vmap(lambda x, w, b: F.conv2d(x, w, b, padding=1), (imgs, w, b), (0, None, None))
    check_vmap(lambda x, w: F.conv2d(x, w, stride=2), (imgs, np.stack([w] * 3)), 0)
    check_vmap(lambda x: F.max_pool2d(x, 2), (imgs,), 0)
    check_vmap(lambda x: F.avg_pool2d(x, 2), (imgs,), 1)
    check_vmap(lambda x: F.flatten(x), (imgs,), 0)


def test_dropout_follows_the_randomness_rule(backend):
    x = gnp.asarray(X)
    with pytest.raises(ValueError, match="randomness='same'"):
        ad.vmap(lambda v: F.dropout(v, 0.5))(x)
    np.testing.assert_array_equal(to_numpy(ad.vmap(lambda v: F.dropout(v, 0.5,
                                                                       training=False))(x)), X)
    gnp.random.seed(3)
    got = to_numpy(ad.vmap(lambda v: F.dropout(v, 0.25), randomness="same")(x))
    gnp.random.seed(3)
    keep = to_numpy(gnp.random.random(X.shape[1:])) >= 0.25  # one mask, every example
    np.testing.assert_allclose(got, X * keep / 0.75, rtol=1e-15)


# ---- per-example gradients -------------------------------------------------------------------

def _mlp(p, x):
    w1, b1, w2, b2 = p
    return F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)


def _cnn(p, x):
    w, b, wl, bl = p
    h = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
    return F.linear(F.flatten(h), wl, bl)


def _params(kind):
    r = np.random.default_rng(2)
    if kind == "mlp":
        return [r.normal(size=s) * 0.5 for s in [(6, 4), (6,), (3, 6), (3,)]], (5, 1, 4)
    return [r.normal(size=s) * 0.5 for s in [(2, 1, 3, 3), (2,), (3, 8), (3,)]], (5, 1, 1, 4, 4)


@pytest.mark.filterwarnings("error::gpuad.batching.BatchingWarning")
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_per_example_gradients(backend, kind):
    params, xshape = _params(kind)
    net = _mlp if kind == "mlp" else _cnn
    r = np.random.default_rng(3)
    xs = r.normal(size=xshape)
    ys = r.integers(0, 3, size=(xshape[0], 1))

    def loss(p, x, y):
        return F.cross_entropy(net(p, x), y)

    p_dev = [gnp.asarray(a) for a in params]
    got = ad.vmap(ad.grad(loss), (None, 0, 0))(p_dev, gnp.asarray(xs), gnp.asarray(ys))
    with reference():
        per = [ad.grad(loss)(params, xs[i], ys[i]) for i in range(len(xs))]
    for k, g in enumerate(got):
        want = np.stack([to_numpy(p[k]) for p in per])
        np.testing.assert_allclose(to_numpy(g), want, rtol=1e-10, atol=1e-12)
    # the gradient of the batch's summed loss is the sum of the per-example ones
    total = ad.grad(lambda p: gnp.sum(ad.vmap(loss, (None, 0, 0))(p, gnp.asarray(xs),
                                                                  gnp.asarray(ys))))(p_dev)
    for g, t in zip(total, got, strict=True):
        np.testing.assert_allclose(to_numpy(g), to_numpy(t).sum(0), rtol=1e-10, atol=1e-12)
    torch = pytest.importorskip("torch")
    func = pytest.importorskip("torch.func")
    tnn = torch.nn.functional

    def tnet(p, x):
        if kind == "mlp":
            return tnn.linear(tnn.relu(tnn.linear(x, p[0], p[1])), p[2], p[3])
        h = tnn.max_pool2d(tnn.relu(tnn.conv2d(x, p[0], p[1], padding=1)), 2)
        return tnn.linear(torch.flatten(h, 1), p[2], p[3])

    def tloss(p, x, y):
        return tnn.cross_entropy(tnet(p, x), y)

    tp = [torch.tensor(a) for a in params]
    ref = func.vmap(func.grad(tloss), (None, 0, 0))(tp, torch.tensor(xs), torch.tensor(ys))
    for g, t in zip(got, ref, strict=True):
        np.testing.assert_allclose(to_numpy(g), t.numpy(), rtol=1e-10, atol=1e-12)
