"""HIPS autograd's ``tests/test_scipy.py``, run against gpuad.

Every distribution, special function, convolution and integrator that suite differentiates, with
its argument combinations (autograd's ``combo_check``: every combination of the listed values
and keywords, differentiated in the listed arguments), checked with
``gpuad.testing.check_grads`` to second order against central differences, in both modes
(autograd checks reverse mode only). Where gpuad documents a different behaviour (a derivative
in a shape parameter, a piecewise-constant function, ``multivariate_normal`` off the support
of a singular covariance), the test asserts gpuad's behaviour; see docs/semantics.md, "SciPy
functions".
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import to_numpy
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.integrate as integrate
import gpuad.scipy.linalg as spla
import gpuad.scipy.signal as signal
import gpuad.scipy.special as special
import gpuad.scipy.stats as stats
from gpuad.scipy.stats import multivariate_normal as mvn
from gpuad.testing import check_grads

scipy = pytest.importorskip("scipy")
import scipy.signal as sp_signal  # noqa: E402
import scipy.stats as sp_stats  # noqa: E402

BOTH = ("fwd", "rev")
_RNG = np.random.RandomState(1)


def R(*shape):
    return _RNG.randn(*shape)


def U(lo, hi, size=None):
    return _RNG.uniform(lo, hi, size)


def combo(fun, argnums, *arg_lists, order=2, modes=BOTH, rtol=None, atol=None, **kw_lists):
    """autograd's combo_check: each combination of the listed arguments and keywords, with
    derivatives in the arguments ``argnums``."""
    kw_items = [[(k, v) for v in vs] for k, vs in kw_lists.items()]
    for args in itertools.product(*arg_lists):
        for kws in itertools.product(*kw_items):
            kws = dict(kws)

            def f(*wrt, args=args, kws=kws):
                full = list(args)
                for i, a in zip(argnums, wrt, strict=True):
                    full[i] = a
                return fun(*full, **kws)

            check_grads(f, [args[i] for i in argnums], order=order, modes=modes, rtol=rtol,
                        atol=atol)


def _transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


def unary(fun, lims, test_complex=False):
    """autograd's unary_ufunc_check: scalars, a vector and matrices within ``lims``."""
    r = np.random.RandomState(2)
    values = [_transform(lims, 1.0), _transform(lims, 0.4), _transform(lims, r.rand(2)),
              _transform(lims, r.rand(3, 2)), _transform(lims, r.rand(1, 2))]
    combo(fun, [0], values)
    if test_complex:
        comp = _transform(lims, 0.4) + 0.1j * _transform(lims, 0.3)
        matc = _transform(lims, r.rand(3, 2)) + 0.1j * r.rand(3, 2)
        combo(fun, [0], [comp, matc])


def _symmetrize(fun, argnum):
    def sym(*args, **kw):
        args = list(args)
        x = args[argnum]
        args[argnum] = 0.5 * (x + gnp.swapaxes(x, -1, -2))
        return fun(*args, **kw)
    return sym


def _psd(m):
    return m.T @ m + np.eye(m.shape[0])


# ---- stats -----------------------------------------------------------------------------------

POS = lambda *s: R(*s) ** 2 + 1.1  # noqa: E731


@pytest.mark.parametrize("fn", ["pdf", "cdf", "logpdf"])
def test_chi2(backend, fn):
    combo(getattr(stats.chi2, fn), [0], [POS(4)], [1, 2, 3])


@pytest.mark.parametrize("fn,argnums", [("cdf", [0]), ("pdf", [0, 1, 2]),
                                        ("logpdf", [0, 1, 2])])
def test_beta(backend, fn, argnums):
    combo(getattr(stats.beta, fn), argnums, [U(0.0, 1.0, 4)], [POS(4)], [POS(4)])


@pytest.mark.parametrize("fn,argnums", [("cdf", [0]), ("pdf", [0, 1]), ("logpdf", [0, 1])])
def test_gamma(backend, fn, argnums):
    combo(getattr(stats.gamma, fn), argnums, [POS(4)], [POS(4)])


