"""``scipy.linalg``, differentiable in both modes and to any order, with SciPy's signatures.

Triangular and Cholesky solves, Sylvester equations, the matrix square root and exponential,
banded solves, and SciPy's spellings of the decompositions (``eigh`` with ``lower`` and a
generalised ``b``, ``qr`` modes 'full'/'economic'/'r', ``svd``, ``pinv`` with ``atol``/``rtol``).
Arguments that only concern SciPy's memory handling (``overwrite_a``, ``check_finite``,
``lapack_driver``, ...) are accepted and ignored. Example::

    import gpuad.scipy.linalg as gsl
    x = gsl.solve_triangular(L, b, lower=True)
    c = gsl.cho_factor(a)
    y = gsl.cho_solve(c, b)
"""

from __future__ import annotations

import numpy as _np

from .. import _value_checks as _vc
from .. import rules as _r
from ..linalg_rules import _sym_from
from ..linalg_rules import expm as _expm
from ..linalg_rules import solve_sylvester as _sylvester
from ..linalg_rules import solve_tri_ as _solve_tri
from ..linalg_rules import sqrtm as _sqrtm
from ..numpy import linalg as _nla

__all__ = ["cho_factor", "cho_solve", "cholesky", "det", "eigh", "eigvalsh", "expm", "inv",
           "lstsq", "norm", "pinv", "qr", "solve", "solve_banded", "solve_sylvester",
           "solve_triangular", "sqrtm", "svd", "svdvals"]

LinAlgError = _np.linalg.LinAlgError


def _square(a, name):
    s = _r.shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected square matrices, got shape {s}")


def _trans_code(trans) -> int:
    codes = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1, "n": 0, "t": 1, "c": 1}
    if trans not in codes:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C'; got "
                         f"{trans!r}")
    return codes[trans]


def _is_complex(*xs) -> bool:
    return any(getattr(_r.data(x), "dtype", _np.dtype(float)).kind == "c" for x in xs)


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` (``trans=1``/'T': ``a^T x = b``, ``trans=2``/'C': ``a^H x = b``)
    reading one triangle of ``a`` only (``lower``), with an implicit unit diagonal when
    ``unit_diagonal``. Stacked matrices too.

    Example: ``x = solve_triangular(L, b, lower=True)``
    """
    a, b = _nla._arr(a), _nla._arr(b)
    _square(a, "solve_triangular")
    n = _r.shape(a)[-1]
    bs = _r.shape(b)
    if len(bs) == 0 or (len(bs) == 1 and bs[0] != n) or (len(bs) >= 2 and bs[-2] != n):
        raise ValueError(f"solve_triangular: shapes of a {_r.shape(a)} and b {bs} are "
                         f"incompatible")
    code = _trans_code(trans)
    if trans in (2, "C", "c") and _is_complex(a):  # a^H = (conj a)^T
        from ..complex_rules import conj

        a = conj(a)
    return _solve_tri(_nla._float_input(a), _nla._float_input(b), lower=bool(lower),
                      trans=code, unit=bool(unit_diagonal))


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The Cholesky factor: upper ``U`` with ``a = U^T U`` (SciPy's default), or lower ``L``
    with ``lower=True``. Example: ``U = cholesky(a)``"""
    return _nla.cholesky(a, upper=not lower)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """``(c, lower)`` for :func:`cho_solve`; ``c`` is the triangular factor (the other triangle
    holds zeros). Example: ``y = cho_solve(cho_factor(a), b)``"""
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` given ``cho_factor(a)`` (``a = L L^H`` or ``U^H U``); only the
    factor's triangle is read. Example: ``x = cho_solve(cho_factor(a), b)``"""
    c, lower = c_and_lower
    if lower:  # L L^H x = b
        y = solve_triangular(c, b, lower=True)
        return solve_triangular(c, y, trans=2, lower=True)
    y = solve_triangular(c, b, trans=2, lower=False)  # U^H U x = b
    return solve_triangular(c, y, lower=False)


