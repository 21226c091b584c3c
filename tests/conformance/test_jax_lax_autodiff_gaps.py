"""JAX's lax transformation suites mapped onto gpuad, method by method: ``LaxAutodiffTest``
(``tests/lax_autodiff_test.py``: the parametrised gradient tests over ``LAX_GRAD_OPS`` and the
named tests), ``LaxVmapTest`` (``tests/lax_vmap_test.py``, as in jax-ml/jax's current tree, the
copy read being ROCm/jax's mirror at 1cc595c) and ``LaxVmapOpTest``
(``tests/lax_vmap_op_test.py``).

``GAPS`` has one row per upstream test method: where its port is ("here:" a test of this file,
"covered:" an earlier port and its test or case tag), where gpuad deliberately differs
("differs:"), or why there is nothing to port ("n/a:"). ``test_every_gap_has_a_mapping`` checks
the count, duplicates and that every reference exists.

The earlier ports (``test_jax_lax_autodiff_suite.py``, ``test_jax_lax_vmap_suite.py``) run each
upstream parametrisation once, in float64, on one shape per op. The tests here run the
variations they leave out, each through ``gpuad.lax`` and ``jax.lax`` in the same process:

* elementwise gradients on the broadcast shape pairs of JAX's ``compatible_shapes`` and in
  float32 (values, dtypes, vjp, jvp and second derivatives against JAX, and gpuad's own
  ``check_grads`` against float64 central differences);
* ``dot_general`` with ``preferred_element_type`` under ``jacrev``; complex ``reduce`` adds;
* ``vmap`` with a batch of size 0, the ``HWCN`` convolution layout, gathers and scatters with
  ``operand_batching_dims``, ``top_k(axis=0)``, ``reduce_precision``, non-monoidal ``reduce``
  init values on integer, unsigned and bool data, batched clamp bounds and padding values
  (against ``jax.vmap`` and against gpuad's own per-example loop).
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads

AD = "test_jax_lax_autodiff_suite.py::test_matches_jax"
VM = "test_jax_lax_vmap_suite.py::test_vmap_matches_jax"

GAPS = (  # (class, JAX test, where its port is or why there is none)
    # ---- LaxAutodiffTest
    ("LaxAutodiffTest", "testOpGradOutDtype",
     "differs: lax.mul's out_dtype= is refused with a TypeError naming it; "
     "covered: test_jax_lax_autodiff_suite.py::test_refusals_are_clear_errors"),
    ("LaxAutodiffTest", "testOpGrad",
     f"covered: {AD}[GRAD_OPS]; broadcast shape pairs and float32: "
     "here: test_binary_grads_on_broadcast_shapes, test_float32_second_derivatives, "
     "test_float16_values_and_grads"),
    ("LaxAutodiffTest", "testOpGradSpecialValue", f"covered: {AD}[special_]"),
    ("LaxAutodiffTest", "testConvertElementTypeGrad", f"covered: {AD}[convert_]"),
    ("LaxAutodiffTest", "testClampGrad", f"covered: {AD}[clamp_]"),
    ("LaxAutodiffTest", "testConcatenateGrad", f"covered: {AD}[concatenate_]"),
    ("LaxAutodiffTest", "testSplitGrad", f"covered: {AD}[split_]"),
    ("LaxAutodiffTest", "testConvGrad", f"covered: {AD}[conv_plain]"),
    ("LaxAutodiffTest", "testConvWithGeneralPaddingGrad",
     f"covered: {AD}[conv_with_general_padding]"),
    ("LaxAutodiffTest", "testConvGeneralDilatedGrad",
     f"covered: {AD}[conv_]; an lhs with an empty spatial axis and complex operands "
     "(JAX's grad_inexact_dtypes): here: test_grads_match_jax[conv_empty_spatial,"
     "conv_complex_groups]"),
    ("LaxAutodiffTest", "testDotGrad",
     f"covered: {AD}[dot_] (precision= is accepted; there is no jaxpr to keep it in); "
     "float16 (JAX's float_dtypes): here: test_float16_contractions_match_jax"),
    ("LaxAutodiffTest", "testDotGeneralContractAndBatchGrads", f"covered: {AD}[dot_general_]"),
    ("LaxAutodiffTest", "testDotPreferredElementType",
     "here: test_dot_preferred_element_type_jacobians"),
    ("LaxAutodiffTest", "testBroadcastGrad", f"covered: {AD}[broadcast_]"),
    ("LaxAutodiffTest", "testBroadcastInDimGrad", f"covered: {AD}[broadcast_in_dim_]"),
    ("LaxAutodiffTest", "testReshapeGrad", f"covered: {AD}[reshape_]"),
    ("LaxAutodiffTest", "testPadGrad", f"covered: {AD}[pad_]"),
    ("LaxAutodiffTest", "testReverseGrad", f"covered: {AD}[rev_]"),
    ("LaxAutodiffTest", "testPowSecondDerivative",
     "differs: grad(lax.pow)(0., 0.) is 0 (x ** 0 is constant), JAX's NaN; "
     "covered: test_jax_lax_autodiff_suite.py::test_pow_second_derivative_and_zero_powers"),
    ("LaxAutodiffTest", "testPowIntPowerAtZero",
     "covered: test_jax_lax_autodiff_suite.py::test_pow_second_derivative_and_zero_powers"),
    ("LaxAutodiffTest", "testPowIntPowerAtZero2",
     "covered: test_jax_lax_autodiff_suite.py::test_pow_second_derivative_and_zero_powers; "
     "the same sums through jit: here: test_pow_int_power_at_zero_under_jit"),
    ("LaxAutodiffTest", "testSelectGrad", f"covered: {AD}[select_]"),
    ("LaxAutodiffTest", "testSliceGrad", f"covered: {AD}[slice_]"),
    ("LaxAutodiffTest", "testDynamicSliceGrad", f"covered: {AD}[dynamic_slice_]"),
    ("LaxAutodiffTest", "testDynamicUpdateSliceGrad", f"covered: {AD}[dynamic_update_slice_]"),
    ("LaxAutodiffTest", "testDynamicSliceValueAndGrad",
     f"covered: {AD}[dynamic_index_in_dim_out_of_range]; value_and_grad's value: "
     "here: test_value_and_grad_out_of_range_index"),
    ("LaxAutodiffTest", "testDynamicUpdateSliceValueAndGrad",
     f"covered: {AD}[dynamic_update_index_in_dim_out_of_range]; value_and_grad's value: "
     "here: test_value_and_grad_out_of_range_index"),
    ("LaxAutodiffTest", "testGradOfVmapOfDynamicSlice",
     "covered: test_jax_lax_autodiff_suite.py::test_grad_of_vmap_of_dynamic_slice_out_of_bounds"),
    ("LaxAutodiffTest", "testTransposeGrad", f"covered: {AD}[transpose_]"),
    ("LaxAutodiffTest", "testReduceGrad",
     f"covered: {AD}[reduce_] (float64); the complex add: "
     "here: test_grads_match_jax[reduce_add_complex_01,reduce_add_complex_all]; complex max "
     "and min (gpuad raised ComplexError): here: test_grads_match_jax[reduce_max_complex,"
     "reduce_min_complex_all,reduce_max_complex_ties]; float16: "
     "here: test_float16_reductions_match_jax[reduce_sum,reduce_add,reduce_prod]"),
    ("LaxAutodiffTest", "testReducePairGrad", f"covered: {AD}[reduce_pair_]"),
    ("LaxAutodiffTest", "testReduceWindowGrad",
     f"covered: {AD}[reduce_window_]; float16: "
     "here: test_float16_reductions_match_jax[reduce_window_add]"),
    ("LaxAutodiffTest", "testCumulativeReduceGrad",
     f"covered: {AD}[cumsum] (float64); float32: "
     "here: test_grads_match_jax[cumsum_f32_rev,cumprod_f32]; float16: "
     "here: test_float16_reductions_match_jax[cumsum,cumsum_rev,cumprod]"),
    ("LaxAutodiffTest", "testSortGrad", f"covered: {AD}[sort_]"),
    ("LaxAutodiffTest", "testSortKeyValGrad", f"covered: {AD}[sort_key_val_]"),
    ("LaxAutodiffTest", "testTopKGrad",
     f"covered: {AD}[top_k_] (last axis); axis=0: here: test_grads_match_jax[top_k_axis0]"),
    ("LaxAutodiffTest", "testIndexTakeGrad",
     "differs: lax.index_take (deprecated in JAX) is not provided, AttributeError naming "
     "lax.gather; covered: test_jax_lax_autodiff_suite.py::test_refusals_are_clear_errors"),
    ("LaxAutodiffTest", "testGatherGrad", f"covered: {AD}[gather_]; operand_batching_dims: "
     "here: test_grads_match_jax[gather_batching_dims]"),
    ("LaxAutodiffTest", "testScatterAddGrad", f"covered: {AD}[scatter_]; operand_batching_dims: "
     "here: test_grads_match_jax[scatter_add_batching_dims]"),
    ("LaxAutodiffTest", "testScatterGrad", f"covered: {AD}[scatter_]"),
    ("LaxAutodiffTest", "testScatterGradSymbolicZeroUpdate",
     f"covered: {AD}[scatter_set_constant_update]"),
    ("LaxAutodiffTest", "testScatterMax", f"covered: {AD}[scatter_]"),
    ("LaxAutodiffTest", "testScatterMin", f"covered: {AD}[scatter_]"),
    ("LaxAutodiffTest", "testStopGradient",
     "covered: test_jax_lax_autodiff_suite.py::test_stop_gradient"),
    ("LaxAutodiffTest", "testRemainder", f"covered: {AD}[rem_rows]"),
    ("LaxAutodiffTest", "testHigherOrderGradientOfReciprocal",
     "covered: test_jax_lax_autodiff_suite.py::test_higher_order_gradient_of_reciprocal"),
    ("LaxAutodiffTest", "test_linear_transpose_real",
     "differs: linear_transpose takes real primals only (TypeError); the transpose of x.real "
     "is the vjp: here: test_transpose_of_real_and_imag"),
    ("LaxAutodiffTest", "test_linear_transpose_imag",
     "differs: linear_transpose takes real primals only (TypeError); the vjp of x.imag is "
     "the conjugate of JAX's transpose: here: test_transpose_of_real_and_imag"),
    ("LaxAutodiffTest", "test_scatter_apply_jvp",
     "differs: JAX raises NotImplementedError, gpuad differentiates scatter_apply; "
     "covered: test_jax_lax_autodiff_suite.py::test_scatter_apply_derivatives"),
    ("LaxAutodiffTest", "test_scatter_apply_vjp",
     "differs: JAX raises NotImplementedError, gpuad differentiates scatter_apply; "
     "covered: test_jax_lax_autodiff_suite.py::test_scatter_apply_derivatives"),
    ("LaxAutodiffTest", "testPowShapeMismatch",
     "covered: test_jax_lax_autodiff_suite.py::test_pow_second_derivative_and_zero_powers"),
    ("LaxAutodiffTest", "testTileAutodiff", f"covered: {AD}[tile]"),
    # ---- LaxVmapTest
    ("LaxVmapTest", "testConvGeneralDilatedBatching",
     f"covered: {VM}[conv_]; batch sizes 0 and 1 and the HWCN layout: here: "
     "test_vmap_matches_jax[conv_size0_lhs,conv_size0_rhs,conv_size1_both,conv_hwcn_lhs,"
     "conv_hwcn_both,conv_batch_group_rhs]"),
    ("LaxVmapTest", "testConvertElementType", f"covered: {VM}[convert_f_to_i]"),
    ("LaxVmapTest", "testReducePrecision",
     f"covered: {VM}[reduce_precision]; other widths: here: "
     "test_vmap_matches_jax[reduce_precision_e1m0,reduce_precision_e3m2,reduce_precision_e5m4]"),
    ("LaxVmapTest", "testBitcastElementType", f"covered: {VM}[bitcast_f32_i32]"),
    ("LaxVmapTest", "testClamp",
     f"covered: {VM}[clamp_arrays]; batched scalar bounds: "
     "here: test_vmap_matches_jax[clamp_batched_bounds,clamp_int16]"),
    ("LaxVmapTest", "testDot", f"covered: {VM}[dot_mv]"),
    ("LaxVmapTest", "testDotGeneralContractOnly", f"covered: {VM}[dot_general_]"),
    ("LaxVmapTest", "testDotGeneralContractAndBatch",
     f"covered: {VM}[dot_general_]; batch dims not leading: "
     "here: test_vmap_matches_jax[dot_general_batch_not_leading]"),
    ("LaxVmapTest", "testBroadcast", f"covered: {VM}[broadcast_0d]"),
    ("LaxVmapTest", "testBroadcastInDim",
     f"covered: {VM}[broadcast_in_dim_0] (skipped upstream)"),
    ("LaxVmapTest", "testSqueeze", f"covered: {VM}[squeeze_neg]"),
    ("LaxVmapTest", "testReshape", f"covered: {VM}[reshape_dims]"),
    ("LaxVmapTest", "testPad",
     f"covered: {VM}[pad_negative]; a batched padding value: "
     "here: test_vmap_matches_jax[pad_batched_value,pad_value_only_batched,pad_int8]"),
    ("LaxVmapTest", "testSelect",
     f"covered: {VM}[select_n_scalar_pred]; a batched 0-d predicate: "
     "here: test_vmap_matches_jax[select_batched_scalar_pred]"),
    ("LaxVmapTest", "testSlice", f"covered: {VM}[slice_in_dim]"),
    ("LaxVmapTest", "testSplit",
     f"covered: {VM}[split]; an empty piece: here: test_vmap_matches_jax[split_empty_piece]"),
    ("LaxVmapTest", "testTranspose", f"covered: {VM}[transpose]"),
    ("LaxVmapTest", "testReduce",
     f"covered: {VM}[reduce_max_fn]; non-monoidal init values and integer extremes: here: "
     "test_vmap_matches_jax[reduce_max_init0_int32,reduce_max_init0_uint8,"
     "reduce_max_init0_bool,reduce_min_uint32_max,reduce_mul_uint8]"),
    ("LaxVmapTest", "testVariadicReduce",
     f"covered: {VM}[reduce_variadic]; integers: here: test_vmap_matches_jax[variadic_reduce_int]"),
    ("LaxVmapTest", "testArgminmax",
     f"covered: {VM}[argmax_ties]; every axis with int32 indices: "
     "here: test_vmap_matches_jax[argmax_axis0,argmin_axis2_uint8]"),
    ("LaxVmapTest", "testReduceWindow", f"covered: {VM}[reduce_window_add]"),
    ("LaxVmapTest", "testCumulativeReduce",
     f"covered: {VM}[cumsum_f32]; mid batch axis, reversed: "
     "here: test_vmap_matches_jax[cumprod_rev_mid]"),
    ("LaxVmapTest", "testSelectAndGatherAdd",
     "n/a: JAX-internal _select_and_gather_add (reduce_window max's JVP); gpuad's reduce_window "
     "max derivatives under vmap: covered: test_jax_lax_vmap_suite.py::reduce_window_max_pad"),
    ("LaxVmapTest", "testSelectAndScatterAdd",
     "n/a: JAX-internal _select_and_scatter_add (reduce_window max's transpose)"),
    ("LaxVmapTest", "testFft",
     "covered: test_jax_lax_gaps.py::test_same_results_as_jax[fft_types]"),
    ("LaxVmapTest", "testGather",
     f"covered: {VM}[gather_batching_dims]; batch size 0 and batching dims with the vmapped "
     "axis last: here: test_vmap_matches_jax[gather_size0,gather_size0_indices,"
     "gather_batching_dims2]"),
    ("LaxVmapTest", "testScatterAdd",
     f"covered: {VM}[scatter_add_dups]; operand_batching_dims: here: "
     "test_vmap_matches_jax[scatter_add_batching_dims,scatter_add_batching_dims2]"),
    ("LaxVmapTest", "testScatterApply",
     f"covered: {VM}[scatter_apply]; operand_batching_dims: "
     "here: test_vmap_matches_jax[scatter_apply_batching_dims]"),
    ("LaxVmapTest", "testShapeUsesBuiltinInt",
     "covered: test_jax_lax_gaps.py::test_shapes_are_python_ints"),
    ("LaxVmapTest", "testBroadcastShapesReturnsPythonInts",
     "covered: test_jax_lax_gaps.py::test_shapes_are_python_ints"),
    ("LaxVmapTest", "testBroadcastShapesFaultyInputs",
     "covered: test_jax_lax_gaps.py::test_refused_where_jax_refuses[broadcast_shapes_negative]"),
    ("LaxVmapTest", "testTopK",
     f"covered: {VM}[top_k_int]; axis=0: here: test_vmap_matches_jax[top_k_axis0,top_k_axis0_int]"),
    ("LaxVmapTest", "test_optimization_barrier_vmap",
     "covered: test_jax_lax_gaps.py::test_same_results_as_jax[optimization_barrier]"),
    ("LaxVmapTest", "test_optimization_barrier_vmap_out_axes",
     "covered: test_jax_lax_gaps.py::test_same_results_as_jax[optimization_barrier]"),
    ("LaxVmapTest", "testSort",
     f"covered: {VM}[sort_num_keys2]; three operands, one unbatched: "
     "here: test_vmap_matches_jax[sort_three_one_unbatched]"),
    ("LaxVmapTest", "test_variadic_reduce_window",
     "differs: reduce_window takes one operand; "
     "covered: test_jax_lax_gaps.py::test_refused_where_jax_refuses[reduce_window_variadic]"),
    # ---- LaxVmapOpTest
    ("LaxVmapOpTest", "testOp",
     f"covered: {VM}; the binary ops on JAX's broadcast shape pairs: "
     "here: test_vmap_matches_jax[add_bcast_3_1__1_4,atan2_bcast_scalar,dot_f16_long,"
     "reduce_sum_f16_strided]"),
)  # fmt: skip

N_UPSTREAM = {"LaxAutodiffTest": 52, "LaxVmapTest": 36, "LaxVmapOpTest": 1}


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _rng(tag):
    return np.random.default_rng(zlib.crc32(tag.encode()))


def _same(got, want, rtol=1e-10, atol=1e-12):
    """Tree compare: shape, dtype and values of gpuad's result against JAX's."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (got, want)
        for g, w in zip(got, want, strict=True):
            _same(g, w, rtol, atol)
        return
    g, w = np.asarray(to_numpy(got)), np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    if g.dtype.kind in "biu":
        np.testing.assert_array_equal(g, w)
    else:
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


