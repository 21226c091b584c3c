"""``inplace=True`` of activations and dropout on every backend (the CuPy stand-in included):
the write through a view reaches its base, the gradient equals the out-of-place program's,
a raw backend array is overwritten, and a compiled step (``gpuad.jit``) equals the eager one.
Comparisons with torch are in tests/conformance/test_torch_inplace_activations.py."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp

X = np.random.default_rng(5).normal(size=(3, 4)) * 2.0


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _loss(x, inplace, drop=True):
    h = x * 1.5
    if inplace:
        nn.ReLU(inplace=True)(h[1:, ::2])
        F.silu(h, inplace=True)
        gnp.random.seed(2)
        F.dropout(h, 0.3, drop, inplace=True)
    else:
        mask = np.zeros(X.shape, bool)
        mask[1:, ::2] = True
        h = F.silu(gnp.where(xp_(mask), F.relu(h), h))
        gnp.random.seed(2)
        h = F.dropout(h, 0.3, drop)
    return gnp.sum(h * h)


def test_inplace_writes_on_the_backend(backend):
    x = xp_(X)
    v1, g1 = ad.value_and_grad(lambda a: _loss(a, True))(x)
    v0, g0 = ad.value_and_grad(lambda a: _loss(a, False))(x)
    np.testing.assert_allclose(to_numpy(v1), to_numpy(v0), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g1), to_numpy(g0), rtol=1e-12, atol=1e-14)
    # compiled (without dropout: gpuad.jit refuses draws from the global generator)
    g2 = ad.grad(lambda a: _loss(a, True, False))(x)
    comp = ad.jit(ad.grad(lambda a: _loss(a, True, False)))
    np.testing.assert_allclose(to_numpy(comp(x)), to_numpy(g2), rtol=1e-12, atol=1e-14)
    raw = xp_(X.copy())
    assert F.hardtanh(raw, -1.0, 0.5, inplace=True) is raw
    np.testing.assert_array_equal(to_numpy(raw), np.clip(X, -1.0, 0.5))
