"""``scipy.stats.norm``, differentiable in ``x``, ``loc`` and ``scale`` (any order, both modes).

Example: ``norm.logpdf(x, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import HALF_LOG_2PI, log_ndtr, ndtr, ndtri
from ._common import log_scale, standardize, valid_scale


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density of N(loc, scale^2) at ``x``. Example: ``norm.logpdf(0.0)``"""
    z = standardize(x, loc, scale)
    return valid_scale(-0.5 * (z * z) - HALF_LOG_2PI - log_scale(scale), scale)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density of N(loc, scale^2) at ``x``. Example: ``norm.pdf(x, 1.0, 2.0)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``norm.cdf(1.96)``"""
    return valid_scale(ndtr(standardize(x, loc, scale)), scale)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``, accurate in the lower tail. Example: ``norm.logcdf(-40.0)``"""
    return valid_scale(log_ndtr(standardize(x, loc, scale)), scale)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x) = 1 - cdf``, accurate in the upper tail. Example: ``norm.sf(5.0)``"""
    return valid_scale(ndtr(-standardize(x, loc, scale)), scale)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``norm.logsf(40.0)``"""
    return valid_scale(log_ndtr(-standardize(x, loc, scale)), scale)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of :func:`cdf`. Example: ``norm.ppf(0.975)``"""
    return valid_scale(loc + scale * ndtri(q), scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``norm.isf(0.025)``"""
    return valid_scale(loc - scale * ndtri(q), scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
