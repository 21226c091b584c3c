"""``scipy.stats.beta``, differentiable.

``logpdf``/``pdf`` in ``x``, ``a``, ``b``, ``loc`` and ``scale``; ``cdf``/``logcdf``/``sf``/
``logsf`` in ``x``, ``loc`` and ``scale`` (derivatives in ``a`` and ``b`` have no closed form
and raise).

Example: ``beta.logpdf(p, a=2.0, b=5.0).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ...rules import data
from .._special_rules import betainc, betaincc, betaincinv, betaln, xlog1py, xlogy
from . import _locscale as _ls
from ._common import log_prob, log_scale, shape_like, standardize, valid_scale, valid_shape


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``(a-1) log y + (b-1) log(1-y) - log B(a, b) - log scale`` on ``0 <= y <= 1``, else -inf.

    Example: ``beta.logpdf(0.3, 2.0, 5.0)``
    """
    y = standardize(x, loc, scale)
    a, b = shape_like(a, y), shape_like(b, y)
    yd = data(y)
    outside = (yd < 0) | (yd > 1)  # a nan x stays nan, as in SciPy
    ys = gnp.where(outside, 0.5, y)
    val = xlogy(a - 1, ys) + xlog1py(b - 1, -ys) - betaln(a, b) - log_scale(scale)
    return valid_shape(valid_scale(gnp.where(outside, -gnp.inf, val), scale), a, b)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """Density of the beta distribution. Example: ``beta.pdf(0.3, 2.0, 5.0)``"""
    return gnp.exp(logpdf(x, a, b, loc, scale))


def _clipped(x, loc, scale):
    y = standardize(x, loc, scale)
    yd = data(y)
    return gnp.where(yd < 0, 0.0, gnp.where(yd > 1, 1.0, y))


def cdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``betainc(a, b, y)`` with ``y`` clipped to [0, 1]. Example: ``beta.cdf(0.3, 2.0, 5.0)``"""
    y = _clipped(x, loc, scale)
    a, b = shape_like(a, y), shape_like(b, y)
    return valid_shape(valid_scale(betainc(a, b, y), scale), a, b)


def logcdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log cdf``. Example: ``beta.logcdf(0.3, 2.0, 5.0)``"""
    # the complement as I_{1-y}(b, a): betainc alone (CuPy has no betaincc), and 1 - y is
    # exact where it matters (y near 1)
    y = _clipped(x, loc, scale)
    return log_prob(cdf(x, a, b, loc, scale), betainc(shape_like(b, y), shape_like(a, y), 1 - y))


def sf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``P(X > x) = betaincc(a, b, y)``. Example: ``beta.sf(0.3, 2.0, 5.0)``"""
    y = _clipped(x, loc, scale)
    a, b = shape_like(a, y), shape_like(b, y)
    return valid_shape(valid_scale(betaincc(a, b, y), scale), a, b)



def logsf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log sf``. Example: ``beta.logsf(0.3, 2.0, 5.0)``"""
    return log_prob(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))



def ppf(q: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile ``loc + scale betaincinv(a, b, q)``; differentiable in ``q``, ``loc`` and
    ``scale`` (in ``a``, ``b`` it raises, as the cdf). Example: ``beta.ppf(0.5, 2.0, 5.0)``"""
    return _ls.quantile(lambda p, a, b: betaincinv(a, b, p), q, (a, b), loc, scale)


def isf(q: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of :func:`sf`: ``1 - X`` is beta(b, a). Example: ``beta.isf(0.05, 2.0, 5.0)``
    """
    return _ls.quantile(lambda p, a, b: 1 - betaincinv(b, a, p), q, (a, b), loc, scale)


__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]
