"""Example programs not ported elsewhere, each run beside its original library on the same data
and initial parameters:

- HIPS autograd (these parts run in CI, against autograd): ``examples/fluidsim/fluidsim.py``
  (semi-Lagrangian advection by floor-indexed bilinear interpolation, a Gauss-Seidel projection
  written into its arguments with ``-=``, the initial velocity optimised by SciPy's CG on
  ``value_and_grad``), ``examples/ica.py`` (``npr.RandomState`` draws, rows sorted by Python's
  ``sorted`` over an array, column writes into ``np.zeros``, ``scipy.stats.t.logpdf`` in its
  location and scale, SciPy's CG with a callback) and ``examples/negative_binomial_maxlike.py``
  (``scipy.optimize.newton`` with ``grad`` and ``grad(grad)`` of a function that is itself a
  ``grad`` through a closure, ``npr.gamma``/``npr.poisson`` draws, ``grad`` of a tuple);
- JAX (x64): Hamiltonian Monte Carlo (leapfrog through ``grad`` of a log density in a
  ``lax.fori_loop``, a jitted Metropolis step, the energy error differentiated twice in the step
  size), a RealNVP affine-coupling flow on parameter dicts (log-det-Jacobian against
  ``jacfwd``, the inverse, ``example_libraries.optimizers.adam`` under ``jit``), and a
  WaveNet-style stack of dilated causal convolutions (``lax.conv_general_dilated`` with
  ``rhs_dilation`` and left padding, gated units, residual and skip paths, ``one_hot``,
  ``vmap`` of the loss, greedy generation, jitted SGD); JAX's
  ``examples/spmd_mnist_classifier_fromscratch.py`` (``pmap`` with ``lax.psum``);
- PyTorch (float64): the well-known RealNVP of two-moons notebooks (masks as
  ``nn.Parameter(requires_grad=False)``, ``x.new_zeros``, ``log_det_J -= ...``,
  ``MultivariateNormal.log_prob``, ``backward(retain_graph=True)``, Adam over the parameters
  that require grad) and a WaveNet (a ``CausalConv1d`` subclass of ``nn.Conv1d`` that stores its
  padding in a name-mangled attribute before ``super().__init__``, ``chunk``,
  ``F.one_hot(...).permute``, ``cross_entropy`` over (N, C, T), SGD with momentum; also with
  the hook-based ``nn.utils.weight_norm`` on its dilated convolutions), pytorch/examples'
  ``vision_transformer/main.py`` (``unfold`` patches, a class token concatenated, ``+=`` of a
  positional embedding, ``MultiheadAttention``, Adam with weight decay), a soft actor-critic
  policy (``TransformedDistribution`` with ``TanhTransform(cache_size=1)``) and
  ``TransformedDistribution``'s shapes and densities.

Each program is written once against a namespace of its library's names (or gpuad's, as
docs/porting.md gives them). Values, gradients and a few optimisation steps must agree to
about 1e-9 relative. Random draws made by the JAX programs come from NumPy and are handed to
both (the libraries draw different numbers for one key). Differences from the originals: the
sizes; MNIST and two-moons data are small random sets; ``.float()`` is ``.double()`` (the
comparison runs in float64); JAX's ``xla_bridge.device_count()`` is ``jax.device_count()``.
"""

from __future__ import annotations

import functools
import types

import numpy as onp
import pytest
from conftest import to_numpy
from scipy.optimize import minimize

import gpuad as ad
import gpuad.numpy as gnp

R = onp.random.default_rng(404)


@pytest.fixture(autouse=True)
def _fresh_draws():
    """Each test draws the same data whichever tests ran before it (xdist splits them)."""
    global R
    R = onp.random.default_rng(404)


def _close(a, b, rtol=1e-9, atol=1e-12, msg=""):
    onp.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol, err_msg=msg)


# ================================ HIPS autograd (runs in CI) ================================


def _ag():
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    import autograd.numpy.random as anpr
    import autograd.scipy.special as asp
    import autograd.scipy.stats.t as at

    return types.SimpleNamespace(lib="autograd", np=anp, npr=anpr, t=at, gammaln=asp.gammaln,
                                 grad=autograd.grad, value_and_grad=autograd.value_and_grad)


def _g():
    import gpuad.numpy.random as gnpr
    import gpuad.scipy.special as gsp
    import gpuad.scipy.stats.t as gt

    return types.SimpleNamespace(lib="gpuad", np=gnp, npr=gnpr, t=gt, gammaln=gsp.gammaln,
                                 grad=ad.grad, value_and_grad=ad.value_and_grad)


# ---- examples/fluidsim/fluidsim.py (plotting left out) ----


def fluidsim(A):
    np = A.np

    def project(vx, vy):
        """Project the velocity field to be approximately mass-conserving,
        using a few iterations of Gauss-Seidel."""
        p = np.zeros(vx.shape)
        h = 1.0 / vx.shape[0]
        div = -0.5 * h * (np.roll(vx, -1, axis=0) - np.roll(vx, 1, axis=0)
                          + np.roll(vy, -1, axis=1) - np.roll(vy, 1, axis=1))
        for _k in range(10):
            p = (div + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0) + np.roll(p, 1, axis=1)
                 + np.roll(p, -1, axis=1)) / 4.0
        vx -= 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
        vy -= 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
        return vx, vy

    def advect(f, vx, vy):
        """Move field f according to x and y velocities (u and v)
        using an implicit Euler integrator."""
        rows, cols = f.shape
        cell_ys, cell_xs = np.meshgrid(np.arange(rows), np.arange(cols))
        center_xs = (cell_xs - vx).ravel()
        center_ys = (cell_ys - vy).ravel()
        left_ix = np.floor(center_xs).astype(int)
        top_ix = np.floor(center_ys).astype(int)
        rw = center_xs - left_ix
        bw = center_ys - top_ix
        left_ix = np.mod(left_ix, rows)
        right_ix = np.mod(left_ix + 1, rows)
        top_ix = np.mod(top_ix, cols)
        bot_ix = np.mod(top_ix + 1, cols)
        flat_f = (1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix]) + rw * (
            (1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix])
        return np.reshape(flat_f, (rows, cols))

    def simulate(vx, vy, smoke, num_time_steps):
        for _t in range(num_time_steps):
            vx_updated = advect(vx, vx, vy)
            vy_updated = advect(vy, vx, vy)
            vx, vy = project(vx_updated, vy_updated)
            smoke = advect(smoke, vx, vy)
        return smoke

    return simulate


