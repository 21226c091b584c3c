"""NumPy's dtype names and type queries (``gnp.uint8``, ``gnp.finfo``, ``gnp.issubdtype``,
``gnp.promote_types``, ...), its index helpers (``mgrid``, ``ogrid``, ``s_``, ``index_exp``),
printing (``array_repr``, ``printoptions``) and the array conversions (``asarray_chkfinite``,
``ascontiguousarray``, ``require``, ...), so code written for NumPy or ``jax.numpy`` keeps
working on Tensors. Type queries read dtypes only; conversions keep a Tensor on the tape.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import rules as _r
from ..rules import data, ndim
from ..tensor import Tensor

builtins_bool = bool  # the builtin, before ``bool`` is rebound below

# ---- dtype names and classes (NumPy's own objects) ---------------------------------------------

bool = _np.bool_  # noqa: A001  (NumPy 2 and jax.numpy spell it ``bool``)
double, single = _np.float64, _np.float32
cdouble, csingle = _np.complex128, _np.complex64
float_, int_, complex_ = _np.float64, _np.int_, _np.complex128
uint = _np.uint
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
dtype = _np.dtype
generic, number, integer = _np.generic, _np.number, _np.integer
signedinteger, unsignedinteger = _np.signedinteger, _np.unsignedinteger
floating, complexfloating, inexact = _np.floating, _np.complexfloating, _np.inexact
character, flexible, object_ = _np.character, _np.flexible, _np.object_
euler_gamma = _np.euler_gamma
s_ = _np.s_
index_exp = _np.index_exp
promote_types = _np.promote_types
broadcast_shapes = _np.broadcast_shapes
get_printoptions = _np.get_printoptions
set_printoptions = _np.set_printoptions
printoptions = _np.printoptions


def _dt(x: Any) -> Any:
    """A dtype argument as NumPy takes it: a Tensor or an array by its dtype."""
    if isinstance(x, Tensor) or (not isinstance(x, type) and hasattr(x, "dtype")
                                 and hasattr(x, "shape")):
        return x.dtype
    return x


def finfo(dtype: Any) -> _np.finfo:
    """Machine limits of a floating dtype (a Tensor or array gives its dtype).

    Example: ``gnp.finfo(x).eps``"""
    return _np.finfo(_dt(dtype))


def iinfo(int_type: Any) -> _np.iinfo:
    """Machine limits of an integer dtype (a Tensor or array gives its dtype).

    Example: ``gnp.iinfo(gnp.int32).max``"""
    return _np.iinfo(_dt(int_type))


def issubdtype(arg1: Any, arg2: Any) -> builtins_bool:
    """Whether ``arg1`` is lower in NumPy's type hierarchy than ``arg2``.

    Example: ``gnp.issubdtype(x.dtype, gnp.floating)``"""
    return _np.issubdtype(_dt(arg1), _dt(arg2))


def isdtype(dtype: Any, kind: Any) -> builtins_bool:
    """The Array API kind test (``"real floating"``, ``"integral"``, ...).

    Example: ``gnp.isdtype(x.dtype, "real floating")``"""
    return _np.isdtype(_np.dtype(_dt(dtype)), kind)


def can_cast(from_: Any, to: Any, casting: str = "safe") -> builtins_bool:
    """Whether a cast from ``from_`` (a dtype, or a Tensor/array by its dtype) to ``to`` is
    allowed under ``casting``. Example: ``gnp.can_cast(x, gnp.float32)``"""
    return _np.can_cast(_dt(from_), _dt(to), casting)


def iterable(y: Any) -> builtins_bool:
    """Whether ``y`` can be iterated (a 0-d Tensor cannot, like a 0-d array).

    Example: ``gnp.iterable([1, 2])``"""
    if isinstance(y, Tensor):
        return ndim(y) > 0
    return _np.iterable(y)


def common_type(*arrays: Any) -> type:
    """The inexact scalar type common to the arrays (Tensors and arrays by their dtypes; an
    integer array counts as float64), as NumPy's. Example: ``gnp.common_type(x, i)``"""
    return _np.common_type(*[_np.empty(0, _dt(a)) if isinstance(a, Tensor) or
                             type(a) is not _np.ndarray and hasattr(a, "dtype") else a
                             for a in arrays])


