"""Loc/scale wrapping shared by the continuous distributions gpuad adds beyond jax.scipy.stats
(lognorm, weibull_min, ...): each supplies its standard form on its support, these helpers add
``loc``, ``scale``, the values off the support and nan for invalid parameters, as SciPy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ... import numpy as gnp
from ._common import log_scale, positive_or_one, raw, standardize, valid_scale, valid_shape


def _shapes_like(shapes: tuple, ref: Any) -> tuple:
    """The shape parameters for the formula: a Python number out of range replaced by 1 (its
    result is made nan afterwards), and Python numbers given ``ref``'s dtype when that is a
    narrow float, so that ``lognorm.logpdf(x32, 0.5)`` stays float32 (a special function of a
    Python number gives a float64 array)."""
    out = tuple(positive_or_one(v) for v in shapes)
    dt = getattr(ref, "dtype", None)
    if dt is None or getattr(dt, "kind", "") != "f" or dt.itemsize >= 8:
        return out
    return tuple(gnp.asarray(v, dtype=dt) if isinstance(v, int | float) else v for v in out)


def _outside(y: Any, lo: float, hi: float, strict: bool) -> tuple[Any, Any, Any]:
    yd = raw(y)
    below = yd <= lo if strict else yd < lo
    return below, yd > hi, below | (yd > hi)


def logpdf(f: Callable, x: Any, shapes: tuple, loc: Any, scale: Any, lo: float, hi: float,
           inner: float, strict: bool = False) -> Any:
    """``f(y, *shapes) - log scale`` on the support, -inf off it (a nan x stays nan); ``inner``
    is a point inside the support that replaces ``y`` off it, so no derivative sees a log of a
    negative number; ``strict`` puts ``lo`` itself off the support (a density of 0 there)."""
    y = standardize(x, loc, scale)
    _, _, out = _outside(y, lo, hi, strict)
    val = f(gnp.where(out, inner, y), *_shapes_like(shapes, y)) - log_scale(scale)
    return valid_shape(valid_scale(gnp.where(out, -gnp.inf, val), scale), *shapes)


def tail(f: Callable, x: Any, shapes: tuple, loc: Any, scale: Any, lo: float, hi: float,
         inner: float, below: float, above: float, strict: bool = False) -> Any:
    """``f(y, *shapes)`` on the support, ``below``/``above`` off it (0, 1, -inf: the cdf family).
    """
    y = standardize(x, loc, scale)
    lo_, hi_, out = _outside(y, lo, hi, strict)
    val = f(gnp.where(out, inner, y), *_shapes_like(shapes, y))
    val = gnp.where(lo_, below, gnp.where(hi_, above, val))
    return valid_shape(valid_scale(val, scale), *shapes)


def quantile(f: Callable, q: Any, shapes: tuple, loc: Any, scale: Any) -> Any:
    """``loc + scale f(q, *shapes)`` for ``0 <= q <= 1``, nan elsewhere (as SciPy)."""
    qd = raw(q)
    bad = gnp.isnan(qd) | (qd < 0) | (qd > 1)
    val = f(gnp.where(bad, 0.5, q), *_shapes_like(shapes, gnp.asarray(q) if isinstance(
        q, int | float | list) else q))
    if not (isinstance(scale, int | float) and scale == 1):
        val = scale * val
    if not (isinstance(loc, int | float) and loc == 0):
        val = loc + val
    return valid_shape(valid_scale(gnp.where(bad, gnp.nan, val), scale), *shapes)
