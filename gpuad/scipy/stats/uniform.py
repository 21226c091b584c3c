"""``scipy.stats.uniform`` on ``[loc, loc + scale]`` as ``jax.scipy.stats.uniform``,
differentiable in every argument inside the support.

Example: ``uniform.logpdf(x, loc=lo, scale=hi - lo).sum()``
"""

from __future__ import annotations

from typing import Any

from ... import numpy as gnp
from ._common import flat_in, log_scale, raw, scipy_params


@scipy_params()
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``-log scale`` on the support, -inf outside; a Tensor ``x`` or ``loc`` gets a
    derivative of 0 (a Tensor result, never a bare array). Example: ``uniform.logpdf(0.5)``"""
    xd, ld = raw(x), raw(loc)
    out = (xd > ld + raw(scale)) | (xd < ld)
    weak = [v if isinstance(v, int | float) else raw(v) for v in (x, loc, scale)]
    dt = gnp.result_type(*weak, gnp.float16)  # float32 x with the default scale: float32
    return flat_in(gnp.where(out, -gnp.inf, -log_scale(scale)), x, loc).astype(dt)


@scipy_params()
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The density. Example: ``uniform.pdf(0.5)``"""
    return gnp.exp(logpdf(x, loc, scale))


@scipy_params()
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """``(x - loc)/scale`` on the support, 0 below and 1 above. Example: ``uniform.cdf(0.5)``
    """
    xd, ld = raw(x), raw(loc)
    hi = ld + raw(scale)
    inside = (xd >= ld) & (xd <= hi)
    return gnp.where(xd < ld, 0.0, gnp.where(xd > hi, 1.0,
                                             gnp.where(inside, (x - loc) / scale, 0.0)))


@scipy_params()
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile ``loc + scale q``; nan outside [0, 1]. Example: ``uniform.ppf(0.25)``"""
    qd = raw(q)
    bad = gnp.isnan(qd) | (qd < 0) | (qd > 1)
    return gnp.where(bad, gnp.nan, loc + scale * q)


__all__ = ["cdf", "logpdf", "pdf", "ppf"]
