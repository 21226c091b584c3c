"""The elementwise activations of ``jax.nn`` with JAX's names, arguments and defaults.

Each is a composition of gpuad primitives, so it differentiates to any order, under ``vmap``
and ``gpuad.jit``, on every backend. Where JAX fixes a derivative at a kink, so do these:
``relu'(0) = 0``, ``relu6'`` is 0 at 0 and 6 (so ``hard_sigmoid`` at -3 and 3),
``hard_tanh'(+-1) = 1``, ``leaky_relu'(0) = 1``, ``elu'(0) = alpha``, ``|x|'(0) = 1`` (in
``soft_sign``), and a ``maximum`` or ``minimum`` tie shares the derivative equally
(``sparse_sigmoid'(+-1) = 1/4``).

Example::

    import gpuad.jax_nn as jnn
    y = jnn.gelu(x)            # the tanh approximation, as JAX's default
    y = jnn.leaky_relu(x, 0.2)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data

__all__ = [
    "identity",
    "relu",
    "relu6",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "soft_sign",
    "silu",
    "swish",
    "gelu",
    "glu",
    "elu",
    "celu",
    "selu",
    "leaky_relu",
    "hard_tanh",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "mish",
    "squareplus",
    "log1mexp",
    "tanh",
]

Array = Any  # a Tensor, a backend array or a number

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def identity(x: Array) -> Array:
    """``x`` unchanged. Example: ``jnn.identity(x)``"""
    return gnp.asarray(x)


def relu(x: Array) -> Array:
    """``max(x, 0)`` with derivative 0 at 0 (JAX's). Example: ``jnn.relu(x)``"""
    raw = data(x)
    # NaN stays NaN with slope 0, as JAX's; integers stay integers
    return gnp.where(raw > 0, x, gnp.where(raw <= 0, 0, stop_gradient(x)))


def relu6(x: Array) -> Array:
    """``min(max(x, 0), 6)``, derivative 1 strictly inside (0, 6), else 0 (JAX's).
    Example: ``jnn.relu6(x)``"""
    raw = data(x)
    return gnp.where((raw > 0) & (raw < 6), x, gnp.clip(stop_gradient(x), 0.0, 6.0))


def sigmoid(x: Array) -> Array:
    """``1 / (1 + exp(-x))`` (complex values too, as JAX's). Example: ``jnn.sigmoid(x)``"""
    if _is_complex(x):
        return gnp.reciprocal(1.0 + gnp.exp(-x))
    return _r.sigmoid(x)


def _is_complex(x) -> bool:
    return (
        isinstance(x, complex)
        or getattr(data(x), "dtype", None) is not None
        and data(x).dtype.kind == "c"
    )


def softplus(x: Array) -> Array:
    """``log(1 + exp(x))`` as ``logaddexp(x, 0)``: no overflow (complex values: the principal
    ``log1p(exp(x))``, as JAX's). Example: ``jnn.softplus(x)``"""
    if _is_complex(x):
        return gnp.log1p(gnp.exp(x))
    return gnp.logaddexp(x, 0.0)


def log_sigmoid(x: Array) -> Array:
    """``log(sigmoid(x)) = -softplus(-x)``. Example: ``jnn.log_sigmoid(x)``"""
    return -softplus(-x)


def sparse_plus(x: Array) -> Array:
    """0 up to -1, ``(x + 1)^2 / 4`` on (-1, 1), ``x`` from 1 on. Example: ``jnn.sparse_plus(x)``"""
    raw = data(x)
    return gnp.where(raw <= -1.0, 0.0, gnp.where(raw >= 1.0, x, (x + 1.0) ** 2 / 4))


def sparse_sigmoid(x: Array) -> Array:
    """``clip(x + 1, 0, 2) / 2``, the derivative of ``sparse_plus`` (1/4 at +-1, JAX's tie).
    Example: ``jnn.sparse_sigmoid(x)``"""
    return 0.5 * gnp.minimum(gnp.maximum(x + 1.0, 0.0), 2.0)


def _abs(x: Array) -> Array:
    """``|x|`` with JAX's derivative at 0 (1, the right side's; ``gnp.abs`` takes 0); the
    modulus of complex values (``x >= 0`` would compare them lexicographically)."""
    if _is_complex(x):
        return gnp.abs(x)
    return gnp.where(data(x) >= 0, x, -x)


def soft_sign(x: Array) -> Array:
    """``x / (|x| + 1)``; ``|x|``'s derivative at 0 is 1, as JAX's (so ``soft_sign''(0)``
    is -2). Example: ``jnn.soft_sign(x)``"""
    return x / (_abs(x) + 1.0)


def silu(x: Array) -> Array:
    """``x * sigmoid(x)`` (``swish`` is the same function). Example: ``jnn.silu(x)``"""
    return x * sigmoid(x)


swish = silu


def mish(x: Array) -> Array:
    """``x * tanh(softplus(x))``. Example: ``jnn.mish(x)``"""
    return x * gnp.tanh(softplus(x))


def elu(x: Array, alpha: Array = 1.0) -> Array:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``; derivative ``alpha`` at 0.
    Example: ``jnn.elu(x, alpha=0.5)``"""
    raw = data(x)
    return gnp.where(raw > 0, x, alpha * gnp.expm1(gnp.where(raw > 0, 0.0, x)))


def celu(x: Array, alpha: Array = 1.0) -> Array:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``. Example: ``jnn.celu(x, alpha=2.0)``"""
    return gnp.maximum(x, 0.0) + alpha * gnp.expm1(gnp.minimum(x, 0.0) / alpha)


def selu(x: Array) -> Array:
    """``scale * elu(x, alpha)`` with the self-normalising constants. Example: ``jnn.selu(x)``"""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def leaky_relu(x: Array, negative_slope: Array = 1e-2) -> Array:
    """``x`` where ``x >= 0``, else ``negative_slope * x``; derivative 1 at 0 (JAX's).
    Example: ``jnn.leaky_relu(x, negative_slope=0.2)``"""
    return gnp.where(data(x) >= 0, x, negative_slope * x)


def hard_tanh(x: Array) -> Array:
    """``clip(x, -1, 1)`` with derivative 1 on the closed interval [-1, 1] (JAX's).
    Example: ``jnn.hard_tanh(x)``"""
    raw = data(x)
    return gnp.where(raw > 1, 1.0, gnp.where(raw < -1, -1.0, x))


def hard_sigmoid(x: Array) -> Array:
    """``relu6(x + 3) / 6``. Example: ``jnn.hard_sigmoid(x)``"""
    return relu6(x + 3.0) / 6.0


def hard_silu(x: Array) -> Array:
    """``x * hard_sigmoid(x)`` (``hard_swish`` is the same function).
    Example: ``jnn.hard_silu(x)``"""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def squareplus(x: Array, b: Array = 4) -> Array:
    """``(x + sqrt(x^2 + b)) / 2``. Example: ``jnn.squareplus(x, b=1.0)``"""
    # x^2 overflows beyond 1e154 (inf at -1e300, where the value is about b / 4|x|, and an
    # adjoint of 0 through sqrt(inf) that lost the slope): hypot, and below 0 the form
    # b / (2 (sqrt(x^2 + b) - x)) without cancellation, each branch on its own side of 0
    if _is_complex(x):  # no order to pick a branch by: the formula, as JAX's
        return (x + gnp.sqrt(x * x + b)) / 2
    neg = data(x) < 0
    c = math.sqrt(b) if isinstance(b, int | float) else gnp.sqrt(b)  # a number stays weak
    xr = gnp.where(neg, 0.0, x)
    xl = gnp.where(neg, x, 0.0)
    return gnp.where(neg, b / (2 * (gnp.hypot(xl, c) - xl)), (xr + gnp.hypot(xr, c)) / 2)


def gelu(x: Array, approximate: bool = True) -> Array:
    """GELU; JAX's default is the tanh approximation
    ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``, ``approximate=False`` the exact
    ``x/2 erfc(-x / sqrt 2)`` (``gpuad.nn.functional.gelu`` defaults to the exact one).

    Example: ``jnn.gelu(x, approximate=False)``
    """
    if approximate:
        cdf = 0.5 * (1.0 + gnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
        return x * cdf
    from ..scipy.special import erfc  # on first use: gpuad.scipy is slow to import

    out = 0.5 * x * erfc(-x * math.sqrt(0.5))
    kind = np.dtype(getattr(x, "dtype", np.float64))
    # (erfc computes float16 in float32: the result keeps the input's float type, as JAX's)
    return out.astype(kind) if kind.kind == "f" and out.dtype != kind else out


def glu(x: Array, axis: int = -1) -> Array:
    """The first half of ``x`` along ``axis`` times the sigmoid of the second half.
    Example: ``jnn.glu(x)`` maps (N, 2C) to (N, C)."""
    s = _r.shape(x)
    if not s:
        raise ValueError("glu: does not accept a 0-d input")
    if s[axis] % 2:
        raise ValueError(
            f"glu: the size of axis {axis} must be even, but x of shape {s} has {s[axis]}"
        )
    a, b = gnp.split(x, 2, axis=axis)
    return a * sigmoid(b)


def log1mexp(x: Array) -> Array:
    """``log(1 - exp(-x))`` for ``x >= 0``, accurate at both ends; derivative
    ``1 / expm1(x)``. Example: ``jnn.log1mexp(x)``"""
    c = math.log(2.0)
    small = data(x) < c
    # each branch sees only inputs it is accurate and finite on (no 0 * inf in the adjoint)
    near = gnp.where(small, x, c)
    far = gnp.where(small, c, x)
    return gnp.where(small, gnp.log(-gnp.expm1(-near)), gnp.log1p(-gnp.exp(-far)))


def tanh(x: Array) -> Array:
    """The hyperbolic tangent (``jax.nn.tanh``). Example: ``jnn.tanh(x)``"""
    return gnp.tanh(x)
