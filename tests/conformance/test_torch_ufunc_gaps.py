"""PyTorch's test/test_unary_ufuncs.py (class TestUnaryUfuncs) and test/test_binary_ufuncs.py
(class TestBinaryUfuncs, with the ``test___op___not_implemented`` methods its helper
``generate_not_implemented_tests`` adds), mapped onto gpuad method by method.

``GAPS`` has one row per upstream method: where its behaviour is already checked
(``covered:`` a test or a case of an earlier port, most of them the hand-written references
of test_torch_ufunc_refs.py, the OpInfo samples of test_torch_opinfo.py and the promotion
grids of test_torch_type_promotion.py), which test of this file ports it (``here:``), where
gpuad deliberately differs (``differs:``, with the test that checks gpuad's stated behaviour)
or why there is nothing for a gpuad user to hit (``n/a:``: devices, ``out=`` on storage,
memory-overlap checks of torch's kernels, TorchScript, bfloat16/complex32 dtypes gpuad
refuses, 2**31-element tensors).

The ports here run the same inputs through gpuad and torch in one process and compare the
values, dtypes and shapes, the errors (torch raises -> gpuad raises), and the gradients of
``sum(out * w)``; gradients are also checked against float64 central differences
(gpuad.testing.check_grads) where the function is smooth. Layout tests (every other element,
transposes, broadcast ``expand`` views, size-1 slices, 12-d slices, batches against slices)
run gpuad on views of one base array, and the gradient flows back through the view.
"""

from __future__ import annotations

import fnmatch
import operator
import re
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sc = pytest.importorskip("scipy.special")
si = pytest.importorskip("scipy.integrate")

import gpuad as ad  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.integrate as gint  # noqa: E402
import gpuad.scipy.special as gs  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

TF = torch.nn.functional
U, B = "TestUnaryUfuncs", "TestBinaryUfuncs"
REFS = "test_torch_ufunc_refs.py"
OPINFO = "covered: test_torch_opinfo.py::test_opinfo_samples_match_torch"
PROMO = "test_torch_type_promotion.py"
SPECIAL = "test_special_points_vs_peers.py"
DEV = "n/a: devices (gpuad runs one backend per process; no cross-device tensors)"
OUT = "n/a: out= into an existing tensor's storage (resizing, casting the out dtype)"
OVERLAP = "n/a: memory overlap of out= and in-place arguments inside torch's kernels"
BF16 = (
    "differs: bfloat16 is not a gpuad dtype (NumPy has none); gpuad refuses it with a "
    f"clear error; covered: {PROMO}::test_bfloat16_and_complex32_raise_clearly"
)

