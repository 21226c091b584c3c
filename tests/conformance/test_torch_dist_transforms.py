"""gpuad.distributions transforms, constraints, biject_to/transform_to, KL divergences and the
transformed distributions against torch.distributions in float64.

A port of torch's test/distributions/test_transforms.py (every transform and its inverse,
with and without cache: inv.inv, equality, with_cache, forward/inverse round trips, shapes,
log_abs_det_jacobian against the log|det| of the autograd Jacobian, composed and transformed
distribution shapes), of test_constraints.py (each constraint's check, the biject_to and
transform_to registries), and of the KL tests of test_distributions.py (every registered pair
gpuad's distributions have, against torch's values and gradients and Monte Carlo; the
infinite cases; register_kl; NotImplementedError for unregistered pairs). Values and
gradients are compared with torch run in the same process on the same float64 inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.distributions as D
import gpuad.numpy as gnp
from gpuad.distributions import constraints as GC
from gpuad.distributions import transforms as GT

torch = pytest.importorskip("torch")
TD = torch.distributions
TT = torch.distributions.transforms
TC = torch.distributions.constraints

TOL = dict(rtol=1e-10, atol=1e-10)


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _g(a, grad=False):
    return ad.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- the transforms of torch's get_transforms, each built in both libraries ----------------


def _p(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


def _specs():
    """name -> builder(M, arr, cache_size) with M the transforms module, arr an array maker."""

    def affine(seed, shape, M, a, c):
        return M.AffineTransform(a(_p(seed, shape)), a(_p(seed + 100, shape)), cache_size=c)

    return {
        "Abs": lambda M, a, c: M.AbsTransform(cache_size=c),
        "Exp": lambda M, a, c: M.ExpTransform(cache_size=c),
        "Power2": lambda M, a, c: M.PowerTransform(exponent=2, cache_size=c),
        "PowerT1": lambda M, a, c: M.PowerTransform(exponent=a(_p(1, ())), cache_size=c),
        "PowerT2": lambda M, a, c: M.PowerTransform(exponent=a(_p(2, ())), cache_size=c),
        "Sigmoid": lambda M, a, c: M.SigmoidTransform(cache_size=c),
        "Tanh": lambda M, a, c: M.TanhTransform(cache_size=c),
        "Affine01": lambda M, a, c: M.AffineTransform(0, 1, cache_size=c),
        "Affine1m2": lambda M, a, c: M.AffineTransform(1, -2, cache_size=c),
        "Affine5": lambda M, a, c: affine(3, (5,), M, a, c),
        "Affine45": lambda M, a, c: affine(4, (4, 5), M, a, c),
        "Softmax": lambda M, a, c: M.SoftmaxTransform(cache_size=c),
        "Softplus": lambda M, a, c: M.SoftplusTransform(cache_size=c),
        "StickBreaking": lambda M, a, c: M.StickBreakingTransform(cache_size=c),
        "LowerCholesky": lambda M, a, c: M.LowerCholeskyTransform(cache_size=c),
        "PositiveDefinite": lambda M, a, c: M.PositiveDefiniteTransform(cache_size=c),
        "CorrCholesky": lambda M, a, c: M.CorrCholeskyTransform(cache_size=c),
        "Compose1": lambda M, a, c: M.ComposeTransform([affine(5, (4, 5), M, a, c)]),
        "Compose2": lambda M, a, c: M.ComposeTransform(
            [affine(6, (4, 5), M, a, c), M.ExpTransform(cache_size=c)]),
        "Compose4": lambda M, a, c: M.ComposeTransform(
            [M.AffineTransform(0, 1, cache_size=c), affine(7, (4, 5), M, a, c),
             M.AffineTransform(1, -2, cache_size=c), affine(8, (4, 5), M, a, c)]),
        "Reshape": lambda M, a, c: M.ReshapeTransform((4, 5), (2, 5, 2)),
        "Independent": lambda M, a, c: M.IndependentTransform(affine(9, (5,), M, a, c), 1),
        "CatLast": lambda M, a, c: M.CatTransform(
            [M.ExpTransform(), M.AffineTransform(1, -2), M.SigmoidTransform()], dim=-1,
            lengths=[2, 2, 1], cache_size=c),
        "CatFirst": lambda M, a, c: M.CatTransform(
            [M.TanhTransform(), M.SoftplusTransform()], dim=0, lengths=[1, 3], cache_size=c),
        "CatEvent": lambda M, a, c: M.CatTransform(
            [M.IndependentTransform(M.ExpTransform(), 1), M.AffineTransform(0.5, 3.0)],
            dim=0, lengths=[2, 2], cache_size=c),
        "StackLast": lambda M, a, c: M.StackTransform(
            [M.ExpTransform(), M.SigmoidTransform(), M.AffineTransform(1, -2),
             M.TanhTransform(), M.SoftplusTransform()], dim=-1, cache_size=c),
        "StackFirst": lambda M, a, c: M.StackTransform(
            [M.ExpTransform(), M.AffineTransform(0.3, 2.0), M.SigmoidTransform(),
             M.TanhTransform()], dim=0, cache_size=c),
        "CDF": lambda M, a, c: M.CumulativeDistributionTransform(
            (D if M is GT else TD).Normal(a(0.3), a(1.7)), cache_size=c),
    }


SPECS = _specs()


def _arr_g(v):
    return np.asarray(v, dtype=np.float64)


def _arr_t(v):
    return torch.tensor(np.asarray(v, dtype=np.float64))


def build(name, cache, inverse=False):
    g = SPECS[name](GT, _arr_g, cache)
    t = SPECS[name](TT, _arr_t, cache)
    return (g.inv, t.inv) if inverse else (g, t)


CASES = [(n, c, i) for n in SPECS for c in (0, 1) for i in (False, True)]
IDS = [f"{'Inv' if i else ''}{n}-cache{c}" for n, c, i in CASES]


def _forward_data(g):
    """Data in the domain of a forward (not inverted) gpuad transform, as numpy."""
    rng = np.random.default_rng(11)
    while isinstance(g, GT.IndependentTransform):
        g = g.base_transform
    if isinstance(g, GT.ReshapeTransform):
        return rng.standard_normal(g.in_shape)
    if isinstance(g, GT.LowerCholeskyTransform):
        return rng.standard_normal((6, 6))
    if isinstance(g, GT.PositiveDefiniteTransform):
        return rng.standard_normal((3, 4, 4))
    if isinstance(g, GT.CorrCholeskyTransform):
        return rng.standard_normal((3, 6))
    if isinstance(g, GT.CatTransform | GT.StackTransform | GT.CumulativeDistributionTransform):
        return rng.standard_normal((4, 5))
    dom = g.domain
    while isinstance(dom, GC.independent) and dom is not GC.real_vector:
        dom = dom.base_constraint
    if dom is GC.real or dom is GC.real_vector:
        return rng.standard_normal((4, 5) if dom is GC.real else (3, 6))
    if dom is GC.positive:
        return np.exp(rng.standard_normal((4, 5)))
    raise AssertionError(f"no data for {g}")


def data_for(g):
    if isinstance(g, GT._InverseTransform):
        x = _forward_data(g.inv)
        return _np(g.inv(x))
    return _forward_data(g)


# ---- torch's test_transforms.py --------------------------------------------------------------


@pytest.mark.parametrize("name,cache,inverse", CASES, ids=IDS)
def test_inv_inv(name, cache, inverse):
    g, _ = build(name, cache, inverse)
    assert g.inv.inv is g
    assert GT.identity_transform.inv.inv is GT.identity_transform


def test_equality():
    gs = [build(n, 0)[0] for n in SPECS] + [build(n, 0, True)[0] for n in SPECS]
    ts = [build(n, 0)[1] for n in SPECS] + [build(n, 0, True)[1] for n in SPECS]
    for i, (a, ta) in enumerate(zip(gs, ts, strict=True)):
        for j, (b, tb) in enumerate(zip(gs, ts, strict=True)):
            assert (a == b) == (i == j) == (ta == tb), (a, b)
            assert (a != b) == (i != j)
    assert GT.identity_transform == GT.identity_transform.inv
    # two separately made transforms of the same kind and parameters compare equal
    assert build("Affine5", 0)[0] == build("Affine5", 0)[0]
    assert build("Exp", 0, True)[0] == build("Exp", 1, True)[0]
    assert GT.PowerTransform(2.0) != GT.PowerTransform(3.0)


@pytest.mark.parametrize("name,cache,inverse", CASES, ids=IDS)
def test_with_cache(name, cache, inverse):
    g, _ = build(name, cache, inverse)
    if g._cache_size == 0:
        g = g.with_cache(1)
    assert g._cache_size == 1
    x = _g(data_for(g), True)
    y = g(x)
    assert g(x) is y
    if g.bijective or not isinstance(g, GT.AbsTransform):
        assert g.inv(y) is x


def _sym(g):
    """cholesky reads the lower triangle in gpuad (NumPy's convention) and the symmetric
    matrix in torch: the two gradients agree once symmetrised."""
    return (g + np.swapaxes(g, -1, -2)) / 2


def _compare(a, b, what, tol=TOL):
    np.testing.assert_allclose(_np(a), _np(b), err_msg=what, equal_nan=True, **tol)


@pytest.mark.parametrize("name,cache,inverse", CASES, ids=IDS)
def test_forward_inverse_values_and_grads(name, cache, inverse):
    g, t = build(name, cache, inverse)
    xv = data_for(g)
    assert g.bijective == t.bijective
    assert g.domain.event_dim == t.domain.event_dim
    assert g.codomain.event_dim == t.codomain.event_dim
    assert type(g).__name__.lstrip("_") == type(t).__name__.lstrip("_")
    x, xt = _g(xv, True), _t(xv, True)
    y, yt = g(x), t(xt)
    _compare(y, yt, f"{name}: forward")
    assert tuple(y.shape) == g.forward_shape(xv.shape) == tuple(t.forward_shape(xt.shape))
    w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(y.shape))
    (y * _g(w)).sum().backward()
    (yt * _t(w)).sum().backward()
    gx = _np(x.grad)
    if name == "PositiveDefinite" and inverse:
        gx = _sym(gx)
    _compare(gx, xt.grad, f"{name}: gradient of the forward map")
    # the inverse of a copy (past the cache)
    yv = _np(y).copy()
    y2, y2t = _g(yv, True), _t(yv, True)
    x2, x2t = g.inv(y2), t.inv(y2t)
    _compare(x2, x2t, f"{name}: inverse", dict(rtol=1e-9, atol=1e-9))
    assert tuple(x2.shape) == g.inverse_shape(yv.shape) == tuple(t.inverse_shape(y2t.shape))
    if g.bijective:
        np.testing.assert_allclose(_np(x2), xv, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_allclose(_np(g(x2)), yv, rtol=1e-9, atol=1e-9)
    w2 = np.random.default_rng(4).uniform(0.5, 1.5, tuple(x2.shape))
    (x2 * _g(w2)).sum().backward()
    (x2t * _t(w2)).sum().backward()
    gy, gyt = _np(y2.grad), _np(y2t.grad)
    if name == "PositiveDefinite" and not inverse:
        gy = _sym(gy)
    _compare(gy, gyt, f"{name}: gradient of the inverse", dict(rtol=1e-8, atol=1e-8))


def _autograd_logdet(g, xv):
    """log|det| of the Jacobian of ``g`` at each batch element, from gpuad's own jacrev."""
    ev_in = g.domain.event_dim
    ev_out = g.codomain.event_dim
    batch = xv.shape[: xv.ndim - ev_in]
    nb = int(np.prod(batch)) if batch else 1
    core = g
    while isinstance(core, GT.ComposeTransform) and len(core.parts) == 1:
        core = core.parts[0]
    base = core.inv if isinstance(core, GT._InverseTransform) else core
    jac = _np(ad.jacrev(lambda x: g(x))(xv))
    y = _np(g(xv))
    n_in = int(np.prod(xv.shape[xv.ndim - ev_in:])) if ev_in else 1
    n_out = int(np.prod(y.shape[y.ndim - ev_out:])) if ev_out else 1
    jac = jac.reshape(nb, n_out, nb, n_in)
    out_sel, in_sel = slice(None), slice(None)
    if isinstance(base, GT.StickBreakingTransform):
        if base is core:
            out_sel = slice(0, n_out - 1)
        else:
            in_sel = slice(0, n_in - 1)
    if isinstance(base, GT.CorrCholeskyTransform):
        d = int(round(math.sqrt(n_out if base is core else n_in)))
        r, c = np.tril_indices(d, -1)
        if base is core:
            out_sel = r * d + c
        else:
            in_sel = r * d + c
    out = []
    for b in range(nb):
        blk = jac[b][out_sel][:, b][:, in_sel]
        if ev_in == 0 and ev_out == 0:
            out.append(np.log(np.abs(blk[0, 0])))
        else:
            out.append(np.linalg.slogdet(blk)[1])
    return np.asarray(out).reshape(batch)


NO_LAD = {"Softmax", "LowerCholesky", "PositiveDefinite", "Abs"}


@pytest.mark.parametrize("name,cache,inverse", CASES, ids=IDS)
def test_log_abs_det_jacobian(name, cache, inverse):
    g, t = build(name, cache, inverse)
    xv = data_for(g)
    if name in NO_LAD:
        with pytest.raises(NotImplementedError):
            g.log_abs_det_jacobian(_g(xv), g(_g(xv)))
        with pytest.raises(NotImplementedError):
            t.log_abs_det_jacobian(_t(xv), t(_t(xv)))
        return
    x, xt = _g(xv, True), _t(xv, True)
    lad, ladt = g.log_abs_det_jacobian(x, g(x)), t.log_abs_det_jacobian(xt, t(xt))
    if not name.startswith("Stack"):  # torch's stack lad keeps the stacked axis
        assert tuple(lad.shape) == xv.shape[: xv.ndim - g.domain.event_dim]
    if tuple(ladt.shape) == tuple(lad.shape):
        _compare(lad, ladt, f"{name}: log_abs_det_jacobian", dict(rtol=1e-9, atol=1e-9))
    if tuple(ladt.shape) == tuple(lad.shape) and ladt.requires_grad:
        w = np.random.default_rng(5).uniform(0.5, 1.5, tuple(lad.shape))
        (lad * _g(w)).sum().backward()
        (ladt * _t(w)).sum().backward()
        if xt.grad is not None:
            _compare(x.grad, xt.grad, f"{name}: gradient of log_abs_det_jacobian",
                     dict(rtol=1e-8, atol=1e-8))
    if name != "Reshape" and not name.startswith(("Cat", "Stack")):
        want = _autograd_logdet(g, xv)
        np.testing.assert_allclose(_np(lad), want, rtol=1e-8, atol=1e-8,
                                   err_msg=f"{name}: log|det J| of the autograd Jacobian")


def test_cat_stack_log_abs_det_jacobian_against_autograd():
    """A block-diagonal Jacobian: each block's log|det| by jacrev, summed as torch does."""
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 5))
    g = build("CatLast", 0)[0]
    jac = _np(ad.jacrev(g)(xv))  # (4, 5, 4, 5), diagonal
    diag = np.array([[jac[i, j, i, j] for j in range(5)] for i in range(4)])
    np.testing.assert_allclose(_np(g.log_abs_det_jacobian(xv, g(xv))), np.log(np.abs(diag)),
                               rtol=1e-10)
    g = build("CatEvent", 0)[0]
    lad = _np(g.log_abs_det_jacobian(xv, g(xv)))
    assert lad.shape == (4,)
    np.testing.assert_allclose(lad[:2], xv[:2].sum(-1), rtol=1e-12)
    np.testing.assert_allclose(lad[2:], 5 * math.log(3.0), rtol=1e-12)


