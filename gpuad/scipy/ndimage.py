"""SciPy's ``scipy.ndimage`` filters and interpolation (and ``jax.scipy.ndimage``'s
``map_coordinates``), differentiable.

Filters: ``correlate``, ``convolve`` (and their 1-D forms), ``uniform_filter(1d)``,
``gaussian_filter(1d)``, ``sobel``, ``prewitt``, ``laplace``, ``generic_laplace``,
``gaussian_laplace``, ``generic_gradient_magnitude``, ``gaussian_gradient_magnitude``: the
input padded as SciPy's boundary modes say (``gnp.pad``) and correlated with the weights
(``gpuad.scipy.signal``'s sliding windows), differentiable in the input, the weights, ``cval``
and a Gaussian's ``sigma``. ``minimum_filter``, ``maximum_filter`` (and 1-D forms),
``median_filter``, ``percentile_filter``, ``rank_filter``: the window's values stacked and
reduced (``gnp.max``/``gnp.min``: ties share the derivative evenly) or sorted (the derivative
goes to the element selected).

Interpolation: ``map_coordinates`` (orders 0 and 1 with JAX's modes as JAX; see its
docstring), ``spline_filter(1d)``, ``shift``, ``zoom``, ``affine_transform``, ``rotate``,
``geometric_transform``: SciPy's B-spline interpolation of orders 0 to 5 and all eight of
its modes (``constant``, ``nearest``, ``reflect``, ``mirror``, ``wrap``, ``grid-wrap``,
``grid-constant``, ``grid-mirror``), differentiable in the input, the coordinates (the
shift, the matrix and offset, the angle) and ``cval``. The prefilter is linear: an ``n x n``
matrix per axis length (SciPy's filter of the identity, cached on the host).

Measurements by label (``sum_labels``, ``mean``, ``variance``, ``standard_deviation``,
``minimum``, ``maximum``, ``median``, ``center_of_mass``) and the Fourier filters
(``fourier_gaussian``, ``fourier_uniform``, ``fourier_ellipsoid``, ``fourier_shift``) are in
``_ndimage_measure``. ``label``, the positions, histograms and the filters calling a Python
function per window raise (integer output, or no derivative to record).

Example::

    from gpuad.scipy.ndimage import map_coordinates, gaussian_filter, rotate
    y = map_coordinates(image, [rows, cols], order=1, mode="nearest")
    smooth = gaussian_filter(image, sigma=2.0, mode="reflect")
    turned = rotate(image, 30.0, reshape=False, order=3)
"""

from __future__ import annotations

import builtins
import functools
import inspect
import operator
import warnings
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
from . import _ndimage_interp as _interp
from ._absent import absent_names
from ._ndimage_measure import (  # noqa: F401
    _tensor_if,
    center_of_mass,
    fourier_ellipsoid,
    fourier_gaussian,
    fourier_shift,
    fourier_uniform,
    maximum,
    mean,
    median,
    minimum,
    standard_deviation,
    sum,
    sum_labels,
    variance,
)

__all__ = ["affine_transform", "center_of_mass", "convolve", "convolve1d", "correlate",
           "correlate1d", "fourier_ellipsoid", "fourier_gaussian", "fourier_shift",
           "fourier_uniform", "maximum", "mean", "median", "minimum", "standard_deviation",
           "sum", "sum_labels", "variance", "gaussian_filter", "gaussian_filter1d",
           "gaussian_gradient_magnitude",
           "gaussian_laplace", "generic_gradient_magnitude", "generic_laplace",
           "geometric_transform", "laplace", "map_coordinates", "maximum_filter",
           "maximum_filter1d", "median_filter", "minimum_filter", "minimum_filter1d",
           "percentile_filter", "prewitt", "rank_filter", "rotate", "shift", "sobel",
           "spline_filter", "spline_filter1d", "uniform_filter", "uniform_filter1d", "zoom"]

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


def map_coordinates(input: Any, coordinates: Sequence[Any], order: int = 3,
                    mode: str = "constant", cval: Any = 0.0, *, output: Any = None,
                    prefilter: bool = True) -> Any:
    """``input`` interpolated at ``coordinates`` (one array of positions per axis of ``input``,
    broadcast together) by a spline of ``order`` 0 to 5. Orders 0 and 1 with the modes
    ``'constant'``, ``'nearest'``, ``'wrap'``, ``'mirror'``, ``'reflect'`` are
    ``jax.scipy.ndimage.map_coordinates`` (halves rounded away from zero; JAX's
    ``'constant'`` and ``'wrap'`` are SciPy's ``'grid-constant'`` and ``'grid-wrap'``: they
    interpolate with ``cval``, or periodically, past the edge points). Orders 2 to 5 (the
    input prefiltered as SciPy's ``prefilter=True``) and the names ``'grid-constant'``,
    ``'grid-wrap'``, ``'grid-mirror'`` are ``scipy.ndimage.map_coordinates``, with SciPy's
    reading of every mode (``'constant'``: ``cval`` outside ``[0, n - 1]``).
    Differentiable in the input, the coordinates and ``cval``. An integer input gives
    integers (rounded); ``output`` may name the result's dtype.

    Example: ``map_coordinates(gnp.arange(12.0).reshape(3, 4), [[0.5, 2], [0.5, 1]], order=1)``
    is ``[2.5, 9.0]``
    """
    x = gnp.asarray(input)
    if x.ndim == 0 or 0 in tuple(x.shape):
        raise ValueError(f"map_coordinates: input must have at least one dimension and no empty "
                         f"one, got shape {tuple(x.shape)}")
    order = _order("map_coordinates", order)
    if mode not in _MODES + _interp.MODES:
        raise RuntimeError(f"map_coordinates: boundary mode {mode!r} not supported; the modes "
                           f"are {', '.join(_interp.MODES)}")
    coords = _coordinate_list(x, coordinates)
    if order > 1 or mode not in _MODES:  # SciPy's splines and modes
        work, dt = _interp_input("map_coordinates", x)
        dtype = _dtype_out("map_coordinates", output, dt)
        return _resample("map_coordinates", work, dtype, coords, order, mode, cval, prefilter)
    dtype = _dtype_out("map_coordinates", output, x.dtype)
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
    return _finish(total, dtype)


_PAD = {"reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect",
        "nearest": "edge", "wrap": "wrap", "grid-wrap": "wrap", "constant": "constant",
        "grid-constant": "constant"}


def _filter_mode(name: str, mode: str) -> str:
    if not isinstance(mode, str):
        raise RuntimeError(f"{name}: a sequence of modes is not supported here (one mode "
                           f"for all axes); got {mode!r}")
    if mode not in _PAD:
        raise RuntimeError(f"{name}: boundary mode {mode!r} not supported; the modes are "
                           f"{', '.join(_PAD)}")
    return _PAD[mode]


def _per_axis(name: str, value: Any, nd: int, what: str) -> list:
    """One ``value`` per filtered axis: a list, tuple or 1-D array (a Tensor gives its
    recorded entries) of ``nd`` entries, or one value for all (SciPy's
    ``_normalize_sequence``)."""
    if isinstance(value, (list, tuple)) or (not isinstance(value, str)
                                            and getattr(value, "ndim", 0) >= 1):
        seq = list(value) if isinstance(value, (list, tuple)) else [
            value[k] for k in range(int(value.shape[0]))]
        if len(seq) != nd:
            raise RuntimeError(f"{name}: sequence argument must have length equal to input "
                               f"rank: {what} must have one entry per filtered axis ({nd}), "
                               f"got {len(seq)}")
        return seq
    return [value] * nd


