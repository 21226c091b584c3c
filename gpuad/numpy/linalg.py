"""``numpy.linalg``, differentiable in both modes and to any order.

Decompositions (``eigh``, ``eig``, ``svd``, ``qr``, ``cholesky``), inverses and solvers
(``inv``, ``pinv``, ``solve``, ``lstsq``, ``tensorinv``, ``tensorsolve``), ``det``/``slogdet``,
``matrix_power``, ``multi_dot`` and every ``norm``, with NumPy's signatures; stacked matrices
wherever NumPy takes them. Example::

    import gpuad as ad
    import gpuad.numpy as gnp
    w, v = gnp.linalg.eigh(a)                      # a: (..., n, n)
    ad.grad(lambda a: gnp.linalg.norm(a, "nuc"))(a)

Eigenvectors and singular vectors are unique only up to sign (and, at repeated eigenvalues,
up to a rotation); differentiate functions that do not depend on that choice. See
docs/semantics.md, "Linear algebra at degenerate inputs".
"""

from __future__ import annotations

import operator as _operator
from typing import Any as _Any
from typing import NamedTuple as _NamedTuple

import numpy as _np

from .. import _value_checks
from .. import rules as _r
from ..linalg_rules import _H, DegenerateError, _conj, _re, _sym_from, _unpack
from ..linalg_rules import eig_ as _eig
from ..linalg_rules import eigh_ as _eigh
from ..linalg_rules import pinv_ as _pinv
from ..linalg_rules import qr_ as _qr
from ..linalg_rules import svd_ as _svd
from ..rules import MissingRuleError, det, inv, solve  # noqa: F401
from ..rules import cholesky as _cholesky
from ..rules import logabsdet as _logabsdet
from ..tensor import Tensor as _Tensor

LinAlgError = _np.linalg.LinAlgError

__all__ = [
    "LinAlgError", "DegenerateError", "cholesky", "cond", "cross", "det", "diagonal", "eig",
    "eigh", "eigvals", "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet",
    "solve", "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
    "vector_norm",
]


class _EighResult(_NamedTuple):
    eigenvalues: _Any
    eigenvectors: _Any


class _EigResult(_NamedTuple):
    eigenvalues: _Any
    eigenvectors: _Any


class _SVDResult(_NamedTuple):
    U: _Any
    S: _Any
    Vh: _Any


class _QRResult(_NamedTuple):
    Q: _Any
    R: _Any


class _SlogdetResult(_NamedTuple):
    sign: _Any
    logabsdet: _Any


for _cls in (_EighResult, _EigResult, _SVDResult, _QRResult, _SlogdetResult):
    _cls.__name__ = _cls.__qualname__ = _cls.__name__[1:]  # NumPy's names in reprs


def _gnp():
    from .. import numpy as gnp

    return gnp


def _tracked(*xs) -> bool:
    return any(isinstance(x, _Tensor) and (x.requires_grad or bool(x._tan)) for x in xs)


def _like(a, out):
    return _Tensor(out) if isinstance(a, _Tensor) else out


def _arr(a):
    """Array-likes (lists, tuples, scalars) as arrays; arrays and Tensors unchanged."""
    if isinstance(a, _Tensor) or hasattr(a, "shape"):
        return a
    return _gnp().asarray(a)


def _raw(a):
    d = _r.data(a)
    return d if hasattr(d, "shape") else _r._xp(d).asarray(d)


def _batched(a) -> bool:
    return isinstance(a, _Tensor) and a._bat is not None


def _on_stacks(fn, a):
    """``fn(d)`` for a raw function ``fn`` that acts on stacks of matrices (not differentiated).
    Inside vmap ``a`` has no single array: ``fn`` runs on its data, whose batch axes are
    leading stack axes, and the results keep ``a``'s vmap levels."""
    if _batched(a):
        out = _value_checks.computed("linalg", fn, a._data)  # one step under gpuad.jit
        if isinstance(out, tuple):
            return tuple(_Tensor(o, _bat=a._bat) for o in out)
        return _Tensor(out, _bat=a._bat)
    out = _value_checks.computed("linalg", fn, _raw(a))
    if isinstance(out, tuple):
        return tuple(_like(a, o) for o in out)
    return _like(a, out)


