"""NumPy's parameter names and options for the core array functions (``reshape(a, shape,
order=, copy=)``, ``diff(prepend=, append=)``, ``take(mode=)``, ``average(returned=)``,
``concatenate(axis=None, dtype=)``, ``pad`` modes, ...), so calls written for NumPy, by
keyword or positionally, mean the same here. Each delegates to the differentiable core.
"""

from __future__ import annotations

import numpy as _np

from .. import _fastops as _F
from .. import _value_checks as _vc
from .. import engine as _eng
from .. import rules as _r
from .._numpy_protocol import takes_containers
from ..engine import apply2 as _apply2
from ..rules import data, ndim, shape
from ..tensor import Tensor
from . import broadcast_to as _broadcast_to0
from . import clip as _clip0
from . import concatenate as _concatenate0
from . import copy as _copy0
from . import diagonal as _diagonal0
from . import diff as _diff0
from . import dot as _dot0
from . import expand_dims as _expand_dims0
from . import flip as _flip0
from . import hstack as _hstack0
from . import moveaxis as _moveaxis0
from . import outer as _outer0
from . import pad as _pad0
from . import repeat as _repeat0
from . import reshape as _reshape0
from . import roll as _roll0
from . import squeeze as _squeeze0
from . import stack as _stack0
from . import take as _take0
from . import take_along_axis as _take_along_axis0
from . import tile as _tile0
from . import transpose as _transpose0
from . import tril as _tril0
from . import triu as _triu0
from . import vstack as _vstack0
from ._more_sig import _cast, _to_out
from ._pad_stats import STAT_MODES, pad_stat

_NoValue = object()
_ndarray = _np.ndarray
_new = object.__new__
_asarray = _np.asarray
_REAL = _np.dtype(_np.float64)
_F32 = _np.dtype(_np.float32)
_local = _F._local
_nograd = _F._nograd
_flags = _F._flags
_hooks_open = _F._hooks_open
_next_seq = _F._next_seq
_TWO_ARGS = _F._TWO_ARGS
_BOTH = (1, 2)
_EMPTY = _F._EMPTY
_Node = _F.Node
_MATMUL = _F.MATMUL
_MATMUL_NP = _F.MATMUL_NP
_edge_of = _F.edge_of


def reshape(a, /, shape=None, order: str = "C", *, newshape=None, copy=None):
    """``a`` with a new shape (``-1`` infers one dimension); ``order="F"`` reads and writes
    in column-major order. Example: ``gnp.reshape(x, (2, -1))``"""
    if newshape is not None:
        if shape is not None:
            raise TypeError("reshape: you cannot specify 'newshape' and 'shape' together")
        shape = newshape
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    from ..prims.shapes import size_of

    if isinstance(shape, int | _np.integer):
        shape = (size_of(shape),)
    shape = tuple(size_of(n) for n in shape)
    if -1 in shape and 0 in shape:  # the -1 could be anything: NumPy refuses
        raise ValueError(f"reshape: cannot reshape array of size {_np.prod(_r.shape(a))} "
                         f"into shape {tuple(shape)} (the -1 is ambiguous with a 0 in the "
                         f"shape)")
    if order is not None and not isinstance(order, str):
        raise TypeError(f"reshape: order must be str, not {type(order).__name__}")
    if isinstance(order, str):  # NumPy takes the letters in either case
        order = order.upper()
    if order == "A":  # Fortran order when the data is Fortran-contiguous (as ravel)
        order = _memory_order(a, "A")
    if copy is False and isinstance(data(a), _np.ndarray):  # NumPy's refusal of a copy
        data(a).reshape(shape, order=order, copy=False)
    if order == "F":
        r = _transpose0(_reshape0(_transpose0(a), tuple(shape)[::-1]))
    elif order in ("C", "A", None):
        r = _reshape0(a, shape)
    else:
        raise ValueError(f"reshape: order must be one of 'C', 'F', 'A', not {order!r}")
    return _r.copy(r) if copy else r


def transpose(a, axes=None):
    """Permute the axes (reverse them when ``axes`` is None). Example: ``gnp.transpose(x)``"""
    return _transpose0(a, axes)


