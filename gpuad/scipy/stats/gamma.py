"""``scipy.stats.gamma``, differentiable.

``logpdf``/``pdf`` in ``x``, ``a``, ``loc`` and ``scale``; ``cdf``/``logcdf``/``sf``/``logsf``
in ``x``, ``loc`` and ``scale``, and once in the shape ``a`` (through ``gammainc``).

Example: ``gamma.logpdf(x, a=2.0, scale=theta).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...rules import data
from .._special_rules import gammainc, gammaincc, gammainccinv, gammaincinv, gammaln, xlogy
from . import _locscale as _ls
from ._common import log_prob, log_scale, shape_like, standardize, valid_scale, valid_shape


def logpdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``(a-1) log y - y - log Gamma(a) - log scale`` with ``y = (x-loc)/scale >= 0``, else -inf.

    Example: ``gamma.logpdf(1.5, 2.0)``
    """
    y = standardize(x, loc, scale)
    a = shape_like(a, y)
    below = data(y) < 0  # a nan x stays nan, as in SciPy
    ys = gnp.where(below, 1.0, y)
    val = xlogy(a - 1, ys) - ys - gammaln(a) - log_scale(scale)
    return valid_shape(valid_scale(gnp.where(below, -gnp.inf, val), scale), a)


def pdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density of the gamma distribution. Example: ``gamma.pdf(1.5, 2.0)``"""
    return gnp.exp(logpdf(x, a, loc, scale))


def cdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``gammainc(a, max(y, 0))``. Example: ``gamma.cdf(1.5, 2.0)``"""
    y = standardize(x, loc, scale)
    a = shape_like(a, y)
    return valid_shape(valid_scale(gammainc(a, gnp.where(data(y) < 0, 0.0, y)), scale), a)


def logcdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log cdf``. Example: ``gamma.logcdf(1.5, 2.0)``"""
    return log_prob(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x) = gammaincc(a, max(y, 0))``. Example: ``gamma.sf(1.5, 2.0)``"""
    y = standardize(x, loc, scale)
    a = shape_like(a, y)
    return valid_shape(valid_scale(gammaincc(a, gnp.where(data(y) < 0, 0.0, y)), scale),
                       a)



def logsf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log sf``. Example: ``gamma.logsf(1.5, 2.0)``"""
    return log_prob(sf(x, a, loc, scale), cdf(x, a, loc, scale))



def ppf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale gammaincinv(a, q)``; differentiable in ``q``, ``loc``,
    ``scale`` and once in ``a``. Example: ``gamma.ppf(0.5, 2.0)``"""
    return _ls.quantile(lambda p, a: gammaincinv(a, p), q, (a,), loc, scale)


def isf(q: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`. Example: ``gamma.isf(0.05, 2.0)``"""
    return _ls.quantile(lambda p, a: gammainccinv(a, p), q, (a,), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