GAPS = (  # (class, torch test, where its port is or why there is none)
    # ---- TestUnaryUfuncs -------------------------------------------------------------------
    (U, "test_float_domains", "here: test_float_domains"),
    (U, "test_reference_numerics_normal", OPINFO),
    (
        U,
        "test_reference_numerics_small",
        f"covered: {SPECIAL}::test_unary_functions_at_special_points",
    ),
    (
        U,
        "test_reference_numerics_large",
        "here: test_unary_large_and_extremal_values; "
        "here: test_unary_gradients_at_large_and_extremal_values",
    ),
    (
        U,
        "test_reference_numerics_extremal",
        f"covered: {SPECIAL}::test_unary_functions_at_special_points; "
        "here: test_unary_large_and_extremal_values",
    ),
    (U, "test_contig_vs_every_other", "here: test_unary_layouts[every_other]"),
    (U, "test_contig_vs_transposed", "here: test_unary_layouts[transposed]"),
    (U, "test_non_contig", "here: test_unary_layouts[strided]"),
    (U, "test_non_contig_index", "here: test_unary_layouts[index]"),
    (U, "test_non_contig_expand", "here: test_unary_layouts[expand]"),
    (U, "test_contig_size1", "here: test_unary_layouts[size1]"),
    (U, "test_contig_size1_large_dim", "here: test_unary_layouts[size1_large_dim]"),
    (U, "test_batch_vs_slicing", "here: test_unary_layouts[batch_vs_slicing]"),
    (U, "test_nan_to_num", f"covered: {REFS}::CASES[nan_to_num/*]"),
    (U, "test_nan_to_num_bfloat16", BF16),
    (U, "test_complex_edge_values", "here: test_complex_edge_values"),
    (U, "test_digamma_special", "here: test_digamma_special_values"),
    (U, "test_digamma", f"covered: {REFS}::CASES[digamma/poles]"),
    (U, "test_frexp", "here: test_frexp"),
    (
        U,
        "test_frexp_assert_raises",
        "differs: NumPy's frexp takes integers (as float64), where torch raises; here: "
        "test_frexp (complex raises in both; out= dtypes n/a)",
    ),
    (U, "test_polygamma_neg", f"covered: {REFS}::CASES[polygamma/bad_order_-1]"),
    (U, "test_op_invert", "here: test_op_invert"),
    (U, "test_abs_angle_complex_to_float", f"covered: {REFS}::CASES[angle/complex*]"),
    (U, "test_unary_out_op_mem_overlap", OVERLAP),
    (U, "test_hardshrink", "here: test_activations[hardshrink]"),
    (U, "test_hardshrink_edge_cases", "here: test_hardshrink_edge_cases"),
    (U, "test_exp_slow", "n/a: 2**31 elements (torch's 32-bit indexing bug)"),
    (U, "test_hardswish", "here: test_activations[hardswish]"),
    (U, "test_hardsigmoid", "here: test_activations[hardsigmoid]"),
    (U, "test_hardsigmoid_backward", "here: test_activations[hardsigmoid]"),
    (U, "test_silu", "here: test_activations[silu]"),
    (U, "test_sinc", "here: test_sinc_gradient_at_zero_and_tiny"),
    (U, "test_mish", "here: test_activations[mish]"),
    (U, "test_log1p_complex", "here: test_log1p_complex"),
    (U, "test_threshold", "here: test_activations[threshold]"),
    (U, "test_igamma_common", "here: test_igamma_common"),
    (U, "test_igammac_common", "here: test_igamma_common"),
    (U, "test_igamma_edge_cases", "here: test_igamma_edge_cases"),
    (U, "test_igammac_edge_cases", "here: test_igamma_edge_cases"),
    (U, "test_i0_range1", "here: test_bessel_i_vs_scipy_and_torch"),
    (U, "test_i0_range2", "here: test_bessel_i_vs_scipy_and_torch"),
    (U, "test_i0_range3", "here: test_bessel_i_vs_scipy_and_torch"),
    (U, "test_i0_special", "here: test_bessel_i_vs_scipy_and_torch"),
    (U, "test_special_i0_i1_vs_scipy", "here: test_bessel_i_vs_scipy_and_torch"),
    (U, "test_special_ndtr_vs_scipy", "here: test_ndtr_log_ndtr_at_finfo_points"),
    (U, "test_special_log_ndtr_vs_scipy", "here: test_ndtr_log_ndtr_at_finfo_points"),
    (U, "test_abs_big_number", "here: test_abs_big_number_and_signed_zero"),
    (U, "test_abs_signed_zero", "here: test_abs_big_number_and_signed_zero"),
    (U, "test_abs_zero", f"covered: {REFS}::CASES[abs/-0.0]"),
    (U, "test_isposinf_isneginf_non_boolean_output", OUT),
    (
        U,
        "test_nonzero_empty",
        "here: test_nonzero_empty (torch's forms take as_tuple=; "
        "without it Tensor.nonzero is ndarray's tuple)",
    ),
    (U, "test_exp", f"covered: {REFS}::CASES[exp/complex*]"),
    # ---- TestBinaryUfuncs ------------------------------------------------------------------
    (B, "test_reference_numerics", OPINFO),
    (
        B,
        "test_reference_numerics_small_values",
        OPINFO + "; here: test_binary_gradients_at_interesting_points",
    ),
    (B, "test_reference_numerics_large_values", "here: test_binary_large_and_extremal_values"),
    (
        B,
        "test_reference_numerics_extremal_values",
        f"covered: {SPECIAL}::test_binary_functions_at_pairs_of_special_points; "
        "here: test_binary_large_and_extremal_values",
    ),
    (B, "test_broadcasting", "here: test_binary_layouts[broadcast]"),
    (B, "test_scalar_support", f"covered: {REFS}::test_python_scalars_and_0d_tensors"),
    (B, "test_contig_vs_every_other", "here: test_binary_layouts[every_other]"),
    (B, "test_contig_vs_transposed", "here: test_binary_layouts[transposed]"),
    (B, "test_non_contig", "here: test_binary_layouts[strided]"),
    (B, "test_non_contig_index", "here: test_binary_layouts[index]"),
    (B, "test_non_contig_expand", "here: test_binary_layouts[expand]"),
    (B, "test_contig_size1", "here: test_binary_layouts[size1]"),
    (B, "test_contig_size1_large_dim", "here: test_binary_layouts[size1_large_dim]"),
    (B, "test_batch_vs_slicing", "here: test_binary_layouts[batch_vs_slicing]"),
    (B, "test_type_promotion", f"covered: {PROMO}::test_binary_promotion_grid"),
    (B, "test_not_broadcastable", "here: test_not_broadcastable"),
    (B, "test_add_broadcast_empty", "here: test_add_broadcast_empty"),
    (
        B,
        "test_addcmul_scalars_as_floats",
        "differs: a 0-d value= that requires grad is differentiated (torch raises TypeError); "
        "here: test_addcmul_value_0d_tensor",
    ),
    (B, "test_bitwise_ops", "here: test_bitwise_operators_and_in_place"),
    (B, "test_inplace_division", "here: test_inplace_dunders_keep_the_tensor"),
    (B, "test_div_rounding_modes", f"covered: {REFS}::CASES[div_floor/*]"),
    (B, "test_floor_div_extremal", "here: test_floor_div_extremal"),
    (B, "test_div_rounding_nonfinite", f"covered: {REFS}::CASES[div_floor/float_grid]"),
    (B, "test_divide_by_zero_rounding", f"covered: {REFS}::CASES[div_floor/scalar_0.0]"),
    (B, "test_div_rounding_numpy", f"covered: {REFS}::CASES[div_trunc/*]"),
    (B, "test_complex_div_underflow_overflow", "here: test_complex_div_underflow_overflow"),
    (B, "test_cross_device_inplace_error_msg", DEV),
    (B, "test_out_resize_warning", OUT),
    (B, "test_inplace_dunders", "here: test_inplace_dunders_keep_the_tensor"),
    (B, "test_binary_op_mem_overlap", OVERLAP),
    (B, "test_pow", f"covered: {REFS}::CASES[pow/float***]"),
    (B, "test_pow_scalar_base", f"covered: {REFS}::CASES[rpow/*]"),
    (B, "test_int_and_float_pow", f"covered: {REFS}::CASES[pow/int*]"),
    (B, "test_pow_inplace_resizing_exception", "here: test_pow_inplace_resizing_raises"),
    (B, "test_int_tensor_pow_neg_ints", f"covered: {REFS}::CASES[pow/int32**-*]"),
    (B, "test_long_tensor_pow_floats", f"covered: {REFS}::CASES[pow/int64***]"),
    (B, "test_float_scalar_pow_float_tensor", f"covered: {REFS}::CASES[pow/scalar_base_*]"),
    (B, "test_cuda_tensor_pow_scalar_tensor", DEV),
    (B, "test_cpu_tensor_pow_cuda_scalar_tensor", DEV),
    (B, "test_pow_cuda_complex_extremal_failing", DEV),
    (B, "test_complex_scalar_pow_tensor", f"covered: {REFS}::CASES[rpow/*j***]"),
    (B, "test_pow_scalar_type_promotion", f"covered: {REFS}::CASES[rpow/2**uint8]"),
    (B, "test_tensor_pow_tensor", f"covered: {REFS}::CASES[pow/*tensor_tensor]"),
    (B, "test_logical_xor_with_nontrivial_alignment", "here: test_logical_xor_unaligned_slices"),
    (B, "test_add_with_tail", "here: test_binary_layouts[tail]"),
    (B, "test_cross_device_binary_ops", DEV),
    (B, "test_binary_op_scalar_device_unspecified", DEV),
    (B, "test_div_and_floordiv_vs_python", f"covered: {REFS}::test_python_scalars_and_0d_tensors"),
    (B, "test_div_and_floordiv_script_vs_python", "n/a: TorchScript"),
    (B, "test_idiv_and_ifloordiv_vs_python", "here: test_idiv_and_ifloordiv_vs_python"),
    (B, "test_binary_ops_with_scalars", f"covered: {REFS}::test_python_scalars_and_0d_tensors"),
    (B, "test_maximum_minimum_type_promotion", f"covered: {REFS}::CASES[maximum/*]"),
    (B, "test_maximum_minimum_int_and_bool", f"covered: {REFS}::CASES[fmax/bool*]"),
    (B, "test_maximum_minimum_float", f"covered: {REFS}::CASES[minimum/float16_float64]"),
    (B, "test_maximum_minimum_float_nan_and_inf", f"covered: {REFS}::CASES[fmin/nan_inf]"),
    (B, "test_maximum_minimum_complex", f"covered: {REFS}::CASES[maximum/complex]"),
    (B, "test_maximum_minimum_cross_device", DEV),
    (B, "test_maximum_and_minimum_subgradient", "here: test_maximum_minimum_subgradient"),
    (B, "test_maximum_minimum_forward_ad_float32", "here: test_maximum_minimum_forward_mode"),
    (B, "test_mul_intertype_scalar", f"covered: {REFS}::test_inplace_results_cast_as_torch"),
    (B, "test_sub", f"covered: {REFS}::CASES[-/bool]"),
    (B, "test_csub", "here: test_csub"),
    (B, "test_min_max_binary_op_nan", f"covered: {REFS}::CASES[maximum/nan_inf]"),
    (B, "test_copysign", f"covered: {REFS}::CASES[copysign/*]"),
    (B, "test_copysign_subgradient", "here: test_copysign_subgradient"),
    (B, "test_div", "here: test_div_in_place_on_a_column"),
    (B, "test_true_divide_out", "here: test_div_in_place_on_a_column"),
    (
        B,
        "test_divmul_scalar",
        "differs: a Python float against a float16 tensor is cast to float16 first (NumPy's "
        "rule), torch computes in float32; here: test_float16_with_a_large_python_scalar",
    ),
    (B, "test_floor_divide_tensor", f"covered: {REFS}::CASES[floor_divide/int*]"),
    (B, "test_floor_divide_scalar", f"covered: {REFS}::CASES[floor_divide/*_by_*]"),
    (B, "test_rdiv", "here: test_rdiv"),
    (B, "test_fmod_remainder_by_zero_float", f"covered: {REFS}::CASES[fmod/scalar_0.0]"),
    (
        B,
        "test_fmod_remainder_by_zero_integral",
        f"covered: {REFS}::test_integer_division_by_zero_warns",
    ),
    (B, "test_fmod_remainder", f"covered: {REFS}::CASES[remainder/*]"),
    (B, "test_remainder_fmod_large_dividend", "here: test_remainder_fmod_large_dividend"),
    (B, "test_hypot", f"covered: {REFS}::CASES[hypot/*]"),
    (B, "test_gcd", f"covered: {REFS}::CASES[gcd/*]"),
    (B, "test_lcm", f"covered: {REFS}::CASES[lcm/*]"),
    (B, "test_nextafter", f"covered: {REFS}::CASES[nextafter/*]"),
    (B, "test_nextafter_bfloat16", BF16),
    (B, "test_cdiv", "here: test_binary_layouts[strided]"),
    (B, "test_cremainder", "here: test_binary_layouts[strided]"),
    (B, "test_cmul", "here: test_binary_layouts[strided]"),
    (B, "test_cpow", "here: test_binary_layouts[strided]"),
    (B, "test_floor_divide_zero", f"covered: {REFS}::test_integer_division_by_zero_warns"),
    (B, "test_muldiv_scalar", "here: test_muldiv_scalar"),
    (
        B,
        "test_comparison_ops_type_promotion_and_broadcasting",
        f"covered: {PROMO}::test_comparison_ops_with_type_promotion",
    ),
    (B, "test_signed_shift", f"covered: {REFS}::CASES[<</signed/*]"),
    (B, "test_shift_limits", f"covered: {REFS}::CASES[>>/int64]"),
    (B, "test_heaviside", f"covered: {REFS}::CASES[heaviside/*]"),
    (B, "test_heaviside_cross_device", DEV),
    (B, "test_heaviside_complex", f"covered: {REFS}::CASES[heaviside/complex]"),
    (B, "test_logical_xor", f"covered: {REFS}::CASES[logical_xor/*]"),
    (B, "test_logical_and", f"covered: {REFS}::CASES[logical_and/*]"),
    (B, "test_logical_or", f"covered: {REFS}::CASES[logical_or/*]"),
    (B, "test_remainder_overflow", f"covered: {REFS}::CASES[%/overflow/*]"),
    (B, "test_rpow", f"covered: {REFS}::CASES[rpow/2.000**float]"),
    (B, "test_ldexp", f"covered: {REFS}::CASES[ldexp/*]"),
    (B, "test_lerp", f"covered: {REFS}::CASES[lerp/shapes_*]"),
    (B, "test_lerp_lowp", DEV),
    (
        B,
        "test_lerp_lowp_cpu",
        "differs: float16 lerp runs in float16 (NumPy's rule for float16 arithmetic; a Python "
        "weight is cast to float16), torch in float32; here: test_lerp_float16",
    ),
    (B, "test_lerp_tensor_type_promotion", f"covered: {REFS}::CASES[lerp/float32_float64_weight]"),
    (B, "test_logaddexp", f"covered: {REFS}::CASES[logaddexp/*]"),
    (B, "test_logaddexp2", f"covered: {REFS}::CASES[logaddexp2/*]"),
    (B, "test_add", "here: test_add_misc"),
    (B, "test_addsub_half_tensor", DEV + " (CUDA-only float16 kernel)"),
    (B, "test_sub_typing", f"covered: {REFS}::CASES[-/*bool]"),
    (B, "test_mul", f"covered: {REFS}::CASES[*/bool]"),
    (B, "test_bool_tensor_comparison_ops", f"covered: {REFS}::CASES[eq/bool*]"),
    (B, "test_logical", f"covered: {REFS}::CASES[lt/*method*]"),
    (B, "test_atan2", f"covered: {REFS}::CASES[atan2/*]"),
    (B, "test_atan2_edgecases", f"covered: {REFS}::CASES[atan2/signed_zeros]"),
    (B, "test_trapezoid", "here: test_trapezoid"),
    (B, "test_cumulative_trapezoid", "here: test_cumulative_trapezoid"),
    (B, "test_pow_scalar_overloads_mem_overlap", OVERLAP),
    (B, "test_float_power", f"covered: {REFS}::CASES[float_power/*]"),
    (B, "test_float_power_exceptions", f"covered: {REFS}::CASES[in_place/float_power_*]"),
    (B, "test_xlogy_xlog1py", f"covered: {REFS}::CASES[xlog*]"),
    (
        B,
        "test_xlogy_xlog1py_gradients",
        "differs: at x = 0 the x-derivative is log(y) (JAX's; NaN for y < 0, -inf at y = 0) "
        "and the y-derivative 0, torch gives 0 and NaN (docs/semantics.md); "
        "here: test_xlogy_xlog1py_gradients_at_x_zero",
    ),
    (
        B,
        "test_xlogy_xlog1py_scalar_type_promotion",
        "differs: gs.xlogy/xlog1py take SciPy's dtypes (float32 with a Python number is "
        "float64), Tensor.xlogy keeps float32 as torch; here: test_xlogy_scalar_dtype",
    ),
    (B, "test_xlogy_xlog1py_bfloat16", BF16),
    (B, "test_zeta", "here: test_zeta"),
    (B, "test_mul_chalf_tensor_and_cpu_scalar", BF16.replace("bfloat16", "complex32", 1)),
)

# torch's generate_not_implemented_tests: one method per operator of this list
TENSOR_BINARY_OPS = (
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__eq__",
    "__ne__",
    "__add__",
    "__radd__",
    "__iadd__",
    "__sub__",
    "__rsub__",
    "__isub__",
    "__mul__",
    "__rmul__",
    "__imul__",
    "__matmul__",
    "__rmatmul__",
    "__truediv__",
    "__rtruediv__",
    "__itruediv__",
    "__floordiv__",
    "__rfloordiv__",
    "__ifloordiv__",
    "__mod__",
    "__rmod__",
    "__imod__",
    "__pow__",
    "__rpow__",
    "__ipow__",
    "__lshift__",
    "__rlshift__",
    "__ilshift__",
    "__rshift__",
    "__rrshift__",
    "__irshift__",
    "__and__",
    "__rand__",
    "__iand__",
    "__xor__",
    "__rxor__",
    "__ixor__",
    "__or__",
    "__ror__",
    "__ior__",
)
ELEMENTWISE_EQ = (
    "differs: == and != compare with an object of unknown type elementwise "
    "(NumPy's: all False, all True), torch returns NotImplemented (Python's "
    "identity test); "
)
GAPS += tuple(
    (
        B,
        f"test_{op}_not_implemented",
        (ELEMENTWISE_EQ if op in ("__eq__", "__ne__") else "")
        + f"here: test_unknown_operand_gives_not_implemented[{op}]",
    )
    for op in TENSOR_BINARY_OPS
)


