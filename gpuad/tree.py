"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

TreeDef = Any


class _DictKind:
    """How a dict subclass is rebuilt from a plain dict (kept in the structure, as JAX keeps
    ``OrderedDict`` and ``defaultdict``)."""

    __slots__ = ("cls", "factory")

    def __init__(self, cls, factory=None):
        self.cls, self.factory = cls, factory

    def __call__(self, d: dict) -> dict:
        return self.cls(self.factory, d) if self.cls is defaultdict else self.cls(d)

    def __eq__(self, other) -> bool:
        return isinstance(other, _DictKind) and (self.cls, self.factory) == (other.cls,
                                                                            other.factory)

    def __hash__(self) -> int:
        return hash((self.cls, self.factory))

    def __repr__(self) -> str:
        return self.cls.__name__


class _Custom:
    """A node of a type given to :func:`register_pytree_node`: its type, its auxiliary data
    (part of the structure) and the function that rebuilds it from its children."""

    __slots__ = ("cls", "aux", "unflatten")

    def __init__(self, cls, aux, unflatten):
        self.cls, self.aux, self.unflatten = cls, aux, unflatten

    def __call__(self, *kids):
        return self.unflatten(self.aux, kids)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Custom) and self.cls is other.cls and self.aux == other.aux

    def __hash__(self) -> int:
        return hash((self.cls, self.aux))

    def __repr__(self) -> str:
        return f"{self.cls.__name__}[{self.aux!r}]"

    @property
    def __name__(self) -> str:
        return self.cls.__name__


#: type -> (flatten, unflatten) of the types registered as containers
_REGISTRY: dict[type, tuple[Callable, Callable]] = {}


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable
                         ) -> None:
    """Make instances of ``nodetype`` containers of pytrees, as
    ``jax.tree_util.register_pytree_node``: ``flatten_func(x)`` returns ``(children,
    aux_data)`` (``aux_data`` hashable, part of the structure) and
    ``unflatten_func(aux_data, children)`` rebuilds ``x``. Transforms then differentiate
    with respect to the children and return gradients of the same type.

    Example::

        register_pytree_node(Params, lambda p: ((p.w, p.b), None),
                             lambda aux, kids: Params(*kids))
    """
    if nodetype in (tuple, list, dict, type(None)) or issubclass(nodetype, tuple | list | dict):
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is a container already")
    if nodetype in _REGISTRY:
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is registered already")
    _REGISTRY[nodetype] = (flatten_func, unflatten_func)