# ---- gradients --------------------------------------------------------------------------------

BINARY = ["add", "sub", "mul", "div", "max", "min", "pow", "atan2", "rem", "complex"]
SHAPE_PAIRS = [((), (3, 4)), ((3, 4), ()), ((3, 1), (1, 4)), ((2, 3, 4), (2, 1, 4))]


def _draw(op, tag, shape, dtype):
    r = _rng(tag)
    if op in ("pow", "div", "rem", "atan2"):  # away from the poles and rem's jumps
        x = r.uniform(0.5, 2.0, shape) * (1 if op == "pow" else r.choice([-1, 1], shape))
    else:
        x = r.standard_normal(shape)
    return np.asarray(x, dtype)


def _real_out(L, op, a, b):
    y = getattr(L, op)(a, b)
    return L.real(y) + 2 * L.imag(y) if op == "complex" else y


@pytest.mark.parametrize(
    "op,shapes,dtype",
    [(op, s, dt) for op in BINARY for s in SHAPE_PAIRS[:3] for dt in (np.float64,)]
    + [(op, SHAPE_PAIRS[3], np.float32) for op in BINARY],
    ids=lambda v: getattr(v, "__name__", str(v)).replace(" ", ""),
)
def test_binary_grads_on_broadcast_shapes(op, shapes, dtype):
    """testOpGrad's shape pairs: a 0-d operand with a matrix, (3, 1) with (1, 4). Value, vjp,
    jvp and the second derivative of <vjp(u), w> against JAX's; float64 central differences."""
    jax = _jax()
    tag = f"{op}{shapes}{np.dtype(dtype).name}"
    a, b = (_draw(op, tag + str(k), s, dtype) for k, s in enumerate(shapes))
    if op in ("max", "min"):
        b = b + 0.25  # no ties
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
    out_shape = np.broadcast_shapes(*shapes)
    u = _rng(tag + "u").standard_normal(out_shape).astype(dtype)
    ta, tb = (_rng(tag + f"t{k}").standard_normal(s).astype(dtype) for k, s in enumerate(shapes))

    def f(L):
        return lambda a, b: _real_out(L, op, a, b)

    _same(f(lax)(a, b), f(jax.lax)(a, b), **tol)
    _, gv = ad.vjp(f(lax), a, b)
    _, jv = jax.vjp(f(jax.lax), a, b)
    _same(gv(u), jv(u), **tol)
    _same(ad.jvp(f(lax), (a, b), (ta, tb))[1], jax.jvp(f(jax.lax), (a, b), (ta, tb))[1], **tol)

    def second(J, L):
        return J.grad(lambda a, b: J.vjp(f(L), a, b)[1](u)[0].sum() * 1.0, (0, 1))

    _same(second(ad, lax)(a, b), second(jax, jax.lax)(a, b), **tol)
    if dtype == np.float64:
        check_grads(f(lax), (a, b), order=2, modes=("fwd", "rev"))


