"""The key order of the dicts a compiled function returns, as eagerly.

Pytrees list a dict's keys sorted (two dicts with the same keys have one structure), so a
result rebuilt from its leaves would come back with sorted keys. Python dicts keep insertion
order, which callers see (``loss, aux = f(x).values()``, iteration, printing): the order of
the traced call's dicts is kept with the program and given back to each replay's result.

Example::

    f = gpuad.jit(lambda x: {"z": x, "a": x + 1})
    list(f(x))          # ["z", "a"], as f(x) eagerly
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def orders(tree: Any) -> Any:
    """The insertion order of the dicts in ``tree`` that do not list their keys sorted
    (nested like ``tree``); None when every dict does."""
    if type(tree) in (dict, defaultdict):
        keys = list(tree)
        kids = {k: o for k, v in tree.items() if (o := orders(v)) is not None}
        try:
            in_order = keys == sorted(keys)
        except TypeError:
            in_order = False
        return None if in_order and not kids else ("d", keys, kids)
    if type(tree) in (list, tuple) or isinstance(tree, tuple) and hasattr(tree, "_fields"):
        kids = [orders(v) for v in tree]
        return None if all(o is None for o in kids) else ("s", kids)
    return None


def restore(tree: Any, order: Any) -> Any:
    """``tree`` with its dicts' keys in ``order`` (from :func:`orders`)."""
    if order is None:
        return tree
    if order[0] == "d" and type(tree) in (dict, defaultdict) and set(tree) == set(order[1]):
        items = {k: restore(tree[k], order[2].get(k)) for k in order[1]}
        return defaultdict(tree.default_factory, items) if type(tree) is defaultdict else items
    if order[0] == "s" and isinstance(tree, list | tuple) and len(tree) == len(order[1]):
        items = [restore(v, o) for v, o in zip(tree, order[1], strict=True)]
        if type(tree) is list:
            return items
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return tree
