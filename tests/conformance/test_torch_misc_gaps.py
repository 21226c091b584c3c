"""A map of four PyTorch test classes onto gpuad, with the ports the earlier files lacked:
``TestTypePromotion`` (test/test_type_promotion.py), ``TestFFT`` (test/test_spectral_ops.py),
``TestScatterGather`` (test/test_scatter_gather.py) and ``TestSegmentReductions``
(test/test_segment_reductions.py), each the newest stored version (the segment reductions'
with ``test_simple_zero_length`` and ``test_unsafe_flag``; every method of the older stored
versions is among these).

``GAPS`` has one row per upstream test method: where its behaviour is checked in gpuad
(``here:`` a test of this file, ``covered:`` an earlier port), why gpuad differs on purpose
(``differs:``, with a test of gpuad's stated behaviour) or why it has no meaning for gpuad
(``n/a:``). torch's ``torch.fft.name(x, n, dim, norm)`` is ``gpuad.numpy.fft.name(x, n, axis,
norm)`` (``dim=`` is ``axis=``/``axes=``); ``torch.stft``/``istft`` are the Tensor methods;
``torch.segment_reduce`` has no counterpart (``gpuad.ops.segment_*``, JAX's, and its
``AttributeError`` says so).

Every port runs torch and gpuad on the same inputs in one process and compares values, dtypes,
shapes and errors (torch raises: gpuad raises), and gradients against torch's autograd where
the transform is differentiable. gpuad's FFT dtypes are NumPy 2's: an integer signal gives
complex128 (torch's default complex64), float16 gives complex64 (torch's CPU refuses half).
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
scipy_fft = pytest.importorskip("scipy.fft")
pytestmark = pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

F = gnp.fft
TP, FFT, SG, SR = ("TestTypePromotion", "TestFFT", "TestScatterGather", "TestSegmentReductions")
_TPF = "conformance/test_torch_type_promotion.py::"
_SGF = "conformance/test_torch_scatter_gather.py::"
_SEG = (
    "covered: " + _SGF + "test_segment_reductions (on gpuad.ops.segment_*); here: "
    "test_segment_reduce_is_absent_with_a_clear_error"
)
_SPARSE = "n/a: sparse tensors (gpuad has none)"
_CUDA = "n/a: CUDA-only (cuFFT plans, devices)"

GAPS = (
    # ---- test_type_promotion.py
    (TP, "test_inplace", "covered: " + _TPF + "test_inplace"),
    (TP, "test_unsinged", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (TP, "test_int_promotion", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (
        TP,
        "test_float_promotion",
        "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks",
    ),
    (
        TP,
        "test_complex_promotion",
        "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks",
    ),
    (
        TP,
        "test_complex_scalar_mult_tensor_promotion",
        "covered: " + _TPF + "test_complex_scalar_and_tensor",
    ),
    (TP, "test_add_wrapped", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (TP, "test_int_to_float", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (TP, "test_from_issue", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (TP, "test_half", "covered: " + _TPF + "test_int_float_complex_promotion_spot_checks"),
    (TP, "test_alternate_result", "covered: " + _TPF + "test_alternate_result_out"),
    (TP, "test_mixed_type_backward", "covered: " + _TPF + "test_mixed_type_backward"),
    (TP, "test_many_promotions", "covered: " + _TPF + "test_many_promotions"),
    (TP, "test_non_promoting_ops", "covered: " + _TPF + "test_non_promoting_ops"),
    (TP, "test_alpha_mismatch", "covered: " + _TPF + "test_alpha_mismatch"),
    (TP, "test_booleans", "covered: " + _TPF + "test_booleans"),
    (TP, "test_create_bool_tensors", "covered: " + _TPF + "test_create_bool_tensors"),
    (TP, "test_result_type", "covered: " + _TPF + "test_result_type_tensor_vs_scalar"),
    (TP, "test_can_cast", "covered: " + _TPF + "test_can_cast_and_promote_types"),
    (
        TP,
        "test_comparison_ops_with_type_promotion",
        "covered: " + _TPF + "test_comparison_ops_with_type_promotion",
    ),
    (TP, "test_lt_with_type_promotion", "covered: " + _TPF + "test_lt_with_type_promotion"),
    (TP, "test_promote_types", "covered: " + _TPF + "test_can_cast_and_promote_types"),
    (TP, "test_promote_self", "covered: " + _TPF + "test_can_cast_and_promote_types"),
    (TP, "test_indexing", "covered: " + _TPF + "test_indexing"),
    (TP, "test_transpose", "covered: " + _TPF + "test_booleans"),
    (TP, "test_true_divide", "covered: " + _TPF + "test_div_promotion"),
    (TP, "test_true_divide_out", "covered: " + _TPF + "test_div_promotion_out_and_inplace"),
    (TP, "test_true_divide_inplace", "covered: " + _TPF + "test_div_promotion_out_and_inplace"),
    (TP, "test_sparse_add", _SPARSE),
    (TP, "test_sparse_mul", _SPARSE),
    (TP, "test_sparse_div", _SPARSE),
    (TP, "test_sparse_sub", _SPARSE),
    (TP, "test_sparse_true_divide", _SPARSE),
    (TP, "test_integer_div_deprecated", "covered: " + _TPF + "test_integer_addcdiv_and_addcmul"),
    (
        TP,
        "test_numpy_array_binary_ufunc_promotion",
        "covered: " + _TPF + "test_numpy_array_binary_ufunc_promotion",
    ),
    (
        TP,
        "test_abs_complex_to_float",
        "differs: an out= of another shape raises (NumPy's; torch resizes it) and x.abs_() of a "
        "complex tensor writes |x| as complex (NumPy's abs(x, out=x); torch now refuses); "
        "here: test_abs_complex_to_float",
    ),
    # ---- test_spectral_ops.py
    (FFT, "test_reference_1d", "here: test_reference_1d"),
    (FFT, "test_fft_round_trip", "here: test_fft_round_trip"),
    (FFT, "test_empty_fft", "here: test_empty_fft"),
    (FFT, "test_empty_ifft", "here: test_empty_ifft"),
    (FFT, "test_fft_invalid_dtypes", "here: test_fft_invalid_dtypes"),
    (
        FFT,
        "test_fft_type_promotion",
        "differs: NumPy 2's dtypes, an integer signal gives complex128 (torch complex64); "
        "here: test_fft_type_promotion",
    ),
    (
        FFT,
        "test_fft_half_and_bfloat16_errors",
        "differs: float16 is NumPy's (complex64 or float32 results; torch's CPU raises), bfloat16 "
        "cannot be made (a TypeError, covered: " + _TPF + "test_bfloat16_and_complex32_raise_"
        "clearly); here: test_fft_type_promotion",
    ),
    (FFT, "test_fft_bfloat16_promoted_on_cuda", _CUDA),
    (FFT, "test_fft_half_and_chalf_not_power_of_two_error", _CUDA + " (cuFFT half sizes)"),
    (FFT, "test_reference_nd", "here: test_reference_nd"),
    (FFT, "test_fftn_round_trip", "here: test_fftn_round_trip"),
    (
        FFT,
        "test_fftn_invalid",
        "differs: fftn/ifftn/rfftn/irfftn transform a repeated axis again (NumPy's; torch "
        "raises), hfftn/ihfftn raise (scipy.fft's); here: test_fftn_invalid",
    ),
    (
        FFT,
        "test_fftn_noop_transform",
        "differs: axes=() returns the input unchanged (NumPy's, real stays real; torch makes it "
        "complex); here: test_fftn_noop_transform",
    ),
    (
        FFT,
        "test_hfftn",
        "covered: conformance/test_torch_fft_hermitian.py::test_values_and_gradients_match_torch",
    ),
    (
        FFT,
        "test_ihfftn",
        "covered: conformance/test_torch_fft_hermitian.py::test_values_and_gradients_match_torch",
    ),
    (FFT, "test_fft2_numpy", "here: test_fft2_numpy (torch.jit.script: n/a)"),
    (FFT, "test_fft2_fftn_equivalence", "here: test_fft2_fftn_equivalence"),
    (FFT, "test_fft2_invalid", "here: test_fftn_invalid"),
    (FFT, "test_fftfreq_numpy", "here: test_fftfreq_numpy"),
    (FFT, "test_fftfreq_out", "n/a: out= resized in place (fftfreq takes no out=)"),
    (FFT, "test_fftshift_numpy", "here: test_fftshift_numpy"),
    (FFT, "test_fftshift_frequencies", "here: test_fftshift_frequencies"),
    (FFT, "test_fft_ifft_rfft_irfft", "here: test_fft_ifft_rfft_irfft"),
    (FFT, "test_cufft_plan_cache", _CUDA),
    (FFT, "test_cufft_context", _CUDA),
    (FFT, "test_fft_conjugate_symmetry_fill_int64_indexing", _CUDA + ", 18 GB"),
    (FFT, "test_stft", "here: test_stft (against torch: librosa is not a peer here)"),
    (FFT, "test_istft_against_librosa", "here: test_istft_against_torch"),
    (FFT, "test_complex_stft_roundtrip", "here: test_complex_stft_roundtrip"),
    (FFT, "test_stft_roundtrip_complex_window", "here: test_stft_roundtrip_complex_window"),
    (FFT, "test_complex_stft_definition", "here: test_complex_stft_definition"),
    (FFT, "test_complex_stft_real_equiv", "here: test_complex_stft_roundtrip"),
    (FFT, "test_complex_istft_real_equiv", "here: test_complex_istft_real_equiv"),
    (FFT, "test_complex_stft_onesided", "here: test_complex_stft_onesided"),
    (FFT, "test_stft_requires_complex", "here: test_stft_requires_complex"),
    (
        FFT,
        "test_stft_align_to_window_only_requires_non_center",
        "here: test_stft_align_to_window_only_with_center_false",
    ),
    (
        FFT,
        "test_stft_requires_window",
        "differs: no warning, the rectangular window is the documented default; "
        "here: test_stft_and_istft_without_a_window",
    ),
    (
        FFT,
        "test_istft_requires_window",
        "differs: no warning, the rectangular window is the documented default; "
        "here: test_stft_and_istft_without_a_window",
    ),
    (FFT, "test_fft_input_modification", "here: test_fft_input_modification"),
    (FFT, "test_fft_plan_repeatable", "here: test_fft_plan_repeatable"),
    (FFT, "test_istft_round_trip_simple_cases", "here: test_istft_round_trips"),
    (FFT, "test_istft_round_trip_various_params", "here: test_istft_round_trips"),
    (
        FFT,
        "test_istft_round_trip_with_padding",
        "differs: no warning when length= pads; here: test_istft_round_trip_with_padding",
    ),
    (FFT, "test_istft_throws", "here: test_istft_throws"),
    (FFT, "test_istft_of_sine", "here: test_istft_of_sine"),
    (FFT, "test_istft_linearity", "here: test_istft_linearity"),
    (FFT, "test_batch_istft", "here: test_batch_istft"),
    (FFT, "test_stft_window_device", "n/a: devices (gpuad computes on one device)"),
    # ---- test_scatter_gather.py
    (SG, "test_gather", "covered: " + _SGF + "test_gathers"),
    (SG, "test_gather_large", "covered: " + _SGF + "test_gathers (small shapes; sizes n/a)"),
    (SG, "test_gather_bool", "covered: " + _SGF + "test_gathers"),
    (SG, "test_gather_backward_with_empty_index_tensor", "covered: " + _SGF + "test_gathers"),
    (SG, "test_scatter_", "covered: " + _SGF + "test_scatter_base_values"),
    (SG, "test_scatter__scalar", "covered: " + _SGF + "test_scatter_base_values"),
    (
        SG,
        "test_scatter__reductions",
        "differs: a Python float (or int into bool) scattered with reduce= into an integer "
        "tensor raises TypeError, NumPy's same_kind rule (torch truncates it); covered: "
        + _SGF
        + "test_scatter_base_values; here: test_scatter_reduce_of_a_number_into_integers",
    ),
    (SG, "test_scatter_add_", "covered: " + _SGF + "test_scatter_base_values"),
    (SG, "test_scatter_add_mult_index_base", "covered: " + _SGF + "test_gathers"),
    (SG, "test_scatter_reduce_sum", "covered: " + _SGF + "test_scatter_base_values"),
    (SG, "test_scatter_reduce_prod", "covered: " + _SGF + "test_scatter_base_values"),
    (SG, "test_scatter_reduce_mean", "covered: " + _SGF + "test_scatter_base_values"),
    (
        SG,
        "test_scatter_reduce_amax",
        "covered: " + _SGF + "test_scatter_reduce_nan_inf_propagation",
    ),
    (
        SG,
        "test_scatter_reduce_amin",
        "covered: " + _SGF + "test_scatter_reduce_nan_inf_propagation",
    ),
    (SG, "test_scatter_expanded_index", "covered: " + _SGF + "test_gathers"),
    (
        SG,
        "test_scatter_add_broadcasted_index_deterministic",
        "here: test_scatter_add_broadcasted_index_deterministic",
    ),
    (SG, "test_gather_expanded_index", "covered: " + _SGF + "test_gathers"),
    # ---- test_segment_reductions.py
    (SR, "test_simple_1d", _SEG),
    (SR, "test_multi_d_simple", _SEG),
    (SR, "test_pytorch_scatter_test_cases", _SEG),
    (SR, "test_multi_d", _SEG),
    (SR, "test_simple_zero_length", "here: test_segment_zero_length"),
    (SR, "test_unsafe_flag", "here: test_segment_lengths_not_covering_the_data"),
)

UPSTREAM_COUNTS = {TP: 36, FFT: 48, SG: 17, SR: 6}


def test_every_gap_has_a_mapping():
    counts = {c: sum(r[0] == c for r in GAPS) for c in UPSTREAM_COUNTS}
    assert counts == UPSTREAM_COUNTS
    keys = [(c, n) for c, n, _ in GAPS]
    assert len(keys) == len(set(keys))
    here = Path(__file__).read_text()
    tests = Path(__file__).resolve().parents[1]
    for c, n, where in GAPS:
        assert re.match(r"(here|covered|differs|n/a): ", where), (c, n)
        if where.startswith("differs:"):
            assert "here: " in where, (c, n)
        for fn in re.findall(r"here: (test_\w+)", where):
            assert f"\ndef {fn}(" in here, (c, n, fn)
        for path, fn in re.findall(r"covered: ([\w/]+\.py)::(test_\w+)", where):
            assert f"\ndef {fn}(" in (tests / path).read_text(), (c, n, path, fn)


# ---- helpers ----------------------------------------------------------------------------------
RNG = np.random.default_rng(20)
NORMS = (None, "forward", "backward", "ortho")


def _h(x):
    return np.asarray(x.numpy() if isinstance(x, ad.Tensor) else x)


def _close(g, t, rtol, what=""):
    g = _h(g)
    t = t.detach().resolve_conj().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    assert g.shape == t.shape, (what, g.shape, t.shape)
    scale = max(1.0, float(np.abs(t).max())) if t.size else 1.0
    np.testing.assert_allclose(g, t, rtol=rtol, atol=rtol * scale, err_msg=what)


def _rand(shape, dt):
    a = RNG.standard_normal(shape)
    if np.dtype(dt).kind == "c":
        a = a + 1j * RNG.standard_normal(shape)
    return a.astype(dt)


def _tol(dt):
    return 1e-4 if np.dtype(dt) in (np.float32, np.complex64) else 1e-10


def _torch_dtype_as_numpy(t):
    return np.dtype(str(t.dtype).replace("torch.", ""))


REAL_IN = {"rfft", "ihfft", "rfft2", "ihfft2", "rfftn", "ihfftn"}


# ---- TestFFT ----------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
@pytest.mark.parametrize("dt", [np.float32, np.complex64, np.float64])
def test_reference_1d(op, dt):
    """test_reference_1d: every 1-D transform against torch, for n cropping and padding, two
    axes and every norm, also on the middle axes of a 4-D input; gradients in float64."""
    if op in REAL_IN and np.dtype(dt).kind == "c":
        pytest.skip("a real-input transform")
    inputs = [_rand(s, dt) for s in ((67,), (80,), (12, 14), (9, 6, 3))]
    cases = list(itertools.product(inputs, (None, 50, 6), (-1, 0), NORMS))
    cases += [
        (x, None, d, nm) for x in [_rand((4, 5, 6, 7), dt)] for d in (1, 2, -2) for nm in NORMS
    ]
    for x, n, dim, norm in cases[::2] if dt == np.float64 else cases:
        t = getattr(torch.fft, op)(torch.from_numpy(x), n=n, dim=dim, norm=norm)
        g = getattr(F, op)(ad.tensor(x), n=n, axis=dim, norm=norm)
        assert g.dtype == _torch_dtype_as_numpy(t), (op, dt, g.dtype, t.dtype)
        _close(g, t, _tol(dt), f"{op} n={n} dim={dim} norm={norm}")
    if dt != np.float64:
        return
    for x, n, dim, norm in cases[::9]:
        c = _rand(getattr(torch.fft, op)(torch.from_numpy(x), n=n, dim=dim).shape, np.float64)
        tx = torch.from_numpy(x).requires_grad_()
        loss = getattr(torch.fft, op)(tx, n=n, dim=dim, norm=norm) * torch.from_numpy(c)
        loss = loss.real.sum() if loss.is_complex() else loss.sum()
        loss.backward()
        gx = ad.tensor(x, requires_grad=True)
        out = getattr(F, op)(gx, n=n, axis=dim, norm=norm) * ad.tensor(c)
        (gnp.real(out).sum() if out.dtype.kind == "c" else out.sum()).backward()
        _close(gx.grad, tx.grad, 1e-10, f"grad {op} n={n} dim={dim} norm={norm}")


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
def test_fft_round_trip(dt):
    """test_fft_round_trip: backward(forward(x)) is x, in torch's dtype."""
    pairs = [("fft", "ifft")]
    if np.dtype(dt).kind == "f":
        pairs += [("rfft", "irfft"), ("ihfft", "hfft")]
    for shape in ((67,), (80,), (12, 14), (9, 6, 3)):
        x = _rand(shape, dt)
        for (fw, bw), dim, norm in itertools.product(pairs, (-1, 0), NORMS):
            kw = {"n": x.shape[dim], "norm": norm}
            y = getattr(F, bw)(getattr(F, fw)(ad.tensor(x), axis=dim, **kw), axis=dim, **kw)
            ty = getattr(torch.fft, bw)(
                getattr(torch.fft, fw)(torch.from_numpy(x), dim=dim, **kw), dim=dim, **kw
            )
            assert y.dtype == _torch_dtype_as_numpy(ty), (fw, dt)
            _close(y, x, _tol(dt), f"{fw}/{bw} dim={dim} norm={norm}")


