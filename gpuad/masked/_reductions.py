"""torch.masked's reductions: sum, prod, amax, amin, argmax, argmin, mean, median, norm, var,
std and logsumexp over ``dim`` of the elements where ``mask`` is True.

Each fills the masked-out elements with its identity and reduces (torch's definition), so a
slice with nothing left gives the identity (sum 0, prod 1, amax -inf, norm 0, logsumexp -inf)
or NaN where there is none (mean, median, var, std). Derivatives are zero at masked-out
elements. Example: ``masked.sum(x, 1, mask=m)``
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _torch_reductions as _tr
from .. import numpy as gnp
from .. import rules as _r
from .._raw import data, shape
from ..tensor import Tensor
from ._mask import (
    as_input,
    axes,
    canonical_dims,
    cast,
    dtype_or,
    filled,
    input_mask,
    one_dim,
)

# torch's masked sum and prod of these dtypes are int64
_TO_INT64 = tuple(np.dtype(t) for t in (np.bool_, np.int8, np.uint8, np.int16, np.int32))


def _sum_dtype(x: Any, dtype: Any) -> np.dtype:
    """torch's ``masked.sum``/``prod`` result dtype: small integers and bools sum as int64."""
    if dtype is not None:
        return dtype_or(dtype, None)
    return np.dtype(np.int64) if x.dtype in _TO_INT64 else x.dtype


def sum(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,  # noqa: A001
        mask: Any = None) -> Any:
    """The sum over ``dim`` (every dim by default) of the elements where ``mask`` is True
    (broadcast to the input); 0 where none is.

    Example: ``masked.sum(x, 1, mask=x > 0)`` sums each row's positive entries.
    """
    x = as_input(input)
    out_dtype = _sum_dtype(x, dtype)
    nd = len(shape(x))
    dims = canonical_dims("sum", dim, nd)
    xm = filled("sum", x, input_mask("sum", x, mask))
    return gnp.sum(xm, axis=axes(dims, nd), dtype=out_dtype, keepdims=bool(keepdim))


def prod(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
         mask: Any = None) -> Any:
    """The product over ``dim`` of the elements where ``mask`` is True; 1 where none is.

    Example: ``masked.prod(x, 0, mask=m)``
    """
    x = as_input(input)
    out_dtype = _sum_dtype(x, dtype)
    nd = len(shape(x))
    dims = canonical_dims("prod", dim, nd)
    xm = cast(filled("prod", x, input_mask("prod", x, mask)), out_dtype)
    return gnp.prod(xm, axis=axes(dims, nd), keepdims=bool(keepdim))


def _extreme(op: str, input: Any, dim: Any, keepdim: bool, dtype: Any, mask: Any) -> Any:
    x = as_input(input)
    nd = len(shape(x))
    dims = canonical_dims(op, dim, nd)
    xm = filled(op, x, input_mask(op, x, mask))
    f = gnp.max if op == "amax" else gnp.min
    return cast(f(xm, axis=axes(dims, nd), keepdims=bool(keepdim)), dtype_or(dtype, x.dtype))


def amax(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
         mask: Any = None) -> Any:
    """The largest element over ``dim`` where ``mask`` is True; ``-inf`` (an integer type's
    least value) where none is. Equal largest elements share the derivative evenly.

    Example: ``masked.amax(scores, -1, mask=valid)``
    """
    return _extreme("amax", input, dim, keepdim, dtype, mask)


def amin(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
         mask: Any = None) -> Any:
    """The smallest element over ``dim`` where ``mask`` is True; ``inf`` (an integer type's
    greatest value) where none is. Example: ``masked.amin(d, 0, mask=m)``"""
    return _extreme("amin", input, dim, keepdim, dtype, mask)


def _arg_extreme(op: str, input: Any, dim: Any, keepdim: bool, dtype: Any, mask: Any) -> Any:
    x = as_input(input)
    nd = len(shape(x))
    if dim is not None:
        dim = one_dim(op, dim, nd)
    xm = filled(op, x, input_mask(op, x, mask))
    if nd == 0:
        r = gnp.zeros_like(xm, dtype=np.int64)
    else:
        r = (gnp.argmax if op == "argmax" else gnp.argmin)(xm, axis=dim, keepdims=bool(keepdim))
    return cast(r, dtype_or(dtype, x.dtype))


