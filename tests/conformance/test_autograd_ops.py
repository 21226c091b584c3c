"""HIPS autograd's ``tests/test_binary_ops.py``, ``tests/test_truediv.py``,
``tests/test_scalar_ops.py`` and ``tests/test_logic.py``, run against gpuad.

Binary operators on every pair of a scalar, a vector, a matrix and a broadcasting row (sixteen
pairs, both operands differentiated), powers with real and with integer exponents (negative
bases included for the integer ones), ``arctan2``, ``hypot``, the comparisons (a zero
gradient and the same value under ``value_and_grad``), the unary functions on scalars, and
the logic tests (NumPy predicates inside a differentiated function, errors where there is no
derivative). Values, shapes and dtypes are compared with NumPy's; derivatives with float64
finite differences to second order in forward and reverse mode.
"""

from __future__ import annotations

import itertools
import operator as op

import numpy as np
import pytest
from _autograd_numpy_utils import _host as host
from _autograd_numpy_utils import check_case

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError


def arg_pairs():
    rs = np.random.RandomState(0)
    args = [2.0, rs.randn(4), rs.randn(3, 4), rs.randn(1, 4)]
    return list(itertools.product(args, args))


def _gap(x):
    return np.sqrt(np.asarray(x) ** 2 + 0.5) if np.ndim(x) else float(np.sqrt(x**2 + 0.5))


def _positive(x):
    return np.abs(x) + 1.1 if np.ndim(x) else abs(x) + 1.1


# ---------------------------------------------------------------- test_binary_ops.py

@pytest.mark.parametrize("f", [op.mul, op.add, op.sub], ids=["mul", "add", "sub"])
def test_arithmetic(backend, f):
    for a, b in arg_pairs():
        check_case(f, (a, b), (0, 1), nfun=f)


def test_div(backend):
    # test_truediv.py repeats this under true division; it is the only division in Python 3
    for a, b in arg_pairs():
        check_case(op.truediv, (_gap(a), _gap(b)), (0, 1), nfun=op.truediv)


def test_mod(backend):
    for a, b in arg_pairs():
        if a is not b:  # undefined where x == y
            check_case(op.mod, (_gap(a), _gap(b)), (0, 1), nfun=op.mod)


def test_pow(backend):
    for a, b in arg_pairs():
        check_case(op.pow, (_positive(a), b), (0, 1), nfun=op.pow)


def test_pow_integer_exponents(backend):
    # the earlier form of the same test: integer exponents, and here also negative bases,
    # where only the base is differentiable
    for a, b in arg_pairs():
        n = np.round(b) if np.ndim(b) else float(round(b))
        check_case(op.pow, (_positive(a), n), (0, 1), nfun=op.pow)
        check_case(op.pow, (-_positive(a), n), (0,), nfun=op.pow)


def test_pow_python_int_exponent(backend):
    for a, _ in arg_pairs()[::4]:
        for k in (-2, 0, 1, 2, 3):
            check_case(lambda x, k=k: x**k, (-_positive(a),), (0,), nfun=lambda x, k=k: x**k)


def test_arctan2(backend):
    for a, b in arg_pairs():
        check_case(gnp.arctan2, (a, b), (0, 1), nfun=np.arctan2)


def test_hypot(backend):
    # autograd checks reverse mode only; gpuad has both
    for a, b in arg_pairs():
        check_case(gnp.hypot, (a, b), (0, 1), nfun=np.hypot)


COMPARE = [
    lambda m, x, y: m.sum(x < x) + 0.0,
    lambda m, x, y: m.sum(x <= y) + 0.0,
    lambda m, x, y: m.sum(x > y) + 0.0,
    lambda m, x, y: m.sum(x >= y) + 0.0,
    lambda m, x, y: m.sum(x == y) + 0.0,
    lambda m, x, y: m.sum(x != y) + 0.0,
]


