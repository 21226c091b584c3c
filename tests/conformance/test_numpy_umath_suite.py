"""NumPy's ufunc value tests (numpy/_core/tests/test_umath.py) and its Python-scalar promotion
rules (test_scalarmath.py, test_nep50_promotions.py) ported to gpuad.numpy.

Each value case runs NumPy on host arrays and gpuad.numpy on backend arrays and on Tensors
(requiring grad where they float), and compares the dtype, the shape, the NaN positions, the
signed zeros and the values: bit for bit for arithmetic, rounding, integer and bit operations,
within a few ulps for the transcendental functions (``APPROX``); or, where NumPy raises, the
exception's builtin class. Warnings are not compared.

The derivative of every differentiable ufunc is then taken at the special points of those tests
(signed zeros, +-1, denormals, the largest finite number, +-inf, NaN, the edges of each domain)
and compared with float64 central differences where the function is smooth around the point,
and otherwise with the hand-derived value in ``LIMITS``; where the value is NaN for inputs that
are not (outside the domain) the slope must be NaN, never a finite number. The documented
exceptions of the binary functions are in ``BKNOWN``.

The default run takes a fixed subset of the float16/int dtype sweeps; GPUAD_NUMPYUMATH_ALL=1 runs
every dtype.
"""

from __future__ import annotations

import itertools
import operator
import os
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError

A = np.array
F16, F32, F64 = np.float16, np.float32, np.float64
C64, C128 = np.complex64, np.complex128
ALL = os.environ.get("GPUAD_NUMPYUMATH_ALL") == "1"
INTS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
SINTS = (np.int8, np.int16, np.int32, np.int64)
FLOATS = (F16, F32, F64)
SOME_INTS = INTS if ALL else (np.int8, np.int64, np.uint8, np.uint64)
SOME_SINTS = SINTS if ALL else (np.int8, np.int64)

#: functions whose values may differ from NumPy's by rounding (compared within 4 ulps; the
#: special values, NaN positions and signed zeros exactly)
APPROX = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
          "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
          "cbrt", "power", "float_power", "logaddexp", "logaddexp2", "hypot", "arctan2",
          "deg2rad", "rad2deg", "degrees", "radians", "sqrt", "divide", "true_divide",
          "reciprocal", "absolute", "abs", "sinc", "pow"}


class Case:
    def __init__(self, label: str, fn, args: tuple, approx: bool = False):
        self.label, self.fn, self.args, self.approx = label, fn, args, approx

    def __repr__(self):
        return f"{self.label}{tuple(getattr(a, 'dtype', type(a).__name__) for a in self.args)}"


def _ufunc(name: str):
    def fn(m, *a):
        return getattr(m, name)(*a)
    return fn


