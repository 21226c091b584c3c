"""``scipy.stats.pareto`` as ``jax.scipy.stats.pareto``, differentiable in every argument
but at the edge of the support.

Example: ``pareto.logpdf(x, b=alpha, scale=xm).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ._common import raw, scipy_params


def _inside(x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    """(``x >= loc + scale``, ``z = (x - loc)/scale`` made 1 outside: no log of a negative
    number reaches a derivative)."""
    ok = ~(raw(x) < raw(loc) + raw(scale))
    return ok, gnp.where(ok, (x - loc) / scale, 1.0)


@scipy_params("b")
def logpdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log b - log scale - (b + 1) log z`` for ``x >= loc + scale``, else -inf. Example:
    ``pareto.logpdf(2.0, 3.0)``"""
    ok, z = _inside(x, loc, scale)
    return gnp.where(ok, -(gnp.log(scale / b) + (b + 1) * gnp.log(z)), -gnp.inf)


@scipy_params("b")
def pdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``pareto.pdf(2.0, 3.0)``"""
    return gnp.exp(logpdf(x, b, loc, scale))


@scipy_params("b")
def cdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``1 - z^-b``, 0 below the support. Example: ``pareto.cdf(2.0, 3.0)``"""
    ok, z = _inside(x, loc, scale)
    return gnp.where(ok, 1 - z ** (-b), 0.0)


@scipy_params("b")
def logcdf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log(1 - z^-b)``, -inf below the support. Example: ``pareto.logcdf(2.0, 3.0)``"""
    ok, z = _inside(x, loc, scale)
    return gnp.where(ok, gnp.log1p(-(z ** (-b))), -gnp.inf)


@scipy_params("b")
def logsf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-b log z``, 0 below the support. Example: ``pareto.logsf(2.0, 3.0)``"""
    ok, z = _inside(x, loc, scale)
    return gnp.where(ok, -(b * gnp.log(z)), 0.0)


@scipy_params("b")
def sf(x: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``z^-b``. Example: ``pareto.sf(2.0, 3.0)``"""
    return gnp.exp(logsf(x, b, loc, scale))


@scipy_params("b")
def ppf(q: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale (1 - q)^(-1/b)``; nan outside [0, 1]. Example:
    ``pareto.ppf(0.5, 3.0)``"""
    qd = raw(q)
    bad = gnp.isnan(qd) | (qd < 0) | (qd > 1)
    qs = gnp.where(bad, 0.5, q)
    return gnp.where(bad, gnp.nan, loc + scale * (1 - qs) ** (-(1 / b)))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
