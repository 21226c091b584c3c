"""Collectives over named vmap axes (``vmap(f, axis_name=...)`` with ``lax.psum``,
``all_gather``, ``all_to_all``, ``ppermute``, ...) run by gpuad and JAX on the same inputs.

Ports the collective cases of JAX's ``tests/batching_test.py`` (testCommAssocCollective,
testPPermute, testAllToAll, testAllToAllSplitAxis, testAxisIndex, testAllGather*,
testBatchedAllGather*, testArgAllReduce, testReduceScatterAutodiff, testGradOfPsum,
testPpermuteBatcherTrivial) and the vmap-runnable ``pmap_test.py`` collective cases, and adds
a matrix of derivatives: every collective, with its argument batched or shared
(``in_axes=None``), differentiated inside the vmap (``vmap(grad(f))``, JAX's transpose rules:
psum's cotangent is psum of the cotangent), outside it (``grad(vmap(f))``), in forward mode, to
second order, and under ``jit``. Each program is written once against a namespace ``M`` (gpuad
or JAX) and its results (values, dtypes, shapes, errors) compared; gpuad's derivatives are also
checked against float64 central differences.

Where gpuad deliberately differs, ``DIFFERENCES`` says how and why.
"""

from __future__ import annotations

import functools
import itertools
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax as glax
from gpuad.testing import check_grads

#: where gpuad deliberately differs from jax.vmap (each is checked below)
DIFFERENCES = {
    "ppermute with a partial perm": "jax.vmap asserts the perm covers the whole axis; gpuad "
    "gives the value ppermute documents (zeros where nothing is sent), as under pmap",
    "pmax/pmin derivatives": "JAX defines none (NotImplementedError); gpuad's are those of "
    "gnp.max/gnp.min over the examples (checked against central differences)",
    "ppermute, pshuffle, pbroadcast over a tuple of names": "jax.vmap permutes along one of the "
    "names only (or refuses); gpuad refuses with NotImplementedError",
    "all_gather, psum_scatter over a tuple of names": "jax.vmap refuses (NotImplementedError); "
    "gpuad gathers over the names as one axis, the first name outermost (as shard_map)",
    "pmean over positional (int) axes": "JAX fails dividing by psum(1, 0); gpuad divides by "
    "the number of entries reduced",
    "negative positional axes": "jax.vmap's rule passes them to reduce, which refuses them; "
    "gpuad counts them from the end of one example's axes, as NumPy",
}


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _ns(which: str):
    if which == "g":
        return types.SimpleNamespace(vmap=ad.vmap, grad=ad.grad, jvp=ad.jvp, vjp=ad.vjp,
                                     jit=ad.jit, lax=glax, np=gnp, name="gpuad",
                                     custom_vjp=ad.custom_vjp)
    jax = _jax()
    import jax.numpy as jnp
    from jax import lax

    return types.SimpleNamespace(vmap=jax.vmap, grad=jax.grad, jvp=jax.jvp, vjp=jax.vjp,
                                 jit=jax.jit, lax=lax, np=jnp, name="jax",
                                 custom_vjp=jax.custom_vjp)


def _host(x):
    if isinstance(x, dict):
        return tuple(_host(x[k]) for k in sorted(x))
    if isinstance(x, tuple | list):
        return type(x)(_host(v) for v in x)
    if isinstance(x, int | float | bool) and not isinstance(x, np.generic):
        return x
    return to_numpy(x)


