"""``scipy.stats.poisson``, differentiable in the mean ``mu`` (the count ``k`` and the integer
shift ``loc`` are constants: a derivative in them raises).

Example: ``poisson.logpmf(counts, mu=rate).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...rules import data
from .._special_rules import gammainc, gammaincc, gammaln, xlogy
from ._common import constant_args

_K = "poisson: the count k and the shift loc take integer values: no derivative in them"


def _count(k: Any, loc: Any) -> Any:
    return gnp.asarray(data(k)) - data(loc)


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``log P(K = k)``: ``k log(mu) - mu - log(k!)`` at non-negative integers, else -inf.

    Example: ``poisson.logpmf(3, 2.5)``
    """
    kd = _count(k, loc)
    ok = (kd >= 0) & (kd == gnp.floor(kd))
    ks = gnp.where(ok, kd, 0)
    val = gnp.where(ok, xlogy(ks, mu) - mu - gammaln(ks + 1), -gnp.inf)
    return constant_args(val, k, loc, why=_K)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``poisson.pmf(3, 2.5)``"""
    return gnp.exp(logpmf(k, mu, loc))


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(K <= k)`` as ``gammaincc(floor(k) + 1, mu)``. Example: ``poisson.cdf(3, 2.5)``"""
    kf = gnp.floor(_count(k, loc))
    ok = kf >= 0
    val = gnp.where(ok, gammaincc(gnp.where(ok, kf, 0) + 1, mu), 0.0)
    return constant_args(val, k, loc, why=_K)


def logcdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``log P(K <= k)``. Example: ``poisson.logcdf(3, 2.5)``"""
    return gnp.log(cdf(k, mu, loc))


def sf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """``P(K > k)`` as ``gammainc(floor(k) + 1, mu)``. Example: ``poisson.sf(3, 2.5)``"""
    kf = gnp.floor(_count(k, loc))
    ok = kf >= 0
    val = gnp.where(ok, gammainc(gnp.where(ok, kf, 0) + 1, mu), 1.0)
    return constant_args(val, k, loc, why=_K)


__all__ = ["cdf", "logcdf", "logpmf", "pmf", "sf"]
