"""``scipy.stats.poisson``, differentiable in the mean ``mu`` (the count ``k`` and the integer
shift ``loc`` are constants: a derivative in them raises).

Example: ``poisson.logpmf(counts, mu=rate).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ...rules import data
from ...tensor import Tensor
from .._special_rules import gammainc, gammaincc, gammaln, xlogy
from ._common import constant_args, raw

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


# above this mean the entropy is its asymptotic series (terms to 1/mu^3: error below 1e-12)
_LARGE = 1000.0


def _largest(m: Any) -> float:
    """``m`` as a Python float; inside ``vmap`` the largest over the batch (one sum long
    enough for every example)."""
    if isinstance(m, Tensor) and m._bat is not None:
        return float(m._data.max())
    return float(m)


def entropy(mu: Any, loc: Any = 0) -> Any:
    """The Shannon entropy ``-sum_k p(k) log p(k)`` (``loc`` changes nothing; 0 at
    ``mu = 0``, nan below), differentiable in ``mu``: the sum over ``k`` up to
    ``mu + 15 sqrt(mu) + 40`` for ``mu < 1000``, the asymptotic series
    ``log(2 pi e mu)/2 - 1/(12 mu) - 1/(24 mu^2) - 19/(360 mu^3)`` above. Exact to about
    1e-13 (JAX's approximation is within 1e-5 of it).

    Example: ``poisson.entropy(5.0)``
    """
    mu = gnp.asarray(mu)
    md = gnp.asarray(raw(mu))
    shape = gnp.broadcast_shapes(md.shape, gnp.shape(raw(loc)))
    mu = gnp.broadcast_to(mu, shape)
    md = gnp.broadcast_to(md, shape)
    small = (md > 0) & (md < _LARGE)
    ms = gnp.where(small, mu, 1.0)
    top = _largest(gnp.max(gnp.where(small, md, 1.0))) if md.size else 1.0
    k = gnp.arange(int(top + 15 * top ** 0.5 + 40) + 1, dtype=md.dtype)
    lp = xlogy(k, ms[..., None]) - ms[..., None] - gammaln(k + 1)
    direct = -gnp.sum(gnp.exp(lp) * lp, axis=-1)
    ml = gnp.where(md >= _LARGE, mu, _LARGE)
    series = (0.5 * gnp.log(2 * math.pi * math.e * ml) - 1 / (12 * ml) - 1 / (24 * ml * ml)
              - 19 / (360 * ml * ml * ml))
    out = gnp.where(small, direct, series)
    out = gnp.where(md == 0, 0.0, out)
    return gnp.where(md < 0, gnp.nan, gnp.where(gnp.isnan(md), gnp.nan, out))


__all__ = ["cdf", "entropy", "logcdf", "logpmf", "pmf", "sf"]
