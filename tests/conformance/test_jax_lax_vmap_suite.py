"""JAX's lax batching suites (``tests/lax_vmap_test.py``, ``tests/lax_vmap_op_test.py``) run by
``gpuad.vmap`` over ``gpuad.lax`` and ``jax.vmap`` over ``jax.lax`` on the same inputs.

JAX's tests vmap each lax op with the batch dimension at every position of every argument, some
arguments unbatched, and compare with a loop. Here each case is ``fn(L, *args)`` with ``L`` =
``gpuad.lax`` or ``jax.lax``; for a deterministic sample of the ``in_axes`` combinations (all at
0, all at the last position, and random mixes with unbatched arguments, as JAX's
``cases_from_list`` samples) the test compares, against JAX:

* the values, dtypes and shapes of ``vmap(fn, in_axes, out_axes)`` (``out_axes`` 0 and -1);
* nested ``vmap`` over two batch axes;
* on the floating cases marked ``grad``: ``vmap`` of ``grad`` and ``grad`` of a ``vmap``-ped
  loss, and the vmapped function's derivatives against float64 central differences;
* on a subset, ``gpuad.jit`` of the vmapped function.

Every example's result is also checked against gpuad's own per-example loop, so that a batching
rule mixing examples is caught even where JAX's batched value would agree by accident.

Where JAX itself cannot batch a case (a batched init value of ``reduce``/``reduce_window``,
``cholesky_update``), the case names the reason and the reference is JAX's per-example loop;
``NO_JAX_GRAD`` lists the gradients JAX cannot take (checked by central differences instead);
``test_gpuad_batches_what_jax_refuses`` checks gpuad where it goes further than JAX, and
``REFUSALS`` what gpuad refuses with a clear error. The same file passes with
``--cupy-standin`` (gpuad then runs on the CuPy stand-in).
"""

from __future__ import annotations

import functools
import itertools
import warnings
import zlib

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.jit import TracerError
from gpuad.testing import check_grads

B = 3  # batch size


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


# ---- samplers: (rng, shape) -> one example ------------------------------------------------


def F(*shape, dtype=np.float64):
    return lambda r: np.asarray(1.2 * r.standard_normal(shape), dtype)


def POS(*shape, dtype=np.float64):
    return lambda r: np.asarray(r.uniform(0.4, 2.5, shape), dtype)


def UNIT(*shape):
    return lambda r: r.uniform(0.1, 0.9, shape)


def I(*shape, lo=-5, hi=6, dtype=np.int32):  # noqa: E743
    return lambda r: np.asarray(r.integers(lo, hi, shape), dtype)


def BOOL(*shape):
    return lambda r: r.random(shape) < 0.5


def C(*shape):
    return lambda r: r.standard_normal(shape) + 1j * r.standard_normal(shape)


def DISTINCT(*shape):  # no ties (sort, argmax, top_k, cummax, scatter_max)
    n = int(np.prod(shape))
    return lambda r: (r.permutation(n).reshape(shape) * 0.37 + r.uniform(0, .1, shape))


def PERM_ROWS(n, k):  # k distinct row indices in [0, n), shape (k, 1)
    return lambda r: r.permutation(n)[:k].reshape(k, 1).astype(np.int32)


def SPD(n):
    def draw(r):
        a = r.standard_normal((n, n))
        return a @ a.T + n * np.eye(n)

    return draw


def TRI(n, lower=True):
    def draw(r):
        a = r.standard_normal((n, n)) * 0.3 + 2 * np.eye(n)
        return np.tril(a) if lower else np.triu(a)

    return draw


# ---- the cases ------------------------------------------------------------------------------

CASES: dict[str, dict] = {}


def case(tag, fn, *args, grad=False, jit=False, tol=1e-10, combos=3, compare=None, axes=None,
         jax_loop=None):
    """``compare(out) -> tree``: what of the result is compared (default: all of it);
    ``axes``: the in_axes to use instead of the sampled ones; ``jax_loop``: why JAX's own
    ``vmap`` cannot batch this case (the reference is then JAX's per-example loop)."""
    assert tag not in CASES, tag
    if any(v in tag for v in ("_f32", "_int", "_u8", "_0d")):
        combos = min(combos, 2)  # dtype variants: all at 0, all last
    CASES[tag] = dict(fn=fn, args=args, grad=grad, jit=jit, tol=tol, combos=combos,
                      compare=compare, axes=axes, jax_loop=jax_loop)


# elementwise (lax_vmap_op_test: every LAX_OPS entry on compatible shapes)
for name, smp in [("exp", F), ("log", POS), ("sin", F), ("tanh", F), ("logistic", F),
                  ("sqrt", POS), ("rsqrt", POS), ("cbrt", F), ("erf", F), ("lgamma", POS),
                  ("digamma", POS), ("square", F), ("abs", F), ("sign", F), ("floor", F),
                  ("ceil", F), ("round", F), ("is_finite", F), ("neg", F), ("expm1", F),
                  ("log1p", POS), ("atan", F), ("asinh", F), ("erf_inv", UNIT),
                  ("bessel_i0e", F), ("bessel_i1e", F)]:
    case(f"{name}", lambda L, x, n=name: getattr(L, n)(x), smp(2, 3),
         grad=name in ("exp", "sin", "tanh", "logistic", "sqrt", "lgamma", "abs"),
         jit=name in ("exp", "tanh"))
for name, (s1, s2) in {"add": (F, F), "sub": (F, F), "mul": (F, F), "div": (F, POS),
                       "rem": (F, POS), "pow": (POS, F), "atan2": (F, F), "max": (DISTINCT,
                       DISTINCT), "min": (DISTINCT, DISTINCT), "nextafter": (F, F),
                       "igamma": (POS, POS), "igammac": (POS, POS), "zeta": (lambda *s:
                       POS(*s), lambda *s: POS(*s))}.items():
    if name == "zeta":
        s1 = lambda *s: (lambda r: r.uniform(1.5, 3.0, s))  # noqa: E731
    if name not in ("igamma", "igammac", "zeta"):  # (XLA compiles these slowly)
        case(f"{name}", lambda L, x, y, n=name: getattr(L, n)(x, y), s1(2, 3), s2(2, 3),
             grad=name in ("add", "mul", "div", "pow", "atan2", "max"), jit=name == "mul",
             tol=1e-8)
    case(f"{name}_0d", lambda L, x, y, n=name: getattr(L, n)(x, y), s1(), s2(), tol=1e-8)
