"""NumPy's and JAX's ufunc objects: ``gnp.add.reduce``, ``.accumulate``, ``.outer``, ``.at``,
``.reduceat`` and the attributes ``nin``, ``nout``, ``nargs``, ``identity``, and
:func:`frompyfunc`.

The functions of ``gpuad.numpy`` named after an elementwise NumPy ufunc stay plain Python
functions (a class instance with ``__call__`` costs about 0.1 us more per call on CPython
3.11, which has no vectorcall for Python classes); :func:`attach` gives each one the methods
and attributes of a :class:`ufunc` describing it, and ``isinstance(gnp.add, gnp.ufunc)`` is
True. ``frompyfunc`` returns a :class:`ufunc` instance.

The methods are compositions of recorded gpuad.numpy functions, so they differentiate in both
modes and to any order:

- ``reduce``/``accumulate`` of add, multiply, maximum, minimum, logaddexp, logical_and/or,
  fmax, fmin are ``sum``/``prod``/``max``/``min``/``logsumexp``/``all``/``any``/``nanmax``/
  ``nanmin`` and ``cumsum``/``cumprod``/``lax.cummax``/``lax.cummin``/``lax.cumlogsumexp``
  (their own gradient rules, ties included); other ufuncs fold: in halves (``reduce``) or in
  ``log2(n)`` shifted steps (``accumulate``) where NumPy may reorder the operation (it has an
  identity, or is maximum/minimum/fmax/fmin), one element after the other otherwise.
- ``at`` is JAX's (out of place: the updated copy is returned; ``inplace=True`` raises):
  add/subtract are one scatter-add, multiply/divide/power/minimum/maximum and the one-argument
  ufuncs are applied once per occurrence of an index (``gpuad.at``), others index by index.
- dtypes and errors are NumPy's: they are read from NumPy's ufunc applied to a small
  stand-in array of the same dtype and rank (no data is copied).
"""

from __future__ import annotations

import operator
import sys as _sys
from collections.abc import Callable
from types import FunctionType
from typing import Any

import numpy as _np

from ..tensor import Tensor

#: reduce and accumulate of these ufuncs: the gpuad.numpy function with its own gradient rule
_REDUCE_BY = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
              "logical_and": "all", "logical_or": "any", "fmax": "nanmax", "fmin": "nanmin",
              "logaddexp": "logsumexp"}
_ACCUMULATE_BY = {"add": ("numpy", "cumsum"), "multiply": ("numpy", "cumprod"),
                  "maximum": ("lax", "cummax"), "minimum": ("lax", "cummin"),
                  "logaddexp": ("lax", "cumlogsumexp")}
#: at() of these ufuncs: the gpuad.at method (repeated indices handled by the scatter rules)
_AT_BY = {"add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
          "power": "power", "minimum": "min", "maximum": "max"}
#: ufuncs NumPy may reorder though they have no identity
_LAX_KINDS = {"cummax": "iuf", "cummin": "iuf", "cumlogsumexp": "f"}
_REORDERABLE = frozenset({"maximum", "minimum", "fmax", "fmin"})
_AT_INPLACE = ("{}.at: gpuad arrays are not updated in place; pass inplace=False, which "
               "returns the updated copy (as jax.numpy), or write x.at[indices].add(values)")


def _gnp():
    from .. import numpy as gnp

    return gnp


def _dtype(a) -> _np.dtype:
    d = getattr(a, "dtype", None)
    return _np.dtype(d) if d is not None else _np.asarray(a).dtype


def _shape(a) -> tuple:
    s = getattr(a, "shape", None)
    return tuple(s) if s is not None else _np.shape(a)


def _standin(a, keep_axis: int | None = None):
    """A NumPy array with ``a``'s dtype and rank and at most 2 entries along each axis (its
    full length along ``keep_axis``): what NumPy's type and axis checks see of ``a``."""
    shape = _shape(a)
    small = tuple(s if i == keep_axis else min(s, 2) for i, s in enumerate(shape))
    return _np.ones(small, _dtype(a))


