"""Small helpers the formulas of every family use (axes, transposes, traces, masks)."""

from __future__ import annotations

import builtins as _builtins
import math
import operator as _operator

import numpy as _np

from .._raw import _xp, data, ndim, shape

# ---- small helpers used by the formulas ---------------------------------------------------------

def _const(mask, like):
    """A boolean/float mask cast to the floating dtype of ``like``."""
    dt = data(like).dtype if hasattr(data(like), "dtype") else _np.dtype(_np.float64)
    if dt.kind not in "fc":
        dt = _np.dtype(_np.float64)
    return mask.astype(dt)


def _bad_axis(axis):
    what = (f"an array of shape {tuple(axis.shape)} and dtype {getattr(axis, 'dtype', '?')}"
            if hasattr(axis, "shape") else f"{type(axis).__name__} {axis!r}")
    raise TypeError(
        f"axis must be an int or a tuple of ints, got {what}. An array as the second argument "
        f"of max/min/sum is NumPy's axis: for torch.max(a, b), the elementwise maximum of two "
        f"arrays, write gnp.maximum(a, b) (gnp.minimum for torch.min)"
    )


def norm_axis(axis, nd: int):
    if axis is None:
        return None
    if isinstance(axis, int | _np.integer):
        axis = (int(axis),)
    elif hasattr(axis, "shape"):
        axis = (axis,) if len(axis.shape) == 0 else _bad_axis(axis)
    elif not hasattr(axis, "__iter__"):
        axis = (axis,)
    out = []
    for a in axis:
        try:
            a = _operator.index(a)
        except TypeError:
            _bad_axis(a)
        if not -nd <= a < nd:
            raise _np.exceptions.AxisError(
                f"axis {a} is out of bounds for an array of dimension {nd}")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(repeated_axis(axis, out))
    return tuple(sorted(out))


def reduce_axis(axis, nd: int):
    """``axis`` of a ufunc-style reduction (sum, prod, max, min), as NumPy reads it: as
    ``norm_axis``, and a 0-d array also takes a bare 0 or -1, which reduces nothing (``()``).
    A tuple naming an axis of a 0-d array raises, as in NumPy.

    Example: ``reduce_axis(-1, 0) == ()``; ``reduce_axis((0,), 0)`` raises
    """
    if nd == 0 and axis is not None and not isinstance(axis, tuple | list):
        try:
            a = _operator.index(axis)
        except TypeError:
            return norm_axis(axis, nd)
        if a in (0, -1):
            return ()
    return norm_axis(axis, nd)


def one_axis(axis, nd: int, op: str = "") -> int:
    """``axis`` as a position in ``[0, nd)``, or NumPy's ``AxisError`` (a ValueError and an
    IndexError, as torch's out-of-range dim): never wrapped around silently. A 0-d array
    takes axis 0 and -1, as NumPy's cumulative functions do.

    Example: ``one_axis(-1, 3) == 2``; ``one_axis(3, 3)`` raises
    """
    a = _operator.index(axis)
    if not -_builtins.max(nd, 1) <= a < _builtins.max(nd, 1):
        raise _np.exceptions.AxisError(a, nd, op or None)
    return a % _builtins.max(nd, 1)


def axes_in_order(axis, nd: int, op: str = "") -> tuple:
    """``axis`` (an int or a sequence of them) as positions in ``[0, nd)``, in the order given:
    one out of range raises NumPy's ``AxisError`` and one named twice a ValueError, both
    naming ``op``; never wrapped around or merged silently.

    Example: ``axes_in_order((0, -1), 3) == (0, 2)``; ``axes_in_order((0, -3), 3)`` raises
    """
    given = (axis,) if isinstance(axis, int | _np.integer) else tuple(axis)
    out = tuple(one_axis(a, nd, op) for a in given)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: " + repeated_axis(given, out) if op else
                         repeated_axis(given, out))
    return out


def repeated_axis(axis, normalised) -> str:
    """The message for an axis named twice (NumPy's "duplicate value in 'axis'", torch's "dim
    appears multiple times"): both libraries refuse it, so gpuad does not drop the repeat."""
    twice = next(a for a in normalised if list(normalised).count(a) > 1)
    return (f"duplicate value in 'axis': {tuple(axis)} names axis {twice} more than once "
            f"(negative axes count from the end); name each axis once")


def _kept_shape(shape_, axis):
    if axis is None:
        return (1,) * len(shape_)
    return tuple(1 if i in axis else n for i, n in enumerate(shape_))


def _expand(g, axis, keepdims, shape_):
    """Reshape a reduced array so it broadcasts against the unreduced ``shape_``."""
    if keepdims:
        return g
    return reshape(g, _kept_shape(shape_, axis))


def _unreduce(g, axis, keepdims, shape_):
    return broadcast_to(_expand(g, axis, keepdims, shape_), shape_)


def swapaxes(x, a: int, b: int):
    """Exchange two axes. Example: ``gnp.swapaxes(x, 0, 1)``"""
    n = ndim(x)
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))


def _mT(x):
    return swapaxes(x, -1, -2)


def _eye_like(n, like):
    return _xp(like).eye(n, dtype=data(like).dtype)


def _tr(m):
    """Trace over the last two axes."""
    n = shape(m)[-1]
    return sum(m * _eye_like(n, m), (ndim(m) - 2, ndim(m) - 1))


def _flip(x, axis):
    idx = [slice(None)] * ndim(x)
    idx[axis] = slice(None, None, -1)
    return getitem(x, tuple(idx))


def _take_axis(x, start, stop, axis):
    idx = [slice(None)] * ndim(x)
    idx[axis] = slice(start, stop)
    return getitem(x, tuple(idx))


LN2 = math.log(2.0)
LN10 = math.log(10.0)
SQRT_PI = math.sqrt(math.pi)

builtins_sum = _builtins.sum
builtins_max = _builtins.max


def builtins_prod(shape_) -> int:
    n = 1
    for d in shape_:
        n *= d
    return n


# names of the other families, which the formulas call (imported last: the families
# use one another)
from .indexing import getitem  # noqa: E402
from .reductions import sum  # noqa: E402
from .shapes import broadcast_to, reshape, transpose  # noqa: E402
