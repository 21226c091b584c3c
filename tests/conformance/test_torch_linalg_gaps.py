"""PyTorch's ``test/test_linalg.py`` (class ``TestLinalg``), mapped test by test onto gpuad.

Earlier ports (test_torch_linalg_suite.py, test_torch_linalg_gaps3.py, test_linalg_extra.py,
test_complex_*.py, ../test_linalg_more.py, ../test_torch_linalg_more.py) run the torch.linalg
functions on torch's own inputs. This file ports the rest of TestLinalg: the torch Tensor
methods and BLAS-style functions (``inner``, ``outer``/``ger``, ``addr``, ``addmm``,
``addmv``, ``baddbmm``, ``addbmm``, ``kron``, ``cross``, ``dot``/``vdot``, ``det``,
``logdet``, ``slogdet``, ``inverse``, ``matrix_power``, ``matrix_exp``, ``cholesky_inverse``,
``lu_solve``, ``triangular_solve``, ``svd``, ``qr``, ``renorm``, ``norm``), the error cases,
the degenerate and extreme inputs (empty matrices, inf and NaN, singular batch members) and
the broadcasting of batched solvers. Each test runs the same inputs through gpuad and torch
in this process and compares values, dtypes and shapes; where torch raises, gpuad must raise;
gradients are compared with torch's autograd and with float64 central differences.

``GAPS`` has one row per TestLinalg method: "here:" a test of this file, "covered:" an
earlier port, "differs:" a deliberate difference (with a test of gpuad's behaviour), or
"n/a:" why there is nothing to port; ``test_every_gap_has_a_mapping`` checks the table.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.linalg as LA  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.numpy import linalg as NL  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

INF, NAN = np.inf, np.nan

_OUT = "n/a: out= into preallocated storage (its warnings, dtype and device checks)"
_DEV = "n/a: CUDA, MAGMA or cuSOLVER devices, TF32, fp16 cuBLAS paths or profiler events"
_OLD = (
    "n/a: a function removed from torch (torch.eig, symeig, solve, lstsq, matrix_rank); "
    "the torch.linalg names are ported"
)
_BIG = "n/a: huge batches or matrices (slowTest); the same paths run here at small sizes"

GAPS = (  # (class, torch test, where its port is or why there is none)
    ("TestLinalg", "test_inner", "here: test_inner_outer_ger"),
    ("TestLinalg", "test_outer", "here: test_inner_outer_ger"),
    (
        "TestLinalg",
        "test_linalg_lstsq",
        "covered: test_torch_linalg_suite.py::test_lstsq_drivers; "
        "test_torch_linalg_gaps3.py::test_lstsq_results",
    ),
    ("TestLinalg", "test_linalg_lstsq_batch_broadcasting", "here: test_lstsq_batch_broadcasting"),
    ("TestLinalg", "test_linalg_lstsq_input_checks", "here: test_lstsq_input_checks"),
    ("TestLinalg", "test_cholesky", "covered: test_torch_linalg_suite.py::test_cholesky"),
    ("TestLinalg", "test_cholesky_errors_and_warnings", "here: test_cholesky_errors"),
    ("TestLinalg", "test_old_cholesky_batched_many_batches", _BIG),
    ("TestLinalg", "test_old_cholesky_batched", "here: test_tensor_cholesky_batched"),
    ("TestLinalg", "test_old_cholesky", "here: test_tensor_cholesky_batched"),
    (
        "TestLinalg",
        "test_old_cholesky_empty",
        "covered: test_torch_linalg_suite.py::test_empty_inputs[cholesky]",
    ),
    ("TestLinalg", "test_old_cholesky_batched_upper", "here: test_tensor_cholesky_batched"),
    (
        "TestLinalg",
        "test_cholesky_ex",
        "covered: test_linalg_extra.py::test_torch_ex_functions_report_info",
    ),
    (
        "TestLinalg",
        "test_cholesky_ex_non_pd",
        "differs: cholesky_ex of a matrix that is not positive definite raises LinAlgError "
        "naming the info (torch returns info); covered: "
        "test_torch_linalg_suite.py::test_cholesky_not_positive_definite",
    ),
    ("TestLinalg", "test_cholesky_ex_out_info_error", _OUT),
    ("TestLinalg", "test_addr_bool", "here: test_addr_bool"),
    ("TestLinalg", "test_addr_integral", "here: test_blas_scalar_checks"),
    ("TestLinalg", "test_addr_float_and_complex", "here: test_addmm_family[addr]"),
    (
        "TestLinalg",
        "test_outer_type_promotion",
        "differs: NumPy's promotion (docs/porting.md, NumPy semantics): float16 with int64 "
        "is float64 (torch: float16); here: test_outer_addr_promotion",
    ),
    (
        "TestLinalg",
        "test_addr_type_promotion",
        "differs: NumPy's promotion, as outer's; here: test_outer_addr_promotion",
    ),
    ("TestLinalg", "test_outer_ger_addr_legacy_tests", "here: test_inner_outer_ger"),
    ("TestLinalg", "test_det", "here: test_det_logdet_slogdet_methods"),
    ("TestLinalg", "test_eigh", "covered: test_torch_linalg_suite.py::test_eigh_eigvalsh"),
    (
        "TestLinalg",
        "test_eigh_lower_uplo",
        "differs: a non-symmetric input's gradient is the derivative of the function of the"
        " triangle read (torch returns its symmetrised form; the two agree along symmetric "
        "directions); here: test_eigh_reads_one_triangle",
    ),
    ("TestLinalg", "test_eigh_errors_and_warnings", "here: test_eigh_errors"),
    ("TestLinalg", "test_eigvalsh", "covered: test_torch_linalg_suite.py::test_eigh_eigvalsh"),
    ("TestLinalg", "test_eigvalsh_errors_and_warnings", "here: test_eigh_errors"),
    ("TestLinalg", "test_kron", "here: test_kron"),
    ("TestLinalg", "test_kron_empty", "here: test_kron"),
    ("TestLinalg", "test_kron_errors_and_warnings", _OUT),
    (
        "TestLinalg",
        "test_norm_dtype",
        "differs: no dtype= on gpuad.numpy.linalg.norm (NumPy's signature; cast first with "
        "astype); here: test_norm_dtype_by_casting",
    ),
    (
        "TestLinalg",
        "test_vector_norm",
        "covered: test_torch_linalg_suite.py::test_vector_norm_dims_keepdim_complex; here: "
        "test_norm_degenerate_vectors",
    ),
    ("TestLinalg", "test_vector_norm_dim_tuple_arg", "here: test_vector_norm_dim_tuple"),
    ("TestLinalg", "test_vector_norm_out_dtype_error", _OUT),
    (
        "TestLinalg",
        "test_norm_vector",
        "covered: test_torch_linalg_suite.py::test_vector_norm_rows_with_zeros_and_ties",
    ),
    ("TestLinalg", "test_norm_matrix", "covered: test_torch_linalg_suite.py::test_matrix_norm"),
    ("TestLinalg", "test_norm_fused_type_promotion", _DEV),
    (
        "TestLinalg",
        "test_cond",
        "covered: test_torch_linalg_suite.py::test_cond; here: test_cond_cases",
    ),
    ("TestLinalg", "test_cond_errors_and_warnings", "here: test_cond_cases"),
    ("TestLinalg", "test_norm_errors", "here: test_norm_errors"),
    (
        "TestLinalg",
        "test_norm_complex",
        "covered: test_torch_linalg_suite.py::test_vector_norm_dims_keepdim_complex; "
        "test_linalg_more.py::test_norm_values_of_complex_matrices",
    ),
    ("TestLinalg", "test_vector_norm_extreme_values", "here: test_norm_extreme_values"),
    ("TestLinalg", "test_matrix_norm", "here: test_norm_errors"),
    ("TestLinalg", "test_norm_extreme_values", "here: test_norm_extreme_values"),
    (
        "TestLinalg",
        "test_norm_vector_degenerate_shapes",
        "differs: gpuad.numpy.linalg follows NumPy on an empty vector (inf-norm 0, negative"
        " orders inf; -inf raises), torch raises for all of them; here: "
        "test_norm_degenerate_vectors",
    ),
    ("TestLinalg", "test_norm_matrix_degenerate_shapes", "here: test_norm_degenerate_matrices"),
    ("TestLinalg", "test_norm_fastpaths", "here: test_tensor_norm_method"),
    ("TestLinalg", "test_old_eig_basic", _OLD),
    ("TestLinalg", "test_old_eig_reuse", _OLD),
    ("TestLinalg", "test_old_eig_invalid_input", _OLD),
    ("TestLinalg", "test_old_eig_out", _OLD),
    ("TestLinalg", "test_eig_numpy", "covered: test_torch_linalg_suite.py::test_eig_eigvals"),
    ("TestLinalg", "test_eig_compare_backends", _DEV),
    ("TestLinalg", "test_eig_check_magma", _DEV),
    ("TestLinalg", "test_eig_errors_and_warnings", "here: test_eig_errors"),
    ("TestLinalg", "test_eig_with_nan", "here: test_eig_errors"),
    ("TestLinalg", "test_eigvals_numpy", "covered: test_torch_linalg_suite.py::test_eig_eigvals"),
    ("TestLinalg", "test_eigvals_compare_backends", _DEV),
    ("TestLinalg", "test_eigvals_errors_and_warnings", "here: test_eig_errors"),
    ("TestLinalg", "test_norm_old", "here: test_tensor_norm_method"),
    ("TestLinalg", "test_norm_old_nan_propagation", "here: test_norm_extreme_values"),
    ("TestLinalg", "test_norm_complex_old", "here: test_tensor_norm_method"),
    ("TestLinalg", "test_norm_fro_2_equivalence_old", "here: test_tensor_norm_method"),
    ("TestLinalg", "test_nuclear_norm_axes_small_brute_force_old", "here: test_tensor_norm_method"),
    ("TestLinalg", "test_nuclear_norm_exceptions_old", "here: test_norm_errors"),
    ("TestLinalg", "test_svd", "here: test_tensor_svd"),
    ("TestLinalg", "test_svd_no_singularvectors", "here: test_tensor_svd"),
    (
        "TestLinalg",
        "test_svd_lowrank",
        "n/a: sparse inputs and TorchScript; the dense case: covered: "
        "../test_torch_linalg_more.py::test_svd_lowrank_is_exact_at_full_rank_q",
    ),
    ("TestLinalg", "test_svd_complex", "here: test_tensor_svd"),
    ("TestLinalg", "test_svd_errors_and_warnings", "here: test_svd_of_nan"),
    ("TestLinalg", "test_svd_square", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_svd_square_col_maj", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_svd_tall_some", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_svd_tall_all", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_svd_tall_some_col_maj", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_svd_tall_all_col_maj", "covered: test_torch_linalg_suite.py::test_svd"),
    ("TestLinalg", "test_linalg_svd_compute_uv", "covered: test_torch_linalg_suite.py::test_svd"),
    (
        "TestLinalg",
        "test_svdvals",
        "covered: test_torch_linalg_suite.py::test_empty_inputs[svdvals]; here: test_tensor_svd",
    ),
    ("TestLinalg", "test_svd_memory_allocation", _DEV),
    (
        "TestLinalg",
        "test_cholesky_solve",
        "covered: test_complex_lu_cho.py::test_torch_cholesky_solve",
    ),
    ("TestLinalg", "test_cholesky_solve_batched", "here: test_batched_solves_broadcast"),
    ("TestLinalg", "test_cholesky_solve_batched_many_batches", _BIG),
    (
        "TestLinalg",
        "test_cholesky_solve_batched_broadcasting",
        "here: test_batched_solves_broadcast",
    ),
    ("TestLinalg", "test_cholesky_solve_out_errors_and_warnings", _OUT),
    (
        "TestLinalg",
        "test_inverse",
        "covered: test_torch_linalg_suite.py::test_inv_solve; here: "
        "test_det_logdet_slogdet_methods",
    ),
    ("TestLinalg", "test_inv_ex_info_device", _DEV),
    (
        "TestLinalg",
        "test_inv_ex_singular",
        "covered: test_linalg_extra.py::test_torch_ex_functions_report_info",
    ),
    ("TestLinalg", "test_inverse_many_batches", _BIG),
    ("TestLinalg", "test_inverse_errors", "here: test_singular_and_nonsquare_errors"),
    ("TestLinalg", "test_inverse_errors_large", _BIG),
    (
        "TestLinalg",
        "test_pinv",
        "covered: test_torch_linalg_suite.py::test_pinv; here: test_pinv_cutoffs",
    ),
    ("TestLinalg", "test_pinv_errors_and_warnings", "here: test_pinv_cutoffs"),
    ("TestLinalg", "test_inv_errors_and_warnings", "here: test_singular_and_nonsquare_errors"),
    ("TestLinalg", "test_solve", "covered: test_torch_linalg_suite.py::test_inv_solve"),
    ("TestLinalg", "test_solve_errors_and_warnings", "here: test_singular_and_nonsquare_errors"),
    ("TestLinalg", "test_old_solve", _OLD),
    ("TestLinalg", "test_old_solve_batched", _OLD),
    ("TestLinalg", "test_old_solve_batched_many_batches", _OLD),
    ("TestLinalg", "test_old_solve_batched_broadcasting", _OLD),
    ("TestLinalg", "test_old_solve_errors_and_warnings", _OLD),
    (
        "TestLinalg",
        "test_tensorsolve",
        "covered: test_torch_linalg_suite.py::test_tensorinv_tensorsolve_vander; here: "
        "test_tensorinv_tensorsolve",
    ),
    ("TestLinalg", "test_tensorsolve_empty", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_tensorsolve_errors_and_warnings", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_tensorinv", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_tensorinv_empty", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_tensorinv_errors_and_warnings", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_tensorinv_singular_input", "here: test_tensorinv_tensorsolve"),
    ("TestLinalg", "test_dot_vs_numpy", "here: test_dot_vdot"),
    ("TestLinalg", "test_vdot_vs_numpy", "here: test_dot_vdot"),
    (
        "TestLinalg",
        "test_vdot_invalid_args",
        "differs: vectors of two dtypes promote (NumPy's rule; torch refuses); other "
        "invalid arguments raise: here: test_dot_vdot",
    ),
    (
        "TestLinalg",
        "test_dot_invalid_args",
        "differs: vectors of two dtypes promote (NumPy's rule; torch refuses); other "
        "invalid arguments raise: here: test_dot_vdot",
    ),
    (
        "TestLinalg",
        "test_matrix_rank",
        "covered: test_torch_linalg_suite.py::test_matrix_rank; here: test_matrix_rank_tolerances",
    ),
    ("TestLinalg", "test_matrix_rank_atol", "here: test_matrix_rank_tolerances"),
    (
        "TestLinalg",
        "test_matrix_rank_atol_rtol",
        "differs: NumPy's matrix_rank(tol, rtol=) refuses both (torch takes the larger); "
        "here: test_matrix_rank_tolerances",
    ),
    ("TestLinalg", "test_matrix_rank_empty", "here: test_matrix_rank_tolerances"),
    ("TestLinalg", "test_matrix_rank_out_errors_and_warnings", _OUT),
    ("TestLinalg", "test_matrix_rank_basic", "here: test_matrix_rank_tolerances"),
    ("TestLinalg", "test_old_matrix_rank", _OLD),
    (
        "TestLinalg",
        "test_chain_matmul",
        "differs: gpuad has no chain_matmul (torch deprecates it for linalg.multi_dot); "
        "here: test_multi_dot_and_chain_matmul",
    ),
    (
        "TestLinalg",
        "test_multi_dot",
        "covered: test_torch_linalg_suite.py::test_multi_dot_cross_vecdot; here: "
        "test_multi_dot_and_chain_matmul",
    ),
    ("TestLinalg", "test_multi_dot_errors", "here: test_multi_dot_and_chain_matmul"),
    ("TestLinalg", "test_qr", "here: test_tensor_qr_and_modes"),
    (
        "TestLinalg",
        "test_qr_vs_numpy",
        "differs: gpuad.numpy.linalg.qr(a, 'r') returns R alone (NumPy's), torch returns "
        "(empty Q, R); here: test_tensor_qr_and_modes",
    ),
    (
        "TestLinalg",
        "test_linalg_qr_autograd_errors",
        "differs: mode='r' and complete tall Q are differentiated (torch refuses); covered:"
        " test_torch_linalg_suite.py::test_qr",
    ),
    ("TestLinalg", "test_qr_batched", "here: test_tensor_qr_and_modes"),
    ("TestLinalg", "test_qr_out", _OUT),
    ("TestLinalg", "test_qr_error_cases", "here: test_tensor_qr_and_modes"),
    ("TestLinalg", "test_einsum", "covered: test_autograd_systematic.py::test_einsum_strings"),
    (
        "TestLinalg",
        "test_einsum_sublist_format",
        "covered: test_autograd_systematic.py::test_einsum_sublists",
    ),
    ("TestLinalg", "test_einsum_random", "covered: test_numpy_core_suite.py::test_random_einsum"),
    ("TestLinalg", "test_einsum_corner_cases", "here: test_einsum_corner_cases"),
    ("TestLinalg", "test_einsum_error_cases", "here: test_einsum_errors"),
    (
        "TestLinalg",
        "test_linalg_solve_triangular",
        "covered: test_torch_linalg_suite.py::test_solve_triangular; "
        "test_torch_linalg_suite.py::test_solve_triangular_complex",
    ),
    ("TestLinalg", "test_linalg_solve_triangular_large", _DEV),
    (
        "TestLinalg",
        "test_linalg_solve_triangular_broadcasting",
        "here: test_batched_solves_broadcast",
    ),
    ("TestLinalg", "test_triangular_solve", "here: test_batched_solves_broadcast"),
    ("TestLinalg", "test_triangular_solve_batched", "here: test_batched_solves_broadcast"),
    ("TestLinalg", "test_triangular_solve_batched_many_batches", _BIG),
    (
        "TestLinalg",
        "test_triangular_solve_batched_broadcasting",
        "here: test_batched_solves_broadcast",
    ),
    ("TestLinalg", "test_triangular_solve_out_errors_and_warnings", _OUT),
    ("TestLinalg", "test_matmul_small_brute_force_1d_Nd", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_matmul_small_brute_force_2d_Nd", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_linear_algebra_scalar_raises", "here: test_inner_outer_ger"),
    ("TestLinalg", "test_cross", "here: test_cross"),
    ("TestLinalg", "test_linalg_cross", "here: test_cross"),
    ("TestLinalg", "test_cross_with_and_without_dim", "here: test_cross"),
    ("TestLinalg", "test_linalg_cross_with_and_without_dim", "here: test_cross"),
    ("TestLinalg", "test_cross_errors", "here: test_cross"),
    ("TestLinalg", "test_linalg_cross_errors", "here: test_cross"),
    ("TestLinalg", "test_renorm", "here: test_renorm"),
    ("TestLinalg", "test_ormqr", "here: test_householder_family"),
    ("TestLinalg", "test_ormqr_errors_and_warnings", "here: test_householder_family"),
    ("TestLinalg", "test_blas_empty", "here: test_blas_empty"),
    ("TestLinalg", "test_blas_alpha_beta_empty", "here: test_blas_empty"),
    ("TestLinalg", "test_blas_nan_out", _OUT),
    ("TestLinalg", "test_blas_mv_large_input", _OUT),
    ("TestLinalg", "test_renorm_ps", "here: test_renorm"),
    (
        "TestLinalg",
        "test_householder_product",
        "covered: test_torch_linalg_suite.py::test_householder_product; here: "
        "test_householder_family",
    ),
    (
        "TestLinalg",
        "test_householder_product_errors_and_warnings",
        "differs: an integer tau is promoted (NumPy's rule; torch refuses); here: "
        "test_householder_family",
    ),
    (
        "TestLinalg",
        "test_linalg_lu_factor_and_lu",
        "covered: test_torch_linalg_gaps3.py::test_lu_rectangular; "
        "test_torch_linalg_suite.py::test_lu_family",
    ),
    ("TestLinalg", "test_lu_unpack", "here: test_lu_unpack"),
    (
        "TestLinalg",
        "test_lu_unpack_check_input",
        "differs: int64 pivots are accepted (the same permutation; torch wants int32); "
        "here: test_lu_unpack",
    ),
    (
        "TestLinalg",
        "test_lobpcg_basic",
        "n/a: torch.lobpcg (an iterative sparse eigensolver) has no gpuad counterpart; "
        "dense symmetric eigenproblems are eigh's",
    ),
    ("TestLinalg", "test_lobpcg_ortho", "n/a: torch.lobpcg has no gpuad counterpart"),
    ("TestLinalg", "test_lobpcg_torchscript", "n/a: TorchScript"),
    (
        "TestLinalg",
        "test_lobpcg_scipy",
        "n/a: torch.lobpcg has no gpuad counterpart (sparse inputs, timings)",
    ),
    ("TestLinalg", "test_addmv", "here: test_addmm_family[addmv]"),
    ("TestLinalg", "test_addmv_rowmajor_colmajor_incx_incy_lda", "here: test_addmm_family[addmv]"),
    ("TestLinalg", "test_addmm", "here: test_addmm_family[addmm]"),
    ("TestLinalg", "test_addmm_sizes", "here: test_addmm_sizes"),
    ("TestLinalg", "test_addmm_baddbmm_overflow", _DEV),
    ("TestLinalg", "test_matmul_45724", _DEV),
    ("TestLinalg", "test_mm", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_mm_bmm_non_memory_dense", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_strided_mm_bmm", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_bmm", "here: test_addmm_family[baddbmm]"),
    ("TestLinalg", "test_addbmm", "here: test_addmm_family[addbmm]"),
    ("TestLinalg", "test_baddbmm", "here: test_addmm_family[baddbmm]"),
    ("TestLinalg", "test_solve_methods_arg_device", _DEV),
    ("TestLinalg", "test_pinverse", "here: test_pinv_cutoffs"),
    (
        "TestLinalg",
        "test_matrix_power_non_negative",
        "covered: test_torch_linalg_suite.py::test_matrix_power; here: "
        "test_det_logdet_slogdet_methods",
    ),
    ("TestLinalg", "test_matrix_power_negative", "here: test_det_logdet_slogdet_methods"),
    (
        "TestLinalg",
        "test_linalg_matrix_exp_utils",
        "n/a: torch._compute_linear_combination, an internal helper",
    ),
    ("TestLinalg", "test_linalg_matrix_exp_boundary_cases", "here: test_matrix_exp_cases"),
    ("TestLinalg", "test_linalg_matrix_exp_analytic", "here: test_matrix_exp_cases"),
    ("TestLinalg", "test_linalg_matrix_exp_batch", "here: test_matrix_exp_cases"),
    ("TestLinalg", "test_linalg_matrix_exp_compare_with_taylor", "here: test_matrix_exp_cases"),
    (
        "TestLinalg",
        "test_slogdet",
        "covered: test_torch_linalg_suite.py::test_slogdet; here: test_det_logdet_slogdet_methods",
    ),
    ("TestLinalg", "test_slogdet_errors_and_warnings", "here: test_singular_and_nonsquare_errors"),
    ("TestLinalg", "test_det_logdet_slogdet", "here: test_det_logdet_slogdet_methods"),
    ("TestLinalg", "test_det_logdet_slogdet_batched", "here: test_det_logdet_slogdet_methods"),
    ("TestLinalg", "test_cholesky_inverse", "here: test_cholesky_inverse"),
    ("TestLinalg", "test_cholesky_inverse_errors_and_warnings", "here: test_cholesky_inverse"),
    ("TestLinalg", "test_broadcast_fused_matmul", "here: test_addmm_family[addmm]"),
    ("TestLinalg", "test_broadcast_batched_matmul", "here: test_matmul_brute_force"),
    ("TestLinalg", "test_lu_solve", "covered: test_complex_lu_cho.py::test_torch_lu_solve"),
    ("TestLinalg", "test_lu_solve_batched", "here: test_batched_solves_broadcast"),
    ("TestLinalg", "test_lu_solve_batched_many_batches", _BIG),
    ("TestLinalg", "test_lu_solve_batched_broadcasting", "here: test_batched_solves_broadcast"),
    ("TestLinalg", "test_lu_solve_large_matrices", _DEV),
    ("TestLinalg", "test_lu_solve_out_errors_and_warnings", _OUT),
    ("TestLinalg", "test_symeig", _OLD),
    ("TestLinalg", "test_symeig_out_errors_and_warnings", _OLD),
    (
        "TestLinalg",
        "test_pca_lowrank",
        "n/a: sparse inputs and TorchScript; gpuad.linalg.pca_lowrank of dense input: here:"
        " test_pca_lowrank_dense",
    ),
    ("TestLinalg", "test_nuclear_norm_out", _OUT),
    ("TestLinalg", "test_geqrf", "here: test_householder_family"),
    ("TestLinalg", "test_lstsq", _OLD),
    ("TestLinalg", "test_lapack_empty", "here: test_lapack_empty"),
    ("TestLinalg", "test_tensordot", "here: test_tensordot"),
)


def _where_refs(where):
    return re.findall(r"([\w/.]+\.py)::(\w+)", where)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 209
    here = Path(__file__).parent
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for ref in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            fn, param = ref
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                assert param in [str(v) for mk in marks for v in mk.args[1]], (name, param)
        for path, obj in _where_refs(where):
            files = [p for p in (here / path, here.parent / path) if p.is_file()]
            assert files, (name, path)
            assert f"def {obj}(" in files[0].read_text(), (name, path, obj)
        if where.startswith("differs:"):
            assert "here: " in where or "covered: " in where, name


# ---- the comparison ---------------------------------------------------------------------------


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().resolve_conj().resolve_neg().numpy()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _diff(a):
    return np.asarray(a).dtype.kind in "fc"


def _w(shape, cplx, seed=0):
    r = np.random.default_rng(seed)
    w = r.standard_normal(shape)
    return w + 1j * r.standard_normal(shape) if cplx else w


def _directions(shape, kind, cplx):
    """Random directions in the set an argument lives in: triangular ('L', 'U') or Hermitian
    ('HL', 'HU': read from that triangle)."""
    out = []
    for k in range(3):
        d = _w(shape, cplx, seed=10 + k)
        if kind == "L":
            d = np.tril(d)
        elif kind == "U":
            d = np.triu(d)
        else:
            d = d + np.swapaxes(d, -1, -2).conj()
        out.append(d)
    return out


def same(fg, ft, *args, grad=True, tol=1e-9, gtol=1e-7, fd=True, struct=None):
    """``fg`` (gpuad, on Tensors) and ``ft`` (torch) agree on ``args``: value, dtype, shape;
    with ``grad`` also the gradient of a weighted real loss in every float argument, against
    torch's autograd and float64 central differences.

    ``struct`` maps an argument to the structure torch assumes for it: 'L'/'U' (a triangular
    factor), 'HL'/'HU' (a Hermitian matrix gpuad reads from that triangle). gpuad's gradient
    is the derivative of the function of the entries read (zero outside that triangle, and
    checked against central differences); torch's is not restricted, so the two are compared
    along directions with that structure."""
    struct = struct or {}
    ts = [torch.tensor(a, requires_grad=grad and _diff(a)) for a in args]
    gs = [ad.tensor(np.array(a), requires_grad=grad and _diff(a)) for a in args]
    want, got = ft(*ts), fg(*gs)
    tv, gv = _np(want), _np(got)
    assert gv.shape == tv.shape, (gv.shape, tv.shape)
    assert gv.dtype == tv.dtype, (gv.dtype, tv.dtype)
    np.testing.assert_allclose(gv, tv, rtol=tol, atol=tol)
    if not grad or not want.requires_grad:
        return
    w = _w(tv.shape, np.iscomplexobj(tv))
    (want * torch.tensor(w)).real.sum().backward()
    gnp.sum(gnp.real(got * w)).backward()
    for i, (t, g) in enumerate(zip(ts, gs, strict=True)):
        if t.requires_grad:
            tg = np.zeros(t.shape) if t.grad is None else _np(t.grad)
            gg = np.zeros(g.shape) if g.grad is None else _np(g.grad)  # unused: no gradient
            kind = struct.get(i)
            if kind is None:
                np.testing.assert_allclose(gg, tg, rtol=gtol, atol=gtol)
                continue
            tri = np.tril if kind[-1] == "L" else np.triu
            np.testing.assert_array_equal(gg, tri(gg))
            for d in _directions(gg.shape, kind, np.iscomplexobj(gg)):
                np.testing.assert_allclose(
                    np.real(np.sum(gg.conj() * d)),
                    np.real(np.sum(tg.conj() * d)),
                    rtol=gtol,
                    atol=gtol,
                )
    if fd:
        nums = [i for i, a in enumerate(args) if _diff(a)]

        def loss(*xs):
            full = list(args)
            for i, x in zip(nums, xs, strict=True):
                full[i] = x
            full = [x if i in nums else ad.tensor(np.array(x)) for i, x in enumerate(full)]
            return gnp.sum(gnp.real(fg(*full) * w))

        check_grads(loss, [args[i] for i in nums], order=1, modes=("rev", "fwd"))


def both_raise(fg, ft, gexc=Exception):
    """torch raises on these inputs, and so does gpuad (an error, never a value)."""
    with pytest.raises(Exception):  # noqa: B017 - any of torch's error types
        ft()
    with pytest.raises(gexc):
        fg()


R = np.random.default_rng(0)


def _r(*shape, cplx=False):
    x = R.standard_normal(shape)
    return x + 1j * R.standard_normal(shape) if cplx else x


# ---- inner, outer, ger, addr and the BLAS family ---------------------------------------------


@pytest.mark.parametrize(
    "a_shape,b_shape",
    [
        ((), ()),
        ((), (3,)),
        ((), (2, 3, 4)),
        ((0,), (0,)),
        ((0,), (2, 0)),
        ((2,), (3, 1, 2)),
        ((2,), (3, 0, 2)),
        ((1, 2), (3, 4, 2)),
        ((2, 1, 3, 2), (1, 3, 2, 2)),
    ],
)
def test_inner_outer_ger(backend, a_shape, b_shape):
    """torch's inner cases both ways round (real and complex), outer/ger of vectors, 0-strided
    ones too; outer, ger, addr and mv of a 0-d tensor raise as torch's (NumPy's outer would
    flatten it)."""
    for cplx in (False, True):
        a, b = _r(*a_shape, cplx=cplx), _r(*b_shape, cplx=cplx)
        same(lambda x, y: x.inner(y), torch.inner, a, b, fd=not cplx)
        same(lambda x, y: x.inner(y), torch.inner, b, a, fd=False)
    u, v = _r(5), _r(4)
    same(lambda x, y: x.outer(y), torch.outer, u, v)
    same(lambda x, y: x.ger(y), torch.ger, u, v)
    z = np.broadcast_to(_r(1), (5,))
    same(lambda x, y: x.outer(y), torch.outer, z, v)
    s = np.array(6.0)
    for fn, tf in ((lambda x, y: x.outer(y), torch.outer), (lambda x, y: x.ger(y), torch.ger)):
        both_raise(
            lambda: fn(ad.tensor(u), ad.tensor(s)), lambda: tf(torch.tensor(u), torch.tensor(s))
        )
        both_raise(
            lambda: fn(ad.tensor(s), ad.tensor(u)), lambda: tf(torch.tensor(s), torch.tensor(u))
        )
    m = _r(5, 4)
    both_raise(
        lambda: ad.tensor(m).addr(ad.tensor(u), ad.tensor(s)),
        lambda: torch.addr(torch.tensor(m), torch.tensor(u), torch.tensor(s)),
    )
    both_raise(
        lambda: ad.tensor(m).mv(ad.tensor(s)), lambda: torch.mv(torch.tensor(m), torch.tensor(s))
    )
    both_raise(
        lambda: ad.tensor(u).addmv(ad.tensor(m), ad.tensor(s)),
        lambda: torch.addmv(torch.tensor(u), torch.tensor(m), torch.tensor(s)),
    )
    both_raise(
        lambda: ad.tensor(_r(2, 3)).inner(ad.tensor(_r(2, 2))),
        lambda: torch.inner(torch.randn(2, 3), torch.randn(2, 2)),
    )
    for n in (0, 5):  # empty outer products keep their shapes
        same(lambda x, y: x.outer(y), torch.outer, _r(n), _r(0), grad=False)
        same(lambda c, x, y: c.addr(x, y), torch.addr, _r(0, n), _r(0), _r(n), grad=False)


def _mats(name):
    """(self, a, b) for each fused product: plain, transposed, 0-strided, broadcast self."""
    if name == "addr":
        return [
            (_r(6, 5), _r(6), _r(5)),
            (_r(5, 6).T, _r(6), _r(5)),
            (_r(6, 5), np.broadcast_to(_r(1), (6,)), _r(5)),
            (np.array(1.0), _r(6), _r(5)),
            (_r(5), _r(6), _r(5)),
        ]
    if name == "addmv":
        return [
            (_r(6), _r(6, 4), _r(4)),
            (np.broadcast_to(_r(1), (6,)), _r(4, 6).T, _r(4)),
            (_r(6), np.broadcast_to(_r(1, 4), (6, 4)), np.broadcast_to(_r(1), (4,))),
            (_r(1), _r(6, 4), _r(4)),
        ]
    if name == "addmm":
        return [
            (_r(3, 5), _r(3, 4), _r(4, 5)),
            (_r(5, 3).T, _r(4, 3).T, _r(5, 4).T),
            (np.broadcast_to(_r(3, 1), (3, 5)), np.broadcast_to(_r(3, 1), (3, 4)), _r(4, 5)),
            (_r(5), _r(3, 4), _r(4, 5)),
            (_r(3, 1), _r(3, 4), _r(4, 5)),
        ]
    if name == "baddbmm":
        return [
            (_r(2, 3, 5), _r(2, 3, 4), _r(2, 4, 5)),
            (_r(2, 5, 3).transpose(0, 2, 1), _r(4, 2, 3).transpose(1, 2, 0), _r(2, 4, 5)),
            (_r(3, 5), np.broadcast_to(_r(1, 3, 4), (2, 3, 4)), _r(2, 4, 5)),
            (_r(1, 1, 5), _r(2, 3, 4), _r(2, 4, 5)),
        ]
    return [
        (_r(3, 5), _r(2, 3, 4), _r(2, 4, 5)),
        (_r(5), _r(2, 3, 4), _r(2, 4, 5)),
        (_r(5, 3).T, np.broadcast_to(_r(1, 3, 4), (2, 3, 4)), _r(4, 2, 5).transpose(1, 0, 2)),
    ]


@pytest.mark.parametrize("name", ["addr", "addmv", "addmm", "baddbmm", "addbmm"])
def test_addmm_family(backend, name):
    """``beta * self + alpha * product`` as torch's: default, real and complex alpha/beta,
    transposed, 0-strided and broadcast operands (torch's broadcast-fused-matmul test);
    ``beta=0`` ignores NaN and inf in ``self`` (values and gradients)."""
    tf = getattr(torch, name)
    for c, a, b in _mats(name):
        same(lambda s, x, y: getattr(s, name)(x, y), tf, c, a, b)
        same(
            lambda s, x, y: getattr(s, name)(x, y, beta=0.8, alpha=1.2),
            lambda s, x, y: tf(s, x, y, beta=0.8, alpha=1.2),
            c,
            a,
            b,
        )
        bad = np.array(c, dtype=float)
        bad.flat[0], bad.flat[-1] = NAN, INF
        same(
            lambda s, x, y: getattr(s, name)(x, y, beta=0, alpha=2),
            lambda s, x, y: tf(s, x, y, beta=0, alpha=2),
            bad,
            a,
            b,
            fd=False,
        )
    c, a, b = (np.asarray(t) + 0j for t in _mats(name)[0])
    c = c + 1j * _r(*c.shape)
    same(
        lambda s, x, y: getattr(s, name)(x, y, beta=0.5 + 0.6j, alpha=0.9 + 0.3j),
        lambda s, x, y: tf(s, x, y, beta=0.5 + 0.6j, alpha=0.9 + 0.3j),
        c,
        a,
        b,
        fd=False,
    )


def test_addr_bool(backend):
    """Boolean addr with boolean beta and alpha, as torch's (``or`` of ``and``s)."""
    m, a, b = R.random((5, 5)) > 0.5, R.random(5) > 0.5, R.random(5) > 0.5
    for beta in (True, False):
        for alpha in (True, False):
            same(
                lambda s, x, y: s.addr(x, y, beta=beta, alpha=alpha),
                lambda s, x, y: torch.addr(s, x, y, beta=beta, alpha=alpha),
                m,
                a,
                b,
                grad=False,
            )


def test_blas_scalar_checks(backend):
    """torch's addr refuses a float beta or alpha for integer tensors and a boolean one for
    other results; gpuad refuses them in the whole family (its ``add``'s alpha rule), rather
    than widening the result to float64."""
    mi, ai = np.ones((5, 5), np.int64), np.arange(5)
    m, a = _r(5, 5), _r(5)
    cases = [
        (mi, ai, {"beta": 2.0}),
        (mi, ai, {"alpha": 1.5}),
        (mi, ai, {"beta": True}),
        (m, a, {"alpha": True}),
        (m, a, {"beta": 1j}),
    ]
    for s, v, kw in cases:
        both_raise(
            lambda: ad.tensor(s).addr(ad.tensor(v), ad.tensor(v), **kw),
            lambda: torch.addr(torch.tensor(s), torch.tensor(v), torch.tensor(v), **kw),
            TypeError,
        )
    with pytest.raises(TypeError, match="beta=2.5"):
        ad.tensor(mi).addmm(ad.tensor(mi), ad.tensor(mi), beta=2.5)
    same(
        lambda s, x, y: s.addr(x, y, beta=0, alpha=2),
        lambda s, x, y: torch.addr(s, x, y, beta=0, alpha=2),
        mi,
        ai,
        ai,
        grad=False,
    )
    same(
        lambda s, x, y: s.addmm(x, y, beta=3, alpha=2),
        lambda s, x, y: torch.addmm(s, x, y, beta=3, alpha=2),
        mi,
        mi,
        mi,
        grad=False,
    )


def test_outer_addr_promotion(backend):
    """DIFFERS: NumPy's promotion (float16 with int64 is float64; torch keeps float16); equal
    categories give torch's dtypes (int8 with uint8 is int16)."""
    i8, u8 = np.arange(5, dtype=np.int8), np.arange(5, dtype=np.uint8)
    same(lambda x, y: x.outer(y), torch.outer, i8, u8, grad=False)
    h = np.arange(5, dtype=np.float16)
    assert ad.tensor(h).outer(ad.tensor(np.arange(5))).dtype == np.float64
    assert torch.outer(torch.tensor(h), torch.arange(5)).dtype == torch.float16
    m = np.ones((5, 5), np.int32)
    got = ad.tensor(m).addr(ad.tensor(h.astype(np.float32)), ad.tensor(i8))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(_np(got), 1 + np.outer(h, i8))


def test_addmm_sizes(backend):
    """torch's sizes 0, 1 and more for every dim; mismatched inner sizes raise naming both."""
    for m in (0, 1, 25):
        for n in (0, 1, 10):
            for k in (0, 1, 8):
                same(
                    lambda s, x, y: s.addmm(x, y, beta=0.8, alpha=1.2),
                    lambda s, x, y: torch.addmm(s, x, y, beta=0.8, alpha=1.2),
                    _r(n, m),
                    _r(n, k),
                    _r(k, m),
                    fd=False,
                )
                both_raise(
                    lambda: ad.tensor(_r(n, m)).addmm(ad.tensor(_r(n, k + 1)), ad.tensor(_r(k, m))),
                    lambda: torch.addmm(
                        torch.randn(n, m), torch.randn(n, k + 1), torch.randn(k, m)
                    ),
                )


def test_blas_empty(backend):
    """Products over an empty inner dimension are zeros (``addmm`` etc. then ``beta * self``,
    also with ``beta=-2``: torch's issue 33467); empty outer dims keep their shapes."""
    T = ad.tensor
    assert T(_r(0, 0)).mm(T(_r(0, 5))).shape == (0, 5)
    assert T(_r(3, 2)).mm(T(_r(2, 0))).shape == (3, 0)
    np.testing.assert_array_equal(_np(T(_r(5, 0)).mm(T(_r(0, 6)))), np.zeros((5, 6)))
    np.testing.assert_array_equal(_np(T(_r(3, 0)).mv(T(_r(0)))), np.zeros(3))
    np.testing.assert_array_equal(_np(T(_r(3, 5, 0)).bmm(T(_r(3, 0, 6)))), np.zeros((3, 5, 6)))
    np.testing.assert_array_equal(_np(T(_r(0)).dot(T(_r(0)))), 0.0)
    np.testing.assert_array_equal(_np(T(_r(5, 3, 0)).matmul(T(_r(5, 0, 4)))), np.zeros((5, 3, 4)))
    c = np.arange(30.0).reshape(3, 2, 5)
    cases = [
        ("addmm", _r(5, 6), _r(5, 0), _r(0, 6)),
        ("addmv", _r(3), _r(3, 0), _r(0)),
        ("baddbmm", c, _r(3, 2, 0), _r(3, 0, 5)),
        ("addbmm", _r(5, 6), _r(0, 5, 0), _r(0, 0, 6)),
        ("addbmm", _r(0, 5), _r(3, 0, 0), _r(3, 0, 5)),
        ("addmm", _r(1), _r(0, 17), _r(17, 1)),
    ]
    for name, s, a, b in cases:
        tf = getattr(torch, name)
        same(lambda x, y, z: getattr(x, name)(y, z), tf, s, a, b, fd=False)
        same(
            lambda x, y, z: getattr(x, name)(y, z, beta=-2, alpha=6),
            lambda x, y, z: tf(x, y, z, beta=-2, alpha=6),
            s,
            a,
            b,
            fd=False,
        )
        cs, ca, cb = (np.asarray(t) + 0j for t in (s, a, b))
        same(
            lambda x, y, z: getattr(x, name)(y, z, beta=3 + 4j, alpha=6 + 7j),
            lambda x, y, z: tf(x, y, z, beta=3 + 4j, alpha=6 + 7j),
            cs,
            ca,
            cb,
            fd=False,
        )


def test_matmul_brute_force(backend):
    """Integer aranges, 1-D and 2-D against 3-D and 4-D, C, Fortran and strided layouts
    (exact int64 products, as torch's), the strided view of torch's strided-mm test,
    broadcast batch dims against torch's matmul, and float gradients."""
    T = ad.tensor
    for m, p, o, r in [(1, 1, 1, 1), (3, 4, 2, 3), (7, 2, 4, 1)]:
        x = np.arange(m)
        for y in (
            np.arange(o * m * p).reshape(o, m, p),
            np.arange(o * p * m).reshape(o, p, m).swapaxes(-1, -2),
            np.arange(o * m * 2 * p).reshape(o, m, 2 * p)[:, :, ::2],
            np.arange(r * o * m * p).reshape(r, o, m, p),
        ):
            same(lambda a, b: a.matmul(b), torch.matmul, x, y, grad=False)
            x2 = np.arange(2 * m).reshape(2, m)
            same(lambda a, b: a.matmul(b), torch.matmul, x2, y, grad=False)
            same(lambda a, b: a.matmul(b), torch.matmul, x2.T.copy().T, y, grad=False)
    base = np.array([[1.0, 2, 3], [4, 5, 6]])
    sx = np.lib.stride_tricks.as_strided(base, (2, 2, 2), (24, 8, 8))
    np.testing.assert_array_equal(_np(T(sx).bmm(T(sx))), np.matmul(sx, sx))
    np.testing.assert_array_equal(_np(T(sx[0]).mm(T(sx[0]))), sx[0] @ sx[0])
    for lhs, rhs in [
        ((2, 1, 3, 4), (3, 4, 5)),
        ((4,), (2, 3, 4, 5)),
        ((2, 3, 4), (4,)),
        ((1, 3, 4), (2, 1, 4, 2)),
        ((3, 4), (2, 4, 5)),
    ]:
        same(lambda a, b: a.matmul(b), torch.matmul, _r(*lhs), _r(*rhs))
    a, b = _r(3, 6, cplx=True)[:, ::2], _r(3, 3, cplx=True)
    same(lambda x, y: x.conj().mm(y), lambda x, y: torch.mm(x.conj(), y), a, b, fd=False)


# ---- kron, tensordot, dot, cross, einsum -------------------------------------------------------


def test_kron(backend):
    """Every pair of torch's shapes (different ranks), real and complex, and empty factors
    either side (NumPy refuses an empty first factor; torch and gpuad give the shape)."""
    shapes = [(4,), (2, 2), (1, 2, 3), (1, 2, 3, 3)]
    for i, sa in enumerate(shapes):
        for sb in shapes[::-1][i : i + 2]:
            same(lambda x, y: x.kron(y), torch.kron, _r(*sa), _r(*sb), fd=i == 0)
    same(lambda x, y: x.kron(y), torch.kron, _r(2, 2, cplx=True), _r(3, cplx=True), fd=False)
    for empty in [(0,), (2, 0), (1, 0, 3)]:
        same(lambda x, y: x.kron(y), torch.kron, np.eye(3), np.zeros(empty), fd=False)
        same(lambda x, y: x.kron(y), torch.kron, np.zeros(empty), np.eye(3), fd=False)


def test_tensordot(backend):
    """torch's cases: axis lists, an int, the default, 0-d operands; gradients. DIFFERS:
    ``dims=-1`` is NumPy's (an outer product) where torch raises."""
    a, b = np.arange(60.0).reshape(3, 4, 5), np.arange(24.0).reshape(4, 3, 2)
    same(
        lambda x, y: gnp.tensordot(x, y, axes=([1, 0], [0, 1])),
        lambda x, y: torch.tensordot(x, y, dims=([1, 0], [0, 1])),
        a,
        b,
        fd=False,
    )
    a, b = _r(2, 3, 4, 5), _r(4, 5, 6, 7)
    same(lambda x, y: gnp.tensordot(x, y, 2), lambda x, y: torch.tensordot(x, y, 2), a, b)
    same(gnp.tensordot, torch.tensordot, a, b, fd=False)
    same(
        lambda x, y: gnp.tensordot(x, y, 0),
        lambda x, y: torch.tensordot(x, y, 0),
        np.array(0.0),
        np.array(0.0),
    )
    with pytest.raises(RuntimeError):
        torch.tensordot(torch.ones(2, 3), torch.ones(3, 2), dims=-1)
    got = gnp.tensordot(ad.tensor(np.ones((2, 3))), ad.tensor(np.ones((3, 2))), -1)
    np.testing.assert_array_equal(_np(got), np.tensordot(np.ones((2, 3)), np.ones((3, 2)), -1))


def test_dot_vdot(backend):
    """dot and vdot of empty, long, 0-strided and strided vectors, real and complex (vdot
    conjugates the first); a 2-D or a length mismatch raises as torch's. DIFFERS: two
    dtypes promote as NumPy's (torch refuses)."""
    x, y = 0.1 * _r(500, cplx=True), 0.1 * _r(500, cplx=True)
    z = np.broadcast_to(_r(1, cplx=True), (500,))
    for name in ("dot", "vdot"):
        tf = getattr(torch, name)
        same(lambda a, b: getattr(a, name)(b), tf, np.zeros(0), np.zeros(0))
        for a, b in ((x, y), (x, z), (x[::2], y[::2]), (x.real, y.real)):
            same(lambda p, q: getattr(p, name)(q), tf, a, b, fd=False, tol=1e-12)
        both_raise(
            lambda: getattr(ad.tensor(np.ones((1, 1))), name)(ad.tensor(np.ones(3))),
            lambda: tf(torch.ones(1, 1), torch.ones(3)),
        )
        both_raise(
            lambda: getattr(ad.tensor(np.ones(9)), name)(ad.tensor(np.ones(3))),
            lambda: tf(torch.ones(9), torch.ones(3)),
        )
        with pytest.raises(RuntimeError):
            tf(torch.ones(3), torch.ones(3, dtype=torch.float64))
        got = getattr(ad.tensor(np.ones(3, np.float32)), name)(ad.tensor(np.ones(3)))
        assert got.dtype == np.float64 and float(got) == 3.0


@pytest.mark.parametrize("linalg", [False, True])
def test_cross(backend, linalg):
    """Tensor.cross (no dim: the first of length 3) and linalg.cross (dim -1), broadcasting,
    non-contiguous operands, complex values, gradients; torch's error cases raise."""
    T = ad.tensor
    if linalg:

        def fg(a, b, dim=-1):
            return NL.cross(a, b, axis=dim)

        def ft(a, b, dim=-1):
            return torch.linalg.cross(a, b, dim=dim)
    else:

        def fg(a, b, dim=None):
            return a.cross(b) if dim is None else a.cross(b, dim=dim)

        def ft(a, b, dim=None):
            return (
                torch.cross(a, b, dim=dim)
                if dim is not None
                else torch.cross(
                    a,
                    b,
                    dim=next(
                        i for i, s in enumerate(torch.broadcast_shapes(a.shape, b.shape)) if s == 3
                    ),
                )
            )

    x, y = _r(4, 3, 5), _r(4, 3, 5)
    same(lambda a, b: fg(a, b, 1), lambda a, b: ft(a, b, 1), x, y)
    same(lambda a, b: fg(a, b, 1), lambda a, b: ft(a, b, 1), _r(1, 3, 2), _r(4, 3, 1))
    same(
        lambda a, b: fg(a, b, 1),
        lambda a, b: ft(a, b, 1),
        _r(2, 3, 1).transpose(2, 1, 0),
        _r(1, 3, 4).transpose(2, 1, 0),
    )
    same(lambda a, b: fg(a, b, -1), lambda a, b: ft(a, b, -1), _r(12, 3)[::2], _r(18, 3)[::3])
    same(
        lambda a, b: fg(a, b, 1),
        lambda a, b: ft(a, b, 1),
        _r(5, 3, cplx=True),
        _r(5, 3, cplx=True),
        fd=False,
    )
    same(lambda a, b: fg(a, b), lambda a, b: ft(a, b), _r(5, 3), _r(5, 3))
    for sa, sb, dim in [
        ((100, 3), (100, 3, 10), None),
        ((5, 3), (3, 5), None),
        ((5, 4), (5, 4), None),
        ((5, 4, 3), (5, 4, 3), 0),
        ((5, 3, 4), (5, 3, 4), -1),
        ((5, 3, 4), (5, 3, 4), -5),
    ]:
        if linalg and dim is None:
            dim = -1
        both_raise(
            lambda: fg(T(np.ones(sa)), T(np.ones(sb)), dim),
            lambda: (
                ft(torch.ones(sa), torch.ones(sb), dim)
                if dim is not None
                else torch.cross(torch.ones(sa), torch.ones(sb))
            ),
        )


def test_einsum_corner_cases(backend):
    """torch's equations with spaces, 0-size dims, broadcasting and ellipses: torch's values
    (and gradients where there is something to differentiate)."""
    cases = [
        (" ", [1.0]),
        (" -> ", [1.0]),
        (" , ", [2.0, 2.0]),
        (" , , ", [2.0, 2.0, 2.0]),
        (" , -> ", [2.0, 2.0]),
        (" i ", [[1.0]]),
        (" i -> ", [[1.0]]),
        (" i -> i ", [[1.0]]),
        (" i , i ", [[2.0], [2.0]]),
        (" i , i -> i ", [[2.0], [2.0]]),
        ("i", [np.zeros(0)]),
        (" i j -> j", [np.zeros((2, 0))]),
        ("ij->i", [np.zeros((2, 0))]),
        (" i j k  ,  k  -> i j ", [_r(3, 0, 6), _r(6)]),
        ("i,j", [[2.0], [1.0, 2.0]]),
        ("i,ij->ij", [[1.0, 2.0], [[1.0, 2, 3], [2, 3, 4]]]),
        ("...", [1.0]),
        ("...->", [1.0]),
        ("...->...", [1.0]),
        ("...", [[1.0]]),
        ("...->", [[1.0]]),
        ("z...->z", [[1.0]]),
        ("Z...->...Z", [[1.0]]),
        ("...a->", [[[2.0], [4.0]]]),
        ("a...b->ab", [[[[1.0], [2.0]], [[3.0], [4.0]]]]),
    ]
    for eq, ops in cases:
        ops = [np.array(o, dtype=float) for o in ops]
        same(
            lambda *xs, eq=eq: gnp.einsum(eq, *xs),
            lambda *xs, eq=eq: torch.einsum(eq, *xs),
            *ops,
            fd=False,
        )


def test_einsum_errors(backend):
    """Each of torch's malformed einsum calls raises in gpuad too."""
    x, y = _r(2), _r(2, 3)
    cases = [
        (". ..", [x]),
        ("... ...", [x]),
        ("1", [x]),
        (",", [x]),
        ("", [x, x]),
        ("", [x]),
        ("ai", [x]),
        ("ai...", [x]),
        ("a->... .", [x]),
        ("a->..", [x]),
        ("a->1", [x]),
        ("a->aa", [x]),
        ("a->i", [x]),
        ("aa", [y]),
        ("a, ba", [x, y]),
    ]
    for eq, ops in cases:
        both_raise(
            lambda eq=eq, ops=ops: gnp.einsum(eq, *[ad.tensor(o) for o in ops]),
            lambda eq=eq, ops=ops: torch.einsum(eq, *[torch.tensor(o) for o in ops]),
        )
    for sub in ([-1], [52]):
        both_raise(
            lambda sub=sub: gnp.einsum(ad.tensor(x), sub),
            lambda sub=sub: torch.einsum(torch.tensor(x), sub),
        )


# ---- norms ------------------------------------------------------------------------------------

_PAIRS = [(a, b) for a in (INF, -INF, 0.0, NAN, 1.0) for b in (INF, -INF, 0.0, NAN, 1.0)]


def test_norm_extreme_values(backend):
    """Vectors and 1 x 2, 2 x 1 matrices of inf, -inf, 0, NaN and 1: every vector and matrix
    order gives torch's value (NaN propagates through the inf norms)."""
    for pair in _PAIRS:
        v = np.array(pair)
        for o in (0, 1, 2, 3, INF, -1, -2, -3, -INF):
            same(
                lambda x, o=o: NL.vector_norm(x, ord=o),
                lambda x, o=o: torch.linalg.vector_norm(x, ord=o),
                v,
                grad=False,
            )
            same(
                lambda x, o=o: NL.norm(x, o), lambda x, o=o: torch.linalg.norm(x, o), v, grad=False
            )
        for mat in (v[None, :], v[:, None]):
            for o in ("fro", "nuc", 1, 2, INF, -1, -2, -INF):
                if o in ("nuc", 2, -2) and not np.isfinite(mat).all():
                    # torch's svd refuses non-finite input; gpuad's does as NumPy's: NaN or
                    # an error (never a finite number)
                    try:
                        got = _np(NL.norm(ad.tensor(mat), o))
                    except np.linalg.LinAlgError:
                        continue
                    assert np.isnan(got) or np.isinf(got), (mat, o, got)
                    continue
                same(
                    lambda x, o=o: NL.norm(x, o),
                    lambda x, o=o: torch.linalg.norm(x, o),
                    mat,
                    grad=False,
                )


def test_norm_degenerate_vectors(backend):
    """Empty vectors: the orders torch computes agree (0 for 0, positive orders and None);
    DIFFERS: torch refuses the inf norm and negative orders of an empty vector, gpuad gives
    NumPy's values (0 for inf, inf for negative orders; -inf raises as NumPy)."""
    for shape, dim in [((0,), None), ((0, 10), 0), ((10, 0), 1)]:
        x = np.zeros(shape)
        for o in (0, 0.5, 1, 2, 3, None):
            for kd in (True, False):
                same(
                    lambda t, o=o, kd=kd: NL.norm(t, o, dim, kd),
                    lambda t, o=o, kd=kd: torch.linalg.norm(t, o, dim, kd),
                    x,
                    grad=False,
                )
        with pytest.raises(RuntimeError):
            torch.linalg.vector_norm(torch.tensor(x), INF, dim)
        assert np.all(_np(NL.vector_norm(ad.tensor(x), ord=INF, axis=dim)) == 0)
        assert np.all(_np(NL.vector_norm(ad.tensor(x), ord=-1, axis=dim)) == INF)
        with pytest.raises(ValueError):
            NL.vector_norm(ad.tensor(x), ord=-INF, axis=dim)
    for shape, dim in [((0, 10), 1), ((10, 0), 0)]:  # non-empty reductions of empty tensors
        for o in (0, 1, 2, INF, -1, -INF):
            same(
                lambda t, o=o: NL.norm(t, o, dim),
                lambda t, o=o: torch.linalg.norm(t, o, dim),
                np.zeros(shape),
                grad=False,
            )


def test_norm_degenerate_matrices(backend):
    """Empty matrices: torch's values where torch computes them. DIFFERS: the norms of a
    matrix with an empty dim that torch refuses are NumPy 2's (0 for the max-based and
    spectral ones; the min-based ones raise)."""
    cases = [
        ((0, 0), [1, 2, INF, -1, -2, -INF], None),
        ((0, 10), [2, INF, -2, -INF], None),
        ((10, 0), [1, 2, -1, -2], None),
        ((10, 10, 0), [], (0, 1)),
        ((1, 10, 0), [], (0, 1)),
        ((0, 0, 10), [1, 2, INF, -1, -2, -INF], (0, 1)),
        ((0, 0, 10), [1, 2, INF, -1, -2, -INF], (1, 0)),
    ]
    for shape, errors, dim in cases:
        x = np.zeros(shape)
        for o in ("fro", "nuc", 1, 2, INF, -1, -2, -INF, None):
            for kd in (True, False):
                if o in errors:  # torch refuses (upstream); gpuad does what NumPy 2 does:
                    try:  # 0 for the max-based and spectral norms, an error for the min-based
                        want = np.linalg.norm(x, o, dim, kd)
                    except ValueError:
                        with pytest.raises(ValueError):
                            NL.norm(ad.tensor(x), o, dim, kd)
                        continue
                    np.testing.assert_array_equal(_np(NL.norm(ad.tensor(x), o, dim, kd)), want)
                else:
                    same(
                        lambda t, o=o, kd=kd: NL.norm(t, o, dim, kd),
                        lambda t, o=o, kd=kd: torch.linalg.norm(t, o, dim, kd),
                        x,
                        grad=False,
                    )


def test_norm_errors(backend):
    """torch's invalid norm calls (fro/nuc of a vector, orders with no matrix norm, repeated
    or out-of-range dims, three dims, a garbage order) and matrix_norm's own (a vector, one
    dim, order 0 or 3): gpuad raises too; Tensor.norm('nuc') over bad axes raises."""
    cases = [
        ((10,), ["fro", "nuc"], None),
        ((10, 10), [3.5, 0], None),
        ((10, 10), ["nuc", "fro"], 0),
        ((10, 10), ["nuc", "fro", 0], (0, 0)),
        ((10, 10), ["fro", "nuc", 0], (0, 4)),
        ((10,), [0], (4,)),
        ((10,), [None], (0, 0)),
        ((10, 10, 10), [1], (0, 1, 2)),
        ((10, 10, 10), [1], None),
        ((10, 10), ["garbage"], (0, 1)),
    ]
    for shape, ords, dim in cases:
        x = _r(*shape)
        for o in ords:
            for kd in (True, False):
                both_raise(
                    lambda o=o, kd=kd: NL.norm(ad.tensor(x), o, dim, kd),
                    lambda o=o, kd=kd: torch.linalg.norm(torch.tensor(x), o, dim, kd),
                )
    a = _r(2, 2, 2)
    both_raise(
        lambda: NL.matrix_norm(ad.tensor(_r(2))), lambda: torch.linalg.matrix_norm(torch.randn(2))
    )
    for o in (0, 3.0):
        both_raise(
            lambda o=o: NL.matrix_norm(ad.tensor(a), ord=o),
            lambda o=o: torch.linalg.matrix_norm(torch.tensor(a), ord=o),
        )
    same(NL.matrix_norm, torch.linalg.matrix_norm, a)
    for lst in ([], [1.0], [1.0, 2.0]):
        x = np.array(lst)
        both_raise(
            lambda x=x: ad.tensor(x).norm("nuc", dim=(0, 1)),
            lambda x=x: torch.norm(torch.tensor(x), "nuc", (0, 1)),
        )
    m = np.arange(6.0).reshape(2, 3)
    for dims in ((0, 0), (0, 2)):
        both_raise(
            lambda dims=dims: ad.tensor(m).norm("nuc", dim=dims),
            lambda dims=dims: torch.norm(torch.tensor(m), "nuc", dims),
        )


def test_vector_norm_dim_tuple(backend):
    """vector_norm over a tuple of dims: torch's valid tuples agree, repeated or out-of-range
    dims raise."""
    for shape, dim in [((4,), (0,)), ((4, 3), (0, -1)), ((4, 3), (1,))]:
        same(
            lambda x, dim=dim: NL.vector_norm(x, axis=dim),
            lambda x, dim=dim: torch.linalg.vector_norm(x, dim=dim),
            _r(*shape),
        )
    for shape, dim in [((4,), (1,)), ((4,), (-2,)), ((4, 3), (0, 0)), ((4, 3), (0, -2))]:
        x = _r(*shape)
        both_raise(
            lambda dim=dim, x=x: NL.vector_norm(ad.tensor(x), axis=dim),
            lambda dim=dim, x=x: torch.linalg.vector_norm(torch.tensor(x), dim=dim),
        )


def test_norm_dtype_by_casting(backend):
    """DIFFERS: NumPy's norm has no dtype=; casting first gives torch's ``dtype=`` result (a
    complex input's norm is real, as torch's)."""
    x = _r(10).astype(np.float32)
    for o in (1, 2, INF, 0.5):
        want = torch.linalg.norm(torch.tensor(x), o, dtype=torch.float64)
        got = NL.norm(ad.tensor(x).astype(np.float64), o)
        assert got.dtype == np.float64
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-12)
    c = _r(3, 3, cplx=True).astype(np.complex64)
    for o in ("fro", "nuc", 2, None):
        got = NL.norm(ad.tensor(c), o)
        want = torch.linalg.norm(torch.tensor(c), o)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5)
    with pytest.raises(TypeError):
        NL.norm(ad.tensor(x), 2, dtype=np.float64)


