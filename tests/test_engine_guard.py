"""The zero guard of entrywise adjoints at its edges: a finiteness test that overflows, float32
and float64, non-contiguous adjoints, and the first-order path against the recorded one."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import flushes_float32_subnormals, to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _grad(f, x0, dtype):
    x = ad.tensor(np.asarray(x0, dtype=dtype), requires_grad=True)
    with np.errstate(all="ignore"):
        f(x).backward()
    return to_numpy(x.grad)


def _skip_flushed(backend, dtype):
    # float32's only values whose sqrt' squared overflows are subnormals (below 7.3e-40)
    if dtype == np.float32 and flushes_float32_subnormals(backend):
        pytest.skip("CuPy's kernels flush float32 subnormals to zero (-ftz=true): no float32 "
                    "value of this backend makes the check overflow")


@pytest.mark.parametrize("dtype,tiny", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_guard_zeroes_where_nothing_flows_even_when_the_check_overflows(backend, dtype, tiny):
    _skip_flushed(backend, dtype)
    # sqrt'(tiny) is finite but its square overflows, so a one-number finiteness test of the
    # contribution fails; the entry at 0 (unselected by where: adjoint 0, sqrt'(0) = inf) must
    # still come out exactly 0, and the finite entries unchanged
    x0 = np.array([0.0, tiny, 4.0], dtype=dtype)
    g = _grad(lambda x: gnp.sum(gnp.where(x > 0, gnp.sqrt(x), 0.0)), x0, dtype)
    assert g.dtype == dtype
    expected = np.array([0.0, 0.5 / np.sqrt(x0[1]), 0.25], dtype=dtype)
    assert np.isfinite(expected).all()
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("dtype,tiny", [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_guard_leaves_huge_finite_contributions_alone(backend, dtype, tiny):
    _skip_flushed(backend, dtype)
    x0 = np.array([tiny, 4.0], dtype=dtype)
    g = _grad(lambda x: gnp.sum(gnp.sqrt(x)), x0, dtype)
    np.testing.assert_array_equal(g, (0.5 / np.sqrt(x0)).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_guard_on_non_contiguous_adjoints(backend, dtype):
    base = np.array([[0.0, 1.0, 4.0], [9.0, 0.0, 16.0]], dtype=dtype)
    mask = np.array([[False, True, True], [True, False, True]])

    def f(x):
        s = gnp.sqrt(gnp.transpose(x))  # the adjoint of sqrt arrives transposed
        return gnp.sum(gnp.where(gnp.transpose(mask), s, 0.0))

    g = _grad(f, base, dtype)
    with np.errstate(divide="ignore"):
        expected = np.where(mask, 0.5 / np.sqrt(base), 0.0).astype(dtype)
    np.testing.assert_array_equal(g, expected)


def test_nan_that_flows_is_kept(backend):
    # the guard only replaces entries whose incoming adjoint is zero
    g = _grad(lambda x: gnp.sum(gnp.sqrt(x) * np.array([1.0, 0.0, 2.0])), [-1.0, -1.0, 4.0],
              np.float64)
    assert np.isnan(g[0]) and g[1] == 0.0 and g[2] == 0.5


def test_first_order_path_matches_the_recorded_path(backend):
    # create_graph=True runs the same formulas on Tensors (the differentiable path)
    x0 = np.array([0.0, 0.25, 1.0, 4.0])

    def f(x):
        y = gnp.where(x > 0.1, gnp.sqrt(x), 0.0) * gnp.sin(x) + gnp.tanh(x) * 0.5
        return gnp.sum(y * y)

    fast = _grad(f, x0, np.float64)
    x = ad.tensor(x0, requires_grad=True)
    with np.errstate(all="ignore"):
        f(x).backward(create_graph=True)
    np.testing.assert_allclose(fast, to_numpy(x.grad), rtol=1e-14, atol=0)
    assert np.isfinite(fast).all() and fast[0] == 0.0
