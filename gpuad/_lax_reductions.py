"""``jax.lax``'s reductions, cumulative scans, sorting and contractions over ``gpuad.numpy``.

Reductions keep the operand's dtype (``reduce_sum`` of int32 is int32) and give the monoid's
identity over an empty axis. ``reduce_max``/``reduce_min`` share the gradient among tied
maxima, as lax does; ``cummax``/``cummin``/``cumlogsumexp`` are log-depth scans of
``maximum``/``minimum``/``logaddexp``, so they differentiate through those rules; ``cummax``
and ``cummin`` use JAX's parallel-prefix recursion, so tied maxima share the gradient exactly as
in JAX. ``sort`` and ``top_k`` compute
the permutation on the values (a constant) and gather every operand with it.

Example: ``lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,))))`` is a batched matmul.
"""

from __future__ import annotations

import builtins
import enum
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from . import numpy as gnp
from ._lax_elementwise import _check_kind, _dtype, _fmt, _same_dtype
from ._raw import data as _data
from ._raw import shape as _shape

_S = builtins.slice


def _axes(op: str, axes, nd: int) -> tuple[int, ...]:
    try:
        ax = tuple(operator.index(a) for a in axes)
    except TypeError:
        raise TypeError(f"lax.{op}: axes must be a sequence of ints, got {axes!r}") from None
    if any(not -nd <= a < nd for a in ax):
        raise ValueError(f"lax.{op}: axes {ax} are out of range for an operand of rank {nd}")
    ax = tuple(a % nd for a in ax)
    if len(set(ax)) != len(ax):
        raise ValueError(f"lax.{op}: duplicate value in axes {ax}")
    return ax


def _empty_reduction(x, ax) -> bool:
    return any(_shape(x)[a] == 0 for a in ax)


def _identity_fill(x, ax, value):
    out = tuple(n for i, n in enumerate(_shape(x)) if i not in ax)
    return gnp.full(out, value, dtype=_dtype(x))


def _extreme(dt, high: bool):
    if dt.kind in "fc":  # complex: +-inf + 0j, as lax
        return _np.inf if high else -_np.inf
    if dt.kind == "b":
        return high
    info = _np.iinfo(dt)
    return info.max if high else info.min


def _keep_dtype(y, operand):
    """``y`` in ``operand``'s dtype (NumPy widens small integer sums; lax does not)."""
    dt = _dtype(operand)
    return y if _np.dtype(y.dtype) == dt else gnp.astype(y, dt)


def _wide(x):
    """float16 data in float32: lax (XLA) accumulates half-precision sums and products in
    float32 and rounds once, where NumPy's half loops round every partial result."""
    return gnp.astype(x, _np.float32) if _dtype(x) == _np.float16 else x


# ---- reductions -------------------------------------------------------------------------------


def reduce_sum(operand: Any, axes: Sequence[int]) -> Any:
    """The sum over ``axes``, in the operand's dtype. Example: ``lax.reduce_sum(x, (0,))``"""
    _check_kind("reduce_sum", operand, "iufc")
    ax = _axes("reduce_sum", axes, len(_shape(operand)))
    return _keep_dtype(gnp.sum(_wide(operand), axis=ax), operand)


def reduce_prod(operand: Any, axes: Sequence[int]) -> Any:
    """The product over ``axes``, in the operand's dtype. Example: ``lax.reduce_prod(x, (1,))``"""
    _check_kind("reduce_prod", operand, "iufc")
    ax = _axes("reduce_prod", axes, len(_shape(operand)))
    return _keep_dtype(gnp.prod(_wide(operand), axis=ax), operand)


def _chooser(op: str, fn, high: bool):
    def f(operand, axes):
        _check_kind(op, operand, "biufc")  # complex values in lexicographic order
        ax = _axes(op, axes, len(_shape(operand)))
        if _empty_reduction(operand, ax):
            return _identity_fill(operand, ax, _extreme(_dtype(operand), not high))
        if ax and _dtype(operand).kind == "c":
            return _complex_choice(fn, operand, ax)
        return fn(operand, axis=ax) if ax else operand

    f.__name__ = f.__qualname__ = op
    f.__doc__ = (
        f"The {'maximum' if high else 'minimum'} over ``axes`` (ties share the "
        f"gradient equally). Example: ``lax.{op}(x, (0,))``"
    )
    return f