def register_pytree_node_class(cls: type) -> type:
    """Class decorator: register ``cls`` with its ``tree_flatten`` method and its
    ``tree_unflatten(aux_data, children)`` classmethod, as JAX's decorator of that name."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def register_dataclass(nodetype: type, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None) -> type:
    """Register a dataclass as a container of its ``data_fields`` (its other fields,
    ``meta_fields``, are static: part of the structure), as
    ``jax.tree_util.register_dataclass``; without field lists, fields whose metadata holds
    ``static=True`` are static and the others data. Usable as a class decorator.

    Example::

        @gpuad.register_dataclass
        @dataclasses.dataclass
        class Layer:
            w: Any
            b: Any
    """
    import dataclasses

    if data_fields is None and meta_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(f"register_dataclass: {nodetype.__name__} is not a dataclass; "
                            f"give data_fields and meta_fields")
        fields = [f for f in dataclasses.fields(nodetype) if f.init]
        data = tuple(f.name for f in fields if not f.metadata.get("static", False))
        meta = tuple(f.name for f in fields if f.metadata.get("static", False))
    else:
        data, meta = tuple(data_fields or ()), tuple(meta_fields or ())

    def flatten(x):
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux, kids):
        return nodetype(**dict(zip(data, kids, strict=True)), **dict(zip(meta, aux,
                                                                          strict=True)))

    register_pytree_node(nodetype, flatten, unflatten)
    return nodetype


def _custom(t: Any):
    """``(node, children)`` for an instance of a registered type."""
    flatten, unflatten = _REGISTRY[t.__class__]
    kids, aux = flatten(t)
    return _Custom(t.__class__, aux, unflatten), list(kids)


def _walk(t: Any, leaves: list) -> TreeDef:
    if isinstance(t, tuple | list):
        return (type(t), [_walk(c, leaves) for c in t])
    if isinstance(t, OrderedDict):  # insertion order, and the type, are kept (as JAX)
        keys = list(t)
        return (dict, keys, [_walk(t[k], leaves) for k in keys], OrderedDict)
    if isinstance(t, dict):
        keys = sorted(t)
        kids = [_walk(t[k], leaves) for k in keys]
        if isinstance(t, defaultdict):
            return (dict, keys, kids, _DictKind(defaultdict, t.default_factory))
        return (dict, keys, kids)
    if t is None:
        return (None,)
    if _REGISTRY and t.__class__ in _REGISTRY:
        node, kids = _custom(t)
        return (node, [_walk(c, leaves) for c in kids])
    leaves.append(t)
    return ()


def _walk_leaf(t: Any, leaves: list, is_leaf: Callable[[Any], bool]) -> TreeDef:
    """:func:`_walk` where ``is_leaf(node)`` makes a whole subtree one leaf."""
    if is_leaf(t):
        leaves.append(t)
        return ()
    if isinstance(t, tuple | list):
        return (type(t), [_walk_leaf(c, leaves, is_leaf) for c in t])
    if isinstance(t, dict):
        keys = list(t) if isinstance(t, OrderedDict) else sorted(t)
        kids = [_walk_leaf(t[k], leaves, is_leaf) for k in keys]
        if isinstance(t, OrderedDict):
            return (dict, keys, kids, OrderedDict)
        if isinstance(t, defaultdict):
            return (dict, keys, kids, _DictKind(defaultdict, t.default_factory))
        return (dict, keys, kids)
    if t is None:
        return (None,)
    if _REGISTRY and t.__class__ in _REGISTRY:
        node, kids = _custom(t)
        return (node, [_walk_leaf(c, leaves, is_leaf) for c in kids])
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


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list, TreeDef]:
    """Leaves in a fixed order, and a description to rebuild the structure. Containers are
    tuples (named tuples too), lists and dicts (keys sorted; an ``OrderedDict`` in insertion
    order); ``None`` is an empty container; anything else is a leaf, and so is every node for
    which ``is_leaf(node)`` is true.

    Example: ``tree_flatten({"w": w, "b": (b1, b2)})`` -> ``([b1, b2, w], ...)``
    """
    leaves: list = []
    if is_leaf is None:
        return leaves, _walk(tree, leaves)
    return leaves, _walk_leaf(tree, leaves, is_leaf)


def tree_unflatten(tdef: TreeDef, leaves: list) -> Any:
    """Inverse of :func:`tree_flatten`."""
    return _build(tdef, iter(leaves))


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree`` in :func:`tree_flatten`'s order.

    Example: ``tree_leaves({"b": [1, 2], "a": 0})`` is ``[0, 1, 2]``
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeDef:
    """The structure of ``tree`` without its leaves (equal for trees that differ only in their
    leaves; :func:`tree_unflatten` rebuilds a tree from it).

    Example: ``tree_structure((1, [2, 3])) == tree_structure((4, [5, 6]))`` is True
    """
    return tree_flatten(tree, is_leaf)[1]


def _up_to(d: TreeDef, t: Any, out: list, k: int) -> None:
    """The subtrees of ``t`` at the leaves of structure ``d`` (``d`` is a prefix of ``t``'s
    structure), appended to ``out``; an error naming tree ``k`` where ``t`` has another
    structure."""
    if d == ():
        out.append(t)
        return
    if d[0] is None:
        if t is not None:
            raise ValueError(f"tree_map: tree {k} has {_kind(t)} where the first tree has None")
        return
    if d[0] is dict:
        if not isinstance(t, dict) or set(t) != set(d[1]):
            got = f"a dict with keys {sorted(t, key=repr)}" if isinstance(t, dict) else _kind(t)
            raise ValueError(f"tree_map: tree {k} has {got} where the first tree has a dict "
                             f"with keys {list(d[1])}; every tree must have the first one's "
                             f"structure")
        for key, c in zip(d[1], d[2], strict=True):
            _up_to(c, t[key], out, k)
        return
    if isinstance(d[0], _Custom):
        node, kids = _custom(t) if _REGISTRY.get(t.__class__) else (None, None)
        if node != d[0]:
            raise ValueError(f"tree_map: tree {k} has {_kind(t)} where the first tree has "
                             f"{d[0]!r}; every tree must have the first one's structure")
        t = kids
    elif type(t) is not d[0] or len(t) != len(d[1]):
        raise ValueError(f"tree_map: tree {k} has {_kind(t)} where the first tree has a "
                         f"{d[0].__name__} of length {len(d[1])}; every tree must have the "
                         f"first one's structure")
    for c, x in zip(d[1], t, strict=True):
        _up_to(c, x, out, k)


def _kind(t: Any) -> str:
    if isinstance(t, tuple | list):
        return f"a {type(t).__name__} of length {len(t)}"
    return "None" if t is None else f"a {type(t).__name__}"


def tree_map(fn: Callable, tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """Apply ``fn`` leaf by leaf: ``fn(leaf, *others)`` with the matching leaves (or, where
    ``tree`` has a leaf, whole subtrees) of the trees ``rest``, which must have ``tree``'s
    structure (or one that ``tree``'s is a prefix of), as ``jax.tree_util.tree_map``.

    Example: ``tree_map(lambda p, g: p - 0.1 * g, params, grads)``
    """
    leaves, tdef = tree_flatten(tree, is_leaf)
    others = []
    for k, r in enumerate(rest, start=1):
        sub: list = []
        _up_to(tdef, r, sub, k)
        others.append(sub)
    return tree_unflatten(tdef, [fn(*xs) for xs in zip(leaves, *others, strict=True)])


def tree_reduce(fn: Callable, tree: Any, *initializer: Any,
                is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """``functools.reduce(fn, tree_leaves(tree), *initializer)``, as JAX's.

    Example: ``tree_reduce(lambda a, b: a + b, {"a": 1, "b": (2, 3)})`` is 6
    """
    import functools

    return functools.reduce(fn, tree_leaves(tree, is_leaf), *initializer)


def tree_all(tree: Any) -> bool:
    """Whether every leaf of ``tree`` is true. Example: ``tree_all([True, (1, 2)])`` is True"""
    return all(tree_leaves(tree))


def _count(d: TreeDef) -> int:
    if d == ():
        return 1
    if d[0] is None:
        return 0
    return sum(_count(c) for c in (d[2] if d[0] is dict else d[1]))


def tree_transpose(outer: TreeDef, inner: TreeDef, tree: Any) -> Any:
    """A tree of structure ``outer`` holding trees of structure ``inner``, turned into one of
    structure ``inner`` holding trees of structure ``outer`` (structures from
    :func:`tree_structure`), as ``jax.tree_util.tree_transpose``.

    Example: ``[(1, 2), (3, 4)]`` with outer ``[*, *]`` and inner ``(*, *)`` gives
    ``([1, 3], [2, 4])``
    """
    subtrees: list = []
    _up_to(outer, tree, subtrees, 1)
    n = _count(inner)
    rows = []
    for sub in subtrees:
        leaves, d = tree_flatten(sub)
        if d != inner:
            raise ValueError(f"tree_transpose: a subtree has structure {d}, not the inner "
                             f"structure {inner}")
        rows.append(leaves)
    cols = [tree_unflatten(outer, [r[j] for r in rows]) for j in range(n)]
    return tree_unflatten(inner, cols)
