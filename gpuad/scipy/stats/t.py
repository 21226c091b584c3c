"""``scipy.stats.t`` (Student's t), differentiable.

``logpdf``/``pdf`` in ``x``, ``df``, ``loc`` and ``scale``; ``cdf``/``logcdf``/``sf``/``logsf``
in ``x``, ``loc`` and ``scale`` (their derivative in ``df`` has no closed form and raises).

Example: ``t.logpdf(x, df=3.0, loc=mu, scale=s).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import gammaln, stdtr
from ._common import log_prob, log_scale, positive_or_one, standardize, valid_scale, valid_shape


def _std_logpdf(z: Any, df: Any) -> Any:
    return (gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * gnp.log(df * math.pi)
            - 0.5 * (df + 1) * gnp.log1p(z * z / df))


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density of the t distribution. Example: ``t.logpdf(0.5, 4.0)``"""
    z = standardize(x, loc, scale)
    return valid_shape(valid_scale(_std_logpdf(z, positive_or_one(df)) - log_scale(scale), scale),
                       df)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density of the t distribution. Example: ``t.pdf(0.5, 4.0)``"""
    return gnp.exp(logpdf(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``t.cdf(2.0, 5.0)``"""
    return valid_scale(stdtr(df, standardize(x, loc, scale)), scale)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``t.logcdf(-2.0, 5.0)``"""
    return log_prob(cdf(x, df, loc, scale), sf(x, df, loc, scale))


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)`` (by symmetry ``cdf(-z)``). Example: ``t.sf(2.0, 5.0)``"""
    return valid_scale(stdtr(df, -standardize(x, loc, scale)), scale)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``t.logsf(2.0, 5.0)``"""
    return log_prob(sf(x, df, loc, scale), cdf(x, df, loc, scale))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