@pytest.mark.parametrize("name", ["Exp", "Power2", "PowerT1", "Sigmoid", "Tanh", "Affine1m2",
                                  "Affine5", "Softplus", "Compose2", "Independent", "CDF"])
def test_sign(name):
    for inverse in (False, True):
        g, t = build(name, 0, inverse)
        np.testing.assert_array_equal(np.asarray(_np(g.sign)), np.asarray(_np(t.sign)))
    with pytest.raises(NotImplementedError):
        GT.AbsTransform().sign  # noqa: B018
    with pytest.raises(NotImplementedError):
        GT.StickBreakingTransform().sign  # noqa: B018


def test_compose_transform_shapes():
    t0, t1, t2 = GT.ExpTransform(), GT.SoftmaxTransform(), GT.LowerCholeskyTransform()
    assert (t0.event_dim, t1.event_dim, t2.event_dim) == (0, 1, 2)
    assert GT.ComposeTransform([t0, t1]).event_dim == 1
    assert GT.ComposeTransform([t0, t2]).event_dim == 2
    assert GT.ComposeTransform([t1, t2]).event_dim == 2
    with pytest.raises(ValueError, match="event_dim"):
        GT.ReshapeTransform((2, 3), (6,)).event_dim  # noqa: B018


def _shape_cases():
    t0, t1, t2 = "exp", "softmax", "lowchol"
    n0, d1, n2 = "normal44", "dirichlet44", "normal344"
    return [
        ((4, 4), (), n0, []), ((4,), (4,), d1, []),
        ((4, 4), (), n0, [t0]), ((4,), (4,), n0, [t1]), ((4,), (4,), n0, [t0, t1]),
        ((), (4, 4), n0, [t0, t2]), ((4,), (4,), n0, [t1, t0]), ((), (4, 4), n0, [t1, t2]),
        ((), (4, 4), n0, [t2, t0]), ((), (4, 4), n0, [t2, t1]), ((4,), (4,), d1, [t0]),
        ((4,), (4,), d1, [t1]), ((), (4, 4), d1, [t2]), ((4,), (4,), d1, [t0, t1]),
        ((), (4, 4), d1, [t0, t2]), ((4,), (4,), d1, [t1, t0]), ((), (4, 4), d1, [t1, t2]),
        ((), (4, 4), d1, [t2, t0]), ((), (4, 4), d1, [t2, t1]), ((3, 4, 4), (), n2, []),
        ((3,), (4, 4), n2, [t2]), ((3,), (4, 4), n2, [t0, t2]), ((3,), (4, 4), n2, [t1, t2]),
        ((3,), (4, 4), n2, [t2, t0]), ((3,), (4, 4), n2, [t2, t1]),
    ]


