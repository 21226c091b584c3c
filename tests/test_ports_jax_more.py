"""More programs written for JAX, run through gpuad: the "Autobatching log-densities" notebook,
JAX 101's "Stateful computations", "Pseudorandom numbers", "Working with pytrees" and
"Convolutions", the cases of "Custom derivative rules" that need ``lax`` loops under ``vmap``
and ``jit``, implicit differentiation of a Newton root, and kernel programs built on
``linear_transpose``.

As in ``test_ports_jax_programs.py``, each program is written once against a namespace ``L``
and run with gpuad's and JAX's (float64); the data are drawn with NumPy and passed to both.
Programs that draw with ``gpuad.random`` are checked on what a draw must satisfy (the same key
gives the same numbers, eager and jitted; distinct keys give distinct numbers; moments), since
gpuad's generator is not JAX's bit for bit. Each jitted gpuad program is compared with its
eager run.

Differences kept, as documented behaviour: gpuad's convolutions take PyTorch's NCHW/OIHW
layouts (the port transposes JAX's NHWC/HWIO); a ``lax.while_loop`` whose trip count depends on
the arguments runs eagerly and raises inside ``gpuad.jit`` (JAX compiles it); ``gpuad.random``
draws on the host, so a jitted program that draws is replayed without a CUDA graph.
"""

from __future__ import annotations

import collections
import functools
import types

import numpy as onp
import pytest
from conftest import to_numpy
from test_ports_jax_programs import G as _G
from test_ports_jax_programs import _dp_setup, on, private_grad, same
from test_ports_jax_programs import jax_ns as _jax_ns
from test_ports_jax_programs import order as order_of

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad import lax as glax
from gpuad import random as grandom
from gpuad.testing import check_grads

G = types.SimpleNamespace(
    **{
        **vars(_G),
        "lax": glax,
        "random": grandom,
        "linear_transpose": ad.linear_transpose,
        "tree_transpose": ad.tree_transpose,
        "tree_structure": ad.tree_structure,
        "register_pytree_node": ad.register_pytree_node,
        "twins": True,
    }
)


def _conv_nhwc(x, k, strides, padding, rhs_dilation):
    """``lax.conv_general_dilated`` with ("NHWC", "HWIO", "NHWC") on gpuad's NCHW conv2d."""
    out = F.conv2d(
        gnp.transpose(x, (0, 3, 1, 2)),
        gnp.transpose(k, (3, 2, 0, 1)),
        stride=strides,
        padding=tuple(p[0] for p in padding),
        dilation=rhs_dilation,
    )
    return gnp.transpose(out, (0, 2, 3, 1))


def _conv_transpose_nhwc(x, k, strides, padding):
    """``lax.conv_transpose`` (transpose_kernel=True) with symmetric explicit padding."""
    out = F.conv_transpose2d(
        gnp.transpose(x, (0, 3, 1, 2)),
        gnp.transpose(k, (3, 2, 0, 1)),
        stride=strides,
        padding=padding,
    )
    return gnp.transpose(out, (0, 2, 3, 1))


G.conv_nhwc, G.conv_transpose_nhwc = _conv_nhwc, _conv_transpose_nhwc


@functools.cache
def jax_ns():
    J = _jax_ns()
    jax = pytest.importorskip("jax")

    dn = ("NHWC", "HWIO", "NHWC")

    def conv_nhwc(x, k, strides, padding, rhs_dilation):
        return jax.lax.conv_general_dilated(x, k, strides, padding, (1, 1), rhs_dilation, dn)

    def conv_transpose_nhwc(x, k, strides, padding):
        # torch's padding p of a kernel of size s is lax's explicit (s - 1 - p) on each side
        pads = [(k.shape[i] - 1 - padding, k.shape[i] - 1 - padding) for i in (0, 1)]
        return jax.lax.conv_transpose(
            x, k, strides, pads, dimension_numbers=dn, transpose_kernel=True
        )

    tu = jax.tree_util
    tu.register_pytree_node(MyContainer, _flatten_container, _unflatten_container)
    return types.SimpleNamespace(
        **{
            **vars(J),
            "lax": jax.lax,
            "random": jax.random,
            "linear_transpose": jax.linear_transpose,
            "tree_transpose": tu.tree_transpose,
            "tree_structure": tu.tree_structure,
            "register_pytree_node": tu.register_pytree_node,
            "conv_nhwc": conv_nhwc,
            "conv_transpose_nhwc": conv_transpose_nhwc,
        }
    )


def by_jax(program, *data, whole=True):
    """``program`` run by JAX on ``data``, compiled whole (one XLA compilation, not one per
    ``jit`` or primitive inside it) unless its Python loop is long."""
    jax = pytest.importorskip("jax")

    J = jax_ns()
    run, args = functools.partial(program, J), on(J, data)
    if not whole:
        return run(*args)
    # XLA's slow optimisation passes buy nothing on programs this small (they change no value)
    fast = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
    return jax.jit(run).lower(*args).compile(fast)(*args)


