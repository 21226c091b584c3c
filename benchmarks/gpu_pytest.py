"""Run the test suite on the cupy backend in parallel shards and write one JUnit XML.

Kernel compilation (NVRTC for CuPy, NVVM for Numba) dominates a first GPU run and is CPU-bound,
so the tests are split into contiguous slices of the collected node ids (tests of one op stay
together and compile its kernels once) and run as concurrent pytest processes sharing the GPU.
The op tests also run a second time under ``--jit`` (compiled, CUDA-graph replays against
eager), in shards of their own, as CI runs them on the CPU.
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


def _op_files() -> list[str]:
    """The op test files CI runs under ``--jit`` (the OPS list of .ci/run)."""
    text = (ROOT / ".ci" / "run").read_text()
    block = text[text.index("OPS=(") + 5:]
    return block[:block.index(")")].split()


def _collect(py: str, marker: str, files: list[str] | None = None,
             jit: bool = False) -> list[str]:
    if files is None:
        files = [f"tests/{p.name}" for p in sorted((ROOT / "tests").glob("test_*.py"))
                 if p.name not in CPU_ONLY]
    out = subprocess.run(
        [py, "-m", "pytest", "--backend", "cupy", "--collect-only", "-q", "-p", "no:cacheprovider",
         *(["--jit"] if jit else []), "-m", marker, *files],
        cwd=ROOT, capture_output=True, text=True,
    )
    return [line for line in out.stdout.splitlines() if "::" in line]


def _run(py: str, ids: list[str], junit: Path, log: Path, seconds: float,
         jit: bool = False) -> subprocess.Popen:
    args = [py, "-m", "pytest", "--backend", "cupy", "-q", "-rfE", "--tb=short",
            "-p", "no:cacheprovider", *(["--jit"] if jit else []), "--junitxml", str(junit), *ids]
    return subprocess.Popen(["timeout", "-s", "INT", "-k", "15", str(max(int(seconds), 10)),
                             *args], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _merge(parts: list[Path], out: Path) -> dict[str, int]:
    """One JUnit file of every shard's; each suite is named after its shard (``jitN``: the
    op tests under ``--jit``)."""
    merged = ET.Element("testsuites")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for p in parts:
        if not p.exists():
            continue
        root = ET.parse(p).getroot()
        for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
            suite.set("name", p.stem)
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
    ap.add_argument("--shards", type=int, default=min(14, max(1, (os.cpu_count() or 2) - 2)))
    ap.add_argument("--no-jit", action="store_true", help="leave out the --jit op shards")
    a = ap.parse_args()
    py = sys.executable
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gpuad-shards-"))

    ids = _collect(py, "not device_memory")
    alone_ids = _collect(py, "device_memory")
    jit_ids = [] if a.no_jit else _collect(py, "not device_memory", _op_files(), jit=True)
    # each example is a subprocess that trains a model: deal them out one per shard
    heavy = [i for i in ids if i.startswith(HEAVY)]
    light = [i for i in ids if not i.startswith(HEAVY)]
    kj = round(a.shards * len(jit_ids) / max(1, len(ids) + len(jit_ids))) if jit_ids else 0
    kj = max(1, kj) if jit_ids else 0
    k = max(1, min(a.shards - kj, len(ids)))
    size = -(-len(light) // k)
    slices = [light[j * size:(j + 1) * size] for j in range(k)]
    for j, i in enumerate(heavy):
        slices[j % k].append(i)
    shards = [(s, False) for s in slices if s]
    if kj:
        size = -(-len(jit_ids) // kj)
        shards += [(jit_ids[j * size:(j + 1) * size], True) for j in range(kj)]
        shards = [(s, jit) for s, jit in shards if s]
    budget = a.seconds - (time.monotonic() - t0)
    gpu_share = min(45.0, 0.2 * budget)
    names = [f"{'jit' if jit else 'shard'}{i}" for i, (_, jit) in enumerate(shards)]
    procs = [(_run(py, s, work / f"{n}.xml", work / f"{n}.log", budget - gpu_share, jit),
              work / f"{n}.xml", work / f"{n}.log")
             for n, (s, jit) in zip(names, shards, strict=True)]
    codes = [p.wait() for p, _, _ in procs]
    parts = [x for _, x, _ in procs]
    logs = [lg for _, _, lg in procs]
    if alone_ids:
        left = a.seconds - (time.monotonic() - t0)
        p = _run(py, alone_ids, work / "alone.xml", work / "alone.log", left)
        codes.append(p.wait())
        parts.append(work / "alone.xml")
        logs.append(work / "alone.log")

    print(f"{len(ids)} tests and {len(jit_ids)} under --jit in {len(shards)} shards, then "
          f"{len(alone_ids)} device_memory "
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
