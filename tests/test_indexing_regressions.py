"""Indexing regressions found by porting JAX's and PyTorch's indexing test suites
(tests/conformance/test_jax_indexing_suite.py, test_torch_indexing_suite.py): each checked
against NumPy's values."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad


def _xp():
    return ad.get_backend().xp


def test_jit_follows_a_closure_mask_in_at_updates(backend):
    """A boolean mask the compiled function reads from its closure: ``x.at[m]`` under
    ``gpuad.jit`` gave the first call's positions after the mask changed (a stale result),
    and raised TracerError once the mask had been read by ``x[m]`` in the same function."""
    xp = _xp()
    a = np.arange(6.0).reshape(3, 2)
    m = xp.asarray([True, False, True])
    x = ad.tensor(xp.asarray(a))
    f = ad.jit(lambda x: x.at[m].add(1.0))
    g = ad.jit(lambda x: x.at[m].add(2 * x[m]))
    for mask in ([True, False, True], [False, True, True], [True, True, True]):
        m[...] = xp.asarray(mask)
        hm = np.asarray(mask)
        want = a.copy()
        want[hm] += 1.0
        np.testing.assert_array_equal(to_numpy(f(x)), want)
        want = a.copy()
        want[hm] += 2 * a[hm]
        np.testing.assert_array_equal(to_numpy(g(x)), want)
