"""``scipy.stats.halfcauchy`` (``|C|`` for a standard Cauchy ``C``), differentiable in ``x``,
``loc`` and ``scale``.

Example: ``halfcauchy.logpdf(x, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from . import _locscale as _ls
from ._common import raw


def _logpdf(y):
    return math.log(2 / math.pi) - gnp.log1p(y * y)


def _cdf(y):
    return (2 / math.pi) * gnp.arctan(y)


def _sf(y):
    # arctan(1/y) without a division by 0 at y = 0
    return (2 / math.pi) * gnp.arctan2(1.0, y)


def _logcdf(y):
    return gnp.log(_cdf(y))


def _logsf(y):
    return gnp.log(_sf(y))


def _ppf(q):
    # tan(pi/2) is 1.6e16 in floating point: the end of the support is exactly inf
    end = raw(q) == 1
    return gnp.where(end, gnp.inf, gnp.tan((0.5 * math.pi) * gnp.where(end, 0.5, q)))


def _isf(q):
    end = raw(q) == 0  # 1 / tan(pi q / 2): accurate for small q, where 1 - q is not
    return gnp.where(end, gnp.inf, 1 / gnp.tan((0.5 * math.pi) * gnp.where(end, 0.5, q)))


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``halfcauchy.logpdf(1.5)``"""
    return _ls.logpdf(_logpdf, x, (), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``halfcauchy.pdf(1.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``halfcauchy.cdf(1.5)``"""
    return _ls.tail(_cdf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``halfcauchy.logcdf(1.5)``"""
    return _ls.tail(_logcdf, x, (), loc, scale, 0.0, math.inf, 1.0, -gnp.inf, 0.0, False)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``halfcauchy.sf(1.5)``"""
    return _ls.tail(_sf, x, (), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``halfcauchy.logsf(1.5)``"""
    return _ls.tail(_logsf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, -gnp.inf, False)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``halfcauchy.ppf(0.3)``"""
    return _ls.quantile(_ppf, q, (), loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``halfcauchy.isf(0.3)``"""
    return _ls.quantile(_isf, q, (), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
