"""torch's ``lerp`` as the optimizers use it (``torch.lerp(start, end, w)``), with the same
rounding: ``start + w (end - start)`` where ``|w| < 0.5``, else ``end - (end - start)(1 - w)``."""

from __future__ import annotations

from typing import Any


def lerp_small(w: float) -> bool:
    """Which of torch's two formulas ``lerp`` uses for the weight ``w`` (a branch: a compiled
    step records one of them)."""
    return abs(w) < 0.5


def lerp_coefficient(w: float) -> float:
    """The number :func:`lerp` multiplies ``end - start`` by: ``w``, or ``w - 1`` (which is
    ``-(1 - w)`` exactly) on the large-weight side."""
    return w if lerp_small(w) else w - 1.0


def lerp(xp: Any, start: Any, end: Any, c: Any, small: bool, out: Any = None) -> Any:
    """torch's ``start.lerp(end, w)`` with ``c = lerp_coefficient(w)`` and ``small =
    lerp_small(w)``; written into ``out`` when given (``out`` may be ``start``).

    Example: ``lerp(xp, buf, g, lerp_coefficient(0.1), lerp_small(0.1), out=buf)``
    """
    d = end - start
    base = start if small else end
    if out is None:
        return base + c * d
    return xp.add(base, c * d, out=out)
