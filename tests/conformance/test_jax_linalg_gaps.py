"""The rest of JAX's linear-algebra suite (jax-ml/jax ``tests/linalg_test.py``: classes
``NumpyLinalgTest``, ``ScipyLinalgTest`` and ``LaxLinalgTest``), ported where the earlier ports
had left gaps.

Each test here runs the upstream inputs (a sample of its shapes and dtypes, kept small) through
``gpuad.numpy.linalg``, ``gpuad.scipy.linalg`` or ``gpuad.lax.linalg`` and through the peer in
the same process: ``jax`` (float64 enabled) where JAX's result is the reference (its own
keywords, transforms, gradients), NumPy/SciPy where JAX itself checks against them. Values,
dtypes, shapes and errors are compared; gradients against ``jax.grad``/``jax.jvp`` (gpuad's
complex gradient is the conjugate of JAX's, PyTorch's convention) and against float64 central
differences (``gpuad.testing.check_grads``). Where a factorisation's signs or phases are free,
invariants (reconstruction, orthogonality, phase-free functions) are compared instead.

``GAPS`` maps every test method of the three classes to where its port is ("here:" a test of
this file, "covered:" a test of an earlier port), where gpuad deliberately differs
("differs:", with a test of gpuad's stated behaviour), or why it has no counterpart ("n/a:");
``test_every_gap_has_a_mapping`` checks the table.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sl

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.linalg as gsl  # noqa: E402
from gpuad.lax import linalg as gll  # noqa: E402
from gpuad.numpy import linalg as gla  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402

_PREC = "n/a: checks the dot precision XLA lowers a jvp to (lax.Precision.HIGHEST); gpuad has none"
_NP = "test_numpy_linalg_suite.py"
_LAX = "test_jax_lax_linalg_suite.py"
_GR = "test_jax_linalg_grads.py"
_SCH = "test_jax_scipy_spectral_schur.py"
_JSP = "test_jax_scipy_suite.py"

GAPS = (  # (class, JAX test method, where its port is or why there is none)
    # ---- NumpyLinalgTest
    ("NumpyLinalgTest", "testCholesky", "here: test_cholesky_upper_matches_numpy_and_jax"),
    ("NumpyLinalgTest", "testCholeskyGradPrecision", _PREC),
    ("NumpyLinalgTest", "testDet", f"covered: {_NP}::test_square_cases"),
    ("NumpyLinalgTest", "testDetOfSingularMatrix", "here: test_det_and_lu_of_singular_matrix"),
    ("NumpyLinalgTest", "testDetGrad", f"covered: {_GR}::test_det_grad"),
    ("NumpyLinalgTest", "testDetGradIssue6121", f"covered: {_GR}::test_det_grad_issue6121"),
    (
        "NumpyLinalgTest",
        "testDetGradOfSingularMatrixCorank1",
        f"covered: {_GR}::test_det_grad_of_singular_matrix_corank1",
    ),
    (
        "NumpyLinalgTest",
        "testDetGradOfSingularMatrixCorank2",
        f"covered: {_GR}::test_det_grad_of_singular_matrix_corank2",
    ),
    ("NumpyLinalgTest", "testTensorsolve", "here: test_tensorsolve_and_tensorinv"),
    (
        "NumpyLinalgTest",
        "testSlogdet",
        "differs: gpuad.numpy.linalg.slogdet takes NumPy's signature, without JAX's method= "
        "('lu' or 'qr', the same result); here: test_slogdet_values_and_method_keyword",
    ),
    ("NumpyLinalgTest", "testSlogdetGrad", "here: test_slogdet_grad_complex"),
    ("NumpyLinalgTest", "testIssue1213", "here: test_slogdet_values_and_method_keyword"),
    ("NumpyLinalgTest", "testEig", "here: test_lax_eig_left_and_right_eigenvectors"),
    (
        "NumpyLinalgTest",
        "testEigHandlesNanInputs",
        "differs: non-finite input raises LinAlgError (NumPy's); JAX returns NaNs; "
        "here: test_eig_of_nonfinite_input_raises",
    ),
    ("NumpyLinalgTest", "testEigvalsGrad", "here: test_eigvals_grad_fwd_and_rev"),
    ("NumpyLinalgTest", "testEigvals", "here: test_eigvals_equal_eig_values"),
    (
        "NumpyLinalgTest",
        "testEigvalsInf",
        "differs: non-finite input raises LinAlgError (NumPy's); JAX returns NaN; "
        "here: test_eig_of_nonfinite_input_raises",
    ),
    ("NumpyLinalgTest", "testEigBatching", "here: test_decompositions_under_vmap"),
    ("NumpyLinalgTest", "testEigh", "here: test_eigh_one_triangle"),
    ("NumpyLinalgTest", "testEighSubsetByIndex", f"covered: {_LAX}::test_eigh (subset_by_index)"),
    ("NumpyLinalgTest", "testEighZeroDiagonal", "here: test_eigh_special_matrices"),
    ("NumpyLinalgTest", "testEighTinyNorm", "here: test_eigh_special_matrices"),
    ("NumpyLinalgTest", "testEighRankDeficient", "here: test_eigh_special_matrices"),
    ("NumpyLinalgTest", "testEighIdentity", "here: test_eigh_special_matrices"),
    ("NumpyLinalgTest", "testEigvalsh", f"covered: {_NP}::test_hermitian_cases"),
    ("NumpyLinalgTest", "testEighGrad", f"covered: {_GR}::test_eigh_grad"),
    (
        "NumpyLinalgTest",
        "testEighGradVectorComplex",
        f"covered: {_GR}::test_eigh_grad_vector_complex",
    ),
    ("NumpyLinalgTest", "testEighGradPrecision", _PREC),
    ("NumpyLinalgTest", "testEighBatching", "here: test_decompositions_under_vmap"),
    (
        "NumpyLinalgTest",
        "testLuPivotsToPermutation",
        "here: test_lu_pivots_to_permutation_and_vmap",
    ),
    (
        "NumpyLinalgTest",
        "testLuPivotsToPermutationBatching",
        "here: test_lu_pivots_to_permutation_and_vmap",
    ),
    ("NumpyLinalgTest", "testNorm", f"covered: {_NP}::test_argument_sweeps_and_regressions"),
    ("NumpyLinalgTest", "testStringInfNorm", "here: test_string_inf_norm_raises"),
    ("NumpyLinalgTest", "testMatrixNorm", "here: test_matrix_and_vector_norm"),
    ("NumpyLinalgTest", "testVectorNorm", "here: test_matrix_and_vector_norm"),
    ("NumpyLinalgTest", "testVecdot", "here: test_linalg_aliases"),
    ("NumpyLinalgTest", "testMatmul", "here: test_linalg_aliases"),
    ("NumpyLinalgTest", "testTensordot", "here: test_linalg_aliases"),
    ("NumpyLinalgTest", "testSVD", "here: test_svd_cases_and_jvp"),
    ("NumpyLinalgTest", "testJspSVDBasic", "here: test_svd_cases_and_jvp"),
    ("NumpyLinalgTest", "testNumpyQrModes", "here: test_qr_modes"),
    ("NumpyLinalgTest", "testQr", "here: test_qr_batched_and_jvp"),
    (
        "NumpyLinalgTest",
        "testQrInvalidDtypeCPU",
        "differs: float16 raises NumPy's TypeError (JAX: NotImplementedError); "
        "here: test_qr_float16_raises",
    ),
    ("NumpyLinalgTest", "testQrBatching", "here: test_decompositions_under_vmap"),
    ("NumpyLinalgTest", "testCond", "here: test_cond"),
    ("NumpyLinalgTest", "testTensorinv", "here: test_tensorsolve_and_tensorinv"),
    ("NumpyLinalgTest", "testSolve", f"covered: {_NP}::test_square_cases"),
    ("NumpyLinalgTest", "testSolveBroadcasting", "here: test_solve_broadcasting"),
    ("NumpyLinalgTest", "testInv", f"covered: {_NP}::test_square_cases"),
    (
        "NumpyLinalgTest",
        "testPinv",
        "differs: pinv(hermitian=True) reads the lower triangle (NumPy's); JAX symmetrizes "
        "(a + a^H)/2; here: test_pinv_hermitian_reads_lower_triangle",
    ),
    ("NumpyLinalgTest", "testPinvGradIssue2792", f"covered: {_GR}::test_pinv_grad_issue2792"),
    (
        "NumpyLinalgTest",
        "testMatrixPower",
        f"covered: {_NP}::test_square_cases (its matrix_power exponents)",
    ),
    ("NumpyLinalgTest", "testMatrixRank", "here: test_matrix_rank_and_multi_dot"),
    ("NumpyLinalgTest", "testMultiDot", "here: test_matrix_rank_and_multi_dot"),
    ("NumpyLinalgTest", "testLstsq", "here: test_lstsq_rcond_and_empty"),
    ("NumpyLinalgTest", "testIssue669", "here: test_issue669_jit_grad_jit_eigh_complex"),
    ("NumpyLinalgTest", "testIssue1151", "here: test_issue1151_jacobian_of_batched_solve"),
    ("NumpyLinalgTest", "testIssue1383", "here: test_issue1383_third_jacfwd_of_eigh"),
    ("NumpyLinalgTest", "testCross", "here: test_linalg_aliases"),
    ("NumpyLinalgTest", "testOuter", "here: test_linalg_aliases"),
    ("NumpyLinalgTest", "testDiagonal", "here: test_linalg_aliases"),
    # ---- ScipyLinalgTest
    ("ScipyLinalgTest", "testBlockDiag", "here: test_block_diag_odd_arguments"),
    ("ScipyLinalgTest", "testLu", "covered: test_linalg_extra.py::test_lu_values_match_scipy"),
    ("ScipyLinalgTest", "testLuOfSingularMatrix", "here: test_det_and_lu_of_singular_matrix"),
    ("ScipyLinalgTest", "testLuOnZeroMatrix", "here: test_det_and_lu_of_singular_matrix"),
    ("ScipyLinalgTest", "testLuGrad", "here: test_lu_grad_batched"),
    ("ScipyLinalgTest", "testLuBatching", "here: test_decompositions_under_vmap"),
    (
        "ScipyLinalgTest",
        "testLuCPUBackendOnGPU",
        "n/a: jit(backend='cpu') on a GPU machine: device placement",
    ),
    ("ScipyLinalgTest", "testLuFactor", f"covered: {_JSP}::test_linalg_values_against_scipy"),
    ("ScipyLinalgTest", "testLuSolve", "here: test_lu_solve_trans"),
    ("ScipyLinalgTest", "testSolve", "here: test_scipy_solve_assume_a"),
    ("ScipyLinalgTest", "testSolveTriangular", "here: test_solve_triangular_batched"),
    ("ScipyLinalgTest", "testTriangularSolveGrad", f"covered: {_GR}::test_solve_triangular_grad"),
    ("ScipyLinalgTest", "testTriangularSolveBatching", "here: test_triangular_solve_vmap_in_axes"),
    ("ScipyLinalgTest", "testTriangularSolveGradPrecision", _PREC),
    ("ScipyLinalgTest", "testExpm", "here: test_expm_batched_upper_triangular_and_integer"),
    ("ScipyLinalgTest", "testScipyQrModes", "here: test_qr_modes"),
    ("ScipyLinalgTest", "testHouseholderProduct", "here: test_householder_product_vs_lapack"),
    ("ScipyLinalgTest", "testHessenberg", "here: test_hessenberg_batched"),
    ("ScipyLinalgTest", "testTridiagonal", "here: test_tridiagonal_vs_lapack"),
    ("ScipyLinalgTest", "testIssue2131", "here: test_expm_batched_upper_triangular_and_integer"),
    ("ScipyLinalgTest", "testChoSolve", "here: test_cho_solve_either_triangle"),
    ("ScipyLinalgTest", "testExpmFrechet", "here: test_expm_frechet_norms"),
    ("ScipyLinalgTest", "testExpmGrad", "here: test_expm_grad_fwd_and_rev"),
    ("ScipyLinalgTest", "testSchur", f"covered: {_SCH}::test_schur_invariants_and_values"),
    ("ScipyLinalgTest", "testRsf2csf", f"covered: {_SCH}::test_rsf2csf_values_and_vjp"),
    ("ScipyLinalgTest", "testFunm", "here: test_funm_negative_power"),
    ("ScipyLinalgTest", "testSqrtmPSDMatrix", "here: test_sqrtm_cases"),
    ("ScipyLinalgTest", "testSqrtmGenMatrix", "here: test_sqrtm_cases"),
    ("ScipyLinalgTest", "testSqrtmEdgeCase", "here: test_sqrtm_cases"),
    ("ScipyLinalgTest", "testToeplitzConstrcution", "here: test_toeplitz_shapes_and_dtypes"),
    (
        "ScipyLinalgTest",
        "testToeplitzSymmetricConstruction",
        "here: test_toeplitz_shapes_and_dtypes",
    ),
    (
        "ScipyLinalgTest",
        "testToeplitzConstructionWithKnownCases",
        "here: test_toeplitz_shapes_and_dtypes",
    ),
    # ---- LaxLinalgTest
    ("LaxLinalgTest", "testEigh", "here: test_lax_eigh_sort_eigenvalues"),
    ("LaxLinalgTest", "testToeplitz", "here: test_eigh_tridiagonal_cases"),
    ("LaxLinalgTest", "testRandomUniform", "here: test_eigh_tridiagonal_cases"),
    ("LaxLinalgTest", "testSelect", "here: test_eigh_tridiagonal_cases"),
    ("LaxLinalgTest", "test_tridiagonal_solve", f"covered: {_LAX}::test_tridiagonal_solve"),
    ("LaxLinalgTest", "testSchur", f"covered: {_LAX}::test_schur"),
    ("LaxLinalgTest", "testSchurBatching", "here: test_decompositions_under_vmap"),
    ("LaxLinalgTest", "testMatrixTranspose", "here: test_linalg_aliases"),
    ("LaxLinalgTest", "testHilbert", "here: test_hilbert"),
)


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _draw(r, shape, dtype=np.float64):
    """JAX's rand_default: normal with scale 3, in ``dtype``."""
    a = 3 * r.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 3j * r.standard_normal(shape)
    return a.astype(dtype)