def _fluidsim_run(A, init_smoke, target, params0, steps):
    np = A.np
    rows, cols = target.shape
    simulate = fluidsim(A)

    def distance_from_target_image(smoke):
        return np.mean((target - smoke) ** 2)

    def convert_param_vector_to_matrices(params):
        vx = np.reshape(params[: (rows * cols)], (rows, cols))
        vy = np.reshape(params[(rows * cols):], (rows, cols))
        return vx, vy

    def objective(params):
        init_vx, init_vy = convert_param_vector_to_matrices(params)
        final_smoke = simulate(init_vx, init_vy, init_smoke, steps)
        return distance_from_target_image(final_smoke)

    objective_with_grad = A.value_and_grad(objective)
    value, grad = objective_with_grad(params0)
    seen = []
    init_dx_and_dy = np.zeros((2, rows, cols)).ravel()
    result = minimize(objective_with_grad, init_dx_and_dy, jac=True, method="CG",
                      options={"maxiter": 3}, callback=lambda p: seen.append(onp.array(p)))
    return value, grad, result.x, result.fun, onp.array(seen)


def test_fluidsim():
    A = _ag()
    rows = cols = 7
    init_smoke, target = R.random((rows, cols)), R.random((rows, cols))
    params0 = R.standard_normal(2 * rows * cols) * 0.4  # some cells move more than one cell
    want = _fluidsim_run(A, init_smoke, target, params0, 5)
    got = _fluidsim_run(_g(), init_smoke, target, params0, 5)
    assert onp.abs(want[1]).max() > 1e-3
    for w, g, what in zip(want, got, ("value", "grad", "x", "fun", "iterates"), strict=True):
        _close(g, w, rtol=1e-9, atol=1e-14, msg=what)
    assert got[3] < got[0] or got[3] < float(_fluidsim_run(_g(), init_smoke, target,
                                                             onp.zeros_like(params0), 5)[0])


# ---- examples/ica.py (plotting left out) ----


def make_ica_funs(A, observed_dimension, latent_dimension):
    np, t = A.np, A.t

    def sample(weights, n_samples, noise_std, rs):
        latents = rs.randn(latent_dimension, n_samples)
        latents = np.array(sorted(latents.T, key=lambda a_entry: a_entry[0])).T
        noise = rs.randn(n_samples, observed_dimension) * noise_std
        observed = predict(weights, latents) + noise
        return latents, observed

    def predict(weights, latents):
        return np.dot(weights, latents).T

    def logprob(weights, latents, noise_std, observed):
        preds = predict(weights, latents)
        log_lik = np.sum(t.logpdf(preds, 2.4, observed, noise_std))
        return log_lik

    num_weights = observed_dimension * latent_dimension

    def unpack_weights(weights):
        return np.reshape(weights, (observed_dimension, latent_dimension))

    return num_weights, sample, logprob, unpack_weights


def _ica_run(A):
    np, npr = A.np, A.npr
    observed_dimension, latent_dimension, true_noise_var, n_samples = 7, 2, 1.0, 15
    num_weights, sample, logprob, unpack_weights = make_ica_funs(A, observed_dimension,
                                                                 latent_dimension)
    num_latent_params = latent_dimension * n_samples
    total_num_params = num_weights + num_latent_params + 1

    def unpack_params(params):
        weights = unpack_weights(params[:num_weights])
        latents = np.reshape(params[num_weights: num_weights + num_latent_params],
                             (latent_dimension, n_samples))
        noise_std = np.exp(params[-1])
        return weights, latents, noise_std

    rs = npr.RandomState(0)
    true_weights = np.zeros((observed_dimension, latent_dimension))
    for i in range(latent_dimension):
        true_weights[:, i] = np.sin(np.linspace(0, 4 + i * 3.2, observed_dimension))
    true_latents, data = sample(true_weights, n_samples, true_noise_var, rs)

    def objective(params):
        weight_matrix, latents, noise_std = unpack_params(params)
        return -logprob(weight_matrix, latents, noise_std, data) / n_samples

    seen = []

    def callback(params):
        weights, latents, noise_std = unpack_params(params)
        seen.append((float(-objective(params)), float(noise_std)))

    rs = npr.RandomState(0)
    init_params = rs.randn(total_num_params)
    value, grad = A.value_and_grad(objective)(init_params)
    result = minimize(A.value_and_grad(objective), init_params, jac=True, method="CG",
                      callback=callback, options={"maxiter": 5})
    return true_weights, true_latents, data, value, grad, result.x, onp.array(seen)


def test_ica():
    want = _ica_run(_ag())
    got = _ica_run(_g())
    names = ("true_weights", "true_latents", "data", "value", "grad", "x", "callback")
    for w, g, what in zip(want, got, names, strict=True):
        _close(g, w, rtol=1e-9, atol=1e-12, msg=what)
    assert onp.all(onp.diff(to_numpy(got[1])[0]) >= 0)  # the latents sorted by their first row
    assert got[6][-1, 0] > -got[3]  # the log likelihood went up


# ---- examples/negative_binomial_maxlike.py (plotting left out) ----


