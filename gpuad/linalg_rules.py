"""Primitives of linear algebra beyond the basic ones in :mod:`gpuad.rules`.

Decompositions (eigh, eig, svd, qr), pinv, triangular solves, Sylvester equations, matrix
square root and exponential, and the adjugate (the gradient of ``det``, finite at singular
matrices). Every vjp and jvp is written with differentiable primitives, so derivatives of any
order follow. A decomposition with several results returns them packed into one array (each
flattened and concatenated along the last axis); the public functions in
:mod:`gpuad.numpy.linalg` and :mod:`gpuad.scipy.linalg` unpack it with differentiable slicing.

At degenerate spectra (repeated eigenvalues or singular values) only symmetric functions of the
repeated values are differentiable, and nothing that reaches their vectors: reverse mode checks
the cotangent and raises :class:`DegenerateError` otherwise; forward mode and higher orders,
which cannot check, raise at any repeated value. docs/semantics.md ("Linear algebra at
degenerate inputs") states the rules.
"""

from __future__ import annotations

import numpy as _np

from . import _value_checks as _vc
from . import rules as _r
from .engine import GradError
from .rules import data, getitem, matmul, ndim, prim, reshape, shape, where
from .tensor import Tensor

_ALL = slice(None)
_bmin, _bmax = min, max


class DegenerateError(GradError):
    """A derivative of a decomposition that does not exist at this (degenerate) input."""


# ---- helpers on raw arrays or Tensors ---------------------------------------------------------

def _T(x):
    return _r.swapaxes(x, -1, -2)


def _is_c(x) -> bool:
    return data(x).dtype.kind == "c"


def _H(x):
    """The conjugate transpose (the transpose of real values)."""
    if _is_c(x):
        from .complex_rules import conj

        return _T(conj(x))
    return _T(x)


def _re(x):
    """The real part of complex values (real values unchanged)."""
    if _is_c(x):
        from .complex_rules import real

        return real(x)
    return x


def _eye(n, like):
    d = data(like)
    dt = d.dtype if d.dtype.kind in "fc" else _np.dtype(_np.float64)
    return _r._xp(d).eye(n, dtype=dt)


def _row(v):
    """(..., k) -> (..., 1, k)."""
    return getitem(v, (Ellipsis, None, _ALL))


def _col(v):
    """(..., k) -> (..., k, 1)."""
    return getitem(v, (Ellipsis, _ALL, None))


def _diag_embed(v):
    return _row(v) * _eye(shape(v)[-1], v)


def _diag_part(m):
    return _r.sum(m * _eye(shape(m)[-1], m), ndim(m) - 1)


def _tri_mask(n, like, lower, k=0):
    xp = _r._xp(like)
    ones = xp.ones((n, n), dtype=data(like).dtype)
    return xp.tril(ones, k) if lower else xp.triu(ones, -k)


def _pack_raw(xp, lead, parts):
    """Forward packing: each result flattened past the batch shape ``lead``, then joined."""
    nb = len(lead)
    return xp.concatenate([p.reshape(lead + (int(_np.prod(p.shape[nb:])),)) for p in parts],
                          axis=-1)


def _pack(lead, parts):
    """Differentiable packing (for tangents), the inverse of :func:`_unpack`."""
    nb = len(lead)
    return _r.concatenate([reshape(p, lead + (int(_np.prod(shape(p)[nb:])),)) for p in parts],
                          axis=nb)


def _unpack(packed, shapes):
    """Split a packed array into results of the given core shapes (each after the batch)."""
    lead = shape(packed)[:-1]
    out = []
    start = 0
    for s in shapes:
        n = 1
        for d in s:
            n *= d
        piece = getitem(packed, (Ellipsis, slice(start, start + n)))
        out.append(reshape(piece, lead + tuple(s)))
        start += n
    return out



def _any(mask) -> bool:
    """Whether ``mask`` holds anywhere; inside vmap, in any example (checks written with it
    raise for the batch when one example would raise alone)."""
    d = mask._data if isinstance(mask, Tensor) else mask
    hit = bool(d.any() if hasattr(d, "any") else d)  # (checked below under jit)
    _vc.keep_branch("a derivative's test of its input", hit, _xp_any, d)  # under jit: checked
    return hit


def _xp_any(xp, d):
    return xp.any(d)


def _all_zero(g) -> bool:
    return not _any(data(g) != 0)


def _singular_values(d):
    """The singular values of the constant ``d`` (a raw array, or a batched Tensor inside
    vmap), descending."""
    if not isinstance(d, Tensor):
        return _r._xp(d).linalg.svd(d, compute_uv=False)
    m, n = shape(d)[-2:]
    s = _unpack(svd_(d, full=False, mn=(m, n)), _svd_shapes((m, n), False))[0]
    return _re(s)


def _gaps(w):
    """F_ij = 1/(w_j - w_i) off the diagonal, 0 on it and where w_i, w_j coincide (to
    rounding); also returns the boolean mask of coinciding off-diagonal pairs."""
    wd = data(w)
    xp = _r._xp(wd)
    n = shape(wd)[-1]
    eps = _np.finfo(wd.dtype).eps if wd.dtype.kind in "fc" else _np.finfo(float).eps
    scale = _r.max(_r.abs(wd), -1, keepdims=True) if n else wd
    tol = (10 * _bmax(n, 1) * eps) * _col(scale)
    diff_d = _row(wd) - _col(wd)
    eye = xp.eye(n, dtype=bool)
    same = (_r.abs(diff_d) <= tol) | eye
    diff = _row(w) - _col(w)
    f = where(same, 0, 1 / where(same, 1, diff))
    return f, same & ~eye



_VEC_HINT = ("the eigenvectors (singular vectors) of a repeated eigenvalue (singular value) have "
             "no derivative, and even a basis-independent function of them, such as the "
             "projector onto their space, cannot be differentiated from their cotangent; "
             "express such a projector through the other vectors (I - V_rest V_rest^T), or "
             "perturb the input")
