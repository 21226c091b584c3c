"""Pruning of module tensors by masks, as ``torch.nn.utils.prune`` (also
``gpuad.nn.utils.prune``).

Pruning ``m.weight`` moves the Parameter to ``m.weight_orig``, holds the mask in the buffer
``m.weight_mask`` and recomputes ``m.weight = weight_orig * weight_mask`` in a forward pre-hook
before every call, so gradients reach ``weight_orig`` (zero where pruned); pruning again
combines the masks, the new one chosen among the entries still kept; ``remove`` makes it
permanent. Example::

    from gpuad.nn.utils import prune
    prune.l1_unstructured(lin, "weight", amount=0.3)   # the 30 % smallest |w| set to 0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import numpy as gnp
from .._raw import data
from .._state import no_grad
from ..tensor import Tensor
from .modules import Module
from .parametrize import _refuse_uninitialized

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
           "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask", "identity",
           "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
           "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


def _host(a: Any) -> np.ndarray:
    a = data(a) if isinstance(a, Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _check_amount(amount: Any) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"prune: amount must be an int or a float, got {type(amount).__name__}")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and not 0.0 <= amount <= 1.0):
        raise ValueError(f"prune: amount={amount} must be a float in [0, 1] (a fraction) or a "
                         f"non-negative int (a count)")


def _count(amount: Any, size: int) -> int:
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"prune: amount={amount} exceeds the {size} entries to prune from")
        return int(amount)
    return round(amount * size)


def _structured_dim(t: Any, dim: int) -> int:
    """``dim`` of a structured pruning as a non-negative axis of ``t``; a 0-d or 1-d tensor
    and an axis out of range are refused (as torch's), never wrapped around."""
    ndim = len(t.shape)
    if ndim <= 1:
        raise ValueError(f"prune: structured pruning needs a tensor of 2 or more dimensions, got "
                         f"shape {tuple(t.shape)}; use l1_unstructured or random_unstructured")
    if not -ndim <= dim < ndim:
        raise IndexError(f"prune: dim={dim} is out of range for a tensor of shape "
                         f"{tuple(t.shape)}")
    return dim % ndim


def _smallest(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` smallest scores (stable among ties)."""
    return np.argsort(scores, kind="stable")[:k]


class BasePruningMethod:
    """A way to choose a mask: ``compute_mask(t, default_mask)`` on host arrays; the method
    is also the forward pre-hook that recomputes the pruned tensor."""

    PRUNING_TYPE = "unstructured"
    _tensor_name: str = ""

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def prune(self, t: Any, default_mask: Any = None, importance_scores: Any = None) -> Any:
        """``t`` times the mask this method chooses (from ``importance_scores``, default ``t``,
        among the entries ``default_mask`` keeps). Example: ``L1Unstructured(2).prune(w)``"""
        if importance_scores is None:
            importance_scores = t
        elif tuple(importance_scores.shape) != tuple(t.shape):
            raise ValueError(f"prune: importance_scores of shape "
                             f"{tuple(importance_scores.shape)} for a tensor of shape "
                             f"{tuple(t.shape)}")
        if default_mask is None:
            default_mask = gnp.ones_like(t) if isinstance(t, Tensor) else np.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask)

    def apply_mask(self, module: Module) -> Any:
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return orig * mask

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @property
    def _recomputed_attr(self) -> str:  # pickled as plain values (Module.__getstate__)
        return self._tensor_name

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Any = None,
              **kwargs: Any) -> BasePruningMethod:
        old = _method_of(module, name)
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old is not None:  # a new container: a failure below leaves the old pruning as it was
            container = PruningContainer(*(old if isinstance(old, PruningContainer) else (old,)))
            container.add_pruning_method(method)
            method = container
        orig = getattr(module, name + "_orig") if old is not None else module.__dict__.get(name)
        if not isinstance(orig, Tensor):
            raise ValueError(f"prune: module {type(module).__name__} has no parameter {name!r}")
        _refuse_uninitialized("prune", module, name, orig)
        # as torch's: a tensor pruned before is scored by its current (masked) value
        scores = getattr(module, name) if importance_scores is None else importance_scores
        if tuple(getattr(scores, "shape", ())) != tuple(orig.shape):
            raise ValueError(f"prune: importance_scores of shape {tuple(scores.shape)} for a "
                             f"parameter of shape {tuple(orig.shape)}")
        if old is None:
            default = np.ones(orig.shape, dtype=_host(orig).dtype)
        else:
            default = _host(getattr(module, name + "_mask")).copy()
        mask = method.compute_mask(_host(scores), default)
        if old is not None:
            old._handle.remove()
        if old is None:
            delattr(module, name)
            setattr(module, name + "_orig", orig)
        module.register_buffer(name + "_mask", gnp.asarray(mask.astype(default.dtype)))
        setattr(module, name, method.apply_mask(module))
        method._handle = module.register_forward_pre_hook(method)
        return method

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``module.<name>`` a Parameter holding ``orig * mask``."""
        name = self._tensor_name
        with no_grad():
            weight = self.apply_mask(module)
            orig = getattr(module, name + "_orig")
            orig[...] = data(weight)
        delattr(module, name)
        delattr(module, name + "_orig")
        delattr(module, name + "_mask")
        module.__dict__["_buffer_names"].remove(name + "_mask")
        setattr(module, name, orig)
        self._handle.remove()


def _method_of(module: Module, name: str) -> BasePruningMethod | None:
    hooks = module.__dict__.get("_hooks")
    for _, fn, _ in () if hooks is None else hooks.forward_pre:
        if isinstance(fn, BasePruningMethod) and fn._tensor_name == name:
            return fn
    return None


class PruningContainer(BasePruningMethod):
    """Successive prunings of one tensor: each new mask is chosen among the entries (or, for a
    structured method, the slices) the earlier ones kept."""

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple = ()
        for m in methods:
            self.add_pruning_method(m)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"prune: PruningContainer holds pruning methods, got "
                            f"{type(method).__name__}")
        if (self._pruning_methods or self._tensor_name) and \
                method._tensor_name != self._tensor_name:
            raise ValueError(f"prune: cannot combine pruning of {method._tensor_name!r} with "
                             f"that of {self._tensor_name!r}")
        self._tensor_name = method._tensor_name
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        method = self._pruning_methods[-1]
        new = default_mask.astype(t.dtype)  # as torch's: the mask in the tensor's dtype
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            keep = default_mask == 1
            new[keep] = method.compute_mask(t[keep], default_mask[keep])
        elif kind == "structured":
            dim = _structured_dim(t, method.dim)
            other = tuple(a for a in range(t.ndim) if a != dim)
            kept = np.nonzero(default_mask.sum(axis=other) != 0)[0]
            slc = [slice(None)] * t.ndim
            slc[dim] = kept
            new[tuple(slc)] = method.compute_mask(t[tuple(slc)], default_mask[tuple(slc)])
        else:  # global: the whole tensor
            new = method.compute_mask(t, default_mask)
        return new


class Identity(BasePruningMethod):
    """Prunes nothing (a mask of ones)."""

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        return default_mask.copy()


class RandomUnstructured(BasePruningMethod):
    """``amount`` entries chosen at random (``gpuad.numpy.random``)."""

    def __init__(self, amount: Any) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        k = _count(self.amount, t.size)
        mask = default_mask.copy()
        if k:
            draw = _host(gnp.random.random(t.size))
            mask.reshape(-1)[_smallest(draw, k)] = 0
        return mask


class L1Unstructured(BasePruningMethod):
    """The ``amount`` entries of smallest magnitude."""

    def __init__(self, amount: Any) -> None:
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        k = _count(self.amount, t.size)
        mask = default_mask.copy()
        if k:
            mask.reshape(-1)[_smallest(np.abs(t).reshape(-1), k)] = 0
        return mask


def _structured(t: np.ndarray, dim: int, keep: np.ndarray, default_mask: np.ndarray):
    mask = np.zeros_like(default_mask)
    slc = [slice(None)] * t.ndim
    slc[dim] = keep
    mask[tuple(slc)] = 1
    return mask * default_mask


class RandomStructured(BasePruningMethod):
    """``amount`` slices along ``dim`` chosen at random (``gpuad.numpy.random``)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        dim = _structured_dim(t, self.dim)
        k = _count(self.amount, t.shape[dim])
        if not k:
            return default_mask.copy()
        draw = _host(gnp.random.random(t.shape[dim]))
        keep = np.sort(np.argsort(draw, kind="stable")[k:])
        return _structured(t, dim, keep, default_mask)


class LnStructured(BasePruningMethod):
    """The ``amount`` slices along ``dim`` of smallest ``n``-norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: Any, n: Any, dim: int = -1) -> None:
        _check_amount(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        dim = _structured_dim(t, self.dim)
        k = _count(self.amount, t.shape[dim])
        if not k:
            return default_mask.copy()
        rows = np.moveaxis(t, dim, 0).reshape(t.shape[dim], -1)
        n = self.n
        if n in ("fro", 2):
            norms = np.sqrt((rows * rows).sum(axis=1))
        elif n == "nuc":
            raise ValueError("prune.ln_structured: n='nuc' is not offered")
        elif n in (math.inf, "inf"):
            norms = np.abs(rows).max(axis=1)
        elif n in (-math.inf, "-inf"):
            norms = np.abs(rows).min(axis=1)
        elif n == 0:
            norms = (rows != 0).sum(axis=1).astype(float)
        else:
            with np.errstate(divide="ignore"):  # a 0 entry of a negative order: norm 0
                norms = (np.abs(rows) ** n).sum(axis=1) ** (1.0 / n)
        keep = np.sort(np.argsort(-norms, kind="stable")[: t.shape[dim] - k])
        return _structured(t, dim, keep, default_mask)


class CustomFromMask(BasePruningMethod):
    """A given mask (multiplied into the current one)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = _host(mask)

    def compute_mask(self, t: np.ndarray, default_mask: np.ndarray) -> np.ndarray:
        if self.mask.shape != default_mask.shape:
            raise ValueError(f"prune: a mask of shape {self.mask.shape} for a tensor of shape "
                             f"{default_mask.shape}")
        return default_mask * self.mask.astype(default_mask.dtype)


def identity(module: Module, name: str) -> Module:
    """Prune nothing (``weight_orig``, a mask of ones). Example: ``prune.identity(lin, "bias")``"""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: Any) -> Module:
    """Prune ``amount`` random entries. Example: ``prune.random_unstructured(lin, "weight", 3)``"""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: Any, importance_scores: Any = None
                    ) -> Module:
    """Prune the ``amount`` entries of smallest ``|w|`` (or ``|importance_scores|``).
    Example: ``prune.l1_unstructured(lin, "weight", amount=0.3)``"""
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: Any, dim: int) -> Module:
    """Prune ``amount`` random slices along ``dim``.
    Example: ``prune.random_structured(conv, "weight", 1, dim=0)``"""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: Any, n: Any, dim: int,
                  importance_scores: Any = None) -> Module:
    """Prune the ``amount`` slices along ``dim`` of smallest ``n``-norm.
    Example: ``prune.ln_structured(conv, "weight", 0.5, n=2, dim=0)``"""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """Prune where ``mask`` is 0. Example: ``prune.custom_from_mask(lin, "bias", m)``"""
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type,
                        importance_scores: dict | None = None, **kwargs: Any) -> None:
    """Prune the parameters together: ``pruning_method(**kwargs)`` chooses among all their
    (still kept) entries at once, as torch's. Example:
    ``prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=5)``
    """
    if not isinstance(parameters, Iterable):
        raise TypeError(f"prune.global_unstructured: parameters must be an iterable of "
                        f"(module, name) pairs, got {type(parameters).__name__}")
    if importance_scores is not None and not isinstance(importance_scores, dict):
        raise TypeError(f"prune.global_unstructured: importance_scores must be a dict "
                        f"{{(module, name): scores}}, got {type(importance_scores).__name__}")
    params = list(parameters)
    scores = importance_scores or {}
    flat_t, flat_m = [], []
    for module, name in params:
        w = getattr(module, name)
        _refuse_uninitialized("prune.global_unstructured", module, name, w)
        m = module.__dict__.get(name + "_mask")
        m = np.ones(w.shape, _host(w).dtype) if m is None else _host(m)
        s = scores.get((module, name), w)
        flat_t.append((_host(s) * m).reshape(-1))
        flat_m.append(m.reshape(-1))
    t, default = np.concatenate(flat_t), np.concatenate(flat_m)
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f"prune.global_unstructured: {pruning_method.__name__} is not an "
                        f"unstructured method")
    method._tensor_name = "temp"
    final = PruningContainer(method).compute_mask(t, default)
    start = 0
    for module, name in params:
        size = int(np.prod(getattr(module, name).shape))
        custom_from_mask(module, name, final[start:start + size].reshape(
            getattr(module, name).shape))
        start += size


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent (a Parameter again, the mask applied).
    Example: ``prune.remove(lin, "weight")``"""
    method = _method_of(module, name)
    if method is None:
        raise ValueError(f"prune.remove: parameter {name!r} of module "
                         f"{type(module).__name__} has to be pruned before it is removed")
    method.remove(module)
    return module


def is_pruned(module: Module) -> bool:
    """Whether any submodule has a pruned tensor. Example: ``prune.is_pruned(model)``"""
    for m in module.modules():
        hooks = m.__dict__.get("_hooks")
        if hooks is not None and any(isinstance(fn, BasePruningMethod)
                                     for _, fn, _ in hooks.forward_pre):
            return True
    return False
