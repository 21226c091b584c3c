"""Programs of JAX's rematerialisation tests (tests/api_test.py, class RematTest: ``jax.remat``
/ ``jax.checkpoint`` with grad, linearize, vmap, Jacobians, nesting, closures, jit, Python
control flow, evaluation counts), translated to ``gpuad.checkpoint`` and run eagerly and
compiled, with fusion and the compiled tape's own rematerialisation on and off.

Each checkpointed program is compared with the same program without checkpoints (eager
gpuad), and its compiled gradient with the eager one and with float64 central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.jit.fusion import Options
from gpuad.testing import check_grads


def _fused(backend: str) -> Options:
    """Every group fused, any size, values recomputed in the backward within the default
    bound (on the CPU the chunked target, eager's bits)."""
    if backend == "numpy":
        return Options(min_size=0, min_steps=1, target="chunked", remat=1.0, move=False)
    return Options(min_size=0, min_steps=1, move=False)


def _arr(a):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=np.float64))


def _h(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _close(got, want, rtol=1e-12):
    lg, lw = ad.tree_flatten(got)[0], ad.tree_flatten(want)[0]
    assert len(lg) == len(lw)
    for g, w in zip(lg, lw, strict=True):
        g, w = _h(g), _h(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-14)


def _compiled_like_eager(fn, args_list, backend, want_fn=None):
    """``fn`` compiled fused and unfused: on each argument tuple after the first (the first
    traces), equal to ``want_fn`` (default ``fn`` eagerly). Returns the fused jitted fn."""
    want_fn = want_fn or fn
    jits = [ad.jit(fn, fuse=_fused(backend)), ad.jit(fn, fuse=False)]
    for j in jits:
        j(*args_list[0])
        for args in args_list[1:]:
            _close(j(*args), want_fn(*args))
    return jits[0]


def _ops(prog) -> list[str]:
    """The operations a compiled program computes, fused groups' steps included."""
    out = []
    for _, s in prog.live_steps():
        out.append(s.op)
    rep = getattr(prog, "fusion", None)
    for g in rep.groups if rep is not None else ():
        out += [n.op for v, n in g.nodes.items() if v not in g.recomputed]
    return out


# ---- test_remat_basic ---------------------------------------------------------------------

@ad.checkpoint
def _sin_sin_and_three(x):
    return gnp.sin(gnp.sin(x)), 3.0


def _basic(x):
    y, _ = _sin_sin_and_three(x)
    return y


def test_remat_basic(backend):
    x = _arr(2.0)
    _close(_basic(x), np.sin(np.sin(2.0)))
    ans, f_lin = ad.linearize(_basic, x)
    _close(ans, np.sin(np.sin(2.0)))
    _close(f_lin(_arr(3.0)), np.cos(np.sin(2.0)) * np.cos(2.0) * 3.0)
    _close(ad.grad(_basic)(x), np.cos(np.sin(2.0)) * np.cos(2.0))
    j = _compiled_like_eager(ad.grad(_basic), [(x,), (_arr(2.5),), (_arr(-0.3),)], backend,
                             lambda x: _arr(np.cos(np.sin(_h(x))) * np.cos(_h(x))))
    # as JAX counts one sin and two cos evaluations in the linearized function: the
    # compiled gradient computes sin(x) once (the checkpoint's recomputation and the forward
    # are one value) and the two cosines, and not sin(sin(x)), which it does not need
    ops = _ops(j.lower(x))
    assert ops.count("sin") == 1 and ops.count("cos") == 2, ops


# ---- test_remat_freevars ------------------------------------------------------------------

def _freevars_plain(x):
    y = 2 * gnp.sin(x)
    return gnp.cos(x) * gnp.sin(y)


def _freevars_remat(x):
    y = 2 * gnp.sin(x)
    return ad.checkpoint(lambda x: gnp.cos(x) * gnp.sin(y))(x)


def test_remat_freevars(backend):
    """A checkpointed block closing over a value computed outside it from the argument."""
    x = _arr(2.0)
    _close(_freevars_remat(x), _freevars_plain(x))
    ans, f_lin = ad.linearize(_freevars_remat, x)
    ans0, f_lin0 = ad.linearize(_freevars_plain, x)
    _close(ans, ans0)
    _close(f_lin(_arr(3.0)), f_lin0(_arr(3.0)))
    _close(ad.grad(_freevars_remat)(x), ad.grad(_freevars_plain)(x))
    _compiled_like_eager(ad.grad(_freevars_remat), [(x,), (_arr(0.7),), (_arr(-1.9),)],
                         backend, ad.grad(_freevars_plain))


# ---- test_remat_grad_python_control_flow --------------------------------------------------

def test_remat_grad_python_control_flow(backend):
    """Python control flow on the block's values: eagerly exact; compiled, the branch on a
    traced value raises naming the line (the JAX test's ``concrete=True``); on a static
    argument it compiles, one program per branch."""
    @ad.checkpoint
    def g(x):
        if x > 0:
            return gnp.sin(x), 3.0
        return gnp.cos(x), 4.0

    def f(x):
        return g(x)[0]

    x = _arr(2.0)
    _close(f(x), np.sin(2.0))
    _close(ad.grad(f)(x), np.cos(2.0))
    with pytest.raises(TracerError, match="bool\\(\\) of a traced value.*if x > 0"):
        ad.jit(ad.grad(f))(x)

    @ad.checkpoint
    def h(x, positive):
        if positive:
            return gnp.sin(x), 3.0
        return gnp.cos(x), 4.0

    jg = ad.jit(ad.grad(lambda x, positive: h(x, positive)[0]), static_argnums=1,
                fuse=_fused(backend))
    for v in (2.0, 1.0, -0.5):
        for positive in (True, False):
            jg(_arr(v), positive)
            want = np.cos(v) if positive else -np.sin(v)
            _close(jg(_arr(v), positive), want)
    assert jg.cache_info()["misses"] == 2


# ---- test_remat_jit -----------------------------------------------------------------------

@ad.checkpoint
def _sin_sin(x):
    return gnp.sin(gnp.sin(x))


def test_remat_jit(backend):
    """jit of a checkpointed function, grad of that (compiled forward and backward
    programs), and jit of its grad."""
    f = ad.jit(_sin_sin, fuse=_fused(backend))
    for v in (2.0, 0.3, -1.1):
        x = _arr(v)
        _close(f(x), np.sin(np.sin(v)))
        _close(ad.grad(f)(x), np.cos(np.sin(v)) * np.cos(v))
    _compiled_like_eager(ad.grad(_sin_sin), [(_arr(2.0),), (_arr(0.5),)], backend,
                         lambda x: _arr(np.cos(np.sin(_h(x))) * np.cos(_h(x))))


# ---- test_remat_vmap, test_remat_vmap_not_leading_dim ------------------------------------

def test_remat_vmap(backend):
    x = _arr(np.arange(3.0))
    want = np.sin(np.sin(np.arange(3.0)))
    _close(ad.vmap(_sin_sin)(x), want)
    jac = np.diag(np.cos(np.sin(np.arange(3.0))) * np.cos(np.arange(3.0)))
    _close(ad.jacfwd(_sin_sin)(x), jac)
    _close(ad.jacrev(_sin_sin)(x), jac)
    _compiled_like_eager(ad.jacrev(_sin_sin), [(x,), (_arr([0.5, -1.0, 2.0]),)], backend)
    _compiled_like_eager(ad.vmap(_sin_sin), [(x,), (_arr([0.5, -1.0, 2.0]),)], backend)


def test_remat_vmap_not_leading_dim(backend):
    """vmap over axis 1 of a checkpointed block that reduces over its rows."""
    r = np.random.default_rng(0)
    x = _arr(r.standard_normal((3, 5)))

    def g(x):
        return gnp.sum(gnp.sin(x) * x) + gnp.max(x)

    want = np.array([np.sum(np.sin(c) * c) + np.max(c) for c in _h(x).T])
    _close(ad.vmap(ad.checkpoint(g), in_axes=1)(x), want)
    _close(ad.vmap(ad.grad(ad.checkpoint(g)), in_axes=1, out_axes=1)(x),
           ad.vmap(ad.grad(g), in_axes=1, out_axes=1)(x))
    _compiled_like_eager(ad.vmap(ad.grad(ad.checkpoint(g)), in_axes=1, out_axes=1),
                         [(x,), (_arr(r.standard_normal((3, 5))),)], backend)


# ---- test_remat_higher_order_autodiff -----------------------------------------------------

def _cos_sin(x):
    return gnp.cos(gnp.sin(x))


def test_remat_higher_order_autodiff(backend):
    g = ad.checkpoint(_cos_sin)
    x = _arr(3.0)
    _close(ad.grad(ad.grad(g))(x), ad.grad(ad.grad(_cos_sin))(x))
    _compiled_like_eager(ad.grad(ad.grad(g)), [(x,), (_arr(0.4),), (_arr(-2.0),)], backend,
                         ad.grad(ad.grad(_cos_sin)))


# ---- test_remat_scan (a Python loop: gpuad has no scan) ---------------------------------

def _scan(x, remat):
    step = (lambda c: gnp.sin(c))
    step = ad.checkpoint(step) if remat else step
    for _ in range(3):
        x = step(x)
    return x


def test_remat_scan(backend):
    """A loop whose body is checkpointed: values and gradients of the loop without
    checkpoints; compiled, the backward computes the cosines of the recomputed carries."""
    x = _arr(4.0)
    _close(_scan(x, True), _scan(x, False))
    g = ad.grad(lambda x: _scan(x, True))
    _close(g(x), ad.grad(lambda x: _scan(x, False))(x))
    j = _compiled_like_eager(g, [(x,), (_arr(0.9),)], backend,
                             ad.grad(lambda x: _scan(x, False)))
    assert _ops(j.lower(x)).count("cos") == 3


# ---- test_remat_no_redundant_flops --------------------------------------------------------

def test_remat_no_redundant_flops(backend):
    """``f(2., x)`` with ``f = checkpoint(sin(x) * y)``: sin of the constant is computed at
    most once in the compiled gradient (JAX counts at most one evaluation)."""
    f = ad.checkpoint(lambda x, y: gnp.sin(x) * y)

    def g(x):
        return f(_arr(2.0), x)

    # eagerly first: a CuPy operator between the block's backend array and its input (a
    # Tensor) once imported the Tensor's memory, and this gradient came out 0 (on a GPU only
    # the compiled program's post-trace check, which it then failed, showed it)
    _close(ad.grad(g)(_arr(3.0)), np.sin(2.0))
    j = ad.jit(ad.grad(g), fuse=_fused(backend))
    j(_arr(3.0))
    _close(j(_arr(1.5)), np.sin(2.0))
    assert _ops(j.lower(_arr(3.0))).count("sin") <= 1


# ---- test_remat_binomial_checkpointing ----------------------------------------------------

def _binom_checkpoint(funs):
    if len(funs) == 1:
        return funs[0]
    f1 = _binom_checkpoint(funs[:len(funs) // 2])
    f2 = _binom_checkpoint(funs[len(funs) // 2:])
    return ad.checkpoint(lambda x: f1(f2(x)))


def test_remat_binomial_checkpointing(backend):
    f1 = _binom_checkpoint([gnp.sin] * 4)

    def f2(x):
        return gnp.sin(gnp.sin(gnp.sin(gnp.sin(x))))

    x = _arr(4.0)
    _close(f1(x), f2(x))
    _close(ad.grad(f1)(x), ad.grad(f2)(x))
    _compiled_like_eager(ad.grad(f1), [(x,), (_arr(-0.6),)], backend, ad.grad(f2))
    check_grads(f1, (x,), order=2, modes=("rev",))


# ---- test_remat_symbolic_zeros ------------------------------------------------------------

def test_remat_symbolic_zeros(backend):
    """A checkpointed step that also returns a constant (JAX's symbolic zero), looped."""
    rinit = _arr(np.random.default_rng(0).uniform(0.0, 5.0, (5, 3)))

    def func(d0, remat):
        def move(r):
            return r + 0.001 * (d0 * r), gnp.zeros(1)
        move = ad.checkpoint(move) if remat else move
        r = rinit
        for _ in range(2):
            r, _ = move(r)
        return r[0, 0]

    d0 = _arr(5.0)
    _close(ad.grad(lambda d: func(d, True))(d0), ad.grad(lambda d: func(d, False))(d0))
    _compiled_like_eager(ad.grad(lambda d: func(d, True)), [(d0,), (_arr(2.0),)], backend,
                         ad.grad(lambda d: func(d, False)))


# ---- test_remat_jit2: a checkpointed closure without arguments --------------------------

def test_remat_jit2(backend):
    @ad.jit
    def f(x):
        y = 2 * x

        @ad.checkpoint
        def g():
            return y

        return g()

    for v in (3.0, 4.0, -1.0):
        _close(f(_arr(v)), 2 * v)
    _close(ad.grad(lambda x: f(x))(_arr(3.0)), 2.0)


# ---- test_remat_nontrivial_env ------------------------------------------------------------

@ad.checkpoint
def _foo(state, dt=0.5, c=1):
    u, u_t = state
    u_tt = c ** 2 * u
    u_t = u_t + u_tt * dt
    return (u, u_t)


def _multi_step(state, count, dt, c):
    for _ in range(count):
        state = _foo(state, dt, c)
    return state


def _wave_loss(u0, target, steps, dt=2 ** -0.5, c=1):
    init = (u0, gnp.zeros_like(u0))
    uf, _ = _multi_step(init, steps, dt, c)
    return gnp.mean((uf - target) ** 2)


def test_remat_nontrivial_env(backend):
    """A checkpointed block taking a tuple state and keyword numbers, stepped in a loop
    (the JAX test's scan), inside a loss; the gradient compiled with the step count static."""
    target = _arr(np.zeros((16, 16)))
    u0 = _arr(np.ones((16, 16)))
    _close(_wave_loss(u0, target, 10), 1.0)  # u never changes: u_t does
    r = np.random.default_rng(1)
    u1 = _arr(r.standard_normal((16, 16)))
    g = ad.jit(ad.grad(_wave_loss), static_argnums=2, fuse=_fused(backend))
    g(u0, target, 10)
    _close(g(u1, target, 10), 2 * _h(u1) / u1.size)


# ---- test_remat_jit3 ----------------------------------------------------------------------

def test_remat_jit3(backend):
    """einsum inside a checkpoint; a jitted function called inside a checkpoint."""
    def f(w, x):
        a = gnp.dot(x, w)
        b = gnp.einsum("btd,bTd->btT", a, a)
        c = gnp.einsum("btT,btd->btd", b, a)
        return gnp.sum(c)

    r = np.random.default_rng(2)
    w, x = _arr(r.standard_normal((2, 2))), _arr(r.standard_normal((1, 3, 2)))
    _close(ad.grad(ad.checkpoint(f), argnums=(0, 1))(w, x), ad.grad(f, argnums=(0, 1))(w, x))
    _compiled_like_eager(ad.grad(ad.checkpoint(f), argnums=(0, 1)),
                         [(w, x), (w * 2, x - 1)], backend, ad.grad(f, argnums=(0, 1)))

    mul = ad.jit(lambda a, b: a * b)

    def f2(w, x):
        a = mul(w, x)
        return mul(a, a)

    w1, x1 = _arr(1.0), _arr(1.0)
    _close(ad.grad(ad.checkpoint(f2), argnums=(0, 1))(w1, x1), (2.0, 2.0))


# ---- test_remat_scan2: nested loops, the inner one checkpointed -------------------------

def test_remat_scan2(backend):
    def scan_bug(x0):
        def scanned_f(x, _):
            for _ in range(1):
                x = x + 1
            return x, None
        x, _ = ad.checkpoint(scanned_f)(x0, None)
        return x

    _close(ad.grad(scan_bug)(_arr(1.0)), 1.0)
    _compiled_like_eager(ad.grad(scan_bug), [(_arr(1.0),), (_arr(5.0),)], backend)


# ---- test_remat_eval_counter --------------------------------------------------------------

def test_remat_eval_counter(backend):
    """How often a checkpointed block's Python body runs: ``g = checkpoint(add_one(f(x)))``
    with ``f = checkpoint(add_one)`` evaluates add_one twice for the forward and three times
    for the vjp (twice recomputing g, once recomputing f inside it), as JAX counts; a
    compiled replay runs no Python at all."""
    evals = [0]

    def add_one(x):
        evals[0] += 1
        return x + 1

    f = ad.checkpoint(add_one)
    g = ad.checkpoint(lambda x: add_one(f(x)))
    v = _arr(np.zeros(1))
    start = evals[0]
    _, vjp = ad.vjp(g, v)
    assert evals[0] - start == 2
    start = evals[0]
    _close(vjp(_arr(np.ones(1)))[0], np.ones(1))
    assert evals[0] - start == 3
    j = ad.jit(ad.grad(lambda x: gnp.sum(g(x) * x)), fuse=_fused(backend), check=False)
    j(v)
    start = evals[0]
    _close(j(_arr([2.0])), np.array([6.0]))
    assert evals[0] == start


# ---- test_escaped_tracer_remat ------------------------------------------------------------

def test_checkpointed_block_updating_outer_state():
    """test_escaped_tracer_remat's program: a checkpointed block that adds into an array
    held in a list outside it. gpuad has no tracers to leak: compiled, the function returns
    its eager value on every call."""
    def f():
        seq = [gnp.zeros(())]

        def g():
            seq[0] += 1
            return seq[0]

        ad.checkpoint(g)()
        ad.checkpoint(g)()
        return seq[0]

    j = ad.jit(f)
    for _ in range(3):
        _close(j(), 2.0)


# ---- multiple outputs, custom rules and policies inside checkpoints ----------------------

def test_remat_unused_output(backend):
    """test_remat_dropvar_policy: a checkpointed block with two outputs, one of them unused
    by the loss."""
    @ad.checkpoint
    def g(x):
        return gnp.sin(x) * 2.0, gnp.cos(x) + x

    def f(x):
        a, _ = g(x)
        return gnp.sum(a * a)

    x = _arr(np.linspace(-1.0, 2.0, 7))
    want = ad.grad(lambda x: gnp.sum((gnp.sin(x) * 2.0) ** 2))
    _close(ad.grad(f)(x), want(x))
    _compiled_like_eager(ad.grad(f), [(x,), (x * 0.5,)], backend, want)


def test_remat_custom_vjp_inside(backend):
    """test_remat_custom_vjp_policy: a custom_vjp rule inside a checkpointed block is used
    by the recomputed block's backward."""
    @ad.custom_vjp
    def sin(x):
        return gnp.sin(x)

    def sin_fwd(x):
        return gnp.sin(x), x

    def sin_bwd(x, g):
        return (2.0 * gnp.cos(x) * g,)  # twice the true derivative: visibly the rule's

    sin.defvjp(sin_fwd, sin_bwd)
    f = ad.checkpoint(lambda x: sin(sin(x)))
    x = _arr(np.array([0.3, 1.2, -0.7]))
    want = 4.0 * np.cos(np.sin(_h(x))) * np.cos(_h(x))
    _close(ad.grad(lambda x: gnp.sum(f(x)))(x), want)
    _compiled_like_eager(ad.grad(lambda x: gnp.sum(f(x))), [(x,), (x * 2,)], backend,
                         lambda x: _arr(4.0 * np.cos(np.sin(_h(x))) * np.cos(_h(x))))


def test_remat_custom_jvp_inside(backend):
    """test_remat_custom_jvp_policy: a custom_jvp rule inside a checkpointed block, in
    reverse and forward mode."""
    @ad.custom_jvp
    def sin(x):
        return gnp.sin(x)

    @sin.defjvp
    def sin_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return sin(x), 3.0 * gnp.cos(x) * t

    f = ad.checkpoint(lambda x: sin(x) * x)
    x = _arr(np.array([0.3, 1.2]))
    want = 3.0 * np.cos(_h(x)) * _h(x) + np.sin(_h(x))
    _close(ad.grad(lambda x: gnp.sum(f(x)))(x), want)
    _close(ad.jvp(f, (x,), (_arr(np.ones(2)),))[1], want)
    _compiled_like_eager(ad.grad(lambda x: gnp.sum(f(x))), [(x,), (x + 1,)], backend,
                         lambda x: _arr(3.0 * np.cos(_h(x)) * _h(x) + np.sin(_h(x))))


@pytest.mark.parametrize("option", ["prevent_cse", "static_argnums"])
def test_remat_options_raise_naming_the_alternative(option):
    """jax.checkpoint's ``prevent_cse`` and ``static_argnums`` have no counterpart in
    gpuad.checkpoint (``policy`` has: tests/test_remat_names.py): Python values among its
    arguments are static already, and inside gpuad.jit the compiled tape's
    rematerialisation chooses what to save. Passing one raises a TypeError that says so."""
    with pytest.raises(TypeError, match=f"checkpoint.*{option}.*gpuad.jit.fusion.Options"):
        ad.checkpoint(lambda x: x, **{option: None})


# ---- checkpoints and the compiled tape's own rematerialisation ---------------------------

def _mlp_block(h, w):
    return gnp.tanh(h @ w) * 0.5 + h


def test_checkpointed_layers_fused_and_rematerialised(backend):
    """Checkpointed layers of a small network compiled with fusion and the tape's own
    rematerialisation: the elementwise work of the recomputed layers is fused, values are
    recomputed in the backward's groups where the bound allows, and the gradient equals the
    network's without checkpoints (and central differences)."""
    r = np.random.default_rng(3)
    ws = [_arr(r.standard_normal((8, 8)) * 0.4) for _ in range(3)]
    x = _arr(r.standard_normal((4, 8)))

    def net(x, ws, remat):
        block = ad.checkpoint(_mlp_block) if remat else _mlp_block
        h = x
        for w in ws:
            h = block(h, w)
        return gnp.sum(gnp.sin(h) * h)

    grad_remat = ad.grad(lambda ws, x: net(x, ws, True))
    grad_plain = ad.grad(lambda ws, x: net(x, ws, False))
    _close(grad_remat(ws, x), grad_plain(ws, x))
    j = _compiled_like_eager(grad_remat, [(ws, x), ([w * 0.9 for w in ws], x + 0.1)],
                             backend, grad_plain)
    rep = j.lower(ws, x).fusion
    assert rep.groups and any(n.op == "tanh" for g in rep.groups for n in g.nodes.values())
    assert rep.saved_after <= rep.saved_before
    check_grads(lambda *ws: net(x, list(ws), True), tuple(ws), order=1, modes=("rev",))
