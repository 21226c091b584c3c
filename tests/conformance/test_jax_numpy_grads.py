"""JAX's NumPy gradient tests, ported to gpuad: ``tests/lax_numpy_test.py``'s
``GRAD_TEST_RECORDS`` (testOpGrad), ``GRAD_SPECIAL_VALUE_TEST_RECORDS``
(testOpGradSpecialValue), the sinc-at-zero tests, and the elementwise records of
``tests/lax_autodiff_test.py`` (``LAX_GRAD_OPS``) through their ``jax.numpy`` names.

Each record is checked with ``gpuad.testing.check_grads`` at its order in both modes, on a
sample of JAX's shapes and with JAX's input distributions; complex records use gpuad's
convention (the check compares ``Re <u, J v>``, which holds in either convention).
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest
from _jax_random import (
    rand_default,
    rand_not_small,
    rand_positive,
    rand_small_positive,
    rand_uniform,
)
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _draw(factory, rng, shape, dtype):
    """A draw of JAX's factory as ``dtype`` (complex: real and imaginary parts drawn apart)."""
    x = factory(rng, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * factory(rng, shape)
    return np.asarray(x, dtype=dtype)


# (function, nargs, order, rng factory, dtypes, tolerance): lax_numpy_test's GRAD_TEST_RECORDS
GRAD_TEST_RECORDS = [
    (gnp.arcsinh, 1, 2, rand_positive, [np.float64, np.complex128], 1e-4),
    (gnp.arccosh, 1, 1, rand_positive, [np.float64, np.complex128], 1e-4),
    (gnp.arctanh, 1, 2, rand_uniform(-0.9, 0.9), [np.float64, np.complex128], 1e-4),
    (gnp.logaddexp, 2, 1, rand_uniform(-0.9, 0.9), [np.float64], 1e-4),
    (gnp.logaddexp2, 2, 2, rand_uniform(-0.9, 0.9), [np.float64], 1e-4),
]

# lax_autodiff_test's LAX_GRAD_OPS, by their jax.numpy names (order 2 throughout there)
LAX_GRAD_OPS = [
    (gnp.negative, 1, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.exp, 1, 2, rand_small_positive, [np.float64, np.complex128], None),
    (gnp.expm1, 1, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.log, 1, 2, rand_positive, [np.float64, np.complex128], None),
    (gnp.log1p, 1, 2, rand_positive, [np.float64, np.complex128], None),
    (gnp.tanh, 1, 2, rand_default, [np.float64, np.complex128], 1e-4),
    (gnp.sin, 1, 2, rand_default, [np.float64, np.complex128], 1e-4),
    (gnp.cos, 1, 2, rand_default, [np.float64, np.complex128], 1e-4),
    (gnp.tan, 1, 2, rand_uniform(-1.3, 1.3), [np.float64, np.complex128], 1e-3),
    (gnp.arcsin, 1, 2, rand_uniform(-0.9, 0.9), [np.float64, np.complex128], 1e-3),
    (gnp.arccos, 1, 2, rand_uniform(-0.9, 0.9), [np.float64, np.complex128], 1e-3),
    (gnp.arctan, 1, 2, rand_uniform(-1.3, 1.3), [np.float64, np.complex128], 1e-3),
    (gnp.sinh, 1, 2, rand_default, [np.float64, np.complex128], 1e-3),
    (gnp.cosh, 1, 2, rand_default, [np.float64, np.complex128], 1e-3),
    (gnp.sqrt, 1, 2, rand_positive, [np.float64, np.complex128], None),
    (gnp.cbrt, 1, 2, rand_not_small(), [np.float64], None),
    (gnp.square, 1, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.reciprocal, 1, 2, rand_positive, [np.float64, np.complex128], None),
    (gnp.abs, 1, 2, rand_not_small(), [np.float64, np.complex128], None),
    (gnp.real, 1, 2, rand_default, [np.complex128], None),
    (gnp.imag, 1, 2, rand_default, [np.complex128], None),
    (gnp.conj, 1, 2, rand_default, [np.complex128], None),
    (gnp.angle, 1, 2, rand_not_small(1.0), [np.complex128], None),
    (gnp.add, 2, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.subtract, 2, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.multiply, 2, 2, rand_default, [np.float64, np.complex128], None),
    (gnp.divide, 2, 2, rand_not_small(1.0), [np.float64, np.complex128], None),
    (gnp.power, 2, 2, rand_positive, [np.float64, np.complex128], None),
    (gnp.maximum, 2, 2, rand_default, [np.float64], None),
    (gnp.minimum, 2, 2, rand_default, [np.float64], None),
    (gnp.arctan2, 2, 2, rand_default, [np.float64], None),
    (gnp.fmod, 2, 2, rand_uniform(1.5, 4.0), [np.float64], None),
    (gnp.hypot, 2, 2, rand_not_small(1.0), [np.float64], None),
    (gnp.sinc, 1, 2, rand_not_small(0.5), [np.float64], None),
]

# lax_numpy_test's nonempty shapes, sampled (JAX's combinations_with_replacement over them)
SHAPES_1 = [(), (4,), (3, 4), (2, 1, 4)]
SHAPES_2 = [((), ()), ((4,), (4,)), ((3, 4), (1, 4)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 4))]


