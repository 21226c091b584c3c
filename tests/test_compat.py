"""Workarounds for library versions (gpuad._compat)."""

import importlib.util

import numpy as np

from gpuad import _compat


def test_row_stack_restored_for_numba_cuda_on_numpy_without_it(monkeypatch):
    monkeypatch.delattr(np, "row_stack", raising=False)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "numba_cuda" else real(name, *a))
    assert _compat.restore_numpy_row_stack() is True
    a, b = np.arange(3), np.arange(3, 6)
    np.testing.assert_array_equal(np.row_stack((a, b)), np.vstack((a, b)))
    assert np.row_stack is not np.vstack  # its own function: no second overload of vstack
    assert _compat.restore_numpy_row_stack() is False  # present now: nothing to do


def test_row_stack_left_alone_without_numba_cuda(monkeypatch):
    monkeypatch.delattr(np, "row_stack", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    assert _compat.restore_numpy_row_stack() is False
    assert not hasattr(np, "row_stack")
