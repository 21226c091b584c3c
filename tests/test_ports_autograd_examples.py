"""The programs of HIPS autograd's ``examples/`` directory not covered by test_ports.py, run
through gpuad: a convolutional net, EM for an HMM through the gradient of the log partition
function, a GAN, a variational autoencoder, a GP latent-variable model, a deep GP, a Bayesian
neural net, Bayesian optimisation, a neural ODE, natural-gradient and mixture variational
inference, a wing shape optimised through a fluid simulation, an RKHS functional gradient, a
Taylor series with a data-dependent stop, Rosenbrock and a constrained minimisation.

Each program is written once against namespaces (``np`` and ``sp``: NumPy-like and SciPy-like)
and run with gpuad's and, where it is installed, with HIPS autograd's: value and gradient must
agree. Every objective is also checked against float64 central differences
(``gpuad.testing.check_grads``), and where the program trains, a few optimizer steps must reduce
its loss. Sizes are small: these are tests of the programs, not of their results.
"""

from __future__ import annotations

import numpy as onp
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.integrate
import gpuad.scipy.signal
import gpuad.scipy.special
import gpuad.scipy.stats
from gpuad.misc import flatten
from gpuad.misc.optimizers import adam, sgd
from gpuad.testing import check_grads


class G:
    """gpuad's namespaces, as the programs below use them."""

    np = gnp
    special, stats = gpuad.scipy.special, gpuad.scipy.stats
    signal, integrate = gpuad.scipy.signal, gpuad.scipy.integrate
    tuple = tuple
    flatten = staticmethod(flatten)
    getval = staticmethod(ad.stop_gradient)


def _autograd():
    """HIPS autograd's namespaces, or a skip where it is not installed."""
    ag = pytest.importorskip("autograd")
    import autograd.numpy as agnp
    import autograd.scipy.integrate
    import autograd.scipy.signal
    import autograd.scipy.special
    import autograd.scipy.stats
    from autograd.builtins import tuple as ag_tuple
    from autograd.misc import flatten as ag_flatten
    from autograd.tracer import getval as ag_getval

    class A:
        np = agnp
        special, stats = autograd.scipy.special, autograd.scipy.stats
        signal, integrate = autograd.scipy.signal, autograd.scipy.integrate
        tuple = ag_tuple  # odeint's args holding a pytree, as the ode_net example passes them
        flatten = staticmethod(ag_flatten)
        getval = staticmethod(ag_getval)

    return ag, A


def _host(tree):
    return [onp.asarray(to_numpy(x), dtype=onp.float64) for x in ad.tree_flatten(tree)[0]]


def _same(got, want, rtol=1e-9, atol=1e-11):
    g, w = _host(got), _host(want)
    assert len(g) == len(w)
    for a, b in zip(g, w, strict=True):
        assert a.shape == b.shape
        onp.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _dev(a):
    """Data on the active backend, as a GPU program holds it."""
    return gnp.asarray(a) if isinstance(a, onp.ndarray) else a


def _agree(program, params, *data, argnums=0, rtol=1e-9, atol=1e-11):
    """value_and_grad of ``program(ns, params, *data)`` in gpuad and HIPS autograd agree (and,
    on the CuPy backend, with gpuad's on the NumPy backend); returns gpuad's (value, gradient)."""
    args = (params,) if argnums == 0 else tuple(params)

    def run():
        return ad.value_and_grad(lambda *a: program(G, *a), argnums)(
            *args, *[_dev(d) for d in data])

    val, g = run()
    assert not isinstance(val, ad.Tensor)
    wants = []
    if ad.get_backend().name != "numpy":
        with ad.use_backend("numpy"):
            wants.append(run())
    try:
        ag, A = _autograd()
        wants.append(ag.value_and_grad(lambda *a: program(A, *a), argnums)(*args, *data))
    except pytest.skip.Exception:
        pass
    for want_val, want_g in wants:
        onp.testing.assert_allclose(_f(val), _f(want_val), rtol=rtol, atol=atol)
        _same(g, want_g, rtol, atol)
    return val, g


def _fd(program, params, *data, order=2, modes=("fwd", "rev"), **kw):
    """The objective's derivatives against float64 central differences (on the NumPy backend;
    on the CuPy backend, where the stand-in is slow, _agree compares with it instead)."""
    _check(lambda p: program(G, p, *[_dev(d) for d in data]), (params,), order=order,
           modes=modes, **kw)


def _check(f, args, **kw):
    if ad.get_backend().name == "numpy":
        check_grads(f, args, **kw)


def _f(v):
    return float(to_numpy(v))


def _init_net(rs, scale, sizes):
    return [(scale * rs.randn(m, n), scale * rs.randn(n))
            for m, n in zip(sizes[:-1], sizes[1:], strict=True)]


# ---- convnet: LeNet-style layers on a flat weight vector, convolve with dot_axes --------------

class _Parser:
    def __init__(self):
        self.idx, self.n = {}, 0

    def add(self, name, shape):
        size = int(onp.prod(shape))
        self.idx[name] = (slice(self.n, self.n + size), shape)
        self.n += size

    def get(self, vect, name):
        idxs, shape = self.idx[name]
        return vect[idxs].reshape(shape)


