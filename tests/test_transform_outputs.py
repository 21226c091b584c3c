"""What differentiated functions may return, and what transforms hand back.

grad of anything but one real scalar is an error that names what f returned; a constant
output has an exactly zero gradient (as in JAX). Results are backend arrays that keep no tape
and no tangent level alive, unless an enclosing transform differentiates them."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([1.0, 2.0, 3.0])
U = np.array([0.5, -1.0, 2.0])


def _x():
    return ad.get_backend().asarray(X)


def _u():
    return ad.get_backend().asarray(U)


def _is_array(r):
    return isinstance(r, ad.get_backend().array_type)


# ---- grad / value_and_grad: the output ------------------------------------------------------

@pytest.mark.parametrize("f, what", [
    (lambda v: (gnp.sum(v * v), "aux"),
     r"tuple \(Tensor\(shape=\(\), dtype=float64\), str 'aux'\)"),
    (lambda v: [gnp.sum(v * v)], r"list \[Tensor\(shape=\(\), dtype=float64\)\]"),
    (lambda v: (gnp.sum(v), {"a": v}), r"tuple \(Tensor.*dict \{'a': Tensor\(shape=\(3,\)"),
])
def test_grad_of_a_container_raises_and_suggests_has_aux(backend, f, what):
    for transform in (ad.grad, ad.value_and_grad):
        with pytest.raises(TypeError, match=f"grad: f must return a real scalar .* returned "
                                            f"{what}.*has_aux=True"):
            transform(f)(_x())


@pytest.mark.parametrize("f, what", [
    (lambda v: None, "None; did f forget its return statement"),
    (lambda v: {"loss": gnp.sum(v)}, r"dict \{'loss': Tensor"),
    (lambda v: "loss", "str 'loss'"),
    (lambda v: (), r"tuple \(\)"),
])
def test_grad_of_other_non_scalars_raises(backend, f, what):
    with pytest.raises(TypeError, match=f"returned {what}"):
        ad.grad(f)(_x())


@pytest.mark.parametrize("f, msg", [
    (lambda v: gnp.argmax(v), "dtype=int64.*floating-point"),
    (lambda v: gnp.sum(v) > 0, "dtype=bool.*floating-point"),
    (lambda v: 3, "int 3.*floating-point"),
    (lambda v: gnp.sum(v * (1 + 2j)), "complex.*real-valued loss"),
    (lambda v: v * 2.0, r"scalar, got an output of shape \(3,\)"),
])
def test_grad_of_non_real_or_non_scalar_raises(backend, f, msg):
    with pytest.raises(TypeError, match=msg):
        ad.grad(f)(_x())


@pytest.mark.parametrize("const, value", [
    (lambda v: 2.5, 2.5),
    (lambda v: np.float64(2.5), 2.5),
    (lambda v: np.array(2.5), 2.5),
    (lambda v: gnp.sum(ad.tensor(np.ones(3))), 3.0),
])
def test_constant_output_has_exactly_zero_gradient(backend, const, value):
    jax = pytest.importorskip("jax")
    assert float(jax.grad(lambda v: 2.5)(1.0)) == 0.0  # the convention followed
    val, g = ad.value_and_grad(const)(_x())
    assert float(to_numpy(val)) == value
    np.testing.assert_array_equal(to_numpy(g), np.zeros(3))


def test_has_aux_needs_a_pair(backend):
    for out, what in [(lambda v: gnp.sum(v), r"Tensor\(shape=\(\)"),
                      (lambda v: (gnp.sum(v), 1, 2), "tuple of|tuple \\(")]:
        with pytest.raises(TypeError, match=f"has_aux=True\\): f must return a pair .*{what}"):
            ad.grad(out, has_aux=True)(_x())
    with pytest.raises(TypeError, match="returned tuple"):  # the loss itself is checked too
        ad.grad(lambda v: ((gnp.sum(v), 1.0), "aux"), has_aux=True)(_x())
    g, aux = ad.grad(lambda v: [gnp.sum(v * v), {"s": "text", "v": v * 2}], has_aux=True)(_x())
    np.testing.assert_allclose(to_numpy(g), 2 * X)
    assert aux["s"] == "text" and _is_array(aux["v"])


# ---- vjp / jvp / jacobians: the outputs --------------------------------------------------------

def test_vjp_and_jvp_reject_non_array_leaves(backend):
    with pytest.raises(TypeError, match=r"vjp: .* output leaf 1 is str 'tag'.*has_aux=True"):
        ad.vjp(lambda v: (v * 2, "tag"), _x())
    with pytest.raises(TypeError, match=r"jvp: .* output leaf 0 is object"):
        ad.jvp(lambda v: [object()], (_x(),), (_u(),))
    with pytest.raises(TypeError, match="vjp\\(has_aux=True\\): f must return a pair"):
        ad.vjp(lambda v: v * 2, _x(), has_aux=True)


def test_integer_outputs_are_constants_in_vjp_and_jvp(backend):
    def f(v):
        return gnp.sum(v * v), gnp.argmax(v)

    (val, idx), back = ad.vjp(f, _x())
    assert int(to_numpy(idx)) == 2 and _is_array(val)
    (g,) = back((ad.get_backend().asarray(1.0), ad.get_backend().asarray(np.int64(5))))
    np.testing.assert_allclose(to_numpy(g), 2 * X)
    (val, idx), (tv, ti) = ad.jvp(f, (_x(),), (_u(),))
    assert float(to_numpy(tv)) == pytest.approx(2 * X @ U) and int(to_numpy(ti)) == 0


@pytest.mark.parametrize("jac", [ad.jacrev, ad.jacfwd, ad.hessian])
def test_jacobians_of_integer_outputs_raise(backend, jac):
    with pytest.raises(TypeError, match="floating-point outputs"):
        jac(lambda v: gnp.argmax(v) if jac is ad.hessian else gnp.floor(v).astype(int))(_x())


# ---- results: backend arrays, no tape, no finished tangent level ----------------------------

def _tape_probe():
    refs = []

    def f(v):
        h = gnp.tanh(v * 3.0)
        refs.append(weakref.ref(h._node))  # a step of the tape
        return gnp.sum(h * v), {"h": h}

    return f, refs


def test_value_and_grad_keeps_no_tape(backend):
    f, refs = _tape_probe()
    (val, aux), g = ad.value_and_grad(f, has_aux=True)(_x())
    gc.collect()
    assert refs[0]() is None  # the intermediate (and the steps holding it) are gone
    assert _is_array(val) and _is_array(g) and _is_array(aux["h"])
    out, back, aux = ad.vjp(f, _x(), has_aux=True)
    assert _is_array(out) and _is_array(aux["h"])
    gc.collect()
    assert refs[1]() is not None  # vjp_fn still needs the tape ...
    np.testing.assert_allclose(to_numpy(back(ad.get_backend().asarray(1.0))[0]),
                               to_numpy(g))
    del back
    gc.collect()
    assert refs[1]() is None  # ... and only as long as it lives


def test_stored_values_do_not_grow_memory(backend):
    if backend != "numpy":
        pytest.skip("tracemalloc sees host memory only")
    x = np.random.default_rng(0).standard_normal((200, 200))

    def f(w):
        h = gnp.tanh(w @ w)
        return gnp.sum(h * gnp.exp(-w * w))

    ad.value_and_grad(f)(x)  # warm up
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = [ad.value_and_grad(f)(x)[0] for _ in range(5)]
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(kept) == 5
    # one tape holds several 320 kB arrays; five 0-d values need a few hundred bytes
    assert grown < 200_000, grown


def test_grad_of_jvp_carries_no_tangent_level(backend):
    def jv(v):
        return ad.jvp(lambda w: gnp.sum(w ** 3), (v,), (gnp.ones_like(v),))[1]

    g = ad.grad(jv)(_x())
    assert _is_array(g)
    np.testing.assert_allclose(to_numpy(g), 6 * X)
    t = ad.jvp(ad.grad(lambda w: gnp.sum(w ** 3)), (_x(),), (_u(),))
    assert all(_is_array(r) for r in t)
    np.testing.assert_allclose(to_numpy(t[1]), 6 * X * U)
    h = ad.hessian(lambda w: gnp.sum(w ** 3))(_x())
    assert _is_array(h)
    y, tt = ad.jvp(lambda v: ad.jvp(gnp.sin, (v,), (v,)), (_x(),), (_u(),))
    assert all(_is_array(r) for r in y + tt)
    np.testing.assert_allclose(to_numpy(tt[1]), np.cos(X) * U - np.sin(X) * X * U)


def test_inner_results_stay_differentiable_for_the_outer_transform(backend):
    seen = {}

    def f(v):
        val, g = ad.value_and_grad(lambda w: gnp.sum(gnp.sin(w) * w))(v)
        seen["val"], seen["g"] = val, g
        return val + gnp.sum(g * g)

    def expected(v):
        return np.sum(np.sin(v) * v) + np.sum((np.cos(v) * v + np.sin(v)) ** 2)

    out = ad.grad(f)(_x())
    assert isinstance(seen["val"], ad.Tensor) and seen["val"].requires_grad
    eps = 1e-6
    fd = [(expected(X + eps * e) - expected(X - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(to_numpy(out), fd, rtol=1e-7)
    check_grads(f, (X,), order=2, modes=("fwd", "rev"))

    # forward over reverse: the inner results carry the outer tangent level, and only that
    def g(v):
        r = ad.grad(lambda w: gnp.sum(w ** 3))(v)
        seen["tan"] = set(r._tan)
        return r

    y, t = ad.jvp(g, (_x(),), (_u(),))
    assert len(seen["tan"]) == 1 and _is_array(y) and _is_array(t)
    np.testing.assert_allclose(to_numpy(t), 6 * X * U)


@pytest.mark.parametrize("order", ["jvp_of_vjp", "vjp_of_jvp"])
def test_nested_vjp_and_jvp_both_orders(backend, order):
    def f(v):
        return gnp.sin(v) * v[0]

    def jvp_of_vjp(v):
        _, back = ad.vjp(f, v)
        return back(_u())[0]

    def vjp_of_jvp(v):
        return ad.jvp(f, (v,), (_u(),))[1]

    inner = jvp_of_vjp if order == "jvp_of_vjp" else vjp_of_jvp
    y, t = ad.jvp(inner, (_x(),), (_u(),))
    out, back = ad.vjp(inner, _x())
    (c,) = back(_u())
    assert all(_is_array(r) for r in (y, t, out, c))
    check_grads(inner, (X,), order=2, modes=("fwd", "rev"))


# every transform around every other: top-level results are plain arrays, and right

_WRAP = {  # each turns a scalar function of v into another scalar function of v
    "grad": lambda g: lambda v: gnp.sum(ad.grad(g)(v) * _u()),
    "value_and_grad": lambda g: lambda v: (lambda r: r[0] + gnp.sum(r[1] * _u()))(
        ad.value_and_grad(g)(v)),
    "vjp": lambda g: lambda v: (lambda r: r[0] + gnp.sum(r[1](1.0)[0] * _u()))(ad.vjp(g, v)),
    "jvp": lambda g: lambda v: (lambda r: r[0] + r[1])(ad.jvp(g, (v,), (_u(),))),
    "jacrev": lambda g: lambda v: gnp.sum(ad.jacrev(g)(v) * _u()),
    "jacfwd": lambda g: lambda v: gnp.sum(ad.jacfwd(g)(v) * _u()),
    "hessian": lambda g: lambda v: gnp.sum(ad.hessian(g)(v) * _u()[:, None] * _u()),
}
_TOP = {
    "grad": lambda h: ad.grad(h)(_x()),
    "value_and_grad": lambda h: ad.value_and_grad(h)(_x()),
    "vjp": lambda h: (lambda r: (r[0], r[1](1.0)))(ad.vjp(h, _x())),
    "jvp": lambda h: ad.jvp(h, (_x(),), (_u(),)),
    "jacrev": lambda h: ad.jacrev(h)(_x()),
    "jacfwd": lambda h: ad.jacfwd(h)(_x()),
    "hessian": lambda h: ad.hessian(h)(_x()),
}


def _f3(v):
    return gnp.sum(gnp.sin(v) * v * v[0])


@pytest.mark.parametrize("inner", list(_WRAP))
def test_every_composition_returns_arrays_and_differentiates_right(backend, inner):
    from gpuad.tree import tree_flatten

    h = _WRAP[inner](_f3)
    for outer, run in _TOP.items():
        leaves = tree_flatten(run(h))[0]
        assert all(_is_array(r) for r in leaves), (outer, inner, [type(r) for r in leaves])
    check_grads(h, (X,), order=2, modes=("fwd", "rev"), rtol=1e-4, atol=1e-5)


def test_cotangent_and_tangent_structures_must_match(backend):
    xs = _x()[:2]
    out, back = ad.vjp(lambda v: {"a": v * 2, "b": gnp.sum(v)}, xs)
    ones = ad.get_backend().asarray(np.ones(2))
    (g,) = back({"a": ones, "b": 1.0})
    np.testing.assert_allclose(to_numpy(g), [3.0, 3.0])
    with pytest.raises(ValueError, match="cotangent must have the output's structure; it is "
                                         "tuple .* but the output is dict"):
        back((ones, 1.0))  # same number of leaves, but which is which?
    with pytest.raises(ValueError, match="primal 0 and its tangent have different structures"):
        ad.jvp(lambda d: d["a"] * d["b"], ({"a": xs, "b": xs},), ((xs, xs),))
    _, back = ad.vjp(lambda v: (v * 2, gnp.sum(v)), xs)
    (g,) = back([ones, 1.0])  # a list for a tuple is fine
    np.testing.assert_allclose(to_numpy(g), [3.0, 3.0])
