"""``scipy.stats.halfnorm`` (``|Z|`` for a standard normal ``Z``), differentiable in ``x``, ``loc``
and ``scale``.

Example: ``halfnorm.logpdf(x, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import HALF_LOG_2PI, log_ndtr, ndtr, ndtri
from ..special import erf, erfinv
from . import _locscale as _ls


def _logpdf(y):
    return math.log(2.0) - HALF_LOG_2PI - 0.5 * (y * y)


def _cdf(y):
    return erf(y / math.sqrt(2.0))


def _sf(y):
    return 2 * ndtr(-y)


def _logcdf(y):
    return gnp.log(erf(y / math.sqrt(2.0)))


def _logsf(y):
    return math.log(2.0) + log_ndtr(-y)


def _ppf(q):
    return math.sqrt(2.0) * erfinv(q)


def _isf(q):
    return -ndtri(0.5 * q)


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``halfnorm.logpdf(1.5)``"""
    return _ls.logpdf(_logpdf, x, (), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``halfnorm.pdf(1.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``halfnorm.cdf(1.5)``"""
    return _ls.tail(_cdf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``halfnorm.logcdf(1.5)``"""
    return _ls.tail(_logcdf, x, (), loc, scale, 0.0, math.inf, 1.0, -gnp.inf, 0.0, False)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``halfnorm.sf(1.5)``"""
    return _ls.tail(_sf, x, (), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``halfnorm.logsf(1.5)``"""
    return _ls.tail(_logsf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, -gnp.inf, False)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``halfnorm.ppf(0.3)``"""
    return _ls.quantile(_ppf, q, (), loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``halfnorm.isf(0.3)``"""
    return _ls.quantile(_isf, q, (), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
