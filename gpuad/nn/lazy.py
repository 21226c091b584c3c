"""torch's lazy layers: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d``, ``LazyInstanceNorm1d/2d/3d``, whose input size is read from the
first input they see.

Until that first call the weights are empty placeholder Parameters (shape ``(0,)``), so an
optimiser built before it holds them; the first call fills them in place (their version is
bumped), with the initialisation of the layer they become, and turns the module into that
layer (``type(m) is nn.Linear`` afterwards, as torch's ``cls_to_become``).

Example::

    net = nn.Sequential(nn.LazyConv2d(6, 5, padding=2), nn.Flatten(), nn.LazyLinear(10))
    net(gnp.zeros((1, 1, 28, 28)))      # weights now (6, 1, 5, 5) and (10, 4704)
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .conv_layers import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .modules import Linear, Module, Parameter
from .normalization_layers import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)

_LAZY_STATE = ("_lazy_args", "_lazy_kwargs")


class UninitializedParameter(Parameter):
    """The empty placeholder a lazy layer holds until its first call; writing into it (an
    ``nn.init`` function, ``fill_``, ``p[...] = v``, ``p += v``) raises, as torch's does,
    since the first call would silently replace what was written."""

    __slots__ = ()
    _uninitialized = True

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(
            "a lazy layer's parameter is written before the layer has seen an input, so its "
            "shape is not known yet and the first call would replace the values: call the "
            "model once on an input (net(X)) first, then initialise (net.apply(init))"
        )


for _name in ("__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
              "add_", "sub_", "mul_", "div_", "copy_", "clamp_"):
    setattr(UninitializedParameter, _name, UninitializedParameter._refuse)


class _LazyMixin(Module):
    _become: type = Module

    def __init__(self, placeholders: tuple[str, ...], *args: Any, **kwargs: Any) -> None:
        self._lazy_args, self._lazy_kwargs = args, kwargs
        dtype = kwargs.get("dtype", float)
        for name in placeholders:
            setattr(self, name, UninitializedParameter(gnp.zeros((0,), dtype=dtype)))

    def _in_size(self, x: Any) -> int:
        raise NotImplementedError

    def has_uninitialized_params(self) -> bool:
        """True until the first call has fixed the input size (torch's name)."""
        return True

    def initialize_parameters(self, x: Any) -> None:
        """Build the layer for ``x``'s size: the placeholders take the new weights in place."""
        shape = tuple(getattr(x, "shape", ()))
        try:
            size = self._in_size(x)
        except IndexError:
            size = None
        if not size:
            raise ValueError(f"{type(self).__name__}: cannot infer the input size from an "
                             f"input of shape {shape}")
        self._materialize(size)

    def _size_from_state(self, state: Any, prefix: str) -> int | None:
        """The input size a state dict's weights fix (``load_state_dict`` before any call)."""
        w = state.get(prefix + "weight")
        shape = tuple(getattr(w, "shape", ()))
        return self._size_of_weight(shape) if shape else None

    def _size_of_weight(self, shape: tuple) -> int | None:
        return shape[1] if len(shape) > 1 else None

    def _materialize(self, size: int) -> None:
        kwargs = dict(self._lazy_kwargs)
        held = [v for v in vars(self).values() if getattr(v, "_uninitialized", False)]
        if held:  # a cast before the first call (m.half(), m.double()) sets the dtype
            kwargs["dtype"] = held[0].dtype
        real = self._become(size, *self._lazy_args, **kwargs)
        mine = vars(self)
        new: dict[str, Any] = {}
        for k, v in vars(real).items():
            held = mine.get(k)
            if isinstance(v, Parameter) and isinstance(held, Parameter):
                held.data = v.data  # the same object: an optimiser holding it sees the weights
                held.__class__ = Parameter
                v = held
            new[k] = v
        for k, v in mine.items():
            if k not in new and k not in _LAZY_STATE:
                new[k] = v  # training flag, hooks
        mine.clear()
        mine.update(new)
        self.__class__ = self._become

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        first = args[0] if args else kwargs.get("input")
        if first is not None:
            self.initialize_parameters(first)
        return Module.__call__(self, *args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # reached only through a hook path
        self.initialize_parameters(args[0])
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        return "uninitialized"


class LazyLinear(_LazyMixin):
    """``nn.Linear`` whose ``in_features`` is the last size of its first input.
    Example: ``nn.LazyLinear(10)(gnp.zeros((2, 84))).shape == (2, 10)``"""

    _become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = float) -> None:
        super().__init__(("weight", "bias") if bias else ("weight",), out_features, bias,
                         dtype=dtype)
        if not bias:
            self.bias = None

    def _in_size(self, x: Any) -> int:
        return int(x.shape[-1])


class _LazyConv(_LazyMixin):
    _nd = 2

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = float) -> None:
        super().__init__(("weight", "bias") if bias else ("weight",), out_channels,
                         kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         dtype=dtype)
        if not bias:
            self.bias = None

    def _in_size(self, x: Any) -> int:
        return int(x.shape[1] if len(x.shape) == self._nd + 2 else x.shape[0])

    def _size_of_weight(self, shape: tuple) -> int | None:
        groups = self._lazy_args[5]  # out_channels, kernel_size, stride, padding, dilation
        return shape[1] * groups if len(shape) == self._nd + 2 else None


