"""The chain workload's value_and_grad on one CPU thread, in CPU time, against its math calls.

On a shared machine wall-clock times swing with the load; the CPU time of the calling thread
(``time.thread_time``) does much less, so one-thread costs can still be compared. Every
variant runs in turn, ``--repeats`` times:

- eager ``value_and_grad``;
- ``gpuad.jit`` without fusion (NumPy calls writing into the memory plan's buffers);
- ``gpuad.jit`` with the CPU's default fusion, on one thread (``GPUAD_FUSED_THREADS=1``);
- the 12 NumPy calls the chain cannot avoid (4 ``sin``, 4 ``tanh``, 4 ``cos`` over n
  elements, into one array): the floor of any exact implementation on NumPy's functions.

It also counts the math calls per element of the fused program (``sin``, ``cos``, ``tanh``
nodes of its groups, recomputed ones included), against that minimum of 12.

    python -m benchmarks.chain_cpu_time --n 1000000 --repeats 15
"""

from __future__ import annotations

import argparse
import os
import time


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[k] = "1"
    os.environ["GPUAD_FUSED_THREADS"] = "1"

    import numpy as np

    import gpuad as ad
    import gpuad.numpy as gnp

    def f(v):
        ops = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)
        for i in range(16):
            v = ops[i % 4](v)
        return gnp.sum(v)

    x = np.random.default_rng(0).standard_normal(args.n).astype(np.float32)
    vg = ad.value_and_grad(f)
    fused, plain = ad.jit(vg), ad.jit(vg, fuse=False)
    calls = {}
    for g in fused.lower(x).fusion.groups:
        for n in g.nodes.values():
            if n.op in ("sin", "cos", "tanh"):
                calls[n.op] = calls.get(n.op, 0) + 1
    scratch = x.copy()

    def math_only():
        for _ in range(4):
            np.sin(x, out=scratch)
            np.tanh(x, out=scratch)
            np.cos(x, out=scratch)

    variants = {"eager": lambda: vg(x), "jit, no fusion": lambda: plain(x),
                "jit, fused": lambda: fused(x), "12 math calls alone": math_only}
    for fn in variants.values():
        fn()
        fn()
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeats):
        for k, fn in variants.items():
            t = time.thread_time()
            fn()
            times[k].append(time.thread_time() - t)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"chain value_and_grad, n = {args.n}, float32, one thread, CPU time of the calling "
          f"thread, {args.repeats} rounds, 1-min load {load:.1f}")
    print(f"fused program: {sum(calls.values())} math calls per element {calls} (minimum 12)")
    floor = min(times["12 math calls alone"])
    for k, v in times.items():
        print(f"  {k:20s} min {min(v) * 1e3:7.2f} ms  median {float(np.median(v)) * 1e3:7.2f} ms"
              f"  ({min(v) / floor:.2f}x the math calls)")
    print(f"  eager / fused: {min(times['eager']) / min(times['jit, fused']):.2f}x")


if __name__ == "__main__":
    main()