def compiled(L, fn):
    """``L.jit(fn)`` where ``L`` asks for compiled twins (gpuad's own tests compare them with
    the eager values); otherwise a function returning None: JAX's jit is not under test, and
    compiling each function twice would double the time of the comparison with JAX."""
    return L.jit(fn) if getattr(L, "twins", False) else (lambda *args: None)


def gpuad_and_jax(backend, program, *data, whole=True):
    """``program`` on ``data`` by gpuad (without compiled twins) and by JAX. JAX's compile
    time dominates these comparisons, so they run on the NumPy backend; on the CuPy stand-in
    (NumPy's arithmetic) the gpuad tests check the same programs against NumPy's values."""
    if backend != "numpy":
        pytest.skip("compared with JAX on the NumPy backend")
    bare = types.SimpleNamespace(**{**vars(G), "twins": False})
    return program(bare, *on(G, data)), by_jax(program, *data, whole=whole)


def eager(L):
    """``L`` with ``jit`` left out: the reference a compiled gpuad program must equal."""
    return types.SimpleNamespace(**{**vars(L), "jit": lambda f, **kw: f})


# ---- "Autobatching log-densities": a Bayesian logistic regression, vmap and an ELBO ----------


def log_density_data():
    r = onp.random.default_rng(10009)
    num_features, num_points = 4, 12
    true_beta = r.standard_normal(num_features)
    all_x = r.standard_normal((num_points, num_features))
    y = (r.random(num_points) < 1 / (1 + onp.exp(-all_x @ true_beta))).astype(onp.int64)
    return all_x, y, r.standard_normal((5, num_features)), r.standard_normal((2, 6, num_features))


def log_density_program(L, all_x, y, test_betas, epsilons):
    np = L.np

    def log_joint(beta):
        result = 0.0
        result = result + np.sum(L.norm.logpdf(beta, loc=0.0, scale=10.0))
        result = result + np.sum(-np.log(1 + np.exp(-(2 * y - 1) * np.dot(all_x, beta))))
        return result

    def batched_log_joint_by_hand(beta):
        result = 0.0
        result = result + np.sum(L.norm.logpdf(beta, loc=0.0, scale=10.0), axis=-1)
        return result + np.sum(-np.log(1 + np.exp(-(2 * y - 1) * np.dot(all_x, beta.T).T)), axis=-1)

    batched_log_joint = L.jit(L.vmap(L.jit(log_joint)))

    def elbo(beta_loc, beta_log_scale, epsilon):
        beta_sample = beta_loc + np.exp(beta_log_scale) * epsilon
        return np.mean(batched_log_joint(beta_sample), 0) + np.sum(
            beta_log_scale - 0.5 * onp.log(2 * onp.pi)
        )

    elbo_val_and_grad = L.jit(L.value_and_grad(L.jit(elbo), argnums=(0, 1)))
    beta_loc = np.zeros(all_x.shape[1])
    beta_log_scale = np.zeros(all_x.shape[1])
    trace = []
    for epsilon in epsilons:
        elbo_val, (loc_grad, log_scale_grad) = elbo_val_and_grad(beta_loc, beta_log_scale, epsilon)
        beta_loc = beta_loc + 0.01 * loc_grad
        beta_log_scale = beta_log_scale + 0.01 * log_scale_grad
        trace.append(elbo_val)
    return {
        "one": log_joint(test_betas[0]),
        "by_hand": batched_log_joint_by_hand(test_betas),
        "vmap": L.vmap(log_joint)(test_betas),
        "jit_vmap": compiled(L, L.vmap(log_joint))(test_betas),
        "trace": trace,
        "fit": (beta_loc, beta_log_scale),
    }


def test_log_densities(backend):
    data = log_density_data()
    out = log_density_program(G, *on(G, data))
    same(out, log_density_program(eager(G), *on(G, data)))
    same(out["vmap"], out["by_hand"])
    same(out["jit_vmap"], out["by_hand"])
    all_x, y, betas, _ = data
    z = -(2 * y - 1) * (all_x @ betas.T).T
    want = (
        -0.5 * onp.sum((betas / 10) ** 2, -1)
        - betas.shape[1] * onp.log(10 * onp.sqrt(2 * onp.pi))
        - onp.sum(onp.log1p(onp.exp(z)), -1)
    )
    same(out["by_hand"], want)


def test_log_densities_matches_jax(backend):
    data = log_density_data()
    same(*gpuad_and_jax(backend, log_density_program, *data))