def host(a):
    if isinstance(a, tuple | list):
        return tuple(host(x) for x in a)
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def close(got, want, rtol=1e-9, dtype=True, atol=None):
    got, want = host(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.size:
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(
            got, want, rtol=rtol, atol=rtol * scale if atol is None else atol
        )


def _t(x):
    return np.swapaxes(x, -1, -2)


def _leaves(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def vs_jax(gf, jf, args, seed=0, rtol=1e-8, fwd=True):
    """Values, the vjp of random real losses (gpuad's complex gradient is JAX's conjugated)
    and the jvp along random directions, of gpuad's ``gf`` and JAX's ``jf``."""
    r = _rng("vs_jax", seed)
    want, back = jax.vjp(jf, *[jnp.asarray(a) for a in args])
    wl, gl = _leaves(want), _leaves(gf(*args))
    assert len(wl) == len(gl)
    for g, w in zip(gl, wl, strict=True):
        close(g, w, rtol, dtype=False)
    cts = [_draw(r, np.shape(w), np.asarray(w).dtype) for w in wl]
    jg = back(
        tuple(jnp.asarray(c) for c in cts)
        if isinstance(want, tuple | list)
        else jnp.asarray(cts[0])
    )

    def loss(*xs):
        total = 0.0
        for o, c in zip(_leaves(gf(*xs)), cts, strict=True):
            total = total + gnp.sum(gnp.real(o * c))
        return total

    gg = ad.grad(loss, argnums=tuple(range(len(args))))(*args)
    for g, w in zip(gg, jg, strict=True):
        close(g, np.conj(np.asarray(w)), rtol, dtype=False)
    if fwd:
        tans = [_draw(r, np.shape(a), np.asarray(a).dtype) for a in args]
        _, jt = jax.jvp(
            jf, tuple(jnp.asarray(a) for a in args), tuple(jnp.asarray(t) for t in tans)
        )
        _, gt = ad.jvp(gf, tuple(args), tuple(tans))
        for g, w in zip(_leaves(gt), _leaves(jt), strict=True):
            close(g, w, rtol, dtype=False)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 61 + 32 + 9
    counts = {"NumpyLinalgTest": 61, "ScipyLinalgTest": 32, "LaxLinalgTest": 9}
    for cls, count in counts.items():  # LaxLinalgTest's run_eigh_tridiagonal_test is a helper
        assert sum(c == cls for c, _, _ in GAPS) == count, cls
    here = Path(__file__).parent
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        if where.startswith("differs:"):
            assert "here: test_" in where, name
        for fn in re.findall(r"here: (test_\w+)", where):
            assert callable(globals().get(fn)), (name, fn)
        for path, fn in re.findall(r"covered: ([\w/.]+\.py)::(test_\w+)", where):
            assert f"def {fn}(" in (here / path).read_text(), (name, path, fn)
    names = {n for _, n, _ in GAPS}
    assert {"testEigvalsGrad", "testIssue1383", "testSelect", "testHilbert"} <= names


# ---- NumpyLinalgTest ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 5, 5), (3, 0, 0)])
def test_cholesky_upper_matches_numpy_and_jax(shape, dtype):
    r = _rng("chol", shape, dtype)
    f = _draw(r, shape[:-1] + (2 * shape[-1],), dtype)
    a = np.matmul(f, np.conj(_t(f)))
    for upper in (False, True):
        want = np.linalg.cholesky(a, upper=upper)
        close(gla.cholesky(a, upper=upper), want, 1e-4 if dtype == np.float32 else 1e-10)
        if shape == (2, 5, 5):
            close(
                gla.cholesky(a, upper=upper),
                jnp.linalg.cholesky(a, upper=upper),
                1e-4 if dtype == np.float32 else 1e-10,
            )
    if dtype == np.complex128 and shape == (
        4,
        4,
    ):  # gpuad reads one triangle (NumPy); JAX symmetrizes
        vs_jax(
            lambda x: gla.cholesky((x + gnp.conj(gnp.swapaxes(x, -1, -2))) / 2, upper=True),
            lambda x: jnp.linalg.cholesky((x + jnp.conj(jnp.swapaxes(x, -1, -2))) / 2, upper=True),
            (a,),
        )


def test_det_and_lu_of_singular_matrix():
    x = np.array([[-1.0, 3.0 / 2], [2.0 / 3, -1.0]], dtype=np.float32)
    d = gsl.det(x)
    assert host(d).dtype == np.float32 == np.asarray(jsl.det(x)).dtype
    np.testing.assert_allclose(host(d), 0.0, atol=1e-6)
    p, lo, u = host(gsl.lu(x))
    np.testing.assert_allclose(p @ lo @ u, x, rtol=1e-6)
    for got, want in zip(host(gsl.lu(x)), sl.lu(x), strict=True):
        close(got, want, 1e-6)
    z = np.zeros((2, 2), np.float32)  # JAX issue 19076: lu of a zero matrix is zero
    lu, piv, perm = host(gll.lu(z))
    jlu, jpiv, jperm = jax.lax.linalg.lu(z)
    np.testing.assert_array_equal(lu, z)
    np.testing.assert_array_equal(piv, np.asarray(jpiv))
    np.testing.assert_array_equal(perm, np.asarray(jperm))
    assert lu.dtype == np.asarray(jlu).dtype and piv.dtype == np.asarray(jpiv).dtype


@pytest.mark.parametrize("m, n, q", [(1, 2, (1, 2)), (5, 4, (2, 2)), (7, 6, (1, 2, 3))])
def test_tensorsolve_and_tensorinv(m, n, q):
    r = _rng("tsolve", m, n)
    a = _draw(r, (n, m) + q + (m,))
    b = _draw(r, (n, m))
    want = np.linalg.tensorsolve(a, b)
    got = gla.tensorsolve(a, b)
    assert host(got).shape == q + (m,)
    close(got, want, 1e-8)
    close(got, jnp.linalg.tensorsolve(a, b), 1e-8)
    if m == 5:
        vs_jax(gla.tensorsolve, jnp.linalg.tensorsolve, (a, b))
    for shape in [(1, 1), (4, 4), (3, 3, 3, 3)]:
        t = _draw(_rng("tinv", shape), shape)
        ind = len(shape) // 2
        close(gla.tensorinv(t, ind=ind), np.linalg.tensorinv(t, ind=ind), 1e-8)
    if m == 7:
        vs_jax(
            lambda x, ind=ind: gla.tensorinv(x, ind=ind),
            lambda x, ind=ind: jnp.linalg.tensorinv(x, ind=ind),
            (t,),
        )


def test_slogdet_values_and_method_keyword():
    r = _rng("slogdet")
    for shape in [(0, 0), (1, 1), (3, 3), (2, 3, 3), (3, 2, 2)]:
        for dtype in (np.float32, np.float64, np.complex64, np.complex128):
            a = _draw(r, shape, dtype)
            got, want = gla.slogdet(a), np.linalg.slogdet(a)
            tol = 1e-4 if dtype in (np.float32, np.complex64) else 1e-10
            close(got.sign, want.sign, tol)
            close(got.logabsdet, want.logabsdet, tol)
    # JAX issue 1213: a stack of small diagonal matrices (negative, tiny determinant)
    mat = np.array([np.diag(np.ones(5, np.float32)) * -0.01] * 2)
    for got, want in zip(gla.slogdet(mat), np.linalg.slogdet(mat), strict=True):
        close(got, want, 1e-5)
    # JAX's slogdet(method='qr') has no NumPy counterpart: gpuad.numpy keeps NumPy's signature
    a = _draw(r, (3, 3))
    for got, want in zip(gla.slogdet(a), jnp.linalg.slogdet(a, method="qr"), strict=True):
        close(got, want, 1e-10)
    with pytest.raises(TypeError, match="method"):
        gla.slogdet(a, method="qr")


@pytest.mark.parametrize("shape", [(4, 4), (2, 5, 5)])
def test_slogdet_grad_complex(shape):
    """JAX's testSlogdetGrad now includes complex inputs: the sign's and the log's
    derivatives against jax and against central differences."""
    a = _draw(_rng("slogdet_grad", shape), shape, np.complex128)
    vs_jax(lambda x: tuple(gla.slogdet(x)), lambda x: tuple(jnp.linalg.slogdet(x)), (a,))
    check_grads(lambda x: gla.slogdet(x)[1], (a,), order=2, modes=("rev",))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(4, 4), (2, 6, 6)])
