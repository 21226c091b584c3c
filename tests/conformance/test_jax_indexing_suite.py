"""JAX's indexing test cases (``tests/lax_numpy_indexing_test.py``) run on gpuad.numpy and
compared with jax.numpy in float64: the index expressions and shapes of its static, advanced
and mixed tables, its boolean-mask and error cases, and every ``x.at[...]`` update op with
the ``mode``, ``fill_value``, ``unique_indices`` and ``indices_are_sorted`` options.

Each case compares the value, the vjp with a random cotangent and the jvp with a random
tangent, eagerly, under ``gpuad.jit`` and under ``gpuad.vmap``. Where JAX computes a value
and gpuad raises instead, the case sits in ``REFUSALS`` with its reason and the error is
checked to be a clear one.
"""

from __future__ import annotations

import itertools
import warnings
import zlib

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

A = np.array

# (shape, index): lax_numpy_indexing_test's STATIC_INDEXING_TESTS
STATIC = [
    ((3,), 1), ((3, 3), 0), ((3, 4, 5), 2), ((3,), -1), ((3,), -2),
    ((3, 3), (2, 1)), ((3, 4, 5), (1, 2)), ((3, 4, 5), (-1, 2)),
    ((3, 4, 5), (1, 2, 3)),
    ((10,), slice(1, 3)), ((10,), slice(1, -1)), ((10,), slice(None, -1)),
    ((10,), slice(None, None, None)), ((10, 8), slice(1, 3)), ((10, 8), slice(1, None)),
    ((10, 8), slice(None, 3)), ((10, 8), slice(-3, None)),
    ((10,), slice(3, 1, -1)), ((10,), slice(1, 8, -1)), ((10,), slice(None, 1, -2)),
    ((10,), slice(None, None, -1)), ((10, 8), slice(3, 1, -1)), ((10, 8), slice(0, 8, -1)),
    ((10, 8), slice(None, None, -1)),
    ((10,), slice(0, 8, 2)), ((10,), slice(0, 8, 3)), ((10,), slice(1, 3, 2)),
    ((10,), slice(1, None, 2)), ((10, 8), slice(1, 8, 3)), ((10, 8), slice(None, None, 2)),
    ((10, 8), slice(None, 1, -2)), ((10, 8), slice(None, None, -2)),
    ((10, 8), (slice(1, 3), slice(0, 2))), ((10, 8), (slice(1, None), slice(None, 2))),
    ((10, 8), (slice(None, None, -1), slice(None, 2))),
    ((10, 8, 3), (slice(1, 3), slice(0, 2))), ((10, 8, 3), (slice(1, 3), slice(0, None))),
    ((10, 8, 3), (slice(1, None), slice(0, 2))),
    ((3,), slice(None)), ((3, 4), slice(None)),
    ((3, 4), (slice(None), slice(None))), ((3, 4, 5), (slice(None), slice(None))),
    ((10, 4), (slice(None), slice(0, 2))), ((10, 4), (1, slice(None))),
    ((3,), Ellipsis), ((3, 4), Ellipsis), ((3, 4, 5), (0, Ellipsis)),
    ((3, 4, 5), (Ellipsis, 2, 3)),
    ((), None), ((), (None, None)), ((), (Ellipsis, None)), ((3,), None), ((3, 4), None),
    ((3, 4), (Ellipsis, None)), ((3, 4), (0, None, Ellipsis)),
    ((3, 4, 5), (1, None, Ellipsis)),
    ((), ()), ((3,), ()), ((3, 4), ()),
    ((3, 2, 3), (0, slice(None), np.arange(3))),
    ((3, 2, 3), (np.int32(1), slice(None), np.arange(3))),
    ((3, 2, 3), (A(2), slice(None), np.arange(3))),
]

# ADVANCED_INDEXING_TESTS (repeated indices)
ADVANCED = [
    ((3,), A([0, 1])), ((3, 3), A([1, 2, 1])), ((3, 4, 5), A([0, 2, 0, 1])),
    ((3,), A([-1, 1])), ((3,), A([-2, -1])), ((0,), A([], dtype=np.int32)),
    ((3,), A([[0, 0]])), ((3, 3), A([[1, 2, 1], [0, 1, -1]])),
    ((3, 4, 5), A([[0, 2, 0, 1], [-1, -2, 1, 0]])),
    ((3, 3), (A([0, 1]), A([1, 2]))), ((3, 4, 5), (A([0, 2, 0, 1]), A([-1, 0, -1, 2]))),
    ((3, 3), (A([[0, 1]]), A([1, 2]))), ((3, 4, 5), (A([[0, 2, 0, 1]]), A([-1, 0, -1, 2]))),
    ((3,), A([0, 1, 0])), ((3, 4, 5), A([0, -1])),
    ((3, 4, 5), ([0, 1],)), ((3, 4, 5), ([[0], [-1]], [[2, 3, 0, 3]])),
    ((3, 4, 5), (0, A([0, 1]))), ((3, 4, 5), (0, 1, A([[2, 3, 0, 3]]))),
    ((3, 4, 5), ([0, 1], A([0]))), ((3, 4, 5), ([[0], [-1]], A([[2, 3, 0, 3]]))),
]