@pytest.mark.parametrize("fn", ["cdf", "logcdf"])
@pytest.mark.parametrize("dist,args", [("beta", 3)])
def test_cdf_shape_parameter_raises(backend, dist, args, fn):
    """autograd differentiates these CDFs in x only; gpuad raises for beta's shape parameters
    (gamma's cdf is differentiable in a, through gammainc: tests/test_scipy_stats_more.py)."""
    f = getattr(getattr(stats, dist), fn)
    x = U(0.2, 0.8, 3)
    params = [POS(3) for _ in range(args - 1)]
    with pytest.raises(ad.MissingRuleError):
        ad.grad(lambda a: gnp.sum(f(x, a, *params[1:])))(params[0])


NORM_FNS = ["pdf", "cdf", "sf", "logpdf", "logcdf", "logsf"]


@pytest.mark.parametrize("fn", NORM_FNS)
def test_norm(backend, fn):
    combo(getattr(stats.norm, fn), [0, 1, 2], [R(4)], [R(4)], [POS(4)])


@pytest.mark.parametrize("fn", NORM_FNS)
def test_norm_broadcast(backend, fn):
    combo(getattr(stats.norm, fn), [0, 1, 2], [R(4, 3)], [R(1, 3)], [POS(4, 1)])


@pytest.mark.parametrize("fn", ["cdf", "logpmf", "pmf"])
@pytest.mark.parametrize("shapes", [((4,), (4,)), ((4, 3), (4, 1))])
def test_poisson(backend, fn, shapes):
    k = np.round(R(*shapes[0]) ** 2)
    combo(getattr(stats.poisson, fn), [1], [k], [POS(*shapes[1]) + 0.0])


@pytest.mark.parametrize("fn,argnums", [("pdf", [0, 1, 2, 3]), ("cdf", [0, 2, 3]),
                                        ("logpdf", [0, 1, 2, 3]), ("logcdf", [0, 2, 3])])
def test_t(backend, fn, argnums):
    combo(getattr(stats.t, fn), argnums, [R(4)], [R(4) ** 2 + 2.1], [R(4)], [R(4) ** 2 + 2.1])


@pytest.mark.parametrize("fn,argnums", [("pdf", [0, 1, 2, 3]), ("cdf", [0, 2, 3]),
                                        ("logpdf", [0, 1, 2, 3]), ("logcdf", [0, 2, 3])])
def test_t_broadcast(backend, fn, argnums):
    combo(getattr(stats.t, fn), argnums, [R(4, 3)], [R(1, 3) ** 2 + 2.1], [R(4, 3)],
          [R(4, 1) ** 2 + 2.1])


@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
@pytest.mark.parametrize("xshape", [(4,), (5, 4)])
def test_mvn(backend, fn, xshape):
    combo(_symmetrize(getattr(mvn, fn), 2), [0, 1, 2], [R(*xshape)], [R(4)], [_psd(R(4, 4))],
          allow_singular=[False])


def test_mvn_entropy(backend):
    combo(mvn.entropy, [0, 1], [R(4)], [_psd(R(4, 4))])


@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
def test_mvn_singular_cov(backend, fn):
    """A covariance of rank 2 in 4 dimensions. gpuad, as SciPy, gives -inf (density 0) off its
    support, so the differences run along it: x and mean keep their last two entries at 0."""
    cov = np.zeros((4, 4))
    cov[0, 0] = cov[1, 1] = 1.0
    zeros = np.zeros(2)

    def f(x2, m2):
        return getattr(mvn, fn)(gnp.concatenate([x2, zeros]), gnp.concatenate([m2, zeros]),
                                cov, True)

    check_grads(f, (R(2), R(2)), order=2)
    x_off = np.concatenate([R(2), [0.5, 0.0]])
    assert float(mvn.logpdf(x_off, np.zeros(4), cov, True)) == -np.inf
    assert float(mvn.logpdf(x_off, np.zeros(4), cov, True)) == \
        sp_stats.multivariate_normal.logpdf(x_off, np.zeros(4), cov, True)


