"""Derivative specs for ``gpuad.nn.functional``."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
from gpuad.nn import functional as F

from . import Spec

N = "gpuad.nn.functional."


def _u(*shape, lo=-1.0, hi=1.0):
    return lambda rng: (rng.uniform(lo, hi, shape),)


def _away(rng, *shape):
    """Magnitudes in [0.2, 2] with random signs: away from the kink at 0."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _distinct(rng, *shape):
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) * 0.1 + rng.uniform(-0.02, 0.02, shape)


def _smooth_l1_args(r):
    """Differences on both sides of beta = 0.5, none near the kink at |d| = 0.5."""
    a = r.uniform(-1, 1, (3, 4))
    d = r.choice([-1.0, 1.0], (3, 4)) * np.where(r.uniform(size=(3, 4)) < 0.5,
                                                r.uniform(0.05, 0.35, (3, 4)),
                                                r.uniform(0.7, 1.5, (3, 4)))
    return a, a - d


def _labels():
    return gnp.asarray(np.array([2, 0, 1]))


def _dropout(x):
    with gnp.random.seeded(7):
        return F.dropout(x, 0.4)


SPECS: list[Spec] = [
    Spec(N + "relu", F.relu, lambda r: (_away(r, 3, 4),)),
    Spec(N + "leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda r: (_away(r, 3, 4),)),
    Spec(N + "gelu", F.gelu, _u(3, 4, lo=-3, hi=3)),
    Spec(N + "silu", F.silu, _u(3, 4, lo=-3, hi=3)),
    Spec(N + "sigmoid", F.sigmoid, _u(3, 4, lo=-4, hi=4)),
    Spec(N + "tanh", F.tanh, _u(3, 4, lo=-2, hi=2)),
    Spec(N + "softplus", F.softplus, _u(3, 4, lo=-4, hi=4)),
    Spec(N + "softmax", lambda x: F.softmax(x, axis=0), _u(3, 4, lo=-2, hi=2)),
    Spec(N + "log_softmax", F.log_softmax, _u(3, 4, lo=-2, hi=2)),
    Spec(N + "logsumexp", lambda x: F.logsumexp(x, axis=1), _u(3, 4, lo=-2, hi=2)),
    Spec(N + "linear", F.linear, lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, (4, 3)),
                                            r.uniform(-1, 1, 4))),
    Spec(N + "linear", lambda x, w: F.linear(x, w), lambda r: (r.uniform(-1, 1, (2, 3)),
                                                               r.uniform(-1, 1, (4, 3)))),
    Spec(N + "dropout", _dropout, _u(3, 4)),
    Spec(N + "embedding", lambda w: F.embedding(gnp.asarray(np.array([[0, 2], [2, 1]])), w),
         _u(3, 4)),
    Spec(N + "layer_norm", lambda x, g, b: F.layer_norm(x, (4,), g, b),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(0.5, 1.5, 4), r.uniform(-1, 1, 4))),
    Spec(N + "conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
         lambda r: (r.uniform(-1, 1, (2, 2, 4, 4)), r.uniform(-1, 1, (3, 2, 3, 3)),
                    r.uniform(-1, 1, 3))),
    Spec(N + "conv2d", lambda x, w: F.conv2d(x, w, None, stride=2),
         lambda r: (r.uniform(-1, 1, (1, 2, 5, 5)), r.uniform(-1, 1, (2, 2, 2, 2)))),
    Spec(N + "max_pool2d", lambda x: F.max_pool2d(x, 2), lambda r: (_distinct(r, 2, 1, 4, 4),)),
    Spec(N + "avg_pool2d", lambda x: F.avg_pool2d(x, 2), _u(2, 1, 4, 5)),
    Spec(N + "max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
         lambda r: (_distinct(r, 1, 2, 5, 6),)),
    Spec(N + "avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=1, padding=1,
                                                  count_include_pad=False),
         _u(1, 2, 4, 5)),
    Spec(N + "flatten", F.flatten, _u(2, 3, 2)),
    Spec(N + "mse_loss", F.mse_loss, lambda r: (r.uniform(-1, 1, (3, 4)),
                                                r.uniform(-1, 1, (3, 4)))),
    Spec(N + "mse_loss", lambda a, b: F.mse_loss(a, b, reduction="none"),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(-1, 1, (3, 4)))),
    Spec(N + "cross_entropy", lambda z: F.cross_entropy(z, _labels()), _u(3, 4, lo=-2, hi=2)),
    Spec(N + "cross_entropy", lambda z: F.cross_entropy(z, _labels(), reduction="sum"),
         _u(3, 4, lo=-2, hi=2)),
    Spec(N + "cross_entropy",  # torch's options: the masked, weighted, smoothed path
         lambda z, w: F.cross_entropy(z, gnp.asarray(np.array([[2, -100], [0, 1], [1, 1]])),
                                      weight=w, label_smoothing=0.2),
         lambda r: (r.uniform(-2, 2, (3, 4, 2)), r.uniform(0.5, 2, 4))),
    Spec(N + "cross_entropy",  # probability targets
         lambda z, p: F.cross_entropy(z, p, reduction="none"),
         lambda r: (r.uniform(-2, 2, (3, 4)), r.dirichlet(np.ones(4), 3))),
    Spec(N + "binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
         lambda r: (r.uniform(-3, 3, (3, 4)), r.uniform(0, 1, (3, 4)))),
    Spec(N + "nll_loss", lambda z: F.nll_loss(F.log_softmax(z, axis=1), _labels()),
         _u(3, 4, lo=-2, hi=2)),
    Spec(N + "nll_loss", lambda z: F.nll_loss(z, _labels(), reduction="none"), _u(3, 4)),
    Spec(N + "nll_loss", lambda z: F.nll_loss(z, gnp.asarray(np.array([2, -100, 1])),
                                              weight=gnp.asarray(np.array([0.5, 2.0, 1.5, 1.0]))),
         _u(3, 4)),
    Spec(N + "smooth_l1_loss", lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
         lambda r: _smooth_l1_args(r)),
]

EXEMPT: dict[str, str] = {}
