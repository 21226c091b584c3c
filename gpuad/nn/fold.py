"""Sliding blocks as ``torch.nn.functional.unfold`` (im2col) and ``fold`` (col2im, the sum of
overlapping blocks), and the modules ``Unfold`` and ``Fold``, with ``kernel_size``,
``dilation``, ``padding`` and ``stride``.

``unfold`` stacks one strided slice of the padded input per kernel offset; ``fold`` adds each
offset's values into a strided slice of a zero image (a scatter-add) and crops the padding.
Both are made of recorded gpuad steps and are each other's adjoint.

Example::

    import gpuad.nn.functional as F
    cols = F.unfold(img, kernel_size=3, padding=1)   # (N, C*9, H*W)
    back = F.fold(cols, img.shape[-2:], kernel_size=3, padding=1)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from .._at import at
from .._raw import data
from .conv import _tuple
from .modules import Module

__all__ = ["unfold", "fold", "Unfold", "Fold"]

Array = Any


def _geometry(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    k = _tuple(op, "kernel_size", kernel_size, 2)
    d = _tuple(op, "dilation", dilation, 2)
    p = _tuple(op, "padding", padding, 2)
    s = _tuple(op, "stride", stride, 2)
    for name, v, low in (
        ("kernel_size", k, 1),
        ("dilation", d, 1),
        ("stride", s, 1),
        ("padding", p, 0),
    ):
        if min(v) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {v}")
    return k, d, p, s


def _blocks(op: str, size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple[int, int]:
    out = tuple(
        (n + 2 * pi - di * (ki - 1) - 1) // si + 1
        for n, ki, di, pi, si in zip(size, k, d, p, s, strict=True)
    )
    if min(out) <= 0:
        raise ValueError(
            f"{op}: the kernel {k} (dilation {d}) does not fit the spatial size "
            f"{tuple(size)} padded by {p}: {out} blocks"
        )
    return out


def _slices(k: tuple, d: tuple, s: tuple, out: tuple) -> list[tuple[slice, slice]]:
    per = [
        [slice(j * di, j * di + si * (m - 1) + 1, si) for j in range(ki)]
        for ki, di, si, m in zip(k, d, s, out, strict=True)
    ]
    return list(itertools.product(*per))


def unfold(
    input: Array,
    kernel_size: int | tuple[int, int],
    dilation: int | tuple = 1,
    padding: int | tuple = 0,
    stride: int | tuple = 1,
) -> Array:
    """The sliding (kh, kw) blocks of ``input`` (N, C, H, W) or (C, H, W) as columns
    (N, C*kh*kw, L), as ``torch.nn.functional.unfold``.

    Example: ``F.unfold(x, 2, stride=2)`` for x (1, 3, 4, 4) is (1, 12, 4).
    """
    op = "unfold"
    shp = tuple(_r.shape(input))
    if len(shp) not in (3, 4):
        raise ValueError(f"{op}: expected an input (N, C, H, W) or (C, H, W), got shape {shp}")
    k, d, p, s = _geometry(op, kernel_size, dilation, padding, stride)
    x = input if len(shp) == 4 else gnp.expand_dims(input, 0)
    n, c, h, w = _r.shape(x)
    out = _blocks(op, (h, w), k, d, p, s)
    if any(p):
        x = gnp.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    whole = (slice(None), slice(None))
    cols = gnp.stack([gnp.getitem(x, whole + sl) for sl in _slices(k, d, s, out)], axis=2)
    y = gnp.reshape(cols, (n, c * k[0] * k[1], out[0] * out[1]))
    return y if len(shp) == 4 else gnp.squeeze(y, 0)


def fold(
    input: Array,
    output_size: int | tuple[int, int],
    kernel_size: int | tuple[int, int],
    dilation: int | tuple = 1,
    padding: int | tuple = 0,
    stride: int | tuple = 1,
) -> Array:
    """Columns (N, C*kh*kw, L) or (C*kh*kw, L) summed back into an image (N, C, *output_size)
    where blocks overlap, as ``torch.nn.functional.fold``.

    Example: ``F.fold(F.unfold(x, 3, padding=1), x.shape[-2:], 3, padding=1)`` counts each
    pixel once per block that covers it.
    """
    op = "fold"
    shp = tuple(_r.shape(input))
    if len(shp) not in (2, 3):
        raise ValueError(
            f"{op}: expected an input (N, C*kh*kw, L) or (C*kh*kw, L), got shape {shp}"
        )
    size = _tuple(op, "output_size", output_size, 2)
    k, d, p, s = _geometry(op, kernel_size, dilation, padding, stride)
    x = input if len(shp) == 3 else gnp.expand_dims(input, 0)
    n, ck, L = _r.shape(x)
    kk = k[0] * k[1]
    if ck % kk:
        raise ValueError(
            f"{op}: the input's dim 1 ({ck}, shape {shp}) must be divisible by "
            f"the kernel's size {k[0]}*{k[1]}"
        )
    out = _blocks(op, size, k, d, p, s)
    if L != math.prod(out):
        raise ValueError(
            f"{op}: the input has {L} blocks (shape {shp}) but output_size {size} "
            f"with kernel {k}, dilation {d}, padding {p} and stride {s} has "
            f"{out[0]}*{out[1]} = {math.prod(out)}"
        )
    c = ck // kk
    cols = gnp.reshape(x, (n, c, kk) + out)
    img = gnp.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), data(x).dtype)
    whole = (slice(None), slice(None))
    for j, sl in enumerate(_slices(k, d, s, out)):
        img = at(img)[whole + sl].add(gnp.getitem(cols, whole + (j,)))
    img = gnp.getitem(img, whole + (slice(p[0], p[0] + size[0]), slice(p[1], p[1] + size[1])))
    return img if len(shp) == 3 else gnp.squeeze(img, 0)


class Unfold(Module):
    """:func:`unfold` as a module. Example: ``nn.Unfold(kernel_size=(2, 3))(x)``"""

    def __init__(
        self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Array) -> Array:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Fold(Module):
    """:func:`fold` as a module. Example: ``nn.Fold(output_size=(4, 5), kernel_size=2)(cols)``"""

    def __init__(
        self,
        output_size: Any,
        kernel_size: Any,
        dilation: Any = 1,
        padding: Any = 0,
        stride: Any = 1,
    ) -> None:
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Array) -> Array:
        return fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )
