"""PyTorch's hand-written reference tests of elementwise functions (test/test_binary_ufuncs.py
and test/test_unary_ufuncs.py), run on the same inputs in gpuad and in torch.

test_torch_opinfo.py runs torch's OpInfo samples and test_special_points_vs_peers.py sweeps
every float function over 0, +-1, +-inf, NaN and the like; this file takes the inputs torch's
own hand-written tests choose: integer division and remainders with negative and zero divisors
(``remainder``, ``fmod``, ``floor_divide``, ``div(rounding_mode=)``, ``//`` and ``%``),
``pow``/``float_power`` with negative integer exponents, integer overflow, ``0 ** 0`` and
complex bases and exponents, ``xlogy`` at ``x = 0``, signed zeros of ``copysign`` and
``atan2``, ``nextafter``, ``ldexp``, ``frexp``, ``lerp`` with tensor weights, ``gcd``/``lcm``,
shifts past the width, comparisons across dtypes, ``sgn`` of complex numbers, ``nan_to_num``,
``logit(eps)``, ``round(decimals=)``, ``polygamma`` at its poles, ``clamp`` with tensor
bounds (also ``min > max``), complex special values, the activations on complex input, and
Python numbers against 0-d tensors on either side of each operator. Each case compares the
values (NaN with NaN, signed zeros where the case says so), the dtypes and the gradients of
``sum(out * w)`` (``w = 1, 2, 3, ...``; ``re(sum(out * w))`` for complex results) in float64,
and the float64 central differences of gpuad's gradients where the functions are smooth.

Where gpuad differs from torch, the entry in ``DIFFERS`` names the quantity and the entries,
says why, and gives the reference gpuad's answer there is checked against (NumPy, SciPy,
Python's own arithmetic, the exact derivative): at most of them gpuad is exact where torch's
formula rounds (the gradients of ``fmod``, ``ldexp``, ``sinc`` and ``expm1``, ``(-0.0) **
-0.5``, ``polygamma``).
``TORCH_RAISES`` lists the inputs torch refuses and gpuad computes with NumPy's meaning
(integer division by zero gives 0 with NumPy's warning), ``GPUAD_RAISES`` the ones gpuad
refuses with a clear error (NumPy's: negative integer powers of an integer tensor, a uint8
tensor against a negative Python int). The dtypes differ only by the documented rule
(docs/porting.md, "NumPy semantics"): an integer input made float is float64 (complex128),
where torch takes its default float32 (complex64), and a float tensor with an integer tensor
takes NumPy's float wide enough for both. The file runs in about 30 s.
"""

from __future__ import annotations

import operator
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sc = pytest.importorskip("scipy.special")

import gpuad as ad  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.special as gs  # noqa: E402

INF, NAN = np.inf, np.nan
I64 = np.iinfo(np.int64)
I32 = np.iinfo(np.int32)
F64MAX = np.finfo(np.float64).max

_T2N = {torch.float64: np.float64, torch.float32: np.float32, torch.float16: np.float16,
        torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16,
        torch.int8: np.int8, torch.uint8: np.uint8, torch.bool: np.bool_,
        torch.complex128: np.complex128, torch.complex64: np.complex64}


# ---- running one case in both libraries ------------------------------------------------------

@dataclass
class Run:
    values: tuple = ()
    dtypes: tuple = ()
    grads: tuple | None = None
    error: BaseException | None = None


def _weights(v: np.ndarray) -> np.ndarray:
    w = np.arange(1, v.size + 1, dtype=np.float64).reshape(v.shape)
    return (w * (1 - 0.5j)).astype(v.dtype) if v.dtype.kind == "c" else w.astype(v.dtype)


def _tensors(lib: str, args: tuple, diff: tuple) -> list:
    out = []
    for i, a in enumerate(args):
        if not isinstance(a, np.ndarray):
            out.append(a)
        elif lib == "torch":
            out.append(torch.tensor(a).requires_grad_(i in diff))
        else:  # (a copy: gpuad.tensor takes a NumPy array without one, as torch.as_tensor)
            out.append(ad.tensor(a.copy(), requires_grad=i in diff))
    return out


def _torch_np(t) -> np.ndarray:
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape), _T2N[t.dtype])
    return t.detach().numpy()


def run(lib: str, fn, args: tuple, diff: tuple = ()) -> Run:
    """Values, dtypes and (for ``diff``) the gradients of ``sum(out[0] * w)``. torch runs
    with float64 as its default dtype, so that an integer input made float is computed in
    float64 as in gpuad; its dtypes are those of a second run with its own default."""
    if lib == "torch":
        dtypes = _torch_dtypes(fn, args)
        old = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            r = _run(lib, fn, args, diff)
        finally:
            torch.set_default_dtype(old)
        if r.error is None:
            r.dtypes = dtypes
        return r
    return _run(lib, fn, args, diff)


def _torch_dtypes(fn, args: tuple) -> tuple:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(*_tensors("torch", args, ()))
        outs = tuple(out) if isinstance(out, tuple) else (out,)
        return tuple(np.dtype(_T2N[o.dtype]) for o in outs)
    except Exception:  # noqa: BLE001  (the float64 run reports it)
        return ()


def _run(lib: str, fn, args: tuple, diff: tuple) -> Run:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xs = _tensors(lib, args, diff)
            out = fn(*xs)
            outs = tuple(out) if isinstance(out, tuple) else (out,)
            if lib == "torch":
                vals = tuple(_torch_np(o) for o in outs)
                dts = tuple(np.dtype(_T2N[o.dtype]) for o in outs)
            else:
                vals = tuple(np.asarray(o.numpy() if isinstance(o, ad.Tensor) else o)
                             for o in outs)
                dts = tuple(v.dtype for v in vals)
            grads = None
            if diff:
                grads = _grads(lib, outs[0], vals[0], [xs[i] for i in diff])
                grads = tuple(np.zeros_like(args[i]) if g is None else g
                              for i, g in zip(diff, grads, strict=True))
        return Run(vals, dts, grads)
    except Exception as e:  # noqa: BLE001  (compared with the other library's answer)
        return Run(error=e)


def _grads(lib, out, val, inputs):
    w = _weights(val)
    if lib == "torch":
        if not out.requires_grad:
            return [None] * len(inputs)
        loss = (out * torch.tensor(w)).sum()
        loss = loss.real if loss.is_complex() else loss
        gs_ = torch.autograd.grad(loss, inputs, allow_unused=True)
        return [None if g is None else _torch_np(g) for g in gs_]
    if not (isinstance(out, ad.Tensor) and out.requires_grad):
        # piecewise constant (rounded quotients, comparisons): a constant in gpuad, whose
        # gradient torch gives as zeros
        return [None] * len(inputs)
    loss = gnp.sum(out * w)
    loss = gnp.real(loss) if val.dtype.kind == "c" else loss
    gs_ = ad.autograd.grad(loss, inputs, allow_unused=True)
    return [None if g is None else np.asarray(g) for g in gs_]


# ---- comparisons ----------------------------------------------------------------------------

_RTOL = {"f8": 1e-12, "c16": 1e-12, "f4": 5e-6, "c8": 5e-6, "f2": 2e-3}


def _rtol(dtype) -> float:
    return _RTOL.get(np.dtype(dtype).str[1:], 0.0)


def same(a, b, rtol: float, signed: bool = False, atol: float = 1e-300) -> np.ndarray:
    """Elementwise agreement: NaN with NaN, infinities by sign, finite numbers within ``atol +
    rtol |b|`` (exactly for integers and booleans); with ``signed`` zeros by their sign too."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
        return a == b
    a, b = a.astype(np.complex128), b.astype(np.complex128)
    ok = np.ones(a.shape, bool)
    for p, q in ((a.real, b.real), (a.imag, b.imag)):
        with np.errstate(invalid="ignore", over="ignore"):
            near = np.abs(p - q) <= rtol * np.abs(q) + atol
        ok &= (np.isnan(p) & np.isnan(q)) | (p == q) | (np.isfinite(p) & np.isfinite(q) & near)
        if signed:
            ok &= (np.signbit(p) == np.signbit(q)) | np.isnan(p)
    return ok


def _default_float(args) -> bool:
    """No input is a float32/complex64/float16 array: where torch's default dtype enters."""
    return not any(isinstance(a, np.ndarray) and a.dtype.kind in "fc" and a.dtype.itemsize < 8
                   and a.dtype != np.complex128 for a in args)


def dtype_ok(mine, theirs, args) -> bool:
    """The same dtype, or one of the documented rules (docs/porting.md, tests/conformance/
    test_torch_promotion_fuzz.py): torch's default float32 (complex64) where an integer input
    is made float, gpuad's float64 (complex128), as NumPy's; a float tensor with an integer
    tensor: NumPy's float wide enough for both (torch keeps the float tensor's)."""
    if mine == theirs:
        return True
    wide = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}
    if theirs in wide and mine == wide[theirs] and _default_float(args):
        return True
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    ints = any(a.dtype.kind in "iu" for a in arrays)
    return ints and theirs.kind == "f" and mine == np.result_type(*arrays)


# ---- the cases ---------------------------------------------------------------------------------

@dataclass
class Case:
    g: object                 # gpuad's spelling
    t: object                 # torch's (None: not run in torch, see NO_TORCH)
    args: tuple
    diff: tuple = ()          # differentiated positions
    signed: bool = False      # compare the signs of zeros
    rtol: float | None = None  # of the values (default: by dtype)


def _m(name):
    """``x.name(*rest)`` in both libraries."""
    return lambda x, *rest: getattr(x, name)(*rest)


def _grid(values, dtype=np.float64):
    """Every pair of ``values``: (x, y) as two flat arrays."""
    v = np.asarray(values, dtype=dtype)
    return np.repeat(v, v.size), np.tile(v, v.size)


DIV_SPECIAL = [1.0, -1.0, 0.0, -0.0, 0.1, -0.1, np.pi, -np.pi, INF, -INF, NAN, 5.5, -5.5]
INTS_A = np.arange(-7, 8)
INTS_B = np.array([-3, -2, -1, 1, 2, 3])
POW_FLOATS = [-3.0, -2.0, -1.0, -0.5, -1 / 3, 0.0, -0.0, 1 / 3, 0.5, 1.0, 2.0, 3.0]
CX = np.array([0.5 + 0.5j, 1.5 - 0.2j, -1.2 + 0.7j, 0.9 + 0j, -0.3 - 1.1j])