def _matrices(a, name: str, square: bool = False):
    s = _r.shape(a)
    if len(s) < 2:
        raise LinAlgError(
            f"{name}: {len(s)}-dimensional array given (shape {s}); the array must be at least "
            f"two-dimensional")
    if square and s[-1] != s[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square; got shape {s}")


def _float_input(a):
    """Integer arrays are promoted to float64 as NumPy's linalg does."""
    d = _r.data(a)
    if not hasattr(d, "dtype"):
        return _r._xp(d).asarray(d, dtype=float)
    if d.dtype.kind not in "fc":
        return _r.astype(a, _np.float64)
    return a


# ---- determinants, inverses -------------------------------------------------------------------

def slogdet(a) -> _SlogdetResult:
    """``(sign, log|det a|)``; the second is differentiable. Example: ``gnp.linalg.slogdet(a)``"""
    a = _arr(a)
    _matrices(a, "slogdet", square=True)
    d = _raw(a)
    if getattr(d, "dtype", None) is not None and d.dtype.kind == "c":
        from ..complex_rules import sign_det  # the phase det / |det|: differentiable

        return _SlogdetResult(sign_det(a), _logabsdet(a))
    sign = _on_stacks(lambda m: _r._xp(m).linalg.slogdet(m)[0], a)
    return _SlogdetResult(sign, _logabsdet(_float_input(a)))


def cholesky(a, /, *, upper: bool = False):
    """The Cholesky factor ``L`` (``a = L L^T``, reading the lower triangle), or ``U``
    (``a = U^T U``, reading the upper triangle) with ``upper=True``.

    Example: ``gnp.linalg.cholesky(a @ a.T + eye)``
    """
    a = _arr(a)
    _matrices(a, "cholesky", square=True)
    a = _float_input(a)
    if upper:  # reads the upper triangle, as NumPy does: U = cholesky(a^T)^T
        return _r.swapaxes(_cholesky(_r.swapaxes(a, -1, -2)), -1, -2)
    return _cholesky(a)


def matrix_power(a, n: int):
    """``a`` raised to the integer power ``n`` (negative: powers of ``inv(a)``), stacked too.

    Example: ``gnp.linalg.matrix_power(a, -2)``
    """
    a = _arr(a)
    try:
        n = _operator.index(n)
    except TypeError as e:
        raise TypeError("matrix_power: exponent must be an integer") from e
    _matrices(a, "matrix_power", square=True)
    if n == 0:
        d = _raw(a)
        eye = _r._xp(d).broadcast_to(_r._xp(d).eye(d.shape[-1], dtype=d.dtype), d.shape).copy()
        return _like(a, eye)
    if n < 0:
        a = inv(_float_input(a))
        n = -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else _r.matmul(result, base)
        n >>= 1
        if n:
            base = _r.matmul(base, base)
    return result


def pinv(a, rcond=None, hermitian: bool = False, *, rtol: _Any = _np._NoValue):
    """The Moore-Penrose pseudo-inverse; its derivative is exact where the rank is locally
    constant (singular values below the cut-off count as zero; a cut-off through nonzero
    singular values is differentiated with the kept singular vectors' motion, first order).

    Example: ``gnp.linalg.pinv(a)``
    """
    a = _arr(a)
    _matrices(a, "pinv")
    a = _float_input(a)
    if rcond is None:
        if rtol is _np._NoValue:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(_r.shape(a)[-2:]) * _np.finfo(_raw(a).dtype).eps
        else:
            rcond = rtol
    elif rtol is not _np._NoValue:
        raise ValueError("pinv: `rtol` and `rcond` can't be both set.")
    if _np.iscomplexobj(_raw(rcond) if hasattr(rcond, "dtype") else rcond):
        # NumPy orders complex cut-offs lexicographically (a meaningless cut), torch refuses
        raise TypeError(f"pinv: the cut-off rcond/rtol must be real, got {rcond!r}")
    if hermitian and 0 not in _r.shape(a):  # NumPy reads the lower triangle only
        _matrices(a, "pinv", square=True)
        a = _sym_from(a, "L")
    return _pinv(a, rcond=rcond)


def tensorinv(a, ind: int = 2):
    """The inverse of ``a`` as a tensor operator, as ``numpy.linalg.tensorinv``."""
    a = _arr(a)
    if ind <= 0:
        raise ValueError("tensorinv: invalid ind argument (must be positive)")
    s = _r.shape(a)
    out_shape = s[ind:] + s[:ind]
    prod = 1
    for k in s[:ind]:
        prod *= k
    rest = 1
    for k in s[ind:]:
        rest *= k
    if prod != rest:
        raise LinAlgError(f"tensorinv: prod(a.shape[:ind]) = {prod} must equal "
                          f"prod(a.shape[ind:]) = {rest}; a has shape {s}")
    return _r.reshape(inv(_r.reshape(_float_input(a), (prod, prod))), out_shape)


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=b.ndim) = b`` for ``x``, as ``numpy.linalg.tensorsolve``."""
    a, b = _arr(a), _arr(b)
    gnp = _gnp()
    an = _r.ndim(a)
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = _r.transpose(a, tuple(allaxes))
    s = _r.shape(a)
    oldshape = s[-(an - _r.ndim(b)):]
    prod = 1
    for k in oldshape:
        prod *= k
    if int(_np.prod(s)) != prod ** 2:
        raise LinAlgError(
            f"tensorsolve: input arrays must satisfy prod(a.shape[b.ndim:]) == "
            f"prod(a.shape[:b.ndim]); got a of shape {s} and b of shape {_r.shape(b)}")
    x = solve(_r.reshape(_float_input(a), (prod, prod)), gnp.ravel(b))
    return _r.reshape(x, oldshape)


# ---- decompositions ---------------------------------------------------------------------------

def eigh(a, UPLO: str = "L") -> _EighResult:
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, reading the ``UPLO``
    triangle only (``'L'`` or ``'U'``).

    Example: ``w, v = gnp.linalg.eigh(a)``
    """
    a = _arr(a)
    uplo = str(UPLO).upper()
    if uplo not in ("L", "U"):
        raise ValueError("eigh: UPLO argument must be 'L' or 'U'")
    _matrices(a, "eigh", square=True)
    n = _r.shape(a)[-1]
    w, v = _unpack(_eigh(_float_input(a), uplo=uplo, n=n), [(n,), (n, n)])
    if _raw(w).dtype.kind == "c":  # complex Hermitian: real eigenvalues, as NumPy's
        w = _gnp().real(w)
    return _EighResult(w, v)


