"""Indexing: getitem, its adjoint scatter, and index_update (what ``x[i] = v`` records)."""

from __future__ import annotations

import numpy as _np

from .._raw import _xp, data, shape
from ..engine import apply1 as _apply1
from ..tensor import Tensor
from . import abstract as _A
from .core import prim

# ---- indexing ---------------------------------------------------------------------------------

def check_list_index(index, where: str = "getitem") -> None:
    """Refuse an index that PyTorch and NumPy read differently: a list shorter than 32 that
    holds sequences, arrays, Tensors, slices, ``None`` or ``...`` is a tuple of indices to
    torch (``x[[[0, 1], [1, 0]]]`` is ``x[[0, 1], [1, 0]]``) and one index array to NumPy;
    a list of plain integers or bools means the same in both and passes.

    Example: ``check_list_index([[0, 1], [1, 0]])`` raises; write ``x[tuple(seq)]``.
    """
    if index.__class__ is not list or len(index) >= 32:
        return
    for i in index:
        if i is None or i is Ellipsis or isinstance(i, list | tuple | range | slice | Tensor) or (
                getattr(i, "ndim", None) is not None and not isinstance(i, _np.generic)):
            raise IndexError(
                f"{where}: an index that is a list holding {type(i).__name__} entries means "
                f"two things: torch reads it as a tuple of indices, NumPy as one index array. "
                f"Write x[tuple(seq)] for torch's meaning or x[numpy.array(seq)] for NumPy's")


def _as_index_array(lst):
    """A list in an index as a backend array; an empty list is an empty integer index (as
    NumPy and torch read it), not float64."""
    xp = _xp(None)
    return xp.asarray(lst) if lst else xp.asarray(lst, dtype=xp.intp)


def normalize_index(index):
    """Replace Tensors and lists inside an index by backend arrays (hashable-free, raw), and
    slice bounds held in arrays by Python ints (:func:`host_slice`)."""
    check_list_index(index)
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            i = _as_index_array(i)
        elif i.__class__ is slice:
            i = host_slice(i)
        out.append(i)
    return tuple(out)


def host_slice(s: slice) -> slice:
    """``s`` with every bound held in an array (a 0-d integer Tensor, backend or NumPy array)
    read into a Python int, as NumPy and PyTorch read it (on a GPU: one synchronisation);
    CuPy slices with host integers only. The result's shape depends on the bound, so under
    ``gpuad.jit`` the program holds the value read and checks at every call that the array
    still holds it, tracing again where it does not; a bound computed from the function's
    arguments raises ``TracerError``, as JAX requires concrete slice bounds.

    Example: ``host_slice(slice(1, cupy.asarray(3)))`` is ``slice(1, 3)``.
    """
    a, b, c = s.start, s.stop, s.step
    if (a is None or a.__class__ is int) and (b is None or b.__class__ is int) and \
            (c is None or c.__class__ is int):
        return s
    return slice(_host_bound(a), _host_bound(b), _host_bound(c))


def _host_bound(b):
    raw = b._data if isinstance(b, Tensor) else b
    if getattr(raw, "ndim", None) is None or isinstance(raw, _np.generic):
        return b  # None, ints, NumPy's integer scalars; anything else: the backend's error
    if raw.ndim != 0 or _np.dtype(raw.dtype).kind not in "iu":
        raise TypeError(f"getitem: a slice bound must be an integer, None or a 0-d integer "
                        f"array, not an array of shape {tuple(raw.shape)} and dtype "
                        f"{raw.dtype}")
    from .. import _value_checks as _vc

    what = "a slice bound held in an array"
    _vc.host_read(what, raw, keep=False)  # one computed from the arguments: refused
    v = int(raw)
    _vc.keep_value(f"{what} (it held {v})", v, b)
    return v


def check_bounds(index, shape_: tuple, where: str = "getitem") -> None:
    """Raise ``IndexError`` for an integer index array with an entry outside ``[-n, n)`` of
    the dim it reads, for an array on a backend that does not check (CuPy wraps such entries
    around, host index arrays included); NumPy raises itself. ``index`` is normalized (a
    tuple of raw parts)."""
    arrays = [i for i in index if getattr(i, "ndim", None) is not None and not isinstance(
        i, _np.generic) and getattr(i.dtype, "kind", "") in "iu" and i.size]
    if not arrays:
        return
    from .. import _value_checks as _vc

    used = _builtins.sum(
        len(i.shape) if getattr(getattr(i, "dtype", None), "kind", "") == "b" else 1
        for i in index if i is not None and i is not Ellipsis)
    d = 0
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            d += len(shape_) - used
            continue
        kind = getattr(getattr(i, "dtype", None), "kind", "")
        if kind == "b":
            d += len(i.shape)
            continue
        if _builtins.any(i is a for a in arrays) and d < len(shape_):
            n = shape_[d]
            _vc.run(_vc.Check(
                "getitem_index", lambda xp, v, n=n: (v < -n) | (v >= n),
                lambda count, first, n=n, d=d: IndexError(
                    f"{where}: index {first} is out of bounds for axis {d} with size {n} "
                    f"(array of shape {tuple(shape_)}); {count} entries lie outside "
                    f"[{-n}, {n})"),
                values=lambda xp, v: v), i)
        d += 1


