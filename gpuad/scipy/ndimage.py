"""``jax.scipy.ndimage.map_coordinates``: an array sampled at arbitrary coordinates by nearest
(``order=0``) or linear (``order=1``) interpolation, differentiable in the input, the
coordinates (linear order) and ``cval``, with JAX's boundary modes and results.

The interpolation gathers the input at the ``2**ndim`` neighbouring grid points (one for
``order=0``) and sums them with weights that are products of ``c - floor(c)`` and its
complement: recorded gathers and arithmetic, so ``jit``, ``vmap`` and every order of derivative
work as for any composition. Modes are JAX's (which differ from SciPy's at the edges): outside
the grid ``'constant'`` uses ``cval`` for each missing neighbour (SciPy's ``'grid-constant'``),
``'nearest'`` clamps, ``'wrap'`` is periodic (SciPy's ``'grid-wrap'``), ``'mirror'`` reflects
about the edge points and ``'reflect'`` about the edges' outer halves.

Example::

    from gpuad.scipy.ndimage import map_coordinates
    y = map_coordinates(image, [rows, cols], order=1, mode="nearest")
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy as _np

from .. import numpy as gnp
from .._numpy_protocol import stop_gradient

__all__ = ["map_coordinates"]

_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _mirror(i: Any, size: int) -> Any:
    if size == 1:
        return gnp.zeros_like(i)
    s = size - 1
    return gnp.abs((i + s) % (2 * s) - s)


def _fix(mode: str, i: Any, size: int) -> Any:
    if mode == "nearest":
        return gnp.clip(i, 0, size - 1)
    if mode == "wrap":
        return i % size
    if mode == "mirror":
        return _mirror(i, size)
    if mode == "reflect":
        return (_mirror(2 * i + 1, 2 * size + 1) - 1) // 2
    return gnp.clip(i, 0, size - 1)  # constant: the neighbours outside are masked


def _round_half_away(c: Any) -> Any:
    return gnp.sign(c) * gnp.floor(gnp.abs(c) + 0.5)


def _coordinate_list(input_: Any, coordinates: Any) -> list[Any]:
    if isinstance(coordinates, (list, tuple)):
        coords = [gnp.asarray(c) for c in coordinates]
    else:
        arr = gnp.asarray(coordinates)
        if arr.ndim == 0:
            raise ValueError(f"map_coordinates: coordinates must be a sequence of input.ndim "
                             f"arrays, got a scalar for an input of shape {tuple(input_.shape)}")
        coords = [arr[j] for j in range(arr.shape[0])]
    if len(coords) != input_.ndim:
        raise ValueError(
            f"map_coordinates: coordinates must be a sequence of length input.ndim, but "
            f"{len(coords)} != {input_.ndim} (input of shape {tuple(input_.shape)}, coordinates "
            f"of shapes {[tuple(c.shape) for c in coords]})")
    out = []
    for c in coords:
        if c.dtype.kind not in "fiu":
            raise TypeError(f"map_coordinates: coordinates must be real numbers, got dtype "
                            f"{c.dtype}")
        out.append(c.astype(_np.float64) if c.dtype.kind != "f" else c)
    try:
        _np.broadcast_shapes(*(tuple(c.shape) for c in out))
    except ValueError:
        raise ValueError(f"map_coordinates: the coordinate arrays' shapes "
                         f"{[tuple(c.shape) for c in out]} do not broadcast together") from None
    return out


def map_coordinates(input: Any, coordinates: Sequence[Any], order: int, mode: str = "constant",
                    cval: Any = 0.0) -> Any:
    """``input`` interpolated at ``coordinates`` (one array of positions per axis of ``input``,
    broadcast together), as ``jax.scipy.ndimage.map_coordinates``: ``order`` 0 (nearest grid
    point, halves rounded away from zero) or 1 (linear); ``mode`` one of ``'constant'``
    (``cval`` outside), ``'nearest'``, ``'wrap'``, ``'mirror'``, ``'reflect'``, as JAX reads
    them. An integer input gives integers (rounded).

    Example: ``map_coordinates(gnp.arange(12.0).reshape(3, 4), [[0.5, 2], [0.5, 1]], order=1)``
    is ``[2.5, 9.0]``
    """
    x = gnp.asarray(input)
    if x.ndim == 0 or 0 in tuple(x.shape):
        raise ValueError(f"map_coordinates: input must have at least one dimension and no empty "
                         f"one, got shape {tuple(x.shape)}")
    if mode not in _MODES:
        raise NotImplementedError(f"map_coordinates: mode {mode!r} is not supported; the modes "
                                  f"are {', '.join(_MODES)} (as in JAX)")
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: order must be 0 (nearest) or 1 (linear), "
                                  f"as in JAX; got order={order!r}")
    coords = _coordinate_list(x, coordinates)
    cval = gnp.asarray(cval).astype(x.dtype)
    per_axis = []
    for c, size in zip(coords, x.shape, strict=True):
        fixed = stop_gradient(c)
        if order == 0:
            nodes = [(_round_half_away(fixed).astype(_np.int64), None)]
        else:
            low = gnp.floor(fixed)
            upper = c - low
            i = low.astype(_np.int64)
            nodes = [(i, 1 - upper), (i + 1, upper)]
        per_axis.append([(_fix(mode, i, size), (i >= 0) & (i < size), w) for i, w in nodes])
    flat = gnp.reshape(x, (-1,))
    strides = [int(_np.prod(x.shape[j + 1:])) for j in range(x.ndim)]
    total = None
    for corner in product(*per_axis):
        pos = None  # the flat position: a gather that vmap batches in any of its arguments
        for (i, _, _), stride in zip(corner, strides, strict=True):
            pos = i * stride if pos is None else pos + i * stride
        value = gnp.take(flat, pos)
        if mode == "constant":
            ok = corner[0][1]
            for _, v, _ in corner[1:]:
                ok = ok & v
            value = gnp.where(ok, value, cval)
        weights = [w for _, _, w in corner if w is not None]
        if weights:
            w = weights[0]
            for more in weights[1:]:
                w = w * more
            value = w * value
        total = value if total is None else total + value
    if x.dtype.kind in "iu":
        total = _round_half_away(total)
    return total.astype(x.dtype)


_ABSENT = {
    **dict.fromkeys(("convolve", "correlate", "convolve1d", "correlate1d", "uniform_filter",
                     "gaussian_filter", "sobel", "laplace", "prewitt"),
                    "the filters are not implemented; gpuad.scipy.signal.convolve/correlate "
                    "(mode='same') after gpuad.numpy.pad (mode 'symmetric' is ndimage's "
                    "'reflect', 'reflect' its 'mirror', 'edge' its 'nearest') computes them"),
    **dict.fromkeys(("zoom", "shift", "rotate", "affine_transform", "geometric_transform"),
                    "build the sample coordinates and call map_coordinates (orders 0 and 1)"),
    **dict.fromkeys(("median_filter", "maximum_filter", "minimum_filter", "label"),
                    "not implemented (not differentiable in a useful way); call SciPy on plain "
                    "arrays"),
}


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(f"module 'gpuad.scipy.ndimage' has no attribute {name!r}: "
                             f"{_ABSENT[name]}")
    raise AttributeError(f"module 'gpuad.scipy.ndimage' has no attribute {name!r}")
