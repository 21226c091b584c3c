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
