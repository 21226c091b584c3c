"""Regressions found by porting JAX's API tests (tests/conformance/test_jax_api_suite.py): each
checked against a loop, an eager run or central differences, on both backends."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X = np.linspace(0.1, 1.0, 4)


def _fd(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def test_vmap_of_grad_through_a_jitted_closure_over_the_argument(backend):
    # vmap(grad(f)) where f calls a jitted function closing over f's argument gave
    # [0.1997, 0.7788, 1.2884, 1.6829] (the closure's share of the derivative dropped)
    # instead of d/dx (sin(x) * 2x) = [0.3987, 1.5157, 2.3592, 2.7635]; then it raised
    # TracerError; now the jitted call runs eagerly there, as JAX computes it
    def f(x):
        return ad.jit(lambda y: gnp.sin(x) * y)(2.0 * x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eager = [float(to_numpy(ad.grad(f)(float(v)))) for v in X]
    np.testing.assert_allclose(eager, _fd(lambda v: np.sin(v) * 2 * v, X), rtol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = to_numpy(ad.vmap(ad.grad(f))(gnp.asarray(X)))
    np.testing.assert_allclose(got, eager, rtol=1e-12)
    # passed as an argument, it compiles and is exact
    g = ad.jit(lambda x, y: gnp.sin(x) * y)
    got = to_numpy(ad.vmap(ad.grad(lambda x: g(x, 2.0 * x)))(gnp.asarray(X)))
    np.testing.assert_allclose(got, eager, rtol=1e-12)


def test_vmap_batches_keyword_arguments_along_axis_0(backend):
    # jax.vmap maps keyword arguments over their leading axis; gpuad.vmap passed them whole
    # to every example: vmap(lambda x, y: x * y)(ones((3, 2)), y=Y) had shape (3, 3, 2)
    Y = np.arange(6.0).reshape(3, 2)
    f = ad.vmap(lambda x, y: x * gnp.sum(y))
    got = to_numpy(f(gnp.asarray(np.ones(3)), y=gnp.asarray(Y)))
    np.testing.assert_allclose(got, Y.sum(axis=1))
    got = to_numpy(ad.vmap(lambda x, y: x * gnp.sum(y), chunk_size=2)(
        gnp.asarray(np.ones(3)), y=gnp.asarray(Y)))
    np.testing.assert_allclose(got, Y.sum(axis=1))
    with pytest.raises(ValueError, match="keyword argument"):
        f(gnp.asarray(np.ones(3)), y=gnp.asarray(Y[:2]))
    with pytest.raises(ValueError, match="keyword arguments are batched along axis 0"):
        f(gnp.asarray(np.ones(3)), y=2.0)
    with pytest.raises(ValueError, match=r"argument 0 of shape \(3,\)$"):
        ad.vmap(lambda x: x, in_axes=1)(gnp.asarray(np.ones(3)))
    # gpuad.func.vmap keeps torch.func's convention: keywords unbatched
    got = to_numpy(ad.func.vmap(lambda x, y: x * gnp.sum(y))(gnp.asarray(np.ones(3)),
                                                               y=gnp.asarray(Y)))
    np.testing.assert_allclose(got, np.full(3, Y.sum()))


def test_custom_jvp_reverse_mode_with_an_integer_array_argument(backend):
    # grad through a custom_jvp function taking an integer array raised "only floating-point
    # tensors can require grad" (JAX gives its tangent float0 zeros)
    @ad.custom_jvp
    def f(x, n):
        return x * n

    @f.defjvp
    def f_jvp(p, t):
        return f(*p), t[0] * p[1] * 2.0  # a rule unlike the function: used, not bypassed

    n = gnp.asarray(np.arange(3))
    g = to_numpy(ad.grad(lambda x: gnp.sum(f(x, n)))(gnp.asarray(np.ones(3))))
    np.testing.assert_allclose(g, 2.0 * np.arange(3))
    assert float(to_numpy(ad.grad(f)(0.4, np.int64(3)))) == 6.0
    got = to_numpy(ad.vmap(ad.grad(f))(gnp.asarray(np.ones(3)), n))
    np.testing.assert_allclose(got, 2.0 * np.arange(3))


def test_vmap_of_checkpoint_of_grad_returns_arrays(backend):
    # vmap(checkpoint(grad(f))) returned a Tensor with grad_fn=vmap_out (the inner grad's own
    # targets taken for the block's inputs) where every transform returns arrays
    f = ad.grad(lambda x: gnp.sin(x) ** 2)
    out = ad.vmap(ad.checkpoint(f))(gnp.asarray(X))
    assert not isinstance(out, ad.Tensor), repr(out)
    np.testing.assert_allclose(to_numpy(out), np.sin(2 * X), rtol=1e-12)
    # differentiated from outside, the block still reaches what it closes over
    w = np.array([0.5, 1.5])

    def loss(w):
        h = ad.grad(lambda x: gnp.sin(x * w[0]) ** 2 * w[1])
        return gnp.sum(ad.vmap(ad.checkpoint(h))(gnp.asarray(X)))

    g = to_numpy(ad.grad(loss)(gnp.asarray(w)))

    def ref(w0, w1):
        return np.sum(np.sin(2 * X * w0) * w0 * w1)

    np.testing.assert_allclose(g, [_fd(lambda a: ref(a, w[1]), w[0]),
                                   _fd(lambda b: ref(w[0], b), w[1])], rtol=1e-7)


def test_vmap_refuses_booleans_as_axes(backend):
    # vmap(f, in_axes=True) mapped axis 1 (True taken as an int) where jax.vmap raises
    x = gnp.asarray(np.arange(6.0).reshape(3, 2))
    for kw in ({"in_axes": True}, {"in_axes": (False,)}, {"out_axes": True}):
        with pytest.raises(TypeError, match="not (True|False)"):
            ad.vmap(lambda v: v * 2, **kw)(x)
    np.testing.assert_allclose(to_numpy(ad.vmap(lambda v: v * 2, in_axes=1)(x)),
                               2 * np.arange(6.0).reshape(3, 2).T)


def test_jitted_vmap_reading_a_parameter_that_requires_grad(backend):
    # a batched operation inside a jit trace read a closed-over tensor that requires grad
    # as a constant: grad(lambda w: sum(vmap(lambda x: jit(lambda y: sin(w * y))(x))(xs)))
    # gave 0.0 instead of sum(xs * cos(w * xs)) = 1.1048, and loss.backward() on a jitted
    # vmap over a model parameter raised "the output does not require grad"
    xs = gnp.asarray(np.arange(3.0))
    want = float(np.sum(np.arange(3.0) * np.cos(0.7 * np.arange(3.0))))

    def inside(w):
        return gnp.sum(ad.vmap(lambda x: ad.jit(lambda y: gnp.sin(w * y))(x))(xs))

    def around(w):
        return ad.jit(lambda ys: gnp.sum(ad.vmap(lambda x: gnp.sin(w * x))(ys)))(xs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the jitted function runs eagerly for this signature
        for loss in (inside, around):
            assert float(to_numpy(ad.grad(loss)(0.7))) == pytest.approx(want, rel=1e-12)
        w = ad.Tensor(gnp.asarray(0.7), requires_grad=True)
        f = ad.jit(lambda ys: gnp.sum(ad.vmap(lambda x: gnp.sin(w * x))(ys)))
        for _ in range(2):
            w.grad = None
            f(xs).backward()
            assert float(to_numpy(w.grad)) == pytest.approx(want, rel=1e-12)


def test_forward_mode_through_a_jitted_closure_over_the_primal(backend):
    # a jitted function reading (not receiving) a value that carries jvp tangents returned
    # its output without them: jacfwd(lambda w: sum(jit(lambda y: sin(y * w))(xs)))(0.7)
    # gave 0.0 instead of sum(xs * cos(0.7 xs)) = 1.1048, with or without a vmap inside
    xs = gnp.asarray(np.arange(3.0))
    want = float(np.sum(np.arange(3.0) * np.cos(0.7 * np.arange(3.0))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the jitted function runs eagerly for this signature
        for inner in (lambda w: ad.jit(lambda y: gnp.sin(y * w))(xs),
                      lambda w: ad.jit(ad.vmap(lambda y: gnp.sin(y * w)))(xs),
                      lambda w: ad.vmap(ad.jit(lambda y: gnp.sin(y * w)))(xs)):
            got = ad.jacfwd(lambda w, inner=inner: gnp.sum(inner(w)))(0.7)
            assert float(to_numpy(got)) == pytest.approx(want, rel=1e-12)
            _, t = ad.jvp(lambda w, inner=inner: gnp.sum(inner(w)), (0.7,), (2.0,))
            assert float(to_numpy(t)) == pytest.approx(2 * want, rel=1e-12)
