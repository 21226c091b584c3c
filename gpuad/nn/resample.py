"""Resampling as ``torch.nn.functional.interpolate``: modes ``nearest``, ``nearest-exact``,
``linear``, ``bilinear``, ``bicubic``, ``trilinear`` and ``area``, by ``size`` or
``scale_factor`` (with ``recompute_scale_factor``), ``align_corners`` and ``antialias``
(bilinear, bicubic); the modules
``Upsample``, ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``; ``upsample*`` aliases.

Each spatial axis is resampled in turn: the source positions and weights of an axis are
computed on the host with torch's formulas (nearest in float32, as torch), then the input is
gathered along that axis (``take``, whose adjoint scatter-adds) and the taps are weighed and
summed. So every mode differentiates to any order, and a nearest output passes its gradient
to the one element it copies, as torch.

Example::

    import gpuad.nn.functional as F
    y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import _xp, data
from .modules import Module

__all__ = [
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "affine_grid",
    "grid_sample",
]

Array = Any


class UnsupportedResampleError(ValueError, NotImplementedError):
    """A rank or mode the op lacks: torch raises ``NotImplementedError``, older gpuad
    ``ValueError``; either catches it."""


class ResampleSizeError(ValueError, RuntimeError):
    """Sizes the op refuses (empty, non-positive, mismatched): torch's ``RuntimeError``,
    older gpuad's ``ValueError``; either catches it."""


_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "area", *_DIMS)


def _nearest(n: int, m: int, scale: float | None, exact: bool, nd: int) -> np.ndarray:
    """torch's source index of each of ``m`` outputs along an axis of ``n`` (float32 maths).
    torch's CPU kernel of 2-d 'nearest' alone copies an axis whose size is kept and halves the
    index of one whose size doubles, whatever the scale (``scale_factor=1.3`` on 3 rows picks
    rows 0, 1, 2 in 2-d, rows 0, 0, 1 in 1-d and 3-d)."""
    if not exact and nd == 2 and m == n:
        return np.arange(m)
    if not exact and nd == 2 and m == 2 * n:
        return np.arange(m) >> 1
    s = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(m)
    i = np.arange(m, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(i * s).astype(np.int64), n - 1)


def _ratio(n: int, m: int, scale: float | None, align_corners: bool) -> float:
    if align_corners:
        return (n - 1) / (m - 1) if m > 1 else 0.0
    return 1.0 / scale if scale else n / m


def _source(
    n: int, m: int, scale: float | None, align_corners: bool, cubic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The floor of each output's source position (at most ``n - 1``) and its fraction."""
    r, i = _ratio(n, m, scale, align_corners), np.arange(m, dtype=np.float64)
    src = r * i if align_corners else r * (i + 0.5) - 0.5
    if not cubic and not align_corners:
        src = np.maximum(src, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    return i0, np.clip(src - i0, 0.0, 1.0)


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    a = -0.75  # torch's (Keys') cubic convolution

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)]


