"""``numpy.pad``'s statistic modes: ``maximum``, ``minimum``, ``mean`` and ``median`` with
``stat_length``.

Axis by axis, as NumPy and jax.numpy: the values before (after) the array along an axis are the
statistic of its first (last) ``stat_length`` values there (all of them by default), taken on
the array already padded along the earlier axes. Each statistic is ``gnp.max``, ``min``,
``mean`` or ``median`` of a slice, so the derivatives are theirs, which are jax.numpy's: tied
maxima (minima) share the gradient equally, a median passes it to the middle element(s) of a
stable sort. Integer arrays get rounded statistics (half to even), as in NumPy.
"""

from __future__ import annotations

import numpy as _np

from ..rules import data, ndim, shape
from ..tensor import Tensor

STAT_MODES = ("maximum", "minimum", "mean", "median")


def _gnp():
    from .. import numpy as gnp

    return gnp


def _pairs(value, nd: int, name: str) -> _np.ndarray:
    """``value`` as an (nd, 2) array of non-negative integers, as NumPy reads pad widths."""
    try:
        a = _np.round(_np.asarray(value, dtype=_np.float64)).astype(_np.int64)
        a = _np.broadcast_to(a, (nd, 2))
    except (TypeError, ValueError) as e:
        raise ValueError(f"pad: {name}={value!r} does not give a (before, after) pair for each "
                         f"of the {nd} axes") from e
    if (a < 0).any():
        raise ValueError(f"pad: {name} can't contain negative values, got {value!r}")
    return a


def _axis_slice(x, axis: int, start: int, stop: int):
    return x[(slice(None),) * axis + (slice(start, stop),)]


def pad_stat(x, pad_width, mode: str, stat_length=None):
    """``numpy.pad(x, pad_width, mode, stat_length=...)`` for the statistic modes.

    Example: ``gnp.pad(x, (1, 2), mode="median", stat_length=3)``
    """
    gnp = _gnp()
    if not isinstance(x, Tensor):
        x = gnp.asarray(x)
    nd = ndim(x)
    pw = _pairs(pad_width, nd, "pad_width")
    lengths = None if stat_length is None else _pairs(stat_length, nd, "stat_length")
    s = shape(x)
    for a in range(nd):
        if s[a] == 0 and pw[a].any():
            raise ValueError(f"pad: can't extend empty axis {a} using modes other than "
                             f"'constant' or 'empty'")
    if 0 in s:  # nothing to take a statistic of, and a padded shape of no elements
        return gnp.pad(x, pw.tolist(), mode="constant")
    if mode in ("maximum", "minimum") and lengths is not None and (lengths == 0).any():
        raise ValueError("pad: stat_length of 0 yields no value for padding")
    dt = _np.dtype(data(x).dtype)
    reduce = {"maximum": gnp.max, "minimum": gnp.min, "mean": gnp.mean,
              "median": gnp.median}[mode]

    def stat(part, axis):
        if shape(part)[axis] == 0:  # stat_length 0: NumPy's mean and median of nothing
            if dt.kind not in "fc":
                raise ValueError(f"pad: stat_length of 0 gives NaN in mode {mode!r}, which "
                                 f"an array of {dt} cannot hold")
            nan_shape = shape(part)[:axis] + (1,) + shape(part)[axis + 1:]
            return gnp.full(nan_shape, _np.nan, dtype=dt)
        v = reduce(part, axis=axis, keepdims=True)
        if dt.kind in "iu":
            v = gnp.around(v)
        return v if _np.dtype(data(v).dtype) == dt else v.astype(dt)

    y = x
    for a in range(nd):
        before, after = int(pw[a, 0]), int(pw[a, 1])
        if before == after == 0:
            continue
        n = shape(y)[a]
        lb, la = (n, n) if lengths is None else (min(int(lengths[a, 0]), n),
                                                 min(int(lengths[a, 1]), n))
        parts = []
        for width, lo, hi in ((before, 0, lb), (after, n - la, n)):
            if width:
                v = stat(_axis_slice(y, a, lo, hi), a)
                target = shape(y)[:a] + (width,) + shape(y)[a + 1:]
                parts.append(gnp.broadcast_to(v, target))
        if before:
            parts.insert(1, y)
        else:
            parts.insert(0, y)
        y = gnp.concatenate(parts, axis=a)
    return y
