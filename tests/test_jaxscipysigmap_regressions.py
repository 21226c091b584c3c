"""Regressions found by mapping JAX's SciPy solver, signal, ndimage, interpolate and fft tests
onto gpuad.scipy (tests/conformance/test_jax_scipy_gaps2.py). Expected values come from NumPy
(closed forms of the implicit derivatives) and central differences."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy.sparse.linalg import bicgstab, cg, gmres

RNG = np.random.default_rng(11)
_M = RNG.standard_normal((4, 4))
A0 = _M @ _M.T + 4 * np.eye(4)  # symmetric positive definite (cg) and well conditioned
B0 = RNG.standard_normal(4)
TIGHT = {"tol": 1e-13, "atol": 0.0}


class MatmulOperator:
    """A linear operator as JAX's tests write one: a matrix attribute and ``@``."""

    def __init__(self, a):
        self.a = a
        self.shape = a.shape

    def __matmul__(self, x):
        return self.a @ x


class CallableOperator:
    def __init__(self, a):
        self.a = a

    def __call__(self, x):
        return self.a @ x


class SlotOperator:
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def apply(self, x):
        return self.a @ x


def _exact_grad_a(a, b):
    """d/dA of sum(x ** 2), x = A^{-1} b: -A^{-T} (2 x) x^T."""
    x = np.linalg.solve(a, b)
    return -np.outer(np.linalg.solve(a.T, 2 * x), x)


