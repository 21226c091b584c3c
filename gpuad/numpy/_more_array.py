"""NumPy's remaining array functions that a Tensor may meet: the Array API names
(``positive``, ``matrix_transpose``, ``unstack``, the ``unique_*`` family), ``broadcast_arrays``,
``ediff1d``, ``trim_zeros``, ``unwrap``, ``sort_complex``, ``histogram_bin_edges``, ``i0``,
``spacing`` and the ``tril``/``triu`` index helpers.

Each is a composition of differentiable primitives. Where the result's layout depends on the
values (which entries ``unique`` keeps, where ``trim_zeros`` cuts, the multiples of the period
``unwrap`` adds), that choice is made on the values and the result selects or shifts the
input: derivatives are exact wherever the choice does not change under a small perturbation.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as _np

from .. import rules as _r
from .._value_checks import host_read
from ..rules import concatenate, data, getitem, ndim, reshape, shape
from ..tensor import Tensor
from . import _xp_fallbacks as _fb


def _host(a, what: str):
    """A NumPy copy of ``a``'s values, read to decide ``what`` (under ``gpuad.jit`` that
    raises its ``TracerError``: the decision would be frozen into the program)."""
    d = data(a)
    host_read(what, d)
    return d.get() if hasattr(d, "get") else _np.array(d)


def _xp(a):
    return _r._xp(a)


def positive(x):
    """``+x``; boolean input is a TypeError as in NumPy. Example: ``gnp.positive(x)``"""
    from . import multiply

    if isinstance(x, bool) or getattr(_r.data(x), "dtype", None) == _np.bool_:
        raise TypeError("positive: boolean input is not supported (as numpy.positive); "
                        "convert it first, e.g. x.astype(int)")
    if getattr(_r.data(x), "dtype", _np.dtype(type(x))).kind == "c":
        # a copy: times (1+0j) makes inf * 0 = NaN parts and loses the sign of -0.0
        return _r.copy(x)
    return multiply(x, 1)


def matrix_transpose(x):
    """Swap the last two axes. Example: ``gnp.matrix_transpose(x)``"""
    if ndim(x) < 2:
        raise ValueError(f"matrix_transpose: input must be at least 2-D, got shape {shape(x)}")
    from . import swapaxes

    return swapaxes(x, -1, -2)


def unstack(x, /, *, axis: int = 0):
    """The slices of ``x`` along ``axis``, as a tuple. Example: ``a, b = gnp.unstack(x)``"""
    nd = ndim(x)
    if nd == 0:
        raise ValueError("unstack: the input must be at least 1-d, got a 0-d array")
    ax = _r.one_axis(axis, nd, "unstack")
    return tuple(getitem(x, (slice(None),) * ax + (i,)) for i in range(shape(x)[ax]))


def broadcast_arrays(*args, subok: bool = False):
    """The arguments broadcast against each other, as a tuple.
    Example: ``a, b = gnp.broadcast_arrays(x, y)``"""
    from . import broadcast_to

    target = _np.broadcast_shapes(*(tuple(shape(a)) for a in args))
    return tuple(a if tuple(shape(a)) == target else broadcast_to(a, target) for a in args)


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with ``to_begin`` and
    ``to_end`` joined at the ends. Example: ``gnp.ediff1d(x, to_begin=0.0)``"""
    flat = reshape(ary, (-1,))
    n = shape(flat)[0]
    d = getitem(flat, (slice(1, None),)) - getitem(flat, (slice(0, max(n - 1, 0)),))
    parts = [d]
    if to_begin is not None:
        parts.insert(0, _flat(to_begin, ary))
    if to_end is not None:
        parts.append(_flat(to_end, ary))
    return parts[0] if len(parts) == 1 else concatenate(parts)


def _flat(v, like):
    """``v`` flattened in ``like``'s dtype (NumPy's result keeps the input's dtype)."""
    dt = _np.dtype(_r.data(like).dtype)
    vdt = getattr(_r.data(v), "dtype", None)
    vdt = _np.dtype(vdt) if vdt is not None else _np.asarray(v).dtype
    if not _np.can_cast(vdt, dt, casting="same_kind"):  # NumPy's: 0.5 would become 0
        raise TypeError(f"ediff1d: dtype of to_begin/to_end ({vdt}) must be compatible "
                        f"with input ary ({dt}) under the same_kind casting rule")
    if isinstance(v, Tensor):
        v = v if vdt == dt else _r.astype(v, dt)
    else:
        v = _xp(like).asarray(v, dtype=dt)
    return reshape(v, (-1,))


