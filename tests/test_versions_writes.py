"""Writes to weights outside the tape bump versions: optimiser steps, load_state_dict and
assignments to ``.data`` between a forward and its backward raise GradError (as PyTorch raises)
instead of giving gradients computed from the new values. Host scalars taken from recorded
values (``float``, ``.item()``) are constants, as in PyTorch; ``math.*`` of them raises."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim

W0 = np.array([[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]])
X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])

OPTIMIZERS = [
    (optim.SGD, {"lr": 0.1}),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (optim.Adam, {"lr": 0.1}),
    (optim.AdamW, {"lr": 0.1}),
]


def _xp(a):
    return ad.get_backend().xp.asarray(a)


def _loss(w):
    return gnp.sum(gnp.tanh(_xp(X) @ w) ** 2) + gnp.sum(gnp.sin(w))  # sin saves w


@pytest.mark.parametrize("opt_cls,kw", OPTIMIZERS)
def test_step_between_forward_and_backward_raises(backend, opt_cls, kw):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = opt_cls([w], **kw)
    _loss(w).backward()          # a gradient for the step to use
    first = to_numpy(w.grad).copy()
    loss = _loss(w)              # recorded with the current w
    opt.step()                   # changes w in place
    with pytest.raises(ad.GradError, match=r"modified in place \(now version"):
        loss.backward()
    np.testing.assert_array_equal(to_numpy(w.grad), first)  # the failed backward wrote nothing


def test_torch_raises_on_the_same_program():
    torch = pytest.importorskip("torch")
    w = torch.tensor(W0.copy(), requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    def loss_of(w):
        return (torch.tanh(torch.tensor(X) @ w) ** 2).sum() + torch.sin(w).sum()

    loss_of(w).backward()
    loss = loss_of(w)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize("opt_cls,kw", OPTIMIZERS)
def test_usual_loop_is_unaffected(backend, opt_cls, kw):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = opt_cls([w], **kw)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = _loss(w)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]


def test_load_state_dict_between_forward_and_backward_raises(backend):
    gnp.random.seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    # x requires grad, so x's adjoint reads the weight (matmul saves only what its adjoints
    # read: with a constant x the weight is not saved, and its gradient needs only x)
    x = ad.tensor(_xp(np.ones((4, 3))), requires_grad=True)
    loss = gnp.sum(gnp.tanh(a(x)))
    a.load_state_dict(b.state_dict())
    np.testing.assert_array_equal(to_numpy(a.weight), to_numpy(b.weight))
    with pytest.raises(ad.GradError, match="modified in place"):
        loss.backward()
    gnp.sum(gnp.tanh(a(x))).backward()  # a fresh forward is fine
    assert a.weight.grad is not None


def test_writes_into_state_dict_values_are_versioned(backend):
    """state_dict() values share memory and version with the parameters (torch's detached
    Tensors): a write into one after a forward made that forward's backward silently use the
    new weight (x.grad 0 for a weight set to 0) while they were bare arrays."""
    gnp.random.seed(0)
    m = nn.Linear(2, 1)
    x = ad.tensor(_xp(np.ones((1, 2))), requires_grad=True)
    loss = gnp.sum(m(x) ** 2)
    sd = m.state_dict()
    assert set(sd) == {"weight", "bias"} and not sd["weight"].requires_grad
    sd["weight"][...] = 0.0
    np.testing.assert_array_equal(to_numpy(m.weight), 0.0)
    with pytest.raises(ad.GradError, match="modified in place"):
        loss.backward()
    with ad.no_grad():  # nanoGPT's from_pretrained loads weights this way
        m.state_dict()["weight"].copy_(_xp(np.array([[1.0, 2.0]])))
    gnp.sum(m(x) ** 2).backward()
    b = float(to_numpy(m.bias)[0])
    np.testing.assert_allclose(to_numpy(x.grad), 2 * (3.0 + b) * np.array([[1.0, 2.0]]))
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_checks_everything_before_writing(backend):
    gnp.random.seed(0)
    m = nn.Linear(3, 2)
    w = to_numpy(m.weight).copy()
    good = {n: np.zeros(p.shape) for n, p in m.named_parameters()}
    with pytest.raises(KeyError, match="unexpected keys.*'extra'"):
        m.load_state_dict({**good, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"bias has shape \(2,\), got \(3,\)"):
        m.load_state_dict({**good, "bias": np.zeros(3)})
    np.testing.assert_array_equal(to_numpy(m.weight), w)  # nothing was written
    m.load_state_dict(good)  # host arrays are copied to the backend
    np.testing.assert_array_equal(to_numpy(m.weight), 0.0)


@pytest.mark.parametrize("how", ["assign", "isub", "imul_copy"])
def test_data_assignment_between_forward_and_backward_raises(backend, how):
    w = ad.tensor(W0.copy(), requires_grad=True)
    loss = _loss(w)
    with ad.no_grad():
        if how == "assign":
            w.data = w.data * 0.5
        elif how == "isub":
            w.data -= 0.1
        else:
            w.data = w.data.copy()  # same values, but a write the engine cannot check
    with pytest.raises(ad.GradError, match="modified in place"):
        loss.backward()


def test_setitem_under_no_grad_is_the_visible_way_to_write(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    loss = _loss(w)
    with ad.no_grad():
        w[...] = _xp(np.zeros_like(W0))   # documented replacement for w.data[...] = ...
    with pytest.raises(ad.GradError, match="modified in place"):
        loss.backward()


def test_data_assignment_to_unsaved_values_is_fine(backend):
    w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = gnp.sum(w * 3.0)        # multiply by a constant saves only the constant
    w.data = w.data + 1.0
    loss.backward()
    np.testing.assert_array_equal(to_numpy(w.grad), [3.0, 3.0])


def test_data_must_be_an_array_and_may_change_shape(backend):
    w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(TypeError, match="must be a backend array"):
        w.data = 3.0
    gnp.sum(w * w).backward()
    w.grad = None
    w.data = _xp(np.array([1.0, 2.0, 3.0]))  # a new shape: later graphs use the new one
    gnp.sum(w * w).backward()
    np.testing.assert_array_equal(to_numpy(w.grad), [2.0, 4.0, 6.0])


def test_gradients_accumulate_across_backwards(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    _loss(w).backward()
    once = to_numpy(w.grad).copy()
    _loss(w).backward()            # accumulation assigns w.grad.data
    np.testing.assert_allclose(to_numpy(w.grad), 2 * once, rtol=1e-15)


# ---- host scalars are constants ----------------------------------------------------------------

def test_float_item_and_math_give_constants(backend):
    x = np.array([0.5, 1.0, 2.0])

    def f(v):
        s = gnp.sum(v)
        c = float(s) + s.item() + math.exp(float(gnp.max(v)))   # three host scalars: constants
        return gnp.sum(v * v) * c

    c = 2 * x.sum() + math.exp(x.max())
    g = ad.grad(f)(_xp(x))
    np.testing.assert_allclose(to_numpy(g), 2 * x * c, rtol=1e-14)  # no d c / d v term
    torch = pytest.importorskip("torch")
    v = torch.tensor(x, requires_grad=True)
    s = v.sum()
    (torch.sum(v * v) * (float(s) + s.item() + math.exp(v.max()))).backward()
    np.testing.assert_allclose(to_numpy(g), v.grad.numpy(), rtol=1e-14)


def test_math_function_of_a_recorded_tensor_raises(backend):
    # math.exp converts its argument with float() itself: not an explicit detach
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(TypeError, match=r"math\.exp .*gpuad\.numpy\.exp"):
        ad.grad(lambda v: gnp.sum(v * v) * math.exp(gnp.max(v)))(_xp(x))
