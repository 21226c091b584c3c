"""gpuad.scipy.special: values against scipy.special, derivatives against finite differences
(first and second order, both modes) and against HIPS autograd and JAX."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.special as ss
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def lacking(backend, case: str) -> str | None:
    """On the cupy backend, the cupyx.scipy.special function that ``case`` (a test case named
    after a gpuad.scipy.special function, ``ive_real_order``: ``ive``) needs and this CuPy
    lacks: the case then checks the NotImplementedError naming it."""
    if backend != "cupy":
        return None
    parts = case.split("_")
    name = next(("_".join(parts[:k]) for k in range(len(parts), 0, -1)
                 if hasattr(sps, "_".join(parts[:k]))), case)
    return cupy_lacks(name)


def raises_lacking(missing: str):
    return pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no "
                                                    f"'{missing}'")


POS = np.array([0.35, 1.3, 2.7, 6.1])  # positive arguments, away from poles
REAL = np.array([-1.7, -0.4, 0.6, 2.2])  # arguments of either sign, away from 0
UNIT = np.array([0.1, 0.35, 0.6, 0.85])  # arguments in (0, 1)

# name, input, (optional) float tolerance of the value check
UNARY = [
    ("gamma", POS), ("gamma", np.array([-1.5, -0.3, 0.4, 3.3])), ("gammaln", POS),
    ("gammaln", np.array([-2.5, -0.5])), ("digamma", POS), ("psi", POS), ("rgamma", POS),
    ("rgamma", np.array([-1.5, -0.3])), ("erf", REAL), ("erfc", REAL), ("erfcx", REAL),
    ("erfinv", UNIT * 1.8 - 0.9), ("erfcinv", UNIT * 1.8), ("ndtr", REAL), ("log_ndtr", REAL),
    ("log_ndtr", np.array([-30.0, -8.0, 5.0])), ("ndtri", UNIT), ("expit", REAL), ("logit", UNIT),
    ("log_expit", REAL), ("softplus", REAL), ("entr", POS), ("i0", REAL), ("i1", REAL),
    ("i0e", REAL), ("i1e", REAL), ("j0", REAL), ("j1", REAL), ("y0", POS), ("y1", POS),
    ("k0", POS), ("k1", POS), ("k0e", POS), ("k1e", POS), ("exp1", POS), ("expi", POS),
    ("expi", -POS), ("spence", POS),
]


@pytest.mark.parametrize("name,x", UNARY, ids=[f"{n}{i}" for i, (n, _) in enumerate(UNARY)])
def test_unary_values_and_derivatives(backend, name, x):
    f = getattr(sps, name)
    missing = lacking(backend, name)
    if missing:
        with raises_lacking(missing):
            f(dev(x))
        return
    np.testing.assert_allclose(host(f(dev(x))), getattr(ss, name)(x), rtol=1e-12, atol=1e-300)
    check_grads(f, (x,), order=2)


# name, function of the differentiated arguments, arguments, scipy reference
BINARY = [
    ("polygamma", lambda x: sps.polygamma(2, x), (POS,), lambda x: ss.polygamma(2, x)),
    ("polygamma_array_n", lambda x: sps.polygamma(np.array([0, 1, 2, 3]), x), (POS,),
     lambda x: ss.polygamma(np.array([0, 1, 2, 3]), x)),
    ("jn", lambda x: sps.jn(3, x), (REAL,), lambda x: ss.jn(3, x)),
    ("jv", lambda x: sps.jv(1.5, x), (POS,), lambda x: ss.jv(1.5, x)),
    ("yn", lambda x: sps.yn(2, x), (POS,), lambda x: ss.yn(2, x)),
    ("yv", lambda x: sps.yv(0.5, x), (POS,), lambda x: ss.yv(0.5, x)),
    ("iv", lambda x: sps.iv(2.5, x), (POS,), lambda x: ss.iv(2.5, x)),
    ("ive", lambda x: sps.ive(2, x), (REAL,), lambda x: ss.ive(2, x)),
    ("ive_real_order", lambda x: sps.ive(1.5, x), (POS,), lambda x: ss.ive(1.5, x)),
    ("kv", lambda x: sps.kv(1.5, x), (POS,), lambda x: ss.kv(1.5, x)),
    ("kve", lambda x: sps.kve(np.array([0.0, 1.0, 2.5, 4.0]), x), (POS,),
     lambda x: ss.kve(np.array([0.0, 1.0, 2.5, 4.0]), x)),
    ("expn", lambda x: sps.expn(np.array([0, 1, 2, 5]), x), (POS,),
     lambda x: ss.expn(np.array([0, 1, 2, 5]), x)),
    ("expn_scalar_order", lambda x: sps.expn(3, x), (POS,), lambda x: ss.expn(3, x)),
    ("zeta", lambda q: sps.zeta(3.0, q), (POS,), lambda q: ss.zeta(3.0, q)),
    ("poch", sps.poch, (POS, POS[::-1] - 0.2), ss.poch),
    ("hyp1f1", lambda x: sps.hyp1f1(1.5, 2.5, x), (REAL,), lambda x: ss.hyp1f1(1.5, 2.5, x)),
    ("rel_entr", sps.rel_entr, (POS, POS[::-1]), ss.rel_entr),
    ("kl_div", sps.kl_div, (POS, POS[::-1]), ss.kl_div),
    ("beta", sps.beta, (POS, POS[::-1]), ss.beta),
    ("betaln", sps.betaln, (POS, POS[::-1]), ss.betaln),
    ("betainc", lambda x: sps.betainc(2.5, 1.5, x), (UNIT,), lambda x: ss.betainc(2.5, 1.5, x)),
    ("betaincc", lambda x: sps.betaincc(2.5, 1.5, x), (UNIT,),
     lambda x: ss.betaincc(2.5, 1.5, x)),
    ("gammainc", lambda x: sps.gammainc(POS, x), (POS[::-1],),
     lambda x: ss.gammainc(POS, x)),
    ("gammaincc", lambda x: sps.gammaincc(POS, x), (POS[::-1],),
     lambda x: ss.gammaincc(POS, x)),
    ("stdtr", lambda x: sps.stdtr(POS + 1, x), (REAL,), lambda x: ss.stdtr(POS + 1, x)),
    ("xlogy", sps.xlogy, (REAL, POS), ss.xlogy),
    ("xlog1py", sps.xlog1py, (REAL, UNIT), ss.xlog1py),
    ("multigammaln", lambda a: sps.multigammaln(a, 3), (POS + 1.5,),
     lambda a: ss.multigammaln(a, 3)),
    ("logsumexp", lambda a: sps.logsumexp(a), (REAL,), ss.logsumexp),
    ("logsumexp_axis_b", lambda a, b: sps.logsumexp(a, axis=1, b=b),
     (RNG.standard_normal((3, 4)), RNG.uniform(0.2, 2.0, (3, 4))),
     lambda a, b: ss.logsumexp(a, axis=1, b=b)),
    ("logsumexp_keepdims_b_row", lambda a, b: sps.logsumexp(a, axis=0, b=b, keepdims=True),
     (RNG.standard_normal((3, 4)), RNG.uniform(0.2, 2.0, (4,))),
     lambda a, b: ss.logsumexp(a, axis=0, b=b, keepdims=True)),
    ("softmax", lambda a: sps.softmax(a), (RNG.standard_normal((2, 3)),), ss.softmax),
    ("softmax_axis", lambda a: sps.softmax(a, axis=1), (RNG.standard_normal((2, 3)),),
     lambda a: ss.softmax(a, axis=1)),
    ("log_softmax", lambda a: sps.log_softmax(a, axis=0), (RNG.standard_normal((2, 3)),),
     lambda a: ss.log_softmax(a, axis=0)),
]


@pytest.mark.parametrize("name,f,args,ref", BINARY, ids=[c[0] for c in BINARY])
def test_values_and_derivatives(backend, name, f, args, ref):
    missing = lacking(backend, name)
    if missing:
        with raises_lacking(missing):
            f(*[dev(a) for a in args])
        return
    np.testing.assert_allclose(host(f(*[dev(a) for a in args])), ref(*args), rtol=1e-12)
    check_grads(f, args, order=2)


def test_logsumexp_return_sign_and_negative_weights(backend):
    a = RNG.standard_normal((3, 4))
    b = RNG.standard_normal((3, 4))
    val, sgn = sps.logsumexp(dev(a), axis=1, b=dev(b), return_sign=True)
    rval, rsgn = ss.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(host(val), rval, rtol=1e-12)
    np.testing.assert_array_equal(host(sgn), rsgn)
    check_grads(lambda x, w: sps.logsumexp(x, axis=1, b=w, return_sign=True)[0], (a, b))
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(np.isnan(host(sps.logsumexp(dev(a), axis=1, b=dev(b)))),
                                      np.isnan(ss.logsumexp(a, axis=1, b=b)))


def test_softmax_follows_scipy_default_axis_none(backend):
    z = RNG.standard_normal((2, 3))
    assert abs(float(host(sps.softmax(dev(z))).sum()) - 1.0) < 1e-12


def test_xlogy_at_zero(backend):
    x = np.array([0.0, 0.0, 1.5])
    y = np.array([0.0, 2.0, 0.5])
    np.testing.assert_array_equal(host(sps.xlogy(dev(x), dev(y))), ss.xlogy(x, y))
    # d/dy is 0 where x == 0 (the function is identically 0 there), x/y elsewhere
    gy = ad.grad(lambda v: gnp.sum(sps.xlogy(dev(x), v)))(y)
    np.testing.assert_allclose(host(gy), [0.0, 0.0, 3.0])


@pytest.mark.parametrize("name,call,arg", [
    ("polygamma", lambda n, x: sps.polygamma(n, x), "n"),
    ("jn", lambda n, x: sps.jn(n, x), "n"),
    ("iv", lambda n, x: sps.iv(n, x), "v"),
    ("betainc", lambda a, x: sps.betainc(a, 2.0, x / 10), "a"),
    ("stdtr", lambda d, x: sps.stdtr(d, x), "df"),
    ("expn", lambda n, x: sps.expn(n, x), "n"),
    ("hyp1f1", lambda a, x: sps.hyp1f1(a, 2.0, x), "a"),
    ("zeta", lambda s_, q: sps.zeta(s_ + 1.5, q), "x"),
])
@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_arguments_without_derivative_raise(backend, name, call, arg, mode):
    n = np.array([1.0, 2.0])
    x = np.array([0.5, 3.0])
    missing = lacking(backend, name)
    if missing:
        with raises_lacking(missing):
            call(dev(n), dev(x))
        return
    with pytest.raises(ad.MissingRuleError, match=f"with respect to {arg}"):
        if mode == "rev":
            ad.grad(lambda v: gnp.sum(call(v, x)))(n)
        else:
            ad.jvp(lambda v: call(v, x), (n,), (np.ones(2),))
    # the other argument is differentiable with the first held constant
    g = ad.grad(lambda v: gnp.sum(call(n, v)))(x)
    assert np.all(np.isfinite(host(g)))


def test_gammasgn_is_not_differentiated(backend):
    x = np.array([-1.5, -0.5, 2.0])
    np.testing.assert_array_equal(host(sps.gammasgn(dev(x))), ss.gammasgn(x))


def test_multigammaln_domain_error(backend):
    with pytest.raises(ValueError, match="multigammaln"):
        sps.multigammaln(dev(np.array([0.7])), 3)


@pytest.mark.parametrize("name,args", [
    ("gamma", (POS,)), ("gammaln", (POS,)), ("digamma", (POS,)), ("rgamma", (POS,)),
    ("erf", (REAL,)), ("erfc", (REAL,)), ("erfinv", (UNIT - 0.5,)), ("erfcinv", (UNIT,)),
    ("expit", (REAL,)), ("logit", (UNIT,)), ("i0", (REAL,)), ("i1", (REAL,)), ("j0", (REAL,)),
    ("j1", (REAL,)), ("y0", (POS,)), ("y1", (POS,)), ("beta", (POS, POS[::-1])),
    ("betaln", (POS, POS[::-1])),
])
def test_gradients_match_hips_autograd(name, args):
    import autograd
    import autograd.numpy as anp
    import autograd.scipy.special as asp

    ours = ad.grad(lambda *a: gnp.sum(getattr(sps, name)(*a) ** 2), argnums=tuple(
        range(len(args))))(*args)
    theirs = autograd.grad(lambda *a: anp.sum(getattr(asp, name)(*a) ** 2),
                           argnum=tuple(range(len(args))))(*args)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(host(o), t, rtol=1e-10)


@pytest.mark.parametrize("name,args", [
    ("xlogy", (REAL, POS)), ("xlog1py", (REAL, UNIT)), ("ndtr", (REAL,)), ("ndtri", (UNIT,)),
    ("log_ndtr", (REAL,)), ("entr", (POS,)), ("i0e", (REAL,)), ("i1e", (REAL,)),
    ("erfcx", (REAL,)), ("polygamma", (np.array([1, 2, 3, 1]), POS)), ("exp1", (POS,)),
    ("expi", (POS,)),
    ("rel_entr", (POS, POS[::-1])), ("kl_div", (POS, POS[::-1])), ("i0e", (POS,)),
    ("zeta", (np.array([2.0, 3.0, 2.5, 4.0]), POS)),
])
def test_second_derivatives_match_jax(name, args):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy.special as jsp

    nd = 1 if name in ("polygamma", "zeta") else 0
    fixed = args[:nd]
    ours = ad.hessian(lambda v: gnp.sum(getattr(sps, name)(*fixed, v, *args[nd + 1:])))(
        args[nd])
    if not hasattr(jsp, name):
        pytest.skip(f"jax.scipy.special has no {name}")
    try:
        theirs = jax.hessian(lambda v: jnp.sum(getattr(jsp, name)(*fixed, v, *args[nd + 1:])))(
            jnp.asarray(args[nd]))
    except TypeError as e:  # some jax versions cannot trace these twice
        pytest.skip(f"jax cannot take the Hessian of {name}: {e}")
    np.testing.assert_allclose(host(ours), np.asarray(theirs), rtol=1e-8, atol=1e-12)


def test_docstring_lists_existing_functions():
    for name in sps.__all__:
        assert callable(getattr(sps, name)), name
        assert getattr(sps, name).__doc__, name
        assert "Example" in getattr(sps, name).__doc__, name
    for word in ("xlogy", "logsumexp", "gammaln", "polygamma", "ndtri"):
        assert word in sps.__doc__


def test_import_without_scipy():
    """gpuad (and gpuad.nn) import without SciPy; gpuad.scipy says how to get it."""
    code = (
        "import sys\n"
        "sys.modules['scipy'] = None\n"
        "import gpuad, gpuad.numpy, gpuad.nn, gpuad.nn.functional\n"
        "assert not any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules\n"
        "               if sys.modules[m] is not None), 'scipy was imported'\n"
        "try:\n"
        "    import gpuad.scipy\n"
        "except ImportError as e:\n"
        "    assert 'gpuad[scipy]' in str(e), e\n"
        "    print('ok')\n"
    )
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_gpuad_does_not_load_scipy():
    code = ("import sys, gpuad, gpuad.numpy, gpuad.nn, gpuad.optim\n"
            "print(any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules))")
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def _bessel_derivative(f, order: int, k: int, x):
    """The k-th derivative of J_order (f = ss.jv, sign -1) or I_order (f = ss.iv, sign +1) by
    2^-k sum_j (+-1)^j C(k, j) f_(order-k+2j): SciPy's values at other orders."""
    from math import comb

    sgn = -1.0 if f is ss.jv else 1.0
    return sum(sgn ** j * comb(k, j) * f(order - k + 2 * j, x) for j in range(k + 1)) / 2 ** k


