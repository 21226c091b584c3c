"""NumPy's indexing tests (numpy/_core/tests/test_indexing.py) ported to gpuad: each index
is applied to a NumPy array, to the backend's array through ``gnp.getitem`` and to a Tensor
(reads and writes), and the values, dtypes, shapes and exception classes compared. Reads and
writes are differentiated against float64 central differences; a write recorded into a Tensor
(``t[idx] = v``) must give NumPy's value and route the gradient to what was written last
(NumPy keeps the last of repeated targets) and to the entries left untouched.

JAX's indexing semantics (clamped out-of-bounds reads, ``x.at`` updates) are in
test_jax_indexing_suite.py; this file keeps to NumPy's (out-of-bounds raises IndexError).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

A = np.array
X = np.arange(24.0).reshape(2, 3, 4)
M = np.arange(12.0).reshape(3, 4)
V = np.arange(5.0)

#: (array, index) pairs: test_indexing's TestIndexing, TestBooleanIndexing,
#: TestMultiIndexingAutomated's kinds of index and its error cases
READS = [
    (V, ()), (V, Ellipsis), (V, (Ellipsis,)), (A(3.0), ()), (A(3.0), Ellipsis), (A(3.0), None),
    (A(3.0), (None, Ellipsis)), (V, None), (V, (None, Ellipsis, None)),
    (V, 0), (V, -1), (V, 5), (V, -6), (V, np.int8(2)), (V, np.uint64(1)), (V, True),
    (V, False), (A(3.0), True), (A(3.0), False), (V, A(True)), (V, A(False)),
    (M, (True, 1)), (M, (False, 1)), (M, (Ellipsis, True)), (M, (True, True, 0)),
    (V, 1.0), (V, A(1.0)), (V, [1.0]), (V, "a"), (V, (0, 0)), (M, (0, 0, 0)),
    (V, slice(None, None, -1)), (V, slice(10, -10, -2)), (V, slice(-100, 100)),
    (V, slice(None, None, 0)), (V, slice(1.5, 3)),
    (V, [1, -1, 0]), (V, A([1, -1, 0])), (V, A([[0, 1], [2, 3]])), (V, []),
    (V, A([], dtype=np.int64)), (V, A([], dtype=float)), (V, [5]), (V, A([-6])),
    (V, A([1, 2], dtype=np.uint8)), (V, A([True, False, True, False, True])),
    (V, [True, False, True, False, True]), (V, A([True, False])), (V, A([[True]])),
    (M, M > 4), (M, (M > 4)[0]), (M, (slice(None), A([True, False, True, False]))),
    (M, A([True, False, True])), (M, (A([True, False, True]), 1)),
    (M, (A([True, False, True]), A([0, 3]))), (M, (A([True, False, True]), A([0, 3, 1]))),
    (X, X > 10), (X, (X > 10)[:, :, 0]), (X, (Ellipsis, A([True, False, True, True]))),
    (X, (A([0, 1]), slice(None), A([1, 2]))), (X, (slice(None), A([0, 2]), A([1, 3]))),
    (X, (A([0, 1]), A([0, 2]), A([1, 3]))), (X, (A([[0], [1]]), A([0, 2]))),
    (X, (0, slice(None), A([1, 3]))), (X, (A([1]), slice(None), 0)),
    (X, (A([0, 1]), None, A([1, 2]))), (X, (None, A([0, 1]), Ellipsis, A([1, 2]))),
    (X, (Ellipsis, A([0, 1]), None)), (X, (slice(None, None, -1), A([2, 0]), slice(1, 3))),
    (X, (A([[0, 1]]), slice(None), A([[1], [2]]))), (X, (A([0, 1]), A([0, 1, 2]))),
    (X, ([0, 1], [0, 2])), (X, [[0, 1], [1, 0]]), (X, [[0, 1], [0, 2]]),
    (X, (1, A([True, False, True]))),
    (X, (Ellipsis, Ellipsis)), (X, (0, 0, 0, 0)), (X, (A([2]),)), (X, (0, A([3]))),
    (X, (np.int64(1), -1, A([-4, 3]))), (X, (slice(None), slice(None), slice(None), None)),
    (X, (A([1, 0]), Ellipsis)), (X, (None, None, 1)),
]

#: (array, index, value) for writes: broadcasting, repeated targets, masks, casts, errors
WRITES = [
    (V, 0, 9.0), (V, -1, A(7.0)), (V, slice(1, 4), A([7.0, 8, 9])), (V, slice(None), 2.0),
    (V, slice(None, None, -2), A([1.0, 2, 3])), (V, [0, 2, 4], A([7.0, 8, 9])),
    (V, [1, 1, 1], A([7.0, 8, 9])), (V, A([3, -2, 0, 3]), A([1.0, 2, 3, 4])),
    (V, [0, 0], 5.0), (V, A([True, False, True, False, True]), A([7.0, 8, 9])),
    (V, A([True, False, True, False, True]), 3.0), (V, V > 2, A([1.0, 2])),
    (V, V > 2, A([1.0, 2, 3])), (V, V > 10, 1.0), (V, [], 1.0), (V, [], A([])),
    (V, Ellipsis, A([1.0, 2, 3, 4, 5])), (V, (), A([1.0, 2, 3, 4, 5])), (V, True, 1.0),
    (V, False, 1.0), (V, None, A([[1.0, 2, 3, 4, 5]])), (V, 5, 1.0), (V, [7], 1.0),
    (V, slice(1, 3), A([1.0, 2, 3])), (V, A([1.5]), 0.0), (V, [0, 1], A([[1.0, 2]])),
    (M, 1, A([1.0, 2, 3, 4])), (M, (slice(None), 1), A([7.0, 8, 9])),
    (M, (slice(None), 1), A([[7.0], [8], [9]])), (M, (Ellipsis, 1), 5.0),
    (M, ([0, 2], [1, 3]), A([7.0, 8])), (M, ([0, 2, 0], [1, 3, 1]), A([7.0, 8, 9])),
    (M, (A([[0], [2]]), A([1, 3])), A([[1.0, 2], [3, 4]])),
    (M, (A([[0], [2]]), A([1, 3])), A([5.0, 6])), (M, M > 5, -1.0),
    (M, M > 5, A([1.0, 2, 3, 4, 5, 6])), (M, A([True, False, True]), A([1.0, 2, 3, 4])),
    (M, (A([True, False, True]), slice(1, 3)), A([[1.0, 2], [3, 4]])),
    (M, (slice(None), A([True, False, True, False])), A([[1.0], [2], [3]])),
    (M, ([0, 1], slice(None)), A([1.0, 2, 3, 4])), (M, [[0, 0]], A([[1.0, 2, 3, 4]])),
    (M, (1, [0, 0, 3]), A([5.0, 6, 7])), (M, (slice(None), [0, 0]), A([[1.0, 2]])),
    (X, (A([0, 1]), slice(None), A([1, 2])), A([1.0, 2, 3])),
    (X, (0, slice(None), A([1, 3])), A([[1.0, 2]])),
    (X, (A([0, 1, 0]), slice(1, 3), A([1, 2, 1])), A([[1.0], [2], [3]])),
    (X, (Ellipsis, A([0, 0])), A([1.0, 2])), (X, (X > 20,), A([1.0, 2, 3])),
    (X, (slice(None), A([0, 2]), A([1, 3])), 0.5),
    (A([1, 2, 3]), 0, 2.7), (A([1, 2, 3]), slice(None), A([1.5, -2.5, 3.9])),
    (A([1.0, 2, 3]), 0, 1 + 2j), (A([1.0, 2, 3], np.float32), 0, 1e40),
    (A([1.0 + 1j, 2]), 0, 3.0), (A([True, False]), 0, 0.5), (A([1, 2], np.uint8), 0, -1),
    (A([1, 2], np.int8), slice(None), A([300, 2])),
]



def _refused(idx):
    """(exception, reason) where gpuad refuses an index NumPy takes, else None."""
    if isinstance(idx, list) and any(isinstance(i, list) for i in idx):
        return (IndexError, "a list of lists is one index array to NumPy and a tuple of "
                            "indices to torch: gpuad asks for numpy.array(seq) or tuple(seq)")
    return None


def _xp():
    return ad.get_backend().xp


def _backend_index(idx):
    """The index with its arrays on the backend (CuPy indexes with device arrays)."""
    if isinstance(idx, tuple):
        return tuple(_backend_index(i) for i in idx)
    if isinstance(idx, np.ndarray):
        return _xp().asarray(idx)
    return idx


def _outcome(fn):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as e:  # noqa: BLE001 (the exception class is what is compared)
            return None, e


def _base(e) -> type:
    for c in type(e).__mro__:
        if c.__module__ == "builtins":
            return c
    return Exception


def _same(want, got, where):
    got = to_numpy(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy {want.shape}"
    assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy {want.dtype}"
    np.testing.assert_array_equal(got, want, err_msg=where)


def _ids(cases):
    return [f"{i}-{np.shape(c[0])}-{c[1]!r:.40}" for i, c in enumerate(cases)]


@pytest.mark.parametrize("case", READS, ids=_ids(READS))
def test_read(backend, case):
    a, idx = case
    want, we = _outcome(lambda: a[idx])
    xs = {
        "array": lambda: gnp.getitem(_xp().asarray(a), _backend_index(idx)),
        "tensor": lambda: ad.tensor(_xp().asarray(a), requires_grad=True)[_backend_index(idx)],
        "tensor, host index": lambda: ad.tensor(_xp().asarray(a))[idx],
    }
    for kind, f in xs.items():
        got, ge = _outcome(f)
        where = f"x{np.shape(a)}[{idx!r}] on {kind}"
        if _refused(idx) and we is None:
            assert isinstance(ge, _refused(idx)[0]), f"{where}: {ge!r} ({_refused(idx)[1]})"
            continue
        if we is not None:
            if kind == "array" and ad.get_backend().name != "numpy" and "bounds" in str(we):
                continue  # a raw CuPy array indexed by gnp.getitem wraps around, as CuPy does
            assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {got!r}"
            assert isinstance(ge, _base(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
            continue
        assert ge is None, f"{where}: gpuad raised {ge!r}"
        _same(want, got, where)
    if we is None and np.size(want) and not _refused(idx):
        check_grads(lambda t: t[_backend_index(idx)], (_xp().asarray(a),), order=2,
                    modes=("rev", "fwd"))


def _numpy_write(a, idx, v):
    b = a.copy()
    b[idx] = v
    return b


def _gpuad_write(a, idx, v, grad):
    t = ad.tensor(_xp().asarray(a), requires_grad=grad and a.dtype.kind == "f")
    y = t * 1 if t.requires_grad else t
    vv = ad.tensor(_xp().asarray(v), requires_grad=grad) if isinstance(v, np.ndarray) and \
        v.dtype.kind == "f" and grad else (_xp().asarray(v) if isinstance(v, np.ndarray) else v)
    y[_backend_index(idx)] = vv
    return y


@pytest.mark.parametrize("case", WRITES, ids=_ids(WRITES))
def test_write(backend, case):
    a, idx, v = case
    want, we = _outcome(lambda: _numpy_write(a, idx, v))
    for grad in (False, True):
        got, ge = _outcome(lambda: _gpuad_write(a, idx, v, grad))
        where = f"x{np.shape(a)}{a.dtype}[{idx!r}] = {v!r} ({'' if grad else 'no '}grad)"
        if _refused(idx) and we is None:
            assert isinstance(ge, _refused(idx)[0]), f"{where}: {ge!r} ({_refused(idx)[1]})"
            return
        if we is not None:
            assert ge is not None, f"{where}: NumPy raised {we!r}, gpuad gave {got!r}"
            assert isinstance(ge, _base(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
            continue
        assert ge is None, f"{where}: gpuad raised {ge!r}"
        _same(want, got, where)
    # the raw backend array written through gpuad's own index_update path
    if we is None:
        b = _xp().asarray(a.copy())
        got, ge = _outcome(lambda: gnp.index_update(b, _backend_index(idx), v))
        if ge is None:
            _same(want, got, f"index_update(x{np.shape(a)}, {idx!r}, {v!r})")
    if we is not None or a.dtype.kind != "f" or not (isinstance(v, np.ndarray) and
                                                     v.dtype.kind == "f" and v.size):
        return

    def f(x, val):
        y = x * 1
        y[_backend_index(idx)] = val
        return y

    check_grads(f, (_xp().asarray(a), _xp().asarray(v)), order=2, modes=("rev", "fwd"))


def test_repeated_targets_gradient_goes_to_the_last(backend):
    """``y[[1, 1, 1]] = v``: NumPy keeps v[2]; only it may receive y's gradient there."""
    x = ad.tensor(_xp().asarray(V), requires_grad=True)
    v = ad.tensor(_xp().asarray(A([7.0, 8, 9])), requires_grad=True)
    y = x * 1
    y[[1, 1, 1]] = v
    gnp.sum(y * _xp().asarray(A([1.0, 10, 100, 1000, 10000]))).backward()
    np.testing.assert_array_equal(to_numpy(y), _numpy_write(V, [1, 1, 1], A([7.0, 8, 9])))
    np.testing.assert_array_equal(to_numpy(v.grad), [0, 0, 10])
    np.testing.assert_array_equal(to_numpy(x.grad), [1, 0, 100, 1000, 10000])


