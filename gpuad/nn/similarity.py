"""Norms, distances and similarities of ``torch.nn.functional``: ``normalize``,
``cosine_similarity``, ``pairwise_distance``, and their Modules.

The ``p``-norms have derivative 0 at a zero vector, as torch's.

Example::

    import gpuad.nn.functional as F
    sim = F.cosine_similarity(F.normalize(a, dim=-1), b, dim=-1)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data  # named data: gpuad.jit redirects it here while tracing
from .modules import Module

__all__ = [
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "CosineSimilarity",
    "PairwiseDistance",
]

Array = Any  # a Tensor or a backend array


def _pnorm(x: Array, p: float, axis: int, keepdims: bool = False) -> Array:
    """The ``p``-norm along ``axis`` (``p`` = inf or 0 too); derivative 0 at a zero vector."""
    if p == 2:
        return gnp.linalg.norm(x, axis=axis, keepdims=keepdims)
    a = gnp.abs(x)
    if p == math.inf:
        return gnp.max(a, axis=axis, keepdims=keepdims)
    if p == 0:
        # the count of nonzeros, still a function of x (of derivative 0), as torch's
        return gnp.sum(gnp.where(data(a) != 0, 1.0, a), axis=axis, keepdims=keepdims)
    if p == 1:
        return gnp.sum(a, axis=axis, keepdims=keepdims)
    if p < 0:
        raise ValueError(f"norm: p must be >= 0, got {p}")
    total = gnp.sum(a**p, axis=axis, keepdims=keepdims)
    zero = data(total) == 0
    return gnp.where(zero, 0.0, gnp.where(zero, 1.0, total) ** (1.0 / p))


def normalize(input: Array, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Array:
    """``input`` divided by its ``p``-norm along ``dim``, the norm raised to at least ``eps``.

    Example: ``F.normalize(emb, dim=-1)`` gives rows of unit length.
    """
    n = _pnorm(input, p, dim, keepdims=True)
    return input / gnp.where(data(n) < eps, eps, n)  # a NaN norm stays NaN, as torch's


def cosine_similarity(x1: Array, x2: Array, dim: int = 1, eps: float = 1e-8) -> Array:
    """``sum(x1 * x2) / (|x1| |x2|)`` along ``dim`` (inputs broadcast), each norm raised to at
    least ``eps`` with its derivative passed through, as torch.

    Example: ``F.cosine_similarity(a, b, dim=-1)`` maps two (N, D) arrays to (N,).
    """
    shape = gnp.broadcast_shapes(_r.shape(x1), _r.shape(x2))
    if not shape:
        raise ValueError("cosine_similarity: expected inputs with at least one dimension")
    if tuple(_r.shape(x1)) != shape:
        x1 = gnp.broadcast_to(x1, shape)
    if tuple(_r.shape(x2)) != shape:
        x2 = gnp.broadcast_to(x2, shape)
    parts = []
    for x in (x1, x2):
        n = gnp.linalg.norm(x, axis=dim, keepdims=True)
        const = stop_gradient(n)
        parts.append(x / (n + (gnp.maximum(const, eps) - const)))
    return gnp.sum(parts[0] * parts[1], axis=dim)


def pairwise_distance(
    x1: Array, x2: Array, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Array:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last axis (inputs broadcast), as torch.

    Example: ``F.pairwise_distance(a, b)`` maps two (N, D) arrays to (N,).
    """
    if not _r.shape(x1) and not _r.shape(x2):
        raise ValueError("pairwise_distance: expected inputs with at least one dimension")
    return _pnorm(x1 - x2 + eps, p, -1, keepdim)


class CosineSimilarity(Module):
    """``cosine_similarity`` as a module. Example: ``nn.CosineSimilarity(dim=-1)(a, b)``"""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        self.dim, self.eps = dim, eps

    def forward(self, x1: Array, x2: Array) -> Array:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``pairwise_distance`` as a module. Example: ``nn.PairwiseDistance(p=1.0)(a, b)``"""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Array, x2: Array) -> Array:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