def vi_with_keys(L, all_x, y, seed=10003, steps=4, batch=16):
    """The notebook's SGD loop as written, its noise drawn from threaded keys."""
    np = L.np

    def log_joint(beta):
        return np.sum(L.norm.logpdf(beta, 0.0, 10.0)) + np.sum(
            -np.log(1 + np.exp(-(2 * y - 1) * np.dot(all_x, beta)))
        )

    def elbo(beta_loc, beta_log_scale, epsilon):
        sample = beta_loc + np.exp(beta_log_scale) * epsilon
        return np.mean(L.vmap(log_joint)(sample), 0) + np.sum(beta_log_scale)

    def normal_sample(key, shape):
        new_key, sub_key = L.random.split(key)
        return new_key, L.random.normal(sub_key, shape)

    normal_sample = L.jit(normal_sample, static_argnums=(1,))
    step = L.jit(L.value_and_grad(elbo, argnums=(0, 1)))
    key = L.random.PRNGKey(seed)
    loc, log_scale = np.zeros(all_x.shape[1]), np.zeros(all_x.shape[1])
    keys, epsilons = [], []
    for _ in range(steps):
        key, epsilon = normal_sample(key, (batch, all_x.shape[1]))
        _, (g_loc, g_scale) = step(loc, log_scale, epsilon)
        loc, log_scale = loc + 0.01 * g_loc, log_scale + 0.01 * g_scale
        keys.append(key)
        epsilons.append(epsilon)
    return keys, epsilons, (loc, log_scale)


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")  # host draws
def test_log_densities_with_keys(backend):
    all_x, y, *_ = log_density_data()
    keys, eps, fit = vi_with_keys(G, *on(G, (all_x, y)))
    keys_e, eps_e, fit_e = vi_with_keys(eager(G), *on(G, (all_x, y)))
    same((keys, eps, fit), (keys_e, eps_e, fit_e), rtol=0, atol=0)
    ks = {tuple(to_numpy(k)) for k in keys}
    assert len(ks) == len(keys)  # each step threads a fresh key
    e = onp.stack([to_numpy(x) for x in eps])
    assert not any(onp.array_equal(e[i], e[j]) for i in range(len(e)) for j in range(i))
    assert abs(e.mean()) < 0.25 and abs(e.std() - 1) < 0.15  # 256 standard normal draws


def metropolis(L, log_density, key, x0, steps, scale=0.7):
    """Random-walk Metropolis with a key threaded through ``fori_loop``: each step splits it
    three ways (the next key, the proposal's, the acceptance test's)."""
    np = L.np

    def step(i, carry):
        key, x, lp, accepted = carry
        key, k_prop, k_test = L.random.split(key, 3)
        prop = x + scale * L.random.normal(k_prop, x.shape)
        lp_prop = log_density(prop)
        accept = np.log(L.random.uniform(k_test)) < lp_prop - lp
        return (key, np.where(accept, prop, x), np.where(accept, lp_prop, lp), accepted + accept)

    return L.lax.fori_loop(0, steps, step, (key, x0, log_density(x0), 0))


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")  # host draws
def test_metropolis_chains_by_vmap(backend):
    """vmap over chains of a log-density sampler: each chain its key, all in one batched
    program; the final states follow the target (64 chains, 30 steps from the origin)."""
    mu, sd = onp.array([1.0, -1.0]), onp.array([1.0, 0.5])

    def log_density(x):
        return -0.5 * gnp.sum(((x - gnp.asarray(mu)) / gnp.asarray(sd)) ** 2)

    def chain(key, x0, steps=30):
        return metropolis(G, log_density, key, x0, steps)

    keys, x0 = grandom.split(grandom.PRNGKey(0), 64), gnp.zeros(2)
    _, x, lp, accepted = ad.vmap(chain, in_axes=(0, None))(keys, x0)
    x = to_numpy(x)
    assert onp.all(onp.abs(x.mean(0) - mu) < 3.5 * sd / 8), x.mean(0)
    assert onp.all(onp.abs(x.std(0) / sd - 1) < 0.4), x.std(0)
    assert 0.3 < to_numpy(accepted).mean() / 30 < 0.8
    same(lp, -0.5 * (((x - mu) / sd) ** 2).sum(1))
    same(chain(keys[3], x0)[1], x[3])  # a chain alone is the same chain
    short = functools.partial(chain, steps=4)
    batched = ad.vmap(short, in_axes=(0, None))
    same(ad.jit(batched)(keys[:8], x0), batched(keys[:8], x0), rtol=0, atol=0)


# ---- JAX 101 "Stateful computations" and "Pseudorandom numbers": state threaded through jit --


def momentum_program(L, xs, ys, steps=40):
    def loss_fn(params, batch):
        x, y = batch
        return L.np.mean((params["w"] * x + params["b"] - y) ** 2)

    def optimizer_step(params, grads, opt_state, lr=0.1, decay=0.9):
        new_opt_state = L.tree_map(lambda m, g: decay * m + g, opt_state, grads)
        new_params = L.tree_map(lambda p, m: p - lr * m, params, new_opt_state)
        return new_params, new_opt_state

    @L.jit
    def update(params, opt_state, batch):
        grads = L.grad(loss_fn)(params, batch)
        return optimizer_step(params, grads, opt_state)

    class CounterV2:
        def count(self, n):
            return n + 1, n + 1

        def reset(self):
            return 0

    counter = CounterV2()
    state, counts = L.np.asarray(counter.reset()), []
    count = L.jit(counter.count)
    for _ in range(3):
        value, state = count(state)
        counts.append(value)
    params = {"w": L.np.asarray(1.0), "b": L.np.asarray(0.0)}
    opt_state = L.tree_map(L.np.zeros_like, params)
    for _ in range(steps):
        params, opt_state = update(params, opt_state, (xs, ys))
    return counts, params, opt_state


