"""Shape primitives: reshape, transpose, broadcast_to, concatenate."""

from __future__ import annotations

import operator as _operator

import numpy as _np

from .._raw import _xp, data, ndim, shape
from ..engine import apply1 as _apply1
from ..tensor import Tensor as _Tensor
from . import abstract as _A
from .core import prim


def _unchanged(x):
    """The result of a view op (reshape, transpose, broadcast_to) that changes nothing: a new
    view of a Tensor that requires grad, as NumPy's and torch's view functions return an object
    of its own (a hook, ``retain_grad`` or ``.grad`` on it then sees only the gradient of its
    own uses, not every use of ``x``); ``x`` itself otherwise (no step recorded)."""
    if x.__class__ is _Tensor and x.requires_grad:
        return x[...]
    return x


# ---- shape -----------------------------------------------------------------------------------

def size_of(n, op: str = "reshape") -> int:
    """One size of a shape as NumPy reads it (``operator.index``): a Python or NumPy integer,
    a 0-d integer array or Tensor; a float (``2.0``) or a boolean raises TypeError, as NumPy's
    ``reshape`` does (``int(n)`` would take ``2.5`` as 2 and ``True`` as 1)."""
    if n.__class__ is int:
        return n
    if isinstance(n, bool | _np.bool_) or getattr(n, "dtype", None) == _np.bool_:
        raise TypeError(f"{op}: a size must be an integer, got the boolean {n!r} "
                        f"(NumPy refuses it too)")
    dt = getattr(n, "dtype", None)
    if dt is not None and getattr(n, "ndim", None) == 0 and _np.dtype(dt).kind in "iu":
        return int(n)  # a 0-d integer array of any backend (CuPy's have no __index__)
    try:
        return _operator.index(n)
    except TypeError:
        raise TypeError(f"{op}: a size must be an integer, got {n!r} of type "
                        f"{type(n).__name__} (NumPy raises TypeError too: "
                        f"'{type(n).__name__}' object cannot be interpreted as an integer)"
                        ) from None


reshape_ = prim("reshape", lambda xp, x, newshape, oldshape: x.reshape(newshape)
                if x.__class__ is _np.ndarray else xp.reshape(x, newshape),
                vjp=[lambda g, ans, x, newshape, oldshape: reshape(g, oldshape)],
                jvp=[lambda t, ans, x, newshape, oldshape: reshape(t, newshape)], view=True)
reshape_.rule.np_params_fn = lambda x, p: x.reshape(p["newshape"])


def reshape(x, newshape):
    """``numpy.reshape``; ``-1`` infers one dimension."""
    if x.__class__ is _Tensor and x._bat is None and newshape.__class__ is tuple:
        old = x._data.shape
        for n in newshape:
            if n.__class__ is not int or n < 0:
                break  # (-1, NumPy integers: normalised below)
        else:  # Python ints already, none to infer (without the op's own argument packing)
            if newshape == old:
                return _unchanged(x)
            return _apply1(reshape_.rule, x, {"newshape": newshape, "oldshape": old})
    old = tuple(x._data.shape) if x.__class__ is _Tensor and x._bat is None else shape(x)
    if newshape.__class__ is tuple:  # Python ints already: taken as they are
        for n in newshape:
            if n.__class__ is not int:
                newshape = tuple(size_of(n) for n in newshape)
                break
    elif isinstance(newshape, int | _np.integer):
        newshape = (size_of(newshape),)
    else:
        newshape = tuple(size_of(n) for n in newshape)
    if -1 in newshape:
        known = 1
        for n in newshape:
            if n != -1:
                known *= n
        total = 1
        for n in old:
            total *= n
        if newshape.count(-1) > 1 or not known:  # (a -1 beside a 0 could be any size)
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {old} into {newshape}: "
                + ("only one dim can be -1" if newshape.count(-1) > 1 else
                   "the -1 could be any size next to a 0 dim; give every size"))
        newshape = tuple(total // known if known and n == -1 else (0 if n == -1 else n)
                         for n in newshape)
    if newshape == old:
        return _unchanged(x)
    if x.__class__ is _Tensor:  # (without the op's own argument packing)
        return _apply1(reshape_.rule, x, {"newshape": newshape, "oldshape": old})
    return reshape_(x, newshape=newshape, oldshape=old)


