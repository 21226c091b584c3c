"""Composites of gpuad.numpy on values batched by vmap, run as one unbatched call.

Functions such as ``median`` or ``quantile`` sort and gather on the raw arrays of one example.
Over an axis, though, they treat every other axis as a batch already: :func:`over_levels` turns
the vmap levels of the arguments into leading axes (the boundary steps vmap itself records,
so the call stays differentiable), runs the function once with its axes shifted past them, and
turns those axes back into levels.

Example (what ``gnp.median(x, axis=0)`` does for a batched ``x``)::

    over_levels(lambda u, k: median(u, axis=shift_axes(0, x.ndim, k)), [x])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import _links
from .._raw import _xp
from ..tensor import Tensor
from . import from_batch, to_batch
from .inplace import unmark

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def batched(*values) -> bool:
    """Whether any of ``values`` is batched by vmap."""
    return any(isinstance(v, Tensor) and v._bat is not None for v in values)


def shift_axes(axis, nd: int, k: int):
    """One example's ``axis`` (None, an int or a tuple) for the array with ``k`` leading axes."""
    if axis is None:
        return tuple(range(k, k + nd))
    if isinstance(axis, tuple | list):
        return tuple(int(a) % max(nd, 1) + k for a in axis)
    return int(axis) % max(nd, 1) + k


def over_levels(fn: Callable, arrays: Sequence, where: str = "", offset: int = 0):
    """``fn(*arrays_unbatched, k)`` with the vmap levels of ``arrays`` as ``k`` leading axes;
    its result (an array or a tuple of them) has them at axis ``offset`` and gets them back
    as levels.

    Every Tensor argument is first batched over all those levels (a shared one by adding a
    batched zero, a step recorded per example), so that the adjoint reaching it stays per
    example: an unbatched Tensor inside the unbatched call would receive the sum over the
    examples, not each example's part. Raw arrays (constants) broadcast from the right."""
    sizes: dict = {}
    dtype = None
    for a in arrays:
        if isinstance(a, Tensor) and a._bat is not None:
            for k, level in enumerate(a._bat):
                sizes[level] = a._data.shape[k]
            dtype = a._data.dtype
    levels = tuple(sorted(sizes))
    zero = None

    def lift(a):
        nonlocal zero
        if not isinstance(a, Tensor):
            return a
        if a._bat != levels:
            if zero is None:
                xp = _xp(a)
                zero = Tensor(xp.zeros(tuple(sizes[b] for b in levels),
                                       dtype=dtype if dtype.kind in "fc" else xp.float64),
                              _bat=levels)
            a = _R.add(a, _R.astype(zero, a.dtype) if a.dtype != zero.dtype else zero)
        for level in reversed(levels):
            a = from_batch(a, level, 0, sizes[level])
        return a

    def lower(r):
        if r is None or isinstance(r, int | float | bool | complex):
            return r
        for level in levels:
            r = to_batch(r, level, offset)
            unmark(r)
        return r

    out = fn(*[lift(a) for a in arrays], len(levels))
    if isinstance(out, tuple):
        return tuple(lower(r) for r in out)
    return lower(out)