_ALPHA = np.random.RandomState(3).random_sample(4) ** 2 + 1.2
_X_DIR = sp_stats.dirichlet.rvs(_ALPHA, size=1, random_state=4)[0]


@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
def test_dirichlet_x(backend, fn):
    """x normalised inside, so that perturbed points stay on the simplex."""
    f = getattr(stats.dirichlet, fn)
    combo(lambda x, a: f(x / gnp.sum(x), a), [0], [_X_DIR], [_ALPHA])


@pytest.mark.parametrize("fn", ["pdf", "logpdf"])
def test_dirichlet_alpha(backend, fn):
    combo(getattr(stats.dirichlet, fn), [1], [_X_DIR], [_ALPHA])


# ---- logsumexp -------------------------------------------------------------------------------

def test_logsumexp1(backend):
    combo(special.logsumexp, [0], [1.1, R(4), R(3, 4)], axis=[None, 0], keepdims=[True, False])


def test_logsumexp2(backend):
    combo(special.logsumexp, [0], [R(3, 4), R(4, 5, 6), R(1, 5)], axis=[None, 0, 1],
          keepdims=[True, False])


def test_logsumexp3(backend):
    combo(special.logsumexp, [0], [R(4)], b=[np.exp(R(4))], axis=[None, 0],
          keepdims=[True, False])


def test_logsumexp4(backend):
    combo(special.logsumexp, [0], [R(3, 4)], b=[np.exp(R(3, 4))], axis=[None, 0, 1],
          keepdims=[True, False])


def test_logsumexp5(backend):
    combo(special.logsumexp, [0], [R(2, 3, 4)], b=[np.exp(R(2, 3, 4))], axis=[None, 0, 1],
          keepdims=[True, False])


def test_logsumexp6(backend):
    def f(a):
        return special.logsumexp(a, axis=1, keepdims=True)

    x = R(1, 5)
    check_grads(f, (x,), order=2)
    check_grads(lambda a: ad.grad(lambda b: gnp.sum(f(b)))(a), (x,), order=2)


# ---- signal ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["valid", "full"])
def test_convolve_generalization(backend, mode):
    a35, a34, a342 = R(3, 5), R(3, 4), R(3, 4, 2)
    a2543, a24232 = R(2, 5, 4, 3), R(2, 4, 2, 3, 2)

    def conv(*args, **kw):
        out = signal.convolve(*args, mode=mode, **kw)
        return np.asarray(out.get() if hasattr(out, "get") else out)

    np.testing.assert_allclose(conv(a35, a34, axes=([1], [0]))[1, 2],
                               sp_signal.convolve(a35[1, :], a34[:, 2], mode))
    np.testing.assert_allclose(conv(a35, a34, axes=([], []), dot_axes=([0], [0])),
                               np.tensordot(a35, a34, axes=([0], [0])))
    np.testing.assert_allclose(
        conv(a35, a342, axes=([1], [2]), dot_axes=([0], [0]))[2],
        sum(sp_signal.convolve(a35[i, :], a342[i, 2, :], mode) for i in range(3)))
    np.testing.assert_allclose(
        conv(a2543, a24232, axes=([1, 2], [2, 4]), dot_axes=([0, 3], [0, 3]))[2],
        sum(sp_signal.convolve(a2543[i, :, :, j], a24232[i, 2, :, j, :], mode)
            for i in range(2) for j in range(3)))


def test_convolve(backend):
    combo(signal.convolve, [0, 1], [R(4), R(5), R(6)], [R(2), R(3), R(4)],
          mode=["full", "valid"])


def test_convolve_2d(backend):
    combo(signal.convolve, [0, 1], [R(4, 3), R(5, 4), R(6, 7)],
          [R(2, 2), R(3, 2), R(4, 2), R(4, 1)], mode=["full", "valid"])


