"""Iterative linear solvers with ``jax.scipy.sparse.linalg``'s signatures: ``cg``,
``bicgstab`` and ``gmres``.

``A`` is a square matrix (acting on ``b``'s first axis: ``b`` may be 2-D), a function
computing ``A @ x`` (``b`` and ``x`` may then be pytrees) or an object with ``@`` (a linear
operator; the values it holds in attributes are differentiated as a closure's are); ``M`` a
preconditioner in the same forms. Each returns ``(x, info)`` with ``info``
``None``, as JAX does. The solution is differentiated implicitly through
:func:`gpuad.lax.custom_linear_solve`: the gradient with respect to ``b`` and to the values
``A`` reads (a matrix, the parameters a matvec closes over) solves the transposed system
instead of going through the iterations. ``x0`` and ``M`` carry no derivative.

The loops are :func:`gpuad.lax.while_loop`, which ``vmap`` batches (an example stops changing
once it has converged) and which ``gpuad.jit`` compiles as one step running the loop on each
call's values (gradients, implicit, under ``jit`` too).

Example::

    from gpuad.scipy.sparse.linalg import cg
    x, _ = cg(lambda v: a @ v, b, tol=1e-10)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import lax
from ... import numpy as gnp
from ...flatten_util import ravel_pytree
from ...tensor import Tensor
from ...tree import tree_flatten, tree_map
from .._absent import absent_names

__all__ = ["cg", "bicgstab", "gmres"]


def _identity(x):
    return x


def _is_matrix(A: Any) -> bool:
    return isinstance(A, Tensor | np.ndarray) or hasattr(A, "__cuda_array_interface__")


def _matvec(A: Any, what: str) -> Callable:
    """``A`` as a function ``x -> A @ x``: a function as it is, a square matrix by ``dot``,
    another object with ``@`` (a linear operator) by its bound ``__matmul__``, as JAX."""
    if callable(A):
        return A
    if _is_matrix(A) or hasattr(A, "__matmul__"):
        shape = getattr(A, "shape", None)
        if _is_matrix(A) or shape is not None:
            shape = tuple(shape)
            if len(shape) != 2 or shape[0] != shape[1]:
                raise ValueError(f"{what}: linear operator must be a square matrix, but has "
                                 f"shape: {shape}")
        return functools.partial(gnp.dot, A) if _is_matrix(A) else A.__matmul__
    hint = (f"; pass its matvec method itself ({what}.matvec)"
            if callable(getattr(A, "matvec", None)) else
            "; pass gpuad.numpy.asarray of a matrix" if isinstance(A, list | tuple) else "")
    raise TypeError(f"{what}: linear operator must be either a function or ndarray (or an "
                    f"object with @), got {type(A).__name__}{hint}")


def _dot_real(a, b):
    """``Re(vdot(a, b))``: the inner product the stopping rules and CG's steps use."""
    return gnp.real(gnp.vdot(a, b))


def _norm(a):
    return gnp.sqrt(gnp.maximum(_dot_real(a, a), 0.0))


def _cg_solve(A, b, x0, *, tol, atol, maxiter, M):
    bs = _dot_real(b, b)
    atol2 = gnp.maximum(tol ** 2 * bs, atol ** 2)
    dtype = b.dtype

    def cond(state):
        _, r, gamma, _, k = state
        rs = gnp.real(gamma) if M is _identity else _dot_real(r, r)
        return (rs > atol2) & (k < maxiter)

    def body(state):
        x, r, gamma, p, k = state
        ap = A(p)
        alpha = gamma / gnp.vdot(p, ap).astype(dtype)
        x = x + alpha * p
        r = r - alpha * ap
        z = M(r)
        gamma_new = gnp.vdot(r, z).astype(dtype)
        p = z + (gamma_new / gamma) * p
        return x, r, gamma_new, p, k + 1

    r0 = b - A(x0)
    z0 = M(r0)
    state = (x0, r0, gnp.vdot(r0, z0).astype(dtype), z0, gnp.asarray(0))
    return lax.while_loop(cond, body, state)[0]