UNARY = {  # testOpGrad's unary ops with float dtypes, and the sampler's range
    "neg": (-2, 2), "exp": (-1, 1), "exp2": (-1, 1), "expm1": (-2, 2), "log": (0.5, 3),
    "log1p": (0.5, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2), "sin": (-2, 2),
    "cos": (-2, 2), "tan": (-1.3, 1.3), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "atan": (-2, 2), "erf": (-1, 1), "erfc": (-1, 1), "erf_inv": (-0.9, 0.9),
    "bessel_i0e": (-2, 2), "bessel_i1e": (-2, 2), "abs": (0.5, 3), "sqrt": (0.5, 3),
    "rsqrt": (0.5, 3), "cbrt": (0.5, 3), "logistic": (-2, 2), "floor": (0.1, 0.4),
    "ceil": (0.1, 0.4), "round": (0.1, 0.4), "lgamma": (0.5, 3), "digamma": (0.5, 3),
    "reciprocal": (0.5, 3),
}  # fmt: skip


@pytest.mark.parametrize("op", sorted(UNARY))
def test_float32_second_derivatives(op):
    """testOpGrad in float32 (the earlier port runs float64): first and second derivatives keep
    float32 and agree with JAX's float32 results."""
    jax = _jax()
    lo, hi = UNARY[op]
    x = _rng(op).uniform(lo, hi, (5,)).astype(np.float32)

    def d1(J, L):
        return J.grad(lambda x: getattr(L, op)(x).sum())

    def d2(J, L):
        return J.grad(lambda x: d1(J, L)(x).sum())

    tol = dict(rtol=3e-5, atol=3e-6)
    _same(getattr(lax, op)(x), getattr(jax.lax, op)(x), **tol)
    _same(d1(ad, lax)(x), d1(jax, jax.lax)(x), **tol)
    _same(d2(ad, lax)(x), d2(jax, jax.lax)(x), rtol=2e-4, atol=2e-5)
    t = _rng(op + "t").standard_normal(5).astype(np.float32)
    _same(ad.jvp(d1(ad, lax), (x,), (t,))[1], jax.jvp(d1(jax, jax.lax), (x,), (t,))[1], 2e-4, 2e-5)


