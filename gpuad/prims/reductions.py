"""Reductions: sum, max/min, prod, cumsum/cumprod, logsumexp, the 2-norm."""

from __future__ import annotations

import numpy as _np

from .._raw import _xp, data, ndim, shape
from ..engine import apply1 as _apply1
from ..tensor import Tensor as _Tensor
from . import abstract as _A
from .core import prim

# ---- reductions ----------------------------------------------------------------------------------

_add_reduce = _np.add.reduce


def _sum_fwd(xp, x, axis, keepdims, shape):
    if x.__class__ is _np.ndarray:  # numpy.sum without its Python wrapper (the same reduction)
        return _add_reduce(x, axis, None, None, keepdims)
    return xp.sum(x, axis=axis, keepdims=keepdims)


_sum = prim("sum", _sum_fwd,
            vjp=[lambda g, ans, x, axis, keepdims, shape: _unreduce(g, axis, keepdims, shape)],
            jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(t, axis=axis, keepdims=keepdims,
                                                               shape=shape)])
try:  # out=...: a full reduction's 0-d array, not a NumPy scalar to convert (NumPy 2)
    _add_reduce(_np.zeros(1), out=...)
    _sum.rule.np_params_fn = lambda x, p: _add_reduce(x, p["axis"], keepdims=p["keepdims"],
                                                      out=...)
except TypeError:
    _sum.rule.np_params_fn = lambda x, p: _add_reduce(x, p["axis"], None, None, p["keepdims"])


def sum(x, axis=None, keepdims: bool = False, dtype=None):
    """Sum over ``axis`` (int, tuple or None), as ``numpy.sum``."""
    if axis is None and dtype is None and x.__class__ is _Tensor and x._bat is None:
        # the whole of a Tensor: the step recorded without the op's own argument packing
        return _apply1(_sum.rule, x, {"axis": None, "keepdims": keepdims,
                                      "shape": tuple(x._data.shape)})
    if dtype is not None:
        x = astype(x, dtype)
    s = shape(x)
    r = _sum(x, axis=None if axis is None else reduce_axis(axis, len(s)), keepdims=keepdims,
             shape=s)
    if dtype is not None and data(r).dtype != _np.dtype(dtype):
        # the kernel sums small integers and booleans in the default integer; NumPy's sum in
        # ``dtype`` wraps around (int8) or saturates to True (bool), which the cast of the
        # wider sum gives
        r = astype(r, dtype)
    return r


def _share(ans, x, axis, keepdims, shape):
    """Where x attains the extreme, 1/(number of ties); elsewhere 0 (a constant)."""
    a = data(_expand(ans, axis, keepdims, shape))
    m = _const(data(x) == a, x)
    return m / _xp(m).sum(m, axis=axis, keepdims=True)


def _extreme_vjp(g, ans, x, axis, keepdims, shape):
    return _expand(g, axis, keepdims, shape) * _share(ans, x, axis, keepdims, shape)


def _extreme_jvp(t, ans, x, axis, keepdims, shape):
    return _sum(t * _share(ans, x, axis, keepdims, shape), axis=axis, keepdims=keepdims,
                shape=shape)


_max = prim("max", lambda xp, x, axis, keepdims, shape: xp.max(x, axis=axis, keepdims=keepdims),
            vjp=[_extreme_vjp], jvp=[_extreme_jvp])
_min = prim("min", lambda xp, x, axis, keepdims, shape: xp.min(x, axis=axis, keepdims=keepdims),
            vjp=[_extreme_vjp], jvp=[_extreme_jvp])


def max(x, axis=None, keepdims: bool = False):
    """Maximum over ``axis``; ties share the adjoint evenly."""
    s = shape(x)
    return _max(x, axis=reduce_axis(axis, len(s)), keepdims=keepdims, shape=s)


def min(x, axis=None, keepdims: bool = False):
    """Minimum over ``axis``; ties share the adjoint evenly."""
    s = shape(x)
    return _min(x, axis=reduce_axis(axis, len(s)), keepdims=keepdims, shape=s)


amax, amin = max, min


def _to_last(x, axis):
    """Move ``axis`` (a tuple, or None for all) to the end and flatten them: (rest..., K)."""
    nd = ndim(x)
    axis = tuple(range(nd)) if axis is None else axis
    rest = tuple(i for i in range(nd) if i not in axis)
    perm = rest + axis
    xt = transpose(x, perm)
    s = shape(xt)
    k = 1
    for i in axis:
        k *= shape(x)[i]
    return reshape(xt, s[: len(rest)] + (k,)), perm, s


