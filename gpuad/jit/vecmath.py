"""float32 ``sin``, ``cos``, ``tanh``, ``exp``, ``log`` and ``sigmoid`` that a compiler can
vectorise, for the CPU's
fused kernels (:mod:`gpuad.jit.codegen_numba`).

Numba compiles a call to ``np.sin`` on a float32 into a call of the C library for each element,
which keeps LLVM from vectorising the loop: a fused chain of such calls ran several times
slower than NumPy's own vectorised functions. These functions are straight-line arithmetic
(Cody-Waite argument reduction with fused multiply-adds, polynomials, an exponent built from
bits), so a loop of them becomes AVX code. They are compiled with ``fastmath={"contract"}``
(a multiply and an add may become one fused multiply-add, which only rounds less) and inlined
by LLVM, so the flag stays inside them: the kernel's own arithmetic is not contracted.
Measured over random bit patterns and dense ranges of float32 inputs, each is within 1.6 ulp
of the correctly rounded result (``sigmoid32``: 2.5), about as accurate as eager's own
float32 functions or more (NumPy's are within 1.5 ulp for sin, cos and tanh, 2.4 for exp,
3.3 for log; eager's sigmoid formula 9.4), so within a few ulps of eager's bits.

``sin32`` and ``cos32`` return NaN for arguments outside ``[-TRIG_LIMIT, TRIG_LIMIT]`` (and
for NaN and infinities), where the reduction is no longer exact: a kernel that calls them
checks its results and computes such elements again with the C library
(:func:`gpuad.jit.codegen_numba.source`). The others hold on every float32.

Example::

    from numba import njit
    from gpuad.jit import vecmath as vm

    @njit
    def sines(x, out):
        for i in range(x.shape[0]):
            out[i] = vm.sin32(x[i])
"""

from __future__ import annotations

import hashlib
import math
import os

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: the functions this module has, by the expression language's names
FUNCS = frozenset({"sin", "cos", "tanh", "exp", "log", "sigmoid"})
#: the functions that return NaN outside their range (the kernel computes those elements again)
RANGED = frozenset({"sin", "cos"})
#: |x| up to which sin32 and cos32 are computed here (checked for every float32 within 3 ulps of
#: a multiple of pi/2 below it: the reduction keeps the 1.6 ulp bound)
TRIG_LIMIT = 1.0e5

with open(os.path.abspath(__file__), "rb") as _f:
    #: changes with this file's text: generated kernels name it, so Numba's on-disk cache of a
    #: kernel (which does not follow the functions it inlines from here) is not reused stale
    VERSION = hashlib.sha256(_f.read()).hexdigest()[:16]

_F = np.float32


@intrinsic
def _pow2(typingctx, n):
    """``2.0 ** n`` as a float32 for an int32 ``n`` in [-126, 127], made from its bits."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        bits = builder.shl(builder.add(args[0], ir.Constant(ir.IntType(32), 127)),
                           ir.Constant(ir.IntType(32), 23))
        return builder.bitcast(bits, ir.FloatType())

    return sig, codegen


@intrinsic
def _bits(typingctx, x):
    """The bits of a float32, as an int32."""
    sig = types.int32(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return sig, codegen


@intrinsic
def _from_bits(typingctx, n):
    """The float32 whose bits are the int32 ``n``."""
    sig = types.float32(types.int32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (the instruction where the CPU has it, else libm's fmaf)."""
    sig = types.float32(types.float32, types.float32, types.float32)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


