"""Programs written for JAX, not ported elsewhere, run in JAX (x64) and in gpuad from the same
initial parameters and data: the user-level programs of "Autodidax: JAX core from scratch"
(``jvp``, nested ``deriv``, ``vmap``, ``jacfwd`` built from them, ``jit``, ``linearize``,
``vjp``, ``grad`` through nested ``jit``, pytrees, ``cond`` under every transform), Eric Jang's
MAML on sinusoids (``grad`` through an inner SGD step, ``vmap`` over tasks, stax and
``optimizers.adam`` under ``jit``), score matching with Langevin sampling (the trace of a
per-example ``jacfwd`` under ``vmap``, differentiated in the parameters), and the NeurIPS 2020
implicit-layers tutorial's deep equilibrium layer (a ``custom_vjp`` fixed point with
``nondiff_argnums``, forward and Newton solvers in ``lax.while_loop``, the backward pass a
second fixed point).

Each program is written once against a namespace of JAX's names or of the gpuad names
docs/porting.md gives. Values, gradients and parameters after every step must agree to about
1e-10 relative; the gradients are also checked against float64 central differences. Random
draws come from one NumPy generator and are handed to both (the libraries draw different
numbers for a key). Differences from the originals: ``tree_multimap`` (removed from JAX) is
``tree_map``; sizes are small.
"""

from __future__ import annotations

import functools
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = np.random.default_rng(5005)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(5005)


def gpuad_J():
    from gpuad import lax, tree_util
    from gpuad.example_libraries import optimizers, stax

    return types.SimpleNamespace(
        lib="gpuad", np=gnp, lax=lax, stax=stax, optimizers=optimizers, jit=ad.jit,
        grad=ad.grad, value_and_grad=ad.value_and_grad, jvp=ad.jvp, vjp=ad.vjp, vmap=ad.vmap,
        linearize=ad.linearize, jacfwd=ad.jacfwd, jacobian=ad.jacobian,
        custom_vjp=ad.custom_vjp, tree_map=tree_util.tree_map, at=ad.at,
        asarray=lambda a: ad.get_backend().xp.asarray(a))


def jax_J():
    from jax.example_libraries import optimizers, stax

    return types.SimpleNamespace(
        lib="jax", np=jnp, lax=jax.lax, stax=stax, optimizers=optimizers, jit=jax.jit,
        grad=jax.grad, value_and_grad=jax.value_and_grad, jvp=jax.jvp, vjp=jax.vjp,
        vmap=jax.vmap, linearize=jax.linearize, jacfwd=jax.jacfwd, jacobian=jax.jacobian,
        custom_vjp=jax.custom_vjp, tree_map=jax.tree_util.tree_map, asarray=jnp.asarray,
        at=lambda x: x.at)


def _leaves(t):
    return jax.tree_util.tree_leaves(t, is_leaf=lambda x: isinstance(x, ad.Tensor))


def _same(a, b, rtol=1e-10, atol=1e-13, msg=""):
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb), msg
    for i, (x, y) in enumerate(zip(la, lb, strict=True)):
        np.testing.assert_allclose(to_numpy(x), np.asarray(y), rtol=rtol, atol=atol,
                                   err_msg=f"{msg} leaf {i}")


def _fd(f, x, v, h=1e-6):
    return (float(f(x + h * v)) - float(f(x - h * v))) / (2 * h)


# ================================ Autodidax: JAX core from scratch ================================