_VAL_HINT = ("only symmetric functions of a repeated eigenvalue's copies (their sum, sum of "
             "squares, ...) are differentiable there")


def _require_zero(name, what, values, mask, scale, hint=_VEC_HINT):
    """Raise DegenerateError when ``values`` is not (to rounding) zero where ``mask`` holds."""
    v = data(values)
    if not _any(mask):
        return
    # the largest offending value against the scale, per example inside vmap
    bad = _r.max(_r.abs(v) * mask)
    sd = data(scale)
    s = _r.max(_r.abs(sd)) if sd.size else 0.0
    eps = _np.finfo(v.dtype).eps
    if _any(bad > 1e3 * eps ** 0.5 * s + 1e-300):
        raise DegenerateError(
            f"{name}: {what}; the derivative does not exist at this input: {hint}")


_PHASE_HINT = ("each complex eigenvector (singular vector pair) is defined up to a factor "
               "e^{i phi} only; use a loss that does not change with it (|v|, v v^H, u v^H, or "
               "vectors scaled so that a chosen component is real), as torch requires")


def _require_phase_free(name, what, d, *scales):
    """``d``: Im(v_i^H gv_i) per vector (as the imaginary part of a complex array), the rate at
    which the loss changes with the i-th phase; it must vanish (against the largest cotangent
    in ``scales``: rounding leaves traces of the size of the others), else the loss depends on
    a choice LAPACK made and the derivative does not exist."""
    im = d - _re(d)
    xp = _r._xp(data(im))
    mask = xp.ones(shape(im), dtype=bool)
    # the largest of the scales' maxima, by where (inside vmap each is a batched Tensor,
    # which CuPy's own stack does not take)
    scale = xp.zeros(())
    for x in scales:
        if data(x).size:
            m = _r.max(_r.abs(data(x)))
            scale = where(m > scale, m, scale)
    _require_zero(name, f"the loss depends on the phases of the {what}", im, mask, scale,
                  _PHASE_HINT)


def _recorded(*xs) -> bool:
    """Whether a formula's result will itself be differentiated (a higher-order derivative):
    values on the tape while recording is on (a first-order step runs its formulas on Tensors
    without recording inside vmap), or values with tangents."""
    from . import _state

    on = _state.local.grad_enabled
    return any(isinstance(x, Tensor) and ((on and x.requires_grad) or bool(x._tan)) for x in xs)


def _no_forward_at_degenerate(name, deg, what="eigenvalue"):
    if _any(deg):
        raise DegenerateError(
            f"{name}: forward-mode derivatives at a repeated {what} are not implemented (forward "
            f"mode cannot tell whether the result is used only through symmetric functions of "
            f"the repeated {what}s, the only ones differentiable there); use reverse mode "
            f"(grad, vjp) for those, or perturb the input")


def _degenerate_guard(name, deg, higher, gvals=None, what="eigenvalue"):
    """At a repeated eigenvalue (``deg``: coinciding pairs) first derivatives exist for symmetric
    functions of the copies only; higher derivatives are not implemented."""
    if not _any(deg):
        return
    if higher:
        raise DegenerateError(
            f"{name}: second and higher derivatives at a repeated {what} are not implemented "
            f"(first derivatives of functions that do not depend on the basis of the repeated "
            f"{what}'s space are); perturb the input")
    if gvals is not None:
        _require_zero(name, f"the loss depends on individual copies of a repeated {what}",
                      _row(gvals) - _col(gvals), deg, gvals, _VAL_HINT)


# ---- eigh -------------------------------------------------------------------------------------

def _sym_from(t, uplo):
    """The symmetric (Hermitian) matrix whose lower (``uplo='L'``) or upper triangle is that of
    ``t``; of a complex diagonal only the real part is read, as LAPACK does."""
    n = shape(t)[-1]
    lower = uplo == "L"
    strict = t * _tri_mask(n, t, lower, -1)
    return _re(t) * _eye(n, t) + strict + _H(strict)


def _to_triangle(gs, uplo):
    """Adjoint of :func:`_sym_from`: the real diagonal once, the read triangle gets
    gs + gs^H."""
    n = shape(gs)[-1]
    return _re(gs) * _eye(n, gs) + (gs + _H(gs)) * _tri_mask(n, gs, uplo == "L", -1)


def _eigh_fwd(xp, a, uplo, n):
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return _pack_raw(xp, a.shape[:-2], [w, v])


def _eigh_vjp(g, ans, a, uplo, n):
    # complex Hermitian input: the (real) eigenvalues are packed with the vectors as complex
    w, v = _unpack(ans, [(n,), (n, n)])
    gw, gv = _unpack(g, [(n,), (n, n)])
    w, gw = _re(w), _re(gw)
    f, deg = _gaps(w)
    _degenerate_guard("eigh", deg, _recorded(g, ans), gw)
    inner = _diag_embed(gw)
    if not _all_zero(gv):
        vtgv = matmul(_H(v), gv)
        if _is_c(vtgv):
            _require_phase_free("eigh", "eigenvectors", _diag_part(vtgv), vtgv, gw)
        _require_zero("eigh", "the loss depends on the eigenvectors of a repeated eigenvalue",
                      vtgv, deg, vtgv)
        inner = inner + f * vtgv
    gs = matmul(v, matmul(inner, _H(v)))
    return _to_triangle(gs, uplo)


def _eigh_jvp(t, ans, a, uplo, n):
    w, v = _unpack(ans, [(n,), (n, n)])
    f, deg = _gaps(_re(w))
    _no_forward_at_degenerate("eigh", deg)
    c = matmul(_H(v), matmul(_sym_from(t, uplo), v))
    return _pack(shape(a)[:-2], [_re(_diag_part(c)), matmul(v, f * c)])


