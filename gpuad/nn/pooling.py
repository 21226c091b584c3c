"""Pooling over 1 and 3 spatial dims (``max_pool1d``, ``max_pool3d``, ``avg_pool1d``,
``avg_pool3d``) with torch's stride, padding, dilation and ceil_mode, and adaptive pooling
(``adaptive_avg_pool1d/2d/3d``, ``adaptive_max_pool1d/2d/3d``) with torch's bins.

Every function gathers the windows with differentiable slices or takes and reduces them, so
it is differentiable to any order; a max sends its adjoint to the first largest element of
its window in row-major order (to the last NaN of a window holding NaNs), as torch.

Example::

    import gpuad.nn.functional as F
    y = F.adaptive_avg_pool2d(feature_map, (1, 1))
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._raw import _xp, data
from .conv import _tuple
from .functional import _pool_dim

__all__ = [
    "max_pool1d",
    "max_pool3d",
    "avg_pool1d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]

Array = Any
IntOrTuple = int | tuple[int, ...]


def _spatial(op: str, x: Array, nd: int) -> tuple[int, ...]:
    shape = tuple(_r.shape(x))
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(
            f"{op}: expected an input of {nd + 1} or {nd + 2} dims (C, *spatial) "
            f"or (N, C, *spatial), got shape {shape}"
        )
    return shape[-nd:]


def _windows(
    op: str,
    nd: int,
    x: Array,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    fill: float,
) -> tuple[Array, dict]:
    """``x`` (..., *L) as its windows (..., *out, K), a window's elements in row-major order,
    padding (and what a ``ceil_mode`` window reaches past it) filled with ``fill``."""
    k = _tuple(op, "kernel_size", kernel_size, nd)
    empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    s = k if empty else _tuple(op, "stride", stride, nd)
    p = _tuple(op, "padding", padding, nd)
    d = _tuple(op, "dilation", dilation, nd)
    sp = _spatial(op, x, nd)
    for name, vals, low in (
        ("kernel_size", k, 1),
        ("stride", s, 1),
        ("dilation", d, 1),
        ("padding", p, 0),
    ):
        if min(vals) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {vals}")
    if any(pi > ki // 2 for pi, ki in zip(p, k, strict=True)):
        raise ValueError(f"{op}: padding {p} must be at most half the kernel size {k}")
    out = tuple(
        _pool_dim(op, n, ki, si, pi, di, ceil_mode)
        for n, ki, si, pi, di in zip(sp, k, s, p, d, strict=True)
    )
    if min(out) <= 0:
        raise ValueError(
            f"{op}: the kernel {k} (dilation {d}) does not fit the input of "
            f"shape {tuple(_r.shape(x))} padded by {p}: the output would be {out}"
        )
    right = [
        max(0, (o - 1) * si + di * (ki - 1) + 1 - n - pi)
        for o, si, di, ki, n, pi in zip(out, s, d, k, sp, p, strict=True)
    ]
    padded = any(p) or any(right)
    if padded:
        lead = ((0, 0),) * (len(_r.shape(x)) - nd)
        x = gnp.pad(x, lead + tuple(zip(p, right, strict=True)), constant_values=fill)
    cols = [
        gnp.getitem(
            x,
            (Ellipsis,)
            + tuple(
                slice(j * di, j * di + si * (o - 1) + 1, si)
                for j, di, si, o in zip(off, d, s, out, strict=True)
            ),
        )
        for off in itertools.product(*(range(ki) for ki in k))
    ]
    win = gnp.stack(cols, axis=-1) if len(cols) > 1 else gnp.expand_dims(cols[0], -1)
    # where each window element lies in the unpadded input: per dim (out, k) positions
    pos = [
        (np.arange(o) * si - pi)[:, None] + np.arange(ki) * di
        for o, si, pi, ki, di in zip(out, s, p, k, d, strict=True)
    ]
    return win, {"k": k, "s": s, "p": p, "sp": sp, "out": out, "pos": pos, "padded": padded}


def _grid(pos: list[np.ndarray], sp: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(*out, K) flat input positions of every window element, and whether it is inside."""
    nd = len(pos)
    flat = np.zeros((1,) * (2 * nd), np.int64)
    inside = np.ones((1,) * (2 * nd), bool)
    stride = 1
    for ax in reversed(range(nd)):
        shape = [1] * (2 * nd)
        shape[ax], shape[nd + ax] = pos[ax].shape
        pa = pos[ax].reshape(shape)
        flat = flat + pa * stride
        inside = inside & (pa >= 0) & (pa < sp[ax])
        stride *= sp[ax]
    out = tuple(q.shape[0] for q in pos)
    k = math.prod(q.shape[1] for q in pos)
    return flat.reshape(out + (k,)), inside.reshape(out + (k,))


