"""``jax.nn``'s functions that reduce along axes: softmax, log_softmax, logsumexp, logmeanexp
and standardize, with JAX's ``axis`` (an int, a tuple or None) and ``where`` masks.

``where`` follows JAX: masked entries take no part in the reduction, get 0 from ``softmax``
and ``-inf`` from ``log_softmax``, and receive a zero derivative; a row with no entry left
gives 0 (``softmax``), ``-inf`` (``log_softmax``, ``logsumexp``) with zero derivatives.

Example::

    import gpuad.jax_nn as jnn
    p = jnn.softmax(logits, where=valid)
    lse = jnn.logsumexp(a, axis=1, b=w)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient

__all__ = ["softmax", "log_softmax", "logsumexp", "logmeanexp", "standardize"]

Array = Any
Axis = int | tuple[int, ...] | None


def _inexact(x: Array) -> Array:
    """``x`` as an array of a floating dtype (integers and booleans promoted to float64)."""
    x = gnp.asarray(x)
    return x if np.dtype(x.dtype).kind in "fc" else x.astype(np.float64)


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return tuple(int(a) % ndim if ndim else int(a) for a in axes)


def _masked(x: Array, where: Array | None, fill: float) -> Array:
    return x if where is None else gnp.where(where, x, fill)


def _no_axis_of_0d(axis: Axis, x: Array) -> None:
    """JAX refuses any axis of a 0-d array, where NumPy's sum and max take 0 and -1."""
    if axis is not None and not _r.shape(x):
        _r.norm_axis(axis, 0)


def _sum(x: Array, axis: Axis, where: Array | None) -> Array:
    _no_axis_of_0d(axis, x)
    return gnp.sum(_masked(x, where, 0.0), axis=axis, keepdims=True)


def _max_const(x: Array, axis: Axis, where: Array | None) -> Array:
    """The maximum of the included entries (keepdims), a constant; -inf where none is."""
    _no_axis_of_0d(axis, x)
    # (initial: an empty array has no entries and so no maximum; its softmax is empty too)
    return gnp.max(
        _masked(stop_gradient(x), where, -np.inf), axis=axis, keepdims=True, initial=-np.inf
    )


def _any(x: Array, axis: Axis, where: Array) -> Array:
    """True where a reduced row keeps at least one entry (keepdims)."""
    w = gnp.broadcast_to(gnp.asarray(stop_gradient(where)), _r.shape(x))
    return gnp.any(w, axis=axis, keepdims=True)


def softmax(x: Array, axis: Axis = -1, where: Array | None = None) -> Array:
    """``exp(x) / sum(exp(x))`` along ``axis`` (JAX's default: the last); ``where`` masks
    entries out (they become 0). A row of ``-inf`` without a mask gives NaN, as in JAX.

    Example: ``jnn.softmax(z, axis=(1, 2))``
    """
    x = _inexact(x)
    m = _max_const(x, axis, where)
    if where is None:
        u = gnp.exp(x - m)
        return u / _sum(u, axis, None)
    keep = _any(x, axis, where)
    m = gnp.where(keep, m, 0.0)  # rows with nothing left: finite shift, sum 1, result 0
    u = gnp.exp(gnp.where(where, x, -np.inf) - m)
    s = gnp.where(keep, _sum(u, axis, where), 1.0)
    return gnp.where(where, u / s, 0.0)


def log_softmax(x: Array, axis: Axis = -1, where: Array | None = None) -> Array:
    """``x - logsumexp(x)`` along ``axis``; masked entries (``where`` False) are ``-inf``.

    Example: ``jnn.log_softmax(z)``
    """
    x = _inexact(x)
    m = _max_const(x, axis, where)
    if where is None:
        shifted = x - m
        return shifted - gnp.log(_sum(gnp.exp(shifted), axis, None))
    keep = _any(x, axis, where)
    shifted = gnp.where(where, x, -np.inf) - gnp.where(keep, m, 0.0)
    s = gnp.where(keep, _sum(gnp.exp(shifted), axis, where), 1.0)
    return gnp.where(where, shifted - gnp.log(s), -np.inf)


