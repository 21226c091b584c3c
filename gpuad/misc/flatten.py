"""Pytrees of arrays to one vector and back, differentiable both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from ..backends import get_backend
from ..tensor import Tensor
from ..tree import tree_flatten, tree_unflatten


def flatten(value: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(vector, unflatten)``: the leaves of ``value`` (nested tuples, lists and dicts of
    arrays, Tensors or scalars; dict keys in sorted order) raveled into one 1-D array, and the
    function that rebuilds the same structure, shapes and dtypes from such a vector.

    As HIPS autograd's ``autograd.misc.flatten``. The vector is a backend array (a Tensor when
    a leaf is being differentiated); leaves of mixed dtypes are promoted in the vector and cast
    back by ``unflatten``, which then requires a vector of that promoted dtype (``TypeError``
    otherwise, as JAX's); leaves of one dtype unflatten in the vector's dtype. Both
    directions are recorded, so gradients flow through them.

    Example::

        vec, unflatten = flatten({"w": np.ones((2, 2)), "b": np.zeros(2)})
        vec.shape                  # (6,): b first, then w (sorted keys)
        unflatten(vec)["w"].shape  # (2, 2)
    """
    leaves, tdef = tree_flatten(value)
    xp = get_backend().xp
    leaves = [v if isinstance(v, Tensor) else xp.asarray(v) for v in leaves]
    shapes = [_r.shape(v) for v in leaves]
    dtypes = [_r.data(v).dtype for v in leaves]
    sizes = [gnp.size(v) for v in leaves]
    if leaves:
        vector = gnp.concatenate([gnp.ravel(v) for v in leaves])
    else:
        vector = xp.zeros(0)
    total = sum(sizes)
    flat_dtype = _r.data(vector).dtype

    def unflatten(vector: Any) -> Any:
        """The structure ``flatten`` was given, rebuilt from a 1-D ``vector``."""
        if _r.shape(vector) != (total,):
            raise ValueError(f"unflatten: expected a vector of shape ({total},), got shape "
                             f"{_r.shape(vector)}")
        # one dtype among the leaves: the pieces keep the vector's (a boolean mask or a
        # complex vector unflattens as such, as JAX's and autograd's); mixed dtypes: the
        # vector must have their promoted dtype, and each piece is cast back to its leaf's
        mixed = len(set(dtypes)) > 1
        if mixed and _r.data(vector).dtype != flat_dtype:
            raise TypeError(
                f"unflatten: got a vector of dtype {_r.data(vector).dtype} but expected dtype "
                f"{flat_dtype}, the promoted dtype of the leaves' mixed dtypes "
                f"{sorted(set(map(str, dtypes)))} (as JAX's ravel_pytree); cast the vector "
                f"first, e.g. gnp.astype(v, {str(flat_dtype)!r})")
        parts, start = [], 0
        for shape, dtype, n in zip(shapes, dtypes, sizes, strict=True):
            piece = gnp.reshape(gnp.getitem(vector, slice(start, start + n)), shape)
            if mixed and _r.data(piece).dtype != dtype:
                piece = gnp.astype(piece, dtype)
            parts.append(piece)
            start += n
        return tree_unflatten(tdef, parts)

    return vector, unflatten


def flatten_func(func: Callable, example: Any) -> tuple[Callable, Callable, Any]:
    """``(flat_func, unflatten, flat_example)``, as HIPS autograd's
    ``autograd.misc.flatten.flatten_func``: ``flat_func(vector, *args)`` is
    ``flatten(func(unflatten(vector), *args))[0]``, a function of one 1-D vector for
    ``scipy.optimize.minimize`` and ``grad``; ``flat_example`` is ``flatten(example)[0]``.

    Example::

        objective = lambda p: gnp.sum(p["w"] ** 2) + gnp.sum(p["b"])
        flat_obj, unflatten, x0 = flatten_func(objective, {"w": np.ones(2), "b": np.ones(3)})
        gpuad.grad(flat_obj)(x0)   # [1, 1, 1, 2, 2]: b first (sorted keys), then w
    """
    flat_example, unflatten = flatten(example)

    def flat_func(vector: Any, *args: Any) -> Any:
        return flatten(func(unflatten(vector), *args))[0]

    return flat_func, unflatten, flat_example