def _max_of_windows(
    op: str,
    win: Array,
    flat: np.ndarray,
    inside: np.ndarray | None,
    fill: float,
    return_indices: bool,
) -> Array | tuple[Array, Any]:
    """Max over the last axis of ``win`` (..., *out, K) by torch's rules; with
    ``return_indices`` also the flat input position of each winner."""
    v = data(win)
    xp = _xp(v)
    k = flat.shape[-1]
    if inside is not None and not inside.all():  # an input element wins a tie with padding
        ins = xp.asarray(inside)
        top = gnp.max(gnp.where(ins, v, fill), axis=-1, keepdims=True)
        idx = gnp.argmax(gnp.logical_and(v == top, ins), axis=-1)
    else:
        idx = gnp.argmax(v, axis=-1)  # the first largest (or the first NaN)
    if v.dtype.kind == "f":  # torch takes the last NaN of a window
        nan = gnp.isnan(v)
        last = (k - 1) - gnp.argmax(gnp.getitem(nan, (Ellipsis, slice(None, None, -1))), axis=-1)
        idx = gnp.where(gnp.any(nan, axis=-1), last, idx)
    y = gnp._take_along_axis_in_range(win, gnp.expand_dims(idx, -1), -1)  # an argmax
    y = gnp.reshape(y, _r.shape(y)[:-1])
    if not return_indices:
        return y
    n_out = math.prod(flat.shape[:-1])
    loc = xp.asarray(np.arange(n_out).reshape(flat.shape[:-1]) * k)
    # gnp functions, not array operators or methods: a compiled program repeats them
    return y, gnp._take_in_range(xp.asarray(flat.reshape(-1)), gnp.add(loc, idx))  # int64