def eigvalsh(a, UPLO: str = "L"):
    """Eigenvalues (ascending) of symmetric matrices. Example: ``gnp.linalg.eigvalsh(a)``"""
    a = _arr(a)
    if not _tracked(a):
        uplo = str(UPLO).upper()
        if uplo not in ("L", "U"):
            raise ValueError("eigvalsh: UPLO argument must be 'L' or 'U'")
        _matrices(a, "eigvalsh", square=True)
        return _on_stacks(lambda d: _r._xp(d).linalg.eigvalsh(d, UPLO=uplo), a)
    return eigh(a, UPLO)[0]


def eig(a) -> _EigResult:
    """Eigenvalues and right eigenvectors (unit norm) of square matrices.

    Differentiable where the eigenvalues are distinct, real or complex (a real matrix with a
    complex spectrum gives complex arrays, as NumPy's); eigenvectors have unit norm and an
    arbitrary phase, so differentiate functions that do not depend on it (``abs(v)``). Real
    arrays where every eigenvalue of a real matrix is real, as NumPy's, on every backend.
    Example: ``w, v = gnp.linalg.eig(a)``
    """
    a = _arr(a)
    _matrices(a, "eig", square=True)
    n = _r.shape(a)[-1]
    w, v = _unpack(_eig(_float_input(a), n=n), [(n,), (n, n)])
    return _EigResult(*_real_spectrum_as_real(a, w, v))


def _real_spectrum_as_real(a, w, v):
    """NumPy's eig of a real matrix gives real arrays when every eigenvalue is real (zero
    imaginary parts), complex ones otherwise; CuPy's (cuSOLVER's geev) gives complex arrays
    always. A dtype chosen by values: under gpuad.jit the program keeps the choice it traced."""
    # (inside vmap every example's values: one dtype for all, as NumPy's eig of the stack)
    wd = w._data if isinstance(w, _Tensor) else w
    if _np.dtype(a.dtype).kind == "c" or wd.dtype.kind != "c":
        return w, v
    xp = _r._xp(wd)
    if _value_checks.tracing():  # one step, computed on each call
        flag = _value_checks.computed("eig_real_spectrum", lambda d: xp.all(d.imag == 0), wd)
    else:
        flag = xp.all(wd.imag == 0)
    real = bool(flag)
    _value_checks.keep_branch("eig: every eigenvalue real (NumPy's result dtype)", real,
                              lambda xp, f: f, flag)
    if not real:
        return w, v
    from . import real as _real

    return _real(w), _real(v)


