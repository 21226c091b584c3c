"""Programs of JAX's documentation notebooks not ported elsewhere, run in JAX (x64) and in
gpuad on the same inputs: the gradient-checkpointing guide (docs/gradient-checkpointing.md,
formerly notebooks/autodiff_remat: ``jax.checkpoint`` of one layer, of a whole network with
each built-in policy, ``checkpoint_name`` with name policies, ``static_argnums`` (through
``gpuad.remat``: ``gpuad.checkpoint`` takes ``policy=`` only and says so), a checkpointed
``lax.scan`` body) and "thinking in JAX" (``jnp.convolve`` smoothing, functional
``x.at[i].set`` (``gpuad.at(x)`` on a raw array), ``lax``'s strict typing,
``lax.conv_general_dilated`` as a convolution, ``jit`` with ``static_argnames``, a shape
computed by NumPy under ``jit``).

Each program is written once against a namespace ``J`` (JAX's modules, or gpuad's under the
names docs/porting.md gives). Values and gradients must agree with JAX to 1e-12 relative
(float64 rounding through a few dozen operations; checkpointing recomputes the same
operations, so the policies must not change a bit of rounding beyond that), and gpuad's
gradients agree with float64 central differences (``gpuad.testing.check_grads``). Inputs
come from one NumPy generator: the two libraries draw different numbers for a key.
"""

from __future__ import annotations

import functools
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
from jax.ad_checkpoint import checkpoint_name as jax_checkpoint_name  # noqa: E402

R = np.random.default_rng(31)


def jax_J():
    return types.SimpleNamespace(
        lib="jax", np=jnp, lax=jax.lax, grad=jax.grad, value_and_grad=jax.value_and_grad,
        jit=jax.jit, checkpoint=jax.checkpoint, remat=jax.remat,
        checkpoint_name=jax_checkpoint_name, policies=jax.checkpoint_policies,
        asarray=jnp.asarray, at=lambda x: x.at,
    )


def gpuad_J():
    import gpuad.lax as glax

    xp = ad.get_backend().xp
    return types.SimpleNamespace(
        lib="gpuad", np=gnp, lax=glax, grad=ad.grad, value_and_grad=ad.value_and_grad,
        jit=ad.jit, checkpoint=ad.checkpoint, remat=ad.remat,
        checkpoint_name=ad.ad_checkpoint.checkpoint_name, policies=ad.checkpoint_policies,
        asarray=xp.asarray, at=ad.at,
    )


def _np(x):
    return np.asarray(x) if not isinstance(x, ad.Tensor) and type(x).__module__.startswith(
        ("jax", "jaxlib")) else to_numpy(x)


def _same(g, j, rtol=1e-12, atol=1e-14):
    gl, jl = jax.tree_util.tree_leaves(g), jax.tree_util.tree_leaves(j)
    assert len(gl) == len(jl)
    for a, b in zip(gl, jl, strict=True):
        np.testing.assert_allclose(_np(a), np.asarray(b), rtol=rtol, atol=atol)


# ---- gradient checkpointing: one layer, the whole net, and each policy ------------------


def remat_programs(J):
    def g(W, x):
        y = J.np.dot(W, x)
        return J.np.sin(y)

    def f(W1, W2, W3, x):
        x = g(W1, x)
        x = g(W2, x)
        x = g(W3, x)
        return x

    def f_layer_checkpointed(W1, W2, W3, x):
        g_ck = J.checkpoint(g)
        return J.np.sum(g_ck(W3, g_ck(W2, g_ck(W1, x))))

    def loss_with(policy):
        f2 = J.checkpoint(f, policy=policy) if policy is not None else J.checkpoint(f)
        return lambda W1, W2, W3, x: J.np.sum(f2(W1, W2, W3, x))

    policies = {
        "default": None,
        "everything_saveable": J.policies.everything_saveable,
        "nothing_saveable": J.policies.nothing_saveable,
        "dots_saveable": J.policies.dots_saveable,
        "dots_with_no_batch_dims_saveable": J.policies.dots_with_no_batch_dims_saveable,
    }
    return f, f_layer_checkpointed, {k: loss_with(p) for k, p in policies.items()}


