"""Regressions: scipy.stats functions given a Tensor return a Tensor on the tape."""

from __future__ import annotations

import numpy as np
import scipy.stats as sst

import gpuad as ad
from gpuad.scipy import stats
from gpuad.testing import check_grads

X = np.array([0.2, 0.7, 1.4, -0.3, 2.5])


def test_uniform_logpdf_of_a_tensor_x_alone_is_a_tensor_with_zero_derivative(backend):
    # it returned a bare array: .backward() failed on it
    x = ad.tensor(X, requires_grad=True)
    for f, ref in (
        (stats.uniform.logpdf, sst.uniform.logpdf),
        (stats.uniform.pdf, sst.uniform.pdf),
    ):
        out = f(x, 0.1, 2.0)
        assert isinstance(out, ad.Tensor)
        np.testing.assert_allclose(out.numpy(), ref(X, 0.1, 2.0))
        x.grad = None
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(X))
    check_grads(lambda x: stats.uniform.logpdf(x), (X[:2],), order=2)


def test_uniform_logpdf_of_a_tensor_loc_and_a_plain_scale(backend):
    loc = ad.tensor(np.array([0.0, 0.5, 1.0, -1.0, 0.0]), requires_grad=True)
    out = stats.uniform.logpdf(X, loc, 2.0)
    assert isinstance(out, ad.Tensor)
    np.testing.assert_allclose(out.numpy(), sst.uniform.logpdf(X, loc.numpy(), 2.0))
    check_grads(lambda lo: stats.uniform.logpdf(X[:2], lo, 2.0), (loc.numpy()[:2],), order=2)


def test_uniform_logpdf_keeps_its_values_at_nan_inf_and_zero_with_a_tensor(backend):
    x = np.array([np.nan, np.inf, -np.inf, 0.5])
    got = stats.uniform.logpdf(ad.tensor(x, requires_grad=True)).numpy()
    want = stats.uniform.logpdf(x)  # the plain-array path (JAX's values: nan x inside)
    want = want.get() if hasattr(want, "get") else np.asarray(want)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


FROZEN = [("norm", ()), ("expon", ()), ("uniform", ()), ("gamma", (1.5,)), ("beta", (2.0, 3.0))]


def _summaries(rv):
    return {
        "mean": rv.mean(),
        "var": rv.var(),
        "std": rv.std(),
        "entropy": rv.entropy(),
        "moment0": rv.moment(0),
        "support": rv.support(),
        "stats": rv.stats("mvsk"),
    }


def test_frozen_summaries_with_a_tensor_parameter_are_tensors(backend):
    # norm(loc=Tensor).var() was the float 1.0 and .entropy() a float, off the tape
    loc = np.array([0.5, -1.0])
    for name, shapes in FROZEN:
        ref = _summaries(getattr(sst, name)(*shapes, loc=loc, scale=1.5))
        got = _summaries(
            getattr(stats, name)(*shapes, loc=ad.tensor(loc, requires_grad=True), scale=1.5)
        )
        for what, r in ref.items():
            g = got[what] if isinstance(got[what], tuple) else (got[what],)
            r = r if isinstance(r, tuple) else (r,)
            for gi, ri in zip(g, r, strict=True):
                assert isinstance(gi, ad.Tensor), (name, what, type(gi))
                np.testing.assert_allclose(
                    gi.numpy(), np.broadcast_to(ri, loc.shape), err_msg=f"{name}.{what}"
                )
        check_grads(
            lambda lo, n=name, s=shapes: (
                getattr(stats, n)(*s, loc=lo, scale=1.5).var()
                + getattr(stats, n)(*s, loc=lo, scale=1.5).entropy()
            ),
            (loc,),
            order=2,
        )


def test_polynomial_division_by_a_longer_tensor_divisor_gives_tensors(backend):
    # quotient 0 and remainder u (constant in the divisor) were bare arrays, off the tape
    import numpy.polynomial.chebyshev as npcheb

    import gpuad.numpy as gnp
    from gpuad.numpy.polynomial import chebyshev as cheb

    u, v = np.array([0.7, -0.2]), np.array([1.0, 2.0, 0.5])
    for got, want in (
        (gnp.polydiv(u, ad.tensor(v, requires_grad=True)), np.polydiv(u, v)),
        (cheb.chebdiv(u, ad.tensor(v, requires_grad=True)), npcheb.chebdiv(u, v)),
        (cheb.chebdiv(u, ad.tensor(v[:1], requires_grad=True)), npcheb.chebdiv(u, v[:1])),
    ):
        for g, w in zip(got, want, strict=True):
            assert isinstance(g, ad.Tensor)
            np.testing.assert_allclose(g.numpy(), w)
    check_grads(lambda v: gnp.polydiv(u, v)[0].sum() + gnp.polydiv(u, v)[1].sum(), (v,))
    check_grads(lambda v: cheb.chebdiv(u, v)[1].sum() + cheb.chebdiv(u, v * v)[0].sum(), (v[:1],))