def _suite_cases():
    sys.path.insert(0, str(Path(__file__).parent))
    import test_torch_ufunc_refs as refs

    return sorted(refs.CASES)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 52 + 123 + 44
    assert sum(c == U for c, _, _ in GAPS) == 52
    cases = None
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        assert "here:" in where or "covered:" in where or where.startswith("n/a:"), name
        for fn, param in re.findall(r"here: (test_\w+)(?:\[([^\]]+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                values = [v for m in marks for v in m.args[1]]
                assert param in values, (name, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\S+?)(?:[;)]|$|\s)", where):
            if obj.startswith("CASES["):
                cases = cases if cases is not None else _suite_cases()
                pat = obj[len("CASES[") : -1]
                assert fnmatch.filter(cases, pat), (name, pat)
            else:
                text = (Path(__file__).parent / path).read_text()
                assert f"def {obj}(" in text, (name, obj)


# ---- helpers -----------------------------------------------------------------------------------


def _g(a, rg=False):
    return ad.tensor(np.array(a), requires_grad=rg)


def _t(a, rg=False):
    return torch.tensor(np.array(a), requires_grad=rg)


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _same(mine, theirs, rtol=1e-12, atol=0.0, dtype=True):
    mine, theirs = _np(mine), _np(theirs)
    assert mine.shape == theirs.shape, (mine.shape, theirs.shape)
    if dtype:
        assert mine.dtype == theirs.dtype, (mine.dtype, theirs.dtype)
    np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, equal_nan=True)


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---- unary layouts -----------------------------------------------------------------------------

UNARY = {  # name: (gpuad, torch, input transform into the domain)
    "sin": (gnp.sin, torch.sin, None),
    "exp": (gnp.exp, torch.exp, None),
    "log1p": (gnp.log1p, torch.log1p, np.abs),
    "sqrt": (gnp.sqrt, torch.sqrt, np.abs),
    "tanh": (gnp.tanh, torch.tanh, None),
    "abs": (gnp.abs, torch.abs, None),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, None),
    "erf": (gs.erf, torch.special.erf, None),
    "floor": (gnp.floor, torch.floor, "constant"),  # no gradient: piecewise constant
    "neg": (operator.neg, operator.neg, None),
    "atan": (gnp.arctan, torch.atan, None),
}


def _unary_views(kind, base):
    """(contiguous result index, a view of ``base``) pairs: f(view) must equal f(base)[idx]."""
    if kind == "every_other":
        return [(np.s_[::2], lambda a: a[::2])]
    if kind == "transposed":
        return [(None, lambda a: a.T)]
    if kind == "strided":
        return [(np.s_[..., 0], lambda a: a[..., 0])]
    if kind == "index":
        return [(np.s_[:, 1, ...], lambda a: a[:, 1, ...])]
    if kind == "expand":
        return [
            (
                None,
                lambda a: (
                    gnp.broadcast_to(a, (3,) + a.shape)
                    if isinstance(a, ad.Tensor)
                    else a.expand(3, *a.shape)
                ),
            )
        ]
    if kind == "size1":
        return [(np.s_[:1, :50], lambda a: a[:1, :50])]
    if kind == "size1_large_dim":
        return [(np.s_[:1], lambda a: a[:1])]
    return []


UNARY_SHAPES = {
    "every_other": (1026,),
    "transposed": (37, 21),
    "strided": (5, 7, 2),
    "index": (2, 2, 1, 2),
    "expand": (5, 7),
    "size1": (5, 100),
    "size1_large_dim": (5, 2, 3, 1, 4, 5, 3, 2, 1, 2, 3, 4),
    "batch_vs_slicing": (32, 64),
}


@pytest.mark.parametrize("kind", list(UNARY_SHAPES))
def test_unary_layouts(kind):
    rng = _rng(1)
    for name, (g, t, dom) in UNARY.items():
        a = rng.uniform(-3, 3, UNARY_SHAPES[kind])
        a = dom(a) + 0.1 if callable(dom) else a
        whole_g = _np(g(_g(a)))
        if kind == "batch_vs_slicing":
            per_row = np.stack([_np(g(_g(a)[i])) for i in range(a.shape[0])])
            np.testing.assert_array_equal(per_row, whole_g, err_msg=name)
            continue
        for idx, view in _unary_views(kind, a):
            xg, xt = _g(a, True), _t(a, True)
            vg, vt = view(xg), view(xt)
            og, ot = g(vg), t(vt)
            if idx is None:  # transposed / expanded: compare with torch and with the base
                ref = whole_g.T if kind == "transposed" else np.broadcast_to(whole_g, og.shape)
            else:
                ref = whole_g[idx]
            np.testing.assert_array_equal(_np(og), ref, err_msg=f"{name} {kind}")
            _same(og, ot, rtol=1e-13, atol=1e-300)
            if dom == "constant":  # documented: a piecewise constant result needs no grad
                assert not og.requires_grad
                continue
            w = np.arange(1.0, og.size + 1).reshape(og.shape)
            (og * _g(w)).sum().backward()
            (ot * _t(w)).sum().backward()
            _same(xg.grad, xt.grad, rtol=1e-12, atol=1e-300)


# ---- binary layouts ----------------------------------------------------------------------------

BINARY = {
    "add": (operator.add, operator.add, None),
    "mul": (operator.mul, operator.mul, None),
    "div": (operator.truediv, operator.truediv, "nonzero"),
    "remainder": (gnp.remainder, torch.remainder, "nonzero"),
    "pow": (gnp.power, torch.pow, "positive"),
    "atan2": (gnp.arctan2, torch.atan2, None),
    "hypot": (gnp.hypot, torch.hypot, None),
    "maximum": (gnp.maximum, torch.maximum, None),
    "copysign": (gnp.copysign, torch.copysign, None),
    "logaddexp": (gnp.logaddexp, torch.logaddexp, None),
}


def _operands(rng, shape, dom):
    a = rng.uniform(-3, 3, shape)
    b = rng.uniform(-3, 3, shape)
    if dom == "positive":
        a = np.abs(a) + 0.1
    if dom == "nonzero":
        b = np.where(np.abs(b) < 0.1, 0.5, b)
    return a, b


BIN_KINDS = {
    "every_other": (1026,),
    "transposed": (37, 21),
    "strided": (5, 7, 2),
    "index": (2, 2, 1, 2),
    "expand": (5, 7),
    "size1": (5, 100),
    "size1_large_dim": (5, 2, 3, 1, 4, 5, 3, 2, 1, 2, 3, 4),
    "batch_vs_slicing": (32, 64),
    "broadcast": (4, 1, 6),
    "tail": (4096 + 67,),
}


@pytest.mark.parametrize("kind", list(BIN_KINDS))
def test_binary_layouts(kind):
    rng = _rng(2)
    for name, (g, t, dom) in BINARY.items():
        a, b = _operands(rng, BIN_KINDS[kind], dom)
        if kind == "broadcast":  # (4, 1, 6) against (5, 1) and a transposed (6,) row
            b = np.ascontiguousarray(_operands(rng, (1, 5), dom)[1].T)
        full = _np(g(_g(a), _g(b)))
        if kind == "batch_vs_slicing":
            rows = np.stack([_np(g(_g(a)[i], _g(b)[i])) for i in range(a.shape[0])])
            np.testing.assert_array_equal(rows, full, err_msg=name)
            continue
        if kind in ("broadcast", "tail"):
            views, ref = [lambda x: x], full
        else:
            views = [v for _, v in _unary_views(kind, a)]
            idx = _unary_views(kind, a)[0][0]
            ref = (
                full.T
                if kind == "transposed"
                else np.broadcast_to(full, (3,) + full.shape)
                if kind == "expand"
                else full[idx]
            )
        for view in views:
            ga, gb, ta, tb = _g(a, True), _g(b, True), _t(a, True), _t(b, True)
            og, ot = g(view(ga), view(gb)), t(view(ta), view(tb))
            np.testing.assert_array_equal(_np(og), ref, err_msg=f"{name} {kind}")
            _same(og, ot, rtol=1e-13, atol=1e-300)
            w = np.arange(1.0, og.size + 1).reshape(og.shape)
            (og * _g(w)).sum().backward()
            (ot * _t(w)).sum().backward()
            _same(ga.grad, ta.grad, rtol=1e-11, atol=1e-300)
            _same(gb.grad, tb.grad, rtol=1e-11, atol=1e-300)


# ---- values over torch's interesting, large and extremal points ------------------------------

LARGE = [
    0.0,
    -0.001,
    0.001,
    -0.25,
    0.25,
    -1.0,
    1.0,
    -np.pi / 2,
    np.pi / 2,
    -np.pi,
    np.pi,
    -501,
    501,
    -1001.2,
    1001.2,
    -13437.7,
    13437.7,
    -4988429.2,
    4988429.2,
    -1e20,
    1e20,
    1e-30,
    -1e-30,
    88.7,
    -88.7,
    709.7,
    -709.7,
    3e38,
    -3e38,
    np.inf,
    -np.inf,
    np.nan,
]
UNARY_VALUES = {
    "sin": (gnp.sin, torch.sin),
    "cos": (gnp.cos, torch.cos),
    "tan": (gnp.tan, torch.tan),
    "exp": (gnp.exp, torch.exp),
    "exp2": (gnp.exp2, torch.exp2),
    "expm1": (gnp.expm1, torch.expm1),
    "sinh": (gnp.sinh, torch.sinh),
    "cosh": (gnp.cosh, torch.cosh),
    "tanh": (gnp.tanh, torch.tanh),
    "asinh": (gnp.arcsinh, torch.asinh),
    "atan": (gnp.arctan, torch.atan),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid),
    "erf": (gs.erf, torch.erf),
    "erfc": (gs.erfc, torch.erfc),
    "lgamma": (gs.gammaln, torch.lgamma),
    "digamma": (gs.digamma, torch.digamma),
    "sinc": (gnp.sinc, torch.sinc),
    "erfcx": (gs.erfcx, torch.special.erfcx),
    "log_ndtr": (gs.log_ndtr, torch.special.log_ndtr),
    "expit": (gs.expit, torch.special.expit),
    "rad2deg": (gnp.rad2deg, torch.rad2deg),
    "square": (gnp.square, torch.square),
    "reciprocal": (gnp.reciprocal, torch.reciprocal),
    "entr": (gs.entr, torch.special.entr),
    "i0e": (gs.i0e, torch.special.i0e),
    "i1e": (gs.i1e, torch.special.i1e),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "softplus": (F.softplus, TF.softplus),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "elu": (F.elu, TF.elu),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "softsign": (F.softsign, TF.softsign),
}


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_unary_large_and_extremal_values(dt):
    """torch's generate_elementwise_unary_{large,extremal}_value_tensors' points (and a few
    more near overflow) through gpuad and torch: values and dtypes."""
    x = np.array(LARGE, dt)
    rtol, atol = (1e-12, 1e-300) if dt == np.float64 else (2e-5, 1e-37)
    for name, (g, t) in UNARY_VALUES.items():
        with np.errstate(all="ignore"):
            mine = _np(g(_g(x)))
        theirs = _np(t(torch.from_numpy(x)))
        assert mine.dtype == theirs.dtype == dt, name
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, err_msg=name)


