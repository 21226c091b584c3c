"""Derivative specs for the embeddings with torch's arguments, resampling, fold/unfold,
rms_norm, the smaller layers and losses, and the in-place activations of
``gpuad.nn.functional`` (gpuad/nn/embeddings.py, resample.py, fold.py, misc_layers.py,
inplace_activations.py, distances.py, ctc.py, fractional_pooling.py,
linear_losses.py). First order (cdist: second): the compositions' second
derivatives are their primitives', checked on their own."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
from gpuad.nn import functional as F

from . import Spec

N = "gpuad.nn.functional."


def _u(*shapes, lo=-1.0, hi=1.0):
    return lambda r: tuple(r.uniform(lo, hi, s) for s in shapes)


def _away(*shape):
    """Draws at least 0.1 from 0 (the kink of the in-place activations)."""

    def draw(r):
        x = r.uniform(0.1, 1.0, shape) * np.where(r.uniform(size=shape) < 0.5, -1.0, 1.0)
        return (x,)

    return draw


def _seeded(fn):
    def run(x):
        with gnp.random.seeded(7):
            return fn(x)

    return run


def _spec(name, fn, args):
    return Spec(N + name, fn, args, order=1)


IMG = (1, 2, 3, 4)
SPECS: list[Spec] = [
    _spec(
        "embedding_bag",
        lambda w, p: F.embedding_bag(
            np.array([[1, 2], [0, 2]]), w, mode="sum", per_sample_weights=p
        ),
        _u((3, 2), (2, 2)),
    ),
    _spec("interpolate", lambda x: F.interpolate(x, size=(4, 3), mode="bicubic"), _u(IMG)),
    _spec("upsample", lambda x: F.upsample(x, scale_factor=1.5, mode="bilinear"), _u(IMG)),
    _spec("upsample_nearest", lambda x: F.upsample_nearest(x, scale_factor=2), _u(IMG)),
    _spec("upsample_bilinear", lambda x: F.upsample_bilinear(x, size=(2, 5)), _u(IMG)),
    _spec("affine_grid", lambda t: F.affine_grid(t, (1, 1, 2, 3)), _u((1, 2, 3))),
    _spec("grid_sample", lambda x, g: F.grid_sample(x, g), _u(IMG, (1, 2, 2, 2))),
    _spec(
        "grid_sample",
        lambda x, g: F.grid_sample(x, g, "bicubic", "reflection", align_corners=False),
        _u(IMG, (1, 2, 2, 2), lo=-1.3, hi=1.3),
    ),
    _spec("unfold", lambda x: F.unfold(x, 2, padding=1, stride=2), _u(IMG)),
    _spec("fold", lambda x: F.fold(x, (3, 3), 2), _u((1, 4, 4))),
    _spec("rms_norm", lambda x, w: F.rms_norm(x, (4,), w), _u(IMG, (4,))),
    _spec("channel_shuffle", lambda x: F.channel_shuffle(x, 2), _u(IMG)),
    _spec("pdist", F.pdist, _u((3, 2))),
    Spec(N + "cdist", lambda a, b: F.cdist(a, b, 3.0), _u((2, 3, 2), (4, 2))),
    _spec(
        "ctc_loss",
        lambda x: F.ctc_loss(
            F.log_softmax(x, -1), np.array([[1, 2], [2, 2]]), (5, 4), (2, 2), reduction="sum"
        ),
        _u((5, 2, 3)),
    ),
    _spec(
        "fractional_max_pool2d",
        lambda x: F.fractional_max_pool2d(
            x, 2, output_size=(2, 2), _random_samples=np.array([[[0.3, 0.7], [0.6, 0.1]]])
        ),
        _u((1, 2, 4, 5)),
    ),
    _spec(
        "fractional_max_pool3d",
        lambda x: F.fractional_max_pool3d(
            x, 2, output_size=(2, 2, 2), _random_samples=np.array([[[0.3, 0.7, 0.5]]])
        ),
        _u((1, 1, 4, 4, 5)),
    ),
    _spec(
        "linear_cross_entropy",
        lambda x, w, b: F.linear_cross_entropy(
            x, w, np.array([0, 2, 1]), linear_bias=b, label_smoothing=0.1
        ),
        _u((3, 4), (3, 4), (3,)),
    ),
    _spec("local_response_norm", lambda x: F.local_response_norm(x, 2), _u(IMG)),
    _spec("gumbel_softmax", _seeded(lambda x: F.gumbel_softmax(x, tau=0.5)), _u((2, 3))),
    _spec("lp_pool1d", lambda x: F.lp_pool1d(x, 2, 2), _u((1, 2, 4), lo=0.2)),
    _spec("lp_pool2d", lambda x: F.lp_pool2d(x, 3, 2), _u(IMG, lo=0.2)),
    _spec("lp_pool3d", lambda x: F.lp_pool3d(x, 2, (1, 2, 2)), _u((1, 1, 2, 2, 4), lo=0.2)),
    _spec("max_unpool1d", lambda x: F.max_unpool1d(x, np.array([[[1, 2]]]), 2), _u((1, 1, 2))),
    _spec("max_unpool2d", lambda x: F.max_unpool2d(x, np.array([[[[0, 3]]]]), 2), _u((1, 1, 1, 2))),
    _spec(
        "max_unpool3d",
        lambda x: F.max_unpool3d(x, np.array([[[[[0, 7]]]]]), 2),
        _u((1, 1, 1, 1, 2)),
    ),
    _spec(
        "multilabel_margin_loss",
        lambda x: F.multilabel_margin_loss(x, np.array([[0, -1, 1]])),
        _u((1, 3), lo=-0.2, hi=0.2),
    ),
    _spec(
        "triplet_margin_with_distance_loss",
        lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=5.0),
        _u((2, 3), (2, 3), (2, 3)),
    ),
    _spec("relu_", lambda x: F.relu_(x * 1.0), _away(2, 3)),
    _spec("elu_", lambda x: F.elu_(x * 1.0, 0.5), _away(2, 3)),
    _spec("leaky_relu_", lambda x: F.leaky_relu_(x * 1.0, 0.2), _away(2, 3)),
    _spec("hardtanh_", lambda x: F.hardtanh_(x * 1.0, -0.5, 0.5), _away(2, 3)),
    _spec("selu_", lambda x: F.selu_(x * 1.0), _away(2, 3)),
    _spec("celu_", lambda x: F.celu_(x * 1.0, 1.5), _away(2, 3)),
    _spec("threshold_", lambda x: F.threshold_(x * 1.0, 0.05, -1.0), _away(2, 3)),
    _spec("rrelu_", _seeded(lambda x: F.rrelu_(x * 1.0, 0.1, 0.4, training=True)), _away(2, 3)),
]
