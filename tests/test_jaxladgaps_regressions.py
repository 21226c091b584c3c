"""Regressions found by the map of JAX's lax autodiff and vmap suites
(tests/conformance/test_jax_lax_autodiff_gaps.py)."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import lax

special = pytest.importorskip("scipy.special")

UNARY = [("erf", "erf"), ("erfc", "erfc"), ("erf_inv", "erfinv"), ("lgamma", "gammaln"),
         ("digamma", "digamma"), ("bessel_i0e", "i0e"), ("bessel_i1e", "i1e")]  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_lax_special_functions_keep_the_operand_dtype(backend, dtype):
    # lax.erf of float16 came back float64 (erf_inv float32): SciPy widens, lax does not.
    x = np.array([0.3, 0.55, 0.8], dtype)
    for name, sp in UNARY:
        got = np.asarray(to_numpy(getattr(lax, name)(x)))
        assert got.dtype == dtype, (name, got.dtype)
        want = getattr(special, sp)(x.astype(np.float64)).astype(dtype)
        np.testing.assert_allclose(got, want, rtol=2e-3 if dtype == np.float16 else 1e-6)
        g = ad.grad(lambda v, name=name: getattr(lax, name)(v).sum())(x)
        assert np.asarray(to_numpy(g)).dtype == dtype, name
    for name, args in [
        ("igamma", (x + 1, x)),
        ("igammac", (x + 1, x)),
        ("zeta", (x + 2, x)),
        ("betainc", (x + 1, x + 1, x)),
        ("polygamma", (np.ones(3, dtype), x)),
    ]:
        assert np.asarray(to_numpy(getattr(lax, name)(*args))).dtype == dtype, name


def test_lax_reciprocal(backend):
    # lax.reciprocal was missing (AttributeError).
    x = np.array([0.5, -2.0, 4.0], np.float32)
    got = lax.reciprocal(x)
    assert np.asarray(to_numpy(got)).dtype == np.float32
    np.testing.assert_allclose(to_numpy(got), 1 / x)
    np.testing.assert_allclose(to_numpy(ad.grad(lambda v: lax.reciprocal(v).sum())(x)), -1 / x**2)
    z = np.array([1 + 1j], np.complex64)
    np.testing.assert_allclose(to_numpy(lax.reciprocal(z)), 1 / z)
    with pytest.raises(TypeError, match="reciprocal"):
        lax.reciprocal(np.array([2], np.int32))


def test_lax_float16_contractions_accumulate_in_float32(backend):
    # lax.dot of float16 rounded every partial sum (NumPy's half loops): 2% off over 2048
    # terms, where XLA (jax.lax) accumulates in float32 and rounds once.
    r = np.random.default_rng(0)
    a = r.uniform(0.5, 1.5, (3, 2048)).astype(np.float16)
    b = r.uniform(0.5, 1.5, (2048, 2)).astype(np.float16)
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    for got in (
        lax.dot(a, b),
        lax.dot_general(a, b, (((1,), (0,)), ((), ()))),
        lax.batch_matmul(a[None], b[None])[0],
    ):
        got = np.asarray(to_numpy(got))
        assert got.dtype == np.float16
        np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), rtol=1e-3)
    u = np.ones((3, 2), np.float16)
    ga, gb = ad.grad(lambda a, b: (lax.dot(a, b) * u).sum(), (0, 1))(a, b)
    assert np.asarray(to_numpy(ga)).dtype == np.float16
    np.testing.assert_allclose(
        np.asarray(to_numpy(gb), np.float32),
        np.broadcast_to(a.astype(np.float32).sum(0)[:, None], (2048, 2)),
        rtol=1e-3,
    )


def test_lax_float16_sums_accumulate_in_float32(backend):
    # lax.reduce_sum of float16 along a strided axis summed row by row in float16: 5 units in
    # the last place off over 300 terms, where XLA accumulates in float32 and rounds once.
    r = np.random.default_rng(5)
    a = r.uniform(0.5, 1.5, (300, 3)).astype(np.float16)
    want = a.astype(np.float64).sum(0)
    for got in (
        lax.reduce_sum(a, (0,)),
        lax.reduce(a, np.float16(0), lax.add, (0,)),
        lax.cumsum(a, 0)[-1],
        lax.cumsum(a, 0, reverse=True)[0],
    ):
        got = np.asarray(to_numpy(got))
        assert got.dtype == np.float16
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=1e-3)
    p = a[:40]
    want = np.prod(p.astype(np.float64), 0)
    for got in (lax.reduce_prod(p, (0,)), lax.cumprod(p, 0)[-1]):
        np.testing.assert_allclose(np.asarray(to_numpy(got), np.float64), want, rtol=1e-3)


def test_lax_complex_reduce_max_min_are_differentiable(backend):
    # lax.reduce_max / reduce(x, -inf, lax.max, dims) of complex values raised ComplexError
    # under grad, where jax.lax differentiates them: the cotangent goes to the element chosen
    # (lexicographic order), split evenly among ties.
    x = np.array([[1 + 2j, 1 + 3j, 0 + 5j], [2 + 0j, 2 + 0j, -1 + 9j]])
    u = np.array([1 + 1j, 2 - 1j])
    for f in (
        lambda x: lax.reduce_max(x, (1,)),
        lambda x: lax.reduce(x, np.complex128(-np.inf), lax.max, (1,)),
    ):
        out, pull = ad.vjp(f, x)
        np.testing.assert_array_equal(to_numpy(out), [1 + 3j, 2 + 0j])
        (g,) = pull(u)
        np.testing.assert_allclose(to_numpy(g), [[0, 1 + 1j, 0], [1 - 0.5j, 1 - 0.5j, 0]])
    t = np.ones_like(x) * (1 + 1j)
    np.testing.assert_allclose(to_numpy(ad.jvp(lambda x: lax.reduce_min(x, (0,)), (x,), (t,))[1]),
                               [1 + 1j] * 3)  # fmt: skip
    z = (np.arange(6.0) + 1j * np.arange(6.0)[::-1]).astype(np.complex64).reshape(2, 3)
    assert np.asarray(to_numpy(lax.reduce_max(z, (0, 1)))).dtype == np.complex64
    assert np.asarray(to_numpy(ad.vjp(lambda z: lax.reduce_max(z, (1,)), z)[1](
        np.ones(2, np.complex64))[0])).dtype == np.complex64  # fmt: skip