def test_tensor_norm_method(backend):
    """Tensor.norm (torch's old norm): p-norms of the flattened tensor, over a dim, 0-d input,
    'fro' equal to p=2 over every single dim and pair of dims (also empty), 'nuc' over every
    pair of dims of a 4-d tensor and its transposed/strided layouts, complex input; values and
    gradients as torch's."""
    x = _r(25)
    for p in (0, 1, 2, 3, 4, INF, -INF, -1, -2, -3, 1.5):
        same(lambda t, p=p: t.norm(p), lambda t, p=p: t.norm(p), x, grad=p not in (0, -INF, INF))
    m = _r(6, 7)
    for p in (0, 1, 2, 3, INF, -INF, -1, -2):
        for kd in (False, True):
            same(
                lambda t, p=p, kd=kd: t.norm(p, 1, keepdim=kd),
                lambda t, p=p, kd=kd: t.norm(p, 1, keepdim=kd),
                m,
                grad=False,
            )
    same(lambda t: t.norm(), lambda t: t.norm(), np.array(1.5))
    for shape in [(0,), (4, 30), (0, 45), (45, 10, 3), (0, 3, 5), (3, 0, 4)]:
        a = _r(*shape)
        nd = a.ndim
        dims = [None, *range(-nd, nd)] + [
            (i, j) for i in range(-nd, nd) for j in range(i + 1, nd) if (i - j) % nd
        ]
        for d in dims:
            got2 = ad.tensor(a).norm(2, dim=d)
            gotf = ad.tensor(a).norm("fro", dim=d)
            want = torch.norm(torch.tensor(a), p="fro", dim=d)
            np.testing.assert_allclose(_np(gotf), _np(want), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(_np(got2), _np(gotf), rtol=1e-12, atol=1e-14)
    y = _r(2, 3, 4, 5)
    for dims in [(0, 1), (1, 0), (3, 1), (2, 0)]:
        for a in (y, np.swapaxes(y, -1, -2), y[:, :, ::2]):
            same(
                lambda t, dims=dims: t.norm("nuc", dim=dims),
                lambda t, dims=dims: torch.norm(t, "nuc", dim=dims),
                a,
                fd=False,
            )
    c = _r(25, cplx=True)
    for p in (0, 1, 2, 3, INF, -1, -2, -3, -INF):
        same(lambda t, p=p: t.norm(p), lambda t, p=p: t.norm(p), c, grad=False)
    cm = _r(8, 8, cplx=True)
    for p in ("nuc", "fro"):
        same(lambda t, p=p: t.norm(p), lambda t, p=p: t.norm(p), cm, fd=False)


def test_cond_cases(backend):
    """cond of a singular matrix (inf or torch's large value) and of a batch with one singular
    member (inf there), of non-square matrices (2, -2, None), of empty batches; torch's
    errors (1-D input, a non-square matrix for the other orders, an unknown order) raise.
    DIFFERS: cond of a 0 x 0 matrix raises (NumPy's), torch returns 0."""
    a = np.eye(3)
    a[-1, -1] = 0
    b = np.stack([np.eye(3)] * 3)
    b[1, -1, -1] = 0
    for p in (1, -1, 2, -2, INF, -INF, "fro", "nuc", None):
        same(lambda t, p=p: NL.cond(t, p), lambda t, p=p: torch.linalg.cond(t, p), a, grad=False)
        same(lambda t, p=p: NL.cond(t, p), lambda t, p=p: torch.linalg.cond(t, p), b, grad=False)
        for shape in [(0, 3, 3), (0, 2, 5, 5)]:
            same(
                lambda t, p=p: NL.cond(t, p),
                lambda t, p=p: torch.linalg.cond(t, p),
                np.zeros(shape),
                grad=False,
            )
        both_raise(
            lambda p=p: NL.cond(ad.tensor(np.ones(3)), p),
            lambda p=p: torch.linalg.cond(torch.ones(3), p),
        )
    for shape in [(16, 32), (32, 16), (2, 3, 5, 3), (2, 3, 3, 5)]:
        for p in (2, -2, None):
            same(
                lambda t, p=p: NL.cond(t, p),
                lambda t, p=p: torch.linalg.cond(t, p),
                _r(*shape),
                fd=False,
                tol=1e-7,
                gtol=1e-6,
            )
    for p in (1, -1, INF, -INF, "fro", "nuc", "wrong_norm", 5):
        both_raise(
            lambda p=p: NL.cond(ad.tensor(np.ones((3, 2))), p),
            lambda p=p: torch.linalg.cond(torch.ones(3, 2), p),
        )
    for shape in [(0, 0), (2, 5, 0, 0)]:
        want = torch.linalg.cond(torch.zeros(shape), 2)
        assert not want.any()
        with pytest.raises(np.linalg.LinAlgError):
            NL.cond(ad.tensor(np.zeros(shape)), 2)


# ---- eigen and singular value decompositions ---------------------------------------------------


def test_eigh_reads_one_triangle(backend):
    """eigh/eigvalsh of a non-symmetric matrix read the triangle UPLO names ('U', 'L', also
    lower case, as torch's): torch's eigenvalues and |eigenvectors|. DIFFERS: the gradient is
    the derivative of that function of the triangle read (central differences); torch
    returns a symmetrised gradient. Both agree along symmetric directions."""
    x = _r(2, 2, 3, 3)
    for uplo in ("U", "L", "u", "l"):
        same(
            lambda t, u=uplo: NL.eigvalsh(t, u),
            lambda t, u=uplo: torch.linalg.eigvalsh(t, u),
            x,
            grad=False,
        )
        got = _np(NL.eigh(ad.tensor(x), uplo)[1])
        want = _np(torch.linalg.eigh(torch.tensor(x), uplo)[1])
        np.testing.assert_allclose(np.abs(got), np.abs(want), atol=1e-10)
        a = x[0, 0]
        w = np.arange(3.0)
        g = ad.grad(lambda t, u=uplo: gnp.sum(NL.eigvalsh(t, u) * w))(a)
        check_grads(
            lambda t, u=uplo: gnp.sum(NL.eigvalsh(t, u) * w), (a,), order=1, modes=("rev", "fwd")
        )
        tri = np.triu if uplo in "Uu" else np.tril
        np.testing.assert_array_equal(g, tri(g))
        ta = torch.tensor(a, requires_grad=True)
        (torch.linalg.eigvalsh(ta, uplo) * torch.tensor(w)).sum().backward()
        s = _r(3, 3)
        s = s + s.T
        np.testing.assert_allclose(np.sum(g * s), np.sum(_np(ta.grad) * s), rtol=1e-9)


def test_eigh_errors(backend):
    """eigh/eigvalsh of a non-square matrix or with a UPLO other than 'L'/'U' raise."""
    for fg, ft in ((NL.eigh, torch.linalg.eigh), (NL.eigvalsh, torch.linalg.eigvalsh)):
        both_raise(lambda fg=fg: fg(ad.tensor(np.ones((2, 3)))), lambda ft=ft: ft(torch.ones(2, 3)))
        for uplo in ("a", "wrong"):
            both_raise(
                lambda fg=fg, u=uplo: fg(ad.tensor(np.eye(3)), u),
                lambda ft=ft, u=uplo: ft(torch.eye(3), u),
            )


def test_eig_errors(backend):
    """eig/eigvals of a 1-D or non-square input raise as torch's; an inf or NaN entry raises
    (torch: 'should not contain infs or NaNs') for a single matrix and in a batch."""
    for fg, ft in ((NL.eig, torch.linalg.eig), (NL.eigvals, torch.linalg.eigvals)):
        for shape in [(2,), (2, 3)]:
            both_raise(
                lambda fg=fg, s=shape: fg(ad.tensor(np.ones(s))),
                lambda ft=ft, s=shape: ft(torch.ones(s)),
            )
        for val in (INF, NAN):
            for batch in ((), (3,)):
                a = _r(*batch, 5, 5)
                a[..., -1, -1] = val
                with pytest.raises(np.linalg.LinAlgError, match="infs or NaNs"):
                    fg(ad.tensor(a))


def test_svd_of_nan(backend):
    """svd of a NaN matrix, alone or in a batch: NaN singular values (LAPACK's gesdd, as NumPy
    and torch on the CPU) or an error, never finite numbers."""
    a = np.full((3, 3), NAN)
    b = _r(3, 6, 6)
    b[1, 0, 0] = NAN
    for x in (a, b):
        try:
            s = _np(NL.svdvals(ad.tensor(x)))
        except np.linalg.LinAlgError:
            continue
        bad = s[1] if x.ndim == 3 else s
        assert np.isnan(bad).all()
        if x.ndim == 3:
            np.testing.assert_allclose(s[[0, 2]], np.linalg.svd(x[[0, 2]], compute_uv=False))


def test_tensor_svd(backend):
    """Tensor.svd (U, S, V with V not V^H): reconstruction with some=True and narrowed
    some=False factors, compute_uv=False giving zero U and V of torch's shapes, empty and
    batched shapes, non-contiguous input, complex V; singular values equal torch's."""
    shapes = [(0, 0), (5, 0), (0, 5), (0, 5, 3), (3, 3), (5, 3, 3), (7, 3), (5, 3, 7)]
    for shape in shapes:
        x = _r(*shape)
        for some in (True, False):
            for cuv in (True, False):
                u, s, v = ad.tensor(x).svd(some=some, compute_uv=cuv)
                tu, ts, tv = torch.tensor(x).svd(some=some, compute_uv=cuv)
                for g, t in ((u, tu), (s, ts), (v, tv)):
                    assert g.shape == tuple(t.shape)
                np.testing.assert_allclose(_np(s), _np(ts), atol=1e-10)
                if not cuv:
                    assert not _np(u).any() and not _np(v).any()
                elif x.size:
                    k = min(shape[-2:])
                    rec = (_np(u)[..., :k] * _np(s)[..., None, :]) @ np.swapaxes(
                        _np(v)[..., :k], -1, -2
                    )
                    np.testing.assert_allclose(rec, x, atol=1e-10)
    xt = _r(7, 5, 3).transpose(0, 2, 1)
    same(lambda t: t.svd()[1], lambda t: t.svd()[1], xt)
    c = _r(6, 6, cplx=True)
    u, s, v = ad.tensor(c).svd(some=False)
    np.testing.assert_allclose((_np(u) * _np(s)) @ _np(v).conj().T, c, atol=1e-12)
    for shape in [(5, 20), (20, 5)]:
        same(NL.svdvals, torch.linalg.svdvals, _r(*shape))


def test_tensor_qr_and_modes(backend):
    """Tensor.qr(some) and linalg.qr modes on empty, single and batched shapes: |Q| and |R|
    as torch's (signs are LAPACK's in both), Q orthonormal, R upper triangular; a 1-D input
    or an unknown mode raises. DIFFERS: mode='r' returns R alone (NumPy's)."""
    shapes = [
        (0, 5),
        (0, 0),
        (5, 0),
        (2, 1, 0, 5),
        (2, 0, 5, 5),
        (3, 5),
        (5, 3),
        (7, 3, 5),
        (7, 5, 5, 3),
    ]
    for shape in shapes:
        x = _r(*shape)
        for some in (True, False):
            q, r = ad.tensor(x).qr(some)
            tq, tr = torch.tensor(x).qr(some)
            assert q.shape == tuple(tq.shape) and r.shape == tuple(tr.shape)
            np.testing.assert_allclose(np.abs(_np(q)), np.abs(_np(tq)), atol=1e-10)
            np.testing.assert_allclose(_np(q) @ _np(r), x, atol=1e-10)
            np.testing.assert_array_equal(_np(r), np.triu(_np(r)))
        r_only = NL.qr(ad.tensor(x), "r")
        tq, tr = torch.linalg.qr(torch.tensor(x), "r")
        assert tq.shape == (0,)
        np.testing.assert_allclose(np.abs(_np(r_only)), np.abs(_np(tr)), atol=1e-10)
    both_raise(lambda: NL.qr(ad.tensor(np.ones(5))), lambda: torch.linalg.qr(torch.ones(5)))
    both_raise(
        lambda: NL.qr(ad.tensor(np.ones((5, 7))), "hello"),
        lambda: torch.linalg.qr(torch.ones(5, 7), "hello"),
    )


# ---- solves and factorisations ------------------------------------------------------------------

_BCAST = [
    ((2, 1, 3, 4, 4), (2, 1, 3, 4, 6)),
    ((2, 1, 3, 4, 4), (4, 6)),
    ((4, 4), (2, 1, 3, 4, 2)),
    ((1, 3, 1, 4, 4), (2, 1, 3, 4, 5)),
    ((3, 5, 5), (3, 5, 2)),
    ((3, 0, 0), (3, 0, 4)),
    ((0, 5, 5), (0, 5, 2)),
]


def test_batched_solves_broadcast(backend):
    """Tensor.lu_solve, cholesky_solve (lower and upper factors), triangular_solve (every
    upper/transpose/unitriangular) and linalg.solve_triangular (left and right) on torch's
    broadcasting batch shapes, empty batches and 0 x 0 systems: torch's values and gradients
    (central differences on two shapes)."""
    for k, (ad_, bd) in enumerate(_BCAST):
        a = _r(*ad_) + 4 * np.eye(ad_[-1])
        b = _r(*bd)
        fd = k in (1, 3)
        same(
            lambda x, y: y.lu_solve(*x.lu()),
            lambda x, y: torch.lu_solve(y, *torch.linalg.lu_factor(x)),
            a,
            b,
            fd=fd,
        )
        spd = a @ np.swapaxes(a, -1, -2)
        for upper in (False, True):
            chol = np.linalg.cholesky(spd) if spd.size else spd
            if upper:
                chol = np.swapaxes(chol, -1, -2)
            same(
                lambda x, y, u=upper: y.cholesky_solve(x, u),
                lambda x, y, u=upper: torch.cholesky_solve(y, x, u),
                chol,
                b,
                fd=fd,
                struct={0: "U" if upper else "L"},
            )
        for upper in (True, False):
            t = np.triu(a) if upper else np.tril(a)
            for trans in (True, False):
                for unit in (True, False):
                    same(
                        lambda x, y, u=upper, tr=trans, un=unit: y.triangular_solve(
                            x, upper=u, transpose=tr, unitriangular=un
                        )[0],
                        lambda x, y, u=upper, tr=trans, un=unit: torch.triangular_solve(
                            y, x, upper=u, transpose=tr, unitriangular=un
                        )[0],
                        t,
                        b,
                        fd=fd and trans and unit,
                    )
            for left in (True, False):
                bb = b if left else np.swapaxes(b, -1, -2)
                same(
                    lambda x, y, u=upper, lf=left: LA.solve_triangular(x, y, upper=u, left=lf),
                    lambda x, y, u=upper, lf=left: torch.linalg.solve_triangular(
                        x, y, upper=u, left=lf
                    ),
                    t,
                    bb,
                    fd=False,
                )


def test_cholesky_inverse(backend):
    """Tensor.cholesky_inverse of lower and upper factors, batches, 0 x 0, transposed
    (non-contiguous) factors, real and complex: torch's values and gradients; a 1-D or
    non-square input raises, and so does a zero on the diagonal (torch's CPU error)."""
    for shape in [(0, 0), (3, 3), (2, 2, 4, 4), (0, 3, 3)]:
        for cplx in (False, True):
            a = _r(*shape, cplx=cplx)
            a = a @ np.swapaxes(a, -1, -2).conj() + np.eye(shape[-1])
            low = np.linalg.cholesky(a) if a.size else a
            for upper in (False, True):
                f = np.swapaxes(low, -1, -2).conj() if upper else low
                same(
                    lambda x, u=upper: x.cholesky_inverse(u),
                    lambda x, u=upper: torch.cholesky_inverse(x, u),
                    f,
                    fd=shape == (3, 3) and not cplx,
                    struct={0: "U" if upper else "L"},
                )
                same(
                    lambda x, u=upper: x.cholesky_inverse(u),
                    lambda x, u=upper: torch.cholesky_inverse(x, u),
                    np.swapaxes(np.swapaxes(f, -1, -2).copy(), -1, -2),
                    grad=False,
                )
    for shape in [(2,), (2, 3)]:
        both_raise(
            lambda s=shape: ad.tensor(np.ones(s)).cholesky_inverse(),
            lambda s=shape: torch.ones(s).cholesky_inverse(),
        )
    z = np.tril(_r(3, 3))
    z[1, 1] = 0
    both_raise(lambda: ad.tensor(z).cholesky_inverse(), lambda: torch.tensor(z).cholesky_inverse())


def test_cholesky_errors(backend):
    """linalg.cholesky of a non-square, 1-D, not positive definite matrix (alone or one member
    of a batch) raises as torch's."""
    bad = np.eye(3)
    bad[-1, -1] = 0
    batch = np.stack([np.eye(3)] * 5)
    batch[4, -1, -1] = 0
    for x in (np.ones((2, 3)), np.ones((2, 2, 3)), np.ones(2), bad, batch):
        both_raise(
            lambda x=x: NL.cholesky(ad.tensor(x)),
            lambda x=x: torch.linalg.cholesky(torch.tensor(x)),
        )


def test_tensor_cholesky_batched(backend):
    """Tensor.cholesky (lower, or upper=True) of batches of Hermitian matrices equals the
    stacked factors of each member and torch's; it rebuilds the matrix; gradients. With
    upper=True it reads the upper triangle: a batch holding only that triangle gives the
    factor of the full matrix (torch's issue 57032)."""
    for batch in [(3,), (3, 4), (2, 3, 4)]:
        for cplx in (False, True):
            a = _r(*batch, 3, 3, cplx=cplx)
            a = a @ np.swapaxes(a, -1, -2).conj() + np.eye(3)
            for upper in (False, True):
                same(
                    lambda x, u=upper: x.cholesky(upper=u),
                    lambda x, u=upper: torch.linalg.cholesky(x, upper=u),
                    a,
                    grad=batch == (3,),
                    fd=not cplx,
                    struct={0: "HU" if upper else "HL"},
                )
                f = _np(ad.tensor(a).cholesky(upper=upper))
                lo = np.swapaxes(f, -1, -2).conj() if upper else f
                np.testing.assert_allclose(lo @ np.swapaxes(lo, -1, -2).conj(), a, atol=1e-12)
                flat = a.reshape(-1, 3, 3)
                each = np.stack([_np(ad.tensor(m).cholesky(upper=upper)) for m in flat])
                np.testing.assert_allclose(each.reshape(f.shape), f, rtol=1e-14, atol=1e-15)
                half = np.triu(a) if upper else np.tril(a)
                np.testing.assert_allclose(
                    _np(ad.tensor(half).cholesky(upper=upper)), f, atol=1e-14
                )


def test_singular_and_nonsquare_errors(backend):
    """inv, inverse, solve and slogdet of non-square or 1-D input raise; inv and solve of a
    batch with one singular member (any position) raise, as torch's; solve with incompatible
    shapes raises."""
    for n_batch, k in [(1, 0), (2, 1), (4, 2), (10, 2)]:
        a = np.stack([np.eye(3)] * n_batch)
        a[k, -1, -1] = 0
        b = _r(n_batch, 3, 1)
        both_raise(
            lambda a=a: NL.inv(ad.tensor(a)),
            lambda a=a: torch.linalg.inv(torch.tensor(a)),
            np.linalg.LinAlgError,
        )
        both_raise(
            lambda a=a: ad.tensor(a).inverse(),
            lambda a=a: torch.tensor(a).inverse(),
            np.linalg.LinAlgError,
        )
        both_raise(
            lambda a=a, b=b: NL.solve(ad.tensor(a), ad.tensor(b)),
            lambda a=a, b=b: torch.linalg.solve(torch.tensor(a), torch.tensor(b)),
            np.linalg.LinAlgError,
        )
    for shape in [(2, 3, 4, 3), (2,), (2, 3)]:
        both_raise(
            lambda s=shape: NL.inv(ad.tensor(np.ones(s))),
            lambda s=shape: torch.linalg.inv(torch.ones(s)),
        )
        both_raise(
            lambda s=shape: NL.slogdet(ad.tensor(np.ones(s))),
            lambda s=shape: torch.linalg.slogdet(torch.ones(s)),
        )
    both_raise(
        lambda: NL.solve(ad.tensor(_r(2, 3, 3, 3)), ad.tensor(_r(2, 3, 2, 1))),
        lambda: torch.linalg.solve(torch.randn(2, 3, 3, 3), torch.randn(2, 3, 2, 1)),
    )


def _scaled(n, seed):
    return np.random.default_rng(seed).standard_normal((n, n)) * np.prod(np.arange(1.0, n)) ** (
        -1.0 / (2 * n)
    )


def test_det_logdet_slogdet_methods(backend):
    """Tensor.det, logdet, slogdet, inverse and matrix_power (non-negative and negative powers)
    on torch's special matrices: the identity, an orthogonal one, scaled and exchanged rows
    and columns, repeated rows (det 0, logdet -inf), negative determinants (logdet NaN),
    symmetric ones, empty and batched mixes of singular and regular members: torch's values;
    gradients where the determinant is nonzero."""
    eye = np.eye(5)
    q = np.linalg.qr(_r(6, 6))[0]
    m = _scaled(5, 3)
    mats = [
        eye,
        q,
        m,
        -m,
        m @ m.T,
        m @ m.T + 1e-6 * eye,
        np.zeros((0, 0)),
        np.stack([m, np.ones((5, 5)), m @ m.T, -m]).reshape(2, 2, 5, 5),
        _r(3, 4, 4)[:, ::-1].copy().transpose(0, 2, 1),
    ]
    for x in (m.copy(), m.copy()):
        x[:, 3] = x[:, 0]
        mats.append(x)
    for scale in (-2, -0.1, 0, 10):
        x = m.copy()
        x[2] *= scale
        mats.append(x)
    for x in mats:
        regular = bool(x.size and np.all(np.abs(np.linalg.det(x)) > 1e-8))
        same(lambda t: t.det(), torch.det, x, grad=regular, fd=x.ndim == 2)
        same(lambda t: t.logdet(), torch.logdet, x, grad=False)
        same(lambda t: t.slogdet()[0], lambda t: torch.slogdet(t)[0], x, grad=False)
        same(
            lambda t: t.slogdet()[1],
            lambda t: torch.linalg.slogdet(t)[1],
            x,
            grad=regular,
            fd=False,
        )
        if regular:
            same(lambda t: t.inverse(), torch.inverse, x, fd=False, tol=1e-8, gtol=1e-6)
            for n in (-3, -1, 0, 1, 2, 5):
                same(
                    lambda t, n=n: t.matrix_power(n),
                    lambda t, n=n: t.matrix_power(n),
                    x,
                    grad=n != 0,
                    fd=False,
                    tol=1e-7,
                    gtol=1e-5,
                )
    pos = m @ m.T + eye
    same(lambda t: t.logdet(), torch.logdet, pos)
    for shape in [(0, 0), (2, 0, 0), (0, 3, 3)]:
        for n in (-2, 0, 3):
            same(
                lambda t, n=n: t.matrix_power(n),
                lambda t, n=n: t.matrix_power(n),
                np.zeros(shape),
                grad=False,
            )
    both_raise(lambda: ad.tensor(np.ones(1)).det(), lambda: torch.ones(1).det())


def test_matrix_exp_cases(backend):
    """matrix_exp: a 1 x 1 batch is exp, the zero matrix gives the identity exactly, batches
    equal the stacked single results, diagonalisable matrices of norms across each of torch's
    Pade-degree thresholds agree with the analytic exponential, real and complex; a 1-D or
    non-square input raises. DIFFERS: an integer matrix is promoted to float64 (torch
    raises), as gpuad's other linalg functions."""
    x = _r(3, 3, 1, 1)
    np.testing.assert_allclose(_np(LA.matrix_exp(ad.tensor(x))), np.exp(x), rtol=1e-14)
    assert (_np(LA.matrix_exp(ad.tensor(np.zeros((20, 20))))) == np.eye(20)).all()
    b = _r(3, 3, 4, 4)
    batched = _np(ad.tensor(b).matrix_exp())
    for i in range(3):
        for j in range(3):
            np.testing.assert_allclose(
                batched[i, j], _np(LA.matrix_exp(ad.tensor(b[i, j]))), rtol=1e-13
            )
    thetas = [2.22e-16, 2.58e-08, 3.40e-04, 4.99e-02, 2.99e-01, 1.09e00]
    mids = [(a + c) / 2 for a, c in zip(thetas[:-1], thetas[1:], strict=True)]
    norms = [thetas[0] / 2, *mids, 2 * thetas[-1]]
    for cplx in (False, True):
        qm = np.eye(4) + _r(4, 4, cplx=cplx) / 16
        d = _r(4, cplx=cplx)
        base = qm @ np.diag(d) @ np.linalg.inv(qm)
        n1 = np.abs(base).sum(0).max()
        for nrm in norms:
            a = base / n1 * nrm
            want = qm @ np.diag(np.exp(d / n1 * nrm)) @ np.linalg.inv(qm)
            np.testing.assert_allclose(_np(LA.matrix_exp(ad.tensor(a))), want, atol=1e-10)
            same(
                LA.matrix_exp,
                torch.linalg.matrix_exp,
                a,
                fd=nrm == norms[3] and not cplx,
                tol=1e-10,
                gtol=1e-9,
            )
    for shape in [(3,), (3, 2, 1)]:
        both_raise(
            lambda s=shape: LA.matrix_exp(ad.tensor(np.ones(s))),
            lambda s=shape: torch.linalg.matrix_exp(torch.ones(s)),
        )
    ints = np.arange(9, dtype=np.int32).reshape(3, 3) % 2
    with pytest.raises(RuntimeError):
        torch.linalg.matrix_exp(torch.tensor(ints))
    got = LA.matrix_exp(ad.tensor(ints))
    assert got.dtype == np.float64
    np.testing.assert_allclose(
        _np(got), _np(torch.linalg.matrix_exp(torch.tensor(ints.astype(float)))), rtol=1e-13
    )


def test_matrix_rank_tolerances(backend):
    """matrix_rank with a float tolerance, per-matrix and broadcast tolerance arrays,
    hermitian=True, empty matrices and batches, rtol: torch's ranks (int64); the identity
    with one zero. DIFFERS: tol and rtol together raise (NumPy's), torch takes the larger."""
    for shape in [(3, 13), (4, 13, 3), (3, 5, 3, 13)]:
        a = _r(*shape)
        tols = [0.5, R.random(shape[:-2]) * 2]
        if len(shape) > 2:
            tols.append(R.random(shape[-3]) * 2)
        for tol in tols:
            same(
                lambda t, tol=tol: NL.matrix_rank(t, tol),
                lambda t, tol=tol: torch.linalg.matrix_rank(t, atol=torch.tensor(tol)),
                a,
                grad=False,
            )
        aah = a @ np.swapaxes(a, -1, -2)
        same(
            lambda t: NL.matrix_rank(t, hermitian=True),
            lambda t: torch.linalg.matrix_rank(t, hermitian=True),
            aah,
            grad=False,
        )
        same(
            lambda t: NL.matrix_rank(t, 0.01, True),
            lambda t: torch.linalg.matrix_rank(t, 0.01, True),
            aah,
            grad=False,
        )
    from torch.testing._internal.common_utils import (
        make_fullrank_matrices_with_distinct_singular_values as fullrank,
    )

    a9 = fullrank(9, 9, dtype=torch.float64, device="cpu").numpy()
    same(
        lambda t: NL.matrix_rank(t, rtol=0.81),
        lambda t: torch.linalg.matrix_rank(t, rtol=0.81),
        a9,
        grad=False,
    )
    same(
        lambda t: NL.matrix_rank(t, 0.81),
        lambda t: torch.linalg.matrix_rank(t, atol=0.81),
        a9,
        grad=False,
    )
    with pytest.raises(ValueError):
        NL.matrix_rank(ad.tensor(a9), 0.81, rtol=0.81)
    for shape in [(0, 0), (4, 0, 3), (3, 5, 3, 0)]:
        same(NL.matrix_rank, torch.linalg.matrix_rank, np.ones(shape), grad=False)
    e = np.eye(10)
    e[5, 5] = 0
    for herm in (False, True):
        same(
            lambda t, h=herm: NL.matrix_rank(t, hermitian=h),
            lambda t, h=herm: torch.linalg.matrix_rank(t, hermitian=h),
            e,
            grad=False,
        )


def test_pinv_cutoffs(backend):
    """pinv with a float cut-off, a per-matrix array and a broadcast one, hermitian=True on
    positive definite input, fat, thin and empty shapes; Tensor.pinverse of invertible
    matrices is the inverse; a 1-D input raises, and a complex cut-off raises (torch's
    error; NumPy would compare complex numbers lexicographically)."""
    for shape in [(5, 5), (3, 2, 5, 5), (5, 3, 2), (2, 5, 2, 3), (0, 2), (3, 0, 0)]:
        a = _r(*shape)
        rcs = [0.3] + ([R.random(shape[:-2])] if len(shape) > 2 else [])
        if len(shape) > 3:
            rcs.append(R.random(shape[-3]))
        for rc in rcs:
            same(
                lambda t, rc=rc: NL.pinv(t, rc),
                lambda t, rc=rc: torch.linalg.pinv(t, rtol=torch.tensor(rc)),
                a,
                grad=False,
            )
        if shape[-1] == shape[-2]:
            h = a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])
            same(
                lambda t: NL.pinv(t, hermitian=True),
                lambda t: torch.linalg.pinv(t, hermitian=True),
                h,
                fd=False,
                gtol=1e-6,
                struct={0: "HL"},
            )
    inv = _r(3, 5, 5) + 5 * np.eye(5)
    same(lambda t: t.pinverse(), lambda t: t.pinverse(), inv, fd=False, gtol=1e-6)
    np.testing.assert_allclose(
        _np(ad.tensor(inv).pinverse()) @ inv, np.broadcast_to(np.eye(5), inv.shape), atol=1e-12
    )
    both_raise(lambda: NL.pinv(ad.tensor(np.ones(1))), lambda: torch.linalg.pinv(torch.ones(1)))
    both_raise(
        lambda: NL.pinv(ad.tensor(np.eye(3)), 1j),
        lambda: torch.linalg.pinv(torch.eye(3), rcond=torch.tensor(1j)),
        TypeError,
    )
    with pytest.raises(TypeError, match="must be real"):
        NL.pinv(ad.tensor(np.eye(3)), rtol=ad.tensor(np.array(0.1 + 0j)))


