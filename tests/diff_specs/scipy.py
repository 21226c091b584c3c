"""Derivative specifications for gpuad.scipy.special, .stats, .signal and .integrate.

Arguments a function is not differentiable in (integer orders, counts, the shape parameters of
the incomplete gamma and beta functions, Student's df inside its CDF) are closed over as
constants; tests/test_scipy_*.py check that differentiating them raises.
"""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.scipy import integrate, ndimage, signal, stats
from gpuad.scipy.signal import windows
from gpuad.scipy.sparse import linalg as sparse_linalg

from . import Spec

SPECS: list[Spec] = []
EXEMPT: dict[str, str] = {
    "gpuad.scipy.special.gammasgn": "piecewise constant (the sign of gamma): zero derivative "
                                    "almost everywhere",
    "gpuad.scipy.stats.dirichlet.rvs": "a sampler with no reparameterisation in alpha: a "
                                       "derivative in alpha raises MissingRuleError",
}


# the cupyx.scipy.special functions (any one suffices) a public function runs on the cupy
# backend, where they are not just its primitive's own name
_CUPYX_OF = {"jn": ("jn", "jv"), "digamma": ("digamma", "psi"), "psi": ("digamma", "psi"),
             "stdtr": ("stdtr", "betainc"), "zeta": ("zeta",), "erf": ("erf",),
             "gpuad.scipy.stats.beta.sf": ("betaincc",),
             "gpuad.scipy.stats.beta.logsf": ("betaincc",),
             "sici": ("sici",), "fresnel": ("fresnel",), "bessel_jn": ("jn", "jv"),
             "sph_harm_y": ("sph_harm_y", "sph_harm")}


# computed from array operations where cupyx.scipy.special lacks their function
_WITHOUT_CUPYX = {"airy_ai"}


def cupy_lacks(name: str) -> str | None:
    """The cupyx.scipy.special function that ``name`` (``gpuad.scipy.special.jv`` or ``jv``,
    or a spec name) needs on the cupy backend and this CuPy lacks, or None: then it raises
    NotImplementedError naming that function."""
    name = name.split("#")[0]
    short = name.removeprefix("gpuad.scipy.special.")
    if short in _WITHOUT_CUPYX:
        return None
    need = _CUPYX_OF.get(name) or _CUPYX_OF.get(short)
    if need is None and "." not in short:
        rule = getattr(getattr(sps, short, None), "rule", None)
        need = (rule.name,) if rule is not None else None
    if need is None:
        return None
    import cupyx.scipy.special as cupyx_special

    return None if any(hasattr(cupyx_special, n) for n in need) else need[0]


def pos(n=4, lo=0.4, hi=3.0):
    return lambda rng: (rng.uniform(lo, hi, n),)


def real(n=4):
    return lambda rng: (np.sign(rng.standard_normal(n)) * rng.uniform(0.3, 2.0, n),)


def unit(n=4):
    return lambda rng: (rng.uniform(0.1, 0.9, n),)


def add(name, fn, args, **kw):
    SPECS.append(Spec(name, fn, args, **kw))


S = "gpuad.scipy.special."
for name, args in [
    ("gamma", pos()), ("gammaln", pos()), ("digamma", pos()), ("psi", pos()), ("rgamma", pos()),
    ("erf", real()), ("erfc", real()), ("erfcx", real()), ("ndtr", real()),
    ("log_ndtr", real()), ("ndtri", unit()), ("expit", real()), ("logit", unit()),
    ("log_expit", real()), ("softplus", real()), ("entr", pos()), ("i0", real()),
    ("i1", real()), ("i0e", real()), ("i1e", real()), ("j0", real()), ("j1", real()),
    ("y0", pos()), ("y1", pos()), ("k0", pos()), ("k1", pos()), ("k0e", pos()),
    ("k1e", pos()), ("exp1", pos()), ("expi", pos()), ("spence", pos()),
]:
    add(S + name, getattr(sps, name), args)
