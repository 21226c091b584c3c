"""``jax.lax.linalg``: JAX's linear-algebra primitives with their signatures and results, as
``gpuad.lax.linalg`` (``from gpuad.lax import linalg``).

Every function takes stacks of matrices (leading batch axes) and is built on gpuad's own
rules (``gpuad.numpy.linalg``, ``gpuad.scipy.linalg``, ``gpuad.linalg``), so it
differentiates in both modes and to any order where JAX's does: ``cholesky``, ``eigh``
(``(v, w)``), ``eig`` (``[w, vl, vr]``), ``lu`` (``(lu, pivots, permutation)``, ``m x n``
too), ``qr`` (``pivoting`` too), ``svd``, ``triangular_solve``, ``tridiagonal_solve``,
``householder_product``, ``ormqr``, ``cholesky_update``, ``symmetric_product``. Pivots and
permutations are int32 constants chosen on the values. ``hessenberg``, ``tridiagonal`` and
``schur`` run LAPACK on the host and, as in JAX, have no derivative (differentiating them
raises). Where JAX returns NaNs (``cholesky`` of a matrix that is not positive definite)
gpuad raises ``LinAlgError``. Example::

    from gpuad.lax import linalg as lax_linalg
    lu, pivots, perm = lax_linalg.lu(a)          # a[perm] = L @ U
    x = lax_linalg.triangular_solve(l, b, left_side=True, lower=True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from . import linalg_extra as _lx
from . import rules as _r
from .linalg_rules import _H, _T, solve_tri_
from .numpy import linalg as _nla

__all__ = [
    "cholesky", "cholesky_update", "eig", "eigh", "hessenberg", "householder_product", "lu",
    "lu_pivots_to_permutation", "ormqr", "qr", "schur", "svd", "symmetric_product",
    "triangular_solve", "tridiagonal", "tridiagonal_solve",
]


def _gnp():
    from . import numpy as gnp

    return gnp


def _arr(x):
    """An array argument; a NumPy array moves to the active backend (as gpuad.numpy's
    functions move it), so that it never meets device arrays through its own operators."""
    if isinstance(x, _np.ndarray):
        from .transforms import _asarray

        return _asarray(x, "lax.linalg")
    return _nla._arr(x)


def _input(x, name: str, square: bool = False):
    x = _nla._float_input(_arr(x))
    s = _r.shape(x)
    if len(s) < 2 or (square and s[-1] != s[-2]):
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(f"lax.linalg.{name}: expected {kind}; got shape {s}")
    return x


def _is_complex(x) -> bool:
    return _r.data(x).dtype.kind == "c"


def _hermitian_part(x):
    return (x + _H(x)) / 2


def _subset(name: str, subset_by_index, k: int) -> tuple[int, int] | None:
    if subset_by_index is None:
        return None
    lo, hi = (int(i) for i in subset_by_index)
    if not 0 <= lo < hi <= k:
        raise ValueError(f"lax.linalg.{name}: subset_by_index must be (lo, hi) with "
                         f"0 <= lo < hi <= {k}; got {tuple(subset_by_index)}")
    return lo, hi


def _last(x, lo: int, hi: int, axis: int = -1):
    idx = [Ellipsis, slice(None)] if axis == -1 else [Ellipsis, slice(None), slice(None)]
    idx[axis] = slice(lo, hi)
    return _r.getitem(x, tuple(idx))


def _int32(a):
    return _nla._on_stacks(lambda d: d.astype(_np.int32), a)


# ---- Cholesky ---------------------------------------------------------------------------------

def cholesky(x: Any, *, symmetrize_input: bool = True) -> Any:
    """The lower Cholesky factor ``L`` (``x = L L^H``) of ``(x + x^H) / 2``
    (``symmetrize_input=False``: of the lower triangle of ``x``), as ``jax.lax.linalg.cholesky``.
    A matrix that is not positive definite raises ``LinAlgError`` (JAX returns NaNs).

    Example: ``L = cholesky(a @ a.T + eye)``
    """
    x = _input(x, "cholesky", square=True)
    if symmetrize_input:
        x = _hermitian_part(x)
    return _nla.cholesky(x)


def cholesky_update(r_matrix: Any, w_vector: Any) -> Any:
    """The upper Cholesky factor of ``R^T R + w w^T`` given the upper factor ``R`` of a matrix
    (only its upper triangle is read), as ``jax.lax.linalg.cholesky_update``. Real matrices.

    Example: ``r2 = cholesky_update(r, w)``
    """
    gnp = _gnp()
    r = _input(r_matrix, "cholesky_update", square=True)
    w = _nla._float_input(_arr(w_vector))
    n = _r.shape(r)[-1]
    if _r.shape(w)[-1:] != (n,) or _r.ndim(r) != 2 or _r.ndim(w) != 1:
        raise ValueError(f"lax.linalg.cholesky_update: expected an n x n matrix and an "
                         f"n-vector; got shapes {_r.shape(r)} and {_r.shape(w)}")
    if _is_complex(r) or _is_complex(w):
        raise TypeError("lax.linalg.cholesky_update: real matrices only (as JAX's)")
    r = gnp.triu(r)
    return _nla.cholesky(_r.matmul(_T(r), r) + gnp.outer(w, w), upper=True)


def symmetric_product(a_matrix: Any, c_matrix: Any, *, alpha: float = 1.0, beta: float = 0.0,
                      symmetrize_output: bool = False) -> Any:
    """``alpha * a @ a^T + beta * c`` (``symmetrize_output``: its lower triangle mirrored
    into the upper one), as ``jax.lax.linalg.symmetric_product``. Real matrices.

    Example: ``s = symmetric_product(a, c, alpha=2.0, beta=1.0)``
    """
    gnp = _gnp()
    a = _input(a_matrix, "symmetric_product")
    c = _input(c_matrix, "symmetric_product", square=True)
    if _is_complex(a) or _is_complex(c):
        raise TypeError("lax.linalg.symmetric_product: real matrices only (as JAX's)")
    m = _r.shape(a)[-2]
    if _r.shape(c)[-1] != m:
        raise ValueError(f"lax.linalg.symmetric_product: c must be {m} x {m} for a of shape "
                         f"{_r.shape(a)}; got {_r.shape(c)}")
    out = alpha * _r.matmul(a, _T(a)) + beta * c
    if symmetrize_output:
        out = gnp.tril(out) + _T(gnp.tril(out, -1))
    return out


# ---- eigenvalues ------------------------------------------------------------------------------

def eigh(x: Any, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index: tuple[int, int] | None = None,
         implementation: Any = None) -> tuple[Any, Any]:
    """``(v, w)``: eigenvectors (columns) and ascending real eigenvalues of the Hermitian
    ``(x + x^H) / 2`` (``symmetrize_input=False``: of the ``lower`` or upper triangle of
    ``x``, and its derivative is that of reading the triangle), as ``jax.lax.linalg.eigh``;
    ``subset_by_index=(lo, hi)`` keeps eigenvalues ``lo..hi-1``.

    Example: ``v, w = eigh(a)``
    """
    x = _input(x, "eigh", square=True)
    n = _r.shape(x)[-1]
    sub = _subset("eigh", subset_by_index, n)
    if symmetrize_input:
        x = _hermitian_part(x)
    w, v = _nla.eigh(x, UPLO="L" if lower else "U")
    if sub is not None:
        w, v = _last(w, *sub), _last(v, *sub)
    return v, w


def _complex(x):
    if _is_complex(x):
        return x
    return _r.astype(x, _np.result_type(_r.data(x).dtype, _np.complex64))


def _unit_phase(vecs):
    """Columns scaled to unit norm with their largest entry real and positive (LAPACK's
    normalisation up to the sign it leaves free)."""
    gnp = _gnp()
    vecs = vecs / gnp.linalg.norm(vecs, axis=-2, keepdims=True)
    big = _nla._on_stacks(lambda d: _r._xp(d).argmax(_r._xp(d).abs(d), axis=-2)[..., None, :],
                          vecs)
    top = gnp.take_along_axis(vecs, big, axis=-2)
    return vecs * (gnp.conj(top) / gnp.abs(top))


def eig(x: Any, *, compute_left_eigenvectors: bool = True,
        compute_right_eigenvectors: bool = True, enable_eigvec_derivs: bool = False,
        implementation: Any = None, use_magma: bool | None = None) -> list:
    """``[w, vl, vr]`` (the vectors asked for): complex eigenvalues and unit-norm left
    (``vl^H x = w vl^H``) and right eigenvectors of square matrices, as
    ``jax.lax.linalg.eig``. The vectors' phases are arbitrary, as in LAPACK (the left ones
    here have their largest entry real and positive). Derivatives follow
    ``gpuad.numpy.linalg.eig`` (distinct eigenvalues; functions of the vectors that do not
    depend on their phases).

    Example: ``w, vr = eig(a, compute_left_eigenvectors=False)``
    """
    x = _input(x, "eig", square=True)
    w, vr = _nla.eig(x)
    w, vr = _complex(w), _complex(vr)
    out = [w]
    if compute_left_eigenvectors:
        out.append(_unit_phase(_H(_nla.inv(vr))))
    if compute_right_eigenvectors:
        out.append(vr)
    return out


# ---- factorisations ---------------------------------------------------------------------------

def lu(x: Any) -> tuple[Any, Any, Any]:
    """``(lu, pivots, permutation)`` of ``m x n`` matrices, as ``jax.lax.linalg.lu``: ``L``
    (unit diagonal, below) and ``U`` packed, LAPACK's 0-based row swaps (int32, ``min(m, n)``)
    and the row order they make (int32, ``m``) with ``x[permutation] = L @ U``. ``lu`` is
    differentiable; the pivots are constants.

    Example: ``lu, pivots, perm = lu(a)``
    """
    x = _input(x, "lu")
    packed, piv, perm = _lx._factor(x, "lax.linalg.lu")
    return packed, _int32(piv), _int32(perm)


def lu_pivots_to_permutation(pivots: Any, permutation_size: int) -> Any:
    """The row order (int32, ``permutation_size`` long) made by LAPACK's 0-based row swaps
    ``pivots`` (``(..., k)``), as ``jax.lax.linalg.lu_pivots_to_permutation``.

    Example: ``lu_pivots_to_permutation(pivots, 5)``
    """
    piv = _arr(pivots)
    k = _r.shape(piv)[-1] if _r.ndim(piv) else None
    if k is None or _r.data(piv).dtype.kind not in "iu" or int(permutation_size) < k:
        raise ValueError(f"lax.linalg.lu_pivots_to_permutation: pivots must be an integer "
                         f"array (..., k) with k <= permutation_size = {permutation_size}; got "
                         f"shape {_r.shape(piv)}")
    m = int(permutation_size)
    return _nla._on_stacks(
        lambda p: _lx._perm_from_piv(_r._xp(p), p.astype(_np.int64), m).astype(_np.int32), piv)


def _column_pivots(x):
    """LAPACK's (``geqp3``) column order of each matrix of ``x``, int32 (a constant)."""
    from .linalg_schur import _on_host, _scipy_linalg

    sl = _scipy_linalg("lax.linalg.qr")
    n = _r.shape(x)[-1]

    def order(d):
        if d.size == 0:
            xp = _r._xp(d)
            return xp.broadcast_to(xp.arange(n, dtype=_np.int32), d.shape[:-2] + (n,)).copy()
        return _on_host(lambda m: (sl.qr(m, mode="r", pivoting=True)[1].astype(_np.int32),),
                        "qr", d)[0]

    return _nla._on_stacks(order, x)


