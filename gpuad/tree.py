"""Pytrees: nested tuples, lists and dicts of arrays, flattened to a list of leaves.

The module is also ``jax.tree``'s namespace: ``gpuad.tree.map``, ``gpuad.tree.leaves``, ...
(key paths live in :mod:`gpuad.tree_paths`; :mod:`gpuad.tree_util` has jax.tree_util's names).
"""

from __future__ import annotations

import builtins
import functools
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

TreeDef = Any


class PyTreeDef(tuple):
    """The structure of a pytree (what :func:`tree_structure` returns), with the methods of
    JAX's ``PyTreeDef``. It is a plain tuple description underneath: equal (and hashing
    equal) to the tuple it wraps, so structures compare as before.

    Example::

        leaves, td = tree_flatten({"a": 1, "b": (2, 3)})
        td.num_leaves, td.unflatten([4, 5, 6]), str(td)  # 3, {...}, "PyTreeDef({'a': *, ...})"
    """

    __slots__ = ()

    @property
    def num_leaves(self) -> int:
        return _count(self)

    @property
    def num_nodes(self) -> int:
        return _nodes(self)

    def unflatten(self, leaves: Sequence) -> Any:
        """The tree of this structure holding ``leaves`` (as :func:`tree_unflatten`)."""
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree: Any) -> list:
        """The subtrees of ``tree`` at this structure's leaves (this structure must be a prefix
        of ``tree``'s); ``ValueError`` where ``tree`` has another structure."""
        out: list = []
        _up_to(self, tree, out, 1, "flatten_up_to")
        return out

    def children(self) -> list[PyTreeDef]:
        """The structures of the top node's children."""
        if self == () or self[0] is None:
            return []
        return [PyTreeDef(c) for c in (self[2] if self[0] is dict else self[1])]

    def node_data(self) -> tuple | None:
        """``(type, metadata)`` of the top node (``None`` for a leaf)."""
        if self == ():
            return None
        if self[0] is None:
            return (type(None), None)
        if self[0] is dict:
            kind = self[3] if len(self) > 3 else dict
            return (getattr(kind, "cls", kind), list(self[1]))
        if isinstance(self[0], _Custom):
            return (self[0].cls, self[0].aux)
        return (self[0], None)

    def compose(self, inner: TreeDef) -> PyTreeDef:
        """This structure with each leaf replaced by the structure ``inner``."""
        return PyTreeDef(_compose(self, inner))

    def __reduce__(self):
        return (PyTreeDef, (tuple(self),))

    def __repr__(self) -> str:
        return f"PyTreeDef({_fmt(self)})"

    __str__ = __repr__


def _nodes(d) -> int:
    if d == () or d[0] is None:
        return 1
    return 1 + sum(_nodes(c) for c in (d[2] if d[0] is dict else d[1]))


def _compose(d, inner):
    if d == ():
        return tuple(inner)
    if d[0] is None:
        return d
    if d[0] is dict:
        return (dict, d[1], [_compose(c, inner) for c in d[2]], *d[3:])
    return (d[0], [_compose(c, inner) for c in d[1]])


def _fmt(d) -> str:
    """JAX's printed form of a structure: ``*`` for a leaf, containers as Python writes them,
    other nodes as ``CustomNode(Type[metadata], [children])``."""
    if d == ():
        return "*"
    if d[0] is None:
        return "None"
    if d[0] is dict:
        if len(d) > 3:
            kind = d[3]
            meta = tuple(d[1]) if kind is OrderedDict else (kind.factory, tuple(d[1]))
            kids = ", ".join(_fmt(c) for c in d[2])
            return f"CustomNode({getattr(kind, 'cls', kind).__name__}[{meta!r}], [{kids}])"
        return "{" + ", ".join(f"{k!r}: {_fmt(c)}" for k, c in zip(d[1], d[2],
                                                                    strict=True)) + "}"
    kids = ", ".join(_fmt(c) for c in d[1])
    if d[0] is tuple:
        return f"({kids},)" if len(d[1]) == 1 else f"({kids})"
    if d[0] is list:
        return f"[{kids}]"
    if isinstance(d[0], _Custom):
        return f"CustomNode({d[0].cls.__name__}[{d[0].aux}], [{kids}])"
    return f"CustomNode(namedtuple[{d[0].__name__}], [{kids}])"


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

    def __reduce__(self):
        # pickled by its type and auxiliary data, the rebuilding function found again in the
        # registry when loaded (as JAX's treedefs): a registration's functions are often
        # lambdas or local functions, which do not pickle
        return (_custom_node, (self.cls, self.aux))


