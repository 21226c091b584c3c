"""``gpuad.jax_nn`` under gpuad's transforms on every backend: a compiled function replays its
masks from each call's inputs (not the first call's), ``vmap`` batches the masked functions,
and the initializers draw on the active backend. The comparisons with JAX itself are in
tests/conformance/test_jax_nn.py.
"""

from __future__ import annotations

import numpy as np

import gpuad as ad
import gpuad.jax_nn as jnn
import gpuad.numpy as gnp
from tests.conftest import to_numpy

KINKED = ["relu", "relu6", "hard_tanh", "leaky_relu", "elu", "sparse_plus", "hard_silu", "celu"]
INPUTS = [np.array([-2.0, 0.5, 3.0, 7.0]), np.array([2.0, -0.5, -3.0, 0.0])]


def test_jit_replays_the_masks_of_each_input(backend):
    """A compiled gradient of each kinked activation, called on inputs whose signs differ,
    equals the eager gradient every time (a mask frozen at the first call would not)."""
    for name in KINKED:
        f = getattr(jnn, name)
        grad = ad.grad(lambda t, f=f: gnp.sum(f(t)))
        compiled = ad.jit(grad)
        for x in INPUTS:
            x = ad.tensor(x)
            np.testing.assert_allclose(to_numpy(compiled(x)), to_numpy(grad(x)), err_msg=name)
    q = ad.tensor(np.random.default_rng(0).standard_normal((1, 3, 2, 2)))
    attend = ad.jit(ad.grad(lambda a: gnp.sum(jnn.dot_product_attention(a, a, a, is_causal=True))))
    for scale in (1.0, -2.0):
        want = ad.grad(lambda a: gnp.sum(jnn.dot_product_attention(a, a, a, is_causal=True)))(
            q * scale
        )
        np.testing.assert_allclose(to_numpy(attend(q * scale)), to_numpy(want), rtol=1e-12)


def test_vmap_of_masked_functions(backend):
    """softmax and logsumexp with ``where``, one_hot and a kinked gradient under vmap equal
    the per-example results."""
    x = ad.tensor(np.arange(6.0).reshape(2, 3) - 2.5)
    where = ad.tensor(np.array([[True, False, True], [False, False, False]]))
    with np.errstate(divide="ignore"):  # the empty row's logsumexp: log(0) = -inf
        rows = [
            (jnn.softmax(x[i], where=where[i]), jnn.logsumexp(x[i], where=where[i]))
            for i in range(2)
        ]
        pair = ad.vmap(lambda t, m: (jnn.softmax(t, where=m), jnn.logsumexp(t, where=m)))
        batched = pair(x, where)
    for k in range(2):
        np.testing.assert_allclose(to_numpy(batched[k]), np.stack([to_numpy(r[k]) for r in rows]))
    hot = ad.vmap(lambda t: jnn.one_hot(t, 3))(ad.tensor(np.array([0, 2, 5])))
    np.testing.assert_array_equal(to_numpy(hot), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    g = ad.vmap(ad.grad(lambda t: gnp.sum(jnn.relu6(t))))(x)
    np.testing.assert_array_equal(to_numpy(g), (to_numpy(x) > 0) & (to_numpy(x) < 6))


def test_initializers_on_the_active_backend(backend):
    """Draws are arrays of the active backend with the requested dtype, the same on every
    backend for the same key; delta_orthogonal writes its centre into a backend array."""
    key = ad.random.PRNGKey(0)
    be = ad.get_backend()
    for init in (jnn.initializers.glorot_normal(), jnn.initializers.orthogonal()):
        w = init(key, (3, 4), np.float32)
        assert isinstance(w, be.array_type) and w.dtype == np.float32
    w = jnn.initializers.he_uniform()(key, (3, 4))
    with ad.use_backend("numpy"):
        same = jnn.initializers.he_uniform()(ad.random.PRNGKey(0), (3, 4))
    np.testing.assert_allclose(to_numpy(w), same)
    d = to_numpy(jnn.initializers.delta_orthogonal()(key, (3, 2, 2)))
    np.testing.assert_allclose(d[1] @ d[1].T, np.eye(2), atol=1e-12)
    assert not d[0].any() and not d[2].any()
