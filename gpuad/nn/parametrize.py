"""Parametrized tensors of modules, as ``torch.nn.utils.parametrize``, and the
parametrizations ``weight_norm`` and ``spectral_norm`` of ``torch.nn.utils.parametrizations``
(also ``gpuad.nn.utils.parametrize`` and ``gpuad.nn.utils.parametrizations``).

``register_parametrization(m, "weight", P())`` moves ``m.weight`` to
``m.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` returns a tuple) and makes ``m.weight`` a property computing ``P()(original)``
at each read, recorded as any other op: gradients reach the originals, which optimisers,
``state_dict`` (``parametrizations.weight.original``) and ``functional_call`` see as
parameters. Example::

    from gpuad.nn.utils.parametrizations import weight_norm
    lin = weight_norm(nn.Linear(3, 4))   # lin.parametrizations.weight.original0 is g
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import numpy as gnp
from .._raw import data
from .._state import no_grad
from ..tensor import Tensor
from .modules import Module, Parameter

__all__ = ["ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "weight_norm", "spectral_norm"]


class ParametrizationList(Module):
    """The parametrizations of one tensor (submodules ``0``, ``1``, ...) and its original
    value(s): ``original``, or ``original0``, ``original1``, ... Calling it gives the value."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False):
        self.unsafe = unsafe
        self._count = 0
        for m in modules:
            self.append(m)
        with no_grad():
            new = original
            for m in reversed(modules):
                inverse = getattr(m, "right_inverse", None)
                new = new if inverse is None else inverse(new)
        self.is_tensor = not isinstance(new, tuple | list)
        if self.is_tensor:
            self.original = _as_original(original, new)
        else:
            self.ntensors = len(new)
            for k, v in enumerate(new):
                setattr(self, f"original{k}", Parameter(_data(v), original.requires_grad))

    def append(self, module: Module) -> None:
        setattr(self, str(self._count), module)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k: int) -> Module:
        return getattr(self, str(range(self._count)[k]))

    def right_inverse(self, value: Any) -> None:
        """Set the originals so that the parametrized value is ``value`` (``m.weight = v``)."""
        with no_grad():
            for k in reversed(range(self._count)):
                inverse = getattr(self[k], "right_inverse", None)
                if inverse is None:
                    raise RuntimeError(
                        f"parametrization {type(self[k]).__name__} has no right_inverse, so the "
                        f"parametrized tensor cannot be assigned")
                value = inverse(value)
            if self.is_tensor:
                if isinstance(value, tuple | list):
                    raise ValueError("right_inverse must return a single tensor here")
                _write(self.original, value)
            else:
                if not isinstance(value, tuple | list) or len(value) != self.ntensors:
                    raise ValueError(f"right_inverse must return {self.ntensors} tensors")
                for k, v in enumerate(value):
                    _write(getattr(self, f"original{k}"), v)

    def forward(self) -> Any:
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{k}") for k in range(self.ntensors)))
        for k in range(1, self._count):
            x = self[k](x)
        return x


def _data(v: Any) -> Any:
    return data(v) if isinstance(v, Tensor) else data(gnp.asarray(v))


def _as_original(original: Tensor, new: Any) -> Tensor:
    """The original Parameter itself holding ``new`` where the shapes allow (an optimiser
    built before keeps stepping it), as torch's ``set_``."""
    if tuple(getattr(new, "shape", ())) == tuple(original.shape) and new is not original:
        with no_grad():
            original[...] = _data(new)
        return original
    if new is original:
        return original
    return Parameter(_data(new), original.requires_grad)


def _write(target: Tensor, value: Any) -> None:
    shape = tuple(getattr(value, "shape", ()))
    if shape != tuple(target.shape):
        raise ValueError(f"parametrize: the new original has shape {shape}, the original "
                         f"{tuple(target.shape)}")
    target[...] = _data(value)