def _complex_choice(fn, x, ax):
    """The max or min of complex values (lexicographic order) with lax's derivative, which
    ``gnp.max`` refuses for complex values: the cotangent is split evenly among the elements
    equal to the result."""
    from ._lax_elementwise import complex as make_complex
    from ._numpy_protocol import stop_gradient

    const = stop_gradient(x)
    m = fn(const, axis=ax, keepdims=True)
    mask = gnp.equal(const, m)
    count = gnp.sum(mask, axis=ax, keepdims=True)
    real = _np.finfo(_dtype(x)).dtype
    weights = gnp.astype(mask, real) / gnp.astype(gnp.maximum(count, 1), real)

    def part(p):  # by parts, so that an infinite part meets no 0 * inf
        p = gnp.where(mask, p, gnp.zeros_like(p))
        return gnp.sum(p * weights, axis=ax, keepdims=True)

    picked = make_complex(part(gnp.real(x)), part(gnp.imag(x)))
    # one element per result: ``picked`` is that element; among finite ties it is their mean,
    # whose rounding may differ from them: there keep the value chosen, ``picked``'s derivative
    tied = gnp.logical_and(count > 1, gnp.isfinite(m))
    safe = gnp.where(tied, picked, gnp.zeros_like(picked))
    out = gnp.where(tied, m + (safe - stop_gradient(safe)), picked)
    out = gnp.where(count == 0, m, out)  # a NaN result equals no element
    return gnp.squeeze(out, axis=ax)


reduce_max = _chooser("reduce_max", gnp.max, True)
reduce_min = _chooser("reduce_min", gnp.min, False)


def _bits_reduce(op: str, operand, axes, kind: str):
    """``and``/``or``/``xor`` over ``axes``: logical for booleans, bitwise for integers."""
    _check_kind(op, operand, "biu")
    ax = _axes(op, axes, len(_shape(operand)))
    x = _data(operand)
    dt = _dtype(operand)

    def red(b):
        if kind == "and":
            return gnp.all(b, axis=ax)
        if kind == "or":
            return gnp.any(b, axis=ax)
        return gnp.equal(gnp.remainder(gnp.sum(gnp.astype(b, _np.int64), axis=ax), 2), 1)

    if dt.kind == "b":
        return red(x)
    u = gnp.astype(x, _np.dtype(f"u{dt.itemsize}"))
    out = None
    for k in range(8 * dt.itemsize):
        set_k = gnp.not_equal(gnp.bitwise_and(gnp.right_shift(u, k), 1), 0)
        bit = gnp.left_shift(gnp.astype(red(set_k), u.dtype), k)
        out = bit if out is None else gnp.bitwise_or(out, bit)
    return gnp.astype(out, dt)


def reduce_and(operand: Any, axes: Sequence[int]) -> Any:
    """Logical (booleans) or bitwise (integers) and over ``axes``.
    Example: ``lax.reduce_and(mask, (0,))``"""
    return _bits_reduce("reduce_and", operand, axes, "and")


def reduce_or(operand: Any, axes: Sequence[int]) -> Any:
    """Logical or bitwise or over ``axes``. Example: ``lax.reduce_or(mask, (0,))``"""
    return _bits_reduce("reduce_or", operand, axes, "or")


def reduce_xor(operand: Any, axes: Sequence[int]) -> Any:
    """Logical or bitwise xor over ``axes``. Example: ``lax.reduce_xor(mask, (0,))``"""
    return _bits_reduce("reduce_xor", operand, axes, "xor")


def _arg(op: str, fn, operand, axis: int, index_dtype):
    _check_kind(op, operand, "biuf")
    nd = len(_shape(operand))
    a = _axes(op, (axis,), nd)[0]
    if _shape(operand)[a] == 0:
        raise ValueError(f"lax.{op}: axis {a} of shape {_shape(operand)} is empty")
    dt = _np.dtype(index_dtype)
    if dt.kind not in "iu":
        raise TypeError(f"lax.{op}: index_dtype must be an integer type, got {dt}")
    return gnp.astype(fn(_data(operand), axis=a), dt)


