"""Eager ``lax.cond``/``switch`` check the output types of the branches they do not take, and
loops that run zero times check their body's carry, as JAX does (it traces every branch and
body): another shape, dtype or pytree raises ``TypeError`` naming both branches and types,
instead of going unnoticed until the program runs under ``jit`` or ``vmap``."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax


def _x(dtype=np.float32):
    return ad.tensor(gnp.asarray(np.arange(3.0, dtype=dtype)))


@pytest.mark.parametrize("pred", [True, False])
def test_cond_untaken_branch_of_another_shape_raises(backend, pred):
    with pytest.raises(TypeError, match=r"cond: .*false_fun.*true_fun.*float32\[2\].*"
                                        r"float32\[3\].*shapes differ"):
        lax.cond(pred, lambda x: x * 2, lambda x: x[:2], _x())


def test_cond_untaken_branch_of_another_dtype_or_structure_raises(backend):
    with pytest.raises(TypeError, match=r"int32\[3\].*float32\[3\].*dtypes differ"):
        lax.cond(True, lambda x: x, lambda x: x.astype(np.int32), _x())
    with pytest.raises(TypeError, match="pytree structure"):
        lax.cond(False, lambda x: (x, x), lambda x: (x,), _x())


def test_switch_untaken_branches_are_checked(backend):
    fs = [lambda x: x + 1, lambda x: x * 2, lambda x: x[:1]]
    with pytest.raises(TypeError, match=r"switch: .*branch 2.*branch 0.*float32\[1\]"):
        lax.switch(0, fs, _x())
    with pytest.raises(TypeError, match=r"switch: .*branch 2.*branch 1"):
        lax.switch(1, fs, _x())


def test_consistent_branches_give_the_taken_value_and_gradient(backend):
    x = gnp.asarray(np.array([1.0, -2.0, 3.0]))

    def f(v):
        return lax.cond(True, lambda u: gnp.sin(u), lambda u: gnp.log(u), v).sum()

    np.testing.assert_allclose(float(f(x)), np.sin([1.0, -2.0, 3.0]).sum())
    g = ad.grad(f)(x)
    np.testing.assert_allclose(g.get() if hasattr(g, "get") else g, np.cos([1.0, -2.0, 3.0]))
    # a Python float in one branch and a float32 array in the other agree, as in JAX
    assert lax.cond(True, lambda u: 1.0, lambda u: u[0], _x()) == 1.0
    with pytest.raises(TypeError, match=r"float32\[\] in false_fun.s and Python int"):
        lax.cond(False, lambda u: 1, lambda u: u[0], _x())


def test_untaken_branch_that_fails_on_zeros_is_not_checked(backend):
    a = gnp.asarray(np.array([[4.0, 1.0], [1.0, 3.0]]))
    out = lax.cond(False, lambda m: gnp.linalg.cholesky(m - 10 * gnp.eye(2)), lambda m: m, a)
    np.testing.assert_allclose(out.get() if hasattr(out, "get") else out, [[4, 1], [1, 3]])


def test_untaken_branch_leaves_the_global_random_stream_alone(backend):
    x = gnp.asarray(np.zeros(3))
    gnp.random.seed(3)
    lax.cond(True, lambda u: u, lambda u: u + gnp.random.normal(size=3), x)
    a = gnp.random.normal(size=2)
    gnp.random.seed(3)
    b = gnp.random.normal(size=2)
    np.testing.assert_array_equal(a.get() if hasattr(a, "get") else a,
                                  b.get() if hasattr(b, "get") else b)


def test_zero_trip_loops_check_the_body_carry(backend):
    x = _x()
    with pytest.raises(TypeError, match=r"fori_loop: .*int32\[3\].*float32\[3\]"):
        lax.fori_loop(0, 0, lambda i, c: c.astype(np.int32), x)
    with pytest.raises(TypeError, match=r"while_loop: .*float32\[2\].*float32\[3\]"):
        lax.while_loop(lambda c: False, lambda c: c[:2], x)
    with pytest.raises(TypeError, match=r"scan: .*float32\[2\].*float32\[3\]"):
        lax.scan(lambda c, y: (c[:2], y), x, None, length=0)
    # a weakly typed carry takes the body's type, as JAX's does
    assert isinstance(lax.fori_loop(0, 0, lambda i, c: c * 2.0, 1), float)
    out = lax.fori_loop(0, 0, lambda i, c: c * x[0], 1.0)
    assert out.dtype == np.float32 and float(out) == 1.0


def test_untaken_branches_are_checked_inside_vmap_per_example(backend):
    xs = gnp.asarray(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"switch: .*float64\[1\].*float64\[3\]"):
        ad.vmap(lambda v: lax.switch(0, [lambda u: u * 2, lambda u: u[:1]], v))(xs)
    # an untaken branch closing over the batched value: its per-example type is compared
    with pytest.raises(TypeError, match=r"cond: .*float64\[\].*float64\[3\]"):
        ad.vmap(lambda v: lax.cond(True, lambda u: u * 2, lambda u: (u * v).sum(), v))(xs)
    out = ad.vmap(lambda v: lax.cond(False, lambda u: u * v, lambda u: u + 1, v))(xs)
    np.testing.assert_allclose(out.get() if hasattr(out, "get") else out, np.full((2, 3), 2.0))
