"""Optimizer and scheduler cases that the differential fuzzing against torch.optim
(tests/conformance/test_optim_fuzz.py) found wrong, each checked against a NumPy loop of the
update rule: a 0-d parameter whose gradient accumulates over two backward calls, Adagrad's
per-group ``initial_accumulator_value`` and groups added later, a learning rate given as a
Tensor (written in place by schedulers, kept as numbers in ASGD's state).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import optim
from gpuad.optim import lr_scheduler as S


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(np.array(a, dtype=np.float64)), requires_grad=grad)


def test_zero_d_gradient_accumulated_and_zeroed_in_place(backend):
    # two backward calls into a 0-d parameter's .grad made it a NumPy scalar, and the next
    # zero_grad(set_to_none=False) raised instead of writing zeros
    p = _t(1.5)
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    ref, buf = 1.5, None
    for k in range(4):
        opt.zero_grad(set_to_none=False)
        (p * p).backward()
        (p * p * p * (0.1 * k)).backward()
        assert hasattr(p.grad.data, "shape") and p.grad.shape == ()
        opt.step()
        g = 2 * ref + 0.3 * k * ref ** 2
        buf = g if buf is None else 0.5 * buf + g
        ref = ref - 0.1 * buf
        np.testing.assert_allclose(to_numpy(p), ref, rtol=1e-14)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and float(to_numpy(g)) == 0.0


def test_adagrad_group_with_its_own_initial_accumulator_value_raises(backend):
    # torch starts every sum at the constructor's value; the group's was used silently
    w, b = _t([1.0, -2.0]), _t([0.5])
    with pytest.raises(ValueError, match="initial_accumulator_value.*constructor"):
        optim.Adagrad([{"params": [w]}, {"params": [b], "initial_accumulator_value": 0.5}],
                      lr=0.1)
    opt = optim.Adagrad([w], lr=0.1, initial_accumulator_value=0.3)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        opt.add_param_group({"params": [b], "initial_accumulator_value": 0.0})
    assert len(opt.param_groups) == 1


def test_adagrad_group_added_later_starts_at_its_first_step(backend):
    # torch makes the sums of a group added after the constructor at its first step, from
    # the constructor's initial_accumulator_value
    w, b = _t([1.0, -2.0]), _t([0.5, 3.0])
    opt = optim.Adagrad([w], lr=0.1, initial_accumulator_value=0.3, lr_decay=0.1)
    ws, bs = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    acc = {"w": np.full(2, 0.3), "b": np.full(2, 0.3)}
    t = {"w": 0, "b": 0}

    def ref(name, x):
        t[name] += 1
        g = 2 * x
        acc[name] = acc[name] + g * g
        return x - 0.1 / (1 + (t[name] - 1) * 0.1) * g / (np.sqrt(acc[name]) + 1e-10)

    for k in range(5):
        if k == 2:
            opt.add_param_group({"params": [b], "lr": 0.1})
            assert sorted(opt.state_dict()["state"]) == [0]  # no state before its step
        opt.zero_grad()
        ((w * w).sum() + ((b * b).sum() if k >= 3 else 0.0)).backward()
        opt.step()
        ws = ref("w", ws)
        if k >= 3:
            bs = ref("b", bs)
    np.testing.assert_allclose(to_numpy(w), ws, rtol=1e-13)
    np.testing.assert_allclose(to_numpy(b), bs, rtol=1e-13)
    assert opt.state[1]["t"] == 2


def test_tensor_learning_rate_is_scheduled_in_place(backend):
    # torch fills a Tensor lr in place (the tensor passed as lr= follows the schedule);
    # get_last_lr() and initial_lr are copies that later steps leave alone
    lr = ad.tensor(_xp().asarray(0.2))
    p = _t([1.0, -1.0])
    opt = optim.SGD([p], lr=lr)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    first = sched.get_last_lr()
    x = np.array([1.0, -1.0])
    for k in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        sched.step()
        x = x - 0.2 * 0.5 ** k * 2 * x
        assert float(to_numpy(lr)) == 0.2 * 0.5 ** (k + 1)
        assert opt.param_groups[0]["lr"] is lr
    np.testing.assert_allclose(to_numpy(p), x, rtol=1e-14)
    assert float(to_numpy(first[0])) == 0.2
    assert float(to_numpy(opt.param_groups[0]["initial_lr"])) == 0.2
    plateau = S.ReduceLROnPlateau(opt, patience=0, factor=0.1)
    plateau.step(1.0)
    plateau.step(2.0)
    assert float(to_numpy(lr)) == pytest.approx(0.2 * 0.5 ** 3 * 0.1, rel=1e-14)


def test_asgd_tensor_learning_rate_state_round_trip(backend):
    # eta became a 0-d Tensor in the state, and load_state_dict refused it (shape () for a
    # parameter of shape (2,))
    p = _t([1.0, -2.0])
    opt = optim.ASGD([p], lr=ad.tensor(_xp().asarray(0.1)), lambd=0.05, t0=1.0)
    x, ax, eta, mu = np.array([1.0, -2.0]), np.zeros(2), 0.1, 1.0
    for k in range(6):
        if k == 3:
            sd = opt.state_dict()
            opt = optim.ASGD([p], lr=0.5)
            opt.load_state_dict(sd)
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        x = x * (1 - 0.05 * eta) - eta * 2 * x
        ax = ax + mu * (x - ax)
        eta = 0.1 / (1 + 0.05 * 0.1 * (k + 1)) ** 0.75
        mu = 1 / max(1.0, k + 1 - 1.0)
        assert isinstance(opt.state[0]["eta"], float)
    np.testing.assert_allclose(to_numpy(p), x, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(opt.state[0]["ax"]), ax, rtol=1e-14)


def test_tensor_learning_rate_in_a_compiled_step(backend):
    # the update's numbers were computed from the Tensor lr while tracing, and reading them
    # raised TracerError; a schedule writing the tensor is read by the next replay
    lr = ad.tensor(_xp().asarray(0.1))
    p = _t([1.0, -2.0])
    opt = optim.Adam([p], lr=lr, betas=(0.8, 0.9))
    sched = S.ExponentialLR(opt, gamma=0.5)

    def step(c):
        opt.zero_grad()
        loss = ((p - c) ** 2).sum()
        loss.backward()
        opt.step()
        return loss

    f = ad.jit(step)
    x, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for k in range(1, 5):
        f(_xp().asarray(0.5))
        sched.step()
        g = 2 * (x - 0.5)
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        step_lr = 0.1 * 0.5 ** (k - 1)
        x = x - step_lr / (1 - 0.8 ** k) * m / (np.sqrt(v) / np.sqrt(1 - 0.9 ** k) + 1e-8)
    np.testing.assert_allclose(to_numpy(p), x, rtol=1e-13)
    assert f.cache_info()["misses"] == 1


def test_groups_sharing_a_tensor_learning_rate(backend):
    # a Tensor lr given to the constructor is every group's default: one tensor, which torch
    # fills with each group's rate in turn (every group then runs at the last one's); a
    # schedule that gives such groups different rates (or ReduceLROnPlateau, which torch
    # reduces once per group) raises, equal rates are written once
    lr = ad.tensor(_xp().asarray(0.1))
    a, b = _t([1.0]), _t([2.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=lr)
    assert opt.param_groups[0]["lr"] is opt.param_groups[1]["lr"] is lr
    lam = S.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 0.9 ** e])  # epoch 0: equal rates
    opt.step()
    with pytest.raises(ValueError, match="groups 0 and 1 share one Tensor lr"):
        lam.step()
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=lr)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    xa, xb = 1.0, 2.0
    for k in range(3):
        opt.zero_grad()
        (a * a + b * b).sum().backward()
        opt.step()
        sched.step()
        xa, xb = xa - 0.1 * 0.5 ** k * 2 * xa, xb - 0.1 * 0.5 ** k * 2 * xb
    np.testing.assert_allclose([to_numpy(a)[0], to_numpy(b)[0]], [xa, xb], rtol=1e-14)
    assert float(to_numpy(lr)) == 0.1 * 0.5 ** 3
    # a state_dict round trip keeps the groups sharing one tensor, as torch's deepcopy does
    opt2 = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.3)
    opt2.load_state_dict(opt.state_dict())
    g0, g1 = opt2.param_groups
    assert isinstance(g0["lr"], ad.Tensor) and g0["lr"] is g1["lr"] and g0["lr"] is not lr
    plateau = S.ReduceLROnPlateau(opt2, patience=0)
    plateau.step(1.0)
    with pytest.raises(ValueError, match="share one Tensor lr"):
        plateau.step(2.0)


def test_lbfgs_tensor_learning_rate(backend):
    # the first step length min(1, 1/|g|_1) * lr became a Tensor, which the CuPy backend's
    # in-place update refused
    w = _t([1.0, -2.0])
    opt = optim.LBFGS([w], lr=ad.tensor(_xp().asarray(0.5)), max_iter=2, max_eval=5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    x = np.array([1.0, -2.0])
    g = 2 * x
    x = x - min(1.0, 1.0 / np.abs(g).sum()) * 0.5 * g
    # on x.x the curvature pair gives the exact inverse Hessian I/2: the second step is
    # lr times Newton's, x -> x (1 - lr)
    np.testing.assert_allclose(to_numpy(w), x * 0.5, rtol=1e-13)


def test_step_takes_a_closure_and_returns_its_loss(backend):
    # torch's optimizers all take step(closure); it raised TypeError for every one but LBFGS
    p = _t([1.0, -2.0])
    opt = optim.Adam([p], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p * p).sum()
        loss.backward()
        calls.append(ad.is_grad_enabled())
        return loss

    ref, m, v = np.array([1.0, -2.0]), 0.0, 0.0
    with ad.no_grad():  # the closure records its gradient all the same, as torch's
        for k in range(1, 4):
            loss = opt.step(closure)
            assert float(loss) == pytest.approx(float((ref ** 3).sum()))
            g = 3 * ref ** 2
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            ref = ref - 0.1 * (m / (1 - 0.9 ** k)) / (np.sqrt(v / (1 - 0.999 ** k)) + 1e-8)
            np.testing.assert_allclose(to_numpy(p.data), ref, rtol=1e-12)
    assert calls == [True] * 3
    assert opt.step() is None
