"""Programs written for JAX, ported to gpuad and run side by side with JAX (x64) from the same
initial parameters and data: JAX's ``examples/resnet50.py`` (stax, momentum, a jitted update)
and a Flax/Optax-style transformer language model written in plain JAX (parameter dicts,
``einsum`` attention, global-norm clipping and masked AdamW on a warmup cosine schedule
written out with ``tree_map``, as optax computes them, ``value_and_grad(has_aux=True)``,
layers stacked and run by ``lax.scan``; gpuad's run is repeated with ``gpuad.optax``'s
``chain(clip_by_global_norm, adamw(mask=...))``, which must give the same steps: optax itself
is not installed beside JAX here),
and a truncated-Newton fit whose Hessian-vector products are ``jvp`` of ``grad`` inside a
conjugate-gradient ``lax.while_loop`` (jitted in both: gpuad's program runs the loop as one
step).

Each program is written once against a namespace ``J`` (JAX's modules, or gpuad's under the
names docs/porting.md gives: ``gpuad.numpy`` for ``jax.numpy``, ``gpuad.jax_nn`` for
``jax.nn``, ``gpuad.optax``, ``gpuad.example_libraries``). Losses, gradients and parameters
must agree to 1e-9 relative after every step (float64 rounding through the programs), and
gpuad's gradients agree with float64 central differences along random directions.
JAX's side runs under ``jax.jit`` (op-by-op it would compile every operation); gpuad's runs
eagerly and compiled.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = np.random.default_rng(77)


def gpuad_J():
    from gpuad import jax_nn, lax, optax, tree_util
    from gpuad.example_libraries import optimizers, stax

    return types.SimpleNamespace(
        lib="gpuad", np=gnp, nn=jax_nn, lax=lax, optax=optax, stax=stax,
        optimizers=optimizers, jit=ad.jit, grad=ad.grad, value_and_grad=ad.value_and_grad,
        jvp=ad.jvp, vmap=ad.vmap, hessian=ad.hessian, tree_map=tree_util.tree_map,
        tree_leaves=tree_util.tree_leaves,
    )


def jax_J():
    from jax.example_libraries import optimizers, stax

    return types.SimpleNamespace(
        lib="jax", np=jnp, nn=jax.nn, lax=jax.lax, stax=stax,
        optimizers=optimizers, jit=jax.jit, grad=jax.grad, value_and_grad=jax.value_and_grad,
        jvp=jax.jvp, vmap=jax.vmap, hessian=jax.hessian, tree_map=jax.tree_util.tree_map,
        tree_leaves=jax.tree_util.tree_leaves,
    )


def _to_backend(tree):
    xp = ad.get_backend().xp
    return jax.tree_util.tree_map(lambda a: xp.asarray(np.asarray(a)), tree)


def _same_trees(a, b, rtol=1e-9, atol=1e-12):
    la, lb = ad.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(to_numpy(x), np.asarray(y), rtol=rtol, atol=atol)


def _fd_check(loss, params, h=1e-6, rtol=1e-6):
    """<grad, v> against the central difference of ``loss`` along a random ``v`` (float64)."""
    leaves, tree = ad.tree_flatten(params)
    v = [R.standard_normal(np.shape(to_numpy(p))) for p in leaves]
    xp = ad.get_backend().xp
    shift = [
        ad.tree_unflatten(tree, [xp.asarray(to_numpy(p) + s * h * d) for p, d in
                                 zip(leaves, v, strict=True)])
        for s in (1, -1)
    ]
    fd = (float(loss(shift[0])) - float(loss(shift[1]))) / (2 * h)
    g = ad.tree_leaves(ad.grad(loss)(params))
    got = sum(float(np.vdot(to_numpy(a), d)) for a, d in zip(g, v, strict=True))
    assert got == pytest.approx(fd, rel=rtol, abs=1e-8)


# ---- examples/resnet50.py: stax's ConvBlock/IdentityBlock (FanOut, parallel, FanInSum,
# shape_dependent), GeneralConv from an HWCN input, momentum, a jitted update -------------


def resnet(J):
    stax = J.stax
    AvgPool, BatchNorm, Conv, Dense, FanInSum = (
        stax.AvgPool, stax.BatchNorm, stax.Conv, stax.Dense, stax.FanInSum)
    FanOut, Flatten, GeneralConv, Identity = stax.FanOut, stax.Flatten, stax.GeneralConv, \
        stax.Identity
    MaxPool, Relu, LogSoftmax = stax.MaxPool, stax.Relu, stax.LogSoftmax

    def ConvBlock(kernel_size, filters, strides=(2, 2)):
        ks = kernel_size
        filters1, filters2, filters3 = filters
        Main = stax.serial(
            Conv(filters1, (1, 1), strides), BatchNorm(), Relu,
            Conv(filters2, (ks, ks), padding="SAME"), BatchNorm(), Relu,
            Conv(filters3, (1, 1)), BatchNorm())
        Shortcut = stax.serial(Conv(filters3, (1, 1), strides), BatchNorm())
        return stax.serial(FanOut(2), stax.parallel(Main, Shortcut), FanInSum, Relu)

    def IdentityBlock(kernel_size, filters):
        ks = kernel_size
        filters1, filters2 = filters

        def make_main(input_shape):
            return stax.serial(
                Conv(filters1, (1, 1)), BatchNorm(), Relu,
                Conv(filters2, (ks, ks), padding="SAME"), BatchNorm(), Relu,
                Conv(input_shape[3], (1, 1)), BatchNorm())

        Main = stax.shape_dependent(make_main)
        return stax.serial(FanOut(2), stax.parallel(Main, Identity), FanInSum, Relu)

    def ResNet(num_classes):  # ResNet50's first stages, with a few channels
        return stax.serial(
            GeneralConv(("HWCN", "OIHW", "NHWC"), 4, (3, 3), (2, 2), "SAME"),
            BatchNorm(), Relu, MaxPool((3, 3), strides=(2, 2)),
            ConvBlock(3, [4, 4, 8], strides=(1, 1)),
            IdentityBlock(3, [4, 4]),
            AvgPool((3, 3)), Flatten, Dense(num_classes), LogSoftmax)

    return ResNet


def resnet_training(J, init_params, batches, compiled=True):
    _, predict_fun = resnet(J)(5)
    np_ = J.np

    def loss(params, batch):
        inputs, targets = batch
        logits = predict_fun(params, inputs)
        return -np_.sum(logits * targets)

    opt_init, opt_update, get_params = J.optimizers.momentum(0.1, mass=0.9)

    def update(i, opt_state, batch):
        # value_and_grad for the example's grad: the loss of each step is logged without a
        # second compiled function (JAX's compiles take most of this test's time)
        value, g = J.value_and_grad(loss)(get_params(opt_state), batch)
        return opt_update(i, g, opt_state), value

    if compiled:
        update = J.jit(update)
    opt_state = opt_init(init_params)
    log = []
    for i, batch in enumerate(batches):
        # the step number as a 0-d array: gpuad.jit keys a Python int by its value (one
        # trace per step, docs/jit.md), where JAX traces it
        opt_state, value = update(J.np.asarray(i), opt_state, batch)
        log.append(float(value))
    return log, get_params(opt_state), loss


def test_resnet50_example():
    input_shape = (16, 16, 3, 3)  # HWCN, as the example's (224, 224, 3, batch_size)
    init_fun, _ = resnet(jax_J())(5)
    # gpuad's initial parameters for both (JAX's initializers, even compiled, take a minute
    # to compile here); JAX's init traced for the shapes only
    g_shape, gparams = resnet(gpuad_J())(5)[0](ad.random.PRNGKey(0), input_shape)
    jshapes = jax.eval_shape(lambda k: init_fun(k, input_shape)[1], jax.random.PRNGKey(0))
    assert tuple(g_shape) == (3, 5)
    assert [np.shape(p) for p in ad.tree_leaves(gparams)] == \
        [p.shape for p in jax.tree_util.tree_leaves(jshapes)]
    jparams = jax.tree_util.tree_map(lambda p: jnp.asarray(to_numpy(p)), gparams)
    rng = np.random.RandomState(0)
    batches = []
    for _ in range(3):
        images = rng.rand(*input_shape)
        labels = rng.randint(5, size=(3, 1))
        batches.append((images, (labels == np.arange(5)).astype(float)))
    jlog, jfinal, _ = resnet_training(jax_J(), jparams, batches)
    gbatches = [_to_backend(b) for b in batches]
    for compiled in (False, True):
        glog, gfinal, gloss = resnet_training(gpuad_J(), _to_backend(jparams), gbatches,
                                              compiled)
        np.testing.assert_allclose(glog, jlog, rtol=1e-9)
        _same_trees(gfinal, jfinal)
    _fd_check(lambda p: gloss(p, gbatches[0]), _to_backend(jparams))


# ---- a Flax/Optax-style transformer LM in plain JAX: parameter dicts, einsum attention with
# a causal mask, pre-norm blocks stacked on a leading axis and run by lax.scan, tied output
# embedding, value_and_grad(has_aux=True), global-norm clipping and masked AdamW on a warmup
# cosine schedule written out as optax computes them, one jitted train step ---------------


def lm_init(rng, vocab=11, d=8, heads=2, layers=2, ff=16, max_len=8):
    n = lambda *s: rng.standard_normal(s) / np.sqrt(s[-2] if len(s) > 1 else 1)  # noqa: E731
    ln = lambda *lead: {"scale": 1.0 + 0.1 * rng.standard_normal((*lead, d)),  # noqa: E731
                        "bias": 0.1 * rng.standard_normal((*lead, d))}
    k = d // heads
    return {
        "embed": rng.standard_normal((vocab, d)),
        "pos": 0.1 * rng.standard_normal((max_len, d)),
        "layers": {  # stacked on a leading axis of length `layers` (scanned over)
            "ln1": ln(layers), "ln2": ln(layers),
            "attn": {"wq": n(layers, d, heads, k) / np.sqrt(d), "wk": n(layers, d, heads, k),
                     "wv": n(layers, d, heads, k), "wo": n(layers, heads, k, d)},
            "w1": n(layers, d, ff), "b1": np.zeros((layers, ff)),
            "w2": n(layers, ff, d), "b2": np.zeros((layers, d)),
        },
        "ln_f": ln(),
    }


def lm_program(J, peak=1e-2, warmup=2, decay_steps=10, wd=0.1, max_norm=1.0):
    np_, nn, lax = J.np, J.nn, J.lax

    def layer_norm(p, x, eps=1e-6):
        mean = np_.mean(x, axis=-1, keepdims=True)
        var = np_.var(x, axis=-1, keepdims=True)
        return (x - mean) * lax.rsqrt(var + eps) * p["scale"] + p["bias"]

    def attention(p, x, mask):
        q = np_.einsum("btd,dhk->bthk", x, p["wq"])
        k = np_.einsum("btd,dhk->bthk", x, p["wk"])
        v = np_.einsum("btd,dhk->bthk", x, p["wv"])
        logits = np_.einsum("bqhk,bshk->bhqs", q, k) / np_.sqrt(q.shape[-1])
        logits = np_.where(mask, logits, np_.finfo(logits.dtype).min)
        w = nn.softmax(logits, axis=-1)
        out = np_.einsum("bhqs,bshk->bqhk", w, v)
        return np_.einsum("bqhk,hkd->bqd", out, p["wo"])

    def forward(params, tokens):
        T = tokens.shape[1]
        x = params["embed"][tokens] + params["pos"][:T]
        mask = np_.tril(np_.ones((T, T), dtype=bool))

        def block(x, p):
            x = x + attention(p["attn"], layer_norm(p["ln1"], x), mask)
            h = nn.gelu(layer_norm(p["ln2"], x) @ p["w1"] + p["b1"])
            return x + h @ p["w2"] + p["b2"], None

        x, _ = lax.scan(block, x, params["layers"])
        x = layer_norm(params["ln_f"], x)
        return x @ params["embed"].T

    def loss_fn(params, batch):
        logits = forward(params, batch[:, :-1])
        labels = batch[:, 1:]
        logp = nn.log_softmax(logits)
        nll = -np_.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]
        return nll.mean(), {"acc": np_.mean(np_.argmax(logits, -1) == labels)}

    def schedule(count):  # optax.warmup_cosine_decay_schedule(0.0, peak, warmup, decay_steps)
        warm = peak * count / warmup
        t = np_.minimum(count - warmup, decay_steps - warmup)
        cos = peak * 0.5 * (1 + np_.cos(np_.pi * t / (decay_steps - warmup)))
        return np_.where(count < warmup, warm, cos)

    def global_norm(tree):
        return np_.sqrt(sum(np_.sum(x**2) for x in J.tree_leaves(tree)))

    def init_state(params):
        zeros = J.tree_map(np_.zeros_like, params)
        return {"mu": zeros, "nu": zeros, "count": np_.zeros((), dtype=np_.int32)}

    def update(grads, state, params, b1=0.9, b2=0.999, eps=1e-8):
        g_norm = global_norm(grads)  # optax.clip_by_global_norm(max_norm)
        grads = J.tree_map(
            lambda g: np_.where(g_norm < max_norm, g, g / g_norm * max_norm), grads)
        mu = J.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state["mu"], grads)
        nu = J.tree_map(lambda v, g: b2 * v + (1 - b2) * g**2, state["nu"], grads)
        count = state["count"] + 1
        lr = schedule(state["count"])

        def step(m, v, p):
            u = (m / (1 - b1**count)) / (np_.sqrt(v / (1 - b2**count)) + eps)
            if p.ndim > 1:  # the weight-decay mask: matrices only
                u = u + wd * p
            return -lr * u

        updates = J.tree_map(step, mu, nu, params)
        return updates, {"mu": mu, "nu": nu, "count": count}

    def train_step(params, opt_state, batch):
        (loss, aux), grads = J.value_and_grad(loss_fn, has_aux=True)(params, batch)
        updates, opt_state = update(grads, opt_state, params)
        params = J.tree_map(lambda p, u: p + u, params, updates)
        return params, opt_state, loss, aux, global_norm(grads)

    return types.SimpleNamespace(loss_fn=loss_fn, train_step=train_step, init_state=init_state,
                                 schedule=schedule)


def _gpuad_optax_step(J, lm, peak=1e-2, warmup=2, decay_steps=10, wd=0.1, max_norm=1.0):
    """The same step with gpuad.optax's chain in place of the written-out update."""
    optax = J.optax
    optimizer = optax.chain(
        optax.clip_by_global_norm(max_norm),
        optax.adamw(optax.warmup_cosine_decay_schedule(0.0, peak, warmup, decay_steps),
                    weight_decay=wd, mask=lambda p: J.tree_map(lambda x: x.ndim > 1, p)))

    def train_step(params, opt_state, batch):
        (loss, aux), grads = J.value_and_grad(lm.loss_fn, has_aux=True)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, aux, \
            optax.global_norm(grads)

    return optimizer, train_step


