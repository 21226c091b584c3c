"""Joining, splitting and rearranging arrays: ``r_``, ``c_``, ``append``, the split family,
``column_stack``, ``dstack``, ``block``, ``atleast_3d``, ``rollaxis``, ``rot90``, ``kron``,
``select``, ``partition``, ``put_along_axis``, ``piecewise``, ``diagflat``.

All are compositions of the differentiable primitives (getitem, concatenate, reshape,
transpose, where, index_update), so both modes and every order follow.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as _np

from .. import rules as _r
from ..rules import concatenate, data, getitem, ndim, reshape, shape, transpose
from ..tensor import Tensor


def _is_array(a) -> bool:
    return isinstance(a, Tensor) or hasattr(a, "shape")


def _array_or_raw(a):
    """Tensors and backend arrays as they are; anything else as an active-backend array."""
    if isinstance(a, Tensor):
        return a
    from ..backends import get_backend

    be = get_backend()
    if type(a) is be.array_type:
        return a
    if isinstance(a, list | tuple):  # gpuad.numpy.asarray: nested lists may hold Tensors
        from . import asarray

        return asarray(a)
    return be.xp.asarray(a)


def _with_ndmin(a, ndmin: int, trans1d: int):
    """``numpy.array(a, ndmin=ndmin)`` with the axis placement of ``r_``'s ``trans1d``."""
    k = ndim(a)
    if k >= ndmin:
        return a
    a = reshape(a, (1,) * (ndmin - k) + shape(a))
    if trans1d != -1:
        k2 = ndmin - k
        k1 = trans1d if trans1d >= 0 else trans1d + k2 + 1
        axes = list(range(ndmin))
        a = transpose(a, tuple(axes[:k1] + axes[k2:] + axes[k1:k2]))
    return a


