"""Small JAX programs built on ``gpuad.lax``, ``gpuad.jax_nn``, ``gpuad.optax``,
``gpuad.random``'s samplers and the ``jit`` AOT API, each run with gpuad and with JAX in
float64 from the same parameters and data: an MLP classifier trained with optax's adamw, a warmup
cosine schedule and global-norm clipping; differentially private SGD (per-example gradients
under ``vmap``, clipped, with the same noise fed to both); a small NHWC convolutional network
with max pooling trained with momentum SGD; an attention block; a windowed scan RNN; and
variational inference with a Gamma posterior fitted by pathwise gradients through
``gpuad.random.gamma``.

optax is not a dependency: the JAX side writes optax's update rules out by hand. gpuad's
generator is not JAX's bit for bit, so the Gamma sampler is compared through its implicit
gradient at gpuad's samples (``lax.random_gamma_grad``) and the ELBO gradient against its
analytic value.

A difference kept: ``jax.nn.dot_product_attention`` takes its softmax in float32 even for
float64 inputs; gpuad keeps float64, so the attention block is compared with JAX's float64
einsum formulation (and with ``jax.nn.dot_product_attention`` at float32 accuracy).
"""

from __future__ import annotations

import numpy as onp
import pytest
from conftest import to_numpy

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import jax_nn as gnn  # noqa: E402
from gpuad import lax as glax  # noqa: E402
from gpuad import optax  # noqa: E402
from gpuad import random as grandom  # noqa: E402

pytestmark = pytest.mark.usefixtures("backend")


def _np(a):
    return onp.asarray(to_numpy(a))


def _close(a, b, tol=1e-10):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        onp.testing.assert_allclose(_np(x), _np(y), rtol=tol, atol=tol)


def _g(tree):
    return ad.tree_map(gnp.asarray, tree)


# (1) MLP classifier: adamw + warmup cosine schedule + clip_by_global_norm, jitted.


def _mlp_loss(L, nn, params, X, y):
    W1, b1, W2, b2 = params
    logits = nn.relu(X @ W1 + b1) @ W2 + b2
    return -L.mean(L.sum(nn.log_softmax(logits) * nn.one_hot(y, 3), axis=-1))


def _jax_schedule(c, init=0.0, peak=0.05, warm=3, decay=10, end=1e-3):
    up = init + (peak - init) * jnp.clip(c, 0, warm) / warm
    d = jnp.clip(c - warm, 0, decay - warm)
    alpha = end / peak
    down = peak * ((1 - alpha) * 0.5 * (1 + jnp.cos(jnp.pi * d / (decay - warm))) + alpha)
    return jnp.where(c < warm, up, down)


@jax.jit
def _jax_adamw_step(params, m, v, c, X, y, max_norm=0.5, wd=0.01):
    loss, g = jax.value_and_grad(lambda p: _mlp_loss(jnp, jax.nn, p, X, y))(params)
    norm = jnp.sqrt(sum(jnp.sum(x * x) for x in g))
    g = [jnp.where(norm < max_norm, x, x / norm * max_norm) for x in g]
    m = [0.9 * a + 0.1 * x for a, x in zip(m, g, strict=True)]
    v = [0.999 * a + 0.001 * x * x for a, x in zip(v, g, strict=True)]
    c1 = c + 1
    u = [
        (a / (1 - 0.9**c1)) / (jnp.sqrt(b / (1 - 0.999**c1)) + 1e-8) + wd * p
        for a, b, p in zip(m, v, params, strict=True)
    ]
    lr = _jax_schedule(c)
    return [p - lr * x for p, x in zip(params, u, strict=True)], m, v, c1, loss


