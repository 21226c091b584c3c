"""``gpuad.lax.custom_root``, ``gpuad.lax.custom_linear_solve`` and
``gpuad.scipy.sparse.linalg`` (cg, bicgstab, gmres): values against direct solves, derivatives
(implicit: through the equation, not the iterations) against closed forms and float64 central
differences (gpuad.testing.check_grads, first and second order, both modes).
tests/conformance/test_jax_solvers_suite.py compares the same programs with JAX.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl
from gpuad import lax
from gpuad.scipy.sparse.linalg import bicgstab, cg, gmres
from gpuad.testing import check_grads


def close(a, b, rtol=1e-8, atol=1e-10):
    np.testing.assert_allclose(to_numpy(a), np.asarray(b), rtol=rtol, atol=atol)


def bisect(func, x0):
    def cond(s):
        mid = 0.5 * (s[0] + s[1])
        return (s[0] < mid) & (mid < s[1])

    def body(s):
        mid = 0.5 * (s[0] + s[1])
        up = func(mid) > 0
        return gnp.where(up, s[0], mid), gnp.where(up, mid, s[1])

    return lax.while_loop(cond, body, (gnp.asarray(0.0), gnp.asarray(100.0)))[0]


def sqrt_cubed(x):
    return lax.custom_root(lambda y: y ** 2 - x ** 3, 1.0, bisect, lambda g, y: y / g(1.0))


def test_custom_root_implicit_derivatives(backend):
    x = 5.0
    close(sqrt_cubed(x), x ** 1.5)
    close(ad.grad(sqrt_cubed)(x), 1.5 * x ** 0.5)                 # not the bisection's 0
    close(ad.grad(ad.grad(sqrt_cubed))(x), 0.75 * x ** -0.5)
    close(ad.jvp(sqrt_cubed, (x,), (2.0,))[1], 3.0 * x ** 0.5)
    close(ad.vmap(ad.grad(sqrt_cubed))(gnp.asarray([4.0, 9.0])), [3.0, 4.5])


def test_custom_root_guess_returned_as_a_python_number_keeps_its_derivative(backend):
    # the solver returns its Python float guess; the root of x - y is y = x: dy/dx = 1, not 0
    f = lambda x: lax.custom_root(lambda y: x - y, 0.0, lambda f, g: g, lambda g, y: y / g(1.0))
    close(ad.jvp(f, (0.0,), (1.0,))[1], 1.0)
    close(ad.grad(f)(0.0), 1.0)


def test_custom_root_with_custom_linear_solve_tangent_solve(backend):
    def solve(a, b):
        factors = gsl.cho_factor(a)
        cho = lambda f, r: gsl.cho_solve(factors, r)
        return lax.custom_root(lambda x: a @ x - b, b, cho,
                               lambda g, r: lax.custom_linear_solve(g, r, cho, symmetric=True))

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 2)), rng.standard_normal(2)
    f = lambda a, b: gnp.sum(gnp.sin(solve(a @ a.T + gnp.eye(2), b)))
    g = lambda a, b: gnp.sum(gnp.sin(gnp.linalg.solve(a @ a.T + gnp.eye(2), b)))
    for got, want in zip(ad.grad(f, (0, 1))(a, b), ad.grad(g, (0, 1))(a, b), strict=True):
        close(got, to_numpy(want))
    check_grads(f, (a, b), order=2)


def _explicit(matvec, b):
    return ad.stop_gradient(gnp.linalg.solve(ad.jacobian(matvec)(b), b))


@pytest.mark.parametrize("symmetric", [False, True])
def test_custom_linear_solve_matches_solve(backend, symmetric):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    if symmetric:
        a = a + a.T
    b = rng.standard_normal(3)

    def f(a, b):
        x = lax.custom_linear_solve(functools.partial(gnp.dot, a), b, _explicit, _explicit,
                                    symmetric=symmetric)
        return gnp.sum(gnp.sin(x))

    g = lambda a, b: gnp.sum(gnp.sin(gnp.linalg.solve(a, b)))
    for got, want in zip(ad.grad(f, (0, 1))(a, b), ad.grad(g, (0, 1))(a, b), strict=True):
        close(got, to_numpy(want))
    if symmetric:   # a symmetric system is differentiated as one (as in JAX): only along b
        check_grads(lambda b: f(a, b), (b,), order=2)
    else:
        check_grads(f, (a, b), order=2)


def test_custom_linear_solve_iterative_solver_is_not_differentiated(backend):
    def richardson(matvec, b):
        return lax.fori_loop(0, 30, lambda i, x: x + 0.5 * (b - matvec(x)), b)

    a = np.array([[2.0, 0.5], [0.25, 1.5]])
    b = np.array([1.0, -1.0])
    f = lambda a, b: gnp.sum(lax.custom_linear_solve(functools.partial(gnp.dot, a), b,
                                                     richardson, richardson) ** 2)
    g = lambda a, b: gnp.sum(gnp.linalg.solve(a, b) ** 2)
    for got, want in zip(ad.grad(f, (0, 1))(a, b), ad.grad(g, (0, 1))(a, b), strict=True):
        close(got, to_numpy(want), rtol=1e-9)
    close(ad.jit(ad.grad(f, (0, 1)))(a, b)[0], to_numpy(ad.grad(g, (0, 1))(a, b)[0]), rtol=1e-9)


def test_custom_linear_solve_needs_transpose_solve_for_reverse_mode(backend):
    a, b = np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([1.0, 2.0])
    f = lambda a: gnp.sum(lax.custom_linear_solve(functools.partial(gnp.dot, a), b, _explicit))
    close(ad.jacfwd(f)(a), to_numpy(ad.grad(lambda a: gnp.sum(gnp.linalg.solve(a, b)))(a)))
    with pytest.raises(TypeError, match="transpose_solve required"):
        ad.grad(f)(a)


def test_custom_linear_solve_structure_errors():
    ident = lambda f, x: x
    with pytest.raises(TypeError, match=r"matvec\(\) output pytree"):
        lax.custom_linear_solve(lambda x: [x], 1.0, ident, ident)
    with pytest.raises(ValueError, match=r"solve\(\) output shapes"):
        lax.custom_linear_solve(lambda x: x, 1.0, lambda f, x: gnp.ones(2), ident)
    with pytest.raises(TypeError, match=r"f\(\) output pytree"):
        lax.custom_root(lambda x: (x, x), 0.0, ident, ident)


@pytest.mark.parametrize("solver", [cg, bicgstab, gmres])
def test_sparse_solvers(backend, solver):
    rng = np.random.default_rng(2)
    q = rng.standard_normal((4, 4))
    a = q @ q.T + 4 * np.eye(4)
    b = rng.standard_normal(4)
    x, info = solver(a, b, tol=1e-12)
    assert info is None
    close(x, np.linalg.solve(a, b))
    close(solver(lambda v: gnp.dot(a, v), b, tol=1e-12, M=np.diag(1 / np.diag(a)))[0],
          np.linalg.solve(a, b))
    f = lambda a, b: gnp.sum(gnp.sin(solver(lambda v: gnp.dot(a, v), b, tol=1e-12)[0]))
    g = lambda a, b: gnp.sum(gnp.sin(gnp.linalg.solve(a, b)))
    for got, want in zip(ad.grad(f, (0, 1))(a, b), ad.grad(g, (0, 1))(a, b), strict=True):
        close(got, to_numpy(want), rtol=1e-7, atol=1e-9)
    close(ad.jacfwd(lambda b: f(a, b))(b), to_numpy(ad.grad(g, 1)(a, b)), rtol=1e-7, atol=1e-9)


def test_custom_linear_solve_complex_reverse_mode(backend):
    # complex cotangents are conjugated: b_bar = A^{-H} g, not the transpose_solve's A^{-T} g
    rng = np.random.default_rng(3)
    a = 0.5 * (rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2))) + np.eye(2)
    b = 0.5 * (rng.standard_normal(2) + 1j * rng.standard_normal(2))

    def f(a, b, direct=False):
        x = gnp.linalg.solve(a, b) if direct else lax.custom_linear_solve(
            functools.partial(gnp.dot, a), b, lambda mv, r: gnp.linalg.solve(a, r),
            lambda vm, r: gnp.linalg.solve(a.T, r))
        return gnp.sum(gnp.abs(x) ** 2 + gnp.real(x))

    want = ad.grad(lambda a, b: f(a, b, True), (0, 1))(a, b)
    for got, w in zip(ad.grad(f, (0, 1))(a, b), want, strict=True):
        close(got, to_numpy(w))


def test_experimental_ode_pytree_and_gradient(backend):
    from gpuad.experimental.ode import odeint

    f = lambda y, t, k: {"a": -k * y["a"], "b": y["a"][0] * 2.0 - y["b"]}
    y0, t = {"a": np.ones(2), "b": np.zeros(())}, np.array([0.0, 1.0])
    out = odeint(f, y0, t, 0.5)
    # y_a = exp(-k t); y_b' = 2 exp(-k t) - y_b, y_b(0) = 0: y_b = 2 (e^{-kt} - e^{-t}) / (1 - k)
    close(out["a"][1], np.exp(-0.5) * np.ones(2), rtol=1e-6)
    close(out["b"][1], 2 * (np.exp(-0.5) - np.exp(-1.0)) / 0.5, rtol=1e-6)
    k = 0.5
    dyb = 2 * ((-np.exp(-k)) * (1 - k) + (np.exp(-k) - np.exp(-1.0))) / (1 - k) ** 2
    close(ad.grad(lambda k: odeint(f, y0, t, k)["b"][1])(k), dyb, rtol=1e-5)


def test_sparse_solvers_compile():
    """Under jit the solvers' while_loop is one step run on each call's values
    (tests/test_jit_loops.py has their gradients)."""
    for solver in (cg, bicgstab, gmres):
        f = ad.jit(lambda a, b, s=solver: s(a, b)[0])
        for k in (2.0, 3.0):
            a, b = np.eye(2) * k + 0.5, np.arange(1.0, 3.0)
            np.testing.assert_array_equal(f(a, b), solver(a, b)[0])


def test_checkpointed_solve_differentiates_what_matvec_reads(backend):
    # Under checkpoint the solve's forward pass ran without touching matvec's closure (solve
    # used its own factorisation), so the block never learned the matrix was read: d/da was a
    # silent zero. d x / d A = -x^T (A^-1 applied): for sum(x), grad_A = -(A^-T 1) x^T.
    rng = np.random.RandomState(0)
    a = rng.randn(3, 3) + 3 * np.eye(3)
    b = rng.randn(3)

    def ls(a, b):
        an = to_numpy(a)
        return lax.custom_linear_solve(lambda x: gnp.dot(a, x), b,
                                       lambda mv, r: gnp.linalg.solve(an, r),
                                       lambda vm, r: gnp.linalg.solve(an.T, r))

    x = np.linalg.solve(a, b)
    w = np.linalg.solve(a.T, np.ones(3))
    for f in (ls, ad.checkpoint(ls)):
        ga, gb = ad.grad(lambda a, b: gnp.sum(f(a, b)), (0, 1))(a, b)  # noqa: B023
        close(ga, -np.outer(w, x))
        close(gb, w)


def test_checkpointed_custom_root_differentiates_what_f_reads(backend):
    def root(a):
        return lax.custom_root(lambda x: x ** 2 - a, 1.0,
                               lambda f, x0: gnp.sqrt(lax.stop_gradient(a)),
                               lambda g, y: y / g(1.0))
    for f in (root, ad.checkpoint(root)):
        close(ad.grad(f)(4.0), 0.25)  # d sqrt(a) / da = 1 / (2 sqrt(a))
