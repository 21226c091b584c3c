"""JAX's ``tests/lax_test.py`` (jax-ml/jax; its classes ``LaxTest``, ``LazyConstantTest``,
``CustomElementTypesTest``, ``FunctionAccuracyTest``, ``CompositeTest``, ``RaggedTest``,
``LaxUtilsTest``; the ``LaxNamedShapeTest`` of older versions is gone upstream), and the
methods of ``tests/lax_autodiff_test.py`` and ``tests/lax_vmap_test.py``, mapped onto gpuad's
ports and, where the earlier ports left gaps, ported here and run against JAX itself in the
same process (float64): values and dtypes, derivatives in both modes, refusals.

``GAPS`` maps every test method to where its port is ("here:" a test or case of this file,
"covered:" a file and test, case tag or upstream name it cites, of an earlier port), where
gpuad deliberately differs ("differs:"), or why it has no counterpart ("n/a:");
``test_every_gap_has_a_mapping`` checks that every reference exists.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

GAPS = (  # (class, JAX test, where its port is or why there is none)
    ('LaxTest', 'testOp',
     'covered: test_jax_harnesses.py::test_harness; lax.clz, absent before: '
     'here: test_same_results_as_jax[clz]'),
    ('LaxTest', 'testOpAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_elementwise'),
    ('LaxTest', 'testOpOutDtype',
     "differs: lax's out_dtype= (newer JAX) is refused, "
     'test_jax_lax_autodiff_suite.py::testOpGradOutDtype'),
    ('LaxTest', 'testEvenFunctionGrads',
     'here: test_same_results_as_jax[even_function_grads]'),
    ('LaxTest', 'testExpm1Grad',
     'here: test_same_results_as_jax[expm1_grad_is_exp]'),
    ('LaxTest', 'testConvertElementType',
     "n/a: JAX's weak_type flag of the abstract value (gpuad has no weak-typed arrays)"),
    ('LaxTest', 'testConvertElementTypeOOB',
     'here: test_same_results_as_jax[convert_element_type]'),
    ('LaxTest', 'testConvertElementTypeAgainstNumpy',
     'here: test_same_results_as_jax[convert_element_type]'),
    ('LaxTest', 'testBitcastConvertType',
     'here: test_same_results_as_jax[bitcast_convert_type]'),
    ('LaxTest', 'testBitcastConvertTypeAgainstNumpy',
     'here: test_same_results_as_jax[bitcast_convert_type]'),
    ('LaxTest', 'testBitcastConvertWeakType',
     "n/a: JAX's weak_type flag of the abstract value (gpuad has no weak-typed arrays)"),
    ('LaxTest', 'testClamp',
     'here: test_same_results_as_jax[clamp]'),
    ('LaxTest', 'testClampAgainstNumpy',
     'here: test_same_results_as_jax[clamp]'),
    ('LaxTest', 'testConcatenate',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testConcatenateAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testSplit',
     'here: test_same_results_as_jax[split]'),
    ('LaxTest', 'testSplitErrors',
     'here: test_refused_where_jax_refuses[split_negative,split_sum,split_axis]'),
    ('LaxTest', 'testConv',
     'covered: test_jax_lax_conv.py::test_conv_matches_jax'),
    ('LaxTest', 'testConvPreferredElement',
     'here: test_same_results_as_jax[conv_preferred_element_type]'),
    ('LaxTest', 'testConvAgainstNumpy',
     'covered: test_jax_lax_conv.py::test_conv_matches_jax'),
    ('LaxTest', 'testConvWithGeneralPadding',
     'covered: test_jax_lax_conv.py::test_conv_matches_jax'),
    ('LaxTest', 'testConvWithGeneralPaddingAgainstNumpy',
     'covered: test_jax_lax_conv.py::test_conv_matches_jax'),
    ('LaxTest', 'testConvGeneralDilated0D',
     'here: test_same_results_as_jax[conv_0d_groups]'),
    ('LaxTest', 'testConvGeneralDilated',
     'covered: test_jax_lax_conv.py::test_conv_matches_jax'),
    ('LaxTest', 'testConvGeneralDilatedPatchesOverlapping1D',
     'here: test_same_results_as_jax[conv_patches_overlapping]'),
    ('LaxTest', 'testConvGeneralDilatedPatchesOverlapping2D',
     'here: test_same_results_as_jax[conv_patches_overlapping]'),
    ('LaxTest', 'testConvGeneralDilatedPatchesNonOverlapping',
     'here: test_same_results_as_jax[conv_patches_non_overlapping]'),
    ('LaxTest', 'testConvGeneralDilatedLocal',
     'here: test_not_provided_names_say_what_to_use[conv_general_dilated_local]'),
    ('LaxTest', 'testConv0DIsDot',
     'here: test_same_results_as_jax[conv_0d_is_dot]'),
    ('LaxTest', 'testGradConv0D',
     'here: test_same_results_as_jax[grad_conv_0d]'),
    ('LaxTest', 'testConvTranspose2DT',
     'here: test_same_results_as_jax[conv_transpose_via_grad]'),
    ('LaxTest', 'testConvTranspose2D',
     'here: test_same_results_as_jax[conv_transpose_via_grad]'),
    ('LaxTest', 'testConvTranspose1D',
     'here: test_same_results_as_jax[conv_transpose_via_grad]'),
    ('LaxTest', 'testConvTranspose0D',
     'here: test_same_results_as_jax[conv_transpose_via_grad]'),
    ('LaxTest', 'testConvTransposePaddingList',
     'here: test_same_results_as_jax[conv_padding_list]'),
    ('LaxTest', 'testConvInvalidPadding',
     'here: test_refused_where_jax_refuses[conv_patches_bad_padding]'),
    ('LaxTest', 'testDot',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testDotPositionalArgumentDeprecation',
     'here: test_refused_where_jax_refuses[dot_positional_precision]'),
    ('LaxTest', 'testDotAlgorithm',
     'here: test_not_provided_names_say_what_to_use[DotAlgorithm]'),
    ('LaxTest', 'testDotAlgorithmInvalidFloat8Type',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'testDotAlgorithmCasting',
     'here: test_same_results_as_jax[dot_precision_string_keeps_dtype]'),
    ('LaxTest', 'testDotAlgorithmAllowedOutputStorage',
     'n/a: JAX internal IR (jaxpr equations, StableHLO text, lowering)'),
    ('LaxTest', 'testDotAlgorithmConfig',
     'n/a: JAX internal IR (jaxpr equations, StableHLO text, lowering)'),
    ('LaxTest', 'testDotPreferredElement',
     'here: test_same_results_as_jax[dot_preferred_element_type]'),
    ('LaxTest', 'test_mixed_fp8_dot_general',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'testDotAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testDotGeneralContractOnly',
     'here: test_same_results_as_jax[dot_general_contract_only]'),
    ('LaxTest', 'testDotGeneralContractAndBatch',
     'here: test_same_results_as_jax[dot_general_contract_and_batch]'),
    ('LaxTest', 'testDotGeneralAgainstNumpy',
     'here: test_same_results_as_jax[dot_general_contract_and_batch]'),
    ('LaxTest', 'testBroadcast',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testBroadcastAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testBroadcastInDim',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testBroadcastInDimOperandShapeTranspose',
     'here: test_same_results_as_jax[broadcast_in_dim_operand_shape_transpose]'),
    ('LaxTest', 'testBroadcastInDimShapeCheck',
     'here: test_refused_where_jax_refuses[bid_dims_length,bid_rank,bid_subset,bid_sizes,b'
     'id_not_increasing]'),
    ('LaxTest', 'testBroadcastInDimAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testTile',
     'here: test_same_results_as_jax[tile]'),
    ('LaxTest', 'testSqueezeShapeCheck',
     'here: test_refused_where_jax_refuses[squeeze_repeated,squeeze_out_of_range,squeeze_n'
     'egative_out_of_range,squeeze_not_one,squeeze_none]'),
    ('LaxTest', 'testSqueeze',
     'here: test_same_results_as_jax[squeeze_with_grads]'),
    ('LaxTest', 'testEmptySqueezeReturnType',
     'here: test_same_results_as_jax[squeeze_empty_dimensions]'),
    ('LaxTest', 'testReshape',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testReshapeAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testRoundRoundingMethods',
     'here: test_same_results_as_jax[round_methods]'),
    ('LaxTest', 'testPad',
     'here: test_same_results_as_jax[pad_configs]'),
    ('LaxTest', 'testPadAgainstNumpy',
     'here: test_same_results_as_jax[pad_configs]'),
    ('LaxTest', 'testPadErrors',
     'here: test_refused_where_jax_refuses[pad_value_not_scalar,pad_config_length,pad_nega'
     'tive_interior,pad_too_negative,pad_too_negative_interior]'),
    ('LaxTest', 'testPadtypeToPadsReturnsInts',
     'here: test_padtype_to_pads_returns_python_ints'),
    ('LaxTest', 'testReverse',
     'here: test_same_results_as_jax[rev]'),
    ('LaxTest', 'testSelect',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testSelectN',
     'here: test_same_results_as_jax[select_n_int_predicate]'),
    ('LaxTest', 'testSlice',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testSliceAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testDynamicSlice',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testDynamicSliceAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testDynamicSliceInDim',
     'here: test_same_results_as_jax[dynamic_slice_forms]'),
    ('LaxTest', 'testDynamicSliceArraySliceSizes',
     'here: test_same_results_as_jax[dynamic_slice_forms]'),
    ('LaxTest', 'testDynamicSliceWithNonScalarIndex',
     'here: test_refused_where_jax_refuses[dynamic_slice_in_dim_vector_start]'),
    ('LaxTest', 'testDynamicUpdateSlice',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testDynamicUpdateSliceAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testDynamicUpdateSliceBatched',
     'here: test_same_results_as_jax[dynamic_update_slice_batched]'),
    ('LaxTest', 'testDynamicUpdateSliceWithNonScalarIndex',
     'here: test_refused_where_jax_refuses[dynamic_update_slice_in_dim_vector_start]'),
    ('LaxTest', 'testTranspose',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testTransposeWithArrayPermutation',
     'here: test_same_results_as_jax[transpose_array_permutation]'),
    ('LaxTest', 'testTransposeAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_structural'),
    ('LaxTest', 'testReduce',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testNamedReduceOperators',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testReduceWeakType',
     "n/a: JAX's weak_type flag of the abstract value (gpuad has no weak-typed arrays)"),
    ('LaxTest', 'testReduceWindowScalar',
     'here: test_same_results_as_jax[reduce_window_scalar]'),
    ('LaxTest', 'testReduceWindow',
     'covered: test_jax_lax_conv.py::test_reduce_window_matches_jax'),
    ('LaxTest', 'testReduceWindowGeneralJVP',
     'here: test_same_results_as_jax[reduce_window_custom_monoids_jvp]'),
    ('LaxTest', 'testReduceWindowCustomSameAsMonoid',
     'here: test_same_results_as_jax[reduce_window_custom_monoids_jvp]'),
    ('LaxTest', 'testReduceWindowVariadic',
     'differs: reduce_window takes one operand (NotImplementedError naming it), here: '
     'test_refused_where_jax_refuses[reduce_window_variadic_refused]'),
    ('LaxTest', 'testReduceWindowFailures',
     'here: '
     'test_refused_where_jax_refuses[reduce_window_empty_window,reduce_window_zero_stride]'),
    ('LaxTest', 'testReduceWindowShapeDilation',
     'here: test_same_results_as_jax[reduce_window_shape_dilation]'),
    ('LaxTest', 'testReduceWindowWithEmptyOutput',
     'here: test_same_results_as_jax[reduce_window_empty_output]'),
    ('LaxTest', 'testCumulativeReduce',
     'here: test_same_results_as_jax[cumulative_reductions]'),
    ('LaxTest', 'testCumulativeLogSumExp',
     'here: test_same_results_as_jax[cumulative_reductions]'),
    ('LaxTest', 'testReducePrecision',
     'covered: test_jax_lax_reduce_precision.py::test_reduce_precision_is_bit_exact'),
    ('LaxTest', 'testReducePrecisionGrad',
     'covered: test_jax_lax_reduce_precision.py::test_reduce_precision_derivatives_match_jax'),
    ('LaxTest', 'testSort',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testSortFloatSpecialValues',
     'here: test_same_results_as_jax[sort_float_special_values]'),
    ('LaxTest', 'testSortAgainstNumpy',
     'covered: test_jax_lax_ops.py::test_reductions_scans_sorting_contractions'),
    ('LaxTest', 'testSortKeyVal',
     'here: test_same_results_as_jax[sort_key_val_unique_keys]'),
    ('LaxTest', 'testSortNumKeys',
     'here: test_same_results_as_jax[sort_num_keys]'),
    ('LaxTest', 'testSortKeyValAgainstNumpy',
     'here: test_same_results_as_jax[sort_key_val_unique_keys]'),
    ('LaxTest', 'testTopK',
     'here: test_same_results_as_jax[top_k_axes]'),
    ('LaxTest', 'testTopKOverflow',
     "n/a: a 2**31-element bfloat16 shape (int32 index overflow of XLA's top_k)"),
    ('LaxTest', 'testBatchMatMul',
     'here: test_same_results_as_jax[batch_matmul]'),
    ('LaxTest', 'testCollapse',
     'here: test_same_results_as_jax[collapse]'),
    ('LaxTest', 'testCollapseLastTwo',
     'here: test_same_results_as_jax[collapse]'),
    ('LaxTest', 'testIndexTake',
     'here: test_not_provided_names_say_what_to_use[index_take]'),
    ('LaxTest', 'testGather',
     'here: test_same_results_as_jax[gather_dimension_numbers]'),
    ('LaxTest', 'testGatherShapeCheckingRule',
     'here: test_gather_and_scatter_shape_rules_refused_as_jax'),
    ('LaxTest', 'testScatterAddSub',
     'here: test_same_results_as_jax[scatter_family]'),
    ('LaxTest', 'testScatterMin',
     'here: test_same_results_as_jax[scatter_family]'),
    ('LaxTest', 'testScatterMax',
     'here: test_same_results_as_jax[scatter_family]'),
    ('LaxTest', 'testScatterApply',
     'here: test_same_results_as_jax[scatter_family]'),
    ('LaxTest', 'testScatter',
     'here: test_same_results_as_jax[scatter_family]'),
    ('LaxTest', 'testScatterShapeCheckingRule',
     'here: test_gather_and_scatter_shape_rules_refused_as_jax'),
    ('LaxTest', 'testIssue831',
     'here: test_same_results_as_jax[jit_of_fori_loop_inside_jit]'),
    ('LaxTest', 'testReshapeWithUnusualShapes',
     'here: test_refused_where_jax_refuses[reshape_array_in_shape,reshape_float_shape]'),
    ('LaxTest', 'testDynamicSliceTypeErrors',
     'here: test_refused_where_jax_refuses[dynamic_slice_mixed_index_dtypes]'),
    ('LaxTest', 'testDynamicUpdateSliceTypeErrors',
     'here: test_refused_where_jax_refuses[dynamic_update_slice_mixed_index_dtypes]'),
    ('LaxTest', 'test_reduction_with_repeated_axes_error',
     'here: test_refused_where_jax_refuses[reduce_repeated_axes]'),
    ('LaxTest', 'test_ops_do_not_accept_complex_dtypes',
     'here: test_refused_where_jax_refuses[rem_complex,lt_complex,gt_complex,ge_complex,le'
     '_complex]'),
    ('LaxTest', 'test_ops_error_on_mismatched_dtypes',
     'here: test_refused_where_jax_refuses[add_int_float,mul_int_float,div_int_float,rem_i'
     'nt_float,lt_int_float,eq_int_float]'),
    ('LaxTest', 'test_population_count_booleans_not_supported',
     'here: test_refused_where_jax_refuses[population_count_bool]'),
    ('LaxTest', 'test_conv_general_dilated_different_input_ranks_error',
     'here: test_refused_where_jax_refuses[conv_ranks_differ]'),
    ('LaxTest', 'test_window_strides_dimension_shape_rule',
     'here: test_refused_where_jax_refuses[conv_window_strides_length]'),
    ('LaxTest', 'test_reduce_window_scalar_init_value_shape_rule',
     'here: test_refused_where_jax_refuses[reduce_window_init_not_scalar]'),
    ('LaxTest', 'test_reduce_correctly_works_with_pytrees',
     'here: test_same_results_as_jax[reduce_pytrees]'),
    ('LaxTest', 'test_reduce_with_mismatched_pytrees_errors',
     'here: test_refused_where_jax_refuses[reduce_mismatched_pytrees]'),
    ('LaxTest', 'test_reduce_with_nonscalar_inits_errors',
     'here: test_refused_where_jax_refuses[reduce_nonscalar_init]'),
    ('LaxTest', 'test_select_jvp_complexity',
     'here: test_same_results_as_jax[select_jvp]'),
    ('LaxTest', 'testRngBitGenerator',
     'here: test_not_provided_names_say_what_to_use[rng_bit_generator]'),
    ('LaxTest', 'testRngBitGenerator2',
     'here: test_not_provided_names_say_what_to_use[rng_bit_generator]'),
    ('LaxTest', 'testRngBitGeneratorReturnedKey',
     'here: test_not_provided_names_say_what_to_use[rng_bit_generator]'),
    ('LaxTest', 'test_rng_bit_generator_vmap',
     'here: test_not_provided_names_say_what_to_use[rng_bit_generator]'),
    ('LaxTest', 'test_rng_bit_generator_vmap_vmap',
     'here: test_not_provided_names_say_what_to_use[rng_bit_generator]'),
    ('LaxTest', 'test_const',
     "n/a: JAX's private lax_internal._const and weak types"),
    ('LaxTest', 'testIgammaSpecial',
     'here: test_same_results_as_jax[igamma_at_infinity]'),
    ('LaxTest', 'testRegressionIssue5728',
     'here: test_same_results_as_jax[regression_5728_select_pad]'),
    ('LaxTest', 'testDynamicSliceUnsignedNoNormalization',
     'here: test_same_results_as_jax[dynamic_slice_unsigned_indices]'),
    ('LaxTest', 'testDynamicSliceU8Index',
     'here: test_same_results_as_jax[dynamic_slice_unsigned_indices]'),
    ('LaxTest', 'test_dot_general_batching_python_builtin_arg',
     'here: test_same_results_as_jax[hessian_of_remat_dot_general]'),
    ('LaxTest', 'test_constant_folding_complex_to_real_scan_regression',
     'here: test_same_results_as_jax[complex_vjp_inside_scan]'),
    ('LaxTest', 'testAsarray',
     "n/a: JAX's private lax_internal.asarray and its jaxpr"),
    ('LaxTest', 'test_optimization_barrier',
     'here: test_same_results_as_jax[optimization_barrier]'),
    ('LaxTest', 'test_optimization_barrier_autodiff',
     'here: test_same_results_as_jax[optimization_barrier]'),
    ('LaxTest', 'test_shape_as_value_handles_static_shapes',
     'here: test_same_results_as_jax[shape_as_value]'),
    ('LaxTest', 'test_shape_as_value_handles_polymorphic_shapes',
     'n/a: jax.export symbolic shapes'),
    ('LaxTest', 'test_int4_non_support_errors',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'test_int4_unary_ops',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'test_int4_binary_ops',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'test_gather_with_asymmetric_dtype',
     'n/a: dtype-only check for dtypes gpuad lacks (bfloat16, float8, int4)'),
    ('LaxTest', 'test_stop_gradient_on_ints',
     'here: test_same_results_as_jax[stop_gradient_on_ints]'),
    ('LaxTest', 'test_no_complex_to_real_cast_warning_in_transpose',
     "differs: gpuad's jacobian refuses complex inputs without holomorphic=True; here: "
     'test_complex_dot_real_part_gradients'),
    ('LazyConstantTest', 'testFilledConstant',
     'here: test_same_results_as_jax[full_constants]'),
    ('LazyConstantTest', 'testIotaConstant',
     'here: test_same_results_as_jax[iota_constants]'),
    ('LazyConstantTest', 'testDeltaConstant',
     "n/a: JAX's private lax_internal._delta"),
    ('LazyConstantTest', 'testBroadcastInDim',
     'here: test_same_results_as_jax[broadcast_in_dim_constant]'),
    ('LazyConstantTest', 'testConvertElementReturnType',
     'here: test_convert_element_type_returns_arrays'),
    ('LazyConstantTest', 'testConvertElementTypeAvoidsCopies',
     'n/a: device, transfer guard or XLA buffer details (gpuad runs on one device)'),
    ('LazyConstantTest', 'testArgMinMaxIndexDtypeError',
     'here: test_refused_where_jax_refuses[argmin_float_index_dtype,argmax_bool_index_dtype]'),
    ('LazyConstantTest', 'testArgMinMaxEmptyError',
     'here: test_refused_where_jax_refuses[argmin_empty,argmax_empty]'),
    ('LazyConstantTest', 'testArgMinMaxInvalidAxisError',
     "differs: a negative axis counts from the end (JAX's lax refuses it); here: "
     'test_same_results_as_jax[argminmax_negative_axis]'),
    ('LazyConstantTest', 'testArgMinMaxWeakType',
     "n/a: JAX's weak_type flag of the abstract value (gpuad has no weak-typed arrays)"),
    ('LazyConstantTest', 'testArgMaxOfNanChoosesNaN',
     'here: test_same_results_as_jax[argmax_of_nan]'),
    ('LazyConstantTest', 'testUnaryWeakTypes',
     'here: test_same_results_as_jax[unary_ops_of_python_scalars]'),
    ('LazyConstantTest', 'testCumsumLengthOne',
     'here: test_same_results_as_jax[cumulative_reductions]'),
    ('LazyConstantTest', 'testLog1pNearOne',
     'here: test_same_results_as_jax[log1p_near_zero]'),
    ('CustomElementTypesTest', 'test_shaped_array_construction',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_make_jaxpr_identity',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_make_jaxpr_with_primitives',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_jit_closure',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_jit_identity',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_jit_multiple_primitives',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_scan_jaxpr',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_scan_jaxpr_split_transpose',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_scan_lowering',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_vmap',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_slice',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_dynamic_slice',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_transpose',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_gather',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_scatter',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_equality',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_select',
     'n/a: JAX extended dtypes (core.Primitive, dtypes.ExtendedDType, MLIR lowerings)'),
    ('CustomElementTypesTest', 'test_gather_batched_index_dtype',
     'here: test_same_results_as_jax[vmap_take_int8_indices]'),
    ('CustomElementTypesTest', 'test_xla_reverse_bug',
     'here: test_same_results_as_jax[rev]'),
    ('FunctionAccuracyTest', 'testMPMathUtils',
     "n/a: JAX's mpmath test utilities"),
    ('FunctionAccuracyTest', 'testSuccessOnComplexPlane',
     'covered: test_jax_scipy_special_complex.py'),
    ('FunctionAccuracyTest', 'testFailureOnComplexPlane',
     "n/a: lists XLA's inaccurate regions (an expected-failure table)"),
    ('CompositeTest', 'test_composite',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_decorator',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_with_jit_function',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_with_attributes',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_attribute_dtypes',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_unsupported_attribute_dtypes',
     'n/a: JAX internal IR (jaxpr equations, StableHLO text, lowering)'),
    ('CompositeTest', 'test_composite_with_non_default_version',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_with_no_args',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_with_variadic_input_output',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_jvp',
     'differs: gpuad differentiates through the decomposition (JAX refuses); here: '
     'test_composite_is_differentiable'),
    ('CompositeTest', 'test_composite_grad',
     'differs: gpuad differentiates through the decomposition (JAX refuses); here: '
     'test_composite_is_differentiable'),
    ('CompositeTest', 'test_composite_with_array_consts',
     'here: test_same_results_as_jax[composite]'),
    ('CompositeTest', 'test_composite_with_tracer_consts',
     'differs: gpuad closes over traced values (no StableHLO composite); here: '
     'test_composite_is_differentiable'),
    ('RaggedTest', 'test_ragged_dot',
     'here: test_same_results_as_jax[ragged_dot]'),
    ('RaggedTest', 'test_ragged_dot_use_ragged_dot_instruction',
     'here: test_same_results_as_jax[ragged_dot]'),
    ('RaggedTest', 'test_ragged_dot_small_m',
     'here: test_same_results_as_jax[ragged_dot]'),
    ('RaggedTest', 'test_ragged_dot_general_shape_inference_failure',
     'here: test_not_provided_names_say_what_to_use[ragged_dot_general]'),
    ('RaggedTest', 'test_ragged_dot_general_shape_inference_success',
     'here: test_not_provided_names_say_what_to_use[ragged_dot_general]'),
    ('RaggedTest', 'test_ragged_dot_general_vmap',
     'here: test_same_results_as_jax[ragged_dot_vmap]'),
    ('LaxUtilsTest', 'test_int_dtype_for_dim',
     "n/a: JAX's private lax.utils helpers"),
    ('LaxUtilsTest', 'test_int_dtype_for_shape',
     "n/a: JAX's private lax.utils helpers"),
    ('LaxAutodiffTest', 'testOpGrad',
     'covered: test_jax_lax_autodiff_suite.py::testOpGrad'),
    ('LaxAutodiffTest', 'testOpGradSpecialValue',
     'covered: test_jax_lax_autodiff_suite.py::testOpGradSpecialValue'),
    ('LaxAutodiffTest', 'testConvertElementTypeGrad',
     'covered: test_jax_lax_autodiff_suite.py::testConvertElementTypeGrad'),
    ('LaxAutodiffTest', 'testClampGrad',
     'covered: test_jax_lax_autodiff_suite.py::testClampGrad'),
    ('LaxAutodiffTest', 'testConcatenateGrad',
     'covered: test_jax_lax_autodiff_suite.py::testConcatenateGrad'),
    ('LaxAutodiffTest', 'testSplitGrad',
     'covered: test_jax_lax_autodiff_suite.py::testSplitGrad'),
    ('LaxAutodiffTest', 'testConvGrad',
     'covered: test_jax_lax_autodiff_suite.py::testConvGrad'),
    ('LaxAutodiffTest', 'testConvWithGeneralPaddingGrad',
     'covered: test_jax_lax_autodiff_suite.py::testConvWithGeneralPaddingGrad'),
    ('LaxAutodiffTest', 'testConvGeneralDilatedGrad',
     'covered: test_jax_lax_autodiff_suite.py::testConvGeneralDilatedGrad'),
    ('LaxAutodiffTest', 'testDotGrad',
     'covered: test_jax_lax_autodiff_suite.py::testDotGrad'),
    ('LaxAutodiffTest', 'testDotGeneralContractAndBatchGrads',
     'covered: test_jax_lax_autodiff_suite.py::testDotGeneralContractAndBatchGrads'),
    ('LaxAutodiffTest', 'testBroadcastGrad',
     'covered: test_jax_lax_autodiff_suite.py::testBroadcastGrad'),
    ('LaxAutodiffTest', 'testBroadcastInDimGrad',
     'covered: test_jax_lax_autodiff_suite.py::testBroadcastInDimGrad'),
    ('LaxAutodiffTest', 'testReshapeGrad',
     'covered: test_jax_lax_autodiff_suite.py::testReshapeGrad'),
    ('LaxAutodiffTest', 'testPadGrad',
     'covered: test_jax_lax_autodiff_suite.py::testPadGrad'),
    ('LaxAutodiffTest', 'testReverseGrad',
     'covered: test_jax_lax_autodiff_suite.py::testReverseGrad'),
    ('LaxAutodiffTest', 'testSelectGrad',
     'covered: test_jax_lax_autodiff_suite.py::testSelectGrad'),
    ('LaxAutodiffTest', 'testSliceGrad',
     'covered: test_jax_lax_autodiff_suite.py::testSliceGrad'),
    ('LaxAutodiffTest', 'testDynamicSliceGrad',
     'covered: test_jax_lax_autodiff_suite.py::testDynamicSliceGrad'),
    ('LaxAutodiffTest', 'testDynamicUpdateSliceGrad',
     'covered: test_jax_lax_autodiff_suite.py::testDynamicUpdateSliceGrad'),
    ('LaxAutodiffTest', 'testTransposeGrad',
     'covered: test_jax_lax_autodiff_suite.py::testTransposeGrad'),
    ('LaxAutodiffTest', 'testReduceGrad',
     'covered: test_jax_lax_autodiff_suite.py::testReduceGrad'),
    ('LaxAutodiffTest', 'testReduceWindowGrad',
     'covered: test_jax_lax_autodiff_suite.py::testReduceWindowGrad'),
    ('LaxAutodiffTest', 'testCumulativeReduceGrad',
     'covered: test_jax_lax_autodiff_suite.py::testCumulativeReduceGrad'),
    ('LaxAutodiffTest', 'testSortGrad',
     'covered: test_jax_lax_autodiff_suite.py::testSortGrad'),
    ('LaxAutodiffTest', 'testSortKeyValGrad',
     'covered: test_jax_lax_autodiff_suite.py::testSortKeyValGrad'),
    ('LaxAutodiffTest', 'testTopKGrad',
     'covered: test_jax_lax_autodiff_suite.py::testTopKGrad'),
    ('LaxAutodiffTest', 'testGatherGrad',
     'covered: test_jax_lax_autodiff_suite.py::testGatherGrad'),
    ('LaxAutodiffTest', 'testScatterAddGrad',
     'covered: test_jax_lax_autodiff_suite.py::testScatterAddGrad'),
    ('LaxAutodiffTest', 'testScatterGrad',
     'covered: test_jax_lax_autodiff_suite.py::testScatterGrad'),
    ('LaxAutodiffTest', 'testScatterGradSymbolicZeroUpdate',
     'covered: test_jax_lax_autodiff_suite.py::testScatterGradSymbolicZeroUpdate'),
    ('LaxAutodiffTest', 'testScatterMax',
     'covered: test_jax_lax_autodiff_suite.py::testScatterMax'),
    ('LaxAutodiffTest', 'testReducePairGrad',
     'covered: test_jax_lax_autodiff_suite.py::testReducePairGrad'),
    ('LaxAutodiffTest', 'testRemainder',
     'covered: test_jax_lax_autodiff_suite.py::testRemainder'),
    ('LaxAutodiffTest', 'testPowSecondDerivative',
     'covered: test_jax_lax_autodiff_suite.py::testPowSecondDerivative'),
    ('LaxAutodiffTest', 'testPowIntPowerAtZero',
     'covered: test_jax_lax_autodiff_suite.py::testPowIntPowerAtZero'),
    ('LaxAutodiffTest', 'testPowShapeMismatch',
     'covered: test_jax_lax_autodiff_suite.py::testPowShapeMismatch'),
    ('LaxAutodiffTest', 'testHigherOrderGradientOfReciprocal',
     'covered: test_jax_lax_autodiff_suite.py::testHigherOrderGradientOfReciprocal'),
    ('LaxAutodiffTest', 'testGradOfVmapOfDynamicSlice',
     'covered: test_jax_lax_autodiff_suite.py::testGradOfVmapOfDynamicSlice'),
    ('LaxAutodiffTest', 'testTileAutodiff',
     'covered: test_jax_lax_autodiff_suite.py::testTileAutodiff'),
    ('LaxAutodiffTest', 'testIndexTakeGrad',
     'covered: test_jax_lax_autodiff_suite.py::testIndexTakeGrad'),
    ('LaxAutodiffTest', 'testOpGradOutDtype',
     'covered: test_jax_lax_autodiff_suite.py::testOpGradOutDtype'),
    ('LaxAutodiffTest', 'testFftGrad',
     'here: test_same_results_as_jax[fft_types]'),
    ('LaxVmapTest', 'testOp',
     'covered: test_jax_lax_vmap_suite.py::test_vmap_matches_jax'),
    ('LaxVmapTest', 'testConvGeneralDilatedBatching',
     'covered: test_jax_lax_vmap_suite.py::conv_transpose'),
    ('LaxVmapTest', 'testConvertElementType',
     'covered: test_jax_lax_vmap_suite.py::convert_f_to_i'),
    ('LaxVmapTest', 'testBitcastElementType',
     'covered: test_jax_lax_vmap_suite.py::bitcast_f32_i32'),
    ('LaxVmapTest', 'testClamp',
     'covered: test_jax_lax_vmap_suite.py::clamp_arrays'),
    ('LaxVmapTest', 'testDot',
     'covered: test_jax_lax_vmap_suite.py::dot_mv'),
    ('LaxVmapTest', 'testDotGeneralContractOnly',
     'covered: test_jax_lax_vmap_suite.py::dot_general_'),
    ('LaxVmapTest', 'testDotGeneralContractAndBatch',
     'covered: test_jax_lax_vmap_suite.py::dot_general_'),
    ('LaxVmapTest', 'testBroadcast',
     'covered: test_jax_lax_vmap_suite.py::broadcast_0d'),
    ('LaxVmapTest', 'testBroadcastInDim',
     'covered: test_jax_lax_vmap_suite.py::broadcast_in_dim_0'),
    ('LaxVmapTest', 'testSqueeze',
     'covered: test_jax_lax_vmap_suite.py::squeeze_neg'),
    ('LaxVmapTest', 'testReshape',
     'covered: test_jax_lax_vmap_suite.py::reshape_dims'),
    ('LaxVmapTest', 'testPad',
     'covered: test_jax_lax_vmap_suite.py::pad_negative'),
    ('LaxVmapTest', 'testSelect',
     'covered: test_jax_lax_vmap_suite.py::select_n_scalar_pred'),
    ('LaxVmapTest', 'testSlice',
     'covered: test_jax_lax_vmap_suite.py::slice_in_dim'),
    ('LaxVmapTest', 'testTranspose',
     'covered: test_jax_lax_vmap_suite.py::transpose'),
    ('LaxVmapTest', 'testReduce',
     'covered: test_jax_lax_vmap_suite.py::reduce_max_fn'),
    ('LaxVmapTest', 'testReduceWindow',
     'covered: test_jax_lax_vmap_suite.py::reduce_window_add'),
    ('LaxVmapTest', 'testCumulativeReduce',
     'covered: test_jax_lax_vmap_suite.py::cumsum_f32'),
    ('LaxVmapTest', 'testGather',
     'covered: test_jax_lax_vmap_suite.py::gather_windows'),
    ('LaxVmapTest', 'testScatterAdd',
     'covered: test_jax_lax_vmap_suite.py::scatter_add_dups'),
    ('LaxVmapTest', 'testTopK',
     'covered: test_jax_lax_vmap_suite.py::top_k_1d'),
    ('LaxVmapTest', 'testSort',
     'covered: test_jax_lax_vmap_suite.py::sort_num_keys2'),
    ('LaxVmapTest', 'testArgminmax',
     'covered: test_jax_lax_vmap_suite.py::argmax_ties'),
    ('LaxVmapTest', 'testSplit',
     'covered: test_jax_lax_vmap_suite.py::split'),
    ('LaxVmapTest', 'testVariadicReduce',
     'covered: test_jax_lax_vmap_suite.py::reduce_variadic'),
    ('LaxVmapTest', 'testScatterApply',
     'covered: test_jax_lax_vmap_suite.py::scatter_apply'),
    ('LaxVmapTest', 'testSelectAndGatherAdd',
     "n/a: JAX-internal _select_and_gather_add (reduce_window max's JVP); covered by "
     'reduce_window derivatives in test_jax_lax_vmap_suite.py::reduce_window_max_pad'),
    ('LaxVmapTest', 'testFft',
     'here: test_same_results_as_jax[fft_types]'),
    ('LaxVmapTest', 'testShapeUsesBuiltinInt',
     'here: test_shapes_are_python_ints'),
    ('LaxVmapTest', 'testBroadcastShapesReturnsPythonInts',
     'here: test_shapes_are_python_ints'),
    ('LaxVmapTest', 'testBroadcastShapesFaultyInputs',
     'here: '
     'test_refused_where_jax_refuses[broadcast_shapes_negative,broadcast_shapes_string]'),
    ('LaxVmapTest', 'testSelectAndScatterAdd',
     "n/a: JAX-internal _select_and_scatter_add (reduce_window max's transpose)"),
    ('LaxVmapTest', 'test_optimization_barrier_vmap',
     'here: test_same_results_as_jax[optimization_barrier]'),
    ('LaxVmapTest', 'test_optimization_barrier_vmap_out_axes',
     'here: test_same_results_as_jax[optimization_barrier]'),
    ('LaxVmapTest', 'test_variadic_reduce_window',
     'differs: reduce_window takes one operand, here: '
     'test_refused_where_jax_refuses[reduce_window_variadic_refused]'),
)


class _Lib:
    def __init__(self, T, np_, lax):
        self.T, self.np, self.lax = T, np_, lax


GPUAD = _Lib(ad, gnp, ad.lax)
JAX = _Lib(jax, jnp, jax.lax)


def _host(x):
    if isinstance(x, ad.Tensor):
        return np.asarray(to_numpy(x))
    return np.asarray(x.get() if hasattr(x, "get") else x)


def assert_same(got, want, tol=1e-10, dtypes=True):
    g, gdef = jax.tree_util.tree_flatten(got, is_leaf=lambda v: isinstance(v, ad.Tensor))
    w, wdef = jax.tree_util.tree_flatten(want)
    assert len(g) == len(w), (gdef, wdef)
    for a, b in zip(g, w, strict=True):
        a, b = _host(a), _host(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        if dtypes:
            assert a.dtype == b.dtype, (a.dtype, b.dtype)
        if a.dtype.kind in "biu" and b.dtype.kind in "biu":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol, equal_nan=True)


CASES: dict = {}


def case(fn=None, *, tol=1e-10, dtypes=True):
    def put(f):
        CASES[f.__name__] = (f, tol, dtypes)
        return f
    return put(fn) if fn is not None else put


def _r(seed):
    return np.random.default_rng(seed)


def _grads(M, f, args, argnums=0):
    """Reverse-mode gradient and a forward-mode JVP of a real scalar ``f`` (fixed tangents)."""
    T = M.T
    tans = tuple(np.cos(np.arange(np.size(a)) + 1.0).reshape(np.shape(a)) for a in args)
    jv = T.jvp(f, tuple(args), tans)[1]
    return [T.grad(f, argnums=argnums)(*args), jv]


# ---- values and derivatives against JAX ----------------------------------------------------

@case(tol=1e-7)
def even_function_grads(M):
    L, T = M.lax, M.T
    x = np.arange(0.0, 80.0, 1.0)
    out = []
    for op in (L.logistic, L.tanh):
        g = T.vmap(T.grad(lambda v, op=op: op(v, accuracy=L.AccuracyMode.HIGHEST)))
        out += [g(x), g(-x)]
    return out


@case(tol=1e-12)
def expm1_grad_is_exp(M):
    L, T = M.lax, M.T
    x = np.arange(-80.0, 80.0, 1.0)
    return [T.vmap(T.grad(lambda v: L.expm1(v, accuracy=L.AccuracyMode.HIGHEST)))(x),
            T.vmap(T.grad(lambda v: L.exp(v)))(x)]


@case
def convert_element_type(M):
    L = M.lax
    x = _r(1).normal(size=(2, 3)) * 3
    i = _r(2).integers(-9, 9, (2, 3)).astype(np.int32)
    out = [L.convert_element_type(2**32, "int32")]
    for a in (x, i, x.astype(np.float32)):
        for t in (np.float32, np.int32, "float32", "int32"):
            out.append(L.convert_element_type(a, t))
    return out


@case
def bitcast_convert_type(M):
    L = M.lax
    f32 = (np.arange(24, dtype=np.float32) - 7.5).reshape(2, 3, 4)
    return [L.bitcast_convert_type(f32, np.int32), L.bitcast_convert_type(f32, np.uint8),
            L.bitcast_convert_type(f32.view(np.int8).reshape(2, 3, 4, 4), np.float32),
            L.bitcast_convert_type(f32.astype(np.float16), np.int16),
            L.bitcast_convert_type(np.arange(8, dtype=np.int8).reshape(2, 4), np.int32)]


@case
def clamp(M):
    L = M.lax
    x = _r(3).normal(size=(2, 3))
    lo, hi = _r(4).normal(size=(2, 3)) - 1, _r(5).normal(size=(2, 3)) + 1
    i = np.arange(6, dtype=np.int32).reshape(2, 3)
    f = lambda a, b, c: (L.clamp(b, a, c) ** 2).sum()  # noqa: E731
    return [L.clamp(-0.5, x, 0.5), L.clamp(lo, x, 0.5), L.clamp(-0.5, x, hi),
            L.clamp(lo, x, hi), L.clamp(np.int32(1), i, np.int32(4)),
            *_grads(M, f, (x, lo, hi), argnums=(0, 1, 2))]


@case
def split(M):
    L = M.lax
    x = _r(6).normal(size=(2, 10, 3))
    f = lambda v: sum((p * (k + 1)).sum() for k, p in enumerate(L.split(v, (2, 0, 5, 3), 1)))  # noqa: E731
    return [L.split(x, (2, 0, 5, 3), axis=1), L.split(x, (2,), axis=0), L.split(x, (), axis=2)
            if False else L.split(x, (3,), axis=2), *_grads(M, lambda v: f(v) ** 2, (x,))]


@case
def conv_preferred_element_type(M):
    L = M.lax
    x = _r(7).normal(size=(2, 3, 9, 10)).astype(np.float32)
    y = _r(8).normal(size=(2, 3, 4, 5)).astype(np.float32)
    xi, yi = (x * 3).astype(np.int32), (y * 3).astype(np.int32)
    return [L.conv(x, y, (1, 1), "VALID", preferred_element_type=np.float64),
            L.conv(xi, yi, (1, 1), "VALID", preferred_element_type=np.int64),
            L.conv(x.astype(np.float64), y.astype(np.float64), (1, 1), "VALID")]


@case
def conv_0d_groups(M):
    L = M.lax
    out = []
    for bg, fg in [(1, 1), (2, 1), (1, 2)]:
        lhs = _r(9).normal(size=(3 * bg, 2 * fg))
        rhs = _r(10).normal(size=(2 * fg * bg, 2))
        out.append(L.conv_general_dilated(lhs, rhs, (), (), dimension_numbers=("NC", "OI", "NC"),
                                          feature_group_count=fg, batch_group_count=bg))
    return out


@case
def conv_patches_overlapping(M):
    L = M.lax
    dn = ("NHC", "OIH", "NHC")
    lhs = np.arange(1.0, 6.0).reshape((1, -1, 1))
    img = np.arange(1.0, 7.0).reshape((1, 2, 3, 1))
    return [L.conv_general_dilated_patches(np.array([[1.0]]), (), (), "SAME"),
            L.conv_general_dilated_patches(lhs, (2,), (2,), "VALID", dimension_numbers=dn),
            L.conv_general_dilated_patches(lhs, (3,), (1,), "SAME", dimension_numbers=dn),
            L.conv_general_dilated_patches(lhs, (3,), (1,), "SAME", rhs_dilation=(2,),
                                           dimension_numbers=dn),
            L.conv_general_dilated_patches(img, (2, 2), (1, 1), "SAME",
                                           dimension_numbers=("NHWC", "OIHW", "NHWC"))]


@case
def conv_patches_non_overlapping(M):
    L = M.lax
    out = []
    for k, (shape, fs, st, pad, dn) in enumerate([
            ((2, 5), (), (), [], ("NC", "OI", "CN")),
            ((2, 3, 4), (2,), (2,), [(0, 2)], ("CNH", "OHI", "HNC")),
            ((3, 1, 4, 5), (1, 3), (1, 3), [(3, 1), (2, 2)], ("NCHW", "OIHW", "NCHW")),
            ((3, 2, 5, 6), (4, 3), (4, 3), [(5, 2), (2, 4)], None),
            ((1, 2, 3, 4), (3, 2), (1, 1), [(0, 0), (0, 0)], ("CWHN", "HOWI", "NCHW")),
            ((2, 3, 4, 5, 6), (2, 1, 3), (2, 1, 3), [(1, 2), (5, 3), (3, 5)],
             ("NHWDC", "HDIWO", "DCWNH"))]):
        x = _r(20 + k).normal(size=shape)
        f = partial(L.conv_general_dilated_patches, filter_shape=fs, window_strides=st,
                    padding=pad, dimension_numbers=dn)
        out.append(f(x))
        if k in (1, 2):
            out += _grads(M, lambda v, f=f: (f(v) ** 2 * np.pi).sum(), (x,))
    return out


@case
def conv_0d_is_dot(M):
    L = M.lax
    a, b = _r(11).normal(size=(10, 5)), _r(12).normal(size=(5, 7))
    f = partial(L.conv_general_dilated, window_strides=(), padding="VALID",
                dimension_numbers=("NC", "IO", "NC"))
    return [f(a, b), a @ b]


@case
def grad_conv_0d(M):
    L, T = M.lax, M.T
    lhs, rhs = np.ones((2, 5)), np.ones((5, 10))

    def f(lhs, rhs):
        return L.conv_general_dilated(
            lhs, rhs, window_strides=(), padding=(), lhs_dilation=(), rhs_dilation=(),
            dimension_numbers=L.ConvDimensionNumbers((0, 1), (1, 0), (0, 1)),
            batch_group_count=1, feature_group_count=1, precision=None,
            preferred_element_type=None)
    res, pullback = T.vjp(f, lhs, rhs)
    return [pullback(M.np.ones_like(res)), (lhs * 10.0, rhs * 2.0)]


@case
def conv_transpose_via_grad(M):
    """conv_transpose's values and derivatives (JAX checks its values against the lhs-gradient
    of a convolution, _conv_transpose_via_grad)."""
    L = M.lax
    out = []
    for k, (lhs_s, rhs_s, st, pad, dn, rd, tk) in enumerate([
            ((2, 9, 10, 3), (3, 3, 2, 3), (2, 1), "SAME", ("NHWC", "HWIO", "NHWC"), None, True),
            ((2, 9, 10, 3), (4, 4, 3, 2), (1, 2), ((1, 2), (0, 1)), ("NHWC", "HWIO", "NHWC"),
             (2, 2), False),
            ((2, 10, 3), (3, 3, 2), (2,), "VALID", ("NHC", "HIO", "NHC"), (2,), False),
            ((3, 2), (2, 3), (), "VALID", ("NC", "IO", "NC"), None, False)]):
        x, w = _r(30 + k).normal(size=lhs_s), _r(40 + k).normal(size=rhs_s)
        f = partial(L.conv_transpose, strides=st, padding=pad, rhs_dilation=rd,
                    dimension_numbers=dn, transpose_kernel=tk)
        out.append(f(x, w))
        out += _grads(M, lambda a, b, f=f: (f(a, b) ** 2).sum(), (x, w), argnums=(0, 1))
    return out


@case
def conv_padding_list(M):
    L = M.lax
    a, b = np.ones((28, 28)), np.ones((3, 3))
    return [L.conv_general_dilated(a[None, None], b[None, None], (1, 1), [(0, 0), (0, 0)],
                                   (1, 1))]


@case
def dot_precision_string_keeps_dtype(M):
    L = M.lax
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    return [L.dot(a, a.T, precision=L.Precision.HIGHEST), L.dot(a, a.T, precision=None)]


@case
def dot_preferred_element_type(M):
    L = M.lax
    out = []
    for ls, rs in [((3,), (3,)), ((4, 3), (3,)), ((4, 3), (3, 6))]:
        a, b = _r(50).normal(size=ls), _r(51).normal(size=rs)
        ai, bi = (a * 4).astype(np.int32), (b * 4).astype(np.int32)
        out += [L.dot(a.astype(np.float32), b.astype(np.float32),
                      preferred_element_type=np.float64),
                L.dot(ai, bi, preferred_element_type=np.int64),
                L.dot(ai, bi, preferred_element_type=np.float64)]
    return out


@case
def dot_general_contract_only(M):
    L = M.lax
    out = []
    for k, (ls, rs, lc, rc) in enumerate([
            [(5,), (5,), [0], [0]], [(5, 7), (5,), [0], [0]], [(7, 5), (5,), [1], [0]],
            [(3, 5), (2, 5), [1], [1]], [(5, 3), (5, 2), [0], [0]],
            [(5, 3, 2), (5, 2, 4), [0], [0]], [(5, 3, 2), (5, 2, 4), [0, 2], [0, 1]],
            [(5, 3, 2), (3, 5, 2, 4), [0, 2], [1, 2]], [(1, 2, 2, 3), (1, 2, 3, 1), [1], [1]],
            [(3, 2), (2, 4), [1], [0]]]):
        a, b = _r(60 + k).normal(size=ls), _r(70 + k).normal(size=rs)
        f = partial(L.dot_general, dimension_numbers=((lc, rc), ([], [])))
        out.append(f(a, b))
        out.append(f((a * 3).astype(np.int32), (b * 3).astype(np.int32)))
        if k in (6, 7):
            out += _grads(M, lambda x, y, f=f: (f(x, y) ** 2).sum(), (a, b), argnums=(0, 1))
    return out


@case
def dot_general_contract_and_batch(M):
    L = M.lax
    out = []
    for k, (ls, rs, dn) in enumerate([
            ((3, 3, 2), (3, 2, 4), (([2], [1]), ([0], [0]))),
            ((3, 3, 2), (2, 3, 4), (([2], [0]), ([0], [1]))),
            ((3, 4, 2, 4), (3, 4, 3, 2), (([2], [3]), ([0, 1], [0, 1])))]):
        a, b = _r(80 + k).normal(size=ls), _r(90 + k).normal(size=rs)
        c = a + 1j * _r(95 + k).normal(size=ls)
        f = partial(L.dot_general, dimension_numbers=dn)
        out += [f(a, b), f(c, b.astype(np.complex128)),
                *_grads(M, lambda x, y, f=f: (f(x, y) ** 3).sum(), (a, b), argnums=(0, 1))]
    return out


@case
def broadcast_in_dim_operand_shape_transpose(M):
    L, T = M.lax, M.T
    x = np.ones((1, 3, 1)) * np.array([1.0, 2.0, 3.0])[:, None]
    f = lambda x: (L.broadcast_in_dim(x, (2, 3, 4), broadcast_dimensions=(0, 1, 2)) ** 2).sum()  # noqa: E731
    g = lambda x: (L.broadcast_in_dim(x.reshape((3,)), (2, 3, 4), (1,)) ** 2).sum()  # noqa: E731
    return [T.grad(f)(x), T.grad(g)(x)]


@case
def tile(M):
    L = M.lax
    out = []
    for k, (shape, reps) in enumerate([[(3,), (2,)], [(2, 3), (1, 0)], [(2, 3), (1, 2)],
                                       [(2, 3), (2, 1)], [(2, 1, 3), (1, 2, 3)],
                                       [(1, 1, 4), (1, 3, 1)]]):
        x = _r(100 + k).normal(size=shape)
        out += [L.tile(x, reps), L.tile((x * 5).astype(np.int32), reps)]
        out += _grads(M, lambda v, reps=reps: (L.tile(v, reps) ** 3).sum(), (x,))
    return out


@case
def squeeze_with_grads(M):
    L = M.lax
    out = []
    for k, (shape, dims) in enumerate([[(1,), (0,)], [(1,), (-1,)], [(2, 1, 4), (1,)],
                                       [(2, 1, 3, 1), (1,)], [(2, 1, 3, 1), (1, 3)],
                                       [(2, 1, 3, 1), (3,)]]):
        x = _r(110 + k).normal(size=shape)
        out += [L.squeeze(x, dims),
                *_grads(M, lambda v, d=dims: (L.squeeze(v, d) ** 3).sum(), (x,))]
    return out


@case
def squeeze_empty_dimensions(M):
    L, T = M.lax, M.T
    return [L.squeeze(np.arange(5), ()), L.squeeze(2.0, ()), L.squeeze(np.float32(2.0), ()),
            T.jit(lambda x: L.squeeze(x, ()))(np.arange(5))]


@case
def round_methods(M):
    L = M.lax
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], dtype=np.float32)
    return [L.round(x, L.RoundingMethod.AWAY_FROM_ZERO),
            L.round(x, L.RoundingMethod.TO_NEAREST_EVEN), L.round(x.astype(np.float64), 1),
            L.round(x)]


@case
def pad_configs(M):
    L = M.lax
    out = []
    for k, (shape, pads) in enumerate([
            ((0, 2), [(1, 2, 1), (0, 1, 0)]), ((2, 3), [(1, 2, 1), (0, 1, 0)]),
            ((2,), [(1, 2, 0)]), ((1, 2), [(1, 2, 0), (3, 4, 0)]),
            ((1, 2), [(0, 0, 0), (0, 0, 0)]), ((2,), [(1, 2, 3)]),
            ((3, 2), [(1, 2, 1), (3, 4, 2)]), ((2,), [(-1, 2, 0)]),
            ((4, 2), [(-1, -2, 0), (1, 2, 0)]), ((4, 2), [(-1, 2, 0), (1, 2, 2)]),
            ((5,), [(-1, -2, 2)]), ((4, 2), [(-1, -2, 1), (1, 2, 2)]),
            ((2, 3), [(0, 0, 0), (-2, -2, 4)]), ((2, 3), [(0, 0, 0), (-2, -3, 1)])]):
        x = _r(120 + k).normal(size=shape)
        out += [L.pad(x, 0.5, pads), L.pad((x * 4).astype(np.int32), np.int32(7), pads)]
        if x.size and k % 3 == 0:
            out += _grads(M, lambda v, c, p=pads: (L.pad(v, c, p) ** 2).sum(), (x, 0.5),
                          argnums=(0, 1))
    return out


@case
def rev(M):
    L, T = M.lax, M.T
    f = lambda x: L.rev(x * np.array([2, 5]), (0,))  # noqa: E731
    x = np.array([[1, 2, 3], [4, 5, 6]])
    return [T.jit(lambda o: L.rev(o, ()))(np.array([0, 1, 2, 3])),
            T.jit(lambda o: L.rev(o, (0,)))(np.array([1, 2, 3])),
            T.jit(lambda o: L.rev(o, (0, 1)))(x), f(np.array([1, 2])),
            T.jit(f)(np.array([1, 2]))]


@case
def select_n_int_predicate(M):
    L = M.lax
    out = []
    for shape in [(), (3,), (2, 3)]:
        for n in (1, 2, 6):
            cases = [_r(130 + n).normal(size=shape) + 10 * k for k in range(n)]
            which = np.asarray(_r(140 + n).integers(0, n, shape), np.int32)
            out.append(L.select_n(which, *cases))
            if n <= 2:
                out.append(L.select_n(np.asarray(which, bool), *cases))
                out.append(L.select_n(np.bool_(True), *cases))
    return out


@case
def dynamic_slice_forms(M):
    L = M.lax
    x = np.arange(42, dtype=np.int32).reshape(6, 7)
    return [L.dynamic_slice_in_dim(x, 2, 3), L.dynamic_slice(x, [2, 3], np.array([2, 2])),
            L.dynamic_slice(x, np.array([4, 6]), (2, 2)), L.dynamic_slice(x, (-9, 1), (3, 3)),
            L.dynamic_index_in_dim(x, 2, 1, keepdims=False)]


@case
def dynamic_update_slice_batched(M):
    L, T = M.lax, M.T
    x, y, ind = np.arange(5), np.arange(6, 9), np.arange(6)
    return [T.vmap(L.dynamic_update_slice, (None, None, 0))(x, y, (ind,)),
            np.vstack([np.asarray(_host(L.dynamic_update_slice(x, y, (i,)))) for i in ind])]


@case
def transpose_array_permutation(M):
    L = M.lax
    return [L.transpose(np.ones((2, 3)), np.array([1, 0]))]


@case
def reduce_window_scalar(M):
    L = M.lax
    x = np.float64(1.25)
    return [L.reduce_window(x, 0.0, L.add, (), (), (), (), ())]


@case(tol=1e-9)
def reduce_window_custom_monoids_jvp(M):
    """A computation written as a function of two values (JAX's _reduce_custom_add/mul/max/
    min) gives the monoid's values and derivatives."""
    L, T = M.lax, M.T
    x = _r(150).normal(size=(4, 6))
    t = _r(151).normal(size=(4, 6))
    out = []
    for init, op in [(1.0, lambda a, b: a + b), (0.0, lambda a, b: a * b),
                     (-np.inf, lambda a, b: M.np.maximum(a, b)), (0.0, L.add),
                     (np.inf, lambda a, b: M.np.minimum(a, b)), (-np.inf, L.max)]:
        for dims, st, pad, bd, wd in [((2, 1), (1, 1), "SAME", (2, 3), (1, 2)),
                                      ((1, 2), (2, 1), [(0, 3), (1, 2)], (1, 1), (1, 1))]:
            f = lambda v, op=op, init=init, a=(dims, st, pad, bd, wd): L.reduce_window(  # noqa: E731
                v, init, op, *a)
            out += [*T.jvp(f, (x,), (t,))]
    return out


