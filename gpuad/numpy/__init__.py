"""NumPy names and signatures, differentiable.

Every function accepts Tensors and plain arrays (NumPy, or CuPy on the GPU backend). With no
Tensor argument the result is a plain backend array; with one it is a Tensor on the tape.

Example::

    import gpuad as ad
    import gpuad.numpy as gnp
    x = ad.tensor([0.5, 1.0], requires_grad=True)
    y = gnp.sum(gnp.sin(x) * x)
"""

from __future__ import annotations

import builtins
import operator as _operator

import numpy as _np

from .. import _value_checks as _vc
from .. import rules as _r
from .._numpy_protocol import stop_gradient  # noqa: F401
from .._numpy_protocol import with_ufunc_keywords as _with_ufunc_keywords
from ..backends import get_backend
from ..complex_rules import angle, conj, conjugate, imag, real  # noqa: F401
from ..engine import assign_inplace  # noqa: F401  (public: the recorded in-place write)
from ..rules import (  # noqa: F401  (re-exported primitives)
    abs,
    absolute,
    all,
    amax,
    amin,
    any,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    argmax,
    argmin,
    argsort,
    broadcast_to,
    ceil,
    concatenate,
    copy,
    cos,
    cosh,
    cumprod,
    cumsum,
    einsum,
    equal,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    getitem,
    greater,
    greater_equal,
    hypot,
    index_update,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    matmul,
    max,
    min,
    mod,
    negative,
    normalize_index,
    not_equal,
    prod,
    reciprocal,
    reshape,
    rint,
    round,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    sum,
    swapaxes,
    tan,
    tanh,
    transpose,
    trunc,
)
from ..rules import add as _add
from ..rules import astype as _astype_op
from ..rules import divide as _divide
from ..rules import maximum as _maximum
from ..rules import minimum as _minimum
from ..rules import multiply as _multiply
from ..rules import power as _power
from ..rules import subtract as _subtract
from ..rules import where as _where3
from ..tensor import Tensor
from ..tensor import refuse_untracked_cast as _refuse_untracked_cast
from . import fft, linalg, random  # noqa: F401


def astype(x, dtype, /, *, copy: bool = True, device=None):
    """``x`` converted to ``dtype``, as NumPy 2's ``numpy.astype``: a new array or Tensor, or
    with ``copy=False`` ``x`` itself where it has that dtype already. ``device`` may be None
    or the device ``x`` is on (gpuad moves nothing between devices).

    Example: ``gnp.astype(x, gnp.float32, copy=False)``"""
    if device is not None and str(device) not in ("cpu", str(getattr(_r.data(x), "device", ""))):
        raise ValueError(f"astype: device {device!r} is not the device of the input; gpuad "
                         "does not move arrays between devices")
    if not copy and _r.data(x).dtype == _np.dtype(dtype):
        return x
    _refuse_untracked_cast(x, dtype)
    return _astype_op(x, dtype)


pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
bool_ = _np.bool_
_raw_shape = _r.shape


def _nested_shape(seq) -> tuple[int, ...]:
    """NumPy's shape of a (nested) list or tuple of numbers, arrays or Tensors."""
    inner = [shape(v) for v in seq]
    if inner and builtins.any(s != inner[0] for s in inner):
        raise ValueError(f"shape: the sequence is inhomogeneous (its entries have shapes "
                         f"{sorted(set(inner))}); NumPy refuses it too")
    return (len(seq),) + (inner[0] if inner else ())


def shape(a) -> tuple[int, ...]:
    """The shape of an array, Tensor, scalar or nested list. Example: ``gnp.shape(x)``"""
    if a.__class__ is list or a.__class__ is tuple:
        return _nested_shape(a)
    return _raw_shape(a)


def ndim(a) -> int:
    """The number of dimensions. Example: ``gnp.ndim(x)``"""
    return len(shape(a))


def _with_out(fn):
    f = _with_ufunc_keywords(fn, getattr(_np, fn.__name__))
    f.__doc__ = (f"``numpy.{fn.__name__}``, differentiable; NumPy's ufunc keywords (``out=`` "
                 f"writes in place, ``dtype=``, ``casting=``, ``where=`` with ``out=``).")
    return f


add = _with_out(_add)
subtract = _with_out(_subtract)
multiply = _with_out(_multiply)
divide = true_divide = _with_out(_divide)
power = _with_out(_power)
maximum = _with_out(_maximum)
minimum = _with_out(_minimum)


def clip(x, a_min=None, a_max=None, out=None):
    """Clip to [a_min, a_max]; the adjoint passes through inside the closed interval."""
    r = _r.clip(x, a_min, a_max)
    if out is not None:
        from ._more_sig import _to_out

        return _to_out(r, out, "clip", "same_kind", exact=False)
    return r


def where(condition, x=None, y=None):
    """``where(c, x, y)`` selects; the unselected branch gets an exactly-zero adjoint.

    With one argument, returns the indices where ``condition`` is true (not differentiable).
    """
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    if not isinstance(condition, Tensor):
        return _where3(condition, x, y)
    whole = condition._bat is None
    out = _where3(_r.data(condition), x, y)  # the condition a constant (batched inside vmap)
    # a Tensor condition makes a Tensor, as any other argument does (torch.where(c, 1, 0))
    return Tensor(out) if whole and not isinstance(out, Tensor) else out