def _correlate_padded(name: str, x: Any, w: Any, mode: str, cval: Any, origins: list,
                      axes: tuple[int, ...]) -> Any:
    """``x`` correlated with ``w`` (one axis of ``w`` per entry of ``axes``, in order) with
    ndimage's boundary handling: pad each axis as ``mode`` says, then the valid correlation."""
    from .signal import _convolve

    pad_mode = _filter_mode(name, mode)
    complex_out = x.dtype.kind == "c" or w.dtype.kind == "c"
    # SciPy's result: the input's dtype, made complex (at least complex64) by complex weights
    dtype = _np.promote_types(x.dtype, _np.complex64) if complex_out else x.dtype
    if x.dtype.kind != "c" and _is_complex_value(cval):
        raise ValueError(f"{name}: a complex cval needs a complex input (got cval={cval!r} "
                         f"for a {x.dtype} input); cast the input to complex")
    if 0 in tuple(x.shape):  # nothing to filter (SciPy returns the empty array)
        return _tensor_if(x.astype(dtype), w, cval)
    if x.ndim == 0:  # a 0-d input times a 0-d weight
        return _tensor_if((x * w).astype(dtype), cval)
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
    out = gnp.moveaxis(out, tuple(range(x.ndim)), others + tuple(axes))
    return out if out.dtype == dtype else out.astype(dtype)


def _is_complex_value(v: Any) -> bool:
    if isinstance(v, complex):
        return True
    kind = getattr(getattr(v, "dtype", None), "kind", None)
    return kind == "c"


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


def _output_dtype(name: str, output: Any) -> Any:
    """``output=`` of a filter as a dtype (a floating or complex one); an array to write
    into is refused (gpuad arrays are values), and an integer dtype too (SciPy rounds)."""
    if isinstance(output, (_np.ndarray, Tensor)) or hasattr(output, "__cuda_array_interface__"):
        raise NotImplementedError(f"{name}: output= (writing into a given array) is not "
                                  f"supported; use the returned array (output= may be a "
                                  f"dtype)")
    try:
        dt = _np.dtype(output)
    except TypeError:
        raise TypeError(f"{name}: output must be a dtype, got {output!r}") from None
    if dt.kind not in "fc":
        raise TypeError(f"{name}: output dtype {dt} is not a floating-point or complex type "
                        f"(SciPy rounds into it, which has no derivative): take a floating "
                        f"result and round it yourself")
    return dt