ALL_OPS = [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "hfft",
    "ihfft",
    "fft2",
    "ifft2",
    "rfft2",
    "irfft2",
    "hfft2",
    "ihfft2",
    "fftn",
    "ifftn",
    "rfftn",
    "irfftn",
    "hfftn",
    "ihfftn",
]


@pytest.mark.parametrize("op", ALL_OPS)
def test_empty_fft(op):
    """test_empty_fft: an empty last axis raises in both (torch's RuntimeError, NumPy's
    ValueError naming the number of points)."""
    x = np.empty((1, 0), np.float32 if op in REAL_IN else np.complex64)
    with pytest.raises(RuntimeError, match="Invalid number of data points"):
        getattr(torch.fft, op)(torch.from_numpy(x))
    with pytest.raises(ValueError, match="invalid number of FFT data points"):
        getattr(F, op)(ad.tensor(x))


def test_empty_ifft():
    """test_empty_ifft: a one-long last axis gives no output points for the real-output
    inverse transforms: both raise."""
    x = np.zeros((2, 1), np.complex64)
    for op in ("irfft", "irfft2", "irfftn", "hfft", "hfft2", "hfftn"):
        with pytest.raises(RuntimeError, match="Invalid number of data points"):
            getattr(torch.fft, op)(torch.from_numpy(x))
        with pytest.raises(ValueError, match="invalid number of FFT data points"):
            getattr(F, op)(ad.tensor(x))


