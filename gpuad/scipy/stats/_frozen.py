"""SciPy's frozen distributions: ``norm(loc=0.0, scale=2.0)`` binds the parameters of a
``gpuad.scipy.stats`` module and returns an object with SciPy's methods (``logpdf``, ``cdf``,
``ppf``, ..., ``mean``, ``var``, ``std``, ``entropy``, ``interval``, ``median``, ``stats``,
``moment``, ``support``, ``rvs``). Parameters stay what they were given (Tensors stay Tensors),
so every value is differentiable in them as the module's functions are."""

from __future__ import annotations

import inspect
import math
import types
from typing import Any

import numpy as _np

from ... import numpy as gnp
from ...rules import data
from ...tensor import Tensor
from .._special_rules import betaln, digamma, entr, gammaln
from ._common import constant_args, flat_in, log_scale, positive_or_one, valid_scale

_EULER = 0.5772156649015329
_ZETA3 = 1.2020569031595942
_INF = math.inf
_NAN = math.nan

_CONT_FNS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_DISC_FNS = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_WORKAROUND = {
    "sf": "1 - rv.cdf(x) (loses digits in the upper tail)",
    "logsf": "gpuad.numpy.log1p(-rv.cdf(x))",
    "logcdf": "gpuad.numpy.log(rv.cdf(x))",
    "cdf": "integrate rv.pdf with gpuad.scipy.integrate",
    "isf": "rv.ppf(1 - q)",
    "ppf": "solve rv.cdf(x) = q with gpuad.scipy.optimize, or scipy.stats on constant "
           "parameters",
    "entropy": "-(rv.pmf(k) * rv.logpmf(k)).sum() over the support",
    "stats": "integrate x**n * rv.pdf(x) with gpuad.scipy.integrate",
}


def _where(cond: Any, value: Any, other: Any, *safe_args: Any) -> Any:
    """``value`` where the (raw) ``cond`` holds, ``other`` elsewhere, for moments defined
    only above a threshold. ``value`` is a function, called on ``safe_args`` with each argument
    replaced by a harmless point where ``cond`` fails, so its derivative there is 0, not nan."""
    if all(isinstance(a, int | float) for a in safe_args):
        return value(*safe_args) if cond(*safe_args) else other
    mask = cond(*[gnp.asarray(data(a)) for a in safe_args])
    safe = [gnp.where(mask, a, 10.0) for a in safe_args]
    return gnp.where(mask, value(*safe), other)


def _t_stats(df):
    m = _where(lambda d: d > 1, lambda d: 0.0 * d, _NAN, df)
    v = _where(lambda d: d > 2, lambda d: d / (d - 2), _where(lambda d: d > 1, lambda d: _INF
                                                               + 0.0 * d, _NAN, df), df)
    s = _where(lambda d: d > 3, lambda d: 0.0 * d, _NAN, df)
    k = _where(lambda d: d > 4, lambda d: 6 / (d - 4), _where(lambda d: d > 2, lambda d: _INF
                                                               + 0.0 * d, _NAN, df), df)
    return m, v, s, k


def _t_entropy(df):
    h = 0.5 * (df + 1)
    return h * (digamma(h) - digamma(0.5 * df)) + 0.5 * gnp.log(df) + betaln(0.5 * df, 0.5)


def _beta_stats(a, b):
    n = a + b
    return (a / n, a * b / (n * n * (n + 1)),
            2 * (b - a) * gnp.sqrt(n + 1) / ((n + 2) * gnp.sqrt(a * b)),
            6 * ((a - b) ** 2 * (n + 1) - a * b * (n + 2)) / (a * b * (n + 2) * (n + 3)))


def _beta_entropy(a, b):
    return betaln(a, b) - (a - 1) * digamma(a) - (b - 1) * digamma(b) + (a + b - 2) * digamma(
        a + b)


def _pareto_stats(b):
    m = _where(lambda c: c > 1, lambda c: c / (c - 1), _INF, b)
    v = _where(lambda c: c > 2, lambda c: c / ((c - 1) ** 2 * (c - 2)), _INF, b)
    s = _where(lambda c: c > 3, lambda c: 2 * (1 + c) / (c - 3) * gnp.sqrt((c - 2) / c), _NAN, b)
    k = _where(lambda c: c > 4, lambda c: 6 * (c ** 3 + c ** 2 - 6 * c - 2) / (
        c * (c - 3) * (c - 4)), _NAN, b)
    return m, v, s, k


