"""``scipy.stats.gumbel_l`` (the left-skewed Gumbel) as ``jax.scipy.stats.gumbel_l``,
differentiable in every argument; ``scale <= 0`` gives nan.

Example: ``gumbel_l.logpdf(x, loc=m, scale=s).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...jax_nn import log1mexp
from ._common import log_scale, quantile_ends, raw, scipy_params, standardize
from .gumbel_r import _scaled


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``z - exp(z) - log scale`` with ``z = (x - loc)/scale``. Example:
    ``gumbel_l.logpdf(0.5)``"""
    z = standardize(x, loc, scale)
    return _scaled(-log_scale(scale) + (z - gnp.exp(z)), scale)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``gumbel_l.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - exp(-exp(z)))``. Example: ``gumbel_l.logcdf(0.5)``"""
    return _scaled(log1mexp(gnp.exp(standardize(x, loc, scale))), scale)


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - exp(-exp(z))``. Example: ``gumbel_l.cdf(0.5)``"""
    return gnp.exp(logcdf(x, loc, scale))


@scipy_params()
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-exp(z)``. Example: ``gumbel_l.logsf(0.5)``"""
    return _scaled(-gnp.exp(standardize(x, loc, scale)), scale)


@scipy_params()
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``exp(-exp(z))``. Example: ``gumbel_l.sf(0.5)``"""
    return gnp.exp(logsf(x, loc, scale))


@scipy_params()
def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale log(-log(1 - p))``; -inf and inf at 0
    and 1, nan outside [0, 1]. Example: ``gumbel_l.ppf(0.5)``"""
    pd = raw(p)
    ok = (pd > 0) & (pd < 1)
    ps = gnp.where(ok, p, 0.5)
    val = gnp.where(ok, loc + scale * gnp.log(-gnp.log1p(-ps)), gnp.nan)
    return quantile_ends(val, p, -gnp.inf, gnp.inf)


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