# complex Hermitian matrices: the rules above, with conjugate transposes ("own" formulas)
eigh_ = prim("eigh", _eigh_fwd, vjp=[_eigh_vjp], jvp=[_eigh_jvp], cplx="own")


# ---- eig -----------------------------------------------------------------------------------------

def _eig_fwd(xp, a, n):
    if not hasattr(xp.linalg, "eig"):
        raise NotImplementedError(
            "eig: this backend's linalg has no general eigendecomposition (CuPy offers eigh "
            "and eigvalsh for symmetric matrices only); use eigh for symmetric input or run "
            "eig under the numpy backend")
    w, v = xp.linalg.eig(a)
    return _pack_raw(xp, a.shape[:-2], [w, v])


def _eig_degenerate(deg):
    if _any(deg):
        raise DegenerateError(
            "eig: the matrix has a repeated eigenvalue; eig is not differentiated there (a "
            "non-symmetric matrix may be defective); use eigh for symmetric matrices, or "
            "perturb the input")


def _conj(x):
    if _is_c(x):
        from .complex_rules import conj

        return conj(x)
    return x


def _eig_vjp(g, ans, a, n):
    # complex spectra (of real or complex matrices) too: conjugate transposes, and since each
    # eigenvector's phase is arbitrary only the real part of v_i^H gv_i is removed
    w, v = _unpack(ans, [(n,), (n, n)])
    gw, gv = _unpack(g, [(n,), (n, n)])
    inner = _diag_embed(gw)
    f, deg = _gaps(w)
    _eig_degenerate(deg)
    if not _all_zero(gv):
        # unit-norm eigenvectors: remove the component along each v_i first
        vtgv = _diag_part(matmul(_H(v), gv))
        if _is_c(vtgv):
            _require_phase_free("eig", "eigenvectors", vtgv, gv, gw)
        gv = gv - v * _row(_re(vtgv))
        inner = inner + _conj(f) * matmul(_H(v), gv)
    # gA = V^{-H} inner V^H
    return _r.solve(_H(v), matmul(inner, _H(v)))


def _eig_jvp(t, ans, a, n):
    w, v = _unpack(ans, [(n,), (n, n)])
    f, deg = _gaps(w)
    _eig_degenerate(deg)
    c = _r.solve(v, matmul(t, v))
    dv = matmul(v, f * c)
    dv = dv - v * _row(_re(_diag_part(matmul(_H(v), dv))))
    return _pack(shape(a)[:-2], [_diag_part(c), dv])


# complex spectra and complex matrices: the formulas above hold as written ("own")
eig_ = prim("eig", _eig_fwd, vjp=[_eig_vjp], jvp=[_eig_jvp], cplx="own")


# ---- svd --------------------------------------------------------------------------------------

def _svd_fwd(xp, a, full, mn):
    u, s, vh = xp.linalg.svd(a, full_matrices=full)
    return _pack_raw(xp, a.shape[:-2], [s, u, vh])


def _svd_shapes(mn, full):
    m, n = mn
    k = _bmin(m, n)
    return [(k,), (m, m if full else k), (n if full else k, n)]


def _split_full(u, vh, m, n, k):
    u1 = getitem(u, (Ellipsis, _ALL, slice(0, k)))
    u2 = getitem(u, (Ellipsis, _ALL, slice(k, m)))
    v = _H(vh)
    v1 = getitem(v, (Ellipsis, _ALL, slice(0, k)))
    v2 = getitem(v, (Ellipsis, _ALL, slice(k, n)))
    return u1, u2, v1, v2


def _complement_adjoint(name, q1, q2, gq2):
    """Adjoint reaching Q1 from the columns Q2 completing it to an orthogonal matrix. Q2 is
    defined up to Q2 -> Q2 O; the loss must not depend on that choice (Q2^T gQ2 symmetric)."""
    if _all_zero(gq2):
        return None
    m = matmul(_H(q2), gq2)
    k = shape(m)[-1]
    _require_zero(name, "the loss depends on the choice of basis of the orthogonal complement "
                  "(the extra columns of full_matrices/complete mode)", m - _H(m),
                  _r._xp(data(m)).ones((k, k), dtype=bool), m)
    return -matmul(q2, matmul(_H(gq2), q1))


def _zero_singular(s, m, n, higher):
    """Singular values that are zero to rounding (they matter when m != n)."""
    sd = data(s)
    k = _bmin(m, n)
    eps = _np.finfo(sd.dtype).eps
    smax = _r.max(sd, -1, keepdims=True) if k else sd
    zero_s = sd <= 10 * _bmax(m, n) * eps * smax
    if higher and _any(zero_s):
        raise DegenerateError(
            "svd: forward-mode and higher derivatives of the singular vectors of a non-square "
            "matrix with a zero singular value are not implemented; perturb the input")
    return zero_s