def _division_cases(c: dict) -> None:
    """test_div_rounding_modes, test_div_rounding_nonfinite, test_divide_by_zero_rounding,
    test_div_rounding_numpy, test_floor_divide_*, test_remainder_*, test_fmod_*."""
    ops = {"remainder": _m("remainder"), "fmod": _m("fmod"), "floor_divide": _m("floor_divide"),
           "div_floor": lambda a, b: a.div(b, rounding_mode="floor"),
           "div_trunc": lambda a, b: a.div(b, rounding_mode="trunc"),
           "div": lambda a, b: a.div(b), "%": operator.mod, "//": operator.floordiv}
    for dt in (np.int64, np.int32, np.int16, np.int8):
        a, b = np.repeat(INTS_A, 6).astype(dt), np.tile(INTS_B, 15).astype(dt)
        for n, f in ops.items():
            c[f"{n}/{np.dtype(dt).name}"] = Case(f, f, (a, b))
            c[f"{n}/{np.dtype(dt).name}/by0"] = Case(f, f, (INTS_A.astype(dt),
                                                             np.zeros(15, dt)))
    u = np.arange(0, 12, dtype=np.uint8)
    for n, f in ops.items():
        c[f"{n}/uint8"] = Case(f, f, (u, (u[::-1] % 5 + 1).astype(np.uint8)))
        # torch's CPU kernel of div(rounding_mode="trunc") dies of SIGFPE on INT64_MIN / -1:
        # gpuad's is checked against NumPy's wrap-around there (see NO_TORCH)
        c[f"{n}/int_min_by_-1"] = Case(f, None if n == "div_trunc" else f,
                                       (np.array([I64.min, I32.min, -7]), np.array([-1, -1, -1])))
    x, y = _grid(DIV_SPECIAL)
    for n, f in ops.items():
        if n in ("%", "//"):
            continue
        # (torch has no derivative of floor_divide; gpuad's is a constant, see run())
        dd = () if n == "floor_divide" else (0, 1)
        c[f"{n}/float_grid"] = Case(f, f, (x, y), dd, signed=n != "remainder")
        c[f"{n}/float32_grid"] = Case(f, f, (x.astype(np.float32), y.astype(np.float32)))
    sp = np.array(DIV_SPECIAL)
    for s in (0, 0.0, -0.0, 2, -2.5):
        for n, f in ops.items():
            c[f"{n}/scalar_{s!r}"] = Case(lambda a, f=f, s=s: f(a, s), lambda a, f=f, s=s: f(a, s),
                                          (sp,), () if n in ("floor_divide", "//") else (0,),
                                          signed=n not in ("remainder", "%"))
    for dt in (np.int64, np.int32, np.int8, np.uint8, np.float32):
        v = np.array([5, 7, 3, 0, 12], dt) if dt == np.uint8 else np.array([5, -7, 3, 0, -12], dt)
        for n, f in ops.items():
            for s in (2, -3, 2.5, -1.5):
                c[f"{n}/{np.dtype(dt).name}_by_{s}"] = Case(
                    lambda a, f=f, s=s: f(a, s), lambda a, f=f, s=s: f(a, s), (v,))
            c[f"{n}/{np.dtype(dt).name}_rhs"] = Case(
                lambda a, f=f: f(-7, a), lambda a, f=f: f(-7, a), (v[v != 0],)) \
                if n in ("%", "//") else None


