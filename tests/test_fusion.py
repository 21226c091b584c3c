"""gpuad.jit fusion: fused and unfused programs agree, what is fused is safe, rematerialisation
saves bytes, and the generated CUDA compiles.

Few and small programs: every Numba kernel compiled here costs seconds (cached on disk).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.jit import fusion
from gpuad.jit.fusion import EXTRA, Options

ALL = Options(min_size=0)  # every function, every size
SAVE_ALL = Options(min_size=0, remat=0.0)


def _exprs_ops():
    """Every operation with a forward expression: (name, arity)."""
    from gpuad.prims.registry import load_all

    out = []
    for name, p in sorted(load_all().items()):
        if p.exprs is not None and p.exprs.fwd is not None:
            out.append((name, len(p.exprs.vjp)))
    out += [(name, len(names)) for name, (_, names) in sorted(EXTRA.items())]
    return out


OPS = _exprs_ops()
_NEEDS_POSITIVE = {"log", "sqrt", "reciprocal", "divide"}


#: operations whose expression is a choice (``a if test else b``): on the Numba target they
#: are checked in tests/test_fusion_reduce.py (special values, both float types), and left
#: out of the every-operation program there, whose Numba compilation they would double
CHOICES = frozenset({"relu", "sigmoid", "where", "maximum", "minimum"})


def _every_op(x, y, leave_out=frozenset()):
    """One term per operation, each of size about one, summed (one stored result)."""
    total = 0.0
    pos = x * x + 0.5  # in the domain of log, sqrt, 1/x
    for name, arity in OPS:
        if name in leave_out:
            continue
        fn = getattr(gnp, name, None) or getattr(F, name)  # relu lives in nn.functional
        a = pos if name in _NEEDS_POSITIVE else x
        if arity == 3:  # where: a mask made in the group, an array and a number
            term = fn(x > 0.25, a, -0.5)
        else:
            term = fn(a, y * y + 0.5 if name == "divide" else y) if arity == 2 else fn(a)
        if name in ("exp", "sinh", "cosh"):
            term = term * 0.25
        total = total + term
    return total


def _np(a):
    return to_numpy(a._data if isinstance(a, ad.Tensor) else a)


def _ulps(a, b, scale, dtype):
    eps = np.finfo(dtype).eps
    return float(np.max(np.abs(a - b)) / (eps * scale))


def _inputs(rng, dtype, backend_xp):
    base = rng.uniform(-1.0, 1.0, (6, 34)).astype(dtype)
    x = backend_xp.asarray(base)[:, ::2]  # not contiguous
    y = backend_xp.asarray(rng.uniform(-1.0, 1.0, (17,)).astype(dtype))  # broadcasts
    return x, y


@pytest.mark.parametrize("target", ["chunked", "numba"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_expression_fused_equals_unfused(backend, rng, dtype, target, monkeypatch):
    """Value and gradient of a program using every operation with an expression, with a
    broadcast operand and a non-contiguous one: fused within a few ulps of unfused (which
    is eager's arithmetic), bitwise on the CPU's chunked target (many chunks of 5 elements
    on two threads here), and the fused program really is fused."""
    if backend == "cupy" and target == "numba":
        pytest.skip("the CPU target is not used on the cupy backend")
    monkeypatch.setenv("GPUAD_FUSED_CHUNK", "5")
    monkeypatch.setenv("GPUAD_FUSED_THREADS", "2")
    x, y = _inputs(rng, dtype, ad.get_backend().xp)
    leave_out = CHOICES if target == "numba" else frozenset()

    def loss(x, y):
        return gnp.sum(_every_op(x, y, leave_out))

    for fun in (ad.value_and_grad(loss),):  # the value checks the forward kernel too
        fused = ad.jit(fun, fuse=Options(min_size=0, target=target))
        plain = ad.jit(fun, fuse=False)
        prog = fused.lower(x, y)
        assert prog.fusion.groups, str(prog)
        ops = {s.op for _, s in prog.live_steps()}
        assert not ops & {name for name, _ in OPS}, ops  # every elementwise step fused
        assert {n.op for g in prog.fusion.groups for n in g.nodes.values()} \
            >= {name for name, _ in OPS} - leave_out
        got = ad.tree_flatten(fused(x, y))[0]
        want = ad.tree_flatten(plain(x, y))[0]
        eager = ad.tree_flatten(fun(x, y))[0]
        for g, w, e in zip(got, want, eager, strict=True):
            g, w, e = _np(g), _np(w), _np(e)
            assert g.dtype == w.dtype == dtype
            np.testing.assert_array_equal(w, e)  # unfused replay is eager
            scale = max(float(np.max(np.abs(w))), 1.0)
            assert _ulps(g, w, scale, dtype) <= 64, (_ulps(g, w, scale, dtype), g, w)
            if backend == "numpy" and target == "chunked":
                np.testing.assert_array_equal(g, w)


def _chain(v):
    for i in range(8):
        v = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)[i % 4](v)
    return gnp.sum(v)


def test_rematerialisation_saves_bytes_same_values(backend, rng):
    """The chain's backward computes its values again from x instead of loading the eight
    saved ones; lower() says so; results equal the unfused ones."""
    x = ad.get_backend().xp.asarray(rng.standard_normal(64).astype(np.float32))
    vg = ad.value_and_grad(_chain)
    remat, keep, plain = (ad.jit(vg, fuse=o) for o in (Options(min_size=0, move=False),
                                                        Options(min_size=0, remat=0.0,
                                                                move=False), False))
    p_remat, p_keep = remat.lower(x), keep.lower(x)
    r_remat, r_keep = p_remat.fusion, p_keep.fusion
    assert r_keep.saved_after == r_keep.saved_before > 0
    assert r_remat.saved_after < r_keep.saved_after
    assert r_remat.recomputed_bytes > 0 and r_remat.extra_ops > 0
    text = str(p_remat)
    assert "recomputes" in text and "saved for later groups" in text
    assert "fused0" in text and "-> sum" in text
    want = plain(x)
    for got in (remat(x), keep(x)):
        np.testing.assert_allclose(to_numpy(got[0]), to_numpy(want[0]), rtol=1e-5)
        np.testing.assert_allclose(to_numpy(got[1]), to_numpy(want[1]), rtol=1e-5, atol=1e-6)
    # a zero budget saves everything; the bound holds
    opts = Options(min_size=0, remat=0.5, move=False)
    p = ad.jit(vg, fuse=opts, check=False).lower(x)  # not run: nothing compiled
    own = sum(n.ops + opts.function_weight * n.calls
              for g in p.fusion.groups for v, n in g.nodes.items()
              if v not in g.recomputed and v not in g.moved)
    assert p.fusion.extra_ops <= 0.5 * own + 1e-9


def test_values_used_outside_stay_and_fusion_off(backend, rng):
    """A value read outside its group (an output here, and a later non-elementwise step) is
    still written; fuse=False leaves the program alone; small groups are left to NumPy by
    default on the CPU."""
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal((4, 3)))
    w = xp.asarray(rng.standard_normal((3, 2)))

    def f(x, w):
        h = gnp.tanh(x * 2.0 + 1.0)
        return h, gnp.sum((h @ w) * 3.0 - 1.0)

    fused = ad.jit(f, fuse=ALL)
    p = fused.lower(x, w)
    assert p.fusion.groups and any(s.op == "matmul" for _, s in p.live_steps())
    got, want = fused(x, w), f(x, w)
    for g, e in zip(got, want, strict=True):
        np.testing.assert_allclose(_np(g), _np(e), rtol=1e-13)
    assert not hasattr(ad.jit(f, fuse=False).lower(x, w), "fusion")
    if ad.get_backend().name == "numpy":
        assert not ad.jit(f).lower(x, w).fusion.groups  # 12 elements: below min_size


def test_in_place_write_not_fused_across(backend, rng):
    """A value written in place between two groups is loaded after the write, never
    recomputed from what it was before."""
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal(8))

    def f(x):
        a = gnp.sin(x) * 2.0
        b = a + 1.0
        a[0] = 5.0  # written after b was computed from it
        return gnp.sum(a * b + a)

    fused = ad.jit(f, fuse=ALL, check=False)
    fused.lower(x)
    for _ in range(2):
        host = rng.standard_normal(8)
        x = xp.asarray(host)
        # a GPU kernel sums in its own order: within that sum's rounding bound (the result
        # cancels, so a relative tolerance of the result is not one)
        a = np.sin(host) * 2.0
        terms = a * (a + 1.0) + a
        terms[0] = 5.0 * (a[0] + 1.0) + 5.0
        bound = terms.size * np.finfo(np.float64).eps * np.sum(np.abs(terms))
        np.testing.assert_allclose(_np(fused(x)), _np(f(x)), rtol=1e-13, atol=bound)


def test_generated_cuda_compiles_with_nvrtc(rng):
    """The CUDA source of every group of the every-operation program and of the chain, in
    both float types, compiles with NVRTC (the kernel a GPU run would use)."""
    nvrtc = pytest.importorskip("cuda.bindings.nvrtc")
    try:
        nvrtc.nvrtcVersion()
    except Exception as exc:
        pytest.skip(f"NVRTC not loadable: {exc}")
    from gpuad.backends import cuda_sources
    from gpuad.jit import codegen_cuda, kernels

    n = 0
    with ad.use_backend("numpy"):
        for dtype in (np.float32, np.float64):
            x, y = _inputs(rng, dtype, np)

            def loss(x, y):
                return gnp.sum(_every_op(x, y))

            for fun, args in ((ad.value_and_grad(loss), (x, y)),
                              (ad.value_and_grad(_chain), (x[0].copy(),))):
                prog = ad.jit(fun, fuse=Options(min_size=1 << 30)).lower(*args)
                groups = fusion.find_groups(prog, ALL)
                fusion._wire(prog, groups)
                for k, g in enumerate(groups):
                    spec = kernels.spec_of(prog, g)
                    src = codegen_cuda.raw_source(spec, f"fused{k}")
                    ptx = cuda_sources.compile_ptx(src, f"fused{k}.cu", arch="compute_80")
                    assert b".entry fused" in ptx
                    n += 1
    assert n >= 4


def test_cpu_default_is_bitwise_eager(rng):
    """With the CPU defaults (every expression, groups of 2^17 elements and more, run chunk by
    chunk with NumPy's own calls), the fused program computes exactly what eager does."""
    with ad.use_backend("numpy"):
        x = rng.uniform(0.5, 2.0, 1 << 17)

        def loss(x):
            return gnp.sum(gnp.sqrt(x * x + 1.0) / (x - 3.0) * gnp.exp(x) - x * 0.5)

        vg = ad.value_and_grad(loss)
        j = ad.jit(vg)
        p = j.lower(x)
        assert p.fusion.groups and not any(s.op == "exp" for _, s in p.live_steps())
        for _ in range(2):
            x = rng.uniform(0.5, 2.0, 1 << 17)
            got, want = j(x), vg(x)
            np.testing.assert_array_equal(_np(got[0]), _np(want[0]))
            np.testing.assert_array_equal(_np(got[1]), _np(want[1]))


def test_gpu_kernel_that_fails_to_compile_falls_back_with_a_warning(rng):
    """A fused CUDA kernel that fails on its first call (a compiler error) is replaced by
    whole-array calls giving the same values, with a warning naming the failure."""
    from gpuad.jit import codegen_cuda, kernels

    with ad.use_backend("numpy"):
        x = rng.standard_normal(40)
        prog = ad.jit(lambda x: gnp.sin(x * 2.0) + 1.0, fuse=Options(min_size=1 << 30),
                      check=False).lower(x)
        groups = fusion.find_groups(prog, ALL)
        fusion._wire(prog, groups)
        spec = kernels.spec_of(prog, groups[0])

    def broken(*args):
        raise RuntimeError("nvrtc: error: identifier undefined")

    k = codegen_cuda.CupyKernel(spec, np, broken)
    with pytest.warns(RuntimeWarning, match="identifier undefined"):
        (got,) = k(x)
    np.testing.assert_allclose(got, np.sin(x * 2.0) + 1.0, rtol=1e-15)
    (again,) = k(x)  # no second warning: the fallback is kept
    np.testing.assert_array_equal(again, got)
