"""torch.distributions' transforms, constraints, biject_to/transform_to, the transformed
distributions and the KL table in gpuad.distributions (missing before: AttributeError), checked
against hand-derived values, numerical integration and central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy
from scipy import integrate, special, stats

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp
from gpuad.distributions import constraints as C
from gpuad.distributions import transforms as T
from gpuad.testing import check_grads


def _xp(a):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=float))


def _fd_jacobian(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    y0 = to_numpy(f(_xp(x)))
    jac = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        jac[(...,) + idx] = (to_numpy(f(_xp(x + d))) - to_numpy(f(_xp(x - d)))) / (2 * eps)
    return jac


# ---- log|det J| of each new transform against the central-difference Jacobian


def test_stick_breaking_log_det_and_simplex(backend):
    t = T.StickBreakingTransform()
    x = np.array([0.3, -1.2, 0.8])
    y = to_numpy(t(_xp(x)))
    assert y.shape == (4,) and abs(y.sum() - 1) < 1e-14 and np.all(y > 0)
    np.testing.assert_allclose(to_numpy(t(_xp(np.zeros(3)))), [0.25] * 4, rtol=1e-14)
    jac = _fd_jacobian(t, x)[:-1]  # the first K - 1 coordinates parameterise the simplex
    np.testing.assert_allclose(float(t.log_abs_det_jacobian(_xp(x), t(_xp(x)))),
                               np.linalg.slogdet(jac)[1], rtol=1e-8)
    np.testing.assert_allclose(to_numpy(t.inv(_xp(y))), x, rtol=1e-12)
    check_grads(lambda x: t.log_abs_det_jacobian(x, t(x)), (_xp(x),), order=1, modes=("rev",))


def test_corr_cholesky_log_det_and_rows(backend):
    t = T.CorrCholeskyTransform()
    x = np.array([0.3, -1.2, 0.8, 0.1, -0.4, 0.9])
    y = to_numpy(t(_xp(x)))
    assert y.shape == (4, 4)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), 1.0, rtol=1e-14)
    assert np.allclose(np.triu(y, 1), 0) and np.all(np.diag(y) > 0)
    assert bool(C.corr_cholesky.check(y))
    r, c = np.tril_indices(4, -1)
    jac = _fd_jacobian(lambda v: t(v)[r, c], x)
    np.testing.assert_allclose(float(t.log_abs_det_jacobian(_xp(x), t(_xp(x)))),
                               np.linalg.slogdet(jac)[1], rtol=1e-7)
    np.testing.assert_allclose(to_numpy(t.inv(_xp(y))), x, rtol=1e-10)
    check_grads(lambda x: t(x), (_xp(x),), order=1, modes=("rev",))


@pytest.mark.parametrize("name", ["softplus", "power", "power_neg", "cdf", "sigmoid"])
def test_elementwise_log_det(backend, name):
    t = {"softplus": T.SoftplusTransform(), "power": T.PowerTransform(2.5),
         "power_neg": T.PowerTransform(_xp(-0.7)), "sigmoid": T.SigmoidTransform(),
         "cdf": T.CumulativeDistributionTransform(D.Normal(_xp(0.3), _xp(1.7)))}[name]
    x = np.array([0.4, 1.3, 2.2])
    dydx = np.diagonal(_fd_jacobian(t, x))
    np.testing.assert_allclose(to_numpy(t.log_abs_det_jacobian(_xp(x), t(_xp(x)))),
                               np.log(np.abs(dydx)), rtol=1e-8)
    np.testing.assert_allclose(to_numpy(t.inv(t(_xp(x)))), x, rtol=1e-10)
    check_grads(lambda x: t.log_abs_det_jacobian(x, t(x)), (_xp(x),), order=1, modes=("rev",))


def test_sigmoid_transform_clips_as_torch(backend):
    """sigmoid(40) rounds to 1 in float64: the inverse was inf; torch clips y to
    [tiny, 1 - eps] so inv(t(x)) stays finite (logit(1 - eps) = log((1 - eps) / eps))."""
    t = T.SigmoidTransform()
    eps = np.finfo(np.float64).eps
    assert float(t(_xp(40.0))) == 1 - eps
    np.testing.assert_allclose(float(t.inv(_xp(1.0))), math.log((1 - eps) / eps), rtol=1e-14)
    assert np.isfinite(float(t.inv(_xp(0.0))))


def test_cat_and_stack_blocks(backend):
    x = np.array([[0.3, -1.0, 0.5], [1.2, 0.1, -0.4]])
    cat = T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, -2.0)], dim=-1,
                         lengths=[1, 2])
    want = np.concatenate([np.exp(x[:, :1]), 1 - 2 * x[:, 1:]], -1)
    np.testing.assert_allclose(to_numpy(cat(_xp(x))), want, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(cat.log_abs_det_jacobian(_xp(x), cat(_xp(x)))),
                               np.concatenate([x[:, :1], np.full((2, 2), math.log(2))], -1),
                               rtol=1e-14)
    st = T.StackTransform([T.ExpTransform(), T.TanhTransform()], dim=0)
    np.testing.assert_allclose(to_numpy(st(_xp(x))), [np.exp(x[0]), np.tanh(x[1])], rtol=1e-14)
    np.testing.assert_allclose(to_numpy(st.inv(st(_xp(x)))), x, rtol=1e-12)
    with pytest.raises(ValueError, match="StackTransform"):
        T.StackTransform([T.ExpTransform()] * 3, dim=0)(_xp(x))


def test_transformed_cdf_icdf_decreasing(backend):
    """y = 1 - 2x with x ~ N(m, s): P(Y <= y) = 1 - Phi((1 - y) / 2)."""
    m, s = 0.3, 1.4
    d = D.TransformedDistribution(D.Normal(_xp(m), _xp(s)), [T.AffineTransform(1.0, -2.0)])
    y = np.array([-1.0, 0.5, 2.0])
    want = 1 - stats.norm.cdf((1 - y) / 2, m, s)
    np.testing.assert_allclose(to_numpy(d.cdf(_xp(y))), want, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(d.icdf(_xp(want))), y, rtol=1e-10)


def test_positive_definite_check_non_square(backend):
    """A (2, 3) matrix is not positive definite: the check broadcast a (2, 3) against its
    (3, 2) transpose and raised instead of answering False (torch answers False)."""
    assert not bool(C.positive_definite.check(np.ones((2, 3))))
    assert bool(C.positive_definite.check(np.eye(3)))


# ---- biject_to / transform_to


@pytest.mark.parametrize("c", [C.real, C.positive, C.nonnegative, C.greater_than(1.5),
                               C.less_than(-0.5), C.unit_interval, C.interval(-2.0, 3.0),
                               C.half_open_interval(0.0, 2.0), C.simplex, C.real_vector,
                               C.corr_cholesky, C.independent(C.positive, 1),
                               C.cat([C.positive, C.real], dim=-1, lengths=[2, 1]),
                               C.stack([C.unit_interval, C.positive, C.real], dim=-1)],
                         ids=repr)
def test_biject_to_lands_in_the_constraint(backend, c):
    t = D.biject_to(c)
    assert t.bijective
    x = np.random.default_rng(0).standard_normal((2, 3))
    y = t(_xp(x))
    assert np.all(to_numpy(c.check(y)))
    np.testing.assert_allclose(to_numpy(t.inv(y)), x, rtol=1e-9, atol=1e-12)


def test_transform_to_non_bijective(backend):
    x = np.random.default_rng(0).standard_normal((3, 3))
    assert np.all(to_numpy(C.simplex.check(D.transform_to(C.simplex)(_xp(x)))))
    assert bool(C.lower_cholesky.check(D.transform_to(C.lower_cholesky)(_xp(x))))
    pd = D.transform_to(C.positive_definite)(_xp(x))
    assert bool(C.positive_definite.check(pd))
    with pytest.raises(NotImplementedError, match="_Boolean|Boolean"):
        D.biject_to(C.boolean)


# ---- the transformed distributions: densities, moments, rsample gradients


DISTS = {
    "HalfNormal": (lambda p: D.HalfNormal(p[0]), [1.3],
                   lambda x, s: np.sqrt(2 / np.pi) / s * np.exp(-x**2 / (2 * s**2)), (0, np.inf)),
    "HalfCauchy": (lambda p: D.HalfCauchy(p[0]), [1.3],
                   lambda x, s: 2 / (np.pi * s * (1 + (x / s) ** 2)), (0, np.inf)),
    "Weibull": (lambda p: D.Weibull(p[0], p[1]), [1.3, 1.7],
                lambda x, lam, k: k / lam * (x / lam) ** (k - 1) * np.exp(-((x / lam) ** k)),
                (0, np.inf)),
    "Pareto": (lambda p: D.Pareto(p[0], p[1]), [0.8, 3.5],
               lambda x, s, a: a * s**a / x ** (a + 1), (0.8, np.inf)),
    "Kumaraswamy": (lambda p: D.Kumaraswamy(p[0], p[1]), [1.5, 2.5],
                    lambda x, a, b: a * b * x ** (a - 1) * (1 - x**a) ** (b - 1), (0, 1)),
}


@pytest.mark.parametrize("name", list(DISTS))
def test_transformed_distribution_density_and_moments(backend, name):
    make, params, pdf, (lo, hi) = DISTS[name]
    d = make([_xp(p) for p in params])
    xs = np.array([0.3, 0.7]) if hi == 1 else np.array([0.9, 2.5])
    np.testing.assert_allclose(to_numpy(d.log_prob(_xp(xs))), np.log(pdf(xs, *params)),
                               rtol=1e-12)
    cdf = [integrate.quad(pdf, lo, x, args=tuple(params))[0] for x in xs]
    np.testing.assert_allclose(to_numpy(d.cdf(_xp(xs))), cdf, rtol=1e-8)
    np.testing.assert_allclose(to_numpy(d.icdf(_xp(cdf))), xs, rtol=1e-8)
    def h(x):
        px = pdf(x, *params)
        return 0.0 if px == 0 else -px * math.log(px)

    ent = integrate.quad(h, lo, hi)[0]
    np.testing.assert_allclose(float(d.entropy()), ent, rtol=1e-7)
    if name != "HalfCauchy":
        m = integrate.quad(lambda x: x * pdf(x, *params), lo, hi)[0]
        m2 = integrate.quad(lambda x: x * x * pdf(x, *params), lo, hi)[0]
        np.testing.assert_allclose(float(d.mean), m, rtol=1e-7)
        np.testing.assert_allclose(float(d.variance), m2 - m * m, rtol=1e-7)
    else:
        assert float(d.mean) == np.inf


@pytest.mark.parametrize("name", list(DISTS))
def test_transformed_rsample_gradient_central_differences(backend, name):
    make, params, *_ = DISTS[name]

    def draw(*p):
        gnp.random.seed(3)
        return make(p).rsample((4,))

    check_grads(draw, tuple(_xp(p) for p in params), order=1, modes=("rev",), rtol=1e-5)


def test_logistic_normal_density(backend):
    """The stick-breaking density: Normal log density of the stick logits minus log|det J|,
    by hand: x_i = logit(y_i / (1 - sum_{j<i} y_j)) + log(K - i)."""
    loc, scale = np.array([0.3, -0.4]), np.array([0.7, 1.3])
    d = D.LogisticNormal(_xp(loc), _xp(scale))
    assert d.batch_shape == () and d.event_shape == (3,)
    y = np.array([0.2, 0.5, 0.3])
    rest = 1 - np.concatenate([[0.0], np.cumsum(y[:-1])])
    z = y[:-1] / rest[:-1]
    x = special.logit(z) + np.log([2.0, 1.0])
    # dy_i/dx_i = z_i (1 - z_i) * rest_i (a triangular Jacobian)
    logdet = np.sum(np.log(z * (1 - z) * rest[:-1]))
    want = stats.norm.logpdf(x, loc, scale).sum() - logdet
    np.testing.assert_allclose(float(d.log_prob(_xp(y))), want, rtol=1e-12)


# ---- KL divergences of the new pairs, by quadrature and central differences


def _quad_kl(p_logpdf, q_logpdf, lo, hi):
    def f(x):
        lp = p_logpdf(x)
        return 0.0 if lp < -700 else math.exp(lp) * (lp - q_logpdf(x))

    return integrate.quad(f, lo, hi, limit=200)[0]


KL_CASES = [
    ("Normal-Gumbel", lambda a: (D.Normal(a[0], a[1]), D.Gumbel(a[2], a[3])),
     [0.3, 0.8, -0.2, 1.4], lambda a: (stats.norm(a[0], a[1]), stats.gumbel_r(a[2], a[3])),
     (-np.inf, np.inf)),
    ("Gumbel-Normal", lambda a: (D.Gumbel(a[0], a[1]), D.Normal(a[2], a[3])),
     [0.3, 0.8, -0.2, 1.4], lambda a: (stats.gumbel_r(a[0], a[1]), stats.norm(a[2], a[3])),
     (-np.inf, np.inf)),
    ("Laplace-Normal", lambda a: (D.Laplace(a[0], a[1]), D.Normal(a[2], a[3])),
     [0.3, 0.8, -0.2, 1.4], lambda a: (stats.laplace(a[0], a[1]), stats.norm(a[2], a[3])),
     (-np.inf, np.inf)),
    ("Normal-Laplace", lambda a: (D.Normal(a[0], a[1]), D.Laplace(a[2], a[3])),
     [0.3, 0.8, -0.2, 1.4], lambda a: (stats.norm(a[0], a[1]), stats.laplace(a[2], a[3])),
     (-np.inf, np.inf)),
    ("Gamma-Normal", lambda a: (D.Gamma(a[0], a[1]), D.Normal(a[2], a[3])),
     [2.3, 1.5, 0.4, 1.2],
     lambda a: (stats.gamma(a[0], scale=1 / a[1]), stats.norm(a[2], a[3])), (0, np.inf)),
    ("Gamma-Gumbel", lambda a: (D.Gamma(a[0], a[1]), D.Gumbel(a[2], a[3])),
     [2.3, 1.5, 0.4, 1.2],
     lambda a: (stats.gamma(a[0], scale=1 / a[1]), stats.gumbel_r(a[2], a[3])), (0, np.inf)),
    ("Exponential-Gumbel", lambda a: (D.Exponential(a[0]), D.Gumbel(a[1], a[2])),
     [1.3, 0.4, 1.2], lambda a: (stats.expon(scale=1 / a[0]), stats.gumbel_r(a[1], a[2])),
     (0, np.inf)),
    ("Uniform-Beta", lambda a: (D.Uniform(a[0], a[1]), D.Beta(a[2], a[3])),
     [0.2, 0.7, 2.0, 3.0],
     lambda a: (stats.uniform(a[0], a[1] - a[0]), stats.beta(a[2], a[3])), (0.2, 0.7)),
    ("Pareto-Gamma", lambda a: (D.Pareto(a[0], a[1]), D.Gamma(a[2], a[3])),
     [0.8, 3.5, 2.0, 1.5],
     lambda a: (stats.pareto(a[1], scale=a[0]), stats.gamma(a[2], scale=1 / a[3])),
     (0.8, np.inf)),
    ("Beta-Normal", lambda a: (D.Beta(a[0], a[1]), D.Normal(a[2], a[3])),
     [2.0, 3.0, 0.4, 0.6], lambda a: (stats.beta(a[0], a[1]), stats.norm(a[2], a[3])), (0, 1)),
    ("Cauchy-Cauchy", lambda a: (D.Cauchy(a[0], a[1]), D.Cauchy(a[2], a[3])),
     [0.3, 0.8, -0.2, 1.4], lambda a: (stats.cauchy(a[0], a[1]), stats.cauchy(a[2], a[3])),
     (-np.inf, np.inf)),
]


@pytest.mark.parametrize("case", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_new_pairs_quadrature_and_gradients(backend, case):
    _, make, params, scipy_pair, (lo, hi) = case
    sp, sq = scipy_pair(params)
    want = _quad_kl(sp.logpdf, sq.logpdf, lo, hi)
    got = float(D.kl_divergence(*make([_xp(a) for a in params])))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    check_grads(lambda *a: D.kl_divergence(*make(a)), tuple(_xp(a) for a in params),
                order=1, modes=("rev",))


def test_kl_discrete_and_infinite(backend):
    r1, r2 = 1.7, 0.6
    k = np.arange(80)
    pk = stats.poisson.pmf(k, r1)
    want = np.sum(pk * (stats.poisson.logpmf(k, r1) - stats.poisson.logpmf(k, r2)))
    np.testing.assert_allclose(float(D.kl_divergence(D.Poisson(_xp(r1)), D.Poisson(_xp(r2)))),
                               want, rtol=1e-12)
    n, p, q = 10, 0.3, 0.55
    k = np.arange(n + 1)
    want = np.sum(stats.binom.pmf(k, n, p) * (stats.binom.logpmf(k, n, p)
                                              - stats.binom.logpmf(k, n, q)))
    kl = D.kl_divergence(D.Binomial(n, probs=_xp(p)), D.Binomial(n, probs=_xp(q)))
    np.testing.assert_allclose(float(kl), want, rtol=1e-12)
    assert float(D.kl_divergence(D.Normal(_xp(0.0), _xp(1.0)), D.Uniform(_xp(0.0), _xp(1.0)))
                 ) == np.inf
    assert float(D.kl_divergence(D.Pareto(_xp(1.0), _xp(3.0)), D.Pareto(_xp(2.0), _xp(3.0)))
                 ) == np.inf
    with pytest.raises(NotImplementedError, match="StudentT"):
        D.kl_divergence(D.StudentT(_xp(3.0)), D.Normal(_xp(0.0), _xp(1.0)))


def test_kl_uniform_from_zero(backend):
    """x log x at a Uniform's endpoint 0 (or 1 - high = 0) was 0 * log 0 = nan: KL(U(0, 1) ||
    Beta(1, 1)) is 0 (the same density), and against Beta(2, 3) and Gamma(2, 3) the integral."""
    u = D.Uniform(_xp(0.0), _xp(1.0))
    assert float(D.kl_divergence(u, D.Beta(_xp(1.0), _xp(1.0)))) == 0.0
    for q, sq in [(D.Beta(_xp(2.0), _xp(3.0)), stats.beta(2.0, 3.0)),
                  (D.Gamma(_xp(2.0), _xp(3.0)), stats.gamma(2.0, scale=1 / 3.0))]:
        want = integrate.quad(lambda x, sq=sq: -sq.logpdf(x), 0, 1)[0]
        np.testing.assert_allclose(float(D.kl_divergence(u, q)), want, rtol=1e-9)


def test_transformed_distribution_validates_values(backend):
    """exp(Normal) at -1 has no density: log_prob returned nan (log of a negative) where torch
    raises; now ValueError naming the support, and nan with validate_args=False."""
    base = D.Normal(_xp(0.0), _xp(1.0))
    d = D.TransformedDistribution(base, [T.ExpTransform()])
    with pytest.raises(ValueError, match="support"):
        d.log_prob(_xp(-1.0))
    off = D.TransformedDistribution(D.Normal(_xp(0.0), _xp(1.0), validate_args=False),
                                    [T.ExpTransform()], validate_args=False)
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(off.log_prob(_xp(-1.0))))
    np.testing.assert_allclose(float(d.log_prob(_xp(1.0))), -0.5 * math.log(2 * math.pi),
                               rtol=1e-14)
