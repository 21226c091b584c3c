"""Arguments of PyTorch's Tensor methods read as gpuad's: dims, sizes, indices, dtypes.

Helpers of gpuad/_torch_methods.py and the modules it gathers. Example: ``_dims([0, 1])``
is ``(0, 1)``, torch's ``dim=()`` is None (every dim).
"""

from __future__ import annotations

import builtins as _b
import operator as _operator
from typing import Any

import numpy as _np

from .backends import backend_of_type
from .tensor import Tensor

_NO: Any = object()  # an argument not given


def _dims(dim: Any) -> Any:
    """torch's ``dim`` as NumPy's ``axis``: a list becomes a tuple, and an empty one (torch:
    every dimension) becomes None."""
    if isinstance(dim, list | tuple):
        dim = tuple(dim)
        if any(isinstance(d, bool | _np.bool_) for d in dim):
            raise TypeError(f"dim must hold integers, got {dim!r}")
        return dim or None
    if isinstance(dim, bool | _np.bool_):  # True would be dim 1 to NumPy; torch refuses it
        raise TypeError(f"dim must be an integer or a tuple of them, got {dim!r}")
    return dim


def _dims_of(name: str, dim: Any, ndim: int) -> Any:
    """torch's ``dim`` as NumPy's ``axis`` for a tensor of ``ndim`` dims: a 0-d tensor's dims 0
    and -1 are no dims at all (torch reduces its one entry to itself)."""
    axis = _dims(dim)
    if ndim == 0 and axis is not None:
        for d in axis if isinstance(axis, tuple) else (axis,):
            _axis(name, d, 0)
        return None
    return axis


def _torch_dim(name: str, axis: Any, keepdims: Any, kw: dict, ndim: int | None = None) -> tuple:
    """``(axis, keepdims)`` of a reduction called with torch's ``dim=``/``keepdim=`` (on a
    tensor of ``ndim`` dims, when given)."""
    dim = kw.pop("dim", _NO)
    if dim is _NO:
        dim = axis
    elif axis is not None:
        raise TypeError(
            f"Tensor.{name}: the axis was given twice, positionally ({axis!r}) and as dim={dim!r}"
        )
    keepdim = kw.pop("keepdim", keepdims)
    if kw:
        raise TypeError(
            f"Tensor.{name} with torch's dim=/keepdim= got unexpected keyword "
            f"arguments {sorted(kw)}"
        )
    return (_dims(dim) if ndim is None else _dims_of(name, dim, ndim)), bool(keepdim)


def _shape_args(name: str, args: tuple) -> tuple:
    """torch's ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` as one tuple of ints."""
    if len(args) == 1 and isinstance(args[0], tuple | list):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, int | _np.integer):
            raise TypeError(f"Tensor.{name} takes integer sizes or dims, got {a!r}")
    return tuple(int(a) for a in args)


def _int(name: str, what: str, v: Any) -> int:
    """An integer argument (a Python or NumPy integer, or a 0-d integer tensor) as an int; a
    float raises as in torch (``int()`` would truncate it silently)."""
    if isinstance(v, bool | _np.bool_):  # torch refuses True for an int (it is not dim 1)
        raise TypeError(f"Tensor.{name}: {what} must be an integer, got {v!r}")
    if isinstance(v, int | _np.integer):
        return int(v)
    if getattr(v, "ndim", None) == 0 and getattr(v, "dtype", _np.dtype(float)).kind in "iu":
        return int(v)
    raise TypeError(f"Tensor.{name}: {what} must be an integer, got {v!r}")


def _axis(name: str, dim: int, ndim: int) -> int:
    """``dim`` in ``[0, ndim)``, or an IndexError naming the method (a TypeError for a dim
    that is not an integer: ``int(1.5)`` would silently take dim 1)."""
    if isinstance(dim, tuple | list):
        raise TypeError(f"Tensor.{name}: dim must be an integer (it takes one dim), got {dim!r}")
    d = _int(name, "dim", dim)
    if not -_b.max(ndim, 1) <= d < _b.max(ndim, 1):
        raise IndexError(
            f"Tensor.{name}: dim {dim} is out of range for a tensor of {ndim} dimensions"
        )
    return d % _b.max(ndim, 1)


def _zero_index(x: Tensor) -> Tensor:
    """torch's index of a 0-d tensor's one entry: a 0-d int64 Tensor (not a raw array)."""
    return Tensor(_xp(x).zeros((), _np.int64))


def _as_tensor(a: Any) -> Tensor:
    """A constant result as a Tensor, as torch's methods return (ops on constants give raw
    backend arrays)."""
    return a if isinstance(a, Tensor) else Tensor(a)


def _whole(name: str, what: str, k: Any) -> int:
    """``k`` as an int, or a TypeError naming the method (a float ``k`` is refused, as torch)."""
    try:
        return _operator.index(k)
    except TypeError:
        raise TypeError(f"Tensor.{name}: {what} must be an integer, got {k!r}") from None