def qr(x: Any, *, pivoting: bool = False, full_matrices: bool = True,
       use_magma: bool | None = None) -> tuple:
    """``(q, r)`` (``pivoting=True``: ``(q, r, p)`` with ``x[..., :, p] = q @ r`` and ``p``
    LAPACK's int32 column order, a constant), as ``jax.lax.linalg.qr``; ``full_matrices``
    gives the square ``q`` of a tall matrix.

    Example: ``q, r = qr(a, full_matrices=False)``
    """
    gnp = _gnp()
    x = _input(x, "qr")
    p = None
    if pivoting:
        p = _column_pivots(x)
        idx = gnp.broadcast_to(gnp.expand_dims(p, -2), _r.shape(x))
        x = gnp.take_along_axis(x, idx, axis=-1)
    q, r = _nla.qr(x, "complete" if full_matrices else "reduced")
    return (q, r) if p is None else (q, r, p)


def svd(x: Any, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None, algorithm: Any = None) -> Any:
    """``(u, s, vh)`` with ``x = u @ diag(s) @ vh`` (``compute_uv=False``: ``s``), as
    ``jax.lax.linalg.svd``; ``subset_by_index=(lo, hi)`` keeps singular values ``lo..hi-1``
    (descending). Derivatives follow ``gpuad.numpy.linalg.svd``.

    Example: ``u, s, vh = svd(a, full_matrices=False)``
    """
    x = _input(x, "svd")
    m, n = _r.shape(x)[-2:]
    sub = _subset("svd", subset_by_index, min(m, n))
    if sub is not None and full_matrices:
        raise ValueError("lax.linalg.svd: subset_by_index needs full_matrices=False (as JAX)")
    res = _nla.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:
        return res if sub is None else _last(res, *sub)
    u, s, vh = res
    if sub is not None:
        u, s, vh = _last(u, *sub), _last(s, *sub), _last(vh, *sub, axis=-2)
    return u, s, vh


