"""JAX's tests of its iterative solvers and of its SciPy signal, ndimage, interpolate and fft
namespaces mapped onto gpuad.scipy, and the methods the earlier ports had left out ported:
jax-ml/jax, the newest versions held by the source index (its file ids in brackets; the
installed jax 0.10.2 is the peer run here)

- ``tests/lax_scipy_sparse_test.py`` [6823183749] (``LaxBackedScipyTests``: 23 methods;
  cg, bicgstab, gmres with their ``CustomOperator`` and pytree forms),
- ``tests/scipy_signal_test.py`` [5669384253] (``LaxBackedScipySignalTests``: 10 methods),
- ``tests/scipy_ndimage_test.py`` [6813512325] (``NdimageTest``: 8 methods;
  map_coordinates to order 5 with ``prefilter``, spline_filter, spline_filter1d),
- ``tests/scipy_interpolate_test.py`` [3305933170] (``LaxBackedScipyInterpolateTests``:
  1 method),
- ``tests/scipy_fft_test.py`` [5690526052] (``LaxBackedScipyFftTests``: 5 methods).

Each port runs the same inputs through gpuad, SciPy and (x64 on for this module, through a
fixture) jax.scipy in one process: values, dtypes, errors, and gradients against ``jax.grad``
(gpuad's complex cotangents are the conjugates of JAX's, PyTorch's convention) or float64
central differences. The solvers are also differentiated through the forms of their linear
operator (a matrix, a function, an object with ``@`` holding its matrix in an attribute, a
bound method, a callable object), with a preconditioner ``M``, ``x0``, ``tol``/``atol``/
``maxiter``, 2-D and pytree right-hand sides.

``GAPS`` maps every upstream method to its port ("here:", "covered:" by an earlier port:
tests/conformance/test_jax_scipy_suite.py, test_jax_solvers_suite.py,
test_jax_segment_ndimage_dct.py), to a deliberate difference ("differs:") or says why it has
no counterpart ("n/a:"); ``test_every_gap_has_a_mapping`` checks every reference.

Deliberate differences:
- map_coordinates of orders 2 to 5 reads ``'constant'`` and ``'wrap'`` as SciPy does
  (``cval`` outside ``[0, n - 1]``; SciPy's period), where JAX (which now has these orders)
  reads them as SciPy's ``'grid-constant'``/``'grid-wrap'``, as both do for orders 0 and 1;
  the grid modes are available by their SciPy names.
- Unsupported spline orders and boundary modes raise SciPy's ``RuntimeError`` (JAX raises
  ``NotImplementedError`` or ``ValueError``).
- A Python number for ``b`` gives a 0-d float64 array: gpuad has no weak types.

Left alone: spline_filter/spline_filter1d into an integer ``output`` round the result
(clipped to the type's range); SciPy's C casts truncate it after each axis (wrapping out of
range), and a truncation of the filters' exact integers (``n - 1e-15`` or ``n + 1e-15``
depending on the order of the sums) cannot follow SciPy's in general.

``closure_convert`` copies an object to replace the values it holds; one reached again
through a reference cycle (``obj.child.parent is obj``) is refused with a TypeError (its
parts would see the original), and mutually recursive functions reading hoisted values too.
"""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("scipy")

import jax.numpy as jnp  # noqa: E402
import jax.scipy.sparse.linalg as jsl  # noqa: E402
import scipy.ndimage as sndi  # noqa: E402
import scipy.sparse.linalg as ssl  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.sparse.linalg as gsl  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402
from gpuad.tree_util import register_pytree_node_class  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _h(a):
    if isinstance(a, tuple | list):
        return tuple(_h(v) for v in a)
    if isinstance(a, dict):
        return {k: _h(v) for k, v in a.items()}
    a = a.numpy() if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _close(got, want, rtol=1e-10, atol=0.0, what=""):
    got, want = _h(got), np.asarray(want)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=str(what))


