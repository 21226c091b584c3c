"""``scipy.stats.gennorm`` as ``jax.scipy.stats.gennorm`` (no loc or scale, as JAX),
differentiable in ``x`` and the shape ``beta`` (the cdf in ``beta`` through ``gammainc``'s
derivative in its shape parameter).

Example: ``gennorm.logpdf(x, beta=1.5).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import gammainc, gammaln
from ._common import raw, scipy_params


@scipy_params("beta")
def logpdf(x: Any, beta: Any) -> Any:
    """``log(beta / 2) - log Gamma(1/beta) - |x|^beta``. Example: ``gennorm.logpdf(0.5, 2.0)``
    """
    return gnp.log(0.5 * gnp.asarray(beta)) - gammaln(1 / beta) - gnp.abs(x) ** beta


@scipy_params("beta")
def pdf(x: Any, beta: Any) -> Any:
    """The density. Example: ``gennorm.pdf(0.5, 2.0)``"""
    return gnp.exp(logpdf(x, beta))


@scipy_params("beta")
def cdf(x: Any, beta: Any) -> Any:
    """``(1 + sign(x) gammainc(1/beta, |x|^beta)) / 2``. Example: ``gennorm.cdf(0.5, 2.0)``"""
    return 0.5 * (1 + gnp.sign(raw(x)) * gammainc(1 / beta, gnp.abs(x) ** beta))


__all__ = ["cdf", "logpdf", "pdf"]