def test_fft_invalid_dtypes():
    """test_fft_invalid_dtypes: the real-input transforms refuse a complex input (torch's
    RuntimeError; gpuad's TypeError says to use fft or pass the real part)."""
    x = _rand((8, 8), np.complex128)
    for op in sorted(REAL_IN):
        with pytest.raises(RuntimeError, match="real|floating-point"):
            getattr(torch.fft, op)(torch.from_numpy(x))
        with pytest.raises(TypeError, match="must be real"):
            getattr(F, op)(ad.tensor(x))


@pytest.mark.parametrize("dt", ["int8", "float16", "float32", "float64", "complex64", "complex128"])
def test_fft_type_promotion(dt):
    """test_fft_type_promotion / test_fft_half_and_bfloat16_errors: gpuad's result dtypes are
    NumPy 2's (float16 stays float16 in hfft, as NumPy's), and torch's wherever torch
    computes, except an integer signal (complex128/float64, torch's default complex64/float32)."""
    x = (RNG.integers(-2, 2, 64) if dt == "int8" else _rand(64, dt)).astype(dt)
    for op, ref in (("fft", np.fft.fft), ("hfft", np.fft.hfft), ("rfft", np.fft.rfft)):
        if op == "rfft" and np.dtype(dt).kind == "c":
            continue
        g = getattr(F, op)(ad.tensor(x))
        want = ref(x)
        assert g.dtype == want.dtype, (op, dt, g.dtype, want.dtype)
        _close(g, want.astype(g.dtype), 1e-2 if dt == "float16" else 1e-5, op)
        if dt == "float16":
            with pytest.raises(RuntimeError, match="Unsupported dtype Half"):
                getattr(torch.fft, op)(torch.from_numpy(x))
            continue
        t = getattr(torch.fft, op)(torch.from_numpy(x))
        if dt == "int8":
            assert (g.dtype, _torch_dtype_as_numpy(t)) in {
                (np.dtype(np.complex128), np.dtype(np.complex64)),
                (np.dtype(np.float64), np.dtype(np.float32)),
            }
        else:
            assert g.dtype == _torch_dtype_as_numpy(t)
        _close(g, t, 1e-4, op)


ND_DESC = [
    *itertools.product(range(2, 5), (None,), (None, (0,), (0, -1))),
    *itertools.product(range(2, 5), ((4, 10),), (None,)),
    (6, None, None),
    (5, None, (1, 3, 4)),
    (3, None, (1,)),
    (1, None, (0,)),
    (4, (10, 10), None),
    (4, (10, 10), (0, 1)),
]


def _shape_cycle(nd):
    return tuple(itertools.islice(itertools.cycle(range(4, 9)), nd))


def _nd_kwargs(s, dim):
    """torch's (s, dim) for gpuad: s without dim means the last len(s) axes."""
    axes = dim if dim is not None or s is None else tuple(range(-len(s), 0))
    return {"s": s, "axes": axes}


@pytest.mark.parametrize("op", ["fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"])
def test_reference_nd(op):
    """test_reference_nd: the n-dimensional transforms against torch for every (ndim, s, dim)
    of torch's list and every norm, complex128 (float64 for the real-input ones); a float64
    gradient of a real loss on every fourth case."""
    dt = np.float64 if op in REAL_IN else np.complex128
    for i, (nd, s, dim) in enumerate(ND_DESC):
        x = _rand(_shape_cycle(nd), dt)
        for norm in NORMS:
            t = getattr(torch.fft, op)(torch.from_numpy(x), s=s, dim=dim, norm=norm)
            g = getattr(F, op)(ad.tensor(x), norm=norm, **_nd_kwargs(s, dim))
            assert g.dtype == _torch_dtype_as_numpy(t)
            _close(g, t, 1e-10, f"{op} nd={nd} s={s} dim={dim} norm={norm}")
        if i % 4:
            continue
        c = _rand(tuple(t.shape), np.complex128 if t.is_complex() else np.float64)
        tx = torch.from_numpy(x).requires_grad_()
        out = getattr(torch.fft, op)(tx, s=s, dim=dim, norm="ortho") * torch.from_numpy(c)
        (out.real if out.is_complex() else out).sum().backward()
        gx = ad.tensor(x, requires_grad=True)
        out = getattr(F, op)(gx, norm="ortho", **_nd_kwargs(s, dim)) * ad.tensor(c)
        (gnp.real(out) if out.dtype.kind == "c" else out).sum().backward()
        _close(gx.grad, tx.grad, 1e-10, f"grad {op} nd={nd} s={s} dim={dim}")


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
def test_fftn_round_trip(dt):
    """test_fftn_round_trip: the n-dimensional pairs give x back over every dim choice."""
    pairs = [("fftn", "ifftn")]
    if np.dtype(dt).kind == "f":
        pairs += [("rfftn", "irfftn"), ("ihfftn", "hfftn")]
    desc = [
        *itertools.product(range(2, 5), (None, (0,), (0, -1))),
        (7, None),
        (5, (1, 3, 4)),
        (3, (1,)),
        (1, (0,)),
    ]
    for nd, dim in desc:
        x = _rand(_shape_cycle(nd), dt)
        s = list(x.shape) if dim is None else [x.shape[d] for d in dim]
        for (fw, bw), norm in itertools.product(pairs, NORMS):
            y = getattr(F, bw)(
                getattr(F, fw)(ad.tensor(x), s=s, axes=dim, norm=norm), s=s, axes=dim, norm=norm
            )
            want_dt = np.result_type(dt, np.complex64) if fw == "fftn" else np.dtype(dt)
            assert y.dtype == want_dt
            _close(y, x, _tol(dt), f"{fw}/{bw} nd={nd} dim={dim} norm={norm}")


