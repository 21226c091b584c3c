"""NumPy functions computed from operations every array backend has, for a backend (CuPy) that
lacks the function (``geomspace``, ``spacing``), narrows its arguments (``indices(sparse=)``,
``packbits``/``unpackbits`` along an axis) or computes it less exactly (its window functions
compute in float32). Each follows NumPy's own algorithm step by step, so values and dtypes are
NumPy's up to the rounding of the device's ``log``/``cos``/``i0``.

These give values (arrays, no gradient); the differentiable paths live with the public
functions in ``gpuad.numpy``.
"""

from __future__ import annotations

from typing import Any

import numpy as _np


def lacks(xp, name: str) -> bool:
    """Whether the array namespace ``xp`` has no function ``name``."""
    return getattr(xp, name, None) is None


def _any(xp, v) -> bool:
    return bool(xp.any(v))


def geomspace(xp, start, stop, num: int, endpoint: bool, dtype: Any, axis: int):
    """``numpy.geomspace`` from ``log10``, ``linspace`` and ``power``."""
    start, stop = xp.asarray(start), xp.asarray(stop)
    if _any(xp, start == 0) or _any(xp, stop == 0):
        raise ValueError("geomspace: geometric sequence cannot include zero")
    dt = _np.result_type(start.dtype, stop.dtype, float(num), _np.zeros((), dtype))
    dtype = dt if dtype is None else _np.dtype(dtype)
    start = start.astype(dt, copy=True)
    stop = stop.astype(dt, copy=True)
    # rotate start onto the positive reals, compute, rotate back (NumPy's steps)
    # (NumPy 2's sign of a complex number, z / |z|, written out: CuPy's may be the older one)
    sign = start / xp.abs(start) if dt.kind == "c" else xp.sign(start)
    start = start / sign
    stop = stop / sign
    y = xp.linspace(xp.log10(start), xp.log10(stop), num, endpoint=endpoint)
    r = xp.power(10.0, y).astype(dt, copy=False)
    if num > 0:  # the ends are start and stop themselves, not 10**log10 of them
        r[0] = start
        if num > 1 and endpoint:
            r[-1] = stop
    r = r * sign
    if axis != 0:
        r = xp.moveaxis(r, 0, axis)
    return r.astype(dtype, copy=False)


def spacing(xp, x):
    """``numpy.spacing``: the distance from ``x`` to the next number away from zero (``+0``
    and NaN: upwards), NaN at infinities; small integers give float16, as NumPy's loops do."""
    x = xp.asarray(x)
    dt = _np.spacing(_np.zeros(0, dtype=x.dtype)).dtype  # NumPy's loop (TypeError as NumPy's)
    x = x.astype(dt, copy=False)
    if dt == _np.float16:  # NumPy's half loop: positive, the gap below |x| for negative x
        ax = xp.abs(x)
        r = xp.where(x < 0, ax - xp.nextafter(ax, 0.0), xp.nextafter(x, _np.inf) - x)
        return xp.where(xp.isinf(x), x - x, r)
    # (at an infinity the step is inf - inf: NaN, as NumPy's)
    return xp.where(x < 0, xp.nextafter(x, -_np.inf) - x, xp.nextafter(x, _np.inf) - x)


def sparse_indices(xp, dimensions: tuple, dtype: Any) -> tuple:
    """``numpy.indices(dimensions, dtype, sparse=True)``: one broadcastable range per axis."""
    n = len(dimensions)
    return tuple(xp.arange(d, dtype=dtype).reshape((1,) * i + (d,) + (1,) * (n - i - 1))
                 for i, d in enumerate(dimensions))


def _weights(xp, bitorder: str):
    if bitorder not in ("big", "little"):
        raise ValueError("bitorder must be either 'big' or 'little'")
    shifts = _np.arange(7, -1, -1) if bitorder == "big" else _np.arange(8)
    return xp.asarray(shifts.astype(_np.uint8))


