"""gpuad.testing.check_grads: JAX's signature, and it fails when a derivative is wrong."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import DEFAULT_TOLERANCES, check_grads

X = np.array([0.3, -1.2, 0.8])


def _raw(a):
    return a.data if isinstance(a, ad.Tensor) else a


def _cube(scale=1.0, detach=False):
    """x ** 3 with a hand-written vjp: scaled (a wrong first derivative), or reading a detached
    x (right first derivative, wrong second)."""

    @ad.custom_vjp
    def cube(x):
        return x * x * x

    def fwd(x):
        return cube(x), (x,)

    def bwd(res, g):
        (x,) = res
        x = ad.tensor(_raw(x)) if detach else x
        return (g * 3.0 * scale * x * x,)

    cube.defvjp(fwd, bwd)
    return cube


def test_signature_is_jaxs():
    params = list(inspect.signature(check_grads).parameters)
    assert params[:7] == ["f", "args", "order", "modes", "atol", "rtol", "eps"]


def test_correct_derivatives_pass(backend):
    check_grads(gnp.sin, (X,), order=3)
    check_grads(lambda a, b: {"p": a * b, "q": [gnp.exp(a), b]}, (X, X[::-1].copy()), 2)
    check_grads(lambda x: gnp.sum(x ** 2), (X,), 2, ("rev",), 1e-6, 1e-5, 1e-6)  # positional
    check_grads(_cube(), (X,), order=1, modes=("rev",))


def test_a_wrong_reverse_rule_fails_and_says_where(backend):
    with pytest.raises(AssertionError, match="reverse mode, order 1"):
        check_grads(_cube(scale=1.01), (X,), order=1, modes=("rev",))


def test_a_wrong_second_derivative_fails_only_at_order_two(backend):
    check_grads(_cube(detach=True), (X,), order=1, modes=("rev",))
    with pytest.raises(AssertionError, match="order 2"):
        check_grads(_cube(detach=True), (X,), order=2, modes=("rev",))


def test_a_wrong_forward_rule_fails(backend):
    @ad.custom_jvp
    def f(x):
        return gnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), t * gnp.cos(x) * 1.01

    with pytest.raises(AssertionError, match="forward mode, order 1"):
        check_grads(f, (X,), order=1, modes=("fwd",))


def test_tolerances_default_per_dtype_and_can_be_loosened(backend):
    assert np.dtype(np.float64) in DEFAULT_TOLERANCES
    check_grads(gnp.tanh, (X.astype(np.float32),), order=2)  # promoted to float64
    slightly_off = _cube(scale=1.0 + 1e-4)
    with pytest.raises(AssertionError):
        check_grads(slightly_off, (X,), order=1, modes=("rev",))
    check_grads(slightly_off, (X,), order=1, modes=("rev",), rtol=1e-3)


def test_complex_arguments_use_the_real_inner_product():
    """PyTorch's convention: for y = c z the adjoint is conj(c) g, so a rule returning c g is
    wrong and must be caught."""
    z = np.array([1 + 2j, -0.5 + 0.3j])
    c = 1.0 + 1.0j
    check_grads(lambda z: z * 2.0, (z,), order=1, modes=("rev",))

    def scaled(adjoint):
        @ad.custom_vjp
        def f(z):
            return z * c

        f.defvjp(lambda z: (f(z), ()), lambda res, g: (g * adjoint,))
        return f

    check_grads(scaled(np.conj(c)), (z,), order=1, modes=("rev",))
    with pytest.raises(AssertionError, match="reverse mode"):
        check_grads(scaled(c), (z,), order=1, modes=("rev",))


def test_pytree_arguments_vary_every_leaf(backend):
    """Dicts, lists and nested tuples are taken as JAX takes them; a wrong derivative in any
    leaf is caught."""
    args = ({"a": X, "b": [0.5, (X * 2.0,)]},)

    def f(p, cube=gnp.sin):
        return gnp.sum(cube(p["a"]) * p["b"][0]) + gnp.sum(cube(p["b"][1][0]))

    check_grads(f, args, order=2)
    with pytest.raises(AssertionError, match="reverse mode, order 1"):
        check_grads(lambda p: f(p, _cube(scale=1.01)), args, order=1, modes=("rev",))


def test_second_order_varies_the_cotangent(backend):
    """A backward pass whose own derivative with respect to the cotangent is wrong (and only
    that) fails at order 2."""

    @ad.custom_vjp
    def off(g):
        return g

    off.defvjp(lambda g: (g, None), lambda res, h: (h * 1.5,))

    @ad.custom_vjp
    def double(x):
        return x * 2.0

    double.defvjp(lambda x: (x * 2.0, None), lambda res, g: (off(g) * 2.0,))
    check_grads(double, (X,), order=1, modes=("rev",))
    with pytest.raises(AssertionError, match="reverse mode, order 2"):
        check_grads(double, (X,), order=2, modes=("rev",))


def test_f_closing_over_numpy_arrays_is_called_as_grad_calls_it(backend):
    """``f`` receives Tensors, as under ``grad``: one that multiplies by a NumPy array it
    closes over works on the cupy backend too (raw CuPy arrays refuse NumPy operands); a
    wrong rule on such an ``f`` still fails."""
    w = np.random.default_rng(0).standard_normal((3, 2))

    def f(x):
        return gnp.sum(gnp.sin(x @ w) * w[0])

    check_grads(f, (X,), order=2)
    with pytest.raises(AssertionError, match="reverse mode, order 1"):
        check_grads(lambda x: _cube(scale=1.01)(x) * w[:, 0], (X,), order=1, modes=("rev",))
