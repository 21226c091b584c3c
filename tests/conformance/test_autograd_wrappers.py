"""HIPS autograd's wrapper and Jacobian suites (``tests/test_wrappers.py``,
``tests/test_jacobian.py``) on gpuad: ``grad``, ``value_and_grad``, ``hessian``, several
``argnums``, ``elementwise_grad``, Hessian-tensor products, ``make_hvp``, tensor-Jacobian
products, ``make_jvp``, ``make_ggnvp``, ``grad_and_aux``, ``checkpoint``, dtypes and
``where``, each checked against an explicit construction or finite differences.

autograd's ``grad(f, argnum=...)`` is ``gpuad.grad(f, argnums=...)``; its other wrappers are in
``gpuad.misc`` under autograd's names. Its deprecated ``defgrad``/``defvjp`` wrappers and
``quick_grad_check`` have no counterpart (gpuad's custom rules are ``custom_vjp``/``custom_jvp``),
and its wrapped-name check is replaced by gpuad's own convention (``functools.wraps``).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.misc import (
    elementwise_grad,
    grad_and_aux,
    hessian_tensor_product,
    make_ggnvp,
    make_hvp,
    make_jvp,
    tensor_jacobian_product,
)
from gpuad.testing import check_grads


def _np(a):
    """Host copy of a backend array, Tensor, or pytree of them."""
    if isinstance(a, tuple | list):
        return type(a)(_np(x) for x in a)
    if isinstance(a, ad.Tensor):
        a = a.data
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _b(a):
    """``a`` on the active backend (a constant closed over by a differentiated function)."""
    return ad.get_backend().xp.asarray(a)


def _close(a, b, rtol=1e-10, atol=1e-10):
    a, b = _np(a), _np(b)
    if isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y, rtol, atol)
        return
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---- value_and_grad, hessian, several arguments --------------------------------------------

def test_return_both(backend):
    fun = lambda x: 3.0 * x ** 3.2  # noqa: E731
    value, d = ad.value_and_grad(fun)(1.7)
    _close(value, 3.0 * 1.7 ** 3.2)
    _close(d, ad.grad(fun)(1.7))
    _close(d, 3.0 * 3.2 * 1.7 ** 2.2)


def test_value_and_grad(backend):
    rng = np.random.RandomState(42)
    fun = lambda x: gnp.sum(gnp.sin(x) ** 2)  # noqa: E731
    both = ad.value_and_grad(fun)
    x = rng.randn(5)
    value, g = both(x)
    assert not isinstance(value, ad.Tensor) and not isinstance(g, ad.Tensor)
    _close(value, np.sum(np.sin(x) ** 2))
    _close(g, ad.grad(fun)(x))
    _close(g, 2 * np.sin(x) * np.cos(x))
    # the value returned by value_and_grad is itself differentiable when used inside grad
    check_grads(lambda x: both(x)[0], (x,), order=2)


def test_hessian_of_quadratic(backend):
    rng = np.random.RandomState(42)
    H = rng.randn(5, 5)
    Hb = _b(H)
    hess = ad.hessian(lambda x: gnp.dot(gnp.dot(x, Hb), x))
    _close(hess(rng.randn(5)), H + H.T)


def _complicated(a, b, c, d, e, f=1.1, g=9.0):
    return a + gnp.sin(b) + gnp.cosh(c) + gnp.cos(d) + gnp.tan(e) + f + g


ARGS = (0.5, -0.3, 0.2, -1.1, 0.7)
KW = {"f": 0.6, "g": -0.1}


def test_multigrad(backend):
    wrapped = ad.grad(_complicated, argnums=[3, 1])(*ARGS, **KW)
    A, B, C, D, E = ARGS
    explicit = ad.grad(lambda db: _complicated(A, db[1], C, db[0], E, **KW))((D, B))
    assert isinstance(wrapped, tuple) and len(wrapped) == 2
    _close(wrapped, explicit)
    _close(wrapped, (-np.sin(D), np.cos(B)))


def test_value_and_multigrad(backend):
    value, g = ad.value_and_grad(_complicated, argnums=[3, 1])(*ARGS, **KW)
    _close(value, _complicated(*ARGS, **KW))
    _close(g, ad.grad(_complicated, argnums=[3, 1])(*ARGS, **KW))


def test_multigrad_onearg(backend):
    rng = np.random.RandomState(42)
    A, B = rng.randn(3), rng.randn(3)
    g = ad.grad(lambda x, y: gnp.sum(x + gnp.sin(y)), argnums=[0])(A, B)
    assert isinstance(g, tuple) and len(g) == 1
    packed = ad.grad(lambda xy: gnp.sum(xy[0] + gnp.sin(xy[1])))((A, B))
    _close(g, (packed[0],))


# ---- elementwise_grad ---------------------------------------------------------------------

def test_elementwise_grad(backend):
    rng = np.random.RandomState(42)
    fun = lambda a: a + gnp.sin(a) + gnp.cosh(a)  # noqa: E731
    A = rng.randn(10)
    explicit = np.array([_np(ad.grad(fun)(A[i])) for i in range(10)])
    _close(elementwise_grad(fun)(A), explicit)
    _close(explicit, 1 + np.cos(A) + np.sinh(A))


def test_elementwise_grad_multiple_args(backend):
    rng = np.random.RandomState(42)
    fun = lambda a, b: a + gnp.sin(a) + gnp.cosh(b)  # noqa: E731
    B = rng.randn(10)
    explicit = np.array([_np(ad.grad(fun, 1)(0.9, B[i])) for i in range(10)])
    _close(elementwise_grad(fun, 1)(0.9, B), explicit)
    _close(explicit, np.sinh(B))


# ---- Hessian-tensor products, make_hvp ---------------------------------------------------------

@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_hessian_tensor_product(backend, shape):
    rng = np.random.RandomState(42)
    fun = lambda a: gnp.sum(gnp.sin(a))  # noqa: E731
    a, V = rng.randn(*shape), rng.randn(*shape)
    H = _np(ad.hessian(fun)(a))
    expected = np.tensordot(H, V, axes=V.ndim)
    _close(hessian_tensor_product(fun)(a, V), expected)
    _close(expected, -np.sin(a) * V)


def test_make_hvp(backend):
    rng = np.random.RandomState(42)
    fun = lambda a: gnp.sum(gnp.sin(a))  # noqa: E731
    a, v = rng.randn(5), rng.randn(5)
    H = _np(ad.hessian(fun)(a))
    hvp, g = make_hvp(fun)(a)
    _close(hvp(v), H @ v)
    _close(hvp(2 * v), 2 * H @ v)  # one forward pass, many products
    _close(g, np.cos(a))


# ---- tensor-Jacobian products (np.roll: an asymmetric Jacobian) ------------------------------

@pytest.mark.parametrize("shape, vshape", [((5,), (5,)), ((5, 4), (5, 4)), ((5, 4, 3), (5, 4))])
def test_tensor_jacobian_product(backend, shape, vshape):
    rng = np.random.RandomState(42)
    fun = lambda a: gnp.roll(gnp.sin(a), 1)  # noqa: E731
    a, V = rng.randn(*shape), rng.randn(*vshape)
    J = _np(ad.jacobian(fun)(a))
    assert J.shape == shape + shape
    expected = np.tensordot(V, J, axes=V.ndim)
    _close(tensor_jacobian_product(fun)(a, V), expected)
    # the explicit Jacobian itself: roll(sin(a), 1) along the flattened array
    flat = np.roll(np.diag(np.cos(a).ravel()), 1, axis=0)
    _close(J.reshape(a.size, a.size), flat)


# ---- make_jvp, make_ggnvp, grad_and_aux ---------------------------------------------------------

def test_make_jvp(backend):
    rng = np.random.RandomState(42)
    A, x, v = rng.randn(3, 5), rng.randn(5), rng.randn(5)
    Ab = _b(A)
    fun = lambda x: gnp.tanh(gnp.dot(Ab, x))  # noqa: E731
    value, t = make_jvp(fun)(x)(v)
    _close(value, np.tanh(A @ x))
    _close(t, _np(ad.jacobian(fun)(x)) @ v)


def _explicit_ggnvp(f, g=lambda y: 0.5 * gnp.dot(y, y)):
    def at(x):
        J = _np(ad.jacobian(f)(x))
        H = _np(ad.hessian(g)(f(x)))
        return lambda v: J.T @ (H @ (J @ v))

    return at


@pytest.mark.parametrize("default_g", [True, False])
def test_make_ggnvp(backend, default_g):
    rng = np.random.RandomState(42)
    A, x, v = rng.randn(5, 4), rng.randn(4), rng.randn(4)
    Ab = _b(A)
    g = lambda y: gnp.sum(2.0 * y ** 2 + y ** 4)  # noqa: E731
    for fun in (lambda x: gnp.dot(Ab, x), lambda x: gnp.tanh(gnp.dot(Ab, x))):
        if default_g:
            _close(make_ggnvp(fun)(x)(v), _explicit_ggnvp(fun)(x)(v))
        else:
            _close(make_ggnvp(fun, g)(x)(v), _explicit_ggnvp(fun, g)(x)(v))
    if default_g:  # f linear, g = |y|^2 / 2: the Gauss-Newton matrix is A^T A
        _close(make_ggnvp(lambda x: gnp.dot(Ab, x))(x)(v), A.T @ A @ v)


def test_grad_and_aux(backend):
    rng = np.random.RandomState(42)
    A, x = rng.randn(5, 4), rng.randn(4)
    Ab = _b(A)
    out = grad_and_aux(lambda x: (gnp.sum(gnp.dot(Ab, x)), x ** 2))(x)
    assert len(out) == 2
    _close(out[0], ad.grad(lambda x: gnp.sum(gnp.dot(Ab, x)))(x))
    _close(out[0], A.sum(axis=0))
    _close(out[1], x ** 2)


def test_partial(backend):
    def f(x, y):
        return x * y

    _close(ad.grad(partial(f, y=3.0))(2.0), 3.0)


def test_wrapped_name_and_docs():
    def foo(x):
        """foo's docstring"""
        return x

    # gpuad's transforms keep the wrapped function's name and docstring (functools.wraps, as
    # JAX does); autograd renames them "grad_of_foo_wrt_argnum_1"
    assert ad.grad.__name__ == "grad" and ad.grad.__doc__
    assert ad.grad(foo, 1).__name__ == "foo"
    assert ad.grad(foo).__doc__ == "foo's docstring"


