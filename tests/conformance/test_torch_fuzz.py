"""A seeded run of the differential fuzzer in torch_fuzz.py: random torch-style programs
(views, in-place writes through them, indexing, reductions, losses, ties) whose values and
gradients must equal PyTorch's (float64), also compiled by gpuad.jit and replayed on other
values. ``GPUAD_TORCH_FUZZ=2000`` runs more programs than the default 120."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch_fuzz  # noqa: E402

N = int(os.environ.get("GPUAD_TORCH_FUZZ", "120"))
CHUNK = 30


@pytest.mark.parametrize("chunk", range((N + CHUNK - 1) // CHUNK))
def test_random_torch_programs_agree_with_torch(backend, chunk):
    if backend != "numpy":
        pytest.skip("the programs compare host values with torch's CPU tensors")
    found = []
    for seed in range(chunk * CHUNK, min(N, (chunk + 1) * CHUNK)):
        p = torch_fuzz.run_one(seed, jit=True)
        if p.bugs:
            found.append(p.report() + "\n" + "\n".join(p.bugs))
    assert not found, "\n\n".join(found)
