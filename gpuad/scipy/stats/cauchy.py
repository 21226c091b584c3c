"""``scipy.stats.cauchy`` as ``jax.scipy.stats.cauchy``, differentiable in every argument.

Example: ``cauchy.logpdf(x, loc=m, scale=s).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ._common import log_prob, log_scale, quantile_ends, raw, scipy_params, standardize


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log(pi scale (1 + z^2))`` with ``z = (x - loc) / scale`` (for ``|z| > 1`` as
    ``-log(pi scale) - 2 log|z| - log1p(1/z^2)``: no overflow of ``z^2``). Example:
    ``cauchy.logpdf(0.5)``"""
    z = standardize(x, loc, scale)
    far = abs(raw(z)) > 1
    zn, zf = gnp.where(far, 0.0, z), abs(gnp.where(far, z, 1.0))
    log_1pz2 = gnp.where(far, 2 * gnp.log(zf) + gnp.log1p(1 / (zf * zf)), gnp.log1p(zn * zn))
    return -((math.log(math.pi) + log_scale(scale)) + log_1pz2)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``cauchy.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1/2 + arctan(z) / pi``, as ``arctan2(1, -z) / pi`` (no cancellation in the lower
    tail). Example: ``cauchy.cdf(0.5)``"""
    z = standardize(x, loc, scale)
    return gnp.arctan2(gnp.ones_like(raw(z)), -z) / math.pi


@scipy_params()
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log cdf`` (from the sf where the cdf is near 1). Example: ``cauchy.logcdf(0.5)``"""
    return log_prob(cdf(x, loc, scale), sf(x, loc, scale))


@scipy_params()
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``, the cdf reflected. Example: ``cauchy.sf(0.5)``"""
    return cdf(-x, -loc, scale)


@scipy_params()
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log sf``. Example: ``cauchy.logsf(0.5)``"""
    return logcdf(-x, -loc, scale)


def _quantile(q: Any) -> Any:
    """``tan(pi (q - 1/2))``, inside (0, 1) as ``-1/tan(pi q)`` below 1/2 and
    ``1/tan(pi (1 - q))`` above (the tails keep their digits); at and beyond 0 and 1 the
    formula itself, as JAX (-1.6e16 at 0, where SciPy has -inf)."""
    qd = raw(q)
    inner = (qd > 0) & (qd < 1)
    upper = qd > 0.5
    p = gnp.where(inner, gnp.where(upper, 1 - q, q), 0.25)
    val = 1 / gnp.tan(math.pi * p)
    edge = gnp.tan(math.pi * gnp.where(inner, 0.5, q) - math.pi / 2)
    return gnp.where(inner, gnp.where(upper, val, -val), edge)


@scipy_params()
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale tan(pi (q - 1/2))``. Example: ``cauchy.ppf(0.9)``"""
    return quantile_ends(_quantile(q) * scale + loc, q, -gnp.inf, gnp.inf)


@scipy_params()
def isf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of :func:`sf`. Example: ``cauchy.isf(0.1)``"""
    return quantile_ends(-_quantile(q) * scale + loc, q, gnp.inf, -gnp.inf)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
