"""Piecewise CUDA-graph capture: a program with steps CuPy refuses to capture (cuBLAS matmuls,
cuSOLVER) becomes graphs between those steps, which run plainly in between. On the stand-in
a capture records what runs and a launch replays it, so a later graph that read an array
other than the one an uncaptured step writes each call would replay stale values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.backends import cublas_graph
from gpuad.jit import replay

pytestmark = [pytest.mark.gpu, pytest.mark.standin]


@pytest.fixture(autouse=True)
def _products_between_graphs():
    """Matrix products kept out of the graphs, as where cuBLAS cannot be called directly (on a
    GPU they are recorded in the graphs: tests/test_cublas_graph.py)."""
    cublas_graph.use_library(None)
    cublas_graph.turn_off("tests of the graphs between refused steps")
    yield
    cublas_graph.use_library(None)

OPTS = {
    "adam": lambda ps: optim.Adam(ps, lr=0.01),
    "sgd_momentum": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
}


def _xp():
    return ad.get_backend().xp


def _mlp_step(opt_name, seed=0):
    gnp.random.seed(seed)
    m = nn.MLP([6, 16, 8, 3], activation="tanh", dtype=np.float32)
    opt = OPTS[opt_name](m.parameters())

    def step(x, y):
        opt.zero_grad()
        loss = nn.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss
    return m, opt, step


def _batch(rng):
    xp = _xp()
    return (xp.asarray(rng.standard_normal((10, 6)).astype(np.float32)),
            xp.asarray(rng.standard_normal((10, 3)).astype(np.float32)))


def _info(j):
    (entry,) = j.cache_info()["entries"]
    return entry


def _run_pair(opt_name, rng, calls=7):
    """An eager and a jitted MLP training step from the same start, fed the same batches;
    returns (eager model, jitted model, jitted step, per-call losses)."""
    m1, o1, eager = _mlp_step(opt_name)
    m2, o2, step = _mlp_step(opt_name)
    jitted = ad.jit(step)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning
        for _ in range(calls):
            x, y = _batch(rng)
            losses.append((to_numpy(eager(x, y)), to_numpy(jitted(x, y))))
    return m1, m2, jitted, losses


@pytest.mark.parametrize("opt_name", list(OPTS))
def test_mlp_training_step_is_graphs_between_matmuls(opt_name, rng):
    with ad.use_backend("cupy"):
        m1, m2, jitted, losses = _run_pair(opt_name, rng)
        for a, b in losses:
            np.testing.assert_array_equal(a, b)
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            np.testing.assert_array_equal(to_numpy(p), to_numpy(q))
            np.testing.assert_array_equal(to_numpy(p.grad), to_numpy(q.grad))
        info = _info(jitted)
        assert info["graph"] == "captured" and info["captures"] == 1
        assert info["recaptures"] == 0
        first = 2 if opt_name.startswith("sgd") else 1  # SGD's first step is traced apart
        assert info["launches"] == 7 - first - 1  # one plain warm-up call
        # every float matmul (forward and backward) is left out, found by CuPy's refusal
        prog = jitted.lower(*_batch(rng))
        matmuls = sum(s.op == "matmul" for _, s in prog.live_steps())
        assert matmuls >= 5
        assert info["uncaptured"] == matmuls
        assert info["graphs"] == matmuls + 1


def test_a_matmul_result_in_a_fresh_array_gives_stale_values(rng, monkeypatch):
    """The check above can fail: if an uncaptured matmul's result went to a fresh array (not
    written with ``out=`` or copied into the array the graphs after it read), they would
    replay the values of the capture."""
    monkeypatch.setattr(replay.Compiled, "_again_lines", lambda self, step, lines: lines)
    monkeypatch.setattr(replay, "_into", lambda dst, src: None)
    with ad.use_backend("cupy"), np.errstate(all="ignore"):  # (stale values may overflow)
        m1, m2, jitted, losses = _run_pair("adam", rng)
        assert _info(jitted)["uncaptured"] > 0
        assert not all(np.array_equal(a, b) for a, b in losses)


def test_matmuls_write_into_the_captured_arrays(rng, monkeypatch):
    """Between graphs a matmul writes with ``out=`` (no copy left to make)."""
    def no_copy(dst, src):
        assert dst is src
    monkeypatch.setattr(replay, "_into", no_copy)
    with ad.use_backend("cupy"):
        m1, m2, jitted, losses = _run_pair("sgd_momentum", rng, calls=5)
        for a, b in losses:
            np.testing.assert_array_equal(a, b)
        assert _info(jitted)["uncaptured"] == 8


def test_a_matmul_free_step_is_one_graph(rng):
    with ad.use_backend("cupy"):
        w = ad.tensor(_xp().asarray(np.linspace(-1, 1, 6, dtype=np.float32)),
                      requires_grad=True)
        opt = optim.Adam([w], lr=0.01)

        def step(x, y):
            opt.zero_grad()
            loss = gnp.mean((gnp.sum(x * w, axis=1) - y[:, 0]) ** 2)
            loss.backward()
            opt.step()
            return loss
        jitted = ad.jit(step)
        for _ in range(4):
            jitted(*_batch(rng))
        info = _info(jitted)
        assert info["graph"] == "captured"
        assert info["graphs"] == 1 and info["uncaptured"] == 0


@pytest.mark.parametrize("copy", ["copy", "no_copy"])
def test_a_solve_between_graphs(rng, monkeypatch, copy):
    """cuSOLVER is refused too: a value_and_grad through solve is graphs around it, the
    solve's result copied into the array the next graph reads (without the copy, the check
    fails)."""
    if copy == "no_copy":
        monkeypatch.setattr(replay, "_into", lambda dst, src: None)
    with ad.use_backend("cupy"):
        xp = _xp()
        a = xp.asarray(rng.standard_normal((4, 4)) + 4 * np.eye(4))

        def f(a, b):
            return gnp.sum(gnp.tanh(gnp.linalg.solve(a, gnp.sin(b))) ** 2)
        vg = ad.value_and_grad(f, argnums=(0, 1))
        jitted = ad.jit(vg)
        same = []
        for _ in range(5):
            b = xp.asarray(rng.standard_normal(4))
            (v1, (ga1, gb1)), (v2, (ga2, gb2)) = vg(a, b), jitted(a, b)
            same += [np.array_equal(to_numpy(p), to_numpy(q))
                     for p, q in [(v1, v2), (ga1, ga2), (gb1, gb2)]]
        assert all(same) if copy == "copy" else not all(same)
        info = _info(jitted)
        assert info["graph"] == "captured" and info["uncaptured"] >= 1
        assert info["launches"] == 3


def test_piecewise_failure_replays_without_a_graph_with_a_warning(rng, monkeypatch):
    def fail(*a, **k):
        raise RuntimeError("operation not permitted when stream is capturing")
    monkeypatch.setattr(replay, "capture_pieces", fail)
    with ad.use_backend("cupy"):
        m1, o1, eager = _mlp_step("adam")
        m2, o2, step = _mlp_step("adam")
        jitted = ad.jit(step)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                x, y = _batch(rng)
                np.testing.assert_array_equal(to_numpy(jitted(x, y)), to_numpy(eager(x, y)))
        assert any("could not be captured" in str(w.message) for w in caught)
        assert _info(jitted)["graph"].startswith("failed: RuntimeError")
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            np.testing.assert_array_equal(to_numpy(p), to_numpy(q))


def test_a_weight_given_a_new_array_is_captured_again_in_pieces(rng):
    with ad.use_backend("cupy"):
        m1, o1, eager = _mlp_step("adam")
        m2, o2, step = _mlp_step("adam")
        jitted = ad.jit(step)
        for k in range(7):
            if k == 4:
                new = np.linspace(-1, 1, 6 * 16, dtype=np.float32).reshape(16, 6)
                m1[0].weight.data = _xp().asarray(new)
                m2[0].weight.data = _xp().asarray(new)
            x, y = _batch(rng)
            np.testing.assert_array_equal(to_numpy(jitted(x, y)), to_numpy(eager(x, y)))
        for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
            np.testing.assert_array_equal(to_numpy(p), to_numpy(q))
        info = _info(jitted)
        assert info["recaptures"] == 1 and info["captures"] == 2 and info["uncaptured"] == 8
