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
from ..linalg_rules import _eye, _sym_from, _tri_mask
from ..linalg_rules import expm as _expm
from ..linalg_rules import solve_sylvester as _sylvester
from ..linalg_rules import solve_tri_ as _solve_tri
from ..linalg_rules import sqrtm as _sqrtm
from ..numpy import linalg as _nla
from ..tensor import Tensor

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
    if kind in ("sym", "symmetric") and _is_complex(a):  # complex symmetric: a = a^T
        n = _r.shape(a)[-1]
        strict = a * _tri_mask(n, a, bool(lower), -1)
        a = a * _eye(n, a) + strict + _r.swapaxes(strict, -1, -2)
    elif kind in ("pos", "positive definite"):
        # a Cholesky solve, as SciPy's: a matrix that is not positive definite raises
        c = cholesky(a, lower=bool(lower))
        return cho_solve((c, bool(lower)), b)
    elif kind in ("sym", "her", "symmetric", "hermitian"):
        a = _sym_from(a, "L" if lower else "U")
    elif kind in ("diagonal", "tridiagonal"):  # only the band is read, as SciPy's
        n = _r.shape(a)[-1]
        k = 0 if kind == "diagonal" else 1
        band = _np.abs(_np.arange(n)[:, None] - _np.arange(n)[None, :]) <= k
        a = a * _r._xp(_r.data(a)).asarray(band, dtype=_r.data(a).real.dtype)
    elif kind not in ("gen", "general", "banded"):
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
    if b is not None and type not in (1, 2, 3):  # (SciPy ignores type without b)
        raise ValueError(f"eigh: type must be 1, 2 or 3; got {type!r}")
    if subset_by_index is not None and subset_by_value is not None:
        raise ValueError("eigh: either subset_by_index or subset_by_value can be requested, "
                         "not both")
    uplo = "L" if lower else "U"
    a = _nla._float_input(_nla._arr(a))
    _square(a, "eigh")
    if b is None:
        w, v = _nla.eigh(a, uplo)
    else:
        b = _nla._float_input(_nla._arr(b))
        if _r.shape(b) != _r.shape(a):
            raise ValueError(f"eigh: wrong b dimensions {_r.shape(b)}, should be "
                             f"{_r.shape(a)}")
        from ..complex_rules import conj

        el = _nla.cholesky(_sym_from(b, uplo))  # b = L L^H
        a_s = _sym_from(a, uplo)
        cplx = _is_complex(a, b)

        def herm(x):
            x = _r.swapaxes(x, -1, -2)
            return conj(x) if cplx else x

        if type == 1:  # C = L^-1 A L^-H, v = L^-H y
            x = _solve_tri(el, a_s, lower=True, trans=0, unit=False)
            c = herm(_solve_tri(el, herm(x), lower=True, trans=0, unit=False))
        else:  # C = L^H A L; type 2: v = L^-H y, type 3: v = L y
            c = _r.matmul(herm(el), _r.matmul(a_s, el))
        w, y = _nla.eigh(c)
        if type == 3:
            v = _r.matmul(el, y)
        else:  # L^-H y = conj(L)^-T y
            v = _solve_tri(conj(el) if cplx else el, y, lower=True, trans=1, unit=False)
    if subset_by_index is not None:
        lo, hi = (int(i) for i in subset_by_index)
        n = _r.shape(a)[-1]
        if not 0 <= lo <= hi < n:
            raise ValueError(f"eigh: requested eigenvalue indices are not valid; valid range is "
                             f"[0, {n - 1}] and start <= end, got {subset_by_index}")
        w, v = w[..., lo:hi + 1], v[..., lo:hi + 1]
    elif subset_by_value is not None:
        lo, hi = (float(x) for x in subset_by_value)
        if not lo < hi:
            raise ValueError(f"eigh: requested eigenvalue range is not valid; should be "
                             f"(lo, hi] with lo < hi, got {subset_by_value}")
        if _r.ndim(w) != 1:
            raise NotImplementedError("eigh: subset_by_value on stacked matrices (a result "
                                      "size per matrix) is not supported")
        d = _nla._raw(w)
        _vc.host_read("eigh: subset_by_value selects eigenvalues by their values", d)
        d = _np.asarray(d.get() if hasattr(d, "get") else d)
        keep = _np.nonzero((d > lo) & (d <= hi))[0]
        start, stop = (int(keep[0]), int(keep[-1]) + 1) if keep.size else (0, 0)
        w, v = w[start:stop], v[:, start:stop]
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
    ``(R,)``) or 'raw'; ``pivoting=True`` also returns LAPACK's column pivots ``p``
    (``a[:, p] = q r``; constants chosen on the values, not under ``gpuad.jit``).

    Example: ``q, r = qr(a, mode='economic')``"""
    if pivoting:
        return _qr_pivoted(_nla._arr(a), mode)
    modes = {"full": "complete", "economic": "reduced", "r": "complete", "raw": "raw"}
    if mode not in modes:
        raise ValueError(f"qr: mode argument should be one of ['full', 'r', 'economic', 'raw']; "
                         f"got {mode!r}")
    res = _nla.qr(a, modes[mode])
    if mode == "r":
        return (res[1],)
    return tuple(res)


def _qr_pivoted(a, mode: str):
    """``qr(a[:, p], mode) + (p,)`` with LAPACK's column pivots ``p`` (``geqp3``, chosen on
    the values through SciPy on the host: constants, as ``lu``'s row pivots)."""
    import scipy.linalg as sl

    if _r.ndim(a) != 2:
        raise NotImplementedError(f"qr: pivoting=True takes a 2-D array; got shape "
                                  f"{_r.shape(a)}")
    d = _nla._raw(a)
    _vc.host_read("qr(pivoting=True): the column pivots are chosen on the values", d)
    host = _np.asarray(d.get() if hasattr(d, "get") else d)
    piv = _np.asarray(sl.qr(host, mode="r", pivoting=True)[1], dtype=_np.int32)
    res = qr(_r.getitem(a, (slice(None), piv)), mode=mode)
    return (*res, piv)


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
    if _r.ndim(_nla._arr(b)) == 1 and _r.shape(res) == (1,):
        res = res[0]  # SciPy's residue of a vector b is a scalar (NumPy's a 1-vector)
    if not _vc.tracing() and _np.ndim(rank) == 0 and not isinstance(rank, Tensor):
        rank = int(rank)
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

