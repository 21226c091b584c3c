"""CuPy's math, logic and binary tests mapped method by method onto gpuad, and the ones not yet
ported, ported.

``GAPS`` lists every test method of every class in CuPy's tests/cupy_tests/math_tests
(arithmetic, complex_operations, cumulative, explog, extra, floating, hyperbolic, matmul, misc,
rational, rounding, special, sumprod, trigonometric, window), logic_tests (comparison, content,
ops, truth, type_test) and binary_tests (elementwise, packing), the versions stored for
reading (file, commit and method count in ``UPSTREAM``; test_special.py's stored version has a
class with no methods), with where each is checked: "here:" a row or test of this file,
"covered:" a test of an earlier port (test_cupy_suite_math.py, test_cupy_suite_logic.py: their
docstrings name the CuPy files they follow), "differs:" where gpuad follows NumPy where CuPy
does not (with the test that checks gpuad's behaviour), or "n/a:" with the reason (CuPy's
accelerators and compute types, devices, memory layout, sizes of gigabytes, functions NumPy 2
removed). ``test_every_gap_has_a_mapping`` checks the count per file, that no method is mapped
twice and that every reference exists.

The rows run through the harness of the earlier ports (tests/conformance/_cupy_suite.py): each
function of ``xp`` runs on NumPy (the reference) and on gpuad.numpy over CuPy's dtypes, on
backend arrays and on Tensors (recorded for float and complex dtypes), and must agree in
container, dtype, shape and values, or raise the same class of exception; a refusal inside a
list of calls is compared by the builtin family of what each call raises (``_err``). Beyond
CuPy's own inputs the rows take the edge values CuPy's tests leave out: NaN, infinities and
signed zeros through the unary and binary functions, the integer extremes (``iinfo.min`` and
``max``: wrap-around, division by zero, shifts), mixed dtype pairs of the binary functions the
earlier port did not pair, ``out=``/``dtype=``/``where=`` and empty operands.
``test_gradients`` differentiates the float functions these files reach, forward and reverse
to second order, against float64 central differences (``gpuad.testing.check_grads``);
``test_nan_subgradients`` pins where maximum/minimum/fmax/fmin send the gradient at NaNs.

Found and fixed while porting (tests/test_cupymath_regressions.py): ``sinc`` of the most
negative integer (|iinfo.min| wrapped to itself and took the series branch near 0);
``matmul(..., axes=)`` (NumPy's generalized-ufunc keywords reached the kernel) and ``axes=`` of
``vecdot``/``matvec``/``vecmat`` (refused); ``dtype=`` of a ufunc cast the inputs to the output
dtype instead of to the loop NumPy picks (``absolute(3+4j, dtype=float64)`` gave 3,
``less(ints, dtype=bool)`` compared booleans); ``var``/``std`` with a narrow integer
``dtype=`` (the sum primitive summed int8 in int64, where NumPy's sum in int8 wraps);
``nan_to_num(t, copy=False)`` left the Tensor unfilled.

Differences from NumPy, on purpose (docs/porting.md): a reduction of a ufunc without an
identity (``arctan2.reduce``, ``power.reduce``) is the left fold over every element, which
NumPy 2.4 gives for a strided axis but not along a contiguous one (there it combines the first
and the last element; ``test_non_reorderable_reduce_folds_in_order``); ``ufunc.at`` returns
the updated copy (``inplace=True`` raises), as before this port; ``around(x, decimals)`` where
``x * 10**decimals`` overflows is ``x`` (NumPy's is NaN or inf: ``test_around_overflow``).

On CI's CuPy stand-in every row passes but ``matmul_numpy_dispatch`` on plain stand-in arrays
(``numpy.matmul(..., axes=)`` reaches the stand-in's own ``__array_ufunc__``, no gpuad code).
"""

from __future__ import annotations

import inspect
import itertools
import operator
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError
from gpuad.testing import check_grads
from tests.conformance._cupy_suite import (
    ALL,
    BOOL,
    COMPLEX,
    FLOAT,
    INT,
    NO_BOOL,
    NO_COMPLEX,
    NO_FLOAT16,
    RA,
    SINT,
    A,
    F,
    R,
    V,
    case,
    run_case,
)
from tests.conftest import to_numpy

#: overflow, 0/0 and casts of the edge values are intended
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

#: the stored upstream versions this table was made from: file -> (commit, its test methods)
UPSTREAM = {
    "math_tests/test_arithmetic.py": ("cedde93e4212f4c29ec2c996fd1c5ccbf53e3c2c", 18),
    "math_tests/test_complex_operations.py": ("a281472cec5822759cac86ed1d91e245eb9789e5", 4),
    "math_tests/test_cumulative.py": ("d7edca6a037e345fe360df58ce6aea870127ab1b", 4),
    "math_tests/test_explog.py": ("7ee421eb995f45d59d6ff72469c8ccfc3462add7", 9),
    "math_tests/test_extra.py": ("dd1b6bfa6a7ec7810733e2bb91d90634502c0741", 6),
    "math_tests/test_floating.py": ("47e5f2e0d100819c7eae314657d3663605b1f6d1", 7),
    "math_tests/test_hyperbolic.py": ("34f3f29336362678c65a073a3dad602b61d66933", 6),
    "math_tests/test_matmul.py": ("78d126dec9a9643378f201f53c5fe5a6c8da37eb", 15),
    "math_tests/test_misc.py": ("df02491c137aa54b0871e6f1772d6349c0907969", 17),
    "math_tests/test_rational.py": ("f874420b30e0bc9a7e4a4b0b34add9e4d1aa71cb", 4),
    "math_tests/test_rounding.py": ("3620a40dd3f80251576452daa232a68ee331d362", 17),
    "math_tests/test_special.py": ("87d103faea4bdbb0fa7d0baf9995a5e44bd259b0", 0),
    "math_tests/test_sumprod.py": ("5fde8837b4f185fd7f2e2187bfb4e6e91d0686a6", 92),
    "math_tests/test_trigonometric.py": ("be3c96c5bfd8c14d1f2823b342d359991ed316e2", 15),
    "math_tests/test_window.py": ("522eda0e147f8560c7883233ea737e2491e6105d", 3),
    "logic_tests/test_comparison.py": ("595241a741268215a1dbf3e1a53c874fe0bd2526", 6),
    "logic_tests/test_content.py": ("42770085c05d0f4e761458fa92e338f2c764c01b", 3),
    "logic_tests/test_ops.py": ("60cd6bb2be1c81e61cd8816fb9d3049c8902442b", 4),
    "logic_tests/test_truth.py": ("4c7ac380fc5e562bfb07b823e9964d3d052f353e", 5),
    "logic_tests/test_type_test.py": ("4e5b812fa6a89505453c7d509157c5167632177d", 8),
    "binary_tests/test_elementwise.py": ("3e4391ed6085fefe7457507f92a3f220bb70b675", 6),
    "binary_tests/test_packing.py": ("4c7ac380fc5e562bfb07b823e9964d3d052f353e", 3),
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


_MATH = "covered: test_cupy_suite_math.py::"
_LOGIC = "covered: test_cupy_suite_logic.py::test_cupy_suite_row"
_HOST = ("n/a: gpuad's NumPy backend takes host NumPy arrays as its own arrays (CuPy refuses "
         "them); on the CuPy backend the mixing rule is CuPy's")
_ACCEL = ("n/a: CuPy's reduction accelerators (CUB, cuTENSOR) and GEMM compute types; the "
          "values of the same reductions and products are compared in the rows named beside")
_HUGE = "n/a: allocates gigabytes (CuPy's 32-bit index boundary)"
_LAYOUT = ("n/a: memory layout (strides, flags, order=): gpuad arrays have no layout a user "
           "can see beyond values (a Tensor's flags raise, naming the function)")

# ---- math_tests/test_arithmetic.py -------------------------------------------------------------

M_AR = "math_tests/test_arithmetic.py::"
G(M_AR + "TestArithmeticRaisesWithNumpyInput", "test_raises_with_numpy_input", _HOST)
G(M_AR + "TestArithmeticUnary", "test_unary",
  f"{_MATH}test_unary_python_scalars[angle]; {_MATH}test_unary[conj]; "
  "here: test_gap_row[angle_negative]; here: test_gap_row[reciprocal_plus_one]")
G(M_AR + "TestComplex", "test_real_ndarray_nocomplex test_real_nocomplex "
  "test_imag_ndarray_nocomplex test_imag_nocomplex test_real_ndarray_complex test_real_complex "
  "test_imag_ndarray_complex test_imag_complex",
  "here: test_gap_row[real_imag_32]; here: test_gap_row[real_imag_0d]; "
  "here: test_gap_row[real_imag_empty]; here: test_real_imag_views")
G(M_AR + "TestArithmeticBinary", "test_binary", f"{_MATH}test_binary_mixed_dtypes_and_scalars")
G(M_AR + "TestArithmeticBinary2", "test_binary", f"{_MATH}test_binary_dtype_keyword")
G(M_AR + "TestUfunc", "test_casting_out test_casting_dtype", f"{_MATH}test_ufunc_casting")
G(M_AR + "TestUfunc", "test_casting_out_unsafe test_casting_dtype_unsafe",
  here_fn("test_casting_unsafe_warnings"))
G(M_AR + "TestArithmeticModf", "test_modf", f"{_MATH}test_floating")
G(M_AR + "TestBoolSubtract", "test_bool_subtract",
  "here: test_gap_row[bool_subtract_32]; here: test_gap_row[bool_subtract_0d]; "
  "here: test_gap_row[bool_subtract_empty]")

# ---- math_tests/test_complex_operations.py -----------------------------------------------------

M_CO = "math_tests/test_complex_operations.py::"
G(M_CO + "TestConj", "test_conj", here("complex_conj"))
G(M_CO + "TestAngle", "test_conj", here("complex_angle"))
G(M_CO + "TestRealImag", "test_real", here("complex_real"))
G(M_CO + "TestRealImag", "test_imag", here("complex_imag"))

# ---- math_tests/test_cumulative.py ---------------------------------------------------------------

M_CU = "math_tests/test_cumulative.py::TestCumulativeSumProd"
G(M_CU, "test_cumulative_sum", here("cumulative_sum_axis"))
G(M_CU, "test_cumulative_prod", here("cumulative_prod_axis"))
G(M_CU, "test_cumulative_sum_1d", here("cumulative_1d"))
G(M_CU, "test_cumulative_sum_error", here("cumulative_nd_without_axis"))

# ---- math_tests/test_explog.py, test_hyperbolic.py, test_trigonometric.py ------------------------

for _n in ("exp", "expm1", "exp2", "log", "log10", "log2", "log1p"):
    G("math_tests/test_explog.py::TestExplog", f"test_{_n}", f"{_MATH}test_unary[{_n}]")
for _n in ("logaddexp", "logaddexp2"):
    G("math_tests/test_explog.py::TestExplog", f"test_{_n}", f"{_MATH}test_binary[{_n}]")
for _n in ("sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh"):
    G("math_tests/test_hyperbolic.py::TestHyperbolic", f"test_{_n}", f"{_MATH}test_unary[{_n}]")
M_TR = "math_tests/test_trigonometric.py::"
for _n in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "deg2rad", "rad2deg"):
    G(M_TR + "TestTrigonometric", f"test_{_n}", f"{_MATH}test_unary[{_n}]")
