"""What the map of torch's checkpoint tests (tests/conformance/test_torch_checkpoint_map.py)
found in gpuad's checkpointing: a recomputation that returns other shapes, dtypes or another
number of outputs than the forward (a broadcast error deep in the backward, or a gradient
silently reshaped), and the torch names ``gpuad.utils.checkpoint`` lacked (``early_stop``,
which reached the block as its own keyword, ``context_fn`` contexts, ``noop_context_fn``,
``set_checkpoint_early_stop``, ``set_checkpoint_debug_enabled``, the curried form,
selective-checkpoint contexts)."""

from __future__ import annotations

import contextlib
import functools

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.utils import checkpoint as ck

X = np.array([0.5, 1.0, 2.0])


def _changing(second):
    """A block that computes ``sin(t)`` on its first call and ``second(t)`` afterwards."""
    calls = [0]

    def block(t):
        calls[0] += 1
        return gnp.sin(t) if calls[0] == 1 else second(t)
    return block


@pytest.mark.parametrize("second, what", [
    (lambda t: gnp.sin(gnp.concatenate([t, t])), r"shape \(3,\) dtype float64 in the forward, "
                                                 r"shape \(6,\)"),
    (lambda t: gnp.reshape(gnp.sin(t), (3, 1)), r"shape \(3, 1\)"),
    (lambda t: gnp.sin(t).astype(np.float32), "dtype float32"),
    (lambda t: (gnp.sin(t), gnp.cos(t)), "1 floating arrays in the forward and 2"),
])
@pytest.mark.parametrize("how", ["backward", "grad", "core"])
def test_recomputation_that_differs_raises(backend, second, what, how):
    # was: a broadcast error inside sin's adjoint, or for (3, 1) and float32 a gradient
    # taken of another function without a word
    x = ad.tensor(gnp.asarray(X), requires_grad=True)
    block = _changing(second)
    if how == "core":
        y = ad.checkpoint(block)(x)
    else:
        y = ck.checkpoint(block, x, use_reentrant=False, determinism_check="none")
    with pytest.raises(ck.CheckpointError, match=what):
        if how == "grad":
            ad.autograd.grad(gnp.sum(y), x)
        else:
            gnp.sum(y).backward()
    assert issubclass(ck.CheckpointError, RuntimeError)


def test_recomputation_that_matches_passes(backend):
    x = ad.tensor(gnp.asarray(X), requires_grad=True)
    y = ck.checkpoint(lambda t: (gnp.sin(t), 3, gnp.cos(t)), x, use_reentrant=False)
    (g,) = ad.autograd.grad(gnp.sum(y[0] * y[2]), x)
    np.testing.assert_allclose(to_numpy(g), np.cos(2 * X))


def test_early_stop_is_checkpoints_keyword(backend):
    # was: early_stop=False went on to the block (TypeError: unexpected keyword)
    a = ad.tensor(gnp.asarray(X), requires_grad=True)
    counter = [0]

    def fn(t):
        counter[0] += 1
        return gnp.sin(gnp.cos(t))

    for early in (True, False):
        with ck.set_checkpoint_early_stop(not early), ck.set_checkpoint_debug_enabled(True):
            out = ck.checkpoint(fn, a, use_reentrant=False, early_stop=early, debug=True)
        (g,) = ad.autograd.grad(gnp.sum(out), a)
        np.testing.assert_allclose(to_numpy(g), -np.cos(np.cos(X)) * np.sin(X))
    assert counter[0] == 4  # gpuad always runs the whole block again


def test_context_fn_contexts_for_forward_and_recomputation(backend):
    log = []

    @contextlib.contextmanager
    def tag(name):
        log.append(name)
        yield

    x = ad.tensor(gnp.asarray(X), requires_grad=True)
    y = ck.checkpoint(gnp.sin, x, use_reentrant=False,
                      context_fn=lambda: (tag("forward"), tag("recompute")))
    assert log == ["forward"]
    gnp.sum(y).backward()
    assert log == ["forward", "recompute"]
    np.testing.assert_allclose(to_numpy(x.grad), np.cos(X))
    y = ck.checkpoint(gnp.sin, x, use_reentrant=False, context_fn=ck.noop_context_fn)
    np.testing.assert_allclose(to_numpy(y), np.sin(X))
    with pytest.raises(TypeError, match="two context managers"):
        ck.checkpoint(gnp.sin, x, use_reentrant=False, context_fn=lambda: None)
    with pytest.raises(ValueError, match="use_reentrant=False"):
        ck.checkpoint(gnp.sin, x, use_reentrant=True, context_fn=lambda: (
            contextlib.nullcontext(), contextlib.nullcontext()))
    with pytest.raises(ValueError, match="use_reentrant=False"):
        ck.checkpoint(gnp.sin, x, use_reentrant=True, debug=True)


