"""The shared op-test harness: each case is checked for values, derivatives of both modes to
second order, untouched inputs and reverse mode through the jvp formulas."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def on_backend(a: np.ndarray, layout: str):
    """``a`` on the active backend, laid out contiguously, strided (x[..., ::2]) or transposed."""
    xp = ad.get_backend().xp
    if layout == "strided" and a.ndim:
        big = np.zeros(a.shape + (2,))
        big[..., 0] = a
        return xp.asarray(big)[..., 0]
    if layout == "transposed" and a.ndim >= 2:
        return xp.asarray(np.ascontiguousarray(a.T)).T
    return xp.asarray(a)


def check_op(fn, args, ref=None, layout="contig", order=2, rtol=1e-9, atol=1e-12):
    """Values equal NumPy's, gradients match finite differences, inputs stay unmodified."""
    args = [np.asarray(a, dtype=np.float64) for a in args]
    xs = [on_backend(a, layout) for a in args]
    expected = ad.tree_flatten(ref(*args) if ref is not None else fn(np, *args))[0]
    got = ad.tree_flatten(fn(gnp, *xs))[0]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(to_numpy(g), e, rtol=rtol, atol=atol)
    check_grads(lambda *a: fn(gnp, *a), xs, order=order, modes=("fwd", "rev"))
    # reverse mode on tracked Tensors: gradient shapes, and the inputs are left as they were
    ts = [ad.tensor(x, requires_grad=True) for x in xs]
    r = np.random.default_rng(1)
    outs = ad.tree_flatten(fn(gnp, *ts))[0]
    loss = sum(gnp.sum(o * gnp.asarray(r.standard_normal(np.shape(e))))
               for o, e in zip(outs, expected, strict=True))
    loss.backward()
    for t, a in zip(ts, args, strict=True):
        np.testing.assert_array_equal(to_numpy(t), a)
        assert t.grad is not None and t.grad.shape == a.shape
    for x, a in zip(xs, args, strict=True):
        np.testing.assert_array_equal(to_numpy(x), a)
    # reverse mode through the jvp formulas, with tangents that depend on the inputs
    ws = [gnp.asarray(r.standard_normal(np.shape(e))) for e in expected]

    def through_jvp(*a):
        t = ad.jvp(lambda *b: fn(gnp, *b), a, [x * x for x in a])[1]
        return sum(gnp.sum(o * w) for o, w in zip(ad.tree_flatten(t)[0], ws, strict=True))

    check_grads(through_jvp, xs, order=1, modes=("rev",))


def _rng(seed=0):
    return np.random.default_rng(seed)