def householder_product(a: Any, taus: Any) -> Any:
    """The first ``n`` columns of the product of the Householder reflectors stored below the
    diagonal of ``a`` (``m x n``, ``m >= n``) with scales ``taus``, as
    ``jax.lax.linalg.householder_product`` (LAPACK's ``orgqr``/``ungqr``). Differentiable.

    Example: ``q = householder_product(a, taus)``
    """
    from .linalg import householder_product as _hp

    return _hp(a, taus)


def ormqr(a: Any, taus: Any, c: Any, *, left: bool = True, transpose: bool = False) -> Any:
    """``Q @ c`` (``left=False``: ``c @ Q``; ``transpose``: with ``Q^T``) for the reflectors
    ``a``, ``taus`` of ``geqrf``, as ``jax.lax.linalg.ormqr``. Real matrices; differentiable.

    Example: ``ormqr(a, taus, c)``
    """
    from .linalg_householder import ormqr as _ormqr

    return _ormqr(a, taus, c, left=left, transpose=transpose)


# ---- triangular and tridiagonal systems -------------------------------------------------------

def triangular_solve(a: Any, b: Any, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False) -> Any:
    """Solve ``op(a) @ x = b`` (``left_side``) or ``x @ op(a) = b`` for ``x``, reading the
    ``lower`` (or upper) triangle of ``a`` only (a unit diagonal with ``unit_diagonal``);
    ``op(a)`` is ``a`` conjugated (``conjugate_a``) and transposed (``transpose_a``), as
    ``jax.lax.linalg.triangular_solve``. Differentiable in ``a`` and ``b``.

    Example: ``x = triangular_solve(l, b, left_side=True, lower=True)``
    """
    a = _input(a, "triangular_solve", square=True)
    b = _input(b, "triangular_solve")
    n = _r.shape(a)[-1]
    bs = _r.shape(b)
    if (bs[-2] if left_side else bs[-1]) != n:
        raise ValueError(f"lax.linalg.triangular_solve: a of shape {_r.shape(a)} and b of shape "
                         f"{bs} are incompatible (left_side={left_side})")
    if conjugate_a and _is_complex(a):
        a = _gnp().conj(a)
    if left_side:
        return solve_tri_(a, b, lower=bool(lower), trans=int(bool(transpose_a)),
                          unit=bool(unit_diagonal))
    # x op(a) = b  <=>  op(a)^T x^T = b^T
    xt = solve_tri_(a, _T(b), lower=bool(lower), trans=1 - int(bool(transpose_a)),
                    unit=bool(unit_diagonal))
    return _T(xt)


