"""The vmap oracle: a vmapped function against the loop over its examples.

:func:`check_vmap` runs ``f`` under ``vmap`` and compares, to round-off, with the stack of ``f``
applied to each example: the forward value, ``vmap(vjp)``, ``vmap(jvp)``, ``vmap(grad)``, the
gradient of a loss of ``vmap(f)`` (the examples' gradients summed where an argument is shared),
the same with every batch axis moved to the last position, and two nested levels of ``vmap``
(the outer one also batching the arguments the inner one shares). It fails when a primitive
falls back to the per-example loop, unless the test names it in ``loop_ok``.
"""

from __future__ import annotations

import warnings

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.batching as batching
import gpuad.numpy as gnp


def _dev(a):
    return ad.get_backend().xp.asarray(a)


def _take(a, axis, i):
    return a[(slice(None),) * axis + (i,)]


def _example(args, axes, i):
    return [a if ax is None else _take(a, ax, i) for a, ax in zip(args, axes, strict=True)]


def _random_like(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _close(got, want, rtol, atol, what):
    g, w = ad.tree_flatten(got)[0], ad.tree_flatten(want)[0]
    assert len(g) == len(w), what
    for k, (a, b) in enumerate(zip(g, w, strict=True)):
        a, b = to_numpy(a), to_numpy(b)
        assert a.shape == b.shape, f"{what} [{k}]: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} [{k}]")


def _stack(parts):
    leaves = [ad.tree_flatten(p)[0] for p in parts]
    return [np.stack([to_numpy(p[k]) for p in leaves]) for k in range(len(leaves[0]))]


def _moved(args, axes):
    """The arguments with every batch axis moved to the last position."""
    out, new = [], []
    for a, ax in zip(args, axes, strict=True):
        if ax is None or np.ndim(a) < 2:
            out.append(a)
            new.append(ax)
        else:
            out.append(np.moveaxis(a, ax, -1))
            new.append(np.ndim(a) - 1)
    return out, tuple(new)


class _Run:
    def __init__(self, f, args, axes, diff, rtol, atol, seed):
        self.f, self.args, self.axes, self.diff = f, args, axes, diff
        self.rtol, self.atol = rtol, atol
        self.rng = np.random.default_rng(seed)
        self.size = next(np.shape(a)[ax] for a, ax in zip(args, axes, strict=True)
                         if ax is not None)
        ex = _example(args, axes, 0)
        out = self.f(*[_dev(a) for a in ex])
        self.out_shape, self.out_dtype = tuple(np.shape(out)), to_numpy(out).dtype
        self.w = _dev(_random_like(self.rng, self.out_shape, self.out_dtype))

    def full(self, all_args, dargs):
        a = list(all_args)
        for k, d in zip(self.diff, dargs, strict=True):
            a[k] = d
        return a

    def of_diff(self, all_args):
        """``f`` as a function of the differentiated arguments (the others fixed)."""
        return lambda *d: self.f(*self.full(all_args, d))

    def loss(self, w):
        return lambda *a: gnp.sum(gnp.real(self.f(*a) * w))

    def close(self, got, want, what):
        _close(got, want, self.rtol, self.atol, what)

    def check(self, with_jvp=True):
        f, args, axes, diff, b = self.f, self.args, self.axes, self.diff, self.size
        dev = [_dev(a) for a in args]
        exs = [[_dev(a) for a in _example(args, axes, i)] for i in range(b)]
        # forward
        self.close(ad.vmap(f, axes)(*dev), _stack([f(*e) for e in exs]), "forward")
        if not diff:
            return
        # vmap(vjp): a cotangent per example
        cts = _random_like(self.rng, (b,) + self.out_shape, self.out_dtype)

        def vjp_of(*a):
            *a, ct = a
            return ad.vjp(self.of_diff(a), *[a[k] for k in diff])[1](ct)

        got = ad.vmap(vjp_of, axes + (0,))(*dev, _dev(cts))
        want = _stack([ad.vjp(self.of_diff(e), *[e[k] for k in diff])[1](_dev(c))
                       for e, c in zip(exs, cts, strict=True)])
        self.close(got, want, "vmap(vjp)")
        # vmap(jvp): a tangent per example and argument
        if with_jvp:
            tans = [_random_like(self.rng, (b,) + np.shape(exs[0][k]), to_numpy(exs[0][k]).dtype)
                    for k in diff]

            def jvp_of(*a):
                a, t = a[:len(args)], a[len(args):]
                return ad.jvp(self.of_diff(a), [a[k] for k in diff], list(t))

            got = ad.vmap(jvp_of, axes + (0,) * len(diff))(*dev, *[_dev(t) for t in tans])
            want = _stack([ad.jvp(self.of_diff(e), [e[k] for k in diff],
                                  [_dev(t[i]) for t in tans]) for i, e in enumerate(exs)])
            self.close(got, want, "vmap(jvp)")
        # vmap(grad)
        grad = ad.grad(self.loss(self.w), argnums=tuple(diff))
        self.close(ad.vmap(grad, axes)(*dev), _stack([grad(*e) for e in exs]), "vmap(grad)")
        # grad of a loss of vmap(f): shared arguments get the examples' gradients summed
        wb = _dev(_random_like(self.rng, (b,) + self.out_shape, self.out_dtype))

        def batched_loss(*d):
            return gnp.sum(gnp.real(ad.vmap(f, axes)(*self.full(dev, d)) * wb))

        def looped_loss(*d):
            a = self.full(dev, d)
            return sum(gnp.sum(gnp.real(f(*_example(a, axes, i)) * wb[i])) for i in range(b))

        nums = tuple(range(len(diff)))
        dargs = [dev[k] for k in diff]
        self.close(ad.grad(batched_loss, argnums=nums)(*dargs),
                   ad.grad(looped_loss, argnums=nums)(*dargs), "grad of sum(vmap)")

    def nested(self):
        """Two levels: the outer one batches the differentiated arguments too."""
        f, args, axes, diff = self.f, self.args, self.axes, self.diff
        outer = tuple(0 if (ax is not None or k in diff) else None
                      for k, ax in enumerate(axes))
        args2 = [a if o is None else np.stack([a, a + 0.1 * _random_like(self.rng, np.shape(a),
                                                                       np.asarray(a).dtype)])
                 for a, o in zip(args, outer, strict=True)]
        inner = tuple(ax for ax in axes)
        dev2 = [_dev(a) for a in args2]
        want = [ad.vmap(f, inner)(*[_dev(a) for a in _example(args2, outer, j)])
                for j in range(2)]
        want_loop = [_stack([f(*[_dev(x) for x in _example(_example(args2, outer, j), inner, i)])
                             for i in range(self.size)]) for j in range(2)]
        self.close(want, want_loop, "vmap inside a loop")
        self.close(ad.vmap(ad.vmap(f, inner), outer)(*dev2), _stack(want), "nested forward")
        if not diff:
            return
        grad = ad.grad(self.loss(self.w), argnums=tuple(diff))
        want = [_stack([grad(*[_dev(x) for x in _example(_example(args2, outer, j), inner, i)])
                        for i in range(self.size)]) for j in range(2)]
        got = ad.vmap(ad.vmap(grad, inner), outer)(*dev2)
        self.close(got, [np.stack([w[k] for w in want]) for k in range(len(diff))],
                   "nested vmap(grad)")


