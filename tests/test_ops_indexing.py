"""Indexing: basic and advanced ``__getitem__`` (slices, ints, integer arrays, boolean masks,
newaxis, ellipsis) and ``take``; values vs NumPy, gradients (first and second order, fwd and
rev), a scatter-add adjoint that accumulates repeated indices, non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _rng(seed=0):
    return np.random.default_rng(seed)



def _idx(a):
    """An index array on the active backend (advanced indices must live where the data does)."""
    return ad.get_backend().xp.asarray(np.asarray(a))


INDEXES = [
    ("int", lambda: 1),
    ("neg_int", lambda: -1),
    ("int_pair", lambda: (1, 2)),
    ("slice", lambda: slice(1, None)),
    ("slice_step", lambda: (slice(None), slice(None, None, 2))),
    ("slice_neg_step", lambda: (slice(None, None, -1), slice(3, 0, -2))),
    ("slice_empty", lambda: slice(2, 1)),
    ("newaxis", lambda: (None, slice(None), None)),
    ("ellipsis", lambda: (Ellipsis, 1)),
    ("ellipsis_newaxis", lambda: (0, Ellipsis, None)),
    ("int_array", lambda: _idx([2, 0])),
    ("int_array_repeated", lambda: _idx([0, 0, 2, 0])),
    ("int_array_2d", lambda: _idx([[0, 1], [1, 0]])),
    ("int_array_neg", lambda: (slice(None), _idx([-1, 0, -1]))),
    ("list", lambda: [1, 1, 0]),
    ("pair_arrays", lambda: (_idx([0, 2, 0]), _idx([1, 3, 1]))),
    ("array_slice_mix", lambda: (_idx([2, 2]), slice(1, 3))),
    ("slice_array_mix", lambda: (slice(None), _idx([3, 3, 0]))),
    ("array_newaxis", lambda: (None, _idx([1, 0]), Ellipsis)),
    ("separated_arrays", lambda: (_idx([0, 1]), slice(None), _idx([1, 1]))),
    ("bool_mask_full", lambda: _idx(np.arange(12).reshape(3, 4) % 3 == 0)),
    ("bool_mask_rows", lambda: _idx([True, False, True])),
    ("bool_mask_cols", lambda: (slice(None), _idx([False, True, True, False]))),
    ("bool_all_false", lambda: _idx(np.zeros((3, 4), bool))),
]


@pytest.mark.parametrize("layout", ["contig", "strided", "transposed"])
@pytest.mark.parametrize("name,index", INDEXES, ids=[i[0] for i in INDEXES])
def test_getitem(backend, name, index, layout):
    x = _rng().standard_normal((4, 3)).T  # (3, 4)
    idx = index()
    if isinstance(idx, tuple) and "separated" in name:
        x = _rng().standard_normal((3, 2, 4))
    np_idx = tuple(to_numpy(i) if hasattr(i, "shape") else i for i in idx) if isinstance(
        idx, tuple) else (to_numpy(idx) if hasattr(idx, "shape") else idx)
    check_op(lambda m, x: x[np_idx if m is np else idx], [x], layout=layout)


def test_getitem_0d(backend):
    check_op(lambda m, x: x[()], [np.array(0.7)])
    check_op(lambda m, x: x[None], [np.array(0.7)])
    check_op(lambda m, x: x[..., None], [np.array(0.7)])


def test_getitem_empty(backend):
    x = np.zeros((0, 3))
    np.testing.assert_array_equal(to_numpy(gnp.asarray(x)[:, 1]), x[:, 1])
    for idx in (slice(None), (Ellipsis, 1), _idx(np.zeros(0, int))):
        g = ad.grad(lambda x, idx=idx: gnp.sum(x[idx]))(gnp.asarray(x))
        assert to_numpy(g).shape == (0, 3)
    g = ad.grad(lambda x: gnp.sum(x[_idx(np.zeros(0, int))]))(gnp.asarray(np.ones(4)))
    np.testing.assert_array_equal(to_numpy(g), np.zeros(4))


def test_repeated_indices_accumulate(backend):
    x = gnp.asarray(np.arange(5.0))
    g = ad.grad(lambda x: gnp.sum(x[_idx([0, 0, 2])]))(x)
    np.testing.assert_array_equal(to_numpy(g), [2.0, 0.0, 1.0, 0.0, 0.0])
    g = ad.grad(lambda x: gnp.sum(x[[0, 0, 2]] * _idx([1.0, 2.0, 3.0])))(x)
    np.testing.assert_array_equal(to_numpy(g), [3.0, 0.0, 3.0, 0.0, 0.0])
    x2 = gnp.asarray(np.zeros((3, 2)))
    g = ad.grad(lambda x: gnp.sum(x[_idx([1, 1, 1]), _idx([0, 0, 1])]))(x2)
    np.testing.assert_array_equal(to_numpy(g), [[0.0, 0.0], [2.0, 1.0], [0.0, 0.0]])
    # forward mode agrees with the same accumulation
    t = ad.jvp(lambda x: gnp.sum(x[_idx([0, 0, 2])]), (x,), (gnp.ones_like(x),))[1]
    assert float(to_numpy(t)) == 3.0


def test_getitem_tensor_index(backend):
    x = _rng(1).standard_normal((3, 4))
    i = ad.tensor(_idx([2, 0, 2]))
    # a raw CuPy array cannot be indexed by a Tensor (CuPy would need an implicit host copy):
    # on the gnp side the indexed array is a Tensor, as a user of gpuad would have
    check_op(lambda m, x: x[i.numpy()] if m is np else
             (x if isinstance(x, ad.Tensor) else ad.tensor(x))[i], [x])


TAKES = [
    ("flat", lambda: ([5, 0, 5, 11], None)),
    ("axis0", lambda: ([2, 0, 2], 0)),
    ("axis1", lambda: ([[3, 3], [0, 1]], 1)),
    ("neg_axis", lambda: ([1, 1], -1)),
    ("scalar", lambda: (2, 1)),
]


@pytest.mark.parametrize("layout", ["contig", "strided", "transposed"])
@pytest.mark.parametrize("name,make", TAKES, ids=[t[0] for t in TAKES])
def test_take(backend, name, make, layout):
    ind, axis = make()
    x = _rng(2).standard_normal((4, 3)).T
    check_op(lambda m, x: m.take(x, ind if m is np else (_idx(ind) if not isinstance(
        ind, int) else ind), axis=axis), [x], layout=layout)


def test_take_repeated_gradient(backend):
    g = ad.grad(lambda x: gnp.sum(gnp.take(x, _idx([1, 1, 1]), axis=0)))(gnp.ones((3, 2)))
    np.testing.assert_array_equal(to_numpy(g), [[0.0, 0.0], [3.0, 3.0], [0.0, 0.0]])


def test_setitem_records_and_keeps_inputs(backend):
    x0 = _rng(3).standard_normal(4)
    v0 = _rng(4).standard_normal(2)

    def f(x, v):
        y = x * 1.0
        y[_idx([0, 2])] = v * v
        return y

    check_grads(f, [gnp.asarray(x0), gnp.asarray(v0)], order=2)
    x, v = ad.tensor(gnp.asarray(x0), requires_grad=True), ad.tensor(gnp.asarray(v0),
                                                                     requires_grad=True)
    gnp.sum(f(x, v)).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(to_numpy(v.grad), 2 * v0)
    np.testing.assert_array_equal(to_numpy(x), x0)
