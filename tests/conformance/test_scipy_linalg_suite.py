"""SciPy's own tests of scipy.linalg, ported to gpuad.scipy.linalg.

From scipy/linalg/tests: test_matfuncs.py (expm, logm, sqrtm, signm, funm, cosm ... tanhm,
expm_frechet, expm_cond, fractional_matrix_power, khatri_rao), the differentiable parts of
test_basic.py (solve with assume_a, solve_triangular, solve_banded, solveh_banded, inv, det,
lstsq, pinv, pinvh), test_decomp*.py (lu, lu_factor/lu_solve, cholesky, cho_factor/cho_solve,
qr modes, rq, schur, hessenberg, eigh with b / subsets / eigvals_only, eig, svd, polar) and
test_special_matrices.py; SciPy's test matrices and edge cases (singular, non-square, complex,
empty, 1x1, wrong shapes: the same kind of error as SciPy).

Values are compared with SciPy run in the same process (factorisations defined up to signs or
phases through invariants); gradients with jax.scipy.linalg where JAX has the function (the
``jax`` tests skip without it) and with float64 central differences otherwise. The SciPy part
runs in CI: a fixed subset by default (under 5 s), every case with GPUAD_SCIPY_LINALG_ALL=1.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

sl = pytest.importorskip("scipy.linalg")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.linalg as gl  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

ALL = os.environ.get("GPUAD_SCIPY_LINALG_ALL") == "1"
SCIPY_117 = tuple(int(p) for p in __import__("scipy").__version__.split(".")[:2]) >= (1, 17)
RNG = np.random.default_rng(1234)


def host(x):
    if isinstance(x, (tuple, list)):
        return tuple(host(y) for y in x)
    if isinstance(x, ad.Tensor):
        return x.numpy()
    return np.asarray(x.get() if hasattr(x, "get") else x)


def _scipy(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _close(got, want, tol, name):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != SciPy's {want.shape}"
    if want.dtype.kind == "c" and got.dtype.kind != "c":
        # SciPy's complex Schur form leaves rounding-level imaginary parts on real results
        assert np.abs(want.imag).max(initial=0) <= 1e-10 * max(1, np.abs(want).max()), name
        want = want.real
    else:
        assert got.dtype.kind == want.dtype.kind, f"{name}: dtype {got.dtype} != {want.dtype}"
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=name,
                               equal_nan=True)


def agree(name, gfn, sfn, args, kw=None, tol=1e-9, canon=None):
    """``gfn(*args, **kw)`` equals ``sfn(*args, **kw)`` (after ``canon``), or both raise
    exceptions of the same kind."""
    kw = kw or {}
    try:
        want = _scipy(sfn, *args, **kw)
        err = None
    except Exception as e:  # noqa: BLE001
        want, err = None, e
    if err is not None:
        kinds = (ValueError, np.linalg.LinAlgError, NotImplementedError, TypeError, IndexError)
        kind = next((k for k in kinds if isinstance(err, k)), type(err))
        with pytest.raises(kind):
            gfn(*args, **kw)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = host(gfn(*args, **kw))
    if canon is not None:
        got, want = canon(got), canon(want)
    if isinstance(want, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(want), f"{name}: {len(got)} results"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, tol, f"{name}[{i}]")
    else:
        _close(got, want, tol, name)


# ---- SciPy's test matrices -------------------------------------------------------------------

NILS = np.array([[29.2, -24.2, 69.5, 49.8, 7.], [-9.2, 5.2, -18., -16.8, -2.],
                 [-10., 6., -20., -18., -2.], [-9.6, 9.6, -25.5, -15.4, -2.],
                 [9.8, -4.8, 18., 18.2, 2.]])
NILS_SIGN = np.array([[11.94933333, -2.24533333, 15.31733333, 21.65333333, -2.24533333],
                      [-3.84266667, 0.49866667, -4.59066667, -7.18666667, 0.49866667],
                      [-4.08, 0.56, -4.92, -7.6, 0.56],
                      [-4.03466667, 1.04266667, -5.59866667, -7.02666667, 1.04266667],
                      [4.15733333, -0.50133333, 4.90933333, 7.81333333, -0.50133333]])
DEFECTIVE3 = np.array([[-2., 25., 0., 0., 0., 0., 0.], [0., -3., 10., 3., 3., 3., 0.],
                       [0., 0., 2., 15., 3., 3., 0.], [0., 0., 0., 0., 15., 3., 0.],
                       [0., 0., 0., 0., 3., 10., 0.], [0., 0., 0., 0., 0., -2., 25.],
                       [0., 0., 0., 0., 0., 0., -3.]])
AL_MOHY_HIGHAM_1 = np.array([[3.2346e-1, 3e4, 3e4, 3e4], [0, 3.0089e-1, 3e4, 3e4],
                             [0, 0, 3.2210e-1, 3e4], [0, 0, 0, 3.0744e-1]])
E5 = 2.0 ** -5
SQRTM_BAD = np.array([[1.0, 0, 0, 1], [0, E5, 0, 0], [0, 0, E5, 0], [0, 0, 0, 1]])
EXPM_BAD_COND = np.array([
    [-1.128679820, 9.614183771e4, -4.524855739e9, 2.924969411e14],
    [0, -1.201010529, 9.634696872e4, -4.681048289e9],
    [0, 0, -1.132893222, 9.532491830e4], [0, 0, 0, -1.179475332]])
GH4866 = np.array([[1.0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]])
OPPOSITE = np.array([[2j, 4], [0, -2j]])
GH23278 = np.array([[1., 0., 0.], [0, 1, -1j], [0, 1j, 2]])
# test_basic.py's
SOLVE_A = np.array([[1.0, 20], [-30, 4]])
SOLVE_B = np.array([[1.0, 0, 0, 1], [1, 2, 3, 4]]).T
POS = np.array([[2.0, 1], [1, 3]])
HER = np.array([[2.0, 1 + 1j], [1 - 1j, 3]])
SING = np.array([[1.0, 2], [2, 4]])
TRI_L = np.array([[1.0, 0, 0], [2, 3, 0], [4, 5, 6]])
BAND = np.array([[0.0, 1, 2, 3], [5, 6, 7, 8], [1, 2, 3, 0]])  # (1, 1): a 4x4 tridiagonal
HBAND = np.array([[0.0, 1, 1, 1], [4, 4, 4, 4]])  # upper form
HBAND_L = np.array([[4.0, 4, 4, 4], [1, 1, 1, 0]])  # the same matrix, lower form
A4 = RNG.standard_normal((4, 4))
C4 = A4 + 1j * RNG.standard_normal((4, 4))
P4 = A4 @ A4.T + np.eye(4)
H4 = C4 @ C4.conj().T + np.eye(4)
R53, R35 = RNG.standard_normal((5, 3)), RNG.standard_normal((3, 5))
EMPTY, E03 = np.empty((0, 0)), np.empty((0, 3))


def _spectrum_ok(a):
    return a


def _sort_eigs(r):
    """``eigvals`` up to order."""
    r = np.asarray(r)
    return r[np.lexsort((np.round(r.imag, 8), np.round(r.real, 8)))]


def _eig_canon(r):
    """``(w, v)`` up to the order and phases of the eigenvectors: ``(sorted w, |v|)``."""
    w, v = r
    order = np.argsort(np.round(w, 8), kind="stable")
    return (np.asarray(w)[order], np.abs(np.asarray(v))[:, order])


def _eigh_canon(r):
    if not isinstance(r, tuple):
        return r
    w, v = r
    v = np.asarray(v)
    k = np.argmax(np.abs(v), axis=0)
    phase = v[k, np.arange(v.shape[1])]
    return (w, v / (phase / np.abs(phase)))


def _svd_canon(r):
    if not isinstance(r, tuple):
        return r
    u, s, vh = r
    k = min(u.shape[0], vh.shape[0])
    return (s, (u[:, :k] * s) @ vh[:k])


def _schur_canon(r):
    t, z = r
    return (z @ t @ z.conj().T, np.abs(np.diag(t)))


# ---- test_matfuncs.py ------------------------------------------------------------------------

MATFUNC_CASES = [
    # (scipy.linalg name, args, tolerance); the first ones run by default
    ("expm", (np.zeros((2, 2)),), 1e-12),
    ("expm", (np.array([[1.0, 2], [3, 4]]),), 1e-12),
    ("expm", (np.array([[2.0]]),), 1e-12),
    ("expm", (EMPTY,), 1e-12),
    ("expm", (np.array([[1.0, 2], [3, 4]]).astype(np.float32),), 1e-6),
    ("expm", (np.arange(8.0).reshape(2, 2, 2) / 8,), 1e-12),
    ("expm", (C4 / 4,), 1e-12),
    ("logm", (P4,), 1e-10),
    ("logm", (H4,), 1e-10),
    ("logm", (np.array([[2.0]]),), 1e-12),
    ("logm", (np.identity(7) * 3.1 + 0j - DEFECTIVE3,), 1e-8),
    ("logm", (np.array([[-1.0, 0], [0, 2]]),), 1e-12),
    ("logm", (np.array([[1.0, 1], [-1, 1]]),), 1e-12),  # complex spectrum, real logm
    ("logm", (OPPOSITE,), 1e-12),
    ("sqrtm", (SQRTM_BAD,), 1e-10),
    ("sqrtm", (OPPOSITE,), 1e-12),
    ("sqrtm", (GH4866,), 1e-12),
    ("sqrtm", (np.diag([2.0, 1, 0]),), 1e-12),
    ("sqrtm", (np.zeros((2, 2)),), 1e-12),
    ("sqrtm", (GH23278,), 1e-12),
    ("sqrtm", (AL_MOHY_HIGHAM_1,), 1e-8),
    ("sqrtm", (P4,), 1e-10),
    ("signm", (NILS,), 1e-6),
    ("signm", (DEFECTIVE3,), 1e-6),
    ("signm", (A4,), 1e-8),
    ("cosm", (A4,), 1e-10), ("sinm", (A4,), 1e-10), ("tanm", (A4 / 4,), 1e-10),
    ("coshm", (A4,), 1e-10), ("sinhm", (A4,), 1e-10), ("tanhm", (A4,), 1e-10),
    ("cosm", (C4,), 1e-10), ("sinm", (C4,), 1e-10), ("tanhm", (C4 / 2,), 1e-10),
    ("fractional_matrix_power", (P4, 0.5), 1e-10),
    ("fractional_matrix_power", (P4, -1.7), 1e-10),
    ("fractional_matrix_power", (P4, 3), 1e-10),
    ("fractional_matrix_power", (P4, -2), 1e-10),
    ("fractional_matrix_power", (H4, 0.3), 1e-10),
    ("fractional_matrix_power", (np.array([[1.0, 1], [-1, 1]]), 0.7), 1e-12),
    ("fractional_matrix_power", (np.array([[-1.0, 0], [0, 2]]), 0.5), 1e-12),
    ("fractional_matrix_power", (np.array([[2.0, 1], [0, 2]]), 2.5), 1e-12),  # defective
    ("expm_cond", (np.array([[-0.7]]),), 1e-12),
    ("expm_cond", (A4 / 2,), 1e-10),
    ("khatri_rao", (np.array([[1.0, 2], [3, 4]]), np.array([[5.0, 6], [7, 8], [9, 10]])), 0),
    ("khatri_rao", (np.ones((2, 3)), np.ones((4, 2))), 0),  # column counts differ
    ("khatri_rao", (np.ones(3), np.ones((4, 3))), 0),  # not 2-D
    ("khatri_rao", (E03, np.ones((2, 3))), 0),
    ("expm_frechet", (np.array([[1.0, 2], [5, 6]]), np.array([[3.0, 4], [7, 8]])), 1e-12),
    ("expm_frechet", (np.eye(2), np.ones((3, 3))), 0),
    # wrong shapes: the same error as SciPy
    ("expm", (np.ones((2, 3)),), 0), ("logm", (np.ones((2, 3)),), 0),
    ("sqrtm", (np.ones((2, 3)),), 0), ("cosm", (np.ones(3),), 0),
    ("expm_cond", (np.ones((2, 3)),), 0),
]


def _ids(cases):
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def _subset(cases, every=3):
    """Every case with GPUAD_SCIPY_LINALG_ALL=1, else every ``every``-th and the first."""
    return [c for i, c in enumerate(cases) if ALL or i % every == 0]


@pytest.mark.parametrize("name,args,tol", _subset(MATFUNC_CASES, 4), ids=_ids(
    _subset(MATFUNC_CASES, 4)))
def test_matfuncs_match_scipy(name, args, tol):
    agree(name, getattr(gl, name), getattr(sl, name), args, tol=max(tol, 1e-15))


def test_signm_nils_matches_scipys_expected_value():
    np.testing.assert_allclose(host(gl.signm(NILS)), NILS_SIGN, atol=1e-6)


def test_logm_round_trips():
    """test_matfuncs: expm(logm(A)) == A, for random real and complex matrices and for
    Al-Mohy and Higham's badly conditioned triangular matrix."""
    a = AL_MOHY_HIGHAM_1
    np.testing.assert_allclose(host(gl.expm(gl.logm(a))), a, rtol=5e-5, atol=1e-14)
    for n in (1, 3) if not ALL else (1, 2, 3, 4, 5):
        for scale in (1e-1, 1.0) if not ALL else (1e-4, 1e-1, 1.0, 1e1):
            m = np.eye(n) + scale * RNG.standard_normal((n, n))
            back = host(gl.expm(gl.logm(m)))
            np.testing.assert_allclose(back, m, rtol=1e-8, atol=1e-10)