def autodidax(J):
    np = J.np
    sin, cos = np.sin, np.cos
    jvp, vmap, jit, linearize, vjp, grad = J.jvp, J.vmap, J.jit, J.linearize, J.vjp, J.grad
    out = {}

    def f(x):
        y = sin(x) * 2.
        z = - y + x
        return z

    out["f"] = f(3.0)
    x, xdot = 3., 1.
    out["jvp f"] = jvp(f, (x,), (xdot,))

    def deriv(f):
        return lambda x: jvp(f, (x,), (1.,))[1]

    out["derivs"] = [deriv(sin)(3.), deriv(deriv(sin))(3.), deriv(deriv(deriv(sin)))(3.),
                     deriv(deriv(deriv(deriv(sin))))(3.)]

    def g(x):
        if x > 0.:  # Python control flow
            return 2. * x
        else:
            return x

    out["python control flow"] = [deriv(g)(3.), deriv(g)(-3.)]

    def add_one_to_a_scalar(scalar):
        assert np.ndim(scalar) == 0
        return 1 + scalar

    vector_in = np.arange(3.)
    out["vmap"] = vmap(add_one_to_a_scalar, (0,))(vector_in)

    def jacfwd(f, x):
        pushfwd = lambda v: jvp(f, (x,), (v,))[1]  # noqa: E731
        vecs_in = np.eye(np.size(x)).reshape(np.shape(x) * 2)
        return vmap(pushfwd, (0,))(vecs_in)

    out["jacfwd"] = jacfwd(lambda x: sin(x), np.arange(3.))

    @jit
    def h(x, y):
        return sin(x) * cos(y)

    out["jit"] = [h(3., 4.), h(4., 3.)]
    out["jvp of jit"] = jvp(h, (3., 4.), (1., 0.5))
    out["vmap of jit"] = vmap(h, (0, None))(np.arange(3.), 4.)
    out["jit of vmap"] = jit(vmap(lambda x: sin(x) * 2., (0,)))(np.arange(3.))

    y, f_lin = linearize(sin, 3.)
    out["linearize"] = [y, f_lin(1.), f_lin(2.5)]
    y, f_vjp = vjp(sin, 3.)
    out["vjp"] = [y, f_vjp(1.)]
    out["grad f"] = grad(f)(3.)

    @jit
    def f2(x):
        y = x * 2.
        z = g2(y)
        return z

    @jit
    def g2(x):
        return cos(x) * 2.

    out["grad of nested jit"] = grad(f2)(3.)
    out["grad grad nested jit"] = grad(grad(f2))(3.)

    def foo(x):
        y = x * x
        z = jit(lambda y: y * y)(y)
        return z

    out["jvp vmap grad"] = vmap(jvp, (None, 0, 0))(grad(foo), (np.arange(1., 4.),),
                                                   (np.ones(3),))

    # pytrees
    def pf(x):
        y = sin(x['a']) * 2.
        z = - y + x['b']
        return {'hi': z, 'there': [x, y]}

    x = {'a': 1., 'b': 2.}
    xdot = {'a': 3., 'b': 4.}
    out["pytree jvp"] = jvp(pf, (x,), (xdot,))

    # control flow: cond under jvp, vmap, grad, jit
    cond = J.lax.cond
    out["cond"] = cond(True, lambda: 3., lambda: 4.)
    out["jvp cond"] = jvp(lambda x: cond(True, lambda: x * x, lambda: 0.), (1.,), (1.,))

    def fc(x):
        return cond(x > 0, lambda: x * x, lambda: -x * 3.)

    out["grad cond"] = [grad(fc)(3.), grad(fc)(-2.)]
    xs = np.array([1., -2., 3.])
    out["vmap cond"] = vmap(fc, (0,))(xs)
    out["vmap grad cond"] = vmap(grad(fc), (0,))(xs)
    out["jit grad cond"] = jit(grad(fc))(-2.)
    return out


@pytest.mark.filterwarnings("ignore:gpuad.jit")  # jit under jvp runs eagerly, with a warning
def test_autodidax():
    want = autodidax(jax_J())
    got = autodidax(gpuad_J())
    assert sorted(want) == sorted(got)
    for k in want:
        _same(got[k], want[k], msg=k)
    # the numbers autodidax prints: sin's derivatives cycle cos, -sin, -cos, sin
    np.testing.assert_allclose([float(d) for d in got["derivs"]],
                               [np.cos(3.), -np.sin(3.), -np.cos(3.), np.sin(3.)], rtol=1e-14)
    assert [float(v) for v in got["grad cond"]] == [6.0, -3.0]


