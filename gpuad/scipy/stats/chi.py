"""``scipy.stats.chi`` (the length of a standard ``df``-dimensional normal vector), differentiable
in ``x``, ``df``, ``loc`` and ``scale``; once in ``df`` for the cdf family (through
``gammainc``). ``ppf``/``isf`` need ``gammaincinv``, which gpuad lacks.

Example: ``chi.logpdf(x, 3.0, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import gammainc, gammaincc, gammainccinv, gammaincinv, gammaln, xlogy
from . import _locscale as _ls
from ._common import log_prob


def _logpdf(y, df):
    return (1 - 0.5 * df) * math.log(2.0) - gammaln(0.5 * df) + xlogy(df - 1, y) - 0.5 * (y * y)


def _cdf(y, df):
    return gammainc(0.5 * df, 0.5 * (y * y))


def _sf(y, df):
    return gammaincc(0.5 * df, 0.5 * (y * y))


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``chi.logpdf(1.5, 3.0)``"""
    return _ls.logpdf(_logpdf, x, (df, ), loc, scale, 0.0, math.inf, 1.0, False)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``chi.pdf(1.5, 3.0)``"""
    return gnp.exp(logpdf(x, df, loc, scale))


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``chi.cdf(1.5, 3.0)``"""
    return _ls.tail(_cdf, x, (df, ), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, False)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``chi.logcdf(1.5, 3.0)``"""
    return log_prob(cdf(x, df, loc, scale), sf(x, df, loc, scale))


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``chi.sf(1.5, 3.0)``"""
    return _ls.tail(_sf, x, (df, ), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, False)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``chi.logsf(1.5, 3.0)``"""
    return log_prob(sf(x, df, loc, scale), cdf(x, df, loc, scale))



def ppf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale sqrt(2 gammaincinv(df/2, q))``. Example: ``chi.ppf(0.5, 3.0)``
    """
    return _ls.quantile(lambda p, d: gnp.sqrt(2 * gammaincinv(0.5 * d, p)), q, (df,), loc, scale)


def isf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``chi.isf(0.05, 3.0)``"""
    return _ls.quantile(lambda p, d: gnp.sqrt(2 * gammainccinv(0.5 * d, p)), q, (df,), loc,
                        scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