def _custom_node(cls: type, aux: Any) -> _Custom:
    entry = _REGISTRY.get(cls)
    if entry is None:
        raise ValueError(f"loading a PyTreeDef: {cls.__name__} is not registered as a pytree "
                         f"node in this process; register it before unpickling")
    return _Custom(cls, aux, entry[1])


#: type -> (flatten, unflatten) of the types registered as containers
_REGISTRY: dict[type, tuple[Callable, Callable]] = {}
#: the registered subclasses of tuple, list and dict (their registration wins over the base's)
_SUBCLASSED: set[type] = set()
#: type -> flatten_with_keys of the types registered with keys (their children's path entries)
_KEYED: dict[type, Callable] = {}


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
    if nodetype in (tuple, list, dict, type(None), OrderedDict, defaultdict):
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is a container already")
    if nodetype in _REGISTRY:
        raise ValueError(f"register_pytree_node: {nodetype.__name__} is registered already")
    _REGISTRY[nodetype] = (flatten_func, unflatten_func)
    if issubclass(nodetype, tuple | list | dict):
        _SUBCLASSED.add(nodetype)


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
    _KEYED[nodetype] = lambda x: ([(_key("GetAttrKey", n), getattr(x, n)) for n in data],
                                  tuple(getattr(x, n) for n in meta))
    return nodetype


def _key(kind: str, v):
    from . import tree_paths

    return getattr(tree_paths, kind)(v)


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable,
                              unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
    """:func:`register_pytree_node` where ``flatten_with_keys(x)`` returns ``([(key, child),
    ...], aux_data)``: the keys name the children in paths (:func:`tree_flatten_with_path`),
    as ``jax.tree_util.register_pytree_with_keys``.

    Example::

        register_pytree_with_keys(Pair, lambda p: (((GetAttrKey("a"), p.a),
                                                    (GetAttrKey("b"), p.b)), None),
                                  lambda aux, kids: Pair(*kids))
    """
    if flatten_func is None:
        def flatten_func(x):
            pairs, aux = flatten_with_keys(x)
            return [c for _, c in pairs], aux
    register_pytree_node(nodetype, flatten_func, unflatten_func)
    _KEYED[nodetype] = flatten_with_keys


def register_pytree_with_keys_class(cls: type) -> type:
    """Class decorator: :func:`register_pytree_with_keys` with the class's
    ``tree_flatten_with_keys`` method, its ``tree_unflatten`` classmethod and, where it has
    one, its ``tree_flatten`` method."""
    flat = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(cls, lambda x: x.tree_flatten_with_keys(), cls.tree_unflatten,
                              (lambda x: x.tree_flatten()) if flat is not None else None)
    return cls


def register_static(cls: type) -> type:
    """Class decorator: instances of ``cls`` are nodes without children (the whole object is
    part of the structure, so ``jit`` treats it as a static value), as
    ``jax.tree_util.register_static``."""
    register_pytree_node(cls, lambda x: ((), x), lambda aux, _: aux)
    return cls


def _custom(t: Any):
    """``(node, children)`` for an instance of a registered type."""
    flatten, unflatten = _REGISTRY[t.__class__]
    pair = flatten(t)
    try:
        kids, aux = pair
        return _Custom(t.__class__, aux, unflatten), list(kids)
    except (TypeError, ValueError):
        raise ValueError(f"the flatten function registered for {t.__class__.__name__} must "
                         f"return a pair (children, aux_data) with iterable children, got "
                         f"{pair!r:.80}") from None


def _walk(t: Any, leaves: list) -> TreeDef:
    if _SUBCLASSED and t.__class__ in _SUBCLASSED:
        node, kids = _custom(t)
        return (node, [_walk(c, leaves) for c in kids])
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
    if _SUBCLASSED and t.__class__ in _SUBCLASSED:
        node, kids = _custom(t)
        return (node, [_walk_leaf(c, leaves, is_leaf) for c in kids])
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
        return leaves, PyTreeDef(_walk(tree, leaves))
    return leaves, PyTreeDef(_walk_leaf(tree, leaves, is_leaf))


