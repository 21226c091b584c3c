"""Programs of JAX's ``examples/`` not ported elsewhere, run in JAX (x64) and in gpuad on the
same inputs: ``hmm_em.py`` (EM through the gradient of a ``lax.scan`` log normaliser, looped by
``lax.fori_loop`` inside ``jit``), ``deep_qlearning_cartpole.py`` (a ``vmap``-ed network over a
list of parameter dicts with 0-d biases, a jitted ``grad`` of a gathered Q-value loss, a jitted
SGD over the list), ``forward-forward-mnist.py`` (``vmap`` of a function returning a tuple,
``optax.sgd`` over a NamedTuple layer state through ``jit``, hard negatives mined with
``.at[].set``/``.add`` and ``lax.top_k`` under ``vmap``), ``pca_from_scratch.py`` (``svd``
under ``jit`` with ``static_argnames`` and under ``vmap``) and ``bfgs_method.py`` (``grad``,
``hessian``, ``inv`` and the broadcasting of 1-D ``.T`` products in its update),
``sentiment_analysis.py`` (stax with a 1-D ``GeneralConv``, an embedding layer, Adam), and
HIPS autograd's ``fixed_points.py`` (``autograd.misc.fixed_points.fixed_point``, against
autograd).

Each program is written once against a namespace ``J`` (JAX's modules, or gpuad's under the
names docs/porting.md gives). Values and gradients must agree with JAX to 1e-9 relative, and
gpuad's gradients agree with float64 central differences. Random draws the originals make
with JAX keys (initial weights, exploration, replay samples) are made once, in JAX or NumPy,
and handed to both: the two libraries draw different numbers for a key.
"""

from __future__ import annotations

import functools
import math
import types
from typing import NamedTuple

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = np.random.default_rng(47)


@pytest.fixture(autouse=True, scope="module")
def _quick_xla():
    """XLA's compiles of JAX's many small eager ops dominate these programs' time: compile
    them without the optimisation passes, which these sizes do not need."""
    old = jax.config.values["jax_disable_most_optimizations"]
    jax.config.update("jax_disable_most_optimizations", True)
    yield
    jax.config.update("jax_disable_most_optimizations", old)


def gpuad_J():
    import gpuad.scipy.special
    from gpuad import jax_nn, lax, optax

    xp = ad.get_backend().xp
    return types.SimpleNamespace(
        lib="gpuad", np=gnp, nn=jax_nn, lax=lax, optax=optax, jit=ad.jit, grad=ad.grad,
        value_and_grad=ad.value_and_grad, vmap=ad.vmap, hessian=ad.hessian,
        logsumexp=gpuad.scipy.special.logsumexp, asarray=xp.asarray, at=ad.at,
    )


def _jax_sgd(lr):
    """optax.sgd(lr) without momentum (optax is not a dependency): its update is ``-lr * g``."""
    tm = jax.tree_util.tree_map
    return types.SimpleNamespace(
        init=lambda params: (), update=lambda g, state, params=None: (tm(lambda x: -lr * x, g),
                                                                       state))


def jax_J():
    import jax.scipy.special

    return types.SimpleNamespace(
        lib="jax", np=jnp, nn=jax.nn, lax=jax.lax, optax=types.SimpleNamespace(
            sgd=_jax_sgd, apply_updates=lambda p, u: jax.tree_util.tree_map(
                lambda a, b: a + b, p, u)),
        jit=jax.jit, grad=jax.grad, value_and_grad=jax.value_and_grad, vmap=jax.vmap,
        hessian=jax.hessian, logsumexp=jax.scipy.special.logsumexp, asarray=jnp.asarray,
        at=lambda x: x.at,
    )


def _both():
    return (("jax", jax_J()), ("gpuad", gpuad_J()))


def _same_trees(a, b, rtol=1e-9, atol=1e-12):
    la, lb = jax.tree_util.tree_leaves(a), ad.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(to_numpy(y), np.asarray(x), rtol=rtol, atol=atol)


def _to(J, tree):
    return jax.tree_util.tree_map(lambda a: J.asarray(np.asarray(a)), tree)


# ---- examples/hmm_em.py ----