def _from_last(y, perm, s):
    inv = tuple(int(i) for i in _np.argsort(perm))
    return transpose(reshape(y, s), inv)


def _prod_others(x, axis):
    """For each element, the product of the other elements reduced with it (zero-safe)."""
    flat, perm, s = _to_last(x, axis)
    k = shape(flat)[-1]
    if k == 0:
        return x
    ones = _xp(flat).ones(shape(flat)[:-1] + (1,), dtype=data(flat).dtype)
    left = concatenate([ones, cumprod(_take_axis(flat, 0, k - 1, -1), -1)], -1)
    rev = _flip(flat, -1)
    right = _flip(concatenate([ones, cumprod(_take_axis(rev, 0, k - 1, -1), -1)], -1), -1)
    return _from_last(left * right, perm, s)


_prod = prim("prod", lambda xp, x, axis, keepdims, shape: xp.prod(x, axis=axis,
                                                                  keepdims=keepdims),
             vjp=[lambda g, ans, x, axis, keepdims, shape: _expand(g, axis, keepdims, shape)
                  * _prod_others(x, axis)],
             jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
                 t * _prod_others(x, axis), axis=axis, keepdims=keepdims, shape=shape)])


def prod(x, axis=None, keepdims: bool = False):
    """Product over ``axis``; its gradient is exact even when elements are zero."""
    s = shape(x)
    return _prod(x, axis=reduce_axis(axis, len(s)), keepdims=keepdims, shape=s)


def _rev_cumsum(g, axis):
    return _flip(cumsum(_flip(g, axis), axis), axis)