def _convnet(kernel=(3, 3), filters=2, input_shape=(1, 6, 6), hidden=5, classes=3):
    """The layers of autograd's convnet example: conv (valid), 2x2 max pool, tanh, log-softmax."""
    parser = _Parser()
    c, h, w = input_shape
    parser.add("conv_w", (c, filters) + kernel)
    parser.add("conv_b", (1, filters, 1, 1))
    ph, pw = (h - kernel[0] + 1) // 2, (w - kernel[1] + 1) // 2
    parser.add("full_w", (filters * ph * pw, hidden))
    parser.add("full_b", (hidden,))
    parser.add("out_w", (hidden, classes))
    parser.add("out_b", (classes,))

    def logsumexp(np, x, axis, keepdims=False):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=keepdims))

    def predictions(ns, wv, inputs):
        np = ns.np
        conv = ns.signal.convolve(inputs, parser.get(wv, "conv_w"), axes=([2, 3], [2, 3]),
                                  dot_axes=([1], [0]), mode="valid")
        units = conv + parser.get(wv, "conv_b")
        n, f, hh, ww = units.shape
        units = np.max(np.max(units.reshape((n, f, hh // 2, 2, ww // 2, 2)), axis=3), axis=4)
        units = units.reshape((n, int(onp.prod(units.shape[1:]))))
        units = np.tanh(np.dot(units, parser.get(wv, "full_w")) + parser.get(wv, "full_b"))
        out = np.dot(units, parser.get(wv, "out_w")) + parser.get(wv, "out_b")
        return out - logsumexp(np, out, axis=1, keepdims=True)

    def loss(ns, wv, x, t, l2=0.1):
        np = ns.np
        return l2 * np.dot(wv, wv) - np.sum(predictions(ns, wv, x) * t)

    return parser.n, loss


def test_convnet(backend):
    n_weights, loss = _convnet()
    rs = onp.random.RandomState(0)
    x = rs.rand(4, 1, 6, 6)
    t = onp.eye(3)[rs.randint(0, 3, 4)]
    w = rs.randn(n_weights) * 0.3
    val0, _ = _agree(loss, w, x, t)
    _fd(loss, w, x, t, order=1)
    # sgd with momentum, as the example trains
    direction = onp.zeros(n_weights)
    step = ad.grad(lambda p: loss(G, p, _dev(x), _dev(t)))
    for _ in range(5):
        direction = 0.9 * direction + 0.1 * onp.asarray(to_numpy(step(w)))
        w = w - 0.05 * direction
    assert _f(loss(G, _dev(w), _dev(x), _dev(t))) < _f(val0)


# ---- hmm_em: EM for an HMM, the E step as the gradient of the log partition function ----------

def hmm_log_partition(ns, natural_params, data):
    lse = ns.special.logsumexp
    if isinstance(data, list):
        return sum(hmm_log_partition(ns, natural_params, seq) for seq in data)
    log_pi, log_a, log_b = natural_params
    log_alpha = log_pi
    for y in data:
        log_alpha = lse(log_alpha[:, None] + log_a, axis=0) + log_b[:, y]
    return lse(log_alpha)


def _normalize(np, a):
    return a / np.where(a > 0.0, a, 1.0).sum(-1, keepdims=True)


def _hmm_problem(num_states=3, num_outputs=4):
    rs = onp.random.RandomState(0)
    params = [_normalize(onp, rs.rand(num_states)), _normalize(onp, rs.rand(num_states,
                                                                             num_states)),
              _normalize(onp, rs.rand(num_states, num_outputs))]
    data = [rs.randint(0, num_outputs, n) for n in (5, 4)]
    return params, data


def test_hmm_em(backend):
    params, data = _hmm_problem()
    natural = [onp.log(p) for p in params]
    _agree(hmm_log_partition, natural, data)
    _check(lambda *p: hmm_log_partition(G, list(p), data), tuple(natural), order=2)

    def em_update(params):
        loglike, stats = ad.value_and_grad(
            lambda nat: hmm_log_partition(G, nat, data))([gnp.log(p) for p in params])
        return _f(loglike), [_normalize(gnp, s) for s in stats]

    # the expected counts are the gradient: each row sums to the expected number of visits
    _, stats = ad.value_and_grad(lambda nat: hmm_log_partition(G, nat, data))(natural)
    onp.testing.assert_allclose(onp.sum(to_numpy(stats[0])), len(data), rtol=1e-12)
    onp.testing.assert_allclose(onp.sum(to_numpy(stats[2])), sum(map(len, data)), rtol=1e-12)
    lls = []
    p = [gnp.asarray(a) for a in params]
    for _ in range(4):
        ll, p = em_update(p)
        lls.append(ll)
    assert all(b >= a - 1e-12 for a, b in zip(lls, lls[1:], strict=False)) and lls[-1] > lls[0]


# ---- generative adversarial net: minimax Adam over two list-of-tuples networks --------------

def _relu(np, x):
    return np.maximum(0, x)


def _batch_normalize(np, a):
    mean = np.mean(a, axis=0, keepdims=True)
    return (a - mean) / (np.std(a, axis=0, keepdims=True) + 1)


def _gan_net(np, params, inputs):
    w, b = params[0]
    inputs = _relu(np, np.dot(inputs, w) + b)
    for w, b in params[1:-1]:
        inputs = _relu(np, _batch_normalize(np, np.dot(inputs, w) + b))
    w, b = params[-1]
    return np.dot(inputs, w) + b


def gan_objective(ns, gen_params, dsc_params, real_data, noise):
    np = ns.np

    def sigmoid(x):
        return 0.5 * (np.tanh(x) + 1.0)

    def logsigmoid(x):
        return x - np.logaddexp(0, x)

    fake = sigmoid(_gan_net(np, gen_params, noise))
    return (np.mean(logsigmoid(_gan_net(np, dsc_params, real_data)))
            - np.mean(logsigmoid(_gan_net(np, dsc_params, fake))))


def test_generative_adversarial_net(backend):
    rs = onp.random.RandomState(0)
    gen = _init_net(rs, 0.5, [2, 6, 5, 4])
    dsc = _init_net(rs, 0.5, [4, 6, 5, 1])
    real, noise = rs.rand(6, 4), rs.rand(6, 2)
    _agree(gan_objective, (gen, dsc), real, noise, argnums=(0, 1))
    on_dev = [ad.tree_map(_dev, gen), ad.tree_map(_dev, dsc)]
    for which in (0, 1):
        def part(p, which=which):
            both = list(on_dev)
            both[which] = p
            return gan_objective(G, *both, _dev(real), _dev(noise))
        _check(part, ([gen, dsc][which],), order=1)

    # the example's adam_minimax: the discriminator ascends, the generator descends
    grad_both = ad.grad(lambda g, d: gan_objective(G, g, d, _dev(real), _dev(noise)), (0, 1))
    x_max, unflatten_max = flatten(dsc)
    x_min, unflatten_min = flatten(gen)
    m_max, v_max = gnp.zeros(len(x_max)), gnp.zeros(len(x_max))
    m_min, v_min = gnp.zeros(len(x_min)), gnp.zeros(len(x_min))
    gen, dsc = on_dev
    start = _f(gan_objective(G, gen, dsc, _dev(real), _dev(noise)))
    b1, b2, lr = 0.9, 0.999, 0.01
    for i in range(3):
        g_min, g_max = grad_both(unflatten_min(x_min), unflatten_max(x_max))
        g_max, g_min = flatten(g_max)[0], flatten(g_min)[0]
        m_max, v_max = (1 - b1) * g_max + b1 * m_max, (1 - b2) * g_max ** 2 + b2 * v_max
        x_max = x_max + lr * (m_max / (1 - b1 ** (i + 1))) / (
            gnp.sqrt(v_max / (1 - b2 ** (i + 1))) + 1e-8)
        m_min, v_min = (1 - b1) * g_min + b1 * m_min, (1 - b2) * g_min ** 2 + b2 * v_min
        x_min = x_min - lr * (m_min / (1 - b1 ** (i + 1))) / (
            gnp.sqrt(v_min / (1 - b2 ** (i + 1))) + 1e-8)
    # the discriminator's steps alone raise the objective, the generator's alone lower it
    dsc_only = _f(gan_objective(G, gen, unflatten_max(x_max), _dev(real), _dev(noise)))
    gen_only = _f(gan_objective(G, unflatten_min(x_min), dsc, _dev(real), _dev(noise)))
    assert dsc_only > start > gen_only


# ---- variational autoencoder: reparameterised ELBO, norm.logpdf, Bernoulli likelihood ---------

def _vae_net(np, params, inputs):
    for w, b in params[:-1]:
        inputs = _relu(np, _batch_normalize(np, np.dot(inputs, w) + b))
    w, b = params[-1]
    return np.dot(inputs, w) + b


def vae_loss(ns, combined, data, eps):
    np, norm = ns.np, ns.stats.norm
    gen, rec = combined

    def diag_gaussian_log_density(x, mu, log_std):
        return np.sum(norm.logpdf(x, mu, np.exp(log_std)), axis=-1)

    out = _vae_net(np, rec, data)
    d = np.shape(out)[-1] // 2
    q_means, q_log_stds = out[:, :d], out[:, d:]
    latents = eps * np.exp(q_log_stds) + q_means
    q_latents = diag_gaussian_log_density(latents, q_means, q_log_stds)
    p_latents = diag_gaussian_log_density(latents, 0, 0)
    logits = _vae_net(np, gen, latents)
    likelihood = np.sum(-np.logaddexp(0, -logits * data), axis=-1)
    return -np.mean(p_latents + likelihood - q_latents) / data.shape[1]


def test_variational_autoencoder(backend):
    rs = onp.random.RandomState(0)
    latent, data_dim = 2, 6
    params = (_init_net(rs, 0.3, [latent, 5, data_dim]), _init_net(rs, 0.3, [data_dim, 5,
                                                                               2 * latent]))
    data = onp.where(rs.rand(5, data_dim) > 0.5, 1.0, -1.0)
    eps = rs.randn(5, latent)
    val0, _ = _agree(vae_loss, params, data, eps)
    _fd(vae_loss, params, data, eps, order=1)
    objective = ad.grad(lambda p, i: vae_loss(G, p, _dev(data), _dev(eps)))
    trained = adam(objective, params, num_iters=5, step_size=0.05)
    assert _f(vae_loss(G, trained, _dev(data), _dev(eps))) < _f(val0)


# ---- Gaussian-process helpers (autograd's examples/gaussian_process.py) ----------------------

def _rbf_covariance(np, kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


def _gp_unpack(np, params):
    return params[0], params[2:], np.exp(params[1]) + 0.0001


def gp_log_marginal_likelihood(ns, params, x, y):
    np = ns.np
    mean, cov_params, noise = _gp_unpack(np, params)
    cov = _rbf_covariance(np, cov_params, x, x) + noise * np.eye(len(y))
    return ns.stats.multivariate_normal.logpdf(y, mean * np.ones(len(y)), cov)


def gp_predict(ns, params, x, y, xstar):
    np = ns.np
    mean, cov_params, noise = _gp_unpack(np, params)
    cov_f_f = _rbf_covariance(np, cov_params, xstar, xstar)
    cov_y_f = _rbf_covariance(np, cov_params, x, xstar)
    cov_y_y = _rbf_covariance(np, cov_params, x, x) + noise * np.eye(len(y))
    solved = np.linalg.solve(cov_y_y, cov_y_f).T
    return mean + np.dot(solved, y - mean), cov_f_f - np.dot(solved, cov_y_f)


# ---- gplvm: latent positions and GP hyperparameters fitted together -----------------------

def _pinwheel(rs, num_classes=3, per_class=4, radial_std=0.3, tangential_std=0.05, rate=0.4):
    rads = onp.linspace(0, 2 * onp.pi, num_classes, endpoint=False)
    feats = rs.randn(num_classes * per_class, 2) * onp.array([radial_std, tangential_std])
    feats[:, 0] += 1
    labels = onp.repeat(onp.arange(num_classes), per_class)
    angles = rads[labels] + rate * onp.exp(feats[:, 0])
    rot = onp.stack([onp.cos(angles), -onp.sin(angles), onp.sin(angles), onp.cos(angles)])
    rot = rot.T.reshape((-1, 2, 2))
    return onp.einsum("ti,tij->tj", feats, rot)


def gplvm_objective(ns, params, data, latent_dim=2):
    np = ns.np
    n, d = data.shape
    per_gp = latent_dim + 3
    gp_params = np.reshape(params[:d * per_gp], (d, per_gp))
    latents = np.reshape(params[d * per_gp:], (n, latent_dim))
    gp_lik = sum(gp_log_marginal_likelihood(ns, gp_params[i], latents, data[:, i])
                 for i in range(d))
    return -gp_lik - np.sum(ns.stats.norm.logpdf(latents))


def test_gplvm(backend):
    from scipy.optimize import minimize

    rs = onp.random.RandomState(1)
    data = _pinwheel(rs)
    params = rs.randn(2 * 5 + data.shape[0] * 2) * 0.1
    val0, _ = _agree(gplvm_objective, params, data, rtol=1e-8, atol=1e-10)
    _fd(gplvm_objective, params, data, order=1)
    vg = ad.value_and_grad(lambda p: gplvm_objective(G, p, _dev(data)))
    res = minimize(lambda p: tuple(onp.asarray(to_numpy(v)) for v in vg(p)), params, jac=True,
                   method="CG", options={"maxiter": 3})
    assert res.fun < _f(val0)


# ---- deep Gaussian process: two GPs stacked, the hidden layer's values are parameters -------

def deep_gp_objective(ns, params, x, y, hidden_dim=1):
    np = ns.np
    n1, n2 = x.shape[1] + 3, hidden_dim + 3
    p1, p2, h = params[:n1], params[n1:n1 + n2], params[n1 + n2:]
    return -(gp_log_marginal_likelihood(ns, p1, x, h)
             + gp_log_marginal_likelihood(ns, p2, np.atleast_2d(h).T, y))


def test_deep_gaussian_process(backend):
    from scipy.optimize import minimize

    rs = onp.random.RandomState(0)
    x = onp.linspace(-2, 2, 8).reshape((8, 1))
    y = onp.sign(x[:, 0]) + rs.randn(8) * 0.1
    params = 0.1 * rs.randn(4 + 4 + 8)
    val0, _ = _agree(deep_gp_objective, params, x, y, rtol=1e-8, atol=1e-10)
    _fd(deep_gp_objective, params, x, y, order=2, modes=("rev",))
    vg = ad.value_and_grad(lambda p: deep_gp_objective(G, p, _dev(x), _dev(y)))
    res = minimize(lambda p: tuple(onp.asarray(to_numpy(v)) for v in vg(p)), params, jac=True,
                   method="CG", options={"maxiter": 3})
    assert res.fun < _f(val0)


# ---- Bayesian neural net: black-box VI over weight samples, einsum over the sample axis -------

def _bnn_logprob(ns, weights, inputs, targets, sizes, l2=0.01, noise_variance=0.01):
    np = ns.np

    def unpack_layers(weights):
        num_weight_sets = len(weights)
        for m, n in zip(sizes[:-1], sizes[1:], strict=True):
            yield (weights[:, :m * n].reshape((num_weight_sets, m, n)),
                   weights[:, m * n:m * n + n].reshape((num_weight_sets, 1, n)))
            weights = weights[:, (m + 1) * n:]

    inputs = np.expand_dims(inputs, 0)
    for w, b in unpack_layers(weights):
        outputs = np.einsum("mnd,mdo->mno", inputs, w) + b
        inputs = ns.stats.norm.pdf(outputs, 0, 1)
    log_prior = -l2 * np.sum(weights ** 2, axis=1)
    log_lik = -np.sum((outputs - targets) ** 2, axis=1)[:, 0] / noise_variance
    return log_prior + log_lik


def bnn_objective(ns, params, inputs, targets, eps, sizes=(1, 4, 1)):
    np = ns.np
    d = eps.shape[1]
    mean, log_std = params[:d], params[d:]
    samples = eps * np.exp(log_std) + mean
    entropy = 0.5 * d * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(entropy + np.mean(_bnn_logprob(ns, samples, inputs, targets, sizes)))


def test_bayesian_neural_net(backend):
    rs = onp.random.RandomState(0)
    inputs = onp.concatenate([onp.linspace(0, 2, 4), onp.linspace(6, 8, 4)])
    targets = (onp.cos(inputs) + rs.randn(8) * 0.1).reshape((8, 1))
    inputs = ((inputs - 4.0) / 4.0).reshape((8, 1))
    n_weights = (1 + 1) * 4 + (4 + 1) * 1
    eps = rs.randn(3, n_weights)
    params = onp.concatenate([rs.randn(n_weights), -2 * onp.ones(n_weights)])
    val0, _ = _agree(bnn_objective, params, inputs, targets, eps)
    _fd(bnn_objective, params, inputs, targets, eps, order=1)
    gradient = ad.grad(lambda p, i: bnn_objective(G, p, _dev(inputs), _dev(targets), _dev(eps)))
    trained = adam(gradient, params, num_iters=5, step_size=0.02)
    assert _f(bnn_objective(G, trained, _dev(inputs), _dev(targets), _dev(eps))) < _f(val0)


# ---- ode_net: a neural network as the dynamics of an ODE, fitted through odeint -------------

def _ode_nn(np, inputs, t, params):
    for w, b in params:
        outputs = np.dot(inputs, w) + b
        inputs = np.maximum(0, outputs)
    return outputs


def ode_net_loss(ns, params, y0, t, targets):
    np = ns.np
    pred = ns.integrate.odeint(lambda y, tt, p: _ode_nn(np, y, tt, p), y0, t, ns.tuple((params,)),
                               rtol=1e-9, atol=1e-9)
    return np.mean(np.abs(pred - targets))


def _ode_problem():
    from scipy.integrate import odeint

    true_a = onp.array([[-0.1, 2.0], [-2.0, -0.1]])
    y0, t = onp.array([2.0, 0.0]), onp.linspace(0.0, 0.5, 4)
    targets = odeint(lambda y, tt: onp.dot(y ** 3, true_a), y0, t)
    params = _init_net(onp.random.RandomState(0), 0.3, [2, 6, 2])
    return params, y0, t, targets


def test_ode_net(backend):
    params, y0, t, targets = _ode_problem()
    val0, _ = _agree(ode_net_loss, params, y0, t, targets, rtol=1e-6, atol=1e-8)
    _fd(ode_net_loss, params, y0, t, targets, order=1, modes=("rev",))
    if backend != "numpy":
        return  # (each right-hand side evaluation crosses between host and device)
    trained = adam(ad.grad(lambda p, i: ode_net_loss(G, p, _dev(y0), _dev(t), _dev(targets))),
                   params, num_iters=3, step_size=0.02)
    assert _f(ode_net_loss(G, trained, _dev(y0), _dev(t), _dev(targets))) < _f(val0)


# ---- natural-gradient black-box SVI: the ELBO's gradient scaled by the inverse Fisher --------

def ngsvi_objective(ns, params, y, eps):
    np, norm = ns.np, ns.stats.norm
    d = eps.shape[1]
    obs = d // 2
    mean, log_std = params[:d], params[d:]
    x = eps * np.exp(log_std) + mean
    mu, log_sigma = x[:, :obs], x[:, obs:]
    log_density = (np.sum(norm.logpdf(log_sigma, 0, 1.35), axis=1)
                   + np.sum(norm.logpdf(y, mu, np.exp(log_sigma)), axis=1))
    entropy = 0.5 * d * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)
    return -(entropy + np.mean(log_density))


def test_natural_gradient_black_box_svi(backend):
    rs = onp.random.RandomState(42)
    obs = 3
    y = rs.randn(obs, obs).dot(rs.randn(obs))
    d = 2 * obs
    eps = rs.randn(20, d)
    params = onp.concatenate([-onp.ones(d), -3 * onp.ones(d)])
    val0, _ = _agree(ngsvi_objective, params, y, eps)
    _fd(ngsvi_objective, params, y, eps, order=2)
    gradient = ad.grad(lambda p, i: ngsvi_objective(G, p, _dev(y), _dev(eps)))

    def natural_gradient(lam, i):
        log_sigma = lam[d:]
        fisher = gnp.concatenate([gnp.exp(-2.0 * log_sigma), gnp.ones(len(log_sigma)) * 2])
        return (1.0 / fisher) * gradient(lam, i)

    for optimize in (lambda: adam(gradient, params, num_iters=5, step_size=0.1),
                     lambda: sgd(natural_gradient, params, num_iters=5, step_size=0.1,
                                 mass=0.001)):
        assert _f(ngsvi_objective(G, optimize(), _dev(y), _dev(eps))) < _f(val0)


# ---- mixture variational inference: a mixture of Gaussians as the variational family --------

def mixture_objective(ns, params, eps, k=3):
    np, norm, lse = ns.np, ns.stats.norm, ns.special.logsumexp
    log_weights = params[:k] - lse(params[:k])
    comp = np.reshape(params[k:], (k, -1))
    d = comp.shape[1] // 2

    def log_density(x, t=None):
        mu, log_sigma = x[:, 0], x[:, 1]
        return np.logaddexp(norm.logpdf(log_sigma, 0, 1.35) + norm.logpdf(mu, -0.5,
                                                                          np.exp(log_sigma)),
                            norm.logpdf(log_sigma, 0.1, 1.35) + norm.logpdf(mu, 0.5,
                                                                           np.exp(log_sigma)))

    def component_log_density(p, x):
        return np.sum(norm.logpdf(x, p[:d], np.exp(p[d:])), axis=-1)

    def mixture_log_density(x):
        dens = np.vstack([component_log_density(p, x) for p in comp]).T
        return lse(dens + log_weights, axis=1, keepdims=False)

    def lower_bound(p, e):
        samples = e * np.exp(p[d:]) + p[:d]
        return np.mean(np.reshape(log_density(samples), (len(e), -1))
                       - np.reshape(mixture_log_density(samples), (len(e), -1)))

    bounds = np.stack([lower_bound(p, e) for p, e in zip(comp, eps, strict=True)])
    return -np.sum(bounds * np.exp(log_weights))


def mixture_sample(ns, params, eps, choice, k=3):
    """The example's sampler: a draw from every component, one of them picked per sample,
    the picks gathered row by row into a new array."""
    np = ns.np
    comp = np.reshape(params[k:], (k, -1))
    d = comp.shape[1] // 2
    samples = np.concatenate([(e * np.exp(p[d:]) + p[:d])[:, np.newaxis, :]
                              for p, e in zip(comp, eps, strict=True)], axis=1)
    return np.array([samples[i, ix, :] for i, ix in enumerate(choice)])


def test_mixture_variational_inference(backend):
    rs = onp.random.RandomState(0)
    k, d = 3, 2
    comp = [onp.concatenate([-onp.ones(d) + 0.1 * rs.randn(d), -2 * onp.ones(d)
                             + 0.1 * rs.randn(d)]) for _ in range(k)]
    params = onp.concatenate([onp.ones(k)] + comp)
    eps = rs.randn(k, 6, d)
    val0, _ = _agree(mixture_objective, params, eps)
    _fd(mixture_objective, params, eps, order=2, modes=("rev",))
    trained = adam(ad.grad(lambda p, i: mixture_objective(G, p, _dev(eps))), params,
                   num_iters=5, step_size=0.1)
    assert _f(mixture_objective(G, trained, _dev(eps))) < _f(val0)
    choice = rs.randint(0, k, 6)
    sample_sum = lambda ns, p, e, c: ns.np.sum(mixture_sample(ns, p, e, c) ** 2)  # noqa: E731
    _agree(sample_sum, params, eps, choice)
    _fd(sample_sum, params, eps, choice, order=1)


# ---- wing: an occlusion's shape optimised for lift over drag through a fluid simulation -------

def wing_objective(ns, params, shape=(8, 10), steps=2, iters=4):
    np = ns.np
    rows, cols = shape

    def occlude(f, occlusion):
        return f * (1 - occlusion)

    def make_continuous(f, occlusion):
        open_ = 1 - occlusion
        num = sum(np.roll(f, s, axis=a) * np.roll(open_, s, axis=a)
                  for s in (1, -1) for a in (0, 1))
        den = sum(np.roll(open_, s, axis=a) for s in (1, -1) for a in (0, 1))
        return f * open_ + (1 - open_) * num / (den + 0.001)

    def project(vx, vy, occlusion):
        p = np.zeros(vx.shape)
        div = -0.5 * (np.roll(vx, -1, axis=1) - np.roll(vx, 1, axis=1)
                      + np.roll(vy, -1, axis=0) - np.roll(vy, 1, axis=0))
        div = make_continuous(div, occlusion)
        for _ in range(iters):
            p = (div + np.roll(p, 1, axis=1) + np.roll(p, -1, axis=1) + np.roll(p, 1, axis=0)
                 + np.roll(p, -1, axis=0)) / 4.0
            p = make_continuous(p, occlusion)
        vx = vx - 0.5 * (np.roll(p, -1, axis=1) - np.roll(p, 1, axis=1))
        vy = vy - 0.5 * (np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0))
        return occlude(vx, occlusion), occlude(vy, occlusion)

    def advect(f, vx, vy):
        cell_xs, cell_ys = np.meshgrid(np.arange(cols), np.arange(rows))
        center_xs = (cell_xs - vx).ravel()
        center_ys = (cell_ys - vy).ravel()
        left_ix = np.floor(center_ys).astype(int)
        top_ix = np.floor(center_xs).astype(int)
        rw = center_ys - left_ix
        bw = center_xs - top_ix
        left_ix = np.mod(left_ix, rows)
        right_ix = np.mod(left_ix + 1, rows)
        top_ix = np.mod(top_ix, cols)
        bot_ix = np.mod(top_ix + 1, cols)
        flat = ((1 - rw) * ((1 - bw) * f[left_ix, top_ix] + bw * f[left_ix, bot_ix])
                + rw * ((1 - bw) * f[right_ix, top_ix] + bw * f[right_ix, bot_ix]))
        return np.reshape(flat, (rows, cols))

    occlusion = 0.5 * (np.tanh(np.reshape(params, shape)) + 1.0)
    mask = np.zeros(shape)
    mask[1:-1, 1:-1] = 1.0
    occlusion = occlusion * mask
    init_vx, init_vy = np.ones(shape), np.zeros(shape)
    vx, vy = project(init_vx, init_vy, occlusion)
    for _ in range(steps):
        vx, vy = project(advect(vx, vx, vy), advect(vy, vx, vy), occlusion)
    lift, drag = np.mean(vy - init_vy), np.mean(init_vx - vx)
    return -lift / drag


def test_wing(backend):
    from scipy.optimize import minimize

    # the CuPy stand-in scatters (the gathers' adjoints) through Numba's slow CUDA simulator:
    # a smaller grid and no optimisation there
    small = backend != "numpy"
    shape, steps = ((3, 4), 1) if small else ((8, 10), 2)
    init = -onp.ones(shape)
    init[1:3, 1:3] = 0.0
    init[1, 1] = 0.7  # an asymmetric start, so that there is lift to gain
    init = init.ravel()
    wing = lambda ns, p: wing_objective(ns, p, shape, steps)  # noqa: E731
    val0, _ = _agree(wing, init, rtol=1e-8, atol=1e-10)
    _fd(wing, init, order=1, modes=("rev",))
    if small:
        return
    vg = ad.value_and_grad(lambda p: wing(G, p))
    res = minimize(lambda p: tuple(onp.asarray(to_numpy(v)) for v in vg(p)), init, jac=True,
                   method="CG", options={"maxiter": 2})
    assert res.fun < _f(val0)


# ---- rkhs: gradient ascent in a reproducing-kernel Hilbert space ------------------------------
# autograd's example gives the function-valued argument its own vector space (a dict from
# representer points to weights). gpuad has no user-defined vector spaces, so the function is
# held as weights on fixed representer points and evaluation is a custom_vjp whose cotangent is
# the RKHS gradient (the representer of evaluation at x), not the Euclidean one.

def _sq_exp(np, x1, x2):
    return np.exp(-(x1 - x2) ** 2)


def _rkhs_eval_gpuad(points):
    @ad.custom_vjp
    def evaluate(alphas, i):
        return gnp.sum(alphas * _sq_exp(gnp, points[i], points))

    def fwd(alphas, i):
        return evaluate(alphas, i), i

    def bwd(i, g):
        return (gnp.where(gnp.arange(len(points)) == i, g, 0.0), None)

    evaluate.defvjp(fwd, bwd)
    return evaluate


def _rkhs_eval_autograd(points):
    import autograd.numpy as agnp
    from autograd.extend import defvjp, primitive

    @primitive
    def evaluate(alphas, i):
        return agnp.sum(alphas * _sq_exp(agnp, points[i], points))

    defvjp(evaluate, lambda ans, alphas, i: lambda g: agnp.where(
        agnp.arange(len(points)) == i, g, 0.0))
    return evaluate


def rkhs_logprob(evaluate, alphas, ys):
    return -sum((evaluate(alphas, i) - y) ** 2 for i, y in enumerate(ys))


def test_rkhs(backend):
    points = onp.arange(5.0)
    ys = [1.0, 2.0, 3.0, 2.0, 1.0]
    alphas = onp.random.RandomState(0).randn(5) * 0.1
    evaluate = _rkhs_eval_gpuad(gnp.asarray(points))
    g_rkhs = ad.grad(lambda a: rkhs_logprob(evaluate, a, ys))(alphas)
    # the Gram matrix maps the RKHS gradient to the Euclidean one, checked by differences
    plain = lambda a: rkhs_logprob(  # noqa: E731
        lambda al, i: gnp.sum(al * _sq_exp(gnp, points[i], gnp.asarray(points))), a, ys)
    _check(plain, (alphas,), order=2)
    gram = onp.exp(-(points[:, None] - points[None, :]) ** 2)
    onp.testing.assert_allclose(gram @ to_numpy(g_rkhs), to_numpy(ad.grad(plain)(alphas)),
                                rtol=1e-10, atol=1e-12)
    f = gnp.asarray(alphas)
    before = _f(rkhs_logprob(evaluate, f, ys))
    for _ in range(10):
        f = f + 0.01 * ad.grad(lambda a: rkhs_logprob(evaluate, a, ys))(f)
    assert _f(rkhs_logprob(evaluate, f, ys)) > before
    try:
        ag, _ = _autograd()
    except pytest.skip.Exception:
        return
    want = ag.grad(lambda a: rkhs_logprob(_rkhs_eval_autograd(points), a, ys))(alphas)
    onp.testing.assert_allclose(to_numpy(g_rkhs), want, rtol=1e-12, atol=1e-14)


# ---- sinusoid: sin's derivatives, and a Taylor series that stops when a term is small --------

def taylor_sin(np, x):
    term = x
    ans = term
    for i in range(1000):
        term = -term * x ** 2 / ((2 * i + 3) * (2 * i + 2))
        ans = ans + term
        if np.abs(term) < 0.2:
            break
    return ans


def test_sinusoid(backend):
    from gpuad.misc import elementwise_grad

    xs = onp.linspace(-7, 7, 9)
    d = elementwise_grad(gnp.sin)
    dd = elementwise_grad(d)
    onp.testing.assert_allclose(to_numpy(d(xs)), onp.cos(xs), rtol=1e-12, atol=1e-14)
    onp.testing.assert_allclose(to_numpy(dd(xs)), -onp.sin(xs), rtol=1e-12, atol=1e-14)
    d_t, dd_t = ad.grad(lambda x: taylor_sin(gnp, x)), ad.grad(ad.grad(lambda x: taylor_sin(gnp,
                                                                                          x)))
    for x in (-4.0, -0.5, 1.3, 3.0):
        _check(lambda v: taylor_sin(gnp, v), (x,), order=2)
        try:
            ag, A = _autograd()
        except pytest.skip.Exception:
            continue
        onp.testing.assert_allclose(_f(d_t(x)), ag.grad(lambda v: taylor_sin(A.np, v))(x),
                                    rtol=1e-12)
        onp.testing.assert_allclose(_f(dd_t(x)), ag.grad(ag.grad(
            lambda v: taylor_sin(A.np, v)))(x), rtol=1e-12)


# ---- rosenbrock: minimised with BFGS on gpuad's value and gradient ---------------------------

def rosenbrock(ns, x):
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


def test_rosenbrock(backend):
    from scipy.optimize import minimize

    x0 = onp.array([-2.0, -1.0])
    _agree(rosenbrock, x0)
    _fd(rosenbrock, x0, order=2)
    g = to_numpy(ad.grad(lambda x: rosenbrock(G, x))(x0))
    onp.testing.assert_allclose(g, [-400 * x0[0] * (x0[1] - x0[0] ** 2) - 2 * (1 - x0[0]),
                                    200 * (x0[1] - x0[0] ** 2)], rtol=1e-14)
    vg = ad.value_and_grad(lambda x: rosenbrock(G, x))
    res = minimize(lambda x: tuple(onp.asarray(to_numpy(v)) for v in vg(x)), x0, jac=True,
                   method="BFGS")
    onp.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)


# ---- Bayesian optimisation: a GP posterior's expected new maximum, maximised by L-BFGS-B -----

def expected_new_max(ns, xstar, model_params, x, y):
    np, norm = ns.np, ns.stats.norm
    xstar = np.atleast_2d(xstar)
    mean, cov = gp_predict(ns, model_params, x, y, xstar)
    std = np.sqrt(np.diag(cov))
    best = np.max(y)
    return np.sum(best - (mean - best) * norm.cdf(mean, best, std)
                  + std * norm.pdf(mean, best, std))


def gp_hyper_objective(ns, params, x, y):
    return (-gp_log_marginal_likelihood(ns, params, x, y)
            - ns.np.sum(ns.stats.norm.logpdf(params, 0.0, 100.0)))


def test_bayesian_optimization(backend):
    from scipy.optimize import minimize

    def func(x):
        return onp.sum(x * onp.sin(10.0 * x) + x) - 1

    x = onp.array([[0.1], [0.55], [0.9]])
    y = onp.array([func(v) for v in x])
    params = onp.zeros(4)
    val0, _ = _agree(gp_hyper_objective, params, x, y)
    _fd(gp_hyper_objective, params, x, y, order=2, modes=("rev",))
    vg = ad.value_and_grad(lambda p: gp_hyper_objective(G, p, _dev(x), _dev(y)))
    res = minimize(lambda p: tuple(onp.asarray(to_numpy(v)) for v in vg(p)), params, jac=True,
                   method="CG", options={"maxiter": 3})
    assert res.fun < _f(val0)
    # the acquisition on a GP with a short length scale (a few CG steps leave a flat one)
    model = onp.array([0.0, -3.0, 0.0, -1.5])
    start = onp.array([0.7])
    acq = lambda ns, xs, m, xx, yy: -expected_new_max(ns, xs, m, xx, yy)  # noqa: E731
    a0, g0 = _agree(acq, start, model, x, y)
    assert abs(to_numpy(g0)[0]) > 1e-3
    _check(lambda v: acq(G, v, model, _dev(x), _dev(y)), (start,), order=2)
    vg = ad.value_and_grad(lambda v: acq(G, v, model, _dev(x), _dev(y)))
    res = minimize(lambda v: tuple(onp.asarray(to_numpy(w)) for w in vg(v)), start, jac=True,
                   method="L-BFGS-B", bounds=[(0.0, 1.1)], options={"maxiter": 10})
    assert res.fun < _f(a0)


# ---- a constrained minimisation: trust-constr with gpuad's Jacobians and Hessian products ---

def test_minimize_nonlinear_constraint(backend):
    from scipy import optimize

    from gpuad.misc import hessian_vector_product

    def function(x):
        return x[0] ** 2 + x[1] ** 2

    def constraint(x):
        return gnp.stack([x[0] ** 2 - (x[1] - 1) ** 2])

    host = lambda f: lambda *a: onp.asarray(to_numpy(f(*a)))  # noqa: E731
    jac_f, hvp_f = ad.jacobian(function), hessian_vector_product(function)
    jac_c = ad.jacobian(constraint)

    def lin_comb_of_hessians(x, v):
        return ad.hessian(lambda z: gnp.dot(gnp.asarray(v), constraint(z)))(x)

    x0 = onp.array([1.0, 2.0])
    _check(function, (x0,), order=2)
    _check(constraint, (x0,), order=2)
    try:
        ag, _ = _autograd()
        import autograd.numpy as agnp
        # (the example's autograd.linear_combination_of_hessians, which newer releases lack)
        want = ag.hessian(lambda x: agnp.dot(onp.array([0.7]),
                                             agnp.array([x[0] ** 2 - (x[1] - 1) ** 2])))(x0)
        onp.testing.assert_allclose(to_numpy(lin_comb_of_hessians(x0, [0.7])), want,
                                    rtol=1e-14)
    except pytest.skip.Exception:
        pass
    con = optimize.NonlinearConstraint(host(constraint), 2, onp.inf, host(jac_c),
                                       host(lin_comb_of_hessians))
    res = optimize.minimize(host(function), x0, method="trust-constr", jac=host(jac_f),
                            hessp=host(hvp_f), constraints=[con],
                            options={"maxiter": 200})
    assert constraint(res.x)[0] >= 2 - 1e-6
    # the closest points to the origin on x0^2 - (x1 - 1)^2 = 2 are (+-sqrt(2.25), 0.5)
    onp.testing.assert_allclose(res.fun, 2.5, rtol=1e-3)


# ---- neural-net regression: a MAP objective whose prior flattens the parameter pytree ----------

def nn_regression_objective(ns, params, inputs, targets, prior_scale=10.0):
    np, norm = ns.np, ns.stats.norm
    x = inputs
    for w, b in params:
        out = np.dot(x, w) + b
        x = np.tanh(out)
    flat = ns.flatten(params)[0]  # differentiated through, as the example's log prior is
    return -(np.sum(norm.logpdf(out, targets, 0.1)) + np.sum(norm.logpdf(flat, 0, prior_scale)))


def test_neural_net_regression(backend):
    rs = onp.random.RandomState(0)
    xs = onp.concatenate([onp.linspace(0, 3, 5), onp.linspace(6, 8, 5)])
    targets = ((onp.cos(xs) + rs.randn(10) * 0.1) / 2.0)[:, None]
    inputs = ((xs - 4.0) / 2.0)[:, None]
    params = _init_net(rs, 0.3, [1, 4, 4, 1])
    val0, _ = _agree(nn_regression_objective, params, inputs, targets)
    _fd(nn_regression_objective, params, inputs, targets, order=2, modes=("rev",))
    trained = adam(ad.grad(lambda p, i: nn_regression_objective(G, p, _dev(inputs),
                                                                _dev(targets))),
                   params, num_iters=5, step_size=0.01)
    assert _f(nn_regression_objective(G, trained, _dev(inputs), _dev(targets))) < _f(val0)


# ---- define_gradient: logsumexp as a primitive with its own vjp, written to be differentiated
# again (np.full of the cotangent to the input's shape)

def _lse_gpuad():
    @ad.custom_vjp
    def logsumexp(x):
        m = gnp.max(x)
        return m + gnp.log(gnp.sum(gnp.exp(x - m)))

    def fwd(x):
        ans = logsumexp(x)
        return ans, (ans, x)

    def bwd(res, g):
        ans, x = res
        return (gnp.full(x.shape, g) * gnp.exp(x - gnp.full(x.shape, ans)),)

    logsumexp.defvjp(fwd, bwd)
    return logsumexp


def test_define_gradient(backend):
    lse = _lse_gpuad()
    y = onp.random.RandomState(0).randn(6)
    example = lambda v: gnp.sum(lse(v ** 2))  # noqa: E731
    g = ad.grad(example)(y)
    want = 2 * y * onp.exp(y ** 2) / onp.sum(onp.exp(y ** 2))
    onp.testing.assert_allclose(to_numpy(g), want, rtol=1e-12)
    _check(example, (y,), order=2, modes=("rev",))
    # the second derivative comes from differentiating bwd itself (reverse over reverse: a
    # custom vjp has no forward mode, and ad.hessian's forward-over-reverse says so)
    with pytest.raises(ad.GradError, match="custom_vjp logsumexp: forward mode"):
        ad.hessian(example)(y)
    h = to_numpy(ad.jacrev(ad.grad(example))(y))
    onp.testing.assert_allclose(h, to_numpy(ad.hessian(
        lambda v: gnp.log(gnp.sum(gnp.exp(v ** 2))))(y)), rtol=1e-10, atol=1e-12)
    try:
        ag, _ = _autograd()
    except pytest.skip.Exception:
        return
    import autograd.numpy as agnp
    from autograd.extend import defvjp, primitive

    @primitive
    def ag_lse(x):
        m = agnp.max(x)
        return m + agnp.log(agnp.sum(agnp.exp(x - m)))

    defvjp(ag_lse, lambda ans, x: lambda g: agnp.full(x.shape, g) * agnp.exp(
        x - agnp.full(x.shape, ans)))
    onp.testing.assert_allclose(h, ag.hessian(lambda v: agnp.sum(ag_lse(v ** 2)))(y),
                                rtol=1e-10, atol=1e-12)


# ---- gpu_neural_net: an MLP classifier, an L2 prior through flatten, RMSProp written out on
# the flattened gradient with an in-place update, accuracy by argmax

def gpu_nn_objective(ns, params, inputs, targets, l2=1.0):
    np = ns.np
    x = inputs
    for w, b in params:
        out = np.dot(x, w) + b
        x = np.tanh(out)
    amax = np.max(out, axis=1, keepdims=True)
    logprobs = out - (np.log(np.sum(np.exp(out - amax), 1, keepdims=True)) + amax)
    flat = ns.flatten(params)[0]
    return -(np.sum(logprobs * targets) - l2 * np.dot(flat, flat)), logprobs


def test_gpu_neural_net(backend):
    rs = onp.random.RandomState(0)
    params = _init_net(rs, 0.3, [4, 5, 3])
    inputs = rs.randn(12, 4)
    targets = onp.eye(3)[rs.randint(0, 3, 12)]
    loss = lambda ns, p, x, t: gpu_nn_objective(ns, p, x, t, 0.01)[0]  # noqa: E731
    val0, _ = _agree(loss, params, inputs, targets)
    _fd(loss, params, inputs, targets, order=2, modes=("rev",))
    x_dev, t_dev = _dev(inputs), _dev(targets)
    grad = ad.grad(lambda p: loss(G, p, x_dev, t_dev))
    x, unflatten = flatten(ad.tree_map(_dev, params))
    avg_sq_grad = gnp.ones(len(x))
    for _ in range(10):
        g = flatten(grad(unflatten(x)))[0]
        avg_sq_grad = avg_sq_grad * 0.9 + g ** 2 * 0.1
        x -= 0.01 * g / (gnp.sqrt(avg_sq_grad) + 1e-8)
    trained = unflatten(x)
    assert _f(loss(G, trained, x_dev, t_dev)) < _f(val0)
    logprobs = gpu_nn_objective(G, trained, x_dev, t_dev)[1]
    accuracy = gnp.mean(gnp.argmax(logprobs, axis=1) == gnp.argmax(t_dev, axis=1))
    assert 0.0 <= _f(accuracy) <= 1.0


# ---- optimizer_convergence: Adam with a callback that watches the gradient ---------------------

def test_optimizer_convergence(backend):
    rs = onp.random.RandomState(0)
    inputs, targets = _dev(rs.randn(30, 3)), _dev(rs.randint(0, 2, 30).astype(float))

    def training_loss(w, t=None):
        preds = 0.5 * (gnp.tanh(gnp.dot(inputs, w)) + 1)
        return -gnp.sum(gnp.log(preds * targets + (1 - preds) * (1 - targets)))

    seen = []
    w = adam(ad.grad(training_loss), gnp.zeros(3), step_size=0.1, num_iters=40,
             callback=lambda p, t, g: seen.append(_f(gnp.sum(gnp.abs(g)))))
    assert len(seen) == 40 and seen[-1] < seen[0]
    assert _f(training_loss(w)) < _f(training_loss(gnp.zeros(3)))
    _check(training_loss, (to_numpy(w),), order=2)


# ---- kfac_pre: K-FAC statistics from per-example gradients (zero extra biases), model-sampled
# targets behind getval/stop_gradient, and the exact Fisher from jacobian and hessian

def _kfac_predict(ns, extra_biases, params, inputs):
    np, lse = ns.np, ns.special.logsumexp
    activations = [inputs]
    for (w, b), extra in zip(params, extra_biases, strict=True):
        s = np.dot(activations[-1], w) + b + extra
        activations.append(np.tanh(s))
    return s - lse(s, axis=1, keepdims=True), activations[:-1]


def kfac_sampled_loglik(ns, extra_biases, params, inputs, u):
    np = ns.np
    logprobs, activations = _kfac_predict(ns, extra_biases, params, inputs)
    probs = np.exp(ns.getval(logprobs))
    indices = np.sum(u > np.cumsum(probs, axis=1), axis=1)
    targets = np.eye(logprobs.shape[1])[indices]
    return np.sum(logprobs * targets), activations


def test_kfac_pre(backend):
    rs = onp.random.RandomState(0)
    sizes = [3, 4, 3]
    params = ad.tree_map(_dev, _init_net(rs, 0.5, sizes))
    inputs, u = _dev(rs.randn(6, 3)), _dev(rs.rand(6, 1))
    extra = [gnp.zeros((6, n)) for n in sizes[1:]]
    from gpuad.misc import grad_and_aux

    g_samples, a_samples = grad_and_aux(
        lambda e: kfac_sampled_loglik(G, e, params, inputs, u))(extra)
    # the extra biases' gradient holds each example's backpropagated signal: the weights'
    # gradient is the sum of the outer products with the layer's input
    weight_grads = ad.grad(lambda p: kfac_sampled_loglik(G, extra, p, inputs, u)[0])(params)
    for (gw, gb), a, g in zip(weight_grads, a_samples, g_samples, strict=True):
        onp.testing.assert_allclose(to_numpy(gw), to_numpy(a).T @ to_numpy(g), rtol=1e-12,
                                    atol=1e-14)
        onp.testing.assert_allclose(to_numpy(gb), to_numpy(g).sum(0), rtol=1e-12, atol=1e-14)
    try:
        ag, A = _autograd()
        host_params = [tuple(onp.asarray(to_numpy(x)) for x in layer) for layer in params]
        want = ag.grad_and_aux(lambda e: kfac_sampled_loglik(
            A, e, host_params, to_numpy(inputs), to_numpy(u)))(
                [onp.zeros((6, n)) for n in sizes[1:]])
        _same(g_samples, want[0])
        _same(a_samples, [A.getval(a) for a in want[1]])  # (autograd's aux keeps its boxes)
    except pytest.skip.Exception:
        pass

    # the Kronecker factors and the preconditioned step of kfac_pre
    homog = lambda x: gnp.hstack((x, gnp.ones((x.shape[0], 1))))  # noqa: E731
    factors = [(gnp.dot(homog(a).T, homog(a)) / 6, gnp.dot(g.T, g) / 6)
               for a, g in zip(a_samples, g_samples, strict=True)]
    inv = lambda x: gnp.linalg.inv(x + 0.1 * gnp.eye(x.shape[0]))  # noqa: E731
    targets = _dev(onp.eye(3)[rs.randint(0, 3, 6)])

    def objective(p):
        logprobs, _ = _kfac_predict(G, [0.0, 0.0], p, inputs)
        return -gnp.sum(logprobs * targets)

    before = _f(objective(params))
    for _ in range(3):
        grads = ad.grad(objective)(params)
        new = []
        for (w, b), (gw, gb), (fa, fg) in zip(params, grads, factors, strict=True):
            nat = gnp.dot(inv(fa), gnp.dot(gnp.vstack((gw, gb)), inv(fg)))
            new.append((w - 0.05 * nat[:-1], b - 0.05 * nat[-1]))
        params = new
    assert _f(objective(params)) < before


def test_kfac_exact_fisher(backend):
    """exact_fisher: the Fisher of the last layer's parameters, from jacobian of the flattened
    network and hessian of logsumexp at each example's logits."""
    rs = onp.random.RandomState(1)
    params = ad.tree_map(_dev, _init_net(rs, 0.5, [2, 3, 3]))
    inputs = _dev(rs.randn(4, 2))
    lse = gpuad.scipy.special.logsumexp
    flat, unflatten = flatten(params[-1:])

    def mlp(p, x):
        for w, b in p:
            out = gnp.dot(x, w) + b
            x = gnp.tanh(out)
        return out

    flat_mlp = lambda fp, x: mlp(params[:-1] + unflatten(fp), x)  # noqa: E731
    fisher = 0.0
    for k in range(4):
        x = inputs[k]
        j = ad.jacobian(flat_mlp)(flat, x)
        h = ad.hessian(lse)(mlp(params, x))
        fisher = fisher + gnp.dot(gnp.transpose(j), gnp.dot(h, j))
    fisher = to_numpy(fisher) / 4
    # the Fisher of a softmax output: H = diag(p) - p p^T, the Jacobian of the logits by hand
    p0 = [tuple(onp.asarray(to_numpy(a)) for a in layer) for layer in params]
    want = onp.zeros_like(fisher)
    for x in to_numpy(inputs):
        hid = onp.tanh(x @ p0[0][0] + p0[0][1])
        z = hid @ p0[1][0] + p0[1][1]
        pr = onp.exp(z - onp.log(onp.sum(onp.exp(z))))
        h = onp.diag(pr) - onp.outer(pr, pr)
        jw = onp.zeros((3, 3 * 3 + 3))
        for o in range(3):  # flatten's order: W (3x3, row-major) then b
            jw[o, [i * 3 + o for i in range(3)]] = hid
            jw[o, 9 + o] = 1.0
        want += jw.T @ h @ jw
    onp.testing.assert_allclose(fisher, want / 4, rtol=1e-10, atol=1e-12)


# ---- print_trace and dot_graph: the evaluation trace, printed and drawn ---------------------
# autograd's examples subclass its tracer's Node; gpuad shows the recorded tape instead.

def _trace_fun(x):
    y = gnp.sin(x + x)
    return (y + y) / 2


def _rows(tape):
    lines = str(tape).splitlines()[2:-1]
    return [(cells[0], cells[1], " ".join(cells[2:-3]).rstrip(",")) for cells in
            (line.split() for line in lines)]


def test_print_trace(backend):
    tape = ad.make_tape(_trace_fun, 1.23)
    rows = _rows(tape)
    assert [r[1] for r in rows] == ["input", "add", "sin", "add", "divide"]
    assert rows[1][2] == "x1, x1" and rows[2][2] == "v1" and rows[3][2] == "v2, v2"
    onp.testing.assert_allclose(_f(tape.output), onp.sin(2.46), rtol=1e-15)
    # traces nest: the trace of grad(fun) is the derivative program, which has cos in it
    gtape = ad.make_tape(ad.grad(_trace_fun), 1.0)
    assert "cos" in [r[1] for r in _rows(gtape)]
    onp.testing.assert_allclose(_f(gtape.output), 2 * onp.cos(2.0), rtol=1e-15)
    adjoints = dict(gtape.backward())  # the second derivative, from the printed program
    onp.testing.assert_allclose(_f(adjoints["x1"]), -4 * onp.sin(2.0), rtol=1e-14)


def test_dot_graph(backend):
    def fun(x):
        y = gnp.sin(x)
        return (y + gnp.exp(x) - 0.5) * y

    tape = ad.make_tape(fun, 1.0)
    lines = [f'{tape.names[n]} [label="{n.rule.name}"];' for n in tape.steps]
    lines += [f"{tape.names[e] if e in tape.names else 'x1'} -> {tape.names[n]};"
              for n in tape.steps for e in n.edges if e is not None]
    dot = "digraph G {" + " ".join(lines) + "}"
    for op in ("sin", "exp", "multiply"):
        assert f'[label="{op}"]' in dot
    # sin's output feeds the sum and the product: two edges out of it
    sin_name = next(tape.names[n] for n in tape.steps if n.rule.name == "sin")
    assert dot.count(f"{sin_name} -> ") == 2


# ---- regression: odeint's args may hold a pytree (ode_net passes a list of (W, b)) -----------

def test_odeint_pytree_args_equal_flat_args(backend):
    rs = onp.random.RandomState(5)
    w, b = rs.randn(2, 2) * 0.3, rs.randn(2) * 0.1
    y0, t = onp.array([1.0, -0.5]), onp.linspace(0.0, 0.4, 3)
    odeint = gpuad.scipy.integrate.odeint

    def nested(p):
        ys = odeint(lambda y, tt, ps: gnp.tanh(gnp.dot(y, ps[0]["w"]) + ps[0]["b"][1]), y0, t,
                    args=([{"w": p[0], "b": (0.0, p[1])}],), rtol=1e-10, atol=1e-10)
        return gnp.sum(ys ** 2)

    def flat(p):
        ys = odeint(lambda y, tt, ww, bb: gnp.tanh(gnp.dot(y, ww) + bb), y0, t,
                    args=(p[0], p[1]), rtol=1e-10, atol=1e-10)
        return gnp.sum(ys ** 2)

    for tfirst in (False, True):
        if tfirst:
            nested_t = lambda p: gnp.sum(odeint(  # noqa: E731
                lambda tt, y, ps: gnp.tanh(gnp.dot(y, ps[0]) + ps[1]), y0, t,
                args=((p[0], p[1]),), tfirst=True, rtol=1e-10, atol=1e-10) ** 2)
            got = ad.grad(nested_t)((w, b))
        else:
            got = ad.grad(nested)((w, b))
        _same(got, ad.grad(flat)((w, b)), rtol=1e-12, atol=1e-14)
    _check(nested, ((w, b),), order=1, modes=("rev", "fwd"))


# ---- compiled: gpuad.jit of a few of the programs above equals eager --------------------------

def _jit_agrees(program, draws, *data, rtol=1e-12, atol=1e-13):
    """``jit(value_and_grad(program))`` traced on the first draw, replayed on the others."""
    on_dev = [_dev(d) for d in data]
    eager = ad.value_and_grad(lambda p, *a: program(G, p, *a))
    step = ad.jit(ad.value_and_grad(lambda p, *a: program(G, p, *a)))
    for params in draws:
        val, g = step(params, *on_dev)
        want_val, want_g = eager(params, *on_dev)
        onp.testing.assert_allclose(_f(val), _f(want_val), rtol=rtol, atol=atol)
        _same(g, want_g, rtol, atol)
    return step


def test_jit_variational_autoencoder(backend):
    # (the gradient of a bias that batch normalisation subtracts out is round-off: jit's check
    # of its program on other values once took a round-off difference for a frozen value)
    rs = onp.random.RandomState(3)
    data = onp.where(rs.rand(5, 6) > 0.5, 1.0, -1.0)
    eps = rs.randn(5, 2)
    draws = [(_init_net(rs, 0.3, [2, 5, 6]), _init_net(rs, 0.3, [6, 5, 4])) for _ in range(3)]
    step = _jit_agrees(vae_loss, draws, data, eps)
    assert step.cache_info()["misses"] == 1


def test_jit_hmm_log_partition(backend):
    params, data = _hmm_problem()
    rs = onp.random.RandomState(4)
    draws = [[onp.log(_normalize(onp, rs.rand(*a.shape))) for a in params] for _ in range(3)]
    step = _jit_agrees(hmm_log_partition, draws, data)
    assert step.cache_info()["misses"] == 1


def test_jit_index_array_element_as_index(backend):
    """The HMM's ``log_b[:, y]`` with ``y`` an element of an integer array argument: a 0-d
    index array is an advanced index (a gather), which a replay must redo with the new
    values (the CuPy stand-in once made it a view fixed while capturing a graph)."""
    d = onp.array([2, 1])
    f = lambda p, d: gnp.sum(p[:, d[0]] * p[:, d[1]])  # noqa: E731
    step = ad.jit(ad.value_and_grad(f))
    for k in range(4):
        p = gnp.asarray(onp.arange(12.0).reshape(3, 4) * (k + 1))
        got, want = step(p, d), ad.value_and_grad(f)(p, d)
        onp.testing.assert_allclose(_f(got[0]), _f(want[0]), rtol=1e-14)
        _same(got[1], want[1], rtol=1e-14, atol=0)


def test_jit_taylor_sin_data_dependent_stop(backend):
    """The series stops when a term is small: the number of terms depends on x, which jit
    cannot trace; it must say so (naming the line) rather than replay one count for every x."""
    from gpuad.jit.trace import TracerError

    step = ad.jit(ad.grad(lambda x: taylor_sin(gnp, x)))
    with pytest.raises(TracerError, match=r"bool\(\) of a traced value.*taylor_sin"):
        step(gnp.asarray(1.3))


def test_jit_taylor_sin_static_x(backend):
    step = ad.jit(lambda x: ad.grad(lambda v: taylor_sin(gnp, v))(x), static_argnums=0)
    for x in (1.3, 3.0, 1.3):
        onp.testing.assert_allclose(_f(step(x)), _f(ad.grad(lambda v: taylor_sin(gnp, v))(x)),
                                    rtol=1e-13)