def hmm_program(J):
    np, lax = J.np, J.lax

    def log_normalizer(params, seq):
        log_pi, log_A, log_B = params

        def marginalize(log_alpha, obs):
            log_alpha = J.logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, obs]
            return log_alpha, None

        log_alpha, _ = lax.scan(marginalize, log_pi, seq)
        return J.logsumexp(log_alpha)

    @J.jit
    def EM(params, seq, num_steps):
        def update(i, params):
            moments = J.grad(log_normalizer)(params, seq)  # E step
            return [np.log(x / x.sum(-1, keepdims=True)) for x in moments]  # M step

        return lax.fori_loop(0, num_steps, update, params)

    return log_normalizer, EM


def test_hmm_em():
    text = "the quick brown fox jumps over the lazy dog and the dog sleeps"
    codes = {}
    seq = np.array([codes.setdefault(c, len(codes)) for c in text])
    num_states, num_obs = 4, len(codes)
    params = [R.standard_normal(num_states), R.standard_normal((num_states, num_states)),
              R.standard_normal((num_states, num_obs))]
    out = {}
    for lib, J in _both():
        log_normalizer, EM = hmm_program(J)
        p, s = _to(J, params), J.asarray(seq)
        z = log_normalizer(p, s)
        moments = J.grad(log_normalizer)(p, s)
        new_params = EM(p, s, 5)
        new_params_again = EM(p, s, 3)  # another trip count, same compiled function
        out[lib] = (z, moments, new_params, new_params_again, log_normalizer(new_params, s))
    _same_trees(out["jax"], out["gpuad"])
    # the E step's moments are expected counts: one initial state, a transition and an
    # emission per observation
    m = [float(to_numpy(x).sum()) for x in out["gpuad"][1]]
    np.testing.assert_allclose(m, [1, len(seq), len(seq)], rtol=1e-12)
    log_normalizer, _ = hmm_program(gpuad_J())
    pg = _to(gpuad_J(), params)
    check_grads(lambda a, b, c: log_normalizer([a, b, c], gpuad_J().asarray(seq)),
                tuple(pg), order=1, modes=("rev",))


# ---- examples/deep_qlearning_cartpole.py ----
# gym's CartPole-v1 is written out (its equations); the epsilon-greedy coin, the random
# action and random.sample of the replay memory come from one NumPy generator given to both.


class Transition(NamedTuple):
    state: np.ndarray
    next_state: np.ndarray
    action: int
    reward: float
    is_terminal: bool


class CartPole:
    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.s = self.rng.uniform(-0.05, 0.05, 4)
        return self.s.copy()

    def step(self, action):
        x, x_dot, th, th_dot = self.s
        force = 10.0 if action == 1 else -10.0
        ct, st = math.cos(th), math.sin(th)
        temp = (force + 0.05 * th_dot**2 * st) / 1.1
        th_acc = (9.8 * st - ct * temp) / (0.5 * (4.0 / 3.0 - 0.1 * ct**2 / 1.1))
        x_acc = temp - 0.05 * th_acc * ct / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * x_acc
        th, th_dot = th + 0.02 * th_dot, th_dot + 0.02 * th_acc
        self.s = np.array([x, x_dot, th, th_dot])
        done = bool(abs(x) > 2.4 or abs(th) > 12 * 2 * math.pi / 360)
        return self.s.copy(), 1.0, done, {}


