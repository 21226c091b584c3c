"""``jax.example_libraries.optimizers`` and ``stax``, and ``jax.flatten_util.ravel_pytree``,
ported: the same updates and layers checked against JAX's own (where it is installed, on the
NumPy backend), and JAX's ``examples/mnist_classifier.py`` run on a small synthetic data set
instead of MNIST (no download) on every backend.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.example_libraries import optimizers, stax
from gpuad.example_libraries.stax import Dense, LogSoftmax, Relu
from gpuad.flatten_util import ravel_pytree
from tests.conftest import to_numpy

OPTIMIZERS = [
    ("sgd", (0.1,)),
    ("momentum", (0.1, 0.9)),
    ("nesterov", (0.1, 0.9)),
    ("adagrad", (0.1,)),
    ("rmsprop", (0.01,)),
    ("rmsprop_momentum", (0.01,)),
    ("adam", (0.01,)),
    ("adamax", (0.01,)),
]
SCHEDULES = [
    ("exponential_decay", (0.1, 2, 0.5)),
    ("inverse_time_decay", (0.1, 2, 0.5, True)),
    ("polynomial_decay", (0.1, 2, 0.01)),
    ("piecewise_constant", ([1, 2], [0.1, 0.05, 0.01])),
]


def _params(rng):
    return {"w": rng.standard_normal((3, 2)), "b": (rng.standard_normal(2), np.float64(0.5))}


def _leaves(tree):
    return [to_numpy(x) for x in ad.tree_leaves(tree)]


def test_optimizers_match_jax(backend, rng):
    """Two steps of every optimizer from the same parameters and gradients, and the step
    sizes of every schedule: equal to JAX's to rounding (on the NumPy backend; the others run
    the same steps). One leaf shape: JAX compiles each of its operations once per shape."""
    params = [rng.standard_normal(3), rng.standard_normal(3)]
    grads = [[rng.standard_normal(3), rng.standard_normal(3)] for _ in range(2)]
    results = {}
    for name, args in OPTIMIZERS:
        init, update, get = getattr(optimizers, name)(*args)
        state = init(params)
        for i, g in enumerate(grads):
            state = update(i, g, state)
        results[name] = _leaves(get(state))
    steps = {
        name: [float(getattr(optimizers, name)(*a)(i)) for i in range(5)] for name, a in SCHEDULES
    }
    assert steps["piecewise_constant"] == [0.1, 0.1, 0.05, 0.01, 0.01]
    if backend != "numpy":
        return
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.example_libraries import optimizers as jopt

    def run_all(params, grads):  # one compiled program for every optimizer
        out = {}
        for name, args in OPTIMIZERS:
            jinit, jupdate, jget = getattr(jopt, name)(*args)
            jstate = jinit(params)
            for i, g in enumerate(grads):
                jstate = jupdate(i, g, jstate)
            out[name] = jget(jstate)
        return out

    every = jax.jit(run_all)(params, grads)
    for name, _ in OPTIMIZERS:
        want = [np.asarray(x) for x in every[name]]
        for a, b in zip(results[name], want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=name)
    for name, a in SCHEDULES:
        want = [float(getattr(jopt, name)(*a)(i)) for i in range(5)]
        np.testing.assert_allclose(steps[name], want, rtol=1e-14, err_msg=name)


def test_optimizer_state_is_a_pytree_for_jit(backend, rng):
    """A jitted update step takes and returns the state (as the MNIST example does), with
    the same result as eager steps; pack/unpack round-trips it."""
    params = _params(rng)
    init, update, get = optimizers.adam(0.05)

    def loss(p):
        return gnp.sum(p["w"] ** 2) + gnp.sum((p["b"][0] - 1.0) ** 2) + p["b"][1] ** 2

    step = ad.jit(lambda i, s: update(i, ad.grad(loss)(get(s)), s))
    s_jit = s_eager = init(params)
    for i in range(3):
        s_jit = step(np.asarray(i), s_jit)
        s_eager = update(i, ad.grad(loss)(get(s_eager)), s_eager)
    for a, b in zip(_leaves(get(s_jit)), _leaves(get(s_eager)), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert step.cache_info()["misses"] == 1
    again = optimizers.pack_optimizer_state(optimizers.unpack_optimizer_state(s_eager))
    for a, b in zip(_leaves(again), _leaves(s_eager), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="leaves"):
        update(0, [np.ones(2)], s_eager)


def test_clip_grads_and_l2_norm(backend):
    tree = {"a": np.array([3.0, 0.0]), "b": np.array([4.0])}
    assert abs(float(optimizers.l2_norm(tree)) - 5.0) < 1e-14
    clipped = optimizers.clip_grads(tree, 1.0)
    assert abs(float(optimizers.l2_norm(clipped)) - 1.0) < 1e-14
    kept = optimizers.clip_grads(tree, 10.0)
    np.testing.assert_allclose(to_numpy(kept["a"]), tree["a"])


def test_stax_layers(backend, rng):
    """serial, parallel, FanOut/FanInSum/FanInConcat, Dense and the activations: the shapes
    init_fun gives, the parameter structure JAX's stax gives (serial: a list, parallel: a
    tuple, no parameters: ()), and the outputs against the same network in NumPy."""
    layers = [
        stax.Dense(4),
        stax.Tanh,
        stax.FanOut(2),
        stax.parallel(stax.serial(stax.Dense(3), stax.Relu), stax.Dense(3)),
        stax.FanInSum,
        stax.FanOut(2),
        stax.parallel(stax.Elu, stax.Softplus),
        stax.FanInConcat(),
        stax.Dense(5),
        stax.LogSoftmax,
    ]
    init, apply = stax.serial(*layers)
    shape, params = init(ad.random.PRNGKey(0), (-1, 6))
    assert shape == (-1, 5)
    assert isinstance(params, list) and isinstance(params[3], tuple)
    assert params[1] == () and isinstance(params[3][0], list) and params[6] == ((), ())
    x = rng.standard_normal((2, 6))
    p = ad.tree_map(to_numpy, params)
    h = np.tanh(x @ p[0][0] + p[0][1])
    h = np.maximum(h @ p[3][0][0][0] + p[3][0][0][1], 0) + (h @ p[3][1][0] + p[3][1][1])
    h = np.concatenate([np.where(h > 0, h, np.expm1(h)), np.logaddexp(h, 0)], axis=-1)
    h = h @ p[8][0] + p[8][1]
    want = h - np.log(np.exp(h).sum(-1, keepdims=True))
    np.testing.assert_allclose(to_numpy(apply(params, x)), want, rtol=1e-12, atol=1e-14)


def _conv_net(lib):
    return lib.serial(
        lib.Conv(4, (3, 3), padding="SAME"),
        lib.Relu,
        lib.MaxPool((2, 2), strides=(2, 2), padding="SAME"),
        lib.GeneralConv(("NHWC", "OIHW", "NHWC"), 3, (2, 2), strides=(1, 2)),
        lib.BatchNorm(),
        lib.AvgPool((2, 2), padding="SAME"),
        lib.SumPool((2, 1)),
        lib.Flatten,
        lib.Dense(5),
    )


def test_stax_conv_pool_batchnorm(backend, rng):
    """Conv/GeneralConv ('SAME', strides, other layouts), MaxPool, AvgPool ('SAME' divides by
    the entries inside the input), SumPool and BatchNorm: shapes and parameters as JAX's,
    outputs equal to JAX's for the same parameters (on the NumPy backend), and a directional
    derivative against central differences."""
    init, apply = _conv_net(stax)
    shape, params = init(ad.random.PRNGKey(0), (2, 7, 9, 3))
    assert shape == (2, 5)
    x = rng.standard_normal((2, 7, 9, 3))
    out = to_numpy(apply(params, x))
    v = ad.device_put(ad.tree_map(lambda p: rng.standard_normal(p.shape), params))
    loss = lambda p: gnp.sum(apply(p, x) ** 2)  # noqa: E731
    h = 1e-6
    shifted = [ad.tree_map(lambda p, d, s=s: p + s * h * d, params, v) for s in (1, -1)]
    fd = (float(loss(shifted[0])) - float(loss(shifted[1]))) / (2 * h)
    g = ad.grad(loss)(params)
    ad_dir = sum(
        float(np.vdot(to_numpy(a), to_numpy(b)))
        for a, b in zip(ad.tree_leaves(g), ad.tree_leaves(v), strict=True)
    )
    assert abs(ad_dir - fd) < 1e-6 * (1 + abs(fd))
    if backend != "numpy":
        return
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.example_libraries import stax as jstax

    jinit, japply = _conv_net(jstax)
    # (traced, not run: JAX's initializers would compile op by op)
    jparams = jax.eval_shape(lambda k: jinit(k, (2, 7, 9, 3))[1], jax.random.PRNGKey(0))
    assert jax.tree_util.tree_map(lambda p: p.shape, jparams) == ad.tree_map(
        lambda p: tuple(p.shape), params
    )
    np.testing.assert_allclose(out, np.asarray(jax.jit(japply)(params, x)), rtol=1e-12, atol=1e-13)


def test_stax_initializers_and_dropout(backend):
    """Dense's default W init is a truncated normal of variance 2 / (fan_in + fan_out), as
    JAX's glorot_normal; Dropout keeps values with probability ``rate`` (scaled by 1 / rate)
    in train mode and needs a key there."""
    _, (w, b) = stax.Dense(300)[0](ad.random.PRNGKey(1), (-1, 100))
    w = to_numpy(w)
    assert w.shape == (100, 300) and abs(w.var() - 2 / 400) < 0.1 * 2 / 400
    assert np.abs(w).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978
    assert to_numpy(b).std() < 0.02
    init, apply = stax.Dropout(0.75)
    x = np.ones(4000)
    y = to_numpy(apply((), x, rng=ad.random.PRNGKey(2)))
    assert set(np.unique(y)) <= {0.0, 1 / 0.75} and abs((y > 0).mean() - 0.75) < 0.03
    with pytest.raises(ValueError, match="rng"):
        apply((), x)
    np.testing.assert_array_equal(to_numpy(stax.Dropout(0.5, mode="test")[1]((), x)), x)


def test_ravel_pytree(backend, rng):
    """As JAX's: sorted dict keys, mixed dtypes promoted and restored, differentiable."""
    tree = {"b": rng.standard_normal((2, 2)), "a": [np.float32(1.5), np.arange(3.0)]}
    flat, unravel = ravel_pytree(tree)
    want = np.concatenate([[1.5], np.arange(3.0), tree["b"].ravel()])
    np.testing.assert_allclose(to_numpy(flat), want)
    back = unravel(flat)
    assert to_numpy(back["a"][0]).dtype == np.float32 and back["b"].shape == (2, 2)
    g = ad.grad(lambda t: gnp.sum(ravel_pytree(t)[0] ** 2))(tree)
    np.testing.assert_allclose(to_numpy(g["b"]), 2 * tree["b"])


