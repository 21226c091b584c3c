"""Statistics and signal helpers: the ``nan*`` reductions, ``median``, ``quantile`` and
``percentile`` (and their NaN-ignoring forms), ``ptp``, ``cov``, ``corrcoef``, ``interp``,
``trapezoid``, ``convolve``, ``correlate`` and ``gradient``.

Order statistics sort on the data and gather with the permutation, so the adjoint of a
quantile goes to the (at most two) elements it interpolates between; NaN handling and
interpolation weights are constants of the data, exactly as NumPy computes them.
"""

from __future__ import annotations

import builtins
import functools
import inspect
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import rules as _r
from ..rules import (
    concatenate,
    data,
    getitem,
    ndim,
    norm_axis,
    one_axis,
    reduce_axis,
    reshape,
    shape,
    where,
)
from ..tensor import Tensor
from ._more_sig import _cast, _extreme, _initial_as, _mask, _moment_dtypes, _result_as, _to_out


def _writes_out(fn):
    """NumPy's ``out=`` for ``fn``: the result written into ``out`` (recorded when ``out`` is a
    Tensor) and ``out`` returned; ``out`` must have the result's shape."""
    sig = inspect.signature(fn)
    pos = list(sig.parameters).index("out")

    @functools.wraps(fn)
    def with_out(*args, **kw):
        if len(args) > pos:
            out, args = args[pos], args[:pos] + (None,) + args[pos + 1:]
        else:
            out = kw.pop("out", None)
        r = fn(*args, **kw)
        if out is None:
            return r
        target = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        if tuple(shape(target)) != tuple(shape(r)):
            raise ValueError(f"{fn.__name__}: out has shape {tuple(shape(target))}, the result "
                             f"{tuple(shape(r))}")
        rule = _OUT_SAME_KIND.get(fn.__name__)
        if callable(rule):  # the rule depends on the call's arguments
            rule = rule(sig.bind(*args, **kw).arguments)
        return _to_out(r, out, fn.__name__, rule)

    return with_out


def _picks(arguments, whole_q_picks: bool) -> str | None:
    """The ``out=`` casting of NumPy's quantile and percentile: a ufunc where they
    interpolate (a float result into an integer out raises there), ``take`` or an assignment
    where they pick a value (cast as written): the picking methods, weights, and for
    quantile ``linear`` at integer q (percentile divides q by 100 first)."""
    method = arguments.get("interpolation") or arguments.get("method", "linear")
    if arguments.get("weights") is not None or method in _TAKES:
        return None
    if whole_q_picks and method == "linear":
        q = arguments["q"]
        if _np.asarray(q.get() if hasattr(q, "get") else data(q)).dtype.kind in "iub":
            return None
    return "same_kind"


# NumPy's functions whose out= goes through a ufunc (or checks its kind): a float result into
# an integer out raises there; the others cast it as they write
_OUT_SAME_KIND = {n: "same_kind" for n in ("ptp", "nanmean", "nanvar", "nanstd")}
_OUT_SAME_KIND.update(quantile=lambda b: _picks(b, True), percentile=lambda b: _picks(b, False))


def _arr(a):
    """Tensors as they are; anything else as an array of the active backend."""
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


def _xpd(a):
    d = data(a)
    if isinstance(d, Tensor):  # a value batched by vmap: gpuad's functions batch it (CuPy's
        from .. import numpy as gnp  # refuse a Tensor, where NumPy's defer to it)

        return gnp, d
    return _r._xp(d), d


def _keep(r, x_shape, axis, keepdims):
    if not keepdims:
        return r
    return reshape(r, _r._kept_shape(x_shape, axis))


# ---- NaN-ignoring reductions ------------------------------------------------------------------


def _filled(a, value):
    a = _arr(a)
    xp, d = _xpd(a)
    if d.dtype.kind not in "fc":
        return a, None
    nan = xp.isnan(d)
    return where(nan, value, a), nan


def _left_out(a, where_, identity):
    """Entries outside ``where_`` replaced by the reduction's ``identity`` (the dtype kept:
    an integer ``nansum`` with ``where=`` stays integer, as NumPy)."""
    if where_ is None:
        return a
    return where(_mask(where_, a), a, identity)


def _masked(a, where_):
    """Entries outside ``where_`` become NaN, so the NaN-ignoring code skips them too."""
    a = _arr(a)
    if where_ is None:
        return a
    xp, d = _xpd(a)
    if d.dtype.kind not in "fc":
        a = _r.astype(a, _np.float64) if isinstance(a, Tensor) else d.astype(_np.float64)
    return where(_mask(where_, a), a, _np.nan)


@_writes_out
def nansum(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
           where=None):
    """Sum treating NaN as zero. Example: ``gnp.nansum(x)``"""
    f = _left_out(_filled(a, 0)[0], where, 0)
    r = _r.sum(f, axis, keepdims=keepdims, dtype=dtype)
    if initial is not None:
        r = r + _initial_as(initial, _np.dtype(data(r).dtype), "nansum")
    return _to_out(_result_as(r, dtype), out, "nansum")


@_writes_out
def nanprod(a, axis=None, dtype=None, out=None, keepdims: bool = False, initial=None,
            where=None):
    """Product treating NaN as one. Example: ``gnp.nanprod(x)``"""
    f = _left_out(_filled(a, 1)[0], where, 1)
    if dtype is not None:
        f = _r.astype(f, dtype)
    r = _r.prod(f, axis, keepdims=keepdims)
    if initial is not None:
        r = r * _initial_as(initial, _np.dtype(data(r).dtype), "nanprod")
    return _to_out(_result_as(r, dtype), out, "nanprod")


@_writes_out
def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaN as zero. Example: ``gnp.nancumsum(x)``"""
    f, _ = _filled(a, 0)
    if dtype is not None:
        f = _r.astype(f, dtype)
    return _to_out(_result_as(_r.cumsum(f, axis), dtype), out, "nancumsum")


@_writes_out
def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaN as one. Example: ``gnp.nancumprod(x)``"""
    f, _ = _filled(a, 1)
    if dtype is not None:
        f = _r.astype(f, dtype)
    return _to_out(_result_as(_r.cumprod(f, axis), dtype), out, "nancumprod")


def _count(nan, axis, keepdims):
    xp = _r._xp(nan)
    return xp.sum(~nan, axis=axis, keepdims=keepdims)


def _safe_div(num, cnt):
    """``num / cnt`` with NaN where ``cnt <= 0`` (no division by zero on either path)."""
    xp = _r._xp(cnt)
    bad = cnt <= 0
    # the count in ``num``'s precision: a float32 mean stays float32, as NumPy's
    real = _np.finfo(data(num).dtype).dtype if data(num).dtype.kind in "fc" else _np.float64
    den = xp.where(bad, 1, cnt)  # (inside vmap a batched Tensor)
    den = _r.astype(den, real) if isinstance(den, Tensor) else xp.asarray(den, dtype=real)
    return where(bad, _np.nan, num / den)


@_writes_out
def nanmean(a, axis=None, dtype=None, out=None, keepdims: bool = False, *, where=None):
    """Mean of the non-NaN elements (NaN for an all-NaN slice). Example: ``gnp.nanmean(x)``"""
    _inexact_dtype(a, dtype, "nanmean")
    a = _masked(a, where)
    if dtype is not None:
        a = _r.astype(a, dtype) if isinstance(a, Tensor) else data(a).astype(dtype)
    f, nan = _filled(a, 0)
    if nan is None:
        from . import mean

        return mean(a, axis, keepdims=keepdims, dtype=dtype)
    ax = reduce_axis(axis, ndim(a))
    return _safe_div(_r.sum(f, ax, keepdims=keepdims), _count(nan, ax, keepdims))