@pytest.mark.parametrize("op", sorted(UNARY))
def test_float16_values_and_grads(op):
    """testOpGrad over JAX's float dtypes: in float16 the value and the derivative keep
    float16 and agree with JAX's to float16's precision (lax.erf and the other special
    functions came back float64, SciPy's widened dtype)."""
    jax = _jax()
    lo, hi = UNARY[op]
    x = _rng(op + "h").uniform(lo, hi, (6,)).astype(np.float16)
    _same(getattr(lax, op)(x), getattr(jax.lax, op)(x), rtol=2e-3, atol=2e-3)
    _same(
        ad.grad(lambda x: getattr(lax, op)(x).sum())(x),
        jax.grad(lambda x: getattr(jax.lax, op)(x).sum())(x),
        rtol=5e-3,
        atol=5e-3,
    )


def test_float16_contractions_match_jax():
    """testDotGrad / testDotGeneralContractAndBatchGrads over float16: a product of 1024
    terms is accumulated in float32 and rounded once, as XLA does (gpuad rounded every partial
    sum, 2% off); the derivatives too."""
    jax = _jax()
    r = _rng("half")
    a = r.uniform(0.5, 1.5, (3, 1024)).astype(np.float16)
    b = r.uniform(0.5, 1.5, (1024, 2)).astype(np.float16)
    u = r.uniform(0.5, 1.5, (3, 2)).astype(np.float16)
    for make in (
        lambda L: lambda a, b: L.dot(a, b),
        lambda L: lambda a, b: L.dot_general(b, a, (((0,), (1,)), ((), ()))).T,
        lambda L: lambda a, b: L.batch_matmul(a[None], b[None])[0],
    ):
        _same(make(lax)(a, b), make(jax.lax)(a, b), rtol=1e-3, atol=0)
        _same(ad.vjp(make(lax), a, b)[1](u), jax.vjp(make(jax.lax), a, b)[1](u), 1e-3, 1e-3)
    t = r.uniform(0.5, 1.5, (1024, 2)).astype(np.float16)
    _same(
        ad.jvp(lambda b: lax.dot(a, b), (b,), (t,))[1],
        jax.jvp(lambda b: jax.lax.dot(a, b), (b,), (t,))[1],
        rtol=1e-3,
        atol=0,
    )


