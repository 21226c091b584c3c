"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

TreeDef = Any


def _walk(t: Any, leaves: list) -> TreeDef:
    if isinstance(t, tuple | list):
        return (type(t), [_walk(c, leaves) for c in t])
    if isinstance(t, OrderedDict):  # insertion order, and the type, are kept (as JAX)
        keys = list(t)
        return (dict, keys, [_walk(t[k], leaves) for k in keys], OrderedDict)
    if isinstance(t, dict):
        keys = sorted(t)
        return (dict, keys, [_walk(t[k], leaves) for k in keys])
    if t is None:
        return (None,)
    leaves.append(t)
    return ()


def _build(d: TreeDef, it: Iterator) -> Any:
    if d == ():
        return next(it)
    if d[0] is None:
        return None
    if d[0] is dict:
        out = {k: _build(c, it) for k, c in zip(d[1], d[2], strict=True)}
        return d[3](out) if len(d) > 3 else out
    kids = [_build(c, it) for c in d[1]]
    return d[0](kids) if d[0] in (tuple, list) else d[0](*kids)


def tree_flatten(tree: Any) -> tuple[list, TreeDef]:
    """Leaves in a fixed order, and a description to rebuild the structure.

    Example: ``tree_flatten({"w": w, "b": (b1, b2)})`` -> ``([b1, b2, w], ...)``
    """
    leaves: list = []
    return leaves, _walk(tree, leaves)


def tree_unflatten(tdef: TreeDef, leaves: list) -> Any:
    """Inverse of :func:`tree_flatten`."""
    return _build(tdef, iter(leaves))


def tree_map(fn, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf. Example: ``tree_map(lambda p, g: p - 0.1 * g, params, grads)``"""
    leaves, tdef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(tdef, [fn(*xs) for xs in zip(leaves, *others, strict=True)])