def test_comparison_grads(backend):
    for a, b in arg_pairs():
        zeros = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)))
        for f in COMPARE:
            def g(x, y, f=f):
                return f(gnp, x, y)
            # a comparison is piecewise constant: its gradient is exactly zero
            ga = host(ad.grad(g)(a, b))
            gb = host(ad.grad(g, argnums=1)(a, b))
            assert ga.shape == np.shape(a) and gb.shape == np.shape(b)
            assert np.all(ga == 0) and np.all(gb == 0)
            assert np.all(ga + zeros == zeros)


def test_comparison_values(backend):
    for a, b in arg_pairs():
        for f in COMPARE:
            value, _ = ad.value_and_grad(lambda x, y, f=f: f(gnp, x, y))(a, b)
            assert float(value) == f(np, a, b)


# ---------------------------------------------------------------- test_scalar_ops.py

def _rs():
    return np.random.RandomState(42)


SCALAR = [
    # name, input point
    ("sin", lambda rs: rs.randn()),
    ("exp", lambda rs: rs.randn()),
    ("log", lambda rs: abs(rs.randn())),
    ("log2", lambda rs: abs(rs.randn())),
    ("log10", lambda rs: abs(rs.randn())),
    ("log1p", lambda rs: abs(rs.randn())),
    ("expm1", lambda rs: abs(rs.randn())),
    ("exp2", lambda rs: abs(rs.randn())),
    ("cos", lambda rs: rs.randn()),
    ("tan", lambda rs: rs.randn()),
    ("cosh", lambda rs: rs.randn()),
    ("sinh", lambda rs: rs.randn()),
    ("tanh", lambda rs: rs.randn()),
    ("arccos", lambda rs: 0.1),
    ("arcsin", lambda rs: 0.1),
    ("arctan", lambda rs: 0.2),
    ("arccosh", lambda rs: rs.randn() ** 2 + 1.2),
    ("arcsinh", lambda rs: rs.randn()),
    ("arctanh", lambda rs: 0.2),
    ("sqrt", lambda rs: 10.0 * rs.rand()),
    ("rad2deg", lambda rs: 10.0 * rs.rand()),
    ("deg2rad", lambda rs: 10.0 * rs.rand()),
    ("radians", lambda rs: 10.0 * rs.rand()),
    ("degrees", lambda rs: 10.0 * rs.rand()),
    ("sinc", lambda rs: 10.0 * rs.rand()),
    ("reciprocal", lambda rs: rs.rand()),
    ("negative", lambda rs: rs.rand()),
]


@pytest.mark.parametrize("name,point", SCALAR, ids=[s[0] for s in SCALAR])
def test_scalar_unary(backend, name, point):
    g, n = getattr(gnp, name), getattr(np, name)
    scale = 1.0 if name in ("reciprocal", "negative") else 3.0
    check_case(lambda x: scale * g(x), (float(point(_rs())),), (0,),
               nfun=lambda x: scale * n(x))


def test_sinc_at_zero(backend):
    # autograd draws sinc's point away from 0; at 0 the value is a limit, and its second
    # derivative (-pi**2 / 3) must be the limit's too
    check_case(lambda x: 3.0 * gnp.sinc(x), (np.array([0.0, 0.3]),), (0,),
               nfun=lambda x: 3.0 * np.sinc(x))
    assert np.isclose(float(ad.grad(ad.grad(gnp.sinc))(0.0)), -np.pi**2 / 3, rtol=1e-14)


@pytest.mark.parametrize("name", ["abs", "absolute"])
def test_scalar_abs(backend, name):
    g, n = getattr(gnp, name), getattr(np, name)
    for x in (1.1, -1.1):
        check_case(lambda x: 3.0 * g(x), (x,), (0,), nfun=lambda x: 3.0 * n(x))
    check_case(lambda x: 3.0 * g(x), (0.0,), (0,), nfun=lambda x: 3.0 * n(x), order=1)


def test_scalar_sign_neg(backend):
    for x in (1.1, -1.1):
        check_case(lambda x: 3.0 * gnp.sign(x), (x,), (0,), nfun=lambda x: 3.0 * np.sign(x))
    x = float(_rs().randn())
    check_case(lambda x: 3.0 * -x, (x,), (0,), nfun=lambda x: 3.0 * -x)


