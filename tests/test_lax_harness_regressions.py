"""``gpuad.lax`` cases that JAX's primitive harnesses found wrong or refused, each checked
numerically (closed forms or central differences), without JAX."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import lax
from gpuad.complex_rules import ComplexError


def _host(x):
    return np.asarray(to_numpy(x))


def test_gather_of_complex_values_differentiates(backend):
    # a gather's index arrays become arguments of take_index, which refused complex values
    rng = np.random.default_rng(0)
    x = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    idx = np.array([[3], [1], [3]])
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))

    def f(x):
        return lax.gather(x, idx, dn, (1,))

    ct = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    out, pull = ad.vjp(f, x)
    np.testing.assert_array_equal(_host(out), x[[3, 1, 3]])
    want = np.zeros(6, complex)
    np.add.at(want, [3, 1, 3], ct)  # the gather is linear with real coefficients
    np.testing.assert_allclose(_host(pull(ct)[0]), want, rtol=1e-14)
    t = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    np.testing.assert_allclose(_host(ad.jvp(f, (x,), (t,))[1]), t[[3, 1, 3]], rtol=1e-14)


def test_vmap_of_bitcast_convert_type(backend):
    # vmap raised TypeError (Tensor.view) instead of batching the bit reinterpretation
    x = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    for dt, axis in ((np.int32, 1), (np.uint8, 1), (np.uint16, 0)):
        got = _host(ad.vmap(lambda v, dt=dt: lax.bitcast_convert_type(v, dt), in_axes=axis)(x))
        want = np.stack(
            [
                np.ascontiguousarray(np.take(x, i, axis))
                .view(dt)
                .reshape(np.take(x, i, axis).shape + (-1,))
                .squeeze(-1)
                if np.dtype(dt).itemsize == 4
                else np.ascontiguousarray(np.take(x, i, axis))[..., None].view(dt)
                for i in range(x.shape[axis])
            ]
        )
        np.testing.assert_array_equal(got, want)
    y = np.arange(8, dtype=np.int32).reshape(2, 2, 2)
    got = _host(ad.vmap(lambda v: lax.bitcast_convert_type(v, np.int64))(y))
    np.testing.assert_array_equal(got, y.view(np.int64)[..., 0])


def _lex_max(a, b):
    return np.where((a.real > b.real) | ((a.real == b.real) & (a.imag >= b.imag)), a, b)


def test_complex_max_min_reductions_take_complex_values(backend):
    # reduce_max/min, cummax/cummin and reduce_window max/min refused complex operands, which
    # lax orders lexicographically; the derivative of cummax in complex values raises, as
    # gnp.maximum's (a clear ComplexError); reduce_max/reduce_min have lax's (the chosen
    # element's, tests/test_jaxladgaps_regressions.py)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    x[1, 2] = x[1, 0].real + 1j * (x[1, 0].imag + 1)  # a tie of the real parts
    k = np.lexsort((x.imag, x.real), axis=1)  # each row in lexicographic order
    np.testing.assert_array_equal(_host(lax.reduce_max(x, (1,))), x[np.arange(3), k[:, -1]])
    np.testing.assert_array_equal(_host(lax.reduce_min(x, (1,))), x[np.arange(3), k[:, 0]])
    cm = x.copy()  # the row-wise running maximum
    for j in range(1, 4):
        cm[:, j] = _lex_max(cm[:, j - 1], x[:, j])
    np.testing.assert_array_equal(_host(lax.cummax(x, 1)), cm)
    w = lax.reduce_window(x, np.complex128(-np.inf), lax.max, (1, 2), (1, 1), "VALID")
    np.testing.assert_array_equal(_host(w), _lex_max(x[:, :-1], x[:, 1:]))
    with pytest.raises(ComplexError, match="real values only"):
        ad.vjp(lambda a: lax.cummax(a, 1), x)[1](np.ones((3, 4), complex))


def test_reduce_window_recognises_a_written_out_computation(backend):
    # reduce_window took only lax.add/max/min/mul themselves and raised for a lambda
    x = np.arange(12.0).reshape(3, 4)
    got = lax.reduce_window(x, 0.0, lambda a, b: a + b, (2, 2), (1, 1), "VALID")
    want = x[:-1, :-1] + x[1:, :-1] + x[:-1, 1:] + x[1:, 1:]
    np.testing.assert_array_equal(_host(got), want)
    got = lax.reduce_window(x, -np.inf, lambda a, b: lax.max(a, b), (1, 3), (1, 1), "VALID")
    np.testing.assert_array_equal(_host(got), x[:, 2:])


def test_dot_general_of_two_dtypes_computes_in_the_more_precise(backend):
    # without preferred_element_type gpuad returned NumPy's promotion (int32 x float32 gave
    # float64, int32 x uint32 int64); lax multiplies in the more precise operand type
    a = np.arange(6, dtype=np.int32).reshape(2, 3) - 2
    dn = (((1,), (0,)), ((), ()))
    cases = [
        (np.float32, np.float32),
        (np.uint32, np.int32),
        (np.uint64, np.uint64),
        (np.int8, np.int32),
        (np.float64, np.float64),
    ]
    for dt, want in cases:
        b = (np.arange(6).reshape(3, 2) + 1).astype(dt)
        out = _host(lax.dot_general(a, b, dn))
        assert out.dtype == want, (dt, out.dtype)
        np.testing.assert_array_equal(out, (a.astype(np.int64) @ b.astype(np.int64)).astype(want))
    c = (np.arange(6).reshape(3, 2) * (1 + 1j)).astype(np.complex64)
    out = _host(lax.dot_general(a.astype(np.float64), c, dn))
    assert out.dtype == np.complex64
    np.testing.assert_allclose(out, a @ c.astype(np.complex128), rtol=1e-6)


def test_top_k_puts_a_negative_nan_last(backend):
    # lax's total order: -NaN below -inf; gpuad put every NaN first
    x = np.array([2.0, np.nan, -np.nan, np.inf, -np.inf], np.float32)
    vals, idx = lax.top_k(x, 5)
    np.testing.assert_array_equal(_host(idx), [1, 3, 0, 4, 2])
    v = _host(vals)
    assert np.isnan(v[0]) and not np.signbit(v[0]) and np.isnan(v[4]) and np.signbit(v[4])


def test_complex_sets_the_parts_exactly(backend):
    # x + 1j * y made nan + inf j of complex(1, inf) and dropped the sign of a -0.0 part
    z = _host(lax.complex(np.array([1.0, 2.0, np.inf]), np.array([np.inf, -0.0, 1.0])))
    np.testing.assert_array_equal(z.real, [1.0, 2.0, np.inf])
    np.testing.assert_array_equal(z.imag, [np.inf, -0.0, 1.0])
    assert np.signbit(z.imag[1])
    assert _host(lax.complex(np.float32(1), np.float32(2))).dtype == np.complex64
    # d/dx, d/dy of Re(c (x + i y)) are Re c and -Im c
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    c = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))

    def f(x, y):
        return ad.numpy.sum(ad.numpy.real(lax.complex(x, y) * c))

    gx, gy = ad.grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(_host(gx), c.real, rtol=1e-12)
    np.testing.assert_allclose(_host(gy), -c.imag, rtol=1e-12)
    t = ad.jvp(f, (x, y), (np.ones((2, 3)), np.ones((2, 3))))[1]
    np.testing.assert_allclose(float(_host(t)), (c.real - c.imag).sum(), rtol=1e-12)