def _truncnorm_ends(a, b):
    """``(Z, [a^k phi(a) - b^k phi(b) for k = 0..3])`` of the standard normal cut to [a, b]
    (an infinite end contributes 0)."""
    from .truncnorm import _log_gauss_mass

    z = gnp.exp(_log_gauss_mass(a, b))
    terms = []
    for end in (a, b):
        inf = gnp.isinf(gnp.asarray(data(end)))
        e = gnp.where(inf, 0.0, end)
        phi = gnp.where(inf, 0.0, gnp.exp(-0.5 * e * e) / math.sqrt(2 * math.pi))
        terms.append([phi * e ** n for n in range(4)])
    return z, [ta - tb for ta, tb in zip(*terms, strict=True)]


def _truncnorm_stats(a, b):
    # raw moments by m_k = (k - 1) m_{k-2} + (a^{k-1} phi(a) - b^{k-1} phi(b)) / Z
    z, d = _truncnorm_ends(a, b)
    m = [1.0, d[0] / z]
    for k in range(2, 5):
        m.append((k - 1) * m[k - 2] + d[k - 1] / z)
    return _raw_stats(*m[1:])


def _truncnorm_entropy(a, b):
    z, d = _truncnorm_ends(a, b)
    return 0.5 * math.log(2 * math.pi * math.e) + gnp.log(z) + 0.5 * d[1] / z


def _gennorm_stats(b):
    g1, g3, g5 = gammaln(1 / b), gammaln(3 / b), gammaln(5 / b)
    return 0.0 * b, gnp.exp(g3 - g1), 0.0 * b, gnp.exp(g5 + g1 - 2 * g3) - 3


def _raw_stats(g1, g2, g3, g4):
    """(mean, var, skew, excess kurtosis) from the first four raw moments."""
    v = g2 - g1 * g1
    s = (g3 - 3 * g1 * g2 + 2 * g1 ** 3) / v ** 1.5
    k = (g4 - 4 * g1 * g3 + 6 * g1 * g1 * g2 - 3 * g1 ** 4) / (v * v) - 3
    return g1, v, s, k


def _weibull_stats(c):
    return _raw_stats(*[gnp.exp(gammaln(1 + n / c)) for n in (1, 2, 3, 4)])


def _lognorm_stats(s):
    p = gnp.exp(s * s)
    return (gnp.sqrt(p), p * (p - 1), (p + 2) * gnp.sqrt(p - 1),
            p ** 4 + 2 * p ** 3 + 3 * p ** 2 - 6)


def _invgamma_stats(a):
    m = _where(lambda c: c > 1, lambda c: 1 / (c - 1), _INF, a)
    v = _where(lambda c: c > 2, lambda c: 1 / ((c - 1) ** 2 * (c - 2)), _INF, a)
    s = _where(lambda c: c > 3, lambda c: 4 * gnp.sqrt(c - 2) / (c - 3), _NAN, a)
    k = _where(lambda c: c > 4, lambda c: 6 * (5 * c - 11) / ((c - 3) * (c - 4)), _NAN, a)
    return m, v, s, k


def _chi_stats(df):
    mu = math.sqrt(2) * gnp.exp(gammaln(0.5 * (df + 1)) - gammaln(0.5 * df))
    v = df - mu * mu
    sd = gnp.sqrt(v)
    s = mu * (1 - 2 * v) / (sd * v)
    return mu, v, s, 2 * (1 - mu * sd * s - v) / v


def _neg(stats):
    def f(*shapes):
        m, v, s, k = stats(*shapes)
        return -m, v, -s, k
    return f


_W = math.sqrt(2 / math.pi)