def nonzero(x):
    """Indices of the non-zero elements (not differentiable). Example: ``gnp.nonzero(mask)``"""
    if isinstance(x, Tensor) and x._bat is not None:
        raise TypeError(
            "nonzero (and where with one argument) inside gpuad.vmap: each example has its own "
            "number of non-zero entries, so the results cannot be stacked. Keep shapes fixed: "
            "gnp.where(mask, x, 0), or gnp.argsort(~mask, kind='stable') to bring the selected "
            "positions first")
    return tuple(_r._xp(x).nonzero(_r.data(x)))


def _data(a):
    return a.data if isinstance(a, Tensor) else a


def _struct_template(a):
    """A ``ShapeDtypeStruct`` as a template: an empty array of its shape and dtype (it was
    read as an object scalar, so ``zeros_like(s)`` gave a 0-d object array)."""
    from ..abstract_eval import ShapeDtypeStruct

    if isinstance(a, ShapeDtypeStruct):
        return get_backend().xp.empty(tuple(a.shape), dtype=a.dtype)
    return a


def _make_like(a, name, dtype, *fill, shape=None):
    """``xp.<name>_like(a)`` with ``a``'s own array module; a NumPy array or Python value
    makes an array of the active backend, as ``gnp.sin`` of one does. ``shape`` overrides
    ``a``'s shape (NumPy's ``shape=``)."""
    xp = get_backend().xp
    a = _struct_template(a)
    kw = {} if shape is None else {"shape": shape}
    if xp is _np or isinstance(a, Tensor) or not isinstance(
            a, (_np.ndarray, _np.generic, list, tuple, int, float, complex, bool)):
        return getattr(_r._xp(a), name + "_like")(_like(a), *fill, dtype=dtype, **kw)
    a = _np.asarray(a)
    return getattr(xp, name)(a.shape if shape is None else shape, *fill,
                             dtype=a.dtype if dtype is None else dtype)


def _like(a):
    """What ``*_like`` reads of ``a``: its shape and dtype (one example's, inside vmap)."""
    if isinstance(a, Tensor):
        return a._data if a._bat is None else a._data[(0,) * len(a._bat)]
    return a


# ---- creation (backend arrays, not Tensors) -------------------------------------------------

def _xp():
    return get_backend().xp


from ._creation import (  # noqa: E402,F401
    _check_device,
    array,
    asarray,
    frombuffer,
    fromstring,
    geomspace,
    load,
    logspace,
    save,
)


def _shape_of(shape_):
    """A shape as NumPy reads it (an integer or a sequence of integers, NumPy integers and 0-d
    integer arrays too), made plain ints so that every backend takes it (CuPy refuses host
    arrays inside a shape)."""
    try:
        return _operator.index(shape_)
    except TypeError:
        pass
    try:
        return tuple(_operator.index(v) for v in shape_)
    except TypeError:
        raise TypeError(f"a shape must be an integer or a sequence of integers (as NumPy's), "
                        f"got {shape_!r}") from None


def zeros(shape, dtype=float, order="C", *, device=None, like=None):
    """A backend array of zeros (``order`` "C" or "F", as NumPy's). Example:
    ``gnp.zeros((2, 3))``"""
    _check_device(device, "zeros")
    return _xp().zeros(_shape_of(shape), dtype=dtype, order=order)


def ones(shape, dtype=float, order="C", *, device=None, like=None):
    """A backend array of ones (``order`` "C" or "F", as NumPy's). Example:
    ``gnp.ones((2, 3))``"""
    _check_device(device, "ones")
    return _xp().ones(_shape_of(shape), dtype=dtype, order=order)


def empty(shape, dtype=float, order="C", *, device=None, like=None):
    """An uninitialised backend array (``order`` "C" or "F", as NumPy's). Example:
    ``gnp.empty((2, 3))``"""
    _check_device(device, "empty")
    return _xp().empty(_shape_of(shape), dtype=dtype, order=order)


def _filled(fill_value, shape_, dtype):
    """``fill_value`` (a Tensor) broadcast to ``shape_`` as a fresh, recorded array."""
    shape_ = (shape_,) if isinstance(shape_, int) else tuple(shape_)
    if dtype is not None and _np.dtype(dtype) != fill_value.dtype:
        fill_value = astype(fill_value, _np.dtype(dtype))
    return copy(broadcast_to(fill_value, shape_))


def full(shape_, fill_value, dtype=None):
    """An array filled with ``fill_value``: a backend array, or a recorded Tensor when
    ``fill_value`` is one. Example: ``gnp.full((2, 2), 0.5)``"""
    if isinstance(fill_value, Tensor):
        return _filled(fill_value, shape_, dtype)
    return _xp().full(_shape_of(shape_), fill_value, dtype=dtype)


def zeros_like(a, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None):
    """A backend array of zeros shaped like ``a`` (or ``shape``). Example:
    ``gnp.zeros_like(x)``"""
    _check_device(device, "zeros_like")
    return _make_like(a, "zeros", dtype, shape=shape)


def ones_like(a, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
              device=None):
    """A backend array of ones shaped like ``a`` (or ``shape``). Example: ``gnp.ones_like(x)``"""
    _check_device(device, "ones_like")
    return _make_like(a, "ones", dtype, shape=shape)


def empty_like(a, dtype=None, order: str = "K", subok: bool = True, shape=None, *,
               device=None):
    """An uninitialised backend array shaped like ``a`` (or ``shape``). Example:
    ``gnp.empty_like(x)``"""
    _check_device(device, "empty_like")
    return _make_like(a, "empty", dtype, shape=shape)


