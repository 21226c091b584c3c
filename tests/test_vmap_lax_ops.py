"""vmap of ``gpuad.lax`` operations on both backends, against the loop over examples: cases
where an argument is shared (unbatched) while another is batched, so that raw arrays of the
active backend meet batched Tensors inside the library code."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
from gpuad import lax

RNG = np.random.default_rng(11)


def _loop(f, args, axes):
    size = next(np.shape(a)[d] for a, d in zip(args, axes, strict=True) if d is not None)
    return np.stack([to_numpy(f(*[a if d is None else np.take(a, i, d)
                                  for a, d in zip(args, axes, strict=True)]))
                     for i in range(size)])


def test_tridiagonal_solve_with_shared_diagonals(backend):
    # the diagonals are shared, the right-hand sides batched along their last axis: the
    # tridiagonal matrix was assembled with the diagonals' array operators and NumPy constants,
    # which the CuPy backend refused ("Unsupported type numpy.ndarray")
    dl = np.r_[0.0, RNG.standard_normal(3) * 0.3]
    d = 3 + RNG.random(4)
    du = np.r_[RNG.standard_normal(3) * 0.3, 0.0]
    b = RNG.standard_normal((4, 2, 3))
    axes = (None, None, None, 2)
    got = ad.vmap(lax.linalg.tridiagonal_solve, axes)(dl, d, du, b)
    want = _loop(lax.linalg.tridiagonal_solve, (dl, d, du, b), axes)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)
    a = np.diag(d) + np.diag(du[:-1], 1) + np.diag(dl[1:], -1)
    np.testing.assert_allclose(want, np.linalg.solve(a, np.moveaxis(b, 2, 0)), rtol=1e-12)
    g = ad.grad(lambda d_: (ad.vmap(lax.linalg.tridiagonal_solve, axes)(dl, d_, du, b) ** 2)
                .sum())(d)
    eps, e = 1e-6, np.eye(4)
    fd = [((np.linalg.solve(a + eps * np.diag(e[k]), np.moveaxis(b, 2, 0)) ** 2).sum()
           - (np.linalg.solve(a - eps * np.diag(e[k]), np.moveaxis(b, 2, 0)) ** 2).sum())
          / (2 * eps) for k in range(4)]
    np.testing.assert_allclose(to_numpy(g), fd, rtol=1e-6)


def test_householder_product_with_shared_reflectors(backend):
    # the reflectors are shared and the scales batched: the identity and masks were made by
    # the shared array's module (NumPy) and met the batched CuPy values
    a = RNG.standard_normal((4, 3))
    taus = RNG.uniform(0.1, 0.9, (3, 2))
    got = ad.vmap(lax.linalg.householder_product, (None, 0))(a, taus)
    want = _loop(lax.linalg.householder_product, (a, taus), (None, 0))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)
    for q, t in zip(want, taus, strict=True):  # (I - t0 v0 v0^T)(I - t1 v1 v1^T), first 3 cols
        h = np.eye(4)
        for i in range(2):
            v = np.r_[np.zeros(i), 1.0, a[i + 1:, i]]
            h = h @ (np.eye(4) - t[i] * np.outer(v, v))
        np.testing.assert_allclose(q, h[:, :3], rtol=1e-12, atol=1e-12)


def test_lax_ops_take_numpy_arrays_on_any_backend(backend):
    # NumPy arguments move to the active backend, as gpuad.numpy's functions move them: on the
    # CuPy backend these mixed host arrays with device arrays and raised TypeError
    x = RNG.standard_normal((4, 3))
    spd = x.T @ x + 3 * np.eye(3)
    np.testing.assert_allclose(to_numpy(lax.linalg.cholesky(spd)), np.linalg.cholesky(spd),
                               rtol=1e-12)
    idx = np.array([[1], [1], [3]], np.int32)
    dn = lax.ScatterDimensionNumbers((1,), (0,), (0,))
    want = x.copy()
    np.add.at(want, idx[:, 0], np.ones((3, 3)))
    np.testing.assert_allclose(to_numpy(lax.scatter_add(x, idx, np.ones((3, 3)), dn)), want)
    gdn = lax.GatherDimensionNumbers((1,), (0,), (0,))
    got = lax.gather(x, np.array([[2], [7]], np.int32), gdn, (1, 3),
                     mode=lax.GatherScatterMode.FILL_OR_DROP, fill_value=-1.0)
    np.testing.assert_array_equal(to_numpy(got), np.stack([x[2], -np.ones(3)]))
    u = np.arange(2.0)
    got = lax.dynamic_update_slice(np.zeros(5), ad.tensor(u), (np.int32(2),))
    np.testing.assert_array_equal(to_numpy(got), [0, 0, 0, 1, 0])
