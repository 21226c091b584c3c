"""``optax.tree``: the newer short names of :mod:`gpuad.optax.tree_utils`
(``optax.tree.norm(updates)`` for ``optax.tree_utils.tree_l2_norm(updates)``)."""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from ..tree import tree_map
from . import tree_utils as _tu

add = _tu.tree_add
add_scale = _tu.tree_add_scale
cast = _tu.tree_cast
div = _tu.tree_div
full_like = _tu.tree_full_like
get = _tu.tree_get
get_all_with_path = _tu.tree_get_all_with_path
max = _tu.tree_max  # noqa: A001
mul = _tu.tree_mul
ones_like = _tu.tree_ones_like
scale = _tu.tree_scalar_mul
set = _tu.tree_set  # noqa: A001
sub = _tu.tree_sub
sum = _tu.tree_sum  # noqa: A001
vdot = _tu.tree_vdot
where = _tu.tree_where
zeros_like = _tu.tree_zeros_like


def norm(tree: Any, ord: Any = 2, squared: bool = False) -> Any:
    """The norm of all the leaves together: ``ord`` 2 (its square with ``squared``), 1 or
    ``inf``.

    Example::

        norm({"a": np.array([3.0]), "b": np.array([4.0])})  # 5.0
    """
    if ord in (2, "fro", None):
        return _tu.tree_l2_norm(tree, squared=squared)
    if squared:
        raise ValueError(f"norm: squared=True is for ord=2, got ord={ord!r}")
    if ord == 1:
        return _tu.tree_l1_norm(tree)
    if ord in (float("inf"), "inf"):
        return _tu.tree_linf_norm(tree)
    raise ValueError(f"norm: ord must be 1, 2 or inf, got {ord!r}")


def conj(tree: Any) -> Any:
    """The complex conjugate of every leaf."""
    return tree_map(gnp.conj, tree)


def real(tree: Any) -> Any:
    """The real part of every leaf."""
    return tree_map(gnp.real, tree)


__all__ = [
    "add",
    "add_scale",
    "cast",
    "conj",
    "div",
    "full_like",
    "get",
    "get_all_with_path",
    "max",
    "mul",
    "norm",
    "ones_like",
    "real",
    "scale",
    "set",
    "sub",
    "sum",
    "vdot",
    "where",
    "zeros_like",
]
