"""Regression tests for custom_jvp / custom_vjp / custom_gradient (gpuad/custom.py), found by
porting JAX's custom_api_test.py (tests/conformance/test_jax_custom_derivatives.py). Expected
values are derived by hand from the rules."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError
from tests.conftest import to_numpy


def _v(x):
    assert not isinstance(x, ad.Tensor), x
    return np.asarray(to_numpy(x))


# ---- Python float outputs are outputs ---------------------------------------------------------

def test_custom_vjp_fwd_python_float_output(backend):
    # fwd returns my_fun(c, y, c) = c * (c + y): a Python float; bwd gives g to every input
    @ad.custom_vjp
    def my_fun(x, y, c=1.0):
        return c * (x + y)

    my_fun.defvjp(lambda x, y, c=1.0: (my_fun(c, y, c), None), lambda _, g: (g, g, g))
    assert float(ad.grad(lambda x: my_fun(x, 5.0, c=2.0))(10.0)) == 1.0
    # d/dx (out)^2 = 2 * out * 1 with out = 2 * (2 + 5) = 14
    f = lambda x, y: gnp.square(my_fun(x, y, c=2.0))  # noqa: E731
    assert float(ad.grad(f)(10.0, 5.0)) == 28.0


def test_custom_jvp_python_float_output(backend):
    @ad.custom_jvp
    def c(x):
        return 2.0

    c.defjvp(lambda p, t: (2.0, 3 * t[0]))
    assert float(ad.grad(c)(1.0)) == 3.0
    out, tan = ad.jvp(c, (1.0,), (1.0,))
    assert float(out) == 2.0 and float(tan) == 3.0


# ---- outputs the same for every vmap example --------------------------------------------------

def test_custom_jvp_constant_output_under_vmap(backend):
    @ad.custom_jvp
    def f(x):
        return np.zeros(x.shape, x.dtype)

    f.defjvp(lambda p, t: (f(p[0]), t[0]))  # slope 1 per example
    x = np.arange(3.0)
    np.testing.assert_array_equal(_v(ad.grad(lambda x: gnp.sum(ad.vmap(f)(x)))(x)), np.ones(3))
    out, tan = ad.jvp(ad.vmap(f), (x,), (np.ones(3),))
    np.testing.assert_array_equal(_v(out), np.zeros(3))
    np.testing.assert_array_equal(_v(tan), np.ones(3))


def test_custom_vjp_constant_output_under_vmap(backend):
    @ad.custom_vjp
    def f(x):
        return np.zeros(x.shape, x.dtype)

    f.defvjp(lambda x: (f(x), None), lambda _, g: (g,))
    x = np.arange(3.0)
    np.testing.assert_array_equal(_v(ad.grad(lambda x: gnp.sum(ad.vmap(f)(x)))(x)), np.ones(3))
    np.testing.assert_array_equal(_v(ad.vmap(ad.grad(f))(x)), np.ones(3))


# ---- bwd reading values an outer derivative differentiates ------------------------------------

@pytest.mark.parametrize("where", ["closure", "residual"])
def test_bwd_reads_outer_value(backend, where):
    # inner: grad of 2 sin(x) with the rule 2 cos(y) g, so grad(f)(1.) = 2 cos(y);
    # outer: its derivative in y is -2 sin(y)
    def inner(y):
        @ad.custom_vjp
        def f(x):
            return 2.0 * gnp.sin(x)

        if where == "closure":
            f.defvjp(lambda x: (f(x), ()), lambda _, g: (2.0 * gnp.cos(y) * g,))
        else:
            f.defvjp(lambda x: (f(x), y), lambda r, g: (2.0 * gnp.cos(r) * g,))
        return ad.grad(f)(1.0)

    np.testing.assert_allclose(_v(inner(4.0)), 2 * np.cos(4.0))
    np.testing.assert_allclose(_v(ad.grad(inner)(4.0)), -2 * np.sin(4.0))
    np.testing.assert_allclose(_v(ad.vmap(ad.grad(inner))(np.arange(3.0))),
                               -2 * np.sin(np.arange(3.0)))


def test_jvp_rule_reads_outer_value(backend):
    # the rule 2 cos(y) t read by closure: grad(g)(1.) = 2 cos(y), its y-derivative -2 sin(y)
    def inner(y):
        @ad.custom_jvp
        def g(x):
            return 2.0 * gnp.sin(x)

        g.defjvp(lambda p, t: (g(p[0]), 2.0 * gnp.cos(y) * t[0]))
        return ad.grad(g)(1.0)

    np.testing.assert_allclose(_v(ad.grad(inner)(4.0)), -2 * np.sin(4.0))
    np.testing.assert_allclose(_v(ad.jvp(inner, (4.0,), (1.0,))[1]), -2 * np.sin(4.0))


@pytest.mark.parametrize("kind", ["vjp", "vjp_nondiff", "jvp_nondiff"])
def test_forward_mode_over_gradient_reading_outer_value(backend, kind):
    # jvp in y of grad(g)(1.) where g's rule reads y: the tangent -k sin(y), not 0
    def inner(y):
        if kind == "vjp":
            g = ad.custom_vjp(lambda x: 2.0 * gnp.sin(x))
            g.defvjp(lambda x: (g(x), ()), lambda _, c: (2.0 * gnp.cos(y) * c,))
        elif kind == "vjp_nondiff":
            g0 = ad.custom_vjp(lambda k, x: k * gnp.sin(x), nondiff_argnums=(0,))
            g0.defvjp(lambda k, x: (g0(k, x), None), lambda k, _, c: (k * gnp.cos(y) * c,))
            g = lambda x: g0(2.0, x)  # noqa: E731
        else:
            g0 = ad.custom_jvp(lambda k, x: k * gnp.sin(x), nondiff_argnums=(0,))
            g0.defjvp(lambda k, p, t: (g0(k, p[0]), k * gnp.cos(y) * t[0]))
            g = lambda x: g0(2.0, x)  # noqa: E731
        return ad.grad(g)(1.0)

    out, tan = ad.jvp(inner, (4.0,), (1.0,))
    np.testing.assert_allclose(_v(out), 2 * np.cos(4.0))
    np.testing.assert_allclose(_v(tan), -2 * np.sin(4.0))
    np.testing.assert_allclose(_v(ad.grad(inner)(4.0)), -2 * np.sin(4.0))


# ---- what bwd and the jvp rule may return -----------------------------------------------------

def test_bwd_python_number_cotangent(backend):
    @ad.custom_vjp
    def f(x, i):
        return x

    f.defvjp(lambda x, i: (x, None), lambda *_: (2.0, 1))
    gx, gi = ad.grad(f, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert float(_v(gx)) == 2.0 and _v(gi).dtype == ad.float0
    assert float(ad.grad(f)(2.0, 3)) == 2.0


def test_bwd_container_for_a_leaf_raises(backend):
    @ad.custom_vjp
    def f(x):
        return x

    f.defvjp(lambda x: (x, None), lambda _, g: ((g, g),))
    with pytest.raises(GradError, match="2 leaves but argument 0 has 1"):
        ad.grad(f)(2.0)


def test_bwd_complex_cotangent_for_real_function_raises(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (f(x), None), lambda _, g: (g * (1 + 1j),))
    with pytest.raises(GradError, match="complex cotangent for a real input"):
        ad.grad(f)(1.0)


def test_bwd_complex_cotangent_real_input_complex_output(backend):
    # |x (1+2j)|^2 = 5 x^2: the real input gets the real part of bwd's complex cotangent
    @ad.custom_vjp
    def f(x):
        return x * (1 + 2j)

    f.defvjp(lambda x: (f(x), None), lambda _, g: (g * (1 - 2j),))
    np.testing.assert_allclose(_v(ad.grad(lambda x: gnp.abs(f(x)) ** 2)(1.5)), 15.0)


def test_jvp_rule_complex_tangent_raises_under_grad(backend):
    @ad.custom_jvp
    def k(x):
        return gnp.sin(x)

    k.defjvp(lambda p, t: (k(p[0]), t[0] * (1 + 1j)))
    with pytest.raises(TypeError, match="complex"):
        ad.grad(k)(1.0)


@pytest.mark.parametrize("primal", ["shape", "structure"])
def test_jvp_rule_primal_output_checked(backend, primal):
    @ad.custom_jvp
    def k(x):
        return x

    if primal == "shape":
        k.defjvp(lambda p, t: (gnp.zeros((3,)), t[0]))
    else:
        k.defjvp(lambda p, t: ((p[0], p[0]), t[0]))
    with pytest.raises(TypeError, match="primal output"):
        ad.jvp(k, (1.0,), (1.0,))
    with pytest.raises(TypeError, match="primal output"):
        ad.grad(k)(1.0)


def test_jvp_rule_tangent_in_output_precision(backend):
    @ad.custom_jvp
    def k(x):
        return gnp.sin(x)

    k.defjvp(lambda p, t: (k(p[0]), (2 * t[0]).astype(np.float32)))
    out, tan = ad.jvp(k, (1.0,), (1.0,))
    assert _v(tan).dtype == np.float64 and float(_v(tan)) == 2.0


# ---- custom_gradient --------------------------------------------------------------------------

def test_custom_gradient(backend):
    @ad.custom_gradient
    def f(x):
        return x ** 2, lambda g: (g * x,)

    @ad.custom_gradient
    def f2(x, y):
        return x * y, lambda g: (y, x)

    @ad.custom_gradient
    def bare(x):
        return x ** 2, lambda g: g * x

    assert float(_v(f(3.0))) == 9.0
    assert float(ad.grad(f)(3.0)) == 3.0  # the rule: g * x
    assert float(ad.grad(ad.grad(f))(3.0)) == 1.0  # d/dx x
    assert float(ad.grad(bare)(3.0)) == 3.0
    gx, gy = ad.grad(f2, argnums=(0, 1))(3.0, 4.0)
    assert float(gx) == 4.0 and float(gy) == 3.0
    np.testing.assert_array_equal(_v(ad.vmap(ad.grad(f))(np.arange(3.0))), np.arange(3.0))
    with pytest.raises(TypeError, match="pair"):
        ad.grad(ad.custom_gradient(lambda x: x ** 2))(2.0)


# ---- linear_call ------------------------------------------------------------------------------

def test_linear_call_uses_its_transpose(backend):
    # f(x) = x + x / r with a deliberately untrue transpose t / (2 r): transposes alternate
    r = gnp.full(2, 3.0)
    x = gnp.full(2, 6.0)

    def f(x):
        return x + ad.linear_call(lambda r, x: x / r, lambda r, t: t / (2.0 * r), r, x)

    def tu(g):
        return lambda y: ad.linear_transpose(g, x)(y)[0]

    ft = tu(f)
    ftt = tu(ft)
    np.testing.assert_allclose(_v(f(x)), 8.0)
    np.testing.assert_allclose(_v(ft(x)), 7.0)  # 6 + 6 / 6
    np.testing.assert_allclose(_v(ftt(x)), 8.0)  # back to fun: 6 + 6 / 3
    np.testing.assert_allclose(_v(tu(ftt)(x)), 7.0)
    np.testing.assert_allclose(_v(ad.grad(lambda x: gnp.sum(f(x)))(x)), 1 + 1 / 6)
    with pytest.raises(TypeError, match="structure of linear_args"):
        ad.linear_transpose(lambda x: ad.linear_call(lambda r, x: x, lambda r, t: None, r, x),
                            x)(x)
    with pytest.raises(GradError, match="custom_jvp"):
        ad.jvp(f, (x,), (x,))