def test_tensorinv_tensorsolve(backend):
    """tensorinv for torch's shapes and ``ind``, empty tensors, and its errors (shape, ``ind``
    not positive, a singular operator); tensorsolve with and without ``dims``, an empty
    system, a mismatched right-hand side: torch's values, gradients, errors."""
    for shape, ind in [
        ((12, 3, 4), 1),
        ((3, 8, 24), 2),
        ((18, 3, 3, 2), 1),
        ((1, 4, 2, 2), 2),
        ((3, 4, 2, 3, 2), 2),
        ((3, 2, 1, 2, 12), 4),
    ]:
        same(
            lambda t, i=ind: NL.tensorinv(t, i),
            lambda t, i=ind: torch.linalg.tensorinv(t, i),
            _r(*shape),
            fd=shape == (12, 3, 4),
            tol=1e-8,
            gtol=1e-6,
        )
    empty = np.zeros((0, 0, 1, 2, 3, 0))
    for ind in (1, 2, 3):
        same(
            lambda t, i=ind: NL.tensorinv(t, i),
            lambda t, i=ind: torch.linalg.tensorinv(t, i),
            empty,
            grad=False,
        )
    for shape, ind in [((2, 3, 4), 1), ((1, 2, 3, 4), 3), ((12, 3, 4), -1), ((18, 3, 3, 2), 0)]:
        both_raise(
            lambda s=shape, i=ind: NL.tensorinv(ad.tensor(np.ones(s)), i),
            lambda s=shape, i=ind: torch.linalg.tensorinv(torch.ones(s), i),
        )
    for shape, ind in [((12, 3, 4), 1), ((3, 6, 18), 2)]:
        s = np.eye(int(np.prod(shape[ind:])))
        s[-1, -1] = 0
        both_raise(
            lambda s=s, sh=shape, i=ind: NL.tensorinv(ad.tensor(s.reshape(sh)), i),
            lambda s=s, sh=shape, i=ind: torch.linalg.tensorinv(torch.tensor(s.reshape(sh)), i),
            np.linalg.LinAlgError,
        )
    for shape, dims in [
        ((2, 3, 6), None),
        ((3, 4, 4, 3), None),
        ((2, 3, 6), (0, 2)),
        ((3, 4, 4, 3), (0, 2)),
    ]:
        same(
            lambda a, b, d=dims: NL.tensorsolve(a, b, d),
            lambda a, b, d=dims: torch.linalg.tensorsolve(a, b, d),
            _r(*shape),
            _r(*shape[:2]),
            fd=dims is None and len(shape) == 3,
            tol=1e-8,
            gtol=1e-6,
        )
    same(NL.tensorsolve, torch.linalg.tensorsolve, empty, np.zeros((0, 0)), grad=False)
    a = np.eye(24).reshape(6, 4, 2, 3, 4)
    both_raise(
        lambda: NL.tensorsolve(ad.tensor(a), ad.tensor(np.ones((8, 4)))),
        lambda: torch.linalg.tensorsolve(torch.tensor(a), torch.ones(8, 4).double()),
    )