def _negbin_run(A):
    np, npr, gammaln, grad = A.np, A.npr, A.gammaln, A.grad
    import scipy.optimize

    def newton(f, x0):
        return scipy.optimize.newton(f, x0, fprime=grad(f), fprime2=grad(grad(f)))

    def negbin_loglike(r, p, x):
        return gammaln(r + x) - gammaln(r) - gammaln(x + 1) + x * np.log(p) + r * np.log(1 - p)

    def negbin_sample(r, p, size):
        return npr.poisson(npr.gamma(r, p / (1 - p), size=size))

    def fit_maxlike(x, r_guess):
        assert np.var(x) > np.mean(x), "Likelihood-maximizing parameters don't exist!"
        loglike = lambda r, p: np.sum(negbin_loglike(r, p, x))  # noqa: E731
        p = lambda r: np.sum(x) / np.sum(r + x)  # noqa: E731
        rprime = lambda r: grad(loglike)(r, p(r))  # noqa: E731
        r = newton(rprime, r_guess)
        return r, p(r)

    npr.seed(0)
    data = negbin_sample(r=5, p=0.5, size=200)
    r, p = fit_maxlike(data, r_guess=1)
    stationary = grad(lambda rp: np.sum(negbin_loglike(rp[0], rp[1], data)))((r, p))
    xm = data.max()
    fitted = np.exp(negbin_loglike(r, p, np.arange(xm)))
    return data, r, p, stationary, fitted


def test_negative_binomial_maxlike():
    want = _negbin_run(_ag())
    got = _negbin_run(_g())
    _close(got[0], want[0], rtol=0, atol=0, msg="data")
    # Newton stops within its tolerance: the fits agree to that, not to rounding
    for w, g, what in zip(want[1:3] + want[4:], got[1:3] + got[4:], ("r", "p", "pmf"),
                          strict=True):
        _close(g, w, rtol=1e-10, msg=what)
    assert isinstance(got[3], tuple) and len(got[3]) == 2
    for s in got[3]:
        assert abs(float(s)) < 1e-8  # a stationary point of the likelihood


# ========================================= JAX ==========================================


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    old = jax.config.values["jax_disable_most_optimizations"]
    jax.config.update("jax_disable_most_optimizations", True)
    yield jax
    jax.config.update("jax_disable_most_optimizations", old)


def _jax_J(jax):
    import jax.numpy as jnp
    import jax.scipy.special
    import jax.scipy.stats.norm
    from jax.example_libraries import optimizers

    return types.SimpleNamespace(
        lib="jax", np=jnp, lax=jax.lax, nn=jax.nn, norm=jax.scipy.stats.norm, jit=jax.jit,
        grad=jax.grad, value_and_grad=jax.value_and_grad, vmap=jax.vmap, jacfwd=jax.jacfwd,
        pmap=jax.pmap, device_count=jax.device_count, optimizers=optimizers,
        logsumexp=jax.scipy.special.logsumexp, tree_map=jax.tree_util.tree_map,
        asarray=jnp.asarray)


def _gpuad_J():
    import gpuad.scipy.special
    import gpuad.scipy.stats.norm
    from gpuad import jax_nn, lax
    from gpuad.example_libraries import optimizers

    return types.SimpleNamespace(
        lib="gpuad", np=gnp, lax=lax, nn=jax_nn, norm=gpuad.scipy.stats.norm, jit=ad.jit,
        grad=ad.grad, value_and_grad=ad.value_and_grad, vmap=ad.vmap, jacfwd=ad.jacfwd,
        pmap=getattr(ad, "pmap", None), device_count=getattr(ad, "device_count", None),
        optimizers=optimizers, logsumexp=gpuad.scipy.special.logsumexp, tree_map=ad.tree_map,
        asarray=ad.get_backend().xp.asarray)


def _same_trees(jax, want, got, rtol=1e-9, atol=1e-12, what=""):
    lw, lg = jax.tree_util.tree_leaves(want), ad.tree_leaves(got)
    assert len(lw) == len(lg), what
    for i, (w, g) in enumerate(zip(lw, lg, strict=True)):
        _close(g, onp.asarray(w), rtol=rtol, atol=atol, msg=f"{what}[{i}]")


# ---- Hamiltonian Monte Carlo on a Bayesian logistic regression ----

HMC_X = R.standard_normal((20, 3))
HMC_Y = (R.random(20) < 0.5).astype(float)


def hmc_program(J, q0, moms, us, h0=0.3):
    np, lax = J.np, J.lax

    def log_density(w):
        logits = np.dot(HMC_X, w)
        ll = np.sum(HMC_Y * J.nn.log_sigmoid(logits) + (1 - HMC_Y) * J.nn.log_sigmoid(-logits))
        return ll + np.sum(J.norm.logpdf(w, 0.0, 2.0))

    def potential(w):
        return -log_density(w)

    grad_U = J.grad(potential)

    def leapfrog(q, p, step_size, n_steps):
        p = p - 0.5 * step_size * grad_U(q)

        def body(i, carry):
            q, p = carry
            q = q + step_size * p
            p = p - step_size * grad_U(q)
            return q, p

        q, p = lax.fori_loop(0, n_steps - 1, body, (q, p))
        q = q + step_size * p
        p = p - 0.5 * step_size * grad_U(q)
        return q, -p

    def hamiltonian(q, p):
        return potential(q) + 0.5 * np.sum(p ** 2)

    @functools.partial(J.jit, static_argnums=(3,))
    def step(q, p, step_size, n_steps, u):
        q_new, p_new = leapfrog(q, p, step_size, n_steps)
        log_accept = hamiltonian(q, p) - hamiltonian(q_new, p_new)
        accept = np.log(u) < log_accept
        return np.where(accept, q_new, q), np.minimum(1.0, np.exp(log_accept))

    def energy_error(step_size, q, p):
        q_new, p_new = leapfrog(q, p, step_size, 5)
        return (hamiltonian(q_new, p_new) - hamiltonian(q, p)) ** 2

    q, chain, accept = q0, [], []
    for p, u in zip(moms, us, strict=True):
        q, a = step(q, p, 0.3, 5, u)
        chain.append(q)
        accept.append(a)
    e, de = J.value_and_grad(energy_error)(h0, q0, moms[0])
    d2e = J.grad(J.grad(energy_error))(h0, q0, moms[0])
    dq = J.grad(energy_error, argnums=1)(h0, q0, moms[0])
    return np.stack(chain), np.stack(accept), e, de, d2e, dq


