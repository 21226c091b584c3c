"""Markdown tables, PNG plots and the results page (``benchmarks/README.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

README_HEAD = """\
# gpuad benchmarks

gpuad against PyTorch (eager), JAX (eager and `jit`) and HIPS autograd on the same data in the
same process. Every figure is the median over several timed repeats (`time.perf_counter`,
warmup calls excluded, the device synchronised before the clock is read). Ratios are
**gpuad time / peer time**: below 1 gpuad is faster. The goals are reported, not asserted.

## Workloads

1. **seed**: `f(x1, x2) = x1 * x2 + sin(x1)` on float64 scalars (pure host overhead), and
   **chain**: 16 elementwise ops (`sin, *0.9, tanh, +0.1` repeated) then `sum` on float32
   vectors of 1e3 .. 1e7 elements (1e8 on the GPU): forward time, value-and-grad time, their
   ratio, host microseconds per op (small sizes), achieved bandwidth (large sizes).
2. **mlp**: one SGD step of a depth-4 ReLU MLP (MSE loss), float32; widths 256 and 1024 at
   batch 256 on the CPU (256/1024/4096 x 256/1024 on the GPU): time per step and peak memory.
3. **jac**: Jacobian of `sin(A @ tanh(x))`, R^n -> R^m, (n, m) in {(1000, 10), (10, 1000)},
   float64, by `jacrev` (one vjp per output row) and `jacfwd` (one jvp per input column).
4. **rnn**: `h <- tanh(h @ W + x_t)` for 1000 steps (batch 32, hidden 256), gradient in
   `(W, h0)`, without checkpointing, checkpointing every step and every sqrt(N) = 32 steps:
   time and peak memory.

Memory is reported only where it can be measured honestly: `tracemalloc` peaks for NumPy-based
code (gpuad's NumPy backend, HIPS autograd; the peak during one call above what was allocated
before it), gpuad's tape `saved_bytes` (deduplicated by buffer), PyTorch's saved tensors
(`saved_tensors_hooks`; its CPU allocator is invisible to tracemalloc), XLA's compiled
`temp_size_in_bytes` for `jax.jit`, and on the GPU the CuPy pool / `torch.cuda` peaks.

## Rerun

```bash
pip install -e '.[bench]'                 # matplotlib, autograd, torch, jax (CPU)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
    python -m benchmarks --backend numpy --out benchmarks/results     # ~5-10 min on 2 cores
python -m benchmarks --backend numpy --quick --peers installed --out /tmp/bench   # smoke run
python -m benchmarks --backend cupy --out benchmarks/results          # on a GPU machine
```

Options: `--backend numpy|cupy`, `--quick`, `--peers torch,jax,autograd` (missing peers are
skipped with a note; `installed` takes whatever is importable, `none` runs gpuad alone),
`--workloads seed,chain,mlp,jac,rnn`, `--out DIR`. Outputs: `DIR/cpu.json` (every figure and
the machine: CPU model, cores, Python/NumPy/BLAS/peer versions, date), `DIR/cpu.md` (the tables
below), `DIR/cpu_chain.png`, `DIR/cpu_checkpoint.png` (`gpu.*` for `--backend cupy`). Writing
into `benchmarks/results` regenerates this page.