# 0 and its neighbourhood (where j1/x, i1/x would cancel), both sides of |x| = 1 (the switch
# from the power series to the quotient) and large arguments
NEAR_ZERO = np.array([-40.0, -3.0, -1.0, -0.999, -1e-9, 0.0, 1e-300, 1e-7, 0.5, 0.999999, 1.0,
                      1.000001, 7.5, 60.0])


@pytest.mark.parametrize("name,f", [("j1", ss.jv), ("i1", ss.iv)])
def test_order_one_bessel_derivatives_at_and_near_zero(backend, name, f):
    """j1' = j0 - j1/x and i1' = i0 - i1/x, with their derivatives, to round-off everywhere
    (the rules use functions cupyx.scipy.special has: no jv or iv)."""
    x = NEAR_ZERO if name == "j1" else NEAR_ZERO[np.abs(NEAR_ZERO) < 50]
    d = getattr(sps, name)
    for k in (1, 2, 3):
        def d(v, d=d):
            return ad.grad(lambda u: gnp.sum(d(u)))(v)
        ref = _bessel_derivative(f, 1, k, x)
        np.testing.assert_allclose(host(d(dev(x))), ref, rtol=1e-13, atol=1e-15 * np.max(
            np.abs(ref)), err_msg=f"{name}, derivative {k}")