def _svd_core_vjp(mn, s, u, v, gs, gu, gv, higher):
    """Adjoint of the reduced SVD a = u diag(s) v^T (u: m x k, v: n x k)."""
    m, n = mn
    k = _bmin(m, n)
    f, deg = _gaps(s * s)
    _degenerate_guard("svd", deg, higher, gs, "singular value")
    inner = _diag_embed(gs)
    zero_s = None
    need_vec = gu is not None or gv is not None
    if need_vec:
        gu = gu if gu is not None else _r._xp(data(u)).zeros(shape(u), dtype=data(u).dtype)
        gv = gv if gv is not None else _r._xp(data(v)).zeros(shape(v), dtype=data(v).dtype)
        utgu = matmul(_H(u), gu)
        vtgv = matmul(_H(v), gv)
        au = utgu - _H(utgu)
        av = vtgv - _H(vtgv)
        j = au * _row(s) + _col(s) * av
        for blk in (utgu, vtgv):
            _require_zero("svd", "the loss depends on the singular vectors of a repeated "
                          "singular value", blk, deg, blk)
        inner = inner + f * j
        if _is_c(u):
            _require_phase_free("svd", "singular vectors (u_i and v_i share one)",
                                _diag_part(utgu) + _diag_part(vtgv), utgu, vtgv, gs)
            # the imaginary diagonals of U^H gU and V^H gV (the phases of the vectors), shared
            # by both sides; a phase-invariant loss makes the two opposite
            zs = data(s) == 0
            inner = inner + _diag_embed((_diag_part(au) - _diag_part(av))
                                        * where(zs, 0, 0.25 / where(zs, 1, s)))
    ga = matmul(u, matmul(inner, _H(v)))
    if need_vec and m != n:
        xp = _r._xp(data(s))
        zero_s = _zero_singular(s, m, n, higher)
        sinv = where(zero_s, 0, 1 / where(zero_s, 1, s))
        if m > k:
            proj = gu - matmul(u, utgu)
            _require_zero("svd", "the loss depends on a left singular vector of a zero singular "
                          "value", proj, _row(zero_s) & xp.ones(shape(proj), dtype=bool), gu)
            ga = ga + matmul(proj * _row(sinv), _H(v))
        else:
            proj = gv - matmul(v, vtgv)
            _require_zero("svd", "the loss depends on a right singular vector of a zero "
                          "singular value", proj, _row(zero_s) & xp.ones(shape(proj), dtype=bool),
                          gv)
            ga = ga + matmul(u * _row(sinv), _H(proj))
    return ga


def _svd_vjp(g, ans, a, full, mn):
    m, n = mn
    k = _bmin(m, n)
    s, u, vh = _unpack(ans, _svd_shapes(mn, full))
    gs, gu, gvh = _unpack(g, _svd_shapes(mn, full))
    s, gs = _re(s), _re(gs)  # complex input: the (real) singular values are packed as complex
    gv = _H(gvh)
    if full:
        u1, u2, v1, v2 = _split_full(u, vh, m, n, k)
        gu1 = getitem(gu, (Ellipsis, _ALL, slice(0, k)))
        gu2 = getitem(gu, (Ellipsis, _ALL, slice(k, m)))
        gv1 = getitem(gv, (Ellipsis, _ALL, slice(0, k)))
        gv2 = getitem(gv, (Ellipsis, _ALL, slice(k, n)))
        extra_u = _complement_adjoint("svd", u1, u2, gu2) if m > k else None
        extra_v = _complement_adjoint("svd", v1, v2, gv2) if n > k else None
        if extra_u is not None:
            gu1 = gu1 + extra_u
        if extra_v is not None:
            gv1 = gv1 + extra_v
        u, v, gu, gv = u1, v1, gu1, gv1
    else:
        v = _H(vh)
    vec = not (_all_zero(gu) and _all_zero(gv))
    return _svd_core_vjp(mn, s, u, v, gs, gu if vec else None, gv if vec else None,
                         _recorded(g, ans))


def _svd_jvp(t, ans, a, full, mn):
    m, n = mn
    k = _bmin(m, n)
    s, u, vh = _unpack(ans, _svd_shapes(mn, full))
    s = _re(s)
    if full:
        u1, u2, v1, v2 = _split_full(u, vh, m, n, k)
        u, v = u1, v1
    else:
        v = _H(vh)
    f, deg = _gaps(s * s)
    _no_forward_at_degenerate("svd", deg, "singular value")
    c = matmul(_H(u), matmul(t, v))
    ds = _re(_diag_part(c))
    cs = c * _row(s)
    sc = _col(s) * c
    omega_u = f * (cs + _H(cs))
    omega_v = f * (sc + _H(sc))
    if _is_c(c):  # the phase of each pair (u_i, v_i), split evenly between the two sides
        zs = data(s) == 0
        ph = _diag_embed((_diag_part(c) - ds) * where(zs, 0, 0.5 / where(zs, 1, s)))
        omega_u = omega_u + ph
        omega_v = omega_v - ph
    du = matmul(u, omega_u)
    dv = matmul(v, omega_v)
    if m != n:
        zero_s = _zero_singular(s, m, n, True)
        sinv = _row(where(zero_s, 0, 1 / where(zero_s, 1, s)))
        if m > k:
            tv = matmul(t, v)
            du = du + (tv - matmul(u, matmul(_H(u), tv))) * sinv
        else:
            tu = matmul(_H(t), u)
            dv = dv + (tu - matmul(v, matmul(_H(v), tu))) * sinv
    if full:
        if m > k:
            du = _r.concatenate([du, -matmul(u, matmul(_H(du), u2))], -1)
        if n > k:
            dv = _r.concatenate([dv, -matmul(v, matmul(_H(dv), v2))], -1)
    return _pack(shape(a)[:-2], [ds, du, _H(dv)])


# complex matrices: the rules above, with conjugate transposes and the phases ("own" formulas)
svd_ = prim("svd", _svd_fwd, vjp=[_svd_vjp], jvp=[_svd_jvp], cplx="own")


# ---- qr (m >= n; the public function reduces m < n to this case) -------------------------------

def _per_matrix(xp, fn, a):
    """``fn`` on each matrix of a stack (for device functions that take 2-D input only)."""
    if a.ndim == 2 or xp is _np:
        return fn(a)
    flat = a.reshape((int(_np.prod(a.shape[:-2])),) + a.shape[-2:])  # -1: ambiguous if empty
    outs = [fn(m) for m in flat]
    if not outs:
        outs = [fn(xp.zeros(a.shape[-2:], dtype=a.dtype))]
        return tuple(xp.zeros(a.shape[:-2] + o.shape, dtype=o.dtype) for o in outs[0])
    return tuple(xp.stack([o[k] for o in outs]).reshape(a.shape[:-2] + outs[0][k].shape)
                 for k in range(len(outs[0])))