# ---- dtypes ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_dtypes(backend, dtype):
    rng = np.random.RandomState(42)
    y = rng.randn(10, 10).astype(dtype)
    g = ad.grad(lambda x: gnp.real(gnp.sum(x ** 2)))(y)
    assert g.dtype == dtype
    _close(g.astype(np.float64), 2 * y.astype(np.float64), rtol=1e-2 if dtype == np.float16
           else 1e-6)


@pytest.mark.parametrize("dtype", [np.longdouble, np.clongdouble])
def test_dtypes_extended(dtype):
    with ad.use_backend("numpy"):  # CuPy has no extended precision
        y = np.random.RandomState(42).randn(10, 10).astype(dtype)
        g = ad.grad(lambda x: gnp.real(gnp.sum(x ** 2)))(y)
        assert g.dtype == dtype
        # real(sum(z ** 2)) = sum(x^2 - y^2): the gradient dL/dx + i dL/dy is 2 conj(z)
        np.testing.assert_allclose(g.astype(np.complex128), 2 * np.conj(y).astype(np.complex128),
                                   rtol=1e-12)


@pytest.mark.parametrize("condition, x, y", [
    (True, 1, 2),
    (True, 3.0, 4.0),
    (False, 1, 2.0),
    (True, [1, 2], [3, 4]),
    (True, np.array([1.0], np.float32), np.array([2.0], np.float32)),
    (False, np.array([1.0]), np.array([2.0])),
    (False, np.array([1.0]), np.array([2.0], np.float32)),
])
def test_where_dtypes(backend, condition, x, y):
    # gnp.where follows NumPy's promotion (autograd returns Python scalars for scalars)
    res = gnp.where(condition, _b(x), _b(y))
    ref = np.where(condition, x, y)
    assert res.dtype == ref.dtype
    _close(res, ref)


