"""Descriptive statistics of ``jax.scipy.stats``: ``sem``."""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp


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


__all__ = ["sem"]