def test_expm_cond_univariate_and_bad():
    for x in np.linspace(-5, 5, 11 if ALL else 3):
        np.testing.assert_allclose(host(gl.expm_cond(np.array([[x]]))), abs(x), atol=1e-14)
    assert host(gl.expm_cond(EXPM_BAD_COND)) > 1e36


def test_fractional_power_round_trips():
    """test_matfuncs: A^(1/p) raised to p is A; integer powers are products."""
    for p in (2, 3, 5) if ALL else (3,):
        root = host(gl.fractional_matrix_power(P4, 1.0 / p))
        np.testing.assert_allclose(np.linalg.matrix_power(root, p), P4, rtol=1e-10)
    # singular matrix: a root still exists (SciPy's test_singular)
    root = host(gl.fractional_matrix_power(np.diag([1.0, 0.0]), 0.5))
    np.testing.assert_allclose(root, np.diag([1.0, 0.0]), atol=1e-12)


# ---- test_basic.py ---------------------------------------------------------------------------

BASIC_CASES = [
    # (name, args, kwargs)
    ("solve", (SOLVE_A, SOLVE_B), {}),
    ("solve", (SOLVE_A, SOLVE_B[:, 0]), {}),
    ("solve", (POS, SOLVE_B[:2]), {"assume_a": "pos"}),
    ("solve", (POS, SOLVE_B[:2]), {"assume_a": "sym"}),
    ("solve", (np.triu(POS), SOLVE_B[:2]), {"assume_a": "pos"}),
    ("solve", (np.tril(POS), SOLVE_B[:2]), {"assume_a": "pos", "lower": True}),
    ("solve", (HER, SOLVE_B[:2]), {"assume_a": "her"}),
    ("solve", (np.tril(HER), SOLVE_B[:2]), {"assume_a": "her", "lower": True}),
    ("solve", (C4, SOLVE_B), {"assume_a": "sym"}),
    ("solve", (A4, SOLVE_B), {"assume_a": "pos"}),  # not positive definite: LinAlgError
    ("solve", (A4, SOLVE_B), {"transposed": True}),
    ("solve", (A4, SOLVE_B), {"assume_a": "what"}),
    ("solve", (SING, np.ones(2)), {}),
    ("solve", (EMPTY, np.empty(0)), {}),
    ("solve", (EMPTY, np.empty((0, 3))), {}),
    ("solve", (np.ones((2, 3)), np.ones(2)), {}),
    ("solve", (A4, np.ones(3)), {}),
    ("solve", (np.array([[2.0]]), np.array([3.0])), {}),
    ("solve", (np.array([[2, 1], [1, 3]]), np.array([1, 2])), {}),
    ("solve", (C4, SOLVE_B), {}),
    ("solve_triangular", (TRI_L, np.array([1.0, 2, 3])), {"lower": True}),
    ("solve_triangular", (TRI_L, np.array([1.0, 2, 3])), {"lower": True, "trans": 1}),
    ("solve_triangular", (TRI_L, np.array([1.0, 2, 3])), {"lower": True, "trans": "T"}),
    ("solve_triangular", (TRI_L, np.eye(3)), {"lower": True, "unit_diagonal": True}),
    ("solve_triangular", (TRI_L.T, np.eye(3)), {"trans": 2}),
    ("solve_triangular", (np.triu(C4) + 4 * np.eye(4), SOLVE_B), {"trans": "C"}),
    ("solve_triangular", (np.triu(C4) + 4 * np.eye(4), SOLVE_B), {"trans": 1}),
    ("solve_triangular", (A4, SOLVE_B), {"lower": True}),  # reads one triangle
    ("solve_triangular", (TRI_L, np.ones(2)), {"lower": True}),
    ("solve_triangular", (np.triu(SING), np.ones(2)), {}),
    ("solve_triangular", (EMPTY, np.empty(0)), {}),
    ("solve_banded", ((1, 1), BAND, SOLVE_B), {}),
    ("solve_banded", ((1, 1), BAND, SOLVE_B[:, 1]), {}),
    ("solve_banded", ((1, 1), BAND + 1j, SOLVE_B), {}),
    ("solve_banded", ((2, 0), BAND, SOLVE_B), {}),
    ("solve_banded", ((0, 0), BAND[1:2], SOLVE_B), {}),
    ("solve_banded", ((1, 0), BAND, SOLVE_B), {}),  # l + u + 1 != rows
    ("solve_banded", ((1, 1), BAND, np.ones(3)), {}),
    ("solveh_banded", (HBAND, SOLVE_B), {}),
    ("solveh_banded", (HBAND_L, SOLVE_B), {"lower": True}),
    ("solveh_banded", (HBAND + np.array([[0, 1j, 1j, 1j], [0, 0, 0, 0]]), SOLVE_B), {}),
    ("solveh_banded", (-HBAND, SOLVE_B), {}),  # not positive definite
    ("solveh_banded", (HBAND, np.ones(3)), {}),
    ("inv", (SOLVE_A,), {}), ("inv", (C4,), {}), ("inv", (np.array([[2.0]]),), {}),
    ("inv", (SING,), {}), ("inv", (np.ones((2, 3)),), {}), ("inv", (EMPTY,), {}),
    ("inv", (np.arange(18.0).reshape(2, 3, 3) ** 1.5,), {}),
    ("det", (SOLVE_A,), {}), ("det", (C4,), {}), ("det", (SING,), {}),
    ("det", (np.ones((2, 3)),), {}), ("det", (np.array([[2.0]]),), {}),
    ("det", (np.array([[1, 2], [3, 4]]),), {}),
    ("lstsq", (R53, RNG.standard_normal((5, 2))), {}),
    ("lstsq", (R35, RNG.standard_normal((3, 2))), {}),
    ("lstsq", (R53, RNG.standard_normal(5)), {}),
    ("lstsq", (SING, np.ones(2)), {}),
    ("lstsq", (SING, np.ones(2)), {"cond": 0.1}),
    ("lstsq", (R53, np.ones(4)), {}),
    ("pinv", (R53,), {}), ("pinv", (C4,), {}), ("pinv", (SING,), {}),
    ("pinv", (A4,), {"atol": 0.5}), ("pinv", (A4,), {"rtol": 0.3}),
    ("pinv", (SING,), {"return_rank": True}), ("pinv", (E03,), {}),
    ("pinvh", (P4,), {}), ("pinvh", (H4,), {}), ("pinvh", (SING,), {"return_rank": True}),
    ("pinvh", (np.triu(P4),), {"lower": False}), ("pinvh", (np.ones((2, 3)),), {}),
    ("norm", (A4,), {}), ("norm", (A4, 1), {}), ("norm", (A4, 2), {}),
    ("norm", (C4, "nuc"), {}), ("norm", (SOLVE_B[:, 1], np.inf), {}),
]


