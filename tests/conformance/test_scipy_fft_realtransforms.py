"""scipy.fft's real-to-real transforms (``dct``/``idct``/``dst``/``idst`` and their n-D forms,
types 1 to 4, every ``norm``, ``orthogonalize``, ``n``/``s`` padding and cutting, float32,
float64 and complex input) against SciPy itself; derivatives (both modes, second order)
against central differences; the type-2 DCT also against ``jax.scipy.fft``."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sf

import gpuad as ad
import gpuad.scipy.fft as gf
from gpuad.testing import check_grads
from tests.conftest import to_numpy

# where gpuad differs from SciPy on purpose (checked below)
DIFFERENCES = {
    "complex input, norm='ortho', orthogonalize=False": (
        "gpuad transforms the real and imaginary parts (the transform is linear); SciPy's "
        "result for complex input there differs from that for DCT 1-3 and DST 2-3"),
}

NAMES = ["dct", "idct", "dst", "idst"]
NORMS = [(None, None), ("backward", None), ("forward", None), ("ortho", None),
         ("ortho", False), ("ortho", True)]


def _scipy(name, x, **kw):
    f = getattr(sf, name)
    if np.iscomplexobj(x):  # part by part (see DIFFERENCES)
        return f(x.real, **kw) + 1j * f(x.imag, **kw)
    return f(x, **kw)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("type", [1, 2, 3, 4])
def test_values(backend, name, type):
    xp = ad.get_backend().xp
    r = np.random.default_rng(type)
    x = r.standard_normal((4, 6))
    for inp in (x, x.astype(np.float32), x + 1j * r.standard_normal((4, 6))):
        tol = 1e-5 if inp.dtype == np.float32 else 1e-12
        for norm, orth in NORMS:
            for n, axis in ((None, -1), (8, 0), (3, 1)):
                kw = dict(type=type, n=n, axis=axis, norm=norm, orthogonalize=orth)
                got = to_numpy(getattr(gf, name)(xp.asarray(inp), **kw))
                want = _scipy(name, inp, **kw)
                assert got.shape == want.shape and got.dtype == want.dtype, (kw, got.dtype)
                np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
            kw = dict(type=type, s=(5, 3), norm=norm, orthogonalize=orth)
            got = to_numpy(getattr(gf, name + "n")(xp.asarray(inp), **kw))
            np.testing.assert_allclose(got, _scipy(name + "n", inp, **kw), rtol=tol, atol=tol)


def test_scipy_complex_orthogonalize_false_is_not_part_by_part():
    x = np.random.default_rng(0).standard_normal((2, 5)) + 1j
    whole = sf.dct(x, type=1, norm="ortho", orthogonalize=False)
    parts = _scipy("dct", x, type=1, norm="ortho", orthogonalize=False)
    assert not np.allclose(whole, parts)
    np.testing.assert_allclose(to_numpy(gf.dct(x, type=1, norm="ortho", orthogonalize=False)),
                               parts, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("type", [1, 2, 3, 4])
def test_inverse_pairs_and_derivatives(backend, name, type):
    r = np.random.default_rng(10 + type)
    x = r.standard_normal((3, 5))
    inverse = {"dct": "idct", "idct": "dct", "dst": "idst", "idst": "dst"}[name]
    for norm in (None, "ortho", "forward"):
        y = getattr(gf, name)(x, type=type, norm=norm)
        np.testing.assert_allclose(to_numpy(getattr(gf, inverse)(y, type=type, norm=norm)), x,
                                   atol=1e-12)
    check_grads(lambda v: getattr(gf, name)(v, type=type, norm="ortho", axis=0), (x,), order=2)
    check_grads(lambda v: getattr(gf, name + "n")(v, type=type, s=(4, 4)),
                (x + 1j * r.standard_normal((3, 5)),), order=1)


def test_errors():
    with pytest.raises(ValueError, match="type must be 1, 2, 3 or 4"):
        gf.dst(np.ones(3), type=5)
    with pytest.raises(ValueError, match="norm"):
        gf.dct(np.ones(3), norm="half")
    with pytest.raises(ValueError, match="dct"):
        gf.dct(np.ones(1), type=1)  # SciPy: DCT-I needs at least 2 points


def test_type2_dct_against_jax(backend):
    jax = pytest.importorskip("jax")
    import jax.scipy.fft as jf

    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        x = np.random.default_rng(3).standard_normal((4, 5))
        for norm in (None, "ortho"):
            for gname, jname in (("dct", "dct"), ("idct", "idct")):
                np.testing.assert_allclose(to_numpy(getattr(gf, gname)(x, norm=norm, axis=0)),
                                           getattr(jf, jname)(x, norm=norm, axis=0), atol=1e-12)
            np.testing.assert_allclose(to_numpy(gf.dctn(x, norm=norm)), jf.dctn(x, norm=norm),
                                       atol=1e-12)
            gj = jax.grad(lambda v: (jf.dct(v, norm=norm) ** 3).sum())(x)
            gg = ad.grad(lambda v: ad.numpy.sum(gf.dct(v, norm=norm) ** 3))(x)
            np.testing.assert_allclose(to_numpy(gg), gj, atol=1e-10)
    finally:
        jax.config.update("jax_enable_x64", prev)


def test_differences_listed():
    assert len(DIFFERENCES) == 1
