"""NumPy 2's Array API names (``acos``, ``atan2``, ``concat``, ``permute_dims``, ``pow``, the
``bitwise_*`` family), ``cumulative_sum``/``cumulative_prod``, the vector products ``vecdot``,
``matvec``, ``vecmat``, ``nextafter``, and the index helpers (``tri``, ``tril_indices``,
``diag_indices``, ``indices``, ``ix_``, ...), whose results are integer or constant.
"""

from __future__ import annotations

import operator as _operator
from typing import Any

import numpy as _np

from .. import rules as _r
from ..prims.core import prim
from ..rules import concatenate, data, ndim, reshape, shape
from ..tensor import Tensor
from . import arccos as acos
from . import arccosh as acosh
from . import arcsin as asin
from . import arcsinh as asinh
from . import arctan as atan
from . import arctan2 as atan2
from . import arctanh as atanh
from . import power as pow  # noqa: A004
from ._more_poly import _arr, _dtype


def _xp(a):
    return _r._xp(a)


def concat(arrays, /, axis: int | None = 0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays along an existing axis (the Array API name of ``concatenate``).
    Example: ``gnp.concat([x, y], axis=1)``"""
    from . import concatenate as cat

    if out is None and dtype is None:
        return cat(arrays, axis=axis)
    return cat(arrays, axis=axis, out=out, dtype=dtype, casting=casting)


def permute_dims(a, axes=None):
    """``a`` with its axes reordered (NumPy's other name of ``transpose``; None reverses
    them). Example: ``gnp.permute_dims(x, (1, 0))``"""
    from . import transpose

    return transpose(a, axes)


# ---- integer and boolean operations (no derivative) --------------------------------------------

def _int_op(name: str, fn, doc: str):
    p = prim(name, fn, nondiff=True)
    p.__doc__ = (f"{doc} (integer or boolean valued: not differentiated). "
                 f"Example: ``gnp.{name}(a, b)``")
    return p


bitwise_and = _int_op("bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), "``x & y``")
bitwise_or = _int_op("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), "``x | y``")
bitwise_xor = _int_op("bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), "``x ^ y``")
invert = _int_op("invert", lambda xp, x: xp.invert(x), "``~x``")
left_shift = _int_op("left_shift", lambda xp, x, y: xp.left_shift(x, y), "``x << y``")
right_shift = _int_op("right_shift", lambda xp, x, y: xp.right_shift(x, y), "``x >> y``")
gcd = _int_op("gcd", lambda xp, x, y: xp.gcd(x, y), "The greatest common divisor")
lcm = _int_op("lcm", lambda xp, x, y: xp.lcm(x, y), "The least common multiple")
bitwise_count = _int_op("bitwise_count", lambda xp, x: xp.bitwise_count(x),
                        "The number of 1-bits in ``abs(x)``")
bitwise_not = bitwise_invert = invert
bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def _nextafter_fwd(xp, x, y):
    return xp.nextafter(x, y)


def _zero_like(g):
    return _xp(g).zeros(shape(g), dtype=data(g).dtype)


# nextafter(x, y) - x is piecewise constant: derivative 1 in x, 0 in y
nextafter = prim("nextafter", _nextafter_fwd,
                 vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: _zero_like(g)], jvp="vjp")
nextafter.__doc__ = """The next floating-point value after ``x`` towards ``y``: derivative 1 in
``x`` (it differs from ``x`` by a piecewise constant) and 0 in ``y``.
Example: ``gnp.nextafter(x, gnp.inf)``"""


# ---- cumulative sums and products with NumPy 2's signature -------------------------------------

def _cumulative(x, fn, identity, axis, dtype, out, include_initial: bool, what: str):
    x = _arr(x)
    if ndim(x) == 0:
        x = reshape(x, (1,))
    nd = ndim(x)
    if axis is None:
        if nd >= 2:
            raise ValueError(f"{what}: for arrays which have more than one dimension ``axis`` "
                             f"argument is required (got shape {shape(x)})")
        axis = 0
    if isinstance(axis, tuple) and len(axis) == 1:  # NumPy's accumulate takes one in a tuple
        axis = axis[0]
    axis = _operator.index(axis)
    if not -nd <= axis < nd:
        raise _np.exceptions.AxisError(f"{what}: axis {axis} is out of bounds for array of "
                                       f"dimension {nd}")
    axis %= nd
    res: Any = fn(x, axis=axis, dtype=dtype)  # None: NumPy's (small integers widen)
    if include_initial:
        first = list(shape(x))
        first[axis] = 1
        res = concatenate([_xp(x).full(tuple(first), identity, dtype=_dtype(res)), res],
                          axis=axis)
    if out is not None:
        from .._numpy_protocol import _write_out

        _write_out(out, res, what)
        return out
    return res


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None, out=None,
                   include_initial: bool = False):
    """Running sums along ``axis`` (NumPy 2's ``cumulative_sum``; ``include_initial`` starts
    with 0). Example: ``gnp.cumulative_sum(x, axis=1, include_initial=True)``"""
    from . import cumsum

    return _cumulative(x, cumsum, 0, axis, dtype, out, include_initial, "cumulative_sum")


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None, out=None,
                    include_initial: bool = False):
    """Running products along ``axis`` (NumPy 2's ``cumulative_prod``; ``include_initial``
    starts with 1). Example: ``gnp.cumulative_prod(x, axis=0)``"""
    from . import cumprod

    return _cumulative(x, cumprod, 1, axis, dtype, out, include_initial, "cumulative_prod")


# ---- vector products (NumPy 2's gufuncs) -------------------------------------------------------

def _vec_first(x, axis: int, what: str):
    nd = ndim(x)
    if nd == 0:
        raise ValueError(f"{what}: input operand does not have enough dimensions (a scalar)")
    if not -nd <= axis < nd:
        raise _np.exceptions.AxisError(f"{what}: axis {axis} is out of bounds for array of "
                                       f"dimension {nd}")
    from . import moveaxis

    return moveaxis(x, axis, -1) if axis % nd != nd - 1 else x


def _conj(x):
    from . import conj

    return conj(x) if _dtype(x).kind == "c" else x


def _core(n_a: int, n_b: int, what: str, sig: str) -> None:
    if n_a != n_b:
        raise ValueError(f"{what}: input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature {sig} (size {n_b} is different from {n_a})")


def _core_axes(what: str, fn, x1, x2, axes, keepdims, dtype, out):
    """``fn(x1, x2)`` with NumPy's generalized-ufunc ``axes=`` (each operand's core axes; see
    ``gpuad._numpy_protocol._gufunc_core_axes``), then ``dtype=`` and ``out=``."""
    from .._numpy_protocol import _gufunc_core_axes

    kw = {"axes": axes, "keepdims": keepdims} if keepdims else {"axes": axes}
    (a, b), place = _gufunc_core_axes(getattr(_np, what), what, (x1, x2), kw)((x1, x2))
    return _finish(place(fn(a, b)), False, -1, dtype, out, what)


def vecdot(x1, x2, /, *, axis: int | None = None, keepdims: bool = False, dtype=None,
           out=None, axes=None):
    """The dot product of vectors along ``axis`` (the first one conjugated), broadcasting over
    the other axes; ``axes=[(i,), (j,)]`` names each operand's axis (NumPy's gufunc keyword).
    Example: ``gnp.vecdot(a, b)``"""
    from . import matmul

    if axes is not None:
        if axis is not None:
            raise TypeError("vecdot: cannot specify both 'axis' and 'axes' (as NumPy)")
        return _core_axes("vecdot", vecdot, x1, x2, axes, keepdims, dtype, out)
    axis = -1 if axis is None else axis
    a = _vec_first(_arr(x1), axis, "vecdot")
    b = _vec_first(_arr(x2), axis, "vecdot")
    _core(shape(a)[-1], shape(b)[-1], "vecdot", "(n),(n)->()")
    r = matmul(reshape(_conj(a), tuple(shape(a)[:-1]) + (1, shape(a)[-1])),
               reshape(b, tuple(shape(b)) + (1,)))
    r = reshape(r, tuple(shape(r)[:-2]))
    return _finish(r, keepdims, axis, dtype, out, "vecdot")


def _finish(r, keepdims, axis, dtype, out, what):
    if keepdims:
        from . import expand_dims

        nd = ndim(r) + 1
        r = expand_dims(r, axis % nd)
    if dtype is not None and _dtype(r) != _np.dtype(dtype):
        r = _r.astype(r, dtype)
    if out is not None:
        from .._numpy_protocol import _write_out

        _write_out(out, r, what, "same_kind")
        return out
    return r


def matvec(x1, x2, /, *, dtype=None, out=None, axes=None):
    """Matrix-vector products ``x1 @ x2`` over stacks: shapes ``(..., m, n)`` and ``(..., n)``
    give ``(..., m)``; ``axes=`` places the core axes (NumPy's gufunc keyword).
    Example: ``gnp.matvec(A, v)``"""
    from . import matmul

    if axes is not None:
        return _core_axes("matvec", matvec, x1, x2, axes, False, dtype, out)
    a, b = _arr(x1), _arr(x2)
    if ndim(a) < 2 or ndim(b) < 1:
        raise ValueError(f"matvec: input operands do not have enough dimensions (shapes "
                         f"{shape(a)} and {shape(b)}; signature (m,n),(n)->(m))")
    _core(shape(a)[-1], shape(b)[-1], "matvec", "(m,n),(n)->(m)")
    r = matmul(a, reshape(b, tuple(shape(b)) + (1,)))
    return _finish(reshape(r, tuple(shape(r)[:-1])), False, -1, dtype, out, "matvec")


def vecmat(x1, x2, /, *, dtype=None, out=None, axes=None):
    """Vector-matrix products ``conj(x1) @ x2`` over stacks: shapes ``(..., n)`` and
    ``(..., n, m)`` give ``(..., m)``; ``axes=`` places the core axes (NumPy's gufunc
    keyword). Example: ``gnp.vecmat(v, A)``"""
    from . import matmul

    if axes is not None:
        return _core_axes("vecmat", vecmat, x1, x2, axes, False, dtype, out)
    a, b = _arr(x1), _arr(x2)
    if ndim(a) < 1 or ndim(b) < 2:
        raise ValueError(f"vecmat: input operands do not have enough dimensions (shapes "
                         f"{shape(a)} and {shape(b)}; signature (n),(n,m)->(m))")
    _core(shape(a)[-1], shape(b)[-2], "vecmat", "(n),(n,m)->(m)")
    r = matmul(reshape(_conj(a), tuple(shape(a)[:-1]) + (1, shape(a)[-1])), b)
    r = reshape(r, tuple(shape(r)[:-2]) + (shape(r)[-1],))
    return _finish(r, False, -1, dtype, out, "vecmat")


# ---- index helpers (integer valued, or constants) ----------------------------------------------

def tri(N: int, M: int | None = None, k: int = 0, dtype=float, *, like=None):
    """Ones at and below the ``k``-th diagonal (a backend array). Example: ``gnp.tri(3)``"""
    return _xp(None).tri(N, M, k, dtype=dtype)


def tril_indices(n: int, k: int = 0, m: int | None = None):
    """The indices of the lower triangle of an ``(n, m)`` array.
    Example: ``gnp.tril_indices(3)``"""
    return _xp(None).tril_indices(n, k=k, m=m)


def triu_indices(n: int, k: int = 0, m: int | None = None):
    """The indices of the upper triangle of an ``(n, m)`` array.
    Example: ``gnp.triu_indices(3, 1)``"""
    return _xp(None).triu_indices(n, k=k, m=m)


def diag_indices(n: int, ndim: int = 2):
    """The indices of the main diagonal of an ``n``-sided array of ``ndim`` dimensions.
    Example: ``gnp.diag_indices(3)``"""
    return _xp(None).diag_indices(n, ndim)


def diag_indices_from(arr):
    """The indices of the main diagonal of ``arr`` (all sides equal).
    Example: ``gnp.diag_indices_from(m)``"""
    nd = ndim(arr)
    if nd < 2:
        raise ValueError(f"diag_indices_from: input array must be at least 2-d, got shape "
                         f"{shape(arr)}")
    if len(set(shape(arr))) != 1:
        raise ValueError(f"diag_indices_from: all dimensions of input must be of equal length, "
                         f"got shape {shape(arr)}")
    return _xp(arr).diag_indices(shape(arr)[0], nd)


def indices(dimensions, dtype=int, sparse: bool = False):
    """The grid of indices of an array of shape ``dimensions``.
    Example: ``i, j = gnp.indices((2, 3))``"""
    if sparse:  # (CuPy's indices has no sparse=)
        from ._xp_fallbacks import sparse_indices

        return sparse_indices(_xp(None), tuple(dimensions), dtype)
    return _xp(None).indices(tuple(dimensions), dtype=dtype)


def _size(n, what: str) -> int:
    if isinstance(n, Tensor) and ndim(n) != 0:
        raise TypeError(f"{what}: sizes must be integers, got a Tensor of shape {shape(n)}")
    return _operator.index(n)


def ndindex(*shape_):
    """An iterator over the index tuples (Python ints) of an array of the given shape (sizes,
    or one tuple of them; integer 0-d Tensors count as sizes), in C order, as NumPy's.

    Example: ``for i, j in gnp.ndindex(x.shape): ...``"""
    if len(shape_) == 1 and isinstance(shape_[0], tuple | list):
        shape_ = tuple(shape_[0])
    return _np.ndindex(*[_size(n, "ndindex") for n in shape_])


def mask_indices(n, mask_func, k=0):
    """The indices of the nonzero entries of ``mask_func(ones((n, n)), k)`` (``gnp.triu``,
    ``gnp.tril``, or NumPy's), as arrays of the active backend, as NumPy's.

    Example: ``rows, cols = gnp.mask_indices(3, gnp.triu)``"""
    n = _size(n, "mask_indices")
    xp = _xp(None)
    a = mask_func(xp.ones((n, n), dtype=int), k)
    a = data(a) if isinstance(a, Tensor) else a
    return xp.nonzero(xp.asarray(a) != 0)


ndindex._takes_containers = mask_indices._takes_containers = True  # (no array parameters)


def ndenumerate(arr):
    """Pairs ``(index, arr[index])`` over every element, in C order, as NumPy's; on a Tensor
    each value is a recorded 0-d Tensor. Example: ``for (i, j), v in gnp.ndenumerate(x): ...``"""
    if not isinstance(arr, Tensor):
        return _np.ndenumerate(arr) if isinstance(arr, _np.ndarray) else \
            ((i, arr[i]) for i in _np.ndindex(*shape(arr)))
    return ((i, arr[i]) for i in _np.ndindex(*arr.shape))


def ix_(*args):
    """Open meshes from index sequences, for cross-product indexing: ``x[gnp.ix_(rows,
    cols)]``. Tensors give their values (indices are not differentiated)."""
    xp = _xp(next((a for a in args if isinstance(a, Tensor)), None))
    vals = [data(a) if isinstance(a, Tensor) else a for a in args]
    if xp is _np:
        return _np.ix_(*vals)
    # an empty sequence is an empty index (intp, as NumPy's), not an empty float array
    return xp.ix_(*[xp.asarray(v) if hasattr(v, "dtype") or _np.size(v) else
                    xp.asarray(v, dtype=_np.intp) for v in vals])


# ---- writes into an array: recorded into a Tensor ----------------------------------------------

def _check_target(a, vals, what: str) -> None:
    """The array written into must be a Tensor or an array; into an array, a value being
    differentiated raises (its gradient would be lost)."""
    if isinstance(a, Tensor):
        return
    if not hasattr(a, "dtype") or not hasattr(a, "__setitem__"):
        raise TypeError(f"{what}: the array written into must be an array or a Tensor, got "
                        f"{type(a).__name__}")
    if isinstance(vals, Tensor):
        from .._numpy_protocol import recording

        if recording(vals):
            raise TypeError(
                f"{what}: writing a Tensor that is being differentiated into a NumPy array would "
                f"silently drop its gradient; make the target a Tensor "
                f"(a = gpuad.tensor(a)), whose writes are recorded")


def _write_at(a, index, vals, what: str) -> None:
    """``a[index] = vals``: recorded when ``a`` is a Tensor; into a backend array only as
    values (a value being differentiated raises)."""
    _check_target(a, vals, what)
    if isinstance(a, Tensor):
        a[index] = vals
        return
    a[index] = vals.data if isinstance(vals, Tensor) else vals


def _cast_to(v, a):
    v = _arr(v)
    return v if _dtype(v) == _dtype(a) else _r.astype(v, _dtype(a))


def _safe_values(v, a, what: str) -> None:
    """NumPy's place and putmask take array values only by the 'safe' casting rule (lists,
    Python and NumPy scalars are converted): float values into an integer array raise."""
    if isinstance(v, _np.generic) or not hasattr(v, "dtype"):
        return
    vdt, adt = _np.dtype(data(v).dtype), _np.dtype(_dtype(a))
    if not _np.can_cast(vdt, adt, casting="safe"):
        raise TypeError(f"{what}: cannot cast array data from {vdt} to {adt} according to the "
                        f"rule 'safe' (pass values of the array's dtype, v.astype({adt}))")


def _cyclic(v, n: int):
    from ._more_select import resize

    return resize(v, (n,))


def fill_diagonal(a, val, wrap: bool = False) -> None:
    """Write ``val`` (repeated as needed) on the main diagonal of ``a``, in place (recorded
    when ``a`` is a Tensor). Example: ``gnp.fill_diagonal(m, 0.0)``"""
    _check_target(a, val, "fill_diagonal")
    nd = ndim(a)
    if nd < 2:
        raise ValueError(f"fill_diagonal: array must be at least 2-d, got shape {shape(a)}")
    sh = tuple(shape(a))
    end = None
    if nd == 2:
        step = sh[1] + 1
        if not wrap:
            end = sh[1] * sh[1]
    else:
        if len(set(sh)) != 1:
            raise ValueError(f"fill_diagonal: all dimensions of input must be of equal length, "
                             f"got shape {sh}")
        step = 1 + int(_np.cumprod(sh[:-1]).sum())
    flat = _np.arange(int(_np.prod(sh)))[:end:step]
    if flat.size == 0:
        return
    _write_at(a, _flat_index(flat, sh, a), _cyclic(_cast_to(val, a), flat.size),
              "fill_diagonal")


def _flat_index(flat, sh, like):
    xp = _xp(like)
    return tuple(xp.asarray(i) for i in _np.unravel_index(flat, sh))


def put(a, ind, v, mode: str = "raise") -> None:
    """``a.flat[ind] = v`` (``v`` repeated as needed), in place; recorded when ``a`` is a
    Tensor. Example: ``gnp.put(x, [0, 2], [1.0, 2.0])``"""
    from ._more_select import _index

    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"put: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    _check_target(a, v, "put")
    sh = tuple(shape(a))
    size = int(_np.prod(sh))
    ind = _np.asarray(_index(ind, "put: the indices"))
    if ind.ndim and ind.dtype.kind not in "iub":  # NumPy's 'safe' cast to intp
        raise TypeError(f"put: indices must be integers, got an array of {ind.dtype} "
                        f"(shape {ind.shape})")
    ind = ind.astype(_np.intp).ravel()
    if size == 0 and ind.size:
        raise IndexError(f"put: cannot replace elements of an empty array (shape {sh}) at "
                         f"{ind.size} indices")
    v = _arr(v)
    if ind.size == 0 or int(_np.prod(shape(v))) == 0:
        return
    if mode == "raise":
        bad = (ind < -size) | (ind >= size)
        if bad.any():
            raise IndexError(f"put: index {ind[bad][0]} is out of bounds for axis 0 with size "
                             f"{size}")
        ind = _np.where(ind < 0, ind + size, ind)
    elif mode == "wrap":
        ind = ind % size
    else:
        ind = _np.clip(ind, 0, size - 1)
    # a repeated index keeps its last write (NumPy's order): only that one is made
    _, last = _np.unique(ind[::-1], return_index=True)
    keep = _np.sort(ind.size - 1 - last)
    vals = _cyclic(_cast_to(v, a), ind.size)
    if keep.size != ind.size:
        from ._more_select import _gather

        vals = _gather(vals, keep, 0)
    _write_at(a, _flat_index(ind[keep], sh, a), vals, "put")


def place(arr, mask, vals) -> None:
    """Write the first entries of ``vals`` (repeated as needed) where ``mask`` is true, in
    place; recorded when ``arr`` is a Tensor. Example: ``gnp.place(x, x < 0, [0.0])``"""
    from ._more_select import _index

    _check_target(arr, vals, "place")
    _safe_values(vals, arr, "place")
    m = _np.asarray(_index(mask, "place: the mask (how many values are written)"), dtype=bool)
    sh = tuple(shape(arr))
    if m.size != int(_np.prod(sh)):
        raise ValueError(f"place: mask and data must be the same size (got {m.size} and "
                         f"{int(_np.prod(sh))})")
    n = int(m.sum())
    if n == 0:
        return
    vals = _arr(vals)
    if int(_np.prod(shape(vals))) == 0:
        raise ValueError("place: cannot insert from an empty array!")
    _write_at(arr, _flat_index(_np.flatnonzero(m), sh, arr),
              _cyclic(_cast_to(vals, arr), n), "place")


def putmask(a, /, mask, values) -> None:
    """Write ``values.flat[i % values.size]`` at each flat position ``i`` where ``mask`` is
    true, in place; recorded when ``a`` is a Tensor (a ``where`` on the values: it compiles
    under ``gpuad.jit``). Example: ``gnp.putmask(x, x < 0, 0.0)``"""
    from . import where

    _check_target(a, values, "putmask")
    _safe_values(values, a, "putmask")
    sh = tuple(shape(a))
    m = _arr(mask)
    if int(_np.prod(shape(m))) != int(_np.prod(sh)):
        raise ValueError(f"putmask: mask and data must be the same size (got shapes "
                         f"{tuple(shape(m))} and {sh})")
    values = _arr(values)
    if int(_np.prod(shape(values))) == 0:
        return
    full = reshape(_cyclic(_cast_to(values, a), int(_np.prod(sh))), sh)
    new = where(reshape(m, sh), full, a)
    if isinstance(a, Tensor):
        from .._numpy_protocol import _write_out

        _write_out(a, new, "putmask")
    else:
        _write_at(a, (Ellipsis,), new, "putmask")


def copyto(dst, src, casting: str = "same_kind", where=True) -> None:
    """Copy ``src`` (broadcast) into ``dst`` where ``where`` is true, in place; recorded when
    ``dst`` is a Tensor. Example: ``gnp.copyto(out, x, where=mask)``"""
    from . import broadcast_to
    from . import where as _where

    _check_target(dst, src, "copyto")
    # (a NumPy scalar is typed as an array of its dtype: np.float64 is a float subclass)
    if src.__class__ not in (int, float, complex, bool):
        s = _arr(src)
        if not _np.can_cast(_dtype(s), _dtype(dst), casting):
            raise TypeError(f"copyto: cannot cast array data from {_dtype(s)} to "
                            f"{_dtype(dst)} according to the rule {casting!r}")
        src = s
    elif isinstance(src, complex) and _dtype(dst).kind != "c" or \
            isinstance(src, float) and _dtype(dst).kind in "iub" and casting != "unsafe" or \
            type(src) is int and _dtype(dst).kind == "b" and casting != "unsafe":
        raise TypeError(f"copyto: cannot cast scalar {src!r} to {_dtype(dst)} according to the "
                        f"rule {casting!r}")
    elif src.__class__ is int and _dtype(dst).kind in "iu":
        info = _np.iinfo(_dtype(dst))
        if not info.min <= src <= info.max:  # NumPy does not wrap a Python int around
            raise OverflowError(f"copyto: Python integer {src} out of bounds for {_dtype(dst)}")
    if where is not True and where.__class__ not in (int, float, complex, bool) and \
            _dtype(_arr(where)).kind != "b":
        raise TypeError(f"copyto: where= must be boolean, not {_dtype(_arr(where))} (NumPy "
                        f"casts the mask with the rule 'safe'); compare it with 0 first")
    sh = tuple(shape(dst))
    v = _cast_to(src, dst)
    vs = tuple(shape(v))
    if len(vs) > len(sh):  # NumPy's assignment drops leading dims of length 1
        lead = vs[:len(vs) - len(sh)]
        if any(d != 1 for d in lead):
            raise ValueError(f"copyto: could not broadcast input array from shape {vs} into "
                             f"shape {sh}")
        v = reshape(v, vs[len(lead):])
    if tuple(shape(v)) != sh:
        v = broadcast_to(v, sh)
    if where is not True:
        v = _where(where, v, dst)
    from .._numpy_protocol import _write_out

    _write_out(dst, v, "copyto")


# the array written into is never a list made into a temporary array: NumPy raises for that
for _f in (fill_diagonal, put, place, putmask, copyto):
    _f._takes_containers = True  # type: ignore[attr-defined]
del _f

__all__ = ["acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "concat",
           "permute_dims", "pow", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
           "bitwise_not", "bitwise_invert", "left_shift", "right_shift", "bitwise_left_shift",
           "bitwise_right_shift", "bitwise_count", "gcd", "lcm", "nextafter", "cumulative_sum",
           "cumulative_prod", "vecdot", "matvec", "vecmat", "tri", "tril_indices",
           "triu_indices", "diag_indices", "diag_indices_from", "indices", "ix_", "ndindex",
           "ndenumerate", "mask_indices",
           "fill_diagonal", "put", "place", "putmask", "copyto"]