def broadcast_to(array, shape, subok: bool = False):
    """Broadcast to ``shape`` (the adjoint sums back). Example: ``gnp.broadcast_to(x, (3, 2))``"""
    return _broadcast_to0(array, (shape,) if isinstance(shape, int | _np.integer) else shape)


def ravel(a, order: str = "C"):
    """The flattened array (``order="F"``: column-major; ``"A"``: column-major if the data is
    Fortran-contiguous; ``"K"``: in the order of the data in memory). Example: ``gnp.ravel(x)``"""
    check_order(order, "ravel")
    order = "C" if order is None else order.upper()
    if order in "AK":
        order = _memory_order(a, order)
    if order == "F":
        return _reshape0(_transpose0(a), (-1,))
    if isinstance(order, tuple):
        return _reshape0(_transpose0(a, order), (-1,))
    return _reshape0(a, (-1,))


def _memory_order(a, order: str):
    """"C", "F" or (for "K") the axes by decreasing stride, from the layout of ``a``'s data."""
    raw = data(a)
    strides = getattr(raw, "strides", None)
    if strides is None or isinstance(raw, Tensor) or ndim(a) < 2:
        return "C"
    if _vc.tracing():  # (a later call may bring another layout: the trace would not see it)
        raise NotImplementedError(
            f"ravel: order={order!r} follows the memory layout of the data (an array of shape "
            f"{tuple(shape(a))}), which gpuad.jit does not track; give order='C' or 'F'")
    if raw.flags.c_contiguous:
        return "C"
    if raw.flags.f_contiguous:
        return "F"
    if order == "A":
        return "C"
    # NumPy's 'K': the axes by decreasing |stride| (negative strides are not reversed), by its
    # insertion sort in which a zero stride (a broadcast axis) orders against nothing
    perm: list[int] = []
    for i in range(ndim(a)):
        pos = len(perm)
        for j in range(len(perm) - 1, -1, -1):
            si, sj = abs(strides[i]), abs(strides[perm[j]])
            if si == 0 or sj == 0:
                continue
            if si <= sj:
                break
            pos = j
        perm.insert(pos, i)
    return tuple(perm)


def copy(a, order: str = "K", subok: bool = False):
    """A copy of ``a`` (recorded: the gradient flows back to ``a``); ``order`` is checked as
    NumPy does, the memory layout is the backend's concern. Example: ``gnp.copy(x, order="F")``"""
    check_order(order, "copy")
    return _copy0(a)


def check_order(order, op: str) -> None:
    """NumPy's ValueError for an ``order`` other than "C", "F", "A" or "K" (None reads "K")."""
    if order is not None and not isinstance(order, str):
        raise TypeError(f"{op}: order must be str, not {type(order).__name__}")
    if order is not None and (len(order) != 1 or order.upper() not in "CFAK"):
        raise ValueError(f"{op}: order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")


def moveaxis(a, source, destination):
    """Move axes to new positions. Example: ``gnp.moveaxis(x, 0, -1)``"""
    return _moveaxis0(a, source, destination)


def squeeze(a, axis=None):
    """Drop length-1 axes. Example: ``gnp.squeeze(x)``"""
    return _squeeze0(a, axis)


def expand_dims(a, axis):
    """Insert length-1 axes at ``axis``. Example: ``gnp.expand_dims(x, 0)``"""
    return _expand_dims0(a, axis)


def flip(m, axis=None):
    """Reverse the order of elements along ``axis``. Example: ``gnp.flip(x, 0)``"""
    return _flip0(m, axis)


def fliplr(m):
    """Reverse along axis 1. Example: ``gnp.fliplr(m)``"""
    if ndim(m) < 2:
        raise ValueError("fliplr: input must be >= 2-d")
    return _flip0(m, 1)


def flipud(m):
    """Reverse along axis 0. Example: ``gnp.flipud(m)``"""
    if ndim(m) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return _flip0(m, 0)


def roll(a, shift, axis=None):
    """Shift elements cyclically along ``axis``. Example: ``gnp.roll(x, 1)``"""
    return _roll0(a, shift, axis)


def tile(A, reps):
    """Repeat the whole array ``reps`` times. Example: ``gnp.tile(x, (2, 1))``"""
    return _tile0(A, reps)


