"""CuPy's own tests of its math, logic and binary functions, ported as tables.

The cases of CuPy's tests/cupy_tests/math_tests (arithmetic, explog, hyperbolic,
trigonometric, rounding, misc, sumprod, special, floating, rational, matmul), logic_tests
(comparison, content, truth, ops) and binary_tests (elementwise, packing): each function on
every dtype CuPy's ``for_all_dtypes`` covers, on CuPy's ``shaped_arange`` /
``shaped_reverse_arange`` / ``shaped_random`` inputs, 0-d, empty and broadcast shapes, with the
ufunc keywords (``out=``, ``dtype=``, ``casting=``, ``where=``). gpuad.numpy is called on plain
backend arrays and on Tensors (``requires_grad`` False, and True where the input floats); the
result must have NumPy's dtype and values (CuPy's tolerances: ``atol=1e-5``) or NumPy's
exception class (a subclass of its builtin base).

Where gpuad refuses on purpose it raises a clear error instead; those cases are listed in
``REFUSED`` with the reason and checked to raise it.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError
from tests.conftest import to_numpy

#: overflow in casts and 0/0 of the inputs are intended (NaNs, wrapped integers)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

BOOL = [np.bool_]
SIGNED = [np.int8, np.int16, np.int32, np.int64]
UNSIGNED = [np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT = [np.float16, np.float32, np.float64]
COMPLEX = [np.complex64, np.complex128]
ALL = BOOL + SIGNED + UNSIGNED + FLOAT + COMPLEX
NO_COMPLEX = BOOL + SIGNED + UNSIGNED + FLOAT
NEGATIVE = BOOL + FLOAT + SIGNED + COMPLEX  # (CuPy's negative_types)
INTS = BOOL + SIGNED + UNSIGNED

#: what gpuad refuses on purpose, with the reason (each is checked to raise as listed)
REFUSED = {
    "complex maximum/minimum/fmax/fmin, differentiated": (
        ComplexError, "their derivative exists for real values only; NumPy compares complex "
        "values lexicographically, a choice with no derivative"),
    "where= without out=": (
        TypeError, "NumPy leaves the unselected entries uninitialised; gpuad asks for out= "
        "or gnp.where(condition, result, other)"),
    "out= a plain array for a recorded result": (
        TypeError, "writing into it would drop the gradient; a Tensor out= is recorded"),
}


# ---- CuPy's inputs ----------------------------------------------------------------------------

def shaped_arange(shape, dtype, reverse=False):
    """``cupy.testing.shaped_arange`` (1, 2, ...; booleans alternate, complex values a + ai)."""
    n = int(np.prod(shape))
    a = np.arange(n, 0, -1) if reverse else np.arange(1, n + 1)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        a = a % 2 == 0
    elif dtype.kind == "c":
        a = a + a * 1j
    return a.astype(dtype).reshape(shape)


def shaped_random(shape, dtype, scale=10.0, seed=0):
    """``cupy.testing.shaped_random``: uniform in [0, scale) (booleans 0/1)."""
    r = np.random.RandomState(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return r.randint(2, size=shape).astype(bool)
    a = r.rand(*shape) * scale
    if dtype.kind == "c":
        a = a + 1j * r.rand(*shape) * scale
    return a.astype(dtype)


def negatives(dtype):
    return np.array([-3, -2, -1, 1, 2, 3]).astype(dtype)


# ---- comparison --------------------------------------------------------------------------------

def _outcome(fn, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return True, fn(*args, **kw)
        except Exception as e:  # noqa: BLE001  (the class is what is compared)
            return False, e


def _base_error(e: BaseException) -> type:
    """The builtin exception class NumPy's error derives from (UFuncTypeError: TypeError)."""
    for c in type(e).__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def _host(r):
    if isinstance(r, tuple | list):
        return tuple(_host(v) for v in r)
    if isinstance(r, bool | int | float | complex):
        return r
    return to_numpy(r)


def _tol(dtype):
    return {"e": 1e-3, "f": 1e-6, "F": 1e-6}.get(np.dtype(dtype).char, 1e-7)


def _check_one(e, g, where, atol, rtol=0.0):
    e, g = np.asarray(e), np.asarray(g)
    assert g.dtype == e.dtype, f"{where}: dtype {g.dtype}, NumPy {e.dtype}"
    assert g.shape == e.shape, f"{where}: shape {g.shape}, NumPy {e.shape}"
    if e.dtype.kind in "fc":
        np.testing.assert_allclose(g, e, rtol=max(rtol, _tol(e.dtype)), atol=atol, equal_nan=True,
                                   err_msg=where)
    else:
        np.testing.assert_array_equal(g, e, err_msg=where)