add(S + "erfinv", sps.erfinv, lambda rng: (rng.uniform(-0.8, 0.8, 4),))
add(S + "erfcinv", sps.erfcinv, lambda rng: (rng.uniform(0.2, 1.8, 4),))
add(S + "polygamma", lambda x: sps.polygamma(np.array([0, 1, 2, 3]), x), pos())
add(S + "jn", lambda x: sps.jn(2, x), real())
add(S + "jv", lambda x: sps.jv(1.5, x), pos())
add(S + "yn", lambda x: sps.yn(2, x), pos())
add(S + "yv", lambda x: sps.yv(0.5, x), pos())
add(S + "iv", lambda x: sps.iv(2.5, x), pos())
add(S + "ive", lambda x: sps.ive(2, x), real())
add(S + "kv", lambda x: sps.kv(1.5, x), pos())
add(S + "kve", lambda x: sps.kve(2, x), pos())
add(S + "expn", lambda x: sps.expn(np.array([0, 1, 2, 4]), x), pos())
add(S + "zeta", lambda q: sps.zeta(2.5, q), pos())
add(S + "poch", sps.poch, lambda rng: (rng.uniform(0.5, 3, 4), rng.uniform(-0.3, 2, 4)))
add(S + "hyp1f1", lambda x: sps.hyp1f1(1.5, 2.5, x), real())
add(S + "rel_entr", sps.rel_entr, lambda rng: (rng.uniform(0.2, 2, 4), rng.uniform(0.2, 2, 4)))
add(S + "kl_div", sps.kl_div, lambda rng: (rng.uniform(0.2, 2, 4), rng.uniform(0.2, 2, 4)))
add(S + "beta", sps.beta, lambda rng: (rng.uniform(0.5, 3, 4), rng.uniform(0.5, 3, 4)))
add(S + "betaln", sps.betaln, lambda rng: (rng.uniform(0.5, 3, 4), rng.uniform(0.5, 3, 4)))
add(S + "betainc", lambda x: sps.betainc(2.5, 1.5, x), unit())
add(S + "betaincc", lambda x: sps.betaincc(2.5, 1.5, x), unit())
add(S + "gammainc", lambda x: sps.gammainc(np.array([0.5, 1.0, 2.0, 3.5]), x), pos())
add(S + "gammaincc", lambda x: sps.gammaincc(np.array([0.5, 1.0, 2.0, 3.5]), x), pos())
add(S + "stdtr", lambda x: sps.stdtr(np.array([1.5, 2.0, 4.0, 9.0]), x), real())
add(S + "xlogy", sps.xlogy, lambda rng: (rng.standard_normal(4), rng.uniform(0.3, 2, 4)))
add(S + "xlog1py", sps.xlog1py, lambda rng: (rng.standard_normal(4), rng.uniform(-0.5, 2, 4)))
add(S + "multigammaln", lambda a: sps.multigammaln(a, 3), pos(lo=1.5, hi=4.0))
for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
             "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
             "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
             "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
             "laguerre_polynomial_l", "legendre_polynomial_p"):  # torch's; degrees up to 9
    add(S + name, lambda x, k=name: getattr(sps, k)(x, np.array([0, 2, 5, 9])), real())
add(S + "airy_ai", sps.airy_ai, real())
add(S + "logsumexp", lambda a, b: sps.logsumexp(a, axis=1, b=b),
    lambda rng: (rng.standard_normal((3, 4)), rng.uniform(0.3, 2.0, (3, 4))))
add(S + "softmax", lambda a: sps.softmax(a, axis=0), lambda rng: (rng.standard_normal((3, 2)),))
add(S + "log_softmax", lambda a: sps.log_softmax(a), lambda rng: (rng.standard_normal((3, 2)),))


def _x_loc_scale(rng):
    return rng.standard_normal(4), rng.standard_normal(4) * 0.3, rng.uniform(0.6, 2.0, 4)


for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
    add(f"gpuad.scipy.stats.norm.{fn}", getattr(stats.norm, fn), _x_loc_scale)
for fn in ("ppf", "isf"):
    add(f"gpuad.scipy.stats.norm.{fn}", getattr(stats.norm, fn),
        lambda rng: (rng.uniform(0.1, 0.9, 4), rng.standard_normal(4), rng.uniform(0.6, 2, 4)))