for name, (s1, s2) in {"add": (F, F), "mul": (F, F), "div": (F, POS), "max": (F, F),
                       "pow": (POS, F)}.items():
    case(f"{name}_f32", lambda L, x, y, n=name: getattr(L, n)(x, y), s1(2, 3, dtype=np.float32),
         s2(2, 3, dtype=np.float32), tol=2e-6)
for name in ("exp", "sin", "tanh", "logistic", "round"):
    case(f"{name}_f32", lambda L, x, n=name: getattr(L, n)(x), F(2, 3, dtype=np.float32),
         tol=2e-6)
for name in ("add", "mul", "max", "sub"):
    case(f"{name}_int", lambda L, x, y, n=name: getattr(L, n)(x, y), I(2, 3), I(2, 3))
case("add_u8", lambda L, x, y: L.add(x, y), I(4, lo=0, hi=200, dtype=np.uint8),
     I(4, lo=0, hi=200, dtype=np.uint8))
case("abs_int", lambda L, x: L.abs(x), I(2, 3))
case("sign_int", lambda L, x: L.sign(x), I(2, 3))
case("integer_pow_int", lambda L, x: L.integer_pow(x, 3), I(2, 3))
case("eq", lambda L, x, y: L.eq(x, y), I(2, 3, lo=0, hi=3), I(2, 3, lo=0, hi=3))
case("lt_f32", lambda L, x, y: L.lt(x, y), F(4, dtype=np.float32), F(4, dtype=np.float32))
case("div_int", lambda L, x, y: L.div(x, y), I(2, 3), I(2, 3, lo=1, hi=4))
case("rem_int", lambda L, x, y: L.rem(x, y), I(2, 3), I(2, 3, lo=1, hi=4))
case("bitwise_and", lambda L, x, y: L.bitwise_and(x, y), I(5, lo=0, hi=99), I(5, lo=0, hi=99))
case("bitwise_xor", lambda L, x, y: L.bitwise_xor(x, y), I(5, lo=-9, hi=99), I(5, lo=0, hi=99))
case("bitwise_not", lambda L, x: L.bitwise_not(x), I(2, 3))
case("shift_left", lambda L, x, y: L.shift_left(x, y), I(5, lo=0, hi=99), I(5, lo=0, hi=8))
case("shift_right_logical", lambda L, x, y: L.shift_right_logical(x, y), I(5, lo=-99, hi=99),
     I(5, lo=0, hi=8))
case("shift_right_arithmetic", lambda L, x, y: L.shift_right_arithmetic(x, y),
     I(5, lo=-99, hi=99), I(5, lo=0, hi=8))
case("population_count", lambda L, x: L.population_count(x), I(2, 3, lo=-99, hi=999))
case("population_count_u8", lambda L, x: L.population_count(x),
     I(4, lo=0, hi=255, dtype=np.uint8))
case("integer_pow", lambda L, x: L.integer_pow(x, 3), F(2, 3), grad=True, jit=True)
case("integer_pow_neg", lambda L, x: L.integer_pow(x, -2), POS(4), grad=True)
case("integer_pow_f32", lambda L, x: L.integer_pow(x, 2), F(4, dtype=np.float32), tol=1e-6)
case("polygamma", lambda L, m, x: L.polygamma(m, x),
     lambda r: r.integers(0, 3, (3,)).astype(np.float64), POS(3), tol=1e-8)
case("betainc", lambda L, a, b, x: L.betainc(a, b, x), POS(), POS(), UNIT(), tol=1e-8,
     combos=2)
case("complex", lambda L, x, y: L.complex(x, y), F(3), F(3))
case("real_imag_conj", lambda L, z: (L.real(z), L.imag(z), L.conj(z)), C(3))
case("mul_c", lambda L, x, y: L.mul(x, y), C(2), C(2))
case("select_n", lambda L, p, x, y: L.select_n(p, x, y), BOOL(2, 3), F(2, 3), F(2, 3),
     grad=True, jit=True)
case("select_n_3", lambda L, p, x, y, z: L.select_n(p, x, y, z), I(4, lo=0, hi=3), F(4), F(4),
     F(4))
case("select_n_scalar_pred", lambda L, p, x, y: L.select_n(p, x, y), BOOL(), F(2, 3), F(2, 3),
     grad=True)
case("clamp", lambda L, lo, x, hi: L.clamp(lo, x, hi), F(), F(2, 3), POS(), grad=True,
     jax_loop="JAX: vmap of clamp's gradient with 0-d bounds fails (select of unequal shapes)")
case("clamp_arrays", lambda L, lo, x, hi: L.clamp(lo, x, hi), F(2, 3), F(2, 3),
     lambda r: 3 + r.random((2, 3)), grad=True)
case("convert_f_to_i", lambda L, x: L.convert_element_type(x, np.int32), F(2, 3))
case("convert_i_to_f32", lambda L, x: L.convert_element_type(x, np.float32), I(2, 3))
case("convert_f64_to_f32", lambda L, x: L.convert_element_type(x, np.float32), F(2, 3),
     grad=True, tol=1e-6)
case("convert_to_bool", lambda L, x: L.convert_element_type(x, np.bool_), I(2, 3, lo=-1, hi=2))
case("bitcast_f32_i32", lambda L, x: L.bitcast_convert_type(x, np.int32),
     F(2, 3, dtype=np.float32))
case("bitcast_f64_i64", lambda L, x: L.bitcast_convert_type(x, np.int64), F(2, 3))
case("bitcast_f32_u8", lambda L, x: L.bitcast_convert_type(x, np.uint8), F(2, dtype=np.float32))
# JAX cannot batch a narrowing bitcast over the last axis (the axis it consumes)
case("bitcast_u8_to_f32", lambda L, x: L.bitcast_convert_type(x, np.float32),
     I(3, 4, lo=0, hi=255, dtype=np.uint8), axes=[(0,), (1,)])
