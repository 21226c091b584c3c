"""Host cost per eager op: gpuad (NumPy backend) against PyTorch eager on the CPU.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        python benchmarks/host_overhead.py --md benchmarks/results/host_cpu.md

Two measurements, both in this one process, the frameworks alternating so that load from other
jobs falls on both alike:

- the chain workload of ``python -m benchmarks`` (16 elementwise ops ``sin, *0.9, tanh, +0.1``
  then ``sum`` on a float32 vector of ``--n`` elements): forward and ``value_and_grad`` time per
  call divided by the 17 ops, built by :mod:`benchmarks.workloads` and :mod:`benchmarks.peers`;
- the per-call micro ops of :mod:`benchmarks.dispatch` (a 10-element float64 tensor that
  requires grad), forward only (recording included) and forward + backward of the op's sum.

Every figure is the fastest of ``--repeats`` timed repeats over ``--rounds`` rounds (the figure
least disturbed by other load on a shared machine); each repeat runs enough calls to last about
``--target-ms`` milliseconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_OPS = 16


def _number(fn, target_s: float) -> int:
    fn()
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(target_s / one))


def _repeat(fn, number: int) -> tuple[float, float]:
    """Wall-clock and process CPU seconds per call over ``number`` calls."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    t1 = time.perf_counter()
    c1 = time.process_time()
    return (t1 - t0) / number, (c1 - c0) / number


def best_of(cases: dict, rounds: int, repeats: int, target_s: float) -> dict:
    """The fastest (wall, CPU) seconds per call of each case; the cases take turns within
    every round."""
    numbers = {k: _number(fn, target_s) for k, fn in cases.items()}
    wall = {k: float("inf") for k in cases}
    cpu = {k: float("inf") for k in cases}
    for _ in range(rounds):
        for k, fn in cases.items():
            for _ in range(repeats):
                w, c = _repeat(fn, numbers[k])
                wall[k] = min(wall[k], w)
                cpu[k] = min(cpu[k], c)
    return {k: (wall[k], cpu[k]) for k in cases}


def chain_cases(n: int) -> dict:
    from benchmarks.peers import Torch
    from benchmarks.workloads import Gpuad

    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    gw = Gpuad("numpy")
    g = gw.chain(x, N_OPS)
    t = Torch("numpy").chain(x, N_OPS)
    return {("chain fwd", "gpuad"): g["fwd"], ("chain fwd", "torch"): t["fwd"],
            ("chain vg", "gpuad"): g["vg"], ("chain vg", "torch"): t["vg"],
            ("chain vg, engine only", "gpuad"): _engine_only(gw, x),
            ("chain vg, engine only", "torch"): t["vg"]}


def _engine_only(gw, x):
    """The chain's value and gradient through the engine alone: a leaf, the recorded forward
    and ``run_backward`` to it, without ``value_and_grad``'s own per-call work."""
    from gpuad import engine
    from gpuad.tensor import Tensor

    gnp = gw.gnp
    ops = [gnp.sin, lambda v: v * 0.9, gnp.tanh, lambda v: v + 0.1]

    def vg():
        t = Tensor(x, requires_grad=True)
        v = t
        for i in range(N_OPS):
            v = ops[i % 4](v)
        out = gnp.sum(v)
        n = engine.edge_of(t)
        seed = np.ones(out._data.shape, out._data.dtype)
        res = engine.run_backward([out], [seed], targets=[n], retain_graph=True, prune=False)
        return out._data, res[n]
    return vg


def micro_cases() -> dict:
    import torch

    import gpuad as ad
    import gpuad.numpy as gnp

    a = np.linspace(0.1, 1.0, 10)
    b = np.linspace(1.0, 2.0, 10)
    t, u = ad.tensor(a, requires_grad=True), ad.tensor(b, requires_grad=True)
    tt = torch.tensor(a, requires_grad=True)
    tu = torch.tensor(b, requires_grad=True)
    ops = {  # name: (gpuad call, torch call)
        "sin(t)": (lambda: gnp.sin(t), lambda: torch.sin(tt)),
        "t + u": (lambda: t + u, lambda: tt + tu),
        "t * u": (lambda: t * u, lambda: tt * tu),
        "t * 0.9": (lambda: t * 0.9, lambda: tt * 0.9),
        "tanh(t)": (lambda: gnp.tanh(t), lambda: torch.tanh(tt)),
        "sum(t)": (lambda: gnp.sum(t), lambda: tt.sum()),
        "dot(t, u)": (lambda: gnp.dot(t, u), lambda: torch.dot(tt, tu)),
        "t[3]": (lambda: t[3], lambda: tt[3]),
        "t.reshape(2, 5)": (lambda: t.reshape(2, 5), lambda: tt.reshape(2, 5)),
    }
    cases = {}
    for name, (gf, tf) in ops.items():
        cases[(name, "gpuad")] = gf
        cases[(name, "torch")] = tf

        def gfb(gf=gf):
            t.grad = u.grad = None
            gnp.sum(gf()).backward()

        def tfb(tf=tf):
            tt.grad = tu.grad = None
            tf().sum().backward()
        cases[(name + " +bwd", "gpuad")] = gfb
        cases[(name + " +bwd", "torch")] = tfb
    return cases


def _machine() -> str:
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    import torch

    return (f"{cpu} ({os.cpu_count()} cores, shared); Python {platform.python_version()}, "
            f"NumPy {np.__version__}, torch {torch.__version__} "
            f"(torch threads {torch.get_num_threads()})")


