"""Regressions found by porting PyTorch's test/test_torch.py and test_tensor_creation_ops.py
(tests/conformance/test_torch_torch_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def test_frombuffer_refuses_a_list(backend):
    """A list was made an array first and its int64 bytes read as the dtype asked for
    (frombuffer([1, 2], dtype=float64) gave two denormals); NumPy and torch refuse it."""
    with pytest.raises(TypeError, match="bytes-like"):
        gnp.frombuffer([1, 2, 3, 4], dtype=np.float64)
    np.testing.assert_array_equal(to_numpy(gnp.frombuffer(b"\x01\x02", dtype=np.uint8)), [1, 2])
    np.testing.assert_array_equal(to_numpy(gnp.fromstring("1,2", sep=",", dtype=int)), [1, 2])


def test_unflatten_refuses_empty_sizes(backend):
    """x.unflatten(0, []) of a length-1 dim dropped the dim silently; torch refuses."""
    x = ad.tensor(np.array([1.5]))
    with pytest.raises(ValueError, match="non-empty"):
        x.unflatten(0, [])
    assert x.unflatten(0, (1, 1)).shape == (1, 1)


def test_masked_select_refuses_an_integer_mask(backend):
    """A uint8 mask indexed by its values (NumPy's take: [1, 0, 1, 0] picked four entries);
    torch wants a boolean mask."""
    x = ad.tensor(np.arange(4.0))
    with pytest.raises(TypeError, match="boolean"):
        x.masked_select(ad.tensor(np.array([1, 0, 1, 0], np.uint8)))
    np.testing.assert_array_equal(to_numpy(x.masked_select(x > 1)), [2.0, 3.0])


def test_factory_shapes_take_numpy_integers_on_every_backend(backend):
    """gnp.ones((np.array(3), np.int64(4))) worked on the NumPy backend only (CuPy refuses host
    arrays in a shape); the shape is made plain ints first, NumPy's errors kept."""
    shp = (np.array(3), np.int64(4))
    for f in (gnp.zeros, gnp.ones, gnp.empty):
        assert tuple(f(shp).shape) == (3, 4)
    assert tuple(gnp.full(shp, 1.5).shape) == (3, 4)
    assert tuple(gnp.zeros(np.int64(2)).shape) == (2,)
    for bad in ((3.0, 4), 2.5):
        with pytest.raises(TypeError, match="integer"):
            gnp.ones(bad)


def test_renorm_in_place(backend):
    """Tensor.renorm_ was missing (AttributeError; torch's test_renorm_neg_dim uses it): it is
    renorm written into the tensor, recorded like the other in-place methods."""
    a = np.array([[3.0, 4.0], [0.3, 0.4]])
    x = ad.tensor(a.copy())
    assert x.renorm_(2, 0, 1.0) is x
    np.testing.assert_allclose(to_numpy(x), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    w = ad.tensor(a.copy(), requires_grad=True)
    y = w * 1
    y.renorm_(2, -1, 1.0)
    y.sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(
        to_numpy(w.grad),
        to_numpy(ad.grad(lambda v: v.renorm(2, -1, 1.0).sum())(ad.tensor(a))),
        rtol=1e-12,
    )


def test_more_in_place_methods(backend):
    """cumsum_, cumprod_ (torch's dim: a 0-d tensor stays 0-d), asinh_, acosh_, atanh_ (and the
    arc- names), addmm_, addmv_, addr_, baddbmm_, addbmm_, greater_, less_, not_equal_, ...,
    conj_physical_ raised AttributeError; each is its out-of-place method written in place."""
    a = np.array([[0.5, 1.5, 2.0], [3.0, 0.25, 1.0]])
    for name, args, want in (
        ("cumsum_", (1,), np.cumsum(a, 1)),
        ("cumprod_", (0,), np.cumprod(a, 0)),
        ("asinh_", (), np.arcsinh(a)),
        ("arccosh_", (), np.arccosh(a + 1)),
        ("greater_", (1.0,), (a > 1.0).astype(float)),
        ("not_equal_", (1.0,), (a != 1.0).astype(float)),
    ):
        x = ad.tensor(a + 1 if name == "arccosh_" else a.copy())
        assert getattr(x, name)(*args) is x, name
        np.testing.assert_allclose(to_numpy(x), want, rtol=1e-12, err_msg=name)
    z = ad.tensor(np.float64(2.0))
    assert z.cumsum_(0).shape == ()
    m = ad.tensor(np.ones((2, 3)))
    m.addmm_(ad.tensor(np.ones((2, 4))), ad.tensor(np.ones((4, 3))))
    np.testing.assert_array_equal(to_numpy(m), np.full((2, 3), 5.0))
    c = ad.tensor(np.array([1 + 2j]))
    np.testing.assert_array_equal(to_numpy(c.conj_physical_()), [1 - 2j])


def test_exponential_cauchy_log_normal_geometric_fills(backend):
    """Tensor.exponential_, cauchy_, log_normal_ and geometric_ were missing (AttributeError;
    torch's test_exponential, test_cauchy, ...): draws from gpuad.numpy.random, torch's checks
    of the parameters and dtypes."""
    gnp.random.seed(0)
    t = ad.tensor(np.zeros(2000)).exponential_(2.0)
    assert abs(float(to_numpy(t).mean()) - 0.5) < 0.05 and (to_numpy(t) >= 0).all()
    np.testing.assert_array_equal(to_numpy(ad.tensor(np.ones(2)).exponential_(np.inf)), 0.0)
    assert np.isinf(to_numpy(ad.tensor(np.ones(2)).cauchy_(np.inf, 0.5))).all()
    assert (to_numpy(ad.tensor(np.zeros(50)).log_normal_(0.0, 1.0)) > 0).all()
    g = to_numpy(ad.tensor(np.zeros(50, np.int64)).geometric_(0.5))
    assert g.dtype == np.int64 and g.min() >= 1
    for bad in (
        lambda: ad.tensor(np.ones(2)).exponential_(0.0),
        lambda: ad.tensor(np.ones(2)).cauchy_(0.0, 0.0),
        lambda: ad.tensor(np.ones(2)).log_normal_(1.0, 0.0),
        lambda: ad.tensor(np.ones(2)).geometric_(1.0),
    ):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(TypeError, match="floating"):
        ad.tensor(np.ones(2, np.int64)).exponential_()


def test_random_fill(backend):
    """Tensor.random_ was missing (AttributeError; torch's test_random* call it): integers from
    [from, to), [0, to) or the dtype's range, torch's bounds checks."""
    gnp.random.seed(0)
    t = to_numpy(ad.tensor(np.full(300, -1.0)).random_(1, 4))
    assert set(np.unique(t)) == {1.0, 2.0, 3.0}
    t = to_numpy(ad.tensor(np.zeros(300, np.int64)).random_(4))
    assert set(np.unique(t)) == {0, 1, 2, 3}
    t = to_numpy(ad.tensor(np.zeros(300, np.int8)).random_())
    assert t.min() >= 0 and t.max() <= 127 and t.dtype == np.int8
    assert set(np.unique(to_numpy(ad.tensor(np.zeros(300, bool)).random_()))) == {False, True}
    for bad in (
        lambda: ad.tensor(np.zeros(2)).random_(5, 5),
        lambda: ad.tensor(np.zeros(2, np.int8)).random_(0, 300),
        lambda: ad.tensor(np.zeros(2, bool)).random_(0, 3),
    ):
        with pytest.raises(ValueError):
            bad()


def test_uniform_refuses_a_reversed_range(backend):
    """t.uniform_(1, 0) drew silently from (0, 1] (NumPy's uniform swaps nothing); torch
    refuses a range with from > to. normal_ with a negative std names it."""
    with pytest.raises(ValueError, match="from"):
        ad.tensor(np.zeros(3)).uniform_(1.0, 0.0)
    np.testing.assert_array_equal(to_numpy(ad.tensor(np.zeros(3)).uniform_(2.0, 2.0)), 2.0)
    with pytest.raises(ValueError, match="std"):
        ad.tensor(np.zeros(3)).normal_(0.0, -1.0)