SOLVERS = {"cg": cg, "bicgstab": bicgstab, "gmres": gmres}
FORMS = {
    "matmul_object": lambda a: MatmulOperator(a),
    "bound_method": lambda a: MatmulOperator(a).__matmul__,
    "callable_object": lambda a: CallableOperator(a),
    "slots_method": lambda a: SlotOperator(a).apply,
    "tensor_method": lambda a: a.dot,  # a bound method of the differentiated Tensor itself
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_gradient_through_an_operator_object(backend, solver, form):
    """The matrix an operator object holds in an attribute gets the implicit derivative
    (it was a silent zero through custom_linear_solve, or a wrong value through cg's
    iterations, and a crash for an object with @)."""
    solve = SOLVERS[solver]

    def loss(a):
        x, _ = solve(FORMS[form](a), gnp.asarray(B0), **TIGHT)
        return gnp.sum(x ** 2)

    a = gnp.asarray(A0)
    np.testing.assert_allclose(to_numpy(loss(a)), np.sum(np.linalg.solve(A0, B0) ** 2),
                               rtol=1e-9)
    g = ad.grad(loss)(a)
    np.testing.assert_allclose(to_numpy(g), _exact_grad_a(A0, B0), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_two_dimensional_b(backend, solver):
    """JAX's test_*_matmul (an object with @) and a matrix A, each with a 2-D right-hand side
    (the matrix's columns were compared with b's size and refused)."""
    b = gnp.reshape(gnp.arange(9.0), (3, 3))
    for a in (MatmulOperator(2 * gnp.eye(3)), 2 * gnp.eye(3)):
        x, _ = SOLVERS[solver](a, b)
        np.testing.assert_allclose(to_numpy(x), np.arange(9.0).reshape(3, 3) / 2, atol=1e-6)
    a = gnp.asarray(A0)

    def loss(a, b):
        x, _ = SOLVERS[solver](a, b, **TIGHT)
        return gnp.sum(x ** 3)

    b2 = RNG.standard_normal((4, 2))
    ga, gb = ad.grad(loss, argnums=(0, 1))(a, gnp.asarray(b2))
    x = np.linalg.solve(A0, b2)
    lam = np.linalg.solve(A0.T, 3 * x ** 2)
    np.testing.assert_allclose(to_numpy(gb), lam, rtol=1e-7)
    np.testing.assert_allclose(to_numpy(ga), -lam @ x.T, rtol=1e-7, atol=1e-12)
    with pytest.raises(ValueError, match="incompatible"):
        SOLVERS[solver](a, gnp.zeros((3, 4)))


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_preconditioner_operator_object(backend, solver):
    """M may be an object with @ too; the solution is A^{-1} b and b's gradient exact."""
    minv = gnp.asarray(np.linalg.inv(A0))

    def loss(b):
        x, _ = SOLVERS[solver](gnp.asarray(A0), b, M=MatmulOperator(minv), **TIGHT)
        return gnp.sum(x ** 2)

    g = ad.grad(loss)(gnp.asarray(B0))
    x = np.linalg.solve(A0, B0)
    np.testing.assert_allclose(to_numpy(g), np.linalg.solve(A0.T, 2 * x), rtol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_bad_operators_raise_jax_errors(backend, solver):
    s = SOLVERS[solver]
    with pytest.raises(TypeError, match="linear operator must be either a function or ndarray"):
        s([[1.0]], gnp.zeros(1))
    with pytest.raises(ValueError, match="must be a square matrix"):
        s(gnp.zeros((3, 2)), gnp.zeros(2))
    with pytest.raises(ValueError, match="must be a square matrix"):
        s(MatmulOperator(gnp.zeros((3, 2))), gnp.zeros(2))

    class MatvecOnly:
        def matvec(self, x):
            return x

    with pytest.raises(TypeError, match=r"matvec"):
        s(MatvecOnly(), gnp.zeros(2))


def test_closure_convert_hoists_attributes_and_leaves_the_object_alone(backend):
    w = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    op = MatmulOperator(w)
    f = op.__matmul__
    conv, consts = ad.closure_convert(f, gnp.ones(2))
    assert len(consts) == 1 and consts[0] is w
    x = gnp.asarray([3.0, 4.0])
    assert float(to_numpy(conv(x, gnp.asarray([10.0, 10.0])))) == 70.0
    assert op.a is w and float(to_numpy(f(x))) == 11.0
    slot = SlotOperator(w)
    conv, consts = ad.closure_convert(lambda v: slot.apply(v), gnp.ones(2))
    assert len(consts) == 1 and float(to_numpy(conv(x, gnp.asarray([1.0, 1.0])))) == 7.0
    assert slot.a is w


def test_closure_convert_nested_objects_under_custom_vjp(backend):
    """A value two objects deep, read by a custom_vjp fixed point, gets its derivative."""

    class Inner:
        def __init__(self, a):
            self.a = a

    class Outer:
        def __init__(self, a):
            self.inner = Inner(a)

    @functools.partial(ad.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, x0, *consts):
        x = x0
        for _ in range(60):
            x = f(x, *consts)
        return x

    def fwd(f, x0, *consts):
        x = fixed_point(f, x0, *consts)
        return x, (x, consts)

    def bwd(f, res, g):
        x, consts = res
        # sqrt's fixed point: dx/da = 1 / (2 x) (x = 0.5 (x + a / x))
        return (gnp.zeros_like(x), *[g / (2 * x) for _ in consts])

    fixed_point.defvjp(fwd, bwd)

    def root(a):
        o = Outer(a)
        conv, consts = ad.closure_convert(lambda x: 0.5 * (x + o.inner.a / x), a)
        assert len(consts) == 1
        return fixed_point(conv, gnp.asarray(1.0), *consts)

    g = ad.grad(root)(gnp.asarray(2.0))
    np.testing.assert_allclose(to_numpy(g), 0.5 / np.sqrt(2.0), rtol=1e-10)


_W = None  # a module-level parameter (PyTorch style), set by the test below


class GlobalReader:
    """A callable whose methods read the module-level parameter ``_W``."""

    def __call__(self, x):
        return self.helper(x)

    def helper(self, x):
        return _W @ x


class SlotGlobalReader:
    __slots__ = ("s",)

    def __init__(self, s):
        self.s = s

    def __matmul__(self, x):
        return self.s * (_W @ x)

    @staticmethod
    def twice(x):
        return 2 * (_W @ x)


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_gradient_of_a_global_read_by_class_methods(backend, solver):
    """A parameter a class's methods read from module globals gets the implicit derivative
    (cg gave a wrong one, through its iterations: the methods were not looked into)."""
    global _W
    try:
        for form in (GlobalReader(), SlotGlobalReader(1.0), SlotGlobalReader.twice):
            _W = ad.tensor(A0, requires_grad=True)
            scale = 2.0 if form is SlotGlobalReader.twice else 1.0
            x, _ = SOLVERS[solver](form, gnp.asarray(B0), **TIGHT)
            gnp.sum(x ** 2).backward()
            np.testing.assert_allclose(to_numpy(_W.grad), _exact_grad_a(scale * A0, B0) * scale,
                                       rtol=1e-7, atol=1e-12)
    finally:
        _W = None


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_jit_follows_operator_objects(backend, solver):
    """Under gpuad.jit the matrix an operator object holds is an input of the compiled
    loop: a second call with another matrix solves the new system, with its gradient."""
    b = np.ones(3)
    for form in (MatmulOperator, lambda a: MatmulOperator(a).__matmul__, CallableOperator):
        f = ad.jit(lambda a, b: SOLVERS[solver](form(a), b, tol=1e-12)[0])
        g = ad.jit(ad.grad(lambda a, b: gnp.sum(SOLVERS[solver](form(a), b, tol=1e-12)[0])))
        for k in (2.0, 4.0):
            a = gnp.asarray(np.eye(3) * k)
            np.testing.assert_allclose(to_numpy(f(a, gnp.asarray(b))), b / k, rtol=1e-9)
            np.testing.assert_allclose(to_numpy(g(a, gnp.asarray(b))),
                                       -np.outer(np.ones(3) / k, b / k), rtol=1e-9)


def _recursive(x, n=2):
    return _W * x if n == 0 else _recursive(x, n - 1) + x


class _Parent:
    def __init__(self, a):
        self.a = a
        self.child = _Child(self)

    def __call__(self, x):
        return self.child.parent.a * x


class _Child:
    def __init__(self, parent):
        self.parent = parent


def test_closure_convert_recursion_and_cycles(backend):
    """A recursive function's copy calls the copy (the copy called the original, reading the
    original value: a silently wrong result); an object reached again through a reference
    cycle cannot be copied consistently and is refused, not half replaced."""
    global _W
    try:
        _W = ad.tensor(np.array(3.0), requires_grad=True)
        conv, consts = ad.closure_convert(_recursive, gnp.asarray(1.0))
        assert len(consts) == 1 and consts[0] is _W
        assert float(to_numpy(conv(gnp.asarray(1.0), gnp.asarray(10.0)))) == 12.0
        assert float(to_numpy(_recursive(gnp.asarray(1.0)))) == 5.0
        g = ad.grad(lambda w: conv(gnp.asarray(2.0), w))(gnp.asarray(10.0))
        assert float(to_numpy(g)) == 2.0
        conv, consts = ad.closure_convert(_Parent(_W), gnp.asarray(1.0))
        assert len(consts) == 1
        with pytest.raises(TypeError, match="reference cycle"):
            conv(gnp.asarray(1.0), gnp.asarray(10.0))
    finally:
        _W = None


class _Shared:
    """An object whose copy is itself (a handle to shared state)."""

    def __init__(self, a):
        self.a = a

    def __copy__(self):
        return self

    def __call__(self, x):
        return self.a * x


def test_closure_convert_never_writes_into_the_original_object(backend):
    w = ad.tensor(np.array(3.0), requires_grad=True)
    obj = _Shared(w)
    conv, consts = ad.closure_convert(obj, gnp.asarray(1.0))
    assert len(consts) == 1
    with pytest.raises(TypeError, match="could not be copied"):
        conv(gnp.asarray(1.0), gnp.asarray(10.0))
    assert obj.a is w


class _ClassAttrOperator:
    """Reads its matrix from a class attribute: a place closure_convert does not look."""

    A = None

    def __call__(self, x):
        return self.A @ x


def test_missed_closure_value_is_an_error_not_a_wrong_gradient(backend):
    """A matvec (or custom_root's f) reading a differentiated value closure_convert cannot
    find raises GradError: its derivative went through cg's iterations (wrong) or was lost."""
    from gpuad import lax

    def loss(a):
        _ClassAttrOperator.A = a
        return gnp.sum(cg(_ClassAttrOperator(), gnp.asarray(B0), **TIGHT)[0] ** 2)

    try:
        assert abs(float(to_numpy(loss(gnp.asarray(A0)))) -
                   np.sum(np.linalg.solve(A0, B0) ** 2)) < 1e-9  # values need no derivative
        with pytest.raises(ad.GradError, match="matvec reads a value being differentiated"):
            ad.grad(loss)(gnp.asarray(A0))
        with pytest.raises(ad.GradError, match="matvec reads a value being differentiated"):
            ad.jvp(loss, (gnp.asarray(A0),), (gnp.asarray(np.eye(4)),))

        def root(a):
            _ClassAttrOperator.A = a
            return lax.custom_root(lambda y: y ** 2 - _ClassAttrOperator.A, 1.0,
                                   lambda g, y: y, lambda g, y: y / g(1.0))

        with pytest.raises(ad.GradError, match="f reads a value being differentiated"):
            ad.grad(root)(gnp.asarray(2.0))
    finally:
        _ClassAttrOperator.A = None


@pytest.mark.parametrize("restart", [0, -1, 1.5])
def test_gmres_restart_must_be_positive(backend, restart):
    """restart < 1 failed inside the cycle ('stack: need at least one array')."""
    with pytest.raises(ValueError, match="restart .* must be a positive integer"):
        gmres(gnp.eye(3), gnp.ones(3), restart=restart)


class _Proxy:
    """Every attribute lookup that misses raises something other than AttributeError."""

    def __init__(self, a):
        self.a = a

    def __getattr__(self, name):
        raise RuntimeError(f"proxy: no {name}")

    def __call__(self, x):
        return self.a * x


def test_closure_convert_does_not_trip_on_custom_getattr(backend):
    w = ad.tensor(np.array(3.0), requires_grad=True)
    p = _Proxy(w)
    conv, consts = ad.closure_convert(lambda x: p(x), gnp.asarray(1.0))
    assert len(consts) == 1 and consts[0] is w
    assert float(to_numpy(conv(gnp.asarray(2.0), gnp.asarray(5.0)))) == 10.0


class _PropertyReader:
    @property
    def matrix(self):
        return _W * 1.0

    def __call__(self, x):
        return self.matrix @ x


def test_closure_convert_looks_into_property_getters(backend):
    """A property whose getter reads a module-level parameter: hoisted and rebuilt like a
    method (it was missed: custom_vjp rules fed by closure_convert lost its derivative)."""
    global _W
    try:
        _W = ad.tensor(A0, requires_grad=True)
        conv, consts = ad.closure_convert(_PropertyReader(), gnp.asarray(B0))
        assert len(consts) == 1 and consts[0] is _W
        got = conv(gnp.asarray(B0), gnp.asarray(2 * A0))
        np.testing.assert_allclose(to_numpy(got), 2 * A0 @ B0, rtol=1e-12)
        x, _ = cg(_PropertyReader(), gnp.asarray(B0), **TIGHT)
        gnp.sum(x ** 2).backward()
        np.testing.assert_allclose(to_numpy(_W.grad), _exact_grad_a(A0, B0), rtol=1e-7,
                                   atol=1e-12)
    finally:
        _W = None
