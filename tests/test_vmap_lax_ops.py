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