def test_lax_eig_left_and_right_eigenvectors(shape, dtype):
    a = _draw(_rng("eig", shape, dtype), shape, dtype)
    n = shape[-1]
    ah = np.conj(_t(a))
    for left in (False, True):
        for right in (False, True):
            got = host(gll.eig(a, compute_left_eigenvectors=left, compute_right_eigenvectors=right))
            want = jax.lax.linalg.eig(
                a, compute_left_eigenvectors=left, compute_right_eigenvectors=right
            )
            assert len(got) == len(want) == 1 + left + right
            for g, w in zip(got, want, strict=True):
                assert g.shape == w.shape and g.dtype == np.asarray(w).dtype
            w = got[0]
            np.testing.assert_allclose(
                np.sort_complex(w.reshape(-1, n)),
                np.sort_complex(np.asarray(want[0]).reshape(-1, n)),
                rtol=1e-9,
            )
            if left:  # vl^H a = w vl^H
                vl = got[1]
                res = ah @ vl - np.conj(w)[..., None, :] * vl
                assert np.abs(res).max() < 1e-9 * np.abs(a).max() * n
            if right:
                vr = got[1 + left]
                res = a @ vr - w[..., None, :] * vr
                assert np.abs(res).max() < 1e-9 * np.abs(a).max() * n


def test_eig_of_nonfinite_input_raises():
    """JAX returns NaNs for eig/eigvals of non-finite input (issue 2661); gpuad raises NumPy's
    LinAlgError, naming the function."""
    assert np.isnan(np.asarray(jnp.linalg.eigvals(jnp.array([[jnp.inf]])))).all()
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.eigvals(np.array([[np.inf]]))
    with pytest.raises(gla.LinAlgError, match="eig.*infs or NaNs"):
        gla.eigvals(np.array([[np.inf]]))
    nan = np.full((4, 4), np.nan)
    with pytest.raises(gla.LinAlgError, match="eig.*infs or NaNs"):
        gla.eig(nan)
    for left, right in [(False, False), (True, True)]:
        with pytest.raises(gla.LinAlgError, match="infs or NaNs"):
            gll.eig(nan, compute_left_eigenvectors=left, compute_right_eigenvectors=right)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(4, 4), (5, 5), (3, 4, 4)])