for fn in ("logpdf", "pdf"):
    add(f"gpuad.scipy.stats.t.{fn}", getattr(stats.t, fn),
        lambda rng: (rng.standard_normal(4), rng.uniform(1.5, 6, 4), rng.standard_normal(4),
                     rng.uniform(0.6, 2, 4)))
for fn in ("cdf", "logcdf", "sf", "logsf"):
    add(f"gpuad.scipy.stats.t.{fn}", lambda x, m, s, f=fn: getattr(stats.t, f)(
        x, np.array([1.5, 2.5, 4.0, 7.0]), m, s), _x_loc_scale)
_K = np.array([0.0, 1.0, 3.0, 6.0])
for fn in ("logpmf", "pmf", "cdf", "logcdf", "sf"):
    add(f"gpuad.scipy.stats.poisson.{fn}", lambda mu, f=fn: getattr(stats.poisson, f)(_K, mu),
        pos(lo=0.5, hi=4.0))
for fn in ("logpdf", "pdf"):
    add(f"gpuad.scipy.stats.beta.{fn}", getattr(stats.beta, fn),
        lambda rng: (rng.uniform(0.1, 0.9, 4), rng.uniform(0.6, 3, 4), rng.uniform(0.6, 3, 4)))
    add(f"gpuad.scipy.stats.gamma.{fn}", getattr(stats.gamma, fn),
        lambda rng: (rng.uniform(0.3, 4, 4), rng.uniform(0.6, 3, 4), rng.uniform(-0.2, 0.2, 4),
                     rng.uniform(0.6, 2, 4)))
    add(f"gpuad.scipy.stats.chi2.{fn}", getattr(stats.chi2, fn),
        lambda rng: (rng.uniform(0.3, 4, 4), rng.uniform(1.5, 6, 4)))
_SHAPE = np.array([0.8, 1.5, 2.5, 4.0])
for fn in ("cdf", "logcdf", "sf", "logsf"):
    add(f"gpuad.scipy.stats.beta.{fn}", lambda x, f=fn: getattr(stats.beta, f)(x, _SHAPE, 2.0),
        unit())
    add(f"gpuad.scipy.stats.gamma.{fn}", lambda x, s, f=fn: getattr(stats.gamma, f)(
        x, _SHAPE, 0.0, s), lambda rng: (rng.uniform(0.3, 4, 4), rng.uniform(0.6, 2, 4)))
    add(f"gpuad.scipy.stats.chi2.{fn}", lambda x, f=fn: getattr(stats.chi2, f)(x, 2 * _SHAPE),
        pos(lo=0.3, hi=4.0))
for fn in ("logpdf", "pdf"):
    # x stays on the simplex (components along axis 0, as scipy): a softmax of free variables
    add(f"gpuad.scipy.stats.dirichlet.{fn}", lambda z, a, f=fn: getattr(stats.dirichlet, f)(
        sps.softmax(z, axis=0), a),
        lambda rng: (rng.standard_normal((3, 2)), rng.uniform(0.8, 3, 3)))


def _mvn_args(rng):
    m = rng.standard_normal((3, 3))
    return rng.standard_normal((4, 3)), rng.standard_normal(3), m @ m.T + 3 * np.eye(3)


for fn in ("logpdf", "pdf"):
    add(f"gpuad.scipy.stats.multivariate_normal.{fn}",
        getattr(stats.multivariate_normal, fn), _mvn_args)
add("gpuad.scipy.stats.multivariate_normal.entropy",
    lambda c: stats.multivariate_normal.entropy(None, c), lambda rng: (_mvn_args(rng)[2],))

add("gpuad.scipy.signal.convolve", lambda a, b: signal.convolve(a, b, mode="same"),
    lambda rng: (rng.standard_normal((5, 4)), rng.standard_normal((2, 3))))
add("gpuad.scipy.signal.correlate", lambda a, b: signal.correlate(a, b, mode="full"),
    lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((2, 2))))