def check(np_fn, g_fn, args, kw=None, where="", atol=1e-5, tensors=True, refused=None,
          rtol=0.0):
    """``g_fn`` on backend arrays and on Tensors of them agrees with ``np_fn`` on NumPy arrays:
    the same dtypes, values (``atol``, per-dtype ``rtol``) and exception class; ``refused``
    (an exception class) where gpuad refuses differentiated inputs on purpose."""
    kw = kw or {}
    ok, want = _outcome(np_fn, *args, **kw)
    xp = ad.get_backend().xp
    on = [xp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    kinds = [("arrays", on)]
    arrays = [isinstance(a, np.ndarray) for a in args]
    if tensors and any(arrays):
        kinds.append(("Tensors", [ad.tensor(g) if k else g
                                  for g, k in zip(on, arrays, strict=True)]))
        if all(a.dtype.kind in "fc" for a in args if isinstance(a, np.ndarray)):
            kinds.append(("Tensors requiring grad",
                          [ad.tensor(g, requires_grad=True) if k else g
                           for g, k in zip(on, arrays, strict=True)]))
    for kind, inputs in kinds:
        at = f"{where} on {kind}"
        got_ok, got = _outcome(g_fn, *inputs, **kw)
        if refused is not None and kind == "Tensors requiring grad":
            assert not got_ok and isinstance(got, refused), f"{at}: expected {refused}, got {got!r}"
            continue
        if not ok:
            assert not got_ok, f"{at}: NumPy raised {want!r}, gpuad returned {got!r}"
            assert isinstance(got, _base_error(want)), f"{at}: NumPy {want!r}, gpuad {got!r}"
            continue
        assert got_ok, f"{at}: gpuad raised {got!r}"
        e, g = _host(want), _host(got)
        if isinstance(e, tuple):
            assert isinstance(g, tuple) and len(g) == len(e), f"{at}: {g!r} for {e!r}"
            for k, (a, b) in enumerate(zip(e, g, strict=True)):
                _check_one(a, b, f"{at} [{k}]", atol, rtol)
        else:
            _check_one(e, g, at, atol, rtol)


def _name(d) -> str:
    return np.dtype(d).name


# ---- elementwise tables --------------------------------------------------------------------------

#: one-argument functions: name -> (dtypes, inputs); inputs "arange" is (2, 3) shaped_arange,
#: "unit" [0.2 .. 0.8], "negative" -3..3
UNARY = {
    # test_arithmetic.py TestArithmeticUnary
    **{n: (ALL, "arange") for n in ("conj", "conjugate", "angle", "real", "imag", "reciprocal")},
    # test_explog.py
    **{n: (ALL, "arange") for n in ("exp", "exp2", "log", "log10")},
    **{n: (NO_COMPLEX, "arange") for n in ("expm1", "log2", "log1p")},
    # test_trigonometric.py
    **{n: (NO_COMPLEX, "arange") for n in ("sin", "cos", "tan", "arctan", "deg2rad",
                                           "rad2deg", "radians", "degrees")},
    **{n: (FLOAT, "unit") for n in ("arcsin", "arccos", "arctanh")},
    # test_hyperbolic.py
    **{n: (ALL, "arange") for n in ("sinh", "cosh", "tanh", "arcsinh")},
    "arccosh": (FLOAT, "one_two_three"),
    # test_rounding.py
    **{n: (ALL, "arange") for n in ("rint", "around", "round")},
    **{n: (ALL, "arange") for n in ("floor", "ceil", "trunc", "fix")},  # complex: TypeError
    **{n: (BOOL + SIGNED + FLOAT + COMPLEX, "negative") for n in ("rint", "around")},
    # test_misc.py
    **{n: (ALL, "arange") for n in ("sqrt", "square", "absolute", "nan_to_num", "negative",
                                    "positive", "fabs")},
    "cbrt": (ALL, "arange3"),
    **{n: (BOOL + SIGNED + FLOAT + COMPLEX, "negative") for n in ("absolute", "nan_to_num",
                                                                 "sign")},
    "sign": (ALL, "arange"),
    # test_special.py
    "i0": (ALL, "random"), "sinc": (ALL, "random"),
    # test_floating.py
    **{n: (ALL, "arange") for n in ("signbit", "modf", "frexp", "spacing")},
    # logic_tests
    **{n: (ALL, "arange") for n in ("logical_not", "isfinite", "isinf", "isnan")},
    # binary_tests/test_elementwise.py (CuPy's for_int_dtypes, and the others' TypeError)
    **{n: (ALL, "negative") for n in ("invert", "bitwise_not", "bitwise_count")},
}

_INPUTS = {
    "arange": lambda d: shaped_arange((2, 3), d),
    "arange3": lambda d: shaped_arange((2, 3, 4), d),
    "unit": lambda d: np.array([0.2, 0.4, 0.6, 0.8], d),
    "one_two_three": lambda d: np.array([1, 2, 3], d),
    "negative": negatives,
    "random": lambda d: shaped_random((2, 3), d),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(backend, name):
    dtypes, kind = UNARY[name]
    np_fn, g_fn = getattr(np, name), getattr(gnp, name)
    for d in dtypes:
        x = _INPUTS[kind](d)
        check(np_fn, g_fn, (x,), where=f"{name}({_name(d)} {kind})")
        if kind == "arange":  # 0-d and empty arrays
            check(np_fn, g_fn, (shaped_arange((), d),), where=f"{name}({_name(d)} 0-d)")
            check(np_fn, g_fn, (shaped_arange((3, 0, 2), d),), where=f"{name}({_name(d)} empty)")


SCALARS = [0, 0.0, 0j, 2, 2.0, 2j, -2, -2.0, -2j, True, False]


@pytest.mark.parametrize("name", ["conj", "conjugate", "angle", "real", "imag", "reciprocal"])
def test_unary_python_scalars(backend, name):
    """TestArithmeticUnary's Python numbers: gpuad returns 0-d arrays of NumPy's dtype."""
    for s in SCALARS:
        if name in ("real", "imag") and isinstance(s, bool):
            continue  # NumPy's is Python's bool.real, an int; CuPy's test casts (its TODO)
        check(lambda v: np.asarray(getattr(np, name)(v)), getattr(gnp, name), (s,),
              where=f"{name}({s!r})")


_SPECIAL = {
    "inf": [0, -1, 1, -np.inf, np.inf],
    "nan": [0, -1, 1, -np.nan, np.nan],
    "inf_nan": [0, -1, 1, -np.inf, np.inf, -np.nan, np.nan],
}


@pytest.mark.parametrize("name", ["nan_to_num", "sign", "absolute", "isfinite", "isinf",
                                  "isnan", "signbit"])
def test_unary_inf_nan(backend, name):
    """test_misc.py's check_unary_inf/nan, test_content.py: real and complex infinities."""
    for d, (label, vals) in itertools.product(FLOAT + COMPLEX, _SPECIAL.items()):
        if np.dtype(d).kind == "c":
            x = np.array([complex(a, b) for a in vals for b in vals], d)
        else:
            x = np.array(vals, d)
        check(getattr(np, name), getattr(gnp, name), (x,), where=f"{name}({_name(d)} {label})")


#: two-argument functions: name -> (dtypes, inputs)
BINARY = {
    # test_arithmetic.py TestArithmeticBinary
    **{n: (ALL, "arange") for n in ("add", "multiply", "power", "subtract")},
    **{n: (NEGATIVE, "negative") for n in ("divide", "true_divide", "subtract")},
    # TestArithmeticBinary2
    **{n: (NO_COMPLEX, "arange") for n in ("floor_divide", "fmod", "remainder", "mod")},
    **{n: (BOOL + FLOAT + SIGNED, "negative") for n in ("floor_divide", "fmod", "remainder")},
    # test_explog.py, test_trigonometric.py
    **{n: (NO_COMPLEX, "arange") for n in ("logaddexp", "logaddexp2", "arctan2", "hypot")},
    # test_misc.py
    **{n: (ALL, "arange") for n in ("maximum", "minimum", "fmax", "fmin")},
    "heaviside": (NO_COMPLEX, "arange"), "float_power": (ALL, "arange"),
    # test_floating.py
    **{n: (NO_COMPLEX, "arange") for n in ("copysign", "nextafter")},
    # test_rational.py (floats: TypeError)
    **{n: (ALL, "random") for n in ("gcd", "lcm")},
    # logic_tests/test_comparison.py, test_ops.py
    **{n: (ALL, "arange") for n in ("greater", "greater_equal", "less", "less_equal",
                                    "equal", "not_equal", "logical_and", "logical_or",
                                    "logical_xor")},
    # binary_tests/test_elementwise.py
    **{n: (ALL, "bits") for n in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
                                  "right_shift")},
    "divmod": (NO_COMPLEX, "arange"),
}

_PAIRS = {
    "arange": lambda d: (shaped_arange((2, 3), d), shaped_arange((2, 3), d, reverse=True)),
    "negative": lambda d: (negatives(d), negatives(d)[::-1].copy()),
    "random": lambda d: (shaped_random((6, 6), d, seed=0), shaped_random((6, 6), d, seed=1)),
    "bits": lambda d: (np.array([-3, -2, -1, 0, 1, 2, 3]).astype(d),
                       np.array([0, 1, 2, 3, 4, 5, 6]).astype(d)),
}
_REFUSES_COMPLEX = {"maximum", "minimum", "fmax", "fmin"}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(backend, name):
    dtypes, kind = BINARY[name]
    np_fn, g_fn = getattr(np, name), getattr(gnp, name)
    for d in dtypes:
        a, b = _PAIRS[kind](d)
        refused = ComplexError if name in _REFUSES_COMPLEX and np.dtype(d).kind == "c" else None
        check(np_fn, g_fn, (a, b), where=f"{name}({_name(d)} {kind})", atol=1e-4,
              refused=refused)
        if kind == "arange":  # broadcasting, and an empty operand
            check(np_fn, g_fn, (a, b[0]), where=f"{name}({_name(d)} broadcast)", atol=1e-4,
                  refused=refused)
            check(np_fn, g_fn, (a[:0], b[0]), where=f"{name}({_name(d)} empty)",
                  refused=refused)


@pytest.mark.parametrize("name", ["add", "multiply", "power", "subtract", "true_divide",
                                  "floor_divide", "maximum", "greater", "copysign"])
def test_binary_mixed_dtypes_and_scalars(backend, name):
    """TestArithmeticBinary's products of dtypes and of Python numbers (NEP 50 promotion)."""
    np_fn, g_fn = getattr(np, name), getattr(gnp, name)
    for d1, d2 in itertools.product(ALL, ALL):
        if d1 == d2:
            continue
        a, b = shaped_arange((2, 3), d1), shaped_arange((2, 3), d2, reverse=True)
        refused = ComplexError if name == "maximum" and "c" in (a.dtype.kind, b.dtype.kind) \
            else None
        check(np_fn, g_fn, (a, b), where=f"{name}({_name(d1)}, {_name(d2)})", atol=1e-4,
              refused=refused, tensors=d1 in (np.int16, np.float32, np.complex64))
    for d, s in itertools.product(ALL, SCALARS):
        a = shaped_arange((2, 3), d)
        refused = ComplexError if name == "maximum" and (
            a.dtype.kind == "c" or isinstance(s, complex)) else None
        check(np_fn, g_fn, (a, s), where=f"{name}({_name(d)}, {s!r})", atol=1e-4,
              refused=refused)
        check(np_fn, g_fn, (s, a), where=f"{name}({s!r}, {_name(d)})", atol=1e-4,
              refused=refused)


@pytest.mark.parametrize("name", ["true_divide", "power", "subtract", "floor_divide", "fmod",
                                  "remainder", "add"])
def test_binary_dtype_keyword(backend, name):
    """TestArithmeticBinary2: ``dtype=numpy.float64`` on integer and float inputs."""
    np_fn, g_fn = getattr(np, name), getattr(gnp, name)
    for d in NO_COMPLEX:
        a = negatives(d)
        for b in (a[::-1].copy(), 2.0, -2):
            check(np_fn, g_fn, (a, b), {"dtype": np.float64},
                  where=f"{name}({_name(d)}, {b!r}, dtype=float64)")


@pytest.mark.parametrize("casting", ["no", "equiv", "safe", "same_kind", "unsafe"])
def test_ufunc_casting(backend, casting):
    """TestUfunc.test_casting_out / test_casting_dtype: every (in, in, out) dtype triple."""
    xp = ad.get_backend().xp
    for d0, d1, d2 in itertools.product(ALL, ALL, ALL):
        a, b = shaped_arange((2, 3), d0), shaped_arange((2, 3), d1)
        ga, gb = xp.asarray(a), xp.asarray(b)
        at = f"add({_name(d0)}, {_name(d1)}, casting={casting!r}"
        ok, want = _outcome(np.add, a, b, out=np.zeros((2, 3), d2), casting=casting)
        got_ok, got = _outcome(gnp.add, ga, gb, out=xp.zeros((2, 3), d2), casting=casting)
        _same_outcome(ok, want, got_ok, got, f"{at}, out={_name(d2)})")
        ok, want = _outcome(np.add, a, b, dtype=d2, casting=casting)
        got_ok, got = _outcome(gnp.add, ga, gb, dtype=d2, casting=casting)
        _same_outcome(ok, want, got_ok, got, f"{at}, dtype={_name(d2)})")


def _same_outcome(ok, want, got_ok, got, where):
    if not ok:
        assert not got_ok and isinstance(got, _base_error(want)), f"{where}: {want!r} / {got!r}"
    else:
        assert got_ok, f"{where}: gpuad raised {got!r}"
        _check_one(_host(want), _host(got), where, 1e-5)


def test_ufunc_keywords_on_tensors(backend):
    """out= (a Tensor: recorded), positional out, where= with out=, dtype= on Tensors."""
    xp = ad.get_backend().xp
    a = shaped_arange((2, 3), np.float64)
    x = ad.tensor(xp.asarray(a), requires_grad=True)
    o = ad.tensor(xp.zeros((2, 3)))
    r = gnp.multiply(x, 3.0, out=o)
    assert r is o
    gnp.sum(o).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.full((2, 3), 3.0))
    o = xp.zeros((2, 3))
    assert gnp.sin(xp.asarray(a), o) is o
    np.testing.assert_allclose(to_numpy(o), np.sin(a))
    o = xp.full((2, 3), -1.0)
    gnp.sin(xp.asarray(a), where=xp.asarray(a > 2), out=o)
    np.testing.assert_allclose(to_numpy(o), np.sin(a, where=a > 2, out=np.full((2, 3), -1.0)))
    r = gnp.sin(ad.tensor(xp.asarray(a.astype(np.int8))), dtype=np.float32)
    assert r.dtype == np.float32
    f, i = (xp.zeros((2, 3)), xp.zeros((2, 3)))
    gnp.modf(xp.asarray(a / 4), out=(f, i))
    np.testing.assert_allclose(to_numpy(f), np.modf(a / 4)[0])
    np.testing.assert_allclose(to_numpy(i), np.modf(a / 4)[1])