def test_householder_family(backend):
    """geqrf (reflectors and tau), ormqr (left/right, transposed or not, zero tau is the
    identity) and householder_product (also with no reflectors) on torch's batch and size
    grid, empty ones included: torch's values; torch's shape errors raise. DIFFERS: an
    integer tau is promoted (torch refuses the dtype)."""
    for batch in [(), (0,), (2,), (2, 1)]:
        for m, n in [(5, 2), (2, 5), (5, 5), (0, 2), (2, 0)]:
            a = _r(*batch, m, n)
            same(lambda t: LA.geqrf(t)[0], lambda t: torch.geqrf(t)[0], a, grad=False)
            same(lambda t: LA.geqrf(t)[1], lambda t: torch.geqrf(t)[1], a, grad=False)
            refl, tau = (_np(v) for v in torch.geqrf(torch.tensor(a)))
            for left, c in ((True, _r(*batch, m, n)), (False, _r(*batch, n, m))):
                for tr in (False, True):
                    same(
                        lambda r, t, x, lf=left, tr=tr: LA.ormqr(r, t, x, left=lf, transpose=tr),
                        lambda r, t, x, lf=left, tr=tr: torch.ormqr(r, t, x, left=lf, transpose=tr),
                        refl,
                        tau,
                        c,
                        grad=False,
                    )
                same(
                    lambda r, t, x, lf=left: LA.ormqr(r, t, x, left=lf),
                    lambda r, t, x, lf=left: torch.ormqr(r, t, x, left=lf),
                    refl,
                    np.zeros_like(tau),
                    c,
                    grad=False,
                )
            if m >= n:
                same(
                    LA.householder_product, torch.linalg.householder_product, refl, tau, grad=False
                )
                same(
                    LA.householder_product,
                    torch.linalg.householder_product,
                    refl,
                    np.zeros((*batch, 0)),
                    grad=False,
                )
    for a_s, t_s, c_s in [
        ((10,), (2,), (2,)),
        ((2, 2), (2,), (2,)),
        ((10, 6), (20,), (10, 6)),
        ((6, 6), (5,), (5, 5)),
        ((1, 2, 2), (2, 2), (1, 2, 2)),
        ((1, 2, 2), (1, 2), (2, 2, 2)),
    ]:
        both_raise(
            lambda a=a_s, t=t_s, c=c_s: LA.ormqr(*(ad.tensor(np.ones(s)) for s in (a, t, c))),
            lambda a=a_s, t=t_s, c=c_s: torch.ormqr(*(torch.ones(s) for s in (a, t, c))),
        )
    for a_s, t_s in [((10,), (2,)), ((10, 6), (20,)), ((6, 10), (5,))]:
        both_raise(
            lambda a=a_s, t=t_s: LA.householder_product(
                ad.tensor(np.ones(a)), ad.tensor(np.ones(t))
            ),
            lambda a=a_s, t=t_s: torch.linalg.householder_product(torch.ones(a), torch.ones(t)),
        )
    refl, tau = _r(3, 3), _r(3)
    got = LA.householder_product(ad.tensor(refl), ad.tensor(tau.astype(np.int32)))
    want = torch.linalg.householder_product(
        torch.tensor(refl), torch.tensor(tau.astype(np.int32)).double()
    )
    np.testing.assert_allclose(_np(got), _np(want), atol=1e-12)


