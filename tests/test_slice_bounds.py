"""Slice bounds held in arrays (``x[1:n]`` with ``n`` a 0-d integer array or Tensor).

CuPy gives its arrays no ``__index__`` (an implicit copy to the host): it slices with host
integers only. gpuad reads such a bound on the host itself, as NumPy and PyTorch do, on every
backend; under ``gpuad.jit`` the program holds the value read and checks at every call that
the array still holds it (tracing again where it does not), and a bound computed from the
function's arguments raises ``TracerError``, as JAX wants concrete slice bounds.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.testing import check_grads


@pytest.mark.gpu
@pytest.mark.standin
def test_cupy_arrays_have_no_index():
    # CuPy leaves __index__ out on purpose (cupy/cupy#5784): no implicit device-to-host copy
    import cupy

    a = cupy.asarray(2)
    for use in (operator.index, range, lambda a: [1, 2, 3][a],
                lambda a: np.arange(4)[a:], lambda a: [1, 2, 3][:a]):
        with pytest.raises(TypeError):
            use(a)
    assert int(a) == 2  # the explicit conversion


@pytest.mark.parametrize("as_tensor", [False, True])
def test_bound_in_an_array_eagerly(backend, rng, as_tensor):
    xp = ad.get_backend().xp
    lo, hi = xp.asarray(1), xp.asarray(4)
    if as_tensor:
        lo, hi = ad.tensor(lo), ad.tensor(hi)
    x0 = rng.standard_normal(6)
    x = ad.tensor(xp.asarray(x0), requires_grad=True)
    y = x[lo:hi]
    np.testing.assert_array_equal(to_numpy(y.data), x0[1:4])
    gnp.sum(y * y).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.where((np.arange(6) >= 1)
                                                             & (np.arange(6) < 4), 2 * x0, 0))

    def f(x):  # (a raw CuPy array, which check_grads may pass, slices with host ints only)
        x = x if isinstance(x, ad.Tensor) else ad.tensor(x)
        return gnp.sum(gnp.sin(x[lo:hi:2]))

    check_grads(f, (xp.asarray(x0),), order=2, modes=("fwd", "rev"))
    t = ad.tensor(xp.zeros(6))
    t[lo:hi] = 1.0
    np.testing.assert_array_equal(to_numpy(t.data), [0, 1, 1, 1, 0, 0])
    with pytest.raises(TypeError, match="getitem: a slice bound"):
        x[:xp.asarray(2.0)]


def test_compiled_program_follows_a_changed_bound(backend, rng):
    xp = ad.get_backend().xp
    stop = xp.asarray(3)
    vg = ad.value_and_grad(lambda x: gnp.sum(x[1:stop] ** 3))
    j = ad.jit(vg)
    x = xp.asarray(rng.standard_normal(6))
    for n in (3, 3, 3, 5, 5, 2):
        stop[...] = n
        got, want = j(x), vg(x)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert j.cache_info()["branch_retraces"] == 2


def test_bound_computed_from_the_arguments_is_refused(backend, rng):
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal(5))
    with pytest.raises(TracerError, match="slice bound"):
        ad.jit(lambda x, n: x[:n] * 2.0)(x, xp.asarray(2))
    with pytest.raises(TracerError, match="slice bound"):
        ad.jit(lambda x: x[:gnp.argmax(x)])(x)
    j = ad.jit(lambda x, n: x[:n] * 2.0, static_argnums=1)
    np.testing.assert_array_equal(to_numpy(j(x, 2)), to_numpy(x)[:2] * 2.0)


def test_bound_in_a_closed_over_tensor(backend, rng):
    xp = ad.get_backend().xp
    n = ad.tensor(xp.asarray(2))
    f = lambda x: x[:n] * 2.0  # noqa: E731
    j = ad.jit(f)
    x = xp.asarray(rng.standard_normal(5))
    # the bound written in place, or the Tensor given a new array
    for k, new_array in ((2, False), (2, False), (4, True), (3, False)):
        if new_array:
            n.data = xp.asarray(k)
        else:
            n[...] = k
        np.testing.assert_array_equal(to_numpy(j(x)), to_numpy(x)[:k] * 2.0)
