"""HIPS autograd's ``tests/test_linalg.py``, run against gpuad.

The same functions, shapes and arguments (inverses and solves of single and stacked matrices,
det/slogdet, every norm the suite differentiates, eigh with both triangles, eig, cholesky, svd
of wide, square and tall matrices, stacked, reduced, values only, pinv of full and low rank),
checked against central differences with ``gpuad.testing.check_grads`` to second order. autograd
checks reverse mode only ("fwd mode not yet implemented" there); gpuad checks both.

Complex cases (complex matrices, and real matrices with complex eigenvalues) are
finite-difference checks, which hold in any gradient convention.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

BOTH = ("fwd", "rev")


def _check(f, *args, order=2, modes=BOTH, **kw):
    check_grads(f, args, order=order, modes=modes, **kw)


def _rs():
    return np.random.RandomState(42)


def _sym_lower(a):
    """autograd's symmetrize: the lower triangle mirrored, so perturbations stay symmetric."""
    low = gnp.tril(a)
    return (low + gnp.swapaxes(low, -1, -2)) / 2.0


def _rand_psd(d):
    m = _rs().randn(d, d)
    return m @ m.T


def _complex(r, *shape):
    return r.randn(*shape) + 1j * r.randn(*shape)


# ---- inverses and solves ---------------------------------------------------------------------

def test_inv(backend):
    m = _rs().randn(8, 8)
    _check(gnp.linalg.inv, m @ m + np.eye(8))


@pytest.mark.parametrize("shape", [(4, 4, 4), (4, 4, 4, 4)])
def test_inv_stacked(backend, shape):
    _check(gnp.linalg.inv, _rs().randn(*shape) + 5 * np.eye(4))


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6, 7])
def test_pinv(backend, m):
    rs = np.random.RandomState(m)
    _check(gnp.linalg.pinv, rs.randn(5, m))
    _check(gnp.linalg.pinv, rs.randn(2, 5, m))


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6, 7])
def test_pinv_low_rank(backend, m):
    """pinv(x^T x): square, of fixed rank min(5, m) when m > 5."""
    rs = np.random.RandomState(10 + m)

    def f(x):
        return gnp.linalg.pinv(gnp.swapaxes(x, -1, -2) @ x)

    _check(f, rs.randn(5, m), rtol=1e-4)
    _check(f, rs.randn(2, 5, m), rtol=1e-4)


def test_solve_arg1(backend):
    r = _rs()
    a, b = r.randn(8, 8) + 10 * np.eye(8), r.randn(8, 7)
    _check(lambda a: gnp.linalg.solve(a, b), a)


def test_solve_arg1_1d(backend):
    r = _rs()
    a, b = r.randn(8, 8) + 10 * np.eye(8), r.randn(8)
    _check(lambda a: gnp.linalg.solve(a, b), a)


def test_solve_arg2(backend):
    r = _rs()
    a, b = r.randn(6, 6) + np.eye(6), r.randn(6, 5)
    _check(lambda b: gnp.linalg.solve(a, b), b)


def test_solve_arg1_3d(backend):
    r = _rs()
    a, b = r.randn(5, 4, 4) + 5 * np.eye(4), r.randn(5, 4)
    # NumPy 2 reads a stacked b as matrices only when it has the extra axis
    _check(lambda a: gnp.linalg.solve(a, b[..., None])[..., 0], a)


def test_solve_arg1_3d_3d(backend):
    r = _rs()
    a, b = r.randn(5, 4, 4) + 5 * np.eye(4), r.randn(5, 4, 6)
    _check(lambda a: gnp.linalg.solve(a, b), a)


# ---- determinants ----------------------------------------------------------------------------

def test_det(backend):
    _check(gnp.linalg.det, _rs().randn(6, 6))


def test_det_3d(backend):
    _check(gnp.linalg.det, _rs().randn(3, 3, 3))


def test_slogdet(backend):
    m = _rs().randn(6, 6)
    _check(lambda x: gnp.linalg.slogdet(x)[1], m)
    _check(lambda x: gnp.linalg.slogdet(x)[1], -m)


def test_slogdet_3d(backend):
    mat = np.stack([_rand_psd(5) + 5 * np.eye(5) for _ in range(3)])
    _check(lambda x: gnp.sum(gnp.linalg.slogdet(x)[1]), mat)


# ---- norms -----------------------------------------------------------------------------------

def test_vector_2norm(backend):
    _check(gnp.linalg.norm, _rs().randn(6))