def _dist(lib, name):
    M = D if lib == "g" else TD
    a = np.asarray if lib == "g" else _arr_t
    return {"normal44": lambda: M.Normal(a(np.zeros((4, 4))), a(np.ones((4, 4)))),
            "dirichlet44": lambda: M.Dirichlet(a(np.ones((4, 4)))),
            "normal344": lambda: M.Normal(a(np.zeros((3, 4, 4))), a(np.ones((3, 4, 4))))}[name]()


def _tr(lib, name):
    M = GT if lib == "g" else TT
    return {"exp": M.ExpTransform, "softmax": M.SoftmaxTransform,
            "lowchol": M.LowerCholeskyTransform}[name]()


@pytest.mark.parametrize("batch_shape,event_shape,base,trs", _shape_cases())
def test_transformed_distribution_shapes(batch_shape, event_shape, base, trs):
    gbase = _dist("g", base)
    d = D.TransformedDistribution(gbase, [_tr("g", n) for n in trs]) if trs else gbase
    td = TD.TransformedDistribution(_dist("t", base), [_tr("t", n) for n in trs])
    assert d.batch_shape == batch_shape == tuple(td.batch_shape)
    assert d.event_shape == event_shape == tuple(td.event_shape)
    gnp.random.seed(0)
    x = d.rsample()
    xt = torch.tensor(_np(x))
    try:
        lpt = td.log_prob(xt)
    except NotImplementedError:  # softmax and lower Cholesky have no log|det J|
        with pytest.raises(NotImplementedError):
            d.log_prob(x)
        return
    lp = d.log_prob(x)
    assert tuple(np.shape(_np(lp))) == batch_shape
    np.testing.assert_allclose(_np(lp), lpt.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("event_dims", [(0,), (1,), (2, 3), (0, 1, 2), (1, 2, 0), (2, 0, 1)],
                         ids=str)
def test_compose_affine(event_dims):
    ts = [GT.AffineTransform(np.zeros((1,) * e), 1, event_dim=e) for e in event_dims]
    t = GT.ComposeTransform(ts)
    assert t.codomain.event_dim == max(event_dims) == t.domain.event_dim
    base = D.Normal(0.0, 1.0)
    if t.domain.event_dim:
        base = base.expand((1,) * t.domain.event_dim)
    assert D.TransformedDistribution(base, t.parts).support.event_dim == max(event_dims)
    base = D.Dirichlet(np.ones(5))
    if t.domain.event_dim > 1:
        base = base.expand((1,) * (t.domain.event_dim - 1))
    d = D.TransformedDistribution(base, ts)
    assert d.support.event_dim == max(1, max(event_dims))


@pytest.mark.parametrize("batch_shape", [(), (6,), (5, 4)], ids=str)
def test_compose_reshape(batch_shape):
    ts = [GT.ReshapeTransform((), ()), GT.ReshapeTransform((2,), (1, 2)),
          GT.ReshapeTransform((3, 1, 2), (6,)), GT.ReshapeTransform((6,), (2, 3))]
    t = GT.ComposeTransform(ts)
    assert t.codomain.event_dim == 2 == t.domain.event_dim
    data = np.random.default_rng(0).standard_normal(batch_shape + (3, 2))
    assert tuple(t(data).shape) == batch_shape + (2, 3)
    d = D.TransformedDistribution(D.Normal(data, 1.0), ts)
    assert d.batch_shape == batch_shape and d.event_shape == (2, 3)
    assert d.support.event_dim == 2
    td = TD.TransformedDistribution(TD.Normal(torch.tensor(data), 1.0),
                                    [TT.ReshapeTransform((), ()),
                                     TT.ReshapeTransform((2,), (1, 2)),
                                     TT.ReshapeTransform((3, 1, 2), (6,)),
                                     TT.ReshapeTransform((6,), (2, 3))])
    y = np.random.default_rng(1).standard_normal(batch_shape + (2, 3))
    np.testing.assert_allclose(_np(d.log_prob(y)), td.log_prob(torch.tensor(y)).numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("sample_shape", [(), (7,)], ids=str)
@pytest.mark.parametrize("transform_dim", [0, 1, 2])
@pytest.mark.parametrize("base_batch_dim", [0, 1, 2])
@pytest.mark.parametrize("base_event_dim", [0, 1, 2])
@pytest.mark.parametrize("num_transforms", [0, 1, 2, 3])
def test_transformed_distribution(base_batch_dim, base_event_dim, transform_dim,
                                  num_transforms, sample_shape):
    shape = (2, 3, 4, 5)
    base = D.Normal(0.0, 1.0).expand(shape[4 - base_batch_dim - base_event_dim:])
    if base_event_dim:
        base = D.Independent(base, base_event_dim)
    ts = [GT.AffineTransform(np.zeros(shape[4 - transform_dim:]), 1),
          GT.ReshapeTransform((4, 5), (20,)), GT.ReshapeTransform((3, 20), (6, 10))]
    ts = ts[:num_transforms]
    t = GT.ComposeTransform(ts)
    if base_batch_dim + base_event_dim < t.domain.event_dim:
        with pytest.raises(ValueError):
            D.TransformedDistribution(base, ts)
        return
    d = D.TransformedDistribution(base, ts)
    gnp.random.seed(0)
    x = _np(d.sample(sample_shape))
    assert x.shape == sample_shape + d.batch_shape + d.event_shape
    assert len(set(x.reshape(-1).tolist())) >= 0.9 * x.size
    assert np.shape(_np(d.log_prob(x))) == sample_shape + d.batch_shape
    y = x
    while y.ndim > len(d.event_shape):
        y = y[0]
    assert np.shape(_np(d.log_prob(y))) == d.batch_shape


def test_transformed_cdf_icdf_against_torch():
    loc, scale = [0.3, -0.2], [1.2, 0.6]
    for build_ts in (lambda M: [M.ExpTransform()],
                     lambda M: [M.AffineTransform(1.0, -2.0)],
                     lambda M: [M.SigmoidTransform(), M.AffineTransform(0.5, -3.0)]):
        p = [_g(loc, True), _g(scale, True)]
        pt = [_t(loc, True), _t(scale, True)]
        d = D.TransformedDistribution(D.Normal(*p), build_ts(GT))
        td = TD.TransformedDistribution(TD.Normal(*pt), build_ts(TT))
        y = _np(d.icdf(np.array([0.3, 0.8])))
        yt = td.icdf(_t([0.3, 0.8]))
        _compare(y, yt, "icdf")
        c, ct = d.cdf(_g(y)), td.cdf(_t(y))
        _compare(c, ct, "cdf")
        np.testing.assert_allclose(_np(c), [0.3, 0.8], rtol=1e-10)
        (c * _g([1.0, 2.0])).sum().backward()
        (ct * _t([1.0, 2.0])).sum().backward()
        for a, b in zip(p, pt, strict=True):
            _compare(a.grad, b.grad, "cdf gradient")


def test_transform_errors_as_torch():
    with pytest.raises(ValueError):
        GT.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError):
        GT.ReshapeTransform((2, 3), (6,)).forward_shape((3, 2))
    with pytest.raises(ValueError):
        GT.CorrCholeskyTransform().forward_shape((4,))
    with pytest.raises(ValueError):
        GT.CorrCholeskyTransform().inverse_shape((3, 4))
    with pytest.raises(ValueError):
        GT.ExpTransform(cache_size=2)
    with pytest.raises(ValueError):
        GT.StackTransform([GT.ExpTransform()] * 2, dim=-1)(np.ones((3, 3)))
    with pytest.raises(ValueError):
        GT.CatTransform([GT.ExpTransform()] * 2, dim=0, lengths=[1, 1])(np.ones((3, 3)))


# ---- torch's test_constraints.py -------------------------------------------------------------


def _constraint_cases():
    return [
        ("boolean", ()), ("real", ()), ("real_vector", ()), ("positive", ()),
        ("nonnegative", ()), ("greater_than", (-2.0,)),
        ("greater_than", (np.random.default_rng(0).standard_normal((2, 3)),)),
        ("greater_than_eq", (0.5,)), ("less_than", (1.5,)),
        ("less_than", (np.random.default_rng(1).standard_normal((2, 3)),)),
        ("unit_interval", ()), ("interval", (-2.0, -1.0)), ("interval", (1.0, 2.0)),
        ("interval", (np.zeros((2, 3)) - 1.0, np.ones((2, 3)) + 0.5)),
        ("half_open_interval", (-2.0, -1.0)), ("half_open_interval", (1.0, 2.0)),
        ("simplex", ()), ("corr_cholesky", ()), ("lower_cholesky", ()),
        ("lower_triangular", ()), ("positive_definite", ()), ("positive_semidefinite", ()),
        ("symmetric", ()), ("square", ()), ("one_hot", ()), ("nonnegative_integer", ()),
        ("positive_integer", ()), ("integer_interval", (0, 4)), ("multinomial", (3,)),
        ("cat", ("cat",)), ("stack", ("stack",)),
    ]


def _make_constraint(lib, name, args):
    M = GC if lib == "g" else TC
    conv = (lambda v: v) if lib == "g" else (
        lambda v: torch.tensor(v) if isinstance(v, np.ndarray) else v)
    if name == "cat":
        return M.cat([M.positive, M.real, M.unit_interval], dim=-1, lengths=[1, 1, 1])
    if name == "stack":
        return M.stack([M.positive, M.real, M.unit_interval], dim=-1)
    c = getattr(M, name)
    return c(*[conv(a) for a in args]) if args else c


def _values():
    rng = np.random.default_rng(2)
    vals = [rng.standard_normal((2, 3)), rng.uniform(0, 1, (2, 3)), np.eye(3)[None],
            rng.integers(-1, 5, (2, 3)).astype(float), np.array([[1.0, 0, 0], [0, 0, 1]]),
            np.abs(rng.standard_normal((2, 3))) * 2, np.full((2, 3), np.nan)]
    a = rng.standard_normal((2, 3, 3))
    vals += [a, a @ np.swapaxes(a, -1, -2) + np.eye(3), np.tril(a), np.abs(np.tril(a)) + 1,
             np.tril(np.ones((2, 3, 3))) / np.sqrt(np.arange(1, 4))[:, None]]
    return vals


@pytest.mark.parametrize("name,args", _constraint_cases(), ids=lambda v: str(v)[:20])
def test_constraint_check(name, args):
    g, t = _make_constraint("g", name, args), _make_constraint("t", name, args)
    assert g.event_dim == t.event_dim
    assert g.is_discrete == t.is_discrete
    for v in _values():
        try:
            want = t.check(torch.tensor(v)).numpy()
        except (RuntimeError, ValueError, AssertionError, IndexError):
            continue
        got = np.asarray(_np(g.check(v)))
        np.testing.assert_array_equal(got, want, err_msg=f"{name}{args} on {v}")


BIJECT = ["real", "real_vector", "positive", "nonnegative", "greater_than", "greater_than_eq",
          "less_than", "unit_interval", "interval", "half_open_interval", "simplex",
          "corr_cholesky", "cat", "stack"]
TRANSFORM = BIJECT + ["lower_cholesky", "positive_definite", "positive_semidefinite"]


def _registry_cases(names):
    return [(n, a) for n, a in _constraint_cases() if n in names]


def _unconstrained(g, rng):
    shp = g.inverse_shape((4, 5)) if g.domain.event_dim == g.codomain.event_dim else None
    if isinstance(g, GT.CorrCholeskyTransform):
        return rng.standard_normal((2, 6))
    if isinstance(g, GT.LowerCholeskyTransform | GT.PositiveDefiniteTransform):
        return rng.standard_normal((2, 3, 3))
    if isinstance(g, GT.CatTransform | GT.StackTransform):
        return rng.standard_normal((4, 3))
    if shp is None:
        return rng.standard_normal((2, 3, 4))
    return rng.standard_normal((2, 3))


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name,args", _registry_cases(TRANSFORM), ids=lambda v: str(v)[:20])
def test_biject_to_transform_to(registry, name, args):
    if registry == "biject_to" and name not in BIJECT:
        with pytest.raises(NotImplementedError):
            D.biject_to(_make_constraint("g", name, args))
        with pytest.raises(NotImplementedError):
            TD.biject_to(_make_constraint("t", name, args))
        return
    gc, tc = _make_constraint("g", name, args), _make_constraint("t", name, args)
    g, t = getattr(D, registry)(gc), getattr(TD, registry)(tc)
    assert type(g).__name__ == type(t).__name__
    if registry == "biject_to":
        assert g.bijective and t.bijective
    rng = np.random.default_rng(7)
    if np.ndim(args[0] if args else 0) == 2:
        x = rng.standard_normal((2, 3))
    else:
        x = _unconstrained(g, rng)
    xg, xt = _g(x, True), _t(x, True)
    y, yt = g(xg), t(xt)
    _compare(y, yt, f"{registry}({name}) forward")
    assert np.all(np.asarray(_np(gc.check(_np(y)))))
    assert np.all(tc.check(yt.detach()).numpy())
    w = rng.uniform(0.5, 1.5, tuple(y.shape))
    (y * _g(w)).sum().backward()
    (yt * _t(w)).sum().backward()
    _compare(xg.grad, xt.grad, f"{registry}({name}) gradient")
    if registry == "biject_to":
        np.testing.assert_allclose(_np(g.inv(_np(y).copy())), x, rtol=1e-7, atol=1e-7)
        lad, ladt = g.log_abs_det_jacobian(_g(x), y), t.log_abs_det_jacobian(_t(x), yt)
        assert tuple(lad.shape) == tuple(ladt.shape)
        if name != "stack":  # torch's stack lad keeps the stacked axis
            assert tuple(lad.shape) == x.shape[: x.ndim - g.domain.event_dim]
        if tuple(lad.shape) == tuple(ladt.shape):
            _compare(lad, ladt, f"biject_to({name}) log_abs_det_jacobian",
                     dict(rtol=1e-9, atol=1e-9))


def test_registry_register_and_errors():
    class MyConstraint(GC.Constraint):
        pass

    with pytest.raises(NotImplementedError, match="MyConstraint"):
        D.transform_to(MyConstraint())
    reg = D.constraint_registry.ConstraintRegistry()
    reg.register(MyConstraint, lambda c: GT.SoftplusTransform())
    assert isinstance(reg(MyConstraint()), GT.SoftplusTransform)
    with pytest.raises(TypeError):
        reg.register(3, lambda c: None)
    with pytest.raises(NotImplementedError):
        D.transform_to(GC.boolean)


# ---- KL divergences (test_distributions.py: test_kl_*) ---------------------------------------

# gpuad class name -> (constructor parameters, where they are positive/in the unit interval)
P2 = np.array([0.7, 1.3])


def _params(cls, seed):
    rng = np.random.default_rng(seed)
    pos = lambda: rng.uniform(0.5, 2.5, 2)  # noqa: E731
    real = lambda: rng.standard_normal(2)  # noqa: E731
    return {
        "Bernoulli": {"probs": rng.uniform(0.1, 0.9, 2)},
        "Binomial": {"total_count": 10, "probs": rng.uniform(0.1, 0.9, 2)},
        "Beta": {"concentration1": pos(), "concentration0": pos()},
        "Categorical": {"probs": rng.dirichlet(np.ones(3), 2)},
        "OneHotCategorical": {"probs": rng.dirichlet(np.ones(3), 2)},
        "Cauchy": {"loc": real(), "scale": pos()},
        "Dirichlet": {"concentration": rng.uniform(0.5, 2.5, (2, 3))},
        "Exponential": {"rate": pos()},
        "Gamma": {"concentration": pos(), "rate": pos()},
        "Chi2": {"df": pos() * 2},
        "Gumbel": {"loc": real(), "scale": pos()},
        "HalfNormal": {"scale": pos()},
        "Laplace": {"loc": real(), "scale": pos()},
        "LogNormal": {"loc": real(), "scale": pos()},
        "Normal": {"loc": real(), "scale": pos()},
        "Pareto": {"scale": pos(), "alpha": pos() + 2.0},
        "Poisson": {"rate": pos()},
        "Uniform": {"low": rng.uniform(0.05, 0.3, 2), "high": rng.uniform(0.6, 0.95, 2)},
        "MultivariateNormal": {"loc": rng.standard_normal((2, 3)),
                               "scale_tril": np.tril(rng.uniform(0.2, 0.6, (2, 3, 3)))
                               + np.eye(3)},
    }[cls]


def _kl_pairs():
    names = set(D.__all__)
    pairs = []
    for tp, tq in TD.kl._KL_REGISTRY:
        if tp.__name__ in names and tq.__name__ in names:
            pairs.append((tp.__name__, tq.__name__))
    pairs += [("Chi2", "Chi2"), ("Chi2", "Exponential"), ("LogNormal", "LogNormal")]
    return sorted(set(pairs) - {("TransformedDistribution", "TransformedDistribution"),
                                ("Independent", "Independent")})


NO_GRAD = {"total_count"}


def _make(lib, cls, params, grads):
    M = D if lib == "g" else TD
    kw = {}
    for k, v in params.items():
        if k in NO_GRAD:
            kw[k] = v
        else:
            kw[k] = _g(v, True) if lib == "g" else _t(v, True)
            grads[k] = kw[k]
    return getattr(M, cls)(**kw)


@pytest.mark.parametrize("pq", _kl_pairs(), ids="-".join)
def test_kl_against_torch(pq):
    cp, cq = pq
    pp, qp = _params(cp, 1), _params(cq, 2)
    try:
        want = TD.kl_divergence(_make("t", cp, pp, {}), _make("t", cq, qp, {}))
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            D.kl_divergence(_make("g", cp, pp, {}), _make("g", cq, qp, {}))
        return
    gp, gq = {}, {}
    tp_, tq_ = {}, {}
    kl = D.kl_divergence(_make("g", cp, pp, gp), _make("g", cq, qp, gq))
    klt = TD.kl_divergence(_make("t", cp, pp, tp_), _make("t", cq, qp, tq_))
    np.testing.assert_allclose(_np(klt), _np(want))
    _compare(kl, klt, f"KL({cp} || {cq})", dict(rtol=1e-10, atol=1e-12))
    if not np.all(np.isfinite(_np(klt))):
        return
    w = np.random.default_rng(0).uniform(0.5, 1.5, tuple(klt.shape))
    (kl * _g(w)).sum().backward()
    (klt * _t(w)).sum().backward()
    tol = dict(rtol=1e-8, atol=1e-9)  # torch's float64 trigamma is accurate to about 1e-9
    for side, a, b in (("p", gp, tp_), ("q", gq, tq_)):
        for k in a:
            ga = a[k].grad
            gb = b[k].grad
            if gb is None:
                continue
            _compare(ga, gb, f"KL({cp} || {cq}): gradient of {side}.{k}", tol)


MC_PAIRS = [("Normal", "Gumbel"), ("Gumbel", "Normal"), ("Uniform", "Beta"),
            ("Exponential", "Gamma"), ("Gamma", "Gumbel"), ("Laplace", "Normal"),
            ("Normal", "Laplace"), ("Pareto", "Exponential"), ("HalfNormal", "HalfNormal"),
            ("Poisson", "Poisson"), ("Cauchy", "Cauchy"), ("Uniform", "Gumbel"),
            ("Pareto", "Pareto"), ("Beta", "Normal"), ("Binomial", "Binomial")]


@pytest.mark.parametrize("pq", MC_PAIRS, ids="-".join)
def test_kl_monte_carlo(pq):
    cp, cq = pq
    pp, qp = _params(cp, 1), _params(cq, 2)
    if pq == ("Pareto", "Pareto"):
        pp = {"scale": qp["scale"] + 0.5, "alpha": pp["alpha"]}
    p, q = _make("g", cp, pp, {}), _make("g", cq, qp, {})
    gnp.random.seed(0)
    n = 40000
    x = _np(p.sample((n,)))
    est = _np(p.log_prob(x)) - _np(q.log_prob(x))
    mean, err = est.mean(0), est.std(0) / math.sqrt(n)
    np.testing.assert_array_less(np.abs(mean - _np(D.kl_divergence(p, q))), 5 * err + 1e-3)


def test_kl_infinite_cases():
    inf_pairs = [(D.Normal(0.0, 1.0), D.Uniform(-1.0, 1.0)),
                 (D.Exponential(1.0), D.Uniform(0.0, 2.0)), (D.Gamma(2.0, 1.0), D.Beta(1.0, 1.0)),
                 (D.Gumbel(0.0, 1.0), D.Exponential(1.0)), (D.Laplace(0.0, 1.0), D.Gamma(2.0, 1.0)),
                 (D.Pareto(1.0, 3.0), D.Uniform(0.0, 5.0)), (D.Poisson(2.0), D.Bernoulli(0.4)),
                 (D.Beta(2.0, 2.0), D.Pareto(1.0, 2.0)), (D.Uniform(-1.0, 1.0), D.Exponential(1.0)),
                 (D.Uniform(0.0, 2.0), D.Uniform(0.5, 1.0)), (D.Bernoulli(0.5), D.Bernoulli(0.0)),
                 (D.Pareto(1.0, 0.5), D.Exponential(1.0)), (D.Pareto(1.0, 1.5), D.Normal(0.0, 1.0)),
                 (D.Pareto(1.0, 3.0), D.Pareto(2.0, 3.0)), (D.Uniform(-0.5, 0.5), D.Beta(2.0, 2.0))]
    for p, q in inf_pairs:
        assert np.all(np.isinf(_np(D.kl_divergence(p, q)))), (p, q)


def test_kl_unregistered_and_register():
    with pytest.raises(NotImplementedError, match="StudentT"):
        D.kl_divergence(D.StudentT(3.0), D.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError):
        TD.kl_divergence(TD.StudentT(3.0), TD.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Weibull(1.0, 2.0), D.Weibull(1.0, 3.0))
    with pytest.raises(NotImplementedError):
        TD.kl_divergence(TD.Weibull(1.0, 2.0), TD.Weibull(1.0, 3.0))
    np.testing.assert_allclose(_np(D.kl_divergence(D.Weibull(1.0, 2.0), D.Weibull(1.0, 2.0))), 0)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Binomial(5, probs=0.3), D.Binomial(10, probs=0.3))

    class MyNormal(D.Normal):
        pass

    # the most specific registered pair is used: a subclass inherits Normal's rule ...
    p, q = MyNormal(0.2, 1.1), D.Normal(0.0, 1.0)
    base = _np(D.kl_divergence(D.Normal(0.2, 1.1), q))
    np.testing.assert_allclose(_np(D.kl_divergence(p, q)), base)

    # ... until it registers its own
    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return 42.0 + 0 * p.loc

    assert float(_np(D.kl_divergence(p, q))) == 42.0
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)