case("reduce_precision", lambda L, x: L.reduce_precision(x, exponent_bits=5,
                                                        mantissa_bits=10), F(2, 3))

# structural (lax_vmap_test: broadcast, broadcast_in_dim, reshape, squeeze, transpose, rev,
# pad, concatenate, slice, dynamic_slice, dynamic_update_slice)
case("broadcast", lambda L, x: L.broadcast(x, (2,)), F(2, 3), grad=True)
case("broadcast_0d", lambda L, x: L.broadcast(x, (1, 2)), F())
case("broadcast_in_dim_0", lambda L, x: L.broadcast_in_dim(x, (2, 2), (0,)), F(2), grad=True)
case("broadcast_in_dim_1", lambda L, x: L.broadcast_in_dim(x, (2, 3), (0,)), F(2))
case("broadcast_in_dim_scalar", lambda L, x: L.broadcast_in_dim(x, (2, 3), ()), F())
case("broadcast_in_dim_size1", lambda L, x: L.broadcast_in_dim(x, (2, 3, 4), (1, 2)),
     F(3, 1), grad=True, jit=True)
case("broadcast_to_rank", lambda L, x: L.broadcast_to_rank(x, 3), F(2, 3))
case("reshape", lambda L, x: L.reshape(x, (6, 4)), F(2, 3, 4), grad=True, jit=True)
case("reshape_dims", lambda L, x: L.reshape(x, (4, 6), dimensions=(2, 0, 1)), F(2, 3, 4),
     grad=True)
case("reshape_dims_T", lambda L, x: L.reshape(x, (3, 2), dimensions=(1, 0)), F(2, 3))
case("collapse", lambda L, x: L.collapse(x, 1, 3), F(2, 3, 4))
case("squeeze", lambda L, x: L.squeeze(x, (1, 3)), F(2, 1, 3, 1), grad=True)
case("squeeze_neg", lambda L, x: L.squeeze(x, (-1,)), F(2, 1, 3, 1))
case("expand_dims", lambda L, x: L.expand_dims(x, (0, 2)), F(2, 3))
case("expand_dims_neg", lambda L, x: L.expand_dims(x, (-1,)), F(2, 3))
case("transpose", lambda L, x: L.transpose(x, (2, 0, 1)), F(2, 3, 4), grad=True, jit=True)
case("rev", lambda L, x: L.rev(x, (0, 2)), F(2, 3, 4), grad=True)
case("pad", lambda L, x, v: L.pad(x, v, [(1, 2, 1), (0, -1, 2)]), F(3, 4), F(), grad=True,
     jit=True)
case("pad_negative", lambda L, x, v: L.pad(x, v, [(-1, 0, 0), (2, -2, 1)]), F(3, 4), F())
case("concatenate_0", lambda L, x, y: L.concatenate([x, y], 0), F(2, 3), F(4, 3), grad=True)
case("concatenate_1", lambda L, x, y, z: L.concatenate([x, y, z], 1), F(2, 1), F(2, 3),
     F(2, 2), jit=True)
case("slice", lambda L, x: L.slice(x, (1, 0), (4, 5), (2, 2)), F(5, 6), grad=True)
case("slice_in_dim", lambda L, x: L.slice_in_dim(x, 1, 3, axis=1), F(2, 5))
case("index_in_dim", lambda L, x: L.index_in_dim(x, 2, axis=1, keepdims=False), F(2, 5))
case("split", lambda L, x: L.split(x, (1, 3), axis=1), F(2, 4))
case("dynamic_slice", lambda L, x, i, j: L.dynamic_slice(x, (i, j), (2, 3)), F(5, 6),
     I(lo=-7, hi=7), I(lo=-7, hi=7), grad=True, jit=True)
case("dynamic_slice_array_idx", lambda L, x, ij: L.dynamic_slice(x, ij, (2, 3)), F(5, 6),
     I(2, lo=-7, hi=7))
case("dynamic_slice_in_dim", lambda L, x, i: L.dynamic_slice_in_dim(x, i, 2, axis=1), F(3, 5),
     I(lo=-6, hi=6))
case("dynamic_index_in_dim", lambda L, x, i: L.dynamic_index_in_dim(x, i, 0, False), F(4, 3),
     I(lo=-5, hi=5), grad=True)
case("dynamic_update_slice", lambda L, x, u, i, j: L.dynamic_update_slice(x, u, (i, j)),
     F(5, 6), F(2, 3), I(lo=-7, hi=7), I(lo=-7, hi=7), grad=True, jit=True)
case("dynamic_update_index_in_dim",
     lambda L, x, u, i: L.dynamic_update_index_in_dim(x, u, i, 1), F(3, 4), F(3), I(lo=-5, hi=5),
     grad=True)
case("full_like", lambda L, x: L.add(x, L.full_like(x, 2.0)), F(2, 3))
case("iota", lambda L, x: L.mul(x, L.broadcasted_iota(x.dtype, (2, 3), 1)), F(2, 3))
case("iota_1d", lambda L, x: L.add(x, L.iota(np.int32, 4)), I(4))

# gather / scatter
_G = dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))


def _gdn(L, **kw):
    return L.GatherDimensionNumbers(**kw)


def _sdn(L, **kw):
    return L.ScatterDimensionNumbers(**kw)


case("gather_rows", lambda L, x, idx: L.gather(x, idx, _gdn(L, **_G), (1, 4)), F(5, 4),
     I(3, 1, lo=0, hi=5), grad=True, jit=True)
case("gather_points", lambda L, x, idx: L.gather(
    x, idx, _gdn(L, offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1)),
    (1, 1)), F(4, 5), I(3, 2, lo=0, hi=4), grad=True)
case("gather_windows", lambda L, x, idx: L.gather(
    x, idx, _gdn(L, offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0, 1)),
    (2, 3), mode=L.GatherScatterMode.CLIP), F(4, 5), I(2, 2, lo=-2, hi=6))
