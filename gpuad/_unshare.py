"""Results of eager transforms that would share memory with an argument, made safe.

A transform (``vmap``, the aux of ``value_and_grad``) runs the function on its own
Tensors, which wrap the arguments' arrays without their version counters. A result that is a
view of such an array would let a write change the argument with no version bump, so a step
that saved the argument would backward with the written value: a silently wrong gradient.
Such a result is given back as a copy (as :mod:`gpuad.jit.aliasing` copies a view made by
steps that are not primitives); a result that is a recorded view of the argument Tensor
itself (sharing its version counter), or the argument itself, is kept.

Example::

    y = gpuad.vmap(lambda a: a[0:2])(x)   # a copy: y[0, 0] = 5 leaves x as it was
"""

from __future__ import annotations

import sys
from typing import Any

from ._raw import _xp
from .tensor import Tensor

_TRIVIAL = (type(None), bool, int, float, complex, str)


def arrays_of(leaves) -> list:
    """``(array, owner)`` for each array among ``leaves``: ``owner`` is the Tensor holding it
    (None for a raw array)."""
    out = []
    for x in leaves:
        if isinstance(x, Tensor):
            out.append((x._data, x))
        elif not isinstance(x, _TRIVIAL) and hasattr(x, "strides"):
            out.append((x, None))
    return out


def _may_share(a, b) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(_xp(a).may_share_memory(a, b))
    except (TypeError, ValueError, AttributeError):
        return False


def shared_with(data, args: list):
    """The first ``(array, owner)`` of ``args`` whose memory ``data`` may share, else None."""
    for a, owner in args:
        if a is data or _may_share(data, a):
            return a, owner
    return None


def _copy(a):
    tr = sys.modules.get("gpuad.jit.trace")
    if tr is not None and tr.active() is not None:
        from .numpy import copy  # (recorded, so that a replay computes it)

        return copy(Tensor(a))._data
    c = a.copy()
    if not getattr(getattr(a, "flags", None), "writeable", True):  # NumPy's read-only stay so
        c.flags.writeable = False
    return c


def unshare(x: Any, args: list, raw_args: bool = True) -> Any:
    """``x`` (a result leaf), or a copy of it where it shares memory with an argument array
    of ``args`` (from :func:`arrays_of`) without being that argument Tensor or a recorded view
    of it. ``raw_args=False``: memory shared with a raw argument array is kept (a NumPy view
    of a NumPy argument, as eagerly)."""
    if not args:
        return x
    if isinstance(x, Tensor):
        hit = shared_with(x._data, args)
        if hit is None or x is hit[1] or (hit[1] is not None and x._ver is hit[1]._ver):
            return x
        if hit[1] is None and not raw_args:
            return x
        if x.requires_grad:
            from .numpy import copy

            return copy(x)  # (recorded: differentiated through)
        return Tensor(_copy(x._data), _tan=x._tan, _bat=x._bat)
    if isinstance(x, _TRIVIAL) or not hasattr(x, "strides"):
        return x
    hit = shared_with(x, args)
    if hit is None or (hit[1] is None and not raw_args):
        return x
    return _copy(x)