def test_write_leaves_input_and_tape_intact_on_error(backend):
    """A refused write (shape mismatch) changes neither the Tensor nor its gradient."""
    x = ad.tensor(_xp().asarray(M), requires_grad=True)
    y = x * 2
    with pytest.raises(ValueError):
        y[M > 5] = _xp().asarray(A([1.0, 2]))
    np.testing.assert_array_equal(to_numpy(y), M * 2)
    gnp.sum(y).backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.full(M.shape, 2.0))


# ---- TestMultiIndexingAutomated: random mixed indices, reads and writes, exact vjps -------------

def _random_index(rng, shp):
    """One index of NumPy's kinds (integers, slices, integer and boolean arrays, None,
    Ellipsis) for an array of shape ``shp``; all entries in bounds."""
    parts, dims = [], list(range(len(shp)))
    ell = rng.rand() < 0.3
    k = rng.randint(0, len(shp) + 1)
    use = dims[:k] if not ell else sorted(rng.choice(dims, k, replace=False))
    bshape = (rng.randint(1, 3),) if rng.rand() < 0.5 else (1, rng.randint(1, 4))
    ell_at = rng.randint(0, k + 1) if ell else None
    d = 0
    for j in range(k):
        if ell and j == ell_at:
            parts.append(Ellipsis)
        n = shp[use[j]] if ell else shp[d]
        d += 1
        kind = rng.choice(6, p=[0.2, 0.2, 0.35, 0.1, 0.05, 0.1])
        if kind == 0:
            parts.append(int(rng.randint(-n, n)))
        elif kind == 1:
            lo, hi = sorted(rng.randint(-n - 1, n + 2, 2))
            parts.append(slice(lo, hi, int(rng.choice([1, 2, -1, -2]))))
        elif kind == 2:
            parts.append(rng.randint(-n, n, bshape))
        elif kind == 3 and not ell:
            parts.append(rng.rand(n) < 0.6)
        elif kind == 4:
            parts.append(None)
            parts.append(slice(None))
        else:
            parts.append(slice(None))
    if ell and ell_at == k:
        parts.append(Ellipsis)
    if ell and not any(p is Ellipsis for p in parts):
        parts.append(Ellipsis)
    return tuple(parts)