def _cases() -> list[Case]:
    cases: list[Case] = []

    def chk(name, *args):
        cases.append(Case(name, _ufunc(name), args, name in APPROX))

    def lam(label, fn, *args, approx=False):
        cases.append(Case(label, fn, args, approx))

    # ---- TestDivision -------------------------------------------------------------------------
    x = A([5, 10, 90, 100, -5, -10, -90, -100, -120])
    lam("division_int/", lambda m, a: a / 100, x)
    lam("division_int//", lambda m, a: a // 100, x)
    lam("division_int%", lambda m, a: a % 100, x)
    for dt in SOME_INTS:
        fo = np.iinfo(dt)
        a = np.arange(fo.min, fo.min + 40).astype(dt)
        b = np.arange(-20, 20).astype(dt) if fo.min < 0 else np.arange(40).astype(dt)
        for f in ("floor_divide", "remainder", "fmod", "divmod"):
            chk(f, a, b)
            chk(f, np.arange(fo.max - 40, fo.max).astype(dt), np.arange(40).astype(dt))
        for s in ([1, 3, 9, 13, -1, fo.min + 1, fo.min // 2, fo.max // 3] if fo.min else
                  [1, 3, 9, 13, fo.max // 3, fo.max // 4]):
            lam(f"floordiv_scalar({s})", lambda m, a, s=s: a // s, a)
        lam("floordiv_zero", lambda m, a: a // 0, a)
        lam("divmod_zero", lambda m, a: m.divmod(a, 0), a)
        lam("floor_divide.reduce", lambda m, a: m.floor_divide.reduce(a),
            A([fo.max, 1, 2, 1, 1, 2, 3], dt))
    # INT_MIN // -1 and INT_MIN % -1 (TestDivisionIntegerOverflowsAndDivideByZero)
    for dt in SOME_SINTS:
        mn = A([np.iinfo(dt).min] * 3, dt)
        m1 = A([-1], dt)
        for f in ("floor_divide", "remainder", "fmod", "divmod"):
            chk(f, mn, m1)
            chk(f, mn, A([0], dt))
            chk(f, A([1, -1, 0], dt), A([0, 0, 0], dt))
        lam("int_min//-1 op", lambda m, a: a // -1, mn)
        lam("int_min%-1 op", lambda m, a: a % -1, mn)
        lam("int_min divmod", lambda m, a, b: divmod(a, b), mn, m1)
        # a wider divisor: the result is of the wider type and does not overflow
        chk("floor_divide", mn, A([-1], np.int64 if dt != np.int64 else np.int8))
    for dt in (C64, C128):
        z = A([1 + 1j, 1 + 0.5j, 1 + 2j], dt)
        lam("complex x**2/x", lambda m, a: a ** 2 / a, z, approx=True)
        chk("divide", A([1e110, 1e-110], dt), A([1e110, 1e-110], dt))
        for num in (1.0, complex(np.inf, np.nan), complex(np.nan, np.inf),
                    complex(np.inf, np.inf), 0.0):
            chk("divide", A([num], dt), A([0j], dt))
        for f in ("floor_divide", "divmod", "remainder"):
            chk(f, A([0.9 + 1j, -0.1 + 1j], dt), A([7], dt))  # TypeError
    for dt in FLOATS:
        chk("floor_divide", np.zeros(4, dt), A(1, dt))
        chk("floor_divide", -np.zeros(4, dt), A(1, dt))
        nan, one, zer, inf = (A(v, dt) for v in (np.nan, 1.0, 0.0, np.inf))
        for a, b in [(nan, one), (one, nan), (nan, zer), (zer, nan), (one, zer), (zer, zer),
                     (inf, inf), (inf, zer), (one, inf), (inf, one), (-one, inf), (one, -inf),
                     (-zer, one), (zer, -one)]:
            for f in ("floor_divide", "remainder", "fmod", "divmod", "true_divide"):
                chk(f, a, b)
        chk("floor_divide", np.ones(4, dt), np.zeros(4, dt))
    # ---- TestRemainder ------------------------------------------------------------------------
    dts = (np.int8, np.uint8, np.int64, np.uint64, F16, F32, F64) if ALL else \
        (np.int8, np.uint64, F16, F64)
    for d1, d2 in itertools.product(dts, dts):
        for s1, s2 in itertools.product((1, -1), (1, -1)):
            if (s1 < 0 and np.dtype(d1).kind == "u") or (s2 < 0 and np.dtype(d2).kind == "u"):
                continue
            a, b = A(s1 * 71, d1), A(s2 * 19, d2)
            chk("divmod", a, b)
            chk("remainder", a, b)
            chk("floor_divide", a, b)
    # exact remainders of small integers, with their signed zeros
    r = np.arange(-127, 128)
    a, b = np.meshgrid(r, r[r != 0])
    for dt in FLOATS:
        chk("divmod", a.ravel().astype(dt), b.ravel().astype(dt))
    for d1, d2 in itertools.product(FLOATS, FLOATS):
        for s1, s2 in itertools.product((1, -1), (1, -1)):
            chk("divmod", A(s1 * 78 * 6e-8, d1), A(s2 * 6e-8, d2))
    chk("divmod", A(4.0), A(np.finfo(F64).tiny))
    for dt in FLOATS:
        b1 = A(1.0, dt)
        a0 = np.nextafter(A(0.0, dt), -b1)
        chk("remainder", a0, b1)
        chk("remainder", -a0, -b1)
    # ---- TestCbrt, TestPower, TestFloat_power -------------------------------------------------
    x = A([1.0, 2.0, -3.0, np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-320, 27.0, -8.0])
    for dt in (F32, F64):
        chk("cbrt", x.astype(dt))
    x = A([1.0, 2.0, 3.0])
    for p in (0, 1, 2, -1, 0.5, -0.5, 3, 2.0):
        lam(f"x**{p}", lambda m, a, p=p: a ** p, x, approx=True)
        lam(f"x32**{p}", lambda m, a, p=p: a ** p, x.astype(F32), approx=True)
    z = A([1 + 2j, 2 + 3j, 3 + 4j])
    for p in (0, 1, 2, 3, 4, -1, -2, -3, 0.5, 14):
        lam(f"z**{p}", lambda m, a, p=p: a ** p, z, approx=True)
    for zz in (complex(0, np.inf), complex(1, np.inf)):
        for p in (1, 2, 3):
            lam(f"zinf**{p}", lambda m, a, p=p: a ** p, A([zz]))
    zero = A([0j])
    for p in (0.33, 0.5, 1, 1.5, 2, 3, 4, 5, 6.6, 0, 1j, -0.33, -0.5, -1, -2, -6.6, -1 + 0.2j,
              1 + 4j, 2 - 3j, 1 + 1j, 1 - 1j, -1 + 1j, -2 - 3j, -7 + 0j, -1j):
        chk("power", zero, A(p))
    i16 = A([1, 2, 3], np.int16)
    lam("int16**2.0", lambda m, a: a ** 2.0, i16)
    lam("int16**2.00001", lambda m, a: a ** 2.00001, i16, approx=True)
    lam("int16**[[[2]]]", lambda m, a, b: a ** b, i16, A([[[2]]]))
    chk("power", A([15, 15], np.int64), A([15, 15], np.int64))
    for dt in SOME_INTS:
        ar = np.arange(-10 if np.dtype(dt).kind == "i" else 0, 10).astype(dt)
        chk("power", ar, 0)
        chk("power", 1, np.arange(10, dtype=dt))
        chk("power", 0, np.arange(1, 10, dtype=dt))
        chk("power", ar, A(2, dt))
    for dt in SOME_SINTS:  # an integer to a negative integer power: ValueError
        a4, b4 = A([0, 1, 2, 3], dt), A([0, 1, 2, -3], dt)
        chk("power", a4, b4)
        chk("power", a4, A(-1, dt))
        chk("power", A(1, dt), b4)
        chk("power", A(1, dt), A(-1, dt))
        lam("int**-1 op", lambda m, a: a ** -1, a4)
    for dt in (F32, F64):
        chk("power", A([1, 1, 2, 2, -2, -2, np.inf, -np.inf], dt),
            A([np.inf, -np.inf, np.inf, -np.inf, np.inf, -np.inf, np.inf, -np.inf], dt))
        chk("power", A([0, 1.1, 2, 12e12, -10.0, np.inf, -np.inf], dt), 2.0)
        chk("power", A([0, 1.1, 2, 12e12], dt), 0.5)
    for code in "?bhilBHILefdFD":
        o = np.ones(1, dtype=code)
        chk("float_power", o, o)
    chk("float_power", A([1, 2, 3]), -2)
    chk("float_power", A([-8.0, -1.0, 0.0, -0.0, 2.0]), A([1 / 3, 0.5, -1.0, -1.0, 1024.0]))
    # ---- TestLog2, TestExp2, TestLog, TestExp, TestLog1p, TestExpm1 ---------------------------
    for dt in (F32, F64):
        chk("log2", A([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], dt))
        chk("exp2", A([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dt))
        chk("log", A([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], dt))
        chk("exp", A([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dt) * np.log(2))
        chk("log", A([np.finfo(dt).max]))
    for i in (1, 2, 2**30, 2**52, 2**62, 2**63 - 1):
        chk("log2", A([i], np.int64))
    chk("log2", A([2**63, 2**64 - 1], np.uint64))
    chk("log2", A([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, 2.0**-1074]))
    chk("log", A([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, 5e-324]))
    for dt in (F32, F64):
        chk("log1p", A([np.nan, np.inf, -1.0, -2.0, -np.inf, 0.0, -0.0, 1e-30, -1e-30], dt))
        chk("expm1", A([np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 710.0, -710.0, np.nan], dt))
        chk("log1p", A([0.2, 1e-9], dt))
        chk("expm1", A([0.2, 1e-9], dt))
    chk("expm1", A([complex(np.inf, 0.0), complex(-np.inf, 0.0), 1e-10 + 0j]))
    # ---- TestSpecialFloats --------------------------------------------------------------------
    sf = A([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1e-40, 1e-320,
            1e38, 1e308, -1e308, 89.0, 710.0, -750.0, 100.0, -100.0, 1e30])
    un = ("exp", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
          "tanh", "arcsinh", "arccosh", "arctanh", "exp2", "expm1", "sqrt", "absolute",
          "square", "reciprocal", "log2", "log10", "log1p", "cbrt", "rint", "floor", "ceil",
          "trunc", "sign", "fabs", "negative", "positive", "deg2rad", "rad2deg", "signbit",
          "isnan", "isinf", "isfinite", "spacing", "spacing", "fix", "sinc")
    with np.errstate(over="ignore"):
        for dt in FLOATS:
            for f in un:
                chk(f, sf.astype(dt))
    # ---- TestFPClass, TestLDExp/TestFRExp/TestLdexp --------------------------------------------
    fp = A([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e-320, -1e-320])
    for dt in (F16, F32, F64):
        for f in ("isnan", "isinf", "isfinite", "signbit"):
            chk(f, fp.astype(dt))
            chk(f, fp.astype(dt)[::-2])
        chk("frexp", fp.astype(dt))
        chk("ldexp", fp.astype(dt), A([0, 1, -1, 2, 3, -4, 5, 1000, -1000, 1]))
    for dt, it in itertools.product((F32, F64), (np.int8, np.int16, np.int32, np.int64)):
        chk("ldexp", A(2.0, dt), A(3, it))
    chk("ldexp", A([2.0], F64), A([2**31 + 2], np.int64))
    chk("ldexp", A([1.0]), A([np.iinfo(np.int32).max]))
    chk("ldexp", A([1.0]), A([np.iinfo(np.int32).min]))
    chk("ldexp", A([2.0], F16), A([3], np.int32))
    # ---- TestLogAddExp(2), TestHypot(SpecialValues), TestArctan2SpecialValues -----------------
    for f, k in (("logaddexp", np.log), ("logaddexp2", np.log2)):
        xs, ys = A([1, 2, 3, 4, 5.0]), A([5, 4, 3, 2, 1.0])
        for dt in (F32, F64):
            chk(f, k(xs).astype(dt), k(ys).astype(dt))
            chk(f, A([1000000, -1000000, 1000200, -1000200], dt),
                A([1000200, -1000200, 1000000, -1000000], dt))
            chk(f, A([np.inf, -np.inf, np.inf, -np.inf, np.inf, 1, -np.inf, 1], dt),
                A([np.inf, np.inf, -np.inf, -np.inf, 1, np.inf, 1, -np.inf], dt))
            chk(f, A([np.nan, np.inf, np.nan, 0], dt), A([np.inf, np.nan, np.nan, np.nan], dt))
        lam(f"{f}.reduce", lambda m, a, f=f: getattr(m, f).reduce(a), A([-np.inf, -np.inf]))
        lam(f"{f}.reduce1", lambda m, a, f=f: getattr(m, f).reduce(a), A([1.0, 2.0, 3.0]),
            approx=True)
    chk("hypot", A([1.0, 0.0]), A([1.0, 0.0]))
    chk("hypot", A([np.nan, np.nan, np.inf, -np.inf, np.nan, np.nan]),
        A([np.nan, np.inf, np.nan, np.nan, -np.inf, 0.0]))
    chk("hypot", A([np.inf, 0.0, 1e308, 1e-308]), A([np.nan, 0.0, 1e308, 1e-308]))
    lam("hypot.reduce", lambda m, a: m.hypot.reduce(a), A([3.0, 4.0, 12.0]))
    ys = A([1.0, -1.0, 1.0, -1.0, 0.0, -0.0, 0.0, -0.0, 0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 1.0,
            -1.0, np.inf, -np.inf, np.inf, -np.inf, np.inf, -np.inf, np.nan, np.nan, np.nan])
    xs = A([1.0, 1.0, -1.0, -1.0, -0.0, -0.0, 0.0, 0.0, -1.0, -1.0, 1.0, 1.0, 0.0, 0.0, -0.0,
            -0.0, 1.0, 1.0, -np.inf, -np.inf, np.inf, np.inf, 1.0, np.nan, np.inf])
    for dt in FLOATS:
        chk("arctan2", ys.astype(dt), xs.astype(dt))
        chk("arctan2", A([1.0, -1.0, np.inf, -np.inf], dt), A([-np.inf] * 4, dt))
    # ---- TestMaximum/TestMinimum/TestFmax/TestFmin --------------------------------------------
    arg1 = A([0, np.nan, np.nan])
    arg2 = A([np.nan, 0, np.nan])
    cn = [complex(np.nan, 0), complex(0, np.nan), complex(np.nan, np.nan)]
    for f in ("maximum", "minimum", "fmax", "fmin"):
        for dt in FLOATS:
            chk(f, arg1.astype(dt), arg2.astype(dt))
            chk(f, A([-0.0, 0.0, -0.0, 0.0], dt), A([0.0, -0.0, -0.0, 0.0], dt))
            lam(f"{f}.reduce", lambda m, a, f=f: getattr(m, f).reduce(a),
                A([0, np.nan, 2, 1], dt))
        for c in cn:
            chk(f, A([0, c, c], C128), A([c, 0, c], C128))
        chk(f, A([1, 5, -3], np.int8), A([3, 2, 4], np.uint8))
        chk(f, A([np.finfo(F64).max, -1e-300]), A([np.finfo(F64).max * 0.9, -2e-300]))
        lam(f"{f}.reduce_complex", lambda m, a, f=f: getattr(m, f).reduce(a),
            A([1 + 1j, 2 + 0j, 1 + 3j, 2 - 1j]))
    # ---- TestBool, TestBitwiseUFuncs, TestInt -------------------------------------------------
    tf = A([True, True, False, False])
    ft = A([True, False, True, False])
    for f in ("logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
              "bitwise_xor", "equal", "not_equal", "less", "greater"):
        chk(f, tf, ft)
    chk("logical_not", tf)
    chk("invert", tf)
    for dt in INTS:
        zeros, ones = A([0], dt), A([-1], dt).astype(dt) if np.dtype(dt).kind == "i" else \
            A([np.iinfo(dt).max], dt)
        for f in ("bitwise_and", "bitwise_or", "bitwise_xor"):
            for a_, b_ in itertools.product((zeros, ones), repeat=2):
                chk(f, a_, b_)
        chk("invert", zeros)
        chk("invert", ones)
        chk("bitwise_count", A([0, 1, np.iinfo(dt).max, np.iinfo(dt).min], dt))
        sh = A([0, 1, 3, np.iinfo(dt).bits - 1], dt)
        chk("left_shift", A([1, 3, 5, 1], dt), sh)
        chk("right_shift", A([np.iinfo(dt).max] * 4, dt), sh)
        chk("right_shift", A([np.iinfo(dt).min] * 4, dt), sh)
        # test_scalarmath's TestBitShifts: a shift by the width or more gives 0 (-1 for a
        # negative number shifted right)
        big = A([np.iinfo(dt).bits, np.iinfo(dt).bits + 1], dt)
        for v in (1, np.iinfo(dt).min, np.iinfo(dt).max):
            chk("left_shift", A([v, v], dt), big)
            chk("right_shift", A([v, v], dt), big)
        lam("bitwise_and.reduce", lambda m, a: m.bitwise_and.reduce(a), A([7, 5, 13], dt))
        lam("bitwise_or.reduce", lambda m, a: m.bitwise_or.reduce(a), A([1, 2, 4], dt))
    chk("logical_not", A([0, 1, -1, 2]))
    chk("invert", A([1.0]))  # TypeError
    chk("left_shift", A([1.0]), A([1]))  # TypeError
    # ---- TestDegrees, TestRadians, TestHeavside, TestSign, TestAbsoluteNegative ---------------
    chk("degrees", A([np.pi, -0.5 * np.pi]))
    chk("rad2deg", A([np.pi, -0.5 * np.pi]))
    chk("radians", A([180.0, -90.0]))
    chk("deg2rad", A([180.0, -90.0]))
    x = A([[-30.0, -0.1, 0.0, 0.2], [7.5, np.nan, np.inf, -np.inf]])
    for dt in (F32, F64):
        chk("heaviside", x.astype(dt), A(0.5, dt))
        chk("heaviside", x.astype(dt), A(0.0, dt))
        chk("heaviside", x.astype(dt), A(1.0, dt))
        chk("heaviside", x.astype(dt), A(np.nan, dt))
    chk("heaviside", A([-2, 0, 3]), A([5]))
    chk("sign", A([-np.inf, -2.0, -0.0, 0.0, 2.0, np.inf, np.nan]))
    chk("sign", A([-5, 0, 5]))
    chk("sign", A([complex(np.inf, np.inf), complex(np.inf, -np.inf), complex(-np.inf, np.inf),
                   complex(np.inf, 3), complex(0, np.inf), complex(np.nan, 0),
                   complex(0, np.nan), 3 + 4j, 0j, -0j, complex(1e308, 1e308),
                   complex(-1e-320, 0)]))
    for dt in (F32, F64):
        v = A([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-320, -1.0, np.finfo(dt).max,
               np.finfo(dt).min], dt)
        chk("absolute", v)
        chk("negative", v)
        chk("absolute", v[::-3])
    chk("absolute", A([complex(np.inf, np.nan), complex(np.nan, np.inf), complex(-np.inf, 0),
                       complex(np.nan, 0), complex(0, -np.inf), 3 + 4j, -0j,
                       complex(1e308, 1e308)]))
    for dt in SOME_SINTS:
        chk("absolute", A([np.iinfo(dt).min, -1, 0, 1], dt))
        chk("negative", A([np.iinfo(dt).min, -1, 0, 1], dt))
    chk("negative", A([0, 1, 255], np.uint8))
    chk("positive", A([True]))  # TypeError
    chk("negative", A([True]))  # TypeError
    lam("+bool op", lambda m, a: +a, A([True, False]))
    lam("-bool op", lambda m, a: -a, A([True, False]))
    # ---- TestRationalFunctions ----------------------------------------------------------------
    for dt in SOME_INTS:
        chk("lcm", A([12, 12], dt), A([20, 8], dt))
        chk("gcd", A([12, 120], dt), A([20, 100], dt))
        chk("gcd", A([0, 0, 5], dt), A([0, 7, 0], dt))
        chk("lcm", A([0, 0, 5], dt), A([0, 7, 0], dt))
    for dt in SOME_SINTS:
        chk("lcm", A([-12, 12, -12], dt), A([20, -20, -20], dt))
        chk("gcd", A([-12, 12, -12], dt), A([20, -20, -20], dt))
        chk("gcd", A([np.iinfo(dt).min], dt), A([np.iinfo(dt).min], dt))
    chk("gcd", A([2**100], dtype=object) if ALL else A([2**62]), A([2**61]))
    chk("lcm", A([2**40, 2**31]), A([2**31, 2**40]))
    chk("gcd", A([1.0]), A([2.0]))  # TypeError
    lam("gcd.reduce", lambda m, a: m.gcd.reduce(a), A([12, 18, 30]))
    lam("lcm.reduce", lambda m, a: m.lcm.reduce(a), A([2, 3, 4]))
    # ---- TestRoundingFunctions, rint, floor, ceil, trunc --------------------------------------
    rv = A([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 3.7, -3.7, np.nan, np.inf, -np.inf,
            4503599627370497.0, 1e300, -1e-300])
    for dt in FLOATS:
        for f in ("rint", "floor", "ceil", "trunc", "fix", "round", "around"):
            chk(f, rv.astype(dt))
    for dt in SOME_INTS + (np.bool_,):
        for f in ("floor", "ceil", "trunc"):
            chk(f, A([0, 1, 2], dt))
    chk("round", A([15, 25, -15, 125], np.int8), -1)
    chk("round", A([0.125, 0.375, -0.125, 1e300]), 2)
    # ---- TestComplexFunctions: promotion corner cases, branch cuts ----------------------------
    for f in ("sqrt", "log", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"):
        for dt in (C64, C128):
            chk(f, A([-2 + 0j, -2 - 0j, 2 + 0j, 2 - 0j, 0 + 2j, -0 - 2j, 0.5j, -0.5j, 2j, -2j,
                      -1 + 0j, 1 + 0j], dt))
    chk("reciprocal", A([0j, complex(np.inf, 0), 1e300 + 1e300j, 2 + 0j]))
    chk("square", A([complex(np.inf, np.inf), complex(1e200, 1e200), 1 + 1j]))
    # ---- reciprocal of ints -------------------------------------------------------------------
    for dt in SOME_INTS:
        v = A([1, 2, 0, np.iinfo(dt).max], dt) if np.dtype(dt).kind == "u" else \
            A([-2, -1, 0, 1, 2, np.iinfo(dt).min], dt)
        chk("reciprocal", v)
    # ---- copysign, nextafter, spacing ---------------------------------------------------------
    for dt in FLOATS:
        v = A([1.0, -1.0, 0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-320], dt)
        w = A([-1.0, 1.0, -0.0, 0.0, -1.0, 1.0, -1.0, 1.0, -0.0], dt)
        chk("copysign", v, w)
        chk("copysign", w, v)
        chk("nextafter", v, w)
        chk("nextafter", v, A(np.inf, dt))
        chk("nextafter", A([0.0, -0.0], dt), A([-1.0, 1.0], dt))
        chk("spacing", v)
        chk("spacing", A([np.finfo(dt).max, np.finfo(dt).tiny], dt))
    chk("copysign", A([1, 2], np.int8), A([-1, 1], np.int8))
    chk("nextafter", A([1.0], F32), A([2.0]))
    # ---- isnan/isinf/isfinite of ints and complex ---------------------------------------------
    for f in ("isnan", "isinf", "isfinite", "signbit"):
        chk(f, A([-1, 0, 1], np.int8))
        chk(f, A([True, False]))
    for f in ("isnan", "isinf", "isfinite"):
        chk(f, A([complex(0, np.nan), complex(np.inf, 0), 1j, complex(np.nan, np.inf)]))
    # ---- clip (test_numeric's TestClip) -------------------------------------------------------
    cx = A([-3.0, -0.0, 0.0, 0.5, 2.0, np.nan, np.inf, -np.inf])
    for dt in (F32, F64):
        for lo, hi in ((-1.0, 1.0), (np.nan, 1.0), (0.0, np.nan), (1.0, -1.0), (-0.0, 0.0),
                       (0.0, -0.0), (None, 1.0), (-1.0, None), (-np.inf, np.inf)):
            lam(f"clip({lo}, {hi})", lambda m, a, lo=lo, hi=hi: m.clip(a, lo, hi), cx.astype(dt))
    i8 = A([-128, -1, 0, 5, 127], np.int8)
    for lo, hi in ((0, 300), (-1000, 10), (0.5, 2.5), (0, 10), (np.int16(-200), 10)):
        lam(f"clip_int8({lo}, {hi})", lambda m, a, lo=lo, hi=hi: m.clip(a, lo, hi), i8)
    lam("clip_arrays", lambda m, a, lo, hi: m.clip(a, lo, hi), cx, np.full(8, -1.0),
        np.full(8, 1.0, F32))
    lam("clip_int_float_bound", lambda m, a, lo: m.clip(a, lo, 3), np.arange(5), A([1.5] * 5))
    lam("clip_uint64", lambda m, a: m.clip(a, 1, 2**63), A([0, 2**64 - 1], np.uint64))
    # ---- ufunc dtype= and Python scalar arguments ---------------------------------------------
    f32 = A([1.0, 2.0, -0.0, np.nan], F32)
    lam("add dtype=f8", lambda m, a: m.add(a, 1, dtype=F64), f32)
    lam("sqrt dtype=f8", lambda m, a: m.sqrt(a, dtype=F64), f32, approx=True)
    lam("add dtype=i4", lambda m, a: m.add(a, 1, dtype=np.int32), f32)  # casting: TypeError
    lam("multiply dtype=f4", lambda m, a: m.multiply(a, 2, dtype=F32), A([1, 2, 3]))
    return cases


with np.errstate(all="ignore"):
    CASES = _cases()


def _xp():
    return ad.get_backend().xp


def _conv(a, tensor: bool):
    if isinstance(a, np.ndarray) and a.dtype != object:
        b = _xp().asarray(a)
        if tensor:
            return ad.tensor(b, requires_grad=a.dtype.kind == "f")
        return b
    return a


def _host(r):
    if isinstance(r, tuple):
        return tuple(_host(x) for x in r)
    if isinstance(r, ad.Tensor) or hasattr(r, "get"):
        return to_numpy(r)
    return r


def _run(fn, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


def _base_error(e: BaseException) -> type:
    for c in type(e).__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def assert_same(want, got, where: str, approx: bool = False):
    """Dtype, shape, NaN positions, signed zeros and values (bit for bit unless ``approx``)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple | list) and len(got) == len(want), f"{where}: {got!r}"
        for w, g in zip(want, got, strict=True):
            assert_same(w, g, where, approx)
        return
    w, g = np.asarray(want), np.asarray(got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if w.dtype.kind not in "fc":
        np.testing.assert_array_equal(g, w, err_msg=where)
        return
    for part in (np.real, np.imag) if w.dtype.kind == "c" else (np.real,):
        pw, pg = part(w), part(g)
        assert np.array_equal(np.isnan(pw), np.isnan(pg)), f"{where}: NaN at {np.isnan(pg)}, " \
                                                           f"NumPy {np.isnan(pw)}\n{pg}\n{pw}"
        ok = ~np.isnan(pw)
        pw, pg = pw[ok], pg[ok]
        if approx:
            tol = 4 * np.finfo(w.dtype).eps
            fin = np.isfinite(pw)
            assert np.array_equal(pg[~fin], pw[~fin]), f"{where}: {pg} NumPy {pw}"
            np.testing.assert_allclose(pg[fin], pw[fin], rtol=tol,
                                       atol=np.finfo(w.dtype).tiny, err_msg=where)
        else:
            np.testing.assert_array_equal(pg, pw, err_msg=where)
        z = pw == 0
        assert np.array_equal(np.signbit(pg[z]), np.signbit(pw[z])), (
            f"{where}: signed zeros {pg[z]}, NumPy {pw[z]}")


def _check_case(case: Case, tensor: bool):
    want, we = _run(case.fn, (np, *case.args))
    args = [_conv(a, tensor) for a in case.args]
    got, ge = _run(case.fn, (gnp, *args))
    where = f"{case!r} on {'Tensors' if tensor else 'arrays'}"
    if we is not None:
        assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {_host(got)!r}"
        assert isinstance(ge, _base_error(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    assert_same(want, _host(got), where, case.approx)


_CHUNKS = 8


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
@pytest.mark.parametrize("chunk", range(_CHUNKS))
def test_umath_values(backend, chunk, tensor):
    """Every case of one chunk (one test per case would cost more in pytest than the cases)."""
    failures = []
    for case in CASES[chunk::_CHUNKS]:
        try:
            _check_case(case, tensor)
        except AssertionError as e:
            failures.append(str(e).splitlines()[0][:300])
    assert not failures, f"{len(failures)} cases differ:\n" + "\n".join(failures)


def test_case_count():
    assert len(CASES) > (1700 if ALL else 1200)


# ---- Python operators on Tensors: the same values as on NumPy arrays ----------------------------

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
        "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "divmod": divmod,
        "&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift,
        ">>": operator.rshift, "<": operator.lt, "==": operator.eq}


@pytest.mark.parametrize("op", sorted(_OPS))
def test_operators_on_tensors(backend, op):
    f = _OPS[op]
    sv = A([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e308, 5e-324])
    X, Y = (a.ravel() for a in np.meshgrid(sv, sv))
    ix = A([-128, -127, -7, -1, 0, 1, 7, 127, 3, -3])
    iy = A([-1, -1, 2, 0, 0, 0, -2, -1, 3, 1])
    with np.errstate(over="ignore"):  # (1e308 is inf in float32, on purpose)
        pairs = [(X.astype(dt), Y.astype(dt)) for dt in (F32, F64)]
    pairs += [(ix.astype(dt), iy.astype(dt)) for dt in (np.int8, np.int64, np.uint8)]
    pairs += [(A([True, False]), A([True, True]))]
    scalars = [2, -2, 0, 2.5, -0.0, True, np.float32(2.5), np.int8(3), 300]
    failures = []
    for a, b in pairs:
        for args in [(a, b)] + [(a, s) for s in scalars] + [(s, a) for s in scalars]:
            case = Case(f"operator {op}", lambda m, x, y: f(x, y), args, approx=op in "/**")
            try:
                _check_case(case, True)
            except AssertionError as e:
                failures.append(str(e).splitlines()[0][:300])
    assert not failures, f"{len(failures)} cases differ:\n" + "\n".join(failures)


# ---- NEP 50 promotion with Python scalars (test_scalarmath, test_nep50_promotions) --------------

_PY = [0, 1, -1, 2.5, -0.0, 1j, True, 200, 2**40, 1e300, np.inf]
_ARR_DT = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64, F16, F32,
           F64, C64, C128]


_PROMOTED = ["add", "true_divide", "maximum", "power", "arctan2"]
if ALL:
    _PROMOTED += ["multiply", "subtract", "floor_divide", "hypot", "copysign"]


@pytest.mark.parametrize("fname", _PROMOTED)
def test_python_scalar_promotion(backend, fname):
    """The dtype (and value) of f(array, Python scalar) and f(Python scalar, array), on arrays
    and Tensors: NumPy's weak Python scalars, and its OverflowError where the scalar does not
    fit the array's integer type."""
    failures = []
    for dt, s in itertools.product(_ARR_DT, _PY):
        a = A([1, 0, 1], dt)
        for args in ((a, s), (s, a)):
            for tensor in (False, True):
                case = Case(fname, _ufunc(fname), args, approx=True)
                if tensor and fname == "maximum" and isinstance(s, complex) and \
                        np.dtype(dt).kind == "f":
                    # a complex maximum of a Tensor being differentiated: REFUSED, as in
                    # test_numpy_core_suite (a lexicographic order has no derivative)
                    with pytest.raises(ComplexError):
                        case.fn(gnp, *[_conv(x, True) for x in args])
                    continue
                try:
                    _check_case(case, tensor)
                except AssertionError as e:
                    failures.append(str(e).splitlines()[0][:300])
    assert not failures, f"{len(failures)} cases differ:\n" + "\n".join(failures)


@pytest.mark.parametrize("tensor", [False, True], ids=["array", "tensor"])
def test_nep50_result_dtypes(backend, tensor):
    """test_nep50_promotions' examples: a NumPy scalar is strongly typed, a Python one weak."""
    cases = [
        (lambda m, a: m.add(a, 2.5), A([1.0, 2.0], F32)),
        (lambda m, a: m.add(a, np.float64(2.5)), A([1.0, 2.0], F32)),
        (lambda m, a: m.add(a, 1), A([1, 2], np.int8)),
        (lambda m, a: m.add(a, np.int64(1)), A([1, 2], np.int8)),
        (lambda m, a: m.add(a, 1.0), A([1, 2], np.int8)),
        (lambda m, a: m.add(a, 1j), A([1, 2], F32)),
        (lambda m, a: m.add(a, 1j), A([1, 2], F16)),
        (lambda m, a: m.multiply(a, 3), A([1, 2], np.uint8)),
        (lambda m, a: m.add(a, -1), A([1, 2], np.uint8)),  # OverflowError
        (lambda m, a: m.add(a, 256), A([1, 2], np.uint8)),  # OverflowError
        (lambda m, a: m.add(a, 2**63), A([1, 2], np.uint64)),
        (lambda m, a: m.add(a, 2**64), A([1, 2], np.uint64)),  # OverflowError
        (lambda m, a: a + np.float32(3), A([1, 2], np.int16)),
        (lambda m, a: a * 2.0, A([1, 2], np.int64)),
        (lambda m, a: a / 2, A([1, 2], np.int8)),
        (lambda m, a: a ** 2, A([1, 2], F16)),
        (lambda m, a: a ** 0.5, A([1, 4], np.int32)),
        (lambda m, a: 1e300 * a, A([1, 2], F32)),
        (lambda m, a: m.float_power(a, 2), A([1, 2], F32)),
        (lambda m, a: m.true_divide(a, a), A([1, 2], np.uint8)),
        (lambda m, a: m.sqrt(a), A([1, 4], np.int16)),
        (lambda m, a: m.sqrt(a), A([1, 4], np.int8)),
        (lambda m, a: m.exp(a), A([True, False])),
        (lambda m, a: m.arctan2(a, 1), A([1, 2], np.int8)),
        (lambda m, a: m.ldexp(a, 2), A([1, 2], np.int8)),  # TypeError
        (lambda m, a: m.ldexp(a, 2), A([1, 2], F32)),
        (lambda m, a: m.heaviside(a, 0.5), A([-1, 0, 1], np.int8)),
        (lambda m, a: m.fmod(a, 2.5), A([3, 4], np.int16)),
    ]
    failures = []
    for i, (fn, a) in enumerate(cases):
        try:
            _check_case(Case(f"nep50[{i}]", fn, (a,), approx=True), tensor)
        except AssertionError as e:
            failures.append(str(e).splitlines()[0][:300])
    assert not failures, "\n".join(failures)


# ---- derivatives at the special points ----------------------------------------------------------

#: special points of test_umath's classes, and the edges of the functions' domains
POINTS = A([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 0.25, 1e-310, -1e-310, 1e-8,
            30.0, -30.0, 800.0, -800.0, 1e300, -1e300, np.inf, -np.inf, np.nan])

UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
         "arccosh", "arctanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
         "cbrt", "square", "reciprocal", "absolute", "fabs", "negative", "positive", "deg2rad",
         "rad2deg", "degrees", "radians", "sinc"]

#: hand-derived slopes where central differences cannot be taken (keyed by ``repr`` of the
#: point, so that 0.0 and -0.0 differ): at +-inf (the limits of f'), at a kink or a pole (the
#: documented choice, or the one-sided infinity). At a point not listed: the central difference;
#: where none can be taken, a NaN slope where the value is NaN for an input that is not, no
#: claim where the value overflowed, and a non-finite slope otherwise.
INF, NAN = np.inf, np.nan
LIMITS: dict[str, dict[str, float]] = {
    "sin": {"inf": NAN, "-inf": NAN},
    "cos": {"inf": NAN, "-inf": NAN},
    "tan": {"inf": NAN, "-inf": NAN},
    "sinc": {"inf": NAN, "-inf": NAN},
    "arctan": {"inf": 0.0, "-inf": 0.0},
    "tanh": {"inf": 0.0, "-inf": 0.0},
    "arcsinh": {"inf": 0.0, "-inf": 0.0},
    "sinh": {"inf": INF, "-inf": INF},
    "cosh": {"inf": INF, "-inf": -INF},
    "exp": {"inf": INF, "-inf": 0.0},
    "exp2": {"inf": INF, "-inf": 0.0},
    "expm1": {"inf": INF, "-inf": 0.0},
    # 1/x at +-0: the pole's sign follows the zero's (the peers' too)
    "log": {"0.0": INF, "-0.0": -INF, "inf": 0.0},
    "log2": {"0.0": INF, "-0.0": -INF, "inf": 0.0},
    "log10": {"0.0": INF, "-0.0": -INF, "inf": 0.0},
    "log1p": {"-1.0": INF, "inf": 0.0},
    # sqrt(-0.0) is -0.0 (IEEE): 1/(2 sqrt(x)) is -inf there, as the peers'
    "sqrt": {"0.0": INF, "-0.0": -INF, "inf": 0.0},
    "cbrt": {"0.0": INF, "-0.0": INF, "inf": 0.0, "-inf": 0.0},
    "arcsin": {"1.0": INF, "-1.0": INF},
    "arccos": {"1.0": -INF, "-1.0": -INF},
    "arccosh": {"1.0": INF, "inf": 0.0},
    "arctanh": {"1.0": INF, "-1.0": INF},
    "square": {"inf": INF, "-inf": -INF},
    "reciprocal": {"0.0": -INF, "-0.0": -INF, "inf": -0.0, "-inf": -0.0},
    # |x|: slope sign(x), 0 at +-0 (docs/semantics.md, "Subgradients at kinks")
    "absolute": {"0.0": 0.0, "-0.0": 0.0, "inf": 1.0, "-inf": -1.0},
    "fabs": {"0.0": 0.0, "-0.0": 0.0, "inf": 1.0, "-inf": -1.0},
}
# linear functions: their constant slope everywhere, NaN and inf included
for _f, _k in (("negative", -1.0), ("positive", 1.0), ("deg2rad", np.pi / 180),
               ("radians", np.pi / 180), ("rad2deg", 180 / np.pi), ("degrees", 180 / np.pi)):
    LIMITS[_f] = {p: _k for p in ("inf", "-inf", "nan")}


def _cd(f, x: float):
    """The float64 central difference of ``f`` at ``x``, or None where the function is not
    smooth over the step (the one-sided quotients differ) or not finite. The step is 1e-7 of
    max(|x|, 1), or, where that fails (a domain edge within it: sqrt at a denormal), of |x|."""
    if not np.isfinite(x):
        return None
    for h in (1e-7 * max(abs(x), 1.0), 1e-7 * abs(x)):
        if h == 0:
            continue
        with np.errstate(all="ignore"):
            fp, fm, f0, fq, fr = (float(f(np.float64(v)))
                                  for v in (x + h, x - h, x, x + h / 100, x - h / 100))
        if not np.isfinite([fp, fm, f0, fq, fr]).all():
            continue
        with np.errstate(all="ignore"):
            left, right = (f0 - fm) / h, (fp - f0) / h
            d, d100 = (fp - fm) / (2 * h), (fq - fr) / (h / 50)
        if not np.isfinite([left, right, d, d100]).all():
            continue
        scale = 1e-3 * max(1.0, abs(left), abs(right))
        # smooth over the step: the one-sided quotients agree, and so does a step 100x smaller
        # (which catches a cusp, cbrt's at 0, that is symmetric)
        if abs(left - right) > scale or abs(d - d100) > scale:
            continue
        return d
    return None


def _key(p: float) -> str:
    return "nan" if np.isnan(p) else repr(float(p))


def _slopes(f, x: np.ndarray):
    """Reverse-mode (vjp of ones) and forward-mode (jvp along ones) slopes of an elementwise
    ``f`` at every entry of ``x``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        xb = _xp().asarray(x)
        rev = to_numpy(ad.grad(lambda t: gnp.sum(f(t)))(ad.tensor(xb)))
        fwd = to_numpy(ad.jvp(f, (ad.tensor(xb),), (ad.tensor(_xp().ones_like(xb)),))[1])
    return rev, fwd


#: the periodic functions at 1e300, where no difference step resolves a period: the
#: derivative's closed form
PERIODIC = {"sin": np.cos, "cos": lambda x: -np.sin(x), "tan": lambda x: 1 / np.cos(x) ** 2,
            "sinc": lambda x: (np.cos(np.pi * x) - np.sinc(x)) / x}


def _expected_slope(name: str, nf, p: float, value: float):
    lim = LIMITS.get(name, {})
    if _key(p) in lim:
        return "exact", lim[_key(p)]
    if name in PERIODIC and np.isfinite(p) and abs(p) > 1e6:
        return "cd", float(PERIODIC[name](p))
    c = _cd(nf, p)
    if c is not None:
        return "cd", c
    if np.isnan(value) and not np.isnan(p):
        return "exact", NAN  # outside the domain: no slope
    if np.isnan(p):
        return "exact", NAN
    if np.isinf(value):
        return "free", None  # the value overflowed: no difference to take, no claim made
    return "nonfinite", None


@pytest.mark.parametrize("dt", [F64, F32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_derivative_at_special_points(backend, name, dt):
    nf = getattr(np, name)
    x = POINTS.astype(dt) if dt == F64 else \
        POINTS[~((np.abs(POINTS) > 1e30) & np.isfinite(POINTS))].astype(dt)
    rev, fwd = _slopes(getattr(gnp, name), x)
    assert rev.dtype == dt and fwd.dtype == dt, (rev.dtype, fwd.dtype)
    with np.errstate(all="ignore"):
        vals = nf(x.astype(F64))
    bad = []
    for i, p in enumerate(x.astype(F64)):
        kind, want = _expected_slope(name, nf, p, vals[i])
        for mode, got in (("vjp", rev[i]), ("jvp", fwd[i])):
            got = float(got)
            if kind == "free":
                continue
            if kind == "nonfinite":
                ok = not np.isfinite(got)
            elif np.isnan(want) or np.isinf(want):
                ok = (np.isnan(got) and np.isnan(want)) or got == want
            else:
                tol = 1e-5 if dt == F64 else 2e-3
                ok = abs(got - want) <= tol * max(1.0, abs(want)) or (
                    # float32: a slope beyond float32's range, or one that rounds to 0
                    dt == F32 and abs(want) > np.finfo(F32).max and np.isinf(got))
            if not ok:
                bad.append(f"{name}'({p!r}) {mode}: gpuad {got}, expected {want} ({kind})")
    assert not bad, "\n".join(bad)


#: binary functions: name -> the differentiated arguments
BINARY = {"add": (0, 1), "subtract": (0, 1), "multiply": (0, 1), "divide": (0, 1),
          "power": (0, 1), "float_power": (0, 1), "arctan2": (0, 1), "hypot": (0, 1),
          "logaddexp": (0, 1), "logaddexp2": (0, 1), "copysign": (0,), "fmod": (0, 1),
          "remainder": (0, 1), "maximum": (0, 1), "minimum": (0, 1), "fmax": (0, 1),
          "fmin": (0, 1), "heaviside": (1,)}

BPOINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 1e300, np.inf, -np.inf, np.nan]

#: (function, argument) -> (which points, slope, reason): hand-derived and documented slopes
#: where central differences cannot be taken
BKNOWN = {
    # ties: half to each argument (docs/semantics.md, "Subgradients at kinks")
    **{(f, i): (lambda x, y: x == y, 0.5, "a tie: the adjoint is split evenly")
       for f in ("maximum", "minimum", "fmax", "fmin") for i in (0, 1)},
    # arctan2 at the origin: no limit; documented NaN
    ("arctan2", 0): (lambda x, y: x == 0 and y == 0, NAN, "the origin: NaN (semantics.md)"),
    ("arctan2", 1): (lambda x, y: x == 0 and y == 0, NAN, "the origin: NaN (semantics.md)"),
    # copysign: slope sign(x) * sign(y) away from x = 0, 0 at x = +-0 (as abs)
    ("copysign", 0): (lambda x, y: x == 0, 0.0, "copysign(x, y) at x = +-0: 0, as abs'(0)"),
    # fmod/remainder in x: 1 on each piece, the jumps included (torch and JAX agree), and at
    # y = 0, where the value is NaN, still 1: left as the peers have it
    ("fmod", 0): (lambda x, y: not np.isnan(x), 1.0,
                  "slope 1 in x on every piece; where the value is NaN (y = 0, x = +-inf): "
                  "still 1, as torch and JAX (left as it is)"),
    ("remainder", 0): (lambda x, y: not np.isnan(x), 1.0,
                       "slope 1 in x on every piece; where the value is NaN (y = 0, x = +-inf): "
                       "still 1, as torch and JAX (left as it is)"),
    # a negative base: x**y is real at integer y only, so no derivative in y
    ("power", 1): (lambda x, y: x < 0 and np.isfinite(x) and np.isfinite(y), NAN,
                   "a negative base: log(x) is NaN, and x**y has no derivative in y"),
    ("float_power", 1): (lambda x, y: x < 0 and np.isfinite(x) and np.isfinite(y), NAN,
                         "a negative base: log(x) is NaN, and x**y has no derivative in y"),
    # np.power(-inf, 0.5) is NaN (its sqrt fast path); C's pow, float_power and the peers say
    # +inf, whose slope 0.5 * (-inf)**-0.5 = 0 gpuad gives
    ("power", 0): (lambda x, y: x == -np.inf and y == 0.5, 0.0, "(-inf)**0.5: C's pow is inf"),
    # the jump of x mod y in y (x / y an integer): the quotient computed, -x/y
    ("fmod", 1): (lambda x, y: np.isfinite(x) and y != 0 and np.isfinite(y)
                  and float(x / y).is_integer(), "-x/y", "a jump: -trunc(x/y) of the value"),
    ("remainder", 1): (lambda x, y: np.isfinite(x) and y != 0 and np.isfinite(y)
                       and float(x / y).is_integer(), "-x/y", "a jump: -floor(x/y)"),
    ("heaviside", 1): (lambda x, y: True, "x==0", "heaviside(x, y) is y at x = 0, else constant"),
}


#: IEEE arithmetic: inf - inf, 0/0 and inf/inf are NaN but each rule's slope (1, 1/y,
#: -x/y**2) is the derivative of the operation, which exists on both sides
ARITHMETIC = {"add", "subtract", "multiply", "divide"}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivative_at_special_points(backend, name):
    nf = getattr(np, name)
    xs, ys = (a.ravel() for a in np.meshgrid(A(BPOINTS), A(BPOINTS), indexing="ij"))
    bad = []
    for i in BINARY[name]:
        def f(t, i=i):
            return getattr(gnp, name)(t, _xp().asarray(ys)) if i == 0 else \
                getattr(gnp, name)(_xp().asarray(xs), t)
        rev, fwd = _slopes(f, xs if i == 0 else ys)
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            known = BKNOWN.get((name, i))
            with np.errstate(all="ignore"):
                val = float(nf(x, y))
            if known is not None and known[0](x, y):
                want = known[1]
                if want == "-x/y":
                    want = -np.trunc(x / y) if name == "fmod" else -np.floor(x / y)
                    want = float(want) if abs(want) > 0 else 0.0
                elif want == "x==0":
                    want = 1.0 if x == 0 else 0.0
                kind = "exact"
            else:
                g = (lambda v: nf(v, y)) if i == 0 else (lambda v: nf(x, v))
                other = (x, y)[1 - i]
                # (beside 1e300 a step in the small argument is lost to rounding)
                c = _cd(g, (x, y)[i]) if np.isfinite(other) and abs(other) < 1e290 else None
                if c is not None:
                    kind, want = "cd", c
                elif np.isnan(val) and not (np.isnan(x) or np.isnan(y)) and \
                        name not in ARITHMETIC:
                    kind, want = "exact", NAN
                elif np.isnan(x) or np.isnan(y):
                    continue  # NaN in, NaN out: the slope is a convention of each rule
                else:
                    kind, want = "free", None
            for mode, got in (("vjp", rev[k]), ("jvp", fwd[k])):
                got = float(got)
                if kind == "free":
                    continue
                if np.isnan(want) or np.isinf(want):
                    ok = (np.isnan(got) and np.isnan(want)) or got == want
                else:
                    ok = abs(got - want) <= 1e-5 * max(1.0, abs(want))
                if not ok:
                    bad.append(f"d/d{'xy'[i]} {name}({x!r}, {y!r}) {mode}: gpuad {got}, "
                               f"expected {want} ({kind})")
    assert not bad, "\n".join(bad[:40])


@pytest.mark.parametrize("name", ["log", "log2", "log10", "log1p", "arccosh", "arctanh",
                                  "sqrt", "arcsin"])
def test_slope_nan_outside_the_domain(backend, name):
    """Where the value is NaN for an input that is not, the slope is NaN in both modes (the
    formula's 1/x, 1/(1 - x^2), ... is finite there and was returned before)."""
    x = A({"log1p": [-2.0, -1e300, -np.inf], "arccosh": [-2.0, 0.5, -1.0, -np.inf],
           "arctanh": [2.0, -3.0, 1e300, np.inf, -np.inf], "arcsin": [2.0, -1.5]}
          .get(name, [-1.0, -0.5, -1e300, -np.inf]))
    rev, fwd = _slopes(getattr(gnp, name), x)
    assert np.isnan(rev).all() and np.isnan(fwd).all(), (rev, fwd)


def test_complex_slopes_keep_their_formula_off_the_real_domain(backend):
    """The NaN of the real rules off their domain does not reach complex values: log(z) at
    z = -2 + 0j has slope 1/z (holomorphic), as a complex jvp says."""
    z = A([-2 + 0j, -0.5 + 0.5j, 3 - 1j])
    for name, d in (("log", lambda z: 1 / z), ("log1p", lambda z: 1 / (1 + z)),
                    ("log2", lambda z: 1 / (z * np.log(2))),
                    ("log10", lambda z: 1 / (z * np.log(10))),
                    ("arctanh", lambda z: 1 / (1 - z * z)),
                    ("arccosh", lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1)))):
        t = ad.jvp(getattr(gnp, name), (ad.tensor(_xp().asarray(z)),),
                   (ad.tensor(_xp().ones(3, complex)),))[1]
        np.testing.assert_allclose(to_numpy(t), d(z), rtol=1e-12, err_msg=name)


def test_clip_slopes_at_special_points(backend):
    """clip(x, lo, hi): slope 1 on the closed interval (the bounds included, semantics.md), 0
    outside it and at +-inf; the bounds receive what x does not, each on its own side."""
    x = A([-np.inf, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.inf])
    xb = _xp().asarray(x)
    lo, hi = ad.tensor(_xp().asarray(-1.0)), ad.tensor(_xp().asarray(1.0))
    gx, glo, ghi = ad.grad(lambda t, a, b: gnp.sum(gnp.clip(t, a, b)), argnums=(0, 1, 2))(
        ad.tensor(xb), lo, hi)
    inside = (x >= -1) & (x <= 1)
    np.testing.assert_array_equal(to_numpy(gx), inside.astype(float))
    assert float(to_numpy(glo)) == np.sum(x < -1) and float(to_numpy(ghi)) == np.sum(x > 1)


def test_minmax_slopes_at_nan(backend):
    """fmax/fmin pass the adjoint to the argument that is not NaN (their value ignores NaN);
    maximum/minimum, whose value is the NaN, pass it to neither (JAX's choice; torch passes it
    to both): never a finite slope into the argument the value ignored."""
    x = A([np.nan, 1.0, np.nan, 2.0])
    y = A([1.0, np.nan, np.nan, 2.0])
    # (both NaN: fmax/fmin's value is the first argument's NaN, which takes the adjoint)
    want = {"fmax": ([0, 1, 1, 0.5], [1, 0, 0, 0.5]), "fmin": ([0, 1, 1, 0.5], [1, 0, 0, 0.5]),
            "maximum": ([0, 0, 0, 0.5], [0, 0, 0, 0.5]),
            "minimum": ([0, 0, 0, 0.5], [0, 0, 0, 0.5])}
    for name, (wx, wy) in want.items():
        gx, gy = ad.grad(lambda a, b: gnp.sum(getattr(gnp, name)(a, b)), argnums=(0, 1))(
            ad.tensor(_xp().asarray(x)), ad.tensor(_xp().asarray(y)))
        np.testing.assert_array_equal(to_numpy(gx), wx, err_msg=name)
        np.testing.assert_array_equal(to_numpy(gy), wy, err_msg=name)
