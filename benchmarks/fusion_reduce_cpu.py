"""Groups that end in a reduction, on the CPU: gpuad eager, gpuad.jit without fusion, with
fusion (CPU defaults: reductions after the kernel), with ``reduce_inside=True`` (max/min inside
the Numba loop) and with ``reorder_sums=True`` too (sum inside as well), and jax-jit where
installed, in one run.

    python -m benchmarks.fusion_reduce_cpu [--n 1000000] [--repeat 30]

Prints a Markdown table of median milliseconds per call (tracing and compilation excluded)
and each column's ratio to gpuad eager.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit.fusion import Options


def _body(x, y):
    return (x * y + 0.5) * x - y


WORKLOADS = {
    "max over rows": lambda x, y: gnp.max(_body(x, y), axis=1),
    "max over all": lambda x, y: gnp.max(_body(x, y)),
    "sum over all": lambda x, y: gnp.sum(_body(x, y)),
    "sum over columns": lambda x, y: gnp.sum(_body(x, y), axis=0),
    "grad of sum(max over rows)": ad.grad(lambda x, y: gnp.sum(gnp.max(_body(x, y), axis=1))),
}


def _jax(name):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    def body(x, y):
        return (x * y + 0.5) * x - y

    fns = {
        "max over rows": lambda x, y: jnp.max(body(x, y), axis=1),
        "max over all": lambda x, y: jnp.max(body(x, y)),
        "sum over all": lambda x, y: jnp.sum(body(x, y)),
        "sum over columns": lambda x, y: jnp.sum(body(x, y), axis=0),
        "grad of sum(max over rows)": jax.grad(lambda x, y: jnp.sum(jnp.max(body(x, y),
                                                                            axis=1))),
    }
    f = jax.jit(fns[name])
    return lambda x, y: f(x, y).block_until_ready()


def _median_ms(f, args, repeat):
    f(*args)
    f(*args)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f(*args)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=30)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = int(round(a.n ** 0.5))
    x = rng.standard_normal((rows, a.n // rows)).astype(np.float32)
    y = rng.standard_normal(a.n // rows).astype(np.float32)
    cols = ["gpuad eager", "jit, no fusion", "jit, fusion (defaults)",
            "jit, reduce_inside", "jit, reduce_inside + reorder_sums", "jax-jit"]
    print(f"n = {x.size:,} float32 ({x.shape[0]} x {x.shape[1]}, y broadcast over rows); "
          f"median ms per call over {a.repeat}; ratio to gpuad eager in brackets\n")
    print("| workload | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    with ad.use_backend("numpy"):
        for name, f in WORKLOADS.items():
            cpu = {"min_size": 1 << 15, "functions": frozenset({"sqrt"})}
            fns = [f, ad.jit(f, fuse=False), ad.jit(f),
                   ad.jit(f, fuse=Options(**cpu, reduce_inside=True)),
                   ad.jit(f, fuse=Options(**cpu, reduce_inside=True, reorder_sums=True))]
            times = [_median_ms(g, (x, y), a.repeat) for g in fns]
            jf = _jax(name)
            times.append(_median_ms(jf, (x, y), a.repeat) if jf is not None else None)
            e = times[0]
            cells = ["n/a" if t is None else f"{t:.2f} ({t / e:.2f})" for t in times]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
