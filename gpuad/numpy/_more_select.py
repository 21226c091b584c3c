"""NumPy's selection and rearranging functions that a Tensor may meet: ``delete``, ``insert``,
``compress``, ``extract``, ``choose``, ``resize``, ``apply_along_axis``, ``apply_over_axes``
and the set operations ``intersect1d``, ``union1d``, ``setdiff1d``, ``setxor1d``.

Each one gathers the input's entries with one index computed from the positions (``delete``,
``insert``, ``resize``) or from the values (the set operations, ``compress``/``extract`` with a
Tensor condition: those read the values, so under ``gpuad.jit`` they raise ``TracerError``),
so gradients reach the entries that were kept. Where two inputs hold the same value (the set
operations), the entry of the first input is the one kept, as in ``jax.numpy``.
"""

from __future__ import annotations

import operator as _operator
from typing import Any

import numpy as _np

from .. import rules as _r
from .._value_checks import host_read
from ..rules import concatenate, data, getitem, ndim, reshape, shape
from ..tensor import Tensor
from ._more_array import _host, sized
from ._more_poly import _arr, _dtype


def _xp(a):
    return _r._xp(a)


def _index(obj, what: str):
    """An index argument (``obj``, a condition) as a NumPy array, read on the host."""
    if isinstance(obj, Tensor) or (hasattr(obj, "dtype") and not isinstance(obj, _np.ndarray)
                                   and not isinstance(obj, _np.generic)):
        return _host(obj, what)
    if isinstance(obj, _np.ndarray):  # (under gpuad.jit: kept, checked at every call)
        host_read(what, obj)
        return obj.copy()  # (what is computed from it is the program's constant)
    return obj


def _ravel(a):
    return reshape(a, (-1,))


def _gather(a, idx, axis: int):
    """``a`` at the host index array ``idx`` along ``axis`` (one gather)."""
    xp = _xp(a)
    return getitem(a, (slice(None),) * axis + (xp.asarray(_np.asarray(idx, dtype=_np.intp)),))


def _norm_axis(axis: int, nd: int, what: str) -> int:
    if not -nd <= axis < nd:
        raise _np.exceptions.AxisError(f"{what}: axis {axis} is out of bounds for array of "
                                       f"dimension {nd}")
    return axis % nd


def delete(arr, obj, axis=None):
    """``arr`` without the entries ``obj`` (an int, slice, index list or mask) along ``axis``
    (of the flattened array when None). Example: ``gnp.delete(x, [0, 2], axis=1)``"""
    arr = _arr(arr)
    if axis is None:
        arr = _ravel(arr)
        axis = 0
    axis = _norm_axis(axis, ndim(arr), "delete")
    obj = _index(obj, "delete: the indices")
    if not isinstance(obj, slice | int | _np.integer):
        obj = _np.asarray(obj)
        if obj.size == 0:  # (an empty list: no index, whatever dtype it was given)
            obj = obj.astype(_np.intp)
    keep = _np.delete(_np.arange(shape(arr)[axis]), obj)
    return _gather(arr, keep, axis)


