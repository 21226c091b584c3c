"""Complex matrices through the holomorphic linear-algebra primitives (expm, sqrtm,
solve_triangular, solve_sylvester, det through the adjugate), against complex finite
differences; complex qr, pinv and lstsq against central differences of real and
imaginary parts."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as sl
from gpuad.testing import check_grads


def _c(r, shape, scale=1.0):
    return scale * (r.standard_normal(shape) + 1j * r.standard_normal(shape))


@pytest.mark.parametrize("case", ["solve_triangular", "expm", "det", "solve_sylvester"])
def test_holomorphic_matrix_functions(backend, case):
    r = np.random.default_rng(0)
    m = _c(r, (3, 3), 0.3) + 2 * np.eye(3)
    b = _c(r, (3, 2))
    if case == "solve_triangular":
        check_grads(lambda a, y: sl.solve_triangular(a, y, lower=False), (np.triu(m), b))
    elif case == "expm":
        check_grads(sl.expm, (m - 2 * np.eye(3),))
    elif case == "det":
        check_grads(gnp.linalg.det, (m,))
    else:
        check_grads(lambda a, q: sl.solve_sylvester(a, a + 1.0, q), (m, _c(r, (3, 3))),
                    order=1)


def _fd_grad(loss, z, h=1e-6):
    """dL/dRe z + i dL/dIm z by float64 central differences (gpuad's and torch's convention)."""
    g = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        for unit in (1.0, 1j):
            e = np.zeros_like(z)
            e[idx] = unit * h
            g[idx] += unit * (loss(z + e) - loss(z - e)) / (2 * h)
    return g


def _grad_matches_fd(loss, z):
    from tests.conftest import to_numpy

    xp = ad.get_backend().xp
    got = to_numpy(ad.grad(loss)(xp.asarray(z)))
    want = _fd_grad(lambda u: float(to_numpy(loss(xp.asarray(u)))), z)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def _qr_parts(a, mode):
    """Q, R, and for complete tall input the projector onto the extra columns (their basis is
    arbitrary; LAPACK's real diagonal of R fixes the rest)."""
    q, r = gnp.linalg.qr(a, mode=mode)
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        q2 = q[..., n:]
        return q[..., :n], r, q2 @ gnp.conj(gnp.swapaxes(q2, -1, -2))
    return q, r


@pytest.mark.parametrize("shape,mode", [((4, 3), "reduced"), ((3, 3), "reduced"),
                                        ((2, 4), "reduced"), ((4, 2), "complete"),
                                        ((2, 3, 2), "reduced")])
def test_complex_qr(backend, shape, mode):
    r = np.random.default_rng(3)
    a = _c(r, shape)
    xp = ad.get_backend().xp
    w = [xp.asarray(_c(r, np.shape(p))) for p in _qr_parts(xp.asarray(a), mode)]

    def loss(x):
        return sum(gnp.sum(gnp.real(p * c)) + 0.3 * gnp.sum(gnp.abs(p) ** 2 * gnp.imag(c))
                   for p, c in zip(_qr_parts(x, mode), w, strict=True))

    _grad_matches_fd(loss, a)
    check_grads(lambda x: _qr_parts(x, mode), (a,), order=2 if shape == (4, 3) else 1)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_complex_pinv(backend, shape):
    r = np.random.default_rng(4)
    a = _c(r, shape)
    w = ad.get_backend().xp.asarray(_c(r, shape[:-2] + shape[::-1][:2]))
    _grad_matches_fd(lambda x: gnp.sum(gnp.real(gnp.linalg.pinv(x) * w))
                     + gnp.sum(gnp.abs(gnp.linalg.pinv(x)) ** 3), a)
    check_grads(gnp.linalg.pinv, (a,), order=2 if shape == (4, 3) else 1)


@pytest.mark.parametrize("shape,bshape", [((5, 3), (5, 2)), ((5, 3), (5,)), ((3, 4), (3, 2))])
def test_complex_lstsq(backend, shape, bshape):
    r = np.random.default_rng(5)
    a, b = _c(r, shape), _c(r, bshape)
    xp = ad.get_backend().xp
    x, res, rank, s = gnp.linalg.lstsq(xp.asarray(a), xp.asarray(b))
    want = np.linalg.lstsq(a, b, rcond=None)
    from tests.conftest import to_numpy

    np.testing.assert_allclose(to_numpy(x), want[0], rtol=1e-10, atol=1e-12)
    assert to_numpy(res).dtype == want[1].dtype  # real residuals, as NumPy's
    np.testing.assert_allclose(to_numpy(res), want[1], rtol=1e-10)

    def loss(u, v):
        x, res, _, s = gnp.linalg.lstsq(u, v)
        return gnp.sum(gnp.abs(x) ** 2) + gnp.sum(gnp.real(x)) + 0.7 * gnp.sum(res) + gnp.sum(s)

    _grad_matches_fd(lambda u: loss(u, xp.asarray(b)), a)
    _grad_matches_fd(lambda v: loss(xp.asarray(a), v), b)
    check_grads(lambda u, v: gnp.linalg.lstsq(u, v)[:2], (a, b), order=1)


def test_hermitian_reads(backend):
    """One triangle of a complex matrix read as Hermitian (solve 'her'/'pos', pinv and svd with
    hermitian=True) agrees with SciPy/NumPy and differentiates; complex symmetric 'sym' and the
    generalised complex eigh raise."""
    import scipy.linalg as sp_linalg

    r = np.random.default_rng(2)
    m = _c(r, (4, 4))
    h = m @ m.conj().T + np.eye(4)
    b = _c(r, (4, 2))
    for kind in ("her", "pos"):
        xp = ad.get_backend().xp
        got = sl.solve(xp.asarray(np.tril(h)), xp.asarray(b), assume_a=kind, lower=True)
        got = got.get() if hasattr(got, "get") else got
        np.testing.assert_allclose(got, sp_linalg.solve(h, b), rtol=1e-10)
        check_grads(lambda a, y, k=kind: sl.solve(a, y, assume_a=k, lower=True),
                    (np.tril(h), b), order=1)
    check_grads(lambda a: gnp.linalg.svd(a, hermitian=True, compute_uv=False), (h,), order=1)
    # complex symmetric (a = a^T, no conjugate): the upper triangle mirrored, as SciPy's
    s = np.triu(m) + np.triu(m, 1).T
    got = sl.solve(xp.asarray(np.triu(m) + 5.0 * np.tril(m, -1)), xp.asarray(b), assume_a="sym")
    np.testing.assert_allclose(to_numpy(got), np.linalg.solve(s, b), rtol=1e-10)
    # the generalised complex problem: a v = w b v with v^H b v = I
    h2 = h + np.eye(4)
    w, v = sl.eigh(xp.asarray(h), xp.asarray(h2))
    w, v = to_numpy(w), to_numpy(v)
    np.testing.assert_allclose(h @ v, h2 @ v * w, atol=1e-10)
    np.testing.assert_allclose(v.conj().T @ h2 @ v, np.eye(4), atol=1e-10)


def test_loss_depending_on_eigenvector_phases_raises(backend):
    """A complex eigenvector (singular vector pair) is defined up to a factor e^{i phi}: a loss
    that changes with it has no derivative. The vjps dropped that part and returned a gradient
    that finite differences of the forward contradict (eig: 0.064 against -0.32); now they
    raise, and phase-free losses of the same vectors still differentiate."""
    from gpuad.linalg_rules import DegenerateError

    r = np.random.default_rng(4)
    z = _c(r, (3, 3))
    h = z + z.conj().T
    la = gnp.linalg
    xp = ad.get_backend().xp
    phase = [(lambda a: la.eigh(a)[1], h), (lambda a: la.svd(a)[0], z),
             (lambda a: la.svd(a, full_matrices=False)[2], z)]
    if hasattr(xp.linalg, "eig"):  # a real matrix with complex eigenvalues too
        phase += [(lambda a: la.eig(a)[1], z), (lambda a: la.eig(a)[1], r.standard_normal((3, 3)))]
    for f, a in phase:
        with pytest.raises(DegenerateError, match="depends on the phases"):
            ad.grad(lambda a: gnp.sum(gnp.real(f(a))))(xp.asarray(a))
    u_vh = lambda a: (lambda u, s, vh: u @ vh)(*la.svd(a, full_matrices=False))  # noqa: E731
    check_grads(lambda a: gnp.abs(la.eigh(a)[1]), (h,), order=1, modes=("rev",))
    check_grads(u_vh, (z,), order=1, modes=("rev",))


def test_linalg_vecdot_of_complex_vectors(backend):
    """numpy.linalg.vecdot conjugates the first vector; gpuad.numpy.linalg.vecdot refused
    complex input where gpuad.numpy.vecdot computes it."""
    r = np.random.default_rng(1)
    a, b = _c(r, (2, 3)), _c(r, (4, 1, 3))
    xp = ad.get_backend().xp
    got = gnp.linalg.vecdot(xp.asarray(a), xp.asarray(b))
    np.testing.assert_allclose(to_numpy(got), np.sum(a.conj() * b, -1), atol=1e-12)
    check_grads(lambda x, y: gnp.linalg.vecdot(x, y, axis=0), (a.T, b[0].T), order=2)


def test_slogdet_of_a_singular_complex_matrix_names_slogdet(backend):
    """log|det| = -inf: the complex rule raised inv's LinAlgError ('Singular matrix'), where
    the real one names slogdet and suggests det."""
    from gpuad.engine import GradError

    a = ad.get_backend().xp.asarray(np.array([[1, 1j], [1j, -1]]))
    with pytest.raises(GradError, match=r"slogdet: .*differentiate det"):
        ad.grad(lambda a: gnp.linalg.slogdet(a)[1])(a)
    with pytest.raises(GradError, match=r"slogdet: .*differentiate det"):
        ad.jvp(lambda a: gnp.linalg.slogdet(a)[1], (a,), (a,))
