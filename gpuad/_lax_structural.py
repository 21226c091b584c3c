"""``jax.lax``'s shape operations: broadcasting, reshaping, slicing, padding, updates, iota.

Each checks its arguments as lax does (an error names the op, the shapes and the offending
argument) and is built from ``gpuad.numpy`` operations, so every result differentiates in
its array arguments (``pad`` in its padding value too). Dynamic start indices are clamped into
range as in lax; batched by ``gpuad.vmap`` or traced by ``gpuad.jit`` they become a gather.

Example: ``lax.pad(x, 0.0, [(1, -1, 2)])`` pads 1 in front, 2 between elements, drops the last.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as _np

from . import numpy as gnp
from ._at import at as _at_fn
from ._lax_elementwise import _dtype, _fmt, _same_dtype
from ._raw import data as _data
from ._raw import shape as _shape
from .tensor import Tensor

_S = builtins.slice


def _axis(op: str, axis: int, nd: int, what: str = "dimension") -> int:
    a = operator.index(axis)
    if not -nd <= a < nd:
        raise ValueError(f"lax.{op}: {what} {axis} is out of range for an operand of rank {nd}")
    return a % nd


def _ints(op: str, v, what: str) -> tuple[int, ...]:
    try:
        return tuple(operator.index(i) for i in v)
    except TypeError:
        raise TypeError(f"lax.{op}: {what} must be a sequence of ints, got {v!r}") from None


def _at(nd: int, axis: int, s) -> tuple:
    return (_S(None),) * axis + (s,)


def _fill(value, shape: tuple, dtype):
    """An array of ``shape`` filled with ``value`` (a Tensor value stays differentiable)."""
    if _dtype(value) is None:
        return gnp.full(shape, value, dtype=dtype)
    return gnp.broadcast_to(value, shape)


# ---- broadcasting and shapes ------------------------------------------------------------------


def broadcast(operand: Any, sizes: Sequence[int]) -> Any:
    """``operand`` with leading dimensions ``sizes`` added. Example:
    ``lax.broadcast(x, (2,)).shape == (2,) + x.shape``"""
    return gnp.broadcast_to(operand, _ints("broadcast", sizes, "sizes") + _shape(operand))


def broadcast_in_dim(
    operand: Any, shape: Sequence[int], broadcast_dimensions: Sequence[int]
) -> Any:
    """``operand`` broadcast to ``shape``, its dimension ``i`` becoming output dimension
    ``broadcast_dimensions[i]`` (strictly increasing; a size-1 dimension stretches).

    Example: ``lax.broadcast_in_dim(v, (3, 2), (1,))`` repeats a row ``v`` three times
    """
    shape = _ints("broadcast_in_dim", shape, "shape")
    bd = _ints("broadcast_in_dim", broadcast_dimensions, "broadcast_dimensions")
    xs = _shape(operand)
    if len(bd) != len(xs):
        raise TypeError(
            f"lax.broadcast_in_dim: broadcast_dimensions {bd} must have one entry "
            f"per operand dimension, got operand shape {xs}"
        )
    if any(not 0 <= d < len(shape) for d in bd) or any(
        a >= b for a, b in zip(bd[:-1], bd[1:], strict=True)
    ):
        raise TypeError(
            f"lax.broadcast_in_dim: broadcast_dimensions {bd} must be strictly "
            f"increasing dimensions of the target shape {shape}"
        )
    if any(n != 1 and n != shape[d] for n, d in zip(xs, bd, strict=True)):
        raise TypeError(
            f"lax.broadcast_in_dim: operand dimension sizes must be 1 or equal to "
            f"their target dimensions, got operand shape {xs}, target shape "
            f"{shape}, broadcast_dimensions {bd}"
        )
    mid = [1] * len(shape)
    for n, d in zip(xs, bd, strict=True):
        mid[d] = n
    x = gnp.reshape(operand, tuple(mid)) if _dtype(operand) is not None else operand
    return gnp.broadcast_to(x, shape)


def broadcast_to_rank(x: Any, rank: int) -> Any:
    """``x`` with leading size-1 dimensions up to rank ``rank``.
    Example: ``lax.broadcast_to_rank(v, 3).shape == (1, 1) + v.shape``"""
    nd = len(_shape(x))
    if rank < nd:
        raise ValueError(f"lax.broadcast_to_rank: rank {rank} is below the operand's {nd}")
    return broadcast(x, (1,) * (rank - nd))


def reshape(operand: Any, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None) -> Any:
    """``operand`` in row-major order as ``new_sizes``, after transposing by ``dimensions``
    when given. Example: ``lax.reshape(x, (3, 2), (1, 0))`` reshapes ``x.T``"""
    new = _ints("reshape", new_sizes, "new_sizes")
    xs = _shape(operand)
    if int(_np.prod(new)) != int(_np.prod(xs)):
        raise TypeError(
            f"lax.reshape: new_sizes {new} do not hold the {int(_np.prod(xs))} "
            f"elements of an operand of shape {xs}"
        )
    x = operand if dimensions is None else transpose(operand, dimensions)
    return gnp.reshape(x, new)


def collapse(operand: Any, start_dimension: int, stop_dimension: int | None = None) -> Any:
    """Dimensions ``start_dimension:stop_dimension`` merged into one.
    Example: ``lax.collapse(x, 1).shape == (x.shape[0], -1)``"""
    xs = _shape(operand)
    lo, hi, _ = _S(start_dimension, stop_dimension).indices(len(xs))
    return gnp.reshape(operand, xs[:lo] + (int(_np.prod(xs[lo:hi])),) + xs[hi:])


def squeeze(array: Any, dimensions: Sequence[int]) -> Any:
    """``array`` without the size-1 ``dimensions``. Example: ``lax.squeeze(x, (0,))``"""
    xs = _shape(array)
    named = [_axis("squeeze", d, len(xs)) for d in _ints("squeeze", dimensions, "dimensions")]
    if len(set(named)) != len(named):
        raise ValueError(f"lax.squeeze: dimensions {tuple(dimensions)} name a dimension more "
                         f"than once (negative ones count from the end); name each once")
    dims = tuple(sorted(named))
    if any(xs[d] != 1 for d in dims):
        raise ValueError(
            f"lax.squeeze: cannot squeeze out dimensions {tuple(dimensions)} of "
            f"shape {xs}: their sizes must be 1"
        )
    return gnp.reshape(array, tuple(n for i, n in enumerate(xs) if i not in dims))


def expand_dims(array: Any, dimensions: Sequence[int]) -> Any:
    """``array`` with size-1 dimensions inserted at ``dimensions`` (of the result).
    Example: ``lax.expand_dims(v, (0, 2))``"""
    return gnp.expand_dims(array, _ints("expand_dims", dimensions, "dimensions"))


def transpose(operand: Any, permutation: Sequence[int]) -> Any:
    """``operand``'s dimensions permuted: output dimension ``i`` is input dimension
    ``permutation[i]``. Example: ``lax.transpose(x, (1, 0))``"""
    perm = _ints("transpose", permutation, "permutation")
    xs = _shape(operand)
    if sorted(perm) != list(range(len(xs))):
        raise TypeError(
            f"lax.transpose: permutation {perm} is not a permutation of the "
            f"dimensions of an operand of shape {xs}"
        )
    return gnp.transpose(operand, perm)


def rev(operand: Any, dimensions: Sequence[int]) -> Any:
    """``operand`` reversed along ``dimensions``. Example: ``lax.rev(x, (0,))``"""
    nd = len(_shape(operand))
    dims = tuple(_axis("rev", d, nd) for d in _ints("rev", dimensions, "dimensions"))
    if len(set(dims)) != len(dims):
        raise ValueError(f"lax.rev: dimensions {tuple(dimensions)} repeat a dimension")
    return gnp.flip(operand, dims) if dims else operand


def concatenate(operands: Sequence[Any], dimension: int) -> Any:
    """The operands joined along ``dimension``: one dtype, one rank, equal other sizes.
    Example: ``lax.concatenate([a, b], 0)``"""
    ops = list(operands)
    if not ops:
        raise TypeError("lax.concatenate needs at least one operand")
    _same_dtype("concatenate", *ops)
    shapes = [_shape(o) for o in ops]
    nd = len(shapes[0])
    if any(len(s) != nd for s in shapes) or nd == 0:
        raise TypeError(
            f"lax.concatenate: operands must have one rank >= 1, got "
            f"{', '.join(_fmt(o) for o in ops)}"
        )
    d = _axis("concatenate", dimension, nd)
    rest = {s[:d] + s[d + 1 :] for s in shapes}
    if len(rest) > 1:
        raise TypeError(
            f"lax.concatenate: operands must have equal sizes outside dimension "
            f"{d}, got {', '.join(_fmt(o) for o in ops)}"
        )
    return ops[0] if len(ops) == 1 else gnp.concatenate(ops, axis=d)


# ---- padding and static slices ----------------------------------------------------------------


def pad(operand: Any, padding_value: Any, padding_config: Sequence[tuple[int, int, int]]) -> Any:
    """``operand`` padded with the scalar ``padding_value``: per dimension ``(low, high,
    interior)`` adds ``low`` values in front, ``high`` behind and ``interior`` between
    neighbouring elements; a negative ``low``/``high`` removes that many. Differentiable in
    ``operand`` and ``padding_value``.

    Example: ``lax.pad(np.array([1., 2.]), 0., [(1, 0, 1)])`` -> ``[0, 1, 0, 2]``
    """
    if _shape(padding_value) != ():
        raise TypeError(f"lax.pad: padding_value must be a scalar, got {_fmt(padding_value)}")
    _same_dtype("pad", operand, padding_value)
    xs = _shape(operand)
    cfg = [_ints("pad", c, "each padding_config entry") for c in padding_config]
    if len(cfg) != len(xs) or any(len(c) != 3 for c in cfg):
        raise TypeError(
            f"lax.pad: padding_config must hold one (low, high, interior) triple per "
            f"dimension of the operand's shape {xs}, got {list(padding_config)}"
        )
    dt = _dtype(operand) or _np.asarray(operand).dtype
    x = operand
    for d, (lo, hi, interior) in enumerate(cfg):
        if interior < 0:
            raise ValueError(
                f"lax.pad: interior padding must be >= 0, got {interior} for dimension {d}"
            )
        n = _shape(x)[d]
        if interior and n > 1:
            xe = gnp.expand_dims(x, d + 1)
            gap = _shape(xe)[: d + 1] + (interior,) + _shape(xe)[d + 2 :]
            y = gnp.concatenate([xe, _fill(padding_value, gap, dt)], axis=d + 1)
            shp = _shape(x)
            y = gnp.reshape(y, shp[:d] + (n * (1 + interior),) + shp[d + 1 :])
            x = y[_at(len(shp), d, _S(0, n + (n - 1) * interior))]
        size = _shape(x)[d] + lo + hi
        if size < 0:
            raise ValueError(
                f"lax.pad: dimension {d} of size {xs[d]} would have size {size} "
                f"after padding {(lo, hi, interior)}"
            )
        parts = []
        for amount in (lo, hi):
            if amount > 0:
                s = _shape(x)
                parts.append(_fill(padding_value, s[:d] + (amount,) + s[d + 1 :], dt))
            else:
                parts.append(None)
        if parts[0] is not None or parts[1] is not None:
            x = gnp.concatenate([p for p in (parts[0], x, parts[1]) if p is not None], axis=d)
        if lo < 0 or hi < 0:
            total = _shape(x)[d]
            x = x[_at(len(xs), d, _S(builtins.max(-lo, 0), total - builtins.max(-hi, 0)))]
    return x


def slice(
    operand: Any,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],  # noqa: A001
    strides: Sequence[int] | None = None,
) -> Any:
    """``operand[start:limit:stride]`` in every dimension (no negative indices, as in lax).
    Example: ``lax.slice(x, (0, 1), (2, 3))``"""
    xs = _shape(operand)
    lo = _ints("slice", start_indices, "start_indices")
    hi = _ints("slice", limit_indices, "limit_indices")
    st = (1,) * len(xs) if strides is None else _ints("slice", strides, "strides")
    if not len(lo) == len(hi) == len(st) == len(xs):
        raise TypeError(
            f"lax.slice: start_indices {lo}, limit_indices {hi} and strides {st} "
            f"must have one entry per dimension of the shape {xs}"
        )
    for a, b, s, n in zip(lo, hi, st, xs, strict=True):
        if not (0 <= a <= b <= n) or s < 1:
            raise TypeError(
                f"lax.slice: need 0 <= start <= limit <= size and stride >= 1 in "
                f"each dimension, got start_indices {lo}, limit_indices {hi}, "
                f"strides {st} for operand shape {xs}"
            )
    return operand[tuple(_S(a, b, s) for a, b, s in zip(lo, hi, st, strict=True))]


def slice_in_dim(
    operand: Any, start_index: int | None, limit_index: int | None, stride: int = 1, axis: int = 0
) -> Any:
    """``operand[start:limit:stride]`` along ``axis`` (negative and None indices allowed).
    Example: ``lax.slice_in_dim(x, -3, None, axis=1)``"""
    xs = _shape(operand)
    a = _axis("slice_in_dim", axis, len(xs), "axis")
    lo, hi, _ = _S(start_index, limit_index).indices(xs[a])
    hi = builtins.max(hi, lo)
    return operand[_at(len(xs), a, _S(lo, hi, stride))]


def split(operand: Any, sizes: Sequence[int], axis: int = 0) -> list:
    """``operand`` cut along ``axis`` into consecutive pieces of ``sizes`` (summing to its
    length there). Example: ``a, b = lax.split(x, (2, 3), axis=1)``"""
    xs = _shape(operand)
    a = _axis("split", axis, len(xs), "axis")
    sz = _ints("split", sizes, "sizes")
    if any(n < 0 for n in sz) or sum(sz) != xs[a]:
        raise ValueError(
            f"lax.split: sizes {sz} must be non-negative and sum to the size {xs[a]} of "
            f"axis {axis} of the operand's shape {xs}"
        )
    out, start = [], 0
    for n in sz:
        out.append(operand[_at(len(xs), a, _S(start, start + n))])
        start += n
    return out


def index_in_dim(operand: Any, index: int, axis: int = 0, keepdims: bool = True) -> Any:
    """Element ``index`` along ``axis`` (negative counts from the end), kept as a size-1
    dimension unless ``keepdims=False``. Example: ``lax.index_in_dim(x, -1, 0, False)``"""
    xs = _shape(operand)
    a = _axis("index_in_dim", axis, len(xs), "axis")
    i = operator.index(index)
    if not -xs[a] <= i < xs[a]:
        raise IndexError(
            f"lax.index_in_dim: index {i} is out of bounds for axis {a} with size {xs[a]}"
        )
    i %= xs[a]
    return operand[_at(len(xs), a, _S(i, i + 1) if keepdims else i)]


# ---- dynamic slices and updates ---------------------------------------------------------------


def _dynamic(i) -> bool:
    """True for an index batched by ``vmap`` or computed from ``jit``'s traced arguments."""
    if isinstance(i, Tensor) and i._bat is not None:
        return True
    from .jit import trace

    tr = trace.active()
    if tr is None:
        return False
    d = i._data if isinstance(i, Tensor) else i
    return tr.is_array(d) and tr.dyn(d)