def test_curried_checkpoint(backend):
    a = ad.tensor(gnp.asarray(2.0), requires_grad=True)

    def fn(a, preserve_rng_state, use_reentrant, early_stop):
        return gnp.sin(a) * preserve_rng_state * use_reentrant * early_stop

    out = ck.checkpoint(use_reentrant=False, preserve_rng_state=False)(fn)(
        a, preserve_rng_state=2, use_reentrant=3, early_stop=5)  # the block's own keywords
    (g,) = ad.autograd.grad(out, a)
    np.testing.assert_allclose(to_numpy(g), np.cos(2.0) * 30)

    class Model:
        @ck.checkpoint(use_reentrant=False)
        def fn(self, x, scale):
            return gnp.sin(x) * scale

    s = ad.tensor(gnp.asarray(3.0), requires_grad=True)
    ga, gs = ad.autograd.grad(Model().fn(a, s), (a, s))
    np.testing.assert_allclose([to_numpy(ga), to_numpy(gs)], [3 * np.cos(2.0), np.sin(2.0)])
    with pytest.raises(TypeError, match="decorator"):
        ck.checkpoint(x=1)


def test_selective_checkpoint_contexts(backend):
    x = ad.tensor(gnp.asarray(X), requires_grad=True)
    seen = []

    def policy(ctx, op, *args, **params):
        seen.append((op.name, ctx.is_recompute))
        return ck.CheckpointPolicy.MUST_SAVE if op.name == "cos" else \
            ck.CheckpointPolicy.PREFER_RECOMPUTE

    for p in (policy, ["cos"], lambda ctx, op, *a, **k: op.name == "cos"):
        seen.clear()
        ctx = functools.partial(ck.create_selective_checkpoint_contexts, p)
        y = ck.checkpoint(lambda t: gnp.sin(gnp.cos(t)), x, use_reentrant=False,
                          context_fn=ctx)
        (g,) = ad.autograd.grad(gnp.sum(y), x)
        np.testing.assert_allclose(to_numpy(g), -np.cos(np.cos(X)) * np.sin(X))
        if p is policy:  # asked once per primitive, in the forward only
            assert seen == [("cos", False), ("sin", False)]
    with pytest.raises(TypeError, match="function or a list"):
        ck.create_selective_checkpoint_contexts(2)
    with pytest.raises(ValueError, match="gpuad primitive"):
        ck.create_selective_checkpoint_contexts([2])
    ctx = functools.partial(ck.create_selective_checkpoint_contexts, lambda *a, **k: "yes")
    with pytest.raises(TypeError, match="CheckpointPolicy or a bool"):
        ck.checkpoint(gnp.sin, x, use_reentrant=False, context_fn=ctx)


def test_gradient_inside_checkpoint_forward_names_enable_grad(backend):
    # torch records a checkpointed block's forward; gpuad's records nothing, and its error
    # said only "ran under no_grad", naming neither the checkpoint nor the way out
    x = ad.tensor(gnp.asarray(0.7), requires_grad=True)

    def bare(t):
        ad.autograd.grad(gnp.exp(gnp.sin(t)), t)
        return gnp.sin(t)

    def bare_backward(t):
        gnp.sum(gnp.sin(t)).backward()
        return t

    for block in (bare, bare_backward):
        with pytest.raises(ad.GradError, match="checkpointed block's forward.*enable_grad"):
            ck.checkpoint(block, x, use_reentrant=False)

    def inside(t):
        with ad.enable_grad():
            (g,) = ad.autograd.grad(gnp.exp(gnp.sin(t)), t, create_graph=True)
        return g * gnp.sin(t)

    (got,) = ad.autograd.grad(ck.checkpoint(inside, x, use_reentrant=False), x)
    (want,) = ad.autograd.grad(inside(x), x)
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-12)
    with pytest.raises(ad.GradError) as e:  # no hint outside a checkpoint
        ad.autograd.grad(gnp.sin(ad.tensor(gnp.asarray(0.7))), x)
    assert "checkpoint" not in str(e.value)


@pytest.mark.parametrize("rg", [False, True])
def test_keyword_argument_written_after_forward_raises(backend, rg):
    # was: a keyword argument that requires no grad, written in place before the backward,
    # was used at its new value (gradient 6, 8 for 3, 4) without a word
    a = ad.tensor(gnp.asarray([1.0, 2.0]), requires_grad=True)
    c = ad.tensor(gnp.asarray([3.0, 4.0]), requires_grad=rg)
    out = ck.checkpoint(lambda t, blah=None: t * blah, a, blah=c, use_reentrant=False)
    with ad.no_grad():
        c.mul_(2)
    with pytest.raises(ad.GradError, match="modified in place"):
        ad.autograd.grad(gnp.sum(out), a)


def test_keyword_arguments_are_differentiated(backend):
    a = ad.tensor(gnp.asarray(2.0), requires_grad=True)
    b = ad.tensor(gnp.asarray(3.0), requires_grad=True)

    def fn(x, scale=None, shift=0.0):
        return gnp.sin(x) * scale + shift

    out = ad.checkpoint(fn)(a, shift=1.0, scale=b)
    ga, gb = ad.autograd.grad(out, (a, b))
    np.testing.assert_allclose([to_numpy(out), to_numpy(ga), to_numpy(gb)],
                               [np.sin(2.0) * 3 + 1, 3 * np.cos(2.0), np.sin(2.0)])