class _Concatenator:
    """``r_`` and ``c_``: slices become ranges, arrays and scalars are joined along an axis."""

    def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
        self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

    def __getitem__(self, key) -> Any:
        from ..backends import get_backend

        xp = get_backend().xp
        if not isinstance(key, tuple):
            key = (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        parts = []
        kinds = []  # what NumPy's result_type reads: dtypes, and scalars as they are (weak)
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0:
                    raise ValueError(f"{self.name}: a string directive must come first")
                if item in ("r", "c"):
                    raise NotImplementedError(f"{self.name}: matrix output ('r'/'c') is not "
                                              f"supported; use 2-D arrays")
                vals = [int(v) for v in item.split(",")]
                axis = vals[0]
                if len(vals) > 1:
                    ndmin = vals[1]
                if len(vals) > 2:
                    trans1d = vals[2]
                continue
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                if isinstance(step, complex):
                    a = xp.linspace(start, item.stop, int(builtins.abs(step)))
                else:
                    a = xp.arange(start, item.stop, step)
                parts.append(_with_ndmin(a, ndmin, trans1d) if ndmin > 1 else a)
                kinds.append(a.dtype)
                continue
            scalar = item.__class__ in (int, float, complex, bool) or isinstance(item, _np.generic)
            a = _array_or_raw(item)
            kinds.append(item if scalar else a.dtype)
            if ndim(a) == 0:
                a = reshape(a, (1,))
            parts.append(_with_ndmin(a, builtins.max(ndmin, 1), trans1d))
        if not parts:
            raise ValueError(f"{self.name}: need at least one array to concatenate (an empty "
                             f"index), as NumPy")
        final = _np.result_type(*kinds)  # a Python scalar does not widen the arrays
        parts = [p if p.dtype == final else p.astype(final) for p in parts]
        return concatenate(parts, axis)

    def __len__(self) -> int:
        return 0


r_ = _Concatenator(0, 1, -1, "r_")
r_.__doc__ = "Join slices, scalars and arrays along the first axis: ``gnp.r_[x, 0.0, 1:3]``"
c_ = _Concatenator(-1, 2, 0, "c_")
c_.__doc__ = "Join 1-D arrays as columns of a 2-D array: ``gnp.c_[x, y]``"


def append(arr, values, axis=None):
    """``arr`` with ``values`` appended (both flattened when ``axis`` is None).

    Example: ``gnp.append(x, [1.0, 2.0])``
    """
    arr, values = _array_or_raw(arr), _array_or_raw(values)
    if axis is None:
        return concatenate([reshape(arr, (-1,)), reshape(values, (-1,))], 0)
    return concatenate([arr, values], axis)


def _array_split():
    from . import array_split

    return array_split


def _split():
    from . import split

    return split


def hsplit(ary, indices_or_sections):
    """Split along the second axis (the first for 1-D). Example: ``gnp.hsplit(m, 2)``"""
    if ndim(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return _split()(ary, indices_or_sections, 1 if ndim(ary) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split along the first axis. Example: ``gnp.vsplit(m, 2)``"""
    if ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return _split()(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """Split along the third axis. Example: ``gnp.dsplit(t, 2)``"""
    if ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return _split()(ary, indices_or_sections, 2)


def column_stack(tup):
    """1-D arrays as columns, 2-D arrays as they are, joined along the second axis.

    Example: ``gnp.column_stack([x, y])``
    """
    cols = []
    for a in tup:
        a = _array_or_raw(a)
        cols.append(reshape(a, (shape(a)[0] if ndim(a) else 1, 1)) if ndim(a) < 2 else a)
    return concatenate(cols, 1)


def _atleast_3d_one(a):
    a = _array_or_raw(a)
    s = shape(a)
    if len(s) == 0:
        return reshape(a, (1, 1, 1))
    if len(s) == 1:
        return reshape(a, (1, s[0], 1))
    if len(s) == 2:
        return reshape(a, s + (1,))
    return a


def atleast_3d(*arys):
    """Each input with at least three dimensions ((n,) -> (1, n, 1), (m, n) -> (m, n, 1)).

    Example: ``gnp.atleast_3d(x)``
    """
    res = tuple(_atleast_3d_one(a) for a in arys)
    return res[0] if len(res) == 1 else res


def dstack(tup):
    """Join along the third axis after ``atleast_3d``. Example: ``gnp.dstack([a, b])``"""
    return concatenate([_atleast_3d_one(a) for a in tup], 2)


def _block_depth(x) -> int:
    if isinstance(x, list):
        if not x:
            raise ValueError("block: lists cannot be empty")
        depths = {_block_depth(v) for v in x}
        if len(depths) != 1:
            raise ValueError("block: list depths are mismatched")
        return 1 + depths.pop()
    if isinstance(x, tuple):
        raise TypeError("block: tuples are not allowed in the nested structure; use lists")
    return 0


def _block_max_ndim(x) -> int:
    if isinstance(x, list):
        return builtins.max(_block_max_ndim(v) for v in x)
    return ndim(_array_or_raw(x))


def _block_join(x, depth: int, level: int, nd: int):
    if not isinstance(x, list):
        a = _array_or_raw(x)
        return reshape(a, (1,) * (nd - ndim(a)) + shape(a)) if ndim(a) < nd else a
    parts = [_block_join(v, depth, level + 1, nd) for v in x]
    return concatenate(parts, nd - (depth - level))


def block(arrays):
    """Assemble an array from nested lists of blocks, as ``numpy.block``.

    Example: ``gnp.block([[a, b], [c, d]])``
    """
    depth = _block_depth(arrays)
    if depth == 0:
        return _array_or_raw(arrays)
    nd = builtins.max(depth, _block_max_ndim(arrays))
    return _block_join(arrays, depth, 0, nd)


def rollaxis(a, axis: int, start: int = 0):
    """Roll ``axis`` backwards until it lies before ``start``, as ``numpy.rollaxis``.

    Example: ``gnp.rollaxis(x, 2)``
    """
    from . import moveaxis

    n = ndim(a)
    if not -n <= axis < n:
        raise _np.exceptions.AxisError(
            f"rollaxis: axis {axis} is out of bounds for an array of dimension {n}")
    axis %= n
    if not -n <= start <= n:
        raise _np.exceptions.AxisError(
            f"rollaxis: start {start} is out of bounds for an array of dimension {n} "
            f"(it must lie in [{-n}, {n}])")
    if start < 0:
        start += n
    if axis < start:
        start -= 1
    if axis == start:
        return a
    return moveaxis(a, axis, start)


def rot90(m, k: int = 1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``. Example: ``gnp.rot90(m)``"""
    from . import flip

    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    n = ndim(m)
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == n:  # NumPy's checks, in its order
        raise ValueError("rot90: axes must be different")
    if not (-n <= axes[0] < n and -n <= axes[1] < n):
        raise ValueError(f"rot90: axes={axes} out of range for an array of ndim={n}")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(n))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), tuple(perm))
    return flip(transpose(m, tuple(perm)), axes[1])


def kron(a, b):
    """Kronecker product (blocks ``a[i, j] * b``). Example: ``gnp.kron(a, b)``"""
    a, b = _array_or_raw(a), _array_or_raw(b)
    nd = builtins.max(ndim(a), ndim(b))
    sa = (1,) * (nd - ndim(a)) + shape(a)
    sb = (1,) * (nd - ndim(b)) + shape(b)
    ai = reshape(a, tuple(v for n in sa for v in (n, 1)))
    bi = reshape(b, tuple(v for n in sb for v in (1, n)))
    return reshape(_r.multiply(ai, bi), tuple(p * q for p, q in zip(sa, sb, strict=True)))


