"""``jax.scipy.linalg``'s Schur and Hessenberg family: ``schur``, ``hessenberg``, ``rsf2csf``,
``funm``, and ``eigh_tridiagonal``, ``qr_multiply``.

``schur``, ``hessenberg`` and ``funm`` run LAPACK through SciPy on the host (a CuPy array goes
there and back) and, as in JAX, have no derivative: their outputs are steps of the tape whose
rules raise an error naming the function and a differentiable alternative. ``rsf2csf`` is a
sequence of recorded Givens rotations (differentiable, as JAX's); ``eigh_tridiagonal`` and
``qr_multiply`` go through the differentiable ``eigh`` and ``qr``. Example::

    import gpuad.scipy.linalg as gsl
    t, z = gsl.schur(a)                    # a == z @ t @ z.T
    t, z = gsl.rsf2csf(t, z)               # complex upper triangular t
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _value_checks as _vc
from . import rules as _r
from .prims.core import prim
from .tensor import Tensor

_WHY = {
    "schur": "the factorisation is not unique",
    "hessenberg": "the factorisation is not unique",
    "funm": "it runs through the Schur factorisation",
    "lax.linalg.hessenberg": "the factorisation is not unique",
    "lax.linalg.tridiagonal": "the factorisation is not unique",
}
_HINTS = {
    "schur": "for a symmetric (Hermitian) matrix use gpuad.scipy.linalg.eigh, whose "
             "eigenvectors and eigenvalues are differentiable",
    "hessenberg": "a differentiable factorisation is gpuad.scipy.linalg.qr, or eigh for a "
                  "symmetric matrix",
    "funm": "use gpuad.scipy.linalg.expm or sqrtm, or for a diagonalizable matrix "
            "v @ diag(f(w)) @ inv(v) with w, v = gpuad.numpy.linalg.eig(a) (differentiable)",
    "lax.linalg.hessenberg": "a differentiable factorisation is gpuad.lax.linalg.qr, or eigh "
                             "for a symmetric matrix",
    "lax.linalg.tridiagonal": "for the eigenvalues use gpuad.lax.linalg.eigh (differentiable)",
}


def _refusal(name: str):
    from .engine import GradError

    jax_name = name if name.startswith("lax.") else f"scipy.linalg.{name}"
    return GradError(
        f"{name}: the result is not differentiable (jax.{jax_name} has no derivative "
        f"either: {_WHY[name]}); {_HINTS[name]}; or wrap the input in "
        f"gpuad.stop_gradient if no gradient should flow through it")


def _refuse_vjp(g, ans, inputs, params, need):
    raise _refusal(params["name"])


def _refuse_jvp(i, t, ans, *inputs, name):
    raise _refusal(name)


# the output ``out`` (computed on the host from ``inputs``) as a step of the tape whose
# derivative rules raise
_no_derivative = prim("linalg_no_derivative", lambda xp, out, *inputs, name: out,
                      vjp_all=_refuse_vjp, jvp_n=_refuse_jvp, cplx="own")


def _batch_no_derivative(args, dims, params):
    from .batching import rules as _br

    out, d = args[0], dims[0]
    if d is None:
        return out, None
    return _br._front(out, d), 0


def _install_batch() -> None:
    from .batching import register

    register("linalg_no_derivative", _batch_no_derivative)


def _gnp():
    from . import numpy as gnp

    return gnp


def _arr(a: Any) -> Any:
    return a if hasattr(a, "shape") and hasattr(a, "dtype") else _gnp().asarray(a)


def _square(a: Any, name: str) -> None:
    s = _r.shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected square matrices (..., n, n), got shape {s}")


def _scipy_linalg(name: str):
    try:
        import scipy.linalg as sl
    except ImportError as e:
        raise ImportError(f"{name} needs scipy (pip install scipy): it runs LAPACK's "
                          f"factorisation through scipy.linalg") from e
    return sl


def _on_host(fn: Callable[..., tuple], name: str, *arrays) -> tuple:
    """``fn`` applied matrix by matrix to host copies of ``arrays`` (stacks ``(..., n, n)``),
    the results put back on the arrays' backend."""
    from .backends import _by_array_type

    owner = _by_array_type.get(type(arrays[0]))
    host = [owner.to_host(a) if owner is not None else _np.asarray(a) for a in arrays]
    lead = host[0].shape[:-2]
    if host[0].size == 0:  # no matrix, or 0x0 ones: results of the shapes fn gives for n
        n = host[0].shape[-1]
        res = fn(*(_np.eye(1, dtype=h.dtype) for h in host))
        last = len(res) - 1  # funm's last result is its error estimate, (1, 1) a matrix
        stacked = tuple(_np.zeros(lead + ((1, 1) if name == "funm" and k == last else (n, n)),
                                  _np.asarray(r).dtype) for k, r in enumerate(res))
    else:
        flat = [h.reshape((-1,) + h.shape[-2:]) for h in host]
        outs = [fn(*(f[i] for f in flat)) for i in range(flat[0].shape[0])]
        stacked = tuple(_np.stack([o[k] for o in outs]).reshape(lead + _np.shape(outs[0][k]))
                        for k in range(len(outs[0])))
    back = (lambda x: owner.asarray(x)) if owner is not None else (lambda x: x)
    return tuple(back(s) for s in stacked)


