"""The rest of JAX's jax.numpy suites, mapped test by test onto gpuad: ``tests/
lax_numpy_reducers_test.py`` (JaxNumpyReducerTests), ``lax_numpy_operators_test.py``
(JaxNumpyOperatorTests), ``lax_numpy_ufuncs_test.py`` (LaxNumpyUfuncTests),
``lax_numpy_einsum_test.py`` (EinsumTest), ``lax_numpy_vectorize_test.py`` (VectorizeTest),
``polynomial_test.py`` (TestPolynomial) and ``fft_test.py`` (FftTest) of jax-ml/jax. Their
``lax_numpy_test.py`` and ``lax_numpy_indexing_test.py`` are mapped in test_jax_numpy_gaps.py.

``GAPS`` has one row per upstream test method (a parametrised method is one row):
"covered:" names the earlier port (test_jax_numpy_reducers_suite.py,
test_jax_numpy_operators_suite.py, test_jax_ufuncs_suite.py, test_jax_fft_poly_setops.py)
that runs it, "here:" a test of this file, "differs:" a deliberate difference (gpuad keeps
NumPy's behaviour where JAX departs from it) with the test of gpuad's behaviour, "n/a:" why
there is nothing a gpuad user could hit (jaxprs, abstract shapes, multi-gigabyte inputs).
``test_every_gap_has_a_mapping`` checks the count and every reference.

The tests here run the upstream inputs through gpuad.numpy and, in the same process, NumPy
(gpuad's reference for values, dtypes and errors) and jax.numpy (x64); gradients go against
jax.grad and float64 central differences (gpuad.testing.check_grads).
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.lax as glax  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


R, O, U, E, V, P, F = (
    "JaxNumpyReducerTests",
    "JaxNumpyOperatorTests",
    "LaxNumpyUfuncTests",
    "EinsumTest",
    "VectorizeTest",
    "TestPolynomial",
    "FftTest",
)

GAPS = (  # (upstream class, test method, where its port is or why there is none)
    (R, "testReducer", "covered: test_jax_numpy_reducers_suite.py::test_reducer"),
    (R, "testReducerNoDtype", "covered: test_jax_numpy_reducers_suite.py::test_reducer_no_dtype"),
    (
        R,
        "testReducerBadInitial",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_bad_initial_and_where",
    ),
    (
        R,
        "testReducerInitial",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_initial_and_where",
    ),
    (
        R,
        "testReducerPromoteInt",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_promote_integers",
    ),
    (R, "testReducerNoInitialZeroDims", "here: test_reducer_no_initial_zero_dims"),
    (
        R,
        "testReducerWhere",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_initial_and_where",
    ),
    (
        R,
        "testReducerWhereNonBooleanErrorInitial",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_bad_initial_and_where",
    ),
    (
        R,
        "testReducerWhereNonBooleanErrorNoInitial",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_where_non_boolean",
    ),
    (
        R,
        "testReducerWhereNoInitial",
        "covered: test_jax_numpy_reducers_suite.py::test_reducer_where_no_initial",
    ),
    (
        R,
        "testReductionOfOutOfBoundsAxis",
        "covered: test_jax_numpy_reducers_suite.py::test_reduction_axis_errors",
    ),
    (
        R,
        "testReductionWithRepeatedAxisError",
        "covered: test_jax_numpy_reducers_suite.py::test_reduction_axis_errors",
    ),
    (R, "testAverage", "covered: test_jax_numpy_reducers_suite.py::test_average"),
    (R, "testAverageNDWeights", "covered: test_jax_numpy_reducers_suite.py::test_average"),
    (R, "testStdOrVar", "covered: test_jax_numpy_reducers_suite.py::test_std_or_var"),
    (
        R,
        "testStdOrVarLargeDdofReturnsNan",
        "differs: ddof >= size follows NumPy (NaN for 0 or 1 element, inf past that; JAX: NaN "
        "always); here: test_var_std_ddof_at_least_size",
    ),
    (R, "testNanVar", "covered: test_jax_numpy_reducers_suite.py::test_std_or_var"),
    (R, "testNanStdGrad", "covered: test_jax_numpy_reducers_suite.py::test_nanvar_nanstd_grad"),
    (R, "testReducerWithMean", "covered: test_jax_numpy_reducers_suite.py::test_reducer_with_mean"),
    (R, "testCov", "covered: test_jax_numpy_reducers_suite.py::test_cov"),
    (R, "testEmptyCov", "here: test_empty_and_single_observation_cov"),
    (R, "testCovTransposeBehavior", "here: test_empty_and_single_observation_cov"),
    (R, "testCovDtype", "here: test_cov_dtype"),
    (R, "testQuantile", "covered: test_jax_numpy_reducers_suite.py::test_quantile_and_median"),
    (R, "testPercentilePrecision", "here: test_percentile_precision"),
    (R, "testMedian", "covered: test_jax_numpy_reducers_suite.py::test_quantile_and_median"),
    (R, "testMeanLargeArray", "n/a: a 2.7e9-element int8 array (upstream skips it as slow)"),
    (R, "testMeanVeryLargeArray", "n/a: jax.eval_shape of an abstract 2**32-element array"),
    (R, "testStdLargeArray", "n/a: a 2.7e9-element int8 array (upstream skips it as slow)"),
    (R, "test_f16_mean", "here: test_float16_mean_accumulates_wide"),
    (R, "testCumulativeSum", "covered: test_jax_numpy_reducers_suite.py::test_cumulative"),
    (R, "testCumulativeSumErrors", "covered: test_jax_numpy_reducers_suite.py::test_cumulative"),
    (R, "testCumulativeSumBool", "here: test_cumulative_sum_bool_dtype"),
    (R, "testCumulativeProd", "covered: test_jax_numpy_reducers_suite.py::test_cumulative"),
    (R, "testReducerF16Casts", "n/a: the convert_element_type equations of a jaxpr"),
    (R, "testMeanF16Casts", "n/a: the convert_element_type equations of a jaxpr"),
    (R, "testWeightedQuantile", "here: test_weighted_quantile"),
    (O, "testOp", "covered: test_jax_numpy_operators_suite.py::test_op"),
    (
        O,
        "testOperatorOverload",
        "covered: test_jax_numpy_operators_suite.py::test_operator_overload",
    ),
    (
        O,
        "testRightOperatorOverload",
        "covered: test_jax_numpy_operators_suite.py::test_operator_overload",
    ),
    (
        O,
        "testOperatorOverloadErrors",
        "covered: test_jax_numpy_operators_suite.py::test_operator_overload_errors",
    ),
    (
        O,
        "testRightOperatorOverloadErrors",
        "covered: test_jax_numpy_operators_suite.py::test_operator_overload_errors",
    ),
    (
        O,
        "testBinaryOperatorDefers",
        "covered: test_jax_numpy_operators_suite.py::test_binary_operator_defers",
    ),
    (O, "testBitwiseOp", "covered: test_jax_numpy_operators_suite.py::test_op"),
    (O, "testBitwiseCount", "covered: test_jax_numpy_operators_suite.py::test_op"),
    (O, "testShiftOpAgainstNumpy", "covered: test_jax_numpy_operators_suite.py::test_op"),
    (
        O,
        "testSignComplex",
        "covered: test_jax_numpy_operators_suite.py::test_sign_complex_and_i0_grad",
    ),
    (
        O,
        "testDeferToNamedTuple",
        "differs: a tuple subclass is an array-like operand, as in NumPy (JAX defers to its "
        "__rmul__); here: test_named_tuple_operand_is_array_like",
    ),
    (O, "testI0Grad", "covered: test_jax_numpy_operators_suite.py::test_sign_complex_and_i0_grad"),
    (
        U,
        "test_frompyfunc_properties",
        "covered: test_jax_ufuncs_suite.py::test_frompyfunc_properties",
    ),
    (U, "test_ufunc_properties", "covered: test_jax_ufuncs_suite.py::test_ufunc_properties"),
    (
        U,
        "test_frompyfunc_properties_readonly",
        "covered: test_jax_ufuncs_suite.py::test_frompyfunc_properties",
    ),
    (
        U,
        "test_ufunc_properties_readonly",
        "differs: gpuad.numpy's own ufuncs are Python functions carrying the ufunc's "
        "attributes, which Python lets one rebind (the methods read the ufunc object, which "
        "is read-only); here: test_ufunc_attributes_are_numpy_s",
    ),
    (U, "test_frompyfunc_hash", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_properties"),
    (U, "test_frompyfunc_call", "covered: test_jax_numpy_operators_suite.py::test_frompyfunc_call"),
    (U, "test_unary_ufunc_call", "covered: test_jax_numpy_operators_suite.py::test_ufunc_call"),
    (U, "test_binary_ufunc_call", "covered: test_jax_numpy_operators_suite.py::test_ufunc_call"),
    (U, "test_frompyfunc_outer", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods"),
    (U, "test_binary_ufunc_outer", "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_outer"),
    (U, "test_frompyfunc_reduce", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods"),
    (U, "test_binary_ufunc_reduce", "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduce"),
    (
        U,
        "test_frompyfunc_reduce_where",
        "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods",
    ),
    (
        U,
        "test_binary_ufunc_reduce_where",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduce",
    ),
    (
        U,
        "test_binary_ufunc_reduce_initial",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduce",
    ),
    (
        U,
        "test_binary_ufunc_reduce_where_initial",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduce",
    ),
    (U, "test_frompyfunc_accumulate", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods"),
    (
        U,
        "test_binary_ufunc_accumulate",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_accumulate",
    ),
    (U, "test_frompyfunc_at", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods"),
    (U, "test_unary_ufunc_at", "covered: test_jax_ufuncs_suite.py::test_ufunc_at"),
    (U, "test_binary_ufunc_at", "covered: test_jax_ufuncs_suite.py::test_ufunc_at"),
    (
        U,
        "test_frompyfunc_at_broadcasting",
        "covered: test_jax_ufuncs_suite.py::test_at_inplace_and_broadcasting",
    ),
    (U, "test_frompyfunc_reduceat", "covered: test_jax_ufuncs_suite.py::test_frompyfunc_methods"),
    (
        U,
        "test_binary_ufunc_reduceat",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduceat",
    ),
    (
        U,
        "test_binary_ufunc_reduceat_dtype",
        "covered: test_jax_ufuncs_suite.py::test_binary_ufunc_reduceat_dtype",
    ),
    (
        E,
        "test_three_operands_1",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_three_operands_2",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_1",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_2",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_3",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_4",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_5",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_two_operands_6",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_1",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_2",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_3",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_4",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_5",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_6",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_7",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_8",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_9",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_10",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_11",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_12",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_13",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_14",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_15",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_one_operand_16",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_tf_unsupported_1",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_tf_unsupported_2",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_tf_unsupported_3",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_ordered_front_batch_dim_case",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_contraction_broadcasting",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_batch_broadcasting",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_batch_and_contraction_broadcasting",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (
        E,
        "test_broadcasting_issue_2189",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_named_cases_and_grads",
    ),
    (E, "test_from_dask", "covered: test_jax_numpy_operators_suite.py::test_einsum_from_dask"),
    (
        E,
        "test_einsum_path",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_path_and_kpmurphy",
    ),
    (
        E,
        "test_einsum_kpmurphy_example",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_path_and_kpmurphy",
    ),
    (E, "test_no_unnecessary_transpose", "n/a: the transposes in a jaxpr"),
    (
        E,
        "test_preferred_element_type",
        "differs: einsum has NumPy's signature (dtype=, casting=, optimize=); JAX's "
        "preferred_element_type= and precision= are a TypeError; here: "
        "test_einsum_jax_only_keywords",
    ),
    (
        E,
        "test_inf_nan",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_inf_nan_and_mixed_precision",
    ),
    (
        E,
        "test_einsum_mixed_precision",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_inf_nan_and_mixed_precision",
    ),
    (
        E,
        "test_einsum_optimization_modes",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_optimization_modes",
    ),
    (
        E,
        "test_einsum_path_optimization_modes",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_optimization_modes",
    ),
    (
        E,
        "test_einsum_unsupported_optimization",
        "covered: test_jax_numpy_operators_suite.py::test_einsum_path_and_kpmurphy",
    ),
    (V, "test_matmat", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (V, "test_matvec", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (V, "test_vecmat", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (V, "test_magnitude", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (V, "test_mean", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (V, "test_stack_plus_minus", "covered: test_jax_numpy_operators_suite.py::test_vectorize"),
    (
        V,
        "test_center",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_center_and_excluded",
    ),
    (
        V,
        "test_exclude_first",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_center_and_excluded",
    ),
    (
        V,
        "test_exclude_second",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_center_and_excluded",
    ),
    (V, "test_exclude_errors", "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors"),
    (V, "test_bad_inputs", "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors"),
    (
        V,
        "test_wrong_output_type",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors",
    ),
    (
        V,
        "test_wrong_num_outputs",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors",
    ),
    (
        V,
        "test_wrong_output_shape",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors",
    ),
    (
        V,
        "test_inconsistent_output_size",
        "covered: test_jax_numpy_operators_suite.py::test_vectorize_errors",
    ),
    (V, "test_expand_dims_multiple_outputs_no_signature", "here: test_vectorize_tuple_outputs"),
    (P, "testRoots", "covered: test_jax_fft_poly_setops.py::test_roots"),
    (P, "testRootsNoStrip", "covered: test_jax_fft_poly_setops.py::roots_strip_zeros"),
    (F, "testLaxFftAcceptsStringTypes", "here: test_lax_fft_types_and_errors"),
    (F, "testLaxFftErrors", "here: test_lax_fft_types_and_errors"),
    (F, "testLaxIrfftDoesNotMutateInputs", "here: test_irfft2_leaves_its_input_alone"),
    (F, "testFftn", "here: test_fftn_s_axes_norm_sweep"),
    (
        F,
        "testIrfftTranspose",
        "covered: "
        "test_jax_fft_poly_setops.py::test_irfft_adjoint_weights_the_zero_and_nyquist_bins_once",
    ),
    (
        F,
        "testFftnErrors",
        "differs: repeated fftn axes are NumPy's (transformed twice; JAX refuses); "
        "here: test_fft_axis_errors",
    ),
    (
        F,
        "testFftEmpty",
        "differs: fft of 0 points is NumPy's ValueError (JAX: an empty array); here: "
        "test_fft_of_nothing",
    ),
    (F, "testFft", "covered: test_jax_fft_poly_setops.py::test_fft_1d"),
    (F, "testFftErrors", "here: test_fft_axis_errors"),
    (F, "testFft2_", "covered: test_jax_fft_poly_setops.py::test_fft_nd"),
    (
        F,
        "testFft2Errors",
        "differs: fft2 over one or three axes is NumPy's (computed; JAX refuses); here: "
        "test_fft_axis_errors",
    ),
    (F, "testFftfreq", "here: test_fftfreq_sizes_and_integer_n"),
    (F, "testFftfreqErrors", "here: test_fftfreq_sizes_and_integer_n"),
    (F, "testRfftfreq", "here: test_fftfreq_sizes_and_integer_n"),
    (F, "testRfftfreqErrors", "here: test_fftfreq_sizes_and_integer_n"),
    (F, "testFftshift", "here: test_fftshift_sweep"),
    (F, "testIfftshift", "here: test_fftshift_sweep"),
)


def _dev(a):
    return get_backend().asarray(a)


def _outcome(f, *args, **kw):
    """(value, None) or (None, exception) of ``f(*args, **kw)``, warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*args, **kw), None
        except Exception as e:  # noqa: BLE001  (compared below)
            return None, e


