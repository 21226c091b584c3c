"""Descriptive statistics of ``jax.scipy.stats``: ``sem`` (differentiable), ``mode`` and
``rankdata`` (constants, computed on the host)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as _np

from ... import numpy as gnp
from ...rules import data


def sem(a: Any, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False) -> Any:
    """The standard error of the mean, ``std(a, ddof) / sqrt(n)`` along ``axis`` (all
    elements for None); ``nan_policy="omit"`` leaves nans out (``n`` counts the rest), any
    other policy but "propagate" raises ``ValueError``, as JAX. Differentiable in ``a``.

    Example: ``sem(samples, axis=0)``
    """
    a = gnp.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(gnp.float64)
    if nan_policy == "propagate":
        size = a.size if axis is None else a.shape[axis]
        return gnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / math.sqrt(size)
    if nan_policy == "omit":
        count = gnp.sum(~gnp.isnan(a), axis=axis, keepdims=keepdims)
        return gnp.nanstd(a, axis=axis, ddof=ddof, keepdims=keepdims) / gnp.sqrt(
            count.astype(a.dtype))
    raise ValueError(f"{nan_policy} is not supported")

class ModeResult(NamedTuple):
    """``(mode, count)``, as ``jax.scipy.stats.mode`` returns."""

    mode: Any
    count: Any


def _host_values(a: Any, fn: str) -> Any:
    d = data(gnp.asarray(a))
    if d.dtype.kind == "c":
        raise NotImplementedError(f"{fn}: complex values are not supported")
    return _np.asarray(d.get() if hasattr(d, "get") else d)


def _nan_policy(fn: str, nan_policy: str) -> None:
    if nan_policy not in ("propagate", "omit", "raise"):
        raise ValueError(f"Illegal nan_policy value {nan_policy!r}; expected one of "
                         "{'propagate', 'omit', 'raise'}")
    if nan_policy != "propagate":
        raise NotImplementedError(f"{fn}: nan_policy={nan_policy!r} is not implemented (as "
                                  f"in JAX)")


def mode(a: Any, axis: int | None = 0, nan_policy: str = "propagate",
         keepdims: bool = False) -> ModeResult:
    """The most frequent value along ``axis`` (the smallest among ties) and its count, as
    ``jax.scipy.stats.mode``; computed on the host, a constant (not differentiated).

    Example: ``mode(np.array([1, 2, 2, 3])).mode`` is 2
    """
    _nan_policy("mode", nan_policy)
    import scipy.stats

    x = _np.atleast_1d(_host_values(a, "mode"))
    r = scipy.stats.mode(x, axis=axis, keepdims=keepdims)
    return ModeResult(gnp.asarray(_np.asarray(r.mode, dtype=x.dtype)),
                      gnp.asarray(_np.asarray(r.count)))


def rankdata(a: Any, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate") -> Any:
    """The ranks of the values (1 for the smallest; ties by ``method``: "average", "min",
    "max", "dense" or "ordinal"), as floats, all nan where a slice holds a nan, as
    ``jax.scipy.stats.rankdata``; computed on the host, a constant (not differentiated).

    Example: ``rankdata(np.array([3.0, 1.0, 3.0]))`` is ``[2.5, 1.0, 2.5]``
    """
    _nan_policy("rankdata", nan_policy)
    if method not in ("average", "min", "max", "dense", "ordinal"):
        raise ValueError(f"unknown method '{method}'")
    import scipy.stats

    x = _host_values(a, "rankdata")
    r = scipy.stats.rankdata(x, method=method, axis=axis, nan_policy="propagate")
    return gnp.asarray(_np.asarray(r, dtype=_np.float64))


__all__ = ["ModeResult", "mode", "rankdata", "sem"]
