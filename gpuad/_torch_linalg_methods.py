"""PyTorch's linear-algebra Tensor methods: ``cholesky_solve``, ``cholesky_inverse``,
``triangular_solve``, ``lu``, ``lu_solve``, ``matrix_exp``, ``cholesky``, ``qr``, ``svd``,
``pinverse``, ``geqrf``, ``ormqr``, ``det``, ``slogdet``, ``inverse``, ``matrix_power``.

Each is a call of ``gpuad.linalg`` (torch.linalg's conventions) with the method's argument
order and defaults; everything but the pivots is differentiable.
Example: ``X = B.cholesky_solve(L)``, ``X, _ = B.triangular_solve(U)``
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from . import _links
from ._torch_args import _xp
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_triangular_solve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
_qr = namedtuple("qr", ["Q", "R"])
_svd = namedtuple("svd", ["U", "S", "V"])


def _la():
    from . import linalg

    return linalg


def _matrices(name: str, *xs) -> None:
    for x in xs:
        if getattr(x, "ndim", 0) < 2:
            raise ValueError(f"Tensor.{name} takes (batches of) matrices, got shape "
                             f"{tuple(getattr(x, 'shape', ()))}")


def _conj_t(a):
    return _R.conj(a.mT) if a.dtype.kind == "c" else a.mT


def cholesky_solve(self, input2, upper: bool = False) -> Tensor:
    """Solve ``A X = self`` given the Cholesky factor ``input2`` of ``A`` (``A = L L^H``, or
    ``U^H U`` with ``upper=True``). Example: ``X = B.cholesky_solve(L)``"""
    _matrices("cholesky_solve", self, input2)
    la = _la()
    lower = _conj_t(input2) if upper else input2
    y = la.solve_triangular(lower, self, upper=False)
    return la.solve_triangular(_conj_t(lower), y, upper=True)


def cholesky_inverse(self, upper: bool = False) -> Tensor:
    """The inverse of ``A`` from its Cholesky factor ``self``. Example: ``L.cholesky_inverse()``
    """
    _matrices("cholesky_inverse", self)
    xp = _xp(self)
    eye = Tensor(xp.broadcast_to(xp.eye(self.shape[-1], dtype=self.dtype), self.shape).copy())
    return cholesky_solve(eye, self, upper)


def triangular_solve(self, A, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """torch's ``triangular_solve``: ``(X, A)`` with ``A X = self`` (``A^T X = self`` with
    ``transpose=True``), reading the upper (or lower) triangle of ``A``.
    Example: ``X, _ = B.triangular_solve(U)``"""
    _matrices("triangular_solve", self, A)
    la = _la()
    coef = A.mT if transpose else A
    x = la.solve_triangular(coef, self, upper=bool(upper) != bool(transpose),
                            unitriangular=unitriangular)
    return _triangular_solve(x, _R.copy(A))


def lu(self, pivot: bool = True, get_infos: bool = False):
    """torch's ``Tensor.lu``: ``(LU, pivots)`` (and ``infos`` with ``get_infos=True``), as
    ``gpuad.linalg.lu_factor``. Example: ``LU, piv = A.lu()``"""
    _matrices("lu", self)
    LU, piv = _la().lu_factor(self, pivot=pivot)
    if get_infos:
        from .linalg import _lu_info

        return LU, piv, _lu_info(self)
    return LU, piv


def lu_solve(self, LU_data, LU_pivots) -> Tensor:
    """Solve ``A X = self`` given ``A.lu()``. Example: ``X = B.lu_solve(LU, piv)``"""
    _matrices("lu_solve", self, LU_data)
    return _la().lu_solve(LU_data, LU_pivots, self)


def matrix_exp(self) -> Tensor:
    """The matrix exponential (of each matrix in a batch). Example: ``A.matrix_exp()``"""
    _matrices("matrix_exp", self)
    return _la().matrix_exp(self)


def cholesky(self, upper: bool = False) -> Tensor:
    """torch's ``Tensor.cholesky``: the lower factor ``L`` (``upper=True``: ``U = L^H``),
    reading the lower triangle. Example: ``L = A.cholesky()``"""
    _matrices("cholesky", self)
    return _la().cholesky(self, upper=upper)


def qr(self, some: bool = True):
    """torch's ``Tensor.qr``: ``(Q, R)``, reduced unless ``some=False``.
    Example: ``Q, R = A.qr()``"""
    _matrices("qr", self)
    return _qr(*_R.linalg.qr(self, mode="reduced" if some else "complete"))


def svd(self, some: bool = True, compute_uv: bool = True):
    """torch's ``Tensor.svd``: ``(U, S, V)`` with ``self = U diag(S) V^H`` (``V``, not
    ``V^H``); ``compute_uv=False`` gives zero ``U`` and ``V`` as torch.
    Example: ``U, S, V = A.svd()``"""
    _matrices("svd", self)
    m, n = self.shape[-2:]
    if not compute_uv:
        xp = _xp(self)
        s = _R.linalg.svd(self, compute_uv=False)
        return _svd(Tensor(xp.zeros(self.shape[:-2] + (m, m), self.dtype)), s,
                    Tensor(xp.zeros(self.shape[:-2] + (n, n), self.dtype)))
    u, s, vh = _R.linalg.svd(self, full_matrices=not some)
    return _svd(u, s, _conj_t(vh))


def pinverse(self, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond`` times the largest dropped.
    Example: ``A.pinverse()``"""
    _matrices("pinverse", self)
    return _R.linalg.pinv(self, rcond=rcond)


def geqrf(self):
    """torch's ``Tensor.geqrf``: ``(a, tau)``, LAPACK's Householder form of the QR
    factorisation (``gpuad.linalg.geqrf``). Example: ``a, tau = A.geqrf()``"""
    return _la().geqrf(self)


def ormqr(self, input2, input3, left: bool = True, transpose: bool = False) -> Tensor:
    """torch's ``Tensor.ormqr``: ``Q @ input3`` for ``Q`` of ``self``'s reflectors and the
    scalars ``input2`` (``gpuad.linalg.ormqr``). Example: ``a.ormqr(tau, C)``"""
    return _la().ormqr(self, input2, input3, left=left, transpose=transpose)


def det(self) -> Tensor:
    """The determinant (of each matrix in a batch). Example: ``A.det()``"""
    _matrices("det", self)
    return _R.linalg.det(self)


def slogdet(self):
    """``(sign, logabsdet)`` of the determinant. Example: ``sign, logabs = A.slogdet()``"""
    _matrices("slogdet", self)
    return _R.linalg.slogdet(self)


def inverse(self) -> Tensor:
    """The inverse (of each matrix in a batch). Example: ``A.inverse()``"""
    _matrices("inverse", self)
    return _R.linalg.inv(self)


def matrix_power(self, n: int) -> Tensor:
    """``self`` to the integer power ``n`` (negative: of the inverse).
    Example: ``A.matrix_power(3)``"""
    _matrices("matrix_power", self)
    return _R.linalg.matrix_power(self, n)


METHODS = {n: globals()[n] for n in """
    cholesky_solve cholesky_inverse triangular_solve lu lu_solve matrix_exp cholesky qr svd
    pinverse geqrf ormqr det slogdet inverse matrix_power
""".split()}
