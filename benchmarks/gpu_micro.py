"""GPU micro-benchmarks of gpuad's fused adjoint kernels against device-to-device copy bandwidth.

Usage: ``python benchmarks/gpu_micro.py [--out DIR] [--n 67108864]``. Needs CuPy and a GPU;
writes ``DIR/gpu_micro.json`` and ``DIR/gpu_micro.md`` and prints the Markdown table.
Bandwidth counts bytes read plus bytes written: a copy moves 8 bytes per float32 element, a
fused accumulate (``out += f'(s) * g``) 16 (reads s, g, out; writes out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FUSED_RULES = ("sin", "tanh", "exp")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # also runs from a checkout that is not installed
    sys.path.insert(0, str(ROOT))


def _unfused(cp: Any, rule: str, s: Any, g: Any, out: Any) -> None:
    """The same adjoint as plain CuPy array expressions (temporaries included)."""
    if rule == "sin":
        out += g * cp.cos(s)
    elif rule == "tanh":
        out += g * (1 - s * s)
    else:
        out += g * s


def time_ms(
    cp: Any, fn: Callable[[], Any], iters: int = 20, reps: int = 5, warmup: int = 3
) -> float:
    """Median over ``reps`` of the mean ms per call over ``iters`` calls (CUDA events)."""
    for _ in range(warmup):
        fn()
    cp.cuda.get_current_stream().synchronize()
    samples = []
    for _ in range(reps):
        start, end = cp.cuda.Event(), cp.cuda.Event()
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        end.synchronize()
        samples.append(cp.cuda.get_elapsed_time(start, end) / iters)
    return statistics.median(samples)


def run(n: int) -> dict[str, Any]:
    """Measure copy bandwidth and each fused adjoint on ``n`` float32 elements."""
    import cupy as cp

    from gpuad.backends import load

    be = load("cupy")
    be.warmup(("float32",))
    cp.random.seed(0)
    s = cp.random.random_sample(n, dtype=cp.float32) * 2 - 1
    g = cp.random.random_sample(n, dtype=cp.float32)
    out = cp.zeros(n, dtype=cp.float32)
    dst = cp.empty_like(s)
    nbytes = s.nbytes

    def copy() -> None:
        dst.data.copy_from_device_async(s.data, nbytes)

    copy_ms = time_ms(cp, copy)
    copy_gbs = 2 * nbytes / copy_ms / 1e6
    rows = [{"kernel": "d2d copy", "ms": copy_ms, "bytes": 2 * nbytes, "GB/s": copy_gbs}]
    for rule in FUSED_RULES:
        vjp = be.fused_vjp[rule]
        saves_ans = rule != "sin"
        args = (0, g, s if saves_ans else None, (None if saves_ans else s,), {}, out)
        assert vjp(*args) is out, f"fused {rule} adjoint did not take the fast path"
        for label, fn in (
            (f"{rule} fused", lambda vjp=vjp, args=args: vjp(*args)),
            (f"{rule} unfused cupy", lambda rule=rule: _unfused(cp, rule, s, g, out)),
        ):
            ms = time_ms(cp, fn)
            moved = 4 * nbytes
            rows.append({"kernel": label, "ms": ms, "bytes": moved, "GB/s": moved / ms / 1e6})
    fwd_sin = be.fused_fwd["sin"]
    fwd_mul = be.fused_fwd["multiply"]
    for label, fn, moved in (
        ("sin forward kernel", lambda: fwd_sin(s), 2 * nbytes),
        ("sin forward cupy", lambda: cp.sin(s), 2 * nbytes),
        ("x * 0.9 forward kernel", lambda: fwd_mul(s, 0.9), 2 * nbytes),
        ("x * 0.9 forward cupy", lambda: s * 0.9, 2 * nbytes),
        ("x * y forward kernel", lambda: fwd_mul(s, g), 3 * nbytes),
        ("x * y forward cupy", lambda: s * g, 3 * nbytes),
    ):
        ms = time_ms(cp, fn)
        rows.append({"kernel": label, "ms": ms, "bytes": moved, "GB/s": moved / ms / 1e6})
    for row in rows:
        row["of_copy"] = row["GB/s"] / copy_gbs
    dev = cp.cuda.Device()
    props = cp.cuda.runtime.getDeviceProperties(dev.id)
    name = props["name"]
    return {
        "device": name.decode() if isinstance(name, bytes) else str(name),
        "n": n,
        "dtype": "float32",
        "cupy": cp.__version__,
        "rows": rows,
    }


def host_us(cp: Any, fn: Callable[[], Any], n: int = 300) -> float:
    """Host microseconds per call of ``fn`` (launch cost: the device work is tiny)."""
    for _ in range(10):
        fn()
    cp.cuda.get_current_stream().synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    cp.cuda.get_current_stream().synchronize()
    return (time.perf_counter() - t0) / n * 1e6


def launch_overheads() -> list[dict[str, Any]]:
    """µs per launch with 1, 2 and 4 array arguments: Numba CUDA, CuPy ElementwiseKernel."""
    import cupy as cp

    from gpuad.backends import numba_kernels

    rows = []
    for nargs in (1, 2, 4):
        ins = ", ".join(f"T a{i}" for i in range(nargs - 1))
        kern = cp.ElementwiseKernel(ins, "T o", "o = o", f"gpuad_empty{nargs}")
        arrays = [cp.zeros(1, cp.float32) for _ in range(nargs)]
        rows.append({
            "nargs": nargs,
            "numba_us": numba_kernels.launch_overhead_us(nargs),
            "cupy_elementwise_us": host_us(cp, lambda k=kern, a=arrays: k(*a)),
        })
    return rows


def op_overhead() -> dict[str, Any]:
    """Host µs per recorded op (forward + its backward step) on 1000-element arrays: gpuad on
    the CuPy backend beside PyTorch eager on the same GPU."""
    import cupy as cp

    import gpuad as ad
    import gpuad.numpy as gnp

    n_ops = 64
    res: dict[str, Any] = {"n_ops": n_ops, "size": 1000}
    with ad.use_backend("cupy"):
        x = ad.tensor(cp.linspace(0.1, 0.9, 1000, dtype=cp.float32), requires_grad=True)

        def gp() -> None:
            v = x
            for i in range(n_ops):
                v = gnp.sin(v) if i % 2 else v * 1.01
            gnp.sum(v).backward()

        res["gpuad_us_per_op"] = host_us(cp, gp, 30) / (n_ops + 1)
    try:
        import torch

        if torch.cuda.is_available():
            xt = torch.linspace(0.1, 0.9, 1000, device="cuda", requires_grad=True)

            def tp() -> None:
                v = xt
                for i in range(n_ops):
                    v = torch.sin(v) if i % 2 else v * 1.01
                v.sum().backward()

            res["torch_us_per_op"] = host_us(cp, tp, 30) / (n_ops + 1)
            res["ratio_to_torch"] = res["gpuad_us_per_op"] / res["torch_us_per_op"]
    except ImportError:
        res["torch_us_per_op"] = None
    return res


def grad_forward_ratios() -> list[dict[str, Any]]:
    """grad time / forward time: a tanh MLP (width 4096, batch 1024) and a chain of 32
    elementwise ops on 16M float32 elements (goal: at most 3)."""
    import cupy as cp

    import gpuad as ad
    import gpuad.numpy as gnp

    out = []
    with ad.use_backend("cupy"):
        rng = cp.random.RandomState(0)
        w = 4096
        ws = [(rng.standard_normal((w, w), dtype=cp.float32) / w ** 0.5) for _ in range(4)]
        xb = rng.standard_normal((1024, w), dtype=cp.float32)

        def mlp(*params):
            h = xb
            for p in params:
                h = gnp.tanh(h @ p)
            return gnp.sum(h)

        chain_x = rng.random_sample(16 * 1024 * 1024, dtype=cp.float32)

        def chain(v):
            for i in range(32):
                v = gnp.sin(v) if i % 2 else v * 0.99
            return gnp.sum(v)

        for name, f, args, argnums in (("tanh MLP 4096x1024", mlp, ws, tuple(range(4))),
                                       ("chain of 32 ops, 16M", chain, [chain_x], 0)):
            g = ad.grad(f, argnums=argnums)
            fwd = time_ms(cp, lambda f=f, args=args: f(*args), iters=3, reps=3, warmup=1)
            grd = time_ms(cp, lambda g=g, args=args: g(*args), iters=3, reps=3, warmup=1)
            out.append({"workload": name, "forward_ms": fwd, "grad_ms": grd,
                        "ratio": grd / fwd})
    return out


def markdown(result: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    lines = [
        f"GPU micro-benchmarks on {result.get('device', '?')}, n={result['n']:,} "
        f"{result['dtype']}, "
        "bytes = read + written (unfused rows: bytes of the fused kernel; forward rows: "
        "the bytes of the map)",
        "",
        "| kernel | ms | GB/s | of copy |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in result["rows"]:
        lines.append(f"| {r['kernel']} | {r['ms']:.3f} | {r['GB/s']:.0f} | {r['of_copy']:.2f} |")
    if result.get("launch"):
        lines += ["", "| array args | Numba launch µs | CuPy ElementwiseKernel µs |",
                  "| ---: | ---: | ---: |"]
        for r in result["launch"]:
            nb = "n/a" if r["numba_us"] is None else f"{r['numba_us']:.1f}"
            lines.append(f"| {r['nargs']} | {nb} | {r['cupy_elementwise_us']:.1f} |")
    if result.get("routes"):
        lines += ["", "Routes chosen by calibration (op: elements -> implementation): "
                  + "; ".join(f"{op}: " + ", ".join(f"{n:,}->{w}" for n, w in table)
                              for op, table in result["routes"].items())]
    oh = result.get("op_overhead")
    if oh:
        t = oh.get("torch_us_per_op")
        lines += ["", f"Host µs per recorded op (forward + backward, {oh['size']} elements): "
                  f"gpuad {oh['gpuad_us_per_op']:.1f}"
                  + (f", PyTorch eager {t:.1f} (ratio {oh['ratio_to_torch']:.2f})" if t else "")]
    if result.get("grad_forward"):
        lines += ["", "| workload | forward ms | grad ms | grad/forward |",
                  "| --- | ---: | ---: | ---: |"]
        for r in result["grad_forward"]:
            lines.append(f"| {r['workload']} | {r['forward_ms']:.2f} | {r['grad_ms']:.2f} | "
                         f"{r['ratio']:.2f} |")
    errors = [f"- {k[:-6]} failed: `{v}`" for k, v in result.items() if k.endswith("_error")]
    if errors:
        lines += [""] + errors
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gpu-results"))
    parser.add_argument("--n", type=int, default=64 * 1024 * 1024)
    args = parser.parse_args(argv)
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as exc:
        print(f"gpu_micro: needs CuPy and a CUDA device ({exc}); nothing measured")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"n": args.n, "dtype": "float32", "rows": []}

    def save() -> str:  # after every section, so a time limit keeps what was measured
        (args.out / "gpu_micro.json").write_text(json.dumps(result, indent=2) + "\n")
        table = markdown(result)
        (args.out / "gpu_micro.md").write_text(table)
        return table

    def calibrate() -> dict[str, Any]:
        from gpuad.backends import load

        be = load("cupy")
        routes = be.calibrate()
        result["route_ms"] = be.route_ms
        return routes

    for key, fn in (("bandwidth", lambda: run(args.n)), ("launch", launch_overheads),
                    ("op_overhead", op_overhead), ("grad_forward", grad_forward_ratios),
                    ("routes", calibrate)):
        try:
            value = fn()
            if key == "bandwidth":
                result.update(value)
            else:
                result[key] = value
        except Exception as exc:  # noqa: BLE001  (report and keep the other figures)
            result[key + "_error"] = repr(exc)
            print(f"gpu_micro: {key} failed: {exc!r}", flush=True)
        table = save()
    print(table)
    return 1 if any(k.endswith("_error") for k in result) else 0


if __name__ == "__main__":
    sys.exit(main())