def trim_zeros(filt, trim: str = "fb", axis=None):
    """``filt`` without its leading (``"f"``) and/or trailing (``"b"``) zeros (along every
    axis, or those of ``axis``). Example: ``gnp.trim_zeros(x, "f")``"""
    trim = trim.lower()
    if any(c not in "fb" for c in trim):
        raise ValueError(f"trim_zeros: unexpected character(s) in trim: {trim!r}")
    if _r.ndim(filt) == 0:  # NumPy's: a 0-d array has no edges to trim (and no axis)
        given = () if axis is None else (axis,) if isinstance(axis, int | _np.integer) \
            else tuple(axis)
        if given:
            raise _np.exceptions.AxisError(int(given[0]), 0, "trim_zeros")
        return filt if isinstance(filt, Tensor) else _r._xp(filt).asarray(filt)
    vals = _host(filt, "trim_zeros: where the zeros end (a shape that depends on the values)")
    nd = vals.ndim
    axes = range(nd) if axis is None else _r.axes_in_order(axis, nd, "trim_zeros")
    index = [slice(None)] * nd
    nz = _np.nonzero(vals)
    for ax in axes:
        n = vals.shape[ax]
        if nz[0].size == 0:
            index[ax] = slice(0, 0) if ("f" in trim or "b" in trim) else slice(None)
            continue
        start = int(nz[ax].min()) if "f" in trim else 0
        stop = int(nz[ax].max()) + 1 if "b" in trim else n
        index[ax] = slice(start, stop)
    return getitem(filt, tuple(index))


def unwrap(p, discont=None, axis: int = -1, *, period: float = 2 * _np.pi):
    """``p`` with jumps larger than ``discont`` replaced by their complement modulo ``period``
    (the added multiples of ``period`` are constants). Example: ``gnp.unwrap(phase)``"""
    from .. import stop_gradient
    from . import abs, cumsum, diff, mod, where, zeros_like

    if _np.dtype(getattr(data(p), "dtype", float)).kind in "iub":  # (no gradient: NumPy's)
        return _xp(p).asarray(_np.unwrap(_host(p, "unwrap of integers"), discont=discont,
                                         axis=axis, period=period))
    nd = ndim(p)
    ax = _r.one_axis(axis, nd, "unwrap")
    dd = diff(stop_gradient(p), axis=ax)
    high = period / 2
    ddmod = mod(dd + high, period) - high
    ddmod = where((ddmod == -high) & (dd > 0), high, ddmod)  # (an odd multiple of half a period)
    correct = where(abs(dd) < (high if discont is None else max(discont, high)), 0.0,
                    ddmod - dd)
    first = zeros_like(getitem(dd, (slice(None),) * ax + (slice(0, 1),)))
    if shape(p)[ax] == 1:
        first = zeros_like(stop_gradient(p))
    return p + concatenate([first, cumsum(correct, axis=ax)], axis=ax)


def sort_complex(a):
    """Complex values sorted along the last axis by real part, then imaginary part.
    Example: ``gnp.sort_complex(z)``"""
    from .. import stop_gradient
    from . import argsort, astype, imag, real, take_along_axis

    if ndim(a) == 0:
        raise ValueError("sort_complex: expected an array of at least one dimension, got a scalar")
    v = stop_gradient(a)
    by_imag = argsort(imag(v), axis=-1, kind="stable")
    then_real = argsort(take_along_axis(real(v), by_imag, axis=-1), axis=-1, kind="stable")
    out = take_along_axis(a, take_along_axis(by_imag, then_real, axis=-1), axis=-1)
    dt = _np.dtype(data(a).dtype)
    if dt.kind == "c":
        return out
    # NumPy's (and CuPy's): small integers become complex64, everything else complex128
    return astype(out, _np.complex64 if dt.char in "bhBH" else _np.complex128)


