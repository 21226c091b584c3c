"""Softmax, log-softmax and softplus along one axis, built from gpuad primitives (no SciPy).

``gpuad.nn.functional`` uses these (axis -1 by default, as in PyTorch); ``gpuad.scipy.special``
has SciPy's versions (axis None by default). Example: ``log_softmax(z).sum()``
"""

from __future__ import annotations

from typing import Any

from . import numpy as gnp
from .rules import logsumexp


def shifted(x: Any, axis: Any) -> Any:
    """``x`` minus its (constant) finite maximum along ``axis``. ``x - logsumexp(x)`` alone
    loses ``log(n)`` to rounding where it is below the ulp of ``x`` (a float32 row of -1e9,
    as masks write, gave log-probabilities 0 and probabilities 1); after the shift the
    logsumexp lies in ``[0, log n]``. Slices holding inf or NaN, and empty arrays, are kept.
    """
    from ._numpy_protocol import stop_gradient

    if 0 in gnp.shape(x):
        return x
    m = stop_gradient(gnp.max(x, axis=axis, keepdims=True))
    return x - gnp.where(gnp.isfinite(m), m, 0)


def log_softmax(x: Any, axis: Any = -1) -> Any:
    """``x - logsumexp(x, axis)``: log-probabilities along ``axis``, numerically stable.

    Example: ``gnp.exp(log_softmax(z)).sum(-1)`` is all ones.
    """
    z = shifted(x, axis)
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax(x: Any, axis: Any = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(log_softmax(x))``.

    Example: ``softmax(gpuad.tensor([0.0, 0.0]))`` is ``[0.5, 0.5]``.
    """
    return gnp.exp(log_softmax(x, axis))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` as ``logaddexp(x, 0)`` (no overflow for large ``x``)."""
    return gnp.logaddexp(x, 0.0)


__all__ = ["log_softmax", "logsumexp", "softmax", "softplus"]
