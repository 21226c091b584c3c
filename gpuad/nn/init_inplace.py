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
import warnings
from typing import Any

import numpy as np

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
    "dirac_",
    "sparse_",
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


def _rng(op: str, generator: Any) -> Any:
    """Where the draws come from: ``gpuad.numpy.random`` by default, or ``generator`` (a
    ``gnp.random.default_rng()`` / NumPy ``Generator`` or ``RandomState``)."""
    if generator is None:
        return gnp.random
    if hasattr(generator, "normal") and hasattr(generator, "uniform"):
        return generator
    raise NotImplementedError(
        f"{op}: generator must be a gpuad.numpy.random / NumPy Generator or RandomState, got "
        f"{type(generator).__name__} (a torch.Generator's stream cannot be reproduced); seed "
        f"gpuad's stream with gpuad.numpy.random.seed or pass gnp.random.default_rng(seed)")


def _kind(op: str, tensor: Any, complex_ok: bool = True) -> str:
    """The dtype kind of ``tensor``, refusing integer and bool tensors (random reals cannot
    be written into them without a silent cast; torch raises too)."""
    kind = np.dtype(tensor.dtype).kind
    if kind not in "fc" or (kind == "c" and not complex_ok):
        raise TypeError(f"{op}: cannot fill a tensor of dtype {tensor.dtype} with random "
                        f"draws; give a floating point{' or complex' if complex_ok else ''} tensor")
    return kind


def _draw(op: str, tensor: Any, generator: Any, how: str, p: float, q: float) -> Any:
    """Draws of ``tensor``'s shape: ``uniform(p, q)`` or ``normal(p, q)``; a complex tensor
    gets independent real and imaginary parts as torch's (each ``U(p, q)``, or
    ``N(p, q / sqrt(2))``: the mean lands on both parts)."""
    rng, shape = _rng(op, generator), _r.shape(tensor)
    draw = getattr(rng, how)
    if how == "uniform" and not (p <= q and math.isfinite(q - p)):
        raise ValueError(f"{op}: expects a finite range [a, b) with a <= b, got a={p}, b={q}")
    if how == "normal" and not q >= 0:
        raise ValueError(f"{op}: expects std >= 0, got std={q}")
    if _kind(op, tensor) == "c":
        if how == "normal":
            q = q / math.sqrt(2.0)
        re, im = gnp.asarray(draw(p, q, shape)), gnp.asarray(draw(p, q, shape))
        return re + 1j * im
    return gnp.asarray(draw(p, q, shape))


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


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """torch's private ``nn.init._calculate_fan_in_and_fan_out`` (called by many model
    files): ``(in * prod(kernel), out * prod(kernel))`` of a weight (out, in, *kernel)."""
    return _fans("_calculate_fan_in_and_fan_out", tensor)