def test_hmc_leapfrog(jax):
    q0, moms, us = R.standard_normal(3) * 0.1, R.standard_normal((4, 3)), R.random(4)
    want = hmc_program(_jax_J(jax), q0, moms, us)
    got = hmc_program(_gpuad_J(), q0, moms, us)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _close(g, onp.asarray(w), rtol=1e-9, atol=1e-13, msg=str(i))
    # the step size's derivative against a central difference of the energy error
    eps = 1e-5
    up = hmc_program(_gpuad_J(), q0, moms, us, 0.3 + eps)[2]
    down = hmc_program(_gpuad_J(), q0, moms, us, 0.3 - eps)[2]
    _close(got[3], (up - down) / (2 * eps), rtol=1e-6)


# ---- RealNVP: affine coupling layers on parameter dicts ----

NVP_D, NVP_H = 4, 8
NVP_MASKS = onp.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0]], float)


def _nvp_params():
    def layer():
        return {"W1": R.standard_normal((NVP_D, NVP_H)) * 0.4, "b1": R.standard_normal(NVP_H) * 0.1,
                "Ws": R.standard_normal((NVP_H, NVP_D)) * 0.3, "bs": R.standard_normal(NVP_D) * 0.1,
                "Wt": R.standard_normal((NVP_H, NVP_D)) * 0.3, "bt": R.standard_normal(NVP_D) * 0.1}

    return [layer() for _ in NVP_MASKS]


def realnvp_program(J, params0, data):
    np = J.np

    def coupling_forward(p, mask, x):
        xm = x * mask
        h = np.tanh(xm @ p["W1"] + p["b1"])
        s = np.tanh(h @ p["Ws"] + p["bs"]) * (1 - mask)
        t = (h @ p["Wt"] + p["bt"]) * (1 - mask)
        z = xm + (1 - mask) * (x * np.exp(s) + t)
        return z, np.sum(s, axis=-1)

    def coupling_inverse(p, mask, z):
        zm = z * mask
        h = np.tanh(zm @ p["W1"] + p["b1"])
        s = np.tanh(h @ p["Ws"] + p["bs"]) * (1 - mask)
        t = (h @ p["Wt"] + p["bt"]) * (1 - mask)
        return zm + (1 - mask) * (z - t) * np.exp(-s)

    def forward(params, x):
        log_det = np.zeros(x.shape[0])
        for p, m in zip(params, NVP_MASKS, strict=True):
            x, ld = coupling_forward(p, m, x)
            log_det = log_det + ld
        return x, log_det

    def inverse(params, z):
        for p, m in zip(reversed(params), NVP_MASKS[::-1], strict=True):
            z = coupling_inverse(p, m, z)
        return z

    def log_prob(params, x):
        z, log_det = forward(params, x)
        return np.sum(J.norm.logpdf(z), axis=-1) + log_det

    def loss(params, x):
        return -np.mean(log_prob(params, x))

    x = J.asarray(data)
    value, grads = J.value_and_grad(loss)(params0, x)
    jac = J.jacfwd(lambda e: forward(params0, e[None])[0][0])(x[0])
    log_det0 = forward(params0, x[:1])[1][0]
    z, _ = forward(params0, x)
    back = inverse(params0, z)
    opt_init, opt_update, get_params = J.optimizers.adam(1e-2)

    @J.jit
    def update(i, state, x):
        v, g = J.value_and_grad(loss)(get_params(state), x)
        return opt_update(i, g, state), v

    state, losses = opt_init(params0), []
    for i in range(4):
        state, v = update(i, state, x)
        losses.append(v)
    return value, grads, jac, log_det0, back, np.stack(losses), get_params(state)


def test_realnvp_affine_coupling_jax(jax):
    params0 = _nvp_params()
    data = R.standard_normal((16, NVP_D)) @ onp.array(
        [[1, .5, 0, 0], [0, 1, .3, 0], [0, 0, 1, -.4], [.2, 0, 0, 1]])
    want = realnvp_program(_jax_J(jax), params0, data)
    got = realnvp_program(_gpuad_J(), params0, data)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _same_trees(jax, w, g, what=str(i))
    _close(onp.linalg.slogdet(to_numpy(got[2]))[1], to_numpy(got[3]))  # log|det J| by jacfwd
    _close(got[4], data)  # inverse(forward(x)) = x
    assert float(got[5][-1]) < float(got[5][0])


# ---- WaveNet: dilated causal convolutions with gated units ----

WN_Q, WN_C, WN_DILATIONS = 8, 6, (1, 2, 4, 1)


def _wn_params():
    def w(*s):
        return R.standard_normal(s) * 0.3

    return {"embed": w(WN_Q, WN_C),
            "layers": [{"filt": w(2, WN_C, WN_C), "gate": w(2, WN_C, WN_C), "res": w(WN_C, WN_C),
                        "skip": w(WN_C, WN_C), "bf": w(WN_C), "bg": w(WN_C)}
                       for _ in WN_DILATIONS],
            "out1": w(WN_C, WN_C), "out2": w(WN_C, WN_Q)}


def wavenet_program(J, params0, tokens):
    np, lax, nn = J.np, J.lax, J.nn

    def causal_conv(x, w, dilation):
        return lax.conv_general_dilated(
            x, w, window_strides=(1,), padding=[(dilation * (w.shape[0] - 1), 0)],
            rhs_dilation=(dilation,), dimension_numbers=("NWC", "WIO", "NWC"))

    def net(params, toks):
        x = nn.one_hot(toks, WN_Q) @ params["embed"]
        skips = 0.0
        for lp, d in zip(params["layers"], WN_DILATIONS, strict=True):
            f = np.tanh(causal_conv(x, lp["filt"], d) + lp["bf"])
            g = nn.sigmoid(causal_conv(x, lp["gate"], d) + lp["bg"])
            z = f * g
            skips = skips + np.einsum("btc,cd->btd", z, lp["skip"])
            x = x + np.einsum("btc,cd->btd", z, lp["res"])
        h = nn.relu(skips) @ params["out1"]
        return nn.log_softmax(nn.relu(h) @ params["out2"], axis=-1)

    def loss(params, toks):
        logp = net(params, toks[:, :-1])
        target = nn.one_hot(toks[:, 1:], WN_Q)
        return -np.mean(np.sum(logp * target, axis=-1))

    toks = J.asarray(tokens)
    value, grads = J.value_and_grad(loss)(params0, toks)
    # the log-probabilities at time 5 depend on the tokens up to 5 only
    d_embed = J.grad(lambda e: net(dict(params0, embed=e), toks)[0, 5, 3])(params0["embed"])
    per_example = J.vmap(lambda t: loss(params0, t[None]))(toks)
    seq = tokens[:1, :4]
    for _ in range(3):
        nxt = onp.asarray(to_numpy(np.argmax(net(params0, J.asarray(seq))[:, -1], axis=-1)))
        seq = onp.concatenate([seq, nxt[:, None]], axis=1)
    step = J.jit(lambda p, t: J.value_and_grad(loss)(p, t))
    params, losses = params0, []
    for _ in range(3):
        v, g = step(params, toks)
        params = J.tree_map(lambda a, b: a - 0.5 * b, params, g)
        losses.append(v)
    return value, grads, d_embed, per_example, seq, np.stack(losses), params


