"""Workarounds for the library versions gpuad runs beside."""

from __future__ import annotations

import importlib.util

import numpy as np


def restore_numpy_row_stack() -> bool:
    """Give NumPy >= 2.5 back ``np.row_stack`` (an alias of ``np.vstack`` removed in 2.5) when
    numba-cuda is installed: numba-cuda up to 0.30 registers an overload for it while loading
    its CUDA target, so without it every ``@cuda.jit`` compile fails with AttributeError.
    Returns whether the alias was added.

    Example: ``restore_numpy_row_stack()`` -> ``False`` where NumPy still has ``row_stack``.
    """
    if hasattr(np, "row_stack") or importlib.util.find_spec("numba_cuda") is None:
        return False

    def row_stack(tup, *, dtype=None, casting="same_kind"):
        return np.vstack(tup, dtype=dtype, casting=casting)

    row_stack.__doc__ = "Alias of numpy.vstack (removed in NumPy 2.5; restored for numba-cuda)."
    np.row_stack = row_stack
    return True
