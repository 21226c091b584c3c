"""torch's in-place activation functions: ``relu_``, ``elu_``, ``leaky_relu_``,
``hardtanh_``, ``selu_``, ``celu_``, ``threshold_``, ``rrelu_``.

Each writes the activation of a Tensor into that Tensor the way ``Tensor.relu_()`` and
``x += y`` do: the write is recorded, the Tensor's version is bumped, values the activation's
own steps saved from it are kept for their backward pass (a value an earlier op saved makes
that op's backward raise, as in torch), and a leaf that requires grad refuses. A plain array
is overwritten. ``F.relu(h, inplace=True)`` and ``nn.ReLU(inplace=True)`` take the same
path (gpuad/nn/inplace_write.py).

Example::

    import gpuad.nn.functional as F
    h = x @ w
    F.relu_(h)        # h now holds relu(x @ w); gradients flow to x and w
"""

from __future__ import annotations

from typing import Any

from . import activations as _a
from . import functional as _f
from .inplace_write import write_into

__all__ = ["relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_", "rrelu_"]


def _in_place(name: str, fn: Any, x: Any, *args: Any) -> Any:
    return write_into(name, fn, x, *args)


def relu_(input: Any) -> Any:
    """``relu`` written into ``input``. Example: ``F.relu_(h)``"""
    return _in_place("relu_", _f.relu, input)


def elu_(input: Any, alpha: float = 1.0) -> Any:
    """``elu`` written into ``input``. Example: ``F.elu_(h, 0.5)``"""
    return _in_place("elu_", _a.elu, input, alpha)


def leaky_relu_(input: Any, negative_slope: float = 0.01) -> Any:
    """``leaky_relu`` written into ``input``. Example: ``F.leaky_relu_(h, 0.2)``"""
    return _in_place("leaky_relu_", _f.leaky_relu, input, negative_slope)


def hardtanh_(input: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    """``hardtanh`` written into ``input``. Example: ``F.hardtanh_(h, -2.0, 2.0)``"""
    return _in_place("hardtanh_", _a.hardtanh, input, min_val, max_val)


def selu_(input: Any) -> Any:
    """``selu`` written into ``input``. Example: ``F.selu_(h)``"""
    return _in_place("selu_", _a.selu, input)


def celu_(input: Any, alpha: float = 1.0) -> Any:
    """``celu`` written into ``input``. Example: ``F.celu_(h, 2.0)``"""
    return _in_place("celu_", _a.celu, input, alpha)


def threshold_(input: Any, threshold: float, value: float) -> Any:
    """``threshold`` written into ``input``. Example: ``F.threshold_(h, 0.1, 0.0)``"""
    return _in_place("threshold_", _a.threshold, input, threshold, value)


def rrelu_(
    input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Any:
    """``rrelu`` written into ``input``. Example: ``F.rrelu_(h, 0.1, 0.3, training=True)``"""
    _a._check_rrelu_bounds("rrelu_", lower, upper)
    return _in_place("rrelu_", _a.rrelu, input, lower, upper, training)
