"""Functional transforms: grad, vjp, jvp, jac*, hessian, custom rules, pytrees, nesting."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def f_seed(x1, x2):
    return x1 * x2 + gnp.sin(x1)


def test_grad_of_seed_example(backend):
    g1, g2 = ad.grad(f_seed, argnums=(0, 1))(2.0, 3.0)
    assert float(to_numpy(g1)) == pytest.approx(3.0 + np.cos(2.0))
    assert float(to_numpy(g2)) == pytest.approx(2.0)
    val, g = ad.value_and_grad(f_seed)(2.0, 3.0)
    assert float(to_numpy(val)) == pytest.approx(6.0 + np.sin(2.0))
    assert not isinstance(g, ad.Tensor)


def test_grad_returns_backend_arrays(backend):
    g = ad.grad(lambda x: gnp.sum(x ** 2))(np.ones(3))
    assert isinstance(g, ad.get_backend().array_type)


def test_grad_requires_scalar_output(backend):
    with pytest.raises(TypeError, match="scalar"):
        ad.grad(lambda x: x * 2)(np.ones(3))


def test_has_aux_and_pytrees(backend):
    def loss(params, x):
        y = x @ params["w"] + params["b"][0]
        return gnp.sum(y * y), {"pred": y}

    params = {"w": np.ones((2, 1)), "b": [np.zeros(1)]}
    x = np.array([[1.0, 2.0]])
    (val, aux), g = ad.value_and_grad(loss, has_aux=True)(params, x)
    assert float(to_numpy(val)) == pytest.approx(9.0)
    np.testing.assert_allclose(to_numpy(aux["pred"]), [[3.0]])
    np.testing.assert_allclose(to_numpy(g["w"]), [[6.0], [12.0]])
    np.testing.assert_allclose(to_numpy(g["b"][0]), [6.0])


def test_vjp_pytree_output(backend):
    x = np.array([0.1, 0.2])
    out, back = ad.vjp(lambda a: (gnp.sin(a), gnp.sum(a * a)), x)
    (gx,) = back((np.ones(2), 2.0))
    np.testing.assert_allclose(to_numpy(gx), np.cos(x) + 4 * x)
    (gx2,) = back((np.zeros(2), 1.0))  # callable repeatedly
    np.testing.assert_allclose(to_numpy(gx2), 2 * x)


def test_vjp_cotangent_shape_checked(backend):
    _, back = ad.vjp(gnp.sin, np.ones(3))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        back(np.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        back(np.ones(3, dtype=int))


def test_jvp(backend):
    x = np.array([0.3, 0.9])
    y, t = ad.jvp(lambda a: gnp.exp(a) * a, (x,), (np.array([1.0, -2.0]),))
    np.testing.assert_allclose(to_numpy(y), np.exp(x) * x)
    np.testing.assert_allclose(to_numpy(t), np.exp(x) * (1 + x) * [1.0, -2.0])


@pytest.mark.parametrize("n, m", [(5, 2), (2, 5)])
def test_jacrev_equals_jacfwd(backend, n, m):
    rng = np.random.default_rng(n)
    a = gnp.asarray(rng.standard_normal((m, n)))

    def f(x):
        return gnp.tanh(a @ x) * gnp.sum(x)

    x = rng.standard_normal(n)
    jr = to_numpy(ad.jacrev(f)(x))
    jf = to_numpy(ad.jacfwd(f)(x))
    assert jr.shape == (m, n)
    np.testing.assert_allclose(jr, jf, rtol=1e-10, atol=1e-12)
    assert ad.jacobian is ad.jacrev


def test_hessian_all_compositions_agree(backend):
    def f(x):
        return gnp.sum(gnp.exp(x[0] * x) * gnp.sin(x))

    x = np.array([0.3, -0.4, 0.8])
    h1 = to_numpy(ad.hessian(f)(x))
    h2 = to_numpy(ad.jacrev(ad.jacrev(f))(x))
    h3 = to_numpy(ad.jacfwd(ad.jacfwd(f))(x))
    h4 = to_numpy(ad.jacrev(ad.jacfwd(f))(x))
    for h in (h2, h3, h4):
        np.testing.assert_allclose(h, h1, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h1, h1.T, rtol=1e-10, atol=1e-12)
    eps = 1e-6
    g = ad.grad(f)
    col0 = (to_numpy(g(x + [eps, 0, 0])) - to_numpy(g(x - [eps, 0, 0]))) / (2 * eps)
    np.testing.assert_allclose(h1[:, 0], col0, rtol=1e-6, atol=1e-8)


def test_no_perturbation_confusion(backend):
    # d/dx [x * d/dy (x + y)] = 1, not 2
    r = ad.grad(lambda x: x * ad.grad(lambda y: x + y)(1.0))(3.0)
    assert float(to_numpy(r)) == pytest.approx(1.0)
    # d/dx [x * d/dy (x * y)] = d/dx x^2 = 2x
    r = ad.grad(lambda x: x * ad.grad(lambda y: x * y)(1.0))(3.0)
    assert float(to_numpy(r)) == pytest.approx(6.0)
    # the same with forward mode outside
    _, t = ad.jvp(lambda x: x * ad.grad(lambda y: x + y)(1.0), (3.0,), (1.0,))
    assert float(to_numpy(t)) == pytest.approx(1.0)
    # and forward inside forward
    _, t = ad.jvp(lambda x: x * ad.jvp(lambda y: x * y, (1.0,), (1.0,))[1], (3.0,), (1.0,))
    assert float(to_numpy(t)) == pytest.approx(6.0)


def test_higher_orders(backend):
    f = lambda x: gnp.sin(x) * x  # noqa: E731
    d3 = ad.grad(ad.grad(ad.grad(f)))(0.5)
    assert float(to_numpy(d3)) == pytest.approx(-3 * np.sin(0.5) - 0.5 * np.cos(0.5))
    check_grads(lambda x: gnp.sum(gnp.tanh(x) ** 2), (np.array([0.2, -0.7]),), order=3)


def test_custom_vjp(backend):
    @ad.custom_vjp
    def softplus(x):
        return gnp.log1p(gnp.exp(x))

    def fwd(x):
        return softplus(x), (x,)

    def bwd(res, g):
        (x,) = res
        return (g / (1 + gnp.exp(-x)),)

    softplus.defvjp(fwd, bwd)
    x = np.array([-1.0, 0.5, 2.0])
    g = ad.grad(lambda v: gnp.sum(softplus(v)))(x)
    np.testing.assert_allclose(to_numpy(g), 1 / (1 + np.exp(-x)))
    h = ad.jacrev(ad.grad(lambda v: gnp.sum(softplus(v))))(x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(to_numpy(h), np.diag(s * (1 - s)), atol=1e-12)
    with pytest.raises(ad.GradError, match="custom_jvp"):
        ad.jvp(softplus, (x,), (x,))


def test_custom_vjp_is_used(backend):
    @ad.custom_vjp
    def clip_grad(x):
        return x * 1.0

    clip_grad.defvjp(lambda x: (x * 1.0, None), lambda res, g: (gnp.clip(g, -1, 1),))
    g = ad.grad(lambda x: gnp.sum(clip_grad(x) * 5.0))(np.ones(2))
    np.testing.assert_allclose(to_numpy(g), [1.0, 1.0])


def test_custom_jvp_both_modes(backend):
    calls = []

    @ad.custom_jvp
    def f(x):
        return gnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return f(x), gnp.cos(x) * t

    x = np.array([0.2, 1.1])
    _, t = ad.jvp(f, (x,), (np.ones(2),))
    np.testing.assert_allclose(to_numpy(t), np.cos(x))
    g = ad.grad(lambda v: gnp.sum(f(v) * v))(x)
    np.testing.assert_allclose(to_numpy(g), np.cos(x) * x + np.sin(x))
    assert len(calls) >= 2
    check_grads(lambda v: gnp.sum(f(v) ** 2), (x,), order=2)


def test_gpuad_numpy_accepts_plain_and_tensor(backend):
    x = np.array([1.0, 2.0])
    check_grads(lambda a: gnp.sum(gnp.sin(a) * a), (x,), order=2)


def test_jacobians_of_pytrees(backend):
    def f(p):
        return {"y": gnp.sin(p["a"]) * p["b"][0], "s": gnp.sum(p["a"] ** 2)}

    p = {"a": np.array([0.1, 0.5, -0.3]), "b": (np.array(2.0),)}
    for jac in (ad.jacrev, ad.jacfwd):
        j = jac(f)(p)
        a = p["a"]
        np.testing.assert_allclose(to_numpy(j["y"]["a"]), np.diag(2.0 * np.cos(a)), atol=1e-12)
        np.testing.assert_allclose(to_numpy(j["y"]["b"][0]), np.sin(a))
        np.testing.assert_allclose(to_numpy(j["s"]["a"]), 2 * a)
        assert to_numpy(j["s"]["b"][0]).shape == ()
    jr = ad.jacrev(lambda x, y: x * y, argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    jf = ad.jacfwd(lambda x, y: x * y, argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    for a, b in zip(jr, jf, strict=True):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b))
    np.testing.assert_allclose(to_numpy(jr[0]), 3 * np.eye(2))


def test_jacobian_of_empty_input(backend):
    for jac in (ad.jacrev, ad.jacfwd):
        j = jac(lambda x: gnp.sum(x) + gnp.ones(2))(np.zeros((0,)))
        assert to_numpy(j).shape == (2, 0)


def test_hessian_with_argnums_and_pytrees(backend):
    f = lambda x, y: gnp.sum(x ** 2 * y) + gnp.sum(gnp.sin(y))  # noqa: E731
    x, y = np.array([1.0, 2.0]), np.array([0.5, 0.3])
    (hxx, hxy), (hyx, hyy) = ad.hessian(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(to_numpy(hxx), np.diag(2 * y))
    np.testing.assert_allclose(to_numpy(hxy), np.diag(2 * x))
    np.testing.assert_allclose(to_numpy(hyx), np.diag(2 * x))
    np.testing.assert_allclose(to_numpy(hyy), np.diag(-np.sin(y)), atol=1e-12)
    hp = ad.hessian(lambda p: gnp.sum(p["a"] ** 3) * p["b"])({"a": x, "b": np.array(2.0)})
    np.testing.assert_allclose(to_numpy(hp["a"]["a"]), np.diag(12 * x))
    np.testing.assert_allclose(to_numpy(hp["a"]["b"]), 3 * x ** 2)