def select(condlist, choicelist, default=0):
    """The first choice whose condition holds, element by element; ``default`` elsewhere.

    Example: ``gnp.select([x < 0, x > 1], [-x, x * x], default=x)``
    """
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select: select with an empty condition list is not possible")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        c = data(cond)
        if getattr(c, "dtype", None) is None:  # Python bools, lists of them: NumPy's asarray
            c = data(_array_or_raw(cond))
        if getattr(c, "dtype", None) is None or c.dtype.kind != "b":
            raise TypeError(f"select: invalid entry in condlist: should be boolean ndarray, "
                            f"got {getattr(c, 'dtype', type(c).__name__)}")
        out = _r.where(c, choice, out)
    if not _is_array(out):
        out = _array_or_raw(out)
    return out


def _check_select_kind(kind, op: str) -> None:
    if kind != "introselect":
        raise ValueError(f"{op}: kind must be 'introselect' (NumPy's only selection "
                         f"algorithm), got {kind!r}")


def _host_kth(kth, op: str):
    """``kth`` given as an array or Tensor, as Python ints (it fixes what is computed)."""
    if isinstance(kth, Tensor) or (hasattr(kth, "dtype") and not isinstance(kth, _np.generic)):
        from ._more_select import _index

        return _np.asarray(_index(kth, f"{op}: kth")).tolist()
    return kth


def argpartition(a, kth, axis=-1, kind: str = "introselect", order=None):
    """Indices that partition ``a`` (integer valued, not differentiable).

    Example: ``gnp.argpartition(x, 2)``
    """
    from ..batching.composites import batched, over_levels, shift_axes

    _check_select_kind(kind, "argpartition")
    if batched(a):  # vmap: the levels become leading axes of one call
        if axis is None:
            a, axis = _r.reshape(a, (-1,)), 0
        nd = ndim(a)
        return over_levels(lambda u, k: argpartition(u, kth, shift_axes(axis, nd, k)), [a],
                           "argpartition")
    d = data(a)
    r = _r._xp(d).argpartition(d, _host_kth(kth, "argpartition"), axis=axis)
    return Tensor(r) if isinstance(a, Tensor) else r


def partition(a, kth, axis=-1, kind: str = "introselect", order=None):
    """``a`` rearranged so the ``kth`` element is where sorting would put it, smaller ones
    before and larger ones after (in ``argpartition``'s order); the adjoint follows the
    permutation. Example: ``gnp.partition(x, 2)``"""
    from . import ravel, take_along_axis

    if order is not None:
        raise NotImplementedError("partition: order= (structured arrays) is not supported")
    _check_select_kind(kind, "partition")
    from ..batching.composites import batched, over_levels, shift_axes

    if batched(a):  # vmap: the levels become leading axes of one call
        if axis is None:
            a, axis = ravel(a), 0
        nd = ndim(a)
        return over_levels(lambda u, k: partition(u, kth, shift_axes(axis, nd, k)), [a],
                           "partition")
    if axis is None:
        a, axis = ravel(a), 0
    idx = _r._xp(data(a)).argpartition(data(a), _host_kth(kth, "partition"), axis=axis)
    return take_along_axis(a, idx, axis)


def _along_axis_index(arr_shape, indices, axis):
    xp = _r._xp(indices)
    nd = len(arr_shape)
    if indices.ndim != nd:
        raise ValueError(f"put_along_axis: indices of shape {indices.shape} must have as many "
                         f"dimensions as the array of shape {tuple(arr_shape)}")
    grids = []
    for d in range(nd):
        if d == axis:
            grids.append(indices)
        else:
            s = [1] * nd
            s[d] = arr_shape[d]
            grids.append(xp.arange(arr_shape[d]).reshape(s))
    return tuple(xp.broadcast_arrays(*grids))


def put_along_axis(arr, indices, values, axis):
    """Write ``values`` into ``arr`` at ``indices`` along ``axis``, in place, as NumPy does.

    On a Tensor the write is recorded like ``arr[index] = values`` (the overwritten entries
    lose their adjoint, the written values receive it). Writing a Tensor that is being
    differentiated into a plain array would lose its gradient, so that raises. Returns None.

    Example: ``gnp.put_along_axis(t, idx, v, axis=1)``
    """
    idx = data(indices)
    if axis is None:  # NumPy's: 1-D indices into the flattened array, values broadcast to them
        from . import broadcast_to, put

        if len(shape(idx)) != 1:
            raise ValueError(f"put_along_axis: when axis=None, indices must have a single "
                             f"dimension (got shape {tuple(shape(idx))})")
        return put(arr, idx, broadcast_to(values, tuple(shape(idx))))
    nd = len(shape(arr))
    axis = _r.one_axis(axis, nd, "put_along_axis")
    if isinstance(idx, Tensor):  # batched by vmap: the grids broadcast against it in the index
        if len(shape(idx)) != nd:
            raise ValueError(f"put_along_axis: indices of shape {shape(idx)} must have as many "
                             f"dimensions as the array of shape {tuple(shape(arr))}")
        xp = _r._xp(idx)
        index = tuple(idx if d == axis else xp.arange(shape(arr)[d]).reshape(
            tuple(shape(arr)[d] if e == d else 1 for e in range(nd))) for d in range(nd))
    else:
        index = _along_axis_index(shape(arr), _r._xp(idx).asarray(idx), axis)
    if isinstance(arr, Tensor):
        arr[index] = values
        return None
    if isinstance(values, Tensor) and (values.requires_grad or values._tan):
        raise TypeError(
            "put_along_axis: writing a Tensor that is being differentiated into a plain array "
            "would drop its gradient; make the target a Tensor (gpuad.tensor(arr)) or use "
            "gpuad.numpy.index_update for a functional copy")
    from ..prims import indexing as _ix

    if _ix._unchecked_backend(arr):  # CuPy would write wrapped-around positions silently
        _ix.check_bounds(_ix.normalize_index(index), shape(arr), "put_along_axis")
    arr[index] = data(values)
    return None


