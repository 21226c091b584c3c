"""Differentiating a jitted function from outside (gpuad/jit/outer.py): pytrees, keywords,
static arguments, integer outputs, no_grad, checkpoint, both backends; the gradients equal
eager ones and, after the first call, both sweeps are replays."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _np(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _model(params, x, *, scale=1.0, act="tanh"):
    h = x @ params["w"] + params["b"]
    h = gnp.tanh(h) if act == "tanh" else gnp.sin(h)
    return {"loss": gnp.sum(h * h) * scale, "count": 3, "h": h}


def test_pytrees_keywords_static_and_integer_outputs(backend, rng):
    xp = ad.get_backend().xp
    j = ad.jit(_model, static_argnums=())

    def loss(f, params, x, act):
        out = f(params, x, scale=0.5, act=act)
        assert out["count"] == 3
        return out["loss"] + gnp.sum(out["h"][0])

    for act in ("tanh", "sin", "tanh"):
        params = {"w": xp.asarray(rng.standard_normal((3, 2))),
                  "b": xp.asarray(rng.standard_normal(2))}
        x = xp.asarray(rng.standard_normal((4, 3)))
        got = ad.grad(lambda p: loss(j, p, x, act))(params)
        want = ad.grad(lambda p: loss(_model, p, x, act))(params)
        for k in ("w", "b"):
            np.testing.assert_allclose(_np(got[k]), _np(want[k]), rtol=1e-12)
    # the first call of each signature is the traced (eager) run; the third call compiles
    # tanh's forward on plain values and its pullback
    assert j.cache_info()["misses"] == 1
    assert j._pull.cache_info()["misses"] == 1


def test_matches_finite_differences_to_second_order(backend, rng):
    xp = ad.get_backend().xp
    j = ad.jit(lambda x, y: gnp.sum(gnp.exp(-x * x) * gnp.cos(y * x)))
    x, y = xp.asarray(rng.standard_normal(5)), xp.asarray(rng.standard_normal(5))
    for _ in range(2):  # the second time through the compiled programs
        check_grads(j, [x, y], order=2, modes=("rev",))


def test_checkpoint_and_no_grad(backend, rng):
    xp = ad.get_backend().xp

    def block(h):
        return gnp.tanh(h * 1.5) + h

    j = ad.jit(block)
    x = xp.asarray(rng.standard_normal(6))

    def f(blk, x):
        return gnp.sum(ad.checkpoint(blk)(ad.checkpoint(blk)(x)) ** 2)

    for _ in range(2):
        np.testing.assert_allclose(_np(ad.grad(lambda x: f(j, x))(x)),
                                   _np(ad.grad(lambda x: f(block, x))(x)), rtol=1e-12)
    t = ad.tensor(x, requires_grad=True)
    u = t * 2.0
    with ad.no_grad():  # an argument with a history, while not recording: a plain call
        out = j(u)
    assert not getattr(out, "requires_grad", False)
    np.testing.assert_allclose(_np(out), _np(block(xp.asarray(_np(u)))), rtol=1e-13)


def test_unused_argument_and_integer_argument(backend, rng):
    xp = ad.get_backend().xp
    j = ad.jit(lambda x, y, n: gnp.sum(x ** n))
    x, y = xp.asarray(rng.standard_normal(4)), xp.asarray(rng.standard_normal(4))
    for n in (2, 3, 3):
        gx, gy = ad.grad(j, argnums=(0, 1))(x, y, n)
        np.testing.assert_allclose(_np(gx), n * _np(x) ** (n - 1), rtol=1e-13)
        np.testing.assert_array_equal(_np(gy), np.zeros(4))


@pytest.mark.parametrize("order", ["jit_inside", "jit_outside"])
def test_training_loop_through_a_jitted_forward(order, rng):
    """A PyTorch-style loop: the forward compiled, loss.backward() and the optimizer outside
    (parameters passed as arguments), against the same loop eagerly."""
    from gpuad import optim

    with ad.use_backend("numpy"):
        X = rng.standard_normal((16, 3))
        Y = rng.standard_normal(16)

        def forward(w, b, x):
            return gnp.tanh(x @ w) + b

        fwd = ad.jit(forward)
        ws = []
        for f in (forward, fwd):
            w = ad.tensor(np.full(3, 0.1), requires_grad=True)
            b = ad.tensor(np.zeros(()), requires_grad=True)
            opt = optim.SGD([w, b], lr=0.1)
            for _ in range(4):
                opt.zero_grad()
                loss = gnp.mean((f(w, b, X) - Y) ** 2)
                loss.backward()
                opt.step()
            ws.append((w.numpy(), b.numpy()))
        np.testing.assert_allclose(ws[1][0], ws[0][0], rtol=1e-13)
        np.testing.assert_allclose(ws[1][1], ws[0][1], rtol=1e-13)


def test_closure_that_starts_requiring_grad_after_compiling(backend, rng):
    """A closed-over tensor that starts requiring grad after the program was compiled: the
    next call traces again (its outputs now carry a history), so backward reaches it, through
    a plain call and through an argument's compiled vjp alike."""
    import warnings

    xp = ad.get_backend().xp
    v = ad.tensor(xp.asarray(np.ones(3)))
    j = ad.jit(lambda x: gnp.sum(v * x * x))
    x = xp.asarray(np.arange(3.0))
    w = ad.tensor(x, requires_grad=True)
    for _ in range(2):
        j(x)
        j(w).backward()
    v.requires_grad = True
    w.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ad.jit.JitFallbackWarning)
        (j(w) + j(x)).backward()
    np.testing.assert_allclose(_np(w.grad), 2 * np.arange(3.0), rtol=1e-13)
    np.testing.assert_allclose(_np(v.grad), 2 * np.arange(3.0) ** 2, rtol=1e-13)


def test_each_new_jitted_function_warns_of_its_own_fallback():
    # the warnings given were once keyed by id(): a collected function's id, reused by the
    # next one, silenced the next one's warning
    from gpuad.jit import outer

    for _ in range(4):
        jitted = ad.jit(lambda x: x)
        with pytest.warns(ad.jit.JitFallbackWarning, match="forward mode"):
            outer.warn_eager(jitted, outer.EAGER_WHY["tangents"])
        del jitted


def test_a_list_the_function_fills_does_not_make_every_call_trace(backend):
    # the log is compared by identity once the traced call filled it, also where that call
    # was differentiated from outside (its items made each call a new signature: the body ran
    # on every call and one signature was remembered per call)
    log = []

    def f(x):
        log.append(None)
        return gnp.sum(x * x)

    j = ad.jit(f, check=False)
    xp = ad.get_backend().xp
    for v in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0):
        g = ad.grad(j)(xp.asarray(np.array([v, 1.0])))
        np.testing.assert_allclose(to_numpy(g), [2 * v, 2.0])
    assert len(log) <= 3 and len(j._outer) == 1
