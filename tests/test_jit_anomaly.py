"""gpuad.detect_anomaly() under gpuad.jit: a program traced with the mode on checks every
replay's own values and raises the eager error (op, shapes, the user's line) before it writes
anything eager would not have written; traced with the mode off, a program holds no check and
NaN flows through as eagerly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.jit.fusion import Options

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

GOOD = [1.0, 2.0, 0.5]
ZERO = [0.0, 2.0, 0.5]  # finite forward; sqrt's adjoint is inf at 0
NEG = [-1.0, 2.0, 0.5]  # sqrt and log of a negative: NaN forward


def _a(v):
    return ad.get_backend().xp.asarray(np.asarray(v, float))


def _t(v):
    return ad.tensor(_a(v), requires_grad=True)


def _error(fn, *args):
    """The text of the AnomalyError ``fn(*args)`` raises (None when it returns)."""
    try:
        with np.errstate(all="ignore"):
            fn(*args)
    except ad.AnomalyError as e:
        return str(e)
    return None


def _checks(prog) -> int:
    return sum(s.op.startswith("check:anomaly:") for _, s in prog.live_steps())


def _loss(x):
    return gnp.sum(gnp.sqrt(x) * (x + 1.0))


def test_forward_nan_on_a_replay(backend):
    f = ad.jit(_loss)
    with ad.detect_anomaly():
        f(_a(GOOD))
        f(_a(GOOD))  # replayed
        want = _error(_loss, _t(NEG))
        assert want is not None and want.startswith("sqrt produced a non-finite value")
        assert "inputs of shapes (3,)" in want and "return gnp.sum(gnp.sqrt(x)" in want
        assert _error(f, _a(NEG)) == want
        assert _error(f, _a(ZERO)) is None  # no backward here: nothing is inf
        assert f.cache_info()["misses"] == 1  # every call after the first replayed
    assert _checks(f.lower(_a(GOOD))) == 0  # anomaly off: another signature, no checks


def test_backward_inf_on_a_replay(backend):
    vg = ad.jit(ad.value_and_grad(_loss))
    with ad.detect_anomaly():
        v, g = vg(_a(GOOD))
        v2, g2 = vg(_a(GOOD))
        np.testing.assert_array_equal(to_numpy(g), to_numpy(g2))
        want = _error(ad.value_and_grad(_loss), _a(ZERO))
        assert want is not None and want.startswith("the adjoint of sqrt for argument 0")
        assert _error(vg, _a(ZERO)) == want
        assert _error(vg, _a(NEG)) == _error(ad.value_and_grad(_loss), _a(NEG))
        assert vg.cache_info()["misses"] == 1
        assert _checks(vg.lower(_a(GOOD))) > 0


def _masked_sqrt(x):  # forward finite everywhere; 0 * inf in backward, zeroed as eagerly
    return gnp.sum(gnp.where(x > 0, gnp.sqrt(gnp.abs(x)), 0.0) * 3.0)


def _masked_log(x):  # the unselected branch is -inf: the forward check of log raises
    return gnp.sum(gnp.where(x > 0, gnp.log(gnp.abs(x)), 0.0))


@pytest.mark.parametrize("fuse", [None, "chunked", "numba"])
def test_masked_values_as_eager(backend, fuse):
    """An intermediate that a where() masks: its adjoint's 0 * inf is zeroed before the
    check, as eagerly (no error), also inside a fused group; a forward -inf in the unselected
    branch raises, as eagerly."""
    if fuse == "numba":
        if backend != "numpy":
            pytest.skip("the numba target is the CPU's")
        pytest.importorskip("numba")
    opts = Options(min_size=0, min_steps=2, target=fuse) if fuse else False
    for f, raises in ((_masked_sqrt, False), (_masked_log, True)):
        vg = ad.jit(ad.value_and_grad(f), fuse=opts)
        with ad.detect_anomaly():
            vg(_a(GOOD))
            want = _error(ad.value_and_grad(f), _a(ZERO))
            assert (want is not None) == raises
            assert _error(vg, _a(ZERO)) == want
            for x in (NEG, GOOD) if raises else (ZERO, NEG):
                v, g = vg(_a(x))
                ev, eg = ad.value_and_grad(f)(_a(x))
                np.testing.assert_allclose(to_numpy(g), to_numpy(eg), rtol=1e-12)
                assert np.isfinite(to_numpy(g)).all()
            assert vg.cache_info()["misses"] == 1
            if fuse and backend == "numpy":
                assert vg.lower(_a(GOOD)).fusion.groups


def _chain(x):
    y = gnp.exp(x * 200.0)  # overflows where x > 3.5
    for _ in range(3):
        y = gnp.tanh(y * 1e-174) * 0.9 + 0.1
    return gnp.sum(y * y)


def test_fused_chain(backend):
    opts = Options(min_size=0)
    big = [1.0, 4.0, -2.0]
    off = ad.jit(ad.value_and_grad(_chain), fuse=opts)
    off(_a(GOOD))
    if backend == "numpy":
        assert off.lower(_a(GOOD)).fusion.groups  # the options do fuse this chain
    with np.errstate(all="ignore"):  # mode off: what eager gives, no error
        _, g = off(_a(big))
        _, eg = ad.value_and_grad(_chain)(_a(big))
    np.testing.assert_array_equal(to_numpy(g), to_numpy(eg))
    vg = ad.jit(ad.value_and_grad(_chain), fuse=opts)
    with ad.detect_anomaly():
        vg(_a(GOOD))
        want = _error(ad.value_and_grad(_chain), _a(big))
        assert want is not None and want.startswith("exp produced a non-finite value")
        assert _error(vg, _a(big)) == want
        _, g = vg(_a(GOOD))
        _, eg = ad.value_and_grad(_chain)(_a(GOOD))
        np.testing.assert_allclose(to_numpy(g), to_numpy(eg), rtol=1e-12)
        assert vg.cache_info()["misses"] == 1


def _model(seed=0):
    w = ad.tensor(_a(np.random.default_rng(seed).standard_normal((4, 3))), requires_grad=True)
    return w, optim.Adam([w], lr=0.01)


def _train_step(w, opt):
    def step(x):
        opt.zero_grad()
        loss = gnp.sum(gnp.sqrt(gnp.abs(x @ w)))
        loss.backward()
        opt.step()
        return loss
    return step


def _state(w, opt):
    st = opt.state[0]
    return (to_numpy(w).copy(), None if w.grad is None else to_numpy(w.grad).copy(),
            opt.step_count, st["t"], to_numpy(st["m"]).copy(), to_numpy(st["v"]).copy())


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y


@pytest.mark.parametrize("graph", [False, True], ids=["plain", "graph"])
def test_training_step_leaves_the_model(backend, graph):
    """A step whose backward (or forward) is not finite raises before the optimizer counts or
    writes anything, as eagerly; the next finite step continues as the eager run does."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4))
    zero = x.copy()
    zero[0] = 0.0  # x @ w is 0 in a row: sqrt's adjoint inf
    nan = x.copy()
    nan[2, 1] = np.nan
    runs = {}
    for how in ("eager", "jit"):
        w, opt = _model()
        step = _train_step(w, opt)
        if how == "jit":
            step = ad.jit(step, graph=graph)
        errors = []
        with ad.detect_anomaly(), warnings.catch_warnings():
            warnings.simplefilter("error")  # no fallback to eager, no failed capture
            for k in range(3):
                step(_a(x * (1 + k)))
            for bad in (zero, nan):
                before = _state(w, opt)
                errors.append(_error(step, _a(bad)))
                after = _state(w, opt)
                _same(before[:1] + before[2:], after[:1] + after[2:])
                if how == "jit":
                    assert after[1] is not None
                    np.testing.assert_array_equal(after[1], before[1])  # .grad untouched
            step(_a(x))
        runs[how] = (errors, _state(w, opt))
        if how == "jit":
            assert step.cache_info()["misses"] == 1
            (entry,) = step.cache_info()["entries"]
            assert entry.get("graph") is None  # checks read at once: no CUDA graph
    assert runs["eager"][0][0].startswith("the adjoint of sqrt")
    assert runs["eager"][0][1].startswith("matmul produced a non-finite value")
    assert runs["jit"][0] == runs["eager"][0]
    eager, jit = runs["eager"][1], runs["jit"][1]
    _same(eager[:1] + eager[2:], jit[:1] + jit[2:])
    np.testing.assert_array_equal(eager[1], jit[1])