def test_refusals(backend):
    """Each of ``REFUSED`` raises its error."""
    xp = ad.get_backend().xp
    z = ad.tensor(xp.asarray(shaped_arange((2, 3), np.complex128)), requires_grad=True)
    with pytest.raises(REFUSED["complex maximum/minimum/fmax/fmin, differentiated"][0]):
        gnp.maximum(z, z)
    a = xp.asarray(shaped_arange((2, 3), np.float64))
    with pytest.raises(REFUSED["where= without out="][0]):
        gnp.add(a, a, where=a > 2)
    x = ad.tensor(a, requires_grad=True)
    with pytest.raises(REFUSED["out= a plain array for a recorded result"][0]):
        gnp.sum(x, axis=0, out=xp.zeros(3))


# ---- rounding ------------------------------------------------------------------------------------

def test_round_decimals(backend):
    """test_rounding.py TestRound, TestRoundExtreme, TestRoundBorder."""
    for d, dec in itertools.product(ALL, [-2, -1, 0, 1, 2]):
        small = d in (np.bool_, np.float16)
        a = shaped_random((20,), d, scale=10 if small else 100)
        dec = 0 if small else dec
        check(np.around, gnp.around, (a, dec), where=f"around({_name(d)}, {dec})")
        check(np.round, gnp.round, (a, dec), where=f"round({_name(d)}, {dec})")
    for d, dec, scale in itertools.product((np.float64, np.complex128),
                                           [-100, -99, -90, 0, 90, 99, 100], (1e100, 1e-100)):
        check(np.around, gnp.around, (shaped_random((20,), d, scale=scale), dec),
              where=f"around({_name(d)}*{scale}, {dec})", atol=0)
    for v, dec in [(14, -1), (15, -1), (16, -1), (14.0, -1), (15.0, -1), (16.0, -1), (1.4, 0),
                   (1.5, 0), (1.6, 0)]:
        for s in (v, -v):
            check(lambda a, k: np.asarray(np.around(a, k)), gnp.around, (s, dec),
                  where=f"around({s!r}, {dec})")
            check(np.around, gnp.around, (np.asarray(s), dec), where=f"around(array {s!r})")
    xp = ad.get_backend().xp
    a = shaped_random((20,), np.float64, scale=100)
    o = xp.empty(20)
    gnp.around(xp.asarray(a), 1, o)
    np.testing.assert_array_equal(to_numpy(o), np.around(a, 1))


