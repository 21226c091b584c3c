"""JAX's own API tests (``tests/api_test.py``: ``APITest``, ``CustomJVPTest``,
``CustomVJPTest``, ``RematTest``; ``tests/batching_test.py``), ported to gpuad and run against
JAX itself (float64).

Each case builds one program from a library namespace (``M.T`` the transforms, ``M.np`` the
NumPy API, ``M.lax``) and returns a function; the same function is built with gpuad and with
JAX, called on the same arguments, and every output leaf is compared (values, shapes, dtypes,
the pytree structure). The cases follow JAX's tests: argument checks, pytrees with None,
namedtuples and dicts, ``has_aux``, ``holomorphic``, ``allow_int``, ``argnums`` tuples, static
arguments, nested transforms in every order, closures over values being transformed,
``custom_jvp``/``custom_vjp`` with ``nondiff_argnums``, ``defjvps``, keyword arguments, rules
inside loops, ``remat`` with policies and ``static_argnums``. Where both libraries refuse a
call, gpuad's error type and wording are checked; where gpuad deliberately differs
(docs/porting.md, "From JAX"), the test asserts gpuad's documented behaviour and says so. Not
ported: tests of JAX's internals (jaxprs, lowering, device placement, pmap, effects, tracer
leak checking, compile counts).
"""

from __future__ import annotations

import collections
import functools
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax as glax  # noqa: E402
from gpuad.engine import GradError  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


class _Lib:
    def __init__(self, name):
        self.name = name
        self.T = ad if name == "g" else jax
        self.np = gnp if name == "g" else jnp
        self.lax = glax if name == "g" else jax.lax
        self.sg = ad.stop_gradient if name == "g" else jax.lax.stop_gradient
        self.policies = ad.checkpoint_policies if name == "g" else jax.checkpoint_policies

    def remat(self, f, **kw):
        return ad.remat(f, **kw) if self.name == "g" else jax.checkpoint(f, **kw)


G, J = _Lib("g"), _Lib("j")
Point = collections.namedtuple("Point", "x y")
RNG = np.random.default_rng(0)
A4 = RNG.standard_normal((4, 4))
A43 = RNG.standard_normal((4, 3))
V3 = RNG.standard_normal(3)
V4 = np.linspace(0.1, 1.0, 4)
M23 = np.arange(6.0).reshape(2, 3) / 5
M34 = RNG.standard_normal((3, 4))
Z2 = np.array([1.0 + 2.0j, -0.5 + 0.3j])


def _leaves(lib, tree):
    if lib is G:
        return ad.tree_flatten(tree)
    return jax.tree_util.tree_flatten(tree)


def _host(x):
    assert not isinstance(x, ad.Tensor), f"a transform returned a Tensor: {x!r}"
    return np.asarray(to_numpy(x))