# ADVANCED_INDEXING_TESTS_NO_REPEATS, then the _SORTED ones (indices_are_sorted=True)
ADVANCED_NO_REPEATS = [
    ((3,), A([0, 1])), ((3, 3), A([1, 2, 0])), ((3, 4, 5), A([0, 2, 1])),
    ((3,), A([-1, 1])), ((3,), A([-2, -1])), ((0,), A([], dtype=np.int32)),
    ((3,), A([[0, 1]])), ((6, 6), A([[1, 2, 0], [3, 4, -1]])),
    ((3, 3), (A([0, 1]), A([1, 2]))), ((4, 5, 6), (A([0, 2, 1, 3]), A([-1, 0, -2, 1]))),
    ((3, 3), (A([[0, 1]]), A([1, 2]))), ((4, 5, 6), (A([[0, 2, -1, 1]]), A([-1, 0, -2, 2]))),
    ((3,), A([0, 2, 1])), ((3, 4, 5), A([0, -1])),
    ((3, 4, 5), ([0, 1],)), ((3, 4, 5), ([[0], [-1]], [[2, 3, 0]])),
    ((3, 4, 5), (0, A([0, 1]))), ((3, 4, 5), (0, 1, A([[2, 3, 0]]))),
    ((3, 4, 5), ([0, 1], A([0]))), ((3, 4, 5), ([[0], [-1]], A([[2, 3, 0]]))),
]
ADVANCED_SORTED = [
    ((3, 3), A([0, 1, 2])), ((3, 4, 5), A([0, 1, 2])), ((6, 6), A([[-1, 0, 1], [2, 3, 4]])),
    ((4, 5, 6), (A([0, 1, 2, 3]), A([-2, -1, 0, 1]))),
    ((4, 5, 6), (A([[-1, 0, 1, 2]]), A([-2, -1, 0, 2]))),
    ((3, 4, 5), ([[0], [-1]], [[0, 2, 3]])), ((3, 4, 5), (0, 1, A([[0, 2, 3]]))),
]

# MIXED_ADVANCED_INDEXING_TESTS_NO_REPEATS, and the extra (repeating) MIXED ones
MIXED_NO_REPEATS = [
    ((2, 3), (A([0, 1]), slice(1, 2))), ((2, 3), (slice(0, 2), A([0, 2]))),
    ((3, 4, 5), (Ellipsis, A([0, 2]), slice(None))),
    ((3, 4, 5), (Ellipsis, A([[0, 2], [1, 3]]), slice(None))),
    ((3, 4, 5), (Ellipsis, A([0, 2]), A([-1, 2]))),
    ((3, 4, 5), (A([0, 2]), Ellipsis, A([-1, 2]))),
    ((3, 4, 5), (A([0, 2]), A([-1, 2]), Ellipsis)),
    ((3, 4, 5), (A([0, 2]), A([-1, 2]), slice(1, 3))),
    ((3, 4, 5), (A([0, 2]), slice(1, 3), A([-1, 2]))),
    ((3, 4, 5), (A([0, 2, -2]), slice(None, None, 2), A([-1, 2, 1]))),
    ((3, 4, 5), (A([0, 2]), None, A([-1, 2]))),
    ((3, 4, 5), (A([0, 2]), None, None, A([-1, 2]))),
    ((3, 4, 5), (Ellipsis, A([0, 2]), None, None, A([-1, 2]))),
    ((3, 4), (Ellipsis, A(1, dtype=np.int32))),
]
MIXED = MIXED_NO_REPEATS + [
    ((3, 4, 5), (Ellipsis, A([[0, 2], [1, 1]]), slice(None))),
    ((3, 4, 5), (A([0, 2, -2]), slice(None, None, 2), A([-1, 2, -1]))),
    ((3, 4, 5), (A([[0, 2], [2, 0]]), Ellipsis, A([[1, 0], [1, 0]]))),
    # testAdvancedIndexingManually
    ((3, 4, 5), (Ellipsis, A([0, 2, -1, 0]), slice(None))),
    ((3, 4, 5), (Ellipsis, A([0, 2, -1, 0]), slice(None), A([0, 2, -1, 0]), None)),
    ((3, 4, 5), (A([0, 2, -1, 0]), Ellipsis, A([0, 2, -1, 0])[:, None], None)),
    # testIssue187, the NontrivialBooleanIndexing shape with integer indices
    ((5, 5), ([0, 2, 4], [0, 2, 4])),
]

GET_CASES = STATIC + ADVANCED + MIXED


def _id(case):
    shape, idx = case
    return f"{shape}-{idx!r}".replace(" ", "").replace("\n", "")[:70]


