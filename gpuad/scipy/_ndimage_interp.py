"""SciPy's spline interpolation for ``gpuad.scipy.ndimage``: the B-spline prefilter
(``spline_filter1d``, linear, applied as the ``n x n`` matrix SciPy's filter makes of the
identity) and the sampler of ``map_coordinates``/``shift``/``zoom``/``affine_transform``/
``rotate`` with SciPy's boundary modes.

A sample is ``sum_k coef[ext(k)] * B(c - k)`` over the ``order + 1`` grid points nearest the
(mode-mapped) coordinate ``c``: gathers of the coefficients times polynomial weights in
``c - floor(c)``, all recorded, so the result is differentiable in the input, the coordinates
and ``cval`` (the integer parts are held fixed, as for any piecewise polynomial).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from typing import Any

import numpy as _np

from .. import numpy as gnp
from .._numpy_protocol import stop_gradient
from ..backends import get_backend

MODES = ("constant", "nearest", "reflect", "mirror", "wrap", "grid-wrap", "grid-constant",
         "grid-mirror")


def _poly(*coeffs: float) -> list[float]:
    return list(coeffs)


def _power(a: float, n: int, scale: float) -> list[float]:
    """The coefficients (lowest first) of ``(a - y) ** n / scale``."""
    return list((_np.polynomial.Polynomial([a, -1.0]) ** n / scale).coef)


# the pieces of the centred B-spline of each order as polynomials in y = |x|: piece m holds
# on [m, m + 1) for odd orders and on [m - 1/2, m + 1/2) for even ones
_PIECES = {
    1: [_poly(1.0, -1.0)],
    2: [_poly(0.75, 0.0, -1.0), _power(1.5, 2, 2.0)],
    3: [_poly(2 / 3, 0.0, -1.0, 0.5), _power(2.0, 3, 6.0)],
    4: [_poly(115 / 192, 0.0, -5 / 8, 0.0, 0.25),
        _poly(55 / 96, 5 / 24, -5 / 4, 5 / 6, -1 / 6), _power(2.5, 4, 24.0)],
    5: [_poly(0.55, 0.0, -0.5, 0.0, 0.25, -1 / 12),
        _poly(17 / 40, 5 / 8, -7 / 4, 5 / 4, -3 / 8, 1 / 24), _power(3.0, 5, 120.0)],
}


def _horner(coeffs: list[float], y: Any) -> Any:
    out = coeffs[-1]
    for c in coeffs[-2::-1]:
        out = out * y + c
    return out


def tap_weights(t: Any, order: int) -> list[Any]:
    """The ``order + 1`` B-spline weights at ``start + j`` for ``t = c - base`` (in [0, 1)
    for odd orders, [-1/2, 1/2) for even ones): one polynomial piece per tap."""
    h = order // 2
    out = []
    for j in range(order + 1):
        d = t + (h - j)
        if order % 2:
            piece, y = (h - j, d) if h - j >= 0 else (j - h - 1, -d)
        else:
            piece, y = abs(h - j), (d if h - j >= 0 else -d)  # the middle piece is even
        out.append(_horner(_PIECES[order][piece], y))
    return out


def _mirror(i: Any, size: int) -> Any:
    if size == 1:
        return gnp.zeros_like(i)
    s = size - 1
    return gnp.abs((i + s) % (2 * s) - s)


def extend(mode: str, k: Any, size: int) -> Any:
    """Integer grid positions ``k`` brought inside ``0..size-1`` as ``mode`` extends the
    coefficients (the positions outside are masked afterwards for ``grid-constant``)."""
    if mode in ("reflect", "grid-mirror"):
        return (_mirror(2 * k + 1, 2 * size + 1) - 1) // 2
    if mode == "grid-wrap":
        return k % size
    if mode in ("mirror", "constant", "wrap"):
        return _mirror(k, size)
    return gnp.clip(k, 0, size - 1)  # nearest, grid-constant


def _map(mode: str, cs: Any, size: int) -> tuple[Any, Any]:
    """SciPy's mapping of a coordinate outside ``[0, size - 1]`` (``cs``, held fixed) into the
    grid: the mapped value and the sign of its derivative."""
    one = gnp.ones_like(cs)
    if mode in ("constant", "grid-constant", "nearest"):  # nearest: the taps are clamped
        return cs, one
    if size == 1:
        return gnp.zeros_like(cs), gnp.zeros_like(cs)
    outside = (cs < 0) | (cs > size - 1)
    if mode == "mirror":
        period = 2 * size - 2
        low = cs + period * gnp.trunc(-cs / period)  # in (-period, 0] below the grid
        high = cs - period * gnp.trunc(cs / period)  # in [0, period) above it
        low_back = low > 1 - size
        high_back = high >= size
        mapped = gnp.where(cs < 0, gnp.where(low_back, -low, low + period),
                           gnp.where(high_back, period - high, high))
        sign = gnp.where(gnp.where(cs < 0, low_back, high_back), -1.0, 1.0)
    elif mode in ("reflect", "grid-mirror"):
        u = cs % (2 * size)
        back = u >= size
        mapped, sign = gnp.where(back, 2 * size - u - 1, u), gnp.where(back, -1.0, 1.0)
    elif mode == "wrap":
        s = size - 1
        mapped = gnp.where(cs < 0, cs + s * (gnp.trunc(-cs / s) + 1), cs - s * gnp.trunc(cs / s))
        sign = one
    else:  # grid-wrap
        mapped = gnp.where(cs < 0, cs + size * (gnp.trunc((-1 - cs) / size) + 1),
                           cs - size * gnp.trunc(cs / size))
        sign = one
    return gnp.where(outside, mapped, cs), gnp.where(outside, sign, 1.0)


def sample(coef: Any, coords: list[Any], order: int, mode: str, cval: Any,
           npad: int = 0) -> Any:
    """``coef`` (its last ``len(coords)`` axes the grid; leading axes carried along) sampled
    at ``coords`` (one array per grid axis, broadcast together, in the unpadded frame; the
    grid was padded by ``npad`` on each side) with SciPy's ``order`` and ``mode``."""
    ns = len(coords)
    shape = tuple(coef.shape[coef.ndim - ns:])
    per_axis, inside = [], None
    for c, size in zip(coords, shape, strict=True):
        cs = stop_gradient(c)
        if mode == "constant":  # no interpolation beyond the edges: cval
            ok = (cs >= 0) & (cs <= size - 1)
            inside = ok if inside is None else inside & ok
        if npad:
            c, cs = c + npad, cs + npad
        mapped, sign = _map(mode, cs, size)
        cm = mapped + sign * (c - cs)  # the mapped coordinate, its derivative kept
        base = gnp.floor(mapped) if order % 2 else gnp.floor(mapped + 0.5)
        start = base.astype(_np.int64) - order // 2
        weights = tap_weights(cm - base, order) if order else [None]
        taps = []
        for j, w in enumerate(weights):
            k = start + j
            valid = ((k >= 0) & (k < size)) if mode == "grid-constant" else None
            taps.append((extend(mode, k, size), valid, w))
        per_axis.append(taps)
    lead = tuple(coef.shape[:coef.ndim - ns])
    flat = gnp.reshape(coef, lead + (-1,))
    strides = [int(_np.prod(shape[j + 1:])) for j in range(ns)]
    cval = gnp.asarray(cval).astype(coef.dtype)
    total = None
    for corner in product(*per_axis):
        pos, ok, w = None, None, None
        for (i, v, wt), stride in zip(corner, strides, strict=True):
            pos = i * stride if pos is None else pos + i * stride
            if v is not None:
                ok = v if ok is None else ok & v
            if wt is not None:
                w = wt if w is None else w * wt
        value = gnp.take(flat, pos, axis=-1)
        if ok is not None:
            value = gnp.where(ok, value, cval)
        if w is not None:
            value = w * value
        total = value if total is None else total + value
    if inside is not None:
        total = gnp.where(inside, total, cval)
    return total