def test_transformer_lm_plain_jax():
    params0 = lm_init(np.random.default_rng(5))
    batches = [np.random.default_rng(i).integers(0, 11, size=(3, 7)) for i in range(4)]

    def run(J, train_step, opt_state, params):
        log = []
        for b in batches:
            params, opt_state, loss, aux, gnorm = train_step(params, opt_state, b)
            log.append((float(loss), float(aux["acc"]), float(gnorm)))
        return log, params

    jlm = lm_program(jax_J())
    jparams = jax.tree_util.tree_map(jnp.asarray, params0)
    jlog, jfinal = run(jax_J(), jax.jit(jlm.train_step), jlm.init_state(jparams), jparams)
    gJ = gpuad_J()
    glm = lm_program(gJ)
    gparams = _to_backend(params0)
    batches = [_to_backend(b) for b in batches]
    optimizer, optax_step = _gpuad_optax_step(gJ, glm)
    for step, state in (
        (glm.train_step, glm.init_state(gparams)),
        (ad.jit(glm.train_step), glm.init_state(gparams)),
        (ad.jit(optax_step), optimizer.init(gparams)),
    ):
        glog, gfinal = run(gJ, step, state, gparams)
        # (JAX takes the mean of the booleans in float32: the accuracy to 1e-7)
        np.testing.assert_allclose(np.array(glog)[:, [0, 2]], np.array(jlog)[:, [0, 2]],
                                   rtol=1e-9)
        np.testing.assert_allclose(np.array(glog)[:, 1], np.array(jlog)[:, 1], rtol=1e-7)
        _same_trees(gfinal, jfinal)
    assert jlog[0][0] > jlog[-1][0]  # it learns
    _fd_check(lambda p: glm.loss_fn(p, batches[0])[0], gparams)


