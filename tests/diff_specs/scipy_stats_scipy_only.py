"""Derivative specifications for the continuous distributions gpuad.scipy.stats has beyond
jax.scipy.stats (chi, halfcauchy, halfnorm, invgamma, lognorm, maxwell, rayleigh,
weibull_max, weibull_min): every function in ``x``, the shape, ``loc`` and ``scale``."""

from __future__ import annotations

from gpuad.scipy import stats

from . import Spec

SPECS: list[Spec] = []
EXEMPT: dict[str, str] = {}
_ALL = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")


def _draw(with_shape: bool, sign: float = 1.0):
    def args(rng):
        loc, scale = rng.uniform(-0.5, 0.5, 4), rng.uniform(0.6, 2.0, 4)
        x = loc + sign * scale * rng.uniform(0.3, 2.5, 4)
        return (x, rng.uniform(0.8, 3.0, 4), loc, scale) if with_shape else (x, loc, scale)
    return args


def _q(with_shape: bool):
    def args(rng):
        q, loc, scale = rng.uniform(0.1, 0.9, 4), rng.uniform(-0.5, 0.5, 4), rng.uniform(
            0.6, 2.0, 4)
        return (q, rng.uniform(0.8, 3.0, 4), loc, scale) if with_shape else (q, loc, scale)
    return args


def _q2(rng):
    return (rng.uniform(0.1, 0.9, 4), rng.uniform(-0.5, 0.5, 4), rng.uniform(0.6, 2.0, 4))


# the quantiles added to the JAX-named ones: once in the gamma family's shape (through
# gammainc's derivative in it), twice in q, loc, scale; beta's and t's shapes are constants
for dist in ("gamma", "chi2"):
    for fn in ("ppf", "isf"):
        SPECS.append(Spec(f"gpuad.scipy.stats.{dist}.{fn}", getattr(getattr(stats, dist), fn),
                          _q(True), order=1))
for fn in ("ppf", "isf"):
    SPECS.append(Spec(f"gpuad.scipy.stats.beta.{fn}",
                      lambda q, lc, s, f=fn: getattr(stats.beta, f)(q, 2.0, 3.0, lc, s), _q2))
    SPECS.append(Spec(f"gpuad.scipy.stats.t.{fn}",
                      lambda q, lc, s, f=fn: getattr(stats.t, f)(q, 4.0, lc, s), _q2))

for dist, shape, sign in [("lognorm", True, 1.0), ("weibull_min", True, 1.0),
                          ("weibull_max", True, -1.0), ("halfnorm", False, 1.0),
                          ("halfcauchy", False, 1.0), ("rayleigh", False, 1.0),
                          ("invgamma", True, 1.0), ("chi", True, 1.0), ("maxwell", False, 1.0)]:
    mod = getattr(stats, dist)
    for fn in _ALL:
        if fn not in mod.__all__:
            continue
        # the cdf family of invgamma and chi goes through gammainc's derivative in its shape,
        # which has no second one
        once = dist in ("invgamma", "chi") and fn not in ("logpdf", "pdf")
        SPECS.append(Spec(f"gpuad.scipy.stats.{dist}.{fn}", getattr(mod, fn),
                          _q(shape) if fn in ("ppf", "isf") else _draw(shape, sign),
                          order=1 if once else 2))