def _aa_filter(x: np.ndarray, cubic: bool) -> np.ndarray:
    """The antialias kernels: the triangle, or Keys' cubic with ``a = -0.5`` (not the
    ``-0.75`` of plain bicubic)."""
    t = np.abs(x)
    if not cubic:
        return np.maximum(0.0, 1.0 - t)
    a = -0.5
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def _aa_taps(
    n: int, m: int, scale: float | None, align_corners: bool, cubic: bool
) -> list[tuple[np.ndarray, np.ndarray]]:
    """torch's antialiased resampling of an axis of ``n`` to ``m`` as taps: output ``i``
    averages the inputs within ``support`` of its centre ``r * (i + 0.5)`` (the kernel's
    half width, widened by the downscale ratio ``r`` when ``r > 1``), weighted by the kernel
    at ``(j + 0.5 - centre) / max(r, 1)`` and normalised to sum to 1."""
    r = _ratio(n, m, scale, align_corners)
    half = 2.0 if cubic else 1.0
    support, stretch = (half * r, r) if r >= 1.0 else (half, 1.0)
    centre = r * (np.arange(m, dtype=np.float64) + 0.5)
    lo = np.maximum((centre - support + 0.5).astype(np.int64), 0)  # truncation, as torch
    hi = np.minimum((centre + support + 0.5).astype(np.int64), n)
    width = int(max(int((hi - lo).max()), 1))
    j = lo[:, None] + np.arange(width)[None, :]
    w = np.where(j < hi[:, None], _aa_filter((j + 0.5 - centre[:, None]) / stretch, cubic), 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = w / np.where(total != 0, total, 1.0)
    idx = np.minimum(j, n - 1)
    return [(idx[:, k], w[:, k]) for k in range(width)]


def _along(x: Array, axis: int, taps: list[tuple[np.ndarray, np.ndarray | None]]) -> Array:
    """``sum_k take(x, idx_k, axis) * w_k`` (w along ``axis``); a tap without weights is
    the take alone."""
    xp, dt = _xp(data(x)), data(x).dtype
    nd = len(_r.shape(x))
    out = None
    for idx, w in taps:
        t = gnp.take(x, xp.asarray(idx), axis=axis)
        if w is not None:
            t = t * xp.asarray(w.astype(dt).reshape((-1,) + (1,) * (nd - axis - 1)))
        out = t if out is None else out + t
    return out


def _resample_axis(
    x: Array, axis: int, n: int, m: int, scale: float | None, mode: str, align_corners: bool,
    antialias: bool = False,
) -> Array:
    if antialias:
        if m == n:  # torch copies an axis whose size is kept
            return x
        return _along(x, axis, _aa_taps(n, m, scale, align_corners, mode == "bicubic"))
    if mode in ("nearest", "nearest-exact"):
        nd = len(_r.shape(x)) - 2
        return _along(x, axis, [(_nearest(n, m, scale, mode == "nearest-exact", nd), None)])
    if mode == "bicubic":
        i0, t = _source(n, m, scale, align_corners, cubic=True)
        ws = _cubic_weights(t)
        return _along(x, axis, [(np.clip(i0 - 1 + k, 0, n - 1), ws[k]) for k in range(4)])
    if m == n:  # torch copies when the size does not change, whatever the scale
        return x
    i0, lam = _source(n, m, scale, align_corners, cubic=False)
    i1 = np.where(i0 < n - 1, i0 + 1, i0)
    return _along(x, axis, [(i0, 1.0 - lam), (i1, lam)])


def _per_axis(op: str, name: str, v: Any, nd: int) -> list:
    if isinstance(v, list | tuple):
        if len(v) != nd:
            raise ValueError(
                f"{op}: {name} must be one value or {nd} values for an input "
                f"with {nd} spatial dims, got {v!r}"
            )
        return list(v)
    return [v] * nd


def interpolate(
    input: Array,
    size: int | tuple[int, ...] | None = None,
    scale_factor: float | tuple[float, ...] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Array:
    """Resample the spatial dims of ``input`` (N, C, *spatial) to ``size`` or by
    ``scale_factor``, as ``torch.nn.functional.interpolate``.

    Example: ``F.interpolate(x, size=(8, 8), mode="bicubic", align_corners=True)``
    """
    op = "interpolate"
    s = tuple(_r.shape(input))
    nd = len(s) - 2
    if mode not in _MODES:
        raise UnsupportedResampleError(
            f"{op}: mode must be one of {', '.join(_MODES)}, got {mode!r}"
        )
    if not 1 <= nd <= 3:
        raise UnsupportedResampleError(
            f"{op}: expected an input (N, C, *spatial) of 3 to 5 dims, got shape {s}"
        )
    if mode in _DIMS and _DIMS[mode] != nd:
        raise UnsupportedResampleError(
            f"{op}: mode {mode!r} needs an input of {_DIMS[mode] + 2} dims "
            f"(N, C{', *spatial' if _DIMS[mode] > 1 else ', W'}), got shape {s}"
        )
    if align_corners is not None and mode not in _DIMS:
        raise ValueError(
            f"{op}: align_corners can only be set with the interpolating modes "
            f"linear, bilinear, bicubic and trilinear, got mode {mode!r}"
        )
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(
            f"{op}: antialias=True needs mode 'bilinear' or 'bicubic' (a 4-d input), "
            f"got mode {mode!r} and shape {s}"
        )
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    kind = np.dtype(data(input).dtype).kind
    if kind not in "fc" and mode not in ("nearest", "nearest-exact"):
        raise UnsupportedResampleError(
            f"{op}: mode {mode!r} needs a floating input, got dtype {data(input).dtype} and "
            f"shape {s} (only 'nearest' and 'nearest-exact' copy integers; cast with "
            f".astype(float) first)"
        )
    n_in = s[2:]
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{op}: recompute_scale_factor needs scale_factor, not size")
        out = _per_axis(op, "size", size, nd)
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in out):
            raise TypeError(f"{op}: size must be integers, got {size!r}")
        out = [int(v) for v in out]
        scales: list = [None] * nd
    else:
        sf = [float(v) for v in _per_axis(op, "scale_factor", scale_factor, nd)]
        if not all(math.isfinite(f) for f in sf):
            raise ResampleSizeError(
                f"{op}: scale_factor must be finite, got {scale_factor!r} for an input of "
                f"shape {s}"
            )
        out = [int(math.floor(float(n) * f)) for n, f in zip(n_in, sf, strict=True)]
        scales = [None] * nd if recompute_scale_factor else sf
    if min(out) < (0 if mode == "area" else 1) or min(n_in) <= 0:
        raise ResampleSizeError(
            f"{op}: input spatial size {n_in} and output size {tuple(out)} must be positive"
            f" (an output size of 0 only with mode 'area'); input shape {s}"
        )
    if s[1] == 0:
        raise ResampleSizeError(f"{op}: expected an input with channels, got shape {s}")
    if mode == "area":
        from . import pooling

        pool = (
            pooling.adaptive_avg_pool1d,
            pooling.adaptive_avg_pool2d,
            pooling.adaptive_avg_pool3d,
        )[nd - 1]
        return pool(input, tuple(out))
    y = input
    for k in range(nd):
        y = _resample_axis(
            y, 2 + k, n_in[k], out[k], scales[k], mode, bool(align_corners), bool(antialias)
        )
    return y


def upsample(
    input: Array,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Array:
    """torch's older name of :func:`interpolate`. Example: ``F.upsample(x, scale_factor=2)``"""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Array, size: Any = None, scale_factor: Any = None) -> Array:
    """``interpolate(..., mode="nearest")``. Example: ``F.upsample_nearest(x, scale_factor=2)``"""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input: Array, size: Any = None, scale_factor: Any = None) -> Array:
    """``interpolate(..., mode="bilinear", align_corners=True)``.
    Example: ``F.upsample_bilinear(x, scale_factor=2)``"""
    return interpolate(input, size, scale_factor, "bilinear", True)


