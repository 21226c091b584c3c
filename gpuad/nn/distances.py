"""Distances between sets of points with torch's arguments: ``cdist`` (``torch.cdist``), and the
``p``-norm of differences that it shares with ``pdist``.

Compositions of gpuad primitives, differentiable in both modes and to any order. Where a
distance has no derivative the composition takes torch's subgradient: a zero distance passes
no gradient (for every ``p``; for ``p < 1`` a zero difference passes none either), and for
``p=inf`` every difference tied for the largest passes the whole gradient, as torch's backward.

Example::

    import gpuad.nn.functional as F
    d = F.cdist(x1, x2)          # (..., P, M), (..., R, M) -> (..., P, R)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import data

__all__ = ["cdist"]

Array = Any

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")


def lp_of_differences(diff: Array, p: float) -> Array:
    """The ``p``-norm of ``diff`` over its last axis (``p`` >= 0, ``inf`` too), with torch's
    subgradients at zero distances and ties (see the module)."""
    a = gnp.abs(diff)
    raw = data(a)
    if p == 0:  # the count of nonzero differences: derivative 0
        return gnp.sum(gnp.where(raw != 0, 1.0, a * 0.0), axis=-1)
    if p == math.inf:
        if raw.shape[-1] == 0:
            return gnp.sum(a, axis=-1)
        top = gnp.max(raw, axis=-1, keepdims=True)
        ties = gnp.where(raw == top, a - stop_gradient(a), 0.0)
        return top[..., 0] + gnp.sum(ties, axis=-1)
    pos = raw > 0
    safe = gnp.where(pos, a, 1.0)
    powered = gnp.where(pos, safe if p == 1 else safe**p, 0.0)
    total = gnp.sum(powered, axis=-1)
    if p == 1:
        return total
    nz = data(total) > 0
    return gnp.where(nz, gnp.where(nz, total, 1.0) ** (1.0 / p), 0.0)


def _euclid_by_matmul(x1: Array, x2: Array) -> Array:
    """``sqrt(|x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j)``, clamped at 0 as torch's matmul path (its
    rounding too: about ``eps * |x|^2`` in the squared distance)."""
    n1 = gnp.sum(x1 * x1, axis=-1)[..., :, None]
    n2 = gnp.sum(x2 * x2, axis=-1)[..., None, :]
    sq = n1 + n2 - 2.0 * gnp.matmul(x1, gnp.swapaxes(x2, -1, -2))
    pos = data(sq) > 0
    return gnp.where(pos, gnp.sqrt(gnp.where(pos, sq, 1.0)), 0.0)


def cdist(x1: Array, x2: Array, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Array:
    """The ``p``-norm distances between the rows of ``x1`` (..., P, M) and of ``x2``
    (..., R, M), batch dims broadcast, as ``torch.cdist``: shape (..., P, R). For ``p=2``,
    ``compute_mode`` chooses torch's matrix-product formula (``use_mm_for_euclid_dist``, and
    by default when P or R exceeds 25) or the differences (``donot_use_mm_for_euclid_dist``).
    A zero distance passes no gradient, as torch's.

    Example: ``F.cdist(queries, keys, p=1.0)``
    """
    s1, s2 = tuple(_r.shape(x1)), tuple(_r.shape(x2))
    if len(s1) < 2 or len(s2) < 2:
        raise ValueError(f"cdist only supports at least 2D tensors, got shapes {s1} and {s2}")
    if s1[-1] != s2[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns, got shapes "
                         f"{s1} and {s2}")
    for name, x in (("x1", x1), ("x2", x2)):
        if data(x).dtype.kind != "f":
            raise TypeError(f"cdist only supports floating-point dtypes, {name} got "
                            f"{data(x).dtype}")
    if not p >= 0:
        raise ValueError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(_COMPUTE_MODES)}; "
                         f"got {compute_mode!r}")
    try:
        batch = tuple(gnp.broadcast_shapes(s1[:-2], s2[:-2]))
    except ValueError as e:
        raise ValueError(f"cdist: the batch dims of shapes {s1} and {s2} do not broadcast") \
            from e
    if s1[:-2] != batch:
        x1 = gnp.broadcast_to(x1, batch + s1[-2:])
    if s2[:-2] != batch:
        x2 = gnp.broadcast_to(x2, batch + s2[-2:])
    big = s1[-2] > 25 or s2[-2] > 25
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist"
                   or (compute_mode == _COMPUTE_MODES[0] and big)):
        return _euclid_by_matmul(x1, x2)
    return lp_of_differences(x1[..., :, None, :] - x2[..., None, :, :], p)
