"""Programs written for HIPS autograd, JAX and CuPy, not ported elsewhere, run in gpuad and in
their original library (float64) on the same data:

- HIPS autograd ``examples/rnn.py`` and ``examples/lstm.py``: the character models over one-hot
  strings (``np.hstack`` of a tuple of inputs and a ones column, ``np.repeat`` of the initial
  state, ``logsumexp(.., keepdims=True)``, a log-likelihood summed over a Python list of time
  steps), trained by ``autograd.misc.optimizers.adam`` on a dict of parameters with a callback,
  then text sampled by ``npr.choice(p=np.exp(logprobs))``;
- HIPS autograd ``examples/logistic_regression.py`` (``minimize(method="CG", jac=True)`` on
  the loss and gradient together, the old ``grad(.., return_function_value=True)`` written
  ``value_and_grad``, ``quick_grad_check`` as ``check_grads``), ``examples/tanh.py`` (six
  nested ``elementwise_grad``s) and ``examples/neural_net.py`` (a list of ``(W, b)`` tuples, an
  L2 prior through ``flatten``, ``adam`` over ``batch_indices(iter)`` with an accuracy
  callback);
- HIPS autograd ``examples/gmm.py``: a Gaussian mixture's log likelihood (``zip`` over the
  unpacked parameters, ``multivariate_normal.logpdf`` with ``cov_sqrt.T @ cov_sqrt``,
  ``logsumexp`` of a ``vstack``), flattened by ``autograd.misc.flatten.flatten_func`` and fitted
  by SciPy's Newton-CG with ``grad`` and ``hessian_vector_product`` (the pinwheel data of
  ``examples/data.py`` drawn with NumPy);
- JAX's "Training a Simple Neural Network, with tensorflow/pytorch Data Loading"
  (``docs/notebooks/Neural_Network_and_Data_Loading``): a list of ``(w, b)`` tuples, ``relu``,
  ``logsumexp`` log-probabilities, ``vmap(predict, in_axes=(None, 0))``, ``one_hot`` by
  comparison, ``jit`` of an SGD ``update`` over the list, ``accuracy`` by ``argmax``, with
  minibatches as a PyTorch ``DataLoader`` would hand them (a ``numpy_collate``);
- JAX's "Quickstart" (``docs/quickstart.md``: ``selu`` under ``jit``, ``grad`` of
  ``sum_logistic`` against its ``first_finite_differences``, ``grad(jit(grad(jit(grad))))``,
  ``jacobian(jnp.exp)``, ``jit(jacfwd(jacrev))``, matrix-vector products batched by a Python
  loop, by hand and by ``vmap`` under ``jit``) and "Automatic vectorization"
  (``docs/automatic-vectorization.md``: ``convolve`` building ``jnp.array`` from a list of
  dots of an integer signal, batched by hand and by ``vmap`` with ``in_axes``/``out_axes``,
  ``in_axes=[0, None]``, ``jit(vmap)``, nested ``vmap`` for pairwise distances; here also
  differentiated in the weights);
- CuPy's ``examples/`` written against ``xp = cupy.get_array_module(..)`` (so their NumPy form
  is the original, run here beside gpuad's): ``kmeans/kmeans.py`` (``repeat``,
  ``broadcast_to``, ``argmin``, the early stop on ``all(new_pred == pred)``, centres by masked
  means stacked with ``vstack``), ``gmm/gmm.py`` (EM: ``estimate_log_prob``, ``e_step``,
  ``m_step``, ``train_gmm`` with its tolerance stop, ``predict``),
  ``finance/black_scholes.py`` (the polynomial normal CDF under ``where``) and
  ``finance/monte_carlo.py`` (its ``xorshift128plus`` generator and ``erfcinv`` normal samples,
  written in NumPy as the kernel computes them), and ``cg/cg.py`` (conjugate gradients with
  ``x += a * p`` into ``zeros_like(b)`` and a norm stop).

Values must agree with the original to 1e-12 relative (float64 rounding; 1e-9 after a few
hundred Adam steps). Each program is also differentiated, as a gpuad user would: gradients
agree with HIPS autograd running the same code (``autograd.numpy`` as the namespace) or with
JAX, and with float64 central differences (``gpuad.testing.check_grads``): the k-means centres
in the data, the EM lower bound in the data, the option prices in all five market inputs
(the pathwise Greeks), and the CG solution in ``b`` and ``A``.

Differences from the originals: sizes are small; random draws (``npr.RandomState``,
``cupy.random``, ``jax.random``) are made once with NumPy and handed to both;
``-np.infty`` (removed from NumPy 2) is ``-np.inf``; the CUDA kernels of CuPy's samples
(``ElementwiseKernel`` with atomics, the Monte-Carlo kernel) are their NumPy branches or
their arithmetic written in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

R = np.random.default_rng(7070)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(7070)


def _arr(t):
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    return to_numpy(t) if not isinstance(t, np.ndarray | float | int) else np.asarray(t)


def _close(a, b, rtol=1e-12, atol=1e-14, msg=""):
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, err_msg=msg)


# ---- HIPS autograd examples/rnn.py and examples/lstm.py ---------------------------------------


def _char_models(np_, logsumexp):
    def sigmoid(x):
        return 0.5 * (np_.tanh(x) + 1.0)

    def concat_and_multiply(weights, *args):
        cat_state = np_.hstack(args + (np_.ones((args[0].shape[0], 1)),))
        return np_.dot(cat_state, weights)

    def rnn_predict(params, inputs):
        def update_rnn(input, hiddens):
            return np_.tanh(concat_and_multiply(params["change"], input, hiddens))

        def hiddens_to_output_probs(hiddens):
            output = concat_and_multiply(params["predict"], hiddens)
            return output - logsumexp(output, axis=1, keepdims=True)

        num_sequences = inputs.shape[1]
        hiddens = np_.repeat(params["init hiddens"], num_sequences, axis=0)
        output = [hiddens_to_output_probs(hiddens)]
        for input in inputs:
            hiddens = update_rnn(input, hiddens)
            output.append(hiddens_to_output_probs(hiddens))
        return output

    def lstm_predict(params, inputs):
        def update_lstm(input, hiddens, cells):
            change = np_.tanh(concat_and_multiply(params["change"], input, hiddens))
            forget = sigmoid(concat_and_multiply(params["forget"], input, hiddens))
            ingate = sigmoid(concat_and_multiply(params["ingate"], input, hiddens))
            outgate = sigmoid(concat_and_multiply(params["outgate"], input, hiddens))
            cells = cells * forget + ingate * change
            hiddens = outgate * np_.tanh(cells)
            return hiddens, cells

        def hiddens_to_output_probs(hiddens):
            output = concat_and_multiply(params["predict"], hiddens)
            return output - logsumexp(output, axis=1, keepdims=True)

        num_sequences = inputs.shape[1]
        hiddens = np_.repeat(params["init hiddens"], num_sequences, axis=0)
        cells = np_.repeat(params["init cells"], num_sequences, axis=0)
        output = [hiddens_to_output_probs(hiddens)]
        for input in inputs:
            hiddens, cells = update_lstm(input, hiddens, cells)
            output.append(hiddens_to_output_probs(hiddens))
        return output

    def log_likelihood(predict):
        def loglik_fn(params, inputs, targets):
            logprobs = predict(params, inputs)
            loglik = 0.0
            num_time_steps, num_examples, _ = inputs.shape
            for t in range(num_time_steps):
                loglik += np_.sum(logprobs[t] * targets[t])
            return loglik / (num_time_steps * num_examples)

        return loglik_fn

    return {
        "rnn": (rnn_predict, log_likelihood(rnn_predict)),
        "lstm": (lstm_predict, log_likelihood(lstm_predict)),
    }


def _string_to_one_hot(string, maxchar):
    ascii = np.array([ord(c) for c in string]).T
    return np.array(ascii[:, None] == np.arange(maxchar)[None, :], dtype=int)


def _build_dataset(lines, sequence_length, alphabet_size):
    content = [line for line in lines if len(line) > 2]
    seqs = np.zeros((sequence_length, len(content), alphabet_size))
    for ix, line in enumerate(content):
        padded_line = (line + " " * sequence_length)[:sequence_length]
        seqs[:, ix, :] = _string_to_one_hot(padded_line, alphabet_size)
    return seqs


def _char_params(kind, input_size, state_size, output_size, param_scale=0.01):
    rs = np.random.RandomState(0)

    def rp(*shape):
        return rs.randn(*shape) * param_scale

    if kind == "rnn":
        return {
            "init hiddens": rp(1, state_size),
            "change": rp(input_size + state_size + 1, state_size),
            "predict": rp(state_size + 1, output_size),
        }
    return {
        "init cells": rp(1, state_size),
        "init hiddens": rp(1, state_size),
        "change": rp(input_size + state_size + 1, state_size),
        "forget": rp(input_size + state_size + 1, state_size),
        "ingate": rp(input_size + state_size + 1, state_size),
        "outgate": rp(input_size + state_size + 1, state_size),
        "predict": rp(state_size + 1, output_size),
    }


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_autograd_char_rnn_and_lstm(kind):
    agnp = pytest.importorskip("autograd.numpy")
    import autograd
    from autograd.misc.optimizers import adam as a_adam
    from autograd.scipy.special import logsumexp as a_lse

    from gpuad.misc.optimizers import adam as g_adam
    from gpuad.scipy.special import logsumexp as g_lse

    num_chars, seq_len, state = 24, 7, 6
    text = ["def f(x):", "  return x", "hi there", "abc", "", "fghij klm"]
    lines = [
        "".join(chr(65 + (ord(c) % num_chars)) if ord(c) >= num_chars else c for c in line)
        for line in text
    ]
    train_inputs = _build_dataset(lines, seq_len, num_chars)
    init = _char_params(kind, num_chars, state, num_chars, param_scale=0.3)
    runs = {}
    for lib, np_, lse, grad, adam in (
        ("autograd", agnp, a_lse, autograd.grad, a_adam),
        ("gpuad", gnp, g_lse, ad.grad, g_adam),
    ):
        predict, loglik = _char_models(np_, lse)[kind]

        def training_loss(params, iter, loglik=loglik):
            return -loglik(params, train_inputs, train_inputs)

        seen = []

        def callback(weights, iter, gradient, training_loss=training_loss, seen=seen):
            seen.append(
                (float(training_loss(weights, 0)), {k: _arr(v).copy() for k, v in gradient.items()})
            )

        params0 = {k: v.copy() for k, v in init.items()}
        trained = adam(grad(training_loss), params0, step_size=0.1, num_iters=12, callback=callback)
        # the program's text generation, with one generator's draws for both
        rng = np.random.RandomState(3)
        out = ""
        for _ in range(5):
            seqs = _string_to_one_hot(out, num_chars)[:, np.newaxis, :]
            logprobs = _arr(predict(trained, seqs)[-1]).ravel()
            p = np.exp(logprobs)
            out += chr(rng.choice(len(logprobs), p=p / p.sum()))
        runs[lib] = (seen, trained, out)
    (aseen, atrained, atext), (gseen, gtrained, gtext) = runs["autograd"], runs["gpuad"]
    for (al, ag), (gl, gg) in zip(aseen, gseen, strict=True):
        np.testing.assert_allclose(gl, al, rtol=1e-10)
        for k in ag:
            _close(gg[k], ag[k], 1e-9, 1e-12, k)
    for k in atrained:
        _close(gtrained[k], atrained[k], 1e-9, 1e-12, k)
    assert gtext == atext
    # the loss against central differences in a few parameters
    predict, loglik = _char_models(gnp, g_lse)[kind]
    names = sorted(init)

    def f(*leaves):
        return loglik(dict(zip(names, leaves, strict=True)), train_inputs[:3], train_inputs[:3])

    check_grads(f, [init[k] for k in names], order=1, modes=("rev",))


# ---- JAX docs/notebooks/Neural_Network_and_Data_Loading ------------------------------------


def _nn_program(J):
    jnp = J.np

    def relu(x):
        return jnp.maximum(0, x)

    def predict(params, image):
        activations = image
        for w, b in params[:-1]:
            outputs = jnp.dot(w, activations) + b
            activations = relu(outputs)
        final_w, final_b = params[-1]
        logits = jnp.dot(final_w, activations) + final_b
        return logits - J.logsumexp(logits)

    batched_predict = J.vmap(predict, in_axes=(None, 0))

    def one_hot(x, k, dtype=np.float64):
        return jnp.array(x[:, None] == jnp.arange(k), dtype)

    def accuracy(params, images, targets):
        target_class = jnp.argmax(targets, axis=1)
        predicted_class = jnp.argmax(batched_predict(params, images), axis=1)
        return jnp.mean(predicted_class == target_class)

    def loss(params, images, targets):
        preds = batched_predict(params, images)
        return -jnp.mean(preds * targets)

    step_size = 0.5

    @J.jit
    def update(params, x, y):
        grads = J.grad(loss)(params, x, y)
        return [
            (w - step_size * dw, b - step_size * db)
            for (w, b), (dw, db) in zip(params, grads, strict=True)
        ]

    return predict, batched_predict, one_hot, accuracy, loss, update


def _jax_J():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    return type(
        "J",
        (),
        dict(
            np=jnp,
            logsumexp=staticmethod(logsumexp),
            vmap=staticmethod(jax.vmap),
            jit=staticmethod(jax.jit),
            grad=staticmethod(jax.grad),
        ),
    )


def _gpuad_J():
    from gpuad.scipy.special import logsumexp

    return type(
        "J",
        (),
        dict(
            np=gnp,
            logsumexp=staticmethod(logsumexp),
            vmap=staticmethod(ad.vmap),
            jit=staticmethod(ad.jit),
            grad=staticmethod(ad.grad),
        ),
    )


def test_jax_neural_network_and_data_loading():
    layer_sizes, n_targets, batch_size = [12, 9, 7, 4], 4, 8
    scale = 1e-1
    params0 = [
        (scale * R.standard_normal((n, m)), scale * R.standard_normal(n))
        for m, n in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    images = R.standard_normal((3 * batch_size, layer_sizes[0]))
    labels = R.integers(0, n_targets, size=3 * batch_size)

    def numpy_collate(batch):  # what the notebook's NumpyLoader hands to the loop
        xs, ys = zip(*batch, strict=True)
        return np.stack(xs), np.array(ys)

    order = R.permutation(len(images))
    batches = [
        numpy_collate([(images[i], labels[i]) for i in order[s : s + batch_size]])
        for s in range(0, len(images), batch_size)
    ]
    runs = {}
    for J in (_jax_J(), _gpuad_J()):
        predict, batched_predict, one_hot, accuracy, loss, update = _nn_program(J)
        params = [(J.np.asarray(w), J.np.asarray(b)) for w, b in params0]
        # the notebook's checks: one example, then a batch
        one = J.jit(predict)(params, J.np.asarray(images[0]))
        many = batched_predict(params, J.np.asarray(images[:5]))
        hist = []
        for _epoch in range(2):
            for x, y in batches:
                y = one_hot(J.np.asarray(y), n_targets)
                hist.append(float(J.jit(loss)(params, J.np.asarray(x), y)))
                params = update(params, J.np.asarray(x), y)
            train_acc = J.jit(accuracy)(
                params, J.np.asarray(images), one_hot(J.np.asarray(labels), n_targets)
            )
            hist.append(float(train_acc))
        runs[J.np.__name__] = (one, many, hist, params)
    (jo, jm, jh, jp), (go, gm, gh, gp) = runs["jax.numpy"], runs["gpuad.numpy"]
    _close(go, np.asarray(jo))
    _close(gm, np.asarray(jm))
    # every third entry is the accuracy: JAX's mean of booleans is float32 even with x64
    # (NumPy's and gpuad's are float64)
    np.testing.assert_allclose(gh, jh, rtol=1e-7)
    np.testing.assert_allclose(
        [h for i, h in enumerate(gh) if i % 4 != 3],
        [h for i, h in enumerate(jh) if i % 4 != 3],
        rtol=1e-11,
    )
    for (gw, gb), (jw, jb) in zip(gp, jp, strict=True):
        _close(gw, np.asarray(jw), 1e-11, 1e-13)
        _close(gb, np.asarray(jb), 1e-11, 1e-13)
    # the loss's gradient through vmap against central differences
    *_, loss, _ = _nn_program(_gpuad_J())
    x, y = batches[0]
    y1 = (y[:, None] == np.arange(n_targets)).astype(np.float64)

    def f(w0, b0, w1):
        return loss([(w0, b0), (w1, params0[1][1]), params0[2]], x, y1)

    check_grads(f, (params0[0][0], params0[0][1], params0[1][0]), order=2, modes=("rev",))


# ---- CuPy examples/kmeans/kmeans.py ---------------------------------------------------------


class _KMeans:
    def __init__(self, xp, n_clusters=2, max_iter=10):
        self.xp, self.n_clusters, self.max_iter = xp, n_clusters, max_iter
        self.centers = self.pred = None
        self.iters = 0

    def fit(self, X, X_indexes):
        xp = self.xp
        self.pred = xp.zeros(len(X))
        initial_centroid_indexes = X_indexes[: self.n_clusters]
        self.centers = X[initial_centroid_indexes]
        data_num, data_dim = X.shape[0], X.shape[1]
        for _ in range(self.max_iter):
            X2 = X.repeat(self.n_clusters, axis=0)
            X2 = X2.reshape(data_num, self.n_clusters, data_dim)
            centers = xp.broadcast_to(self.centers, (data_num, self.n_clusters, data_dim))
            new_pred = xp.argmin(xp.sum((X2 - centers) ** 2, axis=2), axis=1)
            if xp.all(new_pred == self.pred):
                break
            self.pred = new_pred
            self.iters += 1
            centers = xp.empty((0, data_dim))
            for i in range(self.n_clusters):
                centers = xp.vstack((centers, X[self.pred == i].mean(axis=0)))
            self.centers = centers


def test_cupy_kmeans():
    n, k = 60, 3
    X0 = np.concatenate(
        [R.standard_normal((n // 3, 2)) * 0.5 + c for c in ([0, 0], [4, 1], [1, 5])]
    )
    idx = R.permutation(len(X0))
    ref = _KMeans(np, k, 10)
    ref.fit(X0, idx)
    got = _KMeans(gnp, k, 10)
    got.fit(ad.tensor(X0), idx)
    assert ref.iters == got.iters >= 2
    np.testing.assert_array_equal(_arr(got.pred), ref.pred)
    _close(got.centers, ref.centers)

    # the centres, differentiated in the data (the assignment held fixed): each point moves
    # the mean of its cluster by 1 / (cluster size)
    def spread(X):
        km = _KMeans(gnp, k, 10)
        km.fit(X, idx)
        return gnp.sum(km.centers**2) + gnp.sum(gnp.sin(km.centers[:, 0]))

    g = _arr(ad.grad(spread)(X0))
    c, lab = ref.centers, ref.pred
    want = np.stack([2 * c[lab][:, 0] + np.cos(c[lab][:, 0]), 2 * c[lab][:, 1]], axis=1)
    want /= np.bincount(lab, minlength=k)[lab][:, None]
    _close(g, want, 1e-12, 1e-13)
    check_grads(spread, (X0,), order=1, modes=("rev",))


# ---- CuPy examples/gmm/gmm.py -----------------------------------------------------------------


def _gmm(xp):
    def estimate_gaussian_parameters(X, resp):
        nk = xp.sum(resp, axis=0)
        means = xp.dot(resp.T, X) / nk[:, None]
        avg_X2 = xp.dot(resp.T, X * X) / nk[:, None]
        avg_X_means = means * xp.dot(resp.T, X) / nk[:, None]
        covariances = avg_X2 - 2 * avg_X_means + means**2
        return nk / len(X), means, covariances

    def estimate_log_prob(X, inv_cov, means):
        n_features = X.shape[1]
        log_det = xp.sum(xp.log(inv_cov), axis=1)
        precisions = inv_cov**2
        log_prob = (
            xp.sum((means**2 * precisions), 1)
            - 2 * xp.dot(X, (means * precisions).T)
            + xp.dot(X**2, precisions.T)
        )
        return -0.5 * (n_features * xp.log(2 * np.pi) + log_prob) + log_det

    def e_step(X, inv_cov, means, weights):
        weighted_log_prob = estimate_log_prob(X, inv_cov, means) + xp.log(weights)
        log_prob_norm = xp.log(xp.sum(xp.exp(weighted_log_prob), axis=1))
        log_resp = weighted_log_prob - log_prob_norm[:, None]
        return xp.mean(log_prob_norm), log_resp

    def m_step(X, log_resp):
        weights, means, covariances = estimate_gaussian_parameters(X, xp.exp(log_resp))
        inv_cov = 1 / xp.sqrt(covariances)
        return weights, means, covariances, inv_cov

    def train_gmm(X, max_iter, tol, means, covariances):
        lower_bound = -np.inf
        converged = False
        weights = xp.array([0.5, 0.5], dtype=np.float32)
        inv_cov = 1 / xp.sqrt(covariances)
        n_iter = 0
        for n_iter in range(max_iter):  # noqa: B007
            prev_lower_bound = lower_bound
            log_prob_norm, log_resp = e_step(X, inv_cov, means, weights)
            weights, means, covariances, inv_cov = m_step(X, log_resp)
            lower_bound = log_prob_norm
            change = lower_bound - prev_lower_bound
            if abs(change) < tol:
                converged = True
                break
        return inv_cov, means, weights, covariances, lower_bound, converged, n_iter

    def predict(X, inv_cov, means, weights):
        log_prob = estimate_log_prob(X, inv_cov, means)
        return (log_prob + xp.log(weights)).argmax(axis=1)

    return train_gmm, predict


def test_cupy_gmm():
    n = 40
    X0 = np.concatenate([R.normal(1.5, [1, 2], size=(n, 2)), R.normal(-1.5, [2, 1], size=(n, 2))])
    mean1, mean2 = R.normal(3, [1, 2], size=2), R.normal(-3, [2, 1], size=2)
    means0, cov0 = np.stack((mean1, mean2)), R.random((2, 2)) + 0.5
    out = {}
    for name, xp, wrap in (("numpy", np, np.asarray), ("gpuad", gnp, ad.tensor)):
        train_gmm, predict = _gmm(xp)
        inv_cov, means, weights, cov, lb, conv, it = train_gmm(
            wrap(X0), 50, 1e-6, wrap(means0), wrap(cov0)
        )
        out[name] = (inv_cov, means, weights, cov, lb, predict(wrap(X0), inv_cov, means, weights))
        out[name + "_meta"] = (conv, it)
    assert out["numpy_meta"] == out["gpuad_meta"]
    assert out["numpy_meta"][0]  # converged: the stop on |change| < tol was taken
    for a, b in zip(out["gpuad"][:5], out["numpy"][:5], strict=True):
        _close(a, b, 1e-10, 1e-12)
    np.testing.assert_array_equal(_arr(out["gpuad"][5]), out["numpy"][5])

    # the lower bound after a few EM steps, differentiated in the data: against autograd
    # running the same code, and central differences
    agnp = pytest.importorskip("autograd.numpy")
    import autograd

    def bound(xp):
        train_gmm, _ = _gmm(xp)

        def f(X):
            return train_gmm(X, 3, 0.0, means0, cov0)[4]

        return f

    _close(ad.grad(bound(gnp))(X0), autograd.grad(bound(agnp))(X0), 1e-10, 1e-13)
    check_grads(bound(gnp), (X0,), order=1, modes=("rev",))


# ---- CuPy examples/finance: black_scholes.py and monte_carlo.py ---------------------------


def _black_scholes(xp, s, x, t, r, v):
    sqrt_t = xp.sqrt(t)
    d1 = (xp.log(s / x) + (r + v * v / 2) * t) / (v * sqrt_t)
    d2 = d1 - v * sqrt_t

    def get_cumulative_normal_distribution(x):
        A1, A2, A3 = 0.31938153, -0.356563782, 1.781477937
        A4, A5 = -1.821255978, 1.330274429
        RSQRT2PI = 0.39894228040143267793994605993438
        W = 0.2316419
        k = 1 / (1 + W * xp.abs(x))
        cnd = RSQRT2PI * xp.exp(-x * x / 2) * (k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5)))))
        cnd = xp.where(x > 0, 1 - cnd, cnd)
        return cnd

    cnd_d1 = get_cumulative_normal_distribution(d1)
    cnd_d2 = get_cumulative_normal_distribution(d2)
    exp_rt = xp.exp(-r * t)
    call = s * cnd_d1 - x * exp_rt * cnd_d2
    put = x * exp_rt * (1 - cnd_d2) - s * (1 - cnd_d1)
    return call, put


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _monte_carlo_normals(n_threads, n_samples, seed):
    """The kernel's generator, thread ``i`` seeded by ``i`` and ``seed``: xorshift128+ draws
    mapped to N(0, 1) by ``erfcinv``, as the CUDA code computes them (in NumPy's uint64)."""
    from scipy.special import erfcinv

    with np.errstate(over="ignore"):
        a0 = np.arange(1, n_threads + 1, dtype=np.uint64)
        a1 = np.full(n_threads, np.uint64(0x5C721FD808F616B6) + np.uint64(seed), np.uint64)
        out = np.empty((n_threads, n_samples))
        for j in range(n_samples):
            s1, s0 = a0, a1
            a0 = s0
            s1 = s1 ^ ((s1 << np.uint64(23)) & _MASK64)
            s1 = s1 ^ (s1 >> np.uint64(17))
            s1 = s1 ^ s0
            s1 = s1 ^ (s0 >> np.uint64(26))
            a1 = s1
            u = (s0 + s1).astype(np.float64) / np.float64(18446744073709551615)
            sgn = np.where(u > 0.5, np.sqrt(2.0), -np.sqrt(2.0))
            u = np.where(u > 0.5, 1 - u, u)
            out[:, j] = sgn * erfcinv(2 * (u + 0.5))
    return out


def _compute_option_prices(xp, p, stock_price, option_strike, option_years, risk_free, volatility):
    """monte_carlo_kernel over (options, threads), then the mean over threads."""
    s, x, t = stock_price[:, None, None], option_strike[:, None, None], option_years[:, None, None]
    v_by_sqrt_t = volatility * xp.sqrt(t)
    mu_by_t = (risk_free - volatility * volatility / 2) * t
    call_value = s * xp.exp(mu_by_t + v_by_sqrt_t * p) - x
    call_value = xp.where(call_value > 0, call_value, 0)
    discount_factor = xp.exp(-risk_free * t)
    call = xp.sum(discount_factor * call_value, axis=2) / p.shape[-1]
    return call.mean(axis=1)


def test_cupy_finance_black_scholes_and_monte_carlo():
    agnp = pytest.importorskip("autograd.numpy")
    import autograd

    n_options = 6
    stock_price = 5 + 25 * R.random(n_options)
    option_strike = 1 + 30 * R.random(n_options)
    option_years = 0.25 + 9.75 * R.random(n_options)
    risk_free, volatility = 0.02, 0.3
    args = (stock_price, option_strike, option_years, risk_free, volatility)

    want = _black_scholes(np, *args)
    got = _black_scholes(gnp, *(ad.tensor(np.asarray(a)) for a in args))
    for g, w in zip(got, want, strict=True):
        _close(g, w)

    # the Greeks: gpuad against autograd running the same code, and central differences
    def price(xp, f):
        def total(s, x, t, r, v):
            call, put = f(xp, s, x, t, r, v)
            return xp.sum(call) + 0.5 * xp.sum(put)

        return total

    argnums = (0, 1, 2, 3, 4)
    fargs = tuple(np.asarray(a, dtype=np.float64) for a in args)
    gg = ad.grad(price(gnp, _black_scholes), argnums=argnums)(*fargs)
    ag = autograd.grad(price(agnp, _black_scholes), argnum=0)(*fargs)
    _close(gg[0], ag)
    for i in range(5):
        _close(gg[i], autograd.grad(price(agnp, _black_scholes), argnum=i)(*fargs))
    check_grads(price(gnp, _black_scholes), fargs, order=2, modes=("rev", "fwd"))

    # Monte Carlo with the kernel's own generator: the value near Black-Scholes', and the
    # pathwise delta and vega exactly autograd's
    p = _monte_carlo_normals(64, 40, seed=0)
    assert np.isfinite(p).all() and abs(p.std() - 1) < 0.2
    call_mc_np = _compute_option_prices(np, p, *args)
    call_mc = _compute_option_prices(gnp, p, *(ad.tensor(np.asarray(a)) for a in args))
    _close(call_mc, call_mc_np)
    err = np.std(_arr(call_mc) - want[0])
    assert err < 0.1 * np.mean(want[0])  # the program's check: MC near the exact price

    def mc_total(xp):
        def total(s, x, t, r, v):
            return xp.sum(_compute_option_prices(xp, p, s, x, t, r, v))

        return total

    gmc = ad.grad(mc_total(gnp), argnums=argnums)(*fargs)
    for i in range(5):
        _close(gmc[i], autograd.grad(mc_total(agnp), argnum=i)(*fargs), 1e-12, 1e-13)
    check_grads(mc_total(gnp), fargs, order=1, modes=("rev", "fwd"))


# ---- CuPy examples/cg/cg.py ------------------------------------------------------------------


def _cg_fit(xp, A, b, tol, max_iter, port=False):
    x = xp.zeros_like(b, dtype=np.float64)
    r0 = b - xp.dot(A, x)
    p = r0
    for _ in range(max_iter):
        a = xp.inner(r0, r0) / xp.inner(p, xp.dot(A, p))
        if port:  # gpuad, differentiated: a new value (see the test)
            x = x + a * p
        else:
            x += a * p
        r1 = r0 - a * xp.dot(A, p)
        if xp.linalg.norm(r1) < tol:
            return x
        b = xp.inner(r1, r1) / xp.inner(r0, r0)
        p = r1 + b * p
        r0 = r1
    return x


def test_cupy_conjugate_gradient():
    agnp = pytest.importorskip("autograd.numpy")
    import autograd

    N = 8
    A = R.integers(-5, 5, size=(N, N))
    A = (A @ A.T).astype(np.float64) + N * np.eye(N)
    x_ans = R.integers(-5, 5, size=N).astype(np.float64)
    b = np.dot(A, x_ans)
    x_np = _cg_fit(np, A, b, 1e-10, 50)
    x_g = _cg_fit(gnp, ad.tensor(A), ad.tensor(b), 1e-10, 50)
    _close(x_g, x_np)
    np.testing.assert_allclose(x_np, x_ans, atol=1e-8)

    # differentiated through the iterations (and the in-place x += a * p): with the exact
    # stop the solution's derivative in b is A^-1, in A -A^-1 (.) x
    u = R.standard_normal(N)

    def obj(xp, port=False):
        def f(A_, b_):
            return xp.dot(u, _cg_fit(xp, A_, b_, 1e-10, 50, port))

        return f

    # differs: the program's x = zeros_like(b) is a constant NumPy array, and x += a * p with
    # a recorded a * p would drop its gradient: gpuad raises, naming the fix (HIPS autograd
    # raises a TypeError too; JAX has no in-place +=). Made a Tensor, as the message
    # also offers, x is written in place after dot(A, x) saved it for A's gradient: the
    # backward raises, as torch's. The port writes x = x + a * p.
    with pytest.raises(TypeError, match="would drop its gradient"):
        ad.grad(obj(gnp))(A, b)
    with pytest.raises(TypeError):
        autograd.grad(obj(agnp))(A, b)

    def tensor_x(A_, b_):
        x = ad.tensor(gnp.zeros_like(b_, dtype=np.float64))
        x += gnp.dot(A_, x) + 1.0
        x += gnp.dot(A_, b_)
        return gnp.sum(x)

    with pytest.raises(ad.GradError, match="modified in place"):
        ad.grad(tensor_x)(A, b)

    gA, gb = ad.grad(obj(gnp, True), argnums=(0, 1))(A, b)
    aA, ab = autograd.grad(obj(agnp, True), 0)(A, b), autograd.grad(obj(agnp, True), 1)(A, b)
    _close(gb, ab, 1e-9, 1e-12)
    _close(gA, aA, 1e-9, 1e-12)
    w = np.linalg.solve(A, u)
    _close(gb, w, 1e-7, 1e-10)
    # CG reads only A's symmetric part correctly: along symmetric directions the derivative
    # is the solve's
    _close(gA + gA.T, -np.outer(w, x_np) - np.outer(x_np, w), 1e-7, 1e-9)
    check_grads(lambda b_: obj(gnp, True)(A, b_), (b,), order=1, modes=("rev",))


# ---- JAX docs/quickstart.md and docs/automatic-vectorization.md -----------------------------


def _jax_ns():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return dict(
        np=jnp,
        jit=jax.jit,
        grad=jax.grad,
        jacobian=jax.jacobian,
        jacfwd=jax.jacfwd,
        jacrev=jax.jacrev,
        vmap=jax.vmap,
    )


def _gpuad_ns():
    return dict(
        np=gnp,
        jit=ad.jit,
        grad=ad.grad,
        jacobian=ad.jacobian,
        jacfwd=ad.jacfwd,
        jacrev=ad.jacrev,
        vmap=ad.vmap,
    )


def _quickstart(L, x_big, mat, batched_x):
    jnp, jit, grad = L["np"], L["jit"], L["grad"]
    out = {}

    def selu(x, alpha=1.67, lmbda=1.05):
        return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)

    out["selu"] = selu(jnp.arange(5.0))
    selu_jit = jit(selu)
    out["selu_jit"] = selu_jit(jnp.asarray(x_big))
    out["selu_jit_again"] = selu_jit(jnp.asarray(-x_big))

    def sum_logistic(x):
        return jnp.sum(1.0 / (1.0 + jnp.exp(-x)))

    x_small = jnp.arange(3.0)
    out["grad"] = grad(sum_logistic)(x_small)

    def first_finite_differences(f, x, eps=1e-3):
        return jnp.array([(f(x + eps * v) - f(x - eps * v)) / (2 * eps) for v in jnp.eye(len(x))])

    out["fd"] = first_finite_differences(sum_logistic, x_small)
    out["grad3"] = grad(jit(grad(jit(grad(sum_logistic)))))(1.0)
    out["jacobian_exp"] = L["jacobian"](jnp.exp)(x_small)

    def hessian(fun):
        return jit(L["jacfwd"](L["jacrev"](fun)))

    out["hessian"] = hessian(sum_logistic)(x_small)
    mat = jnp.asarray(mat)

    def apply_matrix(x):
        return jnp.dot(mat, x)

    def naively_batched_apply_matrix(v_batched):
        return jnp.stack([apply_matrix(v) for v in v_batched])

    @jit
    def batched_apply_matrix(batched_x):
        return jnp.dot(batched_x, mat.T)

    @jit
    def vmap_batched_apply_matrix(batched_x):
        return L["vmap"](apply_matrix)(batched_x)

    bx = jnp.asarray(batched_x)
    out["naive"] = naively_batched_apply_matrix(bx)
    out["manual"] = batched_apply_matrix(bx)
    out["vmap"] = vmap_batched_apply_matrix(bx)
    return out