def test_mlp_adamw_warmup_cosine_clipped():
    rng = onp.random.default_rng(0)
    X, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    init = gnn.initializers.glorot_normal()
    k1, k2 = grandom.split(grandom.PRNGKey(0))
    W1, W2 = init(k1, (5, 8), gnp.float64), init(k2, (8, 3), gnp.float64)
    assert W1.shape == (5, 8) and W1.dtype == onp.float64
    # glorot_normal: a normal truncated at 2 stddevs, rescaled to variance 2 / (fan_in + fan_out)
    w = _np(W1).ravel()
    assert onp.abs(w).max() <= 2 * (2 / 13) ** 0.5 / 0.87962566103423978 + 1e-12
    start = [_np(W1), onp.zeros(8), _np(W2), onp.zeros(3)]

    sched = optax.warmup_cosine_decay_schedule(0.0, 0.05, 3, 10, end_value=1e-3)
    opt = optax.chain(optax.clip_by_global_norm(0.5), optax.adamw(sched, weight_decay=0.01))

    def step(params, state, X, y):
        loss, g = ad.value_and_grad(lambda p: _mlp_loss(gnp, gnn, p, X, y))(params)
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state, loss

    jstep = ad.jit(step)
    params, Xg, yg = _g(start), gnp.asarray(X), gnp.asarray(y)
    state = opt.init(params)
    compiled = jstep.lower(params, state, Xg, yg).compile()
    jp, m, v, c = start, [onp.zeros_like(p) for p in start], [onp.zeros_like(p) for p in start], 0
    for t in range(8):
        if t == 4:  # the AOT-compiled program replays the same step
            p2, s2, l2 = compiled(params, state, Xg, yg)
        params, state, loss = jstep(params, state, Xg, yg)
        if t == 4:
            _close((p2, l2), (params, loss), 0)
        jp, m, v, c, jloss = _jax_adamw_step(jp, m, v, c, X, y)
        onp.testing.assert_allclose(float(loss), float(jloss), rtol=1e-12, atol=1e-12)
    _close(params, jp)
    assert jstep._cache_size() == 1


# (2) Differentially private SGD (JAX's examples/differentially_private_sgd.py).


def _dp_program(np_, nn, grad, vmap, tmap, leaves):
    def loss(p, x, t):
        z = nn.tanh(x @ p["w"] + p["b"]) @ p["v"]
        return -np_.sum(t * nn.log_sigmoid(z) + (1 - t) * nn.log_sigmoid(-z))

    def clipped(p, x, t, l2=1.0):
        g = grad(loss)(p, x, t)
        norm = np_.sqrt(sum(np_.sum(a * a) for a in leaves(g)))
        return tmap(lambda a: a / np_.maximum(norm / l2, 1.0), g)

    def step(p, X, Y, noise, sigma=0.7, lr=0.1):
        per_example = vmap(clipped, in_axes=(None, 0, 0))(p, X, Y)
        g = tmap(lambda a, e: (a.sum(0) + sigma * e) / X.shape[0], per_example, noise)
        return tmap(lambda a, b: a - lr * b, p, g)

    return step


def test_dp_sgd_per_example_clipping():
    rng = onp.random.default_rng(1)
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 2, 6).astype(float)
    start = {"w": rng.standard_normal((4, 3)), "b": onp.zeros(3), "v": rng.standard_normal(3)}
    noise = [{k: rng.standard_normal(a.shape) for k, a in start.items()} for _ in range(3)]
    gstep = ad.jit(_dp_program(gnp, gnn, ad.grad, ad.vmap, ad.tree_map, ad.tree_leaves))
    jstep = jax.jit(
        _dp_program(
            jnp, jax.nn, jax.grad, jax.vmap, jax.tree_util.tree_map, jax.tree_util.tree_leaves
        )
    )
    gp, jp = _g(start), start
    for nz in noise:
        gp = gstep(gp, gnp.asarray(X), gnp.asarray(y), _g(nz))
        jp = jstep(jp, X, y, nz)
        _close(gp, jp)


# (3) A small CNN: NHWC/HWIO convolution, max and average pooling, momentum SGD.