add("gpuad.scipy.signal.convolve2d", lambda a, b: signal.convolve2d(a, b, mode="same"),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal((2, 3))))
add("gpuad.scipy.signal.correlate2d", lambda a, b: signal.correlate2d(a, b, mode="valid"),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal((2, 3))))
add("gpuad.scipy.signal.fftconvolve", lambda a, b: signal.fftconvolve(a, b, mode="same"),
    lambda rng: (rng.standard_normal((5, 4)), rng.standard_normal((2, 3))))
add("gpuad.scipy.signal.oaconvolve", lambda a, b: signal.oaconvolve(a, b, mode="valid"),
    lambda rng: (rng.standard_normal((5, 4)), rng.standard_normal((2, 3))))
add("gpuad.scipy.signal.hilbert", lambda x: signal.hilbert(x, N=7),
    lambda rng: (rng.standard_normal((2, 6)),))
add("gpuad.scipy.signal.lfilter", lambda b, a, x, z: signal.lfilter(b, a, x, zi=z)[0],
    lambda rng: (rng.standard_normal(3), np.array([1.0, -0.4, 0.1]),
                 rng.standard_normal((2, 5)), rng.standard_normal((2, 2))))

N = "gpuad.scipy.ndimage."
add(N + "correlate", lambda x, w, c: ndimage.correlate(x, w, mode="constant", cval=c),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal((2, 3)), np.array(0.3)))
add(N + "convolve", lambda x, w: ndimage.convolve(x, w, mode="mirror", origin=(0, 1)),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal((3, 3))))
add(N + "correlate1d", lambda x, w: ndimage.correlate1d(x, w, axis=0, mode="wrap"),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal(3)))
add(N + "convolve1d", lambda x, w: ndimage.convolve1d(x, w, mode="nearest"),
    lambda rng: (rng.standard_normal((4, 5)), rng.standard_normal(2)))
add(N + "uniform_filter", lambda x: ndimage.uniform_filter(x, (2, 3), mode="reflect"),
    lambda rng: (rng.standard_normal((4, 5)),))
# a radius given: the replays' new sigmas keep the kernel's length (another length traces again)
add(N + "gaussian_filter", lambda x, s: ndimage.gaussian_filter(x, s, order=(0, 1), radius=2),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(0.6, 1.2, ())))
add(N + "gaussian_filter1d", lambda x, s: ndimage.gaussian_filter1d(x, s, order=2, radius=3),
    lambda rng: (rng.standard_normal((3, 6)), rng.uniform(0.6, 1.2, ())))

W = "gpuad.scipy.signal.windows."
add(W + "gaussian", lambda s: windows.gaussian(6, std=s), lambda rng: (rng.uniform(0.8, 3, ()),))
add(W + "exponential", lambda c, t: windows.exponential(6, c, t, sym=False),
    lambda rng: (rng.uniform(1.1, 1.9, ()), rng.uniform(0.8, 3, ())))
add(W + "kaiser", lambda b: windows.kaiser(7, beta=b), lambda rng: (rng.uniform(1, 9, ()),))
add(W + "general_cosine", lambda a: windows.general_cosine(6, a, sym=False),
    lambda rng: (rng.uniform(0.1, 0.5, 3),))
add(W + "general_hamming", lambda a: windows.general_hamming(5, a),
    lambda rng: (rng.uniform(0.4, 0.7, ()),))
EXEMPT.update({W + k: "a constant: no array input (a window of M points)" for k in (
    "bartlett", "blackman", "cosine", "hamming", "hann", "nuttall")})


add("gpuad.scipy.integrate.cumulative_trapezoid",
    lambda y, x: integrate.cumulative_trapezoid(y, x, axis=0, initial=0),
    lambda rng: (rng.standard_normal((4, 3)), np.cumsum(rng.uniform(0.1, 1.0, 4))))

add("gpuad.scipy.integrate.simpson", lambda y, x: integrate.simpson(y, x=x, axis=0),
    lambda rng: (rng.standard_normal((4, 3)), np.cumsum(rng.uniform(0.1, 1.0, 4))))


def _forced_decay(y, t, k):
    return -k * y + gnp.sin(t)