def _git() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="chain vector size")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=10, help="timed repeats per case and round")
    ap.add_argument("--target-ms", type=float, default=20.0)
    ap.add_argument("--no-micro", action="store_true", help="the chain only")
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--git", default=None,
                    help="the revision to report (default: git rev-parse of this tree)")
    ap.add_argument("--baseline-json", type=Path, action="append", default=[],
                    help="--json output of this script run in another gpuad tree (its copy of "
                         "this file), e.g. before a change: shown as 'gpuad before' columns; "
                         "given more than once, the fastest figure of the runs")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    cases = chain_cases(args.n)
    if not args.no_micro:
        cases.update(micro_cases())
    best = best_of(cases, args.rounds, args.repeats, args.target_ms / 1e3)
    rows = []
    for what in dict.fromkeys(k[0] for k in cases):
        per = N_OPS + 1 if what.startswith("chain") else 1
        g = [v * 1e6 / per for v in best[(what, "gpuad")]]
        t = [v * 1e6 / per for v in best[(what, "torch")]]
        rows.append((what, g, t, [a / b for a, b in zip(g, t, strict=True)]))
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    threads = {k: os.environ.get(k, "unset") for k in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    lines = [
        "| measurement | gpuad wall | torch wall | gpuad / torch wall | gpuad CPU | torch CPU "
        "| gpuad / torch CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for what, g, t, r in rows:
        lines.append(f"| {what} | {g[0]:.2f} | {t[0]:.2f} | **{r[0]:.2f}** | {g[1]:.2f} "
                     f"| {t[1]:.2f} | **{r[1]:.2f}** |")
    before: dict = {}
    for path in args.baseline_json:
        old = json.loads(path.read_text())
        for w, v in old["us_per_op"].items():
            prev = before.setdefault(w, {"gpuad": v["gpuad"], "gpuad_cpu": v["gpuad_cpu"],
                                         "git": old["git"]})
            prev["gpuad"] = min(prev["gpuad"], v["gpuad"])
            prev["gpuad_cpu"] = min(prev["gpuad_cpu"], v["gpuad_cpu"])
    if before:
        lines += ["", "| measurement | gpuad before, wall | gpuad now, wall | now / before "
                  "| gpuad before, CPU | gpuad now, CPU | now / before |",
                  "|---|---|---|---|---|---|---|"]
        for what, g, _t, _r in rows:
            b = before.get(what)
            if b is not None:
                lines.append(f"| {what} | {b['gpuad']:.2f} | {g[0]:.2f} | {g[0] / b['gpuad']:.2f} "
                             f"| {b['gpuad_cpu']:.2f} | {g[1]:.2f} "
                             f"| {g[1] / b['gpuad_cpu']:.2f} |")
    table = "\n".join(lines)
    print(table)
    result = {"machine": _machine(), "date": stamp, "git": args.git or _git(), "n": args.n,
              "rounds": args.rounds, "repeats": args.repeats, "threads": threads,
              "us_per_op": {w: {"gpuad": g[0], "torch": t[0], "ratio": r[0], "gpuad_cpu": g[1],
                                "torch_cpu": t[1], "ratio_cpu": r[1]} for w, g, t, r in rows}}
    result["baseline_git"] = sorted({b["git"] for b in before.values()})
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))
    if args.md is not None:
        args.md.write_text(_page(result, table, argv))
    return result


def _page(res: dict, table: str, argv) -> str:
    env = " ".join(f"{k}={v}" for k, v in res["threads"].items())
    cmd = " ".join(["python benchmarks/host_overhead.py"] + list(argv if argv is not None
                                                                  else sys.argv[1:]))
    base = ""
    if res.get("baseline_git"):
        base = (f"\nThe second table compares gpuad with an earlier tree (git "
                f"{', '.join(res['baseline_git'])}: `git archive` of it with this script copied "
                f"in, run with `--git REV --json FILE`), timed in its own processes just before "
                f"this run, alternating with runs of this tree (the fastest figure of those "
                f"runs; the torch figures of this run are the reference).\n")
    return f"""# Host cost per eager op (CPU, NumPy backend against PyTorch eager)

Machine: {res['machine']}; {res['date']}; git {res['git']}.

Command: `{env} {cmd}`

Method: both frameworks in one process, alternating case by case within each of
{res['rounds']} rounds; every figure is the fastest of {res['rounds']} x {res['repeats']} timed
repeats (each about 20 ms of back-to-back calls), the figure least disturbed by the other jobs
on this shared 2-core machine, in microseconds per op. "wall" is `time.perf_counter`, "CPU"
the process's CPU time over the same repeats (`time.process_time`, all threads; it leaves out
the time the process waited for a core, which dominates wall-clock noise here).

"chain" is the chain workload of `python -m benchmarks` (16 elementwise ops
`sin, *0.9, tanh, +0.1` and `sum`, float32, n={res['n']}), per call divided by its 17 ops:
"fwd" without recording, "vg" `value_and_grad` (gpuad) against a recorded forward and
`torch.autograd.grad` (torch); "vg, engine only" is the same gradient through gpuad's engine
alone (a leaf, the recorded forward, `engine.run_backward` to the leaf: what
`value_and_grad`'s own per-call work in gpuad/transforms.py adds is left out). The other
rows are single calls on a 10-element float64 tensor that requires grad (recording included);
"+bwd" adds the sum of the result and `backward()` (leaf `.grad` cleared first).
{base}
{table}
"""


if __name__ == "__main__":
    main()
