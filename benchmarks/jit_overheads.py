"""What ``gpuad.jit`` costs besides the program: the first (tracing) call, the host part of
each later call, and the fused kernels an unrolled loop compiles.

- first call: the chain's ``value_and_grad`` (16 elementwise ops, then the sum) at each
  ``--sizes`` n, against one eager call; on the cupy backend also the bytes the first call
  copies to the host (tracing's checksums and the post-trace check run on the device);
- per call: the chain's ``value_and_grad`` at n=1000 and the MLP training step (3 layers of
  width ``--width``, batch 16) replayed, synchronised after every call;
- kernels: the RNN ``h <- tanh(h @ W + x_t)`` (``value_and_grad`` in W and h0, batch
  ``--rnn-batch``, hidden ``--rnn-width``) at ``--steps`` steps: distinct fused kernels made
  (each compiled once by CuPy; on the numpy backend Numba functions, each compiled once per
  argument types), groups that found theirs made, and the first call's time. On the numpy
  backend ``--rnn-fuse default`` uses the CPU's default fusion options (which fuse only groups
  of 2^17 elements and more: give a batch times hidden that large) and ``--rnn-fuse numba``
  every group on the Numba target; ``$GPUAD_CACHE_DIR`` set to an empty folder measures
  Numba's compiles rather than its on-disk cache.

Times are process CPU time on the numpy backend (less disturbed by other jobs on a shared
machine) and wall time on the cupy backend.

    python benchmarks/jit_overheads.py --backend numpy
    python benchmarks/jit_overheads.py --backend cupy --standin      (the CPU stand-in for CuPy)
    GPUAD_CACHE_DIR=$(mktemp -d) python benchmarks/jit_overheads.py --only rnn --steps 50,200 \
        --rnn-fuse numba                                              (Numba's functions)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _clock(backend: str):
    return time.process_time if backend == "numpy" else time.perf_counter


def _first_calls(ad, be, sizes, clock) -> None:
    from benchmarks.programs import chain

    copied = {"bytes": 0}
    if be.name != "numpy":
        real = be.cp.asnumpy

        def counted(a, *args, **kw):
            r = real(a, *args, **kw)
            copied["bytes"] += int(getattr(r, "nbytes", 0))
            return r

        be.cp.asnumpy = counted
    xp = be.xp
    try:
        ad.jit(ad.value_and_grad(chain))(xp.ones(1000, np.float32))  # imports, kernel caches
        for n in sizes:
            x = xp.asarray(np.random.default_rng(0).uniform(-1, 1, n).astype(np.float32))
            vg = ad.value_and_grad(chain)
            eager = []
            for _ in range(2):
                t = clock()
                vg(x)
                be.synchronize()
                eager.append(clock() - t)
            j = ad.jit(vg)
            copied["bytes"] = 0
            t = clock()
            j(x)
            be.synchronize()
            first = clock() - t
            extra = (f", {copied['bytes'] / n:.1f} bytes per element copied to the host"
                     if be.name != "numpy" else "")
            print(f"first call, chain value_and_grad n={n:.0e}: {first * 1e3:.0f} ms "
                  f"({first / min(eager):.1f}x one eager call){extra}", flush=True)
    finally:
        if be.name != "numpy":
            be.cp.asnumpy = real


def _per_call(ad, be, width: int, clock) -> None:
    from benchmarks.programs import chain, sgd_step

    xp = be.xp
    rng = np.random.default_rng(0)
    x = xp.asarray(rng.uniform(-1, 1, 1000).astype(np.float32))
    X = xp.asarray(rng.standard_normal((16, width)).astype(np.float32))
    Y = xp.asarray(rng.standard_normal((16, 8)).astype(np.float32))
    dims = [width, width, width, 8]
    ps = [(ad.Tensor(xp.asarray(rng.standard_normal((i, o)).astype(np.float32) * 0.1)),
           ad.Tensor(xp.zeros(o, np.float32))) for i, o in zip(dims[:-1], dims[1:], strict=True)]
    for name, j, args in (("chain value_and_grad n=1000", ad.jit(ad.value_and_grad(chain)), (x,)),
                          (f"MLP step width {width}", ad.jit(sgd_step(ps, 1e-3)), (X, Y))):
        for _ in range(5):
            j(*args)
        be.synchronize()
        best = float("inf")
        for _ in range(5):
            t = clock()
            for _ in range(300):
                j(*args)
                be.synchronize()
            best = min(best, (clock() - t) / 300)
        info = j.cache_info()["entries"][0]
        graphs = (f" [{info.get('graphs')} graphs, {info.get('uncaptured')} uncaptured, "
                  f"{info.get('matmuls_in_graph')} matmuls in graphs; cuBLAS in graphs: "
                  f"{info.get('cublas_graph')}; arguments {info.get('inputs_in_place')} read "
                  f"in place, {info.get('inputs_copied')} copied; outputs "
                  f"{info.get('outputs_handed')} handed out, {info.get('outputs_copied')} "
                  f"copied]" if "graphs" in info else "")
        print(f"per call, {name}: {best * 1e6:.1f} us{graphs}", flush=True)


def _rnn_kernels(ad, be, steps_list, clock, batch: int = 32, width: int = 64,
                 fuse: str = "default") -> None:
    import gpuad.numpy as gnp

    if be.name == "numpy":
        from gpuad.jit import codegen_numba as gen

        made = gen._COMPILED  # one Numba function per distinct source
        what = "Numba functions"
    else:
        from gpuad.jit import codegen_cuda as gen

        made = gen._KERNELS
        what = "fused kernels"
    opts = True
    if fuse == "numba":
        from gpuad.jit.fusion import Options

        opts = Options(target="numba", min_size=0, min_steps=1)
    xp = be.xp
    rng = np.random.default_rng(0)
    for steps in steps_list:
        W = xp.asarray((rng.standard_normal((width, width)) * 0.1).astype(np.float32))
        h0 = xp.asarray(rng.standard_normal((batch, width)).astype(np.float32))
        xs = xp.asarray(rng.standard_normal((steps, batch, width)).astype(np.float32))

        def loss(W, h, xs=xs, steps=steps):
            for t in range(steps):
                h = gnp.tanh(h @ W + xs[t])
            return gnp.sum(h * h)

        stats = getattr(gen, "STATS", None)
        before = dict(stats or {})
        n0 = len(made)
        t = clock()
        ad.jit(ad.value_and_grad(loss, argnums=(0, 1)), fuse=opts)(W, h0)
        be.synchronize()
        first = clock() - t
        built = len(made) - n0
        reused = (f"{stats['reused'] - before['reused']} groups reused one"
                  if stats is not None else "reuse not counted")
        print(f"RNN {steps} steps ({batch}x{width}, fuse={fuse}): {built} new {what} made, "
              f"{reused}; first call {first:.2f} s", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", default="numpy", choices=("numpy", "cupy"))
    ap.add_argument("--standin", action="store_true", help="use the CuPy stand-in (tests/)")
    ap.add_argument("--sizes", default="1e3,1e5,1e6,1e7")
    ap.add_argument("--steps", default="10,50")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--rnn-batch", type=int, default=32)
    ap.add_argument("--rnn-width", type=int, default=64)
    ap.add_argument("--rnn-fuse", default="default", choices=("default", "numba"))
    ap.add_argument("--only", default="first,per-call,rnn",
                    help="comma-separated parts to run: first, per-call, rnn")
    a = ap.parse_args(argv)
    if a.standin:
        sys.path.insert(0, str(ROOT / "tests" / "cupy_standin"))
    sys.path.insert(0, str(ROOT))
    import gpuad as ad

    with ad.use_backend(a.backend):
        be = ad.get_backend()
        clock = _clock(a.backend)
        parts = a.only.split(",")
        if "first" in parts:
            _first_calls(ad, be, [int(float(s)) for s in a.sizes.split(",")], clock)
        if "per-call" in parts:
            _per_call(ad, be, a.width, clock)
        if "rnn" in parts:
            _rnn_kernels(ad, be, [int(s) for s in a.steps.split(",")], clock, a.rnn_batch,
                         a.rnn_width, a.rnn_fuse)


if __name__ == "__main__":
    main()