def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the indices ``obj`` along ``axis`` (of the
    flattened array when None); gradients reach both. Example: ``gnp.insert(x, 1, v, axis=1)``"""
    from . import astype, broadcast_to, moveaxis

    arr = _arr(arr)
    if axis is None:
        if ndim(arr) != 1:
            arr = _ravel(arr)
        axis = 0
    nd = ndim(arr)
    axis = _norm_axis(axis, nd, "insert")
    n = shape(arr)[axis]
    obj = _index(obj, "insert: the indices")
    values = _arr(values)
    if _np.dtype(_dtype(values)).kind == "c" and _np.dtype(_dtype(arr)).kind != "c":
        raise TypeError(f"insert: complex values into an array of {_np.dtype(_dtype(arr))} "
                        "would lose their imaginary parts; cast arr to a complex dtype first")
    if _dtype(values) != _dtype(arr):
        values = astype(values, _dtype(arr))
    if isinstance(obj, slice):
        indices = _np.arange(*obj.indices(n), dtype=_np.intp)
    else:
        indices = _np.array(obj)
        if indices.dtype == bool:  # NumPy 2's: a mask, its True positions the indices
            indices = _np.flatnonzero(indices)
        if indices.ndim > 1:
            raise ValueError("insert: index array argument obj to insert must be one "
                             "dimensional or scalar")
        if indices.size and indices.dtype.kind not in "iu":
            err = TypeError if indices.size == 1 else IndexError
            raise err(f"insert: the indices obj must be integers, got {indices.dtype}")
    target = list(shape(arr))
    if indices.size == 1:
        index = int(indices.item())
        if index < -n or index > n:
            raise IndexError(f"insert: index {obj} is out of bounds for axis {axis} with size "
                             f"{n}")
        if index < 0:
            index += n
        while ndim(values) < nd:
            values = reshape(values, (1,) + tuple(shape(values)))
        if indices.ndim == 0:
            values = moveaxis(values, 0, axis)
        numnew = shape(values)[axis]
        target[axis] = numnew
        vals = broadcast_to(values, tuple(target))
        src = _np.concatenate([_np.arange(index), n + _np.arange(numnew),
                               _np.arange(index, n)])
        return _gather(concatenate([arr, vals], axis=axis), src, axis)
    if indices.size == 0 and not isinstance(obj, _np.ndarray):
        indices = indices.astype(_np.intp)
    if _np.any((indices < -n) | (indices > n)):
        bad = indices[(indices < -n) | (indices > n)][0]
        raise IndexError(f"insert: index {bad} is out of bounds for axis {axis} with size {n}")
    indices = _np.where(indices < 0, indices + n, indices).astype(_np.intp)
    numnew = indices.size
    order = indices.argsort(kind="mergesort")
    indices[order] += _np.arange(numnew)
    old = _np.ones(n + numnew, dtype=bool)
    old[indices] = False
    src = _np.empty(n + numnew, dtype=_np.intp)
    src[old] = _np.arange(n)
    src[indices] = n + _np.arange(numnew)
    target[axis] = numnew
    vals = broadcast_to(values, tuple(target))
    return _gather(concatenate([arr, vals], axis=axis), src, axis)


def compress(condition, a, axis=None, out=None):
    """The slices of ``a`` along ``axis`` where ``condition`` is true.
    Example: ``gnp.compress([True, False, True], x, axis=0)``"""
    cond = _np.asarray(_index(condition, "compress: the condition (a shape that depends on the "
                                          "values)"))
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {cond.shape}")
    a = _arr(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    elif ndim(a) == 0:  # NumPy reads a 0-d array as one of shape (1,) along axis 0 or -1
        _norm_axis(_operator.index(axis), 1, "compress")
        a, axis = _ravel(a), 0
    axis = _norm_axis(axis, ndim(a), "compress")
    sel = _np.nonzero(cond)[0]
    n = shape(a)[axis]
    if sel.size and sel[-1] >= n:
        raise IndexError(f"compress: index {sel[-1]} is out of bounds for axis {axis} with "
                         f"size {n}")
    return _out(_gather(a, sel, axis), out, "compress")


def _out(r, out, what: str):
    if out is None:
        return r
    from .._numpy_protocol import _write_out

    _write_out(out, r, what)
    return out


def extract(condition, arr):
    """The entries of ``arr`` where ``condition`` is true, flattened.
    Example: ``gnp.extract(x > 0, x)``"""
    cond = _np.asarray(_index(condition, "extract: the condition (a shape that depends on the "
                                          "values)"))
    return _gather(_ravel(_arr(arr)), _np.nonzero(cond.ravel())[0], 0)


def choose(a, choices, out=None, mode: str = "raise"):
    """``choices[a[i]][i]`` for every position ``i`` (all broadcast together); gradients reach
    the chosen entries. Example: ``gnp.choose(idx, [x, y, z])``"""
    from . import broadcast_arrays, clip, stack, take_along_axis

    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    choices = [_arr(c) for c in choices]
    k = len(choices)
    if k == 0:
        raise ValueError("choose: choices must not be empty")
    a = _arr(a)
    if _dtype(a).kind not in "iub":
        raise TypeError(f"choose: the index array must be integer, got {_dtype(a)}")
    dt = _np.result_type(*[_dtype(c) for c in choices])
    parts = broadcast_arrays(a, *choices)
    idx, cs = parts[0], [c if _dtype(c) == dt else _r.astype(c, dt) for c in parts[1:]]
    if mode == "raise":
        vals = _index(idx, "choose: the bounds check of the index array") \
            if isinstance(idx, Tensor) else data(idx)
        vals = vals.get() if hasattr(vals, "get") else _np.asarray(vals)
        if vals.size and (vals.min() < 0 or vals.max() >= k):
            raise ValueError(f"choose: invalid entry in choice array (indices must lie in "
                             f"[0, {k}) for {k} choices; got {vals.min()}..{vals.max()})")
    elif mode == "wrap":
        idx = _r.mod(idx, k)
    else:
        idx = clip(idx, 0, k - 1)
    idx = _r.astype(idx, _np.intp) if _dtype(idx) != _np.intp else idx
    r = take_along_axis(stack(cs), reshape(idx, (1,) + tuple(shape(idx))), axis=0)
    return _out(reshape(r, tuple(shape(idx))), out, "choose")


choose._takes_containers = True  # type: ignore[attr-defined]  # (choices broadcast: not stacked)


def resize(a, new_shape):
    """``a``'s entries repeated in order to fill ``new_shape`` (zeros when ``a`` is empty).
    Example: ``gnp.resize(x, (2, 7))``"""
    from ..prims.shapes import size_of

    if isinstance(new_shape, int | _np.integer):
        new_shape = (new_shape,)
    new_shape = tuple(size_of(s, "resize") for s in new_shape)
    if any(s < 0 for s in new_shape):
        raise ValueError(f"resize: all elements of `new_shape` must be non-negative, got "
                         f"{new_shape}")
    a = _ravel(_arr(a))
    total = int(_np.prod(new_shape, dtype=_np.int64))
    size = shape(a)[0]
    if size == 0 or total == 0:
        return _xp(a).zeros(new_shape, dtype=_dtype(a))
    return reshape(_gather(a, _np.arange(total) % size, 0), new_shape)


def apply_along_axis(func1d, axis: int, arr, *args, **kwargs):
    """``func1d`` applied to each 1-D slice of ``arr`` along ``axis``, results stacked where
    that axis was (a Python loop over the slices, each one recorded).
    Example: ``gnp.apply_along_axis(lambda r: r @ r, 1, x)``"""
    from . import astype, moveaxis, stack

    arr = _arr(arr)
    nd = ndim(arr)
    axis = _norm_axis(axis, nd, "apply_along_axis")
    inarr = moveaxis(arr, axis, -1)
    outer = tuple(shape(inarr)[:-1])
    if any(s == 0 for s in outer):
        raise ValueError("apply_along_axis: cannot apply_along_axis when any iteration "
                         "dimensions are 0")
    results = [_arr(func1d(getitem(inarr, ind), *args, **kwargs)) for ind in _np.ndindex(outer)]
    dt = _dtype(results[0])
    rshape = tuple(shape(results[0]))
    results = [r if _dtype(r) == dt else astype(r, dt) for r in results]
    buff = reshape(stack(results), outer + rshape)
    # the result's own axes go where ``axis`` was
    k = len(rshape)
    perm = list(range(axis)) + list(range(len(outer), len(outer) + k)) + \
        list(range(axis, len(outer)))
    return _r.transpose(buff, tuple(perm)) if perm != list(range(len(perm))) else buff


def apply_over_axes(func, a, axes):
    """``func(a, axis)`` applied for each axis in turn, keeping the number of dimensions.
    Example: ``gnp.apply_over_axes(gnp.sum, x, [0, 2])``"""
    from . import expand_dims

    val = _arr(a)
    n = ndim(val)
    if _np.ndim(axes) == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = n + axis
        res = _arr(func(val, axis))
        if ndim(res) != ndim(val):
            res = expand_dims(res, axis)
            if ndim(res) != ndim(val):
                raise ValueError("apply_over_axes: function is not returning an array of the "
                                 "correct shape")
        val = res
    return val


_SET = "{}: which values are kept (a shape that depends on the values)"


def _smallest(v):
    return getitem(v, 0)  # (sorted values)


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value: Any = None):
    """The sorted values found in both arrays, taken from ``ar1``. ``size`` cuts or pads the
    result, as ``jax.numpy``'s: with ``fill_value`` or the smallest value (indices with the
    arrays' lengths). Example: ``gnp.intersect1d(x, y)``"""
    if size is not None:
        out = intersect1d(ar1, ar2, assume_unique, True)
        vals = sized(out[0], size, fill_value, _smallest, "intersect1d")
        if not return_indices:
            return vals
        n1, n2 = int(_np.prod(shape(_arr(ar1)))), int(_np.prod(shape(_arr(ar2))))
        return (vals, sized(out[1], size, n1, 0, "intersect1d"),
                sized(out[2], size, n2, 0, "intersect1d"))
    ar1, ar2 = _arr(ar1), _arr(ar2)
    h1 = _host(ar1, _SET.format("intersect1d"))
    h2 = _host(ar2, _SET.format("intersect1d"))
    _, i1, i2 = _np.intersect1d(h1, h2, assume_unique=assume_unique, return_indices=True)
    flat1 = _ravel(ar1)
    vals = _gather(flat1, i1, 0)
    dt = _np.result_type(h1.dtype, h2.dtype)
    if _dtype(vals) != dt:
        vals = _r.astype(vals, dt)
    if return_indices:
        xp = _xp(ar1)
        return vals, xp.asarray(i1), xp.asarray(i2)
    return vals