def _takes_output_dtype(fn: Any) -> Any:
    """``fn`` with ``output=`` given as a dtype: computed with ``output=None``, then cast (a
    complex result keeps a complex type, with SciPy's warning)."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(*args, **kwargs)
        output = bound.arguments.get("output")
        if output is None:
            return fn(*args, **kwargs)
        dt = _output_dtype(fn.__name__, output)
        bound.arguments["output"] = None
        out = fn(*bound.args, **bound.kwargs)
        if out.dtype.kind == "c" and dt.kind != "c":
            warnings.warn(f"{fn.__name__}: promoting specified output dtype to complex",
                          UserWarning, stacklevel=2)
            dt = _np.promote_types(dt, _np.complex64)
        return out if out.dtype == dt else gnp.asarray(out).astype(dt)

    return wrapper


def _weights(name: str, weights: Any, x: Any, n_axes: int) -> Any:
    """The filter weights, one axis per filtered axis of the input and not empty (SciPy's
    errors)."""
    w = gnp.asarray(weights)
    if w.ndim != n_axes:
        what = "axis of the input" if n_axes == x.ndim else "entry of axes"
        raise RuntimeError(f"{name}: weights.ndim ({w.ndim}) must match len(axes) ({n_axes}): "
                           f"the filter weights must have one axis per {what}; got weights "
                           f"of shape {tuple(w.shape)} for an input of shape {tuple(x.shape)}")
    if 0 in tuple(w.shape):
        raise RuntimeError(f"{name}: no filter weights given (shape {tuple(w.shape)})")
    return w


def _conj(w: Any) -> Any:
    return gnp.conj(w) if w.dtype.kind == "c" else w


def _nd_correlate(name: str, input: Any, weights: Any, mode: str, cval: Any, origin: Any,
                  axes: Any, convolution: bool) -> Any:
    """SciPy's ``_correlate_or_convolve``: the weights' axes go to the filtered axes in
    increasing order, the origins to ``axes`` in the order given (to the input's axes in
    order where every axis is filtered); complex weights are conjugated by ``correlate``."""
    x = _filter_input(name, input)
    ax = _axes(name, axes, x.ndim)
    w = _weights(name, weights, x, len(ax))
    if not isinstance(mode, str):
        raise RuntimeError(f"{name}: a sequence of modes is not supported (one mode for all "
                           f"axes); got {mode!r}")
    origins = [operator.index(o) for o in _per_axis(name, origin, len(ax), "origin")]
    per_axis = list(origins)
    if len(ax) < x.ndim:
        per_axis = [0] * x.ndim
        for a, o in zip(ax, origins, strict=True):
            per_axis[a] = o
    sax = tuple(sorted(ax))
    per_axis = [per_axis[a] for a in sax]
    if convolution:  # SciPy's convolve: the weights reversed, each axis's origin negated
        per_axis = [-o - (1 - n % 2)  # (and shifted by one for an even length)
                    for o, n in zip(per_axis, w.shape, strict=True)]
        w = gnp.flip(w, tuple(range(w.ndim))) if w.ndim else w
    else:
        w = _conj(w)
    return _correlate_padded(name, x, w, mode, cval, per_axis, sax)


def correlate(input: Any, weights: Any, output: Any = None, mode: str = "reflect",
              cval: float = 0.0, origin: Any = 0, *, axes: Any = None) -> Any:
    """``scipy.ndimage.correlate``: ``sum_k conj(weights[k]) * input[i + k - center]`` with
    the boundary ``mode`` (``'reflect'``, ``'mirror'``, ``'nearest'``, ``'wrap'``,
    ``'constant'`` with ``cval``, and the ``'grid-*'`` names), ``origin`` shifting the centre
    and ``axes`` the axes filtered (the weights have one axis per entry); differentiable in
    ``input``, ``weights`` and ``cval``. Floating-point and complex inputs; complex weights
    are conjugated, as SciPy's and ``numpy.correlate``.

    Example: ``correlate(image, gnp.ones((3, 3)) / 9, mode="nearest")``
    """
    _no_output("correlate", output)
    return _nd_correlate("correlate", input, weights, mode, cval, origin, axes, False)


def convolve(input: Any, weights: Any, output: Any = None, mode: str = "reflect",
             cval: float = 0.0, origin: Any = 0, *, axes: Any = None) -> Any:
    """``scipy.ndimage.convolve``: :func:`correlate` with the weights reversed and not
    conjugated (and the origin mirrored, as SciPy's); differentiable in ``input``,
    ``weights`` and ``cval``.

    Example: ``convolve(image, kernel, mode="constant", cval=0.0)``
    """
    _no_output("convolve", output)
    return _nd_correlate("convolve", input, weights, mode, cval, origin, axes, True)


def _weights1d(name: str, weights: Any) -> Any:
    w = gnp.asarray(weights)
    if w.ndim != 1 or w.shape[0] == 0:
        raise RuntimeError(f"{name}: weights must be a non-empty 1-D array, got shape "
                           f"{tuple(w.shape)}")
    return w


def _correlate1d(name: str, input: Any, w: Any, axis: int, mode: str, cval: Any,
                 origin: int) -> Any:
    x = _filter_input(name, input)
    ax = _axis(name, axis, x.ndim)
    return _correlate_padded(name, x, w, mode, cval, [operator.index(origin)], (ax,))


def correlate1d(input: Any, weights: Any, axis: int = -1, output: Any = None,
                mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.correlate1d``: :func:`correlate` along one axis with 1-D weights
    (complex weights conjugated).

    Example: ``correlate1d(x, [1.0, 0.0, -1.0], axis=0)``
    """
    _no_output("correlate1d", output)
    w = _weights1d("correlate1d", weights)
    return _correlate1d("correlate1d", input, _conj(w), axis, mode, cval, origin)


def convolve1d(input: Any, weights: Any, axis: int = -1, output: Any = None,
               mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.convolve1d``: :func:`convolve` along one axis with 1-D weights.

    Example: ``convolve1d(x, [0.25, 0.5, 0.25], axis=-1, mode="wrap")``
    """
    _no_output("convolve1d", output)
    w = _weights1d("convolve1d", weights)
    origin = -operator.index(origin) - (1 - w.shape[0] % 2)
    return _correlate1d("convolve1d", input, gnp.flip(w, 0), axis, mode, cval, origin)


def _axis(name: str, axis: int, nd: int) -> int:
    axis = operator.index(axis)  # (TypeError for a float, as SciPy)
    if not -nd <= axis < nd:
        raise _np.exceptions.AxisError(f"{name}: axis {axis} is out of bounds for an input of "
                                       f"dimension {nd} (out of range)")
    return axis % nd


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
    modes = _modes_for("uniform_filter", mode, len(ax))
    for a, n, o, m in zip(ax, sizes, origins, modes, strict=True):
        n = operator.index(n)
        if n > 1:  # (an axis of size 1 or less is left alone, as SciPy's)
            x = correlate1d(x, _np.full(n, 1.0 / n), a, None, m, cval, operator.index(o))
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
    poly = builtins.sum(c * x ** k for k, c in enumerate(q))  # (the module has its own sum)
    return phi * poly


def _sigma_value(raw: Any, name: str = "gaussian_filter1d", what: str = "sigma") -> float:
    """``sigma`` as a Python number; under ``gpuad.jit`` read from a step computed on each
    call (the callers keep the branch they take on it)."""
    if isinstance(raw, Tensor):  # (a traced value: the branch taken on it is kept)
        raw = raw._data
    value = _np.asarray(raw.get() if hasattr(raw, "get") else raw)
    if value.size != 1:  # one value per example: inside vmap
        raise ValueError(f"{name}: {what} takes one value per call (it sets the result's "
                         f"size or the kernel's length, read on the host); inside vmap it "
                         f"differs from example to example (shape {value.shape}): batch the "
                         f"input only, or loop over the values")
    return float(value.reshape(()))


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
    if radius is not None and (isinstance(radius, bool) or not isinstance(
            radius, (int, _np.integer)) or radius < 0):
        raise ValueError(f"gaussian_filter1d: radius must be a non-negative integer, got "
                         f"{radius!r}")
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
    modes = _modes_for("gaussian_filter", mode, len(ax))
    for a, s, o, r, m in zip(ax, sigmas, orders, radii, modes, strict=True):
        raw = data(s)
        smooth = _sigma_value(raw, "gaussian_filter") > 1e-15
        if hasattr(raw, "shape"):  # under gpuad.jit: an axis with sigma 0 is left alone
            _vc.keep_branch("gaussian_filter sigma 0", smooth, lambda xp, v: v > 1e-15, raw)
        if smooth:
            x = gaussian_filter1d(x, s, a, o, None, m, cval, truncate, radius=r)
    return _constant_in(x, sigma, cval)


def _modes_for(name: str, mode: Any, n: int) -> list[str]:
    if isinstance(mode, str):
        return [mode] * n
    modes = list(mode)
    if len(modes) != n:
        raise RuntimeError(f"{name}: sequence argument must have length equal to input rank: "
                           f"a sequence of modes needs one entry per axis ({n}), got {modes}")
    return modes


def _derivative_filter(name: str, smooth: list[float], input: Any, axis: int, output: Any,
                       mode: Any, cval: float) -> Any:
    _no_output(name, output)
    x = _filter_input(name, input)
    ax = _axis(name, axis, x.ndim)
    modes = _modes_for(name, mode, x.ndim)
    out = correlate1d(x, _np.array([-1.0, 0.0, 1.0]), ax, None, modes[ax], cval, 0)
    for a in range(x.ndim):
        if a != ax:
            out = correlate1d(out, _np.array(smooth), a, None, modes[a], cval, 0)
    return out


def sobel(input: Any, axis: int = -1, output: Any = None, mode: Any = "reflect",
          cval: float = 0.0) -> Any:
    """``scipy.ndimage.sobel``: ``[-1, 0, 1]`` along ``axis`` and ``[1, 2, 1]`` along the
    others (``mode`` one or one per axis); differentiable in ``input`` and ``cval``.

    Example: ``sobel(image, axis=0)``
    """
    return _derivative_filter("sobel", [1.0, 2.0, 1.0], input, axis, output, mode, cval)


def prewitt(input: Any, axis: int = -1, output: Any = None, mode: Any = "reflect",
            cval: float = 0.0) -> Any:
    """``scipy.ndimage.prewitt``: ``[-1, 0, 1]`` along ``axis`` and ``[1, 1, 1]`` along the
    others; differentiable in ``input`` and ``cval``.

    Example: ``prewitt(image, axis=1, mode="nearest")``
    """
    return _derivative_filter("prewitt", [1.0, 1.0, 1.0], input, axis, output, mode, cval)


def _constant_in(out: Any, *params: Any) -> Any:
    """``out`` of a filter that did not use its Tensor parameters (no axis to filter, or every
    sigma 0), recorded on them with a derivative of exactly 0 (a select that never picks
    them): a Tensor result, never a bare array."""
    if isinstance(out, Tensor):
        return out
    flat = [q for p in params for q in (p if isinstance(p, list | tuple) else [p])]
    for t in flat:
        if isinstance(t, Tensor):
            t = gnp.real(t) if data(t).dtype.kind == "c" else t
            out = (out - gnp.where(False, gnp.sum(t), 0)).astype(data(out).dtype)
    return out


def generic_laplace(input: Any, derivative2: Any, output: Any = None, mode: Any = "reflect",
                    cval: float = 0.0, extra_arguments: Sequence[Any] = (),
                    extra_keywords: dict | None = None, *, axes: Any = None) -> Any:
    """``scipy.ndimage.generic_laplace``: the sum over ``axes`` of
    ``derivative2(input, axis, None, mode, cval, *extra_arguments, **extra_keywords)`` (the
    callable returns its result; ``output`` is passed as None). Differentiable as far as
    ``derivative2`` is.

    Example: ``generic_laplace(x, lambda a, ax, o, m, c: correlate1d(a, [1, -2, 1], ax, o, m, c))``
    """
    _no_output("generic_laplace", output)
    x = _filter_input("generic_laplace", input)
    ax = _axes("generic_laplace", axes, x.ndim)
    if not ax:
        return _constant_in(x, cval)
    modes = _modes_for("generic_laplace", mode, len(ax))
    kw = extra_keywords or {}
    total = None
    for a, m in zip(ax, modes, strict=True):
        d = derivative2(x, a, None, m, cval, *extra_arguments, **kw)
        total = d if total is None else total + d
    return total


def laplace(input: Any, output: Any = None, mode: Any = "reflect", cval: float = 0.0, *,
            axes: Any = None) -> Any:
    """``scipy.ndimage.laplace``: the sum of ``[1, -2, 1]`` along each axis; differentiable
    in ``input`` and ``cval``.

    Example: ``laplace(image, mode="nearest")``
    """
    def derivative2(a, axis, out, m, c):
        return correlate1d(a, _np.array([1.0, -2.0, 1.0]), axis, out, m, c, 0)

    return generic_laplace(input, derivative2, output, mode, cval, axes=axes)


def _sigmas_over(name: str, sigma: Any, nd: int, ax: tuple[int, ...]) -> list:
    sig = _per_axis(name, sigma, len(ax), "sigma")
    out: list = [0.0] * nd
    for s, a in zip(sig, ax, strict=True):
        out[a] = s
    return out


def gaussian_laplace(input: Any, sigma: Any, output: Any = None, mode: Any = "reflect",
                     cval: float = 0.0, *, axes: Any = None, **kwargs: Any) -> Any:
    """``scipy.ndimage.gaussian_laplace``: the sum over ``axes`` of second Gaussian
    derivatives (``gaussian_filter`` with order 2 along the axis); differentiable in
    ``input``, ``cval`` and ``sigma``. ``kwargs`` (``truncate``, ``radius``) go to
    :func:`gaussian_filter`.

    Example: ``gaussian_laplace(image, sigma=2.0)``
    """
    x = _filter_input("gaussian_laplace", input)
    ax = _axes("gaussian_laplace", axes, x.ndim)
    sig = _sigmas_over("gaussian_laplace", sigma, x.ndim, ax)

    def derivative2(a, axis, out, m, c):
        order = [0] * a.ndim
        order[axis] = 2
        return gaussian_filter(a, sig, order, out, m, c, **kwargs)

    return _constant_in(generic_laplace(x, derivative2, output, mode, cval, axes=ax), sigma)


def generic_gradient_magnitude(input: Any, derivative: Any, output: Any = None,
                               mode: Any = "reflect", cval: float = 0.0,
                               extra_arguments: Sequence[Any] = (),
                               extra_keywords: dict | None = None, *,
                               axes: Any = None) -> Any:
    """``scipy.ndimage.generic_gradient_magnitude``: ``sqrt(sum_axis derivative(input, axis,
    None, mode, cval, ...)**2)``. Where every derivative is 0 the magnitude's derivative is
    taken as 0 (``gpuad.numpy.linalg.norm``'s choice at zero).

    Example: ``generic_gradient_magnitude(image, sobel)``
    """
    _no_output("generic_gradient_magnitude", output)
    x = _filter_input("generic_gradient_magnitude", input)
    ax = _axes("generic_gradient_magnitude", axes, x.ndim)
    if not ax:
        return _constant_in(x, cval)
    modes = _modes_for("generic_gradient_magnitude", mode, len(ax))
    kw = extra_keywords or {}
    parts = [derivative(x, a, None, m, cval, *extra_arguments, **kw)
             for a, m in zip(ax, modes, strict=True)]
    if x.dtype.kind == "c":
        raise TypeError("generic_gradient_magnitude: complex input is not supported (SciPy "
                        "takes the root of a complex sum of squares); filter the real and "
                        "imaginary parts")
    return gnp.linalg.norm(gnp.stack(parts), axis=0)


def gaussian_gradient_magnitude(input: Any, sigma: Any, output: Any = None,
                                mode: Any = "reflect", cval: float = 0.0, *, axes: Any = None,
                                **kwargs: Any) -> Any:
    """``scipy.ndimage.gaussian_gradient_magnitude``: the gradient's length from first
    Gaussian derivatives along ``axes``; differentiable in ``input``, ``cval`` and ``sigma``
    (0 where the gradient vanishes, as ``generic_gradient_magnitude``).

    Example: ``gaussian_gradient_magnitude(image, 1.5)``
    """
    def derivative(a, axis, out, m, c):
        order = [0] * a.ndim
        order[axis] = 1
        return gaussian_filter(a, sigma, order, out, m, c, **kwargs)

    return _constant_in(
        generic_gradient_magnitude(input, derivative, output, mode, cval, axes=axes), sigma)


def _size_origin(name: str, size: Any, origin: Any) -> tuple[int, int]:
    n = int(size)
    if n < 1:
        raise RuntimeError(f"{name}: incorrect filter size {size}")
    o = int(origin)
    if not 0 <= n // 2 + o < n:
        raise ValueError(f"{name}: invalid origin {origin} for a filter of size {n}")
    return n, o


def uniform_filter1d(input: Any, size: int, axis: int = -1, output: Any = None,
                     mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.uniform_filter1d``: the mean over ``size`` points along ``axis``;
    differentiable in ``input`` and ``cval``.

    Example: ``uniform_filter1d(x, 5, axis=0)``
    """
    _no_output("uniform_filter1d", output)
    n, o = _size_origin("uniform_filter1d", size, origin)
    x = _filter_input("uniform_filter1d", input)
    ax = _axis("uniform_filter1d", axis, x.ndim)
    return correlate1d(x, _np.full(n, 1.0 / n), ax, None, mode, cval, o)


def _windows(name: str, x: Any, footprint: _np.ndarray, modes: list[str], cval: Any,
             origins: list[int]) -> Any:
    """The values under ``footprint`` around each point (SciPy's centre and boundary modes)
    stacked along a new last axis."""
    if 0 in tuple(x.shape):  # nothing to filter (SciPy returns the empty array)
        return gnp.expand_dims(x, -1)
    padded = x
    for a in range(x.ndim):
        size, o = footprint.shape[a], origins[a]
        if not 0 <= size // 2 + o < size:
            raise ValueError(f"{name}: invalid origin {o} for a footprint of size {size} "
                             f"along axis {a}")
        left = size // 2 + o
        if size == 1:
            continue
        pads = [(0, 0)] * x.ndim
        pads[a] = (left, size - 1 - left)
        pad_mode = _filter_mode(name, modes[a])
        padded = (gnp.pad(padded, pads, mode="constant", constant_values=cval)
                  if pad_mode == "constant" else gnp.pad(padded, pads, mode=pad_mode))
    views = []
    for offset in zip(*_np.nonzero(footprint), strict=True):
        views.append(padded[tuple(slice(int(k), int(k) + n)
                                  for k, n in zip(offset, x.shape, strict=True))])
    return gnp.stack(views, axis=-1)


def _footprint(name: str, x: Any, size: Any, footprint: Any, axes: Any, origin: Any,
               mode: Any, rank: bool = False) -> tuple[_np.ndarray, list[int], list[str]]:
    """The footprint over all axes of ``x``, the origin and mode of each axis, as SciPy
    places them: a box (``size``, or an all-True footprint of a minimum or maximum filter)
    is separable, its lengths, origins and modes go to ``axes`` in the order given; another
    footprint (and every rank filter's) keeps its axes in the input's order (SciPy's
    ``expand_dims``), while the origins and modes go to ``axes`` in the order given (to the
    input's axes in order where every axis is filtered) and a sequence of modes is refused
    (RuntimeError)."""
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: complex input is not supported (as in SciPy)")
    ax = _axes(name, axes, x.ndim)
    if footprint is None:
        if size is None:
            raise RuntimeError(f"{name}: no footprint or filter size provided")
        sizes = [operator.index(n) for n in _per_axis(name, size, len(ax), "size")]
        if min(sizes, default=1) < 1:
            raise RuntimeError(f"{name}: incorrect filter size {size}")
        fp = _np.ones(sizes, dtype=bool)
    else:
        if size is not None:
            warnings.warn(f"{name}: ignoring size because footprint is set", UserWarning,
                          stacklevel=3)
        fp = _np.asarray(data(footprint) if isinstance(footprint, Tensor) else footprint,
                         dtype=bool)
        if hasattr(fp, "get"):
            fp = fp.get()
        if fp.ndim != len(ax):
            raise RuntimeError(f"{name}: footprint.ndim ({fp.ndim}) must match len(axes) "
                               f"({len(ax)})")
        if not fp.any():
            raise ValueError(f"{name}: all-zero footprint is not allowed")
    separable = not rank and bool(fp.all())
    shape = [1] * x.ndim
    if separable:  # the box's lengths go to axes in the order given
        for a, n in zip(ax, fp.shape, strict=True):
            shape[a] = n
        full = _np.ones(shape, dtype=bool)
    else:  # the footprint's axes in the input's order
        for a, n in zip(sorted(ax), fp.shape, strict=True):
            shape[a] = n
        full = fp.reshape(shape)
    given = _per_axis(name, origin, len(ax), "origin")
    origins = [0] * x.ndim
    if separable or len(ax) < x.ndim:
        for a, o in zip(ax, given, strict=True):
            origins[a] = operator.index(o)
    else:
        origins = [operator.index(o) for o in given]
    modes = ["reflect"] * x.ndim
    if isinstance(mode, str):
        modes = [mode] * x.ndim
    elif not separable and not (rank and fp.all()):
        raise RuntimeError(f"{name}: a sequence of modes is not supported for a "
                           f"non-separable footprint; got {list(mode)}")
    else:
        seq = _modes_for(name, mode, len(ax))
        if separable or len(ax) < x.ndim:
            for a, m in zip(ax, seq, strict=True):
                modes[a] = m
        else:
            modes = seq
    return full, origins, modes


def _min_max(name: str, largest: bool, input: Any, size: Any, footprint: Any, output: Any,
             mode: Any, cval: float, origin: Any, axes: Any) -> Any:
    _no_output(name, output)
    x = _filter_input(name, input)
    fp, origins, modes = _footprint(name, x, size, footprint, axes, origin, mode)
    win = _windows(name, x, fp, modes, cval, origins)
    return gnp.max(win, axis=-1) if largest else gnp.min(win, axis=-1)


def minimum_filter(input: Any, size: Any = None, footprint: Any = None, output: Any = None,
                   mode: Any = "reflect", cval: float = 0.0, origin: Any = 0, *,
                   axes: Any = None) -> Any:
    """``scipy.ndimage.minimum_filter``: the smallest value under the window (``size`` per
    axis or a boolean ``footprint``). The derivative goes to the selected element; where
    several elements of a window tie for the minimum it is split evenly among them (``1/k``
    each, as ``gpuad.numpy.min``). Builds the window's values as a stack (memory: the
    footprint's count times the input).

    Example: ``minimum_filter(image, size=3)``
    """
    return _min_max("minimum_filter", False, input, size, footprint, output, mode, cval,
                    origin, axes)


def maximum_filter(input: Any, size: Any = None, footprint: Any = None, output: Any = None,
                   mode: Any = "reflect", cval: float = 0.0, origin: Any = 0, *,
                   axes: Any = None) -> Any:
    """``scipy.ndimage.maximum_filter``: the largest value under the window; the derivative
    goes to the selected element, split evenly among tied maxima (``1/k`` each, as
    ``gpuad.numpy.max``).

    Example: ``maximum_filter(image, footprint=gnp.eye(3) > 0)``
    """
    return _min_max("maximum_filter", True, input, size, footprint, output, mode, cval,
                    origin, axes)


def minimum_filter1d(input: Any, size: int, axis: int = -1, output: Any = None,
                     mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.minimum_filter1d``: :func:`minimum_filter` along one axis (ties share
    the derivative evenly).

    Example: ``minimum_filter1d(x, 3, axis=0)``
    """
    n, o = _size_origin("minimum_filter1d", size, origin)
    x = _filter_input("minimum_filter1d", input)
    ax = _axis("minimum_filter1d", axis, x.ndim)
    return minimum_filter(x, n, None, output, mode, cval, o, axes=ax)


def maximum_filter1d(input: Any, size: int, axis: int = -1, output: Any = None,
                     mode: str = "reflect", cval: float = 0.0, origin: int = 0) -> Any:
    """``scipy.ndimage.maximum_filter1d``: :func:`maximum_filter` along one axis (ties share
    the derivative evenly).

    Example: ``maximum_filter1d(x, 3)``
    """
    n, o = _size_origin("maximum_filter1d", size, origin)
    x = _filter_input("maximum_filter1d", input)
    ax = _axis("maximum_filter1d", axis, x.ndim)
    return maximum_filter(x, n, None, output, mode, cval, o, axes=ax)


def _rank(name: str, input: Any, rank: Any, kind: str, size: Any, footprint: Any,
          output: Any, mode: Any, cval: float, origin: Any, axes: Any) -> Any:
    _no_output(name, output)
    x = _filter_input(name, input)
    fp, origins, modes = _footprint(name, x, size, footprint, axes, origin, mode, rank=True)
    count = int(fp.sum())
    if kind == "median":
        r = count // 2
    elif kind == "percentile":
        p = float(rank)
        if p < 0.0:
            p += 100.0
        if not 0 <= p <= 100:
            raise RuntimeError(f"{name}: invalid percentile {rank}")
        r = count - 1 if p == 100.0 else int(float(count) * p / 100.0)
    else:
        r = operator.index(rank)  # (TypeError for a float rank, as SciPy)
    if r < 0:
        r += count
    if not 0 <= r < count:
        raise RuntimeError(f"{name}: rank {rank} not within filter footprint size {count}")
    if r in (0, count - 1):  # as SciPy: the minimum or maximum filter
        win = _windows(name, x, fp, modes, cval, origins)
        return gnp.min(win, axis=-1) if r == 0 else gnp.max(win, axis=-1)
    if not isinstance(mode, str):
        raise RuntimeError(f"{name}: a sequence of modes is not supported by non-separable "
                           f"rank filters")
    if 0 in tuple(x.shape):
        return x
    win = _windows(name, x, fp, modes, cval, origins)
    return gnp.sort(win, axis=-1)[..., r]


def rank_filter(input: Any, rank: int, size: Any = None, footprint: Any = None,
                output: Any = None, mode: str = "reflect", cval: float = 0.0, origin: Any = 0,
                *, axes: Any = None) -> Any:
    """``scipy.ndimage.rank_filter``: the ``rank``-th smallest value under the window
    (negative counts from the largest). The derivative goes to the element selected; among
    tied values to the one the sort puts at ``rank`` (``gpuad.numpy.sort``'s choice); rank 0
    and the last are the minimum and maximum filters (ties split evenly), as SciPy
    dispatches them.

    Example: ``rank_filter(image, 2, size=3)``
    """
    return _rank("rank_filter", input, rank, "rank", size, footprint, output, mode, cval,
                 origin, axes)


def median_filter(input: Any, size: Any = None, footprint: Any = None, output: Any = None,
                  mode: str = "reflect", cval: float = 0.0, origin: Any = 0, *,
                  axes: Any = None) -> Any:
    """``scipy.ndimage.median_filter``: the element of rank ``count // 2`` under the window
    (the upper median for an even count, as SciPy; no averaging). The derivative goes to the
    selected element; among ties to the one the sort puts there.

    Example: ``median_filter(image, size=3)``
    """
    return _rank("median_filter", input, None, "median", size, footprint, output, mode, cval,
                 origin, axes)


def percentile_filter(input: Any, percentile: float, size: Any = None, footprint: Any = None,
                      output: Any = None, mode: str = "reflect", cval: float = 0.0,
                      origin: Any = 0, *, axes: Any = None) -> Any:
    """``scipy.ndimage.percentile_filter``: the element of rank
    ``int(count * percentile / 100)`` (the last for 100; negative percentiles count from
    100) under the window; derivative as :func:`rank_filter`.

    Example: ``percentile_filter(image, 25, size=(3, 5))``
    """
    return _rank("percentile_filter", input, percentile, "percentile", size, footprint,
                 output, mode, cval, origin, axes)


def _order(name: str, order: Any) -> int:
    if isinstance(order, bool) or int(order) != order or not 0 <= int(order) <= 5:
        raise RuntimeError(f"{name}: spline order not supported: {order!r} (0 to 5)")
    return int(order)


def _interp_mode(name: str, mode: str) -> str:
    if mode not in _interp.MODES:
        raise RuntimeError(f"{name}: boundary mode {mode!r} not supported; the modes are "
                           f"{', '.join(_interp.MODES)}")
    return mode


def _dtype_out(name: str, output: Any, default: Any) -> Any:
    """The result's dtype: ``output`` may name one (SciPy also takes an array to write
    into, which gpuad cannot)."""
    if output is None:
        return default
    if isinstance(output, (type, str, _np.dtype)):
        return _np.dtype(output)
    raise NotImplementedError(f"{name}: output= as an array (writing into it) is not "
                              f"supported; pass a dtype or use the returned array")


def _interp_input(name: str, input: Any, scalar: bool = False) -> tuple[Any, Any]:
    """The input in float64 (complex128) for the computation, and its own dtype."""
    x = gnp.asarray(input)
    if x.ndim < 1 and not scalar:
        raise RuntimeError(f"{name}: input and output rank must be > 0, got an input of shape "
                           f"{tuple(x.shape)}")
    if x.dtype.kind not in "biufc":
        raise TypeError(f"{name}: input of dtype {x.dtype} is not supported")
    work = _np.complex128 if x.dtype.kind == "c" else _np.float64
    return x.astype(work), x.dtype


def _finish(total: Any, dtype: Any) -> Any:
    dtype = _np.dtype(dtype)
    if dtype.kind in "iu":  # rounded half away from zero, clamped to the type's range
        info = _np.iinfo(dtype)
        total = gnp.clip(_round_half_away(total), float(info.min), float(info.max))
    elif dtype.kind == "b":
        total = total != 0
    elif dtype.kind == "f" and total.dtype.kind == "c":
        raise TypeError("ndimage: a complex result cannot be written into a real output")
    return total.astype(dtype)


def _resample(name: str, x: Any, dtype: Any, coords: list[Any], order: int, mode: str,
              cval: Any, prefilter: bool) -> Any:
    """``x``'s last ``len(coords)`` axes sampled at ``coords`` with SciPy's spline rules."""
    ns = len(coords)
    axes = tuple(range(x.ndim - ns, x.ndim))
    coef, npad = _interp.prefiltered(x, order, mode, cval, prefilter, axes)
    return _finish(_interp.sample(coef, coords, order, mode, cval, npad), dtype)


def spline_filter1d(input: Any, order: int = 3, axis: int = -1, output: Any = _np.float64,
                    mode: str = "mirror") -> Any:
    """``scipy.ndimage.spline_filter1d``: the B-spline coefficients of ``order`` (2 to 5;
    0 and 1 copy) along ``axis``, with the boundary ``mode``. Linear, so differentiable in
    ``input``; computed as SciPy's filter applied to the identity (an ``n x n`` matrix per
    axis length, cached on the host), ``O(n^2)`` per line.

    Example: ``coef = spline_filter1d(x, 3, axis=0)``
    """
    order = _order("spline_filter1d", order)
    mode = _interp_mode("spline_filter1d", mode)
    x, dt = _interp_input("spline_filter1d", input, scalar=True)
    ax = _axis("spline_filter1d", axis, x.ndim)
    dtype = _dtype_out("spline_filter1d", output, _np.float64)
    if dt.kind == "c":
        dtype = _np.result_type(dtype, _np.complex64)
    if order > 1:
        x = _interp.filter_axis(x, order, ax, mode)
    return _finish(x, dtype)


def spline_filter(input: Any, order: int = 3, output: Any = _np.float64,
                  mode: str = "mirror") -> Any:
    """``scipy.ndimage.spline_filter``: :func:`spline_filter1d` along every axis (orders 2 to
    5); differentiable in ``input``.

    Example: ``coef = spline_filter(image, order=3)``
    """
    if isinstance(order, bool) or int(order) != order or not 2 <= int(order) <= 5:
        raise RuntimeError(f"spline_filter: spline order not supported: {order!r} (2 to 5)")
    mode = _interp_mode("spline_filter", mode)
    x, dt = _interp_input("spline_filter", input, scalar=True)
    dtype = _dtype_out("spline_filter", output, _np.float64)
    if dt.kind == "c":
        dtype = _np.result_type(dtype, _np.complex64)
    for a in range(x.ndim):
        x = _interp.filter_axis(x, int(order), a, mode)
    return _finish(x, dtype)


def _host_float(value: Any) -> Any:
    raw = data(value) if isinstance(value, Tensor) else value
    if isinstance(raw, Tensor):
        raw = raw._data
    return _np.asarray(raw.get() if hasattr(raw, "get") else raw, dtype=_np.float64)


def shift(input: Any, shift: Any, output: Any = None, order: int = 3, mode: str = "constant",
          cval: Any = 0.0, prefilter: bool = True) -> Any:
    """``scipy.ndimage.shift``: ``out[i] = input(i - shift)`` by spline interpolation of
    ``order`` (0 to 5, prefiltered as SciPy for ``order > 1``) with SciPy's ``mode`` and
    ``cval``; differentiable in ``input``, ``shift`` and ``cval``.

    Example: ``shift(image, (1.5, -0.25), order=1, mode="nearest")``
    """
    order = _order("shift", order)
    mode = _interp_mode("shift", mode)
    x, dt = _interp_input("shift", input)
    dtype = _dtype_out("shift", output, dt)
    s = gnp.asarray(shift) if not isinstance(shift, (list, tuple)) else None
    if s is not None and s.ndim == 0:
        shifts = [s] * x.ndim
    elif s is not None:
        if s.shape != (x.ndim,):
            raise RuntimeError(f"shift: shift must have one entry per axis of the input "
                               f"({x.ndim}), got shape {tuple(s.shape)}")
        shifts = [s[j] for j in range(x.ndim)]
    else:
        shifts = _per_axis("shift", list(shift), x.ndim, "shift")
    coords = []
    for a, sa in enumerate(shifts):
        grid = get_backend().xp.arange(x.shape[a], dtype=_np.float64)
        c = grid - gnp.asarray(sa).astype(_np.float64)
        coords.append(gnp.reshape(c, [-1 if k == a else 1 for k in range(x.ndim)]))
    return _resample("shift", x, dtype, coords, order, mode, cval, prefilter)


def zoom(input: Any, zoom: Any, output: Any = None, order: int = 3, mode: str = "constant",
         cval: Any = 0.0, prefilter: bool = True, *, grid_mode: bool = False) -> Any:
    """``scipy.ndimage.zoom``: ``input`` resampled to ``round(shape * zoom)`` points per
    axis (``grid_mode=True``: the pixel edges, not centres, are aligned) by spline
    interpolation (``order`` 0 to 5, SciPy's modes); differentiable in ``input`` and
    ``cval``. The values depend on ``zoom`` only through the new shape, so ``zoom`` is read
    as numbers (a Tensor that needs a derivative raises).

    Example: ``zoom(image, 2.0, order=1)``
    """
    order = _order("zoom", order)
    mode = _interp_mode("zoom", mode)
    x, dt = _interp_input("zoom", input)
    dtype = _dtype_out("zoom", output, dt)
    if isinstance(zoom, Tensor) and zoom.requires_grad:
        raise TypeError("zoom: the result depends on zoom only through its shape (a "
                        "derivative of 0 almost everywhere, not defined at the steps); pass "
                        "zoom as numbers")
    factors = _per_axis("zoom", [float(z) for z in _np.atleast_1d(_host_float(zoom))]
                        if _np.ndim(_host_float(zoom)) else float(_host_float(zoom)), x.ndim,
                        "zoom")
    out_shape = tuple(int(round(n * z)) for n, z in zip(x.shape, factors, strict=True))
    if all(z == 1 for z in factors) and prefilter:
        return _finish(x, dtype)
    if grid_mode and mode in ("constant", "wrap"):
        warnings.warn(f"zoom: it is recommended to use mode = grid-{mode} instead of {mode} "
                      f"when grid_mode is True", UserWarning, stacklevel=2)
    coords = []
    for a, (n, m) in enumerate(zip(x.shape, out_shape, strict=True)):
        num, den = (n, m) if grid_mode else (n - 1, m - 1)
        step = num / den if den != 0 else 1.0
        k = _np.arange(m, dtype=_np.float64)
        c = (k + 0.5) * step - 0.5 if grid_mode else k * step
        coords.append(gnp.reshape(get_backend().xp.asarray(c),
                                  [-1 if j == a else 1 for j in range(x.ndim)]))
    return _resample("zoom", x, dtype, coords, order, mode, cval, prefilter)


def _affine_coords(x_nd: int, matrix: Any, offset: Any, out_shape: tuple[int, ...]) -> list:
    """``matrix @ o + offset`` for every output index ``o`` (one array per input axis),
    summed in SciPy's order so that points on the edges land where SciPy's do."""
    xp = get_backend().xp
    grids = [gnp.reshape(xp.arange(n, dtype=_np.float64),
                         [-1 if j == a else 1 for j in range(len(out_shape))])
             for a, n in enumerate(out_shape)]
    coords = []
    for i in range(x_nd):
        c = None
        for lo, g in enumerate(grids):
            term = g * matrix[i, lo]
            c = term if c is None else c + term
        coords.append(c + offset[i])
    return coords


def affine_transform(input: Any, matrix: Any, offset: Any = 0.0, output_shape: Any = None,
                     output: Any = None, order: int = 3, mode: str = "constant",
                     cval: Any = 0.0, prefilter: bool = True) -> Any:
    """``scipy.ndimage.affine_transform``: ``out[o] = input(matrix @ o + offset)`` by spline
    interpolation (``order`` 0 to 5, SciPy's modes and ``cval``). ``matrix`` is a 1-D
    diagonal, ``ndim x ndim`` (or ``ndim x output ndim``), ``ndim x (ndim + 1)`` (its last
    column the offset) or the ``(ndim + 1)``-square homogeneous form. Differentiable in
    ``input``, ``matrix``, ``offset`` and ``cval``.

    Example: ``affine_transform(image, [[1, 0.2], [0, 1]], offset=(0, -1), order=1)``
    """
    order = _order("affine_transform", order)
    mode = _interp_mode("affine_transform", mode)
    x, dt = _interp_input("affine_transform", input)
    dtype = _dtype_out("affine_transform", output, dt)
    out_shape = tuple(x.shape) if output_shape is None else tuple(int(n) for n in output_shape)
    if len(out_shape) < 1:
        raise RuntimeError("affine_transform: input and output rank must be > 0")
    m = gnp.asarray(matrix).astype(_np.float64)
    nd = x.ndim
    if m.ndim not in (1, 2) or m.shape[0] < 1:
        raise RuntimeError(f"affine_transform: no proper affine matrix provided (shape "
                           f"{tuple(m.shape)})")
    if m.ndim == 2 and m.shape[1] == nd + 1 and m.shape[0] in (nd, nd + 1):
        if m.shape[0] == nd + 1:
            bottom = _host_float(m)[nd]
            want = [0.0] * nd + [1.0]
            if hasattr(data(m), "shape"):  # under gpuad.jit: another bottom row traces again
                _vc.keep_branch("affine_transform homogeneous matrix", bool(
                    _np.array_equal(bottom, want)), lambda xp, a: xp.all(
                        a[nd] == xp.asarray(want, dtype=a.dtype)), data(m))
            if not _np.array_equal(bottom, want):
                raise ValueError(f"affine_transform: expected a homogeneous transformation "
                                 f"matrix with shape {tuple(m.shape)} for image shape "
                                 f"{tuple(x.shape)}, but the bottom row was not {want}")
        offset = m[:nd, nd]
        m = m[:nd, :nd]
    if m.shape[0] != nd:
        raise RuntimeError(f"affine_transform: the affine matrix has the wrong number of rows "
                           f"({m.shape[0]}) for an input of shape {tuple(x.shape)}")
    if m.ndim == 2 and m.shape[1] != len(out_shape):
        raise RuntimeError(f"affine_transform: the affine matrix has the wrong number of "
                           f"columns ({m.shape[1]}) for an output of shape {out_shape}")
    off = gnp.asarray(offset).astype(_np.float64)
    if off.ndim == 0:
        off = gnp.broadcast_to(off, (nd,))
    if off.shape != (nd,):
        raise RuntimeError(f"affine_transform: no proper offset provided (shape "
                           f"{tuple(off.shape)} for an input of shape {tuple(x.shape)})")
    if m.ndim == 1:
        if len(out_shape) != nd:
            raise RuntimeError(f"affine_transform: a diagonal matrix needs an output of the "
                               f"input's rank, got output shape {out_shape}")
        xp = get_backend().xp
        coords = []
        for a, n in enumerate(out_shape):
            g = gnp.reshape(xp.arange(n, dtype=_np.float64), [-1 if j == a else 1
                                                               for j in range(nd)])
            coords.append((g + off[a] / m[a]) * m[a])  # SciPy's zoom-and-shift form
    else:
        coords = _affine_coords(nd, m, off, out_shape)
    return _resample("affine_transform", x, dtype, coords, order, mode, cval, prefilter)


def rotate(input: Any, angle: Any, axes: Sequence[int] = (1, 0), reshape: bool = True,
           output: Any = None, order: int = 3, mode: str = "constant", cval: Any = 0.0,
           prefilter: bool = True) -> Any:
    """``scipy.ndimage.rotate``: ``input`` rotated by ``angle`` degrees in the plane of
    ``axes`` about the centre (``reshape=True``: the output grows to hold the whole input),
    by spline interpolation (``order`` 0 to 5, SciPy's modes); differentiable in ``input``,
    ``angle`` and ``cval`` (the reshaped size is read from the angle's value; under
    ``gpuad.jit`` an angle giving another size traces again).

    Example: ``rotate(image, 30.0, reshape=False, order=1)``
    """
    order = _order("rotate", order)
    mode = _interp_mode("rotate", mode)
    x, dt = _interp_input("rotate", input)
    dtype = _dtype_out("rotate", output, dt)
    nd = x.ndim
    if nd < 2:
        raise ValueError(f"rotate: input array should be at least 2D, got shape "
                         f"{tuple(x.shape)}")
    ax = list(axes)
    if len(ax) != 2:
        raise ValueError(f"rotate: axes should contain exactly two values, got {axes}")
    if not all(float(a).is_integer() for a in ax):
        raise ValueError(f"rotate: axes should contain only integer values, got {axes}")
    ax = [int(a) + nd if int(a) < 0 else int(a) for a in ax]
    if not all(0 <= a < nd for a in ax):
        raise ValueError(f"rotate: invalid rotation plane specified: axes {axes} for an "
                         f"input of dimension {nd}")
    ax.sort()
    if ax[0] == ax[1]:
        raise ValueError(f"rotate: invalid rotation plane specified: axes {axes}")
    from scipy import special

    if isinstance(angle, Tensor):
        rad = gnp.asarray(angle).astype(_np.float64) * (_np.pi / 180.0)
        c, s = gnp.cos(rad), gnp.sin(rad)
        if reshape:  # the output's size is read from the angle
            deg = _sigma_value(data(angle), "rotate", "angle (with reshape=True)")
            ch, sh = float(special.cosdg(deg)), float(special.sindg(deg))
    else:
        ch, sh = float(special.cosdg(float(angle))), float(special.sindg(float(angle)))
        c, s = ch, sh
    in_plane = _np.array([x.shape[ax[0]], x.shape[ax[1]]])
    if reshape:
        iy, ix = in_plane
        rot = _np.array([[ch, sh], [-sh, ch]])
        bounds = rot @ [[0, 0, iy, iy], [0, ix, 0, ix]]
        out_plane = (_np.ptp(bounds, axis=1) + 0.5).astype(int)
        if isinstance(angle, Tensor) and hasattr(data(angle), "shape"):
            want = tuple(int(v) for v in out_plane)

            def same_size(xp, a):
                r = a * (_np.pi / 180.0)
                cc, ss = xp.cos(r), xp.sin(r)
                h = xp.abs(cc) * iy + xp.abs(ss) * ix
                w = xp.abs(ss) * iy + xp.abs(cc) * ix
                return (xp.floor(h + 0.5) == want[0]) & (xp.floor(w + 0.5) == want[1])

            _vc.keep_branch("rotate reshape", True, same_size, data(angle))
    else:
        out_plane = in_plane
    out_center_h = (out_plane - 1) / 2.0
    in_center = (in_plane - 1) / 2.0
    # matrix [[c, s], [-s, c]]; offset = in_center - matrix @ out_center
    m = [[c, s], [-s, c]]
    off = [in_center[0] - (m[0][0] * out_center_h[0] + m[0][1] * out_center_h[1]),
           in_center[1] - (m[1][0] * out_center_h[0] + m[1][1] * out_center_h[1])]
    moved = gnp.moveaxis(x, ax, [nd - 2, nd - 1])
    xp = get_backend().xp
    gy = gnp.reshape(xp.arange(int(out_plane[0]), dtype=_np.float64), (-1, 1))
    gx = gnp.reshape(xp.arange(int(out_plane[1]), dtype=_np.float64), (1, -1))
    coords = [gy * m[0][0] + gx * m[0][1] + off[0], gy * m[1][0] + gx * m[1][1] + off[1]]
    out = _resample("rotate", moved, dtype, coords, order, mode, cval, prefilter)
    return gnp.moveaxis(out, [nd - 2, nd - 1], ax)


def geometric_transform(input: Any, mapping: Any, output_shape: Any = None, output: Any = None,
                        order: int = 3, mode: str = "constant", cval: Any = 0.0,
                        prefilter: bool = True, extra_arguments: Sequence[Any] = (),
                        extra_keywords: dict | None = None) -> Any:
    """``scipy.ndimage.geometric_transform``: ``out[o] = input(mapping(o))`` for every output
    index tuple ``o`` (``mapping`` is called once per point, in Python, as SciPy does), by
    spline interpolation (``order`` 0 to 5, SciPy's modes). Differentiable in ``input`` and
    ``cval``, and in the coordinates where ``mapping`` returns gpuad arrays; for large
    outputs build the coordinates as arrays and call :func:`map_coordinates`.

    Example: ``geometric_transform(image, lambda o: (o[0] - 0.5, o[1] * 0.8), order=1)``
    """
    order = _order("geometric_transform", order)
    mode = _interp_mode("geometric_transform", mode)
    x, dt = _interp_input("geometric_transform", input)
    dtype = _dtype_out("geometric_transform", output, dt)
    out_shape = tuple(x.shape) if output_shape is None else tuple(int(n) for n in output_shape)
    if len(out_shape) < 1:
        raise RuntimeError("geometric_transform: input and output rank must be > 0")
    kw = extra_keywords or {}
    rows = []
    for o in _np.ndindex(*out_shape):
        c = mapping(o, *extra_arguments, **kw)
        c = tuple(c) if isinstance(c, (list, tuple)) else tuple(c[j] for j in range(len(c)))
        if len(c) != x.ndim:
            raise RuntimeError(f"geometric_transform: the mapping returned {len(c)} "
                               f"coordinates for an input of dimension {x.ndim}")
        rows.append(c)
    if any(isinstance(v, Tensor) for row in rows for v in row):
        coords = [gnp.reshape(gnp.stack([gnp.asarray(row[j]).astype(_np.float64)
                                         for row in rows]), out_shape) for j in range(x.ndim)]
    else:
        table = _np.asarray(rows, dtype=_np.float64).reshape(out_shape + (x.ndim,))
        xp = get_backend().xp
        coords = [xp.asarray(table[..., j]) for j in range(x.ndim)]
    return _resample("geometric_transform", x, dtype, coords, order, mode, cval, prefilter)


for _name in ("correlate", "convolve", "correlate1d", "convolve1d", "uniform_filter",
              "uniform_filter1d", "gaussian_filter", "gaussian_filter1d", "sobel", "prewitt",
              "generic_laplace", "laplace", "gaussian_laplace", "generic_gradient_magnitude",
              "gaussian_gradient_magnitude", "minimum_filter", "maximum_filter",
              "minimum_filter1d", "maximum_filter1d", "rank_filter", "median_filter",
              "percentile_filter"):
    globals()[_name] = _takes_output_dtype(globals()[_name])
del _name


_HOST = ("call scipy.ndimage.{0} (or cupyx.scipy.ndimage.{0}) on plain arrays, e.g. "
         "{0}(x.numpy(), ...)")
_ABSENT = {
    "label": "not differentiable (integer labels of connected regions): call "
             "scipy.ndimage.label (or cupyx.scipy.ndimage.label) on plain arrays, e.g. "
             "label(x.numpy() > 0.5)",
    **{name: f"not differentiable ({what}): " + _HOST.format(name) for name, what in [
        ("find_objects", "slices of labelled regions"),
        ("value_indices", "integer positions of each value"),
        ("watershed_ift", "integer labels"),
        ("histogram", "integer counts"),
        ("minimum_position", "integer positions"),
        ("maximum_position", "integer positions"),
        ("extrema", "integer positions; minimum and maximum are differentiable"),
        ("labeled_comprehension", "an arbitrary host function per label; sum_labels, mean, "
                                  "variance, minimum, maximum and median are differentiable"),
        ("generic_filter", "an arbitrary host function per window"),
        ("generic_filter1d", "an arbitrary host function per line"),
        ("vectorized_filter", "an arbitrary function per window"),
    ]},
}


__getattr__ = absent_names("gpuad.scipy.ndimage", _ABSENT)