def _pow_cases(c: dict) -> None:
    """test_pow, test_int_and_float_pow, test_int_tensor_pow_neg_ints, test_long_tensor_pow_
    floats, test_float_scalar_pow_float_tensor, test_complex_scalar_pow_tensor,
    test_pow_scalar_type_promotion, test_tensor_pow_tensor, test_float_power."""
    ints = np.array([I32.min, -3, -2, -1, 0, 1, 2, 3, I32.max], np.int32)
    for e in (I32.min, -3, -2, -1):
        c[f"pow/int32**{e}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e), (ints,))
        c[f"**/int32**{e}"] = Case(lambda a, e=e: a ** e, lambda a, e=e: a ** e, (ints,))
    for e in (0, 1, 2, 3):
        c[f"pow/int32**{e}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e), (ints,))
    c["pow/int_tensor_negative_exponents"] = Case(
        operator.pow, operator.pow, (np.array([2, 1, -1, 3]), np.array([-1, -2, -3, 2])))
    for dt, vals in ((np.uint8, [0, 1, 2, 3]), (np.int8, [0, 1, 2, 3]), (np.int64, [0, 1, 2, 3])):
        v = np.array(vals, dt)
        c[f"pow/{np.dtype(dt).name}_tensor_tensor"] = Case(operator.pow, operator.pow,
                                                           (np.repeat(v, 4), np.tile(v, 4)))
    c["pow/int64_overflow"] = Case(lambda a: a ** 70, lambda a: a ** 70, (np.array([2, 3, -2]),))
    c["pow/int32_overflow"] = Case(lambda a: a ** 31, lambda a: a ** 31,
                                   (np.array([2, 3, -2], np.int32),))
    c["pow/uint8_overflow"] = Case(lambda a: a ** 9, lambda a: a ** 9,
                                   (np.array([2, 3, 0, 1], np.uint8),))
    c["rpow/2**int64"] = Case(lambda a: 2 ** a, lambda a: 2 ** a, (np.array([0, 3, 62, 63, 64]),))
    c["rpow/2**uint8"] = Case(lambda a: 2 ** a, lambda a: 2 ** a,
                              (np.array([0, 3, 7, 8, 17], np.uint8),))
    c["rpow/2.5**int64"] = Case(lambda a: 2.5 ** a, lambda a: 2.5 ** a, (np.array([0, 3, -2]),))
    for e in (0.0, 1 / 3, 0.5, 1.0, 1.5, 2.0):
        c[f"pow/int64**{e:.3f}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e),
                                        (np.array([0, 1, 23, 4567]),))
    x, y = _grid(POW_FLOATS)
    c["pow/float_tensor_tensor"] = Case(operator.pow, operator.pow, (x, y), (0, 1), signed=True)
    c["float_power/tensor_tensor"] = Case(_m("float_power"), _m("float_power"), (x, y), (0, 1))
    fl = np.array(POW_FLOATS)
    for base in (2.0, -1.5, -1.0, -0.5, -1 / 3, 0.0, 1 / 3, 0.5, 1.0, 1.5):
        c[f"rpow/{base:.3f}**float"] = Case(lambda b, s=base: s ** b, lambda b, s=base: s ** b,
                                            (fl,), (0,), signed=True)
        c[f"pow/scalar_base_{base:.3f}"] = Case(lambda b, s=base: gnp.power(s, b),
                                                lambda b, s=base: torch.pow(s, b), (fl,), (0,))
    base = np.array([0.0, -0.0, 0.5, 1.5, -1.5, 2.0])
    for e in (-2.8, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 4, 3.3):
        c[f"pow/float**{e}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e), (base,),
                                    (0,), signed=True)
        c[f"pow/float32**{e}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e),
                                      (base[2:].astype(np.float32),), (0,))
    for e in (-2.5j, -1.0j, 0j, 1.0j, 2.5j, 1 + 1j, -1 - 1.5j, 3.3j, -2.8, -2, -1, -0.5, 0, 0.5,
              2, 3):
        c[f"pow/complex**{e}"] = Case(lambda a, e=e: a.pow(e), lambda a, e=e: a.pow(e), (CX,),
                                      (0,))
    for b in (0.5j, 1 + 1j, -1.5j, 2.2 - 1.6j, 1 + 0j):
        c[f"rpow/{b}**real"] = Case(lambda x, b=b: b ** x, lambda x, b=b: b ** x,
                                    (np.array([-1.5, 0.0, 0.7, 1.9]),), (0,))
        c[f"rpow/{b}**complex"] = Case(lambda x, b=b: b ** x, lambda x, b=b: b ** x, (CX,), (0,))
    c["pow/complex_tensor_tensor"] = Case(operator.pow, operator.pow, (CX, CX[::-1].copy()),
                                          (0, 1))
    c["pow/real**complex_tensor"] = Case(operator.pow, operator.pow,
                                         (np.array([0.5, 2.0, -1.5, 0.0, 3.0]), CX), (0, 1))
    c["pow/0j**complex"] = Case(operator.pow, operator.pow,
                                (np.zeros(4, complex), np.array([0j, 1 + 0j, 2 + 1j, -1 + 0j])),
                                (0, 1))
    c["pow/float32**1j"] = Case(lambda a: a ** 1j, lambda a: a ** 1j,
                                (np.array([0.5, 2.0], np.float32),))
    c["pow/int**1j"] = Case(lambda a: a ** 1j, lambda a: a ** 1j, (np.array([1, 2]),))
    for dt in (np.float32, np.int64, np.int32, np.complex64):
        v = np.array([1, 2, 3]).astype(dt)
        for e in (2, -2, 2.5):
            c[f"float_power/{np.dtype(dt).name}**{e}"] = Case(
                lambda a, e=e: a.float_power(e), lambda a, e=e: a.float_power(e), (v,))
    c["float_power/float32_grad"] = Case(lambda a: a.float_power(2.5),
                                         lambda a: a.float_power(2.5),
                                         (np.array([1, 2, 3], np.float32),), (0,))


def _binary_cases(c: dict) -> None:
    """test_xlogy_xlog1py*, test_copysign*, test_nextafter, test_ldexp, test_hypot,
    test_logaddexp, test_lerp, test_atan2, test_heaviside, test_gcd, test_lcm,
    test_bitwise_shift*, test_comparison_ops*."""
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, -1.0, 0.0, NAN, 0.5])
    y = np.array([NAN, 0.0, 1.0, 2.0, NAN, 3.0, 0.5, INF, 0.0, -1.0])
    c["xlogy"] = Case(_m("xlogy"), _m("xlogy"), (x, y), (0, 1))
    c["xlog1py"] = Case(gs.xlog1py, torch.special.xlog1py, (x, y - 1), (0, 1))
    c["xlogy/scalar_x0"] = Case(lambda b: gs.xlogy(0.0, b), lambda b: torch.special.xlogy(0.0, b),
                                (y,), (0,))
    c["xlogy/scalar_ynan"] = Case(lambda a: gs.xlogy(a, NAN), lambda a: torch.special.xlogy(a, NAN),
                                  (x,), (0,))
    c["xlogy/int"] = Case(_m("xlogy"), _m("xlogy"), (np.array([0, 1, 2]), np.array([0, 3, 4])))
    a = np.array([1.0, -1.0, 0.0, -0.0, 2.5, NAN, INF, 3.0, -4.0])
    b = np.array([-0.0, 0.0, -0.0, 0.0, -1.0, -0.0, -0.0, NAN, INF])
    c["copysign"] = Case(_m("copysign"), _m("copysign"), (a, b), (0, 1), signed=True)
    c["copysign/scalar_-0.0"] = Case(lambda t: t.copysign(-0.0), lambda t: t.copysign(-0.0), (a,),
                                     (0,), signed=True)
    c["copysign/int"] = Case(_m("copysign"), _m("copysign"),
                             (np.array([1, -2, 0]), np.array([-1, 1, -1])), signed=True)
    f = np.array([0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 1e-308, F64MAX, 5e-324])
    nx, ny = _grid(f)
    c["nextafter"] = Case(_m("nextafter"), _m("nextafter"), (nx, ny), (0, 1), signed=True)
    c["nextafter/float32"] = Case(_m("nextafter"), _m("nextafter"),
                                  (nx.astype(np.float32), ny.astype(np.float32)), signed=True)
    m = np.array([1.0, -0.5, 0.0, -0.0, INF, NAN, 0.75, 3.0, -INF])
    e = np.array([0, 1, -1, 1025, -1080, 3, -1074, 1023, 7])
    c["ldexp"] = Case(_m("ldexp"), _m("ldexp"), (m, e), (0,), signed=True)
    c["ldexp/int32"] = Case(_m("ldexp"), _m("ldexp"), (m.astype(np.float32), e.astype(np.int32)),
                            signed=True)
    c["ldexp/float_exponent"] = Case(_m("ldexp"), _m("ldexp"),
                                     (m[[0, 1, 6, 7]], np.array([0.0, 1.5, -2.5, 3.25])), (0, 1))
    c["ldexp/int_mantissa"] = Case(_m("ldexp"), _m("ldexp"), (np.array([1, 2, 3]),
                                                              np.array([1, -1, 2])))
    c["ldexp/gnp"] = Case(gnp.ldexp, torch.ldexp, (m, e), (0,), signed=True)
    h = np.array([3.0, 0.0, -0.0, INF, NAN, 1e300, 5e-324, -2.0])
    c["hypot"] = Case(_m("hypot"), _m("hypot"), (h, h[::-1].copy()), (0, 1))
    c["hypot/int"] = Case(_m("hypot"), _m("hypot"), (np.array([3, 0]), np.array([4, 0])))
    la = np.array([INF, INF, -INF, -INF, 0.0, 1e308, NAN, 2.0])
    lb = np.array([INF, -INF, INF, -INF, -INF, 1e308, INF, 3.0])
    c["logaddexp"] = Case(_m("logaddexp"), _m("logaddexp"), (la, lb), (0, 1))
    c["logaddexp2"] = Case(_m("logaddexp2"), _m("logaddexp2"), (la, lb), (0, 1))
    cz = np.array([1 + 1j, -2 + 0.5j, 0j])
    c["logaddexp/complex"] = Case(_m("logaddexp"), _m("logaddexp"), (cz, cz[::-1].copy()),
                                  (0, 1))
    rng = np.random.default_rng(0)
    s, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    c["lerp/tensor_weight"] = Case(_m("lerp"), _m("lerp"), (s, t, np.array([0, 0.25, 0.5, 1.0])),
                                   (0, 1, 2))
    c["lerp/outside_0_1"] = Case(_m("lerp"), _m("lerp"),
                                 (s, t, np.array([-1.5, 0.49, 0.51, 2.0])), (0, 1, 2))
    c["lerp/scalar_weight"] = Case(lambda p, q: p.lerp(q, 0.75), lambda p, q: p.lerp(q, 0.75),
                                   (s, t), (0, 1))
    x1, x2 = np.array([0.1, 1e-3, 3.0, -7.1]), np.array([0.3, 5e8, -2.2, 1e-17])
    c["lerp/weight_1_exact"] = Case(lambda p, q: p.lerp(q, 1.0), lambda p, q: p.lerp(q, 1.0),
                                    (x1, x2), rtol=0.0)
    c["lerp/tensor_weight_1_exact"] = Case(_m("lerp"), _m("lerp"), (x1, x2, np.ones(4)), rtol=0.0)
    c["lerp/float32"] = Case(_m("lerp"), _m("lerp"),
                             (x1.astype(np.float32), x2.astype(np.float32),
                              np.array([0.3, 0.6, 0.9, 1.0], np.float32)))
    c["lerp/complex"] = Case(_m("lerp"), _m("lerp"), (s[0] + 1j * t[0], t[1] - 1j * s[1],
                                                      np.array([0.1j, 0.25, 0.6 + 0.1j, 1.0])),
                             (0, 1, 2))
    c["lerp/infinite_end"] = Case(_m("lerp"), _m("lerp"),
                                  (np.array([0.0, 0.0, -INF, 1.0, -0.0]),
                                   np.array([INF, INF, INF, NAN, -0.0]),
                                   np.array([0.25, 0.75, 0.5, 0.5, 0.5])), (0, 1, 2), signed=True)
    z, w = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0]), np.array([0.0, 0.0, -0.0, -0.0, -0.0, -0.0])
    c["atan2/signed_zeros"] = Case(_m("atan2"), _m("atan2"), (z, w), (0, 1), signed=True)
    c["atan2/int"] = Case(_m("atan2"), _m("atan2"), (np.array([1, 0, -1]), np.array([0, -1, 0])))
    hv = np.array([-1.0, 0.0, -0.0, 2.0, NAN, INF, -INF])
    c["heaviside"] = Case(_m("heaviside"), _m("heaviside"), (hv, np.linspace(0.1, 0.7, 7)))
    c["heaviside/int"] = Case(_m("heaviside"), _m("heaviside"),
                              (np.array([-1, 0, 2]), np.array([5, 6, 7])))
    c["heaviside/mixed_dtypes"] = Case(_m("heaviside"), _m("heaviside"),
                                       (np.array([-1, 0, 2]), np.array([5.0, 6.0, 7.0])))
    ga = np.array([0, 0, 6, -4, -4, 7, 12, I64.min, 35, I64.max])
    gb = np.array([0, 5, 4, 6, -6, 0, -18, 2, -14, 3])
    for n in ("gcd", "lcm"):
        c[n] = Case(_m(n), _m(n), (ga, gb))
        c[f"{n}/gnp"] = Case(getattr(gnp, n), getattr(torch, n), (ga, gb))
        c[f"{n}/int8"] = Case(_m(n), _m(n), (np.array([-128, 100, 6, 0], np.int8),
                                             np.array([3, 75, -4, 0], np.int8)))
        c[f"{n}/mixed"] = Case(_m(n), _m(n), (np.array([12, 100], np.int8),
                                              np.array([18, 75], np.int64)))
        c[f"{n}/float"] = Case(_m(n), _m(n), (np.array([12.0]), np.array([18.0])))
    sa = np.array([1, -1, 5, -8, I64.max, I64.min, 3, 3, -3, 1])
    ss = np.array([0, 1, 63, 64, 1, 65, -1, 100, -2, 62])
    shifts = {"<<": operator.lshift, ">>": operator.rshift,
              "bitwise_left_shift": _m("bitwise_left_shift"),
              "bitwise_right_shift": _m("bitwise_right_shift")}
    for n, op in shifts.items():
        c[f"{n}/int64"] = Case(op, op, (sa, ss))
        c[f"{n}/int8"] = Case(op, op, (np.array([1, -1, 64, -128, 7], np.int8),
                                       np.array([1, 7, 8, 1, 9], np.int8)))
        c[f"{n}/uint8"] = Case(op, op, (np.array([1, 255, 64, 128, 7], np.uint8),
                                        np.array([1, 7, 8, 1, 9], np.uint8)))
        c[f"{n}/uint8_by_int64"] = Case(op, op, (np.array([1, 255, 64], np.uint8),
                                                 np.array([1, 7, 8])))
        c[f"{n}/by_scalar"] = Case(lambda a, op=op: op(a, 3), lambda a, op=op: op(a, 3),
                                   (np.array([1, -1, 64], np.int32),))
        c[f"{n}/float"] = Case(op, op, (np.array([1.0]), np.array([1])))
        c[f"{n}/bool"] = Case(op, op, (np.array([True, False]), np.array([True, True])))
    c["<</scalar_lhs"] = Case(lambda a: 3 << a, lambda a: 3 << a,
                              (np.array([1, 2, 62], np.int64),))
    cmps = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
            "eq": operator.eq, "ne": operator.ne}
    for n, op in cmps.items():
        c[f"{n}/nan_zeros"] = Case(op, op, (np.array([NAN, 0.0, -0.0, INF, 1.0, -INF]),
                                            np.array([NAN, -0.0, 0.0, INF, NAN, -INF])))
        c[f"{n}/int_float"] = Case(op, op, (np.array([1, 2, 3]), np.array([1.5, 2.0, 2.5])))
        c[f"{n}/int_scalar_float"] = Case(lambda a, op=op: op(a, 2.5),
                                          lambda a, op=op: op(a, 2.5), (np.array([1, 2, 3]),))
        c[f"{n}/float32_scalar"] = Case(lambda a, op=op: op(a, 0.1), lambda a, op=op: op(a, 0.1),
                                        (np.array([0.1, 0.2], np.float32),))
        c[f"{n}/int64_float64"] = Case(op, op, (np.array([2 ** 53 + 1, 2 ** 53]),
                                                np.array([2.0 ** 53, 2.0 ** 53])))
        c[f"{n}/uint8_int8"] = Case(op, op, (np.array([200, 1, 0], np.uint8),
                                             np.array([-56, 1, -1], np.int8)))
        c[f"{n}/bool_int"] = Case(op, op, (np.array([True, False]), np.array([1, 0])))
        c[f"{n}/method"] = Case(_m(n), _m(n), (np.array([1, 2, 3]), np.array([1.5, 2.0, 2.5])))
        c[f"{n}/uint8_big_scalar"] = Case(lambda a, op=op: op(a, 1 << 20),
                                          lambda a, op=op: op(a, 1 << 20),
                                          (np.array([32], np.uint8),))
    for n in ("eq", "ne"):
        c[f"{n}/complex"] = Case(cmps[n], cmps[n], (np.array([1 + 1j, 2j, NAN * 1j]),
                                                    np.array([1 + 1j, -2j, NAN * 1j])))


def _clamp_cases(c: dict) -> None:
    """test_clamp*, test_clamp_min_max_tensor, test_clamp_propagates_nans (test_torch.py's
    clamp tests, which test_binary_ufuncs.py's maximum/minimum cases extend)."""
    x = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, NAN, 1.0, 0.0])
    lo = np.array([-1.0, -1.0, -1.0, 0.0, 1.0, 1.0, 4.0, 0.0, NAN, 0.5])
    hi = np.array([1.0, 1.0, 1.0, 0.5, 1.0, 0.0, 2.0, 1.0, 2.0, NAN])
    c["clamp/tensor_bounds"] = Case(_m("clamp"), _m("clamp"), (x, lo, hi), (0, 1, 2))
    c["clamp/tensor_min"] = Case(lambda a, b: a.clamp(min=b), lambda a, b: a.clamp(min=b),
                                 (x, lo), (0, 1))
    c["clamp/tensor_max"] = Case(lambda a, b: a.clamp(max=b), lambda a, b: a.clamp(max=b),
                                 (x, hi), (0, 1))
    c["clamp/min_above_max"] = Case(lambda a: a.clamp(1.0, -1.0), lambda a: a.clamp(1.0, -1.0),
                                    (x,), (0,))
    c["clamp_min/tensor"] = Case(_m("clamp_min"), _m("clamp_min"), (x, lo), (0, 1))
    c["clamp_max/tensor"] = Case(_m("clamp_max"), _m("clamp_max"), (x, hi), (0, 1))
    c["clamp/broadcast"] = Case(_m("clamp"), _m("clamp"),
                                (x.reshape(2, 5), lo[:5].copy(), hi[:1].copy()), (0, 1, 2))
    c["clamp/int_float_bounds"] = Case(lambda a: a.clamp(0.5, 2.5), lambda a: a.clamp(0.5, 2.5),
                                       (np.array([0, 1, 3]),))
    c["clamp/int_tensor_bound"] = Case(lambda a, b: a.clamp(min=b), lambda a, b: a.clamp(min=b),
                                       (np.array([0, 1, 3]), np.array([1, 1, 1])))
    c["clamp/float32_scalar"] = Case(lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1),
                                     (np.array([0, 1, 3], np.float32),))
    c["clamp/nan_bound"] = Case(lambda a: a.clamp(min=NAN), lambda a: a.clamp(min=NAN),
                                (np.array([0.0, 1.0]),), (0,))
    c["clip/gnp_tensor_bounds"] = Case(gnp.clip, torch.clamp, (x, lo, hi), (0, 1, 2))