# kept small: its second derivatives integrate nested adjoint and sensitivity systems
add("gpuad.scipy.integrate.odeint",
    lambda y0, t, k: integrate.odeint(_forced_decay, y0, t, args=(k,), rtol=1e-10, atol=1e-10),
    lambda rng: (rng.standard_normal(1), np.array([0.1, 0.5]) + rng.uniform(0, 0.1, 2),
                 rng.uniform(1, 2, ())), rtol=1e-4, atol=1e-5)


# the iterative solvers, differentiated through lax.custom_linear_solve (symmetric positive
# definite systems, so that cg's symmetric transpose holds along every direction)
def _spd_system(q):
    return q @ q.T + 3.0 * gnp.eye(q.shape[0])


for _name in ("cg", "bicgstab", "gmres"):
    add("gpuad.scipy.sparse.linalg." + _name,
        lambda q, b, _name=_name: getattr(sparse_linalg, _name)(_spd_system(q), b,
                                                                tol=1e-13)[0],
        lambda rng: (rng.standard_normal((3, 3)), rng.standard_normal(3)),
        rtol=1e-5, atol=1e-6)
EXEMPT["gpuad.scipy.optimize.minimize"] = (
    "not differentiable, as JAX's: a differentiated x0, args or closure raises GradError "
    "(differentiate a minimum with gpuad.lax.custom_root on the gradient)")


# the rest of scipy.ndimage: the filters, the order-statistic filters (drawn without ties) and
# the spline interpolation (coordinates off the knots: integers for odd orders, halves for even
# ones; 'constant' and scipy's 'wrap' jump at the edges, which the points stay clear of)
def _img(rng):
    return (rng.standard_normal((4, 5)),)


def _img_cval(rng):
    return rng.standard_normal((4, 5)), np.array(0.3)


def _off_knots(rng, shape, lo, hi, even=False):
    base = np.floor(rng.uniform(lo, hi, shape))
    return base + (rng.uniform(0.6, 0.9, shape) if even else rng.uniform(0.15, 0.85, shape))


add(N + "sobel", lambda x, c: ndimage.sobel(x, 0, mode="constant", cval=c), _img_cval)
add(N + "prewitt", lambda x: ndimage.prewitt(x, 1, mode="wrap"), _img)
add(N + "laplace", lambda x, c: ndimage.laplace(x, mode="constant", cval=c), _img_cval)
add(N + "generic_laplace", lambda x: ndimage.generic_laplace(
    x, lambda a, ax, o, m, c: ndimage.correlate1d(a, np.array([1.0, -2.0, 1.0]), ax, o, m, c),
    mode="nearest"), _img)
add(N + "gaussian_laplace", lambda x, s: ndimage.gaussian_laplace(x, s, radius=2),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(0.6, 1.2, ())))
add(N + "gaussian_gradient_magnitude", lambda x, s: ndimage.gaussian_gradient_magnitude(
    x, s, mode="mirror", radius=2), lambda rng: (rng.standard_normal((4, 5)),
                                                 rng.uniform(0.6, 1.2, ())))
add(N + "generic_gradient_magnitude", lambda x: ndimage.generic_gradient_magnitude(
    x, ndimage.sobel), _img)
add(N + "uniform_filter1d", lambda x, c: ndimage.uniform_filter1d(x, 3, 0, mode="constant",
                                                                 cval=c), _img_cval)
add(N + "minimum_filter1d", lambda x: ndimage.minimum_filter1d(x, 3, 1, origin=1), _img)
add(N + "maximum_filter1d", lambda x, c: ndimage.maximum_filter1d(x, 2, 0, mode="constant",
                                                                 cval=c), _img_cval)
add(N + "minimum_filter", lambda x: ndimage.minimum_filter(x, size=(2, 3), mode="wrap"), _img)
add(N + "maximum_filter", lambda x: ndimage.maximum_filter(
    x, footprint=np.array([[1, 0, 1], [0, 1, 1]], bool), mode="mirror"), _img)
