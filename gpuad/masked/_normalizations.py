"""torch.masked's operations that keep the input's shape: cumsum, cumprod, softmax,
log_softmax, softmin, normalize, and the elementwise logaddexp.

Masked-out elements take the operation's identity before it runs (0 for cumsum and normalize,
1 for cumprod, ``-inf`` for softmax and log_softmax, ``inf`` for softmin), so they add nothing
to the slices they are in; a slice with nothing left gives what torch gives (softmax NaN,
normalize 0). Derivatives are zero at masked-out elements.
Example: ``masked.softmax(scores, -1, mask=valid)``
"""

from __future__ import annotations

from typing import Any

from .. import _softmax
from .. import numpy as gnp
from .._raw import shape
from ._mask import as_input, cast, dtype_or, filled, one_dim
from ._mask import input_mask as _mask_of  # (logaddexp has an argument of that name)
from ._reductions import norm


def _along(f: Any, x: Any, d: int) -> Any:
    """``f(x, d)``; a 0-d input along its dim 0 as one element (torch)."""
    if len(shape(x)) == 0:
        return gnp.reshape(f(gnp.reshape(x, (1,)), 0), ())
    return f(x, d)


def _cumulative(op: str, input: Any, dim: int, dtype: Any, mask: Any) -> Any:
    x = as_input(input)
    d = one_dim(op, dim, len(shape(x)))
    dt = dtype_or(dtype, x.dtype)
    xm = cast(filled(op, x, _mask_of(op, x, mask)), dt)
    f = gnp.cumsum if op == "cumsum" else gnp.cumprod
    return cast(_along(f, xm, d), dt)  # (gnp's widens small integers; torch's keeps them)


def cumsum(input: Any, dim: int, *, dtype: Any = None, mask: Any = None) -> Any:
    """The running sum along ``dim`` of the elements where ``mask`` is True (a masked-out
    element repeats the sum before it). Example: ``masked.cumsum(x, 1, mask=m)``"""
    return _cumulative("cumsum", input, dim, dtype, mask)


def cumprod(input: Any, dim: int, *, dtype: Any = None, mask: Any = None) -> Any:
    """The running product along ``dim`` of the elements where ``mask`` is True.
    Example: ``masked.cumprod(x, 0, mask=m)``"""
    return _cumulative("cumprod", input, dim, dtype, mask)


def _soft(op: str, input: Any, dim: int, dtype: Any, mask: Any) -> Any:
    x = as_input(input)
    d = one_dim(op, dim, len(shape(x)))
    xm = filled(op, x, _mask_of(op, x, mask))
    if dtype is not None:
        xm = cast(xm, dtype_or(dtype, None))
    if op == "softmin":
        xm = -xm
    return _along(_softmax.log_softmax if op == "log_softmax" else _softmax.softmax, xm, d)


def softmax(input: Any, dim: int, *, dtype: Any = None, mask: Any = None) -> Any:
    """softmax along ``dim`` over the elements where ``mask`` is True: 0 at masked-out
    elements, NaN along a slice with nothing left. Example:
    ``masked.softmax(scores, -1, mask=valid)``"""
    return _soft("softmax", input, dim, dtype, mask)


def log_softmax(input: Any, dim: int, *, dtype: Any = None, mask: Any = None) -> Any:
    """log_softmax along ``dim`` over the elements where ``mask`` is True: ``-inf`` at
    masked-out elements, NaN along a slice with nothing left.
    Example: ``masked.log_softmax(x, 1, mask=m)``"""
    return _soft("log_softmax", input, dim, dtype, mask)


def softmin(input: Any, dim: int, *, dtype: Any = None, mask: Any = None) -> Any:
    """softmax of ``-input`` along ``dim`` over the elements where ``mask`` is True.
    Example: ``masked.softmin(d, -1, mask=m)``"""
    return _soft("softmin", input, dim, dtype, mask)


def normalize(input: Any, ord: float, dim: int, *, eps: float = 1e-12, dtype: Any = None,
              mask: Any = None) -> Any:
    """``input`` divided by its masked ``ord``-norm along ``dim`` (:func:`norm`), the norm
    raised to at least ``eps``; masked-out elements are 0.

    Example: ``masked.normalize(x, 2.0, -1, mask=m)``
    """
    x = as_input(input)
    m = _mask_of("normalize", x, mask)
    n = norm(x, ord, dim, keepdim=True, dtype=dtype, mask=m)
    return filled("normalize", x, m) / gnp.maximum(n, eps)


def logaddexp(input: Any, other: Any, *, dtype: Any = None, input_mask: Any = None,
              other_mask: Any = None) -> Any:
    """``log(exp(input) + exp(other))`` elementwise, each side's masked-out elements taken as
    ``-inf`` (``-inf`` where both are). Example:
    ``masked.logaddexp(a, b, input_mask=ma, other_mask=mb)``"""
    x, y = as_input(input), as_input(other)
    mx = _mask_of("logaddexp", x, input_mask, "input_mask")  # (both checked before any op)
    my = _mask_of("logaddexp", y, other_mask, "other_mask")
    return cast(gnp.logaddexp(filled("logaddexp", x, mx), filled("logaddexp", y, my)),
                dtype_or(dtype, x.dtype))
