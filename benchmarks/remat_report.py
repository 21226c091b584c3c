"""Rematerialisation table: bytes saved for later fused groups and extra operations per
element, greedy choice against minimum cut, for the chain workload (value_and_grad, 16 ops)
and the MLP training step (:mod:`benchmarks.programs`), under the CPU defaults and with
every function fused (``Options(functions=None)``, the GPU default), at the default bound
and tighter ones.

    python -m benchmarks.remat_report [--n 1000000] > benchmarks/results/remat_cpu.md

Programs are traced and lowered only (``check=False``): nothing is timed, so the table does
not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def _programs(n: int, mlp: list[tuple[int, int]]):
    import gpuad as ad
    from benchmarks.programs import chain, sgd_step

    rng = np.random.default_rng(0)
    yield f"chain vg n={n:,}", ad.value_and_grad(chain), (rng.standard_normal(n)
                                                            .astype(np.float32),)
    for width, batch in mlp:
        ps = [(ad.Tensor(rng.standard_normal((width, width)).astype(np.float32) * 0.05),
               ad.Tensor(np.zeros(width, np.float32))) for _ in range(4)]
        X = rng.standard_normal((batch, width)).astype(np.float32)
        Y = rng.standard_normal((batch, width)).astype(np.float32)
        yield f"mlp step w={width} b={batch}", sgd_step(ps, 0.01), (X, Y)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    import gpuad as ad
    from gpuad.jit.fusion import Options, default_options

    ad.set_backend("numpy")
    settings = [("CPU defaults", default_options("numpy")),
                ("functions=None", Options(functions=None))]
    print("# Rematerialisation: greedy choice and minimum cut\n")
    print("Bytes that fused groups save for later groups (the backward's), and the extra "
          "weighted operations per element spent computing values again "
          "(`python -m benchmarks.remat_report`; lowering only, nothing timed).\n")
    print("| program | options | bound `remat` | saved without remat | greedy: saved | "
          "greedy: extra ops | min-cut: saved | min-cut: extra ops |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, fn, fargs in _programs(args.n, [(256, 256), (1024, 256)]):
        for label, base in settings:
            for remat in (1.0, 0.5, 0.25):
                row = {}
                for cut in ("greedy", "min"):
                    # groups stay where they are: moving one into its reader
                    # (gpuad.jit.merging, on by default) would leave nothing to choose here
                    o = dataclasses.replace(base, remat=remat, remat_cut=cut, move=False)
                    rep = ad.jit(fn, fuse=o, check=False).lower(*fargs).fusion
                    row[cut] = rep
                g, m = row["greedy"], row["min"]
                print(f"| {name} | {label} | {remat} | {g.saved_before:,} | "
                      f"{g.saved_after:,} | {g.extra_ops} | {m.saved_after:,} | "
                      f"{m.extra_ops} |")
    print("""
Reading it: moving a group into its only reader (gpuad/jit/merging.py, on by default) is
off here, so each row is what rematerialisation alone chooses; with it on, the chain's forward
group moves into the backward, which then keeps 0 bytes at 0 extra operations under every
bound. At bound 1.0 both choices save nothing on the chain (its backward computes the forward
again from x). Under tighter bounds the cut saves less or works less (chain, every function
fused, bound 0.25: 16 MB instead of 20 MB at 3 extra operations per element instead of 10;
bound 0.5: the same 12 MB at 12 instead of 20; with the CPU's weight of 16 operations per math
function, bound 0.5: 12 MB at 36 instead of 68). The CPU default itself is remat=0 (save
everything: a math function recomputed on the CPU costs what computing it did); the rows vary
the bound to compare the two choices. The MLP step has no group under the CPU defaults (its
bias-add-and-ReLU runs are two steps, below the default's minimum of four), so nothing to cut;
with every run fused, both choices at bound 1.0 keep three of the four values the groups save,
computing the fourth again at 2 extra operations per element, and under tighter bounds save
all four.""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
