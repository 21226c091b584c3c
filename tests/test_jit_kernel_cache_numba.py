"""Fused CPU kernels (the Numba target) are shared between groups doing the same computation.

The generated source names statements by position and loads by their place among the group's
loads, so the groups of an unrolled loop (one per step of an RNN) are one Numba function,
compiled once, whatever the number of steps; numbers and dtypes stay in the source, so groups
differing in them never share one.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import fusion, kernels
from gpuad.jit.fusion import Options

pytest.importorskip("numba")
from gpuad.jit import codegen_numba  # noqa: E402

NUMBA = Options(target="numba", min_size=0, min_steps=1)


def _rnn(steps: int, rng):
    W = rng.standard_normal((8, 8)) * 0.3
    h0 = rng.standard_normal((3, 8))
    xs = rng.standard_normal((steps, 3, 8))

    def loss(W, h):
        for t in range(steps):
            h = gnp.tanh(h @ W + xs[t])
        return gnp.sum(h * h)

    return ad.value_and_grad(loss, argnums=(0, 1)), (W, h0)


def _ulps(got, want, n: int) -> None:
    """``got`` within ``n`` ulps of ``max(|want|, 1)`` of ``want`` (docs/fusion.md)."""
    got, want = np.asarray(got), np.asarray(want)
    eps = np.finfo(want.dtype).eps
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_less(np.abs(got - want), n * eps * np.maximum(np.abs(want), 1.0))


def test_rnn_functions_do_not_grow_with_the_steps(rng, monkeypatch):
    """An RNN of 50 steps makes as many distinct Numba functions as one of 5 (its groups are
    the same few computations), at least one group per step reuses one, and the compiled
    results equal eager's within the fused tolerance."""
    built = {}
    with ad.use_backend("numpy"):
        for steps in (5, 50):
            monkeypatch.setattr(codegen_numba, "_COMPILED", {})
            before = dict(codegen_numba.STATS)
            vg, args = _rnn(steps, rng)
            j = ad.jit(vg, fuse=NUMBA)
            got = j(*args)
            again = j(*args)  # replayed
            want = vg(*args)
            groups = j.lower(*args).fusion.groups
            assert len(groups) >= steps  # at least one group per step
            built[steps] = codegen_numba.STATS["built"] - before["built"]
            reused = codegen_numba.STATS["reused"] - before["reused"]
            assert built[steps] == len(codegen_numba._COMPILED)
            assert reused >= steps
            for out in (got, again):
                _ulps(out[0], want[0], 8)
                for a, b in zip(out[1], want[1], strict=True):
                    _ulps(a, b, 64)
    assert 1 <= built[50] == built[5] <= 8


def _kernel(f, *args):
    """The Numba kernel of the one fused group of ``f`` at ``args``."""
    prog = ad.jit(f, fuse=Options(min_size=1 << 30), check=False).lower(*args)
    groups = fusion.find_groups(prog, Options(min_size=0, min_steps=1))
    fusion._wire(prog, groups)
    (g,) = groups
    return codegen_numba.NumbaKernel(kernels.spec_of(prog, g), vector=False)


def test_groups_differing_in_a_number_or_a_dtype_do_not_share(rng, monkeypatch):
    """Groups that differ only in a number get functions of their own (a shared one would
    give one of them the other's values), and so do groups that differ only in the dtypes of
    their arrays (the source names them); groups that differ in nothing share one. Each
    computes its own values."""
    monkeypatch.setattr(codegen_numba, "_COMPILED", {})
    x = rng.uniform(-2.0, 2.0, 64)
    y = rng.uniform(-2.0, 2.0, 64)
    cases = []
    with ad.use_backend("numpy"):
        for a, b, dt in ((2.0, 1.0, np.float64), (-0.3, 7.5, np.float64), (2.0, 1.0, np.float64),
                         (2.0, 1.0, np.float32)):
            xa, ya = x.astype(dt), y.astype(dt)
            k = _kernel(lambda x, y, a=a, b=b: gnp.cos(x * a) + b * y - x, xa, ya)
            cases.append((k, (xa, ya), np.cos(xa * dt(a)) + dt(b) * ya - xa))
        # no number at all: float64 and float32 arrays, the same statements' text
        for dt in (np.float64, np.float32):
            xa, ya = x.astype(dt), y.astype(dt)
            k = _kernel(lambda x, y: x * y - x, xa, ya)
            cases.append((k, (xa, ya), xa * ya - xa))
    for k, args, want in cases:
        (got,) = k(*args)
        assert got.dtype == want.dtype
        _ulps(got, want, 8)
    fns = [k._flat for k, _, _ in cases]
    assert fns[0] is fns[2]  # the same group twice: one function
    assert len({id(fns[i]) for i in (0, 1, 3)}) == 3
    assert fns[4] is not fns[5]
    assert len(codegen_numba._COMPILED) == 5


def test_the_cache_directory_keeps_a_bounded_number_of_sources(tmp_path, monkeypatch):
    """Past the bound, the oldest written sources go, with Numba's machine code of them; the
    newest stay, and a pruned kernel is written and compiled again when asked for."""
    import os

    d = tmp_path / "fused"
    (d / "__pycache__").mkdir(parents=True)
    for k in range(6):
        src = d / f"gpuad_fused_{k:024x}.py"
        src.write_text("x = 1\n")
        os.utime(src, (1000 + k, 1000 + k))
        (d / "__pycache__" / f"gpuad_fused_{k:024x}.kernel-3.py312.nbi").write_text("")
    (d / "unrelated.txt").write_text("")
    assert codegen_numba.prune(str(d), 4) == 2
    left = sorted(p.name for p in d.iterdir() if p.suffix == ".py")
    assert left == [f"gpuad_fused_{k:024x}.py" for k in range(2, 6)]
    machine = sorted(p.name.split(".")[0] for p in (d / "__pycache__").iterdir())
    assert machine == [f"gpuad_fused_{k:024x}" for k in range(2, 6)]
    assert (d / "unrelated.txt").exists()
    assert codegen_numba.prune(str(d), 4) == 0

    monkeypatch.setenv("GPUAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GPUAD_CACHE_MAX_KERNELS", "1")
    monkeypatch.setattr(codegen_numba, "_PRUNED", False)
    fn = codegen_numba.compile_source("def kernel():\n    return 7\n# bounded-cache test\n")
    assert fn() == 7
    left = [p for p in d.iterdir() if p.suffix == ".py"]
    assert len(left) == 1 and "bounded-cache test" in left[0].read_text()