def _vectorization(L):
    jnp, vmap = L["np"], L["vmap"]
    out = {}
    x = jnp.arange(5)
    w = jnp.array([2.0, 3.0, 4.0])

    def convolve(x, w):
        output = []
        for i in range(1, len(x) - 1):
            output.append(jnp.dot(x[i - 1 : i + 2], w))
        return jnp.array(output)

    out["convolve"] = convolve(x, w)
    xs = jnp.stack([x, x + 1])
    ws = jnp.stack([w, 2 * w])

    def manually_batched_convolve(xs, ws):
        output = []
        for i in range(xs.shape[0]):
            output.append(convolve(xs[i], ws[i]))
        return jnp.stack(output)

    def manually_vectorized_convolve(xs, ws):
        output = []
        for i in range(1, xs.shape[-1] - 1):
            output.append(jnp.sum(xs[:, i - 1 : i + 2] * ws, axis=1))
        return jnp.stack(output, axis=1)

    out["manual_batched"] = manually_batched_convolve(xs, ws)
    out["manual_vectorized"] = manually_vectorized_convolve(xs, ws)
    auto_batch_convolve = vmap(convolve)
    out["auto"] = auto_batch_convolve(xs, ws)
    out["auto_v2"] = vmap(convolve, in_axes=1, out_axes=1)(jnp.transpose(xs), jnp.transpose(ws))
    out["auto_v3"] = vmap(convolve, in_axes=[0, None])(xs, w)
    out["jitted"] = L["jit"](auto_batch_convolve)(xs, ws)

    def pairwise(f, xs):
        return vmap(lambda x: vmap(lambda y: f(x, y))(xs))(xs)

    def dist(x, y):
        return jnp.sqrt(jnp.sum((x - y) ** 2) + 1e-12)

    pts = jnp.asarray(np.linspace(0.0, 1.0, 12).reshape(4, 3) ** 2)
    out["pairwise"] = pairwise(dist, pts)
    # the batched convolution differentiated in the weights, through vmap of a list of dots
    out["grad_ws"] = L["grad"](
        lambda ws_: jnp.sum(jnp.sin(auto_batch_convolve(xs.astype(np.float64), ws_)))
    )(ws)
    return out