def _qr_fwd(xp, a, complete, mn):
    mode = "complete" if complete else "reduced"
    q, r = _per_matrix(xp, lambda m: xp.linalg.qr(m, mode=mode), a)
    return _pack_raw(xp, a.shape[:-2], [q, r])


def _qr_shapes(mn, complete):
    m, n = mn
    return [(m, m if complete else n), (m if complete else n, n)]


def _check_full_rank(name, r):
    d = _r.abs(_diag_part(data(r)))
    n = shape(d)[-1]
    if d.size == 0:
        return
    tol = _bmax(n, 1) * _np.finfo(d.dtype).eps * _r.max(d, -1, keepdims=True)
    if n and _any(d <= tol):
        raise DegenerateError(
            f"{name}: R has a zero on its diagonal (the matrix is rank deficient); QR is not "
            f"differentiable there")


def _solve_r_right(b, r):
    """b R^{-1} for upper-triangular R."""
    return _T(solve_tri_(r, _T(b), lower=False, trans=1, unit=False))


def _qr_vjp(g, ans, a, complete, mn):
    m, n = mn
    q, r = _unpack(ans, _qr_shapes(mn, complete))
    gq, gr = _unpack(g, _qr_shapes(mn, complete))
    if complete and m > n:
        q1 = getitem(q, (Ellipsis, _ALL, slice(0, n)))
        q2 = getitem(q, (Ellipsis, _ALL, slice(n, m)))
        gq1 = getitem(gq, (Ellipsis, _ALL, slice(0, n)))
        gq2 = getitem(gq, (Ellipsis, _ALL, slice(n, m)))
        extra = _complement_adjoint("qr", q1, q2, gq2)
        if extra is not None:
            gq1 = gq1 + extra
        q, gq = q1, gq1
        r = getitem(r, (Ellipsis, slice(0, n), _ALL))
        gr = getitem(gr, (Ellipsis, slice(0, n), _ALL))
    _check_full_rank("qr", r)
    # complex input: LAPACK's R has a real diagonal, so Q^H dQ has an imaginary diagonal and
    # only the real part of the diagonal of R gR^H - gQ^H Q reaches A
    mm = matmul(r, _H(gr)) - matmul(_H(gq), q)
    low = mm * _tri_mask(n, mm, True, -1)
    sym = low + _H(low) + _re(mm) * _eye(n, mm)
    return _H(solve_tri_(r, _H(gq + matmul(q, sym)), lower=False, trans=0, unit=False))


def _qr_jvp(t, ans, a, complete, mn):
    m, n = mn
    q, r = _unpack(ans, _qr_shapes(mn, complete))
    q2 = None
    if complete and m > n:
        q2 = getitem(q, (Ellipsis, _ALL, slice(n, m)))
        q = getitem(q, (Ellipsis, _ALL, slice(0, n)))
        r = getitem(r, (Ellipsis, slice(0, n), _ALL))
    _check_full_rank("qr", r)
    dx_rinv = _solve_r_right(t, r)
    c = matmul(_H(q), dx_rinv)
    low = c * _tri_mask(n, c, True, -1)
    om = low - _H(low)
    if _is_c(c):  # Q^H dQ is skew-Hermitian: the imaginary part of c's diagonal (R's is real)
        om = om + (c - _re(c)) * _eye(n, c)
    dq = matmul(q, om - c) + dx_rinv
    dr = matmul(c - om, r)
    if q2 is not None:
        dq = _r.concatenate([dq, -matmul(q, matmul(_H(dq), q2))], -1)
        zeros = _r._xp(data(dr)).zeros(shape(dr)[:-2] + (m - n, n), dtype=data(dr).dtype)
        dr = _r.concatenate([dr, zeros], -2)
    return _pack(shape(a)[:-2], [dq, dr])


# complex matrices: the rules above, with conjugate transposes ("own" formulas)
qr_ = prim("qr", _qr_fwd, vjp=[_qr_vjp], jvp=[_qr_jvp], cplx="own")


# ---- pinv -------------------------------------------------------------------------------------

def _pinv_fwd(xp, a, rcond):
    if xp is _np:
        return _np.linalg.pinv(a, rcond)
    # NumPy's algorithm, batched, with an array rcond (one per matrix) as NumPy allows
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    cut = xp.asarray(rcond, dtype=s.dtype)[..., None] * xp.max(s, axis=-1, keepdims=True) \
        if s.shape[-1] else s
    sinv = xp.where(s > cut, 1 / xp.where(s > cut, s, 1), 0)
    return xp.matmul(xp.conj(xp.swapaxes(vh, -1, -2)) * sinv[..., None, :],
                     xp.conj(xp.swapaxes(u, -1, -2)))


def _cut_terms(a, rcond, higher):
    """Where ``rcond`` drops nonzero singular values, ``(u, s, v, gm)`` of the reduced SVD of
    ``a`` (constants) and gm_ij = s_j / ((s_i^2 - s_j^2) s_i^2) for i kept, j dropped (else
    0); None where the dropped values are zero to rounding.

    The formulas below differentiate pinv as if the dropped singular values were zero. A
    nonzero one moves the kept singular vectors, at first order by s_j / (s_i^2 - s_j^2) times
    the i, j entries of u^H da v: in those coordinates Q = v^H dP u gains
    gm o (S M + M^H S) + gm^T o (M S + S M^H), M = u^H da v, S = diag(s)."""
    d = data(a)
    m, n = shape(d)[-2:]
    if not min(m, n):
        return None
    if isinstance(d, Tensor):
        s, u, vh = _unpack(svd_(d, full=False, mn=(m, n)), _svd_shapes((m, n), False))
        s = _re(s)
    else:
        u, s, vh = _r._xp(d).linalg.svd(d, full_matrices=False)
    sd = data(s)
    smax = getitem(s, (Ellipsis, slice(0, 1)))
    cut = _r._xp(sd).asarray(rcond, dtype=sd.dtype)[..., None] * smax
    noise = 10 * max(m, n) * _np.finfo(sd.dtype).eps * smax
    if not _any((s <= cut) & (s > noise)):
        return None
    if higher:
        raise GradError(
            f"pinv: rcond/rtol = {rcond} drops nonzero singular values of the "
            f"{tuple(shape(a))} matrix; first derivatives of that truncated pseudo-inverse are "
            f"implemented, higher ones are not (lower rcond below the smallest nonzero "
            f"singular value, or differentiate through gnp.linalg.svd)")
    kept = s > cut
    pair = _col(kept) & _row(s <= cut)
    si, sj = _col(s), _row(s)
    den = where(pair, (si * si - sj * sj) * si * si, 1)
    return u, s, _H(vh), where(pair, sj / den, 0)


