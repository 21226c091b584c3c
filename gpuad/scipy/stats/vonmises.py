"""``scipy.stats.vonmises`` (no loc or scale, as JAX) as ``jax.scipy.stats.vonmises``,
differentiable in ``x`` and the concentration ``kappa``; ``kappa <= 0`` gives nan.

Example: ``vonmises.logpdf(angles, kappa=k).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from .._special_rules import i0e
from ._common import raw


def logpdf(x: Any, kappa: Any) -> Any:
    """``kappa (cos x - 1) - log(2 pi i0e(kappa))`` for ``kappa > 0``. Example:
    ``vonmises.logpdf(0.3, 2.0)``"""
    ok = raw(kappa) > 0
    k = gnp.where(ok, kappa, 1.0)
    return gnp.where(ok, k * (gnp.cos(x) - 1) - gnp.log(2 * math.pi * i0e(k)), gnp.nan)


def pdf(x: Any, kappa: Any) -> Any:
    """The density. Example: ``vonmises.pdf(0.3, 2.0)``"""
    return gnp.exp(logpdf(x, kappa))


__all__ = ["logpdf", "pdf"]