if "tridiagonal" in (sl.solve.__doc__ or ""):  # the structures of SciPy 1.15 and later
    BASIC_CASES += [("solve", (A4, SOLVE_B), {"assume_a": k}) for k in (
        "diagonal", "tridiagonal", "banded", "upper triangular", "lower triangular")]


def _lstsq_canon(r):
    x, res, rank, s = r
    return (x, res, np.asarray(int(rank)), s)


@pytest.mark.parametrize("name,args,kw", _subset(BASIC_CASES, 4), ids=_ids(_subset(BASIC_CASES, 4)))
def test_basic_matches_scipy(name, args, kw):
    canon = _lstsq_canon if name == "lstsq" else None
    agree(name, getattr(gl, name), getattr(sl, name), args, kw, tol=1e-10, canon=canon)


# ---- test_decomp*.py -------------------------------------------------------------------------

DECOMP_CASES = [
    ("lu", (A4,), {}, None), ("lu", (C4,), {}, None), ("lu", (R53,), {}, None),
    ("lu", (R35,), {}, None), ("lu", (A4,), {"permute_l": True}, None),
    ("lu", (A4,), {"p_indices": True}, None), ("lu", (EMPTY,), {}, None),
    ("lu_factor", (A4,), {}, None), ("lu_factor", (C4,), {}, None),
    ("lu_factor", (SING,), {}, None),
    ("cholesky", (P4,), {}, None), ("cholesky", (H4,), {}, None),
    ("cholesky", (P4,), {"lower": True}, None), ("cholesky", (A4,), {}, None),
    ("cholesky", (np.ones((2, 3)),), {}, None), ("cholesky", (EMPTY,), {}, None),
    ("qr", (A4,), {}, None), ("qr", (C4,), {}, None), ("qr", (R53,), {}, None),
    ("qr", (R35,), {}, None), ("qr", (R53,), {"mode": "economic"}, None),
    ("qr", (R53,), {"mode": "r"}, None), ("qr", (R53,), {"mode": "bad"}, None),
    ("qr", (R53,), {"pivoting": True}, None), ("qr", (C4,), {"pivoting": True}, None),
    ("qr", (R35,), {"mode": "economic", "pivoting": True}, None),
    ("rq", (A4,), {}, None), ("rq", (C4,), {}, None), ("rq", (R53,), {}, None),
    ("rq", (R35,), {}, None), ("rq", (R35,), {"mode": "economic"}, None),
    ("rq", (R35,), {"mode": "r"}, None), ("rq", (R53,), {"mode": "economic"}, None),
    ("schur", (A4,), {}, _schur_canon), ("schur", (C4,), {}, _schur_canon),
    ("schur", (A4,), {"output": "complex"}, _schur_canon),
    ("hessenberg", (A4,), {}, None), ("hessenberg", (A4,), {"calc_q": True}, None),
    ("hessenberg", (C4,), {}, None), ("hessenberg", (np.ones((2, 3)),), {}, None),
    ("eigh", (P4,), {}, _eigh_canon), ("eigh", (H4,), {}, _eigh_canon),
    ("eigh", (np.triu(P4),), {"lower": False}, _eigh_canon),
    ("eigh", (P4 + A4 + A4.T, P4), {}, _eigh_canon),
    ("eigh", (H4, H4 + np.eye(4)), {}, _eigh_canon),
    ("eigh", (P4 + A4 + A4.T, P4), {"type": 2}, _eigh_canon),
    ("eigh", (P4 + A4 + A4.T, P4), {"type": 3}, _eigh_canon),
    ("eigh", (P4,), {"subset_by_index": [1, 2]}, _eigh_canon),
    ("eigh", (P4,), {"subset_by_value": [0.5, 100]}, _eigh_canon),
    ("eigh", (P4,), {"eigvals_only": True}, None),
    ("eigh", (P4, np.eye(3)), {}, None), ("eigh", (P4, -np.eye(4)), {}, None),
    ("eigh", (np.ones((2, 3)),), {}, None),
    ("eigh", (P4, P4), {"type": 4}, None),
    ("eigvalsh", (P4,), {}, None), ("eigvalsh", (H4,), {}, None),
    ("eig", (A4,), {}, _eig_canon), ("eig", (C4,), {}, _eig_canon),
    ("eig", (np.diag([1.0, 2.0]),), {}, _eig_canon), ("eig", (np.ones((2, 3)),), {}, None),
    ("eigvals", (A4,), {}, _sort_eigs), ("eigvals", (A4, P4), {}, _sort_eigs),
    ("svd", (A4,), {}, _svd_canon), ("svd", (C4,), {}, _svd_canon),
    ("svd", (R53,), {"full_matrices": False}, _svd_canon),
    ("svd", (R35,), {}, _svd_canon), ("svd", (R53,), {"compute_uv": False}, None),
    ("svdvals", (R53,), {}, None), ("svdvals", (E03,), {}, None),
    ("polar", (A4,), {}, None), ("polar", (C4,), {}, None), ("polar", (R53,), {}, None),
    ("polar", (R35,), {"side": "left"}, None), ("polar", (A4,), {"side": "up"}, None),
    ("orth", (SING,), {}, np.abs), ("null_space", (SING,), {}, np.abs),
    ("null_space", (R35,), {}, lambda z: np.abs(z @ np.conj(z).T)),
]


