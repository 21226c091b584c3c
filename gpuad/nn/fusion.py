"""torch's ``nn.utils.fuse_conv_bn_eval``, ``fuse_conv_bn_weights``, ``fuse_linear_bn_eval``
and ``fuse_linear_bn_weights``: fold an evaluation-mode BatchNorm into the convolution or
linear layer before it (inference only: the fused weights are new leaf Parameters).

Example: ``fused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn.eval())``
"""

from __future__ import annotations

import copy
from typing import Any

from .. import numpy as gnp
from .._raw import data
from .modules import Module, Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def _raw(x: Any) -> Any:
    return None if x is None else data(x) if hasattr(x, "grad") else gnp.asarray(x)


def _grad_of(x: Any) -> bool:
    return bool(getattr(x, "requires_grad", False))


def _check_eval(op: str, a: Module, bn: Module) -> None:
    if a.training or bn.training:
        raise ValueError(f"{op}: fusion is only for evaluation; call .eval() on both modules")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(f"{op}: the BatchNorm tracks no running statistics")


def fuse_conv_bn_weights(conv_w: Any, conv_b: Any, bn_rm: Any, bn_rv: Any, bn_eps: float,
                         bn_w: Any, bn_b: Any, transpose: bool = False) -> tuple:
    """``(weight, bias)`` Parameters of the convolution followed by the BatchNorm with these
    statistics (``transpose``: a transposed convolution, channels on axis 1).
    Example: ``w, b = fuse_conv_bn_weights(c.weight, c.bias, bn.running_mean, ...)``"""
    w, rm, rv = _raw(conv_w), _raw(bn_rm), _raw(bn_rv)
    wdt = w.dtype
    b = gnp.zeros_like(rm) if conv_b is None else _raw(conv_b)
    bdt = wdt if conv_b is None else b.dtype
    gamma = gnp.ones_like(rm) if bn_w is None else _raw(bn_w)
    beta = gnp.zeros_like(rm) if bn_b is None else _raw(bn_b)
    scale = gamma / gnp.sqrt(rv + bn_eps)
    shape = (1, -1) if transpose else (-1, 1)
    fused_w = w * gnp.reshape(scale, shape + (1,) * (w.ndim - 2))
    fused_b = (b - rm) * scale + beta
    return (Parameter(data(gnp.asarray(fused_w)).astype(wdt), _grad_of(conv_w)),
            Parameter(data(gnp.asarray(fused_b)).astype(bdt),
                      _grad_of(conv_w) if conv_b is None else _grad_of(conv_b)))


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` computing ``bn(conv(x))`` of the two in evaluation mode.
    Example: ``fused = fuse_conv_bn_eval(conv.eval(), bn.eval())``"""
    _check_eval("fuse_conv_bn_eval", conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w: Any, linear_b: Any, bn_rm: Any, bn_rv: Any,
                           bn_eps: float, bn_w: Any, bn_b: Any) -> tuple:
    """``(weight, bias)`` Parameters of the linear layer followed by the BatchNorm.
    Example: ``w, b = fuse_linear_bn_weights(l.weight, l.bias, bn.running_mean, ...)``"""
    w, rm, rv = _raw(linear_w), _raw(bn_rm), _raw(bn_rv)
    b = gnp.zeros_like(rm) if linear_b is None else _raw(linear_b)
    gamma = gnp.ones_like(rm) if bn_w is None else _raw(bn_w)
    beta = gnp.zeros_like(rm) if bn_b is None else _raw(bn_b)
    scale = gamma / gnp.sqrt(rv + bn_eps)
    fused_w = w * gnp.expand_dims(scale, -1)
    fused_b = (b - rm) * scale + beta
    return (Parameter(data(gnp.asarray(fused_w)), _grad_of(linear_w)),
            Parameter(data(gnp.asarray(fused_b)),
                      _grad_of(linear_w) if linear_b is None else _grad_of(linear_b)))


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` computing ``bn(linear(x))`` of the two in evaluation mode (the
    BatchNorm has ``linear.out_features`` features, or one).
    Example: ``fused = fuse_linear_bn_eval(lin.eval(), bn.eval())``"""
    _check_eval("fuse_linear_bn_eval", linear, bn)
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise ValueError(f"fuse_linear_bn_eval: linear.out_features ({linear.out_features}) "
                         f"must equal bn.num_features ({bn.num_features}) or bn.num_features "
                         f"must be 1")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
