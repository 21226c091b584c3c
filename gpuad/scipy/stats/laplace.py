"""``scipy.stats.laplace`` as ``jax.scipy.stats.laplace``, differentiable in every argument
(``|x - loc|`` has derivative 0 at its kink, as JAX's).

Example: ``laplace.logpdf(x, loc=m, scale=b).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ._common import log_scale, raw, scipy_params


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-|x - loc|/scale - log(2 scale)``. Example: ``laplace.logpdf(0.5)``"""
    return -(gnp.abs(x - loc) / scale + (math.log(2) + log_scale(scale)))


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``laplace.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``exp(z)/2`` for ``z = (x - loc)/scale <= 0``, ``1 - exp(-z)/2`` above. Example:
    ``laplace.cdf(0.5)``"""
    z = (x - loc) / scale
    left = raw(z) <= 0
    # each branch sees only its own side (no overflow reaching the other's derivative)
    return gnp.where(left, 0.5 * gnp.exp(gnp.where(left, z, 0.0)),
                     1 - 0.5 * gnp.exp(-gnp.where(left, 0.0, z)))


__all__ = ["cdf", "logpdf", "pdf"]