@pytest.mark.parametrize("name,args,kw,canon", _subset(DECOMP_CASES, 4),
                         ids=_ids(_subset(DECOMP_CASES, 4)))
def test_decomp_matches_scipy(name, args, kw, canon):
    agree(name, getattr(gl, name), getattr(sl, name), args, kw, tol=1e-9, canon=canon)


def test_cho_and_lu_solves_match_scipy():
    b = RNG.standard_normal((4, 2))
    for lower in (False, True):
        for a in (P4, H4):
            want = sl.cho_solve(sl.cho_factor(a, lower=lower), b)
            np.testing.assert_allclose(host(gl.cho_solve(gl.cho_factor(a, lower=lower), b)),
                                       want, rtol=1e-10)
    for trans in (0, 1, 2):
        for a in (A4, C4):
            want = sl.lu_solve(sl.lu_factor(a), b, trans=trans)
            np.testing.assert_allclose(host(gl.lu_solve(gl.lu_factor(a), b, trans=trans)), want,
                                       rtol=1e-10)
    with pytest.raises(ValueError):
        gl.lu_solve(gl.lu_factor(A4), np.ones(3))
    with pytest.raises(ValueError):
        gl.cho_solve(gl.cho_factor(P4), np.ones(3))


# ---- test_special_matrices.py and the solvers ------------------------------------------------