def test_fftn_invalid():
    """test_fftn_invalid / test_fft2_invalid: torch refuses a repeated dim; gpuad's fftn,
    ifftn, rfftn, irfftn (and the 2-D forms) transform it again, as NumPy's do (values checked
    against NumPy), its hfftn/ihfftn raise as scipy.fft's. The other misuses raise in both."""
    a = RNG.random((10, 10, 10))
    for op in ("fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"):
        ta, ga = torch.from_numpy(a), ad.tensor(a)
        for dims in ((0, 1, 0), (2, -1)):
            with pytest.raises(RuntimeError, match="dims must be unique"):
                getattr(torch.fft, op)(ta, dim=dims)
            if op in ("hfftn", "ihfftn"):
                with pytest.raises(ValueError, match="axes must be unique"):
                    getattr(F, op)(ga, axes=dims)
                with pytest.raises(ValueError, match="unique"):
                    getattr(scipy_fft, op)(a, axes=dims)
            else:
                _close(getattr(F, op)(ga, axes=dims), getattr(np.fft, op)(a, axes=dims), 1e-10)
        with pytest.raises(RuntimeError, match="dim and shape .* same length"):
            getattr(torch.fft, op)(ta, s=(1,), dim=(0, 1))
        with pytest.raises(ValueError, match="must match"):
            getattr(F, op)(ga, s=(1,), axes=(0, 1))
        with pytest.raises(IndexError):
            getattr(torch.fft, op)(ta, dim=(3,))
        with pytest.raises(np.exceptions.AxisError):
            getattr(F, op)(ga, axes=(3,))
        with pytest.raises(RuntimeError, match="only has 3 dimensions"):
            getattr(torch.fft, op)(ta, s=(10, 10, 10, 10))
        with pytest.raises(np.exceptions.AxisError):
            getattr(F, op)(ga, s=(10, 10, 10, 10))
    for op in ("fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"):
        with pytest.raises(RuntimeError, match="dim and shape .* same length"):
            getattr(torch.fft, op)(torch.from_numpy(a), s=(1,))
        with pytest.raises(ValueError, match="must match"):
            getattr(F, op)(ad.tensor(a), s=(1,))
        with pytest.raises(IndexError):
            getattr(torch.fft, op)(torch.from_numpy(a), dim=(2, 3))
        with pytest.raises(np.exceptions.AxisError):
            getattr(F, op)(ad.tensor(a), axes=(2, 3))
        if op in ("hfft2", "ihfft2"):
            with pytest.raises(ValueError, match="axes must be unique"):
                getattr(F, op)(ad.tensor(a), axes=(0, 0))
        else:
            _close(
                getattr(F, op)(ad.tensor(a), axes=(0, 0)),
                getattr(np.fft, op)(a, axes=(0, 0)),
                1e-10,
            )


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
def test_fftn_noop_transform(dt):
    """test_fftn_noop_transform: no axes leaves the input as it is, dtype included (NumPy's;
    torch returns it as complex)."""
    x = _rand((10, 10), dt)
    for op in ("fftn", "ifftn", "fft2", "ifft2"):
        g = getattr(F, op)(ad.tensor(x), axes=[])
        want = getattr(np.fft, op)(x, axes=[])
        assert g.dtype == want.dtype == np.dtype(dt)
        np.testing.assert_array_equal(_h(g), want)
        t = getattr(torch.fft, op)(torch.from_numpy(x), dim=[])
        np.testing.assert_array_equal(t.numpy(), _h(g).astype(t.numpy().dtype))


@pytest.mark.parametrize("dt", [np.float64, np.complex128])
def test_fft2_numpy(dt):
    """test_fft2_numpy: the 2-D transforms against NumPy (scipy.fft for the Hermitian ones),
    with the default and with explicit axes (1, 0), with and without s; and against torch."""
    ops = ["fft2", "ifft2", "irfft2", "hfft2"] + (["rfft2", "ihfft2"] if dt == np.float64 else [])
    for nd, s in itertools.product(range(2, 5), (None, (4, 10))):
        x = _rand(_shape_cycle(nd), dt)
        for op, norm in itertools.product(ops, NORMS):
            ref = getattr(scipy_fft if "hfft" in op else np.fft, op)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                xin = x.real if op in REAL_IN else x
                _close(
                    getattr(F, op)(ad.tensor(x), s, norm=norm),
                    ref(xin, s, norm=norm),
                    1e-10,
                    f"{op} s={s} norm={norm}",
                )
                _close(
                    getattr(F, op)(ad.tensor(x), s, (1, 0), norm),
                    ref(xin, s, (1, 0), norm),
                    1e-10,
                    f"{op} s={s} axes=(1, 0)",
                )
            if op in REAL_IN and dt != np.float64:
                continue
            _close(
                getattr(F, op)(ad.tensor(x), s, (1, 0), norm),
                getattr(torch.fft, op)(torch.from_numpy(x), s, (1, 0), norm),
                1e-10,
            )