for _n in ("arctan2", "hypot"):
    G(M_TR + "TestTrigonometric", f"test_{_n}", f"{_MATH}test_binary[{_n}]")
G(M_TR + "TestUnwrap", "test_unwrap_1dim", here("unwrap_1dim"))
G(M_TR + "TestUnwrap", "test_unwrap_1dim_with_discont", here("unwrap_1dim_discont"))
G(M_TR + "TestUnwrap", "test_unwrap_2dim_without_axis", here("unwrap_2dim"))
G(M_TR + "TestUnwrap", "test_unwrap_2dim_with_axis", here("unwrap_2dim_axis"))
G(M_TR + "TestUnwrap", "test_unwrap_2dim_with_discont", here("unwrap_2dim_discont"))

# ---- math_tests/test_extra.py (an old TestGradient) ---------------------------------------------

M_EX = "math_tests/test_extra.py::TestGradient"
G(M_EX, "test_basic test_with_axis_None test_with_axis_negative", f"{_MATH}test_gradient")
G(M_EX, "test_with_axis_positive test_with_axis_tuple", here("gradient_axes"))
G(M_EX, "test_with_argument_number", here("gradient_number"))

# ---- math_tests/test_floating.py -----------------------------------------------------------------

M_FL = "math_tests/test_floating.py::TestFloating"
G(M_FL, "test_signbit", f"{_MATH}test_unary[signbit]")
G(M_FL, "test_copysign_combination test_copysign_float test_ldexp test_frexp "
  "test_nextafter_combination test_nextafter_float", f"{_MATH}test_floating")

# ---- math_tests/test_matmul.py -------------------------------------------------------------------

M_MM = "math_tests/test_matmul.py::"
G(M_MM + "TestMatmul", "test_operator_matmul test_cupy_matmul",
  "here: test_gap_row[matmul_shapes_float64]; here: test_gap_row[matmul_shapes_int8]")
G(M_MM + "TestMatmulLarge", "test_operator_matmul test_cupy_matmul",
  "here: test_gap_row[matmul_large_float32]; here: test_gap_row[matmul_large_int64]")
G(M_MM + "TestMatmulOverflow", "test_overflow", here("matmul_overflow"))
for _k in ("Fp16", "Fp32", "Fp64"):
    G(M_MM + f"TestMatmul{_k}ComputeTypes", "test_operator_matmul test_cupy_matmul",
      f"{_ACCEL}; here: test_gap_row[matmul_compute_dtypes]")
G(M_MM + "TestMatmulInvalidShape", "test_invalid_shape", here("matmul_invalid_shapes"))
G(M_MM + "TestMatmulAxes", "test_cupy_matmul_axes", here("matmul_axes"))
G(M_MM + "TestMatmulAxes", "test_cupy_matmul_axes_out", here("matmul_axes_out"))
G(M_MM + "TestMatmulDispatch", "test_matmul_dispatch", here("matmul_numpy_dispatch"))

# ---- math_tests/test_misc.py ---------------------------------------------------------------------

M_MI = "math_tests/test_misc.py::TestMisc"
G(M_MI, "test_clip1", here("clip_method"))
G(M_MI, "test_external_clip", f"{_MATH}test_clip_convolve_isclose")
G(M_MI, "test_clip2", f"{_MATH}test_clip_convolve_isclose; here: test_gap_row[clip_method]")
for _n in ("sqrt", "square", "absolute", "sign"):
    G(M_MI, f"test_{_n}", f"{_MATH}test_unary[{_n}]")
G(M_MI, "test_absolute_negative test_sign_negative", f"{_MATH}test_unary_inf_nan[sign]")
for _n in ("maximum", "minimum", "fmax", "fmin"):
    G(M_MI, f"test_{_n}", f"{_MATH}test_binary[{_n}]")
    G(M_MI, f"test_{_n}_nan", f"here: test_gap_row[nan_pairs_{_n}]; "
      "here: test_nan_subgradients")

# ---- math_tests/test_rational.py -----------------------------------------------------------------

M_RA = "math_tests/test_rational.py::TestRational"
G(M_RA, "test_gcd_dtype_check", f"{_MATH}test_binary[gcd]")
G(M_RA, "test_lcm_dtype_check", f"{_MATH}test_binary[lcm]")
G(M_RA, "test_gcd_check_boundary_cases", here("gcd_boundary"))
G(M_RA, "test_lcm_check_boundary_cases", here("lcm_boundary"))

# ---- math_tests/test_rounding.py -----------------------------------------------------------------

M_RO = "math_tests/test_rounding.py::"
for _n in ("rint", "floor", "ceil", "trunc", "fix", "around", "round"):
    G(M_RO + "TestRounding", f"test_{_n}", f"{_MATH}test_unary[{_n}]")
G(M_RO + "TestRounding", "test_rint_negative", f"{_MATH}test_unary[rint]")
G(M_RO + "TestRounding", "test_round_", "n/a: NumPy 2 removed numpy.round_ (numpy.round stays)")
G(M_RO + "TestRound", "test_round test_round_out", f"{_MATH}test_round_decimals")
G(M_RO + "TestRoundExtreme", "test_round_large test_round_small", f"{_MATH}test_round_decimals")
G(M_RO + "TestRoundBorder", "test_around_positive1 test_around_positive2 test_around_negative1 "
  "test_around_negative2", f"{_MATH}test_round_decimals")

# ---- math_tests/test_sumprod.py ------------------------------------------------------------------

M_SP = "math_tests/test_sumprod.py::"
_SUM = f"{_MATH}test_sum_prod"
_SUMOUT = f"{_MATH}test_sum_prod_out_and_cumulative"
G(M_SP + "TestSumprod", "test_sum_all test_sum_all_keepdims test_external_sum_all "
  "test_sum_all_transposed test_sum_axis test_external_sum_axis test_sum_axis_transposed "
  "test_sum_empty_axis test_sum_dtype test_sum_keepdims_and_dtype "
  "test_sum_keepdims_multiple_axes test_prod_all test_external_prod_all test_prod_axis "
  "test_external_prod_axis test_prod_dtype", _SUM)
G(M_SP + "TestSumprod", "test_sum_all2 test_sum_all_transposed2 test_sum_axis2 "
  "test_sum_axis_transposed2", here("sum_large"))
