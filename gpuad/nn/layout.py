"""Functions of ``torch.nn.functional`` that move, pad or encode values rather than compute
with them: ``pad`` (torch's last-axis-first order), ``one_hot``, ``pixel_shuffle``,
``pixel_unshuffle``, and their Modules (``nn.ZeroPad2d``, ``nn.ReflectionPad1d``, ...,
``nn.PixelShuffle``).

Example::

    import gpuad.nn.functional as F
    y = F.pad(x, (1, 1, 2, 0), mode="reflect")   # last axis by (1, 1), the one before by (2, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from .._raw import data  # named data: gpuad.jit redirects it here while tracing
from ..tensor import Tensor
from .modules import Module

__all__ = [
    "pad",
    "one_hot",
    "pixel_shuffle",
    "pixel_unshuffle",
    "PixelShuffle",
    "PixelUnshuffle",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]

Array = Any  # a Tensor or a backend array

_NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(
    input: Array, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Array:
    """Pad ``input`` as ``torch.nn.functional.pad``: ``pad`` holds (before, after) pairs
    starting from the LAST axis, ``(left, right, top, bottom, ...)``. ``mode``: 'constant'
    (fill with ``value``, default 0; a negative width crops), 'reflect' (mirror without the
    edge; each width below that axis's size), 'replicate' (repeat the edge) or 'circular'
    (wrap around; each width at most the axis's size; a negative width crops first, then
    the other wraps around what is left, at most its size). The last three pad 1 to 3 trailing
    axes of an input with one or two more axes (batch and channels), as torch.

    Example: ``F.pad(images, (1, 1, 1, 1), mode="replicate")`` pads H and W by one.
    """
    pad = [int(p) for p in pad]
    shape = _r.shape(input)
    nd, k = len(shape), len(pad) // 2
    if len(pad) % 2:
        raise ValueError(
            f"pad: the padding must hold (before, after) pairs, got {len(pad)} numbers"
        )
    if k > nd:
        raise ValueError(f"pad: {k} pairs of widths for an input of {nd} dims (shape {shape})")
    widths = [(0, 0)] * (nd - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        return _pad_constant(input, widths, 0.0 if value is None else value)
    if mode not in _NP_MODE:
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value not in (None, 0, 0.0):
        raise ValueError(f"pad: value is only used with mode='constant', not {mode!r}")
    if not 1 <= k <= 3 or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: mode {mode!r} pads the last 1, 2 or 3 axes of an input "
            f"with one or two more axes (batch, channels); got {k} pairs "
            f"for an input of shape {shape}"
        )
    if mode == "circular" and any(min(w) < 0 for w in widths):
        return _pad_circular_cropping(input, widths)
    for ax in range(nd - k, nd):
        before, after, n = *widths[ax], shape[ax]
        if min(before, after) < 0:
            raise ValueError(
                f"pad: mode {mode!r} takes no negative widths, got {(before, after)} for axis {ax}"
            )
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(
                f"pad: 'reflect' needs each width below the size of its axis; got "
                f"{(before, after)} for axis {ax} of size {n}"
            )
        if mode == "circular" and max(before, after) > n:
            raise ValueError(
                f"pad: 'circular' needs each width at most the size of its axis "
                f"(it would wrap around more than once), after the negative widths "
                f"crop it; got {(before, after)} for axis {ax} of size {n}"
            )
        if mode == "replicate" and n == 0 and before + after:
            raise ValueError(f"pad: 'replicate' cannot pad axis {ax} of size 0")
    if not any(b or a for b, a in widths):
        return gnp.copy(input)  # a new tensor, as torch's (a later write must not reach it)
    return gnp.pad(input, widths, mode=_NP_MODE[mode])


def _crop(x: Array, widths: list[tuple[int, int]]) -> Array:
    """``x`` less the negative widths (``x`` itself where there are none)."""
    shape = _r.shape(x)
    crop = []
    for ax, (before, after) in enumerate(widths):
        size = shape[ax] + before + after
        if size < 0:
            raise ValueError(
                f"pad: widths {(before, after)} leave axis {ax} of size "
                f"{shape[ax]} with a negative size {size}"
            )
        crop.append(slice(max(-before, 0), shape[ax] - max(-after, 0)))
    if any(b < 0 or a < 0 for b, a in widths):
        x = gnp.getitem(x, tuple(crop))
    return x


def _pad_circular_cropping(x: Array, widths: list[tuple[int, int]]) -> Array:
    """torch's 'circular' pad with negative widths: crop first, then wrap around what is
    left. A width beyond what is left is refused (torch's forward reads memory outside the
    input or copies what it has just written, and its backward refuses)."""
    shape = _r.shape(x)
    for ax, (before, after) in enumerate(widths):
        n, left = shape[ax], shape[ax] + min(before, 0) + min(after, 0)
        if left >= 0 and max(before, after) > left:
            raise ValueError(
                f"pad: 'circular' with a negative width crops first, then needs each "
                f"positive width at most the size left; got {(before, after)} for axis "
                f"{ax} of size {n}, which leaves {left}"
            )
    y = _crop(x, widths)
    grow = [(max(b, 0), max(a, 0)) for b, a in widths]
    if not any(b or a for b, a in grow):
        return gnp.copy(y)
    return gnp.pad(y, grow, mode="wrap")


def _pad_constant(x: Array, widths: list[tuple[int, int]], value: float) -> Array:
    x = _crop(x, widths)
    grow = [(max(b, 0), max(a, 0)) for b, a in widths]
    if not any(b or a for b, a in grow):
        return gnp.copy(x)  # a new tensor, not the input or a view of it, as torch's
    return gnp.pad(x, grow, mode="constant", constant_values=value)


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """Integer class labels as int64 one-hot vectors along a new last axis of size
    ``num_classes`` (``-1``: the largest label plus one, read on the host). A label below 0
    or not below ``num_classes`` raises. Not differentiable (labels are integers).

    Example: ``F.one_hot(gnp.asarray([0, 2]), 3)`` is ``[[1, 0, 0], [0, 0, 1]]``.
    """
    raw = data(tensor)
    lab = gnp.asarray(raw)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class labels, got dtype {lab.dtype}")
    size = int(np.prod(_r.shape(lab)))
    if num_classes == -1:
        if not size:
            raise ValueError(
                "one_hot: cannot infer the number of classes from an empty array; pass num_classes"
            )
        _vc.host_read("one_hot: num_classes=-1 (the labels fix the result's shape)", lab)
        top = gnp.max(lab)
        num_classes = int(data(top)) + 1
    elif num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be -1 or >= 0, got {num_classes}")
    if size:
        c = num_classes
        checked = raw._data if isinstance(raw, Tensor) and raw._bat is not None else lab
        _vc.run(
            _vc.Check(
                "one_hot_labels",
                lambda xp, i: (i < 0) | (i >= c),
                lambda count, first: ValueError(
                    f"one_hot: class labels must lie in [0, {c}); got {count} "
                    f"outside it, the first being {first}"
                ),
                values=lambda xp, i: i,
            ),
            checked,
        )
    classes = gnp.arange(num_classes)
    out = (gnp.expand_dims(lab, -1) == classes).astype(np.int64)
    # a Tensor of labels gives a Tensor, as torch's (``F.one_hot(X.T, n).float()``)
    return Tensor(out) if isinstance(tensor, Tensor) and not isinstance(out, Tensor) else out


def pixel_shuffle(input: Array, upscale_factor: int) -> Array:
    """(*, C r^2, H, W) to (*, C, H r, W r): each group of r^2 channels becomes an r x r
    block of pixels. Example: ``F.pixel_shuffle(x, 2)``"""
    r = int(upscale_factor)
    s = _r.shape(input)
    if len(s) < 3 or r <= 0 or s[-3] % (r * r):
        raise ValueError(
            f"pixel_shuffle: expected an input (*, C * {r}**2, H, W) and a "
            f"positive factor, got shape {s} and factor {upscale_factor}"
        )
    lead, (c, h, w) = s[:-3], s[-3:]
    n = len(lead)
    x = gnp.reshape(input, lead + (c // (r * r), r, r, h, w))
    x = gnp.transpose(x, tuple(range(n)) + tuple(n + i for i in (0, 3, 1, 4, 2)))
    return gnp.reshape(x, lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Array, downscale_factor: int) -> Array:
    """(*, C, H r, W r) to (*, C r^2, H, W), the inverse of ``pixel_shuffle``.
    Example: ``F.pixel_unshuffle(x, 2)``"""
    r = int(downscale_factor)
    s = _r.shape(input)
    if len(s) < 3 or r <= 0 or s[-2] % r or s[-1] % r:
        raise ValueError(
            f"pixel_unshuffle: expected an input (*, C, H * {r}, W * {r}) and a "
            f"positive factor, got shape {s} and factor {downscale_factor}"
        )
    lead, (c, h, w) = s[:-3], s[-3:]
    n = len(lead)
    x = gnp.reshape(input, lead + (c, h // r, r, w // r, r))
    x = gnp.transpose(x, tuple(range(n)) + tuple(n + i for i in (0, 2, 4, 1, 3)))
    return gnp.reshape(x, lead + (c * r * r, h // r, w // r))


class PixelShuffle(Module):
    """``pixel_shuffle`` as a module. Example: ``nn.PixelShuffle(2)``"""

    def __init__(self, upscale_factor: int) -> None:
        self.upscale_factor = upscale_factor

    def forward(self, input: Array) -> Array:
        return pixel_shuffle(input, self.upscale_factor)


class PixelUnshuffle(Module):
    """``pixel_unshuffle`` as a module. Example: ``nn.PixelUnshuffle(2)``"""

    def __init__(self, downscale_factor: int) -> None:
        self.downscale_factor = downscale_factor

    def forward(self, input: Array) -> Array:
        return pixel_unshuffle(input, self.downscale_factor)


class _Pad(Module):
    """Padding of the last ``_dims`` axes by ``padding`` (an int: every side)."""

    _dims, _mode = 1, "constant"

    def __init__(self, padding: int | Sequence[int], value: float = 0.0) -> None:
        self.padding = (
            (padding,) * (2 * self._dims)
            if isinstance(padding, int)
            else tuple(int(p) for p in padding)
        )
        if len(self.padding) != 2 * self._dims:
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or "
                f"{2 * self._dims} ints, got {padding}"
            )
        self.value = value

    def forward(self, input: Array) -> Array:
        if self._mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _pad_module(name: str, dims: int, mode: str) -> type:
    doc = (
        f"``pad`` of the last {dims} axes in mode {mode!r} as a module. "
        f"Example: ``nn.{name}({2 if dims == 1 else (1,) * (2 * dims)})``"
    )
    init = None
    if name.startswith("Zero"):

        def init(self, padding: int | Sequence[int]) -> None:
            _Pad.__init__(self, padding, 0.0)
    elif mode == "constant":

        def init(self, padding: int | Sequence[int], value: float) -> None:
            _Pad.__init__(self, padding, value)
    else:

        def init(self, padding: int | Sequence[int]) -> None:
            _Pad.__init__(self, padding)

    cls = type(name, (_Pad,), {"_dims": dims, "_mode": mode, "__doc__": doc, "__init__": init})
    cls.__module__ = __name__
    return cls


ZeroPad1d = _pad_module("ZeroPad1d", 1, "constant")
ZeroPad2d = _pad_module("ZeroPad2d", 2, "constant")
ZeroPad3d = _pad_module("ZeroPad3d", 3, "constant")
ConstantPad1d = _pad_module("ConstantPad1d", 1, "constant")
ConstantPad2d = _pad_module("ConstantPad2d", 2, "constant")
ConstantPad3d = _pad_module("ConstantPad3d", 3, "constant")
ReflectionPad1d = _pad_module("ReflectionPad1d", 1, "reflect")
ReflectionPad2d = _pad_module("ReflectionPad2d", 2, "reflect")
ReflectionPad3d = _pad_module("ReflectionPad3d", 3, "reflect")
ReplicationPad1d = _pad_module("ReplicationPad1d", 1, "replicate")
ReplicationPad2d = _pad_module("ReplicationPad2d", 2, "replicate")
ReplicationPad3d = _pad_module("ReplicationPad3d", 3, "replicate")
CircularPad1d = _pad_module("CircularPad1d", 1, "circular")
CircularPad2d = _pad_module("CircularPad2d", 2, "circular")
CircularPad3d = _pad_module("CircularPad3d", 3, "circular")