# ---- floating ------------------------------------------------------------------------------------

def test_floating(backend):
    """test_floating.py: copysign and nextafter over dtype pairs, ldexp, frexp, modf."""
    for d1, d2 in itertools.product(NO_COMPLEX, NO_COMPLEX):
        a, b = shaped_arange((2, 3), d1), shaped_arange((2, 3), d2, reverse=True)
        for name in ("copysign", "nextafter"):
            check(getattr(np, name), getattr(gnp, name), (a, b),
                  where=f"{name}({_name(d1)}, {_name(d2)})", tensors=d1 == d2)
    for d in FLOAT:
        s = np.array([-np.inf, -3, -0.0, 0, 3, np.inf], d)
        check(np.copysign, gnp.copysign, (s[:, None], s[None, :]), where=f"copysign {_name(d)}")
        a, b = np.array([-5, -3, 3, 5], d), np.array([-np.inf, -4, 0, 4, np.inf], d)
        check(np.nextafter, gnp.nextafter, (a[:, None], b[None, :]), where=f"nextafter {d}")
        for it in ("i", "l"):
            check(np.ldexp, gnp.ldexp, (np.array([-3, -2, -1, 0, 1, 2, 3], d),
                                        np.array([-3, -2, -1, 0, 1, 2, 3], it)),
                  where=f"ldexp({_name(d)}, {it})")
        check(np.frexp, gnp.frexp, (np.array([-300, -20, -10, -1, 0, 1, 10, 20, 300], d),),
              where=f"frexp({_name(d)})")
        check(np.modf, gnp.modf, (np.array([-2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5], d),),
              where=f"modf({_name(d)})")


