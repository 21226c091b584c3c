"""CuPy's array tests mapped method by method onto gpuad, and the ones not yet ported, ported.

``GAPS`` lists every test method of every class in CuPy's tests/cupy_tests directories
manipulation_tests, sorting_tests, statistics_tests, indexing_tests, creation_tests,
padding_tests, lib_tests, linalg_tests and fft_tests (the versions stored for reading: file,
commit and method count in ``UPSTREAM``; linalg_tests/numpy_play.py is a script with no
tests), with where each is checked: "here:" a row or test of this file, "covered:" a test
(and row) of an earlier port (test_cupy_suite_arrays.py, _numeric.py, _mixed.py, _fft.py:
their docstrings name the CuPy files they follow), "differs:" where gpuad deliberately differs
from NumPy or follows NumPy where CuPy does not (with the test that checks gpuad's behaviour),
or "n/a:" with the reason (devices, cuFFT plans and callbacks, memory layout, functions NumPy
2 removed). ``test_every_gap_has_a_mapping`` checks the count per file, that no method is
mapped twice and that every reference exists.

The rows run through the harness of the earlier ports (tests/conformance/_cupy_suite.py): each
function of ``xp`` runs on NumPy (the reference) and on gpuad.numpy over CuPy's dtypes (its
``for_all_dtypes`` where CuPy's test takes them all), on backend arrays and on Tensors
(recorded for float and complex dtypes), and must agree in container, dtype, shape and values,
or raise the same class of exception. A row gathers one of CuPy's parameter tables into a list
(one result per parameter); a refusal in a table is compared by the builtin family of what each
call raises (``_err``). Beside the rows: iteration, ``broadcast``, partition's ordering
property, whether ``array``/``asarray``/``copy`` share the input's data, ``poly1d`` as NumPy's,
and ``test_gradients``, which differentiates the float functions these tables reach, forward
and reverse to second order, against float64 central differences.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import MissingRuleError
from gpuad.complex_rules import ComplexError
from gpuad.testing import check_grads
from tests.conformance._cupy_suite import (
    ALL,
    COMPLEX,
    FLOAT,
    RA,
    A,
    F,
    R,
    V,
    case,
    run_case,
)

#: the stored upstream versions this table was made from: file -> (commit, its test methods)
UPSTREAM = {
    "manipulation_tests/test_add_remove.py": ("069750c21eb9bf02514a718f19968472897eb6fe", 33),
    "manipulation_tests/test_basic.py": ("102bc6d0222f6be069ce8e41238f9d5006992845", 22),
    "manipulation_tests/test_block.py": ("4e743d981e1fab88fed6a4330ba4400da8108db7", 5),
    "manipulation_tests/test_dims.py": ("0349a73c5a3b6e3a037d930d7a6bea389a3262c9", 45),
    "manipulation_tests/test_iter.py": ("e62fce8750c27b6ab49a47eea98631d96060ea7a", 4),
    "manipulation_tests/test_join.py": ("0076c6e571887741c8769112506fb48b668e153f", 73),
    "manipulation_tests/test_kind.py": ("0379fbbb3221879dde1fc5f5c23965d07fafe16b", 14),
    "manipulation_tests/test_rearrange.py": ("006e3185f21908311ef180c494f5370d353fc9c2", 4),
    "manipulation_tests/test_shape.py": ("08b60cdc492dda7b210ebcd6713f2df6612ab5f4", 28),
    "manipulation_tests/test_split.py": ("198b7c3dbf824eb80c0b8716c7dd30d26b3aba67", 18),
    "manipulation_tests/test_tiling.py": ("221bd96ea1bbcd411569c619a05baa444bce17f4", 3),
    "manipulation_tests/test_transpose.py": ("03523d2bc5b43f2dd393b58f2aee94f8c68db3f2", 28),
    "sorting_tests/test_count.py": ("1440bbe4f6d442c6dc135ebe9715da3ed05fdf82", 2),
    "sorting_tests/test_search.py": ("019efc9cad8ffe454d4d1df28bad99000882a7b6", 75),
    "sorting_tests/test_sort.py": ("001fc536863bb05d6b998ca03bdf9be1c148abbb", 80),
    "statistics_tests/test_correlation.py": ("102bc6d0222f6be069ce8e41238f9d5006992845", 16),
    "statistics_tests/test_cuda_compute_histogram.py": (
        "7bd7f869c7b277923958ea7d9394d6148062368d", 4),
    "statistics_tests/test_histogram.py": ("0ac2c4dcaabbf103b450232648712bbaa5ca15eb", 58),
    "statistics_tests/test_meanvar.py": ("166ff67ec9164e30179a98f7484665457a0a1391", 52),
    "statistics_tests/test_nan_params.py": ("0d959ecd5817518e7301978826f16ebbf7bb9f29", 7),
    "statistics_tests/test_order.py": ("01d11d9daa4f640ea7b6f9a876f6010e4e75df70", 51),
    "indexing_tests/test_generate.py": ("032f2ab095c75592d7b93ca5bce9f8ae791e2bb5", 17),
    "indexing_tests/test_indexing.py": ("089e2b25184461c7570bf4416c878662a106464b", 24),
    "indexing_tests/test_insert.py": ("0a5e8b9fbf2f58567ea67e50ed1faf9042cd2bd4", 12),
    "indexing_tests/test_itemset.py": ("06c30403cc136ac1e05b2a4a269eee8d18dfb705", 1),
    "indexing_tests/test_iterate.py": ("4bfa83ff8247486ec30f42f6b47cd108529c2583", 7),
    "creation_tests/test_basic.py": ("00fa5061e6b2002530902642fadaab968d834910", 19),
    "creation_tests/test_device.py": ("0b04fa2fa973055230ebcd32b93f9b37683176a8", 15),
    "creation_tests/test_from_data.py": ("01162c64240e4253456bf462862f13b248165f6e", 74),
    "creation_tests/test_matrix.py": ("0a8c202f54b20ecf817e647f68528780aeb42cd6", 34),
    "creation_tests/test_ranges.py": ("032bb5822437794b674e79a30280daaff75a20b7", 60),
    "padding_tests/test_pad.py": ("0324243178c867af7c20f6d7fb018346daa1a336", 4),
    "lib_tests/test_function_base.py": ("16220bcf96e39cf2c47ed7e48e52241cfbbf4ab8", 11),
    "lib_tests/test_polynomial.py": ("0068cd2a5e48457d6720970e8b1f878561dde0b4", 48),
    "lib_tests/test_shape_base.py": ("102bc6d0222f6be069ce8e41238f9d5006992845", 9),
    "lib_tests/test_strided_tricks.py": ("0227d4f8841193cbd53315aa6b05a7bc1b5b15b8", 2),
    "linalg_tests/test_decomposition.py": ("067876d5946fab3fe0f7439a46e3f68bb0ecf6b6", 4),
    "linalg_tests/test_eigenvalue.py": ("120da9b73cb83dfb5f2136956c2c880b36708a3e", 4),
    "linalg_tests/test_einsum.py": ("02d0489b336b5ccc0b94b39a2313ca118e60406c", 32),
    "linalg_tests/test_linalg_numpy_2_0.py": ("359b732d3ef655361e466898cfe45737c001414c", 14),
    "linalg_tests/test_matrix_transpose.py": ("4e743d981e1fab88fed6a4330ba4400da8108db7", 2),
    "linalg_tests/test_norm.py": ("0a04efbb06b95958f60836c644a13ac8897334e5", 2),
    "linalg_tests/test_norms.py": ("03523d2bc5b43f2dd393b58f2aee94f8c68db3f2", 21),
    "linalg_tests/test_product.py": ("03279158e9a182e35a2d49682462d3a6b003a430", 74),
    "linalg_tests/test_solve.py": ("00ee819d6a8e1dfa06af75134c992a066759c688", 15),
    "linalg_tests/test_vecdot.py": ("4e743d981e1fab88fed6a4330ba4400da8108db7", 4),
    "fft_tests/test_cache.py": ("06dcb25e7655ee6827e2fac8e2793a613c4140cc", 12),
    "fft_tests/test_callback.py": ("021b8888dd3da37beb5b7328c575811bfad1aa9a", 38),
    "fft_tests/test_fft.py": ("01432b4a060be392ac81c19299bc8b7bdc2b766b", 32),
}

GAPS: list[tuple[str, str, str]] = []


def G(cls, names, where):  # noqa: N802
    """One row per test method named in ``names`` (space separated) of ``cls``."""
    for n in names.split():
        GAPS.append((cls, n, where))


def here(row):
    return f"here: test_gap_row[{row}]"


def here_fn(fn):
    return f"here: {fn}"


# ---- manipulation_tests --------------------------------------------------------------------

_M = "manipulation_tests/"
_ARR = "covered: test_cupy_suite_arrays.py::test_cupy_suite_row"
_MIX = "covered: test_cupy_suite_mixed.py::test_cupy_suite_dtype_pairs"
_OUTD = "covered: test_cupy_suite_mixed.py::test_cupy_suite_out_dtypes"
_NUM = "covered: test_cupy_suite_numeric.py::test_cupy_suite_row"
_GRD = "covered: test_cupy_suite_grads.py::test_cupy_suite_gradient"
_FFT = "covered: test_cupy_suite_fft.py::test_cupy_suite_row"
_GPU = "n/a: CuPy's devices (multi-GPU peer access, cuda.Device)"
_LAYOUT = ("n/a: memory layout (strides, flags, order=): gpuad arrays have no layout a user "
           "can see beyond values, which these rows' neighbours compare")
_HUGE = "n/a: allocates gigabytes (CuPy's 32-bit index boundary)"

M_ADD = _M + "test_add_remove.py::"
M_BASIC = _M + "test_basic.py::"
M_DIMS = _M + "test_dims.py::"
M_JOIN = _M + "test_join.py::TestJoin"
M_SHAPE = _M + "test_shape.py::"
M_KIND = _M + "test_kind.py::TestKind"

G(M_ADD + "TestAppend", "test", here("append_dtypes"))
G(M_ADD + "TestAppend", "test_scalar_lhs test_numpy_scalar_lhs", here("append_scalar_lhs"))
G(M_ADD + "TestAppend", "test_scalar_rhs test_numpy_scalar_rhs", here("append_scalar_rhs"))
G(M_ADD + "TestAppend", "test_scalar_both", here("append_scalar_both"))
G(M_ADD + "TestAppend", "test_axis", f"{_ARR}[append]")
G(M_ADD + "TestAppend", "test_zerodim", here("append_zerodim"))
G(M_ADD + "TestAppend", "test_empty", here("append_empty"))
G(M_ADD + "TestResize", "test test_remainder", here("resize_remainder"))
G(M_ADD + "TestResize", "test_shape_int", f"{_ARR}[resize_int]")
G(M_ADD + "TestResize", "test_scalar test_scalar_shape_int test_typed_scalar",
  here("resize_scalar"))
G(M_ADD + "TestResize", "test_zerodim", here("resize_zerodim"))
G(M_ADD + "TestResize", "test_empty", here("resize_empty"))
G(M_ADD + "TestUnique", "test_unique test_unique_index test_unique_inverse test_unique_counts "
  "test_unique_return_all", here("unique_random_all"))
G(M_ADD + "TestUnique", "test_unique_empty", f"{_ARR}[unique_empty]")
G(M_ADD + "TestUnique", "test_unique_empty_return_all", here("unique_empty_return_all"))
G(M_ADD + "TestUnique", "test_unique_equal_nan test_unique_equal_nan_float16",
  here("unique_equal_nan"))
G(M_ADD + "TestTrim_zeros", "test_trim_non_zeros test_trim_trimmed test_trim_all_zeros "
  "test_trim_front_zeros test_trim_back_zeros", here("trim_zeros_modes"))
G(M_ADD + "TestTrim_zeros", "test_trim_zero_dim test_trim_ndim",
  "differs: NumPy 2.2 and later trims every axis of an n-d array and returns a 0-d one "
  "unchanged, where CuPy raises; gpuad follows NumPy; here: test_gap_row[trim_zeros_nd]")

G(M_BASIC + "TestBasic", "test_copyto test_copyto_different_contiguity", f"{_ARR}[copyto]")
G(M_BASIC + "TestBasic", "test_copyto_dtype", here("copyto_from_bool"))
G(M_BASIC + "TestBasic", "test_copyto_broadcast test_copyto_squeeze_broadcast",
  f"{_ARR}[copyto_bcast]")
G(M_BASIC + "TestBasic", "test_copyto_raises_shape", f"{_ARR}[copyto_bad_shape]")
G(M_BASIC + "TestBasic", "test_copyto_squeeze test_copyto_squeeze_different_contiguity",
  here("copyto_squeeze"))
G(M_BASIC + "TestBasic", "test_copyto_where", f"{_ARR}[copyto_where]")
G(M_BASIC + "TestBasic", "test_copyto_where_squeeze_broadcast", here("copyto_where_squeeze"))
G(M_BASIC + "TestBasic", "test_copyto_where_raises", here("copyto_where_not_bool"))
G(M_BASIC + "TestBasic", "test_copyto_where_multigpu_raises test_copyto_where_multigpu_raises_4 "
  "test_copyto_where_multigpu_raises_6 test_copyto_multigpu "
  "test_copyto_multigpu_noncontinguous", _GPU)
G(M_BASIC + "TestCopytoFromScalar", "test_copyto test_copyto_where", here("copyto_py_scalar"))
G(M_BASIC + "TestCopytoFromNumpyScalar", "test_copyto test_copyto2 test_copyto_where",
  here("copyto_casting"))
G(M_BASIC + "<module>", "test_copyto_scalarwhere", here("copyto_scalar_where"))

G(_M + "test_block.py::TestBlock", "test_block_2d test_block_3d", here("block_2d_3d"))
G(_M + "test_block.py::TestBlock", "test_block_1d_to_2d", f"{_ARR}[block_1d]")
G(_M + "test_block.py::TestBlock", "test_block_empty test_block_depth_mismatch",
  here("block_bad"))

G(M_DIMS + "TestDims", "test_atleast_1d1 test_atleast_2d1 test_atleast_3d1", here("atleast_all"))
G(M_DIMS + "TestDims", "test_atleast_1d2 test_atleast_2d2 test_atleast_3d2", here("atleast_3d_in"))
G(M_DIMS + "TestDims", "test_broadcast_to test_broadcast_to_numpy19", f"{_ARR}[broadcast_to]")
G(M_DIMS + "TestDims", "test_broadcast_to_fail test_broadcast_to_fail_numpy19",
  f"{_ARR}[broadcast_to_bad]")
G(M_DIMS + "TestDims", "test_broadcast_to_short_shape test_broadcast_to_short_shape_numpy19",
  f"{_ARR}[broadcast_to_short]")
G(M_DIMS + "TestDims", "test_expand_dims0 test_expand_dims1 test_expand_dims2",
  f"{_ARR}[expand_dims]")
G(M_DIMS + "TestDims", "test_expand_dims_negative1", f"{_ARR}[expand_dims_neg]")
G(M_DIMS + "TestDims", "test_expand_dims_negative2 test_expand_dims_out_of_range",
  here("expand_dims_oob"))
G(M_DIMS + "TestDims", "test_expand_dims_tuple_axis", here("expand_dims_tuples"))
G(M_DIMS + "TestDims", "test_expand_dims_repeated_axis", f"{_ARR}[expand_dims_repeated]")
G(M_DIMS + "TestDims", "test_squeeze1 test_squeeze2 test_external_squeeze", here("squeeze_many"))
G(M_DIMS + "TestDims", "test_squeeze_int_axis1 test_squeeze_int_axis2 test_squeeze_tuple_axis1 "
  "test_squeeze_tuple_axis2 test_squeeze_tuple_axis3 test_squeeze_tuple_axis4",
  here("squeeze_axes"))
# (the Tensor method squeeze(dim) is torch's: IndexError for a dim out of range; gnp.squeeze
# raises NumPy's AxisError)
G(M_DIMS + "TestDims", "test_squeeze_int_axis_failure1 test_squeeze_int_axis_failure2 "
  "test_squeeze_tuple_axis_failure1 test_squeeze_tuple_axis_failure2 "
  "test_squeeze_tuple_axis_failure3", here("squeeze_axes_bad"))
G(M_DIMS + "TestDims", "test_squeeze_scalar1 test_squeeze_scalar2", here("squeeze_0d_axes"))
G(M_DIMS + "TestDims", "test_squeeze_scalar_failure1 test_squeeze_scalar_failure2 "
  "test_squeeze_scalar_failure3 test_squeeze_scalar_failure4", here("squeeze_0d_bad"))
G(M_DIMS + "TestDims", "test_squeeze_failure", f"{_ARR}[squeeze_bad]")
G(M_DIMS + "TestBroadcast", "test_broadcast", here_fn("test_broadcast_object"))
G(M_DIMS + "TestBroadcast", "test_broadcast_arrays", here("broadcast_arrays_shapes"))
G(M_DIMS + "TestInvalidBroadcast", "test_invalid_broadcast", here_fn("test_broadcast_object"))
G(M_DIMS + "TestInvalidBroadcast", "test_invalid_broadcast_arrays", here("broadcast_arrays_bad"))

G(_M + "test_iter.py::TestIter", "test_list test_len", here_fn("test_iteration"))
G(_M + "test_iter.py::TestIterInvalid", "test_list test_len", here_fn("test_iteration"))

G(M_JOIN, "test_column_stack", here("column_stack_dtypes"))
G(M_JOIN, "test_column_stack_wrong_ndim1 test_column_stack_wrong_ndim2 "
  "test_column_stack_wrong_shape", here("column_stack_bad"))
G(M_JOIN, "test_concatenate1 test_concatenate2", f"{_ARR}[concatenate_neg]")
G(M_JOIN, "test_concatenate_axis_none", f"{_ARR}[concatenate_none]")
G(M_JOIN, "test_concatenate_large_2 test_concatenate_large_3 test_concatenate_large_4 "
  "test_concatenate_f_contiguous test_concatenate_large_f_contiguous", here("concatenate_many"))
G(M_JOIN, "test_concatenate_large_5 test_concatenate_many_multi_dtype",
  here("concatenate_many_mixed"))
G(M_JOIN, "test_concatenate_large_different_devices", _GPU)
G(M_JOIN, "test_concatenate_32bit_boundary", _HUGE)
G(M_JOIN, "test_concatenate_wrong_ndim test_concatenate_wrong_shape", here("concatenate_bad"))
G(M_JOIN, "test_concatenate_out test_concatenate_out_same_kind test_concatenate_out_invalid_shape "
  "test_concatenate_out_invalid_shape_2 test_concatenate_out_invalid_dtype "
  "test_concatenate_out_different_dtype test_concatenate_dtype_invalid_out",
  here("concatenate_out"))
G(M_JOIN, "test_concatenate_different_dtype", _MIX + "[concatenate]")
G(M_JOIN, "test_concatenate_dtype test_concatenate_casting", here("join_dtype_casting"))
G(M_JOIN, "test_dstack test_dstack_single_element test_dstack_single_element_2 "
  "test_dstack_single_element_3", here("dstack_shapes"))
G(M_JOIN, "test_hstack_vectors test_hstack", f"{_ARR}[hstack]")
G(M_JOIN, "test_hstack_scalars", f"{_ARR}[hstack_0d]")
G(M_JOIN, "test_hstack_dtype test_hstack_casting test_vstack_dtype test_vstack_casting "
  "test_stack_dtype test_stack_casting", here("join_dtype_casting"))
G(M_JOIN, "test_vstack_vectors test_vstack_single_element test_vstack_wrong_ndim",
  here("vstack_shapes"))
G(M_JOIN, "test_stack test_stack_value", f"{_ARR}[stack]")
G(M_JOIN, "test_stack_with_axis1 test_stack_with_axis_value", here("stack_axis1"))
G(M_JOIN, "test_stack_with_axis2", f"{_ARR}[stack_axis2]")
G(M_JOIN, "test_stack_with_axis_over test_stack_out_of_bounds1 test_stack_out_of_bounds2",
  f"{_ARR}[stack_bad_axis]")
G(M_JOIN, "test_stack_with_negative_axis test_stack_with_negative_axis_value",
  f"{_ARR}[stack_axis]")
G(M_JOIN, "test_stack_different_shape", f"{_ARR}[stack_bad_shape]")
G(M_JOIN, "test_stack_out test_stack_out_same_kind test_stack_out_invalid_shape "
  "test_stack_out_invalid_shape_2 test_stack_out_invalid_dtype", here("stack_out"))
G(M_JOIN, "test_row_stack test_row_stack_wrong_ndim1 test_row_stack_wrong_ndim2 "
  "test_row_stack_wrong_shape", here("row_stack"))
G(M_JOIN, "test_unstack_1d_axis_0 test_unstack_1d_axis_negative_1 test_unstack_3d_positive_axis "
  "test_unstack_3d_negative_axis", here("unstack_axes"))
G(M_JOIN, "test_unstack_0d_array test_unstack_1d_invalid_positive "
  "test_unstack_2d_invalid_positive test_unstack_2d_invalid_negative "
  "test_unstack_3d_invalid_negative", here("unstack_bad"))

G(M_KIND, "test_asarray_chkfinite", f"{_ARR}[asarray_chkfinite]")
G(M_KIND, "test_asarray_chkfinite_non_finite_vals", here("asarray_chkfinite_list"))
G(M_KIND, "test_asfarray", "n/a: numpy.asfarray was removed in NumPy 2.0 (the peer has none)")
G(M_KIND, "test_asfortranarray1 test_asfortranarray2 test_asfortranarray3 test_asfortranarray4 "
  "test_asfortranarray5", _LAYOUT)
G(M_KIND, "test_require_flag_check test_require_owndata test_require_empty_requirements",
  here("require_flags"))
G(M_KIND, "test_require_C_and_F_flags", here("require_c_and_f"))
G(M_KIND, "test_require_incorrect_requirments",
  "differs: 'W' (writeable) is one of NumPy's requirements, which CuPy refuses; gpuad takes "
  "NumPy's list; here: test_gap_row[require_flags]")
G(M_KIND, "test_require_incorrect_dtype", here("require_bad_dtype"))

G(_M + "test_rearrange.py::TestRearrange", "test_roll test_roll2", f"{_ARR}[roll]")
G(_M + "test_rearrange.py::TestRearrange", "test_roll_with_axis", f"{_ARR}[roll_axis]")
G(_M + "test_rearrange.py::TestRearrange", "test_roll_invalid_axis", f"{_ARR}[roll_bad_axis]")

G(M_SHAPE + "TestShape", "test_shape test_shape_list", here("shape_of"))
G(M_SHAPE + "TestReshape", "test_reshape_strides test_reshape2 test_nocopy_reshape "
  "test_nocopy_reshape_with_order", "n/a: strides and writes through a reshaped view (gpuad's "
  "arrays are values: a Tensor is never written through a view)")
G(M_SHAPE + "TestReshape", "test_transposed_reshape2 test_reshape_with_unknown_dimension "
  "test_external_reshape", here("reshape_orders"))
G(M_SHAPE + "TestReshape", "test_reshape_with_multiple_unknown_dimensions",
  f"{_ARR}[reshape_bad_two_neg1]")
G(M_SHAPE + "TestReshape", "test_reshape_with_changed_arraysize", f"{_ARR}[reshape_bad_size]")
G(M_SHAPE + "TestReshape", "test_reshape_invalid_order test_reshape_zerosize_invalid "
  "test_reshape_zerosize_invalid_unknown", here("reshape_bad"))
G(M_SHAPE + "TestReshape", "test_reshape_zerosize test_reshape_zerosize2", here("reshape_empty"))
G(M_SHAPE + "TestReshape", "test_ndim_limit1 test_ndim_limit2", here("reshape_64_dims"))
G(M_SHAPE + "TestRavel", "test_ravel test_ravel2 test_ravel4 test_external_ravel",
  here("ravel_orders"))
G(M_SHAPE + "TestRavel", "test_ravel3",
  "differs: gpuad's asfortranarray does not change the layout of the data (docs/porting.md), "
  "so ravel('A'/'K') after it reads the rows in C order where NumPy reads Fortran order; "
  "here: test_asfortranarray_keeps_layout")
G(M_SHAPE + "TestRavel", "test_ravel_non_contiguous test_ravel_broadcasted "
  "test_ravel_broadcasted2 test_ravel_broadcasted3", here("ravel_broadcast"))
G(M_SHAPE + "TestReshapeOrder", "test_reshape_contiguity", here("reshape_orders"))

_S = _M + "test_split.py::TestSplit"
G(_S, "test_array_split1 test_array_split2 test_array_split_non_divisible",
  here("array_split_sections"))
G(_S, "test_array_split_empty_array test_array_split_empty_sections "
  "test_array_split_out_of_bound1 test_array_split_out_of_bound2 "
  "test_array_split_unordered_sections", here("array_split_indices"))
G(_S, "test_dsplit", f"{_ARR}[dsplit]")
G(_S, "test_hsplit_vectors", f"{_ARR}[hsplit_1d]")
G(_S, "test_hsplit", f"{_ARR}[hsplit]")
G(_S, "test_vsplit", f"{_ARR}[vsplit]")
G(_S, "test_split_by_sections1 test_split_by_sections2 test_split_by_sections3 "
  "test_split_out_of_bound1 test_split_out_of_bound2 test_split_unordered_sections",
  here("split_indices"))
G(_M + "test_tiling.py::TestRepeat", "test_array_repeat", here("repeat_table"))
G(_M + "test_tiling.py::TestRepeatFailure", "test_repeat_failure", f"{_ARR}[repeat_negative]")
G(_M + "test_tiling.py::TestTile", "test_array_tile", f"{_ARR}[tile_tuple]")
_T = _M + "test_transpose.py::TestTranspose"
G(_T, "test_moveaxis1 test_moveaxis2 test_moveaxis3 test_moveaxis4 test_moveaxis5 "
  "test_moveaxis6", here("moveaxis_table"))
G(_T, "test_moveaxis_invalid1_1 test_moveaxis_invalid1_2 test_moveaxis_invalid1_3 "
  "test_moveaxis_invalid2_1 test_moveaxis_invalid2_2 test_moveaxis_invalid2_3 "
  "test_moveaxis_invalid3_1 test_moveaxis_invalid3_2 test_moveaxis_invalid4_1 "
  "test_moveaxis_invalid4_2 test_moveaxis_invalid5_1 test_moveaxis_invalid5_2 "
  "test_moveaxis_invalid5_3", here("moveaxis_bad"))
G(_T, "test_rollaxis", f"{_ARR}[rollaxis]")
G(_T, "test_rollaxis_failure", f"{_ARR}[rollaxis_bad]")
G(_T, "test_swapaxes", f"{_ARR}[swapaxes]")
G(_T, "test_swapaxes_failure", f"{_ARR}[swapaxes_bad]")
G(_T, "test_transpose test_transpose_empty test_transpose_none test_external_transpose "
  "test_external_transpose_all", here("transpose_forms"))

# ---- sorting_tests ------------------------------------------------------------------------

_SO = "sorting_tests/"
G(_SO + "test_count.py::TestCount", "test_count_nonzero test_count_nonzero_zero_dim",
  here_fn("test_count_nonzero_is_int"))
_SE = _SO + "test_search.py::"
G(_SE + "TestSearch", "test_argmax_all test_external_argmax_all test_argmax_axis_large "
  "test_external_argmax_axis_large test_argmax_axis0 test_argmax_axis1 test_argmax_axis2 "
  "test_argmin_all test_external_argmin_all test_argmin_axis_large "
  "test_external_argmin_axis_large test_argmin_axis0 test_argmin_axis1 test_argmin_axis2",
  here("argminmax_axes"))
G(_SE + "TestSearch", "test_argmax_nan test_argmin_nan", here("argminmax_nan"))
G(_SE + "TestSearch", "test_argmax_tie", f"{_ARR}[argmax_tie]")
G(_SE + "TestSearch", "test_argmin_tie", f"{_ARR}[argmin_tie]")
G(_SE + "TestSearch", "test_argmax_zero_size test_argmin_zero_size", f"{_ARR}[argmin_zero_size]")
G(_SE + "TestSearch", "test_argmax_zero_size_axis0 test_argmin_zero_size_axis0",
  f"{_ARR}[argmax_zero_size_axis0]")
G(_SE + "TestSearch", "test_argmax_zero_size_axis1 test_argmin_zero_size_axis1",
  here("argminmax_zero_size_axis1"))
G(_SE + "TestCUBreduction", "test_cub_argmin test_cub_argmax", here("argminmax_big"))
G(_SE + "TestArgMinMaxDtype", "test_argminmax_dtype",
  "n/a: CuPy's own dtype= keyword of argmin/argmax (NumPy's functions have none)")
G(_SE + "TestWhereTwoArrays", "test_where_two_arrays", here("where_bcast_dtypes"))
G(_SE + "TestWhereCond", "test_where_cond", here("where_cond_dtypes"))
G(_SE + "TestWhereError", "test_one_argument", f"{_ARR}[where_two_args]")
G(_SE + "TestNonzero", "test_nonzero", here("nonzero_table"))
G(_SE + "TestNonzeroZeroDimension", "test_nonzero", f"{_ARR}[nonzero_0d]")
G(_SE + "TestFlatNonzero", "test_flatnonzero", here("flatnonzero_table"))
G(_SE + "TestArgwhere", "test_argwhere", here("argwhere_table"))
G(_SE + "TestArgwhereZeroDimension", "test_argwhere", f"{_ARR}[argwhere_0d]")
for _f in ("nanargmin", "nanargmax"):
    _cls = _SE + ("TestNanArgMin" if _f == "nanargmin" else "TestNanArgMax")
    G(_cls, f"test_{_f}_all test_{_f}_axis_large test_{_f}_axis0 test_{_f}_axis1 "
      f"test_{_f}_axis2 test_{_f}_tie", here("nanargminmax_axes"))
    G(_cls, f"test_{_f}_nan test_{_f}_nan2 test_{_f}_nan3 test_{_f}_nan4 test_{_f}_nan5",
      here("nanargminmax_nan"))
    G(_cls, f"test_{_f}_zero_size test_{_f}_zero_size_axis0", f"{_ARR}[nanargmin_zero_size]")
    G(_cls, f"test_{_f}_zero_size_axis1", f"{_ARR}[nanargmin_zero_size_axis1]")
G(_SE + "TestSearchSorted", "test_searchsorted", here("searchsorted_table"))
G(_SE + "TestSearchSortedNanInf", "test_searchsorted_nanbins test_searchsorted_nan "
  "test_searchsorted_nan_last test_searchsorted_nan_last_repeat test_searchsorted_all_nans "
  "test_searchsorted_inf test_searchsorted_minf", here("searchsorted_nan_inf"))
G(_SE + "TestSearchSortedInvalid", "test_searchsorted_ndbins", f"{_ARR}[searchsorted_2d_bad]")
G(_SE + "TestSearchSortedWithSorter", "test_sorter", f"{_ARR}[searchsorted_sorter]")
G(_SE + "TestSearchSortedWithSorter", "test_invalid_sorter test_nonint_sorter",
  here("searchsorted_bad_sorter"))

_SR = _SO + "test_sort.py::"
G(_SR + "TestSort", "test_sort_zero_dim test_external_sort_zero_dim", here("sort_0d"))
G(_SR + "TestSort", "test_sort_two_or_more_dim test_external_sort_two_or_more_dim "
  "test_sort_dtype test_external_sort_dtype test_sort_contiguous test_external_sort_contiguous "
  "test_external_sort_non_contiguous test_sort_axis test_external_sort_axis "
  "test_sort_negative_axis test_external_sort_negative_axis test_external_sort_none_axis",
  here("sort_axes"))
G(_SR + "TestSort", "test_sort_unsupported_dtype test_external_sort_unsupported_dtype",
  "differs: CuPy cannot sort float16 or bool; gpuad sorts them as NumPy does; "
  "here: test_gap_row[sort_axes]")
G(_SR + "TestSort", "test_sort_non_contiguous",
  "n/a: CuPy cannot sort a non-contiguous view in place (gpuad has no in-place sort of views)")
G(_SR + "TestSort", "test_sort_invalid_axis1 test_sort_invalid_axis2 "
  "test_external_sort_invalid_axis1 test_external_sort_invalid_axis2 "
  "test_sort_invalid_negative_axis1 test_sort_invalid_negative_axis2 "
  "test_external_sort_invalid_negative_axis1 test_external_sort_invalid_negative_axis2",
  here("sort_bad_axes"))
G(_SR + "TestLexsort", "test_lexsort_zero_dim", f"{_ARR}[lexsort_0d]")
G(_SR + "TestLexsort", "test_lexsort_one_dim test_lexsort_two_dim test_lexsort_dtype",
  here("lexsort_keys"))
G(_SR + "TestLexsort", "test_lexsort_three_or_more_dim test_lexsort_unsupported_dtype",
  "differs: CuPy refuses 3-d keys and float16/bool keys; gpuad sorts them as NumPy does "
  "(on the cupy backend 3-d keys raise NotImplementedError, the REFUSED rows of "
  "test_cupy_suite_arrays.py); here: test_gap_row[lexsort_keys]")
G(_SR + "TestArgsort", "test_argsort_zero_dim", f"{_ARR}[argsort_0d]")
G(_SR + "TestArgsort", "test_argsort_one_dim test_argsort_multi_dim test_argsort_non_contiguous "
  "test_argsort_axis test_argsort_negative_axis test_argsort_none_axis", here("argsort_axes"))
G(_SR + "TestArgsort", "test_argsort_unsupported_dtype",
  "differs: CuPy cannot argsort float16, bool or complex; gpuad does as NumPy does; "
  "here: test_gap_row[argsort_axes]")
G(_SR + "TestArgsort", "test_argsort_invalid_axis1 test_argsort_invalid_axis2 "
  "test_argsort_invalid_negative_axis1 test_argsort_invalid_negative_axis2",
  here("sort_bad_axes"))
G(_SR + "TestArgsort", "test_argsort_original_array_not_modified_one_dim "
  "test_argsort_original_array_not_modified_multi_dim", here_fn("test_argsort_keeps_input"))
G(_SR + "TestMsort", "test_msort_zero_dim test_msort_one_dim test_msort_multi_dim "
  "test_msort_unsupported_dtype",
  "n/a: numpy.msort was removed in NumPy 2.0 (the peer has none; sort(a, axis=0) is "
  "test_gap_row[sort_axes])")
for _f, _cls in (("partition", "TestPartition"), ("argpartition", "TestArgpartition")):
    G(_SR + _cls, f"test_{_f}_zero_dim", here("partition_0d"))
    G(_SR + _cls, f"test_{_f}_one_dim test_{_f}_multi_dim test_{_f}_non_contiguous "
      f"test_{_f}_sequence_kth test_{_f}_negative_kth test_{_f}_axis test_{_f}_negative_axis "
      f"test_{_f}_none_axis", here_fn("test_partition_property"))
    G(_SR + _cls, f"test_{_f}_unsupported_dtype",
      "differs: CuPy cannot partition float16 or bool; gpuad does as NumPy does; "
      "here: test_partition_property")
    G(_SR + _cls, f"test_{_f}_invalid_kth test_{_f}_invalid_negative_kth",
      here("partition_bad_kth"))
    bad_axes = (f"test_{_f}_invalid_axis1 test_{_f}_invalid_axis2" if _f == "partition"
                else f"test_{_f}_invalid_axis")
    G(_SR + _cls, f"{bad_axes} test_{_f}_invalid_negative_axis1 "
      f"test_{_f}_invalid_negative_axis2", here("partition_bad_axis"))


# ---- statistics_tests ----------------------------------------------------------------------

_ST = "statistics_tests/"
_CO = _ST + "test_correlation.py::"
G(_CO + "TestCorrcoef", "test_corrcoef", f"{_NUM}[corrcoef]")
G(_CO + "TestCorrcoef", "test_corrcoef_diag_exception", here("corrcoef_one_row"))
G(_CO + "TestCorrcoef", "test_corrcoef_y", f"{_NUM}[corrcoef_y]")
G(_CO + "TestCorrcoef", "test_corrcoef_rowvar", f"{_NUM}[corrcoef_rowvar]")
G(_CO + "TestCorrcoef", "test_corrcoef_dtype", f"{_NUM}[corrcoef_dtype]")
G(_CO + "TestCov", "test_cov test_cov_warns", here("cov_table"))
G(_CO + "TestCov", "test_cov_raises", here("cov_bad"))
G(_CO + "TestCov", "test_cov_empty", f"{_NUM}[cov_empty]")
G(_CO + "TestCorrelateShapeCombination", "test_correlate", here("correlate_shapes"))
G(_CO + "TestCorrelate", "test_correlate_non_contiguous test_correlate_large_non_contiguous",
  here("correlate_strided"))
G(_CO + "TestCorrelate", "test_correlate_diff_types", _MIX + "[correlate]")
G(_CO + "TestCorrelateInvalid", "test_correlate_empty test_correlate_ndim "
  "test_correlate_zero_dim", here("correlate_bad"))
_CC = _ST + "test_cuda_compute_histogram.py::TestCudaComputeBincount"
G(_CC, "test_bincount test_bincount_minlength test_bincount_strided", here("bincount_long"))
G(_CC, "test_weighted_not_served", "n/a: which of CuPy's accelerators (cuda.compute) serves a "
  "call")
_NP = _ST + "test_nan_params.py::TestNanParams"
G(_NP, "test_nanmin_max_where_initial test_nanmin_max_all_nan_where "
  "test_nanmin_max_where_no_initial_raises", here("nanminmax_where_initial"))
G(_NP, "test_nansum_prod_where_initial test_nansum_prod_empty_initial",
  here("nansumprod_where_initial"))
G(_NP, "test_nanmean_var_std_where", here("nanmeanvarstd_where"))
G(_NP, "test_nanargmin_argmax_keepdims", here("nanargminmax_keepdims"))

_HI = _ST + "test_histogram.py::"
_H = _HI + "TestHistogram"
G(_H, "test_histogram", f"{_NUM}[histogram]")
G(_H, "test_histogram_same_value", f"{_NUM}[histogram_same]")
G(_H, "test_histogram_density", f"{_NUM}[histogram_density]")
G(_H, "test_histogram_range_lower_outliers", f"{_NUM}[histogram_lower_outliers]")
G(_H, "test_histogram_range_upper_outliers test_histogram_range_with_density",
  here("histogram_outliers"))
G(_H, "test_histogram_range_with_weights_and_density",
  f"{_NUM}[histogram_range_weights_density]")
G(_H, "test_histogram_invalid_range", f"{_NUM}[histogram_bad_range_len]")
G(_H, "test_histogram_invalid_range2", f"{_NUM}[histogram_range_scalar]")
G(_H, "test_histogram_weights_mismatch", f"{_NUM}[histogram_weights_mismatch]")
G(_H, "test_histogram_int_weights_dtype test_histogram_float_weights_dtype "
  "test_histogram_weights_basic test_histogram_float_weights", here("histogram_weights_dtype"))
G(_H, "test_histogram_int_weights", f"{_NUM}[histogram_int_weights]")
G(_H, "test_histogram_int_weights_normalized", f"{_NUM}[histogram_int_weights_density]")
G(_H, "test_histogram_int_weights_nonuniform_bins", f"{_NUM}[histogram_nonuniform_density]")
G(_H, "test_histogram_complex_weights", f"{_NUM}[histogram_complex_weights]")
G(_H, "test_histogram_complex_weights_uneven_bins", f"{_NUM}[histogram_complex_weights_edges]")
G(_H, "test_histogram_empty", f"{_NUM}[histogram_empty]")
G(_H, "test_histogram_int_bins", f"{_NUM}[histogram_bins]")
G(_H, "test_histogram_array_bins test_histogram_numpy_bins", here("histogram_array_bins"))
G(_H, "test_histogram_list_bins", f"{_NUM}[histogram_list_bins]")
G(_H, "test_histogram_bins_not_ordered", f"{_NUM}[histogram_bins_unordered]")
G(_H, "test_bincount", f"{_NUM}[bincount]")
G(_H, "test_bincount_duplicated_value", f"{_NUM}[bincount_dup]")
G(_H, "test_bincount_with_weight", here("bincount_weight_dtypes"))
G(_H, "test_bincount_with_minlength", f"{_NUM}[bincount_minlength]")
G(_H, "test_bincount_invalid_weight_length", f"{_NUM}[bincount_w_bad_len]")
G(_H, "test_bincount_negative", f"{_NUM}[bincount_neg]")
G(_H, "test_bincount_too_deep", f"{_NUM}[bincount_2d]")
G(_H, "test_bincount_too_small", f"{_NUM}[bincount_0d]")
G(_H, "test_bincount_zero", f"{_NUM}[bincount_minlength0]")
G(_H, "test_bincount_too_small_minlength", f"{_NUM}[bincount_bad_minlength]")
G(_HI + "TestCubHistogram", "test_histogram", f"{_NUM}[histogram]")
G(_HI + "TestCubHistogram", "test_histogram_range_float test_histogram_with_bins",
  here("histogram_array_bins"))
G(_HI + "TestDigitize", "test_digitize", f"{_ARR}[digitize_dec_right]")
G(_HI + "TestDigitizeNanInf", "test_digitize_nan test_digitize_nan_bins "
  "test_digitize_nan_bins_repeated test_digitize_nan_bins_decreasing "
  "test_digitize_nan_bins_decreasing_repeated test_digitize_all_nan_bins test_searchsorted_inf "
  "test_searchsorted_minf", here("digitize_nan_inf"))
G(_HI + "TestDigitizeInvalid", "test_digitize_complex test_digitize_nd_bins", here("digitize_bad"))
G(_HI + "TestHistogramdd", "test_histogramdd", here("histogramdd_table"))
G(_HI + "TestHistogramddErrors", "test_histogramdd_invalid_bins test_histogramdd_invalid_bins2 "
  "test_histogramdd_invalid_bins3 test_histogramdd_invalid_bins4 test_histogramdd_invalid_range",
  here("histogramdd_bad"))
G(_HI + "TestHistogramddErrors", "test_histogramdd_disallow_arraylike_bins",
  "differs: CuPy refuses bins given as lists (a host round trip); gpuad takes them as NumPy "
  "does; here: test_gap_row[histogram_list_edges]")
G(_HI + "TestHistogram2d", "test_histogram2d", here("histogram2d_table"))
G(_HI + "TestHistogram2dErrors", "test_histogram2d_disallow_arraylike_bins",
  "differs: CuPy refuses bins given as a list; gpuad takes them as NumPy does; "
  "here: test_gap_row[histogram_list_edges]")

_MV = _ST + "test_meanvar.py::"
G(_MV + "TestMedian", "test_median_noaxis", f"{_NUM}[median]")
G(_MV + "TestMedian", "test_median_axis1 test_median_axis2 test_median_keepdims_axis1 "
  "test_median_keepdims_noaxis", here("median_axis_table"))
G(_MV + "TestMedian", "test_median_overwrite_input", here("median_overwrite"))
G(_MV + "TestMedian", "test_median_invalid_axis", here("median_bad_axes"))
G(_MV + "TestMedianAxis", "test_median_axis_sequence", here("median_axis_table"))
G(_MV + "TestNanMedian", "test_nanmedian", here("nanmedian_table"))
G(_MV + "TestAverage", "test_average_all", f"{_NUM}[average]")
G(_MV + "TestAverage", "test_average_axis", f"{_NUM}[average_axis]")
G(_MV + "TestAverage", "test_average_weights test_average_axis_weights test_returned",
  here("average_weights_returned"))
G(_MV + "TestMeanVar", " ".join(
    f"test_{e}{f}_{w}" for f in ("var", "std") for w in ("all", "all_ddof", "axis", "axis_ddof")
    for e in ("", "external_")) + " test_mean_all test_external_mean_all test_mean_axis "
  "test_external_mean_axis", here("meanvarstd_methods"))
G(_MV + "TestMeanVar", "test_mean_all_float64_dtype test_mean_all_int64_dtype "
  "test_mean_all_complex_dtype", here("mean_dtypes"))
G(_MV + "TestNanMean", "test_nanmean_without_nan test_nanmean_with_nan_float",
  here("nanmean_table"))
G(_MV + "TestNanMeanAdditional", "test_nanmean_out", here("nan_out"))
G(_MV + "TestNanMeanAdditional", "test_nanmean_huge", here("nan_big"))
G(_MV + "TestNanMeanAdditional", "test_nanmean_float16", here("nan_f16"))
G(_MV + "TestNanMeanAdditional", "test_nanmean_all_nan", f"{_NUM}[nanmean_all_nan]")
G(_MV + "TestNanVarStd", "test_nanvar test_nanstd", here("nanvarstd_table"))
G(_MV + "TestNanVarStdAdditional", "test_nanvar_out test_nanstd_out", here("nan_out"))
G(_MV + "TestNanVarStdAdditional", "test_nanvar_huge test_nanstd_huge", here("nan_big"))
G(_MV + "TestNanVarStdAdditional", "test_nanvar_float16 test_nanstd_float16", here("nan_f16"))
G(_MV + "TestProductZeroLength", "test_external_mean_zero_len", here("meanvarstd_zero_len"))

_OR = _ST + "test_order.py::"
G(_OR + "TestQuantile", "test_percentile_unexpected_method", f"{_NUM}[percentile_bad_method]")
G(_OR + "TestQuantile", "test_quantile_unexpected_method", here("quantile_bad_q_method"))
G(_OR + "TestQuantile", "test_percentile_memory_access", "n/a: CuPy's allocator (memory read "
  "past the end of a buffer)")
_QM = _OR + "TestQuantileMethods"
G(_QM, " ".join(f"test_{f}_{t}" for f in ("percentile", "quantile") for t in (
    "defaults", "q_list", "no_axis", "neg_axis", "tuple_axis", "scalar_q", "keepdims"))
  + " test_quantile_axis_and_keepdims", here("quantile_methods"))
G(_QM, "test_percentile_out test_quantile_out test_percentile_overwrite test_quantile_overwrite",
  here("quantile_out_overwrite"))
G(_QM, "test_percentile_bad_q test_quantile_bad_q", here("quantile_bad_q_method"))
G(_QM, "test_percentile_out_of_range_q", f"{_NUM}[percentile_q_oob]")
G(_QM, "test_quantile_out_of_range_q", f"{_NUM}[quantile_q_oob]")
_O = _OR + "TestOrder"
G(_O, "test_nanmax_all test_nanmax_axis_large test_nanmax_axis0 test_nanmax_axis1 "
  "test_nanmax_axis2 test_nanmin_all test_nanmin_axis_large test_nanmin_axis0 test_nanmin_axis1 "
  "test_nanmin_axis2", here("nanminmax_axes"))
G(_O, "test_nanmax_nan", f"{_NUM}[nanmax_nan]")
G(_O, "test_nanmax_all_nan", f"{_NUM}[nanmax_all_nan]")
G(_O, "test_nanmin_nan test_nanmin_all_nan test_nanmin_with_initial_and_where",
  here("nanmin_nan_initial_where"))
G(_O, "test_nanmin_with_initial", f"{_NUM}[nanmin_initial]")
G(_O, "test_nanmin_with_where", f"{_NUM}[nanmin_where]")
G(_O, "test_ptp_all test_ptp_axis_large test_ptp_axis0 test_ptp_axis1 test_ptp_axis2 "
  "test_ptp_all_nan", here("ptp_axes"))
G(_O, "test_ptp_nan", f"{_NUM}[ptp_nan]")
G(_OR + "TestPercentileMonotonic", "test_percentile_monotonic", here("percentile_monotonic"))


# ---- indexing_tests ------------------------------------------------------------------------

_IX = "indexing_tests/"
_GE = _IX + "test_generate.py::"
G(_GE + "TestIX_", "test_ix_list test_ix_ndarray test_ix_empty_ndarray test_ix_bool_ndarray",
  here("ix_forms"))
G(_GE + "TestR_", "test_r_1 test_r_8 test_r_2 test_r_3 test_r_4 test_r_5 test_r_6 test_r_9",
  here("r_c_forms"))
G(_GE + "TestR_", "test_r_7",
  "differs: r_['r', ...] gives a numpy.matrix, which gpuad has no counterpart for: it raises "
  "NotImplementedError saying to use 2-D arrays; here: test_r_matrix_refused")
G(_GE + "TestC_", "test_c_1 test_c_2 test_c_3", here("r_c_forms"))
G(_GE + "TestAxisConcatenator", "test_AxisConcatenator_init1",
  "n/a: CuPy's internal class cupy.indexing.generate.AxisConcatenator")
_IN = _IX + "test_indexing.py::"
G(_IN + "TestIndexing", "test_take_by_scalar test_external_take_by_scalar test_take_by_array "
  "test_take_no_axis test_take_index_range", here("take_forms"))
G(_IN + "TestIndexing", "test_take_along_axis test_take_along_axis_none_axis",
  here("take_along_axis_forms"))
G(_IN + "TestIndexing", "test_diagonal test_external_diagonal test_diagonal_negative1 "
  "test_diagonal_negative2 test_diagonal_negative3 test_diagonal_negative4 "
  "test_diagonal_negative5 test_diagonal_invalid1 test_diagonal_invalid2", here("diagonal_forms"))
G(_IN + "TestChoose", "test_choose test_choose_broadcast test_choose_broadcast2 test_choose_wrap "
  "test_choose_clip test_unknown_clip test_raise test_choose_broadcast_fail",
  here("choose_forms"))
_INS = _IX + "test_insert.py::"
G(_INS + "TestPlace", "test_place", here("place_table"))
G(_INS + "TestPlaceRaises", "test_place_empty_value_error test_place_shape_unmatch_error",
  here("place_table"))
G(_INS + "TestPut", "test_put", here("put_table"))
G(_INS + "TestPutScalars", "test_put_index_scalar test_put_values_scalar", here("put_table"))
G(_INS + "TestPutRaises", "test_put_inds_underflow_error test_put_inds_overflow_error "
  "test_put_mode_error", here("put_table"))
G(_INS + "TestFillDiagonal", "test_fill_diagonal test_columnar_slice test_1darray",
  here("fill_diagonal_table"))
G(_IX + "test_itemset.py::TestItemset", "test_itemset",
  "n/a: ndarray.itemset was removed in NumPy 2.0 (the peer has none)")
_IT = _IX + "test_iterate.py::"
G(_IT + "TestFlatiterSubscript", "test_getitem test_setitem_scalar test_setitem_ndarray_1d "
  "test_setitem_ndarray_nd test_setitem_ndarray_different_types",
  "here: test_flat_on_a_tensor (a Tensor's .flat is NumPy's flat iterator, recorded; a "
  "backend array's .flat is NumPy's or CuPy's own)")
G(_IT + "TestFlatiterSubscriptIndexError", "test_getitem test_setitem",
  "here: test_flat_on_a_tensor")


# ---- creation_tests ------------------------------------------------------------------------

_CR = "creation_tests/"
_CB = _CR + "test_basic.py::TestBasic"
G(_CB, "test_empty test_empty_f test_empty_scalar test_empty_int test_empty_like test_eye "
  "test_identity test_zeros test_zeros_scalar test_zeros_int test_zeros_like test_ones "
  "test_ones_like test_full test_full_like", here("creation_basic"))
G(_CB, "test_empty_zero_sized_array_strides test_empty_zero_sized_array_strides_f "
  "test_zeros_strides test_zeros_strides_f", _LAYOUT)
_DEV = _CR + "test_device.py::TestDeviceArgument"
G(_DEV, "test_none_is_current_device test_current_device test_other_device "
  "test_overrides_device_context test_input_on_other_device "
  "test_like_without_device_uses_current_device test_host_input "
  "test_same_device_input_is_not_copied test_other_arguments_are_kept "
  "test_like_keeps_layout_of_non_contiguous_input test_linspace_retstep "
  "test_full_fill_value_on_other_device test_invalid_device_type test_invalid_device_id "
  "test_error_after_switch_restores_device", _GPU)
_MA = _CR + "test_matrix.py::"
G(_MA + "TestMatrix", "test_diag1 test_diag2 test_diag3 test_diag_extraction_from_nested_list "
  "test_diag_extraction_from_nested_tuple test_diag_construction test_diag_construction_from_list "
  "test_diag_construction_from_tuple test_diag_scaler test_diag_0dim test_diag_3dim "
  "test_diagflat1 test_diagflat2 test_diagflat3 test_diagflat_from_scalar "
  "test_diagflat_from_scalar_with_k0 test_diagflat_from_scalar_with_k1", here("diag_forms"))
G(_MA + "TestTri", "test_tri test_tri_nega test_tri_posi", here("tri_table"))
G(_MA + "TestTriLowerAndUpper", "test_tril test_tril_array_like test_tril_nega test_tril_posi "
  "test_triu test_triu_array_like test_triu_nega test_triu_posi", here("tril_triu_table"))
G(_MA + "TestVander", "test_vander test_vander_array_like_list test_vander_array_like_tuple "
  "test_vander_scalar test_vander_0dim test_vander_2dim", here("vander_table"))
_RG = _CR + "test_ranges.py::"
G(_RG + "TestRanges", " ".join(["test_arange"] + [f"test_arange{i}" for i in range(2, 10)])
  + " test_arange_no_dtype_int test_arange_no_dtype_float test_arange_negative_size",
  here("arange_table"))
G(_RG + "TestRanges", "test_linspace test_linspace2 test_linspace3 test_linspace_zero_num "
  "test_linspace_zero_num_no_endopoint_with_retstep "
  "test_linspace_one_num_no_endopoint_with_retstep test_linspace_one_num "
  "test_linspace_no_endpoint test_linspace_with_retstep test_linspace_no_dtype_int "
  "test_linspace_no_dtype_float test_linspace_float_args_with_int_dtype test_linspace_neg_num "
  "test_linspace_float_overflow test_linspace_float_underflow", here("linspace_table"))
G(_RG + "TestRanges", "test_linspace_array_start_stop test_linspace_mixed_start_stop "
  "test_linspace_mixed_start_stop2 test_linspace_array_start_stop_axis1 "
  "test_linspace_complex_start_stop test_linspace_start_stop_list", here("linspace_arrays"))
G(_RG + "TestRanges", "test_logspace test_logspace2 test_logspace_zero_num "
  "test_logspace_one_num test_logspace_no_endpoint test_logspace_no_dtype_int "
  "test_logspace_no_dtype_float test_logspace_float_args_with_int_dtype test_logspace_neg_num "
  "test_logspace_base test_logspace_array_start_stop_axis1", here("logspace_table"))
G(_RG + "TestMeshgrid", "test_meshgrid0 test_meshgrid1 test_meshgrid2 test_meshgrid3",
  here("meshgrid_table"))
G(_RG + "TestMgrid", " ".join(f"test_mgrid{i}" for i in range(6)), here("mgrid_ogrid"))
G(_RG + "TestOgrid", " ".join(f"test_ogrid{i}" for i in range(6)), here("mgrid_ogrid"))
_FD = _CR + "test_from_data.py::"
G(_FD + "TestFromData", "test_array test_array_from_empty_list test_array_from_nested_empty_list "
  "test_array_from_numpy test_array_from_numpy_scalar test_array_from_numpy_c_and_f "
  "test_array_from_numpy_broad_cast test_array_from_list_of_numpy "
  "test_array_from_list_of_numpy_view test_array_from_list_of_numpy_scalar "
  "test_array_from_nested_list_of_numpy test_array_from_list_of_cupy "
  "test_array_from_list_of_cupy_view test_array_from_nested_list_of_cupy "
  "test_array_from_list_of_cupy_scalar test_array_from_nested_list_of_cupy_scalar "
  "test_array_copy test_array_both_c_and_f_contig_copy "
  "test_array_both_c_and_f_contig_f_strides_copy test_array_copy_with_dtype "
  "test_array_copy_with_dtype_char test_array_copy_with_dtype_being_none "
  "test_array_copy_list_of_numpy_with_dtype test_array_copy_list_of_numpy_with_dtype_char "
  "test_array_copy_list_of_cupy_with_dtype test_array_copy_list_of_cupy_with_dtype_char "
  "test_array_no_copy_ndmin", here("array_from_data"))
G(_FD + "TestFromData", "test_array_copy_is_copied test_array_copy_none test_array_copy_false "
  "test_array_f_contiguous_input test_array_f_contiguous_output test_asarray_is_not_copied "
  "test_asarray_with_order_copy_behavior test_copy", here_fn("test_array_copy_semantics"))
G(_FD + "TestFromData", "test_array_multi_device test_array_multi_device_zero_size "
  "test_copy_multigpu", _GPU)
G(_FD + "TestFromData", "test_array_from_big_endian test_array_from_list_of_numpy_big_endian "
  "test_asanyarray_from_big_endian test_asarray_from_big_endian test_fromfile_big_endian",
  here("big_endian"))
G(_FD + "TestFromData", "test_asarray test_asarray_with_order "
  "test_asarray_preserves_numpy_array_order test_asanyarray_with_order test_asarray_from_numpy "
  "test_asarray_cuda_array_zero_dim test_asarray_cuda_array_zero_dim_dtype "
  "test_asfortranarray_cuda_array_zero_dim test_asfortranarray_cuda_array_zero_dim_dtype",
  here("asarray_forms"))
G(_FD + "TestFromData", "test_ascontiguousarray_on_noncontiguous_array "
  "test_ascontiguousarray_on_contiguous_array test_copy_order", _LAYOUT)
G(_FD + "TestFromData", "test_fromfunction test_fromiter test_fromstring test_frombuffer",
  here("from_other"))
G(_FD + "TestFromData", "test_fromfile test_loadtxt test_genfromtxt",
  "n/a: file reading (gpuad.numpy has no fromfile, loadtxt or genfromtxt: read with NumPy and "
  "pass the array)")
G(_FD + "TestCudaArrayInterface", "test_base test_not_copied test_order test_with_strides "
  "test_with_zero_size_array test_asnumpy test_big_endian",
  "n/a: __cuda_array_interface__ objects (CuPy's interchange; gpuad's raw arrays are the "
  "backend's)")
G(_FD + "TestCudaArrayInterfaceMaskedArray", "test_masked_array",
  "n/a: __cuda_array_interface__ masks")
G(_FD + "TestCudaArrayInterfaceBigArray", "test_with_over_size_array", _HUGE)
G(_FD + "TestArrayPreservationOfShape", "test_cupy_array", here_fn("test_array_copy_semantics"))
G(_FD + "TestArrayCopy", "test_cupy_array", here_fn("test_array_copy_semantics"))
G(_FD + "TestArrayInvalidObject", "test_invalid_type",
  "differs: CuPy refuses object arrays; gpuad.numpy.array gives NumPy's object array as NumPy "
  "does; here: test_gap_row[object_array]")


# ---- padding_tests, lib_tests --------------------------------------------------------------

_PD = "padding_tests/test_pad.py::"
G(_PD + "TestPadDefault", "test_pad_default", here("pad_table"))
G(_PD + "TestPad", "test_pad", here("pad_table"))
G(_PD + "TestPadSpecial", "test_pad_special", here("pad_special"))
G(_PD + "TestPadFailure", "test_pad_failure", here("pad_special"))
_LB = "lib_tests/"
G(_LB + "test_function_base.py::TestInsert", "test_insert_1D_array test_insert_1D_array_multiple "
  "test_insert_1D_array_multiple_values test_insert_1D_array_multiple_indexes "
  "test_insert_1D_array_slice test_insert_1D_array_multiple_with_neg_index "
  "test_insert_1D_array_empty test_insert_1D_array_empty_array test_insert_1D_array_boolean "
  "test_insert_multi_dim_axis_none test_insert_multi_dim_with_axis", here("insert_table"))
_SB = _LB + "test_shape_base.py::"
G(_SB + "TestApplyAlongAxis", "test_simple test_3d test_0d_array test_axis_insertion_2d "
  "test_axis_insertion_3d test_empty1 test_empty2 test_tuple_outs", here("apply_along_axis_table"))
G(_SB + "<module>", "test_apply_along_axis_invalid_axis", here("apply_along_axis_table"))
G(_LB + "test_strided_tricks.py::TestAsStrided", "test_as_strided test_rolling_window",
  here("as_strided_table"))
_PO = _LB + "test_polynomial.py::"
G(_PO + "TestPoly1dInit", "test_poly1d_numpy_array test_poly1d_cupy_array test_poly1d_list "
  "test_poly1d_numpy_poly1d test_poly1d_numpy_poly1d_variable test_poly1d_cupy_poly1d "
  "test_poly1d_cupy_poly1d_variable test_poly1d_zero_dim test_poly1d_zero_size",
  here_fn("test_poly1d_as_numpy"))
G(_PO + "TestPoly1d", "test_poly1d_leading_zeros test_poly1d_neg test_poly1d_order "
  "test_poly1d_order_leading_zeros test_poly1d_getitem1 test_poly1d_getitem2 "
  "test_poly1d_getitem3 test_poly1d_getitem4 test_poly1d_setitem test_poly1d_setitem_leading_zeros "
  "test_poly1d_setitem_neg test_poly1d_repr test_poly1d_str", here_fn("test_poly1d_as_numpy"))
G(_PO + "TestPoly1d", "test_poly1d_get1 test_poly1d_get2 test_poly1d_set",
  "n/a: CuPy's poly1d.get()/set() (host transfer of its own class)")
G(_PO + "TestPoly1dArithmetic", " ".join(
    "test_poly1d_" + n for n in (
        "mul_scalar", "div_scalar", "add_numpy_scalar_numpy_scalar",
        "add_numpy_scalar_python_scalar", "add_numpy_scalar_array",
        "add_python_scalar_numpy_scalar", "add_python_scalar_python_scalar",
        "add_python_scalar_array", "add_python_scalar_poly1d", "add_array_numpy_scalar",
        "add_array_python_scalar", "add_array_array", "add_poly1d_numpy_scalar",
        "add_poly1d_python_scalar", "add_poly1d_array", "add_poly1d_poly1d")),
  here_fn("test_poly1d_as_numpy"))
G(_PO + "TestPoly1dEquality", "test_poly1d_eq1 test_poly1d_eq2 test_poly1d_ne1 test_poly1d_ne2",
  here_fn("test_poly1d_as_numpy"))
G(_PO + "TestPolyaddShapeCombination", "test_polyadd", here("polyadd_shapes"))
G(_PO + "TestPolyadd", "test_polyadd_diff_types_array", _MIX + "[polyadd]")
G(_PO + "TestPolyadd", "test_polyadd_diff_types_poly1d", here_fn("test_poly1d_as_numpy"))


# ---- linalg_tests ---------------------------------------------------------------------------

_LA = "linalg_tests/"
_DE = _LA + "test_decomposition.py::"
G(_DE + "TestCholeskyDecomposition", "test_decomposition", here("cholesky_table"))
G(_DE + "TestQRDecomposition", "test_mode",
  "here: test_gap_row[qr_modes]; here: test_gap_row[qr_raw]")
G(_DE + "TestSVD", "test_svd", here("svd_abs"))
G(_DE + "TestSVD", "test_svd_no_uv", f"{_NUM}[svd_s]")
_EV = _LA + "test_eigenvalue.py::TestEigenvalue"
G(_EV, "test_eigh test_eigh_complex test_eigvalsh", here("eigh_table"))
G(_EV, "test_eigh_float16", here("eigh_float16"))
_ES = _LA + "test_einsum.py::"
G(_ES + "TestEinSumError", " ".join(
    ["test_irregular_ellipsis1", "test_irregular_ellipsis2", "test_irregular_ellipsis3",
     "test_no_arguments", "test_one_argument",
     "test_not_string_subject", "test_bad_argument", "test_too_many_operands1",
     "test_too_many_operands2", "test_too_few_operands1", "test_many_dimension1",
     "test_many_dimension2", "test_too_many_dimension3", "test_too_few_dimension",
     "test_invalid_char1", "test_invalid_char2", "test_invalid_char3",
     "test_invalid_output_subscripts1", "test_invalid_output_subscripts2",
     "test_invalid_output_subscripts3", "test_invalid_diagonal1", "test_invalid_diagonal2",
     "test_invalid_arrow1", "test_invalid_arrow2", "test_invalid_arrow3", "test_invalid_arrow4"]),
  here("einsum_errors"))
G(_ES + "TestEinSumError", "test_irregular_ellipsis4",
  "differs: einsum('...->', x) sums the axes under an ellipsis the output leaves out, as "
  "jax.numpy and torch do, where NumPy raises (the EXTENDED row of "
  "test_numpy_core_suite.py); here: test_einsum_sums_unnamed_ellipsis")
G(_ES + "TestEinSumUnaryOperation", "test_einsum_unary", here("einsum_unary"))
G(_ES + "TestEinSumBinaryOperation", "test_einsum_binary", here("einsum_binary"))
G(_ES + "TestEinSumBinaryOperationWithScalar", "test_scalar_1 test_scalar_2",
  here("einsum_scalar_operands"))
G(_ES + "TestEinSumTernaryOperation", "test_einsum_ternary", here("einsum_ternary"))
_N2 = _LA + "test_linalg_numpy_2_0.py::"
G(_N2 + "TestSvdvals", "test_svdvals", here("svdvals_table"))
G(_N2 + "TestMatrixNorm", "test_matrix_norm", here("matrix_norm_table"))
G(_N2 + "TestVectorNorm", "test_vector_norm", here("vector_norm_table"))
G(_N2 + "TestLinalgTrace", "test_trace", here("linalg_trace_diagonal"))
G(_N2 + "TestLinalgDiagonal", "test_diagonal", here("linalg_trace_diagonal"))
G(_N2 + "TestMultiDot", "test_multi_dot_2 test_multi_dot_3 test_multi_dot_4 "
  "test_multi_dot_vectors", here("multi_dot_table"))
G(_N2 + "TestMultiDot", "test_multi_dot_out", here("products_out"))
G(_N2 + "TestLinalgExports", "test_exports test_matmul test_outer test_tensordot",
  here("linalg_exports"))
G(_LA + "test_matrix_transpose.py::TestMatrixTranspose", "test_matrix_transpose "
  "test_matrix_transpose_error", here("matrix_transpose_forms"))
G(_LA + "test_norm.py::TestNrom", "test_trace test_external_trace", here("trace_axes"))
_NO = _LA + "test_norms.py::"
G(_NO + "TestTrace", "test_trace test_external_trace", here("trace_axes"))
G(_NO + "TestNorm", "test_norm", here("norm_table"))
G(_NO + "TestMatrixRank", "test_matrix_rank", here("matrix_rank_table"))
G(_NO + "TestDet", "test_det test_det_3 test_det_4 test_det_empty_batch test_det_empty_matrix "
  "test_det_empty_matrices test_det_different_last_two_dims "
  "test_det_different_last_two_dims_empty_batch test_det_one_dim test_det_zero_dim "
  "test_det_singular", here("det_table"))
G(_NO + "TestSlogdet", "test_slogdet test_slogdet_3 test_slogdet_4 test_slogdet_singular "
  "test_slogdet_singular_errstate test_slogdet_one_dim", here("slogdet_table"))
_PR = _LA + "test_product.py::"
G(_PR + "TestDot", "test_dot", here("dot_table"))
G(_PR + "TestDot", "test_dot_with_out", here("products_out"))
G(_PR + "TestCrossProduct", "test_cross", here("cross_table"))
G(_PR + "TestCrossProductDeprecated", "test_cross", here("cross_table"))
G(_PR + "TestLinalgCrossProduct", "test_cross", here("cross_table"))
G(_PR + "TestDotFor0Dim", "test_dot", here("dot_table"))
G(_PR + "TestProduct", "test_dot_vec1 test_dot_vec2 test_dot_vec3 test_transposed_dot "
  "test_dot_with_single_elem_array1 test_dot_with_single_elem_array2 test_vdot "
  "test_reversed_vdot test_multidim_vdot test_transposed_multidim_vdot test_inner "
  "test_reversed_inner test_multidim_inner test_transposed_higher_order_inner test_outer "
  "test_reversed_outer test_multidim_outer test_tensordot test_transposed_tensordot "
  "test_tensordot_with_int_axes test_transposed_tensordot_with_int_axes "
  "test_tensordot_with_list_axes test_transposed_tensordot_with_list_axes "
  "test_tensordot_zero_dim", here("product_table"))
G(_PR + "TestProduct", "test_transposed_dot_with_out", here("products_out"))
G(_PR + "TestProduct", "test_transposed_dot_with_out_f_contiguous",
  "n/a: out= of a Fortran-ordered array (memory layout of the storage written into)")
G(_PR + "TestProduct", "test_kron test_reversed_kron test_multidim_kron test_zerodim_kron "
  "test_kron_accepts_numbers_as_arguments test_kron_empty test_kron_zerodim_with_empty "
  "test_kron_empty_fortran_order test_kron_empty_via_slice", here("kron_table"))
G(_PR + "TestInt8Tensordot", "test_int8_tensordot_aligned test_int8_tensordot_unaligned "
  "test_int8_inner_multidim test_int8_tensordot_multidim", here("int8_products"))
G(_PR + "TestProductZeroLength", "test_tensordot_zero_length", here("tensordot_zero_length"))
G(_PR + "TestMatrixPower", "test_matrix_power_0 test_matrix_power_1 test_matrix_power_2 "
  "test_matrix_power_3 test_matrix_power_inv1 test_matrix_power_inv2 test_matrix_power_inv3 "
  "test_matrix_power_of_two test_matrix_power_large test_matrix_power_invlarge",
  here("matrix_power_table"))
G(_PR + "TestMatrixPowerBatched", "test_matrix_power_batched", here("matrix_power_batched"))
G(_PR + "TestLinalgMatmul2D", "test_matmul_2d", here("linalg_exports"))
G(_PR + "TestLinalgTensordot", "test_default_axes test_axes", here("linalg_exports"))
G(_PR + "TestLinalgTensordot", "test_is_cupy_tensordot", here_fn("test_linalg_namespace"))
G(_PR + "TestLinalgMatrixTranspose", "test_matrix_transpose test_matrix_transpose_error",
  here("matrix_transpose_forms"))
G(_PR + "TestVecdotShapes", "test_vecdot", here("vecdot_table"))
G(_PR + "TestVecdot", "test_vecdot_dtype_combination test_vecdot_axis test_vecdot_keepdims "
  "test_vecdot_strided test_vecdot_core_dim_mismatch test_vecdot_zero_dim", here("vecdot_table"))
G(_PR + "TestVecdot", "test_vecdot_out test_vecdot_out_complex_to_real", here("products_out"))
G(_PR + "TestLinalgVecdot", "test_vecdot test_vecdot_axis", here("vecdot_table"))
_SO_ = _LA + "test_solve.py::"
G(_SO_ + "TestSolve", "test_solve test_invalid_shape", here("solve_table"))
G(_SO_ + "TestTensorSolve", "test_tensorsolve", here("tensorsolve_inv_table"))
G(_SO_ + "TestInv", "test_inv test_invalid_shape", here("inv_table"))
G(_SO_ + "TestInvInvalid", "test_inv test_batched_inv", here("inv_table"))
G(_SO_ + "TestPinv", "test_pinv test_pinv_batched", here("pinv_table"))
G(_SO_ + "TestLstsq", "test_lstsq_solutions test_invalid_shapes test_warn_rcond",
  here("lstsq_table"))
G(_SO_ + "TestTensorInv", "test_tensorinv test_invalid_shape test_invalid_index",
  here("tensorsolve_inv_table"))
G(_LA + "test_vecdot.py::TestVecdot", "test_vecdot", here("vecdot_table"))
G(_LA + "test_vecdot.py::TestVecdot", "test_vecdot_out", here("products_out"))
G(_LA + "test_vecdot.py::TestVecdotSimple", "test_vecdot_simple test_vecdot_complex",
  here("vecdot_table"))

# ---- fft_tests -----------------------------------------------------------------------------

_FT = "fft_tests/test_fft.py::"
_PLAN = "n/a: cuFFT plans (nd planning, plan contexts, plan caches, callbacks, plan threads)"
for _c in ("TestFft", "TestFftOrder", "TestRfft", "TestHfft"):
    _m = {"TestFft": "test_fft test_ifft", "TestFftOrder": "test_fft test_ifft",
          "TestRfft": "test_rfft test_irfft", "TestHfft": "test_hfft test_ihfft"}[_c]
    G(_FT + _c, _m, _FFT)
for _c, _m in (("TestFft2", "test_fft2 test_ifft2"), ("TestFftn", "test_fftn test_ifftn"),
               ("TestRfft2", "test_rfft2 test_irfft2"), ("TestRfftn", "test_rfftn test_irfftn"),
               ("TestFftfreq", "test_fftfreq test_rfftfreq"),
               ("TestFftshift", "test_fftshift test_ifftshift")):
    G(_FT + _c, _m, _FFT)
G(_FT + "TestPlanCtxManagerFftn", "test_fftn test_ifftn", here("fftn_plan_table"))
G(_FT + "TestPlanCtxManagerFft", "test_fft test_ifft", here("fftn_plan_table"))
G(_FT + "TestPlanCtxManagerFftn", "test_fftn_error_on_wrong_plan", _PLAN)
G(_FT + "TestPlanCtxManagerFft", "test_fft_error_on_wrong_plan", _PLAN)
G(_FT + "TestDefaultPlanType", "test_default_fft_func", _PLAN)
G(_FT + "TestFftAllocate", "test_fft_allocate", _HUGE)
G(_FT + "TestFftnContiguity", "test_fftn_orders test_ifftn_orders", _LAYOUT)
G(_FT + "TestThreading", "test_threading1", _PLAN)
G(_FT + "TestThreading", "test_threading2", here_fn("test_fft_in_thread"))
G("fft_tests/test_cache.py::TestPlanCache", " ".join(f"test_LRU_cache{i}" for i in range(1, 13)),
  _PLAN)
_CB_ = "fft_tests/test_callback.py::"
G(_CB_ + "TestInputValidationWith1dCallbacks", "test_fft_load_legacy test_fft_load_jit_no_name "
  "test_fft_store_legacy test_fft_store_jit_no_name test_fft_load_store_legacy_aux", _PLAN)
G(_CB_ + "Test1dCallbacks", " ".join(
    f"test_{f}_{k}" for k in ("load", "store", "load_store") for f in ("fft", "ifft", "rfft",
                                                                       "irfft"))
  + " test_fft_load_aux " + " ".join(f"test_{f}_load_store_aux"
                                     for f in ("fft", "ifft", "rfft", "irfft")), _PLAN)
G(_CB_ + "TestNdCallbacks", " ".join(
    f"test_{f}_{k}" for k in ("load", "store", "load_store", "load_store_aux")
    for f in ("fftn", "ifftn", "rfftn", "irfftn")), _PLAN)


# ---- the rows -------------------------------------------------------------------------------

_FAMILIES = (NotImplementedError, OverflowError, IndexError, KeyError, TypeError, ValueError)


def _err(f, *args, **kw):
    """The builtin family of the exception ``f`` raises (NumPy's AxisError counts as
    ValueError, as gpuad's may be either), or its result."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args, **kw)
    except Exception as e:  # noqa: BLE001
        for fam in _FAMILIES:
            if isinstance(e, fam):
                if fam is IndexError and isinstance(e, ValueError):
                    return "ValueError"
                return fam.__name__
        return type(e).__name__


def _written(write):
    """A row for a function that writes into its first argument (a copy)."""
    def row(xp, a, *rest):
        c = xp.array(a, copy=True)
        write(xp, c, *rest)
        return c
    return row


_MOVE = [([0, 1], [1, 2]), (1, -1), ([0, 2], [1, 0]), ([2, 0], [1, 0]), ([2, 0], [0, 1])]
_MOVE_BAD = [([0, 1], [1, 3]), (0, 3), ([0, -4], [1, 2]), (-4, 0), ([0, 1, 2], [1, 2]),
             (0, [1, 2]), ([0, 1], [1, 2, 0]), ([0, 1], 1), ([1, -1], [1, 3]), ([0, 1], [-1, 2]),
             ([0, 1], [1, 1])]
_BCAST_SHAPES = [[(), ()], [(0,), (0,)], [(1,), (1,)], [(2,), (2,)], [(0,), (1,)],
                 [(2, 3), (1, 3)], [(2, 1, 3, 4), (3, 1, 4)], [(4, 3, 2, 3), (2, 3)],
                 [(2, 0, 1, 1, 3), (2, 1, 0, 0, 3)], [(0, 1, 1, 3), (2, 1, 0, 0, 3)],
                 [(0, 1, 1, 0, 3), (5, 2, 0, 1, 0, 0, 3), (2, 1, 0, 0, 0, 3)]]
_BCAST_BAD = [[(3,), (2,)], [(3, 2), (2, 3)], [(3, 2), (3, 4)], [(0,), (2,)]]
_SORTED_BINS = [[], [0, 1, 2, 4, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0.0, 1.0, 2.5, 4.0, 10.0],
                [-1.0, 1.0, 2.5, 4.0, 20.0], [1.5, 2.5, 4.0, 6.0], [-np.inf, 1.5, 2.5, 4.0, 6.0],
                [1.5, 2.5, 4.0, 6.0, np.inf], [-np.inf, 1.5, 2.5, 4.0, 6.0, np.inf],
                [0.0, 1.0, 1.0, 4.0, 4.0, 10.0], [0.0, 1.0, 1.0, 4.0, 4.0, 4.0, 4.0, 10.0]]
_NAN_BINS = [[0, 1, 2, 4, 10, np.nan], [0, 1, 2, 4, 10], [0, 1, 2, 4, np.nan],
             [0, 1, 2, np.nan, np.nan], [np.nan] * 5]
_NONZERO_IN = [np.random.RandomState(1).randint(0, 2, (20,)),
               np.random.RandomState(2).randn(3, 2, 4), np.empty((0,)), np.empty((0, 2)),
               np.empty((0, 2, 0))]
_REPEATS = [(0, None), (2, None), (2, 1), (2, -1), ([0, 0, 0], 1), ([1, 2, 3], 1),
            ([1, 2, 3], -2)]
_ORDERS = ("C", "F", "A")
SOME = ALL  # CuPy's for_all_dtypes: bool, int8..uint64, float16/32/64, complex64/128
SOME_REAL = [d for d in SOME if d not in COMPLEX]
SOME_NUM = [d for d in SOME_REAL if d is not np.bool_]

_T_, _F_ = True, False
_WHERE = np.array([[[_T_, _F_, _T_, _T_], [_F_, _T_, _T_, _F_], [_T_, _T_, _F_, _T_]],
                   [[_T_, _T_, _T_, _T_], [_F_, _F_, _F_, _F_], [_T_, _F_, _T_, _F_]]])
_RS = np.random.RandomState(7)
_NANCUBE = _RS.rand(3, 4, 5)
_NANCUBE[_NANCUBE < 0.25] = np.nan
_NANROWS = _RS.rand(3, 4) * 10
_NANROWS[1, :] = np.nan
_NANROWS[:, 3] = np.nan
_NANBLOCK = _RS.rand(10, 4, 5)
_NANBLOCK[1, :] = np.nan
_NANBLOCK[:, 3] = np.nan
_NANBIG = _RS.rand(256, 64)
_NANBIG[:128, :32] = np.nan
_NANF16 = np.arange(1.0, 21.0).reshape(4, 5)
_NANF16[0, 0] = np.nan


_SPD5 = (lambda m: m @ m.T + 5 * np.eye(5))(np.random.RandomState(3).rand(5, 5) * 10).round()
_R24, _R33, _R54 = (np.random.RandomState(i).randn(*s) for i, s in
                    ((0, (2, 4)), (1, (3, 3)), (2, (5, 4))))
_EINSUM_BINARY = [
    ((2,), (3,), "i,j"), ((2, 3), (3,), "ij,j"), ((2, 3), (2,), "ij,i"),
    ((2, 3), (3, 4), "ij,jk"), ((3, 4, 2), (4, 3, 2), "ijk, jil -> kl"),
    ((3, 4, 2), (4, 2, 3), "i...,...k->ki..."), ((3, 4, 2), (4, 3, 2), "ij...,ji...->i..."),
    ((2, 3, 2, 4), (3, 2, 2), "ijil,jkk->kj"), ((2, 4, 2, 3), (3, 2, 4), "i...ij,ji...->...j"),
    ((2, 3, 4), (3,), "ij...,j...->ij..."), ((2, 3, 4), (3,), "ij...,...j->ij..."),
    ((2, 3, 4), (3,), "ij...,j->ij..."), ((4, 3), (3, 2), "ik...,k...->i..."),
    ((4, 3), (3, 2), "ik...,...kj->i...j"), ((4, 3), (3, 2), "...k,kj"),
    ((4, 3), (3, 2), "ik,k...->i..."), ((2, 3, 4, 5), (4,), "ijkl,k"),
    ((2, 3, 4, 5), (4,), "...kl,k"), ((2, 3, 4, 5), (4,), "...kl,k..."),
    ((1, 1, 1, 2, 3, 4), (2, 3, 4, 2), "...lmn,lmno->...o")]
_VORDS = (-np.inf, -2, -1, 0, 1, 2, 3, np.inf)
_MORDS = (-np.inf, -2, -1, 1, 2, np.inf, "fro", "nuc")
_DOT_SHAPES = [
    ((2, 3, 4), (3, 4, 2)), ((1, 1), (1, 1)), ((1, 1), (1, 2)), ((1, 2), (2, 1)), ((2, 1), (1, 1)),
    ((1, 2), (2, 3)), ((2, 1), (1, 3)), ((2, 3), (3, 1)), ((2, 3), (3, 4)), ((0, 3), (3, 4)),
    ((2, 3), (3, 0)), ((0, 3), (3, 0)), ((3, 0), (0, 4)), ((2, 3, 0), (3, 0, 2)), ((0, 0), (0, 0)),
    ((3,), (3,)), ((2,), (2, 4)), ((4, 2), (2,)), ((), ()), ((), (2, 4)), ((4, 2), ())]
_KRON_EMPTY = [((1, 0), (2, 2)), ((3, 0), (2, 4)), ((0, 3), (2, 4)), ((0, 0), (2, 4)),
               ((2, 4), (3, 0)), ((2, 4), (0, 0)), ((0,), (4,)), ((4,), (0,)), ((0,), (0,)),
               ((2, 0, 3), (1, 4, 2)), ((1, 2, 0), (3, 4, 5)), ((0,), (3, 4)), ((4,), (3, 0)),
               ((3, 0), (2,))]
_I8 = np.random.default_rng(7)
_I8A, _I8B = _I8.integers(-5, 5, (8, 16), dtype=np.int8), _I8.integers(-5, 5, (16, 8),
                                                                         dtype=np.int8)
_I8C, _I8D = _I8.integers(-5, 5, (2, 3, 8), dtype=np.int8), _I8.integers(-5, 5, (8, 4, 5),
                                                                           dtype=np.int8)
_FFTN_PLAN = [((3, 4), None, None, None), ((3, 4), (1, 5), None, None),
              ((3, 4), None, (-2, -1), None), ((3, 4), None, (-1, -2), None),
              ((3, 4), None, (0,), None), ((3, 4), None, None, "ortho"),
              ((2, 3, 4), None, None, None), ((2, 3, 4), (1, 4, 10), None, None),
              ((2, 3, 4), None, (-3, -2, -1), None), ((2, 3, 4), None, (-1, -2, -3), None),
              ((2, 3, 4), None, (0, 1), None), ((2, 3, 4), None, None, "ortho"),
              ((2, 3, 4), (2, 3), (0, 1, 2), "ortho")]


def _shaped(xp, a, shape, trans):
    """The first elements of ``a`` in ``shape`` (built transposed and transposed back)."""
    x = xp.reshape(a[:int(np.prod(shape))], shape[::-1] if trans else shape)
    return xp.transpose(x) if trans else x


def _rnd(xp, a, shape, seed):
    """Fixed random values of ``a``'s dtype and kind, joined to ``a`` (a 0-d row argument: a
    recorded Tensor in the Tensor runs)."""
    rs = np.random.RandomState(seed)
    v = rs.rand(*shape) + (1j * rs.rand(*shape) if np.dtype(a.dtype).kind == "c" else 0)
    return xp.asarray(v.astype(a.dtype)) + a


def _eyeish(xp, s, i, dt):
    n = int(np.prod(s[:i]))
    return 3 * xp.reshape(xp.eye(n, dtype=dt), s)

_LO, _HI_ = np.zeros(10)[:, None], np.ones(10)[:, None]

CASES = [
    # test_add_remove.py
    case("append_dtypes", lambda xp, a, b: [xp.append(a, b), xp.append(b, a)],
         R((3, 4, 5)), F(np.arange(42, dtype=np.int16).reshape(6, 7)), dtypes=SOME),
    case("append_scalar_lhs", lambda xp, a: [xp.append(10, a), xp.append(np.int8(10), a),
                                             xp.append(np.float32(10), a),
                                             xp.append(10.0, a)], A((20,)), dtypes=SOME),
    case("append_scalar_rhs", lambda xp, a: [xp.append(a, 10), xp.append(a, np.int8(10)),
                                             xp.append(a, np.float32(10)),
                                             xp.append(a, 10.0)], A((20,)), dtypes=SOME),
    case("append_scalar_both", lambda xp, a: [xp.append(10, 10), xp.append(1.5, True)], V(0),
         dtypes=[np.float64], tensor=False),
    case("append_zerodim", lambda xp, a: xp.append(a, xp.arange(10)), V(0), dtypes=SOME),
    case("append_empty", lambda xp, a: [xp.append(a, xp.arange(10)), xp.append(xp.arange(3), a)],
         A((0,)), dtypes=SOME),
    case("resize_remainder", lambda xp, a: [xp.resize(a, (10, 10)), xp.resize(a[:8], (10, 10)),
                                            xp.resize(a, 15)], A((10,)), dtypes=SOME),
    case("resize_scalar", lambda xp, a: [xp.resize(2, (10, 10)), xp.resize(2, 10),
                                         xp.resize(np.float32(10.0), (3, 3)),
                                         xp.resize(a, (2, 2))], V(3), dtypes=SOME),
    case("resize_zerodim", "resize", V(0), (10, 10), dtypes=SOME),
    case("resize_empty", "resize", A((0,)), (10, 10), dtypes=SOME),
    case("unique_random_all", lambda xp, a: xp.unique(a, return_index=True, return_inverse=True,
                                                      return_counts=True),
         R((30, 30), scale=10), dtypes=[np.int8, np.uint32, np.int64, np.float32, np.float64]),
    case("unique_empty_return_all", lambda xp, a: xp.unique(
        a, return_index=True, return_inverse=True, return_counts=True), A((3, 0, 2)),
        dtypes=SOME_NUM),
    case("unique_equal_nan", lambda xp, a: [xp.unique(a, equal_nan=True),
                                            xp.unique(a, equal_nan=False)],
         V([np.nan + 1j, 2, np.nan, 2, np.nan, 1]), dtypes=COMPLEX),
    case("unique_equal_nan_real", lambda xp, a: [xp.unique(a, equal_nan=True),
                                                 xp.unique(a, equal_nan=False)],
         V([2, np.nan, 2, np.nan, 1]), dtypes=[np.float32, np.float64]),
    case("trim_zeros_modes", lambda xp, a, b, c, d, e: [
        xp.trim_zeros(x, trim=t) for t in ("fb", "f", "b") for x in (a, b, c, d, e)],
        V([-1, 2, -3, 7]), V([1, 0, 2, 3, 0, 5]), A((0,)), V([0, 0, 4, 1, 0, 2, 3, 0, 5]),
        V([1, 0, 2, 3, 0, 5, 0, 0, 0]), dtypes=ALL),
    case("trim_zeros_nd", lambda xp, a, b: [xp.trim_zeros(a, trim=t) for t in ("fb", "f", "b")]
         + [xp.trim_zeros(b, trim=t) for t in ("fb", "f", "b")],
         V(3), V([[0, 0, 0], [0, 1, 2], [0, 0, 0]]), dtypes=SOME),
    # test_basic.py (copyto)
    case("copyto_from_bool", _written(lambda xp, d, s: xp.copyto(d, s)), A((2, 3, 4)),
         F(np.arange(24).reshape(2, 3, 4) % 2 == 0), dtypes=SOME),
    case("copyto_squeeze", _written(lambda xp, d, s: xp.copyto(d, s)), A((3, 4)),
         F(np.arange(12).reshape(1, 1, 3, 4)), dtypes=SOME_NUM),
    case("copyto_where_squeeze", _written(lambda xp, d, s, m: xp.copyto(d, s, where=m)),
         A((2, 3, 4)), RA((1, 2, 1, 4)), F(np.arange(12).reshape(3, 4) % 2 == 0), dtypes=SOME),
    case("copyto_where_not_bool", _written(lambda xp, d, s, m: xp.copyto(d, s, where=m)),
         F(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
         F(np.arange(24, dtype=np.int32).reshape(2, 3, 4)[::-1]), A((2, 3, 4)),
         dtypes=[np.int8, np.float32, np.complex64]),
    case("copyto_py_scalar", lambda xp, a: [
        _err(_written(lambda xp_, d, s: xp_.copyto(d, s)), xp, a, s)
        for s in (3.2, 0, 4, -4, True, False, 1 + 1j)], A((2, 2)), dtypes=SOME),
    case("copyto_casting", lambda xp, a: [
        _err(_written(lambda xp_, d, s, c: xp_.copyto(d, s, casting=c)), xp, a, s, c)
        for c in ("no", "equiv", "safe", "same_kind", "unsafe")
        for s in (np.array(1, np.int8), np.array(1.0, np.float32), np.array(1 + 0j),
                  np.array([1], np.uint16), np.float64(1))], A((2, 3)), dtypes=SOME),
    case("copyto_scalar_where", lambda xp, a: [
        _err(_written(lambda xp_, d, w: xp_.copyto(d, xp_.ones_like(d), where=w)), xp, a, w)
        for w in (3.2, 0, 4, -4, True, False, 1 + 1j)], A((3, 2)), dtypes=SOME),
    # test_block.py
    case("block_2d_3d", lambda xp, a, b, c, d: [xp.block([[a, b], [c, d]]),
                                                xp.block([[[a]], [[a]]])],
         R((2, 2)), R((2, 3), 1), R((3, 2), 2), R((3, 3), 3), dtypes=SOME),
    case("block_bad", lambda xp, a: [_err(xp.block, []), _err(xp.block, [[a, a], a])],
         A((2, 2)), dtypes=[np.float64]),
    # test_dims.py
    case("atleast_all", lambda xp, a, b, c, d: [
        f(a, b, c, d, 1, np.float32(1)) for f in (xp.atleast_1d, xp.atleast_2d, xp.atleast_3d)],
        A(()), A((2,)), A((2, 2)), A((4, 3, 2)), dtypes=SOME),
    case("atleast_3d_in", lambda xp, a: [xp.atleast_1d(a), xp.atleast_2d(a), xp.atleast_3d(a)],
         A((1, 3, 2)), dtypes=SOME),
    case("expand_dims_oob", lambda xp, a: [_err(xp.expand_dims, a, ax)
                                           for ax in (-4, 3, (1, -6), (1, 5))], A((2, 3)),
         dtypes=[np.float64]),
    case("expand_dims_tuples", lambda xp, a: [
        xp.expand_dims(a, ax) for ax in [(0, 1, 2), (0, -1, -2), (0, 3, 5), (0, -3, -5), (), (1,)]],
        A((2, 2, 2)), dtypes=SOME),
    case("squeeze_many", lambda xp, a, b: [xp.squeeze(a), a.squeeze(), b.squeeze()],
         A((1, 2, 1, 3, 1, 1, 4, 1)), A((2, 3, 4)), dtypes=SOME),
    case("squeeze_axes", lambda xp, a: [a.squeeze(axis=ax) for ax in
                                        (2, -3, (2, 4), (-4, -3), (4, 2), ())]
         + [xp.squeeze(a, axis=(0, 2))], A((1, 2, 1, 3, 1, 1, 4, 1)), dtypes=SOME),
    case("squeeze_axes_bad", lambda xp, a: [_err(xp.squeeze, a, axis=ax) for ax in
                                            (-9, (-9,), (2, 2), 1, (0, 1))],
         A((1, 2, 1, 3, 1, 1, 4, 1)), dtypes=[np.float64, np.int32]),
    case("squeeze_0d_axes", lambda xp, a: [a.squeeze(axis=0), a.squeeze(axis=-1),
                                           xp.squeeze(a, axis=(0,))], V(3), dtypes=SOME),
    case("squeeze_0d_bad", lambda xp, a: [_err(xp.squeeze, a, axis=-2), _err(xp.squeeze, a, axis=1),
                                          _err(xp.squeeze, a, axis=(0, 0))], V(3),
         dtypes=[np.float64, np.int32]),
    case("broadcast_arrays_shapes", lambda xp, a: [
        xp.broadcast_arrays(*[xp.asarray(np.arange(int(np.prod(s))).reshape(s)).astype(a.dtype)
                              + a for s in shapes]) for shapes in _BCAST_SHAPES], V(1),
        dtypes=SOME),
    case("broadcast_arrays_bad", lambda xp, a: [
        _err(xp.broadcast_arrays, *[xp.zeros(s, a.dtype) + a for s in shapes])
        for shapes in _BCAST_BAD], V(1), dtypes=[np.float64, np.int8]),
    # test_join.py
    case("column_stack_dtypes", lambda xp, a, b, c: xp.column_stack((a, b, c)), A((4, 3)),
         F(np.arange(4, dtype=np.uint8)), A((4, 2)), dtypes=SOME),
    case("column_stack_bad", lambda xp, a: [
        _err(xp.column_stack, (xp.zeros(()) + a[0, 0], xp.zeros((3,)))),
        _err(xp.column_stack, (xp.zeros((3, 2, 3)) + a[0, 0], xp.zeros((3, 2)))),
        _err(xp.column_stack, (xp.zeros((3, 2)) + a[0, 0], xp.zeros((4, 3))))], A((2, 2)),
        dtypes=[np.float64]),
    case("concatenate_many", lambda xp, a, b, c, d, e: [
        xp.concatenate((a, b, c, d, e) * 2, axis=-1), xp.concatenate((a[..., :1], b[..., :1]) * 10,
                                                                     axis=-1),
        xp.concatenate((a, xp.swapaxes(xp.swapaxes(b, 0, 2), 0, 2), c), axis=-1)],
        A((2, 3, 4)), RA((2, 3, 2)), A((2, 3, 3)), A((2, 3, 5)), A((2, 3, 2)), dtypes=SOME),
    case("concatenate_many_mixed", lambda xp, a, b: [xp.concatenate((a, b) * 10, axis=-1),
                                                     xp.concatenate((a[..., :1], b[..., :1])
                                                                    * 300, axis=1)],
         A((2, 3, 4)), F(np.arange(24, dtype=np.int32).reshape(2, 3, 4)[::-1]), dtypes=SOME),
    case("concatenate_bad", lambda xp, a: [
        _err(xp.concatenate, (a, a[0])),
        _err(xp.concatenate, (xp.zeros((2, 3, 4)), xp.zeros((3, 3, 4)), xp.zeros((4, 4, 4))))],
        A((2, 3)), dtypes=[np.float64]),
    case("concatenate_out", lambda xp, a, b: [
        _err(lambda: (xp.concatenate((a, b, a), axis=1, out=o), o)[1]) for o in (
            xp.zeros((3, 12), a.dtype), xp.zeros((3, 12), np.float32), xp.zeros((4, 10), a.dtype),
            xp.zeros((2, 2, 10), a.dtype), xp.zeros((3, 12), np.int64),
            xp.zeros((3, 12), np.complex64), xp.zeros((3, 12), np.int8))],
        A((3, 4)), RA((3, 4)), dtypes=SOME, tensor=False),
    case("join_dtype_casting", lambda xp, a: [
        _err(f, (a, a), dtype=dt, casting=c) for f in (xp.concatenate, xp.hstack, xp.vstack,
                                                       xp.stack)
        for dt in (np.int8, np.uint16, np.float32, np.complex64, np.bool_)
        for c in ("no", "equiv", "safe", "same_kind", "unsafe")], A((3, 4)), dtypes=SOME),
    case("dstack_shapes", lambda xp, a, b, c: [xp.dstack((a, b, c)), xp.dstack((a[0:1, :2],)),
                                               xp.dstack((a[0, 0, :1],)), xp.dstack((a,))],
         A((1, 3, 2)), A((3,)), A((1, 3)), dtypes=SOME),
    case("vstack_shapes", lambda xp, a: [xp.vstack((a, a[::-1])), xp.vstack((a,)),
                                         _err(xp.vstack, (a, a[:, None]))], A((3,)),
         dtypes=SOME),
    case("stack_axis1", lambda xp, a: [xp.stack((a, a), axis=1), xp.stack((a, a), axis=-1)],
         A((2, 3)), dtypes=SOME),
    case("stack_out", lambda xp, a, b: [
        _err(lambda: (xp.stack((a, b, a), axis=1, out=o), o)[1]) for o in (
            xp.zeros((3, 3, 4), a.dtype), xp.zeros((3, 3, 4), np.float32),
            xp.zeros((3, 3, 10), a.dtype), xp.zeros((3, 3, 3, 10), a.dtype),
            xp.zeros((3, 3, 4), np.int64))],
        A((3, 4)), RA((3, 4)), dtypes=SOME, tensor=False),
    case("row_stack", lambda xp, a, b, c: [
        (xp.row_stack if hasattr(xp, "row_stack") else xp.vstack)((a, b, c))]
        + [_err(xp.vstack, p) for p in ((xp.zeros(()), xp.zeros((3,))),
                                        (xp.zeros((3, 2, 3)), xp.zeros((3, 2))),
                                        (xp.zeros((3, 2)), xp.zeros((4, 3))))],
        A((4, 3)), F(np.arange(3, dtype=np.int16)), A((2, 3)), dtypes=SOME),
    case("unstack_axes", lambda xp, a, b: [xp.unstack(a, axis=0), xp.unstack(a, axis=-1),
                                           xp.unstack(b, axis=1), xp.unstack(b, axis=-2)],
         A((5,)), A((2, 3, 4)), dtypes=SOME),
    case("unstack_bad", lambda xp, a, b, c: [
        _err(xp.unstack, a, axis=0), _err(xp.unstack, b[0, 0], axis=1),
        _err(xp.unstack, b[0], axis=2), _err(xp.unstack, b[0], axis=-3),
        _err(xp.unstack, b, axis=-4)], V(42), A((2, 3, 4)), V(0), dtypes=[np.float64, np.int8]),
    # test_kind.py
    case("asarray_chkfinite_list", lambda xp, a: [
        _err(xp.asarray_chkfinite, [-np.inf, 0.0, np.inf, np.nan], dtype=a.dtype),
        _err(xp.asarray_chkfinite, [0.0, np.nan], dtype=a.dtype),
        _err(xp.asarray_chkfinite, [0, 4, 0, 5], dtype=a.dtype),
        _err(xp.asfortranarray, [1.0, np.inf], dtype=a.dtype),
        _err(xp.require, [1.0, np.inf], a.dtype, "C")], V(0), dtypes=ALL, tensor=False),
    case("require_flags", lambda xp, a: [xp.require(a, a.dtype, f) for f in
                                         (["C_CONTIGUOUS"], ["F_CONTIGUOUS"], ["O"], [], ["W"],
                                          "A", ["E"], None)], A((2, 3, 4)), dtypes=SOME),
    case("require_c_and_f", lambda xp, a: _err(xp.require, a, a.dtype, ["C", "F"]), A((2, 3)),
         dtypes=SOME),
    case("require_bad_dtype", lambda xp, a: [_err(xp.require, a, "random", "C"),
                                             _err(xp.require, a, None, ["X"])], A((2, 3)),
         dtypes=[np.float64, np.int8]),
    # test_shape.py
    case("shape_of", lambda xp, a, b, c: [xp.shape(a), xp.shape(b), xp.shape(c),
                                          xp.shape(np.asarray(a).tolist()),
                                          xp.shape(np.asarray(c).tolist())],
         A((2, 3)), A(()), A((4,)), dtypes=[np.float64, np.int8], tensor=False),
    case("reshape_orders", lambda xp, a: [
        xp.reshape(xp.transpose(a, (2, 0, 1)), (2, 3, 4), order=o) for o in _ORDERS]
        + [a.reshape(3, -1, order=o) for o in _ORDERS]
        + [xp.reshape(a.ravel()[:8], (1, 1, 1, 4, 1, 2), order=o) for o in _ORDERS]
        + [xp.reshape(xp.reshape(a, s0, order=oi), s1, order=o)
           for oi in "CF" for o in ("C", "F", "A", "c", "f", "a")
           for s0, s1 in (((4, 6), (1, 24, 1)), ((24,), (6, 4)), ((2, 2, 6), (4, 6)))],
        A((2, 3, 4)), dtypes=SOME),
    case("reshape_bad", lambda xp, a, e: [_err(a.reshape, 2, 4, 4, order="K"),
                                          _err(a.reshape, 2, 3, 4, order="K"),
                                          _err(e.reshape, ()), _err(e.reshape, (-1, 0))],
         A((2, 3, 4)), A((0,)), dtypes=[np.float64, np.int8]),
    case("reshape_empty", lambda xp, e, f: [e.reshape((0,))] + [
        f.reshape((5, 0, 4), order=o) for o in _ORDERS], A((0,)), A((2, 0, 3)), dtypes=SOME),
    case("reshape_64_dims", lambda xp, a: [
        a.reshape([1] * 63 + [64], order=o) for o in _ORDERS]
        + [_err(xp.reshape, xp.ones(65, a.dtype), [1] * 64 + [65])], A((64,)),
        dtypes=[np.float64, np.int8, np.bool_]),
    case("ravel_orders", lambda xp, a: [
        f(a).ravel(o) for o in ("C", "F", "A", "K") for f in (
            lambda x: x, lambda x: xp.transpose(x, (2, 0, 1)),
            lambda x: xp.transpose(x, (0, 2, 1))[:, ::-2])] + [xp.ravel(a)],
        A((2, 3, 4)), dtypes=SOME),
    case("ravel_broadcast", lambda xp, a, b: [
        f.ravel(o) for o in ("C", "F", "A", "K") for f in (
            xp.arange(10)[::2], xp.broadcast_to(a[:1], (10,)),
            xp.broadcast_to(b[:, :1], (3, 2, 4)),
            xp.broadcast_to(xp.reshape(a[:6], (2, 1, 3)), (2, 4, 3)))],
        A((8,)), A((2, 3)), dtypes=SOME),
    # test_split.py
    case("array_split_sections", lambda xp, a, b: [xp.array_split(a, 4, 1),
                                                   xp.array_split(a, 4, -1),
                                                   xp.array_split(b, 4)],
         A((3, 11)), A((5, 3)), dtypes=SOME),
    case("array_split_indices", lambda xp, a, b, c: [
        xp.array_split(b, [2, 4], 0), xp.array_split(a, []), xp.array_split(a[:2, :3], [3]),
        xp.array_split(a[0, :0], [1]), xp.array_split(c, [4, 2])],
        A((3, 11)), A((5, 0)), A((5,)), dtypes=SOME),
    case("split_indices", lambda xp, a, c: [
        xp.split(a, (2, 4, 9), 1), xp.split(a, (2, 4, 9), -1), xp.split(a, (-9, 4, -2), 1),
        xp.split(a[:2, :3], [3]), xp.split(a[0, :0], [1]), xp.split(c, [4, 2])],
        A((3, 11)), A((5,)), dtypes=SOME),
    # test_tiling.py
    case("repeat_table", lambda xp, a: [xp.repeat(a, r, ax) for r, ax in _REPEATS]
         + [_err(xp.repeat, a, r, ax) for r, ax in
            ((-3, None), ([-3, -3], 0), ([1, 2, 3], None), ([1, 2], 1))],
         A((2, 3, 4)), dtypes=SOME),
    # test_transpose.py
    case("moveaxis_table", lambda xp, a, b: [xp.moveaxis(a, s, d) for s, d in _MOVE]
         + [xp.moveaxis(b, [0, 2, 1], [3, 4, 0])], A((2, 3, 4)), A((2, 3, 4, 5, 6)), dtypes=SOME),
    case("moveaxis_bad", lambda xp, a: [_err(xp.moveaxis, a, s, d) for s, d in _MOVE_BAD],
         A((2, 3, 4)), dtypes=[np.float64, np.int8]),
    case("transpose_forms", lambda xp, a: [a.transpose(-1, 0, 1), a.transpose(), a.transpose(None),
                                           xp.transpose(a, (-1, 0, 1)), xp.transpose(a),
                                           a.transpose((1, 0, 2))], A((2, 3, 4)), dtypes=SOME),
    # sorting_tests/test_search.py
    case("argminmax_axes", lambda xp, a, b, c: [
        f(x, **kw) for f in (xp.argmax, xp.argmin) for x, kw in (
            (a, {}), (b, {"axis": 0}), (c, {"axis": 0}), (c, {"axis": 1}), (c, {"axis": 2}))]
        + [a.argmax(), a.argmin(), b.argmax(axis=0), c.argmin(axis=2)],
        R((2, 3)), R((3, 200), 1), R((2, 3, 4), 2), dtypes=SOME),
    case("argminmax_nan", lambda xp, a: [xp.argmax(a), xp.argmin(a), a.argmax(), a.argmin()],
         V([np.nan, -1, 1]), dtypes=SOME_REAL),
    case("argminmax_zero_size_axis1", lambda xp, a: [xp.argmax(a, axis=1), xp.argmin(a, axis=1),
                                                     _err(xp.argmax, a, axis=0),
                                                     _err(xp.argmin, a)],
         A((0, 1)), dtypes=SOME_REAL),
    case("argminmax_big", lambda xp, a: [xp.argmax(a), xp.argmin(a), xp.argmax(a.T),
                                         xp.argmin(xp.asfortranarray(a))],
         R((10, 20, 30), 3), dtypes=SOME),
    case("where_bcast_dtypes", lambda xp, c, x, y: [
        xp.where(cm, x_, y_) for cm, x_, y_ in (
            (c, x, y), (c[0, 0], x, y), (c, x, y[0]), (c[0], x, y[0, 0]))],
        R((2, 3, 4), 4, 2), R((2, 3, 4), 0), F(np.random.RandomState(1).rand(2, 3, 4)
                                              .astype(np.float32) * 10), dtypes=SOME),
    case("where_cond_dtypes", lambda xp, c: [xp.where(c), xp.where(c[0]), xp.where(c[0, 0])],
         R((2, 3, 4), 4, 2), dtypes=SOME),
    case("nonzero_table", lambda xp, a: [xp.nonzero(xp.asarray(v).astype(a.dtype))
                                         for v in _NONZERO_IN], V(0), dtypes=SOME, tensor=False),
    case("flatnonzero_table", lambda xp, a: [xp.flatnonzero(xp.asarray(v).astype(a.dtype))
                                             for v in [*_NONZERO_IN, np.array(0), np.array(1)]],
         V(0), dtypes=SOME, tensor=False),
    case("argwhere_table", lambda xp, a: [xp.argwhere(xp.asarray(v).astype(a.dtype))
                                          for v in _NONZERO_IN], V(0), dtypes=SOME, tensor=False),
    case("nanargminmax_axes", lambda xp, a, b, c, t: [
        f(x, **kw) for f in (xp.nanargmax, xp.nanargmin) for x, kw in (
            (a, {}), (b, {"axis": 0}), (c, {"axis": 0}), (c, {"axis": 1}), (c, {"axis": 2}),
            (t, {}))] + [f(xp.zeros((0, 1), a.dtype), axis=1) for f in (xp.nanargmax,
                                                                       xp.nanargmin)],
        R((2, 3)), R((3, 200), 1), R((2, 3, 4), 2), V([0, 5, 2, 3, 4, 5]), dtypes=SOME_REAL),
    case("nanargminmax_nan", lambda xp, a, b, c, d, e: [
        _err(f, x) for f in (xp.nanargmax, xp.nanargmin) for x in (a, b, c, d, e)],
        V([np.nan, -1, 1]), V([np.nan, np.nan, -1, 1]), V([np.nan, np.nan, -1, 1, 1.0, -2.0]),
        V([-1, 1, 1.0, -2.0, np.nan, np.nan]), V([-1, 1, 1.0, -2.0, np.nan, np.nan, -1, 1]),
        dtypes=SOME_REAL),
    case("searchsorted_table", lambda xp, a, b: [
        xp.searchsorted(xp.asarray(np.array(bins)), x, side=side) for bins in _SORTED_BINS
        for side in ("left", "right") for x in (a, b)], V(3), A((6, 3, 3)),
        dtypes=[d for d in SOME if d is not np.bool_], tensor=False),
    case("searchsorted_nan_inf", lambda xp, a: [
        xp.searchsorted(xp.asarray(np.array(bins, float)), x, side=side)
        for bins in _NAN_BINS for side in ("left", "right")
        for x in (a, xp.where(xp.arange(10) == 5, np.nan, a),
                  xp.where(xp.arange(10) == 9, np.nan, a), xp.where(xp.arange(10) == 5, np.inf, a),
                  xp.where(xp.arange(10) == 5, -np.inf, a))], A((10,)),
        dtypes=[np.float64, np.float32]),
    case("searchsorted_bad_sorter", lambda xp, a: [
        _err(xp.searchsorted, xp.asarray(np.array([10, 4, 2, 1, 8])), a, sorter=s)
        for s in (np.array([0]), np.array([], np.float64), np.array([3, 2, 1, 4, 0]))],
        A((12,)), dtypes=[np.float64]),
    # sorting_tests/test_sort.py
    case("sort_0d", lambda xp, a: [_err(xp.sort, a), _err(xp.argsort, a),
                                   xp.sort(a, axis=None), xp.argsort(a, axis=None)], V(3),
         dtypes=SOME),
    case("sort_axes", lambda xp, a, b: [
        xp.sort(b), xp.sort(b, axis=0), xp.sort(b, axis=-2), xp.sort(b, axis=None),
        xp.sort(a), xp.sort(a[::2]), xp.msort(b) if hasattr(xp, "msort") else xp.sort(b, axis=0)],
        R((10,)), R((2, 3, 3), 1), dtypes=SOME),
    case("sort_bad_axes", lambda xp, b: [_err(f, b, axis=ax) for f in (xp.sort, xp.argsort)
                                         for ax in (3, -4)], R((2, 3, 3)),
         dtypes=[np.float64, np.int8]),
    case("lexsort_keys", lambda xp, a, b, k: [xp.lexsort(a), xp.lexsort(b), xp.lexsort(k)],
         R((2,)), R((2, 10), 1), F(np.array([[9, 4, 0, 4, 0, 2, 1], [1, 5, 1, 4, 3, 4, 4]])),
         dtypes=SOME_REAL),
    case("argsort_axes", lambda xp, a, b: [
        xp.argsort(a, kind="stable"), a.argsort(kind="stable"),
        xp.argsort(b, kind="stable"), xp.argsort(b, axis=0, kind="stable"),
        b.argsort(axis=2, kind="stable"), xp.argsort(b, axis=None, kind="stable"),
        xp.argsort(a[::2], kind="stable")], R((10,)), R((2, 3, 3), 1), dtypes=SOME),
    case("partition_0d", lambda xp, a: [_err(xp.partition, a, 2), _err(xp.argpartition, a, 2),
                                        _err(xp.partition, a, 0), _err(xp.argpartition, a, 0)],
         V(3), dtypes=SOME_REAL),
    case("partition_bad_kth", lambda xp, a: [_err(f, a, k) for f in (xp.partition,
                                                                      xp.argpartition)
                                             for k in (10, -11, (2, 10))], R((10,)),
         dtypes=SOME_REAL),
    case("partition_bad_axis", lambda xp, a: [_err(f, a, 1, axis=ax) for f in (
        xp.partition, xp.argpartition) for ax in (3, -4)], R((2, 2, 2)), dtypes=SOME_REAL),
    # statistics_tests/test_correlation.py
    case("corrcoef_one_row", "corrcoef", A((1, 3)), dtypes=SOME),
    case("cov_table", lambda xp, a, a13, y13, a2: [
        xp.cov(a), xp.cov(a2, a2[::-1]), xp.cov(a13, y13, rowvar=False),
        xp.cov(a, a, rowvar=False), xp.cov(a, bias=True), xp.cov(a, ddof=2),
        xp.cov(a13, fweights=np.array([1, 4, 1])), xp.cov(a13, aweights=np.array([1.0, 4.0, 1.0])),
        xp.cov(a13, bias=True, aweights=np.array([1.0, 4.0, 1.0])),
        xp.cov(a13, fweights=np.array([1, 4, 1]), aweights=np.array([1.0, 4.0, 1.0])),
        xp.cov(a, ddof=3), xp.cov(a, ddof=4)], A((2, 3)), A((1, 3)), RA((1, 3)), A((2,)),
        dtypes=SOME, rtol=1e-3),
    case("cov_bad", lambda xp, a, b: [_err(xp.cov, a, ddof=1.2), _err(xp.cov, b),
                                      _err(xp.cov, a, b)], A((2, 3)), A((3, 4, 2)),
         dtypes=[np.float64, np.int8]),
    case("correlate_shapes", lambda xp, a, b: [
        xp.correlate(a[:n1], b[:n2], mode=m) for m in ("valid", "same", "full")
        for n1 in (5, 6, 20, 21) for n2 in (5, 6, 20, 21)], A((21,)), RA((21,)),
        dtypes=[np.int16, np.uint8, np.float32, np.float64, np.complex128], rtol=1e-4),
    case("correlate_strided", lambda xp, a, b: [
        xp.correlate(a[::200], b[10::70], mode=m) for m in ("valid", "full", "same")]
        + [xp.correlate(a[200::3], b[10::70], mode=m) for m in ("valid", "full", "same")],
        A((3000,)), A((100,)), dtypes=[np.int64, np.float32, np.float64, np.complex64],
        rtol=1e-4),
    case("correlate_bad", lambda xp, a, b, c: [
        _err(xp.correlate, a[:0], a[:0], mode=m) for m in ("valid", "same", "full")]
        + [_err(xp.correlate, b, b[:3, :4], mode="valid"), _err(xp.correlate, c, a[:1])],
        A((5,)), A((5, 10, 2)), V(3), dtypes=[np.float64, np.int8]),
    case("bincount_long", lambda xp, a: [xp.bincount(a), xp.bincount(a % 32, minlength=100),
                                         xp.bincount((a % 32)[::2])],
         F(np.arange(3000)), dtypes=[np.float64], tensor=False),
    # statistics_tests/test_nan_params.py
    case("nanminmax_where_initial", lambda xp, a, w, n, w2: [
        _err(xp.nanmin, a, axis=1, where=w, initial=5), _err(xp.nanmax, a, axis=1, where=w,
                                                              initial=5),
        _err(xp.nanmin, a[0, 0, :3], where=w[0, 0, :3]), _err(xp.nanmax, a[0, 0, :3],
                                                              where=w[0, 0, :3]),
        _err(xp.nanmin, n, axis=1, where=w2, initial=10.0),
        _err(xp.nanmax, n, axis=1, where=w2, initial=10.0)],
        R((2, 3, 4)), F(_WHERE), V([[np.nan, 2.0, 3.0], [np.nan, np.nan, np.nan]]),
        F(np.array([[True, False, True], [True, True, True]])), dtypes=SOME_REAL),
    case("nansumprod_where_initial", lambda xp, a, w, e: [
        xp.nansum(a, axis=1, where=w, initial=10), xp.nanprod(a, axis=1, where=w, initial=10),
        xp.nansum(e, initial=10), xp.nanprod(e, initial=10)], R((2, 3, 4)), F(_WHERE), A((0,)),
        dtypes=SOME, rtol=1e-3),
    case("nanmeanvarstd_where", lambda xp, a, w: [
        xp.nanmean(a, axis=1, where=w), xp.nanvar(a, axis=1, where=w),
        xp.nanstd(a, axis=1, where=w)], R((2, 3, 4)), F(_WHERE), dtypes=SOME, rtol=1e-3),
    case("nanargminmax_keepdims", lambda xp, a: [xp.nanargmin(a, axis=1, keepdims=True),
                                                 xp.nanargmax(a, axis=1, keepdims=True)],
         R((2, 3, 4)), dtypes=SOME_REAL),
    # statistics_tests/test_histogram.py
    case("histogram_outliers", lambda xp, a: [
        xp.histogram(a + 0.5, range=[1, 10]), xp.histogram(a + 0.5, range=[1, 9], density=True)],
        A((10,)), dtypes=FLOAT),
    case("histogram_weights_dtype", lambda xp, a, r: [
        xp.histogram(a, weights=xp.ones(10, int)), xp.histogram(a, weights=xp.ones(10, float)),
        xp.histogram(r, weights=xp.ones(10) * 5, density=True),
        xp.histogram(xp.linspace(0, 10, 10, dtype=a.dtype), bins=np.arange(11),
                     weights=xp.concatenate((xp.zeros(5, a.dtype), xp.ones(5, a.dtype))))],
        A((10,)), F(np.random.RandomState(0).rand(10)), dtypes=SOME_NUM, rtol=1e-3),
    case("histogram_array_bins", lambda xp, a, b: [
        xp.histogram(a, b), xp.histogram(a, np.arange(1, 4).astype(a.dtype)),
        xp.histogram(a, np.arange(1.0, 11.0)), xp.histogram(a, np.array([1, 4, 7], a.dtype))],
        A((10,)), A((3,)), dtypes=SOME_NUM),
    case("bincount_weight_dtypes", lambda xp, x, w: [
        xp.bincount(x, weights=w.astype(dt)) for dt in (np.float16, np.float32, np.float64,
                                                        np.int8, np.int32, np.uint16, np.bool_)],
        A((3,)), F(np.arange(1, 4)), dtypes=[np.int8, np.int16, np.int32, np.uint8, np.uint16,
                                             np.int64, np.uint32, np.bool_]),
    case("digitize_nan_inf", lambda xp, x, x64: [
        xp.digitize(xp.where(xp.arange(14) == 5, np.nan, x), xp.asarray(np.array(b, x.dtype)),
                    right=r) for r in (True, False) for b in (
            [1.0, 3.0, 5.0, 8.0, 12.0], [1.0, 3.0, 5.0, 8.0, np.nan],
            [1.0, 3.0, 5.0, 8.0, np.nan, np.nan], [np.nan, 8.0, 5.0, 3.0, 1.0],
            [np.nan, np.nan, np.nan, 5.0, 3.0, 1.0], [np.nan] * 4)]
        + [xp.digitize(xp.where(xp.arange(14) == 5, v, x64), np.array([0, 1, 2, 4, 10]), right=r)
           for r in (True, False) for v in (np.inf, -np.inf)],
        A((14,)), F(np.arange(1.0, 15.0)), dtypes=[np.float32]),
    case("digitize_bad", lambda xp, x: [
        _err(xp.digitize, x.astype(np.complex128), np.array([1.0, 3.0, 5.0], np.complex128)),
        _err(xp.digitize, x, np.array([[1], [2]]))], A((14,)), dtypes=[np.float64]),
    case("histogramdd_table", lambda xp, x: [
        list(xp.histogramdd(x, bins=b, range=rg, weights=w, density=d))
        for b in (10, (8, 16, 12), (16, 12, 8), [np.arange(0, 100, 4), np.arange(0, 100, 10),
                                                  np.arange(25)])
        for rg in (None, ((20, 50), (10, 100), (0, 40)))
        for w in (None, np.ones(100, np.int32), np.ones(100))
        for d in (True, False)], R((100, 3), scale=100), dtypes=[np.int16, np.float32, np.float64],
        rtol=1e-6),
    case("histogramdd_bad", lambda xp, x: [
        _err(xp.histogramdd, x, [np.arange(0, 100, 10)] * 3), _err(xp.histogramdd, x, bins=0),
        _err(xp.histogramdd, x, bins=np.where(np.arange(100) == 30, 99, np.arange(100))),
        _err(xp.histogramdd, x, bins=np.arange(64).reshape(8, 8)),
        _err(xp.histogramdd, x, range=((0, 100),) * 3)], R((16, 2), scale=100),
        dtypes=[np.float64]),
    case("histogram_list_edges", lambda xp, x, y: [
        xp.histogramdd(x, bins=[[0, 10, 20, 50, 90]] * 2),
        xp.histogram2d(y, y[::-1], bins=[0, 10, 20, 50, 90])], R((16, 2), scale=100),
        R((16,), 1, scale=100), dtypes=[np.float64, np.int32]),
    case("histogram2d_table", lambda xp, x, y: [
        xp.histogram2d(x, y, bins=b, range=rg, weights=w, density=d)
        for b in (10, (8, 16), (16, 8), [np.arange(0, 100, 4), np.arange(0, 100, 10)],
                  np.arange(0, 100, 4))
        for rg in (None, ((20, 50), (10, 100)))
        for w in (None, np.ones(100, np.int32), np.ones(100))
        for d in (True, False)], R((100,), scale=100), R((100,), 1, scale=100),
        dtypes=[np.int16, np.float32, np.float64], rtol=1e-6),
    # statistics_tests/test_meanvar.py
    case("median_axis_table", lambda xp, a: [
        xp.median(a, axis=ax, keepdims=k) for ax in (None, 1, 2, (0, 1), (0, -1), (1, 2), (1,))
        for k in (True, False)], R((3, 4, 5)), dtypes=SOME),
    case("median_overwrite", lambda xp, a: xp.median(a, overwrite_input=True), R((3, 4, 5)),
         dtypes=SOME, tensor=False),
    case("median_bad_axes", lambda xp, a: [_err(xp.median, a, ax) for ax in
                                           (-4, 3, (-4, 1), (0, 3))], R((3, 4, 5)),
         dtypes=[np.float64]),
    case("nanmedian_table", lambda xp, a: [
        xp.nanmedian(a, ax, keepdims=k) for ax in (None, 0, 1, -1, (0, 1), (0, 2), (-1, -2))
        for k in (True, False)], V(_NANCUBE), dtypes=FLOAT + COMPLEX),
    case("average_weights_returned", lambda xp, a, w, b, v: [
        xp.average(a, weights=w), xp.average(b, axis=2, weights=v),
        xp.average(a, 1, None, returned=True), xp.average(a, None, w, returned=True),
        xp.average(a, 1, w, returned=True)], A((2, 3)), RA((2, 3)), A((2, 3, 4)), A((2, 3, 4)),
        dtypes=SOME, rtol=1e-3),
    case("meanvarstd_methods", lambda xp, a, b: [
        f(x, **kw) for f in (xp.mean, lambda x, **k: x.mean(**k)) for x, kw in
        ((a, {}), (b, {"axis": 1}))] + [
        f(x, ddof=dd, **kw) for f in (xp.var, xp.std, lambda x, **k: x.var(**k),
                                      lambda x, **k: x.std(**k))
        for x, kw in ((a, {}), (b, {"axis": 1})) for dd in (0, 1)],
        A((2, 3)), A((2, 3, 4)), dtypes=SOME, rtol=1e-3),
    case("mean_dtypes", lambda xp, a, b: [xp.mean(b, dtype=np.float64),
                                          xp.mean(a, dtype=np.int64),
                                          xp.mean(a, dtype=np.complex64)],
         A((2, 3, 4)), V(np.full((2, 3, 4), 123456789)), dtypes=SOME_REAL, rtol=1e-5),
    case("nanmean_table", lambda xp, a, n: [
        xp.nanmean(x, axis=ax, keepdims=k) for x in (a, n) for ax in (None, 0, 1)
        for k in (True, False)], R((3, 4)), V(_NANROWS), dtypes=FLOAT + COMPLEX, rtol=1e-3),
    case("nan_out", lambda xp, a: [
        (lambda o: (f(a, axis=0, out=o), o)[1])(xp.zeros((4, 5), dt))
        for f, dt in ((xp.nanmean, a.dtype), (xp.nanvar, np.float64), (xp.nanstd, np.float64))],
        V(_NANBLOCK), dtypes=[np.float32, np.float64], tensor=False, rtol=1e-5),
    case("nan_big", lambda xp, a: [xp.nanmean(a, axis=1), xp.nanvar(a, axis=1),
                                   xp.nanstd(a, axis=1)], V(_NANBIG),
         dtypes=[np.float32, np.float64], rtol=1e-5),
    case("nan_f16", lambda xp, a: [xp.nanmean(a), xp.nanvar(a, axis=0), xp.nanstd(a, axis=1)],
         V(_NANF16), dtypes=[np.float16], rtol=2e-3),
    case("nanvarstd_table", lambda xp, a, b: [
        f(x, axis=ax, ddof=dd, keepdims=k) for f in (xp.nanvar, xp.nanstd) for x in (a, b)
        for ax in (None, 0, 1) for dd in (0, 1) for k in (True, False)],
        V(_NANROWS), V(_NANCUBE[..., :3].real), dtypes=[np.float32, np.float64], rtol=1e-5),
    case("meanvarstd_zero_len", lambda xp, a: [
        f(xp.reshape(xp.ravel(a)[:int(np.prod(sh))], sh), axis=ax)
        for f in (xp.mean, xp.std, xp.var) for sh, ax in (
            ((), None), ((0,), None), ((0, 0), None), ((0, 0), 1), ((0, 0, 0), None),
            ((0, 0, 0), (0, 2)))], A((2, 2, 2)), dtypes=SOME_REAL),
    # statistics_tests/test_order.py
    case("quantile_bad_q_method", lambda xp, a, q: [
        _err(xp.quantile, a, q / 100, axis=-1, method="deadbeef")]
        + [_err(xp.percentile, a, q, axis=-1, method=m) for m in ("linear", "nearest")]
        + [_err(xp.quantile, a, q / 100, axis=-1, method=m) for m in ("linear", "lower")],
        R((4, 2, 3, 2)), F(np.random.RandomState(1).rand(1, 2, 3) * 100), dtypes=SOME_NUM),
    case("quantile_methods", lambda xp, a, b, c, d, e, f, q: [
        g(x, qq, axis=ax, keepdims=k, method=m)
        for m in ("linear", "lower", "higher", "midpoint", "nearest")
        for g, s in ((xp.percentile, 100), (xp.quantile, 1))
        for x, qq, ax, k in (
            (a, q * s, None, False), (b, [99 * s / 100, 99.9 * s / 100], None, False),
            (c, q * s, None, False), (d, q * s, -1, False), (e, q * s, (0, 1, 2), False),
            (a, 0.1337 * s, None, False), (f, q * s, None, True), (e, q * s, 0, True))],
        R((2, 3, 8)), A((1001,)), R((10, 2, 4, 8), 1), R((4, 3, 10, 2, 8), 2), R((1, 6, 3, 2), 3),
        R((7, 2, 9, 2), 4), F(np.random.RandomState(5).rand(5)), dtypes=SOME_NUM, rtol=1e-5),
    case("quantile_out_overwrite", lambda xp, a, q: [
        (lambda o: (g(a, q * s, axis=-1, method=m, out=o), o)[1])(xp.zeros((5, 10, 2, 3),
                                                                          a.dtype))
        for m in ("linear", "nearest") for g, s in ((xp.percentile, 100), (xp.quantile, 1))]
        + [g(xp.array(a, copy=True), q * s, axis=-1, method=m, overwrite_input=True)
           for m in ("linear", "midpoint") for g, s in ((xp.percentile, 100), (xp.quantile, 1))],
        R((10, 2, 3, 2)), F(np.random.RandomState(6).rand(5)), dtypes=[np.float32, np.float64],
        tensor=False, rtol=1e-5),
    case("nanminmax_axes", lambda xp, a, b, c: [
        f(x, axis=ax) for f in (xp.nanmax, xp.nanmin) for x, ax in (
            (a, None), (b, 0), (c, 0), (c, 1), (c, 2))], R((2, 3)), R((3, 300), 1),
        R((2, 3, 4), 2), dtypes=SOME),
    case("nanmin_nan_initial_where", lambda xp, a, b, c, w: [
        xp.nanmin(a), xp.nanmin(b), xp.nanmin(c, where=w, initial=2)],
        V([np.nan, 1, -1]), V([np.nan, np.nan]), V([[np.nan, np.nan, 3], [4, np.nan, 6]]),
        F(np.array([[True, False, True], [False, True, True]])), dtypes=SOME),
    case("ptp_axes", lambda xp, a, b, c, n: [
        xp.ptp(a), xp.ptp(b, axis=0), xp.ptp(c, axis=0), xp.ptp(c, axis=1), xp.ptp(c, axis=2),
        xp.ptp(n)], R((2, 3)), R((3, 300), 1), R((2, 3, 4), 2), V([np.nan, np.nan]),
        dtypes=[d for d in SOME if d is not np.bool_]),
    case("percentile_monotonic", lambda xp, a: [
        xp.percentile(xp.concatenate([xp.full(2, v, a.dtype), a[2:]]), np.linspace(0, 100, 21),
                      method="linear") for v in (-29, -53, -207, -16373, -99999)],
        R((5,)), dtypes=[np.float32, np.float64]),
    # indexing_tests
    case("ix_forms", lambda xp, a, b: [
        xp.ix_([0, 1], [2, 4]), xp.ix_(a, b), xp.ix_(np.array([])),
        xp.ix_(np.array([True, False] * 2))], V([0, 1]), V([2, 3]), dtypes=SOME_NUM),
    case("r_c_forms", lambda xp, a, b, c, v: [
        xp.r_[a, b], xp.r_[a, b, c], xp.r_[v, 0, 0, v], xp.r_[-1:1:6j, [0] * 3, 5, 6],
        xp.r_["-1", a[:1, :3], a[:1, :3]], xp.r_["0,2", [1, 2, 3], [4, 5, 6]],
        xp.r_["0,2,0", [1, 2, 3], [4, 5, 6]], _err(lambda: xp.r_[a, b[:, :3]]),
        xp.c_[a.T[:, :2], b.T[:, :3]], xp.c_[a.T[:, :2], b.T[:, :3], c.T[:, :1]],
        _err(lambda: xp.c_[a, b[:, :3]])], A((3, 4)), RA((2, 4)), RA((1, 4)), V([1, 2, 3]),
        dtypes=SOME),
    case("take_forms", lambda xp, a, b8: [
        a.take(2, axis=1), xp.take(a, 2, axis=1), a.take(np.array([[1, 3], [2, 0]]), axis=1),
        a.take(np.array([[10, 5], [3, 20]])), xp.take(xp.ravel(xp.concatenate([a] * 11)), b8)],
        A((2, 4, 3)), F(np.array([200, 255, 7], np.uint8)), dtypes=SOME),
    case("take_along_axis_forms", lambda xp, a: [
        xp.take_along_axis(a, np.random.RandomState(0).randint(0, 4, (2, 6, 3)), axis=-2),
        xp.take_along_axis(a, np.random.RandomState(1).randint(0, 24, (30,)), axis=None)],
        R((2, 4, 3)), dtypes=SOME),
    case("diagonal_forms", lambda xp, a, b: [
        a.diagonal(1, 2, 0), xp.diagonal(a, 1, 2, 0), a.diagonal(-1, 2, 0), b.diagonal(0, -1, -2),
        b.diagonal(0, -1, 1), b.diagonal(0, -3, -1), b.diagonal(0, -1, -3),
        _err(xp.diagonal, b, 0, 1, 3), _err(xp.diagonal, b, 0, 2, -4)], A((3, 4, 5)), A((3, 3, 3)),
        dtypes=SOME),
    case("choose_forms", lambda xp, c, d, e: [
        xp.choose(np.array([0, 2, 1, 2]), c), xp.choose(np.array([[1, 0, 1], [0, 1, 0]]), d),
        xp.choose(np.array([0, 1]), e), xp.choose(np.array([0, 3, -1, 5]), c, mode="wrap"),
        xp.choose(np.array([0, 3, -1, 5]), c, mode="clip"),
        _err(xp.choose, np.array([0, 3, -1, 5]), c, mode="unknow"),
        _err(xp.choose, np.array([2]), np.array([[0, 1]])),
        _err(xp.choose, np.array([0, 1]), xp.reshape(xp.arange(60), (3, 5, 4)))],
        A((3, 4)), V([-10, 10]), A((3, 5, 2)), dtypes=SOME),
    case("place_table", lambda xp, a: [
        _err(_written(lambda xp_, d, m, v: xp_.place(d, m, v)), xp,
             xp.reshape(a[:int(np.prod(sh))], sh),
             (np.random.RandomState(n).rand(*sh) > 0.5) if n else np.zeros(sh, bool),
             a[:n][::-1])
        for sh in ((7,), (2, 3), (4, 3, 2)) for n in (0, 1, 3, 15)]
        + [_err(_written(lambda xp_, d, m, v: xp_.place(d, m, v)), xp, xp.reshape(a[:6], (2, 3)),
                np.arange(6).reshape(2, 3) % 2 == 0, a[:0]),
           _err(_written(lambda xp_, d, m, v: xp_.place(d, m, v)), xp, xp.reshape(a[:6], (2, 3)),
                np.ones((3, 4), bool), a[:1])], A((24,)), dtypes=SOME),
    case("put_table", lambda xp, a: [
        _err(_written(lambda xp_, d, i, v, m: xp_.put(d, i, v, m)), xp,
             xp.reshape(a[:int(np.prod(sh))], sh),
             np.array([2, -1, 3, 0] if m == "raise" else [2, -8, 3, 7]), a[:n][::-1], m)
        for sh in ((7,), (2, 3), (4, 3, 2)) for m in ("raise", "wrap", "clip")
        for n in (0, 1, 3, 4, 5)]
        + [_err(_written(lambda xp_, d, i, v: xp_.put(d, i, v)), xp, xp.reshape(a[:6], (2, 3)),
                4, a[:4]),
           _err(_written(lambda xp_, d, i, v: xp_.put(d, i, v)), xp, xp.reshape(a[:6], (2, 3)),
                np.array([2, 3, 5]), 3.0)]
        + [_err(_written(lambda xp_, d, i, v, m: xp_.put(d, i, v, mode=m)), xp, a[:7], i, a[:4], m)
           for i, m in (([2, -8, 3, 0], "raise"), ([2, -1, 3, 7], "raise"),
                        ([2, -1, 3, 0], "unknown"))], A((24,)), dtypes=SOME),
    case("fill_diagonal_table", lambda xp, a: [
        _err(_written(lambda xp_, d, v, w: xp_.fill_diagonal(d, v, wrap=w)), xp, x, v, w)
        for x in (xp.reshape(a[:9], (3, 3)), xp.reshape(a[:8], (2, 2, 2)),
                  xp.reshape(a[:15], (3, 5)), xp.reshape(a[:15], (5, 3)), a[:5])
        for v in (1, 0, np.arange(2), np.arange(4).reshape(2, 2)) for w in (True, False)]
        + [_err(_written(lambda xp_, d, v, w: xp_.fill_diagonal(d[:, 1:], v, wrap=w)), xp, x, v, w)
           for x in (xp.reshape(a[:9], (3, 3)), xp.reshape(a[:15], (3, 5)),
                     xp.reshape(a[:15], (5, 3)))
           for v in (1, np.arange(2)) for w in (True, False)],
        A((15,)), dtypes=SOME),
    # creation_tests
    case("creation_basic", lambda xp, a: [
        xp.zeros_like(xp.empty((2, 3, 4), dtype=a.dtype)),
        xp.zeros_like(xp.empty((2, 3, 4), dtype=a.dtype, order="F")),
        _err(lambda: xp.zeros_like(xp.empty(None, dtype=a.dtype))),
        xp.zeros_like(xp.empty(3, dtype=a.dtype)), xp.zeros_like(xp.empty_like(a)),
        xp.eye(5, 4, 1, a.dtype), xp.identity(4, a.dtype), xp.zeros((2, 3, 4), dtype=a.dtype),
        _err(xp.zeros, None, dtype=a.dtype), xp.zeros(3, dtype=a.dtype), xp.zeros_like(a),
        xp.ones((2, 3, 4), dtype=a.dtype), xp.ones_like(a), xp.full((2, 3, 4), 1, dtype=a.dtype),
        xp.full_like(a, 1)], A((2, 3, 4)), dtypes=SOME),
    case("diag_forms", lambda xp, a, v: [
        xp.diag(a), xp.diag(a, 1), xp.diag(a, -2), xp.diag([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 1),
        xp.diag(((1, 2, 3), (4, 5, 6), (7, 8, 9)), -1), xp.diag(v), xp.diag([1, 2, 3]),
        xp.diag((1, 2, 3)), _err(xp.diag, 1), _err(xp.diag, xp.zeros(())),
        _err(xp.diag, xp.zeros((2, 2, 2))), xp.diagflat(a), xp.diagflat(a, 1), xp.diagflat(a, -2),
        xp.diagflat(3), xp.diagflat(3, 0), xp.diagflat(3, 1)], A((3, 3)), A((3,)), dtypes=SOME),
    case("tri_table", lambda xp, a: [
        xp.tri(*sh, k=k, dtype=a.dtype) for sh in ((2,), (3, 3), (4, 3)) for k in (0, -1, 1)],
        V(0), dtypes=SOME),
    case("tril_triu_table", lambda xp, a, b, c, d: [
        f(m, k) for f in (xp.tril, xp.triu) for m in (a, b, c, d) for k in (0, -1, 1)]
        + [xp.tril([[1, 2], [3, 4]]), xp.triu([[1, 2], [3, 4]])],
        A((2,)), A((3, 3)), A((4, 3)), A((2, 3, 4)), dtypes=SOME),
    case("vander_table", lambda xp, a: [
        xp.vander(x, N=n, increasing=inc) for x in (a, [0, 1, 2, 3, 4, 5, 6], (0, 1, 2, 3, 4, 5, 6))
        for n in (None, 0, 1, 2, 3) for inc in (False, True)]
        + [_err(xp.vander, x, N=2) for x in (1, xp.zeros(()), xp.zeros((2, 2)))],
        A((3,)), dtypes=[d for d in SOME if d is not np.bool_], rtol=1e-3),
    case("arange_table", lambda xp, a: [
        _err(xp.arange, 10, dtype=a.dtype), _err(xp.arange, 5, 10, dtype=a.dtype),
        _err(xp.arange, 1, 11, 2, dtype=a.dtype), xp.arange(20, 2, -3).astype(a.dtype),
        _err(xp.arange, 0, 100, None, dtype=a.dtype), xp.arange(0, 2, dtype=a.dtype),
        xp.arange(10, 11, dtype=a.dtype), xp.arange(10, 8, -1).astype(a.dtype),
        _err(xp.arange, 10, dtype=np.bool_), xp.arange(1, 11, 2), xp.arange(1.0, 11.0, 2.0),
        xp.arange(3, 1)], V(0), dtypes=SOME, tensor=False),
    case("linspace_table", lambda xp, a: [
        _err(xp.linspace, 0, 10, 5, dtype=a.dtype), _err(xp.linspace, 10, 0, 5, dtype=a.dtype),
        _err(xp.linspace, -10, 8, 9, dtype=a.dtype) if a.dtype.kind != "u" else 0,
        xp.linspace(0, 10, 0, dtype=a.dtype),
        xp.linspace(0, 10, 0, dtype=a.dtype, endpoint=False, retstep=True),
        xp.linspace(3, 7, 1, dtype=a.dtype, endpoint=False, retstep=True),
        xp.linspace(0, 2, 1, dtype=a.dtype), xp.linspace(0, 10, 5, dtype=a.dtype, endpoint=False),
        xp.linspace(0, 10, 5, dtype=a.dtype, retstep=True), xp.linspace(0, 10),
        xp.linspace(0.0, 10.0), xp.linspace(0.1, 9.1, 11, dtype=int),
        _err(xp.linspace, 0, 10, -1), xp.linspace(0.0, 1.7976931348623157e308 / 5, 10, dtype=float),
        xp.linspace(0.0, 5e-324, 10, dtype=float)], V(0),
        dtypes=[d for d in SOME if d is not np.bool_], tensor=False, rtol=1e-6),
    case("linspace_arrays", lambda xp, s, t: [
        xp.linspace(s, t, num=50, dtype=dt) for dt in (np.int16, np.uint8, np.float32, np.float64)]
        + [xp.linspace(s, t, num=50, dtype=np.float64, axis=1),
           xp.linspace(0.0, t, num=50, dtype=np.float64), xp.linspace(s, 0, num=50),
           xp.linspace([0, 0], [100, 16], num=50, dtype=s.dtype)],
        V([0, 120]), V([100, 16]), dtypes=[np.int16, np.uint8, np.int64, np.float32, np.float64],
        rtol=1e-5),
    case("linspace_complex", lambda xp, s, t: xp.linspace(s, t, num=50, dtype=s.dtype),
         V([0, 120]), V([100, 0]), dtypes=COMPLEX),
    case("logspace_table", lambda xp, a: [
        _err(xp.logspace, 0, 2, 5, dtype=a.dtype), _err(xp.logspace, 2, 0, 5, dtype=a.dtype),
        xp.logspace(0, 2, 0, dtype=a.dtype), xp.logspace(0, 2, 1, dtype=a.dtype),
        _err(xp.logspace, 0, 2, 5, dtype=a.dtype, endpoint=False), xp.logspace(0, 2),
        xp.logspace(0.0, 2.0), xp.logspace(0.1, 2.1, 11, dtype=int), _err(xp.logspace, 0, 10, -1),
        _err(xp.logspace, 0, 2, 5, base=2.0, dtype=a.dtype),
        _err(xp.logspace, np.array([0, 2], a.dtype), np.array([2, 0], a.dtype), num=5,
             dtype=np.float64, axis=1)], V(0), dtypes=[d for d in SOME if d is not np.bool_],
        tensor=False, rtol=1e-6),
    case("meshgrid_table", lambda xp, a, b, c: [
        xp.meshgrid(*arrs, indexing=ix, sparse=sp, copy=cp)
        for arrs in ((), (a,), (a, b), (a, b, c))
        for ix in ("xy", "ij") for sp in (False, True) for cp in (False, True)],
        V([0, 1]), V([0, 1, 2]), V([0, 1, 2, 3]), dtypes=SOME),
    case("mgrid_ogrid", lambda xp, a: [
        g[k] for g in (xp.mgrid, xp.ogrid) for k in (
            slice(0, None), slice(-10, 10), slice(-10, 10, 10j),
            (slice(-10, 10, 10j), slice(-10, 10, 10j)), slice(_LO, _HI_, 10j),
            (slice(_LO, _HI_, 10j), slice(_LO, _HI_, 10j)))], V(0),
        dtypes=[np.float64], tensor=False),
    case("array_from_data", lambda xp, a, v: [
        xp.array([[1, 2, 3], [2, 3, 4]], dtype=a.dtype), xp.array([], dtype=a.dtype),
        xp.array([[], []], dtype=a.dtype), xp.array(np.asarray(a) if xp is np else a),
        xp.array(np.array(2, dtype=a.dtype)), xp.array(np.ones((1, 3, 1), a.dtype)),
        xp.array(np.broadcast_to(np.arange(8).reshape(2, 1, 4).astype(a.dtype), (2, 3, 4))),
        xp.array([np.arange(12).reshape(3, 4).astype(a.dtype) + 12 * i for i in range(2)]),
        xp.array([np.arange(24).reshape(3, 8).astype(a.dtype)[:, ::2] for i in range(2)]),
        xp.array([np.array(i, dtype=a.dtype) for i in range(2)]),
        xp.array([[np.arange(12).reshape(3, 4).astype(a.dtype) + 12 * i] for i in range(2)]),
        xp.array([v, xp.astype(v, np.float32)]), xp.array([v[:, ::2], v[:, 1::2]]),
        xp.array([[v], [v]]), xp.array([v[0, 0], v[0, 1]]), xp.array([[v[0, 0]], [v[0, 1]]]),
        xp.array(v, dtype=np.int16), xp.array(v, dtype="F"), xp.array(v, dtype=None),
        xp.array([v, v], dtype="e"), xp.array(v, copy=False, ndmin=5)],
        A((2, 3, 4)), A((3, 8)), dtypes=SOME_REAL),
    case("big_endian", lambda xp, a: [
        xp.array(a.astype(a.dtype.newbyteorder(">"))) * 2,
        xp.array([a.astype(a.dtype.newbyteorder(">"))] * 2) * 2,
        xp.asanyarray(a.astype(a.dtype.newbyteorder(">"))) * 2,
        xp.asarray(a.astype(a.dtype.newbyteorder(">"))) * 2], F(np.arange(24.0).reshape(2, 3, 4)),
        dtypes=[np.float64], tensor=False),
    case("asarray_forms", lambda xp, a, b: [
        xp.asarray(a), xp.asarray(a, order="F"), xp.asarray(a, order="C"),
        xp.asanyarray(a, order="F"), xp.asarray(np.arange(24).reshape(2, 3, 4), order="F"),
        xp.ascontiguousarray(xp.ones(())), xp.ascontiguousarray(xp.ones(()), dtype=np.int64),
        xp.asfortranarray(xp.ones(())), xp.asfortranarray(b, dtype=np.int16),
        xp.asfortranarray(b, dtype=np.float32)], A((2, 3, 4)), V(1), dtypes=SOME),
    case("from_other", lambda xp, a: [
        xp.fromfunction(lambda i, j: i == j, shape=(3, 3), dtype=int),
        xp.fromiter((x * x for x in range(5)), float), xp.fromstring("1 2", dtype=int, sep=" "),
        xp.frombuffer(b"\x01\x02", dtype=np.uint8)], V(0), dtypes=[np.float64], tensor=False),
    case("object_array", lambda xp, a: xp.array(np.array([1, 2, 3], dtype=object)), V(0),
         dtypes=[np.float64], tensor=False),
    # padding_tests, lib_tests
    case("pad_table", lambda xp, a, b: [
        xp.pad(a, 1), xp.pad(a, np.array([1, 2])), xp.pad(a, np.array([[1, 2], [3, 4]])),
        xp.pad(b, np.array([[1, 2], [3, 4], [5, 6], [7, 8]])),
        xp.pad(a, 1, constant_values=3), xp.pad(a, np.array([1, 2]),
                                                constant_values=np.array([3, 4])),
        xp.pad(a, np.array([[1, 2], [3, 4]]), constant_values=np.array([[3, 4], [5, 6]])),
        xp.pad(b, np.array([[1, 2], [3, 4], [5, 6], [7, 8]]),
               constant_values=np.array([[1, 2], [3, 4], [5, 6], [7, 8]]))],
        A((2, 3)), V(np.ones((4, 5, 6, 7))), dtypes=[d for d in SOME if d is not np.bool_]),
    case("pad_special", lambda xp, a: [
        xp.pad([], 1, constant_values=3), xp.pad(1, 1, constant_values=3),
        xp.pad([0, 1, 2, 3], 1, constant_values=3), xp.pad([0, 1, 2, 3], [1, 2], constant_values=3),
        xp.pad([[0, 1, 2], [3, 4, 5]], [[1, 2], [3, 4]], constant_values=[[1, 2], [3, 4]]),
        _err(xp.pad, a, [-1, 1], constant_values=3), _err(xp.pad, a, [], constant_values=3),
        _err(xp.pad, a, [[3, 4], [5, 6]], constant_values=3),
        _err(xp.pad, a, [1], notallowedkeyword=3)], V([0, 1, 2, 3]), dtypes=SOME),
    case("insert_table", lambda xp, a, b, c: [
        xp.insert(a, 0, 1), xp.insert(b, [2, 2], [5, 6]), xp.insert(c, 1, [1, 2, 3]),
        xp.insert(c, [1, -1, 3], 9), xp.insert(c, slice(-1, None, -1), 9),
        xp.insert(c, [-1, 1, 3], [7, 8, 9]), xp.insert(c, [], []),
        xp.insert(c[:0], 0, [1, 2, 3]), _err(xp.insert, c, np.array([True] * 4), 9),
        xp.insert(xp.reshape(b, (3, 2)), 1, 5), xp.insert(xp.reshape(b, (3, 2)), 1, 5, axis=1)],
        R((1, 5)), V([1, 1, 2, 2, 3, 3]), V([1, 2, 3]), dtypes=SOME, rtol=1e-3),
    case("apply_along_axis_table", lambda xp, a, b: [
        xp.apply_along_axis(f, ax, x) for ax in (0, 1, -1) for f, x in (
            (len, xp.ones((20, 10))), (xp.sum, a),
            (lambda v: xp.squeeze(xp.sum(v, keepdims=True)), xp.ones((6, 3))),
            (lambda v: v[::-1] * v[1:, None], xp.reshape(b[:18], (6, 3))),
            (lambda v: v[::-1] * v[1:, None], xp.reshape(b, (6, 5, 3))))]
        + [_err(xp.apply_along_axis, lambda v: 1, ax, xp.empty((0, 0))) for ax in (0, 1)]
        + [_err(xp.apply_along_axis, lambda v: 1, ax, xp.empty((0, 10))) for ax in (0, 1)]
        + [xp.apply_along_axis(lambda v: (v.sum(axis=-1), v.prod(axis=-1), v.max(axis=-1)), 1,
                               xp.reshape(b[:8], (2, 2, 2)))]
        + [_err(xp.apply_along_axis, xp.sum, ax, xp.ones((8, 4))) for ax in (-3, 2)],
        V(np.arange(27).reshape(3, 3, 3)), V(np.arange(90)),
        dtypes=[np.int16, np.uint8, np.int64, np.float32, np.float64]),
    case("as_strided_table", lambda xp, a, b: [
        xp.lib.stride_tricks.as_strided(a, shape=(2,), strides=(2 * a.itemsize,)),
        xp.lib.stride_tricks.as_strided(a, shape=(3, 4), strides=(0, a.itemsize)),
        xp.swapaxes(xp.lib.stride_tricks.as_strided(
            xp.swapaxes(b, 0, -1), shape=(4, 2, 2), strides=(b.itemsize, 4 * b.itemsize,
                                                               4 * b.itemsize)), -2, 0)],
        V([1, 2, 3, 4]), A((3, 4)), dtypes=SOME, tensor=False),
    case("polyadd_shapes", lambda xp, a: [
        xp.polyadd(xp.reshape(a[:int(np.prod(s1))], s1), xp.reshape(a[:int(np.prod(s2))], s2))
        for s1 in ((), (0,), (3,), (5,)) for s2 in ((), (0,), (3,), (5,))], A((5,)), dtypes=SOME),
    # linalg_tests
    case("cholesky_table", lambda xp, a, b: [xp.linalg.cholesky(a), xp.linalg.cholesky(b)],
         V(_SPD5), V([[1, 2], [1, 9]]), dtypes=[np.int32, np.uint32, np.int64, np.float32,
                                                np.float64], rtol=1e-4, atol=1e-3),
    case("qr_modes", lambda xp, a, b, c: [
        xp.linalg.qr(x, mode=m) for x in (a, b, c) for m in ("r", "complete", "reduced")],
        V(_R24), V(_R33), V(_R54), dtypes=[np.float32, np.float64], rtol=1e-4, atol=1e-4),
    case("qr_raw", lambda xp, a, b, c: [xp.linalg.qr(x, mode="raw") for x in (a, b, c)],
         V(_R24), V(_R33), V(_R54), dtypes=[np.float32, np.float64], rtol=1e-4, atol=1e-4),
    case("svd_abs", lambda xp, a: [
        [xp.abs(f) for f in xp.linalg.svd(xp.reshape(a[:int(np.prod(s))], s), full_matrices=fm)]
        for s in ((2, 3), (2, 2), (3, 2), (4, 2, 3), (4, 3, 2), (2, 3, 4, 5))
        for fm in (True, False)], R((120,)), dtypes=[np.float32, np.float64], rtol=1e-4,
        atol=1e-4),
    case("eigh_table", lambda xp, a: [
        (lambda w, v: (w, v))(*xp.linalg.eigh(a, UPLO=u)) for u in ("U", "L")]
        + [xp.linalg.eigvalsh(a, UPLO=u) for u in ("U", "L")],
        V([[1, 2j, 3], [4j, 5, 6j], [7, 8j, 9]]), dtypes=[np.float32, np.float64, np.complex64,
                                                          np.complex128], rtol=1e-4, atol=1e-4),
    case("eigh_float16", lambda xp, a: xp.linalg.eigh(a), V([[1, 0, 3], [0, 5, 0], [7, 0, 9]]),
         dtypes=[np.float16]),
    case("einsum_errors", lambda xp, a: [
        _err(xp.einsum, *args) for args in (
            ("..", xp.zeros((2, 2, 2))), ("...i...", xp.zeros((2, 2, 2))),
            ("i...->...i...", xp.zeros((2, 2, 2))), (),
            ("",), (0, 0), ("", 0, 0), ("i,j", a, a, a), (",", 0), ("i", 0), ("ij", a),
            ("ijk...->...", xp.reshape(xp.arange(6), (2, 3))),
            ("i->i", xp.reshape(xp.arange(6), (2, 3))), ("i%", a), ("j$", a), ("i->&", a),
            ("i->ij", a), ("ij->jij", xp.zeros((2, 2))), ("ij->i,j", xp.zeros((2, 2))),
            ("ii", xp.reshape(xp.arange(6), (2, 3))), ("ii->", xp.reshape(xp.arange(6), (2, 3))),
            ("i-i", a), ("i>i", a), ("i->->i", a), ("i-", a))]
        + [_err(lambda: xp.einsum("", 0, bad_arg=0))], V([0, 0]), dtypes=[np.float64]),
    case("einsum_unary", lambda xp, a2, a33, a333, a234, a3, a2222: [
        xp.einsum(s, x) for s, x in (
            ("ij", a2), ("...", a2), ("ji", a2), ("ii->i", a33), ("jii->ij", a333),
            ("iji->ij", a333), ("...ii->...i", a333), ("iii->i", a333), ("ijk->jik", a234),
            ("ijk->kij", a234), ("ijk->ikj", a234), ("kji->ikj", a234), ("j...i->i...j", a234),
            ("i->", a3), ("ii", a33), ("ijkj->kij", a2222), ("ijij->ij", a2222),
            ("jiji->ij", a2222), ("ii...->...", a2222), ("i...i->...", a2222),
            ("...ii->...", a2222), ("j...i->...", a2222))],
        A((2, 3)), A((3, 3)), A((3, 3, 3)), A((2, 3, 4)), A((3,)), A((2, 2, 2, 2)),
        dtypes=[np.int16, np.int64, np.uint32, np.float32, np.float64]),
    case("einsum_binary", lambda xp, a, b: [
        xp.einsum(s, xp.reshape(a[:int(np.prod(sa))], sa), xp.reshape(b[:int(np.prod(sb))], sb))
        for sa, sb, s in _EINSUM_BINARY], A((120,)), F(np.arange(1, 49, dtype=np.int16)),
        dtypes=[np.int32, np.int64, np.float32, np.float64, np.complex128], rtol=1e-5),
    case("einsum_scalar_operands", lambda xp, a: [xp.einsum(",i->", 3, a),
                                                  xp.einsum("i,->", a, 4)], A((2,)),
         dtypes=SOME),
    case("einsum_ternary", lambda xp, a: [
        xp.einsum(s, *[xp.reshape(a[:int(np.prod(sh))], sh) for sh in shapes]).astype(np.float32)
        for shapes, s in (
            (((2, 3), (3, 4), (4, 5)), "ij,jk,kl"), (((2, 4), (2, 3), (2,)), "ij,ik,i->ijk"),
            (((2, 4), (3, 2), (2,)), "ij,ki,i->jk"),
            (((2, 3, 4), (2,), (3, 4, 2)), "i...,i,...i->...i"))], A((24,)),
        dtypes=[np.int16, np.int64, np.float32, np.float64], rtol=1e-5),
    case("svdvals_table", lambda xp, a: [
        xp.linalg.svdvals(xp.reshape(a[:int(np.prod(s))], s)) for s in ((3, 4), (4, 3), (2, 3, 4))],
        R((24,)), dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-5,
        atol=1e-5),
    case("matrix_norm_table", lambda xp, a: [
        xp.linalg.matrix_norm(xp.reshape(a[:int(np.prod(s))], s), ord=o)
        for s in ((3, 4), (4, 3), (2, 3, 4))
        for o in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)] if hasattr(
            xp.linalg, "matrix_norm") else [], R((24,)),
        dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-5, atol=1e-5),
    case("vector_norm_table", lambda xp, a, b: [
        xp.linalg.vector_norm(x, axis=ax, ord=o) for x in (a, b)
        for o in (2, 1, -1, np.inf, -np.inf, 0, 3) for ax in (None, 0, -1)],
        R((5,)), R((3, 4), 1), dtypes=[np.float32, np.float64, np.complex64, np.complex128],
        rtol=1e-5, atol=1e-5),
    case("linalg_trace_diagonal", lambda xp, a, b: [
        f(x, offset=o) for f in (xp.linalg.trace, xp.linalg.diagonal) for x in (a, b)
        for o in (0, 1, -1)], R((3, 3)), R((2, 4, 4), 1), dtypes=[np.float32, np.float64],
        rtol=1e-5),
    case("multi_dot_table", lambda xp, a, b, c, d, v, w: [
        xp.linalg.multi_dot([a[:3, :4], b[:4, :5]]),
        xp.linalg.multi_dot([a[:3, :4], b[:4, :5], c[:5, :2]]),
        xp.linalg.multi_dot([a, b, c, d]), xp.linalg.multi_dot([v, b[:10, :5], w])],
        R((10, 100)), R((100, 5), 1), R((5, 50), 2), R((50, 20), 3), R((10,), 4), R((5,), 5),
        dtypes=[np.float32, np.float64, np.complex128], rtol=1e-5),
    case("linalg_exports", lambda xp, a, b, c, d: [
        xp.linalg.matmul(a, b), xp.linalg.outer(a[:, 0], b[0]), xp.linalg.tensordot(a, b, axes=1),
        xp.linalg.tensordot(c, d)] + [xp.linalg.tensordot(c[:, :, :3], d[:, :3, :], axes=ax)
                                      for ax in (0, 1, ([1, 2], [0, 1]), ([-1, -2], [-2, -3]))],
        R((3, 4)), R((4, 5), 1), A((2, 3, 4)), A((3, 4, 5)), dtypes=SOME, rtol=1e-4),
    case("matrix_transpose_forms", lambda xp, a: [
        xp.matrix_transpose(a), xp.linalg.matrix_transpose(a[0]),
        _err(xp.matrix_transpose, a[0, 0]), _err(xp.linalg.matrix_transpose, a[0, 0])],
        R((2, 3, 4)), dtypes=SOME),
    case("trace_axes", lambda xp, a: [a.trace(1, 3, 2), xp.trace(a, 1, 3, 2)], A((2, 3, 4, 5)),
         dtypes=SOME),
    case("norm_table", lambda xp, a1, a2, b12, b22, c: [
        xp.linalg.norm(x, o, ax, k) for x, ords, axes in (
            (a1, _VORDS, (0, None)), (a2, _VORDS, (0, None)),
            (b12, _MORDS, ((0, 1), None)), (b22, _MORDS, ((0, 1), None)),
            (c, _VORDS, (0, 1, 2)), (c, (-np.inf, -1, 1, np.inf, "fro"), ((0, 1), (0, 2), (1, 2))))
        for o in ords for ax in axes for k in (True, False)],
        A((1,)), A((2,)), A((1, 2)), A((2, 2)), A((2, 2, 2)),
        dtypes=[np.int8, np.int64, np.float32, np.float64, np.complex128], rtol=1e-3, atol=1e-4),
    case("matrix_rank_table", lambda xp, a: [
        xp.asarray(xp.linalg.matrix_rank(xp.asarray(np.array(m)).astype(a.dtype), tol=t))
        for m in ([[1, 2], [3, 4]], [[1, 2], [1, 2]], [[0, 0], [0, 0]], [1, 2], [0, 1], [0, 0])
        for t in (None, 1)], V(0), dtypes=[np.int16, np.uint8, np.float32, np.float64],
        tensor=False),
    case("det_table", lambda xp, a, b, c: [
        xp.linalg.det(a + 1), xp.linalg.det(b + 1), xp.linalg.det(c + 1),
        xp.linalg.det(xp.zeros((2, 0, 3, 3), a.dtype)), xp.linalg.det(xp.zeros((0, 0), a.dtype)),
        xp.linalg.det(xp.zeros((2, 3, 0, 0), a.dtype)), _err(xp.linalg.det, xp.zeros((2, 3, 2))),
        _err(xp.linalg.det, xp.zeros((0, 3, 2))), _err(xp.linalg.det, a[0]),
        _err(xp.linalg.det, a[0, 0]), xp.linalg.det(xp.zeros((2, 3, 3), a.dtype))],
        A((2, 2)), A((2, 2, 2)), A((2, 2, 2, 2)), dtypes=[np.float32, np.float64], rtol=1e-3,
        atol=1e-4),
    case("slogdet_table", lambda xp, a, b, c: [
        tuple(xp.linalg.slogdet(x)) for x in (a + 1, b + 1, c + 1, xp.zeros((3, 3), a.dtype))]
        + [_err(xp.linalg.slogdet, a[0])], A((2, 2)), A((2, 2, 2)), A((2, 2, 2, 2)),
        dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-3, atol=1e-4),
    case("dot_table", lambda xp, a, b: [
        xp.dot(_shaped(xp, a, sa, ta), _shaped(xp, b, sb, tb))
        for sa, sb in _DOT_SHAPES for ta in (True, False) for tb in (True, False)],
        A((24,)), F(np.arange(1, 25, dtype=np.float32)),
        dtypes=[np.int8, np.int64, np.float32, np.float64, np.complex64]),
    case("cross_table", lambda xp, a, b: [
        xp.cross(xp.reshape(a[:int(np.prod(sa))], sa), xp.reshape(b[:int(np.prod(sb))], sb),
                 axa, axb, axc)
        for sa, sb, axa, axb, axc in (((3,), (3,), -1, -1, -1), ((1, 3), (1, 3), 1, -1, -1),
                                      ((2, 4, 5, 3), (2, 4, 5, 3), -1, -1, 0))]
        + [xp.linalg.cross(xp.reshape(a[:int(np.prod(s))], s), xp.reshape(b[:int(np.prod(s))], s),
                           axis=ax) for s, ax in (((3,), -1), ((1, 3), 1), ((2, 4, 5, 3), -1))],
        A((120,)), F(np.arange(1, 121, dtype=np.int16)[::-1]),
        dtypes=[np.int8, np.int64, np.float32, np.float64, np.complex64]),
    case("product_table", lambda xp, a, b, c: [
        xp.dot(a[:2], a[:2]), xp.dot(a[:2], xp.reshape(a[:2], (2, 1))),
        xp.dot(xp.reshape(a[:2], (1, 2)), a[:2]),
        xp.dot(xp.transpose(b, (1, 0, 2)), xp.transpose(b, (0, 2, 1))),
        xp.dot(xp.reshape(a[:3], (3, 1)), a[1:2][None]),
        xp.dot(a[1:2][None], xp.reshape(a[:3], (1, 3))),
        xp.vdot(a[:5], a[:5][::-1]), xp.vdot(a[:5][::-1], a[:5]), xp.vdot(b, c[:2]),
        xp.vdot(xp.transpose(b, (2, 0, 1)), xp.transpose(c[:2], (1, 3, 0, 2))),
        xp.inner(a[:5], a[:5][::-1]), xp.inner(a[:5][::-1], a[:5]),
        xp.inner(b, xp.reshape(b, (3, 2, 4))),
        xp.inner(xp.transpose(xp.reshape(b, (2, 4, 3)), (2, 0, 1)),
                 xp.transpose(xp.reshape(b, (4, 2, 3)), (1, 2, 0))),
        xp.outer(a[:5], a[:4]), xp.outer(a[:5][::-1], a[:4][::-1]),
        xp.outer(xp.reshape(a[:6], (2, 3)), xp.reshape(a[:20], (4, 5))),
        xp.tensordot(b, xp.reshape(c[:2], (3, 4, 2))[:, :, :1] * 0 + xp.reshape(
            c[:2], (3, 4, 2))[:, :, :1], axes=2),
        xp.tensordot(xp.transpose(b, (1, 0, 2)), xp.transpose(xp.reshape(b, (4, 3, 2)), (2, 0, 1))),
        xp.tensordot(xp.reshape(a[:6], (1, 2, 3)), xp.reshape(a[:6], (2, 3, 1)), axes=2),
        xp.tensordot(xp.reshape(a[:6], (1, 2, 3)), xp.reshape(a[:6], (3, 1, 2)),
                     axes=([2, 1], [0, 2])),
        xp.tensordot(xp.transpose(xp.reshape(a[:6], (1, 2, 3)), (2, 0, 1)),
                     xp.transpose(xp.reshape(a[:6], (2, 3, 1)), (0, 2, 1)), axes=([2, 0], [0, 2])),
        xp.tensordot(a[0], b, axes=0)], A((24,)), A((2, 3, 4)), A((2, 2, 2, 3)), dtypes=SOME),
    case("products_out", lambda xp, a, b, c: [
        _err(lambda: (xp.dot(a, b, out=o), o)[1]) for o in (
            xp.zeros((3, 5), a.dtype), xp.zeros((3, 5), np.float32), xp.zeros((3, 4)))]
        + [_err(lambda: (xp.linalg.multi_dot([a, b, c], out=o), o)[1])
           for o in (xp.zeros((3, 2), a.dtype),)]
        + [_err(lambda: (xp.vecdot(a[:, :2], a[:, 1:3], out=o), o)[1])
           for o in (xp.zeros((3,), a.dtype), xp.zeros((3,), np.float64))]
        + [_err(lambda: (xp.dot(xp.transpose(xp.reshape(xp.arange(24.0).astype(a.dtype),
                                                         (2, 3, 4)), (1, 0, 2)),
                                xp.transpose(xp.reshape(xp.arange(24.0).astype(a.dtype),
                                                        (4, 2, 3)), (2, 0, 1)), out=o), o)[1])
           for o in (xp.zeros((3, 2, 3, 2), a.dtype),)],
        R((3, 4)), R((4, 5), 1), R((5, 2), 2), dtypes=[np.float32, np.float64, np.complex128],
        tensor=False, rtol=1e-5),
    case("kron_table", lambda xp, a: [
        xp.kron(a[:4], a[:5]), xp.kron(a[:4][::-1], a[:5][::-1]),
        xp.kron(xp.reshape(a, (2, 3, 4)), xp.reshape(a, (4, 2, 3))),
        xp.kron(a[0], xp.reshape(a[:20], (4, 5))), xp.kron(2, 3.0),
        xp.kron(2, np.array([[0, -1j / 2], [1j / 2, 0]])),
        xp.kron(np.array([[0, -1j / 2], [1j / 2, 0]]), 2)]
        + [xp.kron(xp.zeros(sa, a.dtype), xp.zeros(sb, a.dtype)) for sa, sb in _KRON_EMPTY]
        + [xp.kron(a[0], xp.zeros(sb, a.dtype)) for sb in ((0,), (0, 5), (3, 0), (2, 0, 4))]
        + [xp.kron(xp.reshape(a[:12], (3, 4))[:0], xp.zeros((1, 2), a.dtype))],
        A((24,)), dtypes=SOME),
    case("int8_products", lambda xp, a, b, c, d, e: [
        xp.tensordot(a, b, axes=1), xp.tensordot(a[:, :7], b[:7], axes=1),
        xp.inner(c, xp.reshape(c, (3, 2, 4))), xp.tensordot(d, e, axes=1)],
        F(_I8A), F(_I8B), A((2, 3, 4)), F(_I8C), F(_I8D), dtypes=[np.int8]),
    case("tensordot_zero_length", lambda xp, a: [
        xp.tensordot(xp.zeros(s, a.dtype), xp.zeros(s, a.dtype), axes=ax) for s, ax in (
            ((0, 0), 2), ((0, 0), (1, 0)), ((0, 0, 0), 2), ((0, 0, 0), 3),
            ((0, 0, 0), ([2, 1], [0, 2])), ((0, 0, 0), ([0, 2, 1], [1, 2, 0])))], V(0),
        dtypes=SOME),
    case("matrix_power_table", lambda xp, a, e: [
        xp.linalg.matrix_power(a, n) for n in (0, 1, 2, 3)]
        + [_err(xp.linalg.matrix_power, a * a % 30, n) for n in (-1, -2, -3)]
        + [xp.linalg.matrix_power(e, 1 << 50), xp.linalg.matrix_power(e, 123456789123456789),
           _err(xp.linalg.matrix_power, e, -987654321987654321)],
        A((3, 3)), V(np.eye(23, k=17) + np.eye(23, k=-6)), dtypes=SOME, rtol=1e-4),
    case("matrix_power_batched", lambda xp, a, b: [
        xp.linalg.matrix_power(x + xp.eye(x.shape[-1], dtype=x.dtype), n) for x in (a, b)
        for n in (0, 5, -7)], A((2, 3, 3)), A((3, 0, 0)), dtypes=[np.float32, np.float64],
        rtol=5e-5),
    case("vecdot_table", lambda xp, a, b: [
        xp.vecdot(xp.reshape(a[:int(np.prod(sa))], sa), xp.reshape(b[:int(np.prod(sb))], sb),
                  axis=ax)
        for sa, sb in (((5,), (5,)), ((2, 5), (2, 5)), ((2, 3, 5), (2, 3, 5)), ((2, 5), (5,)),
                       ((5,), (2, 5)), ((2, 3, 5), (3, 5)), ((3, 5), (2, 3, 5)), ((3,), (3,)),
                       ((0,), (0,)), ((2, 1, 3), (4, 3)), ((0, 3), (3,)), ((3, 0), (3, 0)))
        for ax in (-1, 0) if sa[ax] == sb[ax]]
        + [xp.linalg.vecdot(xp.reshape(a[:15], (5, 3)), b[:3]),
           xp.linalg.vecdot(xp.reshape(a[:12], (3, 4)), xp.reshape(b[:12], (3, 4)), axis=0),
           xp.vecdot(a[:8][::2], b[:8][::2]), _err(xp.vecdot, a[:3], b[:4]),
           _err(xp.vecdot, a[0], b[:4])], R((30,)), R((30,), 1), dtypes=SOME, rtol=1e-3,
        atol=1e-3),
    case("solve_table", lambda xp, a: [
        xp.linalg.solve(_rnd(xp, a, sa, 0), _rnd(xp, a, sb, 1))
        for sa, sb in (((4, 4), (4,)), ((5, 5), (5, 2)), ((2, 4, 4), (2, 4)),
                       ((2, 5, 5), (2, 5, 2)), ((2, 3, 2, 2), (2, 3, 2)),
                       ((2, 3, 3, 3), (2, 3, 3, 2)))]
        + [_err(xp.linalg.solve, xp.ones(sa, a.dtype), xp.ones(sb, a.dtype))
           for sa, sb in (((2, 3), (4,)), ((3, 3), (2,)), ((3, 3), (2, 2)), ((3, 3, 4), (3,)),
                          ((2, 3, 3), (3,)))], V(0),
        dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-3, atol=1e-3),
    case("tensorsolve_inv_table", lambda xp, a: [
        xp.linalg.tensorsolve(xp.reshape(_rnd(xp, a, (6, 6), 3) + 3 * xp.eye(6, dtype=a.dtype),
                                         (2, 3, 6)), xp.reshape(a[:6], (2, 3)))]
        + [xp.linalg.tensorinv(xp.reshape(a[:int(np.prod(s))], s) + _eyeish(xp, s, i, a.dtype),
                               ind=i)
           for s, i in (((12, 3, 4), 1), ((3, 8, 24), 2), ((18, 3, 3, 2), 1), ((1, 4, 2, 2), 2),
                        ((3, 4, 2, 3, 2), 2), ((1, 2, 3, 2, 3), 3))]
        + [_err(xp.linalg.tensorinv, xp.ones(s, a.dtype), ind=i)
           for s, i in (((2, 3, 4), 1), ((1, 2, 3, 4), 3), ((12, 3, 4), -1), ((18, 3, 3, 2), 0))],
        R((600,), scale=1), dtypes=[np.float32, np.float64], rtol=2e-3, atol=2e-3),
    case("inv_table", lambda xp, a: [
        xp.linalg.inv(_rnd(xp, a, s, 2) + 3 * xp.eye(s[-1], dtype=a.dtype))
        for s in ((3, 3), (4, 4), (5, 5), (2, 5, 5), (3, 4, 4), (4, 2, 3, 3))]
        + [_err(xp.linalg.inv, xp.ones(s, a.dtype)) for s in ((2, 3), (4, 1), (4, 3, 2), (2, 4, 3))]
        + [_err(xp.linalg.inv, xp.asarray(np.array([[1, 2], [2, 4]])).astype(a.dtype)),
           _err(xp.linalg.inv, xp.asarray(np.array([[[1, 2], [2, 4]]])).astype(a.dtype))], V(0),
        dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-3, atol=1e-3),
    case("pinv_table", lambda xp, a: [
        xp.linalg.pinv(xp.reshape(a[:int(np.prod(s))], s), rcond=r)
        for s, r in (((3, 3), 1e-15), ((2, 4), 1e-15), ((3, 2), 1e-15), ((4, 4), 0.3),
                     ((2, 5), 0.5), ((5, 3), 0.6), ((2, 3, 4), 1e-15), ((2, 3, 4, 5), 1e-15))],
        R((120,)), dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-3,
        atol=1e-3),
    case("lstsq_table", lambda xp, a: [
        xp.linalg.lstsq(_rnd(xp, a, (i, j), i + j), _rnd(xp, a, bs, i + j + 37), rcond=r)
        for i, j in ((3, 3), (5, 3), (3, 5)) for bs in ((i, 2), (i,)) for r in (None, 0.5)]
        + [_err(xp.linalg.lstsq, xp.ones(sa, a.dtype), xp.ones(sb, a.dtype), rcond=None)
           for sa, sb in (((4, 3), (3,)), ((3, 3, 3), (2, 2)), ((3, 3, 3), (3, 3)),
                          ((3, 3), (3, 3, 3)), ((2, 2), (10,)), ((3, 3), (2, 2)),
                          ((4, 3), (10, 3, 3)))], V(0),
        dtypes=[np.float32, np.float64, np.complex64, np.complex128], rtol=1e-3, atol=1e-3),
    # fft_tests
    case("fftn_plan_table", lambda xp, a, b: [
        xp.fft.fftn(b[tuple(slice(0, d) for d in sh)], s=s, axes=ax, norm=n)
        for sh, s, ax, n in _FFTN_PLAN]
        + [xp.fft.ifftn(b[tuple(slice(0, d) for d in sh)], s=s, axes=ax, norm=n)
           for sh, s, ax, n in _FFTN_PLAN]
        + [f(a, n=k, norm=n) for f in (xp.fft.fft, xp.fft.ifft) for k in (None, 5, 10, 15)
           for n in (None, "ortho")], R((10,)), R((3, 4, 4)),
        dtypes=[np.complex128], rtol=1e-4, atol=1e-6),
]
BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate row names"


_CPLX_REFUSED = {"complex64": ComplexError, "complex128": ComplexError}
#: rows where gpuad raises on purpose: name -> {dtype: exception} (Tensors only: max, min and
#: ptp of complex Tensors are differentiated for real values only, docs/semantics.md)
REFUSED = {"nanminmax_axes": _CPLX_REFUSED, "nanmin_nan_initial_where": _CPLX_REFUSED,
           "ptp_axes": _CPLX_REFUSED,
           # the Householder reflectors of mode='raw' are not differentiated (MissingRuleError,
           # which says to use 'reduced' or 'complete'); backend arrays are compared
           "qr_raw": {"float32": MissingRuleError, "float64": MissingRuleError}}


@pytest.mark.parametrize("name", list(BY_NAME))
def test_gap_row(backend, name):
    problems = run_case(BY_NAME[name], REFUSED.get(name))
    assert not problems, "\n".join(problems[:20])


# ---- tests beyond the rows ------------------------------------------------------------------

def _tensor(a, rg=None):
    rg = a.dtype.kind in "fc" if rg is None else rg
    return ad.Tensor(ad.get_backend().asarray(a), requires_grad=rg)


@pytest.mark.parametrize("shapes", _BCAST_SHAPES + _BCAST_BAD, ids=str)
def test_broadcast_object(backend, shapes):
    """``broadcast(*arrays)``: NumPy's object gives shape, size, nd/ndim; gpuad has none and
    says to use ``broadcast_shapes``, which must agree with it (or refuse as it does)."""
    arrays = [np.zeros(s) for s in shapes]
    try:
        b = np.broadcast(*arrays)
        want = (b.shape, b.size, b.ndim)
    except ValueError:
        want = None
    with pytest.raises(AttributeError, match="broadcast"):
        gnp.broadcast(*[_tensor(a) for a in arrays])
    if want is None:
        with pytest.raises(ValueError):
            gnp.broadcast_shapes(*shapes)
        return
    s = gnp.broadcast_shapes(*shapes)
    assert (tuple(s), int(np.prod(s)), len(s)) == want


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), (0,), (0, 2), (3, 0), ()], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.int8, np.complex64])
def test_iteration(backend, shape, dtype):
    """``list(x)`` and ``len(x)`` on Tensors and backend arrays as on NumPy arrays; a 0-d
    one refuses both with TypeError."""
    a = np.arange(1, int(np.prod(shape)) + 1).astype(dtype).reshape(shape)
    for x in (_tensor(a), _tensor(a, False), ad.get_backend().asarray(a)):
        if a.ndim == 0:
            with pytest.raises(TypeError):
                len(x)
            with pytest.raises(TypeError):
                list(x)
            continue
        assert len(x) == len(a)
        got = list(x)
        assert len(got) == len(list(a))
        for g, w in zip(got, list(a), strict=True):
            g = g.numpy() if isinstance(g, ad.Tensor) else ad.get_backend().to_host(g)
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", ALL)
def test_count_nonzero_is_int(backend, dtype):
    """CuPy's count_nonzero returns an int (NumPy's a NumPy integer); gpuad's is a 0-d integer
    array of the same value (no host read on the GPU), which ``int()``, ``range`` and
    comparisons take as they take NumPy's."""
    rs = np.random.RandomState(0)
    a = (rs.rand(2, 3) * 10 * rs.randint(0, 2, (2, 3))).astype(dtype)
    for x, want in ((a, np.count_nonzero(a)), (np.array(1, dtype), 1)):
        for g in (gnp.count_nonzero(_tensor(x)), gnp.count_nonzero(ad.get_backend().asarray(x))):
            assert np.asarray(ad.get_backend().to_host(g)).shape == ()
            assert int(g) == want and len(range(g)) == want and g == want