def tridiagonal_solve(dl: Any, d: Any, du: Any, b: Any, *, perturb_singular: bool = False) -> Any:
    """Solve ``A x = b`` for the tridiagonal ``A`` with sub-diagonal ``dl`` (``dl[..., 0]``
    unused), diagonal ``d`` and super-diagonal ``du`` (``du[..., -1]`` unused), each
    ``(..., m)``, and ``b`` of shape ``(..., m, n)``, as ``jax.lax.linalg.tridiagonal_solve``.
    Differentiable in all four. A singular system raises ``LinAlgError``.

    Example: ``x = tridiagonal_solve(dl, d, du, b)``
    """
    if perturb_singular:
        raise NotImplementedError(
            "lax.linalg.tridiagonal_solve: perturb_singular=True is not supported; a singular "
            "system raises LinAlgError (regularise the diagonal d instead)")
    gnp = _gnp()
    dl, d, du = (_nla._float_input(_arr(v)) for v in (dl, d, du))
    b = _input(b, "tridiagonal_solve")
    m = _r.shape(d)[-1] if _r.ndim(d) else -1
    if not (_r.shape(dl) == _r.shape(d) == _r.shape(du)) or _r.shape(b)[-2] != m or \
            _r.shape(b)[:-2] != _r.shape(d)[:-1]:
        raise ValueError(f"lax.linalg.tridiagonal_solve: dl, d, du must have one shape "
                         f"(..., m) and b (..., m, n); got {_r.shape(dl)}, {_r.shape(d)}, "
                         f"{_r.shape(du)} and {_r.shape(b)}")
    dt = _np.result_type(*(_r.data(v).dtype for v in (dl, d, du, b)))
    eye = _np.eye(m, dtype=dt)
    above, below = _np.eye(m, k=1, dtype=dt), _np.eye(m, k=-1, dtype=dt)
    col = (lambda v: gnp.expand_dims(v, -1))
    # gpuad's ops (not the array's own operators) move the NumPy constants to the backend of
    # the diagonals, which may be raw device arrays while b is a batched Tensor
    mul = gnp.multiply
    a = gnp.add(gnp.add(mul(col(d), eye), mul(col(du), above)), mul(col(dl), below))
    return _nla.solve(a, b)