def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate ``funclist[i]`` on the elements of ``x`` where ``condlist[i]`` holds (later
    conditions win; one extra function covers the rest), as ``numpy.piecewise``. Each function
    sees only its own elements, so it need not be defined elsewhere.

    Example: ``gnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])``
    """
    if any(isinstance(v, Tensor) and v._bat is not None for v in (x, *condlist)):
        raise TypeError(
            "piecewise inside gpuad.vmap: each function is called on the elements its "
            "condition selects, whose number depends on each example's data; write "
            "gnp.where(cond, f1(x), f2(x)) instead (gnp.where passes no adjoint to the branch "
            "it does not select)")
    x = _array_or_raw(x)
    xd = data(x)
    xp = _r._xp(xd)
    if isinstance(condlist, Tensor) or hasattr(condlist, "shape"):
        condlist = [condlist] if ndim(condlist) == ndim(x) or ndim(x) == 0 else list(condlist)
    conds = [xp.asarray(data(c), dtype=bool) for c in condlist]
    if len(conds) == 1 and conds[0].shape != xd.shape and conds[0].ndim == 0:
        conds = [xp.broadcast_to(conds[0], xd.shape)]
    n = len(conds)
    if len(funclist) == n + 1:
        rest = ~xp.any(xp.stack(conds), axis=0) if n else xp.ones(xd.shape, dtype=bool)
        conds.append(rest)
    elif len(funclist) != n:
        raise ValueError(f"piecewise: with {n} condition(s), either {n} or {n + 1} functions "
                         f"are needed; got {len(funclist)}")
    out = xp.zeros(xd.shape, dtype=xd.dtype)
    for cond, fn in zip(conds, funclist, strict=True):
        cond = xp.broadcast_to(cond, xd.shape)
        if not callable(fn):
            out = _r.index_update(out, cond, fn)
            continue
        vals = fn(getitem(x, cond), *args, **kw)
        out = _r.index_update(out, cond, vals)
    return out


def diagflat(v, k: int = 0):
    """A 2-D array with the flattened ``v`` on diagonal ``k``. Example: ``gnp.diagflat(x)``"""
    from . import diag

    return diag(reshape(_array_or_raw(v), (-1,)), k)


def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy"):
    """Coordinate arrays from 1-D coordinate vectors, as ``numpy.meshgrid``; Tensor inputs
    give Tensors (the adjoint of each grid sums back onto its vector).

    Example: ``xx, yy = gnp.meshgrid(x, y)``
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: valid values for `indexing` are 'xy' and 'ij'")
    if not builtins.any(isinstance(x, Tensor) for x in xi):
        from ..backends import get_backend

        return get_backend().xp.meshgrid(*[data(x) for x in xi], copy=copy, sparse=sparse,
                                         indexing=indexing)
    nd = len(xi)
    vecs = [reshape(_array_or_raw(x), (-1,)) for x in xi]
    pos = list(range(nd))
    if indexing == "xy" and nd > 1:
        pos[0], pos[1] = 1, 0
    full = [0] * nd
    for p, v in zip(pos, vecs, strict=True):
        full[p] = shape(v)[0]
    out = []
    for p, v in zip(pos, vecs, strict=True):
        s = [1] * nd
        s[p] = shape(v)[0]
        g = reshape(v, tuple(s))
        if not sparse:
            g = _r.broadcast_to(g, tuple(full))
            if copy:
                g = _r.copy(g)
        out.append(g)
    return tuple(out)


__all__ = ["meshgrid", "r_", "c_", "append", "hsplit", "vsplit", "dsplit", "column_stack",
           "atleast_3d", "dstack", "block", "rollaxis", "rot90", "kron", "select",
           "argpartition", "partition", "put_along_axis", "piecewise", "diagflat"]
