"""``jax.lax.gather`` and the ``scatter`` family, over gpuad's functional index updates.

Each window is addressed by index arrays (its start, clamped or checked, plus an ``arange``
along each window dimension), so a gather is one recorded ``x.at[idx].get()`` and a scatter one
``.add``/``.subtract``/``.set``/``.multiply``/``.min``/``.max``/``.apply``: derivatives,
``vmap`` and ``jit`` come from those. Modes as XLA computes them: ``"clip"`` moves a window into
range, ``"fill"`` (JAX's ``FILL_OR_DROP``, the scatters' default) fills an out-of-range gather
window with ``fill_value`` and drops an out-of-range scatter window; ``"promise_in_bounds"``
(gather's default) clamps a gather window and drops a scatter window, as XLA does. An operand
batching dimension (``operand_batching_dims``) is read or written at the position along the
index batch dimension it pairs with, as a gather/scatter under ``vmap``.

Example::

    dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))
    rows = lax.gather(x, idx[:, None], dn, slice_sizes=(1, x.shape[1]))   # x[idx]
"""

from __future__ import annotations

import enum
import operator
from typing import Any, NamedTuple

import numpy as _np

from . import numpy as gnp
from ._at import at as _at_fn
from ._lax_elementwise import _dtype, _fmt, _same_dtype
from ._raw import data as _data
from ._raw import shape as _shape


class GatherDimensionNumbers(NamedTuple):
    """How ``gather`` reads windows: JAX's fields and meanings."""

    offset_dims: tuple = ()
    collapsed_slice_dims: tuple = ()
    start_index_map: tuple = ()
    operand_batching_dims: tuple = ()
    start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
    """How ``scatter`` writes windows: JAX's fields and meanings."""

    update_window_dims: tuple = ()
    inserted_window_dims: tuple = ()
    scatter_dims_to_operand_dims: tuple = ()
    operand_batching_dims: tuple = ()
    scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.IntEnum):
    """Out-of-range windows: moved into range, filled or dropped, or promised not to occur."""

    CLIP = 1
    FILL_OR_DROP = 2
    PROMISE_IN_BOUNDS = 3


def _mode(op: str, mode) -> str:
    """ "clip" or "fill" (fill a gather window, drop a scatter window), as XLA computes them:
    ``None`` is lax's default (gather: promise_in_bounds; scatter: fill_or_drop), and a
    promise is kept as XLA keeps it (a gather window is clamped, a scatter window dropped)."""
    if mode is None:
        return "clip" if op == "gather" else "fill"
    if isinstance(mode, str):
        m = mode.lower()
        m = m.upper()
    else:
        m = getattr(mode, "name", None)
    promise = "clip" if op == "gather" else "fill"
    table = {
        "CLIP": "clip",
        "FILL": "fill",
        "DROP": "fill",
        "FILL_OR_DROP": "fill",
        "PROMISE_IN_BOUNDS": promise,
    }
    if m in table:
        return table[m]
    raise ValueError(
        f"lax.{op}: mode must be 'clip', 'fill' (or 'drop') or 'promise_in_bounds', got {mode!r}"
    )


def _ints(v) -> tuple[int, ...]:
    return tuple(operator.index(i) for i in v)


def _check_dims(op: str, what: str, dims: tuple, rank: int, *, in_order: bool) -> None:
    """JAX's rules for a dimension-number field: each dimension in ``[0, rank)`` and named
    once (and increasing where JAX asks for sorted ones); never wrapped or merged."""
    if any(not 0 <= d < rank for d in dims):
        raise TypeError(f"lax.{op}: {what} {dims} must be dimensions in [0, {rank})")
    if len(set(dims)) != len(dims):
        raise TypeError(f"lax.{op}: {what} {dims} must not repeat a dimension")
    if in_order and list(dims) != sorted(dims):
        raise TypeError(f"lax.{op}: {what} {dims} must be sorted")


