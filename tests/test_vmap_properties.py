"""vmap over the whole op table: ``vmap(f)(X)`` equals stacking ``f(x)`` for each example.

The functions and their float64 arguments come from ``tests/diff_specs`` (one Spec per public
function). For each, with a seed of its own, the test draws a batch size and per argument a
batch axis (first, last, or None: shared by every example), and checks, to float64 round-off,

- forward: ``vmap(f, in_axes)(*X)`` against ``stack([f(*x) for x in X])``;
- vjp: ``vmap(vjp_fn)`` over cotangents (one primal) and ``vmap`` of ``vjp`` over primals and
  cotangents together, against the per-example calls;
- jvp: ``vmap`` of ``jvp`` over primals and tangents;
- for a sample, two nested levels ``vmap(vmap(f))`` (forward and vjp).

A function that cannot be batched must raise a clear error (a TypeError or ValueError naming
vmap), and only if it is in ``CANNOT_BATCH`` (or, for an error from a derivative only, in
``DERIVATIVE_RAISES``) with the reason; a wrong value always fails.

CI runs a fixed-seed sample of the table; ``GPUAD_VMAP_ALL=1`` runs every spec, and then also
fails on an allow-listed function that batches after all (so the lists stay exact).
"""

from __future__ import annotations

import os
import random
import warnings
import zlib

import numpy as np
import pytest
from diff_specs import collect
from diff_specs.scipy import cupy_lacks
from test_differentiable_all import JIT_READS as _DIFF_READS

import gpuad as ad
from gpuad.batching import BatchingWarning

SPECS, _ = collect()
CUPY_LACKS = {"gpuad.scipy.linalg.sqrtm"}  # no forward on CuPy (test_differentiable_all)
RUN_ALL = os.environ.get("GPUAD_VMAP_ALL") == "1"
SAMPLE = 100  # specs per backend in CI (each a few checks); GPUAD_VMAP_ALL=1 runs all of them
NESTED_EVERY = 5  # one spec in this many also runs nested (two-level) vmap

_COMPOSITE = ("computes on raw arrays or Python values, so a value that differs from example to "
              "example has no single array for it")
_SAMPLER = "a random sampler: inside vmap it raises unless vmap(randomness='same')"
_INPLACE = "an in-place write into a batched value"
_FORMULA = ("its derivative formula reads raw arrays: the forward batches, a vjp or jvp with "
            "batched inputs raises")