def test_where_forms(backend):
    x, y = _b(np.array([1.0, 2.0, 3.0])), _b(np.array([4.0, 5.0, 6.0]))
    cond = [True, False, True]
    expected = np.array([1.0, 5.0, 3.0])
    _close(gnp.where(cond, x, y), expected)
    _close(gnp.where(condition=cond, x=x, y=y), expected)
    _close(gnp.where(cond, x, y=y), expected)
    (idx,) = gnp.where(cond)
    _close(idx, np.array([0, 2]))
    # and its gradient selects
    g = ad.grad(lambda a, b: gnp.sum(gnp.where(cond, a, b) ** 2), argnums=(0, 1))(x, y)
    _close(g, (2 * _np(x) * [1, 0, 1], 2 * _np(y) * [0, 1, 0]))


# ---- checkpoint -----------------------------------------------------------------------------

def test_checkpoint_correctness(backend):
    bar = lambda x, y: 2 * x + y + 5  # noqa: E731
    cbar = ad.checkpoint(bar)
    foo = lambda x: bar(x, x / 3.0) + bar(x, x ** 2)  # noqa: E731
    foo2 = lambda x: cbar(x, x / 3.0) + cbar(x, x ** 2)  # noqa: E731
    _close(foo2(3.0), foo(3.0))
    _close(ad.grad(foo2)(3.0), ad.grad(foo)(3.0))
    _close(ad.grad(foo2)(3.0), 2 + 1 / 3 + 2 + 6.0)
    check_grads(foo2, (3.0,), order=2)

    baz = lambda *args: sum(args)  # noqa: E731
    cbaz = ad.checkpoint(baz)
    _close(cbaz(3.0, 1.0), 4.0)
    _close(ad.grad(lambda x: cbaz(x, x / 3.0))(3.0), ad.grad(lambda x: baz(x, x / 3.0))(3.0))