# ---- the transformed distributions -----------------------------------------------------------

TDISTS = [
    ("HalfNormal", {"scale": [0.7, 1.9]}, [0.4, 2.1], [0.2, 0.85]),
    ("HalfCauchy", {"scale": [0.7, 1.9]}, [0.4, 2.1], [0.2, 0.85]),
    ("Weibull", {"scale": [0.7, 1.9], "concentration": [1.5, 0.8]}, [0.4, 2.1], [0.2, 0.85]),
    ("Pareto", {"scale": [0.7, 1.9], "alpha": [3.5, 2.5]}, [0.9, 2.1], [0.2, 0.85]),
    ("Kumaraswamy", {"concentration1": [1.5, 0.8], "concentration0": [2.5, 1.2]},
     [0.3, 0.7], [0.2, 0.85]),
    ("LogNormal", {"loc": [0.3, -0.4], "scale": [0.7, 1.3]}, [0.4, 2.1], [0.2, 0.85]),
    ("Gumbel", {"loc": [0.3, -0.4], "scale": [0.7, 1.3]}, [0.4, 2.1], [0.2, 0.85]),
    ("LogisticNormal", {"loc": [[0.3, -0.4, 0.2]], "scale": [[0.7, 1.3, 0.5]]},
     [[0.1, 0.2, 0.3, 0.4]], None),
]

