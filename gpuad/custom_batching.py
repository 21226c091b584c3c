"""Custom batching rules, as ``jax.custom_batching``: :class:`custom_vmap` and
:func:`sequential_vmap`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .batching import ACTIVE, from_batch, to_batch
from .tensor import Tensor
from .tree import tree_flatten, tree_map, tree_structure, tree_unflatten


class custom_vmap:
    """A function with its own rule under :func:`gpuad.vmap` (``jax.custom_batching.
    custom_vmap``): ``f = custom_vmap(fun)``; ``@f.def_vmap`` registers
    ``rule(axis_size, in_batched, *args) -> (out, out_batched)``.

    Called outside ``vmap``, ``f`` is ``fun``. Called on arguments batched by the innermost
    active ``vmap``, ``f`` calls the rule once with the whole batch: the batched arguments
    carry the batch as their axis 0, ``in_batched`` is a list of one pytree of bools per
    argument, and ``out_batched`` (a bool or a pytree of bools like ``out``) says which
    outputs carry the batch as their axis 0. Derivatives (``grad``, ``jvp``) go through the
    rule's own operations, as in JAX.
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule: Callable | None = None

    def def_vmap(self, rule: Callable) -> Callable:
        self.vmap_rule = rule
        return rule

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "fun")
        if self.vmap_rule is None:
            raise AttributeError(f"No batching rule defined for custom_vmap function {name} "
                                 f"using def_vmap.")
        leaves, tdef = tree_flatten(args)
        levels = [lv for x in leaves if isinstance(x, Tensor) and x._bat
                  for lv in x._bat if lv in ACTIVE]
        if not levels:
            return self.fun(*args)
        level = max(levels)  # the innermost vmap: a later one has a larger level
        flags, size = [], None
        for x in leaves:
            b = isinstance(x, Tensor) and x._bat is not None and level in x._bat
            if b and size is None:
                size = int(x._data.shape[x._bat.index(level)])
            flags.append(b)
        unbatched = [from_batch(x, level, 0, size) if b else x
                     for x, b in zip(leaves, flags, strict=True)]
        in_batched = list(tree_unflatten(tdef, flags))
        res = self.vmap_rule(size, in_batched, *tree_unflatten(tdef, unbatched))
        if not (isinstance(res, tuple | list) and len(res) == 2):
            raise TypeError(f"custom vmap rule ({getattr(self.vmap_rule, '__name__', 'rule')})"
                            f" must return a pair (out, out_batched), got {type(res).__name__}")
        out, out_batched = res
        rname = getattr(self.vmap_rule, "__name__", "rule")
        o_leaves, o_def = tree_flatten(out)
        if isinstance(out_batched, bool):
            b_leaves = [out_batched] * len(o_leaves)
        else:
            b_leaves, b_def = tree_flatten(out_batched)
            if b_def != o_def or not all(isinstance(b, bool) for b in b_leaves):
                raise ValueError(
                    f"structure of output value and output batching specification returned "
                    f"by custom vmap rule ({rname}) do not match: {o_def} and {b_def}")
        want = tree_structure(_example_out(self.fun, args, leaves, tdef, level))
        if want != o_def:
            raise ValueError(
                f"structure of output returned by custom vmap rule ({rname}) does not match "
                f"that of original custom-vmapped function ({name}): {o_def} and {want}")
        return tree_unflatten(o_def, [to_batch(o, level, 0) if b else o
                                      for o, b in zip(o_leaves, b_leaves, strict=True)])


def _example_out(fun: Callable, args: tuple, leaves: list, tdef: Any, level: int) -> Any:
    """``fun``'s output structure for one example (its shapes and dtypes, from a run on
    zeros of one example's shapes)."""
    from .abstract_eval import ShapeDtypeStruct, eval_shape

    one = []
    for x in leaves:
        if isinstance(x, Tensor) and x._bat is not None and level in x._bat:
            one.append(ShapeDtypeStruct(x.shape, x.dtype))  # x.shape is one example's
        else:
            one.append(x)
    return eval_shape(fun, *tree_unflatten(tdef, one))


def sequential_vmap(f: Callable) -> custom_vmap:
    """``f`` under ``vmap`` runs once per example (``gpuad.lax.map`` over the batched
    arguments), as ``jax.custom_batching.sequential_vmap``."""
    from .lax import map as lax_map

    g = custom_vmap(f)

    @g.def_vmap
    def rule(axis_size, in_batched, *args):
        leaves, tdef = tree_flatten(args)
        flags = tree_flatten(in_batched)[0]
        batched = tuple(x for x, b in zip(leaves, flags, strict=True) if b)

        def one(xs):
            it = iter(xs)
            return f(*tree_unflatten(tdef, [next(it) if b else x
                                            for x, b in zip(leaves, flags, strict=True)]))

        out = lax_map(one, batched)
        return out, tree_map(lambda _: True, out)

    return g


__all__ = ["custom_vmap", "sequential_vmap"]
