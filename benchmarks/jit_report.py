"""The gpuad.jit table: gpuad eager, gpuad-jit and the peers of the same run, per workload.

    python -m benchmarks.jit_report RESULTS.json [MORE.json ...] > benchmarks/results/jit_cpu.md

Reads the JSON files ``python -m benchmarks`` writes (their ``gpuad-jit`` column and
``jit_trace_s``) and prints Markdown: steady-state times (median per call, tracing excluded),
the speed-up of jit over gpuad eager, jit / peer ratios, and the tracing cost of each first call.
"""

from __future__ import annotations

import json
import sys
from typing import Any

COLS = ("gpuad", "gpuad-jit", "torch", "jax", "jax-jit", "autograd")


def _t(r: dict | None) -> float | None:
    return r["median_s"] if r and r.get("median_s") else None


def _us(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s * 1e6:.1f} us" if s < 1e-2 else f"{s * 1e3:.2f} ms"


def _x(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None else f"{a / b:.2f}"


def _rows(res: dict[str, Any]):
    """(label, {framework: seconds}) for every measurement of every workload."""
    w = res["workloads"]
    if "seed" in w:
        fr = w["seed"]["frameworks"]
        for k in ("fwd", "vg"):
            yield f"seed {k}", {f: _t(r.get(k)) for f, r in fr.items()}
    for n, row in w.get("chain", {}).get("sizes", {}).items():
        for k in ("fwd", "vg"):
            yield f"chain {k} n={n}", {f: _t(r.get(k)) for f, r in row.items()}
    for key, cfg in w.get("mlp", {}).get("configs", {}).items():
        yield f"mlp step {key}", {f: _t(r.get("step")) for f, r in cfg["frameworks"].items()}
    for key, sh in w.get("jac", {}).get("shapes", {}).items():
        for k in ("jacrev", "jacfwd"):
            yield f"{k} {key}", {f: _t(r.get(k)) for f, r in sh["frameworks"].items()}
    rnn = w.get("rnn", {})
    for f, row in rnn.get("frameworks", {}).items():
        for sname, r in row.items():
            yield (f"rnn {rnn.get('steps')} steps, checkpoint {sname}",
                   {f: _t(r.get("vg"))})


def markdown(results: list[dict[str, Any]]) -> str:
    out = ["# gpuad.jit on the CPU", ""]
    for res in results:
        m = res["machine"]
        fws = ", ".join(f"{k} {v['version']}" for k, v in m["frameworks"].items())
        out += [f"- {m['date']}, {m['cpu_model']} ({m['cpu_affinity']} cores usable), "
                f"{m['platform']}, Python {m['python']}, NumPy {m['numpy']}; {fws}; "
                f"{'quick' if res.get('quick') else 'full'} configuration; 1-min load average "
                f"{(m.get('loadavg_at_start') or [0])[0]:.1f} at start, "
                f"{(m.get('loadavg_at_end') or [0])[0]:.1f} at end"]
    out += ["", "Steady state: median time per call after warmup (the tracing call is excluded "
            "and listed below). `eager / jit`: how much faster the compiled function is than "
            "gpuad eager; `jit / peer`: below 1 the compiled function is faster.", ""]
    merged: dict[str, dict[str, float | None]] = {}
    for res in results:
        for label, row in _rows(res):
            merged.setdefault(label, {}).update(row)
    head = ["workload"] + [c for c in COLS] + ["eager / jit", "jit / torch", "jit / jax-jit"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for label, row in merged.items():
        j = row.get("gpuad-jit")
        cells = [label] + [_us(row.get(c)) for c in COLS] + [
            _x(row.get("gpuad"), j), _x(j, row.get("torch")), _x(j, row.get("jax-jit"))]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "## Tracing cost (first call of each compiled function)", "",
            "| function | first call |", "| --- | --- |"]
    for res in results:
        for k, v in (res.get("jit_trace_s") or {}).items():
            out.append(f"| {k} | {_us(v)} |")
    notes = [n for res in results for n in res.get("notes", []) if "matplotlib" not in n]
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in dict.fromkeys(notes)]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    results = [json.loads(open(p).read()) for p in argv]
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