def test_vector_2norm_complex(backend):
    _check(gnp.linalg.norm, _complex(_rs(), 6))


def test_norm_of_a_list_of_recorded_scalars(backend):
    # d/dx sqrt(x**2 + (x + 2)**2) at x = 0 is 2 / sqrt(4) = 1
    assert float(ad.grad(lambda x: gnp.linalg.norm([x, x + 2]))(0.0)) == pytest.approx(1.0)
    assert float(ad.grad(lambda x: gnp.linalg.norm((x, x + 2)))(0.0)) == pytest.approx(1.0)


@pytest.mark.parametrize("cplx", [False, True])
def test_frobenius_norm(backend, cplx):
    r = _rs()
    mat = _complex(r, 6, 5) if cplx else r.randn(6, 5)
    _check(gnp.linalg.norm, mat)


@pytest.mark.parametrize("cplx", [False, True])
def test_frobenius_norm_axis(backend, cplx):
    r = _rs()
    mat = _complex(r, 6, 5, 4) if cplx else r.randn(6, 5, 4)
    _check(lambda x: gnp.linalg.norm(x, axis=(0, 1)), mat)


@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("ord", [2, 3, 4])
def test_vector_norm_ord(backend, ord, cplx):
    r = _rs()
    vec = _complex(r, 6) if cplx else r.randn(6)
    _check(lambda x: gnp.linalg.norm(x, ord=ord), vec)


@pytest.mark.parametrize("cplx", [False, True])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_norm_axis(backend, axis, cplx):
    r = _rs()
    arr = _complex(r, 6, 5, 4) if cplx else r.randn(6, 5, 4)
    _check(lambda x: gnp.linalg.norm(x, axis=axis), arr)


def test_norm_nuclear(backend):
    _check(lambda x: gnp.linalg.norm(x, ord="nuc"), _rs().randn(6, 5))


def test_norm_nuclear_axis(backend):
    _check(lambda x: gnp.linalg.norm(x, ord="nuc", axis=(0, 1)), _rs().randn(6, 5, 4))


def test_norm_nuclear_complex(backend):
    _check(lambda x: gnp.linalg.norm(x, ord="nuc"), _complex(_rs(), 6, 5))


def test_norm_nuclear_axis_complex(backend):
    _check(lambda x: gnp.linalg.norm(x, ord="nuc", axis=(0, 1)), _complex(_rs(), 6, 5, 4))


# ---- eigh ------------------------------------------------------------------------------------

@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(backend, uplo):
    """Not symmetric: eigh reads one triangle, and so do the differences."""
    _check(lambda x: tuple(gnp.linalg.eigh(x, uplo)), _rs().randn(6, 6))


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_broadcasting(backend, uplo):
    mat = _rs().randn(2, 3, 6, 6) + 10 * np.eye(6)
    hmat = np.einsum("...ij,...kj->...ik", mat, mat)
    _check(lambda x: tuple(gnp.linalg.eigh(x, uplo)), hmat)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_complex(backend, uplo):
    """Not Hermitian: eigh reads one triangle (and the real part of the diagonal). The phases
    of complex eigenvectors are arbitrary, so, as autograd, the check goes through |v|."""
    def f(x):
        w, v = gnp.linalg.eigh(x, uplo)
        return w, gnp.abs(v)

    _check(f, _complex(_rs(), 6, 6))


# ---- eig -------------------------------------------------------------------------------------

def _abs_eig(x):
    """The eigenvectors' phases are arbitrary: autograd checks |w| (or w) and |v|."""
    w, v = gnp.linalg.eig(x)
    return gnp.abs(w), gnp.abs(v)


def test_eig_real(backend):
    """A real matrix whose spectrum is complex (as autograd's: a random 8 x 8)."""
    mat = _rs().randn(8, 8)
    assert np.iscomplexobj(np.linalg.eigvals(mat))
    _check(_abs_eig, mat)


def test_eig_real_spectrum(backend):
    r = _rs()
    p = r.randn(8, 8) + 3 * np.eye(8)
    mat = p @ np.diag(np.arange(1.0, 9.0)) @ np.linalg.inv(p)  # not symmetric, real spectrum
    assert np.isrealobj(np.linalg.eigvals(mat))
    _check(_abs_eig, mat)


@pytest.mark.parametrize("shape", [(8, 8), (5, 8, 8)], ids=["single", "batched"])
def test_eig_complex(backend, shape):
    def f(x):
        w, v = gnp.linalg.eig(x)
        return w, gnp.abs(v)

    _check(f, _complex(_rs(), *shape))