@pytest.mark.parametrize("shape", [(10,), (2, 3, 3)], ids=str)
def test_argsort_keeps_input(backend, shape):
    """argsort (function and method) leaves its input as it was."""
    a = np.random.RandomState(0).rand(*shape)
    for x in (_tensor(a), ad.get_backend().asarray(a.copy())):
        before = np.array(ad.get_backend().to_host(x.detach() if isinstance(x, ad.Tensor) else x))
        gnp.argsort(x)
        x.argsort()
        after = ad.get_backend().to_host(x.detach() if isinstance(x, ad.Tensor) else x)
        np.testing.assert_array_equal(after, before)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # (NumPy's matrix)
def test_r_matrix_refused(backend):
    """r_['r', ...] (NumPy: a numpy.matrix) raises NotImplementedError saying what to use."""
    assert type(np.r_["r", [1, 2, 3], [4, 5, 6]]).__name__ == "matrix"
    with pytest.raises(NotImplementedError, match="2-D arrays"):
        gnp.r_["r", [1, 2, 3], [4, 5, 6]]


def test_flat_on_a_tensor(backend):
    """A Tensor's .flat is NumPy's flat iterator: reads and writes by flat position (scalars,
    1-d and n-d values of other dtypes repeated as NumPy repeats them), IndexError out of
    range; the writes are recorded (tests/conformance/test_numpy_gaps2.py checks gradients)."""
    a = np.arange(24.0).reshape(2, 3, 4)
    t = _tensor(a)
    np.testing.assert_array_equal(t.flat[2:10:3].numpy(), a.flat[2:10:3])
    np.testing.assert_array_equal(t.flat[[1, 5]].numpy(), a.flat[[1, 5]])
    for idx, v in ((slice(None, None, 2), 3.0), (slice(1, 7), np.arange(3)),
                   (slice(None), np.arange(6).reshape(2, 3).astype(np.int32)), (5, 9)):
        want = a.copy()
        want.flat[idx] = v
        y = t * 1.0
        y.flat[idx] = v
        np.testing.assert_array_equal(y.numpy(), want)
    for idx in (24, -25):
        with pytest.raises(IndexError):
            t.flat[idx]
        with pytest.raises(IndexError):
            y.flat[idx] = 1.0


