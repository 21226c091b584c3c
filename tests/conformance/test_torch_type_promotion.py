"""A port of PyTorch's test/test_type_promotion.py to gpuad's torch-style API (Tensor
operators and methods, the torch-named functions of gpuad.numpy), run on the same inputs in
torch and gpuad in one process.

gpuad promotes as NumPy 2 does (docs/porting.md, "NumPy semantics"), so a result dtype must be
NumPy's (checked here against NumPy's own functions on the same arrays) and may differ from
torch's only by one of the documented kinds (as in test_torch_promotion_fuzz.py, which fuzzes
the operators' dtypes alone; this file adds the values, the in-place and ``out=`` rules, the
torch methods that are not NumPy ufuncs and torch's own spot checks):

- ``default``: integer or boolean tensors made float or complex by a Python number or by the
  op itself (``/``, ``atan2``): torch's default float32/complex64, NumPy's float64/complex128
  (float16 for small integers in some functions);
- ``int``: a float (complex) tensor with an integer or boolean tensor: NumPy's float wide
  enough for the integer (float32 * int64 is float64), torch's the float tensor's;
- ``0-d``: a dimensioned tensor with a 0-d tensor of a wider dtype: NumPy widens
  (float32 * 0-d float64 is float64, uint8 - 0-d int8 is int16, exactly), torch does not
  unless the 0-d tensor is of a higher category;
- ``c32``: float16 with a complex number is torch's complex32, which NumPy lacks (complex64).

Where the dtypes agree the values must agree; where they differ, gpuad's values must equal
torch's computed on the inputs converted to gpuad's dtype (torch's ``test_many_promotions``
rule). In-place ops never widen: a result that needs a wider dtype raises ``CastingError``
(a TypeError, as NumPy's, and a RuntimeError, as torch's), never a silent truncation. The
differences that are not dtypes are listed in ``KNOWN`` with their reasons. The sparse tests are
not ported (gpuad has no sparse tensors); bfloat16 and complex32 raise a clear TypeError.
"""

from __future__ import annotations

import itertools
import operator
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.tensor import CastingError  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
SCALARS = [True, 3, -2, 2.5, 1.5 + 0.5j]

# what gpuad does where torch does otherwise, and why (checked by the tests named)
KNOWN = {
    "uint8 with a negative Python int": "OverflowError, as NumPy (torch wraps it into 0..255)",
    "comparison of uint8 with a negative Python int": "exact, as NumPy (torch wraps -2 to 254)",
    "signed into unsigned in place (uint8 *= int16)": "refused (CastingError), NumPy's "
    "same_kind rule; torch writes the wrapped value",
    "bool in subtraction": "NumPy's: only bool - bool raises (torch refuses any bool operand)",
    "lerp, heaviside, float_power_ of mixed dtypes": "promoted as NumPy (torch refuses)",
    "integer addcdiv": "true division, as torch announces (torch raises for now)",
    "integer addcmul with a float value": "promoted to float64 (torch truncates value=0.5 to 0)",
    "complex order (lt, maximum, clamp)": "lexicographic, as NumPy (torch refuses)",
    "out= of another kind": "NumPy's same_kind rule (torch: the exact dtype for unary ops)",
    "a[:, [1]] = int tensor into float64": "written, as NumPy (torch: dtypes must match)",
    "float16 with a complex scalar": "complex64 (torch's complex32, which NumPy lacks)",
}


@pytest.fixture(autouse=True)
def _numpy_backend(backend):
    if backend != "numpy":
        pytest.skip("compared with torch's CPU tensors on the NumPy backend")


# ---- helpers ------------------------------------------------------------------------------
def _value(dt: str, shape=(4,), seed=0, nonzero=False) -> np.ndarray:
    """Values of ``dt``: small integers (non-negative for unsigned), normal floats and complex
    numbers; ``nonzero`` keeps them away from 0 (divisors)."""
    rng = np.random.default_rng(seed)
    if dt == "bool":
        return np.asarray(rng.integers(int(nonzero), 2, shape)).astype(bool)
    if dt[0] in "ui":
        v = np.asarray(rng.integers(0 if dt[0] == "u" else -5, 10, shape))
        if nonzero:
            v[v == 0] = 5
        return v.astype(dt)
    v = np.asarray(rng.standard_normal(shape) * 3)
    if dt.startswith("complex"):
        v = np.asarray(v + 1j * np.asarray(rng.standard_normal(shape)))
    if nonzero:
        v[np.abs(v) < 0.05] = 5
    return np.asarray(v.astype(dt))


def _t(x):
    return torch.from_numpy(np.array(x)) if isinstance(x, np.ndarray) else x


def _g(x):
    return ad.tensor(np.array(x)) if isinstance(x, np.ndarray) else x


