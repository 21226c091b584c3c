"""Derivative specs for the convolutions, pooling, normalisation and attention functions of
``gpuad.nn.functional`` (gpuad/nn/conv.py, pooling.py, normalization.py, attention.py)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
from gpuad.nn import functional as F

from . import Spec

N = "gpuad.nn.functional."


def _u(*shapes):
    return lambda r: tuple(r.uniform(-1, 1, s) for s in shapes)


def _distinct(*shape):
    """Values at least 0.1 apart: no ties for a max to break."""

    def draw(r):
        n = int(np.prod(shape))
        return (r.permutation(n).reshape(shape) * 0.1 + r.uniform(-0.02, 0.02, shape),)

    return draw


def _mask():
    return gnp.asarray(np.array([[True, False, True], [False, True, True]]))


SPECS: list[Spec] = [
    Spec(
        N + "conv1d",
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2),
        _u((1, 2, 5), (4, 1, 2), (4,)),
    ),
    Spec(
        N + "conv3d",
        lambda x, w: F.conv3d(x, w, padding=(0, 1, 0)),
        _u((1, 1, 2, 2, 2), (1, 1, 2, 2, 1)),
    ),
    Spec(
        N + "conv_transpose1d",
        lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, output_padding=1),
        _u((1, 2, 3), (2, 1, 2), (1,)),
    ),
    Spec(
        N + "conv_transpose2d",
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, groups=2),
        _u((1, 2, 2, 2), (2, 1, 2, 2)),
    ),
    Spec(
        N + "conv_transpose3d",
        lambda x, w: F.conv_transpose3d(x, w, stride=(1, 2, 1)),
        _u((1, 1, 1, 2, 2), (1, 1, 1, 2, 1)),
    ),
    Spec(N + "max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), _distinct(1, 2, 5)),
    Spec(N + "max_pool3d", lambda x: F.max_pool3d(x, 2, ceil_mode=True), _distinct(1, 2, 3, 2)),
    Spec(
        N + "avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), _u((1, 2, 5))
    ),
    Spec(N + "avg_pool3d", lambda x: F.avg_pool3d(x, 2, 1), _u((1, 2, 3, 2))),
    Spec(N + "adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), _u((1, 2, 5))),
    Spec(N + "adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), _u((1, 3, 4))),
    Spec(
        N + "adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (1, 2, 2)), _u((1, 2, 3, 3))
    ),
    Spec(N + "adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 3), _distinct(1, 2, 5)),
    Spec(N + "adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)), _distinct(1, 3, 4)),
    Spec(N + "adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, 2), _distinct(1, 3, 2, 3)),
    Spec(
        N + "batch_norm",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda r: (r.uniform(-1, 1, (3, 2, 2)), r.uniform(0.5, 1.5, 2), r.uniform(-1, 1, 2)),
    ),
    Spec(
        N + "batch_norm",
        lambda x, m, v: F.batch_norm(x, m, v),
        lambda r: (r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2), r.uniform(0.5, 1.5, 2)),
    ),
    Spec(
        N + "group_norm",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda r: (r.uniform(-1, 1, (2, 4, 2)), r.uniform(0.5, 1.5, 4), r.uniform(-1, 1, 4)),
    ),
    Spec(N + "instance_norm", lambda x: F.instance_norm(x), _u((2, 2, 3))),
    Spec(
        N + "scaled_dot_product_attention",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=_mask()),
        _u((2, 2), (3, 2), (3, 2)),
    ),
    Spec(
        N + "scaled_dot_product_attention",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
        _u((1, 3, 2), (1, 3, 2), (1, 3, 1)),
    ),
]
