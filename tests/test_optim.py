"""gpuad.optim: updates against hand-written NumPy references, in-place behaviour, convergence."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim

P0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
TARGET = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])


def _loss(p):
    """A quadratic with a non-identity curvature: sum(c * (p - t)^2)."""
    c = ad.get_backend().xp.asarray(np.arange(1.0, 7.0).reshape(2, 3))
    return gnp.sum(c * gnp.square(p - ad.get_backend().xp.asarray(TARGET)))


def _grad_np(p):
    return 2 * np.arange(1.0, 7.0).reshape(2, 3) * (p - TARGET)


def _run(opt_cls, steps, **kw):
    p = ad.tensor(P0.copy(), requires_grad=True)
    data = p.data
    opt = opt_cls([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        _loss(p).backward()
        opt.step()
    assert p.data is data  # updated in place
    return to_numpy(p)


def _sgd_ref(steps, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
    p, buf = P0.copy(), None
    for _ in range(steps):
        g = _grad_np(p) + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def _adam_ref(steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
    p, m, v = P0.copy(), np.zeros_like(P0), np.zeros_like(P0)
    b1, b2 = betas
    for t in range(1, steps + 1):
        g = _grad_np(p)
        if weight_decay and decoupled:
            p = p * (1 - lr * weight_decay)
        elif weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat, vhat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
    return p


@pytest.mark.parametrize("steps", [1, 2])
@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                {"weight_decay": 0.1}, {"momentum": 0.5, "weight_decay": 0.1}])
def test_sgd_matches_reference(backend, steps, kw):
    np.testing.assert_allclose(_run(optim.SGD, steps, lr=0.01, **kw),
                               _sgd_ref(steps, 0.01, **kw), rtol=1e-12)


@pytest.mark.parametrize("steps", [1, 2, 3])
@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1}, {"betas": (0.8, 0.99), "eps": 1e-3}])
def test_adam_matches_reference(backend, steps, kw):
    np.testing.assert_allclose(_run(optim.Adam, steps, lr=0.05, **kw),
                               _adam_ref(steps, 0.05, **kw), rtol=1e-12)


@pytest.mark.parametrize("steps", [1, 2])
def test_adamw_matches_reference(backend, steps):
    np.testing.assert_allclose(_run(optim.AdamW, steps, lr=0.05, weight_decay=0.1),
                               _adam_ref(steps, 0.05, weight_decay=0.1, decoupled=True),
                               rtol=1e-12)


@pytest.mark.parametrize("opt_cls,kw,steps", [
    (optim.SGD, {"lr": 0.02}, 300),
    (optim.SGD, {"lr": 0.01, "momentum": 0.9}, 300),
    (optim.Adam, {"lr": 0.1}, 500),
    (optim.AdamW, {"lr": 0.1, "weight_decay": 0.0}, 500),
])
def test_quadratic_converges(backend, opt_cls, kw, steps):
    np.testing.assert_allclose(_run(opt_cls, steps, **kw), TARGET, atol=1e-3)


def test_step_skips_params_without_grad_and_records_nothing(backend):
    a = ad.tensor(P0.copy(), requires_grad=True)
    b = ad.tensor(P0.copy(), requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    ver_a, ver_b = a._ver[0], b._ver[0]
    _loss(a).backward()
    opt.step()
    np.testing.assert_array_equal(to_numpy(b), P0)
    assert not np.allclose(to_numpy(a), P0)
    # nothing recorded; the written parameter's version moves (one write), the other's not
    assert a.is_leaf and a._ver[0] == ver_a + 1 and b._ver[0] == ver_b
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_optimizer_with_module(backend):
    gnp.random.seed(0)
    model = nn.Linear(3, 1)
    x = ad.get_backend().xp.asarray(np.random.default_rng(0).standard_normal((32, 3)))
    y = x @ ad.get_backend().xp.asarray(np.array([[1.0], [-2.0], [0.5]])) + 0.3
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(400):
        opt.zero_grad()
        loss = nn.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    assert float(loss) < 1e-4


def test_bad_arguments(backend):
    with pytest.raises(ValueError):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError):
        optim.SGD([ad.tensor(P0)], lr=0.1)
    with pytest.raises(ValueError):
        optim.Adam([ad.tensor(P0, requires_grad=True)], lr=-1.0)


def _adam_same_ops(p, grads, lr, betas, eps, wd, decoupled, amsgrad):
    """Adam as the eager step computes it, operation for operation, on NumPy arrays."""
    import math

    b1, b2 = betas
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if wd and decoupled:
            p *= 1.0 - lr * wd
        elif wd:
            g = g + wd * p
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        vv = v
        if amsgrad:
            np.maximum(vmax, v, out=vmax)
            vv = vmax
        denom = np.sqrt(vv)
        denom /= math.sqrt(1.0 - b2 ** t)
        denom += eps
        p -= lr / (1.0 - b1 ** t) * (m / denom)
    return p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,kw", [(optim.Adam, {}), (optim.Adam, {"weight_decay": 0.1}),
                                    (optim.AdamW, {"amsgrad": True})])
def test_adam_is_bitwise_its_operation_sequence(cls, kw, dtype):
    """The update's split into _tick/_scalars/_apply (for jit) keeps eager results exact."""
    r = np.random.default_rng(3)
    p0 = r.standard_normal((4, 5)).astype(dtype)
    grads = [r.standard_normal((4, 5)).astype(dtype) for _ in range(4)]
    p = ad.tensor(p0.copy(), requires_grad=True)
    o = cls([p], lr=0.05, **kw)
    for g in grads:
        p.grad = ad.tensor(g)
        o.step()
    ref = _adam_same_ops(p0.copy(), grads, 0.05, o.betas, o.eps, o.weight_decay, o.decoupled,
                         o.amsgrad)
    np.testing.assert_array_equal(p.numpy(), ref)