def _tdt(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _gdt(t) -> str:
    return str(np.dtype(t.dtype))


def _out(lib: str, fn, *args):
    """(dtype name, values) of ``fn`` on ``args`` in ``lib`` ("t" torch, "g" gpuad, "n"
    NumPy), or ("raise", message)."""
    conv = {"t": _t, "g": _g, "n": lambda x: np.array(x) if isinstance(x, np.ndarray) else x}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(lib, *[conv[lib](a) for a in args])
    except Exception as e:  # noqa: BLE001 (raising is an outcome compared)
        return "raise", f"{type(e).__name__}: {e}"
    if lib == "t":
        return _tdt(r), (r.numpy() if r.dtype != torch.complex32 else None)
    if lib == "g":
        return _gdt(r), np.asarray(r.detach().numpy() if isinstance(r, ad.Tensor) else r)
    return str(np.asarray(r).dtype), np.asarray(r)


def _kind(x) -> str:
    if isinstance(x, np.ndarray):
        return x.dtype.kind
    return {bool: "b", int: "i", float: "f", complex: "c"}[type(x)]


def _documented(args, want_torch: str, got: str) -> str | None:
    """The documented kind explaining torch's ``want_torch`` against gpuad's ``got``."""
    if want_torch == "complex32" and got == "complex64":
        return "c32"
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    cats = [CATEGORY[a.dtype.kind] for a in arrays]
    if not any(c >= 2 for c in cats):
        return "default"  # no float tensor: the float came from a Python number or the op
    if any(c <= 1 for c in cats):
        return "int"
    if len({a.ndim == 0 for a in arrays}) == 2:
        return "0-d"
    return None


def _close(want: np.ndarray, got: np.ndarray, dtype: str) -> bool:
    want, got = np.asarray(want), np.asarray(got)
    if want.shape != got.shape:
        return False
    if got.dtype.kind in "biu" and want.dtype.kind in "biu":
        return bool(np.array_equal(want, got))
    tol = {"float16": 2e-2, "float32": 1e-4, "complex64": 1e-4}.get(dtype, 1e-9)
    return bool(np.allclose(want.astype(complex), got.astype(complex), rtol=tol, atol=tol,
                            equal_nan=True))


def _to(lib: str, x, dt: str):
    """``x`` (a tensor of ``lib``, or a Python number) converted to ``dt``."""
    if not hasattr(x, "dtype"):
        return x
    return x.to(getattr(torch, dt)) if lib == "t" else gnp.astype(x, dt)


# ---- binary operations over the dtype grid -------------------------------------------------
def _m(name, *a, **k):
    return lambda lib, x, y: getattr(x, name)(y, *a, **k)


def _np_trunc(x, y):
    f = np.floor_divide(x, y)  # (raises as NumPy's floor_divide: a uint8 tensor with -2)
    return f if f.dtype.kind in "biu" else np.trunc(np.true_divide(x, y))


def _np_lerp(x, y):
    return x + 0.25 * (y - x)


# name -> (op on (lib, a, b), NumPy's op on (a, b) giving gpuad's reference dtype)
BINARY = {
    "add": (_m("add"), np.add), "sub": (_m("sub"), np.subtract),
    "mul": (_m("mul"), np.multiply), "div": (_m("div"), np.true_divide),
    "true_divide": (_m("true_divide"), np.true_divide),
    "div_floor": (_m("div", rounding_mode="floor"), np.floor_divide),
    "div_trunc": (_m("div", rounding_mode="trunc"), _np_trunc),
    "floor_divide": (_m("floor_divide"), np.floor_divide),
    "remainder": (_m("remainder"), np.remainder), "fmod": (_m("fmod"), np.fmod),
    "pow": (_m("pow"), np.power),
    "rsub": (lambda lib, x, y: torch.rsub(x, y) if lib == "t" else x.rsub(y),
             lambda x, y: np.subtract(y, x)),
    "//": (lambda lib, x, y: x // y, np.floor_divide), "%": (lambda lib, x, y: x % y, np.remainder),
    "lt": (_m("lt"), np.less), "le": (lambda lib, x, y: x <= y, np.less_equal),
    "gt": (_m("gt"), np.greater), "ge": (lambda lib, x, y: x >= y, np.greater_equal),
    "eq": (_m("eq"), np.equal), "ne": (lambda lib, x, y: x != y, np.not_equal),
    "maximum": (_m("maximum"), np.maximum), "minimum": (_m("minimum"), np.minimum),
    "&": (lambda lib, x, y: x & y, np.bitwise_and), "|": (lambda lib, x, y: x | y, np.bitwise_or),
    "^": (lambda lib, x, y: x ^ y, np.bitwise_xor),
    "bitwise_and": (_m("bitwise_and"), np.bitwise_and),
    "bitwise_or": (_m("bitwise_or"), np.bitwise_or),
    "logical_and": (_m("logical_and"), np.logical_and),
    "logical_xor": (_m("logical_xor"), np.logical_xor),
    "atan2": (_m("atan2"), np.arctan2), "hypot": (_m("hypot"), np.hypot),
    "copysign": (_m("copysign"), np.copysign),
    "xlogy": (_m("xlogy"), lambda x, y: np.zeros((), np.result_type(x, y) if np.result_type(
        x, y).kind in "fc" else np.float64)),  # (SciPy's float64 for integers)
    "where": (lambda lib, x, y: (torch if lib == "t" else gnp).where(x != 0, x, y),
              lambda x, y: np.where(x != 0, x, y)),
    "clamp_min": (lambda lib, x, y: x.clamp(min=y), np.maximum),
    "clamp_max": (lambda lib, x, y: x.clamp(max=y), np.minimum),
    "addcmul": (lambda lib, x, y: x.addcmul(x, y), lambda x, y: x + x * y),
    "addcdiv": (lambda lib, x, y: x.addcdiv(x, y), lambda x, y: x + x / y),
    "lerp": (lambda lib, x, y: x.lerp(y, 0.25), _np_lerp),
}
DIVIDES = {"div", "true_divide", "div_floor", "div_trunc", "floor_divide", "remainder", "fmod",
           "//", "%", "addcdiv"}


def _operands(shape_a, nonzero):
    bs = [_value(d, s, 2, nonzero) for d in DTYPES for s in ((4,), ())]
    return bs + SCALARS


def _check_binary(name, fn, numpy_fn, a, b, bad, counts):
    desc = f"{name}({a.dtype}{list(a.shape)}, " + (
        f"{b.dtype}{list(b.shape)})" if isinstance(b, np.ndarray) else f"{b!r})")
    got = _out("g", fn, a, b)
    want_np = _out("n", lambda lib, x, y: numpy_fn(x, y), a, b)
    want_t = _out("t", fn, a, b)
    counts["cases"] += 1
    if got[0] == "raise":
        # gpuad raises where NumPy does (a uint8 tensor with -2, integers to negative powers,
        # bool - bool, ...) or where NumPy has no loop (logaddexp of complex values)
        if want_np[0] != "raise" and want_t[0] != "raise":
            bad.append(f"{desc}: gpuad raises {got[1][:90]}; NumPy {want_np[0]}, torch "
                       f"{want_t[0]}")
        return
    counts["computed"] += 1
    if want_np[0] not in ("raise", got[0]):
        bad.append(f"{desc}: gpuad {got[0]}, NumPy {want_np[0]}")
    if want_t[0] == "raise" or want_t[1] is None:
        return  # torch refuses (bool subtraction, complex order, lerp of mixed dtypes, ...)
    if isinstance(b, int) and b < 0 and a.dtype == np.uint8:
        return  # KNOWN: torch wraps -2 into uint8 (254); gpuad compares exactly, as NumPy
    counts["vs_torch"] += 1
    if want_t[0] == got[0]:
        if not _close(want_t[1], got[1], got[0]):
            bad.append(f"{desc}: values torch {want_t[1]}, gpuad {got[1]}")
        return
    kind = _documented((a, b), want_t[0], got[0])
    if kind is None:
        bad.append(f"{desc}: dtype torch {want_t[0]}, gpuad {got[0]} (not a documented kind)")
        return
    # torch's op on the inputs converted to gpuad's dtype (for a comparison: of the operands)
    dt = got[0] if got[0] != "bool" else np.result_type(
        *[x.dtype if isinstance(x, np.ndarray) else x for x in (a, b)]).name
    if dt in ("bool",) or got[0] == "complex64" and want_t[0] == "complex32":
        return
    ref = _out("t", lambda lib, x, y: fn(lib, _to(lib, x, dt), _to(lib, y, dt)), a, b)
    if ref[0] != "raise" and ref[1] is not None and not _close(ref[1], got[1], got[0]):
        bad.append(f"{desc}: gpuad {got[0]} {got[1]}, torch in {dt} {ref[1]}")


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_promotion_grid(name):
    """Every dtype (1-d and 0-d) against every dtype and Python number: gpuad's dtype is
    NumPy's, its values torch's (in gpuad's dtype where the dtypes differ by a documented
    kind)."""
    fn, numpy_fn = BINARY[name]
    bad, counts = [], {"cases": 0, "computed": 0, "vs_torch": 0}
    for da in DTYPES:
        for shape in ((4,), ()):
            a = _value(da, shape, 1)
            for b in _operands(shape, name in DIVIDES):
                _check_binary(name, fn, numpy_fn, a, b, bad, counts)
    assert counts["vs_torch"] >= (10 if name == "lerp" else 100), counts  # (torch's lerp
    # takes one dtype only)
    assert not bad, f"{len(bad)} of {counts}:\n" + "\n".join(bad[:40])


REFLECTED = {"+": (operator.add, np.add), "-": (operator.sub, np.subtract),
             "*": (operator.mul, np.multiply), "/": (operator.truediv, np.true_divide),
             "//": (operator.floordiv, np.floor_divide), "%": (operator.mod, np.remainder),
             "**": (operator.pow, np.power), "&": (operator.and_, np.bitwise_and),
             "|": (operator.or_, np.bitwise_or), "^": (operator.xor, np.bitwise_xor),
             "<": (operator.lt, np.less), "==": (operator.eq, np.equal),
             "<<": (operator.lshift, np.left_shift), ">>": (operator.rshift, np.right_shift)}


@pytest.mark.parametrize("name", list(REFLECTED))
def test_python_number_on_the_left(name):
    """``2.5 - int_tensor``, ``True ^ bool_tensor``, ``3 ** uint8_tensor``, ...: a Python
    number on the left is weak as on the right (NumPy's dtype, torch's values)."""
    op, numpy_op = REFLECTED[name]
    bad, counts = [], {"cases": 0, "computed": 0, "vs_torch": 0}
    for da in DTYPES:
        for shape in ((4,), ()):
            a = _value(da, shape, 1, True)
            for s in SCALARS:
                _check_binary("r" + name, lambda lib, x, y: op(y, x),
                              lambda x, y: numpy_op(y, x), a, s, bad, counts)
    assert counts["vs_torch"] >= 30, counts
    assert not bad, "\n".join(bad[:30])


def test_cat_and_stack_promote_as_result_type():
    """torch's test_cat_different_dtypes (and stack): the result is ``result_type`` of the
    inputs with every value kept; an empty input takes part in the promotion too."""
    bad = []
    for dx, dy in itertools.product(DTYPES, DTYPES):
        x = np.array([1, 2, 3]).astype(dx)
        y = np.array([4, 5, 6]).astype(dy)
        want = np.result_type(x, y)
        for name, g, t in (("cat", gnp.concatenate, torch.cat), ("stack", gnp.stack, torch.stack),
                           ("cat empty", lambda xs: gnp.concatenate(xs), torch.cat)):
            yy = y[:0] if name == "cat empty" else y
            r = g([ad.tensor(x), ad.tensor(yy)])
            exp = (np.concatenate if name != "stack" else np.stack)([x, yy]).astype(want)
            if r.dtype != want or not np.array_equal(np.asarray(r.numpy()), exp):
                bad.append(f"{name} {dx} {dy}: {r.dtype} {r}, want {want}")
            tr = t([torch.from_numpy(x), torch.from_numpy(yy)])
            if _tdt(tr) != want.name and _documented((x, yy), _tdt(tr), want.name) is None:
                bad.append(f"{name} {dx} {dy}: torch {tr.dtype}, gpuad {want}")
    assert not bad, "\n".join(bad[:30])


def test_cat_out_different_dtypes():
    """torch's test_cat_out_different_dtypes: ``out=`` takes the values in its own dtype;
    float into an integer ``out`` and complex into a real one raise in both (torch's
    TypeError). gpuad follows NumPy's same_kind rule, so a signed integer into an unsigned
    ``out`` raises too (torch converts it)."""
    dts = [d for d in DTYPES if d != "bool"]
    for dx, dy, do in itertools.product(dts, dts, dts):
        out = ad.tensor(np.zeros(6, do))
        x, y = ad.tensor(np.array([1, 2, 3], dx)), ad.tensor(np.array([4, 5, 6], dy))
        src, dst = np.result_type(dx, dy), np.dtype(do)
        across = src.kind in "fc" and dst.kind in "iu" or src.kind == "c" and dst.kind != "c"
        if across:
            with pytest.raises(TypeError):
                torch.cat([torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())],
                          out=torch.zeros(6, dtype=getattr(torch, do)))
        if not np.can_cast(src, dst, "same_kind"):
            assert across or src.kind == "i" and dst.kind == "u", (dx, dy, do)
            with pytest.raises(TypeError, match="cast"):
                gnp.concatenate([x, y], out=out)
            np.testing.assert_array_equal(out.numpy(), 0)
        else:
            r = gnp.concatenate([x, y], out=out)
            assert r is out and out.dtype == dst
            np.testing.assert_array_equal(out.numpy(), np.arange(1, 7).astype(do))


# ---- torch's spot checks -------------------------------------------------------------------
def _i(v, dt):
    return np.array(v, dtype=dt)


def test_int_float_complex_promotion_spot_checks():
    """test_int_promotion, test_float_promotion, test_complex_promotion, test_add_wrapped,
    test_int_to_float, test_unsigned, test_from_issue, test_half: torch's dtypes, or a
    documented kind with NumPy's dtype."""
    ones = np.ones((4, 4, 4))
    cases = [  # (a, b)
        (ones.astype("int32"), ones.astype("int64")),
        (ones.astype("float32"), ones.astype("float64")),
        (ones.astype("float64"), ones.astype("float32")),
        (ones.astype("complex64"), ones.astype("complex128")),
        (ones.astype("complex128"), ones.astype("complex64")),
        (ones.astype("int32"), 1), (ones.astype("int32"), ones.astype("float32")),
        (_value("complex64", (3,)), 5), (_value("complex64", (3,)), _i(5.5, "float64")),
        (_i([0, 0, 1], "uint8"), 1), (_i([0, 0, 1], "uint8"), 5.5),
        (_i([0, 0, 1], "uint8"), _i(5.5, "float64")),
        (_value("float32", (3,)), 5), (_value("float32", (3,)), _i(5.5, "float64")),
        (np.ones(3, "uint8"), 5), (_i(5.5, "float16"), 2.2), (_i(5.5, "float16"), 100000),
        (_i(5.5, "float16"), _i(100000.0, "float32")),
        (np.ones(9 * 9, "float32").reshape(9, 9), np.ones((10, 10), "uint8")[1:, 1:]),
    ]
    bad = []
    for a, b in cases:
        for x, y in ((a, b), (b, a)):
            if not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray):
                continue
            got = _out("g", lambda lib, p, q: p + q, x, y)
            want = _out("t", lambda lib, p, q: p + q, x, y)
            ref = np.result_type(*[v if isinstance(v, np.ndarray) else v for v in (x, y)])
            if got[0] != ref.name:
                bad.append(f"{x.dtype if hasattr(x, 'dtype') else x!r} + "
                           f"{y.dtype if hasattr(y, 'dtype') else y!r}: {got[0]}, NumPy {ref}")
            elif got[0] != want[0] and _documented((x, y), want[0], got[0]) is None:
                bad.append(f"{x!r:.20} + {y!r:.20}: gpuad {got[0]}, torch {want[0]}")
            elif got[0] == want[0] and not _close(want[1], got[1], got[0]):
                bad.append(f"{x!r:.20} + {y!r:.20}: values {got[1]!r:.60} {want[1]!r:.60}")
    assert not bad, "\n".join(bad)
    # 0-d float16 + 100000 is inf in float16 in both; the wrapped int keeps uint8 + 1 uint8
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isinf(float(ad.tensor(_i(5.5, "float16")) + 100000))
    assert (ad.tensor(np.ones(3, "uint8")) + 5).dtype == np.uint8