def _rand(rng, shape, dtype):
    """jtu.rand_default's range: uniform in [-3, 3] (both parts of a complex number)."""
    x = rng.uniform(-3, 3, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.uniform(-3, 3, shape)
    return x.astype(dtype)


def _spd(rng, n, dtype):
    m = np.eye(n, dtype=dtype) + _rand(rng, (n, n), dtype)
    return m @ m.T.conj()


def _preconditioner(kind, a, rng):
    return {None: None, "identity": np.eye(a.shape[0], dtype=a.dtype),
            "exact": np.linalg.inv(a),
            "random": None if kind != "random" else np.linalg.inv(_spd(rng, a.shape[0], a.dtype))
            }[kind]


def _central(f, x, eps=1e-6):
    """Central differences of a scalar ``f`` at every entry of the float64 array ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# ---- lax_scipy_sparse_test.py ----------------------------------------------------------------

STEPS = {"cg": [dict(maxiter=1), dict(maxiter=3)],
         "bicgstab": [dict(maxiter=1), dict(maxiter=2)],
         "gmres": [dict(restart=1, maxiter=1), dict(restart=1, maxiter=2),
                   dict(restart=2, maxiter=1)]}
SIZES = {"cg": [4, 7], "bicgstab": [5], "gmres": [3]}


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solvers_against_scipy(solver):
    """JAX's test_{cg,bicgstab,gmres}_against_scipy: a fixed number of steps (maxiter,
    restart) agrees with SciPy's and JAX's iterates, for every preconditioner, float64 and
    complex128; run to atol it is the solution."""
    rng = np.random.default_rng(1)
    for n, dt, pre in itertools.product(SIZES[solver], [np.float64, np.complex128],
                                        [None, "identity", "exact", "random"]):
        a = _spd(rng, n, dt) if solver == "cg" else _rand(rng, (n, n), dt)
        b = _rand(rng, (n,), dt)
        m = _preconditioner(pre, a, rng)
        gm = None if m is None else gnp.asarray(m)
        jm = None if m is None else (lambda v, m=m: jnp.matmul(m, v))
        for kw in STEPS[solver]:
            want = getattr(ssl, solver)(a, b, atol=0.0, M=m, **kw)[0]
            got = getattr(gsl, solver)(gnp.asarray(a), gnp.asarray(b), atol=0.0, M=gm, **kw)[0]
            jx = getattr(jsl, solver)(lambda v, a=a: jnp.matmul(a, v), b, atol=0.0, M=jm,
                                      **kw)[0]
            what = (solver, n, dt, pre, kw)
            scale = 1e-9 * np.abs(want).max()
            _close(got, want, 1e-9, scale, what)
            # (JAX's own iterate leaves SciPy's by 1e-6 on one of these draws; gpuad's
            # stays on SciPy's)
            if np.allclose(jx, want, 1e-9, scale):
                _close(got, jx, 1e-9, scale, what)
            assert _h(got).dtype == dt
        got = getattr(gsl, solver)(gnp.asarray(a), gnp.asarray(b), tol=1e-12, atol=1e-12,
                                   M=gm)[0]
        _close(got, np.linalg.solve(a, b), 1e-7, 1e-9, (solver, n, dt, pre))


@pytest.mark.parametrize("solver", ["bicgstab", "gmres"])
def test_solvers_on_identity_and_random_systems(solver):
    """JAX's test_{bicgstab,gmres}_on_{identity,random}_system: every float and complex dtype,
    tol and atol of n * eps, the dtype kept."""
    rng = np.random.default_rng(2)
    for dt, pre, (kind, n) in itertools.product(
            [np.float32, np.float64, np.complex64, np.complex128], [None, "identity", "exact"],
            [("identity", 2), ("identity", 7), ("random", 2), ("random", 4)]):
        a = np.eye(n, dtype=dt) if kind == "identity" else _rand(rng, (n, n), dt)
        sol = np.ones(n, dt) if kind == "identity" else _rand(rng, (n,), dt)
        if kind == "random":
            a = a + 3 * np.eye(n, dtype=dt)  # (JAX's draws that are near singular fail too)
        m = _preconditioner(pre, a, rng)
        tol = n * float(np.finfo(dt).eps)
        kw = {"restart": n} if solver == "gmres" else {}
        x, info = getattr(gsl, solver)(gnp.asarray(a), gnp.asarray(a @ sol), tol=tol, atol=tol,
                                       M=None if m is None else gnp.asarray(m), **kw)
        assert info is None and _h(x).dtype == dt
        single = np.dtype(dt) in (np.float32, np.complex64)
        _close(x, sol, 1e-4 if single else 1e-8, 1e-4 if single else 1e-8,
               (solver, dt, pre, kind, n))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_cg_as_solve_with_gradients(dtype):
    """JAX's test_cg_as_solve: cg on posify(a) = a a^H is the solve, under jit too, and its
    first and second derivatives in a and b match JAX's (conjugated) and central
    differences."""
    rng = np.random.default_rng(3)
    a, b = _rand(rng, (2, 2), dtype), _rand(rng, (2,), dtype)
    p = a @ a.T.conj()

    def g_solve(a, b):
        return gsl.cg(a @ gnp.conj(gnp.transpose(a)), b, tol=1e-14, atol=0.0)[0]

    def j_solve(a, b):
        return jsl.cg(a @ a.T.conj(), b, tol=1e-14, atol=0.0)[0]

    _close(g_solve(gnp.asarray(a), gnp.asarray(b)), np.linalg.solve(p, b), 1e-9)
    _close(ad.jit(g_solve)(gnp.asarray(a), gnp.asarray(b)), np.linalg.solve(p, b), 1e-9)

    def g_loss(a, b):
        x = g_solve(a, b)
        return gnp.sum(gnp.real(x * gnp.conj(x)) + gnp.real(x) ** 3)

    def j_loss(a, b):
        x = j_solve(a, b)
        return jnp.sum(jnp.real(x * jnp.conj(x)) + jnp.real(x) ** 3)

    gg = ad.grad(g_loss, argnums=(0, 1))(gnp.asarray(a), gnp.asarray(b))
    jg = jax.grad(j_loss, argnums=(0, 1))(a, b)
    for g, j in zip(gg, jg, strict=True):
        _close(g, np.conj(np.asarray(j)), 1e-7, 1e-9)
    if dtype == np.float64:
        _close(gg[0], _central(lambda v: float(j_loss(v, b)), a), 1e-5, 1e-7)
        hg = ad.hessian(lambda b: g_loss(gnp.asarray(a), b))(gnp.asarray(b))
        hj = jax.hessian(lambda b: j_loss(a, b))(b)
        _close(hg, hj, 1e-6, 1e-8)


class CustomOperator:
    """JAX's CustomOperator: a matrix attribute, a shape and ``@``."""

    def __init__(self, a):
        self.A = a
        self.shape = a.shape

    def __matmul__(self, x):
        return self.A @ x