**Dispatch cost of NumPy's own functions on Tensors**: `python benchmarks/dispatch.py
--baseline /path/to/another/checkout --md benchmarks/results/dispatch.md` times, in separate
interpreters, `numpy.sin(t)` (through `Tensor.__array_ufunc__`) against `gnp.sin(t)`,
`numpy.sum(t)` (through `__array_function__`) against `gnp.sum(t)`, and the `gpuad.numpy` and
Tensor-method paths of this checkout against another one, in microseconds per call (last
result: `results/dispatch.md`).
"""


def _t(r: dict | None, key: str = "median_s") -> str:
    if not r:
        return "–"
    s = r[key]
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def _ratio(g: dict | None, p: dict | None) -> str:
    if not g or not p:
        return "–"
    return f"{g['median_s'] / p['median_s']:.2f}"


def _mib(b) -> str:
    return "–" if b is None else f"{b / 2 ** 20:.1f} MiB"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def machine_line(res: dict[str, Any]) -> str:
    m = res["machine"]
    fw = ", ".join(f"{k} {v['version']}" for k, v in m["frameworks"].items())
    blas = m.get("blas", {})
    b = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    dev = f"; GPU {m['gpu']}" if m.get("gpu") else ""
    thr = f"; {res['threads']} CPU thread(s) per framework" if res.get("threads") else ""
    return (f"{m['cpu_model']} ({m['cpu_count']} cores){dev}; Python {m['python']}, NumPy "
            f"{m['numpy']} ({b}); {fw}; {m['date']}"
            f"{'; git ' + m['git'] if m.get('git') else ''}"
            f"{'; quick mode' if res.get('quick') else ''}{thr}")


def markdown(res: dict[str, Any], tag: str, out: Path | None, img_prefix: str = "",
             plots: bool = True, level: int = 2) -> str:
    h = "#" * level
    w = res["workloads"]
    peers = [f for f in res["frameworks"] if f != "gpuad"]
    imgs = make_plots(res, tag, out) if plots and out is not None else existing_plots(tag, out)
    s = [f"{h} Results: {'GPU (cupy)' if tag.endswith('gpu') else 'CPU (numpy)'} backend\n",
         f"Machine: {machine_line(res)}\n"]
    if res.get("goals"):
        s.append(f"{h}# Goals\n")
        s.append(_table(["goal", "measured", "met"],
                        [[g["goal"], g["measured"], "yes" if g["met"] else "**no**"]
                         for g in res["goals"]]))
    s.append(f"{h}# Ratios gpuad time / peer time\n")
    s.append(_table(["workload"] + peers, summary_rows(w, peers)))

    if "seed" in w:
        fr = w["seed"]["frameworks"]
        s.append(f"{h}# Seed example f(x1, x2) = x1·x2 + sin(x1) (float64 scalars)\n")
        s.append(_table(["framework", "forward", "value_and_grad", "vg / fwd", "gpuad / peer"],
                        [[k, _t(r.get("fwd")), _t(r.get("vg")),
                          f"{r.get('ratio_vg_fwd', 0):.1f}", _ratio(fr.get("gpuad", {}).get("vg"),
                                                                   r.get("vg"))]
                         for k, r in fr.items()]))
    if "chain" in w:
        c = w["chain"]
        sizes = list(c["sizes"])
        fws = list(dict.fromkeys(k for row in c["sizes"].values() for k in row))
        s.append(f"{h}# Chain of {c['n_ops']} elementwise ops + sum (float32)\n")
        s.append("value_and_grad time per call:\n\n")
        s.append(_table(["framework"] + [f"n={int(n):.0e}" for n in sizes],
                        [[f] + [_t(c["sizes"][n].get(f, {}).get("vg")) for n in sizes]
                         for f in fws]))
        s.append("\nForward (no recording) time per call:\n\n")
        s.append(_table(["framework"] + [f"n={int(n):.0e}" for n in sizes],
                        [[f] + [_t(c["sizes"][n].get(f, {}).get("fwd")) for n in sizes]
                         for f in fws]))
        small, large = sizes[0], sizes[-1]
        s.append(f"\nHost µs per op at n={small}, vg / fwd ratio, and achieved bandwidth at "
                 f"n={large} ({c['bytes_model']}):\n\n")
        rows = []
        for f in fws:
            a, b = c["sizes"][small].get(f, {}), c["sizes"][large].get(f, {})
            rows.append([f, _f(a.get("host_us_per_op_fwd")), _f(a.get("host_us_per_op_vg")),
                         _f(a.get("ratio_vg_fwd")), _f(b.get("ratio_vg_fwd")),
                         _f(b.get("fwd_GBps")), _f(b.get("vg_GBps"))])
        s.append(_table(["framework", "µs/op fwd", "µs/op vg", f"vg/fwd n={small}",
                         f"vg/fwd n={large}", "fwd GB/s", "vg GB/s"], rows))
        if "gpuad" in fws:
            g = c["sizes"][small]["gpuad"].get("fwd_record")
            if g:
                s.append(f"\ngpuad forward with tape recording at n={small}: {_t(g)} "
                         f"({g['median_s'] / (c['n_ops'] + 1) * 1e6:.1f} µs/op).\n")
    if "mlp" in w:
        s.append(f"{h}# MLP training step (depth 4, ReLU, MSE, SGD; float32)\n")
        rows = []
        for key, cfg in w["mlp"]["configs"].items():
            g = cfg["frameworks"].get("gpuad", {}).get("step")
            for f, r in cfg["frameworks"].items():
                mem = _mib(r.get("peak_bytes")) if "peak_bytes" in r else (
                    _mib(r["xla_temp_bytes"]) + " (XLA temp)" if r.get("xla_temp_bytes")
                    else "–")
                rows.append([key, f, _t(r.get("step")), _f(r.get("GFLOPs")),
                             _ratio(g, r.get("step")), mem])
        s.append(_table(["config", "framework", "time/step", "GFLOP/s", "gpuad / fw",
                         "peak memory"], rows))
    if "jac" in w:
        s.append(f"{h}# Jacobians of sin(A @ tanh(x)), R^n -> R^m (float64)\n")
        s.append("jacrev is the vjp vmapped over the m rows of the identity, jacfwd the jvp "
                 "vmapped over the n columns, in gpuad, torch.func and JAX alike.\n\n")
        rows = []
        for sh in w["jac"]["shapes"].values():
            g = sh["frameworks"].get("gpuad", {})
            for f, r in sh["frameworks"].items():
                rows.append([f"n={sh['n']} m={sh['m']}", f, _t(r.get("jacrev")),
                             _t(r.get("jacfwd")), _ratio(g.get("jacrev"), r.get("jacrev")),
                             _ratio(g.get("jacfwd"), r.get("jacfwd"))])
        s.append(_table(["shape", "framework", "jacrev", "jacfwd", "gpuad/fw rev",
                         "gpuad/fw fwd"], rows))
    if "hess" in w:
        s.append(f"{h}# Hessian of sum(sin(A @ tanh(x))), R^n -> R (float64)\n")
        s.append("Forward over reverse, vectorised: gpuad.hessian, torch.func.hessian, "
                 "jax.hessian.\n\n")
        rows = []
        for sz in w["hess"]["sizes"].values():
            g = sz["frameworks"].get("gpuad", {}).get("hessian")
            for f, r in sz["frameworks"].items():
                e = (r.get("hessian") or {}).get("max_abs_err")
                rows.append([f"n={sz['n']}", f, _t(r.get("hessian")),
                             _ratio(g, r.get("hessian")), "–" if e is None else f"{e:.1e}"])
        s.append(_table(["size", "framework", "time", "gpuad / fw", "max abs error"], rows))
    if "pex" in w:
        p = w["pex"]
        s.append(f"{h}# Per-example gradients: vmap(grad(loss)), MLP {p['d_in']}-{p['hidden']}-"
                 f"{p['hidden']}-{p['d_out']} (tanh), batch {p['batch']} (float32)\n")
        g = p["frameworks"].get("gpuad", {}).get("vmap_grad")
        rows = []
        for f, r in p["frameworks"].items():
            e = (r.get("vmap_grad") or {}).get("max_abs_err")
            rows.append([f, _t(r.get("vmap_grad")), _ratio(g, r.get("vmap_grad")),
                         "–" if e is None else f"{e:.1e}"])
        s.append(_table(["framework", "time", "gpuad / fw", "max abs error"], rows))
    if "rnn" in w:
        r0 = w["rnn"]
        s.append(f"{h}# Recurrence: {r0['steps']}-step RNN (batch {r0['batch']}, hidden "
                 f"{r0['hidden']}, float32), checkpointing\n")
        rows = []
        for f, row in r0["frameworks"].items():
            for sname, r in row.items():
                mem = (_mib(r.get("peak_bytes")) if r.get("peak_bytes") is not None
                       else _mib(r["xla_temp_bytes"]) + " (XLA temp)" if r.get("xla_temp_bytes")
                       else _mib(r["torch_saved_unique_bytes"]) + " (saved tensors)"
                       if r.get("torch_saved_unique_bytes") else "–")
                red = (r.get("peak_bytes_reduction") or r.get("xla_temp_bytes_reduction"))
                rows.append([f, sname, _t(r.get("vg")), _f(r.get("time_vs_none")), mem,
                             _f(red), _mib(r.get("tape_saved_unique_bytes"))
                             if "tape_saved_unique_bytes" in r else "–"])
        s.append(_table(["framework", "checkpoint", "time", "time / none", "peak memory",
                         "memory cut", "gpuad tape saved"], rows))
    if res.get("jit_compiled"):  # GPU: how each compiled function replays
        s.append(f"{h}# CUDA graphs of the compiled functions\n")
        cols = ("graph", "graphs", "uncaptured", "matmuls_in_graph", "cublas_graph")
        s.append(_table(["function", "graph", "graphs", "steps between graphs",
                         "matmuls in the graphs", "cuBLAS in graphs"],
                        [[k] + [str(v.get(c, "–")) for c in cols]
                         for k, v in res["jit_compiled"].items()]))
    for name, path in imgs:
        s.append(f"\n![{name}]({img_prefix}{path})\n")
    if res.get("notes"):
        s.append(f"\n{h}# Notes\n\n" + "".join(f"- {n}\n" for n in res["notes"]))
    return "\n".join(s)


def _f(v) -> str:
    if v is None:
        return "–"
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def summary_rows(w: dict[str, Any], peers: list[str]) -> list[list[str]]:
    rows = []

    def row(label, g, ps):
        rows.append([label] + [_ratio(g, p) for p in ps])

    if "seed" in w:
        fr = w["seed"]["frameworks"]
        row("seed value_and_grad", fr.get("gpuad", {}).get("vg"),
            [fr.get(p, {}).get("vg") for p in peers])
    if "chain" in w:
        for n, fr in w["chain"]["sizes"].items():
            for k in ("fwd", "vg"):
                row(f"chain {k} n={n}", fr.get("gpuad", {}).get(k),
                    [fr.get(p, {}).get(k) for p in peers])
    if "mlp" in w:
        for key, cfg in w["mlp"]["configs"].items():
            fr = cfg["frameworks"]
            row(f"mlp step {key}", fr.get("gpuad", {}).get("step"),
                [fr.get(p, {}).get("step") for p in peers])
    if "jac" in w:
        for sh in w["jac"]["shapes"].values():
            fr = sh["frameworks"]
            for k in ("jacrev", "jacfwd"):
                row(f"{k} n={sh['n']} m={sh['m']}", fr.get("gpuad", {}).get(k),
                    [fr.get(p, {}).get(k) for p in peers])
    if "hess" in w:
        for sz in w["hess"]["sizes"].values():
            fr = sz["frameworks"]
            row(f"hessian n={sz['n']}", fr.get("gpuad", {}).get("hessian"),
                [fr.get(p, {}).get("hessian") for p in peers])
    if "pex" in w:
        fr = w["pex"]["frameworks"]
        row(f"per-example grads batch={w['pex']['batch']}", fr.get("gpuad", {}).get("vmap_grad"),
            [fr.get(p, {}).get("vmap_grad") for p in peers])
    if "rnn" in w:
        fr = w["rnn"]["frameworks"]
        for sname in w["rnn"]["strategies"]:
            row(f"rnn checkpoint={sname}", fr.get("gpuad", {}).get(sname, {}).get("vg"),
                [fr.get(p, {}).get(sname, {}).get("vg") for p in peers])
    return rows


def existing_plots(tag: str, out: Path | None) -> list[tuple[str, str]]:
    if out is None:
        return []
    return [(n, f"{tag}_{n}.png") for n in ("chain", "checkpoint")
            if (out / f"{tag}_{n}.png").exists()]


def make_plots(res: dict[str, Any], tag: str, out: Path) -> list[tuple[str, str]]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        res.setdefault("notes", []).append("matplotlib not installed: no plots")
        return []
    made = []
    label = machine_line(res)
    w = res["workloads"]
    if "chain" in w:
        c = w["chain"]
        fws = list(dict.fromkeys(k for row in c["sizes"].values() for k in row))
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for ax, key, title in ((axes[0], "fwd", "forward"), (axes[1], "vg", "value_and_grad")):
            for f in fws:
                xs = [int(n) for n, row in c["sizes"].items() if row.get(f, {}).get(key)]
                ys = [c["sizes"][str(n)][f][key]["median_s"] for n in xs]
                if xs:
                    ax.loglog(xs, ys, "o-", label=f, lw=2.5 if f == "gpuad" else 1.2)
            ax.set_xlabel("elements")
            ax.set_ylabel("seconds per call")
            ax.set_title(f"chain of {c['n_ops']} ops: {title}")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle(label, fontsize=7)
        fig.tight_layout()
        fig.savefig(out / f"{tag}_chain.png", dpi=110)
        plt.close(fig)
        made.append(("chain", f"{tag}_chain.png"))
    if "rnn" in w:
        r0 = w["rnn"]
        strat = list(r0["strategies"])
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for f, row in r0["frameworks"].items():
            for key, suffix in (("peak_bytes", ""), ("xla_temp_bytes", " (XLA temp)"),
                                ("tape_saved_unique_bytes", " tape saved")):
                pts = [(i, row[s][key]) for i, s in enumerate(strat)
                       if s in row and row[s].get(key)]
                if pts:
                    axes[0].plot([p[0] for p in pts], [p[1] / 2 ** 20 for p in pts], "o-",
                                 label=f + suffix)
            pts = [(i, row[s]["vg"]["median_s"]) for i, s in enumerate(strat)
                   if s in row and row[s].get("vg")]
            if pts:
                axes[1].plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f)
        for ax, yl in ((axes[0], "memory (MiB)"), (axes[1], "seconds per value_and_grad")):
            ax.set_xticks(range(len(strat)), [f"{s}\n(k={r0['strategies'][s]})" for s in strat])
            ax.set_xlabel("checkpoint interval")
            ax.set_ylabel(yl)
            ax.set_yscale("log")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
        axes[0].set_title(f"{r0['steps']}-step RNN: memory vs checkpoint interval")
        axes[1].set_title("time vs checkpoint interval")
        fig.suptitle(label, fontsize=7)
        fig.tight_layout()
        fig.savefig(out / f"{tag}_checkpoint.png", dpi=110)
        plt.close(fig)
        made.append(("checkpoint", f"{tag}_checkpoint.png"))
    return made


def write_readme(path: Path, results: Path) -> None:
    """Regenerate the results page from the JSON files in ``results``."""
    try:
        rel = results.resolve().relative_to(path.resolve().parent).as_posix() + "/"
    except ValueError:
        rel = results.resolve().as_posix() + "/"
    parts = [README_HEAD]
    for tag in ("cpu", "gpu"):
        f = results / f"{tag}.json"
        if f.exists():
            res = json.loads(f.read_text())
            parts.append(markdown(res, tag, results, img_prefix=rel, plots=False))
    path.write_text("\n".join(parts))