case("gather_fill", lambda L, x, idx: L.gather(
    x, idx, _gdn(L, **_G), (1, 4), mode=L.GatherScatterMode.FILL_OR_DROP, fill_value=-1.0),
    F(5, 4), I(3, 1, lo=-2, hi=7), grad=True)
case("gather_batching_dims", lambda L, x, idx: L.gather(
    x, idx, _gdn(L, offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
                 operand_batching_dims=(0,), start_indices_batching_dims=(0,)), (1, 1)),
     F(3, 5), I(3, 1, lo=0, hi=5))

_S = dict(update_window_dims=(1,), inserted_window_dims=(0,),
          scatter_dims_to_operand_dims=(0,))
for name in ("scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max",
             "scatter_sub"):
    case(name, lambda L, x, idx, u, n=name: getattr(L, n)(x, idx, u, _sdn(L, **_S),
                                                           unique_indices=True),
         DISTINCT(5, 3), PERM_ROWS(5, 2), DISTINCT(2, 3), grad=name in ("scatter",
                                                                       "scatter_add",
                                                                       "scatter_mul"),
         jit=name == "scatter_add")
case("scatter_add_dups", lambda L, x, idx, u: L.scatter_add(x, idx, u, _sdn(L, **_S)), F(4, 3),
     I(5, 1, lo=0, hi=4), F(5, 3), grad=True)
case("scatter_add_points", lambda L, x, idx, u: L.scatter_add(
    x, idx, u, _sdn(L, update_window_dims=(), inserted_window_dims=(0, 1),
                    scatter_dims_to_operand_dims=(0, 1))), F(3, 4), I(5, 2, lo=0, hi=3), F(5))
case("scatter_drop", lambda L, x, idx, u: L.scatter(
    x, idx, u, _sdn(L, **_S), mode=L.GatherScatterMode.FILL_OR_DROP), F(4, 3),
     lambda r: np.array([[5], [1]], np.int32), F(2, 3))
case("scatter_apply", lambda L, x, idx: L.scatter_apply(
    x, idx, lambda v: v * 2.0, _sdn(L, **_S), update_shape=(2, 3)), F(4, 3), PERM_ROWS(4, 2))

# reductions, cumulative reductions, sorting
for name in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod"):
    case(name, lambda L, x, n=name: getattr(L, n)(x, (0, 2)),
         DISTINCT(2, 3, 4) if name != "reduce_prod" else POS(2, 3, 4), grad=True,
         jit=name == "reduce_sum")
for name in ("reduce_and", "reduce_or", "reduce_xor"):
    case(name, lambda L, x, n=name: getattr(L, n)(x, (1,)), BOOL(2, 3))
case("reduce_and_int", lambda L, x: L.reduce_and(x, (1,)), I(2, 3, lo=0, hi=15))
case("reduce_add", lambda L, x, v: L.reduce(x, v, L.add, (1,)), F(3, 4), F(), grad=True,
     jax_loop="JAX: reduce batching of a batched init value is not implemented")
case("reduce_max_fn", lambda L, x: L.reduce(x, -np.inf, L.max, (0,)), DISTINCT(3, 4),
     grad=True)
case("reduce_variadic", lambda L, x, y: L.reduce(
    (x, y), (0.0, 1.0), lambda a, b: (L.add(a[0], b[0]), L.mul(a[1], b[1])), (0,)), F(3, 2),
     POS(3, 2))
case("argmax", lambda L, x: L.argmax(x, 1, np.int32), DISTINCT(3, 4))
case("argmin", lambda L, x: L.argmin(x, 0, np.int64), DISTINCT(3, 4))
case("argmax_ties", lambda L, x: L.argmax(x, 1, np.int32), I(3, 4, lo=0, hi=2))
for name in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"):
    case(name, lambda L, x, n=name: getattr(L, n)(x, axis=1), DISTINCT(2, 4) if name in (
        "cummax", "cummin") else (POS(2, 4) if name == "cumprod" else F(2, 4)), grad=True,
         jit=name == "cumsum")
    case(f"{name}_rev", lambda L, x, n=name: getattr(L, n)(x, axis=0, reverse=True),
         DISTINCT(3, 2))
case("cumsum_int", lambda L, x: L.cumsum(x, axis=0), I(4, 2))
case("sort", lambda L, x: L.sort(x, dimension=0), DISTINCT(4, 3), grad=True, jit=True)
case("sort_last", lambda L, x: L.sort(x), DISTINCT(2, 5))
case("sort_ties_stable", lambda L, k, v: L.sort((k, v), dimension=0, num_keys=1),
     I(6, lo=0, hi=3), F(6))
case("sort_num_keys2", lambda L, k1, k2, v: L.sort((k1, k2, v), dimension=1, num_keys=2),
     I(2, 6, lo=0, hi=2), I(2, 6, lo=0, hi=3), F(2, 6), grad=True)
case("sort_key_val", lambda L, k, v: L.sort_key_val(k, v, dimension=-1), DISTINCT(2, 5),
     F(2, 5), grad=True)
case("top_k", lambda L, x: L.top_k(x, 2), DISTINCT(3, 5), grad=True, jit=True)
case("top_k_1d", lambda L, x: L.top_k(x, 3), DISTINCT(5))

case("reduce_sum_int", lambda L, x: L.reduce_sum(x, (1,)), I(2, 3))
case("reduce_max_int", lambda L, x: L.reduce_max(x, (0,)), I(2, 3))
case("reduce_min_f32", lambda L, x: L.reduce_min(x, (0, 1)), F(2, 3, dtype=np.float32))
case("reduce_prod_int", lambda L, x: L.reduce_prod(x, (1,)), I(2, 3, lo=-3, hi=4))
case("argmax_f32", lambda L, x: L.argmax(x, 0, np.int32),
     lambda r: DISTINCT(3, 2)(r).astype(np.float32))
case("argmin_int", lambda L, x: L.argmin(x, 1, np.int32), I(2, 4, lo=0, hi=3))
case("cumsum_f32", lambda L, x: L.cumsum(x, axis=1, reverse=True), F(2, 4, dtype=np.float32),
     tol=2e-6)
