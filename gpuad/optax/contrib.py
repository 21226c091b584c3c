"""``optax.contrib``: :func:`reduce_on_plateau`, and ``dpsgd`` with
``differentially_private_aggregate`` (also at ``gpuad.optax``' top level)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..tree import tree_map
from ._base import GradientTransformationExtraArgs, _cast, _on_device, _safe_increment
from ._extras import (  # noqa: F401  (optax files them under contrib)
    DifferentiallyPrivateAggregateState,
    differentially_private_aggregate,
    dpsgd,
)


class ReduceLROnPlateauState(NamedTuple):
    scale: Any
    best_value: Any
    plateau_count: Any
    cooldown_count: Any
    count: Any
    avg_value: Any


def reduce_on_plateau(
    factor: float = 0.1,
    patience: int = 10,
    rtol: float = 1e-4,
    atol: float = 0.0,
    cooldown: int = 0,
    accumulation_size: int = 1,
    min_scale: float = 0.0,
) -> GradientTransformationExtraArgs:
    """Scale the updates by ``state.scale``, multiplied by ``factor`` once the loss (the
    mean of ``accumulation_size`` values given as ``update(..., value=loss)``) has not gone
    below ``(1 - rtol) * best - atol`` for ``patience`` such means; after a reduction,
    ``cooldown`` means pass without counting; the scale stays at least ``min_scale``.

    Example::

        opt = chain(adam(1e-3), reduce_on_plateau(patience=5))
        updates, state = opt.update(grads, opt.init(params), params, value=2.0)
    """
    if not 0.0 < factor < 1.0:
        raise ValueError(f"reduce_on_plateau: factor must be in (0, 1), got {factor}")
    if rtol < 0.0 or atol < 0.0:
        raise ValueError(f"reduce_on_plateau: rtol and atol must be >= 0, got {rtol}, {atol}")
    if rtol == 0.0 and atol == 0.0:
        raise ValueError("reduce_on_plateau: rtol and atol cannot both be 0")
    if rtol >= 1.0:
        raise ValueError(f"reduce_on_plateau: rtol must be below 1, got {rtol}")

    i32 = _np.int32

    def init(params):
        # distinct arrays: a jitted step keys on which inputs are the same object
        zeros = [gnp.zeros((), dtype=i32) for _ in range(3)]
        return ReduceLROnPlateauState(
            gnp.asarray(1.0), gnp.asarray(_np.inf), *zeros, gnp.asarray(0.0)
        )

    def update(updates, state, params=None, *, value=None, **extra_args):
        if value is None:
            raise TypeError(
                "reduce_on_plateau: update needs the loss, update(updates, state, params, "
                "value=loss)"
            )
        count = state.count + 1
        avg = (
            state.count * state.avg_value + gnp.asarray(value).astype(state.avg_value.dtype)
        ) / count
        due = count == accumulation_size

        improved = avg < (1 - rtol) * state.best_value - atol
        best = gnp.where(improved, avg, state.best_value)
        plateau = gnp.where(improved, 0, _safe_increment(state.plateau_count))
        cooling = state.cooldown_count > 0
        hit = plateau == patience
        new_plateau = gnp.where(cooling, 0, gnp.where(hit, 0, plateau))
        new_scale = gnp.where(
            cooling,
            state.scale,
            gnp.maximum(gnp.where(hit, state.scale * factor, state.scale), min_scale),
        )
        new_cool = gnp.where(cooling, state.cooldown_count - 1, gnp.where(hit, cooldown, 0))

        zero = gnp.zeros((), dtype=i32)
        new = ReduceLROnPlateauState(
            gnp.where(due, new_scale, state.scale).astype(state.scale.dtype),
            gnp.where(due, best, state.best_value).astype(state.best_value.dtype),
            gnp.where(due, new_plateau, state.plateau_count).astype(i32),
            gnp.where(due, new_cool, state.cooldown_count).astype(i32),
            gnp.where(due, zero, count).astype(i32),
            gnp.where(due, 0.0, avg).astype(state.avg_value.dtype),
        )
        updates = tree_map(lambda g: _cast(new.scale, g.dtype) * g, _on_device(updates))
        return updates, new

    return GradientTransformationExtraArgs(init, update)


__all__ = ["ReduceLROnPlateauState", "reduce_on_plateau"]


_ABSENT = (
    "mechanize",
    "prodigy",
    "dog",
    "dowg",
    "sam",
    "cocob",
    "dadapt_adamw",
    "muon",
    "schedule_free",
    "schedule_free_adamw",
    "momo",
    "sophia",
    "ademamix",
    "acprop",
)


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(
            f"gpuad.optax.contrib has no {name!r}: of optax.contrib only reduce_on_plateau, "
            f"dpsgd and differentially_private_aggregate are provided; use one of "
            f"gpuad.optax's optimizers instead"
        )
    raise AttributeError(f"module 'gpuad.optax.contrib' has no attribute {name!r}")
