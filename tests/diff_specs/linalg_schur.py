"""Derivative specs of the Schur family, ``eigh_tridiagonal``, ``qr_multiply`` and the special
matrices of ``gpuad.scipy.linalg`` (gpuad/linalg_schur.py, gpuad/linalg_special.py).

``rsf2csf`` is checked on an upper Hessenberg input (every subdiagonal entry nonzero, so every
rotation is taken at every finite-difference step); ``schur``, ``hessenberg`` and ``funm`` have
no derivative, as in JAX, and raise when differentiated (tests/test_scipy_linalg_schur.py).
"""

from __future__ import annotations

import numpy as np
from linalg_inputs import normal, well

import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl

from . import Spec

SL = "gpuad.scipy.linalg."


def args(*makers):
    return lambda r: tuple(mk(r) for mk in makers)


def _rsf2csf(t, z):
    tt, zz = gsl.rsf2csf(gnp.triu(t, -1), z)
    return gnp.real(tt) + gnp.imag(zz)


def _coeffs(n):
    return lambda r: np.r_[r.uniform(1.0, 2.0), r.standard_normal(n - 1)]


SPECS: list[Spec] = [
    Spec(SL + "rsf2csf", _rsf2csf, args(normal(3, 3), well(3, 3))),
    Spec(SL + "eigh_tridiagonal", lambda d, e: gsl.eigh_tridiagonal(d, e, eigvals_only=True),
         args(normal(4), normal(3))),
    Spec(SL + "eigh_tridiagonal", lambda d, e: gnp.abs(gsl.eigh_tridiagonal(d, e)[1]),
         args(normal(3), normal(2)), order=1),
    Spec(SL + "qr_multiply", lambda a, c: gsl.qr_multiply(a, c)[0] + gsl.qr_multiply(a, c)[1],
         args(well(3, 3), normal(3, 3)), order=1),
    Spec(SL + "companion", gsl.companion, args(_coeffs(4))),
    Spec(SL + "fiedler_companion", gsl.fiedler_companion, args(_coeffs(5))),
    Spec(SL + "leslie", gsl.leslie, args(normal(3), normal(2))),
    Spec(SL + "convolution_matrix", lambda a: gsl.convolution_matrix(a, 3, "same"),
         args(normal(4))),
    Spec(SL + "fiedler", gsl.fiedler,
         args(lambda r: np.arange(4.0) + r.uniform(-0.3, 0.3, 4))),
]
_CONST = "a constant matrix of its size (no array argument)"
_HOST = ("no derivative, as in JAX: differentiating it raises GradError naming a "
         "differentiable alternative")
EXEMPT: dict[str, str] = {
    **{SL + n: _CONST for n in ("dft", "hadamard", "helmert", "hilbert", "invhilbert", "pascal",
                                "invpascal")},
    SL + "schur": _HOST + " (the factorisation is not unique)",
    SL + "hessenberg": _HOST + " (the factorisation is not unique)",
    SL + "funm": _HOST + " (it runs through the Schur factorisation)",
}
