"""``gpuad.jit`` around checkpointed blocks and custom rules that make a Tensor and give it a
history by writing into it, and around a custom_vjp whose rule differentiates through another
custom rule.

Each case is compiled, replayed on new values and compared with eager gpuad on the same values
(to round-off: the replay runs the same kernels), and the eager derivatives are checked against
float64 central differences. The random programs that found these (tests/test_random_programs.py)
are pinned by seed at the end.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.optim
from gpuad.jit import JitFallbackWarning, TracerError
from gpuad.scipy.special import expit
from gpuad.testing import check_grads
from gpuad.tree import tree_flatten

X0 = np.array([0.3, -0.7, 1.1])
V = np.array([0.5, 1.0, -2.0])


def _same(got, want):
    a, b = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(a) == len(b)
    for p, q in zip(a, b, strict=True):
        p, q = to_numpy(p), to_numpy(q)
        assert p.shape == q.shape
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)


def _replays(fn, shape=(3,), draws=3, seed=0):
    """``jit(fn)`` traced once and replayed on new values, each equal to eager ``fn``; no
    eager fallback."""
    xp = ad.get_backend().xp
    rng = np.random.default_rng(seed)
    jf = ad.jit(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        for k in range(draws):
            x = X0 + 0.2 * rng.standard_normal(X0.shape) if k else X0
            if shape != X0.shape:  # a batch of examples
                x = x * np.linspace(1.0, 1.3, shape[0])[:, None]
            x = xp.asarray(x)
            _same(jf(x), fn(x))
    assert jf.cache_info()["misses"] == 1


def _hvp(f):
    return lambda x: ad.grad(lambda y: gnp.sum(ad.grad(f)(y) * V))(x)


# ---- Tensors made inside a block and given a history by a write ---------------------------

def _written(x):
    out = ad.tensor(gnp.zeros(3))
    out[0] = gnp.sin(x[0])
    out[1:] = x[1:] * 2
    return out


def _through_view(x):
    out = ad.tensor(gnp.zeros(4))
    head = out[:2]
    head[0] = gnp.sin(x[0])
    out[2:] = x[1:] * 2
    return out


def _accumulated(x):
    out = ad.tensor(gnp.ones(3))
    out += x
    out *= gnp.sin(x)
    return out


BLOCKS = {
    "used": lambda x: gnp.sum(_written(x) * x),
    # the written Tensor feeds nothing: it dies with the block (the random programs' case)
    "dead": lambda x: (_written(x), gnp.sum(gnp.cos(x) * x))[1],
    "view": lambda x: gnp.sum(_through_view(x)) * x,
    "accumulated": lambda x: gnp.tanh(_accumulated(x)) * x[0],
}


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_block_writing_a_tensor_it_made_compiles(backend, name):
    block = BLOCKS[name]

    def loss(x):
        return gnp.sum(ad.checkpoint(block)(x * 1.5) ** 2)

    _replays(ad.value_and_grad(loss))
    check_grads(loss, (X0,), order=2, modes=("fwd", "rev"))
    if name == "used":
        _replays(_hvp(loss))
        _replays(lambda x: ad.jvp(loss, (x,), (V,)))


def test_nested_checkpoints_writing_tensors_they_made(backend):
    def loss(x):
        inner = ad.checkpoint(BLOCKS["used"])
        return gnp.sum(ad.checkpoint(lambda y: inner(y) * _written(y))(x))

    _replays(ad.value_and_grad(loss))
    check_grads(loss, (X0,), order=2, modes=("rev",))


def test_per_example_gradients_of_a_block_writing_a_batched_tensor(backend):
    def block(x):
        out = x * 0.0  # batched like x under vmap (a tensor made of zeros is not: vmap refuses)
        out[0] = gnp.sin(x[0])
        out[1:] = x[1:] * 2
        return gnp.sum(out * x)

    def loss(x):
        return ad.checkpoint(block)(x) ** 2

    _replays(ad.vmap(ad.grad(loss)), shape=(4, 3))
    check_grads(loss, (X0,), order=1, modes=("rev",))


@ad.custom_vjp
def _cv(x):
    return gnp.sum(_written(x) * x)


def _cv_fwd(x):
    out = _written(x)
    return gnp.sum(out * x), (x, out)  # the written Tensor is a residual


def _cv_bwd(res, g):
    x, out = res
    d = ad.tensor(gnp.zeros(3))
    d[0] = gnp.cos(x[0]) * x[0]
    d[1:] = 2 * x[1:]
    return (g * (out + d),)


_cv.defvjp(_cv_fwd, _cv_bwd)


@ad.custom_vjp
def _cv_writes_cotangent(x):
    return gnp.sin(x)


def _cvw_bwd(res, g):
    (x,) = res
    d = ad.tensor(gnp.zeros(3))
    d[:2] = g[:2] * gnp.cos(x[:2])
    d[2] = g[2] * gnp.cos(x[2])
    return (d,)


_cv_writes_cotangent.defvjp(lambda x: (gnp.sin(x), (x,)), _cvw_bwd)


@pytest.mark.parametrize("where", ["custom_vjp", "bwd", "custom_vjp_in_checkpoint"])
def test_custom_vjp_writing_a_tensor_it_made_compiles(backend, where):
    if where == "custom_vjp":
        def loss(x):
            return _cv(x * 1.5) ** 2
    elif where == "bwd":
        def loss(x):
            return gnp.sum(_cv_writes_cotangent(x) ** 2)
    else:
        def loss(x):
            return ad.checkpoint(lambda y: _cv(y) + gnp.sum(_written(y)))(x) ** 2

    _replays(ad.value_and_grad(loss))
    _replays(_hvp(loss))
    check_grads(loss, (X0,), order=2, modes=("rev",))


@ad.custom_jvp
def _cj(x):
    return gnp.sum(_written(x) * x)


@_cj.defjvp
def _cj_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    d = ad.tensor(gnp.zeros(3))  # written with the primal's values inside the rule
    d[0] = gnp.cos(x[0]) * x[0]
    d[1:] = 2 * x[1:]
    return _cj(x), gnp.sum((_written(x) + d) * t)


def test_custom_jvp_writing_a_tensor_it_made_compiles(backend):
    def loss(x):
        return _cj(x * 1.5) ** 2

    _replays(ad.value_and_grad(loss))
    _replays(lambda x: ad.jvp(loss, (x,), (V,)))  # the rule's arithmetic on x was frozen
    _replays(lambda x: ad.jvp(ad.grad(loss), (x,), (V,))[1])
    check_grads(loss, (X0,), order=2, modes=("fwd", "rev"))


def test_training_step_returning_its_loss_through_a_custom_vjp_writing_a_residual(backend):
    # the loss's history holds the custom_vjp's residuals, the written Tensor among them; the
    # compiled step returns the loss without that history, so nothing outside reaches it
    # (the loss's derivatives: test_custom_vjp_writing_a_tensor_it_made_compiles)
    xp = ad.get_backend().xp

    def make():
        w = ad.tensor(xp.asarray(X0.copy()), requires_grad=True)  # (updated in place)
        opt = gpuad.optim.SGD([w], lr=0.01)

        def step(s):
            opt.zero_grad()
            y = w * s
            loss = _cv(y)
            loss.backward()
            opt.step()
            return loss

        return w, step

    (w, step), (w_eager, step_eager) = make(), make()
    compiled = ad.jit(step)
    for k in range(3):
        s = xp.asarray(1.0 + 0.1 * k)
        got, want = compiled(s), step_eager(s)
        _same(got, want.detach())
        _same(w.detach(), w_eager.detach())
    assert compiled.cache_info()["misses"] == 1


def test_written_tensor_the_caller_can_reach_is_refused(backend):
    # the block keeps what it made where the caller can reach it: a compiled program could not
    # give that Tensor its history on a later call
    kept = []

    def block(x):
        out = _written(x)
        kept.append(out)
        return gnp.sum(out * x)

    vg = ad.value_and_grad(lambda x: ad.checkpoint(block)(x))
    xp = ad.get_backend().xp
    vg(xp.asarray(X0))  # eagerly fine
    with pytest.raises(TracerError, match="did not receive"):
        ad.jit(vg)(xp.asarray(X0))


# ---- a custom_vjp whose rule differentiates through a custom_jvp ---------------------------

@ad.custom_jvp
def _softplus(x):
    return gnp.logaddexp(x, 0.0)


@_softplus.defjvp
def _softplus_jvp(primals, tangents):
    return _softplus(primals[0]), tangents[0] * expit(primals[0])


def _by_own_vjp(block):
    f = ad.custom_vjp(block)
    f.defvjp(lambda x: (block(x), (x,)), lambda res, g: ad.vjp(block, res[0])[1](g))
    return f


INNER = {
    "softplus_of_mean": lambda y: _softplus(gnp.mean(y)),
    "softplus_of_first": lambda y: _softplus(y[0]),
    "softplus_vector": lambda y: gnp.sum(_softplus(gnp.mean(y) * y)),
}


@pytest.mark.parametrize("name", sorted(INNER))
def test_custom_vjp_whose_rule_takes_a_vjp_through_a_custom_jvp_compiles(backend, name):
    f = _by_own_vjp(INNER[name])

    def loss(x):
        return f(x) * 2.0

    _replays(ad.value_and_grad(loss))
    _replays(_hvp(loss))
    _replays(ad.vmap(ad.grad(loss)), shape=(4, 3))
    check_grads(loss, (X0,), order=2, modes=("rev",))


def test_per_example_gradients_through_such_a_rule_equal_a_loop(backend):
    # eager vmap's first-order step hands the rule its residuals as values too
    f = _by_own_vjp(INNER["softplus_of_mean"])
    xp = ad.get_backend().xp
    xs = xp.asarray(np.stack([X0, X0 * 0.7, X0 + 0.3]))
    got = ad.vmap(ad.grad(lambda x: f(x) * 2.0))(xs)
    want = np.stack([to_numpy(ad.grad(lambda x: f(x) * 2.0)(xs[i])) for i in range(3)])
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-13, atol=0)


# ---- the random programs that found these ---------------------------------------------------

# 58 ... 471: a checkpoint or custom_vjp block writing into a Tensor it made (refused);
# 307: a custom_vjp block through a custom_jvp (ran eagerly with JitFallbackWarning)
@pytest.mark.parametrize("seed", [58, 65, 88, 264, 315, 329, 397, 437, 471, 307])
def test_random_program_compiles(backend, seed):
    from test_random_programs_jit import check_compiled

    with warnings.catch_warnings():
        warnings.simplefilter("error", JitFallbackWarning)
        assert check_compiled(seed) == "compiled"
