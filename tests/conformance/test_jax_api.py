"""JAX's transformation tests (``tests/api_test.py``: the grad, value_and_grad, vjp, jvp,
jacfwd, jacrev and hessian tests, ``CustomJVPTest``, ``CustomVJPTest`` and the remat tests),
ported to gpuad.

The same functions, arguments and expected values, through gpuad's transforms. Where gpuad's
documented behaviour differs from JAX's (the complex convention of docs/semantics.md,
transforms returning backend arrays, integer inputs refused instead of ``float0``) the test
asserts gpuad's behaviour and says so.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError
from gpuad.testing import check_grads


def _close(a, b, tol=1e-10):
    fa, fb = ad.tree_flatten(a)[0], ad.tree_flatten(b)[0]
    assert len(fa) == len(fb), (a, b)
    for x, y in zip(fa, fb, strict=True):
        np.testing.assert_allclose(np.asarray(_host(x)), np.asarray(_host(y)), rtol=tol,
                                   atol=tol)


def _host(x):
    if isinstance(x, ad.Tensor):
        raise AssertionError(f"a transform returned a Tensor: {x!r}")
    return x.get() if hasattr(x, "get") else x


def _plain(tree):
    """Every leaf a transform returns is a backend array or number, never a Tensor."""
    for leaf in ad.tree_flatten(tree)[0]:
        assert not isinstance(leaf, ad.Tensor), f"a transform returned a Tensor: {leaf!r}"


# ---- grad, value_and_grad ---------------------------------------------------------------------

def _f_lin(x, y, z, flag=False):
    assert flag
    return 1.0 * x + 2.0 * y + 3.0 * z


def test_grad_argnums(backend):
    assert float(ad.grad(_f_lin)(1.0, 1.0, 1.0, flag=True)) == 1.0
    assert float(ad.grad(_f_lin, argnums=1)(1.0, 1.0, 1.0, flag=True)) == 2.0
    g = ad.grad(_f_lin, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True)
    assert isinstance(g, tuple)
    _close(g, (3.0, 1.0))


def test_value_and_grad_argnums(backend):
    y = _f_lin(1.0, 1.0, 1.0, flag=True)
    v, g = ad.value_and_grad(_f_lin)(1.0, 1.0, 1.0, flag=True)
    _close((v, g), (y, 1.0))
    _close(ad.value_and_grad(_f_lin, argnums=1)(1.0, 1.0, 1.0, flag=True), (y, 2.0))
    _close(ad.value_and_grad(_f_lin, argnums=(2, 0))(1.0, 1.0, 1.0, flag=True),
           (y, (3.0, 1.0)))


def test_grad_bad_input(backend):
    with pytest.raises(TypeError, match="argument 0"):
        ad.grad(lambda x: x)("foo")


@pytest.mark.parametrize("out", [lambda x: (x, x), lambda x: (), lambda x: [x * x],
                                 lambda x: None])
def test_grad_tuple_or_unit_output_raises(backend, out):
    with pytest.raises(TypeError, match="has_aux|scalar"):
        ad.grad(out)(1.0)


def test_grad_nonscalar_output_raises(backend):
    with pytest.raises(TypeError, match="scalar"):
        ad.grad(lambda x: x)(np.zeros(3))


def test_unwrapped_numpy_is_recorded(backend):
    """JAX raises for ``np.exp`` on a tracer; gpuad records NumPy's functions on Tensors
    (docs/semantics.md, "NumPy's own functions on Tensors") on the NumPy backend."""
    if backend != "numpy":
        pytest.skip("NumPy's functions dispatch to gpuad for Tensors; checked on numpy")
    g = ad.grad(lambda x: np.sum(np.exp(x)))(np.zeros(3))
    _close(g, np.ones(3))
    with pytest.raises(TypeError, match="scalar"):
        ad.grad(lambda x: np.exp(x))(np.zeros(3))


def test_grad_of_int_and_bool_raise(backend):
    """JAX raises for integer inputs to grad (and returns float0 in jvp/vjp); gpuad refuses
    integer and boolean arguments with an error naming the argument (docs/porting.md)."""
    with pytest.raises(TypeError, match="argument 0 has dtype int"):
        ad.grad(lambda x: x ** 2)(1)
    with pytest.raises(TypeError, match="argument 0 has dtype bool"):
        ad.grad(lambda x: x * 2.0)(True)


def test_jvp_vjp_of_int_raise(backend):
    """JAX's test_jvp_of_int_* / test_vjp_of_int_*: JAX passes float0 tangents and cotangents
    for integer arguments; gpuad refuses integer arguments, naming them (docs/porting.md)."""
    with pytest.raises(TypeError, match="argument 0 has dtype int"):
        ad.jvp(lambda x: x, (1,), (1,))
    with pytest.raises(TypeError, match="argument 1 has dtype int"):
        ad.vjp(lambda x, y: x * y, 2.0, 3)
    # an integer computed inside f is a constant: its tangent is zero
    y, t = ad.jvp(lambda x: (x, 1), (2.0,), (1.0,))
    _close((y, t), ((2.0, 1), (1.0, 0)))


def test_grad_and_aux_basic(backend):
    g, aux = ad.grad(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.0)
    _close(g, 27.0)
    _close(aux, [9.0])
    _plain(aux)


def test_grad_and_aux_error(backend):
    with pytest.raises(TypeError, match="pair"):
        ad.grad(lambda x: (1, 2, 3), has_aux=True)(1.0)
    with pytest.raises(TypeError, match="pair|scalar"):
        ad.grad(lambda x: x, has_aux=True)(1.0)


def test_grad_and_aux_nested(backend):
    def f(x):
        _, aux = ad.grad(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0]

    _close(ad.grad(f)(4.0), ad.grad(lambda x: x ** 3)(4.0))
    _close(ad.grad(f)(4.0), 48.0)

    def f2(x):
        _, aux = ad.grad(lambda x: (x ** 3, [x ** 3]), has_aux=True)(x)
        return aux[0] * gnp.sin(x)

    _close(ad.grad(f2)(4.0), ad.grad(lambda x: x ** 3 * gnp.sin(x))(4.0))


def test_grad_and_aux_constant(backend):
    g, aux = ad.grad(lambda x: (x ** 3, [4.0]), has_aux=True)(4.0)
    _close(g, 48.0)
    _close(aux, [4.0])
    g, aux = ad.grad(lambda x: (x ** 3, [x ** 2, 4.0]), has_aux=True)(4.0)
    _close(g, 48.0)
    _close(aux, [16.0, 4.0])


def test_grad_and_aux_no_tracers(backend):
    """JAX's aux holds no tracers; gpuad's aux holds backend arrays, not Tensors."""
    _, aux = ad.grad(lambda x: (x ** 2, {"identity": x, "p1": x + 1}), has_aux=True)(3.0)
    assert set(aux) == {"identity", "p1"}
    _plain(aux)
    _close(aux, {"identity": 3.0, "p1": 4.0})


def test_value_and_grad_returns_values(backend):
    v, g = ad.value_and_grad(lambda x: gnp.sum(gnp.sin(x)))(np.arange(3.0))
    _plain((v, g))
    _close((v, g), (np.sin(np.arange(3.0)).sum(), np.cos(np.arange(3.0))))


def test_stop_gradient(backend):
    def f(x):
        return gnp.sin(x) * gnp.cos(ad.stop_gradient(x))

    _close(ad.grad(f)(3.14), ad.grad(lambda x, y: gnp.sin(x) * gnp.cos(y))(3.14, 3.14))


def test_stop_gradient_pytree(backend):
    def f(x):
        s = ad.tree_map(ad.stop_gradient, {"a": x, "b": x * 2.0})
        return gnp.sum(s["a"] * x + s["b"])

    _close(ad.grad(f)(np.array([1.0, 2.0])), np.array([1.0, 2.0]))


# ---- complex values: gpuad's convention (docs/semantics.md, "Complex numbers") ----------------

def test_holomorphic_derivative_via_jvp(backend):
    """JAX: ``grad(sin, holomorphic=True)(z) == cos(z)``. The complex derivative is also the
    jvp along 1, and the vjp of g is ``g * conj(f'(z))``."""
    z = 1.0 + 2.0j
    _, t = ad.jvp(gnp.sin, (z,), (1.0 + 0j,))
    _close(t, np.cos(z))
    _, back = ad.vjp(gnp.sin, z)
    _close(back(1.0 + 0j)[0], np.conj(np.cos(z)))
    _close(ad.grad(gnp.sin, holomorphic=True)(z), np.cos(z))


def test_nonholomorphic_grad(backend):
    """JAX expects ``-sin|z| * conj(z)/|z|`` (dL/dx - i dL/dy); gpuad's convention gives the
    conjugate, ``dL/dx + i dL/dy``, the steepest-ascent direction in the plane."""
    zs = 0.5j * np.arange(1, 6) + np.arange(1, 6)
    g = ad.grad(lambda z: gnp.sum(gnp.cos(gnp.abs(z))))(zs)
    _close(g, -np.sin(np.abs(zs)) * zs / np.abs(zs))
    # the convention-independent content: the real gradient of (x, y) -> L(x + iy)
    x, y = zs.real, zs.imag
    gx, gy = ad.grad(lambda x, y: gnp.sum(gnp.cos(gnp.sqrt(x * x + y * y))), (0, 1))(x, y)
    _close(g, gx + 1j * gy)


def test_complex_grad_output_raises(backend):
    with pytest.raises(TypeError, match="complex"):
        ad.grad(gnp.sin)(1.0 + 2.0j)


def test_complex_jacobians_raise(backend):
    """JAX raises for jacfwd/jacrev of complex inputs without ``holomorphic=True``; gpuad raises
    for both (it has no holomorphic Jacobian)."""
    with pytest.raises(TypeError, match="jacrev"):
        ad.jacrev(gnp.sin)(1.0 + 2.0j)
    with pytest.raises(TypeError, match="jacfwd"):
        ad.jacfwd(gnp.sin)(1.0 + 2.0j)
    with pytest.raises(TypeError, match="jacrev"):
        ad.jacrev(lambda x: x * (1.0 + 2.0j))(1.0)
    # a real input with a complex output: jacfwd is the complex df/dx
    _close(ad.jacfwd(lambda x: gnp.exp(1j * x))(0.5), 1j * np.exp(0.5j))


# ---- vjp, jvp ---------------------------------------------------------------------------------

def test_vjp_mismatched_cotangent(backend):
    _, back = ad.vjp(lambda x: x * 2.0, 1.0)
    with pytest.raises(ValueError, match=r"\(5,\)"):
        back(np.zeros(5))


def test_jvp_mismatched_arguments(backend):
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        ad.jvp(lambda x: x, (1.0,), (1.0, 2.0))
    with pytest.raises(ValueError, match="shape"):
        ad.jvp(lambda x: x, (np.zeros(3),), (np.zeros(4),))
    with pytest.raises(ValueError, match="structure"):
        ad.jvp(lambda x: x, ({"a": 1.0},), ((1.0,),))


def test_jvp_non_tuple_arguments(backend):
    with pytest.raises(TypeError, match="tuples or lists"):
        ad.jvp(lambda x: x, 0.0, (1.0,))
    with pytest.raises(TypeError, match="tuples or lists"):
        ad.jvp(lambda x: x, (0.0,), 1.0)


def test_vjp_and_jvp_pytrees(backend):
    def f(d):
        return {"s": gnp.sin(d["a"]) * d["b"], "t": (d["a"] * 2.0,)}

    x = {"a": np.array([0.3, 1.2]), "b": np.array(2.0)}
    t = {"a": np.array([1.0, -1.0]), "b": np.array(0.5)}
    y, ty = ad.jvp(f, (x,), (t,))
    _plain((y, ty))
    _close(ty, {"s": np.cos(x["a"]) * t["a"] * 2.0 + np.sin(x["a"]) * 0.5,
                "t": (2.0 * t["a"],)})
    y2, back = ad.vjp(f, x)
    _close(y, y2)
    (ct,) = back({"s": np.ones(2), "t": (np.ones(2),)})
    _plain(ct)
    _close(ct, {"a": np.cos(x["a"]) * 2.0 + 2.0, "b": np.sin(x["a"]).sum()})


def test_namedtuple_and_ordered_dict_pytrees(backend):
    import collections

    point = collections.namedtuple("point", "a b")
    g = ad.grad(lambda p: p.a * p.b)(point(1.0, 2.0))
    assert isinstance(g, point)
    _close(g, point(2.0, 1.0))
    j = ad.jacrev(lambda p: point(p.a * 2, p.b * p.a))(point(1.0, 2.0))
    _close(j, point(point(2.0, 0.0), point(2.0, 1.0)))
    _close(ad.jacfwd(lambda p: point(p.a * 2, p.b * p.a))(point(1.0, 2.0)), j)
    od = collections.OrderedDict(z=3.0, a=1.0)
    g = ad.grad(lambda d: d["z"] * d["a"] ** 2)(od)
    assert isinstance(g, collections.OrderedDict) and list(g) == ["z", "a"]
    _close(list(g.values()), [1.0, 6.0])
    g = ad.grad(lambda d: d["x"] * 2.0)({"x": 1.0, "n": None})
    assert g["n"] is None


def test_vjp_has_aux(backend):
    y, back, aux = ad.vjp(lambda x: (gnp.sin(x), {"c": gnp.cos(x)}), 0.5, has_aux=True)
    _plain((y, aux))
    _close((y, aux), (np.sin(0.5), {"c": np.cos(0.5)}))
    _close(back(1.0), (np.cos(0.5),))


def test_jvp_has_aux(backend):
    y, t, aux = ad.jvp(lambda x: (gnp.sin(x), {"c": gnp.cos(x), "s": "label"}), (0.5,), (1.0,),
                       has_aux=True)
    _plain((y, t, aux))
    _close((y, t, aux["c"]), (np.sin(0.5), np.cos(0.5), np.cos(0.5)))
    assert aux["s"] == "label"
    # aux stays differentiable for an enclosing transform
    f = lambda x: ad.jvp(lambda y: (gnp.sin(y), y * x), (x,), (1.0,), has_aux=True)[2]  # noqa
    _close(ad.grad(f)(0.5), 1.0)
    with pytest.raises(TypeError, match="pair"):
        ad.jvp(lambda x: x, (1.0,), (1.0,), has_aux=True)


# ---- Jacobians and Hessians ------------------------------------------------------------------

def test_jacobian(backend):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    for jac in (ad.jacfwd, ad.jacrev):
        _close(jac(lambda x: gnp.dot(a, x))(x), a)
    f = lambda x: gnp.tanh(gnp.dot(a, x))  # noqa: E731
    _close(ad.jacfwd(f)(x), ad.jacrev(f)(x))
    _close(ad.jacrev(f)(x), (1 - np.tanh(a @ x) ** 2)[:, None] * a)


def test_hessian(backend):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    _close(ad.hessian(lambda x: gnp.dot(x, gnp.dot(a, x)))(x), a + a.T)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_on_pytrees(backend, jac):
    jacfun = getattr(ad, jac)
    _close(jacfun(lambda x, y: (x, y))(0.0, 1.0), (1.0, 0.0))
    _close(jacfun(lambda x, y: (x, y), 1)(0.0, 1.0), (0.0, 1.0))
    _close(jacfun(lambda x, y: (x, y), (0, 1))(0.0, 1.0), ((1.0, 0.0), (0.0, 1.0)))
    _close(jacfun(lambda x: x[:2])((1.0, 2.0, 3.0)), ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)))
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    ans = jacfun(lambda x, y: {"x": x, "xy": gnp.outer(x, y)})(x, y)
    _plain(ans)
    _close(ans, {"x": np.eye(3), "xy": np.kron(np.eye(3), y[:, None]).reshape(3, 2, 3)})


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_and_aux(backend, jac):
    jacfun = getattr(ad, jac)
    j, aux = jacfun(lambda x: (x ** 3, [x ** 2]), has_aux=True)(3.0)
    _close((j, aux), (27.0, [9.0]))
    j, aux = jacfun(lambda x: (gnp.sin(x), {"c": gnp.cos(x), "n": 3}), has_aux=True)(
        np.array([0.1, 0.2]))
    _plain(aux)
    _close((j, aux["c"]), (np.diag(np.cos([0.1, 0.2])), np.cos([0.1, 0.2])))
    assert aux["n"] == 3
    with pytest.raises(TypeError, match="pair"):
        jacfun(lambda x: x, has_aux=True)(np.ones(2))