def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis``. Example: ``gnp.repeat(x, 2)``"""
    return _repeat0(a, repeats, axis)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of the (axis1, axis2) planes, on the last axis. Example: ``gnp.diagonal(m)``"""
    return _diagonal0(a, offset, axis1, axis2)


def _square_1d(m, name):
    """NumPy's tril/triu of a 1-D array: the mask of ``tri(n)`` broadcast over it, so the
    rows of an (n, n) result are copies of ``m``."""
    if ndim(m) == 0:
        raise TypeError(f"{name}: expected an array of at least one dimension, got a scalar")
    if ndim(m) == 1:
        n = shape(m)[0]
        m = _r.broadcast_to(m if isinstance(m, Tensor) else _r._xp(data(m)).asarray(m), (n, n))
    return m


def tril(m, k: int = 0):
    """Lower triangle (on and below diagonal ``k``), +0.0 elsewhere. Example: ``gnp.tril(m)``"""
    return _tril0(_square_1d(m, "tril"), k)


def triu(m, k: int = 0):
    """Upper triangle (on and above diagonal ``k``), +0.0 elsewhere. Example: ``gnp.triu(m)``"""
    return _triu0(_square_1d(m, "triu"), k)


def take(a, indices, axis=None, out=None, mode: str = "raise"):
    """Elements at ``indices`` along ``axis`` (``mode``: raise, wrap or clip).

    Example: ``gnp.take(x, [0, 2])``
    """
    from . import _int_indices

    indices = _int_indices(indices, "take")
    if mode != "raise":
        n = shape(a)[axis] if axis is not None and ndim(a) else int(_np.prod(shape(a)))
        xp = _r._xp(data(a))
        idx = xp.asarray(data(indices))
        if mode == "wrap":
            indices = idx % n
        elif mode == "clip":
            indices = xp.clip(idx, 0, n - 1)
        else:
            raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', not {mode!r}")
    return _to_out(_take0(a, indices, axis), out, "take", "back")


def take_along_axis(arr, indices, axis=-1):
    """Pick values with an index array along ``axis`` (None: the flattened array).

    Example: ``gnp.take_along_axis(x, i, axis=1)``
    """
    if axis is None:
        return _take_along_axis0(_reshape0(arr, (-1,)), indices, 0)
    return _take_along_axis0(arr, indices, axis)


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "empty")


def pad(array, pad_width, mode: str = "constant", **kwargs):
    """``numpy.pad`` with modes constant, edge, reflect and symmetric (``reflect_type``
    'even' or 'odd'), wrap, linear_ramp (``end_values``), maximum, minimum, mean and median
    (``stat_length``) and empty (filled with zeros); a Tensor ``constant_values`` is
    differentiated.

    Example: ``gnp.pad(x, 1, mode="reflect", reflect_type="odd")``
    """
    if isinstance(pad_width, dict):  # NumPy 2.3's {axis: width or (before, after)}
        nd = ndim(array)
        pw = [(0, 0)] * nd
        for ax, w in pad_width.items():
            pw[ax % nd] = (w, w) if _np.ndim(w) == 0 else tuple(w)
        pad_width = tuple(pw)
    if _np.asarray(pad_width).dtype.kind != "i":  # NumPy's TypeError (1.5, or a bool)
        raise TypeError(f"pad: pad_width must be of integral type, got {pad_width!r}")
    if callable(mode):
        raise NotImplementedError(f"pad: mode given as a function is not supported; use one of "
                                  f"{', '.join(_PAD_MODES + STAT_MODES)}")
    if mode not in _PAD_MODES + STAT_MODES:  # NumPy's ValueError
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of "
                         f"{', '.join(_PAD_MODES + STAT_MODES)}")
    allowed = {"constant": ("constant_values",), "linear_ramp": ("end_values",),
               "reflect": ("reflect_type",), "symmetric": ("reflect_type",)}.get(
        mode, ("stat_length",) if mode in STAT_MODES else ())
    if set(kwargs) - set(allowed):  # NumPy's ValueError
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: "
                         f"{set(kwargs) - set(allowed)}")
    values = [v for v in kwargs.values() if isinstance(v, Tensor)]
    out = _pad_modes(array, pad_width, mode, kwargs)
    if values and not isinstance(out, Tensor):  # nothing padded: constant in the Tensor values
        return _constant_in(out, values)
    # NumPy's pad is a new array also where every width is 0: not ``array`` itself, which a
    # later write into it would change
    return _copy0(out) if out is array else out


