"""JAX's solver tests (tests/custom_root_test.py, tests/custom_linear_solve_test.py,
tests/scipy_sparse_linalg_test.py) run by gpuad and by jax (float64), compared on values and
on every derivative: grad, jacfwd, jacrev, hessian (both compositions), vmap, jit, plus float64
central differences for the first derivative.

Each program is written once against a namespace ``M`` (gpuad or jax). The derivatives are
implicit (through the equation solved), so gpuad must agree with JAX to the solver's
tolerance, not to the unrolled iterations.

Solvers whose ``while_loop`` predicate depends on the arguments compile under ``gpuad.jit``
(the loop is one step of the program) and are compared with ``jax.jit``.

Deliberate differences (gpuad raises a clear error instead):
- ``transpose_solve``'s output structure is checked when the transposed system is first
  solved (reverse mode), not when ``custom_linear_solve`` is called.
"""

from __future__ import annotations

import functools
import types

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)
import jax.scipy.linalg as jsl  # noqa: E402
import jax.scipy.sparse.linalg as jspl  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.linalg as gsl  # noqa: E402
import gpuad.scipy.sparse.linalg as gspl  # noqa: E402


def _ns(name):
    g = name == "g"
    return types.SimpleNamespace(
        name=name, T=ad if g else jax, np=gnp if g else jnp, lax=ad.lax if g else jax.lax,
        sl=gsl if g else jsl, spl=gspl if g else jspl,
        stop=ad.stop_gradient if g else jax.lax.stop_gradient)


G, J = _ns("g"), _ns("j")


def _np(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray)
                      else x)


def _close(a, b, rtol=1e-7, atol=1e-9, what=""):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    assert len(la) == len(lb), what
    for x, y in zip(la, lb, strict=True):
        x, y = _np(x), _np(y)
        assert x.shape == y.shape, (what, x.shape, y.shape)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=what)


def _derivatives(prog, args, argnums, rtol=1e-6, atol=1e-8, orders=("grad", "jacfwd"),
                 vs_jax=True):
    """``prog(M)`` is a scalar function of ``args``: gpuad's derivatives against JAX's and
    the gradient against float64 central differences along a random direction."""
    fg, fj = prog(G), prog(J)
    _close(fg(*args), fj(*args), rtol, atol, "value")
    for o in orders:
        if o == "grad":
            a, b = ad.grad(fg, argnums)(*args), jax.grad(fj, argnums)(*args)
        elif o == "jacfwd":
            a, b = ad.jacfwd(fg, argnums)(*args), jax.jacfwd(fj, argnums)(*args)
        elif o == "fr":
            a = ad.jacfwd(ad.jacrev(fg, argnums), argnums)(*args)
            b = jax.jacfwd(jax.jacrev(fj, argnums), argnums)(*args)
        else:
            a = ad.jacrev(ad.jacfwd(fg, argnums), argnums)(*args)
            b = jax.jacrev(jax.jacfwd(fj, argnums), argnums)(*args)
        if vs_jax:
            _close(a, b, rtol, atol, o)
    rng = np.random.RandomState(7)
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    dirs = [rng.randn(*np.shape(args[i])) for i in nums]
    eps = 1e-6

    def at(s):
        xs = list(args)
        for i, d in zip(nums, dirs, strict=True):
            xs[i] = np.asarray(args[i]) + s * d
        return float(_np(fg(*xs)))

    fd = (at(eps) - at(-eps)) / (2 * eps)
    g = ad.grad(fg, nums)(*args)
    an = sum(float(np.sum(_np(gi) * d)) for gi, d in zip(g, dirs, strict=True))
    np.testing.assert_allclose(an, fd, rtol=1e-5, atol=1e-7)


# ---- solvers of the JAX tests, written against M ---------------------------------------------

def binary_search(M, func, x0, low=0.0, high=100.0):
    def cond(state):
        lo, hi = state
        mid = 0.5 * (lo + hi)
        return (lo < mid) & (mid < hi)

    def body(state):
        lo, hi = state
        mid = 0.5 * (lo + hi)
        up = func(mid) > 0
        return M.np.where(up, lo, mid), M.np.where(up, mid, hi)

    return M.lax.while_loop(cond, body, (M.np.asarray(low), M.np.asarray(high)))[0]


def newton_raphson(M, func, x0):
    tol, max_it = 1e-16, 20

    def cond(state):
        it, _, fx, _ = state
        return (M.np.max(M.np.abs(fx)) > tol) & (it < max_it)

    def body(state):
        it, x, fx, dfx = state
        step = M.np.linalg.solve(dfx.reshape((-1, fx.size)), fx.ravel()).reshape(fx.shape)
        x = x - step
        return it + 1, x, func(x), M.T.jacobian(func)(x)

    return M.lax.while_loop(cond, body, (0, x0, func(x0), M.T.jacobian(func)(x0)))[1]


