"""How an activation or dropout writes its result into its input: torch's ``inplace=True``
and the ``*_`` functions (``F.relu_``) share it.

A Tensor is written as ``Tensor.relu_()`` and ``x += y`` are: the write is recorded and the
version bumped; what the activation's own steps saved from the Tensor (silu's backward needs
its input) is kept, while a value an earlier op saved from it (sigmoid's output) makes that
op's backward raise, naming both versions, as in torch. A leaf that requires grad refuses,
naming the op. A plain array is overwritten.

Example::

    import gpuad.nn.functional as F
    from gpuad.nn.inplace_write import write_into
    h = x @ w
    write_into("relu_", F.relu, h)     # h now holds relu(x @ w), the same object
"""

from __future__ import annotations

from typing import Any

from .._raw import data
from .._torch_methods import _write
from ..engine import GradError
from ..tensor import Tensor

__all__ = ["write_into", "inplace_arg"]


def write_into(name: str, fn: Any, x: Any, *args: Any, label: str | None = None) -> Any:
    """``x[...] = fn(x, *args)``, recorded, and ``x`` returned. ``name`` is the in-place name
    (``"relu_"``); ``label`` is what the user wrote, for errors (default ``name``).

    Example: ``write_into("elu_", F.elu, h, 0.5, label="elu(inplace=True)")``
    """
    if isinstance(x, Tensor):
        try:
            return _write(x, fn, args, {}, name)
        except GradError as e:  # torch's RuntimeError, naming the op
            raise GradError(f"{label or name}: {e}") from None
    x[...] = data(fn(x, *args))
    return x


def inplace_arg(op: str, fn: Any, x: Any, *args: Any) -> Any:
    """``fn(x, *args)`` written into ``x`` for ``op(..., inplace=True)``.

    Example: ``inplace_arg("relu", _r.relu, x)``
    """
    return write_into(op + "_", fn, x, *args, label=f"{op}(inplace=True)")
