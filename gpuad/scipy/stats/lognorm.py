"""``scipy.stats.lognorm`` (the log-normal distribution, shape ``s``), differentiable in ``x``,
``s``, ``loc`` and ``scale``.

Example: ``lognorm.logpdf(x, 0.5, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import HALF_LOG_2PI, log_ndtr, ndtr, ndtri
from . import _locscale as _ls


def _logpdf(y, s):
    ly = gnp.log(y)
    return -gnp.log(s) - HALF_LOG_2PI - ly - 0.5 * (ly / s) ** 2


def _cdf(y, s):
    return ndtr(gnp.log(y) / s)


def _sf(y, s):
    return ndtr(-gnp.log(y) / s)


def _logcdf(y, s):
    return log_ndtr(gnp.log(y) / s)


def _logsf(y, s):
    return log_ndtr(-gnp.log(y) / s)


def _ppf(q, s):
    return gnp.exp(s * ndtri(q))


def _isf(q, s):
    return gnp.exp(-s * ndtri(q))


def logpdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``lognorm.logpdf(1.5, 0.5)``"""
    return _ls.logpdf(_logpdf, x, (s, ), loc, scale, 0.0, math.inf, 1.0, True)


def pdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``lognorm.pdf(1.5, 0.5)``"""
    return gnp.exp(logpdf(x, s, loc, scale))


def cdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``lognorm.cdf(1.5, 0.5)``"""
    return _ls.tail(_cdf, x, (s, ), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, True)


def logcdf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``lognorm.logcdf(1.5, 0.5)``"""
    return _ls.tail(_logcdf, x, (s, ), loc, scale, 0.0, math.inf, 1.0, -gnp.inf, 0.0, True)


def sf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``lognorm.sf(1.5, 0.5)``"""
    return _ls.tail(_sf, x, (s, ), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, True)


def logsf(x: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``lognorm.logsf(1.5, 0.5)``"""
    return _ls.tail(_logsf, x, (s, ), loc, scale, 0.0, math.inf, 1.0, 0.0, -gnp.inf, True)


def ppf(q: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``lognorm.ppf(0.3, 0.5)``"""
    return _ls.quantile(_ppf, q, (s, ), loc, scale)


def isf(q: Any, s: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``lognorm.isf(0.3, 0.5)``"""
    return _ls.quantile(_isf, q, (s, ), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
