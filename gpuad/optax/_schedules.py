"""optax's schedules: functions of the step count (an int or an int array, traced under
``gpuad.jit``), written with ``gpuad.numpy`` so no value is read on the host."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from .. import numpy as gnp
from ._base import Schedule

_log = logging.getLogger(__name__)  # optax logs these fallbacks, it does not warn


def constant_schedule(value: float) -> Schedule:
    """``value`` at every step.

    Example::

        constant_schedule(1e-3)(10)  # 1e-3
    """
    return lambda count: value


def polynomial_schedule(
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """From ``init_value`` to ``end_value`` along ``(1 - t)**power`` over
    ``transition_steps`` steps starting at ``transition_begin``, then ``end_value``.

    Example::

        polynomial_schedule(1.0, 0.0, power=2, transition_steps=10)(5)  # 0.25
    """
    if transition_steps <= 0:
        _log.info(
            "polynomial_schedule: transition_steps <= 0 gives a constant schedule at init_value"
        )
        return constant_schedule(init_value)
    if transition_begin < 0:
        _log.info("polynomial_schedule: transition_begin < 0 is taken as 0")
        transition_begin = 0

    def schedule(count: Any) -> Any:
        t = gnp.clip(count - transition_begin, 0, transition_steps)
        return (init_value - end_value) * (1 - t / transition_steps) ** power + end_value

    return schedule


def linear_schedule(
    init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """From ``init_value`` to ``end_value`` linearly over ``transition_steps`` steps.

    Example::

        linear_schedule(0.0, 1.0, transition_steps=10)(5)  # 0.5
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def cosine_decay_schedule(
    init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``init_value * ((1 - alpha) * c**exponent + alpha)``, ``c = (1 + cos(pi * t /
    decay_steps)) / 2``, ``t`` the step count up to ``decay_steps``.

    Example::

        cosine_decay_schedule(1.0, decay_steps=100)(50)  # 0.5
    """
    if decay_steps <= 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be positive, got {decay_steps}")

    def schedule(count: Any) -> Any:
        t = gnp.minimum(count, decay_steps)
        cosine = 0.5 * (1 + gnp.cos(math.pi * t / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``init_value * decay_rate**((count - transition_begin) / transition_steps)`` (the
    exponent floored with ``staircase``), ``init_value`` before ``transition_begin``,
    bounded by ``end_value`` when given.

    Example::

        exponential_decay(1.0, transition_steps=10, decay_rate=0.5)(20)  # 0.25
    """
    if transition_steps <= 0:
        _log.info(
            "exponential_decay: transition_steps <= 0 gives a constant schedule at init_value"
        )
        return constant_schedule(init_value)
    if decay_rate == 0:
        _log.info("exponential_decay: decay_rate 0 gives a constant schedule at init_value")
        return constant_schedule(init_value)
    if transition_begin < 0:
        _log.info("exponential_decay: transition_begin < 0 is taken as 0")
        transition_begin = 0

    def schedule(count: Any) -> Any:
        elapsed = count - transition_begin
        p = elapsed / transition_steps
        if staircase:
            p = gnp.floor(p)
        value = init_value * decay_rate**p
        if transition_begin > 0:
            value = gnp.where(elapsed <= 0, init_value, value)
        if end_value is not None:
            value = (gnp.maximum if decay_rate < 1 else gnp.minimum)(value, end_value)
        return value

    return schedule


def join_schedules(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """``schedules[k](count - boundaries[k - 1])`` from ``boundaries[k - 1]`` on: each
    schedule restarts its count at its boundary.

    Example::

        warm = join_schedules([linear_schedule(0.0, 1.0, 10), constant_schedule(1.0)], [10])
    """
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(
            f"join_schedules: {len(schedules)} schedules for {len(boundaries)} boundaries; "
            f"give one schedule more than boundaries"
        )

    def schedule(count: Any) -> Any:
        out = schedules[0](count)
        for boundary, sched in zip(boundaries, schedules[1:], strict=True):
            out = gnp.where(count < boundary, out, sched(count - boundary))
        return out

    return schedule


def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps``, then
    cosine decay to ``end_value`` at ``decay_steps`` (counted from step 0, warm-up included).

    Example::

        lr = warmup_cosine_decay_schedule(0.0, 1e-3, warmup_steps=100, decay_steps=1000)
    """
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent),
        ],
        [warmup_steps],
    )


def piecewise_constant_schedule(
    init_value: float, boundaries_and_scales: dict[int, float] | None = None
) -> Schedule:
    """``init_value`` times every ``scale`` whose boundary the step count has reached.

    Example::

        piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.1})(15)  # 0.1
    """
    items = sorted((boundaries_and_scales or {}).items())
    if any(s < 0 for _, s in items):
        raise ValueError("piecewise_constant_schedule: the scales must be non-negative")

    def schedule(count: Any) -> Any:
        value = init_value
        for boundary, s in items:
            value = gnp.where(count < boundary, value, value * s)
        return value

    return schedule
