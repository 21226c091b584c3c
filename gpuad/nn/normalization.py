"""Batch, group and instance normalisation, as ``torch.nn.functional``.

``batch_norm`` and ``instance_norm`` update the running statistics they are given in place, as
torch does: ``running = (1 - momentum) * running + momentum * batch_statistic``, the variance
unbiased. The update is not differentiated (it is computed from detached statistics, outside
the tape) and, when the running statistics are Tensors, it is a recorded in-place write, so a
``gpuad.jit`` program repeats it on every call.

Example::

    import gpuad.nn.functional as F
    y = F.batch_norm(x, mean_buf, var_buf, gamma, beta, training=True, momentum=0.1)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data
from .._state import no_grad
from ..tensor import Tensor


def _half_by_float(input: Any, *params: Any) -> bool:
    """A float16 ``input`` with a float32 parameter or statistic: torch normalises it in
    float32 and returns float16, where NumPy's promotion would return float32."""
    return getattr(input, "dtype", None) == "float16" and any(
        getattr(p, "dtype", None) == "float32" for p in params if p is not None)

__all__ = ["batch_norm", "group_norm", "instance_norm"]

Array = Any


def _channel(v: Array, ndim: int) -> Array:
    """A (C,) vector shaped to broadcast along axis 1 of an ``ndim`` array."""
    return gnp.reshape(v, (-1,) + (1,) * (ndim - 2))


def _affine(y: Array, weight: Array | None, bias: Array | None, ndim: int) -> Array:
    if weight is not None:
        y = y * _channel(weight, ndim)
    if bias is not None:
        y = y + _channel(bias, ndim)
    return y


def _check_vec(op: str, name: str, v: Any, c: int) -> None:
    if v is not None and tuple(_r.shape(v)) != (c,):
        raise ValueError(
            f"{op}: {name} must have shape ({c},), one value per channel, got {tuple(_r.shape(v))}"
        )


def _blend(buf: Any, stat: Array, momentum: Any) -> None:
    """``buf = (1 - momentum) * buf + momentum * stat`` in place, off the tape."""
    with no_grad():
        new = buf * (1 - momentum) + stop_gradient(stat) * momentum
        if isinstance(buf, Tensor):
            buf[...] = new.astype(buf.dtype)
        else:
            buf[...] = data(new).astype(buf.dtype)