# =============== MAML on sinusoids (Eric Jang, "Meta-Learning in 50 Lines of JAX") ===============


def maml(J, net_params, tasks, x_test):
    np, stax, optimizers = J.np, J.stax, J.optimizers
    grad, jit, vmap = J.grad, J.jit, J.vmap
    Dense, Relu = stax.Dense, stax.Relu
    net_init, net_apply = stax.serial(Dense(40), Relu, Dense(40), Relu, Dense(1))

    def loss(params, inputs, targets):
        predictions = net_apply(params, inputs)
        return np.mean((targets - predictions)**2)

    def inner_update(p, x1, y1, alpha=.1):
        grads = grad(loss)(p, x1, y1)
        inner_sgd_fn = lambda g, state: (state - alpha * g)  # noqa: E731
        return J.tree_map(inner_sgd_fn, grads, p)

    def maml_loss(p, x1, y1, x2, y2):
        p2 = inner_update(p, x1, y1)
        return loss(p2, x2, y2)

    opt_init, opt_update, get_params = optimizers.adam(step_size=1e-3)

    # single task
    opt_state = opt_init(net_params)

    @jit
    def step(i, opt_state, x1, y1, x2, y2):
        p = get_params(opt_state)
        g = grad(maml_loss)(p, x1, y1, x2, y2)
        l = maml_loss(p, x1, y1, x2, y2)  # noqa: E741
        return opt_update(i, g, opt_state), l, g

    out = []
    x1, y1, x2, y2 = (J.asarray(a[0]) for a in tasks[0])
    for i in range(2):
        opt_state, l, g = step(i, opt_state, x1, y1, x2, y2)
        out.append((l, g))

    # batched over tasks
    def batch_maml_loss(p, x1_b, y1_b, x2_b, y2_b):
        task_losses = vmap(functools.partial(maml_loss, p))(x1_b, y1_b, x2_b, y2_b)
        return np.mean(task_losses)

    @jit
    def batch_step(i, opt_state, x1, y1, x2, y2):
        p = get_params(opt_state)
        g = grad(batch_maml_loss)(p, x1, y1, x2, y2)
        l = batch_maml_loss(p, x1, y1, x2, y2)  # noqa: E741
        return opt_update(i, g, opt_state), l

    opt_state = opt_init(net_params)
    for i, task in enumerate(tasks):
        opt_state, l = batch_step(i, opt_state, *(J.asarray(a) for a in task))
        out.append(l)
    net_params = get_params(opt_state)
    # the notebook's evaluation: one inner step on a new task, then predict
    x1, y1 = J.asarray(tasks[0][0][0]), J.asarray(tasks[0][1][0])
    out.append(net_apply(inner_update(net_params, x1, y1), J.asarray(x_test)))
    out.append(net_params)
    return out, (maml_loss, batch_maml_loss)


def _sample_tasks(outer_batch_size, inner_batch_size):
    """The notebook's sample_tasks: sinusoids of random amplitude and phase (NumPy draws)."""
    As = R.uniform(low=0.1, high=.5, size=outer_batch_size)
    phases = R.uniform(low=0., high=np.pi, size=outer_batch_size)

    def get_batch():
        xs, ys = [], []
        for A, phase in zip(As, phases, strict=True):
            x = R.uniform(low=-5., high=5., size=(inner_batch_size, 1))
            y = A * np.sin(x + phase)
            xs.append(x)
            ys.append(y)
        return np.stack(xs), np.stack(ys)

    x1, y1 = get_batch()
    x2, y2 = get_batch()
    return x1, y1, x2, y2