# ---- host factorisations without derivatives --------------------------------------------------

def _lapack(name: str, real: str, cplx: str, x) -> Callable:
    from .linalg_schur import _scipy_linalg

    _scipy_linalg(f"lax.linalg.{name}")
    import scipy.linalg.lapack as lapack

    return getattr(lapack, cplx if _is_complex(x) else real)


def hessenberg(a: Any) -> tuple[Any, Any]:
    """``(a_out, taus)``: the Hessenberg form packed with its Householder reflectors below the
    first subdiagonal, and their scales (``n - 1``), as ``jax.lax.linalg.hessenberg``
    (LAPACK's ``gehrd``, run on the host). Not differentiable (as in JAX).

    Example: ``h, taus = hessenberg(a)``
    """
    from .linalg_schur import _host_results

    a = _input(a, "hessenberg", square=True)
    gehrd = _lapack("hessenberg", "dgehrd", "zgehrd", a)
    if _r.data(a).dtype in (_np.float32, _np.complex64):
        gehrd = _lapack("hessenberg", "sgehrd", "cgehrd", a)

    def one(m):
        h, tau, info = gehrd(m)
        return h, tau[: max(m.shape[-1] - 1, 0)]

    return _host_results("lax.linalg.hessenberg", one, a)


def tridiagonal(a: Any, *, lower: bool = True) -> tuple[Any, Any, Any, Any]:
    """``(a_out, d, e, taus)``: the tridiagonal reduction of the Hermitian matrix in the
    ``lower`` (or upper) triangle of ``a``, LAPACK's ``sytrd``/``hetrd`` packed output
    (diagonal ``d``, off-diagonal ``e``, reflector scales ``taus``), as
    ``jax.lax.linalg.tridiagonal`` (run on the host). Not differentiable (as in JAX).

    Example: ``arr, d, e, taus = tridiagonal(a)``
    """
    from .linalg_schur import _host_results

    a = _input(a, "tridiagonal", square=True)
    single = _r.data(a).dtype in (_np.float32, _np.complex64)
    trd = _lapack("tridiagonal", "ssytrd" if single else "dsytrd",
                  "chetrd" if single else "zhetrd", a)

    def one(m):
        c, d, e, tau, info = trd(m, lower=int(bool(lower)))
        return c, d, e, tau

    return _host_results("lax.linalg.tridiagonal", one, a)


def schur(x: Any, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable: Callable[..., Any] | None = None) -> tuple:
    """``(t, vs)`` with ``x = vs @ t @ vs^H``: the real Schur form of a real matrix (2x2
    blocks for complex pairs) or the complex one, as ``jax.lax.linalg.schur`` (``(t,)`` with
    ``compute_schur_vectors=False``). Runs on the host; not differentiable (as in JAX).

    Example: ``t, vs = schur(a)``
    """
    from .linalg_schur import schur as _schur

    if sort_eig_vals or select_callable is not None:
        raise NotImplementedError("lax.linalg.schur: sort_eig_vals and select_callable are not "
                                  "supported; sort the eigenvalues of eig(x) instead")
    x = _input(x, "schur", square=True)
    t, vs = _schur(x, output="complex" if _is_complex(x) else "real")
    return (t, vs) if compute_schur_vectors else (t,)