def _unchecked_backend(x) -> bool:
    """Whether ``x`` is indexed on a backend whose indexing wraps out-of-range entries (CuPy):
    it lives there, or it is a host array that the op moves to the active CuPy backend."""
    raw = x._data if isinstance(x, Tensor) else x
    if not isinstance(raw, _np.ndarray | _np.generic | int | float | complex | bool):
        return True
    from ..backends import get_backend

    return get_backend().name != "numpy"


def drop_leading_ones(v, ndim: int = 0):
    """A value to write without its leading length-1 dims beyond ``ndim`` (broadcasting puts
    them back): NumPy and torch drop them where they exceed the selection's dims; CuPy, and
    NumPy's boolean write ``x[True] = v``, refuse them."""
    shape_ = tuple(getattr(v, "shape", ()))
    k = 0
    while len(shape_) - k > ndim and shape_[k] == 1:
        k += 1
    return v.reshape(shape_[k:]) if k else v


def _is_basic(index) -> bool:
    for i in index:
        if not (i is None or i is Ellipsis or isinstance(i, slice | int | _np.integer)):
            return False
    return True


def _scatter_fwd(xp, g, index, shape, basic):
    out = xp.zeros(shape, dtype=g.dtype)
    if basic:
        out[index] = g
    else:
        from ..backends import _by_array_type

        if g.size:  # nothing to add (and CuPy cannot reshape an empty (0, -1) operand)
            _by_array_type[type(out)].index_add(out, index, g)
    return out


scatter = prim("scatter", _scatter_fwd,
               vjp=[lambda g, ans, v, index, shape, basic: getitem_(g, index=index, shape=shape,
                                                                    basic=basic)],
               jvp=[lambda t, ans, v, index, shape, basic: scatter(t, index=index, shape=shape,
                                                                   basic=basic)])
def _take(x, index, basic):
    """``x[index]``; an advanced index's result in C order, as torch lays it out (NumPy may
    give strides in another order, and a later reshape of it would then copy where torch's
    reshape is a view that a write goes through)."""
    r = x[index]
    return r if basic or r.flags.c_contiguous else r.copy()


getitem_ = prim("getitem", lambda xp, x, index, shape, basic: _take(x, index, basic),
                vjp=[lambda g, ans, x, index, shape, basic: scatter(g, index=index, shape=shape,
                                                                    basic=basic)],
                jvp=[lambda t, ans, x, index, shape, basic: getitem_(t, index=index, shape=shape,
                                                                     basic=basic)],
                view=True)  # with a basic index (engine._view_of decides)
getitem_.rule.np_params_fn = lambda x, p: _take(x, p["index"], p["basic"])


def diagonal_rows_cols(xp, n: int, m: int, offset: int):
    """The row and column indices of diagonal ``offset`` of an (n, m) matrix."""
    if offset >= 0:
        k = _builtins.max(0, _builtins.min(n, m - offset))
        return xp.arange(k), xp.arange(k) + offset
    k = _builtins.max(0, _builtins.min(n + offset, m))
    return xp.arange(k) - offset, xp.arange(k)


def _diagonal_fwd(xp, x, offset, shape):
    v = xp.diagonal(x, offset, -2, -1)
    if type(v) is _np.ndarray and not v.flags.writeable:
        try:  # NumPy's diagonal is read-only, its memory is not (CuPy's is writable)
            v.flags.writeable = True
        except ValueError:
            pass
    return v


def _diagonal_vjp(g, ans, x, offset, shape):
    rows, cols = diagonal_rows_cols(_xp(g), shape[-2], shape[-1], offset)
    return scatter(g, index=(Ellipsis, rows, cols), shape=shape, basic=False)


# diagonal ``offset`` of the matrices on the last two axes: a view of x's memory, as NumPy's
# (made writable) and torch's, so writes through it reach x (engine._unview rebuilds x)
diagonal_ = prim("diagonal", _diagonal_fwd, vjp=[_diagonal_vjp],
                 jvp=[lambda t, ans, x, offset, shape: diagonal_(t, offset=offset, shape=shape)],
                 view=True)


def _diagonal_shape(s, offset, shape, **params):
    n, m = s[-2:]
    k = _builtins.max(0, _builtins.min(n, m - offset) if offset >= 0
                      else _builtins.min(n + offset, m))
    return tuple(s[:-2]) + (k,)


def _batched_index(index) -> bool:
    """Whether ``index`` holds an index array that vmap batches (then it is an argument)."""
    if isinstance(index, tuple):
        return _builtins.any(isinstance(i, Tensor) and i._bat is not None for i in index)
    return isinstance(index, Tensor) and index._bat is not None