def assert_same(got, want, tol=1e-9):
    gl, gd = _leaves(G, got)
    jl, jd = _leaves(J, want)
    assert str(gd) == str(jd), (gd, jd)
    for a, b in zip(gl, jl, strict=True):
        a, b = _host(a), np.asarray(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        if b.dtype == jax.dtypes.float0:
            assert a.dtype == ad.float0
            continue
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


CASES: dict = {}


def case(fn=None, *, args=(), tol=1e-9):
    """Register ``fn(M) -> callable`` to be called on ``args`` with both libraries."""
    def deco(f):
        CASES[f.__name__] = (f, args, tol)
        return f
    return deco(fn) if fn is not None else deco



# ---- APITest: grad, value_and_grad, argnums, pytrees -----------------------------------------

@case(args=(1.0, 1.0, 1.0))
def grad_argnums(M):
    def f(x, y, z, flag=False):
        assert flag
        return 1.0 * x + 2.0 * y + 3.0 * z

    return lambda *a: (M.T.grad(f)(*a, flag=True), M.T.grad(f, argnums=1)(*a, flag=True),
                       M.T.grad(f, argnums=(2, 0))(*a, flag=True),
                       M.T.grad(f, argnums=[0, 1])(*a, flag=True),
                       M.T.grad(f, argnums=-1)(*a, flag=True),
                       M.T.value_and_grad(f, argnums=(2, 0))(*a, flag=True))


@case(args=(3.0,))
def grad_pytree_arguments(M):
    return lambda x: (M.T.grad(lambda t: t[0] * 2.0)((x, None)),
                      M.T.grad(lambda p: p.x * p.y ** 2)(Point(x, 2.0)),
                      M.T.grad(lambda d: d["a"] * d["b"][1] ** 2)({"a": x, "b": [1.0, x]}),
                      M.T.grad(lambda d: d["a"] * 2.0)(collections.OrderedDict(b=1.0, a=x)),
                      M.T.grad(lambda t: t[1] * 2.0)((None, x, ())))


@case(args=(3.0,))
def grad_and_aux(M):
    return lambda x: (M.T.grad(lambda x: (x ** 3, [x ** 2]), has_aux=True)(x),
                      M.T.grad(lambda x: (x ** 3, [4.0]), has_aux=True)(x),
                      M.T.grad(lambda x: (x ** 3, {"i": x, "p": (x + 1, None)}),
                               has_aux=True)(x),
                      M.T.value_and_grad(lambda x: (x ** 2, {"a": x}), has_aux=True)(x))


@case(args=(4.0,))
def grad_and_aux_nested(M):
    def f(x):
        _, aux = M.T.grad(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0] * M.np.sin(x)

    return lambda x: (M.T.grad(f)(x), M.T.jit(M.T.grad(f))(x), M.T.jit(M.T.grad(M.T.jit(f)))(x))


@case(args=(2.0, 3))
def grad_allow_int(M):
    return lambda x, i: (M.T.grad(lambda x, y: x * y, argnums=(0, 1), allow_int=True)(x, i),
                         M.T.grad(lambda x, b: x * b, argnums=(0, 1), allow_int=True)(x, True),
                         M.T.grad(lambda d: d["x"] * d["i"], allow_int=True)(
                             {"x": x, "i": np.int64(i)}),
                         M.T.value_and_grad(lambda x, i: x * i, argnums=(0, 1),
                                            allow_int=True)(x, i))


@case(args=(Z2,))
def holomorphic_grad_and_jacobians(M):
    f = lambda z: M.np.sum(z ** 3 + M.np.sin(z))  # noqa: E731
    g = lambda z: z ** 2 * M.np.exp(z)  # noqa: E731
    return lambda z: (M.T.grad(f, holomorphic=True)(z),
                      M.T.value_and_grad(f, holomorphic=True)(z),
                      M.T.jacrev(g, holomorphic=True)(z), M.T.jacfwd(g, holomorphic=True)(z),
                      M.T.hessian(f, holomorphic=True)(z))


@case(args=(0.3, 1.5))
def grad_keyword_arguments_are_not_differentiated(M):
    return lambda x, y: (M.T.grad(lambda x, y=2.0: x * y)(x, y=y),
                         M.T.grad(M.T.jit(lambda x, *, s: x * s))(x, s=y),
                         M.T.grad(M.T.jit(lambda x, n: x ** n, static_argnames="n"))(x, n=3),
                         M.T.grad(M.T.jit(lambda x, n: x ** n, static_argnums=1))(x, 3))


@case(args=(np.ones(3, np.float32),))
def grad_keeps_float32(M):
    return lambda x: (M.T.grad(lambda x: M.np.sum(x * x))(x),
                      M.T.jacrev(lambda x: x * 2)(x), M.T.jacfwd(lambda x: x * 2)(x))


@case(args=(V4,))
def stop_gradient_in_every_order(M):
    return lambda x: (M.T.grad(lambda x: M.np.sum(M.sg(x) * x))(x),
                      M.T.hessian(lambda x: M.np.sum(M.sg(x) * x ** 2))(x),
                      M.T.jacfwd(lambda x: M.sg(x) * x)(x),
                      M.T.grad(lambda x: M.np.sum(M.sg({"a": x, "b": [x]})["b"][0] * x))(x))


# ---- jvp, vjp, linearize ---------------------------------------------------------------------

@case(args=(3.0, 1.0))
def jvp_pytrees(M):
    return lambda x, t: (M.T.jvp(lambda d: d["a"] * 2.0, ({"a": x, "b": None},),
                                 ({"a": t, "b": None},)),
                         M.T.jvp(lambda x: x * 2.0, [x], [t]),
                         M.T.jvp(lambda x: [x, 2 * x], (x,), (t,)),
                         M.T.jvp(lambda p: Point(p.y, p.x * p.y), (Point(x, 2.0),),
                                 (Point(t, 0.5),)),
                         M.T.jvp(lambda x: (x ** 2, x + 1), (x,), (t,), has_aux=True))


@case(args=(2.0, 3.0))
def vjp_pytrees(M):
    def run(x, y):
        out, back = M.T.vjp(lambda d: {"o": d["a"] * d["b"], "n": (d["a"],)},
                            {"a": x, "b": y})
        r = M.T.vjp(lambda x: (x ** 2, x + 1), x, has_aux=True)
        s, back2 = M.T.vjp(lambda x, y: x * y, x, y)
        return (out, back({"o": 1.0, "n": (2.0,)}), r[0], r[1](1.0), r[2], back2(1.0),
                back2(2.0))
    return run


@case(args=(np.arange(3.0),))
def vjp_function_is_reusable_and_transformable(M):
    def run(x):
        _, back = M.T.vjp(M.np.sin, x)
        _, lin = M.T.linearize(M.np.sin, x)
        return (back(np.ones(3)), back(2 * np.ones(3)), M.T.vmap(back)(np.eye(3)),
                M.T.vmap(lin)(np.eye(3)), M.T.jit(back)(np.ones(3)),
                M.T.grad(lambda c: M.np.sum(M.T.vjp(lambda x: M.np.sin(x) * x, x)[1](c)[0]
                                            ** 2))(np.ones(3)))
    return run


@case(args=(1.5, 2.0))
def linearize(M):
    def run(x, y):
        y0, f = M.T.linearize(lambda x: M.np.sin(x) * x, x)
        y1, f1 = M.T.linearize(lambda t: {"s": t[0] * t[1]}, (x, y))
        y2, f2 = M.T.linearize(lambda a, b: a * b, x, y)
        y3, f3, aux = M.T.linearize(lambda x: (M.np.sin(x), M.np.cos(x)), x, has_aux=True)
        return y0, f(2.0), y1, f1((1.0, 2.0)), y2, f2(1.0, 2.0), y3, f3(1.0), aux
    return run


# ---- Jacobians and Hessians ------------------------------------------------------------------

@case(args=(V3,))
def jacobian_and_hessian(M):
    return lambda x: (M.T.jacfwd(lambda x: M.np.dot(A43, x))(x),
                      M.T.jacrev(lambda x: M.np.tanh(M.np.dot(A43, x)))(x),
                      M.T.hessian(lambda x: M.np.dot(x, M.np.dot(A4[:3, :3], x)))(x))


@case(args=(0.0, 1.0))
def jacobian_on_pytrees(M):
    out = []
    for jac in (M.T.jacfwd, M.T.jacrev):
        out.append(lambda x, y, jac=jac: (
            jac(lambda x, y: (x, y))(x, y), jac(lambda x, y: (x, y), 1)(x, y),
            jac(lambda x, y: (x, y), (0, 1))(x, y), jac(lambda x: x[:2])((1.0, 2.0, 3.0)),
            jac(lambda x, y: {"x": x, "xy": M.np.outer(x, y)})(V3[:2], V3),
            jac(lambda x: {"a": M.np.sum(x), "b": x})(np.ones(2))))
    return lambda x, y: [f(x, y) for f in out]


@case(args=())
def hessian_on_pytrees_and_issue1372(M):
    def f(x, u):
        return M.np.dot(x, x) + M.np.dot(u, u) * M.np.sum(x)

    x, u = np.ones(5) * 0.3, np.ones(2) * 0.7
    return lambda: (M.T.hessian(lambda x: M.np.array(x) ** 2)((1.0, 2.0)),
                    M.T.hessian(lambda x, y: M.np.sum(x * x * y), argnums=(0, 1))(
                        np.ones(2), np.arange(2.0)),
                    [a(b(f, i), j)(x, u) for a in (M.T.jacrev, M.T.jacfwd)
                     for b in (M.T.jacrev, M.T.jacfwd) for i, j in ((0, 0), (1, 0))])


@case(args=(np.arange(3.0),))
def jacobians_with_aux(M):
    return lambda x: (M.T.jacfwd(lambda x: (x ** 3, x * 2), has_aux=True)(x),
                      M.T.jacrev(lambda x: (x ** 3, [x * 2]), has_aux=True)(x),
                      M.T.hessian(lambda x: (M.np.sum(x ** 3), {"s": M.np.sum(x)}),
                                  has_aux=True)(x))


@case(args=())
def jacobians_of_empty_arrays(M):
    return lambda: (M.T.jacrev(lambda x: M.np.sum(x) * M.np.ones(2))(np.ones(0)),
                    M.T.jacfwd(lambda x: M.np.sum(x) * M.np.ones(2))(np.ones(0)),
                    M.T.jacrev(lambda x: x[:0])(np.ones(3)),
                    M.T.jacfwd(lambda x: x[:0])(np.ones(3)))


# ---- nested transforms in every order, closures over transformed values ----------------------

_STACK = {
    "grad": lambda M, f: M.T.grad(f),
    "jit": lambda M, f: M.T.jit(f),
    "vmap": lambda M, f: M.T.vmap(f, in_axes=(0, None)),
    "jacfwd": lambda M, f: M.T.jacfwd(f),
    "jacrev": lambda M, f: M.T.jacrev(f),
}


def _nested(order):
    def build(M):
        f = lambda x, y: M.np.sum(M.np.sin(x * y) * y) ** 2  # noqa: E731
        for t in reversed(order):
            f = _STACK[t](M, f)
        return f
    build.__name__ = "nested_" + "_".join(order)
    return build


# grad innermost (a scalar function); vmap over the first argument outside it
for _o in [("vmap", "jit", "jacfwd", "jit", "grad"), ("jacfwd", "jit", "vmap", "jit", "grad"),
           ("vmap", "grad"), ("jit", "vmap", "grad"), ("vmap", "jit", "grad"),
           ("vmap", "jacrev"), ("jit", "vmap", "jacrev", "jit"), ("vmap", "jacrev", "jacfwd"),
           ("jacrev", "jit", "jacfwd")]:
    case(_nested(_o), args=(np.linspace(0.2, 0.9, 12).reshape(3, 4), np.linspace(0.5, 1.5, 4)))


@case(args=(V4,))
def closures_over_transformed_values(M):
    T, np_ = M.T, M.np

    def grad_inside(x):
        return T.grad(lambda y: np_.sin(x * y))(x * 2.0)

    def jvp_inside(x):
        return T.jvp(lambda y: np_.sin(x * y), (x,), (1.0,))[1]

    def vjp_inside(x):
        out, back = T.vjp(lambda y: np_.sin(x * y), x)
        return back(np_.cos(out))[0]

    def linearize_inside(x):
        y, lin = T.linearize(lambda y: np_.sin(x * y), x)
        return lin(x) + y

    def vmap_inside(x):
        return np_.sum(T.vmap(lambda y: np_.sin(x * y))(np_.arange(3.0)))

    def jit_inside(x):  # the closure passed to the jitted function as an argument too
        g = T.jit(lambda y, x: np_.sin(x) * y)
        return g(x, x) + g(2.0 * x, x)

    fs = [grad_inside, jvp_inside, vjp_inside, linearize_inside, vmap_inside, jit_inside]
    return lambda xs: [(T.grad(f)(0.7), T.vmap(f)(xs), T.jit(T.grad(f))(0.7),
                        T.vmap(T.grad(f))(xs), T.jacfwd(f)(0.7)) for f in fs]


@case(args=(np.arange(3.0), np.ones(3)))
def transforms_of_vjp_and_jvp(M):
    T, np_ = M.T, M.np
    return lambda x, t: (T.vmap(lambda x, t: T.jvp(np_.sin, (x,), (t,)))(x, t),
                         T.vmap(lambda x, t: T.vjp(np_.sin, x)[1](t))(x, t),
                         T.vmap(T.grad(lambda x, y: x * y * y, argnums=(0, 1)))(x, t),
                         T.vmap(T.hessian(lambda x: np_.sum(np_.sin(x) ** 3)))(
                             np.arange(6.0).reshape(3, 2)),
                         T.jacfwd(T.vmap(lambda x: np_.sin(x) ** 2))(x),
                         T.jacrev(T.vmap(lambda x: np_.sin(x) ** 2))(x))


@case(args=(0.7,))
def jitted_closures_over_differentiated_values(M):
    """A jitted function reading (not receiving) the value being differentiated, in reverse
    and forward mode, with a vmap inside or around it, through control flow and remat."""
    T, np_, lax = M.T, M.np, M.lax
    xs = np.arange(3.0)
    bodies = [
        lambda w: (lambda y: lax.scan(lambda c, a: (np_.sin(c * w) + a, c), y,
                                      np_.arange(2.0))[0]),
        lambda w: (lambda y: lax.cond(y > 1, lambda: np_.sin(y * w), lambda: np_.cos(y * w))),
        lambda w: M.remat(lambda y: np_.sin(y * w) * w),
        lambda w: (lambda y: (np_.stack([w, 2 * w]) * y)[1]),
    ]
    outs = []
    for b in bodies:
        for wrap in (lambda f: T.vmap(T.jit(f)), lambda f: T.jit(T.vmap(f)),
                     lambda f: (lambda ys: T.jit(lambda ys: T.vmap(f)(ys))(ys))):
            loss = lambda w, b=b, wrap=wrap: np_.sum(wrap(b(w))(xs))  # noqa: E731
            outs += [T.grad(loss), T.jacfwd(loss)]
    scalar = lambda w: np_.sum(T.jit(lambda y: np_.sin(y * w))(xs))  # noqa: E731
    outs += [T.grad(scalar), T.jacfwd(scalar)]
    return lambda w: [o(w) for o in outs]


# ---- jit ------------------------------------------------------------------------------------

@case(args=(0.7,))
def jit_arguments(M):
    class Key:
        def __init__(self, v):
            self.v = v

        def __hash__(self):
            return 1

        def __eq__(self, other):
            return isinstance(other, Key) and other.v == self.v

    f = M.T.jit(lambda x, a: x * a.v, static_argnums=1)
    h = M.T.jit(lambda x, n, *, m: x ** n + m, static_argnames=("n", "m"))
    k = M.T.jit(lambda x, y: x * 2 if y is None else x * y)
    p = M.T.jit(lambda d: Point(d["x"] * 2, [d["y"], None]))
    q = M.T.jit(lambda x, i: x[i] * 2.0)
    r = M.T.jit(M.T.grad(lambda x, y, n: M.np.sum(x ** n * y), argnums=(0, 1)),
                static_argnums=2)
    x3 = np.arange(3.0)
    return lambda x: (f(x, Key(2.0)), f(x, Key(3.0)), M.T.grad(f)(x, Key(4.0)),
                      h(x, n=2, m=1.0), h(x, 3, m=2.0), M.T.grad(lambda x: h(x, 2, m=1.0))(x),
                      k(x, None), k(x, 3.0), M.T.grad(k)(x, None),
                      p({"x": x, "y": x}), M.T.grad(lambda x: p({"x": x, "y": 1.0}).x)(x),
                      M.T.grad(q)(x3, 1), M.T.grad(q)(x3, np.int64(2)),
                      r(x3, 2 * x3, 2), r(x3, 2 * x3, 3), M.T.jit(lambda: 3.0)(),
                      M.T.jit(lambda x: ())(x))


@case(args=(np.arange(3.0),))
def jit_donated_argument_differentiated(M):
    f = M.T.jit(lambda x, y: x * y, donate_argnums=1)
    return lambda x: M.T.grad(lambda x: M.np.sum(f(x, np.ones(3))))(x)


# ---- vmap (api_test and batching_test) -------------------------------------------------------

@case(args=())
def vmap_structured_in_axes(M):
    x, y, z = np.ones((6, 2, 3)), np.ones((3, 6, 4)), np.ones((4, 5, 6))
    x = x * np.arange(6.0)[:, None, None]

    def foo(t):
        a, (b, c) = t
        return M.np.dot(a, M.np.dot(b, c))

    def food(t):
        a, d = t
        return M.np.dot(a, M.np.dot(d["a"], d["b"]))

    return lambda: (M.T.vmap(foo, in_axes=((0, (1, 2)),))((x, (y, z))),
                    M.T.vmap(foo, in_axes=((0, Point(1, 2)),))((x, Point(y, z))),
                    M.T.vmap(food, in_axes=((0, {"a": 1, "b": 2}),))((x, {"a": y, "b": z})),
                    M.T.vmap(food, in_axes=((0, collections.OrderedDict(a=1, b=2)),))(
                        (x, collections.OrderedDict(a=y, b=z))),
                    M.T.vmap(lambda a, b: M.np.dot(a, b), in_axes=[1, None])(M23, V3[:2]))


@case(args=(np.arange(6.0).reshape(3, 2),))
def vmap_out_axes(M):
    T = M.T
    return lambda x: (T.vmap(lambda x: x * 2, out_axes=-1)(x),
                      T.vmap(lambda x: (x * 2, 3.0), out_axes=(0, None))(x),
                      T.vmap(lambda x: {"a": x, "b": x * 2}, out_axes={"a": 0, "b": 1})(x),
                      T.vmap(lambda x: (x * 2, None, {"a": x}))(x),
                      T.vmap(lambda x: (x * 2, M.np.ones(2)))(x),
                      T.vmap(lambda x: x[0] * 3)(x))


@case(args=(np.arange(3.0), np.arange(3.0) + 1))
def vmap_keyword_arguments(M):
    T = M.T
    return lambda x, y: (T.vmap(lambda x, y: x * y)(x, y=y),
                         T.vmap(T.jit(lambda x, y: x * y))(x, y=y),
                         T.jit(T.vmap(lambda x, y: x * y))(x, y=y),
                         T.vmap(T.grad(lambda x, y: x * y ** 2))(x, y=y),
                         T.vmap(lambda x, d: x * d["a"][0])(x, d={"a": [y]}))


@case(args=(np.arange(2.0),))
def vmap_axis_size_and_unbatched(M):
    T = M.T
    return lambda x: (T.vmap(lambda a, b: a * b, in_axes=(None, None), axis_size=3)(x, 2.0),
                      T.vmap(lambda: 1.0, axis_size=3)(),
                      T.vmap(lambda a, b: a * b, in_axes=(0, None))(x, 2.0),
                      T.vmap(lambda t: t[0] * 2)((x, None)),
                      T.vmap(lambda x: x * 2)(np.ones((0, 3))),
                      T.vmap(lambda i: i * 2 + 1)(np.arange(3)),
                      T.vmap(lambda v: v > 1)(x), T.vmap(lambda v: M.np.conj(v) * v)(Z2))


@case(args=(np.arange(6.0).reshape(2, 3), M34))
def vmap_nested_axes(M):
    T = M.T
    return lambda A, B: (T.vmap(T.vmap(M.np.dot, in_axes=(0, None)), in_axes=(None, 1))(A, B),
                         T.vmap(T.vmap(lambda a, b: a * b, (0, 0)), (0, 2), out_axes=1)(
                             A.reshape(2, 3, 1), np.ones((3, 1, 2))))


@case(args=(RNG.standard_normal((3, 4)), np.array([0, 2, 3])))
def vmap_indexing_and_sorting(M):
    T, np_, lax = M.T, M.np, M.lax
    return lambda x, i: (T.vmap(np_.cumsum, in_axes=1, out_axes=1)(x),
                         T.vmap(lambda v: np_.sort(v)[::-1])(x),
                         T.vmap(lambda v: v[np_.argmax(v)])(x),
                         T.vmap(lambda v, i: v[i])(x, i),
                         T.vmap(lambda v, i: lax.dynamic_slice(v, (i,), (2,)))(x, i),
                         T.vmap(lambda v, i: v.at[i].add(5.0))(x, i),
                         T.vmap(T.grad(lambda v, i: np_.sum(v.at[i].multiply(v[i]))))(x, i))


@case(args=(np.arange(4.0) / 1.5,))
def vmap_control_flow(M):
    T, np_, lax = M.T, M.np, M.lax
    return lambda x: (T.vmap(lambda v: lax.cond(v > 1, np_.sin, np_.cos, v))(x),
                      T.vmap(T.grad(lambda v: lax.cond(v > 1, np_.sin, np_.cos, v)))(x),
                      T.vmap(lambda v: lax.while_loop(lambda c: c < 5, lambda c: c * 2 + 0.5,
                                                      v))(x))


@case(args=(np.arange(2.0),))
def vmap_closure_over_batched_value(M):
    T, np_ = M.T, M.np

    def f(x):
        return T.vmap(lambda y: x * y)(np_.arange(3.0))

    return lambda x: (T.vmap(f)(x), T.grad(lambda x: np_.sum(T.vmap(f)(x)))(x))


# ---- CustomJVPTest ---------------------------------------------------------------------------

def _sin_jvp(M, scale=2.0):
    @M.T.custom_jvp
    def f(x):
        return M.np.sin(x)

    f.defjvps(lambda t, ans, x: M.np.cos(x) * scale * t)
    return f


@case(args=(0.7, np.arange(3.0)))
def custom_jvp_basic_and_transforms(M):
    T = M.T
    f = _sin_jvp(M)
    return lambda x, xs: (f(x), T.jvp(f, (x,), (1.0,)), T.grad(f)(x), T.jit(f)(x),
                          T.grad(T.jit(f))(x), T.jit(T.grad(f))(x), T.grad(T.grad(f))(x),
                          T.jit(T.grad(T.grad(f)))(x), T.vmap(f)(xs), T.vmap(T.grad(f))(xs),
                          T.grad(lambda x: M.np.sum(T.vmap(f)(x)))(xs), T.jacfwd(T.vmap(f))(xs),
                          T.jit(T.vmap(T.grad(f)))(xs),
                          T.jvp(lambda x: T.jvp(f, (x,), (1.0,))[1], (x,), (1.0,)),
                          T.jacfwd(T.jacrev(f))(x), T.jacrev(T.jacfwd(f))(x),
                          T.vmap(lambda x: T.jvp(T.grad(f), (x,), (1.0,)))(xs),
                          T.vmap(T.grad(T.grad(f)))(xs), T.jit(T.vmap(T.jacfwd(T.grad(f))))(xs),
                          T.grad(lambda x: f(f(x)) + f(x) * f(2 * x))(x))


@case(args=(0.5,))
def custom_jvp_nondiff_argnums(M):
    T, np_ = M.T, M.np

    @functools.partial(T.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, p, t):
        return app(f, p[0]), 3.0 * t[0]

    @functools.partial(T.custom_jvp, nondiff_argnums=(1,))
    def power(x, n):
        return x ** n

    @power.defjvp
    def power_jvp(n, p, t):
        return power(p[0], n), n * p[0] ** (n - 1) * t[0] * 10

    xs = np_.arange(1.0, 4.0)
    pw = functools.partial(lambda n, x: power(x, n), 3)
    return lambda x: (T.grad(lambda x: app(np_.sin, x))(x),
                      T.jvp(lambda x: app(np_.sin, x), (x,), (1.0,)),
                      T.grad(power)(x, 3), T.vmap(pw)(xs), T.vmap(T.grad(pw))(xs),
                      T.jacfwd(pw)(xs))


@case(args=(0.5, 1.5))
def custom_jvp_defjvps(M):
    T, np_ = M.T, M.np

    @T.custom_jvp
    def f(x, y):
        return np_.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: np_.cos(x) * tx * y, lambda ty, ans, x, y: np_.sin(x) * ty)

    @T.custom_jvp
    def g(x, y):
        return np_.sin(x) * y

    g.defjvps(lambda tx, ans, x, y: np_.cos(x) * tx * y * 2, None)
    return lambda x, y: (T.grad(f, argnums=(0, 1))(x, y), T.jvp(f, (x, y), (1.0, 2.0)),
                         T.hessian(f, argnums=(0, 1))(x, y), T.grad(g, argnums=(0, 1))(x, y),
                         T.jvp(g, (x, y), (1.0, 2.0)))


