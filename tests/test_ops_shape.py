"""Shape ops: reshape, ravel, transpose, swapaxes, moveaxis, expand_dims, squeeze, broadcast_to,
concatenate, stack, vstack, hstack, split, tile, repeat, pad, flip, roll, triu, tril; values vs
NumPy, gradients (first and second order, fwd and rev), 0-d, empty and non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp


def _rng(seed=0):
    return np.random.default_rng(seed)



UNARY = [
    ("reshape", lambda m, x: m.reshape(x, (3, 2))),
    ("reshape_infer", lambda m, x: m.reshape(x, (-1, 2, 1))),
    ("reshape_int", lambda m, x: m.reshape(x, 6)),
    ("method_reshape", lambda m, x: x.reshape(3, 2)),
    ("ravel", lambda m, x: m.ravel(x)),
    ("transpose", lambda m, x: m.transpose(x)),
    ("transpose_axes", lambda m, x: m.transpose(x[:, :, None], (2, 0, 1))),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 1)),
    ("swapaxes_neg", lambda m, x: m.swapaxes(x[None], -1, 0)),
    ("moveaxis", lambda m, x: m.moveaxis(x[None], 0, -1)),
    ("moveaxis_multi", lambda m, x: m.moveaxis(x[None], (0, 1), (2, 0))),
    ("expand_dims", lambda m, x: m.expand_dims(x, 1)),
    ("expand_dims_neg", lambda m, x: m.expand_dims(x, -1)),
    ("expand_dims_tuple", lambda m, x: m.expand_dims(x, (0, 3))),
    ("squeeze", lambda m, x: m.squeeze(m.expand_dims(x, (0, 2)))),
    ("squeeze_axis", lambda m, x: m.squeeze(m.expand_dims(x, (0, 2)), 2)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (4, 2, 3))),
    ("broadcast_to_ones", lambda m, x: m.broadcast_to(x[:, :1], (2, 5))),
    ("concatenate_self", lambda m, x: m.concatenate([x, 2 * x, x[:1]], 0)),
    ("concatenate_axis1", lambda m, x: m.concatenate([x, x[:, :1]], axis=-1)),
    ("stack", lambda m, x: m.stack([x, x * x])),
    ("stack_axis", lambda m, x: m.stack([x, x * x], axis=-1)),
    ("vstack", lambda m, x: m.vstack([x, x[0]])),
    ("hstack", lambda m, x: m.hstack([x, x[:, :2]])),
    ("hstack_1d", lambda m, x: m.hstack([x[0], x[1], x[0, 0]])),
    ("split", lambda m, x: m.split(x, 3, axis=1)),
    ("split_indices", lambda m, x: m.split(x, [1, 2], axis=1)),
    ("split_axis0", lambda m, x: m.split(x, 2)),
    ("tile", lambda m, x: m.tile(x, 2)),
    ("tile_tuple", lambda m, x: m.tile(x, (2, 1, 2))),
    ("repeat", lambda m, x: m.repeat(x, 2)),
    ("repeat_axis", lambda m, x: m.repeat(x, 2, axis=1)),
    ("repeat_array", lambda m, x: m.repeat(x, np.array([1, 0, 3]), axis=1)),
    ("pad_constant", lambda m, x: m.pad(x, 1)),
    ("pad_constant_value", lambda m, x: m.pad(x, ((1, 0), (0, 2)), constant_values=1.5)),
    ("pad_edge", lambda m, x: m.pad(x, ((1, 2), (2, 1)), mode="edge")),
    ("pad_reflect", lambda m, x: m.pad(x, ((1, 1), (2, 1)), mode="reflect")),
    ("pad_symmetric", lambda m, x: m.pad(x, ((1, 1), (2, 1)), mode="symmetric")),
    ("pad_wrap", lambda m, x: m.pad(x, ((1, 1), (2, 1)), mode="wrap")),
    ("flip", lambda m, x: m.flip(x)),
    ("flip_axis", lambda m, x: m.flip(x, 1)),
    ("flip_axes", lambda m, x: m.flip(x, (0, 1))),
    ("roll", lambda m, x: m.roll(x, 2)),
    ("roll_axis", lambda m, x: m.roll(x, -1, axis=1)),
    ("roll_axes", lambda m, x: m.roll(x, (1, 2), axis=(0, 1))),
    ("triu", lambda m, x: m.triu(x)),
    ("triu_k", lambda m, x: m.triu(x, 1)),
    ("tril", lambda m, x: m.tril(x)),
    ("tril_k", lambda m, x: m.tril(x, -1)),
    ("tril_batched", lambda m, x: m.tril(m.stack([x, 2 * x]))),
]
IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("layout", ["contig", "strided", "transposed"])
@pytest.mark.parametrize("name,fn", UNARY, ids=IDS)
def test_shape_op(backend, name, fn, layout):
    x = _rng().standard_normal((3, 2)).T  # (2, 3)
    check_op(fn, [x], layout=layout)


def test_concatenate_stack_many_inputs(backend):
    r = _rng(1)
    a, b, c = r.standard_normal((2, 3)), r.standard_normal((1, 3)), r.standard_normal((2, 3))
    check_op(lambda m, a, b, c: m.concatenate([a, b, c]), [a, b, c])
    check_op(lambda m, a, c: m.stack([a, c], 1), [a, c])
    check_op(lambda m, a, b: m.vstack([a, b, b[0]]), [a, b])
    check_op(lambda m, a, b: m.hstack([a.T, b.T]), [a, b], layout="strided")


ZERO_D = [
    ("reshape", lambda m, x: m.reshape(x, (1, 1))),
    ("ravel", lambda m, x: m.ravel(x)),
    ("expand_dims", lambda m, x: m.expand_dims(x, 0)),
    ("squeeze", lambda m, x: m.squeeze(m.reshape(x, (1, 1)))),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 2))),
    ("stack", lambda m, x: m.stack([x, x * x])),
    ("hstack", lambda m, x: m.hstack([x, x])),
    ("vstack", lambda m, x: m.vstack([x, x])),
    ("tile", lambda m, x: m.tile(x, 3)),
    ("repeat", lambda m, x: m.repeat(x, 3)),
    ("transpose", lambda m, x: m.transpose(x)),
]


@pytest.mark.parametrize("name,fn", ZERO_D, ids=[z[0] for z in ZERO_D])
def test_shape_op_0d(backend, name, fn):
    check_op(fn, [np.array(0.7)])


EMPTY = [
    ("reshape", lambda m, x: m.reshape(x, (3, 0))),
    ("ravel", lambda m, x: m.ravel(x)),
    ("transpose", lambda m, x: m.transpose(x)),
    ("expand_dims", lambda m, x: m.expand_dims(x, 1)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 0, 3))),
    ("concatenate", lambda m, x: m.concatenate([x, x], 1)),
    ("stack", lambda m, x: m.stack([x, x])),
    ("tile", lambda m, x: m.tile(x, 2)),
    ("repeat", lambda m, x: m.repeat(x, 2, axis=1)),
    ("flip", lambda m, x: m.flip(x)),
    ("roll", lambda m, x: m.roll(x, 1, axis=0)),
    ("pad", lambda m, x: m.pad(x, 1)),
    ("split", lambda m, x: m.split(x, 3, axis=1)),
    ("triu", lambda m, x: m.triu(x)),
]


@pytest.mark.parametrize("name,fn", EMPTY, ids=[e[0] for e in EMPTY])
def test_shape_op_empty(backend, name, fn):
    x = np.zeros((0, 3))
    got, want = ad.tree_flatten(fn(gnp, gnp.asarray(x)))[0], ad.tree_flatten(fn(np, x))[0]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(to_numpy(g), w)
    g = ad.grad(lambda x: sum(gnp.sum(o) for o in ad.tree_flatten(fn(gnp, x))[0]))(
        gnp.asarray(x))
    assert to_numpy(g).shape == (0, 3)


def test_concatenate_with_empty_part(backend):
    a, b = _rng(2).standard_normal((2, 3)), np.zeros((0, 3))
    check_op(lambda m, a, b: m.concatenate([a, b, a]), [a, b])


def test_tril_triu_keep_integer_and_boolean_dtypes(backend):
    for dt in (bool, np.int8, np.float32):
        x = np.ones((3, 4), dtype=dt)
        for name, k in (("tril", 0), ("triu", 1)):
            out = getattr(gnp, name)(gnp.asarray(x), k)
            assert out.dtype == np.dtype(dt), (name, dt)
            np.testing.assert_array_equal(to_numpy(out), getattr(np, name)(x, k))


def test_broadcast_to_adjoint_sums(backend):
    g = ad.grad(lambda x: gnp.sum(gnp.broadcast_to(x, (4, 2, 3))))(gnp.ones((2, 1)))
    np.testing.assert_array_equal(to_numpy(g), np.full((2, 1), 12.0))


def test_shape_errors_are_specific(backend):
    x = gnp.asarray(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="squeeze"):
        gnp.squeeze(x, 0)
    with pytest.raises(ValueError, match="split"):
        gnp.split(x, 2, axis=1)
    with pytest.raises(ValueError, match="concatenate"):
        gnp.concatenate([x, gnp.zeros(3)])