def solve_sylvester(a, b, q):
    """Solve ``a x + x b = q`` for ``x``. On the CuPy backend through a Kronecker-product
    system of size ``(m n)^2`` (2-D inputs). Example: ``x = solve_sylvester(a, b, q)``"""
    a, b, q = _nla._arr(a), _nla._arr(b), _nla._arr(q)
    for name, v in (("a", a), ("b", b)):
        _square(v, f"solve_sylvester ({name})")
    if _r.shape(q)[-2:] != (_r.shape(a)[-1], _r.shape(b)[-1]):
        raise ValueError(f"solve_sylvester: q must have shape (m, n) = ({_r.shape(a)[-1]}, "
                         f"{_r.shape(b)[-1]}); got {_r.shape(q)}")
    f = _nla._float_input
    return _sylvester(f(a), f(b), f(q))


def sqrtm(A, disp: bool = True, blocksize: int = 64):
    """The principal matrix square root (NumPy backend). Differentiable where it is real.

    Example: ``x = sqrtm(a @ a.T + eye)``"""
    A = _nla._arr(A)
    if not disp:
        raise NotImplementedError("sqrtm: disp=False (returning an error estimate) is not "
                                  "supported; call sqrtm(A)")
    _square(A, "sqrtm")
    return _sqrtm(_nla._float_input(A))


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
    """The matrix exponential; its derivatives use the Frechet derivative
    ``expm([[A, E], [0, A]])``. Stacked matrices too. ``upper_triangular`` and
    ``max_squarings`` (``jax.scipy.linalg.expm``'s hints) are accepted and change nothing:
    the result is exact for any matrix, with as many squarings as it needs.
    Example: ``expm(a)``"""
    if int(max_squarings) != max_squarings or max_squarings < 0:
        raise ValueError(f"expm: max_squarings must be a non-negative integer, got "
                         f"{max_squarings!r}")
    del upper_triangular
    A = _nla._arr(A)
    _square(A, "expm")
    return _expm(_nla._float_input(A))


def _banded_to_dense(l_and_u, ab):
    lo, up = (int(v) for v in l_and_u)
    rows, n = _r.shape(ab)
    if rows != lo + up + 1:
        raise ValueError(f"solve_banded: invalid values for the number of lower and upper "
                         f"diagonals: l+u+1 ({lo + up + 1}) does not equal ab.shape[0] "
                         f"({rows})")
    from .. import numpy as gnp

    dense = None
    for r in range(rows):
        k = up - r
        row = _r.getitem(ab, (r,))
        v = _r.getitem(row, (slice(k, n),)) if k >= 0 else _r.getitem(row, (slice(0, n + k),))
        if _r.shape(v)[0] == 0:
            continue
        d = gnp.diag(v, k)
        dense = d if dense is None else dense + d
    return dense


def solve_banded(l_and_u, ab, b, overwrite_ab: bool = False, overwrite_b: bool = False,
                 check_finite: bool = True):
    """Solve ``a x = b`` for a banded ``a`` given in SciPy's diagonal-ordered form ``ab``
    (``ab[u + i - j, j] == a[i, j]``). Example: ``solve_banded((1, 1), ab, b)``"""
    ab, b = _nla._arr(ab), _nla._arr(b)
    if _r.ndim(ab) != 2:
        raise ValueError(f"solve_banded: ab must be two-dimensional; got shape {_r.shape(ab)}")
    if _r.shape(b)[0] != _r.shape(ab)[1]:
        raise ValueError(f"solve_banded: shapes of ab {_r.shape(ab)} and b {_r.shape(b)} are "
                         f"incompatible")
    return _r.solve(_banded_to_dense(l_and_u, _nla._float_input(ab)), _nla._float_input(b))


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
    """The matrix inverse. Example: ``inv(a)``"""
    a = _nla._arr(a)
    _square(a, "inv")
    return _r.inv(_nla._float_input(a))