def _wrap(op: str, allow_negative_indices, nd: int) -> tuple[bool, ...]:
    if isinstance(allow_negative_indices, bool | _np.bool_):
        return (bool(allow_negative_indices),) * nd
    w = tuple(bool(b) for b in allow_negative_indices)
    if len(w) != nd:
        raise TypeError(
            f"lax.{op}: allow_negative_indices needs one entry per dimension ({nd}), got {w}"
        )
    return w


def _window(op: str, start_indices, xs: tuple, sizes: tuple, allow_negative=True) -> tuple:
    """The index of the window of ``sizes`` at ``start_indices``, clamped as lax clamps: a
    negative start counts from the end (with ``allow_negative_indices``; else a negative
    Python or NumPy integer raises and an array one clamps to 0), then each is moved so that
    the window fits. Static starts give slices; a batched or traced start gives index arrays
    (a gather)."""
    if hasattr(start_indices, "dtype") and _shape(start_indices) != ():
        start_indices = [start_indices[i] for i in range(_shape(start_indices)[0])]
    idx = list(start_indices)
    if len(idx) != len(xs):
        raise TypeError(
            f"lax.{op}: {len(idx)} start indices given for an operand of rank "
            f"{len(xs)} (shape {xs})"
        )
    for i in idx:
        k = getattr(i, "dtype", None)
        if isinstance(i, bool) or (k is not None and _np.dtype(k).kind not in "iu") or (
            k is None and not isinstance(i, int)
        ):
            raise TypeError(f"lax.{op}: start indices must be integers, got {_fmt(i)}")
        if k is not None and _shape(i) != ():
            raise TypeError(
                f"lax.{op}: start indices must be scalars, got {_fmt(i)} among "
                f"{len(idx)} starts for the operand shape {xs}"
            )
    kinds = {_np.dtype(i.dtype) for i in idx if getattr(i, "dtype", None) is not None}
    if len(kinds) > 1:
        raise TypeError(
            f"lax.{op}: start indices must be integers of one dtype (Python ints adapt), got "
            f"{', '.join(_fmt(i) for i in idx)}; convert them to one dtype"
        )
    wrap = _wrap(op, allow_negative, len(xs))
    if not any(_dynamic(i) for i in idx):
        starts = []
        for i, n, s, w in zip(idx, xs, sizes, wrap, strict=True):
            v = operator.index(i) if type(i) is int else int(i)
            if v < 0 and not w and isinstance(i, int | _np.integer):
                raise ValueError(
                    f"lax.{op}: start index {v} is out of bounds for a dimension of size {n} "
                    f"with allow_negative_indices=False (operand shape {xs})"
                )
            v = v + n if v < 0 and w else v
            starts.append(builtins.min(builtins.max(v, 0), n - s))
        return tuple(_S(a, a + s) for a, s in zip(starts, sizes, strict=True))
    out = []
    for d, (i, n, s, w) in enumerate(zip(idx, xs, sizes, wrap, strict=True)):
        start = gnp.clip(gnp.where(gnp.less(i, 0), gnp.add(i, n), i) if w else i, 0, n - s)
        span = (1,) * d + (s,) + (1,) * (len(xs) - d - 1)
        out.append(gnp.reshape(gnp.add(start, gnp.arange(s)), span))
    return tuple(out)


