"""Counting into bins: ``bincount``, ``histogram``, ``histogram2d``, ``histogramdd``.

The bin each sample falls in is piecewise constant in the samples, so the counts have no
derivative; what is differentiable is linear in the ``weights`` (the weighted sums) and, with
``density=True``, the division by the bin widths, whose edges follow the samples' minimum and
maximum when no ``range`` is given (as in ``jax.numpy``). With an integer number of bins the
computation is made of array operations only (a sorted search and a scatter-add), so it
compiles under ``gpuad.jit``; ``bincount``, whose length is the largest value, and the
``bins="auto"``-style estimators read the values (``TracerError`` under ``gpuad.jit``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import rules as _r
from ..prims.core import prim
from ..prims.dynindex import Slot, scatter_index
from ..rules import concatenate, getitem, ndim, reshape, shape
from ..tensor import Tensor
from ._more_array import _host, histogram_bin_edges
from ._more_poly import _arr, _dtype

_search_right = prim("searchsorted_right", lambda xp, a, v: xp.searchsorted(a, v, side="right"),
                     nondiff=True)

_FINITE = _vc.Check(
    "histogram_range", lambda xp, a: ~xp.isfinite(a),
    lambda count, first: ValueError(
        f"histogram: autodetected range is not finite ({count} non-finite samples, the first "
        f"{first}); pass range=(lo, hi) or drop them"),
    values=lambda xp, a: a)


def _xp(a):
    return _r._xp(a)


def _sg(a):
    from .. import stop_gradient

    return stop_gradient(a)


def _scatter_add(w, idx, n: int):
    """A length-``n`` array with ``w[j]`` added at ``idx[j]`` (linear in ``w``)."""
    return scatter_index(w, idx, template=(Slot(0),), shape=(n,))


def _float_weights(name: str, w, length: tuple):
    """``w`` as float64 weights of ``length`` entries, refused as NumPy refuses them."""
    if tuple(shape(w)) != tuple(length):
        raise ValueError(f"{name}: the weights and list don't have the same length "
                         f"({tuple(shape(w))} and {tuple(length)})")
    if _dtype(w).kind == "c":
        raise TypeError(f"{name}: cannot cast the weights from {_dtype(w)} to float64 "
                        f"according to the rule 'safe'")
    return w if _dtype(w) == _np.float64 else _r.astype(w, _np.float64)


def bincount(x, /, weights=None, minlength: int = 0):
    """How often each non-negative integer occurs in ``x`` (with ``weights``: their sums,
    float64, differentiable). Example: ``gnp.bincount(labels, weights=w)``"""
    from .._numpy_protocol import as_array_arg

    if isinstance(x, list | tuple) and any(isinstance(e, Tensor) for e in _np.ravel(
            _np.asarray(x, dtype=object))):
        x = as_array_arg(x)
    if isinstance(weights, list | tuple):
        weights = as_array_arg(weights)
    # (a list is NumPy's to read: ``[]`` is an empty list of integers, as numpy.bincount's)
    xv = _host(x, "bincount: the largest value (the length of the result)") if isinstance(
        x, Tensor) or not isinstance(x, list | tuple | _np.ndarray) else _np.asarray(x)
    if isinstance(x, list | tuple) and xv.size == 0:
        xv = xv.astype(_np.intp)
    counts = _np.bincount(xv, minlength=minlength)  # (NumPy's checks and messages)
    xp = _xp(x if isinstance(x, Tensor) else weights)
    if weights is None:
        return xp.asarray(counts)
    w = _float_weights("bincount", _arr(weights), xv.shape)
    return _scatter_add(w, xp.asarray(xv.astype(_np.intp)), counts.size)


bincount._takes_containers = True  # (it reads lists itself: NumPy's ``[]`` is integer)


def _edges_linspace(lo, hi, n: int, dt):
    """``numpy.linspace(lo, hi, n + 1)``'s values (``lo``, ``hi`` may be Tensors)."""
    xp = _xp(lo if isinstance(lo, Tensor) else hi)
    steps = xp.arange(n + 1, dtype=dt) * ((hi - lo) / n) + lo
    last = reshape(_r.astype(hi, dt) if isinstance(hi, Tensor) else xp.asarray(hi, dtype=dt),
                   (1,))
    return concatenate([getitem(steps, slice(0, n)), last])


