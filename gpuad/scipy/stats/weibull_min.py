"""``scipy.stats.weibull_min`` (shape ``c``), differentiable in ``x``, ``c``, ``loc`` and
``scale``.

Example: ``weibull_min.logpdf(x, 2.0, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ...jax_nn import log1mexp
from .._special_rules import xlogy
from . import _locscale as _ls


def _logpdf(y, c):
    return gnp.log(c) + xlogy(c - 1, y) - y ** c


def _cdf(y, c):
    return -gnp.expm1(-(y ** c))


def _sf(y, c):
    return gnp.exp(-(y ** c))


def _logcdf(y, c):
    return log1mexp(y ** c)


def _logsf(y, c):
    return -(y ** c)


def _ppf(q, c):
    return (-gnp.log1p(-q)) ** (1 / c)


def _isf(q, c):
    return (-gnp.log(q)) ** (1 / c)


def logpdf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``weibull_min.logpdf(1.5, 2.0)``"""
    return _ls.logpdf(_logpdf, x, (c, ), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``weibull_min.pdf(1.5, 2.0)``"""
    return gnp.exp(logpdf(x, c, loc, scale))


def cdf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``weibull_min.cdf(1.5, 2.0)``"""
    return _ls.tail(_cdf, x, (c, ), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``weibull_min.logcdf(1.5, 2.0)``"""
    return _ls.tail(_logcdf, x, (c, ), loc, scale, 0.0, math.inf, 1.0, -gnp.inf, 0.0, False)


def sf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``weibull_min.sf(1.5, 2.0)``"""
    return _ls.tail(_sf, x, (c, ), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``weibull_min.logsf(1.5, 2.0)``"""
    return _ls.tail(_logsf, x, (c, ), loc, scale, 0.0, math.inf, 1.0, 0.0, -gnp.inf, False)


def ppf(q: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``weibull_min.ppf(0.3, 2.0)``"""
    return _ls.quantile(_ppf, q, (c, ), loc, scale)


def isf(q: Any, c: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``weibull_min.isf(0.3, 2.0)``"""
    return _ls.quantile(_isf, q, (c, ), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
