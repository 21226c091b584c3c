"""Arguments NumPy refuses or types it keeps: an out-of-range axis of vector_norm wrapped
round silently, and cumsum/cumprod with ``dtype=`` gave the platform integer."""

import numpy as np
import pytest

import gpuad.numpy as gnp
from tests.conftest import to_numpy


@pytest.mark.parametrize("axis", [2, -3, (0, 2), (1, 1), (0, -2)])
def test_vector_norm_refuses_bad_axes(backend, axis):
    x = gnp.asarray(np.ones((2, 3)))
    with pytest.raises(ValueError, match="vector_norm: (axis .* out of bounds|repeated axis)"):
        gnp.linalg.vector_norm(x, axis=axis)
    with pytest.raises(ValueError):
        np.linalg.vector_norm(np.ones((2, 3)), axis=axis)


def test_vector_norm_scalar_axis(backend):
    with pytest.raises(ValueError, match="out of bounds for an array of dimension 0"):
        gnp.linalg.vector_norm(gnp.asarray(np.array(3.0)), axis=0)


@pytest.mark.parametrize("fn", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dt", [np.int8, np.int32, np.uint16, np.float32])
def test_cumulative_ops_keep_the_requested_dtype(backend, fn, dt):
    a = np.arange(1, 6, dtype=np.int16)
    got = getattr(gnp, fn)(gnp.asarray(a), dtype=dt)
    want = getattr(np, fn)(a, dtype=dt)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(to_numpy(got), want)
