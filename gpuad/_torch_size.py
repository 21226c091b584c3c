"""``Tensor.size`` for NumPy and PyTorch programs alike.

NumPy's ``a.size`` is the number of elements, an int attribute; torch's ``t.size()`` is the
shape and ``t.size(d)`` one extent. :class:`Size` is both: an ``int`` (the element count, in
arithmetic, comparisons, hashing, pickling, JSON) that can also be called.

Example::

    x = gpuad.tensor(np.zeros((2, 3)))
    x.size == 6           # NumPy's
    x.size(), x.size(-1)  # torch's: (2, 3) and 3
"""

from __future__ import annotations

import operator
from typing import Any


class Size(int):
    """The number of elements of a Tensor, callable as torch's ``size``: ``s()`` is the shape
    (a tuple), ``s(d)`` the extent of dim ``d`` (negative counts from the end).

    Example: ``x.size * 2``, ``x.size(0)``
    """

    def __new__(cls, shape: tuple) -> Size:
        n = 1
        for s in shape:
            n *= s
        obj = int.__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim: Any = None) -> Any:
        shape = self._shape
        if dim is None:
            return shape
        d = operator.index(dim)
        nd = len(shape)
        if nd == 0:
            raise IndexError(f"Tensor.size({dim}): the tensor has no dimensions (shape ())")
        if not -nd <= d < nd:
            raise IndexError(
                f"Tensor.size({dim}): dimension out of range (expected to be in range of "
                f"[{-nd}, {nd - 1}], but got {d}) for shape {shape}"
            )
        return shape[d]

    # NumPy 2 takes an int subclass for an int64 array, not a weak Python int (float32 / size
    # would become float64): NumPy's ufuncs and operators hand it over here, and it goes back
    # in as the plain int. (CuPy's operators call it only when this is None; its ufuncs refuse
    # an int subclass, so on CuPy a raw array combined with `t.size` raises TypeError.)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(int(a) if a.__class__ is Size else a for a in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    __hash__ = int.__hash__

    # a plain int outside: copies, pickles and repr carry no shape
    def __reduce__(self):
        return (int, (int(self),))

    def __copy__(self) -> int:
        return int(self)

    def __deepcopy__(self, memo: dict) -> int:
        return int(self)

    def __repr__(self) -> str:
        return int.__repr__(self)

    __str__ = __repr__


def _forward(op):
    def method(self, other):
        return op(int(self), other)

    return method


def _reflected(op):
    def method(self, other):
        return op(other, int(self))

    return method


def _pow(self, other, mod=None):
    return pow(int(self), other) if mod is None else pow(int(self), other, mod)


def _install_operators() -> None:
    for name in (
        "add",
        "sub",
        "mul",
        "truediv",
        "floordiv",
        "mod",
        "lshift",
        "rshift",
        "and",
        "or",
        "xor",
    ):
        op = getattr(operator, f"{name}_" if name in ("and", "or") else name)
        setattr(Size, f"__{name}__", _forward(op))
        setattr(Size, f"__r{name}__", _reflected(op))
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        setattr(Size, f"__{name}__", _forward(getattr(operator, name)))
    Size.__divmod__ = _forward(divmod)
    Size.__rdivmod__ = _reflected(divmod)
    Size.__pow__ = _pow
    Size.__rpow__ = _reflected(pow)


_install_operators()


def plain(args: tuple) -> tuple:
    """``args`` with every :class:`Size` replaced by its plain ``int`` (what the engine hands
    to the backend, so NumPy promotes it as a Python number)."""
    return tuple(int(a) if a.__class__ is Size else a for a in args)