def test_renorm(backend):
    """Tensor.renorm over a dim of a 2-d and a 3-d tensor, every p, gradients: torch's values
    (slices above maxnorm scaled to it, by maxnorm / (norm + 1e-7))."""
    m = _r(20, 20)
    same(lambda t: t.renorm(2, 1, 3.0), lambda t: t.renorm(2, 1, 3.0), m, fd=False)
    x = _r(5, 5)
    for p in (1, 2, 3, 4, INF):
        same(lambda t, p=p: t.renorm(p, 1, 1), lambda t, p=p: t.renorm(p, 1, 1), x, fd=p == 2)
    same(lambda t: t.renorm(2, 1, 1.0), lambda t: t.renorm(2, 1, 1.0), _r(3, 4, 5))


def test_lu_unpack(backend):
    """lu_unpack of lu_factor rebuilds square, wide, tall, batched and empty inputs as torch's
    (P L U equal to A, the factors equal to torch's); unpack_data/unpack_pivots=False leave
    empty results, as torch's. DIFFERS: int64 pivots are accepted (torch wants int32)."""
    for shape in [
        (3, 3),
        (5, 3, 3),
        (7, 3, 5, 5),
        (3, 5),
        (5, 3),
        (3, 3, 5),
        (3, 5, 3),
        (0, 0),
        (0, 3, 3),
    ]:
        a = 0.1 * _r(*shape)
        for k in range(3):
            same(
                lambda t, k=k: LA.lu_unpack(*LA.lu_factor(t))[k],
                lambda t, k=k: torch.lu_unpack(*torch.linalg.lu_factor(t))[k],
                a,
                grad=k > 0,
                fd=False,
            )
        p, low, up = LA.lu_unpack(*ad.tensor(a).lu())
        np.testing.assert_allclose(_np(p) @ _np(low) @ _np(up), a, atol=1e-14)
    lu, piv = LA.lu_factor(ad.tensor(_r(5, 5, 5)))
    tl, tp = torch.linalg.lu_factor(torch.tensor(_np(lu)))
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        for g, t in zip(LA.lu_unpack(lu, piv, **kw), torch.lu_unpack(tl, tp, **kw), strict=True):
            assert g.shape == tuple(t.shape)
    with pytest.raises(RuntimeError):
        torch.lu_unpack(tl, tp.long())
    p64 = LA.lu_unpack(lu, _np(piv).astype(np.int64))[0]
    np.testing.assert_array_equal(_np(p64), _np(LA.lu_unpack(lu, piv)[0]))


