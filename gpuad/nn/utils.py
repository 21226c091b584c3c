"""Gradient clipping on ``.grad`` in place, as ``torch.nn.utils``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import numpy as gnp
from .._state import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Any:
    """Scale every ``p.grad`` in place by ``min(1, max_norm / (total + 1e-6))``, where
    ``total`` is the ``norm_type`` norm of all the gradients together (``math.inf``: the
    largest magnitude); returns ``total`` (a 0-d Tensor), as ``torch.nn.utils.clip_grad_norm_``.
    ``error_if_nonfinite=True`` raises ``RuntimeError`` where ``total`` is nan or inf (a read of
    the value on the host).

    Example: ``loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 0.25)``
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return gnp.asarray(0.0)
    with no_grad():
        if norm_type == math.inf:
            total = gnp.max(gnp.stack([gnp.max(gnp.abs(g)) for g in grads]))
        elif norm_type <= 0:
            raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
        else:
            total = gnp.sum(gnp.stack([gnp.sum(gnp.abs(g) ** norm_type) for g in grads])) \
                ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(float(total)):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                               f"gradients is {float(total)}; pass error_if_nonfinite=False to "
                               f"clip anyway")
        coef = gnp.minimum(max_norm / (total + 1e-6), 1.0)
        for g in grads:
            g *= coef.astype(g.dtype)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every ``p.grad`` in place to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_``.

    Example: ``nn.utils.clip_grad_value_(model.parameters(), 1.0)``
    """
    with no_grad():
        for g in _grads(parameters):
            g[...] = gnp.clip(g, -clip_value, clip_value)


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


# ---- torch.nn.utils.weight_norm / remove_weight_norm (the hook-based API before
# parametrizations; WaveNet, MelGAN and HiFi-GAN style code calls them) -------------------


def _norm_weight(v: Any, g: Any, dim: int) -> Any:
    from .parametrize import _norm_except_dim

    return v * (g / _norm_except_dim(v, dim))


def _raw_copy(t: Any) -> Any:
    return (t.data if isinstance(t, Tensor) else t).copy()


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Replace parameter ``name`` of ``module`` by ``name_g`` (its norm over every axis but
    ``dim``; ``dim=None``: the whole tensor) and ``name_v`` (its direction), recomputing
    ``name = name_v * name_g / ||name_v||`` before each forward, as the hook-based
    ``torch.nn.utils.weight_norm`` (the same parameter and state_dict names).

    Example: ``conv = weight_norm(nn.Conv1d(4, 4, 3))``
    """
    from .modules import Parameter
    from .parametrize import _norm_except_dim

    hooks = module.__dict__.setdefault("_weight_norm_hooks", {})
    if name in hooks:
        raise RuntimeError(f"weight_norm: cannot register two weight_norm hooks on the same "
                           f"parameter {name}")
    weight = getattr(module, name)
    d = -1 if dim is None else (dim + weight.ndim if dim < -1 else dim)

    def compute(m: Any) -> Any:
        return _norm_weight(getattr(m, name + "_v"), getattr(m, name + "_g"), d)

    with no_grad():
        g = Parameter(_raw_copy(_norm_except_dim(weight, d)))
    v = Parameter(_raw_copy(weight))
    delattr(module, name)
    setattr(module, name + "_g", g)
    setattr(module, name + "_v", v)
    setattr(module, name, compute(module))
    handle = module.register_forward_pre_hook(lambda m, args: setattr(m, name, compute(m)))
    hooks[name] = (handle, d)
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo :func:`weight_norm`: ``name`` becomes a plain parameter again, holding the current
    ``name_v * name_g / ||name_v||``. Example: ``remove_weight_norm(conv)``"""
    from .modules import Parameter

    hooks = module.__dict__.get("_weight_norm_hooks", {})
    if name not in hooks:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    handle, d = hooks.pop(name)
    handle.remove()
    with no_grad():
        weight = _norm_weight(getattr(module, name + "_v"), getattr(module, name + "_g"), d)
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    setattr(module, name, Parameter(_raw_copy(weight)))
    return module


def spectral_norm(module: Any, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """The hook-based ``torch.nn.utils.spectral_norm`` is not available: raises, naming
    ``gpuad.nn.utils.parametrizations.spectral_norm`` (torch's current API) instead."""
    raise NotImplementedError(
        "gpuad.nn.utils.spectral_norm (torch's hook-based API, with weight_orig/weight_u "
        "buffers) is not available: use gpuad.nn.utils.parametrizations.spectral_norm(module, "
        "name, n_power_iterations, eps, dim), torch's current API (its state_dict names differ)")


__all__ += ["weight_norm", "remove_weight_norm", "spectral_norm"]
