"""The rest of NumPy's own tests of the functions gpuad.numpy has: numpy/_core/tests
(test_numeric.py, test_shape_base.py) and numpy/lib/tests (test_function_base.py,
test_shape_base.py, test_arraysetops.py, test_nanfunctions.py), ported where the earlier ports
(test_numpy_core_suite.py, test_numpy_lib_suite.py, test_numpy_lib_tricks_suite.py,
test_numpy_multiarray_suite.py, test_numpy_quantile_nan_suite.py, test_numpy_core_indexing.py,
tests/test_numpy_callable_sweep.py) had left gaps.

Each case runs NumPy on host arrays and gpuad.numpy on Tensors (requiring grad where they
float; with GPUAD_NUMPY_GAPS_ALL=1 also on the backend's arrays) and compares values, dtypes
and shapes, or the exception class where NumPy raises. ``GRADS`` differentiates the float
functions at points of those tests, reverse and forward mode, against float64 central
differences.

``GAPS`` maps every test method of those files' classes to its port ("here:" the upstream
name that tags cases of this file, "covered:" an earlier port and the function whose cases
cover it), or says why it has no counterpart ("n/a:"); ``test_every_gap_has_a_mapping``
checks each reference. The test methods are those of NumPy 2.4's files (the NumPy this
compares with); ``SharedNanFunctionsTestsMixin``'s are listed once, though NumPy runs them in
each nan-function class. "covered:" names the earlier port holding that function's cases.

Where gpuad deliberately differs, ``DIFFERS`` says how: ``trim_zeros`` of a list gives an
array (lists become arrays at gpuad.numpy's boundary), and ``bincount`` of no values with
float weights gives float64 zeros (NumPy: int64 for that one case).

NumPy only: it runs in CI, under 5 s by default; GPUAD_NUMPY_GAPS_ALL=1 runs every case on
arrays too and second derivatives.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

ALL = os.environ.get("GPUAD_NUMPY_GAPS_ALL") == "1"
A = np.array

GAPS = (  # (upstream file, class, test, where its port is or why there is none)
    ('core/test_numeric', 'TestResize', 'test_copies',
     'covered: test_numpy_core_suite.py::"resize"'),
    ('core/test_numeric', 'TestResize', 'test_repeats',
     'here: TestResize.test_repeats'),
    ('core/test_numeric', 'TestResize', 'test_zeroresize',
     'here: TestResize.test_zeroresize'),
    ('core/test_numeric', 'TestResize', 'test_reshape_from_zero',
     'here: TestResize.test_reshape_from_zero'),
    ('core/test_numeric', 'TestResize', 'test_negative_resize',
     'here: TestResize.test_negative_resize'),
    ('core/test_numeric', 'TestResize', 'test_unsigned_resize',
     'here: TestResize.test_unsigned_resize'),
    ('core/test_numeric', 'TestResize', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_choose',
     'covered: test_numpy_core_suite.py::"choose"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_clip',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_compress',
     'covered: test_numpy_core_suite.py::"compress"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_count_nonzero',
     'here: TestNonarrayArgs.test_count_nonzero'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_diagonal',
     'covered: test_numpy_core_suite.py::"diagonal"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_mean',
     'covered: test_numpy_core_suite.py::"mean"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_ptp',
     'covered: test_numpy_core_suite.py::"ptp"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_prod',
     'covered: test_numpy_core_suite.py::"prod"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_ravel',
     'covered: test_numpy_multiarray_suite.py::"ravel"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_repeat',
     'covered: test_numpy_core_suite.py::"repeat"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_reshape',
     'here: TestNonarrayArgs.test_reshape'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_reshape_shape_arg',
     'here: TestNonarrayArgs.test_reshape_shape_arg'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_reshape_copy_arg',
     'here: TestNonarrayArgs.test_reshape_copy_arg'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_round',
     'covered: test_numpy_core_suite.py::"round"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_dunder_round',
     'covered: test_numpy_core_suite.py::"round"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_dunder_round_edgecases',
     'covered: test_numpy_core_suite.py::"round"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_dunder_round_accuracy',
     'covered: test_numpy_core_suite.py::"round"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_round_py_consistency',
     'covered: test_numpy_core_suite.py::"round"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_searchsorted',
     'covered: test_numpy_core_suite.py::"searchsorted"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_size',
     'covered: test_numpy_core_suite.py::"size"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_squeeze',
     'covered: test_numpy_core_suite.py::"squeeze"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std',
     'covered: test_numpy_core_suite.py::"std"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_swapaxes',
     'covered: test_numpy_core_suite.py::"swapaxes"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_sum',
     'covered: test_numpy_core_suite.py::"sum"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_take',
     'covered: test_numpy_core_suite.py::"take"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_trace',
     'covered: test_numpy_core_suite.py::"trace"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_transpose',
     'covered: test_numpy_core_suite.py::"transpose"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_var',
     'covered: test_numpy_core_suite.py::"var"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword',
     'covered: test_numpy_core_suite.py::"std"'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_var_with_mean_keyword',
     'here: TestNonarrayArgs.test_var_with_mean_keyword'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword_keepdims_false',
     'here: TestNonarrayArgs.test_std_with_mean_keyword_keepdims_false'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_var_with_mean_keyword_keepdims_false',
     'here: TestNonarrayArgs.test_var_with_mean_keyword_keepdims_false'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword_where_nontrivial',
     'here: TestNonarrayArgs.test_std_with_mean_keyword_where_nontrivial'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_var_with_mean_keyword_where_nontrivial',
     'here: TestNonarrayArgs.test_var_with_mean_keyword_where_nontrivial'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword_multiple_axis',
     'here: TestNonarrayArgs.test_std_with_mean_keyword_multiple_axis'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword_axis_None',
     'here: TestNonarrayArgs.test_std_with_mean_keyword_axis_None'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_std_with_mean_keyword_keepdims_true_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestNonarrayArgs', 'test_var_with_mean_keyword_keepdims_true_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestIsscalar', 'test_isscalar',
     'here: TestIsscalar.test_isscalar'),
    ('core/test_numeric', 'TestBoolScalar', 'test_logical',
     "n/a: operators of NumPy's bool scalar type (gpuad has no scalar types of its own)"),
    ('core/test_numeric', 'TestBoolScalar', 'test_bitwise_or',
     "n/a: operators of NumPy's bool scalar type (gpuad has no scalar types of its own)"),
    ('core/test_numeric', 'TestBoolScalar', 'test_bitwise_and',
     "n/a: operators of NumPy's bool scalar type (gpuad has no scalar types of its own)"),
    ('core/test_numeric', 'TestBoolScalar', 'test_bitwise_xor',
     "n/a: operators of NumPy's bool scalar type (gpuad has no scalar types of its own)"),
    ('core/test_numeric', 'TestBoolArray', 'test_all_any',
     'covered: test_numpy_umath_suite.py::"logical_and"'),
    ('core/test_numeric', 'TestBoolArray', 'test_logical_not_abs',
     'covered: test_numpy_umath_suite.py::"logical_and"'),
    ('core/test_numeric', 'TestBoolArray', 'test_logical_and_or_xor',
     'covered: test_numpy_umath_suite.py::"logical_and"'),
    ('core/test_numeric', 'TestBoolCmp', 'test_float',
     'covered: test_numpy_umath_suite.py::"greater"'),
    ('core/test_numeric', 'TestBoolCmp', 'test_double',
     'covered: test_numpy_umath_suite.py::"greater"'),
    ('core/test_numeric', 'TestSeterr', 'test_default',
     "n/a: numpy.seterr's floating-point error state (gpuad does not raise on floating-point "
     'exceptions; a kernel cannot trap them)'),
    ('core/test_numeric', 'TestSeterr', 'test_set',
     "n/a: numpy.seterr's floating-point error state (gpuad does not raise on floating-point "
     'exceptions; a kernel cannot trap them)'),
    ('core/test_numeric', 'TestSeterr', 'test_divide_err',
     "n/a: numpy.seterr's floating-point error state (gpuad does not raise on floating-point "
     'exceptions; a kernel cannot trap them)'),
    ('core/test_numeric', 'TestFloatExceptions', 'test_floating_exceptions',
     "n/a: numpy.seterr's floating-point error state (gpuad does not raise on floating-point "
     'exceptions; a kernel cannot trap them)'),
    ('core/test_numeric', 'TestFloatExceptions', 'test_warnings',
     "n/a: numpy.seterr's floating-point error state (gpuad does not raise on floating-point "
     'exceptions; a kernel cannot trap them)'),
    ('core/test_numeric', 'TestTypes', 'test_coercion',
     'covered: test_numpy_umath_suite.py::test_nep50_promotions'),
    ('core/test_numeric', 'TestTypes', 'test_result_type',
     'here: TestTypes.test_result_type'),
    ('core/test_numeric', 'TestTypes', 'test_promote_types_endian',
     'n/a: non-native byte order (device arrays are native)'),
    ('core/test_numeric', 'TestTypes', 'test_can_cast_and_promote_usertypes',
     'n/a: user-defined NumPy dtypes'),
    ('core/test_numeric', 'TestTypes', 'test_promote_types_strings',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestTypes', 'test_invalid_void_promotion',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestTypes', 'test_valid_void_promotion',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestTypes', 'test_promote_identical_types_metadata',
     "n/a: dtype metadata (gpuad's dtypes are NumPy's, with no metadata)"),
    ('core/test_numeric', 'TestTypes', 'test_promote_types_metadata',
     "n/a: dtype metadata (gpuad's dtypes are NumPy's, with no metadata)"),
    ('core/test_numeric', 'TestTypes', 'test_can_cast',
     'here: TestTypes.test_can_cast'),
    ('core/test_numeric', 'TestTypes', 'test_can_cast_simple_to_structured',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestTypes', 'test_can_cast_structured_to_simple',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestTypes', 'test_can_cast_values',
     'here: TestTypes.test_can_cast_values'),
    ('core/test_numeric', 'TestTypes', 'test_can_cast_scalars',
     'here: TestTypes.test_can_cast_scalars'),
    ('core/test_numeric', 'TestFromiter', 'test_types',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_lengths',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_values',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_2592',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_empty_not_structured',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_growth_and_complicated_dtypes',
     'n/a: structured and object dtypes read from an iterator (numeric dtypes only)'),
    ('core/test_numeric', 'TestFromiter', 'test_empty_result',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_too_few_items',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestFromiter', 'test_failed_itemsetting',
     'n/a: structured and object dtypes read from an iterator (numeric dtypes only)'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_trivial',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_zerodim',
     'here: TestNonzero.test_nonzero_zerodim'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_onedim',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_twodim',
     'here: TestNonzero.test_nonzero_twodim'),
    ('core/test_numeric', 'TestNonzero', 'test_sparse',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_float_dtypes',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_integer_dtypes',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_return_type',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_count_nonzero_axis',
     'here: TestNonzero.test_count_nonzero_axis'),
    ('core/test_numeric', 'TestNonzero', 'test_count_nonzero_axis_all_dtypes',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_count_nonzero_axis_consistent',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_countnonzero_axis_empty',
     'here: TestNonzero.test_countnonzero_axis_empty'),
    ('core/test_numeric', 'TestNonzero', 'test_countnonzero_keepdims',
     'here: TestNonzero.test_countnonzero_keepdims'),
    ('core/test_numeric', 'TestNonzero', 'test_array_method',
     'covered: test_numpy_core_suite.py::"count_nonzero"'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_invalid_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_sideeffect_safety',
     "n/a: NumPy's C loop over unaligned memory or objects whose __bool__ raises"),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_sideffects_structured_void',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_exception_safe',
     "n/a: NumPy's C loop over unaligned memory or objects whose __bool__ raises"),
    ('core/test_numeric', 'TestNonzero', 'test_nonzero_byteorder',
     'n/a: non-native byte order (device arrays are native)'),
    ('core/test_numeric', 'TestNonzero', 'test_count_nonzero_non_aligned_array',
     "n/a: NumPy's C loop over unaligned memory or objects whose __bool__ raises"),
    ('core/test_numeric', 'TestIndex', 'test_boolean',
     'covered: test_numpy_callable_sweep.py::"getitem"'),
    ('core/test_numeric', 'TestIndex', 'test_boolean_edgecase',
     'covered: test_numpy_callable_sweep.py::"getitem"'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_zero',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_positive',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_negative',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_sufficient_width',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_neg_width_boundaries',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBinaryRepr', 'test_large_neg_int64',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBaseRepr', 'test_base3',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBaseRepr', 'test_positive',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBaseRepr', 'test_negative',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBaseRepr', 'test_base_range',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestBaseRepr', 'test_minimal_signed_int',
     'here: test_binary_and_base_repr_and_fromiter'),
    ('core/test_numeric', 'TestArrayComparisons', 'test_array_equal_equal_nan',
     'here: TestArrayComparisons.test_array_equal_equal_nan'),
    ('core/test_numeric', 'TestArrayComparisons', 'test_array_equal_different_scalar_types',
     'here: TestArrayComparisons.test_array_equal_different_scalar_types'),
    ('core/test_numeric', 'TestArrayComparisons', 'test_none_compares_elementwise',
     'covered: test_numpy_core_suite.py::"array_equal"'),
    ('core/test_numeric', 'TestArrayComparisons', 'test_array_equiv',
     'here: TestArrayComparisons.test_array_equiv'),
    ('core/test_numeric', 'TestArrayComparisons', 'test_compare_unstructured_voids',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestClip', 'test_ones_pathological',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_double',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_int',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_array_double',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_nonnative',
     'n/a: non-native byte order (device arrays are native)'),
    ('core/test_numeric', 'TestClip', 'test_simple_complex',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_complex',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_non_contig',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_out',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_int32_inout',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_int64_out',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_int64_inout',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_int32_out',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_inplace_01',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_simple_inplace_02',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_noncontig_inplace',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_01',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_02',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_03',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_04',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_05',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_06',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_07',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_08',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_09',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_10',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_11',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_type_cast_12',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_simple',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_simple2',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_simple_int32',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_array_int32',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_array_outint32',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_transposed',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_with_out_memory_overlap',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_inplace_array',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_inplace_simple',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_func_takes_out',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_nan',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_object_clip',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('core/test_numeric', 'TestClip', 'test_clip_all_none',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_invalid_casting',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_value_min_max_flip',
     'here: TestClip.test_clip_value_min_max_flip'),
    ('core/test_numeric', 'TestClip', 'test_clip_problem_cases',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_scalar_nan_propagation',
     'here: TestClip.test_clip_scalar_nan_propagation'),
    ('core/test_numeric', 'TestClip', 'test_NaT_propagation',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_property',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_clip_min_max_args',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestClip', 'test_out_of_bound_pyints',
     'covered: test_numpy_core_suite.py::"clip"'),
    ('core/test_numeric', 'TestAllclose', 'test_ip_allclose',
     'covered: test_numpy_core_suite.py::"allclose"'),
    ('core/test_numeric', 'TestAllclose', 'test_ip_not_allclose',
     'here: TestAllclose.test_ip_not_allclose'),
    ('core/test_numeric', 'TestAllclose', 'test_no_parameter_modification',
     'covered: test_numpy_core_suite.py::"allclose"'),
    ('core/test_numeric', 'TestAllclose', 'test_min_int',
     'here: TestAllclose.test_min_int'),
    ('core/test_numeric', 'TestAllclose', 'test_equalnan',
     'here: TestAllclose.test_equalnan'),
    ('core/test_numeric', 'TestAllclose', 'test_return_class_is_ndarray',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestIsclose', 'test_ip_isclose',
     'here: TestIsclose.test_ip_isclose'),
    ('core/test_numeric', 'TestIsclose', 'test_nep50_isclose',
     'here: TestIsclose.test_nep50_isclose'),
    ('core/test_numeric', 'TestIsclose', 'test_ip_all_isclose',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestIsclose', 'test_ip_none_isclose',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestIsclose', 'test_ip_isclose_allclose',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestIsclose', 'test_equal_nan',
     'here: TestIsclose.test_equal_nan'),
    ('core/test_numeric', 'TestIsclose', 'test_masked_arrays',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestIsclose', 'test_scalar_return',
     'here: TestIsclose.test_scalar_return'),
    ('core/test_numeric', 'TestIsclose', 'test_no_parameter_modification',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestIsclose', 'test_non_finite_scalar',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestIsclose', 'test_timedelta',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('core/test_numeric', 'TestIsclose', 'test_tol_warnings',
     'covered: test_numpy_core_suite.py::"isclose"'),
    ('core/test_numeric', 'TestStdVar', 'test_basic',
     'covered: test_numpy_core_suite.py::"std"'),
    ('core/test_numeric', 'TestStdVar', 'test_scalars',
     'here: TestStdVar.test_scalars'),
    ('core/test_numeric', 'TestStdVar', 'test_ddof1',
     'here: TestStdVar.test_ddof1'),
    ('core/test_numeric', 'TestStdVar', 'test_ddof2',
     'here: TestStdVar.test_ddof2'),
    ('core/test_numeric', 'TestStdVar', 'test_correction',
     'here: TestStdVar.test_correction'),
    ('core/test_numeric', 'TestStdVar', 'test_out_scalar',
     'covered: test_numpy_core_suite.py::"std"'),
    ('core/test_numeric', 'TestStdVarComplex', 'test_basic',
     'here: TestStdVarComplex.test_basic'),
    ('core/test_numeric', 'TestStdVarComplex', 'test_scalars',
     'covered: test_numpy_core_suite.py::"std"'),
    ('core/test_numeric', 'TestCreationFuncs', 'test_zeros',
     'covered: test_numpy_core_suite.py::"full"'),
    ('core/test_numeric', 'TestCreationFuncs', 'test_ones',
     'covered: test_numpy_core_suite.py::"full"'),
    ('core/test_numeric', 'TestCreationFuncs', 'test_empty',
     'covered: test_numpy_core_suite.py::"full"'),
    ('core/test_numeric', 'TestCreationFuncs', 'test_full',
     'here: TestCreationFuncs.test_full'),
    ('core/test_numeric', 'TestCreationFuncs', 'test_for_reference_leak',
     "n/a: CPython reference counts and memory maps of NumPy's C code"),
    ('core/test_numeric', 'TestCreationFuncs', 'test_signatures',
     "n/a: NumPy's __array_function__ dispatch and signature introspection"),
    ('core/test_numeric', 'TestLikeFuncs', 'test_ones_like',
     'here: TestLikeFuncs.test_ones_like'),
    ('core/test_numeric', 'TestLikeFuncs', 'test_zeros_like',
     'here: TestLikeFuncs.test_zeros_like'),
    ('core/test_numeric', 'TestLikeFuncs', 'test_empty_like',
     'covered: test_numpy_core_suite.py::"full_like"'),
    ('core/test_numeric', 'TestLikeFuncs', 'test_filled_like',
     'here: TestLikeFuncs.test_filled_like'),
    ('core/test_numeric', 'TestLikeFuncs', 'test_dtype_str_bytes',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_numeric', 'TestCorrelate', 'test_float',
     'covered: test_numpy_core_suite.py::"correlate"'),
    ('core/test_numeric', 'TestCorrelate', 'test_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('core/test_numeric', 'TestCorrelate', 'test_no_overwrite',
     'covered: test_numpy_core_suite.py::"correlate"'),
    ('core/test_numeric', 'TestCorrelate', 'test_complex',
     'covered: test_numpy_core_suite.py::"correlate"'),
    ('core/test_numeric', 'TestCorrelate', 'test_zero_size',
     'here: TestCorrelate.test_zero_size'),
    ('core/test_numeric', 'TestCorrelate', 'test_mode',
     'here: TestCorrelate.test_mode'),
    ('core/test_numeric', 'TestConvolve', 'test_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('core/test_numeric', 'TestConvolve', 'test_no_overwrite',
     'covered: test_numpy_core_suite.py::"convolve"'),
    ('core/test_numeric', 'TestConvolve', 'test_mode',
     'here: TestConvolve.test_mode'),
    ('core/test_numeric', 'TestConvolve', 'test_convolve_empty_input_error_message',
     'here: TestConvolve.test_convolve_empty_input_error_message'),
    ('core/test_numeric', 'TestArgwhere', 'test_nd',
     'here: TestArgwhere.test_nd'),
    ('core/test_numeric', 'TestArgwhere', 'test_2D',
     'covered: test_numpy_core_suite.py::"argwhere"'),
    ('core/test_numeric', 'TestArgwhere', 'test_list',
     'here: TestArgwhere.test_list'),
    ('core/test_numeric', 'TestRoll', 'test_roll1d',
     'covered: test_numpy_core_suite.py::"roll"'),
    ('core/test_numeric', 'TestRoll', 'test_roll2d',
     'covered: test_numpy_core_suite.py::"roll"'),
    ('core/test_numeric', 'TestRoll', 'test_roll_empty',
     'here: TestRoll.test_roll_empty'),
    ('core/test_numeric', 'TestRoll', 'test_roll_unsigned_shift',
     'here: TestRoll.test_roll_unsigned_shift'),
    ('core/test_numeric', 'TestRoll', 'test_roll_big_int',
     'here: TestRoll.test_roll_big_int'),
    ('core/test_numeric', 'TestRollaxis', 'test_exceptions',
     'here: TestRollaxis.test_exceptions'),
    ('core/test_numeric', 'TestRollaxis', 'test_results',
     'covered: test_numpy_core_suite.py::"rollaxis"'),
    ('core/test_numeric', 'TestMoveaxis', 'test_move_to_end',
     'covered: test_numpy_core_suite.py::"moveaxis"'),
    ('core/test_numeric', 'TestMoveaxis', 'test_move_new_position',
     'covered: test_numpy_core_suite.py::"moveaxis"'),
    ('core/test_numeric', 'TestMoveaxis', 'test_preserve_order',
     'covered: test_numpy_core_suite.py::"moveaxis"'),
    ('core/test_numeric', 'TestMoveaxis', 'test_move_multiples',
     'here: TestMoveaxis.test_move_multiples'),
    ('core/test_numeric', 'TestMoveaxis', 'test_errors',
     'here: TestMoveaxis.test_errors'),
    ('core/test_numeric', 'TestMoveaxis', 'test_array_likes',
     'here: TestMoveaxis.test_array_likes'),
    ('core/test_numeric', 'TestCross', 'test_2x2',
     'here: TestCross.test_2x2'),
    ('core/test_numeric', 'TestCross', 'test_2x3',
     'here: TestCross.test_2x3'),
    ('core/test_numeric', 'TestCross', 'test_3x3',
     'covered: test_numpy_core_suite.py::"cross"'),
    ('core/test_numeric', 'TestCross', 'test_broadcasting',
     'here: TestCross.test_broadcasting'),
    ('core/test_numeric', 'TestCross', 'test_broadcasting_shapes',
     'here: TestCross.test_broadcasting_shapes'),
    ('core/test_numeric', 'TestCross', 'test_uint8_int32_mixed_dtypes',
     'here: TestCross.test_uint8_int32_mixed_dtypes'),
    ('core/test_numeric', 'TestCross', 'test_zero_dimension',
     'here: TestCross.test_zero_dimension'),
    ('core/test_numeric', '<module>', 'test_outer_out_param',
     'covered: test_numpy_core_suite.py::"outer"'),
    ('core/test_numeric', 'TestIndices', 'test_simple',
     'here: TestIndices.test_simple'),
    ('core/test_numeric', 'TestIndices', 'test_single_input',
     'here: TestIndices.test_single_input'),
    ('core/test_numeric', 'TestIndices', 'test_scalar_input',
     'here: TestIndices.test_scalar_input'),
    ('core/test_numeric', 'TestIndices', 'test_sparse',
     'here: TestIndices.test_sparse'),
    ('core/test_numeric', 'TestIndices', 'test_return_type',
     'covered: test_numpy_core_suite.py::"indices"'),
    ('core/test_numeric', 'TestRequire', 'test_require_each',
     'covered: test_numpy_names.py::gnp.require('),
    ('core/test_numeric', 'TestRequire', 'test_unknown_requirement',
     'covered: test_numpy_names.py::gnp.require('),
    ('core/test_numeric', 'TestRequire', 'test_non_array_input',
     'covered: test_numpy_names.py::gnp.require('),
    ('core/test_numeric', 'TestRequire', 'test_C_and_F_simul',
     'covered: test_numpy_names.py::gnp.require('),
    ('core/test_numeric', 'TestRequire', 'test_ensure_array',
     'covered: test_numpy_names.py::gnp.require('),
    ('core/test_numeric', 'TestRequire', 'test_preserve_subtype',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('core/test_numeric', 'TestBroadcast', 'test_broadcast_in_args',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestBroadcast', 'test_broadcast_single_arg',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestBroadcast', 'test_number_of_arguments',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestBroadcast', 'test_broadcast_error_kwargs',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestBroadcast', 'test_shape_mismatch_error_message',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestBroadcast', 'test_signatures',
     'n/a: the numpy.broadcast iterator object (gnp.broadcast raises naming '
     'broadcast_arrays/broadcast_shapes, covered: test_numpy_lib_tricks_suite.py)'),
    ('core/test_numeric', 'TestKeepdims', 'test_raise',
     "n/a: keepdims passed to an ndarray subclass's sum (no subclasses)"),
    ('core/test_numeric', 'TestTensordot', 'test_rejects_duplicate_axes',
     'here: TestTensordot.test_rejects_duplicate_axes'),
    ('core/test_numeric', 'TestTensordot', 'test_zero_dimension',
     'here: TestTensordot.test_zero_dimension'),
    ('core/test_numeric', 'TestTensordot', 'test_zero_dimensional',
     'here: TestTensordot.test_zero_dimensional'),
    ('core/test_numeric', 'TestAsType', 'test_astype',
     'here: TestAsType.test_astype'),
    ('core/test_shape_base', 'TestAtleast1d', 'test_0D_array',
     'here: TestAtleast1d.test_0D_array'),
    ('core/test_shape_base', 'TestAtleast1d', 'test_1D_array',
     'covered: test_numpy_core_suite.py::"atleast_1d"'),
    ('core/test_shape_base', 'TestAtleast1d', 'test_2D_array',
     'covered: test_numpy_core_suite.py::"atleast_1d"'),
    ('core/test_shape_base', 'TestAtleast1d', 'test_3D_array',
     'covered: test_numpy_core_suite.py::"atleast_1d"'),
    ('core/test_shape_base', 'TestAtleast1d', 'test_r1array',
     'covered: test_numpy_core_suite.py::"atleast_1d"'),
    ('core/test_shape_base', 'TestAtleast2d', 'test_0D_array',
     'covered: test_numpy_core_suite.py::"atleast_2d"'),
    ('core/test_shape_base', 'TestAtleast2d', 'test_1D_array',
     'here: TestAtleast2d.test_1D_array'),
    ('core/test_shape_base', 'TestAtleast2d', 'test_2D_array',
     'covered: test_numpy_core_suite.py::"atleast_2d"'),
    ('core/test_shape_base', 'TestAtleast2d', 'test_3D_array',
     'covered: test_numpy_core_suite.py::"atleast_2d"'),
    ('core/test_shape_base', 'TestAtleast2d', 'test_r2array',
     'covered: test_numpy_core_suite.py::"atleast_2d"'),
    ('core/test_shape_base', 'TestAtleast3d', 'test_0D_array',
     'covered: test_numpy_core_suite.py::"atleast_3d"'),
    ('core/test_shape_base', 'TestAtleast3d', 'test_1D_array',
     'here: TestAtleast3d.test_1D_array'),
    ('core/test_shape_base', 'TestAtleast3d', 'test_2D_array',
     'here: TestAtleast3d.test_2D_array'),
    ('core/test_shape_base', 'TestAtleast3d', 'test_3D_array',
     'covered: test_numpy_core_suite.py::"atleast_3d"'),
    ('core/test_shape_base', 'TestHstack', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"hstack"'),
    ('core/test_shape_base', 'TestHstack', 'test_empty_input',
     'here: TestHstack.test_empty_input'),
    ('core/test_shape_base', 'TestHstack', 'test_0D_array',
     'covered: test_numpy_core_suite.py::"hstack"'),
    ('core/test_shape_base', 'TestHstack', 'test_1D_array',
     'covered: test_numpy_core_suite.py::"hstack"'),
    ('core/test_shape_base', 'TestHstack', 'test_2D_array',
     'covered: test_numpy_core_suite.py::"hstack"'),
    ('core/test_shape_base', 'TestHstack', 'test_generator',
     'covered: test_numpy_core_suite.py::"hstack"'),
    ('core/test_shape_base', 'TestHstack', 'test_casting_and_dtype',
     'here: TestHstack.test_casting_and_dtype'),
    ('core/test_shape_base', 'TestHstack', 'test_casting_and_dtype_type_error',
     'here: TestHstack.test_casting_and_dtype_type_error'),
    ('core/test_shape_base', 'TestVstack', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_empty_input',
     'here: TestVstack.test_empty_input'),
    ('core/test_shape_base', 'TestVstack', 'test_0D_array',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_1D_array',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_2D_array',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_2D_array2',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_generator',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestVstack', 'test_casting_and_dtype',
     'here: TestVstack.test_casting_and_dtype'),
    ('core/test_shape_base', 'TestVstack', 'test_casting_and_dtype_type_error',
     'covered: test_numpy_core_suite.py::"vstack"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_returns_copy',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_exceptions',
     'here: TestConcatenate.test_exceptions'),
    ('core/test_shape_base', 'TestConcatenate', 'test_huge_list_error',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_concatenate_axis_None',
     'here: TestConcatenate.test_concatenate_axis_None'),
    ('core/test_shape_base', 'TestConcatenate', 'test_large_concatenate_axis_None',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_concatenate',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_concatenate_same_value',
     'here: TestConcatenate.test_concatenate_same_value'),
    ('core/test_shape_base', 'TestConcatenate', 'test_operator_concat',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_bad_out_shape',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_out_and_dtype',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', 'TestConcatenate', 'test_dtype_with_promotion',
     'here: TestConcatenate.test_dtype_with_promotion'),
    ('core/test_shape_base', 'TestConcatenate', 'test_string_dtype_does_not_inspect',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('core/test_shape_base', 'TestConcatenate', 'test_subarray_error',
     'covered: test_numpy_core_suite.py::"concatenate"'),
    ('core/test_shape_base', '<module>', 'test_stack',
     'here: test_stack'),
    ('core/test_shape_base', '<module>', 'test_unstack',
     'here: test_unstack'),
    ('core/test_shape_base', '<module>', 'test_stack_out_and_dtype',
     'here: test_stack_out_and_dtype'),
    ('core/test_shape_base', 'TestBlock', 'test_returns_copy',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_total_size_estimate',
     'n/a: numpy._core.shape_base._block_setup, a private helper'),
    ('core/test_shape_base', 'TestBlock', 'test_block_simple_row_wise',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_simple_column_wise',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_with_1d_arrays_row_wise',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_with_1d_arrays_multiple_rows',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_with_1d_arrays_column_wise',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_mixed_1d_and_2d',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_complicated',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_nested',
     'here: TestBlock.test_nested'),
    ('core/test_shape_base', 'TestBlock', 'test_3d',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_block_with_mismatched_shape',
     'here: TestBlock.test_block_with_mismatched_shape'),
    ('core/test_shape_base', 'TestBlock', 'test_no_lists',
     'here: TestBlock.test_no_lists'),
    ('core/test_shape_base', 'TestBlock', 'test_invalid_nesting',
     'here: TestBlock.test_invalid_nesting'),
    ('core/test_shape_base', 'TestBlock', 'test_empty_lists',
     'here: TestBlock.test_empty_lists'),
    ('core/test_shape_base', 'TestBlock', 'test_tuple',
     'here: TestBlock.test_tuple'),
    ('core/test_shape_base', 'TestBlock', 'test_different_ndims',
     'covered: test_numpy_core_suite.py::"block"'),
    ('core/test_shape_base', 'TestBlock', 'test_different_ndims_depths',
     'here: TestBlock.test_different_ndims_depths'),
    ('core/test_shape_base', 'TestBlock', 'test_block_memory_order',
     'n/a: C/F memory order of the result (gpuad does not track layouts)'),
    ('core/test_shape_base', '<module>', 'test_block_dispatcher',
     "n/a: NumPy's __array_function__ dispatch and signature introspection"),
    ('lib/test_function_base', 'TestRot90', 'test_basic',
     'here: TestRot90.test_basic'),
    ('lib/test_function_base', 'TestRot90', 'test_axes',
     'here: TestRot90.test_axes'),
    ('lib/test_function_base', 'TestRot90', 'test_rotation_axes',
     'here: TestRot90.test_rotation_axes'),
    ('lib/test_function_base', 'TestFlip', 'test_axes',
     'here: TestFlip.test_axes'),
    ('lib/test_function_base', 'TestFlip', 'test_basic_lr',
     'here: TestFlip.test_basic_lr'),
    ('lib/test_function_base', 'TestFlip', 'test_basic_ud',
     'here: TestFlip.test_basic_ud'),
    ('lib/test_function_base', 'TestFlip', 'test_3d_swap_axis0',
     'covered: test_numpy_lib_suite.py::"flip"'),
    ('lib/test_function_base', 'TestFlip', 'test_3d_swap_axis1',
     'covered: test_numpy_lib_suite.py::"flip"'),
    ('lib/test_function_base', 'TestFlip', 'test_3d_swap_axis2',
     'covered: test_numpy_lib_suite.py::"flip"'),
    ('lib/test_function_base', 'TestFlip', 'test_4d',
     'covered: test_numpy_lib_suite.py::"flip"'),
    ('lib/test_function_base', 'TestFlip', 'test_default_axis',
     'here: TestFlip.test_default_axis'),
    ('lib/test_function_base', 'TestFlip', 'test_multiple_axes',
     'here: TestFlip.test_multiple_axes'),
    ('lib/test_function_base', 'TestAny', 'test_basic',
     'here: TestAny.test_basic'),
    ('lib/test_function_base', 'TestAny', 'test_nd',
     'here: TestAny.test_nd'),
    ('lib/test_function_base', 'TestAll', 'test_basic',
     'here: TestAll.test_basic'),
    ('lib/test_function_base', 'TestAll', 'test_nd',
     'here: TestAll.test_nd'),
    ('lib/test_function_base', '<module>', 'test_any_and_all_result_dtype',
     'here: test_any_and_all_result_dtype'),
    ('lib/test_function_base', 'TestCopy', 'test_basic',
     'covered: test_numpy_lib_suite.py::"copy"'),
    ('lib/test_function_base', 'TestCopy', 'test_order',
     'covered: test_numpy_lib_suite.py::"copy"'),
    ('lib/test_function_base', 'TestCopy', 'test_subok',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestAverage', 'test_basic',
     'here: TestAverage.test_basic'),
    ('lib/test_function_base', 'TestAverage', 'test_basic_keepdims',
     'here: TestAverage.test_basic_keepdims'),
    ('lib/test_function_base', 'TestAverage', 'test_weights',
     'here: TestAverage.test_weights'),
    ('lib/test_function_base', 'TestAverage', 'test_weight_and_input_dims_different',
     'here: TestAverage.test_weight_and_input_dims_different'),
    ('lib/test_function_base', 'TestAverage', 'test_returned',
     'here: TestAverage.test_returned'),
    ('lib/test_function_base', 'TestAverage', 'test_subclasses',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestAverage', 'test_upcasting',
     'here: TestAverage.test_upcasting'),
    ('lib/test_function_base', 'TestAverage', 'test_object_dtype',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_function_base', 'TestAverage', 'test_object_no_weights',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_function_base', 'TestAverage', 'test_average_class_without_dtype',
     'covered: test_numpy_lib_suite.py::"average"'),
    ('lib/test_function_base', 'TestSelect', 'test_basic',
     'here: TestSelect.test_basic'),
    ('lib/test_function_base', 'TestSelect', 'test_broadcasting',
     'here: TestSelect.test_broadcasting'),
    ('lib/test_function_base', 'TestSelect', 'test_return_dtype',
     'here: TestSelect.test_return_dtype'),
    ('lib/test_function_base', 'TestSelect', 'test_non_bool_deprecation',
     'here: TestSelect.test_non_bool_deprecation'),
    ('lib/test_function_base', 'TestSelect', 'test_many_arguments',
     'here: TestSelect.test_many_arguments'),
    ('lib/test_function_base', 'TestInsert', 'test_basic',
     'here: TestInsert.test_basic'),
    ('lib/test_function_base', 'TestInsert', 'test_multidim',
     'here: TestInsert.test_multidim'),
    ('lib/test_function_base', 'TestInsert', 'test_0d',
     'here: TestInsert.test_0d'),
    ('lib/test_function_base', 'TestInsert', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestInsert', 'test_index_array_copied',
     'here: TestInsert.test_index_array_copied'),
    ('lib/test_function_base', 'TestInsert', 'test_structured_array',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_function_base', 'TestInsert', 'test_index_floats',
     'here: TestInsert.test_index_floats'),
    ('lib/test_function_base', 'TestInsert', 'test_index_out_of_bounds',
     'here: TestInsert.test_index_out_of_bounds'),
    ('lib/test_function_base', 'TestAmax', 'test_basic',
     'covered: test_numpy_core_suite.py::"amax"'),
    ('lib/test_function_base', 'TestAmin', 'test_basic',
     'covered: test_numpy_core_suite.py::"amin"'),
    ('lib/test_function_base', 'TestPtp', 'test_basic',
     'covered: test_numpy_core_suite.py::"ptp"'),
    ('lib/test_function_base', 'TestCumsum', 'test_basic',
     'covered: test_numpy_core_suite.py::"cumsum"'),
    ('lib/test_function_base', 'TestProd', 'test_basic',
     'covered: test_numpy_core_suite.py::"prod"'),
    ('lib/test_function_base', 'TestCumprod', 'test_basic',
     'covered: test_numpy_multiarray_suite.py::"cumprod"'),
    ('lib/test_function_base', '<module>', 'test_cumulative_include_initial',
     'covered: test_numpy_lib_suite.py::"cumulative_sum"'),
    ('lib/test_function_base', 'TestDiff', 'test_basic',
     'here: TestDiff.test_basic'),
    ('lib/test_function_base', 'TestDiff', 'test_axis',
     'here: TestDiff.test_axis'),
    ('lib/test_function_base', 'TestDiff', 'test_nd',
     'covered: test_numpy_lib_suite.py::"diff"'),
    ('lib/test_function_base', 'TestDiff', 'test_n',
     'here: TestDiff.test_n'),
    ('lib/test_function_base', 'TestDiff', 'test_times',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_function_base', 'TestDiff', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestDiff', 'test_prepend',
     'here: TestDiff.test_prepend'),
    ('lib/test_function_base', 'TestDiff', 'test_append',
     'here: TestDiff.test_append'),
    ('lib/test_function_base', 'TestDelete', 'test_slices',
     'here: TestDelete.test_slices'),
    ('lib/test_function_base', 'TestDelete', 'test_fancy',
     'here: TestDelete.test_fancy'),
    ('lib/test_function_base', 'TestDelete', 'test_single',
     'here: TestDelete.test_single'),
    ('lib/test_function_base', 'TestDelete', 'test_0d',
     'here: TestDelete.test_0d'),
    ('lib/test_function_base', 'TestDelete', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestDelete', 'test_array_order_preserve',
     'n/a: C/F memory order of the result (gpuad does not track layouts)'),
    ('lib/test_function_base', 'TestDelete', 'test_index_floats',
     'here: TestDelete.test_index_floats'),
    ('lib/test_function_base', 'TestDelete', 'test_single_item_array',
     'here: TestDelete.test_single_item_array'),
    ('lib/test_function_base', 'TestDelete', 'test_single_item_array_non_int',
     'covered: test_numpy_lib_suite.py::"delete"'),
    ('lib/test_function_base', 'TestGradient', 'test_basic',
     'here: TestGradient.test_basic'),
    ('lib/test_function_base', 'TestGradient', 'test_args',
     'here: TestGradient.test_args'),
    ('lib/test_function_base', 'TestGradient', 'test_badargs',
     'here: TestGradient.test_badargs'),
    ('lib/test_function_base', 'TestGradient', 'test_datetime64',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_function_base', 'TestGradient', 'test_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestGradient', 'test_second_order_accurate',
     'here: TestGradient.test_second_order_accurate'),
    ('lib/test_function_base', 'TestGradient', 'test_spacing',
     'here: TestGradient.test_spacing'),
    ('lib/test_function_base', 'TestGradient', 'test_specific_axes',
     'here: TestGradient.test_specific_axes'),
    ('lib/test_function_base', 'TestGradient', 'test_timedelta64',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_function_base', 'TestGradient', 'test_inexact_dtypes',
     'here: TestGradient.test_inexact_dtypes'),
    ('lib/test_function_base', 'TestGradient', 'test_values',
     'here: TestGradient.test_values'),
    ('lib/test_function_base', 'TestGradient', 'test_f_decreasing_unsigned_int',
     'here: TestGradient.test_f_decreasing_unsigned_int'),
    ('lib/test_function_base', 'TestGradient', 'test_f_signed_int_big_jump',
     'here: TestGradient.test_f_signed_int_big_jump'),
    ('lib/test_function_base', 'TestGradient', 'test_x_decreasing_unsigned',
     'here: TestGradient.test_x_decreasing_unsigned'),
    ('lib/test_function_base', 'TestGradient', 'test_x_signed_int_big_jump',
     'here: TestGradient.test_x_signed_int_big_jump'),
    ('lib/test_function_base', 'TestGradient', 'test_return_type',
     'here: TestGradient.test_return_type'),
    ('lib/test_function_base', 'TestAngle', 'test_basic',
     'here: TestAngle.test_basic'),
    ('lib/test_function_base', 'TestAngle', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_basic',
     'here: TestTrimZeros.test_basic'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_leading_skip',
     'here: TestTrimZeros.test_leading_skip'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_trailing_skip',
     'here: TestTrimZeros.test_trailing_skip'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_all_zero',
     'here: TestTrimZeros.test_all_zero'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_size_zero',
     'here: TestTrimZeros.test_size_zero'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_overflow',
     'here: TestTrimZeros.test_overflow'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_no_trim',
     'covered: test_numpy_lib_suite.py::"trim_zeros"'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_list_to_list',
     'here: TestTrimZeros.test_list_to_list'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_nd_basic',
     'here: TestTrimZeros.test_nd_basic'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_allzero',
     'here: TestTrimZeros.test_allzero'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_trim_arg',
     'covered: test_numpy_lib_suite.py::"trim_zeros"'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_unexpected_trim_value',
     'here: TestTrimZeros.test_unexpected_trim_value'),
    ('lib/test_function_base', 'TestTrimZeros', 'test_multiple_axes',
     'here: TestTrimZeros.test_multiple_axes'),
    ('lib/test_function_base', 'TestExtins', 'test_basic',
     'here: TestExtins.test_basic'),
    ('lib/test_function_base', 'TestExtins', 'test_place',
     'covered: test_numpy_lib_suite.py::"extract"'),
    ('lib/test_function_base', 'TestExtins', 'test_both',
     'covered: test_numpy_lib_suite.py::"extract"'),
    ('lib/test_function_base', 'TestVectorize', 'test_simple',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_scalar',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_large',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_ufunc',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_with_otypes_order1',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_with_otypes_order2',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_with_otypes_order3',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_with_otypes_several_kwd_args1',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_with_otypes_several_kwd_args2',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords_no_func_code',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords2_ticket_2100',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords3_ticket_2100',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords4_ticket_2100',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_keywords5_ticket_2100',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_coverage1_ticket_2100',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_assigning_docstring',
     'here: test_vectorize_docstrings'),
    ('lib/test_function_base', 'TestVectorize', 'test_UnboundMethod_ticket_1156',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_execution_order_ticket_1487',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_string_ticket_1892',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_function_base', 'TestVectorize', 'test_dtype_promotion_gh_29189',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_cache',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_otypes',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_otypes_object_28624',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_function_base', 'TestVectorize', 'test_parse_gufunc_signature',
     'n/a: numpy.lib._function_base_impl._parse_gufunc_signature, a private helper'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_simple',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_mean_last',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_center',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_two_outputs',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_outer',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_computed_size',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_excluded',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_otypes',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_invalid_inputs',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_invalid_outputs',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_size_zero_output',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_subclasses',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestVectorize', 'test_name',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_decorator',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_docstring',
     'here: test_vectorize_docstrings'),
    ('lib/test_function_base', 'TestVectorize', 'test_partial',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_signature_otypes_decorator',
     'covered: test_numpy_names.py::gnp.vectorize(fn, signature=sig)'),
    ('lib/test_function_base', 'TestVectorize', 'test_bad_input',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_no_keywords',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_positional_regression_9477',
     'covered: test_numpy_callable_sweep.py::"vectorize"'),
    ('lib/test_function_base', 'TestVectorize', 'test_datetime_conversion',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_function_base', 'TestLeaks', 'test_frompyfunc_leaks',
     "n/a: reference leaks of numpy.frompyfunc's C code"),
    ('lib/test_function_base', 'TestDigitize', 'test_forward',
     'here: TestDigitize.test_forward'),
    ('lib/test_function_base', 'TestDigitize', 'test_reverse',
     'here: TestDigitize.test_reverse'),
    ('lib/test_function_base', 'TestDigitize', 'test_random',
     'here: TestDigitize.test_random'),
    ('lib/test_function_base', 'TestDigitize', 'test_right_basic',
     'here: TestDigitize.test_right_basic'),
    ('lib/test_function_base', 'TestDigitize', 'test_right_open',
     'here: TestDigitize.test_right_open'),
    ('lib/test_function_base', 'TestDigitize', 'test_right_open_reverse',
     'here: TestDigitize.test_right_open_reverse'),
    ('lib/test_function_base', 'TestDigitize', 'test_right_open_random',
     'here: TestDigitize.test_right_open_random'),
    ('lib/test_function_base', 'TestDigitize', 'test_monotonic',
     'here: TestDigitize.test_monotonic'),
    ('lib/test_function_base', 'TestDigitize', 'test_casting_error',
     'here: TestDigitize.test_casting_error'),
    ('lib/test_function_base', 'TestDigitize', 'test_return_type',
     'here: TestDigitize.test_return_type'),
    ('lib/test_function_base', 'TestDigitize', 'test_large_integers_increasing',
     'here: TestDigitize.test_large_integers_increasing'),
    ('lib/test_function_base', 'TestDigitize', 'test_large_integers_decreasing',
     'here: TestDigitize.test_large_integers_decreasing'),
    ('lib/test_function_base', 'TestUnwrap', 'test_simple',
     'here: TestUnwrap.test_simple'),
    ('lib/test_function_base', 'TestUnwrap', 'test_period',
     'here: TestUnwrap.test_period'),
    ('lib/test_function_base', 'TestFilterwindows', 'test_hanning',
     'here: TestFilterwindows.test_hanning'),
    ('lib/test_function_base', 'TestFilterwindows', 'test_hamming',
     'here: TestFilterwindows.test_hamming'),
    ('lib/test_function_base', 'TestFilterwindows', 'test_bartlett',
     'here: TestFilterwindows.test_bartlett'),
    ('lib/test_function_base', 'TestFilterwindows', 'test_blackman',
     'here: TestFilterwindows.test_blackman'),
    ('lib/test_function_base', 'TestFilterwindows', 'test_kaiser',
     'covered: test_numpy_lib_suite.py::"hanning"'),
    ('lib/test_function_base', 'TestTrapezoid', 'test_simple',
     'here: TestTrapezoid.test_simple'),
    ('lib/test_function_base', 'TestTrapezoid', 'test_ndim',
     'here: TestTrapezoid.test_ndim'),
    ('lib/test_function_base', 'TestTrapezoid', 'test_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestSinc', 'test_simple',
     'here: TestSinc.test_simple'),
    ('lib/test_function_base', 'TestSinc', 'test_array_like',
     'here: TestSinc.test_array_like'),
    ('lib/test_function_base', 'TestSinc', 'test_bool_dtype',
     'here: TestSinc.test_bool_dtype'),
    ('lib/test_function_base', 'TestSinc', 'test_int_dtypes',
     'here: TestSinc.test_int_dtypes'),
    ('lib/test_function_base', 'TestSinc', 'test_float_dtypes',
     'here: TestSinc.test_float_dtypes'),
    ('lib/test_function_base', 'TestSinc', 'test_float16_underflow',
     'here: TestSinc.test_float16_underflow'),
    ('lib/test_function_base', 'TestUnique', 'test_simple',
     'covered: test_numpy_lib_suite.py::"unique"'),
    ('lib/test_function_base', 'TestCheckFinite', 'test_simple',
     'covered: test_numpy_names.py::gnp.asarray_chkfinite('),
    ('lib/test_function_base', 'TestCheckFinite', 'test_dtype_order',
     'covered: test_numpy_names.py::gnp.asarray_chkfinite('),
    ('lib/test_function_base', 'TestCorrCoef', 'test_non_array',
     'here: TestCorrCoef.test_non_array'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_simple',
     'here: TestCorrCoef.test_simple'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_complex',
     'here: TestCorrCoef.test_complex'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_xy',
     'here: TestCorrCoef.test_xy'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_empty',
     'here: TestCorrCoef.test_empty'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_extreme',
     'here: TestCorrCoef.test_extreme'),
    ('lib/test_function_base', 'TestCorrCoef', 'test_corrcoef_dtype',
     'here: TestCorrCoef.test_corrcoef_dtype'),
    ('lib/test_function_base', 'TestCov', 'test_basic',
     'here: TestCov.test_basic'),
    ('lib/test_function_base', 'TestCov', 'test_complex',
     'here: TestCov.test_complex'),
    ('lib/test_function_base', 'TestCov', 'test_xy',
     'here: TestCov.test_xy'),
    ('lib/test_function_base', 'TestCov', 'test_empty',
     'here: TestCov.test_empty'),
    ('lib/test_function_base', 'TestCov', 'test_wrong_ddof',
     'here: TestCov.test_wrong_ddof'),
    ('lib/test_function_base', 'TestCov', 'test_1D_rowvar',
     'here: TestCov.test_1D_rowvar'),
    ('lib/test_function_base', 'TestCov', 'test_1D_variance',
     'here: TestCov.test_1D_variance'),
    ('lib/test_function_base', 'TestCov', 'test_fweights',
     'here: TestCov.test_fweights'),
    ('lib/test_function_base', 'TestCov', 'test_aweights',
     'here: TestCov.test_aweights'),
    ('lib/test_function_base', 'TestCov', 'test_unit_fweights_and_aweights',
     'here: TestCov.test_unit_fweights_and_aweights'),
    ('lib/test_function_base', 'TestCov', 'test_cov_dtype',
     'here: TestCov.test_cov_dtype'),
    ('lib/test_function_base', 'TestCov', 'test_gh_27658',
     'here: TestCov.test_gh_27658'),
    ('lib/test_function_base', 'Test_I0', 'test_simple',
     'here: Test_I0.test_simple'),
    ('lib/test_function_base', 'Test_I0', 'test_non_array',
     'here: Test_I0.test_non_array'),
    ('lib/test_function_base', 'Test_I0', 'test_complex',
     'here: Test_I0.test_complex'),
    ('lib/test_function_base', 'TestKaiser', 'test_simple',
     'here: TestKaiser.test_simple'),
    ('lib/test_function_base', 'TestKaiser', 'test_int_beta',
     'here: TestKaiser.test_int_beta'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_simple',
     'covered: test_numpy_lib_suite.py::"meshgrid"'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_single_input',
     'here: TestMeshgrid.test_single_input'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_no_input',
     'here: TestMeshgrid.test_no_input'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_indexing',
     'here: TestMeshgrid.test_indexing'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_sparse',
     'here: TestMeshgrid.test_sparse'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_invalid_arguments',
     'here: TestMeshgrid.test_invalid_arguments'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_return_type',
     'covered: test_numpy_lib_suite.py::"meshgrid"'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_writeback',
     'here: TestMeshgrid.test_writeback'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_nd_shape',
     'here: TestMeshgrid.test_nd_shape'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_nd_values',
     'here: TestMeshgrid.test_nd_values'),
    ('lib/test_function_base', 'TestMeshgrid', 'test_nd_indexing',
     'here: TestMeshgrid.test_nd_indexing'),
    ('lib/test_function_base', 'TestPiecewise', 'test_simple',
     'here: TestPiecewise.test_simple'),
    ('lib/test_function_base', 'TestPiecewise', 'test_two_conditions',
     'here: TestPiecewise.test_two_conditions'),
    ('lib/test_function_base', 'TestPiecewise', 'test_scalar_domains_three_conditions',
     'here: TestPiecewise.test_scalar_domains_three_conditions'),
    ('lib/test_function_base', 'TestPiecewise', 'test_default',
     'here: TestPiecewise.test_default'),
    ('lib/test_function_base', 'TestPiecewise', 'test_0d',
     'covered: test_numpy_lib_suite.py::"piecewise"'),
    ('lib/test_function_base', 'TestPiecewise', 'test_0d_comparison',
     'here: TestPiecewise.test_0d_comparison'),
    ('lib/test_function_base', 'TestPiecewise', 'test_0d_0d_condition',
     'here: TestPiecewise.test_0d_0d_condition'),
    ('lib/test_function_base', 'TestPiecewise', 'test_multidimensional_extrafunc',
     'here: TestPiecewise.test_multidimensional_extrafunc'),
    ('lib/test_function_base', 'TestPiecewise', 'test_subclasses',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestBincount', 'test_simple',
     'here: TestBincount.test_simple'),
    ('lib/test_function_base', 'TestBincount', 'test_simple2',
     'here: TestBincount.test_simple2'),
    ('lib/test_function_base', 'TestBincount', 'test_simple_weight',
     'here: TestBincount.test_simple_weight'),
    ('lib/test_function_base', 'TestBincount', 'test_simple_weight2',
     'here: TestBincount.test_simple_weight2'),
    ('lib/test_function_base', 'TestBincount', 'test_with_minlength',
     'here: TestBincount.test_with_minlength'),
    ('lib/test_function_base', 'TestBincount', 'test_with_minlength_smaller_than_maxvalue',
     'here: TestBincount.test_with_minlength_smaller_than_maxvalue'),
    ('lib/test_function_base', 'TestBincount', 'test_with_minlength_and_weights',
     'here: TestBincount.test_with_minlength_and_weights'),
    ('lib/test_function_base', 'TestBincount', 'test_empty',
     'here: TestBincount.test_empty'),
    ('lib/test_function_base', 'TestBincount', 'test_empty_with_minlength',
     'here: TestBincount.test_empty_with_minlength'),
    ('lib/test_function_base', 'TestBincount', 'test_empty_list',
     'here: TestBincount.test_empty_list'),
    ('lib/test_function_base', 'TestBincount', 'test_with_incorrect_minlength',
     'here: TestBincount.test_with_incorrect_minlength'),
    ('lib/test_function_base', 'TestBincount', 'test_dtype_reference_leaks',
     'here: TestBincount.test_dtype_reference_leaks'),
    ('lib/test_function_base', 'TestBincount', 'test_error_not_1d',
     'here: TestBincount.test_error_not_1d'),
    ('lib/test_function_base', 'TestBincount', 'test_gh_28354',
     'here: TestBincount.test_gh_28354'),
    ('lib/test_function_base', 'TestBincount', 'test_contiguous_handling',
     'here: TestBincount.test_contiguous_handling'),
    ('lib/test_function_base', 'TestBincount', 'test_gh_28354_array_like',
     'covered: test_numpy_lib_suite.py::"bincount"'),
    ('lib/test_function_base', 'TestInterp', 'test_exceptions',
     'here: TestInterp.test_exceptions'),
    ('lib/test_function_base', 'TestInterp', 'test_basic',
     'here: TestInterp.test_basic'),
    ('lib/test_function_base', 'TestInterp', 'test_right_left_behavior',
     'here: TestInterp.test_right_left_behavior'),
    ('lib/test_function_base', 'TestInterp', 'test_scalar_interpolation_point',
     'here: TestInterp.test_scalar_interpolation_point'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_behavior_exact_x',
     'here: TestInterp.test_non_finite_behavior_exact_x'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_any_nan',
     'here: TestInterp.test_non_finite_any_nan'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_inf',
     'here: TestInterp.test_non_finite_inf'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_half_inf_xf',
     'here: TestInterp.test_non_finite_half_inf_xf'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_half_inf_x',
     'here: TestInterp.test_non_finite_half_inf_x'),
    ('lib/test_function_base', 'TestInterp', 'test_non_finite_half_inf_f',
     'here: TestInterp.test_non_finite_half_inf_f'),
    ('lib/test_function_base', 'TestInterp', 'test_complex_interp',
     'here: TestInterp.test_complex_interp'),
    ('lib/test_function_base', 'TestInterp', 'test_zero_dimensional_interpolation_point',
     'here: TestInterp.test_zero_dimensional_interpolation_point'),
    ('lib/test_function_base', 'TestInterp', 'test_if_len_x_is_small',
     'here: TestInterp.test_if_len_x_is_small'),
    ('lib/test_function_base', 'TestInterp', 'test_period',
     'here: TestInterp.test_period'),
    ('lib/test_function_base', 'TestPercentile', 'test_basic',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_fraction',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_api',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_complex',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_2D',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_linear_nan_1D',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_linear_interpolation',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_lower_higher',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_midpoint',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_nearest',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_linear_interpolation_extrapolation',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_sequence',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_axis',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_scalar_q',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_exception',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_list',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_out',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_empty_dim',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_no_overwrite',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_no_p_overwrite',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_overwrite',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_extended_axis',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_extended_axis_invalid',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_keepdims',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_keepdims_out',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_out',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_out_nan',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_nan_behavior',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_nan_q',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_nat_basic',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_gh_29003',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_percentile_gh_29003_Fraction',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_q_weak_promotion',
     'covered: test_numpy_lib_suite.py::"percentile"'),
    ('lib/test_function_base', 'TestPercentile', 'test_q_strong_promotion',
     'covered: test_numpy_quantile_nan_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_max_ulp',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_basic',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_correct_quantile_value',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_fraction',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_complex',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_no_p_overwrite',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_preserve_int_type',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_q_zero_one',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_monotonic',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_monotonic_hypo',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_scalar_nan',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_identification_equation',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_add_and_multiply_constant',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_constant_weights',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_with_integer_weights',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_with_weights_and_axis',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_weights_min_max',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_weights_raises_negative_weights',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_weights_raises_unsupported_methods',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_weibull_fraction',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_closest_observation',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_inf_zeroes_err',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_nan_err',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_quantile_gh_29003_Fraction',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_float16_gh_29003',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_q_weak_promotion',
     'covered: test_numpy_lib_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestQuantile', 'test_q_strong_promotion',
     'covered: test_numpy_quantile_nan_suite.py::"quantile"'),
    ('lib/test_function_base', 'TestLerp', 'test_linear_interpolation_formula_monotonic',
     "n/a: numpy.lib._function_base_impl._lerp, a private helper (quantile's interpolation: "
     'covered by test_numpy_quantile_nan_suite.py)'),
    ('lib/test_function_base', 'TestLerp', 'test_linear_interpolation_formula_bounded',
     "n/a: numpy.lib._function_base_impl._lerp, a private helper (quantile's interpolation: "
     'covered by test_numpy_quantile_nan_suite.py)'),
    ('lib/test_function_base', 'TestLerp', 'test_linear_interpolation_formula_symmetric',
     "n/a: numpy.lib._function_base_impl._lerp, a private helper (quantile's interpolation: "
     'covered by test_numpy_quantile_nan_suite.py)'),
    ('lib/test_function_base', 'TestLerp', 'test_linear_interpolation_formula_0d_inputs',
     "n/a: numpy.lib._function_base_impl._lerp, a private helper (quantile's interpolation: "
     'covered by test_numpy_quantile_nan_suite.py)'),
    ('lib/test_function_base', 'TestMedian', 'test_basic',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_axis_keyword',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_overwrite_keyword',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_array_like',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestMedian', 'test_subclass2',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_function_base', 'TestMedian', 'test_out',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_out_nan',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_nan_behavior',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_empty',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_function_base', 'TestMedian', 'test_extended_axis',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_extended_axis_invalid',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_keepdims',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_keepdims_out',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestMedian', 'test_nat_behavior',
     'covered: test_numpy_lib_suite.py::"median"'),
    ('lib/test_function_base', 'TestSortComplex', 'test_sort_real',
     'covered: test_numpy_lib_suite.py::"sort_complex"'),
    ('lib/test_function_base', 'TestSortComplex', 'test_sort_complex',
     'covered: test_numpy_lib_suite.py::"sort_complex"'),
    ('lib/test_shape_base', 'TestTakeAlongAxis', 'test_argequivalent',
     'here: TestTakeAlongAxis.test_argequivalent'),
    ('lib/test_shape_base', 'TestTakeAlongAxis', 'test_invalid',
     'here: TestTakeAlongAxis.test_invalid'),
    ('lib/test_shape_base', 'TestTakeAlongAxis', 'test_empty',
     'here: TestTakeAlongAxis.test_empty'),
    ('lib/test_shape_base', 'TestTakeAlongAxis', 'test_broadcast',
     'here: TestTakeAlongAxis.test_broadcast'),
    ('lib/test_shape_base', 'TestPutAlongAxis', 'test_replace_max',
     'here: TestPutAlongAxis.test_replace_max'),
    ('lib/test_shape_base', 'TestPutAlongAxis', 'test_broadcast',
     'here: test_put_along_axis_writes_as_numpy'),
    ('lib/test_shape_base', 'TestPutAlongAxis', 'test_invalid',
     'here: test_put_along_axis_writes_as_numpy'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_simple',
     'here: TestApplyAlongAxis.test_simple'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_simple101',
     'covered: test_numpy_lib_tricks_suite.py::"apply_along_axis"'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_3d',
     'here: TestApplyAlongAxis.test_3d'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_preserve_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_scalar_array',
     'here: TestApplyAlongAxis.test_scalar_array'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_0d_array',
     'here: TestApplyAlongAxis.test_0d_array'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_axis_insertion',
     'here: TestApplyAlongAxis.test_axis_insertion'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_subclass_preservation',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_axis_insertion_ma',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_tuple_func1d',
     'here: TestApplyAlongAxis.test_tuple_func1d'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_empty',
     'here: TestApplyAlongAxis.test_empty'),
    ('lib/test_shape_base', 'TestApplyAlongAxis', 'test_with_iterable_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_shape_base', 'TestApplyOverAxes', 'test_simple',
     'here: TestApplyOverAxes.test_simple'),
    ('lib/test_shape_base', 'TestExpandDims', 'test_functionality',
     'here: TestExpandDims.test_functionality'),
    ('lib/test_shape_base', 'TestExpandDims', 'test_axis_tuple',
     'here: TestExpandDims.test_axis_tuple'),
    ('lib/test_shape_base', 'TestExpandDims', 'test_axis_out_of_range',
     'here: TestExpandDims.test_axis_out_of_range'),
    ('lib/test_shape_base', 'TestExpandDims', 'test_repeated_axis',
     'here: TestExpandDims.test_repeated_axis'),
    ('lib/test_shape_base', 'TestExpandDims', 'test_subclasses',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_0_split',
     'here: TestArraySplit.test_integer_0_split'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_split',
     'here: TestArraySplit.test_integer_split'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_split_2D_rows',
     'here: TestArraySplit.test_integer_split_2D_rows'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_split_2D_cols',
     'here: TestArraySplit.test_integer_split_2D_cols'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_split_2D_default',
     'covered: test_numpy_core_suite.py::"array_split"'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_integer_split_2D_rows_greater_max_int32',
     'covered: test_numpy_core_suite.py::"array_split"'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_index_split_simple',
     'here: TestArraySplit.test_index_split_simple'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_index_split_low_bound',
     'here: TestArraySplit.test_index_split_low_bound'),
    ('lib/test_shape_base', 'TestArraySplit', 'test_index_split_high_bound',
     'here: TestArraySplit.test_index_split_high_bound'),
    ('lib/test_shape_base', 'TestSplit', 'test_equal_split',
     'here: TestSplit.test_equal_split'),
    ('lib/test_shape_base', 'TestSplit', 'test_unequal_split',
     'here: TestSplit.test_unequal_split'),
    ('lib/test_shape_base', 'TestColumnStack', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"column_stack"'),
    ('lib/test_shape_base', 'TestColumnStack', 'test_1D_arrays',
     'here: TestColumnStack.test_1D_arrays'),
    ('lib/test_shape_base', 'TestColumnStack', 'test_2D_arrays',
     'here: TestColumnStack.test_2D_arrays'),
    ('lib/test_shape_base', 'TestColumnStack', 'test_generator',
     'covered: test_numpy_core_suite.py::"column_stack"'),
    ('lib/test_shape_base', 'TestDstack', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"dstack"'),
    ('lib/test_shape_base', 'TestDstack', 'test_0D_array',
     'here: TestDstack.test_0D_array'),
    ('lib/test_shape_base', 'TestDstack', 'test_1D_array',
     'here: TestDstack.test_1D_array'),
    ('lib/test_shape_base', 'TestDstack', 'test_2D_array',
     'here: TestDstack.test_2D_array'),
    ('lib/test_shape_base', 'TestDstack', 'test_2D_array2',
     'covered: test_numpy_core_suite.py::"dstack"'),
    ('lib/test_shape_base', 'TestDstack', 'test_generator',
     'covered: test_numpy_core_suite.py::"dstack"'),
    ('lib/test_shape_base', 'TestHsplit', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"hsplit"'),
    ('lib/test_shape_base', 'TestHsplit', 'test_0D_array',
     'here: TestHsplit.test_0D_array'),
    ('lib/test_shape_base', 'TestHsplit', 'test_1D_array',
     'here: TestHsplit.test_1D_array'),
    ('lib/test_shape_base', 'TestHsplit', 'test_2D_array',
     'here: TestHsplit.test_2D_array'),
    ('lib/test_shape_base', 'TestVsplit', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"vsplit"'),
    ('lib/test_shape_base', 'TestVsplit', 'test_0D_array',
     'here: TestVsplit.test_0D_array'),
    ('lib/test_shape_base', 'TestVsplit', 'test_1D_array',
     'here: TestVsplit.test_1D_array'),
    ('lib/test_shape_base', 'TestVsplit', 'test_2D_array',
     'here: TestVsplit.test_2D_array'),
    ('lib/test_shape_base', 'TestDsplit', 'test_non_iterable',
     'covered: test_numpy_core_suite.py::"dsplit"'),
    ('lib/test_shape_base', 'TestDsplit', 'test_0D_array',
     'covered: test_numpy_core_suite.py::"dsplit"'),
    ('lib/test_shape_base', 'TestDsplit', 'test_1D_array',
     'here: TestDsplit.test_1D_array'),
    ('lib/test_shape_base', 'TestDsplit', 'test_2D_array',
     'here: TestDsplit.test_2D_array'),
    ('lib/test_shape_base', 'TestDsplit', 'test_3D_array',
     'here: TestDsplit.test_3D_array'),
    ('lib/test_shape_base', 'TestSqueeze', 'test_basic',
     'here: TestSqueeze.test_basic'),
    ('lib/test_shape_base', 'TestKron', 'test_basic',
     'here: TestKron.test_basic'),
    ('lib/test_shape_base', 'TestKron', 'test_return_type',
     'here: TestKron.test_return_type'),
    ('lib/test_shape_base', 'TestKron', 'test_kron_smoke',
     'covered: test_numpy_core_suite.py::"kron"'),
    ('lib/test_shape_base', 'TestKron', 'test_kron_ma',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_shape_base', 'TestKron', 'test_kron_shape',
     'here: TestKron.test_kron_shape'),
    ('lib/test_shape_base', 'TestTile', 'test_basic',
     'here: TestTile.test_basic'),
    ('lib/test_shape_base', 'TestTile', 'test_tile_one_repetition_on_array_gh4679',
     'covered: test_numpy_core_suite.py::"tile"'),
    ('lib/test_shape_base', 'TestTile', 'test_empty',
     'here: TestTile.test_empty'),
    ('lib/test_shape_base', 'TestTile', 'test_kroncompare',
     'here: TestTile.test_kroncompare'),
    ('lib/test_shape_base', 'TestMayShareMemory', 'test_basic',
     "n/a: memory aliasing of NumPy views (gpuad's Tensors record copies; gnp.may_share_memory"
     ' raises naming it)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_intersect1d',
     'here: TestSetOps.test_intersect1d'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_intersect1d_array_like',
     'here: TestSetOps.test_intersect1d_array_like'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_intersect1d_indices',
     'here: TestSetOps.test_intersect1d_indices'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_setxor1d',
     'here: TestSetOps.test_setxor1d'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_setxor1d_unique',
     'here: TestSetOps.test_setxor1d_unique'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_ediff1d',
     'here: TestSetOps.test_ediff1d'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_ediff1d_forbidden_type_casts',
     'here: TestSetOps.test_ediff1d_forbidden_type_casts'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_ediff1d_scalar_handling',
     'here: TestSetOps.test_ediff1d_scalar_handling'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin',
     'here: TestSetOps.test_isin'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_additional',
     'covered: test_numpy_lib_suite.py::"isin"'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_char_array',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_invert',
     'here: TestSetOps.test_isin_invert'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_hit_alternate_algorithm',
     'here: TestSetOps.test_isin_hit_alternate_algorithm'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_boolean',
     'here: TestSetOps.test_isin_boolean'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_timedelta',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_table_timedelta_fails',
     'n/a: datetime64/timedelta64 (no datetime dtypes on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_mixed_dtype',
     'here: TestSetOps.test_isin_mixed_dtype'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_mixed_huge_vals',
     'here: TestSetOps.test_isin_mixed_huge_vals'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_mixed_boolean',
     'here: TestSetOps.test_isin_mixed_boolean'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_first_array_is_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_second_array_is_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_both_arrays_are_object',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_both_arrays_have_structured_dtype',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_with_arrays_containing_tuples',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_isin_errors',
     'here: TestSetOps.test_isin_errors'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_union1d',
     'here: TestSetOps.test_union1d'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_setdiff1d',
     'here: TestSetOps.test_setdiff1d'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_setdiff1d_unique',
     'here: TestSetOps.test_setdiff1d_unique'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_setdiff1d_char_array',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestSetOps', 'test_manyways',
     'here: TestSetOps.test_manyways'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_1d',
     'here: TestUnique.test_unique_1d'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_zero_sized',
     'covered: test_numpy_lib_suite.py::"unique"'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_byte_string_hash_based',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_unicode_string_hash_based',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_vstring_hash_based_equal_nan',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_vstring_hash_based_not_equal_nan',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_vstring_errors',
     'n/a: string, bytes and structured dtypes (numeric arrays only on the GPU)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unsupported_hash_based',
     'covered: test_numpy_lib_suite.py::"unique"'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis_errors',
     'here: TestUnique.test_unique_axis_errors'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis_list',
     'here: TestUnique.test_unique_axis_list'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis',
     'here: TestUnique.test_unique_axis'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_1d_with_axis',
     'here: TestUnique.test_unique_1d_with_axis'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_inverse_with_axis',
     'here: TestUnique.test_unique_inverse_with_axis'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis_zeros',
     'here: TestUnique.test_unique_axis_zeros'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_sort_order_with_axis',
     'here: TestUnique.test_unique_sort_order_with_axis'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_nanequals',
     'here: TestUnique.test_unique_nanequals'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_array_api_functions',
     'here: TestUnique.test_unique_array_api_functions'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_inverse_shape',
     'here: TestUnique.test_unique_inverse_shape'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_with_matrix',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis0_equal_nan_on_1d_array',
     'here: TestUnique.test_unique_axis0_equal_nan_on_1d_array'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis_minus1_eq_on_1d_array',
     'here: TestUnique.test_unique_axis_minus1_eq_on_1d_array'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_axis_float_raises_typeerror',
     'here: TestUnique.test_unique_axis_float_raises_typeerror'),
    ('lib/test_arraysetops', 'TestUnique', 'test_unique_complex_signed_zeros',
     'here: TestUnique.test_unique_complex_signed_zeros'),
    ('lib/test_nanfunctions', 'TestSignatureMatch', 'test_signature_match',
     "n/a: that numpy's nan* signatures match the non-nan ones (NumPy's internal consistency)"),
    ('lib/test_nanfunctions', 'TestSignatureMatch', 'test_exhaustiveness',
     "n/a: that numpy's nan* signatures match the non-nan ones (NumPy's internal consistency)"),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_mutation',
     'covered: test_numpy_lib_suite.py::"nanmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_keepdims',
     'here: TestNanFunctions_MinMax.test_keepdims'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_out',
     'covered: test_numpy_lib_suite.py::"nanmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_dtype_from_input',
     'covered: test_numpy_lib_suite.py::"nanmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_result_values',
     'here: TestNanFunctions_MinMax.test_result_values'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_allnans',
     'here: TestNanFunctions_MinMax.test_allnans'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_masked',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_scalar',
     'covered: test_numpy_lib_suite.py::"nanmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_object_array',
     'n/a: object arrays (no object dtype on the GPU)'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_initial',
     'here: TestNanFunctions_MinMax.test_initial'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MinMax', 'test_where',
     'here: TestNanFunctions_MinMax.test_where'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_mutation',
     'covered: test_numpy_lib_suite.py::"nanargmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_result_values',
     'here: TestNanFunctions_ArgminArgmax.test_result_values'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_allnans',
     'here: TestNanFunctions_ArgminArgmax.test_allnans'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_empty',
     'here: TestNanFunctions_ArgminArgmax.test_empty'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_scalar',
     'here: TestNanFunctions_ArgminArgmax.test_scalar'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_keepdims',
     'here: TestNanFunctions_ArgminArgmax.test_keepdims'),
    ('lib/test_nanfunctions', 'TestNanFunctions_ArgminArgmax', 'test_out',
     'covered: test_numpy_lib_suite.py::"nanargmin"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_NumberTypes', 'test_nanfunc',
     'here: TestNanFunctions_NumberTypes.test_nanfunc'),
    ('lib/test_nanfunctions', 'TestNanFunctions_NumberTypes', 'test_nanfunc_q',
     'here: TestNanFunctions_NumberTypes.test_nanfunc_q'),
    ('lib/test_nanfunctions', 'TestNanFunctions_NumberTypes', 'test_nanfunc_ddof',
     'here: TestNanFunctions_NumberTypes.test_nanfunc_ddof'),
    ('lib/test_nanfunctions', 'TestNanFunctions_NumberTypes', 'test_nanfunc_correction',
     'here: TestNanFunctions_NumberTypes.test_nanfunc_correction'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_mutation',
     'covered: test_numpy_lib_suite.py::"nansum"'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_keepdims',
     'here: SharedNanFunctionsTestsMixin.test_keepdims'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_out',
     'covered: test_numpy_lib_suite.py::"nansum"'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_dtype_from_dtype',
     'here: SharedNanFunctionsTestsMixin.test_dtype_from_dtype'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_dtype_from_char',
     'here: SharedNanFunctionsTestsMixin.test_dtype_from_char'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_dtype_from_input',
     'covered: test_numpy_lib_suite.py::"nansum"'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_result_values',
     'here: SharedNanFunctionsTestsMixin.test_result_values'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_scalar',
     'here: SharedNanFunctionsTestsMixin.test_scalar'),
    ('lib/test_nanfunctions', 'SharedNanFunctionsTestsMixin', 'test_subclass',
     'n/a: ndarray subclasses and numpy.ma (gpuad has Tensors and backend arrays)'),
    ('lib/test_nanfunctions', 'TestNanFunctions_SumProd', 'test_allnans',
     'covered: test_numpy_lib_suite.py::"nansum"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_SumProd', 'test_empty',
     'here: TestNanFunctions_SumProd.test_empty'),
    ('lib/test_nanfunctions', 'TestNanFunctions_SumProd', 'test_initial',
     'here: TestNanFunctions_SumProd.test_initial'),
    ('lib/test_nanfunctions', 'TestNanFunctions_SumProd', 'test_where',
     'here: TestNanFunctions_SumProd.test_where'),
    ('lib/test_nanfunctions', 'TestNanFunctions_CumSumProd', 'test_allnans',
     'covered: test_numpy_lib_suite.py::"nancumsum"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_CumSumProd', 'test_empty',
     'here: TestNanFunctions_CumSumProd.test_empty'),
    ('lib/test_nanfunctions', 'TestNanFunctions_CumSumProd', 'test_keepdims',
     'covered: test_numpy_lib_suite.py::"nancumsum"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_CumSumProd', 'test_result_values',
     'here: TestNanFunctions_CumSumProd.test_result_values'),
    ('lib/test_nanfunctions', 'TestNanFunctions_CumSumProd', 'test_out',
     'covered: test_numpy_lib_suite.py::"nancumsum"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_dtype_error',
     'here: TestNanFunctions_MeanVarStd.test_dtype_error'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_out_dtype_error',
     'covered: test_numpy_lib_suite.py::"nanvar"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_ddof',
     'here: TestNanFunctions_MeanVarStd.test_ddof'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_ddof_too_big',
     'here: TestNanFunctions_MeanVarStd.test_ddof_too_big'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_allnans',
     'covered: test_numpy_lib_suite.py::"nanvar"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_empty',
     'here: TestNanFunctions_MeanVarStd.test_empty'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_where',
     'here: TestNanFunctions_MeanVarStd.test_where'),
    ('lib/test_nanfunctions', 'TestNanFunctions_MeanVarStd', 'test_nanstd_with_mean_keyword',
     'here: TestNanFunctions_MeanVarStd.test_nanstd_with_mean_keyword'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_mutation',
     'covered: test_numpy_lib_suite.py::"nanmedian"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_keepdims',
     'here: TestNanFunctions_Median.test_keepdims'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_keepdims_out',
     'covered: test_numpy_lib_suite.py::"nanmedian"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_out',
     'covered: test_numpy_lib_suite.py::"nanmedian"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_small_large',
     'here: TestNanFunctions_Median.test_small_large'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_result_values',
     'here: TestNanFunctions_Median.test_result_values'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_allnans',
     'here: TestNanFunctions_Median.test_allnans'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_empty',
     'here: TestNanFunctions_Median.test_empty'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_scalar',
     'covered: test_numpy_lib_suite.py::"nanmedian"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_extended_axis_invalid',
     'here: TestNanFunctions_Median.test_extended_axis_invalid'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Median', 'test_float_special',
     'here: TestNanFunctions_Median.test_float_special'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_mutation',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_keepdims',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_keepdims_out',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_out',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_complex',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_result_values',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_allnans',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_empty',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_scalar',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_extended_axis_invalid',
     'here: TestNanFunctions_Percentile.test_extended_axis_invalid'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_multiple_percentiles',
     'here: TestNanFunctions_Percentile.test_multiple_percentiles'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_nan_value_with_weight',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Percentile', 'test_nan_value_with_weight_ndim',
     'covered: test_numpy_lib_suite.py::"nanpercentile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Quantile', 'test_regression',
     'covered: test_numpy_lib_suite.py::"nanquantile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Quantile', 'test_basic',
     'here: TestNanFunctions_Quantile.test_basic'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Quantile', 'test_complex',
     'here: TestNanFunctions_Quantile.test_complex'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Quantile', 'test_no_p_overwrite',
     'covered: test_numpy_lib_suite.py::"nanquantile"'),
    ('lib/test_nanfunctions', 'TestNanFunctions_Quantile', 'test_allnans',
     'covered: test_numpy_lib_suite.py::"nanquantile"'),
    ('lib/test_nanfunctions', '<module>', 'test__nan_mask',
     'n/a: private helpers of numpy.lib._nanfunctions_impl'),
    ('lib/test_nanfunctions', '<module>', 'test__replace_nan',
     'n/a: private helpers of numpy.lib._nanfunctions_impl'),
    ('lib/test_nanfunctions', '<module>', 'test_memmap_takes_fast_route',
     "n/a: CPython reference counts and memory maps of NumPy's C code"),
)


class Case:
    def __init__(self, name, args, kw, src):
        self.name, self.args, self.kw, self.src = name, args, kw, src

    def __repr__(self):
        return f"{self.src}: {self.name}{self.args!r:.70}{self.kw!r:.40}"


NANMAT = A([[0.6244, np.nan, 0.2692], [0.5351, -0.9403, np.nan], [np.nan, np.nan, np.nan]])

#: where gpuad deliberately gives another answer: (function, predicate on the case) -> reason
DIFFERS = {
    "trim_zeros-list": (
        lambda c: c.name == "trim_zeros" and isinstance(c.args[0], list),
        "a list is read as an array at gpuad.numpy's boundary (as every function's lists), so "
        "the result is an array with the list's values; NumPy slices the list itself"),
    "bincount-empty-weights": (
        lambda c: c.name == "bincount" and "weights" in c.kw and not len(c.args[0]),
        "no values and float weights give float64 zeros (the weights' dtype, as for any "
        "other input); NumPy gives int64 for this one empty case"),
}


def _build_cases() -> list:
    cases: list = []
    tag = [""]

    def at(t: str) -> None:
        tag[0] = t

    def chk(name, *args, **kw):
        cases.append(Case(name, args, kw, tag[0]))

    m = NANMAT
    # ---- numpy/_core/tests/test_numeric.py ------------------------------------------------------
    at("TestResize.test_zeroresize")
    chk("resize", A([[1.0, 2], [3, 4]]), 0)
    chk("resize", A([[1.0, 2], [3, 4]]), (0, 2))
    at("TestResize.test_reshape_from_zero")
    chk("resize", np.zeros((0, 3)), (2, 1))
    at("TestResize.test_negative_resize")
    chk("resize", A([1.0]), -1)
    chk("resize", A([1.0]), (-1,))
    at("TestResize.test_unsigned_resize")
    chk("resize", A([1.0, 2]), np.uint8(3))
    chk("resize", A([1.0, 2]), (3, np.uint8(2)))
    at("TestResize.test_repeats")
    chk("resize", A([[1.0, 2], [3, 4]]), (2, 4))
    at("TestNonarrayArgs.test_count_nonzero")
    chk("count_nonzero", A([[0, 1, 7, 0], [3, 0, 2, 19]]), axis=(0, 1))
    chk("count_nonzero", A([[0, 1, 7, 0], [3, 0, 2, 19]]), axis=1, keepdims=True)
    chk("count_nonzero", A([[0.0, 1], [np.nan, 0]]), axis=-1)
    at("TestNonzero.test_count_nonzero_axis")
    chk("count_nonzero", A([[0, 1], [2, 0]]), axis=2)
    chk("count_nonzero", A([[0, 1], [2, 0]]), axis=(0, 0))
    at("TestStdVar.test_ddof1")
    chk("std", A([1.0, 2, 3, 4]), ddof=1)
    at("TestStdVar.test_ddof2")
    chk("var", A([1.0, 2, 3, 4]), ddof=2)
    chk("var", A([1.0, 2]), ddof=4)
    at("TestStdVar.test_correction")
    chk("var", A([1.0, 2, 3, 4]), correction=1)
    chk("std", A([1.0, 2, 3, 4]), correction=2)
    chk("var", A([1.0, 2, 3, 4]), ddof=1, correction=1)
    at("TestStdVar.test_scalars")
    chk("std", A(3.0))
    at("TestNonarrayArgs.test_var_with_mean_keyword")
    chk("var", A([1.0, 2]), mean=A(1.5))
    at("TestStdVarComplex.test_basic")
    chk("std", A([1 + 1j, 2 - 1j, 3j]))
    chk("var", A([1 + 1j, 2 - 1j, 3j]), ddof=1)
    at("TestArgwhere.test_nd")
    chk("argwhere", A([[0, 1], [2, 0]]))
    chk("argwhere", A(1))
    chk("argwhere", A(0))
    chk("argwhere", np.ones((2, 0, 3)))
    at("TestArgwhere.test_list")
    chk("argwhere", [4, 0, 2, 1, 3])
    at("TestRoll.test_roll_big_int")
    chk("roll", np.arange(5.0), np.int64(2**62))
    at("TestRoll.test_roll_unsigned_shift")
    chk("roll", np.arange(5.0), np.uint64(3))
    at("TestRoll.test_roll_empty")
    chk("roll", np.zeros(0), 1)
    at("TestRollaxis.test_exceptions")
    for ax_st in ((4,), (-5,), (0, 5), (0, -5)):
        chk("rollaxis", np.ones((1, 2, 3, 4)), *ax_st)
    at("TestMoveaxis.test_errors")
    chk("moveaxis", np.ones((1, 2, 3, 4)), 0, 4)
    chk("moveaxis", np.ones((1, 2, 3, 4)), [0, 0], [0, 1])
    chk("moveaxis", np.ones((1, 2, 3, 4)), [0, 1], [1, 1])
    chk("moveaxis", np.ones((1, 2, 3, 4)), 0, [0, 1])
    at("TestMoveaxis.test_array_likes")
    chk("moveaxis", [[1.0, 2], [3, 4]], 0, 1)
    at("TestMoveaxis.test_move_multiples")
    chk("moveaxis", np.ones((1, 2, 3, 4)), [0, 1], [1, 0])
    chk("moveaxis", np.arange(24.0).reshape(2, 3, 4), [0, 1, 2], [2, 1, 0])
    chk("moveaxis", np.arange(24.0).reshape(2, 3, 4), -1, 0)
    at("TestCross.test_broadcasting_shapes")
    chk("cross", np.ones((5, 3)), np.ones((1, 3)))
    chk("cross", np.ones((5, 3)), np.ones((2, 3)))
    chk("cross", np.arange(6.0).reshape(2, 3), np.arange(6.0, 12).reshape(2, 3), axis=1)
    at("TestCross.test_uint8_int32_mixed_dtypes")
    chk("cross", A([1, 2, 3], dtype=np.uint8), A([4, 5, 6], dtype=np.int32))
    at("TestCross.test_zero_dimension")
    chk("cross", np.ones((0, 3)), np.ones((0, 3)))
    chk("cross", np.ones((3, 0)), np.ones((3, 0)), axis=0)
    at("TestIndices.test_sparse")
    chk("indices", (2, 3), sparse=True)
    at("TestIndices.test_simple")
    chk("indices", (2, 3))
    chk("indices", (2, 3), dtype=np.float32)
    at("TestIndices.test_single_input")
    chk("indices", (3,))
    at("TestIndices.test_scalar_input")
    chk("indices", ())
    at("TestTensordot.test_rejects_duplicate_axes")
    chk("tensordot", np.ones((2, 3)), np.ones((3, 2)), axes=([0, 0], [1, 1]))
    at("TestTensordot.test_zero_dimension")
    chk("tensordot", np.ones((0, 3)), np.ones((3, 0)), axes=1)
    at("TestTensordot.test_zero_dimensional")
    chk("tensordot", A(2.0), A(3.0), axes=0)
    chk("tensordot", np.ones((2, 2)), np.ones((2, 2)), axes=((0, 1), (0,)))
    at("TestIsclose.test_ip_isclose")
    chk("isclose", A([1e10, 1e-7]), A([1.00001e10, 1e-8]))
    chk("isclose", A([1e10, 1e-8]), A([1.00001e10, 1e-9]))
    chk("isclose", A([np.inf, -np.inf]), A([np.inf, np.inf]))
    chk("isclose", A([1.0, 2.0]), A([1.0, 2.5]), rtol=A([0.0, 0.3]))
    at("TestIsclose.test_equal_nan")
    chk("isclose", A([np.nan, 1]), A([np.nan, 1]), equal_nan=True)
    at("TestIsclose.test_scalar_return")
    chk("isclose", 1.0, 1.0 + 1e-9)
    at("TestIsclose.test_nep50_isclose")
    chk("isclose", A([1, 2], dtype=np.int8), np.int8(1))
    at("TestAllclose.test_min_int")
    chk("allclose", A([np.iinfo(np.int64).min]), A([np.iinfo(np.int64).min]))
    at("TestAllclose.test_equalnan")
    chk("allclose", A([np.nan]), A([np.nan]), equal_nan=True)
    at("TestAllclose.test_ip_not_allclose")
    chk("allclose", A([1e10, 1e-7]), A([1.00001e10, 1e-8]))
    at("TestArrayComparisons.test_array_equal_equal_nan")
    chk("array_equal", A([1.0, np.nan]), A([1.0, np.nan]), equal_nan=True)
    chk("array_equal", A([1 + 1j, np.nan]), A([1 + 1j, np.nan]), equal_nan=True)
    chk("array_equal", A([1, 2]), A([1, 2]), equal_nan=True)
    at("TestArrayComparisons.test_array_equal_different_scalar_types")
    chk("array_equal", A([1, 2]), A([1.0, 2.0]))
    at("TestArrayComparisons.test_array_equiv")
    chk("array_equiv", A([1, 2]), A([[1, 2], [1, 2]]))
    chk("array_equiv", A([1, 2]), A([[1, 2, 1, 2]]))
    chk("array_equiv", A([1, 2]), A([1, 3]))
    chk("array_equiv", A([1]), A([[1], [1]]))
    at("TestCreationFuncs.test_full")
    chk("full", (2, 3), 1.5, dtype=np.int64)
    chk("full", (2,), A([1.0, 2]))
    at("TestLikeFuncs.test_filled_like")
    chk("full_like", A([1, 2]), 1.7)
    chk("full_like", A([1.0, 2]), 3, dtype=np.int8)
    at("TestLikeFuncs.test_zeros_like")
    chk("zeros_like", A([[1, 2]]), shape=(3,))
    at("TestLikeFuncs.test_ones_like")
    chk("ones_like", A([1.0]), dtype="f4")
    at("TestCorrelate.test_zero_size")
    chk("correlate", A([]), A([1.0]), mode="valid")
    at("TestConvolve.test_convolve_empty_input_error_message")
    chk("convolve", A([]), A([1.0]))
    at("TestCorrelate.test_mode")
    chk("correlate", A([1.0, 2, 3]), A([0.0, 1, 0.5]), mode="valid")
    chk("correlate", A([1.0, 2]), A([1.0]), mode=3)
    at("TestConvolve.test_mode")
    chk("convolve", A([1.0, 2, 3]), A([0.0, 1, 0.5]), mode="same")
    chk("convolve", A([1.0, 2, 3]), A([0.0, 1, 0.5]), mode=-1)
    at("TestClip.test_clip_value_min_max_flip")
    chk("clip", A([1.0, 2, 3]), A([2.0, np.nan, 0]), 2.5)
    at("TestClip.test_clip_scalar_nan_propagation")
    chk("clip", A([1, 2, 3], dtype=np.int8), np.int64(1), np.int64(2))
    at("TestNonarrayArgs.test_reshape")
    chk("reshape", np.arange(6.0), (2, 3))
    chk("reshape", np.arange(6.0), (4, -1))
    at("TestNonarrayArgs.test_reshape_shape_arg")
    chk("reshape", np.arange(6.0), shape=(3, 2))
    chk("reshape", np.arange(6.0))
    at("TestNonarrayArgs.test_reshape_copy_arg")
    chk("reshape", np.arange(6.0), (2, 3), copy=True)
    chk("reshape", np.arange(6.0), (2, 3), copy=False)
    at("TestIsscalar.test_isscalar")
    chk("isscalar", 3.0)
    chk("isscalar", A(3.0))
    chk("isscalar", [3.0])
    chk("isscalar", np.float32(3.0))
    at("TestTypes.test_result_type")
    chk("result_type", np.int8, np.float32)
    chk("result_type", A([1], dtype=np.int8), 1.0)
    chk("result_type", A([1.0], dtype=np.float32), A([1.0]))
    at("TestTypes.test_can_cast")
    chk("can_cast", np.float64, np.float32)
    chk("can_cast", np.int8, np.uint8, "same_kind")
    chk("can_cast", A([1.0]), np.int32, "same_kind")
    chk("can_cast", np.float32, np.float64, "nope")
    at("TestTypes.test_can_cast_scalars")
    chk("can_cast", 1.0, np.float32)
    chk("can_cast", np.float64(1e300), np.float32)
    at("TestTypes.test_can_cast_values")
    chk("can_cast", np.int64(1), np.int8)
    chk("can_cast", np.uint8(200), np.int8, "same_kind")
    at("TestAsType.test_astype")
    chk("astype", A([1.5, -2]), np.int32)
    chk("astype", A([1.5]), np.float32, copy=False)
    chk("astype", A([1, 0]), bool)
    at("TestAny.test_nd")
    chk("any", A([[0.0, 1], [0, 0]]), axis=0)
    chk("any", A([[0.0, 1], [0, 0]]), axis=1, keepdims=True)
    at("TestAny.test_basic")
    chk("any", A([np.nan]))
    chk("any", A([], dtype=np.float64))
    at("TestAll.test_nd")
    chk("all", A([[0.0, 1], [1, 1]]), axis=0)
    at("TestAll.test_basic")
    chk("all", A([-0.0, 1]))
    chk("all", A([], dtype=np.float64))
    at("test_any_and_all_result_dtype")
    chk("any", A([1, 0], dtype=np.int8))
    chk("all", A([1, 2], dtype=np.uint16))
    # ---- numpy/_core/tests/test_shape_base.py ---------------------------------------------------
    at("TestAtleast1d.test_0D_array")
    chk("atleast_1d", A(1.0))
    at("TestAtleast2d.test_1D_array")
    chk("atleast_2d", A([1.0, 2]))
    at("TestAtleast3d.test_1D_array")
    chk("atleast_3d", A([1.0, 2]))
    at("TestAtleast3d.test_2D_array")
    chk("atleast_3d", np.ones((2, 3)))
    at("TestHstack.test_casting_and_dtype")
    chk("hstack", [A([1.0]), A([2.0])], dtype=np.int64)
    chk("hstack", [A([1.0]), A([2.0])], dtype=np.int64, casting="same_kind")
    at("TestHstack.test_casting_and_dtype_type_error")
    chk("hstack", [A([1]), A([2.5])], casting="safe", dtype=np.int64)
    at("TestVstack.test_casting_and_dtype")
    chk("vstack", [A([1.0, 2]), A([3.0, 4])], dtype=np.float32)
    at("TestVstack.test_empty_input")
    chk("vstack", [])
    at("TestHstack.test_empty_input")
    chk("hstack", [])
    at("TestConcatenate.test_concatenate_axis_None")
    chk("concatenate", [A([1.0]), A([2])], axis=None)
    chk("concatenate", [np.ones((2, 2)), np.ones((2, 3))], axis=None)
    at("TestConcatenate.test_exceptions")
    chk("concatenate", [np.ones((2, 2)), np.ones((2, 3))])
    chk("concatenate", [np.ones((2, 2)), np.ones((2,))])
    chk("concatenate", [np.ones((2, 2)), np.ones((2, 2))], axis=2)
    chk("concatenate", [np.ones((2, 2)), np.ones((2, 2))], axis=-3)
    chk("concatenate", [A(1.0), A(2.0)])
    chk("concatenate", [])
    at("TestConcatenate.test_dtype_with_promotion")
    chk("concatenate", [A([1.0]), A([2.0])], dtype=np.int64, casting="unsafe")
    chk("concatenate", [A([1.0]), A([2.0])], dtype=np.int64)
    chk("concatenate", [A([1, 2]), A([3.5])], dtype="f4")
    at("test_stack")
    chk("stack", [A([1.0, 2]), A([3.0, 4])], axis=-1)
    chk("stack", [A([1.0, 2]), A([3.0, 4])], axis=3)
    chk("stack", [A([1.0, 2]), A([3.0, 4, 5])])
    chk("stack", [])
    chk("stack", [A(1.0), A(2.0)])
    at("test_stack_out_and_dtype")
    chk("stack", [A([1.0, 2]), A([3.0, 4])], dtype=np.int64, casting="unsafe")
    chk("stack", [A([1.0, 2]), A([3.0, 4])], dtype=np.int64)
    at("test_unstack")
    chk("unstack", np.arange(6.0).reshape(2, 3))
    chk("unstack", np.arange(6.0).reshape(2, 3), axis=1)
    chk("unstack", A(1.0))
    chk("unstack", np.ones((0, 2)))
    chk("unstack", np.ones((2, 3)), axis=2)
    at("TestBlock.test_block_with_mismatched_shape")
    chk("block", [np.ones((2, 2)), np.ones((3, 3))])
    at("TestBlock.test_nested")
    chk("block", [[np.ones((2, 2)), np.ones((2, 1))], [np.ones((1, 3))]])
    chk("block", [[A([1.0])], [A([2.0])]])
    at("TestBlock.test_invalid_nesting")
    chk("block", [[1, 2], [3]])
    chk("block", [A([1.0]), [A([2.0])]])
    at("TestBlock.test_empty_lists")
    chk("block", [[]])
    chk("block", [[[]]])
    at("TestBlock.test_tuple")
    chk("block", (A([1.0]),))
    # ---- numpy/lib/tests/test_function_base.py --------------------------------------------------
    at("TestRot90.test_basic")
    r23 = np.arange(6.0).reshape(2, 3)
    chk("rot90", r23, 1, (0, 1))
    chk("rot90", r23, -3)
    chk("rot90", r23, 1, (0, 0))
    chk("rot90", r23, 1, (0, 2))
    chk("rot90", r23, 1, (0, 1, 1))
    chk("rot90", A([1.0, 2]))
    at("TestRot90.test_axes")
    chk("rot90", r23, 5, (1, 0))
    at("TestRot90.test_rotation_axes")
    chk("rot90", np.arange(24.0).reshape(2, 3, 4), 2, (2, 0))
    at("TestFlip.test_multiple_axes")
    chk("flip", np.arange(24.0).reshape(2, 3, 4), (0, 2))
    at("TestFlip.test_axes")
    chk("flip", np.arange(4.0), 1)
    chk("flip", A(1.0), 0)
    at("TestFlip.test_default_axis")
    chk("flip", np.arange(24.0).reshape(2, 3, 4))
    chk("flip", A(1.0))
    at("TestFlip.test_basic_ud")
    chk("flipud", A([1.0, 2]))
    at("TestFlip.test_basic_lr")
    chk("fliplr", A([1.0, 2]))
    at("TestAverage.test_weights")
    w13 = A([1.0, 3])
    chk("average", A([[1.0, 2], [3, 4]]), axis=0, weights=w13)
    chk("average", A([[1.0, 2], [3, 4]]), weights=w13)
    chk("average", A([1.0, 2]), weights=A([1.0, -1]))
    chk("average", np.ones((2, 3, 4)), axis=(0, 2), weights=np.ones((2, 4)))
    at("TestAverage.test_basic_keepdims")
    chk("average", A([[1.0, 2], [3, 4]]), axis=1, keepdims=True)
    at("TestAverage.test_returned")
    chk("average", A([[1.0, 2], [3, 4]]), axis=1, weights=A([[1.0, 3], [2, 2]]), returned=True)
    chk("average", A([1, 2, 3]), returned=True)
    at("TestAverage.test_weight_and_input_dims_different")
    chk("average", np.ones((2, 3)), axis=None, weights=np.ones(3))
    at("TestAverage.test_upcasting")
    chk("average", A([1, 2, 3], dtype=np.int8), weights=A([1, 2, 3], dtype=np.int8))
    chk("average", A([1.0, 2], dtype=np.float32), weights=A([1, 2]))
    at("TestSelect.test_basic")
    chk("select", [A([True, False, False]), A([False, True, False])],
        [A([1.0, 2, 3]), A([4.0, 5, 6])], 7.0)
    at("TestSelect.test_broadcasting")
    chk("select", [A([True, False])], [A(3.0)], A([1.0, 2]))
    at("TestSelect.test_return_dtype")
    chk("select", [A([True, False]), A([True, True])],
        [A([1, 2], dtype=np.int8), A([3.0, 4], dtype=np.float32)])
    at("TestSelect.test_non_bool_deprecation")
    chk("select", [A([1, 0])], [A([1.0, 2])])
    at("TestSelect.test_many_arguments")
    chk("select", [], [])
    chk("select", [A([True])], [A([1]), A([2])])
    at("TestInsert.test_basic")
    a3 = A([1.0, 2, 3])
    chk("insert", a3, 0, 9.0)
    chk("insert", a3, -1, 9.0)
    chk("insert", a3, [1, 1], [7.0, 8])
    chk("insert", a3, slice(None), 9.0)
    chk("insert", a3, A(1), A([7.0, 8]))
    chk("insert", a3, [], [])
    at("TestInsert.test_multidim")
    chk("insert", A([[1.0, 2], [3, 4]]), 1, [5.0, 6], axis=1)
    chk("insert", A([[1.0, 2], [3, 4]]), [1], [[5.0], [6]], axis=1)
    chk("insert", A([[1.0, 2], [3, 4]]), 1, 9.0)
    chk("insert", A([[1.0, 2], [3, 4]]), 1, 9.0, axis=2)
    at("TestInsert.test_index_out_of_bounds")
    chk("insert", a3, 5, 9.0)
    chk("insert", a3, -5, 9.0)
    at("TestInsert.test_index_floats")
    chk("insert", a3, 1.0, 9.0)
    chk("insert", a3, [1.0], 9.0)
    at("TestInsert.test_0d")
    chk("insert", A(1.0), 0, 2.0)
    at("TestInsert.test_index_array_copied")
    chk("insert", A([1.0, 2]), A([0, 1]), A([7.0, 8]))
    at("TestDelete.test_slices")
    a5 = np.arange(5.0)
    chk("delete", a5, slice(1, None, 2))
    chk("delete", a5, slice(None, None, -2))
    at("TestDelete.test_fancy")
    chk("delete", a5, [1, 1, 3])
    chk("delete", a5, [True, False, True, False, False])
    chk("delete", a5, [True, False])
    chk("delete", a5, [])
    chk("delete", a5, [-1, 6])
    at("TestDelete.test_single")
    chk("delete", a5, -1)
    chk("delete", a5, 5)
    chk("delete", np.arange(6.0).reshape(2, 3), 1, axis=1)
    at("TestDelete.test_index_floats")
    chk("delete", a5, 1.0)
    chk("delete", a5, A([1.0]))
    at("TestDelete.test_single_item_array")
    chk("delete", a5, A([1]))
    at("TestDelete.test_0d")
    chk("delete", A(1.0), 0)
    chk("delete", A(1.0), 0, axis=0)
    at("TestDiff.test_n")
    chk("diff", A([1.0, 4, 6]), n=0)
    chk("diff", A([1.0, 4, 6]), n=-1)
    chk("diff", A([1.0, 4, 6]), n=5)
    at("TestDiff.test_axis")
    chk("diff", A(1.0))
    chk("diff", r23, axis=3)
    at("TestDiff.test_prepend")
    chk("diff", A([1.0, 4]), prepend=0)
    chk("diff", r23, prepend=np.zeros((2, 1)))
    chk("diff", r23, prepend=np.zeros((1, 3)))
    at("TestDiff.test_append")
    chk("diff", r23, append=0, axis=0)
    at("TestDiff.test_basic")
    chk("diff", A([True, False, True]))
    chk("diff", A([1, 4, 6], dtype=np.uint8))
    at("TestGradient.test_spacing")
    g5 = A([1.0, 2, 4, 7, 11])
    x5 = A([0.0, 1, 1.5, 3.5, 4])
    chk("gradient", g5, 2.0)
    chk("gradient", g5, x5)
    chk("gradient", g5, x5, edge_order=2)
    at("TestGradient.test_second_order_accurate")
    chk("gradient", g5, edge_order=2)
    at("TestGradient.test_specific_axes")
    chk("gradient", r23**2, axis=1)
    chk("gradient", r23**2, axis=(1, 0))
    chk("gradient", r23**2, axis=-1)
    chk("gradient", A([1.0, 2, 3]), axis=1)
    at("TestGradient.test_badargs")
    chk("gradient", r23**2, 1.0, 2.0, 3.0)
    chk("gradient", A([1.0, 2, 3]), A([1.0, 2]))
    chk("gradient", A([1.0, 2, 3]), edge_order=3)
    at("TestGradient.test_values")
    chk("gradient", A([1.0]))
    chk("gradient", A([1.0, 2]), edge_order=2)
    at("TestGradient.test_inexact_dtypes")
    chk("gradient", A([1, 2, 4], dtype=np.int8))
    chk("gradient", A([1, 2, 4], dtype=np.uint8))
    at("TestGradient.test_f_decreasing_unsigned_int")
    chk("gradient", A([5.0, 4, 3]), A([3.0, 2, 1]))
    at("TestGradient.test_args")
    chk("gradient", r23**2, A([0.0, 1]), 1.0)
    at("TestAngle.test_basic")
    chk("angle", A([1 + 1j, -1, 0, -0.0 + 0j]), deg=True)
    chk("angle", A([1, -1]))
    chk("angle", A([-0.0, 0.0]))
    chk("angle", A(-1j))
    at("TestTrimZeros.test_basic")
    z5 = A([0.0, 1, 0, 2, 0])
    chk("trim_zeros", z5)
    chk("trim_zeros", A([0, 1, 0], dtype=np.int64))
    at("TestTrimZeros.test_leading_skip")
    chk("trim_zeros", z5, "b")
    at("TestTrimZeros.test_trailing_skip")
    chk("trim_zeros", z5, "F")
    at("TestTrimZeros.test_all_zero")
    chk("trim_zeros", A([0.0, 0]))
    at("TestTrimZeros.test_size_zero")
    chk("trim_zeros", A([]))
    at("TestTrimZeros.test_nd_basic")
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]))
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]), axis=0)
    chk("trim_zeros", A([[0.0, 0, 0], [0, 1, 0], [0, 0, 2]]), "b", axis=-1)
    at("TestTrimZeros.test_allzero")
    chk("trim_zeros", np.zeros((2, 3)))
    at("TestTrimZeros.test_unexpected_trim_value")
    chk("trim_zeros", A([0.0, 1]), "x")
    chk("trim_zeros", A([0.0, 1]), "fbx")
    at("TestTrimZeros.test_list_to_list")
    chk("trim_zeros", [0, 1, 2, 0])
    at("TestExtins.test_basic")
    chk("extract", A([True, False, True]), a3)
    chk("extract", r23 % 2 == 0, r23)
    chk("extract", A([1, 0, 3]), a3)
    chk("extract", A([True]), A([1.0, 2]))
    at("TestUnwrap.test_simple")
    chk("unwrap", A([1.0, 1 + 2 * np.pi]))
    chk("unwrap", A([0.0, 3.5, 1]), discont=4)
    chk("unwrap", A([[0.0, 4], [2, 7]]), axis=0)
    at("TestUnwrap.test_period")
    chk("unwrap", A([0.0, 5, 10]), period=6)
    chk("unwrap", A([0, 3, 7, 1], dtype=np.int64), period=6)
    chk("unwrap", A([0, 3, 7, 1], dtype=np.int64), period=5)
    chk("unwrap", A([0.0, 3, 7, 1]), period=5)
    chk("unwrap", A([0.0, 170, 360, 10]), period=360)
    at("TestSinc.test_simple")
    chk("sinc", A([0.0, 0.5, -1, 1e-300]))
    at("TestSinc.test_array_like")
    chk("sinc", [0.0, 0.5])
    at("TestSinc.test_bool_dtype")
    chk("sinc", A([True, False]))
    at("TestSinc.test_int_dtypes")
    chk("sinc", A([0, 1, 2], dtype=np.int8))
    chk("sinc", A([0, 1, 2], dtype=np.uint16))
    at("TestSinc.test_float_dtypes")
    chk("sinc", A([0.0, 0.5], dtype=np.float32))
    at("TestSinc.test_float16_underflow")
    chk("sinc", A([0.0, 1e-4], dtype=np.float16))
    at("Test_I0.test_simple")
    chk("i0", A([0.0, 1, -1, 10]))
    chk("i0", A([1.0], dtype=np.float32))
    chk("i0", A([1, 2]))
    at("Test_I0.test_non_array")
    chk("i0", [1.0, 2])
    at("Test_I0.test_complex")
    chk("i0", A([0.5 + 0.5j]))
    at("TestKaiser.test_simple")
    chk("kaiser", 5, 6.0)
    chk("kaiser", 1, 1.0)
    chk("kaiser", 0, 1.0)
    at("TestKaiser.test_int_beta")
    chk("kaiser", 4, 5)
    at("TestFilterwindows.test_hanning")
    chk("hanning", 5)
    chk("hanning", -1)
    at("TestFilterwindows.test_hamming")
    chk("hamming", 1)
    at("TestFilterwindows.test_bartlett")
    chk("bartlett", 0)
    at("TestFilterwindows.test_blackman")
    chk("blackman", 4)
    chk("blackman", 3.0)
    at("TestMeshgrid.test_indexing")
    v2, v3 = A([1.0, 2]), A([3.0, 4, 5])
    chk("meshgrid", v2, v3, indexing="ij")
    at("TestMeshgrid.test_sparse")
    chk("meshgrid", v2, v3, sparse=True)
    at("TestMeshgrid.test_no_input")
    chk("meshgrid")
    at("TestMeshgrid.test_single_input")
    chk("meshgrid", v2, indexing="xy")
    at("TestMeshgrid.test_invalid_arguments")
    chk("meshgrid", v2, A([3.0]), indexing="xyz")
    at("TestMeshgrid.test_writeback")
    chk("meshgrid", v2, A([3.0]), copy=False)
    at("TestMeshgrid.test_nd_shape")
    chk("meshgrid", v2, A([3.0]), A([4.0, 5, 6, 7]), sparse=True)
    chk("meshgrid", v2, A([3.0]), A([4.0, 5, 6, 7]))
    chk("meshgrid", A([[1.0, 2]]), A([3.0]))
    x3 = A([-1.0, 0, 2])
    at("TestPiecewise.test_two_conditions")
    chk("piecewise", x3, [A([True, False, False]), A([False, True, True])], [-1.0, 1.0])
    at("TestPiecewise.test_default")
    chk("piecewise", x3, [A([True, False, False])], [-1.0, 9.0])
    at("TestPiecewise.test_0d_comparison")
    chk("piecewise", A(3.0), [A(True)], [lambda x: -x])
    at("TestPiecewise.test_simple")
    chk("piecewise", A([1.0, 2]), [A([True, False])], [1.0, 2.0, 3.0])
    at("TestPiecewise.test_scalar_domains_three_conditions")
    chk("piecewise", x3, [A([True, False, False]), A([False, True, False])],
        [lambda x: x * 2, lambda x: x - 1, 10.0])
    at("TestPiecewise.test_0d_0d_condition")
    chk("piecewise", A(0.5), [A(True), A(False)], [1.0, 2.0])
    at("TestPiecewise.test_multidimensional_extrafunc")
    chk("piecewise", A([[1.0, -2], [3, 4]]), [A([[True, False], [False, True]])],
        [lambda x: x**2, lambda x: -x])
    i4 = A([0, 1, 1, 5])
    at("TestBincount.test_simple")
    chk("bincount", i4)
    at("TestBincount.test_with_minlength")
    chk("bincount", i4, minlength=8)
    chk("bincount", A([0, 1]), minlength=0)
    chk("bincount", i4, None, 0)
    at("TestBincount.test_with_minlength_smaller_than_maxvalue")
    chk("bincount", i4, minlength=2)
    at("TestBincount.test_empty")
    chk("bincount", A([], dtype=np.int64))
    at("TestBincount.test_empty_with_minlength")
    chk("bincount", A([], dtype=np.int64), minlength=3)
    at("TestBincount.test_with_incorrect_minlength")
    chk("bincount", A([0, 1]), minlength=-1)
    at("TestBincount.test_simple_weight")
    chk("bincount", A([0, 1]), weights=A([0.5, 1.5]))
    chk("bincount", A([0, 1]), weights=A([1, 2]))
    chk("bincount", A([0, 1]), weights=A([1.0]))
    at("TestBincount.test_dtype_reference_leaks")
    chk("bincount", A([0.0, 1]))
    chk("bincount", A([[0, 1]]))
    chk("bincount", A([0, -1]))
    chk("bincount", A([1, 2], dtype=np.uint8))
    at("TestInterp.test_scalar_interpolation_point")
    chk("interp", 2.5, a3, A([3.0, 2, 0]))
    at("TestInterp.test_right_left_behavior")
    chk("interp", A([0.0, 4]), a3, A([3.0, 2, 0]), left=-1, right=-2)
    at("TestInterp.test_exceptions")
    chk("interp", A([0.5]), A([]), A([]))
    chk("interp", A([0.5]), A([1.0, 2]), A([1.0]))
    chk("interp", A([0.5]), A([0.0, 1]), A([1.0, 2]), period=0)
    chk("interp", A([0.5]), A([0.0, 1]), A([[1.0, 2]]))
    at("TestInterp.test_period")
    chk("interp", A([0.5, 2.5]), A([0.0, 1, 2]), a3, period=2)
    at("TestInterp.test_complex_interp")
    chk("interp", A([0.5, 1.5]), A([0.0, 1, 2]), A([1 + 1j, 2, 3j]))
    at("TestInterp.test_non_finite_any_nan")
    chk("interp", A([np.nan, np.inf]), A([0.0, 1]), A([1.0, 2]))
    at("TestInterp.test_non_finite_inf")
    chk("interp", A([0.5]), A([0.0, np.inf]), A([1.0, 2]))
    chk("interp", A([0.5]), A([0.0, 1]), A([1.0, np.inf]))
    c23 = A([[1.0, 2, 3], [1, 5, 2]])
    at("TestCorrCoef.test_simple")
    chk("corrcoef", c23)
    chk("corrcoef", c23, rowvar=False)
    chk("corrcoef", A([[1.0, 1, 1], [1, 5, 2]]))
    at("TestCorrCoef.test_xy")
    chk("corrcoef", a3, A([1.0, 5, 2]))
    at("TestCorrCoef.test_empty")
    chk("corrcoef", np.ones((0, 3)))
    at("TestCorrCoef.test_complex")
    chk("corrcoef", A([[1.0 + 1j, 2, 3], [1, 5j, 2]]))
    at("TestCorrCoef.test_extreme")
    chk("corrcoef", A([[1e-100, 1e100], [1e100, 1e-100]]))
    at("TestCorrCoef.test_corrcoef_dtype")
    chk("corrcoef", c23, dtype=np.float32)
    at("TestCov.test_wrong_ddof")
    chk("cov", A([1.0, 2]), ddof=2)
    chk("cov", A([1.0]), ddof=1)
    at("TestCov.test_basic")
    chk("cov", c23, ddof=1.5)
    chk("cov", c23, bias=True)
    at("TestCov.test_fweights")
    chk("cov", a3, fweights=A([1, 2, 1]))
    chk("cov", a3, fweights=A([1.5, 2, 1]))
    chk("cov", a3, fweights=A([-1, 2, 1]))
    chk("cov", a3, fweights=A([1, 2]))
    at("TestCov.test_aweights")
    chk("cov", a3, aweights=A([1.0, 2, 1]))
    chk("cov", a3, aweights=A([-1.0, 2, 1]))
    chk("cov", a3, aweights=A([[1.0, 2, 1]]))
    at("TestCov.test_unit_fweights_and_aweights")
    chk("cov", a3, fweights=A([1, 2, 1]), aweights=A([0.5, 2, 1]))
    chk("cov", a3, fweights=A([1, 1, 1]), aweights=A([1.0, 1, 1]), ddof=0)
    at("TestCov.test_xy")
    chk("cov", a3, A([1.0, 5, 2]), rowvar=False)
    at("TestCov.test_1D_rowvar")
    chk("cov", A([[1.0, 2, 3]]), rowvar=False)
    at("TestCov.test_empty")
    chk("cov", np.ones((0, 3)))
    chk("cov", np.ones((2, 0)))
    at("TestCov.test_complex")
    chk("cov", A([1 + 1j, 2, 3j]))
    at("TestCov.test_cov_dtype")
    chk("cov", a3, dtype=np.float32)
    at("TestDigitize.test_forward")
    b3 = A([1.0, 2, 3])
    chk("digitize", A([1.0, 2.5, 4]), b3)
    chk("digitize", 1.5, A([1.0, 2]))
    at("TestDigitize.test_reverse")
    chk("digitize", A([1.0, 2.5, 4]), b3[::-1].copy())
    at("TestDigitize.test_right_basic")
    chk("digitize", A([1.0, 2.5, 4]), b3, right=True)
    chk("digitize", A([1.0, 2, 3]), A([2.0, 2, 2]))
    chk("digitize", A([1.0, 2, 3]), A([2.0, 2, 2]), right=True)
    at("TestDigitize.test_right_open_reverse")
    chk("digitize", A([1.0, 2.5, 4]), b3[::-1].copy(), right=True)
    at("TestDigitize.test_monotonic")
    chk("digitize", A([1.0]), A([1.0, 3, 2]))
    chk("digitize", A([1.0, 2]), A([]))
    at("TestDigitize.test_casting_error")
    chk("digitize", A([1 + 1j]), A([1.0]))
    chk("digitize", A([1]), A([1.0 + 1j]))
    at("TestDigitize.test_return_type")
    chk("digitize", A([1, 2]), A([1.5]))
    chk("digitize", A([1.0]), A([[1.0, 3]]))
    at("TestDigitize.test_large_integers_increasing")
    chk("digitize", A([2**62 + 1], dtype=np.int64), A([2**62], dtype=np.int64))
    at("TestTrapezoid.test_simple")
    chk("trapezoid", A([1.0, 2, 4]), dx=0.5)
    chk("trapezoid", A([1.0, 2, 4]), A([0.0, 1, 3]))
    chk("trapezoid", A([1.0]))
    at("TestTrapezoid.test_ndim")
    chk("trapezoid", r23, A([0.0, 1]), axis=0)
    chk("trapezoid", r23, r23**2)
    chk("trapezoid", r23, A([0.0, 1, 4]), axis=1)
    # ---- numpy/lib/tests/test_arraysetops.py ----------------------------------------------------
    at("TestUnique.test_unique_1d")
    chk("unique", A([1.0, 1, 2]), return_index=True, return_inverse=True, return_counts=True)
    chk("unique", A(3.0))
    chk("unique", A(3.0), return_inverse=True)
    at("TestUnique.test_unique_axis")
    chk("unique", r23 % 2, axis=1, return_inverse=True)
    chk("unique", A([[1, 0], [1, 0], [0, 1]]), axis=0, return_index=True, return_counts=True)
    at("TestUnique.test_unique_nanequals")
    chk("unique", A([np.nan, np.nan, 1.0]), equal_nan=False)
    chk("unique", A([np.nan, np.nan, 1.0]))
    at("TestUnique.test_unique_axis_zeros")
    chk("unique", np.zeros((0, 2)), axis=0)
    chk("unique", np.zeros((2, 0)), axis=0)
    at("TestUnique.test_unique_axis_errors")
    chk("unique", A([1.0]), axis=2)
    at("TestUnique.test_unique_inverse_shape")
    chk("unique", A([[2, 1], [1, 2]]), return_inverse=True)
    chk("unique", A([[2, 1], [1, 2]]), return_inverse=True, axis=None)
    at("TestUnique.test_unique_array_api_functions")
    chk("unique_all", A([3.0, 1, 3]))
    chk("unique_counts", A([3.0, 1, 3]))
    chk("unique_inverse", A([[3.0, 1], [3, 2]]))
    chk("unique_values", A([3.0, 1, 3]))
    chk("unique_values", A([np.nan, np.nan]))
    at("TestSetOps.test_intersect1d_indices")
    chk("intersect1d", A([1.0, 3, 4, 3]), A([3.0, 1, 2, 1]), return_indices=True)
    chk("intersect1d", A([1.0, 3, 4]), A([3.0, 1, 2]), assume_unique=True, return_indices=True)
    chk("intersect1d", np.arange(6).reshape(2, 3), A([1, 4]), return_indices=True)
    at("TestSetOps.test_intersect1d")
    chk("intersect1d", A([1.0, 3, 4, 3]), A([3.0, 1, 2, 1]))
    at("TestSetOps.test_intersect1d_array_like")
    chk("intersect1d", [1, 2, 3], [2, 3, 4])
    at("TestSetOps.test_setxor1d")
    chk("setxor1d", A([5, 7, 1, 2]), A([2, 4, 3, 1, 5]))
    chk("setxor1d", A([1, 2, 3]), A([6, 5, 4]), assume_unique=True)
    chk("setxor1d", A([]), A([]))
    at("TestSetOps.test_setxor1d_unique")
    chk("setxor1d", A([1, 1, 2]), A([2, 3]), assume_unique=True)
    at("TestSetOps.test_ediff1d")
    chk("ediff1d", A([1.0, 2, 4]), to_begin=A([5.0, 6]), to_end=7.0)
    chk("ediff1d", A([], dtype=np.int64))
    chk("ediff1d", A([1.0]))
    chk("ediff1d", A([[1.0, 2], [4, 8]]))
    chk("ediff1d", A([1.0, 2]), to_begin=A([[5.0]]))
    at("TestSetOps.test_ediff1d_forbidden_type_casts")
    chk("ediff1d", A([1, 2, 4]), to_end=7.5)
    chk("ediff1d", A([1, 2], dtype=np.uint8), to_begin=-1)
    at("TestSetOps.test_isin_invert")
    chk("isin", A([1, 2, 3, 4]), A([2, 4]), invert=True)
    chk("isin", A([1, 2, 3]), A([[2], [3]]), invert=True, kind="table")
    at("TestSetOps.test_isin")
    chk("isin", A([[1, 2], [3, 4]]), [4, 5])
    chk("isin", A([1.0, np.nan]), A([np.nan]))
    chk("isin", A([1, 2]), A([2]), assume_unique=True)
    chk("isin", 2, A([2]))
    chk("isin", A([1, 2]), 2)
    chk("isin", A([1, 2]), A([], dtype=np.int64))
    chk("isin", A([], dtype=np.int64), A([1]))
    at("TestSetOps.test_isin_hit_alternate_algorithm")
    chk("isin", A([1, 2]), A([2]), kind="table")
    chk("isin", A([1, 2]), A([2]), kind="sort")
    at("TestSetOps.test_isin_errors")
    chk("isin", A([1, 2]), A([2]), kind="nope")
    chk("isin", A([1.0, 2]), A([2.0]), kind="table")
    at("TestSetOps.test_isin_boolean")
    chk("isin", A([True, False]), A([True]))
    at("TestSetOps.test_isin_mixed_dtype")
    chk("isin", A([1, 2], dtype=np.uint8), A([-1, 2]))
    at("TestSetOps.test_union1d")
    chk("union1d", A([5, 4, 7, 1, 2]), A([2, 4, 3, 3, 2, 1, 5]))
    chk("union1d", np.arange(4).reshape(2, 2), A([1, 9]))
    chk("union1d", A([1.0]), A([1]))
    at("TestSetOps.test_setdiff1d")
    chk("setdiff1d", A([6, 5, 4, 7, 1, 2, 7, 4]), A([2, 4, 3, 3, 2, 1, 5]))
    chk("setdiff1d", A([], dtype=np.int64), A([1]))
    chk("setdiff1d", np.arange(4).reshape(2, 2), A([3]))
    at("TestSetOps.test_setdiff1d_unique")
    chk("setdiff1d", A([1, 2, 2]), A([2]), assume_unique=True)
    # ---- numpy/lib/tests/test_shape_base.py -----------------------------------------------------
    at("TestTakeAlongAxis.test_invalid")
    chk("take_along_axis", r23, A([0, 1]), axis=1)
    chk("take_along_axis", r23, A([[0.0]]), axis=1)
    chk("take_along_axis", r23, A([[0]]), axis=2)
    chk("take_along_axis", np.ones((2, 3)), A([[[0]]]), axis=1)
    chk("take_along_axis", r23, A([[3], [0]]), axis=1)
    at("TestTakeAlongAxis.test_argequivalent")
    chk("take_along_axis", r23, A([[0], [2]]), axis=1)
    chk("take_along_axis", r23, A([0, 5]), axis=None)
    chk("take_along_axis", r23, A([[-1], [0]]), axis=1)
    chk("take_along_axis", r23, A([[0, 2]]), -1)
    at("TestTakeAlongAxis.test_empty")
    chk("take_along_axis", np.ones((0, 3)), np.ones((0, 1), dtype=np.int64), axis=1)
    at("TestTakeAlongAxis.test_broadcast")
    chk("take_along_axis", r23, A([[0, 1]]), axis=1)
    ones23 = np.ones((2, 3))
    at("TestExpandDims.test_axis_tuple")
    chk("expand_dims", ones23, (0, 2))
    chk("expand_dims", ones23, (0, -1))
    chk("expand_dims", ones23, (3, -2))
    chk("expand_dims", ones23, [1])
    at("TestExpandDims.test_axis_out_of_range")
    chk("expand_dims", ones23, 4)
    chk("expand_dims", ones23, -4)
    chk("expand_dims", ones23, (1, -4))
    at("TestExpandDims.test_repeated_axis")
    chk("expand_dims", ones23, (0, 0))
    a10 = np.arange(10.0)
    at("TestArraySplit.test_integer_0_split")
    chk("array_split", a10, 0)
    chk("array_split", a10, -1)
    at("TestArraySplit.test_integer_split")
    chk("array_split", a10, 3)
    chk("array_split", a10, 11)
    at("TestArraySplit.test_index_split_simple")
    chk("array_split", a10, [1, 5, 5, 20])
    chk("array_split", a10, [-1, 3])
    chk("array_split", a10, A([2, 4]))
    at("TestArraySplit.test_integer_split_2D_cols")
    chk("array_split", np.arange(12.0).reshape(3, 4), 2, axis=1)
    at("TestArraySplit.test_index_split_high_bound")
    chk("array_split", np.arange(12.0).reshape(3, 4), [8, 1], axis=0)
    at("TestArraySplit.test_integer_split_2D_rows")
    chk("array_split", np.arange(12.0).reshape(3, 4), 5, axis=-2)
    at("TestSplit.test_equal_split")
    chk("split", a10, 5)
    chk("split", a10, [3])
    at("TestSplit.test_unequal_split")
    chk("split", a10, 3)
    chk("split", a10, 0)
    at("TestColumnStack.test_1D_arrays")
    chk("column_stack", [v2, A([3.0, 4])])
    chk("column_stack", [A(1.0), A(2.0)])
    chk("column_stack", [v2, A([3.0])])
    at("TestColumnStack.test_2D_arrays")
    chk("column_stack", [A([[1.0], [2]]), A([3.0, 4])])
    at("TestDstack.test_0D_array")
    chk("dstack", [A(1.0), A(2.0)])
    at("TestDstack.test_1D_array")
    chk("dstack", [v2, A([3.0, 4])])
    at("TestDstack.test_2D_array")
    chk("dstack", [np.ones((2, 2)), np.ones((2, 2))])
    chk("dstack", [np.ones((2, 2)), np.ones((2, 2, 3))])
    chk("dstack", [np.ones((2, 2)), np.ones((3, 2))])
    at("TestHsplit.test_0D_array")
    chk("hsplit", A(1.0), 1)
    at("TestHsplit.test_1D_array")
    chk("hsplit", A([1.0, 2, 3, 4]), 2)
    chk("hsplit", A([1.0, 2, 3]), 2)
    at("TestHsplit.test_2D_array")
    chk("hsplit", np.arange(8.0).reshape(2, 4), [1, 3])
    at("TestVsplit.test_0D_array")
    chk("vsplit", A(1.0), 1)
    at("TestVsplit.test_1D_array")
    chk("vsplit", v2, 2)
    at("TestVsplit.test_2D_array")
    chk("vsplit", np.arange(8.0).reshape(4, 2), 2)
    at("TestDsplit.test_2D_array")
    chk("dsplit", np.ones((2, 2)), 2)
    at("TestDsplit.test_1D_array")
    chk("dsplit", v2, 1)
    at("TestDsplit.test_3D_array")
    chk("dsplit", np.arange(8.0).reshape(2, 2, 2), [1])
    at("TestSqueeze.test_basic")
    chk("squeeze", np.ones((1, 3, 1)), axis=(0, 2))
    chk("squeeze", np.ones((1, 3, 1)), axis=1)
    chk("squeeze", np.ones((1, 3, 1)), axis=-1)
    chk("squeeze", np.ones((1, 3, 1)), axis=3)
    chk("squeeze", np.ones((1, 3, 1)), axis=(0, 0))
    chk("squeeze", A(1.0))
    chk("squeeze", A(1.0), axis=0)
    at("TestKron.test_kron_shape")
    chk("kron", np.ones((2, 2)), np.ones((1, 3, 4)))
    chk("kron", np.ones(2), np.ones((3, 1)))
    chk("kron", np.ones((0, 2)), np.ones((2, 2)))
    at("TestKron.test_basic")
    chk("kron", A(2.0), A(3.0))
    chk("kron", A([1 + 1j, 2]), A([1.0, 1j]))
    at("TestKron.test_return_type")
    chk("kron", np.arange(4).reshape(2, 2), np.eye(2, dtype=np.int64))
    at("TestTile.test_basic")
    chk("tile", a3, 2)
    chk("tile", a3, (2, 2))
    chk("tile", a3, (2, 1, 2))
    chk("tile", np.ones((2, 2)), 2)
    chk("tile", A(1.0), (2, 3))
    chk("tile", A([1.0]), ())
    chk("tile", A([1.0]), -1)
    chk("tile", A([1.0]), 2.0)
    at("TestTile.test_empty")
    chk("tile", A([0.0, 1]), 0)
    chk("tile", np.ones((0, 2)), (3, 2))
    # ---- numpy/lib/tests/test_nanfunctions.py ---------------------------------------------------
    for f in ("nanmin", "nanmax"):
        at("TestNanFunctions_MinMax.test_initial")
        chk(f, m, axis=1, initial=-5.0 if f == "nanmax" else 5.0)
        chk(f, A([]), initial=1.0)
        at("TestNanFunctions_MinMax.test_where")
        chk(f, m, axis=0, where=A([True, False, True]), initial=0.0)
        chk(f, A([np.nan, 1.0]), where=A([False, True]),
            initial=np.inf if f == "nanmin" else -np.inf)
        at("TestNanFunctions_MinMax.test_keepdims")
        chk(f, m, axis=1, keepdims=True)
    for f in ("nanargmin", "nanargmax"):
        at("TestNanFunctions_ArgminArgmax.test_allnans")
        chk(f, m, axis=0)
        chk(f, A([np.nan]))
        at("TestNanFunctions_ArgminArgmax.test_result_values")
        chk(f, m[:2], axis=0)
        at("TestNanFunctions_ArgminArgmax.test_keepdims")
        chk(f, m[:2], axis=1, keepdims=True)
        at("TestNanFunctions_ArgminArgmax.test_empty")
        chk(f, np.ones((0, 3)), axis=1)
        chk(f, np.ones((0, 3)), axis=0)
        at("TestNanFunctions_ArgminArgmax.test_scalar")
        chk(f, A(1.0))
    for f in ("nansum", "nanprod"):
        at("TestNanFunctions_SumProd.test_initial")
        chk(f, m, axis=1, initial=2.0)
        at("TestNanFunctions_SumProd.test_where")
        chk(f, m, axis=0, where=A([True, False, True]))
        chk(f, A([1, 2, 3]), where=A([True, False, True]))
        at("TestNanFunctions_SumProd.test_empty")
        chk(f, np.ones((0, 3)), axis=0)
        at("SharedNanFunctionsTestsMixin.test_dtype_from_dtype")
        chk(f, m, axis=1, dtype=np.float32)
        at("SharedNanFunctionsTestsMixin.test_dtype_from_char")
        chk(f, m, axis=0, dtype="f")
        chk(f, A([1, 2], dtype=np.int8), dtype="d")
    for f in ("nancumsum", "nancumprod"):
        at("TestNanFunctions_CumSumProd.test_result_values")
        chk(f, m, axis=1)
        chk(f, m)
        chk(f, A([1, 2]))
        at("TestNanFunctions_CumSumProd.test_empty")
        chk(f, np.ones((0, 3)), axis=0)
        at("SharedNanFunctionsTestsMixin.test_dtype_from_dtype")
        chk(f, m, axis=0, dtype=np.float32)
    for f in ("nanmean", "nanvar", "nanstd"):
        at("TestNanFunctions_MeanVarStd.test_where")
        chk(f, m, axis=0, where=A([[True, False, True]]))
        at("SharedNanFunctionsTestsMixin.test_result_values")
        chk(f, m, axis=1)
        at("SharedNanFunctionsTestsMixin.test_keepdims")
        chk(f, m, axis=1, keepdims=True)
        at("TestNanFunctions_MeanVarStd.test_empty")
        chk(f, np.ones((0, 3)), axis=0)
        at("TestNanFunctions_MeanVarStd.test_dtype_error")
        chk(f, A([1, 2, 3]), dtype=np.int64)
    for f in ("nanvar", "nanstd"):
        at("TestNanFunctions_MeanVarStd.test_ddof")
        chk(f, m, axis=1, ddof=1)
        at("TestNanFunctions_MeanVarStd.test_ddof_too_big")
        chk(f, m, axis=1, ddof=3)
        at("TestNanFunctions_NumberTypes.test_nanfunc_correction")
        chk(f, m, axis=1, correction=1)
        chk(f, m, axis=1, ddof=1, correction=1)
        at("TestNanFunctions_MeanVarStd.test_nanstd_with_mean_keyword")
        chk(f, m, axis=1, mean=np.nanmean(m[:2], axis=1, keepdims=True)[[0, 1, 1]])
        at("SharedNanFunctionsTestsMixin.test_scalar")
        chk(f, A([1 + 1j, np.nan, 2]))
    at("TestNanFunctions_Median.test_extended_axis_invalid")
    chk("nanmedian", m, axis=(0, 0))
    chk("nanmedian", m, axis=3)
    at("TestNanFunctions_Median.test_keepdims")
    chk("nanmedian", m, axis=(0, 1))
    chk("nanmedian", m, axis=1, keepdims=True)
    at("TestNanFunctions_Median.test_float_special")
    chk("nanmedian", A([np.inf, np.nan, -np.inf]))
    chk("nanmedian", A([np.inf, np.nan, -np.inf, np.inf]))
    at("TestNanFunctions_Percentile.test_multiple_percentiles")
    chk("nanpercentile", m, [10, 50], axis=1)
    at("TestNanFunctions_Percentile.test_extended_axis_invalid")
    chk("nanpercentile", m, 50, axis=(0, 1))
    chk("nanpercentile", m, 101)
    at("TestNanFunctions_Quantile.test_basic")
    chk("nanquantile", m, [0.1, 0.5], axis=0, keepdims=True)
    chk("nanquantile", m, 0.5, method="nearest")
    chk("nanquantile", np.arange(6.0), A([[0.2], [0.9]]))
    at("TestNanFunctions_Quantile.test_complex")
    chk("nanquantile", A([1 + 1j, 2]), 0.5)
    # ---- second batch: the upstream tests whose particular inputs the earlier ports lack ------
    at("TestNonzero.test_nonzero_zerodim")
    chk("nonzero", A(1.0))
    chk("count_nonzero", A(0.0))
    at("TestNonzero.test_nonzero_twodim")
    chk("nonzero", A([[0.0, 1, -0.0], [np.nan, 0, 2]]))
    chk("flatnonzero", A([[0.0, 1, -0.0], [np.nan, 0, 2]]))
    at("TestNonzero.test_countnonzero_axis_empty")
    chk("count_nonzero", np.zeros((0, 3)), axis=0)
    chk("count_nonzero", np.zeros((0, 3)), axis=1)
    at("TestNonzero.test_countnonzero_keepdims")
    chk("count_nonzero", A([[0, 1], [2, 3]]), axis=None, keepdims=True)
    at("TestCross.test_2x2")
    chk("cross", A([1.0, 2]), A([3.0, 4]))
    at("TestCross.test_2x3")
    chk("cross", A([1.0, 2]), A([3.0, 4, 5]))
    at("TestCross.test_broadcasting")
    chk("cross", np.arange(24.0).reshape(2, 4, 3), np.arange(3.0) + 1)
    chk("cross", np.arange(24.0).reshape(4, 2, 3), np.arange(6.0).reshape(2, 3), axisc=1)
    at("TestGradient.test_f_signed_int_big_jump")
    chk("gradient", A([-100, 0, 100], dtype=np.int8), A([0, 1, 2], dtype=np.int8))
    at("TestGradient.test_x_decreasing_unsigned")
    chk("gradient", A([0, 2, 4]), A([3, 2, 1], dtype=np.uint8))
    at("TestGradient.test_x_signed_int_big_jump")
    chk("gradient", A([-1, 127]), A([-1, 127], dtype=np.int8))
    chk("gradient", A([-1.0, 127]), A([-1, 127], dtype=np.int8))
    at("TestTrimZeros.test_overflow")
    chk("trim_zeros", A([0, 2**62, 0]))
    chk("trim_zeros", A([0, 2**63, 0], dtype=np.uint64))
    at("TestTrimZeros.test_multiple_axes")
    chk("trim_zeros", np.pad(np.ones((2, 3, 2)), 1), axis=(0, 2))
    chk("trim_zeros", np.pad(np.ones((2, 3, 2)), 1), "f", axis=(-1, 0))
    at("TestDigitize.test_right_open")
    chk("digitize", np.arange(-6.0, 5), np.arange(-6.0, 5), right=True)
    at("TestDigitize.test_large_integers_decreasing")
    chk("digitize", A([2**62], dtype=np.int64), A([2**62 + 1, 2**62 - 1], dtype=np.int64))
    at("TestBincount.test_gh_28354")
    for dt in (np.int8, np.uint16, np.uint64):
        chk("bincount", A([0, 1, 1, 3, 2, 1, 7], dtype=dt))
    at("TestBincount.test_contiguous_handling")
    chk("bincount", np.arange(100)[::2])
    at("TestBincount.test_error_not_1d")
    chk("bincount", A(1))
    chk("bincount", [[1, 2]])
    at("TestBincount.test_with_minlength_and_weights")
    chk("bincount", A([0, 1, 1, 4]), weights=A([0.5, 1, 2, 4]), minlength=7)
    at("TestInterp.test_zero_dimensional_interpolation_point")
    chk("interp", A(1), A([0, 2, 4]), A([1, -1, 1]))
    chk("interp", A(4.5), A([0, 2, 4]), A([1, -1, 1]), period=4)
    chk("interp", A(0.3), np.linspace(0, 1, 5), np.linspace(0, 1, 5))
    at("TestInterp.test_if_len_x_is_small")
    chk("interp", np.pi, np.arange(0, 10, 0.01), np.sin(np.arange(0, 10, 0.01)))
    at("TestInterp.test_non_finite_half_inf_xf")
    chk("interp", 0.5, A([-np.inf, 1]), A([-np.inf, 10]))
    chk("interp", 0.5, A([-np.inf, 1]), A([np.inf, 10]))
    at("TestInterp.test_non_finite_half_inf_x")
    chk("interp", 0.5, A([-np.inf, -np.inf]), A([0.0, 10]))
    chk("interp", 0.5, A([0.0, np.inf]), A([0.0, 10]))
    at("TestInterp.test_non_finite_half_inf_f")
    chk("interp", 0.5, A([0.0, 1]), A([0.0, -np.inf]))
    chk("interp", 0.5, A([0.0, 1]), A([np.inf, np.inf]))
    at("TestInterp.test_basic")
    chk("interp", [-180.0, -170, -185, 185, -10, -5, 0, 365], A([190.0, -190, 350, -350]),
        A([5.0, 10, 3, 4]), period=360)
    at("TestUnique.test_unique_axis0_equal_nan_on_1d_array")
    chk("unique", A([np.nan, 0, 0, np.nan]), axis=0, equal_nan=True)
    at("TestUnique.test_unique_axis_minus1_eq_on_1d_array")
    chk("unique", A([np.nan, 0, 0, np.nan]), axis=-1, equal_nan=True)
    at("TestUnique.test_unique_axis_float_raises_typeerror")
    chk("unique", A([np.nan, 0, 0, np.nan]), axis=0.0, equal_nan=False)
    at("TestUnique.test_unique_complex_signed_zeros")
    chk("unique", A([complex(0.0, -1), complex(-0.0, -1), 0]))
    chk("unique", A([-25, 3, -5j, complex(-25, -0.0), 3j], dtype=np.complex64))
    at("TestUnique.test_unique_1d_with_axis")
    chk("unique", A([1.0, 3, 1, 2]), axis=0, return_index=True, return_inverse=True,
        return_counts=True)
    at("TestUnique.test_unique_inverse_with_axis")
    chk("unique", A([[1, 2], [1, 2], [3, 4]]), axis=0, return_inverse=True)
    chk("unique", A([[1, 1, 3], [2, 2, 4]]), axis=1, return_inverse=True)
    at("TestSetOps.test_isin_mixed_huge_vals")
    chk("isin", A([2**63, 2**63 + 1], dtype=np.uint64), np.uint64(2**63 + 1))
    chk("isin", A([-2**62, -2**62 - 1]), np.int64(-2**62 - 1), kind="table")
    at("TestSetOps.test_isin_mixed_boolean")
    chk("isin", A([True, False, False]), A([0, 0], dtype=np.uint8))
    chk("isin", A([True, False, False]), A([0, 0], dtype=np.int16), kind="table")
    at("TestSetOps.test_ediff1d_scalar_handling")
    chk("ediff1d", A([1, 2, 4], dtype=np.uint8), to_begin=0, to_end=9)
    chk("ediff1d", A([1.0, 2, 4]), to_begin=[1, 2], to_end=None)
    at("TestApplyAlongAxis.test_axis_insertion")
    chk("apply_along_axis", lambda r: np.outer(r, r) if isinstance(r, np.ndarray)
        else gnp.outer(r, r), 1, np.arange(6.0).reshape(2, 3))
    at("TestApplyAlongAxis.test_tuple_func1d")
    chk("apply_along_axis", lambda r: (r[0], r[1]) if isinstance(r, np.ndarray)
        else gnp.stack([r[0], r[1]]), 1, np.arange(6.0).reshape(3, 2))
    at("TestApplyAlongAxis.test_empty")
    chk("apply_along_axis", lambda r: r * 2 if isinstance(r, np.ndarray) else r * 2, 0,
        np.ones((0, 3)))
    at("TestApplyAlongAxis.test_0d_array")
    chk("apply_along_axis", lambda r: r.sum() if isinstance(r, np.ndarray) else gnp.sum(r),
        0, np.arange(6.0).reshape(2, 3))
    at("TestArraySplit.test_index_split_low_bound")
    chk("array_split", np.arange(10.0), [0, 3, 7, 10])
    at("TestTile.test_kroncompare")
    chk("tile", np.arange(6.0).reshape(2, 3), (2, 1, 3))
    at("TestBlock.test_different_ndims_depths")
    chk("block", [[np.ones((1, 1, 1))], [np.ones((1, 1, 1)) * 2]])
    chk("block", [[A(1.0), np.ones((1, 1, 2))]])
    at("TestBlock.test_no_lists")
    chk("block", A(1.0))
    chk("block", np.eye(2))
    at("TestConcatenate.test_concatenate_same_value")
    chk("concatenate", [A([1.0]), A([2.0])], axis=-1)
    at("TestNanFunctions_Median.test_small_large")
    chk("nanmedian", np.where(np.arange(9.0) % 3 == 0, np.nan, np.arange(9.0)).reshape(3, 3),
        axis=1)
    at("TestNanFunctions_NumberTypes.test_nanfunc_ddof")
    chk("nanvar", A([1, 2, 4], dtype=np.int16), ddof=1)
    chk("nanstd", A([1, 2, 4], dtype=np.uint8), ddof=1)
    at("TestNanFunctions_NumberTypes.test_nanfunc")
    for f in ("nanmin", "nanmax", "nanargmin", "nanargmax", "nansum", "nanprod", "nanmean",
              "nanmedian", "nancumsum", "nancumprod"):
        chk(f, A([1, 2, 4], dtype=np.int16))
    at("TestNanFunctions_NumberTypes.test_nanfunc_q")
    chk("nanpercentile", A([1, 2, 4], dtype=np.int16), 50)
    chk("nanquantile", A([1, 2, 4], dtype=np.uint8), 0.25)
    # ---- std/var with mean= (TestNonarrayArgs), where= and several axes --------------------
    r = np.random.RandomState(1234).randn(3, 4, 2) + 0.5
    wh = r > 0.5
    for f in ("std", "var"):
        at(f"TestNonarrayArgs.test_{f}_with_mean_keyword_where_nontrivial")
        chk(f, r, axis=1, mean=np.mean(r, axis=1, keepdims=True, where=wh), where=wh)
        chk(f, r, axis=1, where=wh)
        at("TestNonarrayArgs.test_std_with_mean_keyword_multiple_axis")
        chk(f, r, axis=(0, 2), mean=np.mean(r, axis=(0, 2), keepdims=True))
        at("TestNonarrayArgs.test_std_with_mean_keyword_axis_None")
        chk(f, r, axis=None, mean=np.mean(r, axis=None, keepdims=True))
        at(f"TestNonarrayArgs.test_{f}_with_mean_keyword_keepdims_false")
        chk(f, r, axis=1, keepdims=False, mean=np.mean(r, axis=1, keepdims=True))
    # ---- third batch -----------------------------------------------------------------------
    at("TestCov.test_1D_variance")
    chk("cov", A([0.3942, 0.5969, 0.7730, 0.9918, 0.7964]), ddof=1)
    at("TestCov.test_gh_27658")
    chk("cov", np.ones((1, 3)), ddof=0, rowvar=False)
    chk("cov", np.ones((3, 1)), ddof=0, rowvar=True)
    at("TestCorrCoef.test_non_array")
    chk("corrcoef", [[0, 1, 0], [1, 0, 1]])
    chk("corrcoef", [0, 1, 0], [1, 0, 1])
    at("TestInterp.test_non_finite_behavior_exact_x")
    chk("interp", [1.0, 2, 2.5, 3, 4], A([1.0, 2, 3, 4]), A([1.0, 2, np.inf, 4]))
    chk("interp", [1.0, 2, 2.5, 3, 4], A([1.0, 2, 3, 4]), A([1.0, 2, np.nan, 4]))
    at("TestUnique.test_unique_axis_list")
    chk("unique", [[0, 1, 0], [0, 1, 0]], axis=0)
    chk("unique", [[0, 1, 0], [0, 1, 0]], axis=1)
    at("TestUnique.test_unique_sort_order_with_axis")
    for dt in (np.int8, np.int16, np.int64):
        chk("unique", A([[-1], [0]], dtype=dt), axis=0)
    at("TestApplyAlongAxis.test_simple")
    chk("apply_along_axis", len, 0, np.ones((4, 3)))
    at("TestApplyAlongAxis.test_scalar_array")
    chk("apply_along_axis", lambda r: r.sum() if isinstance(r, np.ndarray) else gnp.sum(r),
        1, np.arange(6.0).reshape(2, 3))
    at("TestMeshgrid.test_nd_values")
    chk("meshgrid", A([1.0]), A([2.0]), A([3.0]))
    chk("meshgrid", A([1.0, 2, 3]), A([4.0, 5]), A([6.0]), indexing="ij")
    at("TestMeshgrid.test_nd_indexing")
    chk("meshgrid", A([1.0, 2]), A([4.0, 5, 6]), A([6.0, 7, 8, 9]), indexing="ij", sparse=True)
    at("TestBincount.test_simple2")
    chk("bincount", A([1, 5, 2, 4, 1]))
    at("TestBincount.test_simple_weight2")
    chk("bincount", A([1, 2, 4, 5, 2]), weights=A([0.2, 0.3, 0.5, 0.1, 0.2]))
    at("TestBincount.test_empty_list")
    chk("bincount", [])
    chk("bincount", [], minlength=3)
    at("TestDigitize.test_random")
    x = np.random.RandomState(0).rand(20)
    chk("digitize", x, np.linspace(x.min(), x.max(), 5))
    at("TestDigitize.test_right_open_random")
    chk("digitize", x, np.linspace(x.min(), x.max(), 5), right=True)
    at("TestExpandDims.test_functionality")
    for ax in (0, 1, 2, 3, -1, -2, -3, -4):
        chk("expand_dims", np.ones((2, 3, 4)), ax)
    at("TestGradient.test_basic")
    chk("gradient", [[1.0, 2, 6], [3, 4, 5]])
    chk("gradient", A([[1, 2, 6], [3, 4, 5]], dtype=np.int16))
    at("TestGradient.test_return_type")
    chk("gradient", A([[1.0, 2], [2, 3]]))
    at("TestAverage.test_basic")
    chk("average", A([[1.0, 2, 3], [4, 5, 6]]), axis=0)
    chk("average", A([[1.0, 2, 3], [4, 5, 6]]), axis=-1)
    chk("average", A([1, 2, 3], dtype=np.int8))
    at("TestSetOps.test_manyways")
    chk("setxor1d", A([5, 7, 1, 2, 8]), A([9, 8, 2, 4, 3, 1, 5]))
    chk("setdiff1d", A([5, 7, 1, 2, 8]), A([9, 8, 2, 4, 3, 1, 5]))
    chk("union1d", A([5, 7, 1, 2, 8]), A([9, 8, 2, 4, 3, 1, 5]))
    at("TestNanFunctions_MinMax.test_result_values")
    chk("nanmin", NANMAT[:2], axis=1)
    chk("nanmax", NANMAT[:2], axis=0)
    at("TestNanFunctions_MinMax.test_allnans")
    chk("nanmin", NANMAT, axis=1)
    chk("nanmax", A([np.nan, np.nan]))
    at("TestNanFunctions_Median.test_allnans")
    chk("nanmedian", NANMAT, axis=1)
    at("TestNanFunctions_Median.test_empty")
    chk("nanmedian", np.zeros((0, 3)), axis=0)
    chk("nanmedian", np.zeros((0, 3)), axis=1)
    return cases


CASES = _build_cases()


def _differs(c: Case) -> str | None:
    for label, (pred, _) in DIFFERS.items():
        if pred(c):
            return label
    return None


def _conv(a, tensor: bool):
    """A NumPy argument as the backend's array, or as a Tensor requiring grad (floats)."""
    if isinstance(a, np.ndarray):
        b = ad.get_backend().xp.asarray(a)
        if tensor and a.dtype.kind in "fc":
            return ad.tensor(b, requires_grad=True)
        return b
    if isinstance(a, list | tuple) and a and all(isinstance(x, np.ndarray) for x in a):
        return type(a)(_conv(x, tensor) for x in a)
    return a