# ---- truncated Newton (Newton-CG) for L2-regularised logistic regression: Hessian-vector
# products as jvp of grad (the Autodiff Cookbook's forward-over-reverse), conjugate gradients
# in a lax.while_loop that stops on the residual, the whole step jitted ---------------------


def newton_cg_program(J, X, y, lam=0.1, maxiter=8, tol=1e-10):
    np_ = J.np

    def loss(w):
        z = X @ w
        return np_.mean(np_.logaddexp(0.0, -y * z)) + 0.5 * lam * (w @ w)

    def hvp(w, v):
        return J.jvp(J.grad(loss), (w,), (v,))[1]

    def cg(matvec, b):
        def cond(state):
            _, _, _, rs, i = state
            return (i < maxiter) & (rs > tol**2)

        def body(state):
            x, r, p, rs, i = state
            Ap = matvec(p)
            alpha = rs / (p @ Ap)
            x = x + alpha * p
            r = r - alpha * Ap
            rs_new = r @ r
            return x, r, r + (rs_new / rs) * p, rs_new, i + 1

        x, _, _, _, iters = J.lax.while_loop(cond, body, (np_.zeros_like(b), b, b, b @ b, 0))
        return x, iters

    def newton_step(w):
        g = J.grad(loss)(w)
        d, iters = cg(lambda v: hvp(w, v), -g)
        return w + d, loss(w), np_.sqrt(g @ g), iters

    return loss, hvp, newton_step