def packbits(xp, a, axis: int, bitorder: str):
    """``numpy.packbits(a, axis)``: eight elements (nonzero: 1) to a ``uint8`` along ``axis``,
    the last byte padded with zero bits."""
    if a.dtype.kind not in "biu":
        raise TypeError("Expected an input array of integer or boolean data type")
    a = a.reshape(1) if a.ndim == 0 else a  # NumPy reads a 0-d array as one of shape (1,)
    axis = _normalize(axis, a.ndim)
    b = (xp.moveaxis(a, axis, -1) != 0).astype(_np.uint8)
    n = b.shape[-1]
    pad = -n % 8
    if pad:
        b = xp.concatenate([b, xp.zeros(b.shape[:-1] + (pad,), dtype=_np.uint8)], axis=-1)
    b = b.reshape(b.shape[:-1] + ((n + pad) // 8, 8))
    packed = xp.sum(xp.left_shift(b, _weights(xp, bitorder)), axis=-1, dtype=_np.uint8)
    return xp.moveaxis(packed, -1, axis)


def unpackbits(xp, a, axis: int | None, count: int | None, bitorder: str):
    """``numpy.unpackbits(a, axis, count)``: the bits of ``uint8`` elements along ``axis`` (the
    flattened array when None), the first ``count`` of them (zeros past the end; a negative
    count drops bits at the end)."""
    if a.dtype != _np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if axis is None or a.ndim == 0:  # NumPy reads a 0-d array as one of shape (1,)
        a, axis = a.reshape(-1), 0 if axis is None else axis
    axis = _normalize(axis, a.ndim)
    m = xp.moveaxis(a, axis, -1)
    bits = xp.bitwise_and(xp.right_shift(m[..., None], _weights(xp, bitorder)), 1)
    bits = bits.reshape(m.shape[:-1] + (m.shape[-1] * 8,)).astype(_np.uint8)
    if count is not None:
        total = bits.shape[-1]
        count = int(count)
        if count < 0 and -count > total:
            raise ValueError("-count larger than number of elements")
        keep = count if count >= 0 else total + count
        if keep <= total:
            bits = bits[..., :keep]
        else:
            bits = xp.concatenate(
                [bits, xp.zeros(bits.shape[:-1] + (keep - total,), dtype=_np.uint8)], axis=-1)
    return xp.moveaxis(bits, -1, axis)


def _normalize(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise _np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def window(xp, name: str, M) -> Any:
    """NumPy's ``hamming``, ``hanning``, ``bartlett`` and ``blackman`` in float64."""
    values = _np.array([0.0, M])
    M = values[1]
    if M < 1:
        return xp.zeros(0, dtype=values.dtype)
    if M == 1:
        return xp.ones(1, dtype=values.dtype)
    n = xp.arange(1 - M, M, 2, dtype=values.dtype)
    if name == "bartlett":
        return xp.where(n <= 0, 1 + n / (M - 1), 1 - n / (M - 1))
    if name == "blackman":
        return 0.42 + 0.5 * xp.cos(_np.pi * n / (M - 1)) + 0.08 * xp.cos(
            2.0 * _np.pi * n / (M - 1))
    a, b = {"hamming": (0.54, 0.46), "hanning": (0.5, 0.5)}[name]
    return a + b * xp.cos(_np.pi * n / (M - 1))


def kaiser(xp, M, beta: float) -> Any:
    """NumPy's ``kaiser(M, beta)`` for a number ``beta``, in float64."""
    values = _np.array([0.0, M, beta])
    M, beta = values[1], values[2]
    if M == 1:
        return xp.ones(1, dtype=values.dtype)
    n = xp.arange(0, M, dtype=values.dtype)
    alpha = (M - 1) / 2.0
    den = xp.i0(xp.full((), beta, dtype=values.dtype))
    return xp.i0(beta * xp.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / den