def dynamic_slice(
    operand: Any,
    start_indices: Any,
    slice_sizes: Sequence[int],
    *,
    allow_negative_indices: bool | Sequence[bool] = True,
) -> Any:
    """The window of ``slice_sizes`` at ``start_indices``, the starts clamped so that the
    window fits (lax's rule: an out-of-range start never fails).

    Example: ``lax.dynamic_slice(x, (i, 0), (2, x.shape[1]))``
    """
    xs = _shape(operand)
    sizes = _ints("dynamic_slice", slice_sizes, "slice_sizes")
    if len(sizes) != len(xs) or any(not 0 <= s <= n for s, n in zip(sizes, xs, strict=True)):
        raise TypeError(
            f"lax.dynamic_slice: slice_sizes {sizes} must have one entry per "
            f"dimension, each between 0 and the operand's size {xs}"
        )
    w = _window("dynamic_slice", start_indices, xs, sizes, allow_negative_indices)
    return operand[w] if all(type(i) is _S for i in w) else _at_fn(operand)[w].get()


def dynamic_update_slice(
    operand: Any,
    update: Any,
    start_indices: Any,
    *,
    allow_negative_indices: bool | Sequence[bool] = True,
) -> Any:
    """A copy of ``operand`` with ``update`` written at ``start_indices`` (clamped so that
    it fits). Differentiable in both arrays. Example:
    ``lax.dynamic_update_slice(x, row[None], (i, 0))``"""
    from ._lax_gather import _on_backend

    operand, update = _on_backend(operand), _on_backend(update)
    xs, us = _shape(operand), _shape(update)
    _same_dtype("dynamic_update_slice", operand, update)
    if len(us) != len(xs) or any(u > n for u, n in zip(us, xs, strict=True)):
        raise TypeError(
            f"lax.dynamic_update_slice: update shape {us} must have the operand's "
            f"rank and fit inside its shape {xs}"
        )
    w = _window("dynamic_update_slice", start_indices, xs, us, allow_negative_indices)
    out = _at_fn(operand)[w].set(update)
    return out if isinstance(operand, Tensor) or isinstance(update, Tensor) else _data(out)


