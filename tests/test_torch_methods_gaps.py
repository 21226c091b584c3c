"""More of torch's Tensor methods (gpuad/_torch_statistics.py, _torch_scatters.py,
_torch_more_shapes.py, _torch_numeric.py, _torch_linalg_methods.py) against NumPy references
written from torch's documented rules, gradients against float64 central differences.
tests/conformance/test_torch_opinfo.py runs torch's own samples of the same methods.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a)), requires_grad=grad)


def _check_grad(fn, x, eps=1e-6):
    """The gradient of ``sum(fn(t) * c)`` for a fixed random ``c`` equals central differences."""
    x = np.asarray(x, dtype=np.float64)
    c = np.random.default_rng(1).standard_normal(np.shape(to_numpy(fn(_t(x)))))

    def loss(t):
        return gnp.sum(fn(t) * _t(c))

    t = _t(x, grad=True)
    loss(t).backward()
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        with ad.no_grad():
            num[i] = (float(to_numpy(loss(_t(x + d)))) - float(to_numpy(loss(_t(x - d))))) / (
                2 * eps)
    np.testing.assert_allclose(to_numpy(t.grad), num, rtol=1e-6, atol=1e-8)


def test_quantile_mode_msort_values_and_gradients(backend):
    x = _t(X)
    np.testing.assert_allclose(to_numpy(x.quantile(0.3, dim=1)), np.quantile(X, 0.3, axis=1))
    np.testing.assert_allclose(to_numpy(x.quantile([0.2, 0.9], dim=0, keepdim=True)),
                               np.quantile(X, [0.2, 0.9], axis=0, keepdims=True))
    _check_grad(lambda t: t.quantile(0.3, dim=1), X)
    with pytest.raises(NotImplementedError, match="q"):
        x.quantile(_t(np.array([0.5]), grad=True))
    m = np.array([[1.0, 3, 3, 1, 2], [5, 5, 4, 4, 4]])
    v, i = _t(m).mode(dim=1)
    np.testing.assert_array_equal(to_numpy(v), [1.0, 4.0])  # ties: the smallest value
    np.testing.assert_array_equal(to_numpy(i), [3, 4])  # its last occurrence
    _check_grad(lambda t: t.mode(0)[0], m)
    np.testing.assert_array_equal(to_numpy(x.msort()), np.sort(X, axis=0))
    _check_grad(lambda t: t.msort(), X)


def test_counting_methods_are_numpys(backend):
    a = np.array([0.2, 0.5, 0.5, 1.7, 3.0, -1.0])
    np.testing.assert_array_equal(to_numpy(_t(a).histc(bins=4, min=0, max=2)), [1, 2, 0, 1])
    labels = np.array([1, 3, 3, 0])
    np.testing.assert_array_equal(to_numpy(_t(labels).bincount(minlength=5)),
                                  np.bincount(labels, minlength=5))
    u = np.array([[2, 1], [2, 1], [0, 3], [2, 1]])
    vals, inv, cnt = _t(u).unique(return_inverse=True, return_counts=True, dim=0)
    np.testing.assert_array_equal(to_numpy(vals), [[0, 3], [2, 1]])
    np.testing.assert_array_equal(to_numpy(inv), [1, 1, 0, 1])
    np.testing.assert_array_equal(to_numpy(cnt), [1, 3])
    vals, inv, cnt = _t(u).unique_consecutive(return_inverse=True, return_counts=True, dim=0)
    np.testing.assert_array_equal(to_numpy(vals), [[2, 1], [0, 3], [2, 1]])
    np.testing.assert_array_equal(to_numpy(inv), [0, 0, 1, 2])
    np.testing.assert_array_equal(to_numpy(cnt), [2, 1, 1])
    np.testing.assert_array_equal(to_numpy(_t(u[:, 0]).argwhere()), np.argwhere(u[:, 0]))


def test_scatters_write_and_differentiate_both_inputs(backend):
    src = RNG.standard_normal(4)
    y = to_numpy(_t(X).select_scatter(_t(src), 0, -1))
    ref = X.copy()
    ref[-1] = src
    np.testing.assert_array_equal(y, ref)
    _check_grad(lambda t: t.select_scatter(_t(src), 0, 1), X)
    _check_grad(lambda s: _t(X).slice_scatter(s, dim=1, start=0, end=4, step=2), X[:, :2])
    _check_grad(lambda s: _t(X).diagonal_scatter(s, 1), X[0, :3])
    d = to_numpy(_t(X[:, :2]).diag_embed(offset=1))
    np.testing.assert_array_equal(d[1], np.diag(X[1, :2], 1))
    _check_grad(lambda t: t.diag_embed(dim1=0, dim2=2), X[:2])


def test_index_put_masked_scatter_put(backend):
    rows = _t(np.array([0, 2, 0]))
    acc = to_numpy(_t(X).index_put((rows,), _t(np.ones(4)), accumulate=True))
    ref = X.copy()
    np.add.at(ref, [0, 2, 0], 1.0)
    np.testing.assert_allclose(acc, ref)
    _check_grad(lambda v: _t(X).index_put((rows, _t(np.array([1, 1, 3]))), v, True), X[0, :3])
    mask = X > 0
    src = RNG.standard_normal(12)
    out = to_numpy(_t(X).masked_scatter(_t(mask), _t(src)))
    ref = X.copy()
    ref[mask] = src[:mask.sum()]
    np.testing.assert_array_equal(out, ref)
    _check_grad(lambda s: _t(X).masked_scatter(_t(mask), s), src)
    with pytest.raises(ValueError, match="selects"):
        _t(X).masked_scatter(_t(mask), _t(src[:1]))
    p = to_numpy(_t(X).put(_t(np.array([-1, 0])), _t(np.array([7.0, 8.0]))))
    assert p[-1, -1] == 7.0 and p[0, 0] == 8.0
    x = _t(X.copy())
    v0 = x._version
    x.index_put_((rows,), _t(np.zeros(4)))
    assert x._version > v0 and not to_numpy(x)[[0, 2]].any()


def test_shape_methods(backend):
    x = _t(X)
    a, b = x.split_with_sizes([1, 3], dim=1)
    assert a.shape == (3, 1) and b.shape == (3, 3)
    np.testing.assert_allclose(to_numpy(x.sum_to_size(1, 4)), X.sum(0, keepdims=True))
    assert x.broadcast_to(2, -1, 4).shape == (2, 3, 4)
    assert [t.shape for t in x.hsplit(2)] == [(3, 2), (3, 2)]
    with pytest.raises(ValueError, match="equal parts"):
        x.vsplit(2)
    z = _t(X + 1j * X[::-1])
    np.testing.assert_array_equal(to_numpy(z.mH), (X + 1j * X[::-1]).conj().T)
    _check_grad(lambda t: t.renorm(2, 0, 1.0), X)
    n = np.linalg.norm(to_numpy(x.renorm(1, 1, 0.5)), ord=1, axis=0)
    assert (n <= 0.5 + 1e-6).all()
    _check_grad(lambda t: t.kron(_t(X[:2, :2])), X[:2])


def test_numeric_methods(backend):
    x = _t(X * 10)
    m, e = x.frexp()
    np.testing.assert_array_equal(to_numpy(m) * 2.0 ** to_numpy(e), X * 10)
    _check_grad(lambda t: t.frexp()[0], X * 10)
    _check_grad(lambda t: _t(X).ldexp(t), X)  # differentiable in the exponent too
    i, j = _t(np.array([12, 18, 7])), _t(np.array([8, 27, 3]))
    np.testing.assert_array_equal(to_numpy(i.gcd(j)), [4, 9, 1])
    np.testing.assert_array_equal(to_numpy(i.lcm(j)), [24, 54, 21])
    np.testing.assert_array_equal(to_numpy(i.bitwise_xor(j)), [4, 9, 4])
    with pytest.raises(TypeError, match="integer"):
        x.gcd(x)
    _check_grad(lambda t: t.mvlgamma(2), np.abs(X) + 1)
    _check_grad(lambda t: t.polygamma(1), np.abs(X) + 0.5)


def test_linalg_methods(backend):
    A = RNG.standard_normal((3, 3))
    spd = A @ A.T + 3 * np.eye(3)
    L = np.linalg.cholesky(spd)
    B = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(to_numpy(_t(B).cholesky_solve(_t(L))), np.linalg.solve(spd, B))
    np.testing.assert_allclose(to_numpy(_t(L.T).cholesky_solve(_t(L.T), upper=True)),
                               np.linalg.solve(spd, L.T))
    np.testing.assert_allclose(to_numpy(_t(L).cholesky_inverse()), np.linalg.inv(spd))
    _check_grad(lambda b: b.cholesky_solve(_t(L)), B[:, :1])
    _check_grad(lambda lo: _t(B).cholesky_solve(lo), L)
    U = np.triu(A) + 3 * np.eye(3)
    x, coef = _t(B).triangular_solve(_t(U))
    np.testing.assert_allclose(to_numpy(x), np.linalg.solve(U, B))
    x, _ = _t(B).triangular_solve(_t(U), transpose=True)
    np.testing.assert_allclose(to_numpy(x), np.linalg.solve(U.T, B))
    LU, piv = _t(spd).lu()
    np.testing.assert_allclose(to_numpy(_t(B).lu_solve(LU, piv)), np.linalg.solve(spd, B))
    _check_grad(lambda a: a.matrix_exp(), A[:2, :2] / 3)


def test_cov_is_differentiable_in_aweights(backend):
    w = np.abs(X[0]) + 0.1
    np.testing.assert_allclose(to_numpy(_t(X).cov(correction=0, aweights=_t(w, grad=True))),
                               np.cov(X, ddof=0, aweights=w))
    _check_grad(lambda a: gnp.cov(_t(X), aweights=a, fweights=np.array([1, 2, 1, 3])), w)


def test_index_reduce_nonzero_static_svd_lu_factor_ex(backend):
    import gpuad.linalg as LA

    x = _t(np.zeros((3, 2)))
    src = np.array([[1.0, 5], [4, 2], [3, 3]])
    r = to_numpy(x.index_reduce(0, _t(np.array([0, 2, 0])), _t(src), "amax",
                                include_self=False))
    np.testing.assert_array_equal(r, [[3, 5], [0, 0], [4, 2]])  # row 1: self kept
    _check_grad(lambda s: x.index_reduce(0, _t(np.array([0, 2, 0])), s, "prod"), src)
    nz = to_numpy(_t(np.array([0.0, 2, 0, 3])).nonzero_static(size=3))
    np.testing.assert_array_equal(nz, [[1], [3], [-1]])
    A = RNG.standard_normal((4, 3))
    U, S, V = _t(A).svd()
    np.testing.assert_allclose(to_numpy(U) * to_numpy(S) @ to_numpy(V).T, A, atol=1e-12)
    sq = RNG.standard_normal((3, 3))
    P, L_, U_ = LA.lu_unpack(*LA.lu_factor(_t(sq)))
    np.testing.assert_allclose(to_numpy(P) @ to_numpy(L_) @ to_numpy(U_), sq, atol=1e-12)
    _check_grad(lambda lu: LA.lu_unpack(lu, _t(np.array([3, 2, 3], np.int32)))[1], sq)
    sing = np.array([[1.0, 2], [2, 4]])
    LU, piv, info = LA.lu_factor_ex(_t(sing))
    assert int(to_numpy(info)) == 2
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        LA.lu_factor_ex(_t(sing), check_errors=True)


def test_raw_value_methods_under_jit_and_vmap(backend):
    """Counts and indices computed on raw values are recomputed on every call of a compiled
    function (or refused there when their shape depends on the values), and refused by vmap."""
    a, b = _t(X), _t(X[::-1] * 2)
    for f in (lambda t: t.histc(bins=3), lambda t: t.mode(dim=1)[1],
              lambda t: t.masked_scatter(t > 0, t * 10),
              lambda t: (t > 0).nonzero_static(size=5)):
        g = ad.jit(f)
        g(a)
        np.testing.assert_array_equal(to_numpy(g(b)), to_numpy(f(b)))
    with pytest.raises(ad.jit.TracerError, match="unique"):
        ad.jit(lambda t: t.unique())(a)
    with pytest.raises(NotImplementedError, match="vmap"):
        ad.vmap(lambda t: t.histc(bins=3))(a)
    g = ad.jit(lambda t, s: t.masked_scatter(t > 0, s))
    g(a, _t(np.ones(12)))
    with pytest.raises(ValueError, match="more entries"):
        g(a, _t(np.ones(1)))


def test_cumulative_trapezoid(backend):
    from gpuad.scipy.integrate import cumulative_trapezoid

    x = np.cumsum(RNG.uniform(0.1, 1.0, 4))
    r = to_numpy(cumulative_trapezoid(_t(X), _t(x[:4]), axis=1, initial=0))
    ref = np.concatenate([np.zeros((3, 1)), np.cumsum(np.diff(x) * (X[:, 1:] + X[:, :-1]) / 2,
                                                      axis=1)], axis=1)
    np.testing.assert_allclose(r, ref)
    _check_grad(lambda t: cumulative_trapezoid(_t(X), t, axis=1), x)