def dqn_program(J, init_params, rng, episodes=3, max_steps=12, batch_size=8):
    np_ = J.np
    gamma, epsilon = 0.99, 0.3

    def linear(activation=lambda x: x):
        def forward_fn(params, x):
            return activation(np_.dot(params["W"], x) + params["bias"])

        return forward_fn

    forward_fns = [linear(J.nn.relu), linear(J.nn.relu), linear()]

    def dqn_forward_fn(params, x):
        for fn, p in zip(forward_fns, params, strict=False):
            x = fn(p, x)
        return x

    def sgd(params, gradients, learning_rate):
        new_parameters = []
        for i in range(len(params)):
            zipped_grads = zip(params[i].items(), gradients[i].items(), strict=False)
            new_parameters.append({k: v - dv * learning_rate for (k, v), (_, dv) in zipped_grads})
        return new_parameters

    dqn_forward_fn = J.vmap(dqn_forward_fn, in_axes=(None, 0))
    mse = lambda y1, y2: (y1 - y2) ** 2  # noqa: E731

    @J.grad
    def compute_loss(parameters, x, y, actions):
        q_values = dqn_forward_fn(parameters, x)
        q_values = q_values[np_.arange(x.shape[0]), actions]
        return np_.mean(mse(y, q_values))

    backward_fn = J.jit(compute_loss)
    optimizer = J.jit(functools.partial(sgd, learning_rate=1e-2))

    dqn_parameters = _to(J, init_params)
    target_parameters = dqn_parameters
    memory = []
    trace = []

    def take_action(state):
        if rng.uniform() < epsilon:
            return int(rng.integers(0, 2))
        q_values = dqn_forward_fn(dqn_parameters, np_.expand_dims(J.asarray(state), axis=0))[0]
        return int(np_.argmax(q_values))

    def train():
        if len(memory) < batch_size:
            return dqn_parameters
        picks = rng.choice(len(memory), size=batch_size, replace=False)
        transitions = Transition(*zip(*[memory[i] for i in picks], strict=False))
        states = np_.array(transitions.state)
        next_states = np_.array(transitions.next_state)
        actions = np_.array(transitions.action)
        rewards = np_.array(transitions.reward)
        is_terminal = np_.array(transitions.is_terminal)
        next_Q_values = dqn_forward_fn(target_parameters, next_states)
        yj = rewards + gamma * np_.max(next_Q_values, axis=-1)
        yj = np_.where(is_terminal, 0, yj)
        gradients = backward_fn(dqn_parameters, states, yj, actions)
        trace.append(gradients)
        return optimizer(dqn_parameters, gradients)

    env = CartPole(rng)
    for _episode in range(episodes):
        state = env.reset()
        for _timestep in range(max_steps):
            action = take_action(state)
            next_state, reward, done, _ = env.step(action)
            memory.append(Transition(state, next_state, action, reward, done))
            dqn_parameters = train()
            epsilon -= 2e-5
            state = next_state
            trace.append(action)
            if done:
                break
        target_parameters = dqn_parameters
    return dqn_parameters, trace


def test_deep_qlearning_cartpole():
    key = jax.random.PRNGKey(0)
    keys = jax.random.split(key, 3)
    init = []
    for k, (o, i) in zip(keys, ((8, 4), (8, 8), (2, 8)), strict=False):
        wk, bk = jax.random.split(k)
        init.append({"W": np.asarray(jax.nn.initializers.xavier_uniform()(wk, (o, i))),
                     "bias": np.asarray(jax.nn.initializers.normal()(bk, ()))})
    res = {lib: dqn_program(J, init, np.random.default_rng(5)) for lib, J in _both()}
    (jp, jt), (gp, gt) = res["jax"], res["gpuad"]
    assert [a for a in jt if isinstance(a, int)] == [a for a in gt if isinstance(a, int)]
    assert len(jt) == len(gt) and sum(not isinstance(a, int) for a in jt) > 5
    for a, b in zip(jt, gt, strict=False):
        if not isinstance(a, int):
            _same_trees(a, b)
            assert b[0]["bias"].shape == ()
    _same_trees(jp, gp)


# ---- examples/forward-forward-mnist.py ----
# MNIST is replaced by small random images whose first 10 pixels carry the label; the layer
# initialiser's glorot_uniform draws are made in JAX and handed to both.


class LayerState(NamedTuple):
    params: tuple
    opt_state: tuple