def _same_as_numpy(got, want, rtol=1e-12, atol=0.0):
    got = to_numpy(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# ------------------------------------------------------------------ reducers

_EMPTY = [(0,), (0, 4), (3, 0)]


@pytest.mark.parametrize(
    "name", ["prod", "sum", "max", "min", "nanprod", "nansum", "nanmax", "nanmin"]
)
def test_reducer_no_initial_zero_dims(backend, name):
    """testReducerNoInitialZeroDims: a reduction of a size-0 array along an axis of non-zero
    length (so the result is empty, or a reduction over nothing where the axis is 0) in each
    dtype JAX's record has: gpuad's value and dtype are NumPy's; where NumPy raises (max/min
    over nothing), gpuad raises a ValueError too."""
    dtypes = (
        [np.float32, np.float64, np.complex128]
        if name.startswith("nan")
        else [np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float64, np.complex64]
    )
    if name in ("nanmax", "nanmin"):
        dtypes = [np.float32, np.float64]
    for shape, dt, keepdims in itertools.product(_EMPTY, dtypes, (False, True)):
        x = np.zeros(shape, dt)
        for axis in range(-len(shape), len(shape)):
            want, np_err = _outcome(getattr(np, name), x, axis, keepdims=keepdims)
            got, err = _outcome(getattr(gnp, name), _dev(x), axis, keepdims=keepdims)
            label = (name, shape, dt, axis, keepdims)
            if np_err is not None:
                assert isinstance(err, ValueError), (label, err)
                assert "no identity" in str(err) or "zero-size" in str(err), (label, err)
            else:
                assert err is None, (label, err)
                _same_as_numpy(got, want)
    # a reduction of an empty axis is differentiable where it has a value: its gradient is
    # the empty array
    if name in ("sum", "prod", "nansum", "nanprod"):
        x = _dev(np.zeros((3, 0)))
        g = ad.grad(lambda a: gnp.sum(getattr(gnp, name)(a, axis=1)))(x)
        assert to_numpy(g).shape == (3, 0)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof_at_least_size(backend, name):
    """testStdOrVarLargeDdofReturnsNan (KNOWN difference): with ddof >= the number of
    elements gpuad's value is NumPy's (its divisor clips at 0: NaN for 0 or 1 element, inf
    for more), where JAX returns NaN in every case."""
    for size in (0, 1, 2, 3):
        for ddof in (size, size + 1, size + 2):
            x = np.arange(size, dtype=float)
            want, _ = _outcome(getattr(np, name), x, ddof=ddof)
            got, err = _outcome(getattr(gnp, name), _dev(x), ddof=ddof)
            assert err is None, err
            _same_as_numpy(got, want)
            assert np.isnan(getattr(jnp, name)(x, ddof=ddof))
    # below the size the value and its gradient are exact
    x = np.array([0.5, -1.0, 2.0, 3.5])
    check_grads(lambda a: getattr(gnp, name)(a, ddof=3), (_dev(x),), order=2, modes=("rev", "fwd"))
    np.testing.assert_allclose(
        to_numpy(ad.grad(lambda a: getattr(gnp, name)(a, ddof=3))(_dev(x))),
        jax.grad(lambda a: getattr(jnp, name)(a, ddof=3))(x),
        rtol=1e-12,
    )


def test_empty_and_single_observation_cov(backend):
    """testEmptyCov (0 observations or 0 variables, both rowvar) and testCovTransposeBehavior
    (one row or one column: NumPy 2.2's rule that a single observation row is not
    transposed): gpuad's shape, dtype and value are NumPy's; the one-row cases are also
    JAX's, with gradients against jax.grad and central differences."""
    for shape, rowvar, dt in itertools.product(
        [(0,), (3, 0), (0, 5)], (True, False), (np.float32, np.float64)
    ):
        x = np.zeros(shape, dt)
        want, np_err = _outcome(np.cov, x, rowvar=rowvar)
        got, err = _outcome(gnp.cov, _dev(x), rowvar=rowvar)
        assert (err is None) == (np_err is None), (shape, rowvar, err, np_err)
        if err is None:
            _same_as_numpy(got, want)
    rng = np.random.default_rng(0)
    for shape, rowvar in itertools.product([(1, 3), (3, 1)], (True, False)):
        x = rng.standard_normal(shape)
        want = np.cov(x, rowvar=rowvar, ddof=0)
        _same_as_numpy(gnp.cov(_dev(x), rowvar=rowvar, ddof=0), want)
        np.testing.assert_allclose(jnp.cov(x, rowvar=rowvar, ddof=0), want, rtol=1e-12)
        w = rng.standard_normal(np.shape(want))
        ours = ad.grad(lambda a: gnp.sum(gnp.cov(a, rowvar=rowvar, ddof=0) * w))(_dev(x))
        theirs = jax.grad(lambda a: jnp.sum(jnp.cov(a, rowvar=rowvar, ddof=0) * w))(x)
        np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-10, atol=1e-12)
        check_grads(
            lambda a: gnp.cov(a, rowvar=rowvar, ddof=0), (_dev(x),), order=1, modes=("rev", "fwd")
        )


