"""torch's older, hook-based ``torch.nn.utils.weight_norm`` / ``remove_weight_norm`` and
``spectral_norm`` / ``remove_spectral_norm`` (deprecated in torch in favour of
``nn.utils.parametrizations``, still common in ported code): the weight becomes a plain
attribute recomputed by a forward pre-hook before each call from the Parameters
``<name>_g``, ``<name>_v`` (weight norm) or ``<name>_orig`` with the buffers ``<name>_u``,
``<name>_v`` (spectral norm), torch's names, so torch's ``state_dict`` loads.

Example::

    conv = nn.utils.weight_norm(nn.Conv1d(4, 8, 3))   # conv.weight_g, conv.weight_v
    nn.utils.remove_weight_norm(conv)
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import numpy as gnp
from .._raw import data
from .._state import no_grad
from ..tensor import Tensor
from .modules import Module, Parameter
from .parametrize import _norm_except_dim, _refuse_uninitialized

__all__ = ["weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]


def _hooks_of(module: Module) -> list:
    hooks = module.__dict__.get("_hooks")
    return [] if hooks is None else [fn for _, fn, _ in hooks.forward_pre]


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: ``w = g * v / ||v||``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Any:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @property
    def _recomputed_attr(self) -> str:  # pickled as plain values (Module.__getstate__)
        return self.name

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        setattr(module, self.name, Parameter(data(weight)))
        self._handle.remove()


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``module.<name> = g * v / ||v||`` (the norm over every axis but ``dim``; ``dim=None``
    or -1: the whole tensor) with Parameters ``<name>_g`` and ``<name>_v``, recomputed before
    each call, as the deprecated ``torch.nn.utils.weight_norm`` (with its FutureWarning).
    Example: ``m = nn.utils.weight_norm(nn.Linear(20, 40), name="weight")``"""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    if any(isinstance(h, WeightNorm) and h.name == name for h in _hooks_of(module)):
        raise RuntimeError(f"weight_norm: cannot register two weight_norm hooks on the same "
                           f"parameter {name}")
    weight = module.__dict__.get(name)
    if not isinstance(weight, Tensor):
        raise ValueError(f"weight_norm: module {type(module).__name__} has no parameter "
                         f"{name!r}")
    _refuse_uninitialized("weight_norm", module, name, weight)
    dim = -1 if dim is None else dim
    if dim < -1:
        dim += weight.ndim
    if not -1 <= dim < max(weight.ndim, 1):
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight of "
                         f"{weight.ndim} dims")
    fn = WeightNorm(name, dim)
    delattr(module, name)
    with no_grad():
        g = _norm_except_dim(weight, dim)
    setattr(module, name + "_g", Parameter(data(g).copy(), weight.requires_grad))
    setattr(module, name + "_v", Parameter(data(weight), weight.requires_grad))
    setattr(module, name, fn.compute_weight(module))
    fn._handle = module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``weight_norm``: ``module.<name>`` a Parameter again holding ``g * v / ||v||``.
    Example: ``nn.utils.remove_weight_norm(m)``"""
    for h in _hooks_of(module):
        if isinstance(h, WeightNorm) and h.name == name:
            h.remove(module)
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {type(module).__name__}")


def _normalize(x: Any, eps: float) -> Any:
    if x.dtype.kind == "f" and x.dtype.itemsize < 4:  # half: the norm in float32, as torch
        return _normalize(x.astype("float32"), eps).astype(x.dtype)
    return x / gnp.maximum(gnp.sqrt(gnp.sum(gnp.abs(x) ** 2)), eps)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: ``w = w_orig / sigma``, ``sigma = u^T W v``
    after ``n_power_iterations`` power steps on the buffers ``u``, ``v`` (in training only)."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def matrix(self, weight: Any) -> Any:
        if self.dim != 0:
            weight = gnp.moveaxis(weight, self.dim, 0)
        return gnp.reshape(weight, (weight.shape[0], -1))

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Any:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        w = self.matrix(weight)
        if do_power_iteration:
            with no_grad():
                raw = data(w)
                for _ in range(self.n_power_iterations):
                    v[...] = data(_normalize(gnp.matmul(gnp.conj(raw).T, data(u)), self.eps))
                    u[...] = data(_normalize(gnp.matmul(raw, data(v)), self.eps))
        u, v = Tensor(data(u).copy()), Tensor(data(v).copy())
        sigma = gnp.sum(gnp.conj(u) * gnp.matmul(w, v))
        return weight / sigma

    @property
    def _recomputed_attr(self) -> str:  # pickled as plain values (Module.__getstate__)
        return self.name

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, bool(module.training)))

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        buffers = module.__dict__.get("_buffer_names", [])
        for suffix in ("_u", "_v"):
            if self.name + suffix in buffers:
                buffers.remove(self.name + suffix)
        setattr(module, self.name, Parameter(data(weight)))
        self._handle.remove()


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """``module.<name> = <name>_orig / sigma`` recomputed before each call, sigma the largest
    singular value of the weight (as a matrix with ``dim`` first: 1 for the transposed
    convolutions, else 0) estimated by power iteration on the buffers ``<name>_u`` and
    ``<name>_v`` (one step per call in training, none in evaluation), as the older
    ``torch.nn.utils.spectral_norm``; the starting vectors are drawn from
    ``gpuad.numpy.random``, and until the first call ``module.<name>`` is the unscaled weight,
    as torch's. Example: ``d = nn.utils.spectral_norm(nn.Linear(20, 40))``"""
    from .conv_layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    if any(isinstance(h, SpectralNorm) and h.name == name for h in _hooks_of(module)):
        raise RuntimeError(f"spectral_norm: cannot register two spectral_norm hooks on the "
                           f"same parameter {name}")
    weight = module.__dict__.get(name)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter "
                         f"{name!r}")
    _refuse_uninitialized("spectral_norm", module, name, weight)
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d | ConvTranspose3d) else 0
    if not -weight.ndim <= dim < max(weight.ndim, 1):
        raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of "
                         f"{weight.ndim} dims")
    fn = SpectralNorm(name, n_power_iterations, dim % max(weight.ndim, 1), eps)
    with no_grad():
        h, w = fn.matrix(weight).shape
        dt = data(weight).dtype
        u = _normalize(gnp.random.normal(size=(h,)).astype(dt), eps)
        v = _normalize(gnp.random.normal(size=(w,)).astype(dt), eps)
    delattr(module, name)
    setattr(module, name + "_orig", weight)
    setattr(module, name, Tensor(data(weight)))
    module.register_buffer(name + "_u", data(u))
    module.register_buffer(name + "_v", data(v))
    fn._handle = module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm``: ``module.<name>`` a Parameter holding ``w_orig / sigma`` (sigma
    from the current ``u``, ``v``). Example: ``nn.utils.remove_spectral_norm(d)``"""
    for h in _hooks_of(module):
        if isinstance(h, SpectralNorm) and h.name == name:
            h.remove(module)
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {type(module).__name__}")
