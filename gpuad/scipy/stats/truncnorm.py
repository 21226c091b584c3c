"""``scipy.stats.truncnorm`` as ``jax.scipy.stats.truncnorm``: the normal N(loc, scale^2)
restricted to ``[loc + a scale, loc + b scale]``, differentiable in every argument. ``a >= b``
gives nan.

Example: ``truncnorm.logpdf(x, a=-1.0, b=2.0, loc=m, scale=s).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import HALF_LOG_2PI, log_ndtr, ndtr
from ..special import logsumexp
from ._common import log_scale, raw, scipy_params, standardize


def _log_diff(u: Any, v: Any) -> Any:
    """``log(exp(u) - exp(v))`` (nan where ``v > u``)."""
    one = gnp.ones_like(raw(u))
    return logsumexp(gnp.stack([u, v + 0 * one]), b=gnp.stack([one, -one]), axis=0)


def _log_gauss_mass(a: Any, b: Any) -> Any:
    """``log(ndtr(b) - ndtr(a))``: in the left tail from log_ndtr, the right tail mirrored
    onto it, and the middle as ``log1p(-ndtr(a) - ndtr(-b))`` (no cancellation near 1)."""
    a, b = gnp.broadcast_arrays(gnp.asarray(a), gnp.asarray(b))
    ad, bd = raw(a), raw(b)
    right = ad > 0
    central = ~((bd <= 0) | right)
    lo = gnp.where(right, -b, a)
    hi = gnp.where(right, -a, b)
    tail = _log_diff(log_ndtr(hi), log_ndtr(lo))
    return gnp.where(central, gnp.log1p(-ndtr(a) - ndtr(-b)), tail)


def _nan_if_empty(val: Any, a: Any, b: Any) -> Any:
    return gnp.where(raw(a) >= raw(b), gnp.nan, val)


@scipy_params()
def logpdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal log density less the log mass of ``[a, b]``; -inf outside. Example:
    ``truncnorm.logpdf(0.5, -1.0, 2.0)``"""
    z = standardize(x, loc, scale)
    val = (-0.5 * (z * z) - HALF_LOG_2PI - log_scale(scale)) - _log_gauss_mass(a, b)
    zd = raw(z)
    val = gnp.where((zd < raw(a)) | (zd > raw(b)), -gnp.inf, val)
    return _nan_if_empty(val, a, b)


@scipy_params()
def pdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``truncnorm.pdf(0.5, -1.0, 2.0)``"""
    return gnp.exp(logpdf(x, a, b, loc, scale))


@scipy_params()
def logcdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X <= x)``: 0 above ``b``, -inf below ``a`` (and 0 for a nan ``x``, as JAX).
    Example: ``truncnorm.logcdf(0.5, -1.0, 2.0)``"""
    z = standardize(x, loc, scale)
    z, a, b = gnp.broadcast_arrays(gnp.asarray(z), gnp.asarray(a), gnp.asarray(b))
    zd, ad, bd = raw(z), raw(a), raw(b)
    inner = (zd > ad) & (zd < bd)
    # outside (a, b) the masses below are not needed: a point inside stands in for z there
    zs = gnp.where(inner, z, 0.5 * (a + b))
    total = _log_gauss_mass(a, b)
    below = _log_gauss_mass(a, zs) - total
    above = _log_gauss_mass(zs, b) - total
    near_one = raw(below) > -0.1
    inner_val = gnp.where(near_one, gnp.log1p(-gnp.exp(above)), below)
    val = gnp.where(zd >= bd, 0.0, gnp.where(zd <= ad, -gnp.inf,
                                             gnp.where(inner, inner_val, 0.0)))
    return _nan_if_empty(val, a, b)


@scipy_params()
def cdf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X <= x)``. Example: ``truncnorm.cdf(0.5, -1.0, 2.0)``"""
    return gnp.exp(logcdf(x, a, b, loc, scale))


@scipy_params()
def logsf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``log P(X > x)``, the logcdf of the mirrored distribution. Example:
    ``truncnorm.logsf(0.5, -1.0, 2.0)``"""
    return logcdf(-x, -b, -a, -loc, scale)


@scipy_params()
def sf(x: Any, a: Any, b: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``P(X > x)``. Example: ``truncnorm.sf(0.5, -1.0, 2.0)``"""
    return gnp.exp(logsf(x, a, b, loc, scale))


__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]