G(M_SP + "TestSumprod", "test_sum_axis_huge", _HUGE)
G(M_SP + "TestSumprod", "test_sum_axis2_float16", here("sum_float16"))
G(M_SP + "TestSumprod", "test_sum_axes test_sum_axes3", here("sum_axes_4d"))
G(M_SP + "TestSumprod", "test_sum_axes2 test_sum_axes4", here("sum_axes_4d_large"))
G(M_SP + "TestSumprod", "test_sum_out", _SUMOUT)
G(M_SP + "TestSumprod", "test_sum_out_wrong_shape", here("sum_out_wrong_shape"))
G(M_SP + "TestCubReduction", "test_cub_sum test_cub_sum_empty_axis test_cub_prod "
  "test_cub_cumsum test_cub_cumprod", f"{_ACCEL}; here: test_gap_row[sum_large]")
G(M_SP + "TestCuTensorReduction", "test_cutensor_sum test_cutensor_sum_empty_axis",
  f"{_ACCEL}; here: test_gap_row[sum_large]")
G(M_SP + "TestNansumNanprodLong", "test_nansum_all test_nansum_axis_transposed",
  f"{_MATH}test_means_and_nan_reductions; here: test_gap_row[nansum_nanprod_long]")
G(M_SP + "TestNansumNanprodExtra", "test_nansum_axis_float16", here("nansum_float16"))
G(M_SP + "TestNansumNanprodExtra", "test_nansum_out", _SUMOUT)
G(M_SP + "TestNansumNanprodExtra", "test_nansum_out_wrong_shape",
  here("nansum_out_wrong_shape"))
G(M_SP + "TestNansumNanprodAxes", "test_nansum_axes", here("nansum_axes_4d"))
G(M_SP + "TestNansumNanprodHuge", "test_nansum_axis_huge test_nansum_axis_huge_halfnan", _HUGE)
for _f, _cls in (("cumsum", "TestCumsum"), ("cumprod", "TestCumprod")):
    G(M_SP + _cls, "test_invalid_axis_lower1 test_invalid_axis_lower2 test_invalid_axis_upper1 "
      "test_invalid_axis_upper2", _SUMOUT)
    G(M_SP + _cls, f"test_{_f}_out", _SUMOUT)
    G(M_SP + _cls, f"test_{_f}_out_noncontiguous", here(f"{_f}_out_noncontiguous"))
    G(M_SP + _cls, f"test_{_f}_arraylike",
      f"differs: CuPy refuses a tuple (TypeError); NumPy and gpuad take it as an array; "
      f"here: test_gap_row[{_f}_tuple]")
    G(M_SP + _cls, f"test_{_f}_numpy_array", _HOST)
G(M_SP + "TestCumsum", "test_cumsum test_cumsum_2dim test_cumsum_axis test_ndarray_cumsum_axis "
  "test_cumsum_axis_empty", _SUMOUT)
G(M_SP + "TestCumsum", "test_cumsum_axis_out test_cumsum_axis_out_noncontiguous",
  here("cumsum_axis_out"))
G(M_SP + "TestCumprod", "test_cumprod_1dim test_cumprod_2dim_without_axis "
  "test_cumprod_2dim_with_axis test_ndarray_cumprod_2dim_with_axis", _SUMOUT)
G(M_SP + "TestCumprod", "test_cumprod_huge_array", _HUGE)
G(M_SP + "TestNanCumSumProd", "test_nancumsumprod", f"{_MATH}test_means_and_nan_reductions")
G(M_SP + "TestNanCumSumProd", "test_nancumsumprod_out",
  "here: test_gap_row[nancumsumprod_out_nancumsum_1d_None]; "
  "here: test_gap_row[nancumsumprod_out_nancumprod_3d_2]")
G(M_SP + "TestDiff", "test_diff_1dim test_diff_1dim_with_n test_diff_2dim_without_axis "
  "test_diff_2dim_with_axis test_diff_2dim_with_n_and_axis test_diff_2dim_with_prepend "
  "test_diff_2dim_with_append test_diff_2dim_with_scalar_append test_diff_invalid_axis",
  f"{_MATH}test_diff")
G(M_SP + "TestGradient", "test_gradient_floating test_gradient_int", f"{_MATH}test_gradient")
G(M_SP + "TestGradient", "test_gradient_float16", here("gradient_float16"))
G(M_SP + "TestGradientErrors", "test_gradient_invalid_spacings1 test_gradient_invalid_spacings2 "
  "test_gradient_invalid_spacings3 test_gradient_invalid_edge_order1 "
  "test_gradient_invalid_edge_order2 test_gradient_invalid_axis", here("gradient_errors"))
G(M_SP + "TestGradientErrors", "test_gradient_bool_input", here("gradient_bool"))

# ---- math_tests/test_window.py -------------------------------------------------------------------

G("math_tests/test_window.py::TestWindow", "test_window", here("windows"))
G("math_tests/test_window.py::TestKaiser", "test_kaiser_parametric", here("kaiser"))
G("math_tests/test_window.py::TestKaiserBoundary", "test_kaiser", here("kaiser_boundary"))

# ---- logic_tests ---------------------------------------------------------------------------------

for _n in ("greater", "greater_equal", "less", "less_equal", "not_equal", "equal"):
    G("logic_tests/test_comparison.py::TestComparison", f"test_{_n}", f"{_MATH}test_binary[{_n}]")
for _n in ("isfinite", "isinf", "isnan"):
    G("logic_tests/test_content.py::TestContent", f"test_{_n}",
      f"{_MATH}test_unary_inf_nan[{_n}]; {_LOGIC}")
for _n in ("logical_and", "logical_or", "logical_xor"):
    G("logic_tests/test_ops.py::TestOps", f"test_{_n}", f"{_MATH}test_binary[{_n}]")
G("logic_tests/test_ops.py::TestOps", "test_logical_not", f"{_MATH}test_unary[logical_not]")
G("logic_tests/test_truth.py::TestAllAny", "test_without_out test_with_out", _LOGIC)
G("logic_tests/test_truth.py::TestAllAnyWithNaN", "test_without_out test_with_out", _LOGIC)
G("logic_tests/test_truth.py::TestIn1DIsIn", "test",
  f"{_LOGIC} (isin; NumPy 2.4 removed in1d)")
G("logic_tests/test_type_test.py::TestIsScalar", "test_argspec", here_fn("test_isscalar_argspec"))
G("logic_tests/test_type_test.py::TestIsFortran", "test", _LAYOUT)
for _c in ("TestTypeTestingFunctions", "TestTypeTestingObjFunctions"):
    G(f"logic_tests/test_type_test.py::{_c}", "test test_scalar test_list", _LOGIC)

# ---- binary_tests --------------------------------------------------------------------------------

for _n in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"):
    G("binary_tests/test_elementwise.py::TestElementwise", f"test_{_n}",
      f"{_MATH}test_binary[{_n}]")
G("binary_tests/test_elementwise.py::TestElementwise", "test_invert", f"{_MATH}test_unary[invert]")
G("binary_tests/test_packing.py::TestPacking", "test_packbits test_packbits_empty "
  "test_unpackbits", f"{_MATH}test_packing")


# ---- inputs beyond CuPy's placeholders ----------------------------------------------------------

@dataclass(frozen=True)
class Fn(V):
    """An input built per dtype by ``value(dtype)`` (a host array; a Tensor for gpuad)."""

    def make(self, dt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.value(np.dtype(dt)))


def D(value, dtype):  # noqa: N802
    """``value`` as an array of the fixed ``dtype`` (the second operand of a dtype pair)."""
    return Fn(lambda _dt, v=value, d=dtype: np.asarray(v).astype(d))


def _arange(shape, dt, reverse=False):
    return A(shape, reverse).make(dt)


def _nancol(shape):
    """shaped_arange with NaN in column 1 for float and complex dtypes (CuPy's nansum input)."""
    def make(dt):
        a = _arange(shape, dt)
        if dt.kind in "fc":
            a[:, 1] = np.nan
        return a
    return Fn(make)


def _nandiv(shape):
    """TestNanCumSumProd's input: a / a with about a quarter of NaNs."""
    def make(dt):
        if dt.kind in "fc":
            a = R(shape, scale=1).make(np.float64)
            a[a < 0.25] = 0
            with np.errstate(all="ignore"):
                a = a / a
            if dt.kind == "c":
                a = a + 1j * a[::-1] if a.ndim == 1 else a + 1j * a
            return a.astype(dt)
        return R(shape).make(dt)
    return Fn(make)


def _int_edges(dt):
    """The integer extremes: iinfo.min, iinfo.max, 0, 1 and -1 (or 2 unsigned)."""
    if dt.kind == "b":
        return np.array([True, False, True, False, True])
    if dt.kind in "iu":
        i = np.iinfo(dt)
        return np.array([i.min, i.max, 0, 1, -1 if i.min < 0 else 2]).astype(dt)
    return np.array([-128, 127, 0, 1, -1]).astype(dt)


