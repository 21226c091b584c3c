"""The garbage collections a ``gpuad.jit`` trace makes look only at objects made while it runs
(``gpuad.jit.trace.young_collections``): a tensor the function makes and keeps alive only
through a reference cycle is still found unreachable (the program's own, fresh on every call),
a tensor the caller holds is still written through, and the process's own frozen objects are
left as they were."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import trace as jit_trace


def _arr(a):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=np.float64))


def _made_in_a_cycle(x):
    t = ad.tensor(gnp.zeros(3))
    box = {"t": t}
    box["self"] = box  # alive after the call until a collection finds the cycle
    t += x
    t += x
    return t * 1.0


def test_a_tensor_made_inside_and_held_by_a_cycle_is_fresh_on_every_call(backend):
    j = ad.jit(_made_in_a_cycle)
    x = _arr([0.0, 1.0, 2.0])
    want = to_numpy(_made_in_a_cycle(x))
    for _ in range(3):  # read through the live tensor, each call would add to the last's
        np.testing.assert_array_equal(to_numpy(j(x)), want)
    assert "initial float64[3]" in str(j.lower(x))
    assert gc.get_freeze_count() == 0


def test_a_tensor_the_caller_holds_is_written_on_every_call(backend):
    acc = ad.tensor(_arr([0.0, 0.0, 0.0]))

    def f(x):
        box = {"x": x}
        box["self"] = box
        with ad.no_grad():
            acc.add_(x)
        return acc * 1.0

    j = ad.jit(f)
    x = _arr([1.0, 2.0, 3.0])
    for k in range(1, 4):
        np.testing.assert_array_equal(to_numpy(j(x)), k * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(to_numpy(acc), [3.0, 6.0, 9.0])


def test_a_failed_trace_gives_the_objects_back(backend):
    def bad(x):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        ad.jit(bad)(_arr([1.0]))
    assert gc.get_freeze_count() == 0


def test_objects_the_process_froze_stay_frozen(backend):
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        j = ad.jit(_made_in_a_cycle)
        x = _arr([0.0, 1.0, 2.0])
        want = to_numpy(_made_in_a_cycle(x))
        for _ in range(2):
            np.testing.assert_array_equal(to_numpy(j(x)), want)
        # (none unfrozen, none added; some frozen ones were freed since)
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_scopes_nest_and_collect_what_is_made_inside():
    assert gc.get_freeze_count() == 0
    with jit_trace.young_collections():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with jit_trace.young_collections():
            box: dict = {}
            box["self"] = box
            gc.collect()
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0