case("cummax_int", lambda L, x: L.cummax(x, axis=1), I(2, 4))
case("cumprod_int", lambda L, x: L.cumprod(x, axis=0), I(3, 2, lo=-3, hi=4))
case("sort_int", lambda L, x: L.sort(x, dimension=0), I(4, 3))
case("sort_f32_two", lambda L, x, y: L.sort((x, y), dimension=1), F(2, 4, dtype=np.float32),
     I(2, 4))
case("top_k_int", lambda L, x: L.top_k(x, 2), lambda r: r.permutation(5).astype(np.int32))
case("pad_int", lambda L, x: L.pad(x, np.int32(-1), [(1, 0, 1), (0, 1, 0)]), I(2, 3))
case("pad_f32", lambda L, x, v: L.pad(x, v, [(1, 1, 1)]), F(3, dtype=np.float32),
     F(dtype=np.float32))
case("concatenate_int", lambda L, x, y: L.concatenate([x, y], 1), I(2, 1), I(2, 2))
case("rev_int", lambda L, x: L.rev(x, (1,)), I(2, 3))
case("transpose_bool", lambda L, x: L.transpose(x, (1, 0)), BOOL(2, 3))
case("dynamic_update_slice_int", lambda L, x, u, i: L.dynamic_update_slice(x, u, (i,)),
     I(5), I(2), I(lo=-3, hi=7))
case("dynamic_slice_f32", lambda L, x, i: L.dynamic_slice(x, (i, np.int32(0)), (1, 2)),
     F(3, 2, dtype=np.float32), I(lo=0, hi=3))
case("gather_int", lambda L, x, idx: L.gather(x, idx, _gdn(L, **_G), (1, 2)), I(4, 2),
     I(3, 1, lo=0, hi=4))
case("scatter_add_int", lambda L, x, idx, u: L.scatter_add(x, idx, u, _sdn(L, **_S)), I(4, 3),
     I(3, 1, lo=0, hi=4), I(3, 3))
case("scatter_f32", lambda L, x, idx, u: L.scatter(x, idx, u, _sdn(L, **_S)),
     F(4, 2, dtype=np.float32), PERM_ROWS(4, 2), F(2, 2, dtype=np.float32))
case("select_n_f32", lambda L, p, x, y: L.select_n(p, x, y), BOOL(3), F(3, dtype=np.float32),
     F(3, dtype=np.float32))
case("select_n_int", lambda L, p, x, y: L.select_n(p, x, y), BOOL(3), I(3), I(3))
case("clamp_int", lambda L, lo, x, hi: L.clamp(lo, x, hi), I(lo=-3, hi=0), I(2, 3),
     I(lo=0, hi=3))
case("clamp_f32", lambda L, lo, x, hi: L.clamp(lo, x, hi), F(dtype=np.float32),
     F(3, dtype=np.float32), POS(dtype=np.float32))
case("iota_int", lambda L, x: L.mul(x, L.broadcasted_iota(np.int32, (2, 3), 0)), I(2, 3))
case("broadcast_in_dim_int", lambda L, x: L.broadcast_in_dim(x, (2, 3), (1,)), I(3))
case("reshape_f32", lambda L, x: L.reshape(x, (3, 2), dimensions=(1, 0)),
     F(2, 3, dtype=np.float32))
case("convert_i32_to_i8", lambda L, x: L.convert_element_type(x, np.int8),
     I(2, 3, lo=-300, hi=300))
case("convert_f32_to_u8", lambda L, x: L.convert_element_type(x, np.uint8),
     POS(4, dtype=np.float32))
case("convert_c_to_f", lambda L, x: L.convert_element_type(L.real(x), np.float32), C(3),
     tol=2e-6)

# dot_general, conv
case("dot_vv", lambda L, x, y: L.dot(x, y), F(3), F(3), grad=True)
case("dot_mm", lambda L, x, y: L.dot(x, y), F(4, 3), F(3, 2), grad=True, jit=True)
case("dot_mv", lambda L, x, y: L.dot(x, y), F(4, 3), F(3))
for k, (s1, s2, dn) in enumerate([
        ((3, 5), (2, 5), (([1], [1]), ([], []))),
        ((5, 3), (5, 2), (([0], [0]), ([], []))),
        ((5, 3, 2), (5, 2, 4), (([0, 2], [0, 1]), ([], []))),
        ((1, 2, 2, 3), (1, 2, 3, 1), (([1], [1]), ([], []))),
        ((3, 3, 2), (3, 2, 4), (([2], [1]), ([0], [0]))),
        ((3, 4, 2, 4), (3, 4, 3, 2), (([2], [3]), ([0, 1], [0, 1]))),
        ((2, 3, 4), (4, 3, 2), (([1], [1]), ([2, 0], [0, 2])))]):
    case(f"dot_general_{k}", lambda L, x, y, dn=dn: L.dot_general(x, y, dn), F(*s1), F(*s2),
         grad=k in (2, 4, 6), jit=k == 5)
case("dot_general_int", lambda L, x, y: L.dot_general(x, y, (([1], [0]), ([], []))), I(2, 3),
     I(3, 2))
case("dot_general_pref", lambda L, x, y: L.dot_general(
    x, y, (([1], [0]), ([], [])), preferred_element_type=np.float64),
     F(2, 3, dtype=np.float32), F(3, 2, dtype=np.float32), tol=1e-6)
case("batch_matmul", lambda L, x, y: L.batch_matmul(x, y), F(2, 3, 4), F(2, 4, 2))

_CONV_DN = [(("NCHW", "OIHW", "NCHW"), (0, 1, 2, 3), (0, 1, 2, 3)),
            (("NHWC", "HWIO", "NHWC"), (0, 2, 3, 1), (2, 3, 1, 0)),
            (("NHWC", "OIHW", "NCHW"), (0, 2, 3, 1), (0, 1, 2, 3))]