def _bin_index(a, edges):
    """1 + the bin of each sample (0 below the first edge, len(edges) above the last; the
    last edge belongs to the last bin), computed on the values."""
    from . import where

    e = _sg(edges)
    av = _sg(a)
    i = _search_right(e, av)
    n = shape(e)[0]
    return where(av == getitem(e, n - 1), n - 1, i)


def histogram(a, bins: Any = 10, range=None, density=None, weights=None):
    """The histogram of ``a``: ``(hist, bin_edges)`` as ``numpy.histogram``. ``hist`` is linear
    in ``weights``; with ``density=True`` it also follows the bin widths.
    Example: ``hist, edges = gnp.histogram(x, bins=10, weights=w)``"""
    from . import asarray, diff, sum

    a = asarray(_arr(a))  # (host data on the active backend: CuPy mixes no NumPy arrays)
    if weights is not None:
        w = asarray(_arr(weights))
        if tuple(shape(w)) != tuple(shape(a)):
            raise ValueError(f"histogram: weights should have the same shape as a (got "
                             f"{tuple(shape(w))} and {tuple(shape(a))})")
        w = reshape(w, (-1,))
    a = reshape(a, (-1,))
    if _np.ndim(bins) == 0 and not isinstance(bins, str):
        try:
            bins.__index__()
        except (AttributeError, TypeError):  # NumPy's: 2.5 bins is not a count
            raise TypeError("histogram: `bins` must be an integer, a string, or an array, got "
                            f"{bins!r}") from None
    if range is None and _np.ndim(bins) == 0 and not isinstance(bins, str) and shape(a)[0]:
        _vc.run(_FINITE, a)
    if _np.ndim(bins) == 1:  # the edges given (a Tensor stays one: widths differentiate)
        edges = asarray(_arr(bins))
        ev = _host(edges, "histogram: whether the bin edges increase")
        if _np.any(ev[:-1] > ev[1:]):
            raise ValueError("histogram: `bins` must increase monotonically, when an array")
    else:
        if range is None and shape(a)[0] == 0:
            range = (0, 1)  # (NumPy's range for no samples)
        edges = histogram_bin_edges(a, bins=bins, range=range)  # (no estimator reads weights)
    nb = shape(edges)[0] - 1
    idx = _bin_index(a, edges)
    xp = _xp(a)
    if weights is None:  # (counted in float64, exact below 2**53: the scatter is a float one)
        ntype = _np.dtype(_np.intp)
        acc = xp.ones(shape(a), dtype=_np.float64)
    else:
        ntype = _dtype(w)
        acc_t = _np.complex128 if ntype.kind == "c" else _np.float64
        acc = w if ntype == acc_t else _r.astype(w, acc_t)
    full = _scatter_add(acc, idx, nb + 2)
    n = getitem(full, slice(1, nb + 1))
    if _dtype(n) != ntype:
        n = _r.astype(n, ntype)
    if density:
        db = diff(edges)
        if _dtype(db) != _np.float64:
            db = _r.astype(db, _np.float64)
        return n / db / sum(n), edges
    return n, edges


