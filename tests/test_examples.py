"""Every script in examples/ runs end to end in --quick mode, on each backend under test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# lines (substrings) each example must print; scripts not listed only need to exit with 0
EXPECTED = {
    "quickstart.py": ["backend: "],
    "train_mlp.py": ["test accuracy:"],
    "train_mlp_distributed.py": ["ranks: 1", "test accuracy:"],
    "train_cnn.py": ["test accuracy:"],
    "rnn_checkpoint.py": ["saved-activation bytes without checkpointing",
                          "saved-activation bytes with checkpointing", "loss: initial"],
    "physics.py": ["fitted k =", "fitted c ="],
    "newton.py": ["jacrev == jacfwd: True", "converged: True"],
    "per_example_gradients.py": ["vmap(grad) matches the per-example loop: True",
                                 "test accuracy:"],
}
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def run_example(name: str, *extra: str, backend: str = "numpy") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("MPLBACKEND", "Agg")
    return subprocess.run([sys.executable, str(EXAMPLES / name), "--quick", "--backend", backend,
                           *extra], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)


def test_all_examples_are_listed():
    for name in EXPECTED:
        if name != "quickstart.py":
            assert name in SCRIPTS, f"examples/{name} is missing"


# under the CuPy stand-in their cross-entropy runs as Numba kernels in the CUDA simulator: minutes
SLOW_UNDER_STANDIN = {"train_mlp.py", "train_cnn.py", "train_mlp_distributed.py"}


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_quick(name, backend):
    if backend == "cupy" and name in SLOW_UNDER_STANDIN and os.environ.get("GPUAD_CUPY_STANDIN"):
        pytest.skip("CuPy stand-in: the Numba cross-entropy kernels run in the CUDA simulator, "
                    "which takes minutes here; test_nn covers them")
    r = run_example(name, backend=backend)
    assert r.returncode == 0, f"{name} failed:\n{r.stdout}\n{r.stderr}"
    assert f"backend: {backend}" in r.stdout, r.stdout
    for line in EXPECTED.get(name, []):
        assert line in r.stdout, f"{name} did not print {line!r}:\n{r.stdout}"


def test_example_plot_option(tmp_path):
    png = tmp_path / "curves.png"
    r = run_example("newton.py", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert png.exists() or "matplotlib is not installed" in r.stdout


# the lines that must come out the same with the training step compiled by gpuad.jit
JIT_SAME = {"train_mlp.py": ("final loss", "train accuracy:", "test accuracy:"),
            "train_cnn.py": ("final loss", "test accuracy:"),
            "rnn_checkpoint.py": ("loss: initial",)}


@pytest.mark.parametrize("name", sorted(JIT_SAME))
def test_example_jit_reaches_the_same_result(name):
    def picked(r):
        assert r.returncode == 0, f"{name} failed:\n{r.stdout}\n{r.stderr}"
        lines = [ln for ln in r.stdout.splitlines() if any(k in ln for k in JIT_SAME[name])]
        # the final-loss line also reports the training time: keep what follows it
        return [ln[ln.index("final loss"):] if "final loss" in ln else ln for ln in lines]

    eager, jitted = run_example(name), run_example(name, "--jit")
    assert "(jit)" in jitted.stdout
    assert picked(jitted) == picked(eager) and len(picked(eager)) == len(JIT_SAME[name])