def _host_of(x):
    if isinstance(x, ad.Tensor):
        return x.detach().numpy()
    return ad.get_backend().to_host(x)


_COPY_CASES = {
    "array": lambda xp, a: xp.array(a),
    "array_copy_none": lambda xp, a: xp.array(a, copy=None),
    "array_copy_false": lambda xp, a: xp.array(a, copy=False),
    "array_copy_true": lambda xp, a: xp.array(a, copy=True),
    "array_ndmin3_copy_none": lambda xp, a: xp.array(a, copy=None, ndmin=3),
    "array_ndmin3_copy_false": lambda xp, a: xp.array(a, copy=False, ndmin=3),
    "array_ndmin3_copy_true": lambda xp, a: xp.array(a, copy=True, ndmin=3),
    "array_copy_false_order_c": lambda xp, a: xp.array(a, copy=False, order="C"),
    "asarray": lambda xp, a: xp.asarray(a),
    "asarray_order_c": lambda xp, a: xp.asarray(a, order="C"),
    "copy": lambda xp, a: xp.copy(a),
    "array_of_list_copy_false": lambda xp, a: xp.array([a[0], a[1]], copy=False),
    "array_of_list_copy_none": lambda xp, a: xp.array([a[0], a[1]], copy=None),
}


@pytest.mark.parametrize("name", list(_COPY_CASES))
def test_array_copy_semantics(backend, name):
    """array/asarray/copy: whether the result shares the input's data (a later write into the
    input shows in it) and that the input keeps its shape, as NumPy, for a recorded Tensor
    and a backend array; copy=False where a copy is needed raises ValueError in both."""
    f = _COPY_CASES[name]
    want = np.arange(6.0).reshape(2, 3)
    try:
        r = f(np, want)
        want_err = None
    except ValueError as e:
        want_err = e
    if want_err is None:
        want_shares = np.shares_memory(r, want)
    leaf = ad.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for a in (leaf * 1, ad.get_backend().asarray(np.arange(6.0).reshape(2, 3))):
        if want_err is not None:
            with pytest.raises(ValueError):
                f(gnp, a)
            continue
        b = f(gnp, a)
        assert tuple(a.shape) == (2, 3)
        before = np.array(_host_of(b))
        a[...] = -1
        after = np.array(_host_of(b))
        shares = not np.array_equal(before, after)
        assert shares == want_shares, (name, type(a).__name__)