@case
def reduce_window_shape_dilation(M):
    L = M.lax
    out = []
    for shape, wd, bd, wdil in [((4, 6), (3, 4), (2, 13), (40, 60)),
                                ((4, 6), (1, 1), (1, 2), (1, 1)),
                                ((3, 2, 4, 6), (2, 1, 2, 1), (30, 40, 3, 2), (1, 2, 2, 1))]:
        x = np.ones(shape)
        out.append(L.reduce_window(x, 0.0, L.add, wd, (1,) * len(shape), "SAME"))
        out.append(L.reduce_window(x, 0.0, L.add, wd, (1,) * len(shape), "SAME", bd, wdil))
    return out


@case
def reduce_window_empty_output(M):
    L = M.lax
    x = np.ones((5, 3, 2))
    return [L.reduce_window(x, 0.0, L.add, (3, 1, 1), (1, 1, 1), "VALID",
                            window_dilation=(3, 1, 1))]


@case
def cumulative_reductions(M):
    L = M.lax
    out = [L.cumsum(L.full((1,), 1))]
    for shape in [(10,), (3, 4, 5)]:
        x = _r(160 + len(shape)).normal(size=shape)
        xi = np.asarray(_r(170).integers(-4, 5, shape), np.int32)
        for axis in range(len(shape)):
            for rev_ in (False, True):
                for op in (L.cumsum, L.cumprod, L.cummax, L.cummin, L.cumlogsumexp):
                    out.append(op(x, axis=axis, reverse=rev_))
                    if op is not L.cumlogsumexp:
                        out.append(op(xi, axis=axis, reverse=rev_))
                if len(shape) == 3 and axis == 1:
                    f = lambda v, a=axis, r=rev_: (L.cumsum(v, a, r) * L.cumprod(v, a, r)  # noqa: E731
                                                   + L.cumlogsumexp(v, a, r)).sum()
                    out += _grads(M, f, (x,))
    return out


