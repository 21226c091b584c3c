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
from collections.abc import Callable
from pathlib import Path
from typing import Any

FUSED_RULES = ("sin", "tanh", "exp")


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


def markdown(result: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    lines = [
        f"GPU micro-benchmarks on {result['device']}, n={result['n']:,} {result['dtype']}, "
        "bytes = read + written (unfused rows: bytes of the fused kernel)",
        "",
        "| kernel | ms | GB/s | of copy |",
        "| --- | ---: | ---: | ---: |",
    ]
    for r in result["rows"]:
        lines.append(f"| {r['kernel']} | {r['ms']:.3f} | {r['GB/s']:.0f} | {r['of_copy']:.2f} |")
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
    result = run(args.n)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_micro.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    (args.out / "gpu_micro.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
