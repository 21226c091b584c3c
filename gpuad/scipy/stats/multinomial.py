"""``scipy.stats.multinomial`` as ``jax.scipy.stats.multinomial``, differentiable in the
probabilities ``p`` (the integer counts ``x`` and ``n`` are constants).

Example: ``multinomial.logpmf(counts, n=counts.sum(-1), p=probs).sum()``
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from ... import numpy as gnp
from .._special_rules import gammaln, xlogy
from ._common import raw


def logpmf(x: Any, n: Any, p: Any) -> Any:
    """``log n! + sum_i (x_i log p_i - log x_i!)`` over the last axis where the counts add up
    to ``n``, else -inf. ``x`` and ``n`` must be integer arrays (``ValueError`` otherwise, as
    JAX). Each row of a stack of counts is checked against ``n`` on its own (as SciPy; JAX
    compares the total of all rows).

    Example: ``multinomial.logpmf(np.array([2, 1, 0]), 3, np.array([0.5, 0.3, 0.2]))``
    """
    xd, nd = raw(x), raw(n)
    if xd.dtype.kind not in "iu" or nd.dtype.kind not in "iu":
        raise ValueError(f"multinomial.logpmf: x and n must be of integer type; got "
                         f"x.dtype={xd.dtype}, n.dtype={nd.dtype}")
    fdt = getattr(raw(p), "dtype", _np.dtype(_np.float64))
    fdt = fdt if _np.dtype(fdt).kind == "f" else _np.float64
    xf, nf = xd.astype(fdt), nd.astype(fdt)
    val = gammaln(nf + 1) + gnp.sum(xlogy(xf, p) - gammaln(xf + 1), axis=-1)
    return gnp.where(gnp.sum(xd, axis=-1) == nd, val, -gnp.inf)


def pmf(x: Any, n: Any, p: Any) -> Any:
    """``P(X = x)``. Example: ``multinomial.pmf(np.array([2, 1, 0]), 3, probs)``"""
    return gnp.exp(logpmf(x, n, p))


__all__ = ["logpmf", "pmf"]