def _fuzz_cases(n, seed):
    rng = np.random.RandomState(seed)
    out = []
    while len(out) < n:
        shp = tuple(rng.randint(1, 5, rng.randint(1, 5)))
        idx = _random_index(rng, shp)
        x = np.arange(float(np.prod(shp))).reshape(shp) + 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                x[idx]
        except (IndexError, ValueError):  # (axes miscounted by the generator, mismatched masks)
            continue
        out.append((shp, idx))
    return out


FUZZ = _fuzz_cases(480, 1)


def _v_ids(target, vshape):
    return np.broadcast_to(np.arange(int(np.prod(vshape))).reshape(vshape), target)


@pytest.mark.parametrize("chunk", range(6))
def test_random_mixed_indices(backend, chunk):
    """Reads: value and vjp (NumPy's ``add.at`` of the cotangent). Writes into a Tensor:
    value, and the exact vjp of ``y = x * 1; y[idx] = v``: the cotangent where nothing was
    written for x, the cotangent of the entries each element of v was the last to write (NumPy
    keeps the last of repeated targets) for v."""
    rng = np.random.RandomState(100 + chunk)
    for shp, idx in FUZZ[chunk::6]:
        x = np.arange(float(np.prod(shp))).reshape(shp) + 1
        where = f"x{shp}[{idx!r}]"
        bidx = _backend_index(idx)
        want = x[idx]
        t = ad.tensor(_xp().asarray(x), requires_grad=True)
        got = t[bidx]
        _same(want, got, where)
        u = rng.standard_normal(want.shape)
        gnp.sum(got * _xp().asarray(u)).backward()
        gx = np.zeros(shp)
        np.add.at(gx, idx, u)
        np.testing.assert_allclose(to_numpy(t.grad), gx, rtol=1e-13, atol=1e-13,
                                   err_msg=f"{where}: read vjp")
        # a write of a value broadcast into the selected shape
        vshape = tuple(1 if rng.rand() < 0.3 else n for n in want.shape)
        vshape = vshape[rng.randint(0, len(vshape) + 1):] if vshape else vshape
        v = rng.standard_normal(vshape)
        ref = x.copy()
        ref[idx] = v
        t = ad.tensor(_xp().asarray(x), requires_grad=True)
        tv = ad.tensor(_xp().asarray(v), requires_grad=True)
        y = t * 1
        y[bidx] = tv
        _same(ref, y, f"{where} = v{vshape}")
        u = rng.standard_normal(shp)
        gnp.sum(y * _xp().asarray(u)).backward()
        written = np.full(shp, -1)
        written[idx] = _v_ids(want.shape, vshape)
        np.testing.assert_allclose(to_numpy(t.grad), np.where(written >= 0, 0.0, u),
                                   err_msg=f"{where} = v{vshape}: vjp of x")
        gv = np.bincount(written[written >= 0], weights=u[written >= 0],
                         minlength=max(v.size, 1))[:v.size].reshape(vshape)
        np.testing.assert_allclose(to_numpy(tv.grad), gv, rtol=1e-13, atol=1e-13,
                                   err_msg=f"{where} = v{vshape}: vjp of v")
        # y[idx] += v: NumPy reads, adds and writes once (a repeated target gets one addend,
        # the last), unlike np.add.at
        ref = x.copy()
        ref[idx] += v
        t = ad.tensor(_xp().asarray(x), requires_grad=True)
        tv = ad.tensor(_xp().asarray(v), requires_grad=True)
        y = t * 1
        y[bidx] += tv
        _same(ref, y, f"{where} += v{vshape}")
        gnp.sum(y * _xp().asarray(u)).backward()
        np.testing.assert_allclose(to_numpy(t.grad), u, err_msg=f"{where} += v: vjp of x")
        np.testing.assert_allclose(to_numpy(tv.grad), gv, rtol=1e-13, atol=1e-13,
                                   err_msg=f"{where} += v{vshape}: vjp of v")
