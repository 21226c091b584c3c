"""``scipy.stats.rayleigh`` (the length of a standard 2-D normal vector), differentiable in ``x``,
``loc`` and ``scale``.

Example: ``rayleigh.logpdf(x, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ...jax_nn import log1mexp
from . import _locscale as _ls


def _logpdf(y):
    return gnp.log(y) - 0.5 * (y * y)


def _cdf(y):
    return -gnp.expm1(-0.5 * (y * y))


def _sf(y):
    return gnp.exp(-0.5 * (y * y))


def _logcdf(y):
    return log1mexp(0.5 * (y * y))


def _logsf(y):
    return -0.5 * (y * y)


def _ppf(q):
    return gnp.sqrt(-2 * gnp.log1p(-q))


def _isf(q):
    return gnp.sqrt(-2 * gnp.log(q))


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``rayleigh.logpdf(1.5)``"""
    return _ls.logpdf(_logpdf, x, (), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``rayleigh.pdf(1.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``rayleigh.cdf(1.5)``"""
    return _ls.tail(_cdf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``rayleigh.logcdf(1.5)``"""
    return _ls.tail(_logcdf, x, (), loc, scale, 0.0, math.inf, 1.0, -gnp.inf, 0.0, False)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``rayleigh.sf(1.5)``"""
    return _ls.tail(_sf, x, (), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``rayleigh.logsf(1.5)``"""
    return _ls.tail(_logsf, x, (), loc, scale, 0.0, math.inf, 1.0, 0.0, -gnp.inf, False)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``rayleigh.ppf(0.3)``"""
    return _ls.quantile(_ppf, q, (), loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``rayleigh.isf(0.3)``"""
    return _ls.quantile(_isf, q, (), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