def test_roots_of_a_constant_tensor_polynomial_is_an_empty_tensor(backend):
    # a degree-0 Tensor polynomial has no roots: they were a bare empty array, off the tape
    import gpuad.numpy as gnp
    from gpuad.numpy.polynomial import polynomial as gpoly

    for c in (np.array([2.0]), np.array([0.0]), np.array([2.0 + 1j])):
        for f, ref in (
            (gnp.roots, np.roots),
            (gpoly.polyroots, np.polynomial.polynomial.polyroots),
        ):
            if c.dtype.kind == "c" and f is gpoly.polyroots:
                continue
            got = f(ad.tensor(c, requires_grad=True))
            assert isinstance(got, ad.Tensor) and got.shape == ref(c).shape
            assert got.dtype == ref(c).dtype


def test_householder_product_with_an_empty_tensor_tau(backend):
    # no reflector, tau a Tensor: the identity's columns were a bare array; a 0-d tau (which
    # torch refuses) was read as no reflector
    import pytest

    import gpuad.linalg as glinalg

    a = np.random.default_rng(0).standard_normal((2, 3, 2))
    tau = ad.tensor(np.zeros((2, 0)), requires_grad=True)
    got = glinalg.householder_product(a, tau)
    assert isinstance(got, ad.Tensor)
    # no reflector: the first columns of the identity (torch's and LAPACK's orgqr)
    np.testing.assert_array_equal(got.numpy(), np.broadcast_to(np.eye(3)[:, :2], (2, 3, 2)))
    got.sum().backward()
    assert tau.grad.shape == (2, 0)
    with pytest.raises(ValueError, match="tau of shape"):
        glinalg.householder_product(a[0], ad.tensor(0.5, requires_grad=True))


def test_fiedler_companion_of_a_constant_tensor_polynomial_is_an_empty_tensor(backend):
    # the empty (0, 0) matrix was a bare array, off the tape
    from gpuad.scipy import linalg as gsl

    a = ad.tensor(np.array([[2.0], [3.0]]), requires_grad=True)
    got = gsl.fiedler_companion(a)
    assert isinstance(got, ad.Tensor) and got.shape == (2, 0, 0)
    assert got.dtype == gsl.fiedler_companion(a.numpy()).dtype
    got.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 1)))


def test_pad_with_nothing_to_pad_and_tensor_constant_values_is_a_tensor(backend):
    # zero widths (or a 0-d array): the result was a bare array, off the constants' tape
    import gpuad.numpy as gnp

    c = ad.tensor(0.5, requires_grad=True)
    for x, w in ((np.arange(3.0), 0), (np.float64(2.0), 1), (np.arange(3.0, dtype=np.float32), 0)):
        got = gnp.pad(x, w, constant_values=c)
        want = np.pad(x, w, constant_values=0.5)
        assert isinstance(got, ad.Tensor) and got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)
    check_grads(lambda c: gnp.pad(np.arange(3.0), 0, constant_values=c), (np.array(0.5),))


def test_ndimage_filters_with_nothing_to_filter_and_tensor_parameters_give_tensors(backend):
    # a 0-d image, no axes or every sigma 0: the Tensor cval/sigma went unused and the result
    # was a bare array, off their tape
    import scipy.ndimage as snd

    from gpuad.scipy import ndimage

    x, img = np.float64(0.3), np.arange(6.0).reshape(3, 2)
    calls = [
        lambda m, v: m.laplace(x, mode="constant", cval=v),
        lambda m, v: m.gaussian_laplace(x, v, radius=2),
        lambda m, v: m.gaussian_gradient_magnitude(x, v, radius=2),
        lambda m, v: m.gaussian_filter(img, v, radius=2, axes=()),
        lambda m, v: m.gaussian_filter(img, [0 * v, 0 * v], radius=2),
    ]
    for f in calls:
        got = f(ndimage, ad.tensor(0.5, requires_grad=True))
        want = f(snd, 0.5)
        assert isinstance(got, ad.Tensor)
        np.testing.assert_array_equal(got.numpy(), want)
        assert got.dtype == np.asarray(want).dtype
    check_grads(lambda s: ndimage.gaussian_filter(img, s, radius=2, axes=()), (np.array(0.5),))