QUANTITIES = {
    "log_prob": lambda d, v: d.log_prob(v), "cdf": lambda d, v: d.cdf(v),
    "icdf": lambda d, v: d.icdf(v), "mean": lambda d, v: d.mean,
    "variance": lambda d, v: d.variance, "entropy": lambda d, v: d.entropy(),
    "mode": lambda d, v: d.mode,
}


def _quantity(lib, cls, params, q, value):
    leaves = {k: (_g(v, True) if lib == "g" else _t(v, True)) for k, v in params.items()}
    d = (getattr(D, cls) if lib == "g" else getattr(TD, cls))(**leaves)
    val = None if value is None else (_g(value, True) if lib == "g" else _t(value, True))
    out = QUANTITIES[q](d, val)
    outv = _np(out)
    if np.all(np.isfinite(outv)) and getattr(out, "requires_grad", False):
        w = np.random.default_rng(0).uniform(0.5, 1.5, outv.shape)
        (out * (_g(w) if lib == "g" else _t(w))).sum().backward()
    grads = {k: (None if t.grad is None else _np(t.grad)) for k, t in leaves.items()}
    if val is not None:
        grads["value"] = None if val.grad is None else _np(val.grad)
    return outv, grads


def _tcases():
    out = []
    for cls, params, value, probs in TDISTS:
        for q in QUANTITIES:
            v = probs if q == "icdf" else value
            if v is None and q in ("cdf", "icdf"):
                continue
            out.append((cls, params, q, v if q in ("log_prob", "cdf", "icdf") else None))
    return out


