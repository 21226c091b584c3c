"""The vmap oracle: a vmapped function against the loop over its examples.

:func:`check_vmap` runs ``f`` (of arrays, returning an array or a tuple of arrays) under
``vmap`` and compares with the stack of ``f`` applied to each example: the forward value
(integer results exactly, the others to round-off), ``vmap(grad)`` of a weighted sum of the
outputs, the gradient of such a sum of ``vmap(f)`` (per example for batched arguments, the
examples' gradients summed for shared ones), ``vmap(vjp)`` with a cotangent per example,
``vmap(jvp)`` with a tangent per example and argument (shared arguments too), optionally the
same with every batch axis moved to the last position (``moved``) and two nested levels of
``vmap`` (``nested``: the outer one also batches the differentiated arguments the inner one
shares). Real and complex arguments are differentiated (complex outputs through the real part of
their product with complex weights). The loop runs on the NumPy backend (the reference; it is
also the fast one under the CuPy stand-in). A primitive that falls back to the per-example loop
fails the check, unless the test names it in ``loop_ok``.

:func:`check_jacobians` checks ``jacrev``/``jacfwd``/``hessian`` against loops of vjp and jvp.
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.batching as batching
import gpuad.numpy as gnp


def reference():
    """Where the loop runs: the NumPy backend."""
    if ad.get_backend().name == "numpy":
        return contextlib.nullcontext()
    return ad.use_backend("numpy")


def _dev(a):
    """A host array (or a tuple of them) on the active backend."""
    if isinstance(a, tuple):
        return tuple(_dev(x) for x in a)
    return ad.get_backend().xp.asarray(a)


def _take(a, ax, i):
    if isinstance(a, tuple):
        return tuple(_take(x, ax, i) for x in a)
    return a if ax is None else np.take(a, i, axis=ax)


def _example(args, axes, i):
    return [_take(a, ax, i) for a, ax in zip(args, axes, strict=True)]


def _size(args, axes):
    return next(np.shape(a)[ax] for a, ax in zip(args, axes, strict=True) if ax is not None)


def _random_like(rng, shape, dtype):
    """Random weights, cotangents or tangents for values of ``dtype`` (float64 for integers)."""
    dtype = np.dtype(dtype) if np.dtype(dtype).kind in "fc" else np.dtype(np.float64)
    x = rng.standard_normal(shape)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _leaves(tree):
    return [to_numpy(x) for x in ad.tree_flatten(tree)[0]]


def _stack(parts):
    """Per-example results, stacked leaf by leaf."""
    leaves = [_leaves(p) for p in parts]
    return [np.stack([p[k] for p in leaves]) for k in range(len(leaves[0]))]


def _close(got, want, rtol, atol, what):
    g, w = _leaves(got), _leaves(want)
    assert len(g) == len(w), f"{what}: {len(g)} results != {len(w)}"
    for k, (a, b) in enumerate(zip(g, w, strict=True)):
        assert a.shape == b.shape, f"{what} [{k}]: shape {a.shape} != {b.shape}"
        if b.dtype.kind in "biu":
            np.testing.assert_array_equal(a, b, err_msg=f"{what} [{k}]")
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{what} [{k}]")


def _weighted_sum(out, ws):
    """``sum(real(out * w))`` over the output's leaves (``ws`` host arrays)."""
    total = 0.0
    for o, w in zip(ad.tree_flatten(out)[0], ws, strict=True):
        total = total + gnp.sum(gnp.real(o * _dev(w)))
    return total


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


def _other(rng, a):
    """A second example batch for the outer level of nested vmap."""
    if a.dtype.kind in "fc":
        return a + 0.1 * _random_like(rng, a.shape, a.dtype)
    return a[::-1] if a.ndim else a  # indices stay valid