def argmax(input: Any, dim: int | None = None, *, keepdim: bool = False, dtype: Any = None,
           mask: Any = None) -> Any:
    """The index of the largest element along ``dim`` (of the flattened input when None)
    among those where ``mask`` is True; as torch, the indices have the input's dtype unless
    ``dtype`` is given. A slice with nothing left gives its first index (every element there
    is the identity, ``-inf``). Example: ``masked.argmax(x, 1, mask=m)``"""
    return _arg_extreme("argmax", input, dim, keepdim, dtype, mask)


def argmin(input: Any, dim: int | None = None, *, keepdim: bool = False, dtype: Any = None,
           mask: Any = None) -> Any:
    """The index of the smallest element along ``dim`` where ``mask`` is True (as
    :func:`argmax`). Example: ``masked.argmin(x, 1, mask=m)``"""
    return _arg_extreme("argmin", input, dim, keepdim, dtype, mask)


def _count(m: Any, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
    """How many elements over ``dims`` are masked in (all of them without a mask)."""
    nd = len(shape(x))
    if m is None:
        n = math.prod(shape(x)[d] for d in dims) if nd else 1
        return gnp.full(_kept(shape(x), dims, keepdim), n, dtype=np.int64)
    return gnp.sum(m, axis=axes(dims, nd), dtype=np.int64, keepdims=keepdim)


def _kept(s: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> tuple[int, ...]:
    if keepdim:
        return tuple(1 if d in dims else n for d, n in enumerate(s))
    return tuple(n for d, n in enumerate(s) if d not in dims)


def _real(dtype: np.dtype) -> np.dtype:
    return np.empty(0, dtype).real.dtype


def mean(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
         mask: Any = None) -> Any:
    """The mean over ``dim`` of the elements where ``mask`` is True; NaN where none is (the
    mean has no identity). Example: ``masked.mean(x, -1, mask=lengths_mask)``"""
    x = as_input(input)
    out_dtype = dtype_or(dtype, x.dtype)
    if out_dtype.kind not in "fc":
        raise ValueError(f"masked.mean: the result dtype must be a floating point or complex "
                         f"one, got {out_dtype} (input dtype {x.dtype}); pass dtype=")
    nd = len(shape(x))
    dims = canonical_dims("mean", dim, nd)
    m = input_mask("mean", x, mask)
    total = gnp.sum(filled("sum", x, m), axis=axes(dims, nd), dtype=out_dtype,
                    keepdims=bool(keepdim))
    return total / cast(_count(m, x, dims, bool(keepdim)), _real(out_dtype))


def median(input: Any, dim: int = -1, *, keepdim: bool = False, dtype: Any = None,
           mask: Any = None) -> Any:
    """The median along ``dim`` (the lower of the two middle values, as torch) of the
    elements where ``mask`` is True, NaNs left out; NaN where none is. The derivative goes to
    the element picked. An integer input is taken as float32 and its result converted back
    (``dtype``), which a slice with nothing left refuses. Example:
    ``masked.median(x, 1, mask=m)``"""
    x = as_input(input)
    in_dtype = x.dtype
    d = one_dim("median", dim, len(shape(x)))
    is_float = x.dtype.kind in "fc"
    if not is_float:
        x = cast(x, np.dtype(np.float32))
    xm = filled("median", x, input_mask("median", x, mask))
    wrapped = not isinstance(xm, Tensor)
    r = _tr.nanmedian(Tensor(xm) if wrapped else xm, d, bool(keepdim)).values
    if wrapped:
        r = r.data
    if is_float:
        return r
    if bool(gnp.any(gnp.isnan(data(r)))):
        raise ValueError("masked.median: a slice with every element masked out has no median, "
                         "and an integer result cannot hold NaN; pass a float input")
    return cast(r, dtype_or(dtype, in_dtype))


def logsumexp(input: Any, dim: Any = None, *, keepdim: bool = False, dtype: Any = None,
              mask: Any = None) -> Any:
    """``log(sum(exp(x)))`` over ``dim`` of the elements where ``mask`` is True, computed
    stably; ``-inf`` where none is. Example: ``masked.logsumexp(x, 1, mask=m)``"""
    x = as_input(input)
    nd = len(shape(x))
    dims = canonical_dims("logsumexp", dim, nd)
    xm = filled("logsumexp", x, input_mask("logsumexp", x, mask))
    if xm.dtype.kind not in "fc":
        xm = cast(xm, np.dtype(np.float64))
    r = _r.logsumexp(xm, axis=axes(dims, nd), keepdims=bool(keepdim))
    return cast(r, dtype_or(dtype, x.dtype))


def norm(input: Any, ord: float = 2.0, dim: Any = None, *, keepdim: bool = False,
         dtype: Any = None, mask: Any = None) -> Any:
    """The vector ``ord``-norm over ``dim`` (the dims taken together as one vector) of the
    elements where ``mask`` is True, as ``torch.linalg.vector_norm``: 0 where none is (and
    for ``ord=-inf``, ``inf``). ``dtype`` casts the input first.

    Example: ``masked.norm(x, 2.0, -1, mask=m)``
    """
    if ord is None or isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"masked.norm: ord must be a number (a vector norm), got {ord!r}")
    x = as_input(input)
    if x.dtype.kind not in "fc":
        raise TypeError(f"masked.norm: expected a floating point or complex input, got "
                        f"{x.dtype} (shape {shape(x)}); pass dtype= or convert it")
    nd = len(shape(x))
    dims = canonical_dims("norm", dim, nd)
    xm = filled("norm", x, input_mask("norm", x, mask), ord)
    if dtype is not None:
        xm = cast(xm, dtype_or(dtype, None))
    return gnp.linalg.vector_norm(xm, axis=axes(dims, nd), keepdims=bool(keepdim),
                                  ord=float(ord))


def _std_var(op: str, input: Any, dim: Any, unbiased: Any, correction: Any, keepdim: bool,
             dtype: Any, mask: Any) -> Any:
    if unbiased is not None and correction is not None:
        raise TypeError(f"masked.{op}: give unbiased= or correction=, not both")
    c = 1.0 if unbiased is None else float(bool(unbiased))
    if correction is not None:
        c = float(correction)
    x = as_input(input)
    out_dtype = dtype_or(dtype, x.dtype)
    if out_dtype.kind not in "fc":
        out_dtype = np.dtype(np.float32)
    nd = len(shape(x))
    dims = canonical_dims(op, dim, nd)
    ax = axes(dims, nd)
    m = input_mask(op, x, mask)
    xc = cast(x, out_dtype)
    count = _count(m, x, dims, True)
    mu = gnp.sum(filled("sum", xc, m), axis=ax, keepdims=True) / cast(count, _real(out_dtype))
    dev = filled("sum", xc - mu, m)  # (masked-out deviations are zero, with zero derivative)
    total = gnp.sum(dev * gnp.conj(dev) if out_dtype.kind == "c" else dev * dev, axis=ax,
                    keepdims=bool(keepdim))
    if out_dtype.kind == "c":
        total = gnp.real(total)
    if not keepdim:
        count = gnp.reshape(count, shape(total))
    if c != 0:
        count = gnp.maximum(cast(count, _real(out_dtype)) - c, 0)
    out = cast(total / cast(count, _real(out_dtype)), out_dtype)  # complex stays complex (torch)
    return gnp.sqrt(out) if op == "std" else out


def var(input: Any, dim: Any = None, unbiased: bool | None = None, *,
        correction: float | None = None, keepdim: bool = False, dtype: Any = None,
        mask: Any = None) -> Any:
    """The variance over ``dim`` of the elements where ``mask`` is True: the sum of squared
    deviations from their mean divided by ``max(count - correction, 0)`` (``correction`` 1
    unless ``unbiased=False`` or ``correction=`` says otherwise); NaN where none is.

    Example: ``masked.var(x, 1, mask=m, correction=0)``
    """
    return _std_var("var", input, dim, unbiased, correction, keepdim, dtype, mask)


def std(input: Any, dim: Any = None, unbiased: bool | None = None, *,
        correction: float | None = None, keepdim: bool = False, dtype: Any = None,
        mask: Any = None) -> Any:
    """The square root of :func:`var`. Example: ``masked.std(x, 1, mask=m)``"""
    return _std_var("std", input, dim, unbiased, correction, keepdim, dtype, mask)