def _unary_cases(c: dict) -> None:
    """test_unary_ufuncs.py: test_sgn, test_nan_to_num, test_logit (eps), test_frexp,
    test_polygamma_neg/_special_values, test_digamma, test_i0_*, test_sinc, test_frac,
    test_trunc, test_round (decimals), test_expm1/log1p/sigmoid extremal values,
    test_erfinv, test_abs_zero."""
    cz = np.array([0j, 3 + 4j, -2j, complex(1, -0.0), -0.5 + 1e-3j, complex(INF, 0),
                   complex(NAN, 1)])
    c["sgn/complex"] = Case(_m("sgn"), _m("sgn"), (cz[:5].copy(),), (0,), signed=True)
    c["sgn/complex_nonfinite"] = Case(_m("sgn"), _m("sgn"), (cz,))
    c["sign/complex"] = Case(_m("sign"), _m("sign"), (cz[:5].copy(),))
    c["sgn/real"] = Case(_m("sgn"), _m("sgn"), (np.array([0.0, -0.0, 2.0, -INF, NAN]),), (0,),
                         signed=True)
    c["sign/int"] = Case(_m("sign"), _m("sign"), (np.array([0, -3, 5]),))
    c["sgn/bool"] = Case(_m("sgn"), _m("sgn"), (np.array([True, False]),))
    c["abs/complex"] = Case(_m("abs"), _m("abs"), (cz[:5].copy(),), (0,))
    c["abs/-0.0"] = Case(_m("abs"), _m("abs"), (np.array([-0.0, 0.0, -INF]),), signed=True)
    v = np.array([NAN, INF, -INF, 1.5, -0.0])
    for kw in ({}, {"nan": 2.0}, {"nan": 1.0, "posinf": 5.0, "neginf": -7.0}, {"posinf": 1e300}):
        k = ",".join(f"{a}={b}" for a, b in kw.items())
        f = lambda a, kw=kw: a.nan_to_num(**kw)  # noqa: E731
        c[f"nan_to_num/{k}"] = Case(f, f, (v,), (0,), signed=True)
        c[f"nan_to_num/float32/{k}"] = Case(f, f, (v.astype(np.float32),), signed=True)
        c[f"nan_to_num/complex/{k}"] = Case(f, f, (v + 1j * v[::-1],))
    c["nan_to_num/int"] = Case(lambda a: a.nan_to_num(nan=2.0), lambda a: a.nan_to_num(nan=2.0),
                               (np.array([1, 2]),))
    c["nan_to_num/float16"] = Case(_m("nan_to_num"), _m("nan_to_num"), (v.astype(np.float16),))
    p = np.array([0.0, 1e-7, 1e-6, 0.25, 0.5, 1 - 1e-6, 1.0, -0.5, 1.5, NAN])
    c["logit"] = Case(_m("logit"), _m("logit"), (p[[0, 1, 2, 3, 4, 5, 6, 9]].copy(),), (0,))
    for eps in (1e-6, 0.25, 0.0, 0.6):
        f = lambda a, eps=eps: a.logit(eps)  # noqa: E731
        c[f"logit/eps={eps}"] = Case(f, f, (p,), (0,))
        c[f"logit/float32/eps={eps}"] = Case(f, f, (p.astype(np.float32),), (0,))
    c["logit/int"] = Case(_m("logit"), _m("logit"), (np.array([0, 1]),))
    ext = np.array([-1e-20, 1e-20, -745.0, -800.0, 700.0, 709.0, -37.0, 40.0, -1e-310, -0.0,
                    0.0, -1.0, 1e308, -INF, INF, NAN])
    for n in ("expm1", "log1p", "sigmoid", "exp", "sinh", "tanh"):
        c[f"{n}/extremes"] = Case(_m(n), _m(n), (ext,), (0,), signed=True)
        c[f"{n}/float32_extremes"] = Case(_m(n), _m(n), (ext.astype(np.float32),), (0,))
        c[f"{n}/int"] = Case(_m(n), _m(n), (np.array([0, 1, 2, -1]),))
    near0 = np.array([0.0, -0.0, 1e-8, -1e-8, 1e-300, 0.5, 1.0, -1.0, 2.5, 100.0, -100.0, NAN])
    for n in ("sinc", "i0"):
        c[f"{n}/near_0"] = Case(_m(n), _m(n), (near0,), (0,))
        c[f"{n}/float32"] = Case(_m(n), _m(n), (near0.astype(np.float32),), (0,))
        c[f"{n}/int"] = Case(_m(n), _m(n), (np.array([0, 1, 2, -1]),))
    c["erfinv/edges"] = Case(_m("erfinv"), _m("erfinv"), (np.array(
        [-1.0, 1.0, -0.0, 0.0, 0.999999, -0.5, 1.0000001, -2.0, NAN]),), (0,), signed=True)
    fr = np.array([2.5, -2.5, -0.0, 1e20, -1e-20, INF, NAN, -3.0, 0.5])
    for n in ("frac", "trunc", "fix", "floor", "ceil", "round"):
        c[f"{n}"] = Case(_m(n), _m(n), (fr,), (0,), signed=True)
        c[f"{n}/int"] = Case(_m(n), _m(n), (np.array([1, -2]),))
    rd = np.array([0.5, 1.5, 2.5, -0.5, 1.005, 2.675, 12345.6789, -98765.4321, 1e300, INF, NAN,
                   0.125, 0.375, -0.001])
    for d in (0, 1, 2, 3, -1, -2, -3, 10):
        f = lambda a, d=d: a.round(decimals=d)  # noqa: E731
        c[f"round/decimals={d}"] = Case(f, f, (rd,), (0,), signed=True)
        c[f"round/float32/decimals={d}"] = Case(f, f, (rd.astype(np.float32),))
        c[f"round/int/decimals={d}"] = Case(f, f, (np.array([15, 25, -35, 12345]),))
    pg = np.array([0.0, -0.0, -1.0, -2.0, -2.5, 1e-8, 0.5, 1.0, 3.7, 1e5, INF, -INF, NAN])
    for n in (0, 1, 2, 3, 4):
        f = lambda a, n=n: a.polygamma(n)  # noqa: E731
        c[f"polygamma/n={n}"] = Case(f, f, (pg,), (0,))
        c[f"polygamma/float32/n={n}"] = Case(f, f, (pg.astype(np.float32),))
    for n in (-1, 1.5):
        c[f"polygamma/bad_order_{n}"] = Case(lambda a, n=n: a.polygamma(n),
                                             lambda a, n=n: a.polygamma(n), (pg[6:9].copy(),))
    c["digamma/poles"] = Case(_m("digamma"), _m("digamma"), (pg,), (0,), signed=True)
    csp = np.array([complex(INF, 0), complex(-INF, 0), complex(INF, INF), complex(-INF, INF),
                    complex(NAN, 0), complex(0, NAN), complex(1, INF), complex(-1, -0.0),
                    complex(-1, 0.0), 0j, complex(-0.0, -0.0), complex(710, 1), complex(-800, 3)])
    for n in ("exp", "log", "sqrt", "expm1", "log1p", "tanh", "sin", "reciprocal", "rsqrt",
              "log10", "sinh", "asin", "atanh", "acos", "sigmoid"):
        c[f"{n}/complex_special"] = Case(_m(n), _m(n), (csp,))
        c[f"{n}/complex"] = Case(_m(n), _m(n), (np.append(CX, [-2 - 0.0j, -2 + 0.0j]),), (0,))
    c["sigmoid/F_complex"] = Case(F.sigmoid, torch.sigmoid, (CX,), (0,))
    c["angle/real"] = Case(_m("angle"), _m("angle"), (np.array([-1.0, 0.0, -0.0, 2.0, NAN, -INF]),),
                           (0,))
    c["angle/int"] = Case(_m("angle"), _m("angle"), (np.array([-1, 0, 2]),))
    c["angle/complex"] = Case(_m("angle"), _m("angle"), (cz[:5].copy(),), (0,))
    c["abs/int8_min"] = Case(_m("abs"), _m("abs"), (np.array([-128, 127, 0], np.int8),))
    c["neg/uint8"] = Case(operator.neg, operator.neg, (np.array([1, 0, 255], np.uint8),))
    f = np.array([-INF, INF, NAN, -NAN, 0.0, -0.0, 1.0, -1e-320])
    for n in ("isposinf", "isneginf", "isfinite", "isinf", "isnan", "signbit"):
        c[f"{n}/float"] = Case(_m(n), _m(n), (f,))
        c[f"{n}/float32"] = Case(_m(n), _m(n), (f.astype(np.float32),))
        c[f"{n}/int"] = Case(_m(n), _m(n), (np.array([-1, 0, 3]),))
        c[f"{n}/bool"] = Case(_m(n), _m(n), (np.array([True, False]),))
    c["mvlgamma/below_domain"] = Case(lambda a: a.mvlgamma(3), lambda a: a.mvlgamma(3),
                                      (np.array([0.9, 2.0]),))
    c["mvlgamma/p=0"] = Case(lambda a: a.mvlgamma(0), lambda a: a.mvlgamma(0),
                             (np.array([1.9, 2.0]),))
    big = np.array([-100.0, -88.0, -50.0, 0.0, 50.0, 88.0, 100.0, 710.0, 713.0])
    for n in ("i0e", "i1", "i1e", "ndtr", "log_ndtr", "erfcx"):
        c[f"special.{n}/large"] = Case(getattr(gs, n), getattr(torch.special, n), (big,), (0,))
        c[f"special.{n}/float32_large"] = Case(getattr(gs, n), getattr(torch.special, n),
                                               (big.astype(np.float32),))
    c["i0/large"] = Case(_m("i0"), _m("i0"), (big,), (0,))
    c64 = np.array([3 + 4j, -1 - 1j, 0.5 - 2j], np.complex64)
    for n in ("abs", "angle"):
        c[f"{n}/complex64"] = Case(_m(n), _m(n), (c64,), (0,))
    for n in ("relu", "relu6", "leaky_relu", "hardtanh", "elu", "selu", "celu", "hardswish",
              "hardsigmoid", "softshrink", "hardshrink", "threshold", "silu", "tanhshrink",
              "softsign", "gelu", "mish", "softplus", "logsigmoid"):
        args = (0.1, 2.0) if n == "threshold" else ()
        c[f"F.{n}/complex"] = Case(lambda a, n=n, r=args: getattr(F, n)(a, *r),
                                   lambda a, n=n, r=args: getattr(torch.nn.functional, n)(a, *r),
                                   (CX,), () if n in ("gelu", "silu") else (0,))
    c["mvlgamma/p=3"] = Case(lambda a: a.mvlgamma(3), lambda a: a.mvlgamma(3),
                             (np.array([1.01, 2.0, 5.5]),), (0,))