def test_scaled_and_second_kind_order_one_derivatives(backend):
    x = NEAR_ZERO[NEAR_ZERO != 0]
    xp_ = np.abs(x[np.abs(x) > 1e-8])
    cases = [  # function, points, its derivative by SciPy's functions of other orders
        ("i1e", x, 0.5 * (ss.ive(0, x) + ss.ive(2, x)) - np.sign(x) * ss.i1e(x)),
        ("y1", xp_, 0.5 * (ss.y0(xp_) - ss.yv(2, xp_))),
        ("k1", xp_, -0.5 * (ss.k0(xp_) + ss.kv(2, xp_))),
        ("k1e", xp_, ss.k1e(xp_) - 0.5 * (ss.k0e(xp_) + ss.kve(2, xp_))),
    ]
    for name, pts, ref in cases:
        f = getattr(sps, name)
        got = ad.grad(lambda u, f=f: gnp.sum(f(u)))(dev(pts))
        np.testing.assert_allclose(host(got), ref, rtol=1e-13, err_msg=name)


@pytest.mark.parametrize("n", [0, 1, 2, -1, -2, 5])
def test_integer_order_derivatives_use_nonnegative_orders(backend, n):
    """yn' = (yn(n-1) - yn(n+1))/2 with Y_-m = (-1)^m Y_m: CUDA's yn gives nan below 0."""
    x = np.array([0.3, 1.7, 4.0, 25.0])
    got = ad.grad(lambda u: gnp.sum(sps.yn(n, u)))(dev(x))
    np.testing.assert_allclose(host(got), 0.5 * (ss.yv(n - 1, x) - ss.yv(n + 1, x)), rtol=1e-13)
    if not lacking(backend, "jn"):
        got = ad.grad(lambda u: gnp.sum(sps.jn(n, u)))(dev(x))
        np.testing.assert_allclose(host(got), 0.5 * (ss.jv(n - 1, x) - ss.jv(n + 1, x)),
                                   rtol=1e-13, atol=1e-16)


