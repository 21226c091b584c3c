"""gpuad.jit: tracing, the passes one by one, replay, caching, composition, errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.jit import TracerError, passes
from gpuad.jit.program import Program


def _arr(a):
    return ad.get_backend().xp.asarray(a)


def _same(a, b, rtol=1e-12):
    la, lb = ad.tree_flatten(a)[0], ad.tree_flatten(b)[0]
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(to_numpy(x), to_numpy(y), rtol=rtol, atol=1e-300)


def loss(w, x):
    return gnp.sum(gnp.tanh(x @ w) ** 2) + gnp.sum(gnp.sin(w) * w)


# ---- replay equals eager --------------------------------------------------------------------

def test_value_and_grad_replays_on_new_values(backend, rng):
    vg = ad.value_and_grad(loss)
    j = ad.jit(vg)
    for _ in range(3):
        w, x = _arr(rng.standard_normal((4, 3))), _arr(rng.standard_normal((5, 4)))
        _same(j(w, x), vg(w, x))
    info = j.cache_info()
    assert info["misses"] == 1 and info["hits"] == 2 and info["size"] == 1


@pytest.mark.parametrize("transform", ["grad", "vjp", "jvp", "hessian", "checkpoint"])
def test_composes_with_transforms(transform, rng):
    def f(x, w):
        if transform == "grad":
            return ad.grad(loss, argnums=(0, 1))(w, x)
        if transform == "vjp":
            y, back = ad.vjp(lambda a, b: gnp.sin(b @ a), w, x)
            return back(gnp.cos(y))
        if transform == "jvp":
            return ad.jvp(lambda a: loss(a, x), (w,), (gnp.ones_like(w),))
        if transform == "hessian":
            return ad.hessian(lambda a: gnp.sum(gnp.sin(a) ** 3))(w[0])
        blk = ad.checkpoint(lambda h: gnp.tanh(h @ w @ w.T))
        return ad.value_and_grad(lambda h: gnp.sum(blk(blk(h)) ** 2))(x)

    j = ad.jit(f)
    for _ in range(3):
        x, w = rng.standard_normal((5, 4)), rng.standard_normal((4, 4))
        _same(j(x, w), f(x, w))
    assert j.cache_info()["misses"] == 1


def test_forward_values_are_bitwise_equal(rng):
    f = lambda x, y: gnp.exp(-x * y) / (1 + gnp.abs(x)) + gnp.maximum(x, y) @ y.T  # noqa: E731
    j = ad.jit(f)
    for _ in range(3):
        x, y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
        np.testing.assert_array_equal(j(x, y), f(x, y))


def test_setitem_and_inplace_inside(rng):
    def f(x):
        y = x * 1.0
        y[0] = y[0] * 2 + gnp.sum(x[1])
        y += x
        return gnp.sum(y ** 2)

    g, j = ad.grad(f), ad.jit(ad.grad(f))
    for _ in range(3):
        x = rng.standard_normal((3, 4))
        _same(j(x), g(x))


# ---- a training step with an optimizer -----------------------------------------------------

def _model(opt_name):
    gnp.random.seed(0)
    m = nn.MLP([4, 16, 3], activation="relu")
    opt = (optim.Adam(m.parameters(), lr=0.01) if opt_name == "adam" else
           optim.SGD(m.parameters(), lr=0.1, momentum=0.9))
    return m, opt


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
def test_training_step_matches_eager(opt_name, backend, rng):
    m1, o1 = _model(opt_name)
    m2, o2 = _model(opt_name)

    def make(m, o):
        def step(x, y):
            o.zero_grad()
            out = nn.cross_entropy(m(x), y)
            out.backward()
            o.step()
            return out
        return step

    eager, jitted = make(m1, o1), ad.jit(make(m2, o2))
    if backend == "numpy":  # the same NumPy calls: bit for bit
        same = np.testing.assert_array_equal
    else:  # fused kernels (CuPy's, or the stand-in's NumPy evaluation of them) round exp/log
        # apart from the eager ops by an ulp where NumPy's SIMD loops differ (AVX-512)
        def same(a, b):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)
    y = _arr(rng.integers(0, 3, 16))
    for _ in range(4):
        x = _arr(rng.standard_normal((16, 4)))
        same(to_numpy(jitted(x, y)), to_numpy(eager(x, y)))
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        same(to_numpy(p), to_numpy(q))
        same(to_numpy(p.grad), to_numpy(q.grad))
    assert o1.step_count == o2.step_count == 4


def test_grad_accumulates_across_calls_like_eager(rng):
    w1 = ad.tensor(rng.standard_normal(3), requires_grad=True)
    w2 = ad.tensor(w1.numpy(), requires_grad=True)

    def f(w):
        def step(x):
            gnp.sum(gnp.sin(w * x)).backward()
        return step

    e, j = f(w1), ad.jit(f(w2))
    for _ in range(3):
        x = rng.standard_normal(3)
        e(x)
        j(x)
    np.testing.assert_allclose(w2.grad.numpy(), w1.grad.numpy(), rtol=1e-14)


# ---- the passes --------------------------------------------------------------------------------

def _traced(f, *args) -> Program:
    """The traced program before any pass."""
    from gpuad.backends import get_backend
    from gpuad.jit import trace

    prog, _ = trace.trace(f, list(args), lambda lv: lv, get_backend())
    return prog


def test_dead_step_elimination():
    x = np.linspace(0.1, 1, 5)

    def f(x):
        gnp.exp(x)  # unused
        return gnp.sin(x)

    prog = _traced(f, x)
    assert len(prog) == 2
    assert passes.eliminate_dead_steps(prog) == 1
    assert [s.op for _, s in prog.live_steps()] == ["sin"]


def test_constant_folding():
    def f(x):
        c = gnp.cos(gnp.asarray(np.arange(5.0)))  # no argument involved
        return x * c

    prog = _traced(f, np.ones(5))
    assert passes.fold_constants(prog) == 1
    assert [s.op for _, s in prog.live_steps()] == ["multiply"]


def test_common_subexpressions():
    def f(x):
        return gnp.sin(x) * gnp.sin(x) + gnp.sin(x)

    prog = _traced(f, np.ones(5))
    assert passes.eliminate_common_subexpressions(prog) == 2
    passes.eliminate_dead_steps(prog)
    assert sorted(s.op for _, s in prog.live_steps()) == ["add", "multiply", "sin"]


def test_cse_respects_writes_in_between():
    def f(x):
        y = x * 1.0
        a = gnp.exp(y)
        y[0] = 5.0
        return a + gnp.exp(y)

    j = ad.jit(f)
    x = np.arange(3.0)
    np.testing.assert_array_equal(j(x), f(x))
    np.testing.assert_array_equal(j(x + 1), f(x + 1))


def test_memory_plan_reuses_and_accumulates_in_place():
    x = np.ones((64, 64))

    def f(x):
        return gnp.sum(gnp.exp(gnp.sin(gnp.cos(x) + 1) * 2))

    prog = _traced(f, x)
    plan = passes.plan_memory(prog)
    assert plan.peak["after"] < plan.peak["before"]
    assert plan.nbuffers == 1 and plan.inplace >= 3
    np.testing.assert_array_equal(ad.jit(f)(x + 1), f(x + 1))


def test_lower_prints_the_wengert_list_with_peak_bytes(rng):
    w, x = rng.standard_normal((4, 3)), rng.standard_normal((5, 4))
    prog = ad.jit(ad.value_and_grad(loss)).lower(w, x)
    text = str(prog)
    assert "tanh(" in text and "matmul(" in text and "return %" in text
    assert "before planning" in text
    pb = prog.peak_bytes
    assert 0 < pb["after"] < pb["before"]


def test_donated_argument_is_reused(rng):
    def f(x):
        return gnp.sum(gnp.exp(x) * 2)

    j = ad.jit(f, donate_argnums=0)
    x = rng.standard_normal(1000)
    want = f(x.copy())
    prog = j.lower(x.copy())
    assert any("in place" in b for b in prog.plan.buffer_of.values())
    np.testing.assert_array_equal(j(x.copy()), want)


# ---- caching, static arguments ------------------------------------------------------------

def test_cache_bound_static_args_and_clear():
    calls = []

    def f(x, n):
        calls.append(n)
        return x * n

    j = ad.jit(f, static_argnums=1, cache_size=2)
    x = np.ones(3)
    for n in (1, 2, 1, 3, 1):
        np.testing.assert_array_equal(j(x, n), x * n)
    info = j.cache_info()
    assert info["size"] == 2 and info["maxsize"] == 2 and info["evictions"] == 1
    assert "static 1=" in info["entries"][0]["signature"]
    j(np.ones(4), 1)  # a new shape traces again
    assert j.cache_info()["misses"] == 4
    j.clear_cache()
    assert j.cache_info()["size"] == 0
    with pytest.raises(TypeError, match="not hashable"):
        j(x, [1])


def test_decorator_form():
    @ad.jit
    def f(x):
        return gnp.sin(x)

    @ad.jit(static_argnums=(1,))
    def g(x, k):
        return x ** k

    np.testing.assert_array_equal(f(np.ones(2)), np.sin(np.ones(2)))
    np.testing.assert_array_equal(g(np.full(2, 2.0), 3), np.full(2, 8.0))


def test_closure_parameters_are_read_live(rng):
    w = ad.tensor(rng.standard_normal(3))
    j = ad.jit(lambda x: gnp.sum(w * x))
    x = np.ones(3)
    j(x)
    with ad.no_grad():
        w -= 1.0
    np.testing.assert_allclose(j(x), np.sum(w.numpy()))


# ---- what raises ---------------------------------------------------------------------------

def test_python_control_flow_on_values_raises_naming_the_line():
    def f(x):
        if gnp.sum(x) > 0:  # the line the error names
            return x
        return -x

    with pytest.raises(TracerError, match=r"bool\(\).*test_jit.py:\d+ in f: if gnp.sum"):
        ad.jit(f)(np.ones(3))
    with pytest.raises(TracerError, match="float"):
        ad.jit(lambda x: x * float(gnp.max(x)))(np.ones(3))
    with pytest.raises(TracerError, match="int"):
        ad.jit(lambda x: x[: int(gnp.sum(x))])(np.ones(3))


def test_raw_array_escapes_raise():
    w = ad.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TracerError, match=r"\.data"):
        ad.jit(lambda x: gnp.sum(np.sin(x.data)))(ad.tensor(np.ones(3)))

    def bad_update(x):
        (gnp.sum(w * x)).backward()
        w.data -= 0.1 * w.grad.data  # raw NumPy on .data: not recorded
    with pytest.raises(TracerError, match=r"\.data of a traced tensor"):
        ad.jit(bad_update)(np.ones(3))

    def hidden_update(x):
        (gnp.sum(w * x)).backward()
        w._data -= 0.1  # a write the tracer cannot see
    with pytest.raises(TracerError, match="modified in place"):
        ad.jit(hidden_update)(np.ones(3))


def test_untraced_computation_is_caught_by_the_check():
    def f(x):
        return gnp.sin(x) * gnp.asarray(np.cos(np.ones(3)))

    ad.jit(f)(np.ones(3))  # a true constant passes the check

    def g(x):
        y = gnp.exp(x)
        raw = y._data * 2  # raw NumPy on a traced array, hidden from the tracer
        return y + gnp.asarray(raw)

    with pytest.raises(TracerError, match="differs from the function's"):
        ad.jit(g)(np.ones(3))


def test_global_random_raises_and_keys_work():
    with pytest.raises(TracerError, match="gpuad.jit.random"):
        ad.jit(lambda x: x + gnp.random.normal(size=3))(np.ones(3))
    r = ad.jit.random
    j = ad.jit(lambda x, k: x + r.normal(k, (3,)))
    k1, k2 = r.split(r.key(0))
    a, b, c = j(np.zeros(3), k1), j(np.zeros(3), k2), j(np.zeros(3), k1)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, r.normal(k1, (3,)))
    assert j.cache_info()["misses"] == 1


def test_outer_differentiation_of_a_jitted_function(rng):
    """grad/vjp/backward from outside a jitted function: exact, both sweeps compiled after the
    first call (the forward on plain values, the backward as a second program); higher orders
    too. Forward mode and closures over tensors that require grad run eagerly, with a warning,
    never with a gradient cut off."""
    def f(x, y):
        return gnp.sum(gnp.sin(x) ** 2 * y)

    j = ad.jit(f)
    for _ in range(3):
        x, y = rng.standard_normal(4), rng.standard_normal(4)
        np.testing.assert_allclose(ad.grad(j)(x, y), ad.grad(f)(x, y), rtol=1e-13)
        gx, gy = ad.grad(j, argnums=(0, 1))(x, y)
        ex, ey = ad.grad(f, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(gx, ex, rtol=1e-13)
        np.testing.assert_allclose(gy, ey, rtol=1e-13)
    assert j.cache_info()["misses"] == 1 and j._pull.cache_info()["misses"] <= 2
    # second order in reverse mode: the pullback program is differentiated the same way
    gg = ad.grad(lambda x: gnp.sum(ad.grad(j)(x, y) * x))
    ge = ad.grad(lambda x: gnp.sum(ad.grad(f)(x, y) * x))
    np.testing.assert_allclose(gg(x), ge(x), rtol=1e-12)
    # a Tensor argument that requires grad, then backward on a larger expression
    w = ad.tensor(x, requires_grad=True)
    for _ in range(2):
        w.grad = None
        (j(w, y) + gnp.sum(w * w)).backward()
        np.testing.assert_allclose(w.grad.numpy(), ad.grad(f)(x, y) + 2 * x, rtol=1e-13)
    # an argument with a history
    u = ad.tensor(x, requires_grad=True)
    (j(u * 2.0, y)).backward()
    np.testing.assert_allclose(u.grad.numpy(), 2 * ad.grad(f)(2 * x, y), rtol=1e-13)
    # forward mode: eager, exact, with a warning
    with pytest.warns(ad.jit.JitFallbackWarning, match="forward mode"):
        t = ad.jvp(j, (x, y), (np.ones(4), np.zeros(4)))[1]
    np.testing.assert_allclose(t, ad.jvp(f, (x, y), (np.ones(4), np.zeros(4)))[1], rtol=1e-13)
    # a closure over a tensor that requires grad: eager, so backward reaches it
    v = ad.tensor(np.ones(3), requires_grad=True)
    h = ad.jit(lambda x: gnp.sum(v * x))
    with pytest.warns(ad.jit.JitFallbackWarning, match="without receiving"):
        h(np.arange(3.0))
    for _ in range(2):
        v.grad = None
        (h(np.arange(3.0)) + gnp.sum(v)).backward()
        np.testing.assert_array_equal(v.grad.numpy(), np.arange(3.0) + 1)


def test_captured_tensor_changing_shape_raises():
    w = ad.tensor(np.ones(3))
    j = ad.jit(lambda x: x * w)
    j(np.ones(3))
    w.data = np.ones(4)
    with pytest.raises(ad.jit.StaleCaptureError, match="clear_cache"):
        j(np.ones(3))


def test_nested_jit_is_inlined(rng):
    inner = ad.jit(lambda x: gnp.exp(x) * 2)
    outer = ad.jit(lambda x: gnp.sum(inner(x) + x))
    for _ in range(2):
        x = rng.standard_normal(4)
        np.testing.assert_allclose(outer(x), np.sum(np.exp(x) * 2 + x), rtol=1e-14)


# ---- the GPU replay path: a CUDA graph (the stand-in records a capture and replays it) -------
# (training steps, effects and fallbacks: tests/test_jit_graph.py)

@pytest.mark.gpu
@pytest.mark.standin
def test_cuda_graph_replay(rng):
    def f(w, x):  # no matmul: CuPy cannot capture cuBLAS calls
        return gnp.sum(gnp.tanh(x * w) ** 2) + gnp.sum(gnp.sin(w) * w)

    with ad.use_backend("cupy"):
        from gpuad.jit import replay

        vg = ad.value_and_grad(f)
        j = ad.jit(vg, graph=True)
        for _ in range(4):
            w, x = _arr(rng.standard_normal((5, 3))), _arr(rng.standard_normal((5, 3)))
            _same(j(w, x), vg(w, x))
        entry = next(iter(j._cache.values()))
        assert isinstance(entry.runner, replay.GraphReplay)
        info = j.cache_info()["entries"][0]
        assert info["graph"] == "captured" and info["captures"] == 1 and info["launches"] == 2


def test_constant_outputs_are_fresh_arrays():
    j = ad.jit(lambda x: (x * 2, gnp.asarray(np.arange(3.0))))
    _, c1 = j(np.ones(3))
    c1[0] = 99.0
    _, c2 = j(np.ones(3))
    np.testing.assert_array_equal(c2, np.arange(3.0))


def test_threads_share_a_compiled_function(rng):
    import threading

    j = ad.jit(lambda x: gnp.sum(gnp.exp(gnp.sin(x) * 2) + x))
    xs = [rng.standard_normal(2000) for _ in range(8)]
    j(xs[0])
    out: dict = {}

    def work(i):
        for _ in range(20):
            out[i] = j(xs[i])

    ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(out[i], np.sum(np.exp(np.sin(x) * 2) + x))
