"""Checks that read array values (index ranges, domains, branches on values) raise on jit
replays as they do eagerly, instead of being frozen at the traced call's values; and
cross-entropy's label check under CUDA-graph capture (cupy backend: the stand-in), where the
check is read after the launch and the bad call's loss is NaN, unless the program writes
parameters after it (a training step): then the graphs are cut and the call raises at once,
its parameters intact."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F
from gpuad.scipy import special
from gpuad.scipy.stats import dirichlet


def _xp():
    return ad.get_backend().xp


def _a(v, dtype=None):
    return _xp().asarray(np.asarray(v, dtype))


_W = np.random.default_rng(0).standard_normal((5, 3))
_V = np.random.default_rng(1).standard_normal(10)
_L = np.random.default_rng(2).standard_normal((4, 7))
_NAN = np.r_[np.nan, np.nan, _V[2:]]
_A_FULL = np.random.default_rng(3).standard_normal((5, 3))
_A_DEF = _A_FULL.copy()
_A_DEF[:, 2] = _A_DEF[:, 1]

# name: (function, good arguments, bad arguments, exception, jit's check=)
CASES = {
    "embedding_neg": (lambda w, i: F.embedding(i, w), (_W, [0, 4]), (_W, [0, -1]), IndexError),
    "embedding_big": (lambda w, i: F.embedding(i, w), (_W, [0, 4]), (_W, [5, 0]), IndexError),
    "xent_neg": (ad.value_and_grad(lambda x, y: nn.cross_entropy(x, y)), (_L, [0, 1, 2, 6]),
                 (_L, [0, -1, 2, 3]), IndexError),
    "xent_big": (ad.value_and_grad(lambda x, y: nn.cross_entropy(x, y)), (_L, [0, 1, 2, 6]),
                 (_L, [0, 1, 7, 3]), IndexError),
    "average": (lambda a, w: gnp.average(a, weights=w), (_V, np.ones(10)),
                (_V, np.r_[np.ones(5), -np.ones(5)]), ZeroDivisionError),
    "multigammaln": (lambda a: special.multigammaln(a, 3), ([3.0, 2.5],), ([3.0, 0.5],),
                     ValueError),
    "geomspace_zero": (lambda a, b: gnp.geomspace(a, b, 5), (1.0, 10.0), (0.0, 10.0),
                       ValueError),
    "geomspace_sign": (lambda a, b: gnp.geomspace(a, b, 5), (1.0, 10.0), (-1.0, 10.0),
                       ValueError),
    "quantile_q": (lambda a, q: gnp.quantile(a, q), (_V, [0.5]), (_V, [1.5]), ValueError),
    "dirichlet_x": (lambda x, al: dirichlet.logpdf(x, al), ([0.2, 0.3, 0.5], [1.5, 2.0, 3.0]),
                    ([-0.2, 0.7, 0.5], [1.5, 2.0, 3.0]), ValueError),
}
# (where the values choose a result's dtype or shape, real_if_close, lstsq's residuals and
# nanmedian's positions, the program is traced again: tests/test_jit_guards.py)


def _args(vals):
    return tuple(_a(v) for v in vals)


def _raise_by_next_call(j, bad, good, exc):
    """The bad call raises, or (a CUDA graph: its checks are read after its launch) the next
    call does; the error is the eager one."""
    with pytest.raises(exc) as info:
        j(*bad)
        j(*good)
    return str(info.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_checks_values(backend, name):
    f, good, bad, exc = CASES[name]
    good, bad = _args(good), _args(bad)
    j = ad.jit(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):  # traced, replayed (cupy: warm-up, captured)
            j(*good)
        bad_t = tuple(ad.Tensor(b) for b in bad)  # the traced path, as under jit
        with pytest.raises(exc) as eager:
            f(*bad_t)
        if backend == "cupy":  # the checks are captured with the rest, read after launches
            assert j.cache_info()["entries"][0]["graph"] == "captured"
        msg = _raise_by_next_call(j, bad, good, exc)
        core = msg.split(" (found after the launch")[0]  # the eager text, its op's prefix
        assert core == str(eager.value), (msg, str(eager.value))  # included
        j(*good)  # reported once: later calls run


def _put_along(a, i):
    b = a * 1.0
    gnp.put_along_axis(b, i, 0.0, 0)
    return b


_M = np.random.default_rng(4).standard_normal((3, 10))

# values library code computed on raw arrays (NumPy ufuncs and methods, tuples of arrays),
# which a program must compute on each call: name -> (function, traced args, new args)
FRESH = {
    "put_along_axis": (_put_along, (_V, [1]), (_V, [-1])),
    "matrix_rank": (gnp.linalg.matrix_rank, (_A_FULL,), (_A_DEF,)),
    "eigvalsh_svd": (lambda a: gnp.linalg.svd(a, compute_uv=False, hermitian=True),
                     (_A_FULL.T @ _A_FULL,), (-_A_FULL.T @ _A_FULL,)),
    "cov_aweights": (lambda m, w: gnp.cov(m, aweights=w), (_M, np.ones(10)),
                     (_M, np.arange(1.0, 11.0))),
    "quantile_q": (gnp.quantile, (_V, [0.5, 0.25]), (_V, [0.9, 0.1])),
}


@pytest.mark.parametrize("name", sorted(FRESH))
def test_replay_computes_raw_values(backend, name):
    f, traced, new = FRESH[name]
    if backend == "cupy" and name in ("matrix_rank", "eigvalsh_svd"):
        pytest.skip("the stand-in's linalg on stacks (eager too)")
    j = ad.jit(f)
    for _ in range(3):
        j(*_args(traced))
    got = j(*_args(new))
    want = f(*(ad.Tensor(a) for a in _args(new)))
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-12, atol=1e-12)


def test_median_nan_on_replay(backend):
    """median's NaN result where a slice holds a NaN: decided per call, not at the trace."""
    j = ad.jit(gnp.median)
    for _ in range(3):
        j(_a(_V))
    assert np.isnan(float(j(_a(_NAN))))
    np.testing.assert_allclose(float(j(_a(_V))), np.median(_V))


