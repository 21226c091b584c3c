"""Transform-API behaviours that JAX's and HIPS autograd's own test suites check and the other
ports did not: custom rules whose function closes over a differentiated value
(``CustomJVPTest``/``CustomVJPTest.test_closed_over_tracers_error_message``), ``holomorphic=``
and ``allow_int=`` (``api_test.py``: ``test_holomorphic_*``, ``test_grad_of_int*``),
keyword arguments of the Jacobian transforms, ``linearize(has_aux=True)``, integer tangents,
``tree_util`` (``tree_map`` over several trees, prefixes, ``is_leaf``, ``tree_leaves``,
``tree_structure``, dict subclasses) and autograd's ``multigrad_dict``.

Values are compared with closed forms or central differences, and with JAX where it is
installed.
"""

from __future__ import annotations

import collections
import functools

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError
from gpuad.misc import multigrad_dict
from gpuad.testing import check_grads


def _host(x):
    assert not isinstance(x, ad.Tensor), f"a transform returned a Tensor: {x!r}"
    return np.asarray(x.get() if hasattr(x, "get") else x)


def _close(a, b, tol=1e-10):
    fa, fb = ad.tree_leaves(a), ad.tree_leaves(b)
    assert len(fa) == len(fb), (a, b)
    for x, y in zip(fa, fb, strict=True):
        np.testing.assert_allclose(_host(x), _host(y), rtol=tol, atol=tol)