SPECIAL_CASES = [
    ("toeplitz", ([1.0, 2, 3],), {}), ("toeplitz", ([1.0, 2, 3], [1.0, 5, 6, 7]), {}),
    ("toeplitz", ([1 + 1j, 2, 3],), {}), ("toeplitz", ([],), {}), ("toeplitz", (3.0,), {}),
    ("hankel", ([1.0, 2, 3],), {}), ("hankel", ([1.0, 2, 3], [3.0, 5, 6, 7]), {}),
    ("circulant", ([1.0, 2, 3],), {}), ("circulant", ([1 + 1j, 2],), {}),
    ("block_diag", (), {}), ("block_diag", ([[1.0, 2]],), {}),
    ("block_diag", ([[1.0, 2]], [[3.0], [4]], 5.0), {}),
    ("block_diag", (np.empty((0, 2)), [[1.0]]), {}),
    ("companion", ([1.0, 2, 3],), {}), ("companion", ([1.0],), {}),
    ("leslie", ([0.1, 2, 1], [0.2, 0.8]), {}), ("fiedler", ([1.0, 4, 12],), {}),
    ("fiedler_companion", ([1.0, -3, 2],), {}),
    ("convolution_matrix", ([1.0, 2], 3, "full"), {}),
    ("convolution_matrix", ([1.0, 2], 3, "same"), {}),
    ("convolution_matrix", ([1.0, 2], 3, "valid"), {}),
    ("hilbert", (3,), {}), ("invhilbert", (4,), {}), ("helmert", (4,), {}),
    ("hadamard", (4,), {}), ("dft", (3,), {}),
    ("diagsvd", ([1.0, 2], 2, 3), {}), ("diagsvd", ([1.0, 2], 3, 2), {}),
    ("diagsvd", ([1.0, 2], 3, 3), {}),
    ("solve_toeplitz", (([1.0, .2, .3], [1.0, .1, .2]), [1.0, 2, 3]), {}),
    ("solve_toeplitz", ([4.0, 1, .2], [1.0, 2, 3]), {}),
    ("matmul_toeplitz", (([1.0, 2, 3], [1.0, 5, 6]), np.ones((3, 2))), {}),
    ("solve_sylvester", (A4, P4, RNG.standard_normal((4, 4))), {}),
    ("solve_continuous_lyapunov", (A4, P4), {}), ("solve_continuous_lyapunov", (C4, H4), {}),
    ("solve_discrete_lyapunov", (0.2 * A4, P4), {}),
    ("solve_discrete_lyapunov", (0.2 * C4, H4), {}),
    ("orthogonal_procrustes", (R53, R53 @ sl.expm(A4[:3, :3] - A4[:3, :3].T)), {}),
    ("orthogonal_procrustes", (R53, R35), {}),
    ("eigvalsh_tridiagonal", ([1.0, 2, 3], [.5, .5]), {}),
    ("solve_circulant", ([2.0, 1, .5], [1.0, 2, 3]), {}),
    ("solve_circulant", (np.ones(4), np.ones((4, 2))), {}),
    ("solve_circulant", (np.ones(4), np.ones(4)), {"singular": "lstsq"}),
    ("subspace_angles", (R53, RNG.standard_normal((5, 2))), {}),
    ("subspace_angles", (R35.T[:, :2] + 1j, R53), {}),
    ("subspace_angles", (R53, R35), {}),
    ("cholesky_banded", (HBAND,), {}), ("cholesky_banded", (HBAND_L,), {"lower": True}),
    ("eig_banded", (HBAND,), {"eigvals_only": True}),
    ("bandwidth", (np.triu(A4),), {}), ("issymmetric", (P4,), {}),
    ("ishermitian", (H4,), {}), ("ishermitian", (C4,), {}),
]
if SCIPY_117:  # batched leading axes (earlier SciPy flattened them)
    SPECIAL_CASES += [("toeplitz", (np.arange(6.0).reshape(2, 3), [0.0, 7]), {}),
                      ("circulant", (np.arange(6.0).reshape(2, 3),), {})]


