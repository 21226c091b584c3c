"""Hard cases of the semantics in docs/semantics.md: kinks, NaN in unselected branches,
control flow, versions and views, randomness under recomputation, side effects, anomaly
detection and deterministic scatter-add."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import rules


def _g(f, x):
    return to_numpy(ad.grad(f)(ad.tensor(np.asarray(x, dtype=float))))


# ---- subgradients at kinks --------------------------------------------------------------------

def test_abs_at_zero_is_zero(backend):
    np.testing.assert_array_equal(_g(lambda x: gnp.sum(gnp.abs(x)), [0.0, 2.0, -3.0]),
                                  [0.0, 1.0, -1.0])


def test_relu_at_zero_is_zero(backend):
    np.testing.assert_array_equal(_g(lambda x: gnp.sum(rules.relu(x)), [0.0, 2.0, -3.0]),
                                  [0.0, 1.0, 0.0])


def test_max_min_ties_split_evenly(backend):
    np.testing.assert_array_equal(_g(gnp.max, [1.0, 3.0, 3.0, 3.0]), [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(_g(gnp.min, [2.0, 2.0, 5.0]), [0.5, 0.5, 0.0])
    g = _g(lambda x: gnp.sum(gnp.max(x, axis=1)), [[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_array_equal(g, [[0.5, 0.5], [0.0, 1.0]])


def test_maximum_minimum_ties_split_evenly(backend):
    x = ad.tensor(np.array([2.0, 2.0, 1.0]), requires_grad=True)
    y = ad.tensor(np.array([2.0, 1.0, 3.0]), requires_grad=True)
    gnp.sum(gnp.maximum(x, y) + 10 * gnp.minimum(x, y)).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [5.5, 1.0, 10.0])
    np.testing.assert_array_equal(to_numpy(y.grad), [5.5, 10.0, 1.0])


def test_clip_passes_adjoint_on_closed_interval(backend):
    g = _g(lambda x: gnp.sum(gnp.clip(x, 0.0, 1.0)), [-0.5, 0.0, 0.5, 1.0, 1.5])
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_norm_at_zero_is_zero(backend):
    np.testing.assert_array_equal(_g(gnp.linalg.norm, [0.0, 0.0, 0.0]), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(_g(gnp.linalg.norm, [3.0, 4.0]), [0.6, 0.8])
    g = _g(lambda x: gnp.sum(gnp.linalg.norm(x, axis=1)), [[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]])


def test_sqrt_at_zero_is_infinite_outside_where(backend):
    # no subgradient is invented where the derivative really is infinite
    g = _g(lambda x: gnp.sum(gnp.sqrt(x)), [0.0, 4.0])
    assert math.isinf(g[0]) and g[1] == 0.25


# ---- where and NaN in the unselected branch ---------------------------------------------------

@pytest.mark.parametrize("branch", ["sqrt", "log", "div", "exp_overflow", "arcsin"])
def test_where_keeps_nan_of_unselected_branch_out(backend, branch):
    x0 = np.array([-1.0, 0.0, 0.5, 800.0])
    fns = {
        "sqrt": lambda x: gnp.sqrt(x),
        "log": lambda x: gnp.log(x),
        "div": lambda x: 1.0 / x,
        "exp_overflow": lambda x: gnp.exp(x),
        "arcsin": lambda x: gnp.arcsin(x),
    }
    h = fns[branch]

    def f(x):
        safe = (x > 0) & (x < 10)
        return gnp.sum(gnp.where(safe, h(x), x * 0.0))

    with np.errstate(all="ignore"):
        g = _g(f, x0)
    assert np.isfinite(g).all(), g
    assert g[0] == 0.0 and g[1] == 0.0 and g[3] == 0.0


def test_where_nan_second_order_and_forward_mode(backend):
    def f(x):
        return gnp.sum(gnp.where(x > 0, gnp.sqrt(x) ** 3, x * 0.0))

    x0 = np.array([-1.0, 0.0, 4.0])
    with np.errstate(all="ignore"):
        h = to_numpy(ad.hessian(f)(ad.tensor(x0)))
        _, t = ad.jvp(f, (ad.tensor(x0),), (ad.tensor(np.ones(3)),))
    np.testing.assert_allclose(h, np.diag([0.0, 0.0, 0.75 / 2]))
    np.testing.assert_allclose(float(to_numpy(t)), 1.5 * 2)


def test_nan_in_selected_branch_does_propagate(backend):
    with np.errstate(all="ignore"):
        g = _g(lambda x: gnp.sum(gnp.where(x > -5, gnp.sqrt(x), 0.0)), [-1.0, 4.0])
    assert np.isnan(g[0]) and g[1] == 0.25


# ---- control flow: the executed trace is differentiated ---------------------------------------

def test_python_control_flow_follows_the_executed_branch(backend):
    def f(x):
        s = gnp.sum(x)
        if float(s) > 0:
            y = x * x
        else:
            y = gnp.sin(x)
        for _ in range(3):
            y = y * 2
        return gnp.sum(y)

    np.testing.assert_allclose(_g(f, [1.0, 2.0]), 8 * 2 * np.array([1.0, 2.0]))
    np.testing.assert_allclose(_g(f, [-1.0, -2.0]), 8 * np.cos([-1.0, -2.0]))


def test_while_loop_on_values(backend):
    def f(x):
        n = 0
        while float(gnp.sum(x)) < 10:
            x = x * 2
            n += 1
        return gnp.sum(x)

    np.testing.assert_allclose(_g(f, [1.0, 1.0]), [8.0, 8.0])  # 3 doublings


# ---- in-place writes, versions and views ------------------------------------------------------

def test_inplace_on_intermediate_is_differentiated(backend):
    x = ad.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 2
    y[0] = 0.0
    y *= y
    gnp.sum(y).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0.0, 16.0, 24.0])


def test_inplace_write_bumps_version_and_setitem_value_gets_gradient(backend):
    x = ad.tensor(np.zeros(3), requires_grad=True)
    v = ad.tensor(np.array([5.0]), requires_grad=True)
    y = x * 1
    ver = y._ver[0]
    y[1:2] = v * 3
    assert y._ver[0] == ver + 1
    gnp.sum(y * y).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(to_numpy(v.grad), [90.0])


def test_views_share_the_version_counter(backend):
    x = ad.tensor(np.arange(4.0), requires_grad=True)
    y = gnp.exp(x * 1)
    v = y[1:3]
    r = gnp.reshape(y, (2, 2))
    assert v._ver is y._ver and r._ver is y._ver
    loss = gnp.sum(r)  # recorded before the write
    with ad.no_grad():
        v[0] = 100.0  # a write through a view bumps the base's version
    assert y._ver[0] == 1 and float(to_numpy(y)[1]) == 100.0
    # using the base (or another view) recorded at the old version is refused ...
    with pytest.raises(ad.GradError, match="modified in place through another view"):
        gnp.sum(y)
    with pytest.raises(ad.GradError, match="modified in place through another view"):
        gnp.sum(r)
    # ... and so is a backward through exp, whose saved output was overwritten
    with pytest.raises(ad.GradError, match="exp: its output .*version 0.*now version 1"):
        loss.backward()
    assert x.grad is None


def test_optimizer_step_under_no_grad_is_allowed(backend):
    w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    for _ in range(3):
        loss = gnp.sum(w * w)
        loss.backward()
        with ad.no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    np.testing.assert_allclose(to_numpy(w), [0.125, 0.25])
    assert w.is_leaf and w.requires_grad


def test_detach_shares_data_and_version(backend):
    x = ad.tensor(np.arange(3.0), requires_grad=True)
    y = gnp.exp(x * 1)
    d = y.detach()
    d[0] = -1.0  # allowed (d does not require grad) ...
    assert float(to_numpy(y)[0]) == -1.0
    with pytest.raises(ad.GradError, match="modified in place"):  # ... but y is now stale
        gnp.sum(y).backward()


# ---- randomness and side effects --------------------------------------------------------------

def test_checkpoint_replays_random_draws(backend):
    gnp.random.seed(123)
    n = 1000

    def block(h):
        mask = gnp.random.rand(n) > 0.5
        return h * mask * 2.0

    f = ad.checkpoint(block)
    x = ad.tensor(np.ones(n), requires_grad=True)
    y = f(x)
    gnp.sum(y * y).backward()
    # the recomputed mask equals the one used in forward: grad = 2 * y * mask * 2 = 4 * y
    np.testing.assert_array_equal(to_numpy(x.grad), 4 * to_numpy(y))
    assert 300 < int((to_numpy(y) > 0).sum()) < 700


def test_draws_outside_checkpoint_advance_normally(backend):
    gnp.random.seed(0)
    a = to_numpy(gnp.random.rand(4))
    b = to_numpy(gnp.random.rand(4))
    assert not np.array_equal(a, b)


def test_side_effects_run_once_per_trace_and_again_under_checkpoint(backend):
    calls = []

    def block(h):
        calls.append(1)
        return gnp.tanh(h) * 2

    x0 = ad.tensor(np.array([0.1, 0.2]))
    ad.grad(lambda x: gnp.sum(block(x)))(x0)
    assert len(calls) == 1
    calls.clear()
    ad.grad(lambda x: gnp.sum(ad.checkpoint(block)(x)))(x0)
    assert len(calls) == 2  # forward, then recomputation in backward
    calls.clear()
    ad.hessian(lambda x: gnp.sum(block(x)))(x0)
    assert len(calls) == 1  # jacfwd(jacrev): the jvp columns are one vmapped (batched) trace


# ---- detect_anomaly ---------------------------------------------------------------------------

def _line_of(marker: str) -> int:
    with open(inspect.getfile(_line_of)) as fh:
        for k, line in enumerate(fh, 1):
            if marker in line and "_line_of" not in line:
                return k
    raise AssertionError(marker)


def test_detect_anomaly_forward(backend):
    x = ad.tensor(np.array([[0.0, 1.0, 2.0]]), requires_grad=True)
    with ad.detect_anomaly(), np.errstate(all="ignore"):
        h = gnp.exp(x)
        with pytest.raises(ad.AnomalyError) as ei:
            gnp.log(h - 1.0)  # ANOMALY-FWD
    msg = str(ei.value)
    assert msg.startswith("log ")
    assert "(1, 3)" in msg
    assert f"test_hard_cases.py:{_line_of('# ANOMALY-FWD')}" in msg
    # off again after the block, and zero checks when off
    with np.errstate(all="ignore"):
        y = gnp.log(h - 1.0)
    assert np.isinf(to_numpy(y)[0, 0])


def test_detect_anomaly_backward(backend):
    x = ad.tensor(np.array([[0.0, 4.0]]), requires_grad=True)
    w = ad.tensor(np.ones((2, 3)))
    with ad.detect_anomaly(), np.errstate(all="ignore"):
        r = gnp.sqrt(x)  # ANOMALY-BWD (finite value, infinite derivative at 0)
        loss = gnp.sum(r @ w)
        with pytest.raises(ad.AnomalyError) as ei:
            loss.backward()
    msg = str(ei.value)
    assert "adjoint of sqrt" in msg and "(1, 2)" in msg
    assert f"test_hard_cases.py:{_line_of('# ANOMALY-BWD')}" in msg
    assert x.grad is None


def test_detect_anomaly_ignores_guarded_where(backend):
    x = ad.tensor(np.array([-1.0, 4.0]), requires_grad=True)
    with ad.detect_anomaly(), np.errstate(all="ignore"):
        s = gnp.sqrt(gnp.where(x > 0, x, 1.0))  # the safe-where idiom: all values finite
        gnp.sum(gnp.where(x > 0, s, 0.0)).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0.0, 0.25])


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_detect_anomaly_passes_infinities_given_as_data(backend, jit):
    """An op is reported where it makes a NaN or an infinity, not where it passes on one given
    as data: max pooling with padding (a -inf padding inside) and a -inf attention mask raised
    "concatenate produced a non-finite value" on finite input; NaN in the data is still
    reported at the first op reading it, and a row masked whole where softmax makes its NaN."""
    import gpuad.nn.functional as F

    x = ad.tensor(np.array([[[0.5, -1.0, 2.0, 0.25, -0.5]]]), requires_grad=True)
    mask = gnp.where(gnp.arange(5) > 2, -np.inf, 0.0)

    def run(f, *args):
        return (ad.jit(ad.value_and_grad(f)) if jit else ad.value_and_grad(f))(*args)

    with ad.detect_anomaly(), np.errstate(all="ignore"):
        v, g = run(lambda x: gnp.sum(F.max_pool1d(x, 3, stride=2, padding=1)), x)
        assert float(v) == 0.5 + 2.0 + 0.25  # windows [pad, .5, -1], [-1, 2, .25], [.25, -.5, pad]
        np.testing.assert_array_equal(to_numpy(g), [[[1.0, 0.0, 1.0, 1.0, 0.0]]])
        v, g = run(lambda x: gnp.sum(F.softmax(x + mask, dim=-1)[..., 0]), x)
        e = np.exp([0.5, -1.0, 2.0])
        assert float(v) == pytest.approx(e[0] / e.sum(), rel=1e-14)
        with pytest.raises(ad.AnomalyError, match="^subtract produced"):
            run(lambda x: gnp.sum(F.softmax(x * 0.0 - np.inf, dim=-1)), x)
        nan = ad.tensor(np.array([[[0.5, np.nan, 2.0, 0.25, -0.5]]]), requires_grad=True)
        with pytest.raises(ad.AnomalyError, match="produced a non-finite value"):
            run(lambda x: gnp.sum(x * 2.0), nan)


def test_detect_anomaly_is_off_by_default():
    from gpuad import _state

    assert _state.flags["anomaly"] is False


# ---- deterministic scatter-add ----------------------------------------------------------------

def test_deterministic_scatter_add_is_bitwise_reproducible(backend):
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(64).astype(np.float32)
    idx = rng.integers(0, 8, size=20000)  # many repeats per index
    w0 = rng.standard_normal(20000).astype(np.float32) * 1e3
    xp = ad.get_backend().xp
    idx_d, w_d = xp.asarray(idx), xp.asarray(w0)

    def run():
        x = ad.tensor(xp.asarray(x0), requires_grad=True)
        gnp.sum(x[idx_d] * w_d).backward()
        return to_numpy(x.grad)

    prev = ad.is_deterministic()
    ad.set_deterministic(True)
    try:
        assert ad.is_deterministic()
        a, b = run(), run()
    finally:
        ad.set_deterministic(prev)
    assert a.tobytes() == b.tobytes()
    ref = np.zeros(64, np.float64)
    np.add.at(ref, idx, w0.astype(np.float64))
    np.testing.assert_allclose(a, ref, rtol=1e-4, atol=1e-2)