def dynamic_slice_in_dim(
    operand: Any,
    start_index: Any,
    slice_size: int,
    axis: int = 0,
    *,
    allow_negative_indices: bool = True,
) -> Any:
    """``dynamic_slice`` along one axis. Example: ``lax.dynamic_slice_in_dim(x, i, 2, 1)``"""
    xs = _shape(operand)
    a = _axis("dynamic_slice_in_dim", axis, len(xs), "axis")
    starts = [0] * len(xs)
    starts[a] = start_index
    sizes = list(xs)
    sizes[a] = slice_size
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(
    operand: Any,
    index: Any,
    axis: int = 0,
    keepdims: bool = True,
    *,
    allow_negative_indices: bool = True,
) -> Any:
    """Element ``index`` (clamped) along ``axis``. Example: ``lax.dynamic_index_in_dim(x, i)``"""
    out = dynamic_slice_in_dim(
        operand, index, 1, axis, allow_negative_indices=allow_negative_indices
    )
    if keepdims:
        return out
    return squeeze(out, (_axis("dynamic_index_in_dim", axis, len(_shape(operand)), "axis"),))


def dynamic_update_slice_in_dim(
    operand: Any,
    update: Any,
    start_index: Any,
    axis: int,
    *,
    allow_negative_indices: bool = True,
) -> Any:
    """``dynamic_update_slice`` at ``start_index`` along ``axis`` (0 along the others).
    Example: ``lax.dynamic_update_slice_in_dim(x, rows, i, 0)``"""
    xs = _shape(operand)
    a = _axis("dynamic_update_slice_in_dim", axis, len(xs), "axis")
    starts = [0] * len(xs)
    starts[a] = start_index
    return dynamic_update_slice(
        operand, update, starts, allow_negative_indices=allow_negative_indices
    )