class Upsample(Module):
    """:func:`interpolate` as a module, with torch's arguments.

    Example: ``nn.Upsample(scale_factor=2, mode="nearest")(x)``
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Array) -> Array:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest 2-d upsampling. Example: ``nn.UpsamplingNearest2d(scale_factor=2)(x)``"""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-d upsampling with ``align_corners=True``.
    Example: ``nn.UpsamplingBilinear2d(size=(8, 8))(x)``"""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "bilinear", True)


# ---- sampling grids ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _torch_linspace(n: int, dtype: str) -> np.ndarray:
    """``torch.linspace(-1, 1, n)`` bit for bit: each entry is ``-1 + step * i`` (the first
    half) or ``1 - step * (n - 1 - i)`` (the second), rounded once (torch's CPU kernel fuses
    the multiply and the add), with ``step = 2 / (n - 1)`` rounded in ``dtype``. NumPy's
    ``linspace`` rounds twice: a grid point on a pixel centre then falls on the other side
    of bilinear sampling's kink, and the gradient in the grid is the other one-sided
    derivative."""
    dt = np.dtype(dtype)
    step = Fraction(float(dt.type(2.0) / dt.type(n - 1)))
    half = n // 2
    vals = [-1 + step * i if i < half else 1 - step * (n - 1 - i) for i in range(n)]
    return np.array([float(v) for v in vals]).astype(dt)  # float32: exact in float64 first


def _base_coords(xp: Any, n: int, align_corners: bool, dtype: Any) -> Any:
    """torch's normalised pixel positions along an axis of ``n``: -1..1 (corners) or the
    pixel centres, ``linspace(-1, 1, n) * (n - 1) / n``, rounded as torch rounds them."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype)
    dt = np.dtype(dtype)
    c = _torch_linspace(n, dt.str)
    if not align_corners:
        c = (c * dt.type(n - 1)) / dt.type(n)
    return xp.asarray(c, dtype=dtype)


