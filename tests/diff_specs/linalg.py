"""Derivative specs of ``gpuad.numpy.linalg`` and ``gpuad.scipy.linalg``.

Inputs are well conditioned (diagonally dominant, symmetric positive definite, distinct
eigenvalues and singular values); functions of eigenvectors and singular vectors are made
independent of their sign (squares, projectors) so that finite differences see a smooth function.
"""

from __future__ import annotations

import numpy as np
from linalg_inputs import normal, spd, well

import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl

from . import Spec

L = gnp.linalg
NL = "gpuad.numpy.linalg."
SL = "gpuad.scipy.linalg."


def sym_distinct(*s):
    """Symmetric matrices with well-separated eigenvalues (1, 2, 3, ...)."""
    n = s[-1]

    def make(r):
        q, _ = np.linalg.qr(r.standard_normal(s))
        w = np.arange(1.0, n + 1.0)
        return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2) + 0.05 * r.standard_normal(s)

    return make


def nonsym_real_spectrum(n):
    """A non-symmetric matrix with real, distinct eigenvalues (similar to diag(1..n))."""
    def make(r):
        v = np.eye(n) + 0.3 * r.standard_normal((n, n))
        return v @ np.diag(np.arange(1.0, n + 1.0)) @ np.linalg.inv(v)

    return make


def distinct_sv(m, n, *lead):
    """Matrices with singular values 1, 2, ... (well separated, none zero)."""
    k = min(m, n)

    def make(r):
        u, _ = np.linalg.qr(r.standard_normal(lead + (m, k)))
        v, _ = np.linalg.qr(r.standard_normal(lead + (n, k)))
        s = np.arange(1.0, k + 1.0)
        return (u * s) @ np.swapaxes(v, -1, -2)

    return make


def args(*makers):
    return lambda r: tuple(mk(r) for mk in makers)


def sq(x):
    return x * x


def _proj(v, k):
    vk = v[..., :k]
    return vk @ gnp.swapaxes(vk, -1, -2)