def scalar_solve(f, y):
    return y / f(1.0)


def sqrt_cubed(M, solve_method):
    def f_of(x):
        f = lambda y: y ** 2 - x ** 3
        return M.lax.custom_root(f, 1.0, functools.partial(solve_method, M), scalar_solve)
    return f_of


# ---- custom_root ------------------------------------------------------------------------------

@pytest.mark.parametrize("method", [binary_search, newton_raphson])
def test_custom_root_scalar(method):
    _derivatives(lambda M: sqrt_cubed(M, method), (5.0,), 0, rtol=1e-6, atol=1e-8)
    _close(ad.grad(ad.grad(sqrt_cubed(G, method)))(5.0), 0.75 * 5.0 ** -0.5, rtol=1e-6)
    x = np.array([4.0, 5.0])
    _close(ad.vmap(sqrt_cubed(G, method))(x), x ** 1.5, rtol=1e-6)
    _close(ad.vmap(ad.grad(sqrt_cubed(G, method)))(x),
           jax.vmap(jax.grad(sqrt_cubed(J, method)))(x), rtol=1e-6)
    # a data-dependent while_loop: one step of gpuad's compiled program, as in jax.jit
    for v in (5.0, 7.0):
        _close(ad.jit(sqrt_cubed(G, method))(np.array(v)),
               jax.jit(sqrt_cubed(J, method))(np.array(v)), rtol=1e-6)


def test_custom_root_vector_with_solve_closure():
    def prog(M):
        def vector_solve(f, y):
            return M.np.linalg.solve(M.T.jacobian(f)(y), y)

        def linear_solve(a, b):
            f = lambda y: a @ y - b
            solution = M.np.linalg.solve(a, b)   # the oracle's closure carries no derivative
            return M.lax.custom_root(f, M.np.zeros_like(b), lambda func, x0: solution,
                                     vector_solve)
        return lambda a, b: M.np.sum(M.np.sin(linear_solve(a, b)))

    rng = np.random.RandomState(0)
    a, b = rng.randn(2, 2), rng.randn(2)
    _derivatives(prog, (a, b), (0, 1))


def test_custom_root_vector_nonlinear():
    def prog(M):
        def tangent_solve(g, y):
            return M.np.linalg.solve(M.T.jacobian(g)(y).reshape(-1, y.size),
                                     y.ravel()).reshape(y.shape)

        def nonlinear_solve(y):
            f = lambda x: (x - y) * (x ** 2 + y ** 2 + 1)
            return M.lax.custom_root(f, -M.np.ones_like(y),
                                     functools.partial(newton_raphson, M), tangent_solve)
        return lambda y: M.np.sum(M.np.sin(nonlinear_solve(y)) * M.np.arange(1.0, 4.0)[:, None])

    y = np.random.RandomState(1).randn(3, 1)
    _derivatives(prog, (y,), 0)


def _cho_root(M, has_aux=False):
    aux0 = {"converged": np.array(1.0), "nfev": np.array(12345.0)}

    def linear_solve(a, b):
        f = lambda x: a @ x - b
        factors = M.sl.cho_factor(a)
        cho = lambda f, b: M.sl.cho_solve(factors, b)
        solve = (lambda f, b: (cho(f, b), aux0)) if has_aux else cho

        def pos_def_solve(g, b):
            return M.lax.custom_linear_solve(g, b, cho, symmetric=True)
        return M.lax.custom_root(f, b, solve, pos_def_solve, has_aux=has_aux)
    return linear_solve, aux0


@pytest.mark.parametrize("has_aux", [False, True])
def test_custom_root_with_custom_linear_solve(has_aux):
    def prog(M):
        solve = _cho_root(M, has_aux)[0]

        def f(x, y):
            out = solve(x @ x.T, y)
            return M.np.sum(M.np.cos(out[0] if has_aux else out))
        return f

    rng = np.random.RandomState(2)
    a, b = rng.randn(2, 2), rng.randn(2)
    _derivatives(prog, (a, b), (0, 1), orders=("grad", "fr"))
    solve, aux0 = _cho_root(G, has_aux)
    out = ad.jit(solve)(a @ a.T, b)
    _close(out[0] if has_aux else out, np.linalg.solve(a @ a.T, b))
    if has_aux:
        _close(out[1], aux0)
        jf = ad.jacfwd(lambda x, y: solve(x @ x.T, y), argnums=(0, 1))(a, b)
        _close(jf[1], jax.tree_util.tree_map(np.zeros_like, jf[1]))   # aux: zero derivative