def _outer_edges(col, rng, what: str):
    from . import max, min, where

    if rng is not None:
        first, last = rng
        if first > last:
            raise ValueError(f"{what}: max must be larger than min in range parameter.")
        if not (_np.isfinite(first) and _np.isfinite(last)):
            raise ValueError(f"{what}: supplied range of [{first}, {last}] is not finite")
    elif shape(col)[0] == 0:
        first, last = 0, 1
    else:
        _vc.run(_FINITE, col)
        first, last = min(col), max(col)
        if isinstance(first, Tensor) or hasattr(first, "shape"):
            same = first == last
            return where(same, first - 0.5, first), where(same, last + 0.5, last)
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def histogramdd(sample, bins: Any = 10, range=None, density=None, weights=None):
    """The multidimensional histogram of ``sample`` (an (N, D) array, or a sequence of D
    arrays of length N): ``(hist, edges)`` as ``numpy.histogramdd``; ``hist`` is float64,
    linear in ``weights``. Example: ``h, edges = gnp.histogramdd(pts, bins=(4, 3))``"""
    from . import diff, stack, sum, transpose

    if isinstance(sample, list | tuple):
        cols = [_arr(c) for c in sample]
        if cols and all(ndim(c) == 0 for c in cols):
            cols = [reshape(c, (1,)) for c in cols]
        sample = transpose(stack(cols)) if cols else _np.zeros((0, 0))
    sample = _arr(sample)
    if ndim(sample) == 1:
        sample = reshape(sample, (-1, 1))
    elif ndim(sample) != 2:
        raise ValueError(f"histogramdd: sample must be an (N, D) array or a sequence of D "
                         f"arrays, got shape {shape(sample)}")
    N, D = shape(sample)
    try:
        if len(bins) != D:
            raise ValueError("histogramdd: the dimension of bins must be equal to the "
                             "dimension of the sample x.")
        bins = list(bins)
    except TypeError:
        bins = D * [bins]
    if range is None:
        range = D * [None]
    elif len(range) != D:
        raise ValueError("histogramdd: range argument must have one entry per dimension")
    xp = _xp(sample)
    edges: list = []
    for i in _np.arange(D):
        col = getitem(sample, (slice(None), int(i)))
        b = bins[i]
        if _np.ndim(b) == 0:
            if isinstance(b, Tensor) or b < 1:
                raise ValueError(f"histogramdd: `bins[{i}]` must be positive, when an integer")
            try:
                nb = operator.index(b)
            except TypeError as e:
                raise TypeError(f"histogramdd: `bins[{i}]` must be an integer, when a "
                                f"scalar") from e
            lo, hi = _outer_edges(col, range[i], "histogramdd")
            dt = _np.result_type(_np.asarray(_host_scalar(lo)), _np.asarray(_host_scalar(hi)),
                                 1.0)
            edges.append(_edges_linspace(lo, hi, nb, dt))
        elif _np.ndim(b) == 1:
            e = b if isinstance(b, Tensor) else xp.asarray(b)
            ev = _host(e, "histogramdd: whether the bin edges increase")
            if _np.any(ev[:-1] > ev[1:]):
                raise ValueError(f"histogramdd: `bins[{i}]` must be monotonically increasing, "
                                 f"when an array")
            edges.append(e)
        else:
            raise ValueError(f"histogramdd: `bins[{i}]` must be a scalar or 1d array")
    nbin = [shape(e)[0] + 1 for e in edges]
    flat: Any = None
    stride = 1
    for i in reversed(_np.arange(D)):
        col = getitem(sample, (slice(None), int(i)))
        part = _bin_index(col, edges[i]) * stride
        flat = part if flat is None else flat + part
        stride *= nbin[i]
    if weights is None:
        acc = xp.ones((N,), dtype=_np.float64)
    else:
        acc = _float_weights("histogramdd", reshape(_arr(weights), (-1,)), (N,))
    total = int(_np.prod(nbin))
    if flat is None:
        hist = xp.zeros((), dtype=_np.float64)
    else:
        hist = reshape(_scatter_add(acc, flat, total), tuple(nbin))
        hist = getitem(hist, (slice(1, -1),) * D)
    if density:
        s = sum(hist)
        for i in _np.arange(D):
            sh = _np.ones(D, int)
            sh[i] = nbin[i] - 2
            de = diff(edges[i])
            hist = hist / reshape(de, tuple(int(v) for v in sh))
        hist = hist / s
    return hist, edges


def _host_scalar(v):
    """A NumPy scalar of ``v``'s dtype (for the result type only; the value is not read)."""
    if isinstance(v, Tensor) or hasattr(v, "dtype"):
        return _np.zeros((), dtype=_dtype(v))
    return v


histogramdd._takes_containers = True  # type: ignore[attr-defined]  # (sequence of columns)


def histogram2d(x, y, bins: Any = 10, range=None, density=None, weights=None):
    """The two-dimensional histogram of the samples ``(x, y)``: ``(hist, xedges, yedges)`` as
    ``numpy.histogram2d``. Example: ``h, xe, ye = gnp.histogram2d(x, y, bins=4)``"""
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:
        bins = [bins, bins]
    hist, edges = histogramdd([_arr(x), _arr(y)], bins, range, density, weights)
    return hist, edges[0], edges[1]


# bins=(nx, ny) are counts, not an array: kept as given (x, y and weights convert themselves)
histogram2d._takes_containers = True  # type: ignore[attr-defined]


__all__ = ["bincount", "histogram", "histogramdd", "histogram2d"]
