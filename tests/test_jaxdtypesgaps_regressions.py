"""Regressions found porting JAX's dtype tests (tests/conformance/test_jax_dtypes_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


def test_gnp_scalar_type_of_a_differentiated_tensor_raises(backend):
    # before: gnp.float32(x) * x under grad gave 2.0 for d(x*x)/dx at 2 (the first factor a
    # silent constant; jnp.float32(x) is a differentiable cast, so JAX gives 4.0)
    x = ad.tensor(gnp.asarray(np.asarray(2.0)))
    for f in (
        lambda x: gnp.float32(x) * x,
        lambda x: gnp.float64(x) * x,
        lambda x: (gnp.complex128(x) * x).real,
    ):
        with pytest.raises(TypeError, match=r"gnp\.\w+\(t\) makes a NumPy scalar.*astype"):
            ad.grad(f)(x)
    assert float(ad.grad(lambda x: x.astype(gnp.float32) * x)(x)) == 4.0  # what it suggests
    assert float(ad.grad(lambda x: np.float64(x) * x)(x)) == 2.0  # numpy's: explicit constant
    if backend == "numpy":  # (a CuPy array refuses the implicit host copy)
        assert gnp.float32(x) == np.float32(2.0)  # outside differentiation: NumPy's scalar


def test_cast_to_an_ml_dtypes_type_under_grad_raises(backend):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    # before: x.astype(bfloat16).astype(float32) * x gave the gradient x (the cast's path a
    # silent zero); JAX gives 2x
    x = ad.tensor(gnp.asarray(np.asarray([1.5, 2.25], np.float32)))
    for cast in (
        lambda x: x.astype(ml_dtypes.bfloat16),
        lambda x: gnp.astype(x, "float8_e4m3fn"),
        lambda x: gnp.asarray(x, dtype=ml_dtypes.bfloat16),  # before: also a silent zero
        lambda x: gnp.array([x[0], x[1]], dtype=ml_dtypes.bfloat16),
    ):
        with pytest.raises(TypeError, match="astype: a cast .* would silently drop"):
            ad.grad(lambda x, cast=cast: gnp.sum(cast(x).astype(gnp.float32) * x))(x)
    if backend == "numpy":  # (CuPy has no bfloat16 arrays: the cast itself raises there)
        assert x.astype(ml_dtypes.bfloat16).dtype == ml_dtypes.bfloat16  # not differentiated
