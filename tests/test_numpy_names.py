"""The jax.numpy / NumPy names a port reaches for: dtype names and queries, index grids,
vectorize (over gpuad.vmap: values, gradients, jit), window functions, integer helpers,
fromfunction, frompyfunc, printing and the array conversions on Tensors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.testing import check_grads

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 1, 3))
B = RNG.standard_normal((4, 1))
P = RNG.standard_normal((5, 3))
M = RNG.standard_normal((2, 1, 4, 3))


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(a), requires_grad=grad)


# ---- dtype names and queries -------------------------------------------------------------------

@pytest.mark.parametrize("name,ref", [
    ("bool", np.bool_), ("double", np.float64), ("single", np.float32),
    ("cdouble", np.complex128), ("csingle", np.complex64), ("float_", np.float64),
    ("int_", np.int_), ("complex_", np.complex128), ("uint", np.uint), ("uint8", np.uint8),
    ("uint16", np.uint16), ("uint32", np.uint32), ("uint64", np.uint64)])
def test_dtype_names_are_numpys(name, ref):
    assert np.dtype(getattr(gnp, name)) == np.dtype(ref)


def test_dtype_classes_and_queries_match_numpy(backend):
    x = _t(np.ones(3))
    i = ad.tensor(_xp().arange(3, dtype=np.int32))
    for name in ("generic", "number", "integer", "signedinteger", "unsignedinteger", "floating",
                 "complexfloating", "inexact", "character", "flexible", "object_", "dtype"):
        assert getattr(gnp, name) is getattr(np, name)
    assert gnp.issubdtype(x.dtype, gnp.floating) and not gnp.issubdtype(i, gnp.floating)
    assert gnp.issubdtype(gnp.uint8, gnp.unsignedinteger)
    assert gnp.finfo(x).eps == np.finfo(np.float64).eps
    assert gnp.finfo(gnp.float32).max == np.finfo(np.float32).max
    assert gnp.iinfo(i).max == np.iinfo(np.int32).max
    assert gnp.isdtype(x.dtype, "real floating") and gnp.isdtype(i, "integral")
    assert gnp.can_cast(x, gnp.float32) == np.can_cast(np.float64, np.float32)
    assert gnp.can_cast(i, gnp.float64) and not gnp.can_cast(x, gnp.int32)
    assert gnp.can_cast(x, gnp.float32, "same_kind")
    assert gnp.promote_types(gnp.float32, gnp.int64) == np.promote_types(np.float32, np.int64)
    assert gnp.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert gnp.euler_gamma == np.euler_gamma
    assert gnp.iterable(x) and not gnp.iterable(x[0]) and not gnp.iterable(1.0)


def test_index_grids_match_numpy(backend):
    xp = _xp()
    m = gnp.mgrid[0:3, 1:5:2]
    assert isinstance(m, xp.ndarray)
    np.testing.assert_array_equal(to_numpy(m), np.mgrid[0:3, 1:5:2])
    np.testing.assert_allclose(to_numpy(gnp.mgrid[0:1:5j]), np.mgrid[0:1:5j])
    for g, r in zip(gnp.ogrid[0:2, 0:3], np.ogrid[0:2, 0:3], strict=True):
        np.testing.assert_array_equal(to_numpy(g), r)
    assert gnp.s_[1:3, ::2] == np.s_[1:3, ::2]
    assert gnp.index_exp[1:3] == np.index_exp[1:3]
    x = _t(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(to_numpy(x[gnp.s_[1:, ::2]]),
                                  np.arange(12.0).reshape(3, 4)[1:, ::2])


def test_ndindex_and_mask_indices_match_numpy(backend):
    # neither existed (AttributeError "gpuad.numpy has no differentiable 'ndindex' yet")
    x = _t(np.arange(12.0).reshape(3, 4))
    assert list(gnp.ndindex(x.shape)) == list(np.ndindex((3, 4)))
    assert list(gnp.ndindex(2, 1, 3)) == list(np.ndindex(2, 1, 3))
    assert list(gnp.ndindex(ad.tensor(_xp().asarray(2)), 2)) == list(np.ndindex(2, 2))
    assert list(gnp.ndindex()) == list(np.ndindex()) == [()]
    with pytest.raises(TypeError):
        gnp.ndindex(2.0)
    for k in (-1, 0, 1):
        for mine, ref in ((gnp.triu, np.triu), (gnp.tril, np.tril), (np.triu, np.triu)):
            got = gnp.mask_indices(4, mine, k)
            want = np.mask_indices(4, ref, k)
            assert all(isinstance(g, _xp().ndarray) for g in got)
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(to_numpy(g), w)
                assert to_numpy(g).dtype == w.dtype
    rows, cols = gnp.mask_indices(4, gnp.triu, 1)
    y = _t(np.arange(16.0).reshape(4, 4))
    g = ad.grad(lambda a: gnp.sum(a[gnp.mask_indices(4, gnp.triu, 1)] ** 2))(y)
    np.testing.assert_array_equal(to_numpy(g), 2 * np.triu(np.arange(16.0).reshape(4, 4), 1))
    assert to_numpy(rows).tolist() == [0, 0, 0, 1, 1, 2]


def test_common_type_and_mintypecode_match_numpy(backend):
    # neither existed; they read dtypes of Tensors and backend arrays
    xp = _xp()
    arrs = {d: np.ones(2, d) for d in (np.float16, np.float32, np.float64, np.int32, np.int64,
                                        np.complex64, np.complex128, np.uint8)}
    for d1 in arrs:
        for d2 in arrs:
            want = np.common_type(arrs[d1], arrs[d2])
            assert gnp.common_type(ad.tensor(xp.asarray(arrs[d1])), xp.asarray(arrs[d2])) is want
    assert gnp.common_type(_t(np.ones(3, np.float32))) is np.float32
    with pytest.raises(TypeError, match="non-numeric"):
        gnp.common_type(ad.tensor(xp.asarray([True])))
    for chars in (["d", "f", "S"], "abceh", ["F", "d"], ["f"], []):
        assert gnp.mintypecode(chars) == np.mintypecode(chars)
        assert gnp.mintypecode(chars, "GDFgdf", "G") == np.mintypecode(chars, "GDFgdf", "G")
    x32 = np.ones((2, 3), np.float32)
    assert gnp.mintypecode(ad.tensor(xp.asarray(x32))) == np.mintypecode(x32) == "f"
    assert gnp.mintypecode([xp.asarray(x32), "D"]) == np.mintypecode([x32, "D"])
    assert gnp.mintypecode(xp.asarray(np.ones(0))) == np.mintypecode(np.ones(0))


# ---- vectorize ---------------------------------------------------------------------------------

def _dist(a, b):
    return gnp.sqrt(gnp.sum((a - b) ** 2))


def test_vectorize_scalar_function_broadcasts_like_numpy(backend):
    f = gnp.vectorize(lambda a, b: a * gnp.sin(b) + 1.0)
    out = f(_t(A), _t(B))
    ref = np.vectorize(lambda a, b: a * np.sin(b) + 1.0)(A, B)
    assert out.shape == ref.shape == (2, 4, 3)
    np.testing.assert_allclose(to_numpy(out), ref, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(f(_t(A), 0.5)), A * np.sin(0.5) + 1.0, rtol=1e-12)


@pytest.mark.parametrize("sig,fn,np_fn,args", [
    ("(n),(n)->()", _dist, lambda a, b: np.sqrt(np.sum((a - b) ** 2)), (P, P[0])),
    ("(m,n),(n)->(m)", lambda m, v: gnp.matmul(m, v), lambda m, v: m @ v, (M, P[None, :, :])),
    ("(n)->(),(n)", lambda a: (gnp.sum(a), a * 2.0), lambda a: (np.sum(a), a * 2.0), (M,)),
    ("()->(k)", lambda s: gnp.stack([s, s * s]), lambda s: np.stack([s, s * s]), (A,)),
])
def test_vectorize_signature_matches_numpy_and_jax(backend, sig, fn, np_fn, args):
    out = gnp.vectorize(fn, signature=sig)(*[_t(a) for a in args])
    ref = np.vectorize(np_fn, signature=sig)(*args)
    outs, refs = (out, ref) if isinstance(ref, tuple) else ((out,), (ref,))
    for o, r in zip(outs, refs, strict=True):
        assert o.shape == r.shape
        np.testing.assert_allclose(to_numpy(o), r, rtol=1e-12)
    jnp = pytest.importorskip("jax.numpy")
    jfn = {"(n),(n)->()": lambda a, b: jnp.sqrt(jnp.sum((a - b) ** 2)),
           "(m,n),(n)->(m)": lambda m, v: m @ v,
           "(n)->(),(n)": lambda a: (jnp.sum(a), a * 2.0),
           "()->(k)": lambda s: jnp.stack([s, s * s])}[sig]
    jref = jnp.vectorize(jfn, signature=sig)(*[a.astype(np.float32) for a in args])
    jrefs = jref if isinstance(jref, tuple) else (jref,)
    for o, r in zip(outs, jrefs, strict=True):
        assert o.shape == r.shape
        np.testing.assert_allclose(to_numpy(o), np.asarray(r), rtol=1e-4, atol=1e-5)


def test_vectorize_excluded_positions_and_keywords(backend):
    def f(a, scale, *, power):
        assert isinstance(power, int) and isinstance(scale, list)
        return a ** power * scale[0]

    v = gnp.vectorize(f, excluded={1, "power"})
    np.testing.assert_allclose(to_numpy(v(_t(A), [2.0], power=3)), A ** 3 * 2.0, rtol=1e-12)
    g = gnp.vectorize(lambda a, b=1.0: a * b)  # a keyword that is not excluded is vectorized
    np.testing.assert_allclose(to_numpy(g(_t(A), b=_t(B))), A * B, rtol=1e-12)
    h = gnp.vectorize(lambda a, b: a if b is None else a + b)  # None is passed through
    np.testing.assert_allclose(to_numpy(h(_t(A), None)), A)


def test_vectorize_gradients(backend):
    xp = _xp()
    dist = gnp.vectorize(_dist, signature="(n),(n)->()")
    check_grads(lambda p, c: dist(p, c), (xp.asarray(P), xp.asarray(P[0] + 0.3)), order=2,
                modes=("fwd", "rev"))
    mv = gnp.vectorize(lambda m, v: gnp.tanh(gnp.matmul(m, v)), signature="(m,n),(n)->(m)")
    check_grads(mv, (xp.asarray(M), xp.asarray(P[None, :, :])), order=2, modes=("fwd", "rev"))
    sc = gnp.vectorize(lambda a, b: a * gnp.sin(b))
    check_grads(sc, (xp.asarray(A), xp.asarray(B)), order=2, modes=("fwd", "rev"))


def test_vectorize_gradient_matches_jax():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    dist = gnp.vectorize(_dist, signature="(n),(n)->()")
    c = P[0] + 0.3
    g = ad.grad(lambda p, c: gnp.sum(dist(p, c) ** 2), argnums=(0, 1))(P, c)
    jd = jnp.vectorize(lambda a, b: jnp.sqrt(jnp.sum((a - b) ** 2)), signature="(n),(n)->()")
    jg = jax.grad(lambda p, c: jnp.sum(jd(p, c) ** 2), argnums=(0, 1))(
        P.astype(np.float32), c.astype(np.float32))
    for a, b in zip(g, jg, strict=True):
        np.testing.assert_allclose(to_numpy(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_vectorize_under_jit_replays(backend):
    xp = _xp()
    dist = gnp.vectorize(_dist, signature="(n),(n)->()")

    def loss(p, c):
        return gnp.sum(dist(p, c) * gnp.arange(5.0))

    step = ad.jit(ad.value_and_grad(loss, argnums=(0, 1)))
    for k in range(3):
        p, c = xp.asarray(P * (1 + k)), xp.asarray(P[1] - k)
        v, (gp, gc) = step(p, c)
        ve, (gpe, gce) = ad.value_and_grad(loss, argnums=(0, 1))(p, c)
        np.testing.assert_allclose(float(v), float(ve), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(gp), to_numpy(gpe), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(gc), to_numpy(gce), rtol=1e-12)


def test_vectorize_otypes_and_errors(backend):
    v = gnp.vectorize(lambda a: a * 2.0, otypes=[np.float32])
    assert v(_t(A)).dtype == np.float32
    d = gnp.vectorize(_dist, signature="(n),(n)->()")
    with pytest.raises(ValueError, match="core dimension 'n' has sizes 3 and 2"):
        d(_t(P), _t(P[0, :2]))
    with pytest.raises(ValueError, match="do not broadcast"):
        d(_t(np.ones((2, 3))), _t(np.ones((4, 3))))
    with pytest.raises(ValueError, match="not a valid gufunc signature"):
        gnp.vectorize(_dist, signature="(n),(n)")
    with pytest.raises(ValueError, match="does not have the core dimensions"):
        gnp.vectorize(lambda a: a, signature="(n)->()")(_t(P))
    with pytest.raises(TypeError, match="takes 2 array arguments"):
        d(_t(P))


def test_frompyfunc(backend):
    f = gnp.frompyfunc(lambda a, b: a * gnp.cos(b), 2, 1)
    np.testing.assert_allclose(to_numpy(f(_t(A), _t(B))), A * np.cos(B), rtol=1e-12)
    two = gnp.frompyfunc(lambda a: (a + 1.0, a * a), 1, 2)(_t(A))
    np.testing.assert_allclose(to_numpy(two[1]), A * A, rtol=1e-12)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        f(_t(A))


# ---- windows, fromfunction ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["hamming", "hanning", "bartlett", "blackman"])
def test_windows_match_numpy(backend, name):
    for m in (0, 1, 6, 7):
        np.testing.assert_allclose(to_numpy(getattr(gnp, name)(m)), getattr(np, name)(m),
                                   atol=1e-15)


def test_kaiser_values_and_gradient(backend):
    xp = _xp()
    for m in (0, 1, 6, 9):
        np.testing.assert_allclose(to_numpy(gnp.kaiser(m, 4.5)), np.kaiser(m, 4.5), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(gnp.kaiser(m, _t(np.array(4.5)))), np.kaiser(m, 4.5),
                                   rtol=1e-12)
    check_grads(lambda b: gnp.kaiser(8, b), (xp.asarray(np.array(3.2)),), order=2,
                modes=("fwd", "rev"))


def test_fromfunction_values_and_gradient(backend):
    np.testing.assert_array_equal(to_numpy(gnp.fromfunction(lambda i, j: i * 10 + j, (2, 3),
                                                            dtype=int)),
                                  np.fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int))
    xp = _xp()
    check_grads(lambda w: gnp.fromfunction(lambda i, j: gnp.exp(-w * (i - j) ** 2), (3, 4)),
                (xp.asarray(np.array(0.4)),), order=2, modes=("fwd", "rev"))


# ---- integer helpers ---------------------------------------------------------------------------

def test_integer_helpers_match_numpy(backend):
    xp = _xp()
    x = RNG.standard_normal((3, 4))
    t = _t(x)
    bins = np.array([-1.0, 0.0, 0.5, 1.0])
    for right in (False, True):
        r = gnp.digitize(t, bins, right=right)
        assert isinstance(r, xp.ndarray)
        np.testing.assert_array_equal(to_numpy(r), np.digitize(x, bins, right=right))
    np.testing.assert_array_equal(to_numpy(gnp.isin(t, x[0])), np.isin(x, x[0]))
    np.testing.assert_array_equal(to_numpy(gnp.isin(t, x[0], invert=True)),
                                  np.isin(x, x[0], invert=True))
    a, b = np.array([1.0, 0.0, 1.0, 0.0]), np.array([3.0, 2.0, 1.0, 0.5])
    np.testing.assert_array_equal(to_numpy(gnp.lexsort((_t(b), _t(a)))), np.lexsort((b, a)))
    flat = ad.tensor(xp.asarray(np.array([0, 5, 11])))
    got = gnp.unravel_index(flat, (3, 4))
    for g, r in zip(got, np.unravel_index([0, 5, 11], (3, 4)), strict=True):
        np.testing.assert_array_equal(to_numpy(g), r)
    idx = (np.array([0, 1, 2]), np.array([3, 0, 5]))
    np.testing.assert_array_equal(
        to_numpy(gnp.ravel_multi_index(tuple(ad.tensor(xp.asarray(i)) for i in idx), (3, 4),
                                       mode="clip")),
        np.ravel_multi_index(idx, (3, 4), mode="clip"))
    bits = RNG.integers(0, 2, (2, 11)).astype(np.uint8)
    packed = gnp.packbits(ad.tensor(xp.asarray(bits)), axis=1)
    np.testing.assert_array_equal(to_numpy(packed), np.packbits(bits, axis=1))
    np.testing.assert_array_equal(to_numpy(gnp.unpackbits(packed, axis=1, count=11)), bits)


# ---- conversions and printing on Tensors -------------------------------------------------------

def test_conversions_keep_the_tape(backend):
    xp = _xp()
    x = _t(A)
    for fn in (gnp.asarray_chkfinite, gnp.asanyarray, gnp.asfortranarray,
               gnp.ascontiguousarray, gnp.require):
        assert fn(x) is x
    # NumPy's own spellings reach a Tensor through like= (NEP 35)
    for fn in (np.asanyarray, np.asfortranarray, np.ascontiguousarray, np.require):
        assert fn(x, like=x) is x
    assert gnp.require(x, requirements="C") is x
    assert gnp.ascontiguousarray(_t(np.array(2.0))).shape == (1,)
    own = gnp.require(x, requirements=["O"])
    assert own is not x and np.allclose(to_numpy(own), A)
    assert gnp.require(x, np.float32).dtype == np.float32
    check_grads(lambda a: gnp.require(a, np.float64, "O") * gnp.asarray_chkfinite(a),
                (xp.asarray(A),), order=2, modes=("fwd", "rev"))
    with pytest.raises(KeyError, match="unknown requirement"):
        gnp.require(x, requirements="Z")


def test_asarray_chkfinite_raises_and_refuses_jit(backend):
    xp = _xp()
    bad = A.copy()
    bad[0, 0, 1] = np.inf
    with pytest.raises(ValueError, match="infs or NaNs"):
        gnp.asarray_chkfinite(_t(bad))
    with pytest.raises(ValueError, match="infs or NaNs"):
        gnp.asarray_chkfinite(_t(np.full(2, np.nan)))
    with pytest.raises(TracerError, match="asarray_chkfinite"):
        ad.jit(lambda a: gnp.asarray_chkfinite(a) * 2.0)(xp.asarray(A))


def test_printing_matches_numpy(backend):
    x = _t(A)
    assert gnp.array_repr(x) == np.array_repr(A)
    assert np.array_repr(x, precision=3) == np.array_repr(A, precision=3)
    assert gnp.array_str(x, precision=2) == np.array_str(A, precision=2)
    with gnp.printoptions(precision=2):
        assert gnp.get_printoptions()["precision"] == 2
        assert gnp.array_str(x) == np.array_str(A)
    assert gnp.set_printoptions is np.set_printoptions