def _inexact_dtype(a, dtype, name) -> bool:
    """NumPy's rule for ``dtype=`` of nanmean, nanvar and nanstd: NaN-holding (inexact) data
    is computed in an inexact dtype only (an integer one would turn NaN into garbage).
    Whether ``a`` cannot hold NaN (integers, booleans: NumPy's plain reduction)."""
    kind = _np.dtype(data(_arr(a)).dtype).kind
    if dtype is not None and kind in "fc" and _np.dtype(dtype).kind not in "fc":
        raise TypeError(f"{name}: if a is inexact, then dtype must be inexact (got "
                        f"dtype={_np.dtype(dtype)}; NumPy's rule)")
    return kind not in "fc"


def _nan_dev(a, dtype, axis, where_, mean):
    """The deviations from the mean of the non-NaN elements (0 at a NaN), the NaN mask and
    the reduced axes; ``(a, None, None)`` where ``a`` cannot hold NaN."""
    a = _masked(a, where_)
    if dtype is not None:
        a = _r.astype(a, dtype) if isinstance(a, Tensor) else data(a).astype(dtype)
    f, nan = _filled(a, 0)
    if nan is None:
        return a, None, None
    ax = reduce_axis(axis, ndim(a))
    avg = _safe_div(_r.sum(f, ax, keepdims=True), _count(nan, ax, True)) if mean is None \
        else _arr(mean)
    return _r.where(nan, 0, a - avg), nan, ax


def _ddof(ddof, correction, name):
    if correction is None:
        return ddof
    if ddof != 0:
        raise ValueError(f"{name}: ddof and correction can't be provided simultaneously")
    return correction


@_writes_out
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *, where=None,
           mean=None, correction=None):
    """Variance of the non-NaN elements with ``ddof`` (or ``correction``); ``mean`` may be
    given (with kept dimensions). Example: ``gnp.nanvar(x, ddof=1)``"""
    if _inexact_dtype(a, dtype, "nanvar"):  # no NaN to skip: NumPy's var (dtype= too)
        from . import var

        return var(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean,
                   correction=correction)
    dtype, res = _moment_dtypes(a, dtype, mean, "nanvar")
    r = _nanvar(a, axis, dtype, ddof, keepdims, where, mean, correction)
    return r if res is None else _cast(r, res)


def _nanvar(a, axis, dtype, ddof, keepdims, where, mean, correction):
    ddof = _ddof(ddof, correction, "nanvar")
    dev, nan, ax = _nan_dev(a, dtype, axis, where, mean)
    if nan is None:
        from . import var

        return var(dev, axis, ddof=ddof, keepdims=keepdims, mean=mean)
    sq = _r.sum(_abs2(dev), ax, keepdims=keepdims)
    return _safe_div(sq, _count(nan, ax, keepdims) - ddof)


def _abs2(d):
    """``|d|**2``, real for complex ``d`` (a variance is real)."""
    from ..complex_rules import conj, real

    return real(d * conj(d)) if data(d).dtype.kind == "c" else d * d


@_writes_out
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims: bool = False, *, where=None,
           mean=None, correction=None):
    """Standard deviation of the non-NaN elements. Example: ``gnp.nanstd(x)``"""
    if _inexact_dtype(a, dtype, "nanstd"):  # no NaN to skip: NumPy's std (dtype= too)
        from . import std

        return std(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean,
                   correction=correction)
    dtype, res = _moment_dtypes(a, dtype, mean, "nanstd")
    r = _nanstd(a, axis, dtype, ddof, keepdims, where, mean, correction)
    return r if res is None else _cast(r, res)


def _nanstd(a, axis, dtype, ddof, keepdims, where, mean, correction):
    ddof = _ddof(ddof, correction, "nanstd")
    dev, nan, ax = _nan_dev(a, dtype, axis, where, mean)
    if nan is None:
        from . import std

        return std(dev, axis, ddof=ddof, keepdims=keepdims, mean=mean)
    # the 2-norm of the deviations, as std: a slice of one value (or of equal values) gets
    # the norm's subgradient 0, not sqrt's 0 * inf
    if data(dev).dtype.kind == "c":  # of the real and imaginary parts, as gnp.std (not abs)
        from . import imag, real, stack

        parts = stack([real(dev), imag(dev)])
        nd = ndim(dev)
        pax = None if ax is None else (0, *(a % nd + 1 for a in
                                            ((ax,) if isinstance(ax, int) else ax)))
        norm = _r.norm2(parts, axis=pax, keepdims=keepdims, shape=shape(parts))
        norm = _r.reshape(norm, shape(norm)[1:]) if keepdims else norm
    else:
        norm = _r.norm2(dev, axis=ax, keepdims=keepdims, shape=shape(dev))
    cnt = _count(nan, ax, keepdims) - ddof
    return _safe_div(norm, _r.sqrt(_r.where(cnt > 0, cnt, 0)))


def _nan_extreme(a, axis, keepdims, fill, red, initial, where_, larger):
    if where_ is not None and initial is None:
        raise ValueError("nanmax/nanmin: a where= mask needs initial=")
    if initial is not None:  # NaN as the fill, then max/min's initial= and where= rules
        f, _ = _filled(a, fill)
        return _extreme(red, f, axis, None, keepdims, initial, where_,
                        "nanmax" if larger else "nanmin", larger)
    f, nan = _filled(a, fill)
    r = red(f, axis, keepdims=keepdims)
    if nan is None:
        return r
    xp = _r._xp(nan)
    ax = reduce_axis(axis, ndim(a))
    allnan = xp.all(nan, axis=ax, keepdims=keepdims)
    return where(allnan, _np.nan, r)