def _jax():
    """JAX with float64, or None where it is not installed (the peer checks are then skipped;
    the closed-form checks still run)."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


# ---- custom rules whose function reads a differentiated value it was not given ---------------

def _closing_jvp(x):
    @ad.custom_jvp
    def g(y):
        return x * y

    g.defjvp(lambda p, t: (g(p[0]), x * t[0]))
    return g(x)


def _closing_vjp(x):
    @ad.custom_vjp
    def g(y):
        return x * y

    g.defvjp(lambda y: (g(y), None), lambda _, c: (x * c,))
    return g(x)


@pytest.mark.parametrize("fun", [_closing_jvp, _closing_vjp])
def test_custom_rule_closing_over_a_differentiated_value_raises(backend, fun):
    """The rule gives the derivative in ``y`` only; the closed-over ``x`` is the same value,
    so d/dx x*x = 2x would silently lose half (JAX raises UnexpectedTracerError)."""
    with pytest.raises(GradError, match="closed-over"):
        ad.grad(fun)(3.0)
    w = ad.tensor(3.0, requires_grad=True)
    with pytest.raises(GradError, match="closed-over"):
        fun(w)  # recorded for a later backward: refused at once


def test_custom_jvp_closing_over_a_jvp_value_raises(backend):
    def f(x):
        @ad.custom_jvp
        def g(y):
            return x + y

        g.defjvp(lambda p, t: (g(p[0]), 2 * t[0]))
        return g(x * 0.5)

    with pytest.raises(GradError, match="closed-over"):
        ad.jvp(f, (3.0,), (1.0,))


def test_custom_vjp_closing_over_a_jvp_value_raises(backend):
    def f(x, y):
        @ad.custom_vjp
        def g(v):
            return x * v

        g.defvjp(lambda v: (g(v), None), lambda _, c: (x * c,))
        return g(y)

    # y is differentiated by grad, x carries a tangent of the enclosing jvp
    with pytest.raises(GradError, match="closed-over"):
        ad.jvp(lambda x: ad.grad(f, 1)(x, 2.0), (3.0,), (1.0,))


def test_custom_rules_closing_over_constants_are_fine(backend):
    """Constants, ``stop_gradient`` values and ``nondiff_argnums`` are not differentiated."""
    c = gnp.asarray(3.0)  # a backend array: not differentiated

    @ad.custom_vjp
    def g(y):
        return c * y

    g.defvjp(lambda y: (g(y), None), lambda _, ct: (c * ct,))
    _close(ad.grad(g)(2.0), 3.0)

    def f(x):
        @ad.custom_jvp
        def h(y):
            return ad.stop_gradient(x) * y

        h.defjvp(lambda p, t: (h(p[0]), ad.stop_gradient(x) * t[0]))
        return h(x)

    _close(ad.grad(f)(3.0), 3.0)  # the derivative with x held constant, as asked

    @functools.partial(ad.custom_vjp, nondiff_argnums=(0,))
    def scaled(s, y):
        return s * y

    scaled.defvjp(lambda s, y: (scaled(s, y), None), lambda s, _, ct: (s * ct,))
    _close(ad.grad(lambda x: scaled(x, x))(3.0), 3.0)  # s is a constant for the rule


def test_custom_vjp_residual_second_order_still_exact(backend):
    """The argument reaches fwd through an identity step: residuals stay differentiable."""
    @ad.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (cube(x), x), lambda x, g: (3 * x ** 2 * g,))
    x = np.array([0.3, -1.2, 2.0])
    check_grads(lambda x: gnp.sum(cube(x)), (x,), order=2, modes=("rev",))
    _close(ad.grad(ad.grad(lambda x: cube(x)))(1.5), 9.0)


def test_custom_jvp_nondiff_function_hiding_a_differentiated_value_raises(backend):
    """JAX's test_nondiff_arg_hiding_jvp_tracer: a static function argument that closes over
    the differentiated value."""
    def f(x):
        @functools.partial(ad.custom_jvp, nondiff_argnums=(0,))
        def g(h, x):
            return h(x)

        @g.defjvp
        def g_jvp(h, primals, tangents):
            return g(h, primals[0]), 2.0 * tangents[0]

        return g(lambda y: x + y, x)

    with pytest.raises(GradError, match="closed-over"):
        ad.jvp(f, (2.0,), (1.0,))
    with pytest.raises(GradError, match="closed-over"):
        ad.grad(f)(2.0)


def test_custom_vjp_bwd_none_for_part_of_a_pytree_argument(backend):
    """JAX's bwd may return None for any part of an argument: a zero cotangent there."""
    @ad.custom_vjp
    def f(xs, y):
        return xs[0] * xs[1] * y

    f.defvjp(lambda xs, y: (f(xs, y), (xs, y)),
             lambda r, g: ((r[0][1] * r[1] * g, None), None))
    (g0, g1), gy = ad.grad(f, argnums=(0, 1))((2.0, 3.0), 4.0)
    _close((g0, g1, gy), (12.0, 0.0, 0.0))

    @ad.custom_vjp
    def h(d):
        return d["a"] * 2.0

    h.defvjp(lambda d: (h(d), None), lambda _, g: ({"a": 2.0 * g, "b": None},))
    _close(ad.grad(h)({"a": 1.0, "b": np.ones(2)}), {"a": 2.0, "b": np.zeros(2)})
    h.defvjp(lambda d: (h(d), None), lambda _, g: ({"a": 2.0 * g},))
    with pytest.raises(GradError, match="structure"):
        ad.grad(h)({"a": 1.0, "b": np.ones(2)})


def test_custom_jvp_rule_applying_the_function_to_its_tangent(backend):
    """JAX's test_linear_in_scan: the rule of a linear function reuses it on the tangent;
    reverse mode transposes that rule (it recursed without end)."""
    @ad.custom_jvp
    def neg(x):
        return -x

    neg.defjvp(lambda p, t: (neg(p[0]), neg(t[0])))
    _close(ad.grad(neg)(3.0), -1.0)
    _close(ad.jvp(neg, (3.0,), (2.0,)), (-3.0, -2.0))
    _close(ad.jacrev(lambda x: neg(x) * 2.0)(np.ones(2)), -2.0 * np.eye(2))

    @ad.custom_jvp
    def scale(x, s):
        return x * s

    scale.defjvps(lambda tx, ans, x, s: scale(tx, s), lambda ts, ans, x, s: x * ts)
    check_grads(lambda x, s: gnp.sum(scale(x, s) ** 2), (np.array([0.5, -1.0]), 1.5),
                order=2, modes=("fwd", "rev"))