def _constant_in(out, tensors):
    """``out`` recorded on ``tensors`` with a derivative of exactly 0 (a select that never
    picks them), so a Tensor argument gives a Tensor result, never a bare array."""
    from . import real, sum, where  # noqa: A004

    for t in tensors:
        t = real(t) if _r.data(t).dtype.kind == "c" else t
        out = _r.astype(out - where(False, sum(t), 0), _r.data(out).dtype)
    return out


def _pad_modes(array, pad_width, mode, kwargs):
    if mode in STAT_MODES:
        stat_length = kwargs.pop("stat_length", None)
        return pad_stat(array, pad_width, mode, stat_length)
    cv = kwargs.pop("constant_values", 0)
    rt = kwargs.pop("reflect_type", "even")
    if rt not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {rt!r}")
    ev = kwargs.pop("end_values", 0) if mode == "linear_ramp" else 0
    if mode == "empty":
        mode = "constant"
    if mode == "linear_ramp" or (rt == "odd" and mode in ("reflect", "symmetric")):
        return _pad_affine(array, pad_width, mode, rt, ev)
    if mode == "constant" and (ndim(cv) if isinstance(cv, Tensor) else _np.ndim(data(cv))):
        return _pad_constants(array, pad_width, cv)
    return _pad0(array, pad_width, mode, cv)


def _pad_constants(x, pad_width, cv):
    """Constant padding with a (before, after) value per axis, axis by axis: the corners take
    the later axis's values, as NumPy's."""
    nd = ndim(x)
    pw = _np.broadcast_to(_np.asarray(pad_width, dtype=_np.int64), (nd, 2))
    if not isinstance(cv, Tensor):
        cv = _np.asarray(data(cv))
    try:
        pairs = _broadcast_to0(cv, (nd, 2))
    except ValueError as e:
        raise ValueError(f"pad: constant_values of shape {shape(cv)} do not give a (before, "
                         f"after) pair for each of the {nd} axes") from e
    for a in range(nd):
        for side in (0, 1):
            if pw[a, side]:
                widths = [[0, 0]] * nd
                widths[a] = [int(pw[a, side]), 0] if side == 0 else [0, int(pw[a, side])]
                x = _pad0(x, widths, "constant", pairs[a, side])
    return x


def _pad_affine(x, pad_width, mode, rt, ev):
    """linear_ramp and odd reflections: along each axis in turn, the padded array is a fixed
    matrix (NumPy's padding of the identity) times the array, plus for linear_ramp the ramps
    from the end values (NumPy's padding of zeros): both linear, so exact to rounding."""
    from . import asarray, tensordot

    if isinstance(ev, Tensor):
        raise NotImplementedError("pad: a Tensor end_values is not differentiated; pass "
                                  "numbers (or call gnp.pad on a constant array)")
    if not isinstance(x, Tensor):
        x = asarray(x)
    nd = ndim(x)
    pw = _np.broadcast_to(_np.asarray(pad_width, dtype=_np.int64), (nd, 2))
    if (pw < 0).any():
        raise ValueError(f"pad: negative pad_width {pad_width!r}")
    dt = _np.dtype(data(x).dtype)
    raw = _np.broadcast_to(_np.asarray(data(ev)), (nd, 2))
    # complex end values ramp a complex array (NumPy's), a real one by their real parts
    evs = raw.astype(_np.complex128 if raw.dtype.kind == "c" and dt.kind == "c" else _np.float64)
    if dt.kind not in "fc" and mode == "linear_ramp":
        if isinstance(x, Tensor) and x._bat is not None:
            raise NotImplementedError("pad: linear_ramp of an integer array under vmap is not "
                                      "supported; pad a float array and round")
        # NumPy's integer ramps are floored linspaces: computed by the array library itself
        return _r._xp(data(x)).pad(data(x), pw.tolist(), mode, end_values=raw.tolist())
    work = dt if dt.kind in "fc" else _np.dtype(_np.float64)
    y = _cast(x, work) if work != dt else x
    xp = _r._xp(data(x))
    kw = {"end_values": 0} if mode == "linear_ramp" else {"reflect_type": rt}
    for a in range(nd):
        before, after = int(pw[a, 0]), int(pw[a, 1])
        if before == after == 0:
            continue
        n = shape(y)[a]
        m = _np.pad(_np.eye(n), ((before, after), (0, 0)), mode, **kw)
        y = _moveaxis0(tensordot(xp.asarray(m, dtype=work), y, ([1], [a])), 0, a)
        if mode == "linear_ramp" and evs[a].any():
            ramp = _np.pad(_np.zeros(n, evs.dtype), (before, after), mode,
                           end_values=tuple(evs[a]))
            s = [1] * nd
            s[a] = ramp.size
            y = y + xp.asarray(ramp.reshape(s), dtype=work)
    if work != dt:  # odd reflections of integers: sums of integers, exact in float64
        y = _cast(y, dt)
    return y


