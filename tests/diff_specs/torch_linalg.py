"""Derivative specs of ``gpuad.linalg``, torch's ``torch.linalg`` names (and the torch functions
of that family it holds: ``geqrf``, ``ormqr``, ``svd_lowrank``, ...) where they are not the
``gpuad.numpy.linalg`` function under another name.

Pivoted factorisations get inputs whose pivots are clear (a strong diagonal, or rows shuffled
so that one row clearly wins), so finite differences do not cross a pivot change.
"""

from __future__ import annotations

import numpy as np
from linalg_inputs import normal, spd, well

import gpuad.linalg as TL

from . import Spec

T = "gpuad.linalg."


def args(*makers):
    return lambda r: tuple(mk(r) for mk in makers)


def rect(m, n):
    """An m x n matrix with a strong leading diagonal: clear pivots."""
    return lambda r: r.standard_normal((m, n)) * 0.3 + 2.0 * np.eye(m, n)


def shuffled(*s):
    """Well-conditioned matrices whose partial pivots are rows (2, 0, 1)."""
    make = well(*s)
    return lambda r: make(r)[..., [1, 2, 0], :]


def sym_indefinite(n):
    """Symmetric matrices with small diagonals and one large off-diagonal pair: the LDL
    factorisation takes a 2x2 block there."""
    def make(r):
        a = 0.2 * r.standard_normal((n, n))
        a = a + a.T + 3.0 * np.eye(n)
        a[0, 0] = a[1, 1] = 0.1
        a[0, 1] = a[1, 0] = 4.0
        return a

    return make


def sym_well(n):
    def make(r):
        a = 0.3 * r.standard_normal((n, n))
        return a + a.T + 3.0 * np.eye(n)

    return make


def tall(m, n):
    """m x n matrices (m > n) with singular values near 2: a scaled identity on top plus noise."""
    return lambda r: 0.3 * r.standard_normal((m, n)) + 2.0 * np.eye(m, n)


def lower(*s):
    """Well-conditioned lower-triangular matrices."""
    make = well(*s)
    return lambda r: np.tril(make(r))


def _lu_solve(a, b, **kw):
    lu, piv = TL.lu_factor(a)
    return TL.lu_solve(lu, piv, b, **kw)


SPECS = [
    Spec(T + "cholesky_ex", lambda a: TL.cholesky_ex(a, upper=True)[0], args(spd(2, 3, 3))),
    Spec(T + "inv_ex", lambda a: TL.inv_ex(a)[0], args(well(2, 3, 3))),
    Spec(T + "solve_ex", lambda a, b: TL.solve_ex(a, b)[0], args(well(3, 3), normal(3, 2))),
    Spec(T + "solve_ex", lambda a, b: TL.solve_ex(a, b, left=False)[0],
         args(well(3, 3), normal(2, 3))),
    Spec(T + "solve_triangular", lambda a, b: TL.solve_triangular(a, b, upper=False),
         args(lower(3, 3), normal(3, 2))),
    Spec(T + "solve_triangular",
         lambda a, b: TL.solve_triangular(a, b, upper=True, left=False, unitriangular=True),
         args(well(3, 3), normal(2, 3))),
    Spec(T + "lu", lambda a: TL.lu(a)[1] + TL.lu(a)[2], args(shuffled(3, 3))),
    Spec(T + "lu_factor", lambda a: TL.lu_factor(a)[0], args(shuffled(2, 3, 3))),
    Spec(T + "lu_factor", lambda a: TL.lu_factor(a)[0], args(rect(4, 3))),  # m x n too
    Spec(T + "lu", lambda a: TL.lu(a)[2], args(rect(3, 4))),
    Spec(T + "lstsq", lambda a, b: TL.lstsq(a, b, driver="gelsd")[:2],
         args(normal(2, 4, 3), normal(2, 4, 2))),
    Spec(T + "lstsq", lambda a, b: TL.lstsq(a, b).solution, args(normal(3, 4), normal(3))),
    Spec(T + "lu_factor_ex", lambda a: TL.lu_factor_ex(a)[0], args(shuffled(3, 3))),
    Spec(T + "lu_solve", lambda a, b: _lu_solve(a, b), args(shuffled(3, 3), normal(3, 2))),
    Spec(T + "lu_solve", lambda a, b: _lu_solve(a, b, left=False, adjoint=True),
         args(shuffled(3, 3), normal(2, 3))),
    Spec(T + "lu_unpack", lambda a: sum(TL.lu_unpack(*TL.lu_factor(a))[1:]),
         args(shuffled(3, 3))),
    Spec(T + "matrix_exp", lambda a: TL.matrix_exp(a), args(normal(2, 3, 3))),
    Spec(T + "vander", lambda x: TL.vander(x, N=4), args(normal(3))),
    Spec(T + "geqrf", lambda a: sum(o.sum() * (k + 1) for k, o in enumerate(TL.geqrf(a))),
         args(normal(4, 3))),
    Spec(T + "geqrf", lambda a: TL.geqrf(a)[0], args(normal(3, 3)), order=1),
    Spec(T + "householder_product", lambda a, tau: TL.householder_product(a, tau),
         args(normal(4, 3), normal(2))),
    Spec(T + "ormqr", lambda a, tau, c: TL.ormqr(a, tau, c),
         args(normal(3, 3), normal(2), normal(3, 2))),
    Spec(T + "ormqr", lambda a, tau, c: TL.ormqr(a, tau, c, left=False, transpose=True),
         args(normal(3, 3), normal(3), normal(2, 3))),
    Spec(T + "ldl_factor", lambda a: TL.ldl_factor(a)[0], args(sym_well(3)), order=1),
    Spec(T + "ldl_factor", lambda a: TL.ldl_factor(a)[0], args(sym_indefinite(4)), order=1),
    Spec(T + "ldl_factor_ex", lambda a: TL.ldl_factor_ex(a)[0], args(sym_indefinite(3)),
         order=1),
    Spec(T + "ldl_solve", lambda a, b: TL.ldl_solve(*TL.ldl_factor(a), b),
         args(sym_indefinite(4), normal(4, 2)), order=1),
    Spec(T + "svd_lowrank", lambda a: TL.svd_lowrank(a, q=3)[1], args(tall(4, 3)), order=1),
    Spec(T + "pca_lowrank", lambda a: TL.pca_lowrank(a, q=3)[1], args(tall(5, 3)), order=1),
]
