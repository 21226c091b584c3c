"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves."""

from __future__ import annotations

from typing import Any

TreeDef = Any


def tree_flatten(tree: Any) -> tuple[list, TreeDef]:
    """Leaves in a fixed order, and a description to rebuild the structure.

    Example: ``tree_flatten({"w": w, "b": (b1, b2)})`` -> ``([b1, b2, w], ...)``
    """
    leaves: list = []

    def walk(t):
        if isinstance(t, tuple | list):
            return (type(t), [walk(c) for c in t])
        if isinstance(t, dict):
            keys = sorted(t)
            return (dict, keys, [walk(t[k]) for k in keys])
        if t is None:
            return (None,)
        leaves.append(t)
        return ()

    return leaves, walk(tree)


def tree_unflatten(tdef: TreeDef, leaves: list) -> Any:
    """Inverse of :func:`tree_flatten`."""
    it = iter(leaves)

    def build(d):
        if d == ():
            return next(it)
        if d[0] is None:
            return None
        if d[0] is dict:
            return {k: build(c) for k, c in zip(d[1], d[2], strict=True)}
        kids = [build(c) for c in d[1]]
        return d[0](kids) if d[0] in (tuple, list) else d[0](*kids)

    return build(tdef)


def tree_map(fn, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` leaf by leaf. Example: ``tree_map(lambda p, g: p - 0.1 * g, params, grads)``"""
    leaves, tdef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(tdef, [fn(*xs) for xs in zip(leaves, *others, strict=True)])
