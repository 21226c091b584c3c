"""NumPy's full signatures for reductions and a few array functions: ``sum``/``prod``/
``max``/``min`` with ``dtype``, ``out``, ``initial`` and ``where``; ``mean``/``var``/``std``
with ``where``, ``mean`` and ``correction``; ``cumsum``/``cumprod`` with ``dtype``;
``swapaxes(axis1, axis2)``; ``sort``/``argsort`` with ``kind``; ``einsum`` with its options
and the sublist form; ``cross`` with ``axisa``/``axisb``/``axisc``; ``full`` and ``trace``.

Each wraps the basic differentiable function of ``gpuad.numpy`` and passes its input through
untouched when the extra arguments are left at their defaults.
"""

from __future__ import annotations

import builtins

import numpy as _np

from .. import _fastops as _F
from .. import _value_checks as _vc
from .. import engine as _eng
from .. import rules as _r
from .._numpy_protocol import _check_out, takes_containers
from ..engine import apply1 as _apply1
from ..engine import assign_inplace
from ..prims.reductions import _sum as _sum_op
from ..rules import data, getitem, ndim, shape
from ..tensor import Tensor
from . import _check_device
from . import cumprod as _cumprod0
from . import cumsum as _cumsum0
from . import full as _full0
from . import full_like as _full_like0
from . import linspace as _linspace0
from . import max as _max0
from . import mean as _mean0
from . import min as _min0
from . import prod as _prod0
from . import stack as _stack
from . import std as _std0
from . import sum as _sum0
from . import take_along_axis as _take_along_axis
from . import trace as _trace0
from . import var as _var0

_ndarray = _np.ndarray
_new = object.__new__
_add_reduce = _np.add.reduce
_REAL = _np.dtype(_np.float64)
_F32 = _np.dtype(_np.float32)
_local = _F._local
_nograd = _F._nograd
_flags = _F._flags
_hooks_open = _F._hooks_open
_next_seq = _F._next_seq
_ONE_ARG = _F._ONE_ARG
_Node = _F.Node
_SUM = _F.SUM
_SUM_NP = _F.SUM_NP if _F.SUM_OUT else object()  # (NumPy 1.x: the general path only)
_SUM_PARAMS = _F.SUM_PARAMS
_edge_of = _F.edge_of


def _to_out(r, out, name, casting: str | None = None, *, exact: bool = True):
    """Write ``r`` into ``out`` as NumPy's ``out=`` does (recorded on a Tensor), after the
    checks of ``out=`` (``_numpy_protocol._check_out``: gradient, NumPy's ``casting``, and
    ``exact``: the very shape of the result, as NumPy's reductions and array functions want;
    the ufunc-based clip broadcasts into ``out``)."""
    if out is None:
        return r
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ValueError(f"{name}: out must be one array")
        out = out[0]
        if out is None and not exact:  # the ufunc-based clip: out=(None,) is a new array
            return r
    if not isinstance(out, Tensor) and not (hasattr(out, "shape") and hasattr(out, "dtype")):
        raise TypeError(f"{name}: out must be an array or a Tensor, got {type(out).__name__}")
    if exact and out is not None and tuple(shape(out)) != tuple(shape(r)):
        raise ValueError(f"{name}: out= has shape {tuple(shape(out))}, the result has shape "
                         f"{tuple(shape(r))} (NumPy raises here too)")
    _check_out(out, r, name, casting, fits=not exact)
    if isinstance(out, Tensor):
        assign_inplace(out, r, None)
    else:
        out[...] = data(r)
    return out


def _cast(a, dtype):
    if dtype is None:
        return a
    if isinstance(a, Tensor):
        return _r.astype(a, dtype)
    d = data(a)
    if isinstance(d, complex) and _np.dtype(dtype).kind != "c":  # NumPy's cast: the real part
        d = d.real
    return _xp_of(a).asarray(d, dtype=dtype)  # (host input moves to the active backend)


def _result_as(r, dtype):
    """A sum's or product's result in the ``dtype=`` asked for: NumPy accumulates in it, so
    ``sum(int8, dtype=int8)`` is int8 (the integer sum computed wider is the same modulo
    2**8; for booleans nonzero is the same as NumPy's or/and)."""
    if dtype is None or data(r).dtype == _np.dtype(dtype):
        return r
    return _cast(r, dtype)