def test_custom_root_errors():
    for lax in (ad.lax, jax.lax):
        with pytest.raises(TypeError, match=r"f\(\) output pytree"):
            lax.custom_root(lambda x: (x, x), 0.0, lambda f, x: x, lambda f, x: x)
        with pytest.raises(TypeError, match=r"solve\(\) output pytree"):
            lax.custom_root(lambda x: x, 0.0, lambda f, x: (x, x), lambda f, x: x)
    for T, lax in ((ad, ad.lax), (jax, jax.lax)):
        def use(x, lax=lax):
            return lax.custom_root(lambda y: x - y, 0.0, lambda f, x: x, lambda f, x: (x, x))
        with pytest.raises(TypeError, match=r"tangent_solve\(\) output pytree"):
            T.jvp(use, (0.0,), (1.0,))


def test_custom_root_returning_the_guess_keeps_its_derivative():
    # the solver returns its (Python float) guess: the root of x - y is y = x, dy/dx = 1
    for T, lax in ((ad, ad.lax), (jax, jax.lax)):
        out = T.jvp(lambda x, lax=lax: lax.custom_root(lambda y: x - y, 0.0, lambda f, g: g,
                                                       lambda g, y: y / g(1.0)), (0.0,), (1.0,))
        _close(out[1], 1.0)


# ---- custom_linear_solve ----------------------------------------------------------------------

def _explicit(M):
    def solve(matvec, b):
        return M.stop(M.np.linalg.solve(M.T.jacobian(matvec)(b), b))
    return solve


@pytest.mark.parametrize("symmetric", [False, True])
def test_custom_linear_solve(symmetric):
    def prog(M):
        def linear_solve(a, b):
            s = _explicit(M)
            return M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b, s, s,
                                             symmetric=symmetric)
        return lambda a, b: M.np.sum(M.np.sin(linear_solve(a, b)))

    rng = np.random.RandomState(3)
    a = rng.randn(3, 3)
    if symmetric:
        a = a + a.T
    b = rng.randn(3)
    _derivatives(prog, (a, b), (0, 1), orders=("grad", "jacfwd", "fr"))

    def ls(M):
        s = _explicit(M)
        return lambda a, b: M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b, s, s,
                                                      symmetric=symmetric)
    _close(ad.jit(ls(G))(a, b), np.linalg.solve(a, b))
    c = rng.randn(3, 2)
    _close(ad.vmap(ls(G), (None, 1), 1)(a, c), np.linalg.solve(a, c))
    _close(ad.vmap(ad.grad(prog(G), (0, 1)), (None, 1))(a, c),
           jax.vmap(jax.grad(prog(J), (0, 1)), (None, 1))(a, c))
    _close(ad.jit(ad.grad(prog(G), (0, 1)))(a, b), jax.grad(prog(J), (0, 1))(a, b))


def test_custom_linear_solve_aux():
    array_aux = {"converged": np.array(1.0), "nfev": np.array(12345.0)}

    def ls(M):
        def solve_aux(matvec, b):
            return _explicit(M)(matvec, b), array_aux
        return lambda a, b: M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b,
                                                      solve_aux, solve_aux, symmetric=True,
                                                      has_aux=True)

    rng = np.random.RandomState(4)
    a = rng.randn(3, 3)
    a = a + a.T
    b = rng.randn(3)
    x, aux = ls(G)(a, b)
    _close(x, np.linalg.solve(a, b))
    _close(aux, array_aux)
    _derivatives(lambda M: lambda a, b: M.np.sum(M.np.sin(ls(M)(a, b)[0])), (a, b), (0, 1))


def test_custom_linear_solve_iterative():
    def richardson(M):
        def it(matvec, b, omega=0.1, tolerance=1e-12):
            return M.lax.while_loop(lambda x: M.np.linalg.norm(matvec(x) - b) > tolerance,
                                    lambda x: x + omega * (b - matvec(x)), b)
        return it

    def prog(M):
        def build_and_solve(a, b):
            matvec = functools.partial(M.np.dot, M.np.exp(a))   # non-linear in a and b
            r = richardson(M)
            return M.lax.custom_linear_solve(matvec, M.np.cos(b), r, r)
        return lambda a, b: M.np.sum(build_and_solve(a, b) ** 2)

    rng = np.random.RandomState(0)
    a, b = rng.randn(2, 2), rng.randn(2)
    _derivatives(prog, (a, b), (0, 1), rtol=1e-6, atol=1e-8)


