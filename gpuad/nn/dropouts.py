"""Dropout variants of ``torch.nn.functional``: whole channels (``dropout1d``, ``dropout2d``,
``dropout3d``), and the self-normalising ``alpha_dropout`` and ``feature_alpha_dropout``,
with their Modules. Masks are drawn from ``gpuad.numpy.random`` (seed it with
``gnp.random.seed``), so ``gpuad.checkpoint`` replays the same mask; the stream differs from
torch's, so the masks do too.

Example::

    import gpuad.nn.functional as F
    h = F.dropout2d(feature_maps, 0.2, training=True)   # zeroes whole (H, W) planes
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._raw import data  # named data: gpuad.jit redirects it here while tracing
from .activations import _SELU_ALPHA, _SELU_SCALE
from .inplace_write import inplace_arg
from .modules import Module

__all__ = [
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "AlphaDropout",
    "FeatureAlphaDropout",
]

Array = Any  # a Tensor or a backend array

_ALPHA = _SELU_ALPHA * _SELU_SCALE  # -selu's limit at -inf, where alpha dropout sends drops


def _check_p(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be in [0, 1], got {p}")


def _keep(x: Array, shape: tuple[int, ...], p: float) -> Any:
    """A 0/1 mask of ``shape`` in ``x``'s dtype, each entry 1 with probability ``1 - p``."""
    return (gnp.random.random(shape) >= p).astype(data(x).dtype)


def _feature_shape(op: str, x: Array, k: int) -> tuple[int, ...]:
    """The mask shape of channel dropout over the last ``k`` (spatial) axes: an input
    (N, C, *spatial) or (C, *spatial) keeps or drops whole channels."""
    s = _r.shape(x)
    if len(s) not in (k + 1, k + 2):
        raise ValueError(
            f"{op}: expected an input (N, C, {k} spatial axes) or (C, {k} spatial "
            f"axes), got shape {s}"
        )
    return s[:-k] + (1,) * k


def _channel_dropout(op: str, x: Array, p: float, training: bool, inplace: bool, k: int) -> Array:
    _check_p(op, p)
    shape = _feature_shape(op, x, k)
    if not training or p == 0.0:
        return x
    if inplace:
        return inplace_arg(op, lambda v: _channel_dropout(op, v, p, True, False, k), x)
    if p == 1.0:
        return x * 0.0
    return x * (_keep(x, shape, p) * (1.0 / (1.0 - p)))


def dropout1d(input: Array, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p``, scaling the
    rest by ``1/(1-p)``. Example: ``F.dropout1d(x, 0.1)``"""
    return _channel_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input: Array, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
    """``dropout1d`` of (N, C, H, W) or (C, H, W) inputs: whole (H, W) planes. A 2-D input
    (N, C) drops single entries with torch's deprecation warning, as torch (its mask is one
    per channel of each sample). Example: ``F.dropout2d(x, 0.1)``"""
    if len(_r.shape(input)) == 2:
        warnings.warn(
            "dropout2d: Received a 2-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release (torch's message). Each entry is "
            "dropped on its own; use dropout instead", UserWarning, stacklevel=2)
        _check_p("dropout2d", p)
        if not training or p == 0.0:
            return input
        if inplace:
            return inplace_arg("dropout2d", lambda v: dropout2d(v, p, True, False), input)
        if p == 1.0:
            return input * 0.0
        return input * (_keep(input, _r.shape(input), p) * (1.0 / (1.0 - p)))
    return _channel_dropout("dropout2d", input, p, training, inplace, 2)


def dropout3d(input: Array, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
    """``dropout1d`` of (N, C, D, H, W) or (C, D, H, W) inputs: whole volumes.
    Example: ``F.dropout3d(x, 0.1)``"""
    return _channel_dropout("dropout3d", input, p, training, inplace, 3)


def _alpha(
    op: str, x: Array, shape: tuple[int, ...], p: float, training: bool, inplace: bool
) -> Array:
    _check_p(op, p)
    if not training or p == 0.0:
        return x
    if inplace:
        return inplace_arg(op, lambda v: _alpha(op, v, shape, p, True, False), x)
    if p == 1.0:
        return x * 0.0
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    keep = _keep(x, shape, p)
    return x * (keep * a) + ((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p)


def alpha_dropout(
    input: Array, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Array:
    """Dropout for SELU networks: dropped entries become selu's negative saturation value and
    an affine map restores zero mean and unit variance, as torch (note ``training=False`` by
    default, as there). Example: ``F.alpha_dropout(x, 0.1, training=True)``"""
    return _alpha("alpha_dropout", input, _r.shape(input), p, training, inplace)


def feature_alpha_dropout(
    input: Array, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Array:
    """``alpha_dropout`` of whole channels (axis 1) of an (N, C, ...) input (any input
    where nothing is drawn: ``eval()``, ``p`` 0 or 1, as torch).
    Example: ``F.feature_alpha_dropout(x, 0.1, training=True)``"""
    s = _r.shape(input)
    draws = training and 0.0 < p < 1.0 and math.prod(s) > 0  # torch checks the dims then only
    if len(s) < 2 and draws:
        raise ValueError(f"feature_alpha_dropout: expected an input (N, C, ...), got shape {s}")
    return _alpha("feature_alpha_dropout", input, s[:2] + (1,) * max(len(s) - 2, 0), p, training,
                  inplace)


class _DropoutModule(Module):
    _fn: Any = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        _check_p(type(self).__name__, p)
        self.p, self.inplace = p, inplace

    def forward(self, input: Array) -> Array:
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutModule):
    """``dropout1d`` while training, identity in ``eval()``. Example: ``nn.Dropout1d(0.1)``"""

    _fn = dropout1d


class Dropout2d(_DropoutModule):
    """``dropout2d`` while training, identity in ``eval()``. Example: ``nn.Dropout2d(0.1)``"""

    _fn = dropout2d


class Dropout3d(_DropoutModule):
    """``dropout3d`` while training, identity in ``eval()``. Example: ``nn.Dropout3d(0.1)``"""

    _fn = dropout3d


class AlphaDropout(_DropoutModule):
    """``alpha_dropout`` while training, identity in ``eval()``. Example:
    ``nn.AlphaDropout(0.1)``"""

    _fn = alpha_dropout


class FeatureAlphaDropout(_DropoutModule):
    """``feature_alpha_dropout`` while training, identity in ``eval()``. Example:
    ``nn.FeatureAlphaDropout(0.1)``"""

    _fn = feature_alpha_dropout