def test_unary_gradients_at_large_and_extremal_values():
    """The gradients at the same points in float64: torch's, or, where torch's formula
    rounds (expm1 and sinc near their limits, digamma's derivative, erfcx and log_ndtr far
    out, i1e at NaN), a value that float64 central differences confirm."""
    x = np.array(LARGE, np.float64)
    for name, (g, t) in UNARY_VALUES.items():
        xg, xt = _g(x, True), _t(x, True)
        with np.errstate(all="ignore"):
            g(xg).sum().backward()
        t(xt).sum().backward()
        mine, theirs = _np(xg.grad), _np(xt.grad)
        off = ~np.isclose(mine, theirs, rtol=1e-10, atol=1e-300, equal_nan=True)
        for xi, gi, ti in zip(x[off], mine[off], theirs[off], strict=True):
            if not np.isfinite(xi):  # a limit: 0 (erfcx at inf), NaN (i1e at NaN), or
                # SciPy's polygamma(1, -inf) = inf for digamma (whose value there is NaN)
                assert gi == 0 or not np.isfinite(gi), (name, xi, gi, ti)
                continue
            if not np.isfinite(gi):  # a pole: a non-positive integer (torch's is finite)
                assert xi <= 0 and xi == np.round(xi), (name, xi, gi, ti)
                continue
            # (digamma has a pole at every negative integer: a small absolute step there)
            h = 1e-5 if name == "digamma" else 1e-6 * max(1.0, abs(xi))
            with np.errstate(all="ignore"):
                fp, fm = _np(g(_g(np.array([xi + h])))), _np(g(_g(np.array([xi - h]))))
            fd = (fp[0] - fm[0]) / (2 * h)
            noise = 4 * np.finfo(np.float64).eps * (abs(fp[0]) + abs(fm[0])) / (2 * h)
            assert abs(gi - fd) <= 1e-4 * abs(gi) + noise, (name, xi, gi, ti, fd)


BINARY_VALUES = {  # name: (gpuad, torch, NumPy's or SciPy's, where torch is known to differ)
    "add": (gnp.add, torch.add, np.add, None),
    "sub": (gnp.subtract, torch.sub, np.subtract, None),
    "mul": (gnp.multiply, torch.mul, np.multiply, None),
    "div": (gnp.divide, torch.div, np.divide, None),
    "pow": (gnp.power, torch.pow, np.power, None),
    "atan2": (gnp.arctan2, torch.atan2, np.arctan2, None),
    "hypot": (gnp.hypot, torch.hypot, np.hypot, None),
    # a zero remainder takes the divisor's sign (Python's, NumPy's; torch +0.0); torch's is
    # NaN by a tiny divisor as its fmod
    "remainder": (gnp.remainder, torch.remainder, np.remainder, ("signed_zero", "torch_nan")),
    # torch's fmod by a divisor under ~1e-300 (float32: a huge quotient) is NaN: NumPy's exact
    "fmod": (gnp.fmod, torch.fmod, np.fmod, "torch_nan"),
    "copysign": (gnp.copysign, torch.copysign, np.copysign, None),
    "nextafter": (gnp.nextafter, torch.nextafter, np.nextafter, None),
    "logaddexp": (gnp.logaddexp, torch.logaddexp, np.logaddexp, None),
    "logaddexp2": (gnp.logaddexp2, torch.logaddexp2, np.logaddexp2, "rounding"),
    "xlogy": (gs.xlogy, torch.xlogy, sc.xlogy, None),
    "xlog1py": (gs.xlog1py, torch.special.xlog1py, sc.xlog1py, None),
    "heaviside": (gnp.heaviside, torch.heaviside, np.heaviside, "nan_input"),
    "maximum": (gnp.maximum, torch.maximum, np.maximum, None),
    "minimum": (gnp.minimum, torch.minimum, np.minimum, None),
    "fmax": (gnp.fmax, torch.fmax, np.fmax, "signed_zero"),  # fmax(0.0, -0.0): NumPy's
    "fmin": (gnp.fmin, torch.fmin, np.fmin, "signed_zero"),
    "float_power": (gnp.float_power, torch.float_power, np.float_power, None),
    # SciPy's values: torch's igamma is 0 at NaN arguments, inexact for tiny a, NaN for huge ones
    "gammainc": (gs.gammainc, torch.igamma, sc.gammainc, ("loose", "torch_nan")),
    "gammaincc": (gs.gammaincc, torch.igammac, sc.gammaincc, ("loose", "torch_nan")),
    "zeta": (
        gs.zeta,
        torch.special.zeta,
        sc.zeta,
        ("loose", "torch_nan"),
    ),  # zeta(s, inf) = 0; torch NaN
    "floor_divide": (gnp.floor_divide, torch.floor_divide, np.floor_divide, None),
}


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_binary_large_and_extremal_values(dt):
    """Every pair of torch's interesting points (signed zeros, tiny, huge, subnormal, inf,
    NaN): gpuad against NumPy's (SciPy's) function exactly, and against torch apart from the
    listed kinds of difference."""
    v = np.array(
        [
            0.0,
            -0.0,
            -1e-3,
            1e-3,
            -0.25,
            0.25,
            -1,
            1,
            -2.5,
            2.5,
            -501,
            501,
            -13437.7,
            13437.7,
            -1e20,
            1e20,
            1e-30,
            -1e-30,
            np.inf,
            -np.inf,
            np.nan,
            3e38,
            -3e38,
            1e-310,
        ],
        dt,
    )
    a, b = np.repeat(v, v.size), np.tile(v, v.size)
    rtol = 1e-12 if dt == np.float64 else 2e-5
    for name, (g, t, ref, known) in BINARY_VALUES.items():
        known = () if known is None else (known,) if isinstance(known, str) else known
        with np.errstate(all="ignore"):
            mine = _np(g(_g(a), _g(b)))
            want = ref(a, b)
        theirs = _np(t(torch.from_numpy(a), torch.from_numpy(b)))
        assert mine.dtype == theirs.dtype, (name, mine.dtype, theirs.dtype)
        np.testing.assert_allclose(mine, want.astype(mine.dtype), rtol=1e-15, atol=0, err_msg=name)
        zeros = (mine == 0) & (want == 0)
        assert (np.signbit(mine[zeros]) == np.signbit(want[zeros])).all(), name
        close = np.isclose(mine, theirs, rtol=rtol, atol=0, equal_nan=True)
        if "torch_nan" in known:
            close |= np.isnan(theirs)
        if "nan_input" in known:
            close |= np.isnan(a) | np.isnan(b)
        if "rounding" in known:
            close |= np.isclose(mine, theirs, rtol=rtol, atol=1e-7)
        if "loose" in known:
            close |= np.isnan(a) | np.isnan(b) | np.isinf(b) | (np.abs(a) < 1e-2)
            close |= np.isclose(mine, theirs, rtol=1e-6)
        assert close.all(), (
            name,
            a[~close][:4],
            b[~close][:4],
            mine[~close][:4],
            theirs[~close][:4],
        )
        if "signed_zero" not in known:
            both = (mine == 0) & (theirs == 0)
            assert (np.signbit(mine[both]) == np.signbit(theirs[both])).all(), name


def _near_multiple(a, b):
    with np.errstate(all="ignore"):
        q = a / b
    return ~np.isfinite(q) | (np.abs(q - np.round(q)) < 1e-6 * np.maximum(1, np.abs(q)))


# kinks where the two libraries pick different one-sided or averaged values, or NaN against
# torch's number, each listed in docs/porting.md or docs/semantics.md
_BINARY_KINKS = {
    "fmax": lambda a, b: a == b,
    "fmin": lambda a, b: a == b,  # ties: halves (torch: first)
    "nextafter": lambda a, b: a == b,
    "atan2": lambda a, b: (a == 0) & (b == 0),  # the origin: NaN (JAX's), torch 0
    # a multiple of the divisor: the jump (docs/porting.md: the computed value's quotient)
    "fmod": lambda a, b: _near_multiple(a, b),
    "remainder": lambda a, b: _near_multiple(a, b),
    "xlogy": lambda a, b: a == 0,
    "xlog1py": lambda a, b: a == 0,  # docs/semantics.md
}
GRAD_OPS = (
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "atan2",
    "hypot",
    "remainder",
    "fmod",
    "copysign",
    "nextafter",
    "logaddexp",
    "logaddexp2",
    "xlogy",
    "xlog1py",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "float_power",
)


def test_binary_gradients_at_interesting_points():
    """Gradients of sum(f(a, b)) over every pair of finite points from torch's interesting
    and large values: torch's, or (where the value is finite and no listed kink) one that
    float64 central differences confirm."""
    v = np.array(
        [
            -1e-3,
            1e-3,
            -0.25,
            0.25,
            -1,
            1,
            -2.5,
            2.5,
            -501,
            501,
            -13437.7,
            13437.7,
            1e-30,
            -1e-30,
            0.0,
            -0.0,
        ]
    )
    a, b = np.repeat(v, v.size), np.tile(v, v.size)
    for name in GRAD_OPS:
        g, t = BINARY_VALUES[name][:2]
        ga, gb, ta, tb = _g(a, True), _g(b, True), _t(a, True), _t(b, True)
        with np.errstate(all="ignore"):
            value = _np(g(ga, gb))
            g(ga, gb).sum().backward()
        t(ta, tb).sum().backward()
        kink = _BINARY_KINKS.get(name, lambda a, b: np.zeros(a.shape, bool))(a, b)
        for k, (mine, theirs) in enumerate(((ga.grad, ta.grad), (gb.grad, tb.grad))):
            mine, theirs = _np(mine), _np(theirs)
            off = ~np.isclose(mine, theirs, rtol=1e-9, atol=1e-300, equal_nan=True)
            off &= np.isfinite(value) & ~kink
            for idx in np.flatnonzero(off):
                args = [a[idx], b[idx]]
                h = 1e-6 * max(1.0, abs(args[k]))
                with np.errstate(all="ignore"):
                    fp = _np(g(*[_g(np.array([x + h * (j == k)])) for j, x in enumerate(args)]))
                    fm = _np(g(*[_g(np.array([x - h * (j == k)])) for j, x in enumerate(args)]))
                fd = (fp[0] - fm[0]) / (2 * h)
                noise = 4 * np.finfo(np.float64).eps * (abs(fp[0]) + abs(fm[0])) / (2 * h)
                gi = mine[idx]
                assert abs(gi - fd) <= 1e-4 * abs(gi) + noise, (name, k, args, gi, theirs[idx])


