"""What the masked operations share: the mask broadcast to the input, torch's reading of
``dim``, and the value a masked-out element takes (the operation's identity).

Example: ``_filled("sum", x, _input_mask("sum", x, m))`` is ``x`` with zeros where ``m`` is
False.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import numpy as gnp
from .._raw import _xp, data, shape
from .._torch_args import _dtype
from ..tensor import Tensor


def as_input(x: Any) -> Any:
    """A Tensor or backend array as it is; anything else (a list, a number) as an array."""
    if isinstance(x, Tensor) or (hasattr(x, "shape") and hasattr(x, "dtype")):
        return x
    return gnp.asarray(x)


def dtype_or(dtype: Any, default: Any) -> np.dtype:
    """torch's ``dtype=`` (a NumPy or torch dtype) as a NumPy dtype, ``default`` when None."""
    return np.dtype(default) if dtype is None else _dtype(dtype)


def cast(x: Any, dtype: np.dtype) -> Any:
    return x if x.dtype == dtype else gnp.asarray(x).astype(dtype)


def canonical_dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """torch's ``dim`` as sorted non-negative dims: None or ``()`` is every dim; a 0-d input
    has the one dim 0 (or -1)."""
    if dim is None or (isinstance(dim, tuple | list) and len(dim) == 0):
        return tuple(range(ndim))
    n = max(ndim, 1)
    out: list[int] = []
    for d in (dim,) if isinstance(dim, int | np.integer) else tuple(dim):
        if not isinstance(d, int | np.integer) or isinstance(d, bool):
            raise TypeError(f"masked.{op}: dim must be an int or a tuple of ints, got {dim!r}")
        if not -n <= d < n:
            raise IndexError(f"masked.{op}: dim {d} is out of range for an input of {ndim} "
                             f"dimensions (expected one in [{-n}, {n - 1}])")
        if int(d) % n in out:
            raise ValueError(f"masked.{op}: dim {d} appears more than once in dim={dim!r}")
        out.append(int(d) % n)
    return tuple(sorted(out))


def one_dim(op: str, dim: Any, ndim: int) -> int:
    """A single dim, as :func:`canonical_dims` reads it."""
    if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
        raise TypeError(f"masked.{op}: dim must be an int, got {dim!r}")
    return canonical_dims(op, dim, ndim)[0]


def axes(dims: tuple[int, ...], ndim: int) -> Any:
    """The ``axis`` for gpuad.numpy: a 0-d input's dim 0 is its one element (None)."""
    return dims if ndim else None


def input_mask(op: str, x: Any, mask: Any, what: str = "mask") -> Any:
    """``mask`` as booleans of ``x``'s shape (a constant), or None when no mask is given.

    A mask of fewer dims or of size-1 dims is broadcast; a mask of more dims than the input,
    or of a shape that does not broadcast to the input's, raises ValueError naming both."""
    if mask is None:
        return None
    mask = data(mask) if isinstance(mask, Tensor) else _xp(x).asarray(mask)
    ms, xs = shape(mask), shape(x)
    if len(ms) > len(xs):
        raise ValueError(f"masked.{op}: the {what} of shape {ms} has more dimensions than the "
                         f"input of shape {xs}; give a {what} that broadcasts to the input")
    try:
        fits = np.broadcast_shapes(ms, xs) == xs
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked.{op}: the {what} of shape {ms} does not broadcast to the input "
                         f"of shape {xs}; its dims must equal the input's trailing dims or be 1")
    if mask.dtype != np.bool_:
        mask = mask != 0
    return mask if ms == xs else gnp.broadcast_to(mask, xs)


_LOWEST = ("amax", "argmax", "logaddexp", "logsumexp", "softmax", "log_softmax")
_HIGHEST = ("amin", "argmin", "softmin")


def identity(op: str, dtype: np.dtype, ord: Any = None) -> Any:
    """The value a masked-out element takes in ``op`` (torch's ``_reduction_identity``)."""
    kind = dtype.kind
    if op in ("sum", "cumsum", "normalize"):
        return 0
    if op in ("prod", "cumprod"):
        return 1
    if op == "norm":
        return np.inf if ord == -np.inf else 0
    if op == "median":
        return np.nan
    if op in _LOWEST or op in _HIGHEST:
        low = op in _LOWEST
        if kind in "fc":
            return -np.inf if low else np.inf
        if kind in "iu":
            info = np.iinfo(dtype)
            return int(info.min if low else info.max)
    raise TypeError(f"masked.{op}: a {dtype} input has no identity for {op} to give its "
                    f"masked-out elements; convert the input to a number type first")


def filled(op: str, x: Any, mask: Any, ord: Any = None) -> Any:
    """``x`` with its masked-out elements replaced by ``op``'s identity (``x`` itself without
    a mask); their derivative is zero."""
    if mask is None:
        return x
    out = gnp.where(mask, x, identity(op, x.dtype, ord))
    return out if out.dtype == x.dtype else cast(out, x.dtype)