def test_hessian_and_aux(backend):
    h, aux = ad.hessian(lambda x: (gnp.sum(x ** 3), x * 2), has_aux=True)(np.array([1.0, 2.0]))
    _plain((h, aux))
    _close((h, aux), (np.diag([6.0, 12.0]), np.array([2.0, 4.0])))


def test_hessian_on_pytrees(backend):
    ans = ad.hessian(lambda x: gnp.array(x) ** 2)((1.0, 2.0))
    _close(ans, ((np.array([2.0, 0.0]), np.array([0.0, 0.0])),
                 (np.array([0.0, 0.0]), np.array([0.0, 2.0]))))


def test_hessian_argnums(backend):
    def f(x, y):
        return gnp.sum(x ** 2 * y) + gnp.sum(gnp.sin(y))

    x, y = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    h = ad.hessian(f, (0, 1))(x, y)
    _close(h, ((np.diag(2 * y), np.diag(2 * x)), (np.diag(2 * x), np.diag(-np.sin(y)))))


def test_jacobian_of_int_output_raises(backend):
    with pytest.raises(TypeError, match="floating"):
        ad.jacrev(lambda x: gnp.floor(x).astype(int))(np.ones(2))


def test_grad_check_of_composite(backend):
    """api_test's ``check_grads`` on a small composite, orders 1 and 2, both modes."""
    def f(x, y):
        return gnp.sum(gnp.tanh(x @ y) * gnp.exp(-x[:, :1]))

    rng = np.random.default_rng(3)
    check_grads(f, (rng.standard_normal((3, 2)), rng.standard_normal((2, 4))), order=2)