@case(args=(0.7,))
def custom_jvp_arguments(M):
    T, np_ = M.T, M.np

    @T.custom_jvp
    def f(x, y):
        return np_.sin(x) * y

    @f.defjvp
    def f_jvp(p, t):
        (x, y), (tx, ty) = p, t
        return f(x, y), np_.cos(x) * y * tx * 2 + np_.sin(x) * ty

    @T.custom_jvp
    def times(x, n):
        return x * n

    @times.defjvp
    def times_jvp(p, t):
        return times(*p), t[0] * p[1] * 2.0

    return lambda x: (T.grad(lambda x: f(x, y=2.0))(x), T.grad(lambda x: f(y=x, x=2.0))(x),
                      T.grad(lambda x: times(x, 3))(x), T.grad(times)(x, np.int64(3)),
                      T.grad(lambda x: M.np.sum(times(x, M.np.arange(3))))(M.np.ones(3)),
                      T.vmap(lambda x: T.jvp(lambda x: f(x, 2.5), (x,), (1.0,)))(M.np.arange(3.0)),
                      T.vmap(T.grad(f, argnums=(0, 1)), in_axes=(0, None))(M.np.arange(3.0), 2.5))


@case(args=(0.7,))
def custom_jvp_pytrees(M):
    T, np_ = M.T, M.np

    @T.custom_jvp
    def f(x):
        return {"b": np_.sin(x["a"]), "c": (x["a"] * 2, None)}

    @f.defjvp
    def f_jvp(p, t):
        (x,), (tx,) = p, t
        return f(x), {"b": np_.cos(x["a"]) * tx["a"] * 3, "c": (tx["a"] * 5, None)}

    return lambda x: (T.jvp(f, ({"a": x},), ({"a": 1.0},)),
                      T.grad(lambda x: f({"a": x})["b"] + f({"a": x})["c"][0])(x))