# matrix functions (gpuad/linalg_matfuncs.py)
from ..linalg_matfuncs import (  # noqa: E402
    coshm,
    cosm,
    expm_cond,
    fractional_matrix_power,
    khatri_rao,
    logm,
    signm,
    sinhm,
    sinm,
    tanhm,
    tanm,
)

__all__ += ["coshm", "cosm", "expm_cond", "fractional_matrix_power", "khatri_rao", "logm",
            "signm", "sinhm", "sinm", "tanhm", "tanm"]

try:
    from scipy.linalg import LinAlgWarning  # noqa: F401
except ImportError:  # pragma: no cover - older SciPy
    class LinAlgWarning(RuntimeWarning):
        """The warning SciPy gives for an ill-conditioned system."""


def _gnp():
    from .. import numpy as gnp

    return gnp


def pinvh(a, atol=None, rtol=None, lower: bool = True, return_rank: bool = False,
          check_finite: bool = True):
    """The pseudo-inverse of a symmetric (Hermitian) matrix given by its ``lower`` (or upper)
    triangle, cutting eigenvalues with ``|w| <= atol + rtol * max|w|``, as
    ``scipy.linalg.pinvh``. Example: ``pinvh(a)``"""
    a = _nla._float_input(_nla._arr(a))
    s = _r.shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"pinvh: expected a square matrix, got shape {s}")
    return pinv(_sym_from(a, "L" if lower else "U"), atol=atol, rtol=rtol,
                return_rank=return_rank)


def _band_dense(ab, lower: bool, name: str):
    """The Hermitian matrix whose lower (upper) band is stored in ``ab`` (LAPACK's form)."""
    ab = _nla._float_input(_nla._arr(ab))
    if _r.ndim(ab) != 2:
        raise ValueError(f"{name}: the band matrix must be two-dimensional; got shape "
                         f"{_r.shape(ab)}")
    k = _r.shape(ab)[0] - 1
    if lower:  # ab[i - j, j] = a[i, j]: SciPy's general band form with u = 0
        return _sym_from(_banded_to_dense((k, 0), ab), "L")
    return _sym_from(_banded_to_dense((0, k), ab), "U")