def test_mnist_classifier_example(backend):
    """JAX's examples/mnist_classifier.py on two Gaussian blobs: stax.serial(Dense, Relu,
    Dense, LogSoftmax), the momentum optimizer and a jitted update step."""
    data = np.random.default_rng(0)
    n, d = 64, 10
    labels = data.integers(0, 2, n)
    images = data.standard_normal((n, d)) + 1.5 * (2 * labels[:, None] - 1)
    # the data on the device once (JAX's example hands NumPy arrays to jnp, which copies them)
    images, targets = ad.device_put((images, np.eye(2)[labels]))

    init_random_params, predict = stax.serial(Dense(16), Relu, Dense(2), LogSoftmax)

    def loss(params, batch):
        inputs, t = batch
        return -gnp.mean(predict(params, inputs) * t)

    def accuracy(params, batch):
        inputs, t = batch
        return float(
            np.mean(np.argmax(to_numpy(predict(params, inputs)), 1) == np.argmax(to_numpy(t), 1))
        )

    opt_init, opt_update, get_params = optimizers.momentum(0.05, mass=0.9)

    @ad.jit
    def update(i, opt_state, batch):
        params = get_params(opt_state)
        return opt_update(i, ad.grad(loss)(params, batch), opt_state)

    _, init_params = init_random_params(ad.random.PRNGKey(0), (-1, d))
    opt_state = opt_init(init_params)
    before = float(loss(init_params, (images, targets)))
    for i in range(30):
        # the step number as an array: a Python int is a static argument of gpuad.jit (one
        # trace per value), where JAX traces it
        opt_state = update(np.asarray(i), opt_state, (images, targets))
    params = get_params(opt_state)
    assert float(loss(params, (images, targets))) < 0.3 * before
    assert accuracy(params, (images, targets)) > 0.95
