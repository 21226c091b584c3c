"""``scipy.stats.nbinom`` as ``jax.scipy.stats.nbinom``, differentiable in ``n`` (real
``n > 0``) and ``p`` (the count ``k`` and the shift ``loc`` are constants: a derivative in them
raises).

Example: ``nbinom.logpmf(counts, n=r, p=probs).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import gammaln, xlogy
from ._common import constant_args, raw

_K = "nbinom: the count k and the shift loc are constants: no derivative in them"


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log Gamma(y+n) - log Gamma(n) - log y! + n log p + y log(1-p)`` with ``y = k - loc``
    for ``k >= loc``, else -inf.

    Example: ``nbinom.logpmf(4, 2.5, 0.3)``
    """
    kd, ld = raw(k), raw(loc)
    y = kd - ld
    val = (gammaln(y + n) - gammaln(n) - gammaln(y + 1)) + (xlogy(n, p) + xlogy(y, 1 - p))
    return constant_args(gnp.where(kd < ld, -gnp.inf, val), k, loc, why=_K)


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``nbinom.pmf(4, 2.5, 0.3)``"""
    return gnp.exp(logpmf(k, n, p, loc))


__all__ = ["logpmf", "pmf"]