def test_jax_quickstart_and_automatic_vectorization():
    x_big = R.standard_normal(50)
    mat, batched_x = R.standard_normal((15, 10)), R.standard_normal((4, 10))
    want = _quickstart(_jax_ns(), x_big, mat, batched_x)
    got = _quickstart(_gpuad_ns(), x_big, mat, batched_x)
    assert sorted(want) == sorted(got)
    for k in want:
        _close(got[k], np.asarray(want[k]), msg=k)
    _close(got["fd"], got["grad"], 1e-6, 1e-8)
    want = _vectorization(_jax_ns())
    got = _vectorization(_gpuad_ns())
    for k in want:
        assert np.asarray(want[k]).dtype == _arr(got[k]).dtype, k
        _close(got[k], np.asarray(want[k]), msg=k)
    _close(got["auto"], got["manual_batched"])
    _close(got["auto"], got["manual_vectorized"])


# ---- HIPS autograd examples/gmm.py -----------------------------------------------------------


def _pinwheel(radial_std, tangential_std, num_classes, num_per_class, rate, rs):
    """examples/data.py's make_pinwheel: spiral arms of noisy points."""
    rads = np.linspace(0, 2 * np.pi, num_classes, endpoint=False)
    feats = rs.randn(num_classes * num_per_class, 2) * np.array([radial_std, tangential_std])
    feats[:, 0] += 1
    labels = np.repeat(np.arange(num_classes), num_per_class)
    angles = rads[labels] + rate * np.exp(feats[:, 0])
    rot = np.stack([np.cos(angles), -np.sin(angles), np.sin(angles), np.cos(angles)])
    rot = np.reshape(rot.T, (-1, 2, 2))
    return 10 * rs.permutation(np.einsum("ti,tij->tj", feats, rot))