def test_checkpoint_chain(backend):
    """autograd's checkpoint memory example, checked for values: a checkpointed block applied
    five times differentiates as the plain one does."""

    def block(a):
        for _ in range(3):
            a = gnp.sin(a ** 2 + 1)
        return a

    cblock = ad.checkpoint(block)

    def run(f, x):
        for _ in range(5):
            x = f(x)
        return gnp.sum(x)

    x = np.random.RandomState(0).randn(20) * 0.3
    _close(ad.grad(run, 1)(cblock, x), ad.grad(run, 1)(block, x), rtol=1e-12)
    check_grads(lambda x: run(cblock, x), (x,), order=2, modes=("rev",))


# ---- jacobian (autograd's test_jacobian.py) ---------------------------------------------------

def test_jacobian_against_grad(backend):
    fun = lambda x: gnp.sum(gnp.sin(x), axis=1, keepdims=True)  # noqa: E731
    A = np.random.RandomState(1).randn(1, 3)
    J = ad.jacobian(fun)(A)
    assert J.shape == (1, 1, 1, 3)
    _close(ad.grad(fun)(A), _np(J).reshape(1, 3))
    _close(ad.grad(fun)(A), np.cos(A))


def test_jacobian_scalar_to_vector(backend):
    val = np.random.RandomState(1).randn()
    J = ad.jacobian(lambda x: gnp.array([x, x ** 2, x ** 3]))(val)
    _close(J, np.array([1.0, 2 * val, 3 * val ** 2]))