def _calculate_correct_fan(tensor: Any, mode: str) -> int:
    """torch's private ``nn.init._calculate_correct_fan``: the fan of ``mode`` ("fan_in" or
    "fan_out", any case)."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _fans("_calculate_correct_fan", tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from U(a, b) (a complex tensor: real and imaginary parts each).
    Example: ``nn.init.uniform_(w, -0.1, 0.1)``"""
    return _write(tensor, _draw("uniform_", tensor, generator, "uniform", a, b))


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill with draws from N(mean, std^2) (a complex tensor, as torch: real and imaginary
    parts each N(mean, std^2 / 2)). Example: ``nn.init.normal_(w, std=0.02)``"""
    return _write(tensor, _draw("normal_", tensor, generator, "normal", mean, std))


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
    _kind("trunc_normal_", tensor, complex_ok=False)
    if a > b:
        raise ValueError(f"trunc_normal_: need a <= b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    from ..scipy.special import erfinv

    def cdf(v: float) -> float:
        return 0.5 * (1.0 + math.erf((v - mean) / (std * math.sqrt(2.0))))

    lo, hi = 2.0 * cdf(a) - 1.0, 2.0 * cdf(b) - 1.0
    u = gnp.asarray(_rng("trunc_normal_", generator).uniform(lo, hi, _r.shape(tensor)))
    x = erfinv(u) * (std * math.sqrt(2.0)) + mean
    return _write(tensor, gnp.clip(x, a, b))


def _check_fill(op: str, tensor: Any, val: Any) -> None:
    """torch's fill_ checks: no complex number into a real tensor, no non-finite one or one
    out of range into an integer tensor (NumPy's cast would keep garbage silently)."""
    v = np.asarray(val.numpy() if isinstance(val, Tensor) else val)
    if v.ndim or v.dtype == object:
        raise TypeError(f"{op}: the value must be a number, got {type(val).__name__}")
    dt = np.dtype(tensor.dtype)
    if v.dtype.kind == "c" and dt.kind != "c":
        raise TypeError(f"{op}: a complex value {val!r} cannot be written into a {dt} tensor")
    if dt.kind in "iu" and v.dtype.kind in "fc":
        if not np.isfinite(v):
            raise ValueError(f"{op}: {val!r} cannot be converted to {dt} without overflow")
    if dt.kind in "iu":
        info, x = np.iinfo(dt), float(np.real(v))
        low = -info.max if dt.kind == "u" else info.min  # torch lets -n wrap into unsigned
        if not low <= x <= info.max:
            raise ValueError(f"{op}: {val!r} cannot be converted to {dt} without overflow")


def constant_(tensor: Any, val: float) -> Any:
    """Fill with ``val`` (a float into an integer tensor is truncated, as torch's ``fill_``;
    a complex value into a real tensor, or a non-finite or out-of-range one into an integer
    tensor, raises). Example: ``nn.init.constant_(b, 0.1)``"""
    _check_fill("constant_", tensor, val)
    if isinstance(val, Tensor):
        val = val.numpy().item()
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
    return _write(tensor, _draw("xavier_uniform_", tensor, generator, "uniform", -a, a))


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot normal: N(0, std^2), ``std = gain * sqrt(2 / (fan_in + fan_out))``.
    Example: ``nn.init.xavier_normal_(w)``"""
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _write(tensor, _draw("xavier_normal_", tensor, generator, "normal", 0.0, std))


def _kaiming_std(op: str, tensor: Any, a: float, mode: str, nonlinearity: str) -> float:
    if mode.lower() not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(op, tensor)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _empty(tensor: Any) -> bool:
    """A zero-element tensor, with torch's warning that initialising it does nothing."""
    if 0 in _r.shape(tensor):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He uniform: U(-bound, bound), ``bound = gain * sqrt(3 / fan)`` (``a``: leaky_relu's
    slope). Example: ``nn.init.kaiming_uniform_(w, a=math.sqrt(5))`` is torch's Linear init."""
    if _empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return _write(tensor, _draw("kaiming_uniform_", tensor, generator, "uniform", -bound,
                                bound))


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Any:
    """He normal: N(0, std^2), ``std = gain / sqrt(fan)``.
    Example: ``nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")``"""
    if _empty(tensor):
        return tensor
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return _write(tensor, _draw("kaiming_normal_", tensor, generator, "normal", 0.0, std))


def orthogonal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Fill with a (semi-)orthogonal matrix (the Q of a QR of Gaussian draws, signs fixed by
    R's diagonal, as torch) times ``gain``; trailing axes are flattened.
    Example: ``nn.init.orthogonal_(w)``"""
    _kind("orthogonal_", tensor, complex_ok=False)
    s = _r.shape(tensor)
    if len(s) < 2:
        raise ValueError(f"orthogonal_: expected a tensor of at least 2 dimensions, got {s}")
    if 0 in s:
        return tensor
    rows, cols = s[0], math.prod(s[1:])
    flat = gnp.asarray(_rng("orthogonal_", generator).normal(0.0, 1.0, (rows, cols)))
    if rows < cols:
        flat = flat.T
    xp = _r._xp(flat)
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))
    if rows < cols:
        q = q.T
    return _write(tensor, xp.reshape(q, s) * gain)


def dirac_(tensor: Any, groups: int = 1) -> Any:
    """Fill a 3-, 4- or 5-d convolution weight with the Dirac delta: in each of ``groups``
    groups, output channel ``d`` passes input channel ``d`` through at the kernel's centre
    (a convolution that keeps as many channels as it can unchanged).
    Example: ``nn.init.dirac_(conv.weight)``"""
    s = _r.shape(tensor)
    if len(s) not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                         f"got shape {s}")
    if groups < 1 or s[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({s[0]}) must be divisible by groups ({groups})")
    per_group = s[0] // groups
    values = gnp.zeros(s, dtype=tensor.dtype)
    centre = tuple(k // 2 for k in s[2:])
    for g in range(groups):
        for d in range(min(per_group, s[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _write(tensor, values)


def sparse_(tensor: Any, sparsity: float, std: float = 0.01, generator: Any = None) -> Any:
    """Fill a 2-d tensor with N(0, std^2) draws, then zero ``ceil(sparsity * rows)`` entries
    of each column at random rows (Martens 2010), as torch's.
    Example: ``nn.init.sparse_(w, sparsity=0.1)``"""
    s = _r.shape(tensor)
    if len(s) != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape {s}")
    _kind("sparse_", tensor, complex_ok=False)
    rows, cols = s
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _rng("sparse_", generator)
    values = gnp.asarray(rng.normal(0.0, std, s))
    keep = gnp.ones(s, dtype=bool)
    for col in range(cols):
        zero_rows = gnp.asarray(rng.permutation(rows))[:num_zeros]
        keep[zero_rows, col] = False
    return _write(tensor, gnp.where(keep, values, 0.0))
