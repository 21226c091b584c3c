"""Entry point: ``python -m benchmarks`` or ``python benchmarks/run.py``.

    python -m benchmarks --backend numpy --out benchmarks/results          # full CPU run
    python -m benchmarks --quick --peers torch,jax,autograd --out /tmp/b   # a smoke run
    python -m benchmarks --workloads jac,hess,pex --peers torch,jax --tag vmap_cpu  # vmap

Writes ``OUT/{cpu,gpu}.json`` (every figure and the machine), ``OUT/{cpu,gpu}.md`` (tables of
ratios gpuad time / peer time) and PNG plots when matplotlib is installed. With ``--out``
pointing at ``benchmarks/results`` the results page ``benchmarks/README.md`` is regenerated.
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
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "benchmarks"

import numpy as np  # noqa: E402

from benchmarks import peers as _peers  # noqa: E402
from benchmarks import report as _report  # noqa: E402
from benchmarks.workloads import (  # noqa: E402
    WORKLOADS,
    Gpuad,
    GpuadJit,
    GpuadJitNoFuse,
    config,
)

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _blas() -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        info = {k: b.get(k) for k in ("name", "version", "openblas configuration")}
    except Exception:  # noqa: BLE001
        pass
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "num_threads",
                                                       "version", "architecture")}
                               for p in threadpool_info()]
    except Exception:  # noqa: BLE001
        pass
    info["env"] = {k: os.environ[k] for k in sorted(os.environ)
                   if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    return info


def _git() -> str | None:
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                           capture_output=True, timeout=5)
        return r.stdout.strip() or None
    except Exception:  # noqa: BLE001
        return None


def machine(backend: str, frameworks: list[Any]) -> dict[str, Any]:
    m: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "mem_total_bytes": _mem_total(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": _git(),
        "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "backend": backend,
        "frameworks": {fw.name: {"version": fw.version, "device": fw.device}
                       for fw in frameworks},
    }
    if backend == "cupy":
        try:
            import cupy

            p = cupy.cuda.runtime.getDeviceProperties(0)
            m["gpu"] = p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
            m["cupy"] = cupy.__version__
        except Exception as e:  # noqa: BLE001
            m["gpu"] = f"unknown ({type(e).__name__})"
    return m


def goals(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, with the measured figure (reported, never asserted)."""
    out = []
    w = res["workloads"]

    def add(goal, value, ok):
        out.append({"goal": goal, "measured": value, "met": ok})

    chain = w.get("chain", {}).get("sizes", {})
    if chain:
        small = chain[min(chain, key=int)]
        g = small.get("gpuad", {}).get("host_us_per_op_vg")
        for peer, lim in (("autograd", 1.0), ("torch", 2.0)):
            p = small.get(peer, {}).get("host_us_per_op_vg")
            if g and p:
                add(f"host overhead per op (value_and_grad, n={min(chain, key=int)}) "
                    f"<= {lim}x {peer}", f"{g:.1f} vs {p:.1f} us/op = {g / p:.2f}x", g / p <= lim)
    for key, cfg in w.get("mlp", {}).get("configs", {}).items():
        if cfg["width"] == 1024:
            fr = cfg["frameworks"]
            g, p = fr.get("gpuad", {}).get("step"), fr.get("torch", {}).get("step")
            if g and p:
                r = g["median_s"] / p["median_s"]
                add(f"MLP {key} step within 1.1x of torch", f"{r:.2f}x", r <= 1.1)
    rnn = w.get("rnn", {}).get("frameworks", {}).get("gpuad", {})
    for name, r in rnn.items():
        if name.startswith("every_") and name != "every_step" and "peak_bytes_reduction" in r:
            red, tr = r["peak_bytes_reduction"], r.get("time_vs_none")
            add(f"checkpoint {name}: activation memory cut >= 4x at <= 1.4x time",
                f"memory / {red:.1f}, time x {tr:.2f}", red >= 4 and (tr or 9) <= 1.4)
    return out


