"""Derivative specifications for the distributions gpuad.scipy.stats takes from
jax.scipy.stats (bernoulli ... wrapcauchy). Counts, trials and shifts of the discrete ones are
closed over as constants (tests/test_scipy_stats_more.py checks that differentiating them
raises)."""

from __future__ import annotations

import numpy as np

from gpuad.scipy import stats

from . import Spec

SPECS: list[Spec] = []
EXEMPT: dict[str, str] = {
    "gpuad.scipy.stats.bernoulli.ppf": "piecewise constant (0 or 1): a derivative raises "
                                       "MissingRuleError",
}
_K = np.array([0.0, 1.0, 3.0, 5.0])
_B = np.array([0.0, 1.0, 1.0, 0.0])
_CTS = {"logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"}


def add(dist, fn, f, args, **kw):
    SPECS.append(Spec(f"{dist}.{fn}" if dist.startswith("gpuad") else
                      f"gpuad.scipy.stats.{dist}.{fn}", f, args, **kw))


def _xls(rng):
    return rng.standard_normal(4), rng.uniform(-0.5, 0.5, 4), rng.uniform(0.6, 2.0, 4)


def _qls(rng):
    return rng.uniform(0.1, 0.9, 4), rng.uniform(-0.5, 0.5, 4), rng.uniform(0.6, 2.0, 4)


for dist, fns in [("cauchy", _CTS | {"ppf", "isf"}), ("gumbel_l", _CTS | {"ppf"}),
                  ("gumbel_r", _CTS | {"ppf"}), ("laplace", {"logpdf", "pdf", "cdf"}),
                  ("logistic", {"logpdf", "pdf", "cdf", "sf", "ppf", "isf"})]:
    for fn in sorted(fns):
        add(dist, fn, getattr(getattr(stats, dist), fn), _qls if fn in ("ppf", "isf") else _xls)
for fn in sorted(_CTS | {"ppf"}):
    add("expon", fn, getattr(stats.expon, fn), _qls if fn == "ppf" else
        lambda rng: (rng.uniform(0.6, 3, 4), rng.uniform(-0.5, 0.5, 4), rng.uniform(0.6, 2, 4)))
    add("pareto", fn, getattr(stats.pareto, fn),
        (lambda rng: (rng.uniform(0.1, 0.9, 4), rng.uniform(0.6, 3, 4), rng.uniform(-0.5, 0.5, 4),
                      rng.uniform(0.6, 2, 4))) if fn == "ppf" else
        (lambda rng: (rng.uniform(3.0, 5.0, 4), rng.uniform(0.6, 3, 4), rng.uniform(-0.5, 0.5, 4),
                      rng.uniform(0.6, 2, 4))))
for fn in ("logpdf", "pdf", "cdf", "ppf"):
    add("uniform", fn, getattr(stats.uniform, fn),
        lambda rng: (rng.uniform(0.1, 0.9, 4), rng.uniform(-0.05, 0.05, 4),
                     rng.uniform(1.2, 2.0, 4)))
for fn in ("logpdf", "pdf", "cdf"):
    # the cdf in beta goes through gammainc's derivative in a, which has no second one
    add("gennorm", fn, getattr(stats.gennorm, fn),
        lambda rng: (np.sign(rng.standard_normal(4)) * rng.uniform(0.3, 2, 4),
                     rng.uniform(0.8, 3, 4)), order=1 if fn == "cdf" else 2)
for dist in ("vonmises", "wrapcauchy"):
    for fn in ("logpdf", "pdf"):
        add(dist, fn, getattr(getattr(stats, dist), fn),
            lambda rng: (rng.uniform(0.3, 6.0, 4), rng.uniform(0.2, 0.8, 4)))
for fn in sorted(_CTS):
    add("truncnorm", fn, getattr(stats.truncnorm, fn),
        lambda rng: (rng.uniform(-0.5, 0.5, 4), rng.uniform(-2.5, -1.5, 4),
                     rng.uniform(1.0, 2.0, 4), rng.uniform(-0.2, 0.2, 4),
                     rng.uniform(0.8, 1.5, 4)))
for fn in ("logpmf", "pmf"):
    add("bernoulli", fn, lambda p, f=fn: getattr(stats.bernoulli, f)(_B, p),
        lambda rng: (rng.uniform(0.1, 0.9, 4),))
    add("binom", fn, lambda p, f=fn: getattr(stats.binom, f)(_K, 6.0, p),
        lambda rng: (rng.uniform(0.1, 0.9, 4),))
    add("betabinom", fn, lambda a, b, f=fn: getattr(stats.betabinom, f)(_K, 6.0, a, b),
        lambda rng: (rng.uniform(0.6, 3, 4), rng.uniform(0.6, 3, 4)))
    add("geom", fn, lambda p, f=fn: getattr(stats.geom, f)(_K + 1, p),
        lambda rng: (rng.uniform(0.1, 0.9, 4),))
    add("nbinom", fn, lambda n, p, f=fn: getattr(stats.nbinom, f)(_K, n, p),
        lambda rng: (rng.uniform(0.6, 3, 4), rng.uniform(0.1, 0.9, 4)))
    add("multinomial", fn, lambda p, f=fn: getattr(stats.multinomial, f)(
        np.array([2, 1, 3]), 6, p), lambda rng: (rng.uniform(0.2, 0.5, 3),))
add("bernoulli", "cdf", lambda p: stats.bernoulli.cdf(np.array([0.0, 0.5, 1.0, -1.0]), p),
    lambda rng: (rng.uniform(0.1, 0.9, 4),))
add("gpuad.scipy.stats", "sem", lambda a: stats.sem(a, axis=1),
    lambda rng: (rng.standard_normal((3, 4)),))
EXEMPT["gpuad.scipy.stats.mode"] = "the most frequent value and its count: piecewise constant"
EXEMPT["gpuad.scipy.stats.rankdata"] = "ranks: piecewise constant"
add("poisson", "entropy", stats.poisson.entropy,
    lambda rng: (np.array([0.3, 4.0, 40.0, 2000.0]) * rng.uniform(0.8, 1.2, 4),))
