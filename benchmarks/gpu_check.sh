#!/usr/bin/env bash
# The one prepared GPU check: install gpuad, run the test suite on the cupy backend, run the GPU
# micro-benchmarks, and write OUTDIR/summary.md. Needs no package index. Whole run < 8 minutes.
#
#   usage: bash benchmarks/gpu_check.sh OUTDIR        (env: PYTHON, default python3)
#
# OUTDIR receives at most 7 files: summary.md, junit.xml, pytest.log, install.log, bench.log,
# gpu_micro.json, gpu_micro.md. Exit status: 0 when tests and benchmarks both succeeded.
set -u

OUTDIR=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUTDIR" && OUTDIR=$(cd "$OUTDIR" && pwd)
cd "$(dirname "$0")/.." || exit 2
PY=${PYTHON:-python3}
TOTAL=420
export PYTHONUNBUFFERED=1

left() { echo $((TOTAL - SECONDS)); }
cap() { local want=$1 rest; rest=$(($(left) - $2)); echo $((rest < want ? (rest > 10 ? rest : 10) : want)); }

started=$(date -u +"%Y-%m-%d %H:%M:%S UTC")
gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  | head -n 1)
gpu=${gpu:-unknown (nvidia-smi unavailable)}

install_note="editable install"
if ! timeout "$(cap 90 360)" "$PY" -m pip install --no-deps --no-build-isolation --no-index -e . \
  >"$OUTDIR/install.log" 2>&1; then
  install_note="editable install failed (see install.log); ran from the checkout via PYTHONPATH"
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi

pytest_args=(--backend cupy -q -rfE --junitxml "$OUTDIR/junit.xml" -p no:cacheprovider)
if "$PY" -c "import pytest_timeout" 2>/dev/null; then
  pytest_args+=(--timeout 120)
fi
timeout -s INT -k 20 "$(cap 300 130)" "$PY" -m pytest "${pytest_args[@]}" >"$OUTDIR/pytest.log" 2>&1
test_rc=$?

timeout -k 10 "$(cap 120 15)" "$PY" benchmarks/gpu_micro.py --out "$OUTDIR" >"$OUTDIR/bench.log" 2>&1
bench_rc=$?

"$PY" - "$OUTDIR" "$gpu" "$started" "$install_note" "$test_rc" "$bench_rc" "$SECONDS" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, gpu, started, install, test_rc, bench_rc, secs = sys.argv[1:]
out = Path(out)
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
    lines.append(f"no junit.xml (pytest exit status {test_rc}); see pytest.log")
lines += ["", "## Micro-benchmarks (`benchmarks/gpu_micro.py`)", ""]
table = out / "gpu_micro.md"
if table.exists():
    lines.append(table.read_text())
else:
    log = out / "bench.log"
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    lines += [f"no results (exit status {bench_rc}); end of bench.log:", "", "```", tail, "```"]
(out / "summary.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
EOF

[ "$test_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
