"""The zero guard in compiled programs that differentiate batched or differentiated values
(docs/jit.md, "The zero guard in compiled programs"): gpuad eager and gpuad.jit per call, in
one run, with the number of live steps of each program.

    python -m benchmarks.jit_zero_guard [--repeat 7]

Prints a Markdown table of the best of ``repeat`` means (20 calls each) in microseconds,
tracing excluded. Run it with OPENBLAS_NUM_THREADS=1 on a loaded machine: a BLAS thread pool
competing for cores makes the guard's one reduction per step erratic.
"""

from __future__ import annotations

import argparse
import timeit
import warnings

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp


def _f(x):
    return gnp.sum(gnp.sqrt(x) * gnp.log(x + 1.0))


def _chain(x):
    y = x
    for _ in range(4):
        y = gnp.sin(y) * gnp.exp(-y * y) + gnp.sqrt(y * y + 1.0)
    return gnp.sum(y)


def workloads(rng):
    return [
        ("vmap(grad(f)), 64 x 1000", ad.vmap(ad.grad(_f)), rng.random((64, 1000)) + 0.5),
        ("vmap(grad(chain)), 64 x 1000", ad.vmap(ad.grad(_chain)), rng.random((64, 1000)) + 0.5),
        ("hessian(f), n = 100", ad.hessian(_f), rng.random(100) + 0.5),
        ("grad(sum(grad(chain))), n = 1e5", ad.grad(lambda x: gnp.sum(ad.grad(_chain)(x))),
         rng.random(100_000) + 0.5),
    ]


def _best(fn, x, repeat: int) -> float:
    return min(timeit.repeat(lambda: fn(x), number=20, repeat=repeat)) / 20 * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print("| workload | eager µs | jit µs | jit steps |")
    print("|---|---:|---:|---:|")
    for name, fn, x in workloads(np.random.default_rng(0)):
        j = ad.jit(fn)
        j(x)
        steps = sum(s is not None for s in j.lower(x).steps)
        print(f"| {name} | {_best(fn, x, args.repeat):.0f} | {_best(j, x, args.repeat):.0f} "
              f"| {steps} |")


if __name__ == "__main__":
    main()
