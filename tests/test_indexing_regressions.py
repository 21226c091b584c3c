"""Indexing regressions found by porting JAX's and PyTorch's indexing test suites
(tests/conformance/test_jax_indexing_suite.py, test_torch_indexing_suite.py): each checked
against NumPy's values."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad


def _xp():
    return ad.get_backend().xp


def test_jit_follows_a_closure_mask_in_at_updates(backend):
    """A boolean mask the compiled function reads from its closure: ``x.at[m]`` under
    ``gpuad.jit`` gave the first call's positions after the mask changed (a stale result),
    and raised TracerError once the mask had been read by ``x[m]`` in the same function."""
    xp = _xp()
    a = np.arange(6.0).reshape(3, 2)
    m = xp.asarray([True, False, True])
    x = ad.tensor(xp.asarray(a))
    f = ad.jit(lambda x: x.at[m].add(1.0))
    g = ad.jit(lambda x: x.at[m].add(2 * x[m]))
    for mask in ([True, False, True], [False, True, True], [True, True, True]):
        m[...] = xp.asarray(mask)
        hm = np.asarray(mask)
        want = a.copy()
        want[hm] += 1.0
        np.testing.assert_array_equal(to_numpy(f(x)), want)
        want = a.copy()
        want[hm] += 2 * a[hm]
        np.testing.assert_array_equal(to_numpy(g(x)), want)


def test_setitem_with_none_index(backend):
    """``x[None] = v`` with ``v`` of the selection's shape ``(1, *x.shape)``: read as the
    whole-tensor write of ``x += v`` it raised "result of shape (1, 2, 3) does not fit"."""
    xp = _xp()
    a = np.arange(6.0).reshape(2, 3)
    x = ad.tensor(xp.asarray(a.copy()))
    x[None] = xp.asarray(-a[None])
    np.testing.assert_array_equal(to_numpy(x), -a)
    b = ad.tensor(xp.asarray(a), requires_grad=True) * 1.0
    w = ad.tensor(xp.asarray(a[None] + 1.0), requires_grad=True)
    b[None] = w * 2.0
    (b * b).sum().backward()
    np.testing.assert_allclose(to_numpy(w.grad), 8.0 * (a[None] + 1.0))


def test_empty_list_index_is_an_integer_index(backend):
    """``x[[]]`` and ``x[[], []]`` select nothing (NumPy and torch); the empty list became a
    float64 array and raised "arrays used as indices must be of integer type"."""
    xp = _xp()
    a = np.arange(12.0).reshape(4, 3)
    x = ad.tensor(xp.asarray(a))
    assert to_numpy(x[[]]).shape == a[[]].shape == (0, 3)
    assert to_numpy(x[[], []]).shape == a[[], []].shape == (0,)
    y = ad.tensor(xp.asarray(a.copy()))
    y[[]] = -1.0
    np.testing.assert_array_equal(to_numpy(y), a)
    np.testing.assert_array_equal(to_numpy(x.at[[]].add(1.0)), a)


def test_list_index_holding_sequences_is_refused(backend):
    """``x[[[0, 1], [1, 0]]]`` is ``x[[0, 1], [1, 0]]`` to torch and one index array to NumPy:
    gpuad silently gave NumPy's (4, 2, 4) result where torch gives 2 entries. It now raises
    and names both spellings; a tuple, an array, or a list of ints are unchanged."""
    import pytest

    xp = _xp()
    a = np.arange(16.0).reshape(4, 4)
    x = ad.tensor(xp.asarray(a))
    for idx in ([[0, 1], [1, 0]], [(0, 1), (1, 0)], [ad.tensor(xp.asarray(1)), 2],
                [slice(None), [0, 1]]):
        with pytest.raises(IndexError, match="tuple"):
            x[idx]
        with pytest.raises(IndexError, match="tuple"):
            x[idx] = 0.0
        with pytest.raises(IndexError, match="tuple"):
            x.at[idx].get()
    np.testing.assert_array_equal(to_numpy(x[([0, 1], [1, 0])]), a[[0, 1], [1, 0]])
    np.testing.assert_array_equal(to_numpy(x[xp.asarray([[0, 1], [1, 0]])]),
                                  a[np.array([[0, 1], [1, 0]])])
    np.testing.assert_array_equal(to_numpy(x[[3, 0, 3]]), a[[3, 0, 3]])
    long = [[i % 4, 3] for i in range(32)]  # 32 entries or more: an index array in both
    np.testing.assert_array_equal(to_numpy(x[long]), a[np.array(long)])


def test_index_put_without_indices_raises(backend):
    """``t.index_put((), v, accumulate=True)`` added ``v`` to every entry (torch raises)."""
    import pytest

    x = ad.tensor(_xp().asarray(np.zeros((2, 2))))
    with pytest.raises(IndexError, match="at least one index"):
        x.index_put((), ad.tensor(_xp().asarray(np.ones(1))), accumulate=True)


def test_bool_scalar_write_drops_leading_ones(backend):
    """``x[True] = v`` on a 0-d tensor with ``v`` of shape (1, 1): NumPy's boolean write
    raised TypeError; torch (and NumPy's other writes) drop the extra leading ones."""
    xp = _xp()
    for shape in ((), (2, 3)):
        x = ad.tensor(xp.asarray(np.zeros(shape)))
        x[True] = xp.asarray(-np.ones((1, 1) + shape))
        np.testing.assert_array_equal(to_numpy(x), -np.ones(shape))
        x[xp.asarray(True)] = xp.asarray(2 * np.ones((1, 1) + shape))
        np.testing.assert_array_equal(to_numpy(x), 2 * np.ones(shape))
        x[False] = xp.asarray(5 * np.ones((1, 1) + shape))
        np.testing.assert_array_equal(to_numpy(x), 2 * np.ones(shape))


def test_delitem_says_what_to_do(backend):
    import pytest

    x = ad.tensor(_xp().asarray(np.zeros(3)))
    with pytest.raises(TypeError, match="delete"):
        del x[0]


def test_out_of_range_index_arrays_raise_on_every_backend(backend):
    """CuPy wraps an out-of-range entry of an index array around: ``x[[10]]`` of 10 entries
    returned ``x[0]`` and ``x[idx] = v`` wrote there, silently, on the cupy backend."""
    import pytest

    xp = _xp()
    x = ad.tensor(xp.arange(10.0))
    for idx in ([10], [-11], xp.asarray([1] * 19 + [10]), (xp.asarray([0, 12]),),
                np.array([3, 10]), np.array(10)):
        with pytest.raises(IndexError, match="out of bounds"):
            x[idx]
        y = ad.tensor(xp.zeros(10))
        with pytest.raises(IndexError, match="out of bounds"):
            y[idx] = 1.0
        np.testing.assert_array_equal(to_numpy(y), np.zeros(10))
        w = ad.tensor(xp.zeros(10), requires_grad=True) * 1.0
        with pytest.raises(IndexError, match="out of bounds"):
            w[idx] = ad.tensor(xp.asarray(1.0), requires_grad=True)
    m = ad.tensor(xp.zeros((2, 5)))
    with pytest.raises(IndexError, match="axis 1"):
        m[:, xp.asarray([5])]
    with pytest.raises(IndexError, match="axis 1"):
        m[..., xp.asarray([-6])]
    np.testing.assert_array_equal(to_numpy(x[xp.asarray([-10, 9])]), [0.0, 9.0])


def test_written_values_may_carry_leading_ones(backend):
    """``x[range(4), range(4)] = v`` with ``v`` of shape (1, 4) (torch's and NumPy's
    test_truncate_leading_1s): CuPy refused the extra leading dim."""
    xp = _xp()
    v = np.arange(1.0, 5.0)[None]
    x = ad.tensor(xp.zeros((4, 4)))
    x[range(4), range(4)] = xp.asarray(v)
    np.testing.assert_array_equal(to_numpy(x), np.diag(v[0]))
    b = ad.tensor(xp.zeros((4, 4)), requires_grad=True) * 1.0
    w = ad.tensor(xp.asarray(v), requires_grad=True)
    b[[0, 1, 2, 3], [3, 2, 1, 0]] = w * 3.0
    (b * b).sum().backward()
    np.testing.assert_allclose(to_numpy(w.grad), 18.0 * v)


def test_unique_indices_promise_is_checked_by_set_and_add(backend):
    """``unique_indices=True`` with a repeated index: ``multiply`` and the other ops applied
    per occurrence raised ValueError, as documented, but ``set``, ``add`` and ``subtract``
    silently went on (JAX's result is then unspecified)."""
    import pytest

    xp = _xp()
    x = ad.tensor(xp.zeros(4))
    for op in ("set", "add", "subtract", "multiply"):
        with pytest.raises(ValueError, match="unique_indices"):
            getattr(x.at[xp.asarray([1, 2, 1])], op)(2.0, unique_indices=True)
        r = getattr(x.at[xp.asarray([1, 2, 0])], op)(2.0, unique_indices=True)
        assert to_numpy(r).shape == (4,)
    r = x.at[xp.asarray([1, 5, 5])].add(1.0, mode="drop", unique_indices=True)
    np.testing.assert_array_equal(to_numpy(r), [0.0, 1.0, 0.0, 0.0])


def test_integer_and_bool_scatter_add(backend):
    """``x.at[idx].add(y)`` and the gradient scatter of integer and boolean arrays: on the
    cupy backend the scatter kernels took floats only and raised TypeError."""
    xp = _xp()
    rng = np.random.default_rng(0)
    idx = np.array([[0, 2], [2, 2], [1, 0]])
    for dt in (np.int32, np.int64, np.uint8):
        x = rng.integers(0, 50, (3, 4)).astype(dt)
        y = rng.integers(0, 50, (3, 2, 4)).astype(dt)
        want = x.copy()
        np.add.at(want, idx, y)
        got = ad.tensor(xp.asarray(x)).at[xp.asarray(idx)].add(xp.asarray(y))
        assert to_numpy(got).dtype == dt
        np.testing.assert_array_equal(to_numpy(got), want)
    m = np.zeros(4, bool)
    got = ad.tensor(xp.asarray(m)).at[xp.asarray([1, 1, 3])].add(xp.asarray([True, False,
                                                                            False]))
    np.testing.assert_array_equal(to_numpy(got), [False, True, False, False])