def _dtype_of(a):
    """``a``'s dtype (NumPy's for a Python scalar); None for a container."""
    d = data(a)
    dt = getattr(d, "dtype", None)
    if dt is not None:
        return _np.dtype(dt)
    return _np.result_type(d) if isinstance(d, bool | int | float | complex) else None


def _initial_as(initial, dt, name):
    """A reduction's ``initial=`` as a scalar of the reduction's dtype ``dt``, as NumPy casts
    it: ``max(int8, initial=2.5)`` compares with 2; a Python int out of ``dt``'s range, a
    complex value for a real reduction and a non-scalar raise."""
    if ndim(initial) != 0:
        raise ValueError(f"{name}: initial= must be a scalar, got an array of shape "
                         f"{shape(initial)}")
    if dt is None:
        return initial
    if isinstance(initial, Tensor):
        return initial if data(initial).dtype == dt else _r.astype(initial, dt)
    v = data(initial)
    if dt.kind != "c" and _np.iscomplexobj(v):
        raise TypeError(f"{name}: a complex initial= {v!r} for a {dt} reduction (NumPy does "
                        f"not cast it); reduce complex values or pass a real initial")
    try:
        return _np.asarray(v, dtype=dt)[()]
    except (OverflowError, ValueError) as e:
        raise type(e)(f"{name}: initial= {v!r} does not fit the reduction's dtype {dt}: "
                      f"{e}") from None


def _arg_extreme(prim, a, axis, out, keepdims, name):
    r = prim(a, axis=axis)  # (a keyword: a prim's positional arguments are its inputs)
    if keepdims and ndim(a):
        from . import expand_dims

        r = _r.reshape(r, (1,) * ndim(a)) if axis is None else expand_dims(r, axis)
    return _to_out(r, out, name, "back")


