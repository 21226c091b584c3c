"""jax.tree_util's names in one module: ``from gpuad import tree_util`` (or
``import gpuad.tree_util as tu``) for code written against ``jax.tree_util``.

Example::

    from gpuad import tree_util as tu

    paths = [tu.keystr(p) for p, _ in tu.tree_flatten_with_path({"w": [1, 2]})[0]]
"""

from __future__ import annotations

from .tree import (
    Partial,
    PyTreeDef,
    all_leaves,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    register_pytree_with_keys_class,
    register_static,
    tree_all,
    tree_broadcast,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_transpose,
    tree_unflatten,
    treedef_children,
    treedef_is_leaf,
    treedef_tuple,
)
from .tree_paths import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    KeyEntry,
    KeyPath,
    SequenceKey,
    flatten_one_level,
    flatten_one_level_with_keys,
    keystr,
    tree_flatten_with_path,
    tree_leaves_with_path,
    tree_map_with_path,
)

__all__ = [
    "Partial", "PyTreeDef", "all_leaves", "register_dataclass", "register_pytree_node",
    "register_pytree_node_class", "register_pytree_with_keys",
    "register_pytree_with_keys_class", "register_static", "tree_all", "tree_broadcast",
    "tree_flatten", "tree_leaves", "tree_map", "tree_reduce", "tree_structure",
    "tree_transpose", "tree_unflatten", "treedef_children", "treedef_is_leaf", "treedef_tuple",
    "DictKey", "FlattenedIndexKey", "GetAttrKey", "KeyEntry", "KeyPath", "SequenceKey",
    "keystr", "flatten_one_level", "flatten_one_level_with_keys",
    "tree_flatten_with_path", "tree_leaves_with_path", "tree_map_with_path",
]