_conv_rng = np.random.default_rng(7)
for k, (bgc, fgc) in enumerate(itertools.product([(1, 1), (2, 1), (1, 2)], range(3))):
    bgc, fgc = bgc
    dn, lp, rp = _CONV_DN[k % 3]
    b, i, j = 1 + k % 2, 1 + (k // 2) % 2, 1 + (k // 3) % 2
    lhs = np.take((b * bgc, i * fgc, 5, 6), lp)
    rhs = np.take((j * bgc * fgc, i, 1 + k % 2, 2), rp)
    strides = [(1, 1), (1, 2), (2, 1)][k % 3]
    pads = [((0, 0), (0, 0)), ((1, 0), (0, 1)), ((0, -1), (0, 0))][(k + 1) % 3]
    ldil = [(1, 1), (2, 1)][k % 2]
    rdil = [(1, 1), (2, 2)][(k // 2) % 2]
    case(f"conv_{k}_{''.join(dn[0])}_{bgc}_{fgc}", lambda L, x, w, s=strides, p=pads, ld=ldil,
         rd=rdil, dn=dn, f=fgc, g=bgc: L.conv_general_dilated(
             x, w, s, p, ld, rd, dn, feature_group_count=f, batch_group_count=g),
         F(*lhs), F(*rhs), grad=k in (0, 4, 8), jit=k == 1, tol=1e-9, combos=2)
case("conv_1d_same", lambda L, x, w: L.conv_general_dilated(x, w, (1,), "SAME"), F(1, 2, 6),
     F(3, 2, 3), grad=True)
case("conv_transpose", lambda L, x, w: L.conv_transpose(
    x, w, (2,), "SAME", dimension_numbers=("NCH", "OIH", "NCH")), F(1, 2, 4), F(3, 2, 3))
case("conv_patches", lambda L, x: L.conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID"),
     F(1, 2, 3, 3))

# windowed reductions
case("reduce_window_add", lambda L, x, v: L.reduce_window(
    x, v, L.add, (2, 2), (1, 2), "VALID"), F(4, 5), F(), grad=True, jit=True,
     jax_loop="JAX: reduce_window batching is not implemented for initial values")
case("reduce_window_max_pad", lambda L, x: L.reduce_window(
    x, -np.inf, L.max, (2, 3), (2, 1), ((1, 0), (1, 1))), DISTINCT(4, 5), grad=True)
case("reduce_window_dilated", lambda L, x: L.reduce_window(
    x, 0.0, L.add, (2, 2), (1, 1), "SAME", base_dilation=(1, 2), window_dilation=(2, 1)),
     F(4, 3), grad=True)
case("reduce_window_min", lambda L, x: L.reduce_window(x, np.inf, L.min, (3,), (1,), "VALID"),
     DISTINCT(6))
case("associative_scan", lambda L, x: L.associative_scan(L.add, x, axis=1), F(2, 5), grad=True)
case("associative_scan_rev", lambda L, x: L.associative_scan(L.max, x, reverse=True),
     DISTINCT(5, 2))


# linear algebra
def _abs_tree(out):
    return [np.abs(o) for o in out]


case("cholesky", lambda L, a: L.linalg.cholesky(a), SPD(3), grad=True, jit=True, tol=1e-9)
case("eigh", lambda L, a: (lambda v, w: (w, L.dot_general(
    v * w[None, :], v, (([1], [1]), ([], [])))))(*L.linalg.eigh(a)), SPD(3), grad=True,
     tol=1e-9)
case("qr", lambda L, a: L.linalg.qr(a, full_matrices=False), F(4, 3), tol=1e-9,
     compare=_abs_tree)
case("svd_s", lambda L, a: L.linalg.svd(a, compute_uv=False), F(4, 3), grad=True, tol=1e-9)
case("lu", lambda L, a: L.linalg.lu(a), F(3, 3), tol=1e-9)
case("lu_pivots_to_permutation", lambda L, p: L.linalg.lu_pivots_to_permutation(p, 4),
     lambda r: np.array([r.integers(k, 4) for k in range(3)], np.int32))
case("triangular_solve", lambda L, a, b: L.linalg.triangular_solve(a, b, left_side=True,
                                                                  lower=True), TRI(3), F(3, 2),
     grad=True, tol=1e-9)
case("triangular_solve_right_T", lambda L, a, b: L.linalg.triangular_solve(
    a, b, left_side=False, lower=False, transpose_a=True), TRI(3, lower=False), F(2, 3),
     tol=1e-9)
case("tridiagonal_solve", lambda L, dl, d, du, b: L.linalg.tridiagonal_solve(dl, d, du, b),
     lambda r: np.r_[0.0, r.standard_normal(3) * .3], lambda r: 3 + r.random(4),
     lambda r: np.r_[r.standard_normal(3) * .3, 0.0], F(4, 2), grad=True, tol=1e-9)
case("householder_product", lambda L, a, t: L.linalg.householder_product(a, t), F(4, 3),
     UNIT(2), tol=1e-9)
case("symmetric_product", lambda L, a, c: L.linalg.symmetric_product(a, c, alpha=2.0,
                                                                    beta=0.5), F(3, 2), SPD(3),
     tol=1e-9)
case("cholesky_update", lambda L, r, w: L.linalg.cholesky_update(r, w),
     lambda r: np.linalg.cholesky(SPD(3)(r)).T, F(3), tol=1e-9,
     jax_loop="JAX: batching rule for cholesky_update not implemented")
case("ormqr", lambda L, a, t, c: L.linalg.ormqr(a, t, c, left=True, transpose=True), F(4, 3),
     UNIT(2), F(4, 2), tol=1e-9)
case("qr_pivoting", lambda L, a: L.linalg.qr(a, pivoting=True, full_matrices=False), F(4, 3),
     tol=1e-9, compare=_abs_tree)
case("svd_full", lambda L, a: L.linalg.svd(a, full_matrices=False), F(4, 3), tol=1e-9,
     compare=_abs_tree)
case("tridiagonal", lambda L, a: L.linalg.tridiagonal(a)[1:3], SPD(4), tol=1e-9,
     compare=_abs_tree)
case("hessenberg", lambda L, a: L.linalg.hessenberg(a)[0], F(4, 4), tol=1e-9,
     compare=lambda out: np.abs(np.triu(out, -1)))


# ---- the harness ----------------------------------------------------------------------------


def _rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(tag.encode()))


def _combos(tag, c):
    """The sampled in_axes: all 0, all last (negative), then random mixes with None."""
    shapes = [np.shape(s(np.random.default_rng(0))) for s in c["args"]]
    if c["axes"]:
        return shapes, c["axes"]
    full = [t for t in itertools.product(*[[None, *range(len(s) + 1)] for s in shapes])
            if not all(e is None for e in t)]
    picked = [tuple(0 for _ in shapes), tuple(-1 for _ in shapes)]
    r = _rng(tag + "combos")
    for k in r.permutation(len(full))[:c["combos"] - 2]:
        if full[k] not in picked:
            picked.append(full[k])
    return shapes, picked


def _batched_args(tag, c, axes, size=B):
    """Per-example arrays drawn by each sampler, stacked along each argument's axis."""
    out = []
    for k, (s, ax) in enumerate(zip(c["args"], axes, strict=True)):
        r = _rng(f"{tag}/{k}")
        if ax is None:
            out.append(np.asarray(s(r)))
        else:
            out.append(np.stack([np.asarray(s(r)) for _ in range(size)], axis=ax))
    return out


def _leaves(t):
    if isinstance(t, (list, tuple)):
        return [x for e in t for x in _leaves(e)]
    return [t]


def _close(tag, what, got, want, tol):
    g, w = _leaves(got), _leaves(want)
    assert len(g) == len(w), (tag, what, len(g), len(w))
    for k, (a, b) in enumerate(zip(g, w, strict=True)):
        a = to_numpy(a) if not isinstance(a, np.ndarray) else a
        b = np.asarray(b)
        assert a.shape == b.shape, (tag, what, k, a.shape, b.shape)
        assert a.dtype == b.dtype, (tag, what, k, a.dtype, b.dtype)
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"{tag} {what} [{k}]")
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"{tag} {what} [{k}]")


