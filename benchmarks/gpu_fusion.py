"""Fusion, rematerialisation and CUDA graphs: the chain workload (16 elementwise ops, then the
sum) under gpuad eager and four ``gpuad.jit`` variants, beside PyTorch eager and jax-jit, in
one run:

- ``jit``: the defaults (fusion, rematerialisation, one CUDA graph per call on a GPU);
- ``jit graph=False``: the same program launched kernel by kernel;
- ``jit fuse=False``: no fusion (one backend call per step, into the memory plan's buffers);
- ``jit remat=0``: fusion that saves every value the backward reads
  (``Options(remat=0.0, move=False)``): the saved bytes rematerialisation avoids.

Also the bytes each compiled value_and_grad saves for its backward and the achieved bandwidth
of the fused program (the 8 bytes per element value_and_grad must move: read x, write the
gradient) against a device-to-device copy measured in the same run.

    python -m benchmarks.gpu_fusion --backend cupy --out DIR      (DIR/gpu_fusion.json and .md)
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import peers as _peers  # noqa: E402
from benchmarks.common import measure  # noqa: E402
from benchmarks.programs import chain  # noqa: E402

VARIANTS = ("eager", "jit", "jit graph=False", "jit fuse=False", "jit remat=0")


def _variants(ad, n_ops: int) -> dict[str, Any]:
    """name -> a function making (fwd, vg) callables of one array, or None (eager)."""
    from gpuad.jit.fusion import Options, default_options

    be = ad.get_backend().name
    f = functools.partial(chain, n_ops=n_ops)
    save_all = dataclasses.replace(default_options(be), remat=0.0, move=False)
    kw = {"jit": {}, "jit graph=False": {"graph": False}, "jit fuse=False": {"fuse": False},
          "jit remat=0": {"fuse": save_all}}
    out: dict[str, Any] = {"eager": (f, ad.value_and_grad(f))}
    for name, k in kw.items():
        out[name] = (ad.jit(f, **k), ad.jit(ad.value_and_grad(f), **k))
    assert isinstance(save_all, Options)
    return out


def _copy_bandwidth(be, n: int) -> float:
    """Bytes per second of a device-to-device copy of ``n`` float32 (read + write)."""
    src = be.asarray(np.ones(n, np.float32))
    dst = be.asarray(np.zeros(n, np.float32))
    xp = be.xp
    r = measure(lambda: xp.copyto(dst, src), lambda _: be.synchronize(), repeats=7)
    return 2 * n * 4 / r["median_s"]


def run(backend: str, sizes: list[int], n_ops: int, peers: list[str]) -> dict[str, Any]:
    import gpuad as ad

    ad.set_backend(backend)
    be = ad.get_backend()
    notes: list[str] = []
    peer_fws = [p for p in _peers.load(peers, backend, notes) if p.name != "jax"]
    sync = lambda _: be.synchronize()
    res: dict[str, Any] = {"backend": backend, "n_ops": n_ops, "sizes": {}, "notes": notes,
                           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        res["copy_GBps"] = _copy_bandwidth(be, max(sizes)) / 1e9
    except Exception as e:  # noqa: BLE001
        notes.append(f"copy bandwidth: {type(e).__name__}: {e}")
    rng = np.random.default_rng(0)
    for n in sizes:
        x = be.asarray(rng.standard_normal(n).astype(np.float32))
        row: dict[str, Any] = {}
        for name, (fwd, vg) in _variants(ad, n_ops).items():
            r: dict[str, Any] = {}
            for kind, fn in (("fwd", fwd), ("vg", vg)):
                if kind == "fwd" and name not in ("eager", "jit"):
                    continue
                try:
                    t0 = time.perf_counter()
                    sync(fn(x))
                    r[f"{kind}_first_s"] = time.perf_counter() - t0
                    r[kind] = measure(lambda fn=fn: fn(x), sync, repeats=7, budget_s=4.0)
                except Exception as e:  # noqa: BLE001
                    r[f"{kind}_error"] = f"{type(e).__name__}: {str(e)[:300]}"
                    continue
                if hasattr(fn, "cache_info"):
                    entries = fn.cache_info()["entries"]
                    if entries:
                        e0 = entries[0]
                        r[f"{kind}_program"] = {k: e0[k] for k in (
                            "steps", "graph", "graphs", "uncaptured", "launches",
                            "inputs_in_place", "inputs_copied", "output_sets",
                            "outputs_handed", "outputs_copied", "held_calls") if k in e0}
            if "vg" in r and hasattr(vg, "lower"):
                prog = vg.lower(x)
                rep = getattr(prog, "fusion", None)
                if rep is not None:
                    r["saved_before"], r["saved_after"] = rep.saved_before, rep.saved_after
                    r["extra_ops"] = rep.extra_ops
                r["peak_bytes"] = dict(prog.peak_bytes)
            row[name] = r
            print(f"  n={n:<10d} {name:16s} " + "  ".join(
                f"{k} {r[k]['median_s'] * 1e3:9.4f} ms" for k in ("fwd", "vg") if k in r)
                + "".join(f"  {k}: {r[k]}" for k in r if k.endswith("_error")), flush=True)
        xh = np.asarray(rng.standard_normal(n).astype(np.float32))
        for fw in peer_fws:
            try:
                fns = fw.chain(xh, n_ops)
                row[fw.name] = {k: measure(fns[k], fw.sync, repeats=7, budget_s=4.0)
                                for k in ("fwd", "vg")}
            except Exception as e:  # noqa: BLE001
                row[fw.name] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
            print(f"  n={n:<10d} {fw.name:16s} " + "  ".join(
                f"{k} {row[fw.name][k]['median_s'] * 1e3:9.4f} ms" for k in ("fwd", "vg")
                if k in row[fw.name]), flush=True)
        res["sizes"][str(n)] = row
    return res


def _ms(r: dict | None, k: str) -> float | None:
    return r[k]["median_s"] * 1e3 if r and k in r else None


def _num(v: Any) -> str:
    return "n/a" if v is None else f"{v:,}" if isinstance(v, int) else str(v)


def markdown(res: dict[str, Any]) -> str:
    cols = list(VARIANTS) + ["torch", "jax-jit"]
    lines = [f"# Chain ({res['n_ops']} ops) on `{res['backend']}`: fusion, remat, graphs",
             "", f"{res['date']}; medians in ms per call, tracing excluded "
             "(`python -m benchmarks.gpu_fusion`).", ""]
    for kind in ("vg", "fwd"):
        lines += [f"## {'value_and_grad' if kind == 'vg' else 'forward'}", "",
                  "| n | " + " | ".join(cols) + " | jit / jax-jit | jit / eager |",
                  "|---|" + "---:|" * (len(cols) + 2)]
        for n, row in res["sizes"].items():
            t = {c: _ms(row.get(c), kind) for c in cols}
            cells = ["n/a" if v is None else f"{v:.4f}" for v in t.values()]
            rj = (f"{t['jit'] / t['jax-jit']:.2f}" if t["jit"] and t["jax-jit"] else "n/a")
            re_ = (f"{t['jit'] / t['eager']:.2f}" if t["jit"] and t["eager"] else "n/a")
            lines.append(f"| {int(n):,} | " + " | ".join(cells) + f" | {rj} | {re_} |")
        lines.append("")
    lines += ["## Saved bytes, graphs and bandwidth (value_and_grad)", "",
              "| n | variant | saved before remat | saved after | extra ops/elem | steps | "
              "graph | GB/s (8 B/elem) | of copy |", "|---|---|---:|---:|---:|---:|---|---:|---:|"]
    copy = res.get("copy_GBps")
    for n, row in res["sizes"].items():
        for name in VARIANTS[1:]:
            r = row.get(name) or {}
            prog = r.get("vg_program", {})
            t = _ms(r, "vg")
            gbs = 8 * int(n) / (t / 1e3) / 1e9 if t else None
            lines.append(
                f"| {int(n):,} | {name} | {_num(r.get('saved_before'))} | "
                f"{_num(r.get('saved_after'))} | {_num(r.get('extra_ops'))} | "
                f"{prog.get('steps', 'n/a')} | {prog.get('graph', 'n/a')} | "
                + (f"{gbs:.0f} | {gbs / copy:.2f} |" if gbs and copy else "n/a | n/a |"))
    if copy:
        lines += ["", f"Device copy (read + write): {copy:.0f} GB/s."]
    errs = [f"- n={n} {name}: {k}: {v}" for n, row in res["sizes"].items()
            for name, r in row.items() for k, v in r.items() if k.endswith("error")]
    if errs or res["notes"]:
        lines += ["", "Errors and notes:", ""] + errs + [f"- {m}" for m in res["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("numpy", "cupy"), default="cupy")
    ap.add_argument("--sizes", default="1e4,1e6,1e7,1e8")
    ap.add_argument("--ops", type=int, default=16)
    ap.add_argument("--peers", default="torch,jax")
    ap.add_argument("--out", default=None, help="directory for gpu_fusion.json and .md")
    a = ap.parse_args(argv)
    sizes = [int(float(s)) for s in a.sizes.split(",")]
    peers = [p for p in a.peers.split(",") if p and p != "none"]
    res = run(a.backend, sizes, a.ops, peers)
    md = markdown(res)
    print(md)
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "gpu_fusion.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
        (out / "gpu_fusion.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