def _setitem(p, i, v):
    p[i] = v
    return p


_POLY_OPS = {
    "init": lambda m, a: m.poly1d(a),
    "init_variable": lambda m, a: m.poly1d(a, variable="y"),
    "init_list": lambda m, a: m.poly1d([1, 2, 3, 4], variable="y"),
    "from_numpy_poly1d": lambda m, a: m.poly1d(np.poly1d(np.arange(1, 6), variable="z")),
    "from_own_poly1d": lambda m, a: m.poly1d(m.poly1d(a, variable="z"), variable="y"),
    "zero_dim": lambda m, a: m.poly1d(a[0]),
    "zero_size": lambda m, a: m.poly1d(a[:0]),
    "leading_zeros": lambda m, a: m.poly1d(a * 0 + np.array([0, 0, 1, 2, 3], a.dtype)),
    "neg": lambda m, a: -m.poly1d(a),
    "order": lambda m, a: m.poly1d(a).order,
    "order_leading_zeros": lambda m, a: m.poly1d(a[:1] * 0 + np.array([0, 0, 1, 2, 3, 0])).order,
    "getitem": lambda m, a: [m.poly1d(a)[i] for i in (-1, 2, 4, 100)],
    "setitem": lambda m, a: _setitem(m.poly1d(a), 100, 20),
    "setitem_leading_zeros": lambda m, a: _setitem(
        m.poly1d(np.array([0, 0, 0, 2, 3, 0], a.dtype)), 1, 10),
    "setitem_neg": lambda m, a: _err(_setitem, m.poly1d(a), -1, 20),
    "repr": lambda m, a: repr(m.poly1d(a)),
    "str": lambda m, a: str(m.poly1d(a)),
    "mul_scalar": lambda m, a: m.poly1d(a) * 10,
    "div_scalar": lambda m, a: m.poly1d(a) / 10,
    "add_scalar": lambda m, a: [5 + m.poly1d(a), m.poly1d(a) + a.dtype.type(10),
                                m.poly1d(a) + 10],
    "add_array": lambda m, a: m.poly1d(a) + a,
    "add_poly1d": lambda m, a: m.poly1d(a, variable="z") + m.poly1d(a[:2]),
    "eq_ne": lambda m, a: [m.poly1d(a) == m.poly1d(a * 0), m.poly1d(a) == m.poly1d(a),
                           m.poly1d(a) != m.poly1d(a * 0), m.poly1d(a) != m.poly1d(a)],
    "polyadd_poly1d": lambda m, a: m.polyadd(m.poly1d(a, variable="z"),
                                             m.poly1d(a[:3], variable="y")),
    "polysub_mul_div_poly1d": lambda m, a: [
        m.polysub(m.poly1d(a), a[:2]), m.polymul(a[:2], m.poly1d(a)),
        m.polydiv(m.poly1d(a), m.poly1d(a[1:3])), m.polyder(m.poly1d(a), 2),
        m.polyint(m.poly1d(a))],
}