@pytest.mark.parametrize("cls,params,q,value", _tcases(),
                         ids=[f"{c}-{q}" for c, _, q, _ in _tcases()])
def test_transformed_distributions_against_torch(cls, params, q, value):
    try:
        ref, gref = _quantity("t", cls, params, q, value)
    except NotImplementedError:
        with pytest.raises((NotImplementedError, AttributeError)):
            _quantity("g", cls, params, q, value)
        return
    ours, gours = _quantity("g", cls, params, q, value)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12, equal_nan=True)
    for k, g in gref.items():
        if g is None:
            continue
        mine = gours[k]
        if mine is None:
            mine = np.zeros_like(g)
        np.testing.assert_allclose(mine, g, rtol=1e-8, atol=1e-9, err_msg=f"{cls}.{q}: d/d{k}")


def _base_draw(cls, p, lib):
    """One base draw of each distribution as a function of its parameters (the same noise in
    both libraries): the reparameterised path torch's and gpuad's rsample take."""
    rng = np.random.default_rng(1)
    e = rng.standard_normal((3, 2))
    c = rng.standard_cauchy((3, 2))
    x = rng.standard_exponential((3, 2))
    u = rng.uniform(size=(3, 2))
    e3 = rng.standard_normal((3, 1, 3))
    a = _g if lib == "g" else _t
    return {"HalfNormal": lambda: p["scale"] * a(e),
            "HalfCauchy": lambda: p["scale"] * a(c),
            "Weibull": lambda: a(x),
            "Pareto": lambda: a(x) / p["alpha"],
            "Kumaraswamy": lambda: a(u),
            "LogisticNormal": lambda: p["loc"] + p["scale"] * a(e3)
            }[cls]()


