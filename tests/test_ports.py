"""Programs of the kind people write for HIPS autograd, JAX and PyTorch, run through gpuad.

Each program is written once against a NumPy-like namespace ``np`` (and, where it needs SciPy,
a namespace ``sp`` with ``special`` and ``stats``) and run twice: with ``gpuad.numpy`` under
``gpuad.grad`` and with ``autograd.numpy`` under ``autograd.grad``. Values and gradients must
agree to float64 round-off. The models follow HIPS autograd's examples (logistic regression, a
Gaussian process, black-box variational inference, RNN/LSTM, a fluid simulation, ...), written
anew; they use the features users reach for: pytrees of parameters, in-place updates of
intermediates, integer index arithmetic, ``logsumexp``, SciPy's distributions, optimizers.
"""

from __future__ import annotations

import numpy as onp
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

ag = pytest.importorskip("autograd")
agnp = pytest.importorskip("autograd.numpy")


def _sp_pair():
    pytest.importorskip("scipy")
    import autograd.scipy.special as ag_special
    import autograd.scipy.stats as ag_stats

    import gpuad.scipy.special as g_special
    import gpuad.scipy.stats as g_stats

    class G:
        special, stats = g_special, g_stats

    class A:
        special, stats = ag_special, ag_stats

    return G, A


def _leaves(tree):
    return [onp.asarray(to_numpy(x), dtype=onp.float64) for x in ad.tree_flatten(tree)[0]]


def _same(got, want, rtol=1e-9, atol=1e-11):
    g, w = _leaves(got), [onp.asarray(x, dtype=onp.float64) for x in ad.tree_flatten(want)[0]]
    assert len(g) == len(w)
    for a, b in zip(g, w, strict=True):
        onp.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _compare(program, params, *args, argnums=0, rtol=1e-9, atol=1e-11):
    """value_and_grad of ``program(np, params, *args)`` in gpuad and in HIPS autograd."""
    vg = ad.value_and_grad(lambda p, *a: program(gnp, p, *a), argnums)
    # data arrays on the backend, as a GPU program holds them (a host array indexed by device
    # indices, as in the fluid simulation's advection, is refused by CuPy)
    val, g = vg(params, *[gnp.asarray(a) if isinstance(a, onp.ndarray) else a for a in args])
    want_val = program(agnp, params, *args)
    want_g = ag.grad(lambda p, *a: program(agnp, p, *a), argnums)(params, *args)
    assert not isinstance(val, ad.Tensor)
    onp.testing.assert_allclose(float(to_numpy(val)), float(want_val), rtol=rtol, atol=atol)
    _same(g, want_g, rtol, atol)
    return g


# ---- logistic regression (tanh-based sigmoid, log-likelihood of labels) ---------------------

def logistic_loss(np, w, x, y):
    p = 0.5 * (np.tanh(np.dot(x, w) / 2.0) + 1.0)
    probs = p * y + (1 - p) * (1 - y)
    return -np.sum(np.log(probs))


def test_logistic_regression(backend):
    r = onp.random.default_rng(0)
    x = r.standard_normal((20, 3))
    y = (r.random(20) > 0.5).astype(float)
    w = r.standard_normal(3)
    _compare(logistic_loss, w, x, y)
    # a few steps of gradient descent stay in lockstep
    wa, wb = w.copy(), w.copy()
    for _ in range(5):
        wa = wa - 0.05 * to_numpy(ad.grad(lambda v: logistic_loss(gnp, v, x, y))(wa))
        wb = wb - 0.05 * ag.grad(lambda v: logistic_loss(agnp, v, x, y))(wb)
    onp.testing.assert_allclose(wa, wb, rtol=1e-10)


# ---- a multilayer perceptron on a list of (W, b) tuples, log-softmax, L2 prior --------------

def mlp_objective(np, params, x, t):
    h = x
    for w, b in params[:-1]:
        h = np.tanh(np.dot(h, w) + b)
    w, b = params[-1]
    logits = np.dot(h, w) + b
    lse = np.max(logits, axis=1, keepdims=True)
    lse = lse + np.log(np.sum(np.exp(logits - lse), axis=1, keepdims=True))
    logp = logits - lse
    prior = sum(np.sum(w ** 2) + np.sum(b ** 2) for w, b in params)
    return -np.sum(logp * t) + 0.01 * prior