def _gmm_program(np_, logsumexp, mvn):
    def log_normalize(x):
        return x - logsumexp(x)

    def unpack_gmm_params(params):
        normalized_log_proportions = log_normalize(params["log proportions"])
        return normalized_log_proportions, params["means"], params["lower triangles"]

    def gmm_log_likelihood(params, data):
        cluster_lls = []
        for log_proportion, mean, cov_sqrt in zip(*unpack_gmm_params(params), strict=True):
            cov = np_.dot(cov_sqrt.T, cov_sqrt)
            cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
        return np_.sum(logsumexp(np_.vstack(cluster_lls), axis=0))

    return gmm_log_likelihood


def test_autograd_gmm_newton_cg():
    pytest.importorskip("autograd")
    import autograd
    import autograd.numpy as agnp
    import autograd.scipy.stats.multivariate_normal as amvn
    from autograd.misc.flatten import flatten_func as a_flatten_func
    from autograd.scipy.special import logsumexp as a_lse
    from scipy.optimize import minimize

    import gpuad.scipy.stats.multivariate_normal as gmvn
    from gpuad.misc import hessian_vector_product as g_hvp
    from gpuad.misc.flatten import flatten_func as g_flatten_func
    from gpuad.scipy.special import logsumexp as g_lse

    rs = np.random.RandomState(0)
    num_components, D = 3, 2
    init_params = {
        "log proportions": rs.randn(num_components) * 0.1,
        "means": rs.randn(num_components, D) * 0.1,
        "lower triangles": np.zeros((num_components, D, D)) + np.eye(D),
    }
    data = _pinwheel(0.3, 0.05, 3, 12, 0.4, np.random.RandomState(1))
    runs = {}
    for lib, np_, lse, mvn, flatten_func, grad, hvp in (
        (
            "autograd",
            agnp,
            a_lse,
            amvn,
            a_flatten_func,
            autograd.grad,
            autograd.hessian_vector_product,
        ),
        ("gpuad", gnp, g_lse, gmvn, g_flatten_func, ad.grad, g_hvp),
    ):
        gmm_log_likelihood = _gmm_program(np_, lse, mvn)

        def objective(params, f=gmm_log_likelihood):
            return -f(params, data)

        flat_obj, unflatten, x0 = flatten_func(objective, init_params)
        seen = []
        dflat, hflat = grad(flat_obj), hvp(flat_obj)
        res = minimize(
            lambda x, f=flat_obj: float(np.asarray(_arr(f(x))).reshape(())),
            _arr(x0),
            jac=lambda x, g=dflat: _arr(g(x)),
            hessp=lambda x, p, h=hflat: _arr(h(x, p)),
            method="Newton-CG",
            callback=lambda xk, seen=seen: seen.append(xk.copy()),
            options={"maxiter": 6},
        )
        runs[lib] = (
            seen,
            res.x,
            _arr(unflatten(res.x)["means"]),
            _arr(grad(flat_obj)(_arr(x0))),
            _arr(hvp(flat_obj)(_arr(x0), _arr(x0))),
        )
    (a_seen, ax, am, ag, ah), (g_seen, gx, gm, gg, gh) = runs["autograd"], runs["gpuad"]
    _close(gg, ag, 1e-11, 1e-12)
    _close(gh, ah, 1e-11, 1e-12)
    assert len(a_seen) == len(g_seen) >= 3
    for a, g in zip(a_seen, g_seen, strict=True):
        _close(g, a, 1e-8, 1e-10)
    _close(gx, ax, 1e-8, 1e-10)
    _close(gm, am, 1e-8, 1e-10)
    gmm_ll = _gmm_program(gnp, g_lse, gmvn)
    flat_obj, unflatten, x0 = g_flatten_func(lambda p: gmm_ll(p, data[:8]), init_params)
    check_grads(lambda x: flat_obj(x)[0], (_arr(x0),), order=2, modes=("rev",))