def test_eigvals_grad_fwd_and_rev(shape, dtype):
    """Eigenvalues in NumPy's (and JAX's LAPACK) order, so the two orders agree; their
    derivatives in both modes against jax and central differences."""
    a = _draw(_rng("eigvals", shape, dtype), shape, dtype)

    def gfun(x):
        return gla.eigvals(x) + 0j  # a real spectrum has a real dtype in NumPy, complex in JAX

    vs_jax(gfun, jnp.linalg.eigvals, (a,))
    check_grads(gfun, (a,), order=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_eigvals_equal_eig_values(dtype):
    for shape in [(4, 4), (5, 5), (12, 12)]:
        a = _draw(_rng("eigvals_eq", shape, dtype), shape, dtype)
        w1, w2 = host(gla.eig(a)[0]), host(gla.eigvals(a))
        np.testing.assert_array_equal(w1, w2)
        assert w2.dtype == np.linalg.eigvals(a).dtype
        np.testing.assert_allclose(
            np.sort_complex(w2),
            np.sort_complex(np.linalg.eigvals(a)),
            rtol=1e-3 if dtype in (np.float32, np.complex64) else 1e-9,
        )


def _check_eigh(a, w, v, tol):
    n = a.shape[-1]
    assert np.linalg.norm(np.eye(n) - np.conj(_t(v)) @ v) <= 4 * tol * max(n, 1)
    assert np.linalg.norm(a @ v - w[..., None, :] * v) <= tol * max(np.linalg.norm(a), 1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("n", [0, 5, 30])
def test_eigh_one_triangle(n, dtype):
    """eigh with UPLO reads only that triangle (JAX's symmetrize_input=False)."""
    a = _draw(_rng("eigh", n, dtype), (n, n), dtype)
    a = (a + np.conj(a.T)) / 2
    tol = 0.5 * max(n, 80) * np.finfo(dtype).eps
    for uplo, tri in (("L", np.tril), ("U", np.triu)):
        w, v = host(gla.eigh(tri(a), UPLO=uplo))
        assert w.dtype == np.linalg.eigvalsh(a).dtype and v.dtype == a.dtype
        _check_eigh(a, w, v, tol)
        jw, _ = jnp.linalg.eigh(tri(a), UPLO=uplo, symmetrize_input=False)
        close(w, jw, 1e-3 if np.finfo(dtype).bits <= 32 else 1e-10)
    with pytest.raises(TypeError, match="symmetrize_input"):  # NumPy's signature
        gla.eigh(a, symmetrize_input=False)


def test_eigh_special_matrices():
    eps = np.finfo(np.float32).eps
    zero_diag = np.array(
        [
            [0.0, -1.0, -1.0, 1.0],
            [-1.0, 0.0, 1.0, -1.0],
            [-1.0, 1.0, 0.0, -1.0],
            [1.0, -1.0, -1.0, 0.0],
        ],
        dtype=np.float32,
    )
    r = _rng("eigh_special")
    tiny = _draw(r, (60, 60), np.float32)
    tiny = eps * (tiny + tiny.T)
    cases = [(zero_diag, 2), (tiny, 20)]
    for rank in (1, 3, 59):
        f = _draw(r, (60, rank), np.float32)
        cases.append((f @ f.T, 81))
    for a, k in cases:
        w, v = host(gla.eigh(a))
        assert w.dtype == v.dtype == np.float32
        assert np.linalg.norm(a @ v - w * v) <= k * eps * np.linalg.norm(a)
        np.testing.assert_allclose(
            w, np.linalg.eigvalsh(a.astype(np.float64)), atol=50 * eps * np.abs(a).max() * 60
        )
    for n in (0, 4, 50):  # the identity, either triangle, every dtype
        for dtype in (np.float32, np.float64, np.complex64, np.complex128):
            i = np.eye(n, dtype=dtype)
            for uplo in "LU":
                w, v = host(gla.eigh(i, UPLO=uplo))
                tol = np.finfo(dtype).eps
                assert np.linalg.norm(np.eye(n) - np.conj(v.T) @ v) <= tol
                assert np.linalg.norm(i @ v - w * v) <= tol
                np.testing.assert_array_equal(w, np.ones(n))


@pytest.mark.parametrize("shape", [(1,), (4,), (5,)])
def test_lu_pivots_to_permutation_and_vmap(shape):
    k = shape[-1]
    pivots = np.arange(2 * k - 1, k - 1, -1, dtype=np.int32)
    want = np.arange(2 * k - 1, -1, -1, dtype=np.int32)
    got = host(gll.lu_pivots_to_permutation(pivots, 2 * k))
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.asarray(jax.lax.linalg.lu_pivots_to_permutation(pivots, 2 * k)).dtype
    batch = np.broadcast_to(pivots, (10,) + shape).copy()
    got = host(ad.vmap(lambda p: gll.lu_pivots_to_permutation(p, 2 * k))(batch))
    np.testing.assert_array_equal(got, np.broadcast_to(want, (10, 2 * k)))
    got = host(gll.lu_pivots_to_permutation(batch, 2 * k))
    np.testing.assert_array_equal(got, np.broadcast_to(want, (10, 2 * k)))


def test_string_inf_norm_raises():
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Invalid order 'inf'"):
        jnp.linalg.norm(jnp.asarray(x), ord="inf")
    with pytest.raises(ValueError):
        np.linalg.norm(x, ord="inf")
    with pytest.raises(ValueError, match="invalid norm order 'inf'"):
        gla.norm(x, ord="inf")
    with pytest.raises(ValueError, match="invalid norm order 'inf'"):
        gla.norm(ad.tensor(x, requires_grad=True), ord="inf")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_matrix_and_vector_norm(dtype):
    r = _rng("norms", dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for shape in [(2, 3), (4, 2, 3), (2, 3, 4, 5)]:
        x = _draw(r, shape, dtype)
        for ord_ in [1, -1, 2, -2, np.inf, -np.inf, "fro", "nuc"]:
            for keepdims in (False, True):
                want = np.linalg.matrix_norm(x, ord=ord_, keepdims=keepdims)
                close(gla.matrix_norm(x, ord=ord_, keepdims=keepdims), want, tol)
    for shape in [(3,), (3, 4), (2, 3, 4, 5)]:
        x = _draw(r, shape, dtype)
        for ord_ in [1, -1, 2, -2, np.inf, -np.inf]:
            for axis in (0, None):
                for keepdims in (False, True):
                    want = np.linalg.vector_norm(x, ord=ord_, axis=axis, keepdims=keepdims)
                    close(gla.vector_norm(x, ord=ord_, axis=axis, keepdims=keepdims), want, tol)
    if dtype == np.float64:
        x = _draw(r, (4, 2, 3))
        for ord_ in [-2, "nuc"]:
            vs_jax(
                lambda u, o=ord_: gla.matrix_norm(u, ord=o, keepdims=True),
                lambda u, o=ord_: jnp.linalg.matrix_norm(u, ord=o, keepdims=True),
                (x,),
            )
        for ord_ in [np.inf, 3]:
            vs_jax(
                lambda u, o=ord_: gla.vector_norm(u, ord=o, axis=None),
                lambda u, o=ord_: jnp.linalg.vector_norm(u, ord=o, axis=None),
                (x,),
            )


_ALIAS_DTYPES = [np.int32, np.int64, np.float32, np.float64, np.complex64, np.complex128, np.bool_]


def _numeric(r, shape, dtype):
    if dtype == np.bool_:
        return r.random(shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        return r.integers(-5, 6, shape).astype(dtype)
    return _draw(r, shape, dtype)


def test_linalg_aliases():
    """numpy.linalg's array-API aliases (vecdot, matmul, tensordot, cross, outer, diagonal,
    matrix_transpose) against NumPy's: values and result dtypes over mixed dtypes."""
    r = _rng("aliases")

    def same(got, want, tol=1e-6):
        close(got, want, tol)

    for dt in _ALIAS_DTYPES[:-1]:
        a, b = _numeric(r, (2, 2, 2), dt), _numeric(r, (2, 2), dt)
        for axis in (0, 1, -1):
            same(gla.vecdot(a, b, axis=axis), np.linalg.vecdot(a, b, axis=axis))
        for axes in (0, 1, 2):
            same(gla.tensordot(a, b, axes=axes), np.linalg.tensordot(a, b, axes=axes))
        for ls, rs in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4))]:
            u, v = _numeric(r, ls, dt), _numeric(r, rs, dt)
            same(gla.matmul(u, v), np.linalg.matmul(u, v))
        for shape in [(2, 3), (3, 3, 4), (2, 3, 4, 5)]:
            x = _numeric(r, shape, dt)
            np.testing.assert_array_equal(
                host(gla.matrix_transpose(x)), np.linalg.matrix_transpose(x)
            )
            for off in range(-2, 3):
                got, want = host(gla.diagonal(x, offset=off)), np.linalg.diagonal(x, offset=off)
                np.testing.assert_array_equal(got, want)
                assert got.dtype == want.dtype
    for da in _ALIAS_DTYPES:
        for db in _ALIAS_DTYPES:
            if da == np.bool_ and db == np.bool_:
                continue
            for ls, rs, axis in [
                ((3,), (3,), -1),
                ((2, 3), (2, 3), -1),
                ((3, 4), (3, 4), 0),
                ((3, 5), (3, 4, 5), 0),
            ]:
                u, v = _numeric(r, ls, da), _numeric(r, rs, db)
                same(gla.cross(u, v, axis=axis), np.linalg.cross(u, v, axis=axis))
            for ls, rs in [((0,), (3,)), ((3,), (5,))]:
                u, v = _numeric(r, ls, da), _numeric(r, rs, db)
                same(gla.outer(u, v), np.linalg.outer(u, v))
    x, y = _draw(r, (3, 5)), _draw(r, (3, 4, 5))
    vs_jax(
        lambda u, v: gla.cross(u, v, axis=0), lambda u, v: jnp.linalg.cross(u, v, axis=0), (x, y)
    )
    vs_jax(
        lambda u, v: gla.vecdot(u, v, axis=0),
        lambda u, v: jnp.linalg.vecdot(u, v, axis=0),
        (_draw(r, (2, 2, 2), np.complex128), _draw(r, (2, 2), np.complex128)),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("b", [(), (2,)])
def test_svd_cases_and_jvp(b, dtype):
    """JAX's testSVD: reconstruction and unitarity over square, tall, wide and empty shapes,
    full and reduced, hermitian=True; compute_uv=False and the jvp of U diag(S) V^H, which is
    the identity (robust to the factors' free signs)."""
    r = _rng("svd", b, dtype)
    tol = 80 * np.finfo(dtype).eps
    for m, n in [(0, 2), (2, 0), (2, 2), (7, 2), (2, 7), (7, 7)]:
        for full in (False, True):
            for herm in [False, True] if m == n else [False]:
                a = _draw(r, b + (m, n), dtype)
                if herm:
                    a = a + np.conj(_t(a))
                u, s, vh = host(gla.svd(a, full_matrices=full, hermitian=herm))
                nu, ns, nvh = np.linalg.svd(a, full_matrices=full, hermitian=herm)
                assert (u.shape, s.shape, vh.shape) == (nu.shape, ns.shape, nvh.shape)
                assert (u.dtype, s.dtype, vh.dtype) == (nu.dtype, ns.dtype, nvh.dtype)
                k = min(m, n)
                if k:
                    rec = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
                    np.testing.assert_allclose(rec, a, atol=2 * tol * np.abs(a).max() * n)
                for q in (u, np.conj(_t(vh))):
                    eye = np.broadcast_to(np.eye(q.shape[-1]), b + (q.shape[-1],) * 2)
                    np.testing.assert_allclose(np.conj(_t(q)) @ q, eye, atol=3 * tol * n)
                sv = gla.svd(a, full_matrices=full, compute_uv=False, hermitian=herm)
                close(
                    sv, np.linalg.svd(a, compute_uv=False), 1e-4 if dtype == np.float32 else 1e-10
                )
    # scipy's svd (JAX's testJspSVDBasic)
    got = host(gsl.svd(np.ones((2, 2), np.float32)))
    for g, w in zip(got, sl.svd(np.ones((2, 2), np.float32)), strict=True):
        assert g.shape == w.shape and g.dtype == w.dtype
    if dtype == np.float32:
        return
    a, t = _draw(r, b + (5, 3), dtype), _draw(r, b + (5, 3), dtype)
    vs_jax(
        lambda x: gla.svd(x, compute_uv=False), lambda x: jnp.linalg.svd(x, compute_uv=False), (a,)
    )

    def rebuild(x):
        u, s, vh = gla.svd(x, full_matrices=False)
        return gnp.matmul(u * s[..., None, :], vh)

    _, tan = ad.jvp(rebuild, (a,), (t,))
    close(tan, t, 1e-9)


def test_qr_modes():
    """numpy.linalg.qr's and scipy.linalg.qr's modes (pivoting too) against NumPy/SciPy, on the
    shapes JAX draws, empty ones included; the r/raw results compare exactly as values."""
    r = _rng("qr_modes")
    for shape in [(0, 2), (2, 0), (3, 4), (3, 3), (4, 3)]:
        a = _draw(r, shape, np.float32)
        for mode in ["reduced", "r", "complete", "raw"]:
            got, want = gla.qr(a, mode=mode), np.linalg.qr(a, mode=mode)
            for g, w in zip(_leaves(got), _leaves(want), strict=True):
                close(g, w, 1e-5)
        with pytest.raises(ValueError, match="mode"):
            gla.qr(a, mode="economic")
        if 0 in shape:
            continue
        for mode in ["full", "r", "economic"]:
            for piv in (False, True):
                got, want = gsl.qr(a, mode=mode, pivoting=piv), sl.qr(a, mode=mode, pivoting=piv)
                for g, w in zip(_leaves(got), _leaves(want), strict=True):
                    close(g, w, 1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 2), (3, 3), (3, 4), (2, 10, 5), (3, 7, 3)])