def tree_unflatten(tdef: TreeDef, leaves: Sequence) -> Any:
    """Inverse of :func:`tree_flatten`: the tree of structure ``tdef`` holding ``leaves``.

    Example: ``tree_unflatten(tree_structure((0, [0])), [1, 2])`` is ``(1, [2])``
    """
    it = iter(leaves)
    try:
        out = _build(tdef, it)
    except StopIteration:
        got = f", got {len(leaves)}" if hasattr(leaves, "__len__") else ""
        raise ValueError(f"tree_unflatten: too few leaves for {PyTreeDef(tdef)}: it holds "
                         f"{_count(tdef)}{got}") from None
    if isinstance(leaves, list | tuple) and next(it, _END) is not _END:  # (not an iterator)
        raise ValueError(f"tree_unflatten: too many leaves for {PyTreeDef(tdef)}: it holds "
                         f"{_count(tdef)}, got {len(leaves)}")
    return out


_END = object()


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


def _up_to(d: TreeDef, t: Any, out: list, k: int, who: str = "tree_map") -> None:
    """The subtrees of ``t`` at the leaves of structure ``d`` (``d`` is a prefix of ``t``'s
    structure), appended to ``out``; an error naming tree ``k`` where ``t`` has another
    structure."""
    if d == ():
        out.append(t)
        return
    if d[0] is None:
        if t is not None:
            raise ValueError(f"{who}: tree {k} has {_kind(t)} where the first tree has None")
        return
    if d[0] is dict:
        if not isinstance(t, dict) or set(t) != set(d[1]):
            got = f"a dict with keys {sorted(t, key=repr)}" if isinstance(t, dict) else _kind(t)
            raise ValueError(f"{who}: tree {k} has {got} where the first tree has a dict "
                             f"with keys {list(d[1])}; every tree must have the first one's "
                             f"structure")
        for key, c in zip(d[1], d[2], strict=True):
            _up_to(c, t[key], out, k, who)
        return
    if isinstance(d[0], _Custom):
        node, kids = _custom(t) if _REGISTRY.get(t.__class__) else (None, None)
        if node != d[0]:
            raise ValueError(f"{who}: tree {k} has {_kind(t)} where the first tree has "
                             f"{d[0]!r}; every tree must have the first one's structure")
        t = kids
    elif type(t) is not d[0] or len(t) != len(d[1]):
        raise ValueError(f"{who}: tree {k} has {_kind(t)} where the first tree has a "
                         f"{d[0].__name__} of length {len(d[1])}; every tree must have the "
                         f"first one's structure")
    for c, x in zip(d[1], t, strict=True):
        _up_to(c, x, out, k, who)


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
    return functools.reduce(fn, tree_leaves(tree, is_leaf), *initializer)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every leaf of ``tree`` is true. Example: ``tree_all([True, (1, 2)])`` is True"""
    return builtins.all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Any, is_leaf: Callable[[Any], bool] | None = None) -> bool:
    """Whether every element of ``iterable`` is a leaf (as ``jax.tree_util.all_leaves``).

    Example: ``all_leaves([1, 2.0])`` is True, ``all_leaves([(1,)])`` is False
    """
    return builtins.all(tree_structure(x, is_leaf) == () for x in iterable)


def treedef_is_leaf(treedef: TreeDef) -> bool:
    """Whether a structure has one node (a leaf, ``None`` or an empty container), as JAX's."""
    return _nodes(treedef) == 1


def treedef_children(treedef: TreeDef) -> list[PyTreeDef]:
    """The structures of the top node's children (``treedef.children()``)."""
    return PyTreeDef(treedef).children()