def solveh_banded(ab, b, overwrite_ab: bool = False, overwrite_b: bool = False,
                  lower: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` for a Hermitian positive definite banded ``a`` stored as LAPACK's
    ``ab`` (upper form ``ab[u + i - j, j] == a[i, j]``, or ``lower``: ``ab[i - j, j]``), as
    ``scipy.linalg.solveh_banded``. Example: ``solveh_banded(ab, b, lower=True)``"""
    a = _band_dense(ab, lower, "solveh_banded")
    b = _nla._arr(b)
    n = _r.shape(a)[-1]
    if _r.ndim(b) == 0 or _r.shape(b)[0] != n:
        raise ValueError(f"solveh_banded: shapes of ab {_r.shape(ab)} and b {_r.shape(b)} are "
                         f"incompatible")
    return cho_solve(cho_factor(a, lower=True), b)


def cholesky_banded(ab, overwrite_ab: bool = False, lower: bool = False,
                    check_finite: bool = True):
    """The Cholesky factor of a Hermitian positive definite banded matrix, in the same band
    form as ``ab`` (upper: ``U`` with ``a = U^H U``; ``lower``: ``L`` with ``a = L L^H``), as
    ``scipy.linalg.cholesky_banded``. Example: ``cholesky_banded(ab)``"""
    gnp = _gnp()
    a = _band_dense(ab, lower, "cholesky_banded")
    c = cholesky(a, lower=lower)
    k, n = _r.shape(ab)[0] - 1, _r.shape(a)[-1]
    rows = []
    for r in range(k + 1):
        off = -r if lower else k - r  # the diagonal of c stored in this row
        d = gnp.diagonal(c, off)
        pad = gnp.zeros(n - _r.shape(d)[0], dtype=d.dtype)
        rows.append(gnp.concatenate([d, pad] if lower else [pad, d]))
    return gnp.stack(rows)


def cho_solve_banded(cb_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` given ``(cholesky_banded(ab, lower), lower)``, as
    ``scipy.linalg.cho_solve_banded``. Example: ``cho_solve_banded((cb, False), b)``"""
    cb, lower = cb_and_lower
    cb = _nla._float_input(_nla._arr(cb))
    k = _r.shape(cb)[0] - 1
    c = _banded_to_dense((k, 0), cb) if lower else _banded_to_dense((0, k), cb)
    return cho_solve((c, bool(lower)), b)


def rq(a, overwrite_a: bool = False, lwork=None, mode: str = "full", check_finite: bool = True):
    """RQ decomposition ``a = r @ q`` (``r`` upper trapezoidal, ``q`` orthonormal rows) with
    SciPy's modes 'full', 'r' (returns ``r``), 'economic'; through the QR decomposition of the
    reversed transpose, so differentiable where ``qr`` is. Example: ``r, q = rq(a)``"""
    if mode not in ("full", "r", "economic"):
        raise ValueError(f"rq: mode argument must be one of ['full', 'r', 'economic']; got "
                         f"{mode!r}")
    gnp = _gnp()
    a = _nla._arr(a)
    if _r.ndim(a) != 2:
        raise ValueError(f"rq: expected a 2-D array, got shape {_r.shape(a)}")
    rev = gnp.flip(a, (0, 1)).T  # QR of J a J ^T: a = (J R1^T J)(J Q1^T J)
    q1, r1 = qr(rev, mode="economic" if mode == "economic" else "full")
    r = gnp.flip(r1.T, (0, 1))
    if mode == "r":
        return r
    return r, gnp.flip(q1.T, (0, 1))


def eig(a, b=None, left: bool = False, right: bool = True, overwrite_a: bool = False,
        overwrite_b: bool = False, check_finite: bool = True, homogeneous_eigvals: bool = False):
    """Eigenvalues (complex, as SciPy's) and right eigenvectors (unit norm) of a square
    matrix, as ``scipy.linalg.eig``; differentiable where the eigenvalues are distinct. The
    generalised problem (``b``) gives eigenvalues only (``eigvals(a, b)``); ``left=True`` is
    not supported. Example: ``w, v = eig(a)``"""
    if left:
        raise NotImplementedError("eig: left eigenvectors (left=True) are not supported; the "
                                  "left eigenvectors are the rows of inv(v) (up to scale)")
    if b is not None and right:
        raise NotImplementedError("eig: eigenvectors of the generalised problem (b given) are "
                                  "not supported; call eigvals(a, b), or eig(solve(b, a)) "
                                  "(its vectors have unit norm, SciPy's another scale)")
    if not right:
        return eigvals(a, b, homogeneous_eigvals=homogeneous_eigvals)
    a = _nla._float_input(_nla._arr(a))
    _square(a, "eig")
    w, v = _nla.eig(a)  # real vectors for a real spectrum, as SciPy's
    w = _complex(w)
    if homogeneous_eigvals:
        gnp = _gnp()
        w = gnp.stack([w, gnp.ones_like(w)])
    return w, v


def _complex(x):
    if _r.data(x).dtype.kind == "c":
        return x
    return _r.astype(x, _np.result_type(_r.data(x).dtype, _np.complex64))


def eigvals(a, b=None, overwrite_a: bool = False, check_finite: bool = True,
            homogeneous_eigvals: bool = False):
    """Eigenvalues of a square matrix (of ``a v = w b v`` with ``b`` given, ``b``
    invertible), complex as SciPy's. Example: ``eigvals(a)``"""
    a = _nla._float_input(_nla._arr(a))
    _square(a, "eigvals")
    if b is not None:
        b = _nla._float_input(_nla._arr(b))
        if _r.shape(b) != _r.shape(a):
            raise ValueError(f"eigvals: a and b must have the same shape; got {_r.shape(a)} "
                             f"and {_r.shape(b)}")
        a = _r.solve(b, a)
    w = _complex(_nla.eigvals(a))
    if homogeneous_eigvals:
        gnp = _gnp()
        w = gnp.stack([w, gnp.ones_like(w)])
    return w


def solve_continuous_lyapunov(a, q):
    """Solve ``a x + x a^H = q``, as ``scipy.linalg.solve_continuous_lyapunov``.

    Example: ``x = solve_continuous_lyapunov(a, q)``"""
    a = _nla._float_input(_nla._arr(a))
    return solve_sylvester(a, _gnp().conj(a).T, q)


solve_lyapunov = solve_continuous_lyapunov


def solve_discrete_lyapunov(a, q, method=None):
    """Solve ``a x a^H - x + q = 0`` through its Kronecker form (an ``n^2 x n^2`` system), as
    ``scipy.linalg.solve_discrete_lyapunov(method='direct')``; any ``method`` gives that
    solution. Example: ``x = solve_discrete_lyapunov(a, q)``"""
    if method not in (None, "direct", "bilinear"):
        raise ValueError(f"solve_discrete_lyapunov: method must be 'direct' or 'bilinear'; got "
                         f"{method!r}")
    gnp = _gnp()
    a, q = _nla._float_input(_nla._arr(a)), _nla._float_input(_nla._arr(q))
    _square(a, "solve_discrete_lyapunov")
    n = _r.shape(a)[-1]
    if _r.shape(q) != (n, n):
        raise ValueError(f"solve_discrete_lyapunov: q must have shape {(n, n)}; got "
                         f"{_r.shape(q)}")
    k = gnp.eye(n * n) - gnp.kron(a, gnp.conj(a))  # vec_r(a x a^H) = kron(a, conj a) vec_r(x)
    return _r.solve(k, q.reshape(n * n)).reshape(n, n)


def solve_toeplitz(c_or_cr, b, check_finite: bool = True):
    """Solve ``toeplitz(c, r) x = b`` (``c_or_cr`` is ``c`` or ``(c, r)``), as
    ``scipy.linalg.solve_toeplitz``; a dense solve here (SciPy's Levinson recursion is
    ``O(n^2)``). Example: ``x = solve_toeplitz((c, r), b)``"""
    c, r = c_or_cr if isinstance(c_or_cr, tuple) else (c_or_cr, None)
    t = toeplitz(c, r)
    b = _nla._arr(b)
    if _r.ndim(b) == 0 or _r.shape(b)[0] != _r.shape(t)[0]:
        raise ValueError(f"solve_toeplitz: incompatible dimensions: the matrix is "
                         f"{_r.shape(t)}, b {_r.shape(b)}")
    return _r.solve(t, _nla._float_input(b))


def matmul_toeplitz(c_or_cr, x, check_finite: bool = False, workers=None):
    """``toeplitz(c, r) @ x``, as ``scipy.linalg.matmul_toeplitz`` (a dense product here).

    Example: ``y = matmul_toeplitz((c, r), x)``"""
    c, r = c_or_cr if isinstance(c_or_cr, tuple) else (c_or_cr, None)
    return _r.matmul(toeplitz(c, r), _nla._arr(x))


def orthogonal_procrustes(A, B, check_finite: bool = True):
    """``(R, scale)``: the unitary ``R`` closest to mapping ``A`` onto ``B``
    (``min ||A R - B||_F``) and the sum of the singular values of ``A^H B``, as
    ``scipy.linalg.orthogonal_procrustes``. Example: ``r, s = orthogonal_procrustes(a, b)``"""
    gnp = _gnp()
    A, B = _nla._float_input(_nla._arr(A)), _nla._float_input(_nla._arr(B))
    if _r.ndim(A) != 2:
        raise ValueError(f"orthogonal_procrustes: expected ndim to be 2, but observed "
                         f"{_r.ndim(A)}")
    if _r.shape(A) != _r.shape(B):
        raise ValueError(f"orthogonal_procrustes: the shapes of A and B differ "
                         f"({_r.shape(A)} vs {_r.shape(B)})")
    u, w, vt = _nla.svd(_r.matmul(gnp.conj(A).T, B), full_matrices=False)
    return _r.matmul(u, vt), gnp.sum(w)


def _rank(s, rcond, m, n):
    d = _nla._raw(s)
    _vc.host_read("orth/null_space: the numerical rank (the result's shape depends on the "
                  "values)", d)
    d = _np.asarray(d.get() if hasattr(d, "get") else d)
    if rcond is None:
        rcond = _np.finfo(d.dtype).eps * max(m, n)
    return int((d > (d.max() if d.size else 0.0) * rcond).sum())


def orth(A, rcond=None):
    """An orthonormal basis of the range of ``A`` (left singular vectors of the nonzero
    singular values), as ``scipy.linalg.orth``. Example: ``q = orth(a)``"""
    A = _nla._float_input(_nla._arr(A))
    if _r.ndim(A) != 2:
        raise ValueError(f"orth: expected a 2-D array, got shape {_r.shape(A)}")
    u, s, _ = _nla.svd(A, full_matrices=False)
    return u[:, :_rank(s, rcond, *_r.shape(A))]


def null_space(A, rcond=None, *, overwrite_a: bool = False, check_finite: bool = True,
               lapack_driver: str = "gesdd"):
    """An orthonormal basis of the null space of ``A``, as ``scipy.linalg.null_space``.

    Example: ``z = null_space(a)``"""
    A = _nla._float_input(_nla._arr(A))
    if _r.ndim(A) != 2:
        raise ValueError(f"null_space: expected a 2-D array, got shape {_r.shape(A)}")
    _, s, vh = _nla.svd(A, full_matrices=True)
    return _gnp().conj(vh[_rank(s, rcond, *_r.shape(A)):, :]).T


def solve_circulant(c, b, singular: str = "raise", tol=None, caxis: int = -1, baxis: int = 0,
                    outaxis: int = 0):
    """Solve ``circulant(c) x = b`` (a dense solve here), as ``scipy.linalg.solve_circulant``
    with its default axes: a circulant matrix whose eigenvalues ``fft(c)`` have a modulus
    at most ``tol`` (default ``n eps max|fft(c)|``) raises ``LinAlgError``
    (``singular='raise'``) or drops them, the least-squares solution (``'lstsq'``).

    Example: ``x = solve_circulant(c, b)``"""
    if (caxis, baxis, outaxis) != (-1, 0, 0):
        raise NotImplementedError("solve_circulant: only the default caxis=-1, baxis=0, "
                                  "outaxis=0 are supported; move the axes first")
    if singular not in ("raise", "lstsq"):
        raise ValueError(f"solve_circulant: singular must be 'raise' or 'lstsq'; got "
                         f"{singular!r}")
    c, b = _nla._float_input(_nla._arr(c)), _nla._float_input(_nla._arr(b))
    if _r.ndim(c) != 1:
        raise NotImplementedError(f"solve_circulant: c must be 1-D here; got shape "
                                  f"{_r.shape(c)}")
    n = _r.shape(c)[0]
    if _r.ndim(b) == 0 or _r.shape(b)[0] != n:
        raise ValueError(f"solve_circulant: shapes of c {_r.shape(c)} and b {_r.shape(b)} are "
                         f"incompatible")
    if _vc.tracing() and singular == "raise":  # compiled: a singular matrix fails in solve
        return _r.solve(circulant(c), b)
    d = _nla._raw(c)
    _vc.host_read("solve_circulant: the test for a singular matrix reads the eigenvalues", d)
    lam = _np.abs(_np.fft.fft(_np.asarray(d.get() if hasattr(d, "get") else d)))
    if tol is None:
        tol = n * _np.finfo(lam.dtype).eps * (lam.max() if lam.size else 0.0)
    a = circulant(c)
    if (lam <= tol).any():
        if singular == "raise":
            raise LinAlgError("solve_circulant: near singular circulant matrix")
        return _r.matmul(pinv(a, atol=float(tol) * (1 + 1e-12)), b)
    return _r.solve(a, b)


def subspace_angles(A, B):
    """The principal angles (radians, descending) between the column spaces of ``A`` and
    ``B``, as ``scipy.linalg.subspace_angles`` (cosines from the SVD of ``orth(A)^H orth(B)``,
    small angles from the sines); differentiable where the angles are distinct.

    Example: ``subspace_angles(a, b)``"""
    gnp = _gnp()
    A, B = _nla._float_input(_nla._arr(A)), _nla._float_input(_nla._arr(B))
    if _r.ndim(A) != 2 or _r.ndim(B) != 2:
        raise ValueError(f"subspace_angles: expected 2-D arrays; got shapes {_r.shape(A)} and "
                         f"{_r.shape(B)}")
    if _r.shape(A)[0] != _r.shape(B)[0]:
        raise ValueError(f"subspace_angles: A and B must have the same number of rows; got "
                         f"{_r.shape(A)} and {_r.shape(B)}")
    qa, qb = orth(A), orth(B)
    ab = _r.matmul(gnp.conj(qa).T, qb)
    sigma = _nla.svd(ab, compute_uv=False)
    if _r.shape(qa)[1] >= _r.shape(qb)[1]:
        rest = qb - _r.matmul(qa, ab)
    else:
        rest = qa - _r.matmul(qb, gnp.conj(ab).T)
    k = _r.shape(sigma)[0]
    if k == 0:
        return sigma
    sines = _nla.svd(rest, compute_uv=False)[:k]
    small = gnp.arcsin(gnp.clip(sines, -1.0, 1.0))
    big = gnp.arccos(gnp.clip(gnp.flip(sigma, 0), -1.0, 1.0))
    return gnp.where(sigma * sigma >= 0.5, small, big)


def diagsvd(s, M: int, N: int):
    """The ``M x N`` matrix with ``s`` on its diagonal (``len(s)`` is ``M`` or ``N``), as
    ``scipy.linalg.diagsvd``. Example: ``diagsvd(s, 3, 2)``"""
    gnp = _gnp()
    s = _nla._arr(s)
    k = _r.shape(s)[0]
    part = gnp.diag(s)
    if k == M:
        return gnp.concatenate([part, gnp.zeros((M, N - M), dtype=part.dtype)], 1)
    if k == N:
        return gnp.concatenate([part, gnp.zeros((M - N, N), dtype=part.dtype)], 0)
    raise ValueError(f"diagsvd: length of s ({k}) must be M ({M}) or N ({N})")


def _host_query(name: str, a, fn):
    d = _nla._raw(_nla._arr(a))
    _vc.host_read(f"{name}: reads the matrix", d)
    import scipy.linalg as sl

    return getattr(sl, name)(_np.asarray(d.get() if hasattr(d, "get") else d), *fn)


def issymmetric(a, atol=None, rtol=None) -> bool:
    """Whether ``a == a^T`` (within ``atol``/``rtol``), as ``scipy.linalg.issymmetric``."""
    return bool(_host_query("issymmetric", a, (atol, rtol)))


def ishermitian(a, atol=None, rtol=None) -> bool:
    """Whether ``a == a^H`` (within ``atol``/``rtol``), as ``scipy.linalg.ishermitian``."""
    return bool(_host_query("ishermitian", a, (atol, rtol)))


def bandwidth(a) -> tuple[int, int]:
    """``(lower, upper)`` bandwidths of ``a``, as ``scipy.linalg.bandwidth``."""
    lo, up = _host_query("bandwidth", a, ())
    return int(lo), int(up)


def eigvalsh_tridiagonal(d, e, select: str = "a", select_range=None, check_finite: bool = True,
                         tol: float = 0.0, lapack_driver: str = "auto"):
    """Eigenvalues of the symmetric tridiagonal matrix with diagonal ``d`` and off-diagonal
    ``e``; see :func:`eigh_tridiagonal`. Example: ``eigvalsh_tridiagonal(d, e)``"""
    return eigh_tridiagonal(d, e, eigvals_only=True, select=select, select_range=select_range)


def eig_banded(a_band, lower: bool = False, eigvals_only: bool = False,
               overwrite_a_band: bool = False, select: str = "a", select_range=None,
               max_ev: int = 0, check_finite: bool = True):
    """Eigenvalues (and eigenvectors) of a Hermitian banded matrix in LAPACK's band form, as
    ``scipy.linalg.eig_banded``; ``select`` 'a' or 'i' (an index range). Through the dense
    ``eigh``. Example: ``w, v = eig_banded(ab)``"""
    a = _band_dense(a_band, lower, "eig_banded")
    if select not in ("a", "i", 0, 2):
        raise NotImplementedError("eig_banded: select='v' (a value range) is not supported; "
                                  "select by index ('i') or slice the full result")
    w, v = eigh(a)
    if select in ("i", 2):
        lo, hi = (int(x) for x in select_range)
        w, v = w[lo:hi + 1], v[:, lo:hi + 1]
    return w if eigvals_only else (w, v)


def eigvals_banded(a_band, lower: bool = False, overwrite_a_band: bool = False,
                   select: str = "a", select_range=None, check_finite: bool = True):
    """Eigenvalues of a Hermitian banded matrix; see :func:`eig_banded`."""
    return eig_banded(a_band, lower=lower, eigvals_only=True, select=select,
                      select_range=select_range)


__all__ += ["LinAlgWarning", "bandwidth", "cho_solve_banded", "cholesky_banded", "diagsvd",
            "eig", "eig_banded", "eigvals", "eigvals_banded", "eigvalsh_tridiagonal",
            "ishermitian", "issymmetric", "matmul_toeplitz", "null_space", "orth",
            "orthogonal_procrustes", "pinvh", "rq", "solve_continuous_lyapunov",
            "solve_discrete_lyapunov", "solve_lyapunov", "solve_toeplitz", "solveh_banded",
            "solve_circulant", "subspace_angles"]

_ABSENT = {
    "ldl": "the Bunch-Kaufman LDL^T factorisation has no derivative here; for a positive "
           "definite matrix use cholesky, for a symmetric one eigh",
    "qz": "the generalised Schur decomposition is not available; for eigenvalues of "
          "a v = w b v use eigvals(a, b)",
    "ordqz": "the generalised Schur decomposition is not available; use eigvals(a, b)",
    "matrix_balance": "balancing (a permutation and scaling chosen on the values) is not "
                      "available; call scipy.linalg.matrix_balance on a NumPy array",
    "cossin": "the cosine-sine decomposition is not available",
    "cdf2rdf": "not available; take the real and imaginary parts of eig's results",
    "solve_continuous_are": "Riccati equations are not available",
    "solve_discrete_are": "Riccati equations are not available",
    "clarkson_woodruff_transform": "a random sketch, not available",
    "qr_update": "QR updates are not available; call qr on the updated matrix",
    "qr_insert": "QR updates are not available; call qr on the updated matrix",
    "qr_delete": "QR updates are not available; call qr on the updated matrix",
    "get_blas_funcs": "BLAS/LAPACK handles are SciPy's own (use scipy.linalg on NumPy arrays)",
    "get_lapack_funcs": "BLAS/LAPACK handles are SciPy's own (use scipy.linalg on NumPy arrays)",
    "find_best_blas_type": "BLAS/LAPACK handles are SciPy's own",
    "blas": "BLAS/LAPACK handles are SciPy's own (use scipy.linalg on NumPy arrays)",
    "lapack": "BLAS/LAPACK handles are SciPy's own (use scipy.linalg on NumPy arrays)",
}


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(f"gpuad.scipy.linalg has no {name!r} (scipy.linalg.{name}): "
                             f"{_ABSENT[name]}")
    raise AttributeError(f"module 'gpuad.scipy.linalg' has no attribute {name!r}")