@case
def sort_float_special_values(M):
    L, T = M.lax, M.T
    x = np.array([-np.inf, 0.0, -0.0, np.inf, np.nan, -np.nan])
    argsort = lambda v: L.sort_key_val(v, L.iota(np.int32, v.size), is_stable=True)[1]  # noqa: E731
    return [argsort(x), T.jit(argsort)(x), L.sort(x)]


@case
def sort_key_val_unique_keys(M):
    L = M.lax
    out = []
    for shape in [(3,), (5, 3)]:
        for kd in (np.float64, np.float32, np.int32, np.int64, np.uint32):
            keys = _r(180).permutation(int(np.prod(shape))).reshape(shape).astype(kd)
            for vd in (np.float32, np.int32, np.uint32):
                vals = np.asarray(_r(181).integers(0, 50, shape), vd)
                for st in (False, True):
                    out.append(L.sort_key_val(keys, vals, len(shape) - 1, st))
        kc = keys.astype(np.complex128) * (1 - 1j)
        out.append(L.sort_key_val(kc, vals, -1))
    k, v = _r(182).permutation(15).reshape(5, 3) * 1.0, _r(183).normal(size=(5, 3))
    out += _grads(M, lambda a, b: (L.sort_key_val(a, b, 0)[1] * np.arange(3.0)).sum()
                  + (L.sort_key_val(a, b, 0)[0] ** 2).sum(), (k, v), argnums=(0, 1))
    return out


