"""``scipy.stats.cauchy`` as ``jax.scipy.stats.cauchy``, differentiable in every argument.

Example: ``cauchy.logpdf(x, loc=m, scale=s).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ._common import standardize


def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log(pi scale (1 + z^2))`` with ``z = (x - loc) / scale``. Example:
    ``cauchy.logpdf(0.5)``"""
    z = standardize(x, loc, scale)
    return -(gnp.log(math.pi * gnp.asarray(scale)) + gnp.log1p(z * z))


def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``cauchy.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1/2 + arctan(z) / pi``. Example: ``cauchy.cdf(0.5)``"""
    return 0.5 + gnp.arctan(standardize(x, loc, scale)) / math.pi


def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log cdf``. Example: ``cauchy.logcdf(0.5)``"""
    return gnp.log(cdf(x, loc, scale))


def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``, the cdf reflected. Example: ``cauchy.sf(0.5)``"""
    return cdf(-x, -loc, scale)


def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log sf``. Example: ``cauchy.logsf(0.5)``"""
    return logcdf(-x, -loc, scale)


def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale tan(pi (q - 1/2))``. Example: ``cauchy.ppf(0.9)``"""
    return gnp.tan(math.pi * q - math.pi / 2) * scale + loc


def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of :func:`sf`. Example: ``cauchy.isf(0.1)``"""
    return gnp.tan(math.pi / 2 - math.pi * q) * scale + loc


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
