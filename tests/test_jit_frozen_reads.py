"""Arrays a compiled function reads without receiving them (closures) are read at every call,
also where library code reads their values on the host while tracing (``delete``'s indices,
``put``'s, ``histogram``'s bin edges, ``gradient``'s spacing, ``allclose``) or copies a NumPy
array to the device (``embedding`` of NumPy indices on the cupy backend): the program keeps
what it computed from the values read and a check that the array still holds them, and a call
after an in-place change traces again, so its result is eager's, also where the change changes
the result's shape. Arrays the function makes itself stay constants: no such check
(docs/jit.md, "What is traced")."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.nn import functional as F

_X = np.random.default_rng(0).standard_normal(6)
_W = np.random.default_rng(1).standard_normal((5, 3))


def _emb(idx):
    return lambda w: F.embedding(idx, w) * 2.0


def _delete(idx):
    return lambda x: gnp.delete(x, idx) * 3.0


def _put(idx):
    def f(x):
        t = ad.tensor(gnp.zeros(6))
        gnp.put(t, idx, x[:2])
        return t * x
    return f


def _hist(edges):
    return lambda x: gnp.histogram(x, bins=edges)[0]


def _gradient(h):  # a spacing read on the host
    return lambda x: gnp.gradient(x, h)


def _allclose(c):  # a Python bool computed from a closed-over array
    return lambda x: x * (2.0 if gnp.allclose(c, 1.0) else 3.0)


# name: (function of the closed-over array, argument, first value, changed values (the last
#        one changes the result's shape where the function allows it))
CASES = {
    "embedding": (_emb, _W, [0, 4], [[1, 2], [4, 4]]),
    "delete": (_delete, _X, [0, 2], [[1, 3], [5, 5]]),
    "delete_mask": (_delete, _X, [True, False, False, True, False, False],
                    [[False, True, False, True, False, False],
                     [True, True, True, False, False, False]]),
    "put": (_put, _X, [0, 2], [[1, 3], [4, 4]]),
    "gradient": (_gradient, _X, 0.5, [1.5, 2.0]),
    "allclose": (_allclose, _X, [1.0, 2.0], [[1.0, 1.0], [3.0, 3.0]]),
    "histogram": (_hist, _X, [-3.0, -0.5, 0.0, 3.0], [[-3.0, 0.0, 0.5, 3.0],
                                                      [-1.0, 0.0, 1.0, 2.0]]),
}
MODES = {"default": {}, "no_graph": {"graph": False}}


def _held(backend, first, where):
    if where == "host":
        return np.array(first)
    return ad.get_backend().xp.asarray(np.array(first))


def _same(got, want):
    g, w = to_numpy(got), to_numpy(want)
    assert g.shape == w.shape
    np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("where", ["host", "device"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_over_array_read_on_the_host(backend, name, where, mode):
    if backend == "numpy" and (where == "device" or mode != "default"):
        pytest.skip("a NumPy array is the numpy backend's device array; no CUDA graph")
    if name == "embedding" and (where == "device" or backend == "numpy"):
        pytest.skip("indices on the device are read by the gather itself, at every call")
    if name == "allclose" and where == "host" and backend == "cupy":
        pytest.skip("CuPy's allclose refuses NumPy arrays")
    make, arg, first, changes = CASES[name]
    x = ad.get_backend().xp.asarray(arg)
    held = _held(backend, first, where)
    f = make(held)
    j = ad.jit(f, **MODES[mode])
    for _ in range(3):  # traced, replayed (cupy: warm-up, captured)
        _same(j(x), f(ad.Tensor(x)))
    for new in changes:
        held[...] = np.array(new) if where == "host" else ad.get_backend().xp.asarray(
            np.array(new))
        for _ in range(2):  # traced again, then replayed
            _same(j(x), f(ad.Tensor(x)))
    assert j.cache_info()["branch_retraces"] == len(changes)


def _guards(j, *args):
    return [s.op for _, s in j.lower(*args).live_steps()
            if s.op.startswith("check:branch:") and "values read when traced" in s.op]


@pytest.mark.parametrize("name", ["embedding", "delete", "histogram"])
def test_arrays_made_inside_stay_constants(backend, name):
    """The same read of an array the function makes (nothing outside can change it) is a
    constant of the program: no check step; of a closed-over one, a check step."""
    if name == "embedding" and backend == "numpy":
        pytest.skip("indices on the device are read by the gather itself, at every call")
    make, arg, first, _ = CASES[name]
    x = ad.get_backend().xp.asarray(arg)

    def inside(v):
        return make(np.array(first))(v)
    assert _guards(ad.jit(inside), x) == []
    assert len(_guards(ad.jit(make(np.array(first))), x)) == 1


@pytest.mark.parametrize("where", ["host", "device"])
def test_histogram_edges_checked_every_call(backend, where):
    """Edges that stop increasing raise eager's ValueError from the compiled call too."""
    if where == "device" and backend == "numpy":
        pytest.skip("a NumPy array is the numpy backend's device array")
    edges = _held(backend, [-1.0, 0.0, 1.0], where)
    f = _hist(edges)
    j = ad.jit(f)
    x = ad.get_backend().xp.asarray(_X)
    for _ in range(3):
        _same(j(x), f(ad.Tensor(x)))
    edges[...] = edges[::-1].copy()
    with pytest.raises(ValueError, match="monotonically") as eager:
        f(ad.Tensor(x))
    with pytest.raises(ValueError) as info:
        j(x)
    assert str(info.value) == str(eager.value)
