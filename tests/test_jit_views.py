"""Views of values a compiled program computes: views of fused results, of results common
subexpression elimination merged, and in-place writes through them, compared with eager on
several replays, with fusion on (at any size) and off. Every result of every call is kept and
compared at the end, so a result that shares a buffer the program reuses (on a later step or a
later call) is caught."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import fusion


def _fuse_small():
    # the backend's fusion options, without the CPU's size and length thresholds
    opts = fusion.default_options(ad.get_backend().name)
    return dataclasses.replace(opts, min_size=0, min_steps=2)


MODES = {"fused": _fuse_small, "unfused": lambda: False}


def _leaves(out):
    if isinstance(out, tuple | list):
        return [x for o in out for x in _leaves(o)]
    return [to_numpy(out)]


def _compare(f, make_args, mode, calls=4, donate=(), **jit_kw):
    """``f`` compiled against ``f`` run eagerly on ``calls`` argument sets; the compiled
    results are read only after the last call."""
    j = ad.jit(f, fuse=MODES[mode](), donate_argnums=donate, **jit_kw)
    got, want = [], []
    for k in range(calls):
        args = make_args(k)
        want.append(_leaves(f(*[a.copy() for a in args])))
        got.append(j(*args))
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        g = _leaves(g)
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12, err_msg=f"call {k}")
    return j


def _arrays(rng, *shapes):
    xp = ad.get_backend().xp

    def make(k):
        return [xp.asarray(rng.standard_normal(s)) for s in shapes]
    return make


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("view", ["T", "reshape", "swap"])
def test_gradient_that_is_a_view_of_a_fused_result(backend, rng, mode, view):
    # the adjoint of a transpose or reshape is a view of the fused (guarded) contribution: a
    # program output, so its buffer must not be reused by a later step or call
    def loss(x):
        u = {"T": lambda: x.T, "reshape": lambda: x.reshape(-1),
             "swap": lambda: gnp.swapaxes(x, 0, 1)}[view]()
        return gnp.sum(gnp.sin(u) * 2.0 + 1.0)

    _compare(ad.grad(loss), _arrays(rng, (6, 5)), mode)
    _compare(ad.value_and_grad(loss), _arrays(rng, (6, 5)), mode)


@pytest.mark.parametrize("mode", MODES)
def test_views_and_writes_after_a_fused_forward(backend, rng, mode):
    def f(x):
        y = gnp.sin(x) * 2.0 + 1.0
        v = y[1:]
        t = y.T
        r = y.reshape(-1)
        v += 1.0
        y[0] = 3.0
        return y, v, t * 1.0, r, gnp.exp(t) + v[0, 1]

    _compare(f, _arrays(rng, (5, 4)), mode)
    _compare(f, _arrays(rng, (5, 4)), mode, donate=(0,))


@pytest.mark.parametrize("mode", MODES)
def test_gradient_through_writes_into_views_of_a_fused_result(backend, rng, mode):
    def loss(x, w):
        y = gnp.sin(x) * 2.0 + 1.0
        v = y[1:]
        v *= w
        y[0] = 3.0
        return gnp.sum(gnp.tanh(y) * y.T.T)

    _compare(ad.value_and_grad(loss, argnums=(0, 1)), _arrays(rng, (5, 4), (4, 4)), mode)


@pytest.mark.parametrize("mode", MODES)
def test_gradients_through_a_fused_result_and_a_written_view_of_it(backend, rng, mode):
    def loss(x, w):
        y = gnp.sin(x) * 2.0 + 1.0
        v = y[:, 1:]
        v += w
        return gnp.sum(y * y) + gnp.sum(gnp.exp(v) * 3.0), v.T

    def both(x, w):
        (val, vt), g = ad.value_and_grad(loss, argnums=(0, 1), has_aux=True)(x, w)
        return val, vt, g

    _compare(both, _arrays(rng, (4, 5), (4,)), mode)
    _compare(both, _arrays(rng, (4, 5), (4,)), mode, donate=(0, 1))


def test_gradient_that_is_a_view_of_a_fused_result_default_options(backend, rng):
    # the CPU fuses groups of 2^17 elements and more by default
    def loss(x):
        return gnp.sum(gnp.sin(x.T) * 2.0 + 1.0)

    xp = ad.get_backend().xp
    j = ad.jit(ad.grad(loss))
    xs = [xp.asarray(rng.standard_normal((384, 384))) for _ in range(3)]
    got = [j(x) for x in xs]
    assert j.lower(xs[0]).stats.get("fused_groups", 0) >= 1
    for g, x in zip(got, xs, strict=True):
        np.testing.assert_allclose(to_numpy(g), 2.0 * np.cos(to_numpy(x)), rtol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_merged_subexpression_lives_as_long_as_views_of_its_copy(backend, rng, mode):
    # b is merged into a (the same exp of x): c, a view of b, reads a's memory, whose buffer
    # must stay alive until c's last reader (a + 1 and d * 2 may not write into it)
    def f(x):
        a = gnp.exp(x)
        b = gnp.exp(x)
        c = b.T
        d = a + 1.0
        e = d * 2.0
        return c + e

    _compare(f, _arrays(rng, (4, 4)), mode, check=False)


@pytest.mark.parametrize("mode", MODES)
def test_result_written_in_place_is_not_merged_with_its_twin(backend, rng, mode):
    # b is written after it is made: it is not a copy of a any more
    def f(x):
        a = gnp.exp(x)
        b = gnp.exp(x)
        b[0] = 1.0
        c = x * 2.0
        d = x * 2.0
        d.T[1] += 1.0
        return a + b, c - d

    _compare(f, _arrays(rng, (4, 4)), mode, check=False)


@pytest.mark.parametrize("mode", MODES)
def test_batched_gradient_that_is_a_view_of_a_fused_result(backend, rng, mode):
    # under vmap the guarded contribution is read through vmap's moves of the batch axis
    # (views of it), and a chunked jacrev writes the rows of the Jacobian from them
    def loss(x, y):
        return gnp.sum(gnp.sin(x.T) * y * 2.0 + 1.0)

    _compare(ad.vmap(ad.grad(loss), (0, None)), _arrays(rng, (3, 4, 2), (4,)), mode)
    jac = ad.jacrev(lambda x: gnp.cumsum(gnp.sin(x.T) * 2.0).reshape(-1), chunk_size=2)
    _compare(jac, _arrays(rng, (3, 2)), mode)
