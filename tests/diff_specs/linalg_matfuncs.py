"""Derivative specs of the matrix functions (gpuad/linalg_matfuncs.py) and of the
``scipy.linalg`` names built on other decompositions (``pinvh``, banded solves, ``rq``, ``eig``,
Lyapunov and Toeplitz solves, ``orth``...) in gpuad/scipy/linalg.py."""

from __future__ import annotations

import numpy as np
from linalg_inputs import normal, well

import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl

from . import Spec
from .linalg import distinct_sv, nonsym_real_spectrum, sym_distinct

SL = "gpuad.scipy.linalg."


def args(*makers):
    return lambda r: tuple(mk(r) for mk in makers)


def small(*s):
    return lambda r: 0.3 * r.standard_normal(s)


def band_pd(r):
    """The upper band form (one superdiagonal) of a diagonally dominant matrix."""
    return np.stack([np.r_[0.0, 0.5 * r.standard_normal(3)], 3.0 + r.uniform(0, 1, 4)])


def sq(v):
    return v * gnp.conj(v)


SPECS: list[Spec] = [
    Spec(SL + "logm", lambda a: gsl.logm(a), args(well(3, 3))),
    Spec(SL + "fractional_matrix_power", lambda a: gsl.fractional_matrix_power(a, 0.7),
         args(well(3, 3))),
    Spec(SL + "signm", lambda a: gsl.signm(a), args(nonsym_real_spectrum(3)), order=1),
    Spec(SL + "cosm", lambda a: gsl.cosm(a), args(small(3, 3))),
    Spec(SL + "sinm", lambda a: gsl.sinm(a), args(small(3, 3))),
    Spec(SL + "tanm", lambda a: gsl.tanm(a), args(small(3, 3))),
    Spec(SL + "coshm", lambda a: gsl.coshm(a), args(small(3, 3))),
    Spec(SL + "sinhm", lambda a: gsl.sinhm(a), args(small(3, 3))),
    Spec(SL + "tanhm", lambda a: gsl.tanhm(a), args(small(3, 3))),
    Spec(SL + "expm_cond", lambda a: gsl.expm_cond(a), args(small(2, 2)), order=1),
    Spec(SL + "khatri_rao", lambda a, b: gsl.khatri_rao(a, b), args(normal(2, 3), normal(3, 3))),
    Spec(SL + "pinvh", lambda a: gsl.pinvh(a), args(sym_distinct(3, 3))),
    Spec(SL + "solveh_banded", lambda ab, b: gsl.solveh_banded(ab, b),
         args(band_pd, normal(4, 2))),
    Spec(SL + "cholesky_banded", lambda ab: gsl.cholesky_banded(ab), args(band_pd)),
    Spec(SL + "cho_solve_banded",
         lambda ab, b: gsl.cho_solve_banded((gsl.cholesky_banded(ab), False), b),
         args(band_pd, normal(4))),
    Spec(SL + "eig_banded", lambda ab: gsl.eig_banded(ab, eigvals_only=True), args(band_pd)),
    Spec(SL + "eigvals_banded", lambda ab: gsl.eigvals_banded(ab), args(band_pd)),
    Spec(SL + "eigvalsh_tridiagonal", lambda d, e: gsl.eigvalsh_tridiagonal(d, e),
         args(lambda r: np.array([1.0, 2.0, 3.0]) + 0.1 * r.standard_normal(3), small(2))),
    Spec(SL + "rq", lambda a: gsl.rq(a), args(distinct_sv(3, 4))),
    Spec(SL + "eig", lambda a: (gsl.eig(a)[0], sq(gsl.eig(a)[1])), args(nonsym_real_spectrum(3))),
    Spec(SL + "eigvals", lambda a, b: gsl.eigvals(a, b),
         args(nonsym_real_spectrum(3), well(3, 3))),
    Spec(SL + "solve_continuous_lyapunov", lambda a, q: gsl.solve_continuous_lyapunov(a, q),
         args(well(3, 3), normal(3, 3))),
    Spec(SL + "solve_discrete_lyapunov", lambda a, q: gsl.solve_discrete_lyapunov(a, q),
         args(small(3, 3), normal(3, 3))),
    Spec(SL + "solve_toeplitz", lambda c, r, b: gsl.solve_toeplitz((c, r), b),
         args(lambda r: np.r_[4.0, r.standard_normal(2)], normal(3), normal(3))),
    Spec(SL + "matmul_toeplitz", lambda c, r, x: gsl.matmul_toeplitz((c, r), x),
         args(normal(3), normal(2), normal(2, 2))),
    Spec(SL + "orthogonal_procrustes", lambda a, b: gsl.orthogonal_procrustes(a, b),
         args(normal(4, 3), normal(4, 3))),
    Spec(SL + "orth", lambda a: sq(gsl.orth(a)), args(distinct_sv(4, 2))),
    Spec(SL + "null_space", lambda a: gsl.null_space(a) @ gnp.conj(gsl.null_space(a)).T,
         args(distinct_sv(2, 3))),
    Spec(SL + "diagsvd", lambda s: gsl.diagsvd(s, 2, 3), args(normal(2))),
    Spec(SL + "solve_circulant", lambda c, b: gsl.solve_circulant(c, b),
         args(lambda r: np.r_[3.0, 0.5 * r.standard_normal(2)], normal(3, 2))),
    Spec(SL + "subspace_angles", lambda a, b: gsl.subspace_angles(a, b),
         args(normal(4, 2), normal(4, 2))),
]
EXEMPT: dict[str, str] = {
    SL + "issymmetric": "a test on the values (a bool), not differentiable",
    SL + "ishermitian": "a test on the values (a bool), not differentiable",
    SL + "bandwidth": "the numbers of nonzero diagonals (integers), not differentiable",
}
