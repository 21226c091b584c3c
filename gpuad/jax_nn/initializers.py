"""``jax.nn.initializers``: functions ``init(key, shape, dtype)`` that draw parameters from a
``gpuad.random`` key, with JAX's names, arguments, fan rules and distributions.

The fans of a weight array follow JAX: ``in_axis`` (default -2) and ``out_axis`` (default
-1) name the input and output axes, ``batch_axis`` axes that are ignored, every other axis is
the receptive field (a convolution's spatial axes) and multiplies both fans. The values are
gpuad's random numbers (not JAX's bits for the same key) with JAX's distributions;
``variance_scaling`` with ``"truncated_normal"`` cuts at two standard deviations and divides
by ``0.87962566103423978`` (the standard deviation of a standard normal cut there), so the
samples have variance ``scale / n``. ``dtype`` defaults to float64 (gpuad's default float);
complex dtypes work in ``variance_scaling`` (a uniform disk or a truncated complex normal).

Example::

    import gpuad.jax_nn as jnn
    init = jnn.initializers.glorot_normal()
    w = init(gpuad.random.PRNGKey(0), (784, 128))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import random

__all__ = [
    "Initializer",
    "zeros",
    "ones",
    "constant",
    "uniform",
    "normal",
    "truncated_normal",
    "variance_scaling",
    "glorot_uniform",
    "glorot_normal",
    "xavier_uniform",
    "xavier_normal",
    "lecun_uniform",
    "lecun_normal",
    "he_uniform",
    "he_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "delta_orthogonal",
]

Initializer = Callable[..., Any]  # (key, shape, dtype=None) -> array
Axes = int | Sequence[int]

_TRUNC_STD = 0.87962566103423978  # std of N(0, 1) conditioned on (-2, 2)
_COMPLEX_TRUNC_STD = 0.95311164380491208  # the same for |z| < 2, z standard complex normal


def _dtype(dtype: Any) -> np.dtype:
    return np.dtype(np.float64 if dtype is None else dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def _real(dt: np.dtype) -> np.dtype:
    return np.empty((), dt).real.dtype


def zeros(key: Any, shape: Any, dtype: Any = None) -> Any:
    """Zeros (the key is unused). Example: ``initializers.zeros(key, (3,))``"""
    return gnp.zeros(_shape(shape), _dtype(dtype))


def ones(key: Any, shape: Any, dtype: Any = None) -> Any:
    """Ones (the key is unused). Example: ``initializers.ones(key, (3,))``"""
    return gnp.ones(_shape(shape), _dtype(dtype))


def constant(value: Any, dtype: Any = None) -> Initializer:
    """An initializer filling with ``value``. Example: ``initializers.constant(-7.0)``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        return gnp.full(_shape(shape), value, dtype=_dtype(dtype))

    return init


