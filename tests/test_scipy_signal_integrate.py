"""gpuad.scipy.signal.convolve and gpuad.scipy.integrate.odeint: values against SciPy,
derivatives against finite differences, HIPS autograd, and (odeint) a fine explicit RK4 loop."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si
import scipy.signal as ssig

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy.integrate import odeint
from gpuad.scipy.signal import convolve
from gpuad.testing import check_grads

RNG = np.random.default_rng(2)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


# ---- convolve ------------------------------------------------------------------------------

SHAPES = [((7,), (3,)), ((3,), (7,)), ((4,), (4,)), ((1,), (5,)), ((5, 6), (2, 3)),
          ((2, 3), (5, 6)), ((4, 5), (4, 2)), ((3, 4, 5), (2, 2, 3))]


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}*{b}" for a, b in SHAPES])
def test_convolve_matches_scipy(backend, mode, sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    try:
        ref = ssig.convolve(a, b, mode=mode)
    except ValueError:
        with pytest.raises(ValueError, match="valid"):
            convolve(dev(a), dev(b), mode=mode)
        return
    got = convolve(dev(a), dev(b), mode=mode)
    np.testing.assert_allclose(host(got), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(convolve(dev(a), dev(b), mode, "direct")), ref, atol=1e-12)
    check_grads(lambda x, y: convolve(x, y, mode=mode), (a, b), order=2)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("sa,sb,kw", [
    ((4, 5, 6), (4, 2, 3), dict(axes=([1, 2], [1, 2]), dot_axes=([0], [0]))),
    ((2, 6, 6), (3, 3, 4), dict(axes=([1, 2], [0, 1]))),
    ((6, 2), (3, 4), dict(axes=([0], [0]))),
    ((3, 7, 2), (2, 3, 3), dict(axes=([1], [2]), dot_axes=([2], [0]))),
])
def test_convolve_tensor_axes_match_hips_autograd(backend, mode, sa, sb, kw):
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.signal import convolve as aconv

    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    ref = aconv(a, b, mode=mode, **kw)
    got = convolve(dev(a), dev(b), mode=mode, **kw)
    np.testing.assert_allclose(host(got), ref, rtol=1e-12, atol=1e-12)
    w = RNG.standard_normal(np.shape(ref))
    ours = ad.grad(lambda x, y: gnp.sum(convolve(x, y, mode=mode, **kw) * w),
                   argnums=(0, 1))(a, b)
    theirs = autograd.grad(lambda x, y: anp.sum(aconv(x, y, mode=mode, **kw) * w),
                           argnum=(0, 1))(a, b)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-10, atol=1e-12)
    check_grads(lambda x, y: convolve(x, y, mode=mode, **kw), (a, b), order=2)


def test_convolve_errors(backend):
    a, b = dev(RNG.standard_normal((3, 4))), dev(RNG.standard_normal((2, 5)))
    with pytest.raises(ValueError, match="valid"):
        convolve(a, b, mode="valid")
    with pytest.raises(ValueError, match="mode"):
        convolve(a, b, mode="circular")
    with pytest.raises(TypeError, match="axes"):
        convolve(a, b, ([0], [0]))
    with pytest.raises(ValueError, match="dimensionality"):
        convolve(a, dev(np.ones(3)))
    with pytest.raises(ValueError, match="differ in length"):
        convolve(a, b, axes=([1], [1]), dot_axes=([0], [0]))


# ---- odeint --------------------------------------------------------------------------------

def oscillator(y, t, k, c):
    """A forced, damped oscillator: depends on y, t and both parameters."""
    return gnp.stack([y[1], -k * y[0] - c * y[1] + gnp.sin(2.0 * t)])


def lotka(y, t, p):
    return gnp.stack([p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]])


TOL = dict(rtol=1e-11, atol=1e-11)
Y0 = np.array([1.0, 0.2])
TS = np.array([0.0, 0.4, 1.1, 1.5, 2.0])
K, C = np.array(2.0), np.array(0.3)
P = np.array([1.0, 0.5, 0.8, 0.3])


def test_odeint_values_match_scipy(backend):
    ys = odeint(oscillator, dev(Y0), dev(TS), args=(dev(K), dev(C)), **TOL)
    ref = si.odeint(lambda y, t: host(oscillator(y, t, K, C)), Y0, TS, **TOL)
    np.testing.assert_allclose(host(ys), ref, rtol=1e-12, atol=1e-12)
    ys = odeint(lambda t, y, p: lotka(y, t, p), dev(Y0 + 1), dev(TS), args=(dev(P),),
                tfirst=True, **TOL)
    ref = si.odeint(lambda y, t: host(lotka(y, t, P)), Y0 + 1, TS, **TOL)
    np.testing.assert_allclose(host(ys), ref, rtol=1e-12, atol=1e-12)


def test_odeint_first_derivatives_fd(backend):
    w = dev(RNG.standard_normal((len(TS), 2)))  # check_grads calls f on backend arrays
    check_grads(lambda y0, ts, k, c: odeint(oscillator, y0, ts, args=(k, c), **TOL) * w,
                (Y0, TS, K, C), order=1, rtol=1e-5, atol=1e-6)
    check_grads(lambda y0, p: odeint(lotka, y0, TS, args=(p,), **TOL), (Y0 + 1, P), order=1)


def _rk4(func, y0, ts, args, substeps=200):
    """A fixed-step RK4 loop in gpuad.numpy, differentiated by recording every step."""
    out = [y0]
    y = y0
    for i in range(len(ts) - 1):
        h = (ts[i + 1] - ts[i]) / substeps
        t = ts[i]
        for _ in range(substeps):
            k1 = func(y, t, *args)
            k2 = func(y + 0.5 * h * k1, t + 0.5 * h, *args)
            k3 = func(y + 0.5 * h * k2, t + 0.5 * h, *args)
            k4 = func(y + h * k3, t + h, *args)
            y = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            t = t + h
        out.append(y)
    return gnp.stack(out)


def test_odeint_adjoint_matches_differentiated_rk4(backend):
    w = RNG.standard_normal((len(TS), 2))
    argnums = (0, 1, 2, 3)
    ours = ad.grad(lambda y0, ts, k, c: gnp.sum(
        odeint(oscillator, y0, ts, args=(k, c), **TOL) * w), argnums=argnums)(Y0, TS, K, C)

    def through_rk4(y0, ts, k, c):
        return gnp.sum(_rk4(oscillator, y0, [ts[i] for i in range(len(TS))], (k, c)) * w)

    ref = ad.grad(through_rk4, argnums=argnums)(Y0, TS, K, C)
    for o, r in zip(ours, ref, strict=True):
        np.testing.assert_allclose(host(o), host(r), rtol=1e-7, atol=1e-8)


@pytest.mark.slow
def test_odeint_second_derivatives(backend):
    """The adjoint and sensitivity solves are themselves recorded odeint calls: second
    derivatives in all four mode combinations against finite differences, and the Hessian
    against central differences of the gradient."""
    ts = np.array([0.1, 0.6])  # small: each solve integrates nested adjoint/sensitivity systems
    tol = dict(rtol=1e-10, atol=1e-10)
    check_grads(lambda y0, t, k, c: odeint(oscillator, y0, t, args=(k, c), **tol),
                (Y0, ts, K, C), order=2, rtol=1e-4, atol=1e-5)
    f = lambda y0: gnp.sum(odeint(oscillator, y0, TS[:3], args=(K, C), **TOL) ** 2)
    h = host(ad.hessian(f)(Y0))
    g = ad.grad(f)
    eps = 1e-5
    fd = np.stack([(host(g(Y0 + eps * e)) - host(g(Y0 - eps * e))) / (2 * eps)
                   for e in np.eye(2)])
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-7)


def test_odeint_forward_mode_matches_reverse(backend):
    w = RNG.standard_normal((len(TS), 2))
    tangents = (RNG.standard_normal(2), RNG.standard_normal(len(TS)), np.array(0.7),
                np.array(-0.4))
    f = lambda y0, ts, k, c: gnp.sum(odeint(oscillator, y0, ts, args=(k, c), **TOL) * w)
    _, jv = ad.jvp(f, (Y0, TS, K, C), tangents)
    grads = ad.grad(f, argnums=(0, 1, 2, 3))(Y0, TS, K, C)
    expected = sum(float(np.sum(host(g) * t)) for g, t in zip(grads, tangents, strict=True))
    assert abs(float(host(jv)) - expected) < 1e-7 * max(1.0, abs(expected))


def test_odeint_matches_hips_autograd():
    import autograd
    import autograd.numpy as anp
    from autograd.builtins import tuple as atuple
    from autograd.scipy.integrate import odeint as aodeint

    def fa(y, t, k, c):
        return anp.array([y[1], -k * y[0] - c * y[1] + anp.sin(2.0 * t)])

    w = RNG.standard_normal((len(TS), 2))
    ours = ad.grad(lambda y0, ts, k, c: gnp.sum(odeint(oscillator, y0, ts, args=(k, c), **TOL)
                                                 * w), argnums=(0, 1, 2, 3))(Y0, TS, K, C)
    theirs = autograd.grad(lambda y0, ts, k, c: anp.sum(aodeint(fa, y0, ts, atuple((k, c)),
                                                                **TOL) * w),
                           argnum=(0, 1, 2, 3))(Y0, TS, K, C)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-7, atol=1e-8)


def test_odeint_errors(backend):
    k = ad.tensor(K, requires_grad=True)
    with pytest.raises(ad.MissingRuleError, match="args"):
        # a Tensor captured by func instead of passed through args
        gnp.sum(odeint(lambda y, t: -k * y, dev(Y0), dev(TS))).backward()
    with pytest.raises(NotImplementedError, match="full_output"):
        odeint(oscillator, dev(Y0), dev(TS), args=(K, C), full_output=1)
    with pytest.raises(ValueError, match="one-dimensional"):
        odeint(oscillator, dev(Y0), dev(TS[None]), args=(K, C))


def test_odeint_scalar_state_and_integer_arg(backend):
    decay = lambda y, t, k, n: -k * y ** n
    ts = np.linspace(0.0, 1.0, 4)
    ys = odeint(decay, 1.5, dev(ts), args=(dev(K), 1), **TOL)
    np.testing.assert_allclose(host(ys)[:, 0], 1.5 * np.exp(-2.0 * ts), rtol=1e-9)
    g = ad.grad(lambda y0, k: gnp.sum(odeint(decay, y0, ts, args=(k, 1), **TOL)),
                argnums=(0, 1))(np.array(1.5), K)
    np.testing.assert_allclose(host(g[0]), np.sum(np.exp(-2.0 * ts)), rtol=1e-7)
    np.testing.assert_allclose(host(g[1]), np.sum(-1.5 * ts * np.exp(-2.0 * ts)), rtol=1e-7)