def full_like(a, fill_value, dtype=None):
    """A backend array shaped like ``a`` filled with ``fill_value``.

    Example: ``gnp.full_like(x, 1.0)``
    """
    if isinstance(fill_value, Tensor):
        return _filled(fill_value, shape(a), _like(a).dtype if dtype is None else dtype)
    return _make_like(a, "full", dtype, fill_value)


def eye(N, M=None, k=0, dtype=float, order="C", *, device=None, like=None):
    """Identity-like backend array, NumPy's arguments. Example: ``gnp.eye(3, M=4, k=1)``"""
    _check_device(device, "eye")
    return _xp().eye(N, M, k, dtype=dtype, order=order)


def identity(n, dtype=float):
    """The n x n identity as a backend array. Example: ``gnp.identity(3)``"""
    return _xp().eye(n, dtype=dtype)


def arange(*args, device=None, like=None, **kwargs):
    """``numpy.arange`` on the active backend (a backend array). Example: ``gnp.arange(5)``

    Its arguments are read as numbers: a Tensor being differentiated raises (write
    ``start + step * gnp.arange(n)`` to differentiate through ``start`` and ``step``).
    """
    _check_device(device, "arange")
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor) and (a.requires_grad or a._tan):
            raise TypeError(
                "arange: start, stop and step are read as numbers, so this Tensor would become "
                "a constant; write start + step * gnp.arange(n) to differentiate through start "
                "and step, or pass float(t) for a constant")
    arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor) or hasattr(a, "shape")]
    if arrays:  # read as numbers: inside gpuad.jit a traced bound would freeze the length
        _vc.host_read("arange: start, stop and step (they fix the result's length)", *arrays)
    step = kwargs.get("step", args[2] if len(args) > 2 else None)
    if step is not None and not hasattr(step, "shape") and step == 0:
        raise ZeroDivisionError("arange: step must be nonzero, got 0 (NumPy's error type)")
    return _xp().arange(*[_data(a) for a in args], **{k: _data(v) for k, v in kwargs.items()})


from ._creation import linspace  # noqa: E402,F401


def size(a, axis=None):
    """Number of elements (along ``axis`` if given). Example: ``gnp.size(x)``"""
    s = shape(a)
    if axis is not None:  # an int or (NumPy 2's) a tuple of axes
        s = [s[d] for d in _r.axes_in_order(axis, len(s), "size")]
        if isinstance(axis, int | _np.integer):
            return s[0]
    n = 1
    for k in s:
        n *= k
    return n


# ---- reductions built from primitives ------------------------------------------------------

def _count(x, axis):
    s = shape(x)
    ax = _r.norm_axis(axis, len(s))
    n = 1
    for i in range(len(s)) if ax is None else ax:
        n *= s[i]
    return n


def mean(x, axis=None, keepdims: bool = False, dtype=None):
    """Arithmetic mean over ``axis``."""
    if dtype is None:
        dt = getattr(_r.data(x), "dtype", None)
        if dt is not None and dt.kind in "iub":  # NumPy sums these in float64 (no wrap-around)
            return sum(astype(x, _np.float64), axis, keepdims=keepdims) / _count(x, axis)
        if dt == _np.float16:  # NumPy sums float16 in float32, as its mean
            m = sum(astype(x, _np.float32), axis, keepdims=keepdims) / _count(x, axis)
            return astype(m, _np.float16)
        return sum(x, axis, keepdims=keepdims) / _count(x, axis)  # nan for an empty slice
    # NumPy sums and divides in ``dtype`` (an integer one truncates)
    dtype = _np.dtype(dtype)
    s = sum(astype(x, dtype), axis, keepdims=keepdims)
    s = s if _r.data(s).dtype == dtype else astype(s, dtype)
    r = s / _count(x, axis)
    return r if _r.data(r).dtype == dtype else astype(r, dtype)


def var(x, axis=None, ddof: int = 0, keepdims: bool = False):
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom."""
    d = x - mean(x, axis, keepdims=True)
    sq = real(d * conj(d)) if _r.data(d).dtype.kind == "c" else square(d)  # |d|**2, as NumPy
    return sum(sq, axis, keepdims=keepdims) / builtins.max(_count(x, axis) - ddof, 0)


def std(x, axis=None, ddof: int = 0, keepdims: bool = False):
    """Standard deviation over ``axis``."""
    # the 2-norm of the deviations (of their moduli for complex values), so that a slice of
    # equal values (a single element, say) gets the 2-norm's subgradient 0, not sqrt's 0 * inf
    x = asarray(x)
    d = x - mean(x, axis, keepdims=True)
    n = builtins.max(_count(x, axis) - ddof, 0)
    ax = _r.norm_axis(axis, ndim(x))
    if d.dtype.kind == "c":
        # the 2-norm of the real and imaginary parts (not of abs(d): at a zero deviation
        # abs has no second derivative, and the norm's 0 times its inf gave a wrong Hessian)
        parts = stack([real(d), imag(d)])
        r = _r.norm2(parts, axis=None if ax is None else (0, *(a + 1 for a in ax)),
                     keepdims=keepdims, shape=shape(parts))
        return (reshape(r, shape(r)[1:]) if keepdims else r) / n ** 0.5
    return _r.norm2(d, axis=ax, keepdims=keepdims, shape=shape(x)) / n ** 0.5


# ---- shape manipulation ---------------------------------------------------------------------

def ravel(x):
    """The flattened array (a view when possible). Example: ``gnp.ravel(x)``"""
    return reshape(x, (-1,))


_AxisError = getattr(getattr(_np, "exceptions", _np), "AxisError", None) or _np.AxisError


def _check_axes(fn: str, what: str, axes, nd: int) -> list:
    """``axes`` in ``[0, nd)``; one out of range or repeated raises, as NumPy's."""
    out = []
    for a in axes:
        a = _operator.index(a)
        if not -nd <= a < nd:
            raise _AxisError(f"{fn}: {what} {a} is out of bounds for an array of dimension {nd}")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: repeated axis in {what} {tuple(axes)}")
    return out


