#!/usr/bin/env bash
# The one prepared GPU check: install gpuad without a package index, run the test suite on the
# cupy backend (benchmarks/gpu_pytest.py), the GPU micro-benchmarks and the side-by-side
# benchmarks on the cupy backend, and write OUTDIR/summary.md. Whole run under 8 minutes.
#
#   usage: bash benchmarks/gpu_check.sh OUTDIR        (env: PYTHON, default python3)
#
# OUTDIR receives at most 8 files (the device tool returns 8): summary.md, junit.xml, check.log
# (install, pytest and benchmark logs), gpu_micro.json, gpu.json, gpu.md, gpu_chain.png,
# gpu_checkpoint.png. Exit status: 0 when tests and benchmarks all succeeded.
set -u

OUTDIR=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUTDIR" && OUTDIR=$(cd "$OUTDIR" && pwd)
cd "$(dirname "$0")/.." || exit 2
PY=${PYTHON:-python3}
TOTAL=450
export PYTHONUNBUFFERED=1
# JAX (a benchmark peer) would otherwise reserve most of the GPU's memory at import
export XLA_PYTHON_CLIENT_PREALLOCATE=false
WORK=$(mktemp -d)
LOG="$OUTDIR/check.log"

left() { echo $((TOTAL - SECONDS)); }
cap() { local want=$1 rest; rest=$(($(left) - $2)); echo $((rest < want ? (rest > 10 ? rest : 10) : want)); }
section() { printf '\n===== %s (t=%ss) =====\n' "$1" "$SECONDS" >>"$LOG"; }

started=$(date -u +"%Y-%m-%d %H:%M:%S UTC")
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  | head -n 1)
gpu=${gpu:-unknown (nvidia-smi unavailable)}
: >"$LOG"

section install
install_note="editable install"
if ! timeout "$(cap 60 380)" "$PY" -m pip install --no-deps --no-build-isolation --no-index -e . \
  >>"$LOG" 2>&1; then
  install_note="editable install failed (see check.log); ran from the checkout via PYTHONPATH"
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi

"$PY" -m pip list 2>/dev/null | grep -i -E "^(cupy|numba|numpy|torch|jax|pytest|hypothesis)" \
  >>"$LOG"

section "pytest --backend cupy (parallel shards, then the device_memory tests alone)"
# the tests run first: they compile (and cache on disk) the kernels the benchmarks then use
timeout -k 20 "$(cap 210 200)" "$PY" benchmarks/gpu_pytest.py --junit "$OUTDIR/junit.xml" \
  --seconds "$(cap 200 210)" >>"$LOG" 2>&1
test_rc=$?

section gpu_micro
timeout -k 10 "$(cap 80 120)" "$PY" benchmarks/gpu_micro.py --out "$WORK" >>"$LOG" 2>&1
micro_rc=$?
[ -f "$WORK/gpu_micro.json" ] && cp "$WORK/gpu_micro.json" "$OUTDIR/"

section "benchmarks --backend cupy"
timeout -s INT -k 15 "$(cap 200 5)" "$PY" -m benchmarks --backend cupy --peers installed \
  --out "$WORK/bench" >>"$LOG" 2>&1
bench_rc=$?
for f in gpu.json gpu.md gpu_chain.png gpu_checkpoint.png; do
  [ -f "$WORK/bench/$f" ] && cp "$WORK/bench/$f" "$OUTDIR/"
done
bench_all=$(( micro_rc != 0 ? micro_rc : bench_rc ))

"$PY" - "$OUTDIR" "$gpu" "$started" "$install_note" "$test_rc" "$bench_all" "$SECONDS" "$WORK" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, gpu, started, install, test_rc, bench_rc, secs, work = sys.argv[1:]
out, work = Path(out), Path(work)
lines = [
    "# gpuad GPU check",
    "",
    f"- GPU: {gpu}",
    f"- date: {started}",
    f"- install: {install}",
    f"- elapsed: {secs} s",
    "",
    "## Tests (`pytest --backend cupy`)",
    "",
]
junit = out / "junit.xml"
if junit.exists():
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    count = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    passed = count["tests"] - count["failures"] - count["errors"] - count["skipped"]
    lines.append(
        f"passed {passed}, failed {count['failures']}, errors {count['errors']}, "
        f"skipped {count['skipped']} (of {count['tests']}); pytest exit status {test_rc}"
    )
    bad = [
        f"{case.get('classname')}::{case.get('name')}"
        for case in root.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]
    if bad:
        lines += ["", "Failed or errored:", ""] + [f"- `{b}`" for b in bad[:40]]
        if len(bad) > 40:
            lines.append(f"- ... and {len(bad) - 40} more (see junit.xml)")
else:
    lines.append(f"no junit.xml (pytest exit status {test_rc}); see check.log")
lines += ["", "## Micro-benchmarks (`benchmarks/gpu_micro.py`)", ""]
for table, what in ((work / "gpu_micro.md", "micro-benchmarks"),
                    (work / "bench" / "gpu.md", "benchmarks --backend cupy")):
    if table.exists():
        lines += [table.read_text(), ""]
    else:
        lines += [f"no {what} results (exit status {bench_rc}); see check.log", ""]
(out / "summary.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
EOF

[ "$test_rc" -eq 0 ] && [ "$bench_all" -eq 0 ]
