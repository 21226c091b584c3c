"""vmap of indexing: batched index arrays (per-example gathers), scatter, index_update, take,
take_along_axis, sort, boolean masks; each against the loop over examples."""

from __future__ import annotations

import numpy as np
import pytest
from vmap_loop import check_vmap

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(0)
X = R.normal(size=(4, 5, 3))
IDX = R.integers(0, 5, size=(4, 2, 3))
X4 = R.normal(size=(4, 5, 2, 3))


@pytest.mark.parametrize("f,args,axes", [
    (lambda x, i: x[i], (X, IDX), 0),                                   # leading adv index
    (lambda x, i: x[:, i[0]], (X, IDX % 3), 0),                         # after a slice
    (lambda x, i: x[i[0], :, i[1] % 3], (X4, IDX), 0),                  # split by a slice
    (lambda x, i: x[None, i, 1:], (X, IDX), 0),                         # newaxis first
    (lambda x, i: x[None, i[0] % 2], (X4, IDX), 0),                     # trailing dims
    (lambda x, i: x[..., i[0, 0] % 3], (X, IDX), 0),                    # Ellipsis
    (lambda x, i: x[i[0], 2], (X, IDX), 0),                             # int with an array
    (lambda x, i: x[i[0], np.array([0, 2, 1])], (X, IDX), 0),           # batched + shared
    (lambda x, i: gnp.getitem(x, i), (X[0], IDX), (None, 0)),           # data not batched
    (lambda x, i: x[:, i[0] % 3], (X, IDX), (2, 2)),                    # batch axes not first
])
def test_batched_index(backend, f, args, axes):
    check_vmap(f, args, axes)


def test_batched_index_nested(backend):
    check_vmap(lambda x, i: x[1:, i[0] % 3] * 2.0, (X, IDX), 0, nested=True)


def test_argmax_index(backend):
    check_vmap(lambda x: x[gnp.argmax(x[:, 0])] ** 2, (X,), 0)
    check_vmap(lambda x: gnp.max(x, 0) - x[gnp.argmax(x[:, 1])], (X,), 1)


def test_take_and_take_along_axis(backend):
    check_vmap(lambda x, i: gnp.take(x, i[0, 0], axis=0), (X, IDX), 0)
    check_vmap(lambda x, i: gnp.take(x, i), (X, IDX), 0)
    check_vmap(lambda x, i: gnp.take_along_axis(x, i % 3, axis=0), (X, IDX[:, :, None, :]
                                                               .repeat(5, 2)[:, 0]), 0)
    check_vmap(lambda x: gnp.take_along_axis(x, gnp.argsort(x, axis=0), axis=0), (X,), 0)


def test_sort_argsort(backend):
    check_vmap(lambda x: gnp.sort(x, axis=0) * 1.5, (X,), 0, nested=True)
    check_vmap(lambda x: gnp.sort(x, axis=-1), (X,), 1)
    check_vmap(lambda x: gnp.argsort(x, axis=0), (X,), 0, diff=())
    check_vmap(lambda x: gnp.sort(x, axis=None), (X,), 0)


def test_scatter_and_index_update_with_shared_index(backend):
    # the vjp of x[index] is a scatter; index_update is what a functional write records
    check_vmap(lambda x: x[1:4, ::2] * 3.0, (X,), 0)
    check_vmap(lambda x: x[np.array([0, 0, 3]), 1:], (X,), 0)
    check_vmap(lambda x: x[np.array([0, 3]), :, np.array([1, 1])], (X4,), 2)
    check_vmap(lambda x, v: gnp.index_update(x, (slice(1, 3), 0), v), (X, X[:, :2, 1]), (0, 0))
    check_vmap(lambda x, v: gnp.index_update(x, np.array([1, 1, 3]), v),
          (X, X[0, :3]), (0, None))
    check_vmap(lambda x, v: gnp.index_update(x, (0, np.array([2, 0])), v),
          (X, X[:, 0, :2]), (0, 0))


def test_index_update_with_batched_index(backend):
    check_vmap(lambda x, i, v: gnp.index_update(x, i[0], v), (X, IDX, X[:, :3] * 2.0), 0)
    # repeated positions: the last write is kept, and only it receives the adjoint
    rep = np.array([[0, 0, 2], [1, 3, 1], [4, 4, 4], [0, 1, 2]])
    check_vmap(lambda x, i, v: gnp.index_update(x, i, v), (X[:, :, 0], rep, X[:, :3, 1]), 0)
    check_vmap(lambda x, i: gnp.index_update(x, (slice(None), i % 3), 0.0), (X, IDX[:, 0, 0]), 0)


def test_write_along_an_axis(backend):
    def f(x, i):
        return gnp.index_update(x, (gnp.arange(5)[:, None], i), x[:, :1] * 2.0)

    check_vmap(f, (X, R.integers(0, 3, size=(4, 5, 1))), 0)


def test_boolean_masks(backend):
    xs = gnp.asarray(X)
    with pytest.raises(IndexError, match="depends on the data"):
        ad.vmap(lambda x: x[x > 0])(xs)
    with pytest.raises(TypeError, match="nonzero"):
        ad.vmap(lambda x: gnp.nonzero(x))(xs)
    with pytest.raises(TypeError, match="nonzero"):
        ad.vmap(lambda x: gnp.where(x > 0))(xs)
    # a mask shared by every example selects the same number of elements: fine
    mask = X[0, :, 0] > 0
    check_vmap(lambda x: x[mask], (X,), 0)
    check_vmap(lambda x: x[:, mask[:3]], (X,), 0)
    # the fixed-shape alternative the error names
    check_vmap(lambda x: gnp.sum(gnp.where(x > 0, x, 0.0) ** 2, axis=0), (X,), 0)
