"""gpuad.pmap: jax.pmap's calls on one device, the mapped axis run as a vmap (found by porting
JAX's examples/spmd_mnist_classifier_fromscratch.py, which gpuad could not run: no pmap)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax


def _loss(w, x, y):
    return gnp.mean((gnp.tanh(x @ w) - y) ** 2)


def test_psum_of_gradients_is_the_sum_over_positions(backend):
    r = np.random.default_rng(0)
    xp = ad.get_backend().xp
    w, x, y = (xp.asarray(r.standard_normal(s)) for s in ((3, 2), (4, 5, 3), (4, 5, 2)))

    @functools.partial(ad.pmap, axis_name="dev", in_axes=(None, 0, 0))
    def step(w, x, y):
        return lax.psum(ad.grad(_loss)(w, x, y), "dev")

    out = to_numpy(step(w, x, y))
    want = sum(to_numpy(ad.grad(_loss)(w, x[i], y[i])) for i in range(4))
    assert out.shape == (4, 3, 2)
    for i in range(4):  # every position holds the all-reduced sum
        np.testing.assert_allclose(out[i], want, rtol=1e-12)
    # the gradient of one position's loss by central differences
    e, d = 1e-6, xp.zeros_like(w)
    d[1, 0] = e
    fd = (float(_loss(w + d, x[0], y[0])) - float(_loss(w - d, x[0], y[0]))) / (2 * e)
    np.testing.assert_allclose(to_numpy(ad.grad(_loss)(w, x[0], y[0]))[1, 0], fd, rtol=1e-6)


def test_static_broadcasted_argnums_and_device_count(backend):
    xp = ad.get_backend().xp
    f = ad.pmap(lambda x, n, s: x * n + s, static_broadcasted_argnums=(1,))
    np.testing.assert_allclose(to_numpy(f(xp.arange(3.0), 2, xp.ones(3))), [1.0, 3.0, 5.0])
    with pytest.raises(ValueError, match="hashable"):
        f(xp.arange(3.0), [2], xp.ones(3))
    assert ad.device_count() == ad.local_device_count() == 1
    with pytest.raises(NotImplementedError, match="devices"):
        ad.pmap(lambda x: x, devices=["gpu0", "gpu1"])


def test_grad_through_pmap(backend):
    x = ad.get_backend().xp.asarray([[1.0, 2.0], [3.0, 4.0]])
    g = ad.grad(lambda x: gnp.sum(ad.pmap(lambda r: lax.pmean(r ** 2, "i"), "i")(x)))(x)
    # sum over 2 positions of the mean over positions of r**2: d/dx = 2 * x
    np.testing.assert_allclose(to_numpy(g), 2 * to_numpy(x))