def _host_results(name: str, fn: Callable[..., tuple], a: Any) -> tuple:
    """The host factorisation ``fn`` of the matrices in ``a``, each result a tape step that
    refuses to be differentiated (inside vmap: every example at once)."""
    batched = isinstance(a, Tensor) and a._bat is not None
    raw = a._data if isinstance(a, Tensor) else a
    outs = _vc.computed(name, lambda d: _on_host(fn, name, d), raw)
    if batched:
        outs = tuple(Tensor(o, _bat=a._bat) for o in outs)
    if isinstance(a, Tensor):
        return tuple(_no_derivative(o, a, name=name) for o in outs)
    return outs


def _complex_of(dt: Any) -> Any:
    return _np.result_type(dt, _np.complex64)


def schur(a: Any, output: str = "real") -> tuple[Any, Any]:
    """The Schur decomposition ``a = z @ t @ z^H``: ``t`` quasi upper triangular (real
    ``output``, 2x2 blocks for complex eigenvalue pairs) or upper triangular (``'complex'``),
    ``z`` unitary. Stacked matrices too. Not differentiable (as in JAX).

    Example: ``t, z = schur(a, output="complex")``
    """
    if output not in ("real", "complex", "r", "c"):
        raise ValueError(f"schur: output must be 'real' or 'complex', got {output!r}")
    a = _arr(a)
    _square(a, "schur")
    if _r.data(a).dtype.kind not in "fc":
        a = _gnp().astype(a, _np.float64)
    if output in ("complex", "c") and _r.data(a).dtype.kind != "c":
        a = _gnp().astype(a, _complex_of(_r.data(a).dtype))
    sl = _scipy_linalg("schur")
    kind = "complex" if _r.data(a).dtype.kind == "c" else "real"
    t, z = _host_results("schur", lambda m: sl.schur(m, output=kind), a)
    return t, z


