"""Value checks on arrays a compiled function reads without receiving them (closures) run at
every call, as checks on its arguments do: the closed-over array is read live, so a check
frozen at the traced call's values would let a later in-place change through (CuPy wraps an
out-of-range index silently). Arrays the function makes itself stay constants: their checks
are folded away (docs/jit.md, "Value checks")."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad.nn import functional as F

_W = np.random.default_rng(0).standard_normal((5, 3))
_L = np.random.default_rng(1).standard_normal((4, 7))
_V = np.random.default_rng(2).standard_normal(10)


def _emb(idx):
    return lambda w: gnp.sum(F.embedding(idx, w))


def _emb_grad(idx):  # a gather whose forward the program drops: only its scatter-add is left
    return ad.grad(lambda w: gnp.sum(F.embedding(idx, w) ** 2))


def _xent(lab):
    return ad.value_and_grad(lambda x: nn.cross_entropy(x, lab))


def _quantile(q):  # a domain check, and positions computed from q on raw arrays
    return lambda v: gnp.quantile(v, q)


# name: (function of the closed-over array, argument, first value, another good value,
#        bad value, eager exception)
CASES = {
    "embedding": (_emb, _W, [0, 4], [3, 1], [0, 7], IndexError),
    "embedding_neg": (_emb, _W, [0, 4], [3, 1], [-1, 2], IndexError),
    "embedding_grad": (_emb_grad, _W, [0, 4], [2, 2], [5, 0], IndexError),
    "cross_entropy": (_xent, _L, [0, 1, 2, 6], [6, 5, 0, 0], [0, 1, 7, 3], IndexError),
    "quantile_q": (_quantile, _V, [0.5, 0.25], [0.9, 0.1], [0.5, 1.5], ValueError),
}
MODES = {"default": {}, "no_fuse": {"fuse": False}, "no_graph": {"graph": False}}


def _np(out):
    return [to_numpy(o) for o in (out if isinstance(out, tuple) else (out,))]


def _same(got, want):
    for g, w in zip(_np(got), _np(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_over_array_checked_every_call(backend, name, mode):
    make, arg, first, good, bad, exc = CASES[name]
    xp = ad.get_backend().xp
    x = xp.asarray(arg)
    held = xp.asarray(np.asarray(first))
    f = make(held)
    j = ad.jit(f, **MODES[mode])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(3):  # traced, replayed (cupy: warm-up, captured)
            _same(j(x), f(ad.Tensor(x)))
        if backend == "cupy" and mode != "no_graph":  # checked inside the CUDA graph
            assert j.cache_info()["entries"][0]["graph"] == "captured", j.cache_info()
        held[...] = xp.asarray(np.asarray(good))  # read live: eager's values
        _same(j(x), f(ad.Tensor(x)))
        held[...] = xp.asarray(np.asarray(bad))
        with pytest.raises(exc) as eager:
            f(ad.Tensor(x))
        with pytest.raises(exc) as info:  # this call, or (a CUDA graph) the next one
            j(x)
            j(x)
        core = str(info.value).split(" (found after the launch")[0]
        assert core == str(eager.value), (str(info.value), str(eager.value))
        held[...] = xp.asarray(np.asarray(good))
        _same(j(x), f(ad.Tensor(x)))  # reported once: later calls run


def _check_steps(j, *args):
    return [s.op for _, s in j.lower(*args).live_steps() if s.op.startswith("check:")]


@pytest.mark.parametrize("name", ["embedding", "embedding_grad", "cross_entropy",
                                  "quantile_q"])
def test_checks_of_arrays_made_inside_are_folded(backend, name):
    """The same check on an array the function makes (nothing outside can change it) runs
    once, when tracing: the program holds no check step; on a closed-over one it does
    (cross-entropy checks its labels inside its own step, which every call runs)."""
    make, arg, first, _good, _bad, _exc = CASES[name]
    xp = ad.get_backend().xp
    x = xp.asarray(arg)

    def inside(v):
        return make(xp.asarray(np.asarray(first)))(v)
    held = make(xp.asarray(np.asarray(first)))
    assert _check_steps(ad.jit(inside), x) == []
    assert (_check_steps(ad.jit(held), x) != []) == (name != "cross_entropy")


_M = np.random.default_rng(3).standard_normal((3, 10))
# values library code computes from a closed-over array on raw arrays, or a branch it keeps
# on them: name -> (function of the closed-over array, argument, first value, new value)
COMPUTED = {
    "cov_aweights": (lambda w: lambda m: gnp.cov(m, aweights=w), _M, np.ones(10),
                     np.arange(1.0, 11.0)),
    "real_if_close": (lambda c: lambda v: gnp.real_if_close(c) * gnp.sum(v), _V,
                      np.array([1.0 + 0j, 2.0]), np.array([1.0 + 1j, 2.0])),
}


@pytest.mark.parametrize("name", sorted(COMPUTED))
def test_closed_over_array_computed_every_call(backend, name):
    make, arg, first, new = COMPUTED[name]
    xp = ad.get_backend().xp
    x, held = xp.asarray(arg), xp.asarray(first)
    f = make(held)
    j = ad.jit(f)
    for _ in range(3):
        _same(j(x), f(ad.Tensor(x)))
    held[...] = xp.asarray(new)
    want = f(ad.Tensor(x))
    got = j(x)
    assert to_numpy(got).dtype == to_numpy(want).dtype
    _same(got, want)