def mintypecode(typechars: Any, typeset: Any = "GDFgdf", default: str = "d") -> str:
    """The character of the smallest type in ``typeset`` to which the types in ``typechars``
    (characters, or arrays and Tensors by their dtypes) cast safely, as NumPy's.

    Example: ``gnp.mintypecode(["d", "f"])`` is ``'d'``"""
    if isinstance(typechars, Tensor) or (not isinstance(typechars, str | list | tuple)
                                         and hasattr(typechars, "dtype")):
        if ndim(typechars) == 0:
            raise TypeError("iteration over a 0-d array")  # (NumPy's error)
        typechars = [_np.dtype(_dt(typechars)).char] if typechars.shape[0] else []
    chars = [t if isinstance(t, str) else _np.dtype(_dt(t)).char if isinstance(t, Tensor) or
             hasattr(t, "dtype") else _np.asarray(t).dtype.char for t in typechars]
    return _np.mintypecode(chars, typeset, default)


# ---- index grids -------------------------------------------------------------------------------


class _Grid:
    """``mgrid`` / ``ogrid`` of the active backend: ``gnp.mgrid[0:2, 0:3]`` (constants)."""

    def __init__(self, name: str):
        self._name = name

    def __getitem__(self, key):
        keys = key if isinstance(key, tuple) else (key,)
        if any(isinstance(v, Tensor) for k in keys if isinstance(k, slice)
               for v in (k.start, k.stop, k.step)):
            raise TypeError(f"{self._name}: slice bounds must be Python numbers, not Tensors "
                            f"(a grid's shape cannot depend on traced values)")
        xp = _r._xp(None)
        out = getattr(xp, self._name)[key]
        if isinstance(out, list | tuple):
            return type(out)(xp.asarray(o) for o in out)
        return xp.asarray(out)

    def __repr__(self) -> str:
        return f"gpuad.numpy.{self._name}"


mgrid = _Grid("mgrid")
ogrid = _Grid("ogrid")

# ---- printing ----------------------------------------------------------------------------------


def _host(a: Any, what: str) -> Any:
    if isinstance(a, Tensor):
        if a._bat is not None:
            raise TypeError(f"{what}: the values of a Tensor batched by gpuad.vmap cannot be "
                            f"printed inside the vmapped function")
        _vc.host_read(what, a.data)
        return a.numpy()
    return a


def array_repr(arr: Any, max_line_width: int | None = None, precision: int | None = None,
               suppress_small: builtins_bool | None = None) -> str:
    """NumPy's ``repr`` of the values (a Tensor's are read to the host).

    Example: ``gnp.array_repr(x, precision=3)``"""
    return _np.array_repr(_host(arr, "array_repr"), max_line_width, precision, suppress_small)


def array_str(a: Any, max_line_width: int | None = None, precision: int | None = None,
              suppress_small: builtins_bool | None = None) -> str:
    """NumPy's ``str`` of the values (a Tensor's are read to the host).

    Example: ``gnp.array_str(x)``"""
    return _np.array_str(_host(a, "array_str"), max_line_width, precision, suppress_small)


# ---- conversions -------------------------------------------------------------------------------


def _as(a: Any, dtype: Any = None) -> Any:
    from . import asarray

    return asarray(a, dtype)


def asanyarray(a: Any, dtype: Any = None, order: str | None = None, *, like=None, **kwargs):
    """``asarray`` (a Tensor stays itself; a ``dtype`` that differs is a recorded cast).

    Example: ``gnp.asanyarray(x)``"""
    return _as(a, dtype)


def ascontiguousarray(a: Any, dtype: Any = None, *, like=None):
    """``asarray`` with at least one dimension (memory layout is the backend's concern).

    Example: ``gnp.ascontiguousarray(x)``"""
    r = _as(a, dtype)
    return _r.reshape(r, (1,)) if ndim(r) == 0 else r


def asfortranarray(a: Any, dtype: Any = None, *, like=None):
    """``asarray`` with at least one dimension (memory layout is the backend's concern).

    Example: ``gnp.asfortranarray(x)``"""
    return ascontiguousarray(a, dtype)


_REQUIREMENTS = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F",
                 "F_CONTIGUOUS": "F", "FORTRAN": "F", "A": "A", "ALIGNED": "A", "W": "W",
                 "WRITEABLE": "W", "O": "O", "OWNDATA": "O", "E": "E", "ENSUREARRAY": "E"}