@register_pytree_node_class
class MinimalPytree:
    def __init__(self, value):
        self.value = value

    def tree_flatten(self):
        return [self.value], None

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        return cls(*children)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solvers_operator_and_tree_forms(solver):
    """JAX's test_cg_ndarray, test_*_matmul, test_*_pytree, test_cg_without_pytree_equality:
    a function on a 2-D b, an object with ``@`` on a 2-D b, a dict and a registered class."""
    g, j = getattr(gsl, solver), getattr(jsl, solver)
    b = np.arange(9.0).reshape(3, 3)
    _close(g(lambda x: 2 * x, gnp.asarray(b))[0], np.asarray(j(lambda x: 2 * x, b)[0]), 1e-12)
    _close(g(CustomOperator(2 * gnp.eye(3)), gnp.asarray(b))[0], b / 2, 1e-6)
    _close(g(CustomOperator(2 * gnp.eye(3)), gnp.asarray(b))[0],
           np.asarray(j(CustomOperator(2 * jnp.eye(3)), b)[0]), 1e-6, 1e-6)

    def mv(x):
        return {"a": x["a"] + 0.5 * x["b"], "b": 0.5 * x["a"] + x["b"]}

    got = g(mv, {"a": 1.0, "b": -4.0})[0]
    assert set(got) == {"a", "b"}
    np.testing.assert_allclose([float(_h(got["a"])), float(_h(got["b"]))], [4.0, -6.0],
                               atol=1e-5)
    got = g(lambda x: MinimalPytree(2 * x.value), MinimalPytree(gnp.arange(5.0)))[0]
    assert isinstance(got, MinimalPytree)
    _close(got.value, np.arange(5.0) / 2, 1e-6)


class CallableOperator:
    def __init__(self, a):
        self.a = a

    def __call__(self, x):
        return self.a @ x


OPERATOR_FORMS = {
    "matrix": (lambda a: a, lambda a: a),
    "function": (lambda a: (lambda v: a @ v), lambda a: (lambda v: a @ v)),
    "matmul_object": (CustomOperator, CustomOperator),
    "bound_method": (lambda a: CustomOperator(a).__matmul__,
                     lambda a: CustomOperator(a).__matmul__),
    "callable_object": (CallableOperator, CallableOperator),
    "partial": (lambda a: functools.partial(gnp.dot, a), lambda a: functools.partial(jnp.dot, a)),
}