def forward_forward_program(J):
    np_, nn = J.np, J.nn

    class Layer:
        def forward(params, x):
            # the original's `x /= ...` rebinds in JAX and writes into the argument in gpuad
            # (NumPy's meaning; vmap refuses it): written out-of-place
            x = x / (np_.sqrt(np_.mean(x**2, axis=-1, keepdims=True)) + 1e-6)
            w, b = params
            return nn.relu(np_.dot(w, x) + b)

        @functools.partial(J.vmap, in_axes=(None, 0))
        def b_forward(params, xs):
            return Layer.forward(params, xs)

        def goodness(params, x):
            h = Layer.forward(params, x)
            return np_.power(h, 2).sum(), h

        @functools.partial(J.vmap, in_axes=(None, 0))
        def b_goodness(params, xs):
            return Layer.goodness(params, xs)

        def forward_forward(params, pos_xs, neg_xs):
            pos_goodness, _ = Layer.b_goodness(params, pos_xs)
            neg_goodness, _ = Layer.b_goodness(params, neg_xs)
            pos_logits = pos_goodness - pos_xs.shape[-1]
            neg_logits = neg_goodness - neg_xs.shape[-1]
            return -nn.log_sigmoid(np_.concatenate([pos_logits, -neg_logits])).mean()

    def batch(arr, batch_size):
        for i in range(0, len(arr), batch_size):
            yield arr[i : i + batch_size]

    def get_negative_label(params, x):
        goodnesses = np_.zeros(10)
        label = np_.argmax(np_.split(x, [10])[0])
        for query_label in range(10):
            img = np_.array(x.copy())
            img = J.at(img)[query_label].set(img.max())
            for layer_params in params:
                g, img = Layer.goodness(layer_params, img)
                goodnesses = J.at(goodnesses)[query_label].add(g)
        label_top2 = J.lax.top_k(goodnesses, 2)[1]
        neg_label = label_top2[1]
        neg_img = np_.array(x.copy())
        neg_img = J.at(neg_img)[label].set(0)
        neg_img = J.at(neg_img)[neg_label].set(neg_img.max())
        return neg_img

    def get_hard_negs(params, xs):
        return J.vmap(get_negative_label, in_axes=(None, 0))(params, xs)

    def predict_one_sample(params, x):
        goodnesses = np_.zeros(10)
        for query_label in range(10):
            img = np_.array(x.copy())
            img = J.at(img)[query_label].set(img.max())
            for layer_params in params:
                g, img = Layer.goodness(layer_params, img)
                goodnesses = J.at(goodnesses)[query_label].add(g)
        return np_.argmax(goodnesses)

    def accuracy(params, xs, ys):
        y_hats = J.vmap(predict_one_sample, in_axes=(None, 0))(params, xs)
        return np_.mean(ys == y_hats)

    def train_layer(opt, num_epochs, batch_size, initial_state, pos_xs, neg_xs):
        @J.jit
        def step(state, pos_xs, neg_xs):
            loss, grads = J.value_and_grad(Layer.forward_forward)(state.params, pos_xs, neg_xs)
            updates, opt_state = opt.update(grads, state.opt_state)
            params = J.optax.apply_updates(state.params, updates)
            return loss, LayerState(params, opt_state)

        loss_hist = []
        pos_batches = list(batch(pos_xs, batch_size))
        neg_batches = list(batch(neg_xs, batch_size))
        state = initial_state
        for _epoch in range(num_epochs):
            loss_sum = 0.0
            for pos_batch, neg_batch in zip(pos_batches, neg_batches, strict=False):
                loss, state = step(state, pos_batch, neg_batch)
                loss_sum += loss
            loss_hist.append(float(loss_sum))
        return state, loss_hist

    def train_net(opt, num_epochs, batch_size, initial_states, pos_xs, neg_xs, num_episodes,
                  train_imgs, train_labels):
        loss_all, accs, negs = [], [], []
        pos_in = pos_xs
        for _i in range(num_episodes):
            final_states, loss_hists = [], []
            for layer_state in initial_states:
                final_state, loss_hist = train_layer(opt, num_epochs, batch_size, layer_state,
                                                     pos_xs, neg_xs)
                final_states.append(final_state)
                loss_hists.append(loss_hist)
                pos_xs = Layer.b_forward(final_state.params, pos_xs)
                neg_xs = Layer.b_forward(final_state.params, neg_xs)
            loss_all.append(loss_hists)
            accs.append(float(accuracy([s.params for s in final_states], train_imgs,
                                       train_labels)))
            initial_states = final_states
            pos_xs = pos_in
            neg_xs = get_hard_negs([s.params for s in final_states], train_imgs)
            negs.append(neg_xs)
        return final_states, loss_all, accs, negs

    return Layer, train_net


