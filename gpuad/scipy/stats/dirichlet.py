"""``scipy.stats.dirichlet``, differentiable in ``x`` and ``alpha`` (any order, both modes).

As in SciPy, the components run along the first axis of ``x``: shape ``(K,)`` or ``(K, N)``
(or ``K - 1`` rows, the last component being one minus their sum).

Example: ``dirichlet.logpdf(p, alpha).sum()``
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from ... import _value_checks as _vc
from ... import numpy as gnp
from ...rules import _xp, data, ndim, shape
from ...tensor import Tensor
from .._special_rules import gammaln, xlogy
from ._common import constant_args


def _check(x: Any, alpha: Any) -> tuple[Any, Any]:
    x, alpha = gnp.asarray(x), gnp.asarray(alpha)  # host arrays too: the backend's arrays
    if ndim(alpha) != 1:
        raise ValueError(f"dirichlet: alpha must be one-dimensional, got shape {shape(alpha)}")
    k = shape(alpha)[0]
    if ndim(x) == 0 or shape(x)[0] not in (k, k - 1):
        raise ValueError(f"dirichlet: x must have {k} or {k - 1} entries along its first axis "
                         f"(one per component of alpha, shape {shape(alpha)}); got shape "
                         f"{shape(x)}")
    if shape(x)[0] == k - 1:
        x = gnp.concatenate([x, 1 - gnp.sum(x, axis=0, keepdims=True)], axis=0)
    # inside vmap every example is checked at once, on the arrays holding the whole batch
    (xd, kx), (ad, _) = _whole(x), _whole(alpha)
    _vc.fail_if("dirichlet_alpha", lambda xp, a: a <= 0, lambda: ValueError(
        "dirichlet: all entries of alpha must be positive"), ad)
    _vc.fail_if("dirichlet_x", lambda xp, v: (v < 0) | (v > 1), lambda: ValueError(
        "dirichlet: all entries of x must lie in [0, 1]"), xd)
    _vc.fail_if("dirichlet_sum", lambda xp, v: xp.abs(xp.sum(v, axis=kx) - 1.0) > 1e-9,
                lambda: ValueError("dirichlet: the entries of x must sum to 1 along the first "
                                   "axis"), xd)
    return x, alpha


def _whole(v):
    """The array behind ``v`` and its number of vmap levels (leading axes). While gpuad.jit
    traces, data() keeps a traced value an unbatched Tensor: the checks read its array."""
    d = data(v)
    return (d._data, len(d._bat or ())) if isinstance(d, Tensor) else (d, 0)


def logpdf(x: Any, alpha: Any) -> Any:
    """``sum((alpha-1) log x) + gammaln(sum alpha) - sum gammaln(alpha)``.

    Example: ``dirichlet.logpdf([0.2, 0.3, 0.5], [1.5, 2.0, 3.0])``
    """
    x, alpha = _check(x, alpha)
    a = gnp.reshape(alpha, (shape(alpha)[0],) + (1,) * (ndim(x) - 1))
    lnb = gnp.sum(gammaln(alpha)) - gammaln(gnp.sum(alpha))
    return gnp.sum(xlogy(a - 1, x), axis=0) - lnb


def pdf(x: Any, alpha: Any) -> Any:
    """Density of the Dirichlet distribution. Example: ``dirichlet.pdf(p, alpha)``"""
    return gnp.exp(logpdf(x, alpha))


def rvs(alpha: Any, size: Any = 1, random_state: Any = None) -> Any:
    """Samples of shape ``(size..., K)`` drawn by ``scipy.stats.dirichlet.rvs`` on the host and
    placed on the backend of ``alpha``. Not differentiable in ``alpha`` (a derivative raises).

    Example: ``dirichlet.rvs([1.0, 2.0, 3.0], size=5, random_state=0)``
    """
    import scipy.stats

    ad = data(alpha)
    host = _np.asarray(ad.get() if hasattr(ad, "get") else ad, dtype=_np.float64)
    out = scipy.stats.dirichlet.rvs(host, size=size, random_state=random_state)
    return constant_args(_xp(ad).asarray(out), alpha, why=(
        "dirichlet.rvs: samples are not differentiated in alpha (there is no "
        "reparameterisation for them here)"))


__all__ = ["logpdf", "pdf", "rvs"]
