"""``jax.scipy.ndimage.map_coordinates`` and SciPy's filters ``correlate``, ``convolve`` (and
their 1-D forms), ``uniform_filter`` and ``gaussian_filter`` (see below).

``map_coordinates``: an array sampled at arbitrary coordinates by nearest
(``order=0``) or linear (``order=1``) interpolation, differentiable in the input, the
coordinates (linear order) and ``cval``, with JAX's boundary modes and results.

The interpolation gathers the input at the ``2**ndim`` neighbouring grid points (one for
``order=0``) and sums them with weights that are products of ``c - floor(c)`` and its
complement: recorded gathers and arithmetic, so ``jit``, ``vmap`` and every order of derivative
work as for any composition. Modes are JAX's (which differ from SciPy's at the edges): outside
the grid ``'constant'`` uses ``cval`` for each missing neighbour (SciPy's ``'grid-constant'``),
``'nearest'`` clamps, ``'wrap'`` is periodic (SciPy's ``'grid-wrap'``), ``'mirror'`` reflects
about the edge points and ``'reflect'`` about the edges' outer halves.

The filters pad the input as SciPy's boundary modes say (``gnp.pad``) and correlate the
padded input with the weights (``gpuad.scipy.signal``'s sliding windows): SciPy's values,
differentiable in the input, the weights, ``cval`` and a Gaussian's ``sigma``.

Example::

    from gpuad.scipy.ndimage import map_coordinates, gaussian_filter
    y = map_coordinates(image, [rows, cols], order=1, mode="nearest")
    smooth = gaussian_filter(image, sigma=2.0, mode="reflect")
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .._numpy_protocol import stop_gradient
from ..backends import get_backend
from ..rules import data
from ..tensor import Tensor
from ._absent import absent_names

__all__ = ["convolve", "convolve1d", "correlate", "correlate1d", "gaussian_filter",
           "gaussian_filter1d", "map_coordinates", "uniform_filter"]

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


_PAD = {"reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect",
        "nearest": "edge", "wrap": "wrap", "grid-wrap": "wrap", "constant": "constant",
        "grid-constant": "constant"}


def _filter_mode(name: str, mode: str) -> str:
    if mode not in _PAD:
        raise RuntimeError(f"{name}: boundary mode {mode!r} not supported; the modes are "
                           f"{', '.join(_PAD)}")
    return _PAD[mode]


def _per_axis(name: str, value: Any, nd: int, what: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != nd:
            raise RuntimeError(f"{name}: {what} must have one entry per axis of the input "
                               f"({nd}), got {list(value)}")
        return list(value)
    return [value] * nd


def _correlate_padded(name: str, x: Any, w: Any, mode: str, cval: Any, origins: list,
                      axes: tuple[int, ...]) -> Any:
    """``x`` correlated with ``w`` (one axis of ``w`` per entry of ``axes``, in order) with
    ndimage's boundary handling: pad each axis as ``mode`` says, then the valid correlation."""
    from .signal import _convolve

    pad_mode = _filter_mode(name, mode)
    pads = [(0, 0)] * x.ndim
    for k, (ax, o) in enumerate(zip(axes, origins, strict=True)):
        size = w.shape[k]
        if not -(size // 2) <= o <= (size - 1) // 2:
            raise ValueError(f"{name}: invalid origin {o} for a filter of size {size} along "
                             f"axis {ax}")
        left = size // 2 + o
        pads[ax] = (left, size - 1 - left)
    if pad_mode == "constant":
        xp_ = gnp.pad(x, pads, mode="constant", constant_values=cval)
    else:
        xp_ = gnp.pad(x, pads, mode=pad_mode)
    flipped = gnp.flip(w, tuple(range(w.ndim))) if w.ndim else w
    others = tuple(a for a in range(x.ndim) if a not in axes)
    out = _convolve(xp_, flipped, "valid", tuple(axes), tuple(range(w.ndim)), (), (), (), ())
    # _convolve puts the axes not filtered first, then the filtered ones
    return gnp.moveaxis(out, tuple(range(x.ndim)), others + tuple(axes))


def _filter_input(name: str, input_: Any) -> Any:
    x = gnp.asarray(input_)
    if x.dtype.kind not in "fc":
        raise TypeError(f"{name}: gpuad filters floating-point inputs only (SciPy rounds "
                        f"into the integer dtype, which has no derivative); got {x.dtype}: "
                        f"cast it with .astype(float)")
    return x


def _no_output(name: str, output: Any) -> None:
    if output is not None:
        raise NotImplementedError(f"{name}: output= (writing into a given array) is not "
                                  f"supported; use the returned array")


def _weights(name: str, weights: Any, x: Any) -> Any:
    """The filter weights, one axis per axis of the input and not empty (SciPy's errors)."""
    w = gnp.asarray(weights)
    if w.ndim != x.ndim:
        raise RuntimeError(f"{name}: the filter weights must have one axis per axis of the "
                           f"input; got weights of shape {tuple(w.shape)} for an input of "
                           f"shape {tuple(x.shape)}")
    if 0 in tuple(w.shape):
        raise RuntimeError(f"{name}: no filter weights given (shape {tuple(w.shape)})")
    return w


def correlate(input: Any, weights: Any, output: Any = None, mode: str = "reflect",
              cval: float = 0.0, origin: Any = 0) -> Any:
    """``scipy.ndimage.correlate``: ``sum_k weights[k] * input[i + k - center]`` with the
    boundary ``mode`` (``'reflect'``, ``'mirror'``, ``'nearest'``, ``'wrap'``,
    ``'constant'`` with ``cval``, and the ``'grid-*'`` names) and ``origin`` shifting the
    centre; differentiable in ``input``, ``weights`` and ``cval``. Floating-point inputs.

    Example: ``correlate(image, gnp.ones((3, 3)) / 9, mode="nearest")``
    """
    _no_output("correlate", output)
    x = _filter_input("correlate", input)
    w = _weights("correlate", weights, x)
    origins = [int(o) for o in _per_axis("correlate", origin, x.ndim, "origin")]
    return _correlate_padded("correlate", x, w, mode, cval, origins, tuple(range(x.ndim)))


def convolve(input: Any, weights: Any, output: Any = None, mode: str = "reflect",
             cval: float = 0.0, origin: Any = 0) -> Any:
    """``scipy.ndimage.convolve``: :func:`correlate` with the weights reversed (and the
    origin mirrored, as SciPy's); differentiable in ``input``, ``weights`` and ``cval``.

    Example: ``convolve(image, kernel, mode="constant", cval=0.0)``
    """
    _no_output("convolve", output)
    x = _filter_input("convolve", input)
    w = _weights("convolve", weights, x)
    origins = [-int(o) - (1 - n % 2) for o, n in zip(
        _per_axis("convolve", origin, x.ndim, "origin"), w.shape, strict=True)]
    w = gnp.flip(w, tuple(range(w.ndim))) if w.ndim else w
    return _correlate_padded("convolve", x, w, mode, cval, origins, tuple(range(x.ndim)))


def correlate1d(input: Any, weights: Any, axis: int = -1, output: Any = None,
                mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.correlate1d``: :func:`correlate` along one axis with 1-D weights.

    Example: ``correlate1d(x, [1.0, 0.0, -1.0], axis=0)``
    """
    _no_output("correlate1d", output)
    x = _filter_input("correlate1d", input)
    w = gnp.asarray(weights)
    if w.ndim != 1 or w.shape[0] == 0:
        raise RuntimeError(f"correlate1d: weights must be a non-empty 1-D array, got shape "
                           f"{tuple(w.shape)}")
    ax = _axis("correlate1d", axis, x.ndim)
    return _correlate_padded("correlate1d", x, w, mode, cval, [int(origin)], (ax,))


def convolve1d(input: Any, weights: Any, axis: int = -1, output: Any = None,
               mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.convolve1d``: :func:`convolve` along one axis with 1-D weights.

    Example: ``convolve1d(x, [0.25, 0.5, 0.25], axis=-1, mode="wrap")``
    """
    w = gnp.asarray(weights)
    if w.ndim != 1 or w.shape[0] == 0:
        raise RuntimeError(f"convolve1d: weights must be a non-empty 1-D array, got shape "
                           f"{tuple(w.shape)}")
    origin = -int(origin) - (1 - w.shape[0] % 2)
    return correlate1d(input, gnp.flip(w, 0), axis, output, mode, cval, origin)


def _axis(name: str, axis: int, nd: int) -> int:
    if not -nd <= int(axis) < nd:
        raise _np.exceptions.AxisError(f"{name}: axis {axis} is out of bounds for an input of "
                                       f"dimension {nd}")
    return int(axis) % nd


def _axes(name: str, axes: Any, nd: int) -> tuple[int, ...]:
    if axes is None:
        return tuple(range(nd))
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    out = tuple(_axis(name, a, nd) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: axes must be unique, got {axes}")
    return out


def uniform_filter(input: Any, size: Any = 3, output: Any = None, mode: str = "reflect",
                   cval: float = 0.0, origin: Any = 0, *, axes: Any = None) -> Any:
    """``scipy.ndimage.uniform_filter``: the mean over a box of ``size`` (per axis or one for
    all), one axis after another; differentiable in ``input`` and ``cval``.

    Example: ``uniform_filter(image, size=5, mode="nearest")``
    """
    _no_output("uniform_filter", output)
    x = _filter_input("uniform_filter", input)
    ax = _axes("uniform_filter", axes, x.ndim)
    sizes = _per_axis("uniform_filter", size, len(ax), "size")
    origins = _per_axis("uniform_filter", origin, len(ax), "origin")
    for a, n, o in zip(ax, sizes, origins, strict=True):
        n = int(n)
        if n < 1:
            raise RuntimeError(f"uniform_filter: incorrect filter size {n}")
        if n > 1:
            x = correlate1d(x, _np.full(n, 1.0 / n), a, None, mode, cval, int(o))
    return x


def _gaussian_kernel(sigma: Any, order: int, radius: int) -> Any:
    """The sampled Gaussian on ``-radius..radius`` normalised to sum 1, times the polynomial
    that makes it its ``order``-th derivative; recorded, so differentiable in ``sigma``."""
    x = get_backend().xp.arange(-radius, radius + 1, dtype=_np.float64)
    phi = gnp.exp(-0.5 * x * x / (sigma * sigma))
    phi = phi / gnp.sum(phi)
    if order == 0:
        return phi
    # d/dx (q(x) phi(x)) = (q'(x) - x q(x) / sigma^2) phi(x): q's coefficients, lowest first
    q = [1.0] + [0.0] * order
    for _ in range(order):
        q = [((k + 1) * q[k + 1] if k < order else 0.0)
             - (q[k - 1] / (sigma * sigma) if k > 0 else 0.0) for k in range(order + 1)]
    poly = sum(c * x ** k for k, c in enumerate(q))
    return phi * poly


def _sigma_value(raw: Any) -> float:
    """``sigma`` as a Python number; under ``gpuad.jit`` read from a step computed on each
    call (the callers keep the branch they take on it)."""
    if isinstance(raw, Tensor):  # (a traced value: the branch taken on it is kept)
        raw = raw._data
    return float(raw.get() if hasattr(raw, "get") else raw)


def gaussian_filter1d(input: Any, sigma: Any, axis: int = -1, order: int = 0,
                      output: Any = None, mode: str = "reflect", cval: float = 0.0,
                      truncate: float = 4.0, *, radius: int | None = None) -> Any:
    """``scipy.ndimage.gaussian_filter1d``: correlation with the sampled Gaussian (or its
    ``order``-th derivative) of standard deviation ``sigma``, cut at ``radius`` (default
    ``int(truncate * sigma + 0.5)``); differentiable in ``input``, ``cval`` and ``sigma``
    (the radius is read from its value and held fixed; under ``gpuad.jit`` a call whose
    ``sigma`` gives another radius traces again).

    Example: ``gaussian_filter1d(x, 2.0, axis=0, order=1)``
    """
    raw = data(sigma)
    s = _sigma_value(raw)
    if not s > 0:
        raise ValueError(f"gaussian_filter1d: sigma must be positive, got {s}")
    if isinstance(order, bool) or int(order) != order or order < 0:
        raise ValueError(f"gaussian_filter1d: order must be a non-negative integer, got "
                         f"{order!r}")
    r = int(truncate * s + 0.5) if radius is None else int(radius)
    if hasattr(raw, "shape"):  # under gpuad.jit: a call whose sigma gives another radius
        _vc.keep_branch("gaussian_filter1d radius", True,  # (or is not positive) traces again
                        lambda xp, a: (a > 0) & ((radius is not None)
                                                 | (xp.floor(truncate * a + 0.5) == r)), raw)
    if r < 0:
        raise ValueError(f"gaussian_filter1d: radius must be a non-negative integer, got {r}")
    w = _gaussian_kernel(sigma, int(order), r)
    return correlate1d(input, gnp.flip(w, 0), axis, output, mode, cval, 0)


def gaussian_filter(input: Any, sigma: Any, order: Any = 0, output: Any = None,
                    mode: str = "reflect", cval: float = 0.0, truncate: float = 4.0, *,
                    radius: Any = None, axes: Any = None) -> Any:
    """``scipy.ndimage.gaussian_filter``: :func:`gaussian_filter1d` along each axis (``sigma``,
    ``order``, ``radius`` per axis or one for all; an axis with ``sigma`` 0 is left alone);
    differentiable in ``input``, ``cval`` and ``sigma``.

    Example: ``gaussian_filter(image, sigma=1.5, mode="nearest")``
    """
    _no_output("gaussian_filter", output)
    x = _filter_input("gaussian_filter", input)
    ax = _axes("gaussian_filter", axes, x.ndim)
    sigmas = _per_axis("gaussian_filter", sigma, len(ax), "sigma")
    orders = _per_axis("gaussian_filter", order, len(ax), "order")
    radii = _per_axis("gaussian_filter", radius, len(ax), "radius")
    for a, s, o, r in zip(ax, sigmas, orders, radii, strict=True):
        raw = data(s)
        smooth = _sigma_value(raw) > 1e-15
        if hasattr(raw, "shape"):  # under gpuad.jit: an axis with sigma 0 is left alone
            _vc.keep_branch("gaussian_filter sigma 0", smooth, lambda xp, v: v > 1e-15, raw)
        if smooth:
            x = gaussian_filter1d(x, s, a, o, None, mode, cval, truncate, radius=r)
    return x


_ABSENT = {
    **dict.fromkeys(("sobel", "laplace", "prewitt", "gaussian_laplace",
                     "gaussian_gradient_magnitude"),
                    "not implemented; correlate1d with the operator's small kernel, or "
                    "gaussian_filter(order=...), computes it"),
    **dict.fromkeys(("zoom", "shift", "rotate", "affine_transform", "geometric_transform"),
                    "build the sample coordinates and call map_coordinates (orders 0 and 1)"),
    **dict.fromkeys(("median_filter", "maximum_filter", "minimum_filter", "label"),
                    "not implemented (not differentiable in a useful way); call SciPy on plain "
                    "arrays"),
}


__getattr__ = absent_names("gpuad.scipy.ndimage", _ABSENT)
