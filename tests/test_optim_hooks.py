"""Optimizer hooks as torch.optim's (``register_step_pre_hook``/``_post_hook``, the global
``register_optimizer_step_*_hook``, ``state_dict`` and ``load_state_dict`` pre/post hooks):
before, gpuad's optimizers had none (AttributeError). Step hooks inside ``gpuad.jit`` are
refused, as a replay would skip them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.jit import TracerError
from gpuad.optim import optimizer as optimizer_module


def _param():
    return ad.tensor(ad.get_backend().xp.asarray(np.array([1.0, 2.0])), requires_grad=True)


def _grad(p, v):
    p.grad = ad.tensor(ad.get_backend().xp.asarray(np.array(v)))


def test_step_hooks_order_and_a_pre_hook_swapping_the_closure(backend):
    p = _param()
    opt = optim.SGD([p], lr=0.5)
    log = []

    def closure():
        _grad(p, [1.0, 1.0])
        return "first"

    def other():
        _grad(p, [3.0, -1.0])
        return "other"
    g = optimizer_module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("g"))
    try:
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", a[0] is o)))
        swap = opt.register_step_pre_hook(lambda o, a, k: ((a[0], other), k))
        h = opt.register_step_post_hook(lambda o, a, k: log.append(("post", a[1]())))
        assert opt.step(closure) == "other"
        # p - 0.5 * [3, -1]
        np.testing.assert_allclose(to_numpy(p), [-0.5, 2.5], rtol=0, atol=1e-15)
        swap.remove()
        h.remove()
        assert opt.step(closure) == "first"
    finally:
        g.remove()
    assert log == ["g", ("pre", True), ("post", "other"), "g", ("pre", True)]
    np.testing.assert_allclose(to_numpy(p), [-1.0, 2.0], rtol=0, atol=1e-15)


def test_a_subclass_step_calling_super_runs_the_hooks_once(backend):
    class Mine(optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    p = _param()
    opt = Mine([p], lr=0.1)
    calls = []
    opt.register_step_post_hook(lambda o, a, k: calls.append(1))
    _grad(p, [1.0, 1.0])
    opt.step()
    assert calls == [1]
    np.testing.assert_allclose(to_numpy(p), [0.9, 1.9], rtol=1e-15)


def test_state_dict_and_load_hooks(backend):
    p = _param()
    opt = optim.Adam([p], lr=0.1)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "note": "x"})
    sd = opt.state_dict()
    assert sd["note"] == "x" and seen == ["pre"]

    def halve(o, s):
        return {**s, "param_groups": [dict(g, lr=0.05) for g in s["param_groups"]]}
    opt.register_load_state_dict_pre_hook(halve)
    opt.register_load_state_dict_post_hook(lambda o: seen.append(o.param_groups[0]["lr"]))
    opt.load_state_dict(sd)
    assert seen == ["pre", 0.05]
    assert opt.param_groups[0]["lr"] == 0.05


def test_lbfgs_step_hooks(backend):
    p = _param()
    opt = optim.LBFGS([p], max_iter=1)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    opt.step(closure)
    assert calls == ["pre", "post"]


def test_step_hooks_refused_inside_jit(backend):
    p = _param()
    opt = optim.SGD([p], lr=0.1)

    @ad.jit
    def train(x):
        opt.zero_grad()
        loss = (p * x).sum()
        loss.backward()
        opt.step()
        return loss
    x = gnp.asarray(np.ones(2))
    train(x)
    h = opt.register_step_post_hook(lambda *a: None)
    with pytest.raises(TracerError, match="step hooks"):
        train(x)
    h.remove()
    train(x)
    np.testing.assert_allclose(to_numpy(p), [0.8, 1.8], rtol=1e-14)