def test_jacobian_against_stacked_grads(backend):
    scalar_funs = [
        lambda x: gnp.sum(x ** 3),
        lambda x: gnp.prod(gnp.sin(x) + gnp.sin(x)),
        lambda x: ad.grad(lambda y: gnp.exp(y) * gnp.tanh(x[0]))(x[1]),
    ]
    vector_fun = lambda x: gnp.array([f(x) for f in scalar_funs])  # noqa: E731
    x = np.random.RandomState(1).randn(5)
    jac = ad.jacobian(vector_fun)(x)
    _close(jac, np.vstack([_np(ad.grad(f)(x)) for f in scalar_funs]))
    _close(ad.jacfwd(vector_fun)(x), jac)


@pytest.mark.parametrize("jac", [ad.jacrev, ad.jacfwd])
def test_jacobian_higher_order(backend, jac):
    fun = lambda x: gnp.sin(gnp.outer(x, x)) + gnp.cos(gnp.dot(x, x))  # noqa: E731
    rng = np.random.RandomState(1)
    assert jac(fun)(rng.randn(2)).shape == (2, 2, 2)
    assert jac(jac(fun))(rng.randn(2)).shape == (2, 2, 2, 2)
    assert jac(jac(jac(fun)))(rng.randn(2)).shape == (2, 2, 2, 2, 2)
    check_grads(lambda x: gnp.sum(gnp.sin(jac(fun)(x))), (rng.randn(2),), order=2)
    check_grads(lambda x: gnp.sum(gnp.sin(jac(jac(fun))(x))), (rng.randn(2),), order=1)


# ---- the wrappers' results differentiated again (mixed modes) ---------------------------------

_X = np.array([0.3, -0.7, 1.1])
_W = np.array([1.0, 2.0, -0.5])


def _cubic(t):
    return gnp.sum(gnp.sin(t) ** 3)


@pytest.mark.parametrize("case", [
    "hvp_in_x", "hvp_in_v", "make_hvp_in_v", "ggnvp_in_v", "make_jvp_in_v", "vjp_in_cotangent",
    "tjp_in_tensor", "egrad_closure",
])
def test_wrapper_results_are_differentiable(backend, case):
    """Each product is linear in its vector and smooth in its point; both derivatives must be
    exact (a vector or cotangent that an outer transform differentiates was once dropped)."""
    if case == "hvp_in_x":
        fun, args = (lambda x: hessian_tensor_product(_cubic)(x, _W)), (_X,)
    elif case == "hvp_in_v":
        fun, args = (lambda v: hessian_tensor_product(_cubic)(_X, v)), (_W,)
    elif case == "make_hvp_in_v":
        fun, args = (lambda v: make_hvp(_cubic)(_X)[0](v)), (_W,)
    elif case == "ggnvp_in_v":
        fun, args = (lambda v: make_ggnvp(gnp.tanh, _cubic)(_X)(v)), (_W,)
    elif case == "make_jvp_in_v":
        fun, args = (lambda v: make_jvp(lambda t: gnp.sin(t) * t)(_X)(v)[1]), (_W,)
    elif case == "vjp_in_cotangent":
        fun, args = (lambda u: ad.vjp(lambda t: gnp.sin(t) * t, _X)[1](u)[0]), (_W,)
    elif case == "tjp_in_tensor":
        fun, args = (lambda V: tensor_jacobian_product(lambda t: gnp.sin(t) * t[0])(_X, V)), (_W,)
    else:
        fun, args = (lambda s: elementwise_grad(lambda t: gnp.sin(t * s))(_X)), (0.7,)
    check_grads(fun, args, order=2)