# ---- sums and products (test_sumprod.py) ------------------------------------------------------

def test_sum_prod(backend):
    for d in ALL:
        a = shaped_arange((2, 3, 4), d)
        for kw in ({}, {"keepdims": True}, {"axis": 1}, {"axis": (1, 2), "keepdims": True},
                   {"axis": ()}, {"axis": (0, 2)}):
            for name in ("sum", "prod", "nansum", "nanprod"):
                check(getattr(np, name), getattr(gnp, name), (a,), kw,
                      where=f"{name}({_name(d)}, {kw})")
        check(np.sum, gnp.sum, (a.transpose(2, 0, 1),), {"axis": 1}, where=f"sum T {d}")
    for d1, d2 in itertools.product(ALL, ALL):
        if not np.can_cast(d1, d2):
            continue
        a = shaped_arange((2, 3), d1)
        for name in ("sum", "prod", "cumsum", "cumprod"):
            check(getattr(np, name), getattr(gnp, name), (a,), {"dtype": d2},
                  where=f"{name}({_name(d1)}, dtype={_name(d2)})", tensors=False)
        check(np.sum, gnp.sum, (shaped_arange((2, 3, 4), d1),),
              {"axis": 2, "dtype": d2, "keepdims": True}, tensors=False,
              where=f"sum({_name(d1)}, axis=2, dtype={_name(d2)}, keepdims)")


