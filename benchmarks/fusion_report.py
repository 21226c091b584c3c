"""The fusion table: the chain workload's forward and value_and_grad under gpuad eager,
gpuad.jit without fusion, gpuad.jit with fusion and the peers, from the same run(s).

    python -m benchmarks --workloads chain --peers torch,jax --jit-nofuse \\
        --chain-sizes 1000000 --out DIR --tag fusion_cpu
    python -m benchmarks.fusion_report DIR/fusion_cpu.json [MORE.json ...] > fusion_cpu.md

A file may also hold ``{"runs": [result, ...]}`` (benchmarks/results/fusion_cpu.json).

Medians per call (tracing excluded) and ratios within each run; the issue's CPU goals (fused
value_and_grad at least 3x faster than gpuad eager, no slower than jax-jit) are checked per run.
"""

from __future__ import annotations

import json
import sys
from typing import Any

COLS = ("gpuad", "gpuad-jit-nofuse", "gpuad-jit", "jax-jit", "jax", "torch")
NAMES = {"gpuad": "gpuad eager", "gpuad-jit-nofuse": "gpuad jit, no fusion",
         "gpuad-jit": "gpuad jit, fusion", "jax-jit": "jax-jit", "jax": "jax eager",
         "torch": "torch eager"}


def _ms(s: float | None) -> str:
    return "n/a" if s is None else f"{s * 1e3:.1f} ms"


def _x(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None else f"{a / b:.2f}"


def summary(runs: list[dict[str, Any]]) -> list[str]:
    """One row per run and size: value_and_grad medians and the two goal ratios, then the
    median of each ratio over the runs."""
    out = ["| run | n | gpuad eager | jit, no fusion | jit, fusion | jax-jit | "
           "eager / fused | fused / jax-jit |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    r1: list[float] = []
    r2: list[float] = []
    for k, res in enumerate(runs):
        for n, row in res["workloads"]["chain"]["sizes"].items():
            t = {c: (row.get(c, {}).get("vg") or {}).get("median_s") for c in COLS}
            e, f, j = t["gpuad"], t["gpuad-jit"], t["jax-jit"]
            if e and f:
                r1.append(e / f)
            if f and j:
                r2.append(f / j)
            out.append(f"| {k + 1} | {int(n):,} | {_ms(e)} | {_ms(t['gpuad-jit-nofuse'])} | "
                       f"{_ms(f)} | {_ms(j)} | {_x(e, f)} | {_x(f, j)} |")
    if r1 and r2:
        out += ["", f"Median over runs: eager / fused {_median(r1):.2f} (goal: at least 3), "
                f"fused / jax-jit {_median(r2):.2f} (goal: at most 1, met in "
                f"{sum(r <= 1 for r in r2)} of {len(r2)} runs)."]
    return out


def _median(xs: list[float]) -> float:
    ys = sorted(xs)
    m = len(ys) // 2
    return ys[m] if len(ys) % 2 else (ys[m - 1] + ys[m]) / 2


def markdown(runs: list[dict[str, Any]]) -> str:
    out = ["# Fusion in gpuad.jit: the chain workload on the CPU", "",
           "value_and_grad, median per call within each run:", ""] + summary(runs) + [""]
    for k, res in enumerate(runs):
        m = res["machine"]
        la0 = (m.get("loadavg_at_start") or [0.0])[0]
        la1 = (m.get("loadavg_at_end") or [0.0])[0]
        fws = ", ".join(f"{n} {v['version']}" for n, v in m["frameworks"].items())
        out += [f"## Run {k + 1}", "",
                f"- {m['date']}, {m['cpu_model']}, {m['cpu_affinity']} cores usable, 1-min "
                f"load average {la0:.1f} at start and {la1:.1f} at end (a shared, busy "
                f"machine: medians are noisy; ratios are within this run)",
                f"- {fws}; git {m.get('git', '?')}",
                f"- {res['timing']}", ""]
        chain = res["workloads"]["chain"]
        for n, row in chain["sizes"].items():
            out += [f"### chain of {chain['n_ops']} ops, n = {int(n):,} ({chain['dtype']})", "",
                    "| | forward | value_and_grad | vg: eager / this | vg: this / jax-jit |",
                    "|---|---:|---:|---:|---:|"]
            t = {c: {w: (row.get(c, {}).get(w) or {}).get("median_s") for w in ("fwd", "vg")}
                 for c in COLS}
            for c in COLS:
                if c not in row:
                    continue
                out.append(f"| {NAMES[c]} | {_ms(t[c]['fwd'])} | {_ms(t[c]['vg'])} | "
                           f"{_x(t['gpuad']['vg'], t[c]['vg'])} | "
                           f"{_x(t[c]['vg'], t['jax-jit']['vg'])} |")
            f, e, j = t["gpuad-jit"]["vg"], t["gpuad"]["vg"], t["jax-jit"]["vg"]
            out += ["", "Goals (value_and_grad, fused):", ""]
            if f and e:
                out.append(f"- at least 3x faster than gpuad eager: {e / f:.2f}x: "
                           f"{'met' if e / f >= 3 else 'NOT met'}")
            if f and j:
                out.append(f"- no slower than jax-jit: {f / j:.2f}x jax-jit's time: "
                           f"{'met' if f <= j else 'NOT met'}")
            out.append("")
        tr = {k2: v for k2, v in res.get("jit_trace_s", {}).items() if "chain" in k2}
        if tr:
            out += ["First (tracing and compiling) calls of gpuad-jit: " + ", ".join(
                f"{k2} {v:.2f} s" for k2, v in tr.items()), ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    runs = []
    for p in argv:
        with open(p) as f:
            res = json.load(f)
        runs += res["runs"] if "runs" in res else [res]  # several runs in one file
    print(markdown(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