def dynamic_update_index_in_dim(operand: Any, update: Any, index: Any, axis: int) -> Any:
    """``update`` (with or without the ``axis`` dimension) written at ``index`` along ``axis``.
    Example: ``lax.dynamic_update_index_in_dim(x, row, i, 0)``"""
    xs = _shape(operand)
    a = _axis("dynamic_update_index_in_dim", axis, len(xs), "axis")
    if len(_shape(update)) == len(xs) - 1:
        update = gnp.expand_dims(update, a)
    return dynamic_update_slice_in_dim(operand, update, index, a)


# ---- creation ---------------------------------------------------------------------------------


def iota(dtype: Any, size: int) -> Any:
    """``[0, 1, ..., size - 1]`` as ``dtype``. Example: ``lax.iota(np.int32, 4)``"""
    n = operator.index(size)
    if n < 0:
        raise TypeError(f"lax.iota: size must be non-negative, got {n}")
    return gnp.arange(n, dtype=_np.dtype(dtype))


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Any:
    """An array of ``shape`` holding each element's index along ``dimension``.
    Example: ``lax.broadcasted_iota(np.int32, (2, 3), 1)`` -> rows ``[0, 1, 2]``"""
    shape = _ints("broadcasted_iota", shape, "shape")
    d = _axis("broadcasted_iota", dimension, len(shape))
    v = gnp.reshape(iota(dtype, shape[d]), tuple(n if i == d else 1 for i, n in enumerate(shape)))
    return gnp.zeros(shape, dtype=_np.dtype(dtype)) + v


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> Any:
    """An array of ``shape`` filled with ``fill_value`` (a scalar; a Tensor stays
    differentiable). Example: ``lax.full((2, 3), 0.5, np.float32)``"""
    shape = _ints("full", shape, "shape")
    if _shape(fill_value) != ():
        raise TypeError(f"lax.full: fill_value must be a scalar, got {_fmt(fill_value)}")
    if _dtype(fill_value) is None:
        return gnp.full(shape, fill_value, dtype=None if dtype is None else _np.dtype(dtype))
    from ._lax_elementwise import convert_element_type

    v = fill_value if dtype is None else convert_element_type(fill_value, dtype)
    return v * gnp.ones(shape, dtype=_dtype(v))


def full_like(
    x: Any, fill_value: Any, dtype: Any = None, shape: Sequence[int] | None = None
) -> Any:
    """Like ``full``, with ``x``'s shape and dtype unless given.
    Example: ``lax.full_like(x, 1.0)``"""
    dt = _np.dtype(dtype) if dtype is not None else _dtype(x)
    if _dtype(fill_value) is None and dt is not None:
        fill_value = _np.asarray(fill_value).astype(dt)[()]
    return full(_shape(x) if shape is None else shape, fill_value, dt)


def zeros_like_array(x: Any) -> Any:
    """Zeros of ``x``'s shape and dtype. Example: ``lax.zeros_like_array(x)``"""
    return full_like(x, 0)
