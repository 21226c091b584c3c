"""``kl_divergence(p, q)`` and ``register_kl``, with torch's dispatch: the rule registered for
the most specific pair of classes that ``type(p)`` and ``type(q)`` derive from; an
unregistered pair raises ``NotImplementedError``.

Example::

    kl = D.kl_divergence(D.Normal(mu, sigma), D.Normal(0.0, 1.0))

    @D.register_kl(MyDist, D.Normal)
    def _kl_mine_normal(p, q): ...
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from ._util import expand_to, sum_rightmost
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical, OneHotCategorical
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .independent import Independent
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal, _diag, _tril_solve
from .normal import Normal
from .poisson import Poisson
from .transformed import HalfNormal, Pareto
from .transforms import TransformedDistribution
from .uniform import Uniform

_KL_REGISTRY: dict[tuple[type, type], Callable] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator registering ``fn(p, q)`` as the KL divergence of the two classes.

    Example: ``@register_kl(D.Normal, D.Laplace)`` above ``def kl(p, q): ...``
    """
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"register_kl: expected a Distribution subclass, got {type_p!r}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"register_kl: expected a Distribution subclass, got {type_q!r}")

    def decorator(fn: Callable) -> Callable:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def _dispatch(tp: type, tq: type) -> Callable | None:
    best, best_key = None, None
    for (cp, cq), fn in _KL_REGISTRY.items():
        if issubclass(tp, cp) and issubclass(tq, cq):
            key = (tp.__mro__.index(cp) + tq.__mro__.index(cq), tp.__mro__.index(cp))
            if best_key is None or key < best_key:
                best, best_key = fn, key
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Any:
    """``KL(p || q)`` over the batch. Example: ``D.kl_divergence(p, q).sum()``"""
    fn = _dispatch(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"kl_divergence: no KL(p || q) is registered for p of type "
            f"{type(p).__name__} and q of type {type(q).__name__}; "
            f"register one with gpuad.distributions.register_kl"
        )
    return fn(p, q)


def _infinite_where(x: Any, mask: Any) -> Any:
    return gnp.where(mask, gnp.inf, x)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Any:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - gnp.log(var_ratio))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Any:
    t1 = p.probs * (sps.softplus(-q.logits) - sps.softplus(-p.logits))
    t1 = gnp.where(p.probs == 0, 0.0, _infinite_where(t1, q.probs == 0))
    t2 = (1 - p.probs) * (sps.softplus(q.logits) - sps.softplus(p.logits))
    t2 = gnp.where(p.probs == 1, 0.0, _infinite_where(t2, q.probs == 1))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Any:
    t = p.probs * (p.logits - q.logits)
    t = _infinite_where(t, q.probs == 0)
    t = gnp.where(p.probs == 0, 0.0, t)
    return gnp.sum(t, axis=-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Any:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Any:
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"kl_divergence: the two MultivariateNormals have different event "
            f"shapes ({p.event_shape} and {q.event_shape})"
        )
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_t1 = gnp.sum(gnp.log(_diag(Lq)), axis=-1) - gnp.sum(gnp.log(_diag(Lp)), axis=-1)
    n = p.event_shape[0]
    batch = gnp.broadcast_shapes(gnp.shape(Lq)[:-2], gnp.shape(Lp)[:-2])
    from ..scipy import linalg as sla

    m = sla.solve_triangular(
        expand_to(Lq, batch + (n, n)), expand_to(Lp, batch + (n, n)), lower=True
    )
    t2 = gnp.sum(m**2, axis=(-2, -1))
    t3 = gnp.sum(_tril_solve(Lq, q.loc - p.loc) ** 2, axis=-1)
    return half_t1 + 0.5 * (t2 + t3 - n)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Any:
    out = gnp.log((q.high - q.low) / (p.high - p.low))
    return _infinite_where(out, gnp.logical_or(q.low > p.low, q.high < p.high))


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Any:
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    s1, s2 = a1 + b1, a2 + b2
    t1 = sps.gammaln(a2) + sps.gammaln(b2) + sps.gammaln(s1)
    t2 = sps.gammaln(a1) + sps.gammaln(b1) + sps.gammaln(s2)
    return (
        t1
        - t2
        + (a1 - a2) * sps.digamma(a1)
        + (b1 - b2) * sps.digamma(b1)
        + (s2 - s1) * sps.digamma(s1)
    )


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Any:
    t1 = q.concentration * gnp.log(p.rate / q.rate)
    t2 = sps.gammaln(q.concentration) - sps.gammaln(p.concentration)
    t3 = (p.concentration - q.concentration) * sps.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Any:
    cp, cq = p.concentration, q.concentration
    sp_, sq = gnp.sum(cp, axis=-1), gnp.sum(cq, axis=-1)
    t1 = sps.gammaln(sp_) - sps.gammaln(sq)
    t2 = gnp.sum(sps.gammaln(cp) - sps.gammaln(cq), axis=-1)
    t4 = sps.digamma(cp) - sps.digamma(sp_)[..., None]
    return t1 - t2 + gnp.sum((cp - cq) * t4, axis=-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Any:
    ratio = q.rate / p.rate
    return -gnp.log(ratio) + ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Any:
    scale_ratio = p.scale / q.scale
    d = gnp.abs(p.loc - q.loc)
    return -gnp.log(scale_ratio) + d / q.scale + scale_ratio * gnp.exp(-d / p.scale) - 1


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Any:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "kl_divergence: Independent distributions with different reinterpreted_batch_ndims"
        )
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


