"""``vmap`` checked against the loop over examples it stands for.

:func:`check` compares, for a function ``f`` of arrays and its ``in_axes``:

- ``vmap(f)(*args)`` with the stack of ``f`` on each example;
- ``vmap`` of the vjp (a per-example cotangent) and of the jvp (per-example tangents) with
  the vjp and jvp of each example;
- ``vmap(grad(<f, u>))`` (per-example gradients) and ``grad(<vmap(f), U>)`` (the gradient of
  the batched program: per-example for batched arguments, summed for shared ones);
- optionally two levels of ``vmap`` (``nested=True``: the arguments get a second batch axis in
  front).

Only floating-point arguments are differentiated; the others (indices) go along as they are.
A primitive that falls back to the per-example loop raises, unless named in ``loops``. The loop
runs on the NumPy backend (the reference; it is also the fast one under the CuPy stand-in).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from gpuad.batching import BatchingWarning


def _take(a, axis, i):
    return a if axis is None else np.take(a, i, axis=axis)


def _size(args, in_axes):
    for a, ax in zip(args, in_axes, strict=True):
        if ax is not None:
            return np.shape(a)[ax]
    raise ValueError("no batched argument")


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def _close(got, want, what, rtol, atol):
    got, want = _as_tuple(got), _as_tuple(want)
    assert len(got) == len(want), what
    for g, w in zip(got, want, strict=True):
        g, w = to_numpy(g), np.asarray(w)
        assert g.shape == w.shape, f"{what}: shape {g.shape} != {w.shape}"
        if w.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w, err_msg=what)
        else:
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=what)


def _backend(a):
    """``a`` on the active backend (host NumPy in, device array out)."""
    if not isinstance(a, np.ndarray):
        return a
    return gnp.asarray(a)


def loop(f, in_axes, args):
    """``f`` on each example, stacked (the reference)."""
    outs = [_as_tuple(f(*[_backend(_take(a, ax, i)) for a, ax in zip(args, in_axes,
                                                                       strict=True)]))
            for i in range(_size(args, in_axes))]
    return tuple(np.stack([to_numpy(o[k]) for o in outs]) for k in range(len(outs[0])))


def reference():
    """Where the loop runs: the NumPy backend."""
    if get_backend().name == "numpy":
        return contextlib.nullcontext()
    return ad.use_backend("numpy")


def _floats(args):
    return [k for k, a in enumerate(args) if np.asarray(a).dtype.kind == "f"]


def _no_loop(loops):
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", BatchingWarning)
    for name in loops:
        warnings.filterwarnings("ignore", f".*'{name}'.*", BatchingWarning)
    return ctx


def _sum_out(out, ws):
    total = 0.0
    for o, w in zip(_as_tuple(out), ws, strict=True):
        total = total + gnp.sum(o * w)
    return total


def check(f, args, in_axes=0, *, rtol=1e-10, atol=1e-12, nested=False, grads=True,
          loops=(), seed=0):
    """Compare ``vmap(f, in_axes)`` and its derivatives with the per-example loop."""
    rng = np.random.default_rng(seed)
    args = [np.asarray(a) for a in args]
    if not isinstance(in_axes, tuple):
        in_axes = (in_axes,) * len(args)
    dev = [_backend(a) for a in args]
    ctx = _no_loop(loops)
    try:
        with reference():
            want = loop(f, in_axes, args)
        _close(ad.vmap(f, in_axes)(*dev), want, "vmap forward", rtol, atol)
        if nested:
            outer = [None if ax is None else np.stack([a, a[::-1] * 0.5 if a.dtype.kind == "f"
                                                       else a[::-1]])
                     for a, ax in zip(args, in_axes, strict=True)]
            outer = [a if o is None else o for a, o in zip(args, outer, strict=True)]
            oax = tuple(None if ax is None else 0 for ax in in_axes)
            iax = tuple(None if ax is None else ax for ax in in_axes)
            got = ad.vmap(ad.vmap(f, iax), oax)(*[_backend(a) for a in outer])
            with reference():
                ref = [loop(f, iax, [_take(a, o, j) for a, o in zip(outer, oax, strict=True)])
                       for j in range(2)]
            _close(got, tuple(np.stack([r[k] for r in ref]) for k in range(len(ref[0]))),
                   "nested vmap forward", rtol, atol)
        if not grads:
            return
        diff = [k for k in _floats(args)]
        if not diff:
            return
        ws = [rng.normal(size=w.shape[1:]) for w in want]

        def scalar(*a):
            return _sum_out(f(*a), [_backend(w) for w in ws])

        # per-example gradients: vmap(grad)
        gfun = ad.grad(scalar, argnums=tuple(diff))
        got = ad.vmap(gfun, in_axes)(*dev)
        with reference():
            ref = loop(gfun, in_axes, args)
        _close(got, ref, "vmap(grad)", rtol, atol)
        # gradient of the batched program: per example for batched arguments, summed for
        # the shared ones
        wb = [rng.normal(size=w.shape) for w in want]

        def total(*a):
            return _sum_out(ad.vmap(f, in_axes)(*a), [_backend(w) for w in wb])

        got = _as_tuple(ad.grad(total, argnums=tuple(diff))(*dev))
        n = _size(args, in_axes)
        per = []
        with reference():
            for i in range(n):
                ai = [_backend(_take(a, x, i)) for a, x in zip(args, in_axes, strict=True)]
                gi = ad.grad(lambda *a, i=i: _sum_out(f(*a), [_backend(w[i]) for w in wb]),
                             argnums=tuple(diff))(*ai)
                per.append([to_numpy(g) for g in gi])
        for j, k in enumerate(diff):
            ax = in_axes[k]
            pj = [p[j] for p in per]
            ref = np.sum(pj, 0) if ax is None else np.moveaxis(np.stack(pj), 0, ax)
            _close(got[j], ref, f"grad of vmap (argument {k})", rtol, atol)
        # vjp with a per-example cotangent, jvp with per-example tangents
        cot = [rng.normal(size=w.shape) for w in want]
        ts = [rng.normal(size=args[k].shape) for k in diff]

        def vjp_one(*a):
            *prim, c = a
            out, back = ad.vjp(lambda *d: f(*_put(prim, diff, d)), *[prim[k] for k in diff])
            c = c if len(want) > 1 else c[0]
            return back(c)

        def jvp_one(*a):
            prim, tans = a[:len(args)], a[len(args):]
            _, t = ad.jvp(lambda *d: f(*_put(prim, diff, d)), tuple(prim[k] for k in diff),
                          tuple(tans))
            return t

        cax = in_axes + (0,)
        got = ad.vmap(vjp_one, cax)(*dev, tuple(_backend(c) for c in cot))
        with reference():
            ref = [[to_numpy(v) for v in vjp_one(*[_backend(_take(a, x, i)) for a, x in
                                                   zip(args, in_axes, strict=True)],
                                                 tuple(_backend(c[i]) for c in cot))]
                   for i in range(n)]
        _close(got, tuple(np.stack([r[j] for r in ref]) for j in range(len(diff))),
               "vmap(vjp)", rtol, atol)
        tax = in_axes + tuple(in_axes[k] for k in diff)
        got = ad.vmap(jvp_one, tax)(*dev, *[_backend(t) for t in ts])
        with reference():
            ref = loop(jvp_one, tax, args + ts)
        _close(got, ref, "vmap(jvp)", rtol, atol)
    finally:
        ctx.__exit__(None, None, None)


def _put(prim, diff, d):
    a = list(prim)
    for k, v in zip(diff, d, strict=True):
        a[k] = v
    return a