@pytest.mark.parametrize("form", OPERATOR_FORMS)
@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solver_gradients_through_operator_forms(solver, form):
    """The matrix an operator reads (as a matrix, through a closure, an attribute of an
    object with ``@``, a bound method's object, a callable object, a partial) gets the
    implicit derivative: jax.grad's, with a 2-D b and tol/atol/maxiter given."""
    rng = np.random.default_rng(4)
    a = _spd(rng, 4, np.float64) if solver == "cg" else _rand(rng, (4, 4), np.float64) + \
        6 * np.eye(4)
    b = rng.standard_normal((4, 2))
    gform, jform = OPERATOR_FORMS[form]
    kw = dict(tol=1e-13, atol=1e-14, maxiter=400)

    def g_loss(a, b):
        return gnp.sum(gnp.sin(getattr(gsl, solver)(gform(a), b, **kw)[0]))

    def j_loss(a, b):
        return jnp.sum(jnp.sin(getattr(jsl, solver)(jform(a), b, **kw)[0]))

    gg = ad.grad(g_loss, argnums=(0, 1))(gnp.asarray(a), gnp.asarray(b))
    jg = jax.grad(j_loss, argnums=(0, 1))(a, b)
    for g, j in zip(gg, jg, strict=True):
        _close(g, j, 1e-7, 1e-10, (solver, form))


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solver_hessians_through_operator_forms(solver):
    """Second derivatives in the matrix an operator holds: bicgstab and gmres against central
    differences of the exact gradient; cg against JAX's (both differentiate cg as the solve
    of a symmetric system: exact along symmetric directions, checked by differences)."""
    rng = np.random.default_rng(12)
    m = rng.standard_normal((3, 3))
    a, b = m @ m.T + 3 * np.eye(3), rng.standard_normal(3)

    def grad_np(a):
        x = np.linalg.solve(a, b)
        return -np.outer(np.linalg.solve(a.T, 3 * x ** 2), x)

    fd = np.zeros((3, 3, 3, 3))
    for i in np.ndindex(3, 3):
        d = np.zeros((3, 3))
        d[i] = 1e-6
        fd[:, :, i[0], i[1]] = (grad_np(a + d) - grad_np(a - d)) / 2e-6
    jh = np.asarray(jax.hessian(lambda a: jnp.sum(getattr(jsl, solver)(
        a, b, tol=1e-14)[0] ** 3))(a)) if solver == "cg" else None
    for form in ("matrix", "matmul_object", "bound_method", "callable_object"):
        gform = OPERATOR_FORMS[form][0]
        gh = ad.hessian(lambda a, gform=gform: gnp.sum(getattr(gsl, solver)(
            gform(a), gnp.asarray(b), tol=1e-14)[0] ** 3))(gnp.asarray(a))
        if solver == "cg":
            _close(gh, jh, 1e-7, 1e-9, form)
            s_ = rng.standard_normal((3, 3))
            s_ = s_ + s_.T
            f = [np.sum(np.linalg.solve(a + t * s_, b) ** 3) for t in (-1e-4, 0.0, 1e-4)]
            np.testing.assert_allclose(np.einsum("ij,ijkl,kl", s_, _h(gh), s_),
                                       (f[0] - 2 * f[1] + f[2]) / 1e-8, rtol=1e-5)
        else:
            _close(gh, fd, 1e-6, 1e-8, form)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solver_gradients_with_preconditioner_and_x0(solver):
    """M (a matrix, a function, an object with @) and x0 carry no derivative, as in JAX:
    the gradients in A and b are the implicit ones whatever M and x0 are; M and x0 that are
    themselves differentiated get JAX's (zero) gradient."""
    rng = np.random.default_rng(5)
    a = _spd(rng, 5, np.float64)
    b, x0 = rng.standard_normal(5), rng.standard_normal(5)
    minv = np.diag(1.0 / np.diag(a))
    kw = dict(tol=1e-13, atol=0.0)

    def g_loss(a, b, m, x0):
        for pre in (m, lambda v: m @ v, CustomOperator(m)):
            x = getattr(gsl, solver)(a, b, x0=x0, M=pre, **kw)[0]
        return gnp.sum(x ** 3)

    def j_loss(a, b, m, x0):
        x = getattr(jsl, solver)(a, b, x0=x0, M=lambda v: m @ v, **kw)[0]
        return jnp.sum(x ** 3)

    args = (a, b, minv, x0)
    gg = ad.grad(g_loss, argnums=(0, 1, 2, 3))(*map(gnp.asarray, args))
    jg = jax.grad(j_loss, argnums=(0, 1, 2, 3))(*args)
    for g, j in zip(gg, jg, strict=True):
        _close(g, j, 1e-7, 1e-10, solver)
    assert not np.any(_h(gg[2])) and not np.any(_h(gg[3]))


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_solver_errors(solver):
    """JAX's test_cg_errors, for every solver: the error classes JAX raises."""
    g, j = getattr(gsl, solver), getattr(jsl, solver)
    b = np.zeros(2)
    cases = [((lambda x: x, {"x": b}, {"y": b}), ValueError, "x0 and b must have matching"),
             ((lambda x: x, b, b[:, None]), ValueError, "x0 and b must have matching"),
             ((np.zeros((3, 2)), np.zeros(2)), ValueError, "must be a square matrix"),
             (([[1]], np.zeros(1)), TypeError,
              "linear operator must be either a function or ndarray")]
    for args, cls, msg in cases:
        if solver == "cg":  # (JAX's gmres refuses the 2-D x0 later, in its loop's types)
            with pytest.raises(cls, match=msg):
                j(*args)
        with pytest.raises(cls, match=msg):
            g(*[gnp.asarray(a) if isinstance(a, np.ndarray) and a.shape != (3, 2) else a
                for a in args])
    with pytest.raises(ValueError, match="square"):
        g(gnp.zeros((3, 2)), gnp.zeros(2))


def test_bicgstab_numerical_stability_regression():
    """JAX's regression for issue 32978: a 50 x 50 positive definite system to 1e-10."""
    rng = np.random.default_rng(6)
    base = _rand(rng, (50, 50), np.float64)
    a = base @ base.T + 0.1 * np.eye(50)
    sol = np.arange(1.0, 51.0)
    x = gsl.bicgstab(gnp.asarray(a), gnp.asarray(a @ sol), tol=1e-10, atol=1e-10,
                     maxiter=200)[0]
    _close(x, sol, 1e-5, 1e-5)
    jx = jsl.bicgstab(a, a @ sol, tol=1e-10, atol=1e-10, maxiter=200)[0]
    _close(x, jx, 1e-5, 1e-5)


