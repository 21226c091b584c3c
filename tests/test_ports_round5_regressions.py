"""Regressions found porting nanoGPT, minGPT, micrograd, makemore and min-char-rnn
(tests/conformance/test_ports_programs_round5*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn


def test_module_zero_grad_set_to_none(backend):
    """minGPT's Trainer calls ``model.zero_grad(set_to_none=True)``: the keyword was refused
    (TypeError); ``set_to_none=False`` keeps the ``.grad`` arrays, zeroed."""
    m = nn.Linear(3, 2)
    x = ad.tensor(gnp.asarray(np.arange(6.0).reshape(2, 3)))
    m(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(m.bias.grad), [2.0, 2.0])
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(to_numpy(m.bias.grad), [0.0, 0.0])
    np.testing.assert_array_equal(to_numpy(m.weight.grad), np.zeros((2, 3)))
    m(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(m.weight.grad), [[3.0, 5.0, 7.0]] * 2)
    m.zero_grad(set_to_none=True)
    assert m.weight.grad is None and m.bias.grad is None
    m(x).sum().backward()
    m.zero_grad()
    assert m.weight.grad is None


def _fixed_point_with_a_while_loop():
    """z = cos(z) a / 2, solved by a while_loop inside a custom_vjp's fwd (the implicit-layers
    tutorial's fixed_point_layer); the bwd gives the implicit derivative."""
    import functools

    from gpuad import lax

    def solver(f, z0):
        return lax.while_loop(lambda c: gnp.max(gnp.abs(c[0] - c[1])) > 1e-14,
                              lambda c: (c[1], f(c[1])), (z0, f(z0)))[1]

    @functools.partial(ad.custom_vjp, nondiff_argnums=(0,))
    def fp(solver, a):
        return solver(lambda z: 0.5 * gnp.cos(z) * a, gnp.zeros_like(a))

    def fp_fwd(solver, a):
        z = fp(solver, a)
        return z, (a, z)

    def fp_bwd(solver, res, g):
        a, z = res
        return (g * 0.5 * gnp.cos(z) / (1 + 0.5 * a * gnp.sin(z)),)

    fp.defvjp(fp_fwd, fp_bwd)
    return lambda a: gnp.sum(fp(solver, a))


def test_jit_grad_of_a_custom_vjp_whose_fwd_runs_a_while_loop(backend):
    """Under jit, a while_loop with a traced predicate refused reverse mode as soon as an
    input required grad, also inside a custom_vjp's fwd, whose bwd replaces the loop's
    derivative (JAX differentiates this): now the refusal waits for a backward that reaches
    the loop's result."""
    f = _fixed_point_with_a_while_loop()
    a = np.array([0.3, 1.2])
    got = to_numpy(ad.jit(ad.grad(f))(gnp.asarray(a)))
    h = 1e-6
    fd = [(float(f(gnp.asarray(a + h * e))) - float(f(gnp.asarray(a - h * e)))) / (2 * h)
          for e in np.eye(2)]
    np.testing.assert_allclose(got, fd, rtol=1e-8)
    np.testing.assert_allclose(to_numpy(ad.grad(f)(gnp.asarray(a))), got, rtol=1e-14)


def test_jit_grad_through_a_while_loop_still_raises(backend):
    from gpuad import lax
    from gpuad.jit.trace import TracerError

    def g(a):
        return gnp.sum(lax.while_loop(lambda c: gnp.sum(c) < 5.0, lambda c: c * a, a))

    a = gnp.asarray(np.array([1.1, 0.9]))
    with pytest.raises(TracerError, match="while_loop at .* trip count depends on traced"):
        ad.jit(ad.grad(g))(a)
    with pytest.raises(TracerError, match="while_loop at .* trip count depends on traced"):
        ad.grad(ad.jit(g))(a)
    np.testing.assert_allclose(to_numpy(ad.jit(g)(a)), float(g(a)), rtol=1e-15)


def test_tensor_multinomial(backend):
    """nanoGPT's, minGPT's and makemore's samplers call ``torch.multinomial(probs,
    num_samples=1)``: gpuad had no counterpart (AttributeError)."""
    gnp.random.seed(3)
    w = ad.tensor(gnp.asarray(np.array([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 0.0, 2.0]])),
                  requires_grad=True)
    s = w.multinomial(40000, replacement=True)
    assert s.dtype == np.int64 and tuple(s.shape) == (2, 40000) and not s.requires_grad
    freq = [np.bincount(to_numpy(s)[i], minlength=4) / 40000 for i in range(2)]
    # within 5 standard deviations of the probabilities (sd <= 0.0025); never a zero weight
    np.testing.assert_allclose(freq, [[0.1, 0, 0.6, 0.3], [0.25, 0.25, 0, 0.5]], atol=0.0125)
    assert freq[0][1] == 0 and freq[1][2] == 0
    # without replacement: distinct categories, the first draw distributed as the weights
    s = to_numpy(w.multinomial(3))
    assert sorted(s[0]) == [0, 2, 3] and sorted(s[1]) == [0, 1, 3]
    first = to_numpy(ad.tensor(gnp.asarray(np.tile([0.2, 0.8], (20000, 1)))).multinomial(1))
    assert first.shape == (20000, 1)
    assert abs(first.mean() - 0.8) < 0.015
    one = ad.tensor(gnp.asarray(np.array([0.0, 0.0, 2.0])))
    assert to_numpy(one.multinomial(5, replacement=True)).tolist() == [2] * 5
    for bad, n in (([0.5, -0.1], 1), ([0.0, 0.0], 1), ([np.nan, 1.0], 1), ([1.0, 0.0], 2)):
        with pytest.raises(RuntimeError, match="Tensor.multinomial"):
            ad.tensor(gnp.asarray(np.array(bad))).multinomial(n)