def eigvals(a):
    """Eigenvalues of square matrices (see :func:`eig`). Example: ``gnp.linalg.eigvals(a)``"""
    return eig(a)[0]


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """Singular value decomposition ``a = U @ (S[..., None] * Vh)``, as ``numpy.linalg.svd``
    (reduced with ``full_matrices=False``; ``compute_uv=False`` gives ``S`` only).

    With ``hermitian=True`` the lower triangle is read (as NumPy does) and, when differentiated,
    the general SVD of that symmetric matrix is returned (same ``S``; ``U``, ``Vh`` may differ
    from NumPy's by the signs of columns). Example: ``u, s, vh = gnp.linalg.svd(a, False)``
    """
    a = _arr(a)
    _matrices(a, "svd", square=bool(hermitian))
    if not _tracked(a):
        xp = _r._xp(a)
        if not compute_uv:
            if not hermitian:
                return _on_stacks(lambda d: xp.linalg.svd(d, compute_uv=False), a)
            if xp is _np:
                return _on_stacks(lambda d: _np.linalg.svd(d, compute_uv=False, hermitian=True),
                                  a)
            return _on_stacks(lambda d: xp.flip(xp.sort(xp.abs(xp.linalg.eigvalsh(d)), axis=-1),
                                                axis=-1), a)
        if hermitian and xp is _np:
            res = _on_stacks(lambda d: _np.linalg.svd(d, full_matrices=full_matrices,
                                                      hermitian=True), a)
            return _SVDResult(*res)
    a = _float_input(a)
    if hermitian:
        a = _sym_from(a, "L")
    m, n = _r.shape(a)[-2:]
    k = min(m, n)
    full = bool(full_matrices) and compute_uv and m != n
    packed = _svd(a, full=full, mn=(m, n))
    shapes = [(k,), (m, m if full else k), (n if full else k, n)]
    s, u, vh = _unpack(packed, shapes)
    if _raw(s).dtype.kind == "c":  # complex input: real singular values, as NumPy's
        s = _gnp().real(s)
    if not compute_uv:
        return s
    return _SVDResult(u, s, vh)


def svdvals(x, /):
    """Singular values, descending (``svd(x, compute_uv=False)``). Example:
    ``gnp.linalg.svdvals(a)``"""
    return svd(x, compute_uv=False)


def qr(a, mode: str = "reduced"):
    """QR decomposition, as ``numpy.linalg.qr``: ``mode`` 'reduced', 'complete', 'r' or 'raw'
    ('raw', Householder reflectors, is not differentiable). Stacked matrices too.

    Example: ``q, r = gnp.linalg.qr(a)``
    """
    a = _arr(a)
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unrecognized mode {mode!r}")
    _matrices(a, "qr")
    if mode == "raw":
        if _tracked(a):
            raise MissingRuleError(
                "qr(mode='raw'): Householder reflectors are not differentiated; use "
                "mode='reduced' or 'complete'")
        return _on_stacks(lambda d: _r._xp(d).linalg.qr(d, mode="raw"), a)
    a = _float_input(a)
    m, n = _r.shape(a)[-2:]
    if m >= n:
        complete = mode == "complete" and m > n
        q, r = _unpack(_qr(a, complete=complete, mn=(m, n)),
                       [(m, m if complete else n), (m if complete else n, n)])
    else:  # A = [X | Y] with X square: Q R1 = X, R = [R1 | Q^H Y]
        x = _r.getitem(a, (Ellipsis, slice(None), slice(0, m)))
        y = _r.getitem(a, (Ellipsis, slice(None), slice(m, n)))
        q, r1 = _unpack(_qr(x, complete=False, mn=(m, m)), [(m, m), (m, m)])
        r = _r.concatenate([r1, _r.matmul(_H(q), y)], _r.ndim(a) - 1)
    if mode == "r":
        return r
    return _QRResult(q, r)


# ---- least squares, rank, condition -----------------------------------------------------------

