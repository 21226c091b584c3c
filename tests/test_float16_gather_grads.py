"""float16 gradients through gathers (take, fancy indexing, embedding), pooling windows and
cross-entropy: their adjoints scatter-add, which the CuPy backend's kernels do in float32 and
float64 only (float16 accumulates in float32 and is rounded back; cross-entropy's fused
backward leaves float16 to the formula). Each float16 gradient is float16 and equals the
float64 gradient of the same values to float16 precision, which itself matches central
differences; on CuPy, also with the Numba routes forced and deterministic scatters."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp

R = np.random.default_rng(3)
X = R.standard_normal((6, 5))
IDX = np.array([0, 2, 0, 5, 2, 2])
W = R.standard_normal((6, 5))  # a fixed weighting of the outputs of shape (6, 5)

CASES = {
    "take": lambda x, xp: gnp.take(x, xp.asarray(IDX), axis=0),
    "take_flat": lambda x, xp: gnp.take(x, xp.asarray(IDX * 4)),
    "getitem": lambda x, xp: x[xp.asarray(IDX), 1:4],
    "take_along_axis": lambda x, xp: gnp.take_along_axis(
        x, xp.asarray((IDX[:, None] + np.arange(3)) % 5), axis=1),
    "embedding": lambda x, xp: F.embedding(xp.asarray(IDX.reshape(2, 3)), x),
    "max_pool2d": lambda x, xp: F.max_pool2d(x.reshape(1, 1, 6, 5), 3, stride=1),
    "avg_pool2d": lambda x, xp: F.avg_pool2d(x.reshape(1, 1, 6, 5), 3, stride=1),
    "cross_entropy": lambda x, xp: F.cross_entropy(x, xp.asarray(IDX % 5), reduction="none"),
}


def _loss(case, xp):
    def f(x):
        y = CASES[case](x, xp)
        w = xp.asarray(W.ravel()[: int(np.prod(y.shape))].reshape(y.shape)).astype(y.dtype)
        return gnp.sum(y * w)

    return f


def _grad(case, dtype):
    xp = ad.get_backend().xp
    g = ad.grad(_loss(case, xp))(xp.asarray(X.astype(dtype)))
    return to_numpy(g)


@pytest.mark.parametrize("case", list(CASES))
def test_float16_gradient(backend, case):
    g64 = _grad(case, np.float64)
    xp = ad.get_backend().xp
    f = _loss(case, xp)
    v = R.standard_normal(X.shape)
    h = 1e-6
    fd = (float(to_numpy(f(xp.asarray(X + h * v)))) -
          float(to_numpy(f(xp.asarray(X - h * v))))) / (2 * h)
    np.testing.assert_allclose(np.sum(g64 * v), fd, rtol=1e-6, atol=1e-8)
    g16 = _grad(case, np.float16)
    assert g16.dtype == np.float16
    # float16 inputs and outputs: errors of a few float16 ulps of the largest entry
    np.testing.assert_allclose(g16.astype(np.float64), g64, atol=8e-3 * np.abs(g64).max())


@pytest.mark.parametrize("case", ["take", "embedding", "max_pool2d", "cross_entropy"])
@pytest.mark.parametrize("deterministic", [False, True])
def test_float16_gradient_on_the_numba_routes(backend, case, deterministic):
    # (the routes a GPU's calibration may choose: the Numba scatter and cross-entropy kernels)
    be = ad.get_backend()
    if be.name != "cupy":
        pytest.skip("CuPy backend routes")
    saved, was = dict(be.routes), ad.is_deterministic()
    be.routes.update({"scatter_rows": [(1 << 30, "numba")],
                      "softmax_xent": [(1 << 30, "numba")]})
    ad.set_deterministic(deterministic)
    try:
        g16, g64 = _grad(case, np.float16), _grad(case, np.float64)
    finally:
        be.routes.clear()
        be.routes.update(saved)
        ad.set_deterministic(was)
    assert g16.dtype == np.float16
    np.testing.assert_allclose(g16.astype(np.float64), g64, atol=8e-3 * np.abs(g64).max())
    with ad.use_backend("numpy"):
        want = _grad(case, np.float16)
    np.testing.assert_allclose(g16.astype(np.float64), want.astype(np.float64),
                               atol=8e-3 * np.abs(g64).max())


@pytest.mark.parametrize("out_dt,val_dt", [(np.float32, np.float16), (np.float64, np.float16),
                                           (np.float32, np.float64), (np.float16, np.float32),
                                           (np.complex64, np.float64)])
@pytest.mark.parametrize("deterministic", [False, True])
def test_index_add_of_values_of_another_dtype(backend, out_dt, val_dt, deterministic):
    # the CuPy backend's Numba scatter raised "scatter_add_rows: expected float32 or float64
    # arrays, got float16" (or "arrays must share one dtype") for values of another dtype
    be = ad.get_backend()
    xp = be.xp
    rows, cols = np.array([0, 2, 0, 2, 2]), np.array([1, 1, 1, 0, 1])
    vals = R.standard_normal((5, 3)).astype(val_dt)
    was = ad.is_deterministic()
    ad.set_deterministic(deterministic)
    try:
        for index, v in (((rows,), vals), ((rows, cols), vals[:, 0])):
            out = np.zeros((3, 3), out_dt)
            got = xp.asarray(out)
            be.index_add(got, tuple(xp.asarray(i) for i in index), xp.asarray(v))
            np.add.at(out, index, v.astype(out_dt))
            assert to_numpy(got).dtype == out_dt
            np.testing.assert_allclose(to_numpy(got), out, rtol=2e-3, atol=2e-3)
    finally:
        ad.set_deterministic(was)