def test_custom_linear_solve_cholesky_and_lu():
    def chol(M):
        def pds(a, b):
            factors = M.sl.cho_factor(a)
            return M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b,
                                             lambda mv, x: M.sl.cho_solve(factors, x),
                                             symmetric=True)
        return lambda x, y: M.np.sum(M.np.tanh(pds(x @ x.T, y)))

    def lu(M):
        def ls(a, b):
            fa, fat = M.sl.lu_factor(a), M.sl.lu_factor(a.T)
            return M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b,
                                             lambda mv, x: M.sl.lu_solve(fa, x),
                                             lambda vm, x: M.sl.lu_solve(fat, x))
        return lambda a, b: M.np.sum(M.np.tanh(ls(a, b)))

    rng = np.random.RandomState(5)
    a, b = rng.randn(2, 2), rng.randn(2)
    _derivatives(chol, (a, b), (0, 1), orders=("grad", "fr"))
    a3, b3 = rng.randn(3, 3), rng.randn(3)
    _derivatives(lu, (a3, b3), (0, 1), orders=("grad", "rf"))
    _close(ad.jit(ad.grad(lu(G), (0, 1)))(a3, b3), jax.grad(lu(J), (0, 1))(a3, b3))


def test_custom_linear_solve_without_transpose_solve():
    def prog(M):
        def loss(a, b):
            x = M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b, _explicit(M))
            return M.np.sum(M.np.sin(x))
        return loss

    rng = np.random.RandomState(6)
    a, b = rng.randn(2, 2), rng.randn(2)
    for o in ("jacfwd",):
        _close(ad.jacfwd(prog(G), (0, 1))(a, b), jax.jacfwd(prog(J), (0, 1))(a, b), what=o)
    _close(ad.jacfwd(ad.jacfwd(prog(G), 0), 0)(a, b), jax.jacfwd(jax.jacfwd(prog(J), 0), 0)(a, b))
    for T in (ad, jax):
        with pytest.raises(TypeError, match="transpose_solve required"):
            T.grad(prog(G if T is ad else J))(a, b)


def test_custom_linear_solve_pytree_with_aux():
    b = {"c": np.ones(2), "d": np.ones(3)}
    sol, aux = ad.lax.custom_linear_solve(lambda x: x, b, lambda mv, b: (b, {"a": 1, "b": 2}),
                                          lambda mv, b: (b, {"a": 1, "b": 2}), has_aux=True)
    _close(sol, b)
    assert aux == {"a": 1, "b": 2}


def test_custom_linear_solve_pytree_derivatives():
    def prog(M):
        def mv(a, t):
            v = M.np.concatenate([t["p"], t["q"]])
            w = a @ v
            return {"p": w[:2], "q": w[2:]}

        def loss(a, b):
            t = {"p": b[:2], "q": b[2:]}
            x = M.lax.custom_linear_solve(functools.partial(mv, a), t, _explicit_tree(M),
                                          _explicit_tree(M))
            return M.np.sum(M.np.sin(x["p"])) + M.np.sum(x["q"] ** 3)
        return loss

    def _explicit_tree(M):
        def solve(matvec, b):
            from_tree = (lambda t: M.np.concatenate([t["p"], t["q"]]))
            flat_mv = lambda v: from_tree(matvec({"p": v[:2], "q": v[2:]}))
            x = M.stop(M.np.linalg.solve(M.T.jacobian(flat_mv)(from_tree(b)), from_tree(b)))
            return {"p": x[:2], "q": x[2:]}
        return solve

    rng = np.random.RandomState(8)
    a, b = rng.randn(3, 3) + 2 * np.eye(3), rng.randn(3)
    _derivatives(prog, (a, b), (0, 1))


def test_custom_linear_solve_errors():
    solve = lambda f, x: x
    for T, M in ((ad, G), (jax, J)):
        lax = M.lax
        with pytest.raises(TypeError, match=r"matvec\(\) output pytree"):
            lax.custom_linear_solve(lambda x: [x], 1.0, solve, solve)
        with pytest.raises(TypeError, match=r"solve\(\) output pytree"):
            lax.custom_linear_solve(lambda x: x, 1.0, lambda f, x: [x], solve)
        with pytest.raises(ValueError, match=r"solve\(\) output shapes"):
            lax.custom_linear_solve(lambda x: x, 1.0, lambda f, x: M.np.ones(2), solve)

        def bad(a, M=M):
            return M.lax.custom_linear_solve(lambda x: a * M.np.ones(2), 1.0, solve, solve)
        with pytest.raises(ValueError, match=r"matvec\(\) output shapes"):
            T.jvp(bad, (1.0,), (1.0,))


