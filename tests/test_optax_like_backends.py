"""``gpuad.optax`` on every backend: parameters and gradients given as host NumPy arrays are
put on the active backend (as JAX puts them on its device), the state lives there, and a
jitted step equals the eager one."""

from __future__ import annotations

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optax
from gpuad.backends import get_backend
from tests.conftest import to_numpy


def test_host_leaves_go_to_the_backend_and_jit_matches(backend):
    params = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, -0.2])}
    host_grads = {"w": np.full((2, 2), 0.5), "b": np.array([1.0, -1.0])}
    opt = optax.chain(
        optax.clip_by_global_norm(1.0),
        optax.adamw(optax.cosine_decay_schedule(0.1, 4), weight_decay=0.1),
    )
    state = opt.init(params)
    array_type = get_backend().array_type
    assert all(isinstance(x, array_type) for x in ad.tree_leaves(state))
    updates, _ = opt.update(host_grads, state, params)
    moved = optax.apply_updates(params, updates)
    assert all(isinstance(x, array_type) for x in ad.tree_leaves(moved))
    # the first AdamW step from formulas: clipped g, m_hat/sqrt(v_hat) = sign(g) elementwise
    want = params["w"] - 0.1 * (np.sign(host_grads["w"]) + 0.1 * params["w"])
    np.testing.assert_allclose(to_numpy(moved["w"]), want, rtol=1e-6)

    def loss(p):
        return gnp.sum((p["w"] @ p["b"]) ** 2)

    def step(p, s):
        u, s = opt.update(ad.grad(loss)(p), s, p)
        return optax.apply_updates(p, u), s

    jitted = ad.jit(step)
    pe, se, pj, sj = params, state, params, state
    for _ in range(3):
        pe, se = step(pe, se)
        pj, sj = jitted(pj, sj)
    for k in pe:
        np.testing.assert_allclose(to_numpy(pj[k]), to_numpy(pe[k]), rtol=1e-12)
    assert jitted.cache_info()["misses"] == 1