# ---- HIPS autograd examples/logistic_regression.py, tanh.py and neural_net.py ---------------


def test_autograd_logistic_regression_tanh_and_neural_net():
    pytest.importorskip("autograd")
    import autograd
    import autograd.numpy as agnp
    from autograd import elementwise_grad as a_egrad
    from autograd.misc.flatten import flatten as a_flatten
    from autograd.misc.optimizers import adam as a_adam
    from autograd.scipy.special import logsumexp as a_lse
    from scipy.optimize import minimize

    from gpuad.misc import elementwise_grad as g_egrad
    from gpuad.misc import flatten as g_flatten
    from gpuad.misc.optimizers import adam as g_adam
    from gpuad.scipy.special import logsumexp as g_lse

    # logistic_regression.py: minimize(CG) on the loss and its gradient together
    rs = np.random.RandomState(0)
    num_weights, num_data = 5, 40
    true_weights = rs.randn(num_weights)
    # inputs scaled by 0.3: with the original's, CG's line search reaches weights where
    # tanh saturates and 1 - p cancels; there both libraries' gradients lose digits (1e-4
    # apart, each off from the exact value), a property of the program, not of a rule
    train_inputs = 0.3 * rs.randn(num_data, num_weights)
    init_weights = rs.randn(num_weights)
    u = rs.rand(num_data)
    runs = {}
    for lib, np_, value_and_grad in (
        ("autograd", agnp, autograd.value_and_grad),
        ("gpuad", gnp, ad.value_and_grad),
    ):

        def sigmoid(x, np_=np_):
            return 0.5 * (np_.tanh(x) + 1.0)

        def predictions(weights, inputs, sigmoid=sigmoid, np_=np_):
            return sigmoid(np_.dot(inputs, weights))

        def loss(weights, inputs, targets, predictions=predictions, np_=np_):
            preds = predictions(weights, inputs)
            log_lik = np_.sum(np_.log(preds) * targets) + np_.sum(
                np_.log(1 - preds) * (1 - targets)
            )
            return -log_lik

        train_targets = u > _arr(predictions(true_weights, train_inputs))

        def training_loss(weights, loss=loss, t=train_targets):
            return loss(weights, train_inputs, t)

        vg = value_and_grad(training_loss)
        res = minimize(
            lambda w, vg=vg: tuple(_arr(a) for a in vg(w)),
            x0=init_weights,
            jac=True,
            method="CG",
            options={"maxiter": 15},
        )
        runs[lib] = (res.x, res.nit, _arr(training_loss(res.x)))
        if lib == "gpuad":
            check_grads(training_loss, (init_weights,), order=2, modes=("rev", "fwd"))
    assert runs["gpuad"][1] == runs["autograd"][1]
    _close(runs["gpuad"][0], runs["autograd"][0], 1e-9, 1e-11)
    _close(runs["gpuad"][2], runs["autograd"][2], 1e-11)

    # tanh.py: six nested elementwise_grads of a tanh written with exp
    x = np.linspace(-7, 7, 31)
    for lib, np_, egrad in (("autograd", agnp, a_egrad), ("gpuad", gnp, g_egrad)):

        def tanh(x, np_=np_):
            return (1.0 - np_.exp(-x)) / (1.0 + np_.exp(-x))

        f, ds = tanh, []
        for _ in range(6):
            f = egrad(f)
            ds.append(_arr(f(x)))
        runs["tanh_" + lib] = ds
    for k, (g, a) in enumerate(zip(runs["tanh_gpuad"], runs["tanh_autograd"], strict=True)):
        _close(g, a, 1e-10 * 10**k, 1e-12 * 10**k, msg=f"derivative {k + 1}")

    # neural_net.py: an MLP classifier with an L2 prior through flatten, adam over batches
    layer_sizes, L2_reg, batch_size = [6, 5, 4, 3], 1.0, 8
    rs = np.random.RandomState(0)
    init_params = [
        (0.1 * rs.randn(m, n), 0.1 * rs.randn(n))
        for m, n in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    images = rs.randn(20, layer_sizes[0])
    labels = np.eye(layer_sizes[-1])[rs.randint(0, layer_sizes[-1], size=20)]
    num_batches = int(np.ceil(len(images) / batch_size))

    def batch_indices(iter):
        idx = iter % num_batches
        return slice(idx * batch_size, (idx + 1) * batch_size)

    for lib, np_, lse, flatten, grad, adam in (
        ("autograd", agnp, a_lse, a_flatten, autograd.grad, a_adam),
        ("gpuad", gnp, g_lse, g_flatten, ad.grad, g_adam),
    ):

        def neural_net_predict(params, inputs, np_=np_, lse=lse):
            for W, b in params:
                outputs = np_.dot(inputs, W) + b
                inputs = np_.tanh(outputs)
            return outputs - lse(outputs, axis=1, keepdims=True)

        def l2_norm(params, np_=np_, flatten=flatten):
            flattened, _ = flatten(params)
            return np_.dot(flattened, flattened)

        def log_posterior(
            params, inputs, targets, L2_reg, np_=np_, predict=neural_net_predict, l2_norm=l2_norm
        ):
            log_prior = -L2_reg * l2_norm(params)
            log_lik = np_.sum(predict(params, inputs) * targets)
            return log_prior + log_lik

        def accuracy(params, inputs, targets, np_=np_, predict=neural_net_predict):
            target_class = np_.argmax(targets, axis=1)
            predicted_class = np_.argmax(predict(params, inputs), axis=1)
            return np_.mean(predicted_class == target_class)

        def objective(params, iter, log_posterior=log_posterior):
            idx = batch_indices(iter)
            return -log_posterior(params, images[idx], labels[idx], L2_reg)

        perf = []

        def print_perf(params, iter, gradient, perf=perf, accuracy=accuracy, objective=objective):
            perf.append((float(accuracy(params, images, labels)), float(objective(params, iter))))

        params = adam(
            grad(objective),
            init_params,
            step_size=0.05,
            num_iters=3 * num_batches,
            callback=print_perf,
        )
        runs["nn_" + lib] = (perf, params)
    (gp, gparams), (ap, aparams) = runs["nn_gpuad"], runs["nn_autograd"]
    np.testing.assert_allclose(np.array(gp), np.array(ap), rtol=1e-10)
    for (gw, gb), (aw, ab) in zip(gparams, aparams, strict=True):
        _close(gw, aw, 1e-10, 1e-12)
        _close(gb, ab, 1e-10, 1e-12)