@pytest.mark.parametrize("name,args,kw", _subset(SPECIAL_CASES), ids=_ids(
    _subset(SPECIAL_CASES)))
def test_special_and_solvers_match_scipy(name, args, kw):
    agree(name, getattr(gl, name), getattr(sl, name), args, kw, tol=1e-10)


def test_pascal_entries_exact_as_float():
    """SciPy's pascal/invpascal are integer arrays; gpuad's are float64 with the same exact
    entries (as jax.scipy.linalg's float results)."""
    for kind in ("symmetric", "lower", "upper"):
        np.testing.assert_array_equal(host(gl.pascal(5, kind)), sl.pascal(5, kind))
        np.testing.assert_array_equal(host(gl.invpascal(5, kind)), sl.invpascal(5, kind))


def test_absent_names_raise_naming_themselves():
    for name in ("ldl", "qz", "matrix_balance", "cossin", "solve_continuous_are", "cdf2rdf"):
        assert hasattr(sl, name)
        with pytest.raises(AttributeError, match=f"scipy.linalg.{name}"):
            getattr(gl, name)


# ---- derivatives: float64 central differences ------------------------------------------------

def _pos(n):
    m = RNG.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


W3 = 0.3 * RNG.standard_normal((3, 3)) + 2.0 * np.eye(3)
S3 = 0.3 * RNG.standard_normal((3, 3))
P3 = _pos(3)
B3 = RNG.standard_normal((3, 2))
FD_CASES = [
    # (name, function, args, order); functions JAX lacks first (they run in CI)
    ("logm", gl.logm, (W3,), 2 if ALL else 1),
    ("logm complex", gl.logm, (W3 + 0.2j * S3,), 1),
    ("fractional_matrix_power", lambda a: gl.fractional_matrix_power(a, 0.4), (W3,), 1),
    ("signm", gl.signm, (W3 - 2 * np.eye(3) + np.diag([0.5, -0.6, 0.7]),), 1),
    ("cosm", gl.cosm, (S3,), 1), ("sinm", gl.sinm, (S3,), 1), ("tanm", gl.tanm, (S3,), 1),
    ("coshm", gl.coshm, (S3,), 1), ("sinhm", gl.sinhm, (S3,), 1), ("tanhm", gl.tanhm, (S3,), 1),
    ("expm_cond", gl.expm_cond, (S3[:2, :2],), 1),
    ("khatri_rao", gl.khatri_rao, (B3.T, RNG.standard_normal((3, 3))), 1),
    ("pinvh", gl.pinvh, (P3,), 1),
    ("solveh_banded", lambda ab, b: gl.solveh_banded(ab, b), (HBAND, SOLVE_B), 1),
    ("solve_banded", lambda ab, b: gl.solve_banded((1, 1), ab, b), (BAND, SOLVE_B), 1),
    ("rq", lambda a: gl.rq(a), (RNG.standard_normal((3, 4)),), 1),
    ("sqrtm complex", gl.sqrtm, (W3 + 0.2j * S3,), 1),
    ("solve diagonal", lambda a, b: gl.solve(a, b, assume_a="diagonal"), (W3, B3), 1),
    ("solve pos", lambda a, b: gl.solve(a, b, assume_a="pos"), (P3, B3), 1),
    ("solve sym complex", lambda a, b: gl.solve(a, b, assume_a="sym"), (W3 + 0.2j * S3, B3), 1),
    ("eigh type 2", lambda a, b: gl.eigh(a, b, type=2, eigvals_only=True), (P3 + S3 + S3.T, P3),
     1),
    ("eigh subset", lambda a: gl.eigh(a, subset_by_index=[1, 2])[0], (P3,), 1),
    ("solve_discrete_lyapunov", gl.solve_discrete_lyapunov, (S3, P3), 1),
    ("solve_continuous_lyapunov", gl.solve_continuous_lyapunov, (W3, P3), 1),
    ("orthogonal_procrustes", gl.orthogonal_procrustes, (R53, R53 + 0.1), 1),
    ("toeplitz batched", lambda c, r: gl.toeplitz(c, r), (B3.T, RNG.standard_normal(2)), 1),
    ("expm_frechet", lambda a, e: gl.expm_frechet(a, e), (S3, W3), 1),
    ("polar", gl.polar, (W3,), 1),
    ("lstsq", lambda a, b: gl.lstsq(a, b)[0], (R53, RNG.standard_normal(5)), 1),
    ("eigh b", lambda a, b: gl.eigh(a, b)[0], (P3 + S3 + S3.T, P3), 1),
    ("eigh b complex", lambda a, b: gl.eigh(a, b, eigvals_only=True),
     (P3 + 0.2j * (S3 - S3.T), P3), 1),
    ("solve_sylvester", gl.solve_sylvester, (W3, P3, S3), 1),
    ("pinv", gl.pinv, (R53,), 1),
    ("signm NILS-like", gl.signm, (NILS + np.eye(5),), 1),
]


