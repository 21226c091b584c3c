"""Linear algebra: dot, matmul (batched), tensordot, einsum, outer, inner, vdot, trace, diag,
transpose, linalg.inv/solve/det/slogdet/cholesky/norm; values vs NumPy and gradients (first and
second order, fwd and rev), non-contiguous inputs, untouched inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from linalg_inputs import normal as N
from linalg_inputs import spd as SPD
from linalg_inputs import well as WELL
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp


def _rng(seed=0):
    return np.random.default_rng(seed)


CASES = [
    ("dot_1d_1d", lambda m, a, b: m.dot(a, b), N(3), N(3)),
    ("dot_2d_2d", lambda m, a, b: m.dot(a, b), N(2, 3), N(3, 4)),
    ("dot_2d_1d", lambda m, a, b: m.dot(a, b), N(2, 3), N(3)),
    ("dot_1d_2d", lambda m, a, b: m.dot(a, b), N(3), N(3, 2)),
    ("dot_0d", lambda m, a, b: m.dot(a, b), N(), N(2, 3)),
    ("dot_3d_2d", lambda m, a, b: m.dot(a, b), N(2, 2, 3), N(3, 2)),
    ("dot_3d_3d", lambda m, a, b: m.dot(a, b), N(2, 2, 3), N(2, 3, 2)),
    ("matmul_2d", lambda m, a, b: m.matmul(a, b), N(2, 3), N(3, 4)),
    ("matmul_batched", lambda m, a, b: m.matmul(a, b), N(2, 2, 3), N(2, 3, 2)),
    ("matmul_bcast_batch", lambda m, a, b: m.matmul(a, b), N(2, 1, 2, 3), N(3, 3, 2)),
    ("matmul_1d_3d", lambda m, a, b: m.matmul(a, b), N(3), N(2, 3, 2)),
    ("matmul_3d_1d", lambda m, a, b: m.matmul(a, b), N(2, 2, 3), N(3)),
    ("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), N(3), N(3)),
    ("matmul_operator", lambda m, a, b: a @ b, N(2, 3), N(3, 2)),
    ("tensordot_2", lambda m, a, b: m.tensordot(a, b), N(2, 3, 2), N(3, 2, 2)),
    ("tensordot_1", lambda m, a, b: m.tensordot(a, b, 1), N(2, 3), N(3, 2)),
    ("tensordot_pairs", lambda m, a, b: m.tensordot(a, b, ([0, 2], [1, 0])), N(2, 3, 2),
     N(2, 2, 3)),
    ("tensordot_0", lambda m, a, b: m.tensordot(a, b, 0), N(2), N(3)),
    ("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), N(2, 3), N(3, 2)),
    ("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), N(2, 3), N(3, 2)),
    ("einsum_batched", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), N(2, 2, 3), N(2, 3, 2)),
    ("einsum_dot", lambda m, a, b: m.einsum("i,i->", a, b), N(3), N(3)),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), N(3), N(2)),
    ("einsum_reduce", lambda m, a, b: m.einsum("ij,j->j", a, b), N(2, 3), N(3)),
    ("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), N(2, 2, 3),
     N(3, 2)),
    ("einsum_diag_operand", lambda m, a, b: m.einsum("ii,i->i", a, b), N(3, 3), N(3)),
    ("einsum_trace_operand", lambda m, a, b: m.einsum("iij,jk->ik", a, b), N(2, 2, 3), N(3, 2)),
    ("einsum_three", lambda m, a, b: m.einsum("ij,jk,ki->", a, b, a.T), N(2, 3), N(3, 3)),
    ("einsum_transpose", lambda m, a, b: m.einsum("ij->ji", a) * b, N(2, 3), N(3, 1)),
    ("outer", lambda m, a, b: m.outer(a, b), N(3), N(2)),
    ("outer_2d", lambda m, a, b: m.outer(a, b), N(2, 2), N(3)),
    ("inner_1d", lambda m, a, b: m.inner(a, b), N(3), N(3)),
    ("inner_2d", lambda m, a, b: m.inner(a, b), N(2, 3), N(4, 3)),
    ("inner_0d", lambda m, a, b: m.inner(a, b), N(), N(3)),
    ("vdot", lambda m, a, b: m.vdot(a, b), N(2, 3), N(2, 3)),
    ("solve_vec", lambda m, a, b: m.linalg.solve(a, b), WELL(3, 3), N(3)),
    ("solve_mat", lambda m, a, b: m.linalg.solve(a, b), WELL(3, 3), N(3, 2)),
    ("solve_batched", lambda m, a, b: m.linalg.solve(a, b), WELL(2, 3, 3), N(2, 3, 2)),
]

UNARY = [
    ("trace", lambda m, a: m.trace(a), N(3, 3)),
    ("trace_offset", lambda m, a: m.trace(a, 1), N(3, 4)),
    ("trace_3d", lambda m, a: m.trace(a, 0, 1, 2), N(2, 3, 3)),
    ("einsum_trace", lambda m, a: m.einsum("ii->", a), N(3, 3)),
    ("einsum_diagonal", lambda m, a: m.einsum("ii->i", a), N(3, 3)),
    ("einsum_diag3", lambda m, a: m.einsum("iii->i", a), N(2, 2, 2)),
    ("einsum_diag_keep", lambda m, a: m.einsum("iji->ij", a), N(2, 3, 2)),
    ("diag_from_vector", lambda m, a: m.diag(a), N(3)),
    ("diag_from_vector_k", lambda m, a: m.diag(a, 1), N(3)),
    ("diag_from_vector_negk", lambda m, a: m.diag(a, -2), N(2)),
    ("diag_of_matrix", lambda m, a: m.diag(a), N(3, 4)),
    ("diag_of_matrix_k", lambda m, a: m.diag(a, -1), N(3, 4)),
    ("diagonal", lambda m, a: m.diagonal(a, 0, 1, 2), N(2, 3, 3)),
    ("transpose", lambda m, a: m.transpose(a), N(2, 3, 4)),
    ("transpose_axes", lambda m, a: m.transpose(a, (1, 2, 0)), N(2, 3, 4)),
    ("T", lambda m, a: a.T, N(2, 3)),
    ("inv", lambda m, a: m.linalg.inv(a), WELL(3, 3)),
    ("inv_batched", lambda m, a: m.linalg.inv(a), WELL(2, 3, 3)),
    ("det", lambda m, a: m.linalg.det(a), WELL(3, 3)),
    ("det_batched", lambda m, a: m.linalg.det(a), WELL(2, 3, 3)),
    ("det_negative", lambda m, a: m.linalg.det(a), lambda r: np.diag([-1.0, 2.0, 1.5]) + 0.2
     * r.standard_normal((3, 3))),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1], WELL(3, 3)),
    ("slogdet_sign", lambda m, a: m.linalg.slogdet(a)[0] * a, lambda r: np.diag(
        [-1.0, 2.0, 1.5]) + 0.2 * r.standard_normal((3, 3))),
    ("slogdet_negative", lambda m, a: m.linalg.slogdet(a)[1], lambda r: np.diag(
        [-1.0, 2.0, 1.5]) + 0.2 * r.standard_normal((3, 3))),
    ("slogdet_batched", lambda m, a: m.linalg.slogdet(a)[1], WELL(2, 3, 3)),
    ("cholesky", lambda m, a: m.linalg.cholesky(a), SPD(3, 3)),
    ("cholesky_batched", lambda m, a: m.linalg.cholesky(a), SPD(2, 3, 3)),
    ("norm", lambda m, a: m.linalg.norm(a), N(2, 3)),
    ("norm_vec", lambda m, a: m.linalg.norm(a), N(4)),
    ("norm_axis", lambda m, a: m.linalg.norm(a, axis=1), N(2, 3)),
    ("norm_axis_keepdims", lambda m, a: m.linalg.norm(a, axis=0, keepdims=True), N(2, 3)),
    ("norm_ord1", lambda m, a: m.linalg.norm(a, 1), N(4)),
    ("norm_ordinf", lambda m, a: m.linalg.norm(a, np.inf), N(4)),
    ("norm_ord3", lambda m, a: m.linalg.norm(a, 3), N(4)),
    ("norm_fro", lambda m, a: m.linalg.norm(a, "fro"), N(2, 3)),
    ("norm_mat1", lambda m, a: m.linalg.norm(a, 1), N(3, 3)),
    ("norm_matinf", lambda m, a: m.linalg.norm(a, np.inf), N(3, 3)),
    ("norm_mat_axes", lambda m, a: m.linalg.norm(a, axis=(0, 2)), N(2, 3, 2)),
    ("norm_0d", lambda m, a: m.linalg.norm(a), N()),
]


@pytest.mark.parametrize("layout", ["contig", "transposed"])
@pytest.mark.parametrize("name,fn,ma,mb", CASES, ids=[c[0] for c in CASES])
def test_binary(backend, name, fn, ma, mb, layout):
    r = _rng()
    check_op(fn, [ma(r), mb(r)], layout=layout, rtol=1e-8)


@pytest.mark.parametrize("name,fn,ma,mb", CASES, ids=[c[0] for c in CASES])
def test_binary_strided(backend, name, fn, ma, mb):
    r = _rng(1)
    check_op(fn, [ma(r), mb(r)], layout="strided", order=1, rtol=1e-8)


@pytest.mark.parametrize("layout", ["contig", "strided", "transposed"])
@pytest.mark.parametrize("name,fn,ma", UNARY, ids=[u[0] for u in UNARY])
def test_unary(backend, name, fn, ma, layout):
    check_op(fn, [ma(_rng(2))], layout=layout, rtol=1e-8)


def test_cholesky_of_symmetrised_input(backend):
    # a function of the full matrix, used with a symmetric perturbation model by most callers
    a = SPD(3, 3)(_rng(4))
    check_op(lambda m, a: m.linalg.cholesky((a + a.T) / 2), [a], rtol=1e-8)


@pytest.mark.parametrize("shape_a,shape_b", [((0, 3), (3, 2)), ((2, 0), (0, 3)), ((0,), (0,))],
                         ids=str)
def test_matmul_empty(backend, shape_a, shape_b):
    a, b = np.ones(shape_a), np.ones(shape_b)
    np.testing.assert_array_equal(to_numpy(gnp.matmul(gnp.asarray(a), gnp.asarray(b))), a @ b)
    ga, gb = ad.grad(lambda a, b: gnp.sum(gnp.matmul(a, b)), argnums=(0, 1))(
        gnp.asarray(a), gnp.asarray(b))
    assert to_numpy(ga).shape == shape_a and to_numpy(gb).shape == shape_b
    np.testing.assert_array_equal(to_numpy(ga), np.ones(shape_b).sum(-1) * np.ones(shape_a)
                                  if len(shape_a) == 2 else np.ones(shape_a))


def test_norm_zero_gradient(backend):
    g = ad.grad(lambda x: gnp.linalg.norm(x))(gnp.zeros(3))
    np.testing.assert_array_equal(to_numpy(g), np.zeros(3))