def _same(a, b, rtol=1e-12, atol=1e-12, what=""):
    if isinstance(a, tuple | list):
        assert isinstance(b, tuple | list) and len(a) == len(b), what
        for k, (u, v) in enumerate(zip(a, b, strict=True)):
            _same(u, v, rtol, atol, f"{what}[{k}]")
        return
    if isinstance(b, int | float) and not isinstance(b, np.generic):
        assert type(a) is type(b) or isinstance(a, int | float), (what, a, b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert a.dtype == b.dtype, (what, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _both(prog, *args, rtol=1e-12, atol=1e-12, jit=False):
    """``prog(M, *args)`` for gpuad and JAX: the same results (JAX's program compiled as one
    with ``jit``: the same numbers, without compiling each operation on its own)."""
    g = _host(prog(_ns("g"), *args))
    J = _ns("j")
    j = _host(J.jit(functools.partial(prog, J))(*args) if jit else prog(J, *args))
    _same(g, j, rtol, atol, getattr(prog, "__name__", "prog"))
    return g


def _rand(tag, shape, dtype=np.float64):
    r = np.random.default_rng(abs(hash(tag)) % 2**32)
    return np.asarray(r.standard_normal(shape), dtype)


# ---- testCommAssocCollective -----------------------------------------------------------------

def _assoc_cases():
    """JAX's cases for one and two vmaps; for three, a sample (one name, a pair, two orders
    of all three), which keeps the file's time down."""
    for coll in ("psum", "pmax", "pmin"):
        for names in (("i",), ("i", "j")):
            for k in range(1, len(names) + 1):
                for sub in itertools.combinations(names, k):
                    for perm in itertools.permutations(sub):
                        yield coll, names, perm
        for perm in (("j",), ("k", "i"), ("i", "j", "k"), ("k", "i", "j")):
            yield coll, ("i", "j", "k"), perm


@pytest.mark.parametrize("coll,vmap_names,coll_names", list(_assoc_cases()))
def test_comm_assoc_collective(coll, vmap_names, coll_names):
    x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)

    def prog(M, x):
        f = lambda v: v - getattr(M.lax, coll)(v, coll_names)  # noqa: E731
        for i, name in enumerate(vmap_names):
            f = M.vmap(f, axis_name=name, in_axes=i, out_axes=i)
        return f(x)

    got = _both(prog, x, jit=True)
    pos = tuple(i for i, n in enumerate(vmap_names) if n in coll_names)
    bulk = {"psum": np.sum, "pmax": np.max, "pmin": np.min}[coll]
    np.testing.assert_allclose(got, x - bulk(x, axis=pos, keepdims=True))
    if coll == "psum" and len(vmap_names) < 3:
        def f(x):
            return prog(_ns("g"), x)

        check_grads(f, (x.astype(np.float64),), 2, eps=1.0)


# ---- testPPermute, pshuffle, pbroadcast ------------------------------------------------------

def test_ppermute_random_perms():
    rng = np.random.default_rng(1)
    x = np.arange(10.0)
    for _ in range(5):
        perm = np.arange(10)
        rng.shuffle(perm)
        pairs = np.stack([np.arange(10), perm], axis=-1)
        rng.shuffle(pairs)
        got = _both(lambda M, x: M.vmap(lambda v: v - M.lax.ppermute(v, "i", pairs),
                                        axis_name="i")(x), x)
        np.testing.assert_allclose(got, x - x[np.argsort(perm)])


def test_pshuffle_and_pbroadcast():
    x = _rand("shuf", (4, 3))
    _both(lambda M, x: M.vmap(lambda v: M.lax.pshuffle(v, "i", [2, 0, 3, 1]), axis_name="i")(x),
          x)
    for src in range(4):
        _both(lambda M, x: M.vmap(lambda v: M.lax.pbroadcast(v, "i", src), axis_name="i")(x),
              x)
    for M in (_ns("g"), _ns("j")):
        with pytest.raises(ValueError, match="perm"):
            M.vmap(lambda v: M.lax.pshuffle(v, "i", [0, 0, 1, 2]), axis_name="i")(x)


def test_ppermute_batcher_trivial():
    v = np.array([1.0, 2.0])
    _both(lambda M, v: M.vmap(M.grad(lambda a: M.lax.ppermute(a, "i", [[0, 1], [1, 0]])),
                              axis_name="i")(v), v)


# ---- all_to_all ------------------------------------------------------------------------------

@pytest.mark.parametrize("split,concat,vaxis", [(s, c, (s + 2 * c) % 4) for s in range(3)
                                                for c in range(3)] + [(1, 2, 3), (2, 0, 0)])
def test_all_to_all(split, concat, vaxis):
    x = np.arange(4 ** 4, dtype=np.float64).reshape(4, 4, 4, 4)
    got = _both(lambda M, x: M.vmap(lambda v: M.lax.all_to_all(v, "i", split, concat),
                                    in_axes=vaxis, axis_name="i")(x), x, jit=True)
    ref = np.moveaxis(x, (vaxis, split + (vaxis <= split)), (concat + 1, 0))
    np.testing.assert_allclose(got, ref)


@pytest.mark.parametrize("split,concat,vaxis", list(itertools.product(range(2), range(2),
                                                                       range(3))))
def test_all_to_all_tuple_names(split, concat, vaxis):
    x = np.arange(4 ** 3, dtype=np.float64).reshape(4, 4, 4)
    shp = list(x.shape)
    shp[vaxis:vaxis + 1] = (2, 2)
    xu = x.reshape(shp)

    def prog(M, xu):
        f = lambda v: M.lax.all_to_all(v, ("i", "j"), split, concat)  # noqa: E731
        return M.vmap(M.vmap(f, in_axes=vaxis, axis_name="j"), in_axes=vaxis,
                      axis_name="i")(xu)

    _both(prog, xu, jit=True)


@pytest.mark.parametrize("split,concat", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_all_to_all_tiled(split, concat):
    x = _rand("a2at", (3, 6, 9))
    _both(lambda M, x: M.vmap(lambda v: M.lax.all_to_all(v, "i", split, concat, tiled=True),
                              axis_name="i")(x), x)


def test_pswapaxes():
    x = _rand("swap", (3, 2, 3))
    _both(lambda M, x: M.vmap(lambda v: M.lax.pswapaxes(v, "i", 1), axis_name="i")(x), x)


# ---- all_gather, psum_scatter ----------------------------------------------------------------

def test_all_gather_cases():
    x = np.arange(15, dtype=np.int64).reshape(3, 5)
    f = lambda M: lambda v: M.lax.all_gather(v, axis_name="i")  # noqa: E731
    got = _both(lambda M, x: M.vmap(f(M), axis_name="i", in_axes=1, out_axes=None)(x), x)
    np.testing.assert_array_equal(got, x.T)
    got = _both(lambda M, x: M.vmap(M.vmap(f(M), axis_name="i", out_axes=None),
                                    axis_name="j")(x), x)
    np.testing.assert_array_equal(got, x)
    got = _both(lambda M, x: M.vmap(M.vmap(f(M), axis_name="j"), axis_name="i",
                                    out_axes=None)(x), x)
    np.testing.assert_array_equal(got, x.T)
    x = np.arange(60.0).reshape(4, 3, 5)
    t = lambda M: lambda v: M.lax.all_gather(v, axis_name="i", tiled=True)  # noqa: E731
    got = _both(lambda M, x: M.vmap(t(M), axis_name="i", in_axes=(1,), out_axes=None)(x), x)
    np.testing.assert_array_equal(got, x.transpose(1, 0, 2).reshape(-1, 5))
    got = _both(lambda M, x: M.vmap(M.vmap(t(M), in_axes=1, out_axes=1), axis_name="i",
                                    in_axes=1, out_axes=None)(x), x)
    np.testing.assert_array_equal(got, x.transpose(1, 0, 2).reshape(-1, 5))
    for axis in (0, 1, 2, -1):
        _both(lambda M, x: M.vmap(lambda v: M.lax.all_gather(v, "i", axis=axis),
                                  axis_name="i")(x), x)
    for axis in (0, 1, -1):
        _both(lambda M, x: M.vmap(lambda v: M.lax.all_gather(v, "i", axis=axis, tiled=True),
                                  axis_name="i")(x), x)


def test_all_gather_of_const():
    x = np.arange(15, dtype=np.int64).reshape(3, 5)

    def prog(M, x):
        def f(v):
            return M.lax.all_gather(M.np.ones_like(v), axis_name="i"), \
                M.lax.all_gather(1, axis_name="i")

        return M.vmap(f, axis_name="i", in_axes=1, out_axes=None)(x)

    a, b = _host(prog(_ns("g"), x))
    ja, jb = _host(prog(_ns("j"), x))
    _same(a, ja)
    np.testing.assert_array_equal(b, jb)  # JAX's weak int32; gpuad's default int


def test_all_gather_vjp():
    rng = np.random.default_rng(1)
    x, yb = rng.standard_normal((3, 4)), rng.standard_normal((3, 3, 4))

    def prog(M, x, yb):
        return M.vmap(lambda a, c: M.vjp(lambda u: M.lax.all_gather(u, axis_name="i"),
                                         a)[1](c), axis_name="i")(x, yb)

    got = _both(prog, x, yb)
    np.testing.assert_allclose(got[0], yb.sum(0))


@pytest.mark.parametrize("tiled", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_psum_scatter(tiled, dim):
    x = _rand("ps", (3, 6, 3) if tiled else (3, 3, 3))
    _both(lambda M, x: M.vmap(lambda v: M.lax.psum_scatter(v, "i", scatter_dimension=dim,
                                                           tiled=tiled),
                              axis_name="i")(x), x)


def test_reduce_scatter_autodiff():
    f = ad.vmap(functools.partial(glax.psum_scatter, axis_name="i"), axis_name="i")
    x = _rand("rs", (3, 3, 4))
    check_grads(f, (x,), 2, ["fwd", "rev"], 1e-6, 1e-6, eps=1.0)
    u = _rand("rs-u", (3, 4))
    _both(lambda M, x, u: M.vjp(M.vmap(functools.partial(M.lax.psum_scatter, axis_name="i"),
                                       axis_name="i"), x)[1](u), x, u)


# ---- axis_index, axis_size, psum of constants, dtypes ---------------------------------------

def test_axis_index_and_size():
    x = np.arange(10, dtype=np.int32)
    _both(lambda M, x: M.vmap(lambda v: v - M.lax.axis_index("i"), axis_name="i")(x), x)
    y = np.zeros((2, 3, 4))

    def nested(M, y):
        f = lambda v: (M.lax.axis_index(("i", "j")) + 0 * v.astype(np.int32)[0],  # noqa: E731
                       M.lax.axis_index(("j", "i")), M.lax.axis_size(("i", "j")),
                       M.lax.psum(1, ("i", "j")), M.lax.psum(2.5, "j"))
        return M.vmap(M.vmap(f, axis_name="j"), axis_name="i")(y)

    _both(nested, y)


def test_psum_dtypes_and_constants():
    x = np.arange(4.0)
    _both(lambda M, x: M.vmap(lambda v: M.lax.psum(v > 1, "i"), axis_name="i")(x), x)
    _both(lambda M, x: M.vmap(lambda v: M.lax.psum(v.astype(np.int32), "i"),
                              axis_name="i")(x), x)
    _both(lambda M, x: M.vmap(lambda v: M.lax.pmean(v.astype(np.int64), "i"),
                              axis_name="i")(x), x)
    _both(lambda M, x: M.vmap(lambda v: M.lax.psum(v.astype(np.float32), "i"),
                              axis_name="i")(x), x)
    _both(lambda M, x: M.vmap(lambda v: (M.lax.psum({"a": v, "b": (v * 2, 3.0)}, "i")),
                              axis_name="i", out_axes=None)(x), x)
    # a value every example shares: size * x
    _both(lambda M, x, w: M.vmap(lambda v, u: M.lax.psum(u, "i") + 0 * v, in_axes=(0, None),
                                 axis_name="i")(x, w), x, np.array([0.1, 0.7]).reshape(2, 1))
    _both(lambda M, x: M.vmap(lambda v: M.lax.pmax(3.0, "i") + v, axis_name="i")(x), x)


def test_grad_of_psum_out_axes_none():
    a = np.ones(5)
    _both(lambda M, a: M.vmap(M.grad(lambda x: -M.lax.psum(x, "i")), out_axes=None,
                              axis_name="i")(a), a)


@pytest.mark.parametrize("fn", ["pargmax", "pargmin"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("shape,axis", [((7,), 0), ((5, 8), 0), ((5, 8), 1)])
def test_arg_all_reduce(fn, dtype, shape, axis):
    _jax()  # (skips where jax is not installed)
    from jax._src.lax import parallel

    x = np.asarray(np.random.default_rng(3).integers(-3, 4, shape), dtype)
    got = ad.vmap(lambda v: getattr(glax, fn)(v, "i"), in_axes=axis, out_axes=None,
                  axis_name="i")(x)
    want = _jax().vmap(lambda v: getattr(parallel, fn)(v, "i"), in_axes=axis, out_axes=None,
                       axis_name="i")(x)
    _same(to_numpy(got), np.asarray(want))
    bulk = np.argmax if fn == "pargmax" else np.argmin
    np.testing.assert_array_equal(to_numpy(got), bulk(x, axis=axis))


# ---- derivatives: inside and outside the vmap, batched and shared arguments ----------------

N = 3

#: name -> f(M, v) for one example's v of shape (N, 2) (all_to_all, psum_scatter need N rows)
OPS = {
    "psum": lambda M, v: M.lax.psum(v, "i"),
    "pmean": lambda M, v: M.lax.pmean(v, "i"),
    "all_gather": lambda M, v: M.lax.all_gather(v, "i", axis=1),
    "all_gather_tiled": lambda M, v: M.lax.all_gather(v, "i", tiled=True),
    "psum_scatter": lambda M, v: M.lax.psum_scatter(v, "i"),
    "psum_scatter_tiled": lambda M, v: M.lax.psum_scatter(v, "i", tiled=True),
    "all_to_all": lambda M, v: M.lax.all_to_all(v, "i", 0, 0),
    "ppermute": lambda M, v: M.lax.ppermute(v, "i", [(0, 2), (2, 1), (1, 0)]),
    "pshuffle": lambda M, v: M.lax.pshuffle(v, "i", [1, 2, 0]),
    "pbroadcast": lambda M, v: M.lax.pbroadcast(v, "i", 1),
}


#: (op, program) or (op, batched/shared, program) where JAX's own transpose or batching rule
#: raises (a bug of jax.vmap: all_to_all's transpose under vmap gives a cotangent of the wrong
#: shape, pbroadcast's batching rule calls take with a list); gpuad's results there are checked
#: against central differences and the summed-loss identity instead
_PROGS = ("inside", "inside_unbatched_ct", "outside", "forward", "forward_inside", "second")
JAX_FAILS = {("all_to_all", "shared", p) for p in _PROGS} | \
    {("pbroadcast", "batched", p) for p in _PROGS} | \
    {("pbroadcast", "shared", p) for p in ("inside", "inside_unbatched_ct", "second")} | \
    {("all_to_all", "batched", "inside_unbatched_ct")}
JAX_FAILS_SEEN: set = set()


def _loss(M, op, v, w):
    """A per-example scalar that mixes the collective's result with batched data ``w``."""
    y = OPS[op](M, M.np.sin(v))
    return M.np.sum(M.np.cos(y) * w[: y.size].reshape(y.shape)) + M.np.sum(v * v)


@pytest.mark.parametrize("shared", [False, True], ids=["batched", "shared"])
@pytest.mark.parametrize("op", list(OPS))
def test_derivatives_inside_and_outside(op, shared):
    x = _rand(op + "x", (2, 3) if shared else (N, N, 2))
    w = _rand(op + "w", (N, 18))
    xa = None if shared else 0
    v = x if not shared else x.reshape(N, 2)

    def inside(M, v, w):  # JAX's rules: the loss of every example is summed
        return M.vmap(M.grad(lambda a, b: _loss(M, op, a, b)), in_axes=(xa, 0),
                      axis_name="i")(v, w)

    def inside_unbatched_ct(M, v, w):  # a cotangent every example shares
        def per(a, b):
            out, pull = M.vjp(lambda u: OPS[op](M, M.np.sin(u)), a)
            return pull(M.np.ones_like(out) * 0.5)[0]

        return M.vmap(per, in_axes=(xa, 0), axis_name="i")(v, w)

    def outside(M, v, w):  # the gradient of the batched program
        f = M.vmap(lambda a, b: _loss(M, op, a, b), in_axes=(xa, 0), axis_name="i")
        return M.grad(lambda a: M.np.sum(f(a, w) * M.np.arange(1.0, N + 1)))(v)

    def forward(M, v, w):
        f = M.vmap(lambda a, b: _loss(M, op, a, b), in_axes=(xa, 0), axis_name="i")
        return M.jvp(lambda a: f(a, w), (v,), (M.np.cos(v),))

    def forward_inside(M, v, w):
        return M.vmap(lambda a, b: M.jvp(lambda u: _loss(M, op, u, b), (a,),
                                         (M.np.cos(a),)), in_axes=(xa, 0),
                      axis_name="i")(v, w)

    def second(M, v, w):  # grad of a grad taken inside the vmap
        g = M.vmap(M.grad(lambda a, b: _loss(M, op, a, b)), in_axes=(xa, 0), axis_name="i")
        return M.grad(lambda a: M.np.sum(M.np.sin(g(a, w))))(v)

    for prog in (inside, inside_unbatched_ct, outside, forward, forward_inside, second):
        key = (op, "shared" if shared else "batched", prog.__name__)
        if key in JAX_FAILS:
            with pytest.raises((ValueError, TypeError)):  # JAX's own rule fails
                prog(_ns("j"), v, w)
            JAX_FAILS_SEEN.add(key)
            continue
        _both(prog, v, w, rtol=1e-10, atol=1e-10, jit=True)

    # gpuad's outside gradient against central differences; the inside one equals the
    # gradient of the examples' summed losses with every shared value copied per example
    f = ad.vmap(lambda a, b: _loss(_ns("g"), op, a, b), in_axes=(xa, 0), axis_name="i")
    check_grads(lambda a: f(a, w), (v,), 2, eps=1e-4)
    rep = np.broadcast_to(v, (N,) + v.shape).copy() if shared else v
    total = ad.grad(lambda a: gnp.sum(ad.vmap(lambda p, b: _loss(_ns("g"), op, p, b),
                                              axis_name="i")(a, w)))(rep)
    _same(to_numpy(inside(_ns("g"), v, w)), to_numpy(total), 1e-12, 1e-12)


def test_where_jax_fails_values():
    """The values JAX's batching rules get wrong (all_to_all of a shared value has the wrong
    shape) or cannot compute (pbroadcast of a batched value), against what they equal."""
    x = _rand("a2a-shared", (3, 2))
    got = ad.vmap(lambda v: glax.all_to_all(v, "i", 0, 0), in_axes=None, axis_size=3,
                  axis_name="i")(x)
    want = _jax().vmap(lambda v: _ns("j").lax.all_to_all(v, "i", 0, 0), axis_name="i")(
        np.broadcast_to(x, (3, 3, 2)))
    _same(to_numpy(got), np.asarray(want))
    x = _rand("pb", (4, 3))
    got = ad.vmap(lambda v: glax.pbroadcast(v, "i", 2), axis_name="i")(x)

    def ref(v):
        J = _ns("j")
        return J.lax.psum(J.np.where(J.lax.axis_index("i") == 2, v, 0.0), "i") + 0 * v

    _same(to_numpy(got), np.asarray(_jax().vmap(ref, axis_name="i")(x)))


@pytest.mark.parametrize("op", ["pmax", "pmin"])
def test_pmax_pmin_derivatives(op):
    x = _rand(op, (4, 3))

    def f(a):
        return ad.vmap(lambda v: gnp.sin(getattr(glax, op)(v, "i")) * v, axis_name="i")(a)

    check_grads(f, (x,), 2, eps=1e-5)
    want = ad.grad(lambda a: gnp.sum(gnp.sin(getattr(gnp, op[1:])(a, axis=0)) * a))(x)
    _same(to_numpy(ad.grad(lambda a: gnp.sum(f(a)))(x)), to_numpy(want), 1e-12, 1e-12)
    with pytest.raises(NotImplementedError):
        _ns("j").vmap(_jax().grad(lambda v: getattr(_ns("j").lax, op)(v, "i")),
                      axis_name="i")(x[:, 0])


# ---- nested vmaps with different names, jit ---------------------------------------------------

def test_nested_names_and_grads():
    x = _rand("nest", (2, 3, 4))

    def prog(M, x):
        def f(v):
            return M.np.sin(v) * M.lax.psum(v, "i") / M.lax.pmean(v * v, "j") \
                + M.lax.all_gather(v, "j").sum() * M.lax.axis_index("i")

        g = M.vmap(M.vmap(f, axis_name="j"), axis_name="i")
        inner = M.vmap(M.vmap(M.grad(lambda v: M.np.sum(f(v))), axis_name="j"), axis_name="i")
        return g(x), M.grad(lambda a: M.np.sum(M.np.cos(g(a))))(x), inner(x)

    _both(prog, x, rtol=1e-10, atol=1e-10, jit=True)
    check_grads(lambda a: prog(_ns("g"), a)[0], (x,), 2, eps=1e-5)


def test_jit_compositions():
    x = _rand("jit", (4, 3))

    def prog(M, x):
        f = lambda v: M.np.tanh(v) * M.lax.psum(v, "i") + M.lax.ppermute(  # noqa: E731
            v, "i", [(0, 1), (1, 2), (2, 3), (3, 0)])
        outer = M.jit(M.vmap(f, axis_name="i"))
        inner = M.vmap(M.jit(f), axis_name="i")
        gi = M.vmap(M.jit(M.grad(lambda v: M.np.sum(f(v)))), axis_name="i")
        return (outer(x), inner(x), outer(2 * x), gi(x),
                M.grad(lambda a: M.np.sum(outer(a) ** 2))(x),
                M.jit(M.grad(lambda a: M.np.sum(M.vmap(f, axis_name="i")(a) ** 2)))(x))

    _both(prog, x, rtol=1e-10, atol=1e-10)


# ---- errors ----------------------------------------------------------------------------------

def test_errors():
    x = np.arange(4.0)
    for M in (_ns("g"), _ns("j")):
        with pytest.raises(NameError):
            M.vmap(lambda v: M.lax.psum(v, "j"), axis_name="i")(x)
        with pytest.raises(NameError):
            M.vmap(lambda v: M.lax.axis_index("j"), axis_name="i")(x)
        with pytest.raises(NameError):
            M.lax.psum(x, "i")
        with pytest.raises(NotImplementedError):
            M.vmap(lambda v: M.lax.psum(v, "i", axis_index_groups=[[0, 1], [2, 3]]),
                   axis_name="i")(x)
        with pytest.raises(ValueError):
            M.vmap(lambda v: M.lax.all_to_all(M.np.ones(3), "i", 0, 0), axis_name="i")(x)
        with pytest.raises(ValueError):  # a psum result is batched by nothing but other axes
            M.vmap(lambda v: v, out_axes=None, axis_name="i")(x)
    with pytest.raises(NameError, match="psum: unbound axis name 'j'"):
        ad.vmap(lambda v: glax.psum(v, "j"), axis_name="i")(x)
    with pytest.raises(NotImplementedError, match="spmd_axis_name"):
        ad.vmap(lambda v: v, spmd_axis_name="d")(x)
    with pytest.raises(NotImplementedError, match="tuple"):
        ad.vmap(ad.vmap(lambda v: glax.ppermute(v, ("i", "j"), [(0, 1), (1, 0)]),
                        axis_name="j"), axis_name="i")(np.ones((2, 2)))


def test_partial_ppermute_differs():
    x = np.arange(1.0, 5.0)
    with pytest.raises(AssertionError):
        _jax().vmap(lambda v: _ns("j").lax.ppermute(v, "i", [(0, 1), (1, 2)]),
                    axis_name="i")(x)
    got = ad.vmap(lambda v: glax.ppermute(v, "i", [(0, 1), (1, 2)]), axis_name="i")(x)
    np.testing.assert_array_equal(to_numpy(got), [0.0, 1.0, 2.0, 0.0])
    check_grads(ad.vmap(lambda v: glax.ppermute(gnp.sin(v), "i", [(0, 1), (1, 2)]),
                        axis_name="i"), (x,), 2)


def test_tuple_gather_and_scatter():
    x = _rand("tg", (2, 3, 6))

    def f(v):
        return glax.all_gather(v, ("i", "j")), glax.psum_scatter(v, ("i", "j"), tiled=True)

    a, b = ad.vmap(ad.vmap(f, axis_name="j"), axis_name="i")(x)
    flat = x.reshape(6, 6)
    np.testing.assert_allclose(to_numpy(a)[1, 2], flat)
    np.testing.assert_allclose(to_numpy(b).reshape(6), flat.sum(0))
    for fn in ("all_gather", "psum_scatter"):
        with pytest.raises((NotImplementedError, AssertionError)):
            _jax().vmap(_jax().vmap(lambda v: getattr(_ns("j").lax, fn)(v, ("i", "j")),
                                    axis_name="j"), axis_name="i")(x[..., :6])


def test_checkpoint_and_custom_vjp():
    """Blocks run again in backward (checkpoint) or rules run there (custom_vjp's bwd) call
    collectives of the vmap they ran in."""
    x = _rand("blocks", (3, 2))

    def prog(M, x):
        @M.custom_vjp
        def s(v):
            return M.np.sin(v)

        s.defvjp(lambda v: (M.np.sin(v), M.np.cos(v)), lambda c, g: (M.lax.psum(g * c, "i"),))
        ck = ad.checkpoint if M.name == "gpuad" else _jax().checkpoint
        f = ck(lambda v: M.np.tanh(v) * M.lax.psum(v * v, "i") + s(v))
        w = M.np.arange(1.0, 4.0)[:, None]
        outer = M.grad(lambda a: M.np.sum(M.vmap(f, axis_name="i")(a) * w))(x)
        inner = M.vmap(M.grad(lambda v: M.np.sum(f(v))), axis_name="i")(x)
        return outer, inner

    _both(prog, x, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("coll", ["psum", "pmean", "pmax", "pmin"])
def test_collectives_with_vmap_pmap_test(coll):
    """pmap_test.py's VmapPmapCollectivesTest.testCollectivesWithVmap, both maps vmaps (one
    device), with random inputs and the gradient of the result."""
    x = _rand("pmap" + coll, (2, 2, 5, 5))
    y = _rand("pmap-y" + coll, (2, 2, 5, 5))

    def prog(M, x, y):
        def f(a, b):
            return a + getattr(M.lax, coll)(a @ b, ("i", "j"))

        g = M.vmap(M.vmap(f, axis_name="j"), axis_name="i")
        if coll in ("pmax", "pmin"):  # JAX has no derivative for them
            return g(x, y)
        return g(x, y), M.grad(lambda a: M.np.sum(M.np.sin(g(a, y))))(x)

    _both(prog, x, y, rtol=1e-10, atol=1e-10, jit=True)
    g = ad.vmap(ad.vmap(lambda a, b: a + getattr(glax, coll)(a @ b, ("i", "j")), axis_name="j"),
                axis_name="i")
    check_grads(lambda a, b: g(a, b), (x, y), 1)


@pytest.mark.parametrize("how", ["grad_grad", "hessian", "jacfwd", "jacrev", "jvp_of_grad",
                                 "outer_jacrev", "outer_jacfwd"])
def test_higher_order_transforms(how):
    """Second derivatives and Jacobians taken inside the vmap (JAX's transpose rules) and of
    the vmapped function."""
    x = _rand("ho", (3, 2))

    def prog(M, x):
        jax = _jax()
        T = ad if M.name == "gpuad" else jax

        def f(v):
            return M.np.sin(v) * M.lax.psum(v * v, "i") + M.lax.pmean(M.np.cos(v), "i") * v

        def fs(v):
            return M.np.sum(f(v) * M.np.sin(M.lax.all_gather(v, "i")[0]))

        if how == "grad_grad":
            return M.vmap(M.grad(lambda v: M.np.sum(M.np.sin(M.grad(fs)(v)))), axis_name="i")(x)
        if how == "hessian":
            return M.vmap(T.hessian(fs), axis_name="i")(x)
        if how in ("jacfwd", "jacrev"):
            return M.vmap(getattr(T, how)(f), axis_name="i")(x)
        if how == "jvp_of_grad":
            return M.vmap(lambda v: M.jvp(M.grad(fs), (v,), (M.np.cos(v),))[1],
                          axis_name="i")(x)
        return getattr(T, how[6:])(M.vmap(f, axis_name="i"))(x)

    _both(prog, x, rtol=1e-10, atol=1e-10, jit=True)


@pytest.mark.parametrize("names", [("i", 0), 1, ("i", -1), (0, "i", 1)])
@pytest.mark.parametrize("coll", ["psum", "pmax", "pmin"])
def test_positional_axes(coll, names):
    """Ints among the names are axes of the array, reduced as well (JAX's positional axes)."""
    x = _rand("pos" + coll, (2, 3, 4))

    def prog(M, x):
        g = M.vmap(lambda v: M.np.sin(v).sum() * getattr(M.lax, coll)(v, names), axis_name="i")
        if coll != "psum":
            return g(x)
        return g(x), M.grad(lambda a: M.np.sum(M.np.cos(g(a))))(x)

    if names == ("i", -1):  # JAX's batching rule hands the negative axis on to reduce
        with pytest.raises(ValueError, match="out-of-bounds"):
            prog(_ns("j"), x)
        got = ad.vmap(lambda v: getattr(glax, coll)(v, names), axis_name="i",
                      out_axes=None)(x)
        bulk = {"psum": np.sum, "pmax": np.max, "pmin": np.min}[coll]
        np.testing.assert_allclose(to_numpy(got), bulk(x, axis=(0, 2)), rtol=1e-14)
    else:
        _both(prog, x, rtol=1e-10, atol=1e-10, jit=True)
    with pytest.raises(ValueError):  # JAX's pmean divides by psum(1, 0), which fails
        _jax().vmap(lambda v: _ns("j").lax.pmean(v, ("i", 0)), axis_name="i")(x)
    got = ad.vmap(lambda v: glax.pmean(v, ("i", 0)), axis_name="i", out_axes=None)(x)
    np.testing.assert_allclose(to_numpy(got), x.mean((0, 1)), rtol=1e-14)