def test_cov_dtype(backend):
    """testCovDtype: dtype= sets the result type (float32 here; gpuad has no bfloat16), and
    an integer dtype= is refused (JAX: ValueError; NumPy: its casting TypeError; gpuad: a
    TypeError that says to pass a float dtype)."""
    x = np.arange(5)
    for dt in (np.float32, np.float64):
        _same_as_numpy(gnp.cov(_dev(x), dtype=dt), np.cov(x, dtype=dt), rtol=1e-6)
        assert jnp.cov(x, dtype=dt).dtype == dt
    with pytest.raises(TypeError):
        np.cov(x, dtype=int)
    with pytest.raises(ValueError):
        jnp.cov(x, dtype=int)
    with pytest.raises(TypeError, match="floating-point or complex"):
        gnp.cov(_dev(x), dtype=int)


def test_percentile_precision(backend):
    """testPercentilePrecision: the 50th percentile of six float64 values is exactly 3.5
    (the interpolation is done in float64), with the gradient of JAX's linear method."""
    x = np.float64([1, 2, 3, 4, 7, 10])
    got = gnp.percentile(_dev(x), 50)
    assert (
        float(to_numpy(got)) == 3.5 == float(np.percentile(x, 50)) == float(jnp.percentile(x, 50))
    )
    assert to_numpy(got).dtype == np.float64
    np.testing.assert_array_equal(
        to_numpy(ad.grad(lambda a: gnp.percentile(a, 50))(_dev(x))),
        jax.grad(lambda a: jnp.percentile(a, 50))(x),
    )


