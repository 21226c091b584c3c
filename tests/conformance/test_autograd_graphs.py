"""HIPS autograd's graph-structure suite (``tests/test_graphs.py``) on gpuad: fan-out, constant
and identity functions, Hessian-vector products through ``grad``, functions closing over the
variable of an enclosing ``grad``, adjoints accumulated at re-used values (also through
indexing and complex intermediates), third derivatives in mixed arguments, singleton
outputs, writes into a differentiated argument and non-scalar losses. The diamond patterns,
deep chains and "grad again after a constant" that the suite lists as to-do are added.

Deliberate difference: autograd refuses every item assignment on a traced array
(``TypeError``). gpuad records writes into arrays it creates, and refuses (``GradError``) a
write into a differentiated argument itself, whose gradient would be lost
(docs/semantics.md, "In-place writes and versions").
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _fan(x):
    return gnp.sin(gnp.sin(x) + gnp.sin(x))


def test_grad_fanout(backend):
    rs = np.random.RandomState(1)
    check_grads(_fan, (rs.randn(),), order=2)
    check_grads(ad.grad(_fan), (rs.rand(),), order=2)
    x = 0.4
    np.testing.assert_allclose(_np(ad.grad(_fan)(x)), np.cos(2 * np.sin(x)) * 2 * np.cos(x),
                               rtol=1e-13)


def test_grad_const(backend):
    np.testing.assert_allclose(_np(ad.grad(lambda x: 1.0)(2.0)), 0.0)
    # a constant array output, and grad of that zero gradient again
    np.testing.assert_allclose(_np(ad.grad(lambda x: np.float64(3.0))(2.0)), 0.0)
    np.testing.assert_allclose(_np(ad.grad(lambda x: gnp.sum(ad.grad(lambda y: 1.0)(x)))(2.0)),
                               0.0)
    with pytest.raises(TypeError, match="integer or boolean"):
        ad.grad(lambda x: 1)(2.0)  # an int result is piecewise constant: an error in gpuad
    # the other transforms of a constant: zeros of the right shape
    from gpuad.misc import elementwise_grad

    x = np.array([0.3, -0.7, 1.1])
    for transform, shape in [(ad.jacrev, (3,)), (ad.jacfwd, (3,)), (ad.hessian, (3, 3)),
                             (elementwise_grad, (3,))]:
        r = transform(lambda t: 2.0)(x)
        assert r.shape == shape
        np.testing.assert_array_equal(_np(r), np.zeros(shape))


def test_grad_identity(backend):
    df = ad.grad(lambda x: x)
    np.testing.assert_allclose(_np(df(2.0)), 1.0)
    np.testing.assert_allclose(_np(ad.grad(df)(2.0)), 0.0)
    np.testing.assert_allclose(_np(ad.grad(ad.grad(df))(2.0)), 0.0)


def test_hess_vector_prod(backend):
    rs = np.random.RandomState(1)
    randv = rs.randn(10)
    rv = ad.get_backend().xp.asarray(randv)

    def fun(x):
        return gnp.sin(gnp.dot(x, rv))

    df = ad.grad(fun)

    def vector_product(x, v):
        return gnp.sin(gnp.dot(v, df(x)))

    A, B = rs.randn(10), rs.randn(10)
    check_grads(fun, (A,), order=2)
    check_grads(vector_product, (A, B), order=2)
    # d/dx sin(v . cos(x.r) r) = cos(.) (v . r) (-sin(x.r)) r
    s = A @ randv
    inner = (B @ randv) * np.cos(s)
    expected = np.cos(inner) * (B @ randv) * (-np.sin(s)) * randv
    np.testing.assert_allclose(_np(ad.grad(vector_product)(A, B)), expected, rtol=1e-12)


@pytest.mark.parametrize("order", ["x*y", "y*x"])
def test_enclosing_scope_ref(backend, order):
    def fun(x):
        inner = (lambda y: x * y) if order == "x*y" else (lambda y: y * x)
        return x * ad.grad(inner)(2.0)

    check_grads(fun, (1.0,), order=2)
    np.testing.assert_allclose(_np(ad.grad(fun)(1.3)), 2 * 1.3, rtol=1e-13)  # fun = x**2


def test_enclosing_scope_nested_deeply(backend):
    """grad of grad of a function that calls grad on a closure over both outer variables."""
    def fun(x, z):
        inner = lambda y: gnp.sin(x * y) * z  # noqa: E731
        return ad.grad(inner)(0.5) * x

    # fun = x cos(x/2) z x  -> check both arguments, second order, both modes
    check_grads(fun, (0.7, 1.3), order=2)
    g = ad.grad(ad.grad(fun), 1)(0.7, 1.3)  # d/dz d/dx: d/dx[x^2 cos(x/2)]
    x = 0.7
    np.testing.assert_allclose(_np(g), 2 * x * np.cos(x / 2) - x ** 2 * np.sin(x / 2) / 2,
                               rtol=1e-12)


def _mutating(a):
    b = a + 1.0
    c = b + 1.5
    d = a + b
    e = d + c
    return gnp.sum(e)


def _mutating_index(a):
    b = a + 1.0
    c = b[0] + 1.5
    d = a + b
    e = d + c
    return gnp.sum(e)


def _mutating_complex(a):
    b = a + 1.0j
    c = b[0] + 1.5
    d = a + b
    e = d + c
    return gnp.real(gnp.sum(e))


@pytest.mark.parametrize("fun", [_mutating, _mutating_index, _mutating_complex],
                         ids=["plain", "indexing", "complex"])
def test_mutating_outgrad(backend, fun):
    """The adjoint of a value used twice is accumulated, never overwritten in place."""
    A = np.random.RandomState(1).randn(5)
    check_grads(fun, (A,), order=2)
    check_grads(lambda x: gnp.sum(ad.grad(fun)(x)), (A,), order=2)
    if fun is _mutating:
        expected = np.full(5, 3.0)  # e = 3 a + 3.5
    else:  # e = 2 a + 1 + (a[0] + 2.5), the last term broadcast into all five elements
        expected = np.array([7.0, 2.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(_np(ad.grad(fun)(A)), expected)


def test_complex_separate_real_and_imaginary(backend):
    def fun(a):
        r, i = gnp.real(a), gnp.imag(a)
        return gnp.sum(gnp.abs(r) ** 1.4 + gnp.abs(i) ** 1.3)

    rs = np.random.RandomState(1)
    A = rs.randn(5, 3) + 0.1j * rs.randn(5, 3)
    check_grads(fun, (A,), order=2)
    check_grads(lambda x: gnp.sum(gnp.real(ad.grad(fun)(x))), (A,), order=2)
    # gpuad's convention: dL/dx + i dL/dy
    r, i = A.real, A.imag
    expected = 1.4 * np.abs(r) ** 0.4 * np.sign(r) + 1j * 1.3 * np.abs(i) ** 0.3 * np.sign(i)
    np.testing.assert_allclose(_np(ad.grad(fun)(A)), expected, rtol=1e-12)


def test_third_derivative(backend):
    rs = np.random.RandomState(1)
    df = ad.grad(_fan)
    ddf = ad.grad(df)
    dddf = ad.grad(ddf)
    for f in (_fan, df, ddf):
        check_grads(f, (rs.rand(),), order=2)
    check_grads(dddf, (rs.rand(),), order=1)
    x, h = 0.3, 1e-4  # the third derivative against differences of the exact second
    fd = (_np(ddf(x + h)) - _np(ddf(x - h))) / (2 * h)
    np.testing.assert_allclose(_np(dddf(x)), fd, rtol=1e-6)


@pytest.mark.parametrize("nums", [(0, 1, 0), (1, 0, 1)])
def test_third_derivative_other_args(backend, nums):
    fun = lambda x, y: gnp.sin(gnp.sin(x) + gnp.sin(y))  # noqa: E731
    rs = np.random.RandomState(1)
    df = ad.grad(fun, nums[0])
    ddf = ad.grad(df, nums[1])
    dddf = ad.grad(ddf, nums[2])
    for f in (fun, df, ddf):
        check_grads(f, (rs.randn(), rs.randn()), order=2)
    check_grads(dddf, (rs.randn(), rs.randn()), order=1)
    # d3/dx2 dy (or dy2 dx) of sin(sin x + sin y) at (x, y):
    x, y = 0.3, -0.8
    s = np.sin(x) + np.sin(y)
    a, b = (x, y) if nums[0] == 0 else (y, x)  # a: differentiated twice
    expected = (-np.cos(s) * np.cos(a) ** 2 + np.sin(s) * np.sin(a)) * np.cos(b)
    np.testing.assert_allclose(_np(dddf(x, y)), expected, rtol=1e-12)


@pytest.mark.parametrize("shape, axis, keepdims", [
    ((3, 3), None, True),
    ((3, 1), 0, False),
    ((1, 3), 1, False),
    ((3, 1), 0, True),
    ((1, 3), 1, True),
])
def test_singleton_array_output(backend, shape, axis, keepdims):
    fun = lambda x: gnp.sum(gnp.sin(x), axis=axis, keepdims=keepdims)  # noqa: E731
    x = np.random.RandomState(1).randn(*shape)
    check_grads(fun, (x,), order=2)
    # grad of an output of size one, whatever its shape ((1, 1) with keepdims=True)
    np.testing.assert_allclose(_np(ad.grad(fun)(x)), np.cos(x), rtol=1e-13)
    check_grads(lambda x: gnp.sum(ad.grad(fun)(x)), (x,), order=2)


def test_assignment_into_argument_raises(backend):
    def fun(A, b):
        A[1] = b
        return gnp.sum(A)

    A = np.random.RandomState(1).randn(5)
    with pytest.raises(ad.GradError, match="in-place write to a leaf"):
        ad.grad(fun, argnums=(0, 1))(A, 3.0)
    assert A[1] != 3.0  # the user's array is untouched

    # writing into a copy is recorded (autograd refuses it): d/dA zeroes element 1, d/db = 1
    def fun2(A, b):
        C = A * 1.0
        C[1] = b
        return gnp.sum(C ** 2)

    gA, gb = ad.grad(fun2, argnums=(0, 1))(A, 3.0)
    expected = 2 * A
    expected[1] = 0.0
    np.testing.assert_allclose(_np(gA), expected)
    np.testing.assert_allclose(_np(gb), 6.0)
    check_grads(fun2, (A, 3.0), order=2)


def test_nonscalar_output(backend):
    with pytest.raises(TypeError, match=r"must return a scalar.*\(2,\)"):
        ad.grad(lambda x: x * 2)(np.zeros(2))


# ---- the suite's to-do list: diamonds, deep chains, re-use -------------------------------------

def test_diamond(backend):
    def fun(x):
        a = gnp.sin(x)
        b, c = a * 2.0, gnp.exp(a)  # two paths from a ...
        return gnp.sum(b * c)       # ... meeting again

    x = np.array([0.3, -0.4, 1.1])
    check_grads(fun, (x,), order=2)
    a = np.sin(x)
    np.testing.assert_allclose(_np(ad.grad(fun)(x)), (2 * np.exp(a) + 2 * a * np.exp(a))
                               * np.cos(x), rtol=1e-13)


def test_deep_chain(backend):
    def fun(x):
        for _ in range(200):
            x = gnp.sin(x) * 0.99 + 0.01
        return gnp.sum(x)

    x = np.array([0.5, 1.0])
    g = _np(ad.grad(fun)(x))
    expected = np.ones(2)
    v = x.copy()
    for _ in range(200):
        expected = expected * 0.99 * np.cos(v)
        v = np.sin(v) * 0.99 + 0.01
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    check_grads(fun, (x,), order=2, modes=("rev",))


def test_reuse_of_one_value_many_times(backend):
    def fun(x):
        terms = [x * k for k in range(1, 21)]
        return gnp.sum(gnp.stack(terms) * x)

    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(_np(ad.grad(fun)(x)), 2 * 210 * x)
    check_grads(fun, (x,), order=2)


def test_grad_of_function_calling_grad_twice(backend):
    """grad of grad of a function that itself calls grad (and value_and_grad) twice."""
    def f(x):
        g1 = ad.grad(lambda y: gnp.sum(gnp.sin(y) * x))(x)
        v, g2 = ad.value_and_grad(lambda y: gnp.sum(y ** 3))(g1)
        return gnp.sum(g2) + v

    x = np.array([0.2, 0.7])
    check_grads(f, (x,), order=2)
    check_grads(ad.grad(lambda x: f(x)), (x,), order=1)
    # f = sum(3 (x cos x)^2) + sum((x cos x)^3)
    u = x * np.cos(x)
    du = np.cos(x) - x * np.sin(x)
    np.testing.assert_allclose(_np(ad.grad(f)(x)), (6 * u + 3 * u ** 2) * du, rtol=1e-12)
