"""Activations of ``torch.nn.functional`` with torch's arguments, and their Modules.

Each is a composition of gpuad primitives, so it differentiates to any order, under ``vmap``
and ``gpuad.jit``, on every backend. At a kink the derivative is the one torch's backward
takes (``hardtanh`` passes nothing at its bounds, ``elu`` takes the left branch at 0, ...);
the masks are constants (``data(x)``, which under ``gpuad.jit`` is the traced value itself:
fine for a comparison, while a value that must carry no derivative is ``stop_gradient(x)``).

``inplace=True`` writes the result into the input Tensor and returns it, as torch: the write
is recorded (gpuad/nn/inplace_write.py), so values earlier steps saved from the input are kept
for their backward pass, and a leaf that requires grad refuses.

Example::

    import gpuad.nn.functional as F
    y = F.hardswish(F.elu(x, alpha=0.5))
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _softmax
from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data  # named data: gpuad.jit redirects it here while tracing
from ._real_inputs import real_input as _real_input
from .inplace_write import inplace_arg
from .modules import Module, Parameter

__all__ = [
    "elu",
    "selu",
    "celu",
    "hardtanh",
    "relu6",
    "softsign",
    "softplus",
    "mish",
    "hardswish",
    "hardsigmoid",
    "logsigmoid",
    "glu",
    "softmin",
    "softmax",
    "log_softmax",
    "threshold",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "gelu",
    "prelu",
    "rrelu",
    "ELU",
    "SELU",
    "CELU",
    "Hardtanh",
    "ReLU6",
    "Softsign",
    "Softplus",
    "Mish",
    "Hardswish",
    "Hardsigmoid",
    "LogSigmoid",
    "GLU",
    "Softmin",
    "Softmax",
    "LogSoftmax",
    "Threshold",
    "Tanhshrink",
    "Softshrink",
    "Hardshrink",
    "GELU",
    "PReLU",
    "RReLU",
]

Array = Any  # a Tensor or a backend array

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _neg_part(x: Array, raw: Any) -> Array:
    """``x`` where ``x <= 0``, else 0: the input of a branch that must not see large values
    (``exp`` of them would overflow, and 0 * inf in its adjoint would be NaN)."""
    return gnp.where(raw > 0, 0.0, x)


# ---- functions ------------------------------------------------------------------------------


def elu(input: Array, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``; derivative ``alpha`` at 0 (torch).

    Example: ``F.elu(x, alpha=0.5)``
    """
    if inplace:
        return inplace_arg("elu", elu, input, alpha)
    raw = _real_input("elu", input)
    return gnp.where(raw > 0, input, alpha * gnp.expm1(_neg_part(input, raw)))


def selu(input: Array, inplace: bool = False) -> Array:
    """``scale * elu(x, alpha)`` with the self-normalising constants. Example: ``F.selu(x)``"""
    if inplace:
        return inplace_arg("selu", selu, input)
    raw = _real_input("selu", input)
    neg = (_SELU_SCALE * _SELU_ALPHA) * gnp.expm1(_neg_part(input, raw))
    return gnp.where(raw > 0, _SELU_SCALE * input, neg)