def test_custom_jvp_tangent_structure_must_match(backend):
    """JAX's test_jvp_rule_inconsistent_pytree_structures_error_message; a tangent dict with
    other keys but as many leaves was paired by position."""
    @ad.custom_jvp
    def f(x):
        return {"a": x, "b": 2.0 * x}

    f.defjvp(lambda p, t: (f(p[0]), {"a": t[0], "c": 3.0 * t[0]}))
    for run in (lambda: ad.jvp(f, (1.0,), (1.0,)), lambda: ad.grad(lambda x: f(x)["b"])(1.0)):
        with pytest.raises(TypeError, match="structure"):
            run()

    @ad.custom_jvp
    def g(x):
        return (x ** 2,)

    g.defjvp(lambda p, t: (g(p[0]), [2 * p[0] * t[0], p[0]]))
    with pytest.raises(TypeError, match="2 leaves"):
        ad.jvp(g, (2.0,), (1.0,))


def test_nondiff_argnames(backend):
    @functools.partial(ad.custom_jvp, nondiff_argnames=("fn",))
    def app(fn, x):
        return fn(x)

    app.defjvp(lambda fn, p, t: (app(fn, p[0]), 3.0 * t[0]))
    _close(ad.jvp(lambda x: app(lambda y: 2.0 * y, x), (1.0,), (1.0,)), (2.0, 3.0))

    @functools.partial(ad.custom_vjp, nondiff_argnames=("fn",))
    def appv(fn, x):
        return fn(x)

    appv.defvjp(lambda fn, x: (appv(fn, x), None), lambda fn, _, g: (5.0 * g,))
    _close(ad.grad(lambda x: appv(gnp.sin, x))(1.0), 5.0)
    with pytest.raises(TypeError, match="nondiff_argnames"):
        ad.custom_jvp(lambda fn, x: x, nondiff_argnames=("nope",))


def test_symbolic_zeros_are_refused_clearly(backend):
    f = ad.custom_jvp(gnp.sin)
    with pytest.raises(TypeError, match="symbolic_zeros"):
        f.defjvp(lambda p, t: (f(p[0]), t[0]), symbolic_zeros=True)
    g = ad.custom_vjp(gnp.sin)
    with pytest.raises(TypeError, match="symbolic_zeros"):
        g.defvjp(lambda x: (g(x), x), lambda x, ct: (ct,), symbolic_zeros=True)


def test_custom_jvp_complex_tangent_for_real_output_raises(backend):
    f = ad.custom_jvp(lambda x: x * 2.0)
    f.defjvp(lambda p, t: (f(p[0]), t[0] * 2.0 + 1j))
    with pytest.raises(TypeError, match="complex but the output is real"):
        ad.jvp(f, (1.0,), (1.0,))


# ---- holomorphic=True -------------------------------------------------------------------------

def test_holomorphic_grad(backend):
    z = 1.0 + 2.0j
    _close(ad.grad(lambda z: z ** 2 * gnp.sin(z), holomorphic=True)(z),
           2 * z * np.sin(z) + z ** 2 * np.cos(z))
    # not holomorphic (d/dz = conj(z) + 3 z^2, d/dconj(z) = z): JAX's defined value, its vjp
    # of 1, is d/dz + conj(d/dconj(z))
    _close(ad.grad(lambda z: z * gnp.conj(z) + z ** 3, holomorphic=True)(z),
           2 * np.conj(z) + 3 * z ** 2)
    _close(ad.grad(ad.grad(gnp.sin, holomorphic=True), holomorphic=True)(z), -np.sin(z))
    v, g = ad.value_and_grad(lambda z: gnp.exp(z), holomorphic=True)(z)
    _close((v, g), (np.exp(z), np.exp(z)))
    a, b = np.array([1 + 1j, 2 - 1j]), 0.5j
    _close(ad.grad(lambda a, b: gnp.sum(a ** 2) * b, argnums=(0, 1), holomorphic=True)(a, b),
           (2 * a * b, np.sum(a ** 2)))
    jax = _jax()
    if jax is not None:
        jnp = jax.numpy
        _close(ad.grad(lambda z: z * gnp.conj(z) + z ** 3, holomorphic=True)(z),
               jax.grad(lambda z: z * jnp.conj(z) + z ** 3, holomorphic=True)(z))


