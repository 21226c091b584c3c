"""QR in Householder form and the randomised low-rank SVD, as torch's ``geqrf``, ``ormqr``,
``svd_lowrank`` and ``pca_lowrank``.

``geqrf`` follows LAPACK's ``geqrf``/``larfg`` step by step with differentiable operations
(torch's is not differentiable); ``ormqr`` multiplies by ``Q`` built by
``householder_product``; ``svd_lowrank`` is torch's randomised algorithm (Halko et al.,
Algorithm 5.1, with ``niter`` subspace iterations) over ``qr`` and ``svd``, drawing its
random matrix from ``gpuad.numpy.random``: exact (up to the signs of singular vectors) when
``q`` is at least the rank. Real matrices, stacked too. Example::

    a, tau = gpuad.linalg.geqrf(A)
    QC = gpuad.linalg.ormqr(a, tau, C)          # Q @ C
    U, S, V = gpuad.linalg.svd_lowrank(A, q=2)  # A ~ U diag(S) V^T
"""

from __future__ import annotations

from typing import Any, NamedTuple

from . import rules as _r
from .numpy import linalg as _nla

__all__ = ["geqrf", "ormqr", "svd_lowrank", "pca_lowrank"]


class Geqrf(NamedTuple):
    a: Any
    tau: Any


def _gnp():
    from . import numpy as gnp

    return gnp


def _real_matrices(name: str, **xs):
    out = []
    for what, x in xs.items():
        x = _nla._float_input(_nla._arr(x))
        if _r.data(x).dtype.kind == "c":
            raise NotImplementedError(f"{name}: complex {what} is not supported; pass real "
                                      f"matrices")
        out.append(x)
    return out


def geqrf(A) -> Geqrf:
    """``(a, tau)``: the QR factorisation in LAPACK ``geqrf``'s form, as ``torch.geqrf``:
    ``R`` on and above the diagonal of ``a``, the Householder vectors below it (unit leading
    entry implied) and their scalars ``tau`` (``min(m, n)`` of them). Differentiable in ``A``.

    Example: ``a, tau = gpuad.linalg.geqrf(A); Q = householder_product(a, tau)``
    """
    gnp = _gnp()
    (A,) = _real_matrices("geqrf", A=A)
    if _r.ndim(A) < 2:
        raise ValueError(f"geqrf: A must have at least 2 dimensions (..., m, n); got shape "
                         f"{_r.shape(A)}")
    m, n = _r.shape(A)[-2:]
    k = min(m, n)
    xp = _r._xp(_r.data(A))
    R = A
    taus = []
    for i in range(k):
        x = R[..., i:, i]
        alpha = x[..., 0]
        rest = x[..., 1:]
        ss = gnp.sum(rest * rest, axis=-1)
        flat = ss == 0  # H = I (LAPACK's tau = 0): a recorded choice, replayed by gpuad.jit
        sq = alpha * alpha + ss
        norm = gnp.sqrt(gnp.where(sq == 0, 1.0, sq))
        sign = gnp.where(alpha >= 0, 1.0, -1.0)
        beta = gnp.where(flat, alpha, -sign * norm)
        safe_beta = gnp.where(flat, 1.0, beta)
        tau = gnp.where(flat, 0.0, (beta - alpha) / safe_beta)
        v = rest / gnp.expand_dims(gnp.where(flat, 1.0, alpha - beta), -1)
        taus.append(tau)
        col = gnp.concatenate([R[..., :i, i], gnp.expand_dims(beta, -1), v], axis=-1)
        right = R[..., i:, i + 1:]
        vfull = gnp.concatenate([gnp.ones_like(gnp.expand_dims(alpha, -1)), v], axis=-1)
        w = gnp.einsum("...m,...mn->...n", vfull, right)
        right = right - gnp.expand_dims(tau, (-1, -2)) * (vfull[..., :, None] * w[..., None, :])
        right = gnp.concatenate([R[..., :i, i + 1:], right], axis=-2)
        R = gnp.concatenate([R[..., :, :i], gnp.expand_dims(col, -1), right], axis=-1)
    tau = gnp.stack(taus, axis=-1) if taus else xp.zeros(_r.shape(A)[:-2] + (0,), _r.data(A).dtype)
    return Geqrf(R, tau)


