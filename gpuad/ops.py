"""``jax.ops``: ``segment_sum``, ``segment_prod``, ``segment_max`` and ``segment_min``, with
JAX's signatures, results and derivatives.

Row ``i`` of ``data`` goes to segment ``segment_ids[i]``; ids outside ``[0, num_segments)``
(negative ones included) are dropped, or clamped with ``mode="clip"``; an empty segment holds
the identity (0, 1, -inf, +inf; an integer type's extremes). Everything is built from recorded
array operations with no read back to the host, so ``gpuad.jit`` traces segment ids that are
arguments and ``gpuad.vmap`` batches them:

- ``segment_sum``: one scatter-add.
- ``segment_prod``, ``segment_max``, ``segment_min``: the rows sorted by segment (a stable
  argsort of the ids), a segmented parallel-prefix scan, and the last row of each segment.
  The product is differentiated through the scan (the product rule, zeros included; JAX only
  differentiates it with ``unique_indices=True``); a maximum or minimum sends the derivative
  of each segment evenly to the rows equal to it, and, where the segment's result equals the
  identity, shares it with that initial value, as JAX's scatter-max rule.

Example::

    import gpuad.ops
    gpuad.ops.segment_sum(x, ids, num_segments=3)
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as _np

from . import numpy as gnp
from ._at import at as _at
from ._numpy_protocol import stop_gradient
from ._raw import data as _data
from .custom import custom_jvp
from .lax import associative_scan

__all__ = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


def _identity(kind: str, dtype: Any) -> Any:
    dtype = _np.dtype(dtype)
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if dtype.kind == "b":
        return kind == "min"
    if dtype.kind in "iu":
        info = _np.iinfo(dtype)
        return info.max if kind == "min" else info.min
    return _np.inf if kind == "min" else -_np.inf


def _mode(name: str, mode: Any) -> str:
    """``"clip"`` or ``"drop"``: JAX's default and a promise of ids in range drop the others."""
    if mode is None:
        return "drop"
    m = mode.upper() if isinstance(mode, str) else getattr(mode, "name", None)
    table = {"CLIP": "clip", "FILL": "drop", "DROP": "drop", "FILL_OR_DROP": "drop",
             "PROMISE_IN_BOUNDS": "drop"}
    if m not in table:
        raise ValueError(f"{name}: mode must be None, 'clip', 'drop' (or 'fill') or "
                         f"'promise_in_bounds', got {mode!r}")
    return table[m]


def _num_segments(name: str, ids: Any, num_segments: Any) -> int:
    from .jit.trace import TracerError

    if num_segments is None:
        if _np.prod(ids.shape) == 0:
            raise ValueError(f"{name}: num_segments=None needs at least one segment id to take "
                             f"the largest from; segment_ids has shape {tuple(ids.shape)}")
        try:
            num_segments = int(gnp.max(ids)) + 1
        except TracerError as e:
            raise TracerError(
                f"{name}: num_segments=None under gpuad.jit needs the largest segment id, "
                f"which depends on the function's arguments (segment_ids of shape "
                f"{tuple(ids.shape)}); pass num_segments as a Python int (JAX raises "
                f"ConcretizationTypeError here)") from e
    try:
        n = operator.index(num_segments)
    except TypeError:
        raise TypeError(f"{name}: num_segments must be an int or None, got "
                        f"{num_segments!r}") from None
    except TracerError as e:
        raise TracerError(f"{name}: num_segments must be a Python int under gpuad.jit (it sets "
                          f"the output's shape); mark it static") from e
    if n < 0:
        raise ValueError(f"{name}: num_segments must be non-negative, got {n}")
    return n


