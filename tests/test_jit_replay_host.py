"""The host side of a replayed program on a GPU backend: what each call does besides the
launch (finding the program, copying arguments in and results out)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import replay


def _f(x, unused, scale):
    return gnp.sum(gnp.sin(x) * scale), gnp.tanh(x) * 2.0


def test_graph_replay_copies_what_it_reads_and_hands_out_copies(backend, rng):
    """Later calls take the fast key (no flattening) on the GPU backend too; only what the
    program reads is copied into the graph's buffers (the array, and the Python float, a
    traced input; not the unused array); results are fresh arrays each call, and a call with
    a host (NumPy) array, which the traced program never saw, takes the full path and gives
    the right values."""
    if backend != "cupy":
        pytest.skip("the graph replay of the cupy backend")
    xp = ad.get_backend().xp
    j = ad.jit(_f)
    xs = [xp.asarray(rng.uniform(-1.0, 1.0, 50)) for _ in range(5)]
    unused = xp.asarray(rng.uniform(-1.0, 1.0, 7))
    outs = [j(x, unused, 0.5) for x in xs]
    (entry,) = j._cache.values()
    runner = entry.runner
    assert isinstance(runner, replay.GraphReplay) and runner.info()["graph"] == "captured"
    assert [k for k, _ in runner.copied] == [0, 2]
    assert runner.inputs[1] is None and runner.inputs[2] is not None
    assert len(j._fast) == 1
    for x, (s, t) in zip(xs, outs, strict=True):  # each call's results are its own
        want_s, want_t = _f(x, unused, 0.5)
        np.testing.assert_allclose(to_numpy(s), to_numpy(want_s), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(t), to_numpy(want_t), rtol=1e-12)
    assert outs[-1][1] is not outs[-2][1]
    host = rng.uniform(-1.0, 1.0, 50)
    s, t = j(host, unused, 0.5)
    want_s, want_t = _f(xp.asarray(host), unused, 0.5)
    np.testing.assert_allclose(to_numpy(t), to_numpy(want_t), rtol=1e-12)
    assert len(j._fast) == 1 and j.cache_info()["misses"] == 1
