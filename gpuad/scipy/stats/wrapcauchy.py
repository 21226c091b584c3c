"""``scipy.stats.wrapcauchy`` on ``[0, 2 pi]`` (no loc or scale, as JAX) as
``jax.scipy.stats.wrapcauchy``, differentiable in ``x`` and ``c``; ``c`` outside (0, 1) gives
nan.

Example: ``wrapcauchy.logpdf(angles, c=0.4).sum()``
"""

from __future__ import annotations

import math
from typing import Any

from ... import numpy as gnp
from ._common import raw


def logpdf(x: Any, c: Any) -> Any:
    """``log(1 - c^2) - log(2 pi) - log(1 + c^2 - 2 c cos x)`` on ``[0, 2 pi]``, -inf outside.
    Example: ``wrapcauchy.logpdf(1.0, 0.4)``"""
    cd, xd = raw(c), raw(x)
    ok = (cd > 0) & (cd < 1)
    on = (xd >= 0) & (xd <= 2 * math.pi)
    cs = gnp.where(ok, c, 0.5)
    val = gnp.log(1 - cs * cs) - math.log(2 * math.pi) - gnp.log(1 + cs * cs
                                                                 - 2 * cs * gnp.cos(x))
    return gnp.where(ok, gnp.where(on, val, -gnp.inf), gnp.nan)


def pdf(x: Any, c: Any) -> Any:
    """The density. Example: ``wrapcauchy.pdf(1.0, 0.4)``"""
    return gnp.exp(logpdf(x, c))


__all__ = ["logpdf", "pdf"]