def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x = b``: ``(x, residuals, rank, s)`` as
    ``numpy.linalg.lstsq``. ``x``, ``residuals`` and ``s`` are differentiable (where the rank is
    locally constant); ``x`` is the minimum-norm solution, ``pinv(a) @ b``.

    Example: ``x = gnp.linalg.lstsq(a, b)[0]``
    """
    a, b = _arr(a), _arr(b)
    if _r.ndim(a) != 2:
        raise LinAlgError(f"lstsq: a must be two-dimensional; got shape {_r.shape(a)}")
    if _r.ndim(b) not in (1, 2):
        raise LinAlgError(f"lstsq: b must be one- or two-dimensional; got shape {_r.shape(b)}")
    m, n = _r.shape(a)
    if _r.shape(b)[0] != m:
        raise LinAlgError(f"lstsq: incompatible dimensions: a has shape {_r.shape(a)}, b has "
                          f"shape {_r.shape(b)}")
    dt = _np.result_type(_raw(_float_input(a)).dtype, _raw(_float_input(b)).dtype)
    a, b = _r.astype(a, dt), _r.astype(b, dt)  # s in the common precision, as NumPy's
    if rcond is None:
        rcond = _np.finfo(dt).eps * max(m, n)
    s = svd(a, compute_uv=False)
    xp = _r._xp(s)
    if _batched(s):  # inside vmap: a rank per example
        rank = _on_stacks(lambda d: _count_above(d, rcond * d[..., :1]), s)
        full = rank._data == n
        if m > n and bool(xp.any(full)) and not bool(xp.all(full)):
            raise LinAlgError(
                "lstsq: inside vmap some examples have full column rank and some do not, so "
                "the residuals would have different shapes (full rank: the squared residual "
                "norms; otherwise empty); compute the residuals from x instead: "
                "sum((b - a @ x) ** 2, axis=0)")
        full_now = rank._data
        full = bool(xp.all(full))
    elif _value_checks.tracing() and _raw(s).size:  # one step, computed on each call
        full_now = rank = _value_checks.computed(
            "lstsq_rank", lambda d: _count_above(d, rcond * d[..., :1]), _raw(s))
        full = int(rank) == n
    else:
        sd = _raw(s)
        if not bool(xp.isfinite(sd).all()):
            raise LinAlgError("lstsq: SVD did not converge (a holds inf or NaN)")
        rank = _np.int32(int(xp.sum(sd > rcond * sd[0])) if sd.size else 0)  # LAPACK's int32
        full = full_now = rank == n
    if m > n and full_now is not full:  # under gpuad.jit: the residuals' shape is the trace's
        _value_checks.keep_branch("lstsq: full column rank (the residuals' shape)", full,
                                  lambda xp, r: r == n, full_now)
    x = _r.matmul(_pinv(a, rcond=rcond), b)
    if full and m > n:
        r = b - _r.matmul(a, x)
        rr = r * _conj(r) if _raw(r).dtype.kind == "c" else r * r
        resid = _r.sum(_re(rr), 0)
        if _r.ndim(b) == 1:
            resid = _r.reshape(resid, (1,))
    else:
        resid = _like(x, xp.empty((0,), dtype=_np.empty(0, dt).real.dtype))
    return x, resid, rank, s


def _count_above(s, cut):
    """The rank lstsq reports: LAPACK's int32."""
    return _r._xp(s).sum(s > cut, axis=-1).astype(_np.int32)


def matrix_rank(A, tol=None, hermitian: bool = False, *, rtol=None):
    """The number of singular values above the tolerance (an integer: not differentiated)."""
    A = _arr(A)
    if tol is not None and rtol is not None:
        raise ValueError("matrix_rank: pass tol (absolute) or rtol (relative), not both")
    xp = _r._xp(A)
    nd = _r.ndim(A)

    def rank(d):  # d: one example's array, or (inside vmap) the stack of them
        if nd < 2:
            nonzero = d != 0
            return xp.any(nonzero, axis=tuple(range(d.ndim - nd, d.ndim))).astype(int)
        if hermitian:
            s = xp.abs(xp.linalg.eigvalsh(d))
        else:
            s = xp.linalg.svd(d, compute_uv=False)
        if s.shape[-1] == 0:  # empty matrices have rank 0 (max() of nothing has no value)
            return xp.zeros(s.shape[:-1], dtype=int)
        if tol is None:
            if rtol is None:
                r = max(d.shape[-2:]) * _np.finfo(s.dtype).eps
            else:
                r = xp.asarray(rtol)[..., None]
            cut = s.max(axis=-1, keepdims=True) * r
        else:
            cut = xp.asarray(tol)[..., None]
        return xp.count_nonzero(s > cut, axis=-1)

    return _on_stacks(rank, A)


def cond(x, p=None):
    """The condition number in the norm ``p`` (None/2/-2: from singular values; 'fro', 'nuc',
    1, -1, inf, -inf: ``norm(x, p) * norm(inv(x), p)``). Example: ``gnp.linalg.cond(a)``"""
    x = _arr(x)
    _matrices(x, "cond")
    if 0 in _r.shape(x)[-2:]:
        raise LinAlgError(f"cond: not defined on empty matrices (shape {_r.shape(x)})")
    x = _float_input(x)
    if p is None or p == 2 or p == -2:
        s = svd(x, compute_uv=False)
        nd = _r.ndim(s) - 1  # ties as in norm(x, 2): an orthogonal matrix's derivative is 0
        first, last = _tied_extreme(s, nd, True), _tied_extreme(s, nd, False)
        with _np.errstate(invalid="ignore"):  # 0 / 0 at a zero matrix, NumPy's inf below
            r = last / first if p == -2 else first / last
        undefined = _r.logical_and(_r.isnan(r), _r.logical_not(_r.any(_r.isnan(x), axis=(-2, -1))))
        return _r.where(undefined, _np.inf, r)
    _matrices(x, "cond", square=True)
    try:
        return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))
    except LinAlgError:
        if isinstance(x, _Tensor) and (x.requires_grad or x._tan):
            raise LinAlgError(
                f"cond: a matrix of the {_r.shape(x)} input is singular, so cond(x, {p!r}) is "
                f"inf and has no derivative; differentiate cond away from singular matrices (or "
                f"pass stop_gradient(x) for the value)") from None
        return _cond_of_singular(_raw(x), p)