class _FloatError(TypeError, ValueError):
    """torch's ``ValueError`` for an integer ``theta``; older gpuad's ``TypeError``."""


def affine_grid(theta: Array, size: tuple[int, ...], align_corners: bool | None = None) -> Array:
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta``
    (N, 2, 3) (or (N, 3, 4)) for an output of ``size`` (N, C, H, W) (or (N, C, D, H, W)), as
    ``torch.nn.functional.affine_grid``.

    Example: ``grid = F.affine_grid(theta, (1, 3, 8, 8), align_corners=False)``
    """
    size = tuple(int(v) for v in size)
    ts = tuple(_r.shape(theta))
    nd = len(size) - 2
    if nd not in (2, 3):
        raise UnsupportedResampleError(
            f"affine_grid: size must be (N, C, H, W) or (N, C, D, H, W), got size {size} "
            f"for theta {ts}"
        )
    if ts[1:] == (nd, nd + 1) and ts[0] != size[0]:
        raise ResampleSizeError(
            f"affine_grid: theta {ts} has {ts[0]} maps for a size {size} of batch {size[0]}"
        )
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected a positive size, got {size} (theta {ts})")
    if ts != (size[0], nd, nd + 1):
        raise ValueError(
            f"affine_grid: expected theta (N, 2, 3) with a size (N, C, H, W), or "
            f"theta (N, 3, 4) with a size (N, C, D, H, W); got theta {ts} and "
            f"size {size}"
        )
    raw = data(theta)
    if raw.dtype.kind != "f":
        raise _FloatError(f"affine_grid: theta must be floating, got dtype {raw.dtype}")
    xp = _xp(raw)
    axes = [_base_coords(xp, n, bool(align_corners), raw.dtype) for n in size[2:]]
    mesh = xp.meshgrid(*axes, indexing="ij")  # (D,) H, W
    cols = [mesh[k] for k in range(nd - 1, -1, -1)]  # x (width) first, as torch
    base = xp.stack(cols + [xp.ones_like(mesh[0])], axis=-1).reshape(1, -1, nd + 1)
    grid = gnp.matmul(base, gnp.swapaxes(theta, 1, 2))
    return gnp.reshape(grid, (size[0],) + size[2:] + (nd,))


def _unnormalise(g: Array, n: int, align_corners: bool, fused: bool = False) -> Array:
    """Pixel coordinates of normalised grid values. ``fused``: torch's 2-d kernels round
    ``(g + 1) * (n / 2) - 0.5`` once (a fused multiply-add; CUDA contracts its formula into
    the same); rounding twice moves a grid point on a pixel centre, as the identity
    ``affine_grid`` puts them, across bilinear sampling's kink, and the grid's gradient there
    is then the other one-sided derivative. torch's 3-d CPU kernel rounds twice."""
    if not fused:
        if align_corners:
            return (g + 1) / 2 * (n - 1)
        return ((g + 1) * n - 1) / 2
    if align_corners:
        return (g + 1) * ((n - 1) / 2)
    plain = (g + 1) * (n / 2) - 0.5
    raw = data(plain)
    fix = _r.where(_r.isfinite(raw), _fma_half(data(g + 1), n / 2) - raw, 0.0)
    return plain + stop_gradient(fix)


