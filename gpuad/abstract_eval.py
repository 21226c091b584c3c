"""``eval_shape`` and ``ShapeDtypeStruct``: the shapes and dtypes of a function's outputs.

gpuad has no abstract tracer: ``eval_shape`` runs the function once on zeros of the given
shapes, recording nothing for differentiation, and hands back only the shapes and dtypes (it
costs one forward, where JAX's costs none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _state
from .backends import get_backend
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten


class ShapeDtypeStruct:
    """A shape and a dtype, standing for an array (``jax.ShapeDtypeStruct``).

    Example: ``gpuad.eval_shape(f, gpuad.ShapeDtypeStruct((2, 3), "float32"))``
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: Any, dtype: Any, **_ignored: Any):
        if dtype is None:
            raise ValueError("ShapeDtypeStruct: dtype must be specified")
        self.shape = tuple(int(s) for s in shape)
        self.dtype = _np.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(_np.prod(self.shape, dtype=_np.int64))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ShapeDtypeStruct)
            and self.shape == other.shape
            and self.dtype == other.dtype
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d ShapeDtypeStruct)")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"

    def update(self, **kwargs: Any) -> ShapeDtypeStruct:
        """A copy with ``shape`` and/or ``dtype`` replaced (``jax.ShapeDtypeStruct.update``;
        a ``sharding`` or ``weak_type`` is accepted and ignored, as by the constructor)."""
        unknown = set(kwargs) - {"shape", "dtype", "sharding", "weak_type"}
        if unknown:
            raise TypeError(f"ShapeDtypeStruct.update: unexpected keyword argument(s) "
                            f"{sorted(unknown)}")
        return ShapeDtypeStruct(kwargs.get("shape", self.shape), kwargs.get("dtype", self.dtype))


def _stand_in(x: Any) -> Any:
    """Zeros in place of an array (or ShapeDtypeStruct) leaf; other leaves as they are."""
    if (
        isinstance(x, ShapeDtypeStruct)
        or isinstance(x, Tensor)
        or (hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, _np.generic))
    ):
        return get_backend().xp.zeros(tuple(x.shape), _np.dtype(x.dtype))
    return x


def _struct(x: Any) -> Any:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return ShapeDtypeStruct(x.shape, x.dtype)
    if isinstance(x, bool | int | float | complex):
        return ShapeDtypeStruct((), _np.asarray(x).dtype)
    return x


def _duck_container(x: Any) -> bool:
    return (isinstance(x, dict | list | tuple) and not isinstance(x, ShapeDtypeStruct)
            and hasattr(x, "shape") and hasattr(x, "dtype"))


def eval_shape(fun: Callable, *args: Any, **kwargs: Any) -> Any:
    """The shapes and dtypes of ``fun(*args, **kwargs)``, as a pytree of
    :class:`ShapeDtypeStruct`. Array leaves of the arguments (arrays, Tensors,
    ShapeDtypeStruct) stand for arrays of their shape and dtype; their values are not read.

    Example::

        out = gpuad.eval_shape(lambda x: x @ x.T, gpuad.ShapeDtypeStruct((2, 3), "float32"))
        out.shape   # (2, 2)
    """
    # a container that also carries shape and dtype (a dict subclass with attribute access)
    # stands for one array, as in JAX, whose pytrees do not flatten unregistered subclasses
    leaves, tdef = tree_flatten((args, kwargs), is_leaf=_duck_container)
    from .jit import trace as _trace

    tr = _trace.active()
    if tr is not None:  # inside gpuad.jit: nothing of this run belongs to the program
        tr.paused += 1
    try:
        with _state.no_grad(), _np.errstate(all="ignore"):  # zeros stand for the values
            a, kw = tree_unflatten(tdef, [_stand_in(x) for x in leaves])
            out = fun(*a, **kw)
    finally:
        if tr is not None:
            tr.paused -= 1
    out_leaves, out_def = tree_flatten(out)
    return tree_unflatten(out_def, [_struct(x) for x in out_leaves])