def _int_edges_rhs(dt):
    if dt.kind == "b":
        return np.array([False, False, True, True, False])
    if dt.kind in "iu":
        i = np.iinfo(dt)
        return np.array([0, 0, 0, i.max, -1 if i.min < 0 else 3]).astype(dt)
    return np.array([0, 0, 0, 127, -1]).astype(dt)


_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -2.5]


def _special(dt):
    """NaN, infinities, signed zeros and a few ordinary values (their products when complex)."""
    if dt.kind == "c":
        return np.array([complex(x, y) for x in _SPECIAL for y in _SPECIAL]).astype(dt)
    return np.array(_SPECIAL).astype(dt)


def _special_rhs(dt):
    return _special(dt)[::-1].copy()


def _err(f, *args, **kw):
    """``f(*args, **kw)``, or the builtin family of what it raises (a list row compares it)."""
    try:
        return f(*args, **kw)
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        for c in type(e).__mro__:
            if c.__module__ == "builtins":
                return c.__name__
        return "Exception"


def _zeros(xp, shape, dtype):
    return (np.zeros if xp is np else gnp.zeros)(shape, dtype)


# ---- the rows ------------------------------------------------------------------------------------

NEG = [-3, -2, -1, 1, 2, 3]
_SHAPES3 = {"32": (3, 2), "0d": (), "empty": (3, 0, 2)}


def _real_imag(xp, a):
    return [xp.real(a), xp.imag(a), a.real, a.imag]


def _complex_input(xp, a, b):
    """TestConj's input: shaped_arange, plus 1j * the reversed one for complex dtypes."""
    return a + 1j * b if a.dtype.kind == "c" else a


_MM_PAIRS = [((3, 2), (2, 4)), ((3, 0), (0, 4)), ((0, 2), (2, 4)), ((3, 2), (2, 0)),
             ((2,), (2, 4)), ((0,), (0, 4)), ((3, 2), (2,)), ((3, 0), (0,)), ((2,), (2,)),
             ((0,), (0,)), ((5, 3, 2), (5, 2, 4)), ((0, 3, 2), (0, 2, 4)), ((5, 3, 2), (2, 4)),
             ((0, 3, 2), (2, 4)), ((3, 2), (5, 2, 4)), ((3, 2), (0, 2, 4)),
             ((5, 3, 2), (1, 2, 4)), ((0, 3, 2), (1, 2, 4)), ((1, 3, 2), (5, 2, 4)),
             ((1, 3, 2), (0, 2, 4)), ((5, 3, 2), (2,)), ((5, 3, 0), (0,)), ((2,), (5, 2, 4)),
             ((0,), (5, 0, 4)), ((2, 2, 3, 2), (2, 2, 2, 4)), ((5, 0, 3, 2), (5, 0, 2, 4)),
             ((6, 5, 3, 2), (2, 4)), ((5, 0, 3, 2), (2, 4)), ((3, 2), (6, 5, 2, 4)),
             ((3, 2), (5, 0, 2, 4)), ((1, 5, 3, 2), (6, 1, 2, 4)), ((1, 0, 3, 2), (6, 1, 2, 4)),
             ((6, 1, 3, 2), (1, 5, 2, 4)), ((6, 1, 3, 2), (1, 0, 2, 4)), ((6, 5, 3, 2), (2,)),
             ((6, 5, 3, 0), (0,)), ((2,), (6, 5, 2, 4)), ((0,), (6, 5, 0, 4)),
             ((1, 3, 3), (10, 1, 3, 1))]
_MM_LARGE = [((6, 5, 3, 2), (6, 5, 2, 4)), ((6, 5, 3, 2), (6, 1, 2, 4)),
             ((6, 5, 3, 2), (1, 5, 2, 4)), ((6, 5, 3, 2), (1, 1, 2, 4)),
             ((6, 1, 3, 2), (6, 5, 2, 4)), ((1, 5, 3, 2), (6, 5, 2, 4)),
             ((1, 1, 3, 2), (6, 5, 2, 4)), ((3, 2), (6, 5, 2, 4)), ((6, 5, 3, 2), (2, 4)),
             ((2,), (6, 5, 2, 4)), ((6, 5, 3, 2), (2,))]
_MM_BAD = [((5, 3, 1), (3, 1, 4)), ((3, 2, 3), (3, 2, 4)), ((3, 2), ()), ((), (3, 2)), ((), ()),
           ((3, 2), (1,)), ((0, 2), (3, 0)), ((0, 1, 1), (2, 1, 1))]
_MM_AXES = [(((2, 5, 3, 2, 3, 4), (3, 5, 1, 1, 1, 4), (5, 5, 2, 2, 3, 4)),
             [(1, 2), (0, 1), (0, 1)]),
            (((2, 5, 3, 2, 3, 4), (2, 5, 3, 1, 4, 1), (3, 1, 2, 5, 3, 2)),
             [(-2, -1), (-2, -1), (0, 1)]),
            (((3, 2, 4, 4), (4, 4, 3, 2), (4, 4, 3, 3)), [(0, 1), (-1, -2), (-2, -1)]),
            (((3, 2, 4, 4), (2, 3, 4, 4), (4, 3, 3, 4)), [(0, 1), (0, 1), (1, 2)])]
_MM_COMPUTE = [(np.float16, np.float16), (np.float16, np.float32), (np.float32, np.float32),
               (np.float16, np.complex64), (np.float32, np.complex64),
               (np.complex64, np.complex64), (np.float32, np.float64),
               (np.float64, np.float64), (np.float32, np.complex128),
               (np.float64, np.complex128), (np.complex64, np.complex128),
               (np.complex128, np.complex128)]
_MM_COMPUTE_SHAPES = [((32, 64), (64, 96)), ((64, 96), (96, 32)), ((96, 32), (32, 64))]


def _matmul_all(xp, *ops):
    """Both spellings (``operator.matmul`` and ``xp.matmul``) on every operand pair."""
    out = []
    for a, b in zip(ops[::2], ops[1::2], strict=True):
        out += [operator.matmul(a, b), xp.matmul(a, b)]
    return out