# ---- cholesky --------------------------------------------------------------------------------

def test_cholesky(backend):
    _check(lambda a: gnp.linalg.cholesky(_sym_lower(a)), _rand_psd(6))


def test_cholesky_broadcast(backend):
    a = np.stack([_rand_psd(6) for _ in range(3)])
    _check(lambda a: gnp.linalg.cholesky(_sym_lower(a)), a)


def test_cholesky_reparameterization_trick(backend):
    eps = np.random.RandomState(0).randn(6)

    def f(a):
        z = gnp.dot(gnp.linalg.cholesky(_sym_lower(a)), eps)
        return gnp.linalg.norm(z)

    _check(f, _rand_psd(6))


# ---- svd -------------------------------------------------------------------------------------

SVD_SHAPES = {"wide_2d": (3, 5), "wide_3d": (4, 3, 5), "square_2d": (4, 4),
              "square_3d": (3, 4, 4), "tall_2d": (5, 3), "tall_3d": (4, 5, 3)}


@pytest.mark.parametrize("name", list(SVD_SHAPES))
def test_svd(backend, name):
    mat = _rs().randn(*SVD_SHAPES[name])
    _check(lambda x: tuple(gnp.linalg.svd(x, full_matrices=False)), mat)


@pytest.mark.parametrize("shape", [(5, 3), (4, 5, 3)])
def test_svd_only_s(backend, shape):
    mat = _rs().randn(*shape)
    _check(lambda x: gnp.linalg.svd(x, full_matrices=False, compute_uv=False), mat)


@pytest.mark.parametrize("name", list(SVD_SHAPES))
def test_svd_complex(backend, name):
    """The phases of complex singular vectors are arbitrary: checked through |u| and |vh|."""
    def f(x):
        u, s, vh = gnp.linalg.svd(x, full_matrices=False)
        return gnp.abs(u), s, gnp.abs(vh)

    _check(f, _complex(_rs(), *SVD_SHAPES[name]))


@pytest.mark.parametrize("shape", [(5, 3), (4, 5, 3)])
def test_svd_only_s_complex(backend, shape):
    mat = _complex(_rs(), *shape)
    _check(lambda x: gnp.linalg.svd(x, full_matrices=False, compute_uv=False), mat)


# ---- against autograd itself (real matrices, where both libraries' gradients coincide) -------

def _peer_cases():
    r = np.random.RandomState(5)
    sq = r.randn(4, 4) + 4 * np.eye(4)
    rhs = r.randn(4, 3)
    sym = _rand_psd(4) + np.eye(4)
    return {
        "inv": (lambda m: m.linalg.inv, sq),
        "det": (lambda m: m.linalg.det, r.randn(2, 4, 4)),
        "slogdet": (lambda m: (lambda x: m.linalg.slogdet(x)[1]), -sq),
        "solve": (lambda m: (lambda x: m.linalg.solve(x, rhs)), sq),
        "pinv": (lambda m: m.linalg.pinv, r.randn(5, 3)),
        "norm_nuc": (lambda m: (lambda x: m.linalg.norm(x, "nuc")), r.randn(5, 3)),
        "norm_ord3": (lambda m: (lambda x: m.linalg.norm(x, 3)), r.randn(6)),
        "eigh": (lambda m: (lambda x: m.linalg.eigh(x)[0] + m.sum(m.linalg.eigh(x)[1] ** 2)),
                 sym),
        "cholesky": (lambda m: m.linalg.cholesky, sym),
        "svd": (lambda m: (lambda x: m.sum(m.linalg.svd(x, full_matrices=False)[0] ** 3)
                           + m.linalg.svd(x, full_matrices=False)[1]), r.randn(3, 5, 4)),
    }


@pytest.mark.parametrize("name", list(_peer_cases()))
def test_gradients_match_autograd(backend, name):
    """The gradient of the sum of the output agrees with HIPS autograd's. (cholesky: along
    symmetric directions only, since autograd returns the symmetrised gradient and gpuad the
    lower-triangular one, docs/semantics.md; both are checked on a symmetrised input.)"""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    import gpuad

    pick, x = _peer_cases()[name]

    def sym(m, a):
        return (a + m.swapaxes(a, -1, -2)) / 2 if name == "cholesky" else a

    theirs = autograd.grad(lambda a: anp.sum(pick(anp)(sym(anp, a))))(x)
    ours = ad.grad(lambda a: gnp.sum(pick(gpuad.numpy)(sym(gnp, a))))(x)
    ours = ours.get() if hasattr(ours, "get") else ours
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)