def det(a, overwrite_a: bool = False, check_finite: bool = True):
    """The determinant; its gradient (the transposed adjugate) is finite at singular
    matrices. Example: ``det(a)``"""
    a = _nla._arr(a)
    _square(a, "det")
    return _r.det(_nla._float_input(a))


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          check_finite: bool = True, assume_a=None, transposed: bool = False, *,
          debug: bool = False):
    """Solve ``a x = b``. ``assume_a`` 'sym'/'her'/'pos' reads one triangle (``lower``),
    'lower triangular'/'upper triangular' a triangular solve, otherwise a general solve.
    ``debug`` (``jax.scipy.linalg.solve``'s, deprecated there) is accepted and ignored.

    Example: ``solve(a, b, assume_a='pos')``"""
    a, b = _nla._arr(a), _nla._arr(b)
    _square(a, "solve")
    a = _nla._float_input(a)
    b = _nla._float_input(b)
    kind = assume_a or "gen"
    if kind in ("lower triangular", "upper triangular"):
        return solve_triangular(a, b, trans=1 if transposed else 0,
                                lower=kind.startswith("lower"))
    if kind in ("sym", "symmetric") and _is_complex(a):
        raise NotImplementedError(
            "solve: assume_a='sym' for a complex matrix (complex symmetric, a = a^T) is not "
            "supported; use assume_a='her' for a Hermitian matrix, or 'gen'")
    if kind in ("sym", "her", "pos", "positive definite", "symmetric", "hermitian"):
        a = _sym_from(a, "L" if lower else "U")
    elif kind not in ("gen", "general", "diagonal", "tridiagonal", "banded"):
        raise ValueError(f"solve: {assume_a!r} is not a recognized matrix structure")
    if transposed:
        a = _r.swapaxes(a, -1, -2)
    return _r.solve(a, b)


def eigh(a, b=None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of a symmetric ``a``, or of the generalised
    problem ``a v = w b v`` (``b`` positive definite, ``v^T b v = 1``), reading the ``lower``
    (or upper) triangles. Example: ``w, v = eigh(a)``"""
    if type != 1:
        raise NotImplementedError("eigh: only type=1 (a v = w b v) is supported")
    if subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_index/subset_by_value are not supported; "
                                  "slice the full result instead")
    uplo = "L" if lower else "U"
    if b is None:
        w, v = _nla.eigh(a, uplo)
    else:
        if _is_complex(a, b):
            raise NotImplementedError(
                "eigh: the generalised problem (b given) is supported for real matrices only")
        el = _nla.cholesky(_sym_from(_nla._float_input(b), uplo))
        a_s = _sym_from(_nla._float_input(a), uplo)
        # C = L^{-1} A L^{-T}, symmetric; v = L^{-T} y
        x = _solve_tri(el, a_s, lower=True, trans=0, unit=False)
        c = _r.swapaxes(_solve_tri(el, _r.swapaxes(x, -1, -2), lower=True, trans=0, unit=False),
                        -1, -2)
        w, y = _nla.eigh(c)
        v = _solve_tri(el, y, lower=True, trans=1, unit=False)
    return w if eigvals_only else (w, v)


def eigvalsh(a, b=None, *, lower: bool = True, overwrite_a: bool = False,
             overwrite_b: bool = False, type: int = 1, check_finite: bool = True,
             subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues of a symmetric (or generalised symmetric-definite) problem; see
    :func:`eigh`. Example: ``eigvalsh(a)``"""
    return eigh(a, b, lower=lower, eigvals_only=True, type=type,
                subset_by_index=subset_by_index, subset_by_value=subset_by_value)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """``(U, s, Vh)`` (or ``s`` with ``compute_uv=False``), as ``scipy.linalg.svd``."""
    res = _nla.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(res) if compute_uv else res


def svdvals(a, overwrite_a: bool = False, check_finite: bool = True):
    """Singular values, descending. Example: ``svdvals(a)``"""
    return _nla.svd(a, compute_uv=False)


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """QR decomposition with SciPy's modes: 'full' (square Q), 'economic', 'r' (returns
    ``(R,)``) or 'raw'. ``pivoting`` is not supported. Example: ``q, r = qr(a, mode='economic')``
    """
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported; call qr(a[:, perm]) "
                                  "with a fixed permutation instead")
    modes = {"full": "complete", "economic": "reduced", "r": "complete", "raw": "raw"}
    if mode not in modes:
        raise ValueError(f"qr: mode argument should be one of ['full', 'r', 'economic', 'raw']; "
                         f"got {mode!r}")
    res = _nla.qr(a, modes[mode])
    if mode == "r":
        return (res[1],)
    return tuple(res)