def test_wavenet_dilated_causal_convs_jax(jax):
    params0 = _wn_params()
    tokens = R.integers(0, WN_Q, (3, 17))
    want = wavenet_program(_jax_J(jax), params0, tokens)
    got = wavenet_program(_gpuad_J(), params0, tokens)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _same_trees(jax, w, g, what=str(i))
    # causality: the embedding rows of tokens seen only after time 5 get no gradient
    seen = set(tokens[0, :6].tolist())
    for q in range(WN_Q):
        assert (onp.abs(to_numpy(got[2])[q]).max() > 0) == (q in seen), q
    assert float(got[5][-1]) < float(got[5][0])


# ======================================== PyTorch =========================================


@pytest.fixture()
def torch():
    torch = pytest.importorskip("torch")
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(0)  # the models' initial weights (loaded into gpuad's)
    yield torch
    torch.set_default_dtype(old)
    torch.set_num_threads(threads)


def _torch_T(torch):
    return types.SimpleNamespace(
        lib="torch", nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
        distributions=torch.distributions, from_numpy=torch.from_numpy, tensor=torch.tensor,
        exp=torch.exp, tanh=torch.tanh, sigmoid=torch.sigmoid, zeros=torch.zeros, eye=torch.eye)


def _gpuad_T():
    from gpuad import distributions, optim
    from gpuad import nn as gnn
    from gpuad.nn import functional as gF

    xp = ad.get_backend().xp
    return types.SimpleNamespace(
        lib="gpuad", nn=gnn, F=gF, optim=optim, distributions=distributions,
        from_numpy=lambda a: ad.tensor(xp.asarray(a)), tensor=lambda a: ad.tensor(xp.asarray(a)),
        exp=gnp.exp, tanh=gnp.tanh, sigmoid=gF.sigmoid, zeros=lambda *s: ad.tensor(xp.zeros(s)),
        eye=lambda n: ad.tensor(xp.eye(n)))


def _load(gmodel, tmodel):
    xp = ad.get_backend().xp
    gmodel.load_state_dict({k: xp.asarray(v.detach().numpy())
                            for k, v in tmodel.state_dict().items()})


def _t(a):
    return a.detach().numpy() if hasattr(a, "detach") and not isinstance(a, ad.Tensor) else a


# ---- RealNVP on two moons (the flow of the well-known PyTorch notebooks) ----


def realnvp_torch(T, hidden=16):
    nn = T.nn

    class RealNVP(nn.Module):
        def __init__(self, nets, nett, mask, prior):
            super().__init__()
            self.prior = prior
            self.mask = nn.Parameter(mask, requires_grad=False)
            self.t = nn.ModuleList([nett() for _ in range(len(mask))])
            self.s = nn.ModuleList([nets() for _ in range(len(mask))])

        def g(self, z):
            x = z
            for i in range(len(self.t)):
                x_ = x * self.mask[i]
                s = self.s[i](x_) * (1 - self.mask[i])
                t = self.t[i](x_) * (1 - self.mask[i])
                x = x_ + (1 - self.mask[i]) * (x * T.exp(s) + t)
            return x

        def f(self, x):
            log_det_J, z = x.new_zeros(x.shape[0]), x
            for i in reversed(range(len(self.t))):
                z_ = self.mask[i] * z
                s = self.s[i](z_) * (1 - self.mask[i])
                t = self.t[i](z_) * (1 - self.mask[i])
                z = (1 - self.mask[i]) * (z - t) * T.exp(-s) + z_
                log_det_J -= s.sum(dim=1)
            return z, log_det_J

        def log_prob(self, x):
            z, logp = self.f(x)
            return self.prior.log_prob(z) + logp

        def sample(self, batchSize):
            z = self.prior.sample((batchSize, 1))
            x = self.g(z)
            return x

    def nets():
        return nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(), nn.Linear(hidden, hidden),
                             nn.LeakyReLU(), nn.Linear(hidden, 2), nn.Tanh())

    def nett():
        return nn.Sequential(nn.Linear(2, hidden), nn.LeakyReLU(), nn.Linear(hidden, hidden),
                             nn.LeakyReLU(), nn.Linear(hidden, 2))

    masks = T.from_numpy(onp.array([[0, 1], [1, 0]] * 3).astype(onp.float64))
    prior = T.distributions.MultivariateNormal(T.zeros(2), T.eye(2))
    return RealNVP(nets, nett, masks, prior)


def _realnvp_train(T, flow, moons, zs):
    optimizer = T.optim.Adam([p for p in flow.parameters() if p.requires_grad == True],  # noqa: E712
                             lr=1e-2)
    losses = []
    for noisy_moons in moons:
        loss = -flow.log_prob(T.from_numpy(noisy_moons)).mean()
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        optimizer.step()
        losses.append(loss.item())
    x = flow.g(T.from_numpy(zs))
    z, log_det = flow.f(x)
    return (onp.array(losses), x, z, log_det, flow.s[0][0].weight.grad, flow.t[2][4].bias,
            flow.mask)


