"""A seeded run of the module-configuration fuzzer in nn_fuzz.py: random constructor options
of gpuad.nn's torch-style modules (convolutions, pools, normalisation layers with running
statistics, embeddings, recurrent, attention and Transformer layers, resampling, fold/unfold,
losses, activations) whose outputs, gradients (inputs and parameters) and buffers must equal
PyTorch's (float64), or raise a clear error. ``GPUAD_NN_FUZZ=20000`` runs more
configurations than the default 1000 (about 35 s of one core)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import nn_fuzz  # noqa: E402

N = int(os.environ.get("GPUAD_NN_FUZZ", "1000"))
CHUNK = 250


@pytest.mark.parametrize("chunk", range((N + CHUNK - 1) // CHUNK))
def test_random_module_configurations_agree_with_torch(backend, chunk):
    if backend != "numpy":
        pytest.skip("the modules compare host values with torch's CPU tensors")
    found, ran = [], 0
    for seed in range(chunk * CHUNK, min(N, (chunk + 1) * CHUNK)):
        r = nn_fuzz.run_case(seed)
        ran += r.status == "match"
        if r.status == "bug":
            found.append(r.report())
    assert not found, "\n\n".join(found)
    assert ran > 0.8 * (min(N, (chunk + 1) * CHUNK) - chunk * CHUNK)  # most configs compared


def test_known_entries_name_families():
    assert set(nn_fuzz.KNOWN) <= set(nn_fuzz.FAMILIES)
