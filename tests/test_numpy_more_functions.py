"""NumPy's polynomial, selection, set, histogram and NumPy 2 functions on Tensors
(gpuad/numpy/_more_poly.py, _more_select.py, _more_hist.py, _more_api.py): values and dtypes
equal NumPy's, through ``gpuad.numpy`` and through NumPy's own function called on a Tensor;
gradients against float64 central differences and a peer (JAX); compiled replays follow the
values or raise ``TracerError``; in-place writers record into Tensors; small programs that fit
polynomials and differentiate roots and histograms."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from gpuad.tree import tree_flatten

RNG = np.random.default_rng(11)
X = RNG.uniform(0.2, 0.9, (3, 4))
P = np.array([1.5, -0.7, 0.3, 2.0])
Q = np.array([0.5, 1.2])
ZP = np.array([0.0, 2.0, -3.0, 1.0, 0.0, 0.0])  # leading and trailing zero coefficients
PTS = RNG.standard_normal(12)
W = RNG.uniform(0.5, 1.5, 12)
INTS = np.array([[3, 5, 12], [7, 0, 9]])
M2 = np.array([[2.0, 1.0], [0.5, 3.0]])
C = X[0] + 1j * X[1]

CASES = {
    # NumPy 2 names
    "acos": (lambda m, a: m.acos(a), X), "asinh": (lambda m, a: m.asinh(a), X),
    "atan2": (lambda m, a: m.atan2(a, a[::-1]), X), "atanh": (lambda m, a: m.atanh(a), X),
    "pow": (lambda m, a: m.pow(a, 2.5), X),
    "concat": (lambda m, a: m.concat([a, 2 * a], axis=1), X),
    "permute_dims": (lambda m, a: m.permute_dims(a, (1, 0)), X),
    "permute_dims_none": (lambda m, a: m.permute_dims(a), X),
    "bitwise_and": (lambda m, a: m.bitwise_and(a, 6), INTS),
    "bitwise_left_shift": (lambda m, a: m.bitwise_left_shift(a, 2), INTS),
    "bitwise_invert": (lambda m, a: m.bitwise_invert(a), INTS),
    "bitwise_count": (lambda m, a: m.bitwise_count(a), INTS),
    "gcd": (lambda m, a: m.gcd(a, 6), INTS),
    "nextafter": (lambda m, a: m.nextafter(a, 2.0), X),
    "cumulative_sum": (lambda m, a: m.cumulative_sum(a, axis=1, include_initial=True), X),
    "cumulative_sum_1d": (lambda m, a: m.cumulative_sum(a[0]), X),
    "cumulative_sum_int": (lambda m, a: m.cumulative_sum(a, axis=0), INTS.astype(np.int32)),
    "cumulative_prod": (lambda m, a: m.cumulative_prod(a, axis=0, include_initial=True), X),
    "vecdot": (lambda m, a: m.vecdot(a, a[::-1]), X),
    "vecdot_axis": (lambda m, a: m.vecdot(a, a[:, :1], axis=0), X),
    "vecdot_complex": (lambda m, a: m.vecdot(a, a * 1j + 1), C),
    "matvec": (lambda m, a: m.matvec(a, a[0]), X),
    "vecmat": (lambda m, a: m.vecmat(a[:, 0], a), X),
    "vecmat_complex": (lambda m, a: m.vecmat(a[:2], m.stack([a[:3], a[1:]])), C),
    # polynomials
    "polyval": (lambda m, a: m.polyval(a, [0.5, -1.0, 2.0]), P),
    "polyval_at": (lambda m, a: m.polyval(np.array([1.0, -2.0, 3.0]), a), X),
    "polyval_int": (lambda m, a: m.polyval(a, [1, 2, 3]), P),
    "polyadd": (lambda m, a: m.polyadd(a, [1.0, 2.0]), P),
    "polyadd_short": (lambda m, a: m.polyadd(a[:2], a), P),
    "polysub": (lambda m, a: m.polysub([1.0, 2.0], a), P),
    "polymul": (lambda m, a: m.polymul(a, a[:2]), P),
    "polyder": (lambda m, a: m.polyder(a, 2), P),
    "polyder0": (lambda m, a: m.polyder(a, 0), P),
    "polyint": (lambda m, a: m.polyint(a, 2, k=[1.0, -2.0]), P),
    "polyint_scalar_k": (lambda m, a: m.polyint(a, 3, k=0.5), P),
    "polydiv": (lambda m, a: m.polydiv(a, a[:2]), P),
    "polydiv_exact": (lambda m, a: m.polydiv(m.polymul(a[:2], a[1:3]), a[:2]), P),
    "polydiv_short": (lambda m, a: m.polydiv(a[:2], a), P),
    "poly": (lambda m, a: m.poly(a), P),
    "poly_matrix": (lambda m, a: m.poly(a), M2),
    "poly_conjugates": (lambda m, a: m.poly(m.concatenate([a, m.conj(a)])), C[:2]),
    "poly_complex": (lambda m, a: m.poly(a), C[:3]),
    "roots": (lambda m, a: m.roots(a), np.array([1.0, -6.0, 11.0, -6.0])),
    "roots_complex": (lambda m, a: m.roots(a), P),
    "roots_zeros": (lambda m, a: m.roots(a), ZP),
    "roots_constant": (lambda m, a: m.roots(a[:1]), P),
    "vander": (lambda m, a: m.vander(a), P),
    "vander_n": (lambda m, a: m.vander(a, 3, increasing=True), P),
    "vander_int": (lambda m, a: m.vander(a.ravel(), 4), INTS),
    "polyfit": (lambda m, a: m.polyfit(a, np.sin(3 * a), 2), PTS),
    "polyfit_full": (lambda m, a: m.polyfit(a, np.cos(a), 3, full=True)[:2], PTS),
    "polyfit_w_cov": (lambda m, a: m.polyfit(a, a ** 3 + 0.1 * m.sin(9 * a), 2, w=W.tolist(),
                                                 cov=True),
                      PTS),
    "polyfit_unscaled": (lambda m, a: m.polyfit(a, np.cos(a), 1, cov="unscaled"), PTS),
    "polyfit_2d": (lambda m, a: m.polyfit(a, np.stack([np.sin(a), np.cos(a)], 1), 3), PTS),
    # selection
    "delete": (lambda m, a: m.delete(a, 1, axis=1), X),
    "delete_list": (lambda m, a: m.delete(a, [0, -1], axis=0), X),
    "delete_flat_slice": (lambda m, a: m.delete(a, slice(1, 9, 3)), X),
    "delete_mask": (lambda m, a: m.delete(a, np.array([True, False, True, False]), axis=1), X),
    "insert": (lambda m, a: m.insert(a, 1, a[:, 0], axis=1), X),
    "insert_scalar_flat": (lambda m, a: m.insert(a, 5, 7.0), X),
    "insert_list": (lambda m, a: m.insert(a, [0, 2, 2, -1], a[:, :4], axis=1), X),
    "insert_slice": (lambda m, a: m.insert(a, slice(0, 2), a[:1], axis=0), X),
    "insert_seq": (lambda m, a: m.insert(a, [1], a[:, :1], axis=1), X),
    "insert_end": (lambda m, a: m.insert(a, 4, [1.0, 2.0, 3.0], axis=1), X),
    "compress": (lambda m, a: m.compress([True, False, True], a, axis=0), X),
    "compress_short": (lambda m, a: m.compress([False, True], a), X),
    "extract": (lambda m, a: m.extract(np.arange(12).reshape(3, 4) % 3 == 0, a), X),
    "choose": (lambda m, a: m.choose(np.array([[0, 1, 2, 1]]), [a, 2 * a, a[:1] + 1.0]), X),
    "choose_wrap": (lambda m, a: m.choose(np.array([0, 3, -1, 1]), [a[0], a[1]], mode="wrap"),
                    X),
    "choose_clip": (lambda m, a: m.choose(np.array([0, 3, -1, 1]), [a[0], a[1]], mode="clip"),
                    X),
    "resize": (lambda m, a: m.resize(a, (2, 7)), X),
    "resize_int": (lambda m, a: m.resize(a, 5), X),
    "resize_empty": (lambda m, a: m.resize(a[:0], (2, 2)), X),
    "apply_along_axis": (lambda m, a: m.apply_along_axis(lambda r: r @ r, 1, a), X),
    "apply_along_axis_vec": (lambda m, a: m.apply_along_axis(lambda r: r[:2] * r[-1], 0, a), X),
    "apply_along_axis_mat": (lambda m, a: m.apply_along_axis(
        lambda r: m.outer(r, r[:2]), 1, a), X),
    "apply_over_axes": (lambda m, a: m.apply_over_axes(m.sum, a, [0, 1]), X),
    "apply_over_axes_neg": (lambda m, a: m.apply_over_axes(m.mean, a, -1), X),
    # sets
    "intersect1d": (lambda m, a: m.intersect1d(a, a[1:, ::-1]), X),
    "intersect1d_indices": (lambda m, a: m.intersect1d(
        m.concatenate([a[0], a[0]]), a[0, ::2], return_indices=True), X),
    "union1d": (lambda m, a: m.union1d(a[0], a[:2]), X),
    "setdiff1d": (lambda m, a: m.setdiff1d(m.concatenate([a[0], a[0]]), a[0, :2]), X),
    "setdiff1d_unique": (lambda m, a: m.setdiff1d(a, a[0, :2], assume_unique=True), X),
    "setxor1d": (lambda m, a: m.setxor1d(a[0], a[:2]), X),
    # counting
    "bincount": (lambda m, a: m.bincount(np.array([0, 1, 1, 3]), weights=a[0]), X),
    "bincount_minlength": (lambda m, a: m.bincount(np.array([2, 2, 0]), a[0, :3], 6), X),
    "histogram": (lambda m, a: m.histogram(a, bins=4), PTS),
    "histogram_weights": (lambda m, a: m.histogram(a, bins=3, weights=W), PTS),
    "histogram_density": (lambda m, a: m.histogram(a, bins=5, density=True), PTS),
    "histogram_range": (lambda m, a: m.histogram(a, bins=4, range=(-1.0, 1.0),
                                                 weights=a * 2.0, density=True), PTS),
    "histogram_edges": (lambda m, a: m.histogram(a, bins=[-2.0, -0.5, 0.0, 3.0], weights=a),
                        PTS),
    "histogram_auto": (lambda m, a: m.histogram(a, bins="auto"), PTS),
    "histogram2d": (lambda m, a: m.histogram2d(a, a[::-1] ** 2, bins=3, weights=W), PTS),
    "histogram2d_bins": (lambda m, a: m.histogram2d(a, a[::-1], bins=(2, 4), density=True),
                         PTS),
    "histogram2d_edges": (lambda m, a: m.histogram2d(a, a[::-1], bins=[[-3, 0, 3],
                                                                       [-1, 0, 1, 2]]), PTS),
    "histogramdd": (lambda m, a: m.histogramdd(m.reshape(a, (4, 3)), bins=(2, 3, 2),
                                               density=True), PTS),
    "histogramdd_seq": (lambda m, a: m.histogramdd([a, 2 * a], bins=2, weights=W,
                                                   range=[(-1, 1), (-2, 2)]), PTS),
    # index helpers
    "diag_indices_from": (lambda m, a: m.diag_indices_from(a[:, :3]), X),
    "ix_": (lambda m, a: m.ix_(np.array([0, 2]), np.array([1, 3])), X),
}

# results that are constants (backend arrays) also when computed from a Tensor
_CONSTANT = {"bitwise_and", "bitwise_left_shift", "bitwise_invert", "bitwise_count", "gcd",
             "diag_indices_from", "ix_", "roots_constant", "resize_empty",
             "cumulative_sum_int"}
_LOOSE = {"polyfit", "polyfit_full", "polyfit_w_cov", "polyfit_unscaled", "polyfit_2d", "roots",
          "roots_complex", "roots_zeros", "poly_matrix", "vecdot", "vecdot_axis",
          "vecdot_complex", "matvec", "vecmat", "vecmat_complex"}


def _same(got, want, rtol=1e-14):
    g, w = tree_flatten(got)[0], tree_flatten(want)[0]
    assert len(g) == len(w), (len(g), len(w))
    for a, b in zip(g, w, strict=True):
        a, b = to_numpy(a), np.asarray(to_numpy(b))
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        if a.dtype.kind in "fc" and rtol > 1e-14:
            np.testing.assert_allclose(np.sort_complex(a.ravel()) if a.dtype.kind == "c"
                                       else a, np.sort_complex(b.ravel()) if b.dtype.kind == "c"
                                       else b, rtol=rtol, atol=1e-12)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=0)


def _xp_tree(xp, v):
    return xp.asarray(v)


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_equal_numpy(backend, name):
    fn, x = CASES[name]
    want = fn(np, x)
    xp = ad.get_backend().xp
    rtol = 1e-9 if name in _LOOSE else 1e-14
    t = ad.tensor(xp.asarray(x), requires_grad=x.dtype.kind in "fc")
    _same(fn(gnp, t), want, rtol)
    _same(fn(gnp, xp.asarray(x)), want, rtol)
    if backend == "numpy":  # NumPy's own function on a Tensor dispatches to gpuad.numpy
        got = fn(np, ad.tensor(x, requires_grad=x.dtype.kind in "fc"))
        _same(got, want, rtol)
        if name not in _CONSTANT:
            assert any(isinstance(v, ad.Tensor) for v in tree_flatten(got)[0])


@pytest.mark.parametrize("call", [
    lambda m: m.tri(3, 4, 1), lambda m: m.tril_indices(4, -1), lambda m: m.triu_indices(3, 1, 5),
    lambda m: m.diag_indices(3, 3), lambda m: m.indices((2, 3)),
    lambda m: m.indices((2, 3), sparse=True), lambda m: m.ix_([0, 1], [True, False, True])])
def test_index_helpers_equal_numpy(backend, call):
    _same(call(gnp), call(np))


GRADS = {  # name: (function of the varied array, its value)
    "cumulative_prod": (lambda a: gnp.cumulative_prod(a, axis=1, include_initial=True), X),
    "vecdot_complex": (lambda a: gnp.vecdot(a + 1j * a[::-1], a * 1j + 1), X),
    "vecmat": (lambda a: gnp.vecmat(a[:, 1], a), X),
    "nextafter": (lambda a: gnp.nextafter(a, 2.0) * gnp.nextafter(1.0, a), X),
    "polyval": (lambda a: gnp.polyval(a[0], a[1]), X),
    "polydiv": (lambda a: gnp.polydiv(a[0], a[1, :2]), X),
    "polyint": (lambda a: gnp.polyint(a[0], 2, k=a[1, :2]), X),
    "poly": (lambda a: gnp.poly(a[0]), X),
    "roots": (lambda a: gnp.roots(gnp.concatenate([a, gnp.asarray([0.0])])), P),
    # a trailing zero coefficient is stripped by NumPy, yet moves every root
    "roots_trailing_zero": (lambda a: gnp.roots(a), np.array([1.5, -0.7, 0.3, 0.0])),
    "vander": (lambda a: gnp.vander(gnp.concatenate([a[0], gnp.asarray([0.0])]), 4), X),
    "polyfit_w_cov": (lambda a: gnp.polyfit(a[:12], a[12:24], 2, w=a[24:], cov=True),
                      np.concatenate([PTS, np.sin(PTS), W])),
    "insert_list": (lambda a: gnp.insert(a, [0, 2, 2], a[:, 1:4] ** 2, axis=1), X),
    "choose": (lambda a: gnp.choose(np.array([[0, 1, 2, 1]]), [a, a ** 2, a[:1]]), X),
    "apply_along_axis": (lambda a: gnp.apply_along_axis(lambda r: gnp.outer(r, r[:2]), 0, a), X),
    "setxor1d": (lambda a: gnp.setxor1d(a[0], a[:2] * 1.5), X),
    "histogram_density": (lambda a: gnp.histogram(a, bins=4, weights=a ** 2, density=True)[0],
                          PTS),
    "histogram_edges": (lambda a: gnp.histogram(a, bins=4)[1], PTS),
    "histogramdd_density": (lambda a: gnp.histogramdd(gnp.reshape(a, (6, 2)), bins=2,
                                                      density=True, weights=a[:6] ** 2), PTS),
    "bincount": (lambda a: gnp.bincount(np.array([0, 1, 1, 3]), weights=a ** 2), X[0]),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(backend, name):
    fn, x = GRADS[name]
    xp = ad.get_backend().xp

    def f(a):
        vals = [v for v in tree_flatten(fn(a))[0]
                if getattr(v, "dtype", None) is not None and v.dtype.kind in "fc"]
        total = 0.0
        for k, v in enumerate(vals):
            total = total + gnp.sum(gnp.real(v) * (k + 1.5) + gnp.imag(v) ** 2)
        return total

    check_grads(f, (xp.asarray(x),), order=2, modes=("rev", "fwd"))


def test_roots_at_a_repeated_zero_root_refuse_a_derivative(backend):
    # two trailing zero coefficients: a double root 0 that moves as the square root of a
    # perturbation; the values are NumPy's, a derivative is an error, never a number
    p = ad.get_backend().xp.asarray(np.array([1.0, -3.0, 2.0, 0.0, 0.0]))
    np.testing.assert_array_equal(to_numpy(gnp.roots(p)), np.roots(to_numpy(p)))
    with pytest.raises(ad.GradError, match="repeated eigenvalue"):
        ad.grad(lambda c: gnp.sum(gnp.real(gnp.roots(c))))(p)


# ---- peers ----------------------------------------------------------------------------------

def test_roots_polyfit_histogram_gradients_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    p = np.array([1.0, -6.0, 11.0, -6.5])

    def f_roots(m, c):
        r = m.sort(m.real(m.roots(c)))
        return m.sum(r * m.arange(1.0, 4.0))

    np.testing.assert_allclose(to_numpy(ad.grad(lambda c: f_roots(gnp, c))(p)),
                               np.asarray(jax.grad(lambda c: f_roots(jnp, c))(p)), rtol=1e-9)

    def f_fit(m, y):
        return m.sum(m.polyfit(PTS, y, 3) * m.arange(1.0, 5.0))

    y = np.sin(PTS)
    np.testing.assert_allclose(to_numpy(ad.grad(lambda v: f_fit(gnp, v))(y)),
                               np.asarray(jax.grad(lambda v: f_fit(jnp, v))(y)), rtol=1e-8,
                               atol=1e-10)

    def f_hist(m, w):
        h, e = m.histogram(PTS, bins=5, weights=w, density=True)
        return m.sum(h * m.arange(1.0, 6.0))

    np.testing.assert_allclose(to_numpy(ad.grad(lambda w: f_hist(gnp, w))(W)),
                               np.asarray(jax.grad(lambda w: f_hist(jnp, w))(W)), rtol=1e-12)


# ---- in-place writers -------------------------------------------------------------------------

WRITES = {
    "fill_diagonal": lambda m, a, v: m.fill_diagonal(a, v[:2]),
    "fill_diagonal_wrap": lambda m, a, v: m.fill_diagonal(a, v[0], wrap=True),
    "put": lambda m, a, v: m.put(a, [0, 5, -1, 5], v[:3]),
    "put_wrap": lambda m, a, v: m.put(a, [13, -20], v, mode="wrap"),
    "put_clip": lambda m, a, v: m.put(a, [13, -20], v[1:3], mode="clip"),
    "place": lambda m, a, v: m.place(a, np.arange(12).reshape(3, 4) % 5 == 1, v[:2]),
    "putmask": lambda m, a, v: m.putmask(a, np.arange(12).reshape(3, 4) % 3 == 0, v),
    "copyto": lambda m, a, v: m.copyto(a, v[:4], where=np.arange(4) % 2 == 0),
    "copyto_all": lambda m, a, v: m.copyto(a, v[1:5]),
}
V = np.array([10.0, 20.0, 30.0, 40.0, 50.0])


@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_are_recorded(backend, name):
    xp = ad.get_backend().xp
    want = np.arange(12.0).reshape(3, 4)
    assert WRITES[name](np, want, V) is None

    def f(a, v):
        t = a * 1.0  # (a Tensor that is not a leaf: writes into it are recorded)
        WRITES[name](gnp, t, v)
        return t

    got = f(ad.tensor(xp.asarray(np.arange(12.0).reshape(3, 4)), requires_grad=True),
            ad.tensor(xp.asarray(V), requires_grad=True))
    _same(got, want)
    check_grads(f, (xp.asarray(X * 3), xp.asarray(V)), order=2, modes=("rev", "fwd"))
    # into a NumPy array: values only, and a value being differentiated raises
    arr = xp.asarray(np.arange(12.0).reshape(3, 4))
    WRITES[name](gnp, arr, xp.asarray(V))
    _same(arr, want)
    with pytest.raises(TypeError, match="gradient"):
        WRITES[name](gnp, xp.asarray(np.zeros((3, 4))), ad.tensor(xp.asarray(V),
                                                                  requires_grad=True) * 1.0)


def test_numpy_writers_on_tensors():
    t = ad.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    v = ad.tensor(V, requires_grad=True)

    def f(t, v):
        u = t * 2.0
        np.put(u, [1, 2], v[:2])
        np.fill_diagonal(u, v[4])
        np.copyto(u[:, 0], v[:3])
        np.putmask(u, np.eye(3, 4, 1) > 0, v[3])
        return u

    u = f(t, v)
    want = np.arange(12.0).reshape(3, 4) * 2
    np.put(want, [1, 2], V[:2])
    np.fill_diagonal(want, V[4])
    want[:, 0] = V[:3]
    np.putmask(want, np.eye(3, 4, 1) > 0, V[3])
    _same(u, want)
    check_grads(f, (np.arange(12.0).reshape(3, 4), V), order=1, modes=("rev",))


@pytest.mark.parametrize("call, err, match", [
    (lambda: gnp.put(gnp.zeros(3), [5], [1.0]), IndexError, "out of bounds"),
    (lambda: gnp.place(gnp.zeros(3), [True, False], [1.0]), ValueError, "same size"),
    (lambda: gnp.place(gnp.zeros(2), [True, False], []), ValueError, "empty"),
    (lambda: gnp.fill_diagonal(gnp.zeros(3), 1.0), ValueError, "at least 2-d"),
    (lambda: gnp.put([1.0, 2.0], [0], 5.0), TypeError, "must be an array or a Tensor"),
    (lambda: gnp.copyto([1.0, 2.0], gnp.ones(2)), TypeError, "must be an array or a Tensor"),
    (lambda: gnp.copyto(gnp.zeros(3, dtype=int), gnp.ones(3)), TypeError, "same_kind"),
    (lambda: gnp.choose(np.array([0, 2]), [gnp.ones(2), gnp.ones(2)]), ValueError, "invalid"),
    (lambda: gnp.delete(gnp.ones(3), 5), IndexError, "out of bounds"),
    (lambda: gnp.insert(gnp.ones(3), 5, 1.0), IndexError, "out of bounds"),
    (lambda: gnp.polyfit(gnp.ones((2, 2)), gnp.ones(2), 1), TypeError, "1D vector"),
    (lambda: gnp.polyder(gnp.ones(3), -1), ValueError, "positive"),
    (lambda: gnp.roots(gnp.ones((2, 2))), ValueError, "rank-1"),
    (lambda: gnp.vander(gnp.ones((2, 2))), ValueError, "one-dimensional"),
    (lambda: gnp.cumulative_sum(gnp.ones((2, 2))), ValueError, "axis"),
    (lambda: gnp.vecdot(gnp.ones(3), gnp.ones(4)), ValueError, "core dimension"),
    (lambda: gnp.matvec(gnp.ones(3), gnp.ones(3)), ValueError, "enough dimensions"),
    (lambda: gnp.histogram(gnp.asarray([1.0, np.nan])), ValueError, "not finite"),
    (lambda: gnp.histogram(gnp.ones(3), weights=gnp.ones(2)), ValueError, "same shape"),
    (lambda: gnp.bincount(np.array([-1, 2])), ValueError, "negative"),
    (lambda: gnp.resize(gnp.ones(3), (-1, 2)), ValueError, "non-negative"),
    (lambda: gnp.histogramdd(gnp.ones((3, 2)), bins=(2, 2, 2)), ValueError, "dimension of bins"),
])
def test_bad_input_raises(backend, call, err, match):
    with pytest.raises(err, match=match):
        call()


# ---- under gpuad.jit --------------------------------------------------------------------------

JIT_REPLAYS = {
    "polyval": lambda a: gnp.polyval(a[:3], a),
    "polyfit": lambda a: gnp.polyfit(gnp.asarray(PTS[:6]), a, 2),
    "polyint_der": lambda a: gnp.polyder(gnp.polyint(gnp.polymul(a, a[:2]), k=a[0]), 2),
    "polyadd": lambda a: gnp.polysub(gnp.polyadd(a, a[:2]), a[::-1]),
    "vander": lambda a: gnp.vander(a, 4),
    "cumulative_sum": lambda a: gnp.cumulative_sum(a, include_initial=True),
    "vecdot": lambda a: gnp.matvec(gnp.reshape(a, (2, 3)), a[:3]) + gnp.vecdot(a[:2], a[2:4]),
    "histogram": lambda a: gnp.histogram(a, bins=3, weights=a ** 2, density=True),
    "histogram2d": lambda a: gnp.histogram2d(a, a[::-1], bins=2, density=True),
    "delete_insert": lambda a: gnp.insert(gnp.delete(a, [0, 3]), [1, 1], a[:2] * 2),
    "resize_choose": lambda a: gnp.choose(np.array([0, 1, 1, 0, 2, 7]),
                                          [a, gnp.resize(a, 6) * 2, a[:1]], mode="wrap"),
    "putmask": lambda a: _putmask(a),
    "nextafter": lambda a: gnp.nextafter(a, 0.0),
    "apply_along_axis": lambda a: gnp.apply_along_axis(lambda r: gnp.sum(r ** 2), 1,
                                                       gnp.reshape(a, (3, 2))),
}


def _putmask(a):
    t = a * 1.0
    gnp.putmask(t, a > 0, a[:2] * 3.0)
    return t


@pytest.mark.parametrize("name", sorted(JIT_REPLAYS))
def test_compiled_replay_follows_the_values(backend, name):
    xp = ad.get_backend().xp
    f = JIT_REPLAYS[name]

    def loss(a):
        return gnp.sum(gnp.stack([gnp.sum(v) for v in tree_flatten(f(a))[0]
                                  if getattr(v, "dtype", np.dtype(int)).kind == "f"]) ** 2)

    jf, jg = ad.jit(f), ad.jit(ad.grad(loss))
    rng = np.random.default_rng(2)
    for k in range(3):
        a = xp.asarray(rng.standard_normal(6) * (k + 1))
        _same(jf(a), f(a), rtol=1e-12)
        np.testing.assert_allclose(to_numpy(jg(a)), to_numpy(ad.grad(loss)(a)), rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda a: gnp.roots(a), lambda a: gnp.polydiv(a, a[:2]),
    lambda a: gnp.poly(a + 1j * a[::-1]), lambda a: gnp.intersect1d(a, a[:2]),
    lambda a: gnp.union1d(a, a), lambda a: gnp.setdiff1d(a, a[:1]),
    lambda a: gnp.setxor1d(a, a[:1]), lambda a: gnp.extract(a > 0, a),
    lambda a: gnp.compress(a > 0, a), lambda a: gnp.bincount(gnp.astype(a > 0, int)),
    lambda a: gnp.histogram(a, bins="auto"), lambda a: gnp.place(a * 1.0, a > 0, [1.0])])
def test_compiled_value_dependent_layouts_raise(backend, call):
    from gpuad.jit import TracerError

    xp = ad.get_backend().xp
    with pytest.raises(TracerError, match="traced"):
        ad.jit(call)(xp.asarray(np.array([0.5, 1.0, -1.0, 2.0])))


# ---- small programs ---------------------------------------------------------------------------

def test_fit_cubic_to_sine_by_gradient_descent(backend):
    """A cubic fitted to sin(x) by gradient descent on polyval (the classic warm-up program of
    the autodiff tutorials), written with NumPy's own functions on Tensors: the gradient is the
    normal equations' residual, the descent converges to numpy.polyfit's answer."""
    xs = np.linspace(-1.0, 1.0, 40)
    ys = np.sin(2.0 * xs)
    V = np.vander(xs, 4)
    if backend != "numpy":
        xp = ad.get_backend().xp
        xs_b, ys_b = xp.asarray(xs), xp.asarray(ys)
    else:
        xs_b, ys_b = xs, ys

    def loss(p):
        m = np if backend == "numpy" else gnp
        return m.sum((m.polyval(p, xs_b) - ys_b) ** 2)

    p = ad.get_backend().xp.zeros(4)
    g0 = ad.grad(loss)(p)
    np.testing.assert_allclose(to_numpy(g0), 2 * V.T @ (V @ np.zeros(4) - ys), atol=1e-12)
    # Newton steps with the (constant) Hessian 2 V^T V: one step solves the quadratic problem
    H = 2 * V.T @ V
    for _ in range(2):
        p = p - ad.get_backend().xp.asarray(np.linalg.solve(H, to_numpy(ad.grad(loss)(p))))
    np.testing.assert_allclose(to_numpy(p), np.polyfit(xs, ys, 3), rtol=1e-8, atol=1e-10)
    assert float(loss(p)) <= float(loss(p * 1.001))


def test_root_sensitivity_is_the_implicit_derivative(backend):
    """d root / d coefficient_k = -root^(n-k) / p'(root): differentiating numpy.roots on a
    Tensor agrees with the implicit function theorem."""
    p = np.array([2.0, -3.0, -11.0, 6.0])
    r = np.sort(np.roots(p).real)
    n = len(p) - 1
    dp = np.polyder(p)
    for j in range(n):
        g = ad.grad(lambda c, j=j: np.sort(np.real(np.roots(c)))[j])(ad.tensor(p))
        want = np.array([-r[j] ** (n - k) / np.polyval(dp, r[j]) for k in range(n + 1)])
        np.testing.assert_allclose(to_numpy(g), want, rtol=1e-9)


def test_mean_root_modulus_of_complex_polynomials(backend):
    """The mean modulus of a complex polynomial's roots, differentiated in its coefficients
    (a check found in root-solver test suites, there with jax.test_util.check_grads)."""
    rng = np.random.default_rng(4)
    xp = ad.get_backend().xp
    c = xp.asarray(rng.uniform(-1, 1, 6) + 1j * rng.uniform(-1, 1, 6))

    def mean_abs_roots(c):
        # check_grads also calls it on raw arrays, where numpy.roots is the array library's
        # own (CuPy's refuses companion matrices that are not symmetric): give it a Tensor
        return gnp.mean(gnp.abs(np.roots(c if isinstance(c, ad.Tensor) else ad.tensor(c))))

    assert float(mean_abs_roots(ad.tensor(c))) == pytest.approx(
        np.mean(np.abs(np.roots(to_numpy(c)))), rel=1e-12)
    check_grads(mean_abs_roots, (c,), order=1, modes=("rev", "fwd"))


def test_weighted_histogram_mean_and_fitted_trend(backend):
    """A program mixing the new functions: the per-bin mean of weighted samples (histogram of
    weights over histogram of counts), a line fitted through the bin centres, and the
    derivative of its slope with respect to the weights, against a finite difference."""
    xp = ad.get_backend().xp
    xs = xp.asarray(np.linspace(0.05, 0.95, 30))

    def slope(w):
        s, edges = gnp.histogram(xs, bins=5, range=(0.0, 1.0), weights=w)
        n, _ = gnp.histogram(xs, bins=5, range=(0.0, 1.0))
        centres = (edges[1:] + edges[:-1]) / 2
        return gnp.polyfit(centres, s / n, 1)[0]

    w = xp.asarray(np.linspace(0.0, 3.0, 30) ** 2)
    s, edges = np.histogram(to_numpy(xs), 5, (0, 1), weights=to_numpy(w))
    n = np.histogram(to_numpy(xs), 5, (0, 1))[0]
    assert float(slope(w)) == pytest.approx(np.polyfit((edges[1:] + edges[:-1]) / 2, s / n, 1)[0],
                                            rel=1e-10)
    check_grads(slope, (w,), order=2, modes=("rev", "fwd"))
