"""gpuad.scipy.stats: values against scipy.stats, derivatives against finite differences (first
and second order, both modes) and against HIPS autograd."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.scipy import stats
from gpuad.testing import check_grads

RNG = np.random.default_rng(5)
X = RNG.standard_normal(5)
LOC = RNG.standard_normal(5) * 0.3
SCALE = RNG.uniform(0.6, 2.0, 5)
DF = RNG.uniform(1.5, 6.0, 5)
P = RNG.uniform(0.05, 0.95, 5)
A = RNG.uniform(0.7, 3.0, 5)
B = RNG.uniform(0.7, 3.0, 5)
POSX = RNG.uniform(0.3, 4.0, 5)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


# (distribution, function, all arguments, indices of the differentiated arguments)
CASES = []
for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
    CASES.append(("norm", fn, (X, LOC, SCALE), (0, 1, 2)))
CASES += [("norm", "ppf", (P, LOC, SCALE), (0, 1, 2)), ("norm", "isf", (P, LOC, SCALE), (0, 1, 2))]
for fn in ("logpdf", "pdf"):
    CASES.append(("t", fn, (X, DF, LOC, SCALE), (0, 1, 2, 3)))
for fn in ("cdf", "logcdf", "sf", "logsf"):
    CASES.append(("t", fn, (X, DF, LOC, SCALE), (0, 2, 3)))
for fn in ("logpdf", "pdf"):
    CASES.append(("beta", fn, (P, A, B), (0, 1, 2)))
    CASES.append(("beta", fn + "_loc_scale", (P * 2 - 0.3, A, B, -0.4, 2.2), (0, 1, 2)))
    CASES.append(("gamma", fn, (POSX, A), (0, 1)))
    CASES.append(("gamma", fn + "_loc_scale", (POSX, A, -0.2, SCALE), (0, 1, 3)))
    CASES.append(("chi2", fn, (POSX, DF), (0, 1)))
for fn in ("cdf", "logcdf", "sf"):
    CASES.append(("beta", fn, (P, A, B), (0,)))
    CASES.append(("gamma", fn, (POSX, A, -0.2, SCALE), (0, 3)))
    CASES.append(("chi2", fn, (POSX, DF), (0,)))


def _fn(dist, fn):
    return getattr(getattr(stats, dist), fn.replace("_loc_scale", ""))


def _ref(dist, fn):
    return getattr(getattr(st, dist), fn.replace("_loc_scale", ""))


@pytest.mark.parametrize("dist,fn,args,diff", CASES,
                         ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_values_and_derivatives(backend, dist, fn, args, diff):
    f = _fn(dist, fn)
    missing = backend == "cupy" and cupy_lacks(
        f"gpuad.scipy.stats.{dist}.{fn.replace('_loc_scale', '')}")
    if missing:  # a special function this CuPy's cupyx.scipy.special lacks
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            f(*[dev(a) if isinstance(a, np.ndarray) else a for a in args])
        return
    got = f(*[dev(a) if isinstance(a, np.ndarray) else a for a in args])
    np.testing.assert_allclose(host(got), _ref(dist, fn)(*args), rtol=1e-10, atol=1e-300)

    def g(*vals):
        full = list(args)
        for i, v in zip(diff, vals, strict=True):
            full[i] = v
        return f(*full)

    check_grads(g, [args[i] for i in diff], order=2)


def test_outside_support_and_bad_scale(backend):
    xs = np.array([-0.2, 0.0, 0.5, 1.0, 1.3])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(host(stats.beta.logpdf(dev(xs), 2.0, 3.0)),
                                   st.beta.logpdf(xs, 2.0, 3.0))
        np.testing.assert_allclose(host(stats.beta.cdf(dev(xs), 2.0, 3.0)),
                                   st.beta.cdf(xs, 2.0, 3.0))
        np.testing.assert_allclose(host(stats.gamma.logpdf(dev(xs - 0.1), 1.0)),
                                   st.gamma.logpdf(xs - 0.1, 1.0))
        np.testing.assert_allclose(host(stats.gamma.cdf(dev(xs - 0.1), 2.0)),
                                   st.gamma.cdf(xs - 0.1, 2.0))
        assert np.isnan(host(stats.norm.logpdf(dev(xs), 0.0, -1.0))).all()
        assert np.isnan(host(stats.t.cdf(dev(xs), 3.0, 0.0, dev(np.full(5, -1.0))))).all()


def test_poisson(backend):
    k = np.array([0.0, 1.0, 4.0, 2.5, -1.0, 7.0])
    mu = np.array([0.5, 2.0, 3.0, 1.0, 1.0, 2.5])
    with np.errstate(divide="ignore"):
        for fn in ("logpmf", "pmf", "cdf", "logcdf", "sf"):
            got = getattr(stats.poisson, fn)(dev(k), dev(mu))
            np.testing.assert_allclose(host(got), getattr(st.poisson, fn)(k, mu), rtol=1e-12)
            np.testing.assert_allclose(host(getattr(stats.poisson, fn)(dev(k), dev(mu), loc=1)),
                                       getattr(st.poisson, fn)(k, mu, loc=1), rtol=1e-12)
            ok = np.array([0, 1, 2, 5])
            check_grads(lambda m, f=fn: getattr(stats.poisson, f)(k[ok], m), (mu[ok],), order=2)


@pytest.mark.parametrize("fn", ["logpmf", "pmf", "cdf", "sf"])
def test_poisson_count_is_not_differentiated(backend, fn):
    f = getattr(stats.poisson, fn)
    k = np.array([1.0, 3.0])
    with pytest.raises(ad.MissingRuleError, match="count k"):
        ad.grad(lambda v: gnp.sum(f(v, 2.0)))(k)
    with pytest.raises(ad.MissingRuleError, match="count k"):
        ad.jvp(lambda v: f(v, 2.0), (k,), (np.ones(2),))


@pytest.mark.parametrize("fn,diff", [("cdf", 1), ("logcdf", 1)])
def test_t_cdf_in_df_raises(backend, fn, diff):
    with pytest.raises(ad.MissingRuleError, match="df"):
        ad.grad(lambda d: gnp.sum(getattr(stats.t, fn)(X, d)))(DF)


def test_beta_cdf_in_shape_raises(backend):
    """JAX has no derivative of betainc in a and b either (gamma's and chi2's cdfs are
    differentiable in their shape: tests/test_scipy_stats_more.py)."""
    with pytest.raises(ad.MissingRuleError, match="with respect to a"):
        ad.grad(lambda a: gnp.sum(stats.beta.cdf(P, a, B)))(A)
    with pytest.raises(ad.MissingRuleError, match="with respect to b"):
        ad.grad(lambda b: gnp.sum(stats.beta.cdf(P, A, b)))(B)


def test_dirichlet(backend):
    alpha = np.array([1.5, 2.0, 3.5])
    x = RNG.dirichlet(alpha, size=4).T  # (K, N), as scipy
    for fn in ("logpdf", "pdf"):
        f = getattr(stats.dirichlet, fn)
        np.testing.assert_allclose(host(f(dev(x), dev(alpha))), getattr(st.dirichlet, fn)(x, alpha),
                                   rtol=1e-12)
        np.testing.assert_allclose(host(f(dev(x[:, 0]), dev(alpha))),
                                   getattr(st.dirichlet, fn)(x[:, 0], alpha), rtol=1e-12)
        np.testing.assert_allclose(host(f(dev(x[:2]), dev(alpha))),
                                   getattr(st.dirichlet, fn)(x[:2], alpha), rtol=1e-12)
        # x stays on the simplex: differentiate through a softmax
        check_grads(lambda z, a, f=f: f(sps.softmax(z, axis=0), a), (np.log(x), alpha), order=2)
    with pytest.raises(ValueError, match="sum to 1"):
        stats.dirichlet.logpdf(dev(x * 1.1), dev(alpha))
    with pytest.raises(ValueError, match="entries along its first axis"):
        stats.dirichlet.logpdf(dev(x.T), dev(alpha))


def test_dirichlet_rvs(backend):
    alpha = np.array([1.0, 2.0, 3.0])
    got = stats.dirichlet.rvs(dev(alpha), size=4, random_state=7)
    np.testing.assert_allclose(host(got), st.dirichlet.rvs(alpha, size=4, random_state=7))
    with pytest.raises(ad.MissingRuleError, match="alpha"):
        ad.grad(lambda a: gnp.sum(stats.dirichlet.rvs(a, size=2, random_state=0)))(alpha)


def _spd(d, rng):
    m = rng.standard_normal((d, d))
    return m @ m.T + d * np.eye(d)


@pytest.mark.parametrize("xshape,d", [((6, 3), 3), ((3,), 3), ((2, 4, 3), 3), ((5,), 1)])
def test_multivariate_normal(backend, xshape, d):
    rng = np.random.default_rng(d)
    x = rng.standard_normal(xshape)
    mean = rng.standard_normal(d)
    cov = _spd(d, rng)
    for fn in ("logpdf", "pdf"):
        f = getattr(stats.multivariate_normal, fn)
        got = f(dev(x), dev(mean), dev(cov))
        ref = getattr(st.multivariate_normal, fn)(x, mean, cov)
        assert host(got).shape == np.shape(ref)
        np.testing.assert_allclose(host(got), ref, rtol=1e-12)
        check_grads(lambda a, m, c, f=f: f(a, m, c), (x, mean, cov), order=2)
    np.testing.assert_allclose(host(stats.multivariate_normal.entropy(dev(mean), dev(cov))),
                               st.multivariate_normal.entropy(mean, cov), rtol=1e-12)
    check_grads(lambda c: stats.multivariate_normal.entropy(mean, c), (cov,), order=2)


def test_multivariate_normal_cov_forms(backend):
    x = RNG.standard_normal((4, 2))
    diag = np.array([0.5, 2.0])
    for mean, cov in [(None, np.eye(2)), (np.zeros(2), diag), (np.array([0.3, -0.1]), 2.5)]:
        got = stats.multivariate_normal.logpdf(dev(x), mean, dev(cov) if np.ndim(cov) else cov)
        np.testing.assert_allclose(host(got), st.multivariate_normal.logpdf(x, mean, cov),
                                   rtol=1e-12)
    check_grads(lambda a, c: stats.multivariate_normal.logpdf(a, np.zeros(2), c), (x, diag),
                order=2)
    with pytest.raises(ValueError, match="multivariate_normal"):
        stats.multivariate_normal.logpdf(dev(x), 0.2, dev(diag))  # scipy raises too
    with pytest.raises(ValueError, match="multivariate_normal"):
        stats.multivariate_normal.logpdf(dev(x), None, 1.0)  # dimension 1; scipy raises too
    with pytest.raises(ValueError, match="multivariate_normal"):
        stats.multivariate_normal.logpdf(dev(x), None, dev(diag))  # likewise
    one = RNG.standard_normal(3)
    np.testing.assert_allclose(host(stats.multivariate_normal.logpdf(dev(one), 0.5, 2.0)),
                               st.multivariate_normal.logpdf(one, 0.5, 2.0), rtol=1e-12)


def test_multivariate_normal_singular(backend):
    cov = np.zeros((4, 4))
    cov[0, 0], cov[1, 1], cov[0, 1], cov[1, 0] = 1.0, 2.0, 0.5, 0.5
    mean = np.concatenate([RNG.standard_normal(2), np.zeros(2)])
    x = np.concatenate([RNG.standard_normal((3, 2)), np.zeros((3, 2))], axis=1)
    x[2, 3] = 0.5  # off the support: -inf, as scipy
    for fn in ("logpdf", "pdf"):
        got = getattr(stats.multivariate_normal, fn)(dev(x), dev(mean), dev(cov),
                                                    allow_singular=True)
        ref = getattr(st.multivariate_normal, fn)(x, mean, cov, allow_singular=True)
        np.testing.assert_allclose(host(got), ref, rtol=1e-10)
    # in x and mean along the support, to any order; cov raises
    def on_support(u, m):
        u = gnp.concatenate([u, gnp.broadcast_to(m[2:], (2, 2))], axis=1)
        return stats.multivariate_normal.logpdf(u, m, cov, allow_singular=True)

    check_grads(on_support, (x[:2, :2], mean), order=2)
    with pytest.raises(ad.MissingRuleError, match="singular"):
        ad.grad(lambda c: gnp.sum(stats.multivariate_normal.logpdf(x[:2], mean, c,
                                                                  allow_singular=True)))(cov)
    # a nonsingular cov with allow_singular=True is differentiated as usual
    c2 = _spd(4, RNG)
    check_grads(lambda c: stats.multivariate_normal.logpdf(x, mean, c, allow_singular=True),
                (c2,), order=1)


def test_multivariate_normal_singular_matches_hips_autograd():
    import autograd
    import autograd.scipy.stats as ast

    cov = np.diag([1.0, 1.0, 0.0, 0.0])
    mean = np.concatenate([RNG.standard_normal(2), np.zeros(2)])
    x = np.concatenate([RNG.standard_normal(2), np.zeros(2)])
    ours = ad.grad(lambda u, m: stats.multivariate_normal.pdf(u, m, cov, allow_singular=True),
                   argnums=(0, 1))(x, mean)
    theirs = autograd.grad(lambda u, m: ast.multivariate_normal.pdf(u, m, cov,
                                                                     allow_singular=True),
                           argnum=(0, 1))(x, mean)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dist,fn,args,diff", [
    ("norm", "logpdf", (X, LOC, SCALE), (0, 1, 2)), ("norm", "pdf", (X, LOC, SCALE), (0, 1, 2)),
    ("norm", "cdf", (X, LOC, SCALE), (0, 1, 2)), ("norm", "logcdf", (X, LOC, SCALE), (0, 1, 2)),
    ("norm", "sf", (X, LOC, SCALE), (0, 1, 2)), ("norm", "logsf", (X, LOC, SCALE), (0, 1, 2)),
    ("t", "logpdf", (X, DF, LOC, SCALE), (0, 1, 2, 3)), ("t", "pdf", (X, DF, LOC, SCALE), (0, 1)),
    ("t", "cdf", (X, DF, LOC, SCALE), (0, 2)), ("t", "logcdf", (X, DF, LOC, SCALE), (0, 2)),
    ("beta", "logpdf", (P, A, B), (0, 1, 2)), ("beta", "pdf", (P, A, B), (0, 1, 2)),
    ("beta", "cdf", (P, A, B), (0,)), ("gamma", "logpdf", (POSX, A), (0, 1)),
    ("gamma", "pdf", (POSX, A), (0, 1)), ("gamma", "cdf", (POSX, A), (0,)),
    ("chi2", "logpdf", (POSX, np.full(5, 3.0)), (0,)), ("chi2", "cdf", (POSX, DF), (0,)),
    ("poisson", "logpmf", (np.array([0.0, 1, 2, 3, 4]), SCALE), (1,)),
    ("poisson", "cdf", (np.array([0.0, 1, 2, 3, 4]), SCALE), (1,)),
])
def test_gradients_match_hips_autograd(dist, fn, args, diff):
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.stats as ast

    ours = ad.grad(lambda *a: gnp.sum(getattr(getattr(stats, dist), fn)(*a) ** 2),
                   argnums=diff)(*args)
    theirs = autograd.grad(lambda *a: anp.sum(getattr(getattr(ast, dist), fn)(*a) ** 2),
                           argnum=diff)(*args)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-9, atol=1e-12)


def test_mvn_and_dirichlet_gradients_match_hips_autograd():
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.stats as ast

    rng = np.random.default_rng(3)
    x, mean, cov = rng.standard_normal((4, 3)), rng.standard_normal(3), _spd(3, rng)
    ours = ad.grad(lambda *a: gnp.sum(stats.multivariate_normal.logpdf(*a) ** 2),
                   argnums=(0, 1, 2))(x, mean, cov)
    theirs = autograd.grad(lambda *a: anp.sum(ast.multivariate_normal.logpdf(*a) ** 2),
                           argnum=(0, 1, 2))(x, mean, cov)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-9)
    alpha = np.array([1.5, 2.0, 3.5])
    p = rng.dirichlet(alpha)
    ours = ad.grad(lambda *a: stats.dirichlet.logpdf(*a) ** 2, argnums=(0, 1))(p, alpha)
    theirs = autograd.grad(lambda *a: ast.dirichlet.logpdf(*a) ** 2, argnum=(0, 1))(p, alpha)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-9)


@pytest.mark.parametrize("dist,fn,args,diff", [
    ("norm", "logpdf", lambda r: (r.standard_normal((4, 3)), r.standard_normal((1, 3)),
                                  r.standard_normal((4, 1)) ** 2 + 1.1), (0, 1, 2)),
    ("norm", "logcdf", lambda r: (r.standard_normal((4, 3)), r.standard_normal((1, 3)),
                                  r.standard_normal((4, 1)) ** 2 + 1.1), (0, 1, 2)),
    ("norm", "ppf", lambda r: (r.uniform(0.05, 0.95, (4, 3)), r.standard_normal((1, 3)),
                               r.standard_normal((4, 1)) ** 2 + 1.1), (0, 1, 2)),
    ("t", "pdf", lambda r: (r.standard_normal((4, 3)), r.standard_normal((1, 3)) ** 2 + 2.1,
                            r.standard_normal((4, 3)), r.standard_normal((4, 1)) ** 2 + 2.1),
     (0, 1, 2, 3)),
    ("t", "logcdf", lambda r: (r.standard_normal((4, 3)), r.standard_normal((1, 3)) ** 2 + 2.1,
                               r.standard_normal((4, 3)), r.standard_normal((4, 1)) ** 2 + 2.1),
     (0, 2, 3)),
    ("poisson", "pmf", lambda r: (np.round(r.standard_normal((4, 3)) ** 2),
                                  r.standard_normal((4, 1)) ** 2 + 1.1), (1,)),
    ("poisson", "cdf", lambda r: (np.round(r.standard_normal((4, 3)) ** 2),
                                  r.standard_normal((4, 1)) ** 2 + 1.1), (1,)),
])
def test_broadcasting(backend, dist, fn, args, diff):
    args = args(np.random.default_rng(8))
    f = getattr(getattr(stats, dist), fn)
    np.testing.assert_allclose(host(f(*[dev(a) for a in args])),
                               getattr(getattr(st, dist), fn)(*args), rtol=1e-10)

    def g(*vals):
        full = list(args)
        for i, v in zip(diff, vals, strict=True):
            full[i] = v
        return f(*full)

    check_grads(g, [args[i] for i in diff], order=2)
