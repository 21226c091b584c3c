"""``scipy.stats.logistic`` as ``jax.scipy.stats.logistic``, differentiable in every
argument.

Example: ``logistic.logpdf(x, loc=m, scale=s).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...rules import sigmoid
from ._common import log_scale, scipy_params, standardize


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-2 log(2 cosh(z/2)) - log scale`` with ``z = (x - loc)/scale``. Example:
    ``logistic.logpdf(0.5)``"""
    h = standardize(x, loc, scale) / 2
    return -2 * gnp.logaddexp(h, -h) - log_scale(scale)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``logistic.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``expit(z)``. Example: ``logistic.cdf(0.5)``"""
    return sigmoid(standardize(x, loc, scale))


@scipy_params()
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``expit(-z)``. Example: ``logistic.sf(0.5)``"""
    return sigmoid(-standardize(x, loc, scale))


@scipy_params()
def ppf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale logit(q)``. Example: ``logistic.ppf(0.9)``"""
    return (gnp.log(x) - gnp.log1p(-x)) * scale + loc


@scipy_params()
def isf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The inverse of :func:`sf`. Example: ``logistic.isf(0.1)``"""
    return -(gnp.log(x) - gnp.log1p(-x)) * scale + loc


__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]