def _more_binary_cases(c: dict) -> None:
    """test_remainder_overflow, test_signed_shift, test_bitwise_and/or/xor, test_logical_*,
    test_bool_tensor_comparison_ops, test_logical, test_add (alpha, bool, uint8), test_sub_typing,
    test_mul (bool), test_maximum_minimum_*, test_lerp (shapes, complex weights),
    test_logaddexp (large values), test_heaviside_complex."""
    x, q = np.array(23500), 392486996410368
    for sx in (1, -1):
        for sq in (1, -1):
            f = lambda a, k=sq * q: a % k  # noqa: E731
            c[f"%/overflow/{sx}x_{sq}q"] = Case(f, f, (np.asarray(sx * x),))
    for dt in (np.int8, np.int16, np.int32, np.int64):
        v = np.array([-10, 10], dt)
        c[f"<</signed/{np.dtype(dt).name}"] = Case(lambda a: a << 2, lambda a: a << 2, (v,))
        c[f">>/signed/{np.dtype(dt).name}"] = Case(lambda a: a >> 1, lambda a: a >> 1, (v,))
    for dt in (np.uint8, np.int8, np.int16, np.int32, np.int64, np.bool_):
        a, b = np.array([1, -2, 3]).astype(dt), np.array([2, 1, 3]).astype(dt)
        for n in ("bitwise_and", "bitwise_or", "bitwise_xor"):
            c[f"{n}/{np.dtype(dt).name}"] = Case(_m(n), _m(n), (a, b))
            if dt != np.bool_:
                c[f"{n}/{np.dtype(dt).name}_by_2"] = Case(lambda t, n=n: getattr(t, n)(2),
                                                          lambda t, n=n: getattr(t, n)(2), (a,))
    for d0 in (np.bool_, np.uint8, np.int64, np.float32, np.float64, np.complex128):
        for d1 in (np.bool_, np.int8, np.float64):
            a, b = np.array([10, 0, 1, 0]).astype(d0), np.array([1, 0, 0, 10]).astype(d1)
            for n in ("logical_and", "logical_or", "logical_xor"):
                c[f"{n}/{np.dtype(d0).name}_{np.dtype(d1).name}"] = Case(_m(n), _m(n), (a, b))
    ba = np.array([True, False, True, False, True, False])
    bb = np.array([True, False, True, True, True, True])
    for n, op in (("eq", operator.eq), ("ne", operator.ne), ("lt", operator.lt),
                  ("gt", operator.gt), ("ge", operator.ge), ("le", operator.le)):
        c[f"{n}/bool"] = Case(op, op, (ba, bb))
        c[f"{n}/bool_scalar"] = Case(lambda a, op=op: op(a, False), lambda a, op=op: op(a, False),
                                     (ba,))
        for dt in (np.uint8, np.int32, np.float32, np.float64):
            x4 = np.array([1, 2, 3, 4], dt)
            c[f"{n}/{np.dtype(dt).name}_method_2"] = Case(lambda a, n=n: getattr(a, n)(2),
                                                          lambda a, n=n: getattr(a, n)(2), (x4,))
            c[f"{n}/{np.dtype(dt).name}_method_t"] = Case(_m(n), _m(n), (x4, np.array([2], dt)))
    c["+/bool"] = Case(operator.add, operator.add, (ba, bb))
    c["*/bool"] = Case(operator.mul, operator.mul, (ba, bb))
    c["-/bool"] = Case(operator.sub, operator.sub, (ba, bb))
    c["-/int_minus_bool"] = Case(lambda a: 1 - a, lambda a: 1 - a, (ba,))
    c["+/uint8_0d_plus_1"] = Case(lambda a: a + 1, lambda a: a + 1, (np.array(1, np.uint8),))
    m1, m2 = np.array([2 + 3j, 4 + 5j], np.complex64), np.array([4 + 5j, 2 + 3j], np.complex64)
    for alpha in (0.1, complex(0.1, 0.2), 2):
        c[f"add/complex_alpha={alpha}"] = Case(lambda a, b, al=alpha: a.add(b, alpha=al),
                                               lambda a, b, al=alpha: a.add(b, alpha=al), (m1, m2))
    i8 = (np.array([1], np.int8), np.array([2], np.int8))
    c["add/int8_float_alpha"] = Case(lambda a, b: a.add(b, alpha=1.5),
                                     lambda a, b: a.add(b, alpha=1.5), i8)
    c["sub/float_complex_alpha"] = Case(lambda a, b: a.sub(b, alpha=0.1 + 0.2j),
                                        lambda a, b: a.sub(b, alpha=0.1 + 0.2j),
                                        (np.array([3.0, 4.0]), np.array([4.0, 3.0])))
    for n in ("maximum", "minimum", "fmax", "fmin"):
        for d0, d1 in ((np.int8, np.uint8), (np.bool_, np.int32), (np.int64, np.float32),
                       (np.bool_, np.bool_), (np.float16, np.float64)):
            a, b = np.array([0, 1, 1, 0]).astype(d0), np.array([1, 0, 1, 0]).astype(d1)
            c[f"{n}/{np.dtype(d0).name}_{np.dtype(d1).name}"] = Case(_m(n), _m(n), (a, b))
        fa = np.array([INF, -INF, NAN, INF, NAN, NAN, 1, NAN])
        fb = np.array([-INF, INF, INF, NAN, NAN, 0, NAN, -5])
        c[f"{n}/nan_inf"] = Case(_m(n), _m(n), (fa, fb))
        c[f"{n}/complex"] = Case(_m(n), _m(n), (np.ones(1, complex), np.ones(1, complex)))
    rng = np.random.default_rng(1)
    shapes = ((), (5,), (5, 5))
    for i, (s0, s1, s2) in enumerate([(a, b, w) for a in shapes for b in shapes for w in shapes]):
        args = (rng.standard_normal(s0), rng.standard_normal(s1), rng.standard_normal(s2))
        c[f"lerp/shapes_{i}"] = Case(_m("lerp"), _m("lerp"), args, (0, 1, 2))
    cs, ce = rng.standard_normal(5) + 1j * rng.standard_normal(5), rng.standard_normal(5) + 0j
    for wgt in (0.3, 1j, 0.4 + 1.2j):
        c[f"lerp/complex_weight_{wgt}"] = Case(lambda a, b, t=wgt: a.lerp(b, t),
                                               lambda a, b, t=wgt: a.lerp(b, t), (cs, ce), (0, 1))
    big = rng.standard_normal((2, 64)) * 10000
    for n in ("logaddexp", "logaddexp2"):
        c[f"{n}/large"] = Case(_m(n), _m(n), (big[0], big[1]), (0, 1))
        c[f"{n}/large_float32"] = Case(_m(n), _m(n), (big[0].astype(np.float32),
                                                      big[1].astype(np.float32)))
    def in_place(name, *extra, **kw):
        def f(x, *ys):
            x = x.clone()  # (an in-place write into the copy; its value and dtype compared)
            getattr(x, name)(*ys, *extra, **kw)
            return x
        return f

    fa, fb = np.array([0.7, -0.2, 0.5, 0.0]), np.array([0.3, 2.0, -1.0, 1.0])
    ia, ib = np.array([12, -7, 5, 3]), np.array([18, 2, -2, 1])
    for n in ("xlogy_", "nextafter_", "heaviside_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_",
              "logical_and_", "logical_or_", "logical_xor_", "copysign_", "hypot_", "atan2_",
              "fmod_", "remainder_", "float_power_"):
        c[f"in_place/{n}"] = Case(in_place(n), in_place(n), (fa, fb))
    c["in_place/ldexp_"] = Case(in_place("ldexp_"), in_place("ldexp_"),
                                (fa, np.array([1, 2, -1, 3])))
    for n in ("logit_", "erfinv_", "lgamma_", "digamma_", "i0_", "sinc_", "fix_", "erf_", "erfc_",
              "deg2rad_", "rad2deg_", "logical_not_", "sgn_", "frac_", "expm1_"):
        c[f"in_place/{n}"] = Case(in_place(n), in_place(n), (fa,))
    c["in_place/polygamma_"] = Case(in_place("polygamma_", 1), in_place("polygamma_", 1),
                                    (np.array([0.5, 2.0]),))
    c["in_place/mvlgamma_"] = Case(in_place("mvlgamma_", 2), in_place("mvlgamma_", 2),
                                   (np.array([1.5, 2.0]),))
    for n in ("igamma_", "igammac_"):
        c[f"in_place/{n}"] = Case(in_place(n), in_place(n), (np.array([0.5, 2.0]),
                                                             np.array([1.0, 3.0])))
    for n in ("gcd_", "lcm_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
              "bitwise_left_shift_", "bitwise_right_shift_", "eq_", "lt_", "remainder_",
              "fmod_", "floor_divide_"):
        c[f"in_place/int/{n}"] = Case(in_place(n), in_place(n), (ia, ib))
    c["in_place/int/bitwise_not_"] = Case(in_place("bitwise_not_"), in_place("bitwise_not_"),
                                          (ia,))
    for mode in ("floor", "trunc"):
        c[f"divide/{mode}"] = Case(lambda x, y, m=mode: x.divide(y, rounding_mode=m),
                                   lambda x, y, m=mode: x.divide(y, rounding_mode=m), (fa, fb))
        c[f"in_place/divide_/{mode}"] = Case(in_place("divide_", rounding_mode=mode),
                                             in_place("divide_", rounding_mode=mode), (fa, fb))
        c[f"in_place/div_/int/{mode}"] = Case(in_place("div_", rounding_mode=mode),
                                              in_place("div_", rounding_mode=mode), (ia, ib))
    c["in_place/int/div_"] = Case(in_place("div_"), in_place("div_"), (ia, ib))
    c["true_divide"] = Case(_m("true_divide"), _m("true_divide"), (fa, fb), (0, 1))
    # mixed dtypes, differentiated in the float argument only
    mixed = {
        "pow/int_base_float_exponent": (operator.pow, (np.array([2, 3, 0, 1]),
                                                       np.array([0.5, -1.5, 2.0, 3.0])), (1,)),
        "pow/float_base_int_exponent": (operator.pow, (np.array([2.5, -3.0, 0.0, 1.5]),
                                                       np.array([2, 3, 0, -1])), (0,)),
        "pow/float32_base_int64_exponent": (operator.pow, (np.array([2.5, -3.0, 0.5], np.float32),
                                                           np.array([2, 3, -1])), (0,)),
        "pow/float_base_0d_int_exponent": (operator.pow, (np.array([2.5, -3.0, 0.5]),
                                                          np.array(3)), (0,)),
        "remainder/int_float": (_m("remainder"), (np.array([7, -7, 5]),
                                                  np.array([2.5, 2.5, -1.5])), (1,)),
        "fmod/float_int": (_m("fmod"), (np.array([7.5, -7.5, 5.0]), np.array([2, 2, -3])), (0,)),
        "atan2/int_float": (_m("atan2"), (np.array([1, 0, -1]), np.array([0.5, -1.0, 0.0])),
                            (1,)),
        "copysign/float_int": (_m("copysign"), (np.array([1.5, -2.0]), np.array([-1, 1])), (0,)),
        "hypot/float32_float64": (_m("hypot"), (np.array([3.0, 4.0], np.float32),
                                                np.array([4.0, 3.0])), (0, 1)),
        "xlogy/int_x": (_m("xlogy"), (np.array([0, 2, 3]), np.array([0.5, 2.0, 0.0])), (1,)),
        "clamp/int_x_float_tensor_bounds": (_m("clamp"), (np.array([0, 2, 5]),
                                                          np.array([0.5, 0.5, 0.5]),
                                                          np.array([3.0, 1.0, 4.5])), (1, 2)),
        "lerp/float32_float64_weight": (_m("lerp"), (np.array([1.0, 2.0], np.float32),
                                                     np.array([3.0, 5.0], np.float32),
                                                     np.array([0.3, 0.8])), ()),
    }
    for name, (fn, args, dd) in mixed.items():
        c[name] = Case(fn, fn, args, dd)
    hc = np.array([complex(0, -6), complex(-1, 3), complex(1, 1)])
    c["heaviside/complex"] = Case(_m("heaviside"), _m("heaviside"), (hc, hc))