def _batching(op: str, dn, ifield: str, xs, ishape, sizes) -> tuple[tuple, tuple]:
    """``operand_batching_dims`` and the index batch dims they pair with, checked."""
    obd = _ints(getattr(dn, "operand_batching_dims", ()) or ())
    ibd = _ints(getattr(dn, ifield, ()) or ())
    nb = len(ishape) - 1
    if (
        len(obd) != len(ibd)
        or len(set(obd)) != len(obd)
        or len(set(ibd)) != len(ibd)
        or any(not 0 <= d < len(xs) for d in obd)
        or any(not 0 <= d < nb for d in ibd)
        or any(xs[d] != ishape[i] or sizes[d] != 1 for d, i in zip(obd, ibd, strict=True))
    ):
        raise TypeError(
            f"lax.{op}: operand_batching_dims {obd} and {ifield} {ibd} must pair distinct "
            f"operand dimensions (window size 1) with index batch dimensions of the same size; "
            f"operand {tuple(xs)}, indices {tuple(ishape)} (the last one indexes), window "
            f"{tuple(sizes)}"
        )
    return obd, ibd


def _window_index(op, starts, mapping, xs, sizes, window_dims, batch_shape, mode, batching):
    """Per operand dimension, the index array of every window element (batch dims first, then
    the window dims in ``window_dims`` order), and the mask of out-of-range windows. An
    operand batching dimension is indexed by the position along its index batch dimension."""
    nb, nw = len(batch_shape), len(window_dims)
    obd, ibd = batching
    full = tuple(batch_shape) + tuple(sizes[d] for d in window_dims)
    idx, bad = [], None
    for d, (n, s) in enumerate(zip(xs, sizes, strict=True)):
        if d in obd:
            k = ibd[obd.index(d)]
            st = gnp.reshape(gnp.arange(n), (1,) * k + (n,) + (1,) * (nb - k - 1 + nw))
        elif d in mapping:
            st = gnp.take(starts, mapping.index(d), axis=-1)
            if mode == "fill":
                out = gnp.logical_or(gnp.less(st, 0), gnp.greater(st, n - s))
                bad = out if bad is None else gnp.logical_or(bad, out)
            st = gnp.clip(st, 0, n - s)
            st = gnp.reshape(st, tuple(batch_shape) + (1,) * nw)
        else:
            st = gnp.zeros((1,) * (nb + nw), dtype=_np.int64)
        if d in window_dims:
            w = window_dims.index(d)
            st = gnp.add(
                st, gnp.reshape(gnp.arange(s), (1,) * (nb + w) + (s,) + (1,) * (nw - w - 1))
            )
        idx.append(gnp.broadcast_to(st, full))
    if bad is not None:
        bad = gnp.reshape(bad, tuple(batch_shape) + (1,) * nw)
    return idx, bad, full


def _default_fill(dt):
    if dt.kind in "fc":
        return _np.nan
    if dt.kind == "b":
        return True
    info = _np.iinfo(dt)
    return info.min if dt.kind == "i" else info.max


def _on_backend(x):
    """A NumPy array moved to the active backend (as gpuad.numpy's functions move it): the
    index arithmetic below must not mix it with device arrays through its own operators."""
    if isinstance(x, _np.ndarray):
        from .transforms import _asarray

        return _asarray(x, "lax")
    return x