def test_forward_forward_mnist():
    n, d = 24, 30
    imgs = np.abs(R.standard_normal((n, d)))
    imgs[:, :10] = 0
    labels = R.integers(0, 10, n)
    pos = imgs.copy()
    pos[np.arange(n), labels] = imgs.max(1)
    neg = imgs.copy()
    wrong = (labels + R.integers(1, 10, n)) % 10
    neg[np.arange(n), wrong] = imgs.max(1)
    dims = [(d, 12), (12, 12)]
    init = []
    for i, (fan_in, fan_out) in enumerate(dims):
        wk, bk = jax.random.split(jax.random.PRNGKey(39 + i))
        init.append((np.asarray(jax.nn.initializers.glorot_uniform()(wk, (fan_out, fan_in))),
                     np.asarray(jax.random.normal(bk, (fan_out,)))))
    res = {}
    for lib, J in _both():
        Layer, train_net = forward_forward_program(J)
        opt = J.optax.sgd(0.01)
        states = [LayerState(_to(J, p), opt.init(_to(J, p))) for p in init]
        final, losses, accs, negs = train_net(opt, 2, 8, states, J.asarray(pos), J.asarray(neg),
                                              2, J.asarray(imgs), J.asarray(labels))
        res[lib] = ([s.params for s in final], losses, accs, negs)
        if lib == "gpuad":
            p0 = _to(J, init[0])
            check_grads(lambda w, b: Layer.forward_forward((w, b), J.asarray(pos[:4]),
                                                           J.asarray(neg[:4])),
                        p0, order=1, modes=("rev",))
    _same_trees(res["jax"][0], res["gpuad"][0])
    np.testing.assert_allclose(res["gpuad"][1], res["jax"][1], rtol=1e-9)
    assert res["gpuad"][2] == res["jax"][2]
    _same_trees(res["jax"][3], res["gpuad"][3])


# ---- examples/pca_from_scratch.py ----


def pca_program(J):
    np_ = J.np

    @functools.partial(J.jit, static_argnames=["n_components"])
    def pca(X, n_components=2):
        mean = np_.mean(X, axis=0)
        X_centered = X - mean
        U, S, Vt = np_.linalg.svd(X_centered, full_matrices=False)
        components = Vt[:n_components]
        X_projected = X_centered @ components.T
        explained_variance = S**2 / (X.shape[0] - 1)
        explained_variance_ratio = explained_variance[:n_components] / np_.sum(explained_variance)
        return X_projected, components, explained_variance_ratio

    batched_pca = J.jit(J.vmap(pca, in_axes=(0, None)), static_argnames=["n_components"])
    return pca, batched_pca


def test_pca_from_scratch():
    n, f = 40, 6
    scales = np.array([10.0, 5.0] + [1.0] * (f - 2))
    rotation, _ = np.linalg.qr(R.standard_normal((f, f)))
    X = (R.standard_normal((n, f)) * scales) @ rotation
    X_batch = (R.standard_normal((3, 30, f)) * scales) @ rotation
    out = {}
    for lib, J in _both():
        pca, batched_pca = pca_program(J)
        r1 = pca(J.asarray(X), n_components=2)
        r2 = batched_pca(J.asarray(X_batch), 2)
        r3 = batched_pca(J.asarray(X_batch), 3)
        with pytest.raises(ValueError, match="in_axes"):  # a keyword is not in in_axes: both
            batched_pca(J.asarray(X_batch), n_components=3)
        # a derivative the example does not take: of the sign-free projected energy and
        # explained variance, in the data
        g = J.grad(lambda x: (pca(x, n_components=2)[0] ** 2).sum() * 1e-3
                   + pca(x, n_components=2)[2][1])(J.asarray(X))
        out[lib] = (r1, r2, r3, g)
    # singular vectors are fixed only up to sign: compare |components|, projections
    # through the sign of each component
    for k in range(3):
        (jp, jc, je), (gp, gc, ge) = out["jax"][k], out["gpuad"][k]
        jc, gc, jp, gp = map(lambda a: np.asarray(to_numpy(a)), (jc, gc, jp, gp))
        sign = np.sign(np.sum(jc * gc, axis=-1, keepdims=True))
        np.testing.assert_allclose(gc * sign, jc, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(gp * np.swapaxes(sign, -1, -2), jp, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(to_numpy(ge), np.asarray(je), rtol=1e-9)
    np.testing.assert_allclose(to_numpy(out["gpuad"][3]), np.asarray(out["jax"][3]),
                               rtol=1e-8, atol=1e-12)
    pca, _ = pca_program(gpuad_J())
    check_grads(lambda x: pca(x, n_components=2)[2], (X[:12],), order=1, modes=("rev", "fwd"))


# ---- examples/bfgs_method.py with newton_method.py's line search and test function ----


def bfgs_program(J, max_iter=60):
    np_ = J.np

    def g(x):
        return ((-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1]) ** 2
                + (-29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]) ** 2
                + (-13 + x[2] + ((5 - x[3]) * x[3] - 2) * x[3]) ** 2
                + (-29 + x[2] + ((x[3] + 1) * x[3] - 14) * x[3]) ** 2)

    def wolfe(fun, res0, x_0, dk, c1=0.3, c2=0.5, alphas=0.0, alphae=2.0, eps=1e-3):
        alpha = 1
        f0 = fun(x_0)
        while alphas < alphae:
            x = x_0 + (alpha * dk)[0]
            f1 = fun(x)
            if f1 <= f0 + c1 * alpha * res0.dot(dk.T):
                res1 = J.grad(fun)(x)
                if res1.dot(dk.T) >= c2 * res0.dot(dk.T):
                    break
                alphas = alpha
                alpha = 0.5 * (alphas + alphae)
            else:
                alphae = alpha
                alpha = 0.5 * (alphas + alphae)
            if np_.abs(alphas - alphae) < eps:
                break
        return alpha

    def bfgs(fun, x_0, epsilon=1e-6, k=0):
        x_0 = np_.array(x_0)
        trace = []
        while k < max_iter:  # the original loops until the step is small
            gradient = J.grad(fun)(x_0)
            hessian = J.hessian(fun)(x_0)
            dk = -np_.linalg.inv(hessian).dot(gradient.T).reshape(1, -1)
            trace.append((x_0, dk))
            if np_.linalg.norm(dk) >= epsilon:
                alpha = wolfe(fun, gradient, x_0, dk)
                delta = alpha * dk
                # the original's `x_0 += delta[0]`: JAX rebinds, gpuad would write into the
                # array it came from
                x_0 = x_0 + delta[0]
                yk = J.grad(fun)(x_0) - gradient
                hess_delta = hessian.dot(delta.T)
                if yk.all != 0:
                    hessian += (yk.T).dot(yk) / delta.dot(yk.T) - (hess_delta).dot(
                        hess_delta.T) / delta.dot(hess_delta)
                trace.append(hessian)
                k += 1
            else:
                break
        return x_0, trace

    return g, bfgs