@lru_cache(maxsize=256)
def _filter_matrix(size: int, order: int, mode: str) -> _np.ndarray:
    """SciPy's spline prefilter along an axis of length ``size`` as a matrix (it is linear):
    the filter applied to each unit vector."""
    from scipy import ndimage

    return ndimage.spline_filter1d(_np.eye(size), order, axis=0, mode=mode)


def filter_axis(x: Any, order: int, axis: int, mode: str) -> Any:
    """The B-spline coefficients of ``x`` along ``axis`` (``order`` 2 to 5)."""
    size = x.shape[axis]
    if size <= 1:
        return x
    m = get_backend().xp.asarray(_filter_matrix(size, order, mode))
    moved = gnp.moveaxis(x, axis, -1)
    return gnp.moveaxis(gnp.matmul(moved, m.T), -1, axis)  # (x is float64 or complex128)


def prefiltered(x: Any, order: int, mode: str, cval: Any, prefilter: bool,
                axes: tuple[int, ...]) -> tuple[Any, int]:
    """The coefficients the sampler reads and the padding on each side, as SciPy makes them:
    ``nearest`` and ``grid-constant`` pad 12 points (edge values, ``cval``) before filtering."""
    if not prefilter or order <= 1:
        return x, 0
    npad = 0
    if mode in ("nearest", "grid-constant"):
        npad = 12
        pads = [(npad, npad) if a in axes else (0, 0) for a in range(x.ndim)]
        x = (gnp.pad(x, pads, mode="edge") if mode == "nearest"
             else gnp.pad(x, pads, mode="constant", constant_values=cval))
    for a in axes:
        x = filter_axis(x, order, a, mode)
    return x, npad