def test_complex_scalar_and_tensor():
    """test_complex_promotion's table of complex scalars (0-d tensors and Python numbers)
    against 1-d tensors, and test_complex_scalar_mult_tensor_promotion."""
    bad = []
    for sdt in ("complex64", "complex128"):
        s0 = _value(sdt, ())
        for tdt in ("float16", "float32", "float64", "int64"):
            t1 = _value(tdt, (3,), 1)
            for s in (s0, complex(s0)):
                for x, y in ((s, t1), (t1, s)):
                    got = _out("g", lambda lib, p, q: p * q, x, y)
                    want = _out("t", lambda lib, p, q: p * q, x, y)
                    ref = np.result_type(*(x, y)).name
                    rt = gnp.result_type(_g(x), _g(y)).name
                    if not got[0] == ref == rt:
                        bad.append(f"{sdt} {type(s).__name__} * {tdt}: {got[0]}, NumPy {ref}, "
                                   f"result_type {rt}")
                    if got[0] != want[0] and _documented((x, y), want[0], got[0]) is None:
                        bad.append(f"{sdt} {type(s).__name__} * {tdt}: gpuad {got[0]}, torch "
                                   f"{want[0]}")
    assert not bad, "\n".join(bad)
    a = 1j * ad.tensor(np.ones(2, np.float32)) + 1j
    assert a.dtype == np.complex64
    np.testing.assert_array_equal(a.numpy(), [2j, 2j])
    ta = 1j * torch.ones(2) + 1j
    assert str(ta.dtype) == "torch.complex64"


@pytest.mark.parametrize("what", ["bfloat16", "complex32"])
def test_bfloat16_and_complex32_raise_clearly(what):
    """test_bfloat16 and test_complex_half: gpuad has neither dtype; every way of asking for
    one raises a TypeError naming the dtype and what to use, never a silent other dtype."""
    tdt = getattr(torch, what)
    x = ad.tensor(np.ones(3, np.float32))
    attempts = [lambda: x.to(tdt), lambda: x.to(what), lambda: x.type(tdt),
                lambda: ad.tensor([1.0], dtype=tdt), lambda: ad.tensor([1.0], dtype=what),
                lambda: x.new_zeros(2, dtype=tdt), lambda: x.softmax(0, dtype=tdt),
                lambda: x.sum(dtype=tdt), lambda: x.mean(dim=0, dtype=tdt),
                lambda: ad.tensor(torch.ones(2, dtype=tdt))]
    if what == "bfloat16":
        attempts.append(x.bfloat16)
    for f in attempts:
        with pytest.raises(TypeError, match=f"no {what} dtype.*use (float32|complex64)"):
            f()
    # torch's other dtypes are taken wherever a dtype is (the reductions' dtype= too)
    for f in (lambda d: x.sum(dtype=d), lambda d: x.sum(dim=0, dtype=d),
              lambda d: x.prod(dtype=d), lambda d: x.cumsum(0, dtype=d), lambda d: x.to(d),
              lambda d: ad.tensor([1.0], dtype=d)):
        assert f(torch.float64).dtype == np.float64
    # torch has it: bf + t promotes as torch's table says (nothing to compare in gpuad)
    assert torch.promote_types(torch.bfloat16, torch.float16) == torch.float32