# ---- unary special cases -----------------------------------------------------------------------

DOMAINS = {  # name: (gpuad, torch, low, high)
    "log": (gnp.log, torch.log, 0.0, None),
    "log2": (gnp.log2, torch.log2, 0.0, None),
    "log10": (gnp.log10, torch.log10, 0.0, None),
    "log1p": (gnp.log1p, torch.log1p, -1.0, None),
    "sqrt": (gnp.sqrt, torch.sqrt, 0.0, None),
    "acos": (gnp.arccos, torch.acos, -1.0, 1.0),
    "asin": (gnp.arcsin, torch.asin, -1.0, 1.0),
    "acosh": (gnp.arccosh, torch.acosh, 1.0, None),
    "atanh": (gnp.arctanh, torch.atanh, -1.0, 1.0),
    "erfinv": (gs.erfinv, torch.erfinv, -1, 1),
    "logit": (gs.logit, torch.logit, 0.0, 1.0),
    "rsqrt": (lambda x: x.rsqrt(), torch.rsqrt, 0.0, None),
    "ndtri": (gs.ndtri, torch.special.ndtri, 0.0, 1.0),
}


def test_float_domains():
    eps = (1e-5, 1e-3, 1e-1, 1, 2, 10, 20, 50, 100)
    for name, (g, t, low, high) in DOMAINS.items():
        for dt in (np.float32, np.float64):
            xs = [dt(low) - dt(e) for e in eps if low is not None]
            xs += [dt(high) + dt(e) for e in eps if high is not None]
            x = np.array([v for v in xs if v != low and v != high], dtype=dt)
            with np.errstate(invalid="ignore", divide="ignore"):
                mine = _np(g(_g(x)))
            theirs = _np(t(torch.from_numpy(x)))
            assert np.isnan(theirs).all(), name
            assert np.isnan(mine).all(), (name, dt, x[~np.isnan(mine)])
            assert mine.dtype == dt, (name, mine.dtype)


def test_complex_edge_values():
    """sqrt and arccos of complex numbers far from the unit circle: no overflow in between."""
    for v in (0.0 - 1.0e20j, -1.0e60 - 4988429.2j, 1e-300 + 1e300j):
        x = np.array([v])
        for g, t, ref in ((gnp.sqrt, torch.sqrt, np.sqrt), (gnp.arccos, torch.acos, np.arccos)):
            mine = _np(g(_g(x)))
            np.testing.assert_allclose(mine, _np(t(torch.from_numpy(x))), rtol=1e-13)
            np.testing.assert_allclose(mine, ref(x), rtol=1e-13)
            assert np.isfinite(mine).all()


def test_digamma_special_values():
    euler = 0.57721566490153286
    xs = np.array([0.0, 1, 0.5, 1 / 3, 1 / 4, 1 / 6, 1 / 8, -0.0])
    for dt in (np.float32, np.float64):
        x = xs.astype(dt)
        mine = _np(gs.digamma(_g(x)))
        theirs = _np(torch.special.digamma(torch.from_numpy(x)))
        np.testing.assert_allclose(mine, sc.digamma(x), rtol=1e-6 if dt == np.float32 else 1e-14)
        np.testing.assert_allclose(mine, theirs, rtol=1e-6 if dt == np.float32 else 1e-14)
        assert mine.dtype == dt
    assert abs(_np(gs.digamma(_g(1.0))) + euler) < 1e-15
    # at 0 the function is -inf from the right, +inf from the left: torch and SciPy say -inf
    # at +0 and +inf (or NaN) at -0; the sign matters for anyone summing digammas
    np.testing.assert_array_equal(_np(gs.digamma(_g([0.0, -0.0]))), sc.digamma([0.0, -0.0]))


def test_frexp():
    rng = _rng(3)
    for dt in (np.float16, np.float32, np.float64):
        x = (rng.standard_normal(50) * 10.0 ** rng.integers(-5, 5, 50)).astype(dt)
        x[:4] = [0.0, -0.0, np.inf, np.nan]
        m, e = gnp.frexp(_g(x))
        mt, et = torch.frexp(torch.from_numpy(x))
        _same(m, mt, rtol=0)
        assert np.asarray(e).dtype == np.int32 == et.numpy().dtype
        np.testing.assert_array_equal(np.asarray(e)[4:], et.numpy()[4:])
    # integers: NumPy's frexp computes them as float64, torch refuses (the listed difference)
    m, e = gnp.frexp(_g(np.arange(5)))
    np.testing.assert_array_equal(_np(m), np.frexp(np.arange(5))[0])
    with pytest.raises(RuntimeError, match="floating-point"):
        torch.frexp(torch.arange(5))
    # complex: both refuse
    with pytest.raises(TypeError):
        gnp.frexp(_g(np.ones(3) + 1j))
    with pytest.raises(RuntimeError):
        torch.frexp(torch.ones(3, dtype=torch.complex128))


def test_op_invert():
    for dt in (np.uint8, np.int8, np.int16, np.int32, np.int64):
        a = np.arange(127).astype(dt)
        _same(~_g(a), ~torch.from_numpy(a), rtol=0)
    _same(~_g([False, True]), ~torch.tensor([False, True]), rtol=0)
    for dt in (np.float16, np.float32, np.float64):
        with pytest.raises(TypeError):
            ~torch.zeros(3, dtype=getattr(torch, np.dtype(dt).name))
        with pytest.raises(TypeError, match="integers"):
            ~_g(np.zeros(3, dt))


ACTS = {  # name: (gpuad, torch, in-place available)
    "hardshrink": (lambda x: F.hardshrink(x, 0.3), lambda x: TF.hardshrink(x, 0.3), False),
    "hardswish": (F.hardswish, TF.hardswish, True),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid, True),
    "silu": (F.silu, TF.silu, True),
    "mish": (F.mish, TF.mish, True),
    "threshold": (
        lambda x, **k: F.threshold(x, 0.2, -1.0, **k),
        lambda x, **k: TF.threshold(x, 0.2, -1.0, **k),
        True,
    ),
}


@pytest.mark.parametrize("name", list(ACTS))
def test_activations(name):
    g, t, has_inplace = ACTS[name]
    special = [-1000, -6, -4, -3, -2, -1, -0.5, -0.1, 0, 0.2, 0.3, 0.5, 1, 2, 3, 4, 6, 1000]
    x = np.concatenate([_rng(4).standard_normal(40), special]).reshape(-1, 2)
    for dt, rtol in ((np.float64, 1e-13), (np.float32, 1e-6)):
        xv = x.astype(dt)
        for view in (lambda a: a, lambda a: a.T):
            _same(g(view(_g(xv))), t(view(torch.from_numpy(xv))), rtol=rtol, atol=1e-30)
            if has_inplace:
                xg, xt = _g(xv.copy()), torch.from_numpy(xv.copy())
                og, ot = g(view(xg), inplace=True), t(view(xt), inplace=True)
                _same(og, ot, rtol=rtol, atol=1e-30)
                _same(xg, xt, rtol=rtol, atol=1e-30)  # written through the view
    # gradients, including at the kinks torch's hardsigmoid test picks (+-3 give 0)
    xg, xt = _g(x, True), _t(x, True)
    g(xg).sum().backward()
    t(xt).sum().backward()
    # (torch's float64 hardsigmoid backward multiplies by a float32 1/6: rtol 1e-7)
    _same(xg.grad, xt.grad, rtol=1e-7, atol=1e-300)
    smooth = x[np.all(np.abs(np.abs(x) - np.array([[3.0, 0.3, 0.2]]).T[..., None]) > 0.05, axis=0)]
    check_grads(g, [smooth[np.abs(smooth) < 50]], order=1)


def test_hardshrink_edge_cases():
    for dt in (np.float32, np.float64):
        fi = np.finfo(dt)
        vals = np.array(
            [0.0, fi.tiny, -fi.tiny, 0.1, -0.1, 1, -1, fi.max, -fi.max, np.inf, -np.inf], dt
        )
        for lam in (0.0, fi.tiny, 0.1, 1.0, fi.max, np.inf):
            _same(F.hardshrink(_g(vals), lam), TF.hardshrink(torch.from_numpy(vals), lam), rtol=0)


def test_sinc_gradient_at_zero_and_tiny():
    a = np.array([0.0, np.finfo(np.float64).tiny, 1.0])
    xg, xt = _g(a, True), _t(a, True)
    gnp.sinc(xg).sum().backward()
    torch.sinc(xt).sum().backward()
    np.testing.assert_allclose(_np(xg.grad), _np(xt.grad), rtol=1e-14, atol=1e-300)
    # the exact derivative near 0 is -(pi**2 / 3) x: gpuad has it at tiny (torch rounds to 0)
    assert _np(xg.grad)[1] == pytest.approx(-(np.pi**2) / 3 * a[1], rel=1e-12)
    check_grads(gnp.sinc, [np.array([0.0, 1e-8, 0.3, 1.0, 2.5])], order=2)


def test_log1p_complex():
    ins = np.array(
        [
            0.2 + 0.3j,
            1e-19 + 1e-18j,
            1e-18 + 0.1j,
            0.1 + 1e-18j,
            0.5 + 0j,
            0.5j,
            2 + 1j,
            -1 + 2j,
            2j,
            -2j,
            -1 + 1e250j,
            1e250 + 1j,
            1e250 + 1e250j,
            1e-250 + 1e250j,
            1e-250 + 2e-250j,
            1e250 + 1e-250j,
        ]
    )
    mine = _np(gnp.log1p(_g(ins)))
    theirs = _np(torch.log1p(torch.from_numpy(ins)))
    assert not np.isnan(mine).any()
    np.testing.assert_allclose(mine.real, theirs.real, rtol=1e-6, atol=0)
    np.testing.assert_allclose(mine.imag, theirs.imag, rtol=1e-6, atol=0)
    ins32 = np.array([0.2 + 0.3j, 1e-30 + 2e-30j, 1e30 + 1j, -1 + 1e30j], np.complex64)
    _same(gnp.log1p(_g(ins32)), torch.log1p(torch.from_numpy(ins32)), rtol=1e-5)