# ---- custom_jvp (CustomJVPTest) ---------------------------------------------------------------

def _custom_sin():
    f = ad.custom_jvp(lambda x: gnp.sin(x))

    def f_jvp(primals, tangents):
        (x,), (g,) = primals, tangents
        return f(x), 2 * gnp.cos(x) * g

    f.defjvp(f_jvp)
    return f


def test_custom_jvp_basic(backend):
    f = _custom_sin()
    x = 3.0
    _close(f(x), np.sin(x))
    _close(ad.jvp(f, (x,), (1.0,)), (np.sin(x), 2 * np.cos(x)))
    _close(ad.grad(f)(x), 2 * np.cos(x))


def test_custom_jvp_invariance(backend):
    @ad.custom_jvp
    def f(x):
        return gnp.cos(2 * x) / 2.0

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (g,) = primals, tangents
        return f(x), 3 * g

    def f2(x):
        y, _ = ad.jvp(f, (x,), (x,))
        return y

    def f3(x):
        y, _ = ad.jvp(f2, (x,), (x,))
        return y

    x = 1.0
    _close(ad.jvp(f, (x,), (x,)), ad.jvp(f2, (x,), (x,)))
    _close(ad.jvp(f, (x,), (x,)), ad.jvp(f3, (x,), (x,)))
    _close(ad.grad(f2)(x), 3.0)


