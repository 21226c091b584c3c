"""Matrix functions of ``scipy.linalg`` beyond ``expm`` and ``sqrtm``, differentiable.

``logm`` and ``fractional_matrix_power`` are primitives whose values come from SciPy on the host
(matrix by matrix, a CuPy array there and back). Their derivatives use the block identity of a
primary matrix function, ``f([[A, E], [0, A]]) = [[f(A), Df(A)[E]], [0, f(A)]]``: the derivative
is the same function of a larger matrix, so derivatives of any order follow. ``signm``, the
trigonometric and hyperbolic functions and ``expm_cond`` are compositions of ``expm``,
``sqrtm``, ``solve`` and ``svd``. Example::

    import gpuad.scipy.linalg as gsl
    y = gsl.logm(a)
    z = gsl.fractional_matrix_power(a, 0.5)
"""

from __future__ import annotations

import numpy as _np

from . import rules as _r
from .engine import GradError
from .linalg_rules import _T
from .numpy import linalg as _nla
from .rules import data, getitem, prim, shape
from .tensor import Tensor

__all__ = ["coshm", "cosm", "expm_cond", "fractional_matrix_power", "khatri_rao", "logm",
           "signm", "sinhm", "sinm", "tanhm", "tanm"]


def _gnp():
    from . import numpy as gnp

    return gnp


def _square(a, name: str) -> None:
    s = _r.shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a stack of them), got shape {s}")


def _own_draws(fn, *args, **kw):
    """``fn`` with NumPy's global generator seeded for the call and then put back: SciPy's
    logm and fractional_matrix_power draw from it (onenormest), which would advance the
    user's stream, make the values depend on it, and turn gpuad.jit to eager calls."""
    state = _np.random.get_state()
    try:
        _np.random.seed(0)
        return fn(*args, **kw)
    finally:
        _np.random.set_state(state)


def _host(name: str, fn):
    """The forward of a primitive: ``fn`` of each host matrix, back on the array's backend."""
    from .linalg_schur import _on_host

    def one(m, **params):
        f = _np.asarray(_own_draws(fn, m, **params))
        if m.dtype.kind != "c" and f.dtype.kind == "c":
            # SciPy's complex Schur form leaves rounding-level imaginary parts where the exact
            # result is real (a real matrix with complex eigenvalue pairs): real, as logm's
            scale = max(1.0, float(_np.abs(f).max(initial=0.0)))
            if float(_np.abs(f.imag).max(initial=0.0)) <= 1e3 * _np.finfo(m.dtype).eps * scale:
                f = f.real.astype(m.dtype)
        return (f,)

    def fwd(xp, a, **params):
        return _on_host(lambda m: one(m, **params), name, a)[0]

    return fwd


def _block_frechet(p, a, e, params):
    """``Df(a)[e]`` for the primary matrix function ``p``: the top-right block of
    ``p([[a, e], [0, a]])``."""
    n = shape(a)[-1]
    lead = _np.broadcast_shapes(shape(a), shape(e))
    xp = _r._xp(data(a))
    dt = _np.result_type(data(a).dtype, data(e).dtype)
    a_b = _r.broadcast_to(a, lead)
    e_b = _r.broadcast_to(e, lead)
    zero = xp.zeros(lead, dtype=dt)
    big = _r.concatenate([_r.concatenate([a_b, e_b], -1), _r.concatenate([zero, a_b], -1)], -2)
    return getitem(p(big, **params), (Ellipsis, slice(0, n), slice(n, 2 * n)))


def _matrix_function(name: str, fn):
    """A primitive for the primary matrix function ``fn`` (a SciPy function of one matrix)."""

    def refuse(ans, a):
        if data(a).dtype.kind != "c" and data(ans).dtype.kind == "c":
            raise GradError(
                f"{name}: the result for this real matrix is complex (it has negative real "
                f"eigenvalues); to differentiate it pass the matrix as complex "
                f"(a.astype(complex))")

    def vjp(g, ans, a, **params):
        refuse(ans, a)
        return _block_frechet(p, _T(a), g, params)

    def jvp(t, ans, a, **params):
        refuse(ans, a)
        return _block_frechet(p, a, t, params)

    p = prim(name, _host(name, fn), vjp=[vjp], jvp=[jvp], cplx="holo")
    return p


def _scipy_logm(m):
    import warnings

    import scipy.linalg as sl

    with warnings.catch_warnings():  # the block matrices of the derivative are singular-free
        warnings.simplefilter("ignore", RuntimeWarning)
        return sl.logm(m)


def _scipy_fmp(m, power):
    import scipy.linalg as sl

    return sl.fractional_matrix_power(m, power)