def celu(input: Array, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``. Example: ``F.celu(x, 2.0)``"""
    if inplace:
        return inplace_arg("celu", celu, input, alpha)
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides the input)")
    raw = _real_input("celu", input)
    return gnp.where(raw > 0, input, alpha * gnp.expm1(_neg_part(input, raw) / alpha))


def hardtanh(
    input: Array, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Array:
    """``clip(x, min_val, max_val)``; the derivative is 1 strictly inside, 0 at the bounds and
    outside (torch's). Example: ``F.hardtanh(x, -2.0, 2.0)``"""
    if inplace:
        return inplace_arg("hardtanh", hardtanh, input, min_val, max_val)
    if max_val < min_val:
        raise ValueError(f"hardtanh: max_val ({max_val}) must not be less than min_val ({min_val})")
    raw = _real_input("hardtanh", input)
    inside = (raw > min_val) & (raw < max_val)
    return gnp.where(inside, input, gnp.clip(stop_gradient(input), min_val, max_val))


def relu6(input: Array, inplace: bool = False) -> Array:
    """``hardtanh(x, 0, 6)`` (derivative 0 at 0 and 6). Example: ``F.relu6(x)``"""
    if inplace:
        return inplace_arg("relu6", relu6, input)
    return hardtanh(input, 0.0, 6.0)


def softsign(input: Array) -> Array:
    """``x / (1 + |x|)``. Example: ``F.softsign(x)``"""
    return input / (1.0 + gnp.abs(input))


def softplus(input: Array, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (as
    torch, whose value and derivative there are exactly ``x`` and 1).

    Example: ``F.softplus(x, beta=2.0)``
    """
    raw = data(input)
    if beta == 1.0:
        smooth = _softmax.softplus(input)
    else:
        smooth = _softmax.softplus(input * beta) / beta
    return gnp.where(raw * beta > threshold, input, smooth)


def mish(input: Array, inplace: bool = False) -> Array:
    """``x * tanh(softplus(x))``. Example: ``F.mish(x)``"""
    if inplace:
        return inplace_arg("mish", mish, input)
    return input * gnp.tanh(_softmax.softplus(input))


def hardswish(input: Array, inplace: bool = False) -> Array:
    """``x * relu6(x + 3) / 6``; derivative ``x/3 + 1/2`` strictly inside (-3, 3), 0 up to
    -3 and 1 from 3 on (torch's choice at the bounds). Example: ``F.hardswish(x)``"""
    if inplace:
        return inplace_arg("hardswish", hardswish, input)
    raw = _real_input("hardswish", input)
    mid = input * (input + 3.0) * (1.0 / 6.0)
    return gnp.where(raw <= -3.0, 0.0, gnp.where(raw >= 3.0, input, mid))


def hardsigmoid(input: Array, inplace: bool = False) -> Array:
    """``relu6(x + 3) / 6``; derivative 1/6 strictly inside (-3, 3), else 0 (torch).
    Example: ``F.hardsigmoid(x)``"""
    if inplace:
        return inplace_arg("hardsigmoid", hardsigmoid, input)
    raw = _real_input("hardsigmoid", input)
    inside = (raw > -3.0) & (raw < 3.0)
    return gnp.where(
        inside, input * (1.0 / 6.0) + 0.5, gnp.clip(stop_gradient(input) / 6.0 + 0.5, 0.0, 1.0)
    )


def logsigmoid(input: Array) -> Array:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``.
    Example: ``F.logsigmoid(x)``"""
    return -_softmax.softplus(-input)


def glu(input: Array, dim: int = -1) -> Array:
    """Gated linear unit: the first half of ``input`` along ``dim`` times the sigmoid of the
    second half. Example: ``F.glu(x, dim=1)`` maps (N, 2C) to (N, C)."""
    s = _r.shape(input)
    if not s:
        raise ValueError("glu: does not accept a 0-d input")
    if s[dim] % 2:
        raise ValueError(
            f"glu: the halved dimension must be even, but dim {dim} of an input "
            f"of shape {s} has size {s[dim]}"
        )
    a, b = gnp.split(input, 2, axis=dim)
    return a * _r.sigmoid(b)


def _axis(op: str, input: Array, dim: int | None, axis: int | None) -> int:
    """torch's ``dim`` or NumPy's ``axis`` (not both); neither: torch's implicit choice, with
    its deprecation warning (``nn.Softmax()`` takes the same)."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass dim or axis, not both")
    a = dim if dim is not None else axis
    return _torch_softmax_dim(op, len(_r.shape(input))) if a is None else a


def _normalised(fn: Any, input: Array, axis: int) -> Array:
    """``fn(input, axis)``; a 0-d input along axis 0 or -1 is one entry, as in torch."""
    if axis in (0, -1) and len(_r.shape(input)) == 0:
        return gnp.reshape(fn(gnp.reshape(input, (1,)), 0), ())
    return fn(input, axis)


def _cast(input: Array, dtype: Any) -> Array:
    return input if dtype is None else gnp.asarray(input).astype(dtype)


def softmax(
    input: Array,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
    *,
    axis: int | None = None,
) -> Array:
    """``exp(x) / sum(exp(x))`` along ``dim`` (torch) or ``axis`` (NumPy); neither given,
    torch's implicit (deprecated) choice, with its warning: axis 0 for 0-, 1- and 3-d inputs,
    else 1; ``dtype`` casts the input first.

    Example: ``F.softmax(z, dim=1)``
    """
    return _normalised(_softmax.softmax, _cast(input, dtype), _axis("softmax", input, dim, axis))


def log_softmax(
    input: Array,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
    *,
    axis: int | None = None,
) -> Array:
    """``x - logsumexp(x)`` along ``dim`` or ``axis`` (default torch's, see ``softmax``).

    Example: ``F.log_softmax(z, dim=1)``
    """
    return _normalised(_softmax.log_softmax, _cast(input, dtype),
                       _axis("log_softmax", input, dim, axis))


def softmin(
    input: Array,
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
    *,
    axis: int | None = None,
) -> Array:
    """``softmax(-x)`` along ``dim`` or ``axis`` (default torch's, see ``softmax``).

    Example: ``F.softmin(d, dim=-1)``
    """
    return _normalised(_softmax.softmax, -_cast(input, dtype), _axis("softmin", input, dim, axis))


def threshold(input: Array, threshold: float, value: float, inplace: bool = False) -> Array:
    """``x`` where ``x > threshold``, else ``value``. Example: ``F.threshold(x, 0.1, 0.0)``"""
    if inplace:
        return inplace_arg("threshold", _threshold, input, threshold, value)
    return _threshold(input, threshold, value)


def _threshold(input: Array, threshold: float, value: float) -> Array:
    # NaN is not <= threshold: it passes through, as in torch
    return gnp.where(_real_input("threshold", input) <= threshold, value, input)


def tanhshrink(input: Array) -> Array:
    """``x - tanh(x)``. Example: ``F.tanhshrink(x)``"""
    return input - gnp.tanh(input)


def _check_lambd(op: str, lambd: float) -> None:
    if lambd < 0:
        raise ValueError(f"{op}: lambd must be >= 0, got {lambd}")


def _zero_or_nan(input: Array) -> Array:
    """0 with slope 0, but NaN (slope 0) where ``input`` is NaN: torch's shrinks pass NaN on."""
    raw = data(input)
    return gnp.where(raw == raw, 0.0, stop_gradient(input))


def softshrink(input: Array, lambd: float = 0.5) -> Array:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0 (derivative 0 at
    ``+-lambd``). Example: ``F.softshrink(x, 0.1)``"""
    _check_lambd("softshrink", lambd)
    raw = _real_input("softshrink", input)
    return gnp.where(raw > lambd, input - lambd,
                     gnp.where(raw < -lambd, input + lambd, _zero_or_nan(input)))


def hardshrink(input: Array, lambd: float = 0.5) -> Array:
    """``x`` where ``|x| > lambd``, else 0 (derivative 0 at ``+-lambd``).
    Example: ``F.hardshrink(x, 0.1)``"""
    _check_lambd("hardshrink", lambd)
    raw = _real_input("hardshrink", input)
    return gnp.where((raw > lambd) | (raw < -lambd), input, _zero_or_nan(input))


def gelu(input: Array, approximate: str = "none") -> Array:
    """GELU: exact ``x/2 (1 + erf(x / sqrt 2))``, or with ``approximate='tanh'``
    ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``. Example: ``F.gelu(x, approximate='tanh')``
    """
    if getattr(input, "dtype", None) == np.float16 and approximate in ("none", "tanh"):
        # torch computes half in float32 and rounds once; SciPy's erf would widen to float64
        return gelu(input.astype(np.float32), approximate).astype(np.float16)
    if approximate == "none":
        return 0.5 * input * (1.0 + _r.erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + gnp.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def prelu(input: Array, weight: Array) -> Array:
    """``x`` where ``x > 0``, else ``weight * x``, ``weight`` (1,) or one per channel (axis 1
    of the input); derivative ``weight`` at 0 (torch). Example: ``F.prelu(x, a)``"""
    s, ws = _r.shape(input), _r.shape(weight)
    if len(ws) > 1:
        raise ValueError(f"prelu: weight must be 0-d or 1-d, got shape {ws}")
    n = math.prod(ws)
    if n != 1:
        c = s[1] if len(s) > 1 else 1
        if not s or c != n:
            raise ValueError(
                f"prelu: weight has {n} entries but the input of shape {s} has "
                f"{c} channels (axis 1); pass one weight or one per channel"
            )
        weight = gnp.reshape(weight, (n,) + (1,) * (len(s) - 2))
    elif ws:
        weight = gnp.reshape(weight, ())
    return gnp.where(_real_input("prelu", input) > 0, input, weight * input)


def _check_rrelu_bounds(op: str, lower: float, upper: float) -> None:
    if not lower <= upper:
        raise ValueError(f"{op}: lower ({lower}) must be less than or equal to upper ({upper})")


def rrelu(
    input: Array,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Array:
    """Randomised leaky ReLU: ``x`` where ``x > 0``, else ``a * x``. While ``training``, each
    element draws its own slope ``a`` uniformly from ``[lower, upper]`` (from
    ``gpuad.numpy.random``: seed it with ``gnp.random.seed``; the draws differ from torch's)
    and its derivative there is that slope; otherwise ``a = (lower + upper) / 2``, as torch
    (note ``training=False`` by default, as there). At 0 the derivative is ``a``.

    Example: ``F.rrelu(x, 0.1, 0.3, training=True)``
    """
    _check_rrelu_bounds("rrelu", lower, upper)
    if inplace:
        return inplace_arg("rrelu", rrelu, input, lower, upper, training)
    raw = _real_input("rrelu", input)
    if training:
        u = gnp.random.random(_r.shape(input)).astype(raw.dtype)
        slope = u * (upper - lower) + lower
    else:
        slope = (lower + upper) / 2
    return gnp.where(raw > 0, input, input * slope)


# ---- modules --------------------------------------------------------------------------------


def _torch_softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"{name}: no dim given; taking torch's implicit choice (0 for 0-, 1- and "
        f"3-d inputs, else 1), which torch deprecates: pass dim",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _Elementwise(Module):
    """An activation with keyword settings stored as attributes (shown by ``repr``)."""

    _fn: Any = None
    _keys: tuple[str, ...] = ()
    inplace: bool = False  # torch's argument: the result written into the input
    _shows_inplace = True  # torch's Hardswish and Hardsigmoid keep it out of their repr

    def forward(self, input: Array) -> Array:
        args = (getattr(self, k) for k in self._keys)
        if self.inplace:
            return type(self)._fn(input, *args, inplace=True)
        return type(self)._fn(input, *args)

    def extra_repr(self) -> str:
        shown = [f"{k}={getattr(self, k)!r}" for k in self._keys]
        if self.inplace and self._shows_inplace:
            shown.append("inplace=True")
        return ", ".join(shown)


class ELU(_Elementwise):
    """``elu`` as a module. Example: ``nn.ELU(alpha=0.5)``"""

    _fn, _keys = elu, ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.inplace = inplace
        self.alpha = alpha


class SELU(_Elementwise):
    """``selu`` as a module. Example: ``nn.SELU()``"""

    _fn = selu

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class CELU(_Elementwise):
    """``celu`` as a module. Example: ``nn.CELU(alpha=2.0)``"""

    _fn, _keys = celu, ("alpha",)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        self.inplace = inplace
        self.alpha = alpha


class Hardtanh(_Elementwise):
    """``hardtanh`` as a module (torch's deprecated ``min_value``/``max_value`` keywords
    override ``min_val``/``max_val``, with a FutureWarning). Example: ``nn.Hardtanh(-2.0, 2.0)``"""

    _fn, _keys = hardtanh, ("min_val", "max_val")

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        self.inplace = inplace
        renamed = (("min_value", "min_val", min_value), ("max_value", "max_val", max_value))
        for old, new, v in renamed:
            if v is not None:
                warnings.warn(
                    f"Hardtanh: keyword argument {old!r} is deprecated, use {new!r}",
                    FutureWarning, stacklevel=2,
                )
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if max_val < min_val:
            raise ValueError(
                f"Hardtanh: max_val ({max_val}) must not be less than min_val ({min_val})"
            )
        self.min_val, self.max_val = min_val, max_val


class ReLU6(_Elementwise):
    """``relu6`` as a module. Example: ``nn.ReLU6()``"""

    _fn = relu6

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class Softsign(_Elementwise):
    """``softsign`` as a module. Example: ``nn.Softsign()``"""

    _fn = softsign


class Softplus(_Elementwise):
    """``softplus`` as a module. Example: ``nn.Softplus(beta=2.0, threshold=10.0)``"""

    _fn, _keys = softplus, ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta, self.threshold = beta, threshold


class Mish(_Elementwise):
    """``mish`` as a module. Example: ``nn.Mish()``"""

    _fn = mish

    def __init__(self, inplace: bool = False) -> None:
        self.inplace = inplace


class Hardswish(Mish):
    """``hardswish`` as a module. Example: ``nn.Hardswish()``"""

    _fn = hardswish
    _shows_inplace = False


class Hardsigmoid(Mish):
    """``hardsigmoid`` as a module. Example: ``nn.Hardsigmoid()``"""

    _fn = hardsigmoid
    _shows_inplace = False


class LogSigmoid(_Elementwise):
    """``logsigmoid`` as a module. Example: ``nn.LogSigmoid()``"""

    _fn = logsigmoid


class Tanhshrink(_Elementwise):
    """``tanhshrink`` as a module. Example: ``nn.Tanhshrink()``"""

    _fn = tanhshrink


class GLU(_Elementwise):
    """``glu`` as a module. Example: ``nn.GLU(dim=1)``"""

    _fn, _keys = glu, ("dim",)

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim


class Threshold(_Elementwise):
    """``threshold`` as a module. Example: ``nn.Threshold(0.1, 20.0)``"""

    _fn, _keys = threshold, ("threshold", "value")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        self.inplace = inplace
        self.threshold, self.value = threshold, value


class Softshrink(_Elementwise):
    """``softshrink`` as a module. Example: ``nn.Softshrink(0.1)``"""

    _fn, _keys = softshrink, ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        _check_lambd("Softshrink", lambd)
        self.lambd = lambd


class Hardshrink(Softshrink):
    """``hardshrink`` as a module. Example: ``nn.Hardshrink(0.1)``"""

    _fn = hardshrink


class GELU(_Elementwise):
    """``gelu`` as a module. Example: ``nn.GELU(approximate='tanh')``"""

    _fn, _keys = gelu, ("approximate",)

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate


class Softmax(Module):
    """``softmax`` along ``dim`` as a module; ``dim=None`` takes torch's implicit (deprecated)
    choice with a warning. Example: ``nn.Softmax(dim=1)``"""

    _fn = staticmethod(softmax)

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def forward(self, input: Array) -> Array:
        dim = self.dim
        if dim is None:
            dim = _torch_softmax_dim(type(self).__name__, len(_r.shape(input)))
        return self._fn(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log_softmax`` along ``dim`` as a module. Example: ``nn.LogSoftmax(dim=1)``"""

    _fn = staticmethod(log_softmax)


class Softmin(Softmax):
    """``softmin`` along ``dim`` as a module. Example: ``nn.Softmin(dim=1)``"""

    _fn = staticmethod(softmin)


class PReLU(Module):
    """``prelu`` with a learnable slope: one (``num_parameters=1``) or one per channel (axis 1),
    all starting at ``init``. Example: ``nn.PReLU(num_parameters=16)``"""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = float) -> None:
        self.num_parameters = num_parameters
        self.weight = Parameter(gnp.full((num_parameters,), init, dtype=dtype))

    def forward(self, input: Array) -> Array:
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(_Elementwise):
    """``rrelu`` as a module: random slopes in ``train()`` mode (the default), the mean slope
    in ``eval()``. Example: ``nn.RReLU(0.1, 0.3)``"""

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        _check_rrelu_bounds("RReLU", lower, upper)
        self.inplace = inplace
        self.lower, self.upper = lower, upper

    def forward(self, input: Array) -> Array:
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (
            ", inplace=True" if self.inplace else ""
        )