@_writes_out
def nanmax(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Maximum ignoring NaN (NaN for an all-NaN slice). Example: ``gnp.nanmax(x)``"""
    return _nan_extreme(a, axis, keepdims, -_np.inf, _r.max, initial, where, True)


@_writes_out
def nanmin(a, axis=None, out=None, keepdims: bool = False, initial=None, where=None):
    """Minimum ignoring NaN (NaN for an all-NaN slice). Example: ``gnp.nanmin(x)``"""
    return _nan_extreme(a, axis, keepdims, _np.inf, _r.min, initial, where, False)


def _nan_arg(pick, fill, d, axis, keepdims):
    """``pick`` (argmax/argmin) with NaN left out, by primitives (for a value batched by
    vmap); where a slice is all NaN, -1 (JAX's answer, as no example can raise alone)."""
    nan = _r.isnan(d)
    r = where(_r.all(nan, axis=axis), -1, pick(where(nan, fill, d), axis=axis))
    if not keepdims:
        return r
    kept = [1 if axis is None or k == axis % ndim(d) else n for k, n in enumerate(shape(d))]
    return reshape(r, tuple(kept))


def nanargmax(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the maximum ignoring NaN (integer valued). Example: ``gnp.nanargmax(x)``"""
    xp, d = _xpd(a)
    if xp is not _r._xp(d):  # batched by vmap (gnp's own would call this again)
        _no_out(out, "nanargmax")
        return _nan_arg(_r.argmax, -_np.inf, d, axis, keepdims)
    r = xp.nanargmax(d, axis=axis, keepdims=keepdims)
    if out is not None:
        out[...] = r
        return out
    return Tensor(xp.asarray(r)) if isinstance(a, Tensor) else r


def nanargmin(a, axis=None, out=None, *, keepdims: bool = False):
    """Index of the minimum ignoring NaN (integer valued). Example: ``gnp.nanargmin(x)``"""
    xp, d = _xpd(a)
    if xp is not _r._xp(d):  # batched by vmap (gnp's own would call this again)
        _no_out(out, "nanargmin")
        return _nan_arg(_r.argmin, _np.inf, d, axis, keepdims)
    r = xp.nanargmin(d, axis=axis, keepdims=keepdims)
    if out is not None:
        out[...] = r
        return out
    return Tensor(xp.asarray(r)) if isinstance(a, Tensor) else r


@_writes_out
def ptp(a, axis=None, out=None, keepdims: bool = False):
    """Range (maximum minus minimum) over ``axis``. Example: ``gnp.ptp(x, axis=0)``"""
    return _r.max(a, axis, keepdims=keepdims) - _r.min(a, axis, keepdims=keepdims)


def _no_out(out, name):
    if out is not None:
        raise NotImplementedError(f"{name}: out= is not supported; use the returned value")


# ---- order statistics ----------------------------------------------------------------------


def _sorted_last(a, axis, ignore_nan, weights=None):
    """The reduced axes flattened last and sorted (NaN last), the number of values that count
    per slice, which slices hold a NaN, the kept (rest) shape and the normalised axes; with
    ``weights`` (a raw array of ``a``'s shape) also the weights in the sorted order."""
    from . import _take_along_axis_in_range as take_along_axis  # an argsort: in range

    a = _arr(a)
    nd = ndim(a)
    ax = norm_axis(axis, nd)
    every = tuple(range(nd)) if ax is None else ax
    flat, _, s = _r._to_last(a, every)
    xp, d = _xpd(flat)
    order = xp.argsort(d, axis=-1, kind="stable")  # ties in order, as jax.numpy
    srt = take_along_axis(flat, order, -1)
    if weights is not None:
        wflat = data(_r._to_last(weights, every)[0])
        weights = xp.take_along_axis(wflat, data(order), -1)
    k = shape(flat)[-1]
    rest = shape(flat)[:-1]
    if d.dtype.kind in "fc" and _vc.tracing():
        # as primitives, so that a compiled program finds the NaN of each call (NumPy's
        # ufuncs on raw arrays are not recorded)
        nan = _r.isnan(flat)
        has_nan = data(_r.any(nan, axis=-1))
        n = xp.full(rest, k)
        if ignore_nan:  # positions are computed from the counts on raw arrays: a program
            n = data(_r.sum(_r.logical_not(nan), axis=-1))  # holds those of the trace
            _vc.keep_branch("nan-ignoring quantile/median: the count of NaN per slice "
                            "(the positions read)", True,
                            lambda xp, now, then: xp.all(now == then), n, n.copy())
    elif d.dtype.kind in "fc":
        nan = xp.isnan(d)
        has_nan = xp.any(nan, axis=-1)
        n = xp.sum(~nan, axis=-1) if ignore_nan else xp.full(rest, k)
    else:
        has_nan = xp.zeros(rest, dtype=bool)
        n = xp.full(rest, k)
    if weights is not None:
        return srt, n, has_nan, rest, ax, weights
    return srt, n, has_nan, rest, ax


def _gather(srt, idx, rest, qshape):
    """``srt[..., idx]`` for ``idx`` of shape ``qshape + rest``: result ``qshape + rest``."""
    from . import _take_along_axis_in_range as take_along_axis  # positions within a slice

    xp = _r._xp(idx)
    nq = len(qshape)
    nr = len(rest)
    m = 1
    for v in qshape:
        m *= v
    idx2 = xp.reshape(idx, (m,) + tuple(rest))
    idx2 = xp.moveaxis(idx2, 0, -1) if nr else idx2
    v = take_along_axis(srt, idx2, -1)  # rest + (m,)
    if nr:
        v = _r.transpose(v, (nr,) + tuple(range(nr)))
    return reshape(v, tuple(qshape) + tuple(rest)) if nq or nr else reshape(v, ())


_CONTINUOUS = {"hazen": (0.5, 0.5), "weibull": (0, 0), "median_unbiased": (1 / 3.0, 1 / 3.0),
               "normal_unbiased": (3 / 8.0, 3 / 8.0), "interpolated_inverted_cdf": (0, 1)}


def _virtual_index(xp, n, q, method):
    if method in ("inverted_cdf", "averaged_inverted_cdf"):
        return n * q - 1
    if method == "closest_observation":
        return n * q - 1 - 0.5
    if method in ("linear", "midpoint"):
        vi = (n - 1) * q
        if method == "midpoint":
            vi = 0.5 * (xp.floor(vi) + xp.ceil(vi))
        return vi
    if method == "lower":
        return xp.floor((n - 1) * q)
    if method == "higher":
        return xp.ceil((n - 1) * q)
    if method == "nearest":
        return xp.around((n - 1) * q)
    if method in _CONTINUOUS:
        alpha, beta = _CONTINUOUS[method]
        return n * q + (alpha + q * (1 - alpha - beta)) - 1
    raise _bad_method(method, "quantile")


def _bad_method(method, name):
    return ValueError(f"{name}: {method!r} is not a valid method; use one of "
                      f"{', '.join(_METHODS)}")


_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
            *_CONTINUOUS, "linear", "lower", "higher", "midpoint", "nearest")


def _discrete_index(xp, vi, method):
    """Hyndman and Fan's discontinuous methods 1 and 3: the order statistic below ``vi``
    where ``vi`` is a whole number (closest_observation: an even one, 1-based), else the one
    above; never below the first."""
    prev = xp.floor(vi)
    whole = (vi - prev) == 0
    if method == "closest_observation":
        whole = whole & (prev % 2 == 1)
    return xp.maximum(xp.where(whole, prev, prev + 1), 0)


def _quantile(a, q, axis, method, keepdims, ignore_nan, name, weak=None, weights=None):
    from ..batching.composites import batched, over_levels, shift_axes

    if batched(q) and not batched(a, weights):  # vmap over q: its levels lead q's shape
        return over_levels(lambda u, k: _quantile(a, u, axis, method, keepdims, ignore_nan,
                                                  name, weak, weights), [q], name)
    if batched(a, weights):  # vmap: the levels become leading axes of one call
        if batched(q):
            raise TypeError(f"{name} inside gpuad.vmap: q and the data cannot both differ "
                            f"from example to example; vmap over one of them")
        nd = ndim(a)
        if weights is not None:  # of a's shape, so that the levels lead both alike
            weights = _r.broadcast_to(_quantile_weights(a, weights, axis, method, name),
                                      shape(a))
            a = _arr(a)
            if not isinstance(a, Tensor):  # (a Tensor gets the levels of the weights)
                a = Tensor(a)
        return over_levels(lambda u, w, k: _quantile(
            u, q, shift_axes(axis, nd, k), method, keepdims, ignore_nan, name, weak,
            None if w is None else _r.broadcast_to(w, shape(u))),
            [a, weights], name, offset=_np.ndim(data(q)))
    if method is None:
        method = "linear"
    a = _arr(a)
    if data(a).dtype.kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers (got {data(a).dtype})")
    if method not in _METHODS:
        raise _bad_method(method, name)
    if weights is not None:
        weights = _quantile_weights(a, weights, axis, method, name)
    if ignore_nan and 0 in shape(a):  # NumPy's: nanmean's NaNs (q's shape is not kept)
        from . import nanmean

        return nanmean(a, axis, keepdims=keepdims)
    # linear and the continuous methods are affine in q between order statistics: their
    # derivative in q is the slope there (the right one at a kink); the other methods are
    # piecewise constant in q (derivative zero), as in JAX
    q_diff = (isinstance(q, Tensor) and (q.requires_grad or bool(q._tan))
              and (method == "linear" or method in _CONTINUOUS))
    if weak is None:  # a Python number: NumPy's weak promotion for the result type
        weak = type(q) in (int, float)
    if weights is not None:
        srt, n, has_nan, rest, ax, wsrt = _sorted_last(a, axis, ignore_nan, weights)
    else:
        srt, n, has_nan, rest, ax = _sorted_last(a, axis, ignore_nan)
    xp = _r._xp(n)
    qarr = xp.asarray(data(q))
    if qarr.dtype.kind not in "fiub":
        raise TypeError(f"{name}: q must be real numbers, got dtype {qarr.dtype}")
    if qarr.ndim > 2:
        raise ValueError(f"{name}: q must be a scalar or 1d (at most 2-d, NumPy's rule), got "
                         f"shape {qarr.shape}")
    _vc.fail_if(f"{name}_q", lambda xp, q: ~((q >= 0) & (q <= 1)), lambda: ValueError(
        f"{name}: quantiles must be in the range [0, 1] (NaN is not)"), qarr)
    if qarr.dtype.kind == "b":
        qarr = qarr.astype(_np.int64)
    qshape = qarr.shape
    nr = len(rest)
    dt = data(srt).dtype

    def positions(n, qarr):  # on raw arrays: one step under gpuad.jit, computed each call
        qb = xp.reshape(qarr, qshape + (1,) * nr)
        nb = xp.asarray(n).astype(qarr.dtype)
        vi = _virtual_index(xp, nb, qb, method)
        vi = xp.broadcast_to(vi, qshape + tuple(rest))
        if method in ("inverted_cdf", "closest_observation"):
            k = _discrete_index(xp, vi, method).astype(_np.intp)
            return k, k, None, None, None
        nmax = xp.broadcast_to(nb, vi.shape)
        prev = xp.floor(vi)
        nxt = prev + 1
        above = vi >= nmax - 1
        below = vi < 0
        last = xp.maximum(nmax - 1, 0)
        prev = xp.where(above, last, xp.where(below, 0, prev))
        nxt = xp.where(above, last, xp.where(below, 0, nxt))
        gamma = vi - prev
        if method == "midpoint":
            gamma = xp.where(vi % 1 == 0, 0.0, 0.5).astype(vi.dtype)
        elif method == "averaged_inverted_cdf":  # the mean of two at a whole vi (NumPy's
            # vi - prev: above the last, prev is -1 there, so never a whole number)
            whole = (gamma == 0) & ~above
            gamma = xp.where(whole, 0.5, 1.0).astype(vi.dtype)
        t, t1 = gamma, 1 - gamma
        if weak:  # NumPy uses a Python float weight: it takes the data's float dtype
            wdt = dt if dt.kind == "f" else _np.dtype(_np.float64)
            t, t1 = t.astype(wdt), t1.astype(wdt)
        return prev.astype(_np.intp), nxt.astype(_np.intp), t, t1, gamma >= 0.5

    if weights is not None:
        prev = _weighted_positions(wsrt, n, qarr, qshape, rest, ignore_nan, name)
    else:
        prev, nxt, t, t1, upper = _vc.computed("quantile_positions", positions, n, qarr)
    # integer virtual indices (integer q: (n - 1) * q in q's dtype) with "linear" take
    # elements, as NumPy does
    integer = weights is not None or method in _TAKES or (
        method == "linear" and qarr.dtype.kind in "iu")
    lo = _gather(srt, prev, rest, qshape)
    if integer:
        res = lo
    else:
        hi = _gather(srt, nxt, rest, qshape)
        diff = hi - lo
        if q_diff and not integer:  # the same arithmetic as positions(), on the Tensor q
            nb = xp.asarray(n).astype(qarr.dtype)
            vi = _virtual_index(xp, nb, reshape(q, qshape + (1,) * nr), method)
            t = vi - xp.asarray(prev, dtype=qarr.dtype)
            t1 = 1 - t
        res = where(upper, hi - diff * t1, lo + diff * t)
        if q_diff and not integer:
            res = _left_slope_at_top(res, srt, hi, vi, nb, rest, qshape, xp)
    bad = (n == 0) if ignore_nan else has_nan
    bad = xp.broadcast_to(bad, qshape + tuple(rest))
    if _vc.tracing() or bool(xp.any(bad)):  # compiled: for every value, not the traced
        res = where(bad, _np.nan, res)
    if keepdims:
        res = reshape(res, tuple(qshape) + _r._kept_shape(shape(a), ax))
    return res


# the methods whose result is one of the values (of the data's dtype, as NumPy's take)
_TAKES = ("lower", "higher", "nearest", "inverted_cdf", "closest_observation")


def _quantile_weights(a, weights, axis, method, name):
    """NumPy's checks of ``weights=``, which only ``inverted_cdf`` reads: the shape of ``a``
    or of ``a``'s shape along ``axis`` (in that axis order), non-negative; a raw array that
    broadcasts against ``a``. The result is piecewise constant in the weights, so they are
    constants (a Tensor's gradient is zero, the derivative wherever it exists)."""
    from ._more_names import _weights_along

    if method != "inverted_cdf":
        raise ValueError(f"{name}: only method 'inverted_cdf' supports weights, got "
                         f"{method!r} (NumPy's rule)")
    w = data(weights)
    xp = _r._xp(data(a))
    w = w if isinstance(w, Tensor) else xp.asarray(w)  # (a Tensor when traced by gpuad.jit)
    if shape(w) != shape(a):
        if axis is None:
            raise TypeError(f"{name}: axis must be specified when the shapes of a "
                            f"{shape(a)} and weights {shape(w)} differ")
        w = _weights_along(a, w, axis, name)
    _vc.fail_if(f"{name}_weights", lambda xp, w: w < 0, lambda: ValueError(
        f"{name}: weights must be non-negative"), w)
    return data(_r.broadcast_to(w, shape(a)))


def _weighted_positions(wsrt, n, qarr, qshape, rest, ignore_nan, name):
    """The position in each sorted slice of NumPy's weighted ``inverted_cdf``: the first
    value whose share of the weight, summed from the smallest on, reaches ``q``. NaN values
    (last in the sorted slice) weigh nothing in the NaN-ignoring functions."""
    nr = len(rest)

    def cdf_of(w, n):
        xp = _r._xp(w)
        if ignore_nan:
            w = xp.where(xp.arange(w.shape[-1]) < xp.asarray(n)[..., None], w, 0)
        cdf = xp.cumsum(w, axis=-1, dtype=_np.float64)
        return cdf, cdf[..., -1:]

    def bad(xp, w, n):  # NumPy's check: the total is not a positive finite number
        total = cdf_of(w, n)[1][..., 0]
        wrong = ~xp.isfinite(total) | (total == 0)
        return wrong & (xp.asarray(n) > 0) if ignore_nan else wrong

    _vc.fail_if(f"{name}_weights_sum", bad, lambda: ValueError(
        f"{name}: weights included NaN, inf or were all zero"), wsrt, n)

    def positions(w, n, qarr):  # on raw arrays: one step under gpuad.jit
        xp = _r._xp(w)
        cdf, total = cdf_of(w, n)
        cdf = cdf / xp.where(total == 0, 1, total)  # (0 only for an all-NaN slice: NaN)
        if qarr.dtype.kind == "f":  # compared in q's precision, as NumPy
            cdf = cdf.astype(qarr.dtype)
        cdf = xp.where(cdf == 0, -1, cdf)  # leading zero weights never chosen (q = 0 too)
        qb = xp.reshape(qarr, qshape + (1,) * (nr + 1))
        below = xp.sum(cdf < qb, axis=-1)  # searchsorted(cdf, q, side="left")
        last = xp.maximum(xp.asarray(n) - 1, 0)
        return xp.minimum(below, last).astype(_np.intp)

    return _vc.computed("quantile_weighted_positions", positions, wsrt, n, qarr)


def _left_slope_at_top(res, srt, hi, vi, nb, rest, qshape, xp):
    """At q = 1 (the last order statistic exactly) the slope from below: q's domain ends
    there, so the one-sided derivative is the left one. ``vi - (n - 1)`` is exactly 0 there:
    the value stays the last order statistic (left as it was where the slope is not finite)."""
    vd = data(vi)
    top = (vd == nb - 1) & (nb >= 2)
    if not (_vc.tracing() or bool(xp.any(top))):
        return res
    below = xp.broadcast_to(xp.maximum(nb - 2, 0), qshape + tuple(rest)).astype(_np.intp)
    slope = hi - _gather(srt, below, rest, qshape)
    top = top & xp.isfinite(data(slope))
    return where(top, hi + where(top, slope, 0) * (vi - (nb - 1)), res)


@_writes_out
def quantile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False, *, weights=None, interpolation=None):
    """The ``q``-th quantiles (``q`` in [0, 1]) over ``axis``, NumPy's methods (default
    ``linear``); the adjoint goes to the elements interpolated between.

    Example: ``gnp.quantile(x, [0.25, 0.75], axis=0)``
    """
    return _quantile(a, q, axis, interpolation or method, keepdims, False, "quantile",
                     weights=weights)


@_writes_out
def percentile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False, *, weights=None, interpolation=None):
    """The ``q``-th percentiles (``q`` in [0, 100]). Example: ``gnp.percentile(x, 90)``"""
    return _quantile(a, _percent(q), axis, interpolation or method,
                     keepdims, False, "percentile", type(q) in (int, float), weights)


@_writes_out
def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None,
                interpolation=None):
    """``quantile`` over the non-NaN elements. Example: ``gnp.nanquantile(x, 0.5)``"""
    return _quantile(a, q, axis, interpolation or method, keepdims, True, "nanquantile",
                     weights=weights)