def test_solvers_python_scalar_b():
    """JAX's test_*_weak_types: a Python number b; gpuad has no weak types and gives a 0-d
    float64 array (JAX a weakly typed one of the default float dtype)."""
    for solver in ("cg", "bicgstab", "gmres"):
        x = getattr(gsl, solver)(lambda v: v, 1.0)[0]
        jx = getattr(jsl, solver)(lambda v: v, 1.0)[0]
        assert _h(x).shape == () and _h(x).dtype == np.float64 and float(_h(x)) == float(jx)


def test_linear_solve_batching_via_jacrev():
    """JAX's issue 14249: jacrev of cg on a tuple right-hand side with a tuple matvec."""
    rng = np.random.RandomState(0)
    m = rng.randn(5, 5)
    a = m @ m.T
    b = rng.randn(5)
    jj = jax.jacrev(lambda b: jsl.cg(lambda x: (jnp.dot(a, x[0]), jnp.dot(a, x[1])),
                                     (b, b), tol=1e-12)[0])(b)
    ga = gnp.asarray(a)
    gj = ad.jacrev(lambda b: gsl.cg(lambda x: (gnp.dot(ga, x[0]), gnp.dot(ga, x[1])),
                                    (b, b), tol=1e-12)[0])(gnp.asarray(b))
    for g, j in zip(gj, jj, strict=True):
        _close(g, j, 1e-7, 1e-9)
        _close(g, np.linalg.inv(a), 1e-7, 1e-9)


# ---- scipy_signal_test.py: gradients ---------------------------------------------------------

def _vjp_vs_jax(gf, jf, args, rng, what):
    """gpuad's value and vjp on a random cotangent against JAX's (conjugated for complex)."""
    jout = np.asarray(jf(*args))
    ct = rng.standard_normal(jout.shape)
    if jout.dtype.kind == "c":
        ct = ct + 1j * rng.standard_normal(jout.shape)
    jv = jax.vjp(jf, *args)[1](jnp.asarray(ct, dtype=jout.dtype))
    gout, back = ad.vjp(gf, *[gnp.asarray(a) for a in args])
    _close(gout, jout, 1e-9, 1e-12, what)
    for g, j in zip(back(gnp.asarray(np.conj(ct))), jv, strict=True):
        _close(np.conj(_h(g)), j, 1e-8, 1e-10, what)


def test_signal_gradients_against_jax():
    """The earlier ports compare most of testConvolutions/testConvolutions2D/testDetrend's
    grids on values: here the vjps of every convolution and mode, real and complex, 2-D
    shapes either way round, and of detrend over its options."""
    import jax.scipy.signal as jss

    import gpuad.scipy.signal as gss

    rng = np.random.default_rng(11)
    for dt, op, mode, (xs, ys) in itertools.product(
            [np.float64, np.complex128],
            ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve"],
            ["full", "same", "valid"], [((4, 5), (2, 3)), ((2, 3), (4, 5)), ((1, 1), (2, 2))]):
        x, y = _rand(rng, xs, dt), _rand(rng, ys, dt)
        if mode == "valid" and op.endswith("2d") and xs[0] < ys[0]:
            continue  # (SciPy's 2-D valid mode needs the larger input first; JAX swaps)
        _vjp_vs_jax(lambda a, b, op=op, mode=mode: getattr(gss, op)(a, b, mode=mode),
                    lambda a, b, op=op, mode=mode: getattr(jss, op)(a, b, mode=mode),
                    (x, y), rng, (op, mode, xs, ys, dt))
    for shape, axis, kind, bp in itertools.product([(5,), (4, 5)], [0, -1],
                                                   ["constant", "linear"], [0, [0, 2]]):
        _vjp_vs_jax(lambda a: gss.detrend(a, axis=axis, type=kind, bp=bp),
                    lambda a: jss.detrend(a, axis=axis, type=kind, bp=bp),
                    (rng.standard_normal(shape),), rng, ("detrend", shape, axis, kind, bp))


# ---- scipy_ndimage_test.py -------------------------------------------------------------------

FIX = {"constant": "grid-constant", "wrap": "grid-wrap"}