@case(args=(0.4,))
def custom_jvp_inside_loops_and_cond(M):
    T, np_, lax = M.T, M.np, M.lax
    f = _sin_jvp(M, 3.0)

    def scanned(x):
        c, ys = lax.scan(lambda c, a: (f(c) * a, c), x, np.arange(1.0, 4.0))
        return c + np_.sum(ys)

    def looped(x):
        return lax.fori_loop(0, 3, lambda i, c: f(c), x)

    def branched(x):
        return lax.cond(x > 0, f, lambda x: x * 2.0, x)

    return lambda x: (T.grad(scanned)(x), T.jvp(scanned, (x,), (1.0,)), T.grad(looped)(x),
                      T.jvp(looped, (x,), (1.0,)), T.grad(branched)(x), T.grad(branched)(-x),
                      T.jit(T.grad(branched))(x))


# ---- CustomVJPTest ---------------------------------------------------------------------------

def _sin_vjp(M, scale=2.0):
    @M.T.custom_vjp
    def f(x):
        return M.np.sin(x)

    f.defvjp(lambda x: (M.np.sin(x), M.np.cos(x)), lambda c, g: (scale * c * g,))
    return f


@case(args=(0.7, np.arange(3.0)))
def custom_vjp_basic_and_transforms(M):
    T = M.T
    f = _sin_vjp(M)
    return lambda x, xs: (f(x), T.grad(f)(x), T.value_and_grad(f)(x), T.vjp(f, x)[1](2.0),
                          T.jit(T.grad(f))(x), T.grad(T.jit(f))(x), T.vmap(f)(xs),
                          T.vmap(T.grad(f))(xs), T.grad(lambda x: M.np.sum(T.vmap(f)(x)))(xs),
                          T.jacrev(T.vmap(f))(xs), T.jit(T.vmap(T.grad(f)))(xs),
                          T.vmap(T.jit(T.grad(f)))(xs), T.grad(T.grad(f))(x),
                          T.jacrev(T.jacrev(f))(x))