def test_realnvp_two_moons_torch(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    tflow, gflow = realnvp_torch(tT), realnvp_torch(gT)
    _load(gflow, tflow)
    assert [n for n, _ in gflow.named_parameters()] == [n for n, _ in tflow.named_parameters()]
    assert sum(p.requires_grad for p in gflow.parameters()) == 72  # all but the masks
    moons = [R.standard_normal((10, 2)) * [1, .5] + [.3, 0] for _ in range(3)]
    zs = R.standard_normal((5, 2))
    want = _realnvp_train(tT, tflow, moons, zs)
    got = _realnvp_train(gT, gflow, moons, zs)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _close(g, _t(w), msg=str(i))
    _close(got[2], zs)  # f inverts g
    assert gflow.mask.grad is None
    # sample: the prior's draws have shape (n, 1, 2) and go through g unchanged in shape
    assert tuple(gflow.sample(4).shape) == tuple(tflow.sample(4).shape) == (4, 1, 2)


# ---- a WaveNet: a CausalConv1d subclass, gated residual blocks, skip connections ----


def wavenet_torch(T, weight_norm=False):
    nn, F = T.nn, T.F

    class CausalConv1d(nn.Conv1d):
        def __init__(self, in_channels, out_channels, kernel_size, dilation=1, **kwargs):
            self.__padding = (kernel_size - 1) * dilation
            super().__init__(in_channels, out_channels, kernel_size, padding=self.__padding,
                             dilation=dilation, **kwargs)

        def forward(self, input):
            result = super().forward(input)
            if self.__padding != 0:
                return result[:, :, :-self.__padding]
            return result

    class ResidualBlock(nn.Module):
        def __init__(self, res_channels, skip_channels, dilation):
            super().__init__()
            self.dilated = CausalConv1d(res_channels, 2 * res_channels, kernel_size=2,
                                        dilation=dilation)
            if weight_norm:  # as MelGAN/HiFi-GAN-style vocoders wrap their convolutions
                self.dilated = nn.utils.weight_norm(self.dilated)
            self.conv_res = nn.Conv1d(res_channels, res_channels, 1)
            self.conv_skip = nn.Conv1d(res_channels, skip_channels, 1)

        def forward(self, x):
            filt, gate = self.dilated(x).chunk(2, dim=1)
            gated = T.tanh(filt) * T.sigmoid(gate)
            return self.conv_res(gated) + x, self.conv_skip(gated)

    class WaveNet(nn.Module):
        def __init__(self, n_classes=8, res_channels=6, skip_channels=5, layers=3, stacks=2):
            super().__init__()
            self.n_classes = n_classes
            self.causal = CausalConv1d(n_classes, res_channels, kernel_size=2)
            self.blocks = nn.ModuleList([ResidualBlock(res_channels, skip_channels, 2 ** i)
                                         for _ in range(stacks) for i in range(layers)])
            self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(skip_channels, skip_channels, 1),
                                     nn.ReLU(), nn.Conv1d(skip_channels, n_classes, 1))

        def forward(self, tokens):
            x = F.one_hot(tokens, self.n_classes).permute(0, 2, 1).double()
            x = self.causal(x)
            skips = []
            for block in self.blocks:
                x, skip = block(x)
                skips.append(skip)
            return self.out(sum(skips))

    return WaveNet()


