"""Image resampling with ``jax.image``'s names and semantics: :func:`resize`,
:func:`scale_and_translate` and :class:`ResizeMethod` (nearest, linear, cubic (Keys, ``a =
-0.5``), PyTorch's cubic (``a = -0.75`` with edge padding), Lanczos 3 and 5, area).

Each spatial axis is resampled by a weight matrix (input size x output size): the kernel at the
distance between each output pixel's centre, mapped back through the scale and translation,
and each input pixel's centre (widened by the downscale ratio with ``antialias``), each output's
weights normalised to sum to 1 and zero where it falls outside the input. The matrix is built
from differentiable ops, so the result differentiates in the image and in ``scale`` and
``translation``, and runs under ``gpuad.jit`` and ``gpuad.vmap``.

Example::

    import gpuad.image
    y = gpuad.image.resize(x, (2, 64, 64, 3), "bilinear")
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import numpy as gnp
from ._raw import _xp, data

__all__ = ["ResizeMethod", "resize", "scale_and_translate"]

Array = Any


class ResizeMethod(enum.Enum):
    """``jax.image.ResizeMethod``: the resampling kernels."""

    NEAREST = 0
    LINEAR = 1
    LANCZOS3 = 2
    LANCZOS5 = 3
    CUBIC = 4
    CUBIC_PYTORCH = 5
    AREA = 6

    @staticmethod
    def from_string(s: str) -> ResizeMethod:
        """The method a name stands for (``'bilinear'`` is ``LINEAR``, ``'bicubic'`` ``CUBIC``)."""
        names = {
            "nearest": ResizeMethod.NEAREST,
            "linear": ResizeMethod.LINEAR,
            "bilinear": ResizeMethod.LINEAR,
            "trilinear": ResizeMethod.LINEAR,
            "triangle": ResizeMethod.LINEAR,
            "lanczos3": ResizeMethod.LANCZOS3,
            "lanczos5": ResizeMethod.LANCZOS5,
            "cubic": ResizeMethod.CUBIC,
            "bicubic": ResizeMethod.CUBIC,
            "tricubic": ResizeMethod.CUBIC,
            "cubic-pytorch": ResizeMethod.CUBIC_PYTORCH,
            "bicubic-pytorch": ResizeMethod.CUBIC_PYTORCH,
            "area": ResizeMethod.AREA,
        }
        if s not in names:
            raise ValueError(f'Unknown resize method "{s}": one of {", ".join(names)}')
        return names[s]


def _triangle(x):
    return gnp.maximum(0.0, 1.0 - gnp.abs(x))


def _keys_cubic(x, a: float):
    """Keys' cubic convolution kernel at ``x >= 0``: ``a = -0.5`` (JAX's, Pillow's), ``-0.75``
    (PyTorch's and OpenCV's without antialiasing)."""
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return gnp.where(x >= 2.0, 0.0, gnp.where(x >= 1.0, far, near))


def _lanczos(x, r: float):
    """``sinc(x) sinc(x / r)`` for ``x <= r``, 1 within 1e-3 of 0, else 0."""
    safe = gnp.where(x != 0, np.pi**2 * x * x, 1.0)
    val = r * gnp.sin(np.pi * x) * gnp.sin(np.pi * x / r) / safe
    return gnp.where(x > r, 0.0, gnp.where(x > 1e-3, val, 1.0))


_KERNELS = {
    ResizeMethod.LINEAR: (1, _triangle),
    ResizeMethod.LANCZOS3: (3, lambda x: _lanczos(x, 3.0)),
    ResizeMethod.LANCZOS5: (5, lambda x: _lanczos(x, 5.0)),
    ResizeMethod.CUBIC: (2, lambda x: _keys_cubic(x, -0.5)),
    ResizeMethod.CUBIC_PYTORCH: (2, lambda x: _keys_cubic(x, -0.75)),
    ResizeMethod.AREA: (1, None),
}
_TINY = 1000.0 * float(np.finfo(np.float32).eps)


def _weights(
    xp: Any, m: int, n: int, scale, translation, method: ResizeMethod, antialias: bool, dtype
):
    """The (m, n) matrix taking an axis of ``m`` input pixels to ``n`` outputs."""
    radius, kernel = _KERNELS[method]
    inv = 1.0 / scale
    out_i = xp.arange(n, dtype=dtype)
    centre = (out_i + 0.5) * inv - translation * inv - 0.5  # in input pixel units
    edge = method == ResizeMethod.CUBIC_PYTORCH and not antialias
    k = radius if edge else 0
    at = xp.arange(-k, m + k, dtype=dtype)[:, None]
    if kernel is None:  # area: the overlap of [left, left + inv] with each input pixel
        left = out_i * inv - translation * inv
        w = gnp.maximum(0.0, gnp.minimum(left + inv, at + 1.0) - gnp.maximum(left, at))
    else:
        stretch = gnp.maximum(inv, 1.0) if antialias else 1.0
        w = kernel(gnp.abs(centre - at) / stretch)
    if edge:  # the k pixels beyond each end repeat the edge pixel: fold their weights in
        first, last = gnp.sum(w[: k + 1], axis=0, keepdims=True), gnp.sum(w[m + k - 1 :], axis=0)
        if m == 1:
            w = gnp.reshape(first + (last - w[k]), (1, n))
        else:
            w = gnp.concatenate([first, w[k + 1 : m + k - 1], last[None]], axis=0)
    total = gnp.sum(w, axis=0, keepdims=True)
    w = gnp.where(gnp.abs(total) > _TINY, w / gnp.where(total != 0, total, 1.0), 0.0)
    if not edge:  # outputs whose centre falls outside the input get nothing
        w = gnp.where(((centre >= -0.5) & (centre <= m - 0.5))[None, :], w, 0.0)
    return w


def _float_dtype(*args) -> np.dtype:
    """JAX's (x64) promotion of the scale and translation: their floating dtype, float64 for
    Python numbers and integers."""
    dts = [np.dtype(a.dtype) for a in args if hasattr(a, "dtype")]
    dts = [d for d in dts if d.kind in "fc"]
    return np.result_type(*dts) if dts else np.dtype(np.float64)


def _inexact(image: Array) -> Array:
    """JAX's (x64) promotion of an image: floats kept; 64-bit integers to float64, other
    integers and booleans to float32."""
    image = image if hasattr(image, "dtype") else gnp.asarray(image)
    dt = np.dtype(image.dtype)
    if dt.kind in "fc":
        return image
    return image.astype(np.float64 if dt.itemsize == 8 else np.float32)


def _contract(x: Array, d: int, w: Array) -> Array:
    """``x`` with axis ``d`` (m) replaced by ``w``'s columns (n): ``sum_j x[.., j, ..] w[j, i]``."""
    return gnp.moveaxis(gnp.tensordot(x, w, axes=([d], [0])), -1, d)


