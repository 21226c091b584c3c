"""Pooling layers with torch's arguments: ``MaxPool1d``, ``MaxPool3d``, ``AvgPool1d``,
``AvgPool3d`` and the adaptive ``AdaptiveAvgPool1d/2d/3d``, ``AdaptiveMaxPool1d/2d/3d``.

Example::

    import gpuad.nn as nn
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
"""

from __future__ import annotations

from typing import Any

from . import pooling as P
from .modules import Module

__all__ = [
    "MaxPool1d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]


class _MaxPool(Module):
    _fn: Any = None

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, input: Any) -> Any:
        return type(self)._fn(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPool):
    """``F.max_pool1d`` as a layer. Example: ``nn.MaxPool1d(3, stride=2, padding=1)``"""

    _fn = P.max_pool1d


class MaxPool3d(_MaxPool):
    """``F.max_pool3d`` as a layer. Example: ``nn.MaxPool3d(2)``"""

    _fn = P.max_pool3d


class AvgPool1d(Module):
    """``F.avg_pool1d`` as a layer. Example: ``nn.AvgPool1d(3, stride=1, padding=1)``"""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Any) -> Any:
        return P.avg_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool3d(AvgPool1d):
    """``F.avg_pool3d`` as a layer. Example: ``nn.AvgPool3d(2)``"""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Any:
        return P.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class _AdaptiveAvg(Module):
    _fn: Any = None

    def __init__(self, output_size: Any) -> None:
        self.output_size = output_size

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvg):
    """``F.adaptive_avg_pool1d`` as a layer. Example: ``nn.AdaptiveAvgPool1d(4)``"""

    _fn = P.adaptive_avg_pool1d


class AdaptiveAvgPool2d(_AdaptiveAvg):
    """``F.adaptive_avg_pool2d`` as a layer. Example: ``nn.AdaptiveAvgPool2d((1, 1))``"""

    _fn = P.adaptive_avg_pool2d


class AdaptiveAvgPool3d(_AdaptiveAvg):
    """``F.adaptive_avg_pool3d`` as a layer. Example: ``nn.AdaptiveAvgPool3d(1)``"""

    _fn = P.adaptive_avg_pool3d


class _AdaptiveMax(_AdaptiveAvg):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Any) -> Any:
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMax):
    """``F.adaptive_max_pool1d`` as a layer. Example: ``nn.AdaptiveMaxPool1d(4)``"""

    _fn = P.adaptive_max_pool1d


class AdaptiveMaxPool2d(_AdaptiveMax):
    """``F.adaptive_max_pool2d`` as a layer. Example: ``nn.AdaptiveMaxPool2d((2, 2))``"""

    _fn = P.adaptive_max_pool2d


class AdaptiveMaxPool3d(_AdaptiveMax):
    """``F.adaptive_max_pool3d`` as a layer. Example: ``nn.AdaptiveMaxPool3d(1)``"""

    _fn = P.adaptive_max_pool3d