def test_map_coordinates_higher_orders_against_scipy():
    """JAX's testMapCoordinates for orders 2 to 5 (prefilter on and off), every mode: gpuad
    is SciPy's map_coordinates under the mode's own name (see the module docstring), and
    under its grid name for 'constant' and 'wrap' past the edges."""
    rng = np.random.default_rng(7)
    modes = [(m, c) for m in ["wrap", "constant", "nearest", "mirror", "reflect",
                              "grid-constant", "grid-wrap"]
             for c in ([0, -1] if "constant" in m else [0])]
    for (mode, cval), order, prefilter, shape, cshape, dt, round_ in itertools.product(
            modes, [2, 3, 4, 5], [False, True], [(5,), (3, 4), (3, 4, 5)], [(7,), (2, 3)],
            [np.float32, np.float64, np.int64], [True, False]):
        if (order + len(shape) + len(cshape) + round_) % 3:  # a third of JAX's grid
            continue
        x = np.arange(int(np.prod(shape)), dtype=dt).reshape(shape)
        coords = [(size - 1) * rng.uniform(-0.75, 1.75, cshape) for size in shape]
        if round_:
            coords = [c.round().astype(int) for c in coords]
        want = sndi.map_coordinates(x, coords, order=order, mode=mode, cval=cval,
                                    prefilter=prefilter)
        got = gndi.map_coordinates(x, coords, order=order, mode=mode, cval=cval,
                                   prefilter=prefilter)
        assert _h(got).dtype == want.dtype
        if np.dtype(dt).kind == "f":
            _close(got, want, 1e-5, 1e-4, (mode, order, prefilter, shape, dt))
        else:  # results on a half are rounded by both, up to their rounding errors
            assert np.abs(_h(got) - want).max() <= 1, (mode, order, prefilter, shape)


def test_map_coordinates_jax_modes_past_the_edges():
    """What JAX's newer testMapCoordinates asserts for 'constant' and 'wrap' (SciPy's grid
    modes) holds in gpuad under the grid names for every order; for orders 0 and 1 under
    JAX's names too (the jax installed here has those orders only)."""
    import jax.scipy.ndimage as jndi

    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 5))
    coords = [rng.uniform(-2, 5, 9), rng.uniform(-2, 6, 9)]
    for mode, order in itertools.product(["constant", "wrap"], range(6)):
        want = sndi.map_coordinates(x, coords, order=order, mode=FIX[mode], cval=-1.5)
        _close(gndi.map_coordinates(x, coords, order=order, mode=FIX[mode], cval=-1.5),
               want, 1e-9, 1e-12, (mode, order))
        if order < 2:
            _close(gndi.map_coordinates(x, coords, order=order, mode=mode, cval=-1.5), want,
                   1e-9, 1e-12, (mode, order))
            _close(gndi.map_coordinates(x, coords, order=order, mode=mode, cval=-1.5),
                   jndi.map_coordinates(x, coords, order=order, mode=mode, cval=-1.5),
                   1e-9, 1e-12, (mode, order))
        else:  # DIFFERS: SciPy's reading of the name
            _close(gndi.map_coordinates(x, coords, order=order, mode=mode, cval=-1.5),
                   sndi.map_coordinates(x, coords, order=order, mode=mode, cval=-1.5),
                   1e-9, 1e-12, (mode, order))


def test_map_coordinates_higher_order_gradients():
    """Orders 2 to 5: derivatives in the input, the coordinates and cval against central
    differences of SciPy's map_coordinates."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 5))
    c = np.stack([rng.uniform(-0.7, 3.7, 6), rng.uniform(-0.7, 4.7, 6)])
    w = rng.standard_normal(6)
    for order, mode in itertools.product([2, 3, 4, 5], ["constant", "grid-constant",
                                                        "reflect", "mirror", "nearest",
                                                        "grid-wrap"]):
        def g_loss(x, c, cv):
            return gnp.sum(gnp.asarray(w) * gndi.map_coordinates(x, [c[0], c[1]], order=order,
                                                                 mode=mode, cval=cv))

        def s_loss(x, c, cv):
            return float(np.sum(w * sndi.map_coordinates(x, c, order=order, mode=mode,
                                                         cval=cv)))

        gx, gc, gcv = ad.grad(g_loss, argnums=(0, 1, 2))(gnp.asarray(x), gnp.asarray(c),
                                                           gnp.asarray(0.7))
        what = (order, mode)
        _close(gx, _central(lambda v: s_loss(v, c, 0.7), x), 1e-6, 1e-8, what)
        _close(gc, _central(lambda v: s_loss(x, v, 0.7), c), 1e-5, 1e-6, what)
        _close(gcv, _central(lambda v: s_loss(x, c, float(v)), np.asarray(0.7)), 1e-6, 1e-8,
               what)


def test_map_coordinates_round_half_higher_orders():
    """JAX's testMapCoordinatesRoundHalf for orders 0 to 3 (prefilter off, JAX's 'constant'
    as SciPy's 'grid-constant')."""
    for dt, order in itertools.product([np.float32, np.float64, np.int32, np.int64], range(4)):
        x, c = np.arange(-3, 8, 2, dtype=dt), np.array([[0.5, 1.5, 2.5, 3.5]])
        want = sndi.map_coordinates(x, c, order=order, prefilter=False, mode="grid-constant")
        got = gndi.map_coordinates(x, c, order=order, prefilter=False, mode="grid-constant")
        _close(got, want, 1e-6, 1e-12, (dt, order))
        assert _h(got).dtype == want.dtype


