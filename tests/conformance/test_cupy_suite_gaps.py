"""CuPy's array-manipulation and sorting tests mapped method by method onto gpuad.

``GAPS`` lists every test method of every class in CuPy's tests/cupy_tests/manipulation_tests
(test_add_remove, test_basic, test_block, test_dims, test_iter, test_join, test_kind,
test_rearrange, test_shape, test_split, test_tiling, test_transpose) and sorting_tests
(test_count, test_search, test_sort), as stored (the versions read: ``UPSTREAM``), with where
each is checked: "here:" a row or test of this file, "covered:" a test (and row) of an earlier
port (test_cupy_suite_arrays.py, test_cupy_suite_mixed.py: their docstrings name the CuPy files
they follow), "differs:" where gpuad deliberately follows NumPy rather than CuPy (with the row
that checks gpuad's behaviour), or "n/a:" with the reason (devices, memory layout, functions
NumPy 2 removed).

The rows run through the harness of the earlier ports (tests/conformance/_cupy_suite.py):
each function of ``xp`` runs on NumPy (the reference) and on gpuad.numpy over CuPy's dtypes,
on backend arrays and on Tensors (recorded for float and complex dtypes), and must agree in
container, dtype, shape and values, or raise the same class of exception. A row that gathers
one of CuPy's parameter tables returns a list (one result per parameter); a table of refusals
returns the exception family each call raises (``_err``). ``test_gradients`` differentiates
the float functions these rows reach, forward and reverse, against central differences.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conformance._cupy_suite import (
    ALL,
    COMPLEX,
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
# dtype subsets that keep the file fast: one of each kind CuPy's products cover
SOME = [np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float32, np.float64,
        np.complex64, np.complex128]
SOME_REAL = [d for d in SOME if d not in COMPLEX]
SOME_NUM = [d for d in SOME_REAL if d is not np.bool_]

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
]
BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate row names"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_gap_row(backend, name):
    problems = run_case(BY_NAME[name])
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
GRADS = {
    "append": (lambda a, b: gnp.append(a, b), _X.standard_normal((3, 4)), _X.standard_normal(5)),
    "resize": (lambda a: gnp.resize(a, (4, 5)), _X.standard_normal((2, 3))),
    "trim_zeros": (lambda a: gnp.trim_zeros(a * gnp.asarray(np.array([0, 1.0, 1, 0]))),
                   _X.standard_normal(4)),
    "copyto_where": (lambda a, b: _copyto(a, b), _X.standard_normal((2, 3, 4)),
                     _X.standard_normal((1, 2, 1, 4))),
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