@case
def sort_num_keys(M):
    L = M.lax
    out = []
    for shape in [(3, 5), (4, 3)]:
        x = np.round(_r(190 + shape[0]).normal(size=shape) * 1.5)
        for nk in range(1, shape[0] + 1):
            out.append(L.sort(tuple(x), num_keys=nk))
            out.append(L.sort(tuple(x.astype(np.int32)), num_keys=nk))
    return out


@case
def top_k_axes(M):
    L = M.lax
    out = []
    for shape in [(20,), (8, 20), (2000,)]:
        x = _r(200 + len(shape)).permutation(int(np.prod(shape))).reshape(shape)
        for k in (1, 3, 8):
            for axis in (0, -1):
                for dt in (np.float32, np.int32, np.uint32, np.float64):
                    out.append(L.top_k(x.astype(dt), k=k, axis=axis))
    xf = _r(210).normal(size=(4, 6))
    out += _grads(M, lambda v: (L.top_k(v, 3, axis=0)[0] ** 2).sum(), (xf,))
    return out


@case
def batch_matmul(M):
    L = M.lax
    out = []
    for k, (ls, rs) in enumerate([((3, 2), (2, 4)), ((5, 3, 2), (5, 2, 4)),
                                  ((1, 2, 2, 3), (1, 2, 3, 1))]):
        a, b = _r(220 + k).normal(size=ls), _r(230 + k).normal(size=rs)
        out += [L.batch_matmul(a, b),
                *_grads(M, lambda x, y: (L.batch_matmul(x, y) ** 2).sum(), (a, b), (0, 1))]
    return out


