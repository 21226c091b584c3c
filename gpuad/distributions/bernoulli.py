"""``Bernoulli(probs=None, logits=None)``: one of the two parameterisations, the other derived
(``logits = log p - log(1 - p)`` with ``p`` clipped to ``[eps, 1 - eps]``, ``probs =
expit(logits)``). Samples are constants (floats 0 and 1).

Example: ``D.Bernoulli(logits=z).log_prob(y)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .._raw import shape
from ..scipy import special as sps
from . import constraints
from ._util import (
    as_param,
    clamp_probs,
    detached,
    expand_to,
    lazy_property,
    like_samples,
    raw,
    uniform01,
    value_like,
)
from .distribution import Distribution


def _one_of(name: str, probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either probs or logits must be given, but not both")


class Bernoulli(Distribution):
    """The Bernoulli distribution on {0, 1}. Example: ``D.Bernoulli(0.3).sample((5,))``"""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        _one_of("Bernoulli", probs, logits)
        if probs is not None:
            self.probs = as_param(probs)
        else:
            self.logits = as_param(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(shape(self._param), validate_args=validate_args)

    def _init_params(self) -> dict[str, Any]:
        return {"probs": self.probs} if "probs" in self.__dict__ else {"logits": self.logits}

    @lazy_property
    def logits(self) -> Any:
        p = clamp_probs(self.probs)
        return gnp.log(p) - gnp.log1p(-p)

    @lazy_property
    def probs(self) -> Any:
        return sps.expit(self.logits)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return shape(self._param)

    @property
    def mean(self) -> Any:
        return self.probs

    @property
    def mode(self) -> Any:
        p = self.probs
        # in the parameter's dtype (Python 1.0/0.0 in where would make it float64)
        return gnp.where(
            p == 0.5, gnp.nan, gnp.where(p >= 0.5, gnp.ones_like(p), gnp.zeros_like(p))
        )

    @property
    def variance(self) -> Any:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(p):
            return (uniform01(shp) < expand_to(raw(p), shp)).astype(raw(p).dtype)

        return detached(draw, self.probs)

    def log_prob(self, value: Any) -> Any:
        value = value_like(self._check(value), self.logits)
        return value * self.logits - sps.softplus(self.logits)

    def entropy(self) -> Any:
        return sps.softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> Any:
        from ..backends import get_backend

        v = get_backend().xp.arange(2, dtype=raw(self._param).dtype)
        v = v.reshape((-1,) + (1,) * len(self._batch_shape))
        v = v if not expand else get_backend().xp.broadcast_to(v, (2,) + self._batch_shape)
        return like_samples(v, self._param)