def test_convolve_ignore(backend):
    combo(signal.convolve, [0, 1], [R(4, 3)], [R(3, 2)],
          axes=[([0], [0]), ([1], [1]), ([0], [1]), ([1], [0]), ([0, 1], [0, 1]),
                ([1, 0], [1, 0])],
          mode=["full", "valid"])


def test_convolve_ignore_dot(backend):
    combo(signal.convolve, [0, 1], [R(3, 3, 2)], [R(3, 2, 3)], axes=[([1], [1])],
          dot_axes=[([0], [2]), ([0], [0])], mode=["full", "valid"])


# ---- special ---------------------------------------------------------------------------------

def test_beta_fn(backend):
    combo(special.beta, [0, 1], [POS(4)], [POS(4)])


def test_betainc(backend):
    combo(special.betainc, [2], [POS(4)], [POS(4)], [U(0.0, 1.0, 4)])


def test_betaln(backend):
    combo(special.betaln, [0, 1], [POS(4)], [POS(4)])


def _raises_lacking(backend, fn: str, call) -> bool:
    """On the cupy backend, where this CuPy's cupyx.scipy.special lacks what ``fn`` needs:
    check that ``call`` raises the NotImplementedError naming it, and say so."""
    missing = cupy_lacks(fn) if backend == "cupy" else None
    if missing:
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            call()
    return bool(missing)


@pytest.mark.parametrize("fn,first", [("gammainc", 1), ("gammaincc", 1), ("polygamma", 0),
                                      ("jn", 2), ("yn", 2)])
def test_second_argument(backend, fn, first):
    if _raises_lacking(backend, fn, lambda: getattr(special, fn)(first, R(4) ** 2 + 1.3)):
        return
    combo(getattr(special, fn), [1], [first], R(4) ** 2 + 1.3)


@pytest.mark.parametrize("fn", ["psi", "digamma", "gamma", "gammaln", "rgamma"])
def test_gamma_family(backend, fn):
    unary(getattr(special, fn), [0.3, 2.0])


def test_gammasgn(backend):
    """Piecewise constant: its derivative is 0 (in both libraries)."""
    unary(special.gammasgn, [0.3, 2.0])
    g = ad.grad(lambda v: gnp.sum(special.gammasgn(v)))(np.array([0.5, 1.5]))
    np.testing.assert_array_equal(to_numpy(g), [0.0, 0.0])


def test_multigammaln(backend):
    combo(special.multigammaln, [0], [U(4.0, 5.0), U(4.0, 5.0, (2, 3))], [1, 2, 3])


@pytest.mark.parametrize("fn", ["j0", "j1", "y0", "y1", "i0", "i1"])
def test_bessel(backend, fn):
    unary(getattr(special, fn), [0.2, 20.0])


@pytest.mark.parametrize("fn", ["iv", "ive"])
def test_bessel_real_order(backend, fn):
    if _raises_lacking(backend, fn, lambda: getattr(special, fn)(1.5, R(4) ** 2 + 1.3)):
        return
    combo(getattr(special, fn), [1], U(1.0, 50.0, 4), R(4) ** 2 + 1.3)


@pytest.mark.parametrize("fn", ["erf", "erfc"])
def test_erf(backend, fn):
    unary(getattr(special, fn), [-3.0, 3.0], test_complex=True)


@pytest.mark.parametrize("fn,lims", [("erfinv", [-0.95, 0.95]), ("erfcinv", [0.05, 1.95]),
                                     ("logit", [0.10, 0.90]), ("expit", [-4.05, 4.95])])
def test_unary(backend, fn, lims):
    unary(getattr(special, fn), lims)


# ---- odeint ----------------------------------------------------------------------------------

def _rhs(y, t, arg1, arg2):
    return -gnp.sqrt(t) - y + arg1 - gnp.mean((y + arg2) ** 2)


def test_odeint(backend):
    """Derivatives in y0, t and both extra arguments: second order in reverse mode (as
    autograd), first in forward mode (each order nests another solve); tight tolerances, so
    that the solver's error is far below the finite differences' step."""
    def f(y0, t, a1, a2):
        return integrate.odeint(_rhs, y0, t, args=(a1, a2), rtol=1e-10, atol=1e-10)

    args = (R(3), np.linspace(0.1, 0.2, 4), R(3), R(3))
    check_grads(f, args, order=2, modes=("rev",), rtol=1e-4)
    check_grads(f, args, order=1, modes=("fwd",), rtol=1e-4)