def _squeeze(out: Array, axis: Axis, ndim: int, keepdims: bool) -> Array:
    if keepdims:
        return out
    return gnp.squeeze(out, axis=_axes(axis, ndim)) if ndim else gnp.reshape(out, ())


def logsumexp(
    a: Array,
    axis: Axis = None,
    b: Array | None = None,
    keepdims: bool = False,
    return_sign: bool = False,
    where: Array | None = None,
) -> Array | tuple[Array, Array]:
    """``log(sum(b * exp(a)))`` over ``axis`` (default all), stable for large ``|a|``.
    ``b`` weights the terms (a negative sum gives NaN unless ``return_sign``, which returns
    ``(log|sum|, sign)``); ``where`` leaves entries out. A row of ``-inf`` gives ``-inf``.

    Example: ``jnn.logsumexp(a, axis=-1, keepdims=True)``
    """
    a = _inexact(a)
    if where is not None:
        a = gnp.where(where, a, 0.0)
    if b is not None:
        a = gnp.where(gnp.not_equal(stop_gradient(b), 0), a, -np.inf)
    ndim = len(_r.shape(a))
    amax = _max_const(a, axis, where)
    amax = gnp.where(gnp.isfinite(amax), amax, 0.0)
    e = gnp.exp(a - amax)
    if b is not None:
        e = e * b
    s = _sum(e, axis, where)
    sign = gnp.sign(stop_gradient(s))
    out = gnp.log(gnp.abs(s)) + amax
    if b is not None and not return_sign:
        out = gnp.where(sign < 0, np.nan, out)
    out = _squeeze(out, axis, ndim, keepdims)
    if return_sign:
        return out, _squeeze(sign, axis, ndim, keepdims)
    return out


def _count(x: Array, axis: Axis, where: Array | None) -> Any:
    """How many entries each reduced row holds (keepdims): a number, or a constant array."""
    shape = _r.shape(x)
    if where is None:
        return float(np.prod([shape[i] for i in _axes(axis, len(shape))]))
    w = gnp.broadcast_to(gnp.asarray(stop_gradient(where)), shape)
    return gnp.sum(w.astype(x.dtype), axis=axis, keepdims=True)


def logmeanexp(
    x: Array, axis: Axis = None, where: Array | None = None, keepdims: bool = False
) -> Array:
    """``logsumexp(x) - log(n)``, ``n`` the number of entries reduced.
    Example: ``jnn.logmeanexp(x, axis=0)``"""
    x = _inexact(x)
    lse = logsumexp(x, axis=axis, where=where, keepdims=True)
    return _squeeze(lse - gnp.log(_count(x, axis, where)), axis, len(_r.shape(x)), keepdims)


def _mean(x: Array, axis: Axis, where: Array | None) -> Array:
    return _sum(x, axis, where) / _count(x, axis, where)


def standardize(
    x: Array,
    axis: Axis = -1,
    mean: Array | None = None,
    variance: Array | None = None,
    epsilon: Array = 1e-5,
    where: Array | None = None,
    *,
    algorithm: str = "fast",
) -> Array:
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis``; the mean and variance of the
    entries ``where`` selects unless given. ``algorithm="fast"`` (JAX's default) takes the
    variance as ``mean(x^2) - mean(x)^2`` clipped at 0, ``"stable"`` as
    ``mean((x - mean)^2)``. The result covers every entry, masked ones too.

    Example: ``jnn.standardize(h, axis=-1)``
    """
    x = _inexact(x)
    if mean is None:
        mean = _mean(x, axis, where)
    if variance is None:
        if algorithm == "stable":
            variance = _mean(gnp.square(x - mean), axis, where)
        elif algorithm == "fast":
            variance = gnp.maximum(_mean(gnp.square(x), axis, where) - gnp.square(mean), 0.0)
        else:
            raise ValueError(
                f"standardize: unknown algorithm {algorithm!r}; expected 'fast' or 'stable'"
            )
    return (x - mean) * (1.0 / gnp.sqrt(variance + epsilon))