def _pinv_vjp(g, ans, a, rcond):
    m, n = shape(a)[-2:]
    p = ans
    ap = _eye(m, a) - matmul(a, p)
    pa = _eye(n, a) - matmul(p, a)
    ga = (-matmul(_H(p), matmul(g, _H(p)))
          + matmul(ap, matmul(_H(g), matmul(p, _H(p))))
          + matmul(matmul(_H(p), p), matmul(_H(g), pa)))
    cut = _cut_terms(a, rcond, _recorded(g, ans))
    if cut is not None:
        u, s, v, gm = cut
        h = matmul(_H(v), matmul(g, u))
        x, y = gm * h, _T(gm) * h
        ga = ga + matmul(u, matmul(_col(s) * (x + _H(x)) + (y + _H(y)) * _row(s), _H(v)))
    return ga


def _pinv_jvp(t, ans, a, rcond):
    m, n = shape(a)[-2:]
    p = ans
    ap = _eye(m, a) - matmul(a, p)
    pa = _eye(n, a) - matmul(p, a)
    dp = (-matmul(p, matmul(t, p)) + matmul(matmul(p, _H(p)), matmul(_H(t), ap))
          + matmul(pa, matmul(_H(t), matmul(_H(p), p))))
    cut = _cut_terms(a, rcond, _recorded(t, ans))
    if cut is not None:
        u, s, v, gm = cut
        mm = matmul(_H(u), matmul(t, v))
        dq = gm * (_col(s) * mm + _H(mm) * _row(s)) + _T(gm) * (mm * _row(s) + _col(s) * _H(mm))
        dp = dp + matmul(v, matmul(dq, _H(u)))
    return dp


# complex matrices: the rules above, with conjugate transposes ("own" formulas)
pinv_ = prim("pinv", _pinv_fwd, vjp=[_pinv_vjp], jvp=[_pinv_jvp], cplx="own")


# ---- triangular solve -------------------------------------------------------------------------

def _tri_matrix(a, lower, unit):
    n = shape(a)[-1]
    if unit:
        return a * _tri_mask(n, a, lower, -1) + _eye(n, a)
    return a * _tri_mask(n, a, lower)


def _scipy_batches() -> bool:
    """Whether scipy.linalg takes stacks of matrices (SciPy 1.16 and later)."""
    import scipy

    return tuple(int(p) for p in scipy.__version__.split(".")[:2]) >= (1, 16)


def _matrix_by_matrix(xp, fn, arrays, out_core, dtype):
    """``fn`` once per matrix of stacks that broadcast together, the results stacked."""
    lead = _np.broadcast_shapes(*(x.shape[:-2] for x in arrays))
    flat = [xp.broadcast_to(x, lead + x.shape[-2:]).reshape((-1,) + x.shape[-2:])
            for x in arrays]
    outs = [fn(*ms) for ms in zip(*flat, strict=True)]
    if not outs:
        return xp.zeros(lead + tuple(out_core), dtype=dtype)
    return xp.stack(outs).reshape(lead + outs[0].shape)


def _tri_fwd(xp, a, b, lower, trans, unit, vec):
    bb = b[..., None] if vec else b
    if a.size == 0 or bb.size == 0:  # nothing to solve (SciPy refuses empty batches)
        shp = _np.broadcast_shapes(a.shape[:-2], bb.shape[:-2]) + bb.shape[-2:]
        x = xp.zeros(shp, dtype=_np.result_type(a.dtype, bb.dtype, _np.float32))
    elif xp is _np:
        import scipy.linalg as sl

        def solve(m, r):
            return sl.solve_triangular(m, r, trans=trans, lower=lower, unit_diagonal=unit)

        if (a.ndim > 2 or bb.ndim > 2) and not _scipy_batches():
            x = _matrix_by_matrix(xp, solve, (a, bb), bb.shape[-2:],
                                  _np.result_type(a.dtype, bb.dtype, _np.float32))
        else:
            x = solve(a, bb)
    else:
        x = _tri_fwd_device(xp, a, bb, lower, trans, unit)
    return x[..., 0] if vec else x


def _tri_fwd_device(xp, a, b, lower, trans, unit):
    try:
        from cupyx.scipy.linalg import solve_triangular as st  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover
        st = None
    if st is None or a.ndim != 2 or b.ndim != 2:
        m = a * xp.tril(xp.ones(a.shape[-2:], a.dtype), -1 if unit else 0) if lower else \
            a * xp.triu(xp.ones(a.shape[-2:], a.dtype), 1 if unit else 0)
        if unit:
            m = m + xp.eye(a.shape[-1], dtype=a.dtype)
        if trans:
            m = xp.swapaxes(m, -1, -2)
        shp = _np.broadcast_shapes(m.shape[:-2], b.shape[:-2])
        return xp.linalg.solve(xp.broadcast_to(m, shp + m.shape[-2:]),
                               xp.broadcast_to(b, shp + b.shape[-2:]))
    return st(a, b, trans=trans, lower=lower, unit_diagonal=unit)