def union1d(ar1, ar2, *, size: int | None = None, fill_value: Any = None):
    """The sorted values found in either array (each value's first entry, ``ar1`` before
    ``ar2``); ``size`` and ``fill_value`` as in ``unique``. Example: ``gnp.union1d(x, y)``"""
    from ._more_array import unique

    return unique(concatenate([_ravel(_arr(ar1)), _ravel(_arr(ar2))]), size=size,
                  fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value: Any = None):
    """The values of ``ar1`` not found in ``ar2`` (sorted and unique unless
    ``assume_unique``); ``size`` cuts or pads the result, as ``jax.numpy``'s: with
    ``fill_value`` or 0. Example: ``gnp.setdiff1d(x, y, size=3)``"""
    if size is not None:
        return sized(setdiff1d(ar1, ar2, assume_unique), size, fill_value, 0, "setdiff1d")
    ar1, ar2 = _arr(ar1), _arr(ar2)
    h1 = _host(ar1, _SET.format("setdiff1d")).ravel()
    h2 = _host(ar2, _SET.format("setdiff1d"))
    if assume_unique:
        sel = _np.flatnonzero(~_np.isin(h1, h2, assume_unique=True))
    else:
        u, first = _np.unique(h1, return_index=True)
        sel = first[~_np.isin(u, h2, assume_unique=True)]
    return _gather(_ravel(ar1), sel, 0)


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
             fill_value: Any = None):
    """The sorted values found in exactly one of the arrays; ``size`` cuts or pads the
    result, as ``jax.numpy``'s: with ``fill_value`` or the smallest value.
    Example: ``gnp.setxor1d(x, y)``"""
    if size is not None:
        return sized(setxor1d(ar1, ar2, assume_unique), size, fill_value, _smallest,
                     "setxor1d")
    ar1, ar2 = _arr(ar1), _arr(ar2)
    h1 = _host(ar1, _SET.format("setxor1d")).ravel()
    h2 = _host(ar2, _SET.format("setxor1d")).ravel()
    n1 = h1.size
    if assume_unique:
        s1, s2 = _np.arange(n1), _np.arange(h2.size)
    else:
        s1 = _np.unique(h1, return_index=True)[1]
        s2 = _np.unique(h2, return_index=True)[1]
    aux = _np.concatenate([h1[s1], h2[s2]])
    src = _np.concatenate([s1, n1 + s2])
    if aux.size == 0:
        return _gather(concatenate([_ravel(ar1), _ravel(ar2)]), src, 0)
    order = aux.argsort(kind="mergesort")
    aux = aux[order]
    flag = _np.concatenate(([True], aux[1:] != aux[:-1], [True]))
    keep = order[flag[1:] & flag[:-1]]
    both: Any = concatenate([_ravel(ar1), _ravel(ar2)])
    return _gather(both, src[keep], 0)


__all__ = ["delete", "insert", "compress", "extract", "choose", "resize", "apply_along_axis",
           "apply_over_axes", "intersect1d", "union1d", "setdiff1d", "setxor1d"]