def _poly_view(x):
    if isinstance(x, np.poly1d):
        c = x.coeffs
        c = c.numpy() if isinstance(c, ad.Tensor) else np.asarray(ad.get_backend().to_host(c))
        return ("poly1d", x.variable, c.dtype, c.tolist())
    if isinstance(x, (list, tuple)):
        return [_poly_view(v) for v in x]
    if isinstance(x, (bool, np.bool_)):  # (NumPy's == of two poly1d: a bool or np.bool_)
        return bool(x)
    if isinstance(x, ad.Tensor):
        x = x.numpy()
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        x = np.asarray(ad.get_backend().to_host(x))
        return ("array", x.dtype, x.tolist())
    return x if isinstance(x, str) else complex(x)


@pytest.mark.parametrize("op", list(_POLY_OPS))
@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.float32, np.float64, np.complex128])
def test_poly1d_as_numpy(backend, op, dtype):
    """gnp.poly1d (on Tensor and backend-array coefficients) as numpy.poly1d: coefficients,
    dtype, variable, order, indexing, writes, repr/str, arithmetic, equality, and the poly*
    functions, which give a poly1d back for a poly1d."""
    f = _POLY_OPS[op]
    a = np.arange(1, 6).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _poly_view(f(np, a))
        for x in (ad.Tensor(a), ad.get_backend().asarray(a)):
            assert _poly_view(f(gnp, x)) == want, (op, type(x).__name__)


