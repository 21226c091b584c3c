"""Every test of HIPS autograd's ``tests/`` directory (each ``tests/test_*.py`` file; the
"class" of a row is the file's name), mapped onto gpuad, with the cases the earlier ports
(``test_autograd_*.py`` beside this file) had left out ported here.

The upstream files are the newest versions stored of each: ``test_numpy.py``,
``test_wrappers.py``, ``test_linalg.py``, ``test_scipy.py``, ``test_logic.py``, ``test_fft.py``
in their current form, and the others as last stored (``test_systematic.py``, ``test_graphs.py``,
``test_binary_ops.py``, ``test_scalar_ops.py``, ``test_list.py``, ...). Files kept on autograd's
side branches are mapped too: ``test_cupy.py`` (test_numpy's cases on CuPy arrays, which the
NumPy ports run under ``--backend cupy``), ``test_cupy_hack.py``, ``test_cupy_sparse.py``,
``test_gpu.py``, ``test_forward.py``, ``test_tjps.py``, ``test_primitives.py``,
``test_fmap.py``, ``test_complexity.py``, ``test_numpy_like.py``. ``test_performance.py`` and
``test_util.py`` define no test. A name pytest collects once (a second ``def`` of the same
name replaces the first) is one row.

The ports here run each case through gpuad and through autograd in the same process: values,
shapes and dtypes against NumPy/SciPy, reverse-mode gradients against autograd's, and both
modes against float64 central differences (``gpuad.testing.check_grads``). Complex gradients
are compared by finite differences only, since gpuad's are the conjugates of autograd's
(docs/porting.md, "From HIPS autograd").

Beyond the rows, three sweeps hold gpuad to autograd on the same inputs: reverse-mode
gradients (conjugated for complex inputs) and forward-mode tangents and Hessian-vector products
of 47 NumPy functions; the points where autograd's rules give NaN or a wrong shape, where gpuad
gives the exact derivative or the subgradient docs/semantics.md names; and
``scipy.linalg.solve_triangular`` over every ``trans``, triangle and ``unit_diagonal``.

``GAPS`` has one row per upstream test: (file, test, where), where is "here: test_fn[case]",
"covered: file.py::test_fn" (an earlier port), "differs: why; here/covered: ..." or
"n/a: why". ``test_every_gap_has_a_mapping`` checks the rows and their references.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.misc import deriv, elementwise_grad
from gpuad.testing import check_grads

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")

BOTH = ("fwd", "rev")

# ------------------------------------------------------------------------------------ GAPS

_N = "test_autograd_numpy.py::"
_S = "test_autograd_systematic.py::"
_SP = "test_autograd_scipy.py::"
_L = "test_autograd_linalg.py::"
_W = "test_autograd_wrappers.py::"
_C = "test_autograd_core.py::"
_O = "test_autograd_ops.py::"
_F = "test_autograd_fft.py::"
_G = "test_autograd_graphs.py::"
_K = "test_autograd_containers.py::"

# test_numpy.py: test -> the earlier port's test
_NUMPY = {
    "test_numpy_version": "here: test_numpy_version",
    "test_dot": "covered: " + _N + "test_dot",
    "test_dot_with_floats": "covered: " + _N + "test_dot_with_floats",
    "test_outer": "covered: " + _N + "test_outer",
    "test_max": "covered: " + _N + "test_max_min",
    "test_max_axis": "covered: " + _N + "test_max_min",
    "test_max_axis_keepdims": "covered: " + _N + "test_max_min",
    "test_min": "covered: " + _N + "test_max_min",
    "test_min_axis": "covered: " + _N + "test_max_min",
    "test_min_axis_keepdims": "covered: " + _N + "test_max_min",
    "test_sum_1": "covered: " + _N + "test_sum",
    "test_sum_2": "covered: " + _N + "test_sum",
    "test_sum_3": "covered: " + _N + "test_sum",
    "test_sum_with_axis_tuple": "covered: " + _N + "test_sum",
    "test_flipud": "covered: " + _N + "test_flips_rot_transpose",
    "test_fliplr": "covered: " + _N + "test_flips_rot_transpose",
    "test_rot90": "covered: " + _N + "test_flips_rot_transpose",
    "test_cumsum_axis0": "covered: " + _N + "test_cumsum",
    "test_cumsum_axis1": "covered: " + _N + "test_cumsum",
    "test_cumsum_1d": "covered: " + _N + "test_cumsum",
    "test_cumsum_no_axis": "covered: " + _N + "test_cumsum",
    "test_non_numpy_sum": "covered: " + _N + "test_non_numpy_sum",
    "test_mean_1": "covered: " + _N + "test_mean",
    "test_mean_2": "covered: " + _N + "test_mean",
    "test_mean_3": "covered: " + _N + "test_mean",
    "test_mean_list_of_boxes": "covered: " + _N + "test_reductions_of_lists_of_traced_values",
    "test_std_list_of_boxes": "covered: " + _N + "test_reductions_of_lists_of_traced_values",
    "test_var_list_of_boxes": "covered: " + _N + "test_reductions_of_lists_of_traced_values",
    "test_index_ints": "covered: " + _N + "test_index",
    "test_index_slice": "covered: " + _N + "test_index",
    "test_index_lists": "covered: " + _N + "test_index",
    "test_index_mixed": "covered: " + _N + "test_index",
    "test_vector_slice": "covered: " + _N + "test_vector_slices",
    "test_index_slice_fanout": "covered: " + _N + "test_index",
    "test_index_multiple_slices": "covered: " + _N + "test_vector_slices",
    "test_reshape_method": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_reshape_call": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_reshape_method_nolist": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_ravel_method": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_ravel_call": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_flatten_method": "covered: " + _N + "test_reshape_ravel_flatten",
    "test_simple_append_list": "covered: " + _N + "test_append",
    "test_simple_append_arr": "covered: " + _N + "test_append",
    "test_simple_append_list_2D": "covered: " + _N + "test_append",
    "test_simple_concatenate": "covered: " + _N + "test_concatenate",
    "test_concatenate_axis_0": "covered: " + _N + "test_concatenate",
    "test_concatenate_axis_1": "covered: " + _N + "test_concatenate",
    "test_concatenate_axis_1_unnamed": "covered: " + _N + "test_concatenate",
    "test_trace": "covered: " + _N + "test_trace",
    "test_trace2": "covered: " + _N + "test_trace",
    "test_trace_extradims": "covered: " + _N + "test_trace",
    "test_diag": "covered: " + _N + "test_diag_tri_clip",
    "test_transpose": "covered: " + _N + "test_flips_rot_transpose",
    "test_roll": "covered: " + _N + "test_flips_rot_transpose",
    "test_roll_no_axis": "covered: " + _N + "test_flips_rot_transpose",
    "test_triu": "covered: " + _N + "test_diag_tri_clip",
    "test_tril": "covered: " + _N + "test_diag_tri_clip",
    "test_clip": "covered: " + _N + "test_diag_tri_clip",
    "test_prod_1": "covered: " + _N + "test_prod",
    "test_prod_2": "covered: " + _N + "test_prod",
    "test_prod_3": "covered: " + _N + "test_prod",
    "test_prod_4": "covered: " + _N + "test_prod",
    "test_1d_array": "covered: " + _N + "test_array_from_scalars",
    "test_2d_array": "covered: " + _N + "test_array_from_scalars",
    "test_1d_array_fanout": "covered: " + _N + "test_array_from_scalars",
    "test_2d_array_fanout": "covered: " + _N + "test_array_from_scalars",
    "test_array_from_scalar": "covered: " + _N + "test_array_from_scalars",
    "test_scalar_array_box_attributes": "covered: " + _N + "test_scalar_attributes",
    "test_array_from_arrays": "covered: " + _N + "test_array_from_arrays",
    "test_array_from_arrays_2": "covered: " + _N + "test_array_from_arrays",
    "test_len": "covered: " + _N + "test_len",
    "test_r_basic": "covered: " + _N + "test_r_c",
    "test_r_double": "covered: " + _N + "test_r_c",
    "test_no_relation": "covered: " + _N + "test_r_c",
    "test_r_no_relation": "covered: " + _N + "test_r_c",
    "test_r_node_and_const": "covered: " + _N + "test_r_c",
    "test_r_mixed": "covered: " + _N + "test_r_c",
    "test_r_slicing": "covered: " + _N + "test_r_slicing",
    "test_c_": "covered: " + _N + "test_r_c",
    "test_c_mixed": "covered: " + _N + "test_r_c",
    "test_var_ddof": "covered: " + _N + "test_var_std_ddof",
    "test_std_ddof": "covered: " + _N + "test_var_std_ddof",
    "test_where": "covered: " + _N + "test_where_squeeze_expand",
    "test_squeeze_func": "covered: " + _N + "test_where_squeeze_expand",
    "test_squeeze_method": "covered: " + _N + "test_where_squeeze_expand",
    "test_repeat": "covered: " + _N + "test_repeat",
    "test_repeat_axis1_rep1": "covered: " + _N + "test_repeat",
    "test_repeat_axis0": "covered: " + _N + "test_repeat",
    "test_repeat_1d_axis0": "covered: " + _N + "test_repeat",
    "test_repeat_axis0_rep1": "covered: " + _N + "test_repeat",
    "test_expand_dims": "covered: " + _N + "test_where_squeeze_expand",
    "test_tensordot_kwargs_by_position": "covered: " + _N + "test_tensordot_kwargs_by_position",
    "test_multi_index": "covered: " + _N + "test_vector_slices",
    "test_multi_index2": "covered: " + _N + "test_vector_slices",
    "test_index_dot_slices": "covered: " + _N + "test_index_dot_slices",
    "test_cast_to_int": "covered: " + _N + "test_cast_to_int",
    "test_make_diagonal": "differs: autograd's own make_diagonal is no NumPy function; gpuad "
    "raises AttributeError naming it (docs/porting.md gives NumPy's "
    "spelling): covered: " + _N + "test_make_diagonal_is_not_numpy",
    "test_diagonal": "covered: " + _N + "test_diagonal",
    "test_nan_to_num": "covered: " + _N + "test_nan_to_num",
    "test_max_equal_values": "covered: " + _N + "test_max_equal_values",
    "test_max_equal_values_2d": "covered: " + _N + "test_max_equal_values_2d",
    "test_min_3_way_equality": "covered: " + _N + "test_min_3_way_equality",
    "test_maximum_equal_values": "covered: " + _N + "test_maximum_equal_values",
    "test_maximum_equal_values_2d": "covered: " + _N + "test_maximum_equal_values_2d",
    "test_linspace": "covered: " + _N + "test_linspace",
    "test_astype": "covered: " + _N + "test_astype",
    "test_gradient": "covered: " + _N + "test_gradient",
}

# test_cupy.py (a side branch's autograd.cupy): test_numpy's cases on CuPy arrays
_CUPY_NAMES = [
    n
    for n in _NUMPY
    if n
    not in (
        "test_numpy_version",
        "test_non_numpy_sum",
        "test_mean_list_of_boxes",
        "test_std_list_of_boxes",
        "test_var_list_of_boxes",
        "test_scalar_array_box_attributes",
        "test_astype",
        "test_gradient",
    )
] + ["test_non_cupy_sum"]


def _cupy_where(name):
    where = _NUMPY["test_non_numpy_sum" if name == "test_non_cupy_sum" else name]
    ref = where[where.index("covered: ") :] if "covered: " in where else where
    return ref + " (the earlier port runs on CuPy arrays under --backend cupy)"


_SYSTEMATIC = {}
for _n in ("max", "min", "all", "any"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_stat_order_and_logic"
for _n in ("mean", "sum", "prod", "var", "std"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_stat"
for _n in (
    "sin",
    "abs",
    "absolute",
    "arccosh",
    "arcsinh",
    "arctanh",
    "ceil",
    "cos",
    "cosh",
    "deg2rad",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "floor",
    "log",
    "log10",
    "log1p",
    "log2",
    "radians",
    "sign",
    "sinh",
    "sqrt",
    "square",
    "tan",
    "tanh",
    "real",
    "real_ic",
    "imag",
    "conj",
    "angle",
):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_unary"
for _n in ("degrees", "rad2deg"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_unary_scaled"
for _n in (
    "add",
    "logaddexp",
    "logaddexp2",
    "remainder",
    "true_divide",
    "mod",
    "true_divide_neg",
    "mod_neg",
    "op_mul",
    "op_add",
    "op_sub",
    "op_mod",
    "op_mod_neg",
):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_binary"
for _n in (
    "transpose",
    "repeat",
    "diff",
    "tile",
    "kron",
    "inner",
    "dot",
    "matmul",
    "cross",
    "select",
    "concatenate",
):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_" + _n
del _SYSTEMATIC["test_concatenate"]
for _i in range(1, 7):
    _SYSTEMATIC[f"test_tensordot_{_i}"] = "covered: " + _S + "test_tensordot"
for _n in ("maximum", "fmax", "minimum", "fmin"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_extremum"
_SYSTEMATIC["test_sort"] = "covered: " + _S + "test_sort_partition"
_SYSTEMATIC["test_partition"] = "covered: " + _S + "test_sort_partition"
_SYSTEMATIC["test_msort"] = (
    "differs: numpy.msort was removed in NumPy 2 and gpuad has none; "
    "sort(a, axis=0) is its spelling: covered: " + _S + "test_msort_removed"
)
for _n in ("atleast_1d", "atleast_2d", "atleast_3d"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_atleast"
for _n in (
    "transpose",
    "matmult",
    "matmult_broadcast",
    "covsum",
    "ellipses",
    "ellipses_tail",
    "ellipses_center",
    "three_args",
):
    _SYSTEMATIC["test_einsum_" + _n] = "covered: " + _S + "test_einsum_strings"
for _n in ("transpose", "matmult", "matmult_broadcast", "covsum", "three_args"):
    _SYSTEMATIC["test_einsum2_" + _n] = "covered: " + _S + "test_einsum_sublists"
for _n in ("trace", "diag", "diag_flat", "tril", "triu", "tril_3d", "triu_3d"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_trace_diag_tri"
_SYSTEMATIC["test_swapaxes"] = "covered: " + _S + "test_swapaxes_rollaxis"
_SYSTEMATIC["test_rollaxis"] = "covered: " + _S + "test_swapaxes_rollaxis"
for _n in (
    "vsplit_2d",
    "vsplit_3d",
    "hsplit_2d",
    "hsplit_3d",
    "dsplit_3d",
    "split_1d",
    "split_2d",
    "split_3d",
    "array_split_1d",
    "array_split_2d",
    "array_split_3d",
):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_splits"
for _n in ("concatenate_1ist", "concatenate_tuple", "concatenate_2d", "concatenate_3d"):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_concatenate"
for _n in (
    "vstack_1d",
    "vstack_2d",
    "vstack_3d",
    "hstack_1d",
    "hstack_2d",
    "hstack_3d",
    "stack_1d",
    "column_stack_1d",
    "column_stack_2d",
):
    _SYSTEMATIC["test_" + _n] = "covered: " + _S + "test_stacks"
_SYSTEMATIC["test_row_stack_1d"] = "covered: " + _S + "test_row_stack"
_SYSTEMATIC["test_row_stack_2d"] = "covered: " + _S + "test_row_stack"

_SCIPY = {}
for _n in ("pdf", "cdf", "logpdf"):
    _SCIPY["test_chi2_" + _n] = "covered: " + _SP + "test_chi2"
    _SCIPY["test_beta_" + _n] = "covered: " + _SP + "test_beta"
    _SCIPY["test_gamma_" + _n] = "covered: " + _SP + "test_gamma"
for _n in ("pdf", "cdf", "sf", "logpdf", "logcdf", "logsf", "ppf", "isf"):
    _SCIPY["test_norm_" + _n] = "covered: " + _SP + "test_norm"
    _SCIPY[f"test_norm_{_n}_broadcast"] = "covered: " + _SP + "test_norm_broadcast"
for _n in ("cdf", "logpmf", "pmf"):
    _SCIPY["test_poisson_" + _n] = "covered: " + _SP + "test_poisson"
    _SCIPY[f"test_poisson_{_n}_broadcast"] = "covered: " + _SP + "test_poisson"
for _n in ("pdf", "cdf", "logpdf", "logcdf"):
    _SCIPY["test_t_" + _n] = "covered: " + _SP + "test_t"
    _SCIPY[f"test_t_{_n}_broadcast"] = "covered: " + _SP + "test_t_broadcast"
for _n in ("mvn_pdf", "mvn_logpdf", "mvn_pdf_broadcast", "mvn_logpdf_broadcast"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_mvn"
_SCIPY["test_mvn_entropy"] = "covered: " + _SP + "test_mvn_entropy"
_SCIPY["test_mvn_sing_cov"] = "covered: " + _SP + "test_mvn_singular_cov"
for _n in ("pdf", "logpdf"):
    _SCIPY[f"test_dirichlet_{_n}_x"] = "covered: " + _SP + "test_dirichlet_x"
    _SCIPY[f"test_dirichlet_{_n}_alpha"] = "covered: " + _SP + "test_dirichlet_alpha"
for _i in range(1, 7):
    _SCIPY[f"test_logsumexp{_i}"] = "covered: " + _SP + f"test_logsumexp{_i}"
for _n in (
    "convolve_generalization",
    "convolve",
    "convolve_2d",
    "convolve_ignore",
    "convolve_ignore_dot",
    "betainc",
    "betaln",
    "gammasgn",
    "multigammaln",
    "odeint",
    "sqrtm",
    "solve_sylvester",
):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_" + _n
_SCIPY["test_beta"] = "covered: " + _SP + "test_beta_fn"
for _n in ("gammainc", "gammaincc", "polygamma", "jn", "yn"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_second_argument"
for _n in ("psi", "digamma", "gamma", "gammaln", "rgamma"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_gamma_family"
for _n in ("j0", "j1", "y0", "y1", "i0", "i1"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_bessel"
for _n in ("iv", "ive"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_bessel_real_order"
for _n in ("erf", "erfc"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_erf"
for _n in ("erfinv", "erfcinv", "logit", "expit"):
    _SCIPY["test_" + _n] = "covered: " + _SP + "test_unary"
_SCIPY["test_solve_banded"] = "here: test_solve_banded"

_LINALG = {
    "test_inv": "test_inv",
    "test_pinv": "test_pinv",
    "test_inv_3d": "test_inv_stacked",
    "test_solve_arg1": "test_solve_arg1",
    "test_solve_arg1_1d": "test_solve_arg1_1d",
    "test_solve_arg2": "test_solve_arg2",
    "test_solve_arg1_3d": "test_solve_arg1_3d",
    "test_solve_arg1_3d_3d": "test_solve_arg1_3d_3d",
    "test_det": "test_det",
    "test_det_3d": "test_det_3d",
    "test_slogdet": "test_slogdet",
    "test_slogdet_3d": "test_slogdet_3d",
    "test_vector_2norm": "test_vector_2norm",
    "test_norm_list_of_boxes": "test_norm_of_a_list_of_recorded_scalars",
    "test_vector_2norm_complex": "test_vector_2norm_complex",
    "test_frobenius_norm": "test_frobenius_norm",
    "test_frobenius_norm_complex": "test_frobenius_norm",
    "test_frobenius_norm_axis": "test_frobenius_norm_axis",
    "test_frobenius_norm_axis_complex": "test_frobenius_norm_axis",
    "test_vector_norm_ord": "test_vector_norm_ord",
    "test_vector_norm_ord_complex": "test_vector_norm_ord",
    "test_norm_axis": "test_norm_axis",
    "test_norm_axis_complex": "test_norm_axis",
    "test_norm_nuclear": "test_norm_nuclear",
    "test_norm_nuclear_complex": "test_norm_nuclear_complex",
    "test_norm_nuclear_axis": "test_norm_nuclear_axis",
    "test_norm_nuclear_axis_complex": "test_norm_nuclear_axis_complex",
    "test_eigvalh_lower": "test_eigh",
    "test_eigvalh_upper": "test_eigh",
    "test_eigvalh_lower_broadcasting": "test_eigh_broadcasting",
    "test_eigvalh_upper_broadcasting": "test_eigh_broadcasting",
    "test_eigvalh_lower_complex": "test_eigh_complex",
    "test_eigvalh_upper_complex": "test_eigh_complex",
    "test_eig_real": "test_eig_real",
    "test_eig_complex": "test_eig_complex",
    "test_eig_batched": "test_eig_complex",
    "test_cholesky": "test_cholesky",
    "test_cholesky_broadcast": "test_cholesky_broadcast",
    "test_cholesky_reparameterization_trick": "test_cholesky_reparameterization_trick",
}
for _shape in ("wide", "square", "tall"):
    for _d in ("2d", "3d"):
        _LINALG[f"test_svd_{_shape}_{_d}"] = "test_svd"
        _LINALG[f"test_svd_{_shape}_{_d}_complex"] = "test_svd_complex"
for _d in ("2d", "3d"):
    _LINALG[f"test_svd_only_s_{_d}"] = "test_svd_only_s"
    _LINALG[f"test_svd_only_s_{_d}_complex"] = "test_svd_only_s_complex"

_FFT = {
    "test_fft": "test_fft",
    "test_fft_ortho": "test_fft",
    "test_ifft": "test_fft",
    "test_fft_axis": "test_fft_axis",
    "test_rfft": "test_rfft",
    "test_rfft_ortho": "test_rfft",
    "test_rfft_axes": "test_rfft_axes",
    "test_irfft": "test_irfft",
    "test_irfft_ortho": "test_irfft",
    "test_rfft2": "test_rfft2",
    "test_irfft2": "test_irfft2",
    "test_rfftn": "test_rfftn",
    "test_rfftn_subset": "test_rfftn_subset",
    "test_rfftn_axes": "test_rfftn_axes",
    "test_irfftn": "test_irfftn",
    "test_irfftn_subset": "test_irfftn_subset",
}
for _n in ("fft", "ifft", "rfft", "irfft"):
    for _s in ("smaller", "bigger"):
        _FFT[f"test_{_n}_n_{_s}"] = "test_fft_n"
for _n in ("fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn"):
    _FFT[f"test_{_n}_s"] = "test_fft_s"
for _n in ("fft2", "ifft2", "fftn", "ifftn"):
    _FFT["test_" + _n] = "test_fft_2d"
for _n in ("fftshift", "ifftshift"):
    for _s in ("", "_even", "_axes"):
        _FFT[f"test_{_n}{_s}"] = "test_shift"
_FFT = {k: "covered: " + _F + v for k, v in _FFT.items()}
_FFT["test_rfftn_odd_not_implemented"] = (
    "differs: autograd raises NotImplementedError for rfftn of an odd last length; gpuad "
    "differentiates it exactly: covered: " + _F + "test_rfftn"
)

_GRAPHS = {
    "test_grad_fanout": "test_grad_fanout",
    "test_grad_const": "test_grad_const",
    "test_grad_identity": "test_grad_identity",
    "test_hess_vector_prod": "test_hess_vector_prod",
    "test_enclosing_scope_ref": "test_enclosing_scope_ref",
    "test_enclosing_scope_ref_2": "test_enclosing_scope_ref",
    "test_mutating_outgrad": "test_mutating_outgrad",
    "test_mutating_outgrad_from_indexing": "test_mutating_outgrad",
    "test_complex_mutating_outgrad_from_indexing": "test_mutating_outgrad",
    "test_complex_separate_real_and_imaginary": "test_complex_separate_real_and_imaginary",
    "test_third_derivative": "test_third_derivative",
    "test_third_derivative_other_args": "test_third_derivative_other_args",
    "test_third_derivative_other_args2": "test_third_derivative_other_args",
    "test_nonscalar_output_1": "test_nonscalar_output",
    "test_nonscalar_output_2": "test_nonscalar_output",
}
for _s in ("", "_axis0", "_axis1", "_axis0_keepdims", "_axis1_keepdims"):
    _GRAPHS["test_singleton_array_output" + _s] = "test_singleton_array_output"
_GRAPHS = {k: "covered: " + _G + v for k, v in _GRAPHS.items()}
_GRAPHS["test_assignment_raises_error"] = (
    "differs: autograd refuses any item assignment on a traced array; gpuad records writes "
    "and refuses one into a differentiated argument: covered: "
    + _G
    + "test_assignment_into_argument_raises"
)

_WRAPPERS = {
    "test_return_both": "test_return_both",
    "test_value_and_grad": "test_value_and_grad",
    "test_hessian": "test_hessian_of_quadratic",
    "test_multigrad": "test_multigrad",
    "test_value_and_multigrad": "test_value_and_multigrad",
    "test_multigrad_onearg": "test_multigrad_onearg",
    "test_elementwise_grad": "test_elementwise_grad",
    "test_elementwise_grad_multiple_args": "test_elementwise_grad_multiple_args",
    "test_hessian_tensor_product": "test_hessian_tensor_product",
    "test_hvp": "test_make_hvp",
    "test_hessian_matrix_product": "test_hessian_tensor_product",
    "test_hessian_tensor_product_3d": "test_hessian_tensor_product",
    "test_tensor_jacobian_product": "test_tensor_jacobian_product",
    "test_matrix_jacobian_product": "test_tensor_jacobian_product",
    "test_partial": "test_partial",
    "test_dtypes": "test_dtypes",
    "test_custom_where_dtypes": "test_where_dtypes",
    "test_custom_where": "test_where_forms",
    "test_make_jvp": "test_make_jvp",
    "test_make_ggnvp": "test_make_ggnvp",
    "test_make_ggnvp_nondefault_g": "test_make_ggnvp",
    "test_grad_and_aux": "test_grad_and_aux",
}
_WRAPPERS = {k: "covered: " + _W + v for k, v in _WRAPPERS.items()}
_WRAPPERS["test_wrapped_name_and_docs"] = (
    "differs: gpuad keeps the wrapped function's __name__ and __doc__ (functools.wraps, as "
    "JAX); autograd renames them: covered: " + _W + "test_wrapped_name_and_docs"
)
_DEPRECATED = (
    "n/a: autograd's deprecated primitive-registration API (defgrad, defvjp, "
    "defvjp_is_zero, quick_grad_check); gpuad's rules are custom_vjp/custom_jvp, "
    "tested in test_jax_custom_derivatives.py"
)
for _n in ("defgrad", "defvjp", "defvjp_is_zero", "quick_grad_check"):
    _WRAPPERS[f"test_deprecated_{_n}_wrapper"] = _DEPRECATED

_SCALAR_OPS = {
    "test_" + n: "covered: " + _O + "test_scalar_unary"
    for n in (
        "sin",
        "exp",
        "log",
        "log2",
        "log10",
        "log1p",
        "expm1",
        "exp2",
        "cos",
        "tan",
        "cosh",
        "sinh",
        "tanh",
        "arccos",
        "arcsin",
        "arctan",
        "arccosh",
        "arcsinh",
        "arctanh",
        "sqrt",
        "reciprocal",
        "negative",
        "rad2deg",
        "deg2rad",
        "radians",
        "degrees",
        "sinc",
    )
}
_SCALAR_OPS["test_abs"] = "covered: " + _O + "test_scalar_abs"
_SCALAR_OPS["test_sign"] = "covered: " + _O + "test_scalar_sign_neg"
_SCALAR_OPS["test_neg"] = "covered: " + _O + "test_scalar_sign_neg"
for _n in ("power_arg0", "power_arg1", "power_arg1_zero"):
    _SCALAR_OPS["test_" + _n] = "covered: " + _O + "test_" + _n
for _n in ("mod", "divide", "multiply", "true_divide"):
    for _a in ("arg0", "arg1"):
        _SCALAR_OPS[f"test_{_n}_{_a}"] = "covered: " + _O + "test_scalar_binary"

_XARRAY = (
    "n/a: xarray.DataArray operands; xarray is not installed with gpuad's test "
    "dependencies (the same dispatch with ndarray operands is here: "
    "test_ndarray_operand_dispatch)"
)
_FMAP = "n/a: autograd.fmap_util, autograd's container-mapping internals with no user API"
_VSPACE = (
    "n/a: autograd's VSpace objects (its internal tangent-space type); gpuad has none: "
    "tangents are arrays of the input's shape and dtype"
)

GAPS = (
    *(("test_numpy", n, w) for n, w in _NUMPY.items()),
    *(("test_cupy", n, _cupy_where(n)) for n in _CUPY_NAMES),
    *(("test_systematic", n, w) for n, w in _SYSTEMATIC.items()),
    *(("test_scipy", n, w) for n, w in _SCIPY.items()),
    *(("test_linalg", n, "covered: " + _L + w) for n, w in _LINALG.items()),
    *(("test_fft", n, w) for n, w in _FFT.items()),
    *(("test_graphs", n, w) for n, w in _GRAPHS.items()),
    *(("test_wrappers", n, w) for n, w in _WRAPPERS.items()),
    *(("test_scalar_ops", n, w) for n, w in _SCALAR_OPS.items()),
    *(
        ("test_core", "test_" + n, "covered: " + _C + "test_binary_operator")
        for n in ("add", "sub", "div", "mul", "pow", "mod")
    ),
    *(
        ("test_core", "test_" + n, "covered: " + _C + "test_comparison")
        for n in ("eq", "neq", "leq", "geq", "lt", "gt")
    ),
    ("test_direct", "test_grad", "covered: " + _C + "test_grad_value"),
    ("test_direct", "test_deriv", "covered: " + _C + "test_deriv_value"),
    ("test_direct", "test_grad_complex_output", "covered: " + _C + "test_grad_complex_output"),
    ("test_direct", "test_holomorphic_grad", "covered: " + _C + "test_holomorphic_grad"),
    ("test_builtins", "test_isinstance", "covered: " + _C + "test_isinstance"),
    ("test_forward", "test_fwd", "covered: " + _C + "test_fwd"),
    *(
        ("test_forward", "test_" + n, "covered: " + _C + "test_fwd_fwd_rev_fwd_fwd_rev")
        for n in ("fwd_fwd", "rev_fwd", "fwd_rev")
    ),
    ("test_jvps", "test_sin", "covered: " + _C + "test_jvp_matrix_matches_differences"),
    (
        "test_tests",
        "test_check_vjp_1st_order_fail",
        "covered: " + _C + "test_check_vjp_first_order_fail",
    ),
    (
        "test_tests",
        "test_check_vjp_2nd_order_fail",
        "covered: " + _C + "test_check_vjp_second_order_fail",
    ),
    (
        "test_misc",
        "test_const_graph",
        "differs: no const_graph; gpuad runs the function eagerly on every call (docs/porting.md):"
        " here: test_const_graph_has_no_counterpart",
    ),
    (
        "test_misc",
        "test_const_graph_args",
        "differs: no const_graph (see test_const_graph): here: test_const_graph_has_no_counterpart",
    ),
    ("test_misc", "test_flatten", "covered: " + _C + "test_flatten"),
    ("test_flatten", "test_flatten", "covered: " + _C + "test_flatten"),
    ("test_flatten", "test_flatten_dict", "covered: " + _C + "test_flatten_dict"),
    ("test_flatten", "test_flatten_complex", "covered: " + _C + "test_flatten_complex"),
    *(
        ("test_thread_safety", n, "covered: " + _C + "test_concurrent_transforms")
        for n in (
            "test_concurrent_grad_distinct_inputs",
            "test_concurrent_higher_order_grad",
            "test_concurrent_jacobian",
        )
    ),
    (
        "test_thread_safety",
        "test_concurrent_const_graph",
        "differs: no const_graph (nothing cached to race on); eager calls from threads: here: "
        "test_const_graph_has_no_counterpart",
    ),
    ("test_complex", "test_real_type", "covered: test_autograd_complex.py::test_real_type"),
    (
        "test_complex",
        "test_real_if_close_type",
        "covered: test_autograd_complex.py::test_real_type",
    ),
    *(
        ("test_complex", n, "covered: test_autograd_complex.py::test_angle")
        for n in ("test_angle_real", "test_angle_complex")
    ),
    *(
        ("test_complex", n, "covered: test_autograd_complex.py::test_abs")
        for n in ("test_abs_real", "test_abs_complex")
    ),
    *(
        ("test_dict", n, "covered: " + _K + w)
        for n, w in (
            ("test_getter", "test_getter"),
            ("test_grads", "test_grads"),
            ("test_iter", "test_dict_iteration"),
            ("test_items_values_keys", "test_dict_iteration"),
            ("test_get", "test_dict_get"),
            ("test_make_dict", "test_make_dict"),
            ("test_isinstance", "test_isinstance"),
        )
    ),
    *(
        ("test_list", n, "covered: " + _K + w)
        for n, w in (
            ("test_getter", "test_getter"),
            ("test_grads", "test_grads"),
            ("test_slices", "test_list_slices"),
            ("test_nested_list", "test_nested_list"),
        )
    ),
    *(
        ("test_tuple", n, "covered: " + _K + w)
        for n, w in (
            ("test_getter", "test_getter"),
            ("test_grads", "test_grads"),
            ("test_nested_higher_order", "test_tuple_nested_higher_order"),
            ("test_isinstance", "test_isinstance"),
        )
    ),
    ("test_logic", "test_assert", "covered: " + _O + "test_assert_inside"),
    (
        "test_logic",
        "test_nograd",
        "differs: grad of a boolean result raises TypeError as autograd's does, never a zero: "
        "covered: " + _O + "test_no_gradient_of_a_predicate",
    ),
    ("test_logic", "test_no_vjp_def", "covered: " + _O + "test_no_vjp_def"),
    ("test_logic", "test_no_jvp_def", "covered: " + _O + "test_no_jvp_def"),
    ("test_logic", "test_falseyness", "covered: " + _O + "test_falseyness"),
    (
        "test_logic",
        "test_unimplemented_falseyness",
        "n/a: deletes the derivative rule of np.iscomplex from autograd's internal registry; "
        "gpuad's predicates have no rule to delete (the same function: "
        "covered: " + _O + "test_falseyness)",
    ),
    *(
        ("test_binary_ops", "test_" + n, "covered: " + _O + "test_arithmetic")
        for n in ("mul", "add", "sub")
    ),
    *(
        ("test_binary_ops", "test_" + n, "covered: " + _O + "test_" + n)
        for n in ("div", "mod", "pow", "comparison_grads", "comparison_values")
    ),
    ("test_truediv", "test_div", "covered: " + _O + "test_div"),
    ("test_vspaces", "test_array_vspace", _VSPACE),
    ("test_vspaces", "test_array_vspace_0_dim", _VSPACE),
    ("test_vspaces", "test_array_vspace_complex", _VSPACE),
    (
        "test_jacobian",
        "test_jacobian_against_grad",
        "covered: " + _W + "test_jacobian_against_grad",
    ),
    (
        "test_jacobian",
        "test_jacobian_scalar_to_vector",
        "covered: " + _W + "test_jacobian_scalar_to_vector",
    ),
    (
        "test_jacobian",
        "test_jacobian_against_stacked_grads",
        "covered: " + _W + "test_jacobian_against_stacked_grads",
    ),
    (
        "test_jacobian",
        "test_jacobian_higher_order",
        "covered: " + _W + "test_jacobian_higher_order",
    ),
    ("test_numpy_interp", "test_interp", "covered: " + _N + "test_interp"),
    ("test_numpy_interp", "test_interp_edge", "covered: " + _N + "test_interp_edge"),
    ("test_numpy_interp", "test_interp_correctness", "covered: " + _N + "test_interp_correctness"),
    (
        "test_numpy_interp",
        "test_interp_correctness_edge",
        "covered: " + _N + "test_interp_correctness",
    ),
    ("test_tjps", "test_dot", "here: test_jacobian_of_dot_every_shape_pair"),
    ("test_primitives", "test_flatten_unflatten", "covered: " + _C + "test_flatten"),
    ("test_primitives", "test_identity", "here: test_primitive_vjps_every_shape[identity]"),
    ("test_primitives", "test_sin", "here: test_primitive_vjps_every_shape[sin]"),
    ("test_primitives", "test_np_sum", "here: test_primitive_vjps_every_shape[add]"),
    *(
        ("test_fmap", n, _FMAP)
        for n in (
            "test_limited_fmap",
            "test_fmap_to_list",
            "test_fmap_to_basis",
            "test_container_fmap",
        )
    ),
    *(
        ("test_ufunc_dispatch", "test_grad_through_" + n, _XARRAY)
        for n in (
            "dataarray_binary_ufunc",
            "dataarray_reversed_operand",
            "dataarray_unary_ufunc",
            "dataarray_transcendental_ufunc",
            "two_dataarrays_holding_boxes",
            "dataarray_box_plus_plain_dataarray",
            "dataarray_box_times_plain_ndarray",
            "dataarray_box_times_python_scalar",
            "dataarray_division",
            "dataarray_exp",
            "dataarray_maximum",
            "dataarray_array_valued_box",
            "box_times_dataarray_holding_box",
        )
    ),
    *(
        ("test_ufunc_dispatch", "test_ufunc_" + n, f"here: test_ndarray_operand_dispatch[{n}]")
        for n in (
            "box_scalar_times_plain_ndarray",
            "plain_ndarray_times_box_scalar",
            "box_array_elementwise_plain_ndarray",
            "between_two_arrayboxes_still_differentiates",
            "arraybox_and_scalar_still_differentiates",
        )
    ),
    (
        "test_numpy_like",
        "test_dask",
        "n/a: dask arrays as inputs; dask is not a gpuad backend (NumPy and CuPy are)",
    ),
    *(
        ("test_complexity", "test_" + n, f"here: test_linear_time[{n}]")
        for n in ("array_creation", "array_indexing", "list_indexing", "list_creation")
    ),
    (
        "test_cupy_hack",
        "test_sin",
        "differs: elementwise_grad of an integer array raises TypeError saying to cast it "
        "(autograd differentiates the integers as floats): here: "
        "test_integer_input_is_refused",
    ),
    *(
        ("test_cupy_hack", "test_" + n, f"here: test_cupy_hack_cases[{n}]")
        for n in ("higher_order_derivatives", "linalg_norm", "argmin", "gradient_descent")
    ),
    ("test_cupy_sparse", "test_sparse_coo_matrix", "n/a: sparse matrices"),
    ("test_cupy_sparse", "test_sparse_dense_multiplication", "n/a: sparse matrices"),
    (
        "test_gpu",
        "test_dot",
        "n/a: a device dtype (gpu_float32) of an abandoned branch; the dot cases are covered: "
        + _S
        + "test_dot",
    ),
)


def _suite_functions(path: str) -> set[str]:
    text = (Path(__file__).parent / path).read_text()
    return set(re.findall(r"^def (test_\w+)\(", text, flags=re.M))


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 737, len(GAPS)
    per_file = {}
    for cls, name, where in GAPS:
        per_file[cls] = per_file.get(cls, 0) + 1
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        assert name.startswith("test_"), (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                values = [v for m in marks for v in m.args[1]]
                assert param in values, (name, param)
        for path, fn in re.findall(r"covered: ([\w/.]+\.py)::(test_\w+)", where):
            assert fn in _suite_functions(path), (name, path, fn)
        if where.startswith(("covered:", "differs:")):
            assert "covered: " in where or "here: " in where, (cls, name)
    # the number of tests pytest collects from each upstream file (one row each)
    assert per_file == {
        "test_numpy": 107,
        "test_cupy": 100,
        "test_systematic": 129,
        "test_scipy": 93,
        "test_linalg": 55,
        "test_fft": 43,
        "test_graphs": 21,
        "test_wrappers": 27,
        "test_scalar_ops": 41,
        "test_core": 12,
        "test_direct": 4,
        "test_builtins": 1,
        "test_forward": 4,
        "test_jvps": 1,
        "test_tests": 2,
        "test_misc": 3,
        "test_flatten": 3,
        "test_thread_safety": 4,
        "test_complex": 6,
        "test_dict": 7,
        "test_list": 4,
        "test_tuple": 4,
        "test_logic": 6,
        "test_binary_ops": 8,
        "test_truediv": 1,
        "test_vspaces": 3,
        "test_jacobian": 4,
        "test_numpy_interp": 4,
        "test_tjps": 1,
        "test_primitives": 4,
        "test_fmap": 4,
        "test_ufunc_dispatch": 18,
        "test_numpy_like": 1,
        "test_complexity": 4,
        "test_cupy_hack": 5,
        "test_cupy_sparse": 2,
        "test_gpu": 1,
    }, per_file


# --------------------------------------------------------------------------------- helpers


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.numpy()
    return np.asarray(a.get() if hasattr(a, "get") else a)


# ------------------------------------------------------------------------- test_numpy.py


def test_numpy_version(backend):
    # autograd.numpy.__version__ is NumPy's; code reads it to choose between NumPy APIs
    assert gnp.__version__ == np.__version__ == anp.__version__
    assert np.lib.NumpyVersion(gnp.__version__) >= "1.0.0"


# --------------------------------------------------- test_misc.py, test_thread_safety.py


def test_const_graph_has_no_counterpart(backend):
    import gpuad.misc as misc

    assert not hasattr(misc, "const_graph")
    # what replaces it: the function runs, Python side effects included, on every call
    calls = []

    def foo(x, y):
        calls.append(None)
        return ad.grad(lambda x: gnp.sin(x) + x * 2)(x * y)

    for x, y in [(0.0, 0.0), (1.0, 0.5), (1.0, 0.5)]:
        want = autograd.grad(lambda x: anp.sin(x) + x * 2)(x * y)
        np.testing.assert_allclose(_np(foo(x, y)), want, rtol=1e-14)
    assert len(calls) == 3
    # eager calls from several threads at once: each gets its own value (nothing cached)
    fun = lambda x: gnp.sum(gnp.sin(x) + x * 2)  # noqa: E731
    inputs = [np.linspace(0.1, 1.0, 5) + i for i in range(8)]
    results = [None] * 8
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        results[i] = _np(fun(inputs[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, x in enumerate(inputs):
        np.testing.assert_allclose(results[i], np.sum(np.sin(x) + x * 2), rtol=1e-14)


# ------------------------------------------------------------------------- test_tjps.py


@pytest.mark.parametrize("argnum", [0, 1])
def test_jacobian_of_dot_every_shape_pair(backend, argnum):
    """jacobian(dot) for every pair of 0- to 3-d operands: shape and values as autograd's,
    and the dot's own value as NumPy's (a 0-d operand is a scalar product)."""
    rs = np.random.RandomState(0)
    shapes = [(), (2,), (2, 2), (2, 2, 2)]
    for s1, s2 in itertools.product(shapes, shapes):
        a, b = rs.normal(size=s1), rs.normal(size=s2)
        got = _np(ad.jacobian(gnp.dot, argnums=argnum)(a, b))
        want = autograd.jacobian(anp.dot, argnum)(a, b)
        assert got.shape == want.shape, (s1, s2, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14, err_msg=str((s1, s2)))
        value = _np(gnp.dot(a, b))
        assert value.shape == np.dot(a, b).shape
        np.testing.assert_allclose(value, np.dot(a, b), rtol=1e-14)


# -------------------------------------------------------------------- test_primitives.py

_SHAPES = [(), (1,), (1, 1), (2,), (3, 1), (1, 2), (3, 2), (2, 3, 1)]


@pytest.mark.parametrize("name", ["identity", "sin", "add"])
def test_primitive_vjps_every_shape(backend, name):
    """autograd checks each primitive's VJP against a numerical Jacobian for every array
    shape, real and complex (and for add every broadcasting pair): the same sweep here, with
    forward mode and second order too. Real cases are compared with autograd's gradient."""
    rs = np.random.RandomState(1)

    def arr(shape, cplx):
        x = rs.randn(*shape)
        return x + 1j * rs.randn(*shape) if cplx else x

    if name == "add":
        cases = [
            (arr(s1, c1), arr(s2, c2))
            for s1, s2 in itertools.product(_SHAPES, _SHAPES)
            for c1, c2 in [(False, False), (True, False), (False, True)]
            if len(s1) + len(s2) <= 3 or s1 == s2
        ]
        gf, af = gnp.add, anp.add
    else:
        cases = [(arr(s, c),) for s in _SHAPES for c in (False, True)]
        gf, af = (gnp.sin, anp.sin) if name == "sin" else (lambda x: x, lambda x: x)
    for args in cases:
        value = _np(gf(*args))
        expect = np.sin(args[0]) if name == "sin" else (np.add(*args) if name == "add" else args[0])
        assert value.shape == np.shape(expect) and value.dtype == np.asarray(expect).dtype
        np.testing.assert_allclose(value, expect, rtol=1e-15)
        check_grads(gf, args, order=2, modes=BOTH)
        if not any(np.iscomplexobj(a) for a in args):
            argnums = tuple(range(len(args)))
            loss_g = lambda *a: gnp.sum(gnp.cos(gf(*a)))  # noqa: E731
            loss_a = lambda *a: anp.sum(anp.cos(af(*a)))  # noqa: E731
            got = ad.grad(loss_g, argnums=argnums)(*args)
            want = autograd.grad(loss_a, argnums)(*args)
            for g, w, a in zip(got, want, args, strict=True):
                assert _np(g).shape == np.shape(a)
                np.testing.assert_allclose(_np(g), w, rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------- test_ufunc_dispatch.py

_COEFFS = np.array([1.0, 2.0, 3.0])
_DISPATCH = {
    # name: (function of (numpy module, x), x): plain ndarrays on either side of a Tensor
    "box_scalar_times_plain_ndarray": (lambda m, x: m.sum(x * _COEFFS), 2.0),
    "plain_ndarray_times_box_scalar": (lambda m, x: m.sum(_COEFFS * x), 2.0),
    "box_array_elementwise_plain_ndarray": (
        lambda m, x: m.sum(x * np.array([2.0, 3.0, 4.0])),
        np.array([1.0, -1.0, 0.5]),
    ),
    "between_two_arrayboxes_still_differentiates": (
        lambda m, x: m.sum(m.multiply(x, x)),
        np.array([1.0, 2.0, 3.0]),
    ),
    "arraybox_and_scalar_still_differentiates": (
        lambda m, x: m.sum(m.sin(x) + 2.0 * x),
        np.array([0.1, 0.2, 0.3]),
    ),
}


@pytest.mark.parametrize("case", list(_DISPATCH))
def test_ndarray_operand_dispatch(backend, case):
    f, x = _DISPATCH[case]
    np.testing.assert_allclose(_np(f(gnp, x)), f(np, x), rtol=1e-15)
    got = ad.grad(lambda x: f(gnp, x))(x)
    want = autograd.grad(lambda x: f(anp, x))(x)
    assert _np(got).shape == np.shape(want)
    np.testing.assert_allclose(_np(got), want, rtol=1e-14)
    check_grads(lambda x: f(gnp, x), (x,), order=2, modes=BOTH)
    # NumPy's own operators and ufuncs with the Tensor as an operand (reflected operators,
    # __array_ufunc__): recorded the same way, on the NumPy backend where the ndarray lives
    if backend == "numpy":
        reflected = {
            "box_scalar_times_plain_ndarray": lambda x: np.sum(_COEFFS.__mul__(x)),
            "plain_ndarray_times_box_scalar": lambda x: gnp.sum(np.multiply(_COEFFS, x)),
            "box_array_elementwise_plain_ndarray": lambda x: gnp.sum(np.array([2.0, 3.0, 4.0]) * x),
            "between_two_arrayboxes_still_differentiates": lambda x: np.sum(np.multiply(x, x)),
            "arraybox_and_scalar_still_differentiates": lambda x: np.sum(np.sin(x) + 2.0 * x),
        }[case]
        got = ad.grad(reflected)(x)
        assert not isinstance(got, type(NotImplemented))
        np.testing.assert_allclose(_np(got), want, rtol=1e-14)


# ------------------------------------------------------------------- test_complexity.py


def _complexity_case(case, n):
    if case == "array_creation":
        return lambda: ad.grad(lambda x: gnp.sum(gnp.array([x for _ in range(n)])))(1.0)
    if case == "array_indexing":
        return lambda: ad.grad(lambda x: sum([x[i] for i in range(len(x))]))(np.zeros(n))
    if case == "list_indexing":
        return lambda: ad.grad(lambda x: sum([x[i] for i in range(len(x))]))([0.0] * (n // 4))
    return lambda: deriv(lambda x: [x for _ in range(n // 10)])(0.0)


@pytest.mark.parametrize(
    "case", ["array_creation", "array_indexing", "list_indexing", "list_creation"]
)
def test_linear_time(backend, case):
    """autograd asserts that these derivatives take linear time in the number of recorded
    steps. Ten times the steps must take far less than a hundred times as long (the
    quadratic growth of a bookkeeping bug); the best of three runs damps machine noise."""
    small, big = _complexity_case(case, 300), _complexity_case(case, 3000)
    out = big()
    if case == "list_creation":
        assert len(out) == 300 and all(float(v) == 1.0 for v in out)
    elif case == "array_creation":
        assert float(out) == 3000.0
    else:
        assert all(float(v) == 1.0 for v in (out if isinstance(out, list) else _np(out)))

    def best(f):
        times = []
        for _ in range(3):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return min(times)

    t_small, t_big = best(small), best(big)
    assert t_big < 40 * t_small + 0.05, (t_small, t_big)


# -------------------------------------------------------------------- test_cupy_hack.py


def test_integer_input_is_refused(backend):
    a = gnp.arange(10)
    # autograd treats the integers as floats; gpuad refuses and says how to get that
    assert _np(autograd.elementwise_grad(anp.sin)(np.arange(10))).dtype == np.float64
    with pytest.raises(TypeError, match=r"astype\(float\)"):
        elementwise_grad(gnp.sin)(a)
    got = elementwise_grad(gnp.sin)(a.astype(float))
    np.testing.assert_allclose(_np(got), np.cos(np.arange(10.0)), rtol=1e-15)


@pytest.mark.parametrize(
    "case", ["higher_order_derivatives", "linalg_norm", "argmin", "gradient_descent"]
)
def test_cupy_hack_cases(backend, case):
    if case == "higher_order_derivatives":
        a = np.arange(10.0)
        eg, aeg = elementwise_grad, autograd.elementwise_grad
        for g, w in [
            (eg(gnp.sin), aeg(anp.sin)),
            (eg(eg(gnp.sin)), aeg(aeg(anp.sin))),
            (eg(eg(eg(gnp.sin))), aeg(aeg(aeg(anp.sin)))),
        ]:
            np.testing.assert_allclose(_np(g(gnp.asarray(a))), w(a), rtol=1e-14, atol=1e-15)
    elif case == "linalg_norm":
        got, want = gnp.linalg.norm(gnp.array([1, 2, 3])), np.linalg.norm(np.array([1, 2, 3]))
        assert _np(got).dtype == np.asarray(want).dtype and _np(got).shape == ()
        np.testing.assert_allclose(_np(got), want, rtol=1e-15)
    elif case == "argmin":
        got, want = gnp.argmin(gnp.arange(10)), np.argmin(np.arange(10))
        assert _np(got).dtype == np.asarray(want).dtype and int(_np(got)) == want
    else:
        rs = np.random.RandomState(0)
        x, w_true = rs.random_sample((10, 2)), rs.random_sample((2, 1))
        y, w = x @ w_true, rs.rand(2, 1)

        def loss(m):
            return lambda w, x, y: m.mean(m.power(m.dot(x, w).ravel() - y.ravel(), m.array(2)))

        dg = elementwise_grad(loss(gnp))
        da = autograd.elementwise_grad(loss(anp))
        wg, wa = gnp.asarray(w), w
        for _ in range(200):
            wg = wg - dg(wg, gnp.asarray(x), gnp.asarray(y)) * 0.5
            wa = wa - da(wa, x, y) * 0.5
        np.testing.assert_allclose(_np(wg), wa, rtol=1e-10)
        np.testing.assert_allclose(_np(wg), w_true, atol=0.05)


# ------------------------------------------------------------------------ test_scipy.py


def test_solve_banded(backend):
    import autograd.scipy.linalg as asla
    import scipy.linalg as sla

    import gpuad.scipy.linalg as gsla

    rs = np.random.RandomState(1)
    ab, b = rs.randn(3, 5), rs.randn(5)
    ab[1] += 4.0  # a diagonally dominant band: well conditioned for the differences
    got = _np(gsla.solve_banded((1, 1), gnp.asarray(ab), gnp.asarray(b)))
    want = sla.solve_banded((1, 1), ab, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-13)
    check_grads(lambda ab, b: gsla.solve_banded((1, 1), ab, b), (ab, b), order=2, modes=BOTH)
    loss_g = lambda ab, b: gnp.sum(gnp.sin(gsla.solve_banded((1, 1), ab, b)))  # noqa: E731
    loss_a = lambda ab, b: anp.sum(anp.sin(asla.solve_banded((1, 1), ab, b)))  # noqa: E731
    for g, w in zip(
        ad.grad(loss_g, argnums=(0, 1))(ab, b), autograd.grad(loss_a, (0, 1))(ab, b), strict=True
    ):
        np.testing.assert_allclose(_np(g), w, rtol=1e-12, atol=1e-14)


# ------------------------------- gradients against autograd's own, on the same inputs

_SWEEP_UNARY = [
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "square",
    "reciprocal",
    "negative",
    "abs",
    "fabs",
    "arctan",
    "arcsinh",
    "sinc",
    "deg2rad",
    "rad2deg",
    "real",
    "imag",
    "conj",
    "cumsum",
    "sum",
    "mean",
    "prod",
    "var",
    "std",
    "max",
    "min",
    "transpose",
    "ravel",
    "fliplr",
    "flipud",
    "rot90",
    "trace",
    "tril",
    "triu",
    "diff",
    "atleast_3d",
    "squeeze",
    "nan_to_num",
]
_POSITIVE = {"log", "log2", "log10", "log1p", "sqrt", "reciprocal", "fabs", "abs"}
_COMPLEX_OK = {
    "sin",
    "cos",
    "tan",
    "sinh",
    "cosh",
    "tanh",
    "exp",
    "expm1",
    "log",
    "log10",
    "log1p",
    "sqrt",
    "square",
    "reciprocal",
    "negative",
    "abs",
    "arctan",
    "arcsinh",
    "real",
    "imag",
    "conj",
    "cumsum",
    "sum",
    "mean",
    "prod",
    "transpose",
    "ravel",
    "trace",
}


@pytest.mark.parametrize("name", _SWEEP_UNARY)
def test_reverse_gradients_equal_autograds(backend, name):
    """The reverse-mode gradient of a real loss of ``name``'s result equals autograd's on a
    random point away from kinks (real inputs); for complex inputs it equals the conjugate of
    autograd's (gpuad follows PyTorch's convention, autograd returns dL/dx - i dL/dy)."""
    rs = np.random.RandomState(5)
    x = rs.randn(3, 4)
    if name in _POSITIVE:
        x = np.abs(x) + 0.2
    weights = rs.randn(48)

    def loss(m, z):
        y = getattr(m, name)(z)
        flat = m.ravel(m.real(y) + 0.5 * m.imag(y))
        return m.sum(m.sin(flat) * weights[: flat.shape[0]])

    got = ad.grad(lambda z: loss(gnp, z))(x)
    want = autograd.grad(lambda z: loss(anp, z))(x)
    assert _np(got).shape == want.shape and _np(got).dtype == want.dtype
    np.testing.assert_allclose(_np(got), want, rtol=1e-11, atol=1e-13)
    if name in _COMPLEX_OK:
        z = x + 1j * rs.randn(3, 4) * 0.5
        got = ad.grad(lambda z: loss(gnp, z))(z)
        want = autograd.grad(lambda z: loss(anp, z))(z)
        assert _np(got).dtype == np.complex128
        np.testing.assert_allclose(_np(got), np.conj(want), rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # autograd's 0 / 0
@pytest.mark.parametrize(
    "case",
    [
        "prod_with_a_zero",
        "sinc_at_zero",
        "norm_at_zero",
        "std_of_equal_values",
        "clip_at_its_bounds",
        "norm_inf",
        "norm_keepdims",
    ],
)
def test_where_autograd_gives_nan(backend, case):
    """Points where autograd's rule divides 0 by 0 and returns NaN. gpuad returns the exact
    derivative (prod, sinc) or the subgradient docs/semantics.md ("Subgradients at kinks")
    names (norm and std at 0: 0; clip closed at both bounds), never NaN."""
    if case == "prod_with_a_zero":
        x = np.array([1.0, 0.0, 2.0, 3.0])
        got, want = ad.grad(gnp.prod)(x), np.array([0.0, 6.0, 0.0, 0.0])  # products of the others
        assert np.isnan(autograd.grad(anp.prod)(x)[1])
        two = ad.grad(gnp.prod)(np.array([1.0, 0.0, 2.0, 0.0]))
        np.testing.assert_array_equal(_np(two), np.zeros(4))
    elif case == "sinc_at_zero":
        x = np.array([0.0, 0.5])
        got = elementwise_grad(gnp.sinc)(x)
        want = np.array(
            [0.0, (np.cos(np.pi * 0.5) * np.pi * 0.5 - np.sin(np.pi * 0.5)) / (np.pi * 0.25)]
        )
        assert np.isnan(autograd.elementwise_grad(anp.sinc)(x)[0])
    elif case == "norm_at_zero":
        x = np.zeros(3)
        got, want = ad.grad(gnp.linalg.norm)(x), np.zeros(3)
        assert np.isnan(autograd.grad(anp.linalg.norm)(x)).all()
    elif case == "std_of_equal_values":
        x = np.array([1.5, 1.5, 1.5])
        got, want = ad.grad(gnp.std)(x), np.zeros(3)
        assert np.isnan(autograd.grad(anp.std)(x)).all()
    elif case == "norm_inf":
        # the largest |x| is unique: the derivative is its sign there, 0 elsewhere
        x = np.array([0.3, -1.2, 2.0, 0.5, 0.1, -0.7])
        got, want = ad.grad(lambda x: gnp.linalg.norm(x, ord=np.inf))(x), np.eye(6)[2]
        assert np.isnan(autograd.grad(lambda x: anp.linalg.norm(x, ord=np.inf))(x)).any()
        check_grads(lambda x: gnp.linalg.norm(x, ord=np.inf), (x,), order=1, modes=BOTH)
    elif case == "norm_keepdims":
        # autograd's gradient of this gets shape (2, 2, 3), not x's (2, 3)
        x = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])

        def loss(m):
            return lambda x: m.sum(m.linalg.norm(x, axis=1, keepdims=True) * x)

        got = ad.grad(loss(gnp))(x)
        assert autograd.grad(loss(anp))(x).shape != x.shape
        r = np.linalg.norm(x, axis=1, keepdims=True)
        want = x * np.sum(x, axis=1, keepdims=True) / r + r  # d/dx of sum(|x_i| x_i)
        check_grads(loss(gnp), (x,), order=2, modes=BOTH)
    else:
        x = np.array([0.0, 1.0, 2.0, 2.5])
        got = ad.grad(lambda x: gnp.sum(gnp.clip(x, 0.0, 2.0)))(x)
        want = np.array([1.0, 1.0, 1.0, 0.0])
        # autograd's interval is open: 0 at the bounds
        np.testing.assert_array_equal(
            autograd.grad(lambda x: anp.sum(anp.clip(x, 0.0, 2.0)))(x), [0.0, 1.0, 0.0, 0.0]
        )
    assert not np.isnan(_np(got)).any()
    np.testing.assert_allclose(_np(got), want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
def test_solve_triangular_options(backend, trans):
    """autograd.scipy.linalg.solve_triangular (whose VJP test_scipy.py does not reach) with
    every ``trans``, both triangles and a matrix or vector right side: values as SciPy's,
    gradients as autograd's. With ``unit_diagonal=True`` the diagonal is never read, so its
    gradient is 0; autograd's VJP reads the diagonal anyway, and only finite differences judge
    there."""
    import autograd.scipy.linalg as asla
    import scipy.linalg as sla

    import gpuad.scipy.linalg as gsla

    rs = np.random.RandomState(2)
    a = rs.randn(4, 4) + 4 * np.eye(4)
    for lower, unit, rhs in itertools.product(
        [False, True], [False, True], [rs.randn(4, 3), rs.randn(4)]
    ):
        kw = {"trans": trans, "lower": lower, "unit_diagonal": unit}
        got = _np(gsla.solve_triangular(gnp.asarray(a), gnp.asarray(rhs), **kw))
        want = sla.solve_triangular(a, rhs, **kw)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
        check_grads(
            lambda a, b, kw=kw: gsla.solve_triangular(a, b, **kw), (a, rhs), order=1, modes=BOTH
        )
        loss_g = lambda a, b, kw=kw: gnp.sum(gnp.sin(gsla.solve_triangular(a, b, **kw)))  # noqa: E731
        g_a, g_b = ad.grad(loss_g, argnums=(0, 1))(a, rhs)
        if unit:
            np.testing.assert_array_equal(np.diag(_np(g_a)), np.zeros(4))
            continue
        loss_a = lambda a, b, kw=kw: anp.sum(anp.sin(asla.solve_triangular(a, b, **kw)))  # noqa: E731
        w_a, w_b = autograd.grad(loss_a, (0, 1))(a, rhs)
        np.testing.assert_allclose(_np(g_a), w_a, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(_np(g_b), w_b, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", _SWEEP_UNARY)
def test_forward_mode_equals_autograds(backend, name):
    """Forward mode (``gpuad.jvp``) and forward-over-reverse Hessian-vector products equal
    autograd's ``make_jvp`` on the same point and tangent; where autograd has no forward rule,
    float64 central differences judge instead."""
    rs = np.random.RandomState(6)
    x, v = rs.randn(3, 4), rs.randn(3, 4)
    if name in _POSITIVE:
        x = np.abs(x) + 0.2
    gf, af = getattr(gnp, name), getattr(anp, name)
    _, tangent = ad.jvp(gf, (x,), (v,))
    hvp = ad.jvp(ad.grad(lambda a: gnp.sum(gnp.sin(gf(a)))), (x,), (v,))[1]
    try:
        want = autograd.make_jvp(af)(x)(v)[1]
        want_hvp = autograd.make_jvp(autograd.grad(lambda a: anp.sum(anp.sin(af(a)))))(x)(v)[1]
    except NotImplementedError:  # autograd lacks a forward rule here
        check_grads(gf, (x,), order=2, modes=("fwd",))
        return
    assert _np(tangent).shape == np.shape(want)
    np.testing.assert_allclose(_np(tangent), want, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(_np(hvp), want_hvp, rtol=1e-10, atol=1e-12)