_logm_p = _matrix_function("logm", _scipy_logm)
_fmp_p = _matrix_function("fractional_matrix_power", _scipy_fmp)


def _input(A, name: str):
    A = _nla._arr(A)
    _square(A, name)
    return _nla._float_input(A)


def logm(A, disp: bool = True):
    """The principal matrix logarithm (``expm(logm(A)) == A``), as ``scipy.linalg.logm``:
    real for a real matrix without negative real eigenvalues, complex otherwise. Differentiable
    where the logarithm is (no eigenvalue on the closed negative real axis); a real matrix whose
    logarithm is complex is differentiated as a complex one. ``disp=False`` also returns
    SciPy's error estimate ``||expm(F) - A||_1 / ||A||_1`` (a float, not differentiated).

    Example: ``gsl.logm(a)``"""
    A = _input(A, "logm")
    F = _logm_p(A)
    if disp:
        return F
    from .linalg_schur import _on_host

    def est(a, f):
        import scipy.linalg as sl

        na = _np.linalg.norm(a, 1)
        return (_np.asarray(_np.linalg.norm(_own_draws(sl.expm, f) - a, 1) / na if na else 0.0),)

    return F, float(_on_host(est, "logm", _nla._raw(A), _nla._raw(F))[0])


def fractional_matrix_power(A, t):
    """``A`` to the real power ``t`` (the principal branch), as
    ``scipy.linalg.fractional_matrix_power``: integer ``t`` by repeated products (negative: of
    the inverse), others from SciPy's Schur-Pade algorithm. Differentiable in ``A``; ``t`` is a
    Python number (for a differentiable exponent use ``expm(t * logm(A))``).

    Example: ``gsl.fractional_matrix_power(a, 0.5)``"""
    if isinstance(t, Tensor) or (hasattr(t, "shape") and _np.ndim(t) != 0):
        raise TypeError("fractional_matrix_power: t must be a Python number; for an exponent "
                        "that is differentiated use expm(t * logm(A))")
    t = float(t)
    A = _input(A, "fractional_matrix_power")
    if t == int(t):
        return _nla.matrix_power(A, int(t))
    return _fmp_p(A, power=t)


def _scipy_signm(m):
    import scipy.linalg as sl

    return sl.signm(m)


def _sign_parts(ans, a):
    """``N = (a^2)^(1/2) = S a`` (it commutes with ``a`` and ``S``), which the derivative of
    ``S = N^-1 a`` solves with; a zero or imaginary eigenvalue (no derivative) raises."""
    from .linalg_rules import DegenerateError, _any, _singular_values

    n = _r.matmul(ans, a)
    d = data(n)
    if shape(d)[-1] == 0:
        return n
    s = _singular_values(d)
    if _any(getitem(s, (Ellipsis, -1)) <= 1e3 * _np.finfo(d.dtype).eps * getitem(s, (Ellipsis, 0))):
        raise DegenerateError(
            "signm: the matrix has an eigenvalue on the imaginary axis (zero included), where "
            "the sign function has no derivative")
    return n


def _signm_jvp(t, ans, a):
    # N dN + dN N = dA a + a dA, dS = N^-1 (dA - dN S)
    from .linalg_rules import solve_sylvester

    n = _sign_parts(ans, a)
    dn = solve_sylvester(n, n, _r.matmul(t, a) + _r.matmul(a, t))
    return _r.solve(n, t - _r.matmul(dn, ans))


def _signm_vjp(g, ans, a):
    from .linalg_rules import solve_sylvester

    n = _sign_parts(ans, a)
    gn = _r.solve(_T(n), g)
    k = solve_sylvester(_T(n), _T(n), _r.matmul(gn, _T(ans)))
    return gn - (_r.matmul(k, _T(a)) + _r.matmul(_T(a), k))


_signm_p = prim("signm", _host("signm", _scipy_signm), vjp=[_signm_vjp], jvp=[_signm_jvp],
                cplx="holo")


def signm(A, disp: bool = True):
    """The matrix sign function ``A (A^2)^(-1/2)``, as ``scipy.linalg.signm`` (its values,
    from SciPy on the host); differentiable where no eigenvalue of ``A`` is on the imaginary
    axis. ``disp=False`` also returns the error estimate ``||S^2 - I||_1`` (a float).

    Example: ``gsl.signm(a)``"""
    A = _input(A, "signm")
    S = _signm_p(A)
    if disp:
        return S
    d = _nla._raw(S)
    d = _np.asarray(d.get() if hasattr(d, "get") else d)
    return S, float(_np.linalg.norm(d @ d - _np.eye(d.shape[-1]), 1))


