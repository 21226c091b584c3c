"""Small ``jax.lax`` names: ``tile``, ``optimization_barrier``, ``shape_as_value``,
``composite`` and ``AccuracyMode`` (accepted by the transcendental functions and ignored:
gpuad computes them at the backend's full precision)."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from . import numpy as _gnp
from ._raw import shape as _shape


class AccuracyMode(enum.Enum):
    """``jax.lax.AccuracyMode``: gpuad's transcendental functions always take the backend's
    most accurate kernel, so every mode gives the same numbers."""

    DEFAULT = 0
    HIGHEST = 1


def check_accuracy(op: str, accuracy: Any) -> None:
    """Refuse an ``accuracy=`` that is neither None, an AccuracyMode nor a tolerance object."""
    if accuracy is None or isinstance(accuracy, AccuracyMode):
        return
    if hasattr(accuracy, "atol") or hasattr(accuracy, "rtol"):
        return
    raise TypeError(
        f"lax.{op}: accuracy must be None or a lax.AccuracyMode, got {accuracy!r}"
    )


def tile(operand: Any, reps: Sequence[int]) -> Any:
    """``operand`` repeated ``reps[i]`` times along dimension ``i`` (``reps`` has one entry
    per dimension, each >= 0). Example: ``lax.tile(x, (2, 1))``"""
    reps = tuple(reps)
    s = _shape(operand)
    if len(reps) != len(s) or any(not isinstance(r, int | _np.integer) or r < 0 for r in reps):
        raise ValueError(
            f"lax.tile: reps must hold one non-negative int per dimension of the operand's "
            f"shape {s}, got {reps}"
        )
    return _gnp.tile(operand, reps)


def optimization_barrier(operand: Any) -> Any:
    """``operand`` (a pytree) unchanged: XLA's scheduling barrier means nothing to gpuad's
    eager evaluation. Differentiable (the identity)."""
    return operand


def shape_as_value(shape: Sequence[int]) -> Any:
    """The (static) ``shape`` as an int32 vector. Example: ``lax.shape_as_value(x.shape)``"""
    return _np.asarray(tuple(shape), dtype=_np.int32).reshape((len(tuple(shape)),))


def composite(decomposition: Callable, name: str, version: int = 0) -> Callable:
    """``decomposition`` itself (``name`` and ``version`` label XLA's composite op, which
    gpuad does not build). Keyword arguments of a call are passed on as the attributes.
    gpuad differentiates through the decomposition where JAX refuses a composite's JVP."""
    if not isinstance(name, str):
        raise TypeError(f"lax.composite: name must be a str, got {name!r}")

    @functools.wraps(decomposition)
    def call(*args: Any, **attributes: Any) -> Any:
        return decomposition(*args, **attributes)

    return call


def ragged_dot(
    lhs: Any,
    rhs: Any,
    group_sizes: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    group_offset: Any = None,
) -> Any:
    """``lhs`` (m, k) times the group's kernel of ``rhs`` (g, k, n): the first
    ``group_sizes[0]`` rows use ``rhs[0]``, the next ``group_sizes[1]`` ``rhs[1]``, ...; rows
    past ``sum(group_sizes)`` are 0. Differentiable in ``lhs`` and ``rhs`` (the sizes are
    integers). Example: ``lax.ragged_dot(x, w, jnp.array([3, 5]))``"""
    ls, rs, gs = _shape(lhs), _shape(rhs), _shape(group_sizes)
    if len(ls) != 2 or len(rs) != 3 or ls[1] != rs[1]:
        raise TypeError(
            f"lax.ragged_dot: takes lhs (m, k) and rhs (g, k, n), got shapes {ls} and {rs}; "
            f"other layouts (ragged_dot_general) are not provided"
        )
    if gs != (rs[0],):
        raise TypeError(
            f"lax.ragged_dot: expected group_sizes to have shape ({rs[0]},), got {gs}"
        )
    kind = getattr(group_sizes, "dtype", None)
    if kind is None or _np.dtype(kind).kind not in "iu":
        raise TypeError(f"lax.ragged_dot: group_sizes must be integers, got {kind}")
    if group_offset is not None:
        raise NotImplementedError("lax.ragged_dot: group_offset is not supported")
    ends = _gnp.cumsum(group_sizes)
    rows = _gnp.arange(ls[0])
    group = _gnp.clip(_gnp.searchsorted(ends, rows, side="right"), 0, rs[0] - 1)
    out = _gnp.einsum("mk,mkn->mn", lhs, _gnp.take(rhs, group, axis=0))
    out = _gnp.where((rows < ends[-1])[:, None], out, 0)
    if preferred_element_type is not None:
        out = out.astype(preferred_element_type)
    return out


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The NumPy broadcast of ``shapes``, as Python ints. Example:
    ``lax.broadcast_shapes((1, 2, 3), (2, 3))`` -> ``(1, 2, 3)``"""
    for s in shapes:
        if isinstance(s, str | bytes) or not all(
            isinstance(d, int | _np.integer) and not isinstance(d, bool) for d in tuple(s)
        ):
            raise TypeError(f"lax.broadcast_shapes: shapes must be sequences of ints, got {s!r}")
        if any(d < 0 for d in s):
            raise TypeError(f"lax.broadcast_shapes: only non-negative sizes are allowed, got {s}")
    try:
        return tuple(int(d) for d in _np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise ValueError(
            f"lax.broadcast_shapes: incompatible shapes for broadcasting: {shapes}"
        ) from None


class FftType(enum.IntEnum):
    """``jax.lax.FftType``."""

    FFT = 0
    IFFT = 1
    RFFT = 2
    IRFFT = 3


def fft(x: Any, fft_type: Any, fft_lengths: Sequence[int]) -> Any:
    """``jax.lax.fft``: the n-dimensional transform ``fft_type`` (a ``FftType`` or ``'fft'``,
    ``'ifft'``, ``'rfft'``, ``'irfft'``) over the last ``len(fft_lengths)`` axes.
    Differentiable. Example: ``lax.fft(x, lax.FftType.FFT, x.shape[-2:])``"""
    if isinstance(fft_type, str):
        try:
            fft_type = FftType[fft_type.upper()]
        except KeyError:
            raise ValueError(f"lax.fft: unknown fft_type {fft_type!r}") from None
    fft_type = FftType(int(fft_type))
    lengths = tuple(int(n) for n in fft_lengths)
    s = _shape(x)
    k = len(lengths)
    if k > len(s) or k > 3:
        raise ValueError(f"lax.fft: {k} fft_lengths for an operand of shape {s} (at most 3)")
    axes = tuple(range(len(s) - k, len(s)))
    last = s[len(s) - k:]
    want = lengths if fft_type != FftType.IRFFT else lengths[:-1] + (lengths[-1] // 2 + 1,)
    if k and tuple(last) != tuple(want):
        raise ValueError(
            f"lax.fft: fft_lengths {lengths} do not match the last axes {tuple(last)} of the "
            f"operand for {fft_type.name}"
        )
    if k == 0:
        return x
    f = _gnp.fft
    if fft_type == FftType.FFT:
        return f.fftn(x, axes=axes)
    if fft_type == FftType.IFFT:
        return f.ifftn(x, axes=axes)
    if fft_type == FftType.RFFT:
        return f.rfftn(x, axes=axes)
    return f.irfftn(x, s=lengths, axes=axes)