def argmax(operand: Any, axis: int, index_dtype: Any) -> Any:
    """The index of the first maximum along ``axis`` (NaN counts as the largest).
    Example: ``lax.argmax(x, 1, np.int32)``"""
    return _arg("argmax", gnp.argmax, operand, axis, index_dtype)


def argmin(operand: Any, axis: int, index_dtype: Any) -> Any:
    """The index of the first minimum along ``axis``. Example: ``lax.argmin(x, 0, np.int32)``"""
    return _arg("argmin", gnp.argmin, operand, axis, index_dtype)


_PROBE_A = {
    "f": [1.5, -2.25, 3.0, 0.5],
    "i": [3, -2, 5, 0],
    "u": [3, 2, 5, 0],
    "b": [True, True, False, False],
    "c": [1.5 + 1j, -2.25 - 0.5j, 3.0 + 2j, 0.5 + 0j],
}
_PROBE_B = {
    "f": [0.5, 4.0, -1.0, 0.5],
    "i": [2, 4, -1, 6],
    "u": [2, 4, 1, 6],
    "b": [True, False, True, False],
    "c": [0.5 + 3j, 4.0 + 0.5j, -1.0 - 1j, 0.5 + 1j],
}


def _monoid(computation: Callable, dt) -> str | None:
    """The monoid ``computation`` computes ("add", "mul", "max", "min", "and", "or"), found by
    name for lax's and NumPy's functions, else by running it on a few values of ``dt``."""
    known = _KNOWN.get(computation)
    if known is not None:
        return known
    from .host import device_get

    kind = dt.kind
    if kind not in _PROBE_A:
        return None
    a = _np.asarray(_PROBE_A[kind]).astype(dt)
    b = _np.asarray(_PROBE_B[kind]).astype(dt)
    try:
        got = _np.asarray(device_get(computation(gnp.asarray(a), gnp.asarray(b))))
    except Exception:
        return None
    cands = (
        {"and": a & b, "or": a | b}
        if kind == "b"
        else {"add": a + b, "mul": a * b, "max": _np.maximum(a, b), "min": _np.minimum(a, b)}
    )
    for name, want in cands.items():
        if got.shape == want.shape and _np.array_equal(got, want):
            return name
    return None


def reduce(
    operands: Any,
    init_values: Any,
    computation: Callable,  # noqa: A001
    dimensions: Sequence[int],
) -> Any:
    """``computation`` folded over ``dimensions``, starting from ``init_values``.

    One operand with a monoid lax recognises (addition, multiplication, maximum, minimum;
    and/or of booleans; however written: ``lax.add``, ``operator.add``, ``lambda a, b: a + b``)
    is the matching ``reduce_*`` with the initial value combined once. Otherwise, and for
    several operands (pytrees of arrays, one shape; ``computation((a1, a2), (b1, b2))``
    returns the combined pair), the reduced axes are folded in halves as JAX's derivative of
    ``reduce`` does, ``computation`` called on whole arrays (write it with elementwise
    operations: ``lax.select``, ``lax.gt``, arithmetic), and the initial values combined
    once, first. Every step is recorded, so it differentiates, also in the initial values.

    Example: the largest value and its index along axis 1::

        def pick(a, b):
            take = lax.gt(a[0], b[0]) | (lax.eq(a[0], b[0]) & lax.lt(a[1], b[1]))
            return lax.select(take, a[0], b[0]), lax.select(take, a[1], b[1])

        vals, idx = lax.reduce((x, lax.broadcasted_iota(np.int32, x.shape, 1)),
                               (-np.inf, np.int32(0)), pick, (1,))
    """
    from .tree import tree_flatten, tree_unflatten

    flat_ops, op_tree = tree_flatten(operands)
    flat_inits, init_tree = tree_flatten(init_values)
    if op_tree != init_tree or not flat_ops:
        raise ValueError(
            f"lax.reduce: operands and init_values must be pytrees of one structure with at "
            f"least one array, got {op_tree} and {init_tree}"
        )
    for x, init in zip(flat_ops, flat_inits, strict=True):
        _same_dtype("reduce", x, init)
        if _dtype(init) is not None and _shape(init) != ():
            raise TypeError(
                f"lax.reduce: init_values must be scalars, got {_fmt(init)} for the "
                f"operand {_fmt(x)}"
            )
    if len({_shape(x) for x in flat_ops}) != 1:
        raise ValueError(
            f"lax.reduce: the operands must have one shape, got "
            f"{', '.join(_fmt(x) for x in flat_ops)}"
        )
    if len(flat_ops) == 1:
        name = _monoid(computation, _dtype(flat_ops[0]))
        if name is not None:
            out = _monoid_reduce(name, flat_ops[0], flat_inits[0], dimensions)
            return tree_unflatten(op_tree, [out])
    return _fold(flat_ops, flat_inits, init_tree, computation, dimensions)