def test_linalg_namespace(backend):
    """gpuad.numpy.linalg has the array API's matmul, outer, tensordot, matrix_transpose and
    vecdot (CuPy checks its tensordot is the top-level one): each gives the top-level
    function's result."""
    a, b = np.random.RandomState(0).rand(3, 4), np.random.RandomState(1).rand(4, 5)
    x, y = _tensor(a), _tensor(b)
    for name, args, kw in (("matmul", (x, y), {}), ("tensordot", (x, y), {"axes": 1}),
                           ("outer", (x[0], y[0]), {}), ("matrix_transpose", (x,), {}),
                           ("vecdot", (x, x), {})):
        got = getattr(gnp.linalg, name)(*args, **kw).numpy()
        np.testing.assert_allclose(got, getattr(gnp, name)(*args, **kw).numpy(), rtol=1e-12)
        np.testing.assert_allclose(got, getattr(np.linalg, name)(
            *[v.numpy() for v in args], **kw), rtol=1e-12)


def test_fft_in_thread(backend):
    """An FFT run in another thread gives the value it gives in this one."""
    import threading

    a = np.arange(100, dtype=np.complex64).reshape(10, 10)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("r", gnp.fft.fftn(_tensor(a)).numpy()))
    t.start()
    t.join()
    np.testing.assert_allclose(out["r"], np.fft.fftn(a).astype(np.complex64), rtol=1e-4,
                               atol=1e-3)