def _cond_of_singular(d, p):
    """NumPy's value where a matrix of the stack is singular: inf there."""
    xp = _r._xp(d)
    bad = xp.linalg.slogdet(d)[0] == 0
    eye = xp.eye(d.shape[-1], dtype=d.dtype)
    safe = xp.where(bad[..., None, None], eye, d)
    r = xp.linalg.norm(d, p, axis=(-2, -1)) * xp.linalg.norm(xp.linalg.inv(safe), p,
                                                             axis=(-2, -1))
    return xp.where(bad, xp.inf, r)


# ---- norms ------------------------------------------------------------------------------------

def _vector_norm(x, ord, axis: tuple, keepdims: bool):
    x = _magnitude(x)
    if ord is None or ord == 2:
        return _r.norm2(x, axis=axis, keepdims=keepdims, shape=_r.shape(x))
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    ax = axis[0] if len(axis) == 1 else axis
    if ord == _np.inf:
        return _largest(_r.abs(x), ax, keepdims)
    if ord == -_np.inf:
        return _r.min(_r.abs(x), ax, keepdims=keepdims)
    if ord == 0:  # the number of nonzeros: piecewise constant
        return _r.sum(_r.astype(_r.not_equal(x, 0), _raw(x).dtype), ax, keepdims=keepdims)
    if ord == 1:
        return _r.sum(_r.abs(x), ax, keepdims=keepdims)
    # where the p-norm has no derivative (a zero vector; a zero entry for p < 1) the
    # subgradient 0 is given, as for p = 2 and in torch, where the chain rule would give
    # 0 * inf = NaN: zero entries and vectors are taken apart from the formula
    if ord < 0 and any(_r.shape(x)[a] == 0 for a in axis):  # sum of no terms ** (1/p): inf
        return _r.add(_largest(_r.abs(x), ax, keepdims), _np.inf)
    z = _r.data(x) == 0
    zero = _gnp().all(z, axis=ax, keepdims=True)
    terms = _r.where(z, 0.0 if ord > 0 else _np.inf, _r.power(_r.where(z, 1, _r.abs(x)), ord))
    out = _r.power(_r.where(zero, 1, _r.sum(terms, ax, keepdims=True)), 1.0 / ord)
    out = _r.where(zero, 0, out)
    return out if keepdims else _r.reshape(
        out, tuple(k for i, k in enumerate(_r.shape(x)) if i not in axis))


def _matrix_norm(x, ord, axis: tuple, keepdims: bool):
    r, c = axis
    if r == c:
        raise ValueError("norm: duplicate axes given")
    nd = _r.ndim(x)
    if ord not in ("nuc", 2, -2):
        x = _magnitude(x)
    if ord is None or ord == "fro":
        return _r.norm2(x, axis=tuple(sorted(axis)), keepdims=keepdims, shape=_r.shape(x))
    if ord in ("nuc", 2, -2):
        gnp = _gnp()
        m = gnp.moveaxis(x, (r, c), (nd - 2, nd - 1))
        s = svd(m, compute_uv=False)
        out = _r.sum(s, nd - 2) if ord == "nuc" else _tied_extreme(s, nd - 2, ord == 2)
        if keepdims:
            out = _r.reshape(out, tuple(1 if i in axis else k for i, k in enumerate(_r.shape(x))))
        return out
    if ord in (1, -1):
        s = _r.sum(_r.abs(x), r, keepdims=True)
        out = _largest(s, c, True) if ord == 1 else _r.min(s, c, keepdims=True)
    elif ord in (_np.inf, -_np.inf):
        s = _r.sum(_r.abs(x), c, keepdims=True)
        out = _largest(s, r, True) if ord == _np.inf else _r.min(s, r, keepdims=True)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    return out if keepdims else _r.reshape(
        out, tuple(k for i, k in enumerate(_r.shape(x)) if i not in axis))


def _largest(s, ax, keepdims: bool):
    """The maximum of ``s >= 0`` over ``ax``, 0 where that axis is empty (NumPy's norms of
    empty arrays: inf, 1 and 2 norms are 0; the minima have no value and raise)."""
    axes = ax if isinstance(ax, tuple) else (ax,)
    if any(_r.shape(s)[a] == 0 for a in axes):
        return _r.sum(s, ax, keepdims=keepdims)  # zeros of the reduced shape
    return _r.max(s, ax, keepdims=keepdims)


