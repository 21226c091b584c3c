"""``scipy.stats.gumbel_r`` (the right-skewed Gumbel) as ``jax.scipy.stats.gumbel_r``,
differentiable in every argument; ``scale <= 0`` gives nan.

Example: ``gumbel_r.logpdf(x, loc=m, scale=s).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...jax_nn import log1mexp
from ._common import log_scale, quantile_ends, raw, scipy_params, standardize


def _scaled(value: Any, scale: Any) -> Any:
    return gnp.where(raw(scale) > 0, value, gnp.nan)


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-z - exp(-z) - log scale`` with ``z = (x - loc)/scale``. Example:
    ``gumbel_r.logpdf(0.5)``"""
    z = standardize(x, loc, scale)
    return _scaled(-log_scale(scale) - (z + gnp.exp(-z)), scale)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``gumbel_r.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-exp(-z)``. Example: ``gumbel_r.logcdf(0.5)``"""
    return _scaled(-gnp.exp(-standardize(x, loc, scale)), scale)


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``exp(-exp(-z))``. Example: ``gumbel_r.cdf(0.5)``"""
    return gnp.exp(logcdf(x, loc, scale))


@scipy_params()
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - exp(-exp(-z))``. Example: ``gumbel_r.sf(0.5)``"""
    return _scaled(-gnp.expm1(-gnp.exp((loc - x) / scale)), scale)


@scipy_params()
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - exp(-exp(-z)))``, accurate in both tails. Example: ``gumbel_r.logsf(0.5)``"""
    return _scaled(log1mexp(gnp.exp((loc - x) / scale)), scale)


@scipy_params()
def ppf(p: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc - scale log(-log p)``; -inf and inf at 0
    and 1, nan outside [0, 1]. Example: ``gumbel_r.ppf(0.5)``"""
    pd = raw(p)
    ok = (pd > 0) & (pd < 1)
    ps = gnp.where(ok, p, 0.5)
    val = gnp.where(ok, loc - scale * gnp.log(-gnp.log(ps)), gnp.nan)
    return quantile_ends(val, p, -gnp.inf, gnp.inf)


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