def test_custom_jvp_python_control_flow(backend):
    @ad.custom_jvp
    def f(x):
        return gnp.sin(x) if x > 0 else gnp.cos(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (g,) = primals, tangents
        return f(x), (2 * g if x > 0 else 3 * g)

    _close(f(1.0), np.sin(1.0))
    _close(f(-1.0), np.cos(-1.0))
    _close(ad.jvp(f, (1.0,), (1.0,)), (np.sin(1.0), 2.0))
    _close(ad.jvp(f, (-1.0,), (1.0,)), (np.cos(-1.0), 3.0))
    _close(ad.grad(f)(1.0), 2.0)
    _close(ad.grad(f)(-1.0), 3.0)


def test_custom_jvp_pytrees(backend):
    @ad.custom_jvp
    def f(x):
        return {"b": gnp.sin(x["a"])}

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (g,) = primals, tangents
        return f(x), {"b": 2 * gnp.cos(x["a"]) * g["a"]}

    x = {"a": 3.0}
    _close(f(x)["b"], np.sin(3.0))
    _close(ad.jvp(f, (x,), (x,)), ({"b": np.sin(3.0)}, {"b": 2 * np.cos(3.0) * 3.0}))
    _close(ad.grad(lambda x: f(x)["b"])(x), {"a": 2 * np.cos(3.0)})


def test_custom_jvp_pytree_multiple_outputs(backend):
    @ad.custom_jvp
    def f(d):
        return gnp.sin(d["a"]) * d["b"], gnp.exp(d["a"])

    @f.defjvp
    def f_jvp(primals, tangents):
        (d,), (t,) = primals, tangents
        return f(d), (gnp.cos(d["a"]) * d["b"] * t["a"] + gnp.sin(d["a"]) * t["b"],
                      gnp.exp(d["a"]) * t["a"])

    def loss(a, b):
        y, z = f({"a": a, "b": b})
        return gnp.sum(y * z) + gnp.sum(z ** 2)

    def plain(a, b):
        y, z = gnp.sin(a) * b, gnp.exp(a)
        return gnp.sum(y * z) + gnp.sum(z ** 2)

    a, b = np.array([0.3, -0.7]), np.array([1.5, 2.0])
    _close(ad.grad(loss, (0, 1))(a, b), ad.grad(plain, (0, 1))(a, b))
    h = ad.hessian(loss)(a, b)
    _plain(h)
    _close(h, ad.hessian(plain)(a, b))
    check_grads(loss, (a, b), order=2)


def test_custom_jvp_jvp_of_grad_returns_arrays(backend):
    @ad.custom_jvp
    def sp(x):
        return gnp.logaddexp(x, 0.0)

    @sp.defjvp
    def sp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return sp(x), t / (1 + gnp.exp(-x))

    x = np.array([0.3, -1.2])
    s = 1 / (1 + np.exp(-x))
    y, t = ad.jvp(ad.grad(lambda x: gnp.sum(sp(x))), (x,), (np.ones(2),))
    _plain((y, t))
    _close((y, t), (s, s * (1 - s)))


def test_custom_jvp_kwargs(backend):
    @ad.custom_jvp
    def my_fun(x, y, c=1.0):
        return c * (x + y)

    @my_fun.defjvp
    def my_jvp(primals, tangents):
        x, y, c = primals
        _, _, t_c = tangents
        return my_fun(x, y, c), t_c

    f = lambda x, y: gnp.sum(gnp.square(my_fun(x, y, c=2.0)))  # noqa: E731
    _close(f(10.0, 5.0), 900.0)
    _close(ad.jvp(f, (10.0, 5.0), (1.0, 1.0)), (900.0, 0.0))  # the rule says: only c moves it


def test_custom_vjp_kwargs(backend):
    @ad.custom_vjp
    def g(x, y, c=1.0):
        return c * (x + y)

    g.defvjp(lambda x, y, c=1.0: (g(x, y, c), c), lambda c, ct: (c * ct, c * ct, None))
    _close(ad.grad(lambda x: g(x, 1.0, c=3.0))(2.0), 3.0)
    _close(ad.grad(lambda x: g(x, 1.0))(2.0), 1.0)


def test_custom_jvp_defjvps(backend):
    @ad.custom_jvp
    def f(x, y):
        return gnp.sin(x) * y

    f.defjvps(lambda tx, ans, x, y: gnp.cos(x) * tx * y, lambda ty, ans, x, y: gnp.sin(x) * ty)
    x, y = np.array([0.3, 1.0]), np.array([2.0, -1.0])
    _close(ad.grad(lambda x, y: gnp.sum(f(x, y)), (0, 1))(x, y), (np.cos(x) * y, np.sin(x)))
    check_grads(f, (x, y), order=2)

    @ad.custom_jvp
    def g(x, y):
        return gnp.sin(x) * y

    g.defjvps(lambda tx, ans, x, y: 2 * gnp.cos(x) * tx * y, None)  # y: no dependence
    _close(ad.grad(lambda x, y: gnp.sum(g(x, y)), (0, 1))(x, y), (2 * np.cos(x) * y, 0 * y))
    _close(ad.jvp(g, (x, y), (np.ones(2), np.ones(2))), (np.sin(x) * y, 2 * np.cos(x) * y))


def test_custom_jvp_nondiff_arg(backend):
    @functools.partial(ad.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        (x,), (t,) = primals, tangents
        return app(f, x), 3 * t

    _close(app(lambda y: 2 * y, 1.0), 2.0)
    _close(ad.jvp(lambda x: app(lambda y: 2 * y, x), (1.0,), (1.0,)), (2.0, 3.0))
    _close(ad.grad(lambda x: app(lambda y: 2 * y, x))(1.0), 3.0)
    with pytest.raises(TypeError, match="defjvps"):
        app.defjvps(lambda t, ans, x: t)


def test_custom_jvp_higher_order(backend):
    """grad of grad through the transposed rule, and jvp of grad (CustomJVPTest's hessian)."""
    @ad.custom_jvp
    def sp(x):
        return gnp.logaddexp(x, 0.0)

    @sp.defjvp
    def sp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return sp(x), t / (1 + gnp.exp(-x))

    x = np.array([0.3, -1.2])
    s = 1 / (1 + np.exp(-x))
    _close(ad.grad(lambda x: gnp.sum(sp(x)))(x), s)
    _close(ad.grad(lambda x: gnp.sum(ad.grad(lambda y: gnp.sum(sp(y)))(x)))(x), s * (1 - s))
    check_grads(lambda x: sp(x) * x, (x,), order=2)


def test_custom_jvp_rule_errors(backend):
    bare = ad.custom_jvp(gnp.sin)
    with pytest.raises(GradError, match="defjvp"):
        ad.grad(bare)(3.0)

    @ad.custom_jvp
    def f(x):
        return gnp.sin(x)

    f.defjvp(lambda p, t: t[0])  # not a pair
    with pytest.raises(TypeError, match="pair"):
        ad.jvp(f, (3.0,), (1.0,))
    with pytest.raises(TypeError, match="pair"):
        ad.grad(f)(3.0)


# ---- custom_vjp (CustomVJPTest) ---------------------------------------------------------------

def test_custom_vjp_basic(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (f(x), gnp.cos(x)), lambda cos_x, g: (2 * cos_x * g,))
    x = 3.0
    _close(f(x), np.sin(x))
    _close(ad.grad(f)(x), 2 * np.cos(x))
    _close(ad.value_and_grad(f)(x), (np.sin(x), 2 * np.cos(x)))


def test_custom_vjp_invariance(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.cos(2 * x) / 2.0

    f.defvjp(lambda x: (f(x), x), lambda x, g: (g * 3,))

    def f2(x):
        y, _ = ad.value_and_grad(f)(x)
        return y

    def f3(x):
        y, _ = ad.value_and_grad(f2)(x)
        return y

    x = 1.0
    _close(f(x), f2(x))
    _close(f(x), f3(x))
    _close(ad.grad(f)(x), ad.grad(f2)(x))
    _close(ad.grad(f)(x), ad.grad(f3)(x))
    _close(ad.grad(f3)(x), 3.0)


def test_custom_vjp_python_control_flow(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x) if x > 0 else gnp.cos(x)

    f.defvjp(lambda x: (f(x), x), lambda x, g: (2 * g,) if x > 0 else (3 * g,))
    _close(f(1.0), np.sin(1.0))
    _close(f(-1.0), np.cos(-1.0))
    _close(ad.grad(f)(1.0), 2.0)
    _close(ad.grad(f)(-1.0), 3.0)


def test_custom_vjp_pytrees(backend):
    @ad.custom_vjp
    def f(x):
        return {"b": gnp.sin(x["a"])}

    f.defvjp(lambda x: (f(x), x), lambda x, g: ({"a": 2 * gnp.cos(x["a"]) * g["b"]},))
    x = {"a": 3.0}
    _close(f(x)["b"], np.sin(3.0))
    _close(ad.grad(lambda x: f(x)["b"])(x), {"a": 2 * np.cos(3.0)})


def test_custom_vjp_pytree_arguments_and_outputs(backend):
    @ad.custom_vjp
    def g(x, y):
        return (x * y, 3), {"s": gnp.sin(x)}

    def g_bwd(r, ct):
        (c0, _), d = ct
        x, y = r
        return c0 * y + d["s"] * gnp.cos(x), c0 * x

    g.defvjp(lambda x, y: (g(x, y), (x, y)), g_bwd)

    def loss(x, y):
        (p, n), d = g(x, y)
        return gnp.sum(p * n + d["s"] ** 2)

    x, y = np.array([0.3, 0.2]), np.array([1.0, 2.0])
    _close(ad.grad(loss, (0, 1))(x, y), (3 * y + np.sin(2 * x), 3 * x))
    check_grads(loss, (x, y), order=2, modes=("rev",))


def test_custom_vjp_jvp_raises(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (f(x), gnp.cos(x)), lambda c, g: (c * g,))
    with pytest.raises(GradError, match="forward mode"):
        ad.jvp(f, (3.0,), (1.0,))


def test_custom_vjp_nondiff_arg(backend):
    @functools.partial(ad.custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    app.defvjp(lambda f, x: (app(f, x), np.cos(3.0)), lambda f, cos_x, g: (cos_x * g,))
    _close(app(lambda y: 2 * y, 1.0), 2.0)
    _close(ad.grad(lambda x: app(lambda y: 2 * y, x))(1.0), np.cos(3.0))


def test_custom_vjp_clip_gradient(backend):
    @functools.partial(ad.custom_vjp, nondiff_argnums=(0, 1))
    def _clip_gradient(lo, hi, x):
        return x

    _clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                          lambda lo, hi, _, g: (gnp.clip(g, lo, hi),))

    def clip_gradient(x):
        return _clip_gradient(-0.1, x + 0.1, x)  # hi depends on x: a constant for the rule

    _close(ad.grad(clip_gradient)(0.1), 0.2)  # 1 clipped to [-0.1, 0.2]
    _close(ad.grad(clip_gradient)(-0.1), 0.0)  # 1 clipped to [-0.1, 0.0]


def test_custom_vjp_nestable_vjp(backend):
    def f(x):
        return x ** 2

    @ad.custom_vjp
    def g(x):
        return f(x)

    def g_fwd(x):
        y, f_vjp = ad.vjp(f, x)
        return y, f_vjp

    g.defvjp(g_fwd, lambda f_vjp, y_bar: f_vjp(y_bar))
    y, g_vjp = ad.vjp(g, 1.0)
    _close(y, 1.0)
    ct = g_vjp(1.0)
    _plain(ct)
    _close(ct, (2.0,))
    _close(ad.grad(g)(3.0), 6.0)


def test_custom_vjp_multiple_inputs_and_second_order(backend):
    @ad.custom_vjp
    def f(x, y):
        return gnp.sin(x) * y

    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda r, g: (gnp.cos(r[0]) * r[1] * g, gnp.sin(r[0]) * g))
    _close(ad.grad(f, (0, 1))(2.0, 3.0), (np.cos(2.0) * 3.0, np.sin(2.0)))
    _close(ad.grad(lambda x: ad.grad(f)(x, 3.0))(2.0), -3.0 * np.sin(2.0))


def test_custom_vjp_bwd_errors(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (f(x), gnp.cos(x)), lambda c, g: (2 * c * g, 1.0))
    with pytest.raises(GradError, match="2 cotangents for 1 arguments"):
        ad.grad(f)(3.0)
    bare = ad.custom_vjp(gnp.sin)
    with pytest.raises(GradError, match="defvjp"):
        ad.grad(bare)(3.0)


def test_custom_vjp_rule_structure_errors(backend):
    """CustomVJPTest's error-message tests: fwd not returning a pair, bwd cotangents of the
    wrong shape (JAX raises; a silent broadcast would be a wrong gradient)."""
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: f(x), lambda r, g: (g,))
    with pytest.raises(TypeError, match="fwd must return a pair"):
        ad.grad(lambda x: gnp.sum(f(x)))(np.ones(3))

    @ad.custom_vjp
    def g(x):
        return gnp.sin(x)

    g.defvjp(lambda x: (g(x), None), lambda r, ct: (gnp.sum(ct),))
    with pytest.raises(GradError, match=r"shape \(\) for an input of shape \(3,\)"):
        ad.grad(lambda x: gnp.sum(g(x)))(np.ones(3))

    @ad.custom_vjp
    def h(x, y):
        return x * y

    h.defvjp(lambda x, y: (h(x, y), y), lambda y, ct: (None, ct))  # None: a zero cotangent
    _close(ad.grad(h, (0, 1))(2.0, 3.0), (0.0, 1.0))


def test_custom_jvp_tangent_shape_error(backend):
    @ad.custom_jvp
    def f(x):
        return gnp.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), gnp.sum(t[0])))
    with pytest.raises(TypeError, match=r"shape \(\) but the output has shape \(3,\)"):
        ad.jvp(f, (np.ones(3),), (np.ones(3),))
    with pytest.raises(TypeError, match=r"shape \(\) but the output has shape \(3,\)"):
        ad.grad(lambda x: gnp.sum(f(x)))(np.ones(3))