def argmax(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the largest element along ``axis`` (of the flattened array when None), as
    ``numpy.argmax``. Example: ``gnp.argmax(x, axis=1, keepdims=True)``"""
    return _arg_extreme(_r.argmax, a, axis, out, keepdims, "argmax")


def argmin(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the smallest element along ``axis``, as ``numpy.argmin``.

    Example: ``gnp.argmin(x, axis=0)``"""
    return _arg_extreme(_r.argmin, a, axis, out, keepdims, "argmin")


def _truth(prim, a, axis, out, keepdims, where, name, empty):
    if where is not None:  # the elements left out count as True for all, False for any
        a = _r.where(_mask(where, a), _r.not_equal(_on_backend(a), 0), empty)
    return _to_out(prim(a, axis=axis, keepdims=keepdims), out, name)


def all(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """Whether every element along ``axis`` (where ``where``) is true, as ``numpy.all``.

    Example: ``gnp.all(x > 0, axis=1)``"""
    return _truth(_r.all, a, axis, out, keepdims, where, "all", True)


def any(a, axis=None, out=None, keepdims: bool = False, *, where=None):  # noqa: A001
    """Whether some element along ``axis`` (where ``where``) is true, as ``numpy.any``.

    Example: ``gnp.any(x > 0)``"""
    return _truth(_r.any, a, axis, out, keepdims, where, "any", False)


def _xp_of(a):
    """The array namespace for ``a``'s results: the active backend's for host input."""
    d = data(a)
    if isinstance(d, _np.ndarray | _np.generic) or not hasattr(d, "dtype"):
        from ..backends import get_backend

        return get_backend().xp
    return _r._xp(d)


def _on_backend(a):
    return a if isinstance(a, Tensor) else _xp_of(a).asarray(a)


def _mask(where, a):
    """A reduction's ``where=`` as a boolean backend array: a non-boolean array is NumPy's
    TypeError (its ufuncs do not cast a mask to bool under the 'safe' rule)."""
    w = data(where)
    dt = getattr(w, "dtype", None)
    if dt is None and not isinstance(w, bool):
        dt = _np.asarray(w).dtype
    if dt is not None and dt != _np.bool_:
        raise TypeError(f"where= must be a boolean array, got dtype {dt} (NumPy does not cast "
                        f"it to bool); pass a comparison, e.g. where=(w != 0)")
    if isinstance(where, Tensor):  # (also a mask batched by vmap: the primitives batch it)
        return where
    return _xp_of(a).asarray(w, dtype=bool)


def sum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Sum over ``axis``, as ``numpy.sum``. Example: ``gnp.sum(x, axis=0)``"""
    if a.__class__ is Tensor and axis is None and dtype is None and out is None and \
            initial is None and where is None and a._bat is None:  # the whole Tensor
        d = a._data
        if _eng._trace is None and d.__class__ is _ndarray and a.requires_grad and \
                not a._tan and a._seen == a._ver[0] and a._elem is None and \
                (not _nograd[0] or _local.grad_enabled) and not _flags["anomaly"] and \
                    not _hooks_open[0] and \
                _SUM.np_params_fn is _SUM_NP:  # recorded here (see gpuad/_fastops.py)
            be = _F.np_backend or _F.numpy_backend()
            try:
                r = None if be is None or be.fused_fwd else \
                    _add_reduce(d, None, out=...) if keepdims is False else \
                    _add_reduce(d, None, keepdims=keepdims, out=...)  # (a 0-d array)
            except (ValueError, TypeError):
                r = None  # the general path says why
            if r is not None and (r.dtype is _REAL or r.dtype is _F32):
                rule = _SUM
                if keepdims is False:
                    key = d.shape
                    params = _SUM_PARAMS.get(key)
                    if params is None:
                        params = _F.keep_params(_SUM_PARAMS, key, {
                            "axis": None, "keepdims": False, "shape": key})
                else:
                    params = {"axis": None, "keepdims": keepdims, "shape": d.shape}
                ver = [0]  # (engine.apply1's step from here on)
                slots = rule._cache.get(_ONE_ARG)
                if slots is None:
                    slots = rule.slots_for(1, 1)
                n = a._node
                if n is None:
                    n = _edge_of(a)
                saved = [None, None]
                for s in slots:
                    if s:
                        v = a._ver
                        saved[1] = (d, v, v[0], n, a._tan, True)
                    else:
                        saved[0] = (r, ver, 0, None, None, False)
                node = _new(_Node)
                node.bat = node.bats = node.where = None
                node.tan = node.rebuild = False
                node.rule = rule
                node.edges = (n,)
                node.saved = saved
                node.params = params
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
        return _apply1(_sum_op.rule, a, {"axis": None, "keepdims": keepdims, "shape": d.shape})
    return _sum_any(a, axis, dtype, out, keepdims, initial, where)


sum._takes_containers = True  # type: ignore[attr-defined]  (_sum_any converts lists/tuples)


@takes_containers
def _sum_any(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
             where=None):
    if dtype is None and out is None and initial is None and where is None:
        return _sum0(a, axis, keepdims=keepdims)
    a = _cast(a, dtype)
    if where is not None:
        a = _r.where(_mask(where, a), a, 0)
    r = _sum0(a, axis, keepdims=keepdims)
    if initial is not None:
        r = r + _initial_as(initial, _np.dtype(data(r).dtype), "sum")
    return _to_out(_result_as(r, dtype), out, "sum")


def prod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Product over ``axis`` (exact gradient with zeros present), as ``numpy.prod``.

    Example: ``gnp.prod(x, dtype=gnp.float64)``
    """
    if dtype is None and out is None and initial is None and where is None:
        return _prod0(a, axis, keepdims=keepdims)
    a = _cast(a, dtype)
    if where is not None:
        a = _r.where(_mask(where, a), a, 1)
    r = _prod0(a, axis, keepdims=keepdims)
    if initial is not None:
        r = r * _initial_as(initial, _np.dtype(data(r).dtype), "prod")
    return _to_out(_result_as(r, dtype), out, "prod")


def _extreme(base, a, axis, out, keepdims, initial, where, name, larger):
    if out is None and initial is None and where is None:
        return base(a, axis, keepdims=keepdims)
    if initial is not None:
        initial = _initial_as(initial, _dtype_of(a), name)
    if where is not None:
        if initial is None:
            raise ValueError(f"{name}: a where= mask needs initial= (the reduction has no "
                             f"identity)")
        a = _r.where(_mask(where, a), a, initial)
    if initial is not None and 0 in shape(a):  # an empty reduction gives initial, as NumPy
        red = range(ndim(a)) if axis is None else _r.norm_axis(axis, ndim(a))
        widths = [(0, 1) if i in red and k == 0 else (0, 0) for i, k in enumerate(shape(a))]
        if builtins.any(w != (0, 0) for w in widths):
            from . import pad

            a = pad(a, widths, constant_values=initial)
    r = base(a, axis, keepdims=keepdims)
    if initial is not None:  # the comparison by a primitive: gpuad.jit records it
        rd = data(r)
        cond = _r.less(rd, initial) if larger else _r.greater(rd, initial)
        if name in ("max", "min") and _np.dtype(rd.dtype).kind in "fc":
            # a NaN initial= propagates, as NumPy's (nanmax/nanmin and fmax/fmin skip it)
            cond = _r.logical_or(cond, _r.isnan(data(initial)))
        r = _r.where(cond, initial, r)
    return _to_out(r, out, name)


def max(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Maximum over ``axis`` (ties share the adjoint), as ``numpy.max``.

    Example: ``gnp.max(x, axis=0, initial=0.0)``
    """
    return _extreme(_max0, a, axis, out, keepdims, initial, where, "max", True)


def min(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Minimum over ``axis`` (ties share the adjoint), as ``numpy.min``.

    Example: ``gnp.min(x, axis=0)``
    """
    return _extreme(_min0, a, axis, out, keepdims, initial, where, "min", False)


amax, amin = max, min


def _where_count(w, a, axis, keepdims):
    xp = _xp_of(a)
    shp = shape(a)

    def count(m):
        return xp.sum(xp.broadcast_to(m, shp), axis=axis, keepdims=keepdims)

    if isinstance(w, Tensor):  # a mask batched by vmap: counted by gpuad's functions
        from . import broadcast_to

        return _sum0(broadcast_to(w, shp), axis, keepdims=keepdims)
    if _vc.tracing() and not isinstance(w, Tensor):
        # compiled by jit: a step of each call (a NumPy scalar count would be a constant)
        n = _vc.computed("where_count", count, w)
        return Tensor(n) if hasattr(n, "dtype") and not isinstance(n, _np.generic) else n
    return count(w)


def mean(a, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=None):
    """Arithmetic mean over ``axis``, as ``numpy.mean``. Example: ``gnp.mean(x, axis=1)``"""
    if where is None:
        r = _mean0(a, axis, keepdims=keepdims, dtype=dtype)
    else:
        a = _on_backend(_cast(a, dtype))
        w = _mask(where, a)
        ax = _r.norm_axis(axis, ndim(a))
        s = _sum0(_r.where(w, a, 0), ax, keepdims=keepdims)
        r = s / _count_as(_where_count(w, a, ax, keepdims), s)
    if dtype is not None and _np.dtype(dtype).kind in "iub":  # NumPy casts the mean back
        r = _cast(r, dtype)
    return _to_out(r, out, "mean")


def _count_as(n, s):
    """The count ``n`` in the precision of the sum ``s`` (float32 data keep float32)."""
    dt = _np.dtype(data(s).dtype)
    if dt.kind not in "fc" or isinstance(n, int):
        return n
    return _cast(n, _np.finfo(dt).dtype) if isinstance(n, Tensor) else \
        n.astype(_np.finfo(dt).dtype)


_mean = mean  # ``var`` and ``std`` take a parameter named ``mean``


def _moment_dtypes(a, dtype, mean, name):
    """``(dtype to compute in, dtype of the result)`` of a variance or standard deviation, as
    NumPy's: integers with a given ``mean`` in float64; a complex ``dtype=`` gives a complex
    result (of zero imaginary part). A real ``dtype=`` for complex input is refused: NumPy
    would mix the real parts' mean with the imaginary parts' squares (jax.numpy refuses too)."""
    kind = getattr(_dtype_of(a), "kind", None)
    if dtype is None:
        return (_np.dtype(_np.float64) if mean is not None and kind in ("b", "i", "u")
                else None), None
    dt = _np.dtype(dtype)
    if kind == "c" and dt.kind != "c":
        raise ValueError(f"{name}: dtype={dt} for complex input: pass a complex dtype, or "
                         f"take gnp.real or gnp.abs of the input first")
    return dt, (dt if dt.kind == "c" else None)


def _as_result(r, res, out):
    return r if res is None or out is not None else _cast(r, res)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *, where=None,
        mean=None, correction=None):
    """Variance over ``axis`` with ``ddof`` (or ``correction``), as ``numpy.var``.

    Example: ``gnp.var(x, ddof=1)``
    """
    dtype, res = _moment_dtypes(a, dtype, mean, "var")
    return _as_result(_var(a, axis, dtype, out, ddof, keepdims, where, mean, correction), res,
                      out)


def _var(a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    if correction is not None:
        if ddof != 0:
            raise ValueError("var: ddof and correction can't be provided simultaneously")
        ddof = correction
    if where is None and mean is None and dtype is None:
        return _to_out(_var0(a, axis, ddof=ddof, keepdims=keepdims), out, "var")
    # NumPy's order: the mean in ``dtype``, the deviations in the data's precision (complex
    # data keep their imaginary parts), their squares summed in ``dtype``
    a = _on_backend(a)
    ax = _r.norm_axis(axis, ndim(a))
    w = None if where is None else _mask(where, a)
    if mean is None:
        mean = _mean(a, axis, dtype=dtype, keepdims=True, where=where)
    d = a - _on_backend(mean)
    if w is not None:
        d = _r.where(w, d, 0)
        n = _where_count(w, a, ax, keepdims)
    else:
        n = 1
        for i in (range(ndim(a)) if ax is None else ax):
            n *= shape(a)[i]
    if data(d).dtype.kind == "c":  # |d|**2: a complex variance is real
        from ..complex_rules import conj, real

        sq = real(d * conj(d))
    else:
        sq = d * d
    dof = builtins.max(n - ddof, 0) if isinstance(n, int) else _r.maximum(n - ddof, 0)
    # (summed in ``dtype``: a narrow integer dtype wraps around as NumPy's sum does)
    s = _sum0(_cast(sq, dtype), ax, keepdims=keepdims, dtype=dtype)
    r = s / _count_as(dof, s)
    if dtype is not None and _np.dtype(dtype).kind in "iub":  # NumPy divides into dtype
        r = _cast(r, dtype)
    return _to_out(r, out, "var")


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *, where=None,
        mean=None, correction=None):
    """Standard deviation over ``axis``, as ``numpy.std``. Example: ``gnp.std(x, ddof=1)``"""
    dtype, res = _moment_dtypes(a, dtype, mean, "std")
    return _as_result(_std(a, axis, dtype, out, ddof, keepdims, where, mean, correction), res,
                      out)


def _std(a, axis, dtype, out, ddof, keepdims, where, mean, correction):
    if where is None and mean is None and dtype is None:
        if correction is not None:
            if ddof != 0:
                raise ValueError("std: ddof and correction can't be provided simultaneously")
            ddof = correction
        return _to_out(_std0(a, axis, ddof=ddof, keepdims=keepdims), out, "std", "same_kind")
    v = _var(a, axis, dtype, None, ddof, keepdims, where, mean, correction)
    if dtype is not None and _np.dtype(dtype).kind in "iub":
        # NumPy's sqrt into the integer variance: a 0-d one is cast back, an array refused
        if ndim(v):
            raise TypeError(f"std: cannot cast ufunc 'sqrt' output from a float type to "
                            f"{_np.dtype(dtype)} with casting rule 'same_kind'")
        return _to_out(_cast(_sqrt0(v), dtype), out, "std", "same_kind")
    return _to_out(_sqrt0(v), out, "std", "same_kind")


def _sqrt0(v):
    """sqrt of a variance, with the 2-norm's subgradient 0 where it is 0 (a slice of one
    value, whose std is 0 near it), not sqrt's 0 * inf = NaN, as std without where= gives."""
    nz = _r.not_equal(data(v), 0)
    return _r.where(nz, _r.sqrt(_r.where(nz, v, 1)), _r.multiply(v, 0))


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum along ``axis`` (flattened when None). Example: ``gnp.cumsum(x, 0)``"""
    # NumPy sums small integers in the platform integer unless dtype= says otherwise
    return _to_out(_cast(_cumsum0(_cast(a, dtype), axis), dtype), out, "cumsum")


def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product along ``axis`` (exact with zeros). Example: ``gnp.cumprod(x)``"""
    return _to_out(_cast(_cumprod0(_cast(a, dtype), axis), dtype), out, "cumprod")


def swapaxes(a, axis1: int, axis2: int):
    """Exchange two axes. Example: ``gnp.swapaxes(x, axis1=0, axis2=1)``"""
    n = ndim(a)
    for ax in (axis1, axis2):
        if not -n <= ax < n:
            raise _np.exceptions.AxisError(ax, n, "swapaxes")
    return _r.swapaxes(a, axis1 % n, axis2 % n)


def _kind(kind, stable, op="sort"):
    if kind is not None and stable is not None:
        raise ValueError(f"{op}: kind= and stable= cannot be given together (got kind={kind!r}, "
                         f"stable={stable!r}); give one of them")
    if stable:
        return "stable"
    return kind


def _descending_argsort(d, axis, kind, stable):
    """jax.numpy's ``descending=True``: largest first (NaN first), equal values kept in their
    order (flip, sort stably, flip back and re-index)."""
    from . import flip, ndim, reshape, shape

    if axis is None:
        d, axis = reshape(d, (-1,)), -1
    if ndim(d) == 0:
        return argsort(d, axis, kind, stable=stable)
    r = argsort(flip(d, axis), axis, kind, stable=stable)
    return (shape(d)[axis] - 1) - flip(r, axis)


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """Indices that sort ``a`` along ``axis`` (integer valued); ``descending=True`` (as
    jax.numpy) gives the largest first, ties in their order. Example: ``gnp.argsort(x)``"""
    if order is not None:
        raise NotImplementedError("argsort: order= (structured arrays) is not supported")
    _kind(kind, stable, "argsort")
    if descending:
        return _descending_argsort(data(a), axis, kind, True)
    d = data(a)
    if isinstance(d, Tensor):  # batched by vmap: the primitive, which batches
        k = _kind(kind, stable) if kind or stable else None
        return _r.argsort(d, axis=axis, **({} if k is None else {"kind": k}))
    xp = _r._xp(d)
    if axis is None:
        d, axis = xp.ravel(d), -1
    r = xp.argsort(d, axis=axis, kind=_kind(kind, stable)) if kind or stable else xp.argsort(
        d, axis=axis)
    return Tensor(r) if isinstance(a, Tensor) else r


def sort(a, axis=-1, kind=None, order=None, *, stable=None, descending=False):
    """Sorted copy; the adjoint is routed back through the sorting permutation.
    ``descending=True`` (as jax.numpy) sorts largest first.

    Example: ``gnp.sort(x, axis=0, kind="stable")``
    """
    if order is not None:
        raise NotImplementedError("sort: order= (structured arrays) is not supported")
    _kind(kind, stable, "sort")
    if axis is None:
        a, axis = _r.reshape(a, (-1,)), -1
    idx = argsort(data(a), axis, kind, stable=stable, descending=descending)
    return _take_along_axis(a, idx, axis)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # NumPy's order of sublist labels


def _sublist(sub) -> str:
    s = []
    for v in sub:
        if v is Ellipsis:
            s.append("...")
        else:
            v = int(v)
            if not 0 <= v < len(_LETTERS):
                raise ValueError(f"einsum: subscript {v} is out of range 0..51")
            s.append(_LETTERS[v])
    return "".join(s)


def _einsum_spec(operands, name):
    """``(subscripts string, operand list)`` of either calling form of einsum."""
    if not operands:
        raise ValueError(f"{name}: no operands given")
    if isinstance(operands[0], str):
        return operands[0], list(operands[1:])
    ops, subs = [], []
    rest = list(operands)
    while len(rest) >= 2:
        ops.append(rest.pop(0))
        subs.append(_sublist(rest.pop(0)))
    spec = ",".join(subs)
    if rest:
        spec += "->" + _sublist(rest[0])
    return spec, ops


def einsum(*operands, out=None, optimize=False, dtype=None, casting: str = "safe",
           order: str = "K"):
    """Einstein summation, as ``numpy.einsum``: a subscripts string (explicit or implicit
    output, ellipsis) or the interleaved sublist form; ``dtype`` casts the operands;
    ``optimize`` is accepted (the contraction is one primitive either way; a path given as
    ``optimize=`` is checked as NumPy checks it).

    Example: ``gnp.einsum("ij,jk->ik", a, b)``
    """
    from ._more_names import check_order

    spec, ops = _einsum_spec(operands, "einsum")
    check_order(order, "einsum")
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"einsum: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"or 'unsafe', not {casting!r}")
    if isinstance(optimize, list | tuple):  # a path: NumPy's checks of it (RuntimeError)
        einsum_path(spec, *ops, optimize=optimize)
    if dtype is not None:
        for o in ops:  # NumPy's check of the operands against casting=
            src = _np.result_type(data(o).dtype if hasattr(data(o), "dtype") else data(o))
            if not _np.can_cast(src, dtype, casting):
                raise TypeError(f"einsum: cannot cast an operand from {src} to "
                                f"{_np.dtype(dtype)} according to the rule {casting!r}")
        ops = [_cast(o, dtype) for o in ops]
    r = _r.einsum(spec, *ops)
    return _to_out(r, out, "einsum", casting)


def einsum_path(*operands, optimize="greedy", einsum_call: bool = False):
    """NumPy's contraction order for :func:`einsum` (``numpy.einsum_path``: the path list and
    its printed report), from the operands' shapes and dtypes only; :func:`einsum` accepts
    the path as ``optimize=`` (it contracts in one primitive whatever the order).

    Example: ``path, report = gnp.einsum_path("ij,jk,kl->il", a, b, c)``
    """
    def stand_in(o):  # a zero-strided host array of o's shape and dtype (no copy of values)
        d = data(o)
        d = d if hasattr(d, "dtype") else _np.asarray(d)
        return _np.broadcast_to(_np.zeros((), d.dtype), d.shape)

    spec, ops = _einsum_spec(operands, "einsum_path")
    return _np.einsum_path(spec, *map(stand_in, ops), optimize=optimize,
                           einsum_call=einsum_call)


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis=None):
    """Cross product of 2- or 3-vectors along ``axisa``/``axisb``, the result along
    ``axisc`` (``axis`` sets all three), as ``numpy.cross``. Example: ``gnp.cross(a, b)``"""
    from . import moveaxis

    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    na, nb = shape(a)[-1], shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must be "
                         f"2 or 3); got {na} and {nb}")
    if na == 2 or nb == 2:
        _as_numpy_on_2_vectors(na, nb)

    def c(v, i):
        return getitem(v, (Ellipsis, i))

    if na == 2 and nb == 2:
        return c(a, 0) * c(b, 1) - c(a, 1) * c(b, 0)
    a0, a1, b0, b1 = c(a, 0), c(a, 1), c(b, 0), c(b, 1)
    if na == 3 and nb == 3:
        a2, b2 = c(a, 2), c(b, 2)
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    elif na == 2:
        b2 = c(b, 2)
        parts = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    else:
        a2 = c(a, 2)
        parts = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    parts = [_r.broadcast_to(p, _np.broadcast_shapes(*(shape(q) for q in parts)))
             for p in parts]
    r = _stack(parts, -1)
    return moveaxis(r, -1, axisc)


