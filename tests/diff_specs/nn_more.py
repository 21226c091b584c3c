"""Derivative specs for the activations, losses, padding, shuffles, distances and dropout
variants of ``gpuad.nn.functional`` that follow torch's names (gpuad/nn/activations.py,
losses.py, layout.py, similarity.py, dropouts.py, bilinear.py)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
from gpuad.nn import functional as F

from . import Spec

N = "gpuad.nn.functional."


def _away(lo, hi, *shape, kinks=(0.0,)):
    """Uniform draws in [lo, hi] at least 0.1 from every kink."""

    def draw(rng):
        x = rng.uniform(lo, hi, shape)
        for k in kinks:
            near = np.abs(x - k) < 0.1
            x = np.where(near, k + 0.2 * np.sign(x - k + 1e-12), x)
        return (x,)

    return draw


def _one(*shape):
    return lambda r: (r.uniform(-1, 1, shape),)


def _two(*shape):
    return lambda r: (r.uniform(-1, 1, shape), r.uniform(-1, 1, shape))


def _pm1(*shape):
    return gnp.asarray(np.resize([1.0, -1.0, -1.0, 1.0, 1.0], shape))


def _seeded(fn):
    def run(x):
        with gnp.random.seeded(7):
            return fn(x)

    return run


def _first(name, fn, args):
    """First order only: these are compositions of primitives whose second derivatives the
    walk checks on their own (the CI budget); a few below keep the second order."""
    return Spec(name, fn, args, order=1)


SPECS: list[Spec] = [
    Spec(N + "elu", lambda x: F.elu(x, 0.7), _away(-2, 2, 3, 4)),
    _first(N + "selu", F.selu, _away(-2, 2, 3, 4)),
    _first(N + "celu", lambda x: F.celu(x, 2.0), _away(-2, 2, 3, 4)),
    _first(
        N + "hardtanh", lambda x: F.hardtanh(x, -1.0, 1.5), _away(-2, 2, 3, 4, kinks=(-1.0, 1.5))
    ),
    _first(N + "relu6", F.relu6, _away(-1, 7, 3, 4, kinks=(0.0, 6.0))),
    _first(N + "softsign", F.softsign, _away(-2, 2, 3, 4)),
    _first(N + "softplus", lambda x: F.softplus(x, 2.0, 3.0), _away(-3, 3, 3, 4, kinks=(1.5,))),
    _first(N + "mish", F.mish, _away(-3, 3, 3, 4, kinks=())),
    Spec(N + "hardswish", F.hardswish, _away(-4, 4, 3, 4, kinks=(-3.0, 3.0))),
    _first(N + "hardsigmoid", F.hardsigmoid, _away(-4, 4, 3, 4, kinks=(-3.0, 3.0))),
    _first(N + "logsigmoid", F.logsigmoid, _away(-4, 4, 3, 4, kinks=())),
    _first(N + "glu", lambda x: F.glu(x, 0), _away(-2, 2, 4, 3, kinks=())),
    _first(N + "softmin", lambda x: F.softmin(x, dim=0), _away(-2, 2, 3, 4, kinks=())),
    _first(N + "threshold", lambda x: F.threshold(x, 0.3, -1.0), _away(-2, 2, 3, 4, kinks=(0.3,))),
    _first(N + "tanhshrink", F.tanhshrink, _away(-2, 2, 3, 4, kinks=())),
    _first(N + "softshrink", F.softshrink, _away(-2, 2, 3, 4, kinks=(-0.5, 0.5))),
    _first(N + "hardshrink", F.hardshrink, _away(-2, 2, 3, 4, kinks=(-0.5, 0.5))),
    # rrelu's training draws: the rrelu_ spec (tests/diff_specs/nn_more2.py), which gpuad.jit
    # refuses as it refuses dropout's
    _first(N + "rrelu", lambda x: F.rrelu(x, 0.1, 0.4), _away(-2, 2, 3, 4)),
    _first(N + "prelu", F.prelu, lambda r: (_away(-2, 2, 2, 3, 4)(r)[0], r.uniform(0, 1, 3))),
    _first(
        N + "l1_loss",
        lambda a, b: F.l1_loss(a, b, weight=gnp.ones((3, 4)) * 0.5),
        lambda r: (_away(-2, 2, 3, 4)(r)[0], np.zeros((3, 4))),
    ),
    Spec(
        N + "huber_loss",
        lambda a, b: F.huber_loss(a, b, delta=0.5),
        lambda r: (_away(-2, 2, 3, 4, kinks=(-0.5, 0.5))(r)[0], np.zeros((3, 4))),
    ),
    Spec(
        N + "kl_div",
        lambda a, b: F.kl_div(a, b, "batchmean"),
        lambda r: (r.uniform(-2, -0.5, (3, 4)), r.uniform(0.1, 1, (3, 4))),
    ),
    Spec(N + "kl_div", lambda a, b: F.kl_div(a, b, "none", log_target=True), _two(3, 4)),
    _first(
        N + "binary_cross_entropy",
        F.binary_cross_entropy,
        lambda r: (r.uniform(0.1, 0.9, (3, 4)), r.uniform(0, 1, (3, 4))),
    ),
    _first(
        N + "poisson_nll_loss",
        lambda a, b: F.poisson_nll_loss(a, b, False, True),
        lambda r: (r.uniform(0.5, 2, (3, 4)), r.uniform(1.2, 3, (3, 4))),
    ),
    Spec(
        N + "gaussian_nll_loss",
        F.gaussian_nll_loss,
        lambda r: (*_two(3, 4)(r), r.uniform(0.5, 2, (3, 4))),
    ),
    _first(
        N + "margin_ranking_loss",
        lambda a, b: F.margin_ranking_loss(a, b, _pm1(6), 0.5),
        lambda r: (r.uniform(-1, 1, 6), r.uniform(-1, 1, 6) + 3 * np.resize([1, -1], 6)),
    ),
    _first(
        N + "hinge_embedding_loss",
        lambda x: F.hinge_embedding_loss(x, _pm1(3, 4)),
        _away(-2, 3, 3, 4, kinks=(1.0,)),
    ),
    _first(N + "soft_margin_loss", lambda x: F.soft_margin_loss(x, _pm1(3, 4)), _one(3, 4)),
    _first(
        N + "cosine_embedding_loss",
        lambda a, b: F.cosine_embedding_loss(a, b, _pm1(4), -1.0),
        _two(4, 3),
    ),
    _first(
        N + "triplet_margin_loss",
        lambda a, p, n: F.triplet_margin_loss(a, p, n, 3.0),
        lambda r: tuple(r.uniform(-1, 1, (4, 3)) for _ in range(3)),
    ),
    _first(
        N + "multi_margin_loss",
        lambda x: F.multi_margin_loss(x, gnp.asarray(np.array([0, 3, 1])), p=2, margin=2.0),
        lambda r: (r.uniform(-0.5, 0.5, (3, 4)),),
    ),
    _first(
        N + "multilabel_soft_margin_loss",
        lambda x: F.multilabel_soft_margin_loss(x, gnp.asarray(np.resize([0.0, 1.0], (3, 4)))),
        _one(3, 4),
    ),
    _first(N + "pad", lambda x: F.pad(x, (1, 2, 2, 0), "reflect"), _one(2, 3, 4)),
    _first(N + "pad", lambda x: F.pad(x, (-1, 2), value=0.5), _one(2, 3)),
    _first(N + "pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), _one(1, 4, 2, 3)),
    _first(N + "pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), _one(1, 1, 4, 2)),
    _first(N + "normalize", lambda x: F.normalize(x, 3.0), _one(3, 4)),
    Spec(N + "cosine_similarity", F.cosine_similarity, _two(3, 4)),
    _first(N + "pairwise_distance", F.pairwise_distance, _two(3, 4)),
    Spec(
        N + "bilinear",
        F.bilinear,
        lambda r: (
            r.uniform(-1, 1, (2, 3)),
            r.uniform(-1, 1, (2, 2)),
            r.uniform(-1, 1, (4, 3, 2)),
            r.uniform(-1, 1, 4),
        ),
    ),
    _first(N + "dropout1d", _seeded(lambda x: F.dropout1d(x, 0.4)), _one(2, 3, 4)),
    _first(N + "dropout2d", _seeded(lambda x: F.dropout2d(x, 0.4)), _one(3, 2, 2)),
    _first(N + "dropout3d", _seeded(lambda x: F.dropout3d(x, 0.4)), _one(3, 2, 2, 1)),
    _first(
        N + "alpha_dropout", _seeded(lambda x: F.alpha_dropout(x, 0.4, training=True)), _one(3, 4)
    ),
    _first(
        N + "feature_alpha_dropout",
        _seeded(lambda x: F.feature_alpha_dropout(x, 0.4, training=True)),
        _one(2, 3, 2),
    ),
]

EXEMPT: dict[str, str] = {
    N + "one_hot": "integer labels to an integer encoding: nothing to differentiate",
}
