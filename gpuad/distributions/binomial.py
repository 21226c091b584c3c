"""``Binomial(total_count=1, probs=None, logits=None)``: successes in ``total_count`` trials.
``log_prob`` is differentiable in ``probs``/``logits`` (and ``total_count``, through
``gammaln``); samples are constants.

Example: ``D.Binomial(10, probs=p).log_prob(k)``
"""

from __future__ import annotations

from typing import Any

from .. import _value_checks as _vc
from .. import numpy as gnp
from .._raw import shape
from ..backends import get_backend
from ..scipy import special as sps
from . import constraints
from ._util import (
    broadcast_all,
    clamp_probs,
    detached,
    expand_to,
    lazy_property,
    like_samples,
    raw,
    value_like,
)
from .bernoulli import _one_of
from .distribution import Distribution


class Binomial(Distribution):
    """The binomial distribution. Example: ``D.Binomial(5, probs=0.3).mean``"""

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: Any = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ):
        _one_of("Binomial", probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self._param = self.logits
        super().__init__(shape(self._param), validate_args=validate_args)

    def _init_params(self) -> dict[str, Any]:
        p = {"total_count": self.total_count}
        if "probs" in self.__dict__:
            p["probs"] = self.probs
        else:
            p["logits"] = self.logits
        return p

    @lazy_property
    def logits(self) -> Any:
        p = clamp_probs(self.probs)
        return gnp.log(p) - gnp.log1p(-p)

    @lazy_property
    def probs(self) -> Any:
        return sps.expit(self.logits)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Any:
        return self.total_count * self.probs

    @property
    def mode(self) -> Any:
        n = self.total_count
        return gnp.minimum(gnp.floor((n + 1) * self.probs), n)

    @property
    def variance(self) -> Any:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(n, p):
            xp = get_backend().xp
            n = expand_to(raw(n), shp)
            k = gnp.random.binomial(n.astype(xp.int64), expand_to(raw(p), shp), size=shp)
            return xp.asarray(k).astype(raw(p).dtype)

        return detached(draw, self.total_count, self.probs)

    def log_prob(self, value: Any) -> Any:
        value = value_like(self._check(value), self.logits)
        n, lg = self.total_count, self.logits
        log_norm = (
            n * (lg + gnp.abs(lg)) / 2 + n * gnp.log1p(gnp.exp(-gnp.abs(lg))) - sps.gammaln(n + 1)
        )
        return value * lg - sps.gammaln(value + 1) - sps.gammaln(n - value + 1) - log_norm

    def entropy(self) -> Any:
        _vc.host_read("Binomial.entropy: total_count", self.total_count)
        n = raw(self.total_count)
        if n.size and not bool((n == n.max()).all()):
            raise NotImplementedError(
                "Binomial.entropy: needs one total_count for the whole "
                "batch (the sum runs over 0..total_count)"
            )
        k = self.enumerate_support(expand=False)
        lp = self.log_prob(k)
        return -gnp.sum(gnp.exp(lp) * lp, axis=0)

    def enumerate_support(self, expand: bool = True) -> Any:
        xp = get_backend().xp
        _vc.host_read("Binomial.enumerate_support: total_count", self.total_count)
        n = raw(self.total_count)
        top = int(n.max()) if n.size else 0
        if n.size and not bool((n == top).all()):
            raise NotImplementedError(
                "Binomial.enumerate_support: needs one total_count for the whole batch"
            )
        v = xp.arange(top + 1, dtype=raw(self._param).dtype)
        v = v.reshape((-1,) + (1,) * len(self._batch_shape))
        v = xp.broadcast_to(v, (top + 1,) + self._batch_shape) if expand else v
        return like_samples(v, self._param)