def test_maml_sinusoid():
    from jax.example_libraries import stax

    net_init, _ = stax.serial(stax.Dense(40), stax.Relu, stax.Dense(40), stax.Relu,
                              stax.Dense(1))
    _, jparams = net_init(jax.random.PRNGKey(0), (-1, 1))
    gparams = jax.tree_util.tree_map(lambda a: ad.get_backend().xp.asarray(np.asarray(a)),
                                     jparams)
    tasks = [_sample_tasks(3, 5) for _ in range(3)]
    x_test = np.linspace(-5, 5, 7).reshape(-1, 1)
    want, _ = maml(jax_J(), jparams, tasks, x_test)
    got, (gloss, gbatch) = maml(gpuad_J(), gparams, tasks, x_test)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        _same(g, w, msg=str(i))
    # the second-order MAML gradient against central differences along a random direction
    leaves, tree = jax.tree_util.tree_flatten(gparams)
    v = [R.standard_normal(np.shape(a)) for a in leaves]
    x1, y1, x2, y2 = (a[0] for a in tasks[0])

    def along(t):
        return gloss(jax.tree_util.tree_unflatten(
            tree, [a + t * d for a, d in zip(leaves, v, strict=True)]), x1, y1, x2, y2)

    g = jax.tree_util.tree_leaves(got[0][1])
    ip = sum(float(np.vdot(to_numpy(a), d)) for a, d in zip(g, v, strict=True))
    fd = (float(along(1e-6)) - float(along(-1e-6))) / 2e-6
    assert ip == pytest.approx(fd, rel=1e-6)


# ====== score matching and Langevin sampling (JAX's "Score matching" notebook, stax + adam) ======


def score_matching(J, net_params, batches, vs, x_initial, noise):
    np, stax, optimizers = J.np, J.stax, J.optimizers
    net_init, net_apply = stax.serial(stax.Dense(16), stax.Softplus, stax.Dense(16),
                                      stax.Softplus, stax.Dense(2))
    opt_init, opt_update, get_params = optimizers.adam(1e-3)

    @J.jit
    def compute_loss(net_params, inputs):
        # a function that computes jacobian by forward mode differentiation
        jacobian = J.jacfwd(net_apply, argnums=-1)
        # we use vmap to vectorize jacobian function along batch dimension
        batch_jacobian = J.vmap(functools.partial(jacobian, net_params))(inputs)
        trace_jacobian = np.trace(batch_jacobian, axis1=1, axis2=2)
        output_norm_sq = np.square(net_apply(net_params, inputs)).sum(axis=1)
        return np.mean(trace_jacobian + 1 / 2 * output_norm_sq)

    @J.jit
    def train_step(step_i, opt_state, batch):
        net_params = get_params(opt_state)
        loss = compute_loss(net_params, batch)
        grads = J.grad(compute_loss, argnums=0)(net_params, batch)
        return loss, opt_update(step_i, grads, opt_state), grads

    @J.jit
    def compute_ssm_loss(net_params, inputs, v):  # v: jax.random.normal(key, inputs.shape)
        apply = J.jit(functools.partial(net_apply, net_params))
        batch_dot = functools.partial(np.einsum, 'bu,bu->b')
        score, score_v = J.jvp(apply, [inputs], [v])
        return np.mean(batch_dot(v, score_v) + batch_dot(v, score) ** 2 / 2)

    @J.jit
    def train_ssm_step(step_i, opt_state, batch, v):
        net_params = get_params(opt_state)
        loss, grads = J.value_and_grad(compute_ssm_loss)(net_params, batch, v)
        return loss, opt_update(step_i, grads, opt_state), grads

    def sample_langevin(x_initial, *, net_params, eps=1e-2, eps_decay=0.9, num_steps=4,
                        temperature=1.0):
        x_history = [x_initial]
        for t in range(num_steps):
            z_t = J.asarray(noise[t])  # jax.random.normal(subkey, shape=...)
            x_t = (x_history[-1] + eps / 2 * net_apply(net_params, x_history[-1])
                   + (eps ** 0.5) * temperature * z_t)
            x_history.append(x_t)
            eps *= eps_decay
        return np.stack(x_history)

    out = []
    opt_state = opt_init(net_params)
    for i, batch in enumerate(batches):
        loss, opt_state, grads = train_step(i, opt_state, J.asarray(batch))
        out.append((loss, grads))
    params = get_params(opt_state)
    out.append(sample_langevin(J.asarray(x_initial), net_params=params))
    opt_state = opt_init(params)
    for i, (batch, v) in enumerate(zip(batches, vs, strict=True)):
        loss, opt_state, grads = train_ssm_step(i, opt_state, J.asarray(batch), J.asarray(v))
        out.append((loss, grads))
    out.append(get_params(opt_state))
    return out, compute_loss


