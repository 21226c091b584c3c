"""``scipy.stats.expon`` as ``jax.scipy.stats.expon``, differentiable in every argument.

Example: ``expon.logpdf(t, scale=1 / rate).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...jax_nn import log1mexp
from ._common import log_scale, raw, scipy_params


def _below(x: Any, loc: Any) -> Any:
    return raw(x) < raw(loc)


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-(x - loc)/scale - log scale`` for ``x >= loc``, else -inf. Example:
    ``expon.logpdf(2.0)``"""
    val = -((x - loc) / scale + log_scale(scale))
    return gnp.where(_below(x, loc), -gnp.inf, val)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``expon.pdf(2.0)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-(x - loc)/scale`` for ``x >= loc``, else 0. Example: ``expon.logsf(2.0)``"""
    return gnp.where(_below(x, loc), 0.0, (loc - x) / scale)


@scipy_params()
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``. Example: ``expon.sf(2.0)``"""
    return gnp.exp(logsf(x, loc, scale))


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - exp(-(x - loc)/scale)`` for ``x >= loc``, else 0. Example: ``expon.cdf(2.0)``"""
    return gnp.where(_below(x, loc), 0.0, -gnp.expm1((loc - x) / scale))


@scipy_params()
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - exp(-(x - loc)/scale))``, accurate near ``loc`` and far above it. Example:
    ``expon.logcdf(2.0)``"""
    below = _below(x, loc)
    return gnp.where(below, -gnp.inf, log1mexp(gnp.where(below, 1.0, (x - loc) / scale)))


@scipy_params()
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc - scale log(1 - q)``; nan outside [0, 1]. Example:
    ``expon.ppf(0.5)``"""
    qd = raw(q)
    bad = gnp.isnan(qd) | (qd < 0) | (qd > 1)
    return gnp.where(bad, gnp.nan, loc - scale * gnp.log1p(-q))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