def _as_numpy_on_2_vectors(na: int, nb: int) -> None:
    """Do what the installed NumPy's ``cross`` does with 2-element vectors: NumPy 2.0 to 2.4
    warn (DeprecationWarning), NumPy 2.5 refuses them (ValueError); asked of NumPy itself on
    two small host vectors of those lengths."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _np.cross(_np.zeros(na), _np.zeros(nb))
        except ValueError as e:
            raise ValueError(f"cross: {e}") from None
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=4)


def full(shape, fill_value, dtype=None, order: str = "C", *, device=None, like=None):
    """An array of ``shape`` filled with ``fill_value``; a Tensor fill value gives a Tensor
    (differentiable in it). Example: ``gnp.full((2, 2), s)``"""
    _check_device(device, "full")
    if not isinstance(fill_value, Tensor):
        return _full0(shape, fill_value, dtype=dtype)
    shp = (shape,) if isinstance(shape, int | _np.integer) else tuple(shape)
    v = _cast(fill_value, dtype)
    return _r.copy(_r.broadcast_to(v, shp))


def full_like(a, fill_value, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
              device=None):
    """An array like ``a`` filled with ``fill_value``; a Tensor fill value gives a Tensor
    (differentiable in it). Example: ``gnp.full_like(x, s)``"""
    _check_device(device, "full_like")
    from . import _struct_template

    a = _struct_template(a)
    if not isinstance(fill_value, Tensor):
        if isinstance(data(a), _np.ndarray) and hasattr(fill_value, "shape") and \
                not isinstance(fill_value, _np.ndarray | _np.generic):
            # a host template with a device fill value: the result lives on the device, as
            # it does for a Tensor fill value (CuPy refuses to mix the two)
            a = _r._xp(fill_value).asarray(data(a))
        if shape is not None:
            return _r._xp(data(a)).full_like(data(a), fill_value, dtype=dtype, shape=shape)
        return _full_like0(a, fill_value, dtype=dtype)
    shp = _r.shape(a) if shape is None else shape
    return full(shp, fill_value, dtype=dtype if dtype is not None else data(a).dtype)


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None):
    """Sum of the diagonal. Example: ``gnp.trace(m)``"""
    r = _trace0(_cast(a, dtype), offset, axis1, axis2)
    return _to_out(_result_as(r, dtype), out, "trace")  # (NumPy sums in dtype)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0, *, device=None):
    """``num`` evenly spaced values from ``start`` to ``stop``, as ``numpy.linspace``; Tensor
    end points give a Tensor differentiable in both. Example: ``gnp.linspace(s, 2 * s, 5)``"""
    _check_device(device, "linspace")
    if not (isinstance(start, Tensor) or isinstance(stop, Tensor)):
        if not retstep and axis == 0:
            return _linspace0(start, stop, num, endpoint=endpoint, dtype=dtype)
        return _r._xp(data(start)).linspace(data(start), data(stop), num, endpoint=endpoint,
                                            retstep=retstep, dtype=dtype, axis=axis)
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    # NumPy's start * 1.0: integer and bool end points as float64 before the difference
    # (uint8 3 - 254 would wrap to 5)
    start, stop = (_cast(v, _np.float64) if _np.dtype(getattr(data(v), "dtype", _np.float64)).kind
                   in "iub" else v for v in (start, stop))
    div = (num - 1) if endpoint else num
    delta = _r.subtract(stop, start)
    nd = ndim(delta)
    xp = _r._xp(data(delta))
    ddt = data(delta).dtype  # the steps in the end points' precision (complex64: float32)
    ar = xp.arange(0, num, dtype=_np.finfo(ddt).dtype if ddt.kind in "fc"
                   else _np.float64).reshape((-1,) + (1,) * nd)
    if div > 0:
        step = delta / div
        zero = data(step) == 0
        if isinstance(zero, Tensor) or _vc.tracing():
            # batched by vmap: each example takes its own branch; compiled by jit: the
            # branch is a step, taken on each call's values
            zero = zero if isinstance(zero, Tensor) else _r.equal(step, 0)
            y = _r.where(_r.any(zero), (ar / div) * delta, ar * step)
        elif bool(xp.any(zero)):
            y = (ar / div) * delta
        else:
            y = ar * step
    else:
        step = _np.nan
        y = ar * delta
    y = y + start
    if endpoint and num > 1:
        last = _r.broadcast_to(_r.reshape(stop, (1,) + shape(stop)), (1,) + shape(y)[1:])
        y = _r.concatenate([getitem(y, slice(0, num - 1)), last], 0)
    if axis != 0:
        from . import moveaxis

        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if _np.dtype(dtype).kind in "iu":  # NumPy floors (-0.8 -> -1), and refuses complex
            y = _r.floor(y)
        y = _cast(y, dtype)
    else:  # NumPy's type: result_type(start, stop, float(num)), Python numbers weak
        want = _np.result_type(*(getattr(data(v), "dtype", v) for v in (start, stop)),
                               float(num))
        if data(y).dtype != want:
            y = _cast(y, want)
    return (y, step) if retstep else y


__all__ = ["linspace", "sum", "prod", "max", "min", "amax", "amin", "mean", "var", "std", "cumsum",
           "cumprod", "swapaxes", "argsort", "sort", "einsum", "einsum_path", "cross", "full",
           "full_like", "trace", "argmax", "argmin", "all", "any"]