# name: (support of the standard form, (mean, var, skew, excess kurtosis), entropy), each a
# function of the shape parameters; a moment given as None has no formula here
_CONTINUOUS: dict[str, tuple] = {
    "norm": (lambda: (-_INF, _INF), lambda: (0.0, 1.0, 0.0, 0.0),
             lambda: 0.5 * math.log(2 * math.pi * math.e)),
    "t": (lambda df: (-_INF, _INF), _t_stats, _t_entropy),
    "gamma": (lambda a: (0.0, _INF), lambda a: (a, a, 2 / gnp.sqrt(a), 6 / a),
              lambda a: a + gammaln(a) + (1 - a) * digamma(a)),
    "beta": (lambda a, b: (0.0, 1.0), _beta_stats, _beta_entropy),
    "chi2": (lambda df: (0.0, _INF), lambda df: (df, 2 * df, gnp.sqrt(8 / df), 12 / df),
             lambda df: 0.5 * df + math.log(2) + gammaln(0.5 * df) + (1 - 0.5 * df) * digamma(
                 0.5 * df)),
    "expon": (lambda: (0.0, _INF), lambda: (1.0, 1.0, 2.0, 6.0), lambda: 1.0),
    "cauchy": (lambda: (-_INF, _INF), lambda: (_NAN, _NAN, _NAN, _NAN),
               lambda: math.log(4 * math.pi)),
    "laplace": (lambda: (-_INF, _INF), lambda: (0.0, 2.0, 0.0, 3.0), lambda: math.log(2) + 1),
    "logistic": (lambda: (-_INF, _INF), lambda: (0.0, math.pi ** 2 / 3, 0.0, 1.2),
                 lambda: 2.0),
    "gumbel_r": (lambda: (-_INF, _INF), lambda: (_EULER, math.pi ** 2 / 6,
                                                  12 * math.sqrt(6) * _ZETA3 / math.pi ** 3, 2.4),
                 lambda: _EULER + 1),
    "gumbel_l": (lambda: (-_INF, _INF), lambda: (-_EULER, math.pi ** 2 / 6,
                                                  -12 * math.sqrt(6) * _ZETA3 / math.pi ** 3,
                                                  2.4),
                 lambda: _EULER + 1),
    "uniform": (lambda: (0.0, 1.0), lambda: (0.5, 1 / 12, 0.0, -1.2), lambda: 0.0),
    "pareto": (lambda b: (1.0, _INF), _pareto_stats, lambda b: 1 + 1 / b - gnp.log(b)),
    "truncnorm": (lambda a, b: (a, b), _truncnorm_stats, _truncnorm_entropy),
    "gennorm": (lambda b: (-_INF, _INF), _gennorm_stats,
                lambda b: 1 / b - gnp.log(0.5 * b) + gammaln(1 / b)),
    "vonmises": (lambda k: (-_INF, _INF), None, None),  # SciPy's: it is circular
    "wrapcauchy": (lambda c: (0.0, 2 * math.pi), None, None),
    "lognorm": (lambda s: (0.0, _INF), _lognorm_stats,
                lambda s: 0.5 * (1 + math.log(2 * math.pi)) + gnp.log(s)),
    "weibull_min": (lambda c: (0.0, _INF), _weibull_stats,
                    lambda c: _EULER * (1 - 1 / c) - gnp.log(c) + 1),
    "weibull_max": (lambda c: (-_INF, 0.0), _neg(_weibull_stats),
                    lambda c: _EULER * (1 - 1 / c) - gnp.log(c) + 1),
    "halfnorm": (lambda: (0.0, _INF), lambda: (
        _W, 1 - 2 / math.pi, math.sqrt(2) * (4 - math.pi) / (math.pi - 2) ** 1.5,
        8 * (math.pi - 3) / (math.pi - 2) ** 2), lambda: 0.5 * math.log(math.pi / 2) + 0.5),
    "halfcauchy": (lambda: (0.0, _INF), lambda: (_INF, _INF, _NAN, _NAN),
                   lambda: math.log(2 * math.pi)),
    "rayleigh": (lambda: (0.0, _INF), lambda: (
        math.sqrt(math.pi / 2), (4 - math.pi) / 2,
        2 * (math.pi - 3) * math.sqrt(math.pi) / (4 - math.pi) ** 1.5,
        (24 * math.pi - 6 * math.pi ** 2 - 16) / (4 - math.pi) ** 2),
        lambda: 0.5 * _EULER + 1 - 0.5 * math.log(2)),
    "invgamma": (lambda a: (0.0, _INF), _invgamma_stats,
                 lambda a: a - (a + 1) * digamma(a) + gammaln(a)),
    "chi": (lambda df: (0.0, _INF), _chi_stats,
            lambda df: gammaln(0.5 * df) + 0.5 * (df - math.log(2) - (df - 1) * digamma(
                0.5 * df))),
    "maxwell": (lambda: (0.0, _INF), lambda: (
        2 * _W, (3 * math.pi - 8) / math.pi,
        2 * math.sqrt(2) * (16 - 5 * math.pi) / (3 * math.pi - 8) ** 1.5,
        4 * (-96 + 40 * math.pi - 3 * math.pi ** 2) / (3 * math.pi - 8) ** 2),
        lambda: _EULER + 0.5 * math.log(2 * math.pi) - 0.5),
}


