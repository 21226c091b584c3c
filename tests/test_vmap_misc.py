"""vmap of the remaining non-linear-algebra primitives (scans, sorts, modf/frexp, scipy's
gammasgn and stats' constant arguments, odeint) and of user rules (custom_vjp, custom_jvp,
checkpoint), each against the loop over examples."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from vmap_loop import check_vmap

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(4)
X = R.normal(size=(3, 4, 2)) + 0.1


def test_scans_and_arg_reductions(backend):
    check_vmap(lambda x: gnp.cumsum(x, axis=0), (X,), 0, nested=True)
    check_vmap(lambda x: gnp.cumprod(x), (X,), 1)
    check_vmap(lambda x: gnp.cumsum(x, axis=-1) * gnp.cumprod(x, axis=0), (X,), 2)
    for f in (lambda x: gnp.argmax(x), lambda x: gnp.argmin(x, axis=1),
              lambda x: gnp.argsort(x, axis=0), lambda x: gnp.argsort(x, axis=None)):
        check_vmap(f, (X,), 0, diff=(), nested=True)
        check_vmap(f, (X,), 2, diff=())


def test_modf_frexp(backend):
    y = X * 7.3
    check_vmap(lambda x: gnp.modf(x)[0] * x, (y,), 0)
    check_vmap(lambda x: gnp.modf(x), (y,), 1, diff=())
    check_vmap(lambda x: gnp.frexp(x)[0] * x, (y,), 0, nested=True)
    check_vmap(lambda x: gnp.frexp(x), (y,), 2, diff=())


def test_scipy_special_and_stats(backend):
    sp = pytest.importorskip("gpuad.scipy.special")
    from gpuad.scipy.stats import poisson

    check_vmap(lambda x: sp.gammasgn(x * 3.0) * x, (X,), 0)
    k = R.integers(0, 5, size=(3, 4))
    check_vmap(lambda mu, k: poisson.logpmf(k, mu), (X[:, :, 0] ** 2 + 0.5, k), 0)
    check_vmap(lambda mu, k: poisson.logpmf(k, mu), (X[0, :, 0] ** 2 + 0.5, k), (None, 0))
    # the derivative in the integer argument is still refused inside vmap
    with pytest.raises(ad.MissingRuleError):
        ad.vmap(ad.grad(lambda k: gnp.sum(poisson.logpmf(k, 2.0))))(gnp.asarray(k * 1.0))


def test_odeint_runs_once_per_example(backend):
    from gpuad.scipy.integrate import odeint

    ts = np.linspace(0.0, 0.5, 3)

    def f(y0, k):
        return odeint(lambda y, t, k: -k * y + gnp.sin(y), y0, gnp.asarray(ts), args=(k,),
                      rtol=1e-9, atol=1e-9)

    check_vmap(f, (X[:2, :2, 0], X[:2, 0, 1] ** 2), (0, 0), rtol=1e-5, atol=1e-7,
          loop_ok=("odeint",))


# ---- user rules ------------------------------------------------------------------------------

@ad.custom_vjp
def softclip(x, s):
    return gnp.tanh(x / s) * s


def _softclip_fwd(x, s):
    y = softclip(x, s)
    return y, (x, s, y)


def _softclip_bwd(res, g):
    x, s, y = res
    t = y / s
    return g * (1 - t * t), gnp.sum(g * (t - x / s * (1 - t * t)))


softclip.defvjp(_softclip_fwd, _softclip_bwd)


@ad.custom_jvp
def logcosh(x):
    return gnp.logaddexp(x, -x) - np.log(2.0)


@logcosh.defjvp
def _logcosh_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return logcosh(x), gnp.tanh(x) * t


def test_custom_vjp(backend):
    s = R.uniform(1.0, 2.0, size=(3,))
    check_vmap(lambda x, s: softclip(x, s), (X, s), (0, 0), diff=())
    _grads_only(lambda x, s: softclip(x, s) * x, (X, s), (0, 0))
    _grads_only(lambda x, s: softclip(x, s), (X, s[0]), (0, None))
    _grads_only(lambda x, s: softclip(x, s), (X, s[:2]), (2, 0))


def test_custom_jvp(backend):
    check_vmap(lambda x: logcosh(x) * x, (X,), 0, nested=True)
    check_vmap(lambda x, w: logcosh(x * w), (X, X[:, 0]), (1, None))


def test_checkpoint(backend):
    w = R.normal(size=(2, 2))
    block = ad.checkpoint(lambda h, w: gnp.tanh(h @ w))
    check_vmap(lambda x, w: block(block(x, w), w), (X, w), (0, None), nested=True)
    check_vmap(lambda x, w: block(x, w), (X, np.stack([w] * 4)), (1, 0))


def _grads_only(f, args, in_axes):
    """custom_vjp has no forward mode: vmap(grad) and grad(vmap) against the loop."""
    dev = [gnp.asarray(a) for a in args]
    n = args[0].shape[in_axes[0]]
    ex = [[gnp.asarray(a if ax is None else np.take(a, i, ax)) for a, ax in
           zip(args, in_axes, strict=True)] for i in range(n)]
    u = R.normal(size=to_numpy(f(*ex[0])).shape)

    def loss(*a):
        return gnp.sum(f(*a) * gnp.asarray(u))

    got = ad.vmap(ad.grad(loss, argnums=(0, 1)), in_axes)(*dev)
    per = [ad.grad(loss, argnums=(0, 1))(*e) for e in ex]
    for k in range(len(in_axes)):
        want = np.stack([to_numpy(p[k]) for p in per])
        np.testing.assert_allclose(to_numpy(got[k]), want, rtol=1e-12, atol=1e-14)
    total = ad.grad(lambda *a: gnp.sum(ad.vmap(loss, in_axes)(*a)), argnums=(0, 1))(*dev)
    for k, ax in enumerate(in_axes):
        want = np.stack([to_numpy(p[k]) for p in per])
        want = want.sum(0) if ax is None else np.moveaxis(want, 0, ax)
        np.testing.assert_allclose(to_numpy(total[k]), want, rtol=1e-12, atol=1e-14)


def test_custom_op_kernels_see_one_example(backend):
    def fwd(x):
        assert not isinstance(x, ad.Tensor) and x.ndim == 1
        return x * x * x

    def vjp(saved, g):
        assert not isinstance(g, ad.Tensor) and g.ndim == 1
        return (3 * saved["inputs"][0] ** 2 * g,)

    def jvp(saved, tangents):
        return 3 * saved["inputs"][0] ** 2 * tangents[0]

    cube = ad.custom_op(fwd, vjp, jvp=jvp, name="cube_vmap_test")
    check_vmap(lambda x: cube(x) * x, (X[:, :, 0],), 0, loop_ok=("cube_vmap_test",))
    check_vmap(lambda x: cube(x), (X[:, :, 0],), 1, loop_ok=("cube_vmap_test",))


def test_nan_reductions_batch_on_every_backend(backend):
    # their NaN masks were computed with the backend's own functions on the batched Tensor,
    # which CuPy refuses ("Unsupported type"), where NumPy's defer to it
    y = X.copy()
    y[0, 1, 0] = y[2, 3, 1] = np.nan
    for f in (lambda x: gnp.nanmax(x, axis=0), lambda x: gnp.nanstd(x),
              lambda x: gnp.nanmin(x, axis=-1, keepdims=True), lambda x: gnp.nanvar(x, axis=0)):
        check_vmap(f, (y,), 0, diff=(), nested=True)
        check_vmap(f, (y,), 2, diff=())


def test_asarray_chkfinite_checks_every_example(backend):
    check_vmap(lambda x: gnp.asarray_chkfinite(x) * 2.0, (X,), 1)
    y = X.copy()
    y[1, 2, 0] = np.inf
    with pytest.raises(ValueError, match="infs or NaNs"):
        ad.vmap(gnp.asarray_chkfinite)(ad.get_backend().xp.asarray(y))


def test_ex_factorisations_and_poisson_entropy_batch(backend):
    # solve_ex/inv_ex/cholesky_ex checked their codes and poisson.entropy sized its sum with a
    # host read of one value: inside vmap that read raised (a batch has no single value)
    import gpuad.linalg as L
    from gpuad.scipy.stats import poisson

    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 2, 2)) + 3 * np.eye(2)
    B = rng.normal(size=(3, 2, 2))
    X, info = ad.vmap(L.solve_ex)(ad.tensor(A), ad.tensor(B))
    np.testing.assert_allclose(to_numpy(X), np.linalg.solve(A, B), rtol=1e-12)
    assert not to_numpy(info).any()
    np.testing.assert_allclose(to_numpy(ad.vmap(L.inv_ex)(ad.tensor(A))[0]), np.linalg.inv(A),
                               rtol=1e-12)
    P = A @ A.transpose(0, 2, 1) + np.eye(2)
    np.testing.assert_allclose(to_numpy(ad.vmap(L.cholesky_ex)(ad.tensor(P))[0]),
                               np.linalg.cholesky(P), rtol=1e-12)
    S = A.copy()
    S[1] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        ad.vmap(L.solve_ex)(ad.tensor(S), ad.tensor(B))
    mu = np.array([0.5, 3.0, 50.0, 2000.0])
    per = [float(to_numpy(poisson.entropy(m))) for m in mu]
    np.testing.assert_allclose(to_numpy(ad.vmap(poisson.entropy)(ad.tensor(mu))), per,
                               rtol=1e-13)
    gper = [float(to_numpy(ad.grad(poisson.entropy)(m))) for m in mu]
    np.testing.assert_allclose(to_numpy(ad.vmap(ad.grad(poisson.entropy))(ad.tensor(mu))), gper,
                               rtol=1e-12)