def cases() -> dict:
    c: dict = {}
    with np.errstate(over="ignore", invalid="ignore"):  # float32 casts of 1e308 and inf * 0j
        _division_cases(c)
        _pow_cases(c)
        _binary_cases(c)
        _clamp_cases(c)
        _unary_cases(c)
        _more_binary_cases(c)
    return {k: v for k, v in c.items() if v is not None}


CASES = cases()


# ---- where gpuad differs from torch ----------------------------------------------------------

def _zero(a):
    return np.asarray(a) == 0


def _signs(x, y):
    return np.copysign(1.0, x) * np.copysign(1.0, y)


def _exact_fmod_quotient(x, y):
    """The integer n with fmod(x, y) = x - n * y for the value NumPy computes (exact)."""
    with np.errstate(all="ignore"):
        r = np.fmod(x, y)
        n = np.where(np.isinf(y) & np.isfinite(x), 0.0, np.round((x - r) / y))
    return np.where(np.isnan(r), NAN, n)


def _sinc_slope(x):
    """sinc'(x) by its series near 0 (exact there to rounding)."""
    x = np.asarray(x, dtype=np.float64)
    return -np.pi ** 2 * x / 3 + np.pi ** 4 * x ** 3 / 30


def _op_polygamma(name):
    return int(name.split("n=")[1])


# (case pattern, quantity) -> (which entries, why, gpuad's answer there). The pattern is an
# fnmatch pattern of case names; the quantity "value", "grad[i]" (i: the argument) or "dtype";
# ``which(*args)`` selects the entries (of the output, or of argument i for a gradient);
# ``ref(*args, w)`` is what gpuad must give there (w: the cotangent), or the dtype.
DIFFERS = {
    ("fmod/float_grid", "grad[1]"): (
        lambda x, y: np.ones(x.shape, bool),
        "-n for the exact integer quotient n of the value computed (fmod(1, 0.1) = 1 - 9 * 0.1: "
        "-9; torch's -trunc(x / y) rounds 1 / 0.1 to 10), NaN where fmod is NaN (torch +-inf)",
        lambda x, y, w: -w * _exact_fmod_quotient(x, y)),
    ("remainder/float_grid", "grad[1]"): (
        lambda x, y: np.isnan(np.remainder(x, y)) & ~np.isnan(x) & ~np.isnan(y),
        "NaN where remainder is NaN (y = 0, x infinite), as fmod (torch: -floor(x / y), +-inf)",
        lambda x, y, w: np.full(x.shape, NAN)),
    ("log1p/*extremes", "grad[0]"): (
        lambda x: x < -1, "below -1 log1p is NaN, and so is its slope (torch: 1 / (1 + x))",
        lambda x, w: np.full(x.shape, NAN)),
    ("pow/float_tensor_tensor", "grad[1]"): (
        lambda x, y: _zero(x) & (y < 0),
        "0 ** y is inf for every y < 0 (a constant inf: no slope, NaN); torch: inf * log(0)",
        lambda x, y, w: np.full(x.shape, NAN)),
    ("float_power/tensor_tensor", "grad[1]"): (
        lambda x, y: _zero(x) & (y < 0), "as pow", lambda x, y, w: np.full(x.shape, NAN)),
    ("rpow/0.000**float", "grad[0]"): (
        lambda y: y < 0, "as pow", lambda y, w: np.full(y.shape, NAN)),
    ("pow/scalar_base_0.000", "grad[0]"): (
        lambda y: y < 0, "as pow", lambda y, w: np.full(y.shape, NAN)),
    ("round/decimals=10", "value"): (
        lambda x: np.isfinite(x) & ~np.isfinite(x * 1e10),
        "x where x * 10**decimals overflows (rounding to more decimals than the type holds "
        "changes nothing; JAX's); torch's and NumPy's scaling give inf / NaN",
        lambda x, w: x),
    ("pow/float**-0.5", "value"): (
        lambda x: _zero(x) & np.signbit(x),
        "IEEE pow(-0.0, -0.5) = +inf (NumPy's); torch's rsqrt shortcut gives 1 / sqrt(-0.0) = "
        "-inf", lambda x, w: np.power(x, -0.5)),
    ("pow/float**0.5", "grad[0]"): (
        lambda x: _zero(x) & np.signbit(x),
        "0.5 * (-0.0) ** -0.5 = +inf; torch's sqrt rule 1 / (2 sqrt(-0.0)) = -inf",
        lambda x, w: np.full(x.shape, INF)),
    ("pow/0j**complex", "value"): (
        lambda z, y: (y == 0) | (y == -1),
        "NumPy's: 0 ** 0 = 1 (Python's too), 0 ** -1 = nan+nanj; torch: nan+nanj, inf+nanj",
        lambda z, y, w: np.power(z, y)),
    ("pow/0j**complex", "grad[0]"): (
        lambda z, y: y == 1, "z ** 1 has slope 1 at z = 0 (torch: NaN)",
        lambda z, y, w: np.conj(w)),
    ("pow/0j**complex", "grad[1]"): (
        lambda z, y: y.real > 0,
        "0 ** y is 0 for every y near one with Re y > 0: slope 0 (torch: NaN)",
        lambda z, y, w: np.zeros(z.shape, complex)),
    ("xlogy", "grad[0]"): (
        lambda x, y: _zero(x) & _zero(y),
        "log(y), the derivative, also at x = 0: -inf at y = 0 (torch masks it to 0 there)",
        lambda x, y, w: np.full(x.shape, -INF)),
    ("xlog1py", "grad[0]"): (
        lambda x, y: _zero(x) & (y == -1), "as xlogy: log1p(-1) = -inf",
        lambda x, y, w: np.full(x.shape, -INF)),
    ("xlogy", "grad[1]"): (
        lambda x, y: _zero(x),
        "xlogy(0, y) is 0 for every y: slope 0 (docs/semantics.md; torch: x / y, NaN at y = 0)",
        lambda x, y, w: np.zeros(x.shape)),
    ("xlog1py", "grad[1]"): (
        lambda x, y: _zero(x), "as xlogy", lambda x, y, w: np.zeros(x.shape)),
    ("xlogy/scalar_x0", "grad[0]"): (
        lambda y: np.ones(y.shape, bool), "as xlogy: 0 for every y",
        lambda y, w: np.zeros(y.shape)),
    ("xlogy/scalar_ynan", "grad[0]"): (
        lambda x: np.ones(x.shape, bool),
        "log(NaN): the slope in x is NaN, also at x = 0 (torch masks x = 0 to 0)",
        lambda x, w: np.full(x.shape, NAN)),
    ("copysign*", "grad[0]"): (
        lambda x, *y: ~np.isfinite(x),
        "copysign(x, y) = +-x: slope +-1 also at x = +-inf and NaN (torch's result / x is NaN)",
        lambda x, *rest: rest[-1] * _signs(x, rest[0] if len(rest) == 2 else -0.0)),
    ("nextafter", "grad[0]"): (
        lambda x, y: np.ones(x.shape, bool),
        "derivative 1 in x (docs/semantics.md); torch has none (zeros)", lambda x, y, w: w),
    ("ldexp", "grad[0]"): (
        lambda m, e: np.ones(m.shape, bool),
        "2**e exactly; torch takes 2**e in integers: 0 for e < 0, wrapped beyond 62",
        lambda m, e, w: w * np.ldexp(1.0, e)),
    ("ldexp/gnp", "grad[0]"): (
        lambda m, e: np.ones(m.shape, bool), "as ldexp", lambda m, e, w: w * np.ldexp(1.0, e)),
    ("lerp/infinite_end", "value"): (
        lambda a, b, t: np.isinf(b - a) & (np.abs(t) >= 0.5),
        "the limit a + t (b - a) where b - a is infinite; torch's b - (1 - t)(b - a) is inf - inf",
        lambda a, b, t, w: a + t * (b - a)),
    ("atan2/signed_zeros", "grad[0]"): (
        lambda y, x: _zero(x) & _zero(y),
        "atan2 has no derivative at the origin: x / (x^2 + y^2) = 0/0, NaN (torch: 0)",
        lambda y, x, w: np.full(x.shape, NAN)),
    ("atan2/signed_zeros", "grad[1]"): (
        lambda y, x: _zero(x) & _zero(y), "as grad[0]", lambda y, x, w: np.full(x.shape, NAN)),
    ("heaviside", "value"): (
        lambda x, h: np.isnan(x), "NumPy's heaviside(NaN, h) is NaN (torch: 0)",
        lambda x, h, w: np.heaviside(x, h)),
    ("heaviside/int", "dtype"): (
        None, "NumPy's heaviside has no integer loop: float64 (torch: int64)",
        lambda *a: np.dtype(np.float64)),
    ("*/uint8_big_scalar", "value"): (
        lambda a: np.ones(a.shape, bool),
        "compared exactly (NumPy 2's rule for a Python int beyond the dtype); torch wraps "
        "1 << 20 into uint8 (0) and answers the wrong comparison", None),
    ("clamp/broadcast", "grad[1]"): (
        lambda x, lo, hi: np.ones(lo.shape, bool),
        "min == max with x below: the result is that bound, and min takes the gradient (torch "
        "passes it to neither bound, so moving both together would change the result with a "
        "zero gradient)",
        lambda x, lo, hi, w: np.sum(w * ((x < lo) & (lo <= hi)), axis=0)),
    ("sgn/complex_nonfinite", "value"): (
        lambda z: np.isinf(z), "NumPy 2's: a value with one infinite part points along that "
        "axis (torch: NaN)", lambda z, w: np.sign(z)),
    ("angle/real", "value"): (
        lambda x: _zero(x), "NumPy's angle(-0.0) = atan2(0, -0.0) = pi (torch: 0)",
        lambda x, w: np.angle(x)),
    ("reciprocal/complex_special", "value"): (
        lambda z: _zero(z), "NumPy's reciprocal(0j) is nan+nanj (its 1 / 0j, and torch's, "
        "inf+nanj)", lambda z, w: np.reciprocal(z)),
    ("rsqrt/complex_special", "value"): (
        lambda z: _zero(z), "as reciprocal", lambda z, w: np.reciprocal(np.sqrt(z))),
    ("sgn/real", "value"): (
        lambda x: np.isnan(x), "NumPy's sign(NaN) is NaN (torch: 0)",
        lambda x, w: np.sign(x)),
    ("expm1/*extremes", "grad[0]"): (
        lambda x: np.ones(x.shape, bool),
        "exp(x), exact; torch's expm1(x) + 1 keeps no digit below about -30 (0 at -37)",
        lambda x, w: w * np.exp(x.astype(np.float64)).astype(x.dtype)),
    ("sinc/*", "grad[0]"): (
        lambda x: (np.abs(x) < 1e-4) & ~_zero(x),
        "near 0 the slope -pi^2 x / 3 to rounding; torch's (cos(pi x) pi x - sin(pi x)) / "
        "(pi x^2) cancels (off by a third at 1e-8, 0 in float32)",
        lambda x, w: (w * _sinc_slope(x)).astype(x.dtype)),
    ("erfinv/edges", "value"): (
        lambda x: _zero(x), "SciPy's erfinv(-0.0) is +0.0 (torch: -0.0)",
        lambda x, w: sc.erfinv(x)),
    ("polygamma/*", "value"): (
        lambda x: np.ones(x.shape, bool),
        "SciPy's values: within rounding at ordinary points (torch's trigamma is off by 3e-10 "
        "at 0.5), inf at the poles (torch: finite numbers), 0 at +inf (torch: NaN)", None),
    ("polygamma/n=*", "grad[0]"): (
        lambda x: np.ones(x.shape, bool), "as the values: SciPy's polygamma(n + 1, x)", None),
    ("in_place/polygamma_", "value"): (
        lambda x: np.ones(x.shape, bool), "as polygamma: SciPy's trigamma",
        lambda x, w: sc.polygamma(1, x)),
    ("digamma/poles", "grad[0]"): (
        lambda x: np.ones(x.shape, bool), "SciPy's trigamma: inf at the poles, where torch "
        "gives finite numbers", lambda x, w: w * sc.polygamma(1, x)),
}