HALF_REDUCTIONS = {  # testReduceGrad / testCumulativeReduceGrad / testReduceWindowGrad in float16
    "reduce_sum": lambda L, x: L.reduce_sum(x, (0,)),
    "reduce_add": lambda L, x: L.reduce(x, np.float16(0), L.add, (0,)),
    "reduce_prod": lambda L, x: L.reduce_prod(x[:40], (0,)),
    "cumsum": lambda L, x: L.cumsum(x, 0),
    "cumsum_rev": lambda L, x: L.cumsum(x, 0, reverse=True),
    "cumprod": lambda L, x: L.cumprod(x[:16], 0),
    "reduce_window_add": lambda L, x: L.reduce_window(x, np.float16(0), L.add, (100, 1), (7, 1),
                                                      "VALID"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HALF_REDUCTIONS))
def test_float16_reductions_match_jax(name):
    """Sums and products of 300 float16 terms along a strided axis: gpuad accumulated row by
    row in float16 (5 units in the last place off); XLA accumulates in float32."""
    jax = _jax()
    fn = HALF_REDUCTIONS[name]
    x = _rng("hr" + name).uniform(0.5, 1.5, (300, 3)).astype(np.float16)
    _same(fn(lax, x), fn(jax.lax, x), rtol=4e-3, atol=0)  # JAX rounds products in float16
    exact = np.asarray(fn(jax.lax, x.astype(np.float64)))
    np.testing.assert_allclose(np.asarray(to_numpy(fn(lax, x)), np.float64), exact, rtol=1e-3)
    u = _rng("hru" + name).uniform(0.5, 1.5, exact.shape).astype(np.float16)
    (got,) = ad.vjp(lambda x: fn(lax, x), x)[1](u)
    (want,) = jax.vjp(lambda x: fn(jax.lax, x), x)[1](u)
    assert np.asarray(to_numpy(got)).dtype == np.asarray(want).dtype == np.float16
    # in float16 both are a few units in the last place from the float64 derivative, not
    # always the same ones: compare each with that
    (exact,) = jax.vjp(lambda x: fn(jax.lax, x), x.astype(np.float64))[1](u.astype(np.float64))
    for d in (got, want):
        np.testing.assert_allclose(np.asarray(to_numpy(d), np.float64), exact, rtol=8e-3)


def _gdn(L, **kw):
    return L.GatherDimensionNumbers(**kw)


def _sdn(L, **kw):
    return L.ScatterDimensionNumbers(**kw)


_GBATCH = dict(
    offset_dims=(),
    collapsed_slice_dims=(1,),
    start_index_map=(1,),
    operand_batching_dims=(0,),
    start_indices_batching_dims=(0,),
)
_SBATCH = dict(
    update_window_dims=(),
    inserted_window_dims=(1,),
    scatter_dims_to_operand_dims=(1,),
    operand_batching_dims=(0,),
    scatter_indices_batching_dims=(0,),
)
_IDX_B = np.array([[[0], [2]], [[1], [1]]])


def _conv(L, a, b, dn=None, bg=1):
    return L.conv_general_dilated(
        a, b, (1, 2), ((1, 0), (0, 1)), (2, 1), (2, 2), dimension_numbers=dn, batch_group_count=bg
    )


def _f(tag, shape, dtype=np.float64, scale=1.0):
    return (scale * _rng(tag).standard_normal(shape)).astype(dtype)


def _distinct(tag, shape, dtype=np.float64):
    n = int(np.prod(shape))
    return (_rng(tag).permutation(n).reshape(shape) / n + 0.1).astype(dtype)


GRAD_CASES = {  # name: (fn(L, *args), args, tolerance); derivatives in every float argument
    "conv_empty_spatial": (
        lambda L, a, b: _conv(L, a, b),
        [_f("ces", (2, 2, 0, 4)), _f("ces2", (2, 2, 1, 2))],
        1e-10,
    ),
    "conv_complex_groups": (
        lambda L, a, b: L.conv_general_dilated(
            a, b, (1, 2), ((1, 0), (0, 1)), (2, 1), (2, 2), feature_group_count=2
        ),
        [
            _f("ccg", (2, 4, 6, 7)) + 1j * _f("ccg2", (2, 4, 6, 7)),
            _f("ccg3", (4, 2, 1, 2)) + 1j * _f("ccg4", (4, 2, 1, 2)),
        ],
        1e-10,
    ),
    "reduce_add_complex_01": (
        lambda L, x: L.reduce(x, np.complex128(0), L.add, (0, 1)),
        [_f("rac", (3, 4, 5)) + 1j * _f("rac2", (3, 4, 5))],
        1e-10,
    ),
    "reduce_add_complex_all": (
        lambda L, x: L.reduce(x * x, np.complex128(0), L.add, (0, 1, 2)),
        [_f("raca", (3, 4, 5)) + 1j * _f("raca2", (3, 4, 5))],
        1e-10,
    ),
    "reduce_max_complex": (
        lambda L, x: L.reduce(x, np.complex128(-np.inf), L.max, (1, 2)),
        [_distinct("rmc", (3, 4, 5)) + 1j * _distinct("rmc2", (3, 4, 5))],
        1e-10,
    ),
    "reduce_min_complex_all": (
        lambda L, x: L.reduce(x * x, np.complex64(np.inf), L.min, (0, 1, 2)),
        [(_distinct("rnc", (3, 4, 5)) + 1j * _distinct("rnc2", (3, 4, 5))).astype(np.complex64)],
        1e-5,
    ),
    "reduce_max_complex_ties": (
        lambda L, x: L.reduce_max(L.concatenate([x, x], 0), (0,)),
        [_distinct("rmt", (2, 3)) + 1j * _distinct("rmt2", (2, 3))],
        1e-10,
    ),
    "cumsum_f32_rev": (
        lambda L, x: L.cumsum(x * x, axis=1, reverse=True),
        [_f("cs32", (3, 4, 5), np.float32)],
        2e-5,
    ),
    "cumprod_f32": (
        lambda L, x: L.cumprod(x, axis=0),
        [_f("cp32", (10,), np.float32, 0.5)],
        2e-5,
    ),
    "top_k_axis0": (
        lambda L, x: L.top_k(x * x * x, 2, axis=0)[0],
        [_distinct("tka", (5, 3, 4))],
        1e-10,
    ),
    "gather_batching_dims": (
        lambda L, x: L.gather(x * x, _IDX_B, _gdn(L, **_GBATCH), (1, 1)),
        [_f("gbd", (2, 5))],
        1e-10,
    ),
    "scatter_add_batching_dims": (
        lambda L, x, u: L.scatter_add(x * x, _IDX_B, u * u * u, _sdn(L, **_SBATCH)),
        [_f("sbd", (2, 5)), _f("sbd2", (2, 2))],
        1e-10,
    ),
}


