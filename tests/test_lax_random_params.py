"""``gpuad.lax`` at parameters a random search against ``jax.lax`` found wrong or missing
(tests/conformance/test_jax_lax_fuzz.py): each checked against a NumPy loop and float64 central
differences, on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

from gpuad import lax
from gpuad.backends import get_backend
from gpuad.testing import check_grads


def _dev(a):
    return get_backend().xp.asarray(a)


def test_gather_with_operand_batching_dims(backend):
    # out[b, j, :] = x[b, :, i[j, b]]: operand dim 0 pairs with index batch dim 1
    r = np.random.default_rng(0)
    x = r.standard_normal((3, 4, 5))
    i = np.array([[4, 0, 2], [1, 1, 3]])[..., None]  # (2, 3, 1): batch (2, 3)
    dn = lax.GatherDimensionNumbers(
        offset_dims=(2,), collapsed_slice_dims=(2,), start_index_map=(2,),
        operand_batching_dims=(0,), start_indices_batching_dims=(1,))

    def f(x):
        return lax.gather(x, _dev(i), dn, (1, 4, 1), mode="clip")

    want = np.stack([[x[b, :, i[j, b, 0]] for b in range(3)] for j in range(2)])
    np.testing.assert_array_equal(to_numpy(f(_dev(x))), want)
    check_grads(f, (_dev(x),), order=1)


def test_scatter_add_with_operand_batching_dims(backend):
    # out[:, b, i[b]] += u[b, :]: operand dim 1 pairs with index batch dim 0
    r = np.random.default_rng(1)
    x, u = r.standard_normal((2, 3, 4)), r.standard_normal((3, 2))
    i = np.array([[3], [0], [3]])
    dn = lax.ScatterDimensionNumbers(
        update_window_dims=(1,), inserted_window_dims=(2,), scatter_dims_to_operand_dims=(2,),
        operand_batching_dims=(1,), scatter_indices_batching_dims=(0,))

    def f(x, u):
        return lax.scatter_add(x, _dev(i), u, dn)

    want = x.copy()
    for b in range(3):
        want[:, b, i[b, 0]] += u[b]
    np.testing.assert_allclose(to_numpy(f(_dev(x), _dev(u))), want, rtol=1e-14)
    check_grads(f, (_dev(x), _dev(u)), order=1)


def test_split_and_top_k_along_an_axis(backend):
    r = np.random.default_rng(2)
    x = _dev(r.standard_normal((3, 5, 2)))
    pieces = lax.split(x, (2, 0, 3), axis=-2)
    want = np.split(to_numpy(x), [2, 2], axis=1)
    assert [to_numpy(p).shape for p in pieces] == [w.shape for w in want]
    for p, w in zip(pieces, want, strict=True):
        np.testing.assert_array_equal(to_numpy(p), w)
    vals, idx = lax.top_k(x, 2, axis=1)
    order = np.argsort(-to_numpy(x), axis=1, kind="stable")[:, :2]
    np.testing.assert_array_equal(to_numpy(idx), order)
    np.testing.assert_array_equal(to_numpy(vals), np.take_along_axis(to_numpy(x), order, 1))
    check_grads(lambda x: lax.top_k(x, 2, axis=0)[0] * lax.split(x, (1, 4), 1)[1].sum(), (x,),
                order=1)


def test_clamp_with_crossed_bounds_differentiates_in_max(backend):
    # min(max(x, lo), hi) is hi wherever lo > hi, whatever x: d/dhi = 1 there (JAX: 0)
    lo = _dev(np.array([0.5, 0.5, -1.0, 0.3]))
    x = _dev(np.array([-1.0, 0.9, 0.0, 2.0]))
    hi = _dev(np.array([0.2, 0.2, 1.0, 1.0]))
    np.testing.assert_array_equal(to_numpy(lax.clamp(lo, x, hi)), [0.2, 0.2, 0.0, 1.0])
    check_grads(lax.clamp, (lo, x, hi), order=1)
    check_grads(lambda x, hi: lax.clamp(0.5, x, hi), (x, _dev(np.array(0.2))), order=1)


def test_precision_names_are_accepted_and_change_nothing(backend):
    a, b = _dev(np.arange(6.0).reshape(2, 3)), _dev(np.arange(3.0))
    for p in (lax.Precision.HIGHEST, lax.Precision.DEFAULT, "highest", None):
        np.testing.assert_array_equal(to_numpy(lax.dot(a, b, precision=p)), [5.0, 14.0])


def test_scatter_max_promised_unique_traces_under_jit(backend):
    # unique_indices=True reaches the update: gpuad.jit then traces indices that are arguments
    # (it raised TracerError, asking for the promise the caller had made)
    import gpuad as ad

    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    x, u = _dev(np.arange(5.0)), _dev(np.array([2.0, 3.0, -1.0]))

    def f(x, u, i):
        return lax.scatter_max(x, i, u, dn, unique_indices=True)

    jf = ad.jit(f)
    for i in ([[1], [3], [4]], [[0], [9], [2]], [[4], [-1], [2]]):
        i = _dev(np.array(i))
        want = np.arange(5.0)
        for k, v in zip(np.asarray(to_numpy(i))[:, 0], (2.0, 3.0, -1.0), strict=True):
            if 0 <= k < 5:
                want[k] = max(want[k], v)
        np.testing.assert_array_equal(to_numpy(jf(x, u, i)), want)


def test_dynamic_slices_without_negative_indices(backend):
    # allow_negative_indices=False (jax.lax's keyword): an array start below 0 clamps to 0
    # instead of counting from the end; a negative Python or NumPy integer raises
    import gpuad as ad

    x = _dev(np.arange(5.0))
    i = _dev(np.array(-1, np.int32))
    np.testing.assert_array_equal(
        to_numpy(lax.dynamic_slice(x, (i,), (2,), allow_negative_indices=False)), [0.0, 1.0])
    np.testing.assert_array_equal(to_numpy(lax.dynamic_slice(x, (i,), (2,))), [3.0, 4.0])
    f = ad.jit(lambda x, u, i: lax.dynamic_update_slice(x, u, (i,), allow_negative_indices=[False]))
    np.testing.assert_array_equal(to_numpy(f(x, _dev(np.ones(2)), i)), [1, 1, 2, 3, 4])
    np.testing.assert_array_equal(
        to_numpy(lax.dynamic_index_in_dim(x, i, keepdims=False, allow_negative_indices=False)),
        0.0)
    with pytest.raises(ValueError, match="allow_negative_indices=False"):
        lax.dynamic_slice_in_dim(x, -2, 2, allow_negative_indices=False)


def test_jit_replays_index_wrapping_and_dropping_on_new_indices(backend):
    # the wrap of negative indices and the drop of out-of-range ones ran on the raw index
    # array, outside the program: a replay kept the traced call's answers (x[-1] read x[0], an
    # update dropped at trace time stayed dropped)
    import gpuad as ad

    x, u = np.arange(4.0), np.array([1.0, 2.0])
    get = ad.jit(lambda x, i: ad.at(x)[i].get(mode="clip"))
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    scatter = ad.jit(lambda x, i, u: lax.scatter_add(x, i, u, dn, mode="fill"))
    for i in ([0, 0], [-1, 1], [9, -3], [2, -9]):
        i = np.array(i)
        want_get = x[np.clip(np.where(i < 0, i + 4, i), 0, 3)]
        np.testing.assert_array_equal(to_numpy(get(_dev(x), _dev(i))), want_get)
        want = x.copy()
        for k, v in zip(i, u, strict=True):
            if 0 <= k < 4:
                want[k] += v
        np.testing.assert_array_equal(
            to_numpy(scatter(_dev(x), _dev(i[:, None]), _dev(u))), want)