def test_einsum_sums_unnamed_ellipsis(backend):
    """gpuad's stated behaviour: axes under an ellipsis missing from the output are summed
    (jax.numpy's and torch's einsum), where NumPy raises."""
    x = np.arange(8.0).reshape(2, 2, 2)
    with pytest.raises(ValueError):
        np.einsum("...->", x)
    np.testing.assert_allclose(gnp.einsum("...->", _tensor(x)).numpy(), np.sum(x))
    np.testing.assert_allclose(gnp.einsum("i...->i", _tensor(x)).numpy(), x.sum((1, 2)))


def test_asfortranarray_keeps_layout(backend):
    """gpuad's stated behaviour: asfortranarray returns the values in the layout they had, so
    ravel('A') and ravel('K') of its result read C order (NumPy: Fortran order); order='F'
    reads Fortran order as NumPy does."""
    a = np.arange(24.0).reshape(2, 3, 4)
    for x in (_tensor(a), ad.get_backend().asarray(a)):
        f = gnp.asfortranarray(x)
        for order, want in (("A", a.ravel("C")), ("K", a.ravel("C")), ("F", a.ravel("F"))):
            got = gnp.ravel(f, order)
            got = got.numpy() if isinstance(got, ad.Tensor) else ad.get_backend().to_host(got)
            np.testing.assert_array_equal(got, want)
    assert not np.array_equal(np.ravel(np.asfortranarray(a), "A"), a.ravel("C"))