def _conj_vjp(jax, fn, args, u):
    """JAX's cotangent convention turned into gpuad's (conj(vjp(conj(u)))), as the earlier port."""
    _, pull = jax.vjp(fn, *args)
    return tuple(np.conj(np.asarray(g)) for g in pull(np.conj(u)))


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads_match_jax(name):
    jax = _jax()
    fn, args, tol = GRAD_CASES[name]
    out = np.asarray(fn(jax.lax, *args))
    _same(fn(lax, *args), out, rtol=tol, atol=tol)
    r = _rng(name + "u")
    u = r.standard_normal(out.shape)
    if out.dtype.kind == "c":
        u = u + 1j * r.standard_normal(out.shape)
    u = u.astype(out.dtype)
    _, gpull = ad.vjp(lambda *a: fn(lax, *a), *args)
    want = _conj_vjp(jax, lambda *a: fn(jax.lax, *a), args, u)
    _same(gpull(u), want, rtol=tol, atol=tol)
    tangents = [_rng(name + f"t{k}").standard_normal(np.shape(a)).astype(a.dtype) for k, a in
                enumerate(args)]  # fmt: skip
    _same(
        ad.jvp(lambda *a: fn(lax, *a), args, tangents)[1],
        jax.jvp(lambda *a: fn(jax.lax, *a), tuple(args), tuple(tangents))[1],
        rtol=tol,
        atol=tol,
    )
    if all(np.asarray(a).dtype == np.float64 for a in args) and out.size:
        check_grads(lambda *a: fn(lax, *a), args, order=2, modes=("fwd", "rev"))


def test_dot_preferred_element_type_jacobians():
    """testDotPreferredElementType: jacrev of a float16 dot_general with a float32 result."""
    jax = _jax()

    def f(L, dims):
        return lambda x: L.dot_general(x, x, dims, preferred_element_type=np.float32)

    for x, dims in [
        (np.ones((), np.float16), (((), ()), ((), ()))),
        (_f("dpe", (2, 3), np.float16), (((1,), (1,)), ((), ()))),
    ]:
        _same(f(lax, dims)(x), f(jax.lax, dims)(x), 1e-3, 1e-3)
        for jac in ("jacrev", "jacfwd"):
            _same(
                getattr(ad, jac)(f(lax, dims))(x),
                getattr(jax, jac)(f(jax.lax, dims))(x),
                1e-3,
                1e-3,
            )


def test_pow_int_power_at_zero_under_jit():
    """testPowIntPowerAtZero(2) through jit: z ** arange(2) and z ** 0 + z have derivative 1;
    x ** 0 has derivative 0 at x = 0."""
    jax = _jax()
    for J, N in ((ad, gnp), (jax, jax.numpy)):
        for fn in (
            lambda z, N=N: N.sum(z ** N.arange(0, 2)),
            lambda z, N=N: N.sum(z ** N.arange(0.0, 2.0)),
            lambda z: z**0 + z,
            lambda z: z**0.0 + z,
        ):
            np.testing.assert_allclose(float(J.grad(J.jit(fn))(3.14)), 1.0, rtol=1e-12)
        assert float(J.grad(J.jit(lambda x, n: x**n))(0.0, 0)) == 0.0


def test_value_and_grad_out_of_range_index():
    """testDynamicSliceValueAndGrad / testDynamicUpdateSliceValueAndGrad: an index below
    -size clamps; value_and_grad's value is the function's value, its gradient JAX's."""
    jax = _jax()
    x = _f("vgx", (5, 5), np.float32)
    y = _f("vgy", (1, 5), np.float32)
    for make in (
        lambda L: lambda x: L.dynamic_index_in_dim(x, -8, 0).sum(),
        lambda L: lambda x: L.dynamic_update_index_in_dim(x, y, -8, 0).sum(),
    ):
        v, g = ad.value_and_grad(make(lax))(x)
        jv, jg = jax.value_and_grad(make(jax.lax))(x)
        _same(v, make(lax)(x), 0, 0)
        _same(v, jv, 1e-6, 1e-6)
        _same(g, jg, 0, 0)


def test_transpose_of_real_and_imag():
    """test_linear_transpose_real/imag: JAX transposes x.real and x.imag at a complex primal
    (1 and -1j). gpuad's linear_transpose takes real primals and says so; the vjp gives the
    same transposes in gpuad's convention (the conjugate: 1 and +1j)."""
    jax = _jax()
    for fn, jax_want in ((lambda z: z.real, 1.0), (lambda z: z.imag, -1j)):
        (jt,) = jax.linear_transpose(fn, 1j)(1.0)
        assert complex(jt) == jax_want
        with pytest.raises(TypeError, match="linear_transpose.*complex"):
            ad.linear_transpose(fn, 1j)
        (g,) = ad.vjp(fn, 1j)[1](1.0)
        assert complex(to_numpy(g)) == np.conj(jax_want)


# ---- vmap -------------------------------------------------------------------------------------


def _vcase(fn, in_axes, *args):
    return fn, in_axes, args


_IDX3 = np.array([[[0], [1]], [[2], [3]], [[4], [5]]])
_GBATCH2 = dict(
    offset_dims=(2,),
    collapsed_slice_dims=(),
    start_index_map=(2,),
    operand_batching_dims=(0, 1),
    start_indices_batching_dims=(1, 0),
)
_SBATCH2 = dict(
    update_window_dims=(2,),
    inserted_window_dims=(),
    scatter_dims_to_operand_dims=(2,),
    operand_batching_dims=(0, 1),
    scatter_indices_batching_dims=(1, 0),
)
_GROWS = dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))


