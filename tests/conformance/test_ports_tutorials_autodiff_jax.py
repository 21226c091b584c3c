"""JAX's autodiff documents, run side by side in JAX (x64) and in gpuad on the same inputs: "The
Autodiff Cookbook" (``grad`` of ``tanh`` to third order, ``argnums`` as an int, a tuple and by
position, dicts of parameters, ``value_and_grad``, finite-difference checks and
``check_grads``, Jacobians and Hessians, ``jvp``/``vjp`` of the logistic model, ``vgrad``,
matrix-Jacobian and Jacobian-matrix products by a loop and by ``vmap``, ``jit`` of the linear
part of a function with Python control flow, the Hessian-vector product in all four
compositions, the complex-numbers section: JVPs and VJPs of a non-holomorphic ``C -> C``
function against its 2x2 real Jacobian, the ``C -> R`` gradient, ``holomorphic=True`` on
``sin``, on the non-holomorphic ``conj`` and through a complex Cholesky, the errors without
it, a real function with an FFT inside), "Advanced automatic differentiation" (the Hessian
as ``jacfwd(grad)``, a higher-order (MAML-style) meta-gradient, TD(0) with and without
``stop_gradient``, the straight-through estimator at a scalar, per-example gradients one
transformation at a time)
and the basic ``custom_jvp``/``custom_vjp`` examples of its "Custom derivative rules" section
not ported in tests/test_ports_jax_programs.py or tests/conformance/test_jax_custom_derivatives.py
(one- and two-argument rules, ``defjvps`` with ``None``, rules under ``vmap``/``jit``, the
identity ``debug`` rule, ``jvp`` of a ``custom_vjp`` function refused, namedtuple and dict
containers through both kinds of rule, function arguments as ``nondiff_argnums``), and the
Cookbook's compositions batched and compiled (``vmap`` of ``jacrev``/``jacfwd``/``hessian``,
``jit`` of ``hessian`` and of the forward-over-reverse hvp, ``vmap`` of the hvp, the Hessian of
a pytree).

Each program is written once against a namespace ``J`` (JAX's names, or gpuad's under the names
of docs/porting.md). Values and gradients must agree with JAX to 1e-10 relative; one result of
each program is also checked against float64 central differences. Edits from the originals: the
``jax.random`` draws are NumPy draws made up front (the two libraries draw different numbers for
a key), the ``%timeit`` cells are left out, sizes are smaller, and ``loop_mjp`` stacks
``vjp_fun(mi)[0]`` (current JAX's ``vstack`` refuses the tuple ``vjp_fun`` returns). Where
gpuad's convention differs from JAX's (docs/porting.md), the comparison says so: the gradient
of a real function of complex inputs, and the VJP of a complex function, are JAX's conjugated
(with the cotangent conjugated); the Cholesky gradient lives on the lower triangle (JAX's is
symmetrised).
"""

from __future__ import annotations

import collections
import functools
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.testing

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
import jax.test_util  # noqa: E402

R = np.random.default_rng(62)


def jax_J():
    return types.SimpleNamespace(
        lib="jax", np=jnp, grad=jax.grad, value_and_grad=jax.value_and_grad, jit=jax.jit,
        vmap=jax.vmap, jvp=jax.jvp, vjp=jax.vjp, jacfwd=jax.jacfwd, jacrev=jax.jacrev,
        hessian=jax.hessian, stop_gradient=jax.lax.stop_gradient, custom_jvp=jax.custom_jvp,
        custom_vjp=jax.custom_vjp, check_grads=jax.test_util.check_grads,
    )


def gpuad_J():
    return types.SimpleNamespace(
        lib="gpuad", np=gnp, grad=ad.grad, value_and_grad=ad.value_and_grad, jit=ad.jit,
        vmap=ad.vmap, jvp=ad.jvp, vjp=ad.vjp, jacfwd=ad.jacfwd, jacrev=ad.jacrev,
        hessian=ad.hessian, stop_gradient=ad.stop_gradient, custom_jvp=ad.custom_jvp,
        custom_vjp=ad.custom_vjp, check_grads=gpuad.testing.check_grads,
    )


def _np(x):
    if isinstance(x, ad.Tensor):
        raise AssertionError(f"a transform returned a Tensor: {x!r}")
    if type(x).__module__.startswith(("jax", "jaxlib")):
        return np.asarray(x)
    return np.asarray(to_numpy(x))