# ---- cross-entropy in a training step on the CUDA-graph path ------------------------------

def _train(seed=0):
    r = np.random.default_rng(seed)
    xp = _xp()
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4))
    opt = optim.SGD(model.parameters(), lr=0.1)

    @ad.jit
    def step(x, y):
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    x = xp.asarray(r.standard_normal((5, 6)))
    good = xp.asarray(np.array([0, 1, 2, 3, 0]))
    bad = xp.asarray(np.array([0, 1, -1, 3, 0]))
    return model, step, x, good, bad


def test_xent_step_cpu_raises_at_once(backend):
    if backend != "numpy":
        pytest.skip("the CPU replay")
    _, step, x, good, bad = _train()
    for _ in range(3):
        step(x, good)
    with pytest.raises(IndexError, match="first being -1"):
        step(x, bad)


def _state(model, opt):
    params = [to_numpy(p).copy() for p in model.parameters()]
    states = opt.state.values() if isinstance(opt.state, dict) else opt.state
    moments = [to_numpy(v).copy() for st in states for v in st.values() if hasattr(v, "shape")]
    return params, moments, opt.step_count


def test_xent_training_step_leaves_parameters_intact(backend):
    """A bad label in a compiled training step raises at that call (on the CUDA-graph path
    too: the graphs are cut before the update), with the parameters, Adam's moments and its
    step counter as they were; later steps equal an eager twin's."""
    r = np.random.default_rng(0)
    xp = _xp()

    def make():
        model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4))
        return model, optim.Adam(model.parameters(), lr=0.05)

    model, opt = make()
    twin, twin_opt = make()
    for a, b in zip(twin.parameters(), model.parameters(), strict=True):
        a.data = b.data.copy()

    def step(x, y, model=model, opt=opt):
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    j = ad.jit(step)
    x = xp.asarray(r.standard_normal((5, 6)))
    good, bad = xp.asarray(np.array([0, 1, 2, 3, 0])), xp.asarray(np.array([0, 1, 4, 3, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "could not be captured" warning
        for _ in range(3):
            j(x, good)
            step(x, good, twin, twin_opt)
    before = _state(model, opt)
    with pytest.raises(IndexError, match="first being 4"):
        j(x, bad)
    after = _state(model, opt)
    assert after[2] == before[2]
    for a, b in zip(after[0] + after[1], before[0] + before[1], strict=True):
        np.testing.assert_array_equal(a, b)
    for _ in range(2):
        j(x, good)
        step(x, good, twin, twin_opt)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12, atol=1e-14)
    if backend == "cupy":
        info = j.cache_info()["entries"][0]
        assert info["graph"] == "captured" and info["check_cuts"] == 1, info


def _grad_step(seed=0):
    """A compiled loss and gradient (it writes nothing the caller sees: its label check is
    read after the launch)."""
    r = np.random.default_rng(seed)
    xp = _xp()
    w = ad.tensor(xp.asarray(r.standard_normal((6, 4))))  # (results are Tensors)
    step = ad.jit(ad.value_and_grad(lambda w, x, y: nn.cross_entropy(gnp.tanh(x @ w), y)))
    x = xp.asarray(r.standard_normal((5, 6)))
    good = xp.asarray(np.array([0, 1, 2, 3, 0]))
    bad = xp.asarray(np.array([0, 1, -1, 3, 0]))
    return step, w, x, good, bad


def test_xent_step_is_captured_and_reports_next_call(backend):
    if backend != "cupy":
        pytest.skip("CUDA-graph capture: the cupy backend")
    step, w, x, good, bad = _grad_step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "could not be captured" warning
        losses = [float(step(w, x, good)[0]) for _ in range(4)]
    info = step.cache_info()["entries"][0]
    assert info["graph"] == "captured" and info["launches"] == 2, info
    assert all(np.isfinite(losses)) and info["check_cuts"] == 0
    loss, grad = step(w, x, bad)  # no error yet: nothing was read on the host
    assert np.isnan(to_numpy(loss))  # the bad row's loss is NaN, so is the mean
    assert np.isnan(to_numpy(grad)).any()  # and the gradient: never finite and wrong
    with pytest.raises(IndexError, match=r"for 4 classes; got 1 outside it, the first being -1"
                       r".*earlier call.*launch 3") as e:
        step(w, x, good)
    assert "labels must lie in [0, 4)" in str(e.value)
    step(w, x, good)  # reported once; the graph runs on
    info = step.cache_info()["entries"][0]
    # (captured once more only when the labels, read in place, became another array)
    assert info["captures"] == 1 + info["input_switches"] == 2


def test_xent_step_reports_on_host_read(backend):
    if backend != "cupy":
        pytest.skip("CUDA-graph capture: the cupy backend")
    _, w, x, good, bad = _grad_step()
    step = ad.jit(lambda w, x, y: nn.cross_entropy(gnp.tanh(x @ w), y))  # a Tensor loss
    for _ in range(3):
        step(w, x, good)
    loss = step(w, x, bad)
    with pytest.raises(IndexError, match="first being -1"):
        float(loss)


def test_xent_step_check_kept_until_launch_completes(backend, monkeypatch):
    """A launch not yet complete is not waited for: its check is read by a later call, and
    the device buffer keeps the first failure through later launches."""
    if backend != "cupy":
        pytest.skip("CUDA-graph capture: the cupy backend")
    import cupy

    if not getattr(cupy, "STANDIN", False):
        pytest.skip("patches the stand-in's Event.done (CuPy's Event is an extension type)")
    step, w, x, good, bad = _grad_step()
    for _ in range(3):
        step(w, x, good)
    monkeypatch.setattr(cupy.cuda.Event, "done", property(lambda self: False))
    step(w, x, bad)
    step(w, x, good)  # launch 1 still "running": not read, nothing waits
    step(w, x, good)
    monkeypatch.setattr(cupy.cuda.Event, "done", property(lambda self: True))
    # (launch 1 was read when the other labels array made the graph capture again)
    with pytest.raises(IndexError, match=r"first being -1.*launches 2 to 4"):
        step(w, x, good)


def test_xent_eager_cupy_raises_at_once(backend):
    logits, bad = _a(_L), _a([0, 1, 7, 3])
    with pytest.raises(IndexError, match="first being 7"):
        nn.cross_entropy(logits, bad)