def test_stateful_computations(backend):
    xs, ys = onp.array([1.0, 2.0, 3.0]), onp.array([3.0, 5.0, 7.0])
    out = momentum_program(G, *on(G, (xs, ys)))
    same(out, momentum_program(eager(G), *on(G, (xs, ys))))
    same(out[0], [1, 2, 3])
    p, m = onp.array([1.0, 0.0]), onp.zeros(2)  # (w, b), heavy-ball with NumPy
    for _ in range(40):
        r = p[0] * xs + p[1] - ys
        m = 0.9 * m + onp.array([2 * onp.mean(r * xs), 2 * onp.mean(r)])
        p = p - 0.1 * m
    same(out[1], {"b": p[1], "w": p[0]})
    same(out[2], {"b": m[1], "w": m[0]})


def test_stateful_computations_matches_jax(backend):
    xs, ys = onp.array([1.0, 2.0, 3.0]), onp.array([3.0, 5.0, 7.0])
    same(*gpuad_and_jax(backend, momentum_program, xs, ys, whole=False))


def random_walk(L, key, x0, steps=6):
    """A key threaded through a jitted step, as JAX 101 teaches (split, use one half, carry the
    other), then the same walk batched over keys by vmap."""

    @L.jit
    def step(key, x):
        key, subkey = L.random.split(key)
        return key, x + 0.1 * L.random.normal(subkey, x.shape)

    def walk(key, x):
        path = []
        for _ in range(steps):
            key, x = step(key, x)
            path.append(x)
        return key, L.np.stack(path)

    return walk(key, x0), L.vmap(walk, in_axes=(0, None))(L.random.split(key, 3), x0)


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")  # host draws
def test_prng_state_through_jit(backend):
    key, x0 = grandom.PRNGKey(42), gnp.zeros(2)
    (k, path), (ks, paths) = random_walk(G, key, x0)
    (k_e, path_e), (ks_e, paths_e) = random_walk(eager(G), key, x0)
    same((k, path, ks, paths), (k_e, path_e, ks_e, paths_e), rtol=0, atol=0)
    p = to_numpy(path)
    assert len({tuple(r) for r in onp.diff(p, axis=0, prepend=0)}) == len(p)  # fresh draws
    for i, k_i in enumerate(grandom.split(key, 3)):  # vmap over keys is the loop over them
        same(random_walk(G, k_i, x0)[0], (ks[i], paths[i]), rtol=0, atol=0)
    assert len({to_numpy(q).tobytes() for q in paths}) == 3
    # the same key in again: the same walk (no hidden state in gpuad.random or jit)
    same(random_walk(G, key, x0)[0], (k, path), rtol=0, atol=0)


# ---- "Custom derivative rules": lax loops under vmap and jit, implicit differentiation -------


