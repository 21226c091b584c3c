"""Run the test suite on the cupy backend in parallel shards and write one JUnit XML.

Kernel compilation (NVRTC for CuPy, NVVM for Numba) dominates a first GPU run and is CPU-bound,
so the tests are split into contiguous slices of the collected node ids (tests of one op stay
together and compile its kernels once) and run as concurrent pytest processes sharing the GPU.
Tests marked ``device_memory`` (peak memory, out-of-memory) then run alone, since they measure
or exhaust the device memory that the shards share.

    python benchmarks/gpu_pytest.py --junit OUT/junit.xml --seconds 240   (shard logs: stdout)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tests of the CPU tooling (wheel build, CPU benchmark script, NVRTC wheel): CI runs them.
CPU_ONLY = ("test_packaging.py", "test_benchmarks.py", "test_kernels_nvrtc.py")
HEAVY = "tests/test_examples.py::test_example_runs_quick"


def _collect(py: str, marker: str) -> list[str]:
    files = sorted(p.name for p in (ROOT / "tests").glob("test_*.py") if p.name not in CPU_ONLY)
    out = subprocess.run(
        [py, "-m", "pytest", "--backend", "cupy", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", marker, *[f"tests/{f}" for f in files]],
        cwd=ROOT, capture_output=True, text=True,
    )
    return [line for line in out.stdout.splitlines() if "::" in line]


def _run(py: str, ids: list[str], junit: Path, log: Path, seconds: float) -> subprocess.Popen:
    args = [py, "-m", "pytest", "--backend", "cupy", "-q", "-rfE", "-p", "no:cacheprovider",
            "--junitxml", str(junit), *ids]
    return subprocess.Popen(["timeout", "-s", "INT", "-k", "15", str(max(int(seconds), 10)),
                             *args], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _merge(parts: list[Path], out: Path) -> dict[str, int]:
    merged = ET.Element("testsuites")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for p in parts:
        if not p.exists():
            continue
        root = ET.parse(p).getroot()
        for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
            merged.append(suite)
            for k in total:
                total[k] += int(suite.get(k, 0))
    for k, v in total.items():
        merged.set(k, str(v))
    ET.ElementTree(merged).write(out, encoding="utf-8", xml_declaration=True)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--junit", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=240.0, help="wall-clock budget for all")
    ap.add_argument("--shards", type=int, default=min(8, max(1, (os.cpu_count() or 2) // 2)))
    a = ap.parse_args()
    py = sys.executable
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gpuad-shards-"))

    ids = _collect(py, "not device_memory")
    alone_ids = _collect(py, "device_memory")
    # each example is a subprocess that trains a model: deal them out one per shard
    heavy = [i for i in ids if i.startswith(HEAVY)]
    light = [i for i in ids if not i.startswith(HEAVY)]
    k = max(1, min(a.shards, len(ids)))
    size = -(-len(light) // k)
    slices = [light[j * size:(j + 1) * size] for j in range(k)]
    for j, i in enumerate(heavy):
        slices[j % k].append(i)
    slices = [s for s in slices if s]
    budget = a.seconds - (time.monotonic() - t0)
    gpu_share = min(45.0, 0.2 * budget)
    procs = [(_run(py, s, work / f"shard{i}.xml", work / f"shard{i}.log", budget - gpu_share),
              work / f"shard{i}.xml", work / f"shard{i}.log") for i, s in enumerate(slices)]
    codes = [p.wait() for p, _, _ in procs]
    parts = [x for _, x, _ in procs]
    logs = [lg for _, _, lg in procs]
    if alone_ids:
        left = a.seconds - (time.monotonic() - t0)
        p = _run(py, alone_ids, work / "alone.xml", work / "alone.log", left)
        codes.append(p.wait())
        parts.append(work / "alone.xml")
        logs.append(work / "alone.log")

    print(f"{len(ids)} tests in {len(slices)} shards, then {len(alone_ids)} device_memory "
          f"tests alone; exit codes {codes}; {time.monotonic() - t0:.0f} s")
    for lg in logs:
        print(f"\n----- {lg.name} -----")
        print(lg.read_text(errors="replace") if lg.exists() else "(no log)")
    total = _merge(parts, a.junit)
    print(f"gpu_pytest: {total}; exit codes {codes}; {time.monotonic() - t0:.0f} s")
    # pytest exit code 5 means "nothing collected" in a shard, which is not a failure
    return 0 if all(c in (0, 5) for c in codes) and total["tests"] else 1


if __name__ == "__main__":
    sys.exit(main())