def _monoid_reduce(name: str, x, init, dimensions):
    red = {
        "add": reduce_sum,
        "mul": reduce_prod,
        "max": reduce_max,
        "min": reduce_min,
        "and": reduce_and,
        "or": reduce_or,
    }[name](x, dimensions)
    if (
        name in ("max", "min")
        and _dtype(x).kind == "c"
        and not hasattr(init, "requires_grad")
        and _np.asarray(init) == _np.asarray(-_np.inf if name == "max" else _np.inf)
    ):
        return red  # lax's identity for complex max/min: nothing to combine (as jax.lax)
    comb = {
        "add": gnp.add,
        "mul": gnp.multiply,
        "max": gnp.maximum,
        "min": gnp.minimum,
        "and": gnp.logical_and,
        "or": gnp.logical_or,
    }[name]
    return comb(red, init)


def _fold(xs: list, inits: list, tree, computation: Callable, dimensions):
    """The general ``reduce``: the reduced axes moved to the front and flattened, then
    ``x[:h] (+) x[h:]`` halving (the middle element of an odd length carried), as JAX's
    ``_reduce_tree``, and finally ``init (+) result``."""
    from .tree import tree_flatten, tree_unflatten

    shape = _shape(xs[0])
    ax = _axes("reduce", dimensions, len(shape))
    rest = tuple(i for i in range(len(shape)) if i not in ax)
    out_shape = tuple(shape[i] for i in rest)
    n = 1
    for a in ax:
        n *= shape[a]
    dts = [_dtype(x) for x in xs]
    inits = [
        gnp.broadcast_to(gnp.asarray(v, dtype=dt) if _dtype(v) is None else v, out_shape)
        for v, dt in zip(inits, dts, strict=True)
    ]

    def combine(a: list, b: list) -> list:
        got = computation(tree_unflatten(tree, a), tree_unflatten(tree, b))
        leaves, out_tree = tree_flatten(got)
        if out_tree != tree:
            raise ValueError(
                f"lax.reduce: computation must return the structure of init_values "
                f"({tree}), got {out_tree}"
            )
        want = _shape(a[0])
        for k, (v, dt) in enumerate(zip(leaves, dts, strict=True)):
            if _dtype(v) != dt or _shape(v) != want:
                raise ValueError(
                    f"lax.reduce: computation returned {_fmt(v)} as output {k} for "
                    f"operands of shape {want} and dtype {dt}; it must keep the dtype and "
                    f"act elementwise (gpuad calls it on whole arrays)"
                )
        return leaves

    if n == 0:
        return tree_unflatten(tree, inits)
    perm = ax + rest
    cur = [gnp.reshape(gnp.transpose(x, perm), (n,) + out_shape) for x in xs]
    while n > 1:
        h = n // 2  # pairs (i, n - h + i); an odd length keeps its middle element
        pairs = combine([x[:h] for x in cur], [x[n - h :] for x in cur])
        if n % 2:
            pairs = [gnp.concatenate([p, x[h : h + 1]]) for p, x in zip(pairs, cur, strict=True)]
        cur, n = pairs, (n + 1) // 2
    return tree_unflatten(tree, combine(inits, [x[0] for x in cur]))


# ---- cumulative -------------------------------------------------------------------------------


def _cumulative(op: str, operand, axis: int, reverse: bool, kinds: str, run):
    _check_kind(op, operand, kinds)
    nd = len(_shape(operand))
    if nd == 0:
        raise ValueError(f"lax.{op} needs an operand of rank >= 1, got {_fmt(operand)}")
    a = _axes(op, (axis,), nd)[0]
    x = gnp.flip(operand, a) if reverse else operand
    y = run(x, a)
    return gnp.flip(y, a) if reverse else y


