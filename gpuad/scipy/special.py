"""``scipy.special``, differentiable: logsumexp, expit, erf, erfc, softmax, log_softmax, xlogy.

Example::

    import gpuad.scipy.special as sps
    p = sps.softmax(logits)            # rows sum to one
    lp = sps.log_softmax(logits)       # stable: x - logsumexp(x)
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from ..rules import erf, logsumexp  # noqa: F401  (re-exported primitives)

__all__ = ["erf", "erfc", "expit", "logit", "log_softmax", "logsumexp", "softmax", "softplus"]


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    Example: ``expit(gpuad.tensor([0.0]))`` is ``[0.5]``.
    """
    return _r.sigmoid(x)


def logit(p: Any) -> Any:
    """The inverse of :func:`expit`: ``log(p / (1 - p))``."""
    return gnp.log(p) - gnp.log1p(-p)


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``."""
    return 1.0 - erf(x)


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` as ``logaddexp(x, 0)`` (no overflow for large ``x``)."""
    return gnp.logaddexp(x, 0.0)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x, axis)``: log-probabilities along ``axis``, numerically stable.

    Example: ``gnp.exp(log_softmax(z)).sum(-1)`` is all ones.
    """
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: Any, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(log_softmax(x))``.

    Example: ``softmax(gpuad.tensor([0.0, 0.0]))`` is ``[0.5, 0.5]``.
    """
    return gnp.exp(log_softmax(x, axis))