def _bicgstab_solve(A, b, x0, *, tol, atol, maxiter, M):
    bs = _dot_real(b, b)
    atol2 = gnp.maximum(tol ** 2 * bs, atol ** 2)
    dtype = b.dtype

    def cond(state):
        _, r, *_, k = state
        rs = _dot_real(r, r)
        # k < 0: a breakdown (rho or omega zero) stops the iteration, as in JAX
        return (rs > atol2) & (k < maxiter) & (k >= 0)

    def body(state):
        x, r, rhat, alpha, omega, rho, p, q, k = state
        rho_new = gnp.vdot(rhat, r).astype(dtype)
        beta = rho_new / rho * alpha / omega
        p = r + beta * (p - omega * q)
        phat = M(p)
        q = A(phat)
        alpha = rho_new / gnp.vdot(rhat, q).astype(dtype)
        s = r - alpha * q
        exit_early = _dot_real(s, s) < atol2
        shat = M(s)
        t = A(shat)
        tt = gnp.vdot(t, t).astype(dtype)
        omega = gnp.where(tt == 0, gnp.zeros_like(tt), gnp.vdot(t, s).astype(dtype) /
                          gnp.where(tt == 0, gnp.ones_like(tt), tt))
        x = gnp.where(exit_early, x + alpha * phat, x + alpha * phat + omega * shat)
        r = gnp.where(exit_early, s, s - omega * t)
        k = gnp.where((omega == 0) | (alpha == 0), -11, k + 1)
        k = gnp.where(rho_new == 0, -10, k)
        return x, r, rhat, alpha, omega, rho_new, p, q, k

    r0 = b - A(x0)
    one = gnp.ones((), dtype=dtype)
    state = (x0, r0, r0, one, one, one, gnp.zeros_like(r0), gnp.zeros_like(r0),
             gnp.asarray(0))
    return lax.while_loop(cond, body, state)[0]


def _gmres_solve(A, b, x0, *, tol, atol, maxiter, M, restart):
    """Restarted GMRES: ``restart`` Arnoldi steps (modified Gram-Schmidt) on the
    preconditioned system ``M A x = M b``, then the small least-squares problem, per cycle."""
    n = b.shape[0]
    restart = min(restart, n)
    b_norm = _norm(b)
    atol = gnp.maximum(tol * b_norm, atol)
    mb_norm = _norm(M(b))
    ptol = mb_norm * gnp.minimum(1.0, atol / gnp.where(b_norm == 0, 1.0, b_norm))
    dtype = b.dtype
    tiny = gnp.finfo(gnp.real(gnp.zeros((), dtype=dtype)).dtype).tiny

    def cycle(x):
        r = M(b - A(x))
        beta = _norm(r)
        vs = [r / gnp.where(beta == 0, 1.0, beta).astype(dtype)]
        hcols = []
        for j in range(restart):
            w = M(A(vs[j]))
            h = []
            for v in vs:
                hij = gnp.vdot(v, w).astype(dtype)
                w = w - hij * v
                h.append(hij)
            hn = _norm(w)
            h.append(hn.astype(dtype))
            vs.append(w / gnp.where(hn > tiny, hn, 1.0).astype(dtype))
            hcols.append(gnp.concatenate([gnp.stack(h), gnp.zeros(restart - j - 1,
                                                                   dtype=dtype)]))
        hmat = gnp.stack(hcols, axis=1)                      # (restart + 1, restart)
        e1 = gnp.concatenate([gnp.reshape(beta.astype(dtype), (1,)),
                              gnp.zeros(restart, dtype=dtype)])
        # lstsq's solution without its residuals, whose shape (a branch on the rank) a loop
        # compiled by gpuad.jit could not follow
        cut = gnp.finfo(dtype).eps * (restart + 1)
        y = gnp.linalg.pinv(hmat, rcond=cut) @ e1
        basis = gnp.stack(vs[:restart], axis=1)              # (n, restart)
        return x + basis @ y

    def cond(state):
        _, res, k = state
        return (res > ptol) & (k < maxiter)

    def body(state):
        x, _, k = state
        x = cycle(x)
        return x, _norm(M(b - A(x))), k + 1

    state = (x0, _norm(M(b - A(x0))), gnp.asarray(0))
    return lax.while_loop(cond, body, state)[0]