@case(args=(0.5,))
def custom_vjp_nondiff_argnums(M):
    T, np_ = M.T, M.np

    @functools.partial(T.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    app.defvjp(lambda f, x: (f(x), x), lambda f, x, g: (g * 3.0 * x,))

    @functools.partial(T.custom_vjp, nondiff_argnums=(1,))
    def times(x, n):
        return x * n

    times.defvjp(lambda x, n: (x * n, None), lambda n, r, g: (g * n * 2,))
    h = lambda x: app(np_.sin, x)  # noqa: E731
    return lambda x: (T.grad(h)(x), T.vmap(T.grad(h))(np_.stack([x, 2 * x])), T.jit(T.grad(h))(x),
                      T.grad(lambda x: times(x, 3.0))(x))


@case(args=(0.5, 2.0))
def custom_vjp_cotangents(M):
    T = M.T

    @T.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1], None))

    @T.custom_vjp
    def d(t):
        return t["a"] * t["b"]

    d.defvjp(lambda t: (d(t), t), lambda t, g: ({"a": g * t["b"] * 2, "b": None},))

    @T.custom_vjp
    def two(x, y):
        return x * y

    two.defvjp(lambda x, y: (two(x, y), (x, y)), lambda r, g: (g * r[1] * 2, g * r[0] * 3))

    @T.custom_vjp
    def tree_out(x):
        return {"a": x, "b": (x * 2, x * 3)}

    tree_out.defvjp(lambda x: (tree_out(x), None),
                    lambda r, g: (g["a"] + g["b"][0] + 10 * g["b"][1],))

    @T.custom_vjp
    def none_res(x):
        return x * 2

    none_res.defvjp(lambda x: (none_res(x), None), lambda _, g: (g * 3,))
    xs = M.np.arange(3.0)
    return lambda x, y: (T.grad(f, argnums=(0, 1))(x, y), T.grad(d)({"a": x, "b": y}),
                         (lambda b: (b(1.0), b(2.0)))(T.vjp(two, x, y)[1]),
                         T.grad(lambda x: tree_out(x)["b"][1])(x),
                         T.vjp(tree_out, x)[1]({"a": 1.0, "b": (1.0, 1.0)}),
                         T.vmap(T.grad(none_res))(xs), T.vmap(T.jit(T.grad(none_res)))(xs),
                         T.jit(T.vmap(T.grad(none_res)))(xs))


@case(args=(0.7,))
def custom_vjp_arguments(M):
    T, np_ = M.T, M.np

    @T.custom_vjp
    def f(x, y):
        return x * y ** 2

    f.defvjp(lambda x, y: (f(x, y), (x, y)), lambda r, g: (g * r[1] ** 2, 2 * g * r[0] * r[1]))

    @T.custom_vjp
    def times(x, n):
        return x * n

    times.defvjp(lambda x, n: (x * n, n), lambda n, g: (g * n * 2, None))
    c = M.np.asarray(3.0)  # on the device: the bwd rule gets device arrays

    @T.custom_vjp
    def closes(x):
        return x * c

    closes.defvjp(lambda x: (x * c, None), lambda r, g: (g * c * 2,))
    ints = M.np.asarray(np.arange(3))  # on the device: the bwd rule multiplies by it
    return lambda x: (T.grad(lambda x: f(x, y=2.0))(x), T.grad(lambda x: f(y=x, x=2.0))(x),
                      T.grad(lambda x: times(x, 3))(x),
                      T.grad(lambda x: np_.sum(times(x, ints)))(M.np.ones(3)),
                      T.vmap(times)(M.np.ones(3), ints), T.grad(closes)(x))


@case(args=(0.4, np.arange(1.0, 3.0)))
def custom_vjp_inside_scan(M):
    T, np_, lax = M.T, M.np, M.lax
    f = _sin_vjp(M, 3.0)

    @T.custom_vjp
    def mul(c, x):
        return c * x

    mul.defvjp(lambda c, x: (c * x, (c, x)), lambda r, g: (g * r[1] * 2, g * r[0]))

    def g(x):
        c, ys = lax.scan(lambda c, a: (f(c) * a, c), x, np.arange(1.0, 4.0))
        return c + np_.sum(ys)

    def h(c, xs):
        out, ys = lax.scan(lambda c, x: (mul(c, x), c), c, xs)
        return np_.sum(ys) + out

    return lambda x, cs: (T.grad(g)(x), T.jit(T.grad(g))(x),
                          T.vmap(T.grad(h, argnums=(0, 1)), in_axes=(0, None))(
                              cs, np.arange(1.0, 4.0)))


@case(args=(np.arange(3.0), np.arange(3.0) + 1))
def custom_vjp_multiple_outputs_some_unused(M):
    T, np_ = M.T, M.np

    @T.custom_vjp
    def f(x, y):
        return x * y, x + y, np_.argmax(x)

    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda r, g: (g[0] * r[1] * 2 + g[1], g[0] * r[0] + g[1] * 3))
    return lambda x, y: (T.grad(lambda x, y: np_.sum(f(x, y)[0]), argnums=(0, 1))(x, y),
                         T.grad(lambda x, y: np_.sum(f(x, y)[1]), argnums=(0, 1))(x, y),
                         T.jacrev(lambda x, y: f(x, y)[:2], argnums=(0, 1))(x, y))


@case(args=(np.arange(3.0), 1.5))
def unbatched_arguments_under_vmap(M):
    """The cotangent of an argument every example shares (in_axes None) is summed over the
    examples, through custom rules, remat, jit and control flow."""
    T, np_, lax = M.T, M.np, M.lax

    @T.custom_vjp
    def cv(x, w):
        return np_.sin(x) * w

    cv.defvjp(lambda x, w: (cv(x, w), (x, w)),
              lambda r, g: (g * np_.cos(r[0]) * r[1] * 2, g * np_.sin(r[0]) * 3))

    @T.custom_jvp
    def cj(x, w):
        return np_.sin(x) * w

    @cj.defjvp
    def cj_jvp(p, t):
        (x, w), (tx, tw) = p, t
        return cj(x, w), tx * np_.cos(x) * w * 2 + tw * np_.sin(x) * 3

    fs = [cv, cj, M.remat(lambda x, w: np_.sin(x * w) * w),
          T.jit(lambda x, w: np_.sin(x * w) * w),
          lambda x, w: lax.scan(lambda c, a: (np_.sin(c * w) + a, c), x, np_.arange(3.0))[0],
          lambda x, w: lax.fori_loop(0, 3, lambda i, c: np_.sin(c * w), x),
          lambda x, w: lax.cond(x > 1, lambda: np_.sin(x * w), lambda: np_.cos(x * w) * w)]
    out = []
    for f in fs:
        mapped = T.vmap(f, in_axes=(0, None))
        out.append(lambda xs, w, f=f, mapped=mapped: (
            T.grad(lambda w: np_.sum(mapped(xs, w)))(w), T.jacrev(lambda w: mapped(xs, w))(w),
            T.vmap(T.grad(f, argnums=(0, 1)), in_axes=(0, None))(xs, w)))
    fwd = [T.jacfwd(lambda w, f=f: T.vmap(f, in_axes=(0, None))(xs, w)) for f in fs[1:]
           for xs in [np_.arange(3.0)]]
    return lambda xs, w: ([o(xs, w) for o in out], [g(w) for g in fwd])