def getitem(x, index, *, checked: bool = False):
    """``x[index]`` with basic and advanced indexing; the adjoint scatter-adds. ``checked``
    (what ``Tensor.__getitem__`` passes): index arrays out of range raise ``IndexError`` on
    CuPy too, which wraps them around (library code indexes in range by construction)."""
    c = index.__class__
    if c is slice:
        index = host_slice(index)
    if c is int or c is slice:  # the common case, without the general checks
        if x.__class__ is Tensor and x._bat is None:  # (without the op's argument packing)
            return _apply1(getitem_.rule, x, {"index": (index,), "shape": tuple(x._data.shape),
                                              "basic": True})
        return getitem_(x, index=(index,), shape=shape(x), basic=True)
    if _batched_index(index):
        from .dynindex import split_index, take_index

        template, arrays = split_index(index, len(shape(x)), "getitem")
        return take_index(x, *arrays, template=template, shape=shape(x))
    index = normalize_index(index)
    basic = _is_basic(index)
    if checked and not basic and _unchecked_backend(x):
        check_bounds(index, shape(x))
    return getitem_(x, index=index, shape=shape(x), basic=basic)


def _may_repeat(index):
    """Whether ``index`` can name one position twice: integer arrays can, also beside a mask
    (``x[[0, 0], mask]``); slices and masks alone cannot."""
    if _is_basic(index):
        return False
    return _builtins.any(getattr(getattr(i, "dtype", None), "kind", "") in ("i", "u")
                         for i in index)


def _write_owner(xp, index, shape_):
    """For ``out[index] = v``: ``ids`` numbers the writes 1..n in order, and ``owner`` holds at
    each position the id of the write NumPy keeps there (the last one), 0 where none lands.
    NumPy assigns in order; on a GPU the order is undefined, so a scatter-max decides."""
    sel = xp.empty(shape_, dtype=bool)[index].shape
    n = builtins_prod(sel)
    dt = xp.int32 if n < 2**31 - 1 else xp.int64
    ids = xp.arange(1, n + 1, dtype=dt).reshape(sel)
    owner = xp.zeros(shape_, dtype=dt)
    if xp is _np:
        owner[index] = ids
    else:
        import cupyx

        cupyx.scatter_max(owner, index, ids)
    return owner, ids


def _update_fwd(xp, x, v, index):
    out = xp.array(x, copy=True)
    if xp is not _np:
        v = drop_leading_ones(v)
    if xp is _np or not _may_repeat(index):
        out[index] = v
        return out
    # every write to a position carries the value of the write NumPy would keep there
    owner, ids = _write_owner(xp, index, out.shape)
    vals = xp.broadcast_to(xp.asarray(v, dtype=out.dtype), ids.shape).reshape(-1)
    out[index] = vals[owner[index] - 1]
    return out


def _zero_at(g, index):
    return index_update_(g, 0, index=index)


def _kept_writes(index, shape_, xp):
    """For ``out[index] = v``: True at the indexed positions whose write is the one kept (with
    repeated indices only the last write survives), None when no index can repeat. ``xp`` is
    the cotangent's namespace: the index may be a NumPy array on the CuPy backend."""
    if not _may_repeat(index):
        return None
    owner, ids = _write_owner(xp, index, shape_)
    return owner[index] == ids


def _update_vjp_v(g, ans, x, v, index):
    r = getitem(g, index)
    kept = _kept_writes(index, shape(g), _xp(g))
    return r if kept is None else r * kept


index_update_ = prim("index_update", _update_fwd,
                     vjp=[lambda g, ans, x, v, index: _zero_at(g, index), _update_vjp_v],
                     jvp=[lambda t, ans, x, v, index: _zero_at(t, index),
                          lambda t, ans, x, v, index: index_update_(
                              _xp(t).zeros(shape(ans), dtype=data(ans).dtype), t,
                              index=index)])


def index_update(x, index, value, *, checked: bool = False):
    """A copy of ``x`` with ``x[index] = value`` (functional; what ``x[index] = v`` records);
    ``checked``: as for :func:`getitem`."""
    if _batched_index(index):
        from .dynindex import split_index, update_index

        template, arrays = split_index(index, len(shape(x)), "index_update")
        return update_index(x, value, *arrays, template=template)
    index = normalize_index(index)
    if checked and not _is_basic(index) and _unchecked_backend(x):
        check_bounds(index, shape(x), "setitem")
    return index_update_(x, value, index=index)


# names of the other families, which the formulas call (imported last: the families
# use one another)
from ._helpers import _builtins, builtins_prod  # noqa: E402

# abstract evaluation (gpuad/prims/abstract.py)
_A.set_slots(getitem_, _A.index_shape, _A.first_dtype)
_A.set_slots(diagonal_, _diagonal_shape, _A.first_dtype)
_A.set_slots(scatter, _A.scatter_shape, _A.first_dtype)
_A.set_slots(index_update_, _A.same_shape, _A.update_dtype)