@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian"])
def test_holomorphic_jacobians(backend, name):
    z = np.array([1 + 2j, 0.5 - 1j, -0.3j])
    if name != "hessian":
        def mine(z):
            return z ** 3 * gnp.sin(z[0])

        want = np.diag(3 * z ** 2 * np.sin(z[0]))
        want[:, 0] += z ** 3 * np.cos(z[0])
    else:
        def mine(z):
            return gnp.sum(z ** 3) * z[1]

        want = np.diag(6 * z * z[1])
        want[:, 1] += 3 * z ** 2
        want[1, :] += 3 * z ** 2
    _close(getattr(ad, name)(mine, holomorphic=True)(z), want)


@pytest.mark.parametrize("name", ["grad", "jacrev", "jacfwd"])
def test_holomorphic_of_real_input_or_output_raises(backend, name):
    fn = getattr(ad, name)
    with pytest.raises(TypeError, match=f"{name} with holomorphic=True requires inputs with "
                                        f"complex dtype, but got float"):
        fn(lambda x: x ** 2, holomorphic=True)(3.0)
    with pytest.raises(TypeError, match="requires outputs with complex dtype"):
        fn(lambda z: gnp.abs(z) ** 2, holomorphic=True)(3.0 + 1j)


def test_complex_without_holomorphic_still_raises(backend):
    with pytest.raises(TypeError, match="complex"):
        ad.grad(lambda z: z ** 2)(1.0 + 1j)
    with pytest.raises(TypeError, match="complex"):
        ad.jacfwd(lambda z: z ** 2)(np.array([1.0 + 1j]))


# ---- allow_int=True ---------------------------------------------------------------------------

def test_grad_allow_int(backend):
    gx, gi = ad.grad(lambda x, i: x[i], argnums=(0, 1), allow_int=True)(np.ones(2), 1)
    _close(gx, np.array([0.0, 1.0]))
    assert gi.dtype == ad.float0 and gi.shape == () and gi.dtype.itemsize == 0
    jax = _jax()
    if jax is not None:
        assert ad.float0 == jax.dtypes.float0
    g = ad.grad(lambda x: gnp.sum(x + 0.0), allow_int=True)(np.ones((2, 4), dtype=int))
    assert g.dtype == ad.float0 and g.shape == (2, 4)
    assert g.reshape(4, 2).shape == (4, 2)  # shape operations work, arithmetic does not

    def cond(pred):
        return 1.0 if pred else 2.0

    value, g = ad.value_and_grad(cond, allow_int=True)(True)
    assert float(value) == 1.0 and g.dtype == ad.float0
    # a pytree mixing floats and integers
    g = ad.grad(lambda d: d["w"] * d["n"], allow_int=True)({"w": 2.0, "n": 3})
    _close(g["w"], 3.0)
    assert g["n"].dtype == ad.float0
    # an integer Tensor, read as indices
    idx = ad.tensor(np.array([0, 2, 2]))
    gx, gi = ad.grad(lambda x, i: gnp.sum(x[i]), argnums=(0, 1), allow_int=True)(np.ones(3),
                                                                                  idx)
    _close(gx, np.array([1.0, 0.0, 2.0]))
    assert gi.dtype == ad.float0 and gi.shape == (3,)


def test_grad_of_int_without_allow_int_raises(backend):
    with pytest.raises(TypeError, match="dtype int"):
        ad.grad(lambda x: x ** 2)(3)


