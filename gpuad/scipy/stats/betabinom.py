"""``scipy.stats.betabinom`` as ``jax.scipy.stats.betabinom``, differentiable in ``a`` and
``b`` (the count ``k``, the trials ``n`` and the shift ``loc`` are constants: a derivative in
them raises).

Example: ``betabinom.logpmf(k, n=10, a=alpha, b=beta).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from .._special_rules import betaln
from ._common import constant_args, raw

_K = ("betabinom: the count k, the trials n and the shift loc are constants: no derivative "
      "in them")


def logpmf(k: Any, n: Any, a: Any, b: Any, loc: Any = 0) -> Any:
    """``-log(n+1) - betaln(n-y+1, y+1) + betaln(y+a, n-y+b) - betaln(a, b)`` with
    ``y = floor(k) - loc``; -inf outside ``0 <= floor(k)``, ``y <= n``, ``y + a > 0``; nan for
    ``n < 0``, ``a <= 0`` or ``b <= 0``.

    Example: ``betabinom.logpmf(3, 10, 2.0, 3.0)``
    """
    kd, nd, ld = raw(k), raw(n), raw(loc)
    ad, bd = raw(a), raw(b)
    y = gnp.floor(kd) - ld
    val = (-(gnp.log1p(nd) + betaln(nd - y + 1, y + 1))
           + (betaln(y + a, nd - y + b) - betaln(a, b)))
    val = gnp.where((y == 0) & (nd == 0), 0.0, val)
    val = gnp.where((y < -ld) | (y > nd) | (y + ad <= 0), -gnp.inf, val)
    val = gnp.where((nd < 0) | (ad <= 0) | (bd <= 0), gnp.nan, val)
    return constant_args(val, k, n, loc, why=_K)


def pmf(k: Any, n: Any, a: Any, b: Any, loc: Any = 0) -> Any:
    """``P(K = k)``. Example: ``betabinom.pmf(3, 10, 2.0, 3.0)``"""
    return gnp.exp(logpmf(k, n, a, b, loc))


__all__ = ["logpmf", "pmf"]