@case
def collapse(M):
    L, T = M.lax, M.T
    f = T.jit(lambda x: L.collapse(x, 0, 2))
    g = T.jit(lambda x: L.collapse(x, -2))
    return [f(np.zeros((2, 3))), f(np.zeros((2, 3, 4))), f(np.zeros((1, 2, 3, 4))),
            g(np.zeros((4, 3, 2, 5))), L.collapse(np.arange(24.0).reshape(2, 3, 4), 1, 3)]


@case
def gather_dimension_numbers(M):
    L = M.lax
    G = L.GatherDimensionNumbers
    out = []
    for k, (shape, idxs, dn, ss) in enumerate([
            ((5,), np.array([[0], [2]]), G(offset_dims=(), collapsed_slice_dims=(0,),
                                           start_index_map=(0,)), (1,)),
            ((10,), np.array([[0], [0], [0]]), G(offset_dims=(1,), collapsed_slice_dims=(),
                                                 start_index_map=(0,)), (2,)),
            ((10, 5), np.array([[0], [2], [1]]), G(offset_dims=(1,), collapsed_slice_dims=(0,),
                                                   start_index_map=(0,)), (1, 3)),
            ((10, 5), np.array([[0, 2], [1, 0]]), G(offset_dims=(1,), collapsed_slice_dims=(0,),
                                                    start_index_map=(0, 1)), (1, 3)),
            ((2, 5), np.array([[[0], [2]], [[1], [1]]]),
             G(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
               operand_batching_dims=(0,), start_indices_batching_dims=(0,)), (1, 1)),
            ((2, 3, 10), np.array([[[0], [1]], [[2], [3]], [[4], [5]]]),
             G(offset_dims=(2,), collapsed_slice_dims=(), start_index_map=(2,),
               operand_batching_dims=(0, 1), start_indices_batching_dims=(1, 0)), (1, 1, 3)),
            ((0,), np.zeros((0, 1), dtype=np.int32), G(offset_dims=(), collapsed_slice_dims=(0,),
                                                       start_index_map=(0,)), (1,))]):
        x = _r(240 + k).normal(size=shape)
        f = partial(L.gather, dimension_numbers=dn, slice_sizes=ss)
        out += [f(x, idxs), f((x * 4).astype(np.int32), idxs)]
        if x.size:
            out += _grads(M, lambda v, f=f, i=idxs: (f(v, i) ** 2).sum(), (x,))
    return out