RSAMPLE = [c for c, *_ in TDISTS if c not in ("LogNormal", "Gumbel")]


@pytest.mark.parametrize("cls", RSAMPLE)
def test_rsample_path_gradients_against_torch(cls):
    """The transforms of one base draw, and their gradients in the parameters."""
    params = next(p for c, p, *_ in TDISTS if c == cls)
    gl = {k: _g(v, True) for k, v in params.items()}
    tl = {k: _t(v, True) for k, v in params.items()}
    d, td = getattr(D, cls)(**gl), getattr(TD, cls)(**tl)
    y, yt = _base_draw(cls, gl, "g"), _base_draw(cls, tl, "t")
    for t in d.transforms:
        y = t(y)
    for t in td.transforms:
        yt = t(yt)
    _compare(y, yt, f"{cls}: the transformed draw")
    w = np.random.default_rng(1).uniform(0.5, 1.5, tuple(yt.shape))
    (y * _g(w)).sum().backward()
    (yt * _t(w)).sum().backward()
    for k in gl:
        _compare(gl[k].grad, tl[k].grad, f"{cls}: d draw / d {k}", dict(rtol=1e-9, atol=1e-10))
    # the sampler itself is differentiable, its draws inside the support
    gl = {k: _g(v, True) for k, v in params.items()}
    d = getattr(D, cls)(**gl)
    gnp.random.seed(0)
    s = d.rsample((5,))
    s.sum().backward()
    assert all(t.grad is not None for t in gl.values())
    assert np.all(np.asarray(_np(d.support.check(_np(s)))))


RELAXED = [("RelaxedBernoulli", {"probs": [0.3, 0.8]}, [0.2, 0.9]),
           ("RelaxedBernoulli", {"logits": [-0.4, 1.1]}, [0.6, 0.05]),
           ("RelaxedOneHotCategorical", {"probs": [[0.2, 0.3, 0.5]]}, [[0.1, 0.6, 0.3]]),
           ("RelaxedOneHotCategorical", {"logits": [[0.2, -1.3, 0.5], [1.0, 0.0, -2.0]]},
            [[0.1, 0.6, 0.3], [0.7, 0.2, 0.1]])]


