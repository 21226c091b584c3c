"""``scipy.stats.chi2``: the gamma distribution with shape ``df/2`` and scale ``2 scale``.

``logpdf``/``pdf`` are differentiable in ``x``, ``df``, ``loc`` and ``scale``; ``cdf``/``logcdf``/
``sf``/``logsf`` in ``x``, ``loc`` and ``scale``, and once in ``df`` (through ``gammainc``).

Example: ``chi2.logpdf(x, df=3.0).sum()``
"""

from __future__ import annotations

from typing import Any

from .._special_rules import gammainccinv, gammaincinv
from . import _locscale as _ls
from . import gamma as _gamma


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Log density of chi-squared with ``df`` degrees of freedom. Example: ``chi2.logpdf(2, 3)``"""
    return _gamma.logpdf(x, 0.5 * df, loc, 2 * scale)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density. Example: ``chi2.pdf(2.0, 3.0)``"""
    return _gamma.pdf(x, 0.5 * df, loc, 2 * scale)


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X <= x)``. Example: ``chi2.cdf(2.0, 3.0)``"""
    return _gamma.cdf(x, 0.5 * df, loc, 2 * scale)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log P(X <= x)``. Example: ``chi2.logcdf(2.0, 3.0)``"""
    return _gamma.logcdf(x, 0.5 * df, loc, 2 * scale)


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x)``. Example: ``chi2.sf(2.0, 3.0)``"""
    return _gamma.sf(x, 0.5 * df, loc, 2 * scale)



def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log sf``. Example: ``chi2.logsf(2.0, 3.0)``"""
    return _gamma.logsf(x, 0.5 * df, loc, 2 * scale)



def ppf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + 2 scale gammaincinv(df/2, q)``. Example: ``chi2.ppf(0.95, 3.0)``"""
    return _ls.quantile(lambda p, d: 2 * gammaincinv(0.5 * d, p), q, (df,), loc, scale)


def isf(q: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``chi2.isf(0.05, 3.0)``"""
    return _ls.quantile(lambda p, d: 2 * gammainccinv(0.5 * d, p), q, (df,), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