# ---- jax.scipy.sparse.linalg ------------------------------------------------------------------

def _posdef(rng, n):
    q = rng.randn(n, n)
    return q @ q.T + n * np.eye(n)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
@pytest.mark.parametrize("form", ["matrix", "function"])
def test_sparse_solvers_values_and_derivatives(solver, form):
    import scipy.sparse.linalg as ssl

    rng = np.random.RandomState(9)
    n = 5
    a = _posdef(rng, n) if solver == "cg" else rng.randn(n, n) + 4 * np.eye(n)
    b = rng.randn(n)
    kw = {"tol": 1e-12} if solver != "gmres" else {"tol": 1e-12, "restart": 3}

    def run(M, a, b):
        A = a if form == "matrix" else (lambda v: a @ v)
        return getattr(M.spl, solver)(A, b, **kw)

    if solver == "gmres" and form == "function":
        pytest.skip("JAX's gmres compiles slowly: the closure path is covered by cg and "
                    "bicgstab, gmres's derivatives by the matrix form")
    x, info = run(G, a, b)
    assert info is None
    _close(x, run(J, a, b)[0], rtol=1e-9, atol=1e-10)
    ref = getattr(ssl, solver)(a, b, rtol=1e-12)[0]
    _close(x, ref, rtol=1e-8, atol=1e-9)
    _derivatives(lambda M: lambda a, b: M.np.sum(M.np.sin(run(M, a, b)[0])), (a, b), (0, 1),
                 rtol=1e-7, atol=1e-9,
                 orders=("grad",) if solver == "gmres" or form == "function" else
                 ("grad", "jacfwd"))
    B = rng.randn(3, n)
    _close(ad.vmap(lambda bb: run(G, a, bb)[0])(B), jax.vmap(lambda bb: run(J, a, bb)[0])(B),
           rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_sparse_solvers_preconditioner_x0_pytree(solver):
    rng = np.random.RandomState(10)
    n = 4
    a = _posdef(rng, n)
    b = rng.randn(n)
    Minv = np.diag(1.0 / np.diag(a))
    x0 = rng.randn(n)
    for M in (G, J):
        x = getattr(M.spl, solver)(a, b, x0=x0, M=Minv, tol=1e-12)[0]
        _close(x, np.linalg.solve(a, b), rtol=1e-8, atol=1e-9)

    def tree_prog(M):
        def mv(t):
            v = M.np.concatenate([t["u"], t["w"]])
            w = a @ v
            return {"u": w[:1], "w": w[1:]}

        def f(b):
            x = getattr(M.spl, solver)(mv, {"u": b[:1], "w": b[1:]}, tol=1e-12)[0]
            return M.np.sum(x["u"] ** 2) + M.np.sum(M.np.sin(x["w"]))
        return f
    if solver == "gmres":   # JAX's gmres compiles slowly: the pytree values only
        _close(tree_prog(G)(b), tree_prog(J)(b), rtol=1e-9, atol=1e-10)
    else:
        _derivatives(tree_prog, (b,), 0, rtol=1e-7, atol=1e-9)


def test_sparse_solvers_under_jit():
    a, b = np.eye(3) * 2, np.ones(3)
    for k in (1.0, 3.0):
        _close(ad.jit(lambda a, b: gspl.cg(a, b)[0])(a * k, b),
               jax.jit(lambda a, b: jax.scipy.sparse.linalg.cg(a, b)[0])(a * k, b))


def test_custom_linear_solve_complex():
    # JAX's test_custom_linear_solve_complex; gpuad's complex cotangents are the conjugates of
    # JAX's (PyTorch's convention), so grad is compared with conj(jax.grad)
    def prog(M):
        def solve(a, b):
            return M.lax.custom_linear_solve(functools.partial(M.np.dot, a), b,
                                             lambda mv, x: M.np.linalg.solve(a, x),
                                             lambda vm, x: M.np.linalg.solve(a.T, x))
        return lambda a, b: M.np.sum(M.np.abs(solve(a, b)) ** 2 + M.np.real(solve(a, b)))

    rng = np.random.RandomState(11)
    a = 0.5 * rng.randn(2, 2) + 0.5j * rng.randn(2, 2) + np.eye(2)
    b = 0.5 * rng.randn(2) + 0.5j * rng.randn(2)
    _close(prog(G)(a, b), prog(J)(a, b))
    _close(ad.grad(prog(G), (0, 1))(a, b),
           [np.conj(x) for x in jax.grad(prog(J), (0, 1))(a, b)])
    ad.testing.check_grads(prog(G), (a, b), order=2)
