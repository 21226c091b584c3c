"""``gpuad.lax.linalg`` against ``jax.lax.linalg`` itself (float64 and complex128), the cases of
JAX's ``tests/linalg_test.py`` that call lax.linalg (triangular_solve's flag combinations, lu
of rectangular and batched matrices with its pivots and permutation, lu_pivots_to_permutation,
qr with pivoting, tridiagonal, tridiagonal_solve, hessenberg, householder_product,
symmetric_product, cholesky_update, eigh's subset_by_index, schur): values, dtypes and shapes
(invariants where a factorisation's signs or phases are free), gradients of random weighted
losses against ``jax.grad`` (JAX's complex gradient is the conjugate of gpuad's, torch's
convention), and gpuad's derivatives against its own central differences (check_grads).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax.lax import linalg as _jll  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.engine import GradError  # noqa: E402
from gpuad.lax import linalg as gll  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

# where gpuad differs from jax.lax.linalg on purpose, or cannot follow (checked below)
DIFFERENCES = {
    "cholesky not positive definite": "raises LinAlgError; JAX returns NaNs",
    "lu's derivative at a zero pivot": "raises LinAlgError; JAX returns non-finite values",
    "cholesky, eigh symmetrize_input=False": "the derivative of reading the one triangle "
                                             "(JAX's assumes a symmetric tangent; equal on "
                                             "symmetric directions)",
    "eig eigenvector derivatives": "given for functions of the vectors that do not depend on "
                                   "their phases (JAX refuses without enable_eigvec_derivs)",
    "eig left eigenvectors": "phase normalised to a real positive largest entry (LAPACK: real, "
                             "sign free); compared up to phase",
    "qr full_matrices=True of a tall matrix": "differentiated (the extra columns through their "
                                              "projector); JAX refuses",
    "tridiagonal_solve perturb_singular=True": "NotImplementedError",
    "schur sort_eig_vals / select_callable": "NotImplementedError",
    "symmetric_product, cholesky_update": "real only, as JAX (TypeError for complex)",
    "cholesky_update derivative": "given (through cholesky); JAX has none",
    "qdwh": "not provided (use gpuad.scipy.linalg.polar)",
    "qr pivoting=True of a wide matrix": "JAX's derivative is wrong (it disagrees with central "
                                         "differences); gpuad's agrees with them",
    "symmetric_product, householder_product, ormqr derivatives": "given; JAX has none",
    "eigh, svd subset_by_index": "the slice of the full results (JAX: not on CPU)",
}


class _Compiled:
    """``jax.lax.linalg`` with each function compiled (once per keyword set): op by op, JAX
    compiles every primitive it meets, which costs seconds per call."""

    def __init__(self):
        self._cache = {}

    def __getattr__(self, name):
        def call(*args, **kw):
            key = (name, tuple(sorted(kw.items())))
            if key not in self._cache:
                fn = getattr(_jll, name)
                self._cache[key] = jax.jit(lambda *a: fn(*a, **kw))
            return self._cache[key](*args)

        return call


jll = _Compiled()


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _draw(r, shape, cplx=False):
    a = r.standard_normal(shape)
    return a + 1j * r.standard_normal(shape) if cplx else a


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def close(got, want, rtol=1e-9, dtype=True):
    got, want = host(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.size:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * max(1.0, np.abs(want).max()))


def _leaves(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def _weights(outs, seed):
    r = _rng("w", seed)
    return [_draw(r, np.shape(host(o)), np.iscomplexobj(host(o))) if
            host(o).dtype.kind in "fc" else None for o in outs]


def _loss(mod, outs, ws, pick):
    total = 0.0
    for k, (o, w) in enumerate(zip(outs, ws, strict=True)):
        if w is None or (pick is not None and k not in pick):
            continue
        total = total + mod.sum(mod.real(o * mod.conj(w)) if np.iscomplexobj(w) else o * w)
    return total


def agree(fg, fj, *args, grad=True, pick=None, rtol=1e-9, gtol=1e-7, fd=True, order=1,
          seed=0):
    """Values (shape, dtype) of ``fg`` (gpuad) and ``fj`` (JAX) agree on ``args``; with
    ``grad`` so do the gradients of a random weighted real loss of the outputs (``pick``: the
    outputs it weighs) with respect to every float argument, and (``fd``) gpuad's derivatives
    of that loss match central differences to ``order``."""
    xp = ad.get_backend().xp
    got = _leaves(fg(*(xp.asarray(a) for a in args)))
    # JAX compiled once per comparison (op by op it takes seconds): the values ride along
    # with the gradient as auxiliary outputs
    if grad:
        ws = _weights(got, seed)
        idx = tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc")

        def lj(*a):
            outs = _leaves(fj(*a))
            return _loss(jnp, outs, ws, pick), outs

        (_, want), gj = jax.jit(jax.value_and_grad(lj, argnums=idx, has_aux=True))(*args)
    else:
        want = _leaves(jax.jit(fj)(*args))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        close(g, w, rtol)
    if not grad:
        return
    gg = ad.grad(lambda *a: _loss(gnp, _leaves(fg(*a)), ws, pick), argnums=idx)(
        *(xp.asarray(a) for a in args))
    for a, b in zip(gg, gj, strict=True):
        close(a, np.conj(np.asarray(b)), gtol, dtype=False)
    if fd:
        check_grads(lambda *a: _loss(gnp, _leaves(fg(*a)), ws, pick), args, order=order,
                    modes=("rev", "fwd"))


def _pd(r, shape, cplx=False):
    b = _draw(r, shape, cplx)
    return b @ np.conj(np.swapaxes(b, -1, -2)) + shape[-1] * np.eye(shape[-1])


# ---- triangular_solve: every flag, both sides, real and complex --------------------------------

# each flag on and off on both sides (a sample of the 32 combinations: JAX compiles each)
_TRSM = [(ls, lo, tr, cj, un) for ls in (False, True) for lo, tr, cj, un in
         ((False, False, False, False), (True, False, False, True), (True, True, False, False),
          (False, True, True, False), (True, False, True, True), (False, True, True, True))]


@pytest.mark.parametrize("left_side,lower,transpose_a,conjugate_a,unit_diagonal", _TRSM)
def test_triangular_solve(backend, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
    r = _rng("trsm", left_side, lower, transpose_a, conjugate_a, unit_diagonal)
    kw = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
              conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    cplx = conjugate_a  # the conjugate flags on complex input; plain ones on real
    a = _draw(r, (2, 4, 4), cplx) + 4 * np.eye(4)  # both triangles full: only one is read
    b = _draw(r, (2, 4, 3) if left_side else (2, 3, 4), cplx)
    agree(lambda a, b: gll.triangular_solve(a, b, **kw),
          lambda a, b: jll.triangular_solve(a, b, **kw), a, b,
          order=2 if lower and not conjugate_a else 1)


# ---- lu ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,cplx", [((4, 4), False), ((5, 3), True), ((3, 5), False),
                                        ((2, 4, 3), False), ((2, 3, 4), True)])
def test_lu(backend, shape, cplx):
    a = _draw(_rng("lu", shape, cplx), shape, cplx)
    got, want = gll.lu(a), jll.lu(a)
    for g, w in zip(got, want, strict=True):
        close(g, w, dtype=True)
    lu, _, perm = (host(g) for g in got)
    k = min(shape[-2:])
    lo = np.tril(lu[..., :, :k], -1) + np.eye(shape[-2], k)
    up = np.triu(lu[..., :k, :])
    np.testing.assert_allclose(np.take_along_axis(a, perm[..., None], -2), lo @ up, atol=1e-12)
    agree(lambda x: gll.lu(x)[0], lambda x: jll.lu(x)[0], a, order=2 if len(shape) == 2 else 1)


def test_lu_of_singular_matrices(backend):
    """JAX's testLuOfSingularMatrix, rectangular too: LAPACK's factors (a zero pivot leaves its
    column); their derivative does not exist there and raises (JAX returns non-finite values)."""
    xp = ad.get_backend().xp
    for x in (np.array([[1.0, 2], [2, 4]]),
              np.array([[0.0, 0, 1], [0, 0, 2], [1, 1, 1], [2, 2, 2]]),
              np.array([[0.0, 1, 2], [0, 3, 4]])):
        for g, j in zip(gll.lu(xp.asarray(x)), jll.lu(x), strict=True):
            close(g, j)
        with pytest.raises(np.linalg.LinAlgError, match="singular"):
            ad.grad(lambda a: gnp.sum(gll.lu(a)[0]))(xp.asarray(x))


def test_lu_pivots_to_permutation(backend):
    xp = ad.get_backend().xp
    piv = np.array([[2, 2, 4], [0, 3, 3]], np.int32)
    for size in (5, 6):
        close(gll.lu_pivots_to_permutation(xp.asarray(piv), size),
              jll.lu_pivots_to_permutation(piv, permutation_size=size))
    with pytest.raises(ValueError, match="permutation_size"):
        gll.lu_pivots_to_permutation(xp.asarray(piv), 2)


# ---- cholesky, cholesky_update, symmetric_product ------------------------------------------------

@pytest.mark.parametrize("cplx", [False, True])
def test_cholesky(backend, cplx):
    r = _rng("chol", cplx)
    a = _pd(r, (2, 4, 4), cplx)
    skew = _draw(r, (2, 4, 4), cplx) * 0.3  # symmetrize_input removes it
    agree(gll.cholesky, jll.cholesky, a + skew, order=2 if not cplx else 1)
    agree(lambda x: gll.cholesky(x, symmetrize_input=False),
          lambda x: jll.cholesky(x, symmetrize_input=False), a + np.triu(skew, 1), grad=False)
    # symmetrize_input=False: gpuad differentiates reading the lower triangle; equal to JAX's
    # derivative along symmetric directions
    xp = ad.get_backend().xp
    d = _pd(r, (2, 4, 4), cplx) * 0.1
    _, tg = ad.jvp(lambda x: gll.cholesky(x, symmetrize_input=False), (xp.asarray(a),),
                   (xp.asarray(d),))
    _, tj = jax.jit(lambda x, d: jax.jvp(lambda x: jll.cholesky(x, symmetrize_input=False),
                                          (x,), (d,)))(a, d)
    close(tg, tj, 1e-8)
    check_grads(lambda x: gll.cholesky(x, symmetrize_input=False), (a + np.triu(skew, 1),),
                order=1)
    bad = -np.eye(3)
    assert np.isnan(np.asarray(jll.cholesky(bad))).any()
    with pytest.raises(np.linalg.LinAlgError):
        gll.cholesky(xp.asarray(bad))


def test_cholesky_update_and_symmetric_product(backend):
    r = _rng("cu")
    up = np.linalg.cholesky(_pd(r, (4, 4))).T
    w = r.standard_normal(4)
    agree(gll.cholesky_update, jll.cholesky_update, up, w, grad=False)
    with pytest.raises(NotImplementedError):  # JAX has no derivative; gpuad's is checked
        jax.grad(lambda u: jll.cholesky_update(u, w).sum())(up)
    check_grads(gll.cholesky_update, (up, w), order=2)
    a, c = r.standard_normal((2, 4, 3)), r.standard_normal((2, 4, 4))
    for sym in (False, True):  # JAX has no derivative; gpuad's against differences
        agree(lambda a, c: gll.symmetric_product(a, c, alpha=2.0, beta=-0.5,
                                                 symmetrize_output=sym),
              lambda a, c: jll.symmetric_product(a, c, alpha=2.0, beta=-0.5,
                                                 symmetrize_output=sym), a, c, grad=False)
        check_grads(lambda a, c: gll.symmetric_product(a, c, alpha=2.0, beta=-0.5,
                                                       symmetrize_output=sym), (a, c), order=1)
    xp = ad.get_backend().xp
    with pytest.raises(TypeError, match="real matrices only"):
        gll.symmetric_product(xp.asarray(a + 1j), xp.asarray(c))


# ---- eigh, eig ---------------------------------------------------------------------------------

def _signed(v):
    """Columns with their largest entry real positive: a representative free of the phase."""
    k = np.argmax(np.abs(v), axis=-2)[..., None, :]
    top = np.take_along_axis(v, k, axis=-2)
    return v * (np.conj(top) / np.abs(top))


@pytest.mark.parametrize("cplx,lower", [(False, True), (True, False)])
def test_eigh(backend, cplx, lower):
    r = _rng("eigh", cplx, lower)
    a = _draw(r, (2, 4, 4), cplx)
    xp = ad.get_backend().xp
    for sym in (True, False):
        kw = dict(lower=lower, symmetrize_input=sym)
        v, w = gll.eigh(xp.asarray(a), **kw)
        vj, wj = jll.eigh(a, **kw)
        close(w, wj)
        close(_signed(host(v)), _signed(np.asarray(vj)), 1e-8)
        # subset_by_index (JAX: not on CPU): the slice of the full results
        v, w = gll.eigh(xp.asarray(a), subset_by_index=(1, 3), **kw)
        close(w, np.asarray(wj)[..., 1:3])
        close(_signed(host(v)), _signed(np.asarray(vj)[..., 1:3]), 1e-8)
    # eigenvalues, and eigenvector entries' squared moduli (phase-free), differentiated
    agree(lambda x: gll.eigh(x, lower=lower)[1], lambda x: jll.eigh(x, lower=lower)[1], a,
          order=2 if not cplx else 1)
    agree(lambda x: abs(gll.eigh(x)[0]) ** 2, lambda x: jnp.abs(jll.eigh(x)[0]) ** 2, a,
          rtol=1e-8, fd=not cplx)


@pytest.mark.parametrize("cplx", [False, True])
def test_eig(backend, cplx):
    r = _rng("eig", cplx)
    a = _draw(r, (2, 4, 4), cplx)
    xp = ad.get_backend().xp
    w, vl, vr = gll.eig(xp.asarray(a))
    wj, vlj, vrj = jll.eig(a)
    for g, j in ((w, wj), (vl, vlj), (vr, vrj)):
        assert host(g).dtype == np.asarray(j).dtype and host(g).shape == np.shape(j)
    order = np.argsort(host(w), axis=-1)
    orderj = np.argsort(np.asarray(wj), axis=-1)
    close(np.take_along_axis(host(w), order, -1), np.take_along_axis(np.asarray(wj), orderj, -1))
    for g, j in ((vl, vlj), (vr, vrj)):
        g = np.take_along_axis(host(g), order[..., None, :], -1)
        j = np.take_along_axis(np.asarray(j), orderj[..., None, :], -1)
        close(_signed(g), _signed(j), 1e-8)
    assert len(gll.eig(xp.asarray(a), compute_left_eigenvectors=False)) == 2
    assert len(gll.eig(xp.asarray(a), compute_left_eigenvectors=False,
                       compute_right_eigenvectors=False)) == 1
    # eigenvalues: JAX's derivative; |vr|, |vl|: gpuad against its differences (JAX refuses)
    fg = (lambda x: gll.eig(x, compute_left_eigenvectors=False,
                            compute_right_eigenvectors=False)[0])
    fj = (lambda x: jll.eig(x, compute_left_eigenvectors=False,
                            compute_right_eigenvectors=False)[0])
    ws = _weights([wj], 1)
    gg = ad.grad(lambda x: _loss(gnp, [fg(x)], ws, None))(xp.asarray(a))
    gj = jax.grad(lambda x: _loss(jnp, [fj(x)], ws, None))(a)
    close(gg, np.conj(np.asarray(gj)), 1e-7, dtype=False)
    with pytest.raises(NotImplementedError):
        jax.grad(lambda x: jnp.abs(jll.eig(x)[2]).sum())(a)
    check_grads(lambda x: [abs(v) for v in gll.eig(x)[1:]], (a,), order=1)


# ---- qr, svd -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,full,cplx", [
    ((4, 3), False, False), ((4, 3), True, False), ((3, 4), True, False), ((3, 4), False, True),
    ((4, 3), True, True), ((2, 3, 3), False, True)])
def test_qr(backend, shape, full, cplx):
    a = _draw(_rng("qr", shape, full, cplx), shape, cplx)
    tall_full = full and shape[-2] > shape[-1]
    agree(lambda x: gll.qr(x, full_matrices=full), lambda x: jll.qr(x, full_matrices=full), a,
          grad=not tall_full)
    if tall_full:  # JAX refuses; gpuad differentiates what does not depend on the basis of
        # the extra columns (against differences) and refuses a loss of that basis
        n = shape[-1]
        check_grads(lambda x: (gll.qr(x)[0][..., :n], gll.qr(x)[1]), (a,), order=1)
    xp = ad.get_backend().xp
    q, rr, p = gll.qr(xp.asarray(a), pivoting=True, full_matrices=full)
    qj, rj, pj = jll.qr(a, pivoting=True, full_matrices=full)
    close(p, pj)
    close(q, qj, 1e-8)
    close(rr, rj, 1e-8)
    if len(shape) == 2 and shape[0] >= shape[1]:  # (JAX: batched pivoting fails to differentiate)
        agree(lambda x: gll.qr(x, pivoting=True, full_matrices=False)[:2],
              lambda x: jll.qr(x, pivoting=True, full_matrices=False)[:2], a, fd=False)
    elif len(shape) == 2:  # wide: JAX's derivative is wrong; gpuad's against differences
        check_grads(lambda x: gll.qr(x, pivoting=True, full_matrices=False)[:2], (a,), order=1)


@pytest.mark.parametrize("shape,cplx", [((4, 3), False), ((3, 5), True), ((2, 3, 3), False)])
def test_svd(backend, shape, cplx):
    a = _draw(_rng("svd", shape, cplx), shape, cplx)
    agree(lambda x: gll.svd(x, compute_uv=False), lambda x: jll.svd(x, compute_uv=False), a,
          order=2 if not cplx else 1)
    xp = ad.get_backend().xp
    for full in (False, True):
        u, s, vh = gll.svd(xp.asarray(a), full_matrices=full)
        uj, sj, vhj = jll.svd(a, full_matrices=full)
        close(s, sj)
        k = min(shape[-2:])
        close(_signed(host(u)[..., :k]), _signed(np.asarray(uj)[..., :k]), 1e-8)
        assert host(u).shape == uj.shape and host(vh).shape == vhj.shape
    # u s vh (free of the phases), differentiated
    agree(lambda x: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(
              *gll.svd(x, full_matrices=False)),
          lambda x: (lambda u, s, vh: (u * s[..., None, :]) @ vh)(
              *jll.svd(x, full_matrices=False)), a, fd=False)
    sub = (1, 3) if min(shape[-2:]) >= 3 else (0, 1)
    agree(lambda x: gll.svd(x, full_matrices=False, compute_uv=False, subset_by_index=sub),
          lambda x: jll.svd(x, full_matrices=False, compute_uv=False)[..., sub[0]:sub[1]], a,
          fd=False)  # (JAX: subset_by_index not on CPU; the slice of the full result)


# ---- tridiagonal systems and reductions, Householder products, Hessenberg, Schur ----------------

@pytest.mark.parametrize("cplx", [False, True])
def test_tridiagonal_solve(backend, cplx):
    r = _rng("gtsv", cplx)
    m = 5
    dl, du = _draw(r, (2, m), cplx), _draw(r, (2, m), cplx)
    d = _draw(r, (2, m), cplx) + 4
    dl[:, 0] = 0
    du[:, -1] = 0  # JAX's documented layout
    b = _draw(r, (2, m, 3), cplx)
    agree(gll.tridiagonal_solve, jll.tridiagonal_solve, dl, d, du, b,
          order=2 if not cplx else 1)
    xp = ad.get_backend().xp
    with pytest.raises(NotImplementedError, match="perturb_singular"):
        gll.tridiagonal_solve(*(xp.asarray(v) for v in (dl, d, du, b)), perturb_singular=True)


@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("lower", [False, True])
def test_tridiagonal_and_hessenberg(backend, cplx, lower):
    r = _rng("sytrd", cplx, lower)
    a = _draw(r, (2, 5, 5), cplx)
    h = a + np.conj(np.swapaxes(a, -1, -2))
    xp = ad.get_backend().xp
    for g, j in zip(gll.tridiagonal(xp.asarray(h), lower=lower), jll.tridiagonal(h, lower=lower),
                    strict=True):
        close(g, j)
    for g, j in zip(gll.hessenberg(xp.asarray(a)), jll.hessenberg(a), strict=True):
        close(g, j)
    for fn in (lambda x: gll.tridiagonal(x)[1], lambda x: gll.hessenberg(x)[0]):
        with pytest.raises(GradError, match="not differentiable"):
            ad.grad(lambda x, fn=fn: gnp.sum(gnp.real(fn(x))))(xp.asarray(h))


@pytest.mark.parametrize("cplx", [False, True])
def test_householder_product_and_ormqr(backend, cplx):
    r = _rng("orgqr", cplx)
    a = _draw(r, (2, 5, 3), cplx)
    taus = _draw(r, (2, 3), cplx) * 0.5 + 1
    agree(gll.householder_product, jll.householder_product, a, taus, grad=False)
    check_grads(gll.householder_product, (a, taus), order=1)  # (JAX has no derivative)
    if not cplx:
        c = r.standard_normal((2, 5, 4))
        for left, tr in ((True, False), (True, True)):
            agree(lambda a, t, c: gll.ormqr(a, t, c, left=left, transpose=tr),
                  lambda a, t, c: jll.ormqr(a, t, c, left=left, transpose=tr), a, taus, c,
                  grad=False)
            check_grads(lambda a, t, c: gll.ormqr(a, t, c, left=left, transpose=tr),
                        (a, taus, c), order=1)


def test_schur(backend):
    r = _rng("schur")
    a = r.standard_normal((4, 4))
    xp = ad.get_backend().xp
    t, vs = gll.schur(xp.asarray(a))
    tj, vsj = jll.schur(a)
    close(host(vs) @ host(t) @ host(vs).T, a)
    close(np.abs(np.diag(host(t))), np.abs(np.diag(np.asarray(tj))))
    assert len(gll.schur(xp.asarray(a), compute_schur_vectors=False)) == 1
    with pytest.raises(GradError):
        ad.grad(lambda x: gnp.sum(gll.schur(x)[0]))(xp.asarray(a))
    with pytest.raises(NotImplementedError):
        gll.schur(xp.asarray(a), sort_eig_vals=True)


# ---- vmap over the primitives ------------------------------------------------------------------

def test_vmap(backend):
    r = _rng("vmap")
    a = r.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    b = r.standard_normal((3, 4, 2))
    xp = ad.get_backend().xp
    f = lambda a, b: gll.triangular_solve(a, b, left_side=True, lower=True)  # noqa: E731
    close(ad.vmap(f)(xp.asarray(a), xp.asarray(b)),
          jax.vmap(lambda a, b: jll.triangular_solve(a, b, left_side=True, lower=True))(a, b))
    close(ad.vmap(lambda x: gll.lu(x)[0])(xp.asarray(a)), jax.vmap(lambda x: jll.lu(x)[0])(a))


def test_differences_listed():
    assert len(DIFFERENCES) == 14 and all(isinstance(v, str) for v in DIFFERENCES.values())