@case
def scatter_family(M):
    L = M.lax
    S = L.ScatterDimensionNumbers
    out = []
    for k, (shape, idxs, us, dn) in enumerate([
            ((5,), np.array([[0], [2]]), (2,), S(update_window_dims=(), inserted_window_dims=(0,),
                                                 scatter_dims_to_operand_dims=(0,))),
            ((10,), np.array([[0], [0], [0]]), (3, 2),
             S(update_window_dims=(1,), inserted_window_dims=(),
               scatter_dims_to_operand_dims=(0,))),
            ((10, 5), np.array([[0], [2], [1]], dtype=np.uint64), (3, 3),
             S(update_window_dims=(1,), inserted_window_dims=(0,),
               scatter_dims_to_operand_dims=(0,))),
            ((2, 5), np.array([[[0], [2]], [[1], [1]]]), (2, 2),
             S(update_window_dims=(), inserted_window_dims=(1,), scatter_dims_to_operand_dims=(1,),
               operand_batching_dims=(0,), scatter_indices_batching_dims=(0,))),
            ((2, 3, 10), np.array([[[0], [1]], [[2], [3]], [[4], [5]]]), (3, 2, 3),
             S(update_window_dims=(2,), inserted_window_dims=(), scatter_dims_to_operand_dims=(2,),
               operand_batching_dims=(0, 1), scatter_indices_batching_dims=(1, 0)))]):
        x = _r(250 + k).normal(size=shape)
        u = _r(260 + k).normal(size=us)
        for op in (L.scatter_add, L.scatter_sub):
            for mode in ("clip", "fill", None):
                out.append(op(x, idxs, u, dimension_numbers=dn, mode=mode))
        out += [L.scatter_min(x, idxs, u, dn), L.scatter_max(x, idxs, u, dn),
                L.scatter_mul(x, idxs, u, dn),
                L.scatter_apply(x, idxs, func=M.np.sin, update_shape=us,
                                dimension_numbers=dn)]
        if k != 1:  # repeated indices: which update L.scatter keeps is unspecified
            out.append(L.scatter(x, idxs, u, dn))
            out += _grads(M, lambda a, b, i=idxs, d=dn: (L.scatter(a, i, b, d) ** 2).sum(),
                          (x, u), (0, 1))
        out += _grads(M, lambda a, b, i=idxs, d=dn: (L.scatter_add(a, i, b, d) ** 3).sum(),
                      (x, u), (0, 1))
    return out


@case
def jit_of_fori_loop_inside_jit(M):
    T, L = M.T, M.lax

    def f(x):
        g = lambda *args: args[1]  # noqa: E731
        return T.jit(L.fori_loop, static_argnums=(2,))(0, 10, g, x)
    return [T.jit(f)(1.0)]


@case
def reduce_pytrees(M):
    L = M.lax
    ops = {"x": [np.ones(5), np.arange(5)]}
    inits = {"x": [0.0, 0]}
    return [L.reduce(ops, inits, lambda a, b: jax.tree_util.tree_map(L.add, a, b), [0])]


@case
def select_jvp(M):
    L, T = M.lax, M.T
    return [T.jvp(lambda x: L.select(True, x, x), (1.0,), (1.0,)),
            T.jvp(lambda x: L.select(np.array([True, False]), x, -x), (np.ones(2),),
                  (np.arange(2.0),))]


@case
def igamma_at_infinity(M):
    L = M.lax
    return [L.igamma(1.0, np.inf), L.igammac(1.0, np.inf)]


@case
def regression_5728_select_pad(M):
    L, T = M.lax, M.T

    def f(inputs):
        o = L.slice_in_dim(inputs, 0, 15, axis=-1)
        mask = L.slice_in_dim(inputs, 7, 22, axis=-1)
        o = L.select(L.eq(mask, np.float32(0)), L.broadcast(np.float32(42), (1, 15)), o)
        return L.pad(o, np.float32(42), [(0, 0, 0), (0, 15, 0)])
    x = np.zeros((1, 24), dtype=np.float32)
    return [T.jit(f)(x), f(x)]


@case
def dynamic_slice_unsigned_indices(M):
    L = M.lax
    x = np.arange(200)
    return [L.dynamic_slice(x, [np.uint32(128)], [1]), L.dynamic_slice(x, np.uint8([128]), (1,)),
            L.dynamic_slice(x, [np.uint8(250)], (3,))]


@case
def hessian_of_remat_dot_general(M):
    L, T = M.lax, M.T

    @T.checkpoint
    def f(x):
        return L.dot_general(x, x, (([], []), ([], [])))
    return [T.hessian(f)(1.5)]


@case
def complex_vjp_inside_scan(M):
    L, T, n = M.lax, M.T, M.np
    z0 = (np.arange(72.0).reshape(9, 8) / 10 + 1j * np.cos(np.arange(72.0)).reshape(9, 8))

    def g(h):
        aug = n.vstack((h[0], h))
        diff = aug[:-1] - h
        return n.asarray(n.trace(n.conj(diff).T @ diff).real, dtype=n.complex128)

    def step(carry, _):
        _, f_vjp = T.vjp(g, z0)
        return carry + f_vjp(np.array(1.0 + 0j))[0].sum().real, carry
    return [L.scan(step, 0.0, np.arange(4.0))]


@case
def optimization_barrier(M):
    L, T = M.lax, M.T

    def f(x):
        y = 1.0 * x
        x, y = L.optimization_barrier((x, y))
        return y + 2.0 * x
    x = np.arange(8.0)
    y = x.reshape(1, 8)
    return [L.optimization_barrier((2, 3)), T.grad(f)(5.0),
            T.vmap(L.optimization_barrier)(np.arange(6.0).reshape(3, 2)),
            T.vmap(L.optimization_barrier, in_axes=((0, 1),), out_axes=(0, 1))((x, y))]


@case
def shape_as_value(M):
    L = M.lax
    return [L.shape_as_value(()), L.shape_as_value((2,)), L.shape_as_value((2, 3))]


@case
def stop_gradient_on_ints(M):
    L, T, n = M.lax, M.T, M.np

    def loss(x):
        i = n.round(x).astype(np.int32)
        y_ng, i_ng = L.stop_gradient((x * 2, i))
        return n.sum(x * y_ng) + i_ng.sum()
    return [T.grad(loss)(np.arange(3.0) + 0.25)]


@case
def full_constants(M):
    L, T = M.lax, M.T
    out = []
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        for fill in (0, 1, np.pi):
            for dt in (np.float32, np.float64, np.int32, np.complex64, None):
                if dt is None and isinstance(fill, float):
                    continue  # a Python float's dtype: float64 in both, compared below
                c = L.full(shape, fill, dt)
                out += [c, L.add(L.full(shape, 0, np.asarray(c).dtype if dt is None else dt), c),
                        T.jit(lambda z, s=shape, f=fill, d=dt: L.add(z, L.full(s, f, d)))(
                            np.zeros((), dt or np.asarray(c).dtype))]
    out.append(L.full((2, 3), np.pi, None))
    return out


@case
def iota_constants(M):
    L = M.lax
    out = []
    for shape in [(3,), (2, 3), (2, 3, 4)]:
        for dim in range(len(shape)):
            for dt in (np.float32, np.int32, np.float64, np.uint8):
                out.append(L.broadcasted_iota(dt, shape, dim))
    return out


@case
def broadcast_in_dim_constant(M):
    L = M.lax
    arr = L.full((2, 1), 1.0) + 1.0
    return [L.broadcast_in_dim(arr, (2, 1, 3), (0, 2))]


@case
def argminmax_negative_axis(M):
    L = M.lax
    x = _r(270).normal(size=(2, 3))
    return [L.argmax(x, 1, np.int32), L.argmin(x, 1, np.int32)]


@case
def argmax_of_nan(M):
    L = M.lax
    return [L.argmax(np.array([0.0, np.nan]), axis=0, index_dtype=np.int32),
            L.argmin(np.array([0.0, np.nan, -1.0]), axis=0, index_dtype=np.int32),
            L.argmax(np.array([[1.0, np.nan], [np.nan, 2.0]]), 1, np.int64)]


_UNARY = ["neg", "sign", "floor", "ceil", "round", "is_finite", "exp", "exp2", "log", "log1p",
          "expm1", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
          "cosh", "asinh", "atanh", "lgamma", "digamma", "erf", "erfc", "erf_inv", "sqrt",
          "rsqrt", "cbrt", "abs", "square", "bessel_i0e", "bessel_i1e"]


@case(tol=2e-7)
def unary_ops_of_python_scalars(M):
    L = M.lax
    out = []
    for name in _UNARY:
        op = getattr(L, name)
        v = 0.5 if name not in ("acosh",) else 1.5
        out += [op(v), op(L.full((), v, np.float64)), op(np.float32(v))]
    out += [L.neg(3), L.sign(-2), L.abs(-4), L.population_count(7), L.bitwise_not(True)]
    return out


@case
def clz(M):
    L = M.lax
    out = []
    for dt in (np.int8, np.uint8, np.int16, np.int32, np.uint32, np.int64, np.uint64):
        info = np.iinfo(dt)
        vals = [0, 1, 2, 3, 7, 8, info.max, info.min, info.max // 3] + (
            [-1, -5] if info.min < 0 else [])
        out.append(L.clz(np.array(vals, dt)))
    return out