def test_alternate_result_out():
    """test_alternate_result: ``add(out=)`` of float into an int64 ``out`` raises; into a
    float64 one it writes ``x + x`` computed in float32 (test_computation_ignores_out)."""
    x = ad.tensor(np.ones(4, np.float32))
    with pytest.raises(TypeError, match="cast"):
        gnp.add(x, x, out=ad.tensor(np.zeros(4, np.int64)))
    d = ad.tensor(np.zeros(4))
    r = gnp.add(x, x, out=d)
    assert r is d and d.dtype == np.float64
    np.testing.assert_array_equal(d.numpy(), 2.0)
    # the computation ignores out: float16 33000 + 33000 overflows, 1.5 / .666 rounds in
    # float16, uint8 5 - 8 wraps, as torch's
    cases = [(np.float16(33000), np.float16(33000), gnp.add, torch.add, np.inf),
             (np.float16(1.5), np.float16(0.666), gnp.true_divide, torch.true_divide,
              float(np.float16(1.5 / np.float16(0.666)))),
             (np.uint8(5), np.uint8(8), gnp.subtract, torch.sub, 253.0)]
    for p, q, g, t, want in cases:  # (in float64: 66000, 2.2522, -3)
        out = ad.tensor(np.zeros((), np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g(ad.tensor(np.array(p)), ad.tensor(np.array(q)), out=out)
        tout = torch.empty(0, dtype=torch.float64)
        t(torch.tensor(p), torch.tensor(q), out=tout)
        assert float(out) == want == float(tout), (g, float(out), want, float(tout))


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "complex64", "complex128"])
@pytest.mark.parametrize("odt", ["int64", "float32", "float64", "complex64", "complex128"])
def test_unary_op_out_casting(dt, odt):
    """test_unary_op_out_casting with NumPy's rule: ``out=`` of the same kind or wider takes
    the value; float into integer and complex into real raise (torch: the exact dtype)."""
    t = ad.tensor(np.array(1, dtype=dt))
    for g in (gnp.negative, gnp.floor, gnp.ceil):
        out = ad.tensor(np.zeros((), odt))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = g(np.array(1, dtype=dt), out=np.zeros((), odt))
            except TypeError:
                want = None
        if want is None:
            with pytest.raises(TypeError):
                g(t, out=out)
            continue
        r = g(t, out=out)
        assert r is out and out.dtype == np.dtype(odt)
        assert complex(out) == complex(want)


