"""Rematerialisation by minimum cut (gpuad/jit/remat.py): it never saves more bytes than the
greedy choice it replaced, respects the bound on extra work, saves fewer bytes where a cut
through an intermediate value is cheaper, and fused results equal unfused ones.

Lowering (``check=False``, no kernel run) is cheap; only a few programs are run, since each
generated Numba kernel costs seconds to compile.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from benchmarks.programs import chain, sgd_step
from gpuad.jit.fusion import Options


def _np(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _lower(fn, args, **kw):
    # groups stay where they are (no moving into a reader), so rematerialisation has work
    kw.setdefault("move", False)
    return ad.jit(fn, fuse=Options(min_size=0, **kw), check=False).lower(*args).fusion


def _both(fn, args, **kw):
    """(greedy report, min-cut report) of one program under the same options."""
    return _lower(fn, args, remat_cut="greedy", **kw), _lower(fn, args, remat_cut="min", **kw)


def _extra_by_home(report, weight):
    """Extra weighted operations per element, by the group whose values are recomputed, and
    that group's own work."""
    extra: dict[int, float] = {}
    own: dict[int, dict[int, float]] = {}
    for g in report.groups:
        for v, n in g.nodes.items():
            cost = n.ops + weight * n.calls
            own.setdefault(n.home, {})[v] = cost
            if v in g.recomputed:
                extra[n.home] = extra.get(n.home, 0.0) + cost
    return extra, {h: sum(c.values()) for h, c in own.items()}


def _assert_same(fused, plain, args, fresh=None):
    """The second call of ``fused`` (the first one traces, running eagerly) equals
    ``plain``'s."""
    fused(*(fresh() if fresh else args))
    got = ad.tree_flatten(fused(*args))[0]
    want = ad.tree_flatten(plain(*(fresh() if fresh else args)))[0]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(_np(g), _np(w), rtol=1e-12, atol=1e-14)


# ---- programs ------------------------------------------------------------------------------

def _mlp_step(xp, rng, width=16, batch=8, lr=0.01):
    """The MLP workload's whole training step (4 layers, ReLU, MSE, in-place SGD update)."""
    ps = [(ad.Tensor(xp.asarray(rng.standard_normal((width, width)) * 0.3)),
           ad.Tensor(xp.asarray(rng.standard_normal(width) * 0.1))) for _ in range(4)]
    X = xp.asarray(rng.standard_normal((batch, width)))
    Y = xp.asarray(rng.standard_normal((batch, width)))
    return sgd_step(ps, lr), (X, Y)


def smooth_mlp(ps, X, Y):
    h = X
    for W, b in ps:
        z = h @ W + b
        h = gnp.tanh(z) * 0.5 + z * gnp.exp(-z * z)
    d = h - Y
    return gnp.mean(d * d)


def shared_intermediate(x, y):
    """Four values read by two later groups, all from one expensive intermediate ``u``: with
    the default bound the cut saves ``u`` (one array) where the greedy saved two of the
    four."""
    u = gnp.sin(gnp.sin(x))
    a, b, c, d = u * 3.0, u * 5.0, u * u, u + 1.0
    s = y @ y  # the matmuls end the groups
    p = a * b * s
    t = (y * 2.0) @ y
    q = c * d * t
    return p, q


def written_input(x, w):
    """The forward's input is written in place before the later group runs: nothing can be
    recomputed from it, but two values can be recomputed from one saved intermediate."""
    h = x @ w
    u = h * 2.0 + 1.0
    a, b = u * 3.0, u * 5.0
    h[...] = 0.0
    return gnp.sum(a * b + a), h


def two_halves(x, z, y):
    """Two equally expensive values read by two later groups, a bound that allows computing
    one of them again: no single cut of bytes + lam * work gives "one of two". ``e`` is
    returned, so the first group stays (else it disappears, its work moved to the others)."""
    a, b = gnp.sin(x) + 1.0, gnp.sin(z) + 1.0
    e = a * b
    s = y @ y
    p = a * 2.0 * s
    t = (y * 2.0) @ y
    q = b * 3.0 * t
    return p, q, e


def moved_halves(x, z, y):
    return two_halves(x, z, y)[:2]


# ---- tests ---------------------------------------------------------------------------------

def _programs(rng):
    x = rng.standard_normal(64)
    y = rng.standard_normal(5)
    m = rng.standard_normal((8, 64))
    ps = [(rng.standard_normal((16, 16)) * 0.3, rng.standard_normal(16)) for _ in range(3)]
    X, Y = rng.standard_normal((8, 16)), rng.standard_normal((8, 16))
    step, sargs = _mlp_step(np, rng)
    return [("chain", ad.value_and_grad(chain), (x.astype(np.float32),)),
            ("mlp step", step, sargs),
            ("smooth mlp", ad.value_and_grad(smooth_mlp), (ps, X, Y)),
            ("shared", shared_intermediate, (x, y)),
            ("shared vg", ad.value_and_grad(lambda x, y: gnp.sum(shared_intermediate(x, y)[0])
                                            + gnp.sum(shared_intermediate(x, y)[1])), (x, y)),
            ("written", written_input, (m, rng.standard_normal((64, 64)))),
            ("halves", two_halves, (x, x[::-1].copy(), y)),
            ("moved", moved_halves, (x, x[::-1].copy(), y)),
            ("written saved", written_saved, (x,))]