def expand_dims(x, axis):
    """Insert a length-1 axis at ``axis``. Example: ``gnp.expand_dims(x, 0)``"""
    s = list(shape(x))
    if isinstance(axis, int | _np.integer) or _np.ndim(axis) == 0:  # 0-d arrays too, as NumPy
        axes = (axis,)
    else:
        axes = tuple(axis)
    nd = len(s) + len(axes)
    for a in sorted(_check_axes("expand_dims", "axis", axes, nd)):
        s.insert(a, 1)
    return reshape(x, tuple(s))


def squeeze(x, axis=None):
    """Drop length-1 axes. Example: ``gnp.squeeze(x)``"""
    s = shape(x)
    if axis is None:
        keep = tuple(n for n in s if n != 1)
    else:
        axes = _r.reduce_axis(axis, len(s))  # a 0-d array takes a bare 0 or -1, as NumPy's
        for a in axes:
            if s[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {s} has size {s[a]}, not 1")
        keep = tuple(n for i, n in enumerate(s) if i not in axes)
    return reshape(x, keep)


def moveaxis(x, source, destination):
    """Move axes to new positions. Example: ``gnp.moveaxis(x, 0, -1)``"""
    nd = ndim(x)
    src = [source] if isinstance(source, int | _np.integer) else list(source)
    dst = [destination] if isinstance(destination, int | _np.integer) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: `source` {source} and `destination` {destination} must "
                         f"have the same number of elements")
    src = _check_axes("moveaxis", "`source`", src, nd)
    dst = _check_axes("moveaxis", "`destination`", dst, nd)
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def atleast_1d(*arys):
    """Each input with at least one dimension (a tuple for several, as NumPy).

    Example: ``gnp.atleast_1d(2.0)``
    """
    res = tuple(reshape(x, (1,)) if ndim(x) == 0 else x for x in arys)
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    """Each input with at least two dimensions (a tuple for several, as NumPy).

    Example: ``gnp.atleast_2d(v)``
    """
    res = tuple(reshape(x, (1,) * (2 - ndim(x)) + shape(x)) if ndim(x) < 2 else x for x in arys)
    return res[0] if len(res) == 1 else res