def test_polygamma_takes_python_orders(backend):
    """cupyx's polygamma is Python code that fails on a Python int n (n == 0 is a bool);
    gpuad hands it backend arrays."""
    x = np.array([0.4, 2.5])
    for n in (0, 1, 3, np.int64(2)):
        np.testing.assert_allclose(host(sps.polygamma(n, dev(x))), ss.polygamma(n, x),
                                   rtol=1e-13)
    np.testing.assert_allclose(host(ad.grad(lambda u: gnp.sum(sps.digamma(u)))(dev(x))),
                               ss.polygamma(1, x), rtol=1e-13)


def test_stdtr_from_betainc():
    """The CDF from betainc that CuPy runs without a stdtr: SciPy's values over df and t, the
    limits, and exact where SciPy's rounds (Cauchy: 1/2 + atan(t)/pi)."""
    from gpuad.scipy._special_rules import _stdtr_by_betainc

    df = np.array([0.05, 0.3, 1.0, 2.5, 7.0, 30.0, 120.0, 999.0])[:, None]
    t = np.concatenate([-np.logspace(-3, 4, 40), [0.0], np.logspace(-3, 4, 40)])
    np.testing.assert_allclose(_stdtr_by_betainc(np, df, t), ss.stdtr(df, t), rtol=2e-13,
                               atol=1e-300)
    tiny = np.array([-1e-12, -6e-9, 3e-10, 1e-6])
    np.testing.assert_allclose(_stdtr_by_betainc(np, 1.0, tiny), 0.5 + np.arctan(tiny) / np.pi,
                               rtol=1e-15)
    with np.errstate(all="ignore"):
        edge = _stdtr_by_betainc(np, np.array([np.inf, 3.0, 3.0, 0.0, -1.0, np.nan, 2.0]),
                                 np.array([1.3, np.inf, -np.inf, 1.0, 1.0, 1.0, np.nan]))
    np.testing.assert_allclose(edge, [ss.ndtr(1.3), 1.0, 0.0, np.nan, np.nan, np.nan, np.nan])


def test_stdtr_on_the_backend(backend):
    """Without cupyx.scipy.special.stdtr, CuPy computes it from betainc, exact for
    df <= 1000; a larger finite df raises (infinite df is the normal CDF)."""
    from gpuad.scipy._special_rules import STDTR_DF_MAX, has_function

    t = np.array([-4.0, -0.3, 0.0, 2.0])
    for df in (1.5, np.array([0.5, 3.0, 40.0, 1000.0]), np.inf):
        np.testing.assert_allclose(host(sps.stdtr(df, dev(t))), ss.stdtr(df, t), rtol=1e-13)
    big = np.array([3.0, 2 * STDTR_DF_MAX])
    if backend == "cupy" and not has_function(ad.get_backend().xp, "stdtr"):
        for df in (dev(big), 2 * STDTR_DF_MAX):
            with pytest.raises(NotImplementedError, match="stdtr: .* df <= 1000"):
                sps.stdtr(df, dev(t[:2]))
    else:
        np.testing.assert_allclose(host(sps.stdtr(dev(big), dev(t[:2]))), ss.stdtr(big, t[:2]))