# ---- keyword arguments, linearize(has_aux), tangent dtypes -------------------------------------

@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian"])
def test_jacobians_pass_keyword_arguments(backend, name):
    x = np.array([0.5, -1.0])

    def f(x, scale):
        return gnp.sin(x) * scale if name != "hessian" else gnp.sum(gnp.sin(x) * scale)

    want = np.diag(3.0 * (np.cos(x) if name != "hessian" else -np.sin(x)))
    _close(getattr(ad, name)(f)(x, scale=3.0), want)


def test_linearize_has_aux(backend):
    x = np.array([0.5, -1.0])
    y, f_jvp, aux = ad.linearize(lambda x: (gnp.sin(x), {"sq": x ** 2}), x, has_aux=True)
    v = np.array([1.0, 2.0])
    _close((y, f_jvp(v), aux), (np.sin(x), np.cos(x) * v, {"sq": x ** 2}))
    with pytest.raises(ValueError, match="shape"):  # JAX's test_issue_871
        f_jvp(np.ones((3, 2)))


def test_jvp_integer_tangent_raises(backend):
    with pytest.raises(TypeError, match="tangent has dtype int"):
        ad.jvp(gnp.sin, (np.ones(3),), (np.ones(3, dtype=int),))
    with pytest.raises(TypeError, match="tangent has dtype bool"):
        ad.jvp(gnp.sin, (np.ones(3),), (np.ones(3, dtype=bool),))
    _, t = ad.jvp(gnp.sin, (1.0,), (2,))  # a Python number is taken as it is
    _close(t, 2 * np.cos(1.0))


# ---- tree utilities (jax tests/tree_util_test.py) ----------------------------------------------

def test_tree_map_several_trees_and_structure_errors(backend):
    a = {"x": 1.0, "y": (2.0, 3.0)}
    b = {"x": 10.0, "y": (20.0, 30.0)}
    assert ad.tree_map(lambda u, v: u + v, a, b) == {"x": 11.0, "y": (22.0, 33.0)}
    # the same number of leaves in another structure was paired silently
    with pytest.raises(ValueError, match="tree 1"):
        ad.tree_map(lambda u, v: u + v, {"a": 1, "b": 2}, {"b": 2, "c": 3})
    with pytest.raises(ValueError, match="tree 1"):
        ad.tree_map(lambda u, v: u + v, [1, 2], (1, 2))
    with pytest.raises(ValueError, match="tree 2"):
        ad.tree_map(lambda u, v, w: u, [1, 2], [1, 2], [1, 2, 3])


def test_tree_map_prefix_none_and_is_leaf(backend):
    f = lambda u, v: (u, v)  # noqa: E731
    is_pair = lambda t: isinstance(t, tuple)  # noqa: E731
    tree = [1, None, (2, None), {"a": None, "b": 3}]
    nested = [1, (2, 3), {"k": (4, 5)}]
    cases = [  # (gpuad's result, JAX's name and arguments, the expected value)
        (ad.tree_map(f, [1, 2], [(3, 4), 5]), ("tree_map", (f, [1, 2], [(3, 4), 5]), {}),
         [(1, (3, 4)), (2, 5)]),
        (ad.tree_map(lambda u: u * 10, tree), ("tree_map", (lambda u: u * 10, tree), {}),
         [10, None, (20, None), {"a": None, "b": 30}]),
        (ad.tree_leaves(tree), ("tree_leaves", (tree,), {}), [1, 2, 3]),
        (ad.tree_map(len, nested[1:], is_leaf=is_pair),
         ("tree_map", (len, nested[1:]), {"is_leaf": is_pair}), [2, {"k": 2}]),
        (ad.tree_leaves(nested, is_leaf=is_pair),
         ("tree_leaves", (nested,), {"is_leaf": is_pair}), [1, (2, 3), (4, 5)]),
    ]
    jax = _jax()
    for got, (name, args, kwargs), want in cases:
        assert got == want
        if jax is not None:
            assert getattr(jax.tree_util, name)(*args, **kwargs) == want
    assert ad.tree_structure((1, [2, 3])) == ad.tree_structure((4, [5, 6]))
    assert ad.tree_structure((1, [2, 3])) != ad.tree_structure((1, (2, 3)))
    leaves, tdef = ad.tree_flatten({"b": [1, 2], "a": 0})
    assert leaves == [0, 1, 2] and ad.tree_unflatten(tdef, leaves) == {"b": [1, 2], "a": 0}