def _write(res: dict[str, Any], out: Path, tag: str, t_start: float) -> None:
    """Write ``tag``.json and ``tag``.md (goals and elapsed time as of now)."""
    res["goals"] = goals(res)
    res["elapsed_s"] = time.perf_counter() - t_start
    if hasattr(os, "getloadavg"):
        res["machine"]["loadavg_at_end"] = os.getloadavg()
    (out / f"{tag}.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    (out / f"{tag}.md").write_text(_report.markdown(res, tag, out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("numpy", "cupy"), default="numpy")
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    ap.add_argument("--peers", default="torch,jax,autograd",
                    help="comma-separated peers among torch,jax,autograd (jax-jit: jax.jit "
                         "without the eager column); 'none' for none; "
                         "'installed' for whichever are importable")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help=f"comma-separated subset of {','.join(WORKLOADS)}")
    ap.add_argument("--no-jit", action="store_true",
                    help="leave out the gpuad-jit column (every workload under gpuad.jit)")
    ap.add_argument("--jit-nofuse", action="store_true",
                    help="add a gpuad-jit-nofuse column: gpuad.jit with fusion turned off")
    ap.add_argument("--chain-sizes", default=None,
                    help="comma-separated vector sizes of the chain workload (default: by "
                         "backend and --quick)")
    ap.add_argument("--tag", default=None,
                    help="name of the result files, OUT/TAG.json and OUT/TAG.md (default: cpu "
                         "or gpu by backend); a run under its own tag leaves the results page "
                         "alone unless --readme is given")
    ap.add_argument("--threads", type=int, default=None,
                    help="CPU threads for every framework (BLAS, OpenMP, PyTorch, gpuad's fused "
                         "kernels; XLA when 1): set by `python -m benchmarks` before anything "
                         "loads; recorded in the results")
    ap.add_argument("--readme", default=None,
                    help="results page to regenerate (default: benchmarks/README.md when "
                         "--out is benchmarks/results, otherwise none)")
    args = ap.parse_args(argv)

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if args.peers in ("", "none"):
        names = []
    elif args.peers == "installed":
        names = _peers.installed()
    else:
        names = [p.strip() for p in args.peers.split(",") if p.strip()]
    t_start = time.perf_counter()
    gp = Gpuad(args.backend)
    notes += gp.notes
    jitted = [] if args.no_jit else [GpuadJit(args.backend)]
    if args.jit_nofuse:
        jitted.append(GpuadJitNoFuse(args.backend))
    frameworks = [gp] + jitted + _peers.load(names, args.backend, notes)
    cfg = config(args.backend, args.quick)
    if args.chain_sizes:
        cfg["chain_sizes"] = [int(float(n)) for n in args.chain_sizes.split(",")]
    res: dict[str, Any] = {
        "machine": machine(args.backend, frameworks),
        "quick": args.quick,
        "config": {k: v for k, v in cfg.items()},
        "peers_requested": names,
        "threads": args.threads,
        "frameworks": [fw.name for fw in frameworks],
        "timing": "median over repeats of the mean time per call (time.perf_counter); warmup "
                  "calls excluded; device synchronised before reading the clock",
        "notes": notes,
        "workloads": {},
    }
    log = lambda s: print(s, flush=True)
    tag = args.tag or ("gpu" if args.backend == "cupy" else "cpu")
    try:
        for name in args.workloads.split(","):
            log(f"[{name}]")
            res["workloads"][name] = WORKLOADS[name](frameworks, cfg, notes, log)
            if jitted:  # the first (tracing) call of each compiled function, in seconds
                res["jit_trace_s"] = dict(jitted[0].trace_s)
                if jitted[0].compiled:
                    res["jit_capture_s"] = dict(jitted[0].capture_s)
                    res["jit_compiled"] = dict(jitted[0].compiled)
            _write(res, out, tag, t_start)  # partial results survive a later interruption
    except KeyboardInterrupt:
        done = ", ".join(res["workloads"]) or "none"
        notes.append(f"interrupted (time limit): finished workloads: {done}")
    la0, la1 = (res["machine"].get(k) or (0.0,) for k in ("loadavg_at_start", "loadavg_at_end"))
    la0, la1 = la0[0], la1[0]
    if max(la0, la1) > (os.cpu_count() or 1):
        notes.append(f"the machine was busy (1-min load average {la0:.1f} at start, "
                     f"{la1:.1f} at end, {os.cpu_count()} cores): timings are noisy")
    _write(res, out, tag, t_start)
    readme = args.readme
    if readme is None and out == DEFAULT_OUT.resolve() and args.tag is None:
        readme = str(HERE / "README.md")
    if readme:
        _report.write_readme(Path(readme), out)
    for n in notes:
        log(f"note: {n}")
    log(f"wrote {out / f'{tag}.json'} and {out / f'{tag}.md'} in {res['elapsed_s']:.0f} s")
    return 3 if len(res["workloads"]) < len(args.workloads.split(",")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