def histogram_bin_edges(a, bins: Any = 10, range=None, weights=None):
    """The bin edges ``numpy.histogram`` would use; without ``range`` they span the data's
    minimum and maximum (and follow them). Example: ``gnp.histogram_bin_edges(x, bins=5)``"""
    dt = _np.dtype(data(a).dtype)
    if getattr(bins, "ndim", None) == 1 or _np.ndim(bins) == 1:  # the edges as given
        edges = _host(bins, "histogram_bin_edges: whether the bins increase")
        if edges.size and _np.any(edges[1:] < edges[:-1]):
            raise ValueError("histogram_bin_edges: `bins` must increase monotonically, when "
                             "an array")
        return bins if isinstance(bins, Tensor) else _xp(a).asarray(edges)
    if range is not None and isinstance(bins, str):  # the estimators count the values in range
        w = None if weights is None else _host(weights, "histogram_bin_edges: the weights")
        vals = _host(a, f"histogram_bin_edges: the number of bins {bins!r} chooses")
        return _xp(a).asarray(_np.histogram_bin_edges(vals, bins=bins, range=range, weights=w))
    if range is not None:  # the edges do not depend on the values
        return _xp(a).asarray(_np.histogram_bin_edges(_np.zeros(0, dt), bins=bins, range=range))
    if isinstance(bins, str) or weights is not None or not isinstance(a, Tensor):
        w = None if weights is None else _host(weights, "histogram_bin_edges: the weights")
        vals = _host(a, f"histogram_bin_edges: the number of bins {bins!r} chooses")
        edges = _np.histogram_bin_edges(vals, bins=bins, range=range, weights=w)
        if not isinstance(a, Tensor) or vals.size == 0:
            return _xp(a).asarray(edges)
        n = edges.size - 1
    else:
        n = int(bins)
        if n < 1:
            raise ValueError(f"histogram_bin_edges: `bins` must be positive, got {bins}")
    from . import arange, astype, max, min, where

    first, last = min(a), max(a)
    same = first == last
    first, last = where(same, first - 0.5, first), where(same, last + 0.5, last)
    edt = _np.result_type(dt, _np.float16)  # (NumPy's: the data's float type, else float64)
    edt = _np.float64 if dt.kind in "iub" else edt
    steps = arange(n + 1, dtype=edt) * ((last - first) / n) + first
    return concatenate([getitem(steps, (slice(0, n),)), reshape(astype(last, edt), (1,))])


def i0(x):
    """The modified Bessel function of the first kind, order 0. Example: ``gnp.i0(x)``"""
    from ..scipy import special

    dt = getattr(data(x), "dtype", None)
    if dt is not None and dt == _np.float16:  # NumPy keeps float16 (SciPy's loop is float32)
        return _r.astype(special.i0(_r.astype(x, _np.float32)), _np.float16)
    return special.i0(x)


def spacing(x, out=None, **kwargs):
    """Distance to the next representable number (piecewise constant: an array, no
    gradient). Example: ``gnp.spacing(x)``"""
    from ..batching.composites import batched, over_levels

    if batched(x) and out is None:  # elementwise: one call on all the examples
        return over_levels(lambda u, k: spacing(u, **kwargs), [x], "spacing")
    xp = _xp(x)
    if not _fb.lacks(xp, "spacing"):
        return xp.spacing(_values(x, "spacing"), out=out, **kwargs)
    if kwargs:  # CuPy has no spacing: NumPy's steps from nextafter, without ufunc keywords
        raise TypeError(f"spacing: on this backend (whose array library has no spacing) "
                        f"spacing takes only out=, not {sorted(kwargs)}")
    r = _fb.spacing(xp, _values(x, "spacing"))
    if out is None:
        return r
    out[...] = r
    return out


def _values(x, what: str):
    """``x``'s backend array, read on the host's behalf of ``what``."""
    d = data(x)
    host_read(what, d)
    return d


def tril_indices_from(arr, k: int = 0):
    """The indices of the lower triangle of a 2-D array. Example: ``gnp.tril_indices_from(m)``"""
    if ndim(arr) != 2:
        raise ValueError(f"tril_indices_from: input array must be 2-D, got shape {shape(arr)}")
    n, m = shape(arr)
    return _xp(arr).tril_indices(n, k=k, m=m)


def triu_indices_from(arr, k: int = 0):
    """The indices of the upper triangle of a 2-D array. Example: ``gnp.triu_indices_from(m)``"""
    if ndim(arr) != 2:
        raise ValueError(f"triu_indices_from: input array must be 2-D, got shape {shape(arr)}")
    n, m = shape(arr)
    return _xp(arr).triu_indices(n, k=k, m=m)


UniqueAllResult = namedtuple("UniqueAllResult", "values indices inverse_indices counts")
UniqueCountsResult = namedtuple("UniqueCountsResult", "values counts")
UniqueInverseResult = namedtuple("UniqueInverseResult", "values inverse_indices")


def _check_size(size, op: str) -> int:
    if isinstance(size, bool) or not isinstance(size, int | _np.integer) or size < 0:
        raise TypeError(f"{op}: size must be a non-negative int, got {size!r}")
    return int(size)


