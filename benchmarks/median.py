"""Merge several runs of ``python -m benchmarks`` into one result: each timing is the median
over the runs (on a shared, noisy machine one run is not enough).

    python -m benchmarks.median /tmp/r1/vmap_cpu.json /tmp/r2/vmap_cpu.json /tmp/r3/vmap_cpu.json \\
        --out benchmarks/results --tag vmap_cpu

Every ``{"median_s": ...}`` entry of the first run becomes the median of that entry over the
runs; ``runs_s`` keeps each run's figure, so the spread is visible. Ratios in the Markdown are
computed from the merged medians; the per-run ratios gpuad / peer are listed too.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks import report


def _get(tree: Any, path: tuple) -> Any:
    for k in path:
        if not isinstance(tree, dict) or k not in tree:
            return None
        tree = tree[k]
    return tree


def _timings(tree: Any, path: tuple = ()):
    """Paths of every timing entry (a dict with ``median_s``)."""
    if isinstance(tree, dict):
        if "median_s" in tree:
            yield path
            return
        for k, v in tree.items():
            yield from _timings(v, path + (k,))


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(runs[0])
    for path in list(_timings(out["workloads"])):
        entry = _get(out["workloads"], path)
        vals = [v["median_s"] for v in (_get(r["workloads"], path) for r in runs) if v]
        entry["runs_s"] = vals
        entry["median_s"] = statistics.median(vals)
    out["merged_runs"] = len(runs)
    out["machine"]["dates"] = [r["machine"]["date"] for r in runs]
    out["machine"]["loadavg_per_run"] = [(r["machine"].get("loadavg_at_start"),
                                          r["machine"].get("loadavg_at_end")) for r in runs]
    out["notes"] = sorted({n for r in runs for n in r.get("notes", [])})
    return out


def per_run_ratios(res: dict[str, Any]) -> str:
    """A table: for each timing of gpuad, its ratio to each peer in each run."""
    rows = []
    peers = [f for f in res["frameworks"] if f != "gpuad"]
    for path in _timings(res["workloads"]):
        if "gpuad" not in path:
            continue
        g = _get(res["workloads"], path)
        i = path.index("gpuad")
        label = " ".join(str(p) for p in path[:i] + path[i + 1:] if p != "frameworks")
        cells = []
        for p in peers:
            q = _get(res["workloads"], path[:i] + (p,) + path[i + 1:])
            if not q or len(q.get("runs_s", [])) != len(g["runs_s"]):
                cells.append("–")
                continue
            cells.append(", ".join(f"{a / b:.2f}" for a, b in zip(g["runs_s"], q["runs_s"],
                                                                   strict=True)))
        rows.append([label] + cells)
    return report._table(["timing (gpuad / peer, per run)"] + peers, rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.median", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="JSON files written by python -m benchmarks")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--tag", required=True, help="output names: OUT/TAG.json, OUT/TAG.md")
    args = ap.parse_args(argv)
    res = merge([json.loads(Path(p).read_text()) for p in args.runs])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    md = report.markdown(res, args.tag, None, plots=False)
    md += (f"\n### Each run\n\nMedians over {res['merged_runs']} runs (dates "
           f"{', '.join(res['machine']['dates'])}); the ratio gpuad / peer in each run:\n\n"
           + per_run_ratios(res))
    (out / f"{args.tag}.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    (out / f"{args.tag}.md").write_text(md)
    print(f"wrote {out / (args.tag + '.json')} and {out / (args.tag + '.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