def _log_depth_scan(x, a: int, combine):
    """Inclusive scan with ``combine`` in ``ceil(log2 n)`` steps of differentiable ops."""
    n = _shape(x)[a]
    step = 1
    pre = (_S(None),) * a
    while step < n:
        head = x[pre + (_S(0, step),)]
        tail = combine(x[pre + (_S(step, None),)], x[pre + (_S(0, n - step),)])
        x = gnp.concatenate([head, tail], axis=a)
        step *= 2
    return x


def _prefix_scan(x, a: int, combine):
    """Inclusive scan with JAX's associative_scan recursion: the order in which ``combine``
    meets tied values, and hence how their gradient is shared, is JAX's."""
    from .lax_conv import associative_scan

    return associative_scan(combine, x, axis=a)


def cumsum(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running sums along ``axis`` (from the end with ``reverse=True``), in the operand's
    dtype. Example: ``lax.cumsum(x, 1, reverse=True)``"""
    return _cumulative(
        "cumsum",
        operand,
        axis,
        reverse,
        "iufc",
        lambda x, a: _keep_dtype(gnp.cumsum(_wide(x), axis=a), operand),
    )


def cumprod(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running products along ``axis``. Example: ``lax.cumprod(x)``"""
    return _cumulative(
        "cumprod",
        operand,
        axis,
        reverse,
        "iufc",
        lambda x, a: _keep_dtype(gnp.cumprod(_wide(x), axis=a), operand),
    )


def cummax(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running maxima along ``axis``. Example: ``lax.cummax(x)``"""
    return _cumulative(
        "cummax", operand, axis, reverse, "iufc", lambda x, a: _prefix_scan(x, a, gnp.maximum)
    )


def cummin(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running minima along ``axis``. Example: ``lax.cummin(x)``"""
    return _cumulative(
        "cummin", operand, axis, reverse, "iufc", lambda x, a: _prefix_scan(x, a, gnp.minimum)
    )


def cumlogsumexp(operand: Any, axis: int = 0, reverse: bool = False) -> Any:
    """Running ``log(sum(exp(x)))`` along ``axis``, without overflow.
    Example: ``lax.cumlogsumexp(logits)``"""
    return _cumulative(
        "cumlogsumexp",
        operand,
        axis,
        reverse,
        "f",
        lambda x, a: _log_depth_scan(x, a, gnp.logaddexp),
    )


# ---- sorting ----------------------------------------------------------------------------------


def _stable_argsort(key, axis: int):
    return gnp.argsort(key, axis=axis, kind="stable")


def sort(operand: Any, dimension: int = -1, is_stable: bool = True, num_keys: int = 1) -> Any:
    """``operand`` sorted along ``dimension``; for a sequence of arrays (one shape), all are
    permuted by the lexicographic order of the first ``num_keys`` (ties keep their order).
    NaN sorts last. Differentiable through the permutation.

    Example: ``keys, vals = lax.sort((k, v), num_keys=1)``
    """
    single = not isinstance(operand, list | tuple)
    ops = [operand] if single else list(operand)
    if not ops:
        raise TypeError("lax.sort needs at least one operand")
    shp = _shape(ops[0])
    if any(_shape(o) != shp for o in ops):
        raise TypeError(
            f"lax.sort: operands must have one shape, got {', '.join(_fmt(o) for o in ops)}"
        )
    if not 1 <= num_keys <= len(ops):
        raise ValueError(
            f"lax.sort: num_keys={num_keys} must be between 1 and the number of "
            f"operands ({len(ops)})"
        )
    if not shp:
        return operand
    d = _axes("sort", (dimension,), len(shp))[0]
    keys = [_data(k) for k in ops[:num_keys]]
    perm = _stable_argsort(keys[-1], d)
    for k in reversed(keys[:-1]):
        perm = gnp.take_along_axis(perm, _stable_argsort(gnp.take_along_axis(k, perm, d), d), d)
    outs = [gnp.take_along_axis(o, perm, d) for o in ops]
    return outs[0] if single else tuple(outs)


def sort_key_val(keys: Any, values: Any, dimension: int = -1, is_stable: bool = True) -> tuple:
    """``keys`` sorted along ``dimension`` and ``values`` permuted alike.
    Example: ``k, v = lax.sort_key_val(k, v)``"""
    return sort((keys, values), dimension, is_stable, 1)


def top_k(operand: Any, k: int, *, axis: int = -1) -> tuple:
    """The ``k`` largest entries along ``axis`` (the last by default), in descending order
    (ties in index order; NaN the largest, a negative NaN the smallest, as lax), with their
    int32 indices. Differentiable in the
    values.

    Example: ``vals, idx = lax.top_k(scores, 3)``
    """
    _check_kind("top_k", operand, "biuf")
    shp = _shape(operand)
    k = operator.index(k)
    a = _axes("top_k", (axis,), len(shp))[0] if shp else -1
    if shp and a != len(shp) - 1:
        vals, idx = top_k(gnp.moveaxis(operand, a, -1), k)
        return gnp.moveaxis(vals, -1, a), gnp.moveaxis(idx, -1, a)
    if not shp or not 0 <= k <= shp[-1]:
        raise ValueError(
            f"lax.top_k: k={k} must be between 0 and the size of axis {axis} of shape {shp}"
        )
    x = _data(operand)
    kind = _dtype(operand).kind
    if kind == "f":
        # lax's total order: NaN above +inf, a NaN with its sign bit set below -inf (the
        # argsort puts every NaN last; the positive ones move to the front)
        perm = _stable_argsort(gnp.negative(x), -1)
        xs = gnp.take_along_axis(x, perm, -1)
        is_num = gnp.logical_not(gnp.logical_and(gnp.isnan(xs), gnp.logical_not(gnp.signbit(xs))))
        nan_first = _stable_argsort(is_num, -1)
        perm = gnp.take_along_axis(perm, nan_first, -1)
    else:
        perm = _stable_argsort(gnp.invert(x), -1)
    idx = perm[..., :k]
    return gnp.take_along_axis(operand, idx, -1), gnp.astype(idx, _np.int32)


# ---- contractions -----------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Precision(enum.Enum):
    """lax's ``precision`` names, accepted by ``dot_general`` and the convolutions; every
    backend computes in the operands' (or ``preferred_element_type``'s) own precision, so the
    choice changes nothing. Example: ``lax.dot(a, b, precision=lax.Precision.HIGHEST)``"""

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


def _higher_precision(a: _np.dtype, b: _np.dtype) -> _np.dtype:
    """The dtype lax (XLA's HigherPrecisionType) computes a product of ``a`` and ``b`` in:
    complex first, then the wider exponent, the longer mantissa, more bits, signed."""

    def rank(dt):
        real = _np.finfo(dt).dtype if dt.kind == "c" else dt
        fl = real.kind == "f"
        return (
            dt.kind == "c",
            _np.finfo(real).maxexp if fl else -1,
            _np.finfo(real).nmant if fl else -1,
            8 * real.itemsize if real.kind != "b" else 1,
            real.kind != "u",
        )

    if rank(a) == rank(b):
        raise TypeError(
            f"lax.dot_general: operands of dtypes {a} and {b} have no common "
            f"type; convert one with lax.convert_element_type"
        )
    return a if rank(a) > rank(b) else b


def dot_general(
    lhs: Any,
    rhs: Any,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    **_: Any,
) -> Any:
    """The contraction of ``lhs`` and ``rhs`` over ``dimension_numbers = ((lhs_contract,
    rhs_contract), (lhs_batch, rhs_batch))``; the result holds the batch dimensions, then
    ``lhs``'s free ones, then ``rhs``'s. ``precision`` changes nothing here;
    ``preferred_element_type`` is the result's dtype; without it, operands of two dtypes are
    multiplied in the more precise one, as lax (``int32`` with ``float32`` is ``float32``,
    ``float64`` with ``complex64`` is ``complex64``).

    Example: ``lax.dot_general(a, b, (((1,), (0,)), ((), ())))`` is ``a @ b``
    """
    (lc, rc), (lb, rb) = dimension_numbers
    ls, rs = _shape(lhs), _shape(rhs)
    lc, rc = _axes("dot_general", lc, len(ls)), _axes("dot_general", rc, len(rs))
    lb, rb = _axes("dot_general", lb, len(ls)), _axes("dot_general", rb, len(rs))
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise TypeError(
            f"lax.dot_general: lhs and rhs need as many contracting ({lc}, {rc}) "
            f"and batch ({lb}, {rb}) dimensions"
        )
    if set(lc) & set(lb) or set(rc) & set(rb):
        raise TypeError(
            f"lax.dot_general: a dimension is both contracting and batch in {dimension_numbers}"
        )
    for a, b, what in [(i, j, "contracting") for i, j in zip(lc, rc, strict=True)] + [
        (i, j, "batch") for i, j in zip(lb, rb, strict=True)
    ]:
        if ls[a] != rs[b]:
            raise TypeError(
                f"lax.dot_general requires {what} dimensions to have the same "
                f"size, got lhs dimension {a} of shape {ls} and rhs dimension {b} "
                f"of shape {rs}"
            )
    for i, x in enumerate((lhs, rhs)):
        _check_kind("dot_general", x, "biufc", i)
    if len(ls) + len(rs) - len(lc) - len(lb) > len(_LETTERS):
        raise ValueError("lax.dot_general: too many dimensions")
    letters = iter(_LETTERS)
    lsub = [next(letters) for _ in ls]
    rsub = [next(letters) for _ in rs]
    for a, b in zip(lc + lb, rc + rb, strict=True):
        rsub[b] = lsub[a]
    out = (
        [lsub[a] for a in lb]
        + [lsub[i] for i in range(len(ls)) if i not in lc + lb]
        + [rsub[i] for i in range(len(rs)) if i not in rc + rb]
    )
    pt = None if preferred_element_type is None else _np.dtype(preferred_element_type)
    if pt is None and _dtype(lhs) != _dtype(rhs):
        pt = _higher_precision(_dtype(lhs), _dtype(rhs))
    from ._lax_elementwise import convert_element_type

    if pt is not None:
        lhs, rhs = convert_element_type(lhs, pt), convert_element_type(rhs, pt)
    spec = f"{''.join(lsub)},{''.join(rsub)}->{''.join(out)}"
    if _dtype(lhs) == _np.float16:
        return _half_product(gnp.einsum, spec, lhs, rhs)
    return gnp.einsum(spec, lhs, rhs)


def _half_product(fn, *args):
    """A float16 contraction accumulated in float32 and rounded once, as XLA and cuBLAS
    compute it (NumPy's float16 loops round every partial sum: 2% off over 2048 terms)."""
    from ._lax_elementwise import convert_element_type

    args = [a if isinstance(a, str) else convert_element_type(a, _np.float32) for a in args]
    return convert_element_type(fn(*args), _np.float16)


def dot(
    lhs: Any, rhs: Any, *, precision: Any = None, preferred_element_type: Any = None, **_: Any
) -> Any:
    """Vector-vector, matrix-vector or matrix-matrix product (``dot_general`` for others).
    Example: ``lax.dot(A, v)``"""
    ls, rs = _shape(lhs), _shape(rhs)
    if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2) or ls[-1] != rs[0]:
        raise TypeError(
            f"lax.dot: takes vectors and matrices whose inner sizes agree, got "
            f"{_fmt(lhs)} and {_fmt(rhs)}; use lax.dot_general for other ranks"
        )
    return dot_general(
        lhs, rhs, (((len(ls) - 1,), (0,)), ((), ())), preferred_element_type=preferred_element_type
    )


def batch_matmul(lhs: Any, rhs: Any, precision: Any = None) -> Any:
    """Matrix products over equal leading (batch) dimensions: ``lhs @ rhs`` without
    broadcasting. Example: ``lax.batch_matmul(A, B)`` for ``A: (b, m, k)``, ``B: (b, k, n)``"""
    ls, rs = _shape(lhs), _shape(rhs)
    if len(ls) < 2 or len(ls) != len(rs) or ls[:-2] != rs[:-2] or ls[-1] != rs[-2]:
        raise TypeError(
            f"lax.batch_matmul: needs operands of one rank >= 2 with equal batch "
            f"dimensions and agreeing inner sizes, got {_fmt(lhs)} and {_fmt(rhs)}"
        )
    _same_dtype("batch_matmul", lhs, rhs)
    if _dtype(lhs) == _np.float16:
        return _half_product(gnp.matmul, lhs, rhs)
    return gnp.matmul(lhs, rhs)


# computations lax.reduce recognises without running them (filled in by lax_ops)
_KNOWN: dict = {}