def check_vmap(f, args, in_axes, *, diff=None, nested=True, moved=True, with_jvp=True,
               loop_ok=(), rtol=1e-8, atol=1e-10, seed=0):
    """``vmap(f, in_axes)`` against the loop over examples (see the module docstring).

    ``args`` are host arrays (batched ones with their batch axis where ``in_axes`` says);
    ``diff`` the indices of the arguments to differentiate (default: every floating one);
    ``loop_ok`` the primitives allowed to run once per example.
    """
    args = [np.asarray(a) for a in args]
    axes = tuple(in_axes) if isinstance(in_axes, tuple | list) else (in_axes,) * len(args)
    axes = tuple(None if ax is None else ax % a.ndim for a, ax in zip(args, axes, strict=True))
    if diff is None:
        diff = [k for k, a in enumerate(args) if a.dtype.kind in "fc"]
    batching._warned.clear()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", batching.BatchingWarning)
        run = _Run(f, args, axes, list(diff), rtol, atol, seed)
        run.check(with_jvp)
        if moved:
            m_args, m_axes = _moved(args, axes)
            if m_axes != axes:
                _Run(f, m_args, m_axes, list(diff), rtol, atol, seed + 1).check(False)
        if nested:
            run.nested()
    loops = {str(w.message).split("'")[1] for w in seen
             if issubclass(w.category, batching.BatchingWarning)}
    assert loops <= set(loop_ok), f"primitives fell back to the per-example loop: {loops}"


def check_jacobians(f, x, *, hessian=True, rtol=1e-8, atol=1e-10):
    """``jacrev``/``jacfwd`` (and ``hessian`` of ``sum(real(f))``) against loops of vjp/jvp
    over unit vectors, on the active backend."""
    x = np.asarray(x)
    xd = _dev(x)
    out = to_numpy(f(xd))
    n, m = x.size, out.size
    rows = []
    for k in range(m):
        e = np.zeros(m, out.dtype)
        e[k] = 1
        rows.append(to_numpy(ad.vjp(f, xd)[1](_dev(e.reshape(out.shape)))[0]).ravel())
    want = np.stack(rows).reshape(out.shape + x.shape)
    if out.dtype.kind != "c":
        _close(ad.jacrev(f)(xd), want, rtol, atol, "jacrev")
        cols = []
        for k in range(n):
            e = np.zeros(n, x.dtype)
            e[k] = 1
            cols.append(to_numpy(ad.jvp(f, (xd,), (_dev(e.reshape(x.shape)),))[1]).reshape(-1))
        fwd = np.stack(cols, -1).reshape(out.shape + x.shape)
        _close(fwd, want, rtol, atol, "loop of jvp")
        _close(ad.jacfwd(f)(xd), want, rtol, atol, "jacfwd")
    if hessian:
        def s(z):
            return gnp.sum(gnp.real(f(z)))

        g = ad.grad(s)
        cols = []
        for k in range(n):
            e = np.zeros(n, x.dtype)
            e[k] = 1
            cols.append(to_numpy(ad.jvp(g, (xd,), (_dev(e.reshape(x.shape)),))[1]).reshape(-1))
        want_h = np.stack(cols, -1).reshape(x.shape + x.shape)
        _close(ad.hessian(s)(xd), want_h, rtol, atol, "hessian")