def diff(a, n: int = 1, axis: int = -1, prepend=_NoValue, append=_NoValue):
    """Discrete difference along ``axis``, ``n`` times, after joining ``prepend`` and
    ``append`` (broadcast along the axis). Example: ``gnp.diff(x, prepend=0.0)``"""
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n!r}")
    if ndim(a) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    if n == 0:  # NumPy's (and torch's): the input as it is, prepend and append not joined
        return a
    if prepend is _NoValue and append is _NoValue:
        return _diff0(a, n, axis)
    nd = ndim(a)
    ax = _r.one_axis(axis, nd, "diff")
    parts = []
    for v in (prepend,):
        if v is not _NoValue:
            parts.append(_edge(v, a, ax))
    parts.append(a)
    if append is not _NoValue:
        parts.append(_edge(append, a, ax))
    return _diff0(_concatenate0(parts, ax), n, ax)


def _edge(v, a, ax):
    if ndim(v) == 0:
        s = list(shape(a))
        s[ax] = 1
        v = _r.broadcast_to(v if isinstance(v, Tensor) else _r._xp(data(a)).asarray(v), tuple(s))
    elif not isinstance(v, Tensor):
        v = _r._xp(data(a)).asarray(data(v))
    return v


def _weights_along(a, w, axis, name: str = "average"):
    """NumPy's weights of ``a``'s shape along ``axis`` (in that axis order), reshaped to
    broadcast against ``a``."""
    if axis is None:
        raise TypeError(f"{name}: axis must be specified when shapes of a and weights differ")
    _r.norm_axis(axis, ndim(a))  # its checks
    axes = tuple(int(i) % ndim(a) for i in (axis if isinstance(axis, tuple | list) else (axis,)))
    if shape(w) != tuple(shape(a)[i] for i in axes):
        raise ValueError(f"{name}: shape of weights {shape(w)} must be consistent with the "
                         f"shape of a {shape(a)} along axis {axis}")
    if list(axes) != sorted(axes):
        w = _r.transpose(w, tuple(int(i) for i in _np.argsort(axes)))
    return _reshape0(w, tuple(n if i in axes else 1 for i, n in enumerate(shape(a))))


