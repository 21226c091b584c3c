"""``optax.tree_utils``: arithmetic on pytrees of arrays (leaf by leaf) and reading or
setting a named field of an optimizer state wherever it sits in the state's tree."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from ..tree import tree_leaves, tree_map
from ._base import _abs2, _on_device


def tree_add(tree_x: Any, tree_y: Any, *other_trees: Any) -> Any:
    """``x + y + ...`` leaf by leaf.

    Example::

        tree_add({"a": 1.0}, {"a": 2.0})  # {"a": 3.0}
    """
    return tree_map(
        lambda *xs: functools.reduce(lambda a, b: a + b, xs), tree_x, tree_y, *other_trees
    )


def tree_sub(tree_x: Any, tree_y: Any) -> Any:
    """``x - y`` leaf by leaf."""
    return tree_map(lambda x, y: x - y, tree_x, tree_y)


def tree_mul(tree_x: Any, tree_y: Any) -> Any:
    """``x * y`` leaf by leaf."""
    return tree_map(lambda x, y: x * y, tree_x, tree_y)


def tree_div(tree_x: Any, tree_y: Any) -> Any:
    """``x / y`` leaf by leaf."""
    return tree_map(lambda x, y: x / y, tree_x, tree_y)


def _scalar_like(scalar: Any, x: Any) -> Any:
    if isinstance(scalar, int | float) or not hasattr(x, "dtype"):
        return scalar
    return gnp.asarray(scalar).astype(x.dtype)


def tree_scalar_mul(scalar: Any, tree: Any) -> Any:
    """``scalar * x`` for every leaf, in the leaf's dtype."""
    return tree_map(lambda x: _scalar_like(scalar, x) * x, tree)


def tree_add_scale(tree_x: Any, scalar: Any, tree_y: Any) -> Any:
    """``x + scalar * y`` leaf by leaf."""
    return tree_map(lambda x, y: x + _scalar_like(scalar, y) * y, tree_x, tree_y)


def tree_vdot(tree_x: Any, tree_y: Any) -> Any:
    """The sum over leaves of ``vdot(x, y)`` (the first conjugated)."""
    parts = tree_leaves(tree_map(lambda x, y: gnp.vdot(x, y), tree_x, tree_y))
    return functools.reduce(lambda a, b: a + b, parts) if parts else gnp.zeros(())


def tree_sum(tree: Any) -> Any:
    """The sum of every element of every leaf."""
    parts = [gnp.sum(x) for x in tree_leaves(tree)]
    return functools.reduce(lambda a, b: a + b, parts) if parts else gnp.zeros(())


def tree_max(tree: Any) -> Any:
    """The largest element of all the leaves."""
    parts = [gnp.max(x) for x in tree_leaves(tree)]
    return functools.reduce(gnp.maximum, parts) if parts else gnp.asarray(-gnp.inf)


def tree_l2_norm(tree: Any, squared: bool = False) -> Any:
    """The Euclidean norm of all the leaves together (its square with ``squared``)."""
    parts = [gnp.sum(_abs2(x)) for x in tree_leaves(_on_device(tree))]
    sq = functools.reduce(lambda a, b: a + b, parts) if parts else gnp.zeros(())
    return sq if squared else gnp.sqrt(sq)


def tree_l1_norm(tree: Any) -> Any:
    """The sum of the absolute values of every element."""
    return tree_sum(tree_map(gnp.abs, tree))


def tree_linf_norm(tree: Any) -> Any:
    """The largest absolute value of every element (0 for no leaves)."""
    parts = [gnp.max(gnp.abs(x)) for x in tree_leaves(tree) if gnp.size(x)]
    return functools.reduce(gnp.maximum, parts) if parts else gnp.zeros(())


def tree_zeros_like(tree: Any, dtype: Any = None) -> Any:
    """Zeros shaped as every leaf (in ``dtype`` if given)."""
    return tree_map(lambda x: gnp.zeros_like(x, dtype=dtype), tree)


def tree_ones_like(tree: Any, dtype: Any = None) -> Any:
    """Ones shaped as every leaf (in ``dtype`` if given)."""
    return tree_map(lambda x: gnp.ones_like(x, dtype=dtype), tree)


