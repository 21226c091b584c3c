"""Convolution layers with torch's arguments, weight names and initialisation:
``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``, ``ConvTranspose2d``,
``ConvTranspose3d``.

Example::

    import gpuad.nn as nn
    m = nn.Conv1d(4, 8, 3, padding="same", groups=2)
    y = m(gnp.zeros((2, 4, 16)))  # (2, 8, 16)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from . import conv as C
from . import init
from .modules import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class _ConvNd(Module):
    _nd = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: Any,
        dtype: Any,
    ) -> None:
        name = type(self).__name__
        nd = self._nd
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: groups={groups} must divide in_channels={in_channels} "
                f"and out_channels={out_channels}"
            )
        if padding_mode != "zeros" and (padding_mode not in _PAD_MODES or self._transposed):
            raise ValueError(
                f"{name}: padding_mode must be 'zeros'"
                + ("" if self._transposed else ", 'reflect', 'replicate' or 'circular'")
                + f", got {padding_mode!r}"
            )
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(
                f"{name}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}"
            )
        k = C._tuple(name, "kernel_size", kernel_size, nd)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, k
        self.stride = C._tuple(name, "stride", stride, nd)
        self.padding = (
            padding if isinstance(padding, str) else C._tuple(name, "padding", padding, nd)
        )
        self.dilation = C._tuple(name, "dilation", dilation, nd)
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' needs stride 1, got {self.stride}")
        self.output_padding = C._tuple(name, "output_padding", output_padding, nd)
        self.groups, self.padding_mode = groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + k
        else:
            shape = (out_channels, in_channels // groups) + k
        # torch's default: kaiming_uniform(a=sqrt 5) on the weight, U(-1/sqrt fan_in, ...) bias
        self.weight = Parameter(init.kaiming_uniform(shape, dtype=dtype))
        b = 1.0 / math.sqrt(max(init.calculate_fan(shape)[0], 1))
        self.bias = Parameter(init.uniform((out_channels,), -b, b, dtype)) if bias else None

    def _padded(self, x: Any) -> tuple[Any, Any]:
        """The input padded by a non-zero ``padding_mode`` (and the padding left to the conv)."""
        if self.padding_mode == "zeros":
            return x, self.padding
        if self.padding == "same":
            tot = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation, strict=True)]
            pads = tuple((t // 2, t - t // 2) for t in tot)
        elif self.padding == "valid":
            pads = ((0, 0),) * self._nd
        else:
            pads = tuple((p, p) for p in self.padding)
        sizes = tuple(x.shape)[-self._nd:]
        # torch refuses a reflection reaching past the far edge and a wrap around more than
        # once (NumPy's pad would reflect or wrap again, giving other values)
        most = (lambda n: n - 1) if self.padding_mode == "reflect" else (
            (lambda n: n) if self.padding_mode == "circular" else None)
        if most is not None and any(max(p) > most(n) for p, n in zip(pads, sizes, strict=True)):
            raise ValueError(
                f"{type(self).__name__}: padding {tuple(max(p) for p in pads)} with "
                f"padding_mode={self.padding_mode!r} must be "
                + ("below" if self.padding_mode == "reflect" else "at most")
                + f" the input's spatial size {sizes} (input shape {tuple(x.shape)})")
        lead = ((0, 0),) * (len(x.shape) - self._nd)
        return gnp.pad(x, lead + pads, mode=_PAD_MODES[self.padding_mode]), 0

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class _Conv(_ConvNd):
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            0,
            dtype,
        )

    def forward(self, input: Any) -> Any:
        input, padding = self._padded(input)
        return type(self)._fn(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )


class Conv1d(_Conv):
    """1-D convolution layer, as ``torch.nn.Conv1d`` (``padding`` an int, a tuple, ``'same'``
    or ``'valid'``; ``padding_mode`` 'zeros', 'reflect', 'replicate' or 'circular').

    Example: ``nn.Conv1d(2, 4, 3, padding=1)(x)`` maps (N, 2, L) to (N, 4, L).
    """

    _nd, _fn = 1, C.conv1d


class Conv2d(_Conv):
    """2-D convolution layer (NCHW), as ``torch.nn.Conv2d``, with stride, padding (or
    ``'same'``/``'valid'``), dilation, groups and ``padding_mode``.

    Example: ``nn.Conv2d(1, 8, 3, padding=1)(gnp.zeros((2, 1, 12, 12)))`` is (2, 8, 12, 12).
    """

    _nd, _fn = 2, C.conv2d


class Conv3d(_Conv):
    """3-D convolution layer (NCDHW), as ``torch.nn.Conv3d``.

    Example: ``nn.Conv3d(1, 2, 3, padding="same")(gnp.zeros((1, 1, 4, 4, 4)))``
    """

    _nd, _fn = 3, C.conv3d


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            dtype,
        )

    def forward(self, input: Any, output_size: Any = None) -> Any:
        op = self.output_padding
        if output_size is not None:  # torch's way to pick the output padding
            nd = self._nd
            want = tuple(output_size)[-nd:]
            sp = tuple(input.shape)[-nd:]
            base = [
                (L - 1) * s - 2 * p + d * (k - 1) + 1
                for L, s, p, d, k in zip(
                    sp, self.stride, self.padding, self.dilation, self.kernel_size, strict=True
                )
            ]
            op = tuple(w - b for w, b in zip(want, base, strict=True))
            if any(
                not 0 <= v < max(s, d)
                for v, s, d in zip(op, self.stride, self.dilation, strict=True)
            ):
                raise ValueError(
                    f"{type(self).__name__}: output_size {want} is not reachable "
                    f"from input size {sp}: the sizes possible start at "
                    f"{tuple(base)} and grow by less than the stride"
                )
        return type(self)._fn(
            input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution layer, as ``torch.nn.ConvTranspose1d`` (weight
    (in, out/groups, k)); ``forward(x, output_size=...)`` picks the output padding.

    Example: ``nn.ConvTranspose1d(4, 2, 3, stride=2)(x)`` maps length L to 2L + 1.
    """

    _nd, _fn = 1, C.conv_transpose1d


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution layer, as ``torch.nn.ConvTranspose2d``.

    Example: ``nn.ConvTranspose2d(8, 4, 2, stride=2)(x)`` doubles H and W.
    """

    _nd, _fn = 2, C.conv_transpose2d


class ConvTranspose3d(_ConvTranspose):
    """Transposed 3-D convolution layer, as ``torch.nn.ConvTranspose3d``.

    Example: ``nn.ConvTranspose3d(2, 1, 2, stride=2)(x)`` doubles D, H and W.
    """

    _nd, _fn = 3, C.conv_transpose3d