def test_igamma_common():
    v = np.logspace(-4, 4, 200, base=np.e)[:, None]
    pairs = [
        (v, v.T),
        (v, v),
        (v, 0.5 * v),
        (v, 2.0 * v),
        (v[::2], v[::2]),
        (v[::2], v[:100]),
        (v[:100], v[::2]),
    ]
    for a, x in pairs:
        for g, t, s in (
            (gs.gammainc, torch.igamma, sc.gammainc),
            (gs.gammaincc, torch.igammac, sc.gammaincc),
        ):
            mine = _np(g(_g(a), _g(x)))
            np.testing.assert_allclose(mine, s(a, x), rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(mine, _np(t(_t(a), _t(x))), rtol=1e-8, atol=1e-300)


def test_igamma_edge_cases():
    inf, nan = np.inf, np.nan
    zeros, infs = np.zeros(3), np.full(3, inf)
    zero_to_large, small_to_inf = np.array([0.0, 1.0, 1e3]), np.array([1e-3, 1.0, inf])
    pairs = [
        (zeros, small_to_inf),
        (small_to_inf, zeros),
        (infs, zero_to_large),
        (zero_to_large, infs),
        (zeros, zeros),
        (infs, infs),
        (-small_to_inf, small_to_inf),
    ]
    for dt in (np.float32, np.float64):
        for a, x in pairs:
            a, x = a.astype(dt), x.astype(dt)
            for g, t in ((gs.gammainc, torch.igamma), (gs.gammaincc, torch.igammac)):
                with np.errstate(invalid="ignore"):
                    mine = _np(g(_g(a), _g(x)))
                theirs = _np(t(torch.from_numpy(a), torch.from_numpy(x)))
                np.testing.assert_array_equal(mine, theirs, err_msg=f"{g.__name__} {a} {x}")
                assert mine.dtype == dt
    assert nan != nan


def test_bessel_i_vs_scipy_and_torch():
    rng = _rng(5)
    fns = (
        (gs.i0, torch.special.i0, sc.i0),
        (gs.i0e, torch.special.i0e, sc.i0e),
        (gs.i1, torch.special.i1, sc.i1),
        (gs.i1e, torch.special.i1e, sc.i1e),
    )
    for dt, ranges in ((np.float32, (13.25, 88.5)), (np.float64, (13.25, 88.5, 709.75))):
        fi = np.finfo(dt)
        xs = [rng.random(300).astype(dt) * r * s for r in ranges for s in (1, -1)]
        xs += [
            np.linspace(-1e7, 1e7, 1001).astype(dt),
            np.array([], dt),
            np.array([fi.min, fi.max, fi.eps, fi.tiny], dt),
        ]
        for x in xs:
            for g, t, s in fns:
                with np.errstate(over="ignore"):
                    mine = _np(g(_g(x)))
                    ref = s(x)
                assert mine.dtype == dt, (g.__name__, mine.dtype)
                rtol = 2e-6 if dt == np.float32 else 1e-13
                np.testing.assert_allclose(mine, ref, rtol=rtol, atol=0)
                np.testing.assert_allclose(mine, _np(t(torch.from_numpy(x))), rtol=rtol * 10)
    x = np.array([np.inf, -np.inf, np.nan])
    assert np.isnan(_np(gs.i0(_g(x)))[2]) and np.isnan(_np(torch.i0(torch.from_numpy(x)))[2])
    np.testing.assert_array_equal(_np(gs.i0(_g(x))), sc.i0(x))


def test_ndtr_log_ndtr_at_finfo_points():
    for dt in (np.float32, np.float64):
        fi = np.finfo(dt)
        x = np.array([fi.min, fi.max, fi.eps, fi.tiny, -10, -1, 0, 1, 10, -40], dt)
        for g, t, s in (
            (gs.ndtr, torch.special.ndtr, sc.ndtr),
            (gs.log_ndtr, torch.special.log_ndtr, sc.log_ndtr),
        ):
            mine = _np(g(_g(x)))
            assert mine.dtype == dt
            rtol = 1e-6 if dt == np.float32 else 1e-14
            # SciPy's float32 ndtr underflows to 0 at -10 (7.6e-24 is a float32): float64's
            np.testing.assert_allclose(mine, s(x.astype(np.float64)).astype(dt), rtol=rtol, atol=0)
            # (torch's ndtr is (1 + erf(x / sqrt(2))) / 2: 0 at -10, where gpuad keeps 7.6e-24)
            np.testing.assert_allclose(mine, _np(t(torch.from_numpy(x))), rtol=rtol, atol=1e-20)


def test_abs_big_number_and_signed_zero():
    _same(abs(_g([2**31 + 1])), torch.tensor([2**31 + 1]).abs(), rtol=0)
    for dt in (np.float32, np.float64):
        z = np.zeros(129, dt)
        z[::2] = -0.0
        out = _np(gnp.abs(_g(z)))
        assert not np.signbit(out).any()
        assert not np.signbit(_np(_g(z).abs())).any()


def test_nonzero_empty():
    """torch's two forms with ``as_tuple=``; without it ``t.nonzero()`` is ndarray's (a tuple
    of index arrays, the listed difference)."""
    for x in (
        np.zeros((0, 2, 0, 5, 0)),
        np.array(0.5),
        np.zeros(()),
        np.array([[0, 1.0], [2.0, 0]]),
    ):
        mine, theirs = _g(x).nonzero(as_tuple=False), torch.from_numpy(x).nonzero()
        _same(mine, theirs, rtol=0)
        mine = _g(x).nonzero(as_tuple=True)
        theirs = torch.from_numpy(x).nonzero(as_tuple=True)
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs, strict=True):
            _same(m, t, rtol=0)
    plain = _g(np.array([[0, 1.0], [2.0, 0]])).nonzero()
    assert isinstance(plain, tuple) and len(plain) == 2  # NumPy's (torch: a (2, 2) tensor)
    np.testing.assert_array_equal(np.asarray(plain[0]), [0, 1])


# ---- binary special cases ----------------------------------------------------------------------


def test_not_broadcastable():
    for sa, sb in (((2,), (3,)), ((3, 1), (2, 1)), ((1, 3, 2), (3,)), ((3, 1, 2), (2, 1, 2))):
        for g, t in list((v[0], v[1]) for v in BINARY.values()):
            with pytest.raises(RuntimeError):
                t(torch.ones(sa), torch.ones(sb))
            with pytest.raises(ValueError, match=re.escape(str(sa))):
                g(_g(np.ones(sa)), _g(np.ones(sb)))


def test_add_broadcast_empty():
    for sa, sb in (
        ((0,), (5, 0)),
        ((0,), (5, 0, 1)),
        ((), (5, 0, 6)),
        ((0,), (1,)),
        ((0, 7, 0, 6, 5, 0, 1), (1, 1, 5, 1, 7)),
    ):
        _same(
            _g(np.ones(sa)) + _g(np.ones(sb)),
            torch.ones(sa, dtype=torch.float64) + torch.ones(sb, dtype=torch.float64),
        )
    for sa, sb in (((5, 0), (0, 5)), ((7, 0), (2, 1))):
        with pytest.raises(RuntimeError):
            torch.ones(sa) + torch.ones(sb)
        with pytest.raises(ValueError):
            _g(np.ones(sa)) + _g(np.ones(sb))


def test_addcmul_value_0d_tensor():
    """A 0-d tensor ``value=`` without grad acts as the number (torch's); one that requires
    grad is differentiated (torch raises TypeError): d/dvalue = t1 * t2, checked here and
    against central differences."""
    y = np.array(3.0)
    _same(_g(y).addcmul(_g(y), _g(y), value=2.0), _t(y).addcmul(_t(y), _t(y), value=2.0))
    _same(
        _g(y).addcmul(_g(y), _g(y), value=_g(2.0)),
        _t(y).addcmul(_t(y), _t(y), value=torch.tensor(2.0)),
    )
    with pytest.raises(TypeError):
        _t(y).addcmul(_t(y), _t(y), value=torch.tensor(2.0, requires_grad=True))
    v, yg = _g(2.0, True), _g([3.0, 1.0], True)
    out = yg.addcmul(yg, yg, value=v)
    out.sum().backward()
    assert float(_np(v.grad)) == 10.0
    np.testing.assert_array_equal(_np(yg.grad), [13.0, 5.0])
    check_grads(
        lambda a, b, c: a.addcmul(b, c, value=1.5),
        [np.array([0.5, 1.0]), np.array([2.0, -1.0]), np.array([0.3, 0.7])],
    )


def test_bitwise_operators_and_in_place():
    rng = _rng(6)
    ops = (operator.and_, operator.or_, operator.xor)
    iops = (operator.iand, operator.ior, operator.ixor)
    for dt in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64):
        for shape in ((5,), (15, 15)):
            a = rng.integers(-100, 100, shape).astype(dt)
            b = rng.integers(-100, 100, shape).astype(dt)
            s = dt(rng.integers(0, 100)).item()
            for op, iop in zip(ops, iops, strict=True):
                _same(op(_g(a), _g(b)), op(torch.from_numpy(a), torch.from_numpy(b)), rtol=0)
                _same(op(_g(a), s), op(torch.from_numpy(a), s), rtol=0)
                _same(op(s, _g(a)), op(s, torch.from_numpy(a)), rtol=0)
                xg, xt = _g(a.copy()), torch.from_numpy(a.copy())
                keep = xg
                xg = iop(xg, _g(b))
                iop(xt, torch.from_numpy(b))
                assert xg is keep
                _same(xg, xt, rtol=0)


def test_inplace_dunders_keep_the_tensor():
    for t in (_g(np.random.default_rng(0).random(5)), _g(np.ones((5, 5)))):
        before, arr = id(t), t
        t += 1
        t -= 1
        t *= 1
        t /= 2
        t **= 1
        t //= 1
        t %= 1
        assert id(t) == before and t is arr
    x = _g(np.arange(5.0))
    x /= 2
    _same(x, torch.arange(5.0, dtype=torch.float64) / 2)


def test_idiv_and_ifloordiv_vs_python():
    for a in range(-5, 5):
        for b in (-3, -2, 2, 3, -1.5, 2.5):
            for conv in (lambda v: v * 0.5, float, int):
                av = conv(a)
                ga, ta = (
                    _g(av),
                    torch.tensor(av, dtype=torch.float64 if isinstance(av, float) else torch.int64),
                )
                if isinstance(av, float):
                    t0 = ga.clone()
                    t0 /= b
                    assert float(_np(t0)) == av / b
                    t1 = ga.clone()
                    t1 //= b
                    assert float(_np(t1)) == av // b
                else:
                    with pytest.raises(RuntimeError):
                        tt = ta.clone()
                        tt /= b
                    with pytest.raises(TypeError, match="cast"):
                        tg = ga.clone()
                        tg /= b
                    tg = ga.clone()
                    if isinstance(b, float):  # NumPy: int //= float cannot cast, as torch
                        with pytest.raises(TypeError):
                            tg //= b
                    else:
                        tg //= b
                        tt = ta.clone()
                        tt //= b
                        assert int(_np(tg)) == av // b == int(tt)


