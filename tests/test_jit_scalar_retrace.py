"""Python ints and bools are part of a compiled function's signature (docs/jit.md): after 8
traces that differ only in such numbers, jit warns once (RetraceWarning) and says what to do.
Python floats are traced values (tests/test_jit_float_args.py): no retrace, no warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import RetraceWarning
from gpuad.jit.scalar_retrace import LIMIT


def _calls(f, values, *, x):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for v in values:
            f(x, v)
    return [w for w in caught if issubclass(w.category, RetraceWarning)]


def test_warns_once_after_the_limit(backend):
    x = ad.get_backend().xp.asarray(np.ones(3))
    f = ad.jit(lambda x, lr: x * lr)
    assert not _calls(f, list(range(1, LIMIT)), x=x)
    got = _calls(f, list(range(LIMIT, 3 * LIMIT)), x=x)
    assert len(got) == 1
    msg = str(got[0].message)
    assert "<lambda>" in msg and "position(s) [1]" in msg and "gnp.asarray" in msg
    assert got[0].filename == __file__  # points at the caller's line


def test_floats_are_traced_and_never_warn(backend):
    x = ad.get_backend().xp.asarray(np.ones(3))
    f = ad.jit(lambda x, lr: x * lr)
    assert not _calls(f, [0.1 * k for k in range(3 * LIMIT)], x=x)
    assert f.cache_info()["misses"] == 1


def test_a_0d_array_replays_for_every_value(backend):
    xp = ad.get_backend().xp
    x = xp.asarray(np.ones(3))
    f = ad.jit(lambda x, lr: x * lr)
    assert not _calls(f, [gnp.asarray(0.1 * k) for k in range(3 * LIMIT)], x=x)
    assert f.cache_info()["misses"] == 1
    np.testing.assert_allclose(to_numpy(f(x, gnp.asarray(2.5))), 2.5)


@pytest.mark.parametrize("values", [
    [1.0, 2.0] * LIMIT,                          # few values, replayed from the cache
    [float(k) for k in range(3 * LIMIT)],        # static: the user chose one program per value
])
def test_no_warning_for_repeated_or_static_values(backend, values):
    x = ad.get_backend().xp.asarray(np.ones(3))
    f = ad.jit(lambda x, lr: x * lr, static_argnums=1 if len(set(values)) > 2 else ())
    assert not _calls(f, values, x=x)


def test_new_shapes_are_not_counted(backend):
    xp = ad.get_backend().xp
    f = ad.jit(lambda x, s: x * s)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(1, 3 * LIMIT):
            f(xp.ones(k), 2.0)
    assert not [w for w in caught if issubclass(w.category, RetraceWarning)]