def _poisson_entropy(mu):
    from .poisson import entropy
    return entropy(mu)


def _binom_stats(n, p):
    q = 1 - p
    npq = n * p * q
    return n * p, npq, (q - p) / gnp.sqrt(npq), (1 - 6 * p * q) / npq


def _betabinom_stats(n, a, b):
    s = a + b
    return n * a / s, n * a * b * (s + n) / (s * s * (s + 1)), None, None


_DISCRETE: dict[str, tuple] = {
    "bernoulli": (lambda p: (0, 1), lambda p: _binom_stats(1, p), lambda p: entr(p) + entr(1 - p)),
    "binom": (lambda n, p: (0, n), _binom_stats, None),
    "poisson": (lambda mu: (0, _INF), lambda mu: (mu, mu, 1 / gnp.sqrt(mu), 1 / mu),
                _poisson_entropy),
    "geom": (lambda p: (1, _INF), lambda p: (1 / p, (1 - p) / (p * p), (2 - p) / gnp.sqrt(1 - p),
                                             (p * p - 6 * p + 6) / (1 - p)), None),
    "nbinom": (lambda n, p: (0, _INF), lambda n, p: (
        n * (1 - p) / p, n * (1 - p) / (p * p), (2 - p) / gnp.sqrt(n * (1 - p)),
        6 / n + p * p / (n * (1 - p))), None),
    "betabinom": (lambda n, a, b: (0, n), _betabinom_stats, None),
}


def _name(dist: types.ModuleType) -> str:
    return dist.__name__.rsplit(".", 1)[-1]


def _param(v: Any) -> Any:
    return gnp.asarray(v) if isinstance(v, list | tuple) else v


def _is_default(v: Any, d: float) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v == d


def _random_state(seed: Any) -> Any:
    if seed is None:
        return _np.random.mtrand._rand
    if isinstance(seed, int | _np.integer):
        return _np.random.RandomState(seed)
    return seed


def _host(v: Any) -> Any:
    v = data(v)
    return _np.asarray(v.get() if hasattr(v, "get") else v, dtype=_np.float64)