def stack(arrays, axis: int = 0):
    """Join arrays along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("stack: need at least one array to stack")
    nd = ndim(arrays[0]) + 1
    axis = _r.one_axis(axis, nd, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def vstack(arrays):
    """Join arrays along the first axis (1-D arrays as rows). Example: ``gnp.vstack([a, b])``"""
    return concatenate([atleast_2d(a) for a in arrays], 0)


def hstack(arrays):
    """Join arrays along the second axis (the first for 1-D). Example: ``gnp.hstack([a, b])``"""
    arrays = [atleast_1d(a) for a in arrays]
    if not arrays:
        raise ValueError("hstack: need at least one array to concatenate")
    return concatenate(arrays, 0 if ndim(arrays[0]) == 1 else 1)


def array_split(ary, indices_or_sections, axis: int = 0):
    """Split into ``indices_or_sections`` parts along ``axis``; parts may differ in size.

    Example: ``gnp.array_split(x, 3)``
    """
    x = ary
    n = shape(x)[axis]
    if _sections(indices_or_sections):
        k = int(indices_or_sections)  # (NumPy's: np.int64(3), 3.0 and a 0-d array count too)
        if k <= 0:
            raise ValueError(f"array_split: the number of sections must be larger than 0, "
                             f"got {k}")
        q, r = builtins.divmod(n, k)  # the module's divmod is gnp.divmod
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0] + [builtins.min(int(i), n) for i in indices_or_sections] + [n]
    return [_r._take_axis(x, a, b, axis % ndim(x)) for a, b in zip(bounds[:-1], bounds[1:],
                                                                   strict=True)]


def _sections(ios) -> bool:
    """Whether ``indices_or_sections`` is a number of sections (NumPy: it has no len())."""
    try:
        len(ios)
    except TypeError:
        return True
    return False


def split(ary, indices_or_sections, axis: int = 0):
    """Split into sub-arrays along ``axis`` (equal sections must divide the axis)."""
    x = ary
    if _sections(indices_or_sections) and shape(x)[axis] % indices_or_sections:
        raise ValueError(
            f"split: array of shape {shape(x)} does not divide into {indices_or_sections} "
            f"equal sections along axis {axis}"
        )
    return array_split(x, indices_or_sections, axis)


def _in_bounds_getitem(x, index, op: str, checked: bool = True):
    """``x[index]`` for a user's index arrays: entries out of range raise ``IndexError`` naming
    ``op``, on CuPy too (whose indexing wraps them around silently), as NumPy's. Library code
    whose indices are in range by construction passes ``checked=False`` (no host read)."""
    from ..prims import indexing as _ix

    if checked and not _ix._batched_index(index) and _ix._unchecked_backend(x):
        _ix.check_bounds(_ix.normalize_index(index), shape(x), op)
    return getitem(x, index)


def _int_indices(indices, op: str):
    """``indices`` as integer positions, as NumPy's take reads them: booleans are 0 and 1 (not
    a mask), Python floats are truncated, an array of floats raises TypeError."""
    if isinstance(indices, list | tuple | int | float):  # Python numbers and lists
        try:
            h = _np.asarray(indices)
        except (TypeError, ValueError):  # (device arrays in a list: indexing reads them)
            return indices
        return h.astype(_np.intp) if h.dtype.kind in "bf" else indices
    d = _r.data(indices)
    kind = getattr(getattr(d, "dtype", None), "kind", "i")
    if kind == "b":
        return d.astype(_np.intp)
    if kind not in "iu" and not isinstance(d, Tensor):
        raise TypeError(f"{op}: indices must be integers, got {d.dtype} "
                        f"(shape {tuple(d.shape)})")
    return indices


def take(x, indices, axis=None, *, checked: bool = True):
    """Elements at ``indices`` along ``axis`` (None: of the flattened array)."""
    if checked:
        indices = _int_indices(indices, "take")
    if axis is None:
        return _in_bounds_getitem(ravel(x), indices, "take", checked)
    if ndim(x) == 0:  # NumPy reads a 0-d array as one of shape (1,) along axis 0 or -1
        _r.one_axis(axis, 0, "take")
        return _in_bounds_getitem(ravel(x), indices, "take", checked)
    if not -ndim(x) <= axis < ndim(x):
        raise _np.exceptions.AxisError(axis, ndim(x), "take")
    axis = axis % ndim(x)
    return _in_bounds_getitem(x, (slice(None),) * axis + (indices,), "take", checked)


def take_along_axis(x, indices, axis: int, *, checked: bool = True):
    """Pick values with an index array along ``axis``. Example: ``gnp.take_along_axis(x, i, 1)``"""
    xp = _r._xp(x)
    idx = _r.data(indices)  # inside vmap, a batched constant
    if ndim(x) == 0:  # NumPy's take_along_axis and sort have no axis in a 0-d array
        raise _np.exceptions.AxisError(axis, 0, "take_along_axis")
    if getattr(getattr(idx, "dtype", None), "kind", "i") not in "iu":
        raise IndexError(f"take_along_axis: indices must be an integer array, got "
                         f"{idx.dtype} (shape {tuple(idx.shape)})")
    axis = _r.one_axis(axis, ndim(x), "take_along_axis")
    if len(idx.shape) != ndim(x):
        raise ValueError(f"take_along_axis: indices of shape {tuple(idx.shape)} must have as "
                         f"many dimensions as the array of shape {tuple(shape(x))}")
    grids = []
    for d in range(ndim(x)):
        if d == axis:
            grids.append(idx)
            continue
        n, m = shape(x)[d], idx.shape[d]
        if n != m and 1 not in (n, m):
            raise ValueError(f"take_along_axis: indices of shape {tuple(idx.shape)} do not "
                             f"broadcast against the array of shape {tuple(shape(x))} "
                             f"outside axis {axis}")
        s = [1] * ndim(x)
        s[d] = builtins.max(n, m)  # the indices broadcast against the array, as NumPy's
        grids.append((xp.arange(n) if n == s[d] else xp.zeros(s[d], dtype=int)).reshape(s))
    return _in_bounds_getitem(x, tuple(grids), "take_along_axis", checked)


# (the public take and take_along_axis, defined later, wrap these two with NumPy's arguments)
_take_core, _take_along_axis_core = take, take_along_axis


def _take_in_range(x, indices, axis=None):
    """``take`` for indices in range by construction (library code): no bounds check."""
    return _take_core(x, indices, axis, checked=False)


def _take_along_axis_in_range(x, indices, axis: int):
    """``take_along_axis`` for indices in range by construction: no bounds check."""
    return _take_along_axis_core(x, indices, axis, checked=False)


def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None).

    Example: ``gnp.flip(x, 0)``
    """
    axes = range(ndim(x)) if axis is None else _r.norm_axis(axis, ndim(x))
    idx = [slice(None)] * ndim(x)
    for a in axes:
        idx[a] = slice(None, None, -1)
    return getitem(x, tuple(idx))


def fliplr(x):
    """Reverse along axis 1. Example: ``gnp.fliplr(m)``"""
    return flip(x, 1)


def flipud(x):
    """Reverse along axis 0. Example: ``gnp.flipud(m)``"""
    return flip(x, 0)


def roll(x, shift, axis=None):
    """Shift elements cyclically along ``axis``. Example: ``gnp.roll(x, 1)``"""
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape(x))
    # a 0-d array is one shift or axis, as a Python int is (NumPy's and JAX's reading)
    shifts = [shift] if _np.ndim(shift) == 0 else list(shift)
    axes = [axis] if _np.ndim(axis) == 0 else list(axis)
    if len(shifts) == 1 or len(axes) == 1:  # NumPy broadcasts one against the other
        n = builtins.max(len(shifts), len(axes))
        shifts, axes = shifts * (n // len(shifts)), axes * (n // len(axes))
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift} and axis {axis} must be scalars or sequences "
                         f"of one length")
    total: dict[int, int] = {}
    for s, a in zip(shifts, axes, strict=True):  # an axis named twice rolls by the sum
        a = _r.one_axis(a, ndim(x), "roll")
        total[a] = total.get(a, 0) + int(s)
    xp = _r._xp(x)
    for a, s in total.items():
        n = shape(x)[a]
        x = take(x, xp.asarray(_np.roll(_np.arange(n), s)), a)
    return x