def _property(name: str) -> property:
    def get(self: Module) -> Any:
        return self.parametrizations[name]()

    def put(self: Module, value: Any) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, put)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` the value of ``parametrization`` applied to an original
    tensor (its ``right_inverse`` of the current value, when it has one), as torch's; a second
    registration on the same name chains after the first. Returns ``module``.

    Example: ``register_parametrization(lin, "weight", Symmetric())``
    """
    from .containers import ModuleDict

    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: expected a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        module.parametrizations[tensor_name].append(parametrization)
        return module
    original = module.__dict__.get(tensor_name)
    if not isinstance(original, Tensor):
        raise ValueError(f"register_parametrization: module {type(module).__name__} has no "
                         f"parameter or buffer {tensor_name!r}")
    buffers = module.__dict__.get("_buffer_names", [])
    if tensor_name in buffers:
        buffers.remove(tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                                {"_unparametrized": cls})
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` (or its ``tensor_name``) has a parametrization.
    Example: ``is_parametrized(lin, "weight")``"""
    p = module.__dict__.get("parametrizations")
    if p is None:
        return False
    return tensor_name is None or tensor_name in p


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization``: ``module.<tensor_name>`` becomes a Parameter again,
    holding the parametrized value (``leave_parametrized=True``) or the original (a single
    original only), as torch's. Example: ``remove_parametrizations(lin, "weight")``"""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            original = _as_original(original, value)
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: leave_parametrized=False needs a single "
                             "original tensor")
        with no_grad():
            value = getattr(module, tensor_name)
        original = Parameter(_data(value), plist.original0.requires_grad)
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if not len(module.parametrizations):
        delattr(module, "parametrizations")
        module.__class__ = type(module)._unparametrized
    setattr(module, tensor_name, original)
    return module


# ---- torch.nn.utils.parametrizations ------------------------------------------------------


def _norm_except_dim(v: Any, dim: int) -> Any:
    if dim == -1:
        return gnp.sqrt(gnp.sum(v * v))
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return gnp.sqrt(gnp.sum(v * v, axis=axes, keepdims=True))


class _WeightNorm(Module):
    def __init__(self, dim: int | None) -> None:
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Any, weight_v: Any) -> Any:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Any) -> tuple:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """``w = g * v / ||v||`` (the norm over every axis but ``dim``; ``dim=None``: the whole
    tensor) with ``g`` = ``parametrizations.<name>.original0`` and ``v`` = ``original1``, as
    ``torch.nn.utils.parametrizations.weight_norm``. Example: ``weight_norm(nn.Linear(3, 4))``
    """
    if dim is not None and dim < -1:
        dim += getattr(module, name).ndim
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


def _normalize(x: Any, eps: float) -> Any:
    return x / gnp.maximum(gnp.sqrt(gnp.sum(x * x)), eps)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int, dim: int, eps: float) -> None:
        ndim = weight.ndim
        if not -ndim <= dim < max(ndim, 1):
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of "
                             f"{ndim} dims")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got "
                             f"{n_power_iterations}")
        self.dim = dim % max(ndim, 1)
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            w = data(self._matrix(weight))
            h, wd = w.shape
            u = gnp.random.normal(size=(h,)).astype(w.dtype)
            v = gnp.random.normal(size=(wd,)).astype(w.dtype)
            self.register_buffer("_u", data(_normalize(u, eps)))
            self.register_buffer("_v", data(_normalize(v, eps)))
            self._power_method(w, 15)

    def _matrix(self, weight: Any) -> Any:
        if self.dim != 0:
            weight = gnp.moveaxis(weight, self.dim, 0)
        return gnp.reshape(weight, (weight.shape[0], -1))

    def _power_method(self, w: Any, n: int) -> None:
        with no_grad():
            w = data(w)
            for _ in range(n):
                self._u[...] = data(_normalize(gnp.matmul(w, self._v), self.eps))
                self._v[...] = data(_normalize(gnp.matmul(gnp.conj(w).T, self._u), self.eps))

    def forward(self, weight: Any) -> Any:
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        w = self._matrix(weight)
        if self.training:
            self._power_method(w, self.n_power_iterations)
        u, v = Tensor(data(self._u).copy()), Tensor(data(self._v).copy())
        sigma = gnp.sum(gnp.conj(u) * gnp.matmul(w, v))
        return weight / sigma

    def right_inverse(self, value: Any) -> Any:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """``w / sigma``, sigma the largest singular value of ``w`` (as a matrix with ``dim``
    first: by default 1 for the transposed convolutions, else 0) estimated by power
    iteration on the buffers ``parametrizations.<name>.0._u`` and ``_v`` (one step per
    call in training, none in evaluation), as ``torch.nn.utils.parametrizations.spectral_norm``;
    the starting vectors are drawn from ``gpuad.numpy.random``.
    Example: ``spectral_norm(nn.Linear(20, 40))``"""
    from .conv_layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter or "
                         f"buffer {name!r}")
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d | ConvTranspose3d) else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))