@pytest.mark.parametrize("functions", [None, frozenset({"sqrt"})], ids=["all", "cpu"])
def test_never_more_bytes_than_greedy_and_within_bound(rng, functions):
    """On every program and bound: the cut saves at most the greedy's bytes (and the greedy
    never wins), and each group's recomputed values cost at most ``remat`` times its work."""
    better = 0
    with ad.use_backend("numpy"):
        for name, fn, args in _programs(rng):
            for remat in (0.25, 1.0):
                for weight in (4.0, 16.0):
                    kw = {"functions": functions, "remat": remat, "function_weight": weight}
                    greedy, cut = _both(fn, args, **kw)
                    where = (name, remat, weight)
                    assert cut.saved_after <= greedy.saved_after, where
                    assert cut.saved_after <= cut.saved_before, where
                    assert cut.greedy_wins == 0, where
                    better += cut.saved_after < greedy.saved_after
                    extra, own = _extra_by_home(cut, weight)
                    for home, e in extra.items():
                        assert e <= remat * own[home] + 1e-9, (where, home, e, own[home])
    assert better >= 3  # the cut is not just the greedy again


def test_chain_and_mlp_step_numbers(rng):
    """The two benchmark workloads: every function fused, the chain's backward computes the
    forward again from x (nothing saved); the MLP step saves only its three hidden
    activations (ReLU's results, fused with the bias add), which the next layer's matmul
    and its backward read anyway."""
    with ad.use_backend("numpy"):
        x = rng.standard_normal(1000).astype(np.float32)
        greedy, cut = _both(ad.value_and_grad(chain), (x,))
        # three sin inputs (the fourth is x, loaded anyway) and four tanh outputs
        assert cut.saved_before == 7 * x.nbytes
        assert cut.saved_after == greedy.saved_after == 0
        assert 0 < cut.extra_ops <= greedy.extra_ops
        step, args = _mlp_step(np, rng)
        greedy, cut = _both(step, args)
        hidden = 3 * args[0].shape[0] * 16 * args[0].itemsize  # batch x width, 3 layers
        assert cut.saved_after == greedy.saved_after == hidden < cut.saved_before


def test_cut_through_an_intermediate_saves_less(backend, rng):
    """shared_intermediate: the cut stores u instead of two of the four values, both later
    groups compute theirs from u; lower() says so; results equal the unfused program's."""
    xp = ad.get_backend().xp
    x, y = xp.asarray(rng.standard_normal(64)), xp.asarray(rng.standard_normal(5))
    greedy, cut = _both(shared_intermediate, (x, y))
    assert greedy.saved_after == 2 * 64 * 8 and cut.saved_after == 64 * 8
    assert cut.extra_ops < greedy.extra_ops
    f = cut.groups[0]
    (u,) = f.stores
    assert cut.prog.vars[u].nbytes == 64 * 8
    assert all(u in g.loads and len(g.recomputed) == 2 for g in cut.groups[1:])
    text = str(cut)
    assert f"stores %{u} (512 B)" in text and "recomputes" in text
    assert "saved for later groups 512 bytes (without rematerialisation 2048)" in text
    fused = ad.jit(shared_intermediate, fuse=Options(min_size=0))
    _assert_same(fused, ad.jit(shared_intermediate, fuse=False), (x, y))


def test_written_input_cut_after_it(backend, rng):
    """written_input: the greedy keeps both values (its only other root, the input, is
    overwritten); the cut saves u and recomputes both; results equal the unfused program."""
    xp = ad.get_backend().xp

    def args():
        return (xp.asarray(np.random.default_rng(3).standard_normal((8, 64))),
                xp.asarray(np.random.default_rng(4).standard_normal((64, 64))))

    greedy, cut = _both(written_input, args())
    assert greedy.saved_after == 2 * 8 * 64 * 8 and cut.saved_after == 8 * 64 * 8
    first, later = cut.groups
    assert len(later.recomputed) == 2
    # the later group reads the intermediate the first one stores, never the overwritten input
    assert later.loads == first.stores and not set(later.loads) & set(first.loads)
    fused = ad.jit(written_input, fuse=Options(min_size=0), check=False)
    plain = ad.jit(written_input, fuse=False, check=False)
    _assert_same(fused, plain, args(), fresh=args)


