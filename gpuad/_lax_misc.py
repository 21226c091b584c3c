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