def tile(x, reps):
    """Repeat the whole array ``reps`` times. Example: ``gnp.tile(x, (2, 1))``"""
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    d = builtins.max(ndim(x), len(reps))
    s = (1,) * (d - ndim(x)) + shape(x)
    reps = (1,) * (d - len(reps)) + reps
    x = reshape(x, tuple(v for n in s for v in (1, n)))
    x = broadcast_to(x, tuple(v for r, n in zip(reps, s, strict=True) for v in (r, n)))
    # a copy, as NumPy's and torch's: the reshape of the broadcast is often still a view of
    # ``x``, which a later write to ``x`` would change
    return copy(reshape(x, tuple(r * n for r, n in zip(reps, s, strict=True))))


def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis``. Example: ``gnp.repeat(x, 2)``"""
    if axis is None:
        x, axis = ravel(x), 0
    elif ndim(x) == 0:  # NumPy reads a 0-d array as one of shape (1,) along axis 0 or -1
        x, axis = ravel(x), _r.one_axis(axis, 0, "repeat")
    else:
        axis = _r.one_axis(axis, ndim(x), "repeat")
    n = shape(x)[axis]
    if isinstance(repeats, float | _np.floating):  # NumPy truncates a scalar float count
        repeats = int(repeats)
    if not isinstance(repeats, int):
        _vc.host_read("repeat: counts (they fix the result's shape)", repeats)
        repeats = _data(repeats)
        # counts are needed on the host (they fix the output shape); CuPy needs .get() for that
        repeats = repeats.get() if hasattr(repeats, "get") else _np.asarray(repeats)
    idx = _np.repeat(_np.arange(n), repeats)
    return take(x, _r._xp(x).asarray(idx), axis)


def pad(x, pad_width, mode: str = "constant", constant_values=0):
    """``numpy.pad`` (constant, edge, reflect, symmetric, wrap)."""
    nd = ndim(x)
    pw = _np.broadcast_to(_np.asarray(pad_width, dtype=int), (nd, 2))
    xp = _r._xp(x)
    for a in range(nd):
        before, after = int(pw[a, 0]), int(pw[a, 1])
        if before == after == 0:
            continue
        if mode == "constant":
            parts = []
            for n in (before, after):
                s = list(shape(x))
                s[a] = n
                parts.append(full(tuple(s), constant_values, dtype=_r.data(x).dtype))
            x = concatenate([parts[0], x, parts[1]], a)
        else:
            idx = _np.pad(_np.arange(shape(x)[a]), (before, after), mode=mode)
            x = take(x, xp.asarray(idx), a)
    return x


def _tri_zero(x):
    """The fill of tril/triu: False for a boolean array (NumPy keeps its dtype), else 0."""
    return False if getattr(x, "dtype", None) == _np.bool_ else 0


def _tri_mask(x, name):
    """``(n, m)`` of tril/triu's mask; a 1-D ``x`` of length n makes an (n, n) one (its row
    is broadcast, as NumPy's), a 0-d one is refused with NumPy's TypeError."""
    s = shape(x)
    if len(s) == 0:
        raise TypeError(f"{name}: the array must have at least one dimension (got a 0-d one)")
    return (s[0], s[0]) if len(s) == 1 else s[-2:]


def triu(x, k: int = 0):
    """Upper triangle (above diagonal ``k``), zeros elsewhere. Example: ``gnp.triu(m)``"""
    xp = _r._xp(x)
    n, m = _tri_mask(x, "triu")
    return _where3(xp.triu(xp.ones((n, m), dtype=bool), k), x, _tri_zero(x))


def tril(x, k: int = 0):
    """Lower triangle (below diagonal ``k``), zeros elsewhere. Example: ``gnp.tril(m)``"""
    xp = _r._xp(x)
    n, m = _tri_mask(x, "tril")
    return _where3(xp.tril(xp.ones((n, m), dtype=bool), k), x, _tri_zero(x))


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of the (axis1, axis2) planes, moved to the last axis: of a Tensor, a view
    (writes through it reach ``x``, as torch's; NumPy's is read-only)."""
    x = moveaxis(x, (axis1, axis2), (-2, -1))
    if isinstance(x, Tensor):  # inside vmap too: a write through it must reach x
        from ..prims.indexing import diagonal_

        return diagonal_(x, offset=int(offset), shape=tuple(x.shape))
    from ..prims.indexing import diagonal_rows_cols

    n, m = shape(x)[-2:]
    rows, cols = diagonal_rows_cols(_r._xp(x), n, m, offset)
    return getitem(x, (Ellipsis, rows, cols))


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Sum of the diagonal. Example: ``gnp.trace(m)``"""
    return sum(diagonal(x, offset, axis1, axis2), -1)


def diag(v, k: int = 0):
    """A diagonal matrix from a 1-D array, or the diagonal of a 2-D array (a copy, as torch's
    ``diag``; NumPy's is a read-only view). Example: ``gnp.diag(m)``"""
    if ndim(v) == 2:
        return copy(diagonal(v, k))
    if ndim(v) != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {shape(v)}")
    m = shape(v)[0]
    n = m + builtins.abs(k)
    xp = _r._xp(v)
    rows = xp.arange(m) + builtins.max(-k, 0)
    cols = xp.arange(m) + builtins.max(k, 0)
    return _r.scatter(v, index=(rows, cols), shape=(n, n), basic=False)


# ---- products -----------------------------------------------------------------------------

def tensordot(a, b, axes=2):
    """Sum products over the given axes, as ``numpy.tensordot``."""
    if isinstance(axes, int):
        axes = builtins.max(axes, 0)  # NumPy's: a negative count sums over no axis (outer)
        if axes > builtins.min(ndim(a), ndim(b)):
            raise ValueError(f"tensordot: axes={axes} sums over more axes than the inputs "
                             f"have (shapes {shape(a)} and {shape(b)})")
        ax_a = list(range(ndim(a) - axes, ndim(a)))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    for ax, x in ((ax_a, a), (ax_b, b)):
        for i in ax:  # an axis out of range would pick another one silently below
            if not -ndim(x) <= i < ndim(x):
                raise _np.exceptions.AxisError(
                    f"tensordot: axis {i} is out of bounds for an operand of shape {shape(x)}")
    ax_a = [i % ndim(a) for i in ax_a]
    ax_b = [i % ndim(b) for i in ax_b]
    for i, j in zip(ax_a, ax_b, strict=True):
        if shape(a)[i] != shape(b)[j]:
            raise ValueError(
                f"tensordot: shape mismatch for sum: {shape(a)} axis {i} vs {shape(b)} axis {j}"
            )
    free_a = [i for i in range(ndim(a)) if i not in ax_a]
    free_b = [i for i in range(ndim(b)) if i not in ax_b]
    k = 1
    for i in ax_a:
        k *= shape(a)[i]
    sa = [shape(a)[i] for i in free_a]
    sb = [shape(b)[i] for i in free_b]
    m = n = 1  # (sizes spelled out: a -1 beside a 0 would be ambiguous)
    for v in sa:
        m *= v
    for v in sb:
        n *= v
    am = reshape(transpose(a, tuple(free_a + ax_a)), (m, k))
    bm = reshape(transpose(b, tuple(ax_b + free_b)), (k, n))
    return reshape(matmul(am, bm), tuple(sa + sb))


def dot(a, b):
    """``numpy.dot``: matmul for 1-D/2-D operands, tensordot over (last, second-to-last)."""
    na = a._data.ndim if a.__class__ is Tensor and a._bat is None else ndim(a)
    nb = b._data.ndim if b.__class__ is Tensor and b._bat is None else ndim(b)
    if na == 0 or nb == 0:
        return _multiply(a, b)
    if na <= 2 and nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, ([-1], [-2 if nb > 1 else -1]))