def _matmul_rows():
    rows = []
    for d2 in (np.float64, np.int8, np.bool_, np.uint16, np.float16, np.complex64):
        ops = [p for sa, sb in _MM_PAIRS for p in (A(sa), D(A(sb).make(d2), d2))]
        rows.append(case(f"matmul_shapes_{np.dtype(d2).name}", _matmul_all, *ops, rtol=1e-3,
                         atol=1e-3))
    for d2 in (np.float32, np.int64, np.uint8, np.complex128):
        ops = [p for sa, sb in _MM_LARGE for p in (R(sa), D(R(sb, seed=1).make(d2), d2))]
        rows.append(case(f"matmul_large_{np.dtype(d2).name}", _matmul_all, *ops, rtol=1e-3,
                         atol=1e-3))
    rows.append(case("matmul_overflow", lambda xp, a: xp.matmul(a, a),
                     Fn(lambda dt: np.array([np.iinfo(dt).max - 10]).astype(dt)), dtypes=INT))
    ops = [D(R(sa, seed=2).make(d1), d1) for (d1, d2) in _MM_COMPUTE for sa, _ in
           _MM_COMPUTE_SHAPES]
    ops2 = [D(R(sb, seed=3).make(d2), d2) for (d1, d2) in _MM_COMPUTE for _, sb in
            _MM_COMPUTE_SHAPES]
    rows.append(case("matmul_compute_dtypes", lambda xp, *o: _matmul_all(
        xp, *[v for pair in zip(o[:len(o) // 2], o[len(o) // 2:], strict=True) for v in pair]),
        *ops, *ops2, dtypes=[np.float64], rtol=1e-3, atol=1e-3))
    rows.append(case("matmul_invalid_shapes", lambda xp, *o: [
        _err(xp.matmul, a, b) for a, b in zip(o[::2], o[1::2], strict=True)],
        *[p for sa, sb in _MM_BAD for p in (A(sa), A(sb))], dtypes=[np.float32, np.int64]))
    rows.append(case("matmul_axes", lambda xp, *o: [
        xp.matmul(a, b, axes=ax) for (a, b), (_, ax) in zip(zip(o[::2], o[1::2], strict=True),
                                                           _MM_AXES, strict=True)],
        *[p for (sh, _) in _MM_AXES for p in (A(sh[0]), A(sh[1]))],
        dtypes=[np.float32, np.float64, np.int64, np.complex128]))

    def axes_out(xp, *o):
        outs = []
        for (a, b), (sh, ax) in zip(zip(o[::2], o[1::2], strict=True), _MM_AXES, strict=True):
            c = _zeros(xp, sh[2], np.float64)
            r = xp.matmul(a, b, axes=ax, out=c)
            assert r is c
            outs.append(c)
        return outs
    rows.append(case("matmul_axes_out", axes_out,
                     *[p for (sh, _) in _MM_AXES for p in (A(sh[0]), A(sh[1]))],
                     dtypes=[np.float32, np.float64, np.int64], tensor=False))
    rows.append(case("matmul_axes_errors", lambda xp, a, b: [
        _err(xp.matmul, a, b, axes=ax) for ax in ([(0, 1), (0, 1)], [(0, 1), (0, 1), (0, 1, 2)],
                                                  [(0, 7), (0, 1), (0, 1)], [0, 1, 0])] + [
        _err(xp.matmul, a, b, axis=0), _err(xp.matmul, a, b, keepdims=True)],
        A((3, 4, 4)), A((3, 4, 4)), dtypes=[np.float64, np.int32]))
    rows.append(case("gufunc_axes", lambda xp, a, b, m, v: [
        xp.vecdot(a, b, axes=[(1,), (1,), ()]), xp.vecdot(a, b, axes=[1, 1], keepdims=True),
        xp.vecdot(a, b, axis=0, keepdims=True), xp.vecdot(a, b, axes=[0, 0, (0,)], keepdims=True),
        xp.matvec(m, v, axes=[(0, 1), (0,), (0,)]), xp.vecmat(v, m, axes=[(0,), (1, 0), (0,)]),
        _err(xp.vecdot, a, b, axis=0, axes=[0, 0])],
        R((3, 4, 5)), R((3, 4, 5), seed=1), R((4, 5, 3), seed=2), R((5, 3), seed=3),
        dtypes=[np.float32, np.float64, np.int64, np.complex128]))
    rows.append(case("matmul_numpy_dispatch",
                     lambda xp, a, b: np.matmul(a, b, axes=[(0, 1), (0, 1), (0, 1)]),
                     A((2, 10, 5)), A((10, 2, 5)), dtypes=[np.float32, np.float64]))
    return rows


def _sum_views(xp, a):
    t = a.transpose(2, 0, 1)
    return [a.sum(), t.sum(), a.sum(axis=1), t.sum(axis=1)]


def _out_noncontiguous(f):
    def row(xp, a):
        c = _zeros(xp, (10,), a.dtype)[::2]
        getattr(xp, f)(a, out=c)
        return c
    return row


def _cumsum_axis_out(xp, a):
    outs = []
    for axis in (0, 1, 2):
        c = _zeros(xp, a.shape, a.dtype)
        xp.cumsum(a, axis=axis, out=c)
        n = _zeros(xp, (8,) + a.shape[1:], a.dtype)[::2]
        xp.cumsum(a, axis=axis, out=n)
        outs += [c, n]
    return outs


def _nancum_out(f, axis):
    def row(xp, a):
        c = _zeros(xp, a.shape, a.dtype)
        getattr(xp, f)(a, axis=axis, out=c)
        return c
    return row


def _wrong_out(f, shape):
    def row(xp, a):
        return _err(getattr(xp, f), a, axis=1, out=_zeros(xp, shape, np.float64))
    return row


def _gradient_errors(xp, x, x1, idx17, idx32):
    return [_err(xp.gradient, x, 1.0, 2.0, 3.0), _err(xp.gradient, x, 15, idx17),
            _err(xp.gradient, x, 15, xp.reshape(idx32, (4, -1))),
            _err(xp.gradient, x, edge_order=3), _err(xp.gradient, x1, axis=0, edge_order=2),
            _err(xp.gradient, x, axis=-3), _err(xp.gradient, x, axis=2)]


_UNARY_EDGE = ["negative", "absolute", "sign", "square", "reciprocal", "sqrt", "cbrt", "exp",
               "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin",
               "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
               "deg2rad", "rad2deg", "rint", "around", "fix", "floor", "ceil", "trunc", "sinc",
               "i0", "spacing", "signbit", "frexp", "modf", "nan_to_num", "angle", "real",
               "imag", "conj", "fabs", "positive", "isfinite", "isinf", "isnan", "logical_not"]
_BINARY_EDGE = ["add", "subtract", "multiply", "true_divide", "floor_divide", "remainder",
                "fmod", "divmod", "power", "float_power", "maximum", "minimum", "fmax", "fmin",
                "copysign", "nextafter", "hypot", "arctan2", "logaddexp", "logaddexp2",
                "heaviside", "equal", "less", "greater_equal", "logical_xor"]
_INT_ONLY = ["gcd", "lcm", "left_shift", "right_shift", "bitwise_and", "bitwise_xor"]
_NO_COMPLEX_FN = {"cbrt", "fix", "floor", "ceil", "trunc", "spacing", "signbit", "frexp", "modf",
                  "deg2rad", "rad2deg", "fabs", "i0", "floor_divide", "remainder", "fmod",
                  "divmod", "copysign", "nextafter", "hypot", "arctan2", "logaddexp",
                  "logaddexp2", "heaviside", "expm1", "log2", "log1p", "arcsin", "arccos",
                  "arctanh", "arccosh"}
#: pairs of the binary functions test_cupy_suite_math.py does not pair
_MIXED = ["fmod", "remainder", "hypot", "arctan2", "logaddexp", "heaviside", "float_power",
          "fmax", "nextafter", "divmod", "gcd", "lcm", "left_shift", "bitwise_or", "ldexp"]
#: the order functions gpuad refuses to differentiate on complex values (ComplexError: NumPy
#: orders complex numbers lexicographically, a choice with no derivative); their complex rows
#: on recorded Tensors are checked to raise it
_ORDERS = ("maximum", "minimum", "fmax", "fmin")
_MIXED_RHS = (np.bool_, np.int8, np.uint8, np.int32, np.uint64, np.float16, np.float32,
              np.float64, np.complex128)


def _kw_rows():
    """out= (a backend array of NumPy's result dtype), where= with out=, dtype= of
    elementwise functions beyond add (test_cupy_suite_math.py's keywords)."""
    rows = []
    for f in ("sin", "exp", "sqrt", "absolute", "negative", "rint", "arctan", "log1p"):
        def unary_out(xp, a, m, f=f):
            fn = getattr(xp, f)
            want = getattr(np, f)(np.zeros(1, a.dtype)).dtype
            o = _zeros(xp, a.shape, want)
            r = fn(a, out=o)
            w = _zeros(xp, a.shape, want) - 1
            fn(a, out=w, where=m)
            return [r is o, o, w, _err(fn, a, dtype=np.float64), _err(fn, a, out=(o,))]
        rows.append(case(f"{f}_out_where_dtype", unary_out, A((2, 3)),
                         F(np.array([[True, False, True], [False, True, True]])),
                         dtypes=NO_BOOL if f == "negative" else ALL, tensor=False))
        rows.append(case(f"{f}_dtype_tensor", lambda xp, a, f=f: _err(
            getattr(xp, f), a, dtype=np.float64), A((2, 3)), dtypes=FLOAT + INT))
    # dtype= names the output: NumPy casts the inputs to its loop's input types (D->d for
    # absolute, ll->? for the comparisons), not to the output dtype
    rows.append(case("dtype_selects_the_loop", lambda xp, a, b: [
        _err(getattr(xp, f), a, b, dtype=bool) for f in ("less", "equal", "not_equal",
                                                         "greater_equal", "logical_and",
                                                         "logical_xor")] + [
        _err(getattr(xp, f), a, dtype=d) for f in ("absolute", "isnan", "signbit", "sign",
                                                   "negative", "sqrt")
        for d in (np.float64, np.float32, bool)], A((2, 3)), RA((2, 3))))
    for f in ("hypot", "arctan2", "fmod", "maximum", "logaddexp", "copysign", "gcd"):
        def binary_out(xp, a, b, m, f=f):
            fn = getattr(xp, f)
            r = _err(getattr(np, f), np.zeros(1, a.dtype), np.zeros(1, b.dtype))
            want = np.float64 if isinstance(r, str) else r.dtype
            o = _zeros(xp, a.shape, want)
            w = _zeros(xp, a.shape, want) - 1
            return [_err(fn, a, b, out=o), o, _err(fn, a, b, out=w, where=m), w,
                    _err(fn, a, b, dtype=np.float64), _err(fn, a, b, casting="no", dtype="f4")]
        rows.append(case(f"{f}_binary_out_where_dtype", binary_out, A((2, 3)), RA((2, 3)),
                         F(np.array([[True, False, True], [False, True, True]])),
                         dtypes=NO_COMPLEX, tensor=False))
    return rows


def _edge_rows():
    rows = []
    for f in _UNARY_EDGE:
        dts = NO_COMPLEX if f in _NO_COMPLEX_FN else ALL
        rows.append(case(f"{f}_int_edges", f, Fn(_int_edges), dtypes=INT + BOOL))
        rows.append(case(f"{f}_special", f, Fn(_special),
                         dtypes=[d for d in FLOAT + COMPLEX if d in dts]))
        rows.append(case(f"{f}_empty", f, A((3, 0, 2)), dtypes=dts))
    for f in _BINARY_EDGE + _INT_ONLY:
        dts = NO_COMPLEX if f in _NO_COMPLEX_FN else ALL
        rows.append(case(f"{f}_int_edges", f, Fn(_int_edges), Fn(_int_edges_rhs),
                         dtypes=INT + BOOL))
        if f not in _INT_ONLY:
            rows.append(case(f"{f}_special", f, Fn(_special), Fn(_special_rhs),
                             dtypes=[d for d in FLOAT + COMPLEX if d in dts]))
        rows.append(case(f"{f}_empty", f, A((3, 0, 2)), A((2,)), dtypes=dts))
    for f in _MIXED:
        for d2 in _MIXED_RHS:
            rhs = D(RA((2, 3)).make(d2), d2) if f != "ldexp" else D(
                np.array([[-3, 0, 2], [1, -1, 5]]), d2)
            rows.append(case(f"{f}_mixed_{np.dtype(d2).name}", f, A((2, 3)), rhs))
            order = f in _ORDERS  # (complex: refused on Tensors, a row of its own)
            scalars = (2, -2, 2.5, True) if order else (2, -2, 2.5, True, 1j)
            rows.append(case(f"{f}_mixed_{np.dtype(d2).name}_scalars",
                             lambda xp, a, f=f, ss=scalars: [_err(getattr(xp, f), a, s)
                                                             for s in ss],
                             A((2, 3)), dtypes=NO_COMPLEX if order else ALL))
    for f in ("sum", "prod", "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "nansum",
              "nanprod", "mean", "diff"):
        rows.append(case(f"{f}_int_edges", lambda xp, a, f=f: [
            getattr(xp, f)(a), _err(getattr(xp, f), a, dtype=a.dtype) if f != "diff"
            else xp.diff(a, n=2)], Fn(_int_edges), dtypes=INT + BOOL))
        rows.append(case(f"{f}_special", f, Fn(_special), dtypes=FLOAT + COMPLEX))
    for f in ("nancumsum", "nancumprod", "gradient", "unwrap"):
        rows.append(case(f"{f}_special", f, Fn(_special),
                         dtypes=FLOAT if f == "unwrap" else FLOAT + COMPLEX))
    rows.append(case("unwrap_int_edges", "unwrap", Fn(_int_edges), dtypes=INT))
    return rows


CASES = [
    # test_arithmetic.py
    case("angle_negative", "angle", V(NEG), dtypes=BOOL + SINT + FLOAT + COMPLEX),
    case("angle_negative_scalars", lambda xp: [xp.asarray(xp.angle(s)) for s in
                                               (-2, -2.0, -2j, 0, 0.0j, True, False)],
         dtypes=[np.float64]),
    case("reciprocal_plus_one", lambda xp, a: xp.reciprocal(a + 1), A((2, 3))),
    *[case(f"real_imag_{k}", _real_imag, A(s)) for k, s in _SHAPES3.items()],
    *[case(f"bool_subtract_{k}", "subtract", R(s), R(s, seed=1), dtypes=BOOL)
      for k, s in _SHAPES3.items()],
    # test_complex_operations.py
    case("complex_conj", lambda xp, a, b: _complex_input(xp, a, b).conj(), A((2, 3)),
         RA((2, 3)), dtypes=[np.float32, np.float64] + COMPLEX),
    case("complex_angle", lambda xp, a, b: xp.angle(_complex_input(xp, a, b)), A((2, 3)),
         RA((2, 3)), dtypes=COMPLEX),
    case("complex_real", lambda xp, a, b: _complex_input(xp, a, b).real, A((2, 3)),
         RA((2, 3)), dtypes=[np.float32, np.float64] + COMPLEX),
    case("complex_imag", lambda xp, a, b: _complex_input(xp, a, b).imag, A((2, 3)),
         RA((2, 3)), dtypes=[np.float32, np.float64] + COMPLEX),
    # test_cumulative.py
    case("cumulative_sum_axis", "cumulative_sum", R((2, 3, 4)), axis=1),
    case("cumulative_prod_axis", "cumulative_prod", R((2, 3, 4)), axis=1),
    case("cumulative_1d", lambda xp, a: [xp.cumulative_sum(a), xp.cumulative_prod(a)],
         R((5,))),
    case("cumulative_nd_without_axis", lambda xp, a: [
        _err(xp.cumulative_sum, a), _err(xp.cumulative_prod, a)], R((2, 2))),
    case("cumulative_include_initial", lambda xp, a: [
        xp.cumulative_sum(a, axis=-1, include_initial=True),
        xp.cumulative_prod(a, axis=0, include_initial=True)], R((2, 3, 4), scale=2)),
    case("cumulative_dtype", lambda xp, a: [
        _err(xp.cumulative_sum, a, axis=1, dtype=np.float64),
        _err(xp.cumulative_prod, a, axis=1, dtype=np.int8)], R((2, 3))),
    case("cumulative_empty_0d", lambda xp, a, s: [
        xp.cumulative_sum(a, axis=0), xp.cumulative_prod(a, axis=0, include_initial=True),
        _err(xp.cumulative_sum, s), _err(xp.cumulative_sum, a, axis=3)], A((0, 3)), A(())),
    # test_trigonometric.py TestUnwrap, and period=
    case("unwrap_1dim", "unwrap", R((5,)), dtypes=NO_COMPLEX),
    case("unwrap_1dim_discont", "unwrap", R((5,)), discont=1.0, dtypes=NO_COMPLEX),
    case("unwrap_2dim", "unwrap", R((4, 5)), dtypes=NO_COMPLEX),
    case("unwrap_2dim_axis", "unwrap", R((4, 5)), axis=1, dtypes=NO_COMPLEX),
    case("unwrap_2dim_discont", "unwrap", R((4, 5)), discont=5.0, axis=1, dtypes=NO_COMPLEX),
    case("unwrap_period", lambda xp, a: [xp.unwrap(a, period=4), xp.unwrap(a, period=2.5),
                                         xp.unwrap(a, discont=1.0, period=3, axis=0)],
         R((6, 3)), dtypes=NO_COMPLEX),
    # test_extra.py
    case("gradient_axes", lambda xp, a: [xp.gradient(a, axis=1), xp.gradient(a, axis=(1, 0)),
                                         xp.gradient(a, 2.0, 0.5, axis=(1, 0))],
         A((4, 5)), dtypes=[np.float32, np.float64, np.int64, np.complex64]),
    case("gradient_number", lambda xp, a: xp.gradient(a, 3.0), A((5,)),
         dtypes=[np.float32, np.float64, np.int64]),
    # test_matmul.py
    *_matmul_rows(),
    # test_misc.py
    case("clip_method", lambda xp, a, lo, hi: [a.clip(3, 13), a.clip(lo, hi), a.clip(None, 4),
                                               a.clip(min=2), a.clip(max=5)],
         A((2, 3, 4)), V([3, 4, 5, 6]), V([[10], [9], [8]]), dtypes=NO_COMPLEX),
    *[case(f"nan_pairs_{f}", f, V([-3, np.nan, -1, np.nan, 0, np.nan, 2]),
           V([np.nan, np.nan, 1, 0, np.nan, -1, -2]), dtypes=FLOAT)
      for f in ("maximum", "minimum", "fmax", "fmin")],
    # test_rational.py
    *[case(f"{f}_boundary", f, V([0, -10, -5, 10, 410, 1, 6, 33]),
           V([0, 5, -10, -5, 20, 51, 6, 42]), dtypes=INT) for f in ("gcd", "lcm")],
    # test_sumprod.py
    case("sum_large", _sum_views, A((20, 30, 40)), dtypes=NO_FLOAT16, rtol=1e-6),
    case("sum_float16", lambda xp, a: a.sum(axis=1), A((2, 30, 4)), dtypes=[np.float16]),
    case("sum_axes_4d", lambda xp, a: [a.sum(axis=(1, 3)), a.sum(axis=(0, 2, 3))],
         A((2, 3, 4, 5))),
    case("sum_axes_4d_large", lambda xp, a: [a.sum(axis=(1, 3)), a.sum(axis=(0, 2, 3))],
         A((20, 30, 40, 50)), dtypes=[np.int8, np.uint32, np.int64, np.float32, np.float64,
                                      np.complex128], rtol=1e-6),
    case("moments_dtype", lambda xp, a: [
        _err(getattr(xp, f), a, axis=ax, dtype=d) for f in ("var", "std", "nanvar", "nanstd",
                                                             "mean", "nanmean", "sum", "prod")
        for ax in (None, 1) for d in (np.int8, np.uint8, np.int32, np.float16, np.float32)],
        Fn(lambda dt: (np.arange(1, 7).reshape(2, 3) * 7).astype(dt)), dtypes=INT + FLOAT),
    case("nan_to_num_copy_false", lambda xp, a: (lambda b: [
        xp.nan_to_num(b, copy=False, posinf=9.0, neginf=-9.0) is b, b])(a * 1),
        Fn(_special), dtypes=FLOAT + COMPLEX),
    case("sum_out_wrong_shape", _wrong_out("sum", (2, 3)), A((2, 3, 4)), tensor=False),
    case("nansum_nanprod_long", lambda xp, a: [
        getattr(xp, f)(v, axis=axis, keepdims=kd) for f in ("nansum", "nanprod")
        for v in (a, a.transpose(2, 0, 1)) for axis in (0, 1) for kd in (False, True)],
        _nancol((20, 30, 40)), dtypes=[d for d in NO_BOOL if d is not np.float16], rtol=1e-6),
    case("nansum_float16", lambda xp, a: xp.nansum(a, axis=1), _nancol((2, 3, 4)),
         dtypes=[np.float16]),
    case("nansum_out_wrong_shape", _wrong_out("nansum", (2, 3)), _nancol((2, 3, 4)),
         dtypes=FLOAT, tensor=False),
    case("nansum_axes_4d", lambda xp, a, b: [xp.nansum(a, axis=(1, 3)),
                                             xp.nansum(a, axis=(0, 2, 3)),
                                             xp.nansum(b, axis=(1, 3))],
         _nancol((2, 3, 4, 5)), _nancol((20, 30, 40, 50)),
         dtypes=[np.int32, np.uint8, np.float32, np.float64, np.complex64], rtol=1e-5),
    *[case(f"{f}_out_noncontiguous", _out_noncontiguous(f), A((5,)), tensor=False)
      for f in ("cumsum", "cumprod")],
    case("cumsum_axis_out", _cumsum_axis_out, A((4, 5, 6)), tensor=False),
    *[case(f"{f}_tuple", lambda xp, f=f: getattr(xp, f)((1, 2, 3)), dtypes=[np.int64])
      for f in ("cumsum", "cumprod")],
    *[case(f"nancumsumprod_out_{f}_{len(s)}d_{axis}", _nancum_out(f, axis), _nandiv(s),
           tensor=False)
      for f in ("nancumsum", "nancumprod") for s in ((20,), (7, 6), (3, 4, 5))
      for axis in (None, 0, 1, 2) if (axis is None and len(s) == 1) or
      (axis is not None and axis < len(s))],
    case("gradient_float16", lambda xp, a: [
        xp.gradient(a, *sp, axis=ax, edge_order=eo) for ax in (None, 0, -1)
        for sp in ((), (1.2,)) for eo in (1, 2)], R((10, 20)), dtypes=[np.float16],
        rtol=1e-3, atol=2e-2),
    case("gradient_errors", _gradient_errors, R((32, 16)), R((1, 16)), F(np.arange(17)),
         F(np.arange(32)), dtypes=[np.float64]),
    case("gradient_bool", lambda xp, a: _err(xp.gradient, a), R((4, 16)), dtypes=BOOL),
    # test_window.py
    case("windows", lambda xp: [getattr(xp, f)(m) for f in ("bartlett", "blackman", "hamming",
                                                            "hanning")
                                for m in (0, 1, -1, 1024, 5)], dtypes=[np.float64],
         atol=1e-12),
    case("kaiser", lambda xp: [xp.kaiser(m, b) for m in (10, 30, 1024)
                               for b in (-3.4, 0, 5, 6, 8.6)], dtypes=[np.float64], atol=1e-12),
    case("kaiser_boundary", lambda xp: [xp.kaiser(m, 1.5) for m in (-1, 0, 1)],
         dtypes=[np.float64]),
    # beyond CuPy's inputs
    *_kw_rows(),
    *_edge_rows(),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate row names"

REFUSED = {
    **{f"{f}_{k}": {"complex64": ComplexError, "complex128": ComplexError}
       for f in _ORDERS for k in ("special", "empty")},
    **{f"fmax_mixed_{np.dtype(d).name}": {"complex64": ComplexError,
                                          "complex128": ComplexError}
       for d in _MIXED_RHS if np.dtype(d).kind != "c"},
    "fmax_mixed_complex128": {None: ComplexError},
}


@pytest.mark.parametrize("name", list(BY_NAME))
def test_gap_row(backend, name):
    problems = run_case(BY_NAME[name], REFUSED.get(name))
    assert not problems, "\n".join(problems[:20])


def test_real_imag_views(backend):
    """TestComplex: ``real`` of a real array is the array itself; of a complex one a view that
    sees later writes (NumPy's semantics on the NumPy backend's arrays); on Tensors the parts
    are recorded functions of the Tensor."""
    if backend != "numpy":
        pytest.skip("views of NumPy arrays: the NumPy backend's own arrays")
    for shape in _SHAPES3.values():
        x = _arange(shape, np.dtype(np.float32))
        assert gnp.real(x) is x
        z = _arange(shape, np.dtype(np.complex64))
        r, i = gnp.real(z), gnp.imag(z)
        before_r, before_i = r.copy(), i.copy()
        z += 1 + 1j
        np.testing.assert_array_equal(r, before_r + 1)
        np.testing.assert_array_equal(i, before_i + 1)
    t = ad.tensor(np.array([1 + 2j, 3 - 1j]), requires_grad=True)
    gnp.sum(gnp.real(t) * 2 + gnp.imag(t) * 3).backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.array([2 + 3j, 2 + 3j]))


@pytest.mark.parametrize("dtypes", [("F", "F", "f"), ("D", "f", "e"), ("D", "D", "l"),
                                    ("f", "d", "e"), ("F", "b", "?")], ids=str)
def test_casting_unsafe_warnings(backend, dtypes):
    """TestUfunc.test_casting_out_unsafe / test_casting_dtype_unsafe: the same values and the
    same ComplexWarnings as NumPy (one per cast of complex to real)."""
    d0, d1, d2 = (np.dtype(d) for d in dtypes)
    a, b = _arange((2, 3), d0), _arange((2, 3), d1)
    ga, gb = gnp.asarray(a), gnp.asarray(b)

    def run(f, x, y, **kw):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            r = f(x, y, casting="unsafe", **kw)
        return r, sorted(w.category.__name__ for w in ws if w.category is not RuntimeWarning)

    want, wws = run(np.add, a, b, out=np.zeros((2, 3), d2))
    got, gws = run(gnp.add, ga, gb, out=gnp.zeros((2, 3), d2))
    assert gws == wws
    np.testing.assert_array_equal(gnp.asarray(got).get() if hasattr(got, "get") else
                                  np.asarray(got), want)
    want, wws = run(np.add, a, b, dtype=d2)
    got, gws = run(gnp.add, ga, gb, dtype=d2)
    assert gws == wws
    g = got.get() if hasattr(got, "get") else np.asarray(got)
    assert g.dtype == want.dtype
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("name", ["arctan2", "power", "subtract", "true_divide", "fmod",
                                  "copysign", "float_power"])
def test_non_reorderable_reduce_folds_in_order(backend, name):
    """A reduction of a ufunc without an identity is the left fold over every element, as
    NumPy gives it for a strided axis (NumPy 2.4 combines only the first and the last element
    along a contiguous one: docs/porting.md)."""
    x = np.array([[1 / 3, 2 / 3, 1.0, 4 / 3], [0.5, 1.5, 0.7, 1.1]])
    fn = getattr(np, name)
    with np.errstate(all="ignore"):
        fold = x[:, 0]
        for k in range(1, x.shape[1]):
            fold = fn(fold, x[:, k])
        strided = fn.reduce(np.asfortranarray(x), axis=1)
    np.testing.assert_allclose(strided, fold, rtol=1e-14)
    for a in (gnp.asarray(x), ad.tensor(gnp.asarray(x), requires_grad=True)):
        got = getattr(gnp, name).reduce(a, axis=1)
        np.testing.assert_allclose(to_numpy(got), fold, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.complex128])
def test_around_overflow(backend, dtype):
    """around/round to more decimals than the dtype can scale: the value itself, where NumPy's
    ``x * 10**decimals`` overflows to inf and gives NaN (docs/porting.md)."""
    x = np.array([12.34, -0.5, 1.5, 65.5, 3.3]).astype(dtype)
    for dec in (5, 10, 400):
        with np.errstate(all="ignore"):
            if dec > 300 or np.dtype(dtype) == np.float16:
                assert not np.isfinite(np.around(x, dec)).all()  # NumPy's overflow
        for a in (gnp.asarray(x), ad.tensor(gnp.asarray(x))):
            got = to_numpy(gnp.around(a, dec))
            assert got.dtype == x.dtype
            np.testing.assert_array_equal(got, x)


def test_isscalar_argspec():
    """TestIsScalar.test_argspec: gpuad.numpy.isscalar takes NumPy's arguments."""
    assert inspect.signature(gnp.isscalar).parameters == inspect.signature(np.isscalar).parameters


def test_nan_subgradients(backend):
    """maximum/minimum propagate NaN (the NaN output does not move with the other operand: its
    slope is 0 there, and the NaN operand's own slope is 0 too, as the output is NaN whatever
    it is), fmax/fmin pass the gradient to the operand they return (the non-NaN one)."""
    a = np.array([-3, np.nan, -1, np.nan, 0, np.nan, 2.0])
    b = np.array([np.nan, np.nan, 1, 0, np.nan, -1, -2.0])
    for f in ("maximum", "minimum", "fmax", "fmin"):
        ta, tb = (ad.tensor(gnp.asarray(v), requires_grad=True) for v in (a, b))
        r = getattr(gnp, f)(ta, tb)
        want = getattr(np, f)(a, b)
        np.testing.assert_array_equal(r.numpy(), want)
        gnp.sum(r).backward()
        ga, gb = ta.grad.numpy(), tb.grad.numpy()
        picked_a = np.where(np.isnan(want), np.nan, want == a)
        for k in range(a.size):
            if np.isnan(want[k]):
                assert ga[k] + gb[k] <= 1, (f, k, ga[k], gb[k])  # never counted twice
                if f.startswith("f"):
                    assert ga[k] + gb[k] == 1, (f, k)  # fmax(nan, nan): one of them
            else:
                assert (ga[k], gb[k]) == ((1.0, 0.0) if picked_a[k] else (0.0, 1.0)), (f, k)


_X = np.random.default_rng(7)


def _x(*shape):
    return _X.standard_normal(shape)


GRADS = {
    "unwrap": (lambda a: gnp.unwrap(4 * a), _x(7)),
    "unwrap_axis_discont": (lambda a: gnp.unwrap(4 * a, discont=5.0, axis=1), _x(4, 5)),
    "unwrap_period": (lambda a: gnp.unwrap(3 * a, period=2.5, axis=0), _x(6, 3)),
    "cumulative_sum": (lambda a: gnp.cumulative_sum(a, axis=1, include_initial=True),
                       _x(2, 3, 4)),
    "cumulative_prod": (lambda a: gnp.cumulative_prod(a, axis=-1, include_initial=True),
                        _x(2, 3, 4)),
    "cumulative_prod_zero": (lambda a: gnp.cumulative_prod(a * np.array([1.0, 0, 1, 1])),
                             _x(4)),
    "gradient_axes": (lambda a: gnp.gradient(a, 2.0, 0.5, axis=(1, 0), edge_order=2)[1],
                      _x(4, 5)),
    "gradient_coordinates": (lambda a: gnp.gradient(a, [0.0, 1, 3, 4.5], edge_order=2), _x(4)),
    "gradient_wrt_coordinates": (lambda f, c: gnp.gradient(f, c, edge_order=2),
                                 np.array([1.0, 4, 2, 7, 3]), np.array([0.0, 1, 2.5, 3, 4.5])),
    "gradient_wrt_spacing": (lambda f, h: gnp.gradient(f, h, 0.5, axis=(1, 0))[0], _x(3, 4),
                             np.array(0.7)),
    "unwrap_wrt_period": (lambda p, t: gnp.unwrap(p, period=t),
                          np.array([0.1, 2.9, 6.0, -0.5, 3.3]), np.array(3.0)),
    "matmul_axes": (lambda a, b: gnp.matmul(a, b, axes=[(0, 1), (-1, -2), (-2, -1)]),
                    _x(3, 2, 4, 4), _x(4, 4, 3, 2)),
    "matmul_axes_vector": (lambda a, b: gnp.matmul(a, b, axes=[0, (0, 1), 0]), _x(3), _x(3, 2)),
    "vecdot_axes_keepdims": (lambda a, b: gnp.vecdot(a, b, axes=[0, 0], keepdims=True),
                             _x(3, 4) + 1j * _x(3, 4), _x(3, 4)),
    "matvec_vecmat_axes": (lambda m, v: gnp.matvec(m, v, axes=[(0, 1), (0,), (0,)])
                           + gnp.vecmat(v, m, axes=[(0,), (1, 0), (0,)]),
                           _x(4, 5, 3), _x(5, 3)),
    "matmul_empty_batch": (lambda a, b: gnp.matmul(a, b), _x(0, 3, 2), _x(1, 2, 4)),
    "matmul_broadcast": (lambda a, b: a @ b, _x(1, 5, 3, 2), _x(6, 1, 2, 4)),
    "clip_method": (lambda a: a.clip(-0.5, np.array([0.1, 0.4, 2.0])), _x(4, 3)),
    "maximum": (gnp.maximum, _x(5), _x(5)),
    "minimum": (gnp.minimum, _x(5), _x(5)),
    "fmax": (gnp.fmax, _x(5), _x(5)),
    "fmin": (gnp.fmin, _x(5), _x(5)),
    "complex_parts": (lambda z: gnp.real(z) * gnp.imag(z) + gnp.angle(z) + gnp.conj(z),
                      _x(4) + 1j * _x(4)),
    "reciprocal_complex": (gnp.reciprocal, _x(4) + 1j * _x(4)),
    "sinc": (gnp.sinc, np.array([0.0, 1e-3, -0.2, 0.3, 1.0, -2.0, 2.7])),
    "i0": (gnp.i0, np.array([0.0, 0.5, -1.5, 4.0])),
    "cbrt": (gnp.cbrt, np.array([-8.0, -0.3, 0.2, 27.0])),
    "spacing_free": (lambda a: a * gnp.spacing(a), np.array([1.0, -3.0])),
    "hypot": (gnp.hypot, _x(5), _x(5)),
    "arctan2": (gnp.arctan2, _x(5), _x(5)),
    "logaddexp2": (gnp.logaddexp2, _x(5), _x(5)),
    "float_power": (gnp.float_power, np.abs(_x(4)) + 0.5, _x(4)),
    "copysign": (gnp.copysign, _x(5), _x(5)),
    "ldexp": (lambda a: gnp.ldexp(a, np.array([-2, 0, 3])), _x(3)),
    "fmod": (gnp.fmod, _x(5) * 3, np.array([1.3, -0.7, 2.1, 0.9, -1.7])),
    "remainder": (gnp.remainder, _x(5) * 3, np.array([1.3, -0.7, 2.1, 0.9, -1.7])),
    "frexp_mantissa": (lambda a: gnp.frexp(a)[0], np.array([0.3, -5.0, 70.0])),
    "modf": (lambda a: gnp.modf(a)[0] + 2 * gnp.modf(a)[1], np.array([0.3, -5.2, 7.5])),
    "arccosh": (gnp.arccosh, 1.5 + np.abs(_x(4))),
    "arctanh": (gnp.arctanh, np.array([0.2, -0.6, 0.8])),
    "deg2rad_rad2deg": (lambda a: gnp.deg2rad(a) + gnp.rad2deg(a), _x(3)),
    "nan_to_num": (lambda a: gnp.nan_to_num(a * 2.0, posinf=5.0), _x(4)),
    "sum_axes_dtype": (lambda a: gnp.sum(a, axis=(1, 3), dtype=np.float64, keepdims=True),
                       _x(2, 3, 4, 5)),
    "nansum_nanprod": (lambda a: gnp.nansum(a * np.array([1.0, np.nan, 1]), axis=1)
                       + gnp.nanprod(a * np.array([1.0, np.nan, 1]), axis=1), _x(2, 3)),
    "nancumsum_nancumprod": (lambda a: gnp.nancumsum(a * np.array([1.0, np.nan, 1]), axis=1)
                             + gnp.nancumprod(a * np.array([np.nan, 1.0, 1]), axis=1),
                             _x(2, 3)),
    "kaiser_times": (lambda a: a * gnp.kaiser(5, 8.6), _x(5)),
    "kaiser_beta": (lambda b: gnp.kaiser(6, b), np.array(2.5)),
    "kaiser_beta_negative": (lambda b: gnp.kaiser(7, b), np.array(-3.4)),
}


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients(backend, name):
    f, *args = GRADS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_grads(f, tuple(args), order=2)


def test_every_gap_has_a_mapping():
    names = [(c, n) for c, n, _ in GAPS]
    assert len(names) == len(set(names)), [x for x in names if names.count(x) > 1][:5]
    per_file = {f: 0 for f in UPSTREAM}
    for c, _, _ in GAPS:
        per_file[c.split("::")[0]] += 1
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


def test_mixed_rows_cover_every_pair():
    """Each of ``_MIXED`` meets every right-hand dtype of ``_MIXED_RHS`` (a row per pair)."""
    for f, d2 in itertools.product(_MIXED, _MIXED_RHS):
        assert f"{f}_mixed_{np.dtype(d2).name}" in BY_NAME