@pytest.mark.filterwarnings("ignore:gpuad.jit")  # the jit under jvp runs eagerly, with a warning
def test_score_matching_langevin():
    from jax.example_libraries import stax

    net_init, _ = stax.serial(stax.Dense(16), stax.Softplus, stax.Dense(16), stax.Softplus,
                              stax.Dense(2))
    _, jparams = net_init(jax.random.PRNGKey(1), (-1, 2))
    gparams = jax.tree_util.tree_map(lambda a: ad.get_backend().xp.asarray(np.asarray(a)),
                                     jparams)
    batches = [R.standard_normal((6, 2)) * [1.0, 0.5] + [0.5, 0.0] for _ in range(3)]
    vs = [R.standard_normal((6, 2)) for _ in range(3)]
    x_initial, noise = R.standard_normal((4, 2)), R.standard_normal((4, 4, 2))
    want, _ = score_matching(jax_J(), jparams, batches, vs, x_initial, noise)
    got, gloss = score_matching(gpuad_J(), gparams, batches, vs, x_initial, noise)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        _same(g, w, msg=str(i))
    # the gradient of the exact score-matching loss (a Jacobian's trace, second order in the
    # network) along a random direction against central differences
    leaves, tree = jax.tree_util.tree_flatten(gparams)
    v = [R.standard_normal(np.shape(a)) for a in leaves]
    g = jax.tree_util.tree_leaves(got[0][1])
    ip = sum(float(np.vdot(to_numpy(a), d)) for a, d in zip(g, v, strict=True))
    fd = _fd(lambda t: gloss(jax.tree_util.tree_unflatten(
        tree, [a + t * d for a, d in zip(leaves, v, strict=True)]), batches[0]), 0.0, 1.0)
    assert ip == pytest.approx(fd, rel=1e-6)


# ==== deep equilibrium layers (NeurIPS 2020 tutorial "Deep Implicit Layers", chapter 2, JAX) ====