def test_custom_vjp_bare_cotangent_for_one_argument(backend):
    """JAX requires bwd to return a tuple; gpuad also takes a bare cotangent for a function of
    one argument."""
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (f(x), gnp.cos(x)), lambda c, g: 2 * c * g)
    _close(ad.grad(f)(3.0), 2 * np.cos(3.0))


# ---- checkpoint / remat -----------------------------------------------------------------------

def test_remat_basic(backend):
    @ad.checkpoint
    def g(x):
        return gnp.sin(gnp.sin(x)), 3.0

    def f(x):
        x, _ = g(x)
        return x

    _close(f(2.0), np.sin(np.sin(2.0)))
    d = np.cos(np.sin(2.0)) * np.cos(2.0)
    _close(ad.jvp(f, (2.0,), (1.0,)), (np.sin(np.sin(2.0)), d))
    _close(ad.grad(f)(2.0), d)
    _close(ad.value_and_grad(f)(2.0), (np.sin(np.sin(2.0)), d))


def test_remat_higher_order_autodiff(backend):
    def f(x):
        return gnp.cos(gnp.sin(x))

    g = ad.checkpoint(f)
    _close(ad.grad(ad.grad(g))(3.0), ad.grad(ad.grad(f))(3.0))
    _close(ad.grad(ad.grad(ad.grad(g)))(3.0), ad.grad(ad.grad(ad.grad(f)))(3.0))