def test_map_coordinates_errors():
    """JAX's testMapCoordinatesErrors: gpuad raises SciPy's errors (RuntimeError for an
    order or mode it has not; 'grid-wrap' is SciPy's and computed)."""
    x, c = np.arange(5.0), [np.linspace(0, 5, num=3)]
    for lib in (gndi, sndi):
        with pytest.raises(RuntimeError, match="spline order not supported"):
            lib.map_coordinates(x, c, order=7, prefilter=False)
        with pytest.raises(RuntimeError, match="boundary mode"):
            lib.map_coordinates(x, c, order=1, mode="fail")
    with pytest.raises(ValueError, match="sequence of length"):
        gndi.map_coordinates(x, [c[0], c[0]], order=1)
    _close(gndi.map_coordinates(x, c, order=1, mode="grid-wrap"),
           sndi.map_coordinates(x, c, order=1, mode="grid-wrap"), 1e-12)


@pytest.mark.parametrize("name", ["spline_filter", "spline_filter1d"])
def test_spline_filters_against_scipy_with_gradients(name):
    """JAX's testSplineFilter and testSplineFilter1D (orders 3 to 5; JAX's 'wrap' is SciPy's
    'grid-wrap'), float32 and float64 outputs, every axis; the filters are linear, so their
    vjp is the transposed matrix: checked against central differences."""
    rng = np.random.default_rng(10)
    for order, mode, shape, dt in itertools.product(
            [3, 4, 5], ["reflect", "wrap", "mirror"], [(5,), (3, 4), (3, 4, 5)],
            [np.float32, np.float64]):
        x = rng.uniform(-0.5, 0.5, shape).astype(dt)
        axes = range(len(shape)) if name == "spline_filter1d" else [None]
        for axis in axes:
            kw = {} if axis is None else {"axis": axis}
            for m in {mode, FIX.get(mode, mode)}:
                want = getattr(sndi, name)(x, order=order, output=dt, mode=m, **kw)
                got = getattr(gndi, name)(x, order=order, output=dt, mode=m, **kw)
                assert _h(got).dtype == dt
                _close(got, want, 1e-5 if dt == np.float32 else 1e-10,
                       1e-6 if dt == np.float32 else 1e-12, (name, order, m, shape, axis))
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for order, mode in itertools.product([2, 3, 5], ["mirror", "grid-wrap", "reflect"]):
        g = ad.grad(lambda v: gnp.sum(gnp.asarray(w) * getattr(gndi, name)(
            v, order=order, mode=mode)))(gnp.asarray(x))
        _close(g, _central(lambda v: float(np.sum(w * getattr(sndi, name)(
            v, order=order, mode=mode))), x), 1e-7, 1e-9, (name, order, mode))


@pytest.mark.parametrize("name", ["spline_filter", "spline_filter1d"])
def test_spline_filter_errors(name):
    """JAX's testSplineFilterErrors / testSplineFilter1DErrors: gpuad raises SciPy's
    RuntimeError (JAX a ValueError) for order 7 and mode 'fail'."""
    x = np.arange(5.0)
    for lib in (gndi, sndi):
        with pytest.raises(RuntimeError, match="spline order"):
            getattr(lib, name)(x, order=7)
        with pytest.raises(RuntimeError, match="boundary mode"):
            getattr(lib, name)(x, order=3, mode="fail")


# ---- the map ---------------------------------------------------------------------------------

_SP, _SIG, _ND = "LaxBackedScipyTests", "LaxBackedScipySignalTests", "NdimageTest"
_IN, _FFT = "LaxBackedScipyInterpolateTests", "LaxBackedScipyFftTests"
_SUITE = "test_jax_scipy_suite.py"
_SOLV = "test_jax_solvers_suite.py"