def _polygamma_ref(name: str, quantity: str):
    n = _op_polygamma(name) + (quantity != "value")

    def ref(x, w):
        r = sc.polygamma(n, x.astype(np.float64))
        return (r if quantity == "value" else w * r).astype(x.dtype)

    return ref


def _cmp_ref(name: str):
    op = getattr(operator, name.split("/")[0])
    return lambda a, w: op(a.astype(np.int64), 1 << 20)


def _fits(name: str, pattern: str) -> bool:
    """``name`` is ``pattern``, or fits it as an fnmatch pattern (a pattern holding ``**``,
    Python's power, is a name)."""
    import fnmatch

    return name == pattern or ("**" not in pattern and fnmatch.fnmatchcase(name, pattern))


def differs(name: str, quantity: str):
    """The DIFFERS entry of a case and quantity (its ``ref`` filled in), or None."""
    for (pat, q), (which, why, ref) in DIFFERS.items():
        if q == quantity and _fits(name, pat):
            if ref is None:
                ref = _polygamma_ref(name, quantity) if "polygamma" in name else _cmp_ref(name)
            return which, why, ref
    return None


_INT_DIV = ("remainder", "fmod", "floor_divide", "div_floor", "div_trunc", "%", "//")

# case pattern -> (why, gpuad's answer): torch raises, gpuad computes NumPy's result
TORCH_RAISES = {
    **{f"{op}/*/by0": ("integer division by zero: NumPy's 0 (with its RuntimeWarning on the "
                       "NumPy backend); torch raises ZeroDivisionError",
                       lambda a, b: np.zeros_like(a)) for op in _INT_DIV},
    "hypot/int": ("NumPy's hypot of integers (float64); torch has no integer kernel", np.hypot),
    "heaviside/mixed_dtypes": ("NumPy promotes; torch requires one dtype", np.heaviside),
    "<</bool": ("NumPy shifts booleans as int8; torch has no bool kernel", np.left_shift),
    "bitwise_left_shift/bool": ("as <<", np.left_shift),
    ">>/bool": ("as <<", np.right_shift),
    "bitwise_right_shift/bool": ("as <<", np.right_shift),
    "sign/complex": ("NumPy 2's sign(z) = z / |z| (torch refuses complex sign: sgn)", np.sign),
    "-/int_minus_bool": ("NumPy's 1 - bool is int64 (torch refuses: use ~)",
                         lambda a: 1 - a.astype(np.int64)),
    **{f"{n}/complex": (f"NumPy's {n} orders complex numbers lexicographically (torch has no "
                        f"complex kernel)", getattr(np, n))
       for n in ("maximum", "minimum", "fmax", "fmin")},
    "F.gelu/complex": ("the formula's analytic extension z/2 (1 + erf(z / sqrt 2)) (torch has no "
                       "complex kernel)", lambda z: 0.5 * z * (1 + sc.erf(z / np.sqrt(2)))),
    "lerp/float32_float64_weight": ("NumPy's promotion of the three (float64); torch requires "
                                    "one dtype", lambda a, b, w: a + w * (b - a)),
    "frac/int": ("x - trunc(x) of integers: 0 (torch has no integer kernel)",
                 lambda a: a - np.trunc(a)),
    **{f"round/int/decimals={d}": ("NumPy rounds integers to negative decimals (torch has no "
                                   "integer kernel)", lambda a, d=d: np.round(a, d))
       for d in (0, 1, 2, 3, -1, -2, -3, 10)},
}

# case pattern -> (exception types, message pattern, why): gpuad refuses, torch computes
GPUAD_RAISES = {
    **{f"{op}/uint8_by_-3": (OverflowError, "out of bounds for uint8",
                             "NumPy 2: a Python int outside the tensor's integer range raises "
                             "(torch wraps -3 into uint8 as 253)") for op in _INT_DIV},
    "*/uint8_rhs": (OverflowError, "out of bounds for uint8", "as uint8_by_-3"),
    "pow/int_tensor_negative_exponents": (
        ValueError, "Integers to negative integer powers",
        "NumPy's: an integer tensor to negative integer powers raises (torch gives 0 or +-1 "
        "for exponent tensors, and raises only for a negative Python int)"),
    "logaddexp/complex": (TypeError, "logaddexp", "NumPy's logaddexp has no complex loop"),
    "sgn/bool": (TypeError, "sign", "NumPy's sign has no boolean loop"),
    "mvlgamma/below_domain": (ValueError, "larger than (p - 1) / 2",
                              "the domain torch documents is checked (torch's kernel no longer "
                              "checks it and returns a value)"),
}

# case -> (why, gpuad's answer): torch is not run
NO_TORCH = {
    "div_trunc/int_min_by_-1": (
        "torch's CPU kernel dies of SIGFPE on INT64_MIN / -1; gpuad wraps as NumPy's "
        "floor_divide does (the quotient is exact)", np.floor_divide),
}


def _match(table: dict, name: str):
    for pat, spec in table.items():
        if _fits(name, pat):
            return spec
    return None


def _where(mask, shape) -> list:
    return [tuple(int(i) for i in ix) for ix in np.argwhere(~np.broadcast_to(mask, shape))[:5]]


def _check(name: str, what: str, mine, theirs, args, w, rtol, signed=False) -> None:
    """``mine`` agrees with ``theirs``, except on the entries DIFFERS lists, where it agrees
    with the entry's reference. A gradient's entries agree to ``rtol`` relative to the
    largest finite one (a sum of terms rounds to that scale, not to a zero's)."""
    atol = 1e-300
    if what.startswith("grad"):
        fin = np.abs(np.asarray(theirs))[np.isfinite(theirs)]
        atol = rtol * float(fin.max()) if fin.size else atol
    ok = same(mine, theirs, rtol, signed, atol)
    d = differs(name, what)
    if d is not None:
        which, why, ref = d
        sel = np.broadcast_to(which(*args), np.shape(mine))
        with np.errstate(all="ignore"):
            want = ref(*args, w)
        good = same(mine, want, rtol, signed) | ~sel
        assert good.all(), (f"{name} {what}: gpuad differs from its documented answer ({why}) "
                            f"at {_where(good, good.shape)}: {np.asarray(mine)[~good][:5]} vs "
                            f"{np.broadcast_to(want, np.shape(mine))[~good][:5]}")
        ok |= sel
    assert ok.all(), (f"{name} {what}: gpuad {np.asarray(mine)[~ok][:6]} vs torch "
                      f"{np.broadcast_to(theirs, ok.shape)[~ok][:6]} at {_where(ok, ok.shape)}")


def _grad_rtol(dtype) -> float:
    return 1e-9 if np.dtype(dtype).itemsize >= 8 and np.dtype(dtype) != np.complex64 else 5e-5


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    c = CASES[name]
    mine = run("gpuad", c.g, c.args, c.diff)
    if name in NO_TORCH:
        why, ref = NO_TORCH[name]
        assert mine.error is None, f"{name}: {mine.error!r}"
        with np.errstate(over="ignore"):
            want = ref(*c.args)
        np.testing.assert_array_equal(mine.values[0], want, err_msg=why)
        return
    theirs = run("torch", c.t, c.args, c.diff)
    refusal = _match(GPUAD_RAISES, name)
    if refusal is not None:
        types, pattern, why = refusal
        assert theirs.error is None, f"{name}: listed as computed by torch, which raises now"
        assert isinstance(mine.error, types), f"{name}: expected {types.__name__} ({why}), " \
                                              f"got {mine.error!r}"
        assert pattern in str(mine.error), f"{name}: the error should say {pattern!r}"
        return
    computed = _match(TORCH_RAISES, name)
    if computed is not None:
        why, ref = computed
        assert theirs.error is not None, f"{name}: listed as refused by torch, which computes it"
        assert mine.error is None, f"{name} ({why}): {mine.error!r}"
        want = np.asarray(ref(*c.args))
        assert mine.dtypes[0] == want.dtype, (name, mine.dtypes[0], want.dtype)
        rtol = max(_rtol(want.dtype), _rtol(mine.dtypes[0]))
        assert same(mine.values[0], want, rtol, c.signed).all(), (name, mine.values[0], want)
        return
    if theirs.error is not None:
        # both refuse (an integer to a negative integer power, gcd of floats, float shifts)
        assert mine.error is not None, f"{name}: torch raises {theirs.error!r}, gpuad computes"
        assert isinstance(mine.error, TypeError | ValueError), repr(mine.error)
        return
    assert mine.error is None, f"{name}: gpuad raises {mine.error!r} where torch computes"
    # dtypes: torch's, or the documented rule, or the listed difference
    for k, (dm, dt) in enumerate(zip(mine.dtypes, theirs.dtypes, strict=True)):
        d = differs(name, "dtype")
        if d is not None:
            assert dm == d[2](*c.args), f"{name}: dtype {dm} ({d[1]})"
        else:
            assert dtype_ok(dm, dt, c.args), f"{name}[{k}]: gpuad dtype {dm}, torch {dt}"
    # values (output 0 may have a DIFFERS entry; the others must agree)
    for k, (vm, vt) in enumerate(zip(mine.values, theirs.values, strict=True)):
        assert vm.shape == vt.shape, (name, vm.shape, vt.shape)
        rtol = c.rtol if c.rtol is not None else max(_rtol(vm.dtype), _rtol(vt.dtype))
        w = _weights(vm) if k == 0 else None
        _check(name if k == 0 else f"{name}[{k}]", "value", vm, vt, c.args, w, rtol, c.signed)
    # gradients of sum(out * w)
    if c.diff:
        w = _weights(mine.values[0])
        for i, gm, gt in zip(c.diff, mine.grads, theirs.grads, strict=True):
            assert np.shape(gm) == np.shape(gt), (name, i, np.shape(gm), np.shape(gt))
            _check(name, f"grad[{i}]", gm, gt, c.args, w, _grad_rtol(gm.dtype))


