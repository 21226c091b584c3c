"""``scipy.integrate.cumulative_trapezoid`` and ``simpson``, differentiable in ``y`` and
``x``: compositions of ``gpuad.numpy`` ops. Example: ``cumulative_trapezoid(y, x, initial=0)``
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


def _simpson_pairs(a: Any, h: Any, stop: int) -> Any:
    """Composite Simpson over the samples ``a[..., :stop + 1]`` (``stop`` even) with the
    interval widths ``h`` (a number or an array along the last axis)."""
    y0, y1, y2 = a[..., 0:stop:2], a[..., 1:stop:2], a[..., 2:stop + 1:2]
    if not hasattr(h, "shape"):
        return gnp.sum(h / 3.0 * (y0 + 4.0 * y1 + y2), axis=-1)
    h0, h1 = h[..., 0:stop:2], h[..., 1:stop:2]
    hsum, ratio = h0 + h1, h0 / h1
    return gnp.sum(hsum / 6.0 * (y0 * (2.0 - 1.0 / ratio) + y1 * (hsum * hsum / (h0 * h1))
                                 + y2 * (2.0 - ratio)), axis=-1)


def simpson(y, *, x=None, dx: float = 1.0, axis: int = -1) -> Any:
    """``scipy.integrate.simpson``: the composite Simpson rule along ``axis`` at the samples
    ``x`` (1-D along ``axis`` or of ``y``'s shape) or ``dx`` apart; with an even number of
    samples the last interval is integrated by the parabola through the last three (Cartwright's
    correction, as SciPy since 1.11). Differentiable in ``y`` and ``x``.

    Example: ``simpson(gnp.sin(t), x=t)``
    """
    y = gnp.asarray(y)
    if y.dtype.kind not in "fc":
        y = y.astype(gnp.float64)
    a = gnp.moveaxis(y, axis, -1)
    n = a.shape[-1]
    if x is None:
        h = dx
    else:
        x = gnp.asarray(x)
        if x.ndim == 1:
            if x.shape[0] != n:
                raise ValueError(f"simpson: x of length {x.shape[0]} does not match y's {n} "
                                 f"samples along axis {axis}")
            h = gnp.diff(x)
        elif tuple(x.shape) == tuple(y.shape):
            h = gnp.moveaxis(gnp.diff(x, axis=axis), axis, -1)
        else:
            raise ValueError(f"simpson: if given, shape of x must be 1-D or the same as y's; "
                             f"got {tuple(x.shape)} for y of shape {tuple(y.shape)}")
    if n < 2:
        return gnp.sum(a * 0.0, axis=-1)
    if n == 2:
        return (a[..., 0] + a[..., 1]) / 2.0 * (h if not hasattr(h, "shape") else h[..., 0])
    if n % 2:
        return _simpson_pairs(a, h, n - 1)
    # the first n - 1 samples by Simpson, the last interval by the parabola through three
    if hasattr(h, "shape"):
        h0, h1 = h[..., -2], h[..., -1]
    else:
        h0 = h1 = h
    alpha = (2 * h1 * h1 + 3 * h0 * h1) / (6 * (h0 + h1))
    beta = (h1 * h1 + 3 * h0 * h1) / (6 * h0)
    eta = h1 * h1 * h1 / (6 * h0 * (h0 + h1))
    return (_simpson_pairs(a, h, n - 2) + alpha * a[..., -1] + beta * a[..., -2]
            - eta * a[..., -3])