def test_floor_div_extremal():
    for dt in (np.float16, np.float32, np.float64):
        num = np.finfo(dt).max * dt(0.7)
        for den in (0.5, -0.5, 0.0):
            for shape in ((), (32,)):
                a, b = np.full(shape, num, dt), np.full(shape, den, dt)
                with np.errstate(all="ignore"):
                    mine = _g(a).div(_g(b), rounding_mode="floor")
                    ref = np.floor_divide(a, b)
                theirs = torch.from_numpy(a).div(torch.from_numpy(b), rounding_mode="floor")
                _same(mine, theirs, rtol=0)
                _same(mine, ref, rtol=0)


def test_complex_div_underflow_overflow():
    for dt in (np.complex64, np.complex128):
        fi = np.finfo(dt)
        mn, mx, tiny = fi.min / 2, fi.max / 2, fi.tiny
        num = np.array(
            [complex(mn, mn), complex(mx, mx), complex(tiny, tiny), complex(tiny, 0.0), 0j], dt
        )
        den = np.array(
            [
                complex(mn, mn),
                complex(mx, mx),
                complex(tiny, tiny),
                complex(0.0, tiny),
                complex(tiny, tiny),
            ],
            dt,
        )
        mine = _g(num) / _g(den)
        _same(mine, torch.from_numpy(num) / torch.from_numpy(den), rtol=1e-6)
        _same(mine, np.array([1, 1, 1, -1j, 0], dt), rtol=1e-6)
        # and the gradient of a well-scaled quotient is finite where the value is
        ng, dg = _g(num[2:3], True), _g(den[2:3], True)
        gnp.real(ng / dg).sum().backward()
        assert np.isfinite(_np(ng.grad)).all()


def test_pow_inplace_resizing_raises():
    for bs, es in (((), (3,)), ((2,), (2, 1)), ((2, 1), (2, 2)), ((2, 2), (2, 1, 1))):
        with pytest.raises(RuntimeError, match="broadcast shape"):
            torch.ones(bs, dtype=torch.float64).pow_(torch.ones(es, dtype=torch.float64))
        base = _g(np.ones(bs))
        with pytest.raises(RuntimeError, match="cannot change the shape"):
            base.pow_(_g(np.ones(es)))
        with pytest.raises(ValueError):
            b2 = _g(np.ones(bs))
            b2 **= _g(np.ones(es))


def test_logical_xor_unaligned_slices():
    rng = _rng(7)
    a, b = rng.random(128) > 0.5, rng.random(128) > 0.5
    for i in (1, 2, 4, 8, 15):
        for j in (1, 2, 4, 8, 15):
            mine = gnp.logical_xor(_g(a)[i : 100 + i], _g(b)[j : 100 + j])
            _same(
                mine,
                torch.logical_xor(
                    torch.from_numpy(a)[i : 100 + i], torch.from_numpy(b)[j : 100 + j]
                ),
                rtol=0,
            )


def test_maximum_minimum_subgradient():
    """Ties split the gradient in halves, as torch's maximum/minimum (torch's fmax/fmin give
    the whole of it to the first argument; gpuad's split it as maximum/minimum: the sums
    agree, each is a subgradient)."""
    for g, t in ((gnp.fmax, torch.fmax), (gnp.fmin, torch.fmin)):
        ga, gb = _g([0.0, 1.0, 2.0], True), _g([1.0, 1.0, 1.0], True)
        ta, tb = _t([0.0, 1.0, 2.0], True), _t([1.0, 1.0, 1.0], True)
        g(ga, gb).sum().backward()
        t(ta, tb).sum().backward()
        _same(ga.grad + gb.grad, ta.grad + tb.grad, rtol=0)
        _same(ga.grad, [0.0, 0.5, 1.0] if g is gnp.fmax else [1.0, 0.5, 0.0], rtol=0)
    for g, t in ((gnp.maximum, torch.maximum), (gnp.minimum, torch.minimum)):
        for da, db in (
            (np.float64, np.float64),
            (np.float32, np.float64),
            (np.float16, np.float32),
        ):
            a, b = np.array([0.0, 1.0, 2.0], da), np.array([1.0, 1.0, 1.0], db)
            ga, gb, ta, tb = _g(a, True), _g(b, True), _t(a, True), _t(b, True)
            g(ga, gb).sum().backward()
            t(ta, tb).sum().backward()
            _same(ga.grad, ta.grad, rtol=0)
            _same(gb.grad, tb.grad, rtol=0)


def test_maximum_minimum_forward_mode():
    rng = _rng(8)
    x, y, tx, ty = (rng.standard_normal(3).astype(np.float32) for _ in range(4))
    for g, pick in ((gnp.maximum, x > y), (gnp.minimum, x < y)):
        out, tan = ad.jvp(g, (x, y), (tx, ty))
        np.testing.assert_array_equal(np.asarray(tan), np.where(pick, tx, ty))
        assert np.asarray(tan).dtype == np.float32
    import torch.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        r = torch.maximum(
            fwAD.make_dual(torch.from_numpy(x), torch.from_numpy(tx)),
            fwAD.make_dual(torch.from_numpy(y), torch.from_numpy(ty)),
        )
        theirs = fwAD.unpack_dual(r).tangent.numpy()
    np.testing.assert_array_equal(np.asarray(ad.jvp(gnp.maximum, (x, y), (tx, ty))[1]), theirs)


def test_csub():
    rng = _rng(9)
    a, b = rng.standard_normal((10, 9)), rng.standard_normal((10, 9))
    r1 = _g(a).add(_g(b), alpha=-1)
    r2 = _g(a.copy())
    r2.sub_(_g(b))
    _same(r1, r2, rtol=0)
    _same(r1, torch.from_numpy(a).add(torch.from_numpy(b), alpha=-1), rtol=0)
    r3 = _g(a.copy())
    r3.sub_(123.5)
    _same(r3, _g(a).add(-123.5), rtol=0)


def test_copysign_subgradient():
    """The derivative in the magnitude is sign(x) * sign(copysign(x, y)) away from x = 0 and a
    zero at x = 0 (torch's 0.0, gpuad's zero may carry a sign); in the sign argument 0."""
    for x, y in (
        ([0.0] * 3, [-1.0, 0.0, 1.0]),
        ([-0.0] * 3, [-1.0, 0.0, 1.0]),
        ([-1.0, 0.0, 1.0], [0.0] * 3),
        ([-1.0, 0.0, 1.0], [-0.0] * 3),
    ):
        for dx, dy in ((np.float64, np.float64), (np.float32, np.float64)):
            gx, gy = _g(np.array(x, dx), True), _g(np.array(y, dy), True)
            tx, ty = _t(np.array(x, dx), True), _t(np.array(y, dy), True)
            gnp.copysign(gx, gy).sum().backward()
            torch.copysign(tx, ty).sum().backward()
            _same(gx.grad, tx.grad, rtol=0)
            _same(gy.grad, ty.grad, rtol=0)


def test_div_in_place_on_a_column():
    m = _rng(10).standard_normal((10, 10))
    for name in ("div_", "true_divide_"):
        g, t = _g(m.copy()), torch.from_numpy(m.copy())
        getattr(g[:, 3], name)(2)
        getattr(t[:, 3], name)(2)
        _same(g, t, rtol=0)
    a1, a2 = np.array([4.2, 6.2], np.float32), np.array([2.0, 2.0], np.float32)
    for name in ("div", "true_divide"):
        _same(
            getattr(_g(a1), name)(_g(a2)),
            getattr(torch.from_numpy(a1), name)(torch.from_numpy(a2)),
            rtol=0,
        )


def test_float16_with_a_large_python_scalar():
    """NumPy's rule: the Python float is a float16 first (1e5 -> inf), so 100 / 1e5 is 0 and
    1e-5 * 1e5 is inf, as in NumPy; torch computes in float32 and rounds once."""
    h = np.array(100.0, np.float16)
    with np.errstate(over="ignore"):
        assert _np(_g(h).div(1e5)) == h / 1e5 == 0.0
        small = np.array(1e-5, np.float16)
        assert _np(_g(small) * 1e5) == small * 1e5 == np.inf
    assert float(torch.tensor(100.0, dtype=torch.half).div(1e5)) == pytest.approx(1e-3, 1e-3)
    # a float32 or float64 tensor computes these exactly as torch does
    for dt in (np.float32, np.float64):
        _same(
            _g(np.array(100.0, dt)) / 1e5,
            torch.tensor(100.0, dtype=getattr(torch, np.dtype(dt).name)) / 1e5,
            rtol=0,
        )


def test_muldiv_scalar():
    rng = _rng(11)
    for dt in (np.float16, np.float32, np.float64, np.int32, np.int64, np.complex128):
        x = (rng.standard_normal((10, 3)) * 5).astype(dt)
        x[x == 0] = 1
        s = dt(3).item()
        y = np.full_like(x, s)
        for f in (lambda a, b: a * b, lambda a, b: b * a, lambda a, b: a / b, lambda a, b: b / a):
            with np.errstate(all="ignore"):
                _same(f(_g(x), s), f(_g(x), _g(y)), rtol=0)


def test_rdiv():
    rng = _rng(12)
    for dt in (np.float32, np.float64, np.int32, np.int64, np.uint8, np.complex128):
        x = ((rng.random(100) + 1) * 4).astype(dt)
        mine, theirs = 30 / _g(x), 30 / torch.from_numpy(x)
        np.testing.assert_allclose(_np(mine), _np(theirs), rtol=1e-6)
        np.testing.assert_allclose(_np(mine), 30 / x, rtol=1e-15)


def test_remainder_fmod_large_dividend():
    for dt in (np.float32, np.float64):
        for a in (1e9, -1e9):
            for b in (3.14159265358979, -3.14159265358979):
                av, bv = np.array([a], dt), np.array([b], dt)
                c, d = _np(gnp.remainder(_g(av), _g(bv))), _np(gnp.fmod(_g(av), _g(bv)))
                _same(c, torch.remainder(torch.from_numpy(av), torch.from_numpy(bv)), rtol=0)
                _same(d, torch.fmod(torch.from_numpy(av), torch.from_numpy(bv)), rtol=0)
                assert (bv[0] > 0) == (c[0] > 0) and (av[0] > 0) == (d[0] > 0)
                assert abs(c[0]) < abs(bv[0]) and abs(d[0]) < abs(bv[0])