def _into(fn, shape, dtype, **kw):
    def f(*args):
        o = ad.get_backend().xp.zeros(shape, dtype) if fn.__module__.startswith("gpuad") \
            else np.zeros(shape, dtype)
        fn(*args, out=o, **kw)
        return o
    return f


def test_sum_prod_out_and_cumulative(backend):
    for d in ALL:
        a = shaped_arange((2, 3, 4), d)
        for name in ("sum", "prod", "all", "any"):
            check(_into(getattr(np, name), (2, 4), d, axis=1),
                  _into(getattr(gnp, name), (2, 4), d, axis=1), (a,), tensors=False,
                  where=f"{name}({_name(d)}, axis=1, out=)")
        for name in ("cumsum", "cumprod", "nancumsum", "nancumprod"):
            np_fn, g_fn = getattr(np, name), getattr(gnp, name)
            check(np_fn, g_fn, (shaped_arange((5,), d),), where=f"{name}({_name(d)})")
            check(np_fn, g_fn, (shaped_arange((4, 5), d),), where=f"{name}({_name(d)} 2-d)")
            for axis in (0, 1, 2):
                check(np_fn, g_fn, (shaped_arange((4, 5, 6), d),), {"axis": axis},
                      where=f"{name}({_name(d)}, axis={axis})")
                check(np_fn, g_fn, (shaped_arange((0, 1, 2), d),), {"axis": axis},
                      where=f"{name}({_name(d)} empty, axis={axis})")
            for axis in (-3, 2):  # AxisError
                check(np_fn, g_fn, (shaped_arange((4, 5), d),), {"axis": axis},
                      where=f"{name}({_name(d)}, axis={axis})")
        for name in ("cumsum", "cumprod", "nancumsum", "nancumprod"):
            check(_into(getattr(np, name), (5,), d), _into(getattr(gnp, name), (5,), d),
                  (shaped_arange((5,), d),), tensors=False, where=f"{name}({_name(d)}, out=)")
        if d != np.bool_:  # TestNansumNanprodExtra.test_nansum_out
            b = a.copy()
            if b.dtype.kind in "fc":
                b[:, 1] = np.nan
            for name in ("nansum", "nanprod"):
                check(_into(getattr(np, name), (2, 4), d, axis=1),
                      _into(getattr(gnp, name), (2, 4), d, axis=1), (b,), tensors=False,
                      where=f"{name}({_name(d)} with nan, axis=1, out=)")