def sized(values, size: int | None, fill_value, default, op: str):
    """The 1-d ``values`` cut or padded to ``size`` entries (``jax.numpy``'s ``size=`` and
    ``fill_value=``): padded with ``fill_value``, else with ``default`` (a value or a function
    of the non-empty ``values``; 0 where they are empty)."""
    if size is None:
        return values
    size = _check_size(size, op)
    n = shape(values)[0]
    if n >= size:
        return getitem(values, slice(0, size))
    if fill_value is None:
        fill_value = default(values) if callable(default) and n else (
            0 if callable(default) else default)
    from . import broadcast_to

    dt = data(values).dtype
    fill = fill_value if isinstance(fill_value, Tensor) else _xp(values).asarray(fill_value)
    if data(fill).dtype != dt:
        fill = _r.astype(fill, dt)
    return concatenate([values, broadcast_to(fill, (size - n,) + tuple(shape(values))[1:])])


def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: Any = None, sorted: bool = True):
    """The sorted unique elements (or slices along ``axis``); each value is the input's entry
    at its first occurrence, so gradients reach that entry. ``size`` cuts or pads the unique
    values to that many, as ``jax.numpy.unique``: padded with ``fill_value`` or, by default,
    the smallest value (the index of its first occurrence, and counts of 0).
    Example: ``values, counts = gnp.unique(x, return_counts=True, size=4)``"""
    vals = _host(ar, "unique: which entries are kept (a shape that depends on the values)")
    res = list(_np.unique(vals, return_index=True, return_inverse=return_inverse,
                          return_counts=return_counts, axis=axis, equal_nan=equal_nan))
    first = res[1]
    xp = _xp(ar)
    fill_values = None
    if size is not None:
        size = _check_size(size, "unique")
        if first.size == 0 and size and fill_value is None:
            raise ValueError("unique: for an empty input with a nonzero size, fill_value must "
                             "be given")
        fill_values = fill_value is not None and first.size < size
        cut = first[:size]
        first = _np.concatenate([cut, _np.full(size - cut.size, first[0] if first.size else 0,
                                               dtype=first.dtype)])
        if return_counts:
            counts = res[-1][:size]
            res[-1] = _np.concatenate([counts, _np.zeros(size - counts.size, counts.dtype)])
    if axis is None:
        flat = reshape(ar, (-1,))
        values = getitem(flat, (xp.asarray(first),)) if shape(flat)[0] else (
            xp.zeros((len(first),), dtype=data(ar).dtype))
    else:
        from . import take

        values = take(ar, xp.asarray(first), axis=axis)
    if fill_values:
        from . import moveaxis, where

        ax = 0 if axis is None else int(axis) % ndim(ar)
        kept = xp.asarray(_np.arange(size) < len(res[1]))
        fill = fill_value if isinstance(fill_value, Tensor) else xp.asarray(fill_value)
        if data(fill).dtype != data(values).dtype:
            fill = _r.astype(fill, data(values).dtype)
        kept = kept.reshape((-1,) + (1,) * (ndim(values) - 1))
        values = moveaxis(where(kept, moveaxis(values, ax, 0), fill), 0, ax)
    if not (return_index or return_inverse or return_counts):
        return values
    out = [values]
    if return_index:
        out.append(xp.asarray(first))
    out.extend(xp.asarray(r) for r in res[2:])
    return tuple(out)


def unique_values(x):
    """The unique elements of ``x``. Example: ``gnp.unique_values(x)``"""
    return unique(x, equal_nan=False)


def unique_counts(x):
    """The unique elements and how often each occurs.
    Example: ``values, counts = gnp.unique_counts(x)``"""
    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False))


def unique_inverse(x):
    """The unique elements and, for each input entry, the index of its value among them.
    Example: ``values, inv = gnp.unique_inverse(x)``"""
    v, inv = unique(x, return_inverse=True, equal_nan=False)
    return UniqueInverseResult(v, reshape(inv, shape(x)) if not isinstance(inv, Tensor) and
                               tuple(getattr(inv, "shape", ())) != tuple(shape(x)) else inv)


def unique_all(x):
    """The unique elements, the index of each one's first occurrence, the inverse indices and
    the counts. Example: ``r = gnp.unique_all(x); r.values, r.counts``"""
    v, idx, inv, cnt = unique(x, return_index=True, return_inverse=True, return_counts=True,
                              equal_nan=False)
    if tuple(getattr(inv, "shape", ())) != tuple(shape(x)):
        inv = inv.reshape(shape(x))
    return UniqueAllResult(v, idx, inv, cnt)


__all__ = ["positive", "matrix_transpose", "unstack", "broadcast_arrays", "ediff1d",
           "trim_zeros", "unwrap", "sort_complex", "histogram_bin_edges", "i0", "spacing",
           "tril_indices_from", "triu_indices_from", "unique", "unique_values", "unique_counts",
           "unique_inverse", "unique_all"]