def test_checkpointed_draws_are_the_plain_programs(backend):
    # was: the block drew from a generator seeded from the global stream, so under one seed a
    # checkpointed dropout's mask (and the draws after it) differed from the plain program's
    if backend != "numpy":
        pytest.skip("CuPy's generator cannot save its state: the block draws from one seeded "
                    "per block, replayed exactly but not the plain program's draws")
    import gpuad.nn as gnn

    x = ad.tensor(gnp.asarray(np.linspace(-1.0, 1.0, 400)), requires_grad=True)
    d1, d2 = gnn.Dropout(), gnn.Dropout()
    gnp.random.seed(3)
    out = ck.checkpoint(lambda h: d2(gnp.sin(h)), d1(x), use_reentrant=False)
    gnp.sum(out).backward()
    g_ck, after_ck = to_numpy(x.grad), to_numpy(gnp.random.random(4))
    x.grad = None
    gnp.random.seed(3)
    plain = d2(gnp.sin(d1(x)))
    gnp.sum(plain).backward()
    np.testing.assert_array_equal(to_numpy(out), to_numpy(plain))
    np.testing.assert_array_equal(g_ck, to_numpy(x.grad))
    np.testing.assert_array_equal(after_ck, to_numpy(gnp.random.random(4)))
    # nested blocks, and a second backward, replay the same draws
    gnp.random.seed(3)
    inner = ad.checkpoint(lambda h: d2(h) * gnp.random.random(h.shape))
    y = ad.checkpoint(lambda h: inner(d1(h)) + gnp.random.random(h.shape))(x)
    gnp.random.seed(3)
    h = d1(x)
    want = d2(h) * gnp.random.random(h.shape) + gnp.random.random(h.shape)
    np.testing.assert_array_equal(to_numpy(y), to_numpy(want))
    x.grad = None
    (g1,) = ad.autograd.grad(gnp.sum(y), x, retain_graph=True)
    (g2,) = ad.autograd.grad(gnp.sum(y), x)
    (gw,) = ad.autograd.grad(gnp.sum(want), x)
    np.testing.assert_array_equal(to_numpy(g1), to_numpy(gw))
    np.testing.assert_array_equal(to_numpy(g2), to_numpy(gw))


def test_closure_constant_written_after_forward_raises(backend):
    # was: a closed-over Tensor that requires no grad, written in place before the backward,
    # was used at its new value by the recomputation (gradient 6, 8 for 3, 4) without a word
    a = ad.tensor(gnp.asarray([1.0, 2.0]), requires_grad=True)
    c = ad.tensor(gnp.asarray([3.0, 4.0]))
    out = ck.checkpoint(lambda t: t * c[None, :].reshape(2), a, use_reentrant=False)
    c.mul_(2)
    with pytest.raises(ad.GradError, match="requires no grad.*modified in place"):
        ad.autograd.grad(gnp.sum(out), a)
    # nested: the outer block's backward checks what the inner block read too
    c = ad.tensor(gnp.asarray([3.0, 4.0]))
    inner = ad.checkpoint(lambda t: t * c)
    out = ad.checkpoint(lambda t: gnp.sin(inner(t)))(a)
    c.add_(1.0)
    with pytest.raises(ad.GradError, match="requires no grad"):
        gnp.sum(out).backward()
    # written after the backward: nothing to check
    c = ad.tensor(gnp.asarray([3.0, 4.0]))
    out = ck.checkpoint(lambda t: t * c, a, use_reentrant=False)
    (g,) = ad.autograd.grad(gnp.sum(out), a)
    c.mul_(2)
    np.testing.assert_allclose(to_numpy(g), [3.0, 4.0])


def test_constants_the_block_writes_itself_are_not_checked(backend):
    # BatchNorm reads and updates its running statistics in every run, the recomputation
    # included: twice backward, and one module in two blocks, must not raise
    import gpuad.nn as gnn

    rng = np.random.default_rng(0)
    bn = gnn.BatchNorm1d(3)
    x = ad.tensor(gnp.asarray(rng.standard_normal((5, 3))), requires_grad=True)
    out = ck.checkpoint(bn, x, use_reentrant=False)
    gnp.sum(out ** 3).backward(retain_graph=True)
    g1 = to_numpy(x.grad).copy()
    gnp.sum(out ** 3).backward()
    np.testing.assert_allclose(to_numpy(x.grad), 2 * g1, rtol=1e-12)
    h = ck.checkpoint(bn, x, use_reentrant=False)
    h2 = ck.checkpoint(lambda t: bn(gnp.sin(t)), h, use_reentrant=False)
    gnp.sum(h2 ** 3).backward()

    def block(t):  # an intermediate written inside the block after it was read
        h = ad.tensor(gnp.ones(2))
        k = h * 2
        h.add_(k)
        return t * h

    a = ad.tensor(gnp.asarray([1.0, 2.0]), requires_grad=True)
    (g,) = ad.autograd.grad(gnp.sum(ck.checkpoint(block, a, use_reentrant=False)), a)
    np.testing.assert_allclose(to_numpy(g), [3.0, 3.0])