def _tri_vjp_b(g, ans, a, b, lower, trans, unit, vec):
    return _tri_p(a, g, lower=lower, trans=1 - trans, unit=unit, vec=vec)


def _tri_vjp_a(g, ans, a, b, lower, trans, unit, vec):
    gb = _tri_p(a, g, lower=lower, trans=1 - trans, unit=unit, vec=vec)
    gm = -(_col(gb) * _row(ans)) if vec else -matmul(gb, _T(ans))
    if trans:
        gm = _T(gm)
    n = shape(a)[-1]
    return gm * _tri_mask(n, gm, lower, -1 if unit else 0)


def _tri_jvp_a(t, ans, a, b, lower, trans, unit, vec):
    n = shape(a)[-1]
    dm = t * _tri_mask(n, t, lower, -1 if unit else 0)
    if trans:
        dm = _T(dm)
    rhs = getitem(matmul(dm, _col(ans)), (Ellipsis, 0)) if vec else matmul(dm, ans)
    return -_tri_p(a, rhs, lower=lower, trans=trans, unit=unit, vec=vec)


_tri_p = prim("solve_triangular", _tri_fwd, vjp=[_tri_vjp_a, _tri_vjp_b],
              jvp=[_tri_jvp_a,
                   lambda t, ans, a, b, lower, trans, unit, vec: _tri_p(
                       a, t, lower=lower, trans=trans, unit=unit, vec=vec)], cplx="holo")


def solve_tri_(a, b, *, lower: bool, trans: int, unit: bool):
    """Solve op(tri(a)) x = b (``trans`` 0: a, 1: a^T); ``b`` a vector when it is 1-D."""
    return _tri_p(a, b, lower=lower, trans=trans, unit=unit, vec=ndim(b) == 1)


# ---- Sylvester equation, matrix square root, matrix exponential -------------------------------

def _sylvester_fwd(xp, a, b, q):
    if a.ndim > 2 or b.ndim > 2 or q.ndim > 2:
        # stacks: in one call where SciPy takes them (not empty ones), else matrix by matrix
        if not (xp is _np and _scipy_batches() and a.size and b.size and q.size):
            return _matrix_by_matrix(xp, lambda x, y, z: _sylvester_fwd(xp, x, y, z),
                                     (a, b, q), q.shape[-2:], q.dtype)
    if xp is _np:
        import scipy.linalg as sl

        return sl.solve_sylvester(a, b, q)
    # no device Sylvester solver: (I (x) A + B^T (x) I) vec(X) = vec(Q), column-major vec
    m, n = a.shape[-1], b.shape[-1]
    k = xp.kron(xp.eye(n, dtype=a.dtype), a) + xp.kron(b.T, xp.eye(m, dtype=a.dtype))
    x = xp.linalg.solve(k, q.T.reshape(-1))
    return x.reshape(n, m).T


def _sylvester_vjp_q(g, ans, a, b, q):
    return solve_sylvester(_T(a), _T(b), g)


solve_sylvester = prim(
    "solve_sylvester", _sylvester_fwd,
    vjp=[lambda g, ans, a, b, q: -matmul(_sylvester_vjp_q(g, ans, a, b, q), _T(ans)),
         lambda g, ans, a, b, q: -matmul(_T(ans), _sylvester_vjp_q(g, ans, a, b, q)),
         _sylvester_vjp_q],
    jvp=[lambda t, ans, a, b, q: solve_sylvester(a, b, -matmul(t, ans)),
         lambda t, ans, a, b, q: solve_sylvester(a, b, -matmul(ans, t)),
         lambda t, ans, a, b, q: solve_sylvester(a, b, t)], cplx="holo")


def _sqrtm_fwd(xp, a):
    if xp is not _np:
        raise NotImplementedError(
            "sqrtm: the CuPy backend has no matrix square root; compute it under the numpy "
            "backend, or for a symmetric positive definite matrix use eigh: "
            "V @ diag(sqrt(w)) @ V.T")
    import scipy.linalg as sl

    if a.ndim > 2 and not _scipy_batches():
        return _matrix_by_matrix(xp, lambda m: _np.asarray(sl.sqrtm(m)), (a,), a.shape[-2:],
                                 a.dtype)
    return _np.asarray(sl.sqrtm(a))


def _refuse_complex_sqrtm(ans, a):
    if data(ans).dtype.kind == "c" and data(a).dtype.kind != "c":
        raise GradError(
            "sqrtm: the square root of this real matrix is complex (it has negative real "
            "eigenvalues); to differentiate it pass the matrix as complex (a.astype(complex))")


def _sqrtm_vjp(g, ans, a):
    _refuse_complex_sqrtm(ans, a)
    return solve_sylvester(_T(ans), _T(ans), g)


def _sqrtm_jvp(t, ans, a):
    _refuse_complex_sqrtm(ans, a)
    return solve_sylvester(ans, ans, t)


sqrtm = prim("sqrtm", _sqrtm_fwd, vjp=[_sqrtm_vjp], jvp=[_sqrtm_jvp], cplx="holo")


def _expm_fwd(xp, a):
    if xp is _np:
        import scipy.linalg as sl

        return sl.expm(a)
    try:
        from cupyx.scipy.linalg import expm as cexpm  # type: ignore[import-not-found]
    except ImportError as e:  # pragma: no cover - older CuPy
        raise NotImplementedError(
            "expm: this CuPy has no cupyx.scipy.linalg.expm; upgrade CuPy or run expm under "
            "the numpy backend") from e
    if a.size == 0:  # (a stack of) 0 x 0 matrices, or none
        return a.copy()
    if a.ndim == 2:
        return cexpm(a)
    flat = a.reshape((-1,) + a.shape[-2:])
    return xp.stack([cexpm(m) for m in flat]).reshape(a.shape)


