"""Normalisation layers as torch's: ``BatchNorm1d/2d/3d`` (running statistics as buffers,
``momentum=None`` for a cumulative average, ``affine``, ``track_running_stats``),
``GroupNorm`` and ``InstanceNorm1d/2d/3d``. Their buffers (``running_mean``, ``running_var``,
``num_batches_tracked``) appear in ``state_dict``, so torch state dicts load.

Example::

    import gpuad.nn as nn
    bn = nn.BatchNorm2d(8)
    y = bn(x)          # training: batch statistics, running statistics updated
    bn.eval(); y = bn(x)  # evaluation: running statistics
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import numpy as gnp
from .._state import no_grad
from . import init
from . import normalization as N
from .modules import Module, Parameter

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
]


class _Norm(Module):
    _ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float,
        momentum: float | None,
        affine: bool,
        track_running_stats: bool,
        dtype: Any,
        bias: bool = True,
    ) -> None:
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        c = (num_features,)
        self.weight = Parameter(init.ones(c, dtype)) if affine else None
        self.bias = Parameter(init.zeros(c, dtype)) if affine and bias else None
        self.register_buffer("running_mean", init.zeros(c, dtype) if track_running_stats else None)
        self.register_buffer("running_var", init.ones(c, dtype) if track_running_stats else None)
        self.register_buffer(
            "num_batches_tracked", gnp.zeros((), dtype=np.int64) if track_running_stats else None
        )

    def _check(self, x: Any) -> None:
        if len(x.shape) not in self._ranks:
            raise ValueError(
                f"{type(self).__name__}: expected an input of "
                f"{' or '.join(map(str, self._ranks))} dims, got shape "
                f"{tuple(x.shape)}"
            )
        shape = tuple(x.shape)
        c = (
            shape[0]
            if len(shape) == self._ranks[0] and isinstance(self, _InstanceNorm)
            else shape[1]
        )
        if (c != self.num_features and isinstance(self, _InstanceNorm) and not self.affine
                and not self.track_running_stats):
            # as torch: num_features is read by nothing here, so the input's channels serve
            warnings.warn(
                f"{type(self).__name__}: the input's {c} channels (shape {shape}) do not match "
                f"num_features={self.num_features}, which is not used because affine=False",
                UserWarning, stacklevel=3,
            )
        elif c != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels, got an input "
                f"of shape {shape}"
            )
        # checked before the batch is counted, so a refused input changes no buffer
        per_channel = math.prod(shape) // max(c, 1)
        if isinstance(self, _InstanceNorm):
            per_channel = math.prod(shape[-(self._ranks[-1] - 2) :])
        # an empty batch normalises to an empty output, as torch's (statistics unchanged)
        if self.training and (per_channel == 1 or (per_channel == 0
                                                   and isinstance(self, _InstanceNorm))):
            raise ValueError(
                f"{type(self).__name__}: expected more than 1 value per channel when "
                f"training, got input shape {shape}"
            )

    def _factor(self) -> Any:
        """The momentum of this call, counting the batch when statistics are tracked."""
        if not (self.training and self.track_running_stats):
            return 0.0 if self.momentum is None else self.momentum
        with no_grad():
            self.num_batches_tracked += 1
        if self.momentum is None:  # cumulative average, read on the device
            return 1.0 / self.num_batches_tracked.astype(self.running_mean.dtype)
        return self.momentum

    def _upgrade_state(self, state: Any, prefix: str) -> Any:
        """A state saved before torch counted batches (no ``num_batches_tracked``) loads and
        keeps this module's count, as torch does with such state dicts."""
        key = prefix + "num_batches_tracked"
        if (self.track_running_stats and key not in state
                and prefix + "running_mean" in state):
            state = dict(state)
            state[key] = self.num_batches_tracked.detach()
        return state

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batch counted."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_Norm):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = float,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, input: Any) -> Any:
        self._check(input)
        factor = self._factor()
        # batch statistics while training, or in evaluation when none are tracked
        use_batch = self.training or self.running_mean is None
        return N.batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L), as ``torch.nn.BatchNorm1d``.

    Example: ``nn.BatchNorm1d(16)(h)``
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W), as ``torch.nn.BatchNorm2d``.

    Example: ``nn.BatchNorm2d(8)(feature_maps)``
    """

    _ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W), as ``torch.nn.BatchNorm3d``.

    Example: ``nn.BatchNorm3d(4)(volumes)``
    """

    _ranks = (5,)


class _InstanceNorm(_Norm):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = float,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype, bias)

    def forward(self, input: Any) -> Any:
        self._check(input)
        unbatched = len(input.shape) == self._ranks[0]
        if unbatched:
            input = gnp.expand_dims(input, 0)
        # as torch: no batch counted, and momentum=None means no update
        factor = 0.0 if self.momentum is None else self.momentum
        use_input = self.training or not self.track_running_stats
        y = N.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_input,
            factor,
            self.eps,
        )
        return gnp.squeeze(y, 0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L), as ``torch.nn.InstanceNorm1d``
    (``affine`` and ``track_running_stats`` off by default).

    Example: ``nn.InstanceNorm1d(4, affine=True)(x)``
    """

    _ranks = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W), as ``torch.nn.InstanceNorm2d``.

    Example: ``nn.InstanceNorm2d(8)(x)``
    """

    _ranks = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W), as
    ``torch.nn.InstanceNorm3d``.

    Example: ``nn.InstanceNorm3d(2)(x)``
    """

    _ranks = (4, 5)


class GroupNorm(Module):
    """Group normalisation, as ``torch.nn.GroupNorm``: ``num_channels`` split into
    ``num_groups`` groups, with a per-channel scale and shift when ``affine``.

    Example: ``nn.GroupNorm(2, 8)(x)`` for x (N, 8, ...)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = float,
        *,
        bias: bool = True,
    ) -> None:
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_groups={num_groups} must divide num_channels={num_channels}"
            )
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups,
            num_channels,
            eps,
            affine,
        )
        c = (num_channels,)
        self.weight = Parameter(init.ones(c, dtype)) if affine else None
        self.bias = Parameter(init.zeros(c, dtype)) if affine and bias else None

    def forward(self, input: Any) -> Any:
        return N.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