def _max_pool(
    op: str,
    nd: int,
    x: Array,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    xd = data(x)
    kind = xd.dtype.kind
    if kind not in "fiu":
        raise TypeError(f"{op}: expected a real input, got dtype {xd.dtype}")
    fill = -math.inf if kind == "f" else int(np.iinfo(xd.dtype).min)
    win, g = _windows(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode, fill)
    flat, inside = _grid(g["pos"], g["sp"])
    return _max_of_windows(op, win, flat, inside if g["padded"] else None, fill, return_indices)


def max_pool1d(
    input: Array,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Array | tuple[Array, Any]:
    """Max over windows of (N, C, L) or (C, L), as ``torch.nn.functional.max_pool1d``;
    ``return_indices`` also gives each winner's position along L.

    Example: ``max_pool1d(x, 3, stride=2, padding=1)``
    """
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool3d(
    input: Array,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Array | tuple[Array, Any]:
    """Max over windows of (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.functional.max_pool3d``; indices are flat in each (D, H, W) volume.

    Example: ``max_pool3d(x, 2)``
    """
    return _max_pool(
        "max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _avg_pool(
    op: str,
    nd: int,
    x: Array,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> Array:
    if divisor_override is not None and (
        isinstance(divisor_override, bool) or divisor_override == 0
    ):
        raise ValueError(
            f"{op}: divisor_override must be a nonzero number, got {divisor_override!r}"
        )
    xd = data(x)
    if xd.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {xd.dtype}")
    win, g = _windows(op, nd, x, kernel_size, stride, padding, 1, ceil_mode, 0.0)
    total = gnp.sum(win, axis=-1)
    if divisor_override is not None:
        return total / divisor_override
    div = np.ones((), np.int64)
    for n, ki, si, pi, o in zip(g["sp"], g["k"], g["s"], g["p"], g["out"], strict=True):
        start = np.arange(o) * si - pi
        end = np.minimum(start + ki, n + pi)
        size = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        div = np.multiply.outer(div, size)
    if (div == math.prod(g["k"])).all():
        return total / float(math.prod(g["k"]))
    return total / _xp(xd).asarray(div.astype(xd.dtype))


def avg_pool1d(
    input: Array,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Mean over windows of (N, C, L) or (C, L), as ``torch.nn.functional.avg_pool1d``.

    Example: ``avg_pool1d(x, 3, stride=1, padding=1, count_include_pad=False)``
    """
    return _avg_pool(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


def avg_pool3d(
    input: Array,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Array:
    """Mean over windows of (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.functional.avg_pool3d``.

    Example: ``avg_pool3d(x, 2)``
    """
    return _avg_pool(
        "avg_pool3d",
        3,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


# ---- adaptive pooling -------------------------------------------------------------------------


def _bins(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's bins of ``n`` inputs for ``m`` outputs: ``floor(i n / m)`` to
    ``ceil((i + 1) n / m)``."""
    i = np.arange(m)
    return (i * n) // m, -((-(i + 1) * n) // m)


def _out_sizes(op: str, output_size: Any, sp: tuple[int, ...]) -> tuple[int, ...]:
    nd = len(sp)
    if output_size is None or isinstance(output_size, int):
        output_size = (output_size,) * nd
    out = tuple(output_size)
    if len(out) != nd:
        raise ValueError(f"{op}: output_size must be an int or {nd} values, got {output_size!r}")
    out = tuple(n if o is None else int(o) for o, n in zip(out, sp, strict=True))
    if min(out) < 0 or (min(sp) == 0 and max(out) > 0):
        raise ValueError(f"{op}: cannot pool an input of spatial size {sp} to {out}")
    return out


def _adaptive_avg(op: str, nd: int, x: Array, output_size: Any) -> Array:
    sp = _spatial(op, x, nd)
    out = _out_sizes(op, output_size, sp)
    xd = data(x)
    if xd.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {xd.dtype}")
    xp = _xp(xd)
    nlead = len(_r.shape(x)) - nd
    for ax, (n, m) in enumerate(zip(sp, out, strict=True)):
        if n == m:
            continue
        # each bin's elements gathered into a window of the widest bin's width, the
        # positions past a shorter bin selected away (a product with a 0/1 averaging
        # matrix would spread an inf or NaN to every bin)
        lo, hi = _bins(n, m)
        width = int((hi - lo).max()) if m else 0
        idx = np.minimum(lo[:, None] + np.arange(width), n - 1)  # (m, width)
        tail = (1,) * (nd - ax - 1)
        keep = (np.arange(width) < (hi - lo)[:, None]).reshape((m, width) + tail)
        win = gnp._take_in_range(x, xp.asarray(idx.reshape(-1)), axis=nlead + ax)
        shape = tuple(_r.shape(win))
        win = gnp.reshape(win, shape[: nlead + ax] + (m, width) + shape[nlead + ax + 1 :])
        win = gnp.where(xp.asarray(keep), win, xp.zeros((), xd.dtype))
        count = xp.asarray((hi - lo).reshape((m,) + tail).astype(xd.dtype))
        x = gnp.sum(win, axis=nlead + ax + 1) / count
    return x


def adaptive_avg_pool1d(input: Array, output_size: int | tuple[int]) -> Array:
    """Mean over torch's adaptive bins of (N, C, L) or (C, L): output ``i`` averages the
    inputs ``floor(i L / out)`` to ``ceil((i + 1) L / out)``.

    Example: ``adaptive_avg_pool1d(x, 4)``
    """
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Array, output_size: int | tuple[int | None, int | None]) -> Array:
    """Mean over torch's adaptive bins of (N, C, H, W) or (C, H, W); ``None`` in
    ``output_size`` keeps that dim.

    Example: ``adaptive_avg_pool2d(x, (1, 1))`` (global average pooling)
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Array, output_size: int | tuple[int | None, ...]) -> Array:
    """Mean over torch's adaptive bins of (N, C, D, H, W) or (C, D, H, W).

    Example: ``adaptive_avg_pool3d(x, 1)``
    """
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(
    op: str, nd: int, x: Array, output_size: Any, return_indices: bool
) -> Array | tuple[Array, Any]:
    sp = _spatial(op, x, nd)
    out = _out_sizes(op, output_size, sp)
    xd = data(x)
    kind = xd.dtype.kind
    if kind not in "fiu":
        raise TypeError(f"{op}: expected a real input, got dtype {xd.dtype}")
    if min(sp) == 0:
        raise ValueError(f"{op}: cannot take the max of empty bins (input spatial size {sp})")
    xp = _xp(xd)
    nlead = len(_r.shape(x)) - nd
    if min(out) == 0:  # no bins: an empty result (torch's), no element of x reaches it
        lead = tuple(_r.shape(x))[:nlead]
        y = gnp.reshape(gnp.getitem(x, (Ellipsis,) + (slice(0, 0),) * nd), lead + out)
        return (y, xp.zeros(lead + out, dtype=xp.int64)) if return_indices else y
    pos = []
    win = x
    for ax, (n, m) in enumerate(zip(sp, out, strict=True)):
        lo, hi = _bins(n, m)
        width = int((hi - lo).max())
        # a bin shorter than the widest repeats its last element: that changes neither the
        # max nor, as repeats come after the original, which element wins
        idx = np.minimum(lo[:, None] + np.arange(width), hi[:, None] - 1)  # (m, width)
        pos.append(idx)
        win = gnp._take_in_range(win, xp.asarray(idx.reshape(-1)), axis=nlead + ax)
    # (..., m1*w1, m2*w2, ...) -> (..., m1, m2, ..., w1*w2*...)
    lead = tuple(_r.shape(win))[:nlead]
    split = sum(((q.shape[0], q.shape[1]) for q in pos), ())
    win = gnp.reshape(win, lead + split)
    order = (
        tuple(range(nlead))
        + tuple(nlead + 2 * i for i in range(nd))
        + tuple(nlead + 2 * i + 1 for i in range(nd))
    )
    win = gnp.transpose(win, order)
    win = gnp.reshape(win, lead + out + (math.prod(q.shape[1] for q in pos),))
    flat, _ = _grid(pos, sp)
    fill = -math.inf if kind == "f" else int(np.iinfo(xd.dtype).min)
    return _max_of_windows(op, win, flat, None, fill, return_indices)


def adaptive_max_pool1d(
    input: Array, output_size: int | tuple[int], return_indices: bool = False
) -> Array | tuple[Array, Any]:
    """Max over torch's adaptive bins of (N, C, L) or (C, L) (see ``adaptive_avg_pool1d``).

    Example: ``adaptive_max_pool1d(x, 2, return_indices=True)``
    """
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(
    input: Array, output_size: int | tuple[int | None, int | None], return_indices: bool = False
) -> Array | tuple[Array, Any]:
    """Max over torch's adaptive bins of (N, C, H, W) or (C, H, W); indices are flat in each
    (H, W) plane.

    Example: ``adaptive_max_pool2d(x, (2, 3))``
    """
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(
    input: Array, output_size: int | tuple[int | None, ...], return_indices: bool = False
) -> Array | tuple[Array, Any]:
    """Max over torch's adaptive bins of (N, C, D, H, W) or (C, D, H, W).

    Example: ``adaptive_max_pool3d(x, 1)``
    """
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)