def _xp(t: Tensor) -> Any:
    return backend_of_type(type(t._data)).xp


def _kind(x: Any) -> str:
    """The dtype kind of an array or a Python number."""
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return dt.kind
    return "b" if isinstance(x, bool) else "i" if isinstance(x, int) else "f"


def _once(kw: dict, key: str, value, name: str) -> None:
    if key in kw:
        raise TypeError(f"Tensor.{name}: {key} was given twice, by position and by name")
    kw[key] = value


def _pick(x, index):
    """An index given as a Tensor, an array or a Python sequence, as a backend array or Tensor
    (integers, no derivative)."""
    if isinstance(index, Tensor):
        return index
    return _xp(x).asarray(index)


def _no_dtype(s: str) -> None:
    """Raise for torch's dtypes that NumPy, so gpuad, lacks (bfloat16, complex32, float8)."""
    if s.startswith("torch."):
        s = s[6:]
    if s in ("bfloat16", "complex32", "chalf") or s.startswith("float8"):
        use = "complex64" if s in ("complex32", "chalf") else "float32"
        raise TypeError(
            f"gpuad has no {s} dtype (its arrays are NumPy's and CuPy's, which lack it); use "
            f"{use} instead, which holds every {s} value")


def _dtype(dtype) -> _np.dtype:
    """A NumPy dtype from one (or a type, a name, or a torch dtype such as torch.float32).
    torch's bfloat16, complex32 and float8 dtypes raise a TypeError saying what to use."""
    s = str(dtype)
    _no_dtype(s)
    if s.startswith("torch."):
        s = s[6:]
        s = {
            "half": "float16",
            "float": "float32",
            "double": "float64",
            "long": "int64",
            "int": "int32",
            "short": "int16",
            "cfloat": "complex64",
            "cdouble": "complex128",
        }.get(s, s)
        return _np.dtype(s)
    return _np.dtype(dtype)


def _check_fill(what: str, value: Any, dtype: Any) -> Any:
    """Refuse a number (or a 0-d Tensor's dtype) that a tensor of ``dtype`` cannot hold, as
    torch does, where NumPy's cast would change it silently: a complex value into a real
    tensor (the imaginary part dropped), NaN or an infinity into an integer tensor (an
    arbitrary integer), an integer outside the dtype's range (wrapped; torch too wraps a
    negative one into an unsigned tensor), a finite float beyond float32's or float64's range
    (inf). A 0-d Tensor is checked by its dtype only (its value is not read). Returns the
    value to write: a complex number with a zero imaginary part as its real part, a negative
    integer for an unsigned tensor wrapped (torch's values, which NumPy refuses to cast)."""
    dt = _np.dtype(dtype)
    vdt = getattr(value, "dtype", None)
    if vdt is not None and getattr(value, "ndim", 0) != 0:
        raise RuntimeError(f"{what}: the value must be a number or a 0-d tensor, got one of "
                           f"shape {tuple(value.shape)}")
    if vdt is not None and not isinstance(value, _np.generic):  # a 0-d Tensor or array
        if _np.dtype(vdt).kind == "c" and dt.kind != "c":
            raise TypeError(f"{what}: a complex value ({vdt}) cannot be written into a {dt} "
                            f"tensor (its imaginary part would be dropped); take .real or "
                            f"make the tensor complex")
        return value
    if isinstance(value, bool | _np.bool_) or dt.kind in "bOUSV":
        return value
    bad = None
    if isinstance(value, complex | _np.complexfloating):
        if dt.kind != "c" and complex(value).imag != 0:
            bad = "a complex value (its imaginary part would be dropped)"
        elif dt.kind != "c":
            value = complex(value).real
    elif isinstance(value, int | _np.integer):
        lo = _np.iinfo(dt).min if dt.kind == "i" else -(2 ** 63)  # torch wraps -1 to 255
        if dt.kind in "iu" and not lo <= int(value) <= _np.iinfo(dt).max:
            bad = "an integer outside the dtype's range"
        elif dt.kind == "u" and int(value) < 0:
            value = int(value) % (1 << (8 * dt.itemsize))
    elif isinstance(value, float | _np.floating):
        v = float(value)
        if dt.kind in "iu" and not _np.isfinite(v):
            bad = "a non-finite value"
        elif dt.kind == "i" and not _np.iinfo(dt).min <= v < _np.iinfo(dt).max + 1:
            bad = "a value outside the dtype's range"
        elif dt.kind == "f" and dt.itemsize >= 4 and _np.isfinite(v) and \
                abs(v) > float(_np.finfo(dt).max):  # (torch's float16 takes inf)
            bad = "a value beyond the dtype's range (it would become inf)"
    if bad is not None:
        raise RuntimeError(f"{what}: {value!r} cannot be written into a {dt} tensor: {bad}, "
                           f"as torch refuses")
    return value
