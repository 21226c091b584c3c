"""``scipy.integrate.cumulative_trapezoid``, differentiable in ``y`` and ``x``: a composition
of ``gpuad.numpy`` ops. Example: ``cumulative_trapezoid(y, x, initial=0)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp


def cumulative_trapezoid(y, x=None, dx: float = 1.0, axis: int = -1, initial=None) -> Any:
    """The running integral of ``y`` along ``axis`` by the trapezoid rule, at the samples
    ``x`` (1-D along ``axis``, or broadcasting with ``y``) or ``dx`` apart; one entry shorter
    than ``y`` along ``axis``, unless ``initial`` (SciPy allows only 0) is put first.

    Example: ``cumulative_trapezoid(gnp.ones(4), dx=0.5)`` is ``[0.5, 1.0, 1.5]``
    """
    y = gnp.asarray(y)
    if initial is not None and initial != 0:
        raise ValueError(f"cumulative_trapezoid: initial must be None or 0 (as SciPy's), got "
                         f"{initial!r}")
    a = gnp.moveaxis(y, axis, -1)
    if a.shape[-1] == 0:
        raise ValueError(f"cumulative_trapezoid: at least one point is required along axis "
                         f"{axis}; y has shape {tuple(y.shape)}")
    if x is None:
        d = dx
    else:
        x = gnp.asarray(x)
        if x.ndim == 1:
            if x.shape[0] != a.shape[-1]:
                raise ValueError(f"cumulative_trapezoid: x of length {x.shape[0]} does not "
                                 f"match y's {a.shape[-1]} samples along axis {axis}")
            d = gnp.diff(x)
        else:
            d = gnp.moveaxis(gnp.diff(x, axis=axis), axis, -1)
    r = gnp.cumsum(d * (a[..., 1:] + a[..., :-1]) / 2, axis=-1)
    if initial is not None:
        r = gnp.concatenate([gnp.zeros(tuple(a.shape[:-1]) + (1,), dtype=r.dtype), r], axis=-1)
    return gnp.moveaxis(r, -1, axis)
