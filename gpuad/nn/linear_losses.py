"""torch's ``linear_cross_entropy`` and ``LinearCrossEntropyLoss``: a linear map to logits
followed by ``cross_entropy``, as one call.

torch's ``options`` pick a chunked evaluation that saves memory; its value is that of the
unchunked reference, which is what gpuad computes (``options`` is accepted and not used).

Example::

    loss = nn.LinearCrossEntropyLoss(5, 10, out_features=(4, 3))
    loss(x, y)       # x (N, 5), y (N, 4, 3) class indices or (N, 10, 4, 3) probabilities
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .functional import cross_entropy
from .modules import Linear, Module

Array = Any


def linear_cross_entropy(
    input: Array,
    linear_weight: Array,
    target: Array,
    *,
    linear_bias: Array | None = None,
    weight: Array | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: Any = None,
) -> Array:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, as torch's:
    ``input`` (N, in) or (in,), ``linear_weight`` (C, in) or (C, d1, ..., dK, in) for a
    K-dimensional loss (logits (N, C, d1, ..., dK)); ``ignore_index=None`` is -100.

    Example: ``F.linear_cross_entropy(x, w, y, reduction='sum')``
    """
    xs, ws = tuple(_r.shape(input)), tuple(_r.shape(linear_weight))
    if len(xs) not in (1, 2) or len(ws) < 2 or xs[-1] != ws[-1]:
        raise ValueError(
            f"linear_cross_entropy: expected input (N, in) or (in,) and linear_weight "
            f"(C, ..., in) with the same in, got shapes {xs} and {ws}"
        )
    if len(ws) > 2 and len(xs) != 2:
        raise ValueError(
            f"linear_cross_entropy: a K-dimensional linear_weight {ws} needs a batched "
            f"input (N, in), got shape {xs}"
        )
    logits = gnp.tensordot(input, linear_weight, axes=([-1], [-1]))
    if linear_bias is not None:
        logits = logits + linear_bias
    return cross_entropy(logits, target, reduction, weight=weight,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


class LinearCrossEntropyLoss(Module):
    """``linear_cross_entropy`` with its weight held in ``self.linear`` (an ``nn.Linear`` of
    ``num_classes * prod(out_features)`` outputs, reshaped to (C, *out_features, in) on each
    call) and the class weights as the buffer ``weight``: torch's module and state dict.

    Example: ``nn.LinearCrossEntropyLoss(5, 10)(x, y)``
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (),
                 bias: bool = False, device: Any = None, dtype: Any = None,
                 reduction: str = "mean", weight: Array | None = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options: Any = None) -> None:
        if weight is not None and tuple(_r.shape(weight)) != (num_classes,):
            raise ValueError(f"LinearCrossEntropyLoss: weight must have shape "
                             f"({num_classes},), got {tuple(_r.shape(weight))}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"LinearCrossEntropyLoss: label_smoothing must lie in [0, 1], "
                             f"got {label_smoothing}")
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.reduction, self.ignore_index = reduction, ignore_index
        self.label_smoothing, self.options = label_smoothing, options
        self.register_buffer("weight", weight)
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes),
                             bias=bias, dtype=float if dtype is None else dtype)

    def forward(self, input: Array, target: Array) -> Array:
        lin = self.linear
        shape = (self.num_classes, *self.out_features)
        return linear_cross_entropy(
            input, gnp.reshape(lin.weight, shape + (lin.in_features,)), target,
            linear_bias=None if lin.bias is None else gnp.reshape(lin.bias, shape),
            weight=self.weight, reduction=self.reduction, ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}")
