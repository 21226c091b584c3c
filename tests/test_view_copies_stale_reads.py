"""Results that are views in torch read what torch's views read after an in-place write to
the tensor they came from, or raise: ``x.unfold`` without overlap is a true view, overlapping
``x.unfold`` and ``z.H``/``z.mH`` of a complex ``z`` are computed again when read after such
a write (values and history), and the copies NumPy makes where torch views (``x.flatten()``,
``z.conj()``, ``x[i, j]``, an index by a 0-d integer Tensor) refuse to be read once their
source has been written, naming the op. Before, all of them silently held the old values."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X = np.arange(12.0).reshape(3, 4) * 0.5 - 1.0
Z = X + 1j * np.cos(np.arange(12.0)).reshape(3, 4)


def _t(a, rg=False):
    return ad.tensor(ad.get_backend().asarray(np.array(a)), requires_grad=rg)  # (a copy)


def _fd(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


@pytest.mark.parametrize("make", [
    lambda x: x.flatten(), lambda x: x.conj(), lambda x: x[1, 2], lambda x: x[_t(np.int64(1))],
    lambda x: x.flatten()[1:3], lambda x: x[1, 2].detach(),
], ids=["flatten", "conj", "element", "0-d index", "view of a copy", "detached element"])
def test_stale_copies_raise_at_the_read(backend, make):
    x = _t(X)
    c = make(x)
    old = to_numpy(c).copy()  # reads before the write are fine
    x.add_(1.0)
    for read in (lambda: c + 1, lambda: to_numpy(c), lambda: c.sum(), lambda: gnp.sin(c)):
        with pytest.raises(RuntimeError, match=r"copy in gpuad but a view in torch.*\.clone\(\)"):
            read()
    assert "stale" in repr(c)  # shown, marked, not raised
    with ad.no_grad():
        x.sub_(1.0)  # the source's values back do not make the copy fresh: it was written
    with pytest.raises(RuntimeError, match="copy in gpuad"):
        c.sum()
    assert old.shape == tuple(c.shape)


def test_copies_keep_numpy_meaning_until_the_source_is_written(backend):
    x = _t(X)
    c = x.flatten()
    c[0] = 7.0  # NumPy's copy: x unchanged
    assert to_numpy(x)[0, 0] == X[0, 0] and to_numpy(c)[0] == 7.0
    with pytest.raises(RuntimeError, match="x.flatten()"):
        c.add_(1.0)  # torch's in-place method would reach x in torch
    keep = x.flatten().clone()  # an explicit copy is never stale
    x.mul_(2.0)
    np.testing.assert_array_equal(to_numpy(keep), X.ravel())
    np.testing.assert_array_equal(to_numpy(x.flatten()), 2 * X.ravel())  # taken again


def test_unfold_without_overlap_is_a_view(backend):
    x = _t(X)
    u = x.unfold(1, 2, 2)
    x.add_(1.0)
    np.testing.assert_array_equal(to_numpy(u), (X + 1).reshape(3, 2, 2))
    u[1, 0, 1] = 50.0
    assert to_numpy(x)[1, 1] == 50.0
    w = _t(X, True)
    r = np.cos(np.arange(12.0)).reshape(3, 2, 2)

    def f(a):
        y = a * 1.0
        y.unfold(1, 2, 2).mul_(y.unfold(1, 2, 2))  # squares y through the view
        return (y.unfold(1, 2, 2) * _t(r)).sum()

    f(w).backward()
    np.testing.assert_allclose(to_numpy(w.grad), 2 * X * r.reshape(3, 4), rtol=1e-12)


def test_overlapping_unfold_is_computed_again_after_a_write(backend):
    w = _t(X, True)
    y = w * 1.0
    u = y.unfold(1, 3, 1)
    y[:, 1] = w[:, 1] ** 2  # recorded write to the base
    r = np.sin(np.arange(18.0)).reshape(3, 2, 3)
    got = to_numpy(u)
    want = np.lib.stride_tricks.sliding_window_view(X * [1, 0, 1, 1] + [0, 1, 0, 0] * X ** 2,
                                                    3, axis=1)
    np.testing.assert_allclose(got, want)
    (u * _t(r)).sum().backward()

    def f(a):
        b = a.copy()
        b[:, 1] = b[:, 1] ** 2
        return float((np.lib.stride_tricks.sliding_window_view(b, 3, axis=1) * r).sum())

    np.testing.assert_allclose(to_numpy(w.grad), _fd(f, X), rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="windows that overlap"):
        u[0, 0, 0] = 1.0


@pytest.mark.parametrize("name", ["H", "mH"])
def test_conjugate_transpose_follows_writes(backend, name):
    z = _t(Z)
    h = getattr(z, name)
    z.mul_(2.0)
    np.testing.assert_array_equal(to_numpy(h), 2 * Z.conj().T)
    v = h[1:3]  # a view of the recomputed copy follows the next write too
    z.add_(1j)
    np.testing.assert_array_equal(to_numpy(v), (2 * Z + 1j).conj().T[1:3])


def test_recomputed_copy_carries_the_new_history_and_stale_saves_raise(backend):
    a = _t(X, True)
    z = a * (1 + 2j)
    h = z.mH
    early = (h * h).real.sum()  # saved h before the write
    z[0] = a[0] * a[0] * 1j  # recorded write to the base
    late = (h * _t(Z.T)).real.sum()  # reads h again: the new values and history
    late.backward()

    def f(x):
        b = x * (1 + 2j)
        b[0] = x[0] * x[0] * 1j
        return float((b.conj().T * Z.T).real.sum())

    np.testing.assert_allclose(to_numpy(a.grad), _fd(f, X), rtol=1e-6, atol=1e-8)
    with pytest.raises(ad.GradError, match="modified in place"):
        early.backward()  # as torch: a saved view whose base was written since


def test_view_of_a_recomputed_copy_takes_the_new_history(backend):
    a = _t(X, True)
    z = a * (1 + 1j)
    v = z.mH[1:3]
    z.mul_(a)  # recorded: z = a * a * (1 + 1j)
    (v * _t(Z.T[1:3])).real.sum().backward()
    want = _fd(lambda x: float(((x * x * (1 + 1j)).conj().T[1:3] * Z.T[1:3]).real.sum()), X)
    np.testing.assert_allclose(to_numpy(a.grad), want, rtol=1e-6, atol=1e-8)


def test_two_views_of_one_recomputed_copy_in_one_op(backend):
    a = _t(X, True)
    z = a * (1 + 1j)
    h = z.mH
    v, u = h[1:3], h[0:2]
    z.mul_(a)
    gnp.concatenate([v, u]).real.sum().backward()  # (one op, two views of h)
    want = _fd(lambda x: float(np.concatenate([(x * x * (1 + 1j)).conj().T[1:3],
                                               (x * x * (1 + 1j)).conj().T[0:2]]).real.sum()), X)
    np.testing.assert_allclose(to_numpy(a.grad), want, rtol=1e-6, atol=1e-8)


def test_a_copy_of_a_copy_goes_stale_with_it(backend):
    x = _t(X)
    e = x.flatten()[3]  # torch: a view of a view of x
    x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"made by x\[i\]"):
        e + 1
    z = _t(Z)
    h = z.mH
    c = h.flatten()  # a NumPy copy of the recomputed copy
    z.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"made by x\.flatten\(\)"):
        c.sum()


def test_inside_vmap_too(backend):
    def windows(x):
        y = x * 1.0
        u = y.unfold(1, 2, 1)
        y.mul_(2.0)
        return (u * 1.0).sum()

    xs = np.stack([X, X + 1.0])
    got = to_numpy(ad.vmap(windows)(_t(xs)))
    np.testing.assert_allclose(got, [to_numpy(windows(_t(a))) for a in xs])
    np.testing.assert_allclose(got, [2 * (a.sum() + a[:, 1:3].sum()) for a in xs])

    def flat(x):
        y = x * 1.0
        f = y.flatten()
        y.mul_(2.0)
        return f.sum()

    with pytest.raises(RuntimeError, match=r"x\.flatten\(\)"):
        ad.vmap(flat)(_t(xs))


def test_inside_jit_a_recomputed_copy_raises(backend):
    def f(x):
        y = x * 1.0
        u = y.unfold(1, 2, 1)
        y.mul_(2.0)
        return u.sum()

    with pytest.raises(RuntimeError, match="inside gpuad.jit"):
        ad.jit(f)(_t(X))


def test_writes_through_a_repeating_expand_raise_on_every_backend(backend):
    x = _t(X)
    with pytest.raises(ValueError, match="broadcast_to/expand view"):
        x.expand(2, 3, 4).add_(1.0)  # (CuPy's broadcast arrays are writable)
    np.testing.assert_array_equal(to_numpy(x), X)
    x.expand(1, 3, 4).add_(1.0)  # new dims of length 1: one to one, as torch's
    np.testing.assert_array_equal(to_numpy(x), X + 1)


def test_deep_copies_and_pickles_of_marked_copies_are_independent(backend):
    import copy
    import pickle

    x = _t(X)
    h = _t(Z).mH
    e, f = x[1, 2], x.flatten()
    got = [copy.deepcopy(e), pickle.loads(pickle.dumps(f)), copy.deepcopy(h)]
    x.add_(1.0)
    assert float(got[0]) == X[1, 2]
    np.testing.assert_array_equal(to_numpy(got[1]), X.ravel())
    np.testing.assert_array_equal(to_numpy(got[2]), Z.conj().T)
