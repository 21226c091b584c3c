"""Creation helpers return backend arrays equal to NumPy's; gpuad.numpy.random mirrors NumPy's
generator (same names, shapes and ranges; a seed reproduces the draws)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _is_backend_array(a):
    return type(a) is ad.get_backend().array_type


CREATION = [
    ("array", lambda m: m.array([[1.0, 2.0], [3.0, 4.0]])),
    ("array_dtype", lambda m: m.array([1, 2, 3], dtype=m.float32)),
    ("asarray", lambda m: m.asarray([1.5, 2.5])),
    ("asarray_int", lambda m: m.asarray([1, 2])),
    ("zeros", lambda m: m.zeros((2, 3))),
    ("zeros_int_shape", lambda m: m.zeros(4)),
    ("ones", lambda m: m.ones((2, 1))),
    ("ones_dtype", lambda m: m.ones(3, dtype=m.int32)),
    ("empty_shape", lambda m: m.empty((2, 0)).shape),
    ("full", lambda m: m.full((2, 2), 7.5)),
    ("full_int", lambda m: m.full(3, 2)),
    ("eye", lambda m: m.eye(3)),
    ("eye_rect_k", lambda m: m.eye(2, 4, k=1)),
    ("identity", lambda m: m.identity(2)),
    ("arange", lambda m: m.arange(5)),
    ("arange_float", lambda m: m.arange(0.0, 1.0, 0.25)),
    ("arange_start_stop", lambda m: m.arange(2, 7, 2)),
    ("linspace", lambda m: m.linspace(0.0, 1.0, 5)),
    ("linspace_no_end", lambda m: m.linspace(-1.0, 1.0, 4, endpoint=False)),
    ("zeros_0d", lambda m: m.zeros(())),
]


@pytest.mark.parametrize("name,make", CREATION, ids=[c[0] for c in CREATION])
def test_creation(backend, name, make):
    got, want = make(gnp), make(np)
    if isinstance(want, tuple):
        assert got == want
        return
    assert _is_backend_array(got), type(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(to_numpy(got), want)


LIKE = ["zeros_like", "ones_like", "full_like", "empty_like"]


@pytest.mark.parametrize("name", LIKE)
@pytest.mark.parametrize("src", ["array", "tensor", "int"])
def test_like(backend, name, src):
    base = np.arange(6.0).reshape(2, 3) if src != "int" else np.arange(6).reshape(2, 3)
    a = gnp.asarray(base)
    if src == "tensor":
        a = ad.tensor(a, requires_grad=True)
    args = (2.5,) if name == "full_like" else ()
    got, want = getattr(gnp, name)(a, *args), getattr(np, name)(base, *args)
    assert _is_backend_array(got), type(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    if name != "empty_like":
        np.testing.assert_array_equal(to_numpy(got), want)
    got = getattr(gnp, name)(a, *args, dtype=np.float32)
    assert got.dtype == np.float32


def test_array_copies_and_asarray_does_not(backend):
    a = gnp.asarray(np.array([1.0, 2.0]))
    c = gnp.array(a)
    c[0] = 5.0
    assert float(to_numpy(a)[0]) == 1.0
    assert gnp.asarray(a) is a
    t = ad.tensor(a)
    # a Tensor stays a Tensor (on the tape when recorded): asarray returns it, array copies it
    assert gnp.asarray(t) is t
    c = gnp.array(t)
    assert isinstance(c, ad.Tensor) and c is not t and c.data is not t.data
    np.testing.assert_array_equal(to_numpy(c), to_numpy(t))


def test_creation_feeds_differentiation(backend):
    x = ad.tensor(gnp.linspace(0.0, 1.0, 3), requires_grad=True)
    y = gnp.sum(x * gnp.ones(3) + gnp.eye(3)[0] * x)
    y.backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 1.0, 1.0])


# ---- random --------------------------------------------------------------------------------

DRAWS = [
    ("rand", lambda m: m.rand(2, 3)),
    ("randn", lambda m: m.randn(4)),
    ("random", lambda m: m.random((2, 2))),
    ("random_sample", lambda m: m.random_sample(3)),
    ("uniform", lambda m: m.uniform(-2.0, 3.0, (5,))),
    ("normal", lambda m: m.normal(1.0, 0.5, (2, 2))),
    ("randint", lambda m: m.randint(0, 10, (6,))),
    ("choice", lambda m: m.choice(5, 3)),
    ("choice_noreplace", lambda m: m.choice(6, 4, replace=False)),
    ("permutation", lambda m: m.permutation(6)),
]


@pytest.mark.parametrize("name,draw", DRAWS, ids=[d[0] for d in DRAWS])
def test_random_seed_reproducible(backend, name, draw):
    gnp.random.seed(123)
    a = draw(gnp.random)
    b = draw(gnp.random)
    gnp.random.seed(123)
    c = draw(gnp.random)
    assert _is_backend_array(a), type(a)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(c))
    ref = draw(np.random.RandomState(0))
    assert a.shape == np.shape(ref) and a.dtype.kind == ref.dtype.kind
    if a.size > 2:
        assert not np.array_equal(to_numpy(a), to_numpy(b))
    if backend == "numpy":  # the NumPy backend uses NumPy's own generator: identical streams
        np.testing.assert_array_equal(to_numpy(a), draw(np.random.RandomState(123)))


def test_random_ranges(backend):
    gnp.random.seed(0)
    u = to_numpy(gnp.random.uniform(-2.0, 3.0, (1000,)))
    assert u.min() >= -2.0 and u.max() < 3.0
    r = to_numpy(gnp.random.rand(1000))
    assert r.min() >= 0.0 and r.max() < 1.0
    k = to_numpy(gnp.random.randint(3, 7, (1000,)))
    assert set(np.unique(k)) == {3, 4, 5, 6}
    n = to_numpy(gnp.random.normal(1.0, 0.5, (4000,)))
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 0.5) < 0.05
    p = to_numpy(gnp.random.permutation(8))
    assert sorted(p.tolist()) == list(range(8))


def test_random_seeded_block_resumes(backend):
    gnp.random.seed(5)
    a = to_numpy(gnp.random.rand(3))
    gnp.random.seed(5)
    with gnp.random.seeded(9):
        inner = to_numpy(gnp.random.rand(3))
    b = to_numpy(gnp.random.rand(3))
    np.testing.assert_array_equal(a, b)
    with gnp.random.seeded(9):
        np.testing.assert_array_equal(to_numpy(gnp.random.rand(3)), inner)
