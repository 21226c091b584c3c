"""Derivative specs of the LU factorisations, structured matrices, ``polar`` and
``expm_frechet`` of ``gpuad.scipy.linalg`` (gpuad/linalg_extra.py).

LU inputs are strongly diagonal matrices with their rows shuffled, so that partial pivoting
makes row exchanges and the same ones at every finite-difference step.
"""

from __future__ import annotations

from linalg_inputs import normal, well

import gpuad.scipy.linalg as gsl

from . import Spec

SL = "gpuad.scipy.linalg."


def args(*makers):
    return lambda r: tuple(mk(r) for mk in makers)


def shuffled(*s):
    """Well-conditioned matrices whose pivots are rows (2, 0, 1)."""
    make = well(*s)
    return lambda r: make(r)[..., [1, 2, 0], :]


SPECS: list[Spec] = [
    Spec(SL + "lu_factor", lambda a: gsl.lu_factor(a)[0], args(shuffled(3, 3))),
    Spec(SL + "lu", lambda a: gsl.lu(a)[1] + gsl.lu(a)[2], args(shuffled(3, 3))),
    Spec(
        SL + "lu_solve",
        lambda a, b: gsl.lu_solve(gsl.lu_factor(a), b, trans=1),
        args(shuffled(3, 3), normal(3, 2)),
    ),
    Spec(SL + "block_diag", lambda a, b: gsl.block_diag(a, b), args(normal(2, 2), normal(3))),
    Spec(SL + "toeplitz", lambda c, r: gsl.toeplitz(c, r), args(normal(3), normal(2))),
    Spec(SL + "hankel", lambda c, r: gsl.hankel(c, r), args(normal(2), normal(3))),
    Spec(SL + "circulant", lambda c: gsl.circulant(c), args(normal(3))),
    Spec(SL + "polar", lambda a: gsl.polar(a)[0] + gsl.polar(a)[1], args(well(3, 3))),
    Spec(SL + "polar", lambda a: gsl.polar(a, "left")[1], args(well(2, 2))),
    Spec(
        SL + "expm_frechet",
        lambda a, e: gsl.expm_frechet(a, e)[1],
        args(lambda r: 0.5 * r.standard_normal((2, 2)), normal(2, 2)),
    ),
]
EXEMPT: dict[str, str] = {}