# Keyed by the test id of the spec (``name#k``: the k-th spec of that function). With
# GPUAD_VMAP_ALL=1 an entry that batches after all fails, so that the lists stay exact.
#: specs whose forward raises (a clear TypeError/ValueError naming vmap) instead of batching
CANNOT_BATCH = {
    "gpuad.numpy.random.permutation": _SAMPLER,
    "gpuad.numpy.random.choice": _SAMPLER,
    "gpuad.numpy.random.normal": _SAMPLER,
    "gpuad.numpy.random.uniform": _SAMPLER,
    "gpuad.nn.functional.dropout": _SAMPLER,
    **{"gpuad.nn.functional." + k: _SAMPLER
       for k in ("dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                 "rrelu_")},
    "gpuad.numpy.piecewise": _COMPOSITE,
    **{"gpuad.numpy." + k: "reads the values that decide the result's shape (which entries "
                           "are kept), different from example to example"
       for k in ("roots", "polydiv", "intersect1d", "union1d", "setdiff1d", "setxor1d",
                 "trim_zeros", "unique", "unique_values", "unique_counts", "unique_inverse",
                 "unique_all")},
    "gpuad.numpy.random.normal#2": _SAMPLER,
    "gpuad.numpy.random.uniform#2": _SAMPLER,
    "gpuad.numpy.random.laplace": _SAMPLER,
    "gpuad.numpy.random.logistic": _SAMPLER,
    "gpuad.numpy.random.gumbel": _SAMPLER,
    "gpuad.numpy.random.lognormal": _SAMPLER,
    "gpuad.numpy.random.exponential": _SAMPLER,
    "gpuad.numpy.random.rayleigh": _SAMPLER,
    "gpuad.numpy.random.gamma": _SAMPLER,
    "gpuad.nn.functional.gumbel_softmax": _SAMPLER,
    "gpuad.linalg.svd_lowrank": _SAMPLER,
    "gpuad.linalg.pca_lowrank": _SAMPLER,
}
_HOST_SIZE = ("reads the value that sets the kernel's length or the output's size on the host: "
              "one per call, not one per example")
CANNOT_BATCH.update({"gpuad.scipy.ndimage." + k: _HOST_SIZE for k in (
    "gaussian_filter", "gaussian_filter1d", "gaussian_laplace", "gaussian_gradient_magnitude",
    "rotate#2")})
CANNOT_BATCH.update({
    name: "trims trailing zero coefficients: the series' length depends on each example's "
          "values (tests/test_differentiable_all.py: JIT_READS)"
    for name in _DIFF_READS if name.startswith("gpuad.numpy.polynomial.")})
#: specs whose forward batches but whose derivative inside vmap raises (clearly)
DERIVATIVE_RAISES = {
}


def _params(every: bool = False):
    count: dict[str, int] = {}
    params = []
    for spec in SPECS:
        k = count[spec.name] = count.get(spec.name, 0) + 1
        sid = spec.name if k == 1 else f"{spec.name}#{k}"
        params.append(pytest.param(sid, spec, id=sid))
    if RUN_ALL or every:
        return params
    return random.Random(12).sample(params, min(SAMPLE, len(params)))


# ---- helpers ---------------------------------------------------------------------------------

def host(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if hasattr(a, "get"):
        return a.get()
    return np.asarray(a)


def leaves(tree):
    return [host(x) for x in ad.tree_flatten(tree)[0]]


def assert_same(batched, per_example, axis: int = 0, what: str = ""):
    """The leaves of ``batched`` equal those of the examples stacked along ``axis``."""
    got = leaves(batched)
    want = [np.stack(ls, axis) for ls in zip(*[leaves(p) for p in per_example], strict=True)]
    assert len(got) == len(want), f"{what}: {len(got)} outputs, the loop gives {len(want)}"
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape, f"{what}: shape {g.shape}, the loop gives {w.shape}"
        if w.dtype.kind in "fc":
            scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11 * scale, err_msg=what)
        else:
            np.testing.assert_array_equal(g, w, err_msg=what)


def _dev(a):
    return ad.get_backend().xp.asarray(a)


def _stack(examples, axes):
    """Batched arguments: argument k of every example stacked along ``axes[k]``; an argument
    with axis None is the first example's (shared)."""
    out = []
    for k, ax in enumerate(axes):
        if ax is None:
            out.append(_dev(examples[0][k]))
        else:
            out.append(_dev(np.stack([np.asarray(e[k]) for e in examples], ax)))
    return out


def _example(examples, axes, i):
    return tuple(_dev(e[k] if ax is not None else examples[0][k])
                 for k, (ax, e) in enumerate(zip(axes, [examples[i]] * len(axes), strict=True)))


def _draw(spec, rng):
    """A batch size, one example's arguments per example, and a batch axis per argument."""
    size = int(rng.integers(1, 4))
    examples = [tuple(np.asarray(a, dtype=np.float64) for a in spec.args(rng))
                for _ in range(size)]
    nargs = len(examples[0])
    axes = []
    for k in range(nargs):
        choice = rng.integers(0, 3) if nargs > 1 else rng.integers(0, 2)
        axes.append(0 if choice == 0 else np.ndim(examples[0][k]) if choice == 1 else None)
    if all(a is None for a in axes):
        axes[0] = 0
    return examples, axes


def _floating(tree) -> bool:
    return all(np.asarray(x).dtype.kind == "f" for x in leaves(tree))


def _like(tree, rng):
    """Random float arrays with the structure and shapes of ``tree``."""
    flat, tdef = ad.tree_flatten(tree)
    return ad.tree_unflatten(tdef, [_dev(rng.standard_normal(np.shape(host(x)))) for x in flat])


def _stack_trees(trees):
    flat = [ad.tree_flatten(t) for t in trees]
    tdef = flat[0][1]
    return ad.tree_unflatten(tdef, [_dev(np.stack([host(f[0][k]) for f in flat]))
                                    for k in range(len(flat[0][0]))])


class _Allowed(Exception):
    pass


def _run(sid, what, fn):
    """``fn()``; an error is accepted only from CANNOT_BATCH, and only a clear one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BatchingWarning)
            return fn()
    except (TypeError, ValueError) as e:
        reason = CANNOT_BATCH.get(sid)
        if reason is None and what not in ("forward", "nested vmap"):
            reason = DERIVATIVE_RAISES.get(sid)
        if reason is None:
            raise AssertionError(f"{sid} ({what}) raised inside vmap but is not in "
                                 f"CANNOT_BATCH (nor, for a derivative, in DERIVATIVE_RAISES): "
                                 f"{type(e).__name__}: {e}") from e
        assert "vmap" in str(e), f"{sid} ({what}): the error does not name vmap: {e}"
        raise _Allowed(reason) from e


# ---- the property ----------------------------------------------------------------------------

@pytest.mark.parametrize(("sid", "spec"), _params())
def test_vmap_matches_the_per_example_loop(backend, sid, spec):
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()) + 7)
    examples, axes = _draw(spec, rng)
    size = len(examples)
    X = _stack(examples, axes)
    per = [_example(examples, axes, i) for i in range(size)]
    f = spec.fn
    if backend == "cupy" and spec.name in CUPY_LACKS:
        with pytest.raises(NotImplementedError):
            f(*per[0])
        return
    missing = cupy_lacks(spec.name) if backend == "cupy" else None
    if missing:  # a special function this CuPy's cupyx.scipy.special lacks: batched or not
        for call in (lambda: f(*per[0]), lambda: ad.vmap(f, in_axes=tuple(axes))(*X)):
            with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special"):
                call()
        return
    try:
        _check(sid, spec, f, X, axes, per, size, rng)
        if zlib.crc32(spec.name.encode()) % NESTED_EVERY == 0 or RUN_ALL:
            _check_nested(sid, spec, rng)
    except _Allowed:
        return
    listed = sid in CANNOT_BATCH or sid in DERIVATIVE_RAISES
    assert not (RUN_ALL and listed), (
        f"{sid} batches now (forward, vjp, jvp, nested): drop it from the allow-list")


def _check(sid, spec, f, X, axes, per, size, rng):
    out = _run(sid, "forward", lambda: ad.vmap(f, in_axes=tuple(axes))(*X))
    refs = [f(*x) for x in per]
    assert_same(out, refs, what=f"{spec.name} forward, in_axes={axes}")
    if not (_floating(refs[0]) and "rev" in spec.modes):
        return
    # vjp_fn of one primal, vmapped over cotangents
    y0, back = ad.vjp(f, *per[0])
    cts = [_like(y0, rng) for _ in range(size)]
    got = _run(sid, "vmap(vjp_fn)", lambda: ad.vmap(back)(_stack_trees(cts)))
    assert_same(got, [back(c) for c in cts], what=f"{spec.name} vmap over cotangents")

    # vjp inside vmap: primals and cotangents batched together
    def pullback(*a):
        *p, c = a
        return ad.vjp(f, *p)[1](c)

    cts = [_like(refs[i], rng) for i in range(size)]
    got = _run(sid, "vmap(vjp)", lambda: ad.vmap(pullback, tuple(axes) + (0,))(
        *X, _stack_trees(cts)))
    assert_same(got, [pullback(*per[i], cts[i]) for i in range(size)],
                what=f"{spec.name} vmap(vjp), in_axes={axes}")
    if "fwd" not in spec.modes:
        return

    def push(*a):
        n = len(a) // 2
        return ad.jvp(f, a[:n], a[n:])[1]

    tans = [tuple(_dev(rng.standard_normal(np.shape(p))) for p in per[0]) for _ in range(size)]
    T = [_dev(np.stack([host(t[k]) for t in tans])) for k in range(len(per[0]))]
    got = _run(sid, "vmap(jvp)", lambda: ad.vmap(push, tuple(axes) + (0,) * len(T))(*X, *T))
    assert_same(got, [push(*per[i], *tans[i]) for i in range(size)],
                what=f"{spec.name} vmap(jvp), in_axes={axes}")


def _check_nested(sid, spec, rng):
    """Two levels: example (i, j) is argument k of examples[i][j]; outer axis 0, inner last."""
    n1, n2 = 2, 2
    ex = [[tuple(np.asarray(a, dtype=np.float64) for a in spec.args(rng)) for _ in range(n2)]
          for _ in range(n1)]
    nargs = len(ex[0][0])
    # inner batch axis last in each outer example; outer batch axis 0
    X = [_dev(np.stack([np.stack([ex[i][j][k] for j in range(n2)], -1) for i in range(n1)]))
         for k in range(nargs)]
    inner = ad.vmap(spec.fn, in_axes=-1)
    out = _run(sid, "nested vmap", lambda: ad.vmap(inner)(*X))
    refs = [[spec.fn(*[_dev(a) for a in ex[i][j]]) for j in range(n2)] for i in range(n1)]
    got = leaves(out)
    want = [np.stack([np.stack([leaves(refs[i][j])[m] for j in range(n2)]) for i in range(n1)])
            for m in range(len(got))]
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11 * max(1.0, np.abs(w).max()),
                                   err_msg=f"{spec.name} nested vmap")
    if not (_floating(refs[0][0]) and "rev" in spec.modes):
        return
    # per-example gradients of a scalar of each output, two levels deep

    def loss(*a):
        return sum(ad.numpy.sum(ad.numpy.sin(o)) for o in ad.tree_flatten(spec.fn(*a))[0])

    g = ad.grad(loss, argnums=tuple(range(nargs)))
    got = _run(sid, "nested vmap(grad)", lambda: ad.vmap(ad.vmap(g, in_axes=-1))(*X))
    for k in range(nargs):
        w = np.stack([np.stack([host(g(*[_dev(a) for a in ex[i][j]])[k]) for j in range(n2)])
                      for i in range(n1)])
        np.testing.assert_allclose(host(got[k]), w, rtol=1e-9,
                                   atol=1e-11 * max(1.0, np.abs(w).max()),
                                   err_msg=f"{spec.name} nested vmap(grad), argument {k}")


def test_the_allow_list_names_functions_with_specs():
    names = {p.values[0] for p in _params(every=True)}
    stale = sorted(n for n in {**CANNOT_BATCH, **DERIVATIVE_RAISES} if n not in names)
    assert not stale, f"the allow-lists name functions without a Spec: {stale}"
    assert not set(CANNOT_BATCH) & set(DERIVATIVE_RAISES)


# ---- behaviours the documentation promises ---------------------------------------------------

def test_random_draws_raise_by_default_and_are_shared_with_same(backend):
    X = _dev(np.random.default_rng(0).standard_normal((3, 4)))
    f = lambda x: x + ad.numpy.random.normal(size=4)  # noqa: E731
    with pytest.raises(ValueError, match="randomness='same'"):
        ad.vmap(f)(X)
    d = host(ad.vmap(f, randomness="same")(X)) - host(X)
    np.testing.assert_allclose(d, np.broadcast_to(d[0], d.shape), rtol=1e-12)
    assert np.abs(d).max() > 0


def test_data_dependent_shapes_and_batched_writes_raise(backend):
    X = _dev(np.random.default_rng(1).standard_normal((3, 4)))
    with pytest.raises(IndexError, match="boolean mask that differs from example to example"):
        ad.vmap(lambda x: x[x > 0])(X)  # the output's shape would depend on each example
    with pytest.raises(TypeError, match="vmap"):
        ad.vmap(lambda x: x if float(x.sum()) > 0 else -x)(X)

    def write(x):
        y = ad.tensor(ad.get_backend().xp.zeros(4))
        y[1] = x[0]
        return y

    with pytest.raises(TypeError, match="in-place write"):
        ad.vmap(write)(X)


def test_a_primitive_without_a_rule_warns_once_and_loops(backend, monkeypatch):
    from gpuad import batching
    from gpuad.prims.core import RULES

    rule = RULES["sin"]
    monkeypatch.setattr(rule, "batch", None)
    monkeypatch.setattr(rule, "elementwise", None)
    monkeypatch.setattr(batching, "_warned", set())
    X = _dev(np.random.default_rng(2).standard_normal((3, 4)))
    with pytest.warns(BatchingWarning, match="'sin'"):
        out = ad.vmap(ad.numpy.sin)(X)
    np.testing.assert_allclose(host(out), np.sin(host(X)), rtol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchingWarning)
        ad.vmap(ad.numpy.sin)(X)  # once per primitive


@pytest.mark.parametrize(("shared_first", "per_example"), [
    (True, (4,)), (True, (4, 2)), (False, (3,)), (False, (2, 3))])
def test_matmul_with_a_shared_matrix(backend, shared_first, per_example):
    """The one-product path of the matmul rule (shared matrix, batched vectors or matrices),
    with the batch axis first and last, one and two levels, and its gradient."""
    rng = np.random.default_rng(3)
    M = rng.standard_normal((3, 4) if shared_first else (3, 5))
    X = rng.standard_normal((2, 6) + per_example)  # two outer, six inner examples

    def f(m, x):
        return ad.numpy.sin(m @ x if shared_first else x @ m)

    want = np.stack([np.stack([host(f(_dev(M), _dev(X[i, j]))) for j in range(6)])
                     for i in range(2)])
    for ax in (0, -1):
        Xi = _dev(np.moveaxis(X[0], 0, ax))
        got = ad.vmap(f, in_axes=(None, ax))(_dev(M), Xi)
        np.testing.assert_allclose(host(got), want[0], rtol=1e-12, atol=1e-14)
    got = ad.vmap(ad.vmap(f, in_axes=(None, 0)), in_axes=(None, 0))(_dev(M), _dev(X))
    np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-14)
    loss = lambda m, x: ad.numpy.sum(f(m, x) ** 2)  # noqa: E731
    g = ad.vmap(ad.grad(loss), in_axes=(None, 0))(_dev(M), _dev(X[0]))
    ref = np.stack([host(ad.grad(loss)(_dev(M), _dev(X[0, j]))) for j in range(6)])
    np.testing.assert_allclose(host(g), ref, rtol=1e-12, atol=1e-14)


def test_cumprod_gradient_with_zeros_in_some_examples(backend):
    """cumprod's adjoint branches on zeros outside vmap; inside, one example's zero must not
    change another's gradient (the zero-safe form serves all)."""
    X = np.array([[0.5, 2.0, -1.5, 3.0], [0.5, 0.0, -1.5, 3.0], [0.0, 0.0, 2.0, 1.0]])
    f = lambda x: ad.numpy.sum(ad.numpy.sin(ad.numpy.cumprod(x)))  # noqa: E731
    got = ad.vmap(ad.grad(f))(_dev(X))
    want = np.stack([host(ad.grad(f)(_dev(x))) for x in X])
    np.testing.assert_allclose(host(got), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("axis", [-1, 0, None])
def test_argsort_batches(backend, axis):
    X = np.random.default_rng(4).standard_normal((3, 4, 5))
    for ax in (0, 2):
        got = ad.vmap(lambda x: ad.numpy.argsort(x, axis=axis), in_axes=ax)(_dev(X))
        want = np.stack([np.argsort(np.take(X, i, ax), axis=axis) for i in range(X.shape[ax])])
        np.testing.assert_array_equal(host(got), want)