def average(a, axis=None, weights=None, returned: bool = False, *, keepdims: bool = False):
    """Mean, or weighted mean with ``weights`` (the shape of ``a``, or of ``a``'s shape along
    ``axis``), over ``axis``; ``returned`` also gives the sum of the weights.

    Example: ``gnp.average(x, axis=0, weights=w)``
    """
    from ..batching.composites import batched, over_levels, shift_axes
    from . import mean, sum

    if batched(a, weights):  # vmap: the levels become leading axes of one call
        nd = ndim(a)
        if weights is not None and shape(weights) != shape(a):  # along axis: spelled out
            weights = _r.broadcast_to(_weights_along(a, weights, axis), shape(a))
        return over_levels(lambda u, w, k: average(
            u, shift_axes(axis, nd, k), None if w is None else _r.broadcast_to(w, shape(u)),
            returned, keepdims=keepdims),
                           [a, weights], "average")

    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if not returned:
            return avg
        n = 1
        ax = _r.norm_axis(axis, ndim(a))
        for i in (range(ndim(a)) if ax is None else ax):
            n *= shape(a)[i]
        scl = _r._xp(data(avg)).full(shape(avg), float(n), dtype=data(avg).dtype)
        return avg, scl
    from . import asarray, astype

    if not isinstance(a, Tensor):  # host data on the active backend (CuPy mixes no NumPy)
        a = asarray(a)
    w = weights if isinstance(weights, Tensor) else _r._xp(data(a)).asarray(data(weights))
    adt, wdt = _np.dtype(data(a).dtype), _np.dtype(data(w).dtype)
    # NumPy's result type: at least float64 for integer (or bool) data, else the two's type
    rdt = _np.result_type(adt, wdt, _np.float64) if adt.kind in "iub" else \
        _np.result_type(adt, wdt)
    if adt != rdt:
        a = astype(a, rdt)
    if wdt != rdt:
        w = astype(w, rdt)
    if shape(w) != shape(a):
        w = _weights_along(a, w, axis)
    scl = sum(_r.broadcast_to(w, shape(a)) if shape(w) != shape(a) else w, axis,
              keepdims=keepdims)
    _vc.fail_if("average_weights", lambda xp, s: s == 0.0, lambda: ZeroDivisionError(
        "average: weights sum to zero, can't be normalized"), scl)
    avg = sum(a * w, axis, keepdims=keepdims) / scl
    if returned:
        if shape(scl) != shape(avg):
            scl = _r.broadcast_to(scl, shape(avg))
        if data(scl).dtype != data(avg).dtype:  # NumPy sums the weights in avg's type
            scl = astype(scl, data(avg).dtype)
        return avg, scl
    return avg


def _cast_all(arrays, dtype, casting="same_kind", name="concatenate"):
    if dtype is None:
        return list(arrays)
    for x in arrays:  # NumPy's casting check (complex to float64 is not same_kind)
        d = data(x)
        src = d.dtype if hasattr(d, "dtype") else _np.asarray(d).dtype
        if not _np.can_cast(src, dtype, casting):
            raise TypeError(f"{name}: cannot cast array data from {src} to "
                            f"{_np.dtype(dtype)} according to the rule {casting!r}")
    return [_cast(x, dtype) for x in arrays]


def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting: str = "same_kind"):
    """Join arrays along ``axis`` (None: flattened first). Example: ``gnp.concatenate([a, b])``"""
    arrays = _cast_all(arrays, dtype, casting)
    if axis is None:
        arrays, axis = [_reshape0(x, (-1,)) for x in arrays], 0
    return _to_out(_concatenate0(arrays, axis), out, "concatenate", casting)


def stack(arrays, axis: int = 0, out=None, *, dtype=None, casting: str = "same_kind"):
    """Join arrays along a new axis. Example: ``gnp.stack([a, b], axis=1)``"""
    return _to_out(_stack0(_cast_all(arrays, dtype, casting, "stack"), axis), out, "stack",
                   casting)


def hstack(tup, *, dtype=None, casting: str = "same_kind"):
    """Join along the second axis (the first for 1-D). Example: ``gnp.hstack([a, b])``"""
    return _hstack0(_cast_all(tup, dtype, casting, "hstack"))


def vstack(tup, *, dtype=None, casting: str = "same_kind"):
    """Join along the first axis (1-D arrays as rows). Example: ``gnp.vstack([a, b])``"""
    return _vstack0(_cast_all(tup, dtype, casting, "vstack"))


def row_stack(tup, *, dtype=None, casting: str = "same_kind"):
    """Alias of ``vstack``. Example: ``gnp.row_stack([x, y])``"""
    return vstack(tup, dtype=dtype, casting=casting)