def test_every_listed_difference_names_a_case():
    """A pattern that matches no case is stale (a renamed case would skip its check)."""
    pats = [p for p, _ in DIFFERS] + list(TORCH_RAISES) + list(GPUAD_RAISES) + list(NO_TORCH)
    stale = [p for p in pats if not any(_fits(n, p) for n in CASES)]
    assert not stale, stale


def test_integer_division_by_zero_warns():
    """NumPy's integer division by zero gives 0 with a RuntimeWarning (torch raises): not a
    silent answer on the NumPy backend."""
    a, z = ad.tensor(np.array([1, -1, 0])), ad.tensor(np.array([0, 0, 0]))
    ops = (lambda: a % z, lambda: a // z, lambda: a.fmod(z), lambda: a.remainder(z),
           lambda: a.div(z, rounding_mode="floor"), lambda: a.div(z, rounding_mode="trunc"))
    for op in ops:
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            r = op()
        assert r.numpy().tolist() == [0, 0, 0]


# ---- float64 central differences away from the kinks ----------------------------------------

def _like(t, a):
    """``a`` as a tensor of ``t``'s library (torch's methods take no NumPy arrays)."""
    return torch.tensor(a) if isinstance(t, torch.Tensor) else a


_X = np.array([2.3, -2.3, 7.1, 0.45])
_Y = np.array([0.7, 0.7, -1.9, 3.2])
_P = np.array([0.3, 1.7, 0.9, 2.2])
CENTRAL = {
    "remainder": (lambda a, b: a.remainder(b), (_X, _Y), 2),
    "fmod": (lambda a, b: a.fmod(b), (_X, _Y), 2),
    "%": (lambda a, b: a % b, (_X, _Y), 1),
    "pow": (lambda a, b: a ** b, (_P, _Y), 2),
    "pow_int_exponent": (lambda a: a ** -3, (_X,), 2),
    "pow_complex": (lambda a, b: a ** b, (CX, CX[::-1].copy()), 1),
    "rpow_complex": (lambda b: (2.2 - 1.6j) ** b, (_Y,), 1),
    "float_power": (lambda a, b: a.float_power(b), (_P, _Y), 2),
    "xlogy": (lambda a, b: a.xlogy(b), (_X, _P), 2),
    "copysign": (lambda a, b: a.copysign(b), (_X, _Y), 1),
    "ldexp_float_exponent": (lambda a, b: a.ldexp(b), (_X, _Y), 2),
    "ldexp_int_exponent": (lambda a: a.ldexp(_like(a, np.array([3, -40, 0, 1000]))), (_X,), 1),
    "frexp_mantissa": (lambda a: a.frexp()[0], (_X * 1e5,), 1),
    "hypot": (lambda a, b: a.hypot(b), (_X, _Y), 2),
    "atan2": (lambda a, b: a.atan2(b), (_X, _Y), 2),
    "logaddexp": (lambda a, b: a.logaddexp(b), (_X, _Y), 2),
    "lerp": (lambda a, b, t: a.lerp(b, t), (_X, _Y, np.array([0.2, 0.5, 0.8, 1.3])), 2),
    "lerp_scalar": (lambda a, b: a.lerp(b, 0.75), (_X, _Y), 2),
    "clamp_tensor_bounds": (lambda a, lo, hi: a.clamp(lo, hi),
                            (_X, np.array([-3.0, -1.0, 8.0, 0.0]), np.array([3.0, -2.0, 9.0, 0.4])),
                            1),
    "sgn_complex": (lambda z: z.sgn(), (CX,), 2),
    "abs_complex": (lambda z: z.abs(), (CX,), 2),
    "nan_to_num": (lambda a: a.nan_to_num(nan=2.0), (_X,), 1),
    "logit_eps": (lambda a: a.logit(1e-3), (np.array([0.2, 0.5, 0.01, 0.9]),), 2),
    "expm1": (lambda a: a.expm1(), (np.array([-3.0, -1e-9, 0.5, 5.0]),), 2),
    "log1p": (lambda a: a.log1p(), (np.array([-0.9, -1e-9, 0.5, 5.0]),), 2),
    "sigmoid": (lambda a: a.sigmoid(), (np.array([-20.0, -1e-9, 0.5, 15.0]),), 2),
    "sinc_near_0": (lambda a: a.sinc(), (np.array([1e-3, -2e-3, 0.5, 1.7]),), 2),
    "i0": (lambda a: a.i0(), (_X,), 2),
    "erfinv": (lambda a: a.erfinv(), (np.array([-0.99, -0.2, 0.4, 0.999]),), 1),
    "polygamma_1": (lambda a: a.polygamma(1), (_P,), 1),
    "polygamma_3": (lambda a: a.polygamma(3), (_P,), 1),
    "digamma_negative": (lambda a: a.digamma(), (np.array([-2.5, -0.3, -7.7, 0.6]),), 1),
    "frac": (lambda a: a.frac(), (_X,), 1),
    "silu_complex": (F.silu, (CX,), 2),
}


# central differences confirm gpuad where torch's gradient is the one off
CENTRAL_NOT_TORCH = {"ldexp_int_exponent": "torch's 2**e in integers (DIFFERS, ldexp)",
                     "silu_complex": "torch has no derivative of silu for complex values"}


@pytest.mark.parametrize("name", sorted(CENTRAL))
def test_central_differences(name):
    """gpuad's first (and, where ``order`` is 2, second) derivatives in both modes against
    float64 central differences, and the first against torch's."""
    from gpuad.testing import check_grads

    fn, args, order = CENTRAL[name]
    check_grads(fn, args, order=order, modes=("fwd", "rev"))
    if name in CENTRAL_NOT_TORCH:
        return
    diff = tuple(range(len(args)))
    mine, theirs = run("gpuad", fn, args, diff), run("torch", fn, args, diff)
    assert mine.error is None and theirs.error is None, (mine.error, theirs.error)
    for gm, gt in zip(mine.grads, theirs.grads, strict=True):
        np.testing.assert_allclose(gm, gt, rtol=1e-7, atol=1e-12)


def _scalar_or_0d(lib: str, v, tensor: bool):
    if not tensor:
        return v
    return torch.tensor(v) if lib == "torch" else ad.tensor(np.asarray(v))


def _known_refusal(op, a, b, tb, mine, theirs) -> bool:
    """The two listed kinds: torch has no boolean ``//``, ``%`` and ``**`` (NumPy's int8
    result in gpuad); gpuad raises NumPy's error for an integer to a negative integer power
    where the exponent is a tensor (torch checks only a Python exponent)."""
    if isinstance(a, bool) and isinstance(b, bool) and op in (operator.floordiv, operator.mod,
                                                              operator.pow):
        return mine.error is None and mine.dtypes[0] == np.int8
    if op is operator.pow and tb and isinstance(b, int) and b < 0 and isinstance(a, int):
        return isinstance(mine.error, ValueError) and "negative integer powers" in str(
            mine.error)
    return False


def test_python_scalars_and_0d_tensors():
    """test_binary_ops_with_scalars, test_div_and_floordiv_vs_python, test_pow's scalar ** tensor:
    every pair of Python numbers, as a number or a 0-d tensor on either side, gives torch's
    value, dtype (or the documented rule) and refusals (an integer to a negative integer
    power)."""
    vals = [-3.5, -2, -0.5, 1, 2.5, 3, -7, 4, True]
    ops = (operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
           operator.mod, operator.pow)
    bad = []
    for op in ops:
        for a in vals:
            for b in vals:
                if b == 0 or (op is operator.sub and any(isinstance(v, bool) for v in (a, b))):
                    continue  # (torch refuses to subtract booleans: TORCH_RAISES above)
                for ta, tb in ((True, False), (False, True), (True, True)):
                    def f(lib, a=a, b=b, ta=ta, tb=tb, op=op):
                        return lambda: op(_scalar_or_0d(lib, a, ta), _scalar_or_0d(lib, b, tb))
                    mine = run("gpuad", f("gpuad"), ())
                    theirs = run("torch", f("torch"), ())
                    if (mine.error is None) != (theirs.error is None):
                        if _known_refusal(op, a, b, tb, mine, theirs):
                            continue
                        bad.append((op.__name__, a, b, ta, tb, mine.error, theirs.error))
                        continue
                    if mine.error is not None or _known_refusal(op, a, b, tb, mine, theirs):
                        continue
                    args = tuple(np.asarray(v) for v, t in ((a, ta), (b, tb)) if t)
                    # (a zero remainder takes the divisor's sign: NumPy's and Python's, not
                    # torch's; see DIFFERS)
                    ok = dtype_ok(mine.dtypes[0], theirs.dtypes[0], args) and same(
                        mine.values[0], theirs.values[0], 1e-12, op is not operator.mod).all()
                    if not ok:
                        bad.append((op.__name__, a, b, ta, tb, mine.values[0], mine.dtypes[0],
                                    theirs.values[0], theirs.dtypes[0]))
    assert not bad, "\n".join(map(repr, bad[:12]))


def test_inplace_results_cast_as_torch():
    """test_mul_intertype_scalar: ``y *= x`` keeps ``y``'s dtype, and refuses (as torch and
    NumPy's same_kind rule) a result of a higher kind than ``y``."""
    pairs = [(np.int32, np.float64), (np.int64, np.float32), (np.float32, np.float64),
             (np.int32, np.int64), (np.bool_, np.int64), (np.float64, np.complex128),
             (np.float32, np.int32)]
    for yd, xd in pairs:
        y, x = np.array([3, 4]).astype(yd), np.array(1.5 if np.dtype(xd).kind in "fc" else 2,
                                                       xd)

        def f(a, b):
            a *= b
            return a

        mine, theirs = run("gpuad", f, (y, x)), run("torch", f, (y, x))
        assert (mine.error is None) == (theirs.error is None), (yd, xd, mine.error, theirs.error)
        if mine.error is None:
            assert mine.dtypes[0] == np.dtype(yd) and same(mine.values[0], theirs.values[0],
                                                           0.0).all(), (yd, xd)
        else:
            assert isinstance(mine.error, TypeError), mine.error
