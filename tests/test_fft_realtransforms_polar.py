"""scipy.fft's DCT/DST of types 1-4 with every norm, and scipy.linalg.polar of complex
matrices: values against SciPy, derivatives against central differences, on both backends
(tests/conformance/test_scipy_fft_realtransforms.py runs the full grid and JAX)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sf
import scipy.linalg as sl

import gpuad as ad
import gpuad.scipy.fft as gf
import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads
from tests.conftest import to_numpy


@pytest.mark.parametrize("name", ["dct", "idct", "dst", "idst"])
def test_types_and_norms_match_scipy(backend, name):
    xp = ad.get_backend().xp
    x = np.random.default_rng(0).standard_normal((3, 5))
    for t in (1, 2, 3, 4):
        for norm, orth in ((None, None), ("forward", None), ("ortho", None), ("ortho", False)):
            kw = dict(type=t, norm=norm, orthogonalize=orth)
            np.testing.assert_allclose(to_numpy(getattr(gf, name)(xp.asarray(x), axis=0, **kw)),
                                       getattr(sf, name)(x, axis=0, **kw), atol=1e-12)
            np.testing.assert_allclose(to_numpy(getattr(gf, name + "n")(xp.asarray(x), **kw)),
                                       getattr(sf, name + "n")(x, **kw), atol=1e-12)
    check_grads(lambda v: getattr(gf, name)(v, type=1, norm="ortho", n=6), (x,), order=1)
    check_grads(lambda v: getattr(gf, name)(v, type=4), (x + 1j,), order=1)


@pytest.mark.parametrize("shape", [(3, 3), (4, 3)])
def test_complex_polar(backend, shape):
    r = np.random.default_rng(1)
    a = r.standard_normal(shape) + 1j * r.standard_normal(shape)
    xp = ad.get_backend().xp
    for side in ("right", "left"):
        for got, want in zip(gsl.polar(xp.asarray(a), side), sl.polar(a, side), strict=True):
            got = to_numpy(got)
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, atol=1e-12)
        check_grads(lambda m: gsl.polar(m, side), (a,), order=1)
