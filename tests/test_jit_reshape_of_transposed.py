"""A reshape that copies when traced (its input was a transposed, Fortran-ordered array) and
would view the C-ordered buffer the compiled program replays on: the replayed step must still
copy, or a later step writes over the array it aliases. Found by the complex-program fuzzer
(tests/conformance/test_complex_program_fuzz.py); real and complex values alike."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _loss(c):
    def f(r):
        x = r.T * c  # Fortran-ordered when traced
        y = gnp.ravel(x)  # a copy when traced
        return gnp.sum(gnp.sin(gnp.real(x * gnp.sum(y * y))))
    return f


def _fd(f, r, h=1e-6):
    g = np.zeros_like(r)
    for i in np.ndindex(r.shape):
        e = np.zeros_like(r)
        e[i] = h
        up, down = f(ad.tensor(r + e)), f(ad.tensor(r - e))
        g[i] = (float(to_numpy(up)) - float(to_numpy(down))) / (2 * h)
    return g


@pytest.mark.parametrize("c", [2.0, 1.0 + 1.0j])
def test_compiled_gradient_through_reshape_of_a_transpose(backend, c):
    rng = np.random.default_rng(0)
    r = rng.standard_normal((2, 3))
    f = _loss(c)
    step = ad.jit(ad.grad(f), check=False)
    for a in (r, r * 1.1 + 0.2, r[::-1] * 0.7):
        ours = to_numpy(step(ad.tensor(a)))
        np.testing.assert_allclose(ours, to_numpy(ad.grad(f)(ad.tensor(a))), rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(ours, _fd(f, a), rtol=1e-6, atol=1e-7)