def test_power_arg0(backend):
    rs = _rs()
    y = rs.randn() ** 2 + 1.0
    check_case(lambda x: gnp.power(x, y), (rs.rand() ** 2 + 1.0,), (0,),
               nfun=lambda x: np.power(x, y))
    # y == 0 at x == 0: x**0 is the constant 1, so both derivatives are 0 (autograd issue 116)
    f = lambda x: gnp.power(x, 0.0)  # noqa: E731
    assert float(ad.grad(f)(0.0)) == 0.0
    assert float(ad.grad(ad.grad(f))(0.0)) == 0.0


def test_power_arg1(backend):
    rs = _rs()
    x = rs.randn() ** 2
    check_case(lambda y: gnp.power(x, y), (rs.rand() ** 2,), (0,), nfun=lambda y: np.power(x, y))


def test_power_arg1_zero(backend):
    check_case(lambda y: gnp.power(0.0, y), (_rs().rand() ** 2,), (0,),
               nfun=lambda y: np.power(0.0, y))


@pytest.mark.parametrize("name", ["mod", "divide", "multiply", "true_divide"])
def test_scalar_binary(backend, name):
    rs = _rs()
    check_case(getattr(gnp, name), (rs.rand(), rs.rand()), (0, 1), nfun=getattr(np, name))


# ---------------------------------------------------------------- test_logic.py

def test_assert_inside(backend):
    def fun(x):
        assert gnp.allclose(x, (x * 3.0) / 3.0)
        return gnp.sum(x)

    check_case(fun, (np.array([1.0, 2.0, 3.0]),), (0,))


def test_no_gradient_of_a_predicate(backend):
    with pytest.raises(TypeError, match="bool"):
        ad.grad(lambda x: gnp.allclose(x, (x * 3.0) / 3.0))(np.array([1.0, 2.0, 3.0]))


def test_no_vjp_def(backend):
    # autograd's primitive without a vjp raises NotImplementedError; gpuad's custom_vjp
    # without defvjp raises a GradError that says what to call
    @ad.custom_vjp
    def f(x):
        return 2.0 * x

    with pytest.raises(GradError, match="defvjp"):
        ad.grad(f)(1.0)


def test_no_jvp_def(backend):
    f = ad.custom_op(lambda x: 2.0 * x, lambda saved, g: (2.0 * g,))
    with pytest.raises(GradError, match="forward mode"):
        ad.jvp(f, (np.ones(2),), (np.ones(2),))


def test_falseyness(backend):
    def fun(x):
        return gnp.real(x**2 if gnp.iscomplex(x) else gnp.sum(x))

    check_case(fun, (2.0,), (0,))
    check_case(fun, (2.0 + 1j,), (0,))


ONE_SIDED = [
    ("add", op.add, op.add, lambda a, b: (a, b)),
    ("sub", op.sub, op.sub, lambda a, b: (a, b)),
    ("mul", op.mul, op.mul, lambda a, b: (a, b)),
    ("truediv", op.truediv, op.truediv, lambda a, b: (_gap(a), _gap(b))),
    ("mod", op.mod, op.mod, lambda a, b: (_gap(a), _gap(b) + 0.1)),
    ("pow", op.pow, op.pow, lambda a, b: (_positive(a), b)),
    ("arctan2", gnp.arctan2, np.arctan2, lambda a, b: (a, b)),
    ("hypot", gnp.hypot, np.hypot, lambda a, b: (a, b)),
    ("logaddexp", gnp.logaddexp, np.logaddexp, lambda a, b: (a, b)),
    ("float_power", gnp.float_power, np.float_power, lambda a, b: (_positive(a), b)),
]


@pytest.mark.parametrize("gfun,nfun,prep", [o[1:] for o in ONE_SIDED],
                         ids=[o[0] for o in ONE_SIDED])
def test_one_operand_constant(backend, gfun, nfun, prep):
    # the same pairs with one operand a constant (a Python float or a NumPy array on either
    # side of a Tensor), as in code that differentiates in one argument only
    for a, b in arg_pairs():
        a, b = prep(a, b)
        check_case(gfun, (a, b), (0,), nfun=nfun)
        check_case(gfun, (a, b), (1,), nfun=nfun)