add(N + "median_filter", lambda x: ndimage.median_filter(x, size=3), _img)
add(N + "percentile_filter", lambda x: ndimage.percentile_filter(x, 30, size=(3, 2)), _img)
add(N + "rank_filter", lambda x: ndimage.rank_filter(x, -2, size=3, mode="nearest"), _img)
add(N + "spline_filter1d", lambda x: ndimage.spline_filter1d(x, 5, 0, mode="reflect"), _img)
add(N + "spline_filter", lambda x: ndimage.spline_filter(x, 3), _img)
add(N + "map_coordinates", lambda x, c, v: ndimage.map_coordinates(x, c, 3, cval=v),
    lambda rng: (rng.standard_normal((4, 5)), _off_knots(rng, (2, 6), -2, 6), np.array(0.5)))
add(N + "map_coordinates", lambda x, c: ndimage.map_coordinates(x, c, 2, "grid-wrap"),
    lambda rng: (rng.standard_normal((4, 5)), _off_knots(rng, (2, 6), -3, 7, even=True)))
add(N + "map_coordinates", lambda x, c: ndimage.map_coordinates(x, c, 5, "mirror"),
    lambda rng: (rng.standard_normal((4, 5)), _off_knots(rng, (2, 6), -3, 7)))
add(N + "shift", lambda x, s, c: ndimage.shift(x, s, order=3, mode="grid-constant", cval=c),
    lambda rng: (rng.standard_normal((4, 5)), _off_knots(rng, (2,), -2, 2), np.array(0.3)))
add(N + "zoom", lambda x, c: ndimage.zoom(x, 1.5, order=3, cval=c), _img_cval)
add(N + "affine_transform", lambda x, m, o: ndimage.affine_transform(x, m, o, order=3,
                                                                    mode="nearest"),
    lambda rng: (rng.standard_normal((4, 5)), np.eye(2) + rng.uniform(-0.2, 0.2, (2, 2)),
                 rng.uniform(-0.5, 0.5, 2)))
add(N + "affine_transform", lambda x, m: ndimage.affine_transform(x, m, order=4,
                                                                 mode="reflect"),
    lambda rng: (rng.standard_normal((4, 5)), np.hstack([np.eye(2) + rng.uniform(
        -0.2, 0.2, (2, 2)), rng.uniform(-0.5, 0.5, (2, 1))])))
add(N + "rotate", lambda x, t, c: ndimage.rotate(x, t, reshape=False, mode="grid-constant",
                                                 cval=c),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(10.0, 35.0, ()), np.array(0.3)))
# reshape=True: angles whose output keeps one size (5, 6), as the jit check's weights need
# (another size traces again: tests/conformance/test_scipy_ndimage_suite.py)
add(N + "rotate", lambda x, t: ndimage.rotate(x, t, order=3, mode="nearest"),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(10.0, 18.0, ())))
add(N + "geometric_transform", lambda x, c: ndimage.geometric_transform(
    x, lambda o: (0.9 * o[0] - 0.3, 1.1 * o[1] + 0.2), order=3, cval=c), _img_cval)

# measurements by label (the labels and the index are fixed host arrays; the values drawn
# without ties) and the Fourier filters (differentiable in the parameter as well)
_LABELS = np.array([[1, 1, 2, 0, 3], [2, 2, 1, 3, 3], [0, 1, 1, 2, 3], [3, 2, 0, 1, 1]])
for _m in ("sum_labels", "sum", "mean", "variance", "standard_deviation", "minimum",
           "maximum", "median"):
    add(N + _m, lambda x, m=_m: getattr(ndimage, m)(x, _LABELS, [1, 3, 2]), _img)
add(N + "center_of_mass", lambda x: gnp.stack(ndimage.center_of_mass(x, _LABELS, 2)),
    lambda rng: (rng.uniform(0.5, 2.0, (4, 5)),))
add(N + "fourier_gaussian", lambda x, s: ndimage.fourier_gaussian(x, s, 6, 0),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(0.6, 1.5, 2)))
add(N + "fourier_uniform", lambda x, s: ndimage.fourier_uniform(x, s),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(1.5, 3.0, 2)))
add(N + "fourier_ellipsoid", lambda x, s: ndimage.fourier_ellipsoid(x, s),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(1.5, 3.0, 2)))
add(N + "fourier_shift", lambda x, s: gnp.real(ndimage.fourier_shift(x, s)),
    lambda rng: (rng.standard_normal((4, 5)), rng.uniform(-1.5, 1.5, 2)))
