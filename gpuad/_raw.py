"""Helpers on raw arrays and Tensors that every layer uses (it imports no op and no engine).

Example: ``_raw.shape(2.0) == ()``; ``_raw._xp(a)`` is the array namespace of ``a``'s backend.
"""

from __future__ import annotations

from .backends import _by_array_type, get_backend
from .tensor import Tensor


def data(a):
    """The raw array behind ``a`` (constants for masks: they carry no derivative). Inside
    ``vmap`` a batched value has no single array: its constant is a batched Tensor."""
    if isinstance(a, Tensor):
        return a._data if a._bat is None else Tensor(a._data, _bat=a._bat)
    return a


def shape(a) -> tuple[int, ...]:
    """The shape of an array, Tensor or scalar. Example: ``gnp.shape(2.0) == ()``"""
    if a.__class__ is Tensor and a._bat is None:
        return tuple(a._data.shape)
    if isinstance(a, type):  # a dtype class such as numpy.float64 passed as an argument
        return ()
    s = getattr(a, "shape", None)
    if s is None:
        return ()
    return tuple(s)


def ndim(a) -> int:
    """The number of dimensions. Example: ``gnp.ndim(x)``"""
    return len(shape(a))


def _xp(a):
    be = _by_array_type.get(type(a._data if isinstance(a, Tensor) else a))
    return (be or get_backend()).xp