def outer(a, b):
    """Outer product of the flattened inputs. Example: ``gnp.outer(a, b)``"""
    return _multiply(getitem(ravel(a), (slice(None), None)), getitem(ravel(b), (None, slice(None))))


def inner(a, b):
    """Inner product over the last axes. Example: ``gnp.inner(a, b)``"""
    if ndim(a) == 0 or ndim(b) == 0:
        return _multiply(a, b)
    return tensordot(a, b, ([-1], [-1]))


def vdot(a, b):
    """Dot product of the flattened inputs, conjugating ``a`` (as NumPy).

    Example: ``gnp.vdot(a, b)``
    """
    sa, sb = tuple(shape(a)), tuple(shape(b))
    if int(_np.prod(sa)) != int(_np.prod(sb)):  # NumPy's vdot does not broadcast
        raise ValueError(f"vdot: the inputs must have as many elements, got shapes {sa} and "
                         f"{sb}")
    a, b = ravel(a), ravel(b)
    p = _multiply(conj(a), b)
    dt = _np.result_type(_r.data(a).dtype, _r.data(b).dtype)
    # NumPy's vdot keeps the inputs' type (int8 stays int8, bool stays bool); sum widens
    return astype(sum(p), dt) if dt.kind in "iub" else sum(p)


# ---- more NumPy names, built from the primitives ------------------------------------------------

def diff(x, n: int = 1, axis: int = -1):
    """Discrete difference along ``axis``, ``n`` times."""
    axis = _r.one_axis(axis, ndim(x), "diff")
    # booleans differ where they are unequal, as NumPy's (which has no boolean subtract)
    step = not_equal if _r.data(x).dtype == _np.bool_ else _subtract
    for _ in range(n):
        m = shape(x)[axis]
        x = step(_r._take_axis(x, 1, m, axis), _r._take_axis(x, 0, builtins.max(m - 1, 0), axis))
    return x


def exp2(x):
    """``2 ** x``. Example: ``gnp.exp2(x)``"""
    from ._more_math import exp2_complex, ufunc_float

    x = ufunc_float(x)
    if getattr(_r.data(x), "dtype", _np.dtype(type(x))).kind == "c":
        return exp2_complex(x)
    return power(2.0, x)


def cbrt(x):
    """Real cube root (negative inputs give negative roots)."""
    if getattr(_r.data(x), "dtype", None) is not None and _r.data(x).dtype.kind == "c":
        raise TypeError("cbrt: complex input is not supported (as in NumPy)")
    from ._more_math import ufunc_float

    return _r.cbrt(ufunc_float(x))