def _wavenet_train(T, model, toks):
    opt = T.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    tk = T.tensor(toks)
    losses = []
    for _ in range(3):
        logits = model(tk[:, :-1])
        loss = T.F.cross_entropy(logits, tk[:, 1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    dilated = model.blocks[4].dilated
    grad = dilated.weight_v.grad if hasattr(dilated, "weight_v") else dilated.weight.grad
    return (onp.array(losses), model(T.tensor(toks[:, :10])), grad, model.causal.bias)


@pytest.mark.parametrize("weight_norm", [False, True])
def test_wavenet_torch(torch, weight_norm):
    import warnings

    tT, gT = _torch_T(torch), _gpuad_T()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's weight_norm is deprecated
        tm, gm = wavenet_torch(tT, weight_norm), wavenet_torch(gT, weight_norm)
    _load(gm, tm)
    assert sorted(gm.state_dict()) == sorted(tm.state_dict())
    toks = R.integers(0, 8, (3, 20))
    want = _wavenet_train(tT, tm, toks)
    got = _wavenet_train(gT, gm, toks)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _close(g, _t(w), msg=str(i))
    assert got[0][-1] < got[0][0]
    # causal: the output at time 4 does not change when later tokens do
    changed = toks[:, :10].copy()
    changed[:, 5:] = (changed[:, 5:] + 1) % 8
    out = to_numpy(gm(gT.tensor(changed)).detach())
    _close(out[:, :, :5], to_numpy(got[1].detach())[:, :, :5])
    assert onp.abs(out[:, :, 5:] - to_numpy(got[1].detach())[:, :, 5:]).max() > 1e-6


# ---- JAX's examples/spmd_mnist_classifier_fromscratch.py ----
# (jax.device_count() is 1 on this CPU: both run one mapped position; tests/test_pmap.py
# checks gpuad's pmap over several positions against the summed gradients)


def spmd_program(J, layer_sizes, images, labels, steps):
    np, lax, logsumexp = J.np, J.lax, J.logsumexp
    tree_map = J.tree_map

    def init_random_params(scale, layer_sizes, rng=onp.random.RandomState(0)):  # noqa: B008
        return [(scale * rng.randn(m, n), scale * rng.randn(n))
                for m, n, in zip(layer_sizes[:-1], layer_sizes[1:], strict=False)]

    def predict(params, inputs):
        activations = inputs
        for w, b in params[:-1]:
            outputs = np.dot(activations, w) + b
            activations = np.tanh(outputs)
        final_w, final_b = params[-1]
        logits = np.dot(activations, final_w) + final_b
        return logits - logsumexp(logits, axis=1, keepdims=True)

    def loss(params, batch):
        inputs, targets = batch
        preds = predict(params, inputs)
        return -np.mean(preds * targets)

    @J.jit
    def accuracy(params, batch):
        inputs, targets = batch
        target_class = np.argmax(targets, axis=1)
        predicted_class = np.argmax(predict(params, inputs), axis=1)
        return np.mean(predicted_class == target_class)

    step_size, batch_size = 0.5, 8
    num_devices = J.device_count()

    def data_stream():
        rng = onp.random.RandomState(0)
        num_train = images.shape[0]
        while True:
            perm = rng.permutation(num_train)
            for i in range(num_train // batch_size):
                batch_idx = perm[i * batch_size:(i + 1) * batch_size]
                imgs, labs = images[batch_idx], labels[batch_idx]
                batch_size_per_device, ragged = divmod(imgs.shape[0], num_devices)
                shape_prefix = (num_devices, batch_size_per_device)
                yield imgs.reshape(shape_prefix + imgs.shape[1:]), labs.reshape(
                    shape_prefix + labs.shape[1:])

    batches = data_stream()

    @functools.partial(J.pmap, axis_name="batch")
    def spmd_update(params, batch):
        grads = J.grad(loss)(params, batch)
        grads = [(lax.psum(dw, "batch"), lax.psum(db, "batch")) for dw, db in grads]
        return [(w - step_size * dw, b - step_size * db)
                for (w, b), (dw, db) in zip(params, grads, strict=True)]

    init_params = init_random_params(0.1, layer_sizes)
    replicate_array = lambda x: onp.broadcast_to(x, (num_devices,) + x.shape)  # noqa: E731
    replicated_params = tree_map(replicate_array, init_params)
    for _ in range(steps):
        replicated_params = spmd_update(replicated_params, next(batches))
    params = tree_map(lambda x: x[0], replicated_params)
    return params, accuracy(params, (images, labels))


def test_spmd_mnist_classifier_fromscratch(jax):
    images = R.standard_normal((32, 12))
    classes = R.integers(0, 4, 32)
    images[onp.arange(32), classes] += 2.0
    labels = onp.eye(4)[classes]
    want = spmd_program(_jax_J(jax), [12, 10, 4], images, labels, 6)
    got = spmd_program(_gpuad_J(), [12, 10, 4], images, labels, 6)
    _same_trees(jax, want, got)
    assert float(got[1]) > 0.5


# ---- pytorch/examples vision_transformer/main.py (TrainEval's loop without tqdm and CIFAR) ----
# The example calls nn.MultiheadAttention (batch_first=False) on (batch, patches, latent):
# attention runs across the batch axis, in both libraries alike. torch.device and
# torch.cuda.is_available have no gpuad counterpart (one backend): the namespace gives "cpu"
# and False; the randn draws for the class token and positional embedding are torch's, loaded.


def vit_program(T):
    nn, torch = T.nn, T  # the example's torch.* calls go to T
    class PatchExtractor(nn.Module):
        def __init__(self, patch_size=16):
            super().__init__()
            self.patch_size = patch_size
        def forward(self, input_data):
            batch_size, channels, height, width = input_data.size()
            assert height % self.patch_size == 0 and width % self.patch_size == 0
            num_patches_h = height // self.patch_size
            num_patches_w = width // self.patch_size
            num_patches = num_patches_h * num_patches_w
            patches = input_data.unfold(2, self.patch_size, self.patch_size). \
                unfold(3, self.patch_size, self.patch_size). \
                permute(0, 2, 3, 1, 4, 5). \
                contiguous(). \
                view(batch_size, num_patches, -1)
            return patches
    class InputEmbedding(nn.Module):
        def __init__(self, args):
            super(InputEmbedding, self).__init__()  # noqa: UP008
            self.patch_size = args.patch_size
            self.n_channels = args.n_channels
            self.latent_size = args.latent_size
            use_cuda = not args.no_cuda and torch.cuda.is_available()
            self.device = torch.device("cuda" if use_cuda else "cpu")
            self.batch_size = args.batch_size
            self.input_size = self.patch_size * self.patch_size * self.n_channels
            self.LinearProjection = nn.Linear(self.input_size, self.latent_size)
            self.class_token = nn.Parameter(
                torch.randn(self.batch_size, 1, self.latent_size).to(self.device))
            self.pos_embedding = nn.Parameter(
                torch.randn(self.batch_size, 1, self.latent_size).to(self.device))
        def forward(self, input_data):
            input_data = input_data.to(self.device)
            patchify = PatchExtractor(patch_size=self.patch_size)
            patches = patchify(input_data)
            linear_projection = self.LinearProjection(patches).to(self.device)
            b, n, _ = linear_projection.shape
            linear_projection = torch.cat((self.class_token, linear_projection), dim=1)
            pos_embed = self.pos_embedding[:, :n + 1, :]
            linear_projection += pos_embed
            return linear_projection
    class EncoderBlock(nn.Module):
        def __init__(self, args):
            super(EncoderBlock, self).__init__()  # noqa: UP008
            self.latent_size = args.latent_size
            self.num_heads = args.num_heads
            self.dropout = args.dropout
            self.norm = nn.LayerNorm(self.latent_size)
            self.attention = nn.MultiheadAttention(self.latent_size, self.num_heads,
                                                   dropout=self.dropout)
            self.enc_MLP = nn.Sequential(
                nn.Linear(self.latent_size, self.latent_size * 4), nn.GELU(),
                nn.Dropout(self.dropout),
                nn.Linear(self.latent_size * 4, self.latent_size), nn.Dropout(self.dropout))
        def forward(self, emb_patches):
            first_norm = self.norm(emb_patches)
            attention_out = self.attention(first_norm, first_norm, first_norm)[0]
            first_added = attention_out + emb_patches
            second_norm = self.norm(first_added)
            mlp_out = self.enc_MLP(second_norm)
            return mlp_out + first_added
    class ViT(nn.Module):
        def __init__(self, args):
            super(ViT, self).__init__()  # noqa: UP008
            self.num_encoders = args.num_encoders
            self.latent_size = args.latent_size
            self.num_classes = args.num_classes
            self.dropout = args.dropout
            self.embedding = InputEmbedding(args)
            self.encoders = nn.ModuleList([EncoderBlock(args) for _ in range(self.num_encoders)])
            self.MLPHead = nn.Sequential(nn.LayerNorm(self.latent_size),
                                         nn.Linear(self.latent_size, self.latent_size),
                                         nn.Linear(self.latent_size, self.num_classes))
        def forward(self, test_input):
            enc_output = self.embedding(test_input)
            for enc_layer in self.encoders:
                enc_output = enc_layer(enc_output)
            class_token_embed = enc_output[:, 0]
            return self.MLPHead(class_token_embed)
    return ViT


def _vit_train(T, model, args, imgs, labels):
    optimizer = T.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    criterion = T.nn.CrossEntropyLoss()
    model.train()
    losses = []
    for _ in range(3):
        images, lab = T.tensor(imgs), T.tensor(labels)
        optimizer.zero_grad()
        logits = model(images)
        loss = criterion(logits, lab)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return (onp.array(losses), model(T.tensor(imgs)), model.embedding.class_token.grad,
            model.encoders[1].attention.in_proj_weight.grad, model.embedding.pos_embedding)


def test_vision_transformer(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.cuda, tT.device, tT.randn, tT.cat = torch.cuda, torch.device, torch.randn, torch.cat
    xp = ad.get_backend().xp
    gT.cuda, gT.device = types.SimpleNamespace(is_available=lambda: False), lambda s: s
    gT.randn = lambda *s: ad.tensor(xp.asarray(R.standard_normal(s)))
    gT.cat = lambda ts, dim=0: gnp.concatenate(ts, axis=dim)
    args = types.SimpleNamespace(
        no_cuda=True, patch_size=4, latent_size=12, n_channels=3, num_heads=3, num_encoders=2,
        dropout=0.0, num_classes=5, lr=1e-2, weight_decay=3e-2, batch_size=4)
    tm, gm = vit_program(tT)(args), vit_program(gT)(args)
    _load(gm, tm)
    imgs, labels = R.standard_normal((4, 3, 8, 8)), R.integers(0, 5, 4)
    want = _vit_train(tT, tm, args, imgs, labels)
    got = _vit_train(gT, gm, args, imgs, labels)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        _close(g, _t(w), msg=str(i))


# ---- a soft actor-critic policy (the tanh-squashed Gaussian of SAC implementations) ----
# TransformedDistribution with TanhTransform(cache_size=1) (the log-probability of the squashed
# sample uses the cached pre-tanh value), and an Independent of an Affine-then-Exp transform;
# the reparameterisation noise is given (the libraries draw different numbers).


def sac_actor(T):
    nn, D = T.nn, T.distributions

    class Actor(nn.Module):
        def __init__(self, obs_dim, act_dim, hidden=16, log_std_min=-5, log_std_max=2):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU())
            self.mu = nn.Linear(hidden, act_dim)
            self.log_std = nn.Linear(hidden, act_dim)
            self.log_std_min, self.log_std_max = log_std_min, log_std_max

        def forward(self, obs, eps):
            h = self.net(obs)
            mu = self.mu(h)
            log_std = T.clamp(self.log_std(h), self.log_std_min, self.log_std_max)
            std = log_std.exp()
            base = D.Normal(mu, std)
            pi = D.TransformedDistribution(base, [D.transforms.TanhTransform(cache_size=1)])
            x = mu + std * eps  # rsample with given noise
            a = pi.transforms[0](x)
            logp = pi.log_prob(a).sum(-1)
            log_normal = D.TransformedDistribution(
                base, [D.transforms.AffineTransform(0.5, 2.0), D.transforms.ExpTransform()])
            logp2 = D.Independent(log_normal, 1).log_prob(T.exp(0.5 + 2.0 * x))
            return a, logp, logp2

    return Actor(3, 2)


def test_sac_tanh_policy(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.clamp, gT.clamp = torch.clamp, lambda x, lo, hi: gnp.clip(x, lo, hi)
    tm, gm = sac_actor(tT), sac_actor(gT)
    _load(gm, tm)
    obs, eps = R.standard_normal((5, 3)), R.standard_normal((5, 2))
    eps[0, 0] = 12.0  # a saturated action: only the cached inverse keeps its log-probability
    res = []
    for T, m in ((tT, tm), (gT, gm)):
        a, logp, logp2 = m(T.tensor(obs), T.tensor(eps))
        loss = (0.2 * logp - a.sum(-1)).mean() + 0.01 * logp2.mean()
        loss.backward()
        res.append((a, logp, logp2, loss, m.mu.weight.grad, m.log_std.bias.grad))
    for i, (w, g) in enumerate(zip(*res, strict=True)):
        _close(g, _t(w), msg=str(i))
    assert onp.all(onp.isfinite(to_numpy(res[1][1].detach())))


def test_transformed_distributions_against_torch(torch):
    """The shapes and log-densities of TransformedDistribution with event_dim transforms, a
    ComposeTransform over an Independent base, and expand, as torch's."""
    import gpuad.distributions as G

    T = torch.distributions
    loc, sc = R.standard_normal((4, 3)), onp.exp(R.standard_normal((4, 3)))
    al, asc = R.standard_normal(3), R.standard_normal(3)
    y = R.standard_normal((2, 4, 3))

    def build(M, t):
        base = M.Normal(t(loc), t(sc))
        affine = M.transforms.AffineTransform(t(al), t(asc), event_dim=1)
        d1 = M.TransformedDistribution(base, [affine])
        d2 = M.TransformedDistribution(M.Independent(base, 1), M.transforms.ComposeTransform(
            [affine, M.transforms.SigmoidTransform()]))
        return d1, d2, d1.expand((2, 4))

    want = build(T, torch.tensor)
    got = build(G, lambda a: ad.tensor(ad.get_backend().xp.asarray(a)))
    values = (y, 1 / (1 + onp.exp(-y)), y)
    for w, g, v in zip(want, got, values, strict=True):
        assert tuple(g.batch_shape) == tuple(w.batch_shape)
        assert tuple(g.event_shape) == tuple(w.event_shape)
        _close(g.log_prob(ad.get_backend().xp.asarray(v)), w.log_prob(torch.tensor(v)).numpy())
    assert tuple(got[1].sample((5,)).shape) == tuple(want[1].sample((5,)).shape)
