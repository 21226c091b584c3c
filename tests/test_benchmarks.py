"""The benchmark entry point runs end to end in quick mode (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ("seed", "chain", "mlp", "jac", "hess", "pex", "rnn")


def _installed_peers() -> list[str]:
    return [p for p in ("torch", "jax", "autograd") if importlib.util.find_spec(p) is not None]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    peers = _installed_peers()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(k, None)
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--backend", "numpy", "--quick",
         "--peers", ",".join(peers) or "none", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, peers


def test_json_has_every_workload_and_machine(quick_run):
    out, peers = quick_run
    res = json.loads((out / "cpu.json").read_text())
    assert res["quick"] is True
    m = res["machine"]
    for key in ("cpu_model", "cpu_count", "python", "numpy", "blas", "date"):
        assert m[key]
    assert set(WORKLOADS) <= set(res["workloads"])
    w = res["workloads"]
    assert "gpuad" in w["seed"]["frameworks"]
    assert all("gpuad" in row for row in w["chain"]["sizes"].values())
    assert all("gpuad" in c["frameworks"] for c in w["mlp"]["configs"].values())
    assert all("gpuad" in s["frameworks"] for s in w["jac"]["shapes"].values())
    assert {"none", "every_step"} <= set(w["rnn"]["frameworks"]["gpuad"])
    g = w["rnn"]["frameworks"]["gpuad"]["none"]
    assert g["vg"]["median_s"] > 0 and g["peak_bytes"] > 0
    for s in w["jac"]["shapes"].values():
        for k in ("jacrev", "jacfwd"):
            assert s["frameworks"]["gpuad"][k]["max_abs_err"] < 1e-8
    for sz in w["hess"]["sizes"].values():
        assert sz["frameworks"]["gpuad"]["hessian"]["max_abs_err"] < 1e-10
    assert w["pex"]["frameworks"]["gpuad"]["vmap_grad"]["max_abs_err"] < 1e-4  # float32
    for p in peers:
        assert p in res["frameworks"] or any(p in n for n in res["notes"])


def test_markdown_has_every_workload(quick_run):
    out, _ = quick_run
    md = (out / "cpu.md").read_text()
    for title in ("Seed example", "Chain of", "MLP training step", "Jacobians", "Recurrence",
                  "Ratios gpuad time / peer time", "Machine:"):
        assert title in md


def test_missing_peer_is_skipped_with_a_note(tmp_path, monkeypatch):
    from benchmarks import peers

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    notes: list[str] = []
    assert peers.load(["torch", "jax", "autograd"], "numpy", notes) == []
    assert len(notes) == 3 and all("not installed" in n for n in notes)


def test_median_merges_runs(quick_run, tmp_path):
    from benchmarks import median

    out, _ = quick_run
    a = json.loads((out / "cpu.json").read_text())
    b = json.loads((out / "cpu.json").read_text())
    ga = a["workloads"]["seed"]["frameworks"]["gpuad"]["vg"]
    b["workloads"]["seed"]["frameworks"]["gpuad"]["vg"]["median_s"] = ga["median_s"] * 3
    (tmp_path / "b.json").write_text(json.dumps(b))
    assert median.main([str(out / "cpu.json"), str(tmp_path / "b.json"), str(out / "cpu.json"),
                        "--out", str(tmp_path), "--tag", "merged"]) == 0
    m = json.loads((tmp_path / "merged.json").read_text())
    vg = m["workloads"]["seed"]["frameworks"]["gpuad"]["vg"]
    assert vg["runs_s"] == [ga["median_s"], ga["median_s"] * 3, ga["median_s"]]
    assert vg["median_s"] == ga["median_s"]
    assert "Each run" in (tmp_path / "merged.md").read_text()