def _fn(c, L):
    return lambda *a: c["fn"](L, *a)


def _jax_vmap(c, axes, out_axes=0):
    """``jax.vmap`` of the case, or JAX's per-example loop where JAX cannot batch it."""
    jax = _jax()
    if not c["jax_loop"]:
        return jax.vmap(_fn(c, jax.lax), in_axes=axes, out_axes=out_axes)

    def loop(*args):
        size = next(np.shape(a)[d] for a, d in zip(args, axes, strict=True) if d is not None)
        outs = [c["fn"](jax.lax, *[a if d is None else jax.numpy.take(a, i, axis=d)
                                   for a, d in zip(args, axes, strict=True)])
                for i in range(size)]
        return jax.tree_util.tree_map(lambda *o: jax.numpy.stack(o, out_axes), *outs)

    return loop


def _cmp(c, out):
    out = [to_numpy(o) for o in _leaves(out)]
    return c["compare"](out if len(out) > 1 else out[0]) if c["compare"] else out


def _loop(c, args, axes, out_axis):
    """gpuad's own per-example loop, stacked along out_axis."""
    outs = [_leaves(c["fn"](lax, *[a if d is None else np.take(a, i, axis=d)
                                   for a, d in zip(args, axes, strict=True)]))
            for i in range(B)]
    return [np.stack([to_numpy(o[k]) for o in outs], axis=out_axis) for k in range(len(outs[0]))]