SPECS = [
    # ---- numpy.linalg ----
    Spec(NL + "inv", lambda a: L.inv(a), args(well(2, 3, 3))),
    Spec(NL + "solve", lambda a, b: L.solve(a, b), args(well(2, 3, 3), normal(2, 3, 2))),
    Spec(NL + "det", lambda a: L.det(a), args(normal(2, 3, 3))),
    Spec(NL + "slogdet", lambda a: L.slogdet(a)[1], args(well(2, 3, 3))),
    Spec(NL + "cholesky", lambda a: L.cholesky(a), args(spd(2, 3, 3))),
    Spec(NL + "cholesky", lambda a: L.cholesky(a, upper=True), args(spd(3, 3))),
    Spec(NL + "norm", lambda a: L.norm(a), args(normal(2, 3))),
    Spec(NL + "norm", lambda a: L.norm(a, "nuc"), args(distinct_sv(3, 4))),
    Spec(NL + "norm", lambda a: L.norm(a, 2, axis=(0, 2), keepdims=True),
         args(distinct_sv(3, 4, 2))),
    Spec(NL + "norm", lambda a: L.norm(a, -2), args(distinct_sv(4, 3))),
    Spec(NL + "norm", lambda a: L.norm(a, 3, axis=1), args(normal(2, 4))),
    Spec(NL + "norm", lambda a: L.norm(a, -1.5), args(lambda r: r.uniform(0.5, 2.0, 5))),
    Spec(NL + "vector_norm", lambda a: L.vector_norm(a, axis=(0, 2), ord=3),
         args(normal(2, 3, 2))),
    Spec(NL + "matrix_norm", lambda a: L.matrix_norm(a, ord="nuc"), args(distinct_sv(3, 2, 2))),
    Spec(NL + "eigh", lambda a: L.eigh(a)[0], args(sym_distinct(2, 3, 3))),
    Spec(NL + "eigh", lambda a: sq(L.eigh(a, "U")[1]), args(sym_distinct(3, 3))),
    Spec(NL + "eigvalsh", lambda a: L.eigvalsh(a, UPLO="U"), args(sym_distinct(2, 3, 3))),
    Spec(NL + "eig", lambda a: (L.eig(a)[0], sq(L.eig(a)[1])), args(nonsym_real_spectrum(3))),
    Spec(NL + "eigvals", lambda a: L.eigvals(a), args(nonsym_real_spectrum(3))),
    Spec(NL + "svd", lambda a: [sq(x) for x in L.svd(a, full_matrices=False)],
         args(distinct_sv(4, 3, 2))),
    Spec(NL + "svd", lambda a: (lambda u, s, vh: (_proj(u[..., :, 3:], 2), s, sq(vh)))(
        *L.svd(a)), args(distinct_sv(5, 3))),
    Spec(NL + "svd", lambda a: L.svd(a, compute_uv=False), args(distinct_sv(3, 5))),
    Spec(NL + "svdvals", lambda a: L.svdvals(a), args(distinct_sv(3, 4, 2))),
    Spec(NL + "qr", lambda a: tuple(L.qr(a)), args(normal(2, 4, 3))),
    Spec(NL + "qr", lambda a: tuple(L.qr(a)), args(normal(3, 5))),
    Spec(NL + "qr", lambda a: L.qr(a, "r"), args(normal(4, 3))),
    Spec(NL + "pinv", lambda a: L.pinv(a), args(distinct_sv(4, 3, 2))),
    Spec(NL + "lstsq", lambda a, b: L.lstsq(a, b)[:2], args(distinct_sv(5, 3), normal(5, 2))),
    Spec(NL + "matrix_power", lambda a: L.matrix_power(a, 3), args(normal(2, 3, 3))),
    Spec(NL + "matrix_power", lambda a: L.matrix_power(a, -2), args(well(3, 3))),
    Spec(NL + "multi_dot", lambda a, b, c: L.multi_dot([a, b, c]),
         args(normal(3), normal(3, 4), normal(4, 2))),
    Spec(NL + "cond", lambda a: L.cond(a), args(distinct_sv(3, 3))),
    Spec(NL + "cond", lambda a: L.cond(a, "fro"), args(well(3, 3))),
    Spec(NL + "tensorinv", lambda a: L.tensorinv(a, 1), args(lambda r: well(4, 4)(r).reshape(
        4, 2, 2))),
    Spec(NL + "tensorsolve", lambda a, b: L.tensorsolve(a, b),
         args(lambda r: well(6, 6)(r).reshape(2, 3, 2, 3), normal(2, 3))),
    Spec(NL + "matmul", lambda a, b: L.matmul(a, b), args(normal(2, 3), normal(3, 2))),
    Spec(NL + "matrix_transpose", lambda a: L.matrix_transpose(a), args(normal(2, 3, 4))),
    Spec(NL + "diagonal", lambda a: L.diagonal(a, offset=1), args(normal(2, 3, 4))),
    Spec(NL + "trace", lambda a: L.trace(a), args(normal(2, 3, 3))),
    Spec(NL + "outer", lambda a, b: L.outer(a, b), args(normal(3), normal(2))),
    Spec(NL + "cross", lambda a, b: L.cross(a, b), args(normal(2, 3), normal(2, 3))),
    Spec(NL + "tensordot", lambda a, b: L.tensordot(a, b, axes=1),
         args(normal(2, 3), normal(3, 2))),
    Spec(NL + "vecdot", lambda a, b: L.vecdot(a, b), args(normal(2, 3), normal(2, 3))),
    # ---- scipy.linalg ----
    Spec(SL + "solve_triangular", lambda a, b: gsl.solve_triangular(a, b, lower=True),
         args(well(2, 3, 3), normal(2, 3, 2))),
    Spec(SL + "solve_triangular",
         lambda a, b: gsl.solve_triangular(a, b, trans="T", unit_diagonal=True),
         args(normal(3, 3), normal(3))),
    Spec(SL + "cholesky", lambda a: gsl.cholesky(a), args(spd(3, 3))),
    Spec(SL + "cho_factor", lambda a: gsl.cho_factor(a, lower=True)[0], args(spd(3, 3))),
    Spec(SL + "cho_solve", lambda a, b: gsl.cho_solve(gsl.cho_factor(a), b),
         args(spd(3, 3), normal(3, 2))),
    Spec(SL + "solve_sylvester", lambda a, b, q: gsl.solve_sylvester(a, b, q),
         args(well(3, 3), well(2, 2), normal(3, 2))),
    Spec(SL + "sqrtm", lambda a: gsl.sqrtm(a), args(spd(3, 3))),
    Spec(SL + "expm", lambda a: gsl.expm(a), args(lambda r: 0.5 * r.standard_normal((2, 3, 3)))),
    Spec(SL + "solve_banded", lambda ab, b: gsl.solve_banded((1, 1), ab, b),
         args(lambda r: np.vstack([r.standard_normal(4), 4 + r.standard_normal(4),
                                   r.standard_normal(4)]), normal(4))),
    Spec(SL + "inv", lambda a: gsl.inv(a), args(well(3, 3))),
    Spec(SL + "det", lambda a: gsl.det(a), args(normal(3, 3))),
    Spec(SL + "solve", lambda a, b: gsl.solve(a, b, assume_a="pos"), args(spd(3, 3),
                                                                          normal(3))),
    Spec(SL + "eigh", lambda a, b: (lambda w, v: (w, sq(v)))(*gsl.eigh(a, b)),
         args(sym_distinct(3, 3), spd(3, 3))),
    Spec(SL + "eigvalsh", lambda a: gsl.eigvalsh(a), args(sym_distinct(3, 3))),
    Spec(SL + "svd", lambda a: [sq(x) for x in gsl.svd(a, full_matrices=False)],
         args(distinct_sv(4, 3))),
    Spec(SL + "svdvals", lambda a: gsl.svdvals(a), args(distinct_sv(4, 3))),
    Spec(SL + "qr", lambda a: gsl.qr(a, mode="economic"), args(normal(4, 3))),
    Spec(SL + "pinv", lambda a: gsl.pinv(a), args(distinct_sv(3, 4))),
    Spec(SL + "norm", lambda a: gsl.norm(a, "nuc"), args(distinct_sv(3, 4))),
    Spec(SL + "lstsq", lambda a, b: gsl.lstsq(a, b)[0], args(distinct_sv(5, 3), normal(5))),
]

EXEMPT = {
    NL + "matrix_rank": "integer valued (a count of singular values)",
}