_EULER = 0.57721566490153286060


def _inf_like(x: Any) -> Any:
    return gnp.full_like(x, gnp.inf)


def _xlogx(x: Any) -> Any:
    return sps.xlogy(x, x)  # 0 at 0 (a Uniform from 0 or to 1)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Any:
    n_p, n_q = gnp.asarray(p.total_count), gnp.asarray(q.total_count)
    if bool(gnp.any(n_p < n_q)):
        raise NotImplementedError("kl_divergence: KL between Binomials where q.total_count > "
                                  "p.total_count is not implemented (as torch)")
    kl = n_p * (p.probs * (p.logits - q.logits) + gnp.log1p(-p.probs) - gnp.log1p(-q.probs))
    return _infinite_where(kl, n_p > n_q)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Any:
    return p.rate * (gnp.log(p.rate) - gnp.log(q.rate)) - (p.rate - q.rate)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Any:
    r = p.scale / q.scale
    a, b = q.loc / q.scale, p.loc / q.scale
    return (-gnp.log(r) - a + b + r * _EULER + gnp.exp(a + sps.gammaln(1 + r) - b)
            - (1 + _EULER))


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Any:
    return (gnp.log((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2)
            - gnp.log(4 * p.scale * q.scale))


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> Any:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> Any:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Any:
    ratio = q.alpha / p.alpha
    out = q.alpha * gnp.log(p.scale / q.scale) - gnp.log(ratio) + ratio - 1
    return _infinite_where(out, p.scale < q.scale)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Any:
    if p.transforms != q.transforms:
        raise NotImplementedError("kl_divergence: TransformedDistributions with different "
                                  "transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("kl_divergence: TransformedDistributions with different "
                                  "event shapes")
    return kl_divergence(p.base_dist, q.base_dist)


# ---- pairs of different families (torch's table)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> Any:
    return -p.entropy() - (p.probs * gnp.log(q.rate) - q.rate)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> Any:
    a, b = p.concentration1, p.concentration0
    return -p.entropy() - gnp.log(q.rate) + q.rate * (a / (a + b))


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> Any:
    a, b = p.concentration1, p.concentration0
    t2 = sps.gammaln(q.concentration) - q.concentration * gnp.log(q.rate)
    t3 = (q.concentration - 1) * (sps.digamma(a) - sps.digamma(a + b))
    return -p.entropy() + t2 - t3 + q.rate * a / (a + b)


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> Any:
    a, b = p.concentration1, p.concentration0
    m = a / (a + b)
    var = q.scale**2
    second = (m * (1 - m) / (a + b + 1) + m**2) * 0.5
    return (-p.entropy() + 0.5 * gnp.log(var * 2 * math.pi)
            + (second - q.loc * m + 0.5 * q.loc**2) / var)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> Any:
    out = -p.entropy() + gnp.log(q.high - q.low)
    return _infinite_where(out, (q.low > 0) | (q.high < 1))


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> Any:
    ratio = q.rate / p.rate
    return (-q.concentration * gnp.log(ratio) + ratio + sps.gammaln(q.concentration)
            + q.concentration * _EULER - (1 + _EULER))


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> Any:
    sr = p.rate * q.scale
    ls = q.loc / q.scale
    return gnp.log(sr) - 1 - ls + gnp.exp(ls) * sr / (sr + 1) + 1 / sr


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> Any:
    var = q.scale**2
    r2 = p.rate**2
    return (0.5 * gnp.log(r2 * var * 2 * math.pi) - 1
            + (1 / r2 - q.loc / p.rate + 0.5 * q.loc**2) / var)


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p: Gamma, q: Exponential) -> Any:
    return -p.entropy() - gnp.log(q.rate) + q.rate * p.concentration / p.rate


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> Any:
    c = p.concentration
    bs = p.rate * q.scale
    ls = q.loc / q.scale
    t1 = (c - 1) * sps.digamma(c) - sps.gammaln(c) - c
    t2 = gnp.log(bs) + c / bs
    t3 = gnp.exp(ls) * (1 + 1 / bs) ** (-c) - ls
    return t1 + t2 + t3


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Any:
    c = p.concentration
    var = q.scale**2
    b2 = p.rate**2
    t1 = 0.5 * gnp.log(b2 * var * 2 * math.pi) - c - sps.gammaln(c)
    t2 = 0.5 * (c**2 + c) / b2
    return t1 + (c - 1) * sps.digamma(c) + (t2 - q.loc * c / p.rate + 0.5 * q.loc**2) / var


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> Any:
    r = p.scale / q.scale
    t1 = gnp.log(r / math.sqrt(2 * math.pi))
    t2 = (math.pi * r * 0.5) ** 2 / 3
    t3 = ((p.loc + p.scale * _EULER - q.loc) / q.scale) ** 2 * 0.5
    return -t1 + t2 + t3 - (_EULER + 1)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p: Laplace, q: Normal) -> Any:
    var = q.scale**2
    ratio = p.scale**2 / var
    t1 = 0.5 * gnp.log(2 * ratio / math.pi)
    return -t1 + ratio + 0.5 * (p.loc - q.loc) ** 2 / var - 1


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> Any:
    m = p.loc / q.scale
    v = (p.scale / q.scale) ** 2
    ls = q.loc / q.scale
    return (-0.5 * gnp.log(v) + m - ls + gnp.exp(-m + 0.5 * v + ls)
            - 0.5 * (1 + math.log(2 * math.pi)))


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Any:
    d = p.loc - q.loc
    t1 = gnp.log(p.scale / q.scale)
    t2 = math.sqrt(2 / math.pi) * p.scale * gnp.exp(-0.5 * (d / p.scale) ** 2)
    t3 = d * sps.erf(math.sqrt(0.5) * d / p.scale)
    return -t1 + (t2 + t3) / q.scale - 0.5 * (1 + math.log(0.5 * math.pi))


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> Any:
    sr = p.scale * q.rate
    out = gnp.log(p.alpha / sr) - 1 / p.alpha + p.alpha * sr / (p.alpha - 1) - 1
    return _infinite_where(out, p.alpha <= 1)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> Any:
    common = gnp.log(p.scale) + 1 / p.alpha
    t1 = gnp.log(p.alpha) - common
    t2 = sps.gammaln(q.concentration) - q.concentration * gnp.log(q.rate)
    t3 = (1 - q.concentration) * common
    t4 = q.rate * p.alpha * p.scale / (p.alpha - 1)
    return _infinite_where(t1 + t2 + t3 + t4 - 1, p.alpha <= 1)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> Any:
    var2 = 2 * q.scale**2
    common = p.scale / (p.alpha - 1)
    t1 = gnp.log(math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale)
    t3 = p.alpha * common**2 / (p.alpha - 2)
    t4 = (p.alpha * common - q.loc) ** 2
    return _infinite_where(t1 - 1 / p.alpha + (t3 + t4) / var2 - 1, p.alpha <= 2)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> Any:
    w = p.high - p.low
    t1 = gnp.log(w)
    t2 = (q.concentration1 - 1) * (_xlogx(p.high) - _xlogx(p.low) - w) / w
    t3 = (q.concentration0 - 1) * (_xlogx(1 - p.high) - _xlogx(1 - p.low) + w) / w
    t4 = (sps.gammaln(q.concentration1) + sps.gammaln(q.concentration0)
          - sps.gammaln(q.concentration1 + q.concentration0))
    return _infinite_where(t3 + t4 - t1 - t2, (p.high > 1) | (p.low < 0))


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> Any:
    out = q.rate * (p.high + p.low) / 2 - gnp.log((p.high - p.low) * q.rate)
    return _infinite_where(out, p.low < 0)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> Any:
    w = p.high - p.low
    t2 = sps.gammaln(q.concentration) - q.concentration * gnp.log(q.rate)
    t3 = (1 - q.concentration) * (_xlogx(p.high) - _xlogx(p.low) - w) / w
    out = -gnp.log(w) + t2 + t3 + q.rate * (p.high + p.low) / 2
    return _infinite_where(out, p.low < 0)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> Any:
    c = q.scale / (p.high - p.low)
    hi = (p.high - q.loc) / q.scale
    lo = (p.low - q.loc) / q.scale
    return gnp.log(c) + 0.5 * (hi + lo) - c * (gnp.exp(-hi) - gnp.exp(-lo))


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Any:
    w = p.high - p.low
    t1 = gnp.log(math.sqrt(math.pi * 2) * q.scale / w)
    return t1 + 0.5 * (w**2 / 12 + ((p.high + p.low - 2 * q.loc) / 2) ** 2) / q.scale**2


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p: Uniform, q: Pareto) -> Any:
    w = p.high - p.low
    t1 = gnp.log(q.alpha * q.scale**q.alpha * w)
    t2 = (_xlogx(p.high) - _xlogx(p.low) - w) / w
    return _infinite_where(t2 * (q.alpha + 1) - t1, p.low < q.scale)


def _kl_infinite(first: str) -> Callable:
    def kl(p: Any, q: Any) -> Any:
        return _inf_like(getattr(p, first))
    return kl


for _p, _first, _qs in [
    (Beta, "concentration1", (Pareto,)),
    (Exponential, "rate", (Beta, Pareto, Uniform)),
    (Gamma, "concentration", (Beta, Pareto, Uniform)),
    (Gumbel, "loc", (Beta, Exponential, Gamma, Pareto, Uniform)),
    (Laplace, "loc", (Beta, Exponential, Gamma, Pareto, Uniform)),
    (Normal, "loc", (Beta, Exponential, Gamma, Pareto, Uniform)),
    (Pareto, "scale", (Beta, Uniform)),
    (Poisson, "rate", (Bernoulli, Binomial)),
]:
    for _q in _qs:
        register_kl(_p, _q)(_kl_infinite(_first))
