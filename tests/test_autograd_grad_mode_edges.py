"""Edges of gpuad.autograd.grad and the grad-mode switches that torch's own tests pin down:
grad-mode decorators on generator functions, materialized zeros under create_graph, and an
output that is itself a leaf."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad


def _leaf(v):
    return ad.tensor(np.array(v, dtype=float), requires_grad=True)


# made when the test runs: set_grad_enabled(False) switches grad mode off when it is made
@pytest.mark.parametrize("make", [lambda: ad.no_grad(), lambda: ad.no_grad,
                                  lambda: ad.set_grad_enabled(False),
                                  lambda: ad.inference_mode(), lambda: ad.inference_mode])
def test_decorated_generator_runs_its_steps_without_grad(backend, make):
    x = _leaf([1.0, 2.0])

    @make()
    def gen():
        v = yield ad.is_grad_enabled()
        while True:
            v = yield (x * v).requires_grad

    g = gen()
    assert next(g) is False
    assert ad.is_grad_enabled()  # the caller's code between steps keeps its own mode
    assert g.send(2.0) is False
    assert (x * 2.0).requires_grad
    g.close()
    assert ad.is_grad_enabled()


def test_enable_grad_generator_inside_no_grad_and_throw(backend):
    @ad.enable_grad()
    def gen():
        try:
            yield ad.is_grad_enabled()
        except ValueError:
            yield ("caught", ad.is_grad_enabled())
        return "done"

    with ad.no_grad():
        g = gen()
        assert next(g) is True
        assert not ad.is_grad_enabled()
        assert g.throw(ValueError()) == ("caught", True)
        with pytest.raises(StopIteration) as stop:
            next(g)
        assert stop.value.value == "done"
        assert not ad.is_grad_enabled()


def test_materialized_zero_is_differentiable_under_create_graph(backend):
    # torch's test_grad_materialize_grads: the third derivative of x * a in x
    x, a = _leaf(0.5), _leaf(1.0)
    (d,) = ad.autograd.grad(x * a, x, create_graph=True)
    (none,) = ad.autograd.grad(d, x, create_graph=True, allow_unused=True)
    assert none is None
    (d2,) = ad.autograd.grad(d, x, create_graph=True, materialize_grads=True)
    assert d2.requires_grad and float(d2) == 0.0
    (d3,) = ad.autograd.grad(d2, x, materialize_grads=True)
    assert not d3.requires_grad and float(d3) == 0.0
    (plain,) = ad.autograd.grad(d, x, materialize_grads=True)
    assert not plain.requires_grad


def test_leaf_output_with_unused_input(backend):
    a, x = _leaf(1.0), _leaf(2.0)
    assert ad.autograd.grad(a, x, allow_unused=True) == (None,)
    (z,) = ad.autograd.grad(a, x, materialize_grads=True)
    assert float(z) == 0.0
    with pytest.raises(ad.GradError, match="not have been used"):
        ad.autograd.grad(a, x)
    assert float(ad.autograd.grad(a, a)[0]) == 1.0


@pytest.mark.parametrize("bad", [np.ones(1), np.ones(3, dtype=np.int64),
                                 np.ones(3, dtype=np.float32), np.ones((3, 1))])
def test_grad_set_by_hand_must_match_before_backward_accumulates(backend, bad):
    # torch refuses such an assignment; gpuad broadcast a (1,) .grad into the sum and
    # converted an integer one, silently
    x = _leaf([0.3, -1.2, 2.0])
    w = _leaf([1.0, 2.0, 3.0])
    x.grad = ad.tensor(bad)
    with pytest.raises(ad.GradError, match=r"\.grad of a tensor of shape \(3,\)"):
        (x * x * w).sum().backward()
    assert w.grad is None  # nothing was written: all or none
    x.grad = None
    (x * w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("call", ["method", "function"])
def test_backward_inputs_accumulate_once(backend, call):
    # a non-leaf in inputs= that also retains its grad, and an input given twice, got their
    # gradient added twice (h.grad was 4 h instead of 2 h, w.grad doubled)
    xv, wv = np.array([0.3, -1.2, 2.0]), np.array([2.0, -1.2, 0.3])
    for inputs in ("retained", "twice"):
        x, w = _leaf(xv), _leaf(wv)
        h = x * w
        if inputs == "retained":
            h.retain_grad()
            ins = [w, h]
        else:
            ins = [w, w, h, h]
        loss = (h * h).sum()
        if call == "method":
            loss.backward(inputs=ins)
        else:
            ad.autograd.backward(loss, inputs=ins)
        np.testing.assert_allclose(h.grad.numpy(), 2 * xv * wv, rtol=1e-12)
        np.testing.assert_allclose(w.grad.numpy(), 2 * xv * wv * xv, rtol=1e-12)
        assert x.grad is None