def named_programs(J):
    """The guide's ``predict`` with each layer's output named, under name policies."""

    def layer(W, b, x):
        return J.np.tanh(J.np.dot(x, W) + b)

    def predict(params, x):
        for i, (W, b) in enumerate(params):
            x = J.checkpoint_name(layer(W, b, x), name=f"layer{i}_output")
        return x

    def loss(params, x, y):
        return J.np.sum((predict(params, x) - y) ** 2)

    return {
        "only layer1": J.checkpoint(
            loss, policy=J.policies.save_only_these_names("layer1_output")),
        "all but layer0": J.checkpoint(
            loss, policy=J.policies.save_any_names_but_these("layer0_output")),
        "both": J.checkpoint(loss, policy=J.policies.save_from_both_policies(
            J.policies.save_only_these_names("layer0_output"), J.policies.dots_saveable)),
        "plain": loss,
    }


def static_arg_program(J):
    # gpuad.checkpoint takes policy= only and raises naming gpuad.remat, which takes JAX's
    # static_argnums (and ignores it: Python arguments are static in an eager library)
    @functools.partial(J.checkpoint if J.lib == "jax" else J.remat, static_argnums=(1,))
    def foo(x, is_training):
        if is_training:
            return J.np.sin(x) * x
        return J.np.cos(x)

    return lambda x: J.np.sum(foo(x, True)) + J.np.sum(foo(x, False))


def scan_program(J):
    """A recurrence whose body is checkpointed, as the guide's ``scan`` example."""

    @J.checkpoint
    def step(carry, x):
        h, W = carry
        h = J.np.tanh(J.np.dot(W, h) + x)
        return (h, W), J.np.sum(h ** 2)

    def loss(W, h0, xs):
        (h, _), ys = J.lax.scan(step, (h0, W), xs)
        return J.np.sum(ys) + J.np.sum(h)

    return loss


@pytest.mark.parametrize("jit", [False, True])
def test_gradient_checkpointing(backend, jit):
    Ws = [R.normal(size=(4, 4)) * 0.7 for _ in range(3)]
    x = R.normal(size=4)
    gJ, jJ = gpuad_J(), jax_J()
    gf, gfl, glosses = remat_programs(gJ)
    jf, jfl, jlosses = remat_programs(jJ)
    gargs = [gJ.asarray(a) for a in Ws + [x]]
    _same(gf(*gargs), jf(*Ws, x))
    wrap = gJ.jit if jit else (lambda fn: fn)
    argn = (0, 1, 2, 3)
    jg = jax.grad(jfl, argn)(*Ws, x)
    _same(wrap(gJ.grad(gfl, argn))(*gargs), jg)
    for name in glosses:
        gv, gg = wrap(gJ.value_and_grad(glosses[name], argn))(*gargs)
        jv, jgr = jax.value_and_grad(jlosses[name], argn)(*Ws, x)
        _same(gv, jv)
        _same(gg, jgr)
        _same(gg, jg)  # every policy: the same gradient as the layer-wise checkpoints
    check_grads(glosses["dots_saveable"], gargs, order=2, modes=("rev",))

    params = [(R.normal(size=(3, 5)), R.normal(size=5)), (R.normal(size=(5, 2)),
                                                         R.normal(size=2))]
    xb, yb = R.normal(size=(6, 3)), R.normal(size=(6, 2))
    gparams = [tuple(gJ.asarray(a) for a in p) for p in params]
    gnamed, jnamed = named_programs(gJ), named_programs(jJ)
    jref = jax.grad(jnamed["plain"])(params, xb, yb)
    for name in gnamed:
        gg = wrap(gJ.grad(gnamed[name]))(gparams, gJ.asarray(xb), gJ.asarray(yb))
        _same(gg, jax.grad(jnamed[name])(params, xb, yb))
        _same(gg, jref)

    z = R.normal(size=7)
    with pytest.raises(TypeError, match="remat"):
        gJ.checkpoint(lambda a, b: a, static_argnums=(1,))
    _same(gJ.grad(static_arg_program(gJ))(gJ.asarray(z)),
          jax.grad(static_arg_program(jJ))(z))
    check_grads(static_arg_program(gJ), (gJ.asarray(z),), order=2, modes=("rev", "fwd"))

    W, h0, xs = R.normal(size=(3, 3)) * 0.5, R.normal(size=3), R.normal(size=(5, 3))
    gs, js = scan_program(gJ), scan_program(jJ)
    gga = [gJ.asarray(a) for a in (W, h0, xs)]
    _same(gs(*gga), js(W, h0, xs))
    _same(wrap(gJ.grad(gs, (0, 1, 2)))(*gga), jax.grad(js, (0, 1, 2))(W, h0, xs))
    check_grads(gs, gga, order=1, modes=("rev", "fwd"))


