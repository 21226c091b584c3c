"""Gradient clipping on ``.grad`` in place, as ``torch.nn.utils``."""

from __future__ import annotations

import functools
import math
import types
import warnings
from collections.abc import Iterable
from typing import Any

from .. import numpy as gnp
from .._state import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _listed(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The parameters as a list (a generator is read once), warning on an empty generator
    as torch's."""
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return parameters


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [p.grad for p in _listed(parameters) if p.grad is not None]


def _vector_norm(x: Any, p: float) -> Any:
    """``torch.linalg.vector_norm(x, p)`` of all entries: ``inf``/``-inf`` the largest/smallest
    magnitude, 0 the number of nonzero entries, else ``sum(|x|^p)^(1/p)`` (negative ``p``
    too)."""
    a = gnp.abs(x)
    if a.dtype.kind == "f" and a.dtype.itemsize < 4:  # half: accumulate in float32, as torch
        return _vector_norm(a.astype("float32"), p).astype(a.dtype)
    if p == math.inf:
        return gnp.max(a) if a.size else gnp.zeros((), a.dtype)
    if p == -math.inf:
        return gnp.min(a) if a.size else gnp.full((), math.inf, a.dtype)
    if p == 0:
        return gnp.sum((a != 0).astype(a.dtype))
    if p < 0:  # |0|^p is inf: written out, without NumPy's division warning
        zero = a == 0
        a = gnp.where(zero, math.inf, gnp.where(zero, 1.0, a).astype(a.dtype) ** p)
        return gnp.sum(a) ** (1.0 / p)
    return gnp.sum(a**p) ** (1.0 / p)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type`` norm of the norms of ``tensors`` (as if all were one vector), as
    ``torch.nn.utils.get_total_norm``; ``foreach`` is accepted and changes nothing. With
    ``error_if_nonfinite=True`` a nan or infinite norm raises ``RuntimeError`` (a read of the
    value on the host). Example: ``get_total_norm([p.grad for p in model.parameters()])``
    """
    return _total_norm("get_total_norm", tensors, norm_type, error_if_nonfinite)


def _total_norm(op: str, tensors: Any, norm_type: float, error_if_nonfinite: bool) -> Tensor:
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(gnp.asarray(0.0, dtype="float32"))
    with no_grad():
        total = _vector_norm(gnp.stack([_vector_norm(t, norm_type) for t in tensors]),
                             norm_type)
        if error_if_nonfinite and not math.isfinite(float(total)):
            raise RuntimeError(
                f"{op}: the total norm of order {norm_type} of the gradients is "
                f"{float(total)}, so they cannot be clipped; pass error_if_nonfinite=False "
                f"to scale them by the non-finite norm anyway")
    return total if isinstance(total, Tensor) else Tensor(total)


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Any, foreach: bool | None = None) -> None:
    """Scale every ``p.grad`` in place by ``min(1, max_norm / (total_norm + 1e-6))``, as
    ``torch.nn.utils.clip_grads_with_norm_`` (``total_norm`` from ``get_total_norm``).
    Example: ``clip_grads_with_norm_(ps, 1.0, get_total_norm([p.grad for p in ps]))``"""
    grads = _grads(parameters)
    if not grads:
        return
    with no_grad():
        coef = gnp.minimum(max_norm / (total_norm + 1e-6), 1.0)
        for g in grads:
            g *= coef.astype(g.dtype)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale every ``p.grad`` in place by ``min(1, max_norm / (total + 1e-6))``, where
    ``total`` is the ``norm_type`` norm of all the gradients together (``math.inf``: the
    largest magnitude, 0: torch's count of nonzero norms, negative orders as
    ``torch.linalg.vector_norm``); returns ``total`` (a 0-d Tensor), as
    ``torch.nn.utils.clip_grad_norm_``. ``error_if_nonfinite=True`` raises ``RuntimeError``
    where ``total`` is nan or inf (a read of the value on the host); ``foreach`` changes
    nothing.

    Example: ``loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 0.25)``
    """
    params = _listed(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = _total_norm("clip_grad_norm_", grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clip every ``p.grad`` in place to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_`` (``foreach`` changes nothing).

    Example: ``nn.utils.clip_grad_value_(model.parameters(), 1.0)``
    """
    clip_value = float(clip_value)
    grads = _grads(parameters)
    for g in grads:
        if g.dtype.kind == "c":
            raise TypeError(f"clip_grad_value_: a complex gradient ({g.dtype}, shape "
                            f"{tuple(g.shape)}) has no order to clip by; clip its real and "
                            f"imaginary parts, or use clip_grad_norm_")
    with no_grad():
        for g in grads:
            g[...] = gnp.clip(g, -clip_value, clip_value)


@functools.wraps(clip_grad_norm_)
def clip_grad_norm(*args: Any, **kwargs: Any) -> Tensor:
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(*args, **kwargs)


# all weights as one flat vector and back
from .param_vector import parameters_to_vector, vector_to_parameters  # noqa: E402, F401

__all__ += ["parameters_to_vector", "vector_to_parameters"]

# packed and padded sequences: gpuad.nn.utils.rnn, importable by that name as os.path is
import sys as _sys  # noqa: E402

from . import rnn_utils as rnn  # noqa: E402

_sys.modules[__name__ + ".rnn"] = rnn

# parametrized and pruned tensors: gpuad.nn.utils.parametrize, .parametrizations, .prune
from . import parametrizations, parametrize, prune  # noqa: E402

_sys.modules[__name__ + ".parametrize"] = parametrize
_sys.modules[__name__ + ".parametrizations"] = parametrizations
_sys.modules[__name__ + ".prune"] = prune

# torch's older hook-based weight_norm / spectral_norm, BatchNorm fusion, stateless
from . import utils_stateless as stateless  # noqa: E402
from .fusion import (  # noqa: E402, F401
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .norm_hooks import (  # noqa: E402, F401
    remove_spectral_norm,
    remove_weight_norm,
    spectral_norm,
    weight_norm,
)

_sys.modules[__name__ + ".stateless"] = stateless
__all__ += ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
            "fuse_linear_bn_weights", "remove_spectral_norm", "remove_weight_norm",
            "spectral_norm", "weight_norm", "stateless"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Any:
    """``module_cls(*args, **kwargs)``, as ``torch.nn.utils.skip_init`` (torch leaves the
    parameters uninitialised; gpuad initialises them as usual, which is one of the values
    torch may leave). Example: ``lin = nn.utils.skip_init(nn.Linear, 3, 4)``"""
    import inspect

    from .modules import Module

    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"skip_init: expected a Module class; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("skip_init: the module must support a 'device' argument to skip "
                           "initialization")
    return module_cls(*args, **kwargs)


def convert_conv2d_weight_memory_format(module: Any, memory_format: Any) -> Any:
    """``module`` unchanged: gpuad's arrays have no memory format (torch's
    ``convert_conv2d_weight_memory_format`` changes the layout only, not the values)."""
    return module


convert_conv3d_weight_memory_format = convert_conv2d_weight_memory_format
__all__ += ["skip_init", "convert_conv2d_weight_memory_format",
            "convert_conv3d_weight_memory_format"]