def pinv(a, *, atol=None, rtol=None, return_rank: bool = False, check_finite: bool = True):
    """The pseudo-inverse, cutting singular values below ``atol + rtol * max(s)``.

    Example: ``pinv(a)``"""
    a = _nla._arr(a)
    s = _nla.svd(a, compute_uv=False)
    m, n = _r.shape(a)[-2:]
    atol = 0.0 if atol is None else float(atol)
    if rtol is None:
        rtol = max(m, n) * _np.finfo(s.dtype).eps if atol == 0.0 else 0.0
    xp = _r._xp(s)

    def smax(sd):
        return sd.max(axis=-1) if sd.size else sd

    def rcond(sd):
        top = smax(sd)
        return xp.where(top > 0, (atol + rtol * top) / xp.where(top > 0, top, 1), 0.0)

    if _nla._batched(s) and atol == 0.0:
        rc = float(rtol)  # inside vmap: the relative cut-off, the same for every example
    elif _nla._batched(s):
        # the cut-off is one parameter for every example: exact where it is the same for all
        sd = s._data
        _vc.host_read("pinv: the cut-off atol / max(s) + rtol inside vmap", sd)
        rc = rcond(sd)[smax(sd) > 0]
        rc = _np.asarray(rc.get() if hasattr(rc, "get") else rc)
        if rc.size and not (rc == rc.flat[0]).all():
            raise NotImplementedError(
                "pinv: inside vmap the relative cut-off atol / max(s) + rtol differs from "
                "example to example; pass rtol alone (atol=None), or call pinv outside vmap")
        rc = float(rc.flat[0]) if rc.size else 0.0
    elif _vc.tracing():  # compiled: the cut-off is a step, computed from each call's s
        rc = _vc.computed("pinv_rcond", rcond, _nla._raw(s))
    else:
        rc = rcond(_nla._raw(s))
        rc = _np.asarray(rc.get() if hasattr(rc, "get") else rc)
        rc = float(rc) if rc.ndim == 0 else rc
    res = _nla.pinv(a, rcond=rc)
    if return_rank:
        def count(d):
            return xp.count_nonzero(d > (atol + rtol * smax(d))[..., None], axis=-1)

        rank = _nla._on_stacks(lambda d: _vc.computed("pinv_rank", count, d), s)
        if not _nla._batched(rank):
            rank = _nla._raw(rank)
            if rank.ndim == 0 and not _vc.tracing():  # compiled: a 0-d array, as lstsq's
                rank = int(rank)
        return res, rank
    return res


def norm(a, ord=None, axis=None, keepdims: bool = False, check_finite: bool = True):
    """``numpy.linalg.norm`` with SciPy's signature. Example: ``norm(a, 'nuc')``"""
    return _nla.norm(a, ord, axis, keepdims)


def lstsq(a, b, cond=None, overwrite_a: bool = False, overwrite_b: bool = False,
          check_finite: bool = True, lapack_driver=None):
    """``(x, residues, rank, s)`` as ``scipy.linalg.lstsq``; ``x`` is differentiable."""
    x, res, rank, s = _nla.lstsq(a, b, rcond=cond)
    return x, res, rank, s


# LU factorisations, structured matrices, polar and expm_frechet (gpuad/linalg_extra.py)
from ..linalg_extra import (  # noqa: E402
    block_diag,
    circulant,
    expm_frechet,
    hankel,
    lu,
    lu_factor,
    lu_solve,
    polar,
    toeplitz,
)

__all__ += ["block_diag", "circulant", "expm_frechet", "hankel", "lu", "lu_factor", "lu_solve",
            "polar", "toeplitz"]

# the Schur and Hessenberg family, eigh_tridiagonal, qr_multiply (gpuad/linalg_schur.py) and
# the special matrices (gpuad/linalg_special.py)
from ..linalg_schur import (  # noqa: E402
    eigh_tridiagonal,
    funm,
    hessenberg,
    qr_multiply,
    rsf2csf,
    schur,
)
from ..linalg_special import (  # noqa: E402
    companion,
    convolution_matrix,
    dft,
    fiedler,
    fiedler_companion,
    hadamard,
    helmert,
    hilbert,
    invhilbert,
    invpascal,
    leslie,
    pascal,
)

__all__ += ["companion", "convolution_matrix", "dft", "eigh_tridiagonal", "fiedler",
            "fiedler_companion", "funm", "hadamard", "helmert", "hessenberg", "hilbert",
            "invhilbert", "invpascal", "leslie", "pascal", "qr_multiply", "rsf2csf", "schur"]