_PART = [((10,), 2, -1), ((10, 10, 10), 2, -1), ((10,), (2, 4), -1), ((10,), -3, -1),
         ((10, 10, 10), 2, 0), ((2, 2), 2, None), ((3, 3, 10), 2, -1)]


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float16, np.float32,
                                   np.float64])
@pytest.mark.parametrize("method", [False, True])
def test_partition_property(backend, dtype, method):
    """partition and argpartition as CuPy checks them (the element at each kth is NumPy's, those
    before are no larger and those after no smaller), on Tensors and backend arrays, as
    functions and as methods, with sequences of kth, negative kth, axis 0, -1 and None."""
    rs = np.random.RandomState(0)
    for shape, kth, axis in _PART:
        a = (rs.rand(*shape) * 100).astype(dtype)
        flat = a.ravel() if axis is None else a
        ax = -1 if axis is None else axis
        ks = kth if isinstance(kth, tuple) else (kth,)
        want_p = np.partition(a, kth, axis=axis)
        for x in (_tensor(a), ad.get_backend().asarray(a)):
            if method and axis is not None:  # NumPy's in-place method (on a recorded copy)
                p = x * 1
                i = p.argpartition(kth, axis=axis)
                assert p.partition(kth, axis=axis) is None
            else:
                p = gnp.partition(x, kth, axis=axis)
                i = gnp.argpartition(x, kth, axis=axis)
            p = np.asarray(p.numpy() if isinstance(p, ad.Tensor) else ad.get_backend().to_host(p))
            i = np.asarray(i.numpy() if isinstance(i, ad.Tensor) else ad.get_backend().to_host(i))
            assert p.dtype == want_p.dtype and p.shape == want_p.shape
            assert i.dtype == np.intp
            taken = np.take_along_axis(flat, i, axis=ax)
            for k in ks:
                kk = k % flat.shape[ax]
                np.testing.assert_array_equal(np.take(p, kk, axis=ax), np.take(want_p, kk, axis=ax))
                np.testing.assert_array_equal(np.take(taken, kk, axis=ax),
                                              np.take(want_p, kk, axis=ax))
                pivot = np.take(p, [kk], axis=ax)
                assert (np.take(p, range(kk), axis=ax) <= pivot).all()
                assert (np.take(p, range(kk + 1, flat.shape[ax]), axis=ax) >= pivot).all()


_X = np.random.default_rng(3)
_MASK23 = np.array([[True, False, True], [True, True, False]])
GRADS = {
    "append": (lambda a, b: gnp.append(a, b), _X.standard_normal((3, 4)), _X.standard_normal(5)),
    "resize": (lambda a: gnp.resize(a, (4, 5)), _X.standard_normal((2, 3))),
    "trim_zeros": (lambda a: gnp.trim_zeros(a * gnp.asarray(np.array([0, 1.0, 1, 0]))),
                   _X.standard_normal(4)),
    "copyto_where": (lambda a, b: _copyto(a, b), _X.standard_normal((2, 3, 4)),
                     _X.standard_normal((1, 2, 1, 4))),
    "r_c_": (lambda a, b: gnp.r_[a, 0.5, b[0]] * gnp.c_[a, b[1]].sum(), _X.standard_normal(3),
             _X.standard_normal((2, 3))),
    "block": (lambda a, b: gnp.block([[a, b], [b[:, :2], b]]), _X.standard_normal((2, 2)),
              _X.standard_normal((2, 3))),
    "atleast_3d": (lambda a: gnp.atleast_3d(a)[0] * 2, _X.standard_normal((2, 3))),
    "expand_dims": (lambda a: gnp.expand_dims(a, (0, -3, -5)), _X.standard_normal((2, 2, 2))),
    "squeeze": (lambda a: a.squeeze(axis=(4, 2)), _X.standard_normal((1, 2, 1, 3, 1, 1, 4, 1))),
    "broadcast_arrays": (lambda a, b: gnp.broadcast_arrays(a, b)[0] * gnp.broadcast_arrays(a, b)[1],
                         _X.standard_normal((2, 1, 3, 4)), _X.standard_normal((3, 1, 4))),
    "column_stack": (lambda a, b: gnp.column_stack((a, b, a)), _X.standard_normal((4, 3)),
                     _X.standard_normal(4)),
    "concatenate_many": (lambda a, b: gnp.concatenate((a, b) * 5, axis=-1),
                         _X.standard_normal((2, 3, 1)), _X.standard_normal((2, 3, 2))),
    "dstack": (lambda a, b: gnp.dstack((a, b)), _X.standard_normal((1, 3, 2)),
               _X.standard_normal(3)),
    "unstack": (lambda a: gnp.unstack(a, axis=-2)[1] * gnp.unstack(a, axis=1)[2],
                _X.standard_normal((2, 3, 4))),
    "reshape_F": (lambda a: gnp.reshape(gnp.transpose(a, (2, 0, 1)), (2, 3, 4), order="F"),
                  _X.standard_normal((2, 3, 4))),
    "ravel_K": (lambda a: gnp.ravel(gnp.transpose(a, (0, 2, 1))[:, ::-2], order="F"),
                _X.standard_normal((2, 3, 4))),
    "array_split": (lambda a: gnp.array_split(a, [4, 2])[0][:2] + gnp.array_split(a, 4, -1)[0],
                    _X.standard_normal((5,))),
    "split": (lambda a: gnp.split(a, (-9, 4, -2), 1)[1], _X.standard_normal((3, 11))),
    "repeat": (lambda a: gnp.repeat(a, [1, 2, 3], -2), _X.standard_normal((2, 3, 4))),
    "moveaxis": (lambda a: gnp.moveaxis(a, [0, 2, 1], [3, 4, 0]),
                 _X.standard_normal((2, 3, 4, 1, 2))),
    "where_bcast": (lambda x, y: gnp.where(gnp.asarray(np.arange(4) % 2 == 0), x, y),
                    _X.standard_normal((2, 3, 4)), _X.standard_normal((3, 4))),
    "sort_axis": (lambda a: gnp.sort(a, axis=-2), _X.standard_normal((2, 3, 3))),
    "partition": (lambda a: gnp.partition(a, (2, 4)), _X.standard_normal(10)),
    "partition_none": (lambda a: gnp.partition(a, 2, axis=None), _X.standard_normal((2, 2))),
    # statistics
    "cov_weights": (lambda a: gnp.cov(a, fweights=np.array([1, 4, 1]),
                                      aweights=np.array([1.0, 4.0, 1.0])),
                    _X.standard_normal((2, 3))),
    "correlate_strided": (lambda a, b: gnp.correlate(a[::3], b[1::2], mode="same"),
                          _X.standard_normal(30), _X.standard_normal(11)),
    "nanmean_var_where": (lambda a: gnp.nanvar(gnp.where(gnp.asarray(_MASK23), a, np.nan),
                                               axis=1)
                          + gnp.nanmean(a, axis=0, where=gnp.asarray(_WHERE[0, :2, :3])).sum(),
                          _X.standard_normal((2, 3))),
    "nansum_prod_initial": (lambda a: gnp.nanprod(a, axis=1, where=gnp.asarray(_WHERE[0]),
                                                  initial=2.0)
                            + gnp.nansum(a, initial=10), _X.standard_normal((3, 4))),
    "quantile_methods": (lambda a: gnp.stack([gnp.quantile(a, [0.1, 0.5, 0.95], axis=-1,
                                                           method=m)
                                              for m in ("linear", "midpoint", "hazen")]),
                         _X.standard_normal((3, 7))),
    "average_returned": (lambda a, w: gnp.stack(gnp.average(a, 1, w, returned=True)),
                         _X.standard_normal((2, 3)), _X.random((2, 3)) + 0.5),
    "median_axes": (lambda a: gnp.median(a, axis=(0, -1), keepdims=True),
                    _X.standard_normal((3, 4, 5))),
    "ptp": (lambda a: gnp.ptp(a, axis=1), _X.standard_normal((3, 4))),
    # creation, padding, lib
    "linspace_arrays": (lambda s, t: gnp.linspace(s, t, num=7, axis=1), _X.standard_normal(2),
                        _X.standard_normal(2)),
    "pad_constant_values": (lambda a, c: gnp.pad(a, ((1, 2), (3, 4)), constant_values=c),
                            _X.standard_normal((2, 3)), _X.standard_normal((2, 2))),
    "insert_slice": (lambda a, v: gnp.insert(a, slice(-1, None, -1), v), _X.standard_normal(3),
                     _X.standard_normal(3)),
    "apply_along_axis": (lambda a: gnp.apply_along_axis(lambda v: v[::-1] * v[1:, None], 1, a),
                         _X.standard_normal((6, 3))),
    "poly1d_arith": (lambda c: (gnp.poly1d(c) * gnp.poly1d(c[:2]) + 3).coeffs,
                     _X.standard_normal(4)),
    # linalg
    "einsum_binary": (lambda a, b: gnp.einsum("i...ij,ji...->...j", a, b),
                      _X.standard_normal((2, 4, 2, 3)), _X.standard_normal((3, 2, 4))),
    "einsum_ternary": (lambda a, b, c: gnp.einsum("i...,i,...i->...i", a, b, c),
                       _X.standard_normal((2, 3, 4)), _X.standard_normal(2),
                       _X.standard_normal((3, 4, 2))),
    "multi_dot_vectors": (lambda v, m, w: gnp.linalg.multi_dot([v, m, w]),
                          _X.standard_normal(4), _X.standard_normal((4, 3)),
                          _X.standard_normal(3)),
    "kron_multidim": (lambda a, b: gnp.kron(a, b), _X.standard_normal((2, 1, 2)),
                      _X.standard_normal((2, 2))),
    "tensordot_list_axes": (lambda a, b: gnp.tensordot(a, b, axes=([2, 0], [0, 2])),
                            _X.standard_normal((3, 2, 2)), _X.standard_normal((2, 3, 3))),
    "matrix_power_neg": (lambda a: gnp.linalg.matrix_power(a + 4 * np.eye(3), -3),
                         _X.standard_normal((3, 3))),
    "tensorinv": (lambda a: gnp.linalg.tensorinv(a + 4 * np.eye(4).reshape(4, 2, 2), ind=1),
                  _X.standard_normal((4, 2, 2))),
    "lstsq_wide": (lambda a, b: gnp.linalg.lstsq(a, b, rcond=None)[0],
                   _X.standard_normal((3, 5)), _X.standard_normal((3, 2))),
    "slogdet_batched": (lambda a: gnp.linalg.slogdet(a + 3 * np.eye(2))[1],
                        _X.standard_normal((2, 2, 2, 2))),
    "vector_matrix_norms": (lambda a: gnp.linalg.vector_norm(a, ord=3, axis=0)
                            + gnp.linalg.matrix_norm(a, ord="nuc"),
                            _X.standard_normal((3, 4))),
    "vecdot_bcast": (lambda a, b: gnp.vecdot(a, b, axis=-1), _X.standard_normal((2, 3, 5)),
                     _X.standard_normal((3, 5))),
}


def _copyto(a, b):
    c = a * 1.0
    gnp.copyto(c, b, where=gnp.asarray(np.arange(12).reshape(3, 4) % 2 == 0))
    return c


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients(backend, name):
    """Forward and reverse mode, to second order, against float64 central differences."""
    f, *args = GRADS[name]
    check_grads(f, tuple(args), order=2)


# ---- the map ------------------------------------------------------------------------------

def test_every_gap_has_a_mapping():
    names = [(c, n) for c, n, _ in GAPS]
    assert len(names) == len(set(names)), [x for x in names if names.count(x) > 1][:5]
    per_file: dict[str, int] = {}
    for c, _, _ in GAPS:
        per_file[c.split("::")[0]] = per_file.get(c.split("::")[0], 0) + 1
    assert per_file == {f: n for f, (_, n) in UPSTREAM.items()}
    assert len(GAPS) == sum(n for _, n in UPSTREAM.values())
    here_dir = Path(__file__).parent
    texts: dict[str, str] = {}
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        if where.startswith("differs:"):
            assert "here:" in where, (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                assert fn == "test_gap_row" and param in BY_NAME, (name, param)
        for path, fn, param in re.findall(r"covered: ([\w/.]+\.py)::(\w+)(?:\[(\w+)\])?", where):
            text = texts.setdefault(path, (here_dir / path).read_text())
            assert f"def {fn}(" in text, (name, path, fn)
            if param:
                assert f'"{param}"' in text, (name, path, param)
