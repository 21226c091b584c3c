#!/usr/bin/env bash
# The one prepared GPU check: install gpuad without a package index, run the test suite on the
# cupy backend with the op tests again under --jit (benchmarks/gpu_pytest.py), the GPU
# micro-benchmarks, the side-by-side benchmarks on the cupy backend (gpuad eager and gpuad.jit
# beside PyTorch eager and jax-jit) and the fusion table (benchmarks/gpu_fusion.py), and write
# OUTDIR/summary.md. Whole run under 8 minutes. Each compiled benchmark function's CUDA-graph
# state (graphs, steps between them, matmuls recorded in the graphs and the state of that path,
# gpuad.backends.cublas_graph: used, or unavailable/disabled with the reason) goes to gpu.json
# (jit_compiled) and to the table in gpu.md and summary.md.
#
#   usage: bash benchmarks/gpu_check.sh OUTDIR        (env: PYTHON, default python3)
#
# OUTDIR receives at most 8 files (the device tool returns 8): summary.md, junit.xml, check.log
# (install, pytest and benchmark logs), gpu_micro.json, gpu.json, gpu.md, gpu_fusion.json and
# more.tar.gz (the plots, gpu_fusion.md, gpu_micro.md, jit_overheads.txt). Exit status: 0 when tests and
# benchmarks all succeeded.
set -u

OUTDIR=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUTDIR" && OUTDIR=$(cd "$OUTDIR" && pwd)
cd "$(dirname "$0")/.." || exit 2
PY=${PYTHON:-python3}
TOTAL=${GPU_CHECK_SECONDS:-470}
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

section "pytest --backend cupy, and the op tests under --jit (parallel shards, then the device_memory tests alone)"
# the tests run first: they compile (and cache on disk) the kernels the benchmarks then use
timeout -k 20 "$(cap 195 260)" "$PY" benchmarks/gpu_pytest.py --junit "$OUTDIR/junit.xml" \
  --seconds "$(cap 185 270)" >>"$LOG" 2>&1
test_rc=$?

section gpu_micro
timeout -k 10 "$(cap 45 215)" "$PY" benchmarks/gpu_micro.py --out "$WORK" >>"$LOG" 2>&1
micro_rc=$?
[ -f "$WORK/gpu_micro.json" ] && cp "$WORK/gpu_micro.json" "$OUTDIR/"

section "jit_overheads (first calls, host cost per replayed call, kernels of an unrolled RNN)"
timeout -k 10 "$(cap 40 175)" "$PY" benchmarks/jit_overheads.py --backend cupy \
  --sizes 1e3,1e6,1e7,1e8 --steps 100,1000 >"$WORK/jit_overheads.txt" 2>&1
echo "jit_overheads exit status $?" >>"$WORK/jit_overheads.txt"
cat "$WORK/jit_overheads.txt" >>"$LOG"

section "gpu_fusion (chain: fusion, remat, graphs)"
timeout -k 10 "$(cap 50 125)" "$PY" -m benchmarks.gpu_fusion --backend cupy --sizes 1e4,1e6,1e7 --out "$WORK/fusion" \
  >>"$LOG" 2>&1
fusion_rc=$?
[ -f "$WORK/fusion/gpu_fusion.json" ] && cp "$WORK/fusion/gpu_fusion.json" "$OUTDIR/"
section "benchmarks --backend cupy (gpuad, gpuad-jit, torch, jax-jit)"
# partial results survive the time limit: the JSON is written after each workload
timeout -s INT -k 15 "$(cap 120 8)" "$PY" -m benchmarks --backend cupy --peers torch,jax-jit \
  --workloads mlp,chain,seed,jac,rnn --out "$WORK/bench" >>"$LOG" 2>&1
bench_rc=$?
for f in gpu.json gpu.md; do
  [ -f "$WORK/bench/$f" ] && cp "$WORK/bench/$f" "$OUTDIR/"
done

bench_all=$(( micro_rc != 0 ? micro_rc : bench_rc != 0 ? bench_rc : fusion_rc ))
(cd "$WORK" && tar czf "$OUTDIR/more.tar.gz" --ignore-failed-read gpu_micro.md bench/*.png \
  fusion/gpu_fusion.md jit_overheads.txt 2>/dev/null)

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
    bad, why = [], {}
    for suite in suites:
        for case in suite.iter("testcase"):
            fail = case.find("failure")
            fail = fail if fail is not None else case.find("error")
            if fail is None:
                continue
            msg = (fail.get("message") or "").strip().splitlines()
            key = (msg[0] if msg else "?")[:200]
            bad.append(f"{suite.get('name')}: {case.get('classname')}::{case.get('name')}"
                       f" -- {key[:120]}")
            why[key] = why.get(key, 0) + 1
    if bad:
        lines += ["", "Failure messages, most frequent first:", ""]
        lines += [f"- {n} x `{k}`" for k, n in sorted(why.items(), key=lambda kv: -kv[1])[:30]]
        lines += ["", "Failed or errored:", ""] + [f"- `{b}`" for b in bad[:60]]
        if len(bad) > 60:
            lines.append(f"- ... and {len(bad) - 60} more (see junit.xml)")
else:
    lines.append(f"no junit.xml (pytest exit status {test_rc}); see check.log")
lines += ["", "## Micro-benchmarks (`benchmarks/gpu_micro.py`)", ""]
for table, what in ((work / "gpu_micro.md", "micro-benchmarks"),
                    (work / "bench" / "gpu.md", "benchmarks --backend cupy"),
                    (work / "fusion" / "gpu_fusion.md", "gpu_fusion")):
    if table.exists():
        lines += [table.read_text(), ""]
    else:
        lines += [f"no {what} results (exit status {bench_rc}); see check.log", ""]
(out / "summary.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
EOF

[ "$test_rc" -eq 0 ] && [ "$bench_all" -eq 0 ]