def dot(a, b, out=None):
    """``numpy.dot``. Example: ``gnp.dot(a, b)``"""
    if out is None and a.__class__ is Tensor and b.__class__ is Tensor and a._bat is None and \
            b._bat is None:
        da = a._data
        db = b._data
        if da.__class__ is _ndarray and db.__class__ is _ndarray and \
                0 < da.ndim < 3 > db.ndim > 0:  # matmul, recorded here (gpuad/_fastops.py)
            ga = a.requires_grad
            gb = b.requires_grad
            if _eng._trace is None and (ga or gb) and not a._tan and not b._tan and \
                    a._seen == a._ver[0] and b._seen == b._ver[0] and \
                    a._elem is None and b._elem is None and \
                    (not _nograd[0] or _local.grad_enabled) and not _flags["anomaly"] and \
                    not _hooks_open[0] and \
                    _MATMUL.np_fn is _MATMUL_NP:
                be = _F.np_backend or _F.numpy_backend()
                try:
                    r = da.dot(db) if be is not None and not be.fused_fwd else None
                except (ValueError, TypeError):
                    r = None  # the general path says which shapes
                if r is not None:
                    if r.__class__ is not _ndarray:
                        r = _asarray(r)
                    if r.dtype is _REAL or r.dtype is _F32:
                        rule = _MATMUL
                        mask = 3 if ga and gb else 1 if ga else 2
                        slots = rule._cache.get(_TWO_ARGS[mask])  # (engine.apply2's step)
                        if slots is None:
                            slots = rule.slots_for(mask, 2)
                        ea = eb = None
                        if ga:
                            ea = a._node
                            if ea is None:
                                ea = _edge_of(a)
                        if gb:
                            eb = b._node
                            if eb is None:
                                eb = _edge_of(b)
                        ver = [0]
                        if slots == _BOTH:  # (matmul's adjoints read both inputs)
                            va = a._ver
                            vb = b._ver
                            saved = [None, (da, va, va[0], ea, a._tan, ga),
                                     (db, vb, vb[0], eb, b._tan, gb)]
                        else:
                            saved = [None, None, None]
                            for s in slots:
                                if s == 1:
                                    v = a._ver
                                    saved[1] = (da, v, v[0], ea, a._tan, ga)
                                elif s == 2:
                                    v = b._ver
                                    saved[2] = (db, v, v[0], eb, b._tan, gb)
                                else:
                                    saved[0] = (r, ver, 0, None, None, False)
                        node = _new(_Node)
                        node.bat = node.bats = node.where = None
                        node.tan = node.rebuild = False
                        node.rule = rule
                        node.edges = (ea, eb)
                        node.saved = saved
                        node.params = _EMPTY
                        node.shape = r.shape
                        node.dtype = r.dtype
                        node.seq = _next_seq()
                        t = _new(Tensor)
                        t._data = r
                        t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
                        t._node = node
                        t._ver = ver
                        t._seen = 0
                        t.requires_grad = True
                        return t
        if 0 < da.ndim <= 2 and 0 < db.ndim <= 2:
            return _apply2(_r.matmul.rule, a, b)  # (matmul without the layers below)
    return _dot_any(a, b, out)


dot._takes_containers = True  # type: ignore[attr-defined]  (_dot_any converts lists/tuples)


@takes_containers
def _dot_any(a, b, out=None):
    return _to_out(_dot0(a, b), out, "dot", "exact")


def outer(a, b, out=None):
    """Outer product of the flattened inputs. Example: ``gnp.outer(a, b)``"""
    return _to_out(_outer0(a, b), out, "outer", "same_kind")


def clip(a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue, max=_NoValue,
         **kwargs):
    """Clip to [a_min, a_max] (or ``min=``/``max=``); the adjoint passes inside the closed
    interval. Example: ``gnp.clip(x, 0.0, 1.0)``"""
    if kwargs:
        raise TypeError(f"clip: unsupported keyword arguments {', '.join(kwargs)}")
    if min is not _NoValue:
        if a_min is not _NoValue:
            raise ValueError("clip: pass a_min or min, not both")
        a_min = min
    if max is not _NoValue:
        if a_max is not _NoValue:
            raise ValueError("clip: pass a_max or max, not both")
        a_max = max
    lo = None if a_min is _NoValue else a_min
    hi = None if a_max is _NoValue else a_max
    return _clip0(a, lo, hi, out)


__all__ = ["reshape", "transpose", "broadcast_to", "ravel", "copy", "moveaxis", "squeeze",
           "expand_dims", "flip", "fliplr", "flipud", "roll", "tile", "repeat", "diagonal",
           "tril", "triu", "take", "take_along_axis", "pad", "diff", "average", "concatenate",
           "stack", "hstack", "vstack", "row_stack", "dot", "outer", "clip"]
