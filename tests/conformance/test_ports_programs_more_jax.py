"""Programs written for JAX, ported to gpuad and run side by side with JAX (x64) from the same
initial parameters and data: JAX's ``examples/resnet50.py`` (stax, momentum, a jitted update)
and a Flax/Optax-style transformer language model written in plain JAX (parameter dicts,
``einsum`` attention, global-norm clipping and masked AdamW on a warmup cosine schedule
written out with ``tree_map``, as optax computes them, ``value_and_grad(has_aux=True)``,
layers stacked and run by ``lax.scan``; gpuad's run is repeated with ``gpuad.optax``'s
``chain(clip_by_global_norm, adamw(mask=...))``, which must give the same steps: optax itself
is not installed beside JAX here),
and a truncated-Newton fit whose Hessian-vector products are ``jvp`` of ``grad`` inside a
conjugate-gradient ``lax.while_loop``.

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
        jvp=ad.jvp, tree_map=tree_util.tree_map, tree_leaves=tree_util.tree_leaves,
    )


def jax_J():
    from jax.example_libraries import optimizers, stax

    return types.SimpleNamespace(
        lib="jax", np=jnp, nn=jax.nn, lax=jax.lax, stax=stax,
        optimizers=optimizers, jit=jax.jit, grad=jax.grad, value_and_grad=jax.value_and_grad,
        jvp=jax.jvp, tree_map=jax.tree_util.tree_map, tree_leaves=jax.tree_util.tree_leaves,
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

    def accuracy(params, batch):
        inputs, targets = batch
        target_class = np_.argmax(targets, axis=-1)
        predicted_class = np_.argmax(predict_fun(params, inputs), axis=-1)
        return np_.mean(predicted_class == target_class)

    opt_init, opt_update, get_params = J.optimizers.momentum(0.1, mass=0.9)

    def update(i, opt_state, batch):
        params = get_params(opt_state)
        return opt_update(i, J.grad(loss)(params, batch), opt_state)

    def metrics(params, batch):
        return loss(params, batch), accuracy(params, batch)

    if compiled:
        update, metrics = J.jit(update), J.jit(metrics)
    opt_state = opt_init(init_params)
    log = []
    for i, batch in enumerate(batches):
        log.append(tuple(float(m) for m in metrics(get_params(opt_state), batch)))
        # the step number as a 0-d array: gpuad.jit keys a Python int by its value (one
        # trace per step, docs/jit.md), where JAX traces it
        opt_state = update(J.np.asarray(i), opt_state, batch)
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
        # (JAX takes the mean of the booleans in float32: the accuracy to 1e-7)
        np.testing.assert_allclose(np.array(glog)[:, 0], np.array(jlog)[:, 0], rtol=1e-9)
        np.testing.assert_allclose(np.array(glog)[:, 1], np.array(jlog)[:, 1], rtol=1e-7)
        _same_trees(gfinal, jfinal)
    _fd_check(lambda p: gloss(p, gbatches[0]), _to_backend(jparams))