def _tied_extreme(s, axis: int, largest: bool):
    """The largest (smallest) singular value along ``axis``. Copies tied with it to rounding
    share its derivative equally, so a repeated extreme value (an orthogonal matrix's 1s)
    differentiates to U_t V_t^H / t, whatever basis LAPACK picked for them, where one copy's
    u v^H would depend on that basis; a smallest value of 0 ties only exactly."""
    from .._numpy_protocol import stop_gradient

    if largest and _r.shape(s)[axis] == 0:
        return _largest(s, axis, False)
    gnp = _gnp()
    ext = (_r.max if largest else _r.min)(s, axis, keepdims=True)
    top = _r.max(s, axis, keepdims=True)
    tol = 100 * _r.shape(s)[axis] * _np.finfo(_raw(s).dtype).eps * top * top
    near = gnp.abs(s * s - ext * ext) <= tol
    tied = gnp.where(ext * ext > tol, near, s == ext)
    w = _r.astype(tied, _raw(s).dtype)
    avg = _r.sum(s * (w / _r.sum(w, axis, keepdims=True)), axis)
    ext = _r.reshape(ext, _r.shape(avg))
    return avg + stop_gradient(ext - avg)  # the value is the extreme itself


def _magnitude(x):
    """|x| for complex input (every norm depends on the moduli only), else x."""
    return _r.abs(x) if _raw(x).dtype.kind == "c" else x


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector and matrix norms as ``numpy.linalg.norm``: vectors ``ord`` None, 2, 1, inf, -inf,
    0 or any p; matrices 'fro', 'nuc', 1, -1, 2, -2, inf, -inf; ``axis`` an int or a pair.

    At points where a vector or entrywise norm is not differentiable a subgradient is returned
    (0 for a p-norm at 0 and at zero entries, an even share among exactly tied maxima, as
    torch); the spectral norms (2,
    -2) at a repeated extreme singular value raise DegenerateError. Example:
    ``gnp.linalg.norm(a, "nuc")``
    """
    x = _arr(x)
    x = _float_input(x)
    nd = _r.ndim(x)
    if axis is None:
        if ord is None:
            x = _magnitude(x)
            return _r.norm2(x, axis=None, keepdims=keepdims, shape=_r.shape(x))
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("norm: improper number of dimensions to norm")
    elif isinstance(axis, int | _np.integer):
        axis = (int(axis),)
    else:
        axis = tuple(int(a) for a in axis)
    for a in axis:
        if not -nd <= a < nd:
            raise _np.exceptions.AxisError(
                f"norm: axis {a} is out of bounds for an array of dimension {nd}")
    axis = tuple(a % nd for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError(f"norm: improper number of dimensions to norm (axis={axis})")


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
    """The vector norm over ``axis`` (all axes when None), as ``numpy.linalg.vector_norm``."""
    x = _arr(x)
    x = _magnitude(_float_input(x))  # every vector norm depends on the moduli only
    nd = _r.ndim(x)
    if axis is None:
        if ord == 2:
            return _r.norm2(x, axis=None, keepdims=keepdims, shape=_r.shape(x))
        flat = _r.reshape(x, (-1,))
        out = _vector_norm(flat, ord, (0,), False)
        return _r.reshape(out, (1,) * nd) if keepdims else out
    axes = (axis,) if isinstance(axis, int | _np.integer) else tuple(axis)
    for a in axes:
        if not -nd <= a < nd:
            raise ValueError(
                f"vector_norm: axis {a} is out of bounds for an array of dimension {nd}")
    axes = tuple(sorted(int(a) % nd for a in axes))
    if len(set(axes)) < len(axes):
        raise ValueError(f"vector_norm: repeated axis in {tuple(axis)}")
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    gnp = _gnp()
    rest = [i for i in range(nd) if i not in axes]
    moved = _r.transpose(x, tuple(rest) + axes)
    size = int(_np.prod([_r.shape(x)[i] for i in axes]))  # not -1: ambiguous when empty
    flat = _r.reshape(moved, tuple(_r.shape(x)[i] for i in rest) + (size,))
    out = _vector_norm(flat, ord, (len(rest),), False)
    if keepdims:
        out = gnp.expand_dims(out, axes)
    return out


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
    """The matrix norm over the last two axes, as ``numpy.linalg.matrix_norm``."""
    x = _arr(x)
    x = _float_input(x)
    if _r.ndim(x) < 2:  # NumPy's kind of error: the axes (-2, -1) do not exist
        raise _np.exceptions.AxisError(
            f"matrix_norm: {_r.ndim(x)}-dimensional array given (shape {_r.shape(x)}); the "
            f"array must be at least two-dimensional")
    nd = _r.ndim(x)
    return _matrix_norm(x, ord, (nd - 2, nd - 1), keepdims)


# ---- products ---------------------------------------------------------------------------------

def _chain_order(dims):
    """Optimal parenthesisation of a matrix chain (the classic O(n^3) dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j] = c
                    split[i][j] = k
    return split