def test_tree_keeps_dict_and_tuple_types(backend):
    dd = collections.defaultdict(list, {"b": 1.0, "a": 2.0})
    out = ad.tree_map(lambda u: u * 2, dd)
    assert type(out) is collections.defaultdict and out.default_factory is list
    assert out == {"a": 4.0, "b": 2.0}
    od = collections.OrderedDict([("b", 1.0), ("a", 2.0)])
    assert list(ad.tree_map(lambda u: u, od)) == ["b", "a"]
    Point = collections.namedtuple("Point", ["x", "y"])
    g = ad.grad(lambda p: gnp.sqrt(p.x ** 2 + p.y ** 2))(Point(1.0, 2.0))
    assert isinstance(g, Point)
    _close(tuple(g), (1 / np.sqrt(5), 2 / np.sqrt(5)))
    gd = ad.grad(lambda d: d["a"] * d["b"])(collections.defaultdict(float, a=2.0, b=3.0))
    assert type(gd) is collections.defaultdict
    _close(dict(gd), {"a": 3.0, "b": 2.0})


# ---- autograd's multigrad_dict ------------------------------------------------------------------

def test_multigrad_dict(backend):
    def fun(a, b, c, d=1.1, e=9.0):
        return a + gnp.sin(b) + gnp.cosh(c) * d + d * e

    args, kwargs = (0.5, -0.3, 0.9), {"e": 2.0}
    got = multigrad_dict(fun)(*args, **kwargs)
    assert list(got) == ["a", "b", "c", "d", "e"]
    full = args + (1.1, 2.0)
    for k, name in enumerate("abcde"):
        _close(got[name], ad.grad(fun, argnums=k)(*full))
    got = multigrad_dict(lambda x, *rest, **kw: x * rest[0] * kw["z"])(2.0, 3.0, z=4.0)
    _close((got["x"], got["rest"], got["kw"]), (12.0, (8.0,), {"z": 6.0}))
    with pytest.raises(TypeError, match="multigrad_dict"):
        multigrad_dict(fun)(1.0)


# ---- registered container types (jax.tree_util.register_pytree_node) -------------------------

class _Params:
    def __init__(self, w, b):
        self.w, self.b = w, b


ad.register_pytree_node(_Params, lambda p: ((p.w, p.b), "params"),
                        lambda aux, kids: _Params(*kids))


@ad.register_pytree_node_class
class _Scaled:
    def __init__(self, x, scale):
        self.x, self.scale = x, scale

    def tree_flatten(self):
        return (self.x,), self.scale  # the scale is static: part of the structure

    @classmethod
    def tree_unflatten(cls, scale, kids):
        return cls(kids[0], scale)