def ormqr(input, tau, other, left: bool = True, transpose: bool = False):
    """``Q @ other`` (``left=False``: ``other @ Q``; ``transpose``: with ``Q^T``) for the
    ``m x m`` matrix ``Q = H_1 ... H_k`` of ``geqrf``'s reflectors in ``input`` and ``tau``, as
    ``torch.ormqr``. Differentiable in all three.

    Example: ``gpuad.linalg.ormqr(*gpuad.linalg.geqrf(A), C)``
    """
    gnp = _gnp()
    from .linalg import householder_product

    input, tau, other = _real_matrices("ormqr", input=input, tau=tau, other=other)
    if _r.ndim(input) < 2 or _r.ndim(other) < 2 or _r.ndim(tau) < 1:
        raise ValueError(f"ormqr: input and other must have at least 2 dimensions and tau 1; "
                         f"got shapes {_r.shape(input)}, {_r.shape(tau)}, {_r.shape(other)}")
    m, n = _r.shape(input)[-2:]
    k = _r.shape(tau)[-1]
    side = _r.shape(other)[-2] if left else _r.shape(other)[-1]
    if side != m:
        which = "other.shape[-2]" if left else "other.shape[-1]"
        raise ValueError(f"ormqr: {which} must equal input.shape[-2] = {m} (left={left}); got "
                         f"other of shape {_r.shape(other)}")
    if k > min(m, n):
        raise ValueError(f"ormqr: tau.shape[-1] = {k} must be at most min(m, n) = {min(m, n)} "
                         f"for input of shape {_r.shape(input)}")
    if _r.shape(tau)[:-1] != _r.shape(input)[:-2] or \
            _r.shape(other)[:-2] != _r.shape(input)[:-2]:
        raise ValueError(f"ormqr: the batch shapes of input {_r.shape(input)}, tau "
                         f"{_r.shape(tau)} and other {_r.shape(other)} must be the same")
    lead = _r.shape(input)[:-2]
    xp = _r._xp(_r.data(input))
    pad = xp.zeros(lead + (m, m - k), dtype=_r.data(input).dtype)
    Q = householder_product(gnp.concatenate([input[..., :, :k], pad], axis=-1), tau)
    if transpose:
        Q = gnp.swapaxes(Q, -1, -2)
    return gnp.matmul(Q, other) if left else gnp.matmul(other, Q)


class SVDLowRank(NamedTuple):
    U: Any
    S: Any
    V: Any


def _basis(A, q: int, niter: int, M):
    """torch's ``get_approximate_basis``: ``Q`` with ``Q Q^T (A - M)`` approximating
    ``A - M``, from one standard normal ``(n, q)`` matrix."""
    gnp = _gnp()
    n = _r.shape(A)[-1]
    R = gnp.random.standard_normal((n, q)).astype(_r.data(A).dtype)

    def times(X):  # (A - M) X
        return A @ X if M is None else A @ X - M @ X

    def t_times(X):  # (A - M)^T X
        At = gnp.swapaxes(A, -1, -2)
        return At @ X if M is None else At @ X - gnp.swapaxes(M, -1, -2) @ X

    Q = gnp.linalg.qr(times(R))[0]
    for _ in range(niter):
        Q = gnp.linalg.qr(t_times(Q))[0]
        Q = gnp.linalg.qr(times(Q))[0]
    return Q


def _lowrank(A, q: int, niter: int, M) -> SVDLowRank:
    gnp = _gnp()
    m, n = _r.shape(A)[-2:]
    if M is not None:
        M = gnp.broadcast_to(M, _r.shape(A))
    if m < n:
        A = gnp.swapaxes(A, -1, -2)
        M = None if M is None else gnp.swapaxes(M, -1, -2)
    Q = _basis(A, q, niter, M)
    Qt = gnp.swapaxes(Q, -1, -2)
    B = Qt @ A if M is None else Qt @ A - Qt @ M
    U, S, Vh = gnp.linalg.svd(B, full_matrices=False)
    V = gnp.swapaxes(Vh, -1, -2)
    U = Q @ U
    if m < n:
        U, V = V, U
    return SVDLowRank(U, S, V)


def _check_lowrank(name: str, A, q, niter):
    if _r.ndim(A) < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions (..., m, n); got shape "
                         f"{_r.shape(A)}")
    if int(q) != q or q < 0:
        raise ValueError(f"{name}: q must be a non-negative integer; got {q!r}")
    if int(niter) != niter or niter < 0:
        raise ValueError(f"{name}: niter must be a non-negative integer; got {niter!r}")


def svd_lowrank(A, q: int | None = 6, niter: int | None = 2, M=None) -> SVDLowRank:
    """``(U, S, V)`` with ``A - M`` approximately ``U diag(S) V^T`` (``U`` m x q, ``V`` n x q),
    as ``torch.svd_lowrank``: randomised, exact when ``q`` is at least the rank of ``A - M``
    (then ``U diag(S) V^T`` and ``S`` are those of the SVD; the columns' signs depend on the
    draw). Differentiable in ``A`` and ``M`` through ``qr`` and ``svd``; with ``niter >= 1``
    the derivative of an exact result is that of the truncated SVD.

    Example: ``U, S, V = gpuad.linalg.svd_lowrank(A, q=4)``
    """
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    (A,) = _real_matrices("svd_lowrank", A=A)
    _check_lowrank("svd_lowrank", A, q, niter)
    if M is not None:
        (M,) = _real_matrices("svd_lowrank", M=M)
    return _lowrank(A, int(q), int(niter), M)


def pca_lowrank(A, q: int | None = None, center: bool = True, niter: int = 2) -> SVDLowRank:
    """``svd_lowrank`` of ``A`` less its column means (``center=False``: of ``A``), as
    ``torch.pca_lowrank``; ``q`` defaults to ``min(6, m, n)`` and may not exceed it.

    Example: ``U, S, V = gpuad.linalg.pca_lowrank(X, q=2)``
    """
    (A,) = _real_matrices("pca_lowrank", A=A)
    _check_lowrank("pca_lowrank", A, 0 if q is None else q, niter)
    m, n = _r.shape(A)[-2:]
    if q is None:
        q = min(6, m, n)
    elif q > min(m, n):
        raise ValueError(f"pca_lowrank: q (= {q}) must not exceed min(m, n) = {min(m, n)} for "
                         f"A of shape {_r.shape(A)}")
    if center:
        A = A - _gnp().mean(A, axis=-2, keepdims=True)
    return _lowrank(A, int(q), int(niter), None)