def test_means_and_nan_reductions(backend):
    """TestNansumNanprodLong/Axes, TestNanCumSumProd, and the means and variances beside
    them: NaNs in every row, ``dtype=`` over castable pairs."""
    for d in [t for t in ALL if t != np.bool_]:
        for shape, axis, keepdims in itertools.product(((2, 3, 4),), (None, 0, 1, (0, 2)),
                                                       (False, True)):
            a = shaped_arange(shape, d)
            if a.dtype.kind in "fc":
                a[:, 1] = np.nan
            for name in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "mean", "var",
                         "std"):
                check(getattr(np, name), getattr(gnp, name), (a,),
                      {"axis": axis, "keepdims": keepdims},
                      where=f"{name}({_name(d)}, axis={axis}, keepdims={keepdims})")
        for name in ("nancumsum", "nancumprod"):
            for axis in (None, 0, 1):
                a = shaped_random((7, 6), d, scale=1)
                if a.dtype.kind in "fc":
                    a = a / np.where(a.real < 0.25, 0, a)  # NaN where a was small
                check(getattr(np, name), getattr(gnp, name), (a,), {"axis": axis},
                      where=f"{name}({_name(d)}, axis={axis})")
    for d1, d2 in itertools.product(ALL, ALL):
        if not np.can_cast(d1, d2):
            continue
        a = shaped_arange((2, 3), d1)
        if a.dtype.kind in "fc":
            a[0, 1] = np.nan
        for name in ("nansum", "nanprod", "nancumsum", "nancumprod", "nanmean", "mean"):
            check(getattr(np, name), getattr(gnp, name), (a,), {"dtype": d2}, tensors=False,
                  where=f"{name}({_name(d1)}, dtype={_name(d2)})")


def test_diff(backend):
    for d in ALL:
        a = shaped_arange((4, 5), d)
        for args, kw in [((shaped_arange((5,), d),), {}), ((shaped_arange((5,), d),), {"n": 3}),
                         ((a,), {}), ((a,), {"axis": -2}), ((a, 2, 1), {}),
                         ((a,), {"axis": -1, "prepend": shaped_arange((4, 1), d)}),
                         ((a,), {"axis": 0, "append": shaped_arange((1, 5), d), "n": 2}),
                         ((a,), {"prepend": 1, "append": 0}),
                         ((shaped_arange((2, 3, 4), d),), {"axis": 3}),
                         ((shaped_arange((2, 3, 4), d),), {"axis": -4})]:
            check(np.diff, gnp.diff, args, kw, where=f"diff({_name(d)}, {kw})")


def _spacings(x, kind, axes):
    """TestGradient's spacings; coordinate arrays as lists (constants, not Tensors)."""
    if kind == "none":
        return ()
    if kind == "scalar":
        return (1.2,)
    if kind == "per axis":
        return tuple((a + 1) / x.ndim for a in axes)
    if kind == "arrays":
        sp = [np.arange(x.shape[a]) * (a + 0.5) for a in axes]
        sp[-1][5:] *= 2.0  # one of them not evenly spaced
        return tuple(v.tolist() for v in sp)
    return (np.arange(x.shape[axes[0]]).tolist(),) + (0.5,) * (len(axes) - 1)  # mixed


def test_gradient(backend):
    """TestGradient: spacings of every kind, axes, edge orders; float, complex and int."""
    for d, shape, kind, eo, axis in itertools.product(
            (np.float32, np.float64, np.complex64, np.complex128, np.int32, np.uint8),
            ((33,), (10, 20)), ("none", "scalar", "per axis", "arrays", "mixed"), (1, 2),
            (None, -1, "tuple")):
        x = shaped_random(shape, d)
        ax = ((0,) if x.ndim == 1 else (0, -1)) if axis == "tuple" else axis
        axes = list(range(x.ndim)) if ax is None else \
            [a % x.ndim for a in ((ax,) if isinstance(ax, int) else ax)]
        check(np.gradient, gnp.gradient, (x, *_spacings(x, kind, axes)),
              {"edge_order": eo, "axis": ax}, atol=1e-6, rtol=1e-5,
              where=f"gradient({_name(d)}{shape}, {kind}, edge_order={eo}, axis={ax})")


# ---- misc, logic, binary -------------------------------------------------------------------------

