"""The rest of PyTorch's tensor tests (pytorch/pytorch ``test/test_view_ops.py``,
``test/test_shape_ops.py``, ``test/test_sort_and_select.py``, ``test/test_indexing.py`` and
``test/test_reductions.py``: the classes ``TestViewOps``, ``TestOldViewOps``, ``TestShapeOps``,
``TestSortAndSelect``, ``TestIndexing``, ``NumpyTests`` and ``TestReductions``, their CPU,
float, integer and bool parts) on gpuad's torch-style Tensor methods, run against torch in the
same process.

``GAPS`` maps every test method of those classes to its port: "here:" a case of this file
(``same[...]``: values, dtypes and shapes equal torch's; ``refused[...]``: torch raises, gpuad
raises a clear error; ``test_grads_match_torch[...]``: reverse-mode gradients equal torch's and
forward mode the float64 central difference), "covered:" a file and test (or case) of an earlier
port, "differs:" where gpuad keeps NumPy's meaning of a name or computes where torch refuses
(``numpy_meaning[...]`` checks gpuad gives NumPy's value and torch another;
``gpuad_computes[...]`` and ``raises_only_in_gpuad[...]`` check the stated behaviour), or
"n/a:" why it has no counterpart (devices, out= and storage, quantized and sparse tensors,
TorchScript, tensors of gigabytes). ``test_every_gap_has_a_mapping`` checks every reference.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")

GAPS = (  # (class, torch's test, where its port is or why there is none)
    ('TestViewOps', 'test_conj_self',
     "differs: x.conj() of a real tensor is NumPy's copy, not x itself (docs/porting.md);"
     ' here: numpy_meaning[conj_of_real_is_a_copy]'),
    ('TestViewOps', 'test_view_dtype_new',
     'differs: x.view(dtype) reinterprets no bytes, it raises naming astype; covered: '
     'test_torch_view_ops_suite.py::test_view_as_another_dtype_raises'),
    ('TestViewOps', 'test_view_dtype_upsize_errors',
     'differs: x.view(dtype) reinterprets no bytes, it raises naming astype; covered: '
     'test_torch_view_ops_suite.py::test_view_as_another_dtype_raises'),
    ('TestViewOps', 'test_view_as_complex',
     'covered: test_torch_shape_creation.py::view_as_complex; here: '
     'same[view_as_complex_spelled]'),
    ('TestViewOps', 'test_view_as_real',
     'covered: test_torch_shape_creation.py::view_as_real'),
    ('TestViewOps', 'test_view_tensor_split',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_view_tensor_hsplit',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_view_tensor_vsplit',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_view_tensor_dsplit',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_imag_noncomplex',
     "differs: x.imag of a real tensor is NumPy's zeros (torch raises); here: "
     'numpy_meaning[imag_of_real_is_zeros]'),
    ('TestViewOps', 'test_real_imag_view',
     'covered: test_torch_view_reads.py::test_reads_writes_and_gradients_match_torch'),
    ('TestViewOps', 'test_conj_imag_view',
     'covered: test_torch_view_reads.py::test_copies_refuse_stale_reads_by_name'),
    ('TestViewOps', 'test_conj_view_with_shared_memory',
     'here: same[conj_add_inplace]'),
    ('TestViewOps', 'test_set_real_imag',
     'here: same[set_real_imag]'),
    ('TestViewOps', 'test_diagonal_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_select_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_unbind_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_expand_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_expand_as_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_narrow_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_permute_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_transpose_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_t_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_T_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_unfold_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_squeeze_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_unsqueeze_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_view_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_view_as_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_reshape_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_reshape_as_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_flatten_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_basic_indexing_slice_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_basic_indexing_ellipses_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_basic_indexing_newaxis_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_movedim_view',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_unbind',
     'here: test_grads_match_torch[unbind_partial], test_grads_match_torch[unbind_all]'),
    ('TestViewOps', 'test_transpose_inplace_view',
     'differs: the shape-changing in-place methods refuse a view (docs/porting.md); here:'
     ' raises_only_in_gpuad[inplace_reshape_of_a_view]'),
    ('TestViewOps', 'test_t_inplace_view',
     'differs: the shape-changing in-place methods refuse a view (docs/porting.md); here:'
     ' raises_only_in_gpuad[inplace_reshape_of_a_view]'),
    ('TestViewOps', 'test_squeeze_inplace_view',
     'differs: the shape-changing in-place methods refuse a view (docs/porting.md); here:'
     ' raises_only_in_gpuad[inplace_reshape_of_a_view]'),
    ('TestViewOps', 'test_unsqueeze_inplace_view',
     'differs: the shape-changing in-place methods refuse a view (docs/porting.md); here:'
     ' raises_only_in_gpuad[inplace_reshape_of_a_view]'),
    ('TestViewOps', 'test_as_strided_view',
     "differs: as_strided reads torch's storage, which gpuad's tensors do not expose: "
     'x.as_strided raises AttributeError; here: raises_only_in_gpuad[as_strided]'),
    ('TestViewOps', 'test_as_strided_inplace_view',
     "differs: as_strided reads torch's storage, which gpuad's tensors do not expose: "
     'x.as_strided raises AttributeError; here: raises_only_in_gpuad[as_strided]'),
    ('TestViewOps', 'test_as_strided_gradients',
     "differs: as_strided reads torch's storage, which gpuad's tensors do not expose: "
     'x.as_strided raises AttributeError; here: raises_only_in_gpuad[as_strided]'),
    ('TestViewOps', 'test_contiguous_self',
     'here: same[contiguous_self]'),
    ('TestViewOps', 'test_contiguous_nonview',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_reshape_nonview',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_flatten_nonview',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_advanced_indexing_nonview',
     'covered: '
     'test_torch_view_ops_suite.py::test_writes_through_views_reach_the_base_as_in_torch'),
    ('TestViewOps', 'test_advanced_indexing_assignment',
     'covered: test_torch_indexing_suite.py::test_index_kinds_agree'),
    ('TestViewOps', 'test_chunk_view',
     'n/a: skipped upstream (unittest.skip)'),
    ('TestViewOps', 'test_split_view',
     'n/a: skipped upstream (unittest.skip)'),
    ('TestViewOps', 'test_view_copy',
     'here: test_grads_match_torch[view_copy]'),
    ('TestViewOps', 'test_view_copy_out',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestOldViewOps', 'test_ravel',
     'here: same[ravel]'),
    ('TestOldViewOps', 'test_empty_reshape',
     'here: same[empty_reshape], refused[reshape_0_and_minus_1]'),
    ('TestOldViewOps', 'test_expand',
     'here: same[expand], refused[expand_minus_1_leading], '
     'test_grads_match_torch[expand_broadcast]'),
    ('TestOldViewOps', 'test_view_empty',
     'here: same[view_empty]'),
    ('TestOldViewOps', 'test_reshape',
     'here: same[reshape], refused[reshape_two_minus_1], refused[reshape_0d_to_2], '
     'refused[reshape_empty_to_1], refused[reshape_as_wrong_size]'),
    ('TestOldViewOps', 'test_flatten',
     'here: same[flatten], refused[flatten_out_of_range], '
     'refused[flatten_start_after_end]'),
    ('TestOldViewOps', 'test_narrow',
     'here: same[narrow], test_grads_match_torch[narrow_split_chunk]'),
    ('TestOldViewOps', 'test_narrow_tensor',
     'here: same[narrow_tensor_start], refused[narrow_float_start], '
     'refused[narrow_1d_start]'),
    ('TestOldViewOps', 'test_t',
     'here: same[t_small], refused[t_3d]'),
    ('TestOldViewOps', 'test_split',
     'here: same[split]'),
    ('TestOldViewOps', 'test_chunk',
     'here: same[chunk], refused[chunk_0], refused[chunk_negative]'),
    ('TestOldViewOps', 'test_unsqueeze',
     'here: same[unsqueeze]'),
    ('TestOldViewOps', 'test_big_transpose',
     'here: same[big_transpose]'),
    ('TestOldViewOps', 'test_T',
     'here: same[T]'),
    ('TestOldViewOps', 'test_transposes',
     'here: same[transposes]'),
    ('TestOldViewOps', 'test_transposes_errors',
     'here: refused[mT_1d], refused[mH_1d], refused[adjoint_1d], refused[H_3d]; differs: '
     'x.H of a 1-D tensor is x (torch raises): gpuad_computes[H_of_1d]'),
    ('TestOldViewOps', 'test_python_types',
     "n/a: torch's dtype=float/int/bool aliases (gpuad takes NumPy's dtypes)"),
    ('TestOldViewOps', 'test_resize_as_preserves_strides',
     "n/a: storage, data_ptr, strides and memory formats (gpuad's tensors expose no "
     'storage)'),
    ('TestOldViewOps', 'test_memory_format_resize_as',
     "n/a: storage, data_ptr, strides and memory formats (gpuad's tensors expose no "
     'storage)'),
    ('TestOldViewOps', 'test_memory_format_resize_',
     "n/a: storage, data_ptr, strides and memory formats (gpuad's tensors expose no "
     'storage)'),
    ('TestOldViewOps', 'test_transpose_invalid',
     'here: refused[transpose_out_of_range], refused[swapdims_out_of_range]'),
    ('TestOldViewOps', 'test_transpose_vs_numpy',
     'here: same[transpose_vs_numpy]'),
    ('TestOldViewOps', 'test_atleast',
     'here: same[atleast]'),
    ('TestOldViewOps', 'test_atleast_gradient',
     'here: test_grads_match_torch[atleast]'),
    ('TestOldViewOps', 'test_broadcast_tensors',
     'here: same[broadcast_tensors]'),
    ('TestOldViewOps', 'test_broadcast_shapes',
     'here: same[broadcast_shapes], refused[broadcast_shapes_negative], '
     'refused[broadcast_shapes_mismatch], refused[broadcast_shapes_float]'),
    ('TestOldViewOps', 'test_broadcast_to',
     'here: same[broadcast_to], refused[broadcast_to_bad]'),
    ('TestOldViewOps', 'test_view',
     'here: same[view], refused[view_minus_1_beside_0], refused[view_wrong_size], '
     'refused[view_across_chunks], refused[view_two_minus_1]'),
    ('TestOldViewOps', 'test_reshape_view_semantics',
     "n/a: storage, data_ptr, strides and memory formats (gpuad's tensors expose no "
     'storage)'),
    ('TestOldViewOps', 'test_contiguous',
     "n/a: storage, data_ptr, strides and memory formats (gpuad's tensors expose no "
     'storage)'),
    ('TestOldViewOps', 'test_tensor_split_sections',
     'here: same[tensor_split_vs_numpy]'),
    ('TestOldViewOps', 'test_tensor_split_indices',
     'here: same[tensor_split_vs_numpy]'),
    ('TestOldViewOps', 'test_tensor_split_errors',
     'here: refused[tensor_split_0d], refused[tensor_split_0_sections], '
     'refused[tensor_split_dim], refused[tensor_split_float_tensor], '
     'refused[tensor_split_2d_tensor]'),
    ('TestOldViewOps', 'test_resize_all_dtypes_and_devices',
     'here: same[resize]'),
    ('TestOldViewOps', 'test_resize_as_all_dtypes_and_devices',
     'here: same[resize]'),
    ('TestOldViewOps', 'test_resize_overflow',
     "n/a: storage size overflow checks of torch's allocator"),
    ('TestOldViewOps', 'test_view_all_dtypes_and_devices',
     'here: same[view_all_dtypes]'),
    ('TestOldViewOps', 'test_conj_neg_view_numpy_error',
     "n/a: torch's lazy conjugate and negative bits (gpuad has none)"),
    ('TestOldViewOps', 'test_crow_col_indices',
     'n/a: quantized or sparse tensors (gpuad has neither)'),
    ('TestShapeOps', 'test_unbind',
     'here: same[unbind]'),
    ('TestShapeOps', 'test_tolist',
     'here: same[tolist]'),
    ('TestShapeOps', 'test_movedim_invalid',
     'here: refused[movedim_out_of_range], refused[movedim_lengths], '
     'refused[movedim_repeated_source], refused[movedim_repeated_destination]'),
    ('TestShapeOps', 'test_movedim',
     'here: same[movedim]'),
    ('TestShapeOps', 'test_diag',
     'here: same[diag]'),
    ('TestShapeOps', 'test_diagonal',
     'here: same[diagonal]'),
    ('TestShapeOps', 'test_diagonal_multidim',
     'here: same[diagonal_multidim]'),
    ('TestShapeOps', 'test_trace',
     "here: same[trace]; differs: x.trace() of uint8 is NumPy's uint64 (torch: int64) and"
     " of a 3-D tensor NumPy's sums of diagonals (torch raises): "
     'numpy_meaning[trace_uint8], numpy_meaning[trace_3d]'),
    ('TestShapeOps', 'test_clamp',
     'here: same[clamp]'),
    ('TestShapeOps', 'test_clamp_propagates_nans',
     'here: same[clamp_nans]'),
    ('TestShapeOps', 'test_clamp_scalar_nan_bounds',
     'here: same[clamp_nan_bounds]'),
    ('TestShapeOps', 'test_clamp_raises_arg_errors',
     'here: refused[clamp_no_bounds], refused[clamp__no_bounds]'),
    ('TestShapeOps', 'test_flip',
     'here: same[flip], test_grads_match_torch[flip_rot_movedim]'),
    ('TestShapeOps', 'test_flip_errors',
     'here: refused[flip_repeated], refused[flip_no_dims], refused[flip_out_of_range]'),
    ('TestShapeOps', 'test_flip_numpy',
     'here: same[flip_numpy]'),
    ('TestShapeOps', 'test_flip_large_tensor',
     'n/a: tensors of several GB (64-bit indexing, large-tensor kernels)'),
    ('TestShapeOps', 'test_flip_unsupported_dtype',
     'n/a: quantized or sparse tensors (gpuad has neither)'),
    ('TestShapeOps', 'test_fliplr',
     'here: same[fliplr_flipud]'),
    ('TestShapeOps', 'test_flipud',
     'here: same[fliplr_flipud]'),
    ('TestShapeOps', 'test_fliplr_invalid',
     'here: refused[fliplr_1d], refused[flipud_0d]'),
    ('TestShapeOps', 'test_flipud_invalid',
     'here: refused[fliplr_1d], refused[flipud_0d]'),
    ('TestShapeOps', 'test_rot90',
     'here: same[rot90], refused[rot90_repeated], refused[rot90_one_dim], '
     'refused[rot90_three_dims], refused[rot90_out_of_range]'),
    ('TestShapeOps', 'test_complex_rot90',
     'here: same[complex_rot90]'),
    ('TestShapeOps', 'test_nonzero_no_warning',
     'here: same[nonzero_no_warning]'),
    ('TestShapeOps', 'test_nonzero',
     "here: same[nonzero]; differs: x.nonzero() is NumPy's tuple of index arrays (torch: "
     'an (n, ndim) tensor): numpy_meaning[nonzero_is_numpys_tuple]'),
    ('TestShapeOps', 'test_nonzero_astuple_out',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestShapeOps', 'test_nonzero_discontiguous',
     'here: same[nonzero_discontiguous]'),
    ('TestShapeOps', 'test_nonzero_non_diff',
     'here: same[nonzero_non_diff]'),
    ('TestShapeOps', 'test_sparse_dense_dim',
     'here: same[sparse_dense_dim]'),
    ('TestShapeOps', 'test_unfold_all_devices_and_dtypes',
     'here: same[unfold_empty_and_0d]'),
    ('TestShapeOps', 'test_unfold_scalars',
     'here: same[unfold_empty_and_0d]'),
    ('TestShapeOps', 'test_unfold_errors',
     'here: refused[unfold_negative_size], refused[unfold_negative_step]'),
    ('TestShapeOps', 'test_unfold_backward_errors',
     'n/a: torch.ops.aten.unfold_backward, an internal op'),
    ('TestSortAndSelect', 'test_sort',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[sort_nan_and_ties]'),
    ('TestSortAndSelect', 'test_sort_stable_none',
     'here: same[sort_stable_none]'),
    ('TestSortAndSelect', 'test_sort_large_slice',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestSortAndSelect', 'test_sort_large',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestSortAndSelect', 'test_sort_discontiguous',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestSortAndSelect', 'test_topk_noncontiguous_gpu',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestSortAndSelect', 'test_stable_sort',
     'here: same[stable_sort]'),
    ('TestSortAndSelect', 'test_sort_restride',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestSortAndSelect', 'test_sort_1d_output_discontiguous',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestSortAndSelect', 'test_topk_1d_output_discontiguous',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestSortAndSelect', 'test_sort_discontiguous_slow',
     'here: same[sort_permuted]'),
    ('TestSortAndSelect', 'test_sort_1d_parallel',
     'here: same[sort_1d_parallel]'),
    ('TestSortAndSelect', 'test_stable_sort_against_numpy',
     'here: same[stable_sort_against_numpy]'),
    ('TestSortAndSelect', 'test_msort',
     'here: same[msort]'),
    ('TestSortAndSelect', 'test_sort_expanded_tensor',
     'here: same[sort_expanded]'),
    ('TestSortAndSelect', 'test_topk',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[topk_transposed]'),
    ('TestSortAndSelect', 'test_topk_quantized_scalar_input',
     'n/a: quantized or sparse tensors (gpuad has neither)'),
    ('TestSortAndSelect', 'test_topk_arguments',
     'here: refused[topk_bool_dim]'),
    ('TestSortAndSelect', 'test_unique_dim',
     'covered: test_torch_sort_reduce.py::test_unique_matches_torch; here: '
     'same[unique_dim], same[unique_dim_4d]; differs: NaN rows under dim= sort NaN last '
     "(torch's row sort leaves them where all comparisons are false): "
     'numpy_meaning[unique_dim_with_nan]'),
    ('TestSortAndSelect', 'test_topk_integral',
     'here: same[topk_dtypes]'),
    ('TestSortAndSelect', 'test_topk_lower_precision',
     'here: same[topk_dtypes]'),
    ('TestSortAndSelect', 'test_topk_nonfinite',
     'here: same[topk_nonfinite]'),
    ('TestSortAndSelect', 'test_topk_4d',
     'here: same[topk_4d]'),
    ('TestSortAndSelect', 'test_topk_zero',
     'here: same[topk_zero]'),
    ('TestSortAndSelect', 'test_unique',
     'covered: test_torch_sort_reduce.py::test_unique_matches_torch; here: same[unique]'),
    ('TestSortAndSelect', 'test_unique_consecutive',
     'here: same[unique_consecutive]'),
    ('TestSortAndSelect', 'test_kthvalue',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[kthvalue]'),
    ('TestSortAndSelect', 'test_kthvalue_scalar',
     'here: same[kthvalue_scalar]'),
    ('TestSortAndSelect', 'test_isin',
     'covered: test_torch_sort_reduce.py::test_isin; here: same[isin]'),
    ('TestSortAndSelect', 'test_isin_different_dtypes',
     'here: same[isin_dtypes]'),
    ('TestSortAndSelect', 'test_isin_different_devices',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestSortAndSelect', 'test_sort_overflow',
     'here: same[sort_overflow]'),
    ('TestIndexing', 'test_index',
     'covered: test_torch_indexing_suite.py::test_index; differs: a negative slice step '
     "is NumPy's (torch raises): numpy_meaning[negative_slice_step]"),
    ('TestIndexing', 'test_advancedindex',
     'covered: test_torch_indexing_suite.py::test_advancedindex'),
    ('TestIndexing', 'test_advancedindex_big',
     'here: same[advancedindex_big]'),
    ('TestIndexing', 'test_set_item_to_scalar_tensor',
     'covered: test_torch_indexing_suite.py::test_set_item_to_scalar_tensor'),
    ('TestIndexing', 'test_single_int',
     'here: same[single_and_multiple_int]'),
    ('TestIndexing', 'test_multiple_int',
     'here: same[single_and_multiple_int]'),
    ('TestIndexing', 'test_none',
     'covered: test_torch_indexing_suite.py::test_none'),
    ('TestIndexing', 'test_step',
     'covered: test_torch_indexing_suite.py::test_step'),
    ('TestIndexing', 'test_step_assignment',
     'covered: test_torch_indexing_suite.py::test_step_assignment'),
    ('TestIndexing', 'test_bool_indices',
     'here: same[bool_indices]'),
    ('TestIndexing', 'test_list_indices',
     'here: same[list_of_32_ranges], refused[list_of_31_ranges]'),
    ('TestIndexing', 'test_index_tensor_empty_indices',
     'n/a: torch.ops.aten.index.Tensor, an internal op'),
    ('TestIndexing', 'test_bool_indices_accumulate',
     'covered: test_torch_indexing_suite.py::test_bool_indices_accumulate'),
    ('TestIndexing', 'test_multiple_bool_indices',
     'here: same[multiple_bool_indices]'),
    ('TestIndexing', 'test_multi_dimensional_bool_mask',
     'here: same[multi_dimensional_bool_mask]'),
    ('TestIndexing', 'test_bool_mask_assignment',
     'covered: test_torch_indexing_suite.py::test_bool_mask_assignment'),
    ('TestIndexing', 'test_multi_dimensional_bool_mask_assignment',
     'covered: test_torch_indexing_suite.py::test_multi_dimensional_bool_mask_assignment'),
    ('TestIndexing', 'test_byte_mask',
     "differs: a uint8 index is NumPy's integer index, not torch's deprecated byte mask: "
     'numpy_meaning[uint8_index_is_integers]; covered: '
     'test_torch_indexing_suite.py::test_where_torch_refuses_gpuad_follows_numpy'),
    ('TestIndexing', 'test_byte_mask_accumulate',
     "differs: a uint8 index is NumPy's integer index, not torch's deprecated byte mask: "
     'numpy_meaning[uint8_index_is_integers]; covered: '
     'test_torch_indexing_suite.py::test_where_torch_refuses_gpuad_follows_numpy'),
    ('TestIndexing', 'test_byte_tensor_assignment',
     "differs: a uint8 index is NumPy's integer index, not torch's deprecated byte mask: "
     'numpy_meaning[uint8_index_is_integers]; covered: '
     'test_torch_indexing_suite.py::test_where_torch_refuses_gpuad_follows_numpy'),
    ('TestIndexing', 'test_multiple_byte_mask',
     "differs: uint8 indices are integers (NumPy's): "
     'raises_only_in_gpuad[two_uint8_indices]'),
    ('TestIndexing', 'test_byte_mask2d',
     'here: same[bool_mask2d]'),
    ('TestIndexing', 'test_index_put_accumulate_large_tensor',
     'n/a: tensors of several GB (64-bit indexing, large-tensor kernels)'),
    ('TestIndexing', 'test_index_put_accumulate_expanded_values',
     'covered: test_torch_indexing_suite.py::test_index_put_accumulate_expanded_values'),
    ('TestIndexing', 'test_index_put_large_indices',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_index_put_accumulate_non_contiguous',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_index_put_deterministic_with_optional_tensors',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_index_put_accumulate_duplicate_indices',
     'covered: test_torch_indexing_suite.py::test_index_put_accumulate_duplicate_indices'),
    ('TestIndexing', 'test_index_ind_dtype',
     'covered: test_torch_indexing_suite.py::test_index_ind_dtype'),
    ('TestIndexing', 'test_index_put_accumulate_empty',
     'here: refused[index_put_no_indices]'),
    ('TestIndexing', 'test_jit_indexing',
     'n/a: TorchScript (torch.jit.script/trace)'),
    ('TestIndexing', 'test_int_indices',
     'covered: test_torch_indexing_suite.py::test_int_indices'),
    ('TestIndexing', 'test_index_put_src_datatype',
     'covered: test_torch_indexing_suite.py::test_index_put_src_datatype'),
    ('TestIndexing', 'test_index_src_datatype',
     'covered: test_torch_indexing_suite.py::test_index_src_datatype'),
    ('TestIndexing', 'test_int_indices2d',
     'here: same[int_indices2d]'),
    ('TestIndexing', 'test_int_indices_broadcast',
     'here: same[int_indices2d]'),
    ('TestIndexing', 'test_empty_index',
     'covered: test_torch_indexing_suite.py::test_empty_index'),
    ('TestIndexing', 'test_empty_ndim_index',
     'covered: test_torch_indexing_suite.py::test_empty_ndim_index'),
    ('TestIndexing', 'test_empty_ndim_index_bool',
     "differs: an empty uint8 index is NumPy's integer index (an empty result, torch "
     'raises): gpuad_computes[empty_uint8_index]'),
    ('TestIndexing', 'test_empty_slice',
     'covered: test_torch_indexing_suite.py::test_empty_slice'),
    ('TestIndexing', 'test_index_getitem_copy_bools_slices',
     'here: same[getitem_bools]; differs: a 0-d uint8 index is an integer: '
     'numpy_meaning[uint8_0d_index]'),
    ('TestIndexing', 'test_index_setitem_bools_slices',
     'covered: test_torch_indexing_suite.py::test_index_setitem_bools_slices'),
    ('TestIndexing', 'test_index_scalar_with_bool_mask',
     'here: same[scalar_bool_mask]; differs: a 0-d uint8 index of a 0-d tensor raises in '
     'gpuad (an integer index): raises_only_in_gpuad[uint8_index_of_0d]'),
    ('TestIndexing', 'test_setitem_expansion_error',
     'here: refused[setitem_expansion]'),
    ('TestIndexing', 'test_getitem_scalars',
     'covered: test_torch_indexing_suite.py::test_getitem_scalars'),
    ('TestIndexing', 'test_setitem_scalars',
     'covered: test_torch_indexing_suite.py::test_setitem_scalars'),
    ('TestIndexing', 'test_basic_advanced_combined',
     'covered: test_torch_indexing_suite.py::test_basic_advanced_combined'),
    ('TestIndexing', 'test_int_assignment',
     'covered: test_torch_indexing_suite.py::test_int_assignment'),
    ('TestIndexing', 'test_variable_slicing',
     'covered: '
     'test_torch_indexing_suite.py::test_variable_slicing_and_scalar_tensor_bounds'),
    ('TestIndexing', 'test_ellipsis_tensor',
     'covered: test_torch_indexing_suite.py::test_ellipsis_tensor'),
    ('TestIndexing', 'test_unravel_index_errors',
     'here: refused[unravel_float], refused[unravel_float_shape], '
     'refused[unravel_negative_shape]'),
    ('TestIndexing', 'test_invalid_index',
     'here: refused[string_slice]'),
    ('TestIndexing', 'test_out_of_bound_index',
     'here: refused[out_of_bound_index]'),
    ('TestIndexing', 'test_zero_dim_index',
     'here: refused[zero_dim_index]'),
    ('TestIndexing', 'test_invalid_device',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_cpu_indices',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_gather_take_along_dim_cross_device',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_cuda_broadcast_index_use_deterministic_algorithms',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestIndexing', 'test_take_along_dim',
     'covered: test_torch_indexing_suite.py::test_take_along_dim_and_index_ops; here: '
     'same[take_along_dim], test_grads_match_torch[take_along_and_diagonal]'),
    ('TestIndexing', 'test_take_along_dim_invalid',
     'here: refused[take_along_dim_ndim], refused[take_along_dim_bool], '
     'refused[take_along_dim_float], refused[take_along_dim_dim]; differs: int32 indices '
     'are taken (torch asks for int64): gpuad_computes[take_along_dim_int32]'),
    ('TestIndexing', 'test_index_limits',
     'here: refused[index_int64_min], refused[index_int64_max]'),
    ('TestIndexing', 'test_index_reduce',
     'covered: test_torch_scatter_gather.py::test_index_reduce'),
    ('TestIndexing', 'test_index_copy',
     'covered: test_torch_scatter_gather.py::test_index_copy'),
    ('TestIndexing', 'test_index_copy_scalars',
     'covered: test_torch_scatter_gather.py::test_index_methods_on_0d_and_empty'),
    ('TestIndexing', 'test_errors_index_copy',
     'covered: test_torch_indexing_suite.py::test_errors_index_copy'),
    ('TestIndexing', 'test_index_copy_deterministic',
     'here: same[index_copy_repeated]'),
    ('TestIndexing', 'test_index_add_deterministic',
     'here: same[index_add_repeated]'),
    ('TestIndexing', 'test_index_put_non_accumulate_deterministic',
     'here: same[index_put_last_write]'),
    ('TestIndexing', 'test_index_fill',
     'covered: test_torch_scatter_gather.py::test_index_fill; here: same[index_fill_0d], '
     'refused[index_fill_complex_into_real]'),
    ('TestIndexing', 'test_index_select',
     'covered: test_torch_indexing_suite.py::test_take_along_dim_and_index_ops'),
    ('NumpyTests', 'test_index_no_floats',
     'here: refused[float_index]'),
    ('NumpyTests', 'test_none_index',
     'here: same[none_index]'),
    ('NumpyTests', 'test_empty_tuple_index',
     'here: same[empty_tuple_index]'),
    ('NumpyTests', 'test_empty_fancy_index',
     'covered: test_torch_indexing_suite.py::test_empty_fancy_index'),
    ('NumpyTests', 'test_ellipsis_index',
     'here: same[ellipsis_index]'),
    ('NumpyTests', 'test_single_int_index',
     'here: same[single_int_index], refused[int_index_out_of_bounds]'),
    ('NumpyTests', 'test_single_bool_index',
     'here: same[single_bool_index]'),
    ('NumpyTests', 'test_boolean_shape_mismatch',
     'here: refused[bool_mask_too_short], refused[bool_mask_too_long]; differs: a uint8 '
     '(4, 4) index is integers: gpuad_computes[uint8_index_not_a_mask]'),
    ('NumpyTests', 'test_boolean_indexing_onedim',
     'covered: test_torch_indexing_suite.py::test_boolean_indexing_onedim'),
    ('NumpyTests', 'test_boolean_assignment_value_mismatch',
     'covered: test_torch_indexing_suite.py::test_torch_errors_are_errors'),
    ('NumpyTests', 'test_boolean_indexing_twodim',
     'here: same[boolean_indexing_twodim]'),
    ('NumpyTests', 'test_boolean_indexing_weirdness',
     'here: same[boolean_weirdness], refused[boolean_weirdness_false_list]'),
    ('NumpyTests', 'test_boolean_indexing_weirdness_tensors',
     'here: same[boolean_weirdness], refused[boolean_weirdness_false_list]'),
    ('NumpyTests', 'test_boolean_indexing_alldims',
     'here: same[boolean_alldims]'),
    ('NumpyTests', 'test_boolean_list_indexing',
     'here: same[boolean_list_indexing]'),
    ('NumpyTests', 'test_everything_returns_views',
     'here: same[everything_returns_views]'),
    ('NumpyTests', 'test_broaderrors_indexing',
     'here: refused[broadcast_error_get], refused[broadcast_error_set]'),
    ('NumpyTests', 'test_trivial_fancy_out_of_bounds',
     'here: refused[fancy_out_of_bounds_get], refused[fancy_out_of_bounds_set]'),
    ('NumpyTests', 'test_index_is_larger',
     'covered: test_torch_indexing_suite.py::test_index_is_larger'),
    ('NumpyTests', 'test_broadcast_subspace',
     'covered: test_torch_indexing_suite.py::test_broadcast_subspace'),
    ('NumpyTests', 'test_truncate_leading_1s',
     'covered: test_torch_indexing_suite.py::test_truncate_leading_1s'),
    ('TestReductions', 'test_dim_default',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_default_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_none',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_none_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_single',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_single_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_empty',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_empty_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_multi',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_multi_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_multi_unsorted',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_multi_unsorted_keepdim',
     'here: same[reduction_dims]'),
    ('TestReductions', 'test_dim_multi_duplicate',
     'here: refused[repeated_dim_sum], refused[repeated_dim_mean], '
     'refused[repeated_dim_amax]'),
    ('TestReductions', 'test_dim_multi_unsupported',
     'here: refused[max_of_two_dims]'),
    ('TestReductions', 'test_dim_offbounds',
     'here: refused[reduction_dim_out_of_range]'),
    ('TestReductions', 'test_dim_ndim_limit',
     'here: refused[sixty_five_dims]'),
    ('TestReductions', 'test_dim_reduction_less_than_64',
     'here: refused[sixty_five_dims]'),
    ('TestReductions', 'test_identity',
     'covered: test_torch_sort_reduce.py::test_edges_match_torch_or_raise'),
    ('TestReductions', 'test_empty_tensor_empty_slice',
     'covered: test_torch_sort_reduce.py::test_edges_match_torch_or_raise'),
    ('TestReductions', 'test_empty_tensor_nonempty_slice',
     'covered: test_torch_sort_reduce.py::test_edges_match_torch_or_raise'),
    ('TestReductions', 'test_nan_policy_propagate',
     'covered: test_torch_sort_reduce.py::test_special_values_match_torch'),
    ('TestReductions', 'test_nan_policy_omit',
     'covered: test_torch_sort_reduce.py::test_special_values_match_torch'),
    ('TestReductions', 'test_result_dtype',
     'covered: test_torch_sort_reduce.py::test_dtypes_match_torch_where_torch_computes; '
     'here: same[unsigned_sums_are_int64]'),
    ('TestReductions', 'test_noncontiguous_innermost',
     'here: same[noncontiguous_reductions]'),
    ('TestReductions', 'test_noncontiguous_outermost',
     'here: same[noncontiguous_reductions]'),
    ('TestReductions', 'test_noncontiguous_all',
     'here: same[noncontiguous_reductions]'),
    ('TestReductions', 'test_noncontiguous_transposed',
     'here: same[noncontiguous_reductions]'),
    ('TestReductions', 'test_noncontiguous_expanded',
     'here: same[noncontiguous_reductions]'),
    ('TestReductions', 'test_ref_scalar_input',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[reductions_vs_numpy]'),
    ('TestReductions', 'test_ref_small_input',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[reductions_vs_numpy]'),
    ('TestReductions', 'test_ref_duplicate_values',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[reductions_vs_numpy]'),
    ('TestReductions', 'test_ref_extremal_values',
     'covered: '
     'test_torch_sort_reduce.py::test_smooth_inputs_match_torch_and_central_differences; '
     'here: same[reductions_vs_numpy]'),
    ('TestReductions', 'test_ref_large_input_1D',
     'here: same[large_input_sums]'),
    ('TestReductions', 'test_ref_large_input_2D',
     'here: same[large_input_sums]'),
    ('TestReductions', 'test_ref_large_input_64bit_indexing',
     'n/a: tensors of several GB (64-bit indexing, large-tensor kernels)'),
    ('TestReductions', 'test_reductions_large_half_tensors',
     'n/a: tensors of several GB (64-bit indexing, large-tensor kernels)'),
    ('TestReductions', 'test_reduction_split',
     'n/a: tensors of several GB (64-bit indexing, large-tensor kernels)'),
    ('TestReductions', 'test_var_unbiased',
     "here: same[var_unbiased]; differs: x.var() and x.std() without torch's keywords are"
     " NumPy's (ddof=0, torch: unbiased): numpy_meaning[var_is_numpys]"),
    ('TestReductions', 'test_var_stability',
     'here: same[var_stability]'),
    ('TestReductions', 'test_var_stability2',
     'here: same[var_stability]'),
    ('TestReductions', 'test_sum_dim_reduction_uint8_overflow',
     'here: same[sum_uint8_overflow]'),
    ('TestReductions', 'test_dim_reduction_lastdim',
     'here: same[dim_reduction_lastdim]'),
    ('TestReductions', 'test_logsumexp',
     'here: same[logsumexp]'),
    ('TestReductions', 'test_logsumexp_integral_promotion',
     'here: same[logsumexp]'),
    ('TestReductions', 'test_logsumexp_all_dims',
     'differs: this torch (2.13) refuses dim=None (newer torch reduces every dim, as '
     'gpuad); here: gpuad_computes[logsumexp_dim_none]'),
    ('TestReductions', 'test_logsumexp_dim_none_keepdim',
     'differs: this torch (2.13) refuses dim=None (newer torch reduces every dim, as '
     'gpuad); here: gpuad_computes[logsumexp_dim_none]'),
    ('TestReductions', 'test_logsumexp_structured_kernel_meta',
     'differs: this torch (2.13) refuses dim=None (newer torch reduces every dim, as '
     'gpuad); here: gpuad_computes[logsumexp_dim_none]'),
    ('TestReductions', 'test_logsumexp_edge_cases_dim_none',
     'differs: this torch (2.13) refuses dim=None (newer torch reduces every dim, as '
     'gpuad); here: gpuad_computes[logsumexp_dim_none]'),
    ('TestReductions', 'test_logsumexp_edge_cases_dim_none_complex',
     'differs: this torch (2.13) refuses dim=None (newer torch reduces every dim, as '
     'gpuad); here: gpuad_computes[logsumexp_dim_none]'),
    ('TestReductions', 'test_logsumexp_backward_dim_none',
     'here: test_grads_match_torch[logsumexp_every_dim]'),
    ('TestReductions', 'test_logsumexp_backward_intermediate_shapes',
     'here: test_grads_match_torch[logsumexp_every_dim]'),
    ('TestReductions', 'test_logsumexp_jit_dim_none',
     'n/a: TorchScript (torch.jit.script/trace)'),
    ('TestReductions', 'test_logcumsumexp_complex',
     'covered: test_torch_sort_reduce.py::test_logcumsumexp_of_complex_raises_clearly'),
    ('TestReductions', 'test_sum_parallel',
     'here: same[sum_parallel]'),
    ('TestReductions', 'test_sum_all',
     'here: same[sum_parallel]'),
    ('TestReductions', 'test_max_elementwise',
     'here: same[max_min_elementwise]'),
    ('TestReductions', 'test_min_elementwise',
     'here: same[max_min_elementwise]'),
    ('TestReductions', 'test_all_any',
     "here: same[all_any]; differs: all/any of uint8 are NumPy's bool (torch keeps "
     'uint8): numpy_meaning[all_of_uint8_is_bool]'),
    ('TestReductions', 'test_all_any_with_dim',
     "here: same[all_any]; differs: all/any of uint8 are NumPy's bool (torch keeps "
     'uint8): numpy_meaning[all_of_uint8_is_bool]'),
    ('TestReductions', 'test_all_any_empty',
     "here: same[all_any]; differs: all/any of uint8 are NumPy's bool (torch keeps "
     'uint8): numpy_meaning[all_of_uint8_is_bool]'),
    ('TestReductions', 'test_all_issue117215',
     "here: same[all_any]; differs: all/any of uint8 are NumPy's bool (torch keeps "
     'uint8): numpy_meaning[all_of_uint8_is_bool]'),
    ('TestReductions', 'test_numpy_named_args',
     'here: same[numpy_named_args]'),
    ('TestReductions', 'test_sum_dim',
     'here: same[dim_ops_vs_numpy]'),
    ('TestReductions', 'test_mean_dim',
     'here: same[dim_ops_vs_numpy]'),
    ('TestReductions', 'test_std_dim',
     'here: same[dim_ops_vs_numpy]'),
    ('TestReductions', 'test_var_dim',
     'here: same[dim_ops_vs_numpy]'),
    ('TestReductions', 'test_logsumexp_dim',
     'here: same[dim_ops_vs_numpy]'),
    ('TestReductions', 'test_mean_int_with_optdtype',
     'here: same[mean_int_dtype]'),
    ('TestReductions', 'test_mean_out_is_alias_of_return',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_sum_out',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_prod',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_max_mixed_devices',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_min_mixed_devices',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_minmax_illegal_dtype',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_mode_wrong_dtype',
     'n/a: out= arguments, their strides and storage reuse (gpuad returns new tensors)'),
    ('TestReductions', 'test_sum_integer_upcast',
     'here: same[integer_upcast]'),
    ('TestReductions', 'test_prod_integer_upcast',
     'here: same[integer_upcast]'),
    ('TestReductions', 'test_cumsum_integer_upcast',
     'here: same[integer_upcast]'),
    ('TestReductions', 'test_cumprod_integer_upcast',
     'here: same[integer_upcast]'),
    ('TestReductions', 'test_mode',
     'here: same[mode]'),
    ('TestReductions', 'test_mode_large',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_mode_wrong_device',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_var',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_var_large_input',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_sum_noncontig',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_min_max_nan',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_sum_cpu_device_mismatch',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_reduction_vectorize_along_input_corner',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_reduction_vectorize_along_output',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_argminmax_large_axis',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_histc_min_max_corner_cases_cuda',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_prod_gpu',
     'n/a: device placement (CUDA, XLA, MPS) or device-only kernel paths'),
    ('TestReductions', 'test_mode_boolean',
     'here: same[mode_boolean]'),
    ('TestReductions', 'test_accreal_type',
     'here: same[accreal_type]'),
    ('TestReductions', 'test_var_mean_some_dims',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_std_mean',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_std_mean_all_dims',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_var_mean',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_var_mean_all_dims',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_std_mean_some_dims',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch; here: '
     'same[var_std_mean]'),
    ('TestReductions', 'test_max_with_inf',
     'here: same[minmax_with_inf]'),
    ('TestReductions', 'test_min_with_inf',
     'here: same[minmax_with_inf]'),
    ('TestReductions', 'test_max',
     'here: same[minmax_helper]'),
    ('TestReductions', 'test_min',
     'here: same[minmax_helper]'),
    ('TestReductions', 'test_amin',
     'here: same[minmax_helper]'),
    ('TestReductions', 'test_amax',
     'here: same[minmax_helper]'),
    ('TestReductions', 'test_aminmax',
     'here: same[minmax_helper]'),
    ('TestReductions', 'test_invalid_0dim_aminmax',
     "differs: aminmax of a complex tensor is NumPy's lexicographic order (torch "
     'refuses): gpuad_computes[aminmax_complex]'),
    ('TestReductions', 'test_bincount',
     'here: same[bincount], refused[bincount_negative], refused[bincount_2d], '
     'refused[bincount_float], refused[bincount_minlength], refused[bincount_weights_2d],'
     ' refused[bincount_weights_length]'),
    ('TestReductions', 'test_sum_noncontig_lowp',
     'here: same[lowp]'),
    ('TestReductions', 'test_prod_lowp',
     'here: same[lowp]'),
    ('TestReductions', 'test_histc_lowp',
     'here: same[lowp]'),
    ('TestReductions', 'test_prod_bool',
     'here: same[prod_bool]'),
    ('TestReductions', 'test_bucketization',
     'covered: test_torch_sort_reduce.py::test_searchsorted_bucketize_match_torch'),
    ('TestReductions', 'test_nansum',
     'here: same[nansum], test_grads_match_torch[nansum_masked]'),
    ('TestReductions', 'test_nansum_vs_numpy',
     'here: same[nansum], test_grads_match_torch[nansum_masked]'),
    ('TestReductions', 'test_sum_vs_numpy',
     'here: same[nansum], test_grads_match_torch[nansum_masked]'),
    ('TestReductions', 'test_nansum_out_dtype',
     'here: same[nansum], test_grads_match_torch[nansum_masked]'),
    ('TestReductions', 'test_count_nonzero',
     'here: same[count_nonzero]'),
    ('TestReductions', 'test_nansum_complex',
     "differs: nansum of complex values is computed (torch's CPU kernel refuses): "
     'gpuad_computes[nansum_complex]'),
    ('TestReductions', 'test_argminmax_multiple',
     'here: same[argminmax_multiple]'),
    ('TestReductions', 'test_all_any_vs_numpy',
     'here: same[all_any_vs_numpy]'),
    ('TestReductions', 'test_repeated_dim',
     'here: refused[repeated_dim_sum], refused[repeated_dim_norm]'),
    ('TestReductions', 'test_dim_arg_reduction_scalar',
     'here: same[arg_reduction_scalar]'),
    ('TestReductions', 'test_dim_reduction',
     'here: same[dim_reduction]'),
    ('TestReductions', 'test_nanmean_integral_types',
     'differs: nanmean (and mean) of integers compute a float64 mean (torch refuses): '
     'gpuad_computes[nanmean_int]'),
    ('TestReductions', 'test_dim_reduction_fns',
     'here: same[dim_reduction_fns]'),
    ('TestReductions', 'test_argminmax_axis_with_dim_one',
     'here: same[argminmax_dim_one]'),
    ('TestReductions', 'test_median_real_values',
     'covered: test_torch_sort_reduce.py::test_special_values_match_torch; here: '
     'same[median_values]'),
    ('TestReductions', 'test_median_nan_values',
     'covered: test_torch_sort_reduce.py::test_special_values_match_torch; here: '
     'same[median_values]'),
    ('TestReductions', 'test_median_corner_cases',
     'covered: test_torch_sort_reduce.py::test_median_corner_cases_match_torch'),
    ('TestReductions', 'test_quantile',
     'covered: test_torch_sort_reduce.py::test_quantile_matches_torch'),
    ('TestReductions', 'test_quantile_backward',
     'covered: test_torch_sort_reduce.py::test_quantile_gradients_match_torch'),
    ('TestReductions', 'test_quantile_error',
     'covered: test_torch_sort_reduce.py::test_quantile_errors_as_torch'),
    ('TestReductions', 'test_var_vs_numpy',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_std_vs_numpy',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_var_correction_vs_numpy',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_std_correction_vs_numpy',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_std_mean_correction',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_var_mean_correction',
     'covered: test_torch_sort_reduce.py::test_var_std_corrections_match_torch'),
    ('TestReductions', 'test_warn_invalid_degrees_of_freedom',
     'here: same[degrees_of_freedom]'),
    ('TestReductions', 'test_amin_amax_some_dims',
     'here: same[amin_amax_some_dims]'),
    ('TestReductions', 'test_histc',
     'here: same[histc], refused[histc_negative_bins], refused[histc_inf], '
     'refused[histc_nan], refused[histc_min_above_max]'),
    ('TestReductions', 'test_histc_min_max_errors',
     'here: refused[histc_min_above_max]'),
    ('TestReductions', 'test_histc_min_max_corner_cases',
     'here: same[histc_min_equals_max]'),
    ('TestReductions', 'test_histc_value_corner_cases',
     'here: same[histc_extreme_values]'),
    ('TestReductions', 'test_histogram',
     'here: same[histogram]'),
    ('TestReductions', 'test_histogramdd',
     'covered: test_torch_opinfo.py::histogramdd'),
    ('TestReductions', 'test_histogram_error_handling',
     'here: refused[histogram_int], refused[histogram_negative_bins], '
     'refused[histogram_bins_2d], refused[histogram_weight_shape], '
     'refused[histogram_range_reversed], refused[histogram_nan]'),
    ('TestReductions', 'test_tensor_compare_ops_empty',
     'here: same[compare_ops_empty], refused[amax_empty_dim], refused[max_empty_dim], '
     'refused[argmax_empty_dim], refused[kthvalue_empty_dim], refused[median_empty_dim]'),
    ('TestReductions', 'test_tensor_compare_ops_argmax_argmix_kthvalue_dim_empty',
     'here: same[compare_ops_empty], refused[amax_empty_dim], refused[max_empty_dim], '
     'refused[argmax_empty_dim], refused[kthvalue_empty_dim], refused[median_empty_dim]'),
    ('TestReductions', 'test_tensor_reduce_ops_empty',
     'here: same[reduce_ops_empty]'),
    ('TestReductions', 'test_reduction_empty_any_all',
     'here: same[any_all_empty]'),
    ('TestReductions', 'test_reduce_dtype',
     'here: test_grads_match_torch[sum_dtype], test_grads_match_torch[prod_dtype], '
     'test_grads_match_torch[cumsum_dtype]'),
    ('TestReductions', 'test_reference_masked',
     'covered: test_torch_masked.py::test_matches_torch_masked'),
)


# ---- one program, two libraries ---------------------------------------------------------------
class _Lib:
    """What a case calls: ``L.t(a)`` makes a tensor (float64 unless ``dt``); the rest are the
    free functions torch names and gpuad spells as docs/porting.md says."""

    def __init__(self, is_torch: bool):
        self.torch = is_torch
        if is_torch:
            self.stack, self.isin, self.unravel_index = torch.stack, torch.isin, torch.unravel_index
            self.broadcast_tensors = torch.broadcast_tensors
            self.broadcast_shapes = torch.broadcast_shapes
            self.atleast = (torch.atleast_1d, torch.atleast_2d, torch.atleast_3d)
            self.view_as_complex = torch.view_as_complex
            self.f32, self.f64, self.i64, self.i32, self.u8 = (
                torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8)
        else:
            self.stack, self.isin, self.unravel_index = gnp.stack, gnp.isin, gnp.unravel_index
            self.broadcast_tensors = gnp.broadcast_arrays
            self.broadcast_shapes = gnp.broadcast_shapes
            self.atleast = (gnp.atleast_1d, gnp.atleast_2d, gnp.atleast_3d)
            self.view_as_complex = lambda x: x[..., 0] + 1j * x[..., 1]
            self.f32, self.f64, self.i64, self.i32, self.u8 = (
                np.float32, np.float64, np.int64, np.int32, np.uint8)

    def t(self, a, dt=None):
        a = np.array(a, dtype=dt) if dt is not None else np.array(a)
        if a.dtype.kind == "f" and dt is None:
            a = a.astype(np.float64)
        if self.torch:
            return torch.from_numpy(a)
        return ad.tensor(ad.get_backend().xp.asarray(a))


TL, GL = _Lib(True), _Lib(False)
_rng = np.random.default_rng(11)


def _reseed():
    """The same random data for the torch and the gpuad run of a case."""
    global _rng
    _rng = np.random.default_rng(11)


def R(*shape, dt=np.float64):
    a = _rng.standard_normal(shape)
    return a.astype(dt) if np.dtype(dt).kind != "i" else (a * 5).astype(dt)


def _host(r):
    """A result as nested lists of NumPy arrays and plain Python values."""
    if isinstance(r, torch.Tensor):
        return r.detach().resolve_conj().numpy()
    if isinstance(r, ad.Tensor):
        return to_numpy(r)
    if isinstance(r, tuple) and all(type(e) is int for e in r):  # a shape
        return tuple(r)
    if isinstance(r, tuple | list):
        return [_host(e) for e in r]
    if hasattr(r, "__array__") or hasattr(r, "get"):
        return to_numpy(r)
    return r


def _same(g, t, where=""):
    if isinstance(t, list):
        assert isinstance(g, list) and len(g) == len(t), (where, g, t)
        for i, (a, b) in enumerate(zip(g, t, strict=True)):
            _same(a, b, f"{where}[{i}]")
        return
    if isinstance(t, np.ndarray):
        g = np.asarray(g)
        assert g.shape == t.shape, (where, g.shape, t.shape)
        assert g.dtype == t.dtype, (where, g.dtype, t.dtype)
        tol = {4: 1e-5, 2: 1e-2}.get(t.dtype.itemsize if t.dtype.kind == "f" else 8, 1e-12)
        if t.dtype.kind in "fc":
            np.testing.assert_allclose(g, t, rtol=tol, atol=tol, equal_nan=True, err_msg=where)
        else:
            np.testing.assert_array_equal(g, t, err_msg=where)
        return
    assert type(g) is type(t) or (isinstance(g, int) and isinstance(t, int)), (where, g, t)
    assert g == t, (where, g, t)


# errors without a message worth the name: gpuad raising one of these is a failure
UNCLEAR = (ZeroDivisionError, KeyError, AttributeError, UnboundLocalError, NameError,
           AssertionError, RecursionError)


TORCH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError)


def _raises_clearly(f):
    with pytest.raises(Exception) as e:  # noqa: PT011 (torch's kinds differ; the text counts)
        f()
    assert not isinstance(e.value, UNCLEAR) and len(str(e.value)) > 15, repr(e.value)
    return e.value


# ---- cases: the same call, the same result ------------------------------------------------------
A234, A55, A345 = R(2, 3, 4), R(5, 5), R(3, 4, 5)
I33 = np.arange(9).reshape(3, 3)
ND = R(4, 2, 5, 1, 6, 2, 9, 3)


def _transposed_view(L):  # torch's test_view: only contiguous runs of dims touched
    return L.t(ND).transpose(-1, 2).transpose(-2, 3)


def _nonzero_rows(L, a):
    return a.nonzero(as_tuple=False)


def _set_real_imag(L):
    x = L.t(R(4) + 1j * R(4))
    x.real = L.t(np.arange(4.0))
    x.imag = L.t(np.arange(4.0) * 2)
    return x


def _conj_add(L):
    a = L.t(R(3) + 1j * R(3))
    b = a.conj()
    s = a + b
    a.add_(b)
    return s, a


def _resize(L):
    x = L.t(np.arange(6).reshape(3, 2))
    x.resize_(2, 2)
    y = L.t(np.arange(6.0).reshape(3, 2))
    y.resize_as_(L.t(np.ones((2, 3))))
    return x, y.shape


def _index_repeated(L, kind):
    x = L.t(np.zeros((5, 4, 3)))
    idx = L.t(np.array([3, 0, 3, 1, 4, 4, 0]))
    src = L.t(np.arange(7 * 4 * 3, dtype=np.float64).reshape(7, 4, 3))
    if kind == "add":
        return x.index_add(0, idx, src, alpha=1.5)
    uniq = L.t(np.array([3, 0, 1]))
    return x.index_copy(0, uniq, src[:3])


def _index_put_last(L):
    x = L.t(np.zeros(4))
    return x.index_put((L.t(np.array([1, 2, 1, 3])),), L.t(np.array([5.0, 6, 7, 8])))


def _degrees(L):
    x = L.t(R(10, 20))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x.var(dim=-1, correction=20), x.std(dim=-1, correction=20)


def _reduction_dims(L):
    out = []
    for nd in range(4):
        x = L.t(np.ones((2, 3, 4, 5)[:nd]))
        for kw in ({}, {"keepdim": True}, {"dim": None}, {"dim": None, "keepdim": True}):
            for op in ("sum", "mean", "prod", "amax", "nansum"):
                if op == "prod" and kw or op in ("sum", "mean") and kw == {"keepdim": True}:
                    continue  # (torch refuses these spellings)
                out.append(getattr(x, op)(**kw).shape)
        if nd:
            for d in (0, -1, [0], [nd - 1, 0] if nd > 1 else [0]):
                for k in (False, True):
                    out += [x.sum(dim=d, keepdim=k).shape, x.amax(dim=d, keepdim=k).shape,
                            x.std(dim=d, keepdim=k).shape, x.logsumexp(dim=d, keepdim=k).shape]
    x = L.t(np.ones((2, 3, 4, 5)))
    out += [x.sum(dim=[3, 0, 2]).shape, x.sum(dim=[3, 0, 2], keepdim=True).shape,
            x.sum(dim=[]).shape, x.sum(dim=[], keepdim=True).shape]
    return out


def _compare_empty(L):
    x = L.t(np.zeros((2, 0, 4)))
    out = []
    for d in (2, -1):
        for k in (False, True):
            out += [x.amax(dim=d, keepdim=k), x.amin(dim=d, keepdim=k),
                    x.max(dim=d, keepdim=k)[0], x.min(dim=d, keepdim=k)[1],
                    x.median(dim=d, keepdim=k)[0], x.argmax(dim=d, keepdim=k),
                    x.argmin(dim=d, keepdim=k), x.kthvalue(1, dim=d, keepdim=k)[0]]
    return out


def _reduce_empty(L):
    x = L.t(np.zeros((2, 0, 4)))
    out = []
    for op in ("prod", "sum", "norm", "mean", "var", "std", "logsumexp"):
        f = getattr(x, op)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out += [f(dim=d, keepdim=k) for d in (2, -1, 1, -2) for k in (False, True)]
            if op not in ("logsumexp", "prod", "norm"):
                out.append(f(dim=(0, 1, 2)))
    return out


def _any_all_empty(L):
    x = L.t(np.zeros((2, 0, 4)))
    out = []
    for dt in (np.float64, np.int64, np.bool_, np.complex128):
        xb = x.to(L.t(np.zeros(0, dt)).dtype)
        out += [xb.any(2).shape, xb.any(2, keepdim=True).shape, xb.any(1), xb.any(1, keepdim=True),
                xb.any(), xb.all(2).shape, xb.all(1), xb.all(1, keepdim=True), xb.all()]
    return out


def _minmax_helper(L):
    out = []
    for dt in (np.float64, np.float32, np.int64, np.bool_):
        a = R(5, 5, dt=dt) if dt is not np.bool_ else R(5, 5) > 0
        x = L.t(a, dt)
        for xi in (x, x.t()):
            for d in (0, 1):
                out += [x.amax(dim=d), x.amin(dim=d), xi.max(dim=d), xi.min(dim=d)]
                if dt is not np.bool_:
                    out.append(xi.aminmax(dim=d))
        out += [x[:, 4].amax(), x.max(), x.min()]
    for index in (0, 4, 99):
        y = R(100)
        y[index] = np.nan
        v = L.t(y)
        out += [v.max(dim=0), v.min(dim=0), v.amax(), v.amin(), v.max(), v.aminmax()]
    return out


def _dim_reduction(L):
    out = []
    ex = [[-1, 2, 1], [5, 3, 6]]
    for dt in (np.float64, np.float32, np.int64, np.int32, np.int16, np.int8):
        x = L.t(ex, dt)
        out += [x.sum(dim=0), x.sum(dim=1), x.prod(dim=0), x.prod(dim=1), x.min(dim=0),
                x.amin(dim=0, keepdim=True), x.argmin(dim=1, keepdim=True), x.max(dim=1),
                x.amax(dim=1), x.argmax(dim=0), x[:, :2].amax(dim=(0, 1)),
                x[:, :2].argmax(dim=None)]
        if np.dtype(dt).kind == "f":
            out += [x.mean(dim=0), x.mean(dim=1), x.mean(dim=(0, 1))]
    return out


def _histc(L):
    f = [
        L.t([]).histc(min=0, max=3), L.t([2.0, 5]).histc(), L.t(np.ones(5)).histc(bins=5),
        L.t(np.ones(5)).histc(bins=5, min=2, max=3),
        L.t([2.0, 4, 2, 2, 5, 4]).histc(bins=5, min=1, max=5),
        L.t([1.0, 2, 1]).histc(bins=4, min=0, max=3),
        L.t(np.array([1.0, 2, 1], np.float32)).histc(bins=4, min=0, max=3),
        L.t(np.array(0.0)).histc(bins=1, min=0, max=3),
        L.t([np.inf]).histc(bins=1, min=0, max=3), L.t([1.0, 2.0, np.inf]).histc(bins=4, max=3),
        L.t([1.0, 2.0, np.nan]).histc(bins=4, max=3)]
    for data, kw in ((R(5000), {}), (R(301), {"bins": 10}), (R(201), {"min": 0.1, "max": 1}),
                     (R(100, 3)[:, 2], {}), (R(3, 5, 7, 2), {}),
                     (np.linspace(0, 0.99 - 5.0e-7, 101), {"bins": 20, "min": 0, "max": 0.99})):
        f.append(L.t(data).histc(**kw))
    return f


def _histogram(L):
    out = []
    for shape in ((), (0,), (1,), (1, 5), (3, 5), (2, 3, 5)):
        v = L.t(R(*shape) * 4)
        w = L.t(np.abs(R(*shape)))
        for bins in (1, 4, 9):
            out += [v.histogram(bins), v.histogram(bins, range=(-2.0, 3.0), weight=w,
                                                   density=True)]
        edges = L.t(np.sort(R(5) * 4))
        out += [v.histogram(edges), v.histogram(edges, weight=w)]
    return out


_same_cases = {
    # view ops (TestViewOps, TestOldViewOps)
    "view_as_complex_spelled": lambda L: (L.view_as_complex(L.t(R(3, 2, 2))),
                                          L.view_as_complex(L.t(R(3, 2, 2)).transpose(0, 1))),
    "conj_add_inplace": _conj_add,
    "set_real_imag": _set_real_imag,
    "contiguous_self": lambda L: (lambda x: x.contiguous() is x)(L.t(A55)),
    "ravel": lambda L: (L.t(123.0).ravel(), L.t(np.ones(10))[::2].ravel(), L.t(A55).t().ravel(),
                        L.t(np.zeros((0, 2, 3))).ravel().shape, L.t(R(5, 5, 5, 5)).ravel().shape),
    "empty_reshape": lambda L: L.t(np.zeros((0, 6))).reshape(1, 0, 6, 1, 1).shape,
    "expand": lambda L: (L.t(R(1, 8, 1)).expand(4, 8, 5).shape,
                         L.t(R(1, 8, 1)).expand_as(L.t(R(4, 8, 5))).shape,
                         L.t(np.arange(5.0)).expand(1, 5).expand(2, 2, 5),
                         L.t(R(5, 2, 1, 3))[:, 0].expand(2, 5, 4, 3),
                         L.t(np.arange(5.0)).expand(1, 1, 5),
                         L.t(R(1, 8, 1)).expand(4, -1, 5).shape,
                         L.t(np.zeros(0)).expand((0,)).shape),
    "view_empty": lambda L: (L.t(np.zeros((0, 6))).view(1, 0, 6, 1, 1).shape,
                             L.t(np.zeros(0)).view(-1).shape,
                             L.t(np.zeros(0)).view(10, 3, -1).shape,
                             L.t(np.zeros(0)).view(0, 3, 0, 1).shape),
    "reshape": lambda L: (L.t(A55[:3, :3]).reshape(-1), L.t(A55[:3, :3]).reshape(1, 9, 1),
                          L.t(R(4, 4, 4))[:, 0, :].reshape(-1),
                          L.t(R(4, 4, 4))[:, 0, :].reshape(2, 2, 4),
                          L.t(3.0).reshape(()), L.t(3.0).reshape(-1), L.t([]).reshape(-1),
                          L.t([]).reshape([0]), L.t([]).reshape([0, 1]).shape,
                          L.t([]).reshape([1, -1]).shape,
                          L.t(A55[:3, :3]).reshape_as(L.t(np.ones((1, 9, 1))))),
    "flatten": lambda L: [L.t(123).flatten()] + [
        L.t(R(5, 5, 5, 5)).flatten(a, b).shape
        for a, b in ((0, -1), (0, 2), (0, 1), (1, 2), (2, 3), (-2, -1), (2, 2))],
    "narrow": lambda L: [L.t(I33).narrow(d, s, n) for d, s, n in (
        (0, 0, 1), (0, 0, 2), (0, 1, 1), (0, -1, 1), (0, -2, 2), (0, -3, 3), (-1, -1, 1),
        (-2, -1, 1))],
    "narrow_tensor_start": lambda L: L.t(I33).narrow(0, L.t(np.array(0)), 1),
    "t_small": lambda L: (L.t(2.0).t(), L.t(np.arange(4)).t(), L.t(R(2, 2)).t()),
    "split": lambda L: (L.t(R(7, 4)).split(3, 0), L.t(R(20, 10)).split([5, 5, 10], 0),
                        L.t(R(20, 10)).split([2, 2, 6], 1)),
    "chunk": lambda L: (L.t(R(4, 7)).chunk(3, 1), L.t(R(4, 7)).chunk(2)),
    "unsqueeze": lambda L: (L.t(A234).unsqueeze(1), L.t(A234).clone().unsqueeze_(2),
                            L.t(A234)[:, 1].unsqueeze(1), L.t(A234)[:, 1].clone().unsqueeze_(2)),
    "big_transpose": lambda L: L.t(R(456, 789)).t().contiguous(),
    "T": lambda L: (L.t(A234).T, L.t(np.arange(10.0)).T, L.t(5).T),
    "transposes": lambda L: [getattr(L.t(a), op) if op != "adjoint" else L.t(a).adjoint()
                             for op in ("T", "H", "mT", "mH", "adjoint")
                             for a in (R(2, 3), R(2, 3) + 1j * R(2, 3), np.array(2.5))] + [
        getattr(L.t(a), op) if op != "adjoint" else L.t(a).adjoint()
        for op in ("mT", "mH", "adjoint") for a in (R(2, 3, 4), R(2, 3, 4) + 1j)],
    "transpose_vs_numpy": lambda L: [
        f(L.t(A234), a, b) for f in (lambda x, a, b: x.transpose(a, b),
                                     lambda x, a, b: x.swapdims(a, b),
                                     lambda x, a, b: x.swapaxes(a, b))
        for a, b in ((0, 2), (-1, 0), (1, -2), (0, 0))],
    "atleast": lambda L: [f(L.t(a)) for f in L.atleast
                          for a in (np.array(2.0), R(5), R(5, 6), R(5, 6, 7).T)] + [
        list(f(L.t(2.0), L.t(R(3)), L.t(R(2, 3)))) for f in L.atleast],
    "broadcast_tensors": lambda L: [y.shape for y in L.broadcast_tensors(
        L.t(R(2, 1, 3)), L.t(R(3)), L.t(R(3, 1)))],
    "broadcast_shapes": lambda L: [tuple(L.broadcast_shapes(a, b)) for a in (
        (), (1,), (2,), (1, 1), (3, 1), (3, 2), (4, 1, 1), (4, 3, 2)) for b in (
        (), (1,), (3, 1), (4, 1, 1)) if not (len(a) > 1 and a[-1] == 2 and b == (3, 1)
                                             and a[-2] not in (1, 3))] + [
        tuple(L.broadcast_shapes(1, (5,))), tuple(L.broadcast_shapes(3, (1,))),
        tuple(L.broadcast_shapes(1, (3, 4)))],
    "broadcast_to": lambda L: [L.t(R(*s0)).broadcast_to(s1) for s0, s1 in (
        ((), (1,)), ((1,), (3, 2)), ((2,), (3, 2)), ((3, 1), (4, 3, 2)), ((1, 1), (4, 1, 1)))],
    "view": lambda L: (L.t(R(15)).view_as(L.t(R(3, 5))).shape, L.t(R(15)).view(3, 5).shape,
                       L.t(R(15)).view(-1, 5).shape, L.t(R(15)).view(3, -1).shape,
                       L.t(np.zeros(0)).view(0, 3, 0, 1).view(0).shape,
                       _transposed_view(L).view(8, 1, 3, 3, 3, 4, 1, 3, 5),
                       _transposed_view(L).view(2, 4, 3, 1, 9, 2, 2, 3, 5, 1),
                       _transposed_view(L).view(1, 1, 2, 1, 4, 3, 1, 1, 9, 1, 2, 1, 2, 3, 1, 5,
                                                1, 1),
                       L.t(R(1, 1)).expand(3, 4).view(-1), L.t(R(1, 1)).expand(3, 4).view(6, 2, 1),
                       L.t(R(1, 1)).expand(3, 4).view(1, 6, 2, 1)),
    "tensor_split_vs_numpy": lambda L: [
        L.t(a).tensor_split(s, d) for a in (R(0), R(10), R(10, 0), R(0, 10), R(4, 10), R(12, 3))
        for d in range(-a.ndim, a.ndim)
        for s in (1, 2, 3, 7, 11, (), (0,), (3,), (10,), (-1,), (-10,), (2, -1), (3, 4, 10),
                  (0, -1, 0, 10), (1, 5, 2, 8))] + [
        L.t(R(10)).tensor_split(L.t(np.array(3)), 0),
        L.t(R(4, 10)).tensor_split(L.t(np.array([2, -1])), 1)],
    "resize": _resize,
    "view_all_dtypes": lambda L: [L.t(np.arange(6).reshape(3, 2).astype(dt)).view(6).shape
                                  for dt in (np.float64, np.float32, np.int8, np.bool_,
                                             np.complex128, np.uint8, np.float16)],
    # shape ops (TestShapeOps)
    "unbind": lambda L: [L.t(R(2, 3, 4, 5)).unbind(d) for d in range(4)],
    "tolist": lambda L: ([], L.t([1.0, 2.0, 3.0]).tolist(), L.t([[1, 2], [3, 4]]).tolist(),
                         L.t(np.arange(1, 9).reshape(2, 2, 2)).select(1, 1).tolist()),
    "movedim": lambda L: [L.t(A234).movedim(s, d) for s, d in (
        (0, 2), (-1, 0), (2, -3), ((0, 1), (2, 0)), ((0, -1), (1, 0)), ((0, 1), (0, 1)),
        (1, 1), ((), ()), ((0, 1, 2), (2, 0, 1)))] + [L.t(A234).moveaxis(1, 0)],
    "diag": lambda L: (L.t(R(10, 10)).diag(), L.t(R(10, 10) > 0).diag(), L.t(R(5)).diag(2)),
    "diagonal": lambda L: (L.t(A55).diagonal(), L.t(A55).diagonal(3), L.t(A55).diag(3)),
    "diagonal_multidim": lambda L: [L.t(R(4, 5, 6, 7)).diagonal(*a) for a in (
        (2, 2, 3), (2,), (-2, 1, 2), (0, -2, -1))] + [
        L.t(R(4, 5, 6, 7)).permute(1, 2, 3, 0).diagonal(0, -2, -1)],
    "trace": lambda L: [L.t(a).trace() for a in (
        R(10, 1), R(1, 10), R(20, 30), (R(6, 4) * 9).astype(np.int64),
        (R(4, 6) * 9).astype(np.int32), (R(4, 6) * 9).astype(np.int8), R(4, 6, dt=np.float32))],
    "clamp": lambda L: [f(L.t(a, dt)) for dt in (np.int64, np.float32)
                        for a in [np.linspace(-25, 25, 100)]
                        for f in (lambda x: x.clamp(-10, 10), lambda x: x.clamp(min=-10),
                                  lambda x: x.clamp(max=10), lambda x: x.clip(-10, None),
                                  lambda x: x.clone().clamp_(-10, 10),
                                  lambda x: x.clone().clip_(max=10))],
    "clamp_nans": lambda L: [f(L.t(np.where(np.arange(20) % 3 == 0, np.nan,
                                            np.linspace(-25, 25, 20))))
                             for f in (lambda x: x.clamp(-10, 10), lambda x: x.clamp(min=-10),
                                       lambda x: x.clamp(max=10), lambda x: x.clone().clamp_(-10))],
    "clamp_nan_bounds": lambda L: (L.t(np.ones(3)).clamp(None, float("nan")),
                                   L.t(np.ones(3)).clamp(float("nan"), None)),
    "flip": lambda L: [L.t(np.arange(1, 9).reshape(2, 2, 2)).flip(d) for d in (
        0, 1, 2, (0, 1), (0, 1, 2), (2, 0), -1, (-3, 1))] + [
        L.t(np.arange(1, 9).reshape(2, 2, 2)).transpose(0, 1).flip((0, 1, 2)),
        L.t(np.array([1, 2, 3])).view(3, 1).expand(3, 2).flip(0),
        L.t(np.array([1, 2, 3])).view(3, 1).expand(3, 2).flip(1),
        L.t(np.arange(1, 7).reshape(2, 3)).flip(0), L.t(np.arange(1, 7).reshape(2, 3)).flip(1),
        L.t(R(2, 3, 32, 32))[..., ::2, :].flip(3), L.t([]).flip(0), L.t([]).flip(()),
        L.t(R(3, 2, 1)).flip(()), L.t(np.zeros((3, 0, 2))).flip(1), L.t(2.0).flip(0),
        L.t(R(1)).flip(0), L.t(np.array([True, False])).flip(0)],
    "flip_numpy": lambda L: [L.t(R(5, 6, 7)).flip(d) for n in (1, 2, 3)
                             for d in itertools.combinations(range(3), n)],
    "fliplr_flipud": lambda L: [f(L.t(a)) for f in (lambda x: x.fliplr(), lambda x: x.flipud())
                                for a in (R(5, 6), R(5, 6, 7), (R(5, 6) * 9).astype(np.int64),
                                          R(5, 6) + 1j * R(5, 6))] + [L.t(R(5)).flipud()],
    "rot90": lambda L: [L.t(np.arange(1, 5).reshape(2, 2)).rot90(k, d) for k, d in (
        (0, [0, 1]), (1, [0, 1]), (2, [0, 1]), (3, [0, 1]), (3, [1, 0]), (5, [0, 1]),
        (-1, [0, 1]), (-5, [0, 1]))] + [
        L.t(np.arange(1, 5).reshape(2, 2)).rot90(), L.t(np.arange(1, 9).reshape(2, 2, 2)).rot90(
            1, [1, 2]), L.t(np.arange(1, 9).reshape(2, 2, 2)).rot90(1, [1, -1])],
    "complex_rot90": lambda L: [L.t(R(5, 6, 7) + 1j * R(5, 6, 7)).rot90(k, [0, 1])
                                for k in range(4)],
    "nonzero_no_warning": lambda L: _no_warnings(lambda: L.t(R(2, 2)).nonzero(as_tuple=False)),
    "nonzero": lambda L: [a.nonzero(as_tuple=False) for a in (
        L.t(np.eye(4).reshape(2, 8)), L.t(R(3, 2, 2) > 0), L.t((R(12) > 0).astype(np.int8)),
        L.t((R(1, 12) > 0).astype(np.float32)), L.t(R(5, 5, 5) > 0.5))] + [
        list(L.t(R(3, 2, 2) > 0).nonzero(as_tuple=True)), L.t(2.0).nonzero(as_tuple=False)],
    "nonzero_discontiguous": lambda L: L.t((R(4, 8) > 0).astype(np.int64))[:, ::2].nonzero(
        as_tuple=False),
    "nonzero_non_diff": lambda L: (L.t(R(10)).requires_grad_().nonzero(as_tuple=False)
                                   .requires_grad),
    "sparse_dense_dim": lambda L: [(L.t(R(*s)).sparse_dim(), L.t(R(*s)).dense_dim())
                                   for s in ((), (2,), (2, 3))],
    "unfold_empty_and_0d": lambda L: (L.t(np.zeros((0, 1, 3, 0))).unfold(2, 3, 2).shape,
                                      L.t(np.zeros((0, 1, 3, 0), bool)).unfold(2, 3, 2).shape,
                                      L.t(0.5).unfold(0, 0, 1), L.t(0.5).unfold(0, 0, 2),
                                      L.t(0.5).unfold(0, 1, 1)),
}
SORT_X = np.array([1, 10, 2, 2, 3, 7, 7, 8, 9, 9] * 3)
UX = np.array([[[1., 1.], [0., 1.], [2., 1.], [0., 1.]]] * 2)
X4 = np.array([[[[1, 0, 1, 0, 1, 1], [0, 1, 1, 0, 1, 1]], [[0, 1, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0]]],
               [[[0, 1, 0, 1, 1, 1], [0, 1, 1, 0, 1, 1]],
                [[0, 0, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0]]]])


def _no_warnings(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f()


def _fill_extremes(a, dim, seed):
    r = np.random.default_rng(seed)
    a = np.array(a)
    for v in (np.inf, -np.inf, np.nan):
        idx = r.integers(0, a.shape[dim], 2)
        sl = [slice(None)] * a.ndim
        sl[dim] = idx
        a[tuple(sl)] = v
    return a


def _unique_all(L, f, x):
    return [f(x, return_inverse=i, return_counts=c) for i in (False, True) for c in (False, True)]


_same_cases.update({
    # sort and select (TestSortAndSelect)
    "sort_nan_and_ties": lambda L: [
        L.t(a).sort(dim=-1, descending=d, stable=True) for d in (False, True) for a in (
            np.floor(_rng.random((4, 9)) * 4), np.where(_rng.random((4, 7)) < 0.2, np.nan,
                                                         _rng.random((4, 7))))] + [
        L.t(SORT_X).argsort(dim=0, stable=True), L.t(SORT_X).sort(dim=0, stable=True),
        L.t(np.array([50, 40, 30, 20, 10])).sort(dim=0),
        L.t(np.array([10, 20, 30, 40, 50])).sort(dim=0, descending=True)],
    "sort_stable_none": lambda L: L.t(np.ones(10)).sort(dim=0, stable=None)[0],
    "stable_sort": lambda L: [L.t(np.array([0, 1] * n, dt)).sort(dim=0, stable=True)[1]
                              for n in (100, 1000) for dt in (np.float64, np.int64, np.uint8,
                                                              np.int8, np.float16)],
    "sort_permuted": lambda L: [L.t(R(5, 7, 9)).permute(*p).sort(dim=d) for p in
                                itertools.permutations(range(3)) for d in range(3)],
    "sort_1d_parallel": lambda L: L.t(_rng.integers(-128, 127, 20000).astype(np.int8)).sort(
        dim=0, stable=True)[0],
    "stable_sort_against_numpy": lambda L: [
        L.t(_fill_extremes(R(*s) * 10, d, d)).sort(dim=d, stable=True)[1]
        for s in ((1, 10), (10, 1), (10, 10), (10, 10, 10)) for d in range(len(s))] + [
        L.t(np.array([0, 1] * 1025)).sort(dim=0, stable=True)[1]],
    "msort": lambda L: [L.t(a).msort() for a in (np.array(3.0), R(0), R(20), R(1, 20),
                                                  (R(30, 30) * 9).astype(np.int64), R(10, 20, 30))],
    "sort_expanded": lambda L: (L.t(np.array(1.0)).expand(1, 1, 1).sort(dim=1, stable=True,
                                                                        descending=True),
                                L.t(R(4, 1, 10)).expand(4, 8, 10).sort(dim=1, stable=True,
                                                                       descending=True)),
    "topk_transposed": lambda L: [L.t(R(6, 7, 8)).transpose(a, b).topk(k, dim=d, largest=lg,
                                                                       sorted=True)
                                  for a, b in ((0, 1), (1, 2)) for d in (0, 2) for k in (1, 5)
                                  for lg in (True, False)],
    "unique_dim": lambda L: [L.t(UX, dt).unique(dim=d, return_inverse=i, return_counts=c)
                             for dt in (np.float64, np.int64, np.uint8, np.bool_)
                             for d in range(3) for i in (False, True) for c in (False, True)] + [
        L.t(np.zeros((5, 0))).unique(return_inverse=True, return_counts=True, dim=1),
        L.t(np.array([[0, 1], [0, 1], [0, 1], [1, 2], [1, 2], [3, 4], [0, 1], [0, 1], [3, 4],
                      [1, 2]])).unique_consecutive(return_inverse=True, return_counts=True,
                                                   dim=0),
        L.t(np.array([np.nan, 0, 0, np.nan, np.nan, 1])).unique_consecutive(
            return_inverse=True, return_counts=True, dim=0)],
    "unique_dim_4d": lambda L: [L.t(X4).unique(dim=d) for d in range(4)],
    "topk_dtypes": lambda L: [(lambda x, r: (r[0], x.gather(0, r[1])))(L.t(a), L.t(a).topk(n // 2))
                              for n in (10, 4096) for a in (
        _rng.integers(-128, 128, n).astype(np.int8), _rng.integers(0, 256, n).astype(np.uint8),
        _rng.integers(-2 ** 15, 2 ** 15, n).astype(np.int16),
        _rng.integers(-2 ** 31, 2 ** 31, n).astype(np.int32),
        _rng.permutation(n).astype(np.float16))],
    "topk_nonfinite": lambda L: [L.t(np.array([np.nan, np.inf, 1e4, 0, -1e4, -np.inf], dt)).topk(
        4, largest=lg) for dt in (np.float64, np.float32, np.float16) for lg in (True, False)],
    "topk_4d": lambda L: [L.t(np.ones((2, n, 2, 2)) * np.where(np.arange(n) == 1, 2.0, np.where(
        np.arange(n) == 10, 1.5, 1.0))[None, :, None, None]).topk(2, dim=1) for n in (128, 8192)],
    "topk_zero": lambda L: [L.t(_rng.random((2, 2)) * 9, dt).topk(0, largest=False)
                            for dt in (np.float64, np.int64, np.uint8, np.float16)],
    "unique": lambda L: [u for dt in (np.int64, np.float32, np.uint8, np.int8, np.bool_)
                         for x in [L.t(np.array([1, 2, 3, 2, 8, 5, 2, 3]) % (2 if dt is np.bool_
                                                                            else 9), dt)]
                         for f in (lambda x, **k: x.unique(sorted=True, **k),
                                   lambda x, **k: x.unique(sorted=False, **k))
                         for u in _unique_all(L, f, x) + _unique_all(L, f, x.view(2, 2, 2)) + [
                             f(L.t(np.array(0), dt), return_inverse=True, return_counts=True),
                             f(L.t(np.zeros((0, 0, 3)), dt), return_inverse=True,
                               return_counts=True)]],
    "unique_consecutive": lambda L: [
        u for dt in (np.int64, np.float32, np.uint8, np.bool_)
        for x in [L.t(np.array([1, 2, 2, 2, 5, 5, 2, 2, 3]) % (2 if dt is np.bool_ else 9), dt)]
        for u in _unique_all(L, lambda x, **k: x.unique_consecutive(**k), x) + _unique_all(
            L, lambda x, **k: x.unique_consecutive(**k), x.view(3, 3))],
    "kthvalue": lambda L: [L.t(a).kthvalue(k, dim=d)[0] for a in (R(5, 6, 7), np.where(
        _rng.random((5, 6, 7)) < 0.2, np.nan, R(5, 6, 7))) for k in (1, 3, 6) for d in (1, 2)] + [
        L.t(R(5, 6, 7)).kthvalue(3, dim=2)] + [
        L.t(R(5, 6, 7)).narrow(1, 0, 1).kthvalue(1),
        L.t(np.array([0.0, -1, 1, -2, 2]))[::2].kthvalue(2),
        L.t(np.array((3.0, 5, 4, 1, 1, 5))).kthvalue(3)[0],
        L.t(np.array((3.0, 5, 4, 1, 1, 5))).kthvalue(2)[0]],
    "kthvalue_scalar": lambda L: (L.t(np.array(2.0, np.float32)).kthvalue(1),
                                  L.t(np.array([2.0], np.float32)).kthvalue(1)),
    "isin": lambda L: [L.isin(a, b, assume_unique=u, invert=v) for u in (False, True)
                       for v in (False, True) for a, b in (
        (L.t(np.arange(24).reshape(2, 3, 4)), L.t(np.array([[10, 20, 30], [0, 1, 3]]))),
        (L.t(np.array(3)), L.t(np.array([1, 3]))), (L.t(np.array([5, 7, 1, 2])),
                                                    L.t(np.array([2, 4, 3, 1, 5] * 10))),
        (L.t(np.arange(6).reshape(2, 3)), L.t(np.arange(3, 30))))] + [
        L.isin(L.t(np.array([5, 4, 5, 3, 4, 4, 3, 4, 3, 5, 2, 1, 5, 5])),
               L.t(np.array([2, 3, 4] * 10 + [5, 5, 4] * 10))),
        L.isin(L.t(np.array([], np.int64)), L.t(np.array([1, 2]))),
        L.isin(L.t(np.arange(4)), 2), L.isin(3, L.t(np.array([2, 3])))],
    "isin_dtypes": lambda L: [L.isin(L.t(np.array([1, 2, 3], d1)), L.t(np.array([3, 4, 5] * m, d2)),
                                     assume_unique=u)
                              for d1 in (np.int64, np.uint8, np.float32, np.int16)
                              for d2 in (np.float64, np.int8, np.int64) for m in (1, 10)
                              for u in (False, True)],
    "sort_overflow": lambda L: [L.t(np.concatenate([np.full(100, np.iinfo(dt).max, dt),
                                                    np.full(32668, -1 if dt != np.uint8 else 0,
                                                            dt)])).sort(dim=0)[0].unique().shape
                                for dt in (np.int8, np.uint8, np.int16, np.int32, np.int64)],
})
B22 = ((True, False), (False, False))


def _everything_views(L):
    a = L.t(np.array([5]))
    return a is not a[()], a is not a[...], a is not a[:]


def _getitem_bools(L):
    out = []
    for a in (L.t(R(2, 3)), L.t(3.0)):
        out += [a[True], a[False].shape, a[None], a[...], a[L.t(np.array(True))],
                a[L.t(np.array(False))].shape]
    return out


def _ellipsis_index(L):
    a = L.t(np.arange(1, 10).reshape(3, 3))
    b = L.t(np.array(1))
    b[(Ellipsis,)] = 2
    return a[...], a[0, ...], a[0, :], a[..., 0], a[0, ..., 1], b


_same_cases.update({
    # indexing (TestIndexing, NumpyTests)
    "advancedindex_big": lambda L: L.t(np.arange(0, 123344, dtype=np.int32))[
        [0, 123, 44488, 68807, 123343], ],
    "single_and_multiple_int": lambda L: (L.t(R(5, 7, 3))[4].shape, L.t(R(5, 7, 3))[4, :, 1].shape),
    "bool_indices": lambda L: (L.t(R(5, 7, 3))[L.t(np.array([True, False, True, True, False]))],
                               L.t(np.array([True, False, True]))[
                                   L.t(np.array([True, False, False]))]),
    "list_of_32_ranges": lambda L: L.t(np.arange(100.0))[[range(i, i + 10) for i in range(32)]],
    "multiple_bool_indices": lambda L: L.t(R(5, 7, 3))[
        L.t(np.array([1, 0, 1, 1, 0], bool)), :, L.t(np.array([1, 1, 1], bool))],
    "multi_dimensional_bool_mask": lambda L: [
        L.t(R(2, 2, 3))[idx].shape for idx in (
            (B22,), (B22, slice(None, None, 2)), (B22, None), (B22, 0), (B22, L.t(np.array(0))),
            (B22, True), (B22, True, True, True, True), (B22, False),
            (B22, True, True, False, True), (B22, L.t(np.array(True))),
            (B22, L.t(np.array(False))), (L.t(np.array(B22)),),
            (L.t(np.array(B22)), slice(None, None, 2)), (L.t(np.array(B22)), None),
            (L.t(np.array(B22)), True, True, False, True))] + [
        L.t(R(3, 2, 2, 5))[idx].shape for idx in (
            (slice(None), L.t(np.array(B22)), slice(None)),
            (0, L.t(np.array(B22)), slice(None, None, 2)),
            (Ellipsis, L.t(np.array(B22)), slice(None, None, 2)),
            (None, Ellipsis, L.t(np.array(B22)), slice(None, None, 2)))],
    "bool_mask2d": lambda L: (lambda v, c: v[c > 0])(L.t(R(5, 7, 3)), L.t(R(5, 7))),
    "int_indices2d": lambda L: (L.t(np.arange(12).reshape(4, 3))[
        L.t(np.array([[0, 0], [3, 3]])), L.t(np.array([[0, 2], [0, 2]]))],
        L.t(np.arange(12).reshape(4, 3))[L.t(np.array([0, 3]))[:, None], L.t(np.array([0, 2]))]),
    "getitem_bools": _getitem_bools,
    "scalar_bool_mask": lambda L: (L.t(np.array(1))[L.t(np.array(True))],
                                   L.t(np.array(True))[L.t(np.array(True))]),
    "take_along_dim": lambda L: [L.t(a).take_along_dim(L.t(np.argsort(a, axis=d)), dim=d)
                                 for a in (R(3, 2), R(2, 3, 5), R(2, 4, 0), R(2, 3, 1, 4))
                                 for d in range(a.ndim)] + [
        L.t(R(2, 3, 5)).take_along_dim(L.t(np.argsort(R(30)))),
        L.t(np.ones((3, 4, 1))).take_along_dim(L.t(np.ones((1, 2, 5), np.int64)), dim=1),
        L.t(np.ones((3, 4, 5))).take_along_dim(L.t(np.ones((3, 0, 5), np.int64)), dim=1)],
    "index_copy_repeated": lambda L: _index_repeated(L, "copy"),
    "index_add_repeated": lambda L: _index_repeated(L, "add"),
    "index_put_last_write": _index_put_last,
    "index_fill_0d": lambda L: (L.t(np.array([[1, 2], [4, 5]])).index_fill(1, L.t(np.array([0])),
                                                                           0),
                                L.t(np.array(1.0)).index_fill(0, L.t(np.array([0])), -1)),
    "none_index": lambda L: L.t(np.array([1, 2, 3]))[None].shape,
    "empty_tuple_index": lambda L: L.t(np.array([1, 2, 3]))[()],
    "ellipsis_index": _ellipsis_index,
    "single_int_index": lambda L: (L.t(np.arange(1, 10).reshape(3, 3))[0],
                                   L.t(np.arange(1, 10).reshape(3, 3))[-1]),
    "single_bool_index": lambda L: (L.t(np.arange(1, 10).reshape(3, 3))[True],
                                    L.t(np.arange(1, 10).reshape(3, 3))[False].shape),
    "boolean_indexing_twodim": lambda L: (lambda a, b: (a[b], a[b[1]], a[b[0]], a.masked_fill(
        b, 0)))(L.t(np.arange(1, 10).reshape(3, 3)), L.t(np.array(
            [[True, False, True], [False, True, False], [True, False, True]]))),
    "boolean_weirdness": lambda L: (L.t(np.ones((2, 3, 4)))[False, True, ...].shape,
                                    L.t(np.ones((2, 3, 4)))[True, [0, 1], True, True, [1], [[2]]],
                                    L.t(np.ones((2, 3, 4)))[L.t(np.array(True)), [0, 1],
                                                            L.t(np.array(True)), True, [1], [[2]]]),
    "boolean_alldims": lambda L: (L.t(np.ones((2, 3)))[True, True].shape,
                                  L.t(np.ones((2, 3)))[L.t(np.array(True)),
                                                       L.t(np.array(True))].shape),
    "boolean_list_indexing": lambda L: (lambda a: (a[[True, False, False]],
                                                   a[[True, False, False], [True, False, False]],
                                                   a[[True, True, False]],
                                                   a[[True, True, False], [True, True, False]]))(
        L.t(np.arange(1, 10).reshape(3, 3))),
    "everything_returns_views": _everything_views,
})
def _lowp(L):
    x = L.t(np.ones((50, 50), np.float16))[::2, ::2]
    out = [x.permute(1, 0).sum(dim=d) for d in (0, 1, (0, 1))]
    y = L.t(_rng.random((20, 20)).astype(np.float16))
    out += [y.prod(dim=1), y.prod(dim=0), L.t(np.array([1, 2, 1], np.float16)).histc(
        bins=4, min=0, max=3)]
    return out


def _integer_upcast(L):
    out = []
    for dt in (np.uint8, np.int8, np.int16, np.int32, np.int64, np.bool_, np.float32,
               np.float64):
        x = L.t(np.ones((3, 4, 5), dt))
        out += [x.sum(dim=0), x.prod(dim=0), x.cumsum(dim=0), x.cumprod(dim=0),
                x.sum(dim=0, dtype=L.f32), x.prod(dim=0, dtype=L.f64),
                x.cumsum(dim=0, dtype=L.i32), x.cumprod(dim=0, dtype=L.f32)]
    return out


def _all_any(L):
    out = []
    for size in ((10,), (5, 5)):
        for dt in (np.bool_,):
            x = np.ones(size, dt)
            out += [L.t(x).all(dim=0), L.t(x).any(dim=0)]
            x[3] = 0
            out += [L.t(x).all(dim=0), L.t(x).any(dim=0), L.t(x).all(dim=None)]
    x = np.array([[0, 0, 0], [0, 0, 1], [0, 1, 1], [1, 1, 1]], np.uint8)
    out += [L.t(x).prod(dim=0), L.t(x).any(dim=1, keepdim=True).shape]
    a = _rng.integers(0, 255, (7, 11, 3, 5)).astype(np.uint8)
    out += [L.t(a.astype(bool)).all(dim=0), L.t(x.astype(bool)).any(dim=1, keepdim=True)]
    return out


def _all_any_vs_numpy(L):
    out = []
    for dt in (np.float64, np.int64, np.bool_, np.complex128, np.float16):
        for nd in range(4):
            a = np.where(_rng.random((3, 4, 2, 3)[:nd]) > 0.5, 0, R(*(3, 4, 2, 3)[:nd])).astype(dt)
            for x in (L.t(a), L.t(a).T, L.t(a)[..., ::2] if nd else L.t(a)):
                out += [x.all(dim=None), x.any(dim=None)]
                for d in range(x.ndim):
                    out += [x.all(dim=d), x.any(dim=d, keepdim=True)]
    return out


def _argminmax_multiple(L):
    out = []
    for dt in (np.float64, np.int64, np.float16):
        t = np.ones((3, 3), dt)
        out += [L.t(t).argmax(dim=None), L.t(t).argmin(dim=0)]
        if dt is not np.int64:
            t[2, 2] = np.nan
            out += [L.t(t).argmax(dim=None), L.t(t).argmin(dim=None), L.t(t).argmax(dim=1)]
        for a in ([[1, 5], [2, 10], [3, 3]], [[1, 5], [2, 10], [0, 0]]):
            x = L.t(np.array(a, dt))
            out += [x.argmax(dim=1), x.T.argmax(dim=1), x.argmin(dim=1), x.T.argmin(dim=1),
                    x.max(dim=1)[1], x.min(dim=1)[1]]
    return out


def _noncontig(L):
    out = []
    t = L.t(R(10, 10))
    t5 = L.t(R(5, 5, 5))
    for x, kw in ((t[:, ::2], {"dim": 1}), (t[::2, :], {"dim": 0}), (t5[::2, ::3, 1:-1:2], {}),
                  (t.T, {}), (L.t(R(2, 3)).unsqueeze(1).expand(-1, 5, -1), {})):
        for op in ("sum", "mean", "prod", "amax", "amin", "std", "var", "nansum", "logsumexp",
                   "norm", "argmax", "count_nonzero"):
            k = dict(kw) or {"dim": None}
            if op in ("logsumexp", "prod", "count_nonzero", "norm", "argmax") and k["dim"] is None:
                k = {"dim": tuple(range(x.ndim))} if op == "logsumexp" else {}
            out.append(getattr(x, op)(**k))
    return out


def _vs_numpy(L):
    out = []
    for dt in (np.float64, np.float32, np.int64, np.int16):
        a = R(4, 3, 5, dt=dt)
        x = L.t(a)
        for dims in ((), (0,), (2, 0), (0, 1, 2), (1,)):
            k = {"dim": dims} if dims else {"dim": None}
            out += [x.sum(**k), x.nansum(**k), x.count_nonzero(**(k if dims else {})),
                    x.amax(**k)]
            if np.dtype(dt).kind == "f":
                out += [x.mean(**k), x.std(**k), x.var(**k)]
    return out


def _median_values(L):
    out = []
    for size in ((), (7,), (4, 5), (3, 4, 5)):
        for dt in (np.float64, np.int64, np.int32, np.float32):
            x = L.t(R(*size, dt=dt))
            out += [x.median(), x.nanmedian()]
            for d in range(x.ndim):
                out += [x.median(d, True), x.nanmedian(d, True)]
        a = _rng.random(size)
        a[a < 0.2] = np.nan
        x = L.t(a)
        out += [x.median(), x.nanmedian()] + [f(d, True) for d in range(x.ndim)
                                              for f in (x.median, x.nanmedian)]
    return out


def _dim_reduction_fns(L):
    out = []
    for name in ("mean", "median", "nanmedian", "mode", "norm", "prod", "std", "sum", "var",
                 "max", "min", "amax", "amin"):
        def f(x, dim, keepdim=False):
            r = (x.norm(2, dim, keepdim) if name == "norm" else
                 getattr(x, name)(dim=dim, keepdim=keepdim))
            return r[0] if isinstance(r, tuple) else r
        for shape, d in (((3, 4, 5), 1), ((1,), 0), ((3, 1, 5), 1)):
            x = L.t(R(*shape))
            out += [f(x, d).unsqueeze(d), f(x, d, True), f(x, d).ndim]
    return out


def _minmax_inf(L):
    out = []
    for dt in (np.float64, np.float32, np.float16):
        a = L.t(np.array([[-np.inf, -np.inf, np.inf, 3], [np.inf, np.inf, -np.inf, -1]], dt))
        out += [a.max(dim=1)[0], a.amax(dim=1), a.amax(), a.min(dim=1)[0], a.amin(dim=1),
                a.amin()]
    return out


_same_cases.update({
    # reductions (TestReductions)
    "reduction_dims": _reduction_dims,
    "unsigned_sums_are_int64": lambda L: [getattr(L.t(np.array([[200, 100], [3, 4]], np.uint8)),
                                                  op)(
        dim=d) for op in ("sum", "prod", "nansum") for d in (0, 1, None, (0, 1))
        if not (op == "prod" and d in (None, (0, 1)))],
    "noncontiguous_reductions": _noncontig,
    "reductions_vs_numpy": _vs_numpy,
    "large_input_sums": lambda L: (L.t(np.linspace(-1, 1, 2 ** 20)).sum(dim=0),
                                   L.t(R(32, 2 ** 12)).sum(dim=1), L.t(R(32, 2 ** 12)).mean(dim=1)),
    "var_unbiased": lambda L: (L.t([1.0, 2.0]).var(unbiased=True), L.t([1.0, 2.0]).var(
        unbiased=False), L.t([1.0, 2, 3]).var(0, unbiased=True), L.t([1.0, 2, 3]).std(
        unbiased=False), L.t(R(100)).std(dim=0), L.t(R(100)).var(dim=0, unbiased=False)),
    "var_stability": lambda L: (L.t(np.array([2281.5, 2281.25], np.float32)).var(dim=0),
                                L.t(np.array([2281.5, 2281.25], np.float32)).var(unbiased=True),
                                L.t(np.array([[2281.5], [2281.25]], np.float32)).var(dim=0)),
    "sum_uint8_overflow": lambda L: (
        L.t(np.array([[255, 2, 1], [5, 3, 6]], np.uint8)).sum(dim=None, dtype=L.u8),
        L.t(np.array([[255, 2, 1], [5, 3, 6]], np.uint8)).sum(dim=0, dtype=L.u8),
        L.t(np.array([[255, 2, 1], [5, 3, 6]], np.uint8)).sum(dim=1, dtype=L.u8)),
    "dim_reduction_lastdim": lambda L: [f(L.t(R(3, 5, 40, dt=np.float32))[:, :, 0:40:2])
                                        for f in (lambda x: x.norm(dim=-1),
                                                  lambda x: x.argmax(dim=-1),
                                                  lambda x: x.argmin(dim=-1))],
    "logsumexp": lambda L: [L.t(np.vstack([R(1, 4), np.full((1, 4), -np.inf), R(3, 4)]), dt)
                            .logsumexp(1) for dt in (np.float64, np.float32)] + [
        L.t(R(5, 4) + 1j * R(5, 4)).logsumexp(1),
        L.t(R(3, 4, 5)).logsumexp((0, 1, 2)), L.t(R(2, 3)).logsumexp(0, keepdim=True)],
    "sum_parallel": lambda L: [L.t(np.round(_rng.random(s))).sum(dim=d) for s in (
        (2, 3, 3, 3, 3, 2, 2, 3, 2, 3), (1, 32770)) for d in (None, 0, len(s) - 1)] + [
        L.t(R(200000)).sum(dim=0), L.t(R(2000, 2))[:, 0].sum(dim=0),
        L.t(np.array([True, False, True])).sum(dim=0)],
    "max_min_elementwise": lambda L: (L.t(R(100, 100)).maximum(L.t(R(100, 100))),
                                      L.t(R(10, 10)).minimum(L.t(R(10, 10))),
                                      L.t(R(4, 4)).max(L.t(R(4, 4))),
                                      L.t(R(4, 4)).min(L.t(R(4, 4)))),
    "all_any": _all_any,
    "numpy_named_args": lambda L: L.t(R(10, 10, 10)).sum(dim=(0, 2), keepdim=True),
    "dim_ops_vs_numpy": lambda L: [
        f(L.t(a)) for a in (R(3, 5, 7), R(3, 5, 7, dt=np.float32), R(30, 40, 10))
        for d in (0, 1, 2, (1, 2), (1, -1), (0, 2, 1))
        for f in (lambda x: x.sum(dim=d), lambda x: x.mean(dim=d),
                  lambda x: x.std(dim=d, unbiased=False), lambda x: x.var(dim=d, unbiased=True),
                  lambda x: x.logsumexp(d))],
    "mean_int_dtype": lambda L: (L.t(np.arange(60).reshape(3, 4, 5)).mean(dim=None, dtype=L.f32),
                                 L.t(np.arange(60).reshape(3, 4, 5)).to(L.f32).mean(dim=None)),
    "integer_upcast": _integer_upcast,
    "mode": lambda L: (lambda x: [x.mode(dim=-1), x.mode(dim=0), x.mode(0, False)])(
        L.t(np.where(np.add.outer(np.arange(10) < 2, np.arange(10) < 2), 1,
                     np.arange(1, 101).reshape(10, 10)))),
    "mode_boolean": lambda L: [L.t(np.arange(s[1])[None, :].repeat(s[0], 0) >= th).mode(-1)[0]
                               for s in ((10, 10), (4, 2048), (1, 4096))
                               for th in ((s[1] - 1) // 2, s[1] // 2 + 1)],
    "accreal_type": lambda L: [type(L.t(np.ones((2, 3, 4), dt)).sum(dim=None).item())
                               for dt in (np.float64, np.float32, np.int64, np.int32, np.int16,
                                          np.int8, np.uint8)],
    "var_std_mean": lambda L: [f(L.t(_rng.random((4, 6, 7, 5))), d, u, k)
                               for d in ((0,), (1, 3), (0, 2, 3)) for u in (False, True)
                               for k in (False, True)
                               for f in (lambda x, d, u, k: x.var(dim=d, unbiased=u, keepdim=k),
                                         lambda x, d, u, k: x.std(dim=d, unbiased=u, keepdim=k),
                                         lambda x, d, u, k: x.mean(dim=d, keepdim=k))],
    "minmax_with_inf": _minmax_inf,
    "minmax_helper": _minmax_helper,
    "bincount": lambda L: (
        L.t(np.array([], np.int64)).bincount(), L.t(np.array([], np.int64)).bincount(minlength=10),
        L.t(np.array([0, 3, 2, 1, 3], np.uint8)).bincount(),
        L.t(np.array([0, 1, 2, 3, 255], np.uint8)).bincount(),
        L.t(np.array([1, 1, 1, 1])).bincount(minlength=5),
        L.t(np.array([0, 1, 1, 1, 4])).bincount(L.t(np.array([0.1, 0.2, 0.3, 0.4, 0.5]))),
        L.t(np.array([0, 1, 1, 1, 4])).bincount(L.t(np.array([1, 2, 3, 4, 5], np.int8))),
        L.t(np.array([[0, 0], [3, 1], [2, 1], [1, 1], [3, 4]]))[:, 1].bincount(
            L.t(np.array([[.1, 1], [.2, 2], [.3, 3], [.4, 4], [.5, 5]], np.float32))[:, 1]),
        L.t(np.zeros((32, 2), np.int64))[:, 0].bincount(),
        L.t(np.ones(100000, np.int8)).bincount()),
    "lowp": _lowp,
    "prod_bool": lambda L: [L.t(np.array(v, bool)).prod() for v in (
        [True, True], [True, False], [False, False], [], [False] * 256)] + [
        L.t(np.array(v, bool)).prod(dim=0, dtype=torch.bool if L.torch else np.bool_)
        for v in ([True, True], [True, False], [])],
    "nansum": lambda L: [L.t(np.where(a < -0.5, np.nan, a)).nansum(**k)
                         for a in (R(17, 17), R(17, 17, dt=np.float32), R(17, 34)[:, ::2])
                         for k in ({}, {"dim": 0}, {"dim": 1}, {"dim": (0, 1), "keepdim": True})
                         ] + [L.t(R(5, 6, dt=np.int64)).nansum(dim=1),
                              L.t(R(5, 6, dt=np.int32)).nansum(dtype=L.i64),
                              L.t(R(5, 6, dt=np.float32)).nansum(dtype=L.f64)],
    "count_nonzero": lambda L: [L.t(np.where(_rng.random((3, 4, 5)) < 0.4, 0, a)).count_nonzero(
        **k) for a in (R(3, 4, 5), R(3, 4, 5, dt=np.int64), R(3, 4, 5) + 1j)
        for k in ({}, {"dim": 0}, {"dim": (2, 0)}, {"dim": (0, 1, 2)})] + [
        L.t(2.0).count_nonzero(), L.t(np.array([np.nan, np.inf, 0.0])).count_nonzero()],
    "argminmax_multiple": _argminmax_multiple,
    "all_any_vs_numpy": _all_any_vs_numpy,
    "arg_reduction_scalar": lambda L: [f(L.t(np.array(4.0, dt))) for dt in (np.float64, np.int64,
                                                                             np.float16)
                                       for f in (lambda x: x.argmax(dim=None),
                                                 lambda x: x.argmax(dim=0),
                                                 lambda x: x.argmax(dim=0, keepdim=True),
                                                 lambda x: x.argmin(dim=None),
                                                 lambda x: x.argmin(dim=0, keepdim=True))],
    "dim_reduction": _dim_reduction,
    "dim_reduction_fns": _dim_reduction_fns,
    "argminmax_dim_one": lambda L: [f(L.t(np.zeros((1, 32768))), d, k)
                                    for f in (lambda x, d, k: x.argmax(dim=d, keepdim=k),
                                              lambda x, d, k: x.argmin(dim=d, keepdim=k))
                                    for d in (0, -2) for k in (False, True)],
    "median_values": _median_values,
    "degrees_of_freedom": _degrees,
    "amin_amax_some_dims": lambda L: [f(L.t(_rng.random((4, 6, 7, 5))), d, k)
                                      for d in ((0, 1), (1, 3), (0, 2, 3)) for k in (False, True)
                                      for f in (lambda x, d, k: x.amin(dim=d, keepdim=k),
                                                lambda x, d, k: x.amax(dim=d, keepdim=k))],
    "histc": _histc,
    "histc_min_equals_max": lambda L: [L.t(np.array([1.0, 2, 1], dt)).histc(bins=4, min=5, max=5)
                                       for dt in (np.float64, np.float32)],
    "histc_extreme_values": lambda L: [L.t(np.full(3, f(dt).min if m else f(dt).max, dt)).histc(
        bins=4).sum() for f in (np.finfo,) for dt in (np.float64, np.float32) for m in (0, 1)],
    "histogram": _histogram,
    "compare_ops_empty": _compare_empty,
    "reduce_ops_empty": _reduce_empty,
    "any_all_empty": _any_all_empty,
})


def _set(L, make, index, value):
    x = make(L)
    x[index(L)] = value(L)
    return x


# torch raises; so must gpuad, clearly
REFUSED = {
    "reshape_0_and_minus_1": lambda L: L.t(np.zeros((0, 6))).reshape(0, -1),
    "expand_minus_1_leading": lambda L: L.t(R(5)).expand(-1, -1),
    "reshape_two_minus_1": lambda L: L.t(R(3, 3)).reshape(-1, -1),
    "reshape_0d_to_2": lambda L: L.t(2.0).reshape(2),
    "reshape_empty_to_1": lambda L: L.t([]).reshape(1),
    "reshape_as_wrong_size": lambda L: L.t(R(3, 3)).reshape_as(L.t(R(10))),
    "flatten_out_of_range": lambda L: L.t(R(5, 5, 5, 5)).flatten(5, 10),
    "flatten_start_after_end": lambda L: L.t(R(5, 5, 5, 5)).flatten(2, 0),
    "narrow_float_start": lambda L: L.t(I33).narrow(0, L.t(np.array(0.0)), 1),
    "narrow_1d_start": lambda L: L.t(I33).narrow(0, L.t(np.array([0])), 1),
    "t_3d": lambda L: L.t(R(2, 2, 2)).t(),
    "chunk_0": lambda L: L.t(R(4, 7)).chunk(0),
    "chunk_negative": lambda L: L.t(R(4, 7)).chunk(-2),
    "mT_1d": lambda L: L.t(R(2)).mT,
    "mH_1d": lambda L: L.t(R(2)).mH,
    "adjoint_1d": lambda L: L.t(R(2)).adjoint(),
    "H_3d": lambda L: L.t(R(2, 3, 4)).H,
    "transpose_out_of_range": lambda L: L.t(R(5, 5, 5, 5)).transpose(5, 0),
    "swapdims_out_of_range": lambda L: L.t(R(5, 5, 5, 5)).swapdims(0, 5),
    "broadcast_shapes_negative": lambda L: L.broadcast_shapes((1, -12)),
    "broadcast_shapes_mismatch": lambda L: L.broadcast_shapes((3, 5), (2, 4, 1)),
    "broadcast_shapes_float": lambda L: L.broadcast_shapes(1.1),
    "broadcast_to_bad": lambda L: L.t(R(2)).broadcast_to((3, 1)),
    "view_minus_1_beside_0": lambda L: L.t(np.zeros(0)).view(3, 0, -1, 0),
    "view_wrong_size": lambda L: L.t(R(15)).view(7, -1),
    "view_across_chunks": lambda L: _transposed_view(L).view(24, 9, 6, 2, 1, 5),
    "view_two_minus_1": lambda L: L.t(R(15)).view(15, -1, -1),
    "tensor_split_0d": lambda L: L.t(2.0).tensor_split(10, 0),
    "tensor_split_0_sections": lambda L: L.t(R(10)).tensor_split(0, 0),
    "tensor_split_dim": lambda L: L.t(R(10)).tensor_split((10,), 1),
    "tensor_split_float_tensor": lambda L: L.t(R(10)).tensor_split(L.t(np.array(1.1)), 0),
    "tensor_split_2d_tensor": lambda L: L.t(R(10)).tensor_split(L.t(np.array([[1]])), 0),
    "movedim_out_of_range": lambda L: L.t(A234).movedim(5, 0),
    "movedim_lengths": lambda L: L.t(A234).movedim((1, 0), (0,)),
    "movedim_repeated_source": lambda L: L.t(A234).movedim((0, 1, 0), (0, 1, 2)),
    "movedim_repeated_destination": lambda L: L.t(A234).moveaxis((0, 1, 2), (1, 0, 1)),
    "clamp_no_bounds": lambda L: L.t(R(10)).clamp(),
    "clamp__no_bounds": lambda L: L.t(R(10)).clamp_(),
    "flip_repeated": lambda L: L.t(A234).flip(0, 1, 1),
    "flip_no_dims": lambda L: L.t(A234).flip(),
    "flip_out_of_range": lambda L: L.t(A234).flip(3),
    "fliplr_1d": lambda L: L.t(R(42)).fliplr(),
    "flipud_0d": lambda L: L.t(42.0).flipud(),
    "rot90_repeated": lambda L: L.t(A234).rot90(1, [1, 1]),
    "rot90_one_dim": lambda L: L.t(A234).rot90(1, [0]),
    "rot90_three_dims": lambda L: L.t(A234).rot90(1, [0, 1, 2]),
    "rot90_out_of_range": lambda L: L.t(R(2, 2)).rot90(1, [0, -3]),
    "unfold_negative_size": lambda L: L.t(np.arange(1.0, 8)).unfold(0, -1, 1),
    "unfold_negative_step": lambda L: L.t(np.arange(1.0, 8)).unfold(0, 1, -1),
    "topk_bool_dim": lambda L: L.t(R(10, 2, 10)).topk(2, True),
    "list_of_31_ranges": lambda L: L.t(np.arange(100.0))[[range(i, i + 10) for i in range(31)]],
    "index_put_no_indices": lambda L: L.t(2.0).index_put([], L.t([1.0]), True),
    "setitem_expansion": lambda L: _set(L, lambda L: L.t(R(2, 3)), lambda L: True,
                                        lambda L: L.t(R(5, 1, 2, 3))),
    "unravel_float": lambda L: L.unravel_index(L.t(np.array(0.5)), (2, 2)),
    "unravel_float_shape": lambda L: L.unravel_index(L.t(np.array([1])), (1, 2, 2.0)),
    "unravel_negative_shape": lambda L: L.unravel_index(L.t(np.array(0)), (2, -3)),
    "string_slice": lambda L: L.t(np.ones((4, 4)))["0":"1"],
    "out_of_bound_index": lambda L: L.t(np.ones((2, 5, 10)))[:, :, 12],
    "zero_dim_index": lambda L: L.t(10.0)[0],
    "take_along_dim_ndim": lambda L: L.t(R(2, 3)).take_along_dim(L.t(np.zeros(3, np.int64)), dim=0),
    "take_along_dim_bool": lambda L: L.t(R(2, 3)).take_along_dim(L.t(np.zeros((2, 3), bool)),
                                                                 dim=0),
    "take_along_dim_float": lambda L: L.t(R(2, 3)).take_along_dim(L.t(np.zeros((2, 3))), dim=0),
    "take_along_dim_dim": lambda L: L.t(R(2, 3)).take_along_dim(L.t(np.zeros((2, 3), np.int64)),
                                                                dim=-7),
    "index_int64_min": lambda L: L.t([])[np.iinfo(np.int64).min],
    "index_int64_max": lambda L: L.t([])[np.iinfo(np.int64).max],
    "index_fill_complex_into_real": lambda L: L.t(np.array([[1.0, 2], [4, 5]])).index_fill_(
        1, L.t(np.array([0])), 1 + 1j),
    "float_index": lambda L: L.t(np.array([[[5.0]]]))[0, -1.4, 0],
    "int_index_out_of_bounds": lambda L: L.t(np.ones((3, 3)))[1 << 30],
    "bool_mask_too_short": lambda L: L.t(np.ones((5, 4, 3)))[L.t(np.array([True]))],
    "bool_mask_too_long": lambda L: L.t(np.ones((5, 4, 3)))[L.t(np.array([False] * 6))],
    "boolean_weirdness_false_list": lambda L: L.t(np.ones((2, 3, 4)))[False, [0, 1], ...],
    "broadcast_error_get": lambda L: L.t(np.zeros((5, 5)))[[0, 1], [0, 1, 2]],
    "broadcast_error_set": lambda L: _set(L, lambda L: L.t(np.zeros((5, 5))),
                                          lambda L: ([0, 1], [0, 1, 2]), lambda L: 0.0),
    "fancy_out_of_bounds_get": lambda L: L.t(np.zeros(5))[L.t(np.array([1] * 19 + [10]))],
    "fancy_out_of_bounds_set": lambda L: _set(L, lambda L: L.t(np.zeros(5)),
                                              lambda L: L.t(np.array([11] + [1] * 19)),
                                              lambda L: 0.0),
    "repeated_dim_sum": lambda L: L.t(R(3, 3, 3, 3)).sum(dim=(0, -4)),
    "repeated_dim_mean": lambda L: L.t(R(3, 3, 3, 3)).mean(dim=(0, 0)),
    "repeated_dim_amax": lambda L: L.t(R(3, 3, 3, 3)).amax(dim=(1, 1)),
    "repeated_dim_norm": lambda L: L.t(R(3, 3, 3, 3)).norm(dim=(0, 0)),
    "max_of_two_dims": lambda L: L.t(R(3, 3, 3)).max(dim=(0, 2)),
    "reduction_dim_out_of_range": lambda L: L.t(R(3, 3)).sum(dim=2),
    "sixty_five_dims": lambda L: L.t(np.ones([1] * 65)).sum(dim=64),
    "bincount_negative": lambda L: L.t(np.array([1, -1])).bincount(),
    "bincount_2d": lambda L: L.t(np.array([[1, 2], [3, 4]])).bincount(),
    "bincount_float": lambda L: L.t(np.array([1.0, 0.3])).bincount(),
    "bincount_minlength": lambda L: L.t(np.array([1, 3])).bincount(L.t([.2, .2]), minlength=-1),
    "bincount_weights_2d": lambda L: L.t(np.array([1, 0])).bincount(L.t([[1.0, .3], [1.0, .3]])),
    "bincount_weights_length": lambda L: L.t(np.array([1, 0])).bincount(L.t([1.0, .3, .5])),
    "histc_negative_bins": lambda L: L.t([1.0]).histc(bins=-1),
    "histc_inf": lambda L: L.t([1.0, 2.0, np.inf]).histc(),
    "histc_nan": lambda L: L.t([np.nan]).histc(),
    "histc_min_above_max": lambda L: L.t([1.0, 2.0, 3.0]).histc(bins=4, min=5, max=1),
    "histogram_int": lambda L: L.t(np.array(1, np.int32)).histogram(1),
    "histogram_negative_bins": lambda L: L.t(1.0).histogram(-1),
    "histogram_bins_2d": lambda L: L.t(R(2, 2)).histogram(L.t(R(2, 2))),
    "histogram_weight_shape": lambda L: L.t(R(2, 2)).histogram(1, weight=L.t(R(1))),
    "histogram_range_reversed": lambda L: L.t(1.0).histogram(2, range=(1.0, 0.0)),
    "histogram_nan": lambda L: L.t([np.nan]).histogram(2),
    "amax_empty_dim": lambda L: L.t(np.zeros((2, 0, 4))).amax(dim=1),
    "max_empty_dim": lambda L: L.t(np.zeros((2, 0, 4))).max(dim=1),
    "argmax_empty_dim": lambda L: L.t(np.zeros((2, 0, 4))).argmax(dim=1),
    "kthvalue_empty_dim": lambda L: L.t(np.zeros((2, 0, 4))).kthvalue(1, dim=1),
    "median_empty_dim": lambda L: L.t(np.zeros((2, 0, 4))).median(dim=1),
}

# the call is the same in both; gpuad's is NumPy's meaning (its Tensor is NumPy's array), torch's
# another: name -> (call, NumPy's reference on the same data)
NUMPY_MEANING = {
    "conj_of_real_is_a_copy": (lambda L: (lambda x: x.conj() is x)(L.t(A55)), lambda: False),
    "imag_of_real_is_zeros": (lambda L: L.t(R(3)).imag, lambda: np.zeros(3)),
    "trace_uint8": (lambda L: L.t(np.full((3, 3), 200, np.uint8)).trace(),
                    lambda: np.trace(np.full((3, 3), 200, np.uint8))),
    "trace_3d": (lambda L: L.t(A234).trace(), lambda: np.trace(A234)),
    "nonzero_is_numpys_tuple": (lambda L: list(L.t(np.eye(3)).nonzero()),
                                lambda: list(np.eye(3).nonzero())),
    "negative_slice_step": (lambda L: L.t(np.arange(6.0))[4:1:-1], lambda: np.arange(6.0)[4:1:-1]),
    "uint8_index_is_integers": (lambda L: L.t(np.arange(5.0))[L.t(np.array([1, 0, 1], np.uint8))],
                                lambda: np.arange(5.0)[np.array([1, 0, 1], np.uint8)]),
    "var_is_numpys": (lambda L: (L.t([1.0, 2, 4]).var(), L.t([1.0, 2, 4]).std(0)),
                      lambda: (np.var([1.0, 2, 4]), np.std([1.0, 2, 4]))),
    "unique_dim_with_nan": (lambda L: L.t(np.array([np.nan, 0, 0, np.nan, 1])).unique(dim=0),
                            lambda: np.array([0.0, 1.0, np.nan, np.nan])),
    "uint8_0d_index": (lambda L: L.t(np.arange(6.0).reshape(2, 3))[L.t(np.array(1, np.uint8))],
                       lambda: np.arange(3.0, 6.0)),
    "all_of_uint8_is_bool": (lambda L: (L.t(np.array([2, 1], np.uint8)).all(),
                                        L.t(np.array([2, 0], np.uint8)).any(dim=0)),
                             lambda: (np.all(np.array([2, 1], np.uint8)),
                                      np.any(np.array([2, 0], np.uint8)))),
}

# torch refuses; gpuad gives a defined value: name -> (call, reference)
GPUAD_COMPUTES = {
    "H_of_1d": (lambda L: L.t(np.arange(3.0)).H, lambda: np.arange(3.0)),
    "empty_uint8_index": (lambda L: L.t(np.arange(5.0))[L.t(np.zeros((0, 2), np.uint8))],
                          lambda: np.zeros((0, 2))),
    "take_along_dim_int32": (lambda L: L.t(np.arange(6.0).reshape(2, 3)).take_along_dim(
        L.t(np.array([[1, 0, 1]], np.int32)), dim=0), lambda: np.array([[3.0, 1, 5]])),
    "uint8_index_not_a_mask": (lambda L: L.t(np.ones((5, 4, 3)))[L.t(np.zeros((4, 4), np.uint8))]
                               .shape, lambda: (4, 4, 4, 3)),
    "logsumexp_dim_none": (lambda L: (L.t(np.log([[1.0, 2], [3, 4]])).logsumexp(dim=None),
                                      L.t(np.log([[1.0, 2]])).logsumexp(dim=None, keepdim=True),
                                      L.t([]).logsumexp(dim=None)),
                           lambda: (np.log(10.0), np.array([[np.log(3.0)]]), -np.inf)),
    "aminmax_complex": (lambda L: L.t(np.array([1 + 2j, 1 + 1j, 0 + 5j])).aminmax(dim=0),
                        lambda: [np.array(5j), np.array(1 + 2j)]),
    "nansum_complex": (lambda L: L.t(np.array([1 + 1j, np.nan, 2 - 1j])).nansum(),
                       lambda: np.array(3 + 0j)),
    "nanmean_int": (lambda L: (L.t(np.arange(6)).nanmean(), L.t(np.arange(6)).mean(dim=0)),
                    lambda: (np.float64(2.5), np.float64(2.5))),
}

# torch computes; gpuad raises, saying what to write (its meaning would differ or it has no
# counterpart)
RAISES_ONLY_IN_GPUAD = {
    "inplace_reshape_of_a_view": lambda L: L.t(R(5, 5)).view(25).view(5, 5).t_(),
    "as_strided": lambda L: L.t(R(25)).as_strided((3, 3), (6, 2), 2),
    "two_uint8_indices": lambda L: L.t(R(5, 7, 3))[L.t(np.array([1, 0, 1, 1, 0], np.uint8)), :,
                                                   L.t(np.array([1, 1, 1], np.uint8))],
    "uint8_index_of_0d": lambda L: L.t(np.array(1))[L.t(np.array(1, np.uint8))],
}


# ---- gradients: reverse against torch, forward against float64 central differences ----------
def _unbind_partial(L, x):
    return x.unbind(0)[1]


GRADS = {
    "unbind_partial": (_unbind_partial, R(3, 4, 2)),
    "unbind_all": (lambda L, x: x.unbind(1), R(3, 4, 2)),
    "view_copy": (lambda L, x: x.view(2, 2).clone(), R(4)),
    "atleast": (lambda L, x: [f(x[0, 0]) for f in L.atleast] + [f(x) for f in L.atleast] + [
        L.atleast[2](x[0, 0], x[0], x)[1]], R(4, 3)),
    "logsumexp_every_dim": (lambda L, x: (x.logsumexp((0, 1, 2)), x.logsumexp((0, 1, 2),
                                                                             keepdim=True)),
                            R(2, 3, 4)),
    "sum_dtype": (lambda L, x: (x.sum(dim=0, dtype=L.f64), x.sum(dim=None, dtype=L.f64)),
                  R(3, 3, dt=np.float32)),
    "prod_dtype": (lambda L, x: x.prod(dim=0, dtype=L.f64), R(3, 3, dt=np.float32)),
    "cumsum_dtype": (lambda L, x: (x.cumsum(dim=0, dtype=L.f64), x.cumprod(dim=1, dtype=L.f64)),
                     R(3, 3, dt=np.float32)),
    "flip_rot_movedim": (lambda L, x: (x.flip(0, 2), x.rot90(1, [1, 2]), x.fliplr(),
                                          x.movedim((0, 1), (2, 0))), R(2, 3, 4)),
    "narrow_split_chunk": (lambda L, x: (x.narrow(1, -2, 2), *x.split([1, 2], 1),
                                         *x.tensor_split((1, 3), 2), *x.chunk(2, 2)), R(2, 3, 4)),
    "take_along_and_diagonal": (lambda L, x: (x.take_along_dim(L.t(np.array([[[1], [0], [2]]])),
                                                               dim=2),
                                              x.diagonal(0, -2, -1), x[0].trace()), R(2, 3, 3)),
    "expand_broadcast": (lambda L, x: (x[:1].expand(4, 3, 2), x.broadcast_to((2, 3, 2)),
                                       x.mT, x.adjoint()), R(3, 2)),
    "nansum_masked": (lambda L, x: (x.nansum(dim=1), x.amax(dim=(0, 1)),
                                    x[x > 0], x.std(dim=0, correction=0)), R(4, 5)),
}


def _loss(L, out, cs):
    outs = out if isinstance(out, tuple | list) else [out]
    total = 0
    for o, c in zip(outs, cs, strict=True):
        cc = torch.from_numpy(c) if L.torch else ad.tensor(ad.get_backend().xp.asarray(c))
        total = total + (o * cc.to(o.dtype)).sum()
    return total


@pytest.mark.parametrize("name", list(GRADS))
def test_grads_match_torch(backend, name):
    fn, a = GRADS[name]
    tx = torch.from_numpy(a.copy()).requires_grad_()
    tout = fn(TL, tx)
    touts = tout if isinstance(tout, tuple | list) else [tout]
    cs = [np.random.default_rng(3).standard_normal(tuple(o.shape)) for o in touts]
    tg, = torch.autograd.grad(_loss(TL, tout, cs), tx)
    gx = ad.tensor(ad.get_backend().xp.asarray(a.copy()), requires_grad=True)
    _loss(GL, fn(GL, gx), cs).backward()
    assert gx.grad is not None, name
    assert to_numpy(gx.grad).dtype == tg.numpy().dtype, name
    tol = 1e-5 if a.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(to_numpy(gx.grad), tg.numpy(), rtol=tol, atol=tol, err_msg=name)
    if a.dtype != np.float64:
        return
    # forward mode along v against the float64 central difference of the same loss

    def f(arr):
        return _loss(GL, fn(GL, arr), cs)

    v = np.random.default_rng(5).standard_normal(a.shape)
    xp = ad.get_backend().xp
    _, jv = ad.jvp(f, (ad.tensor(xp.asarray(a)),), (ad.tensor(xp.asarray(v)),))
    h = 1e-6
    with ad.no_grad():
        fd = (float(f(ad.tensor(xp.asarray(a + h * v)))) -
              float(f(ad.tensor(xp.asarray(a - h * v))))) / (2 * h)
    np.testing.assert_allclose(float(jv), fd, rtol=1e-6, atol=1e-6, err_msg=name)


# ---- the batteries ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(_same_cases))
def test_same_results_as_torch(backend, name):
    f = _same_cases[name]
    _reseed()
    t = _host(f(TL))
    _reseed()
    g = _host(f(GL))
    _same(g, t, name)


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_where_torch_refuses(backend, name):
    with pytest.raises(TORCH_ERRORS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            REFUSED[name](TL)
    _raises_clearly(lambda: REFUSED[name](GL))


@pytest.mark.parametrize("name", list(NUMPY_MEANING))
def test_numpy_meaning_kept(backend, name):
    """A silent difference gpuad keeps on purpose (docs/porting.md): gpuad's value is NumPy's,
    torch's another (or torch raises)."""
    f, ref = NUMPY_MEANING[name]
    _same(_host(f(GL)), _host(_as_arrays(ref())), name)
    try:
        t = _host(f(TL))
    except Exception:  # noqa: BLE001 (torch refusing is a difference too)
        return
    with pytest.raises(AssertionError):
        _same(t, _host(_as_arrays(ref())), name)