def multi_dot(arrays, *, out=None):
    """``A @ B @ C @ ...`` in the cheapest order, as ``numpy.linalg.multi_dot`` (the first and
    last arrays may be vectors; ``out=`` takes the result as ``dot``'s does). Example:
    ``gnp.linalg.multi_dot([a, b, c])``"""
    if out is not None:
        from ._more_names import _to_out

        return _to_out(multi_dot(arrays), out, "multi_dot", "exact")
    arrays = [_arr(a) for a in arrays]
    n = len(arrays)
    if n < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    if n == 2:
        return _gnp().dot(arrays[0], arrays[1])
    first_vec = _r.ndim(arrays[0]) == 1
    last_vec = _r.ndim(arrays[-1]) == 1
    if first_vec:
        arrays[0] = _r.reshape(arrays[0], (1, -1))
    if last_vec:
        arrays[-1] = _r.reshape(arrays[-1], (-1, 1))
    for k, a in enumerate(arrays):
        if _r.ndim(a) != 2:
            raise ValueError(f"multi_dot: array {k} has {_r.ndim(a)} dimensions; all but the "
                             f"first and last must be two-dimensional")
    dims = [_r.shape(arrays[0])[0]] + [_r.shape(a)[1] for a in arrays]
    split = _chain_order(dims)

    def prod(i, j):
        if i == j:
            return arrays[i]
        k = split[i][j]
        return _r.matmul(prod(i, k), prod(k + 1, j))

    res = prod(0, n - 1)
    if first_vec and last_vec:
        return _r.reshape(res, ())
    if first_vec:
        return _r.reshape(res, (-1,))
    if last_vec:
        return _r.reshape(res, (-1,))
    return res


def matmul(x1, x2, /):
    """``x1 @ x2``, as ``numpy.linalg.matmul``."""
    return _r.matmul(x1, x2)


def matrix_transpose(x, /):
    """Swap the last two axes. Example: ``gnp.linalg.matrix_transpose(a)``"""
    x = _arr(x)
    _matrices(x, "matrix_transpose")
    return _r.swapaxes(x, -1, -2)


def diagonal(x, /, *, offset: int = 0):
    """The diagonals of the last two axes, as ``numpy.linalg.diagonal``."""
    return _gnp().diagonal(x, offset, -2, -1)


def trace(x, /, *, offset: int = 0, dtype=None):
    """The traces of the last two axes, as ``numpy.linalg.trace``."""
    return _gnp().trace(x, offset, -2, -1, dtype=dtype)  # summed in dtype, as NumPy


def outer(x1, x2, /):
    """The outer product of two vectors, as ``numpy.linalg.outer``."""
    x1, x2 = _arr(x1), _arr(x2)
    if _r.ndim(x1) != 1 or _r.ndim(x2) != 1:
        raise ValueError(f"outer: both inputs must be one-dimensional; got shapes "
                         f"{_r.shape(x1)} and {_r.shape(x2)}")
    return _gnp().outer(x1, x2)


def cross(x1, x2, /, *, axis: int = -1):
    """The cross product of 3-vectors along ``axis``, as ``numpy.linalg.cross``."""
    x1, x2 = _arr(x1), _arr(x2)
    if _r.shape(x1)[axis] != 3 or _r.shape(x2)[axis] != 3:
        raise ValueError(f"cross: both inputs must have 3 elements along axis {axis}; got "
                         f"shapes {_r.shape(x1)} and {_r.shape(x2)}")
    return _gnp().cross(x1, x2, axis=axis)


def tensordot(x1, x2, /, *, axes=2):
    """``numpy.linalg.tensordot``."""
    return _gnp().tensordot(x1, x2, axes)


def vecdot(x1, x2, /, *, axis: int = -1):
    """The dot product of vectors along ``axis`` (the first conjugated), as
    ``numpy.linalg.vecdot``."""
    x1, x2 = _arr(x1), _arr(x2)
    from ._more_api import vecdot as _vecdot  # (one int axis, equal lengths along it)

    return _vecdot(x1, x2, axis=axis)