def test_bfgs_method():
    out = {}
    for lib, J in _both():
        g, bfgs = bfgs_program(J)
        out[lib] = bfgs(g, [1.0, -1.0, 1.0, -1.0])
    (jx, jt), (gx, gt) = out["jax"], out["gpuad"]
    assert len(jt) == len(gt) < 60
    _same_trees(jt, gt, rtol=1e-8, atol=1e-10)
    _same_trees(jx, gx)
    g, _ = bfgs_program(gpuad_J())
    check_grads(g, (np.array([1.0, -1.0, 2.0, 0.5]),), order=2, modes=("rev",))


# ---- examples/sentiment_analysis.py ----
# The example was written for an old stax with Embedding and Conv1d layers: the embedding is
# written as a stax layer pair, the 1-D convolution as GeneralConv(("NWC", "WIO", "NWC")),
# which is what stax's Conv1d was; the IMDB reviews are random token sequences. The random
# minibatch indices come from NumPy.


def sentiment_program(J, stax, optimizers, vocab, seq_len, emb):
    np_ = J.np

    def Embedding(vocab_size, embedding_dim):
        def init_fun(rng, input_shape):
            return input_shape + (embedding_dim,), np_.zeros((vocab_size, embedding_dim))

        def apply_fun(params, inputs, **kwargs):
            return params[inputs]

        return init_fun, apply_fun

    init_fn, apply_fn = stax.serial(
        Embedding(vocab, emb),
        stax.GeneralConv(("NWC", "WIO", "NWC"), 6, (3,)), stax.Relu,
        stax.MaxPool((2,), strides=(2,), spec="NWC"),
        stax.Flatten,
        stax.Dense(10), stax.Relu,
        stax.Dense(6), stax.Relu,
        stax.Dense(1), stax.Sigmoid)

    def binary_cross_entropy(y_true, y_pred):
        y_true = y_true.reshape(-1).astype("int32")
        y_pred = y_pred.reshape(-1)
        y_pred = np_.clip(y_pred, 1e-6, 1 - 1e-6)
        pt = np_.where(y_true == 1, y_pred, 1 - y_pred)
        return -np_.log(pt)

    def forward_and_loss(params, x, y):
        return np_.mean(binary_cross_entropy(y, apply_fn(params, x)))

    def accuracy_score(y_true, y_pred):
        true_mask = y_pred.reshape(-1) > 0.5
        return np_.sum((y_true == true_mask).astype("float32")) / y_true.shape[0]

    return init_fn, apply_fn, forward_and_loss, accuracy_score