def treedef_tuple(treedefs: Sequence[TreeDef]) -> PyTreeDef:
    """The structure of a tuple of subtrees of the structures ``treedefs``.

    Example: ``treedef_tuple([tree_structure(1)] * 2) == tree_structure((1, 2))``
    """
    return PyTreeDef((tuple, [tuple(d) for d in treedefs]))


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """``prefix_tree`` with each leaf repeated over the subtree of ``full_tree`` it covers
    (``prefix_tree``'s structure must be a prefix of ``full_tree``'s), as
    ``jax.tree_util.tree_broadcast``.

    Example: ``tree_broadcast((1, 2), (0, [0, 0]))`` is ``(1, [2, 2])``
    """
    leaves, tdef = tree_flatten(prefix_tree, is_leaf)
    subs: list = []
    _up_to(tdef, full_tree, subs, 1, "tree_broadcast")
    return tree_unflatten(tdef, [tree_map(lambda _, v=v: v, s, is_leaf=is_leaf)
                                 for v, s in zip(leaves, subs, strict=True)])


def _count(d: TreeDef) -> int:
    if d == ():
        return 1
    if d[0] is None:
        return 0
    return sum(_count(c) for c in (d[2] if d[0] is dict else d[1]))


def tree_transpose(outer: TreeDef, inner: TreeDef | None, tree: Any) -> Any:
    """A tree of structure ``outer`` holding trees of structure ``inner``, turned into one of
    structure ``inner`` holding trees of structure ``outer`` (structures from
    :func:`tree_structure`), as ``jax.tree_util.tree_transpose``.

    Example: ``[(1, 2), (3, 4)]`` with outer ``[*, *]`` and inner ``(*, *)`` gives
    ``([1, 3], [2, 4])``
    """
    subtrees: list = []
    try:
        _up_to(outer, tree, subtrees, 1, "tree_transpose")
    except ValueError as e:  # (a TypeError, as JAX raises)
        raise TypeError(f"{e} (mismatch with the outer structure)") from None
    if inner is None:  # the first subtree's structure (as JAX)
        if not subtrees:
            raise ValueError("tree_transpose: inner=None needs an outer structure with leaves")
        inner = tree_structure(subtrees[0])
    n = _count(inner)
    rows = []
    for sub in subtrees:
        leaves, d = tree_flatten(sub)
        if d != inner:
            raise TypeError(f"tree_transpose: mismatch: a subtree has structure {PyTreeDef(d)}, "
                            f"not the inner structure {PyTreeDef(inner)}")
        rows.append(leaves)
    cols = [tree_unflatten(outer, [r[j] for r in rows]) for j in range(n)]
    return tree_unflatten(inner, cols)


class _Opaque:
    """A ``functools.partial`` given to :class:`Partial` as its function: called, compared
    and hashed as that partial, but not merged into the new one (its arguments stay part of
    the function, not children of the tree)."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __eq__(self, other) -> bool:
        return self.fn == (other.fn if isinstance(other, _Opaque) else other)

    def __hash__(self) -> int:
        return hash(self.fn)

    def __repr__(self) -> str:
        return repr(self.fn)


class Partial(functools.partial):
    """``functools.partial`` that is a pytree: its positional and keyword arguments are the
    children and its function is part of the structure, so it can be passed to jitted and
    transformed functions (as ``jax.tree_util.Partial``).

    Example::

        scale = Partial(gnp.multiply, 2.0)
        gpuad.jit(lambda f, x: f(x))(scale, x)
    """

    def __new__(cls, func: Callable, *args: Any, **kwargs: Any):
        if isinstance(func, functools.partial):
            func = _Opaque(func)
        return super().__new__(cls, func, *args, **kwargs)


register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func),
                     lambda func, kids: Partial(func, *kids[0], **kids[1]))

# ---- jax.tree's short names: gpuad.tree.map, gpuad.tree.leaves, ... ------------------------
from .tree_paths import (  # noqa: E402  (tree_paths reads this module's registry)
    tree_flatten_with_path,
    tree_leaves_with_path,
    tree_map_with_path,
)

map = tree_map  # noqa: A001
leaves = tree_leaves
structure = tree_structure
flatten = tree_flatten
unflatten = tree_unflatten
reduce = tree_reduce
all = tree_all  # noqa: A001
transpose = tree_transpose
broadcast = tree_broadcast
map_with_path = tree_map_with_path
leaves_with_path = tree_leaves_with_path
flatten_with_path = tree_flatten_with_path
