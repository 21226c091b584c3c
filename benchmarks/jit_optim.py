"""A whole training step (zero_grad, forward, backward, optimizer update) eager and under
``gpuad.jit``, against PyTorch eager on the same data in the same process: time per step, and
the host cost of the optimizer's per-call part of a compiled step (counters and per-call
numbers; on the GPU it runs before each graph launch).

    OPENBLAS_NUM_THREADS=1 python -m benchmarks.jit_optim [--widths 64,256] [--batch 64]

(one BLAS thread for every framework: torch is set to one thread; on a shared CPU a threaded
BLAS makes NumPy's matmuls erratic). Results: benchmarks/results/jit_optim_cpu.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _median_time(fn, n: int, repeats: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return float(np.median(times))


def gpuad_steps(width: int, batch: int, opt_name: str):
    import gpuad as ad
    from gpuad import nn, optim

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, 10)).astype(np.float32)
    out = {}
    for mode in ("eager", "jit"):
        ad.numpy.random.seed(0)
        m = nn.MLP([width, width, width, 10], activation="relu")
        for p in m.parameters():
            p.data = p.data.astype(np.float32)
        o = (optim.Adam(m.parameters(), lr=1e-3) if opt_name == "adam" else
             optim.SGD(m.parameters(), lr=1e-2, momentum=0.9))

        def step(x, y, m=m, o=o):
            o.zero_grad()
            loss = nn.mse_loss(m(x), y)
            loss.backward()
            o.step()
            return loss
        f = ad.jit(step) if mode == "jit" else step
        out[mode] = (lambda f=f: f(x, y))
        if mode == "jit":
            f(x, y)
            f(x, y)
            entry = next(iter(f._cache.values()))
            hosts = getattr(entry.program, "prelude", [])
            out["host"] = lambda hosts=hosts: [h.check() and h.advance() for h in hosts]
    return out


def torch_step(width: int, batch: int, opt_name: str):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((batch, width)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((batch, 10)).astype(np.float32))
    m = torch.nn.Sequential(torch.nn.Linear(width, width), torch.nn.ReLU(),
                            torch.nn.Linear(width, width), torch.nn.ReLU(),
                            torch.nn.Linear(width, 10))
    o = (torch.optim.Adam(m.parameters(), lr=1e-3, foreach=False) if opt_name == "adam" else
         torch.optim.SGD(m.parameters(), lr=1e-2, momentum=0.9, foreach=False))

    def step():
        o.zero_grad()
        loss = torch.nn.functional.mse_loss(m(x), y)
        loss.backward()
        o.step()
        return loss
    return step


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="64,256")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--n", type=int, default=50)
    a = ap.parse_args(argv)
    print("| opt | width | gpuad eager (us) | gpuad jit (us) | torch eager (us) | jit/eager | "
          "jit/torch | optimizer host part per call (us) |")
    print("|---|---|---|---|---|---|---|---|")
    for opt_name in ("adam", "sgd"):
        for w in (int(s) for s in a.widths.split(",")):
            g = gpuad_steps(w, a.batch, opt_name)
            te = _median_time(g["eager"], a.n, a.repeats) * 1e6
            tj = _median_time(g["jit"], a.n, a.repeats) * 1e6
            th = _median_time(g["host"], a.n, a.repeats) * 1e6
            ts = torch_step(w, a.batch, opt_name)
            tt = _median_time(ts, a.n, a.repeats) * 1e6 if ts is not None else float("nan")
            print(f"| {opt_name} | {w} | {te:.0f} | {tj:.0f} | {tt:.0f} | {tj / te:.2f} | "
                  f"{tj / tt:.2f} | {th:.1f} |")


if __name__ == "__main__":
    main()