# ---- linalg ----------------------------------------------------------------------------------

def test_sqrtm(backend):
    """Symmetrised, as autograd's; shifted so that the square root is real (gpuad raises for
    a complex one, docs/semantics.md)."""
    a = R(3, 3) + 3 * np.eye(3)
    if backend == "cupy":  # CuPy has no matrix square root (no cupyx.scipy.linalg.sqrtm)
        with pytest.raises(NotImplementedError, match="sqrtm"):
            spla.sqrtm(a)
        return
    combo(_symmetrize(spla.sqrtm, 0), [0], [a])


def test_solve_sylvester(backend):
    combo(spla.solve_sylvester, [0, 1, 2], [R(3, 3)], [R(3, 3)], [R(3, 3)])


# ---- against autograd itself (real values, where both libraries' gradients coincide) --------

_B34 = np.exp(R(3, 4))
_PEER_CASES = {
    "norm.logpdf": (lambda m: m.scipy.stats.norm.logpdf, (R(4), R(4), POS(4))),
    "t.logpdf": (lambda m: m.scipy.stats.t.logpdf, (R(4), R(4) ** 2 + 2.1, R(4), POS(4))),
    "gamma.logpdf": (lambda m: m.scipy.stats.gamma.logpdf, (POS(4), POS(4))),
    "beta.logpdf": (lambda m: m.scipy.stats.beta.logpdf, (U(0.1, 0.9, 4), POS(4), POS(4))),
    "poisson.logpmf": (lambda m: (lambda mu: m.scipy.stats.poisson.logpmf(
        np.array([0.0, 1.0, 3.0, 5.0]), mu)), (POS(4),)),
    "mvn.logpdf": (lambda m: m.scipy.stats.multivariate_normal.logpdf,
                   (R(5, 4), R(4), _psd(R(4, 4)))),
    "dirichlet.logpdf": (lambda m: m.scipy.stats.dirichlet.logpdf, (_X_DIR, _ALPHA)),
    "logsumexp": (lambda m: (  # autograd differentiates in x only
        lambda x: m.scipy.special.logsumexp(x, axis=1, b=_B34)), (R(3, 4),)),
    "gammaln": (lambda m: m.scipy.special.gammaln, (POS(4),)),
    "polygamma": (lambda m: (lambda x: m.scipy.special.polygamma(1, x)), (POS(4),)),
    "erfinv": (lambda m: m.scipy.special.erfinv, (U(-0.9, 0.9, 4),)),
    "iv": (lambda m: (lambda x: m.scipy.special.iv(2.5, x)), (POS(4),)),
    "convolve": (lambda m: (lambda a, b: m.scipy.signal.convolve(a, b, mode="valid")),
                 (R(5, 4), R(3, 2))),
}


@pytest.mark.parametrize("name", list(_PEER_CASES))
def test_gradients_match_autograd(backend, name):
    """The gradient of the sum of each output agrees with HIPS autograd's."""
    pytest.importorskip("autograd")
    import autograd
    import autograd.scipy.signal
    import autograd.scipy.special
    import autograd.scipy.stats  # noqa: F401

    import gpuad

    pick, args = _PEER_CASES[name]
    if _raises_lacking(backend, name, lambda: pick(gpuad)(*args)):
        return
    argnums = tuple(range(len(args)))
    theirs = autograd.grad(lambda *a: autograd.numpy.sum(pick(autograd)(*a)), argnums)(*args)
    ours = ad.grad(lambda *a: gnp.sum(pick(gpuad)(*a)), argnums)(*args)
    for t, o in zip(theirs, ours, strict=True):
        o = o.get() if hasattr(o, "get") else o
        np.testing.assert_allclose(o, t, rtol=1e-7, atol=1e-10)
