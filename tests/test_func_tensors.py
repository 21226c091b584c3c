"""``gpuad.func`` returns gpuad Tensors, as torch.func does, so torch's Tensor methods apply to
its results (on a backend array ``.view``, ``.sum(dim=)``, ``.flatten(2)``,
``.expand``, ``.size(0)`` are NumPy's, or fail). gpuad's own transforms (``gpuad.grad``,
``gpuad.vmap``, ...) keep returning backend arrays. Values are derived by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.func as gf
import gpuad.numpy as gnp
from gpuad import nn

X = np.array([[0.1, -0.7, 1.3], [2.0, 0.4, -1.1]])


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _plain(t):
    """A result leaf as torch.func hands it back: a Tensor outside any graph."""
    assert isinstance(t, ad.Tensor), type(t)
    assert not t.requires_grad and t._node is None
    return to_numpy(t)


def _sin_jac(x):  # d sin(x) / dx laid out as out.shape + in.shape
    return np.diag(np.cos(x.ravel())).reshape(x.shape + x.shape)


def test_every_transform_returns_tensors(backend):
    x, v = xp_(X), xp_(np.ones_like(X) * 0.5)
    loss = lambda a: gnp.sum(gnp.sin(a))  # noqa: E731
    np.testing.assert_allclose(_plain(gf.grad(loss)(x)), np.cos(X))
    g, val = gf.grad_and_value(loss)(x)
    np.testing.assert_allclose(_plain(g), np.cos(X))
    np.testing.assert_allclose(_plain(val), np.sin(X).sum())
    out, vjp_fn = gf.vjp(gnp.sin, x)
    np.testing.assert_allclose(_plain(out), np.sin(X))
    (gx,) = vjp_fn(v)
    np.testing.assert_allclose(_plain(gx), 0.5 * np.cos(X))
    y, t = gf.jvp(gnp.sin, (x,), (v,))
    np.testing.assert_allclose(_plain(y), np.sin(X))
    np.testing.assert_allclose(_plain(t), 0.5 * np.cos(X))
    for jac in (gf.jacrev, gf.jacfwd):
        np.testing.assert_allclose(_plain(jac(gnp.sin)(x)), _sin_jac(X), atol=1e-15)
    np.testing.assert_allclose(_plain(gf.hessian(lambda a: gnp.sum(a ** 3))(x[0])),
                               np.diag(6 * X[0]))
    y, jvp_fn = gf.linearize(gnp.sin, x)
    np.testing.assert_allclose(_plain(y), np.sin(X))
    np.testing.assert_allclose(_plain(jvp_fn(v)), 0.5 * np.cos(X))
    np.testing.assert_allclose(_plain(gf.vmap(lambda r: r * 2)(x)), 2 * X)


def test_pytrees_keep_structure_and_integer_dtypes(backend):
    x = xp_(X)

    def f(a):
        return gnp.sum(a * a), {"idx": gnp.argmax(a, axis=1), "pos": [a > 0], "n": 3}

    g, aux = gf.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(_plain(g), 2 * X)
    assert sorted(aux) == ["idx", "n", "pos"] and aux["n"] == 3  # a number stays a number
    np.testing.assert_array_equal(_plain(aux["idx"]), [2, 0])
    assert aux["idx"].dtype.kind == "i" and aux["pos"][0].dtype == np.bool_
    np.testing.assert_array_equal(_plain(aux["pos"][0]), X > 0)
    out = gf.vmap(lambda r: (gnp.argmax(r), {"s": gnp.sum(r)}))(x)
    assert isinstance(out, tuple) and isinstance(out[1], dict)
    np.testing.assert_array_equal(_plain(out[0]), [2, 0])
    np.testing.assert_allclose(_plain(out[1]["s"]), X.sum(1))
    jac = gf.jacrev(lambda a, b: {"p": a * b, "q": [gnp.sum(a)]}, argnums=(0, 1))(x[0], x[1])
    np.testing.assert_allclose(_plain(jac["p"][0]), np.diag(X[1]))
    np.testing.assert_allclose(_plain(jac["q"][0][1]), np.zeros(3))


def test_torch_methods_on_results(backend):
    x = xp_(X)
    j = gf.jacrev(gnp.sin)(x)  # (2, 3, 2, 3)
    assert j.view(-1).shape == (36,) and j.flatten(2).shape == (2, 3, 6)
    assert j.size(0) == 2 and j.size() == (2, 3, 2, 3)
    # torch's sum(dim=1): over the output's columns, one row of cos per input element
    np.testing.assert_allclose(to_numpy(j.sum(dim=1)), _sin_jac(X).sum(1), atol=1e-15)
    g = gf.grad(lambda a: gnp.sum(a * a))(xp_(np.array([1.0, 2.0, 3.0])))
    # torch's x.repeat(2) is gpuad's x.tile(2) (gpuad's Tensor.repeat is NumPy's, documented);
    # a backend array has no tile method at all
    np.testing.assert_array_equal(to_numpy(g.tile(2)), [2.0, 4.0, 6.0, 2.0, 4.0, 6.0])
    with pytest.raises(TypeError, match="tile"):
        g.repeat(2, 1, 1)
    np.testing.assert_array_equal(to_numpy(g.expand(2, 3)), [[2.0, 4.0, 6.0]] * 2)
    h = gf.hessian(lambda a: gnp.sum(a[0] * a[1] ** 2))(xp_(np.array([1.0, 3.0])))
    np.testing.assert_array_equal(to_numpy(h.T), [[0.0, 6.0], [6.0, 2.0]])
    # a broadcast gradient (the seed of sum) is writable, as torch's result
    ones = gf.grad(lambda a: gnp.sum(a))(xp_(np.zeros(4)))
    ones.mul_(3)
    np.testing.assert_array_equal(to_numpy(ones), [3.0] * 4)


def test_jax_facing_transforms_still_return_arrays(backend):
    x = xp_(X)
    arr = ad.get_backend().array_type
    assert type(ad.grad(lambda a: gnp.sum(gnp.sin(a)))(x)) is arr
    assert type(ad.jacrev(gnp.sin)(x)) is arr
    assert type(ad.vmap(lambda r: r * 2)(x)) is arr
    assert type(ad.jvp(gnp.sin, (x,), (x,))[1]) is arr
    # a gpuad.func transform inside a jax-facing one: the outer one decides
    assert type(ad.vmap(gf.grad(lambda r: gnp.sum(gnp.sin(r))))(x)) is arr


def test_nested(backend):
    x = xp_(X)
    per_row = gf.vmap(gf.grad(lambda r: gnp.sum(gnp.sin(r))))(x)
    np.testing.assert_allclose(_plain(per_row), np.cos(X))
    hess = gf.jacrev(gf.jacrev(lambda a: gnp.sum(gnp.sin(a))))(x[0])
    np.testing.assert_allclose(_plain(hess), np.diag(-np.sin(X[0])))
    d2 = gf.grad(gf.grad(gnp.sin))(xp_(np.array(0.3)))
    np.testing.assert_allclose(_plain(d2), -np.sin(0.3))
    # vjp of grad: d/dx cos(x) * v
    _, vjp_fn = gf.vjp(gf.grad(gnp.sin), xp_(np.array(0.3)))
    np.testing.assert_allclose(_plain(vjp_fn(xp_(np.array(2.0)))[0]), -2 * np.sin(0.3))


def test_outer_graph_sees_the_result(backend):
    # as torch.func: an input that requires grad makes grad's result part of its graph
    x = ad.tensor(xp_(np.array(0.3)), requires_grad=True)
    y = gf.grad(gnp.sin)(x)
    assert isinstance(y, ad.Tensor) and y.requires_grad
    (d,) = ad.autograd.grad(y, x)
    np.testing.assert_allclose(to_numpy(d), -np.sin(0.3))
    with ad.no_grad():
        y = gf.grad(gnp.sin)(x)
    np.testing.assert_allclose(_plain(y), np.cos(0.3))


def test_grad_of_functional_call(backend):
    lin = nn.Linear(2, 1)
    w = xp_(np.array([[1.5, -2.0]]))
    b = xp_(np.array([0.25]))
    xs = xp_(np.array([[1.0, 2.0], [3.0, -1.0]]))

    def loss(params, inp):
        return gnp.sum(gf.functional_call(lin, params, (inp,)) ** 2)

    g = gf.grad(loss)({"weight": w, "bias": b}, xs)
    out = np.array([[1.5 - 4.0 + 0.25], [4.5 + 2.0 + 0.25]])  # (2, 1)
    np.testing.assert_allclose(_plain(g["weight"]), (2 * out * np.array([[1.0, 2.0], [3.0, -1.0]]))
                               .sum(0, keepdims=True))
    np.testing.assert_allclose(_plain(g["bias"]), [2 * out.sum()])
    assert lin.weight.requires_grad  # the module's own parameters are back


@pytest.mark.parametrize("name", ["grad", "jacrev", "jacfwd", "hessian"])
def test_keeps_name(name):
    def my_fn(a):
        return gnp.sum(a)

    assert getattr(gf, name)(my_fn).__name__ == "my_fn"


def test_outputs_torch_func_refuses(backend):
    # torch.func raises for these; gpuad's JAX-facing transforms take them (as JAX)
    x, t = ad.tensor(xp_(X[0])), ad.tensor(xp_(X[1]))
    for where, call in (
        ("non-empty", lambda: gf.vjp(lambda a: (), x)),
        ("non-empty", lambda: gf.jvp(lambda a: {}, (x,), (t,))),
        ("non-empty", lambda: gf.jacrev(lambda a: [])(x)),
        ("only tensors", lambda: gf.jacfwd(lambda a: 1.5)(x)),
        ("only tensors", lambda: gf.vjp(lambda a: (a, 2), x)),
        ("should be a tuple", lambda: gf.grad(lambda a: [gnp.sum(a), a], has_aux=True)(x)),
        ("should be a tuple", lambda: gf.vjp(lambda a: (a, a, a), x, has_aux=True)),
        ("at least one Tensor", lambda: gf.jvp(lambda a: a, ((),), ((),))),
    ):
        with pytest.raises(RuntimeError, match=where):
            call()
    _, vjp_fn = ad.vjp(lambda a: (), x)  # the JAX-facing one: an empty output is fine
    np.testing.assert_array_equal(to_numpy(vjp_fn(())[0]), np.zeros(3))


@pytest.mark.parametrize("ns", [ad, gf], ids=["gpuad", "gpuad.func"])
def test_identity_results_do_not_alias_arguments(backend, ns):
    # jvp's tangent and vjp_fn's cotangent of the identity were the argument's own array: a
    # write into the result changed the argument past its version counter, and a step that
    # had saved it differentiated the written value (d/dt sum(t * t) at t = 1 gave 4, not 2)
    x = ad.tensor(xp_(np.zeros(3)))
    t = ad.tensor(xp_(np.ones(3)), requires_grad=True)
    loss = gnp.sum(t * t)
    _, tan = ns.jvp(lambda a: a, (x,), (t.detach(),))
    tan += 1
    _, vjp_fn = ns.vjp(lambda a: a, x)
    (g,) = vjp_fn(t.detach())
    g += 5
    _, jvp_fn = ns.linearize(lambda a: a, x)
    r = jvp_fn(t.detach())
    r += 1
    loss.backward()
    np.testing.assert_array_equal(to_numpy(t.grad), [2.0] * 3)
    np.testing.assert_array_equal(to_numpy(t.detach()), [1.0] * 3)
    np.testing.assert_array_equal(to_numpy(tan), [2.0] * 3)
    np.testing.assert_array_equal(to_numpy(g), [6.0] * 3)