def test_lerp_float16():
    """The listed difference: lerp of float16 tensors is computed in float16, as NumPy's
    arithmetic would be; where the float32 result is in range both agree."""
    x, y = np.array([0.0, -3.0, 1.5], np.float16), np.array([0.1, -2.0, 2.5], np.float16)
    for w in (0.25, 0.75, np.full(3, 0.4, np.float16)):
        wg = _g(w) if isinstance(w, np.ndarray) else w
        wt = torch.from_numpy(w) if isinstance(w, np.ndarray) else w
        _same(_g(x).lerp(_g(y), wg), torch.from_numpy(x).lerp(torch.from_numpy(y), wt), rtol=1e-3)
    with np.errstate(over="ignore", invalid="ignore"):
        mine = _np(_g(x).lerp(_g(y), 70000))  # the Python weight is float16: inf
    assert np.isinf(mine[0]) or np.isnan(mine[0])


def test_add_misc():
    one = _g(np.array(1, np.uint8))
    _same(gnp.add(one, 1), torch.add(torch.tensor(1, dtype=torch.uint8), 1), rtol=0)
    m1 = np.array([True, False, False, True, False, False])
    m2 = np.array([True, True, False, False, False, True])
    _same(_g(m1) + _g(m2), torch.from_numpy(m1) + torch.from_numpy(m2), rtol=0)
    z = np.zeros((2, 3), bool)
    _same(_g(z).add(_g(z), alpha=0), torch.from_numpy(z).add(torch.from_numpy(z), alpha=0), rtol=0)
    _same(
        _g([1.0]) + _g(np.array([])),
        torch.tensor([1.0], dtype=torch.float64) + torch.tensor([], dtype=torch.float64),
    )
    a = np.random.default_rng(0).standard_normal((10, 10))
    _same(_g(a) + _g(a).T, torch.from_numpy(a) + torch.from_numpy(a).T, rtol=0)
    _same(_g(a) + 3, _g(a) + _g(np.array(3)), rtol=0)
    _same(3 + _g(a), _g(np.array(3)) + _g(a), rtol=0)
    # alpha of the wrong kind raises in both
    i8 = np.array([1], np.int8)
    for alpha in (True, 1.0):
        with pytest.raises(RuntimeError):
            torch.add(torch.from_numpy(i8), torch.from_numpy(i8), alpha=alpha)
        with pytest.raises((TypeError, ValueError)):
            _g(i8).add(_g(i8), alpha=alpha)
    f = np.array([3.0, 4.0])
    with pytest.raises(RuntimeError):
        torch.add(torch.from_numpy(f), torch.from_numpy(f), alpha=0.1 + 0.2j)
    with pytest.raises((TypeError, ValueError)):
        _g(f).add(_g(f), alpha=0.1 + 0.2j)


def test_trapezoid():
    rng = _rng(13)
    for sizes, dim, dx in (
        ((2, 3, 4), 1, 1),
        ((10, 2), 0, 0.1),
        ((1, 10), 0, 2.3),
        ((0, 2), 0, 1.0),
        ((0, 2), 1, 1.0),
    ):
        y = rng.standard_normal(sizes)
        _same(
            gnp.trapezoid(_g(y), dx=dx, axis=dim),
            torch.trapezoid(torch.from_numpy(y), dx=dx, dim=dim),
            rtol=1e-13,
        )
    for sizes, dim, x in (
        ((2, 3, 4), 1, [1.0, 2.0, 3.0]),
        ((10, 2), 0, [2.0, 3.0, 4.0, 7.0, 11.0, 14.0, 22.0, 26.0, 26.1, 30.3]),
        ((1, 10), 0, [1.0]),
        ((0, 2), 1, [1.0, 2.0]),
        ((2, 3, 4), -1, [1.0, 2.0, 3.0, 4.0]),
        ((2, 3, 4), 0, [1.0, 2.0]),
        ((2, 2, 4), -1, [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]),
    ):
        y = rng.standard_normal(sizes)
        yg = _g(y, True)
        mine = gnp.trapezoid(yg, x=_g(x), axis=dim)
        yt = _t(y, True)
        theirs = torch.trapezoid(yt, x=torch.tensor(x, dtype=torch.float64), dim=dim)
        _same(mine, theirs, rtol=1e-13)
        if mine.size:
            mine.sum().backward()
            theirs.sum().backward()
            _same(yg.grad, yt.grad, rtol=1e-13)
    with pytest.raises(IndexError):
        torch.trapezoid(torch.ones(2, 3), dim=2)
    with pytest.raises((IndexError, ValueError), match="axis"):
        gnp.trapezoid(_g(np.ones((2, 3))), axis=2)


def test_cumulative_trapezoid():
    rng = _rng(14)
    for sizes, dim, dx in (
        ((2,), -1, 1),
        ((3, 3), -1, 1),
        ((4, 2), 0, 1),
        ((2, 3, 4), 1, 1),
        ((10, 2), 0, 0.1),
        ((1, 10), 0, 2.3),
        ((0, 2), 1, 1.0),
    ):
        y = rng.standard_normal(sizes)
        mine = gint.cumulative_trapezoid(_g(y), dx=dx, axis=dim)
        _same(mine, torch.cumulative_trapezoid(torch.from_numpy(y), dx=dx, dim=dim), rtol=1e-13)
        _same(mine, si.cumulative_trapezoid(y, dx=dx, axis=dim), rtol=1e-13)
    for sizes, dim, x in (
        ((2,), -1, [100, 50]),
        ((4, 2), 0, [2, 3, 4, 5]),
        ((2, 3, 4), 2, [1.0, 2.0, 3.0, 4.0]),
    ):
        y = rng.standard_normal(sizes)
        xa = np.array(x, float)
        _same(
            gint.cumulative_trapezoid(_g(y), x=_g(xa), axis=dim),
            torch.cumulative_trapezoid(torch.from_numpy(y), x=torch.from_numpy(xa), dim=dim),
            rtol=1e-13,
        )
    check_grads(
        lambda y: gint.cumulative_trapezoid(y, dx=0.3, axis=0),
        [rng.standard_normal((4, 2))],
        order=1,
    )


def test_xlogy_xlog1py_gradients_at_x_zero():
    """gpuad: d/dx = log(y) (log1p(y)), JAX's, and d/dy = 0 where x == 0 (docs/semantics.md);
    torch: d/dx = 0 where x == 0 and y <= 0, and d/dy = x / y (NaN at y = 0)."""
    for g, t, ys, dx in (
        (gs.xlogy, torch.special.xlogy, [-1.5, 0.0, 2.0], np.log),
        (gs.xlog1py, torch.special.xlog1py, [-2.5, -1.0, 1.0], np.log1p),
    ):
        x, y = _g(np.zeros(3), True), _g(np.array(ys), True)
        with np.errstate(invalid="ignore", divide="ignore"):
            g(x, y).sum().backward()
            want = dx(np.array(ys))
        np.testing.assert_array_equal(_np(x.grad), want)
        np.testing.assert_array_equal(_np(y.grad), 0.0)
        tx, ty = _t(np.zeros(3), True), _t(np.array(ys), True)
        t(tx, ty).sum().backward()
        if g is gs.xlogy:  # torch's choice, for the record: 0 in x where y <= 0, x / y in y
            np.testing.assert_array_equal(_np(tx.grad), np.where(np.array(ys) > 0, want, 0))
            assert np.isnan(_np(ty.grad)[1])
    check_grads(lambda a, b: gs.xlogy(a, b), [np.array([0.3, 1.2]), np.array([0.5, 2.0])])


def test_xlogy_scalar_dtype():
    """The Tensor method keeps float32 against a Python number, as torch; the functions of
    gpuad.scipy.special take SciPy's dtypes (SciPy's xlogy(float32, 5) is float64)."""
    t32 = np.array(0.7, np.float32)
    for s in (5, 5.0):
        _same(_g(t32).xlogy(s), torch.from_numpy(t32).xlogy(s), rtol=1e-6)
        for g, ref in ((gs.xlogy, sc.xlogy), (gs.xlog1py, sc.xlog1py)):
            _same(g(_g(t32), s), ref(t32, s), rtol=1e-6)
            _same(g(s, _g(t32)), ref(s, t32), rtol=1e-6)
        _same(
            gs.xlogy(_g(t32), _g(np.float32(s))),
            torch.xlogy(torch.from_numpy(t32), torch.tensor(s, dtype=torch.float32)),
            rtol=1e-6,
        )


def test_zeta():
    rng = _rng(15)
    for xs, qs in (((2, 3, 4), (2, 3, 4)), ((2, 1, 4), (2, 3, 4)), ((2, 3, 1), (2, 1, 4))):
        x = rng.uniform(1.1, 9, xs)
        q = rng.uniform(0.1, 9, qs)
        mine = _np(gs.zeta(_g(x), _g(q)))
        np.testing.assert_allclose(mine, sc.zeta(x, q), rtol=1e-12)
        np.testing.assert_allclose(mine, _np(torch.special.zeta(_t(x), _t(q))), rtol=1e-10)
    q = rng.uniform(-5, 5, (2, 3, 4))
    for x in np.linspace(-5, 5, 10):
        with np.errstate(all="ignore"):
            mine = _np(gs.zeta(x, _g(q)))
        np.testing.assert_allclose(mine, sc.zeta(x, q), rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(
            mine, _np(torch.special.zeta(x, _t(q))), rtol=1e-8, equal_nan=True
        )


# ---- operators with an operand of an unknown type ------------------------------------------


class _Unknown:
    pass


class _Reflecting:
    """A user's class that handles ``tensor op obj`` through its reflected method."""

    def __rmatmul__(self, other):
        return ("rmatmul", type(other).__name__)


@pytest.mark.parametrize("op", TENSOR_BINARY_OPS)
def test_unknown_operand_gives_not_implemented(op):
    for dt in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8):
        tt = torch.empty((), dtype=getattr(torch, np.dtype(dt).name))
        assert getattr(tt, op)(_Unknown()) is NotImplemented
        mine = getattr(_g(np.zeros((), dt)), op)(_Unknown())
        if op in ("__eq__", "__ne__"):  # the listed difference: NumPy's elementwise answer
            assert isinstance(mine, ad.Tensor) and _np(mine).dtype == np.bool_
            assert bool(mine) is (op == "__ne__")
        else:
            assert mine is NotImplemented, (op, dt)


def test_unknown_operand_errors_and_reflection():
    t = _g(np.zeros(3))
    with pytest.raises(TypeError, match="unsupported operand"):
        t + _Unknown()
    with pytest.raises(TypeError, match="unsupported operand"):
        t @ _Unknown()
    with pytest.raises(TypeError, match="unsupported operand"):
        t += _Unknown()
    with pytest.raises(TypeError):  # builtins gpuad cannot convert raise its own TypeError
        t.__add__({"a": 1})
    assert not _np(t == _Unknown()).any() and _np(t != _Unknown()).all()
    assert (t @ _Reflecting()) == ("rmatmul", "Tensor")
    assert (torch.zeros(3) @ _Reflecting()) == ("rmatmul", "Tensor")
