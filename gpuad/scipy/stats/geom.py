"""``scipy.stats.geom`` as ``jax.scipy.stats.geom``, differentiable in ``p`` (the count ``k``
and the shift ``loc`` are constants: a derivative in them raises).

Example: ``geom.logpmf(trials, p=probs).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import xlog1py
from ._common import constant_args, raw

_K = "geom: the count k and the shift loc are constants: no derivative in them"


def logpmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``(y-1) log(1-p) + log p`` with ``y = k - loc`` for ``y > 0``, else -inf.

    Example: ``geom.logpmf(3, 0.25)``
    """
    y = raw(k) - raw(loc)
    val = xlog1py(y - 1, -p) + gnp.log(p)
    return constant_args(gnp.where(y <= 0, -gnp.inf, val), k, loc, why=_K)


def pmf(k: Any, p: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``geom.pmf(3, 0.25)``"""
    return gnp.exp(logpmf(k, p, loc))


__all__ = ["logpmf", "pmf"]