# ---- RematTest -------------------------------------------------------------------------------

@case(args=(2.0,))
def remat_basic(M):
    T, np_ = M.T, M.np
    g = M.remat(lambda x: (np_.sin(np_.sin(x)), 3.0))
    f = lambda x: g(x)[0]  # noqa: E731
    return lambda x: (f(x), T.linearize(f, x)[0], T.linearize(f, x)[1](3.0), T.grad(f)(x),
                      T.grad(T.grad(M.remat(lambda x: np_.cos(np_.sin(x)))))(3.0),
                      T.jit(f)(x), T.grad(T.jit(f))(x), T.jit(T.grad(f))(x))


@case(args=(0.7,))
def remat_static_argnums_and_python_control_flow(M):
    T, np_ = M.T, M.np

    @functools.partial(M.remat, static_argnums=(1,))
    def f(x, n):
        for _ in range(n):
            x = np_.sin(x)
        return x

    @functools.partial(M.remat, static_argnums=(1,))
    def g(x, flag):
        return np_.sin(x) if flag else np_.cos(x)

    return lambda x: (f(x, 3), T.grad(f)(x, 3), T.jit(T.grad(f), static_argnums=1)(x, 2),
                      T.vmap(T.grad(f), in_axes=(0, None))(np_.stack([x, 2 * x]), 2),
                      T.grad(g)(x, True), T.grad(g)(x, False))


@case(args=(np.arange(3.0) / 3,))
def remat_policies(M):
    T, np_ = M.T, M.np
    W = np.arange(9.0).reshape(3, 3) / 9
    outs = []
    for name in ["everything_saveable", "nothing_saveable", "dots_saveable", "checkpoint_dots",
                 "dots_with_no_batch_dims_saveable"]:
        pol = getattr(M.policies, name)
        f = M.remat(lambda x, W: np_.sin(np_.dot(W, np_.sin(x))), policy=pol)
        outs.append(lambda x, f=f: T.grad(lambda x, W: np_.sum(f(x, W)), argnums=(0, 1))(x, W))
    outs.append(lambda x, f=f: (T.jacfwd(f)(x, W), T.hessian(lambda x: np_.sum(f(x, W)))(x)))
    named = M.remat(lambda x: np_.sum(np_.sin(x) ** 2),
                    policy=M.policies.save_only_these_names("y"))
    return lambda x: ([o(x) for o in outs], T.grad(named)(x),
                      T.grad(M.remat(lambda x: np_.sin(x) * x, prevent_cse=False))(0.7))


@case(args=(0.7,))
def remat_freevars_scan_and_loops(M):
    T, np_, lax = M.T, M.np, M.lax

    def freevars(x):
        y = 2 * np_.sin(x)
        return M.remat(lambda x: np_.cos(x) * np_.sin(y))(x)

    def scanned(x):
        y, _ = lax.scan(M.remat(lambda c, a: (np_.sin(c) * a, None)), x, np.arange(1.0, 4.0))
        return y

    looped = M.remat(lambda x: lax.fori_loop(0, 3, lambda i, c: np_.sin(c) * (i + 1), x))
    xs = np.array([0.7, 1.4])
    return lambda x: (T.linearize(freevars, x)[1](3.0), T.grad(freevars)(x),
                      T.vmap(T.grad(freevars))(xs), T.jit(T.grad(freevars))(x),
                      T.grad(scanned)(x), T.jit(T.grad(scanned))(x), T.vmap(T.grad(scanned))(xs),
                      T.grad(T.grad(scanned))(x), T.grad(looped)(x), T.jvp(looped, (x,), (1.0,)),
                      T.vmap(T.grad(looped))(xs))


@case(args=(0.7,))
def remat_binomial_checkpointing(M):
    T, np_ = M.T, M.np

    def binom(funs):
        if len(funs) == 1:
            return funs[0]
        f1, f2 = binom(funs[:len(funs) // 2]), binom(funs[len(funs) // 2:])
        return M.remat(lambda x: f1(f2(x)))

    f = binom([np_.sin, np_.cos, np_.tanh, np_.sin])
    return lambda x: (f(x), T.grad(f)(x), T.grad(T.grad(f))(x), T.jacfwd(T.grad(f))(x))


@case(args=(np.arange(6.0).reshape(2, 3) / 4,))
def remat_vmap(M):
    T, np_ = M.T, M.np
    g = M.remat(lambda x: np_.sin(np_.sin(x)))
    x3 = np.arange(3.0)
    return lambda x: (T.vmap(g)(x3), T.jacfwd(g)(x3), T.jacrev(g)(x3),
                      T.vmap(M.remat(T.grad(lambda x: np_.sin(x) ** 2)))(x3),
                      T.vmap(g, in_axes=1)(x),
                      T.vmap(T.grad(lambda x: np_.sum(g(x))), in_axes=1, out_axes=1)(x))


@case(args=(np.array([0.5, 1.5, -0.7]),))
def remat_of_transforms_under_vmap(M):
    T, np_ = M.T, M.np
    x = np.arange(6.0).reshape(2, 3) / 5

    def loss(W):
        jac = T.vmap(M.remat(T.jacrev(lambda x: np_.sin(x * W) * x[0])))(x)
        hes = T.vmap(M.remat(T.hessian(lambda x: np_.sum(np_.tanh(x * W) ** 3))))(x)
        return np_.sum(jac ** 2) + np_.sum(hes)

    return lambda W: (T.vmap(M.remat(T.grad(lambda x: np_.sum(np_.sin(x) ** 3))))(x),
                      T.grad(loss)(W), T.jacfwd(loss)(W))


@case(args=(0.7,))
def remat_pytrees_keywords_and_integer_outputs(M):
    T, np_ = M.T, M.np
    g = M.remat(lambda d, t: {"o": d["a"] * np_.sin(t[0]), "p": (t[1] ** 2, None)})
    k = M.remat(lambda x, *, y: np_.sin(x) * y)
    i = M.remat(lambda x: (np_.sin(x), np_.argmax(x)))
    return lambda x: (T.grad(lambda x: g({"a": x}, (x, 2 * x))["o"] + g({"a": x}, (x, 2 * x))[
        "p"][0])(x), T.grad(lambda x: k(x, y=x))(x),
        T.grad(lambda x: i(x)[0][1] * i(x)[1])(np.arange(3.0)))


@case(args=(np.arange(3.0),))
def remat_nontrivial_env(M):
    T, np_, lax = M.T, M.np, M.lax

    @T.jit
    def foo(state, dt=0.5, c=-1.0):
        u, u_t = state
        return (u, u_t + c ** 2 * u * dt)

    @functools.partial(M.remat, static_argnums=(1,))
    def multi_step(state, count, dt, c):
        return lax.scan(lambda s, _: (foo(s, dt, c), _), state, None, count)

    def loss(u0, target, steps):
        (uf, _), _ = multi_step((u0, np_.zeros_like(u0)), steps, 1 / np_.sqrt(2.0), 1.0)
        return ((uf - target) ** 2).mean()

    return lambda x: T.grad(loss)(x, 2 * x + 1, 3)


@case(args=(0.7,))
def remat_of_custom_rules(M):
    T = M.T
    fj, fv = _sin_jvp(M), _sin_vjp(M, 3.0)
    gj = M.remat(lambda x: fj(fj(x)) * x)
    gv = M.remat(lambda x: fv(fv(x)) * x)
    return lambda x: (T.grad(gj)(x), T.jvp(gj, (x,), (1.0,)), T.grad(T.grad(gj))(x),
                      T.grad(gv)(x), T.vmap(T.grad(gv))(M.np.stack([x, 2 * x])),
                      T.jit(T.grad(gv))(x))


# ---- the comparisons -------------------------------------------------------------------------

def _jax_result(fn, args):
    """``fn(*args)`` with JAX, compiled as a whole (JAX's op-by-op dispatch costs seconds for
    these programs); eagerly where the case needs concrete values (an argument turned into a
    NumPy scalar, or NumPy constants JAX's compiler refuses to take inside a custom rule)."""
    try:
        return jax.jit(fn)(*args)
    except Exception:  # noqa: BLE001 (then run as the test in JAX's suite does)
        return fn(*args)


@pytest.mark.parametrize("name", list(CASES))
def test_same_results_as_jax(backend, name):
    build, args, tol = CASES[name]
    want = _jax_result(build(J), args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gpuad.jit's eager fallbacks say why they run eagerly
        got = build(G)(*args)
    assert_same(got, want, tol)


# ---- where both refuse: gpuad's error says what went wrong -----------------------------------

def _cj_no_pair(M):
    @M.T.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda p, t: t[0] * 2)
    return lambda x: M.T.jvp(f, (x,), (np.ones(3),))


def _cv_bwd(M, bwd):
    @M.T.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), bwd)
    return lambda x: M.T.grad(lambda x: M.np.sum(f(x, x)))(x)


