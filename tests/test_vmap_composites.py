"""vmap of gpuad.numpy / gpuad.scipy composites that read their arguments' constants (masks,
sorts, validations, value-free functions), each against the loop over examples."""

from __future__ import annotations

import numpy as np
import pytest
from vmap_loop import check_vmap

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(6)
X = R.normal(size=(3, 5, 2))
Y = R.normal(size=(3, 5, 2))


def test_masks_of_adjoints(backend):
    check_vmap(lambda x: gnp.clip(x, -0.5, 0.7), (X,), 0)
    check_vmap(lambda x, lo: gnp.clip(x, lo, None), (X, Y * 0.1), (0, 0), nested=True)
    check_vmap(lambda x, y: gnp.fmax(x, y) + gnp.fmin(y, x), (X, np.moveaxis(Y, 0, 2)), (0, 2))
    check_vmap(lambda x, y: gnp.copysign(x, y), (X, Y), 0)
    check_vmap(lambda x: gnp.std(x, axis=0) + gnp.var(x), (X,), 1)
    check_vmap(lambda x: gnp.cumsum(x, dtype=np.float64) + gnp.prod(x, dtype=np.float64), (X,), 0)


def test_nan_to_num_and_value_free_functions(backend):
    bad = X.copy()
    bad[0, 1, 0], bad[1, 2, 1], bad[2, 0, 0] = np.nan, np.inf, -np.inf
    check_vmap(lambda x: gnp.nan_to_num(x * 2.0, posinf=3.0, neginf=-4.0), (bad,), 0)
    check_vmap(lambda x: gnp.signbit(x), (X,), 0, diff=())
    check_vmap(lambda x: gnp.count_nonzero(gnp.round(x), axis=0), (X,), 0, diff=())
    check_vmap(lambda a, v: gnp.searchsorted(gnp.sort(a), v), (X[:, :, 0], Y[:, :3, 0]), 0,
          diff=())
    check_vmap(lambda a, v: gnp.searchsorted(gnp.sort(a), v, side="right"),
          (np.round(X[:, :, 0]), np.round(Y[:, :3, 0])), (0, None), diff=())
    with pytest.raises(TypeError, match="depends on each example's data"):
        ad.vmap(gnp.flatnonzero)(gnp.asarray(X))


def test_order_statistics(backend):
    check_vmap(lambda x: gnp.median(x, axis=0), (X,), 0, nested=True)
    check_vmap(lambda x: gnp.median(x), (X,), 2)
    check_vmap(lambda x: gnp.quantile(x, [0.2, 0.9], axis=1), (X,), 0)
    check_vmap(lambda x: gnp.percentile(x, 30.0, keepdims=True), (X,), 1)
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    check_vmap(lambda x: gnp.nanmedian(x, axis=0) + gnp.nanquantile(x, 0.5, axis=0), (bad,), 0)
    check_vmap(lambda x: gnp.partition(x, 2, axis=0), (X,), 0)
    check_vmap(lambda x: gnp.argpartition(x, 1, axis=0), (X,), 2, diff=())


def test_average(backend):
    w = R.uniform(0.5, 1.5, size=X.shape)
    check_vmap(lambda x, w: gnp.average(x, axis=0, weights=w), (X, w), 0)
    check_vmap(lambda x, w: gnp.average(x, axis=1, weights=w), (X, w[0, 0]), (0, None))
    check_vmap(lambda x: gnp.average(x, axis=0), (X,), 1)


def test_scipy(backend):
    sp = pytest.importorskip("gpuad.scipy.special")
    from gpuad.scipy.stats import dirichlet

    b = R.uniform(0.5, 2.0, size=X.shape)
    check_vmap(lambda a, b: sp.logsumexp(a, axis=0, b=b), (X, b), 0)
    check_vmap(lambda a, b: sp.logsumexp(a, b=b, return_sign=True)[0], (X, b[0]), (0, None))
    check_vmap(lambda a: sp.multigammaln(a, 3), (X ** 2 + 1.5,), 0)
    p = R.dirichlet(np.ones(3), size=4)
    alpha = R.uniform(1.0, 3.0, size=(4, 3))
    check_vmap(lambda x, a: dirichlet.logpdf(x, a), (p, alpha), 0)
    with pytest.raises(ValueError, match="sum to 1"):
        ad.vmap(dirichlet.logpdf)(gnp.asarray(p * 1.1), gnp.asarray(alpha))


def test_ranges_with_batched_end_points(backend):
    s = R.uniform(0.5, 1.5, size=(3,))
    check_vmap(lambda a, b: gnp.linspace(a, b, 4), (s, s * 3.0), 0)
    check_vmap(lambda a, b: gnp.linspace(a, b, 4), (s, s), 0)  # zero steps
    check_vmap(lambda a, b: gnp.geomspace(a, b, 4), (s, s * 8.0), (0, 0))


def test_piecewise_says_what_to_write(backend):
    with pytest.raises(TypeError, match="gnp.where"):
        ad.vmap(lambda x: gnp.piecewise(x, [x < 0], [lambda v: -v, lambda v: v]))(
            gnp.asarray(X))