def written_saved(x):
    """A stored value written in place after the group: never computed again."""
    a = gnp.sin(x) * 2.0
    b = a + 1.0
    a[0] = 5.0
    return gnp.sum(a * b + a)


@pytest.mark.parametrize("remat", [0.25, 1.0])
def test_values_equal_unfused_across_bounds(backend, rng, remat):
    """The small programs run fused (minimum cut, every function) equal the unfused ones."""
    xp = ad.get_backend().xp

    def fresh():
        r = np.random.default_rng(7)
        return {"shared": (xp.asarray(r.standard_normal(64)), xp.asarray(r.standard_normal(5))),
                "written": (xp.asarray(r.standard_normal((8, 64))),
                            xp.asarray(r.standard_normal((64, 64)))),
                "halves": (xp.asarray(r.standard_normal(64)), xp.asarray(r.standard_normal(64)),
                           xp.asarray(r.standard_normal(5))),
                "written saved": (xp.asarray(r.standard_normal(64)),)}

    progs = {"shared": shared_intermediate, "written": written_input, "halves": two_halves,
             "written saved": written_saved}
    for name, fn in progs.items():
        fused = ad.jit(fn, fuse=Options(min_size=0, remat=remat), check=False)
        plain = ad.jit(fn, fuse=False, check=False)
        _assert_same(fused, plain, fresh()[name], fresh=lambda name=name: fresh()[name])


def test_bound_between_two_values(rng):
    """two_halves with a bound that pays for one sin: one value computed again, one saved
    (the single cuts give none or both; the step that drops saved values finds one)."""
    with ad.use_backend("numpy"):
        x, z, y = rng.standard_normal(64), rng.standard_normal(64), rng.standard_normal(5)
        for remat, saved in ((0.4, 2), (0.5, 1), (1.0, 0)):
            greedy, cut = _both(two_halves, (x, z, y), remat=remat)
            assert cut.saved_after == saved * 64 * 8, (remat, str(cut))
            assert cut.saved_after <= greedy.saved_after and cut.greedy_wins == 0
        # without e the first group disappears: each value is computed once, by the group
        # that reads it, so nothing is extra work and no bound is needed; the greedy counted
        # the moved work as extra
        greedy, cut = _both(moved_halves, (x, z, y), remat=0.1)
        assert greedy.saved_after == 2 * 64 * 8 and greedy.merged == 0
        assert cut.saved_after == 0 and cut.extra_ops == 0 and cut.merged == 1
        assert all(len(g.moved) == 2 and not g.recomputed for g in cut.groups)  # sin, +1


def test_fused_step_values_equal_unfused(backend, rng):
    """The chain's value_and_grad and the MLP step run fused (every function, min-cut) and
    unfused give the same values; the MLP step's parameters end the same too."""
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal(256))
    vg = ad.value_and_grad(chain)
    _assert_same(ad.jit(vg, fuse=Options(min_size=0)), ad.jit(vg, fuse=False), (x,))
    s1, a1 = _mlp_step(xp, np.random.default_rng(5))
    s2, a2 = _mlp_step(xp, np.random.default_rng(5))
    j1, j2 = ad.jit(s1, fuse=Options(min_size=0)), ad.jit(s2, fuse=False)
    for _ in range(3):
        np.testing.assert_allclose(_np(j1(*a1)), _np(j2(*a2)), rtol=1e-12)


def test_bad_option():
    with ad.use_backend("numpy"), pytest.raises(ValueError, match="remat_cut"):
        _lower(lambda x: gnp.sin(x) * 2.0 + 1.0, (np.ones(8),), remat_cut="best")


def test_per_example_gradient_through_a_checkpoint_keeps_no_graph(backend):
    # vmap runs the first-order backward on batched Tensors: the checkpoint's recomputation
    # built a graph there, and vmap(grad(f)) returned a Tensor that still required grad
    xp = ad.get_backend().xp
    x = xp.asarray(np.random.default_rng(0).standard_normal((3, 4)))

    def f(v):
        return gnp.sum(ad.checkpoint(lambda y: gnp.sin(y) * y)(v))

    got = ad.vmap(ad.grad(f))(x)
    assert not isinstance(got, ad.Tensor)
    want = ad.vmap(ad.grad(lambda v: gnp.sum(gnp.sin(v) * v)))(x)
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-13)
    # still a graph where one is asked for: per-example Hessians, forward over reverse
    hess = ad.vmap(ad.hessian(f))(x)
    np.testing.assert_allclose(to_numpy(hess), to_numpy(
        ad.vmap(ad.hessian(lambda v: gnp.sum(gnp.sin(v) * v)))(x)), rtol=1e-12)
    t = xp.ones(4)
    fr = ad.vmap(lambda v: ad.jvp(ad.grad(f), (v,), (t,))[1])(x)
    np.testing.assert_allclose(to_numpy(fr), to_numpy(hess.sum(axis=2)), rtol=1e-12)
