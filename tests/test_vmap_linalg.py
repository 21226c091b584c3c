"""vmap of the linear-algebra primitives and composites against the loop over examples
(tests/vmap_loop.py: forward, vmap(vjp), vmap(jvp), vmap(grad), grad of a loss of vmap, batch
axes first and last, shared arguments, nested vmap), and Jacobians and Hessians through them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from conftest import to_numpy
from vmap_loop import check_jacobians, check_vmap

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl
from gpuad.linalg_rules import adjugate

RNG = np.random.default_rng(7)
B = 3
# the adjoint of a slice (indexing: its rule comes with that family); decompositions unpack
# their packed results by slicing
SLICES = ("scatter",)


def normal(*shape):
    return RNG.standard_normal(shape)


def spd(*lead, n=3):
    a = normal(*lead, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def cplx(*shape):
    return normal(*shape) + 1j * normal(*shape)


def hermitian(*lead, n=3):
    a = cplx(*lead, n, n)
    return a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)


def upper(*lead, n=3):
    return np.triu(normal(*lead, n, n)) + 3 * np.eye(n)


def _skip_eig_on_cupy(backend):
    if backend == "cupy" and not hasattr(ad.get_backend().xp.linalg, "eig"):
        pytest.skip("this CuPy has no general eigendecomposition")


# ---- matmul and einsum ------------------------------------------------------------------------

# (a, b, in_axes): 1-D, 2-D and N-D examples, each side batched or shared
MATMUL = {
    "vec.vec": (normal(B, 4), normal(B, 4), 0),
    "vec.vec shared": (normal(4), normal(4, B), (None, 1)),
    "vec.mat": (normal(B, 4), normal(4, 2), (0, None)),
    "vec.mat shared a": (normal(4), normal(B, 4, 2), (None, 0)),
    "mat.vec": (normal(3, B, 4), normal(B, 4), (1, 0)),
    "mat.vec shared b": (normal(B, 3, 4), normal(4), (0, None)),
    "mat.mat": (normal(3, 4, B), normal(B, 4, 2), (2, 0)),
    "nd.mat": (normal(B, 2, 3, 4), normal(4, 2), (0, None)),
    "mat.nd": (normal(3, 4), normal(2, B, 4, 2), (None, 1)),
    "nd.nd broadcast": (normal(2, 1, 3, 4, B), normal(B, 5, 4, 2), (4, 0)),
    "shared nd.mat": (normal(2, 3, 4), normal(B, 4, 2), (None, 0)),
    "mat.shared nd": (normal(B, 3, 4), normal(2, 4, 2), (0, None)),
    "nd.vec": (normal(B, 2, 3, 4), normal(B, 4), 0),
    "vec.nd": (normal(4, B), normal(2, 4, 3), (1, None)),
}


@pytest.mark.parametrize("case", list(MATMUL))
def test_matmul(backend, case):
    a, b, axes = MATMUL[case]
    nested = case in ("vec.mat", "mat.vec", "nd.nd broadcast", "shared nd.mat")
    check_vmap(gnp.matmul, [a, b], axes, nested=nested)


EINSUM = {
    "...ij,...jk->...ik": ([normal(B, 2, 3, 4), normal(4, 2)], (0, None)),
    "ij,...j": ([normal(3, 4), normal(2, 4, B)], (None, 2)),
    "ii->i": ([normal(B, 3, 3)], 0),
    "ii": ([normal(3, B, 3)], 1),
    "iij->ji": ([normal(B, 3, 3, 2)], 0),
    "ij,ij->": ([normal(B, 3, 2), normal(3, 2)], (0, None)),
    "i,i,j->ij": ([normal(B, 3), normal(3), normal(2, B)], (0, None, 1)),
    "bij,bjk->bik": ([normal(2, 3, 4, B), normal(B, 2, 4, 2)], (3, 0)),
    "...ii->...": ([normal(B, 2, 3, 3)], 0),
}


@pytest.mark.parametrize("spec", list(EINSUM))
def test_einsum(backend, spec):
    args, axes = EINSUM[spec]
    check_vmap(lambda *ops: gnp.einsum(spec, *ops), args, axes,
               nested=spec in ("...ij,...jk->...ik", "ii->i", "i,i,j->ij"))


# ---- the primitives of gpuad.prims.linalg -------------------------------------------------------

@pytest.mark.parametrize("case", ["inv", "det", "logabsdet", "cholesky", "inv complex",
                                  "det complex", "cholesky complex"])
def test_matrix_functions(backend, case):
    fns = {"inv": gnp.linalg.inv, "det": gnp.linalg.det, "cholesky": gnp.linalg.cholesky,
           "logabsdet": lambda a: gnp.linalg.slogdet(a)[1]}
    name = case.split()[0]
    if case.endswith("complex"):
        x = hermitian(B) if name == "cholesky" else cplx(B, 3, 3)
    else:
        x = spd(B) if name == "cholesky" else normal(B, 3, 3)
    # the batch axis in the middle of a stacked example (2, 3, 3)
    x2 = np.moveaxis(np.stack([x, x + 0.1 * np.eye(3)]), 1, 0)
    check_vmap(fns[name], [np.moveaxis(x2, 0, 1)], 1, nested=name in ("inv", "det"))


# (a, b, in_axes): NumPy's reading of b: a vector only when one example of it is 1-D
SOLVE = {
    "vector": (spd(B), normal(B, 3), 0),
    "vector, shared a": (spd(), normal(3, B), (None, 1)),
    "vector, shared b": (spd(B), normal(3), (0, None)),
    "matrix": (spd(B), normal(B, 3, 2), 0),
    "matrix, shared a": (spd(), normal(3, 2, B), (None, 2)),
    "matrix, shared b": (spd(B), normal(3, 3), (0, None)),
    "stacked a, vector": (spd(B, 2), normal(B, 3), 0),
    "stacked a, shared vector": (spd(2, B).swapaxes(0, 1), normal(3), (0, None)),
    "shared stacked a, vector": (spd(2), normal(B, 3), (None, 0)),
    "matrix, shared stacked b": (spd(B), normal(2, 3, 3), (0, None)),
    "square b": (spd(B), normal(B, 3, 3), 0),
}


@pytest.mark.parametrize("case", list(SOLVE))
def test_solve(backend, case):
    a, b, axes = SOLVE[case]
    check_vmap(gnp.linalg.solve, [a, b], axes,
               nested=case in ("vector", "vector, shared a", "matrix, shared b"))


def test_solve_complex(backend):
    check_vmap(gnp.linalg.solve, [cplx(B, 3, 3) + 3 * np.eye(3), cplx(B, 3)], 0)


# ---- decompositions and the primitives of gpuad.linalg_rules -----------------------------------

def _eigh_both(a):
    w, v = gnp.linalg.eigh(a)
    return gnp.concatenate([w, gnp.ravel(v * v)])  # v * v: free of the eigenvectors' signs


def _svd_all(a):
    u, s, vh = gnp.linalg.svd(a, full_matrices=False)
    return gnp.concatenate([s, gnp.ravel(u * u), gnp.ravel(vh * vh)])


def _qr_both(a):
    q, r = gnp.linalg.qr(a)
    return gnp.concatenate([gnp.ravel(q), gnp.ravel(r)])


DECOMPOSITIONS = {
    "eigh": (_eigh_both, spd(B)),
    "eigh upper": (lambda a: gnp.linalg.eigh(a, "U")[0], normal(B, 3, 3)),
    "eigh complex": (lambda a: gnp.linalg.eigh(a)[0], hermitian(B)),
    "eig": (lambda a: gnp.real(gnp.linalg.eigvals(a)), spd(B) + 0.1 * normal(B, 3, 3)),
    "svd reduced": (_svd_all, normal(B, 3, 2)),
    "svd full": (lambda a: gnp.linalg.svd(a)[0][..., :2] ** 2, normal(B, 3, 2)),
    "svd complex": (lambda a: gnp.linalg.svd(a, compute_uv=False), cplx(B, 2, 3)),
    "qr": (_qr_both, normal(B, 3, 2)),
    "qr complete": (lambda a: gnp.linalg.qr(a, "complete")[1], normal(B, 3, 2)),
    "qr wide": (lambda a: gnp.linalg.qr(a, "r"), normal(B, 2, 3)),
    "pinv": (gnp.linalg.pinv, normal(B, 3, 2)),
    "expm": (gsl.expm, 0.5 * normal(B, 3, 3)),
    "sqrtm": (gsl.sqrtm, spd(B)),
    "adjugate": (adjugate, normal(B, 3, 3)),
}


@pytest.mark.parametrize("case", list(DECOMPOSITIONS))
def test_decompositions(backend, case):
    if case == "eig":
        _skip_eig_on_cupy(backend)
    if case == "sqrtm" and backend == "cupy":
        pytest.skip("the CuPy backend has no matrix square root")
    f, x = DECOMPOSITIONS[case]
    check_vmap(f, [np.moveaxis(x, 0, -1)], -1, loop_ok=SLICES,
               nested=case in ("eigh", "svd reduced", "qr", "expm", "sqrtm"))


def test_sqrtm_runs_per_example_without_warning(backend):
    if backend == "cupy":
        pytest.skip("the CuPy backend has no matrix square root")
    from gpuad.prims.core import RULES

    # its rule is the loop (SciPy before 1.15 takes one matrix per call): no fallback warning
    assert RULES["sqrtm"].batch is not None
    check_vmap(gsl.sqrtm, [spd(2)], 0, moved=False, with_jvp=False)
    assert to_numpy(ad.vmap(gsl.sqrtm)(np.zeros((0, 3, 3)))).shape == (0, 3, 3)


TRIANGULAR = {
    "vector": (upper(B), normal(B, 3), 0, {}),
    "vector, shared a": (upper(), normal(3, B), (None, 1), {"trans": 1}),
    "vector, shared b": (upper(B), normal(3), (0, None), {"unit_diagonal": True}),
    "matrix lower": (np.swapaxes(upper(B), -1, -2), normal(B, 3, 2), 0, {"lower": True}),
    "matrix, shared a": (upper(), normal(3, B, 2), (None, 1), {"trans": "T"}),
    "matrix, shared b": (upper(B), normal(2, 3, 2), (0, None), {}),
    "stacked a": (upper(2, B), normal(B, 3), (1, 0), {}),
}


@pytest.mark.parametrize("case", list(TRIANGULAR))
def test_solve_triangular(backend, case):
    a, b, axes, kw = TRIANGULAR[case]
    check_vmap(lambda a, b: gsl.solve_triangular(a, b, **kw), [a, b], axes,
               nested=case in ("vector", "matrix, shared a"))


@pytest.mark.parametrize("axes", [(0, None, 0), (None, 0, None), (2, 0, 1)])
def test_solve_sylvester(backend, axes):
    # a x + x b = q with the spectra of a and -b apart: one matrix each, or B of them
    examples = [(spd() + 0.1 * k * np.eye(3), -0.1 * spd(n=2), normal(3, 2)) for k in range(B)]
    args = [examples[0][j] if ax is None else np.stack([e[j] for e in examples], ax)
            for j, ax in enumerate(axes)]
    check_vmap(gsl.solve_sylvester, args, axes, nested=axes == (0, None, 0))


def test_scipy_without_stacks(backend, monkeypatch):
    """Before SciPy 1.16, scipy.linalg took one matrix per call: the forwards go matrix by
    matrix then, inside vmap and out."""
    import gpuad.linalg_rules as lr

    monkeypatch.setattr(lr, "_scipy_batches", lambda: False)
    check_vmap(lambda a, b: gsl.solve_triangular(a, b, trans=1), [upper(B), normal(3, B)],
               (0, 1), moved=False)
    check_vmap(gsl.solve_sylvester, [spd(B), -0.1 * spd(n=2), normal(3, 2)], (0, None, None),
               moved=False, with_jvp=False)
    if backend == "numpy":
        a = spd(2, 2)
        want = np.stack([np.stack([scipy.linalg.sqrtm(m) for m in r]) for r in a])
        np.testing.assert_allclose(to_numpy(gsl.sqrtm(a)), want, rtol=1e-10)


def test_sign_det_complex(backend):
    check_vmap(lambda a: gnp.linalg.slogdet(a)[0], [cplx(3, B, 3)], 1, nested=True)


# ---- composites of gpuad.numpy.linalg and gpuad.scipy.linalg ------------------------------------

COMPOSITES = {
    "slogdet": (lambda a: gnp.linalg.slogdet(a)[0] * gnp.linalg.slogdet(a)[1],
                [normal(B, 3, 3)], 0),
    "norm": (lambda a: gnp.linalg.norm(a), [normal(B, 3, 3)], 0),
    "norm nuc": (lambda a: gnp.linalg.norm(a, "nuc"), [normal(3, 3, B)], 2),
    "norm 2": (lambda a: gnp.linalg.norm(a, 2), [normal(B, 3, 3)], 0),
    "norm -2 axes": (lambda a: gnp.linalg.norm(a, -2, axis=(1, 0)), [normal(B, 3, 3)], 0),
    "norm 1": (lambda a: gnp.linalg.norm(a, 1), [normal(B, 3, 3)], 0),
    "norm inf axis": (lambda a: gnp.linalg.norm(a, np.inf, axis=0), [normal(B, 3, 3)], 0),
    "norm complex": (lambda a: gnp.linalg.norm(a, axis=-1), [cplx(B, 2, 3)], 0),
    "vector_norm": (lambda a: gnp.linalg.vector_norm(a, ord=3, axis=(0, 1)),
                    [normal(B, 2, 3)], 0),
    "matrix_norm": (lambda a: gnp.linalg.matrix_norm(a, ord="nuc"), [normal(B, 2, 3)], 0),
    "matrix_power 3": (lambda a: gnp.linalg.matrix_power(a, 3), [normal(B, 3, 3)], 0),
    "matrix_power -2": (lambda a: gnp.linalg.matrix_power(a, -2), [spd(B)], 0),
    "matrix_power 0": (lambda a: gnp.linalg.matrix_power(a, 0) * a, [normal(B, 3, 3)], 0),
    "multi_dot": (lambda a, b, c: gnp.linalg.multi_dot([a, b, c]),
                  [normal(B, 3), normal(3, 4), normal(4, B, 2)], (0, None, 1)),
    "lstsq": (lambda a, b: gnp.linalg.lstsq(a, b)[0], [normal(B, 4, 2), normal(4)], (0, None)),
    "lstsq residuals": (lambda a, b: gnp.linalg.lstsq(a, b)[1], [normal(B, 4, 2), normal(B, 4)],
                        0),
    "tensorsolve": (gnp.linalg.tensorsolve, [spd(B, n=4).reshape(B, 2, 2, 2, 2),
                                             normal(B, 2, 2)], 0),
    "tensorinv": (lambda a: gnp.linalg.tensorinv(a, ind=1), [spd(B, n=4).reshape(B, 4, 2, 2)],
                  0),
    "cond": (gnp.linalg.cond, [normal(B, 3, 3)], 0),
    "cond fro": (lambda a: gnp.linalg.cond(a, "fro"), [spd(B)], 0),
    "eigvalsh": (gnp.linalg.eigvalsh, [spd(B)], 0),
    "pinv hermitian": (lambda a: gnp.linalg.pinv(a, hermitian=True), [spd(B)], 0),
    "svd hermitian": (lambda a: gnp.linalg.svd(a, hermitian=True)[1], [spd(B)], 0),
    "svdvals": (gnp.linalg.svdvals, [normal(B, 2, 3)], 0),
    "trace, diagonal": (lambda a: gnp.linalg.trace(a) + gnp.linalg.diagonal(a, offset=1),
                        [normal(B, 3, 3)], 0),
    "cross, outer, vecdot": (lambda a, b: gnp.linalg.outer(gnp.linalg.cross(a, b), b)
                             + gnp.linalg.vecdot(a, b), [normal(B, 3), normal(3)], (0, None)),
    "tensordot": (lambda a, b: gnp.linalg.tensordot(a, b, axes=1), [normal(B, 3), normal(3, 2)],
                  (0, None)),
    "scipy cho_solve": (lambda a, b: gsl.cho_solve(gsl.cho_factor(a), b),
                        [spd(B), normal(B, 3)], 0),
    "scipy cho_solve lower": (lambda a, b: gsl.cho_solve(gsl.cho_factor(a, lower=True), b),
                              [spd(B), normal(3, 2)], (0, None)),
    "scipy solve pos": (lambda a, b: gsl.solve(a, b, assume_a="pos"), [spd(B), normal(B, 3)], 0),
    "scipy solve triangular": (lambda a, b: gsl.solve(a, b, assume_a="upper triangular",
                                                      transposed=True), [upper(B), normal(3)],
                               (0, None)),
    "scipy eigh generalised": (lambda a, b: gsl.eigh(a, b)[0], [spd(B), spd()], (0, None)),
    "scipy eigvalsh": (gsl.eigvalsh, [spd(B)], 0),
    "scipy qr r": (lambda a: gsl.qr(a, mode="r")[0], [normal(B, 3, 2)], 0),
    "scipy pinv": (gsl.pinv, [normal(B, 3, 2)], 0),
    "scipy lstsq": (lambda a, b: gsl.lstsq(a, b)[0], [normal(B, 4, 2), normal(B, 4)], 0),
    "scipy solve_banded": (lambda ab, b: gsl.solve_banded((1, 1), ab, b),
                           [normal(B, 3, 4) + np.array([0.0, 3.0, 0.0])[:, None], normal(B, 4)],
                           0),
    "scipy det, inv, norm": (lambda a: gsl.det(a) * gsl.inv(a) + gsl.norm(a, "nuc"), [spd(B)],
                             0),
}


@pytest.mark.parametrize("case", list(COMPOSITES))
def test_composites(backend, case):
    f, args, axes = COMPOSITES[case]
    nested = case in ("norm nuc", "matrix_power -2", "lstsq", "multi_dot")
    check_vmap(f, args, axes, loop_ok=SLICES, nested=nested, moved=nested,
               with_jvp=case != "scipy eigh generalised")


def test_integer_results_inside_vmap(backend):
    """matrix_rank, lstsq's rank and pinv's rank are computed per example."""
    a = normal(B, 4, 3)
    a[1, :, 2] = a[1, :, 0]  # rank 2
    xs = ad.get_backend().xp.asarray(a)
    want = np.linalg.matrix_rank(a)
    np.testing.assert_array_equal(to_numpy(ad.vmap(gnp.linalg.matrix_rank)(xs)), want)
    np.testing.assert_array_equal(
        to_numpy(ad.vmap(lambda m: gnp.linalg.matrix_rank(m[0]))(xs)),
        [np.linalg.matrix_rank(m[0]) for m in a])
    np.testing.assert_array_equal(
        to_numpy(ad.vmap(lambda m: gsl.pinv(m, return_rank=True)[1])(xs)), want)
    square = ad.get_backend().xp.asarray(a[:, :3])  # m = n: no residuals, whatever the rank
    np.testing.assert_array_equal(
        to_numpy(ad.vmap(lambda m: gnp.linalg.lstsq(m, m[:, 0])[2])(square)),
        np.linalg.matrix_rank(a[:, :3]))
    raw = ad.vmap(lambda m: gnp.linalg.qr(m, "raw")[0])(xs)
    np.testing.assert_allclose(to_numpy(raw), np.stack([np.linalg.qr(m, "raw")[0] for m in a]))


def test_per_example_choices_that_cannot_be_batched_raise(backend):
    a = normal(B, 4, 3)
    a[1, :, 2] = a[1, :, 0]  # one example without full column rank: no residuals for it
    xs = ad.get_backend().xp.asarray(a)
    with pytest.raises(np.linalg.LinAlgError, match="inside vmap"):
        ad.vmap(lambda m: gnp.linalg.lstsq(m, m[:, 0])[1])(xs)
    scaled = ad.get_backend().xp.asarray(normal(B, 3, 2) * np.arange(1, B + 1)[:, None, None])
    with pytest.raises(NotImplementedError, match="differs from example to example"):
        ad.vmap(lambda m: gsl.pinv(m, atol=1e-3))(scaled)


# ---- Jacobians and Hessians ----------------------------------------------------------------------

JACOBIANS = {
    "solve": lambda x: gnp.linalg.solve(gnp.reshape(x, (3, 3)) + 3 * gnp.eye(3), x[:3]),
    "det, inv": lambda x: gnp.linalg.det(gnp.reshape(x, (3, 3))) * gnp.linalg.inv(
        gnp.reshape(x, (3, 3)) + 3 * gnp.eye(3))[0],
    "eigh": lambda x: gnp.linalg.eigvalsh(gnp.reshape(x, (3, 3)) + gnp.reshape(x, (3, 3)).T),
    "svd": lambda x: gnp.linalg.svd(gnp.reshape(x, (3, 3)), compute_uv=False),
    "cholesky": lambda x: gnp.ravel(gnp.linalg.cholesky(
        gnp.reshape(x, (3, 3)) @ gnp.reshape(x, (3, 3)).T + gnp.eye(3))),
    "expm": lambda x: gnp.ravel(gsl.expm(0.3 * gnp.reshape(x, (3, 3)))),
    "solve_triangular": lambda x: gsl.solve_triangular(
        gnp.reshape(x, (3, 3)) + 3 * gnp.eye(3), x[3:6], lower=True),
}


@pytest.mark.parametrize("case", list(JACOBIANS))
def test_jacobians(backend, case):
    x = normal(9) * 0.5
    check_jacobians(JACOBIANS[case], x, hessian=case in ("solve", "eigh", "svd"))


# ---- checks that look at values: one example's error is the batch's -----------------------------

def test_one_degenerate_example_raises_for_the_batch(backend):
    from gpuad.linalg_rules import DegenerateError

    a = spd(B)
    a[1] = np.diag([1.0, 1.0, 2.0])  # a repeated eigenvalue in one example
    xs = ad.get_backend().xp.asarray(a)

    def vectors(m):
        return gnp.sum(gnp.linalg.eigh(m)[1][:, 0])

    with pytest.raises(DegenerateError, match="eigenvectors of a repeated eigenvalue"):
        ad.grad(vectors)(xs[1])  # as alone
    with pytest.raises(DegenerateError, match="eigenvectors of a repeated eigenvalue"):
        ad.vmap(ad.grad(vectors))(xs)
    # the eigenvalues alone are fine there (a symmetric function of the copies): no error
    got = ad.vmap(ad.grad(lambda m: gnp.sum(gnp.linalg.eigvalsh(m))))(xs)
    np.testing.assert_allclose(to_numpy(got), np.broadcast_to(np.eye(3), (B, 3, 3)), atol=1e-12)
    singular = normal(B, 3, 3)
    # a zero row: singular in floating point too (equal columns need not be: a blocked LU
    # rounds them differently and leaves a tiny pivot, a matrix that is not singular)
    singular[2, 2] = 0.0
    with pytest.raises(ad.GradError, match="singular"):
        ad.vmap(ad.grad(lambda m: gnp.linalg.slogdet(m)[1]))(
            ad.get_backend().xp.asarray(singular))


def test_second_derivatives_of_det_near_a_singular_example(backend):
    """The adjugate's derivative is taken one way for the whole batch (through an SVD when an
    example is near singular): the same values as the loop, which chooses per example."""
    a = normal(B, 3, 3)
    a[0, 2] = a[0, 0] + 1e-6 * normal(3)  # nearly singular
    xs = ad.get_backend().xp.asarray(a)
    hess = ad.hessian(gnp.linalg.det)
    want = np.stack([to_numpy(hess(xs[i])) for i in range(B)])
    np.testing.assert_allclose(to_numpy(ad.vmap(hess)(xs)), want, rtol=1e-7, atol=1e-9)


def test_the_oracle_catches_a_wrong_rule(backend, monkeypatch):
    """A rule that ignores NumPy's reading of a vector right-hand side is caught."""
    from gpuad.batching.rules import _align
    from gpuad.engine import apply
    from gpuad.prims.core import RULES

    solve = RULES["solve"]
    monkeypatch.setattr(solve, "batch", lambda args, dims, params: (
        apply(solve, tuple(_align(args, dims)), params), 0))
    with pytest.raises((AssertionError, ValueError)):
        check_vmap(gnp.linalg.solve, [spd(B), normal(B, 3)], 0)
    monkeypatch.setattr(solve, "batch", lambda args, dims, params: (
        gnp.linalg.solve(args[0], args[1]) * 1.0000001, 0))
    with pytest.raises(AssertionError, match="forward"):
        check_vmap(gnp.linalg.solve, [spd(B), normal(B, 3, 2)], 0)


def test_complex_svd_gradient_per_example(backend):
    """The phase check of a complex SVD's adjoint stacked the cotangents' maxima with the
    backend's own stack, which inside vmap got batched Tensors: on CuPy it raised "Only cupy
    arrays can be concatenated"; now it runs per example on both backends."""
    xp = ad.get_backend().xp
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4, 3)) + 1j * rng.standard_normal((3, 4, 3))

    def f(m):  # |u|^2 weighted by s: does not change with the vectors' phases
        u, s, vh = gnp.linalg.svd(m, full_matrices=False)
        return gnp.sum(gnp.abs(u) ** 2 * s) + gnp.sum(gnp.abs(vh) ** 2)

    batched = ad.vmap(ad.grad(f))(xp.asarray(a))
    for i in range(3):
        np.testing.assert_allclose(to_numpy(batched[i]), to_numpy(ad.grad(f)(xp.asarray(a[i]))),
                                   rtol=1e-10, atol=1e-12)