def test_gradient_with_respect_to_a_cotangent_is_exact(backend):
    # vjp of sin at a constant point, differentiated in its cotangent: the Jacobian itself
    back = ad.vjp(gnp.sin, _X)[1]
    wb = _b(_W)
    g = ad.grad(lambda u: gnp.sum(back(u)[0] * wb))(np.ones(3))
    assert not isinstance(g, ad.Tensor)
    np.testing.assert_allclose(_np(g), np.cos(_X) * _W, rtol=1e-13)
    # the Hessian-vector product's derivative in the vector is the Hessian
    H = _np(ad.hessian(_cubic)(_X))
    J = ad.jacrev(lambda v: hessian_tensor_product(_cubic)(_X, v))(_W)
    np.testing.assert_allclose(_np(J), H, rtol=1e-12)


# ---- the same wrappers in HIPS autograd (a peer, where installed) ------------------------------

@pytest.mark.parametrize("name", [
    "elementwise_grad", "hessian_tensor_product", "make_hvp", "make_jvp", "make_ggnvp",
    "tensor_jacobian_product", "grad_named", "grad_and_aux", "deriv", "holomorphic_grad",
    "make_vjp",
])
def test_wrappers_agree_with_autograd(backend, name):
    ag = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    import gpuad.misc as gm

    rs = np.random.RandomState(3)
    A, x, v = rs.randn(3, 4), rs.randn(4), rs.randn(4)
    Ab = _b(A)

    def mine_f(t):
        return gnp.tanh(gnp.dot(Ab, t)) * t[0]

    def peer_f(t):
        return anp.tanh(anp.dot(A, t)) * t[0]

    def mine_s(t):
        return gnp.sum(gnp.sin(t) ** 3) * t[1]

    def peer_s(t):
        return anp.sum(anp.sin(t) ** 3) * t[1]

    if name == "elementwise_grad":
        got, ref = gm.elementwise_grad(mine_f)(x), ag.elementwise_grad(peer_f)(x)
    elif name == "hessian_tensor_product":
        got, ref = gm.hessian_tensor_product(mine_s)(x, v), ag.hessian_tensor_product(peer_s)(x, v)
    elif name == "make_hvp":
        got, ref = gm.make_hvp(mine_s)(x)[0](v), ag.make_hvp(peer_s)(x)[0](v)
    elif name == "make_jvp":
        got, ref = gm.make_jvp(mine_f)(x)(v), ag.make_jvp(peer_f)(x)(v)
    elif name == "make_ggnvp":
        got = gm.make_ggnvp(mine_f, lambda y: gnp.sum(y ** 4))(x)(v)
        ref = ag.make_ggnvp(peer_f, lambda y: anp.sum(y ** 4))(x)(v)
    elif name == "tensor_jacobian_product":
        u = rs.randn(3)
        got = gm.tensor_jacobian_product(mine_f)(x, u)
        ref = ag.tensor_jacobian_product(peer_f)(x, u)
    elif name == "grad_named":
        got = gm.grad_named(lambda a, b: gnp.sum(mine_f(a * b)), "b")(x, 0.7)
        ref = ag.grad_named(lambda a, b: anp.sum(peer_f(a * b)), "b")(x, 0.7)
    elif name == "grad_and_aux":
        got = gm.grad_and_aux(lambda t: (mine_s(t), t ** 2))(x)
        ref = ag.grad_and_aux(lambda t: (peer_s(t), t ** 2))(x)
    elif name == "deriv":
        got, ref = gm.deriv(mine_f)(x), ag.deriv(peer_f)(x)
    elif name == "holomorphic_grad":
        z = x + 0.5j * v
        got = gm.holomorphic_grad(lambda t: gnp.sum(gnp.sin(t) * t))(z)
        ref = ag.holomorphic_grad(lambda t: anp.sum(anp.sin(t) * t))(z)
    else:
        back, y = gm.make_vjp(mine_f)(x)
        pback, py = ag.make_vjp(peer_f)(x)
        u = rs.randn(3)
        got, ref = (back(u), y), (pback(u), py)
    _close(got, ref, rtol=1e-12, atol=1e-12)