def _cnn_loss(np_, L, nn):
    def loss(p, X, y):
        k, b, W = p
        dn = L.conv_dimension_numbers(X.shape, k.shape, ("NHWC", "HWIO", "NHWC"))
        h = nn.relu(L.conv_general_dilated(X, k, (1, 1), "SAME", (1, 1), (1, 1), dn) + b)
        h = L.reduce_window(h, -np_.inf, L.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = L.reduce_window(h, 0.0, L.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4
        logits = h.reshape(h.shape[0], -1) @ W
        return -np_.mean(np_.sum(nn.log_softmax(logits) * nn.one_hot(y, 3), -1))

    return loss


def test_cnn_conv_pool_momentum_sgd():
    rng = onp.random.default_rng(2)
    X, y = rng.standard_normal((4, 8, 8, 2)), rng.integers(0, 3, 4)
    start = [rng.standard_normal((3, 3, 2, 4)) * 0.3, onp.zeros(4), rng.standard_normal((16, 3))]
    opt = optax.sgd(0.1, momentum=0.9)
    gloss, jloss = _cnn_loss(gnp, glax, gnn), _cnn_loss(jnp, lax, jax.nn)

    @ad.jit
    def gstep(p, s, X, y):
        loss, g = ad.value_and_grad(gloss)(p, X, y)
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, loss

    @jax.jit
    def jstep(p, m, X, y):
        loss, g = jax.value_and_grad(jloss)(p, X, y)
        m = [0.9 * a + b for a, b in zip(m, g, strict=True)]
        return [a - 0.1 * b for a, b in zip(p, m, strict=True)], m, loss

    gp, jp = _g(start), start
    s, m = opt.init(gp), [onp.zeros_like(a) for a in start]
    for _ in range(3):
        gp, s, l1 = gstep(gp, s, gnp.asarray(X), gnp.asarray(y))
        jp, m, l2 = jstep(jp, m, X, y)
        onp.testing.assert_allclose(float(l1), float(l2), rtol=1e-12, atol=1e-12)
    _close(gp, jp)


# (4) Attention block: dot_general projections, causal and masked dot_product_attention.

T_ATT, D_ATT, H_ATT = 5, 8, 2


def _attention(np_, L, attend):
    def block(p, x, bias):
        def proj(w):
            return L.dot_general(x, w, (((2,), (0,)), ((), ())))

        q, k, v = proj(p["q"]), proj(p["k"]), proj(p["v"])
        causal = np_.tril(np_.ones((T_ATT, T_ATT), dtype=bool))[None, None]
        a = attend(q, k, v, bias=bias, is_causal=True) + attend(q, k, v, scale=0.5, mask=causal)
        return L.dot_general(a, p["o"], (((2, 3), (0, 1)), ((), ())))

    return block


def _jax_attend_f64(q, k, v, bias=None, mask=None, scale=None, is_causal=False):
    """jax.nn.dot_product_attention's formula with the softmax kept in float64."""
    s = jnp.einsum("bthd,bshd->bhts", q, k) * (q.shape[-1] ** -0.5 if scale is None else scale)
    s = s + (0.0 if bias is None else bias)
    keep = jnp.ones(s.shape[-2:], dtype=bool) if mask is None else mask
    if is_causal:
        keep = keep & jnp.tril(jnp.ones(s.shape[-2:], dtype=bool))
    s = jnp.where(keep, s, jnp.finfo(s.dtype).min)
    return jnp.einsum("bhts,bshd->bthd", jax.nn.softmax(s, -1), v)


def test_attention_block():
    rng = onp.random.default_rng(3)
    x = rng.standard_normal((2, T_ATT, D_ATT))
    p = {k: rng.standard_normal((D_ATT, H_ATT, D_ATT // H_ATT)) * 0.3 for k in "qkv"}
    p["o"] = rng.standard_normal((H_ATT, D_ATT // H_ATT, D_ATT)) * 0.3
    bias = rng.standard_normal((1, H_ATT, T_ATT, T_ATT)) * 0.1
    gblock = _attention(gnp, glax, gnn.dot_product_attention)
    jblock = _attention(jnp, lax, _jax_attend_f64)

    def gloss(p, x, bias):
        return gnp.sum(gnp.sin(gnn.gelu(gblock(p, x, bias) + x)))

    def jloss(p, x, bias):
        return jnp.sum(jnp.sin(jax.nn.gelu(jblock(p, x, bias) + x)))

    @jax.jit
    def jax_side(p, x, bias):
        jax_attention = _attention(jnp, lax, jax.nn.dot_product_attention)(p, x, bias)
        return jblock(p, x, bias), jax.grad(jloss, argnums=(0, 1, 2))(p, x, bias), jax_attention

    out, grads, jax_attention = jax_side(p, x, bias)
    args = (_g(p), gnp.asarray(x), gnp.asarray(bias))
    _close(ad.jit(gblock)(*args), out)
    _close(ad.grad(gloss, argnums=(0, 1, 2))(*args), grads)
    # JAX's own attention differs from both only by its float32 softmax
    _close(gblock(*args), jax_attention, 1e-6)


# (5) An RNN over a sequence with lax.scan, reading windows with dynamic_slice.


def _rnn_loss(np_, L, T, D, H, W):
    def loss(p, seq):
        def body(h, i):
            x = np_.mean(L.dynamic_slice(seq, (i, 0), (W, D)), axis=0)
            h = np_.tanh(x @ p["Wx"] + h @ p["Wh"] + p["b"])
            target = L.dynamic_slice_in_dim(seq, i + W, 1, axis=0)[0]
            return h, np_.sum((h @ p["Wo"] - target) ** 2)

        h, errs = L.scan(body, np_.zeros(H), np_.arange(T - W))
        return L.cumsum(errs)[-1] + 0.1 * np_.sum(L.cummax(errs, axis=0)) + np_.sum(h**2)

    return loss


def test_scan_rnn_dynamic_slice():
    rng = onp.random.default_rng(5)
    T, D, H, W = 9, 3, 4, 3
    seq = rng.standard_normal((T, D))
    p = {
        "Wx": rng.standard_normal((D, H)) * 0.5,
        "Wh": rng.standard_normal((H, H)) * 0.5,
        "b": rng.standard_normal(H) * 0.1,
        "Wo": rng.standard_normal((H, D)) * 0.5,
    }
    gl, jl = _rnn_loss(gnp, glax, T, D, H, W), _rnn_loss(jnp, lax, T, D, H, W)
    got = ad.jit(ad.value_and_grad(gl, argnums=(0, 1)))(_g(p), gnp.asarray(seq))
    _close(got, jax.jit(jax.value_and_grad(jl, argnums=(0, 1)))(p, seq))


# (6) Variational inference with a Gamma posterior, pathwise gradients through gamma draws.


def test_gamma_implicit_gradient_matches_jax():
    alpha = onp.repeat([0.3, 1.0, 2.5, 7.0], 25)
    key = grandom.PRNGKey(3)
    z = grandom.gamma(key, gnp.asarray(alpha))
    g = ad.grad(lambda a: gnp.sum(grandom.gamma(key, a)))(gnp.asarray(alpha))
    _close(g, jax.jit(lax.random_gamma_grad)(alpha, _np(z)), 1e-9)


def test_gamma_variational_posterior_elbo_gradient():
    from jax.scipy.special import digamma, gammaln

    from gpuad.scipy.special import gammaln as ggammaln

    rng = onp.random.default_rng(6)
    x = rng.poisson(3.0, 12).astype(float)
    a0, b0, n = 2.0, 1.0, 4000

    def elbo_mc(params, key):
        al, be = gnp.exp(params[0]), gnp.exp(params[1])
        lam = grandom.gamma(key, al, (n,)) / be
        log_joint = (x.sum() + a0 - 1) * gnp.log(lam) - (x.size + b0) * lam
        log_q = al * gnp.log(be) - ggammaln(al) + (al - 1) * gnp.log(lam) - be * lam
        return gnp.mean(log_joint - log_q)

    def elbo_exact(params):
        al, be = jnp.exp(params[0]), jnp.exp(params[1])
        e_log, e = digamma(al) - jnp.log(be), al / be
        entropy = al - jnp.log(be) + gammaln(al) + (1 - al) * digamma(al)
        return (x.sum() + a0 - 1) * e_log - (x.size + b0) * e + entropy

    p = onp.array([0.5, -0.2])
    keys = grandom.split(grandom.PRNGKey(0), 10)
    grads = onp.stack([_np(ad.grad(elbo_mc)(gnp.asarray(p), k)) for k in keys])
    mean, se = grads.mean(0), grads.std(0, ddof=1) / onp.sqrt(len(keys))
    exact = onp.asarray(jax.jit(jax.grad(elbo_exact))(p))
    assert onp.all(onp.abs(mean - exact) < 5 * se + 1e-3), (mean, se, exact)
    assert onp.all(se < 0.05 * onp.abs(exact))  # the check has power
