"""Compositions of transformations that once gave wrong results, found by differential testing
against JAX (tests/conformance/test_jax_transform_fuzz.py). Each test compares with a reference
computed without the composition (NumPy itself, eager gpuad, central differences), so it runs
without JAX."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from tests.conftest import to_numpy

KNOTS = np.array([-1.0, 0.0, 1.0])
VALUES = np.array([0.0, 2.0, -1.0])
X = np.array([[0.5, -0.5, 1.5], [-0.2, 2.0, 3.0]])
Y = np.array([[-0.5, 0.5, 0.7], [0.2, -0.3, -3.0]])


def _interp_ref(x):
    return np.interp(x, KNOTS, VALUES)


def _interp_grad_ref(x):
    # the slope of the piece each point lies in (one-sided from the right at the knots)
    j = np.clip(np.searchsorted(KNOTS, x, side="right") - 1, 0, len(KNOTS) - 2)
    slope = (VALUES[j + 1] - VALUES[j]) / (KNOTS[j + 1] - KNOTS[j])
    return np.where((x < KNOTS[0]) | (x > KNOTS[-1]), 0.0, slope)


def test_jit_vmap_interp_follows_new_arguments(backend):
    # jit(vmap(interp)) replayed the interval of each point found at the traced call:
    # on Y it returned [[3.5, 3.0, -0.1], [2.4, 2.9, 0.0]] instead of
    # [[1.0, 0.5, -0.1], [1.4, 1.4, 0.0]]. interp reads the knots (a host NumPy array)
    # before it looks the points up with numpy.searchsorted on a batched value; the jit hook
    # of searchsorted then ran gpuad's batched searchsorted unrecorded.
    f = lambda x: gnp.interp(x, KNOTS, VALUES)  # noqa: E731
    g = ad.jit(ad.vmap(f))
    dg = ad.jit(ad.vmap(ad.grad(lambda x: gnp.sum(f(x)))))
    for a in (X, Y, -X):
        np.testing.assert_allclose(to_numpy(g(gnp.asarray(a))), _interp_ref(a), atol=1e-12)
        np.testing.assert_allclose(to_numpy(dg(gnp.asarray(a))), _interp_grad_ref(a),
                                   atol=1e-12)


def test_jit_vmap_searchsorted_after_reading_the_sorted_array(backend):
    # the smallest form: reading kn (kn[0]) makes it known to the trace, and numpy's
    # searchsorted(kn, batched) then ran unrecorded: the first call's positions came back
    knots = gnp.asarray(KNOTS)

    def f(x):
        _ = gnp.take(knots, 0)
        return np.searchsorted(knots, x, side="right")

    g = ad.jit(ad.vmap(f))
    for a in (X, Y):
        np.testing.assert_array_equal(to_numpy(g(gnp.asarray(a))),
                                      np.searchsorted(KNOTS, a, side="right"))


@pytest.mark.parametrize("transform", ["grad", "jacrev", "jacfwd"])
@pytest.mark.parametrize("in_axes", [(1, None), (0, None)])
def test_vmap_jit_derivative_of_an_unused_input(backend, transform, in_axes):
    # vmap(jit(jacrev(f))) with f not reading its first argument returned shape (2, 2, 3)
    # instead of (2, 3) (an extra batch axis on its zero Jacobian); vmap(jit(grad(f)))
    # raised TracerError ("reads a value batched by an enclosing vmap ... a closure").
    fn = getattr(ad, transform)
    f = fn(lambda a, b: gnp.sin(b) * 2.0, argnums=0)
    a = gnp.asarray(np.random.default_rng(0).standard_normal((3, 2)))
    want = to_numpy(ad.vmap(f, in_axes=in_axes)(a, 0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jacfwd under jit may fall back to eager
        got = to_numpy(ad.vmap(ad.jit(f), in_axes=in_axes)(a, 0.5))
    assert got.shape == want.shape == ((2, 3) if in_axes[0] == 1 else (3, 2))
    np.testing.assert_array_equal(got, np.zeros_like(got))


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_vmap_nanargmax(backend, name):
    # vmap(gnp.nanargmax) recursed without end (RecursionError): on a batched value the
    # function handed the call to itself. An all-NaN slice gives -1, as JAX's.
    a = np.array([[[0.5, np.nan, 1.5], [np.nan, np.nan, np.nan]],
                  [[np.nan, 2.0, -1.0], [4.0, np.nan, 3.0]]])
    f = getattr(gnp, name)
    ref = getattr(np, name)

    def want(x, **kw):
        rows = [ref(r, **kw) if not np.all(np.isnan(r)) else -1 for r in x]
        return np.array(rows)

    for g in (ad.vmap(f), ad.jit(ad.vmap(f))):
        np.testing.assert_array_equal(to_numpy(g(gnp.asarray(a))), [ref(x) for x in a])
    got = to_numpy(ad.vmap(lambda x: f(x, axis=1))(gnp.asarray(a)))
    np.testing.assert_array_equal(got, np.stack([want(x) for x in a]))
    got = to_numpy(ad.vmap(lambda x: f(x, axis=-1, keepdims=True))(gnp.asarray(a)))
    np.testing.assert_array_equal(got, np.stack([want(x)[:, None] for x in a]))


def _fd_jacobian(f, x, eps=1e-6):
    cols = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def test_jacrev_of_checkpoint_with_several_outputs(backend):
    # jacrev(checkpoint(f)) of an f with two outputs returned zeros for both Jacobians
    # (vmap of the vjp: the recomputed outputs were joined unrecorded, so the backward
    # reached no input); one output was right
    x = np.array([0.3, -0.5, 1.2])
    f = ad.checkpoint(lambda x: (gnp.sin(x) * x[0], {"b": x * 2.0}))
    ja, jb = ad.jacrev(f)(gnp.asarray(x))
    np.testing.assert_allclose(to_numpy(ja), _fd_jacobian(lambda v: np.sin(v) * v[0], x),
                               atol=1e-8)
    np.testing.assert_allclose(to_numpy(jb["b"]), 2.0 * np.eye(3), atol=1e-12)
    _, back = ad.vjp(f, gnp.asarray(x))
    rows = ad.vmap(back)((gnp.asarray(np.eye(3)), {"b": gnp.asarray(np.eye(3))}))[0]
    np.testing.assert_allclose(to_numpy(rows), to_numpy(ja) + 2.0 * np.eye(3), atol=1e-12)


def test_vmap_grad_of_checkpoint_with_several_outputs(backend):
    # vmap(grad(f)) through a checkpointed block with two outputs gave zeros; once that was
    # right, jit(vmap(grad(f))) raised TracerError: the batched outputs were packed by an
    # array method that the trace did not record, so they replayed as constants
    blk = ad.checkpoint(lambda x: (gnp.sin(x), gnp.sum(x * x)))
    f = lambda x: gnp.sum(blk(x)[0] ** 2) + blk(x)[1] ** 2  # noqa: E731

    def want(x):  # d/dx of sum(sin(x)^2) + (sum x^2)^2, per row
        return 2 * np.sin(x) * np.cos(x) + 4 * np.sum(x * x, -1, keepdims=True) * x

    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    np.testing.assert_allclose(to_numpy(ad.vmap(ad.grad(f))(gnp.asarray(a))), want(a),
                               rtol=1e-12)
    g = ad.jit(ad.vmap(ad.grad(f)))
    for x in (a, b):
        np.testing.assert_allclose(to_numpy(g(gnp.asarray(x))), want(x), rtol=1e-12)


def test_checkpoint_returning_an_input_unchanged(backend):
    # checkpoint(lambda x, y: (x, y ** 3)) differentiated in both arguments gave x a zero
    # gradient: no operation of the block read x, so the block's step had no edge to it
    x, y = np.array([0.3, -0.5, 1.2]), np.array([1.0, 0.4, -0.8])
    blk = ad.checkpoint(lambda x, y: (x, y ** 3))

    def s(x, y):
        a, b = blk(x, y)
        return gnp.sum(gnp.sin(a)) + gnp.sum(gnp.sin(b))

    gx, gy = ad.grad(s, argnums=(0, 1))(gnp.asarray(x), gnp.asarray(y))
    np.testing.assert_allclose(to_numpy(gx), np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(gy), np.cos(y ** 3) * 3 * y ** 2, rtol=1e-12)
    # the value of an inner value_and_grad (in y), differentiated in x from outside
    gv = ad.grad(lambda x: ad.value_and_grad(s, argnums=1)(x, gnp.asarray(y))[0])
    np.testing.assert_allclose(to_numpy(gv(gnp.asarray(x))), np.cos(x), rtol=1e-12)


def test_vmap_isclose(backend):
    # gnp.isclose inside vmap raised BatchedValueError (it read each example's values on the
    # host); it now follows NumPy's rule by primitives, infinities and NaN included
    a = np.array([[1.0, np.inf, np.nan, 2.0], [1.0, -np.inf, 3.0, np.inf]])
    b = np.array([[1.0 + 1e-9, np.inf, np.nan, 2.1], [np.inf, np.inf, 3.0 + 1e-6, 5.0]])
    ga, gb = gnp.asarray(a), gnp.asarray(b)
    np.testing.assert_array_equal(to_numpy(ad.vmap(gnp.isclose)(ga, gb)), np.isclose(a, b))
    f = ad.jit(ad.vmap(lambda x, y: gnp.isclose(x, y, atol=0.2), in_axes=(0, None)))
    np.testing.assert_array_equal(to_numpy(f(ga, gb[0])), np.isclose(a, b[0], atol=0.2))


@pytest.mark.parametrize("bins", [[-0.5, 0.0, 0.5], [0.5, 0.0, -0.5]])
@pytest.mark.parametrize("right", [False, True])
def test_vmap_digitize(backend, bins, right):
    # gnp.digitize inside vmap raised TypeError where jax.numpy.digitize batches; with fixed
    # bins it is now a search in them, also compiled (new values, new bins found)
    x = np.array([[-1.0, -0.5, 0.2, 0.5], [0.0, 0.7, -0.5, 3.0]])
    f = ad.vmap(lambda v: gnp.digitize(v, np.array(bins), right=right))
    g = ad.jit(f)
    for a in (x, x[::-1] * 0.9):
        want = np.digitize(a, bins, right=right)
        np.testing.assert_array_equal(to_numpy(f(gnp.asarray(a))), want)
        np.testing.assert_array_equal(to_numpy(g(gnp.asarray(a))), want)


def test_jacrev_jacrev_of_jit_with_a_scalar_input(backend):
    # jacrev(jacrev(jit(f))) of f(a) = sin(a) * x (scalar a) returned the second derivative
    # of sum(f) in every entry, [-0.644, -0.644, -0.644] instead of -sin(a) * x: the
    # compiled pullback, differentiated after the vmap over cotangents had returned, read
    # each cotangent as the first example's
    a, x = 0.7, np.array([0.3, -0.5, 1.2])
    gx = gnp.asarray(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn = ad.jit(lambda a: gnp.sin(a) * gx)
        np.testing.assert_allclose(to_numpy(ad.jacrev(ad.jacrev(fn))(a)), -np.sin(a) * x,
                                   rtol=1e-12)
        h = ad.jit(lambda a, y: gnp.hypot(a, y + 2.0))
        want = (x + 2.0) ** 2 / (a * a + (x + 2.0) ** 2) ** 1.5
        np.testing.assert_allclose(to_numpy(ad.jacrev(ad.jacrev(h))(a, gx)), want, rtol=1e-12)