def test_mixed_type_backward():
    """test_mixed_type_backward: a float32 leaf used with a float64 (or integer, or complex)
    tensor gets a float32 ``.grad`` with torch's values, through every promoting op."""
    f = ad.tensor(np.ones((3, 3), np.float32), requires_grad=True)
    ten = ad.tensor(np.array([10.0]))
    tens = f * ten
    assert tens.dtype == np.float64  # NumPy's (torch: float32, the 0-d rule does not apply)
    (tens + 2).sum().backward()
    assert f.grad.dtype == np.float32
    np.testing.assert_array_equal(f.grad.numpy(), np.full((3, 3), 10.0))
    ops = {
        "add": lambda x, y: x.add(y), "sub": lambda x, y: x.sub(y),
        "rsub": lambda x, y: x.rsub(y) if isinstance(x, ad.Tensor) else torch.rsub(x, y),
        "mul": lambda x, y: x.mul(y), "div": lambda x, y: x.div(y),
        "pow": lambda x, y: x.pow(y), "atan2": lambda x, y: x.atan2(y),
        "where": lambda x, y: (gnp if isinstance(x, ad.Tensor) else torch).where(x > 1, x, y),
        "maximum": lambda x, y: x.maximum(y), "clamp": lambda x, y: x.clamp(min=y),
        "addcmul": lambda x, y: x.addcmul(x, y), "addcdiv": lambda x, y: x.addcdiv(x, y),
        "lerp": lambda x, y: x.lerp(y, 0.3), "hypot": lambda x, y: x.hypot(y),
        "cat": lambda x, y: (gnp.concatenate if isinstance(x, ad.Tensor) else torch.cat)([x, y]),
        "stack": lambda x, y: (gnp.stack if isinstance(x, ad.Tensor) else torch.stack)([x, y]),
        "xlogy": lambda x, y: x.xlogy(y),
    }
    rng = np.random.default_rng(0)
    bad = []
    for (name, op), d1, d2, s2 in itertools.product(
            ops.items(), ["float16", "float32", "float64"],
            ["float16", "float32", "float64", "int32", "int64", "uint8", "bool", "complex64",
             "complex128"], [(3,), ()]):
        if name == "stack" and s2 == ():
            continue
        xv = rng.uniform(0.5, 2, 3).astype(d1)
        yv = np.asarray(rng.uniform(1, 3, s2)).astype(d2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tx = torch.tensor(xv, requires_grad=True)
                r = op(tx, torch.tensor(yv))
                (r.real if r.is_complex() else r).sum().backward()
            want = tx.grad.numpy()
        except (RuntimeError, TypeError, NotImplementedError, ValueError):
            want = None  # torch refuses (complex maximum, lerp of mixed dtypes, ...)
        gx = ad.tensor(xv.copy(), requires_grad=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = op(gx, ad.tensor(yv.copy()))
                (gnp.real(r) if r.dtype.kind == "c" else r).sum().backward()
        except (TypeError, NotImplementedError, ValueError) as e:  # complex atan2, cat of 0-d
            if want is not None:
                bad.append(f"{name} {d1} {d2}{list(s2)}: gpuad raises {e}")
            continue
        if gx.grad.dtype != np.dtype(d1):
            bad.append(f"{name} {d1} {d2}{list(s2)}: .grad {gx.grad.dtype} (result {r.dtype})")
        elif want is not None and not np.allclose(
                want.astype(float), gx.grad.numpy().astype(float),
                rtol=2e-2 if "16" in d1 + d2 else 1e-4, atol=2e-3):
            bad.append(f"{name} {d1} {d2}{list(s2)}: torch {want}, gpuad {gx.grad}")
    assert not bad, "\n".join(bad[:30])


def test_mixed_type_gradient_against_central_differences():
    """The float32 leaf's gradient through a float64 and an int64 operand is the float64
    derivative rounded to float32 (central differences of the float64 function)."""
    xv = np.array([0.7, 1.3, 2.1], np.float32)
    y64 = np.array([1.5, -0.5, 2.0])
    yi = np.array([2, 3, -1])

    def f(lib, x):
        return ((x * y64 + x / yi) * x).sum() if lib is np else \
            ((x * ad.tensor(y64) + x / ad.tensor(yi)) * x).sum()

    x = ad.tensor(xv, requires_grad=True)
    f(ad, x).backward()
    assert x.grad.dtype == np.float32
    x64, h = xv.astype(np.float64), 1e-6
    fd = np.array([(f(np, x64 + h * e) - f(np, x64 - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(x.grad.numpy(), fd.astype(np.float32), rtol=1e-6)


# ---- many promotions (values) -------------------------------------------------------------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "rsub"])
def test_many_promotions(op):
    """test_many_promotions: ``op(first, second)`` equals ``op`` of both converted to the
    result dtype (gpuad's: NumPy's promotion), also for non-contiguous (transposed) tensors,
    and equals torch's op on the converted tensors."""
    fn = {"add": lambda x, y: x.add(y), "sub": lambda x, y: x.sub(y),
          "mul": lambda x, y: x.mul(y), "div": lambda x, y: x.div(y),
          "rsub": lambda x, y: x.rsub(y) if isinstance(x, ad.Tensor) else torch.rsub(x, y)}[op]
    bad = []
    for d1, d2 in itertools.product(DTYPES, DTYPES):
        common = np.promote_types(d1, d2)
        if op in ("sub", "rsub") and common == np.bool_:
            continue
        for nc in (False, True):
            p = _value(d1, (5, 5, 5), 3)
            q = _value(d2, (5, 5, 5), 4, op == "div")
            if nc:
                p, q = p.transpose(2, 1, 0), q.transpose(0, 2, 1)
            gp, gq = ad.tensor(p), ad.tensor(q)
            if nc:
                assert not gp.is_contiguous() and not gq.is_contiguous()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = fn(gp, gq)
                e = fn(gnp.astype(gp, common), gnp.astype(gq, common))
                t = fn(torch.from_numpy(p.astype(r.dtype)), torch.from_numpy(q.astype(r.dtype)))
            if r.dtype != (common if op != "div" else np.true_divide(p, q).dtype):
                bad.append(f"{op} {d1} {d2}: {r.dtype}, NumPy {common}")
            if not _close(e.numpy(), r.numpy(), _gdt(r)) or not _close(t.numpy(), r.numpy(),
                                                                         _gdt(r)):
                bad.append(f"{op} {d1} {d2} nc={nc}: values differ")
    assert not bad, "\n".join(bad[:30])


def test_non_promoting_ops():
    """test_non_promoting_ops: torch's lerp refuses float64 with float32; gpuad promotes as
    NumPy, with the value of torch's float64 lerp."""
    x, y = np.ones(4), np.array([2.0, 3.0, -1.0, 0.5], np.float32)
    with pytest.raises(RuntimeError):
        torch.lerp(torch.from_numpy(x), torch.from_numpy(y), 1)
    r = ad.tensor(x).lerp(ad.tensor(y), 0.75)
    assert r.dtype == np.float64
    want = torch.lerp(torch.from_numpy(x), torch.from_numpy(y.astype(np.float64)), 0.75)
    np.testing.assert_allclose(r.numpy(), want.numpy(), rtol=1e-15)


def test_alpha_mismatch():
    """test_alpha_mismatch and test_booleans: ``add``/``sub``/``rsub`` refuse a float alpha
    for integer or boolean tensors, a bool alpha for non-bool results and a complex alpha
    for real ones, as torch (NumPy's promotion would widen the result silently)."""
    for dt in ("int32", "bool"):
        x = ad.tensor(np.ones(4, dt))
        tx = torch.ones(4, dtype=getattr(torch, dt))
        for f in (lambda a: a.add(a, alpha=1.1), lambda a: a.add_(a, alpha=1.1)) + (
                (lambda a: a.sub(a, alpha=1.1),) if dt != "bool" else ()):
            with pytest.raises(RuntimeError, match="alpha"):
                f(tx.clone())
            with pytest.raises(RuntimeError, match="alpha"):
                f(x)
    for t, g in ((torch.ones(2), ad.tensor(np.ones(2, np.float32))),
                 (torch.ones(2, dtype=torch.int64), ad.tensor(np.ones(2, np.int64)))):
        for alpha in (True, 1j):
            with pytest.raises(RuntimeError):
                t.add(t, alpha=alpha)
            with pytest.raises(RuntimeError, match="alpha"):
                g.add(g, alpha=alpha)
    with pytest.raises(RuntimeError, match="alpha"):
        ad.tensor(np.ones(2, np.int32)).rsub(1, alpha=2.5)
    b = ad.tensor(np.array([True, False]))
    tb = torch.tensor([True, False])
    for alpha in (True, 2, 0):
        r, tr = b.add(b, alpha=alpha), tb.add(tb, alpha=alpha)
        assert r.dtype == np.bool_ and _tdt(tr) == "bool"
        np.testing.assert_array_equal(r.numpy(), tr.numpy())
    # an alpha that fits: the result keeps the tensors' dtype, as torch's
    i = ad.tensor(np.array([1, 2], np.int32))
    for alpha in (2, np.int64(2)):
        r = i.add(i, alpha=alpha)
        assert r.dtype == np.int32
        np.testing.assert_array_equal(r.numpy(), [3, 6])
    r = ad.tensor(np.ones(2, np.float32)).rsub(1.0, alpha=2)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r.numpy(), [-1.0, -1.0])


def test_booleans():
    """test_booleans, test_transpose and the bool ops: ``+``/``*`` of bools stay bool (or),
    ``&``/``|``/``^``/``~`` are logical, mixed with integers bitwise; ``t == 0`` is
    ``t == False``."""
    onedim = ad.tensor(np.array([True]))
    assert (onedim + onedim).dtype == np.bool_ and bool((onedim + onedim)[0])
    assert (onedim + True).dtype == np.bool_
    a = ad.tensor(np.array([[True, True], [False, True]]))
    np.testing.assert_array_equal((a.t() == 0).numpy(), (a.t() == False).numpy())  # noqa: E712
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    bad = []
    ops = {"&": operator.and_, "|": operator.or_, "^": operator.xor, "*": operator.mul,
           "+": operator.add, "bitwise_and": lambda x, y: x.bitwise_and(y),
           "bitwise_or": lambda x, y: x.bitwise_or(y), "bitwise_xor": lambda x, y: x.bitwise_xor(y),
           "logical_or": lambda x, y: x.logical_or(y), "eq": operator.eq, "lt": operator.lt}
    for name, f in ops.items():
        for y in (q, True, False, np.array([1, 2, 3, 4], np.int8), 3):
            g = _out("g", lambda lib, u, v: f(u, v), p, y)
            t = _out("t", lambda lib, u, v: f(u, v), p, y)
            if g[0] != t[0] and t[0] != "raise" and _documented((p, y), t[0], g[0]) is None \
                    or t[0] != "raise" and g[0] != "raise" and not _close(t[1], g[1], g[0]):
                bad.append(f"{name}(bool, {y!r}): gpuad {g}, torch {t}")
    for name in ("bitwise_not", "logical_not", "__invert__"):
        g = getattr(ad.tensor(p), name)()
        t = getattr(torch.from_numpy(p), name)()
        assert g.dtype == np.bool_ and _tdt(t) == "bool"
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert not bad, "\n".join(bad)


def test_bool_square_and_pow_are_int64():
    """torch's ``b.square()`` and ``b.pow(2)`` of a bool tensor are int64 (NumPy's ``b ** 2``
    operator squares into int8; the torch methods take torch's, and np.power's, int64)."""
    b = np.array([True, False])
    for name, args in (("square", ()), ("pow", (2,)), ("pow", (3,))):
        g = getattr(ad.tensor(b), name)(*args)
        t = getattr(torch.from_numpy(b), name)(*args)
        assert g.dtype == np.int64 and _tdt(t) == "int64", (name, args, g.dtype)
        np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_create_bool_tensors():
    """test_create_bool_tensors: ``arange``/``linspace`` with bool bounds are those of 0 and
    1 (int64 for integer steps; NumPy's float64 where torch takes its default float32)."""
    r = gnp.arange(False, True)
    assert np.asarray(r).dtype == np.int64 and list(np.asarray(r)) == [0]
    assert list(np.asarray(gnp.arange(True))) == [0]
    r = gnp.arange(False, True, 0.5)
    assert np.asarray(r).dtype == np.float64 and list(np.asarray(r)) == [0.0, 0.5]
    assert np.asarray(gnp.arange(False, False)).shape == (0,)
    np.testing.assert_array_equal(gnp.linspace(False, True, 100), gnp.linspace(0, 1, 100))
    np.testing.assert_allclose(np.asarray(gnp.linspace(False, True, 100)),
                               torch.linspace(False, True, steps=100).numpy(), rtol=1e-6)


def test_result_type_matches_the_operators():
    """test_result_type: for tensors, 0-d tensors and Python numbers of every pair of dtypes,
    ``a + b`` has ``gnp.result_type(a, b)``'s dtype (and raises where it would raise), and
    ``promote_types`` of two dimensioned tensors' dtypes is that of their sum; against torch
    the dtypes differ only by a documented kind."""
    bad = []
    for d1, d2 in itertools.product(DTYPES, DTYPES):
        a1, a0 = np.array([0, 1]).astype(d1), np.array(1).astype(d1)
        b1, b0 = np.array([1, 0]).astype(d2), np.array(1).astype(d2)
        for a, b in itertools.product((a1, a0, a0.item()), (b1, b0, b0.item())):
            if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
                continue
            got = _out("g", lambda lib, x, y: x + y, a, b)
            rt = gnp.result_type(_g(a), _g(b))
            want = _out("t", lambda lib, x, y: x + y, a, b)
            case = (f"{d1}{np.ndim(a)}{type(a).__name__[:3]} + "
                    f"{d2}{np.ndim(b)}{type(b).__name__[:3]}")
            if got[0] == "raise":
                continue  # bool - bool is not here; + raises for no pair
            if got[0] != rt.name:
                bad.append(f"{case}: + {got[0]}, result_type {rt}")
            if want[0] not in ("raise", got[0]) and _documented((a, b), want[0], got[0]) is None:
                bad.append(f"{case}: gpuad {got[0]}, torch {want[0]}")
        if gnp.promote_types(d1, d2) != (ad.tensor(a1) + ad.tensor(b1)).dtype:
            bad.append(f"promote_types({d1}, {d2})")
    assert not bad, "\n".join(bad[:40])


def test_result_type_tensor_vs_scalar():
    """test_result_type_tensor_vs_scalar's spot checks, either order: torch's dtype, or the
    documented kind with NumPy's."""
    cases = [  # (a, b, torch's, gpuad's)
        (_i([1, 2], "float16"), _i(1, "int64"), "float16", "float64"),  # int
        (_i(1, "float32"), _i([1, 2], "float64"), "float64", "float64"),
        (_i(1, "int32"), 1, "int32", "int32"),
        (_i(1, "int64"), 1.0, "float32", "float64"),  # default
        (_i(1, "int64"), _i([1, 1], "int32"), "int32", "int64"),  # 0-d
        (_i([1.0, 1.0], "float32"), 1.0, "float32", "float32"),
        (_i([1.0, 1.0], "complex64"), _i(1.0, "complex128"), "complex64", "complex128"),  # 0-d
        (_i([1.0, 1.0], "complex128"), _i(1.0, "complex64"), "complex128", "complex128"),
        (_i([1, 1], "bool"), 1.0, "float32", "float64"),  # default
    ]
    for a, b, want_t, want_g in cases:
        for x, y in ((a, b), (b, a)):
            assert str(torch.result_type(_t(x), _t(y))) == "torch." + want_t
            assert gnp.result_type(_g(x), _g(y)) == np.dtype(want_g)
            assert _gdt(_g(x) + _g(y)) == want_g
            assert want_t == want_g or _documented((x, y), want_t, want_g) is not None


def test_can_cast_and_promote_types():
    """test_can_cast, test_promote_types, test_promote_self: ``gnp.can_cast`` is NumPy's
    ("safe" by default, so float64 -> float32 is False); torch's ``can_cast`` is NumPy's
    ``casting="same_kind"`` but for signed into unsigned integers, which torch allows."""
    assert gnp.can_cast(gnp.float64, gnp.float32, "same_kind")
    assert not gnp.can_cast(gnp.float64, gnp.float32)
    assert not gnp.can_cast(gnp.float32, gnp.int32, "same_kind")
    for d1, d2 in itertools.product(DTYPES, DTYPES):
        t = torch.can_cast(getattr(torch, d1), getattr(torch, d2))
        g = gnp.can_cast(d1, d2, "same_kind")
        signed_to_unsigned = d1[0] == "i" and d2[0] == "u"
        assert t == g or (signed_to_unsigned and t and not g), (d1, d2, t, g)
    assert gnp.promote_types(gnp.float32, gnp.float64) == np.float64
    assert gnp.promote_types(gnp.int32, gnp.uint8) == np.int32
    assert gnp.promote_types(gnp.float32, gnp.int32) == np.float64  # int kind (torch: float32)
    for d in DTYPES:
        assert gnp.promote_types(d, d) == np.dtype(d)


VALUE_FOR = {"uint8": 1 << 5, "int8": 1 << 5, "int16": 1 << 10, "int32": 1 << 20,
             "int64": 1 << 35, "float16": 1 << 10, "float32": 1 << 20, "float64": 1 << 35,
             "complex64": 1 << 20, "complex128": 1 << 35}


@pytest.mark.parametrize("name", ["lt", "le", "gt", "ge", "eq", "ne"])
def test_comparison_ops_with_type_promotion(name):
    """test_comparison_ops_with_type_promotion: values of different widths across dtypes
    compare exactly (1-d and 0-d, method, operator and ``out=``), the inputs keep their
    dtypes, the result is bool; complex operands only for eq/ne (test_complex_assertraises:
    torch refuses the order, gpuad orders as NumPy)."""
    pyop = getattr(operator, name)
    gfn = {"lt": gnp.less, "le": gnp.less_equal, "gt": gnp.greater, "ge": gnp.greater_equal,
           "eq": gnp.equal, "ne": gnp.not_equal}[name]
    for d1, d2 in itertools.product(VALUE_FOR, VALUE_FOR):
        v1, v2 = VALUE_FOR[d1], VALUE_FOR[d2]
        complex_ = d1[0] == "c" or d2[0] == "c"
        for shape in ((1,), ()):
            x = ad.tensor(np.full(shape, v1, d1))
            y = ad.tensor(np.full(shape, v2, d2))
            if complex_ and name not in ("eq", "ne"):
                with pytest.raises((RuntimeError, NotImplementedError)):
                    pyop(torch.full(shape, v1, dtype=getattr(torch, d1)),
                         torch.full(shape, v2, dtype=getattr(torch, d2)))
                want = pyop(np.full(shape, v1, d1), np.full(shape, v2, d2))
            else:
                want = np.full(shape, pyop(v1, v2))
            out = ad.tensor(np.zeros(shape, bool))
            for r in (getattr(x, name)(y), pyop(x, y), gfn(x, y, out=out)):
                assert r.dtype == np.bool_ and r.shape == shape
                np.testing.assert_array_equal(r.numpy(), want)
            assert x.dtype == np.dtype(d1) and y.dtype == np.dtype(d2)
            assert out.numpy().tolist() == np.asarray(want).tolist()


def test_lt_with_type_promotion():
    """test_lt_with_type_promotion: 0 of every real dtype is below 0.5 and below a 0-d 0.5
    tensor (an integer tensor compares exactly, not after truncating 0.5 to 0)."""
    for dt in DTYPES[:9]:
        for shape in ((1,), ()):
            x = ad.tensor(np.zeros(shape, dt))
            for r in (x < 0.5, x < ad.tensor(np.array(0.5)), x < ad.tensor(np.array(0.5,
                                                                                    np.float32))):
                assert r.dtype == np.bool_ and bool(np.all(r.numpy()))


def test_indexing():
    """test_indexing: ``x[:, [1]] = y[:, None]`` of the same dtype; a float tensor plus a
    sliced uint8 mask stays float32 (torch issue 27824). An int tensor written into a float64
    one is NumPy's exact conversion (torch refuses it, test_indexing_fail)."""
    x = ad.tensor(np.ones((5, 2)))
    x[:, [1]] = ad.tensor(np.zeros(5))[:, None]
    np.testing.assert_array_equal(x.numpy(), np.array([(1, 0)] * 5, float))
    tmp = ad.tensor(np.ones((9, 9), np.float32))
    mask = ad.tensor(np.ones((10, 10), np.uint8))
    r = tmp + mask[1:, 1:]
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r.numpy(), 2.0)
    x[:, [1]] = ad.tensor(np.array([3, 4, 5, 6, 7], np.int32))[:, None]
    assert x.dtype == np.float64 and x.numpy()[:, 1].tolist() == [3, 4, 5, 6, 7]


INT_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("dt", INT_DTYPES)
def test_div_promotion(dt):
    """test_div_promotion: ``div`` and ``true_divide`` of integer (bool) tensors, by a tensor
    or by 2.0, are the float quotient (NumPy's float64; torch's default float32, the same
    quotient rounded once more)."""
    rng = np.random.default_rng(5)
    dividend = (rng.standard_normal(5) * 100).astype(dt)
    divisor = np.arange(1, 6).astype(dt)
    for op in ("div", "true_divide"):
        g = getattr(ad.tensor(dividend), op)(ad.tensor(divisor))
        assert g.dtype == np.true_divide(dividend, divisor).dtype
        want = torch.from_numpy(dividend.astype(np.float64)) / torch.from_numpy(
            divisor.astype(np.float64))
        np.testing.assert_allclose(g.numpy(), want.numpy(), rtol=1e-15)
        g = getattr(ad.tensor(dividend), op)(2.0)
        np.testing.assert_allclose(g.numpy(), dividend.astype(np.float64) / 2, rtol=1e-15)
        t = getattr(torch.from_numpy(dividend), op)(2.0)
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dt", ["float32", "float64", *INT_DTYPES])
def test_div_promotion_out_and_inplace(dt):
    """test_div_promotion_out and test_div_promotion_inplace: an integer quotient asked for
    (``out=`` an integer tensor, ``div_``, ``true_divide_``, ``/=``) raises, and leaves the
    tensor as it was; a float one is written."""
    rng = np.random.default_rng(6)
    dividend = (rng.standard_normal(5) * 100).astype(dt)
    divisor = np.arange(1, 6).astype(dt)
    for g in (gnp.divide, gnp.true_divide):
        out = ad.tensor(np.zeros(5, dt))
        if np.dtype(dt).kind != "f":
            with pytest.raises(TypeError):
                g(ad.tensor(dividend), ad.tensor(divisor), out=out)
            with pytest.raises(TypeError):
                g(ad.tensor(dividend), 2, out=out)
        else:
            g(ad.tensor(dividend), ad.tensor(divisor), out=out)
            np.testing.assert_array_equal(out.numpy(), dividend / divisor)
    for f in (lambda x, y: x.div_(y), lambda x, y: x.true_divide_(y),
              lambda x, y: x.__itruediv__(y)):
        for y in (ad.tensor(divisor), 2):
            x = ad.tensor(dividend.copy())
            v = x._version
            if np.dtype(dt).kind != "f":
                with pytest.raises(RuntimeError, match="cast"):
                    f(x, y)
                with pytest.raises(TypeError, match="cast"):
                    f(x, y)
                np.testing.assert_array_equal(x.numpy(), dividend)
                assert x._version == v
            else:
                f(x, y)
                np.testing.assert_array_equal(x.numpy(), dividend / np.asarray(
                    y.numpy() if isinstance(y, ad.Tensor) else y, dt))


def test_integer_addcdiv_and_addcmul():
    """test_integer_addcdiv_deprecated: torch refuses integer ``addcdiv``; gpuad divides
    truly (torch's announced behaviour) into NumPy's float64, and ``addcdiv_`` into the
    integer tensor raises. An integer ``addcmul`` with ``value=0.5`` is float64 (torch
    truncates the value to 0 and gives int32 1)."""
    t = np.array([1, 2, 3], np.int32)
    with pytest.raises(RuntimeError, match="Integer division"):
        torch.addcdiv(torch.from_numpy(t), torch.from_numpy(t), torch.from_numpy(t))
    g = ad.tensor(t).addcdiv(ad.tensor(t), ad.tensor(np.array([2, 4, 4], np.int32)))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g.numpy(), [1.5, 2.5, 3.75])
    with pytest.raises(CastingError):
        ad.tensor(t.copy()).addcdiv_(ad.tensor(t), ad.tensor(t))
    g = ad.tensor(t).addcmul(ad.tensor(t), ad.tensor(t), value=0.5)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g.numpy(), [1.5, 4.0, 7.5])


@pytest.mark.parametrize("np_first", [True, False])
def test_numpy_array_binary_ufunc_promotion(np_first):
    """test_numpy_array_binary_ufunc_promotion: a NumPy array with a gpuad Tensor (either
    side, the ``+`` operator and ``gnp.add``) gives what the array made a Tensor gives."""
    bad = []
    for nd, td in itertools.product(DTYPES, DTYPES):
        a = np.ones(1, nd)
        t = ad.tensor(np.ones(1, td))
        for op in (operator.add, gnp.add):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = op(a, t) if np_first else op(t, a)
                    want = op(ad.tensor(a), t) if np_first else op(t, ad.tensor(a))
            except TypeError as e:  # bool + bool is fine; nothing else raises here
                bad.append(f"{nd} {td}: {e}")
                continue
            if not isinstance(got, ad.Tensor) or got.dtype != want.dtype or \
                    not np.array_equal(got.numpy(), want.numpy()):
                bad.append(f"{nd} {td} {op}: {type(got).__name__} {got.dtype}, {want.dtype}")
    assert not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("dtypes", list(itertools.product(["bool", "int32", "float32",
                                                            "float64"], repeat=3)),
                         ids=lambda d: "-".join(d))
def test_clamp_type_promotion(dtypes):
    """test_clamp_type_promotion: ``clamp`` with tensor, 0-d tensor and Python-number
    bounds of other dtypes is ``clamp`` of everything converted to the result dtype (NumPy's
    promotion of the three), and equals torch's there; ``clamp_`` in place where that dtype
    casts into the input's, else a CastingError."""
    d0, d1, d2 = dtypes
    rng = np.random.default_rng(7)

    def make(dt):
        if dt == "bool":
            return rng.integers(0, 2, 4).astype(bool)
        if dt == "int32":
            return rng.integers(0, 10, 4).astype(np.int32)
        return rng.standard_normal(4).astype(dt)

    inp, lo, hi = make(d0), make(d1), make(d2)
    for mn, mx in ((lo, hi), (lo[:1].reshape(()), hi[:1].reshape(())), (lo[0].item(),
                                                                          hi[0].item())):
        want = np.result_type(inp, mn, mx)
        if want == np.bool_:
            continue
        g = ad.tensor(inp).clamp(_g(mn), _g(mx))
        assert g.dtype == want, (g.dtype, want)
        ref = np.minimum(np.maximum(inp.astype(want), np.asarray(mn).astype(want)),
                         np.asarray(mx).astype(want))
        np.testing.assert_array_equal(g.numpy(), ref)
        t = torch.clamp(torch.from_numpy(inp.astype(want)), _t(np.asarray(mn).astype(want)),
                        _t(np.asarray(mx).astype(want)))
        np.testing.assert_array_equal(g.numpy(), t.numpy())
        x = ad.tensor(inp.copy())
        if np.can_cast(want, inp.dtype, "same_kind"):
            x.clamp_(_g(mn), _g(mx))
            np.testing.assert_array_equal(x.numpy(), ref.astype(inp.dtype))
        else:
            with pytest.raises(CastingError):
                x.clamp_(_g(mn), _g(mx))
            np.testing.assert_array_equal(x.numpy(), inp)
        for m in (mn,):
            w = np.result_type(inp, m)
            if w == np.bool_:
                continue
            r = ad.tensor(inp).clamp_min(_g(m))
            assert r.dtype == w
            np.testing.assert_array_equal(r.numpy(), np.maximum(inp.astype(w),
                                                                np.asarray(m).astype(w)))


# ---- in place: never wider ----------------------------------------------------------------
def test_inplace():
    """test_inplace: ``int_tensor.add_(1.5)`` and ``int_tensor += 1.5`` raise (a TypeError
    and a RuntimeError, as torch's "can't be cast") and leave the tensor; ``add_`` of an
    int64 tensor and of 1 keeps int32; bool cannot take uint8; uint8 *= int16 is refused
    (NumPy's same_kind; torch wraps)."""
    i32 = ad.tensor(np.ones((4, 4, 4), np.int32))
    for f in (lambda t: t.add_(1.5), lambda t: t.__iadd__(1.5), lambda t: t.mul_(0.5),
              lambda t: t.__imul__(ad.tensor(np.array(2.5)))):
        with pytest.raises(RuntimeError, match="cast"):
            f(i32)
        with pytest.raises(TypeError, match="cast"):
            f(i32)
        np.testing.assert_array_equal(i32.numpy(), 1)
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.ones(3, dtype=torch.int32).add_(1.5)
    i32.add_(ad.tensor(np.ones((4, 4, 4), np.int64)))
    i32.add_(1)
    assert i32.dtype == np.int32
    np.testing.assert_array_equal(i32.numpy(), 3)
    with pytest.raises(CastingError):
        ad.tensor(np.ones(3, bool)).add_(ad.tensor(np.ones(3, np.uint8)))
    u8 = ad.tensor(np.ones(3, np.uint8))
    with pytest.raises(CastingError):
        u8 *= ad.tensor(np.ones(3, np.int16))
    tu8 = torch.ones(3, dtype=torch.uint8)
    tu8 *= torch.ones(3, dtype=torch.int16)  # torch allows it
    assert tu8.dtype == torch.uint8


IN_PLACE = {
    "add_": lambda a, b: a.add_(b), "sub_": lambda a, b: a.sub_(b),
    "mul_": lambda a, b: a.mul_(b), "div_": lambda a, b: a.div_(b),
    "true_divide_": lambda a, b: a.true_divide_(b),
    "div_floor_": lambda a, b: a.div_(b, rounding_mode="floor"),
    "floor_divide_": lambda a, b: a.floor_divide_(b),
    "remainder_": lambda a, b: a.remainder_(b), "fmod_": lambda a, b: a.fmod_(b),
    "pow_": lambda a, b: a.pow_(b), "clamp_min_": lambda a, b: a.clamp_min_(b),
    "clamp_": lambda a, b: a.clamp_(b, None),
    "addcmul_": lambda a, b: a.addcmul_(a.clone(), b),
    "atan2_": lambda a, b: a.atan2_(b), "hypot_": lambda a, b: a.hypot_(b),
    "copysign_": lambda a, b: a.copysign_(b), "xlogy_": lambda a, b: a.xlogy_(b),
    "eq_": lambda a, b: a.eq_(b), "logical_and_": lambda a, b: a.logical_and_(b),
    "bitwise_and_": lambda a, b: a.bitwise_and_(b),
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
}
OUT_OF_PLACE = {
    "add_": lambda a, b: a.add(b), "sub_": lambda a, b: a.sub(b), "mul_": lambda a, b: a.mul(b),
    "div_": lambda a, b: a.div(b), "true_divide_": lambda a, b: a.true_divide(b),
    "div_floor_": lambda a, b: a.div(b, rounding_mode="floor"),
    "floor_divide_": lambda a, b: a.floor_divide(b), "remainder_": lambda a, b: a.remainder(b),
    "fmod_": lambda a, b: a.fmod(b), "pow_": lambda a, b: a.pow(b),
    "clamp_min_": lambda a, b: a.clamp_min(b), "clamp_": lambda a, b: a.clamp(b, None),
    "addcmul_": lambda a, b: a.addcmul(a, b), "atan2_": lambda a, b: a.atan2(b),
    "hypot_": lambda a, b: a.hypot(b), "copysign_": lambda a, b: a.copysign(b),
    "xlogy_": lambda a, b: a.xlogy(b), "eq_": lambda a, b: a.eq(b),
    "logical_and_": lambda a, b: a.logical_and(b), "bitwise_and_": lambda a, b: a.bitwise_and(b),
    "+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": operator.mod, "**=": operator.pow, "&=": operator.and_,
    "|=": operator.or_, "^=": operator.xor,
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_inplace_never_widens(name):
    """Every in-place method and operator over the dtype grid: where the out-of-place
    result's dtype casts into the tensor's (NumPy's same_kind rule) the tensor holds that
    result in its own dtype (and torch's value where torch computes it); otherwise it raises
    CastingError and the tensor and its version are unchanged. Where torch refuses with
    "can't be cast", gpuad refuses too."""
    fi, fo = IN_PLACE[name], OUT_OF_PLACE[name]
    bad, counted = [], 0
    for da in DTYPES:
        for shape in ((4,), ()):
            a = _value(da, shape, 1)
            for b in _operands(shape, True):
                if isinstance(b, np.ndarray) and b.ndim > a.ndim:
                    continue
                case = f"{name} {da}{list(shape)} {getattr(b, 'dtype', b)}{list(np.shape(b))}"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        r = fo(ad.tensor(a.copy()), _g(b))
                    except Exception:  # noqa: BLE001 (no out-of-place value: nothing to write)
                        r = None
                    x = ad.tensor(a.copy())
                    v = x._version
                    try:
                        y = fi(x, _g(b))
                        err = None
                    except Exception as e:  # noqa: BLE001
                        err = e
                    tx = torch.from_numpy(a.copy())
                    try:
                        fi(tx, _t(b))
                        terr = None
                    except Exception as e:  # noqa: BLE001
                        terr = str(e)
                if r is None:
                    if err is None:
                        bad.append(f"{case}: written where the op itself raises")
                    continue
                counted += 1
                widens = r.dtype != x.dtype and not np.can_cast(r.dtype, x.dtype, "same_kind")
                if widens:
                    if not isinstance(err, CastingError):
                        bad.append(f"{case}: result {r.dtype} into {x.dtype}: {err!r:.80}")
                    elif x._version != v or not np.array_equal(x.numpy(), a, equal_nan=True):
                        bad.append(f"{case}: the refused write changed the tensor")
                    continue
                if err is not None:
                    bad.append(f"{case}: raises {err!r:.90}")
                    continue
                if y is not x or x.dtype != a.dtype or x._version == v:
                    bad.append(f"{case}: not written in place")
                    continue
                want = np.asarray(r.numpy()).astype(a.dtype)
                if not _close(want, x.numpy(), da):
                    bad.append(f"{case}: {x.numpy()}, out of place {want}")
                if terr is not None and "can't be cast" in terr:
                    bad.append(f"{case}: torch refuses ({terr[:60]}), gpuad writes")
                elif terr is None and not _close(tx.numpy(), x.numpy(), da):
                    if not (da == "uint8" and b == -2):  # (torch wraps -2)
                        bad.append(f"{case}: torch {tx.numpy()}, gpuad {x.numpy()}")
    assert counted > 100
    assert not bad, "\n".join(bad[:40])


# ---- torch's elementwise methods keep the float dtype ----------------------------------
@pytest.mark.parametrize("dt", ["float16", "float32", "float64", "complex64"])
def test_special_methods_keep_the_float_dtype(dt):
    """``x.erf()``, ``erfc``, ``erfinv``, ``lgamma``, ``digamma`` and ``x.xlogy(y)`` keep a
    float16/float32 tensor's dtype (with a Python number too), as torch's (SciPy's loops
    widen float16 to float64); their values are torch's."""
    x = np.array([0.2, 0.45, 0.7], dt)
    bad = []
    for name, args in (("erf", ()), ("erfc", ()), ("erfinv", ()), ("lgamma", ()),
                       ("digamma", ()), ("xlogy", (2,)), ("xlogy", (2.5,)),
                       ("xlogy", (np.array([1.5, 2.0, 3.0], dt),))):
        if dt.startswith("complex") and name not in ("xlogy",):
            continue
        tx = torch.from_numpy(x)
        try:
            t = getattr(tx, name)(*[_t(a) for a in args])
        except (RuntimeError, NotImplementedError):
            t = None
        g = getattr(ad.tensor(x), name)(*[_g(a) for a in args])
        if t is not None and (_gdt(g) != _tdt(t) or not _close(t.numpy(), g.numpy(), dt)):
            bad.append(f"{name}{args}: torch {t.dtype} {t}, gpuad {g.dtype} {g}")
        elif t is None and g.dtype != np.dtype(dt):
            bad.append(f"{name}{args}: gpuad {g.dtype}")
    assert not bad, "\n".join(bad)
