"""gpuad.vmap: semantics against the per-example loop, composition with the other transforms in
both orders, pytrees, and the errors it promises."""

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.batching import BatchingWarning
from gpuad.testing import check_grads

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 3))
W = RNG.normal(size=3)
A = RNG.normal(size=(3, 3))


def loss(w, x):
    return gnp.sum(gnp.tanh(w * x) ** 2) + gnp.sum(A @ x * w) / 3


def loop(f, *args, axes):
    """The reference: f applied to each example, stacked."""
    n = next(np.shape(a)[ax] for a, ax in zip(args, axes, strict=True) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, i, axis=ax)
                for a, ax in zip(args, axes, strict=True)]) for i in range(n)]
    return np.stack([to_numpy(o) for o in outs])


def close(a, b):
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True)
def _no_fallback():
    """The core ops batch with rules: no primitive here may fall back to the loop."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchingWarning)
        yield


def test_forward_equals_the_loop(backend):
    close(ad.vmap(loss, (None, 0))(W, X), loop(loss, W, X, axes=(None, 0)))
    close(ad.vmap(loss, (None, 1))(W, X.T), loop(loss, W, X, axes=(None, 0)))
    close(ad.vmap(loss)(X, X), loop(loss, X, X, axes=(0, 0)))


def test_per_example_gradients_vmap_of_grad(backend):
    got = ad.vmap(ad.grad(loss), (None, 0))(W, X)
    close(got, loop(ad.grad(loss), W, X, axes=(None, 0)))
    got = ad.vmap(ad.grad(loss, argnums=(0, 1)), (None, 0))(W, X)
    close(got[1], loop(ad.grad(loss, 1), W, X, axes=(None, 0)))


def test_grad_of_vmap_sums_the_shared_argument(backend):
    g = ad.grad(lambda w: gnp.sum(ad.vmap(loss, (None, 0))(w, X)))(W)
    close(g, loop(ad.grad(loss), W, X, axes=(None, 0)).sum(0))
    gx = ad.grad(lambda x: gnp.sum(ad.vmap(loss, (None, 0))(W, x)))(X)
    close(gx, loop(ad.grad(loss, 1), W, X, axes=(None, 0)))


def test_backward_through_vmap_of_tensors():
    w = ad.tensor(W, requires_grad=True)
    gnp.sum(ad.vmap(loss, (None, 0))(w, X)).backward()
    close(w.grad.data, loop(ad.grad(loss), W, X, axes=(None, 0)).sum(0))


def test_jvp_in_both_orders(backend):
    T = RNG.normal(size=X.shape)
    per = ad.vmap(lambda x, t: ad.jvp(lambda v: loss(W, v), (x,), (t,))[1])(X, T)
    close(per, loop(lambda x, t: ad.jvp(lambda v: loss(W, v), (x,), (t,))[1], X, T,
                    axes=(0, 0)))
    _, tan = ad.jvp(lambda x: ad.vmap(loss, (None, 0))(W, x), (X,), (T,))
    close(tan, per)


def test_nested_vmap_and_out_axes(backend):
    M = RNG.normal(size=(2, 4, 3))
    got = ad.vmap(ad.vmap(lambda x: gnp.sum(gnp.sin(x) * x)))(M)
    close(got, np.sum(np.sin(M) * M, -1))
    got = ad.vmap(ad.vmap(lambda x, w: x * w, (0, None)), (1, None), out_axes=1)(M, W)
    close(got, M * W)
    got = ad.vmap(lambda m: ad.vmap(lambda r: r @ A, out_axes=1)(m))(M)
    close(got, np.swapaxes(M @ A, 1, 2))
    got = ad.vmap(lambda m: ad.vmap(lambda r: r @ A)(m), in_axes=1, out_axes=2)(M)
    close(got, np.moveaxis(np.swapaxes(M, 0, 1) @ A, 0, 2))


def test_per_example_hessian_vector_products(backend):
    V = RNG.normal(size=X.shape)

    def hvp(x, v):
        return ad.jvp(ad.grad(lambda u: loss(W, u)), (x,), (v,))[1]

    close(ad.vmap(hvp)(X, V), loop(hvp, X, V, axes=(0, 0)))


def test_second_order_through_vmap(backend):
    def f(w):
        return gnp.sum(ad.vmap(loss, (None, 0))(w, X) ** 2)

    check_grads(f, (W,), order=2, modes=("fwd", "rev"))


def test_pytrees_in_and_out(backend):
    def f(p, x):
        return {"y": gnp.sum(p["a"] * x), "z": (p["b"] * x, x)}

    p = {"a": W, "b": 2.0 * W}
    out = ad.vmap(f, in_axes=({"a": None, "b": None}, 0))(p, X)
    close(out["y"], X @ W)
    close(out["z"][0], 2.0 * W * X)
    close(out["z"][1], X)
    out = ad.vmap(f, in_axes=(None, 0), out_axes={"y": 0, "z": (1, 0)})(p, X)
    close(out["z"][0], (2.0 * W * X).T)


def test_unbatched_outputs_are_broadcast(backend):
    close(ad.vmap(lambda x: W, axis_size=None)(X), np.broadcast_to(W, X.shape))
    close(ad.vmap(lambda x: 3.0)(X), np.full(5, 3.0))
    out = ad.vmap(lambda x: (x, W), out_axes=(0, None))(X)
    close(out[1], W)


def test_jacobians_are_one_batched_sweep(backend):
    def f(x):
        return gnp.sin(A @ gnp.tanh(x)) * gnp.sum(x)

    calls = []

    def counted(x):
        calls.append(1)
        return f(x)

    x = X[0]
    j = ad.jacrev(counted)(x)
    assert len(calls) == 1
    ref = np.stack([to_numpy(ad.vjp(f, x)[1](e)[0]) for e in np.eye(3)])
    close(j, ref)
    close(ad.jacfwd(f)(x), ref)
    close(ad.jacrev(f, chunk_size=2)(x), ref)
    close(ad.jacfwd(f, chunk_size=1)(x), ref)
    h = ad.hessian(lambda v: gnp.sum(f(v) ** 2))(x)
    close(h, h.T)


def test_errors(backend):
    with pytest.raises(ValueError, match="batch sizes differ"):
        ad.vmap(loss)(X, X[:3])
    with pytest.raises(ValueError, match="no argument is batched"):
        ad.vmap(loss, (None, None))(W, X)
    with pytest.raises(ValueError, match="in_axes=3 for argument 1"):
        ad.vmap(loss, (None, 3))(W, X)
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        ad.vmap(loss, (None,))(W, X)
    with pytest.raises(TypeError, match="differs from example to example"):
        ad.vmap(lambda x: float(gnp.sum(x)))(X)
    with pytest.raises(TypeError, match="differs from example to example"):
        ad.vmap(lambda x: x if gnp.sum(x) > 0 else -x)(X)
    with pytest.raises(ValueError, match="out_axes=None for an output that differs"):
        ad.vmap(lambda x: x, out_axes=None)(X)
    with pytest.raises(RuntimeError, match="randomness='same'"):
        ad.vmap(lambda x: x + gnp.random.normal(size=3))(X)
    with pytest.raises(TypeError, match="in-place writes"):
        ad.vmap(lambda x: x.__setitem__(0, 1.0))(ad.tensor(X))


def test_randomness_same_shares_one_draw(backend):
    out = ad.vmap(lambda x: x * 0 + gnp.random.normal(size=3), randomness="same")(X)
    close(out, np.broadcast_to(to_numpy(out)[0], X.shape))


def test_backward_inside_vmap_raises(backend):
    def f(x):
        t = ad.tensor(W, requires_grad=True)
        gnp.sum(t * x).backward()
        return x

    with pytest.raises(ad.GradError, match="inside vmap use gpuad.grad"):
        ad.vmap(f)(X)


def test_a_primitive_without_rule_runs_per_example_with_one_warning(backend):
    from gpuad.batching import _warned
    from gpuad.prims.core import prim

    twice = prim("test_vmap_twice", lambda xp, x: x * 2, vjp=[lambda g, ans, x: g * 2],
                 jvp="vjp")
    _warned.discard("test_vmap_twice")
    with pytest.warns(BatchingWarning, match="test_vmap_twice"):
        close(ad.vmap(twice)(X), 2 * X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchingWarning)  # warned once already
        close(ad.vmap(ad.grad(lambda x: gnp.sum(twice(x) * x)))(X), 4 * X)


def test_hvp_and_linearize(backend):
    def f(x):
        return gnp.sum(gnp.sin(x) * x ** 2)

    x, v = X[0], X[1]
    val, hv = ad.hvp(f, (x,), (v,))
    close(val, f(ad.tensor(x)))
    close(hv, to_numpy(ad.hessian(f)(x)) @ v)
    y, f_jvp = ad.linearize(lambda u: gnp.sin(u) * u[0], x)
    close(y, np.sin(x) * x[0])
    close(f_jvp(v), ad.jvp(lambda u: gnp.sin(u) * u[0], (x,), (v,))[1])
    check_grads(lambda u: ad.hvp(f, (u,), (v,))[1], (x,), order=1, modes=("rev",))


def test_jacobians_fall_back_to_rows_when_a_formula_needs_values(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    def fwd(x):
        return gnp.sin(x), x

    def bwd(x, g):
        if float(gnp.sum(g * g)) == 0.0:  # Python control flow on the cotangent's values
            return (g,)
        return (g * gnp.cos(x),)

    f.defvjp(fwd, bwd)
    from gpuad.transforms import _LOOPED

    _LOOPED.discard("jacrev")  # it warns once per process
    with pytest.warns(UserWarning, match="jacrev: a derivative formula"):
        j = ad.jacrev(f)(X[0])
    close(j, np.diag(np.cos(X[0])))
