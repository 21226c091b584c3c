"""``scipy.stats.invgamma`` (``1/X`` for a gamma ``X``, shape ``a``), differentiable in ``x``,
``a``, ``loc`` and ``scale``; once in ``a`` for the cdf family (through ``gammainc``).
``ppf``/``isf`` need ``gammaincinv``, which gpuad lacks.

Example: ``invgamma.logpdf(x, 2.0, loc=mu, scale=sigma).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import gammainc, gammaincc, gammainccinv, gammaincinv, gammaln
from . import _locscale as _ls
from ._common import log_prob


def _logpdf(y, a):
    return -(a + 1) * gnp.log(y) - 1 / y - gammaln(a)


def _cdf(y, a):
    return gammaincc(a, 1 / y)


def _sf(y, a):
    return gammainc(a, 1 / y)


def logpdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density. Example: ``invgamma.logpdf(1.5, 2.0)``"""
    return _ls.logpdf(_logpdf, x, (a, ), loc, scale, 0.0, math.inf, 1.0, True)


def pdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``invgamma.pdf(1.5, 2.0)``"""
    return gnp.exp(logpdf(x, a, loc, scale))


def cdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``invgamma.cdf(1.5, 2.0)``"""
    return _ls.tail(_cdf, x, (a, ), loc, scale, 0.0, math.inf, 1.0, 0.0, 1.0, True)


def logcdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``invgamma.logcdf(1.5, 2.0)``"""
    return log_prob(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``invgamma.sf(1.5, 2.0)``"""
    return _ls.tail(_sf, x, (a, ), loc, scale, 0.0, math.inf, 1.0, 1.0, 0.0, True)


def logsf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X > x)``. Example: ``invgamma.logsf(1.5, 2.0)``"""
    return log_prob(sf(x, a, loc, scale), cdf(x, a, loc, scale))



def ppf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale / gammainccinv(a, q)``. Example: ``invgamma.ppf(0.5, 2.0)``"""
    return _ls.quantile(lambda p, a: 1 / gammainccinv(a, p), q, (a,), loc, scale)


def isf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``invgamma.isf(0.05, 2.0)``"""
    return _ls.quantile(lambda p, a: 1 / gammaincinv(a, p), q, (a,), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
