"""gpuad.distributions against torch.distributions in float64.

Values and gradients (with respect to every parameter and to the value) of log_prob, entropy,
mean, variance, cdf/icdf and the registered KL divergences agree with torch to 1e-10; the
reparameterised samplers are checked against torch fed the same standard-normal draws and
against central differences at a fixed seed; invalid parameters and values raise ValueError;
sample moments of a few thousand draws match the distributions; a small VAE is trained step
by step in both libraries on the same noise.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")
TD = torch.distributions

TOL = dict(rtol=1e-10, atol=1e-10)
# torch's float64 trigamma (polygamma(1, x)) is accurate to about 1e-9 (see
# test_trigamma_gradients_exact): gradients through digamma are compared at this tolerance
TRIGAMMA = {"Gamma", "Beta", "Dirichlet", "StudentT"}
TRIGAMMA_TOL = dict(rtol=1e-8, atol=1e-9)


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _arr(v):
    return np.asarray(v, dtype=np.float64)


# ---- one quantity of one distribution, and its gradients, in both libraries ----------------


def _run(lib, cls, params, quantity, value, const, build, value_grad, weights_seed=0):
    """The quantity and the gradients of a weighted sum of it, in ``lib`` ("gpuad"/"torch")."""
    leaves = {}
    for k, v in params.items():
        if lib == "gpuad":
            leaves[k] = ad.tensor(_arr(v), requires_grad=k not in const)
        else:
            leaves[k] = torch.tensor(_arr(v), dtype=torch.float64, requires_grad=k not in const)
    val = None
    if value is not None:
        if lib == "gpuad":
            val = ad.tensor(_arr(value), requires_grad=value_grad)
        else:
            val = torch.tensor(_arr(value), dtype=torch.float64, requires_grad=value_grad)
    mod = gnp if lib == "gpuad" else torch
    kwargs = build(leaves, mod) if build else leaves
    dist = (getattr(D, cls) if lib == "gpuad" else getattr(TD, cls))(**kwargs)
    out = quantity(dist, val)
    shp = tuple(out.shape)
    w = np.random.default_rng(weights_seed).uniform(0.5, 1.5, size=shp)
    wt = ad.tensor(w) if lib == "gpuad" else torch.tensor(w)
    (out * wt).sum().backward()
    grads = {k: t.grad for k, t in leaves.items() if k not in const}
    if val is not None and value_grad:
        grads["value"] = val.grad
    conv = _np if lib == "gpuad" else (lambda t: t.detach().numpy())
    return conv(out), {k: None if g is None else conv(g) for k, g in grads.items()}


def _compare(cls, params, quantity, value=None, const=(), build=None, value_grad=True):
    ours, g_ours = _run("gpuad", cls, params, quantity, value, const, build, value_grad)
    ref, g_ref = _run("torch", cls, params, quantity, value, const, build, value_grad)
    np.testing.assert_allclose(ours, ref, **TOL)
    for k, g in g_ref.items():
        mine = g_ours[k]
        if g is None and mine is None:
            continue
        if g is None:
            g = np.zeros_like(mine)
        if mine is None:
            mine = np.zeros_like(g)
        tol = TRIGAMMA_TOL if cls in TRIGAMMA else TOL
        np.testing.assert_allclose(mine, g, **tol, err_msg=f"{cls}: gradient of {k}")


LOG_PROB = ("log_prob", lambda d, v: d.log_prob(v))
ENTROPY = ("entropy", lambda d, v: d.entropy())
MEAN = ("mean", lambda d, v: d.mean)
VAR = ("variance", lambda d, v: d.variance)
STD = ("stddev", lambda d, v: d.stddev)
CDF = ("cdf", lambda d, v: d.cdf(v))
ICDF = ("icdf", lambda d, v: d.icdf(v))
MOMENTS = (LOG_PROB, ENTROPY, MEAN, VAR, STD)

LOC2, SCALE2 = [0.3, -1.2], [0.7, 1.9]
U2 = [0.2, 0.85]  # probabilities for icdf


def _sym(leaves, mod):
    a = leaves["A"]
    return {"loc": leaves["loc"], "covariance_matrix": a @ a.T + mod.eye(3)}


def _prec(leaves, mod):
    a = leaves["A"]
    return {"loc": leaves["loc"], "precision_matrix": a @ a.T + mod.eye(3)}


def _tril(leaves, mod):
    return {"loc": leaves["loc"], "scale_tril": mod.tril(leaves["A"])}


_A = [[1.2, 0.3, -0.4], [0.5, 0.9, 0.2], [-0.3, 0.7, 1.4]]
_MVN_PARAMS = {"loc": [0.1, -0.5, 0.8], "A": _A}

# (class, params, value for log_prob/cdf, quantities, constant params, build, value_grad)
CASES = [
    ("Normal", {"loc": LOC2, "scale": SCALE2}, [0.1, 0.5], MOMENTS + (CDF,), (), None, True),
    ("Normal", {"loc": LOC2, "scale": SCALE2}, U2, (ICDF,), (), None, True),
    (
        "Uniform",
        {"low": [0.0, -1.0], "high": [1.5, 2.0]},
        [0.5, 0.3],
        MOMENTS + (CDF,),
        (),
        None,
        True,
    ),
    ("Uniform", {"low": [0.0, -1.0], "high": [1.5, 2.0]}, U2, (ICDF,), (), None, True),
    ("Exponential", {"rate": [0.5, 2.0]}, [0.3, 1.7], MOMENTS + (CDF,), (), None, True),
    ("Exponential", {"rate": [0.5, 2.0]}, U2, (ICDF,), (), None, True),
    ("Laplace", {"loc": LOC2, "scale": SCALE2}, [0.1, -2.5], MOMENTS + (CDF,), (), None, True),
    ("Laplace", {"loc": LOC2, "scale": SCALE2}, U2, (ICDF,), (), None, True),
    (
        "Cauchy",
        {"loc": LOC2, "scale": SCALE2},
        [0.1, 0.5],
        (LOG_PROB, ENTROPY, CDF),
        (),
        None,
        True,
    ),
    ("Cauchy", {"loc": LOC2, "scale": SCALE2}, U2, (ICDF,), (), None, True),
    ("Gumbel", {"loc": LOC2, "scale": SCALE2}, [0.1, 0.5], MOMENTS + (CDF,), (), None, True),
    ("Gumbel", {"loc": LOC2, "scale": SCALE2}, U2, (ICDF,), (), None, True),
    ("LogNormal", {"loc": LOC2, "scale": SCALE2}, [0.4, 2.5], MOMENTS + (CDF,), (), None, True),
    ("LogNormal", {"loc": LOC2, "scale": SCALE2}, U2, (ICDF,), (), None, True),
    (
        "Gamma",
        {"concentration": [0.7, 2.5], "rate": [1.3, 0.4]},
        [0.4, 3.0],
        MOMENTS,
        (),
        None,
        True,
    ),
    (
        "Gamma",
        {"concentration": [0.7, 2.5], "rate": [1.3, 0.4]},
        [0.4, 3.0],
        (CDF,),
        ("concentration",),
        None,
        True,
    ),
    (
        "Beta",
        {"concentration1": [0.7, 2.5], "concentration0": [1.3, 3.4]},
        [0.3, 0.8],
        MOMENTS,
        (),
        None,
        True,
    ),
    (
        "Dirichlet",
        {"concentration": [[0.7, 2.5, 1.1], [3.0, 1.3, 0.4]]},
        [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]],
        MOMENTS,
        (),
        None,
        True,
    ),
    (
        "StudentT",
        {"df": [2.5, 7.0], "loc": LOC2, "scale": SCALE2},
        [0.1, 0.5],
        MOMENTS,
        (),
        None,
        True,
    ),
    ("Bernoulli", {"probs": [0.2, 0.7]}, [1.0, 0.0], MOMENTS, (), None, False),
    ("Bernoulli", {"logits": [-0.4, 1.3]}, [1.0, 0.0], MOMENTS, (), None, False),
    (
        "Binomial",
        {"total_count": [5.0, 5.0], "probs": [0.2, 0.7]},
        [2.0, 5.0],
        (LOG_PROB, ENTROPY, MEAN, VAR),
        ("total_count",),
        None,
        False,
    ),
    (
        "Binomial",
        {"total_count": [4.0, 6.0], "logits": [-0.4, 1.3]},
        [0.0, 3.0],
        (LOG_PROB, MEAN, VAR),
        ("total_count",),
        None,
        False,
    ),
    ("Poisson", {"rate": [0.5, 3.2]}, [2.0, 0.0], (LOG_PROB, MEAN, VAR), (), None, False),
    (
        "Categorical",
        {"probs": [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]},
        [2.0, 0.0],
        (LOG_PROB, ENTROPY),
        (),
        None,
        False,
    ),
    (
        "Categorical",
        {"logits": [[0.2, -1.5, 0.3], [2.1, 0.1, -0.8]]},
        [[1.0, 0.0]],
        (LOG_PROB, ENTROPY),
        (),
        None,
        False,
    ),
    (
        "OneHotCategorical",
        {"logits": [[0.2, -1.5, 0.3], [2.1, 0.1, -0.8]]},
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
        (LOG_PROB, ENTROPY, MEAN, VAR),
        (),
        None,
        False,
    ),
    (
        "MultivariateNormal",
        _MVN_PARAMS,
        [[0.3, 0.2, -0.1], [1.0, -1.0, 0.5]],
        (LOG_PROB, ENTROPY, VAR),
        (),
        _sym,
        True,
    ),
    (
        "MultivariateNormal",
        _MVN_PARAMS,
        [0.3, 0.2, -0.1],
        (LOG_PROB, ENTROPY, VAR),
        (),
        _prec,
        True,
    ),
    (
        "MultivariateNormal",
        _MVN_PARAMS,
        [0.3, 0.2, -0.1],
        (LOG_PROB, ENTROPY, VAR),
        (),
        _tril,
        True,
    ),
    (
        "RelaxedBernoulli",
        {"temperature": 0.7, "logits": [-0.4, 1.3]},
        [0.3, 0.9],
        (LOG_PROB,),
        (),
        None,
        True,
    ),
    (
        "RelaxedBernoulli",
        {"temperature": 1.7, "probs": [0.2, 0.7]},
        [0.3, 0.9],
        (LOG_PROB,),
        (),
        None,
        True,
    ),
    (
        "RelaxedOneHotCategorical",
        {"temperature": 0.6, "logits": [[0.2, -1.5, 0.3], [0, 1, 2]]},
        [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]],
        (LOG_PROB,),
        (),
        None,
        True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{'-'.join(q[0] for q in c[3])}")
def test_against_torch(case):
    cls, params, value, quantities, const, build, value_grad = case
    for _, q in quantities:
        _compare(cls, params, q, value, const, build, value_grad)


def test_trigamma_gradients_exact():
    """Gamma's entropy in the concentration: d/da = 1 + (1 - a) trigamma(a), to round-off
    (mpmath's trigamma), where torch's differs by about 1e-9."""
    mpmath = pytest.importorskip("mpmath")
    a = np.array([0.35, 0.7, 2.5])
    g = ad.grad(lambda c: gnp.sum(D.Gamma(c, 1.3).entropy()))(a)
    ref = [1 + (1 - x) * float(mpmath.psi(1, x)) for x in a]
    np.testing.assert_allclose(_np(g), ref, rtol=1e-13)


def test_independent_against_torch():
    def build(leaves, mod):
        base = (D if mod is gnp else TD).Normal(leaves["loc"], leaves["scale"])
        return {"base_distribution": base, "reinterpreted_batch_ndims": 1}

    params = {"loc": [[0.3, -1.2, 0.4], [1.0, 0.0, -0.2]], "scale": [[0.7, 1.9, 1.1]] * 2}
    value = [[0.1, 0.5, -0.3], [0.0, 0.2, 0.9]]
    for _, q in (LOG_PROB, ENTROPY, MEAN, VAR):
        _compare("Independent", params, q, value, build=build)
    d = D.Independent(D.Normal(np.zeros((2, 3)), 1.0), 1)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.has_rsample


# ---- KL divergences ---------------------------------------------------------------------------

KL_CASES = [
    ("Normal", {"loc": LOC2, "scale": SCALE2}, {"loc": [1.0, 0.2], "scale": [1.3, 0.4]}),
    ("Bernoulli", {"probs": [0.2, 0.7]}, {"logits": [0.5, -1.0]}),
    ("Categorical", {"probs": [[0.2, 0.5, 0.3]]}, {"logits": [[0.2, -1.5, 0.3], [0, 1, 2]]}),
    ("OneHotCategorical", {"probs": [0.2, 0.5, 0.3]}, {"logits": [0.2, -1.5, 0.3]}),
    (
        "Uniform",
        {"low": [0.0, -1.0], "high": [1.0, 0.5]},
        {"low": [-0.5, -2.0], "high": [1.5, 2.0]},
    ),
    (
        "Beta",
        {"concentration1": [0.7, 2.5], "concentration0": [1.3, 3.4]},
        {"concentration1": [1.7, 0.5], "concentration0": [2.3, 0.4]},
    ),
    (
        "Gamma",
        {"concentration": [0.7, 2.5], "rate": [1.3, 0.4]},
        {"concentration": [1.7, 0.5], "rate": [2.3, 0.9]},
    ),
    (
        "Dirichlet",
        {"concentration": [[0.7, 2.5, 1.1]]},
        {"concentration": [[3.0, 1.3, 0.4], [1.0, 1.0, 1.0]]},
    ),
    ("Exponential", {"rate": [0.5, 2.0]}, {"rate": [1.5, 0.3]}),
    ("Laplace", {"loc": LOC2, "scale": SCALE2}, {"loc": [1.0, 0.2], "scale": [1.3, 0.4]}),
    (
        "MultivariateNormal",
        {"loc": [0.1, -0.5, 0.8], "covariance_matrix": _A},
        {
            "loc": [[0.0, 0.3, 0.2], [1.0, 1.0, 1.0]],
            "covariance_matrix": [[1.0, 0.2, 0.0], [0.4, 0.7, 0.1], [-0.2, 0.3, 0.9]],
        },
    ),
]


def _kl_run(lib, cls, pp, qp):
    mod, ns = (gnp, D) if lib == "gpuad" else (torch, TD)

    def leaf(v):
        a = _arr(v)
        return (
            ad.tensor(a, requires_grad=True)
            if lib == "gpuad"
            else torch.tensor(a, requires_grad=True)
        )

    leaves = {("p", k): leaf(v) for k, v in pp.items()}
    leaves.update({("q", k): leaf(v) for k, v in qp.items()})

    def params(side):
        out = {k: t for (s, k), t in leaves.items() if s == side}
        if cls == "MultivariateNormal":  # a positive-definite matrix from a square one
            a = out["covariance_matrix"]
            out["covariance_matrix"] = a @ a.T + mod.eye(3)
        return out

    p, q = getattr(ns, cls)(**params("p")), getattr(ns, cls)(**params("q"))
    kl = ns.kl_divergence(p, q)
    w = np.random.default_rng(1).uniform(0.5, 1.5, size=tuple(kl.shape))
    (kl * (ad.tensor(w) if lib == "gpuad" else torch.tensor(w))).sum().backward()
    conv = _np if lib == "gpuad" else (lambda t: t.detach().numpy())
    return conv(kl), {k: conv(t.grad) for k, t in leaves.items()}


@pytest.mark.parametrize("case", KL_CASES, ids=lambda c: c[0])
def test_kl_against_torch(case):
    cls, pp, qp = case
    ours, g_ours = _kl_run("gpuad", cls, pp, qp)
    ref, g_ref = _kl_run("torch", cls, pp, qp)
    np.testing.assert_allclose(ours, ref, **TOL)
    for k in g_ref:
        tol = TRIGAMMA_TOL if cls in TRIGAMMA else TOL
        np.testing.assert_allclose(g_ours[k], g_ref[k], **tol, err_msg=f"KL {cls}: {k}")


def test_kl_independent_infinite_and_unregistered():
    p = D.Independent(D.Normal(ad.tensor(_arr([[0.3, 1.0]]), requires_grad=True), 1.5), 1)
    q = D.Independent(D.Normal(np.zeros((1, 2)), 1.0), 1)
    tp = TD.Independent(TD.Normal(torch.tensor([[0.3, 1.0]], dtype=torch.float64), 1.5), 1)
    tq = TD.Independent(TD.Normal(torch.zeros(1, 2, dtype=torch.float64), 1.0), 1)
    np.testing.assert_allclose(_np(D.kl_divergence(p, q)), TD.kl_divergence(tp, tq).numpy(), **TOL)
    # support of q smaller than p's: infinite, as torch
    inf = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.0, 1.0))
    assert np.isinf(_np(inf))
    with pytest.raises(NotImplementedError, match="Categorical.*Normal"):
        D.kl_divergence(D.Categorical(probs=[0.5, 0.5]), D.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError):
        TD.kl_divergence(TD.Categorical(probs=torch.ones(2) / 2), TD.Normal(0.0, 1.0))


def test_register_kl_dispatch():
    class MyNormal(D.Normal):
        pass

    # a subclass falls back to the rule of its base classes
    kl = D.kl_divergence(MyNormal(0.5, 1.2), D.Normal(0.0, 1.0))
    f64 = dict(dtype=torch.float64)
    ref = TD.kl_divergence(TD.Normal(torch.tensor(0.5, **f64), 1.2), TD.Normal(0.0, 1.0))
    np.testing.assert_allclose(_np(kl), ref.numpy(), **TOL)

    @D.register_kl(MyNormal, D.Normal)
    def _kl_mine(p, q):
        return gnp.zeros(p.batch_shape) - 1.0

    assert float(_np(D.kl_divergence(MyNormal(0.5, 1.2), D.Normal(0.0, 1.0)))) == -1.0
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


# ---- reparameterised samples ------------------------------------------------------------------


def _pathwise(lib, cls, params, shape, eps):
    leaves = {
        k: (
            ad.tensor(_arr(v), requires_grad=True)
            if lib == "gpuad"
            else torch.tensor(_arr(v), requires_grad=True)
        )
        for k, v in params.items()
    }
    if lib == "gpuad":
        gnp.random.seed(5)
        x = getattr(D, cls)(**leaves).rsample(shape)
        y = (gnp.sin(x) * x).sum()
    else:
        x = getattr(TD, cls)(**leaves).rsample(shape)
        y = (torch.sin(x) * x).sum()
    y.backward()
    conv = _np if lib == "gpuad" else (lambda t: t.detach().numpy())
    return conv(x), {k: conv(t.grad) for k, t in leaves.items()}


@pytest.mark.parametrize(
    "cls,params,noise",
    [
        ("Normal", {"loc": LOC2, "scale": SCALE2}, "normal"),
        (
            "MultivariateNormal",
            {"loc": [0.1, -0.5, 0.8], "scale_tril": np.tril(_A) + 2 * np.eye(3)},
            "multivariate_normal",
        ),
        ("Uniform", {"low": [0.0, -1.0], "high": [1.5, 2.0]}, "rand"),
        ("RelaxedBernoulli", {"temperature": 0.7, "logits": [-0.4, 1.3]}, "rand"),
        ("RelaxedOneHotCategorical", {"temperature": 0.6, "probs": [[0.2, 0.5, 0.3]] * 2}, "rand"),
    ],
)
def test_rsample_same_noise_as_torch(cls, params, noise, monkeypatch):
    """torch fed the standard-normal (or uniform) draws gpuad takes from its seeded generator."""
    shape = (4,)
    dist = getattr(D, cls)(**{k: _arr(v) for k, v in params.items()})
    full = shape + dist.batch_shape + dist.event_shape
    if noise == "rand":
        eps = np.random.RandomState(5).uniform(0.0, 1.0, full)
        monkeypatch.setattr(
            torch,
            "rand",
            lambda shp, dtype=None, device=None: torch.tensor(eps.reshape(tuple(shp)), dtype=dtype),
        )
    else:
        eps = np.random.RandomState(5).standard_normal(full)
        monkeypatch.setattr(
            getattr(TD, noise),
            "_standard_normal",
            lambda shp, dtype, device: torch.tensor(eps.reshape(shp), dtype=dtype),
        )
    x, g = _pathwise("gpuad", cls, params, shape, eps)
    tx, tg = _pathwise("torch", cls, params, shape, eps)
    np.testing.assert_allclose(x, tx, **TOL)
    for k in tg:
        np.testing.assert_allclose(g[k], tg[k], **TOL, err_msg=f"{cls}: d/d{k}")


@pytest.mark.parametrize(
    "cls,params",
    [
        ("Uniform", {"low": [0.0, -1.0], "high": [1.5, 2.0]}),
        ("Exponential", {"rate": [0.5, 2.0]}),
        ("Laplace", {"loc": LOC2, "scale": SCALE2}),
        ("Cauchy", {"loc": LOC2, "scale": SCALE2}),
        ("Gumbel", {"loc": LOC2, "scale": SCALE2}),
        ("LogNormal", {"loc": LOC2, "scale": SCALE2}),
    ],
)
def test_rsample_gradient_central_differences(cls, params):
    """d/dtheta of sum(sin(x)) for x = rsample(theta) at a fixed seed, by central
    differences on the same draws."""
    names = list(params)

    def f(*vals):
        gnp.random.seed(3)
        x = getattr(D, cls)(**dict(zip(names, vals, strict=True))).rsample((3,))
        return gnp.sum(gnp.sin(x))

    vals = [_arr(params[k]) for k in names]
    grads = ad.grad(f, argnums=tuple(range(len(names))))(*vals)
    h = 1e-6
    for i, k in enumerate(names):
        for j in range(vals[i].size):
            up = [v.copy() for v in vals]
            dn = [v.copy() for v in vals]
            up[i].flat[j] += h
            dn[i].flat[j] -= h
            fd = (float(_np(f(*up))) - float(_np(f(*dn)))) / (2 * h)
            np.testing.assert_allclose(
                _np(grads[i]).flat[j], fd, rtol=1e-6, atol=1e-7, err_msg=f"{cls}: d/d{k}[{j}]"
            )
    # the gradient is not trivially zero
    assert any(np.abs(_np(g)).max() > 1e-3 for g in grads)


@pytest.mark.parametrize(
    "make",
    [
        lambda t: D.Gamma(t, 1.0),
        lambda t: D.Beta(t, 2.0),
        lambda t: D.Dirichlet(t),
        lambda t: D.StudentT(t),
    ],
)
def test_no_implicit_rsample(make):
    t = ad.tensor([1.5, 2.5], requires_grad=True)
    d = make(t)
    with pytest.raises(NotImplementedError, match="implicit reparameterisation"):
        d.rsample()
    assert not d.has_rsample
    s = d.sample((3,))
    assert not s.requires_grad and s.shape == (3,) + d.batch_shape + d.event_shape


def test_discrete_samples_carry_no_gradient():
    p = ad.tensor([0.2, 0.9], requires_grad=True)
    for d in (
        D.Bernoulli(p),
        D.Categorical(p),
        D.OneHotCategorical(p),
        D.Binomial(3, p),
        D.Poisson(p),
    ):
        s = d.sample((2,))
        assert isinstance(s, ad.Tensor) and not s.requires_grad
        assert s.shape == (2,) + d.batch_shape + d.event_shape
        with pytest.raises(NotImplementedError):
            d.rsample()


# ---- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make,torch_make,arg",
    [
        (lambda: D.Normal(0.0, -1.0), lambda: TD.Normal(0.0, -1.0), "scale"),
        (lambda: D.Bernoulli(probs=1.5), lambda: TD.Bernoulli(probs=torch.tensor(1.5)), "probs"),
        (
            lambda: D.Categorical(probs=[-0.1, 1.1]),
            lambda: TD.Categorical(probs=torch.tensor([-0.1, 1.1])),
            "probs",
        ),
        (lambda: D.Gamma(1.0, 0.0), lambda: TD.Gamma(1.0, 0.0), "rate"),
        (
            lambda: D.Dirichlet([1.0, -2.0]),
            lambda: TD.Dirichlet(torch.tensor([1.0, -2.0])),
            "concentration",
        ),
        (
            lambda: D.MultivariateNormal(np.zeros(2), [[1.0, 2.0], [2.0, 1.0]]),
            lambda: TD.MultivariateNormal(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])),
            "covariance_matrix",
        ),
        (
            lambda: D.Binomial(2.5, probs=0.3),
            lambda: TD.Binomial(2.5, probs=torch.tensor(0.3)),
            "total_count",
        ),
    ],
)
def test_invalid_parameters_raise(make, torch_make, arg):
    with pytest.raises(ValueError, match=arg):
        make()
    with pytest.raises(ValueError):
        torch_make()


def test_invalid_values_raise_and_validation_switches():
    with pytest.raises(ValueError, match="Exponential.*support"):
        D.Exponential(1.0).log_prob(-1.0)
    with pytest.raises(ValueError, match="Bernoulli.*support"):
        D.Bernoulli(0.3).log_prob(0.5)
    with pytest.raises(ValueError, match="Categorical.*support"):
        D.Categorical(probs=[0.5, 0.5]).log_prob(2)
    with pytest.raises(ValueError, match="Dirichlet.*support"):
        D.Dirichlet([1.0, 2.0]).log_prob([0.5, 0.7])
    with pytest.raises(ValueError, match="shape"):
        D.Normal(np.zeros(3), 1.0).log_prob(np.zeros(2))
    with pytest.raises(ValueError, match="Uniform"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="not both"):
        D.Bernoulli(probs=0.5, logits=0.0)
    # validate_args=False skips the checks
    with np.errstate(invalid="ignore"):
        assert np.isnan(_np(D.Normal(0.0, -1.0, validate_args=False).entropy()))
    D.Exponential(1.0, validate_args=False).log_prob(-1.0)
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)
        D.Bernoulli(0.3).log_prob(0.5)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


def test_expand_and_shapes():
    mu = ad.tensor([0.5], requires_grad=True)
    d = D.Normal(mu, 2.0).expand((4, 1))
    assert d.batch_shape == (4, 1)
    d.log_prob(np.zeros((4, 1))).sum().backward()
    np.testing.assert_allclose(_np(mu.grad), [4 * -0.5 / 4.0], **TOL)
    m = D.MultivariateNormal(np.zeros(2), np.eye(2)).expand((3,))
    assert m.batch_shape == (3,) and m.event_shape == (2,)
    c = D.Categorical(logits=np.zeros(3)).expand((2,))
    assert c.batch_shape == (2,) and c.sample((5,)).shape == (5, 2)
    i = D.Independent(D.Normal(np.zeros(3), 1.0), 1).expand((2,))
    assert i.batch_shape == (2,) and i.event_shape == (3,)
    assert D.Bernoulli(0.3).enumerate_support().tolist() == [0.0, 1.0]
    assert D.Normal(0.0, 1.0).rsample((2, 3)).shape == (2, 3)


# ---- sample moments ---------------------------------------------------------------------------

N = 4000


@pytest.mark.parametrize(
    "d",
    [
        D.Normal(0.5, 2.0),
        D.Uniform(-1.0, 3.0),
        D.Exponential(1.5),
        D.Laplace(1.0, 0.5),
        D.Gumbel(0.5, 2.0),
        D.LogNormal(0.1, 0.4),
        D.Gamma(2.5, 1.5),
        D.Beta(2.0, 3.0),
        D.StudentT(5.0, 1.0, 2.0),
        D.Bernoulli(0.3),
        D.Binomial(6, probs=0.4),
        D.Poisson(2.5),
    ],
    ids=lambda d: type(d).__name__,
)
def test_sample_moments(d):
    gnp.random.seed(0)
    x = _np(d.sample((N,)))
    mean, var = float(_np(d.mean)), float(_np(d.variance))
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / N)
    # the sample variance within 5 standard errors (fourth moment bounded by 10 var^2 here)
    assert abs(x.var() - var) < 5 * np.sqrt(10 * var**2 / N)


def test_sample_frequencies_and_multivariate_moments():
    gnp.random.seed(1)
    c = _np(D.Categorical(probs=[0.2, 0.5, 0.3]).sample((N,)))
    freq = np.bincount(c, minlength=3) / N
    np.testing.assert_allclose(freq, [0.2, 0.5, 0.3], atol=5 * np.sqrt(0.25 / N))
    oh = _np(D.OneHotCategorical(probs=[0.2, 0.5, 0.3]).sample((N,)))
    np.testing.assert_allclose(oh.mean(0), [0.2, 0.5, 0.3], atol=5 * np.sqrt(0.25 / N))
    dr = _np(D.Dirichlet([2.0, 3.0, 5.0]).sample((N,)))
    np.testing.assert_allclose(dr.mean(0), [0.2, 0.3, 0.5], atol=5 * np.sqrt(0.025 / N))
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    mv = _np(D.MultivariateNormal(np.array([1.0, -1.0]), cov).sample((N,)))
    np.testing.assert_allclose(mv.mean(0), [1.0, -1.0], atol=5 * np.sqrt(2.0 / N))
    np.testing.assert_allclose(np.cov(mv.T), cov, atol=5 * np.sqrt(2 * 4.0 / N))
    # Cauchy has no moments: its quartiles instead
    cy = _np(D.Cauchy(1.0, 2.0).sample((N,)))
    np.testing.assert_allclose(np.mean(cy <= -1.0), 0.25, atol=5 * np.sqrt(0.1875 / N))
    np.testing.assert_allclose(np.mean(cy <= 3.0), 0.75, atol=5 * np.sqrt(0.1875 / N))


# ---- ported programs: a tiny VAE and REINFORCE, step by step against torch ---------------


def _vae_step(lib, params, x, lr=0.2):
    mod, ns = (gnp, D) if lib == "gpuad" else (torch, TD)
    we, be, wd, bd = params
    h = x @ we + be
    mu, logvar = h[:, :2], h[:, 2:]
    q = ns.Normal(mu, mod.exp(0.5 * logvar))
    z = q.rsample()
    logits = z @ wd + bd
    rec = ns.Independent(ns.Bernoulli(logits=logits), 1).log_prob(x)
    zeros = gnp.zeros(2) if lib == "gpuad" else torch.zeros(2, dtype=torch.float64)
    prior = ns.Normal(zeros, 1.0 + zeros)
    kl = ns.kl_divergence(q, prior).sum(-1)
    loss = (kl - rec).mean()
    loss.backward()
    with ad.no_grad() if lib == "gpuad" else torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return float(loss.item())


def test_vae_port_matches_torch(monkeypatch):
    """Encoder to (mu, log variance), a reparameterised Normal sample, a Bernoulli decoder
    and the KL to a standard normal prior, trained by gradient descent; torch gets the
    standard-normal draws gpuad takes from its seeded generator."""
    rng = np.random.RandomState(0)
    x = (rng.uniform(size=(6, 8)) > 0.5).astype(np.float64)
    init = [rng.normal(size=(8, 4)) * 0.3, np.zeros(4), rng.normal(size=(2, 8)) * 0.3, np.zeros(8)]
    ours = [ad.tensor(p.copy(), requires_grad=True) for p in init]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in init]
    noise = np.random.RandomState(11)
    monkeypatch.setattr(
        TD.normal,
        "_standard_normal",
        lambda shp, dtype, device: torch.tensor(noise.standard_normal(tuple(shp)), dtype=dtype),
    )
    gnp.random.seed(11)
    losses = []
    for _ in range(5):
        a = _vae_step("gpuad", ours, x)
        b = _vae_step("torch", theirs, torch.tensor(x))
        np.testing.assert_allclose(a, b, **TOL)
        losses.append(a)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(_np(p), t.detach().numpy(), **TOL)
    assert losses[-1] < losses[0]


def test_reinforce_port_matches_torch():
    """REINFORCE on a three-armed bandit with a Categorical policy and an entropy bonus; the
    actions gpuad samples are the ones torch's policy is scored on."""
    reward = np.array([1.0, 0.2, -0.5])
    theta = ad.tensor(np.zeros(3), requires_grad=True)
    ttheta = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    gnp.random.seed(2)
    for _ in range(6):
        pi = D.Categorical(logits=theta)
        a = pi.sample((8,))
        assert not a.requires_grad
        r = reward[_np(a)]
        adv = r - r.mean()
        loss = -(pi.log_prob(a) * adv).mean() - 0.01 * pi.entropy()
        loss.backward()
        tpi = TD.Categorical(logits=ttheta)
        tloss = -(tpi.log_prob(torch.tensor(_np(a))) * torch.tensor(adv)).mean()
        tloss = tloss - 0.01 * tpi.entropy()
        tloss.backward()
        np.testing.assert_allclose(float(loss.item()), tloss.item(), **TOL)
        np.testing.assert_allclose(_np(theta.grad), ttheta.grad.numpy(), **TOL)
        with ad.no_grad():
            theta -= 0.5 * theta.grad
        with torch.no_grad():
            ttheta -= 0.5 * ttheta.grad
        theta.grad = None
        ttheta.grad = None
    probs = _np(D.Categorical(logits=theta).probs)
    assert probs[0] > 1 / 3  # the best arm gained


MODE_CASES = [
    ("Bernoulli", {"probs": [0.2, 0.5, 0.7]}),
    ("Categorical", {"probs": [[0.2, 0.5, 0.3]]}),
    ("OneHotCategorical", {"probs": [[0.2, 0.5, 0.3]]}),
    ("Binomial", {"total_count": [5.0, 5.0], "probs": [0.2, 0.7]}),
    ("Poisson", {"rate": [0.5, 3.2]}),
    ("Gamma", {"concentration": [0.7, 2.5], "rate": [1.3, 0.4]}),
    ("Beta", {"concentration1": [1.7, 2.5], "concentration0": [1.3, 3.4]}),
    ("Dirichlet", {"concentration": [[0.7, 0.5, 0.1], [3.0, 1.3, 2.4]]}),
    ("StudentT", {"df": [0.5, 1.5, 2.5]}),
    ("Exponential", {"rate": [0.5]}),
    ("Uniform", {"low": [0.0], "high": [1.0]}),
    ("Cauchy", {"loc": [0.0], "scale": [1.0]}),
    ("LogNormal", {"loc": [0.3], "scale": [0.5]}),
    ("Gumbel", {"loc": [0.3], "scale": [0.5]}),
]


@pytest.mark.parametrize("cls,params", MODE_CASES, ids=[c[0] for c in MODE_CASES])
def test_modes_moments_and_sample_types_match_torch(cls, params):
    """mode, mean and variance (NaN and infinity where torch has them) and the shape and
    dtype of samples."""
    d = getattr(D, cls)(**{k: _arr(v) for k, v in params.items()})
    td = getattr(TD, cls)(**{k: torch.tensor(_arr(v)) for k, v in params.items()})
    for attr in ("mode", "mean", "variance"):
        ours, ref = _np(getattr(d, attr)), getattr(td, attr).numpy()
        assert ours.shape == ref.shape, attr
        np.testing.assert_allclose(ours, ref, rtol=1e-13, equal_nan=True, err_msg=attr)
    s, ts = _np(d.sample((2,))), td.sample((2,)).numpy()
    assert s.shape == ts.shape and s.dtype == ts.dtype


def test_independent_rsample_same_noise_as_torch(monkeypatch):
    eps = np.random.RandomState(4).standard_normal((3, 2, 2))
    monkeypatch.setattr(
        TD.normal,
        "_standard_normal",
        lambda shp, dtype, device: torch.tensor(eps.reshape(shp), dtype=dtype),
    )
    loc, scale = np.array([[0.3, -1.2], [0.5, 0.1]]), np.array([0.7, 1.9])
    mu, tmu = ad.tensor(loc, requires_grad=True), torch.tensor(loc, requires_grad=True)
    gnp.random.seed(4)
    x = D.Independent(D.Normal(mu, scale), 2).rsample((3,))
    tx = TD.Independent(TD.Normal(tmu, torch.tensor(scale)), 2).rsample((3,))
    gnp.sum(gnp.exp(x)).backward()
    tx.exp().sum().backward()
    np.testing.assert_allclose(_np(x), tx.detach().numpy(), **TOL)
    np.testing.assert_allclose(_np(mu.grad), tmu.grad.numpy(), **TOL)
