"""``scipy.stats.bernoulli`` as ``jax.scipy.stats.bernoulli``, differentiable in ``p`` (the
outcome ``k`` and the shift ``loc`` are constants: a derivative in them raises).

Example: ``bernoulli.logpmf(labels, p=probs).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import xlog1py, xlogy
from ._common import constant_args, raw

_K = "bernoulli: the outcome k and the shift loc are constants: no derivative in them"
_Q = "bernoulli.ppf: piecewise constant in q and p (its derivative is 0 where it exists)"


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``k log p + (1-k) log(1-p)`` for ``0 <= k - loc <= 1``, else -inf (as JAX, ``k`` between
    0 and 1 is not rounded).

    Example: ``bernoulli.logpmf(1, 0.3)``
    """
    y = raw(k) - raw(loc)
    val = xlogy(y, p) + xlog1py(1 - y, -p)
    return constant_args(gnp.where((y < 0) | (y > 1), -gnp.inf, val), k, loc, why=_K)


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``bernoulli.pmf(1, 0.3)``"""
    return gnp.exp(logpmf(k, p, loc))


def cdf(k: Any, p: Any) -> Any:
    """``P(K <= k)``: 0 below 0, ``1 - p`` on [0, 1), 1 from 1 on; nan for nan or ``p``
    outside [0, 1]. Example: ``bernoulli.cdf(0, 0.3)``"""
    kd, pd = raw(k), raw(p)
    bad = gnp.isnan(kd) | gnp.isnan(pd) | (pd < 0) | (pd > 1)
    val = gnp.where(kd >= 1, 1.0, gnp.where(kd >= 0, 1 - p, 0.0))
    return constant_args(gnp.where(bad, gnp.nan, val), k, why=_K)


def ppf(q: Any, p: Any) -> Any:
    """The smallest ``k`` with ``cdf(k) >= q``: 0 or 1; nan outside [0, 1].

    Example: ``bernoulli.ppf(0.5, 0.3)``
    """
    qd, pd = raw(q), raw(p)
    bad = gnp.isnan(qd) | gnp.isnan(pd) | (pd < 0) | (pd > 1) | (qd < 0) | (qd > 1)
    val = gnp.where(bad, gnp.nan, gnp.where(qd <= 1 - pd, 0.0, 1.0))
    weak = [v if isinstance(v, int | float) else raw(v) for v in (q, p)]  # Python numbers: weak
    val = val.astype(gnp.result_type(*weak, gnp.float16))  # float32 q and p: float32, as JAX
    return constant_args(val, q, p, why=_Q)


__all__ = ["cdf", "logpmf", "pmf", "ppf"]