def _cases(records):
    for op, nargs, order, factory, dtypes, tol in records:
        for dtype in dtypes:
            for shapes in (SHAPES_1 if nargs == 1 else SHAPES_2)[:3 if nargs == 1 else 5]:
                shapes = (shapes,) if nargs == 1 else shapes
                name = f"{op.__name__}-{np.dtype(dtype).name}-{'x'.join(map(str, shapes))}"
                yield pytest.param(op, order, factory, dtype, shapes, tol, id=name)


@pytest.mark.parametrize("op,order,factory,dtype,shapes,tol",
                         list(_cases(GRAD_TEST_RECORDS)) + list(_cases(LAX_GRAD_OPS)))
def test_op_grad(backend, op, order, factory, dtype, shapes, tol):
    rng = np.random.default_rng(zlib.crc32(repr((op.__name__, shapes)).encode()))
    args = tuple(_draw(factory, rng, s, dtype) for s in shapes)
    kw = {} if tol is None else {"atol": tol, "rtol": tol}
    check_grads(op, args, order=order, modes=("fwd", "rev"), **kw)


@pytest.mark.parametrize("op,value,order", [
    (gnp.arcsinh, 0.0, 2), (gnp.arcsinh, 1000.0, 2), (gnp.arccosh, 1000.0, 2),
    (gnp.arctanh, 0.0, 2), (gnp.sinc, 0.0, 1),
])
def test_op_grad_special_value(backend, op, value, order):
    check_grads(op, (np.float64(value),), order=order, modes=("fwd", "rev"), atol=3e-3,
                rtol=3e-3)


def _deriv(f):
    return lambda x: ad.jvp(f, (x,), (1.0,))[1]


@pytest.mark.parametrize("order,expected", [(1, 0.0), (2, -np.pi ** 2 / 3), (3, 0.0),
                                            (4, np.pi ** 4 / 5)])
def test_sinc_at_zero(backend, order, expected):
    """Every mix of forward (jvp) and reverse (grad) derivatives of sinc at 0, to order 4:
    sinc(x) = 1 - (pi x)^2/6 + (pi x)^4/120 - ..."""
    for ops in itertools.combinations_with_replacement([_deriv, ad.grad], order):
        f = gnp.sinc
        for op in ops:
            f = op(f)
        np.testing.assert_allclose(float(f(0.0)), expected, atol=1e-9, rtol=1e-9)


def test_sinc_grad_array_input(backend):
    g = ad.grad(lambda x: gnp.sum(gnp.sinc(x)))(np.arange(10.0))
    x = np.arange(10.0)
    expected = np.zeros(10)
    nz = x != 0
    expected[nz] = (np.cos(np.pi * x[nz]) - np.sinc(x[nz])) / x[nz]
    np.testing.assert_allclose(to_numpy(g), expected, atol=1e-12)


def test_logaddexp_complex_raises(backend):
    """JAX's testGradLogaddexpComplex: jax.numpy accepts complex logaddexp; NumPy (and so
    gpuad.numpy) rejects complex input to logaddexp and logaddexp2 (docs/semantics.md)."""
    z = np.array([1.0 + 2.0j])
    for op in (gnp.logaddexp, gnp.logaddexp2):
        with pytest.raises(TypeError):
            op(z, z)


@pytest.mark.parametrize("op", [gnp.maximum, gnp.minimum])
def test_max_min_complex_raises_when_differentiated(backend, op):
    """maximum/minimum of complex values are defined by NumPy (lexicographic) but not
    differentiated by gpuad (docs/semantics.md): the derivative raises, naming the op."""
    z = np.array([1.0 + 2.0j, 2.0 - 1.0j])
    with pytest.raises(Exception, match=op.__name__):
        ad.vjp(lambda a: op(a, z[::-1]), z)[1](np.ones(2, complex))


def test_logaddexp_gradient_at_large_equal_arguments(backend):
    """lax_numpy_test's logaddexp records: the gradient at x == y is 1/2 each, even far from 0."""
    for v in (0.0, 1000.0, -1000.0):
        gx, gy = ad.grad(lambda x, y: gnp.logaddexp(x, y), (0, 1))(v, v)
        np.testing.assert_allclose([float(gx), float(gy)], [0.5, 0.5], rtol=1e-12)
