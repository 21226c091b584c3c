"""Key paths of pytrees: where each leaf sits (``[0]['w'].bias``), with jax.tree_util's key
types and functions (tree_flatten_with_path, tree_map_with_path, keystr)."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from . import tree as _tree


class _Key:
    """A path entry: one field, compared and hashed with its class."""

    __slots__ = ()
    _field = ""

    def __init__(self, value: Any) -> None:
        object.__setattr__(self, self._field, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _value(self):
        return getattr(self, self._field)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._value() == self._value()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._value()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._field}={self._value()!r})"

    def __reduce__(self):
        return (type(self), (self._value(),))


class SequenceKey(_Key):
    """The position of a child of a tuple or list: ``str(SequenceKey(0))`` is ``[0]``."""

    __slots__ = ("idx",)
    __match_args__ = ("idx",)
    _field = "idx"

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


class DictKey(_Key):
    """The key of a child of a dict: ``str(DictKey('w'))`` is ``['w']``."""

    __slots__ = ("key",)
    __match_args__ = ("key",)
    _field = "key"

    def __str__(self) -> str:
        return f"[{self.key!r}]"


class GetAttrKey(_Key):
    """The attribute holding a child (named tuples, dataclasses): ``.name``."""

    __slots__ = ("name",)
    __match_args__ = ("name",)
    _field = "name"

    def __str__(self) -> str:
        return f".{self.name}"


class FlattenedIndexKey(_Key):
    """The position of a child of a node registered without keys: ``[<flat index 0>]``."""

    __slots__ = ("key",)
    __match_args__ = ("key",)
    _field = "key"

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry = Any
KeyPath = tuple


def keystr(keys: Sequence, *, simple: bool = False, separator: str = "") -> str:
    """A path as text: ``keystr((SequenceKey(0), DictKey('w')))`` is ``"[0]['w']"``; with
    ``simple=True`` only the bare keys, joined by ``separator`` (``0/w`` for ``'/'``)."""
    if not simple:
        return separator.join(str(k) for k in keys)
    return separator.join(str(k._value()) if isinstance(k, _Key) else str(k) for k in keys)


def _children_with_keys(t: Any) -> tuple[Any, list]:
    """``(node, [(key, child), ...])`` of a container ``t`` (as ``tree_flatten`` sees it), or
    ``(None, None)`` for a leaf."""
    cls = t.__class__
    if _tree._SUBCLASSED and cls in _tree._SUBCLASSED or (
            cls in _tree._REGISTRY and not isinstance(t, tuple | list | dict)):
        node, kids = _tree._custom(t)
        keyed = _tree._KEYED.get(cls)
        if keyed is None:
            return node, [(FlattenedIndexKey(i), c) for i, c in enumerate(kids)]
        pairs = list(keyed(t)[0])
        return node, [(k, c) for (k, _), c in zip(pairs, kids, strict=True)]
    if isinstance(t, tuple) and hasattr(t, "_fields"):  # a named tuple
        return cls, [(GetAttrKey(f), c) for f, c in zip(t._fields, t, strict=True)]
    if isinstance(t, tuple | list):
        return cls, [(SequenceKey(i), c) for i, c in enumerate(t)]
    if isinstance(t, dict):
        keys = list(t) if isinstance(t, OrderedDict) else sorted(t)
        return (dict, keys), [(DictKey(k), t[k]) for k in keys]
    if t is None:
        return None, []
    return (), None


def _walk(t: Any, path: tuple, out: list, is_leaf, takes_path: bool):
    if is_leaf is not None and (is_leaf(path, t) if takes_path else is_leaf(t)):
        out.append((path, t))
        return ()
    node, kids = _children_with_keys(t)
    if kids is None:
        out.append((path, t))
        return ()
    if node is None:
        return (None,)
    subs = [_walk(c, (*path, k), out, is_leaf, takes_path) for k, c in kids]
    if isinstance(node, tuple):  # a dict
        if isinstance(t, OrderedDict):
            return (dict, node[1], subs, OrderedDict)
        if isinstance(t, defaultdict):
            return (dict, node[1], subs, _tree._DictKind(defaultdict, t.default_factory))
        return (dict, node[1], subs)
    return (node, subs)


def tree_flatten_with_path(tree: Any, is_leaf: Callable | None = None,
                           is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[tuple, Any]], _tree.PyTreeDef]:
    """``([(path, leaf), ...], structure)``: each leaf with the keys that lead to it, in
    :func:`gpuad.tree_flatten`'s order, and the same structure as ``tree_flatten``.

    Example: ``tree_flatten_with_path({'a': [1]})[0]`` is
    ``[((DictKey('a'), SequenceKey(0)), 1)]``
    """
    out: list = []
    return out, _tree.PyTreeDef(_walk(tree, (), out, is_leaf, is_leaf_takes_path))


def tree_leaves_with_path(tree: Any, is_leaf: Callable | None = None,
                          is_leaf_takes_path: bool = False) -> list[tuple[tuple, Any]]:
    """``[(path, leaf), ...]`` (the first part of :func:`tree_flatten_with_path`)."""
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
    """``f(path, leaf, *others)`` leaf by leaf, as :func:`gpuad.tree_map` with each leaf's
    path first (as ``jax.tree_util.tree_map_with_path``).

    Example: ``tree_map_with_path(lambda p, x: keystr(p), {'a': 1})`` is ``{'a': "['a']"}``
    """
    pairs, tdef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
    others = []
    for k, r in enumerate(rest, start=1):
        sub: list = []
        _tree._up_to(tdef, r, sub, k, "tree_map_with_path")
        others.append(sub)
    return _tree.tree_unflatten(tdef, [f(p, x, *xs) for (p, x), *xs in
                                       zip(pairs, *others, strict=True)])


def flatten_one_level_with_keys(tree: Any) -> tuple[list[tuple[Any, Any]], Any]:
    """``([(key, child), ...], metadata)`` of the top node of ``tree``: its children with their
    path entries, and what the structure keeps of the node (dict keys, a named tuple's class,
    a registered type's aux data); ``ValueError`` for a leaf.

    Example: ``flatten_one_level_with_keys({'b': 1, 'a': 2})`` is
    ``([(DictKey('a'), 2), (DictKey('b'), 1)], ('a', 'b'))``
    """
    node, kids = _children_with_keys(tree)
    if kids is None:
        raise ValueError(f"can't tree-flatten type: {type(tree)}")
    if isinstance(node, _tree._Custom):
        meta = node.aux
    elif isinstance(node, tuple):  # a dict
        meta = tuple(node[1])
    elif node in (tuple, list, None):
        meta = None
    else:  # a named tuple
        meta = node
    return kids, meta


def flatten_one_level(tree: Any) -> tuple[list, Any]:
    """``(children, metadata)`` of the top node of ``tree`` (as
    :func:`flatten_one_level_with_keys`, without the keys), as
    ``jax.tree_util.flatten_one_level``.

    Example: ``flatten_one_level((1, [2]))`` is ``([1, [2]], None)``
    """
    kids, meta = flatten_one_level_with_keys(tree)
    return [c for _, c in kids], meta