def test_qr_batched_and_jvp(shape, dtype):
    r = _rng("qr", shape, dtype)
    a = _draw(r, shape, dtype)
    m, n = shape[-2:]
    for mode in ("reduced", "complete"):
        q, rr = host(gla.qr(a, mode=mode))
        k = m if mode == "complete" else min(m, n)
        assert q.shape == shape[:-2] + (m, k) and rr.shape == shape[:-2] + (k, n)
        np.testing.assert_allclose(q @ rr, a, atol=1e-12 * np.abs(a).max(initial=1) * 10)
        np.testing.assert_allclose(
            np.conj(_t(q)) @ q, np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12
        )
        for idx in np.ndindex(*shape[:-2]):
            nq, nr = np.linalg.qr(a[idx], mode=mode)
            jq, jr = jnp.linalg.qr(a[idx], mode=mode)
            close(q[idx], nq, 1e-9)
            close(rr[idx], jr, 1e-9)
        if m == n or (m > n and mode == "reduced"):
            t = _draw(r, shape, dtype)
            _, tan = ad.jvp(lambda x, md=mode: gnp.matmul(*gla.qr(x, mode=md)), (a,), (t,))
            close(tan, t, 1e-9)


def test_qr_float16_raises():
    a = _draw(_rng("qr16"), (5, 6), np.float16)
    with pytest.raises(NotImplementedError, match="float16"):
        jnp.linalg.qr(a)
    with pytest.raises(TypeError):
        np.linalg.qr(a)
    with pytest.raises(TypeError, match="qr.*float16 is unsupported"):
        gla.qr(a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_cond(dtype):
    r = _rng("cond", dtype)
    for shape in [(1, 1), (4, 4), (2, 3, 5), (5, 5, 5), (5, 10)]:
        for p in [np.inf, -np.inf, 1, -1, 2, -2, "fro"]:
            a = _draw(r, shape, dtype)
            if p not in (2, -2) and shape[-1] != shape[-2]:
                with pytest.raises(gla.LinAlgError):
                    np.linalg.cond(a, p)
                with pytest.raises(gla.LinAlgError, match="square"):
                    gla.cond(a, p)
                continue
            want = np.linalg.cond(a, p)
            got = gla.cond(a, p)
            close(got, want, 1e-3 if dtype == np.float32 else 1e-8)
            if dtype == np.float64 and shape == (4, 4) and p in (2, "fro"):
                vs_jax(lambda x, p=p: gla.cond(x, p), lambda x, p=p: jnp.linalg.cond(x, p), (a,))


def test_solve_broadcasting():
    """NumPy 2's rule: b is a stack of vectors only when it is 1-D; otherwise a stack of
    matrices broadcast against a's batch. gpuad follows NumPy wherever NumPy answers."""
    r = _rng("solve_bcast")
    shapes_a = [(2, 2), (2, 2, 2), (2, 2, 2, 2), (2, 2, 2, 2, 2)]
    shapes_b = [(2,), (2, 2), (2, 2, 2), (2, 2, 2, 2)]
    for sa in shapes_a:
        for sb in shapes_b:
            a, b = _draw(r, sa) + 4 * np.eye(2), _draw(r, sb)
            try:
                want = np.linalg.solve(a, b)
            except ValueError:
                with pytest.raises(ValueError):
                    gla.solve(a, b)
                continue
            close(gla.solve(a, b), want, 1e-10)


def test_pinv_hermitian_reads_lower_triangle():
    """pinv(hermitian=True): NumPy and gpuad read the lower triangle; JAX symmetrizes first
    ((a + a^H) / 2). On a Hermitian input all three agree, with its gradient."""
    r = _rng("pinvh")
    a = _draw(r, (4, 4))
    lower = np.tril(a) + np.tril(a, -1).T
    close(gla.pinv(a, hermitian=True), np.linalg.pinv(a, hermitian=True), 1e-10)
    close(gla.pinv(a, hermitian=True), np.linalg.pinv(lower), 1e-10)
    assert not np.allclose(host(gla.pinv(a, hermitian=True)), jnp.linalg.pinv(a, hermitian=True))
    for dtype in (np.complex128,):
        h = _draw(r, (4, 4), dtype)
        h = h + np.conj(h.T)
        vs_jax(
            lambda x: gla.pinv((x + gnp.conj(x.T)) / 2, hermitian=True),
            lambda x: jnp.linalg.pinv((x + jnp.conj(x.T)) / 2, hermitian=True),
            (h,),
        )
        close(gla.pinv(h, hermitian=True), jnp.linalg.pinv(h, hermitian=True), 1e-9)
    for shape in [(2, 70, 7), (70, 7, 2), (2, 0, 0), (3, 0, 2), (1, 0)]:
        a = _draw(r, shape)
        close(gla.pinv(a), np.linalg.pinv(a), 1e-9)


def test_matrix_rank_and_multi_dot():
    r = _rng("rank")
    for shape in [(3,), (1, 2), (8, 5), (4, 4), (3, 4, 5), (2, 3, 4, 5)]:
        for dtype in (np.float32, np.complex128):
            a = _draw(r, shape, dtype)
            close(gla.matrix_rank(a), np.linalg.matrix_rank(a), 0)
    low = _draw(r, (6, 2)) @ _draw(r, (2, 6))
    close(gla.matrix_rank(low), np.linalg.matrix_rank(low), 0)
    for shapes in [
        [(3,), (3, 1)],
        [(1, 3), (3, 5), (5, 2)],
        [(1, 3), (3, 5), (5, 2), (2, 7), (7,)],
    ]:
        for dtype in (np.float32, np.complex128):
            xs = [_draw(r, s, dtype) for s in shapes]
            close(
                gla.multi_dot(xs), np.linalg.multi_dot(xs), 1e-4 if dtype == np.float32 else 1e-10
            )
    xs = [_draw(r, s) for s in shapes]  # the longest chain (JAX's dynamic-programming path)
    vs_jax(lambda *v: gla.multi_dot(list(v)), lambda *v: jnp.linalg.multi_dot(list(v)), tuple(xs))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
def test_lstsq_rcond_and_empty(dtype):
    """lstsq against NumPy (JAX's numpy_resid=True results) for each rcond, empty shapes too;
    and JAX's own lstsq (whose residuals are NumPy's) on the solution."""
    r = _rng("lstsq", dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for ls, rs in [
        ((1, 1), (1, 1)),
        ((4, 6), (4,)),
        ((6, 6), (6, 1)),
        ((8, 6), (8, 4)),
        ((0, 3), (0,)),
        ((3, 0), (3,)),
        ((3, 1), (3, 0)),
    ]:
        for rcond in (-1, None, 0.5):
            a, b = _draw(r, ls, dtype), _draw(r, rs, dtype)
            got = host(gla.lstsq(a, b, rcond=rcond))
            want = np.linalg.lstsq(a, b, rcond=rcond)
            for k, (g, w) in enumerate(zip(got, want, strict=True)):
                close(g, w, tol, dtype=k != 2, atol=tol * 10)
            if rcond is None and ls in ((4, 6), (0, 3)):
                jx = jnp.linalg.lstsq(a, b, rcond=rcond, numpy_resid=True)
                close(got[0], jx[0], tol, dtype=False, atol=tol * 10)
    with pytest.raises(TypeError, match="numpy_resid"):  # NumPy's signature (its residuals)
        gla.lstsq(a, b, rcond=None, numpy_resid=True)


def test_issue669_jit_grad_jit_eigh_complex():
    def gfun(x):
        w, _ = gla.eigh(x)
        return gnp.real(gnp.sum(w))

    xc = np.eye(3, dtype=np.complex64)
    got = host(ad.jit(ad.grad(ad.jit(gfun)))(xc))
    want = jax.jit(jax.grad(jax.jit(lambda x: jnp.real(jnp.sum(jnp.linalg.eigh(x)[0])))))(xc)
    assert got.dtype == np.asarray(want).dtype == np.complex64
    np.testing.assert_allclose(got, xc, atol=1e-6)
    np.testing.assert_allclose(got, np.conj(np.asarray(want)), atol=1e-6)


def test_issue1151_jacobian_of_batched_solve():
    r = _rng("issue1151")
    a = r.standard_normal((10, 3, 3)) + 3 * np.eye(3)
    b = r.standard_normal((10, 3))
    x = host(gla.solve(a, b[..., None]))[..., 0]
    np.testing.assert_allclose(np.einsum("bij,bj->bi", a, x), b, atol=1e-10)
    np.testing.assert_allclose(host(ad.vmap(gnp.dot)(a, x)), b, atol=1e-10)
    for argnums, args in [(0, (a[:3], b[:3, :, None])), (1, (a[0], b[0]))]:
        got = ad.jacobian(gla.solve, argnums=argnums)(*args)
        want = jax.jacobian(jnp.linalg.solve, argnums=argnums)(*args)
        close(got, want, 1e-9, dtype=False)


def test_issue1383_third_jacfwd_of_eigh():
    tmp = _rng("issue1383").random((2, 2))
    a = tmp @ tmp.T

    def f(x):  # gpuad's eigh reads one triangle (NumPy's), JAX's symmetrizes: compare both on
        _, v = gla.eigh((x + x.T) / 2)  # the symmetric part
        return gnp.dot(gnp.dot(v, x), v.T)

    def jf(x):
        _, v = jnp.linalg.eigh((x + x.T) / 2)
        return jnp.dot(jnp.dot(v, x), v.T)

    second = ad.jacfwd(ad.jacfwd(f))
    close(second(a), jax.jacfwd(jax.jacfwd(jf))(a), 1e-8)
    got = host(ad.jacfwd(second)(a))
    assert not np.isnan(got).any()
    eps = 1e-5  # the third derivative against central differences of the second
    for i, j in np.ndindex(2, 2):
        e = np.zeros((2, 2))
        e[i, j] = eps
        fd = (host(second(a + e)) - host(second(a - e))) / (2 * eps)
        np.testing.assert_allclose(got[..., i, j], fd, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_decompositions_under_vmap(dtype):
    """vmap of eig, eigh (numpy and scipy), scipy's qr and lu and lax's schur, each against the
    unbatched call (and SciPy's lu): JAX's *Batching tests."""
    r = _rng("vmap", dtype)
    a = _draw(r, (6, 4, 4), dtype)
    h = (a + np.conj(_t(a))) / 2
    ws, vs = host(ad.vmap(gla.eig)(a))
    assert np.abs(a @ vs - ws[..., None, :] * vs).max() < 1e-9 * np.abs(a).max() * 4
    np.testing.assert_array_equal(ws, host(gla.eigvals(a)))
    for fn in (gla.eigh, gsl.eigh):
        ws, vs = host(ad.vmap(fn)(h))
        assert np.abs(h @ vs - ws[..., None, :] * vs).max() < 1e-9 * np.abs(h).max() * 4
        close(ws, np.linalg.eigvalsh(h), 1e-10)
    for shape in [(10, 4, 5), (5, 3, 3), (7, 6, 4)]:
        x = _draw(r, shape, dtype)
        q, rr = host(ad.vmap(gsl.qr)(x))
        np.testing.assert_allclose(q @ rr, x, atol=1e-12 * np.abs(x).max() * 10)
        for k in range(shape[0]):
            for g, w in zip((q[k], rr[k]), host(gsl.qr(x[k])), strict=True):
                close(g, w, 1e-10)
    for shape in [(4, 5), (6, 5)]:
        xs = _draw(r, (10,) + shape, dtype)
        got = host(ad.vmap(gsl.lu)(xs))
        for k in range(10):
            for g, w in zip((o[k] for o in got), sl.lu(xs[k]), strict=True):
                close(g, w, 1e-10)
    for n in (2, 4, 7):
        x = _draw(r, (5, n, n), dtype)
        t, z = host(ad.vmap(gll.schur)(x))
        np.testing.assert_allclose(z @ t @ np.conj(_t(z)), x, atol=1e-10 * np.abs(x).max())
        for k in range(5):
            st, sz = sl.schur(x[k])
            close(t[k], st, 1e-9, dtype=False)


# ---- ScipyLinalgTest ----------------------------------------------------------------------


def test_block_diag_odd_arguments():
    for args in [(), (1,), (7, -2), (3, 4, 5), (np.ones((3, 4)), 5, _draw(_rng("bd"), (5, 2)))]:
        got, want = host(gsl.block_diag(*args)), sl.block_diag(*args)
        np.testing.assert_array_equal(got, want)
        assert got.shape == want.shape and got.dtype == want.dtype
    a, b = _draw(_rng("bd2"), (3, 4)), _draw(_rng("bd3"), (2, 2), np.complex128)
    vs_jax(lambda u, v: gsl.block_diag(u, 5.0, v), lambda u, v: jsl.block_diag(u, 5.0, v), (a, b))


@pytest.mark.parametrize(
    "shape, dtype", [((4, 5), np.float64), ((5, 4), np.complex128), ((2, 3, 3), np.complex128)]
)
def test_lu_grad_batched(shape, dtype):
    """JAX's testLuGrad: second-order derivatives of P, L, U (vmapped over a batch), against
    jax's and central differences."""
    a = _draw(_rng("lugrad", shape, dtype), shape, dtype)
    lu = ad.vmap(gsl.lu) if len(shape) > 2 else gsl.lu
    jlu = jax.vmap(jsl.lu) if len(shape) > 2 else jsl.lu
    vs_jax(lambda x: tuple(lu(x)), lambda x: tuple(jlu(x)), (a,))
    check_grads(lambda x: lu(x)[1] + 0 * lu(x)[0][..., :, :1], (a,), order=2, modes=("rev",))
    check_grads(lambda x: lu(x)[2], (a,), order=2, modes=("rev",))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_lu_solve_trans(dtype):
    r = _rng("lu_solve", dtype)
    for ls, rs in [((1, 1), (1, 1)), ((4, 4), (4,)), ((8, 8), (8, 4))]:
        a, b = _draw(r, ls, dtype), _draw(r, rs, dtype)
        lu, piv = sl.lu_factor(a)
        for trans in (0, 1, 2):
            want = sl.lu_solve((lu, piv), b, trans=trans)
            close(gsl.lu_solve((lu, piv), b, trans=trans), want, 1e-9)
    vs_jax(
        lambda u, v: gsl.lu_solve((u, piv), v, trans=2),  # the last (8, 8) case
        lambda u, v: jsl.lu_solve((u, piv), v, trans=2),
        (lu, b),
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_scipy_solve_assume_a(dtype):
    r = _rng("sp_solve", dtype)
    tol = 1e-3 if dtype == np.float32 else 1e-9
    for ls, rs in [((1, 1), (1, 1)), ((4, 4), (4,)), ((8, 8), (8, 4))]:
        for assume_a, lower in [("gen", False), ("pos", False), ("pos", True)]:
            a = _draw(r, ls, dtype)
            if assume_a == "pos":
                a = a @ np.conj(a.T) + ls[0] * np.eye(ls[0], dtype=dtype)
                a = np.tril(a) if lower else np.triu(a)
            b = _draw(r, rs, dtype)
            want = sl.solve(a, b, assume_a=assume_a, lower=lower)
            close(gsl.solve(a, b, assume_a=assume_a, lower=lower), want, tol)
            if dtype != np.float32 and ls == (4, 4) and (assume_a, lower) == ("pos", True):
                _solve_grads(a, b, assume_a, lower)


def _solve_grads(a, b, assume_a, lower):
    """Derivatives of scipy's solve. For 'pos' on the Hermitian part of the input (JAX's
    derivative is defined along Hermitian directions only); there JAX's own complex 'pos'
    derivative disagrees with central differences (jax 0.10), so the reference is JAX's
    general solve of the same matrix, and gpuad's is checked by central differences too."""
    h = (a + np.conj(a.T)) / 2

    def gfun(u, v):
        return gsl.solve((u + gnp.conj(u.T)) / 2, v, assume_a="pos", lower=lower)

    ref = "gen" if np.iscomplexobj(a) else "pos"
    vs_jax(
        gfun, lambda u, v: jsl.solve((u + jnp.conj(u.T)) / 2, v, assume_a=ref, lower=lower), (h, b)
    )
    check_grads(gfun, (h, b), order=1)


def test_solve_triangular_batched():
    """scipy's solve_triangular refuses stacks; JAX's (and gpuad's) broadcast them."""
    r = _rng("solve_tri")
    for ls, rs in [((4, 4), (4,)), ((4, 4), (4, 3)), ((2, 8, 8), (2, 8, 10))]:
        k = _draw(r, ls)
        low = np.linalg.cholesky(k @ _t(k) + ls[-1] * np.eye(ls[-1]))
        b = _draw(r, rs)
        for lower in (False, True):
            for trans in (0, 1):
                for unit in (False, True):
                    a = np.tril(low, -1) + np.eye(ls[-1]) if unit else low
                    a = a if lower else _t(a)
                    arg = low if lower else _t(low)
                    got = gsl.solve_triangular(arg, b, trans=trans, lower=lower, unit_diagonal=unit)
                    if len(ls) == 3 and lower and trans:
                        close(
                            got,
                            jsl.solve_triangular(
                                arg, b, trans=trans, lower=lower, unit_diagonal=unit
                            ),
                            1e-10,
                        )
                    inv = np.linalg.inv(_t(a) if trans else a)
                    ref = inv @ b if len(ls) == len(rs) else np.einsum("...ij,...j->...i", inv, b)
                    close(got, ref, 1e-9)


def test_triangular_solve_vmap_in_axes():
    r = _rng("tri_vmap")
    for left, ashape, bshape, bdims in [
        (False, (4, 4), (2, 3, 4), (None, 0)),
        (False, (2, 4, 4), (2, 2, 3, 4), (None, 0)),
        (False, (2, 4, 4), (3, 4), (0, None)),
        (False, (2, 4, 4), (2, 3, 4), (0, 0)),
        (True, (2, 4, 4), (2, 4, 3), (0, 0)),
        (True, (2, 4, 4), (2, 2, 4, 3), (None, 0)),
    ]:
        a = np.tril(_draw(r, ashape) + 5 * np.eye(ashape[-1]))
        b = _draw(r, bshape)

        def solve(u, v, left=left):
            return gll.triangular_solve(u, v, left_side=left, lower=True)

        def jsolve(u, v, left=left):
            return jax.lax.linalg.triangular_solve(u, v, left_side=left, lower=True)

        x = host(ad.vmap(solve, in_axes=bdims)(a, b))
        y = a @ x if left else x @ a
        np.testing.assert_allclose(y, np.broadcast_to(b, y.shape), atol=1e-9)
        if bshape == (2, 3, 4):  # values and derivatives against jax.vmap
            vs_jax(ad.vmap(solve, in_axes=bdims), jax.vmap(jsolve, in_axes=bdims), (a, b))


def test_expm_batched_upper_triangular_and_integer():
    """expm over batches, with upper_triangular=True, of integer input, and of zeros
    (JAX issue 2131): values against SciPy, result dtype NumPy's promotion (SciPy's)."""
    r = _rng("expm")
    for n in (1, 4, 5, 20):
        for batch in [(), (2,), (3, 2)]:
            for dtype in (np.int32, np.float32, np.float64, np.complex128):
                if dtype == np.int32:
                    a = r.integers(-1, 2, batch + (n, n)).astype(dtype)
                else:
                    a = (0.3 * _draw(r, batch + (n, n), dtype) / max(n, 1)).astype(dtype)
                tol = 1e-4 if dtype == np.float32 else 1e-9
                want = sl.expm(a)
                close(gsl.expm(a), want, tol)
                tri = np.triu(a)
                close(gsl.expm(tri, upper_triangular=True), sl.expm(tri), tol)
            z = np.zeros((n, n), np.complex64)
            close(gsl.expm(z), sl.expm(z), 0)
    # JAX follows its own promotion (float32 for int32 input); gpuad follows SciPy's
    assert (
        host(gsl.expm(np.eye(3, dtype=np.int32))).dtype
        == sl.expm(np.eye(3, dtype=np.int32)).dtype
        == np.float64
    )


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_householder_product_vs_lapack(dtype):
    orgqr = sl.lapack.dorgqr if dtype == np.float64 else sl.lapack.zungqr
    r = _rng("hh", dtype)
    for shape in [(1, 1), (3, 4, 4), (10, 5)]:
        for k in range(1, shape[-1] + 1):
            a, taus = _draw(r, shape, dtype), _draw(r, shape[:-2] + (k,), dtype)
            got = gll.householder_product(a, taus)
            ref = np.empty_like(a)
            for idx in np.ndindex(*shape[:-2]):
                q, _, info = orgqr(a[idx], taus[idx])
                assert info == 0
                ref[idx] = q
            close(got, ref, 1e-10)
    # JAX has no derivative of householder_product; gpuad's against central differences
    a, taus = _draw(r, (5, 3), dtype), 0.3 * _draw(r, (2,), dtype)
    with pytest.raises(NotImplementedError, match="householder_product"):
        jax.grad(lambda x: jnp.real(jax.lax.linalg.householder_product(x, taus)).sum())(a)
    check_grads(gll.householder_product, (a, taus), order=1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_hessenberg_batched(dtype):
    r = _rng("hess", dtype)
    for shape in [(1, 1), (2, 4, 4), (0, 10, 10), (10, 10)]:
        a = _draw(r, shape, dtype)
        tol = 1e-4 if dtype == np.float32 else 1e-9
        want_h = np.empty_like(a)
        want_q = np.empty_like(a)
        for idx in np.ndindex(*shape[:-2]):
            want_h[idx], want_q[idx] = sl.hessenberg(a[idx], calc_q=True)
        got_h, got_q = host(gsl.hessenberg(a, calc_q=True))
        close(got_h, want_h, tol)
        close(got_q, want_q, tol, dtype=False)
        close(gsl.hessenberg(a), want_h, tol)
        close(got_h, jsl.hessenberg(a), tol)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("lower", [False, True])
def test_tridiagonal_vs_lapack(dtype, lower):
    sytrd = sl.lapack.dsytrd if dtype == np.float64 else sl.lapack.zhetrd
    r = _rng("sytrd", dtype, lower)
    for shape in [(1, 1), (2, 2, 2), (4, 4), (2, 5, 5)]:
        a = _draw(r, shape, dtype)
        got = host(gll.tridiagonal(a, lower=lower))
        want = [
            np.empty_like(o, shape=shape[:-2] + np.shape(o))
            for o in sytrd(a[(0,) * (len(shape) - 2)], lower=lower)[:4]
        ]
        for idx in np.ndindex(*shape[:-2]):
            c, d, e, tau, info = sytrd(a[idx], lower=lower)
            assert info == 0
            for w, v in zip(want, (c, d, e, tau), strict=True):
                w[idx] = v
        for g, w in zip(got, want, strict=True):
            close(g, w, 1e-9, dtype=False)
        for g, w in zip(got, jax.lax.linalg.tridiagonal(a, lower=lower), strict=True):
            close(g, w, 1e-9)


def test_cho_solve_either_triangle():
    """cho_solve reads only the given triangle; JAX tests it with triangular factors that are
    not positive definite (any nonsingular triangle solves)."""
    r = _rng("cho_solve")
    for ls, rs in [((1, 1), (1,)), ((4, 4), (4,)), ((4, 4), (4, 4))]:
        for lower in (True, False):
            c = (np.tril if lower else np.triu)(_draw(r, ls)) + 4 * np.eye(ls[0])
            b = _draw(r, rs)
            want = sl.cho_solve((c, lower), b)
            close(gsl.cho_solve((c, lower), b), want, 1e-9)
            close(jsl.cho_solve((c, lower), b), want, 1e-9)
            # the other triangle is never read
            full = c + (np.triu if lower else np.tril)(_draw(r, ls), 1 if lower else -1)
            close(gsl.cho_solve((full, lower), b), want, 1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_expm_frechet_norms(dtype):
    r = _rng("frechet", dtype)
    for n in (1, 4, 5, 20):
        for norm in [1e-2, 2e-1, 9e-1, 2.0, 3.0]:
            a = _draw(r, (n, n), dtype)
            a = a / np.linalg.norm(a, 1) * norm
            e = _draw(r, (n, n), dtype)
            for compute in (True, False):
                got = gsl.expm_frechet(a, e, compute_expm=compute)
                want = sl.expm_frechet(a, e, compute_expm=compute)
                for g, w in zip(_leaves(got), _leaves(want), strict=True):
                    close(g, w, 1e-12, dtype=False)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_expm_grad_fwd_and_rev(dtype):
    for n, norm in [(1, 9e-1), (5, 3.0)]:
        a = _draw(_rng("expm_grad", n, dtype), (n, n), dtype)
        a = a / np.linalg.norm(a, 1) * norm
        check_grads(gsl.expm, (a,), order=1, atol=1e-4, rtol=1e-4)
    vs_jax(
        lambda x: gsl.expm(x, upper_triangular=False, max_squarings=16),
        lambda x: jsl.expm(x, upper_triangular=False, max_squarings=16),
        (a,),
    )


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_funm_negative_power(dtype):
    r = _rng("funm", dtype)
    for shape in [(1, 1), (5, 5), (20, 20)]:
        a = _draw(r, shape, dtype)
        for disp in (True, False):
            got = gsl.funm(a, lambda x: x**-2.718, disp=disp)
            want = sl.funm(a, lambda x: x**-2.718, disp=disp)
            if disp:
                close(got, want, 1e-6, dtype=False)
            else:
                close(got[0], want[0], 1e-6, dtype=False)
                assert np.isclose(float(host(got[1])), want[1], rtol=1e-3, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_sqrtm_cases(dtype):
    r = _rng("sqrtm", dtype)
    for n in (4, 15):
        x = _draw(r, (n, n), dtype)
        psd = x @ x.T
        close(gsl.sqrtm(psd), sl.sqrtm(psd), 1e-8, dtype=False)
        gen = _draw(r, (n, n), dtype)
        root = host(gsl.sqrtm(gen))
        np.testing.assert_allclose(root @ root, gen, atol=1e-8 * np.abs(gen).max())
    for diag, expected in [
        ([1, 0, 0], [1, 0, 0]),
        ([0, 4, 0], [0, 2, 0]),
        ([0, 0, 0, 9], [0, 0, 0, 3]),
        ([0, 0, 9, 0, 0, 4], [0, 0, 3, 0, 0, 2]),
    ]:
        got = host(gsl.sqrtm(np.diag(diag).astype(dtype)))
        np.testing.assert_allclose(got, np.diag(expected), atol=1e-12)
    np.testing.assert_allclose(got, jsl.sqrtm(np.diag(diag).astype(dtype)), atol=1e-12)


def _batched_toeplitz(c, r):
    """JAX's toeplitz: SciPy's on the last axis of c and r, over their broadcast batch axes
    (a Hermitian one of c alone)."""
    c = np.atleast_1d(c)
    r = np.conj(c) if r is None else np.atleast_1d(r)
    batch = np.broadcast_shapes(c.shape[:-1], r.shape[:-1])
    dt = np.result_type(c, r)
    out = np.empty(batch + (c.shape[-1], r.shape[-1]), dt)
    cb = np.broadcast_to(c, batch + c.shape[-1:])
    rb = np.broadcast_to(r, batch + r.shape[-1:])
    for idx in np.ndindex(*batch):
        if c.shape[-1] and r.shape[-1]:
            out[idx] = sl.toeplitz(cb[idx], rb[idx])
    return out


def test_toeplitz_shapes_and_dtypes():
    """toeplitz of stacked (and empty) c and r, mixed dtypes: values against JAX (which
    batches where SciPy ravels), dtypes NumPy's promotion (SciPy's)."""
    r = _rng("toeplitz")
    dts = [np.float32, np.float64, np.complex128, np.int32]
    for cshape in [(), (4,), (3, 7), (0, 5, 1)]:
        for rshape in [(), (3,), (2, 1, 4), (19, 0)]:
            for cdt, rdt in [
                (np.float32, np.int32),
                (np.float64, np.complex128),
                (np.complex128, np.float32),
            ]:
                c, rr = _numeric(r, cshape, cdt), _numeric(r, rshape, rdt)
                try:
                    want = _batched_toeplitz(c, rr)
                except ValueError:  # batch shapes that do not broadcast (JAX raises too)
                    with pytest.raises(ValueError, match="toeplitz.*broadcast"):
                        gsl.toeplitz(c, rr)
                    continue
                got = host(gsl.toeplitz(c, rr))
                assert got.shape == want.shape, (cshape, rshape)
                np.testing.assert_allclose(got, want, rtol=1e-6)
                assert got.dtype == np.result_type(c, rr)
    for cshape, rshape in [((3, 7), (2, 1, 4)), ((4,), ()), ((3, 7), (19, 0))]:
        c, rr = _numeric(r, cshape, np.float64), _numeric(r, rshape, np.complex128)
        try:
            want = jsl.toeplitz(c, rr)
        except ValueError:
            with pytest.raises(ValueError, match="toeplitz.*broadcast"):
                gsl.toeplitz(c, rr)
            continue
        close(gsl.toeplitz(c, rr), want, 1e-12)
    for shape in [(), (3,), (1, 4), (1, 5, 9), (11, 0, 13)]:
        for dt in dts:
            c = _numeric(r, shape, dt)
            got, want = host(gsl.toeplitz(c)), _batched_toeplitz(c, None)
            assert got.shape == want.shape and got.dtype == c.dtype
            np.testing.assert_allclose(got, want, rtol=1e-6)
    c = _numeric(r, (1, 5, 9), np.complex128)
    close(gsl.toeplitz(c), jsl.toeplitz(c), 1e-12)
    got = host(gsl.toeplitz(np.array([1.0, 2 + 3j, 4 - 1j])))
    np.testing.assert_array_equal(got, sl.toeplitz(np.array([1.0, 2 + 3j, 4 - 1j])))
    got = host(gsl.toeplitz(np.array([1, 2, 3], np.float32), np.array([1, 4, 5, 6], np.float32)))
    np.testing.assert_array_equal(got, [[1, 4, 5, 6], [2, 1, 4, 5], [3, 2, 1, 4]])
    assert got.dtype == np.float32


# ---- LaxLinalgTest ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
@pytest.mark.parametrize("n", [0, 5, 12])
def test_lax_eigh_sort_eigenvalues(n, dtype):
    a = _draw(_rng("lax_eigh", n, dtype), (n, n), dtype)
    a = (a + np.conj(a.T)) / 2
    for lower in (True, False):
        for srt in (True, False):
            tri = np.tril(a) if lower else np.triu(a)
            v, w = host(gll.eigh(tri, lower=lower, symmetrize_input=False, sort_eigenvalues=srt))
            jv, jw = jax.lax.linalg.eigh(
                tri, lower=lower, symmetrize_input=False, sort_eigenvalues=srt
            )
            assert v.dtype == np.asarray(jv).dtype and w.dtype == np.asarray(jw).dtype
            assert np.linalg.norm(np.eye(n) - np.conj(v.T) @ v) <= 1e-3
            assert np.linalg.norm(a @ v - w * v) <= 1e-3 * np.linalg.norm(a)
            we = np.linalg.eigvalsh(a)
            np.testing.assert_allclose(w if srt else np.sort(w), we, rtol=1e-4, atol=1e-4)


def _tridiag_eigvals(alpha, beta):
    if np.iscomplexobj(alpha):
        full = np.diag(alpha) + np.diag(beta, 1) + np.diag(np.conj(beta), -1)
        return np.linalg.eigvalsh(full)
    return sl.eigh_tridiagonal(alpha, beta, eigvals_only=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_eigh_tridiagonal_cases(dtype):
    r = _rng("eigh_tri", dtype)
    cases = []
    for n in (1, 2, 8, 40):
        for a, b in [[2, -1], [1, 0], [0, 1], [-1e10, 1e10], [-1e-10, 1e-10]]:
            cases.append((a * np.ones(n, dtype), b * np.ones(n - 1, dtype)))
        cases.append((_numeric(r, (n,), dtype), _numeric(r, (n - 1,), dtype)))
    for alpha, beta in cases:
        n = alpha.shape[-1]
        want = _tridiag_eigvals(alpha, beta)
        eps = np.finfo(alpha.dtype).eps
        atol = 4 * np.sqrt(n) * eps * np.abs(want).max()
        got = gsl.eigh_tridiagonal(alpha, beta, eigvals_only=True)
        close(got, want, 1e-4, dtype=False, atol=atol)
        if n == 8:
            close(
                got,
                jsl.eigh_tridiagonal(alpha, beta, eigvals_only=True),
                1e-4,
                dtype=False,
                atol=atol,
            )
    alpha, beta = _numeric(r, (5,), dtype), _numeric(r, (4,), dtype)
    every = host(gsl.eigh_tridiagonal(alpha, beta, select="a", eigvals_only=True))
    for first in range(4):
        for last in range(first + 1, 4):
            got = gsl.eigh_tridiagonal(
                alpha, beta, select="i", select_range=(first, last), eigvals_only=True
            )
            close(
                got, every[first : last + 1], 1e-6, dtype=False, atol=10 * np.finfo(alpha.dtype).eps
            )
    if dtype == np.complex128:  # a Hermitian tridiagonal matrix (SciPy refuses complex input)
        with pytest.raises((TypeError, ValueError)):
            sl.eigh_tridiagonal(alpha.real, beta, eigvals_only=True)
        w, v = host(gsl.eigh_tridiagonal(alpha, beta))
        full = np.diag(alpha.real) + np.diag(beta, 1) + np.diag(np.conj(beta), -1)
        np.testing.assert_allclose(full @ v, v * w, atol=1e-12)
        close(
            gsl.eigh_tridiagonal(alpha.real, beta, eigvals_only=True),
            jsl.eigh_tridiagonal(alpha.real + 0j, beta, eigvals_only=True),
            1e-10,
        )
        check_grads(
            lambda u, x: gsl.eigh_tridiagonal(u, x, eigvals_only=True), (alpha.real, beta), order=2
        )


def test_hilbert():
    for n in (0, 1, 5, 10, 20):
        got, want = host(gsl.hilbert(n)), sl.hilbert(n)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, jsl.hilbert(n), rtol=1e-15)