def implicit_layers(J, W, x, target):
    jnp, lax = J.np, J.lax

    def fwd_solver(f, z_init):
        def cond_fun(carry):
            z_prev, z = carry
            return jnp.linalg.norm(z_prev - z) > 1e-10

        def body_fun(carry):
            _, z = carry
            return z, f(z)

        init_carry = (z_init, f(z_init))
        _, z_star = lax.while_loop(cond_fun, body_fun, init_carry)
        return z_star

    def newton_solver(f, z_init):
        f_root = lambda z: f(z) - z  # noqa: E731
        g = lambda z: z - jnp.linalg.solve(J.jacobian(f_root)(z), f_root(z))  # noqa: E731
        return fwd_solver(g, z_init)

    def anderson_solver(f, z_init, m=5, lam=1e-4, max_iter=50, tol=1e-5, beta=1.0):
        x0 = z_init
        x1 = f(x0)
        x2 = f(x1)
        X = jnp.concatenate([jnp.stack([x0.ravel(), x1.ravel()]),
                             jnp.zeros((m - 2, jnp.size(x0)))])
        F = jnp.concatenate([jnp.stack([x1.ravel(), x2.ravel()]),
                             jnp.zeros((m - 2, jnp.size(x0)))])
        res = []
        for k in range(2, max_iter):
            n = min(k, m)
            G = F[:n] - X[:n]
            GTG = jnp.tensordot(G, G, [list(range(1, G.ndim))] * 2)
            H = jnp.block([[jnp.zeros((1, 1)), jnp.ones((1, n))],
                           [jnp.ones((n, 1)), GTG]]) + lam * jnp.eye(n + 1)
            alpha = jnp.linalg.solve(H, J.at(jnp.zeros(n + 1))[0].set(1))[1:]
            xk = beta * jnp.dot(alpha, F[:n]) + (1 - beta) * jnp.dot(alpha, X[:n])
            X = J.at(X)[k % m].set(xk)
            F = J.at(F)[k % m].set(f(xk))
            res = jnp.linalg.norm(F[k % m] - X[k % m]) / (1e-5 + jnp.linalg.norm(F[k % m]))
            if res < tol:
                break
        return xk

    @functools.partial(J.custom_vjp, nondiff_argnums=(0, 1))
    def fixed_point_layer(solver, f, params, x):
        z_star = solver(lambda z: f(params, x, z), z_init=jnp.zeros_like(x))
        return z_star

    def fixed_point_layer_fwd(solver, f, params, x):
        z_star = fixed_point_layer(solver, f, params, x)
        return z_star, (params, x, z_star)

    def fixed_point_layer_bwd(solver, f, res, z_star_bar):
        params, x, z_star = res
        _, vjp_a = J.vjp(lambda params, x: f(params, x, z_star), params, x)
        _, vjp_z = J.vjp(lambda z: f(params, x, z), z_star)
        return vjp_a(solver(lambda u: vjp_z(u)[0] + z_star_bar,
                            z_init=jnp.zeros_like(z_star)))

    fixed_point_layer.defvjp(fixed_point_layer_fwd, fixed_point_layer_bwd)

    f = lambda W, x, z: jnp.tanh(jnp.dot(W, z) + x)  # noqa: E731
    out = {}
    for name, solver in (("fwd", fwd_solver), ("newton", newton_solver),
                         ("anderson", anderson_solver)):
        out[name] = fixed_point_layer(solver, f, W, x)
        out[name + " grad"] = J.grad(lambda W: fixed_point_layer(solver, f, W, x).sum())(W)
    out["grad x"] = J.grad(lambda x: fixed_point_layer(fwd_solver, f, W, x).sum())(x)

    # a few steps of gradient descent on a regression loss through the layer, jitted
    @J.jit
    def step(W, x):
        loss, (gW, gx) = J.value_and_grad(
            lambda W, x: jnp.sum((fixed_point_layer(fwd_solver, f, W, x) - target) ** 2),
            argnums=(0, 1))(W, x)
        return loss, W - 0.1 * gW, x - 0.1 * gx

    for i in range(3):
        loss, W, x = step(W, x)
        out[f"step {i}"] = (loss, W, x)
    return out


def test_implicit_layers():
    ndim = 6
    W = R.standard_normal((ndim, ndim)) / np.sqrt(ndim) * 0.8
    x = R.standard_normal(ndim)
    target = R.standard_normal(ndim) * 0.3
    want = implicit_layers(jax_J(), jnp.asarray(W), jnp.asarray(x), target)
    got = implicit_layers(gpuad_J(), gnp.asarray(W), gnp.asarray(x), target)
    assert sorted(got) == sorted(want)
    for k in want:
        rtol = 1e-6 if "anderson" in k else 1e-9  # Anderson stops at its tolerance, 1e-5
        _same(got[k], want[k], rtol=rtol, atol=1e-10, msg=k)
    # the implicit gradient is the gradient of the unrolled iteration, at convergence
    def unrolled(W):
        z = np.zeros(ndim)
        for _ in range(200):
            z = gnp.tanh(gnp.dot(W, z) + x)
        return gnp.sum(z)

    _same(got["fwd grad"], ad.grad(unrolled)(gnp.asarray(W)), rtol=1e-8, msg="unrolled")
    v = R.standard_normal((ndim, ndim))
    fd = _fd(lambda Wt: to_numpy(unrolled(Wt)), W, v)
    assert float(np.vdot(to_numpy(got["newton grad"]), v)) == pytest.approx(fd, rel=1e-7)
