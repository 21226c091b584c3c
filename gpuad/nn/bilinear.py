"""``torch.nn.functional.bilinear`` and ``nn.Bilinear``: ``y_k = x1 W_k x2 + b_k``.

Example::

    import gpuad.nn as nn
    y = nn.Bilinear(3, 4, 2)(x1, x2)   # (N, 3) and (N, 4) to (N, 2)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from . import init
from .modules import Module, Parameter

__all__ = ["bilinear", "Bilinear"]

Array = Any  # a Tensor or a backend array


def bilinear(input1: Array, input2: Array, weight: Array, bias: Array | None = None) -> Array:
    """``y[..., k] = sum_ij input1[..., i] weight[k, i, j] input2[..., j] + bias[k]``, with
    ``weight`` (out, in1, in2) and inputs (*, in1) and (*, in2) of one batch shape.

    Example: ``F.bilinear(a, b, w, bias)``
    """
    s1, s2, sw = _r.shape(input1), _r.shape(input2), _r.shape(weight)
    if len(sw) != 3 or not s1 or not s2 or s1[:-1] != s2[:-1] or (s1[-1], s2[-1]) != sw[1:]:
        raise ValueError(
            f"bilinear: expected input1 (*, {sw[1:2]}), input2 (*, {sw[2:3]}) of "
            f"one batch shape and weight (out, in1, in2); got {s1}, {s2} and {sw}"
            if len(sw) == 3
            else f"bilinear: weight must be 3-d (out, in1, in2), got shape {sw}"
        )
    y = gnp.einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias


class Bilinear(Module):
    """``bilinear`` with learnable weight (out, in1, in2) and bias, both drawn uniformly from
    ``+-1/sqrt(in1)`` as torch. Example: ``nn.Bilinear(3, 4, 2)``"""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        b = 1.0 / math.sqrt(max(in1_features, 1))
        shape = (out_features, in1_features, in2_features)
        self.weight = Parameter(init.uniform(shape, -b, b, dtype))
        self.bias = Parameter(init.uniform((out_features,), -b, b, dtype)) if bias else None

    def forward(self, input1: Array, input2: Array) -> Array:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
