"""``scipy.stats.binom`` as ``jax.scipy.stats.binom``, differentiable in ``p`` (the count ``k``,
the number of trials ``n`` and the shift ``loc`` are constants: a derivative in them raises).

Example: ``binom.logpmf(successes, n=10, p=probs).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import gammaln, xlog1py, xlogy
from ._common import constant_args, raw

_K = "binom: the count k, the trials n and the shift loc are constants: no derivative in them"


def logpmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``log C(n, y) + y log p + (n-y) log(1-p)`` with ``y = k - loc`` for
    ``loc <= k < loc + n + 1``, else -inf (as JAX, ``y`` is not rounded).

    Example: ``binom.logpmf(3, 10, 0.4)``
    """
    kd, nd, ld = raw(k), raw(n), raw(loc)
    y = kd - ld
    comb = gammaln(nd + 1) - (gammaln(y + 1) + gammaln(nd - y + 1))
    linear = xlogy(y, p) + xlog1py(nd - y, -p)
    val = comb + linear
    # a certain outcome is exactly 0 (kept differentiable in p: its derivative is linear's)
    certain = ((y == 0) & (nd == 0)) | (raw(linear) == 0)
    val = gnp.where(certain, linear - raw(linear), val)
    val = gnp.where((kd >= ld) & (kd < ld + nd + 1), val, -gnp.inf)
    return constant_args(val, k, n, loc, why=_K)


def pmf(k: Any, n: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``binom.pmf(3, 10, 0.4)``"""
    return gnp.exp(logpmf(k, n, p, loc))


__all__ = ["logpmf", "pmf"]