def test_float16_mean_accumulates_wide(backend):
    """test_f16_mean: the mean of 100000 float16 values of 1e-5 is 1e-5 in float16 (a float16
    running sum would stall), as NumPy's (which sums in float32) and JAX's."""
    x = np.full(100_000, 1e-5, dtype=np.float16)
    expected = np.mean(x.astype(np.float64)).astype(np.float16)
    got = gnp.mean(_dev(x))
    assert to_numpy(got).dtype == np.float16
    assert to_numpy(got) == expected == np.mean(x) == jnp.mean(x)
    assert to_numpy(gnp.sum(_dev(x), dtype=np.float32)) == np.sum(x, dtype=np.float32)


def test_cumulative_sum_bool_dtype(backend):
    """testCumulativeSumBool: cumulative_sum with dtype=bool along a length-1 axis is the
    truth of each value, as NumPy and JAX."""
    x = np.array([[0.1], [0.1], [0.0]])
    want = np.cumulative_sum(x, axis=-1, dtype=np.bool_)
    _same_as_numpy(gnp.cumulative_sum(_dev(x), axis=-1, dtype=np.bool_), want)
    np.testing.assert_array_equal(jnp.cumulative_sum(x, axis=-1, dtype=jnp.bool_), want)
    # along a longer axis a bool running sum is a running "any", as NumPy's
    y = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]])
    _same_as_numpy(
        gnp.cumulative_sum(_dev(y), axis=1, dtype=np.bool_, include_initial=True),
        np.cumulative_sum(y, axis=1, dtype=np.bool_, include_initial=True),
    )


