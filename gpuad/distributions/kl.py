"""``kl_divergence(p, q)`` and ``register_kl``, with torch's dispatch: the rule registered for
the most specific pair of classes that ``type(p)`` and ``type(q)`` derive from; an
unregistered pair raises ``NotImplementedError``.

Example::

    kl = D.kl_divergence(D.Normal(mu, sigma), D.Normal(0.0, 1.0))

    @D.register_kl(MyDist, D.Normal)
    def _kl_mine_normal(p, q): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from ._util import expand_to, sum_rightmost
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical, OneHotCategorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal, _diag, _tril_solve
from .normal import Normal
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