def gather(
    operand: Any,
    start_indices: Any,
    dimension_numbers: Any,
    slice_sizes: Any,
    *,
    unique_indices: bool = False,
    indices_are_sorted: bool = False,
    mode: Any = None,
    fill_value: Any = None,
) -> Any:
    """Windows of ``slice_sizes`` read at ``start_indices`` (its last dimension indexes the
    operand dimensions ``start_index_map``), laid out as ``dimension_numbers`` says (JAX's
    ``GatherDimensionNumbers``). Differentiable in ``operand``.

    Example: ``lax.gather(x, i[:, None], GatherDimensionNumbers((1,), (0,), (0,)), (1, 3))``
    """
    operand, start_indices = _on_backend(operand), _on_backend(start_indices)
    dn = dimension_numbers
    offset_dims = _ints(dn.offset_dims)
    collapsed = _ints(dn.collapsed_slice_dims)
    mapping = _ints(dn.start_index_map)
    xs, ishape = _shape(operand), _shape(start_indices)
    sizes = _ints(slice_sizes)
    kind = getattr(start_indices, "dtype", None)
    if kind is None or _np.dtype(kind).kind not in "iu" or not ishape:
        raise TypeError(
            f"lax.gather: start_indices must be an integer array whose last "
            f"dimension indexes the operand, got {_fmt(start_indices)}"
        )
    # with no indices at all a window need not fit (JAX's base case: no slice is read)
    empty = 0 in ishape[:-1]
    if len(sizes) != len(xs) or any(
        not 0 <= s <= (s if empty else n) for s, n in zip(sizes, xs, strict=True)
    ):
        raise TypeError(
            f"lax.gather: slice_sizes {sizes} must have one entry per operand "
            f"dimension, each between 0 and its size {xs}"
        )
    if ishape[-1] != len(mapping):
        raise TypeError(
            f"lax.gather: the last dimension of start_indices {ishape} must have "
            f"one entry per start_index_map {mapping}"
        )
    _check_dims("gather", "collapsed_slice_dims", collapsed, len(xs), in_order=True)
    _check_dims("gather", "start_index_map", mapping, len(xs), in_order=False)
    _check_dims("gather", "offset_dims", offset_dims, len(ishape) - 1 + len(offset_dims),
                in_order=True)
    if any(sizes[d] != 1 for d in collapsed):
        raise TypeError(
            f"lax.gather: collapsed_slice_dims {collapsed} must have slice size 1, "
            f"got slice_sizes {sizes}"
        )
    batching = _batching("gather", dn, "start_indices_batching_dims", xs, ishape, sizes)
    window_dims = [d for d in range(len(xs)) if d not in collapsed and d not in batching[0]]
    batch_shape = ishape[:-1]
    if len(offset_dims) != len(window_dims):
        raise TypeError(
            f"lax.gather: offset_dims {offset_dims} must have one entry per "
            f"operand dimension neither collapsed nor batching ({len(window_dims)})"
        )
    m = _mode("gather", mode)
    idx, bad, _ = _window_index(
        "gather", start_indices, mapping, xs, sizes, window_dims, batch_shape, m, batching
    )
    out = _at_fn(operand)[tuple(idx)].get()
    if not any(hasattr(a, "_data") for a in (operand, start_indices)):
        out = _data(out)
    if bad is not None:
        dt = _dtype(operand)
        fill = _default_fill(dt) if fill_value is None else fill_value
        out = gnp.where(bad, gnp.asarray(fill, dtype=dt), out)
    nb = len(batch_shape)
    rank = nb + len(window_dims)
    batch_src = iter(range(nb))
    perm = [
        nb + sorted(offset_dims).index(p) if p in offset_dims else next(batch_src)
        for p in range(rank)
    ]
    return gnp.transpose(out, perm) if perm != list(range(rank)) else out


def _scatter(op: str, method: str, operand, scatter_indices, updates, dimension_numbers, mode,
             unique_indices: bool = False, func=None):
    operand, scatter_indices = _on_backend(operand), _on_backend(scatter_indices)
    updates = _on_backend(updates)
    dn = dimension_numbers
    _same_dtype(op, operand, updates)
    uwd = _ints(dn.update_window_dims)
    inserted = _ints(dn.inserted_window_dims)
    mapping = _ints(dn.scatter_dims_to_operand_dims)
    xs, us, ishape = _shape(operand), _shape(updates), _shape(scatter_indices)
    kind = getattr(scatter_indices, "dtype", None)
    if kind is None or _np.dtype(kind).kind not in "iu" or not ishape:
        raise TypeError(
            f"lax.{op}: scatter_indices must be an integer array whose last "
            f"dimension indexes the operand, got {_fmt(scatter_indices)}"
        )
    if ishape[-1] != len(mapping):
        raise TypeError(
            f"lax.{op}: the last dimension of scatter_indices {ishape} must have "
            f"one entry per scatter_dims_to_operand_dims {mapping}"
        )
    _check_dims(op, "update_window_dims", uwd, len(us), in_order=True)
    _check_dims(op, "inserted_window_dims", inserted, len(xs), in_order=True)
    _check_dims(op, "scatter_dims_to_operand_dims", mapping, len(xs), in_order=False)
    obd = _ints(getattr(dn, "operand_batching_dims", ()) or ())
    window_dims = [d for d in range(len(xs)) if d not in inserted and d not in obd]
    scatter_dims = [i for i in range(len(us)) if i not in uwd]
    batch_shape = ishape[:-1]
    if len(uwd) != len(window_dims) or tuple(us[i] for i in scatter_dims) != batch_shape:
        raise TypeError(
            f"lax.{op}: updates of shape {us} do not match scatter_indices "
            f"{ishape} and update_window_dims {uwd} for an operand of shape {xs}"
        )
    sizes = [1] * len(xs)
    for j, d in enumerate(window_dims):
        sizes[d] = us[uwd[j]]
    if any(s > n for s, n in zip(sizes, xs, strict=True)):
        raise TypeError(f"lax.{op}: update windows {tuple(sizes)} exceed the operand's shape {xs}")
    batching = _batching(op, dn, "scatter_indices_batching_dims", xs, ishape, sizes)
    m = _mode(op, mode)
    idx, bad, full = _window_index(
        op, scatter_indices, mapping, xs, tuple(sizes), window_dims, batch_shape, m, batching
    )
    if bad is not None and xs:
        idx[0] = gnp.where(gnp.broadcast_to(bad, full), xs[0], idx[0])
    u = (
        gnp.transpose(updates, scatter_dims + list(uwd))
        if scatter_dims + list(uwd) != list(range(len(us)))
        else updates
    )
    ref = _at_fn(operand)[tuple(idx)]
    # the promise of unique windows lets gpuad.jit trace a multiply/min/max by indices computed
    # from its arguments (it is checked: a repeat raises)
    kw = dict(mode="drop" if m == "fill" else None, unique_indices=bool(unique_indices))
    try:
        if func is not None:
            return ref.apply(func, **kw)
        return getattr(ref, method)(u, **kw)
    except (TypeError, ValueError, IndexError, RuntimeError) as e:
        new = _renamed(e, method, op)
        if new is None:
            raise
        raise new from e