def tree_full_like(tree: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``fill_value`` shaped as every leaf (in ``dtype`` if given)."""
    return tree_map(lambda x: gnp.full_like(x, fill_value, dtype=dtype), tree)


def tree_where(condition: Any, tree_x: Any, tree_y: Any) -> Any:
    """``where(condition, x, y)`` leaf by leaf, one ``condition`` for all."""
    return tree_map(lambda x, y: gnp.where(condition, x, y), tree_x, tree_y)


def tree_cast(tree: Any, dtype: Any) -> Any:
    """Every leaf cast to ``dtype`` (the tree as it is for ``None``)."""
    return tree if dtype is None else tree_map(lambda x: gnp.asarray(x).astype(dtype), tree)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _find(tree: Any, key: str, filtering: Callable | None, found: list) -> None:
    if _is_namedtuple(tree):
        for name, value in zip(tree._fields, tree, strict=True):
            if name == key and (filtering is None or filtering(name, value)):
                found.append(value)
            _find(value, key, filtering, found)
    elif isinstance(tree, dict):
        for name, value in tree.items():
            if name == key and (filtering is None or filtering(name, value)):
                found.append(value)
            _find(value, key, filtering, found)
    elif isinstance(tree, list | tuple):
        for value in tree:
            _find(value, key, filtering, found)


def tree_get_all_with_path(tree: Any, key: str, filtering: Callable | None = None) -> list:
    """Every value under the name ``key`` (a NamedTuple field or dict key) in ``tree``."""
    found: list = []
    _find(tree, key, filtering, found)
    return found


def tree_get(tree: Any, key: str, default: Any = None, filtering: Callable | None = None) -> Any:
    """The value named ``key`` (a NamedTuple field or dict key) anywhere in ``tree``, such
    as ``"count"`` in an optimizer state; ``default`` if there is none.

    Example::

        tree_get(adam(1e-3).init(params), "count")
    """
    found = tree_get_all_with_path(tree, key, filtering)
    if len(found) > 1:
        raise KeyError(
            f"tree_get: {len(found)} values are named {key!r} in the tree; pass filtering= "
            f"to pick one"
        )
    return found[0] if found else default


def tree_set(tree: Any, filtering: Callable | None = None, /, **kwargs: Any) -> Any:
    """``tree`` with every NamedTuple field or dict key named in ``kwargs`` set to its value
    (a new tree; the names must occur).

    Example::

        state = inject_hyperparams(adam)(learning_rate=1e-3).init(params)
        state = tree_set(state, learning_rate=1e-4)
    """
    seen: set = set()

    def walk(t: Any) -> Any:
        if _is_namedtuple(t):
            fields = {}
            for name, value in zip(t._fields, t, strict=True):
                if name in kwargs and (filtering is None or filtering(name, value)):
                    seen.add(name)
                    value = kwargs[name]
                else:
                    value = walk(value)
                fields[name] = value
            return type(t)(**fields)
        if isinstance(t, dict):
            out = {}
            for name, value in t.items():
                if name in kwargs and (filtering is None or filtering(name, value)):
                    seen.add(name)
                    out[name] = kwargs[name]
                else:
                    out[name] = walk(value)
            return type(t)(out) if type(t) is not dict else out
        if isinstance(t, list | tuple):
            return type(t)(walk(v) for v in t)
        return t

    out = walk(tree)
    missing = set(kwargs) - seen
    if missing:
        raise KeyError(f"tree_set: no field named {sorted(missing)} in the tree")
    return out


__all__ = [
    "tree_add",
    "tree_add_scale",
    "tree_cast",
    "tree_div",
    "tree_full_like",
    "tree_get",
    "tree_get_all_with_path",
    "tree_l1_norm",
    "tree_l2_norm",
    "tree_linf_norm",
    "tree_max",
    "tree_mul",
    "tree_ones_like",
    "tree_scalar_mul",
    "tree_set",
    "tree_sub",
    "tree_sum",
    "tree_vdot",
    "tree_where",
    "tree_zeros_like",
]