def test_sentiment_analysis():
    from jax.example_libraries import optimizers as joptimizers
    from jax.example_libraries import stax as jstax

    from gpuad.example_libraries import optimizers as goptimizers
    from gpuad.example_libraries import stax as gstax

    vocab, seq_len, emb, batch = 20, 12, 4, 6
    x_train = R.integers(0, vocab, (30, seq_len))
    y_train = R.integers(0, 2, 30)
    x_test, y_test = R.integers(0, vocab, (10, seq_len)), R.integers(0, 2, 10)
    _, jparams = sentiment_program(jax_J(), jstax, joptimizers, vocab, seq_len, emb)[0](
        jax.random.PRNGKey(0), (-1, seq_len))
    jparams = [p if i else jax.random.normal(jax.random.PRNGKey(1), (vocab, emb))
               for i, p in enumerate(jparams)]
    picks = R.integers(0, 30, (3, batch))
    res = {}
    for (lib, J), stax, optim in ((("jax", jax_J()), jstax, joptimizers),
                                 (("gpuad", gpuad_J()), gstax, goptimizers)):
        _init, apply_fn, forward_and_loss, accuracy_score = sentiment_program(
            J, stax, optim, vocab, seq_len, emb)
        out_shape, _ = _init(jax.random.PRNGKey(0) if lib == "jax" else ad.random.PRNGKey(0),
                             (-1, seq_len))
        params = _to(J, jparams)
        backward_fn = J.jit(J.value_and_grad(forward_and_loss))
        optim_init_fn, optim_step, get_params = optim.adam(1e-2)
        optim_state = optim_init_fn(params)
        optim_step = J.jit(optim_step)
        xt, yt = J.asarray(x_train), J.asarray(y_train)
        trace = [tuple(out_shape)]
        for step, idx in enumerate(picks):
            x, y = xt[J.asarray(idx)], yt[J.asarray(idx)]
            loss, grads = backward_fn(get_params(optim_state), x, y)
            trace += [loss, grads]
            optim_state = optim_step(step, grads, optim_state)
        pred = apply_fn(get_params(optim_state), J.asarray(x_test))
        trace += [get_params(optim_state), pred, accuracy_score(J.asarray(y_test), pred)]
        res[lib] = trace
    # the init shape: JAX's MaxPool turns the unknown batch -1 into 0, gpuad keeps -1
    assert res["jax"][0] == (0, 1) and res["gpuad"][0] == (-1, 1)
    _same_trees(res["jax"][1:], res["gpuad"][1:])


# ---- HIPS autograd examples/fixed_points.py ----


def test_autograd_fixed_points():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    from autograd.misc.fixed_points import fixed_point as a_fixed_point

    from gpuad.misc.fixed_points import fixed_point as g_fixed_point

    def program(np_, fixed_point, tol):
        def newton_sqrt_iter(a):
            return lambda x: 0.5 * (x + a / x)

        def grad_descent_sqrt_iter(a):
            return lambda x: x - 0.05 * (x**2 - a)

        def distance(x, y):
            return np_.abs(x - y)

        def sqrt(a, guess=10.0):
            return fixed_point(grad_descent_sqrt_iter, a, guess, distance, tol)

        def newton(a, guess=10.0):
            return fixed_point(newton_sqrt_iter, a, guess, distance, tol)

        return sqrt, newton

    for tol, rtol2 in ((1e-4, 1e-2), (1e-12, 1e-9)):
        a_sqrt, a_newton = program(anp, a_fixed_point, tol)
        g_sqrt, g_newton = program(gnp, g_fixed_point, tol)
        for af, gf in ((a_sqrt, g_sqrt), (a_newton, g_newton)):
            np.testing.assert_allclose(to_numpy(gf(2.0)), af(2.0), rtol=1e-14)
            np.testing.assert_allclose(to_numpy(ad.grad(gf)(2.0)), autograd.grad(af)(2.0),
                                       rtol=1e-12)
            # second derivatives: gpuad differentiates the saved iterate through the forward
            # iterations, autograd through the fixed point's rule; they differ by about tol
            np.testing.assert_allclose(to_numpy(ad.grad(ad.grad(gf))(2.0)),
                                       autograd.grad(autograd.grad(af))(2.0), rtol=rtol2)
    np.testing.assert_allclose(to_numpy(ad.grad(ad.grad(g_newton))(2.0)), -0.25 * 2**-1.5,
                               rtol=1e-12)
