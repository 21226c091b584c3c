"""Pathwise (implicitly reparameterised) ``rsample`` of Gamma, Chi2, Beta, Dirichlet and
StudentT in float64.

For a fixed draw, the gradient of the sample equals the derivative of the quantile function
at the draw's own CDF value, computed here by central differences of SciPy's inverse
incomplete gamma function (Beta, Dirichlet and StudentT through their gamma draws); averaged
over a few thousand draws, the pathwise gradients match the derivative of a known
expectation; torch's ``_standard_gamma_grad`` agrees to round-off where it sums a converged
series and to its own approximation error elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp
import gpuad.random as R
from gpuad.distributions._keyed import draw_key

sp = pytest.importorskip("scipy.special")


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _t(v):
    return ad.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)


def quantile_dlog(a, g, h=1e-5):
    """``d log Q(a, u) / da`` at ``u = P(a, g)`` (``Q`` the Gamma(a, 1) quantile function), by
    central differences of SciPy's inverse incomplete gamma functions in float64 (the upper
    tail inverted where ``u > 1/2``, where ``1 - u`` keeps its digits)."""
    a, g = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(g, np.float64))
    p = sp.gammainc(a, g)
    lower = p < 0.5
    p = np.where(lower, p, sp.gammaincc(a, g))

    def q(aa):
        return np.where(lower, sp.gammaincinv(aa, p), sp.gammainccinv(aa, p))

    np.testing.assert_allclose(q(a), g, rtol=1e-12)  # u really is g's CDF value
    s = h * a
    return (np.log(q(a + s)) - np.log(q(a - s))) / (2 * s)


CLOSE = dict(rtol=1e-8, atol=1e-10)


# ---- (a) a fixed draw: the gradient is the quantile function's derivative ---------------------


def test_gamma_and_chi2_gradient_is_the_quantile_derivative():
    a, b = _t([0.4, 2.5, 9.0]), _t([1.3, 0.7, 2.0])
    w = np.random.RandomState(0).standard_normal((4, 3))
    gnp.random.seed(0)
    x = D.Gamma(a, b).rsample((4,))
    gnp.sum(x * w).backward()
    xv, av, bv = _np(x), _np(a), _np(b)
    g = xv * bv  # the standard gamma draw
    dx_da = g * quantile_dlog(av, g) / bv
    np.testing.assert_allclose(_np(a.grad), (w * dx_da).sum(0), **CLOSE)
    np.testing.assert_allclose(_np(b.grad), (w * -xv / bv).sum(0), **CLOSE)

    df = _t([0.8, 5.0])
    gnp.random.seed(1)
    x = D.Chi2(df).rsample((3,))
    gnp.sum(x).backward()
    h = _np(df) / 2  # x = 2 G(df / 2): dx/ddf = dG/dh
    g = _np(x) / 2
    np.testing.assert_allclose(_np(df.grad), (g * quantile_dlog(h, g)).sum(0), **CLOSE)


def test_beta_gradient_through_its_gamma_draws():
    a, b = _t([0.6, 3.0]), _t([1.7, 0.9])
    w = np.random.RandomState(1).standard_normal((3, 2))
    gnp.random.seed(2)
    x = D.Beta(a, b).rsample((3,))
    gnp.sum(x * w).backward()
    # the same draws: x = Ga / (Ga + Gb) for gamma draws under split keys
    gnp.random.seed(2)
    ka, kb = R.split(draw_key())
    la, lb = _np(R.loggamma(ka, _np(a), (3, 2))), _np(R.loggamma(kb, _np(b), (3, 2)))
    xv = _np(x)
    np.testing.assert_allclose(xv, 1 / (1 + np.exp(lb - la)), rtol=1e-14)
    dla = quantile_dlog(_np(a), np.exp(la))
    dlb = quantile_dlog(_np(b), np.exp(lb))
    np.testing.assert_allclose(_np(a.grad), (w * xv * (1 - xv) * dla).sum(0), **CLOSE)
    np.testing.assert_allclose(_np(b.grad), (w * -xv * (1 - xv) * dlb).sum(0), **CLOSE)


def test_dirichlet_gradient_per_component():
    c = _t([[0.7, 2.5, 1.1], [3.0, 1.3, 0.4]])
    w = np.random.RandomState(2).standard_normal((2, 2, 3))
    gnp.random.seed(3)
    x = D.Dirichlet(c).rsample((2,))
    gnp.sum(x * w).backward()
    gnp.random.seed(3)
    lg = _np(R.loggamma(draw_key(), _np(c), (2, 2, 3)))
    xv = _np(x)
    np.testing.assert_allclose(xv, np.exp(lg) / np.exp(lg).sum(-1, keepdims=True), rtol=1e-14)
    # x_i = G_i / S: dx_i/dc_j = (delta_ij - x_i) x_j dlogG_j/dc_j
    dl = quantile_dlog(_np(c), np.exp(lg))
    expected = (xv * dl * (w - (w * xv).sum(-1, keepdims=True))).sum(0)
    np.testing.assert_allclose(_np(c.grad), expected, **CLOSE)


def test_student_t_gradient_through_its_gamma_draw():
    df, loc, scale = _t([1.5, 6.0]), _t([0.3, -1.0]), _t([0.8, 2.0])
    w = np.random.RandomState(3).standard_normal((3, 2))
    gnp.random.seed(4)
    x = D.StudentT(df, loc, scale).rsample((3,))
    gnp.sum(x * w).backward()
    gnp.random.seed(4)
    kn, kg = R.split(draw_key())
    h = _np(df) / 2
    z, g = _np(R.normal(kn, (3, 2))), _np(R.gamma(kg, h, (3, 2)))
    xv, lv, sv = _np(x), _np(loc), _np(scale)
    y = z * np.sqrt(h / g)
    np.testing.assert_allclose(xv, lv + sv * y, rtol=1e-14)
    # x = loc + scale z sqrt(h / G(h)), h = df / 2
    dx_ddf = sv * y / 4 * (1 / h - quantile_dlog(h, g))
    np.testing.assert_allclose(_np(df.grad), (w * dx_ddf).sum(0), **CLOSE)
    np.testing.assert_allclose(_np(loc.grad), w.sum(0), **CLOSE)
    np.testing.assert_allclose(_np(scale.grad), (w * y).sum(0), **CLOSE)


# ---- (b) Monte Carlo: the pathwise gradients average to the derivative of the mean ----------

N = 2000


def _per_draw(v, shape=(N,)):
    """A parameter repeated once per draw, so that its gradient holds one value per draw."""
    return ad.tensor(np.broadcast_to(np.asarray(v, np.float64), shape).copy(), requires_grad=True)


def _assert_mean(grads, expected, what):
    g = np.asarray(grads).reshape(N, -1)
    se = g.std(0, ddof=1) / np.sqrt(N)
    err = np.abs(g.mean(0) - np.asarray(expected).reshape(-1))
    assert np.all(err < 4 * se), f"{what}: mean {g.mean(0)}, expected {expected}, se {se}"
    assert np.all(se > 0), what


def test_monte_carlo_unbiased_gamma_chi2_beta():
    gnp.random.seed(10)
    a0, b0 = 0.8, 1.5
    a, b = _per_draw(a0), _per_draw(b0)
    gnp.sum(D.Gamma(a, b).rsample()).backward()  # E[x] = a / b
    _assert_mean(_np(a.grad), 1 / b0, "Gamma d/da E[x]")
    _assert_mean(_np(b.grad), -a0 / b0**2, "Gamma d/db E[x]")

    a, b = _per_draw(a0), _per_draw(b0)
    gnp.sum(gnp.log(D.Gamma(a, b).rsample())).backward()  # E[log x] = digamma(a) - log b
    _assert_mean(_np(a.grad), sp.polygamma(1, a0), "Gamma d/da E[log x]")

    df = _per_draw(3.0)
    gnp.sum(D.Chi2(df).rsample() ** 2).backward()  # E[x^2] = df (df + 2)
    _assert_mean(_np(df.grad), 2 * 3.0 + 2, "Chi2 d/ddf E[x^2]")

    a1, b1 = 2.0, 0.7
    a, b = _per_draw(a1), _per_draw(b1)
    gnp.sum(D.Beta(a, b).rsample()).backward()  # E[x] = a / (a + b)
    _assert_mean(_np(a.grad), b1 / (a1 + b1) ** 2, "Beta d/da E[x]")
    _assert_mean(_np(b.grad), -a1 / (a1 + b1) ** 2, "Beta d/db E[x]")


def test_monte_carlo_unbiased_dirichlet_student_t():
    gnp.random.seed(11)
    c0 = np.array([0.5, 2.0, 1.2])
    w = np.array([1.0, -0.5, 2.0])
    c = _per_draw(c0, (N, 3))
    gnp.sum(D.Dirichlet(c).rsample() * w).backward()  # E[w.x] = w.c / c0
    s = c0.sum()
    _assert_mean(_np(c.grad), (w - w @ c0 / s) / s, "Dirichlet d/dc E[w.x]")

    d0, l0, s0 = 9.0, 0.5, 1.3
    df, loc, scale = _per_draw(d0), _per_draw(l0), _per_draw(s0)
    # E[x^2] = loc^2 + scale^2 df / (df - 2)
    gnp.sum(D.StudentT(df, loc, scale).rsample() ** 2).backward()
    _assert_mean(_np(df.grad), -2 * s0**2 / (d0 - 2) ** 2, "StudentT d/ddf E[x^2]")
    _assert_mean(_np(loc.grad), 2 * l0, "StudentT d/dloc E[x^2]")
    _assert_mean(_np(scale.grad), 2 * s0 * d0 / (d0 - 2), "StudentT d/dscale E[x^2]")


# ---- (c) torch's gamma gradient at the same sample ----------------------------------------


def test_gamma_gradient_against_torch():
    """torch's ``_standard_gamma_grad(a, x)`` sums a five-term series where ``x < 0.8`` (exact
    to round-off for small ``x``) and uses rational and saddle-point approximations elsewhere
    (relative error up to about 1e-3): compared at 1e-8 where ``x < 0.05``, at 2e-3 elsewhere."""
    torch = pytest.importorskip("torch")
    conc = np.array([0.05, 0.3, 1.0, 2.5, 12.0])
    rate = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    a = _per_draw(conc, (40, 5))
    gnp.random.seed(12)
    x = D.Gamma(a, rate).rsample()
    gnp.sum(x).backward()
    g = _np(x) * rate  # the standard gamma draw, x = g / rate
    ours = _np(a.grad) * rate
    ref = torch._standard_gamma_grad(
        torch.tensor(np.broadcast_to(conc, g.shape).copy()), torch.tensor(g)
    ).numpy()
    small = g < 0.05
    assert small.sum() > 20 and (~small).sum() > 20
    np.testing.assert_allclose(ours[small], ref[small], rtol=1e-8, atol=0)
    np.testing.assert_allclose(ours[~small], ref[~small], rtol=2e-3, atol=0)


# ---- draws: reproducible from gnp.random's seed, sample() a constant --------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda t: D.Gamma(t, 1.0),
        lambda t: D.Chi2(t),
        lambda t: D.Beta(t, 2.0),
        lambda t: D.Dirichlet(t),
        lambda t: D.StudentT(t),
        lambda t: D.Independent(D.Gamma(t, 1.0), 1),
    ],
    ids=["Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "Independent"],
)
def test_seeded_draws_and_constant_samples(make):
    t = _t([1.5, 2.5])
    d = make(t)
    assert d.has_rsample
    draws = []
    for s in (7, 7, 8):
        gnp.random.seed(s)
        draws.append(_np(d.rsample((3,))))
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.allclose(draws[0], draws[2])
    gnp.random.seed(7)
    s = d.sample((3,))
    assert not s.requires_grad and s.shape == (3,) + d.batch_shape + d.event_shape
    np.testing.assert_array_equal(_np(s), draws[0])  # sample() is rsample() without gradient