def test_registered_containers_through_the_transforms(backend):
    w, b = np.array([0.5, -1.0]), 3.0
    loss = lambda p: gnp.sum(p.w ** 2) * p.b  # noqa: E731
    g = ad.grad(loss)(_Params(w, b))
    assert isinstance(g, _Params)
    _close((g.w, g.b), (2 * w * b, np.sum(w ** 2)))
    check_grads(lambda w, b: loss(_Params(w, b)), (w, b), order=2, modes=("fwd", "rev"))
    J = ad.jacfwd(lambda p: p.w * p.b)(_Params(w, b))
    assert isinstance(J, _Params)
    _close((J.w, J.b), (np.diag(np.full(2, b)), w))
    out = ad.vmap(lambda p: p.w * p.b)(_Params(np.ones((3, 2)), np.arange(3.0)))
    _close(out, np.arange(3.0)[:, None] * np.ones((3, 2)))
    s = ad.grad(lambda s: gnp.sum(s.x) * s.scale)(_Scaled(np.ones(2), 4.0))
    assert isinstance(s, _Scaled) and s.scale == 4.0
    _close(s.x, np.full(2, 4.0))
    assert ad.tree_structure(_Scaled(1.0, 2.0)) != ad.tree_structure(_Scaled(1.0, 3.0))
    with pytest.raises(ValueError, match="tree 1"):
        ad.tree_map(lambda u, v: u, _Scaled(1.0, 2.0), _Scaled(1.0, 3.0))
    with pytest.raises(ValueError, match="registered already"):
        ad.register_pytree_node(_Params, lambda p: ((), None), lambda a, k: None)


def test_tree_transpose_reduce_all(backend):
    outer, inner = ad.tree_structure([0, 0, 0]), ad.tree_structure({"a": 0, "b": (0,)})
    tree = [{"a": 1, "b": (2,)}, {"a": 3, "b": (4,)}, {"a": 5, "b": (6,)}]
    assert ad.tree_transpose(outer, inner, tree) == {"a": [1, 3, 5], "b": ([2, 4, 6],)}
    with pytest.raises(TypeError, match="inner"):  # (JAX's TypeError)
        ad.tree_transpose(outer, inner, [{"a": 1, "b": 2}] * 3)
    assert ad.tree_reduce(lambda u, v: u + v, {"a": 1, "b": (2, 3)}) == 6
    assert ad.tree_reduce(lambda u, v: u + v, [], 10) == 10
    assert ad.tree_all([True, (1, {"k": 2})]) and not ad.tree_all([True, (1, {"k": 0})])


def test_register_dataclass(backend):
    import dataclasses
    from typing import Any

    @ad.register_dataclass
    @dataclasses.dataclass
    class Layer:
        w: Any
        b: Any
        act: str = dataclasses.field(default="tanh", metadata={"static": True})

    w = np.array([0.5, -1.0])
    g = ad.grad(lambda layer: gnp.sum(gnp.tanh(layer.w) * layer.b))(Layer(w, 2.0))
    assert isinstance(g, Layer) and g.act == "tanh"
    _close((g.w, g.b), (2.0 / np.cosh(w) ** 2, np.sum(np.tanh(w))))
    assert ad.tree_leaves(Layer(1.0, 2.0, "relu")) == [1.0, 2.0]
    assert ad.tree_structure(Layer(1.0, 2.0)) != ad.tree_structure(Layer(1.0, 2.0, "relu"))
    with pytest.raises(TypeError, match="not a dataclass"):
        ad.register_dataclass(type("Plain", (), {}))


def test_jvp_of_a_scalar_returns_arrays(backend):
    """Transforms return backend arrays: a 0-d tangent too (on NumPy it was a NumPy scalar)."""
    y, t = ad.jvp(gnp.sin, (1.0,), (1.0,))
    xp = type(gnp.asarray(0.0))
    assert type(y) is xp and type(t) is xp and t.shape == ()
    _close(t, np.cos(1.0))


@pytest.mark.xfail(strict=True, reason="custom_vjp does not compare fwd's primal output with "
                   "the function's (that needs the function run as well, or an abstract "
                   "evaluation of it); JAX raises for another structure or shape")
def test_custom_vjp_fwd_output_must_match_the_function(backend):
    f = ad.custom_vjp(lambda x: x * 1.0)
    f.defvjp(lambda x: (gnp.zeros((3,)) + x, None), lambda _, g: (gnp.sum(g),))
    with pytest.raises(TypeError, match="fwd"):
        ad.grad(lambda x: gnp.sum(f(x)))(1.0)