def _leaves(tree):
    return jax.tree_util.tree_leaves(tree, is_leaf=lambda x: isinstance(x, ad.Tensor))


def _same(g, j, rtol=1e-10, atol=1e-12):
    gl, jl = _leaves(g), _leaves(j)
    assert len(gl) == len(jl), (len(gl), len(jl))
    for i, (a, b) in enumerate(zip(gl, jl, strict=True)):
        a, b = _np(a), _np(b)
        assert a.shape == b.shape, (i, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=str(i))


def _fd(f, x, eps=1e-6):
    """Central differences of a real function of a float64 array, entry by entry."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def _both(program, *data):
    """The program's results in gpuad and in JAX, on the same host data."""
    return program(gpuad_J(), *data), program(jax_J(), *data)


# ---- The Autodiff Cookbook: gradients, Jacobians, Hessians, JVPs and VJPs --------------------

INPUTS = np.array([[0.52, 1.12, 0.77],
                   [0.88, -1.08, 0.15],
                   [0.52, 0.06, -1.30],
                   [0.74, -2.49, 1.39]])
TARGETS = np.array([True, True, False, True])


def _cookbook_data():
    r = np.random.default_rng(63)
    return dict(W=r.standard_normal(3), b=r.standard_normal(()), unit=r.standard_normal(3),
                v=r.standard_normal(3), u=r.standard_normal(4), U=r.standard_normal((3, 4)),
                S=r.standard_normal((3, 3)), X=r.standard_normal((3, 4)),
                V=r.standard_normal((3, 4)))