def _axis_in(a, nd: int) -> int:
    """An axis of ``transpose`` in ``[0, nd)``; NumPy's errors for a non-integer or an axis
    out of range (``a % nd`` would pick another axis silently)."""
    if isinstance(a, bool) or not isinstance(a, int | _np.integer):
        raise TypeError(f"transpose: axes must be integers, got {a!r}")
    if not -nd <= a < nd:
        raise _np.exceptions.AxisError(f"transpose: axis {a} is out of bounds for an array of "
                                       f"dimension {nd}")
    return int(a) % nd


transpose_ = prim("transpose", lambda xp, x, axes: xp.transpose(x, axes),
                  vjp=[lambda g, ans, x, axes: transpose_(
                      g, axes=tuple(int(i) for i in _np.argsort(axes)))],
                  jvp=[lambda t, ans, x, axes: transpose_(t, axes=axes)], view=True)


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    nd = ndim(x)
    axes = tuple(range(nd))[::-1] if axes is None else tuple(_axis_in(a, nd) for a in axes)
    if axes == tuple(range(nd)):
        return _unchanged(x)
    return transpose_(x, axes=axes)


def _broadcast_fwd(xp, x, shape):
    n = getattr(x, "size", 0)
    if n and n == _np.prod(shape) and hasattr(x, "reshape"):
        # new dims of length 1 only: a writable view, as torch's expand (NumPy's
        # broadcast_to is read-only)
        r = x.reshape(shape)
        if xp.may_share_memory(r, x):
            return r
    return xp.broadcast_to(x, shape)


broadcast_to_ = prim("broadcast_to", _broadcast_fwd,
                     vjp=[lambda g, ans, x, shape: g],
                     jvp=[lambda t, ans, x, shape: broadcast_to(t, shape)], view=True)


def broadcast_to(x, shape_):
    """Broadcast to ``shape_`` (the adjoint sums back)."""
    shape_ = tuple(shape_)
    xs = shape(x)
    if xs == shape_:
        return _unchanged(x)
    if len(shape_) < len(xs) or any(
            d < 0 for d in shape_) or any(a != 1 and a != b for a, b in zip(
                xs[::-1], shape_[::-1], strict=False)):  # (the fast paths below would reshape)
        raise ValueError(f"broadcast_to: cannot broadcast an array of shape {xs} to shape "
                         f"{shape_} (each dim must be 1 or equal the target's, counted from "
                         f"the last, and no target dim negative)")
    if type(x) is _np.ndarray and x.size == 1:
        # a read-only zero-stride view, ~10x cheaper to make than numpy.broadcast_to
        v = _np.ndarray(shape_, x.dtype, _np.ascontiguousarray(x), 0, (0,) * len(shape_))
        v.flags.writeable = False
        return v
    return broadcast_to_(x, shape=shape_)


def _concat_vjp(i, g, ans, *xs, axis, sizes):
    start = builtins_sum(sizes[:i])
    return _take_axis(g, start, start + sizes[i], axis)


def _concat_jvp(i, t, ans, *xs, axis, sizes):
    parts = []
    for j, n in enumerate(sizes):
        if j == i:
            parts.append(t)
        else:  # empty parts too: ``sizes`` must describe the recorded inputs one to one
            s = list(shape(t))
            s[axis] = n
            parts.append(_xp(t).zeros(tuple(s), dtype=data(t).dtype))
    return concatenate_(*parts, axis=axis, sizes=sizes) if len(parts) > 1 else t


concatenate_ = prim("concatenate", lambda xp, *xs, axis, sizes: xp.concatenate(xs, axis=axis),
                    vjp_n=_concat_vjp, jvp_n=_concat_jvp)


def concatenate(arrays, axis: int = 0):
    """Join arrays along ``axis``."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one array")
    nd = ndim(arrays[0])
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = one_axis(axis, nd, "concatenate")
    for a in arrays[1:]:
        if ndim(a) != nd:
            raise ValueError(
                f"concatenate: all inputs must have the same number of dimensions; got shapes "
                f"{[shape(b) for b in arrays]}"
            )
    sizes = tuple(shape(a)[axis] for a in arrays)
    return concatenate_(*arrays, axis=axis, sizes=sizes)


# names of the other families, which the formulas call (imported last: the families
# use one another)
from ._helpers import _take_axis, builtins_sum, one_axis  # noqa: E402

# abstract evaluation (gpuad/prims/abstract.py)
_A.set_slots(reshape_, _A.reshape_shape, _A.first_dtype)
_A.set_slots(transpose_, _A.transpose_shape, _A.first_dtype)
_A.set_slots(broadcast_to_, _A.broadcast_to_shape, _A.first_dtype)
_A.set_slots(concatenate_, _A.concatenate_shape, _A.concatenate_dtype)