def test_mlp_list_of_tuples(backend):
    r = onp.random.default_rng(1)
    sizes = [4, 6, 5, 3]
    params = [(r.standard_normal((m, n)) * 0.5, r.standard_normal(n) * 0.1)
              for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    x = r.standard_normal((8, 4))
    t = onp.eye(3)[r.integers(0, 3, 8)]
    g = _compare(mlp_objective, params, x, t)
    assert isinstance(g, list) and all(isinstance(p, tuple) and len(p) == 2 for p in g)


# ---- a Gaussian process marginal likelihood (RBF kernel, multivariate normal) ---------------

def gp_nll(np, params, x, y, sp):
    mean, log_noise, log_amp, log_len = params[0], params[1], params[2], params[3]
    d = np.expand_dims(x / np.exp(log_len), 1) - np.expand_dims(x / np.exp(log_len), 0)
    k = np.exp(2 * log_amp) * np.exp(-0.5 * np.sum(d ** 2, axis=2))
    cov = k + (np.exp(log_noise) + 1e-6) * np.eye(len(y))
    return -sp.stats.multivariate_normal.logpdf(y, mean * np.ones(len(y)), cov)


def test_gaussian_process(backend):
    G, A = _sp_pair()
    r = onp.random.default_rng(2)
    x = onp.linspace(-2, 2, 9)[:, None]
    y = onp.sin(2 * x[:, 0]) + 0.1 * r.standard_normal(9)
    params = onp.array([0.1, -2.0, 0.2, -0.3])
    vg = ad.value_and_grad(lambda p: gp_nll(gnp, p, x, y, G))
    val, g = vg(params)
    want = ag.value_and_grad(lambda p: gp_nll(agnp, p, x, y, A))(params)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-9)
    onp.testing.assert_allclose(to_numpy(g), want[1], rtol=1e-8, atol=1e-10)


# ---- black-box variational inference (reparameterised Gaussian, norm.logpdf) ----------------

def bbvi_elbo(np, params, eps, sp):
    d = eps.shape[1]
    mean, log_std = params[:d], params[d:]
    z = eps * np.exp(log_std) + mean
    # a banana-shaped unnormalised log density
    mu, sigma = 0.0, np.exp(z[:, 0])
    logp = sp.stats.norm.logpdf(z[:, 1], mu, sigma) + sp.stats.norm.logpdf(z[:, 0], 0, 1.35)
    entropy = 0.5 * d * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(np.mean(logp) + entropy)


def test_black_box_svi(backend):
    G, A = _sp_pair()
    r = onp.random.default_rng(3)
    eps = r.standard_normal((50, 2))
    params = onp.array([-1.0, -1.0, -5.0, -5.0]) * 0.2
    val, g = ad.value_and_grad(lambda p: bbvi_elbo(gnp, p, eps, G))(params)
    want = ag.value_and_grad(lambda p: bbvi_elbo(agnp, p, eps, A))(params)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-10)
    onp.testing.assert_allclose(to_numpy(g), want[1], rtol=1e-9, atol=1e-12)


# ---- a recurrent network over a sequence, state kept in a Python list ------------------------

def rnn_loss(np, params, seq):
    w_in, w_h, b, w_out = params["w_in"], params["w_h"], params["b"], params["w_out"]
    h = np.zeros(w_h.shape[0])
    outs = []
    for x in seq:
        h = np.tanh(np.dot(np.concatenate([x, h]), np.concatenate([w_in, w_h])) + b)
        outs.append(np.dot(h, w_out))
    preds = np.array(outs)
    return np.sum((preds[:-1] - seq[1:, 0]) ** 2)


def test_rnn_dict_params_and_list_of_outputs(backend):
    r = onp.random.default_rng(4)
    params = {"w_in": r.standard_normal((2, 5)) * 0.5, "w_h": r.standard_normal((5, 5)) * 0.3,
              "b": r.standard_normal(5) * 0.1, "w_out": r.standard_normal(5)}
    seq = r.standard_normal((7, 2))
    _compare(rnn_loss, params, seq)


# ---- an LSTM cell, sigmoid through logaddexp, logsumexp output --------------------------------

def lstm_loss(np, params, seq, sp):
    n = params["wf"].shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    total = 0.0
    for x in seq:
        xh = np.concatenate([x, h])
        f = sp.special.expit(np.dot(xh, params["wf"]))
        i = sp.special.expit(np.dot(xh, params["wi"]))
        o = sp.special.expit(np.dot(xh, params["wo"]))
        c = f * c + i * np.tanh(np.dot(xh, params["wc"]))
        h = o * np.tanh(c)
        total = total + sp.special.logsumexp(h * 3.0)
    return total