def _isolve(solver, A, b, x0, *, tol, atol, maxiter, M, symmetric_if_real, **kw):
    """Run ``solver`` on the flat vector of ``b``'s leaves, through custom_linear_solve."""
    mv, pre = _matvec(A, "A"), _identity if M is None else _matvec(M, "M")
    if x0 is None:
        x0 = tree_map(gnp.zeros_like, b)
    b_leaves, b_def = tree_flatten(b)
    x0_leaves, x0_def = tree_flatten(x0)
    if b_def != x0_def or any(tuple(gnp.shape(p)) != tuple(gnp.shape(q))
                              for p, q in zip(b_leaves, x0_leaves, strict=True)):
        raise ValueError("x0 and b must have matching tree structure and shapes")
    b_flat, unravel = ravel_pytree(b)
    x0_flat = ravel_pytree(x0)[0]
    # a matrix (or operator with a shape) acts on b's first axis: b may be 2-D, as in JAX
    rows = tuple(gnp.shape(b_leaves[0]))[:1] if len(b_leaves) == 1 else None
    for what, m in (("A", A), ("M", M)):
        if (not callable(m) and getattr(m, "shape", None) is not None and rows is not None
                and (tuple(m.shape)[1],) != rows):
            raise ValueError(f"{solver.__name__.strip('_').split('_')[0]}: shapes of {what} "
                             f"{tuple(m.shape)} and b {tuple(gnp.shape(b))} are incompatible")
    if maxiter is None:
        maxiter = 10 * int(b_flat.shape[0])

    def flat(f):
        return lambda v: ravel_pytree(f(unravel(v)))[0]

    fA, fM = flat(mv), (_identity if pre is _identity else flat(pre))

    def solve(matvec, rhs):
        return solver(matvec, rhs, x0_flat, tol=tol, atol=atol, maxiter=maxiter, M=fM, **kw)

    symmetric = symmetric_if_real and gnp.asarray(b_flat).dtype.kind != "c"
    x = lax.custom_linear_solve(fA, b_flat, solve=solve, transpose_solve=solve,
                                symmetric=symmetric)
    return unravel(x), None


def cg(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
       maxiter: int | None = None, M: Any = None) -> tuple[Any, None]:
    """Conjugate gradients for a Hermitian positive definite ``A``
    (``jax.scipy.sparse.linalg.cg``). Stops when ``||r|| <= max(tol * ||b||, atol)`` or after
    ``maxiter`` steps (default ``10 * b.size``). Derivatives take ``A`` to stay symmetric
    (real ``A``: the transposed system is solved by cg itself, as in JAX), so second
    derivatives along non-symmetric changes of ``A`` are those of the symmetric solve.

    Example: ``x, _ = cg(a, b)`` solves ``a @ x = b`` for a positive definite ``a``.
    """
    return _isolve(_cg_solve, A, b, x0, tol=tol, atol=atol, maxiter=maxiter, M=M,
                   symmetric_if_real=True)


def bicgstab(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
             maxiter: int | None = None, M: Any = None) -> tuple[Any, None]:
    """Biconjugate gradients, stabilised, for a general square ``A``
    (``jax.scipy.sparse.linalg.bicgstab``).

    Example: ``x, _ = bicgstab(lambda v: a @ v, b, tol=1e-10)``
    """
    return _isolve(_bicgstab_solve, A, b, x0, tol=tol, atol=atol, maxiter=maxiter, M=M,
                   symmetric_if_real=False)


def gmres(A: Any, b: Any, x0: Any = None, *, tol: float = 1e-5, atol: float = 0.0,
          restart: int = 20, maxiter: int | None = None, M: Any = None,
          solve_method: str = "batched") -> tuple[Any, None]:
    """Restarted GMRES for a general square ``A`` (``jax.scipy.sparse.linalg.gmres``):
    ``restart`` Arnoldi steps per cycle, at most ``maxiter`` cycles. ``solve_method``
    ('batched' or 'incremental') is accepted; both run the same algorithm here.

    Example: ``x, _ = gmres(a, b, tol=1e-10, restart=10)``
    """
    if isinstance(restart, bool) or int(restart) != restart or restart < 1:
        raise ValueError(f"gmres: restart (the Krylov steps per cycle) must be a positive "
                         f"integer, got {restart!r}")
    if solve_method not in ("batched", "incremental"):
        raise ValueError(f"gmres: solve_method must be 'batched' or 'incremental', got "
                         f"{solve_method!r}")
    if maxiter is None:
        maxiter = 10 * sum(int(gnp.size(x)) for x in tree_flatten(b)[0])
    return _isolve(_gmres_solve, A, b, x0, tol=tol, atol=atol, maxiter=maxiter, M=M,
                   symmetric_if_real=False, restart=restart)


_ABSENT = {
    **dict.fromkeys(("minres", "lsqr", "lsmr", "cgs", "qmr", "gcrotmk", "tfqmr"),
                    "only cg, bicgstab and gmres exist (as jax.scipy.sparse.linalg); for a "
                    "least-squares problem run cg on the normal equations"),
    **dict.fromkeys(("spsolve", "splu", "spilu", "eigsh", "eigs", "svds", "expm_multiply"),
                    "sparse matrices are not supported; pass a dense matrix or a matvec "
                    "function to cg/bicgstab/gmres, or use gpuad.numpy.linalg"),
    "LinearOperator": "pass the matvec function itself as A (x -> A @ x)",
}


__getattr__ = absent_names("gpuad.scipy.sparse.linalg", _ABSENT)
