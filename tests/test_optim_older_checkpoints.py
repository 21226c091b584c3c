"""Checkpoints saved before an optimizer had a switch (torch added ``maximize``, ``foreach``,
``capturable``, ``differentiable``, ``fused``, ``centered``... over its releases) load with the
switch at its signature's default, as torch's ``__setstate__`` gives it: before, gpuad refused
them ("group 0 of the state has no ['maximize']"). A key that is not such a switch still
raises. Values below are the update rules worked by hand."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import optim


def _param(values):
    return ad.tensor(ad.get_backend().xp.asarray(np.array(values, dtype=float)),
                     requires_grad=True)


def _grad(p, values):
    p.grad = ad.tensor(ad.get_backend().xp.asarray(np.array(values, dtype=float)))


def test_sgd_checkpoint_without_maximize_loads_as_minimizing(backend):
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.5, maximize=True)
    _grad(p, [1.0, 1.0])
    opt.step()  # maximize: p + 0.5 g = [1.5, -1.5]
    sd = copy.deepcopy(opt.state_dict())
    for g in sd["param_groups"]:
        del g["maximize"]
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["maximize"] is False
    _grad(p, [2.0, -4.0])
    opt.step()  # minimize now: p - 0.5 g = [0.5, 0.5]
    np.testing.assert_allclose(to_numpy(p), [0.5, 0.5], rtol=0, atol=1e-15)


def test_rmsprop_checkpoint_without_centered_and_maximize(backend):
    p = _param([1.0, 2.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.5, eps=0.0)
    _grad(p, [2.0, 4.0])
    opt.step()  # v = 0.5 g^2 = [2, 8]; p -= 0.1 g / sqrt(v)
    sd = copy.deepcopy(opt.state_dict())
    for g in sd["param_groups"]:
        del g["centered"], g["maximize"]
    opt.load_state_dict(sd)
    _grad(p, [1.0, 1.0])
    opt.step()  # v = 0.5 v + 0.5 g^2 = [1.5, 4.5]
    want = [1.0 - 0.1 * 2 / math.sqrt(2) - 0.1 / math.sqrt(1.5),
            2.0 - 0.1 * 4 / math.sqrt(8) - 0.1 / math.sqrt(4.5)]
    np.testing.assert_allclose(to_numpy(p), want, rtol=1e-14)


def test_adamw_checkpoint_without_the_flag_stays_decoupled(backend):
    p = _param([1.0])
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    sd = copy.deepcopy(opt.state_dict())
    for g in sd["param_groups"]:
        g.pop("decoupled_weight_decay", None)
    opt.load_state_dict(sd)
    _grad(p, [0.0])
    opt.step()  # decoupled decay only: p (1 - lr wd); the Adam part is 0 / (0 + eps) = 0
    np.testing.assert_allclose(to_numpy(p), [0.95], rtol=1e-15)


def test_a_missing_hyperparameter_still_raises(backend):
    p = _param([1.0])
    opt = optim.Adam([p])
    sd = copy.deepcopy(opt.state_dict())
    del sd["param_groups"][0]["eps"]
    with pytest.raises(ValueError, match=r"no \['eps'\]"):
        opt.load_state_dict(sd)


def test_differentiable_true_names_what_to_use():
    p = _param([1.0])
    with pytest.raises(NotImplementedError, match=r"gpuad\.optax"):
        optim.Adam([p], differentiable=True)