def _keep_real(A, X):
    """SciPy returns a real result for a real matrix: the real part of a complex composition."""
    if data(A).dtype.kind != "c" and data(X).dtype.kind == "c":
        return _gnp().real(X)
    return X


def _cos_sin(A):
    """``(cosm(A), sinm(A))``; for a real matrix from ``expm([[0, A], [-A, 0]])``, which is
    ``[[cos A, sin A], [-sin A, cos A]]`` and stays real."""
    from .scipy.linalg import expm

    gnp = _gnp()
    n = shape(A)[-1]
    if data(A).dtype.kind == "c":
        ep, em = expm(1j * A), expm(-1j * A)
        return 0.5 * (ep + em), -0.5j * (ep - em)
    z = gnp.zeros_like(A)
    big = expm(gnp.concatenate([gnp.concatenate([z, A], -1), gnp.concatenate([-A, z], -1)], -2))
    return big[..., :n, :n], big[..., :n, n:]


def cosm(A):
    """The matrix cosine. Example: ``gsl.cosm(a)``"""
    return _cos_sin(_input(A, "cosm"))[0]


def sinm(A):
    """The matrix sine. Example: ``gsl.sinm(a)``"""
    return _cos_sin(_input(A, "sinm"))[1]


def tanm(A):
    """The matrix tangent ``cosm(A)^-1 sinm(A)``. Example: ``gsl.tanm(a)``"""
    c, s = _cos_sin(_input(A, "tanm"))
    return _r.solve(c, s)


def _ch_sh(A):
    from .scipy.linalg import expm

    ep, em = expm(A), expm(-A)
    return 0.5 * (ep + em), 0.5 * (ep - em)


def coshm(A):
    """The matrix hyperbolic cosine. Example: ``gsl.coshm(a)``"""
    return _ch_sh(_input(A, "coshm"))[0]


def sinhm(A):
    """The matrix hyperbolic sine. Example: ``gsl.sinhm(a)``"""
    return _ch_sh(_input(A, "sinhm"))[1]


def tanhm(A):
    """The matrix hyperbolic tangent ``coshm(A)^-1 sinhm(A)``. Example: ``gsl.tanhm(a)``"""
    c, s = _ch_sh(_input(A, "tanhm"))
    return _r.solve(c, s)


def expm_cond(A, check_finite: bool = True):
    """The relative condition number of ``expm`` at ``A`` in the Frobenius norm,
    ``||K||_2 ||A||_F / ||expm(A)||_F`` with ``K`` the Kronecker form of the Frechet derivative
    (``n^2 x n^2``, one ``expm`` of a ``2n x 2n`` matrix per column), as
    ``scipy.linalg.expm_cond``. Differentiable where the largest singular value of ``K`` is
    simple. Example: ``gsl.expm_cond(a)``"""
    from .scipy.linalg import expm

    gnp = _gnp()
    A = _nla._float_input(_nla._arr(A))
    if _r.ndim(A) != 2 or shape(A)[0] != shape(A)[1]:
        raise ValueError(f"expm_cond: expected a square matrix, got shape {shape(A)}")
    n = shape(A)[0]
    xp = _r._xp(data(A))
    basis = xp.eye(n * n, dtype=data(A).dtype).reshape(n * n, n, n)
    z = xp.zeros((n * n, n, n), dtype=data(A).dtype)
    a_b = gnp.broadcast_to(A, (n * n, n, n))
    big = expm(gnp.concatenate([gnp.concatenate([a_b, basis], -1),
                                gnp.concatenate([z, a_b], -1)], -2))
    # the rows and columns of K in any order: the 2-norm is the same
    k = big[:, :n, n:].reshape(n * n, n * n)
    k_norm = _nla.svd(k, compute_uv=False)[0]
    return k_norm * _nla.norm(A, "fro") / _nla.norm(expm(A), "fro")


def khatri_rao(a, b):
    """The column-wise Kronecker product: column ``j`` is ``kron(a[:, j], b[:, j])``, as
    ``scipy.linalg.khatri_rao``. Example: ``gsl.khatri_rao(a, b)``"""
    a, b = _nla._arr(a), _nla._arr(b)
    if _r.ndim(a) != 2 or _r.ndim(b) != 2:
        raise ValueError(f"khatri_rao: both arrays should be 2-dimensional; got shapes "
                         f"{shape(a)} and {shape(b)}")
    if shape(a)[1] != shape(b)[1]:
        raise ValueError(f"khatri_rao: the number of columns for both arrays should be equal; "
                         f"got shapes {shape(a)} and {shape(b)}")
    k = shape(a)[1]
    prod = _r.getitem(a, (slice(None), None, slice(None))) * _r.getitem(b, (None,))
    return _r.reshape(prod, (shape(a)[0] * shape(b)[0], k))