def fixed_point_rules(L):
    np = L.np

    @functools.partial(L.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return np.abs(x_prev - x) > 1e-10

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)

        _, x_star = L.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = L.vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = L.vjp(lambda a: f(a, x_star), a)
        (a_bar,) = vjp_a(
            fixed_point(functools.partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar)
        )
        return a_bar, np.zeros_like(x_star)

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        return fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)

    @functools.partial(L.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    app.defvjp(lambda f, x: (f(x), x), lambda f, x, g: (5 * g * x,))

    @L.custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    clip_gradient.defvjp(
        lambda lo, hi, x: (x, (lo, hi)), lambda res, g: (None, None, np.clip(g, *res))
    )

    @L.custom_vjp
    def cube_root(b):
        """The real root of x**3 + x = b, by Newton's method in a fori_loop; its derivative
        from the implicit function theorem: dx/db = 1 / (3 x**2 + 1)."""
        return L.lax.fori_loop(
            0, 30, lambda i, x: x - (x**3 + x - b) / (3 * x**2 + 1), np.zeros_like(b)
        )

    def cube_root_fwd(b):
        x = cube_root(b)
        return x, x

    cube_root.defvjp(cube_root_fwd, lambda x, g: (g / (3 * x**2 + 1),))
    return types.SimpleNamespace(
        newton_sqrt=newton_sqrt, app=app, clip_gradient=clip_gradient, cube_root=cube_root
    )


def fixed_point_program(L, a, t, b):
    np, R = L.np, fixed_point_rules(L)
    clip = L.grad(lambda x: np.sin(R.clip_gradient(-0.75, 0.75, x)) ** 2)
    root_loss = L.grad(lambda b: np.sum(R.cube_root(b) ** 2))
    return {
        "sqrt": L.vmap(R.newton_sqrt)(a),
        "d_sqrt": L.vmap(L.grad(R.newton_sqrt))(a),
        "jacrev_sqrt": L.jacrev(lambda a: L.vmap(R.newton_sqrt)(a))(a),
        "app": (
            L.vmap(L.grad(lambda x: R.app(np.sin, x)))(t),
            compiled(L, L.grad(lambda x: np.sum(R.app(np.cos, x) ** 2)))(t),
        ),
        "clip": (L.vmap(clip)(t), compiled(L, L.vmap(clip))(t)),
        "cube_root": (
            L.jit(R.cube_root)(b),
            compiled(L, root_loss)(b),
            root_loss(b),
            L.vmap(L.grad(R.cube_root))(b),
        ),
    }


def _fixed_point_data():
    return onp.array([2.0, 0.5, 9.0]), onp.linspace(0.0, 4.0, 5), onp.array([-3.0, 0.1, 10.0])


def test_fixed_point_in_lax_loops(backend):
    a, t, b = _fixed_point_data()
    out = fixed_point_program(G, *on(G, (a, t, b)))
    same(out["sqrt"], onp.sqrt(a), rtol=1e-10)
    same(out["d_sqrt"], 0.5 / onp.sqrt(a), rtol=1e-8)
    same(out["jacrev_sqrt"], onp.diag(0.5 / onp.sqrt(a)), rtol=1e-8)
    same(out["app"], (5 * t, 10 * onp.cos(t) * t))
    g = 2 * onp.sin(t) * onp.cos(t)
    same(out["clip"], (onp.clip(g, -0.75, 0.75), onp.clip(g, -0.75, 0.75)))
    x = to_numpy(out["cube_root"][0])
    same(x**3 + x, b)
    same(out["cube_root"][1:], (2 * x / (3 * x**2 + 1), 2 * x / (3 * x**2 + 1), 1 / (3 * x**2 + 1)))
    R = fixed_point_rules(G)
    check_grads(R.cube_root, (b,), order=1, modes=("rev",))
    # its trip count depends on the argument: one step of the compiled program
    jn = ad.jit(R.newton_sqrt)
    for a in (2.0, 7.0):
        same(jn(onp.array(a)), R.newton_sqrt(onp.array(a)), rtol=0)


def test_fixed_point_in_lax_loops_matches_jax(backend):
    data = _fixed_point_data()
    got, want = gpuad_and_jax(backend, fixed_point_program, *data)
    for k in got:
        same(got[k], want[k], rtol=1e-8)


# ---- JAX 101 "Convolutions": lax.conv_general_dilated in NHWC/HWIO, strided, dilated, ------
# ---- transposed (gpuad's conv2d/conv_transpose2d take NCHW/OIHW: the port transposes) -------


def conv_data():
    r = onp.random.default_rng(5)
    kernel = onp.zeros((3, 3, 3, 2))  # HWIO
    kernel += onp.array([[1, 1, 0], [1, 0, -1], [0, -1, -1]])[:, :, None, None]
    kernel[..., 1] *= onp.array([1.0, -0.5, 2.0])
    img = 0.1 * r.standard_normal((1, 9, 8, 3))  # NHWC
    for k in range(3):
        img[0, 1 + 2 * k : 4 + 2 * k, 1 + 2 * k : 3 + 2 * k, k] += 1.0
    return img, kernel


def conv_program(L, img, kernel):
    np = L.np
    pad = ((1, 1), (1, 1))

    def net(img, kernel):
        h = np.tanh(L.conv_nhwc(img, kernel, (2, 2), pad, (1, 1)))  # (1, 5, 4, 2)
        up = L.conv_transpose_nhwc(h, kernel, (2, 2), 1)  # back to (1, 9, 7, 3)
        return np.sum(up**2) + np.sum(L.conv_nhwc(img, kernel, (1, 1), pad, (2, 2)) ** 3)

    return {
        "same": L.conv_nhwc(img, kernel, (1, 1), pad, (1, 1)),
        "strided": L.conv_nhwc(img, kernel, (2, 2), pad, (1, 1)),
        "dilated": L.conv_nhwc(img, kernel, (1, 1), ((0, 0), (0, 0)), (3, 3)),
        "transposed": L.conv_transpose_nhwc(img[..., :2], kernel, (2, 2), 1),
        "grads": L.grad(net, (0, 1))(img, kernel),
        "grads_jit": compiled(L, L.grad(net, (0, 1)))(img, kernel),
    }


def _correlate_nhwc(img, kernel, stride, pad, dil):
    """The convolution of a deep-learning layer, written out with NumPy loops."""
    x = onp.pad(img, ((0, 0), pad[0], pad[1], (0, 0)))
    kh, kw = (kernel.shape[0] - 1) * dil + 1, (kernel.shape[1] - 1) * dil + 1
    ho, wo = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = onp.zeros((1, ho, wo, kernel.shape[3]))
    for i in range(ho):
        for j in range(wo):
            win = x[0, i * stride : i * stride + kh : dil, j * stride : j * stride + kw : dil]
            out[0, i, j] = onp.einsum("hwi,hwio->o", win, kernel)
    return out


def test_convolutions(backend):
    img, kernel = conv_data()
    out = conv_program(G, *on(G, (img, kernel)))
    same(out["same"], _correlate_nhwc(img, kernel, 1, ((1, 1), (1, 1)), 1))
    same(out["strided"], _correlate_nhwc(img, kernel, 2, ((1, 1), (1, 1)), 1))
    same(out["dilated"], _correlate_nhwc(img, kernel, 1, ((0, 0), (0, 0)), 3))
    assert out["transposed"].shape == (1, 17, 15, 3)
    same(out["grads_jit"], out["grads"])
    # a transposed convolution is the adjoint of the strided one: <conv(x), y> = <x, convT(y)>
    # (convT(y) is 7 wide: the 8th column of x, which only one output reads, is set to zero)
    y = onp.random.default_rng(6).standard_normal((1, 5, 4, 2))
    x = img.copy()
    x[:, :, 7] = 0.0
    k = gnp.asarray(kernel)
    lhs = gnp.sum(G.conv_nhwc(gnp.asarray(x), k, (2, 2), ((1, 1), (1, 1)), (1, 1)) * gnp.asarray(y))
    rhs = gnp.sum(G.conv_transpose_nhwc(gnp.asarray(y), k, (2, 2), 1) * gnp.asarray(x[:, :, :7]))
    same(lhs, rhs)


def test_convolutions_match_jax(backend):
    data = conv_data()
    same(*gpuad_and_jax(backend, conv_program, *data))


# ---- linear_transpose in kernel programs: the adjoint of a filter and of a Gram matrix -------


def kernel_data():
    r = onp.random.default_rng(11)
    return (
        r.standard_normal(8),
        onp.array([0.25, 0.5, -0.25]),
        r.standard_normal((6, 2)),
        r.standard_normal(6),
    )


def kernel_program(L, signal, filt, xs, b, iters=4, lam=0.5, jit=True):
    np = L.np

    def blur(w):  # a linear map R^8 -> R^6
        return np.convolve(w, filt, mode="valid")

    (blur_t_of_ones,) = L.linear_transpose(blur, signal)(np.ones(6))

    def rbf(x, y):
        return np.exp(-0.5 * np.sum((x - y) ** 2))

    K = L.vmap(lambda x: L.vmap(lambda y: rbf(x, y))(xs))(xs)

    def cg_solve(b):
        """(B^T B + lam K) w = B^T b by conjugate gradients, B^T from linear_transpose."""
        blur_t = L.linear_transpose(blur, signal)

        def op(w):
            return blur_t(blur(w))[0] + lam * np.concatenate([K @ w[:6], w[6:]])

        rhs = blur_t(b)[0]

        def body(i, carry):
            w, r, p, rs = carry
            Ap = op(p)
            alpha = rs / np.dot(p, Ap)
            w, r = w + alpha * p, r - alpha * Ap
            rs_new = np.dot(r, r)
            return w, r, r + (rs_new / rs) * p, rs_new

        w0 = np.zeros_like(rhs)
        return L.lax.fori_loop(0, iters, body, (w0, rhs, rhs, np.dot(rhs, rhs)))[0]

    def loss(b):
        return np.sum(cg_solve(b) ** 2)

    out = {"blur_t": blur_t_of_ones, "gram": K, "cg": cg_solve(b)}
    if jit:  # (not under check_grads, whose outer derivative keeps jit eager)
        out["cg_grad"], out["cg_jit"] = L.grad(loss)(b), compiled(L, L.value_and_grad(loss))(b)
    return out


def test_kernel_programs_with_linear_transpose(backend):
    signal, filt, xs, b = kernel_data()
    out = kernel_program(G, *on(G, (signal, filt, xs, b)))
    B = onp.stack([onp.convolve(e, filt, mode="valid") for e in onp.eye(8)], axis=1)
    same(out["blur_t"], B.T @ onp.ones(6))
    d2 = ((xs[:, None] - xs[None]) ** 2).sum(-1)
    same(out["gram"], onp.exp(-0.5 * d2))
    same(out["cg_jit"], (gnp.sum(out["cg"] ** 2), out["cg_grad"]))
    check_grads(
        lambda b: kernel_program(G, signal, filt, xs, b, jit=False)["cg"],
        (b,),
        order=1,
        modes=("rev",),
    )


def test_kernel_programs_match_jax(backend):
    data = kernel_data()
    same(*gpuad_and_jax(backend, kernel_program, *data))


# ---- JAX 101 "Working with pytrees": custom nodes, None, namedtuples, transposes, gotchas ----


class MyContainer:
    """A custom pytree node of the tutorial: ``name`` is static, ``a``, ``b``, ``c`` leaves."""

    def __init__(self, name, a, b, c):
        self.name, self.a, self.b, self.c = name, a, b, c


def _flatten_container(x):
    return (x.a, x.b, x.c), x.name


def _unflatten_container(name, children):
    return MyContainer(name, *children)


G.register_pytree_node(MyContainer, _flatten_container, _unflatten_container)
Point = collections.namedtuple("Point", ["x", "y"])


def pytree_energy(L, tree, mixed):
    np = L.np
    leaves = L.tree_flatten((tree, mixed))[0]
    total = sum(np.sum(np.sin(x) * x) for x in leaves)
    return total + np.sum(tree[0].a * mixed["pts"][1].y) + np.sum(tree[1].c ** 3)


def pytree_program(L, a, b, c):
    np = L.np
    tree = [MyContainer("Alice", a, b, c), MyContainer("Bob", c, a, b)]
    mixed = {"pts": [Point(a, b), Point(b, c)], "none": None, "pair": (a, (c,))}

    energy = functools.partial(pytree_energy, L)
    doubled = L.tree_map(lambda x: x * 2, tree)
    episode = [{"obs": a, "t": b}, {"obs": c, "t": a}]
    outer, inner = L.tree_structure([0, 0]), L.tree_structure({"obs": 0, "t": 0})
    batch = MyContainer("batch", np.stack([a, b]), np.stack([b, c]), np.stack([c, a]))
    return {
        "leaves": len(L.tree_flatten((tree, mixed, [None, None]))[0]),
        "grad": L.grad(energy, (0, 1))(tree, mixed),
        "grad_jit": compiled(L, L.grad(energy, (0, 1)))(tree, mixed),
        "map2": L.tree_map(lambda x, y: x + y, tree, doubled),
        "transposed": L.tree_transpose(outer, inner, episode),
        "vmap": L.vmap(lambda m: MyContainer(m.name, m.a * m.b + m.c, m.b, np.sum(m.c)))(batch),
        "shapes_are_leaves": L.tree_map(lambda s: np.ones(s), [(2, 3), (3, 4)]),
    }


def _pytree_data():
    r = onp.random.default_rng(12)
    return r.standard_normal(3), r.standard_normal(3), r.standard_normal(3)


def test_pytrees(backend):
    a, b, c = _pytree_data()
    out = pytree_program(G, *on(G, (a, b, c)))
    assert out["leaves"] == 12  # None is an empty subtree, not a leaf
    (g_tree, g_mixed) = out["grad"]
    assert [t.name for t in g_tree] == ["Alice", "Bob"] and isinstance(g_mixed["pts"][0], Point)
    assert g_mixed["none"] is None
    same(out["grad_jit"], out["grad"])
    d = lambda x: onp.sin(x) + x * onp.cos(x)  # noqa: E731
    same(g_tree[0].a, d(a) + c)
    same(g_tree[1].c, d(b) + 3 * b**2)
    same(g_mixed["pts"][1].y, d(c) + a)
    same(out["transposed"], {"obs": [a, c], "t": [b, a]})
    v = out["vmap"]
    assert v.name == "batch"
    same((v.a, v.c), (onp.stack([a * b + c, b * c + a]), onp.stack([c.sum(), a.sum()])))
    same(out["shapes_are_leaves"], [(onp.ones(2), onp.ones(3)), (onp.ones(3), onp.ones(4))])
    tree = [MyContainer("Alice", a, b, c), MyContainer("Bob", c, a, b)]
    check_grads(
        lambda t: pytree_energy(G, t, {"pts": [Point(*on(G, (a, b))), Point(*on(G, (b, c)))]}),
        (tree,),
        order=order_of(backend, 2),
        modes=("rev",),
    )


def test_pytrees_match_jax(backend):
    data = _pytree_data()
    got, want = gpuad_and_jax(backend, pytree_program, *data)
    assert got["leaves"] == int(want["leaves"])
    del got["leaves"], want["leaves"]
    same(got, want)


# ---- "Training a simple neural network": vmap'd per-example predict, one_hot, jitted SGD -----


def init_network_params(sizes, scale=0.3, seed=13):
    r = onp.random.default_rng(seed)
    return [
        (scale * r.standard_normal((n, m)), scale * r.standard_normal(n))
        for m, n in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def simple_nn_program(L, params, images, labels, steps=2, step_size=0.5):
    np = L.np

    def predict(params, image):  # one example; vmap batches it
        activations = image
        for w, b in params[:-1]:
            activations = np.maximum(0, np.dot(w, activations) + b)
        final_w, final_b = params[-1]
        logits = np.dot(final_w, activations) + final_b
        return logits - L.logsumexp(logits)

    batched_predict = L.vmap(predict, in_axes=(None, 0))

    def one_hot(x, k, dtype=np.float64):
        return np.array(x[:, None] == np.arange(k), dtype)

    def loss(params, images, targets):
        return -np.mean(batched_predict(params, images) * targets)

    @L.jit
    def update(params, x, y):
        grads = L.grad(loss)(params, x, y)
        return [
            (w - step_size * dw, b - step_size * db)
            for (w, b), (dw, db) in zip(params, grads, strict=True)
        ]

    targets = one_hot(labels, 3)
    for _ in range(steps):
        params = update(params, images, targets)
    return (
        params,
        loss(params, images, targets),
        predict(params, images[0]),
        np.argmax(batched_predict(params, images), axis=1),
    )


def _simple_nn_data():
    r = onp.random.default_rng(14)
    labels = r.integers(0, 3, 10)
    images = r.standard_normal((10, 5)) + onp.eye(3, 5)[labels]
    return init_network_params([5, 6, 3]), images, labels


def test_simple_neural_network(backend):
    params, images, labels = _simple_nn_data()
    out = simple_nn_program(G, *on(G, (params, images, labels)))
    same(out, simple_nn_program(eager(G), *on(G, (params, images, labels))))
    w1, b1 = params[0]
    logits = onp.maximum(0, images[0] @ w1.T + b1) @ params[1][0].T + params[1][1]
    first = simple_nn_program(G, *on(G, (params, images, labels)), steps=0)
    same(first[2], logits - onp.log(onp.sum(onp.exp(logits))))
    assert float(out[1]) < float(first[1])

    def loss_of(p):
        return simple_nn_program(G, p, *on(G, (images, labels)), steps=0)[1]

    check_grads(loss_of, (params,), order=order_of(backend, 2), modes=("rev",))


def test_simple_neural_network_matches_jax(backend):
    data = _simple_nn_data()
    same(*gpuad_and_jax(backend, simple_nn_program, *data))


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")  # host draws
def test_simple_neural_network_random_init(backend):
    """The tutorial's initialisation with keys: one split per layer, then one per w and b."""

    def random_layer_params(m, n, key, scale=1e-2):
        w_key, b_key = grandom.split(key)
        return scale * grandom.normal(w_key, (n, m)), scale * grandom.normal(b_key, (n,))

    def init(sizes, key):
        keys = grandom.split(key, len(sizes))
        return [
            random_layer_params(m, n, k)
            for m, n, k in zip(sizes[:-1], sizes[1:], keys, strict=False)
        ]

    params = init([40, 30, 10], grandom.PRNGKey(0))
    assert [(w.shape, b.shape) for w, b in params] == [((30, 40), (30,)), ((10, 30), (10,))]
    same(params, init([40, 30, 10], grandom.PRNGKey(0)), rtol=0, atol=0)
    jitted = ad.jit(lambda k: init([40, 30, 10], k))(grandom.PRNGKey(0))
    same(jitted, params, rtol=0, atol=0)
    w = to_numpy(params[0][0])
    assert abs(w.std() - 1e-2) < 1e-3 and abs(w.mean()) < 1e-3  # 1200 draws
    assert not onp.array_equal(to_numpy(params[0][0])[:10, :10], to_numpy(params[1][0])[:, :10])


# ---- examples/differentially_private_sgd.py with its noise drawn from keys -----------------


def dp_noise(L, rng, like):
    """The example's noise: one key per leaf of the summed gradient, split from ``rng``."""
    leaves, tdef = L.tree_flatten(like)
    rngs = L.random.split(rng, len(leaves))
    return L.tree_unflatten(
        tdef, [L.random.normal(r, g.shape) for r, g in zip(rngs, leaves, strict=True)]
    )


def dp_train(L, params, batch, rng, steps=3, clip=0.4, sigma=1.1, lr=0.5):
    @L.jit
    def private_update(params, batch, step_rng):
        noise = dp_noise(L, step_rng, params)
        grads = private_grad(L, params, batch, noise, clip, sigma, batch[0].shape[0])
        return L.tree_map(lambda p, g: p - lr * g, params, grads), noise

    noises = []
    for i in range(steps):
        params, noise = private_update(params, batch, L.random.fold_in(rng, i))
        noises.append(noise)
    return params, noises


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")  # host draws
def test_dpsgd_noise_from_keys(backend):
    params, batch, _ = _dp_setup()
    P, B, rng = on(G, params), on(G, batch), grandom.PRNGKey(1)
    trained, noises = dp_train(G, P, B, rng)
    same((trained, noises), dp_train(eager(G), P, B, rng), rtol=0, atol=0)
    # each step draws fresh noise of the parameters' structure, from fold_in(rng, step)
    assert ad.tree_structure(noises[0]) == ad.tree_structure(P)
    first = [to_numpy(z).ravel() for z in ad.tree_leaves(noises[0])]
    second = [to_numpy(z).ravel() for z in ad.tree_leaves(noises[1])]
    assert not any(onp.array_equal(a, b) for a, b in zip(first, second, strict=True))
    same(noises[1], dp_noise(G, grandom.fold_in(rng, 1), P), rtol=0, atol=0)
    z = onp.concatenate(first + second)
    assert abs(z.mean()) < 0.35 and abs(z.std() - 1) < 0.3  # 2 x 53 standard normal draws
    # one step by hand with the same noise: the example's update
    p1 = ad.tree_map(lambda p, g: p - 0.5 * g, P, private_grad(G, P, B, noises[0], 0.4, 1.1, 4))
    same(dp_train(G, P, B, rng, steps=1)[0], p1)


# ---- regressions found by these ports --------------------------------------------------------


def test_gradient_of_a_0d_argument_used_twice_is_an_array(backend):
    """Two contributions to the gradient of a 0-d argument summed by NumPy make a NumPy
    scalar; the gradient is a 0-d array of the backend, as its jitted form returns (and as
    JAX returns), so that ``g[...] = 0`` and in-place updates work on it."""
    x = gnp.asarray(-0.2)

    def f(b):
        return gnp.exp(b) * 3.0 + b

    eager_g, jitted_g = ad.grad(f)(x), ad.jit(ad.grad(f))(x)
    assert not isinstance(eager_g, onp.generic) and type(eager_g) is type(jitted_g)
    assert not isinstance(ad.vjp(f, x)[1](gnp.asarray(1.0))[0], onp.generic)
    same(eager_g, 3.0 * onp.exp(-0.2) + 1.0)
    same(jitted_g, eager_g)