class LazyConv1d(_LazyConv):
    """``nn.Conv1d`` whose ``in_channels`` comes from the first input."""

    _become, _nd = Conv1d, 1


class LazyConv2d(_LazyConv):
    """``nn.Conv2d`` whose ``in_channels`` comes from the first input.
    Example: ``nn.LazyConv2d(6, kernel_size=5, padding=2)``"""

    _become, _nd = Conv2d, 2


class LazyConv3d(_LazyConv):
    """``nn.Conv3d`` whose ``in_channels`` comes from the first input."""

    _become, _nd = Conv3d, 3


class _LazyConvTranspose(_LazyConv):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = float) -> None:
        _LazyMixin.__init__(self, ("weight", "bias") if bias else ("weight",), out_channels,
                            kernel_size, stride, padding, output_padding, groups, bias,
                            dilation, padding_mode, dtype=dtype)
        if not bias:
            self.bias = None

    def _size_of_weight(self, shape: tuple) -> int | None:
        return shape[0] if len(shape) == self._nd + 2 else None  # (in, out / groups, *k)


class LazyConvTranspose1d(_LazyConvTranspose):
    """``nn.ConvTranspose1d`` whose ``in_channels`` comes from the first input."""

    _become, _nd = ConvTranspose1d, 1


class LazyConvTranspose2d(_LazyConvTranspose):
    """``nn.ConvTranspose2d`` whose ``in_channels`` comes from the first input.
    Example: ``nn.LazyConvTranspose2d(4, kernel_size=3, stride=2)``"""

    _become, _nd = ConvTranspose2d, 2


class LazyConvTranspose3d(_LazyConvTranspose):
    """``nn.ConvTranspose3d`` whose ``in_channels`` comes from the first input."""

    _become, _nd = ConvTranspose3d, 3


class _LazyBatchNorm(_LazyMixin):
    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = float) -> None:
        super().__init__(("weight", "bias") if affine else (), eps, momentum, affine,
                         track_running_stats, dtype=dtype)
        if not affine:
            self.weight = self.bias = None

    def _in_size(self, x: Any) -> int:
        return int(x.shape[1])

    def _size_from_state(self, state: Any, prefix: str) -> int | None:
        for name in ("weight", "running_mean"):
            shape = tuple(getattr(state.get(prefix + name), "shape", ()))
            if len(shape) == 1 and shape[0]:
                return shape[0]
        return None


class LazyBatchNorm1d(_LazyBatchNorm):
    """``nn.BatchNorm1d`` whose ``num_features`` comes from the first input."""

    _become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm):
    """``nn.BatchNorm2d`` whose ``num_features`` comes from the first input.
    Example: ``nn.LazyBatchNorm2d()``"""

    _become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm):
    """``nn.BatchNorm3d`` whose ``num_features`` comes from the first input."""

    _become = BatchNorm3d


class _LazyInstanceNorm(_LazyBatchNorm):
    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None,
                 dtype: Any = float) -> None:
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype)

    def _in_size(self, x: Any) -> int:
        unbatched = len(x.shape) == self._become._ranks[0]
        return int(x.shape[0] if unbatched else x.shape[1])


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """``nn.InstanceNorm1d`` whose ``num_features`` comes from the first input."""

    _become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """``nn.InstanceNorm2d`` whose ``num_features`` comes from the first input.
    Example: ``nn.LazyInstanceNorm2d(affine=True)``"""

    _become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """``nn.InstanceNorm3d`` whose ``num_features`` comes from the first input."""

    _become = InstanceNorm3d