def uniform(scale: float = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing uniformly from ``[0, scale)``.
    Example: ``initializers.uniform(0.1)``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        dt = _dtype(dtype)
        return random.uniform(key, _shape(shape), dt) * gnp.asarray(scale, dtype=dt)

    return init


def normal(stddev: float = 1e-2, dtype: Any = None) -> Initializer:
    """An initializer drawing from ``N(0, stddev^2)``. Example: ``initializers.normal(0.02)``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        dt = _dtype(dtype)
        return random.normal(key, _shape(shape), dt) * gnp.asarray(stddev, dtype=dt)

    return init


def truncated_normal(
    stddev: float = 1e-2, dtype: Any = None, lower: float = -2.0, upper: float = 2.0
) -> Initializer:
    """An initializer drawing ``stddev * z``, ``z`` standard normal cut to ``(lower, upper)``
    (no variance correction: that is ``variance_scaling``'s).
    Example: ``initializers.truncated_normal(0.02)``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        dt = _dtype(dtype)
        z = random.truncated_normal(key, lower, upper, _shape(shape), dt)
        return z * gnp.asarray(stddev, dtype=dt)

    return init


def _size(shape: tuple[int, ...], axes: Axes) -> int:
    if isinstance(axes, int | np.integer):
        return shape[axes]
    return math.prod(shape[a] for a in axes)


def _compute_fans(
    shape: tuple[int, ...], in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = ()
) -> tuple[float, float]:
    """``(fan_in, fan_out)``: the input and output sizes times the receptive field (the
    product of the axes that are neither input, output nor batch)."""
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(
            f"initializers: cannot tell the input and output sizes of a weight of shape "
            f"{shape} with the default in_axis; it needs at least 2 axes, or pass in_axis"
        )
    in_size, out_size = _size(shape, in_axis), _size(shape, out_axis)
    receptive = math.prod(shape) / in_size / out_size / _size(shape, batch_axis)
    return in_size * receptive, out_size * receptive


def _complex_uniform(key: Any, shape: tuple[int, ...], dt: np.dtype) -> Any:
    """Uniform on the unit disk scaled to variance 1: ``sqrt(2 u) exp(2 pi i v)``."""
    kr, kt = random.split(key)
    real = _real(dt)
    r = gnp.sqrt(2 * random.uniform(kr, shape, real))
    theta = 2 * np.pi * random.uniform(kt, shape, real)
    return (r * gnp.exp(1j * theta)).astype(dt)


def _complex_truncated_normal(key: Any, upper: float, shape: tuple[int, ...], dt: np.dtype):
    """A standard complex normal conditioned on ``|z| < upper`` (inverse CDF of ``|z|``)."""
    kr, kt = random.split(key)
    real = _real(dt)
    t = (1 - math.exp(-(upper**2))) * random.uniform(kr, shape, real)
    r = gnp.sqrt(-gnp.log1p(-t))
    theta = 2 * np.pi * random.uniform(kt, shape, real)
    return (r * gnp.exp(1j * theta)).astype(dt)


def variance_scaling(
    scale: float,
    mode: str,
    distribution: str,
    in_axis: Axes = -2,
    out_axis: Axes = -1,
    batch_axis: Axes = (),
    dtype: Any = None,
) -> Initializer:
    """An initializer with variance ``scale / n``, ``n`` the fan of ``mode`` (``"fan_in"``,
    ``"fan_out"``, ``"fan_avg"``: their mean, ``"fan_geo_avg"``: their geometric mean), from
    ``distribution`` ``"truncated_normal"`` (cut at 2 standard deviations, then rescaled),
    ``"normal"`` or ``"uniform"`` (on ``[-sqrt(3 var), sqrt(3 var))``).

    Example: ``initializers.variance_scaling(2.0, "fan_in", "truncated_normal")``
    """
    if mode not in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        raise ValueError(f"variance_scaling: invalid mode {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"variance_scaling: invalid distribution {distribution!r}")

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape, dt = _shape(shape), _dtype(dtype)
        fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
        n = {
            "fan_in": fan_in,
            "fan_out": fan_out,
            "fan_avg": (fan_in + fan_out) / 2,
            "fan_geo_avg": (fan_in * fan_out) ** 0.5,
        }[mode]
        std = math.sqrt(scale / n)
        cplx = dt.kind == "c"
        if distribution == "truncated_normal":
            if cplx:
                z = _complex_truncated_normal(key, 2.0, shape, dt)
                return z * (std / _COMPLEX_TRUNC_STD)
            return random.truncated_normal(key, -2.0, 2.0, shape, dt) * (std / _TRUNC_STD)
        if distribution == "normal":
            if cplx:
                kr, ki = random.split(key)
                real = _real(dt)
                z = random.normal(kr, shape, real) + 1j * random.normal(ki, shape, real)
                return (z * (std / math.sqrt(2))).astype(dt)
            return random.normal(key, shape, dt) * std
        if cplx:
            return _complex_uniform(key, shape, dt) * std
        return random.uniform(key, shape, dt, minval=-1.0) * (std * math.sqrt(3))

    return init


def glorot_uniform(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(1.0, "fan_avg", "uniform")`` (Xavier uniform).
    Example: ``initializers.glorot_uniform()(key, (3, 4))``"""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(1.0, "fan_avg", "truncated_normal")`` (Xavier normal).
    Example: ``initializers.glorot_normal()(key, (3, 4))``"""
    return variance_scaling(
        1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis, dtype
    )


def lecun_uniform(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(1.0, "fan_in", "uniform")``.
    Example: ``initializers.lecun_uniform()(key, (3, 4))``"""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(1.0, "fan_in", "truncated_normal")``.
    Example: ``initializers.lecun_normal()(key, (3, 4))``"""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


def he_uniform(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(2.0, "fan_in", "uniform")`` (Kaiming uniform).
    Example: ``initializers.he_uniform()(key, (3, 4))``"""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(
    in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None
) -> Initializer:
    """``variance_scaling(2.0, "fan_in", "truncated_normal")`` (Kaiming normal).
    Example: ``initializers.he_normal()(key, (3, 4))``"""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def _orthogonal_matrix(key: Any, n: int, m: int, dt: np.dtype) -> Any:
    """An (n, m) matrix with orthonormal rows or columns (whichever are fewer), uniformly
    distributed: the Q of a Gaussian matrix's QR with the signs of R's diagonal taken out."""
    work = dt if np.dtype(dt).itemsize >= 4 else np.float32  # (no float16 QR in LAPACK)
    z = random.normal(key, (max(n, m), min(n, m)), work)
    q, r = gnp.linalg.qr(z)
    q = (q * gnp.sign(gnp.diagonal(r))[None, :]).astype(dt)
    return q.T if n < m else q


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """An initializer whose result, as a matrix with ``column_axis`` as its columns and the
    other axes flattened into rows, has orthonormal rows or columns (whichever are fewer),
    times ``scale``. Example: ``initializers.orthogonal()(key, (4, 4))``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape, dt = _shape(shape), _dtype(dtype)
        if len(shape) < 2:
            raise ValueError(f"orthogonal: needs a shape of at least 2 axes, got {shape}")
        if 0 in shape:
            return gnp.zeros(shape, dt)
        n_cols = shape[column_axis]
        q = _orthogonal_matrix(key, math.prod(shape) // n_cols, n_cols, dt)
        rest = tuple(np.delete(np.array(shape), column_axis))
        q = gnp.moveaxis(gnp.reshape(q, rest + (n_cols,)), -1, column_axis)
        return gnp.asarray(scale, dtype=dt) * q

    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """A convolution kernel (3, 4 or 5 axes, ``shape[-2] <= shape[-1]``) that is zero but at
    the spatial centre, where it is an orthogonal (in, out) matrix: the delta-orthogonal
    initializer. Example: ``initializers.delta_orthogonal()(key, (3, 3, 4, 4))``"""

    def init(key: Any, shape: Any, dtype: Any = dtype) -> Any:
        shape, dt = _shape(shape), _dtype(dtype)
        if len(shape) not in (3, 4, 5):
            raise ValueError(f"delta_orthogonal: needs a 3-, 4- or 5-axis shape, got {shape}")
        if shape[-1] < shape[-2]:
            raise ValueError(
                f"delta_orthogonal: fan_in must not exceed fan_out, got shape {shape} "
                f"({shape[-2]} > {shape[-1]})"
            )
        centre = orthogonal(scale, column_axis, dt)(key, shape[-2:])
        w = gnp.zeros(shape, dt)  # a fresh backend array: written in place
        w[tuple((k - 1) // 2 for k in shape[:-2])] = centre
        return w

    return init
