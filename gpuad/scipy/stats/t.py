"""``scipy.stats.t`` (Student's t), differentiable.

``logpdf``/``pdf`` in ``x``, ``df``, ``loc`` and ``scale``; ``cdf``/``logcdf``/``sf``/``logsf``
in ``x``, ``loc`` and ``scale`` (their derivative in ``df`` has no closed form and raises).

Example: ``t.logpdf(x, df=3.0, loc=mu, scale=s).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import gammaln, stdtr, stdtrit
from . import _locscale as _ls
from ._common import (
    log_prob,
    log_scale,
    positive_or_one,
    quantile_ends,
    shape_like,
    standardize,
    valid_scale,
    valid_shape,
)


def _std_logpdf(z: Any, df: Any) -> Any:
    return (gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * gnp.log(df * math.pi)
            - 0.5 * (df + 1) * gnp.log1p(z * z / df))


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density of the t distribution. Example: ``t.logpdf(0.5, 4.0)``"""
    z = standardize(x, loc, scale)
    d = shape_like(positive_or_one(df), z)
    return valid_shape(valid_scale(_std_logpdf(z, d) - log_scale(scale), scale), df)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density of the t distribution. Example: ``t.pdf(0.5, 4.0)``"""
    return gnp.exp(logpdf(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``t.cdf(2.0, 5.0)``"""
    z = standardize(x, loc, scale)
    return valid_scale(stdtr(shape_like(df, z), z), scale)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``t.logcdf(-2.0, 5.0)``"""
    return log_prob(cdf(x, df, loc, scale), sf(x, df, loc, scale))


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)`` (by symmetry ``cdf(-z)``). Example: ``t.sf(2.0, 5.0)``"""
    z = -standardize(x, loc, scale)
    return valid_scale(stdtr(shape_like(df, z), z), scale)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``t.logsf(2.0, 5.0)``"""
    return log_prob(sf(x, df, loc, scale), cdf(x, df, loc, scale))



def ppf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale stdtrit(df, q)``; differentiable in ``q``, ``loc`` and
    ``scale`` (in ``df`` it raises, as the cdf). Example: ``t.ppf(0.975, 5.0)``"""
    # stdtrit(df, 0) is +inf in SciPy 1.13: the ends of the support set here
    val = _ls.quantile(lambda p, d: stdtrit(d, p), q, (df,), loc, scale)
    return valid_scale(quantile_ends(val, q, -gnp.inf, gnp.inf), scale)


def isf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf` (by symmetry ``-ppf(q)``). Example: ``t.isf(0.025, 5.0)``"""
    val = _ls.quantile(lambda p, d: -stdtrit(d, p), q, (df,), loc, scale)
    return valid_scale(quantile_ends(val, q, gnp.inf, -gnp.inf), scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