def test_remat_python_control_flow(backend):
    @ad.checkpoint
    def g(x):
        return gnp.sin(x) if x > 0 else gnp.cos(x)

    _close(ad.grad(g)(2.0), np.cos(2.0))
    _close(ad.grad(g)(-2.0), -np.sin(-2.0))


def test_remat_nested(backend):
    @ad.checkpoint
    def g(x):
        return gnp.sin(gnp.sin(x))

    def f(x):
        return g(ad.checkpoint(g)(x))

    def plain(x):
        return gnp.sin(gnp.sin(gnp.sin(gnp.sin(x))))

    _close(f(2.0), plain(2.0))
    _close(ad.grad(f)(2.0), ad.grad(plain)(2.0))
    check_grads(f, (2.0,), order=2)


def test_remat_closure_and_pytree(backend):
    # on the backend: check_grads calls f on plain backend arrays, which CuPy's do not mix
    # with host ones
    w = gnp.asarray(np.array([[0.5, -1.0], [2.0, 0.3]]))

    @ad.checkpoint
    def block(d):
        return {"h": gnp.tanh(d["h"] @ w), "n": d["n"]}

    def f(x):
        d = block(block({"h": x, "n": 3}))
        return gnp.sum(d["h"] ** 2) * d["n"]

    def plain(x):
        return gnp.sum(gnp.tanh(gnp.tanh(x @ w) @ w) ** 2) * 3

    x = np.array([[0.1, 0.7], [-0.4, 0.2]])
    _close(ad.grad(f)(x), ad.grad(plain)(x))
    check_grads(f, (x,), order=2)