def _frechet(a, e):
    """The Frechet derivative of expm at ``a`` along ``e``: the top-right block of
    expm([[a, e], [0, a]])."""
    n = shape(a)[-1]
    z = _r._xp(data(a)).zeros(shape(a), dtype=data(a).dtype)
    lead = _r.broadcast_to(z, _np.broadcast_shapes(shape(a), shape(e)))
    a_b = _r.broadcast_to(a, shape(lead))
    e_b = _r.broadcast_to(e, shape(lead))
    top = _r.concatenate([a_b, e_b], -1)
    bottom = _r.concatenate([lead, a_b], -1)
    big = expm(_r.concatenate([top, bottom], -2))
    return getitem(big, (Ellipsis, slice(0, n), slice(n, 2 * n)))


expm = prim("expm", _expm_fwd, vjp=[lambda g, ans, a: _frechet(_T(a), g)],
            jvp=[lambda t, ans, a: _frechet(a, t)], cplx="holo")


# ---- adjugate: the gradient of det, finite at singular matrices --------------------------------

def _adjugate_fwd(xp, a):
    """adj(A) = det(A) A^{-1}, computed from the SVD A = U S V^T as
    det(U) det(V^T) V diag(prod_{j != i} s_j) U^T, which is defined at singular A too."""
    n = a.shape[-1]
    if n == 0:
        return xp.zeros(a.shape, dtype=a.dtype)
    if n == 1:
        return xp.ones(a.shape, dtype=a.dtype)
    u, s, vh = xp.linalg.svd(a)
    sign = xp.linalg.det(u) * xp.linalg.det(vh)
    # products of all but one singular value, without dividing (zeros are fine)
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = xp.cumprod(xp.concatenate([ones, s[..., :-1]], -1), -1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(s, -1)[..., :-1]], -1), -1), -1)
    others = left * right * sign[..., None]
    vt, ut = xp.swapaxes(vh, -1, -2), xp.swapaxes(u, -1, -2)
    if a.dtype.kind == "c":
        vt, ut = xp.conj(vt), xp.conj(ut)
    return xp.matmul(vt * others[..., None, :], ut)


def _check_invertible(a):
    d = data(a)
    n = shape(d)[-1]
    if not n:
        return
    s = _singular_values(d)
    if _any(getitem(s, (Ellipsis, -1)) <= n * _np.finfo(d.dtype).eps * getitem(s, (Ellipsis, 0))):
        raise DegenerateError(
            "det: the second derivative of det at a singular matrix is not implemented (the "
            "first derivative, the transposed adjugate, is)")


def _adj_vjp(g, ans, a):
    _check_invertible(a)
    # d adj = adj tr(A^-1 dA) - A^-1 dA adj
    ait = _T(_r.solve(a, _eye(shape(a)[-1], a)))
    sg = _r.sum(g * ans, (ndim(g) - 2, ndim(g) - 1), keepdims=True)
    return sg * ait - matmul(ait, matmul(g, _T(ans)))


def _adj_jvp(t, ans, a):
    _check_invertible(a)
    x = _r.solve(a, t)
    return ans * getitem(_r._tr(x), (Ellipsis, None, None)) - matmul(x, ans)


adjugate = prim("adjugate", _adjugate_fwd, vjp=[_adj_vjp], jvp=[_adj_jvp], cplx="holo")


def _others_product(s):
    """prod_{j != i} s_j for each i, by multiplications only (no division: exact at zeros, and
    so are its derivatives)."""
    n = shape(s)[-1]
    cols = [getitem(s, (Ellipsis, slice(i, i + 1))) for i in range(n)]
    ones = _r._xp(data(s)).ones(shape(s)[:-1] + (1,), dtype=data(s).dtype)
    left = [ones]
    for i in range(1, n):
        left.append(left[-1] * cols[i - 1])
    right = [ones]
    for i in range(n - 2, -1, -1):
        right.append(right[-1] * cols[i + 1])
    right.reverse()
    return _r.concatenate([lf * rt for lf, rt in zip(left, right, strict=True)], ndim(s) - 1)


def _adjugate_by_svd(a):
    """adj(a) = det(U) det(V^T) V diag(prod_{j != i} s_j) U^T, composed of differentiable
    primitives: its derivatives exist wherever the SVD's do (distinct singular values), singular
    matrices of rank n - 1 included."""
    n = shape(a)[-1]
    s, u, vh = _unpack(svd_(a, full=False, mn=(n, n)), [(n,), (n, n), (n, n)])
    sign = _r.det(data(u)) * _r.det(data(vh))  # constant along smooth paths
    others = _others_product(s) * getitem(sign, (Ellipsis, None))
    return matmul(_T(vh) * _row(others), _T(u))


def adjugate_of(a):
    """The adjugate of ``a`` (the transposed gradient of det), differentiable again: by the
    adjugate primitive (derivatives through solves) when ``a`` is well conditioned or when no
    further derivative is taken, by the SVD composition near singular matrices."""
    n = shape(a)[-1]
    if not _recorded(a) or n < 2 or data(a).size == 0:
        return adjugate(a)
    # inside vmap one choice is made for the whole batch (an error where the examples would
    # need different ones and one of them has no derivative)
    d = data(a)
    sv = _singular_values(d)
    smin, smax = getitem(sv, (Ellipsis, -1)), getitem(sv, (Ellipsis, 0))
    if not _any(smin <= 1e-3 * smax):
        return adjugate(a)  # well conditioned: derivatives through solves
    if not _any(_gaps(sv * sv)[1]):
        return _adjugate_by_svd(a)  # accurate near and at singular matrices
    if not _any(smin <= _np.finfo(d.dtype).eps ** 0.5 * smax):
        return adjugate(a)  # repeated singular values, but safely invertible
    raise DegenerateError(
        "det: derivatives of det beyond the first at a singular matrix are implemented where "
        "its singular values are distinct (rank n - 1, no repeated nonzero singular value); "
        "this matrix has a repeated singular value")
