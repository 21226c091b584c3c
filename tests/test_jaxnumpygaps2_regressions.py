"""Regressions found by mapping JAX's jax.numpy reducer/operator/ufunc/einsum/vectorize/
polynomial/fft suites onto gpuad (tests/conformance/test_jax_numpy_gaps2.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad.numpy as gnp
from tests.conftest import to_numpy


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_fftfreq_refuses_a_non_integer_n(backend, name):
    # fftfreq(10.5) was silently fftfreq(10) (int() truncation); NumPy raises ValueError
    for bad in (10.5, 10.0, np.float64(7.0), [0, 1, 2]):
        with pytest.raises(ValueError):
            getattr(np.fft, name)(bad)
        with pytest.raises(ValueError, match="n should be an integer"):
            getattr(gnp.fft, name)(bad)
    for good in (10, np.int32(7), np.int64(4)):
        np.testing.assert_allclose(
            to_numpy(getattr(gnp.fft, name)(good, 0.5)),
            getattr(np.fft, name)(good, 0.5),
            rtol=1e-15,
        )