class rv_frozen:  # noqa: N801  (SciPy's name)
    """A distribution of ``gpuad.scipy.stats`` with its parameters bound (SciPy's frozen
    distribution). ``args`` are the shape parameters, ``kwds`` ``loc`` (and ``scale``)."""

    def __init__(self, dist: types.ModuleType, *args: Any, **kwds: Any) -> None:
        name = _name(dist)
        self.dist = dist
        self._discrete = name in _DISCRETE
        primary = dist.logpmf if self._discrete else dist.logpdf
        params = list(inspect.signature(primary).parameters)[1:]
        self._shapes = [p for p in params if p not in ("loc", "scale")]
        self._native = [p for p in params if p in ("loc", "scale")]
        names = self._shapes + (["loc"] if self._discrete else ["loc", "scale"])
        sig = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for n in self._shapes]
            + [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                 default=0 if n == "loc" else 1) for n in names[len(
                                     self._shapes):]])
        try:
            bound = sig.bind(*args, **kwds)
        except TypeError as e:
            raise TypeError(f"gpuad.scipy.stats.{name}{sig}: {e}") from None
        bound.apply_defaults()
        vals = {k: _param(v) for k, v in bound.arguments.items()}
        self.args = tuple(vals[n] for n in self._shapes)
        self.kwds = {n: vals[n] for n in names[len(self._shapes):]}
        self.loc = self.kwds["loc"]
        self.scale = self.kwds.get("scale", 1)

    def __repr__(self) -> str:
        return f"<gpuad.scipy.stats.{_name(self.dist)} frozen: args={self.args}, kwds={self.kwds}>"

    # --- the distribution functions -------------------------------------------------------
    def _fn(self, fn: str) -> Any:
        f = getattr(self.dist, fn, None)
        if f is None:
            why = _WORKAROUND.get(fn, "")
            raise AttributeError(
                f"gpuad.scipy.stats.{_name(self.dist)} has no {fn}"
                + (f"; write it as {why}" if why else ""))
        return f

    def _call(self, fn: str, x: Any) -> Any:
        f = self._fn(fn)
        loc, scale = self.loc, self.scale
        if len(self._native) == len(self.kwds):
            return f(x, *self.args, **self.kwds)
        # a module without loc/scale (gennorm, vonmises, wrapcauchy): SciPy's transform here
        plain = _is_default(loc, 0) and _is_default(scale, 1)
        if plain:
            return f(x, *self.args)
        s = positive_or_one(scale)
        if fn in ("ppf", "isf"):
            y = loc + s * f(x, *self.args)
        else:
            y = f((x - loc) / s, *self.args)
            if fn in ("logpdf", "pdf"):
                y = y - log_scale(s) if fn == "logpdf" else y / s
        return valid_scale(y, scale)

    def logpdf(self, x: Any) -> Any:
        """Log density at ``x``."""
        return self._call("logpdf", x)

    def pdf(self, x: Any) -> Any:
        """Density at ``x``."""
        return self._call("pdf", x)

    def logpmf(self, k: Any) -> Any:
        """Log probability of ``k``."""
        return self._call("logpmf", k)

    def pmf(self, k: Any) -> Any:
        """Probability of ``k``."""
        return self._call("pmf", k)

    def cdf(self, x: Any) -> Any:
        """``P(X <= x)``."""
        return self._call("cdf", x)

    def logcdf(self, x: Any) -> Any:
        """``log P(X <= x)``."""
        return self._call("logcdf", x)

    def sf(self, x: Any) -> Any:
        """``P(X > x)``."""
        return self._call("sf", x)

    def logsf(self, x: Any) -> Any:
        """``log P(X > x)``."""
        return self._call("logsf", x)

    def ppf(self, q: Any) -> Any:
        """The quantile function."""
        return self._call("ppf", q)

    def isf(self, q: Any) -> Any:
        """The inverse of :meth:`sf`."""
        return self._call("isf", q)

    # --- summaries --------------------------------------------------------------------------
    def _table(self, i: int, what: str) -> Any:
        name = _name(self.dist)
        entry = (_DISCRETE if self._discrete else _CONTINUOUS).get(name)
        f = entry[i] if entry else None
        if f is None:
            why = _WORKAROUND["entropy" if what == "entropy" else "stats"]
            raise NotImplementedError(f"gpuad.scipy.stats.{name}: {what} has no formula here; "
                                      f"compute it as {why}")
        return f

    def _tied(self, value: Any) -> Any:
        """A summary recorded on every Tensor parameter (a derivative of 0 in those it does not
        depend on, ``var`` in ``loc``), so Tensor parameters give a Tensor, never a number."""
        return flat_in(value, *self.args, self.loc, self.scale)

    def _std_stats(self) -> tuple:
        return self._table(1, "stats")(*self.args)

    def support(self) -> tuple[Any, Any]:
        """The ends of the support, ``(a, b)``."""
        a, b = self._table(0, "support")(*self.args)
        if self._discrete:
            return self._tied(a + self.loc), self._tied(b + self.loc)
        return self._tied(self.loc + self.scale * a), self._tied(self.loc + self.scale * b)

    def stats(self, moments: str = "mv") -> Any:
        """Some of mean (``m``), variance (``v``), skew (``s``) and excess kurtosis (``k``)."""
        m, v, s, k = self._std_stats()
        out = []
        for c in moments:
            if c == "m":
                out.append(self.loc + self.scale * m)
            elif c == "v":
                out.append(self.scale * self.scale * v)
            elif c in "sk":
                val = s if c == "s" else k
                if val is None:
                    raise NotImplementedError(
                        f"gpuad.scipy.stats.{_name(self.dist)}: its "
                        f"{'skew' if c == 's' else 'kurtosis'} has no formula here; compute it "
                        f"as {_WORKAROUND['stats']}")
                out.append(val + 0.0 * self.scale if not isinstance(val, int | float) else val)
            else:
                raise ValueError(f"stats(moments={moments!r}): each letter must be one of "
                                 f"'m', 'v', 's', 'k'")
        out = [self._tied(v) for v in out]
        return out[0] if len(out) == 1 else tuple(out)

    def mean(self) -> Any:
        """The mean."""
        return self.stats("m")

    def var(self) -> Any:
        """The variance."""
        return self.stats("v")

    def std(self) -> Any:
        """The standard deviation."""
        return gnp.sqrt(self.var())

    def moment(self, order: int) -> Any:
        """The raw moment ``E[X**order]`` for ``order`` 0 to 4."""
        if not isinstance(order, int | _np.integer) or order < 0:
            raise ValueError(f"moment(order={order!r}): the order must be a non-negative "
                             f"integer")
        if order == 0:
            return self._tied(1.0)
        if order > 4:
            raise NotImplementedError(f"moment(order={order}): gpuad has moments up to order 4; "
                                      f"compute it as {_WORKAROUND['stats']}")
        letters = "mvsk"[:order]
        got = self.stats(letters) if order > 1 else (self.stats("m"),)
        mu = got[0]
        if order == 1:
            return mu
        v = got[1]
        if order == 2:
            return v + mu * mu
        mu3 = got[2] * v ** 1.5
        if order == 3:
            return mu3 + 3 * mu * v + mu ** 3
        mu4 = (got[3] + 3) * v * v
        return mu4 + 4 * mu * mu3 + 6 * mu * mu * v + mu ** 4

    def entropy(self) -> Any:
        """The differential entropy (the Shannon entropy of a discrete distribution)."""
        h = self._table(2, "entropy")(*self.args)
        if self._discrete or _is_default(self.scale, 1):
            return self._tied(h)
        return self._tied(h + log_scale(self.scale))

    def median(self) -> Any:
        """``ppf(0.5)``."""
        return self.ppf(0.5)

    def interval(self, confidence: Any) -> tuple[Any, Any]:
        """The central interval holding probability ``confidence``."""
        c = confidence
        if isinstance(c, int | float) and not 0 <= c <= 1:
            raise ValueError(f"interval(confidence={c}): confidence must be in [0, 1]")
        return self.ppf(0.5 - 0.5 * c), self.ppf(0.5 + 0.5 * c)

    def expect(self, func: Any = None, *args: Any, **kwds: Any) -> Any:
        """Not computed here: SciPy integrates numerically on the host."""
        raise NotImplementedError(
            "expect: gpuad does not integrate on the host; compute E[f(X)] as "
            "gpuad.scipy.integrate.trapezoid(f(x) * rv.pdf(x), x) on a grid, or use "
            "rv.mean()/rv.var()/rv.moment(n)")

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        """Samples; differentiable in the parameters (``ppf`` of uniform draws) where the
        distribution has a ``ppf``, else drawn by SciPy on the host and constant in them."""
        rs = _random_state(random_state)
        params = list(self.args) + list(self.kwds.values())
        if size is None:
            size = _np.broadcast_shapes(*[_np.shape(data(p)) for p in params])
        name = _name(self.dist)
        if name in ("norm", "expon"):  # SciPy's own draws, so seeds give SciPy's samples
            z = rs.standard_normal(size) if name == "norm" else rs.standard_exponential(size)
            return self.loc + self.scale * gnp.asarray(z)
        if not self._discrete and getattr(self.dist, "ppf", None) is not None:
            u = rs.uniform(size=size)
            return self.ppf(gnp.asarray(u))
        import scipy.stats

        host = [_host(p) for p in self.args]
        out = getattr(scipy.stats, name).rvs(*host, **{k: _host(v) for k, v in self.kwds.items()},
                                            size=size, random_state=rs)
        out = gnp.asarray(out)
        tensors = [p for p in params if isinstance(p, Tensor)]
        return constant_args(out, *tensors, why=(
            f"{name}(...).rvs: these samples are drawn on the host and not differentiated in "
            f"the parameters"))


