"""torch's in-place initialisers (``nn.init.kaiming_uniform_(w)``, ``xavier_normal_``,
``orthogonal_``, ``trunc_normal_``, ...): each draws from ``gpuad.numpy.random`` (seed it
with ``gnp.random.seed``; the stream differs from torch's) and writes into the Tensor (or
backend array) it is given, which it returns. A write into a Tensor bumps its version, as
every in-place write does, so a backward through a graph recorded before it raises instead of
mixing old and new weights. Fans are torch's: a weight (out, in, *kernel) has
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.

Example::

    lin = nn.Linear(64, 32)
    nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
    nn.init.zeros_(lin.bias)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._state import no_grad
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]

_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's recommended gain for ``nonlinearity`` (``param``: leaky_relu's slope, 0.01 by
    default). Example: ``calculate_gain("relu")`` is ``sqrt(2)``."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"calculate_gain: negative slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _no_generator(op: str, generator: Any) -> None:
    if generator is not None:
        raise NotImplementedError(
            f"{op}: generator is not supported; seed gpuad's stream with gpuad.numpy.random.seed"
        )


def _write(tensor: Any, values: Any) -> Any:
    """Write ``values`` into ``tensor`` in place (a versioned write for a Tensor)."""
    dt = tensor.dtype
    values = values.astype(dt) if hasattr(values, "astype") else values
    if isinstance(tensor, Tensor):
        with no_grad():
            tensor[...] = values
    else:
        tensor[...] = values
    return tensor


def _fans(op: str, tensor: Any) -> tuple[int, int]:
    s = _r.shape(tensor)
    if len(s) < 2:
        raise ValueError(
            f"{op}: fan in and fan out need a tensor of at least 2 dimensions, got shape {s}"
        )
    field = math.prod(s[2:])
    return s[1] * field, s[0] * field


def _draws_into(op: str, tensor: Any, complex_ok: bool = True) -> bool:
    """Whether ``tensor`` is complex; an integer or bool tensor raises, as torch (the draws
    would be truncated: ``normal_`` of an int64 tensor gave mostly zeros), and so does a
    complex one where torch has no complex draws."""
    kind = tensor.dtype.kind
    if kind not in "fc" or kind == "c" and not complex_ok:
        raise TypeError(f"{op}: needs a floating point{' or complex' if complex_ok else ''} "
                        f"tensor, got dtype {tensor.dtype} (torch refuses it too)")
    return kind == "c"


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from U(a, b) (a complex tensor: real and imaginary parts each, as
    torch). Example: ``nn.init.uniform_(w, -0.1, 0.1)``"""
    _no_generator("uniform_", generator)
    s = _r.shape(tensor)
    if _draws_into("uniform_", tensor):
        return _write(tensor, gnp.random.uniform(a, b, s) + 1j * gnp.random.uniform(a, b, s))
    return _write(tensor, gnp.random.uniform(a, b, s))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from N(mean, std^2) (a complex tensor: real and imaginary parts from
    N(mean, std^2 / 2) each, as torch). Example: ``nn.init.normal_(w, std=0.02)``"""
    _no_generator("normal_", generator)
    s = _r.shape(tensor)
    if _draws_into("normal_", tensor):
        h = std / math.sqrt(2.0)
        return _write(tensor, gnp.random.normal(mean, h, s) + 1j * gnp.random.normal(mean, h, s))
    return _write(tensor, gnp.random.normal(mean, std, s))


def trunc_normal_(
    tensor: Any,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Any:
    """Fill with draws from N(mean, std^2) conditioned on [a, b] (inverse-CDF sampling, as
    torch). Example: ``nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04)``"""
    _no_generator("trunc_normal_", generator)
    _draws_into("trunc_normal_", tensor, complex_ok=False)
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    from ..scipy.special import erfinv

    def cdf(v: float) -> float:
        return 0.5 * (1.0 + math.erf((v - mean) / (std * math.sqrt(2.0))))

    lo, hi = 2.0 * cdf(a) - 1.0, 2.0 * cdf(b) - 1.0
    u = gnp.random.uniform(lo, hi, _r.shape(tensor))
    x = erfinv(u) * (std * math.sqrt(2.0)) + mean
    return _write(tensor, gnp.clip(x, a, b))


def constant_(tensor: Any, val: float) -> Any:
    """Fill with ``val``. Example: ``nn.init.constant_(b, 0.1)``"""
    return _write(tensor, gnp.full(_r.shape(tensor), val))


def ones_(tensor: Any) -> Any:
    """Fill with ones. Example: ``nn.init.ones_(norm.weight)``"""
    return constant_(tensor, 1.0)


def zeros_(tensor: Any) -> Any:
    """Fill with zeros. Example: ``nn.init.zeros_(lin.bias)``"""
    return constant_(tensor, 0.0)


def eye_(tensor: Any) -> Any:
    """Fill a 2-d tensor with the identity (ones on the diagonal). Example: ``nn.init.eye_(w)``"""
    s = _r.shape(tensor)
    if len(s) != 2:
        raise ValueError(f"eye_: expected a 2-d tensor, got shape {s}")
    return _write(tensor, gnp.eye(s[0], s[1]))


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot uniform: U(-a, a), ``a = gain * sqrt(6 / (fan_in + fan_out))``.
    Example: ``nn.init.xavier_uniform_(w)``"""
    fan_in, fan_out = _fans("xavier_uniform_", tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot normal: N(0, std^2), ``std = gain * sqrt(2 / (fan_in + fan_out))``.
    Example: ``nn.init.xavier_normal_(w)``"""
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(op: str, tensor: Any, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(op, tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He uniform: U(-bound, bound), ``bound = gain * sqrt(3 / fan)`` (``a``: leaky_relu's
    slope). Example: ``nn.init.kaiming_uniform_(w, a=math.sqrt(5))`` is torch's Linear init."""
    if 0 in _r.shape(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He normal: N(0, std^2), ``std = gain / sqrt(fan)``.
    Example: ``nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")``"""
    if 0 in _r.shape(tensor):
        return tensor
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Fill with a (semi-)orthogonal matrix (the Q of a QR of Gaussian draws, signs fixed by
    R's diagonal, as torch) times ``gain``; trailing axes are flattened.
    Example: ``nn.init.orthogonal_(w)``"""
    _no_generator("orthogonal_", generator)
    _draws_into("orthogonal_", tensor, complex_ok=False)
    s = _r.shape(tensor)
    if len(s) < 2:
        raise ValueError(f"orthogonal_: expected a tensor of at least 2 dimensions, got {s}")
    if 0 in s:
        return tensor
    rows, cols = s[0], math.prod(s[1:])
    flat = gnp.random.normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    xp = _r._xp(flat)
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    return _write(tensor, xp.reshape(q, s) * gain)
