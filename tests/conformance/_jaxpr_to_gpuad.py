"""Evaluate a JAX jaxpr with ``gpuad.lax``: one rule per JAX primitive, from its parameters.

A JAX primitive test harness is a function written against JAX's primitives (``prim.bind``,
``partial(lax.scatter_add, mode=...)``, lambdas over ``jnp``). Rather than re-deriving each
lambda by hand, ``jax.make_jaxpr`` turns it into the primitives it binds and their parameters,
and :func:`eval_jaxpr` runs those with the ``gpuad.lax`` function of the same name, handing it
the same parameters through gpuad's public arguments. The result is an ordinary Python function
of gpuad arrays that ``gpuad.vjp``, ``gpuad.jvp`` and ``gpuad.vmap`` transform like any other.

A primitive without a rule raises :class:`NoRule` naming it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import gpuad.numpy as gnp
from gpuad import lax


class NoRule(NotImplementedError):
    """A JAX primitive that this port has no ``gpuad.lax`` counterpart for."""


def _dtype(d):
    return np.dtype(d)


def _mode(m):
    return None if m is None else getattr(lax.GatherScatterMode, m.name)


def _precision(p):
    if p is None:
        return None
    if isinstance(p, tuple):
        return tuple(_precision(q) for q in p)
    return getattr(lax.Precision, p.name)


def _gather_dn(dn):
    return lax.GatherDimensionNumbers(
        offset_dims=tuple(dn.offset_dims), collapsed_slice_dims=tuple(dn.collapsed_slice_dims),
        start_index_map=tuple(dn.start_index_map),
        operand_batching_dims=tuple(dn.operand_batching_dims),
        start_indices_batching_dims=tuple(dn.start_indices_batching_dims))


def _scatter_dn(dn):
    return lax.ScatterDimensionNumbers(
        update_window_dims=tuple(dn.update_window_dims),
        inserted_window_dims=tuple(dn.inserted_window_dims),
        scatter_dims_to_operand_dims=tuple(dn.scatter_dims_to_operand_dims),
        operand_batching_dims=tuple(dn.operand_batching_dims),
        scatter_indices_batching_dims=tuple(dn.scatter_indices_batching_dims))


def _binary_fn(jaxpr, consts=()) -> Callable:
    """A two-argument computation (a reduction's or a scatter's) run by this interpreter."""
    return lambda a, b: _single(eval_jaxpr(jaxpr, list(consts), a, b))


def _single(outs):
    return outs[0] if len(outs) == 1 else tuple(outs)


_UNARY = """abs acos acosh asin asinh atan atanh bessel_i0e bessel_i1e cbrt ceil cos cosh digamma
erf erf_inv erfc exp exp2 expm1 floor imag is_finite lgamma log log1p logistic neg
population_count real rsqrt sign sin sinh sqrt square tan tanh""".split()
_BINARY = """add sub mul div rem pow atan2 igamma igammac nextafter max min eq ne lt le gt ge
shift_left shift_right_arithmetic shift_right_logical complex zeta polygamma""".split()
_BITWISE = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor", "not": "bitwise_not"}


def _init_for(monoid: str, dtype):
    dt = np.dtype(dtype)
    if monoid == "sum":
        return np.zeros((), dt)
    if dt == np.bool_:
        return np.array(monoid == "min")
    if dt.kind in "fc":
        return np.array(-np.inf if monoid == "max" else np.inf, dt)
    info = np.iinfo(dt)
    return np.array(info.min if monoid == "max" else info.max, dt)


def _reduce_window_monoid(monoid, fn):
    def rule(x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation):
        return lax.reduce_window(x, _init_for(monoid, x.dtype), fn, window_dimensions,
                                 window_strides, padding, base_dilation, window_dilation)
    return rule


def _fft(x, *, fft_type, fft_lengths):
    axes = tuple(range(-len(fft_lengths), 0))
    kind = int(fft_type)  # FFT, IFFT, RFFT, IRFFT
    if kind == 0:
        return gnp.fft.fftn(x, s=fft_lengths, axes=axes)
    if kind == 1:
        return gnp.fft.ifftn(x, s=fft_lengths, axes=axes)
    if kind == 2:
        return gnp.fft.rfftn(x, s=fft_lengths, axes=axes)
    return gnp.fft.irfftn(x, s=fft_lengths, axes=axes)


def _sub_jaxpr(eqn):
    closed = eqn.params["jaxpr"]
    return closed.jaxpr, list(closed.consts)


RULES: dict[str, Callable] = {
    **{name: (lambda f: lambda x, **_: f(x))(getattr(lax, name)) for name in _UNARY},
    **{name: (lambda f: lambda x, y, **_: f(x, y))(getattr(lax, name)) for name in _BINARY},
    **{name: (lambda f: lambda *a, **_: f(*a))(getattr(lax, g)) for name, g in _BITWISE.items()},
    "add_any": lambda x, y: lax.add(x, y),
    "conj": lambda x, **_: lax.conj(x),
    "round": lambda x, *, rounding_method: lax.round(
        x, lax.RoundingMethod(int(rounding_method))),
    "integer_pow": lambda x, *, y: lax.integer_pow(x, y),
    "regularized_incomplete_beta": lambda a, b, x: lax.betainc(a, b, x),
    "convert_element_type": lambda x, *, new_dtype, **_: lax.convert_element_type(
        x, _dtype(new_dtype)),
    "bitcast_convert_type": lambda x, *, new_dtype: lax.bitcast_convert_type(
        x, _dtype(new_dtype)),
    "reduce_precision": lambda x, *, exponent_bits, mantissa_bits: lax.reduce_precision(
        x, exponent_bits, mantissa_bits),
    "stop_gradient": lambda x: lax.stop_gradient(x),
    "copy": lambda x: x,
    "copy_p": lambda x: x,
    "device_put": lambda *xs, **_: list(xs),
    "clamp": lambda lo, x, hi: lax.clamp(lo, x, hi),
    "select_n": lambda which, *cases: lax.select_n(which, *cases),
    "iota": lambda *, dtype, shape, dimension, **_: lax.broadcasted_iota(
        _dtype(dtype), shape, dimension),
    # shapes
    "reshape": lambda x, *, new_sizes, dimensions, **_: lax.reshape(x, new_sizes, dimensions),
    "rev": lambda x, *, dimensions: lax.rev(x, dimensions),
    "broadcast_in_dim": lambda x, *, shape, broadcast_dimensions, **_: lax.broadcast_in_dim(
        x, shape, broadcast_dimensions),
    "concatenate": lambda *xs, dimension: lax.concatenate(list(xs), dimension),
    "transpose": lambda x, *, permutation: lax.transpose(x, permutation),
    "squeeze": lambda x, *, dimensions: lax.squeeze(x, dimensions),
    "slice": lambda x, *, start_indices, limit_indices, strides: lax.slice(
        x, start_indices, limit_indices, strides),
    "pad": lambda x, v, *, padding_config: lax.pad(x, v, padding_config),
    # the primitive only clamps; jnp's wrapping of negative starts is in the jaxpr already
    "dynamic_slice": lambda x, *starts, slice_sizes: lax.dynamic_slice(
        x, list(starts), slice_sizes, allow_negative_indices=False),
    "dynamic_update_slice": lambda x, u, *starts: lax.dynamic_update_slice(
        x, u, list(starts), allow_negative_indices=False),
    # reductions and scans
    **{f"reduce_{m}": (lambda f: lambda x, *, axes, **_: f(x, axes))(getattr(lax, f"reduce_{m}"))
       for m in ("sum", "prod", "max", "min", "and", "or", "xor")},
    "argmax": lambda x, *, axes, index_dtype: lax.argmax(x, axes[0], _dtype(index_dtype)),
    "argmin": lambda x, *, axes, index_dtype: lax.argmin(x, axes[0], _dtype(index_dtype)),
    **{name: (lambda f: lambda x, *, axis, reverse: f(x, axis, reverse))(getattr(lax, name))
       for name in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp")},
    "sort": lambda *xs, dimension, is_stable, num_keys: list(
        lax.sort(tuple(xs), dimension=dimension, is_stable=is_stable, num_keys=num_keys)),
    "top_k": lambda x, *, k, axis=-1: list(lax.top_k(x, k, axis=axis)),
    "reduce_window_sum": _reduce_window_monoid("sum", lax.add),
    "reduce_window_max": _reduce_window_monoid("max", lax.max),
    "reduce_window_min": _reduce_window_monoid("min", lax.min),
    # contractions
    "dot_general": lambda a, b, *, dimension_numbers, precision, preferred_element_type, **_:
        lax.dot_general(a, b, dimension_numbers, precision=_precision(precision),
                        preferred_element_type=preferred_element_type),
    "conv_general_dilated": lambda a, b, *, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers, feature_group_count, batch_group_count, precision,
        preferred_element_type, **_: lax.conv_general_dilated(
            a, b, window_strides, padding, lhs_dilation, rhs_dilation,
            lax.ConvDimensionNumbers(*dimension_numbers), feature_group_count,
            batch_group_count, _precision(precision), preferred_element_type),
    "fft": _fft,
}


def _gather(x, idx, *, dimension_numbers, slice_sizes, unique_indices, indices_are_sorted,
            mode, fill_value):
    return lax.gather(x, idx, _gather_dn(dimension_numbers), slice_sizes,
                      unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                      mode=_mode(mode), fill_value=fill_value)


def _scatter(fn):
    def rule(x, idx, upd, *, dimension_numbers, indices_are_sorted, unique_indices, mode,
             update_jaxpr=None, update_consts=()):
        return fn(x, idx, upd, _scatter_dn(dimension_numbers),
                  indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                  mode=_mode(mode))
    return rule


def _reduce(*args, computation, jaxpr, dimensions):
    n = len(args) // 2
    fn = _binary_fn_n(jaxpr.jaxpr, jaxpr.consts, n)
    ops, inits = args[:n], args[n:]
    out = lax.reduce(ops[0] if n == 1 else tuple(ops), inits[0] if n == 1 else tuple(inits),
                     fn, dimensions)
    return [out] if n == 1 else list(out)


def _binary_fn_n(jaxpr, consts, n):
    if n == 1:
        return _binary_fn(jaxpr, consts)
    return lambda a, b: tuple(eval_jaxpr(jaxpr, list(consts), *a, *b))


def _reduce_window(*args, jaxpr, consts, window_dimensions, window_strides, padding,
                   base_dilation, window_dilation):
    if len(args) != 2:
        raise NoRule("reduce_window of several operands")
    x, init = args
    return [lax.reduce_window(x, init, _binary_fn(jaxpr, consts), window_dimensions,
                              window_strides, padding, base_dilation, window_dilation)]


RULES.update({
    "gather": _gather,
    "scatter": _scatter(lax.scatter),
    "scatter-add": _scatter(lax.scatter_add),
    "scatter-sub": _scatter(lax.scatter_sub),
    "scatter-mul": _scatter(lax.scatter_mul),
    "scatter-min": _scatter(lax.scatter_min),
    "scatter-max": _scatter(lax.scatter_max),
    "reduce": _reduce,
    "reduce_window": _reduce_window,
})


def _read(env, v):
    if hasattr(v, "val"):  # a Literal
        return v.val
    return env[v]


def eval_jaxpr(jaxpr, consts: list, *args) -> list:
    """The outputs of ``jaxpr`` on ``args``, every primitive run by gpuad."""
    env: dict = {}
    for v, c in zip(jaxpr.constvars, consts, strict=True):
        env[v] = c
    for v, a in zip(jaxpr.invars, args, strict=True):
        env[v] = a
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        ins = [_read(env, v) for v in eqn.invars]
        if name in ("jit", "pjit", "closed_call", "core_call"):
            sub, sub_consts = _sub_jaxpr(eqn)
            outs = eval_jaxpr(sub, sub_consts, *ins)
        else:
            rule = RULES.get(name)
            if rule is None:
                raise NoRule(f"no gpuad.lax rule for the JAX primitive {name!r}")
            outs = rule(*ins, **eqn.params)
            if not eqn.primitive.multiple_results:
                outs = [outs]
        for v, o in zip(eqn.outvars, outs, strict=True):
            env[v] = o
    return [_read(env, v) for v in jaxpr.outvars]


def primitives(jaxpr) -> set[str]:
    """The names of the primitives ``jaxpr`` binds, nested calls included."""
    out = set()
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in ("jit", "pjit", "closed_call", "core_call"):
            out |= primitives(eqn.params["jaxpr"].jaxpr)
        else:
            out.add(eqn.primitive.name)
    return out


def as_gpuad(closed_jaxpr) -> Callable:
    """``closed_jaxpr`` as a function of gpuad arrays returning a list of outputs."""
    consts = list(closed_jaxpr.consts)
    return lambda *args: eval_jaxpr(closed_jaxpr.jaxpr, consts, *args)


__all__ = ["RULES", "NoRule", "as_gpuad", "eval_jaxpr", "primitives"]