def test_lstm(backend):
    G, A = _sp_pair()
    r = onp.random.default_rng(5)
    params = {k: r.standard_normal((6, 4)) * 0.4 for k in ("wf", "wi", "wo", "wc")}
    seq = r.standard_normal((5, 2))
    val, g = ad.value_and_grad(lambda p: lstm_loss(gnp, p, seq, G))(params)
    want = ag.value_and_grad(lambda p: lstm_loss(agnp, p, seq, A))(params)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-10)
    _same(g, want[1])


# ---- a fluid step: rolls, floor-based integer indexing, in-place updates of intermediates ----

def _project(np, vx, vy):
    h = 1.0 / vx.shape[0]
    div = -0.5 * h * (np.roll(vx, -1, axis=0) - np.roll(vx, 1, axis=0)
                      + np.roll(vy, -1, axis=1) - np.roll(vy, 1, axis=1))
    p = np.zeros(vx.shape)
    for _ in range(4):
        p = (div + np.roll(p, 1, axis=0) + np.roll(p, -1, axis=0) + np.roll(p, 1, axis=1)
             + np.roll(p, -1, axis=1)) / 4.0
    vx -= 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)) / h
    vy -= 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1)) / h
    return vx, vy


def _advect(np, f, vx, vy):
    rows, cols = f.shape
    ys, xs = onp.meshgrid(onp.arange(rows), onp.arange(cols))
    cx = (xs - vx).ravel()
    cy = (ys - vy).ravel()
    left = np.floor(cx).astype(int)
    top = np.floor(cy).astype(int)
    rw = cx - left
    bw = cy - top
    left = np.mod(left, rows)
    right = np.mod(left + 1, rows)
    top = np.mod(top, cols)
    bot = np.mod(top + 1, cols)
    flat = (1 - rw) * ((1 - bw) * f[left, top] + bw * f[left, bot]) + rw * (
        (1 - bw) * f[right, top] + bw * f[right, bot])
    return np.reshape(flat, (rows, cols))


def fluid_objective(np, params, smoke, target):
    n = smoke.shape[0]
    vx = np.reshape(params[: n * n], (n, n))
    vy = np.reshape(params[n * n:], (n, n))
    for _ in range(3):
        vx2 = _advect(np, vx, vx, vy)
        vy2 = _advect(np, vy, vx, vy)
        vx, vy = _project(np, vx2, vy2)
        smoke = _advect(np, smoke, vx, vy)
    return np.mean((target - smoke) ** 2)


def test_fluid_simulation(backend):
    r = onp.random.default_rng(6)
    n = 6
    smoke = r.random((n, n))
    target = r.random((n, n))
    params = r.standard_normal(2 * n * n) * 0.3
    _compare(fluid_objective, params, smoke, target, rtol=1e-8, atol=1e-12)


# ---- negative binomial maximum likelihood (gammaln) ------------------------------------------

def negbin_nll(np, params, data, sp):
    r, p = np.exp(params[0]), sp.special.expit(params[1])
    ll = (sp.special.gammaln(data + r) - sp.special.gammaln(r) - sp.special.gammaln(data + 1)
          + r * np.log(1 - p) + data * np.log(p))
    return -np.sum(ll)


def test_negative_binomial(backend):
    G, A = _sp_pair()
    data = onp.array([0.0, 3, 1, 7, 2, 4, 4, 9, 0, 1])
    params = onp.array([0.3, -0.2])
    val, g = ad.value_and_grad(lambda p: negbin_nll(gnp, p, data, G))(params)
    want = ag.value_and_grad(lambda p: negbin_nll(agnp, p, data, A))(params)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-10)
    onp.testing.assert_allclose(to_numpy(g), want[1], rtol=1e-9)


# ---- a Gaussian mixture log-likelihood (logsumexp over components, Cholesky covariances) -----

def gmm_nll(np, params, data, sp):
    k = params["means"].shape[0]
    logw = params["log_w"] - sp.special.logsumexp(params["log_w"])
    comps = []
    for i in range(k):
        chol = params["chol"][i]
        cov = np.dot(chol, chol.T) + 0.1 * np.eye(2)
        comps.append(sp.stats.multivariate_normal.logpdf(data, params["means"][i], cov))
    lp = np.array(comps).T + logw
    return -np.sum(sp.special.logsumexp(lp, axis=1))


def test_gaussian_mixture(backend):
    G, A = _sp_pair()
    r = onp.random.default_rng(7)
    params = {"log_w": r.standard_normal(3) * 0.1, "means": r.standard_normal((3, 2)),
              "chol": r.standard_normal((3, 2, 2)) * 0.5}
    data = r.standard_normal((15, 2))
    val, g = ad.value_and_grad(lambda p: gmm_nll(gnp, p, data, G))(params)
    want = ag.value_and_grad(lambda p: gmm_nll(agnp, p, data, A))(params)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-10)
    _same(g, want[1], rtol=1e-8)