class _DistModule(types.ModuleType):
    """A distribution module that SciPy users can call to freeze its parameters."""

    def __call__(self, *args: Any, **kwds: Any) -> Any:
        if _name(self) in ("multivariate_normal", "dirichlet", "multinomial"):
            return rv_multi_frozen(self, *args, **kwds)
        return rv_frozen(self, *args, **kwds)


def _dirichlet_stats(alpha):
    a0 = gnp.sum(alpha, axis=-1, keepdims=True)
    m = alpha / a0
    return m, m * (1 - m) / (a0 + 1)


def _dirichlet_entropy(alpha):
    a0 = gnp.sum(alpha, axis=-1)
    k = alpha.shape[-1]
    return (gnp.sum(gammaln(alpha), axis=-1) - gammaln(a0) + (a0 - k) * digamma(a0)
            - gnp.sum((alpha - 1) * digamma(alpha), axis=-1))


class rv_multi_frozen:  # noqa: N801
    """A multivariate distribution (multivariate_normal, dirichlet, multinomial) with its
    parameters bound, as SciPy's frozen ones."""

    def __init__(self, dist: types.ModuleType, *args: Any, **kwds: Any) -> None:
        self.dist = dist
        primary = getattr(dist, "logpdf", None) or dist.logpmf
        sig = inspect.signature(primary)
        sig = sig.replace(parameters=list(sig.parameters.values())[1:])
        try:
            bound = sig.bind(*args, **kwds)
        except TypeError as e:
            raise TypeError(f"gpuad.scipy.stats.{_name(dist)}{sig}: {e}") from None
        bound.apply_defaults()
        self._bound = {k: _param(v) for k, v in bound.arguments.items()}
        if _name(dist) == "multivariate_normal":
            self.mean = self._bound["mean"]
            self.cov = self._bound["cov"]
        elif _name(dist) == "dirichlet":
            self.alpha = gnp.asarray(self._bound["alpha"]) if not isinstance(
                self._bound["alpha"], Tensor) else self._bound["alpha"]

    def _call(self, fn: str, *a: Any, **k: Any) -> Any:
        f = getattr(self.dist, fn, None)
        if f is None:
            raise AttributeError(f"gpuad.scipy.stats.{_name(self.dist)} has no {fn}")
        return f(*a, **self._bound, **k)

    def logpdf(self, x: Any) -> Any:
        """Log density at ``x``."""
        return self._call("logpdf", x)

    def pdf(self, x: Any) -> Any:
        """Density at ``x``."""
        return self._call("pdf", x)

    def logpmf(self, x: Any) -> Any:
        """Log probability of ``x``."""
        return self._call("logpmf", x)

    def pmf(self, x: Any) -> Any:
        """Probability of ``x``."""
        return self._call("pmf", x)

    def entropy(self) -> Any:
        """The differential entropy."""
        if _name(self.dist) == "dirichlet":
            return _dirichlet_entropy(self.alpha)
        if _name(self.dist) == "multivariate_normal":
            return self.dist.entropy(self.mean, self.cov)
        return self._call("entropy")

    def rvs(self, size: Any = 1, random_state: Any = None) -> Any:
        """Samples (see the module's ``rvs``)."""
        return self._call("rvs", size=size, random_state=random_state)

    def __getattr__(self, name: str) -> Any:
        if name in ("mean", "var") and _name(self.dist) == "dirichlet":
            m, v = _dirichlet_stats(self.alpha)
            return (lambda: m) if name == "mean" else (lambda: v)
        if name == "mean" and _name(self.dist) == "multinomial":
            return lambda: gnp.asarray(self._bound["n"])[..., None] * self._bound["p"]
        raise AttributeError(f"gpuad.scipy.stats.{_name(self.dist)} frozen has no {name}")


def make_callable(*modules: types.ModuleType) -> None:
    """Make each distribution module callable as SciPy's (``norm(loc, scale)``)."""
    for m in modules:
        m.__class__ = _DistModule