def test_graph_replay_without_anomaly(backend):
    """Mode off, the same step is a CUDA graph on the cupy backend (the stand-in) and NaN
    flows into the parameters, as eagerly."""
    w, opt = _model()
    step = ad.jit(_train_step(w, opt), graph=True)
    x = np.random.default_rng(1).standard_normal((5, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            step(_a(x))
    nan = x.copy()
    nan[2, 1] = np.nan
    with np.errstate(all="ignore"):
        step(_a(nan))
    assert np.isnan(to_numpy(w)).any()
    if backend != "numpy":
        (entry,) = step.cache_info()["entries"]
        assert entry["graph"] == "captured" and entry["launches"] >= 1
    assert _checks(step.lower(_a(x))) == 0


def test_grad_of_jit(backend):
    jf = ad.jit(_loss)
    with ad.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error")  # compiled, not run eagerly
        g1 = ad.grad(jf)(_a(GOOD))
        g2 = ad.grad(jf)(_a(GOOD))
        np.testing.assert_array_equal(to_numpy(g1), to_numpy(g2))
        for bad in (ZERO, NEG):
            want = _error(ad.grad(_loss), _a(bad))
            assert want is not None
            assert _error(ad.grad(jf), _a(bad)) == want
        assert jf._pull.cache_info()["misses"] == 1 and jf.cache_info()["misses"] == 1


def test_jit_of_grad(backend):
    jg = ad.jit(ad.grad(_loss))
    with ad.detect_anomaly():
        jg(_a(GOOD))
        for bad in (ZERO, NEG):
            want = _error(ad.grad(_loss), _a(bad))
            assert want is not None
            assert _error(jg, _a(bad)) == want
        np.testing.assert_allclose(to_numpy(jg(_a(GOOD))),
                                   to_numpy(ad.grad(_loss)(_a(GOOD))), rtol=1e-12)
        assert jg.cache_info()["misses"] == 1


def test_vmap_under_jit(backend):
    """Under vmap eager checks the adjoint contributions (every example at once): so does
    jit(vmap(grad(f)))."""
    f = ad.vmap(ad.grad(_loss))
    jf = ad.jit(f)
    good = np.array([GOOD, [2.0, 3.0, 4.0]])
    bad = np.array([GOOD, ZERO])
    with ad.detect_anomaly():
        np.testing.assert_allclose(to_numpy(jf(_a(good))), to_numpy(f(_a(good))), rtol=1e-12)
        want = _error(f, _a(bad))
        assert want is not None and want.startswith("the adjoint of sqrt")
        assert _error(jf, _a(bad)) == want
        assert jf.cache_info()["misses"] == 1


def test_forward_mode_tangents_as_eager(backend):
    """Eagerly, jvp computes tangents on raw arrays, unchecked: an inf tangent is returned,
    compiled or not."""
    t = np.ones(3)

    def f(x):
        return ad.jvp(_loss, (x,), (_a(t),))

    jf = ad.jit(f)
    with ad.detect_anomaly(), np.errstate(all="ignore"):
        jf(_a(GOOD))
        _, tan = jf(_a(ZERO))
        _, etan = f(_a(ZERO))
    assert np.isinf(to_numpy(tan)) and np.isinf(to_numpy(etan))


def test_anomaly_off_flows_through(backend):
    vg = ad.jit(ad.value_and_grad(_loss))
    vg(_a(GOOD))
    with np.errstate(all="ignore"):
        v, g = vg(_a(NEG))
        ev, eg = ad.value_and_grad(_loss)(_a(NEG))
        _, gz = vg(_a(ZERO))
    assert np.isnan(to_numpy(v)) and np.isnan(to_numpy(ev))
    np.testing.assert_array_equal(to_numpy(g), to_numpy(eg))
    assert np.isinf(to_numpy(gz)[0])
    assert _checks(vg.lower(_a(GOOD))) == 0
    with ad.detect_anomaly():  # the mode is part of the signature: traced again, with checks
        assert _error(vg, _a(NEG)) is not None
        assert _checks(vg.lower(_a(GOOD))) > 0
    assert vg.cache_info()["misses"] == 2


def test_mode_entered_inside_the_function(backend):
    """detect_anomaly() entered by the traced function itself: the call's signature has the
    mode off, the program holds the checks its body made, as eagerly."""
    def f(x, masked):
        with ad.detect_anomaly():
            return ad.value_and_grad(_masked_sqrt if masked else _loss)(x)

    for masked in (True, False):
        jf = ad.jit(f, static_argnums=1)
        jf(_a(GOOD), masked)
        want = _error(f, _a(ZERO), masked)
        assert (want is None) == masked
        assert _error(jf, _a(ZERO), masked) == want
        assert jf.cache_info()["misses"] == 1