class _Run:
    """The checks of one layout of the arguments. ``known``: the reference results of a run
    on the same examples with the same seed (so the same weights), which this run reuses."""

    def __init__(self, f, args, axes, diff, rtol, atol, seed, known=None):
        self.f, self.args, self.axes, self.diff = f, args, axes, diff
        self.rtol, self.atol = rtol, atol
        self.rng = np.random.default_rng(seed)
        self.size = _size(args, axes)
        self.known = {} if known is None else known
        outs = self.loop("forward", f, args, axes, stack=False)
        self.tuple_out = isinstance(outs[0], tuple)
        self.want = _stack(outs)
        self.w = [_random_like(self.rng, o.shape[1:], o.dtype) for o in self.want]

    def loop(self, what, g, args, axes, stack=True):
        """``g`` on each example of ``args``, on the reference backend (stacked)."""
        if what not in self.known:
            with reference():
                self.known[what] = [g(*[_dev(x) for x in _example(args, axes, i)])
                                    for i in range(_size(args, axes))]
        return _stack(self.known[what]) if stack else self.known[what]

    def full(self, all_args, dargs):
        a = list(all_args)
        for k, d in zip(self.diff, dargs, strict=True):
            a[k] = d
        return a

    def of_diff(self, all_args):
        """``f`` as a function of the differentiated arguments (the others fixed)."""
        return lambda *d: self.f(*self.full(all_args, d))

    def close(self, got, want, what):
        _close(got, want, self.rtol, self.atol, what)

    def check(self, with_jvp=True):
        f, args, axes, diff, b = self.f, self.args, self.axes, self.diff, self.size
        dev = [_dev(a) for a in args]
        self.close(ad.vmap(f, axes)(*dev), self.want, "forward")
        if not diff:
            return
        nums = tuple(diff)
        # vmap(grad): per-example gradients
        grad = ad.grad(lambda *a: _weighted_sum(f(*a), self.w), argnums=nums)
        self.close(ad.vmap(grad, axes)(*dev), self.loop("vmap(grad)", grad, args, axes),
                   "vmap(grad)")
        # grad of a weighted sum of vmap(f): shared arguments get the examples' gradients summed
        wb = [_random_like(self.rng, o.shape, o.dtype) for o in self.want]

        def batched(*d):
            return _weighted_sum(ad.vmap(f, axes)(*self.full(dev, d)), wb)

        got = ad.grad(batched, argnums=tuple(range(len(diff))))(*[dev[k] for k in diff])

        def one(*a):  # an example's gradient, with its weights
            *a, ws = a
            return ad.grad(lambda *a: _weighted_sum(f(*a), ws), argnums=nums)(*a)

        per = [_leaves(g) for g in self.loop("grad of a sum", one, args + [tuple(wb)],
                                             axes + (0,), stack=False)]
        want = [np.sum([p[j] for p in per], 0) if axes[k] is None
                else np.stack([p[j] for p in per], axes[k]) for j, k in enumerate(diff)]
        self.close(got, want, "grad of a sum of vmap")
        # vmap(vjp): a cotangent per example
        cts = tuple(_random_like(self.rng, o.shape, o.dtype) for o in self.want)

        def vjp_of(*a):
            *a, ct = a
            back = ad.vjp(self.of_diff(a), *[a[k] for k in diff])[1]
            return back(ct if self.tuple_out else ct[0])

        self.close(ad.vmap(vjp_of, axes + (0,))(*dev, _dev(cts)),
                   self.loop("vmap(vjp)", vjp_of, args + [cts], axes + (0,)), "vmap(vjp)")
        if not with_jvp:
            return
        # vmap(jvp): a tangent per example and argument
        tans = [_random_like(self.rng, (b,) + _example(args, axes, 0)[k].shape, args[k].dtype)
                for k in diff]

        def jvp_of(*a):
            a, t = a[:len(args)], a[len(args):]
            return ad.jvp(self.of_diff(a), [a[k] for k in diff], list(t))

        t_axes = axes + (0,) * len(diff)
        self.close(ad.vmap(jvp_of, t_axes)(*dev, *[_dev(t) for t in tans]),
                   self.loop("vmap(jvp)", jvp_of, args + tans, t_axes), "vmap(jvp)")

    def nested(self):
        """Two levels: the outer one batches the differentiated arguments too."""
        f, args, axes, diff = self.f, self.args, self.axes, self.diff
        outer = tuple(0 if (ax is not None or k in diff) else None
                      for k, ax in enumerate(axes))
        args2 = [a if o is None else np.stack([a, _other(self.rng, a)])
                 for a, o in zip(args, outer, strict=True)]
        dev2 = [_dev(a) for a in args2]
        want = [self.loop(("nested", j), f, _example(args2, outer, j), axes) for j in range(2)]
        self.close([ad.vmap(f, axes)(*[_dev(x) for x in _example(args2, outer, j)])
                    for j in range(2)], want, "vmap inside a loop")
        self.close(ad.vmap(ad.vmap(f, axes), outer)(*dev2), _stack(want), "nested forward")
        if not diff:
            return
        grad = ad.grad(lambda *a: _weighted_sum(f(*a), self.w), argnums=tuple(diff))
        want = _stack([self.loop(("nested grad", j), grad, _example(args2, outer, j), axes)
                       for j in range(2)])
        self.close(ad.vmap(ad.vmap(grad, axes), outer)(*dev2), want, "nested vmap(grad)")


def check_vmap(f, args, in_axes=0, *, diff=None, nested=False, moved=True, with_jvp=True,
               loop_ok=(), rtol=1e-10, atol=1e-12, seed=0):
    """``vmap(f, in_axes)`` against the loop over examples (see the module docstring).

    ``args`` are host arrays (batched ones with their batch axis where ``in_axes`` says);
    ``diff`` the indices of the arguments to differentiate (default: every floating one; ``()``
    checks values only); ``loop_ok`` the primitives allowed to run once per example.

        check_vmap(lambda x, w: gnp.sin(x) @ w, [np.ones((4, 3)), np.ones(3)], (0, None))
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
                # the same examples and weights: the loop's results are the first run's
                _Run(f, m_args, m_axes, list(diff), rtol, atol, seed, run.known).check(False)
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
