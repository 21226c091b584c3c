"""gpuad.jit training steps: the optimizer update recorded as array steps whose per-call numbers
live in device slots, and the whole step one CUDA graph per call on the cupy backend (on the
stand-in, a capture records what runs and a launch replays it, Python scalars frozen)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.jit import replay

OPTS = {
    "adam": lambda ps: optim.Adam(ps, lr=0.05),
    "adam_l2_max": lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.1, maximize=True),
    "adamw_amsgrad": lambda ps: optim.AdamW(ps, lr=0.05, amsgrad=True),
    "sgd": lambda ps: optim.SGD(ps, lr=0.01),
    "sgd_nesterov_wd": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True,
                                            weight_decay=0.01),
    "sgd_dampening": lambda ps: optim.SGD(ps, lr=0.01, momentum=0.5, dampening=0.3),
}


def _xp():
    return ad.get_backend().xp


def _problem(opt_name, dtype=np.float64, seed=0):
    """A linear regression written without matmul (CuPy cannot capture cuBLAS calls)."""
    r = np.random.default_rng(seed)
    xp = _xp()
    w = ad.tensor(xp.asarray(r.standard_normal(4).astype(dtype)), requires_grad=True)
    b = ad.tensor(xp.asarray(np.array([0.5], dtype)), requires_grad=True)
    opt = OPTS[opt_name]([w, b])

    def step(x, y):
        opt.zero_grad()
        loss = gnp.mean((gnp.sum(x * w, axis=1) + b - y) ** 2)
        loss.backward()
        opt.step()
        return loss
    return w, b, opt, step


def _data(rng, dtype=np.float64):
    xp = _xp()
    return (xp.asarray(rng.standard_normal((8, 4)).astype(dtype)),
            xp.asarray(rng.standard_normal(8).astype(dtype)))


def _equal(a, b):
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def _same_state(o1, o2, p1s, p2s):
    assert o1.step_count == o2.step_count
    for p, q in zip(p1s, p2s, strict=True):
        _equal(p, q)
        _equal(p.grad, q.grad)
    for s1, s2 in zip(o1.state, o2.state, strict=True):
        assert s1.keys() == s2.keys()
        for k in s1:
            if hasattr(s1[k], "shape"):
                _equal(s1[k], s2[k])
            else:
                assert s1[k] == s2[k]


def _graph_info(j):
    (entry,) = j.cache_info()["entries"]
    return entry


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("opt_name", list(OPTS))
def test_training_step_equals_eager_bitwise(backend, opt_name, dtype, rng):
    w1, b1, o1, eager = _problem(opt_name, dtype)
    w2, b2, o2, step = _problem(opt_name, dtype)
    jitted = ad.jit(step)
    for _ in range(6):
        x, y = _data(rng, dtype)
        _equal(jitted(x, y), eager(x, y))
    _same_state(o1, o2, [w1, b1], [w2, b2])
    # one trace; SGD with momentum traces its first step apart (the buffer is made there)
    info = jitted.cache_info()
    assert info["retraces"] == (1 if o1.state[0].get("momentum") is not None else 0)
    assert info["misses"] == 1 + info["retraces"]


@pytest.mark.parametrize("opt_name", ["adam", "sgd_dampening", "adamw_amsgrad"])
def test_complex_parameters_equal_eager_bitwise(backend, opt_name, rng):
    """A complex parameter is updated through real views of its (re, im) pairs, recorded too."""
    ws = []
    for mode in ("eager", "jit"):
        r = np.random.default_rng(0)
        w = ad.tensor(_xp().asarray((r.standard_normal(3) + 1j * r.standard_normal(3))
                                    .astype(np.complex64)), requires_grad=True)
        opt = OPTS[opt_name]([w])

        def step(x, w=w, opt=opt):
            opt.zero_grad()
            gnp.sum(gnp.abs(w * x - 1.0) ** 2).backward()
            opt.step()
        ws.append((w, ad.jit(step) if mode == "jit" else step))
    for _ in range(5):
        x = _xp().asarray((rng.standard_normal(3) + 1j * rng.standard_normal(3))
                          .astype(np.complex64))
        ws[0][1](x)
        ws[1][1](x)
    _equal(ws[0][0], ws[1][0])


def test_update_is_recorded_as_kernels(rng):
    w, b, opt, step = _problem("adam")
    prog = ad.jit(step).lower(*_data(rng))
    ops = [s.op for _, s in prog.live_steps()]
    assert "opt.isub" in ops and "opt.sqrt" in ops and not any(o.endswith(".step") for o in ops)
    assert replay.graph_capturable(prog)
    assert len(prog.prelude) == 1  # the host half: counters and per-call numbers


@pytest.mark.parametrize("opt_name", ["adam", "sgd_nesterov_wd"])
def test_learning_rate_changed_between_calls_is_seen(backend, opt_name, rng):
    w1, b1, o1, eager = _problem(opt_name)
    w2, b2, o2, step = _problem(opt_name)
    jitted = ad.jit(step)
    for k in range(7):
        if k == 4:
            o1.lr = o2.lr = o1.lr * 0.1
            o1.betas = o2.betas = (0.8, 0.99) if hasattr(o1, "betas") else None
        x, y = _data(rng)
        _equal(jitted(x, y), eager(x, y))
    _same_state(o1, o2, [w1, b1], [w2, b2])
    info = jitted.cache_info()  # a number, not a branch: no new trace
    assert info["misses"] - info["retraces"] == 1
    assert info["retraces"] == (1 if opt_name.startswith("sgd") else 0)


def test_changed_branches_trace_again(backend, rng):
    w1, b1, o1, eager = _problem("sgd_nesterov_wd")
    w2, b2, o2, step = _problem("sgd_nesterov_wd")
    jitted = ad.jit(step)
    for k in range(6):
        if k == 3:
            o1.nesterov = o2.nesterov = False
            o1.weight_decay = o2.weight_decay = 0.0
        x, y = _data(rng)
        _equal(jitted(x, y), eager(x, y))
    _same_state(o1, o2, [w1, b1], [w2, b2])
    assert jitted.cache_info()["retraces"] == 2  # the first step's buffer, then the flags


def test_replaced_optimizer_state_traces_again(backend, rng):
    w1, b1, o1, eager = _problem("adam")
    w2, b2, o2, step = _problem("adam")
    jitted = ad.jit(step)
    for k in range(5):
        if k == 3:  # a state loaded from elsewhere: new arrays
            for o in (o1, o2):
                o.state[0]["m"] = o.state[0]["m"] * 0.5
        x, y = _data(rng)
        _equal(jitted(x, y), eager(x, y))
    _same_state(o1, o2, [w1, b1], [w2, b2])
    assert jitted.cache_info()["retraces"] == 1


class _OwnUpdate(optim.SGD):
    """An optimizer written against the old interface: one _update."""

    def _update(self, xp, p, g, st):
        p -= self.lr * g * g


def test_optimizer_overriding_update_still_works(backend, rng):
    ps = []
    for _ in range(2):
        w = ad.tensor(_xp().asarray(np.arange(4.0)), requires_grad=True)
        o = _OwnUpdate([w], lr=0.01)

        def step(x, w=w, o=o):
            o.zero_grad()
            gnp.sum(gnp.sin(x * w)).backward()
            o.step()
        ps.append((w, step))
    jitted = ad.jit(ps[1][1])
    for _ in range(4):
        x = _xp().asarray(rng.standard_normal(4))
        ps[0][1](x)
        jitted(x)
    _equal(ps[0][0], ps[1][0])
    assert not isinstance(next(iter(jitted._cache.values())).runner, replay.GraphReplay)


# ---- one CUDA graph per call (cupy backend) ----------------------------------------------------

@pytest.mark.gpu
@pytest.mark.standin
@pytest.mark.parametrize("opt_name", ["adam", "sgd_nesterov_wd"])
def test_training_step_is_one_graph(opt_name, rng):
    with ad.use_backend("cupy"):
        w1, b1, o1, eager = _problem(opt_name)
        w2, b2, o2, step = _problem(opt_name)
        jitted = ad.jit(step)
        for k in range(8):
            if k == 5:
                o1.lr = o2.lr = 0.5 * o1.lr  # read from a slot by the captured graph
            x, y = _data(rng)
            _equal(jitted(x, y), eager(x, y))
        _same_state(o1, o2, [w1, b1], [w2, b2])
        info = _graph_info(jitted)
        first = 2 if opt_name.startswith("sgd") else 1  # SGD's first step is traced apart
        assert info["graph"] == "captured" and info["captures"] == 1
        assert info["graphs"] == 1 and info["uncaptured"] == 0  # no matmul: one graph
        assert info["launches"] == 8 - first - 1  # one plain warm-up call, then the graph


class _BakedAdam(optim.Adam):
    """Adam whose _apply uses Python numbers computed from its state (not from ``s``): a
    compiled step freezes them, so a graph replays the step count it was captured with."""

    def _apply(self, xp, p, g, st, s, group):
        b1, b2 = self.betas
        t = st["t"]
        m, v = st["m"], st["v"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        denom = xp.sqrt(v)
        denom /= (1.0 - b2 ** t) ** 0.5
        denom += self.eps
        p -= self.lr / (1.0 - b1 ** t) * (m / denom)


@pytest.mark.gpu
@pytest.mark.standin
def test_a_baked_step_count_shows_in_the_graph(rng):
    """The check above can fail: the same step with the bias corrections baked into the
    recorded kernels (Python floats) drifts from eager once the graph replays."""
    with ad.use_backend("cupy"):
        runs = []
        for _ in range(2):
            r = np.random.default_rng(1)
            w = ad.tensor(_xp().asarray(r.standard_normal(4)), requires_grad=True)
            o = _BakedAdam([w], lr=0.05)

            def step(x, y, w=w, o=o):
                o.zero_grad()
                gnp.mean((gnp.sum(x * w, axis=1) - y) ** 2).backward()
                o.step()
            runs.append((w, step))
        jitted = ad.jit(runs[1][1])
        for _ in range(6):
            x, y = _data(rng)
            runs[0][1](x, y)
            jitted(x, y)
        assert _graph_info(jitted)["launches"] >= 3
        assert not np.array_equal(to_numpy(runs[0][0]), to_numpy(runs[1][0]))


@pytest.mark.gpu
@pytest.mark.standin
def test_a_parameter_given_a_new_array_is_captured_again(rng):
    with ad.use_backend("cupy"):
        w1, b1, o1, eager = _problem("adam")
        w2, b2, o2, step = _problem("adam")
        jitted = ad.jit(step)
        for k in range(7):
            if k == 4:
                new = np.linspace(-1, 1, 4)
                w1.data = _xp().asarray(new)
                w2.data = _xp().asarray(new)
            x, y = _data(rng)
            _equal(jitted(x, y), eager(x, y))
        _same_state(o1, o2, [w1, b1], [w2, b2])
        info = _graph_info(jitted)
        assert info["recaptures"] == 1 and info["captures"] == 2


@pytest.mark.gpu
@pytest.mark.standin
def test_grad_is_one_tensor_over_the_graph_buffer(rng):
    with ad.use_backend("cupy"):
        w1, b1, o1, eager = _problem("sgd")
        w2, b2, o2, step = _problem("sgd")
        jitted = ad.jit(step)
        held = []
        for _ in range(6):
            x, y = _data(rng)
            eager(x, y)
            jitted(x, y)
            held.append((w2.grad, w2.grad._ver[0], to_numpy(w2.grad)))
        _equal(w1.grad, w2.grad)
        # graph launches 4 and 5 (calls 5 and 6): one Tensor, rewritten in place, version moved
        (g4, v4, a4), (g5, v5, a5) = held[-2:]
        assert g4 is g5 is w2.grad and v5 == v4 + 1
        assert not np.array_equal(a4, a5)
        _equal(g4, a5)  # what a holder of the previous .grad sees: this call's gradient


@pytest.mark.gpu
@pytest.mark.standin
def test_a_matmul_step_is_captured_in_pieces(rng, monkeypatch):
    """CuPy refuses cuBLAS calls while a stream captures: the step becomes graphs between
    the matmuls (tests/test_jit_piecewise.py), with no warning, where the products cannot be
    recorded in the graph otherwise (tests/test_cublas_graph.py)."""
    from gpuad.backends import cublas_graph

    monkeypatch.setattr(cublas_graph, "_S", cublas_graph._State())
    cublas_graph.turn_off("a test of the graphs between matmuls")
    with ad.use_backend("cupy"):
        models = []
        for _ in range(2):
            gnp.random.seed(0)
            m = nn.MLP([4, 8, 3], activation="tanh")
            o = optim.Adam(m.parameters(), lr=0.01)

            def step(x, y, m=m, o=o):
                o.zero_grad()
                loss = nn.mse_loss(m(x), y)
                loss.backward()
                o.step()
                return loss
            models.append((m, step))
        jitted = ad.jit(models[1][1])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                x = _xp().asarray(rng.standard_normal((5, 4)))
                y = _xp().asarray(rng.standard_normal((5, 3)))
                _equal(jitted(x, y), models[0][1](x, y))
        assert not [w for w in caught if "gpuad.jit" in str(w.message)]
        info = _graph_info(jitted)
        assert info["graph"] == "captured" and info["graphs"] > 1 and info["uncaptured"] > 0
        for p, q in zip(models[0][0].parameters(), models[1][0].parameters(), strict=True):
            _equal(p, q)


# ---- the stand-in's stream capture --------------------------------------------------------------

@pytest.mark.gpu
@pytest.mark.standin
def test_capture_runs_nothing_and_a_launch_replays_with_frozen_scalars():
    cupy = pytest.importorskip("cupy")
    a = cupy.ones(3)
    scale = cupy.asarray(np.array(2.0))  # read at each launch
    k = 10.0  # a Python number: frozen into the kernel
    s = cupy.cuda.Stream(non_blocking=True)
    with s:
        s.begin_capture()
        a += 1
        b = a * k * scale
        g = s.end_capture()
    s.synchronize()
    np.testing.assert_array_equal(a.get(), np.ones(3))  # capturing ran nothing
    g.launch(s)
    s.synchronize()
    np.testing.assert_array_equal(b.get(), np.full(3, 40.0))
    k = 100.0  # noqa: F841 - no effect on the graph
    scale[...] = 3.0
    g.launch(s)
    s.synchronize()
    np.testing.assert_array_equal(a.get(), np.full(3, 3.0))
    np.testing.assert_array_equal(b.get(), np.full(3, 90.0))


@pytest.mark.gpu
@pytest.mark.standin
def test_capture_refuses_what_cupy_refuses():
    cupy = pytest.importorskip("cupy")
    if not getattr(cupy, "STANDIN", False):
        pytest.skip("checks the stand-in against CuPy's documented refusals")
    a = cupy.ones((3, 3))
    s = cupy.cuda.Stream(non_blocking=True)
    for bad, err in [(lambda: a @ a, NotImplementedError), (lambda: float(a[0, 0]), RuntimeError),
                     (lambda: cupy.asarray(np.ones(2)), RuntimeError),
                     (lambda: cupy.random.rand(2), NotImplementedError),
                     (lambda: cupy.linalg.inv(a), NotImplementedError)]:
        with s:
            s.begin_capture()
            try:
                with pytest.raises(err):
                    bad()
            finally:
                s.end_capture()
