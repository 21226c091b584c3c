"""Convolutions of any dimension (``conv1d``, ``conv2d``, ``conv3d``) with stride, padding
(``'same'``/``'valid'`` too), dilation and groups, and their transposes (``conv_transpose1d``
... ``conv_transpose3d``), as ``torch.nn.functional``.

A convolution is im2col (one strided slice of the padded input per kernel offset) followed by
one batched matmul per group, so it is differentiable to any order on every backend. A
transposed convolution is the convolution of the input spread out by ``stride`` (zeros in
between) with the kernel flipped and its channel axes swapped.

Example::

    import gpuad.nn.functional as F
    y = F.conv1d(x, w, b, stride=2, padding="valid", groups=2)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

Array = Any
IntOrTuple = int | tuple[int, ...]


def _tuple(op: str, name: str, v: Any, nd: int) -> tuple[int, ...]:
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,) * nd
    t = tuple(int(u) for u in v)
    if len(t) == 1:
        return t * nd
    if len(t) != nd:
        raise ValueError(f"{op}: {name} must be an int or {nd} ints, got {v!r}")
    return t


def _shapes(op: str, x: Array, weight: Array, nd: int) -> tuple[Array, bool]:
    """``x`` with a batch axis (an unbatched (C, *spatial) input gets one) and whether it had
    none; checks the ranks of ``x`` and ``weight``."""
    xs, ws = tuple(_r.shape(x)), tuple(_r.shape(weight))
    if len(ws) != nd + 2:
        raise ValueError(f"{op}: weight must have {nd + 2} dims, got shape {ws}")
    if len(xs) == nd + 1:
        return gnp.expand_dims(x, 0), True
    if len(xs) != nd + 2:
        raise ValueError(
            f"{op}: expected an input of {nd + 1} (unbatched) or {nd + 2} dims, got shape {xs}"
        )
    return x, False


def _padding(op: str, padding: Any, nd: int, k: tuple, d: tuple, s: tuple) -> list[tuple[int, int]]:
    """(before, after) zero padding per spatial dim; ``'same'`` puts the odd one after, as
    torch does."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(v != 1 for v in s):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride {s}")
            tot = [di * (ki - 1) for ki, di in zip(k, d, strict=True)]
            return [(t // 2, t - t // 2) for t in tot]
        raise ValueError(
            f"{op}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}"
        )
    p = _tuple(op, "padding", padding, nd)
    if min(p) < 0:
        raise ValueError(f"{op}: padding must be >= 0, got {p}")
    return [(v, v) for v in p]


def _conv(
    op: str,
    nd: int,
    x: Array,
    weight: Array,
    bias: Array | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Array:
    x, unbatched = _shapes(op, x, weight, nd)
    xs, ws = tuple(_r.shape(x)), tuple(_r.shape(weight))
    n, c, sp = xs[0], xs[1], xs[2:]
    o, cg, k = ws[0], ws[1], ws[2:]
    s = _tuple(op, "stride", stride, nd)
    d = _tuple(op, "dilation", dilation, nd)
    if min(s) < 1 or min(d) < 1:
        raise ValueError(f"{op}: stride and dilation must be >= 1, got {s} and {d}")
    if not isinstance(groups, int) or groups < 1 or c % groups or o % groups:
        raise ValueError(
            f"{op}: groups={groups} must be a positive int dividing the input "
            f"channels {c} and the output channels {o}"
        )
    if cg * groups != c:
        raise ValueError(
            f"{op}: input has {c} channels (shape {xs}) but weight {ws} with "
            f"groups={groups} expects {cg * groups}"
        )
    pads = _padding(op, padding, nd, k, d, s)
    if bias is not None and tuple(_r.shape(bias)) != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},), got {tuple(_r.shape(bias))}")
    full = [L + a + b for L, (a, b) in zip(sp, pads, strict=True)]
    out = [(f - di * (ki - 1) - 1) // si + 1 for f, ki, di, si in zip(full, k, d, s, strict=True)]
    if min(out, default=1) <= 0:
        raise ValueError(
            f"{op}: kernel {k} (dilation {d}) is larger than the padded input {tuple(full)}"
        )
    if any(a or b for a, b in pads):
        x = gnp.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    # one strided slice per kernel offset, per dim; their product picks every patch element
    per_dim = [
        [slice(j * di, j * di + si * (m - 1) + 1, si) for j in range(ki)]
        for ki, di, si, m in zip(k, d, s, out, strict=True)
    ]
    whole = (slice(None), slice(None))
    cols = [gnp.getitem(x, whole + sl) for sl in itertools.product(*per_dim)]
    patches = gnp.stack(cols, axis=2) if len(cols) > 1 else gnp.expand_dims(cols[0], 2)
    kk, L = math.prod(k), math.prod(out)
    if groups == 1:
        y = gnp.matmul(gnp.reshape(weight, (o, c * kk)), gnp.reshape(patches, (n, c * kk, L)))
    else:  # (G, O/G, C/G*K) @ (N, G, C/G*K, L)
        patches = gnp.reshape(patches, (n, groups, cg * kk, L))
        y = gnp.matmul(gnp.reshape(weight, (groups, o // groups, cg * kk)), patches)
    y = gnp.reshape(y, (n, o) + tuple(out))
    if bias is not None:
        y = y + gnp.reshape(bias, (o,) + (1,) * nd)
    return gnp.squeeze(y, 0) if unbatched else y


def conv1d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Array:
    """1-D cross-correlation, as ``torch.nn.functional.conv1d``: ``input`` (N, C, L) or
    (C, L), ``weight`` (O, C/groups, k); ``padding`` an int, ``'same'`` or ``'valid'``.

    Example: ``y = conv1d(x, w, b, padding="same", dilation=2)``
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Array:
    """2-D cross-correlation in NCHW layout, as ``torch.nn.functional.conv2d``: ``input``
    (N, C, H, W) or (C, H, W), ``weight`` (O, C/groups, kh, kw); result (N, O, Ho, Wo).

    Example: ``y = conv2d(images, w, b, stride=1, padding=1)``
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Array:
    """3-D cross-correlation, as ``torch.nn.functional.conv3d``: ``input`` (N, C, D, H, W)
    or (C, D, H, W), ``weight`` (O, C/groups, kd, kh, kw).

    Example: ``y = conv3d(volumes, w, padding=1)``
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _spread(x: Array, s: tuple[int, ...]) -> Array:
    """(N, C, *L) with ``s - 1`` zeros between neighbours along each spatial dim."""
    for ax, si in enumerate(s, start=2):
        if si == 1:
            continue
        sh = tuple(_r.shape(x))
        y = gnp.expand_dims(x, ax + 1)
        y = gnp.pad(y, ((0, 0),) * (ax + 1) + ((0, si - 1),) + ((0, 0),) * (len(sh) - ax - 1))
        y = gnp.reshape(y, sh[:ax] + (sh[ax] * si,) + sh[ax + 1 :])
        x = gnp.getitem(y, (slice(None),) * ax + (slice(0, (sh[ax] - 1) * si + 1),))
    return x


def _conv_transpose(
    op: str,
    nd: int,
    x: Array,
    weight: Array,
    bias: Array | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Array:
    x, unbatched = _shapes(op, x, weight, nd)
    xs, ws = tuple(_r.shape(x)), tuple(_r.shape(weight))
    c, og, k = ws[0], ws[1], ws[2:]
    s = _tuple(op, "stride", stride, nd)
    d = _tuple(op, "dilation", dilation, nd)
    p = _tuple(op, "padding", padding, nd)
    op_ = _tuple(op, "output_padding", output_padding, nd)
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(op_) < 0:
        raise ValueError(
            f"{op}: stride and dilation must be >= 1 and padding, output_padding "
            f">= 0; got {s}, {d}, {p}, {op_}"
        )
    if any(a >= max(b, e) for a, b, e in zip(op_, s, d, strict=True)):
        raise ValueError(
            f"{op}: output_padding {op_} must be smaller than stride {s} or dilation {d}"
        )
    if not isinstance(groups, int) or groups < 1 or c % groups:
        raise ValueError(
            f"{op}: groups={groups} must be a positive int dividing the weight's input channels {c}"
        )
    if xs[1] != c:
        raise ValueError(
            f"{op}: input has {xs[1]} channels (shape {xs}) but weight {ws} expects {c}"
        )
    o = og * groups
    if bias is not None and tuple(_r.shape(bias)) != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},), got {tuple(_r.shape(bias))}")
    out = [
        (L - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
        for L, si, pi, di, ki, oi in zip(xs[2:], s, p, d, k, op_, strict=True)
    ]
    if min(out) <= 0:
        raise ValueError(f"{op}: the output would have the non-positive size {tuple(out)}")
    x = _spread(x, s)
    # pad (or crop, where padding exceeds the kernel's reach) by d*(k-1) - p, output_padding
    # more after
    lo = [di * (ki - 1) - pi for di, ki, pi in zip(d, k, p, strict=True)]
    hi = [a + b for a, b in zip(lo, op_, strict=True)]
    pads = tuple((max(a, 0), max(b, 0)) for a, b in zip(lo, hi, strict=True))
    if any(a or b for a, b in pads):
        x = gnp.pad(x, ((0, 0), (0, 0)) + pads)
    if min(lo + hi) < 0:
        full = tuple(_r.shape(x))[2:]
        x = gnp.getitem(
            x,
            (slice(None), slice(None))
            + tuple(
                slice(max(-a, 0), f - max(-b, 0)) for a, b, f in zip(lo, hi, full, strict=True)
            ),
        )
    # weight (C, O/G, *k) -> (O, C/G, *k), flipped in space
    w = gnp.reshape(weight, (groups, c // groups, og) + tuple(k))
    w = gnp.reshape(gnp.swapaxes(w, 1, 2), (o, c // groups) + tuple(k))
    w = gnp.flip(w, axis=tuple(range(2, nd + 2)))
    y = _conv(op, nd, x, w, bias, 1, 0, d, groups)
    return gnp.squeeze(y, 0) if unbatched else y


def conv_transpose1d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Array:
    """Transposed 1-D convolution, as ``torch.nn.functional.conv_transpose1d`` (argument
    order included): ``input`` (N, C, L), ``weight`` (C, O/groups, k); the output has length
    ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example: ``up = conv_transpose1d(x, w, stride=2, output_padding=1)``
    """
    return _conv_transpose(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Array:
    """Transposed 2-D convolution, as ``torch.nn.functional.conv_transpose2d``: ``input``
    (N, C, H, W), ``weight`` (C, O/groups, kh, kw).

    Example: ``up = conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)``
    """
    return _conv_transpose(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d(
    input: Array,
    weight: Array,
    bias: Array | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Array:
    """Transposed 3-D convolution, as ``torch.nn.functional.conv_transpose3d``: ``input``
    (N, C, D, H, W), ``weight`` (C, O/groups, kd, kh, kw).

    Example: ``up = conv_transpose3d(x, w, stride=2)``
    """
    return _conv_transpose(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