def _fma_half(a: Any, s: float) -> Any:
    """``a * s - 0.5`` rounded once, for ``s`` a multiple of 1/2 below 2**25: float32 (and
    narrower) through float64, where it is exact; float64 by an exact product (Dekker's
    split) and an exact sum (Knuth's TwoSum) added last."""
    xp = _xp(a)
    if a.dtype.itemsize < 8:
        return (a.astype(xp.float64) * s - 0.5).astype(a.dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        c = 134217729.0 * a  # 2**27 + 1: a == hi + lo, each half of a's bits
        hi = c - (c - a)
        lo = a - hi
        p = a * s
        err = (hi * s - p) + lo * s  # a * s == p + err exactly
        t = p - 0.5
        back = t - p
        rest = (p - (t - back)) + (-0.5 - back)  # p - 0.5 == t + rest exactly
        out = t + (rest + err)
    return _r.where(_r.isfinite(out), out, p - 0.5)


def _clip_coords(c: Array, n: int) -> Array:
    """``clip(c, 0, n - 1)`` with torch's gradient: 0 at and beyond the bounds."""
    raw = data(c)
    inside = (raw > 0) & (raw < n - 1)
    return gnp.where(inside, c, gnp.clip(stop_gradient(c), 0, n - 1))


def _reflect_coords(c: Array, n: int, align_corners: bool, exact: bool = False) -> Array:
    """torch's reflection of pixel coordinates into the padded range; ``exact``: the
    remainder by ``fmod`` (torch's 3-d kernel) rather than ``a - flips * span`` (its 2-d
    one), which differ far out (1e30)."""
    lo2, hi2 = (0, 2 * (n - 1)) if align_corners else (-1, 2 * n - 1)
    if lo2 == hi2:
        return c * 0.0
    low, span = lo2 / 2, (hi2 - lo2) / 2
    a = gnp.abs(c - low)
    flips = gnp.floor(data(a) / span)
    extra = gnp.fmod(a, span) if exact else a - flips * span
    even = (flips % 2) == 0
    return gnp.where(even, extra + low, span - extra + low)


def grid_sample(
    input: Array,
    grid: Array,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Array:
    """Sample ``input`` (N, C, H, W) at the normalised positions ``grid`` (N, Ho, Wo, 2)
    (x, y in [-1, 1]), or (N, C, D, H, W) at (N, Do, Ho, Wo, 3) (x, y, z), as
    ``torch.nn.functional.grid_sample``: ``mode`` 'bilinear' (trilinear for 5-d inputs),
    'nearest' (round half to even; no gradient to the grid) or 'bicubic' (4-d inputs;
    torch's cubic convolution with ``A = -0.75`` over a 4 x 4 neighbourhood, each tap's
    position padded on its own), ``padding_mode`` 'zeros', 'border' or 'reflection'.
    Gradients flow to the input and (bilinear, bicubic) the grid.

    Example: ``F.grid_sample(img, F.affine_grid(theta, img.shape), align_corners=False)``
    """
    op = "grid_sample"
    s, gs = tuple(_r.shape(input)), tuple(_r.shape(grid))
    nd = len(s) - 2
    if nd not in (2, 3) or len(gs) != nd + 2 or gs[0] != s[0] or gs[-1] != nd:
        raise ResampleSizeError(
            f"{op}: expected an input (N, C, H, W) and a grid (N, Ho, Wo, 2), or an input "
            f"(N, C, D, H, W) and a grid (N, Do, Ho, Wo, 3); got {s} and {gs}"
        )
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"{op}: mode must be 'bilinear', 'nearest' or 'bicubic', got {mode!r}")
    if mode == "bicubic" and nd != 2:
        raise ResampleSizeError(
            f"{op}: mode 'bicubic' needs a 4-d input (N, C, H, W), got shape {s}"
        )
    if min(s[2:]) <= 0:
        raise ResampleSizeError(
            f"{op}: expected an input with non-empty spatial dims, got {s} (grid {gs})"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got {padding_mode!r}"
        )
    dts = data(input).dtype, data(grid).dtype
    if np.dtype(dts[0]).kind != "f" or dts[0] != dts[1]:
        raise UnsupportedResampleError(
            f"{op}: expected a floating input and a grid of the same dtype, got {dts[0]} "
            f"{s} and {dts[1]} {gs}"
        )
    ac = bool(align_corners)
    n, c = s[:2]
    sizes = s[:1:-1]  # along x, y (, z): the last spatial dim first
    coords = []
    for k, size in enumerate(sizes):
        v = _unnormalise(gnp.getitem(grid, (Ellipsis, k)), size, ac, nd == 2)
        if mode == "bicubic":  # the padding applies to each tap's integer position
            pass
        elif padding_mode != "zeros":
            # torch's padded position of a NaN (and, reflected, of an infinity): the first
            # pixel in its 2-d kernel, the last in its 3-d one; their gradient is 0
            raw = data(v)
            bad = _r.isnan(raw) if padding_mode == "border" else ~_r.isfinite(raw)
            if padding_mode == "reflection":
                v = _reflect_coords(gnp.where(bad, 0.0, v), size, ac, exact=nd == 3)
            v = gnp.where(bad, 0.0 if nd == 2 else size - 1.0, _clip_coords(v, size))
        coords.append(v)
    flat = gnp.reshape(input, (n, c, math.prod(s[2:])))
    out_sp = gs[1:-1]
    length = math.prod(out_sp)
    strides = [math.prod(sizes[:k]) for k in range(nd)]  # x varies fastest

    def corner(pos: list, wt: Array | None = None) -> Array:
        """input at the integer positions ``pos`` (x, y(, z)), times ``wt``, 0 outside:
        (N, C, *out). A 3-d corner outside is 0 even where its weight is NaN (torch's 3-d
        kernel skips it; its 2-d kernel multiplies)."""
        ok, lin = None, 0
        for p, size, stride in zip(pos, sizes, strides, strict=True):
            inside = (p >= 0) & (p < size)  # False at NaN
            ok = inside if ok is None else ok & inside
            lin = lin + gnp.where(inside, p, 0) * stride
        idx = gnp.broadcast_to(gnp.reshape(lin.astype(np.int64), (n, 1, length)), (n, c, length))
        v = gnp.reshape(gnp.take_along_axis(flat, idx, 2), (n, c) + out_sp)
        if wt is not None and nd == 2:
            return gnp.where(gnp.expand_dims(ok, 1), v, 0.0) * gnp.expand_dims(wt, 1)
        if wt is not None:
            v = v * gnp.expand_dims(wt, 1)
        return gnp.where(gnp.expand_dims(ok, 1), v, 0.0)

    raws = [data(v) for v in coords]
    if mode == "bicubic":
        return _bicubic_taps(corner, coords, raws, sizes, padding_mode, ac)
    if mode == "nearest":
        return corner([gnp.rint(r) for r in raws])
    lows = [gnp.floor(r) for r in raws]
    near = [(lo + 1) - v for lo, v in zip(lows, coords, strict=True)]  # weights of the lows
    far = [v - lo for lo, v in zip(lows, coords, strict=True)]
    out = None
    for bits in itertools.product((0, 1), repeat=nd):  # (z,) y, x: x varies fastest, as torch
        bits = bits[::-1]
        wt = None
        for k, b in enumerate(bits):
            f = far[k] if b else near[k]
            wt = f if wt is None else wt * f
        term = corner([lo + b for lo, b in zip(lows, bits, strict=True)], wt)
        out = term if out is None else out + term
    return out


def _padded_index(p: Any, n: int, padding_mode: str, align_corners: bool) -> Any:
    """torch's integer tap position ``p`` (a float array, no derivative) after padding: kept
    for 'zeros' (read as 0 outside), clipped for 'border', reflected then clipped."""
    if padding_mode == "zeros":
        return p
    if padding_mode == "reflection":
        p = _reflect_coords(p, n, align_corners)
    return gnp.clip(p, 0, n - 1)


def _bicubic_taps(
    corner: Any, coords: list, raws: list, sizes: tuple, padding_mode: str, ac: bool
) -> Array:
    """``sum_ij wy_i wx_j input[y0 - 1 + i, x0 - 1 + j]`` with Keys' weights of the fractions
    (differentiable in the grid), torch's bicubic ``grid_sample``."""
    lows = [gnp.floor(r) for r in raws]
    wx, wy = (_cubic_weights(v - lo) for v, lo in zip(coords, lows, strict=True))
    xs = [_padded_index(lows[0] + (j - 1), sizes[0], padding_mode, ac) for j in range(4)]
    ys = [_padded_index(lows[1] + (i - 1), sizes[1], padding_mode, ac) for i in range(4)]
    out = None
    for i in range(4):
        row = None
        for j in range(4):
            term = corner([xs[j], ys[i]]) * gnp.expand_dims(wx[j], 1)
            row = term if row is None else row + term
        term = row * gnp.expand_dims(wy[i], 1)
        out = term if out is None else out + term
    return out