# ---- higher derivatives of tanh (elementwise_grad nested six times) -----------------------------

def test_tanh_sixth_derivative(backend):
    from autograd import elementwise_grad as ag_egrad

    from gpuad.misc import elementwise_grad

    x = onp.linspace(-3, 3, 13)
    f, fa = gnp.tanh, agnp.tanh
    for _ in range(6):
        f, fa = elementwise_grad(f), ag_egrad(fa)
    onp.testing.assert_allclose(to_numpy(f(x)), fa(x), rtol=1e-8, atol=1e-10)


# ---- a custom primitive (logsumexp with its own vjp), and a fixed-point solver -----------------

def test_custom_vjp_logsumexp(backend):
    @ad.custom_vjp
    def lse(x):
        m = gnp.max(x)
        return m + gnp.log(gnp.sum(gnp.exp(x - m)))

    def fwd(x):
        ans = lse(x)
        return ans, (ans, x)

    def bwd(res, g):
        ans, x = res
        return (g * gnp.exp(x - ans),)

    lse.defvjp(fwd, bwd)
    x = onp.array([0.5, -1.0, 2.0])
    got = ad.grad(lambda v: lse(v) * 2.0)(x)
    want = ag.grad(lambda v: 2.0 * (agnp.log(agnp.sum(agnp.exp(v)))))(x)
    onp.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)


def _newton_sqrt(np, a):
    x = 1.0 + 0.0 * a
    for _ in range(30):
        x = 0.5 * (x + a / x)
    return x


def test_fixed_point_unrolled(backend):
    a = onp.array([2.0, 3.0, 10.0])
    got = ad.grad(lambda v: gnp.sum(_newton_sqrt(gnp, v)))(a)
    want = ag.grad(lambda v: agnp.sum(_newton_sqrt(agnp, v)))(a)
    onp.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)
    onp.testing.assert_allclose(to_numpy(got), 0.5 / onp.sqrt(a), rtol=1e-10)


# ---- optimizers on a pytree, driven by a gradient function, as autograd.misc.optimizers -------

def test_adam_on_pytree_matches_autograd(backend):
    from autograd.misc.optimizers import adam as ag_adam

    from gpuad.misc.optimizers import adam

    r = onp.random.default_rng(8)
    x = r.standard_normal((12, 3))
    y = (r.random(12) > 0.5).astype(float)
    init = {"w": r.standard_normal(3), "b": onp.array(0.1)}

    def loss(np, p):
        return logistic_loss(np, p["w"], x, y) + p["b"] ** 2

    got = adam(ad.grad(lambda p, i: loss(gnp, p)), init, num_iters=20, step_size=0.05)
    want = ag_adam(ag.grad(lambda p, i: loss(agnp, p)), init, num_iters=20, step_size=0.05)
    _same(got, want, rtol=1e-9)


# ---- SciPy-driven optimisation: value_and_grad feeding scipy.optimize.minimize --------------

def test_scipy_minimize_with_value_and_grad(backend):
    opt = pytest.importorskip("scipy.optimize")

    def rosen(v):
        return gnp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)

    vg = ad.value_and_grad(rosen)

    def fun(v):
        val, g = vg(v)
        return float(to_numpy(val)), onp.asarray(to_numpy(g), dtype=float)

    res = opt.minimize(fun, onp.array([-1.2, 1.0, 0.5]), jac=True, method="BFGS")
    assert res.success
    onp.testing.assert_allclose(res.x, onp.ones(3), atol=1e-4)


# ---- ICA-style objective with a Student-t log density -------------------------------------------

def ica_nll(np, w, x, sp):
    latents = np.dot(x, w)
    lp = np.sum(sp.stats.t.logpdf(latents, 2.4))
    return -(lp + x.shape[0] * np.linalg.slogdet(w)[1])


def test_ica_student_t_and_slogdet(backend):
    G, A = _sp_pair()
    r = onp.random.default_rng(9)
    x = r.standard_normal((30, 2))
    w = onp.eye(2) + 0.3 * r.standard_normal((2, 2))
    val, g = ad.value_and_grad(lambda p: ica_nll(gnp, p, x, G))(w)
    want = ag.value_and_grad(lambda p: ica_nll(agnp, p, x, A))(w)
    onp.testing.assert_allclose(float(to_numpy(val)), want[0], rtol=1e-10)
    onp.testing.assert_allclose(to_numpy(g), want[1], rtol=1e-9)
