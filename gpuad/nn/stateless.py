"""Calling a Module with other weights: ``functional_call`` and ``stack_module_state``, as in
``torch.func``, so that ``grad``, ``vmap`` and ``jacrev`` can take a model's weights as an
argument (per-sample gradients, ensembles, neural tangent kernels)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .. import numpy as gnp
from .modules import Module, _is_parameter

__all__ = ["functional_call", "stack_module_state"]


def _slots(module: Module, prefix: str, seen: set[int]) -> Iterator[tuple[str, Any, Any]]:
    """(dotted name, holder, key) of every parameter, named as ``named_parameters`` names it;
    ``holder`` is a Module (an attribute), a list or a dict (an item)."""
    seen.add(id(module))
    for name, v in vars(module).items():
        yield from _slot(prefix + name, module, name, v, seen)


def _slot(name, holder, key, v, seen):
    if isinstance(v, Module):
        if id(v) not in seen:
            yield from _slots(v, name + ".", seen)
    elif _is_parameter(v):
        yield name, holder, key
    elif isinstance(v, list | dict):
        for k, u in (enumerate(v) if isinstance(v, list) else v.items()):
            yield from _slot(f"{name}.{k}", v, k, u, seen)
    elif isinstance(v, tuple) and any(isinstance(u, Module) or _is_parameter(u) for u in v):
        raise TypeError(f"functional_call: the parameters under {name!r} are held in a tuple, "
                        f"which cannot be swapped; hold them in a list")


def _get(holder, key):
    return getattr(holder, key) if isinstance(holder, Module) else holder[key]


def _put(holder, key, value) -> None:
    if isinstance(holder, Module):
        setattr(holder, key, value)
    else:
        holder[key] = value


def functional_call(module: Module, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
                    args: Any = (), kwargs: Mapping[str, Any] | None = None) -> Any:
    """``module(*args, **kwargs)`` with the weights named in ``parameters`` (a dict from the
    names of ``module.named_parameters()``, or a tuple of such dicts) used in place of its
    own, as ``torch.func.functional_call``; parameters not named keep their values. The module
    holds its own weights again when the call returns (or raises).

    Example::

        params = {k: v.detach() for k, v in model.named_parameters()}
        def loss(params, x, t):
            return F.mse_loss(nn.functional_call(model, params, (x,)), t)
        per_sample = gpuad.vmap(gpuad.grad(loss), in_axes=(None, 0, 0))(params, xs, ts)
    """
    if isinstance(parameters, Mapping):
        parameters = (parameters,)
    merged: dict[str, Any] = {}
    for d in parameters:
        for k, v in d.items():
            if k in merged:
                raise ValueError(f"functional_call: {k!r} is given in more than one dict")
            merged[k] = v
    slots = {name: (holder, key) for name, holder, key in _slots(module, "", set())}
    unknown = sorted(set(merged) - set(slots))
    if unknown:
        raise KeyError(f"functional_call: {unknown} are not parameters of "
                       f"{type(module).__name__} (its parameters are {sorted(slots)})")
    if not isinstance(args, tuple):
        args = (args,)
    old = {k: _get(*slots[k]) for k in merged}
    try:
        for k, v in merged.items():
            _put(*slots[k], v)
        return module(*args, **(kwargs or {}))
    finally:
        for k, v in old.items():
            _put(*slots[k], v)


def stack_module_state(modules: Sequence[Module]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, buffers)``: each parameter of modules of one architecture stacked along a new
    first axis (detached), as ``torch.func.stack_module_state``; gpuad modules hold no
    buffers, so the second dict is empty. With ``functional_call`` and ``vmap`` over axis 0
    this runs an ensemble.

    Example: ``params, _ = nn.stack_module_state([nn.Linear(3, 2) for _ in range(5)])``
    """
    if not modules:
        raise ValueError("stack_module_state: expected at least one module")
    named = [dict(m.named_parameters()) for m in modules]
    for i, d in enumerate(named[1:], 1):
        if list(d) != list(named[0]):
            raise ValueError(f"stack_module_state: module {i} has parameters {list(d)} but "
                             f"module 0 has {list(named[0])}")
    params = {k: gnp.stack([d[k].detach() for d in named]) for k in named[0]}
    return params, {}