def _sin(L):
    return L.sin


def _ints(tag, shape, dtype, lo=-20, hi=20):
    return _rng(tag).integers(lo, hi, shape).astype(dtype)


VCASES = {
    "conv_size0_lhs": _vcase(_conv, (0, None), _f("c0l", (0, 2, 2, 6, 7), np.float32),
                             _f("c0r", (2, 2, 1, 2), np.float32)),
    "conv_size0_rhs": _vcase(_conv, (None, 1), _f("c0l2", (2, 2, 6, 7), np.float32),
                             _f("c0r2", (2, 0, 2, 1, 2), np.float32)),
    "conv_size1_both": _vcase(_conv, (2, 4), _f("c1l", (2, 2, 1, 6, 7), np.float32),
                              _f("c1r", (2, 2, 1, 2, 1), np.float32)),
    "conv_hwcn_lhs": _vcase(lambda L, a, b: _conv(L, a, b, ("HWCN", "HWIO", "HWCN")), (4, None),
                            _f("chl", (6, 7, 2, 2, 3), np.float32),
                            _f("chr", (1, 2, 2, 2), np.float32)),
    "conv_hwcn_both": _vcase(lambda L, a, b: _conv(L, a, b, ("HWCN", "HWIO", "HWCN")), (4, 3),
                             _f("chl2", (6, 7, 2, 2, 3), np.float32),
                             _f("chr2", (1, 2, 2, 3, 2), np.float32)),
    "conv_batch_group_rhs": _vcase(lambda L, a, b: _conv(L, a, b, bg=2), (None, 0),
                                   _f("cbg", (4, 2, 6, 7)), _f("cbg2", (3, 4, 2, 1, 2))),
    "reduce_precision_e1m0": _vcase(
        lambda L, x: L.reduce_precision(x, exponent_bits=1, mantissa_bits=0), (1,),
        _f("rp1", (2, 10, 4), np.float32)),
    "reduce_precision_e3m2": _vcase(
        lambda L, x: L.reduce_precision(x, exponent_bits=3, mantissa_bits=2), (0,),
        _f("rp3", (10, 2, 4), np.float32, 4.0)),
    "reduce_precision_e5m4": _vcase(
        lambda L, x: L.reduce_precision(x, exponent_bits=5, mantissa_bits=4), (2,),
        _f("rp5", (2, 4, 10), np.float64, 100.0)),
    "clamp_batched_bounds": _vcase(lambda L, lo, x, hi: L.clamp(lo, x, hi), (0, None, 0),
                                   np.linspace(-1, 0, 10), _f("cbx", (2, 3)),
                                   np.linspace(0, 1, 10)),
    "clamp_int16": _vcase(lambda L, lo, x, hi: L.clamp(lo, x, hi), (0, 2, None),
                          np.arange(-5, 5, dtype=np.int16), _ints("ci", (2, 3, 10), np.int16),
                          np.int16(3)),
    "dot_general_batch_not_leading": _vcase(
        lambda L, a, b: L.dot_general(a, b, (([2], [0]), ([0], [1]))), (1, 3),
        _f("dga", (3, 5, 3, 2)), _f("dgb", (2, 3, 4, 5))),
    "pad_batched_value": _vcase(lambda L, x, p: L.pad(x, p, [(1, 2, 1), (0, 1, 0)]), (0, 0),
                                _f("pbv", (5, 2, 3)), _f("pbp", (5,))),
    "pad_value_only_batched": _vcase(lambda L, x, p: L.pad(x, p, [(1, 2, 1), (-1, 1, 0)]),
                                     (None, 0), _f("pvo", (2, 3)), _f("pvp", (5,))),
    "pad_int8": _vcase(lambda L, x, p: L.pad(x, p, [(1, 2, 1), (0, 1, 0)]), (1, 0),
                       _ints("pi8", (2, 5, 3), np.int8), _ints("pi8p", (5,), np.int8)),
    "select_batched_scalar_pred": _vcase(lambda L, c, x, y: L.select(c < 0, x, y), (0, None, 1),
                                         _f("sbc", (5,)), _f("sbx", (2, 3)), _f("sby", (2, 5, 3))),
    "split_empty_piece": _vcase(lambda L, x: L.split(x, (2, 0, 3), 1), (1,), _f("spe", (3, 4, 5))),
    "reduce_max_init0_int32": _vcase(lambda L, x: L.reduce(x, np.int32(0), L.max, (0, 2)), (0,),
                                     _ints("rmi", (5, 3, 4, 5), np.int32)),
    "reduce_max_init0_uint8": _vcase(lambda L, x: L.reduce(x, np.uint8(0), L.max, (1,)), (3,),
                                     _ints("rmu", (3, 4, 5, 5), np.uint8, 0, 200)),
    "reduce_max_init0_bool": _vcase(lambda L, x: L.reduce(x, np.bool_(False), L.max, (0, 1)), (2,),
                                    _ints("rmb", (3, 4, 5), np.int8, 0, 2).astype(bool)),
    "reduce_min_uint32_max": _vcase(
        lambda L, x: L.reduce(x, np.uint32(np.iinfo(np.uint32).max), L.min, (0, 1, 2)), (1,),
        _ints("rmn", (3, 5, 4, 5), np.uint32, 0, 1000)),
    "reduce_mul_uint8": _vcase(lambda L, x: L.reduce(x, np.uint8(1), L.mul, (1, 2)), (0,),
                               _ints("rmm", (5, 3, 4, 5), np.uint8, 0, 4)),
    "variadic_reduce_int": _vcase(
        lambda L, x, y: L.reduce((x, y), (np.int32(0), np.int32(1)),
                                 lambda a, b: (L.add(a[0], b[0]), L.mul(a[1], b[1])), (0, 2)),
        (0, 3), _ints("vri", (5, 3, 4, 5), np.int32, -3, 4),
        _ints("vri2", (3, 4, 5, 5), np.int32, -2, 3)),
    "argmax_axis0": _vcase(lambda L, x: L.argmax(x, 0, np.int32), (0,), _f("am0", (5, 3, 4, 5))),
    "argmin_axis2_uint8": _vcase(lambda L, x: L.argmin(x, 2, np.int32), (3,),
                                 _ints("am2", (3, 4, 5, 5), np.uint8, 0, 250)),
    "cumprod_rev_mid": _vcase(lambda L, x: L.cumprod(x, axis=1, reverse=True), (1,),
                              _f("cpr", (3, 7, 4, 5), np.float32, 0.7)),
    "gather_size0": _vcase(lambda L, x, i: L.gather(x, i, _gdn(L, **_GROWS), (1, 3)), (0, None),
                           _f("gs0", (0, 10, 5)), np.array([[0], [2], [1]])),
    "gather_size0_indices": _vcase(lambda L, x, i: L.gather(x, i, _gdn(L, **_GROWS), (1, 3)),
                                   (None, 0), _f("gs0i", (10, 5)), np.zeros((0, 3, 1), np.int32)),
    "gather_batching_dims2": _vcase(lambda L, x, i: L.gather(x, i, _gdn(L, **_GBATCH2), (1, 1, 3)),
                                    (3, None), _f("gbd2", (2, 3, 10, 4)), _IDX3),
    "scatter_add_batching_dims": _vcase(
        lambda L, x, i, u: L.scatter_add(x, i, u, _sdn(L, **_SBATCH)), (None, 0, 1),
        _f("sab", (2, 5)), np.stack([_IDX_B, _IDX_B[::-1]] * 2), _f("sabu", (2, 4, 2))),
    "scatter_add_batching_dims2": _vcase(
        lambda L, x, i, u: L.scatter_add(x, i, u, _sdn(L, **_SBATCH2)), (0, None, 3),
        _f("sab2", (4, 2, 3, 10)), _IDX3, _f("sab2u", (3, 2, 3, 4))),
    "scatter_apply_batching_dims": _vcase(
        lambda L, x, i: L.scatter_apply(x, i, _sin(L), _sdn(L, **_SBATCH), update_shape=(2, 2)),
        (1, None), _f("sapb", (2, 3, 5)), _IDX_B),
    "top_k_axis0": _vcase(lambda L, x: L.top_k(x, 2, axis=0), (1,), _distinct("tk0", (3, 5, 3))),
    "top_k_axis0_int": _vcase(lambda L, x: L.top_k(x, 3, axis=0), (2,),
                              _rng("tk0i").permutation(60).reshape(4, 3, 5).astype(np.int32)),
    "sort_three_one_unbatched": _vcase(
        lambda L, a, b, c: L.sort((a, b, c), dimension=0, is_stable=False, num_keys=1),
        (0, None, 1), _distinct("s3a", (5, 2, 3)), _f("s3b", (2, 3)), _f("s3c", (2, 5, 3))),
    "add_bcast_3_1__1_4": _vcase(lambda L, a, b: L.add(a, b), (1, None),
                                 _f("ab1", (3, 10, 1), np.float32), _f("ab2", (1, 4), np.float32)),
    "dot_f16_long": _vcase(lambda L, a, b: L.dot(a, b), (0, None),
                           _f("df16a", (3, 2, 1024), np.float16, 0.5) + 1,
                           _f("df16b", (1024, 2), np.float16, 0.5) + 1),
    "reduce_sum_f16_strided": _vcase(lambda L, x: L.reduce_sum(x, (0,)), (2,),
                                     _f("rsf16", (300, 3, 4), np.float16, 0.5) + 1),
    "atan2_bcast_scalar": _vcase(lambda L, a, b: L.atan2(a, b), (0, 2),
                                 _f("at1", (10,)), _f("at2", (3, 4, 10))),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(VCASES))