def test_lstsq_batch_broadcasting(backend):
    """gpuad.linalg.lstsq of a matrix broadcast over right-hand sides, and of broadcasting
    batch shapes (matrix and vector right-hand sides): the pseudo-inverse solution, torch's."""
    for m in (1, 2, 4, 8):
        a = _r(m, m) + 3 * np.eye(m)
        for batch in [(), (0,), (2,), (2, 2)]:
            same(
                lambda x, y: LA.lstsq(x, y).solution,
                lambda x, y: torch.linalg.lstsq(x, y).solution,
                a.reshape((1,) * len(batch) + (m, m)),
                _r(*batch, m, m),
                grad=False,
            )
        a = _r(1, 3, 1, 3, m, m) + 3 * np.eye(m)
        for b in (_r(3, 1, 3, 1, m, max(m // 2, 1)), _r(3, 1, 3, 1, m, 1)):
            same(
                lambda x, y: LA.lstsq(x, y).solution,
                lambda x, y: torch.linalg.lstsq(x, y).solution,
                a,
                b,
                grad=m == 2,
                fd=False,
                gtol=1e-6,
            )
            np.testing.assert_allclose(
                _np(LA.lstsq(ad.tensor(a), ad.tensor(b)).solution),
                np.linalg.pinv(a) @ b,
                atol=1e-10,
            )


def test_lstsq_input_checks(backend):
    """lstsq of empty batches and empty systems: torch's zero solutions and shapes; a 1-D
    input, a 0-d right-hand side, mismatched rows and an unknown driver raise as torch's."""
    for sa, sb in [
        ((0, 0, 3, 3), (0, 0, 3, 2)),
        ((2, 2, 0, 0), (2, 2, 0, 0)),
        ((2, 2, 3, 0), (2, 2, 3, 0)),
        ((2, 2, 3, 0), (2, 2, 3, 2)),
        ((2, 2, 0, 3), (2, 2, 0, 3)),
    ]:
        same(
            lambda x, y: LA.lstsq(x, y)[0],
            lambda x, y: torch.linalg.lstsq(x, y)[0],
            R.random(sa),
            R.random(sb),
            grad=False,
        )
    a, b = R.random((2, 3)), R.random(3)
    for x, y in [(b, b), (a, np.array(1.0)), (a, b), (a, b[:, None])]:
        both_raise(
            lambda x=x, y=y: LA.lstsq(ad.tensor(x), ad.tensor(y)),
            lambda x=x, y=y: torch.linalg.lstsq(torch.tensor(x), torch.tensor(y)),
        )
    a4, b3 = R.random((2, 2, 2, 2)), R.random((2, 2, 2))
    both_raise(
        lambda: LA.lstsq(ad.tensor(a4), ad.tensor(b3), driver="fictitious_driver"),
        lambda: torch.linalg.lstsq(torch.tensor(a4), torch.tensor(b3), driver="fictitious_driver"),
    )


def test_multi_dot_and_chain_matmul(backend):
    """multi_dot's empty-dimension and variable-output cases and its errors (fewer than two
    tensors, 0-d or 3-d operands, a middle vector, mismatched sizes) as torch's. DIFFERS:
    gpuad has no chain_matmul (deprecated in torch for linalg.multi_dot)."""
    for shapes in [
        [(0,), (0,)],
        [(2,), (2, 0)],
        [(1, 0), (0,)],
        [(0, 2), (2, 1)],
        [(2, 0), (0, 3)],
        [(4, 2), (2, 0), (0, 3), (3, 2)],
        [(1, 2), (2,)],
        [(3,), (3, 4), (4, 2), (2, 5), (5,)],
        [(1, 2), (2, 2), (2, 3), (3, 1)],
        [(10, 20), (20, 30), (30, 5)],
    ]:
        arrs = [_r(*s) for s in shapes]
        same(
            lambda *xs: NL.multi_dot(list(xs)),
            lambda *xs: torch.linalg.multi_dot(list(xs)),
            *arrs,
            fd=len(shapes) == 4,
        )
    a = np.ones(2)
    for arrs in (
        [],
        [a],
        [a, a, a],
        [a, np.ones((2, 2, 2)), a],
        [a, np.ones(3)],
        [a, np.ones((3, 2)), a],
    ):
        both_raise(
            lambda arrs=arrs: NL.multi_dot([ad.tensor(x) for x in arrs]),
            lambda arrs=arrs: torch.linalg.multi_dot([torch.tensor(x) for x in arrs]),
        )
    for arrs in ([np.array(3.0), a], [a, np.array(3.0)]):  # NumPy's dot: a scaling
        with pytest.raises(RuntimeError):
            torch.linalg.multi_dot([torch.tensor(x) for x in arrs])
        got = NL.multi_dot([ad.tensor(x) for x in arrs])
        np.testing.assert_array_equal(_np(got), np.linalg.multi_dot(arrs))
    assert not hasattr(LA, "chain_matmul") and not hasattr(gnp, "chain_matmul")


def test_lapack_empty(backend):
    """torch's empty LAPACK cases: inverse and pinverse shapes, det 1, logdet 0, slogdet
    (1, 0) of 0 x 0, qr of 3 x 0 and 0 x 3 (reduced and complete), lu of empty batches."""
    T = ad.tensor
    assert T(np.zeros((0, 0))).inverse().shape == (0, 0)
    for shape in [(0, 5), (5, 0), (0, 0)]:
        same(lambda t: t.pinverse(), lambda t: t.pinverse(), np.zeros(shape), grad=False)
    same(lambda t: t.det(), torch.det, np.zeros((0, 0)))
    same(lambda t: t.logdet(), torch.logdet, np.zeros((0, 0)), grad=False)
    same(lambda t: t.slogdet()[0], lambda t: torch.slogdet(t)[0], np.zeros((0, 0)), grad=False)
    for shape in [(3, 0), (0, 3)]:
        for some in (True, False):
            q, r = T(np.zeros(shape)).qr(some)
            tq, tr = torch.zeros(shape).qr(some)
            assert (q.shape, r.shape) == (tuple(tq.shape), tuple(tr.shape))
    for shape in [(0, 5, 5), (0, 0, 0), (2, 0, 0)]:
        lu, piv = T(np.zeros(shape)).lu()
        tlu, tpiv = torch.linalg.lu_factor(torch.zeros(shape))
        assert (lu.shape, piv.shape) == (tuple(tlu.shape), tuple(tpiv.shape))


def test_pca_lowrank_dense(backend):
    """pca_lowrank of dense low-rank matrices (and batches) with q at the rank and above:
    U S V^H rebuilds the centred matrix and the leading singular values are torch's (the
    random sketch differs, the result does not)."""
    for rank, (m, n), batch in [(2, (17, 4), ()), (2, (4, 17), (3,)), (3, (20, 10), (2,))]:
        a = _r(*batch, m, rank) @ _r(*batch, rank, n)
        for q in (rank, rank + 2):
            u, s, v = LA.pca_lowrank(ad.tensor(a), q=q)
            tu, ts, tv = torch.pca_lowrank(torch.tensor(a), q=q)
            assert (u.shape, s.shape, v.shape) == (
                tuple(tu.shape),
                tuple(ts.shape),
                tuple(tv.shape),
            )
            centred = a - a.mean(axis=-2, keepdims=True)
            rec = (_np(u) * _np(s)[..., None, :]) @ np.swapaxes(_np(v), -1, -2)
            np.testing.assert_allclose(rec, centred, atol=1e-10)
            np.testing.assert_allclose(_np(s)[..., :rank], _np(ts)[..., :rank], rtol=1e-10)