# ---- thinking in JAX --------------------------------------------------------------------


def thinking_programs(J):
    def smooth(x, window):
        return J.np.convolve(x, window, mode="same")

    def updated(x):
        y = J.at(x)[0].set(10.0)  # gpuad: gpuad.at(x) for a raw array
        return y, x

    def lax_conv(x, y):
        return J.lax.conv_general_dilated(
            x[None, None, :], y[None, None, :], window_strides=(1,),
            padding=[(len(y) - 1, len(y) - 1)])[0, 0]

    def f(x, neg):
        return -x if neg else x

    f_jit = J.jit(f, static_argnames=["neg"])

    def reshape_all(x):
        return x.reshape((np.prod(x.shape),))

    def loss(x, window):
        return J.np.sum(smooth(x, window) ** 2) + J.np.sum(lax_conv(x, window) ** 3)

    return smooth, updated, lax_conv, f_jit, J.jit(reshape_all), loss


def test_thinking_in_jax(backend):
    x = R.normal(size=20) + np.linspace(0, 3, 20)
    window = np.array([0.2, 0.5, 1.0, 0.5, 0.2])
    window = window / window.sum()
    gJ, jJ = gpuad_J(), jax_J()
    gp, jp = thinking_programs(gJ), thinking_programs(jJ)
    gx, gw = gJ.asarray(x), gJ.asarray(window)
    _same(gp[0](gx, gw), jp[0](x, window))
    gy, gx_after = gp[1](gx)
    jy, _ = jp[1](jnp.asarray(x))
    _same(gy, jy)
    np.testing.assert_array_equal(to_numpy(gx_after), x)  # .at[].set leaves x as it was
    _same(gp[2](gx, gw), jp[2](x, window))
    _same(gp[2](gx, gw), np.convolve(x, window))  # lax's convolution flips as convolve does
    _same(gp[3](gx, neg=True), jp[3](x, neg=True))
    _same(gp[3](gx, neg=False), jp[3](x, neg=False))
    m = R.normal(size=(2, 3))
    _same(gp[4](gJ.asarray(m)), jp[4](m))
    _same(gJ.grad(gp[5], (0, 1))(gx, gw), jax.grad(jp[5], (0, 1))(x, window))
    check_grads(gp[5], (gx, gw), order=2, modes=("rev", "fwd"))
    # lax is strict where jax.numpy promotes: both refuse int + float in lax.add
    with pytest.raises(TypeError):
        jJ.lax.add(1, 1.0)
    with pytest.raises(TypeError, match="add"):
        gJ.lax.add(1, 1.0)
    _same(gJ.np.add(1, 1.0), jJ.np.add(1, 1.0))