@case(tol=0)
def log1p_near_zero(M):
    """log1p of a small complex argument keeps its digits (NumPy's complex log1p does not)."""
    L = M.lax
    return [L.log1p(np.float32(1e-5)), L.log1p(np.float64(1e-12)),
            L.log1p(np.array([1e-10 + 0j, 1e-8j, -1e-12 + 3e-9j]))]


@case
def vmap_take_int8_indices(M):
    T, n = M.T, M.np
    size = int(np.iinfo(np.int8).max) + 10
    return [T.vmap(lambda x, i: n.take(x, i, axis=0))(np.zeros((size, 1)),
                                                       np.zeros(size, np.int8))]


@case
def composite(M):
    L, T, n = M.lax, M.T, M.np
    sq = L.composite(lambda x: x ** 2, name="my.square")

    @partial(L.composite, name="my.square", version=1)
    def sq1(x):
        return x ** 2

    @partial(L.composite, name="my.top_k")
    def my_top_k(x, *, k):
        return L.top_k(x, k)

    @partial(L.composite, name="my.one")
    def one():
        return n.array(1.0, dtype=np.float32)

    @partial(L.composite, name="my.ident")
    def ident(*args):
        return args

    @partial(L.composite, name="my.consts")
    def consts(x, *, scale):
        return n.round(x / scale)

    def tangent(x):
        def decomposition(x, **_):
            return L.sin(x) / L.cos(x)
        return L.composite(decomposition, "my.tangent")(
            x, dtype=np.dtype(np.float32), int=1, omit=None, str="bar",
            tensor=np.zeros((1, 2), dtype=np.float32))

    x = np.array(2.0, dtype=np.float32)
    v = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)
    scale = np.array([0.5, 0.4, 0.3], dtype=np.float32)
    return [sq(x), sq1(x), T.jit(sq)(x), T.jit(my_top_k, static_argnames=["k"])(v, k=3),
            one(), ident(x, 2 * x, 3 * x), consts(v[:3], scale=scale),
            tangent(np.array([0.0, np.pi / 4, 3 * np.pi / 4, np.pi], dtype=np.float32))]


@case(tol=1e-5)
def ragged_dot(M):
    L = M.lax
    out = []
    for m, k, n, gs in [(64, 4, 3, [64]), (64, 9, 8, [20, 44]), (16, 4, 3, [5, 11]),
                        (5, 4, 3, [1]), (5, 4, 3, [1, 1]), (9, 4, 3, [2, 0, 4])]:
        a = _r(m + k).normal(size=(m, k))
        b = _r(m + n).normal(size=(len(gs), k, n))
        s = np.array(gs, np.int32)
        out += [L.ragged_dot(a, b, s),
                L.ragged_dot(a.astype(np.float32), b.astype(np.float32), s),
                *_grads(M, lambda x, y, s=s: (L.ragged_dot(x, y, s) ** 2).sum(), (a, b), (0, 1))]
    return out


@case
def ragged_dot_vmap(M):
    L, T = M.lax, M.T
    a, b = _r(300).normal(size=(3, 16, 4)), _r(301).normal(size=(3, 2, 4, 5))
    s = np.array([[3, 13], [16, 0], [7, 7]], np.int32)
    return [T.vmap(L.ragged_dot)(a, b, s)]


@case
def fft_types(M):
    L, T = M.lax, M.T
    x = _r(310).normal(size=(3, 4, 5)) + 1j * _r(311).normal(size=(3, 4, 5))
    xr = _r(312).normal(size=(3, 4, 6))
    out = [L.fft(x, L.FftType.FFT, (4, 5)), L.fft(x, L.FftType.IFFT, (5,)),
           L.fft(xr, L.FftType.RFFT, (4, 6)), L.fft(x, L.FftType.IRFFT, (4, 8)),
           L.fft(x, "fft", ()), T.vmap(lambda v: L.fft(v, L.FftType.FFT, (5,)), 1, 1)(x)]
    out += _grads(M, lambda v: (M.np.abs(L.fft(v, L.FftType.RFFT, (6,))) ** 2).sum(), (xr,))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_results_as_jax(backend, name):
    build, tol, dtypes = CASES[name]
    assert_same(build(GPUAD), build(JAX), tol=tol, dtypes=dtypes)


# ---- refusals: gpuad raises where JAX raises, naming the op -------------------------------

def _bad(words, *calls):
    return (words, calls)


_S4 = np.ones((1, 2, 3))
ERRORS = {  # name: (exception, words of gpuad's message, call(L))
    "split_negative": (ValueError, ["split", "non-negative"],
                       lambda L: L.split(np.arange(5.0), [-1])),
    "split_sum": (ValueError, ["split", "sum"], lambda L: L.split(np.arange(5.0), [6])),
    "split_axis": (ValueError, ["split", "axis 1"], lambda L: L.split(np.arange(5.0), (), axis=1)),
    "conv_patches_bad_padding": (ValueError, ["padding", "(3, 3)"], lambda L:
                                 L.conv_general_dilated_patches(np.ones((1, 10, 10, 5)), (5, 5),
                                                                (1, 1), padding=(3, 3))),
    "dot_positional_precision": (TypeError, ["positional"], lambda L:
                                 L.dot(np.arange(5.0), np.arange(5.0), L.Precision.DEFAULT)),
    "bid_dims_length": (TypeError, ["broadcast_in_dim", "(0, 1)"], lambda L:
                        L.broadcast_in_dim(np.ones(2), (2, 2), (0, 1))),
    "bid_rank": (TypeError, ["broadcast_in_dim"], lambda L:
                 L.broadcast_in_dim(np.ones((2, 2)), (2,), (0, 1))),
    "bid_subset": (TypeError, ["broadcast_in_dim", "(2,)"], lambda L:
                   L.broadcast_in_dim(np.ones(2), (2, 3), (2,))),
    "bid_sizes": (TypeError, ["broadcast_in_dim", "sizes"], lambda L:
                  L.broadcast_in_dim(np.ones(2), (3,), (0,))),
    "squeeze_repeated": (ValueError, ["squeeze", "(0, 0)"], lambda L: L.squeeze(_S4, (0, 0))),
    "squeeze_out_of_range": (ValueError, ["squeeze", "3"], lambda L: L.squeeze(_S4, (3,))),
    "squeeze_negative_out_of_range": (ValueError, ["squeeze", "-4"], lambda L:
                                      L.squeeze(_S4, (-4,))),
    "squeeze_not_one": (ValueError, ["squeeze", "(1, 2, 3)"], lambda L: L.squeeze(_S4, (1,))),
    "squeeze_none": (TypeError, ["squeeze", "None"], lambda L: L.squeeze(_S4, (None,))),
    "pad_value_not_scalar": ((ValueError, TypeError), ["pad", "scalar"], lambda L:
                             L.pad(np.zeros(2), np.zeros(2), [(0, 0, 0)])),
    "pad_config_length": ((ValueError, TypeError), ["pad", "padding_config"], lambda L:
                          L.pad(np.zeros(2), 0.0, [(0, 1, 0), (0, 1, 0)])),
    "pad_negative_interior": (ValueError, ["pad", "interior"], lambda L:
                              L.pad(np.zeros(2), 0.0, [(0, 1, -1)])),
    "pad_too_negative": (ValueError, ["pad", "-1"],
                         lambda L: L.pad(np.zeros(2), 0.0, [(-3, 0, 0)])),
    "pad_too_negative_interior": (ValueError, ["pad", "-1"], lambda L:
                                  L.pad(np.zeros(2), 0.0, [(-4, 0, 1)])),
    "dynamic_slice_in_dim_vector_start": (TypeError, ["dynamic_slice", "scalars"], lambda L:
                                          L.dynamic_slice_in_dim(np.ones((6, 7), np.int32),
                                                                 np.array([2, 2]), 3)),
    "dynamic_update_slice_in_dim_vector_start": (
        TypeError, ["dynamic_update_slice", "scalars"], lambda L:
        L.dynamic_update_slice_in_dim(np.ones((6, 7), np.int32), np.ones((2, 7), np.int32),
                                      np.array([2, 2]), axis=0)),
    "reduce_window_empty_window": ((TypeError, ValueError), ["reduce_window", "(0,)"], lambda L:
                                   L.reduce_window(np.ones((1,)), 0.0, L.add, padding="VALID",
                                                   window_dimensions=(0,), window_strides=(1,))),
    "reduce_window_zero_stride": ((TypeError, ValueError), ["reduce_window", "(0,)"], lambda L:
                                  L.reduce_window(np.ones((1,)), 0.0, L.add, padding="VALID",
                                                  window_dimensions=(1,), window_strides=(0,))),
    "reduce_window_init_not_scalar": ((TypeError, ValueError), ["reduce_window", "(1,)"], lambda L:
                                      L.reduce_window(np.ones((4, 4), np.int32),
                                                      np.zeros((1,), np.int32), L.max, (2, 2),
                                                      (2, 2), "VALID", (1, 1), (1, 1))),
    "reshape_array_in_shape": (TypeError, ["reshape"], lambda L:
                               L.reshape(np.ones(3), (np.array([3, 1]),))),
    "reshape_float_shape": (TypeError, ["reshape", "1.5"],
                            lambda L: L.reshape(np.ones(3), (1.5, 2.0))),
    "dynamic_slice_mixed_index_dtypes": (TypeError, ["dynamic_slice", "int32", "int16"], lambda L:
                                         L.dynamic_slice(np.ones((3, 4), np.float32),
                                                         (np.int32(1), np.int16(2)), (2, 2))),
    "dynamic_update_slice_mixed_index_dtypes": (
        TypeError, ["dynamic_update_slice", "int32", "int16"], lambda L:
        L.dynamic_update_slice(np.ones((3, 4), np.float32), np.zeros((2, 2), np.float32),
                               (np.int32(1), np.int16(2)))),
    "reduce_repeated_axes": (ValueError, ["duplicate", "(0, 0)"], lambda L:
                             L.reduce(np.arange(3), 0, L.add, (0, 0))),
    **{f"{op}_complex": (TypeError, [op, "complex"],
                         lambda L, op=op: getattr(L, op)(2 + 3j, 4 + 5j))
       for op in ("rem", "lt", "gt", "ge", "le")},
    **{f"{op}_int_float": (TypeError, [op, "same dtype"], lambda L, op=op: getattr(L, op)(0, 0.0))
       for op in ("add", "mul", "div", "rem", "lt", "eq")},
    "population_count_bool": (TypeError, ["population_count", "bool"], lambda L:
                              L.population_count(True)),
    "conv_ranks_differ": (ValueError, ["conv_general_dilated", "(1, 1, 1)"], lambda L:
                          L.conv_general_dilated(np.ones((1, 1, 1)), np.ones((1, 1, 1, 1)), (1,),
                                                 ((0, 0),), (1,), (1,),
                                                 L.ConvDimensionNumbers((0, 1, 2), (0, 1, 2),
                                                                        (0, 1, 2)))),
    "conv_window_strides_length": (ValueError, ["conv_general_dilated", "window_strides"], lambda L:
                                   L.conv(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 1, 1)), [1],
                                          "SAME")),
    "reduce_mismatched_pytrees": (ValueError, ["reduce", "structure"], lambda L:
                                  L.reduce({"x": np.ones(5)}, {"y": 0.0},
                                           lambda a, b: dict(x=a["x"] + b["x"]), [0])),
    "reduce_nonscalar_init": ((ValueError, TypeError), ["reduce", "scalar"], lambda L:
                              L.reduce({"x": np.ones(5)}, {"x": np.ones(5)},
                                       lambda a, b: dict(x=a["x"] + b["x"]), [0])),
    "argmin_float_index_dtype": (TypeError, ["argmin", "index_dtype"], lambda L:
                                 L.argmin(np.ones((2, 2)), axis=0, index_dtype=np.float32)),
    "argmax_bool_index_dtype": (TypeError, ["argmax", "index_dtype"], lambda L:
                                L.argmax(np.ones((2, 2)), axis=0, index_dtype=np.bool_)),
    "argmin_empty": (ValueError, ["argmin", "(0, 2)"], lambda L:
                     L.argmin(np.ones((0, 2)), axis=0, index_dtype=np.int32)),
    "argmax_empty": (ValueError, ["argmax", "(0, 2)"], lambda L:
                     L.argmax(np.ones((0, 2)), axis=0, index_dtype=np.int32)),
    "iota_negative": (TypeError, ["iota", "-1"], lambda L: L.iota(np.int32, -1)),
    "dynamic_slice_float_start": (TypeError, ["dynamic_slice", "integers"], lambda L:
                                  L.dynamic_slice(np.ones(3), (0.5,), (1,))),
    "broadcast_shapes_negative": (TypeError, ["broadcast_shapes", "non-negative"], lambda L:
                                  L.broadcast_shapes((-1,))),
    "broadcast_shapes_string": (TypeError, ["broadcast_shapes"], lambda L:
                                L.broadcast_shapes("hello")),
}