def _as_arrays(r):
    if isinstance(r, tuple) and all(type(e) is int for e in r):  # a shape
        return r
    if isinstance(r, tuple | list):
        return [_as_arrays(e) for e in r]
    return np.asarray(r) if isinstance(r, np.generic | np.ndarray | float) else r


@pytest.mark.parametrize("name", list(GPUAD_COMPUTES))
def test_gpuad_computes_where_torch_refuses(backend, name):
    f, ref = GPUAD_COMPUTES[name]
    with pytest.raises(TORCH_ERRORS):
        f(TL)
    g = _host(f(GL))
    want = _host(_as_arrays(ref()))
    if isinstance(want, tuple):
        assert tuple(g) == want, name
        return
    _same(g, want, name)


@pytest.mark.parametrize("name", list(RAISES_ONLY_IN_GPUAD))
def test_raises_only_in_gpuad(backend, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        RAISES_ONLY_IN_GPUAD[name](TL)
    _raises_clearly(lambda: RAISES_ONLY_IN_GPUAD[name](GL))


_TABLES = {"same": _same_cases, "refused": REFUSED, "numpy_meaning": NUMPY_MEANING,
           "gpuad_computes": GPUAD_COMPUTES, "raises_only_in_gpuad": RAISES_ONLY_IN_GPUAD,
           "test_grads_match_torch": GRADS}


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) > 390
    for cls, name, where in GAPS:
        assert name.startswith("test_"), (cls, name)
        for part in where.split("; "):
            kind, _, refs = part.partition(": ")
            assert kind in ("here", "covered", "n/a", "differs"), (cls, name, part)
            if kind == "here":
                for ref in refs.split(", "):
                    table, _, key = ref.partition("[")
                    assert table in _TABLES, (name, ref)
                    assert key.rstrip("]") in _TABLES[table], (name, ref)
            if kind == "covered":
                for ref in refs.split(", "):
                    path, _, obj = ref.partition("::")
                    text = (Path(__file__).parent / path).read_text()
                    assert obj and obj in text, (name, ref)
            if kind == "differs":
                for ref in (r for r in refs.split(": ")[-1].split(", ") if "[" in r):
                    table, _, key = ref.partition("[")
                    if table in _TABLES:
                        assert key.rstrip("]") in _TABLES[table], (name, ref)
    # every case is named by some row
    named = " ".join(w for _, _, w in GAPS)
    for table, cases in _TABLES.items():
        for key in cases:
            assert f"{table}[{key}]" in named, f"{table}[{key}] is mapped from no upstream test"