def hessenberg(a: Any, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> Any:
    """The Hessenberg form ``h = q^H a q`` (zeros below the first subdiagonal), with ``q``
    when ``calc_q``. Stacked matrices too. Not differentiable (as in JAX).

    Example: ``h, q = hessenberg(a, calc_q=True)``
    """
    a = _arr(a)
    _square(a, "hessenberg")
    if _r.data(a).dtype.kind not in "fc":
        a = _gnp().astype(a, _np.float64)
    sl = _scipy_linalg("hessenberg")
    h, q = _host_results("hessenberg", lambda m: sl.hessenberg(m, calc_q=True), a)
    return (h, q) if calc_q else h


def _pick_root(blocks, roots):
    """For each 2x2 block, whether LAPACK's first eigenvalue (the one ``rsf2csf`` rotates to)
    is the closed-form root ``roots[..., 0]`` (else ``roots[..., 1]``)."""
    from .backends import _by_array_type

    owner = _by_array_type.get(type(blocks))
    hb = owner.to_host(blocks) if owner is not None else _np.asarray(blocks)
    hr = owner.to_host(roots) if owner is not None else _np.asarray(roots)
    first = _np.linalg.eigvals(hb)[..., 0] if hb.size else _np.zeros(hb.shape[:-2], hb.dtype)
    pick = _np.abs(hr[..., 0] - first) <= _np.abs(hr[..., 1] - first)
    return owner.asarray(pick) if owner is not None else pick


def _on_stacks2(name: str, fn: Callable[..., Any], x: Any, y: Any) -> Any:
    """``fn`` of the raw stacks of ``x`` and ``y`` (one step under gpuad.jit); inside vmap on
    their data, whose batch axes lead, the result keeping their vmap levels."""
    bx = isinstance(x, Tensor) and x._bat is not None
    by = isinstance(y, Tensor) and y._bat is not None
    if bx or by:
        if not (bx and by and x._bat == y._bat):
            raise NotImplementedError(f"{name}: inside gpuad.vmap both arrays must be batched "
                                      f"alike")
        return Tensor(_vc.computed(name, fn, x._data, y._data), _bat=x._bat)
    return _vc.computed(name, fn, _r.data(x), _r.data(y))


def rsf2csf(T: Any, Z: Any, check_finite: bool = True) -> tuple[Any, Any]:
    """Convert a real Schur form ``(T, Z)`` to the complex one: ``T`` upper triangular,
    ``Z`` unitary, ``Z @ T @ Z^H`` unchanged. Differentiable (Givens rotations of recorded
    ops); stacked matrices too.

    Example: ``t, z = rsf2csf(*schur(a))``
    """
    gnp = _gnp()
    T, Z = _arr(T), _arr(Z)
    _square(T, "rsf2csf (T)")
    _square(Z, "rsf2csf (Z)")
    if _r.shape(T)[-1] != _r.shape(Z)[-1]:
        raise ValueError(f"rsf2csf: input array shapes must match: Z: {_r.shape(Z)} vs. T: "
                         f"{_r.shape(T)}")
    dt = _complex_of(_np.result_type(_r.data(T).dtype, _r.data(Z).dtype, _np.float32))
    T, Z = gnp.astype(T, dt), gnp.astype(Z, dt)
    lead = _np.broadcast_shapes(_r.shape(T)[:-2], _r.shape(Z)[:-2])
    n = _r.shape(T)[-1]
    T = gnp.broadcast_to(T, lead + (n, n))
    Z = gnp.broadcast_to(Z, lead + (n, n))
    if n <= 1:
        return T, Z
    eps = float(_np.finfo(dt).eps)
    rows = _np.arange(n)
    for m in range(n - 1, 0, -1):
        sub = T[..., m, m - 1]
        a, b = T[..., m - 1, m - 1], T[..., m - 1, m]
        c, d = sub, T[..., m, m]
        take = gnp.abs(sub) > eps * (gnp.abs(a) + gnp.abs(d))
        half = (a - d) / 2
        disc = gnp.sqrt(half * half + b * c)
        roots = gnp.stack([(a + d) / 2 + disc, (a + d) / 2 - disc], axis=-1)
        block = T[..., m - 1:m + 1, m - 1:m + 1]
        pick = _on_stacks2("rsf2csf_root", _pick_root, block, roots)
        mu = gnp.where(pick, roots[..., 0], roots[..., 1]) - d
        r = gnp.sqrt(gnp.real(mu * gnp.conj(mu)) + gnp.real(sub * gnp.conj(sub)))
        r = gnp.where(take, r, 1.0)
        cs, sn = mu / r, sub / r
        g = gnp.stack([gnp.stack([gnp.conj(cs), sn], -1), gnp.stack([-sn, cs], -1)], -2)
        gh = gnp.conj(gnp.swapaxes(g, -1, -2))
        t_rows = T[..., m - 1:m + 1, :]
        t_rows = gnp.where(rows >= m - 1, g @ t_rows, t_rows)
        T1 = gnp.concatenate([T[..., :m - 1, :], t_rows, T[..., m + 1:, :]], axis=-2)
        t_cols = T1[..., :, m - 1:m + 1]
        t_cols = gnp.where((rows < m + 1)[:, None], t_cols @ gh, t_cols)
        T1 = gnp.concatenate([T1[..., :, :m - 1], t_cols, T1[..., :, m + 1:]], axis=-1)
        z_cols = Z[..., :, m - 1:m + 1] @ gh
        Z1 = gnp.concatenate([Z[..., :, :m - 1], z_cols, Z[..., :, m + 1:]], axis=-1)
        keep = take[..., None, None]
        T = gnp.where(keep, T1, T)
        Z = gnp.where(keep, Z1, Z)
        T = gnp.where((rows[:, None] == m) & (rows[None, :] == m - 1), 0.0, T)
    return T, Z


def _parlett(f: _np.ndarray, t: _np.ndarray) -> _np.ndarray:
    """Parlett's recurrence (Golub and Van Loan, algorithm 11.1.1): ``f(t)`` for an upper
    triangular ``t`` from the diagonal ``f``."""
    n = t.shape[0]
    f = f.copy()
    for p in range(1, n):
        for i in range(n - p):
            j = i + p
            s = t[i, j] * (f[j, j] - f[i, i])
            ks = slice(i + 1, j)
            s = s + t[i, ks] @ f[ks, j] - f[i, ks] @ t[ks, j]
            den = t[j, j] - t[i, i]
            f[i, j] = s / den if den != 0 else s
    return f


def _funm_one(a: _np.ndarray, func: Callable[[Any], Any]) -> tuple[_np.ndarray, float]:
    """``(func(a), error estimate)`` for one host matrix, as ``jax.scipy.linalg.funm``."""
    sl = _scipy_linalg("funm")
    t, z = sl.rsf2csf(*sl.schur(a))
    fd = func(t.diagonal())
    fd = _r.data(fd) if isinstance(fd, Tensor) else fd
    fd = _np.asarray(fd.get() if hasattr(fd, "get") else fd, dtype=t.dtype)
    out = z @ _parlett(_np.diag(fd), t) @ z.conj().T
    tol = float(_np.finfo(t.real.dtype).eps)
    diag = t.diagonal()
    gaps = _np.abs(diag[None, :] - diag[:, None])[_np.triu_indices(len(diag), 1)]
    minden = float(min([abs(t[0, 0]), *gaps])) if len(diag) else tol
    minden = tol if minden == 0 else minden
    if not _np.isfinite(out).all():
        return out, _np.inf
    return out, min(1.0, max(tol, (tol / minden) * _np.abs(_np.triu(t, 1)).sum(0).max()))


def funm(A: Any, func: Callable[[Any], Any], disp: bool = True) -> Any:
    """``func`` of the matrix ``A`` through its complex Schur form and Parlett's recurrence
    (``func`` is applied to the eigenvalues, a 1-D host array), complex, as
    ``jax.scipy.linalg.funm``. Not differentiable (as in JAX). ``disp=False`` also returns
    the error estimate.

    Example: ``funm(a, numpy.exp)``
    """
    A = _arr(A)
    if _r.ndim(A) != 2 or _r.shape(A)[0] != _r.shape(A)[1]:
        raise ValueError(f"funm: expected a square matrix, got shape {_r.shape(A)}")
    if _r.data(A).dtype.kind not in "fc":
        A = _gnp().astype(A, _np.float64)

    def one(m):
        f, err = _funm_one(m, func)
        return f, _np.asarray([[err]])

    f, err = _host_results("funm", one, A)
    if disp:
        return f
    err = err[..., 0, 0]
    if not isinstance(err, Tensor):
        err = float(err) if _np.ndim(err) == 0 and not _vc.tracing() else err
    return f, err


def eigh_tridiagonal(d: Any, e: Any, *, eigvals_only: bool = False, select: str = "a",
                     select_range: Any = None, tol: Any = None, key: Any = None) -> Any:
    """Eigenvalues (ascending) and, unless ``eigvals_only``, eigenvectors of the symmetric
    tridiagonal matrix with diagonal ``d`` and off-diagonal ``e``, as
    ``scipy.linalg.eigh_tridiagonal``; ``select='i'`` keeps the indices
    ``select_range[0] .. select_range[1]``. Complex ``e`` (as JAX, where SciPy refuses it):
    the Hermitian matrix with ``e`` above the diagonal and ``conj(e)`` below; the imaginary
    part of a complex ``d`` is not read. Differentiable (through ``eigh``, distinct
    eigenvalues), where JAX's is not.

    Example: ``w = eigh_tridiagonal(d, e, eigvals_only=True)``
    """
    gnp = _gnp()
    d, e = _arr(d), _arr(e)
    if _r.ndim(d) != 1 or _r.ndim(e) != 1 or _r.shape(e)[0] != max(_r.shape(d)[0] - 1, 0):
        raise ValueError(f"eigh_tridiagonal: d must be 1-D of length n and e 1-D of length "
                         f"n - 1; got shapes {_r.shape(d)} and {_r.shape(e)}")
    if select not in ("a", "i", "all", "index"):
        raise NotImplementedError(f"eigh_tridiagonal: select={select!r} is not supported (as "
                                  f"in JAX): use 'a' or 'i'")
    dt = _np.result_type(_r.data(d).dtype, _r.data(e).dtype, _np.float32)
    if _r.data(d).dtype.kind == "c":  # a Hermitian matrix's diagonal is real (JAX, LAPACK)
        d = gnp.real(d)
    d, e = gnp.astype(d, dt), gnp.astype(e, dt)
    a = gnp.diag(d)
    if _r.shape(e)[0]:  # complex e: the Hermitian matrix with e above the diagonal
        a = a + gnp.diag(e, 1) + gnp.diag(gnp.conj(e) if dt.kind == "c" else e, -1)
    w, v = gnp.linalg.eigh(a)
    if select in ("i", "index"):
        if select_range is None:
            raise ValueError("eigh_tridiagonal: select='i' needs select_range=(lo, hi)")
        lo, hi = (int(x) for x in select_range)
        w, v = w[lo:hi + 1], v[:, lo:hi + 1]
    return w if eigvals_only else (w, v)


def qr_multiply(a: Any, c: Any, mode: str = "right", pivoting: bool = False,
                conjugate: bool = False, overwrite_a: bool = False,
                overwrite_c: bool = False) -> tuple[Any, Any]:
    """``(Q @ c, R)`` (``mode='left'``) or ``(c @ Q, R)`` (``'right'``) for the economic QR
    decomposition of ``a`` (``conjugate``: ``conj(Q)``); a 1-D ``c`` is a column (left) or a
    row (right). Differentiable through ``qr``, where JAX's is not.

    Example: ``qtb, r = qr_multiply(a, b, mode="right")``
    """
    gnp = _gnp()
    if mode not in ("right", "left"):
        raise ValueError(f"qr_multiply: mode must be 'right' or 'left', got {mode!r}")
    if pivoting:
        raise NotImplementedError("qr_multiply: pivoting=True is not supported; permute the "
                                  "columns of a yourself")
    a, c = _arr(a), _arr(c)
    if _r.ndim(a) < 2:
        raise ValueError(f"qr_multiply: a must be a matrix (..., M, N), got shape "
                         f"{_r.shape(a)}")
    dt = _np.result_type(_r.data(a).dtype, _r.data(c).dtype, _np.float32)
    a, c = gnp.astype(a, dt), gnp.astype(c, dt)
    onedim = _r.ndim(c) == 1
    if onedim:
        c = c[:, None] if mode == "left" else c[None, :]
    m, n = _r.shape(a)[-2:]
    k = min(m, n)
    if mode == "left" and _r.shape(c)[-2] != k:
        raise ValueError(f"qr_multiply: a has shape {_r.shape(a)} so Q has {k} columns, but "
                         f"c has {_r.shape(c)[-2]} rows (expected {k}) for Q @ c")
    if mode == "right" and _r.shape(c)[-1] != m:
        raise ValueError(f"qr_multiply: a has shape {_r.shape(a)} so Q has {m} rows, but c "
                         f"has {_r.shape(c)[-1]} columns (expected {m}) for c @ Q")
    q, r = gnp.linalg.qr(a, mode="reduced")
    if conjugate:
        q = gnp.conj(q)
    out = q @ c if mode == "left" else c @ q
    if onedim:
        out = gnp.reshape(out, (-1,))
    return out, r


try:
    _install_batch()
except ImportError:  # pragma: no cover - gpuad.batching imports this module's users first
    pass

__all__ = ["eigh_tridiagonal", "funm", "hessenberg", "qr_multiply", "rsf2csf", "schur"]
