"""The shared op-test harness: each case is checked for values, derivatives of both modes to
second order, untouched inputs and reverse mode through the jvp formulas."""

from __future__ import annotations

import os

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
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


def check_op(fn, args, ref=None, layout="contig", order=2, rtol=1e-9, atol=1e-12,
             jit_refuses: str | None = None):
    """Values equal NumPy's, gradients match finite differences, inputs stay unmodified.
    ``jit_refuses``: why gpuad.jit cannot compile the op; under ``--jit`` it must then refuse
    with a TracerError saying the result's shape depends on the values."""
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
    if jit_enabled():
        if jit_refuses:
            check_jit_refuses(lambda *a: fn(gnp, *a), xs)
        else:
            check_jit(fn, xs, ws)


def _perturbed(x, seed: int):
    """``x`` (a backend array) with every entry moved by a small relative amount, in the same
    layout (a new signature would trace again instead of replaying)."""
    r = np.random.default_rng(seed)
    host = to_numpy(x)
    new = on_backend(host * (1 + 2.0 ** -6 * r.uniform(-1, 1, host.shape)), "contig")
    if not (hasattr(x, "flags") and x.flags.c_contiguous) and x.ndim:
        out = ad.get_backend().xp.empty_like(x)  # same strides where empty_like keeps them
        out[...] = new
        return out
    return new


def _shuffled(x, seed: int):
    """``x`` with its entries in another order, in the same layout: values of the op's domain
    on other sides of its kinks and masks (comparisons between arguments, say) than ``x``."""
    r = np.random.default_rng(seed)
    host = to_numpy(x)
    new = on_backend(r.permutation(host.reshape(-1)).reshape(host.shape), "contig")
    if not (hasattr(x, "flags") and x.flags.c_contiguous) and x.ndim:
        out = ad.get_backend().xp.empty_like(x)
        out[...] = new
        return out
    return new


def _same(a, b, what: str) -> None:
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (what, a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True, err_msg=what)


def jit_enabled() -> bool:
    """Whether the op tests also check gpuad.jit (``pytest --jit`` or GPUAD_TEST_JIT=1)."""
    return os.environ.get("GPUAD_TEST_JIT") == "1"


def output_weights(outs, seed: int = 1) -> list:
    """One random weight array per output leaf (None for outputs without a derivative:
    integer and boolean results), on the active backend, for a scalar loss of the outputs."""
    r = np.random.default_rng(seed)
    ws = []
    for o in ad.tree_flatten(outs)[0]:
        o = to_numpy(o)
        if o.dtype.kind == "c":
            ws.append(gnp.asarray(r.standard_normal(o.shape) + 1j * r.standard_normal(o.shape)))
        elif o.dtype.kind == "f":
            ws.append(gnp.asarray(r.standard_normal(o.shape)))
        else:
            ws.append(None)
    return ws


def _weighted(o, w):
    if w is None:
        return 0.0
    if np.dtype(w.dtype).kind == "c":  # Re <w, o>: the real inner product check_grads uses
        return gnp.sum(gnp.real(gnp.conj(w) * o))
    return gnp.sum(o * w)


VALUE_SHAPED = "the result's shape depends on the values"


def check_jit_refuses(f, xs) -> None:
    """gpuad.jit refuses ``f`` when tracing, with an error saying why, and never returns a
    result (for ops whose intermediate shapes depend on the values)."""
    import pytest

    with pytest.raises(TracerError, match=VALUE_SHAPED):
        ad.jit(f)(*xs)


def check_jit(fn, xs, ws):
    """gpuad.jit of the op and of its value and gradient equals eager evaluation, on the
    traced arguments (the first call) and on new values of the same signature (replays): the
    arguments moved a little, twice, and their entries shuffled (where the op takes them).
    ``fn(module, *xs)`` is the op written against ``numpy``/``gpuad.numpy``."""
    news = [[_perturbed(x, 7) for x in xs], [_perturbed(x, 8) for x in xs]]
    check_jit_fn(lambda *a: fn(gnp, *a), xs, ws, news=news,
                 optional=[[_shuffled(x, 9) for x in xs]])


def check_jit_fn(f, xs, ws=None, news=None, optional=()):
    """:func:`check_jit` for a function of backend arrays ``f(*xs)``; ``ws`` weighs its
    output leaves in the loss whose value_and_grad is compiled (None: drawn here). ``news``:
    the argument lists of the replays, each of ``xs``'s shapes and dtypes (default: ``xs``
    moved by a small relative amount, twice); ``optional``: more of them, skipped where the
    eager function raises on them (outside its domain)."""
    if news is None:
        news = [[_perturbed(x, 7) for x in xs], [_perturbed(x, 8) for x in xs]]
    if ws is None:
        ws = output_weights(f(*xs))

    def value(*a):
        return f(*a)

    def loss(*a):
        return sum(_weighted(o, w) for o, w in zip(ad.tree_flatten(f(*a))[0], ws, strict=True))

    nums = tuple(range(len(xs)))
    vg = ad.value_and_grad(loss, argnums=nums)
    jv, jg = ad.jit(value), ad.jit(vg)
    refused = []
    sets = [xs, *news, *optional]
    for k, args in enumerate(sets):
        for name, j, e in (("value", jv, value), ("value_and_grad", jg, vg)):
            if name in refused:
                continue
            if k >= len(sets) - len(optional):
                try:
                    with np.errstate(all="ignore"):
                        want = ad.tree_flatten(e(*args))[0]
                except Exception:  # noqa: BLE001  (outside the domain: a matrix not SPD...)
                    continue
            else:
                want = ad.tree_flatten(e(*args))[0]
            try:
                got = ad.tree_flatten(j(*args))[0]
            except TracerError as err:
                # refusing to compile (a branch on values inside the op) is allowed, only
                # when tracing, and must say where; a different value never is
                assert k == 0 and "traced value" in str(err), err
                refused.append(name)
                continue
            assert len(got) == len(want)
            for g, w in zip(got, want, strict=True):
                _same(g, w, f"jit {name}, call {k}")
    for name, j in (("value", jv), ("value_and_grad", jg)):
        assert name in refused or j.cache_info()["misses"] == 1, name
    assert "value" not in refused, "the forward of an op must compile"


def _rng(seed=0):
    return np.random.default_rng(seed)