def batch_norm(
    input: Array,
    running_mean: Any,
    running_var: Any,
    weight: Array | None = None,
    bias: Array | None = None,
    training: bool = False,
    momentum: Any = 0.1,
    eps: float = 1e-5,
) -> Array:
    """Normalise each channel (axis 1) of (N, C, ...) ``input``, as
    ``torch.nn.functional.batch_norm``.

    Training: by the batch's mean and biased variance over every axis but 1, and, where
    ``running_mean``/``running_var`` are given (Tensors or arrays, written in place), blend
    the batch mean and *unbiased* variance into them with ``momentum`` (a number, or a 0-d
    array such as ``1 / batches_seen`` for a cumulative average). Evaluation: by the running
    statistics. Then ``* weight + bias`` per channel.

    Example: ``y = batch_norm(x, rm, rv, training=True)``
    """
    if _half_by_float(input, running_mean, running_var, weight, bias):
        return batch_norm(input.astype("float32"), running_mean, running_var, weight, bias,
                          training, momentum, eps).astype("float16")
    shape = tuple(_r.shape(input))
    if len(shape) < 2:
        raise ValueError(f"batch_norm: expected an input (N, C, ...), got shape {shape}")
    if not eps > 0:  # as torch: a zero or negative eps divides by zero or takes sqrt(< 0)
        raise ValueError(f"batch_norm: eps must be positive, got {eps}")
    c, nd = shape[1], len(shape)
    for name, v in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_vec("batch_norm", name, v, c)
    if training:
        n = math.prod(shape) // c if c else 0
        if n == 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when "
                f"training, got input shape {shape}"
            )
        if n == 0:  # an empty batch: an empty output, no statistics to blend (as torch)
            return _affine(input * 1.0, weight, bias, nd)
        axes = (0,) + tuple(range(2, nd))
        mean = gnp.mean(input, axis=axes, keepdims=True)
        d = input - mean
        var = gnp.mean(d * d, axis=axes, keepdims=True)
        y = d / gnp.sqrt(var + eps)
        if running_mean is not None:
            _blend(running_mean, gnp.reshape(mean, (c,)), momentum)
        if running_var is not None:
            _blend(running_var, gnp.reshape(var, (c,)) * (n / (n - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: evaluation (training=False) needs running_mean and "
                "running_var; pass training=True to use the batch's statistics"
            )
        y = (input - _channel(running_mean, nd)) / gnp.sqrt(_channel(running_var, nd) + eps)
    return _affine(y, weight, bias, nd)


def group_norm(
    input: Array,
    num_groups: int,
    weight: Array | None = None,
    bias: Array | None = None,
    eps: float = 1e-5,
) -> Array:
    """Normalise (N, C, ...) ``input`` over each group of ``C / num_groups`` channels and
    all positions, then ``* weight + bias`` per channel, as ``torch.nn.functional.group_norm``.

    Example: ``y = group_norm(x, 2, gamma, beta)``
    """
    if _half_by_float(input, weight, bias):
        return group_norm(input.astype("float32"), num_groups, weight, bias,
                          eps).astype("float16")
    shape = tuple(_r.shape(input))
    if len(shape) < 2:
        raise ValueError(f"group_norm: expected an input (N, C, ...), got shape {shape}")
    c = shape[1]
    if not isinstance(num_groups, int) or num_groups < 1 or c % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the {c} channels")
    _check_vec("group_norm", "weight", weight, c)
    _check_vec("group_norm", "bias", bias, c)
    if shape[0] * (c // num_groups) * math.prod(shape[2:]) == 1:
        # torch's rule: one value per group statistic, which would normalise to 0
        raise ValueError(
            f"group_norm: expected more than 1 value per group, got input size {list(shape)} "
            f"with {num_groups} groups"
        )
    g = gnp.reshape(input, (shape[0], num_groups, (c // num_groups) * math.prod(shape[2:])))
    mean = gnp.mean(g, axis=-1, keepdims=True)
    d = g - mean
    var = gnp.mean(d * d, axis=-1, keepdims=True)
    y = gnp.reshape(d / gnp.sqrt(var + eps), shape)
    return _affine(y, weight, bias, len(shape))


def instance_norm(
    input: Array,
    running_mean: Any = None,
    running_var: Any = None,
    weight: Array | None = None,
    bias: Array | None = None,
    use_input_stats: bool = True,
    momentum: Any = 0.1,
    eps: float = 1e-5,
) -> Array:
    """Normalise each channel of each example of (N, C, ...) ``input`` over its positions,
    as ``torch.nn.functional.instance_norm``. With ``use_input_stats`` the running
    statistics, where given, blend in the batch average of the per-example means and
    unbiased variances; without, they normalise instead.

    Example: ``y = instance_norm(x, weight=gamma, bias=beta)``
    """
    if _half_by_float(input, running_mean, running_var, weight, bias):
        return instance_norm(input.astype("float32"), running_mean, running_var, weight, bias,
                             use_input_stats, momentum, eps).astype("float16")
    shape = tuple(_r.shape(input))
    if len(shape) < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, L, ...), got shape {shape}")
    c, nd = shape[1], len(shape)
    for name, v in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        _check_vec("instance_norm", name, v, c)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, 0.0, eps)
    n = math.prod(shape[2:])
    if n <= 1:
        raise ValueError(
            f"instance_norm: expected more than 1 spatial element per channel, "
            f"got input shape {shape}"
        )
    axes = tuple(range(2, nd))
    mean = gnp.mean(input, axis=axes, keepdims=True)
    d = input - mean
    var = gnp.mean(d * d, axis=axes, keepdims=True)
    y = d / gnp.sqrt(var + eps)
    if running_mean is not None:
        _blend(running_mean, gnp.mean(gnp.reshape(mean, shape[:2]), axis=0), momentum)
    if running_var is not None:
        _blend(running_var, gnp.mean(gnp.reshape(var, shape[:2]), axis=0) * (n / (n - 1)), momentum)
    return _affine(y, weight, bias, nd)