def test_remat_kwargs(backend):
    f = ad.checkpoint(lambda x, c=1.0: gnp.sin(x) * c)
    _close(f(2.0, c=3.0), 3.0 * np.sin(2.0))
    _close(ad.grad(f)(2.0, c=3.0), 3.0 * np.cos(2.0))
    _close(ad.grad(lambda c: gnp.sum(f(np.array([1.0, 2.0]), c=c)))(3.0),
           np.sin([1.0, 2.0]).sum())
    check_grads(lambda x, c: f(x, c=c), (np.array([1.0, 2.0]), 3.0), order=2)


def test_argnums_errors(backend):
    with pytest.raises(TypeError, match="argnums=2 but only 2 arguments"):
        ad.grad(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums must be an int"):
        ad.grad(lambda x, y: x * y, argnums=1.5)(1.0, 2.0)
    for jac in (ad.jacrev, ad.jacfwd):
        with pytest.raises(TypeError, match="argnums=2 but only 2 arguments"):
            jac(lambda x, y: x * y, argnums=2)(1.0, 2.0)
    _close(ad.grad(lambda x, y: x * y, argnums=-1)(1.0, 2.0), 1.0)
    _close(ad.jacrev(lambda x, y: x * y, argnums=np.int64(1))(2.0, 3.0), 2.0)


def test_remat_options_missing(backend):
    """``jax.checkpoint``'s ``static_argnums``, ``prevent_cse`` and ``policy`` do not exist."""
    with pytest.raises(TypeError):
        ad.checkpoint(lambda x, n: x * n, static_argnums=(1,))