@_writes_out
def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None,
                  interpolation=None):
    """``percentile`` over the non-NaN elements. Example: ``gnp.nanpercentile(x, 50)``"""
    return _quantile(a, _percent(q), axis, interpolation or method,
                     keepdims, True, "nanpercentile", type(q) in (int, float), weights)


def _percent(q):
    if isinstance(q, Tensor):  # (differentiated or batched by vmap) divided as a Tensor
        return q / 100
    return _np.true_divide(q.get() if hasattr(q, "get") else _np.asarray(q), 100)


def _median(a, axis, keepdims, ignore_nan):
    from ..batching.composites import batched, over_levels, shift_axes

    if batched(a):  # vmap: the levels become leading axes of one call
        nd = ndim(a)
        return over_levels(lambda u, k: _median(u, shift_axes(axis, nd, k), keepdims,
                                                ignore_nan), [a], "median")
    a = _arr(a)
    srt, n, has_nan, rest, ax = _sorted_last(a, axis, ignore_nan)
    xp = _r._xp(n)
    if data(srt).dtype.kind not in "fc":  # the middle two added in float64, as NumPy's mean
        srt = _r.astype(srt, _np.float64) if isinstance(srt, Tensor) else \
            data(srt).astype(_np.float64)
    if shape(srt)[-1] == 0:  # empty slices: NaN (NumPy warns)
        res = _r.sum(srt, -1) * _np.nan
        return reshape(res, _r._kept_shape(shape(a), ax)) if keepdims else res
    n = xp.asarray(n)
    lo = xp.maximum((n - 1) // 2, 0)
    hi = xp.maximum(n // 2, 0)
    a_lo = _gather(srt, lo, rest, ())
    a_hi = _gather(srt, hi, rest, ())
    res = (a_lo + a_hi) / 2
    bad = (n == 0) if ignore_nan else has_nan
    if _vc.tracing() or bool(xp.any(bad)):  # compiled: for every value, not the traced
        res = where(bad, _np.nan, res)
    if keepdims:
        res = reshape(res, _r._kept_shape(shape(a), ax))
    return res


@_writes_out
def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """Median over ``axis`` (int, tuple or None): the middle of the sorted values, the mean
    of the two middle ones for an even count; the adjoint goes to those elements.

    Example: ``gnp.median(x, axis=0)``
    """
    return _median(a, axis, keepdims, False)


@_writes_out
def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
    """Median of the non-NaN elements (NaN for an all-NaN slice). Example: ``gnp.nanmedian(x)``"""
    return _median(a, axis, keepdims, True)


# ---- covariance -------------------------------------------------------------------------------


def _check_inexact(dtype, name):
    """cov/corrcoef compute in ``dtype``: an integer or boolean one cannot hold the centred
    values (NumPy raises a casting error there, JAX a ValueError)."""
    if dtype is not None and _np.dtype(dtype).kind not in "fc":
        raise TypeError(f"{name}: dtype must be a floating-point or complex type, got "
                        f"{_np.dtype(dtype)}; pass dtype=float (or leave it None)")


def _ndmin2(a, dtype):
    _check_inexact(dtype, "cov")
    a = _arr(a)
    if dtype is None:  # NumPy's: at least float64 (float32 data too)
        dtype = _np.result_type(data(a).dtype, _np.float64)
    if _np.dtype(dtype) != data(a).dtype:
        a = _r.astype(a, dtype) if isinstance(a, Tensor) else data(a).astype(dtype)
    if ndim(a) > 2:
        raise ValueError("cov: m has more than 2 dimensions")
    return reshape(a, (1,) * (2 - ndim(a)) + shape(a)) if ndim(a) < 2 else a


def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None, fweights=None,
        aweights=None, *, dtype=None):
    """Covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``
    (and ``y``), with NumPy's ``ddof``, ``fweights`` (constants) and ``aweights``
    (differentiable when a Tensor that requires grad).

    Example: ``gnp.cov(x, rowvar=False)``
    """
    x = _ndmin2(m, dtype)
    if not rowvar and ndim(m) != 1:  # NumPy 2.2: a (1, n) m is n variables
        x = _r.transpose(x)
    if y is not None:
        yy = _ndmin2(y, dtype)
        if not rowvar and shape(yy)[0] != 1:
            yy = _r.transpose(yy)
        x = concatenate([x, yy], 0)
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof must be an integer, got {ddof!r}")
    if ddof is None:
        ddof = 0 if bias else 1
    xp = _r._xp(data(x))
    _check_weights(fweights, "fweights", shape(x)[1])
    _check_weights(aweights, "aweights", shape(x)[1])
    w = None
    if fweights is not None:
        w = xp.asarray(data(fweights), dtype=_np.float64)
    if isinstance(aweights, Tensor):  # recorded (traced by gpuad.jit too)
        w, w_sum, inv_fact = _differentiated_weights(aweights, w, ddof)
    elif aweights is not None:
        aw = xp.asarray(data(aweights), dtype=_np.float64)
        w = aw if w is None else w * aw
    nobs = shape(x)[1]
    if w is not None:
        _vc.fail_if("cov_weights_sum", lambda xp, v: xp.sum(v) == 0, lambda: ZeroDivisionError(
            "cov: the weights sum to zero, can't be normalized"), _r._xp(data(w)).asarray(data(w)))
    if w is None:
        avg = _r.sum(x, 1) / nobs
        fact = nobs - ddof
    elif isinstance(w, Tensor):
        avg = _r.sum(x * w, 1) / w_sum
    else:
        def sums(w, aw):  # on raw arrays: one step under gpuad.jit, computed on each call
            w_sum = xp.sum(w)
            if ddof == 0:
                f = w_sum
            elif aw is None:
                f = w_sum - ddof
            else:
                f = w_sum - ddof * xp.sum(w * aw) / w_sum
            inv = xp.where(f > 0, 1.0 / xp.where(f > 0, f, 1.0), _np.inf)  # 1 / max(f, 0)
            dt = _np.finfo(data(x).dtype).dtype  # a Python float's: the data's precision
            return w_sum.astype(dt), inv.astype(dt)

        w_sum, inv_fact = _vc.computed("cov_weights", sums, w,
                                       aw if aweights is not None else None)
        avg = _r.sum(x * w, 1) / w_sum
    if w is None:
        fact = max(fact, 0)
        inv_fact = _np.inf if fact == 0 else 1.0 / fact
    xc = x - getitem(avg, (slice(None), None))
    xt = _r.transpose(xc * w if w is not None else xc)
    if data(xt).dtype.kind == "c":  # NumPy's: the second factor conjugated
        from . import conj

        xt = conj(xt)
    with _np.errstate(divide="ignore"):
        c = _r.matmul(xc, xt) * inv_fact
    from . import squeeze

    return squeeze(c)


def _check_weights(w, name, nobs):
    """NumPy's checks of cov's weights: 1-D, one per observation, not negative, and integer
    frequencies (a silent wrong covariance otherwise)."""
    if w is None:
        return
    if ndim(w) > 1:
        raise RuntimeError(f"cov: cannot handle multidimensional {name} (shape {shape(w)})")
    if ndim(w) == 0 or shape(w)[0] != nobs:
        raise RuntimeError(f"cov: incompatible numbers of samples ({nobs}) and {name} "
                           f"(shape {shape(w)})")
    w = _r._xp(data(w)).asarray(data(w))
    if name == "fweights":
        _vc.fail_if("cov_fweights", lambda xp, v: v != xp.around(v),
                    lambda: TypeError("cov: fweights must be integer"), w)
    _vc.fail_if(f"cov_{name}", lambda xp, v: v < 0,
                lambda: ValueError(f"cov: {name} cannot be negative"), w)


def _differentiated_weights(aweights, fw, ddof):
    """cov's weights, their sum and 1 / (degrees of freedom), recorded: ``aweights`` is being
    differentiated (the normalisation depends on it as NumPy's formula says)."""
    from .. import numpy as gnp

    aw = gnp.asarray(aweights, dtype=_np.float64)
    w = aw if fw is None else aw * fw
    w_sum = gnp.sum(w)
    if ddof == 0:
        f = w_sum
    else:
        f = w_sum - ddof * gnp.sum(w * aw) / w_sum
    pos = f > 0
    return w, w_sum, gnp.where(pos, 1.0 / gnp.where(pos, f, 1.0), _np.inf)


def corrcoef(x, y=None, rowvar: bool = True, *, dtype=None):
    """Pearson correlation coefficients (``cov`` normalised, clipped to [-1, 1]).

    Example: ``gnp.corrcoef(x, y)``
    """
    _check_inexact(dtype, "corrcoef")
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim(c) == 0:
        return c / c
    from . import diag

    if data(c).dtype.kind == "c":  # NumPy's: the real diagonal; each part clipped
        from . import imag, real

        sd = _r.sqrt(real(diag(c)))
        c = c / getitem(sd, (slice(None), None))
        c = c / getitem(sd, (None, slice(None)))
        return _r.clip(real(c), -1, 1) + 1j * _r.clip(imag(c), -1, 1)
    sd = _r.sqrt(diag(c))
    c = c / getitem(sd, (slice(None), None))
    c = c / getitem(sd, (None, slice(None)))
    return _r.clip(c, -1, 1)


# ---- interpolation, integration, convolution ------------------------------------------------


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of ``(xp, fp)`` at ``x``; differentiable in ``x``,
    ``xp`` and ``fp`` (one-sided, from the right, at the knots). ``left`` or ``right``
    ``"extrapolate"`` extends the first or last segment's line, as in ``jax.numpy.interp``.

    Example: ``gnp.interp(x, [0.0, 1.0, 2.0], [0.0, 1.0, 4.0], right="extrapolate")``
    """
    from . import _take_in_range as take  # sorted positions: in range

    for name, v in (("left", left), ("right", right)):
        if isinstance(v, str) and v != "extrapolate":
            raise ValueError(f"interp: the only string value of {name} is 'extrapolate', "
                             f"got {v!r}")
    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    for name, v in (("x", x), ("xp", xp)):
        if data(v).dtype.kind == "c":  # NumPy's TypeError (it reads them as float64)
            raise TypeError(f"interp: {name} must be real, got {data(v).dtype} values")
    # booleans as float64, as NumPy reads them (float32 stays float32, as in CuPy, JAX and
    # torch: tests/conformance/test_numpy_lib_suite.py)
    x, xp, fp = (_as_dtype(v, _np.float64) if data(v).dtype.kind == "b" else v
                 for v in (x, xp, fp))
    if ndim(xp) != 1 or ndim(fp) != 1:
        raise ValueError("interp: xp and fp must be 1-D sequences")
    if shape(xp)[0] != shape(fp)[0]:
        raise ValueError(f"interp: fp and xp are not of the same length ({shape(fp)[0]} and "
                         f"{shape(xp)[0]})")
    if shape(xp)[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    bk = _r._xp(data(xp))
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = builtins.abs(period)
        left = right = None
        x = _r.mod(x, period)
        xp = _r.mod(xp, period)
        order = bk.argsort(data(xp))
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([_r.subtract(getitem(xp, slice(-1, None)), period), xp,
                          _r.add(getitem(xp, slice(0, 1)), period)], 0)
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(0, 1))], 0)
    # positions and masks through primitives, not operators on the raw arrays: gpuad.jit
    # records them, so a compiled interp follows x and xp to other intervals
    n = shape(xp)[0]
    f0, fn = getitem(fp, 0), getitem(fp, n - 1)
    first, last = getitem(data(xp), 0), getitem(data(xp), n - 1)
    lv = f0 if left is None else left
    rv = fn if right is None else right
    if n == 1:
        mid = f0
    else:
        pos = bk.searchsorted(data(xp), data(x), side="right")
        j = _r.minimum(_r.maximum(_r.subtract(pos, 1), 0), n - 2)
        x0, x1 = take(xp, j), take(xp, _r.add(j, 1))
        y0, y1 = take(fp, j), take(fp, _r.add(j, 1))
        slope = _r.divide(_r.subtract(y1, y0), _r.subtract(x1, x0))
        mid = _r.add(_r.multiply(slope, _r.subtract(x, x0)), y0)
        # NumPy's fallbacks where that is NaN (infinite values in fp or xp): from the right
        # knot, then the common value of a flat segment or the value at an exact knot
        alt = _r.add(_r.multiply(slope, _r.subtract(x, x1)), y1)
        alt = where(_r.logical_and(_r.isnan(data(alt)), _r.equal(data(y0), data(y1))), y0, alt)
        alt = where(_r.equal(data(x), data(x0)), y0, alt)
        mid = where(_r.logical_and(_r.isnan(data(mid)), _r.logical_not(_r.isnan(data(x)))),
                    alt, mid)
        mid = where(_r.equal(data(x), last), fn, mid)
    # (the clamped segment index extends the first and last segments beyond the knots)
    lv = mid if isinstance(lv, str) else lv
    rv = mid if isinstance(rv, str) else rv
    res = where(_r.less(data(x), first), lv, where(_r.greater(data(x), last), rv, mid))
    return res


def _as_dtype(v, dt):
    if data(v).dtype == dt:
        return v
    return _r.astype(v, dt) if isinstance(v, Tensor) else v.astype(dt)


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
    """Integral of ``y`` by the trapezoidal rule along ``axis`` (samples at ``x`` or spaced
    ``dx``); differentiable in ``y``, ``x`` and ``dx``. Example: ``gnp.trapezoid(y, x)``"""
    from . import diff

    y = _arr(y)
    nd = ndim(y)
    given = axis
    axis = one_axis(axis, nd, "trapezoid")
    if x is None:
        d = dx
    else:
        x = _arr(x)
        if ndim(x) == 1:
            d = diff(x)
            s = [1] * nd
            s[axis] = shape(d)[0]
            d = reshape(d, tuple(s))
        else:
            # NumPy's: the axis as given, counted in x's own dimensions (x broadcasts with y)
            d = diff(x, axis=one_axis(given, ndim(x), "trapezoid"))
    m = shape(y)[axis]
    y1 = _r._take_axis(y, 1, m, axis)
    y0 = _r._take_axis(y, 0, builtins.max(m - 1, 0), axis)
    return _r.sum(d * (y1 + y0) / 2.0, axis)


_MODES = {0: "valid", 1: "same", 2: "full"}  # NumPy's integer modes


def _mode(mode, what: str) -> str:
    """``mode`` of ``numpy.correlate``/``convolve``: a name, or NumPy's 0, 1, 2."""
    if isinstance(mode, int | _np.integer) and not isinstance(mode, bool) and int(mode) in _MODES:
        return _MODES[int(mode)]
    if mode in ("valid", "same", "full"):
        return mode
    raise ValueError(f"{what}: mode must be 'valid', 'same' or 'full' (or NumPy's 0, 1, 2), "
                     f"not {mode!r}")


def _correlate_long_short(a, v, mode):
    """Correlation c[k] = sum_j a[k + j] v[j] of 1-D ``a`` (n) and ``v`` (m <= n), mode as
    ``numpy.correlate``: one gather of the sliding windows and one matrix-vector product."""
    n, m = shape(a)[0], shape(v)[0]
    bk = _r._xp(data(a))
    if mode == "valid":
        start, length = 0, n - m + 1
        pad_l, pad_r = 0, 0
    elif mode == "same":
        pad_l = m // 2
        pad_r = m - 1 - pad_l
        start, length = 0, n
    elif mode == "full":
        pad_l = pad_r = m - 1
        start, length = 0, n + m - 1
    else:
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', not {mode!r}")
    if pad_l or pad_r:
        dt = _np.result_type(data(a).dtype, data(v).dtype)
        parts = []
        if pad_l:
            parts.append(bk.zeros((pad_l,), dtype=dt))
        parts.append(a)
        if pad_r:
            parts.append(bk.zeros((pad_r,), dtype=dt))
        a = concatenate(parts, 0)
    idx = bk.arange(start, start + length)[:, None] + bk.arange(m)[None, :]
    return _r.matmul(getitem(a, idx), v)


def _vec(a, name):
    a = _arr(a)
    if ndim(a) == 0 and name == "convolve":  # NumPy's convolve takes a scalar, correlate not
        a = reshape(a, (1,))
    if ndim(a) == 0:
        raise ValueError(f"{name}: object of too small depth for desired array (inputs must "
                         f"be 1-D)")
    if ndim(a) != 1:
        raise ValueError(f"{name}: object too deep for desired array (inputs must be 1-D)")
    if shape(a)[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    return a


def _typed(a, v, preferred_element_type, op: str):
    """jax.numpy's ``preferred_element_type``: the dtype the sums are computed in."""
    if preferred_element_type is None:
        return a, v
    dt = _np.dtype(preferred_element_type)
    for x in (a, v):
        have = data(x).dtype
        if have.kind == "c" and dt.kind != "c" or _np.promote_types(have, dt) != dt:
            raise TypeError(f"{op}: preferred_element_type {dt} is narrower than the input "
                            f"type {have}")
    return tuple(x if data(x).dtype == dt else _r.astype(x, dt) for x in (a, v))


def correlate(a, v, mode: str = "valid", *, precision: Any = None,
              preferred_element_type: Any = None):
    """Cross-correlation of two 1-D sequences, as ``numpy.correlate``:
    ``c[k] = sum_n a[n + k] conj(v[n])`` (the second sequence conjugated). ``precision``
    (jax.numpy's) changes nothing: the sums are in the inputs' precision;
    ``preferred_element_type`` is the result's dtype.

    Example: ``gnp.correlate(x, k, mode="same")``
    """
    from . import conj, flip

    mode = _mode(mode, "correlate")
    a, v = _vec(a, "correlate"), _vec(v, "correlate")
    a, v = _typed(a, v, preferred_element_type, "correlate")
    if data(v).dtype.kind == "c":
        v = conj(v)
    if shape(a)[0] < shape(v)[0]:
        return flip(_correlate_long_short(v, a, mode), 0)
    return _correlate_long_short(a, v, mode)


def convolve(a, v, mode: str = "full", *, precision: Any = None,
             preferred_element_type: Any = None):
    """Discrete linear convolution of two 1-D sequences, as ``numpy.convolve``
    (``precision`` and ``preferred_element_type`` as in ``correlate``).

    Example: ``gnp.convolve(x, k)``
    """
    from . import flip

    mode = _mode(mode, "convolve")
    a, v = _vec(a, "convolve"), _vec(v, "convolve")
    a, v = _typed(a, v, preferred_element_type, "convolve")
    if shape(v)[0] > shape(a)[0]:
        a, v = v, a
    return _correlate_long_short(a, flip(v, 0), mode)


def gradient(f, *varargs, axis=None, edge_order: int = 1):
    """Second-order central differences inside, one-sided differences of order
    ``edge_order`` at the boundaries, as ``numpy.gradient`` (spacing: scalars or coordinate
    arrays). Differentiable in ``f`` and in the spacing. Example: ``gnp.gradient(y, dx)``"""
    f = _arr(f)
    if data(f).dtype.kind in "iu":  # in floats, as NumPy's: no modular differences
        f = _r.astype(f, _np.float64)
    elif data(f).dtype.kind == "M":  # NumPy's: datetimes differ as timedeltas of their unit
        f = data(f).view(data(f).dtype.name.replace("datetime", "timedelta"))
    nd = ndim(f)
    axes = tuple(range(nd)) if axis is None else norm_axis(axis, nd) if not isinstance(
        axis, int) else (one_axis(axis, nd, "gradient"),)
    if axis is not None and not isinstance(axis, int):
        axes = tuple(a % nd for a in axis)  # in the order given (norm_axis checked them)
    n = len(axes)
    if len(varargs) == 0:
        dxs = [1.0] * n
    elif len(varargs) == 1 and ndim(varargs[0]) == 0:
        dxs = list(varargs) * n
    elif len(varargs) == n:
        dxs = list(varargs)
    else:
        raise TypeError("gradient: invalid number of spacing arguments")
    if edge_order > 2 or edge_order < 1:
        raise ValueError("gradient: edge_order must be 1 or 2")
    out = []
    for ax, dx in zip(axes, dxs, strict=True):
        m = shape(f)[ax]
        if m < edge_order + 1:
            raise ValueError("gradient: shape of the array too small to calculate a numerical "
                             "gradient, at least (edge_order + 1) elements are required")
        out.append(_gradient_axis(f, ax, dx, edge_order, m))
    return out[0] if n == 1 else tuple(out)  # (a tuple, as NumPy 2)


def _gradient_axis(f, ax, dx, edge_order, m):
    bk = _r._xp(data(f))
    nd = ndim(f)

    def sl(a, b):
        return _r._take_axis(f, a, b, ax)

    def bcast(c):
        s = [1] * nd
        s[ax] = -1
        return bk.reshape(c, s)

    dxd = data(dx)
    if isinstance(dx, Tensor) and (dx.requires_grad or dx._tan):
        return _gradient_axis_recorded(f, ax, dx, edge_order, m)
    uniform = _np.ndim(dxd) == 0
    _vc.host_read("gradient: the spacing" if uniform else "gradient: a coordinate array", dx)
    if not uniform:
        xv = bk.asarray(dxd, dtype=_np.float64)
        if xv.ndim != 1 or xv.shape[0] != m:
            raise ValueError("gradient: when 1d, distances must match the length of the "
                             "corresponding dimension")
        ddx = bk.diff(xv)
        if bool(bk.all(ddx == ddx[0])):
            uniform, dxd = True, float(ddx[0])
        else:
            dxs = ddx
    if uniform:
        h = float(dxd)
        inner = (sl(2, m) - sl(0, m - 2)) / (2.0 * h)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h
            last = (sl(m - 1, m) - sl(m - 2, m - 1)) / h
        else:
            first = -1.5 / h * sl(0, 1) + 2.0 / h * sl(1, 2) - 0.5 / h * sl(2, 3)
            last = 0.5 / h * sl(m - 3, m - 2) - 2.0 / h * sl(m - 2, m - 1) + 1.5 / h * sl(m - 1,
                                                                                      m)
    else:
        dx1, dx2 = dxs[:-1], dxs[1:]
        a = bcast(-dx2 / (dx1 * (dx1 + dx2)))
        b = bcast((dx2 - dx1) / (dx1 * dx2))
        c = bcast(dx1 / (dx2 * (dx1 + dx2)))
        inner = a * sl(0, m - 2) + b * sl(1, m - 1) + c * sl(2, m)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / float(dxs[0])
            last = (sl(m - 1, m) - sl(m - 2, m - 1)) / float(dxs[-1])
        else:
            d1, d2 = float(dxs[0]), float(dxs[1])
            a0 = -(2.0 * d1 + d2) / (d1 * (d1 + d2))
            b0 = (d1 + d2) / (d1 * d2)
            c0 = -d1 / (d2 * (d1 + d2))
            first = a0 * sl(0, 1) + b0 * sl(1, 2) + c0 * sl(2, 3)
            d1, d2 = float(dxs[-2]), float(dxs[-1])
            a1 = d2 / (d1 * (d1 + d2))
            b1 = -(d2 + d1) / (d1 * d2)
            c1 = (2.0 * d2 + d1) / (d2 * (d1 + d2))
            last = a1 * sl(m - 3, m - 2) + b1 * sl(m - 2, m - 1) + c1 * sl(m - 1, m)
    r = concatenate([first, inner, last], ax)
    # float64 coordinates leave a float32 (complex64) ``f``'s precision, as NumPy's
    return r if data(r).dtype == data(f).dtype else _r.astype(r, data(f).dtype)


def _gradient_axis_recorded(f, ax, dx, edge_order, m):
    """``_gradient_axis`` for a spacing being differentiated: the same formulas (the
    non-uniform ones for coordinates, also where they are evenly spaced) as recorded ops."""
    from . import diff

    nd = ndim(f)

    def sl(a, b):
        return _r._take_axis(f, a, b, ax)

    if ndim(dx) == 0:
        h = dx
        inner = (sl(2, m) - sl(0, m - 2)) / (2.0 * h)
        if edge_order == 1:
            return concatenate([(sl(1, 2) - sl(0, 1)) / h, inner,
                                (sl(m - 1, m) - sl(m - 2, m - 1)) / h], ax)
        first = (-1.5 * sl(0, 1) + 2.0 * sl(1, 2) - 0.5 * sl(2, 3)) / h
        last = (0.5 * sl(m - 3, m - 2) - 2.0 * sl(m - 2, m - 1) + 1.5 * sl(m - 1, m)) / h
        return concatenate([first, inner, last], ax)
    if ndim(dx) != 1 or shape(dx)[0] != m:
        raise ValueError("gradient: when 1d, distances must match the length of the "
                         "corresponding dimension")

    def bc(t):
        return reshape(t, tuple(-1 if d == ax else 1 for d in range(nd)))

    d = diff(dx)
    dx1, dx2 = getitem(d, slice(0, m - 2)), getitem(d, slice(1, m - 1))
    inner = (bc(-dx2 / (dx1 * (dx1 + dx2))) * sl(0, m - 2)
             + bc((dx2 - dx1) / (dx1 * dx2)) * sl(1, m - 1)
             + bc(dx1 / (dx2 * (dx1 + dx2))) * sl(2, m))
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / getitem(d, 0)
        last = (sl(m - 1, m) - sl(m - 2, m - 1)) / getitem(d, m - 2)
    else:
        d1, d2 = getitem(d, 0), getitem(d, 1)
        first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * sl(0, 1)
                 + (d1 + d2) / (d1 * d2) * sl(1, 2) - d1 / (d2 * (d1 + d2)) * sl(2, 3))
        d1, d2 = getitem(d, m - 3), getitem(d, m - 2)
        last = (d2 / (d1 * (d1 + d2)) * sl(m - 3, m - 2) - (d2 + d1) / (d1 * d2)
                * sl(m - 2, m - 1) + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * sl(m - 1, m))
    r = concatenate([first, inner, last], ax)
    return r if data(r).dtype == data(f).dtype else _r.astype(r, data(f).dtype)


__all__ = ["nansum", "nanprod", "nancumsum", "nancumprod", "nanmean", "nanvar", "nanstd",
           "nanmax", "nanmin", "nanargmax", "nanargmin", "ptp", "quantile", "percentile",
           "nanquantile", "nanpercentile", "median", "nanmedian", "cov", "corrcoef", "interp",
           "trapezoid", "correlate", "convolve", "gradient"]