def _prepare(name: str, data: Any, segment_ids: Any, num_segments: Any, bucket_size: Any,
             mode: Any):
    """``data`` as an array, the ids with every dropped one moved to the extra segment ``k``,
    and the number of segments before and after bucketing: ``(data, ids, s, k)``."""
    data = gnp.asarray(data)
    ids = gnp.asarray(segment_ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name}: segment_ids must be integers, got dtype {ids.dtype}")
    if data.ndim == 0 or ids.ndim != 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(
            f"{name}: segment_ids must be 1-D with one id per row of data; got data of shape "
            f"{tuple(data.shape)} and segment_ids of shape {tuple(ids.shape)}")
    m = _mode(name, mode)
    s = _num_segments(name, ids, num_segments)
    if m == "clip":
        ids = gnp.clip(ids, 0, max(s - 1, 0))
    valid = (ids >= 0) & (ids < s)  # with no segment at all, nothing is
    k = s
    if bucket_size is not None:
        bucket_size = int(bucket_size)
        if bucket_size < 1:
            raise ValueError(f"{name}: bucket_size must be a positive int, got {bucket_size}")
        n = data.shape[0]
        buckets = -(-n // bucket_size)
        ids = (gnp.arange(n) // bucket_size) * s + ids
        k = buckets * s
    ids = gnp.where(valid, ids, k).astype(_np.int64)
    return data, ids, s, k


def _finish(out: Any, dtype: Any, args: tuple, s: int, k: int, kind: str) -> Any:
    """The ``k`` segments (``buckets * s`` of them with a bucket size) reduced to ``s``, and a raw
    array where no argument was a Tensor."""
    if k != s:
        out = gnp.reshape(out, (k // s if s else 0, s) + tuple(out.shape[1:]))
        red = {"sum": gnp.sum, "prod": gnp.prod, "max": gnp.max, "min": gnp.min}[kind]
        out = red(out, axis=0) if out.shape[0] else gnp.full(
            out.shape[1:], _identity(kind, dtype), dtype=dtype)
        out = out.astype(dtype)
    if any(hasattr(a, "_data") for a in args):
        return out
    return _data(out)


def _sum(data: Any, ids: Any, k: int) -> Any:
    out = gnp.zeros((k + 1,) + tuple(data.shape[1:]), dtype=data.dtype)
    return _at(out)[ids].add(data)[:k]


def _scan_reduce(kind: str, data: Any, ids: Any, k: int) -> Any:
    """The ``k`` segments' reductions, by a segmented scan over the rows sorted by segment."""
    n = data.shape[0]
    ident = _identity(kind, data.dtype)
    if n == 0:  # the identities, kept on data's tape (a Tensor, differentiable: zero)
        zero = (gnp.sum(data, axis=0, keepdims=True) * 0).astype(data.dtype)
        return gnp.full((k,) + tuple(data.shape[1:]), ident, dtype=data.dtype) + zero
    order = gnp.argsort(ids, kind="stable")
    sid = gnp.take(ids, order)
    rows = gnp.take(data, order, axis=0)
    starts = gnp.concatenate([gnp.ones(1, dtype=bool), sid[1:] != sid[:-1]])
    starts = gnp.reshape(starts, (n,) + (1,) * (data.ndim - 1))
    op = {"prod": gnp.multiply, "max": gnp.maximum, "min": gnp.minimum}[kind]

    def combine(a, b):
        (fa, va), (fb, vb) = a, b
        return fa | fb, gnp.where(fb, vb, op(va, vb))

    _, scanned = associative_scan(combine, (starts, rows))
    counts = _at(gnp.zeros(k + 1, dtype=_np.int64))[ids].add(1)[:k]
    ends = gnp.clip(gnp.cumsum(counts) - 1, 0, n - 1)
    last = gnp.take(scanned, ends, axis=0)
    full = gnp.reshape(counts > 0, (k,) + (1,) * (data.ndim - 1))
    return gnp.where(full, last, gnp.asarray(ident, dtype=data.dtype))


def _extreme(kind: str, data: Any, ids: Any, k: int) -> Any:
    if data.dtype.kind not in "fc":
        return _scan_reduce(kind, data, ids, k)
    ident = _identity(kind, data.dtype)
    fn = custom_jvp(lambda d: _scan_reduce(kind, stop_gradient(d), ids, k))

    @fn.defjvp
    def _rule(primals, tangents):
        (d,), (t,) = primals, tangents
        out = fn(d)
        padded = gnp.concatenate([out, gnp.full((1,) + tuple(out.shape[1:]), gnp.nan,
                                                dtype=out.dtype)])
        tied = d == gnp.take(padded, ids, axis=0)  # a dropped row meets NaN: never tied
        count = _sum(tied.astype(d.dtype), ids, k) + (out == ident).astype(d.dtype)
        tout = _sum(gnp.where(tied, t, 0), ids, k)
        return out, tout / gnp.maximum(count, 1)

    return fn(data)


def _segment(kind: str, data, segment_ids, num_segments, indices_are_sorted, unique_indices,
             bucket_size, mode):
    name = f"segment_{kind}"
    d, ids, s, k = _prepare(name, data, segment_ids, num_segments, bucket_size, mode)
    if kind in ("sum", "prod") and d.dtype == _np.bool_:
        logical = "segment_max (logical or)" if kind == "sum" else "segment_min (logical and)"
        raise TypeError(f"{name}: data of dtype bool (shape {tuple(d.shape)}) is refused, as "
                        f"jax.ops.{name} refuses it; cast it first, e.g. data.astype(int), or "
                        f"use {logical}")
    if kind == "sum":
        out = _sum(d, ids, k)
    elif kind == "prod":
        out = _scan_reduce(kind, d, ids, k)
    else:
        out = _extreme(kind, d, ids, k)
    return _finish(out, d.dtype, (data, segment_ids), s, k, kind)


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The sum of the rows of ``data`` in each segment, as ``jax.ops.segment_sum``: shape
    ``(num_segments,) + data.shape[1:]``, 0 for an empty segment. ``num_segments=None`` takes
    ``max(segment_ids) + 1`` (not under ``gpuad.jit``); ``mode="clip"`` clamps ids out of
    range, any other mode drops them. ``indices_are_sorted`` and ``unique_indices`` are hints
    that change nothing; ``bucket_size`` sums buckets of that many rows first.

    Example: ``segment_sum(gnp.arange(5.0), gnp.array([0, 0, 1, 1, 2]), 3)`` is ``[1, 5, 4]``
    """
    return _segment("sum", data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode)


def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode: Any = None) -> Any:
    """The product of the rows of ``data`` in each segment, as ``jax.ops.segment_prod`` (1 for an
    empty segment; arguments as in :func:`segment_sum`). Differentiable with repeated ids too.

    Example: ``segment_prod(gnp.array([2.0, 3.0, 4.0]), gnp.array([0, 0, 1]), 2)`` is ``[6, 4]``
    """
    return _segment("prod", data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode)


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The maximum of the rows of ``data`` in each segment, as ``jax.ops.segment_max`` (-inf, or
    the integer type's minimum, for an empty segment; arguments as in :func:`segment_sum`).
    The derivative of a segment's maximum is shared evenly by the rows equal to it, as JAX's;
    complex values are ordered by real part, then imaginary part (as ``lax.max``).

    Example: ``segment_max(gnp.array([2.0, 3.0, 4.0]), gnp.array([0, 0, 1]), 3)`` is
    ``[3, 4, -inf]``
    """
    return _segment("max", data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode)


def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:
    """The minimum of the rows of ``data`` in each segment, as ``jax.ops.segment_min`` (+inf, or
    the integer type's maximum, for an empty segment; arguments as in :func:`segment_sum`).

    Example: ``segment_min(gnp.array([2.0, 3.0, 4.0]), gnp.array([0, 0, 1]), 3)`` is
    ``[2, 4, inf]``
    """
    return _segment("min", data, segment_ids, num_segments, indices_are_sorted, unique_indices,
                    bucket_size, mode)