def test_vmap_matches_jax(name):
    """vmap against jax.vmap (values, dtypes, shapes) and against gpuad's own loop over the
    examples (so that a rule mixing examples is caught even where both agree)."""
    jax = _jax()
    fn, in_axes, args = VCASES[name]
    jfn = fn if "scatter_apply" not in name else (
        lambda L, x, i: L.scatter_apply(x, i, jax.numpy.sin, _sdn(L, **_SBATCH),
                                        update_shape=(2, 2)))  # fmt: skip
    want = jax.vmap(lambda *a: jfn(jax.lax, *a), in_axes)(*args)
    got = ad.vmap(lambda *a: fn(lax, *a), in_axes)(*args)
    width = min(
        (np.asarray(a).dtype.itemsize for a in args if np.asarray(a).dtype.kind in "fc"),
        default=8,
    )
    tol = {2: 2e-3, 4: 1e-5}.get(width, 1e-12)
    _same(got, want, rtol=tol, atol=tol)
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes, strict=True) if ax is not None)
    if size:
        outs = [
            fn(
                lax,
                *[
                    a if ax is None else np.take(a, i, axis=ax)
                    for a, ax in zip(args, in_axes, strict=True)
                ],
            )
            for i in range(size)
        ]
        if isinstance(outs[0], (tuple, list)):
            loop = [np.stack([to_numpy(o[k]) for o in outs]) for k in range(len(outs[0]))]
        else:
            loop = np.stack([to_numpy(o) for o in outs])
        _same(got, loop, rtol=tol, atol=tol)


# ---- the map ----------------------------------------------------------------------------------


def test_every_gap_has_a_mapping():
    keys = [(c, n) for c, n, _ in GAPS]
    assert len(keys) == len(set(keys)) == sum(N_UPSTREAM.values())
    for cls, n in N_UPSTREAM.items():
        assert sum(c == cls for c, _ in keys) == n, cls
    params = {
        "test_grads_match_jax": GRAD_CASES,
        "test_vmap_matches_jax": VCASES,
        "test_float16_reductions_match_jax": HALF_REDUCTIONS,
    }
    here = Path(__file__).parent
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        assert "here:" in where or "covered:" in where or where.startswith("n/a:"), name
        for part in where.split("here:")[1:]:
            for ref in part.replace(",\n", ",").split(", test_"):
                ref = ref.strip().split()[0].rstrip(";,")
                ref = ref if ref.startswith("test_") else "test_" + ref
                fn, _, param = ref.partition("[")
                assert fn in globals(), (name, fn)
                for p in filter(None, param.rstrip("]").split(",")):
                    assert p in params[fn], (name, p)
        for part in where.split("covered:")[1:]:
            ref = part.strip().split()[0].rstrip(";,")
            path, _, obj = ref.partition("::")
            text = (here / path).read_text()
            if not obj:
                continue
            fn, _, tag = obj.partition("[")
            assert f"def {fn}(" in text or f"{fn}" in text, (name, fn)
            if tag:
                assert tag.rstrip("]") in text, (name, tag)