def require(a: Any, dtype: Any = None, requirements: Any = None, *, like=None):
    """``a`` as an array of ``dtype`` meeting ``requirements`` (``"C"``, ``"F"``, ``"A"``,
    ``"W"``, ``"O"``, ``"E"``); ``"O"`` (own data) gives a recorded copy of a Tensor.

    Example: ``gnp.require(x, gnp.float64, "C")``"""
    reqs = [] if requirements is None else \
        [requirements] if isinstance(requirements, str) else list(requirements)
    letters = set()
    for q in reqs:
        k = _REQUIREMENTS.get(str(q).upper())
        if k is None:
            raise KeyError(f"require: unknown requirement {q!r}; use C, F, A, W, O or E")
        letters.add(k)
    if {"C", "F"} <= letters:
        raise ValueError("require: cannot specify both 'C' and 'F' order")
    r = _as(a, dtype)
    if "O" in letters and r is a and isinstance(r, Tensor):
        r = _r.copy(r)
    return r


def asarray_chkfinite(a: Any, dtype: Any = None, order: str | None = None):
    """``asarray`` that raises ``ValueError`` when any value is infinite or NaN (the values
    are read on the host: under ``gpuad.jit`` this raises ``TracerError``; under ``gpuad.vmap``
    it raises when any example has one).

    Example: ``gnp.asarray_chkfinite(x)``"""
    r = _as(a, dtype)
    d = data(r)
    if d.dtype.kind in "fc":
        if isinstance(r, Tensor) and r._bat is not None:
            d = r._data  # under vmap: every example's values (a loop raises at a bad one)
        _vc.host_read("asarray_chkfinite: checking for infs and NaNs", d)
        if not builtins_bool(_r._xp(d).isfinite(d).all()):
            raise ValueError("array must not contain infs or NaNs")
    return r


def _int_arg(num: Any, fn: str) -> Any:
    if isinstance(num, Tensor):
        _vc.host_read(f"{fn}: reading the integer", data(num))
        num = data(num)
    if hasattr(num, "get"):
        num = num.get()
    return num


def binary_repr(num: Any, width: int | None = None) -> str:
    """The binary string of an integer (two's complement in ``width`` digits when negative),
    as ``numpy.binary_repr``; a 0-d integer Tensor or array is read on the host.

    Example: ``gnp.binary_repr(-3, width=4)`` gives ``'1101'``"""
    return _np.binary_repr(_int_arg(num, "binary_repr"), width)


def base_repr(number: Any, base: int = 2, padding: int = 0) -> str:
    """The string of an integer in ``base`` (2 to 36), as ``numpy.base_repr``.

    Example: ``gnp.base_repr(-10, 3)`` gives ``'-101'``"""
    return _np.base_repr(_int_arg(number, "base_repr"), base, padding)


def fromiter(iter: Any, dtype: Any, count: int = -1, *, like: Any = None):  # noqa: A002
    """A 1-d backend array of the values ``iter`` yields (NumPy's ``fromiter``: ``dtype`` is
    required, ``count=-1`` reads to the end, fewer items than ``count`` raise ValueError).
    The values are constants; build a Tensor from Tensors with ``gnp.stack``.

    Example: ``gnp.fromiter((i * i for i in range(4)), float)``"""
    from .. import get_backend

    return get_backend().xp.asarray(_np.fromiter(iter, dtype, count))


__all__ = ["binary_repr", "base_repr", "fromiter",
           "bool", "double", "single", "cdouble", "csingle", "float_", "int_", "complex_",
           "uint", "uint8", "uint16", "uint32", "uint64", "dtype", "generic", "number",
           "integer", "signedinteger", "unsignedinteger", "floating", "complexfloating",
           "inexact", "character", "flexible", "object_", "euler_gamma", "s_", "index_exp",
           "promote_types", "broadcast_shapes", "get_printoptions", "set_printoptions",
           "printoptions", "finfo", "iinfo", "issubdtype", "isdtype", "can_cast", "iterable",
           "mgrid", "ogrid", "array_repr", "array_str", "asanyarray", "ascontiguousarray",
           "asfortranarray", "require", "asarray_chkfinite", "common_type", "mintypecode"]

common_type._takes_containers = mintypecode._takes_containers = True  # (NumPy's own reading)