def deg2rad(x):
    """Degrees to radians. Example: ``gnp.deg2rad(x)``"""
    from ._more_math import real_ufunc_float

    return real_ufunc_float(x, "deg2rad") * (pi / 180.0)


def rad2deg(x):
    """Radians to degrees. Example: ``gnp.rad2deg(x)``"""
    from ._more_math import real_ufunc_float

    return real_ufunc_float(x, "rad2deg") * (180.0 / pi)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0. For |x| < 1/4 it is evaluated by its Maclaurin polynomial
    (to degree 16, truncation below 1e-18), so derivatives near and at 0 are exact to order 17
    (``-pi**2/3`` for the second); the quotient's derivatives cancel catastrophically there.

    Example: ``gnp.sinc(x)``
    """
    xd = _r.data(x)  # (gnp operations: a batched mask inside vmap)
    if getattr(xd, "dtype", None) is not None and xd.dtype.kind == "i":
        # |x| of the most negative integer wraps around to itself: compare both sides
        small = _r.logical_and(_r.less(xd, 0.25), _r.greater(xd, -0.25))
    else:
        small = _r.less(_r.abs(xd), 0.25)
    safe = where(small, 1.0, x)
    u = square(pi * where(small, x, 0.0))
    poly = 1.0
    for k in range(8, 0, -1):  # sum_k (-u)^k / (2k + 1)!, by Horner
        poly = 1.0 - u * poly / ((2 * k) * (2 * k + 1))
    return where(small, poly, sin(pi * safe) / (pi * safe))


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Elementwise closeness of ``a`` and ``b`` (not differentiable); ``equal_nan`` counts
    two NaNs as close. Example: ``gnp.isclose(a, b)``
    """
    if builtins.any(isinstance(v, Tensor) and v._bat is not None for v in (a, b, rtol, atol)):
        # batched by vmap: NumPy's rule by primitives (each example's values stay inside),
        # in floats as NumPy's (no wrap-around of |a - b| for integers)
        a, b = stop_gradient(a), stop_gradient(b)
        bd = getattr(b, "dtype", None)
        to = _np.result_type(bd if bd is not None else b, 1.0)
        a, b = (astype(v, to) if isinstance(v, Tensor) and v.dtype.kind in "biu" else v
                for v in (a, b))
        finite = _r.logical_and(_r.isfinite(a), _r.isfinite(b))
        fa, fb = _where3(finite, a, 0), _where3(finite, b, 0)  # (no inf - inf)
        near = _r.less_equal(_r.abs(_r.subtract(fa, fb)),
                             _r.add(atol, _r.multiply(rtol, _r.abs(fb))))
        out = _where3(finite, near, _r.equal(a, b))
        if equal_nan:
            out = _r.logical_or(out, _r.logical_and(_r.isnan(a), _r.isnan(b)))
        return out
    # (tolerances given as Tensors are read as constants, as the comparison is)
    return _vc.result(_r._xp(a).isclose(_data(a), _data(b), rtol=_data(rtol), atol=_data(atol),
                                        equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when ``a`` and ``b`` agree within tolerances (not differentiable).

    Example: ``gnp.allclose(a, b)``
    """
    # CuPy answers a 0-d array: its value is read into Python, refused for traced values
    _vc.host_read("allclose() (a Python bool: its value)", a, b)
    close = _r._xp(a).allclose(_data(a), _data(b), rtol=_data(rtol), atol=_data(atol),
                               equal_nan=equal_nan)
    return True if close else False  # (``bool`` here is NumPy's dtype, gnp.bool)


from . import lib  # noqa: E402, F401  (gnp.lib.stride_tricks)
from ._more import *  # noqa: E402, F403  (NumPy's other functions, by family)


def _take_ufunc_keywords(namespace: dict) -> None:
    """Every function named after an elementwise NumPy ufunc takes its keywords (out=,
    dtype=, where=, casting=); the primitives take them already (gpuad/prims/core.py)."""
    for name, fn in list(namespace.items()):
        uf = getattr(_np, name, None)
        if isinstance(uf, _np.ufunc) and uf.signature is None and callable(fn) and not (
                hasattr(fn, "rule") or getattr(fn, "_ufunc_keywords", False)):
            namespace[name] = _with_ufunc_keywords(fn, uf)


_take_ufunc_keywords(globals())

from ._op_errors import name_errors as _name_errors  # noqa: E402

_name_errors(globals())

from ._ufunc import attach_all as _attach_ufuncs  # noqa: E402
from ._ufunc import frompyfunc, ufunc  # noqa: E402, F401

_attach_ufuncs(globals())  # gnp.add.reduce, .accumulate, .outer, .at, .reduceat


from . import polynomial  # noqa: E402,F401

# NumPy's version, as autograd.numpy gives it: code written for NumPy reads
# ``np.__version__`` to choose between NumPy APIs, and gpuad.numpy follows the installed one
# (before this, the lookup fell to __getattr__ below and raised "no differentiable ...").
__version__ = _np.__version__


def __getattr__(name: str):
    if hasattr(_np, name):
        raise AttributeError(
            f"gpuad.numpy has no differentiable {name!r} yet; compose it from gpuad.numpy "
            f"functions, or apply numpy.{name} to x.numpy() outside differentiated code"
        )
    raise AttributeError(f"module 'gpuad.numpy' has no attribute {name!r}")