@pytest.mark.parametrize("dt", [np.float32, np.complex64])
def test_fft2_fftn_equivalence(dt):
    """test_fft2_fftn_equivalence: every 2-D transform is its n-D form on (-2, -1) or the
    given axes."""
    funcs = ["fft", "ifft", "irfft", "hfft"] + (["rfft", "ihfft"] if dt == np.float32 else [])
    desc = [*itertools.product(range(2, 5), (None, (4, 10)), (None, (1, 0))), (3, None, (0, 2))]
    for nd, s, dim in desc:
        x = _rand(_shape_cycle(nd), dt)
        for fn, norm in itertools.product(funcs, NORMS):
            axes = (-2, -1) if dim is None else dim
            two = getattr(F, fn + "2")(ad.tensor(x), s=s, axes=axes, norm=norm)
            n = getattr(F, fn + "n")(ad.tensor(x), s=s, axes=axes, norm=norm)
            assert two.dtype == n.dtype
            np.testing.assert_allclose(_h(two), _h(n), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fftfreq_numpy(dt):
    """test_fftfreq_numpy: fftfreq and rfftfreq with and without d, in the asked dtype,
    against NumPy and torch."""
    for fname, n, d in itertools.product(("fftfreq", "rfftfreq"), range(1, 20), (None, 10.0)):
        args = (n,) if d is None else (n, d)
        g = getattr(F, fname)(*args, dtype=dt)
        assert g.dtype == dt
        _close(g, getattr(np.fft, fname)(*args), _tol(dt))
        _close(
            g, getattr(torch.fft, fname)(*args, dtype=getattr(torch, np.dtype(dt).name)), _tol(dt)
        )


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
def test_fftshift_numpy(dt):
    """test_fftshift_numpy: fftshift and ifftshift over no, one and several axes, against
    NumPy and torch, and their gradients (a permutation) against torch's."""
    desc = [
        *itertools.product(((11,), (12,)), (None, 0, -1)),
        *itertools.product(((4, 5), (6, 6)), (None, 0, (-1,))),
        *itertools.product(((1, 1, 4, 6, 7, 2),), (None, (3, 4))),
    ]
    for shape, dim in desc:
        x = _rand(shape, dt)
        for fname in ("fftshift", "ifftshift"):
            g = getattr(F, fname)(ad.tensor(x), axes=dim)
            np.testing.assert_array_equal(_h(g), getattr(np.fft, fname)(x, axes=dim))
            t = getattr(torch.fft, fname)(torch.from_numpy(x), dim=dim)
            np.testing.assert_array_equal(_h(g), t.numpy())
    x = _rand((6, 5), np.float64)
    c = _rand((6, 5), np.float64)
    tx = torch.from_numpy(x).requires_grad_()
    (torch.fft.fftshift(tx, dim=0) * torch.from_numpy(c)).sum().backward()
    gx = ad.tensor(x, requires_grad=True)
    (F.fftshift(gx, axes=0) * ad.tensor(c)).sum().backward()
    np.testing.assert_array_equal(_h(gx.grad), tx.grad.numpy())


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_fftshift_frequencies(dt):
    """test_fftshift_frequencies: fftshift sorts fftfreq's output, ifftshift undoes it."""
    for n in range(10, 15):
        x = F.fftfreq(n, d=1 / n, dtype=dt)
        shifted = F.fftshift(x)
        np.testing.assert_array_equal(_h(shifted), np.sort(_h(shifted)))
        np.testing.assert_allclose(_h(shifted), np.arange(-(n // 2), n - n // 2), atol=1e-5)
        np.testing.assert_array_equal(_h(F.ifftshift(shifted)), _h(x))
        t = torch.fft.fftshift(
            torch.fft.fftfreq(n, d=1 / n, dtype=getattr(torch, np.dtype(dt).name))
        )
        _close(shifted, t, _tol(dt))


def test_fft_ifft_rfft_irfft():
    """test_fft_ifft_rfft_irfft (smaller): fftn/ifftn and rfftn/irfftn round trips over the
    last 1 to 3 axes, on contiguous inputs and on views (offsets, strides, transposes, a
    broadcast), equal to torch's transforms of the same views."""

    def real(sizes, k, pre=lambda x: x):
        x = pre(ad.tensor(RNG.standard_normal(sizes)))
        tx = torch.from_numpy(_h(x).copy())
        ax = tuple(range(-k, 0))
        for norm in (None, "ortho"):
            r = F.rfftn(x, axes=ax, norm=norm)
            _close(r, torch.fft.rfftn(tx, dim=ax, norm=norm), 1e-10)
            _close(F.irfftn(r, s=x.shape[-k:], axes=ax, norm=norm), _h(x), 1e-10)
            rec = F.ifftn(F.fftn(x, axes=ax, norm=norm), axes=ax, norm=norm)
            _close(rec, _h(x).astype(complex), 1e-10)

    def cplx(sizes, k, pre=lambda x: x):
        x = pre(ad.tensor(_rand(sizes, np.complex128)))
        tx = torch.from_numpy(_h(x).copy())
        ax = tuple(range(-k, 0))
        for norm in ("ortho", None):
            _close(F.fftn(x, axes=ax, norm=norm), torch.fft.fftn(tx, dim=ax, norm=norm), 1e-10)
            _close(F.ifftn(F.fftn(x, axes=ax, norm=norm), axes=ax, norm=norm), _h(x), 1e-10)
            _close(F.fftn(F.ifftn(x, axes=ax, norm=norm), axes=ax, norm=norm), _h(x), 1e-10)

    real((30,), 1)
    real((3, 1, 4, 20), 1)
    real((12, 10), 2)
    real((2, 2, 5, 8, 6), 2)
    real((5, 4, 7), 3)
    cplx((30,), 1)
    cplx((10, 12), 1)
    cplx((1, 4, 8, 6), 2)
    cplx((5, 4, 7), 3)
    real((65,), 1, lambda x: x[25:35])
    real((10, 10, 3), 1, lambda x: x[:, :, 0])
    real((10, 12), 2, lambda x: x.T)
    real((13, 8, 11), 3, lambda x: x[2:10, 1:7, 3:9])
    real((3, 4, 5, 6), 3, lambda x: x.transpose(0, 2, 3, 1))
    cplx((10,), 1, lambda x: gnp.broadcast_to(x, (10, 10)))
    cplx((4, 9, 11), 2, lambda x: x[:, 1:8, 2:10])
    cplx((4, 6, 3, 8), 3, lambda x: x.transpose(2, 1, 0, 3)[2][1:5, :, 3:])


def test_fft_input_modification():
    """test_fft_input_modification: no transform writes to its input."""
    signal = ad.tensor(np.ones((2, 2, 2)))
    keep = _h(signal).copy()
    spectrum = F.fftn(signal, axes=(-2, -1))
    np.testing.assert_array_equal(_h(signal), keep)
    sk = _h(spectrum).copy()
    F.ifftn(spectrum, axes=(-2, -1))
    np.testing.assert_array_equal(_h(spectrum), sk)
    half = F.rfftn(signal, axes=(-2, -1))
    np.testing.assert_array_equal(_h(signal), keep)
    hk = _h(half).copy()
    F.irfftn(half, s=(2, 2), axes=(-2, -1))
    np.testing.assert_array_equal(_h(half), hk)
    _close(half, torch.fft.rfftn(torch.ones(2, 2, 2, dtype=torch.float64), dim=(-2, -1)), 0)


def test_fft_plan_repeatable():
    """test_fft_plan_repeatable: the same transform of a copy gives the same numbers."""
    for n in (2048, 3199, 5999):
        a = _rand(n, np.complex64)
        np.testing.assert_array_equal(_h(F.fftn(ad.tensor(a))), _h(F.fftn(ad.tensor(a.copy()))))
        _close(F.fftn(ad.tensor(a)), torch.fft.fftn(torch.from_numpy(a)), 1e-4)
        b = _rand(n, np.float64)
        np.testing.assert_array_equal(_h(F.rfft(ad.tensor(b))), _h(F.rfft(ad.tensor(b.copy()))))


# ---- stft / istft -----------------------------------------------------------------------------
def _tw(w):
    return None if w is None else torch.from_numpy(w)


def _gw(w):
    return None if w is None else ad.tensor(w)


def test_stft():
    """test_stft, against torch (librosa's stft is torch's on these arguments): 1-D and batched
    signals, hop and window lengths, a given window, centred or not, both output forms; and the
    misuses torch refuses raise."""
    cases = [
        ((10,), 7, None, None, None),
        ((3, 400), 64, None, None, None),
        ((10,), 7, 2, None, None),
        ((3, 400), 64, 32, None, None),
        ((10,), 7, 2, None, (7,)),
        ((3, 400), 64, 32, None, (64,)),
        ((10,), 7, 2, 5, None),
        ((3, 400), 64, 32, 20, None),
    ]
    for (sizes, n_fft, hop, wl, ws), center in itertools.product(cases, (True, False)):
        x = RNG.standard_normal(sizes)
        w = None if ws is None else RNG.standard_normal(ws)
        args = (n_fft, hop, wl)
        wt = _tw(w) if w is not None else torch.ones(wl or n_fft, dtype=torch.float64)
        wg = _gw(w) if w is not None else ad.tensor(np.ones(wl or n_fft))
        t = torch.stft(torch.from_numpy(x), *args, wt, center=center, return_complex=False)
        g = ad.tensor(x).stft(*args, wg, center=center, return_complex=False)
        assert g.dtype == np.float64
        _close(g, t, 1e-10, f"stft {sizes} {args} center={center}")
        gc = ad.tensor(x).stft(*args, wg, center=center, return_complex=True)
        np.testing.assert_allclose(_h(gc), _h(g)[..., 0] + 1j * _h(g)[..., 1], rtol=0, atol=0)
    bad = [
        ((10, 4, 2), 1, 1, None, None, True),
        ((10,), 11, 1, None, None, False),
        ((10,), -1, 1, None, None, True),
        ((10,), 3, None, 5, None, True),
        ((10,), 5, 4, None, (11,), True),
        ((10,), 5, 4, None, (1, 1), True),
        ((5,), 16, 4, None, (16,), True),
    ]
    for sizes, n_fft, hop, wl, ws, center in bad:
        x = RNG.standard_normal(sizes)
        w = None if ws is None else RNG.standard_normal(ws)
        with pytest.raises(RuntimeError):
            torch.stft(
                torch.from_numpy(x), n_fft, hop, wl, _tw(w), center=center, return_complex=True
            )
        with pytest.raises((ValueError, TypeError)):
            ad.tensor(x).stft(n_fft, hop, wl, _gw(w), center=center, return_complex=True)


def test_istft_against_torch():
    """test_istft_against_librosa, against torch: istft of stft's output for hops, windows,
    lengths and centring, values and the gradient of a real loss in the spectrum."""
    cases = [
        (10, 7, None, None, None),
        (400, 64, None, None, None),
        (400, 64, None, None, 400),
        (10, 7, 2, None, None),
        (400, 64, 32, None, None),
        (400, 64, 32, None, 400),
        (10, 7, 2, (7,), None),
        (400, 64, 32, (64,), None),
        (400, 64, 32, (64,), 400),
    ]
    for (size, n_fft, hop, ws, length), center in itertools.product(cases, (True, False)):
        x = RNG.standard_normal(size)
        w = np.ones(n_fft) if ws is None else RNG.random(ws) + 0.5
        z = torch.stft(
            torch.from_numpy(x),
            n_fft,
            hop,
            None,
            _tw(w),
            center=center,
            onesided=True,
            return_complex=True,
        )
        zt = z.detach().clone().requires_grad_()
        t = torch.istft(zt, n_fft, hop, None, _tw(w), center=center, length=length)
        zg = ad.tensor(z.numpy(), requires_grad=True)
        g = zg.istft(n_fft, hop, None, _gw(w), center=center, length=length)
        _close(g, t, 1e-10, f"istft {size} {n_fft} {hop} {ws} {length} center={center}")
        c = RNG.standard_normal(tuple(t.shape))
        (t * torch.from_numpy(c)).sum().backward()
        (g * ad.tensor(c)).sum().backward()
        _close(zg.grad, zt.grad, 1e-10, "istft gradient")


@pytest.mark.parametrize("dt", [np.float64, np.complex128])
def test_complex_stft_roundtrip(dt):
    """test_complex_stft_roundtrip / test_complex_stft_real_equiv: stft of real and complex
    signals against torch for every pad mode, normalization and sidedness, and istft with
    length= gives the signal back (complex when asked)."""
    xs = [_rand(60, dt), _rand(81, dt), _rand((3, 60), dt)]
    sided = (True, False) if dt == np.float64 else (False,)
    for x, n_fft, hop, pad, normalized, onesided in itertools.product(
        xs, (20, 27), (None, 10), ("constant", "reflect", "circular"), (True, False), sided
    ):
        kw = dict(
            n_fft=n_fft, hop_length=hop, center=True, normalized=normalized, onesided=onesided
        )
        t = torch.stft(
            torch.from_numpy(x),
            pad_mode=pad,
            return_complex=True,
            window=torch.ones(n_fft, dtype=torch.float64),
            **kw,
        )
        z = ad.tensor(x).stft(pad_mode=pad, return_complex=True, **kw)
        _close(z, t, 1e-10, f"stft {x.shape} {kw} {pad}")
        back = z.istft(return_complex=np.dtype(dt).kind == "c", length=x.shape[-1], **kw)
        assert back.dtype == dt
        _close(back, x, 1e-10, "round trip")


@pytest.mark.parametrize("dt", [np.float64, np.complex128])
def test_stft_roundtrip_complex_window(dt):
    """test_stft_roundtrip_complex_window: a complex window makes the spectrum two-sided and
    complex, equal to torch's, and istft(return_complex=True) gives the signal back."""
    for x, n_fft, hop, pad, normalized in itertools.product(
        [_rand(60, dt), _rand((2, 50), dt)],
        (20, 27),
        (None, 10),
        ("constant", "reflect", "replicate", "circular"),
        (True, False),
    ):
        w = RNG.random(n_fft) + 1j * RNG.random(n_fft) + 0.5
        kw = dict(n_fft=n_fft, hop_length=hop, center=True, normalized=normalized)
        t = torch.stft(torch.from_numpy(x), window=_tw(w), pad_mode=pad, return_complex=True, **kw)
        z = ad.tensor(x).stft(window=_gw(w), pad_mode=pad, return_complex=True, **kw)
        assert z.dtype == np.complex128 and z.shape[-2] == n_fft
        _close(z, t, 1e-10, f"stft complex window {kw} {pad}")
        back = z.istft(window=_gw(w), length=x.shape[-1], return_complex=True, **kw)
        _close(back, x.astype(complex), 1e-8, "round trip")


def test_complex_stft_definition():
    """test_complex_stft_definition: uncentred stft of a complex signal with a complex window
    is the windowed frames' FFT, X[:, m] = fft(x[m h: m h + n] * w)."""
    for size, n_fft, hop in itertools.product((60, 81), (20, 27), (10, 15)):
        x, w = _rand(size, np.complex128), _rand(n_fft, np.complex128)
        frames = (size - n_fft) // hop + 1
        want = np.stack([np.fft.fft(x[m * hop : m * hop + n_fft] * w) for m in range(frames)], 1)
        g = ad.tensor(x).stft(n_fft, hop, window=ad.tensor(w), center=False)
        _close(g, want, 1e-10)
        _close(
            g,
            torch.stft(torch.from_numpy(x), n_fft, hop, window=torch.from_numpy(w), center=False),
            1e-10,
        )


def test_complex_istft_real_equiv():
    """test_complex_istft_real_equiv: istft of a two-sided complex spectrum with
    return_complex=True against torch, with its gradient."""
    for shape, hop, center, normalized in itertools.product(
        ((20, 20), (25, 1), (2, 20, 10)), (None, 10), (False, True), (True, False)
    ):
        z = _rand(shape, np.complex128)
        n_fft = shape[-2]
        kw = dict(
            n_fft=n_fft,
            hop_length=hop,
            center=center,
            normalized=normalized,
            window=None,
            return_complex=True,
        )
        zt = torch.from_numpy(z).requires_grad_()
        try:
            t = torch.istft(zt, **kw)
        except RuntimeError:
            with pytest.raises(ValueError):
                ad.tensor(z).istft(**kw)
            continue
        zg = ad.tensor(z, requires_grad=True)
        g = zg.istft(**kw)
        _close(g, t, 1e-10, f"istft {shape} hop={hop} center={center}")
        c = _rand(tuple(t.shape), np.complex128)
        (t * torch.from_numpy(c)).real.sum().backward()
        gnp.real(g * ad.tensor(c)).sum().backward()
        _close(zg.grad, zt.grad, 1e-10, "gradient")


def test_complex_stft_onesided():
    """test_complex_stft_onesided: a complex signal or window cannot be one-sided."""
    for xd, wd in itertools.product((np.float64, np.complex128), repeat=2):
        x, w = _rand(100, xd), _rand(10, wd)
        if np.dtype(xd).kind == "c" or np.dtype(wd).kind == "c":
            with pytest.raises(RuntimeError, match="complex"):
                torch.from_numpy(x).stft(
                    10, window=_tw(w), pad_mode="constant", onesided=True, return_complex=True
                )
            with pytest.raises(ValueError, match="onesided=True needs a real"):
                ad.tensor(x).stft(
                    10, window=_gw(w), pad_mode="constant", onesided=True, return_complex=True
                )
        else:
            g = ad.tensor(x).stft(
                10, window=_gw(w), pad_mode="constant", onesided=True, return_complex=True
            )
            assert g.dtype == np.complex128 and g.shape == (6, 51)
    with pytest.raises(ValueError, match="onesided"):
        ad.tensor(_rand(100, np.complex128)).stft(10, pad_mode="constant", onesided=True)


def test_stft_requires_complex():
    """test_stft_requires_complex: a real signal needs return_complex."""
    with pytest.raises(RuntimeError, match="return_complex"):
        torch.rand(100).stft(10, pad_mode="constant")
    with pytest.raises(ValueError, match="return_complex must be given"):
        ad.tensor(RNG.random(100)).stft(10, pad_mode="constant")


def test_stft_align_to_window_only_with_center_false():
    """test_stft_align_to_window_only_requires_non_center: align_to_window with center=True
    raises in both; with center=False, False is the plain transform and True (which gpuad
    does not implement) raises NotImplementedError."""
    x = RNG.random(100)
    for al in (True, False):
        with pytest.raises(RuntimeError, match="align_to_window"):
            torch.from_numpy(x).stft(10, center=True, return_complex=True, align_to_window=al)
        with pytest.raises(ValueError, match="align_to_window"):
            ad.tensor(x).stft(10, center=True, return_complex=True, align_to_window=al)
    w = torch.ones(10, dtype=torch.float64)
    t = torch.from_numpy(x).stft(
        10, window=w, center=False, return_complex=True, align_to_window=False
    )
    _close(
        ad.tensor(x).stft(10, center=False, return_complex=True, align_to_window=False), t, 1e-10
    )
    with pytest.raises(NotImplementedError, match="align_to_window"):
        ad.tensor(x).stft(10, center=False, return_complex=True, align_to_window=True)


def test_stft_and_istft_without_a_window():
    """test_stft_requires_window / test_istft_requires_window: torch warns and uses a
    rectangular window; gpuad uses it without a warning (the same values)."""
    x = RNG.random(100)
    with warnings.catch_warnings():  # torch warns once a process
        warnings.simplefilter("ignore")
        t = torch.from_numpy(x).stft(10, pad_mode="constant", return_complex=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ad.tensor(x).stft(10, pad_mode="constant", return_complex=True)
    _close(g, t, 1e-10)
    s = RNG.random((51, 5)) + 0j
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.istft(torch.from_numpy(s), n_fft=100, length=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ad.tensor(s).istft(n_fft=100, length=100)
    _close(g, t, 1e-10)


def _stft_pair(x, **kw):
    win = kw.get("window")
    tk = dict(kw, window=_tw(win))
    gk = dict(kw, window=_gw(win))
    return (
        torch.stft(torch.from_numpy(x), return_complex=True, **tk),
        ad.tensor(x).stft(return_complex=True, **gk),
    )


def test_istft_round_trips():
    """test_istft_round_trip_simple_cases / _various_params: istft(stft(x)) is x for torch's
    window, hop, centring, normalization and sidedness patterns (fewer trials)."""
    for v in (np.ones(4), np.zeros(4)):
        z = ad.tensor(v).stft(n_fft=4, return_complex=True, window=ad.tensor(np.ones(4)))
        back = z.istft(n_fft=4, length=4, window=ad.tensor(np.ones(4)))
        assert back.dtype == np.float64
        np.testing.assert_allclose(_h(back), v, atol=1e-12)
    hann = lambda n: torch.hann_window(n, dtype=torch.float64).numpy()  # noqa: E731
    hamm = lambda n: torch.hamming_window(n, dtype=torch.float64).numpy()  # noqa: E731
    patterns = [
        dict(
            n_fft=12,
            hop_length=4,
            win_length=12,
            window=hann(12),
            center=True,
            pad_mode="reflect",
            normalized=True,
            onesided=True,
        ),
        dict(
            n_fft=12,
            hop_length=2,
            win_length=8,
            window=hann(8),
            center=True,
            pad_mode="reflect",
            normalized=False,
            onesided=False,
        ),
        dict(
            n_fft=15,
            hop_length=3,
            win_length=11,
            window=hamm(11),
            center=True,
            pad_mode="constant",
            normalized=True,
            onesided=False,
        ),
        dict(
            n_fft=5,
            hop_length=2,
            win_length=5,
            window=hamm(5),
            center=True,
            pad_mode="constant",
            normalized=False,
            onesided=True,
        ),
    ]
    for kw in patterns:
        ikw = {k: v for k, v in kw.items() if k != "pad_mode"}
        for sizes in ((2, 20), (3, 15), (4, 10)):
            for _ in range(3):
                x = RNG.standard_normal(sizes)
                t, g = _stft_pair(x, **kw)
                _close(g, t, 1e-10, "stft")
                back = g.istft(length=sizes[1], **dict(ikw, window=_gw(ikw["window"])))
                _close(back, x, 1e-10, f"round trip {kw}")


def test_istft_round_trip_with_padding():
    """test_istft_round_trip_with_padding: where the frames do not reach length=, istft pads
    with zeros (torch warns, gpuad does not) and matches torch; the covered part is x."""
    hamm = lambda n: torch.hamming_window(n, dtype=torch.float64).numpy()  # noqa: E731
    patterns = [
        (
            (2, 20),
            dict(
                n_fft=3,
                hop_length=2,
                win_length=3,
                window=hamm(3),
                center=False,
                pad_mode="reflect",
                normalized=False,
                onesided=False,
            ),
        ),
        (
            (2, 500),
            dict(
                n_fft=256,
                hop_length=254,
                win_length=256,
                window=hamm(256),
                center=True,
                pad_mode="constant",
                normalized=False,
                onesided=True,
            ),
        ),
    ]
    for sizes, kw in patterns:
        ikw = {k: v for k, v in kw.items() if k != "pad_mode"}
        x = RNG.standard_normal(sizes)
        t, g = _stft_pair(x, **kw)
        with warnings.catch_warnings():  # torch warns once a process
            warnings.simplefilter("ignore")
            ti = torch.istft(t, length=sizes[-1], **dict(ikw, window=_tw(ikw["window"])))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gi = g.istft(length=sizes[-1], **dict(ikw, window=_gw(ikw["window"])))
        _close(gi, ti, 1e-10)
        frames = g.shape[-1]
        covered = (kw["n_fft"] // 2 if kw["center"] else kw["n_fft"]) + kw["hop_length"] * (
            frames - 1
        )
        np.testing.assert_array_equal(_h(gi)[..., covered:], 0)
        np.testing.assert_allclose(_h(gi)[..., :covered], x[..., :covered], atol=1e-10)


def test_istft_throws():
    """test_istft_throws: a gap between windows, a window failing NOLA and an empty spectrum
    raise in both."""
    z = np.zeros((3, 5), complex)
    calls = [
        (z, dict(n_fft=4, hop_length=20, win_length=1, window=np.ones(1))),
        (z, dict(n_fft=4, win_length=4, window=np.zeros(4))),
        (np.zeros((3, 0), complex), dict(n_fft=2)),
        (np.zeros((0, 3), complex), dict(n_fft=2)),
    ]
    for s, kw in calls:
        with pytest.raises(RuntimeError):
            torch.istft(torch.from_numpy(s), **dict(kw, window=_tw(kw.get("window"))))
        with pytest.raises(ValueError):
            ad.tensor(s).istft(**dict(kw, window=_gw(kw.get("window"))))


def test_istft_of_sine():
    """test_istft_of_sine: a spectrum with one frequency's two bins gives the sine back."""
    for amp, L, n in (
        (123, 5, 1),
        (150, 5, 2),
        (111, 5, 3),
        (160, 7, 4),
        (145, 8, 5),
        (80, 9, 6),
        (99, 10, 7),
    ):
        stft = np.zeros((L // 2 + 1, 2), complex)
        if n < stft.shape[0]:
            stft[n] = -1j * amp * L / 2
        if 0 <= L - n < stft.shape[0]:
            stft[L - n] = 1j * amp * L / 2
        kw = dict(n_fft=L, hop_length=L, win_length=L, center=False, normalized=False)
        g = ad.tensor(stft).istft(window=ad.tensor(np.ones(L)), **kw)
        t = torch.istft(torch.from_numpy(stft), window=torch.ones(L, dtype=torch.float64), **kw)
        _close(g, t, 1e-10)
        original = amp * np.sin(2 * np.pi / L * np.arange(2 * L + 1) * n)
        np.testing.assert_allclose(_h(g), original[: g.shape[-1]], atol=1e-3)


def test_istft_linearity():
    """test_istft_linearity: istft(a z1 + b z2) = a istft(z1) + b istft(z2), method form,
    and equal to torch's."""
    hann = lambda n: torch.hann_window(n, dtype=torch.float64).numpy()  # noqa: E731
    hamm = lambda n: torch.hamming_window(n, dtype=torch.float64).numpy()  # noqa: E731
    patterns = [
        ((2, 7, 7), dict(n_fft=12, window=hann(12), center=True, normalized=True, onesided=True)),
        (
            (2, 12, 7),
            dict(n_fft=12, window=hann(12), center=True, normalized=False, onesided=False),
        ),
        ((2, 12, 7), dict(n_fft=12, window=hamm(12), center=True, normalized=True, onesided=False)),
        ((2, 7, 3), dict(n_fft=12, window=hamm(12), center=False, normalized=False, onesided=True)),
    ]
    for shape, kw in patterns:
        gk = dict(kw, window=_gw(kw["window"]))
        for _ in range(3):
            z1, z2 = _rand(shape, np.complex128), _rand(shape, np.complex128)
            a, b = RNG.random(2)
            lhs = ad.tensor(a * z1 + b * z2).istft(**gk)
            rhs = a * ad.tensor(z1).istft(**gk) + b * ad.tensor(z2).istft(**gk)
            _close(lhs, _h(rhs), 1e-10)
            _close(
                lhs,
                torch.istft(
                    torch.from_numpy(a * z1 + b * z2), **dict(kw, window=_tw(kw["window"]))
                ),
                1e-10,
            )


def test_batch_istft():
    """test_batch_istft: a batch of one or four spectra gives the rows of the single one,
    float32 from complex64 as torch's."""
    o = np.array([[4.0] * 5, [0.0] * 5, [0.0] * 5], np.complex64)
    w = ad.tensor(np.ones(4, np.float32))
    single = ad.tensor(o).istft(n_fft=4, length=4, window=w)
    assert single.dtype == np.float32
    _close(single, torch.istft(torch.from_numpy(o), n_fft=4, length=4, window=torch.ones(4)), 1e-6)
    for reps in (1, 4):
        multi = ad.tensor(np.repeat(o[None], reps, 0)).istft(n_fft=4, length=4, window=w)
        assert multi.dtype == np.float32 and multi.shape == (reps, 4)
        np.testing.assert_array_equal(_h(multi), np.repeat(_h(single)[None], reps, 0))


# ---- TestTypePromotion ------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [np.complex64, np.complex128])
def test_abs_complex_to_float(dt):
    """test_abs_complex_to_float: abs of complex is the real dtype of its precision (torch's
    and NumPy's), also empty; out= of the float or the complex dtype is written; an integer
    out= raises (torch and NumPy too); an out= of another shape raises (NumPy's, torch resizes
    it); x.abs_() writes |x| into the complex tensor (NumPy's abs(x, out=x); torch refuses).
    The gradient is torch's."""
    vals = [
        complex(RNG.random() * m, RNG.random() * m)
        for m in (-1, 1, -10, 10, -100, 100)
        for _ in range(10)
    ]
    for v in (vals, []):
        a = np.array(v, dt)
        g = gnp.abs(ad.tensor(a))
        t = torch.abs(torch.from_numpy(a))
        assert g.dtype == np.abs(a).dtype == _torch_dtype_as_numpy(t)
        np.testing.assert_array_equal(_h(g), np.abs(a))
        np.testing.assert_allclose(_h(g), t.numpy(), rtol=1e-6 if dt == np.complex64 else 1e-15)
        fdt = np.float32 if dt == np.complex64 else np.float64
        out = ad.tensor(np.zeros(len(v), fdt))
        gnp.abs(ad.tensor(a), out=out)
        np.testing.assert_array_equal(_h(out), np.abs(a))
        cout = ad.tensor(np.zeros(len(v), dt))
        gnp.abs(ad.tensor(a), out=cout)
        np.testing.assert_array_equal(_h(cout), np.abs(a).astype(dt))
        with pytest.raises(RuntimeError):
            torch.abs(torch.from_numpy(a), out=torch.empty(0, dtype=torch.long))
        with pytest.raises(TypeError):
            gnp.abs(ad.tensor(a), out=ad.tensor(np.zeros(len(v), np.int64)))
        if v:
            with pytest.raises(ValueError):
                gnp.abs(ad.tensor(a), out=ad.tensor(np.zeros(1, fdt)))
        x = ad.tensor(a.copy())
        x.abs_()
        assert x.dtype == dt
        np.testing.assert_array_equal(_h(x), np.abs(a, out=a.copy()))
    with pytest.raises(RuntimeError, match="In-place abs is not supported for complex"):
        torch.from_numpy(np.array(vals, dt)).abs_()
    z = np.array(vals[:8], np.complex128)
    zt = torch.from_numpy(z).requires_grad_()
    torch.abs(zt).sum().backward()
    zg = ad.tensor(z, requires_grad=True)
    gnp.abs(zg).sum().backward()
    _close(zg.grad, zt.grad, 1e-12)


# ---- TestScatterGather ------------------------------------------------------------------------
def test_scatter_add_broadcasted_index_deterministic():
    """test_scatter_add_broadcasted_index_deterministic: scatter_add_ with an index broadcast
    (stride 0) along the other dim equals torch's, and equals it under deterministic mode; its
    gradients in self and src are torch's."""
    for d in (0, 1):
        inp = RNG.standard_normal((3, 4))
        idx1 = RNG.integers(0, 3, 10)
        shape = [3, 4]
        shape[d] = 10
        src = RNG.standard_normal(shape)
        ig = gnp.broadcast_to(gnp.expand_dims(ad.tensor(idx1), 1 - d), tuple(shape))
        it = torch.from_numpy(idx1).unsqueeze(1 - d).expand(shape)
        ref = torch.from_numpy(inp).clone().scatter_add_(d, it, torch.from_numpy(src))
        _close(ad.tensor(inp).clone().scatter_add_(d, ig, ad.tensor(src)), ref, 1e-12)
        prev = ad.is_deterministic()
        ad.set_deterministic(True)
        try:
            _close(ad.tensor(inp).clone().scatter_add_(d, ig, ad.tensor(src)), ref, 1e-12)
        finally:
            ad.set_deterministic(prev)
        ti = torch.from_numpy(inp).requires_grad_()
        ts = torch.from_numpy(src).requires_grad_()
        c = RNG.standard_normal((3, 4))
        (ti.scatter_add(d, it, ts) * torch.from_numpy(c)).sum().backward()
        gi = ad.tensor(inp, requires_grad=True)
        gs = ad.tensor(src, requires_grad=True)
        (gi.scatter_add(d, ig, gs) * ad.tensor(c)).sum().backward()
        _close(gi.grad, ti.grad, 1e-12)
        _close(gs.grad, ts.grad, 1e-12)


# ---- TestSegmentReductions --------------------------------------------------------------------
def test_segment_reduce_is_absent_with_a_clear_error():
    """torch.segment_reduce has no gpuad name; the AttributeError says what to use, and what
    it says computes torch's values where both fill empty segments alike (sum, prod, max, min
    of non-empty segments; mean by lengths)."""
    assert not hasattr(torch.Tensor, "segment_reduce")
    with pytest.raises(AttributeError, match="gpuad.ops.segment_sum"):
        ad.segment_reduce  # noqa: B018
    from gpuad import ops

    data = RNG.standard_normal((6, 2))
    lengths = np.array([1, 2, 3])
    ids = gnp.repeat(gnp.arange(len(lengths)), ad.tensor(lengths))
    for red, fn in (
        ("sum", ops.segment_sum),
        ("prod", ops.segment_prod),
        ("max", ops.segment_max),
        ("min", ops.segment_min),
    ):
        t = torch.segment_reduce(torch.from_numpy(data), red, lengths=torch.from_numpy(lengths))
        _close(fn(ad.tensor(data), ids, num_segments=3), t, 1e-12, red)
    t = torch.segment_reduce(torch.from_numpy(data), "mean", lengths=torch.from_numpy(lengths))
    mean = ops.segment_sum(ad.tensor(data), ids, num_segments=3) / ad.tensor(lengths)[:, None]
    _close(mean, t, 1e-12, "mean")


@pytest.mark.parametrize(
    "name",
    [
        "fft",
        "ifft",
        "rfft",
        "irfft",
        "hfft",
        "ihfft",
        "fftn",
        "rfftn",
        "irfftn",
        "hfftn",
        "ihfftn",
        "stft",
        "istft",
    ],
)
def test_forward_and_reverse_against_central_differences(name):
    """The transforms ported above, differentiated forward and in reverse, against float64
    central differences (gpuad.testing.check_grads), with n/s that crop and pad."""
    from gpuad.testing import check_grads

    x = RNG.standard_normal((4, 6))
    z = _rand((4, 6), np.complex128)
    calls = {
        "fft": (lambda a: F.fft(a, n=5, norm="ortho"), z),
        "ifft": (lambda a: F.ifft(a, n=8, axis=0), z),
        "rfft": (lambda a: F.rfft(a, n=7, norm="forward"), x),
        "irfft": (lambda a: F.irfft(a, n=9), z),
        "hfft": (lambda a: F.hfft(a, n=7, axis=0, norm="ortho"), z),
        "ihfft": (lambda a: F.ihfft(a, n=5), x),
        "fftn": (lambda a: F.fftn(a, s=(3, 8)), z),
        "rfftn": (lambda a: F.rfftn(a, s=(5, 4), axes=(1, 0)), x),
        "irfftn": (lambda a: F.irfftn(a, s=(3, 7), norm="ortho"), z),
        "hfftn": (lambda a: F.hfftn(a, s=(4, 9)), z),
        "ihfftn": (lambda a: F.ihfftn(a, axes=(0, 1), norm="forward"), x),
        "stft": (
            lambda a: a.reshape(-1).stft(
                8, 3, window=ad.tensor(np.hanning(8) + 0.1), return_complex=True, normalized=True
            ),
            x,
        ),
        "istft": (
            lambda a: a.reshape(5, 5).istft(8, 3, window=ad.tensor(np.hanning(8) + 0.1)),
            _rand((5, 5), np.complex128) * np.array([1, 1, 1, 1, 0])[:, None],
        ),
    }
    f, arg = calls[name]
    check_grads(f, (ad.tensor(arg),), order=1, modes=("fwd", "rev"))


def test_scatter_reduce_of_a_number_into_integers():
    """test_scatter__reductions with integer tensors: a Python float added or multiplied in
    with reduce= raises TypeError (the in-place rule: no silent truncation), where torch
    truncates it; a number of the tensor's kind gives torch's values, and a plain scatter of a
    float writes it truncated, as torch's (a write, not arithmetic)."""
    base = RNG.integers(-5, 6, (3, 4))
    idx = RNG.integers(0, 3, (2, 4))
    tb, ti = torch.from_numpy(base), torch.from_numpy(idx)
    gb, gi = ad.tensor(base), ad.tensor(idx)
    for red in ("add", "multiply"):
        tb.scatter(0, ti, 1.5, reduce=red)
        with pytest.raises(TypeError, match="cast"):
            gb.scatter(0, gi, 1.5, reduce=red)
        np.testing.assert_array_equal(
            _h(gb.scatter(0, gi, 3, reduce=red)), tb.scatter(0, ti, 3, reduce=red).numpy()
        )
    np.testing.assert_array_equal(_h(gb.scatter(0, gi, 1.5)), tb.scatter(0, ti, 1.5).numpy())
    bb = RNG.random((3, 4)) > 0.5
    for red in ("add", "multiply"):
        np.testing.assert_array_equal(
            _h(ad.tensor(bb).scatter(0, gi, True, reduce=red)),
            torch.from_numpy(bb).scatter(0, ti, True, reduce=red).numpy(),
        )


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_segment_zero_length(dt):
    """test_simple_zero_length: no rows in two empty segments give each reduction's identity
    (torch's with initial=None; mean is 0 / 0, NaN), as Tensors on the tape of the data (the
    gradient of nothing is empty)."""
    from gpuad import ops

    lengths = torch.tensor([0, 0])
    ids = ad.tensor(np.zeros(0, np.int64))
    for red, fn in (
        ("sum", ops.segment_sum),
        ("prod", ops.segment_prod),
        ("max", ops.segment_max),
        ("min", ops.segment_min),
    ):
        d = ad.tensor(np.zeros(0, dt), requires_grad=True)
        out = fn(d, ids, num_segments=2)
        t = torch.segment_reduce(
            torch.zeros(0, dtype=getattr(torch, np.dtype(dt).name)), red, lengths=lengths
        )
        assert isinstance(out, ad.Tensor) and out.dtype == dt
        np.testing.assert_array_equal(_h(out), t.numpy())
        out.sum().backward()
        assert d.grad.shape == (0,)
    with np.errstate(invalid="ignore"):
        mean = ops.segment_sum(ad.tensor(np.zeros(0, dt)), ids, num_segments=2) / ad.tensor(
            np.zeros(2, dt)
        )
    np.testing.assert_array_equal(
        _h(mean),
        torch.segment_reduce(torch.zeros(0, dtype=torch.float64), "mean", lengths=lengths).numpy(),
    )


def test_segment_lengths_not_covering_the_data():
    """test_unsafe_flag: lengths that do not add up to the rows raise in torch; the ids built
    from them (gnp.repeat) do not match the rows either, and gpuad.ops raises."""
    from gpuad import ops

    lengths = np.array([0, 2, 3, 0])
    with pytest.raises(RuntimeError, match="Expected all rows of lengths"):
        torch.segment_reduce(
            torch.arange(6.0), "sum", lengths=torch.from_numpy(lengths), unsafe=False
        )
    ids = gnp.repeat(gnp.arange(4), ad.tensor(lengths))
    with pytest.raises(ValueError, match="one id per row"):
        ops.segment_sum(ad.tensor(np.arange(6.0)), ids, num_segments=4)
