"""``gpuad.jit`` composed with ``gpuad.vmap`` and the vmap-based Jacobians: compiled results
equal eager ones (values and gradients) over several calls with new argument values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.batching import BatchingWarning
from gpuad.jit import JitFallbackWarning


def _arr(a):
    return ad.get_backend().xp.asarray(a)


def _same(a, b, rtol=1e-12):
    la, lb = ad.tree_flatten(a)[0], ad.tree_flatten(b)[0]
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        x, y = to_numpy(x), to_numpy(y)
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=rtol, atol=1e-14)


def loss(w, b, x):
    return gnp.sum(gnp.tanh(gnp.maximum(x @ w + b, 0.0) - 0.3) ** 2) + gnp.sum(w * w)


def _check(make, shapes, rng, calls=3):
    """jit(make()) against make() on ``calls`` fresh draws of arguments of ``shapes``."""
    f = make()
    j = ad.jit(make())
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchingWarning)  # one batched program, no loop
        for _ in range(calls):
            args = [_arr(rng.standard_normal(s)) for s in shapes]
            _same(j(*args), f(*args))
    info = j.cache_info()
    assert info["misses"] == 1 and info["hits"] == calls - 1, info
    return j


CASES = {
    "vmap": (lambda: ad.vmap(lambda x: gnp.tanh(x) * gnp.sum(x)), [(5, 3)]),
    "vmap_axes": (lambda: ad.vmap(lambda x, y: gnp.sin(x) * y, (1, None), 1),
                  [(3, 5, 2), (3, 2)]),
    "vmap_nested": (lambda: ad.vmap(ad.vmap(lambda x, y: gnp.exp(x) @ y, (0, None)),
                                    (0, None)), [(2, 4, 3), (3, 2)]),
    "per_example_grads": (lambda: ad.vmap(ad.grad(loss, argnums=(0, 1)), (None, None, 0)),
                          [(3, 4), (4,), (6, 3)]),
    "vmap_value_and_grad": (lambda: ad.vmap(ad.value_and_grad(loss), (None, None, 0)),
                            [(3, 4), (4,), (6, 3)]),
    "grad_of_vmap": (lambda: ad.grad(lambda w, b, x: gnp.sum(
        ad.vmap(loss, (None, None, 0))(w, b, x))), [(3, 4), (4,), (6, 3)]),
    "jacrev": (lambda: ad.jacrev(lambda x: gnp.sin(x) * gnp.sum(x ** 2)), [(4,)]),
    "jacfwd": (lambda: ad.jacfwd(lambda x: gnp.outer(gnp.tanh(x), x)), [(3,)]),
    "jacrev_chunked": (lambda: ad.jacrev(lambda x: gnp.cumsum(gnp.sin(x)), chunk_size=2),
                       [(5,)]),
    "hessian": (lambda: ad.hessian(lambda x: gnp.sum(gnp.tanh(x) ** 3) * gnp.sum(x)),
                [(4,)]),
    "hvp": (lambda: (lambda x, v: ad.hvp(lambda a: gnp.sum(gnp.sin(a) ** 2 * a), (x,), (v,))),
            [(4,), (4,)]),
    "vmap_jacrev": (lambda: ad.vmap(ad.jacrev(lambda x: gnp.tanh(x) * gnp.sum(x))), [(3, 4)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_jit_of_vmap_and_jacobians_equals_eager(name, backend, rng):
    make, shapes = CASES[name]
    _check(make, shapes, rng)


def test_jit_per_example_gradients_against_the_loop(rng):
    """The compiled per-example gradients equal one grad per example."""
    j = ad.jit(ad.vmap(ad.grad(loss), (None, None, 0)))
    for _ in range(2):
        w, b, x = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((5, 3))
        want = np.stack([ad.grad(loss)(w, b, x[i]) for i in range(5)])
        np.testing.assert_allclose(j(w, b, x), want, rtol=1e-12)


def test_clipped_per_example_sgd_step_matches_eager(rng):
    """A DP-SGD-style step: per-example gradients by vmap(grad), clipped, averaged, applied
    by an optimizer, all inside one compiled step."""

    def make():
        w = ad.tensor(np.full((3, 4), 0.5), requires_grad=True)
        b = ad.tensor(np.zeros(4), requires_grad=True)
        opt = optim.SGD([w, b], lr=0.1)
        pe = ad.vmap(ad.grad(loss, argnums=(0, 1)), (None, None, 0))

        def step(x):
            gw, gb = pe(w.detach(), b.detach(), x)
            norm = gnp.sqrt(gnp.sum(gw ** 2, axis=(1, 2)) + gnp.sum(gb ** 2, axis=1))
            scale = 1.0 / gnp.maximum(norm / 1.0, 1.0)
            opt.zero_grad()
            w.grad = gnp.mean(gw * scale[:, None, None], axis=0)
            b.grad = gnp.mean(gb * scale[:, None], axis=0)
            opt.step()
            return gnp.mean(norm)

        return w, b, step

    we, be_, eager = make()
    wj, bj, step = make()
    jitted = ad.jit(step)
    for _ in range(3):
        x = rng.standard_normal((6, 3))
        _same(jitted(x), eager(x))
        _same((wj, bj), (we, be_))
    assert jitted.cache_info()["misses"] == 1


# ---- jit inside vmap ------------------------------------------------------------------------

def _g(x, y):
    return gnp.sum(gnp.tanh(x) * y)


def test_vmap_of_jit_traces_on_the_batched_values(backend, rng):
    j = ad.jit(_g)
    for _ in range(3):
        x, y = _arr(rng.standard_normal((5, 3))), _arr(rng.standard_normal(3))
        _same(ad.vmap(j, (0, None))(x, y), ad.vmap(_g, (0, None))(x, y))
        _same(ad.vmap(j, (None, 0))(y, x), ad.vmap(_g, (None, 0))(y, x))
        z = _arr(rng.standard_normal((4, 2, 3)))
        _same(ad.vmap(ad.vmap(j), (1, None))(z, x[:4]), ad.vmap(ad.vmap(_g), (1, None))(z, x[:4]))
    # one signature per way of batching (which arguments, which levels); the plain call of
    # the same shapes is a signature of its own
    assert j.cache_info()["misses"] == 3
    x = _arr(rng.standard_normal((5, 3)))
    _same(j(x, x), _g(x, x))
    assert j.cache_info()["misses"] == 4


def test_vmap_of_jit_nested_levels_keep_their_order(rng):
    j = ad.jit(lambda x, y: gnp.sin(x) * y)
    for _ in range(2):
        x, y = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
        inner = lambda a: ad.vmap(lambda b: j(a, b))(y)  # noqa: E731
        got = ad.vmap(inner)(x)
        np.testing.assert_allclose(got, np.sin(x)[:, None, :] * y[None], rtol=1e-14)


def test_vmap_of_jit_of_grad_gives_per_example_gradients(rng):
    j = ad.jit(ad.grad(loss))
    w, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    for _ in range(2):
        x = rng.standard_normal((5, 3))
        want = np.stack([ad.grad(loss)(w, b, x[i]) for i in range(5)])
        np.testing.assert_allclose(ad.vmap(j, (None, None, 0))(w, b, x), want, rtol=1e-12)


def test_jit_inside_vmap_computes_with_a_batched_closure(rng):
    # a jit inside vmap reading a value batched by that vmap without receiving it raised
    # TracerError ("pass it as an argument, or put jit outside"); JAX computes it. The call
    # runs eagerly (a JitFallbackWarning says why), equal to the eager vmap
    x = rng.standard_normal((5, 3))
    w = rng.standard_normal(3)

    def f(xi):
        return ad.jit(lambda v: v * xi + gnp.sin(xi))(w)  # xi: batched, not passed

    with pytest.warns(JitFallbackWarning, match="batched by an enclosing vmap"):
        got = ad.vmap(f)(x)
    _same(got, w * x + np.sin(x))
    # a Python number argument; the closure batched and also passed (y is x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = ad.vmap(lambda xi: ad.jit(lambda y: y * xi + gnp.sin(xi))(2.0))(x)
        _same(got, 2.0 * x + np.sin(x))
        got = ad.vmap(lambda xi: ad.jit(lambda y: y * (xi * xi) + gnp.cos(y))(xi))(x)
        _same(got, x ** 3 + np.cos(x))
        got = ad.vmap(lambda xi: ad.jit(lambda y: y)(2.0) * xi)(x)  # a number: a number
        _same(got, 2.0 * x)


@pytest.mark.parametrize("how", ["vmap_grad", "grad_vmap", "vmap_grad_grad", "jacfwd_vmap",
                                 "vmap_jacfwd", "jit_vmap_grad"])
def test_derivatives_through_jit_inside_vmap_with_a_batched_closure(how):
    # each raised TracerError; checked against float64 central differences of the eager
    # function d/dx (2 sin(x) x) and its second derivative
    xs = np.array([0.5, 1.0, 2.0, -0.3])

    def f(x):
        return ad.jit(lambda y: gnp.sin(x) * y)(2.0 * x)

    h = 1e-5
    d1 = lambda v: 2 * np.sin(v) + 2 * v * np.cos(v)  # noqa: E731
    fd1 = (2 * np.sin(xs + h) * (xs + h) - 2 * np.sin(xs - h) * (xs - h)) / (2 * h)
    np.testing.assert_allclose(d1(xs), fd1, rtol=1e-8)
    want = {"vmap_grad": d1(xs), "grad_vmap": d1(xs), "jacfwd_vmap": np.diag(d1(xs)),
            "vmap_jacfwd": d1(xs), "jit_vmap_grad": d1(xs),
            "vmap_grad_grad": (d1(xs + h) - d1(xs - h)) / (2 * h)}[how]
    run = {"vmap_grad": lambda: ad.vmap(ad.grad(f)),
           "grad_vmap": lambda: ad.grad(lambda v: gnp.sum(ad.vmap(f)(v))),
           "vmap_grad_grad": lambda: ad.vmap(ad.grad(ad.grad(f))),
           "jacfwd_vmap": lambda: ad.jacfwd(ad.vmap(f)),
           "vmap_jacfwd": lambda: ad.vmap(ad.jacfwd(f)),
           "jit_vmap_grad": lambda: ad.jit(ad.vmap(ad.grad(f)))}[how]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = to_numpy(run()(gnp.asarray(xs)))
    np.testing.assert_allclose(got, want, rtol=1e-7 if how == "vmap_grad_grad" else 1e-12)


def test_differentiating_through_jit_inside_vmap(rng):
    """vmap(grad(jit(f))): per-example gradients through the compiled function, as eagerly."""
    j = ad.jit(_g)
    for _ in range(3):
        x, y = rng.standard_normal((5, 3)), rng.standard_normal(3)
        np.testing.assert_allclose(ad.vmap(ad.grad(j), (0, None))(x, y),
                                   ad.vmap(ad.grad(_g), (0, None))(x, y), rtol=1e-13)


@pytest.mark.parametrize("make", [
    lambda: (lambda a: ad.grad(lambda v: gnp.sum(v * v * v))(a) * 2.0 + a),
    lambda: (lambda a: 1.0 - ad.vmap(lambda v: gnp.sin(v) * 2)(a) ** 2),
    lambda: (lambda a: ad.jacrev(gnp.tanh)(a) @ a),
])
def test_operators_on_transform_results_are_recorded(make, rng):
    """Transforms hand back backend arrays; inside a traced function what is computed from
    them with Python operators must be part of the program (check=False: no safety net)."""
    f = make()
    j = ad.jit(make(), check=False)
    for _ in range(3):
        a = rng.standard_normal(4)
        _same(j(a), f(a))
        assert type(j(a)) is type(f(a))


def test_closed_over_tensor_batched_by_vmap_is_read_on_every_call(backend, rng):
    """An ensemble's stacked parameters, closed over and batched by vmap inside jit, are read
    afresh on each call (not frozen at their traced values)."""
    ws = ad.tensor(_arr(rng.standard_normal((3, 4, 2))))
    f = lambda x: ad.vmap(lambda w, xi: gnp.tanh(xi @ w), (0, None))(ws, x)  # noqa: E731
    j = ad.jit(f)
    for _ in range(3):
        x = _arr(rng.standard_normal((5, 4)))
        _same(j(x), f(x))
        ws.data = _arr(rng.standard_normal((3, 4, 2)))  # the parameters change between calls
    assert j.cache_info()["misses"] == 1
