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


def piecewise_interpolate_schedule(
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: dict[int, float] | None = None,
) -> Schedule:
    """From step 0 to each boundary, ``"linear"`` or ``"cosine"`` interpolation from one
    value to the next, the values being ``init_value`` times the running product of the
    scales; the last value after the last boundary (0 before step 0).

    Example::

        piecewise_interpolate_schedule("linear", 1.0, {10: 0.5})(5)  # 0.75
    """
    if interpolate_type not in ("linear", "cosine"):
        raise ValueError(
            f"piecewise_interpolate_schedule: interpolate_type must be 'linear' or 'cosine', "
            f"got {interpolate_type!r}"
        )
    items = sorted((boundaries_and_scales or {}).items())
    if any(s < 0 for _, s in items):
        raise ValueError("piecewise_interpolate_schedule: the scales must be non-negative")
    bounds = [0] + [int(b) for b, _ in items]
    values = [float(init_value)]
    for _, s in items:
        values.append(values[-1] * s)

    def interp(a: float, b: float, pct: Any) -> Any:
        if interpolate_type == "linear":
            return a + pct * (b - a)
        return b + (a - b) * 0.5 * (1 + gnp.cos(math.pi * pct))

    def schedule(count: Any) -> Any:
        out = gnp.where(count >= bounds[-1], values[-1], 0.0)
        for k in range(len(items)):
            lo, hi = bounds[k], bounds[k + 1]
            if hi == lo:
                continue
            inside = (count >= lo) & (count < hi)
            pct = (count - lo) / (hi - lo)
            out = out + gnp.where(inside, interp(values[k], values[k + 1], pct), 0.0)
        return out

    return schedule


def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """The one-cycle policy, linearly: ``peak_value / div_factor`` up to ``peak_value`` at
    ``pct_start * transition_steps``, back down at ``pct_final``, then to ``1 /
    final_div_factor`` of that at ``transition_steps``.

    Example::

        lr = linear_onecycle_schedule(1000, peak_value=1e-2)
    """
    if transition_steps <= 0:
        raise ValueError(
            f"linear_onecycle_schedule: transition_steps must be positive, got {transition_steps}"
        )
    return piecewise_interpolate_schedule(
        "linear",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(pct_final * transition_steps): 1.0 / div_factor,
            transition_steps: 1.0 / final_div_factor,
        },
    )


def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """The one-cycle policy with cosine annealing: ``peak_value / div_factor`` up to
    ``peak_value`` at ``pct_start * transition_steps``, then down to ``peak_value /
    (div_factor * final_div_factor)`` at ``transition_steps``.

    Example::

        lr = cosine_onecycle_schedule(1000, peak_value=1e-2)
    """
    if transition_steps <= 0:
        raise ValueError(
            f"cosine_onecycle_schedule: transition_steps must be positive, got {transition_steps}"
        )
    return piecewise_interpolate_schedule(
        "cosine",
        peak_value / div_factor,
        {
            int(pct_start * transition_steps): div_factor,
            int(transition_steps): 1.0 / (div_factor * final_div_factor),
        },
    )


def warmup_exponential_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """Linear warm-up to ``peak_value`` over ``warmup_steps``, then
    :func:`exponential_decay` from ``peak_value`` (its count starting after the warm-up).

    Example::

        lr = warmup_exponential_decay_schedule(0.0, 1e-3, 100, 1000, decay_rate=0.5)
    """
    return join_schedules(
        [
            linear_schedule(init_value, peak_value, warmup_steps),
            exponential_decay(
                peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value
            ),
        ],
        [warmup_steps],
    )


def sgdr_schedule(cosine_kwargs: Sequence[dict]) -> Schedule:
    """SGD with warm restarts (Loshchilov and Hutter): one
    :func:`warmup_cosine_decay_schedule` per dict of ``cosine_kwargs``, each starting
    where the previous one's ``decay_steps`` end.

    Example::

        lr = sgdr_schedule([dict(init_value=0.0, peak_value=1e-2, warmup_steps=10,
                                 decay_steps=100)] * 3)
    """
    schedules, boundaries, step = [], [], 0
    for kwargs in cosine_kwargs:
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    if not schedules:
        raise ValueError("sgdr_schedule: give at least one dict of cosine_kwargs")
    return join_schedules(schedules, boundaries[:-1])