def cookbook(J, d):
    jnp_, grad, jvp, vjp, vmap = J.np, J.grad, J.jvp, J.vjp, J.vmap
    out = {}
    grad_tanh = grad(jnp_.tanh)
    out["tanh"] = (grad_tanh(2.0), grad(grad(jnp_.tanh))(2.0), grad(grad(grad(jnp_.tanh)))(2.0))

    def sigmoid(x):
        return 0.5 * (jnp_.tanh(x / 2) + 1)

    def predict(W, b, inputs):
        return sigmoid(jnp_.dot(inputs, W) + b)

    inputs, targets = jnp_.array(INPUTS), jnp_.array(TARGETS)

    def loss(W, b):
        preds = predict(W, b, inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp_.sum(jnp_.log(label_probs))

    W, b = jnp_.array(d["W"]), jnp_.array(d["b"])
    out["argnums"] = (grad(loss, argnums=0)(W, b), grad(loss)(W, b), grad(loss, 1)(W, b),
                      grad(loss, (0, 1))(W, b))

    def loss2(params_dict):
        preds = predict(params_dict["W"], params_dict["b"], inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp_.sum(jnp_.log(label_probs))

    out["dict"] = grad(loss2)({"W": W, "b": b})
    loss_value, Wb_grad = J.value_and_grad(loss, (0, 1))(W, b)
    out["value_and_grad"] = (loss_value, loss(W, b), Wb_grad)
    # checking against numerical differences
    eps = 1e-4
    b_grad_numerical = (loss(W, b + eps / 2.0) - loss(W, b - eps / 2.0)) / eps
    vec = jnp_.array(d["unit"])
    unitvec = vec / jnp_.sqrt(jnp_.vdot(vec, vec))
    W_grad_numerical = (loss(W + eps / 2.0 * unitvec, b) - loss(W - eps / 2.0 * unitvec, b)) / eps
    out["numerical"] = (b_grad_numerical, W_grad_numerical, jnp_.vdot(grad(loss)(W, b), unitvec))
    J.check_grads(loss, (W, b), order=2)

    # Jacobians and Hessians
    f = lambda W: predict(W, b, inputs)  # noqa: E731
    out["jac"] = (J.jacfwd(f)(W), J.jacrev(f)(W))

    def predict_dict(params, inputs):
        return predict(params["W"], params["b"], inputs)

    out["jac_dict"] = J.jacrev(predict_dict)({"W": W, "b": b}, inputs)

    def hessian(f):
        return J.jacfwd(J.jacrev(f))

    out["hessian"] = (hessian(f)(W), J.hessian(f)(W), J.jacrev(J.jacfwd(f))(W))

    # JVPs and VJPs
    y, u = jvp(f, (W,), (jnp_.array(d["v"]),))
    y2, vjp_fun = vjp(f, W)
    out["jvp_vjp"] = (y, u, y2, vjp_fun(jnp_.array(d["u"])))

    def vgrad(f, x):
        y, vjp_fn = vjp(f, x)
        return vjp_fn(jnp_.ones(y.shape))[0]

    out["vgrad"] = vgrad(lambda x: 3 * x ** 2, jnp_.ones((2, 2)))

    # Hessian-vector products: reverse over reverse, forward over reverse, reverse over forward
    def f2(X):
        return jnp_.sum(jnp_.tanh(X) ** 2)

    def hvp_rr(f, x, v):
        return grad(lambda x: jnp_.vdot(grad(f)(x), v))(x)

    def hvp(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    def hvp_revfwd(f, primals, tangents):
        g = lambda primals: jvp(f, primals, tangents)[1]  # noqa: E731
        return grad(g)(primals)

    def hvp_revrev(f, primals, tangents):
        x, = primals
        v, = tangents
        return grad(lambda x: jnp_.vdot(grad(f)(x), v))(x)

    X, V = jnp_.array(d["X"]), jnp_.array(d["V"])
    out["hvp"] = (hvp_rr(f2, X, V), hvp(f2, (X,), (V,)), hvp_revfwd(f2, (X,), (V,))[0],
                  hvp_revrev(f2, (X,), (V,)), jnp_.tensordot(J.hessian(f2)(X), V, 2))

    # matrix-Jacobian and Jacobian-matrix products, by a loop and by vmap
    def loop_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        return jnp_.vstack([vjp_fun(mi)[0] for mi in M])  # [0]: the tuple vjp_fun returns

    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        outs, = vmap(vjp_fun)(M)
        return outs

    def loop_jmp(f, W, M):
        return jnp_.vstack([jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: jvp(f, (W,), (s,))[1]  # noqa: E731
        return vmap(_jvp)(M)

    U, S = jnp_.array(d["U"]), jnp_.array(d["S"])
    out["mjp_jmp"] = (loop_mjp(f, W, M=U), vmap_mjp(f, W, M=U), loop_jmp(f, W, M=S),
                      vmap_jmp(f, W, M=S))

    # jit of the linear part of a function written with Python control flow
    def f3(x):
        try:
            if x < 3:
                return 2 * x ** 3
            else:
                raise ValueError
        except ValueError:
            return jnp_.pi * x

    y, f_vjp = vjp(f3, 4.0)
    y2, f_vjp2 = vjp(f3, 2.0)
    out["jit_vjp"] = (y, J.jit(f_vjp)(1.0), y2, J.jit(f_vjp2)(1.0))
    return out


def test_autodiff_cookbook():
    d = _cookbook_data()
    got, want = _both(cookbook, d)
    assert set(got) == set(want)
    for k in got:  # finite differences with eps = 1e-4 amplify rounding: 1e-6 there
        _same(got[k], want[k], rtol=1e-6 if k == "numerical" else 1e-10)
    g = {k: [_np(x) for x in _leaves(v)] for k, v in got.items()}
    np.testing.assert_allclose(g["tanh"], [1 - np.tanh(2.0) ** 2] + g["tanh"][1:], rtol=1e-14)
    _same(g["jac"][0], g["jac"][1])
    _same(g["hessian"][0], g["hessian"][1])
    for x in g["hvp"][1:]:
        _same(x, g["hvp"][0])
    _same(g["mjp_jmp"][0], g["mjp_jmp"][1])
    _same(g["mjp_jmp"][2], g["mjp_jmp"][3])
    np.testing.assert_allclose(g["jit_vjp"], [4 * np.pi, np.pi, 16.0, 24.0], rtol=1e-15)
    np.testing.assert_allclose(g["numerical"][1], g["numerical"][2], rtol=1e-6)

    def loss(W):
        p = 0.5 * (np.tanh((INPUTS @ W + d["b"]) / 2) + 1)
        return -np.sum(np.log(p * TARGETS + (1 - p) * (1 - TARGETS)))

    _same(g["argnums"][0], _fd(loss, d["W"]), rtol=1e-7, atol=1e-8)


def complex_program(J, seed):
    jnp_, grad, jvp, vjp = J.np, J.grad, J.jvp, J.vjp
    r = np.random.default_rng(seed)
    a, b, c, d = r.uniform(size=4)
    x, y = r.uniform(size=2)
    tc, td = r.uniform(size=2)

    def u(x, y):
        return a * x + b * y

    def v(x, y):
        return c * x + d * y

    def fun(z):
        x, y = jnp_.real(z), jnp_.imag(z)
        return u(x, y) + v(x, y) * 1j

    z = x + y * 1j
    _, ans = jvp(fun, (z,), (tc + td * 1j,))
    partials = (grad(u, 0)(x, y), grad(u, 1)(x, y), grad(v, 0)(x, y), grad(v, 1)(x, y))
    _, fun_vjp = vjp(fun, z)
    (vjp_ans,) = fun_vjp(jnp_.array(tc + td * 1j))
    return ans, vjp_ans, partials, (tc, td)


def test_cookbook_complex_jvp_and_vjp_of_a_nonholomorphic_function():
    for seed in range(3):
        (jv, vj, (ux, uy, vx, vy), (c, d)), want = _both(complex_program, seed)
        # the JVP is unambiguous: the 2x2 real Jacobian applied to (c, d), read as complex
        _same(jv, want[0])
        _same(jv, ux * c + uy * d + 1j * (vx * c + vy * d))
        # JAX's VJP of the cotangent c + di is (c, -d) J (1, -i); gpuad's is the real adjoint
        # J^T (c, d) read as complex, JAX's conjugated at the conjugate cotangent
        _same(want[1], ux * c + vx * (-d) + uy * c * (-1j) + vy * (-d) * (-1j))
        _same(vj, ux * c + vx * d + 1j * (uy * c + vy * d))
        _same(vj, np.conj(_np(jax_vjp_conj(seed, c, d))))


def jax_vjp_conj(seed, c, d):
    """JAX's VJP of the same function at the conjugate cotangent c - di."""
    r = np.random.default_rng(seed)
    a, b, cc, dd = r.uniform(size=4)
    x, y = r.uniform(size=2)

    def fun(z):
        x, y = jnp.real(z), jnp.imag(z)
        return (a * x + b * y) + (cc * x + dd * y) * 1j

    return jax.vjp(fun, x + y * 1j)[1](jnp.array(c - d * 1j))[0]


CHOL_A = np.array([[5.0, 2.0 + 3j, 5j],
                   [2.0 - 3j, 7.0, 1.0 + 7j],
                   [-5j, 1.0 - 7j, 12.0]])


def complex_grads(J):
    jnp_, grad = J.np, J.grad
    out = {}

    def f(z):
        x, y = jnp_.real(z), jnp_.imag(z)
        return x ** 2 + y ** 2

    z = 3.0 + 4j
    out["c_to_r"] = grad(f)(z)
    out["holo_sin"] = grad(jnp_.sin, holomorphic=True)(z)
    out["holo_conj"] = grad(jnp_.conjugate, holomorphic=True)(z)  # not holomorphic!
    zs = jnp_.array([3.0 + 4j, 1j, -0.5 + 0.25j])
    out["jac_holo"] = (J.jacfwd(jnp_.sin, holomorphic=True)(zs),
                       J.jacrev(jnp_.sin, holomorphic=True)(zs),
                       J.hessian(lambda v: jnp_.sum(jnp_.exp(v) * v), holomorphic=True)(zs))

    def fc(X):
        L = jnp_.linalg.cholesky(X)
        return jnp_.sum((L - jnp_.sin(L)) ** 2)

    out["cholesky"] = grad(fc, holomorphic=True)(jnp_.array(CHOL_A))
    # an R -> R function with complex (non-holomorphic) steps inside: an ordinary gradient
    xr = jnp_.array([0.5, -1.0, 2.0, 0.25])
    out["real_through_fft"] = grad(
        lambda x: jnp_.sum(jnp_.abs(jnp_.fft.fft(x * jnp_.exp(1j * x))) ** 2))(xr)
    for bad in (lambda: grad(jnp_.sin)(z),  # a complex output needs holomorphic=True
                lambda: grad(jnp_.sin, holomorphic=True)(3.0),  # a real input
                lambda: grad(f, holomorphic=True)(z),  # a real output
                lambda: J.jacrev(jnp_.sin)(zs), lambda: J.jacfwd(jnp_.sin)(zs)):
        with pytest.raises(TypeError, match="holomorphic"):
            bad()
    return out


def test_cookbook_complex_gradients():
    got, want = _both(complex_grads)
    z = 3.0 + 4j
    # gpuad's gradient of a real loss is dL/dx + i dL/dy, JAX's its conjugate
    _same(got["c_to_r"], 2 * z)
    _same(got["c_to_r"], np.conj(_np(want["c_to_r"])))
    _same(got["holo_sin"], want["holo_sin"])
    _same(got["holo_sin"], np.cos(z))
    _same(got["holo_conj"], want["holo_conj"])  # the real part of the output's derivative: 1
    _same(got["jac_holo"], want["jac_holo"])
    # Parseval: sum |fft(x e^{ix})|^2 = 4 sum x^2, whose gradient is 8 x
    _same(got["real_through_fft"], want["real_through_fft"])
    _same(got["real_through_fft"], 8 * np.array([0.5, -1.0, 2.0, 0.25]))
    # the Cholesky factor reads the lower triangle: gpuad's gradient lives there, JAX's is
    # symmetrised; folded onto the lower triangle they agree
    G, Jg = _np(got["cholesky"]), _np(want["cholesky"])
    folded = np.tril(Jg) + np.tril(np.conj(Jg.T), -1)
    _same(G, folded)
    assert np.all(np.triu(G, 1) == 0)
    # against central differences along a Hermitian direction (the function's domain): for a
    # function that is not holomorphic, holomorphic=True's G is the derivative of the real
    # part of the output, d Re f = Re sum(G * dA)
    r = np.random.default_rng(64)
    E = r.standard_normal((3, 3)) + 1j * r.standard_normal((3, 3))
    E = E + E.conj().T

    def fc(X):
        L = np.linalg.cholesky(X)
        return np.sum((L - np.sin(L)) ** 2)

    h = 1e-6
    fd = (fc(CHOL_A + h * E) - fc(CHOL_A - h * E)) / (2 * h)
    np.testing.assert_allclose(np.real(np.sum(G * E)), np.real(fd), rtol=1e-7)


# ---- Advanced automatic differentiation ----------------------------------------------------


def advanced(J, d):
    jnp_, grad = J.np, J.grad
    out = {}

    def hessian(f):
        return J.jacfwd(J.grad(f))

    def f(x):
        return jnp_.dot(x, x)

    out["hessian_dot"] = hessian(f)(jnp_.array([1.0, 2.0, 3.0]))

    # higher-order optimisation: the gradient of the loss after one SGD step
    lr = 0.1
    data = (jnp_.array(d["xs"]), jnp_.array(d["ys"]))

    def loss_fn(params, data):
        xs, ys = data
        return jnp_.mean((jnp_.tanh(xs @ params) - ys) ** 2)

    def meta_loss_fn(params, data):
        grads = J.grad(loss_fn)(params, data)
        return loss_fn(params - lr * grads, data)

    params = jnp_.array(d["params"])
    out["meta"] = (meta_loss_fn(params, data), J.grad(meta_loss_fn)(params, data))

    # TD(0): the naive pseudo-loss, with stop_gradient, and the update written out
    value_fn = lambda theta, state: jnp_.dot(theta, state)  # noqa: E731
    theta = jnp_.array([0.1, -0.1, 0.0])
    s_tm1, r_t, s_t = jnp_.array([1.0, 2.0, -1.0]), jnp_.array(1.0), jnp_.array([2.0, 1.0, 0.0])

    def td_loss_naive(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((target - v_tm1) ** 2)

    def td_loss(theta, s_tm1, r_t, s_t):
        v_tm1 = value_fn(theta, s_tm1)
        target = r_t + value_fn(theta, s_t)
        return -0.5 * ((J.stop_gradient(target) - v_tm1) ** 2)

    s_grad = grad(value_fn)(theta, s_tm1)
    out["td"] = (grad(td_loss_naive)(theta, s_tm1, r_t, s_t), grad(td_loss)(theta, s_tm1, r_t, s_t),
                 (r_t + value_fn(theta, s_t) - value_fn(theta, s_tm1)) * s_grad)

    # the straight-through estimator, at a scalar
    def fr(x):
        return jnp_.round(x)

    def straight_through_f(x):
        zero = x - J.stop_gradient(x)
        return zero + J.stop_gradient(fr(x))

    out["straight_through"] = (fr(3.2), straight_through_f(3.2), grad(fr)(3.2),
                               grad(straight_through_f)(3.2))

    # per-example gradients, one transformation at a time
    batched_s_tm1 = jnp_.stack([s_tm1, 2 * s_tm1, -s_tm1])
    batched_r_t = jnp_.stack([r_t, 0.5 * r_t, r_t])
    batched_s_t = jnp_.stack([s_t, s_t, 3 * s_t])
    dtdloss_dtheta = J.grad(td_loss)
    almost_perex_grads = J.vmap(dtdloss_dtheta)
    batched_theta = jnp_.stack([theta, theta, theta])
    inefficient_perex_grads = J.vmap(dtdloss_dtheta, in_axes=(None, 0, 0, 0))
    perex_grads = J.jit(inefficient_perex_grads)
    out["perex"] = (almost_perex_grads(batched_theta, batched_s_tm1, batched_r_t, batched_s_t),
                    inefficient_perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t),
                    perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t),
                    J.jit(J.vmap(J.grad(td_loss), in_axes=(None, 0, 0, 0)))(
                        theta, batched_s_tm1, batched_r_t, batched_s_t))
    return out


def test_advanced_autodiff():
    r = np.random.default_rng(65)
    d = dict(xs=r.standard_normal((6, 3)), ys=r.standard_normal(6),
             params=r.standard_normal(3))
    got, want = _both(advanced, d)
    assert set(got) == set(want)
    for k in got:
        _same(got[k], want[k])
    _same(got["hessian_dot"], 2 * np.eye(3))
    _same(got["td"][1], np.array([1.2, 2.4, -1.2]))
    _same(got["td"][2], np.array([1.2, 2.4, -1.2]))
    _same(got["straight_through"], (3.0, 3.0, 0.0, 1.0))
    for x in got["perex"][1:]:
        _same(x, got["perex"][0])

    def meta(p):
        def loss(p):
            return np.mean((np.tanh(d["xs"] @ p) - d["ys"]) ** 2)

        t = np.tanh(d["xs"] @ p)
        g = d["xs"].T @ (2 * (t - d["ys"]) * (1 - t ** 2)) / len(t)
        return loss(p - 0.1 * g)

    _same(got["meta"][1], _fd(meta, d["params"]), rtol=1e-7, atol=1e-9)


# ---- Custom derivative rules: the basic custom_jvp / custom_vjp examples ---------------------


def custom_basics(J):
    jnp_, grad, jvp = J.np, J.grad, J.jvp
    out = {}

    @J.custom_jvp
    def f(x):
        return jnp_.sin(x)

    def f_jvp(primals, tangents):
        x, = primals
        t, = tangents
        return f(x), jnp_.cos(x) * t

    f.defjvp(f_jvp)
    out["jvp1"] = (f(3.0), jvp(f, (3.0,), (1.0,)), grad(f)(3.0), grad(grad(f))(3.0),
                   J.vmap(f)(jnp_.arange(3.0)), J.jit(f)(3.0))

    @J.custom_jvp
    def f2(x, y):
        return x ** 2 * y

    @f2.defjvp
    def f2_jvp(primals, tangents):
        x, y = primals
        x_dot, y_dot = tangents
        primal_out = f2(x, y)
        tangent_out = 2 * x * y * x_dot + x ** 2 * y_dot
        return primal_out, tangent_out

    out["jvp2"] = grad(f2)(2.0, 3.0)

    @J.custom_jvp
    def f3(x):
        return jnp_.sin(x)

    f3.defjvps(lambda t, ans, x: jnp_.cos(x) * t)

    @J.custom_jvp
    def f4(x, y):
        return x ** 2 * y

    f4.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
               lambda y_dot, primal_out, x, y: x ** 2 * y_dot)

    @J.custom_jvp
    def f5(x, y):
        return x ** 2 * y

    f5.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot, None)
    out["defjvps"] = (grad(f3)(3.0), grad(f4)(2.0, 3.0), grad(f4, 0)(2.0, 3.0),
                      grad(f4, 1)(2.0, 3.0), grad(f5)(2.0, 3.0), grad(f5, 0)(2.0, 3.0),
                      grad(f5, 1)(2.0, 3.0))

    @J.custom_vjp
    def g(x):
        return jnp_.sin(x)

    def g_fwd(x):
        return g(x), jnp_.cos(x)

    def g_bwd(cos_x, y_bar):
        return (cos_x * y_bar,)

    g.defvjp(g_fwd, g_bwd)
    y, g_vjp = J.vjp(g, 3.0)
    out["vjp1"] = (g(3.0), grad(g)(3.0), y, g_vjp(1.0))
    with pytest.raises((TypeError, RuntimeError), match="custom_vjp|forward"):
        jvp(g, (3.0,), (1.0,))

    @J.custom_vjp
    def g2(x, y):
        return jnp_.sin(x) * y

    def g2_fwd(x, y):
        return g2(x, y), (jnp_.cos(x), jnp_.sin(x), y)

    def g2_bwd(res, gbar):
        cos_x, sin_x, y = res
        return (cos_x * gbar * y, sin_x * gbar)

    g2.defvjp(g2_fwd, g2_bwd)
    out["vjp2"] = (grad(g2)(2.0, 3.0), grad(g2, (0, 1))(2.0, 3.0))

    # the debug identity (its backward would stop in pdb): here it records the cotangent
    seen = []

    @J.custom_vjp
    def debug(x):
        return x

    def debug_fwd(x):
        return x, x

    def debug_bwd(x, gbar):
        seen.append((x, gbar))
        return (gbar,)

    debug.defvjp(debug_fwd, debug_bwd)

    def foo(x):
        y = x ** 2
        y = debug(y)
        return jnp_.sin(y)

    out["debug"] = (grad(foo)(3.0), seen[0])

    # containers: a namedtuple in, a dict of a tuple out, with custom_jvp and with custom_vjp
    @J.custom_jvp
    def fp(pt):
        x, y = pt.x, pt.y
        return {"a": x ** 2, "b": (jnp_.sin(x), jnp_.cos(y))}

    @fp.defjvp
    def fp_jvp(primals, tangents):
        pt, = primals
        pt_dot, = tangents
        ans = fp(pt)
        ans_dot = {"a": 2 * pt.x * pt_dot.x,
                   "b": (jnp_.cos(pt.x) * pt_dot.x, -jnp_.sin(pt.y) * pt_dot.y)}
        return ans, ans_dot

    @J.custom_vjp
    def fv(pt):
        x, y = pt.x, pt.y
        return {"a": x ** 2, "b": (jnp_.sin(x), jnp_.cos(y))}

    def fv_fwd(pt):
        return fv(pt), pt

    def fv_bwd(pt, g):
        a_bar, (b0_bar, b1_bar) = g["a"], g["b"]
        x_bar = 2 * pt.x * a_bar + jnp_.cos(pt.x) * b0_bar
        y_bar = -jnp_.sin(pt.y) * b1_bar
        return (Point(x_bar, y_bar),)

    fv.defvjp(fv_fwd, fv_bwd)
    pt = Point(1.0, 2.0)
    for name, fn in (("pt_jvp", fp), ("pt_vjp", fv)):
        def fun(pt, fn=fn):
            dct = fn(pt)
            return dct["a"] + dct["b"][0] + dct["b"][1]  # the original drops b[1]: kept here

        g = grad(fun)(pt)
        assert type(g) is Point
        out[name] = (fn(pt), g)

    # non-differentiable arguments: functions passed first to the rules
    @functools.partial(J.custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
        return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
        x, = primals
        x_dot, = tangents
        return f(x), 2.0 * x_dot

    @functools.partial(J.custom_jvp, nondiff_argnums=(0, 2))
    def app2(f, x, g):
        return f(g(x))

    @app2.defjvp
    def app2_jvp(f, g, primals, tangents):
        x, = primals
        x_dot, = tangents
        return f(g(x)), 3.0 * x_dot

    @functools.partial(J.custom_vjp, nondiff_argnums=(0,))
    def app3(f, x):
        return f(x)

    def app3_fwd(f, x):
        return f(x), x

    def app3_bwd(f, x, g):
        return (5 * g,)

    app3.defvjp(app3_fwd, app3_bwd)
    out["nondiff"] = (app(lambda x: x ** 3, 3.0), grad(app, 1)(lambda x: x ** 3, 3.0),
                      app2(lambda x: x ** 3, 3.0, lambda y: 5 * y),
                      grad(app2, 1)(lambda x: x ** 3, 3.0, lambda y: 5 * y),
                      app3(lambda x: x ** 2, 4.0), grad(app3, 1)(lambda x: x ** 2, 4.0))
    return out


Point = collections.namedtuple("Point", ["x", "y"])


def test_custom_derivative_rule_basics():
    got, want = _both(custom_basics)
    assert set(got) == set(want)
    for k in got:
        _same(got[k], want[k])
    _same(got["jvp1"][2:4], (np.cos(3.0), -np.sin(3.0)))
    _same(got["defjvps"], (np.cos(3.0), 12.0, 12.0, 4.0, 12.0, 12.0, 0.0))
    _same(got["debug"], (np.cos(9.0) * 6.0, (9.0, np.cos(9.0))))
    _same(got["pt_jvp"][1], (2 + np.cos(1.0), -np.sin(2.0)))
    _same(got["pt_vjp"][1], (2 + np.cos(1.0), -np.sin(2.0)))
    _same(got["nondiff"], (27.0, 2.0, 3375.0, 3.0, 16.0, 5.0))
    _same(got["vjp2"][1], (_fd(lambda x: np.sin(x[0]) * 3.0, np.array([2.0]))[0],
                           np.sin(2.0)), rtol=1e-8)


# ---- vmap of Jacobians and Hessians, and the compositions under jit --------------------------


def batched_jacobians(J, W0, xs0, X0, V0):
    jnp_ = J.np

    def predict(W, x):
        return jnp_.tanh(jnp_.dot(x, W))

    def f(X):
        return jnp_.sum(jnp_.tanh(X) ** 2)

    W, xs, X, V = (jnp_.array(a) for a in (W0, xs0, X0, V0))
    return {
        "vmap_jacrev": J.vmap(J.jacrev(predict), in_axes=(None, 0))(W, xs),
        "vmap_jacfwd": J.vmap(J.jacfwd(predict), in_axes=(None, 0))(W, xs),
        "jit_vmap_jacrev": J.jit(J.vmap(J.jacrev(predict), in_axes=(None, 0)))(W, xs),
        "vmap_hessian": J.vmap(J.hessian(lambda W, x: jnp_.sum(predict(W, x) ** 3)),
                               in_axes=(None, 0))(W, xs),
        "jit_hessian": J.jit(J.hessian(f))(X),
        "jit_hvp": J.jit(lambda X, V: J.jvp(J.grad(f), (X,), (V,))[1])(X, V),
        "vmap_hvp": J.vmap(lambda v: J.jvp(J.grad(f), (X,), (v,))[1])(jnp_.stack([V, 2 * V])),
        "hessian_pytree": J.hessian(lambda p: jnp_.sum(jnp_.tanh(xs @ p["w"] + p["b"]) ** 2))(
            {"w": W, "b": jnp_.array(0.3)}),
    }


def test_vmap_of_jacobians_and_compiled_compositions():
    r = np.random.default_rng(66)
    W, xs, X, V = (r.standard_normal(3), r.standard_normal((5, 3)), r.standard_normal((3, 4)),
                   r.standard_normal((3, 4)))
    got, want = _both(batched_jacobians, W, xs, X, V)
    assert set(got) == set(want)
    for k in got:
        _same(got[k], want[k])
    _same(got["vmap_jacrev"], got["vmap_jacfwd"])
    _same(got["jit_vmap_jacrev"], got["vmap_jacrev"])
    # the per-example Jacobian of tanh(x . W) in W is (1 - tanh^2) x
    t = np.tanh(xs @ W)
    _same(got["vmap_jacrev"], (1 - t ** 2)[:, None] * xs)
    _same(got["jit_hvp"], _np(got["vmap_hvp"])[0])
    # one Hessian-vector product against central differences of the gradient
    def grad_f(Xf):
        return 2 * np.tanh(Xf) * (1 - np.tanh(Xf) ** 2)

    h = 1e-6
    fd = (grad_f(X + h * V) - grad_f(X - h * V)) / (2 * h)
    _same(got["jit_hvp"], fd, rtol=1e-7, atol=1e-8)