@pytest.mark.parametrize("cls,kw,value", RELAXED, ids=[f"{c}-{list(k)[0]}" for c, k, _ in RELAXED])
def test_relaxed_against_torch(cls, kw, value, monkeypatch):
    """log_prob and its gradients, and rsample fed the same uniforms, with gradients."""
    temp = 0.7
    leaves = {k: _g(v, True) for k, v in kw.items()}
    tleaves = {k: _t(v, True) for k, v in kw.items()}
    gt, tt = _g(temp, True), _t(temp, True)
    val, valt = _g(value, True), _t(value, True)
    g = getattr(D, cls)(gt, **leaves)
    t = getattr(TD, cls)(tt, **tleaves)
    lp, lpt = g.log_prob(val), t.log_prob(valt)
    _compare(lp, lpt, f"{cls}.log_prob")
    lp.sum().backward()
    lpt.sum().backward()
    for a, b, what in [(gt, tt, "temperature"), (val, valt, "value")] + [
            (leaves[k], tleaves[k], k) for k in kw]:
        _compare(a.grad, b.grad, f"{cls}.log_prob: d/d{what}", dict(rtol=1e-9, atol=1e-10))
    # rsample on the same uniforms
    shape = (4,) + tuple(t.batch_shape) + tuple(t.event_shape)
    u = np.random.default_rng(2).uniform(size=shape)
    monkeypatch.setattr(D.relaxed, "uniform01",
                        lambda shp, like=None: ad.get_backend().xp.asarray(u))
    monkeypatch.setattr(torch, "rand", lambda *a, **k: torch.tensor(u))
    leaves = {k: _g(v, True) for k, v in kw.items()}
    tleaves = {k: _t(v, True) for k, v in kw.items()}
    gt, tt = _g(temp, True), _t(temp, True)
    s = getattr(D, cls)(gt, **leaves).rsample((4,))
    st = getattr(TD, cls)(tt, **tleaves).rsample((4,))
    _compare(s, st, f"{cls}.rsample")
    w = np.random.default_rng(3).uniform(0.5, 1.5, shape)
    (s * _g(w)).sum().backward()
    (st * _t(w)).sum().backward()
    for a, b, what in [(gt, tt, "temperature")] + [(leaves[k], tleaves[k], k) for k in kw]:
        _compare(a.grad, b.grad, f"{cls}.rsample: d/d{what}", dict(rtol=1e-9, atol=1e-10))


def test_kl_edgecases_and_shapes():
    """torch's test_kl_edgecases and test_kl_transformed."""
    cases = [(D.Bernoulli(0.0), D.Bernoulli(0.0), TD.Bernoulli(0.0), TD.Bernoulli(0.0)),
             (D.Bernoulli(1.0), D.Bernoulli(1.0), TD.Bernoulli(1.0), TD.Bernoulli(1.0)),
             (D.Categorical(np.array([0.0, 1.0])), D.Categorical(np.array([0.0, 1.0])),
              TD.Categorical(_t([0.0, 1.0])), TD.Categorical(_t([0.0, 1.0]))),
             (D.Uniform(0.0, 1.0), D.Beta(1.0, 1.0), TD.Uniform(0.0, 1.0), TD.Beta(1.0, 1.0))]
    for p, q, tp, tq in cases:
        assert float(_np(D.kl_divergence(p, q))) == float(TD.kl_divergence(tp, tq)) == 0.0
    for lo, hi in [(0.0, 1.0), (0.0, 0.5), (0.5, 1.0)]:
        for gq, tq in [(D.Beta(2.0, 3.0), TD.Beta(_t(2.0), _t(3.0))),
                       (D.Gamma(2.0, 3.0), TD.Gamma(_t(2.0), _t(3.0)))]:
            pl, tl = _g(lo, True), _t(lo, True)
            kl = D.kl_divergence(D.Uniform(pl, hi), gq)
            klt = TD.kl_divergence(TD.Uniform(tl, _t(hi)), tq)
            _compare(kl, klt, f"KL(Uniform({lo}, {hi}) || {type(gq).__name__})")
    n = D.Independent(D.Normal(np.zeros((2, 3)), np.ones((2, 3))), 1)
    td = D.TransformedDistribution(n, GT.AffineTransform(0.0, 2.0))
    assert np.shape(_np(D.kl_divergence(n, n))) == (2,)
    assert np.shape(_np(D.kl_divergence(td, td))) == (2,)


@pytest.mark.parametrize("pq", _kl_pairs(), ids="-".join)
def test_kl_shape(pq):
    """The KL of a batch of 2 against a batch expanded to (3, 2): torch's shape."""
    cp, cq = pq
    p = _make("g", cp, _params(cp, 1), {})
    q = _make("g", cq, _params(cq, 2), {}).expand((3, 2))
    tp = _make("t", cp, _params(cp, 1), {})
    tq = _make("t", cq, _params(cq, 2), {}).expand((3, 2))
    try:
        want = tuple(TD.kl_divergence(tp, tq).shape)
    except NotImplementedError:
        return
    except IndexError:  # torch's masked assignment does not broadcast; gpuad's where does
        want = (3, 2)
    assert np.shape(_np(D.kl_divergence(p, q))) == want


def test_transformed_expand_against_torch():
    """expand of the transformed distributions: torch's shapes and log_prob of torch's draws."""
    pairs = [
        (lambda M, a: M.HalfNormal(a(np.ones(2)))),
        (lambda M, a: M.Weibull(a(np.ones(2)), a(2.0))),
        (lambda M, a: M.Pareto(a(1.0), a(np.full(2, 3.0)))),
        (lambda M, a: M.Kumaraswamy(a(np.ones(2)), a(2.0))),
        (lambda M, a: M.LogisticNormal(a(np.zeros((2, 3))), a(np.ones(3)))),
        (lambda M, a: M.TransformedDistribution(M.Normal(a(np.zeros(2)), a(1.0)),
                                                (GT if M is D else TT).ExpTransform())),
        (lambda M, a: M.TransformedDistribution(M.Normal(a(np.zeros(3)), a(1.0)),
                                                (GT if M is D else TT).StickBreakingTransform())),
    ]
    torch.manual_seed(0)
    for make in pairs:
        g, t = make(D, _arr_g), make(TD, _arr_t)
        bs = (5,) + tuple(g.batch_shape)
        e, et = g.expand(bs), t.expand(bs)
        assert type(e) is type(g)
        assert (e.batch_shape, e.event_shape) == (tuple(et.batch_shape), tuple(et.event_shape))
        gnp.random.seed(0)
        assert tuple(e.sample((2,)).shape) == tuple(et.sample((2,)).shape)
        x = et.sample()
        np.testing.assert_allclose(_np(e.log_prob(x.numpy())), et.log_prob(x).numpy(),
                                   rtol=1e-10, atol=1e-12)
