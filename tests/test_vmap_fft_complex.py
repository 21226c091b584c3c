"""vmap of the FFT primitives, the complex primitives and complex variants of the others, and
the special functions, against the loop over examples (tests/vmap_loop.py); Jacobians and
Hessians through them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import to_numpy
from diff_specs.scipy import cupy_lacks
from vmap_loop import check_jacobians, check_vmap

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps

RNG = np.random.default_rng(3)
B = 3


def normal(*shape):
    return RNG.standard_normal(shape)


def cplx(*shape):
    return normal(*shape) + 1j * normal(*shape)


# ---- the FFT ----------------------------------------------------------------------------------

FFT = {
    "fft": (lambda x: gnp.fft.fft(x), cplx(B, 4), 0),
    "fft n axis": (lambda x: gnp.fft.fft(x, n=6, axis=0), normal(4, B, 3), 1),
    "ifft ortho": (lambda x: gnp.fft.ifft(x, axis=-2, norm="ortho"), cplx(4, 3, B), 2),
    "rfft": (lambda x: gnp.fft.rfft(x, n=5, axis=0), normal(B, 4, 2), 0),
    "irfft": (lambda x: gnp.fft.irfft(x, n=6), cplx(2, 4, B), 2),
    "irfft axis forward": (lambda x: gnp.fft.irfft(x, axis=0, norm="forward"), cplx(B, 3, 2), 0),
    "fftn": (lambda x: gnp.fft.fftn(x, s=(4, 3)), normal(B, 3, 3), 0),
    "fftn all axes": (lambda x: gnp.fft.fftn(x), cplx(2, B, 3), 1),
    "ifftn repeated axes": (lambda x: gnp.fft.ifftn(x, axes=(0, 0, 1)), cplx(B, 3, 2), 0),
    "fft2": (gnp.fft.fft2, normal(3, 4, B), 2),
    "rfftn": (lambda x: gnp.fft.rfftn(x, axes=(1, 0)), normal(B, 4, 3), 0),
    "irfftn": (lambda x: gnp.fft.irfftn(x, s=(3, 4)), cplx(B, 3, 3), 0),
    "rfft2, irfft2": (lambda x: gnp.fft.irfft2(gnp.fft.rfft2(x) * 1j, s=(3, 4)),
                      normal(3, B, 4), 1),
    "hfft": (lambda x: gnp.fft.hfft(x, n=5), cplx(B, 3), 0),
    "ihfft": (lambda x: gnp.fft.ihfft(x, axis=0), normal(4, 2, B), 2),
    "fftshift": (lambda x: gnp.fft.fftshift(gnp.fft.ifftshift(x, axes=0) * x), normal(B, 4, 3),
                 0),
}


@pytest.mark.parametrize("case", list(FFT))
def test_fft(backend, case):
    f, x, axis = FFT[case]
    check_vmap(f, [x], axis, nested=case in ("fft n axis", "irfft", "rfftn", "fftshift"),
               loop_ok=("scatter",),
               moved=case in ("fft", "rfft", "irfftn", "hfft"))


def test_fft_with_a_shared_argument(backend):
    check_vmap(lambda x, w: gnp.fft.fft(x * w, axis=0), [normal(B, 4), cplx(4)], (0, None),
               nested=True)
    check_vmap(lambda x, w: gnp.fft.rfft(x, axis=0) * w, [normal(4), cplx(3, B)], (None, 1),
               nested=True)


def test_fftfreq_of_a_batched_spacing(backend):
    check_vmap(lambda d: gnp.fft.rfftfreq(6, d) + gnp.fft.fftfreq(4, d),
               [np.array([0.1, 0.5, 2.0])], 0)


# ---- complex primitives and complex variants ----------------------------------------------------

COMPLEX = {
    "conj, real, imag": (lambda z: gnp.real(z) * gnp.imag(z) + gnp.conj(z) * z, [cplx(B, 4)], 0),
    "angle": (lambda z: gnp.angle(z) + gnp.angle(z, deg=True) * 0.01, [cplx(4, B)], 1),
    "abs": (lambda z: gnp.abs(z) ** 3, [cplx(B, 2, 3)], 0),
    "sign": (gnp.sign, [cplx(B, 4)], 0),
    "holomorphic": (lambda z, w: gnp.exp(z) * gnp.log(w) / (z + w) + gnp.sin(z) ** 2,
                    [cplx(B, 4), cplx(4) + 3], (0, None)),
    "power": (lambda z, w: z ** w, [cplx(B, 3) + 2, cplx(B, 3) * 0.3], 0),
    "mixed real and complex": (lambda x, z: x * z + gnp.astype(z * z, np.float64) * x,
                               [normal(B, 3), cplx(3, B)], (0, 1)),
    "matmul": (gnp.matmul, [cplx(B, 2, 3), cplx(3, 2)], (0, None)),
    "einsum": (lambda a, b: gnp.einsum("ij,j->i", a, b), [cplx(2, 3), cplx(B, 3)], (None, 0)),
    "norm": (lambda z: gnp.linalg.norm(z) + gnp.linalg.norm(z, axis=0), [cplx(B, 3, 2)], 0),
    "sum, prod, cumsum": (lambda z: gnp.cumsum(z, 1) * gnp.prod(z) + gnp.sum(z, 0),
                          [cplx(B, 2, 3)], 0),
}


@pytest.mark.parametrize("case", list(COMPLEX))
def test_complex(backend, case):
    f, args, axes = COMPLEX[case]
    check_vmap(f, args, axes, nested=case in ("conj, real, imag", "abs", "holomorphic"),
               moved=case in ("abs", "power"))


def test_per_example_gradient_of_squared_modulus(backend):
    """vmap(grad(sum |z|^2)) on complex inputs is 2 z per example, as the loop gives."""
    z = ad.get_backend().xp.asarray(cplx(B, 4))

    def f(z):
        return gnp.sum(gnp.abs(z) ** 2)

    got = to_numpy(ad.vmap(ad.grad(f))(z))
    np.testing.assert_allclose(got, np.stack([to_numpy(ad.grad(f)(z[i])) for i in range(B)]),
                               rtol=1e-12)
    np.testing.assert_allclose(got, 2 * to_numpy(z), rtol=1e-12)
    check_vmap(lambda z: gnp.abs(z) ** 2, [to_numpy(z)], 0)


# ---- special functions (entrywise: the broadcasting rule) -------------------------------------

POS = 0.5 + np.abs(normal(B, 4)) * 2

SPECIAL = {
    "gammaln, digamma": (lambda x: sps.gammaln(x) * sps.digamma(x), [POS], 0),
    "erf, erfc, erfcx": (lambda x: sps.erf(x) + sps.erfc(x) * sps.erfcx(x), [normal(B, 4)], 0),
    "expit, logit": (lambda x: sps.logit(sps.expit(x) * 0.5 + 0.25), [normal(4, B)], 1),
    "ndtri, log_ndtr": (lambda x: sps.ndtri(sps.expit(x)) + sps.log_ndtr(x), [normal(B, 4)], 0),
    "i0e, k1": (lambda x: sps.i0e(x) * sps.k1(x), [POS], 0),
    "polygamma(n, x)": (lambda x: sps.polygamma(2, x), [POS], 0),
    "polygamma array n": (lambda n, x: sps.polygamma(n, x), [np.array([0, 1, 2, 3]), POS],
                          (None, 0)),
    "jv(v, x)": (lambda x: sps.jv(1.5, x), [POS], 0),
    "jv array v": (lambda v, x: sps.jv(v, x), [np.array([0.0, 0.5, 1.0, 2.5]), POS], (None, 0)),
    "jv batched v": (lambda v, x: sps.jv(v, x), [np.array([0.0, 1.0, 2.5]), POS.T], (0, 1)),
    "xlogy, betaln": (lambda x, y: sps.xlogy(x, y) + sps.betaln(x, y), [POS, POS[0] + 1],
                      (0, None)),
    "betainc": (lambda a, b, x: sps.betainc(a, b, x),
                [np.array(2.0), np.array([1.5, 3.0, 1.0]), 1 / (1 + np.exp(normal(B, 4)))],
                (None, 0, 0)),
    "gammainc": (lambda a, x: sps.gammainc(a, x), [np.array([0.5, 1.0, 2.0, 4.0]), POS],
                 (None, 0)),
    "zeta": (lambda s, q: sps.zeta(s, q), [np.array(3.0), POS], (None, 0)),
    "hyp1f1": (lambda x: sps.hyp1f1(0.5, 1.5, x), [normal(B, 4)], 0),
    "gammasgn": (lambda x: sps.gammasgn(x) * x, [normal(B, 4)], 0),
}
# arguments without a derivative (orders, shape parameters): not differentiated
NO_DIFF = {"polygamma array n": [1], "jv array v": [1], "jv batched v": [1], "betainc": [2],
           "gammainc": [1], "zeta": [1]}


def _lacking(backend, case: str) -> str | None:
    """On the cupy backend, the first cupyx.scipy.special function that the gpuad.scipy.special
    functions named in ``case`` need and this CuPy lacks."""
    if backend != "cupy":
        return None
    names = [w for w in re.findall(r"\w+", case) if hasattr(sps, w)]
    return next((m for m in map(cupy_lacks, names) if m), None)


@pytest.mark.parametrize("case", list(SPECIAL))
def test_special(backend, case):
    f, args, axes = SPECIAL[case]
    missing = _lacking(backend, case)
    if missing:  # raises, batched or not
        for call in (lambda: f(*[ad.get_backend().xp.asarray(a) for a in args]),
                     lambda: ad.vmap(f, in_axes=axes)(*args)):
            with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special"):
                call()
        return
    check_vmap(f, args, axes, diff=NO_DIFF.get(case),
               nested=case in ("polygamma(n, x)", "jv array v", "betainc"),
               moved=case in ("gammaln, digamma", "polygamma array n"), rtol=1e-7)


# ---- Jacobians and Hessians ----------------------------------------------------------------------

JACOBIANS = {
    "fft": lambda x: gnp.abs(gnp.fft.fft(x)) ** 2,
    "rfft, irfft": lambda x: gnp.fft.irfft(gnp.fft.rfft(x) * gnp.exp(1j * x[:4]), n=6),
    "fftn": lambda x: gnp.real(gnp.fft.fftn(gnp.reshape(x, (2, 3)) * 1j + x[0])).ravel(),
    "complex": lambda x: gnp.angle(x[:3] + 1j * x[3:]) + gnp.imag(gnp.exp(1j * x[:3] * x[3:])),
    "special": lambda x: sps.gammaln(x ** 2 + 1) + sps.polygamma(1, x ** 2 + 1) + sps.jv(2, x),
}


@pytest.mark.parametrize("case", list(JACOBIANS))
def test_jacobians(backend, case):
    missing = _lacking(backend, {"special": "gammaln, polygamma, jv"}.get(case, ""))
    if missing:
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special"):
            ad.jacobian(JACOBIANS[case])(normal(6) * 0.7)
        return
    check_jacobians(JACOBIANS[case], normal(6) * 0.7, hessian=case in ("fft", "complex",
                                                                         "special"))
