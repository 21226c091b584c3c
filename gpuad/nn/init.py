"""Weight initialisers drawing from ``gpuad.numpy.random`` (seed it with ``gnp.random.seed``).

Each returns a fresh backend array; modules wrap it in a Tensor that requires grad.

Example::

    w = gpuad.tensor(init.kaiming_uniform((64, 32)), requires_grad=True)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp

__all__ = ["calculate_fan", "kaiming_uniform", "normal", "ones", "uniform", "xavier_uniform",
           "zeros"]


def calculate_fan(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped like PyTorch's: (out, in, *kernel).

    Example: ``calculate_fan((16, 3, 3, 3))`` is ``(27, 144)``.
    """
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    field = math.prod(shape[2:])
    return shape[1] * field, shape[0] * field


def uniform(shape: tuple[int, ...], low: float = 0.0, high: float = 1.0,
            dtype: Any = float) -> Any:
    """Uniform draws on [low, high). Example: ``uniform((3,), -1, 1)``"""
    return gnp.random.uniform(low, high, tuple(shape)).astype(dtype)


def normal(shape: tuple[int, ...], mean: float = 0.0, std: float = 1.0,
           dtype: Any = float) -> Any:
    """Gaussian draws. Example: ``normal((3, 3), std=0.02)``"""
    return gnp.random.normal(mean, std, tuple(shape)).astype(dtype)


def xavier_uniform(shape: tuple[int, ...], gain: float = 1.0, dtype: Any = float) -> Any:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Example: ``xavier_uniform((10, 20))``
    """
    fan_in, fan_out = calculate_fan(tuple(shape))
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -a, a, dtype)


def kaiming_uniform(shape: tuple[int, ...], a: float = math.sqrt(5.0),
                    dtype: Any = float) -> Any:
    """He uniform on fan_in with leaky-relu slope ``a`` (PyTorch's default for Linear/Conv).

    ``bound = sqrt(6 / ((1 + a^2) fan_in))``. Example: ``kaiming_uniform((10, 20), a=0)``
    """
    fan_in, _ = calculate_fan(tuple(shape))
    bound = math.sqrt(6.0 / ((1.0 + a * a) * max(fan_in, 1)))
    return uniform(shape, -bound, bound, dtype)


def zeros(shape: tuple[int, ...], dtype: Any = float) -> Any:
    """All zeros. Example: ``zeros((3,))``"""
    return gnp.zeros(tuple(shape), dtype=dtype)


def ones(shape: tuple[int, ...], dtype: Any = float) -> Any:
    """All ones. Example: ``ones((3,))``"""
    return gnp.ones(tuple(shape), dtype=dtype)


# torch's in-place initialisers (kaiming_uniform_(w), ...): they write into the weight given
from .init_inplace import (  # noqa: E402, F401
    _calculate_correct_fan,
    _calculate_fan_in_and_fan_out,
    calculate_gain,
    constant_,
    dirac_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    ones_,
    orthogonal_,
    sparse_,
    trunc_normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

__all__ += ["calculate_gain", "constant_", "eye_", "kaiming_normal_", "kaiming_uniform_",
            "normal_", "ones_", "orthogonal_", "trunc_normal_", "uniform_", "xavier_normal_",
            "xavier_uniform_", "zeros_", "dirac_", "sparse_"]


def _torch_deprecated(name: str, inplace: Any, of_shape: Any = None) -> Any:
    """torch's deprecated spelling without the underscore (``nn.init.xavier_uniform(w)``),
    which writes into ``w`` as ``xavier_uniform_`` does, with torch's FutureWarning. Given a
    shape instead of a Tensor, the names gpuad also defines (``uniform``, ``normal``,
    ``xavier_uniform``, ``kaiming_uniform``) keep drawing a new array of that shape."""
    import functools
    import warnings

    from ..tensor import Tensor

    @functools.wraps(of_shape or inplace)
    def init_fn(first: Any, *args: Any, **kwargs: Any) -> Any:
        if of_shape is not None and not isinstance(first, Tensor):
            return of_shape(first, *args, **kwargs)
        warnings.warn(f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`.",
                      FutureWarning, stacklevel=2)
        return inplace(first, *args, **kwargs)

    init_fn.__name__ = name
    return init_fn


uniform = _torch_deprecated("uniform", uniform_, uniform)
normal = _torch_deprecated("normal", normal_, normal)
xavier_uniform = _torch_deprecated("xavier_uniform", xavier_uniform_, xavier_uniform)
kaiming_uniform = _torch_deprecated("kaiming_uniform", kaiming_uniform_, kaiming_uniform)
constant = _torch_deprecated("constant", constant_)
xavier_normal = _torch_deprecated("xavier_normal", xavier_normal_)
kaiming_normal = _torch_deprecated("kaiming_normal", kaiming_normal_)
orthogonal = _torch_deprecated("orthogonal", orthogonal_)
eye = _torch_deprecated("eye", eye_)
sparse = _torch_deprecated("sparse", sparse_)
__all__ += ["constant", "xavier_normal", "kaiming_normal", "orthogonal", "eye", "sparse"]