# JAX refuses too but with another message, or accepts (gpuad goes its own documented way)
GPUAD_ONLY_ERRORS = {
    "bid_not_increasing": (TypeError, ["broadcast_in_dim", "strictly increasing"], lambda L:
                           L.broadcast_in_dim(np.ones((2, 2)), (2, 2), (1, 0))),
    "reduce_window_variadic_refused": (NotImplementedError, ["reduce_window", "one array"],
                                       lambda L: L.reduce_window(
                                           (np.ones(4), np.ones(4)), (0.0, -np.inf),
                                           lambda a, b: (a[0] + b[0], L.max(a[1], b[1])), (2,),
                                           (1,), "VALID")),
}


@pytest.mark.parametrize("name", sorted(ERRORS) + sorted(GPUAD_ONLY_ERRORS))
def test_refused_where_jax_refuses(backend, name):
    exc, words, call = ERRORS.get(name) or GPUAD_ONLY_ERRORS[name]
    if name in ERRORS:
        with pytest.raises(Exception):  # noqa: B017 (JAX's own type is checked by its tests)
            call(jax.lax)
    with pytest.raises(exc) as info:
        call(ad.lax)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


@pytest.mark.parametrize("name", ["conv_general_dilated_local", "DotAlgorithm",
                                  "DotAlgorithmPreset", "index_take", "rng_bit_generator",
                                  "ragged_dot_general", "RaggedDotDimensionNumbers"])
def test_not_provided_names_say_what_to_use(name):
    with pytest.raises(AttributeError, match=f"gpuad.lax has no {name}: (use|lax|gpuad|see|dep)"):
        getattr(ad.lax, name)
    assert not hasattr(ad.lax, name)


def test_padtype_to_pads_returns_python_ints():
    for shape, win, st, pad in [((10, 10), (5, 5), (1, 1), "SAME"),
                                ((8, 8), (3, 3), (2, 2), "SAME_LOWER"),
                                ((7, 7), (3, 3), (2, 2), "VALID")]:
        got = ad.lax.padtype_to_pads(np.array(shape), np.array(win), np.array(st), pad)
        want = jax.lax.padtype_to_pads(np.array(shape), np.array(win), np.array(st), pad)
        assert [tuple(p) for p in got] == [tuple(p) for p in want]
        assert all(type(v) is int for p in got for v in p)


def test_shapes_are_python_ints(backend):
    x = ad.lax.iota(np.int32, 3) + 1
    assert type(x.shape[0]) is int
    out = ad.lax.broadcast_shapes((1, 2, 3), (2, 3))
    assert out == (1, 2, 3) and all(type(s) is int for s in out)


def test_convert_element_type_returns_arrays(backend):
    for typ in (int, float, np.int32, np.float32, np.array):
        for dt in (np.int32, np.float32):
            for jit in (False, True):
                op = lambda x, dt=dt: ad.lax.convert_element_type(x, dt)  # noqa: E731
                out = (ad.jit(op) if jit else op)(typ(1))
                assert hasattr(out, "dtype") and np.dtype(out.dtype) == np.dtype(dt)
                assert not isinstance(out, int | float)


def test_complex_dot_real_part_gradients(backend):
    """JAX's jacobian of ``dot(x, y).real`` in a complex ``y`` runs without a cast warning;
    gpuad's jacobian asks for holomorphic=True there, and its vjp follows the conjugate
    convention (gpuad's cotangent of y is the conjugate of JAX's)."""
    x, y = np.arange(5.0), np.arange(5.0) + 1j * np.ones(5)
    f = lambda L: (lambda a, b: L.dot(a, b).real)  # noqa: E731
    with pytest.raises(TypeError, match="holomorphic"):
        ad.jacobian(f(ad.lax), argnums=(0, 1))(x, y)
    gx, gy = ad.vjp(f(ad.lax), x, y)[1](1.0)
    jx, jy = jax.vjp(f(jax.lax), x, y)[1](1.0)
    np.testing.assert_allclose(to_numpy(gx), np.asarray(jx), rtol=1e-14)
    np.testing.assert_allclose(to_numpy(gy), np.conj(np.asarray(jy)), rtol=1e-14)


def test_composite_is_differentiable(backend):
    """JAX refuses the JVP of a composite; gpuad differentiates its decomposition (closed-over
    traced values included)."""
    sq = ad.lax.composite(lambda x: x ** 2, name="my.square")
    np.testing.assert_allclose(float(to_numpy(ad.grad(sq)(1.5))), 3.0)
    _, t = ad.jvp(sq, (1.0,), (2.0,))
    np.testing.assert_allclose(float(to_numpy(t)), 4.0)
    with pytest.raises(ValueError, match="JVP rule for composite"):
        jax.grad(jax.lax.composite(lambda x: x ** 2, name="my.square"))(1.5)

    def fun(x, scale):
        return ad.lax.composite(lambda y: gnp.sin(y * scale), name="my.consts")(x)
    g = ad.grad(fun, argnums=(0, 1))(0.3, 2.0)
    np.testing.assert_allclose([float(to_numpy(v)) for v in g],
                               [2 * np.cos(0.6), 0.3 * np.cos(0.6)], rtol=1e-14)
    np.testing.assert_allclose(to_numpy(ad.jit(fun)(0.3, 2.0)), np.sin(0.6), rtol=1e-14)


_GATHER_RULES = [  # (operand, indices, GatherDimensionNumbers kwargs, slice sizes, words)
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 1), dict(offset_dims=(4, 5, 6, 8, 7), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 1), dict(offset_dims=(4, 5, 6, 7, 7), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 1), dict(offset_dims=(4, 5, 100, 101, 102),
                                             collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8), collapsed_slice_dims=(4,),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8),
                                             collapsed_slice_dims=(0, 1, 2, 3, 19),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8),
                                             collapsed_slice_dims=(0, 1, 2, 3, 3),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 7)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 3)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7, 8),
                                             collapsed_slice_dims=(2, 1),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7), collapsed_slice_dims=(2,),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 100, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7), collapsed_slice_dims=(),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 5), dict(offset_dims=(4, 5, 6, 7), collapsed_slice_dims=(1,),
                                             start_index_map=(0, 1, 2, 3, 4)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 3), dict(offset_dims=(4, 5, 6), collapsed_slice_dims=(0, 1),
                                             start_index_map=(0, 1, 4),
                                             operand_batching_dims=(2, 3, 3)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (5, 4, 3, 2, 3), dict(offset_dims=(4, 5, 6), collapsed_slice_dims=(0, 1),
                                             start_index_map=(0, 1, 4),
                                             operand_batching_dims=(3, 2)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (9, 4, 3, 2, 4), dict(offset_dims=(4, 5, 6, 7), collapsed_slice_dims=(),
                                             start_index_map=(0, 2, 3, 4),
                                             operand_batching_dims=(1,),
                                             start_indices_batching_dims=(0,)), (10, 9, 8, 7, 6)),
    ((10, 9, 8, 7, 6), (10, 9, 3, 2, 3), dict(offset_dims=(4, 5, 6, 7, 8),
                                              collapsed_slice_dims=(2, 3, 4),
                                              start_index_map=(2, 3, 4),
                                              operand_batching_dims=(0, 1),
                                              start_indices_batching_dims=(1, 0)),
     (10, 9, 8, 7, 6)),
]

_SCATTER_RULES = [  # (operand, indices, updates, ScatterDimensionNumbers kwargs)
    ((64, 48), (32, 1), (65, 32), dict(update_window_dims=(0,), inserted_window_dims=(1,),
                                       scatter_dims_to_operand_dims=(1,))),
    ((64, 48), (32, 1), (32, 49), dict(update_window_dims=(1,), inserted_window_dims=(0,),
                                       scatter_dims_to_operand_dims=(1,))),
    ((64, 48), (32, 1), (64, 31), dict(update_window_dims=(1,), inserted_window_dims=(0,),
                                       scatter_dims_to_operand_dims=(1,))),
    ((64, 48), (32, 1), (31, 48), dict(update_window_dims=(1,), inserted_window_dims=(0,),
                                       scatter_dims_to_operand_dims=(1,))),
    ((50, 49, 48, 47, 46), (10, 9, 8, 7, 5), (10, 9, 8, 7, 3, 2, 4, 1),
     dict(update_window_dims=(4, 5, 6), inserted_window_dims=(1, 2),
          scatter_dims_to_operand_dims=(0, 1, 2, 3, 4))),
    ((6, 5, 4, 3, 2), (5, 4, 3, 2, 1), (10, 9, 8, 7, 6, 5, 4, 3, 2),
     dict(update_window_dims=(4, 5, 6, 8, 7), inserted_window_dims=(),
          scatter_dims_to_operand_dims=(0, 1, 2, 3, 4))),
    ((50, 49, 48, 47, 46), (10, 9, 8, 7, 5), (10, 9, 8, 7, 3, 2, 4),
     dict(update_window_dims=(4, 5, 6), inserted_window_dims=(2, 1),
          scatter_dims_to_operand_dims=(0, 1, 2, 3, 4))),
    ((50, 49, 48, 47, 46), (10, 9, 8, 7, 5), (10, 9, 8, 7, 3, 2, 4),
     dict(update_window_dims=(4, 5, 6), inserted_window_dims=(1, 2),
          scatter_dims_to_operand_dims=(0, 1, 2, 3))),
    ((50, 49, 48, 47, 46), (10, 9, 8, 7, 5), (10, 9, 8, 7, 3, 2, 4),
     dict(update_window_dims=(4, 5, 6), inserted_window_dims=(1, 2),
          scatter_dims_to_operand_dims=(0, 1, 2, 2, 3))),
    ((50, 49, 48, 47, 46), (10, 9, 8, 7, 4), (10, 9, 8, 7, 3, 2, 4),
     dict(update_window_dims=(4, 5, 6), inserted_window_dims=(1,),
          scatter_dims_to_operand_dims=(0, 1, 2, 3))),
]


@pytest.mark.parametrize("k", range(len(_GATHER_RULES) + len(_SCATTER_RULES)))
def test_gather_and_scatter_shape_rules_refused_as_jax(backend, k):
    """XLA's shape rules (JAX's testGatherShapeCheckingRule/testScatterShapeCheckingRule): JAX
    raises a TypeError; gpuad raises naming the op and the offending dimension numbers."""
    if k < len(_GATHER_RULES):
        os_, is_, dn, ss = _GATHER_RULES[k]

        def call(L):
            return L.gather(np.ones(os_, np.int32), np.ones(is_, np.int32),
                            L.GatherDimensionNumbers(**dn), ss)
        op = "gather"
    else:
        os_, is_, us, dn = _SCATTER_RULES[k - len(_GATHER_RULES)]

        def call(L):
            return L.scatter(np.zeros(os_, np.int32), np.zeros(is_, np.int32),
                             np.zeros(us, np.int32), L.ScatterDimensionNumbers(**dn))
        op = "scatter"
    with pytest.raises(TypeError):
        call(jax.lax)
    with pytest.raises((TypeError, ValueError)) as info:
        call(ad.lax)
    assert op in str(info.value), str(info.value)


def test_every_gap_has_a_mapping():
    keys = [(c, n) for c, n, _ in GAPS]
    assert len(keys) == len(set(keys)) > 280
    tests = {"test_same_results_as_jax": CASES,
             "test_refused_where_jax_refuses": {**ERRORS, **GPUAD_ONLY_ERRORS},
             "test_not_provided_names_say_what_to_use": None}
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for part in where.split("here:")[1:]:
            ref = part.strip().split()[0]
            fn, _, param = ref.partition("[")
            assert fn in globals(), ref
            if param and tests.get(fn) is not None:
                for p in param.rstrip("]").split(","):
                    assert p.strip() in tests[fn], ref
        if where.startswith("covered:"):
            ref = where.split(":", 1)[1].strip().split()[0].rstrip(";,")
            path, _, obj = ref.partition("::")
            text = (Path(__file__).parent / path).read_text()
            assert obj.split("[")[0] in text, ref