def _seed(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def _xp():
    return ad.get_backend().xp


def _raw_index(idx, xp):
    """The index with its NumPy arrays moved to the active backend (lists stay lists)."""
    if isinstance(idx, tuple):
        return tuple(_raw_index(i, xp) for i in idx)
    if isinstance(idx, np.ndarray):
        return xp.asarray(idx)
    return idx


def _np_at_index(idx):
    """``idx`` for ``numpy.add.at``: boolean arrays replaced by their ``nonzero()``."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    out = []
    for p in parts:
        if isinstance(p, np.ndarray) and p.dtype == bool:
            out.extend(np.nonzero(p))
        else:
            out.append(p)
    return tuple(out)


def _close(got, want, what):
    got = to_numpy(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12, err_msg=what)


def _rand(rng, shape, dtype=np.float64):
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        return rng.integers(1, 5, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _check(gf, args, want, what, rng, *, grads=True, order=1, vmap=True, vjp=None):
    """``gf`` (gpuad) on ``args``: its value eagerly and under ``gpuad.jit`` equals ``want``;
    its derivatives match central differences in both modes (JAX's ``check_grads``), its vjp
    under ``gpuad.jit`` equals the eager one (and ``vjp(ct)`` where given: the cotangent
    ``ct -> expected`` pair); under ``gpuad.vmap`` it equals the examples run one by one."""
    xp = _xp()
    g = [ad.tensor(xp.asarray(a)) for a in args]
    _close(gf(*g), want, f"{what}: value")
    _close(ad.jit(gf)(*g), want, f"{what}: value under jit")
    floats = np.asarray(want).dtype.kind == "f" and np.isfinite(want).all()
    if grads and floats:  # (a NaN or inf fill value: differences cannot see the derivative)
        check_grads(gf, tuple(xp.asarray(a) for a in args), order=order, modes=("fwd", "rev"))
        ct = rng.standard_normal(np.shape(want))
        eager = ad.vjp(gf, *g)[1](xp.asarray(ct))
        jitted = ad.jit(lambda *a: ad.vjp(gf, *a)[1](xp.asarray(ct)))(*g)
        for k, (e, j) in enumerate(zip(eager, jitted, strict=True)):
            _close(j, to_numpy(e), f"{what}: vjp in argument {k} under jit")
        if vjp is not None:
            for k, (e, w) in enumerate(zip(eager, vjp(ct), strict=True)):
                _close(e, w, f"{what}: vjp in argument {k}")
    if vmap:
        second = [_rand(rng, np.shape(a), np.asarray(a).dtype) for a in args]
        batch = [ad.tensor(xp.asarray(np.stack([a, b]))) for a, b in zip(args, second,
                                                                          strict=True)]
        one_by_one = np.stack([to_numpy(gf(*[ad.tensor(xp.asarray(a)) for a in ex]))
                               for ex in (args, second)])
        _close(ad.vmap(gf)(*batch), one_by_one, f"{what}: value under vmap")


# ---- getitem: NumPy's value, JAX's check_grads, jit and vmap ------------------------------------
@pytest.mark.parametrize("case", GET_CASES, ids=_id)
def test_getitem(backend, case):
    shape, idx = case
    rng = np.random.default_rng(_seed(shape, repr(idx)))
    gidx = _raw_index(idx, _xp())
    x = _rand(rng, shape)

    def vjp(ct):
        g = np.zeros_like(x)
        np.add.at(g, _np_at_index(idx), 2 * x[idx] * ct)
        return (g,)

    _check(lambda x: x[gidx] ** 2, [x], x[idx] ** 2, f"x{shape}[{idx!r}]", rng, order=2,
           vjp=vjp)
    _close(ad.tensor(_xp().asarray(x)).at[gidx].get(), x[idx], "at[].get")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.float32, np.complex128])
def test_getitem_other_dtypes(backend, dtype):
    for shape, idx in GET_CASES[::5]:
        x = _rand(np.random.default_rng(_seed(shape, repr(idx))), shape, dtype)
        got = ad.tensor(_xp().asarray(x))[_raw_index(idx, _xp())]
        _close(got, x[idx], f"x{shape} {np.dtype(dtype)}[{idx!r}]")


def test_dynamic_integer_indices_under_jit(backend):
    """testDynamicIndexingWithIntegers(Grads): integer indices that are arguments of a
    compiled function, as Python ints and as 0-d integer arrays."""
    xp = _xp()
    for shape, idx in STATIC[:9]:
        rng = np.random.default_rng(_seed(shape, idx))
        x = _rand(rng, shape)
        ii = idx if isinstance(idx, tuple) else (idx,)

        def gf(x, *i):
            return x[tuple(i)] ** 2

        gx = ad.tensor(xp.asarray(x))
        _close(ad.jit(gf)(gx, *ii), x[idx] ** 2, f"jit x[{idx}]")
        _close(ad.jit(gf)(gx, *[xp.asarray(np.int64(i)) for i in ii]), x[idx] ** 2,
               f"jit x[{idx}], array index")
        ct = rng.standard_normal(np.shape(x[idx]))
        want = np.zeros_like(x)
        want[idx] = 2 * x[idx] * ct
        got = ad.jit(lambda x, *i, ct=ct: ad.vjp(lambda x: gf(x, *i), x)[1](
            xp.asarray(ct))[0])(gx, *ii)
        _close(got, want, f"jit vjp x[{idx}]")


def _index_array_positions(shape, idx):
    """(position in the index tuple, length of the dim it reads) of each index array, when
    no ellipsis or None makes that mapping less direct."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    if any(p is Ellipsis or p is None for p in parts):
        return []
    return [(k, shape[k]) for k, p in enumerate(parts)
            if isinstance(p, np.ndarray) and p.ndim and p.size]


@pytest.mark.parametrize("case", [c for c in ADVANCED + MIXED if _index_array_positions(*c)],
                         ids=_id)
def test_vmap_over_index_arrays(backend, case):
    """vmap over a batch of different index arrays: equal to the examples one by one, and
    the gradient through it adds every example's reads."""
    shape, idx = case
    rng = np.random.default_rng(_seed("vmapidx", shape, repr(idx)))
    x = _rand(rng, shape)
    parts = idx if isinstance(idx, tuple) else (idx,)
    k, n = _index_array_positions(shape, idx)[0]
    second = rng.integers(-n, n, size=parts[k].shape).astype(parts[k].dtype)
    batch = np.stack([parts[k], second])
    xp = _xp()

    def build(i):
        return tuple(i if j == k else p for j, p in enumerate(parts))

    want = np.stack([x[build(i)] ** 2 for i in batch])
    gx = ad.tensor(xp.asarray(x))

    def gf(x, b):
        return ad.vmap(lambda i: x[_raw_index(build(i), xp)] ** 2)(b)

    _close(gf(gx, ad.tensor(xp.asarray(batch))), want, "vmap over the index")
    ct = rng.standard_normal(want.shape)
    g = np.zeros_like(x)
    for i, c in zip(batch, ct, strict=True):
        np.add.at(g, _np_at_index(build(i)), 2 * x[build(i)] * c)
    got = ad.vjp(lambda x: gf(x, ad.tensor(xp.asarray(batch))), gx)[1](xp.asarray(ct))[0]
    _close(got, g, "vjp through vmap over the index")


@pytest.mark.parametrize("idx_dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                       np.uint32, np.int64, np.uint64])
def test_index_dtypes(backend, idx_dtype):
    rng = np.random.default_rng(3)
    xp = _xp()
    x = _rand(rng, (6, 6))
    i = np.array([0, 5, 2, 2], dtype=idx_dtype)
    if np.dtype(idx_dtype).kind == "i":
        i[1] = -1
    _check(lambda x: x[xp.asarray(i)] ** 2, [x], x[i] ** 2, f"{np.dtype(idx_dtype)} index",
           rng, vmap=False)
    _check(lambda x: x[:, xp.asarray(i[:2])], [x], x[:, i[:2]], "index in dim 1", rng,
           vmap=False)
    y = _rand(rng, (4, 6))
    want = x.copy()
    np.add.at(want, i, y)
    _check(lambda x, y: x.at[xp.asarray(i)].add(y), [x, y], want, "at.add", rng, vmap=False)


# ---- boolean masks --------------------------------------------------------------------------
MASKS = [
    ((3,), A([True, True, False])),
    ((4, 2), A([True, True, False, True])),
    ((4, 2), A([[True, False], [False, True], [False, False], [True, True]])),
    ((1,), A([False])),
    ((2, 3, 6), (A([[True, False, True], [False, False, True]]),
                 A([True, False, False, True, True, False]))),
    ((3, 4), (slice(None), A([False, True, True, False]))),
    ((3, 4), (A([True, False, True]), slice(1, 3))),
    ((3, 4), (A([True, False, True]), A([0, 3]))),
    ((2, 3, 4), (Ellipsis, A([True, False, False, True]))),
    ((3, 4), np.zeros((3, 4), bool)),
]


@pytest.mark.parametrize("case", MASKS, ids=_id)
def test_boolean_masks(backend, case):
    """JAX takes a concrete mask eagerly (testBooleanIndexing*, NontrivialBooleanIndexing,
    BooleanIndexingWithEmptyResult): values, gradients, a constant mask under jit, and the
    update forms."""
    shape, idx = case
    rng = np.random.default_rng(_seed("mask", shape))
    x = _rand(rng, shape)
    gidx = _raw_index(idx, _xp())
    _check(lambda x: x[gidx] * 3.0, [x], x[idx] * 3.0, f"mask {idx!r}", rng, vmap=False)
    want = x.copy()
    want[idx] = 0.25
    _check(lambda x: x.at[gidx].set(0.25), [x], want, "at[mask].set", rng)
    want = x.copy()
    want[idx] += 2 * x[idx]
    _check(lambda x: x.at[gidx].add(2 * x[gidx]), [x], want, "at[mask].add", rng, vmap=False)


def test_boolean_mask_errors(backend):
    xp = _xp()
    x = ad.tensor(xp.arange(4.0))
    # testBooleanIndexingShapeMismatch
    with pytest.raises(IndexError, match="boolean index"):
        x[xp.asarray([True, False])]
    # testBooleanIndexingDynamicShapeError: JAX refuses a mask that is an argument of a
    # compiled function; gpuad either follows each mask (retracing) or raises naming it
    f = ad.jit(lambda x, i: x[i] * 2.0)
    for m in ([True, True, False], [False, True, True], [True, True, True]):
        try:
            r = f(ad.tensor(xp.arange(3.0)), xp.asarray(m))
        except Exception as e:
            assert any(w in str(e) for w in ("mask", "bool", "shape")), e
        else:
            _close(r, np.arange(3.0)[np.asarray(m)] * 2.0, f"jit mask argument {m}")


# ---- errors JAX raises: gpuad raises too ---------------------------------------------------
def test_errors(backend):
    xp = _xp()
    z = ad.tensor(xp.zeros(2))
    z2 = ad.tensor(xp.zeros((2, 2)))
    # testFloatIndexingError
    for f in (lambda: z[0.0], lambda: z2[(0, 0.0)], lambda: z.at[0.0].set(1.0),
              lambda: z.at[0.0].add(1.0), lambda: z.at[0.0].get(),
              lambda: z[xp.asarray([0.0, 1.0])], lambda: z.at[xp.asarray([0.5])].set(1.0)):
        with pytest.raises((TypeError, IndexError)):
            f()
    with pytest.raises(TypeError):
        jnp.zeros(2)[0.0]
    # testStrIndexingError
    with pytest.raises((TypeError, IndexError)):
        z["abc"]
    # testIndexingEmptyDimension
    e = ad.tensor(xp.ones((2, 0)))
    _close(e[0, :] + e[0, None] + e[0, 1:] + e[0, 1:3:2], np.zeros((1, 0)), "empty dim")
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        e[0, 0]
    with pytest.raises(IndexError):
        ad.jit(lambda i: e[0, i])(0)
    with pytest.raises(IndexError):
        z2[0, 0, 0]
    with pytest.raises(IndexError):
        z[2]
    with pytest.raises(IndexError):
        z.at[5].set(1.0)


def test_out_of_bounds_slice_and_unpacking(backend):
    """testIndexOutOfBounds and testUnpacking."""
    xp = _xp()
    a = ad.tensor(xp.ones(5))
    _close(a[:10], np.ones(5), "a[:10]")
    _close(a[-10:2], np.ones(2), "a[-10:2]")
    _close(a[7:], np.ones(0), "a[7:]")
    _close(ad.jit(lambda a: a[:10])(a), np.ones(5), "jit a[:10]")
    _close(a.at[7:].set(3.0), np.ones(5), "at[7:].set")
    _close(a.at[3:9].add(2.0), np.array([1, 1, 1, 3, 3.0]), "at[3:9].add")

    def foo(x):
        p, q, r = x
        return p + q + r

    _close(ad.jit(foo)(ad.tensor(xp.arange(3.0))), np.float64(3.0), "unpacking under jit")


def test_jvp_of_grad_of_indexing(backend):
    """testJVPOfGradOfIndexing: the gradient counts repeated reads; its tangent is zero."""
    xp = _xp()
    x = ad.tensor(xp.ones((3, 4)))
    i = xp.ones(3, dtype=np.int32)
    p, t = ad.jvp(ad.grad(lambda x: gnp.sum(x[i])), (x,), (xp.ones((3, 4)),))
    _close(p, np.broadcast_to(np.array([0.0, 3.0, 0.0])[:, None], (3, 4)), "primal")
    _close(t, np.zeros((3, 4)), "tangent")


# ---- x.at[...] updates: NumPy's values (JAX's UpdateOps.np_fn), check_grads, jit, vmap --------
def _broadcastable_shapes(shape):
    """Every shape that broadcasts to ``shape`` (leading dims dropped, some dims made 1)."""
    shape = tuple(shape)
    out = set()
    for lead in range(len(shape) + 1):
        tail = shape[lead:]
        for ones in itertools.product([False, True], repeat=len(tail)):
            out.add(tuple(1 if o else s for s, o in zip(tail, ones, strict=True)))
    return sorted(out, key=lambda s: (len(s), s))


def _update_shape(shape, idx):
    return np.zeros(shape)[idx].shape


OPS = ["set", "add", "multiply", "divide", "power", "min", "max"]
_NP_OPS = {"set": lambda a, y: y + 0 * a, "add": np.add, "multiply": np.multiply,
           "divide": np.divide, "power": np.power, "min": np.minimum, "max": np.maximum}


def _np_update(op, idx, x, y):
    out = x.copy()
    out[idx] = _NP_OPS[op](x[idx], y)
    return out


def _update_cases():
    """Every case with three of the ops (rotating, so that each op meets every kind of
    index), with the full update shape or one broadcastable shape drawn from the case (JAX
    samples its ops and update shapes too)."""
    for n, (case, unique, sorted_) in enumerate(
            [(c, False, False) for c in STATIC]
            + [(c, True, False) for c in ADVANCED_NO_REPEATS]
            + [(c, True, True) for c in ADVANCED_SORTED]
            + [(c, False, False) for c in MIXED_NO_REPEATS]):
        shape, idx = case
        full = _update_shape(shape, idx)
        shapes = _broadcastable_shapes(full)
        for k, op in enumerate(OPS):
            if k not in (n % 7, (n + 2) % 7, (n + 4) % 7):
                continue
            ushape = full if k % 2 else shapes[_seed(shape, repr(idx), op) % len(shapes)]
            yield pytest.param(shape, idx, op, ushape, unique, sorted_,
                               id=f"{op}-{_id(case)}-u{ushape}"[:110])


def _op_args(op, rng, shape, ushape):
    x = _rand(rng, shape)
    y = _rand(rng, ushape)
    if op in ("divide", "power"):
        x = np.asarray(np.abs(x) + 0.5)
        y = np.asarray(np.abs(y) + 0.5) if op == "divide" else y
    return x, y


@pytest.mark.parametrize("shape,idx,op,ushape,unique,sorted_", list(_update_cases()))
def test_at_updates(backend, shape, idx, op, ushape, unique, sorted_):
    rng = np.random.default_rng(_seed(shape, repr(idx), op, ushape))
    gidx = _raw_index(idx, _xp())
    x, y = _op_args(op, rng, shape, ushape)
    kw = {"unique_indices": unique, "indices_are_sorted": sorted_}

    def gf(x, y):
        return getattr(x.at[gidx], op)(y, **kw)

    _check(gf, [x, y], _np_update(op, idx, x, y), f"x{shape}.at[{idx!r}].{op}(y{ushape})",
           rng, vmap=bool(sum(ushape) % 2))


@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max"])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.complex128])
def test_at_updates_other_dtypes(backend, op, dtype):
    if dtype is np.bool_ and op in ("add", "multiply"):
        pytest.skip("bool add/multiply: NumPy's or/and; set, min and max cover bools")
    if dtype is np.complex128 and op in ("min", "max"):
        pytest.skip("complex numbers are not ordered")
    rng = np.random.default_rng(_seed(op, str(dtype)))
    xp = _xp()
    for shape, idx in (((3, 4, 5), (A([0, 2]), slice(1, 3))), ((10,), slice(1, None, 2)),
                       ((3, 3), A([1, 2, 0]))):
        x = _rand(rng, shape, dtype)
        y = _rand(rng, _update_shape(shape, idx), dtype)
        got = getattr(ad.tensor(xp.asarray(x)).at[_raw_index(idx, xp)], op)(xp.asarray(y))
        want = x.copy()
        want[idx] = {"set": lambda a, b: b, "add": np.add, "multiply": np.multiply,
                     "min": np.minimum, "max": np.maximum}[op](x[idx], y)
        _close(got, want, f"{op} {np.dtype(dtype)}")


def test_repeated_indices(backend):
    """testSegmentSumBehavior, and every op with a repeated index: applied once per
    occurrence, as ``numpy.<ufunc>.at``; gradients against central differences."""
    rng = np.random.default_rng(7)
    xp = _xp()
    data = np.array([5.0, 1, 7, 2, 3, 4, 1, 3])
    ids = np.array([0, 0, 0, 1, 2, 2, 3, 3])
    gids = xp.asarray(ids)
    want = np.zeros(4)
    np.add.at(want, ids, data)
    _check(lambda z, d: z.at[gids].add(d), [np.zeros(4), data], want, "segment sum", rng)
    x = np.abs(rng.standard_normal(4)) + 0.5
    y = np.abs(rng.standard_normal(8)) + 0.5
    for op, uf in (("multiply", np.multiply), ("divide", np.divide), ("power", np.power),
                   ("min", np.minimum), ("max", np.maximum), ("subtract", np.subtract)):
        want = x.copy()
        uf.at(want, ids, y)
        _check(lambda x, y, op=op: getattr(x.at[gids], op)(y), [x, y], want,
               f"{op} with repeats", rng, vmap=False)


# ---- JAX as the peer: modes, fill values, and a sample of the cases above ------------------------
MODE_CASES = [
    ((5,), A([0, 7, -8, 2, -1])),
    ((5,), A([[6, 1], [-6, 3]])),
    ((4, 3), (A([1, 5, -5]), A([0, 2, 9]))),
    ((4, 3), (slice(None), A([3, -1, -4]))),
    ((4, 3), (A([4, 0]), slice(1, 3))),
    ((4, 3), 7),
    ((4, 3), (1, -9)),
]
FILLS = [None, 0.0, -3.5, np.inf]


def _peer_specs():
    """(name, JAX function, gpuad function, args, differentiate in JAX) of every case compared
    with JAX directly."""
    specs = []
    for shape, idx in GET_CASES[::4]:
        specs.append((f"x{shape}[{idx!r}]", lambda x, idx=idx: x[idx] ** 2,
                      lambda x, idx=idx: x[_raw_index(idx, _xp())] ** 2,
                      [_rand(np.random.default_rng(_seed(shape, repr(idx))), shape)], True))
    cases = STATIC + ADVANCED_NO_REPEATS + MIXED_NO_REPEATS
    for k, op in enumerate(OPS):
        for shape, idx in cases[k::15]:
            rng = np.random.default_rng(_seed("peer", shape, repr(idx), op))
            x, y = _op_args(op, rng, shape, _update_shape(shape, idx))
            specs.append((f"x{shape}.at[{idx!r}].{op}",
                          lambda x, y, op=op, idx=idx: getattr(x.at[idx], op)(
                              y, unique_indices=True),
                          lambda x, y, op=op, idx=idx: getattr(
                              x.at[_raw_index(idx, _xp())], op)(y), [x, y], True))
    for n, (shape, idx) in enumerate(MODE_CASES):
        sel = np.zeros(shape)[_clip_index(shape, idx)].shape
        for k, op in enumerate(OPS):
            if (n + k) % 7 >= 4:
                continue  # each op on four of the seven cases
            for mode in ("clip", "drop"):  # ("fill" is "drop" for updates)
                rng = np.random.default_rng(_seed(shape, repr(idx), op, mode))
                x, y = _op_args(op, rng, shape, sel)
                if op == "set" and mode == "clip":
                    y = np.full(sel, 0.75)  # clamped repeats: JAX leaves the kept one open
                scatter_mul = op in ("multiply", "divide", "power")
                specs.append((
                    f"x{shape}.at[{idx!r}].{op}(mode={mode})",
                    lambda x, y, op=op, idx=idx, mode=mode, u=scatter_mul: getattr(
                        x.at[idx], op)(y, mode=mode, unique_indices=u and mode != "clip"),
                    lambda x, y, op=op, idx=idx, mode=mode: getattr(
                        x.at[_raw_index(idx, _xp())], op)(y, mode=mode),
                    [x, y], not (mode == "clip" and (scatter_mul or op in _CLIP_BROKEN))))
        for mode, fill in [("clip", None), ("drop", None)] + [("fill", f) for f in FILLS]:
            kw = {"mode": mode} if fill is None else {"mode": mode, "fill_value": fill}
            x = _rand(np.random.default_rng(_seed(shape, repr(idx), repr(kw))), shape)
            specs.append((f"x{shape}.at[{idx!r}].get({kw})",
                          lambda x, idx=idx, kw=kw: x.at[idx].get(**kw) * 2.0,
                          lambda x, idx=idx, kw=kw: x.at[_raw_index(idx, _xp())].get(
                              **kw) * 2.0, [x], fill is None or np.isfinite(fill)))
    return specs


# JAX cannot differentiate these with clamped (so repeating) indices: set keeps an
# unspecified write, and scatter min/max give wrong gradients (test_jax_clip_min_gradient)
_CLIP_BROKEN = ("set", "min", "max")


def test_jax_clip_min_gradient(backend):
    """JAX's gradient of ``x.at[i].min(y, mode="clip")`` with a clamped index: it gives
    ``inf`` to ``y`` and a gradient to ``x`` where ``y`` won; gpuad's follows the value
    returned, checked against central differences."""
    x, y = np.array([0.1, 0.5, -0.3]), np.array([0.7, 0.2, 0.9, -1.0])
    i = np.array([0, 0, 1, 5])
    w = np.arange(1.0, 4.0)
    jg = jax.grad(lambda x, y: (x.at[i].min(y, mode="clip") * w).sum(), (0, 1))(
        jnp.asarray(x), jnp.asarray(y))
    assert np.isinf(np.asarray(jg[1])).any()  # JAX's (wrong) gradient, for the record
    xp = _xp()

    def f(x, y):
        return x.at[xp.asarray(i)].min(y, mode="clip") * xp.asarray(w)

    gg = ad.grad(lambda x, y: f(x, y).sum(), (0, 1))(_xp().asarray(x), _xp().asarray(y))
    _close(gg[0], np.array([1.0, 2.0, 0.0]), "x's gradient")
    _close(gg[1], np.array([0.0, 0.0, 0.0, 3.0]), "y's gradient")
    check_grads(f, (xp.asarray(x), xp.asarray(y)), order=1)


def _clip_index(shape, idx):
    """``idx`` with every integer clamped into range (the positions ``mode="clip"`` reads)."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    dims = [d for k, d in enumerate(shape[:len(parts)])]
    return tuple(np.clip(p, -d, d - 1) if not isinstance(p, slice) else p
                 for p, d in zip(parts, dims, strict=True))


PEER = _peer_specs()


@pytest.fixture(scope="module")
def peer_results():
    """Every peer case's value and vjp (for a random cotangent) from ONE ``jax.jit``
    (compiling each case on its own would take minutes)."""
    cts = []
    for name, jf, _, args, _ in PEER:
        out = jax.eval_shape(jf, *[jnp.asarray(a) for a in args])
        cts.append(np.random.default_rng(_seed("ct", name)).standard_normal(out.shape))

    def run(argss, cts):
        res = []
        for (_, jf, _, _, diff), args, ct in zip(PEER, argss, cts, strict=True):
            if diff:
                y, pull = jax.vjp(jf, *args)
                res.append((y, pull(ct)))
            else:
                res.append((jf(*args), None))
        return res

    argss = [[jnp.asarray(a) for a in s[3]] for s in PEER]
    cts_j = [jnp.asarray(c) for c in cts]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lowered = jax.jit(run).lower(argss, cts_j)
        try:  # XLA's CPU optimisations take most of the compile time and are not needed here
            compiled = lowered.compile(compiler_options={
                "xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True})
        except Exception:
            compiled = lowered.compile()
        out = compiled(argss, cts_j)
    return {s[0]: (np.asarray(y), None if g is None else [np.asarray(v) for v in g], ct)
            for s, (y, g), ct in zip(PEER, out, cts, strict=True)}


@pytest.mark.parametrize("k", range(len(PEER)), ids=[s[0][:90] for s in PEER])
def test_against_jax(backend, peer_results, k):
    name, _, gf, args, _ = PEER[k]
    want, want_vjp, ct = peer_results[name]
    rng = np.random.default_rng(_seed("check", name))
    _check(gf, args, want, name, rng, vmap=k % 3 == 0)
    if want_vjp is not None:  # the vjp for JAX's cotangent
        xp = _xp()
        got = ad.vjp(gf, *[ad.tensor(xp.asarray(a)) for a in args])[1](xp.asarray(ct))
        for j, (g, w) in enumerate(zip(got, want_vjp, strict=True)):
            _close(g, w, f"{name}: vjp in argument {j} against JAX")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float32])
def test_get_fill_default_by_dtype(backend, dtype):
    x = _rand(np.random.default_rng(1), (4,), dtype)
    i = A([0, 9, -7])
    got = ad.tensor(_xp().asarray(x)).at[_raw_index(i, _xp())].get(mode="fill")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = jnp.asarray(x).at[i].get(mode="fill")
    _close(got, want, f"fill default {np.dtype(dtype)}")


# Where JAX computes and gpuad refuses: (case, JAX's behaviour, why gpuad raises)
REFUSALS = [
    ("x.at[oob].get() (mode=None)", "clamps the index",
     "an out-of-range index is more often a bug than a wish; mode='clip' says it"),
    ("x.at[oob].set/add/... (mode=None)", "drops the update",
     "a silently lost write; mode='drop' says it"),
    ("x.at[oob].*(mode='promise_in_bounds')", "unspecified (in practice clamp or drop)",
     "a broken promise would give an unspecified value: checked instead"),
    ("x[oob] (plain indexing)", "clamps the index", "NumPy's IndexError"),
    ("x.at[repeats].*(unique_indices=True)", "unspecified result",
     "the promise is checked: ValueError"),
]


@pytest.mark.parametrize("mode", [None, "promise_in_bounds"])
@pytest.mark.parametrize("op", ["get"] + OPS)
def test_refusals_are_clear_errors(backend, op, mode):
    xp = _xp()
    x = ad.tensor(xp.arange(5.0))
    idx = xp.asarray([0, 7])
    kw = {} if mode is None else {"mode": mode}
    with pytest.raises(IndexError) as e:
        if op == "get":
            x.at[idx].get(**kw)
        else:
            getattr(x.at[idx], op)(1.0, **kw)
    msg = str(e.value)
    assert "7" in msg and "5" in msg, msg
    with pytest.raises(IndexError, match="7"):
        x[idx]
    if op != "get":
        with pytest.raises(ValueError, match="unique_indices"):
            getattr(x.at[xp.asarray([1, 1])], op)(2.0, unique_indices=True)


# ---- vmap of updates with a batched index -------------------------------------------------------
@pytest.mark.parametrize("op", OPS)
def test_vmap_update_with_batched_index(backend, op):
    rng = np.random.default_rng(_seed("vb", op))
    xp = _xp()
    x, y = _op_args(op, rng, (3, 6, 4), (3, 2, 4))
    idx = np.stack([rng.permutation(6)[:2] for _ in range(3)])

    def gf(x, y):
        return ad.vmap(lambda x, i, y: getattr(x.at[i], op)(y, unique_indices=True))(
            x, xp.asarray(idx), y)

    want = np.stack([_np_update(op, i, a, b) for a, i, b in zip(x, idx, y, strict=True)])
    _check(gf, [x, y], want, f"vmap {op} with a batched index", rng, vmap=False)