def _renamed(e: Exception, method: str, op: str) -> Exception | None:
    """The error of the ``x.at[...]`` method a scatter is made of, naming the lax function."""
    from .jit.trace import TracerError

    if type(e) not in (TypeError, ValueError, IndexError, TracerError) or vars(e):
        return None  # an exception that carries more than its message passes unchanged
    msg = str(e).replace(f"x.at[...].{method}", f"lax.{op}")
    if f"lax.{op}" not in msg:
        msg = f"lax.{op}: {msg}"
    try:
        return type(e)(msg)
    except TypeError:
        return None


def _make_scatter(op: str, method: str, what: str):
    def f(
        operand: Any,
        scatter_indices: Any,
        updates: Any,
        dimension_numbers: Any,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: Any = None,
    ) -> Any:
        out = _scatter(
            op, method, operand, scatter_indices, updates, dimension_numbers, mode, unique_indices
        )
        if not any(hasattr(a, "_data") for a in (operand, updates)):
            return _data(out)
        return out

    f.__name__ = f.__qualname__ = op
    f.__doc__ = (
        f"A copy of ``operand`` with the windows of ``updates`` {what} at "
        f"``scatter_indices`` (JAX's ``ScatterDimensionNumbers``; out-of-range "
        f"windows dropped by default). Example: "
        f"``lax.{op}(x, i[:, None], u, ScatterDimensionNumbers((1,), (0,), (0,)))``"
    )
    return f


scatter_add = _make_scatter("scatter_add", "add", "added (every repeat adds)")
scatter_sub = _make_scatter("scatter_sub", "subtract", "subtracted (every repeat subtracts)")
scatter = _make_scatter("scatter", "set", "written (of repeated indices the last wins)")
scatter_mul = _make_scatter("scatter_mul", "multiply", "multiplied in")
scatter_min = _make_scatter("scatter_min", "min", "combined by minimum")
scatter_max = _make_scatter("scatter_max", "max", "combined by maximum")


def scatter_apply(
    operand: Any,
    scatter_indices: Any,
    func: Any,
    dimension_numbers: Any,
    *,
    update_shape: Any = (),
    indices_are_sorted: bool = False,
    unique_indices: bool = False,
    mode: Any = None,
) -> Any:
    """A copy of ``operand`` with the elementwise ``func`` applied at every position of the
    windows (of shape ``update_shape``, laid out as the updates of ``scatter`` would be) at
    ``scatter_indices``, once per occurrence of a position. Differentiable in ``operand``
    (JAX defines no derivative here).

    Example: ``lax.scatter_apply(x, i[:, None], gnp.sin, ScatterDimensionNumbers((), (0,),
    (0,)), update_shape=(len(i),))``
    """
    if not callable(func):
        raise TypeError(f"lax.scatter_apply: func must be an elementwise function such as "
                        f"gnp.sin, got {type(func).__name__}")
    shp = tuple(operator.index(d) for d in update_shape)
    unused = _np.zeros(shp, dtype=_dtype(operand))
    out = _scatter("scatter_apply", "apply", operand, scatter_indices, unused,
                   dimension_numbers, mode, unique_indices, func=func)
    if not hasattr(operand, "_data"):
        return _data(out)
    return out