def test_clip_convolve_isclose(backend):
    for d in NO_COMPLEX:
        a = shaped_arange((2, 3, 4), d)
        for args in [(a, 3, 13), (a, np.array([3, 4, 5, 6], d), np.array([[10], [9], [8]], d)),
                     (a, None, 3), (a, 3, None), (a, None, None)]:
            check(np.clip, gnp.clip, args, where=f"clip({_name(d)}, {len(args)})")
        x = np.array([0.9e-5, 1.1e-5, 1000 + 1e-4, 1000 - 1e-4]).astype(d)
        y = np.array([0, 0, 1000, 1000]).astype(d)
        check(np.isclose, gnp.isclose, (x, y), where=f"isclose({_name(d)})")
        check(np.allclose, gnp.allclose, (x, y), where=f"allclose({_name(d)})")
        m = np.array([np.iinfo("i").min]).astype(d)
        check(np.isclose, gnp.isclose, (np.array([0], d), m), where=f"isclose({_name(d)} min)")
    for d in FLOAT:
        nan, inf = np.nan, np.inf
        check(np.isclose, gnp.isclose, (np.array([0, nan, nan, 0, inf, -inf], d),
                                        np.array([0, nan, 0, nan, inf, -inf], d)),
              where=f"isclose({_name(d)} inf)")
        check(np.isclose, gnp.isclose, (np.array([0, nan, inf, -inf], d),) * 2,
              {"equal_nan": True}, where=f"isclose({_name(d)} equal_nan)")
    for d, mode in itertools.product([t for t in ALL if t != np.float16], ("valid", "same",
                                                                          "full")):
        for args in [(shaped_arange((30,), d), shaped_arange((10,), d)),
                     (shaped_arange((10,), d), shaped_arange((30,), d)),
                     (shaped_arange((), d), shaped_arange((), d)),
                     (np.zeros((0,), d), np.zeros((0,), d)),
                     (shaped_arange((2, 3, 4), d), shaped_arange((10, 5), d))]:
            check(np.convolve, gnp.convolve, args, {"mode": mode},
                  where=f"convolve({_name(d)} {args[0].shape}, {mode})")


def test_all_any(backend):
    """logic_tests/test_truth.py TestAllAny, TestAllAnyWithNaN."""
    xs = [np.arange(24).reshape(2, 3, 4) - 10, np.zeros((2, 3, 4)), np.ones((0, 3, 4))]
    nans = [np.array([[[np.nan]]]), np.array([[[np.nan, 0]]]), np.array([[[np.nan, 0, 1]]])]
    for name, axis, keepdims in itertools.product(("all", "any"), [None, (0, 1, 2), 0, 2,
                                                                   (0, 1)], (False, True)):
        for d in ALL:
            for x in xs:
                check(getattr(np, name), getattr(gnp, name), (x.astype(d), axis),
                      {"keepdims": keepdims}, where=f"{name}({_name(d)}{x.shape}, {axis})")
        for d, x in itertools.product((np.float64, np.float16, np.bool_), nans):
            check(getattr(np, name), getattr(gnp, name), (x.astype(d), axis),
                  {"keepdims": keepdims}, where=f"{name}({_name(d)} nan, {axis})")


def test_packing(backend):
    """binary_tests/test_packing.py."""
    for data, d in itertools.product(
            [[0], [1], [0, 1], [1, 0, 1, 1, 0, 1, 1, 1], [1, 0, 1, 1, 0, 1, 1, 1, 1],
             np.arange(24).reshape(2, 3, 4) % 2, []], INTS):
        check(np.packbits, gnp.packbits, (np.array(data, d),), where=f"packbits({data}, {d})",
              tensors=False)
    for data, order in itertools.product([[], [0], [1], [255], [100, 200, 123, 213]],
                                         ("big", "little")):
        check(np.unpackbits, gnp.unpackbits, (np.array(data, np.uint8),), {"bitorder": order},
              where=f"unpackbits({data}, {order})", tensors=False)
    for a, kw in [(np.array([10, 20, 30]), {}), (np.array([10.0, 20, 30]), {}),
                  (np.array([10, 20, 30], np.uint8), {"bitorder": "r"})]:
        check(np.unpackbits, gnp.unpackbits, (a,), kw, where=f"unpackbits({a.dtype}, {kw})",
              tensors=False)


def test_matmul_dtypes(backend):
    """test_matmul.py's dtype pairs on matrix-matrix and batched matrix-vector products."""
    for d1, d2 in itertools.product(ALL, ALL):
        for sa, sb in [((2, 3), (3, 4)), ((2, 2, 3), (3,)), ((3,), (3,))]:
            check(np.matmul, gnp.matmul, (shaped_arange(sa, d1), shaped_arange(sb, d2)),
                  where=f"matmul({_name(d1)}{sa}, {_name(d2)}{sb})", atol=1e-4,
                  tensors=d1 == d2)