@pytest.mark.parametrize("tag", list(CASES))
def test_vmap_matches_jax(tag):
    _jax()
    c = CASES[tag]
    _, combos = _combos(tag, c)
    for n, axes in enumerate(combos):
        out_axes = 0 if n % 2 == 0 else -1
        args = _batched_args(tag, c, axes)
        want = _jax_vmap(c, axes, out_axes)(*args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = ad.vmap(_fn(c, lax), in_axes=axes, out_axes=out_axes)(*args)
        what = f"in_axes={axes} out_axes={out_axes}"
        _close(tag, what, _cmp(c, got), _cmp(c, want), c["tol"])
        _close(tag, what + " vs loop", _cmp(c, got), _cmp(c, _loop(c, args, axes, out_axes)),
               c["tol"])


@pytest.mark.parametrize("tag", [t for t in CASES if not CASES[t]["jax_loop"]][::4])
def test_nested_vmap_matches_jax(tag):
    """Two batch axes: the inner vmap over a sampled combination, the outer over another."""
    jax = _jax()
    c = CASES[tag]
    _, combos = _combos(tag, c)
    inner = combos[-1]
    r = _rng(tag + "outer")
    outer = tuple(None if (d is None and r.random() < .5) else int(r.integers(0, 2))
                  for d in inner)
    if all(d is None for d in outer):
        outer = (0,) + outer[1:]
    args = []
    for k, (s, di, do) in enumerate(zip(c["args"], inner, outer, strict=True)):
        rr = _rng(f"{tag}/n{k}")

        def one(s=s, rr=rr, di=di):
            e = np.asarray(s(rr))
            return e if di is None else np.stack([np.asarray(s(rr)) for _ in range(2)], di)

        args.append(one() if do is None else np.stack([one() for _ in range(B)], do))
    if c["jax_loop"]:
        pytest.skip(c["jax_loop"])
    want = jax.vmap(jax.vmap(_fn(c, jax.lax), in_axes=inner), in_axes=outer,
                    out_axes=1)(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = ad.vmap(ad.vmap(_fn(c, lax), in_axes=inner), in_axes=outer, out_axes=1)(*args)
    _close(tag, f"nested inner={inner} outer={outer}", _cmp(c, got), _cmp(c, want), c["tol"])


def _float_argnums(c, args):
    return tuple(k for k, a in enumerate(args) if np.asarray(a).dtype.kind == "f")


def _loss(np_, out):
    return sum(np_.sum(np_.sin(o)) for o in _leaves(out)
               if np_.asarray(o).dtype.kind == "f")


# JAX cannot differentiate these (its gradient of clamp with 0-d bounds fails on unequal shapes;
# reduce and reduce_window have no derivative in a batched init value): central differences
NO_JAX_GRAD = {"clamp", "reduce_add", "reduce_window_add"}
_GRADS = [t for t in CASES if CASES[t]["grad"]]
# each gradient case is checked one way, alternately: against JAX, or by central differences
# (float32 results go to JAX: differences of rounded values are too coarse)
# (float32 results go to JAX: differences of rounded values are too coarse; the cases whose
# JAX gradients take seconds to compile go to central differences)
_SLOW_IN_JAX = {"cummax", "cumlogsumexp", "cumprod", "cholesky", "conv_8_NHWC_1_2", "eigh"}
JAX_GRADS = [t for t in _GRADS if t not in NO_JAX_GRAD | _SLOW_IN_JAX
             and (t in _GRADS[::2] or "f32" in t)]
FD_GRADS = [t for t in _GRADS if t not in JAX_GRADS]


@pytest.mark.parametrize("tag", JAX_GRADS)
def test_vmapped_gradients_match_jax(tag):
    jax = _jax()
    jnp = jax.numpy
    c = CASES[tag]
    _, combos = _combos(tag, c)
    for axes in combos[-1:]:
        args = _batched_args(tag, c, axes)
        nums = _float_argnums(c, args)
        if c["jax_loop"]:
            one = jax.grad(lambda *a: _loss(jnp, _fn(c, jax.lax)(*a)), nums)
            per_j = _jax_vmap(dict(c, fn=lambda L, *a: one(*a)), axes)
        else:
            per_j = jax.vmap(jax.grad(lambda *a: _loss(jnp, _fn(c, jax.lax)(*a)), nums), axes)
        per_g = ad.vmap(ad.grad(lambda *a: _loss(gnp, _fn(c, lax)(*a)), nums), axes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = [np.asarray(w) for w in per_j(*args)]
            _close(tag, f"vmap(grad) in_axes={axes}", list(per_g(*args)), want,
                   max(c["tol"], 1e-9))
            # the gradient of the summed losses: each example's own gradient for a batched
            # argument (at its batch axis), the sum over examples for a shared one
            tot = [np.sum(w, 0) if axes[k] is None else np.moveaxis(w, 0, axes[k])
                   for k, w in zip(nums, want, strict=True)]
            tot_g = ad.grad(lambda *a: _loss(gnp, ad.vmap(_fn(c, lax), axes)(*a)), nums)
            _close(tag, f"grad(vmap) in_axes={axes}", list(tot_g(*args)), tot,
                   max(c["tol"], 1e-9))


@pytest.mark.parametrize("tag", FD_GRADS)
def test_vmapped_function_central_differences(tag):
    c = CASES[tag]
    _, combos = _combos(tag, c)
    axes = combos[-1]
    args = _batched_args(tag, c, axes)
    nums = _float_argnums(c, args)
    fixed = dict(enumerate(args))

    def f(*diff):
        a = dict(fixed)
        a.update(zip(nums, diff, strict=True))
        out = ad.vmap(_fn(c, lax), axes)(*[a[k] for k in range(len(args))])
        return [o for o in _leaves(out) if np.dtype(o.dtype).kind == "f"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_grads(f, [args[k] for k in nums], order=1, modes=("rev",), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("tag", [t for t in CASES if CASES[t]["jit"]])
def test_jit_of_vmap_matches_jax(tag):
    _jax()
    c = CASES[tag]
    _, combos = _combos(tag, c)
    for axes in combos[-1:]:
        args = _batched_args(tag, c, axes)
        want = _jax_vmap(c, axes)(*args)
        f = ad.jit(ad.vmap(_fn(c, lax), in_axes=axes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(2):  # the trace, then the replay
                _close(tag, f"jit(vmap) in_axes={axes}", _cmp(c, f(*args)), _cmp(c, want),
                       c["tol"])
        # a second call on new values replays the same program
        args2 = [a + 1 if np.asarray(a).dtype.kind == "f" else a for a in args]
        want2 = _jax_vmap(c, axes)(*args2)
        _close(tag, f"jit(vmap) replay in_axes={axes}", _cmp(c, f(*args2)), _cmp(c, want2),
               c["tol"])


def test_gpuad_batches_what_jax_refuses():
    """A narrowing bitcast batched along the axis it consumes (JAX: "Attempting to convert
    array ... 2 * 8 != 32"): gpuad moves the batch axis away first; checked against the loop."""
    x = np.arange(24, dtype=np.uint8).reshape(3, 4, 2)
    got = ad.vmap(lambda a: lax.bitcast_convert_type(a, np.float32), 2)(x)
    want = np.stack([np.ascontiguousarray(x[:, :, i]).view(np.float32)[:, 0] for i in range(2)])
    np.testing.assert_array_equal(to_numpy(got).view(np.uint32), want.view(np.uint32))
    with pytest.raises(ValueError, match="8 != 32"):
        jax = _jax()
        jax.vmap(lambda a: jax.lax.bitcast_convert_type(a, np.float32), 2)(x)


# (call, error, words in the message, reason): what JAX batches and gpuad refuses, clearly
REFUSALS = [
    (lambda: ad.vmap(lambda a: lax.reduce_window(a, 0.0, lambda u, v: u + v * v, (2,), (1,),
                                                 "VALID"))(np.ones((3, 4))),
     NotImplementedError, ["reduce_window", "lax.add, lax.max"],
     "reduce_window runs the monoids add, max, min and mul only (a general computation would "
     "be a Python loop over windows)"),
    (lambda: ad.jit(ad.vmap(lambda a, i: lax.scatter_apply(
        a, i, lambda v: v * 2.0, lax.ScatterDimensionNumbers((1,), (0,), (0,)),
        update_shape=(2, 3))))(np.ones((3, 4, 3)), np.zeros((3, 2, 1), np.int32)),
     TracerError, ["lax.scatter_apply", "unique_indices=True"],
     "under jit the number of rounds of scatter_apply depends on repeats among the traced "
     "indices; unique_indices=True promises there are none"),
]


@pytest.mark.parametrize("k", range(len(REFUSALS)))
def test_refusals_are_clear_errors(k):
    call, exc, words, _reason = REFUSALS[k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