def test_newton_cg_hvp():
    X = R.standard_normal((30, 6))
    y = np.sign(X @ R.standard_normal(6) + 0.3 * R.standard_normal(30))
    w0, v_dir = np.zeros(6), R.standard_normal(6)
    runs = {}
    for J, conv in ((jax_J(), jnp.asarray), (gpuad_J(), lambda a: _to_backend(a))):
        loss, hvp, step = newton_cg_program(J, conv(X), conv(y))
        step = J.jit(step)  # (gpuad: the while_loop is one step of the program)
        w, log = conv(w0), []
        for _ in range(5):
            w, f, gnorm, iters = step(w)
            log.append((float(f), float(gnorm), int(iters)))
        def hessians(w1, v, J=J, hvp=hvp, loss=loss):  # by rows of hvp's, and directly
            return J.vmap(lambda e: hvp(w1, e))(J.np.eye(6)), J.hessian(loss)(w1), hvp(w1, v)

        if J.lib == "jax":
            hessians = jax.jit(hessians)
        H, H2, hv = hessians(conv(np.full(6, 0.3)), conv(v_dir))
        runs[J.lib] = (log, w, H, H2, hv, loss)
    (glog, gw, gH, gH2, ghv, gloss), (jlog, jw, jH, _, jhv, _) = runs["gpuad"], runs["jax"]
    np.testing.assert_allclose(glog, jlog, rtol=1e-9, atol=1e-13)
    assert jlog[-1][1] < 1e-6 * jlog[0][1]  # Newton converges
    np.testing.assert_allclose(to_numpy(gw), np.asarray(jw), rtol=1e-9)
    np.testing.assert_allclose(to_numpy(gH), np.asarray(jH), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(to_numpy(gH2), to_numpy(gH), rtol=1e-10, atol=1e-14)
    # the Hessian-vector product against central differences of the gradient
    g = ad.grad(gloss)
    w1, v, h = np.full(6, 0.3), R.standard_normal(6), 1e-5
    fd = (to_numpy(g(_to_backend(w1 + h * v))) - to_numpy(g(_to_backend(w1 - h * v)))) / (2 * h)
    np.testing.assert_allclose(to_numpy(gH) @ v, fd, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(to_numpy(ghv), np.asarray(jhv), rtol=1e-10, atol=1e-14)