GAPS = (
    (_SP, "test_cg_against_scipy", "here: test_solvers_against_scipy"),
    (_SP, "test_cg_as_solve", "here: test_cg_as_solve_with_gradients"),
    (_SP, "test_cg_ndarray", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_cg_pytree", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_cg_matmul", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_cg_errors", "here: test_solver_errors"),
    (_SP, "test_cg_without_pytree_equality", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_cg_weak_types", "differs: no weak types, test_solvers_python_scalar_b"),
    (_SP, "test_bicgstab_against_scipy", "here: test_solvers_against_scipy"),
    (_SP, "test_bicgstab_on_identity_system",
     "here: test_solvers_on_identity_and_random_systems"),
    (_SP, "test_bicgstab_on_random_system",
     "here: test_solvers_on_identity_and_random_systems"),
    (_SP, "test_bicgstab_pytree", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_bicgstab_weak_types", "differs: no weak types, test_solvers_python_scalar_b"),
    (_SP, "test_bicgstab_matmul", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_bicgstab_numerical_stability_regression",
     "here: test_bicgstab_numerical_stability_regression"),
    (_SP, "test_gmres_against_scipy", "here: test_solvers_against_scipy"),
    (_SP, "test_gmres_on_identity_system", "here: test_solvers_on_identity_and_random_systems"),
    (_SP, "test_gmres_on_random_system", "here: test_solvers_on_identity_and_random_systems"),
    (_SP, "test_gmres_pytree", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_gmres_matmul", "here: test_solvers_operator_and_tree_forms"),
    (_SP, "test_gmres_arnoldi_step",
     "n/a: JAX's private _kth_arnoldi_iteration; gmres's iterates are compared step by step "
     "in test_solvers_against_scipy"),
    (_SP, "test_gmres_weak_types", "differs: no weak types, test_solvers_python_scalar_b"),
    (_SP, "test_linear_solve_batching_via_jacrev", "here: test_linear_solve_batching_via_jacrev"),
    (_SIG, "testConvolutions", f"covered: {_SUITE}::test_convolutions_against_scipy; "
     "gradients here: test_signal_gradients_against_jax"),
    (_SIG, "testFFTConvolution", f"covered: {_SUITE}::test_fftconvolve_axes_against_scipy"),
    (_SIG, "testConvolutions2D", f"covered: {_SUITE}::test_convolutions_2d_against_scipy; "
     "gradients here: test_signal_gradients_against_jax"),
    (_SIG, "testDetrend", f"covered: {_SUITE}::test_detrend_against_scipy; "
     "gradients here: test_signal_gradients_against_jax"),
    (_SIG, "testStftAgainstNumpy", f"covered: {_SUITE}::test_stft_against_scipy"),
    (_SIG, "testCsdAgainstNumpy", f"covered: {_SUITE}::test_csd_against_scipy"),
    (_SIG, "testCsdWithSameParamAgainstNumpy", f"covered: {_SUITE}::test_csd_against_scipy"),
    (_SIG, "testWelchAgainstNumpy", f"covered: {_SUITE}::test_welch_against_scipy"),
    (_SIG, "testWelchWithDefaultStepArgsAgainstNumpy",
     f"covered: {_SUITE}::test_welch_default_step_arguments_against_scipy"),
    (_SIG, "testIstftAgainstNumpy", f"covered: {_SUITE}::test_istft_against_scipy"),
    (_ND, "testMapCoordinates",
     "here: test_map_coordinates_higher_orders_against_scipy (orders 2-5), "
     "test_map_coordinates_jax_modes_past_the_edges, test_map_coordinates_higher_order_gradients; "
     f"orders 0-1 covered: {_SUITE}::test_map_coordinates_against_scipy; differs: 'constant' "
     "and 'wrap' of orders 2-5 are SciPy's"),
    (_ND, "testMapCoordinatesErrors", "differs: SciPy's RuntimeError, test_map_coordinates_errors"),
    (_ND, "testMapCoordinatesRoundHalf", "here: test_map_coordinates_round_half_higher_orders"),
    (_ND, "testContinuousGradients",
     f"covered: {_SUITE}::test_map_coordinates_round_half_errors_and_gradients"),
    (_ND, "testSplineFilter", "here: test_spline_filters_against_scipy_with_gradients"),
    (_ND, "testSplineFilter1D", "here: test_spline_filters_against_scipy_with_gradients"),
    (_ND, "testSplineFilterErrors", "differs: SciPy's RuntimeError, test_spline_filter_errors"),
    (_ND, "testSplineFilter1DErrors",
     "differs: SciPy's RuntimeError, test_spline_filter_errors"),
    (_IN, "testRegularGridInterpolator",
     f"covered: {_SUITE}::test_regular_grid_interpolator_against_scipy_and_jax"),
    (_FFT, "testDct", f"covered: {_SUITE}::test_dct_idct_against_scipy"),
    (_FFT, "testDctn", f"covered: {_SUITE}::test_dctn_idctn_against_scipy"),
    (_FFT, "testiDct", f"covered: {_SUITE}::test_dct_idct_against_scipy"),
    (_FFT, "testiDctn", f"covered: {_SUITE}::test_dctn_idctn_against_scipy"),
    (_FFT, "testIdctNormalizationPrecision", f"covered: {_SUITE}::test_dct_idct_against_scipy"),
)


def test_every_gap_has_a_mapping():
    counts = {_SP: 23, _SIG: 10, _ND: 8, _IN: 1, _FFT: 5}
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == sum(counts.values())
    for cls, k in counts.items():
        assert sum(c == cls for c, _, _ in GAPS) == k, cls
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        covered = re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where)
        for path, obj in covered:
            text = (Path(__file__).parent / path).read_text()
            assert f"def {obj}(" in text, (name, path, obj)
        rest = re.sub(r"covered: [\w/.]+\.py::\w+", "", where)
        for fn in re.findall(r"\b(test_\w+)", rest):
            assert fn in globals(), (name, fn)
    assert _SOLV  # the earlier solver port: values, derivatives, jit and vmap of each solver