def _host(r):
    if isinstance(r, tuple):  # (named tuples too)
        return tuple(_host(x) for x in r)
    if isinstance(r, list):
        return [_host(x) for x in r]
    if isinstance(r, ad.Tensor) or hasattr(r, "get"):
        return to_numpy(r)
    return r


def _assert_same(want, got, where: str):
    if isinstance(want, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(want), f"{where}: {got!r}"
        assert isinstance(got, list) == isinstance(want, list), f"{where}: {type(got)}"
        for w, g in zip(want, got, strict=True):
            _assert_same(w, g, where)
        return
    w, g = np.asarray(want), np.asarray(got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if w.dtype.kind in "fc":
        low = w.dtype in (np.float16, np.float32, np.complex64)
        np.testing.assert_allclose(g, w, rtol=2e-6 if low else 1e-12, atol=1e-7 if low else 1e-14,
                                   equal_nan=True, err_msg=where)
    else:
        np.testing.assert_array_equal(g, w, err_msg=where)


def _run(fn, args, kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


_MODES = (True, False) if ALL else (True,)


_BY_NAME: dict = {}
for _c in CASES:
    _BY_NAME.setdefault(_c.name, []).append(_c)


@pytest.mark.parametrize("name", sorted(_BY_NAME))
def test_same_as_numpy(backend, name):
    """Every case of one function (on Tensors; GPUAD_NUMPY_GAPS_ALL=1: on arrays too)."""
    for case in _BY_NAME[name]:
        for tensor in _MODES:
            _compare(case, tensor)


def _compare(case, tensor):
    want, we = _run(getattr(np, case.name), *copy.deepcopy((case.args, case.kw)))
    args = [_conv(a, tensor) for a in case.args]
    kw = {k: _conv(v, tensor) for k, v in case.kw.items()}
    got, ge = _run(getattr(gnp, case.name), args, kw)
    where = f"{case!r} on {'Tensors' if tensor else 'arrays'}"
    if we is not None:
        assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {_host(got)!r}"
        assert isinstance(ge, type(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    label = _differs(case)
    if label == "trim_zeros-list":
        _assert_same(np.asarray(want), _host(got), where)
        return
    if label == "bincount-empty-weights":
        assert _host(got).dtype == np.float64 and not _host(got).any(), where
        return
    _assert_same(want, _host(got), where)


def test_rollaxis_refusals_are_axis_errors_naming_the_op(backend):
    """NumPy raises AxisError (an IndexError and a ValueError); code catching either works."""
    x = ad.tensor(np.ones((1, 2, 3, 4)), requires_grad=True)
    for args in ((4,), (-5,), (0, 5), (0, -5)):
        with pytest.raises(np.exceptions.AxisError, match="rollaxis"):
            gnp.rollaxis(x, *args)
        with pytest.raises(IndexError):
            gnp.rollaxis(x, *args)


def test_binary_and_base_repr_and_fromiter():
    """TestBinaryRepr, TestBaseRepr and TestFromiter, on NumPy's own values."""
    for n, w in ((0, None), (10, None), (-10, None), (-3, 4), (-128, 8), (0, 4), (-1, 1),
                 (np.iinfo(np.int64).min, 64)):
        assert gnp.binary_repr(n, width=w) == np.binary_repr(n, width=w)
    assert gnp.binary_repr(ad.tensor(np.array(5))) == "101"
    for n, b, p in ((3, 3, 0), (-10, 3, 0), (10, 36, 2), (np.iinfo(np.int64).min, 2, 0)):
        assert gnp.base_repr(n, b, p) == np.base_repr(n, b, p)
    for b in (1, 37):
        with pytest.raises(ValueError):
            gnp.base_repr(1, b)
    for make, dt, n in ((lambda: range(5), float, -1), (lambda: (i * i for i in range(4)),
                                                         np.int32, 3), (lambda: [], float, -1)):
        got, want = to_numpy(gnp.fromiter(make(), dt, n)), np.fromiter(make(), dt, n)
        assert got.dtype == want.dtype and np.array_equal(got, want)
    with pytest.raises(ValueError, match="iterator too short"):
        gnp.fromiter(range(2), float, 5)


def test_put_along_axis_writes_as_numpy(backend):
    """TestPutAlongAxis.test_broadcast and test_invalid: the written arrays compared."""
    xp = ad.get_backend().xp
    ai = np.arange(10).reshape((1, 2, 5)) % 4
    want = np.ones((3, 4, 1))
    np.put_along_axis(want, ai, 20.0, axis=1)
    t = ad.tensor(xp.ones((3, 4, 1)), requires_grad=True) * 1.0
    gnp.put_along_axis(t, xp.asarray(ai), 20.0, axis=1)
    np.testing.assert_array_equal(to_numpy(t), want)
    base = A([[10.0, 30, 20], [60, 40, 50]])
    want = base.copy()
    np.put_along_axis(want, A([[0], [1]]), A([[2.0], [1]]), axis=0)
    t = ad.tensor(xp.asarray(base), requires_grad=True) * 1.0
    gnp.put_along_axis(t, xp.asarray(A([[0], [1]])), xp.asarray(A([[2.0], [1]])), axis=0)
    np.testing.assert_array_equal(to_numpy(t), want)
    with pytest.raises(ValueError, match="single dimension"):
        np.put_along_axis(base.copy(), A([[0], [1]]), A([[2.0], [1]]), axis=None)
    with pytest.raises(ValueError, match="put_along_axis"):
        gnp.put_along_axis(t, xp.asarray(A([[0], [1]])), xp.asarray(A([[2.0], [1]])), axis=None)


def test_vectorize_docstrings():
    def f(x):
        """doc of f"""
        return x

    assert gnp.vectorize(f).__doc__ == np.vectorize(f).__doc__ == "doc of f"
    assert gnp.vectorize(f, doc="new").__doc__ == "new"


_WH = np.random.RandomState(1234).randn(3, 4, 2) + 0.5 > 0.5

#: gradients at points of the upstream tests: (upstream test, f, args), checked in both modes
#: against float64 central differences (away from kinks: ties, knots, zeros of trim_zeros)
GRADS = {
    "resize": ("TestResize.test_repeats", lambda a: gnp.resize(a, (3, 3)),
               (A([[1.0, 2], [3, 4]]),)),
    "std_correction": ("TestStdVar.test_correction",
                       lambda a: gnp.std(a, correction=1.5), (A([1.0, 2, 3, 5]),)),
    "var_mean_kw": ("TestNonarrayArgs.test_var_with_mean_keyword",
                    lambda a: gnp.var(a, axis=1, mean=gnp.mean(a, axis=1, keepdims=True)),
                    (A([[1.0, 2, 4], [0.5, 3, 1]]),)),
    "std_complex": ("TestStdVarComplex.test_basic", lambda z: gnp.std(z, ddof=1),
                    (A([1 + 1j, 2 - 1j, 3j]),)),
    "cross_broadcast": ("TestCross.test_broadcasting_shapes",
                        lambda a, b: gnp.cross(a, b, axisa=0, axisc=0),
                        (np.arange(6.0).reshape(3, 2) + 1, A([[0.5, -1, 2]]))),
    "tensordot_axes": ("TestTensordot.test_zero_dimensional",
                       lambda a, b: gnp.tensordot(a, b, axes=((0, 1), (1, 0))),
                       (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2) - 2)),
    "moveaxis": ("TestMoveaxis.test_move_multiples",
                 lambda a: gnp.moveaxis(a, [0, 1], [-1, 0]) * A([1.0, 2]),
                 (np.arange(12.0).reshape(2, 3, 2),)),
    "block": ("TestBlock.test_nested",
              lambda a, b: gnp.block([[a, b[:, :1]], [b[:1, :3]]]),
              (np.arange(4.0).reshape(2, 2), np.arange(6.0).reshape(2, 3))),
    "unstack": ("test_unstack", lambda a: gnp.unstack(a, axis=1)[1] * 3,
                (np.arange(6.0).reshape(2, 3),)),
    "concatenate_none": ("TestConcatenate.test_concatenate_axis_None",
                         lambda a, b: gnp.concatenate([a, b], axis=None),
                         (A([[1.0, 2]]), A([3.0]))),
    "rot90": ("TestRot90.test_rotation_axes", lambda a: gnp.rot90(a, 3, (2, 0)),
              (np.arange(24.0).reshape(2, 3, 4),)),
    "average_returned": ("TestAverage.test_returned",
                         lambda a, w: gnp.concatenate(gnp.average(a, 1, w, returned=True)),
                         (A([[1.0, 2], [3, 4]]), A([[1.0, 3], [2, 0.5]]))),
    "select": ("TestSelect.test_broadcasting",
               lambda a, b: gnp.select([A([True, False, False]), A([False, True, False])],
                                       [a, b], 7.0), (A([1.0, 2, 3]), A([4.0, 5, 6]))),
    "insert": ("TestInsert.test_multidim",
               lambda a, v: gnp.insert(a, [1, 1], v, axis=1),
               (A([[1.0, 2], [3, 4]]), A([[5.0], [6]]))),
    "delete": ("TestDelete.test_fancy", lambda a: gnp.delete(a, [1, 1, 3]),
               (np.arange(5.0),)),
    "diff_prepend": ("TestDiff.test_prepend",
                     lambda a, p: gnp.diff(a, n=2, axis=1, prepend=p),
                     (A([[1.0, 4, 9], [2, 3, 5]]), A([[0.5], [7.0]]))),
    "gradient_nonuniform": ("TestGradient.test_spacing",
                            lambda f: gnp.gradient(f, A([0.0, 1, 1.5, 3.5, 4]), edge_order=2),
                            (A([1.0, 2, 4, 7, 11]),)),
    "gradient_axes": ("TestGradient.test_specific_axes",
                      lambda f: gnp.stack(gnp.gradient(f, 2.0, A([0.0, 1, 3]), axis=(0, 1))),
                      (A([[1.0, 2, 6], [3, 4, 5]]),)),
    "angle": ("TestAngle.test_basic", lambda z: gnp.angle(z, deg=True),
              (A([1 + 1j, -1 + 0.5j, 2 - 3j]),)),
    "unwrap_period": ("TestUnwrap.test_period", lambda p: gnp.unwrap(p, period=5),
                      (A([0.2, 3.1, 7.3, 1.4]),)),
    "sinc": ("TestSinc.test_simple", gnp.sinc, (A([0.25, 0.5, -1.3, 2.2]),)),
    "i0": ("Test_I0.test_simple", gnp.i0, (A([0.3, 1, -1.5, 10]),)),
    "interp_period": ("TestInterp.test_period",
                      lambda x, fp: gnp.interp(x, A([0.0, 0.7, 1.6]), fp, period=2),
                      (A([0.3, 2.5, -0.9]), A([1.0, 2, 3]))),
    "interp_complex": ("TestInterp.test_complex_interp",
                       lambda x, fp: gnp.interp(x, A([0.0, 1, 2]), fp, left=1j, right=-1.0),
                       (A([0.5, 1.3, -1, 3]), A([1 + 1j, 2, 3j]))),
    "corrcoef": ("TestCorrCoef.test_xy", lambda x, y: gnp.corrcoef(x, y),
                 (A([1.0, 2, 3, 4]), A([1.0, 5, 2, 2.5]))),
    "cov_weights": ("TestCov.test_unit_fweights_and_aweights",
                    lambda x: gnp.cov(x, fweights=A([1, 2, 1, 3]), aweights=A([0.5, 2, 1, 1])),
                    (A([[1.0, 2, 3, 0.5], [2, 0.1, -1, 4]]),)),
    "trapezoid": ("TestTrapezoid.test_ndim", lambda y, x: gnp.trapezoid(y, x, axis=1),
                  (np.arange(6.0).reshape(2, 3) ** 2, A([0.0, 1, 4]))),
    "take_along_axis": ("TestTakeAlongAxis.test_broadcast",
                        lambda a: gnp.take_along_axis(a, A([[0, 2, 2]]), axis=1),
                        (np.arange(6.0).reshape(2, 3),)),
    "put_along_axis": ("TestPutAlongAxis.test_replace_max", lambda a, v: _put_along(a, v),
                       (np.arange(6.0).reshape(2, 3), A([[10.0], [20.0]]))),
    "apply_along_axis": ("TestApplyAlongAxis.test_3d",
                         lambda a: gnp.apply_along_axis(lambda r: r[1:] * r[0], 1, a),
                         (np.arange(12.0).reshape(2, 3, 2),)),
    "apply_over_axes": ("TestApplyOverAxes.test_simple",
                        lambda a: gnp.apply_over_axes(gnp.sum, a * a, [0, 2]),
                        (np.arange(24.0).reshape(2, 3, 4),)),
    "array_split": ("TestArraySplit.test_index_split_high_bound",
                    lambda a: gnp.concatenate(
                        [p * (i + 1) for i, p in enumerate(gnp.array_split(a, [3, 1, 8]))]),
                    (np.arange(10.0),)),
    "dsplit": ("TestDsplit.test_3D_array",
               lambda a: gnp.dsplit(a, [1])[1] * 2, (np.arange(8.0).reshape(2, 2, 2),)),
    "kron": ("TestKron.test_kron_shape", gnp.kron,
             (np.arange(4.0).reshape(2, 2), np.arange(12.0).reshape(1, 3, 4))),
    "tile": ("TestTile.test_basic", lambda a: gnp.tile(a, (2, 1, 2)), (A([0.0, 1, 2]),)),
    "nanmax_where": ("TestNanFunctions_MinMax.test_where",
                     lambda a: gnp.nanmax(a, axis=0, where=A([True, False, True]), initial=-2.0),
                     (NANMAT[:2],)),
    "nansum_initial": ("TestNanFunctions_SumProd.test_initial",
                       lambda a: gnp.nanprod(a, axis=1, initial=2.0), (NANMAT,)),
    "nancumprod": ("TestNanFunctions_CumSumProd.test_result_values",
                   lambda a: gnp.nancumprod(a, axis=1), (NANMAT,)),
    "nanvar_where": ("TestNanFunctions_MeanVarStd.test_where",
                     lambda a: gnp.nanvar(a, axis=0, ddof=1, where=A(
                         [[True, True, False], [True, True, True], [False, True, True]])),
                     (A([[0.6244, np.nan, 0.2692], [0.5351, -0.9403, 0.1], [1.0, 2, 3]]),)),
    "nanstd_mean": ("TestNanFunctions_MeanVarStd.test_nanstd_with_mean_keyword",
                    lambda a: gnp.nanstd(a, axis=1, mean=gnp.nanmean(a, axis=1, keepdims=True)),
                    (NANMAT[:2],)),
    "nanmedian": ("TestNanFunctions_Median.test_result_values",
                  lambda a: gnp.nanmedian(a, axis=1, keepdims=True), (NANMAT[:2],)),
    "std_mean_where": ("TestNonarrayArgs.test_std_with_mean_keyword_where_nontrivial",
                       lambda a: gnp.std(a, axis=1, where=_WH, mean=gnp.mean(
                           a, axis=1, keepdims=True, where=_WH)),
                       (np.random.RandomState(1234).randn(3, 4, 2) + 0.5,)),
    "var_axes_mean": ("TestNonarrayArgs.test_std_with_mean_keyword_multiple_axis",
                      lambda a: gnp.var(a, axis=(0, 2), mean=gnp.mean(a, axis=(0, 2),
                                                                      keepdims=True)),
                      (np.random.RandomState(1234).randn(3, 4, 2),)),
    "nanquantile": ("TestNanFunctions_Quantile.test_basic",
                    lambda a: gnp.nanquantile(a, A([0.1, 0.7]), axis=0), (NANMAT[:2],)),
}


def _put_along(a, v):
    out = gnp.copy(a)
    gnp.put_along_axis(out, A([[2], [0]]), v, axis=1)
    return out


_GRAD_DEFAULT = ("resize", "cross_broadcast", "block", "average_returned", "insert",
                 "gradient_nonuniform", "interp_complex", "cov_weights", "apply_along_axis",
                 "nanvar_where", "nanquantile", "put_along_axis", "std_complex", "unwrap_period",
                 "std_mean_where")


@pytest.mark.parametrize("name", sorted(GRADS) if ALL else _GRAD_DEFAULT)
def test_gradients_match_central_differences(backend, name):
    _, f, args = GRADS[name]
    check_grads(f, tuple(ad.get_backend().xp.asarray(a) for a in args), order=2 if ALL else 1,
                modes=("rev", "fwd"))


def test_every_gap_has_a_mapping():
    keys = [(f, c, n) for f, c, n, _ in GAPS]
    assert len(keys) == len(set(keys)) > 850
    tags = {c.src for c in CASES} | {s for s, _, _ in GRADS.values()}
    here = set()
    conf = Path(__file__).parent
    for f, cls, name, where in GAPS:
        kind, _, ref = where.partition(":")
        ref = ref.strip()
        assert kind in ("here", "covered", "n/a", "differs"), (f, cls, name)
        if kind == "here":
            assert ref in tags or ref.split(" ")[0] in globals(), (cls, name, ref)
            here.add(ref)
        if kind == "covered":
            path, _, fn = ref.partition("::")
            text = (conf / path if (conf / path).exists() else conf.parent / path).read_text()
            assert fn.split(" ")[0] in text, ref
    assert not tags - here, f"cases tagged with no GAPS entry: {sorted(tags - here)}"