@pytest.mark.parametrize("opname", ["quantile", "nanquantile", "percentile", "nanpercentile"])
def test_weighted_quantile(backend, opname):
    """testWeightedQuantile: weights= with method='inverted_cdf' over JAX's shapes, axes and
    keepdims (NaN-holding data for the nan* forms), against NumPy in float32 and float64
    (JAX in value); the gradient with respect to the data (it selects one element) against
    central differences, and that with respect to the weights (piecewise constant) is 0."""
    rng = np.random.default_rng(len(opname))
    scale = 100.0 if "percentile" in opname else 1.0
    q = np.array([0.25, 0.5, 0.75]) * scale
    for shape, axis, keepdims, dt in itertools.product(
        [(10,), (4, 3, 5), (2, 3, 4, 5)], [0, -1, None], (False, True), (np.float32, np.float64)
    ):
        data = rng.standard_normal(shape).astype(dt)
        if "nan" in opname:
            data.flat[rng.choice(data.size, max(1, data.size // 7), replace=False)] = np.nan
        w = (rng.random(shape) + 0.1).astype(dt)
        kw = dict(axis=axis, weights=w, method="inverted_cdf", keepdims=keepdims)
        want = getattr(np, opname)(data, q.astype(dt), **kw)
        got = getattr(gnp, opname)(_dev(data), _dev(q.astype(dt)), **{**kw, "weights": _dev(w)})
        _same_as_numpy(got, want, rtol=1e-6)
        if dt == np.float64 and shape == (4, 3, 5) and not keepdims:
            np.testing.assert_allclose(getattr(jnp, opname)(data, q, **kw), want, rtol=1e-12)
    data = rng.standard_normal((3, 5))
    w = rng.random((3, 5)) + 0.1

    def f(a, ww):
        return getattr(gnp, opname)(a, q, axis=1, weights=ww, method="inverted_cdf")

    check_grads(lambda a: f(a, _dev(w)), (_dev(data),), order=1, modes=("rev", "fwd"))
    gw = ad.grad(lambda ww: gnp.sum(f(_dev(data), ww)))(_dev(w))
    np.testing.assert_array_equal(to_numpy(gw), np.zeros_like(w))


# ------------------------------------------------------------------ operators, ufuncs


class _Pair(NamedTuple):
    arr: object

    def __mul__(self, other):
        return _Pair(self.arr * other)

    def __rmul__(self, other):
        return _Pair(other * self.arr)


def test_named_tuple_operand_is_array_like(backend):
    """testDeferToNamedTuple (KNOWN difference): a NamedTuple is a sequence, so an array on
    the left treats it as the array it holds, as NumPy's ndarray does (JAX defers to the
    tuple's __rmul__); with the tuple on the left its own __mul__ runs, in both."""
    a = np.arange(1.0, 5.0)
    t = ad.Tensor(_dev(a))
    got = t * _Pair(a)
    want = a * _Pair(a)
    assert type(want) is np.ndarray and isinstance(got, ad.Tensor)
    _same_as_numpy(got, want)
    assert isinstance(jnp.ones(4) * _Pair(jnp.ones(4)), _Pair)
    left = _Pair(t) * t
    assert isinstance(left, _Pair)
    _same_as_numpy(left.arr, a * a)
    # a tuple holding a Tensor that is being differentiated is not silently read as a
    # constant: gpuad refuses the conversion and says to stack it
    with pytest.raises(TypeError, match="stack it first"):
        ad.grad(lambda v: gnp.sum(v * _Pair(v)))(_dev(a))
    g = ad.grad(lambda v: gnp.sum(v * gnp.stack(_Pair(v))))(_dev(a))
    np.testing.assert_allclose(to_numpy(g), 2 * a, rtol=1e-12)


@pytest.mark.parametrize(
    "name",
    [
        "add",
        "multiply",
        "maximum",
        "logaddexp",
        "sin",
        "arctan2",
        "bitwise_and",
        "logical_or",
        "divmod",
    ],
)
def test_ufunc_attributes_are_numpy_s(backend, name):
    """test_ufunc_properties_readonly (KNOWN difference): gpuad.numpy's ufuncs are functions
    (``isinstance(gnp.add, gnp.ufunc)`` holds) whose nin/nout/nargs/identity are NumPy's;
    they are plain attributes of the function, but reduce/accumulate read the ufunc object
    behind them, which refuses every assignment as JAX's and NumPy's do."""
    g, n = getattr(gnp, name), getattr(np, name)
    assert isinstance(g, gnp.ufunc)
    assert (g.nin, g.nout, g.nargs, g.identity) == (n.nin, n.nout, n.nargs, n.identity)
    core = g.__dict__["_ufunc"]
    for attr in ("nargs", "nin", "nout", "identity", "_func"):
        getattr(core, attr)
        with pytest.raises(AttributeError, match="read-only"):
            setattr(core, attr, None)
        if attr != "_func":  # (NumPy's ufunc has no _func)
            with pytest.raises(AttributeError):
                setattr(n, attr, None)


def test_vectorize_tuple_outputs(backend):
    """test_expand_dims_multiple_outputs_no_signature: without a signature a function
    returning a tuple gives a tuple of arrays (NumPy, JAX), each differentiable."""
    f = gnp.vectorize(lambda v: (v, 2 * v))
    x = np.arange(1)
    out = f(_dev(x))
    assert isinstance(out, tuple) and len(out) == 2
    want = np.vectorize(lambda v: (v, 2 * v))(x)
    for o, w in zip(out, want, strict=True):
        _same_as_numpy(o, w)
    jout = jnp.vectorize(lambda v: (v, 2 * v))(jnp.arange(1))
    assert isinstance(jout, tuple)
    y = np.array([0.5, -1.5, 2.0])
    g = ad.grad(lambda v: gnp.sum(f(v)[0] * f(v)[1]))(_dev(y))
    np.testing.assert_allclose(to_numpy(g), 4 * y, rtol=1e-12)


def test_einsum_jax_only_keywords(backend):
    """test_preferred_element_type (KNOWN difference): gpuad's einsum takes NumPy's keywords
    (dtype=, casting=, optimize=); JAX's preferred_element_type= and precision= are a
    TypeError that names the keyword, not a silently ignored argument."""
    x, y = np.ones((2, 2)), np.ones(2)
    for kw in ({"preferred_element_type": np.float32}, {"precision": "highest"}):
        with pytest.raises(TypeError, match=next(iter(kw))):
            gnp.einsum("ij,j->i", _dev(x), _dev(y), **kw)
        jnp.einsum("ij,j->i", x, y, **kw)  # (JAX takes both)
    _same_as_numpy(
        gnp.einsum("ij,j->i", _dev(x), _dev(y), dtype=np.float32, casting="same_kind"),
        np.einsum("ij,j->i", x, y, dtype=np.float32, casting="same_kind"),
    )


# ------------------------------------------------------------------ fft


def test_lax_fft_types_and_errors(backend):
    """testLaxFftAcceptsStringTypes and testLaxFftErrors: gpuad.lax.fft takes the FFT type
    as a string in either case or as FftType, matching jax.lax.fft; fft_lengths that do not
    fit the operand are a ValueError in both."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10) + 1j * rng.standard_normal(10)
    want = np.fft.fft(x)
    for t in ("FFT", "fft", glax.FftType.FFT):
        np.testing.assert_allclose(
            to_numpy(glax.fft(_dev(x), t, fft_lengths=(10,))), want, rtol=1e-12, atol=1e-12
        )
    np.testing.assert_allclose(jax.lax.fft(x, "fft", fft_lengths=(10,)), want, rtol=1e-12)
    for shape, kind, lengths in [
        ((14, 15), "fft", (4, 5, 6)),
        ((14, 15), "fft", (17,)),
        ((2, 14, 15), "rfft", (14, 12)),
        ((2, 14, 15), "irfft", (13, 15)),
    ]:
        with pytest.raises(ValueError, match="fft_lengths"):
            glax.fft(_dev(np.ones(shape)), fft_type=kind, fft_lengths=lengths)
        with pytest.raises(ValueError):
            jax.lax.fft(np.ones(shape), fft_type=kind, fft_lengths=lengths)


def test_irfft2_leaves_its_input_alone(backend):
    """testLaxIrfftDoesNotMutateInputs: irfft2 twice on the same complex input gives the same
    result (NumPy's), and the input, an array or a Tensor, is unchanged; the gradient through
    the real and imaginary parts is JAX's."""
    base = np.array([[1.0, 2.0], [3.0, 4.0]])
    for dt in (np.complex64, np.complex128):
        z = ((1 + 1j) * base).astype(dt)
        keep = z.copy()
        dz = _dev(z)
        y1, y2 = to_numpy(gnp.fft.irfft2(dz)), to_numpy(gnp.fft.irfft2(dz))
        np.testing.assert_array_equal(y1, y2)
        np.testing.assert_allclose(y1, np.fft.irfft2(keep), rtol=1e-6)
        np.testing.assert_array_equal(to_numpy(dz), keep)
        t = ad.Tensor(_dev(z))
        gnp.fft.irfft2(t)
        np.testing.assert_array_equal(to_numpy(t), keep)
    w = np.random.default_rng(1).standard_normal((2, 2))

    def ours(re, im):
        return gnp.sum(gnp.fft.irfft2(re + 1j * im) * w)

    def theirs(re, im):
        return jnp.sum(jnp.fft.irfft2(re + 1j * im) * w)

    g = ad.grad(ours, (0, 1))(_dev(base), _dev(2 * base))
    j = jax.grad(theirs, (0, 1))(base, 2 * base)
    for a, b in zip(g, j, strict=True):
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-12, atol=1e-12)


def test_fft_axis_errors(backend):
    """testFftErrors / testFftnErrors / testFft2Errors over the twelve transforms: an axis past
    the array is an error (NumPy: IndexError or TypeError, gpuad: numpy's AxisError, both
    ValueError and IndexError); a list for the single ``axis`` is a TypeError. Where JAX
    refuses but NumPy computes (repeated fftn axes, fft2 over one or three axes; KNOWN
    differences) gpuad's result is NumPy's, and fftn over all four axes of a rank-4 array is
    both libraries'."""
    rng = np.random.default_rng(0)
    x2, x3, x4 = (rng.standard_normal(s) for s in [(2, 3), (2, 3, 3), (2, 3, 4, 5)])
    for pre in ("", "i"):
        for kind in ("", "r", "h"):
            name = pre + kind + "fft"
            g, n = getattr(gnp.fft, name), getattr(np.fft, name)
            for axis in ([1, 1], (1, 1), [2]):
                with pytest.raises(TypeError):
                    n(x2, axis=axis)
                with pytest.raises(TypeError):
                    g(_dev(x2), axis=axis)
            for axis in (2, -3):
                with pytest.raises(IndexError):
                    n(x2, axis=axis)
                with pytest.raises((IndexError, ValueError)):
                    g(_dev(x2), axis=axis)
            if kind == "h":
                continue
            for suffix in ("n", "2"):
                name = pre + kind + "fft" + suffix
                g, n = getattr(gnp.fft, name), getattr(np.fft, name)
                bad = ([2], [-3]) if suffix == "n" else ([2, 3], [-3, -4])
                for axes in bad:
                    with pytest.raises(IndexError):
                        n(x2, axes=axes)
                    with pytest.raises((IndexError, ValueError)):
                        g(_dev(x2), axes=axes)
                computed = (
                    [(x4, None), (x2, [1, 1])] if suffix == "n" else [(x2, [0]), (x3, (0, 1, 2))]
                )
                for arr, axes in computed:
                    want = n(arr, axes=axes)
                    _same_as_numpy(g(_dev(arr), axes=axes), want, rtol=1e-10, atol=1e-12)
                    if arr.ndim == 4:  # (JAX computes this one too)
                        np.testing.assert_allclose(
                            getattr(jnp.fft, name)(arr, axes=axes), want, rtol=1e-10, atol=1e-12
                        )
                    else:
                        with pytest.raises(ValueError):
                            getattr(jnp.fft, name)(arr, axes=axes)


def test_fft_of_nothing(backend):
    """testFftEmpty (KNOWN difference): the fft of 0 points is NumPy's ValueError in gpuad
    (JAX returns an empty array); a batch of no rows with points is an empty result."""
    z = np.zeros((0,), np.complex64)
    with pytest.raises(ValueError):
        np.fft.fft(z)
    with pytest.raises(ValueError, match="0"):
        gnp.fft.fft(_dev(z))
    assert jnp.fft.fft(z).shape == (0,)
    b = np.zeros((0, 4), np.complex128)
    _same_as_numpy(gnp.fft.fft(_dev(b)), np.fft.fft(b))


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_fftfreq_sizes_and_integer_n(backend, name):
    """testFftfreq / testRfftfreq over JAX's sizes and spacings, with the derivative in ``d``
    (a Tensor) against jax.grad; testFftfreqErrors / testRfftfreqErrors: ``n`` must be an
    integer (a list, 10.0 or 10.5 are NumPy's ValueError; gpuad used to truncate 10.5 to 10,
    where JAX computes with 10.5) and ``d`` a single value."""
    g, n, j = getattr(gnp.fft, name), getattr(np.fft, name), getattr(jnp.fft, name)
    for size, d in itertools.product((9, 10, 101, 102), (0.1, 2.0)):
        _same_as_numpy(g(size, d=d), n(size, d=d), rtol=1e-15)
        np.testing.assert_allclose(j(size, d=d), n(size, d=d), rtol=1e-12)
    w = np.random.default_rng(0).standard_normal(np.shape(n(10)))
    ours = ad.grad(lambda d: gnp.sum(g(10, d=d) * w))(ad.Tensor(_dev(np.array(0.3))))
    theirs = jax.grad(lambda d: jnp.sum(j(10, d=d) * w))(0.3)
    np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-12)
    _same_as_numpy(g(np.int32(7)), n(np.int32(7)))
    for bad in ([0, 1, 2], 10.0, 10.5, np.float64(7.0)):
        with pytest.raises(ValueError):
            n(bad)
        with pytest.raises(ValueError, match="integer"):
            g(bad)
    for d in ([0, 1, 2], np.array([1.0, 2.0, 3.0])):
        with pytest.raises((TypeError, ValueError)):
            n(10, d=d)
        with pytest.raises(ValueError):
            g(10, d=d)


def _fftn_axes(shape):
    """JAX's _get_fftn_test_axes: none, all (up to rank 3), combinations, negatives."""
    nd = len(shape)
    out = [[]] + ([None] if nd <= 3 else [])
    for k in range(1, min(nd, 3) + 1):
        out.extend(itertools.combinations(range(nd), k))
    return out + [(-i,) for i in range(1, nd + 1)]


def _fftn_cases(seed=0, count=60):
    """A fixed sample of JAX's testFftn product: (name, shape, axes, s, norm), with ``s``
    each axis's length cropped down to 1 or padded up to twice."""
    rng = np.random.default_rng(seed)
    cases = []
    for inv, real in itertools.product((False, True), (False, True)):
        name = ("i" if inv else "") + ("r" if real else "") + "fftn"
        for shape in [(10,), (9,), (4, 5), (2, 3, 4), (2, 3, 4, 2)]:
            for axes in _fftn_axes(shape):
                sizes = [None]
                if axes is not None:
                    sizes += list(itertools.product(*[range(1, 2 * shape[a] + 1) for a in axes]))
                for norm in (None, "ortho", "forward"):
                    s = sizes[rng.integers(len(sizes))]
                    cases.append((name, shape, axes, s, norm))
    pick = rng.choice(len(cases), count, replace=False)
    return [cases[i] for i in sorted(pick)]


def test_fftn_s_axes_norm_sweep(backend):
    """testFftn: a sample of JAX's (transform, shape, axes, s, norm) product; values, shapes
    and dtypes are NumPy's (with no axes rfftn/irfftn return the input unchanged, as JAX's,
    where NumPy fails with an IndexError), and on every eighth case the vjp through the real
    and imaginary parts is jax.grad's."""
    rng = np.random.default_rng(1)
    for k, (name, shape, axes, s, norm) in enumerate(_fftn_cases()):
        x = rng.standard_normal(shape)
        if name != "rfftn":
            x = x + 1j * rng.standard_normal(shape)
        kw = dict(axes=axes, s=s, norm=norm)
        got = getattr(gnp.fft, name)(_dev(x), **kw)
        if axes == [] and name in ("rfftn", "irfftn"):
            _same_as_numpy(got, x)
            if s is None:  # (JAX's irfftn with s=() and no axes halves the last axis)
                _same_as_numpy(got, np.asarray(getattr(jnp.fft, name)(x, **kw)))
            continue
        want = getattr(np.fft, name)(x, **kw)
        _same_as_numpy(got, want, rtol=1e-10, atol=1e-12)
        if k % 8:
            continue
        ct = rng.standard_normal(want.shape) * (1 + 1j if np.iscomplexobj(want) else 1)

        def loss(m, *parts, name=name, kw=kw, ct=ct):
            z = parts[0] if len(parts) == 1 else parts[0] + 1j * parts[1]
            return m.sum(m.real(getattr(m.fft, name)(z, **kw) * np.conj(ct)))

        parts = (x,) if name == "rfftn" else (x.real.copy(), x.imag.copy())
        nums = tuple(range(len(parts)))
        ours = ad.grad(lambda *p: loss(gnp, *p), nums)(*map(_dev, parts))
        theirs = jax.grad(lambda *p: loss(jnp, *p), nums)(*parts)
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(to_numpy(a), b, rtol=1e-9, atol=1e-10)


_SHIFT_SHAPES = [(9,), (10,), (101,), (102,), (3, 5), (3, 17), (5, 7, 11)]


def _shift_axes(ndim):
    """JAX's _get_fftn_test_axes: none, all, every combination of up to three, negatives."""
    out = [[], None]
    for k in range(1, min(ndim, 3) + 1):
        out.extend(itertools.combinations(range(ndim), k))
    out.extend((-i,) for i in range(1, ndim + 1))
    return out


def test_fftshift_sweep(backend):
    """testFftshift / testIfftshift over JAX's shapes and axes (none, all, each combination,
    negative ones) and a dtype of each kind: gpuad's value and dtype are NumPy's; the float64
    shifts are permutations, so their gradient is the inverse shift."""
    rng = np.random.default_rng(0)
    dtypes = [np.float64, np.float32, np.int32, np.bool_, np.complex128]
    for (shape, dt), fname in itertools.product(
        itertools.product(_SHIFT_SHAPES, dtypes), ("fftshift", "ifftshift")
    ):
        x = (rng.standard_normal(shape) * 5).astype(dt)
        for axes in _shift_axes(len(shape)):
            _same_as_numpy(
                getattr(gnp.fft, fname)(_dev(x), axes=axes), getattr(np.fft, fname)(x, axes=axes)
            )
    x = rng.standard_normal((3, 5))
    w = rng.standard_normal((3, 5))
    for fname, inverse in (("fftshift", np.fft.ifftshift), ("ifftshift", np.fft.fftshift)):
        g = ad.grad(lambda a, fname=fname: gnp.sum(getattr(gnp.fft, fname)(a) * w))(_dev(x))
        np.testing.assert_array_equal(to_numpy(g), inverse(w))


# ------------------------------------------------------------------ the map


def test_every_gap_has_a_mapping():
    names = {(c, n) for c, n, _ in GAPS}
    assert len(GAPS) == len(names) == 151
    assert {c for c, _ in names} == {R, O, U, E, V, P, F}
    for cls, name, where in GAPS:
        kind, _, rest = where.partition(":")
        assert kind in ("here", "covered", "n/a", "differs"), (cls, name)
        refs = []
        if kind == "here":
            refs.append(rest.strip())
        elif kind == "differs":
            assert "; here: " in rest, (cls, name)
            refs.append(rest.split("; here: ")[1].strip())
        for ref in refs:
            assert ref.startswith("test_") and ref in globals(), (cls, name, ref)
        if kind == "covered":
            path, _, obj = rest.strip().partition("::")
            text = (Path(__file__).parent / path).read_text()
            assert obj and obj in text, (cls, name, rest)
            if obj.startswith("test_"):
                assert f"def {obj}(" in text, (cls, name, rest)