def _cv_fwd_not_pair(M):
    @M.T.custom_vjp
    def f(x):
        return x * 2

    f.defvjp(lambda x: x * 2, lambda r, g: (g * 2,))
    return lambda x: M.T.grad(lambda x: M.np.sum(f(x)))(x)


def _cj_closure(M):
    def outer(x):
        @M.T.custom_jvp
        def f(y):
            return x * y

        f.defjvps(lambda t, ans, y: x * t)
        return f(x)

    return lambda x: M.T.jvp(outer, (x[0],), (1.0,))


ERRORS = {  # name: (build(M) -> callable of x, x, gpuad's error, a pattern of its message)
    "grad_tuple_output": (lambda M: M.T.grad(lambda x: (x, x)), 1.0, TypeError, "has_aux=True"),
    "grad_unit_output": (lambda M: M.T.grad(lambda x: ()), np.zeros(3), TypeError, "scalar"),
    "grad_nonscalar_output": (lambda M: M.T.grad(lambda x: x), np.zeros(3), TypeError,
                              "shape \\(3,\\)"),
    "grad_int_output": (lambda M: M.T.grad(lambda x: 3), 1.0, TypeError, "floating-point"),
    "grad_str_input": (lambda M: M.T.grad(lambda x: x), "foo", TypeError, "floating-point"),
    "grad_int_input": (lambda M: M.T.grad(lambda x: x * 2), 3, TypeError, "argument 0.*int"),
    "grad_complex_output": (lambda M: M.T.grad(lambda x: x * 1j), 1.0, TypeError,
                            "complex"),
    "grad_argnums_out_of_range": (lambda M: (lambda x: M.T.grad(lambda x, y: x * y, argnums=2)(
        x, x)), 2.0, TypeError, "argnums=2"),
    "grad_argnums_not_int": (lambda M: (lambda x: M.T.grad(lambda x, y: x * y, argnums=1.0)(
        x, x)), 2.0, TypeError, "argnums"),
    "grad_without_enough_args": (lambda M: (lambda x: functools.partial(
        M.T.grad(lambda x, y: x + y), x=x)(y=1.0)), 0.0, TypeError, "argnums=0"),
    "grad_has_aux_not_pair": (lambda M: M.T.grad(lambda x: (x ** 2, 1.0, 2.0), has_aux=True),
                              3.0, TypeError, "pair"),
    "grad_holomorphic_real_input": (lambda M: M.T.grad(lambda z: z ** 2, holomorphic=True), 1.0,
                                    TypeError, "holomorphic=True requires inputs with complex"),
    "grad_holomorphic_real_output": (
        lambda M: M.T.grad(lambda z: M.np.real(z) ** 2, holomorphic=True), 1.0 + 1j, TypeError,
        "holomorphic=True requires outputs with complex"),
    "jvp_shape_mismatch": (lambda M: (lambda x: M.T.jvp(lambda x: x * 2.0, (x,), (x[:2],))),
                           np.ones(3), ValueError, "shape \\(2,\\).*\\(3,\\)"),
    "jvp_not_tuples": (lambda M: (lambda x: M.T.jvp(lambda x: x, x, x)), np.ones(3),
                       TypeError, "tuples or lists"),
    "jvp_primal_count": (lambda M: (lambda x: M.T.jvp(lambda x: x, (x,), (x, x))), np.ones(3),
                         ValueError, "1 primals but 2 tangents"),
    "vjp_cotangent_shape": (lambda M: (lambda x: M.T.vjp(lambda x: x * 2, x)[1](x[:2])),
                            np.ones(3), ValueError, "shape \\(2,\\)"),
    "vjp_cotangent_structure": (lambda M: (lambda x: M.T.vjp(lambda x: (x * 2, x), x)[1](x)),
                                np.ones(3), ValueError, "structure"),
    "linearize_tangent_shape": (lambda M: (lambda x: M.T.linearize(lambda x: x * 2.0, x)[1](
        x[:2])), np.ones(3), ValueError, "shape"),
    "jacrev_int_input": (lambda M: M.T.jacrev(lambda x: x * 2), np.arange(3), TypeError,
                         "int64"),
    "jacfwd_int_input": (lambda M: M.T.jacfwd(lambda x: x * 2), np.arange(3), TypeError,
                         "int64"),
    "jacfwd_complex_input": (lambda M: M.T.jacfwd(lambda x: x * 2.0), np.ones(2) + 1j, TypeError,
                             "complex"),
    "jacrev_complex_output": (lambda M: M.T.jacrev(lambda x: x * (1 + 1j)), np.ones(2),
                              TypeError, "complex"),
    "jacrev_int_output": (lambda M: M.T.jacrev(lambda x: M.np.argmax(x)), np.arange(3.0),
                          TypeError, "floating-point outputs"),
    "jacrev_holomorphic_real": (lambda M: M.T.jacrev(lambda x: x ** 2, holomorphic=True),
                                np.ones(2), TypeError, "complex dtype"),
    "jacfwd_holomorphic_real": (lambda M: M.T.jacfwd(lambda x: x ** 2, holomorphic=True),
                                np.ones(2), TypeError, "complex dtype"),
    "vmap_inconsistent_sizes": (lambda M: (lambda x: M.T.vmap(lambda a, b: a + b)(x, x[:2])),
                                np.ones((3, 2)), ValueError, "has 2 along axis 0"),
    "vmap_in_axes_length": (lambda M: (lambda x: M.T.vmap(lambda a, b: a + b, in_axes=(0,))(
        x, x)), np.ones((3, 2)), ValueError, "in_axes has 1 entries"),
    "vmap_in_axes_out_of_range": (lambda M: M.T.vmap(lambda a: a, in_axes=2), np.ones((3, 2)),
                                  ValueError, "in_axes=2"),
    "vmap_scalar_mapped": (lambda M: M.T.vmap(lambda a: a), 2.0, ValueError, "shape \\(\\)"),
    "vmap_out_axes_none_batched": (lambda M: M.T.vmap(lambda a: a * 2, out_axes=None),
                                   np.ones((3, 2)), ValueError, "out_axes=None"),
    "vmap_nothing_mapped": (lambda M: M.T.vmap(lambda a: a * 2, in_axes=None), np.ones((3, 2)),
                            ValueError, "axis_size"),
    "vmap_boolean_axis": (lambda M: M.T.vmap(lambda a: a * 2, in_axes=True), np.ones((3, 2)),
                          TypeError, "not True"),
    "vmap_keyword_size": (lambda M: (lambda x: M.T.vmap(lambda a, b: a * b)(x, b=x[:2])),
                          np.ones((3, 2)), ValueError, "keyword argument has 2"),
    "custom_jvp_rule_not_pair": (_cj_no_pair, np.ones(3), TypeError, "pair"),
    "custom_jvp_closure_over_tangent": (_cj_closure, np.ones(1) * 0.7, GradError,
                                        "without receiving it"),
    "custom_vjp_bwd_count": (lambda M: _cv_bwd(M, lambda r, g: (g * r[1],)), np.ones(3),
                             GradError, "1 cotangents for 2 arguments"),
    "custom_vjp_bwd_shape": (lambda M: _cv_bwd(M, lambda r, g: (M.np.sum(g), g)), np.ones(3),
                             GradError, "shape \\(\\) for an input of shape \\(3,\\)"),
    "custom_vjp_fwd_not_pair": (_cv_fwd_not_pair, np.ones(3), TypeError, "pair"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_refused_where_jax_refuses(backend, name):
    build, x, err, pattern = ERRORS[name]
    with pytest.raises(Exception):  # noqa: B017 (JAX's own types vary: TypeError, ValueError,
        build(J)(x)  # UnexpectedTracerError, AttributeError)
    with pytest.raises(err, match=pattern):
        build(G)(x)


def test_vmapped_grad_through_a_jitted_batched_closure(backend):
    # JAX traces a jit closing over a vmapped value; gpuad.jit runs that call eagerly (a
    # JitFallbackWarning) rather than compile the closure's values in
    def f(M):
        def g(x):
            return M.T.jit(lambda y: M.np.sin(x) * y)(2.0 * x)
        return M.T.vmap(M.T.grad(g))

    want = f(J)(V4)
    np.testing.assert_allclose(want, 2 * np.sin(V4) + 2 * V4 * np.cos(V4), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(to_numpy(f(G)(V4)), want, rtol=1e-12)


# ---- documented differences (docs/porting.md, "From JAX") ------------------------------------

def test_integer_primals_and_outputs_in_forward_mode(backend):
    # JAX takes integer primals with float0 tangents and gives an integer output a float0
    # tangent; gpuad refuses integer primals and gives integer outputs zeros of their dtype
    t0 = np.zeros((), jax.dtypes.float0)
    assert jax.jvp(lambda x, i: x * i, (2.0, 3), (1.0, t0))[1] == 3.0
    with pytest.raises(TypeError, match="argument 1 has dtype int64"):
        ad.jvp(lambda x, i: x * i, (2.0, 3), (1.0, t0))
    _, (tv, ti) = jax.jvp(lambda x: (x * 2, jnp.argmax(x)), (V3,), (np.ones(3),))
    assert ti.dtype == jax.dtypes.float0
    _, (gv, gi) = ad.jvp(lambda x: (x * 2, gnp.argmax(x)), (V3,), (np.ones(3),))
    np.testing.assert_allclose(to_numpy(gv), np.asarray(tv))
    assert to_numpy(gi).dtype == np.int64 and to_numpy(gi) == 0
    with pytest.raises(TypeError, match="floating-point outputs"):
        ad.jacfwd(lambda x: gnp.argmax(x))(V3)  # JAX: a float0 Jacobian
    with pytest.raises(TypeError, match="allow_int"):
        ad.jacrev(lambda x: x * 2.0, allow_int=True)(np.arange(3))


def test_lenient_arguments_jax_refuses(backend):
    # a one-element output is a loss; tuples and lists are one structure; a tangent or a
    # cotangent of another float precision is taken in the primal's. JAX raises for each.
    x = np.ones(3)
    with pytest.raises(TypeError):
        jax.grad(lambda x: jnp.sum(x).reshape(1))(x)
    np.testing.assert_allclose(to_numpy(ad.grad(lambda x: gnp.sum(x * x).reshape(1))(x)), 2 * x)
    with pytest.raises(TypeError):
        jax.jvp(lambda t: t[0] * 2.0, ((1.0, 2.0),), ([1.0, 2.0],))
    assert float(to_numpy(ad.jvp(lambda t: t[0] * 2.0, ((1.0, 2.0),), ([1.0, 2.0],))[1])) == 2.0
    with pytest.raises(TypeError):
        jax.jvp(lambda x: x * 2.0, (np.float32(3.0),), (np.float64(1.0),))
    _, t = ad.jvp(lambda x: x * 2.0, (np.ones(2, np.float32),), (np.ones(2),))
    assert to_numpy(t).dtype == np.float32
    with pytest.raises(ValueError):
        jax.vjp(lambda x: x * 2, x)[1](np.ones(3, np.float32))
    g = ad.vjp(lambda x: x * 2, x)[1](np.ones(3, np.float32))[0]
    assert to_numpy(g).dtype == np.float64
    with pytest.raises(ValueError, match="names an argument twice"):
        ad.grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0)  # JAX: an unrelated TypeError
    # a static argument of jit differentiated or batched: JAX cannot hash the tracer
    with pytest.raises(ValueError, match="Non-hashable static arguments"):
        jax.grad(jax.jit(lambda x, s: x * jnp.sin(s), static_argnums=1), argnums=1)(0.5, 2.0)
    f = ad.jit(lambda x, s: x * gnp.sin(s), static_argnums=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = ad.grad(f, argnums=1)(0.5, 2.0)
        v = ad.vmap(f)(np.arange(3.0), np.arange(3.0))
    assert float(to_numpy(g)) == pytest.approx(0.5 * np.cos(2.0), rel=1e-12)
    np.testing.assert_allclose(to_numpy(v), np.arange(3.0) * np.sin(np.arange(3.0)), rtol=1e-12)


def test_custom_rules_that_disagree_with_their_function(backend):
    # jax.jvp returns the primal output of a custom_jvp rule and differentiates a custom_vjp's
    # fwd body when its primal output reaches an outer derivative; gpuad returns the function's
    # own output and differentiates it by the rule. Consistent rules agree (cases above).
    def jvp_case(M):
        @M.T.custom_jvp
        def f(x):
            return x * 2

        f.defjvp(lambda p, t: (p[0] * 3, t[0] * 2))
        return M.T.jvp(f, (V3,), (np.ones(3),))

    np.testing.assert_allclose(np.asarray(jvp_case(J)[0]), 3 * V3)
    np.testing.assert_allclose(to_numpy(jvp_case(G)[0]), 2 * V3)

    def vjp_case(M):
        @M.T.custom_vjp
        def f(x):
            return M.np.sin(x)

        f.defvjp(lambda x: (M.np.sin(x), x), lambda x, g: (M.np.cos(x) * g * 2,))

        def g(x):
            y, back = M.T.vjp(f, x)
            return back(y)[0]

        return M.T.grad(g)(0.7)

    x = 0.7
    np.testing.assert_allclose(float(vjp_case(J)), 2 * np.cos(2 * x), rtol=1e-12)
    np.testing.assert_allclose(float(to_numpy(vjp_case(G))),
                               -2 * np.sin(x) ** 2 + 4 * np.cos(x) ** 2, rtol=1e-12)


def test_forward_mode_over_reverse_of_custom_vjp(backend):
    # JAX differentiates a custom_vjp's bwd in forward mode; gpuad raises GradError naming
    # the function (docs/porting.md: use custom_jvp, or reverse over reverse)
    def f(M):
        @M.T.custom_vjp
        def s(x):
            return M.np.sin(x)

        s.defvjp(lambda x: (M.np.sin(x), x), lambda x, g: (M.np.cos(x) * g,))
        return s

    np.testing.assert_allclose(float(jax.hessian(f(J))(0.7)), -np.sin(0.7), rtol=1e-12)
    with pytest.raises(GradError, match="custom_jvp"):
        ad.hessian(f(G))(0.7)
    np.testing.assert_allclose(float(to_numpy(ad.jacrev(ad.grad(f(G)))(0.7))), -np.sin(0.7),
                               rtol=1e-12)
