"""``scipy.stats.maxwell`` (chi with 3 degrees of freedom), differentiable in ``x``, ``loc`` and
``scale``. ``ppf``/``isf`` need ``gammaincinv``, which gpuad lacks.

Example: ``maxwell.logpdf(x, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import gammainc, gammaincc, gammainccinv, gammaincinv, xlogy
from . import _locscale as _ls
from ._common import log_prob


def _k(v: float, like: Any) -> Any:
    """The constant ``v`` in ``like``'s dtype (a special function of a Python number is a
    float64 array, which would promote float32 arguments)."""
    return gnp.asarray(v, dtype=getattr(like, "dtype", None))


def _logpdf(y):
    return 0.5 * math.log(2 / math.pi) + xlogy(_k(2.0, y), y) - 0.5 * (y * y)


def _cdf(y):
    return gammainc(_k(1.5, y), 0.5 * (y * y))


def _sf(y):
    return gammaincc(_k(1.5, y), 0.5 * (y * y))


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``maxwell.logpdf(1.5)``"""
    return _ls.logpdf(_logpdf, x, (), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``maxwell.pdf(1.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``maxwell.cdf(1.5)``"""
    return _ls.tail(_cdf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``maxwell.logcdf(1.5)``"""
    return log_prob(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``maxwell.sf(1.5)``"""
    return _ls.tail(_sf, x, (), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``maxwell.logsf(1.5)``"""
    return log_prob(sf(x, loc, scale), cdf(x, loc, scale))



def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale sqrt(2 gammaincinv(3/2, q))``. Example: ``maxwell.ppf(0.5)``
    """
    return _ls.quantile(lambda p: gnp.sqrt(2 * gammaincinv(_k(1.5, p), p)), q, (), loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``maxwell.isf(0.05)``"""
    return _ls.quantile(lambda p: gnp.sqrt(2 * gammainccinv(_k(1.5, p), p)), q, (), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