cumsum_ = prim("cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis),
               vjp=[lambda g, ans, x, axis: _rev_cumsum(g, axis)],
               jvp=[lambda t, ans, x, axis: cumsum_(t, axis=axis)])


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (None: over the flattened array)."""
    if axis is None:
        return cumsum_(reshape(x, (-1,)), axis=0)
    return cumsum_(x, axis=one_axis(axis, ndim(x), "cumsum"))


def _cumprod_vjp(g, ans, x, axis):
    # inside vmap (x batched) there is no single truth value to branch on: the recurrence,
    # exact with or without zeros, serves every example
    batched = getattr(x, "_bat", None) is not None
    if not batched and not _has_zero(x):
        return _rev_cumsum(g * ans, axis) / x
    # zero-safe recurrence: s_k = g_k + x_{k+1} s_{k+1};  dx_k = ans_{k-1} s_k
    n = shape(x)[axis]
    s = _take_axis(g, n - 1, n, axis)
    parts = [s]
    for k in range(n - 2, -1, -1):
        s = _take_axis(g, k, k + 1, axis) + _take_axis(x, k + 1, k + 2, axis) * s
        parts.append(s)
    svec = concatenate(parts[::-1], axis)
    ones = _xp(x).ones(tuple(1 if i == axis else m for i, m in enumerate(shape(x))),
                       dtype=data(x).dtype)
    prev = concatenate([ones, _take_axis(ans, 0, n - 1, axis)], axis)
    return prev * svec


def _has_zero(x) -> bool:
    # under jit a kept branch: a replay whose x gains or loses a zero traces again
    from ..linalg_rules import _any

    return _any(data(x) == 0)


def _cumprod_jvp(t, ans, x, axis):
    n = shape(x)[axis]
    d = _take_axis(t, 0, 1, axis)
    parts = [d]
    for k in range(1, n):
        d = d * _take_axis(x, k, k + 1, axis) + _take_axis(ans, k - 1, k, axis) * \
            _take_axis(t, k, k + 1, axis)
        parts.append(d)
    return concatenate(parts, axis)


cumprod_ = prim("cumprod", lambda xp, x, axis: xp.cumprod(x, axis=axis),
                vjp=[_cumprod_vjp], jvp=[_cumprod_jvp])


def cumprod(x, axis=None):
    """Cumulative product along ``axis``; the gradient is exact with zeros present."""
    if axis is None:
        return cumprod_(reshape(x, (-1,)), axis=0)
    return cumprod_(x, axis=one_axis(axis, ndim(x), "cumprod"))


def _lse_fwd(xp, x, axis, keepdims, shape):
    m = xp.max(x, axis=axis, keepdims=True) if x.size else xp.zeros(
        _kept_shape(x.shape, axis), x.dtype)  # an empty float32 input stays float32
    if m.dtype.kind == "c":  # shift by the real part alone: the imaginary part stays the
        m = m.real           # principal argument, in (-pi, pi], as torch's and SciPy's
    m = xp.where(xp.isfinite(m), m, 0)
    if x.dtype.kind == "f":
        # log1p of the terms below the maximum (and of its repeats): log of a sum rounded to 1
        # would drop them (SciPy's gh-18295: logsumexp([0, -40]) is 4.2e-18, not 0)
        top = x == m
        rest = xp.sum(xp.where(top, 0, xp.exp(x - m)), axis=axis, keepdims=True)
        repeats = (xp.sum(top, axis=axis, keepdims=True) - 1).astype(x.dtype)
        # log(rest) is read only for a row without a maximum (all -inf or NaN); elsewhere
        # rest may be 0 (one finite entry: a causal mask's first row), where NumPy's log warns
        bare = xp.where((repeats >= 0) | (rest == 0), 1, rest)
        out = xp.where(repeats >= 0, xp.log1p(rest + xp.maximum(repeats, 0)),
                       xp.where(rest == 0, -xp.inf, xp.log(bare))) + m
    else:
        out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else (out.reshape(
        [n for i, n in enumerate(x.shape) if axis is not None and i not in axis]))


def _lse_weights(ans, x, axis, keepdims, shape):
    """softmax(x) along the reduced axes, the derivative of logsumexp. exp(x - ans) alone is
    off by the factor exp(true lse - ans) where ans has rounded the log of the sum away
    (at x = [1e308, 1e308] it gave weights [1, 1], in float32 already at [1e8, 1e8]): the
    factor is common to the row, and dividing by the row's sum removes it. A row holding inf
    or only -inf has a NaN sum: it keeps exp(x - ans) (1 at the inf's, NaN at -inf's)."""
    e = exp(x - _expand(ans, axis, keepdims, shape))
    s = _sum(e, axis=axis, keepdims=True, shape=shape)
    sd = data(s)
    return e / where((sd - sd) == 0, s, 1)  # comparisons alone: it batches inside vmap


logsumexp_ = prim(
    "logsumexp", _lse_fwd,
    vjp=[lambda g, ans, x, axis, keepdims, shape: _expand(g, axis, keepdims, shape)
         * _lse_weights(ans, x, axis, keepdims, shape)],
    jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
        t * _lse_weights(ans, x, axis, keepdims, shape), axis=axis, keepdims=keepdims,
        shape=shape)])


def logsumexp(x, axis=None, keepdims: bool = False):
    """log(sum(exp(x))) over ``axis``, computed stably."""
    s = shape(x)
    return logsumexp_(x, axis=reduce_axis(axis, len(s)), keepdims=keepdims, shape=s)


def _unit(ans, x, axis, keepdims, shape):
    """x / |x| along the reduced axes, 0 where the norm is 0 (the subgradient chosen)."""
    a = _expand(ans, axis, keepdims, shape)
    zero = data(a) == 0
    return where(zero, 0, x / where(zero, 1, a))


def _norm2_vjp(g, ans, x, axis, keepdims, shape):
    return _expand(g, axis, keepdims, shape) * _unit(ans, x, axis, keepdims, shape)


norm2 = prim("norm2", lambda xp, x, axis, keepdims, shape: xp.sqrt(
    xp.sum(x * x, axis=axis, keepdims=keepdims)),
    vjp=[_norm2_vjp],
    jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
        t * _unit(ans, x, axis, keepdims, shape), axis=axis, keepdims=keepdims,
        shape=shape)])


# names of the other families, which the formulas call (imported last: the families
# use one another)
from ._helpers import (  # noqa: E402
    _const,
    _expand,
    _flip,
    _kept_shape,
    _take_axis,
    _unreduce,
    one_axis,
    reduce_axis,
)
from .elementwise import astype, exp, where  # noqa: E402
from .shapes import concatenate, reshape, transpose  # noqa: E402

# abstract evaluation (gpuad/prims/abstract.py)
for _op in (_sum, _max, _min, _prod, logsumexp_, norm2):
    _A.set_slots(_op, _A.reduced_shape, _A.reduction_dtype(_op.rule.impl))
for _op in (cumsum_, cumprod_):
    _A.set_slots(_op, _A.same_shape, _A.scan_dtype(_op.rule.impl))
del _op