def _weak(v):
    """A stand-in for a second operand or ``initial``: Python numbers stay (NumPy treats them
    as weakly typed), arrays become ones of their dtype and shape."""
    if v is None or v.__class__ in (bool, int, float, complex):
        return v
    return _np.ones(_shape(v), _dtype(v))


def _as_array(a):
    if isinstance(a, Tensor):
        return a
    gnp = _gnp()
    return gnp.asarray(a)


def _astype(a, dtype):
    return a if _dtype(a) == dtype else _gnp().astype(a, dtype)


def _norm_axes(axis, ndim: int, what: str) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    out = []
    for a in axes:
        a = operator.index(a)
        if not -ndim <= a < ndim:
            raise _np.exceptions.AxisError(a, ndim, what)
        out.append(a % ndim)
    return tuple(out)


class _UfuncType(type):
    """``isinstance(gnp.add, gnp.ufunc)``: the functions carrying a ufunc's methods count."""

    def __instancecheck__(cls, obj) -> bool:
        if type.__instancecheck__(cls, obj):
            return True
        return obj.__class__ is FunctionType and type.__instancecheck__(
            cls, obj.__dict__.get("_ufunc"))


class ufunc(metaclass=_UfuncType):  # noqa: N801  (NumPy's and JAX's name)
    """A function of ``nin`` arrays applied elementwise, with NumPy's methods ``reduce``,
    ``accumulate``, ``outer``, ``at`` (JAX's: out of place) and ``reduceat``, all recorded
    and differentiable where the function is.

    Example::

        gnp.add.reduce(x, axis=0)             # as gnp.sum(x, axis=0)
        gnp.maximum.accumulate(x)             # running maxima
        gnp.multiply.outer(a, b)              # a[:, None] * b for vectors
        y = gnp.add.at(x, idx, v)             # x unchanged; repeated indices add up
        f = gnp.frompyfunc(lambda a, b: a * b + a, 2, 1, identity=None)
        f.reduce(x)
    """

    __slots__ = ("_fn", "_call", "_np", "__name__", "_nin", "_nout", "_identity")

    def __init__(self, func: Callable, /, nin: int, nout: int, *, name: str | None = None,
                 identity: Any = None, call: Callable | None = None,
                 numpy_ufunc: _np.ufunc | None = None) -> None:
        s = object.__setattr__
        s(self, "_fn", func)
        s(self, "_call", call if call is not None else func)
        s(self, "_np", numpy_ufunc)
        s(self, "__name__", name or getattr(func, "__name__", "ufunc"))
        s(self, "_nin", operator.index(nin))
        s(self, "_nout", operator.index(nout))
        s(self, "_identity", identity)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"gpuad.numpy.ufunc {self.__name__!r}: attribute {name!r} is "
                             f"read-only")

    _func = property(lambda self: self._fn)
    nin = property(lambda self: self._nin, doc="The number of array arguments.")
    nout = property(lambda self: self._nout, doc="The number of results.")
    nargs = property(lambda self: self._nin + self._nout,
                     doc="Arguments including the outputs (``out=``), as NumPy counts them.")
    identity = property(lambda self: self._identity,
                        doc="The value of a reduction over nothing, or None.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ufunc) and self._key() == _key_of(other)

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self._fn, self.__name__, self._identity, self._nin, self._nout)

    def __repr__(self) -> str:
        return f"<gpuad.numpy.ufunc '{self.__name__}'>"

    # ---- helpers -----------------------------------------------------------------------

    def _binary(self, method: str) -> None:
        if self._nin != 2:
            raise ValueError(f"{self.__name__}.{method}: only supported for binary functions "
                             f"(this one takes {self._nin} argument(s))")
        if self._nout != 1:
            raise ValueError(f"{self.__name__}.{method}: only supported for functions "
                             f"returning a single value (this one returns {self._nout})")

    def _reorderable(self) -> bool:
        return self._identity is not None or self.__name__ in _REORDERABLE

    def _eval_dtype(self, *dtypes) -> _np.dtype:
        """The result dtype of the function on zeros of ``dtypes`` (frompyfunc ufuncs)."""
        gnp = _gnp()
        args = [d if d.__class__ in (bool, int, float, complex) else
                gnp.asarray(_np.ones((), d)) for d in dtypes]
        return _dtype(self._call(*args))

    # ---- reduce ------------------------------------------------------------------------

    def reduce(self, a: Any, axis: Any = 0, dtype: Any = None, out: Any = None,
               keepdims: bool = False, initial: Any = _np._NoValue, where: Any = None) -> Any:
        """``a`` folded with the ufunc along ``axis`` (an int, a tuple, or None for all),
        as ``numpy.<ufunc>.reduce``; ``initial=None`` given explicitly means no identity (an
        empty reduction or a ``where=`` mask raise), as NumPy's.
        Example: ``gnp.add.reduce(x, axis=1, keepdims=True)``"""
        self._binary("reduce")
        what = f"{self.__name__}.reduce"
        a = _as_array(a)
        noid = initial is None and self._np is not None  # (frompyfunc's: JAX's None)
        if initial is _np._NoValue:
            initial = None
        if where is not None and where is not True:
            wdt = _dtype(where)
            if wdt != _np.bool_:
                raise TypeError(f"{what}: where= must be a boolean array, got dtype {wdt}")
        else:
            where = None
        dt = self._reduce_dtype(a, axis, dtype, initial, where, keepdims, what, noid)
        given, out = out, _no_ellipsis(out, what)
        dt = _out_loop(self, a, dt, dtype, out)  # (uint8 summed into a uint16 out=)
        o = out[0] if isinstance(out, tuple) and len(out) == 1 else out
        nd = len(_shape(a))
        # a 0-d array reduces along axis 0 (or -1) to itself, as NumPy's
        axes = () if nd == 0 and not isinstance(axis, tuple | list) and axis is not None \
            and operator.index(axis) in (0, -1) else _norm_axes(axis, nd, what)
        if out is not None:  # NumPy neither broadcasts the result into out= nor drops axes
            want = tuple(1 if i in axes else s for i, s in enumerate(_shape(a))) if keepdims \
                else tuple(s for i, s in enumerate(_shape(a)) if i not in axes)
            if o is not None and not isinstance(o, tuple) and _shape(o) != want:
                raise ValueError(f"{what}: out= has shape {_shape(o)}, the reduction gives "
                                 f"{want} (NumPy raises here too)")
        r = self._reduce(a, axes, dt, keepdims, initial, where, what, noid)
        return _finish(r, ... if given is Ellipsis else out, what)

    def _reduce_dtype(self, a, axis, dtype, initial, where, keepdims, what, noid=False):
        if self._np is None:
            if where is not None and self._identity is None and initial is None:
                raise ValueError(f"{what}: the reduction has no identity, so to use a where "
                                 f"mask one has to specify 'initial'")
            several = len(_shape(a)) > 1 if axis is None else \
                isinstance(axis, tuple | list) and len(axis) > 1
            if several and not self._reorderable():
                raise ValueError(f"{what}: the reduction is not reorderable, so at most one "
                                 f"axis may be specified")
            return _np.dtype(dtype) if dtype is not None else \
                self._eval_dtype(_dtype(a), _dtype(a))
        kw = {} if where is None else {"where": _np.ones(_standin(a).shape, bool)}
        if initial is not None or noid:  # (initial=None means "no identity" to NumPy)
            kw["initial"] = _weak(initial)
        try:
            r = self._np.reduce(_standin(a), axis=axis, dtype=dtype, keepdims=keepdims, **kw)
        except (TypeError, ValueError, _np.exceptions.AxisError) as e:
            raise type(e)(f"{what}: {e} (NumPy raises here too)") from None
        return _dtype(r)

    def _reduce(self, a, axes, dt, keepdims, initial, where, what, noid=False):
        gnp = _gnp()
        shape = _shape(a)
        kept = tuple(1 if i in axes else s for i, s in enumerate(shape))
        final = kept if keepdims else tuple(s for i, s in enumerate(shape) if i not in axes)
        n = 1
        for i in axes:
            n *= shape[i]
        if n == 0 and initial is None and (self._identity is None or noid):
            raise ValueError(f"{what}: zero-size array to reduction operation "
                             f"{self.__name__} which has no identity")
        by = _REDUCE_BY.get(self.__name__) if self._np is not None else None
        some = None
        if by is not None and where is not None and by == "logsumexp":
            # a row with every entry masked is -inf; it is summed as zeros (then replaced) so
            # that its tangents stay 0 rather than 0 * NaN
            some = gnp.any(gnp.broadcast_to(where, shape), axis=axes, keepdims=True)
            a = gnp.where(where, a, gnp.where(some, -_np.inf, 0.0))
            some = gnp.reshape(some, final)
            where = None
        if by is not None:
            x = _astype(a, dt) if by not in ("all", "any") else a
            kw: dict = {"keepdims": keepdims}
            if where is not None:
                kw["where"] = where
            if initial is not None and by not in ("all", "any", "logsumexp"):
                kw["initial"] = initial if not isinstance(initial, Tensor) else None
            if by in ("sum", "prod"):
                kw["dtype"] = dt
            if by == "logsumexp":
                kw.pop("where", None)
                r = gnp.logsumexp(x, axis=axes, keepdims=keepdims) if n else \
                    gnp.full(final, -_np.inf, dtype=dt)
                if some is not None:
                    r = gnp.where(some, r, -_np.inf)
            else:
                r = getattr(gnp, by)(x, axis=axes, **kw)
            if initial is not None and (isinstance(initial, Tensor) or
                                        by in ("all", "any", "logsumexp")):
                r = self._call(r, _astype(_as_array(initial), dt) if isinstance(initial, Tensor)
                             else initial)
            return _astype(r, dt)
        # the general fold: the reduced axes first, flattened
        rest = tuple(i for i in range(len(shape)) if i not in axes)
        out_shape = tuple(shape[i] for i in rest)
        x = gnp.reshape(gnp.transpose(_astype(a, dt), axes + rest), (n,) + out_shape)
        w = None if where is None else gnp.reshape(
            gnp.transpose(gnp.broadcast_to(where, shape), axes + rest), (n,) + out_shape)
        masked_all = None
        init = None if initial is None else gnp.broadcast_to(
            _astype(_as_array(initial), dt), out_shape)
        if w is not None and self._identity is not None:
            x = gnp.where(w, x, self._identity_as(dt))
            masked_all = None if init is None else gnp.logical_not(gnp.any(w, axis=0))
            w = None
        if n == 0:
            r = init if init is not None else gnp.broadcast_to(self._identity_as(dt),
                                                                out_shape)
        elif self._reorderable() and w is None:
            r = self._tree(x, n, dt)
            if init is not None:
                r = _astype(self._call(init, r), dt)
                if masked_all is not None:  # NumPy: initial itself where nothing is selected
                    r = gnp.where(masked_all, init, r)
        else:
            r = init if init is not None else x[0]
            for i in range(0 if init is not None else 1, n):
                step = _astype(self._call(r, x[i]), dt)
                r = step if w is None else gnp.where(w[i], step, r)
        return gnp.reshape(_astype(r, dt), final)

    def _identity_as(self, dt):
        with _np.errstate(all="ignore"):
            return _np.array(self._identity).astype(dt)  # (bitwise_and's -1 wraps)

    def _tree(self, x, n: int, dt):
        """``x[0] (+) x[1] (+) ... (+) x[n-1]`` in halves: ``log2(n)`` recorded steps."""
        gnp = _gnp()
        while n > 1:
            h = n // 2
            pair = _astype(self._call(x[:h], x[h:2 * h]), dt)
            x = gnp.concatenate([pair, x[2 * h:]]) if n % 2 else pair
            n = h + n % 2
        return x[0]

    # ---- accumulate --------------------------------------------------------------------

    def accumulate(self, a: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        """The running results of the ufunc along ``axis``, as
        ``numpy.<ufunc>.accumulate``. Example: ``gnp.maximum.accumulate(x, axis=1)``"""
        self._binary("accumulate")
        what = f"{self.__name__}.accumulate"
        a = _as_array(a)
        nd = len(_shape(a))
        if nd == 0:
            raise TypeError(f"{what}: cannot accumulate on a scalar (a 0-d array)")
        if isinstance(axis, tuple | list) and len(axis) == 1:
            axis = axis[0]  # (NumPy takes a 1-tuple)
        if axis is None or isinstance(axis, tuple | list):
            if axis is None and nd == 1:
                axis = 0
            else:
                raise ValueError(f"{what}: accumulate takes a single integer axis, got "
                                 f"{axis!r}")
        (ax,) = _norm_axes(axis, nd, what)
        if self._np is not None:
            try:
                dt = _dtype(self._np.accumulate(_standin(a), axis=ax, dtype=dtype))
            except (TypeError, ValueError) as e:
                raise type(e)(f"{what}: {e} (NumPy raises here too)") from None
        else:
            dt = _np.dtype(dtype) if dtype is not None else \
                self._eval_dtype(_dtype(a), _dtype(a))
        given, out = out, _no_ellipsis(out, what)
        dt = _out_loop(self, a, dt, dtype, out)
        return _finish(self._accumulate(a, ax, dt), ... if given is Ellipsis else out, what)

    def _accumulate(self, a, ax: int, dt):
        gnp = _gnp()
        x = _astype(a, dt)
        n = _shape(a)[ax]
        by = _ACCUMULATE_BY.get(self.__name__) if self._np is not None else None
        if n == 0:
            return x
        if by is not None and (by[0] == "numpy" or dt.kind in _LAX_KINDS[by[1]]):
            if by[0] == "numpy":
                return getattr(gnp, by[1])(x, axis=ax, dtype=dt)
            from .. import lax

            return _astype(getattr(lax, by[1])(x, axis=ax), dt)
        pre = (slice(None),) * ax
        if self._reorderable():
            step = 1
            while step < n:  # log-depth inclusive scan
                head = x[pre + (slice(0, step),)]
                tail = _astype(self._call(x[pre + (slice(0, n - step),)],
                                        x[pre + (slice(step, None),)]), dt)
                x = gnp.concatenate([head, tail], axis=ax)
                step *= 2
            return x
        outs = [x[pre + (0,)]]
        for i in range(1, n):
            outs.append(_astype(self._call(outs[-1], x[pre + (i,)]), dt))
        return gnp.stack(outs, axis=ax)

    # ---- outer -------------------------------------------------------------------------

    def outer(self, A: Any, B: Any, /, **kwargs: Any) -> Any:  # noqa: N803  (NumPy's names)
        """The ufunc of every pair: ``result[i..., j...] = f(A[i...], B[j...])``, as
        ``numpy.<ufunc>.outer`` (the ufunc's keywords, e.g. ``out=``, are passed on).
        Example: ``gnp.subtract.outer(a, b)``"""
        if self._nin != 2:
            raise ValueError(f"{self.__name__}.outer: only supported for binary functions "
                             f"(this one takes {self._nin} argument(s))")
        gnp = _gnp()
        A, B = _as_array(A), _as_array(B)
        A = gnp.reshape(A, _shape(A) + (1,) * len(_shape(B)))
        return self._call(A, B, **kwargs)

    # ---- at ----------------------------------------------------------------------------

    def at(self, a: Any, indices: Any, b: Any = None, /, *, inplace: bool = False) -> Any:
        """``a`` with the ufunc applied at ``indices`` (with ``b``'s values for a binary
        ufunc), returned as a new array; a repeated index is applied once per occurrence, as
        ``numpy.<ufunc>.at`` does in place. ``inplace=True`` raises, as in jax.numpy.

        Example: ``y = gnp.add.at(x, gnp.array([0, 0, 2]), 1.0)``"""
        if inplace:
            raise NotImplementedError(_AT_INPLACE.format(self.__name__))
        what = f"{self.__name__}.at"
        if self._nout != 1:
            raise ValueError(f"{what}: only supported for functions returning a single value")
        if self._nin == 1 and b is not None:
            raise ValueError(f"{what}: {self.__name__} takes one argument; b must be None")
        if self._nin == 2 and b is None:
            raise ValueError(f"{what}: second operand needed for ufunc")
        if self._nin > 2:
            raise ValueError(f"{what}: only supported for one- and two-argument functions")
        raw = not any(isinstance(v, Tensor) for v in (a, b, *(
            indices if isinstance(indices, tuple) else (indices,))))
        r = self._at(a, indices, b, what)
        return r.data if raw and isinstance(r, Tensor) else r  # (gpuad.at gives Tensors)

    def _at(self, a, indices, b, what: str):
        from .._at import at as _at

        a = _as_array(a)
        if self._np is not None:
            try:
                dt = _dtype(self._np(_np.ones((), _dtype(a)),
                                     *(() if b is None else (_weak(b),))))
            except TypeError as e:
                raise TypeError(f"{what}: {e} (NumPy raises here too)") from None
        else:
            dt = self._eval_dtype(_dtype(a), *(() if b is None else (
                b if b.__class__ in (bool, int, float, complex) else _dtype(b),)))
        adt = _dtype(a)
        if dt != adt and dt.kind == "c" and adt.kind != "c":
            raise TypeError(f"{what}: the update is complex ({dt}) and {adt} array cannot hold "
                            f"it (NumPy warns and drops the imaginary part); update a complex "
                            f"copy, or pass the real part")
        if b is not None:
            b = _astype(_as_array(b), dt)
        if not isinstance(indices, tuple):
            indices = (indices,)
        if len(indices) == 0:  # a[()] is all of a
            a = _astype(a, dt)
            return _astype(self._call(a) if b is None else self._call(a, b), adt)
        if dt != adt:  # computed in dt, cast back to a's dtype at every step, as NumPy's
            return self._at_each(a, indices, b, dt, what, adt)
        by = _AT_BY.get(self.__name__) if self._np is not None else None
        if by is not None and not (by in ("divide", "power") and dt.kind not in "fc"):
            return _astype(getattr(_at(a)[indices], by)(b), dt)
        if b is None:
            return _astype(_at(a)[indices].apply(self._call), dt)
        return self._at_each(a, indices, b, dt, what)

    def _at_each(self, a, indices, b, dt, what, adt=None):
        """Index by index, in the index's C order (a function with no scatter rule, or
        a result cast back to ``a``'s dtype ``adt`` after each step)."""
        from .._at import at as _at

        gnp = _gnp()
        adt = dt if adt is None else adt

        def step(cur, *bj):
            return _astype(self._call(_astype(cur, dt), *bj), adt)

        if any(i is None or i is Ellipsis for i in indices):
            raise NotImplementedError(
                f"{what}: indices with None or ... are not supported for this ufunc; write "
                f"the index out with slices")
        adv = [k for k, i in enumerate(indices) if not isinstance(i, slice)]
        bshape = _np.broadcast_shapes(*(_shape(indices[k]) for k in adv)) if adv else ()
        if not bshape:
            sel = _at(a)[indices].get()
            return _at(a)[indices].set(step(sel, *(() if b is None else (b,))))
        k = 1
        for s in bshape:
            k *= s
        flat = [i if isinstance(i, slice) else
                gnp.reshape(gnp.broadcast_to(_as_array(i), bshape), (k,)) for i in indices]
        # b as the selection a[indices], its broadcast index dimensions first, flattened
        sel_shape = _shape(_at(a)[indices].get())
        front = adv[0] if adv == list(range(adv[0], adv[-1] + 1)) else 0
        if b is not None:
            b = gnp.broadcast_to(b, sel_shape)
            b = gnp.moveaxis(b, tuple(range(front, front + len(bshape))),
                             tuple(range(len(bshape))))
            b = gnp.reshape(b, (k,) + _shape(b)[len(bshape):])
        for j in range(k):
            idx = tuple(i if isinstance(i, slice) else i[j] for i in flat)
            cur = _at(a)[idx].get()
            a = _at(a)[idx].set(step(cur, *(() if b is None else (b[j],))))
        return a

    # ---- reduceat ----------------------------------------------------------------------

    def reduceat(self, a: Any, indices: Any, axis: int = 0, dtype: Any = None,
                 out: Any = None) -> Any:
        """Reductions over the slices ``a[indices[i]:indices[i+1]]`` along ``axis`` (just
        ``a[indices[i]]`` where the next index is not larger; the last slice runs to the
        end), as ``numpy.<ufunc>.reduceat``. The indices are read on the host.

        Example: ``gnp.add.reduceat(x, [0, 3, 5])`` is ``[x[0:3].sum(), x[3:5].sum(),
        x[5:].sum()]``"""
        self._binary("reduceat")
        what = f"{self.__name__}.reduceat"
        from .. import _value_checks as _vc

        a = _as_array(a)
        nd = len(_shape(a))
        if nd == 0:
            raise TypeError(f"{what}: a must have 1 or more dimensions, got a 0-d array")
        if axis is None or isinstance(axis, tuple | list):
            raise ValueError(f"{what}: reduceat takes a single integer axis, got {axis!r}")
        (ax,) = _norm_axes(axis, nd, what)
        _vc.host_read(f"{what}: the indices", indices)
        idx = _host_ints(indices, what)
        n = _shape(a)[ax]
        if self._np is not None:
            try:
                dt = _dtype(self._np.reduceat(_standin(a, ax), idx, axis=ax, dtype=dtype))
            except (TypeError, ValueError, IndexError) as e:
                raise type(e)(f"{what}: {e} (NumPy raises here too)") from None
        else:
            if idx.ndim != 1:
                raise ValueError(f"{what}: indices must be one-dimensional, got shape "
                                 f"{idx.shape}")
            bad = idx[(idx < 0) | (idx >= n)]
            if bad.size:
                raise IndexError(f"{what}: index {int(bad[0])} out-of-bounds [0, {n})")
            dt = _np.dtype(dtype) if dtype is not None else _dtype(a)
        given, out = out, _no_ellipsis(out, what)
        dt = _out_loop(self, a, dt, dtype, out)
        gnp = _gnp()
        pre = (slice(None),) * ax
        x = _astype(a, dt)
        pieces = []
        for i, s in enumerate(idx.tolist()):
            e = idx[i + 1] if i + 1 < len(idx) else n
            if s < e:
                pieces.append(self._reduce(x[pre + (slice(s, int(e)),)], (ax,), dt, True,
                                           None, None, what))
            else:
                pieces.append(x[pre + (slice(s, s + 1),)])
        r = gnp.concatenate(pieces, axis=ax) if pieces else x[pre + (slice(0, 0),)]
        return _finish(_astype(r, dt), ... if given is Ellipsis else out, what)


def _out_loop(u, a, dt, dtype, out):
    """The loop dtype of a reduce-like method with ``out=`` and no ``dtype=``: NumPy promotes
    with out's dtype (float32 values summed into a float64 out= are summed in float64)."""
    o = out[0] if isinstance(out, tuple) and len(out) == 1 else out
    if dtype is not None or u._np is None or getattr(o, "dtype", None) is None:
        return dt
    try:
        return u._np.resolve_dtypes((_np.dtype(o.dtype), _dtype(a), None), reduction=True)[0]
    except (TypeError, ValueError):
        return dt  # (the write into out= says why)


def _no_ellipsis(out, what: str):
    """``out`` for the checks of a method (None for NumPy's ``out=...``); ``...`` inside a
    tuple raises NumPy's TypeError."""
    if out is Ellipsis:
        return None
    if isinstance(out, tuple) and any(o is Ellipsis for o in out):
        raise TypeError(f"{what}: must use `...` as `out=...` and not per-operand/in a tuple "
                        f"(NumPy raises here too)")
    return out


def _key_of(u) -> tuple:
    return u._key() if type.__instancecheck__(ufunc, u) else u._ufunc._key()


def _host_ints(indices, what: str) -> _np.ndarray:
    if isinstance(indices, Tensor):
        indices = indices.data
    get = getattr(indices, "get", None)
    arr = _np.asarray(get() if callable(get) and not isinstance(indices, _np.ndarray)
                      else indices)
    if arr.dtype.kind not in "iub" and arr.size:
        raise TypeError(f"{what}: indices must be integers, got dtype {arr.dtype}")
    return arr.astype(_np.intp)


def _finish(r, out, what: str):
    if out is Ellipsis:  # NumPy's out=...: an array, never a scalar
        return _np.asarray(r) if isinstance(r, _np.generic) else r
    if out is None:
        return r
    from .._numpy_protocol import _finish as finish

    return finish(r, out if isinstance(out, tuple) else (out,), True, 1, what)


_METHODS = ("reduce", "accumulate", "outer", "at", "reduceat")


def attach(fn: Callable, numpy_ufunc: _np.ufunc) -> None:
    """Give gpuad.numpy's function ``fn`` of NumPy's ``numpy_ufunc`` the ufunc's attributes
    and methods, keeping ``fn`` itself (the fast call path, and its identity in tables)."""
    if fn.__dict__.get("_ufunc") is not None:
        return
    u = ufunc(fn, numpy_ufunc.nin, numpy_ufunc.nout, name=numpy_ufunc.__name__,
              identity=numpy_ufunc.identity, numpy_ufunc=numpy_ufunc)
    fn._ufunc = u
    fn._func = fn
    fn.nin, fn.nout, fn.nargs, fn.identity = u.nin, u.nout, u.nargs, u.identity
    for m in _METHODS:
        setattr(fn, m, getattr(u, m))


def attach_all(namespace: dict) -> None:
    """:func:`attach` every function of ``namespace`` named after an elementwise NumPy ufunc
    (not the gufuncs matmul, vecdot, ...)."""
    for name, fn in list(namespace.items()):
        uf = getattr(_np, name, None)
        if isinstance(uf, _np.ufunc) and uf.signature is None and \
                fn.__class__ is FunctionType:
            attach(fn, uf)
            mod = _sys.modules.get(fn.__module__)
            if getattr(mod, fn.__qualname__, None) is not fn:
                # pickled by reference, as NumPy's ufuncs: gpuad.numpy.<name> (a function
                # made inside another one, or renamed, could not be found by pickle)
                fn.__module__, fn.__qualname__ = namespace["__name__"], name


def frompyfunc(func: Callable, /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
    """A :class:`ufunc` from a Python function of ``nin`` scalars returning ``nout`` values
    (a tuple when ``nout > 1``): called, it is broadcast over arrays as
    :class:`gpuad.numpy.vectorize` (recorded and differentiable; results keep the function's
    dtype rather than NumPy's ``object``); its methods fold it on whole arrays.

    Example: ``gnp.frompyfunc(lambda a, b: a * b + 1, 2, 1).accumulate(x)``"""
    from ._more_vectorize import _frompyfunc_call

    return ufunc(func, nin, nout, identity=identity,
                 call=_frompyfunc_call(func, nin, nout))