@pytest.mark.parametrize("name,fn,args,order", _subset(FD_CASES, 5),
                         ids=[c[0] for c in _subset(FD_CASES, 5)])
def test_derivatives_match_finite_differences(name, fn, args, order):
    check_grads(fn, args, order=order)


# ---- derivatives: jax.scipy.linalg -----------------------------------------------------------

def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.scipy.linalg as jsl

    return jax, jsl


JAX_CASES = [
    # (name, gpuad fn, jax fn of jax.scipy.linalg, args) with a scalar loss on top
    ("expm", lambda m, a: m.expm(a), (W3,)),
    ("solve gen", lambda m, a, b: m.solve(a, b), (W3, B3)),
    ("solve pos", lambda m, a, b: m.solve(a, b, assume_a="pos"), (P3, B3)),
    ("solve_triangular", lambda m, a, b: m.solve_triangular(a, b, lower=True, trans=1),
     (W3, B3)),
    ("solve_triangular unit", lambda m, a, b: m.solve_triangular(a, b, unit_diagonal=True),
     (W3, B3)),
    ("inv", lambda m, a: m.inv(a), (W3,)),
    ("det", lambda m, a: m.det(a), (W3,)),
    ("cholesky", lambda m, a: m.cholesky(a, lower=True), (P3,)),
    ("cho_solve", lambda m, a, b: m.cho_solve(m.cho_factor(a), b), (P3, B3)),
    ("lu", lambda m, a: m.lu(a)[1] + m.lu(a)[2], (W3,)),
    ("lu_solve", lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=1), (W3, B3)),
    ("qr", lambda m, a: m.qr(a, mode="economic")[1], (R53,)),
    ("eigh values", lambda m, a: m.eigh(a, eigvals_only=True), (P3 + S3 + S3.T,)),
    ("svd values", lambda m, a: m.svd(a, compute_uv=False), (R53,)),
    ("expm_frechet", lambda m, a, e: m.expm_frechet(a, e, compute_expm=False), (S3, W3)),
    ("toeplitz", lambda m, c, r: m.toeplitz(c, r), (B3.T, RNG.standard_normal(2))),
    ("block_diag", lambda m, a, b: m.block_diag(a, b), (W3, B3)),
    ("expm complex", lambda m, a: m.expm(a * (1 + 0.5j)).real,
     (S3,)),
]
# JAX reads a symmetric input through (a + a^H) / 2, SciPy (and gpuad) through one triangle:
# the gradients agree on symmetric directions
SYMMETRIC_INPUT = {"solve pos": 0, "cholesky": 0, "cho_solve": 0, "eigh values": 0}


@pytest.mark.parametrize("name,fn,args", JAX_CASES, ids=[c[0] for c in JAX_CASES])
def test_gradients_match_jax(name, fn, args):
    jax, jsl = _jax()
    import jax.numpy as jnp

    w = RNG.standard_normal(np.shape(_scipy(fn, sl, *args)))
    n = len(args)

    def gloss(*xs):
        return gnp.sum(fn(gl, *xs) * w)

    def jloss(*xs):
        return jnp.sum(fn(jsl, *xs) * w)

    got = ad.grad(gloss, argnums=tuple(range(n)))(*args)
    want = jax.grad(jloss, argnums=tuple(range(n)))(*[jnp.asarray(a) for a in args])
    got = [host(g) for g in (got if isinstance(got, tuple) else (got,))]
    want = [np.asarray(v) for v in want]
    if name in SYMMETRIC_INPUT:
        k = SYMMETRIC_INPUT[name]
        got[k] = got[k] + got[k].T
        want[k] = want[k] + want[k].T
    for g, wv in zip(got, want, strict=True):
        np.testing.assert_allclose(g, wv, rtol=1e-7, atol=1e-9, err_msg=name)