# pi/2 as the sum of three float32s (each the rounded rest of the ones before)
_PIO2_1, _PIO2_2, _PIO2_3 = _F(1.5707964), _F(-4.371139e-08), _F(-1.7151245e-15)
_TWO_OVER_PI = _F(0.63661977236758134)
# minimax polynomials of sin and cos on [-pi/4, pi/4] (the single-precision Cephes ones)
_S1, _S2, _S3 = _F(-1.6666654611e-1), _F(8.3321608736e-3), _F(-1.9515295891e-4)
_C1, _C2, _C3 = _F(4.166664568298827e-2), _F(-1.388731625493765e-3), _F(2.443315711809948e-5)
# exp: ln 2 in two parts (the first of 9 bits) and the polynomial of e**r - 1 - r on
# [-ln2/2, ln2/2]
_LOG2E = _F(1.44269504088896341)
_LN2_1, _LN2_2 = _F(0.693359375), _F(-2.12194440e-4)
_E0, _E1, _E2 = _F(5.0000001201e-1), _F(1.6666665459e-1), _F(4.1665795894e-2)
_E3, _E4, _E5 = _F(8.3334519073e-3), _F(1.3981999507e-3), _F(1.9875691500e-4)
# log: log(1 + m) - m + m**2/2 = m**3 * P(m) on [sqrt(1/2) - 1, sqrt(2) - 1] (Cephes logf)
_L = tuple(_F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                           -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                           2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
# tanh on |x| < 0.625: x + x**3 * P(x**2)
_T0, _T1, _T2 = _F(-3.33332819422e-1), _F(1.33314422036e-1), _F(-5.37397155531e-2)
_T3, _T4 = _F(2.06390887954e-2), _F(-5.70498872745e-3)


@njit(error_model="numpy", fastmath={"contract"})
def _trig(x, shift):
    q = np.rint(x * _TWO_OVER_PI)
    r = _fma(-q, _PIO2_1, x)  # (exact: x is close to q * _PIO2_1)
    r = _fma(-q, _PIO2_2, r)
    r = _fma(-q, _PIO2_3, r)
    ok = abs(x) <= _F(TRIG_LIMIT)
    z = r * r
    s = r + r * z * (_S1 + z * (_S2 + z * _S3))
    c = _F(1.0) - _F(0.5) * z + z * z * (_C1 + z * (_C2 + z * _C3))
    k = (np.int32(q if ok else _F(0.0)) + shift) & 3
    res = s if (k & 1) == 0 else c
    res = -res if (k & 2) != 0 else res
    if shift == 0:  # sin(x) rounds to x there (and keeps the sign of a zero)
        res = x if abs(x) < _F(2.0 ** -12) else res
    return res if ok else _F(np.nan)


@njit(error_model="numpy", fastmath={"contract"})
def sin32(x):
    """sin of a float32 (NaN outside ``[-TRIG_LIMIT, TRIG_LIMIT]``)."""
    return _trig(x, 0)


@njit(error_model="numpy", fastmath={"contract"})
def cos32(x):
    """cos of a float32 (NaN outside ``[-TRIG_LIMIT, TRIG_LIMIT]``)."""
    return _trig(x, 1)


@njit(error_model="numpy", fastmath={"contract"})
def _exp(y):
    """e**y for a float32 y in [-104, 89] (the scale in two halves, so that results below
    2**-126 come out subnormal, and above 2**128 infinite, as float32 rounding gives)."""
    n = np.rint(y * _LOG2E)
    r = _fma(-n, _LN2_1, y)
    r = _fma(-n, _LN2_2, r)
    p = _F(1.0) + r + r * r * (_E0 + r * (_E1 + r * (_E2 + r * (_E3 + r * (_E4 + r * _E5)))))
    m = np.int32(n)
    h = m >> 1
    return p * _pow2(h) * _pow2(m - h)


@njit(error_model="numpy", fastmath={"contract"})
def exp32(x):
    """e**x of a float32."""
    y = x if x < _F(89.0) else _F(89.0)
    y = y if y > _F(-104.0) else _F(-104.0)
    return _exp(y) if x == x else x


@njit(error_model="numpy", fastmath={"contract"})
def tanh32(x):
    """tanh of a float32."""
    a = abs(x)
    z = x * x
    small = x + x * z * (_T0 + z * (_T1 + z * (_T2 + z * (_T3 + z * _T4))))
    e = _exp(_F(2.0) * (a if a < _F(9.5) else _F(9.5)))
    big = math.copysign(_F(1.0) - _F(2.0) / (e + _F(1.0)), x)
    res = math.copysign(small if a < _F(0.625) else big, x)  # (the sign of a zero too)
    return res if x == x else x


@njit(error_model="numpy", fastmath={"contract"})
def log32(x):
    """Natural logarithm of a float32 (NaN below 0, -inf at 0)."""
    tiny = x < _F(1.1754944e-38)  # subnormal (or not positive): scaled by 2**23 first
    y = x * _F(8388608.0) if tiny else x
    b = _bits(y)
    e = _F((b >> 23) - 126 - (23 if tiny else 0))
    m = _from_bits((b & 0x807FFFFF) | 0x3F000000)  # y = m * 2**e, m in [0.5, 1)
    low = m < _F(0.70710677)
    e = e - _F(1.0) if low else e
    m = (m + m if low else m) - _F(1.0)
    z = m * m
    p = _L[0]
    for c in _L[1:]:
        p = p * m + c
    r = m * z * p + e * _F(-2.12194440e-4) - _F(0.5) * z
    r = (m + r) + e * _F(0.693359375)
    r = r if x != _F(np.inf) else x
    r = r if x > _F(0.0) else (_F(-np.inf) if x == _F(0.0) else _F(np.nan))
    return r if x == x else x


@njit(error_model="numpy", fastmath={"contract"})
def sigmoid32(x):
    """The logistic function of a float32, ``1 / (1 + e**-x)``, its tiny values kept."""
    a = -abs(x)
    e = _exp(a if a > _F(-104.0) else _F(-104.0))  # e**-|x|, in (0, 1]
    r = _F(1.0) / (_F(1.0) + e)
    res = r if x >= _F(0.0) else e * r
    return res if x == x else x