def _check_shape(op: str, image: Array, shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    ishape = tuple(gnp.shape(image))
    if len(shape) != len(ishape):
        raise ValueError(
            f"{op}: shape must have length equal to the number of dimensions of the image; "
            f"{shape} vs {ishape}"
        )
    if min(shape, default=0) < 0:
        raise ValueError(f"{op}: shape must be non-negative, got {shape} for an image {ishape}")
    return shape


def _method(method: str | ResizeMethod) -> ResizeMethod:
    if isinstance(method, str):
        return ResizeMethod.from_string(method)
    if not isinstance(method, ResizeMethod):
        raise TypeError(f"method must be a string or a ResizeMethod, got {method!r}")
    return method


def scale_and_translate(
    image: Array,
    shape: Sequence[int],
    spatial_dims: Sequence[int],
    scale: Array,
    translation: Array,
    method: str | ResizeMethod,
    antialias: bool = True,
    precision: Any = None,
) -> Array:
    """Resample ``image`` to ``shape``: along ``spatial_dims[i]``, the output pixel at ``o``
    (pixel centres at half integers) samples the input at ``(o - translation[i]) /
    scale[i]``, as ``jax.image.scale_and_translate``; outputs that fall outside the input are
    0. Differentiable in ``image``, ``scale`` and ``translation``; ``precision`` is accepted
    and ignored (gpuad contracts at the arrays' precision).

    Example: ``scale_and_translate(x, (1, 6, 4, 1), (1, 2), [2.0, 2.0], [1.0, -1.0], "linear")``
    """
    op = "scale_and_translate"
    shape = _check_shape(op, image, shape)
    method = _method(method)
    if method == ResizeMethod.NEAREST:
        raise ValueError(f"{op}: nearest neighbor resampling is not supported; use resize")
    if method == ResizeMethod.CUBIC_PYTORCH and antialias:
        method = ResizeMethod.CUBIC
    spatial_dims = list(spatial_dims)
    k = len(spatial_dims)
    if (
        len(gnp.shape(scale)) != 1
        or len(gnp.shape(translation)) != 1
        or not (gnp.shape(scale)[0] == gnp.shape(translation)[0] == k)
    ):
        raise ValueError(
            f"{op}: scale and translation must hold one value per spatial dim ({k}), got "
            f"shapes {gnp.shape(scale)} and {gnp.shape(translation)}"
        )
    x = _inexact(image)
    xp = _xp(data(x))
    nd = len(shape)
    dt = _float_dtype(scale, translation)
    for i, d in enumerate(spatial_dims):
        if not -nd <= d < nd:
            raise ValueError(f"{op}: spatial dim {d} out of range for an image of {nd} dims")
        d %= nd
        w = _weights(xp, gnp.shape(x)[d], shape[d], scale[i], translation[i], method, antialias, dt)
        x = _contract(x, d, w.astype(x.dtype) if np.dtype(x.dtype).kind == "f" else w)
    if tuple(gnp.shape(x)) != shape:
        raise ValueError(
            f"{op}: shape {shape} differs from the image's {tuple(gnp.shape(image))} in a dim "
            f"not in spatial_dims {tuple(spatial_dims)}"
        )
    return x


def _nearest(x: Array, shape: tuple[int, ...]) -> Array:
    for d, (m, n) in enumerate(zip(gnp.shape(x), shape, strict=True)):
        if m == n:
            continue
        pos = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * np.float32(m) / np.float32(n)
        idx = _xp(data(x)).asarray(np.floor(pos).astype(np.int64))
        x = gnp.take(x, idx, axis=d)  # JAX computes in float32
    return x


def resize(
    image: Array,
    shape: Sequence[int],
    method: str | ResizeMethod,
    antialias: bool = True,
    precision: Any = None,
) -> Array:
    """``image`` resampled to ``shape`` (every dim; a dim of the same size is left as it is),
    as ``jax.image.resize``: half-pixel centres, no ``align_corners`` (use
    :func:`scale_and_translate`); ``antialias`` widens the kernel when downsampling. Nearest
    keeps the dtype; other methods promote integers as JAX does (64-bit ones to float64,
    others to float32). Differentiable in ``image``.

    Example: ``resize(x, (1, 8, 8, 3), "lanczos3")``
    """
    shape = _check_shape("resize", image, shape)
    method = _method(method)
    if method == ResizeMethod.NEAREST:
        return _nearest(image if hasattr(image, "dtype") else gnp.asarray(image), shape)
    ishape = tuple(gnp.shape(image))
    dims = [d for d in range(len(shape)) if shape[d] != ishape[d]]
    scale = [1.0 if shape[d] == 0 else shape[d] / ishape[d] for d in dims]
    if not dims:
        return _inexact(image)
    return scale_and_translate(
        image, shape, dims, np.array(scale), np.zeros(len(dims)), method, antialias, precision
    )


def __getattr__(name: str):
    raise AttributeError(
        f"gpuad.image has no {name!r}: it has jax.image's resize, scale_and_translate and "
        f"ResizeMethod"
    )
