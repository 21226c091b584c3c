"""``RelaxedBernoulli`` and ``RelaxedOneHotCategorical`` (the Concrete / Gumbel-softmax
distributions), reparameterised: ``rsample`` is differentiable in ``temperature`` and in
``probs``/``logits``, with torch's formulas (uniform draws clipped to ``[eps, 1 - eps]``).

Example: ``D.RelaxedOneHotCategorical(0.5, logits=z).rsample()``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from . import constraints
from ._util import as_param, clamp_probs, eps_of, tiny_of, uniform01
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution


class RelaxedBernoulli(Distribution):
    """A relaxed Bernoulli on ``(0, 1)`` at ``temperature``: ``sigmoid`` of a logistic draw.

    Example: ``D.RelaxedBernoulli(0.5, probs=p).rsample((4,))``
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ):
        self.temperature = as_param(temperature)
        self._bernoulli = Bernoulli(probs, logits, validate_args=validate_args)
        super().__init__(self._bernoulli.batch_shape, validate_args=validate_args)

    def _check_params(self) -> None:
        pass  # the Bernoulli inside has checked them

    def _init_params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, **self._bernoulli._init_params()}

    @property
    def probs(self) -> Any:
        return self._bernoulli.probs

    @property
    def logits(self) -> Any:
        return self._bernoulli.logits

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        p = clamp_probs(gnp.broadcast_to(self.probs, shp))
        u = clamp_probs(uniform01(shp, self.logits))
        x = (gnp.log(u) - gnp.log1p(-u) + gnp.log(p) - gnp.log1p(-p)) / self.temperature
        return gnp.clip(sps.expit(x), tiny_of(x), 1 - eps_of(x))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        y = gnp.clip(value, tiny_of(value), 1 - eps_of(value))
        x = gnp.log(y) - gnp.log1p(-y)
        diff = self.logits - x * self.temperature
        base = gnp.log(self.temperature) + diff - 2 * sps.softplus(diff)
        return base + sps.softplus(-x) + sps.softplus(x)


class RelaxedOneHotCategorical(Distribution):
    """A relaxed one-hot categorical on the simplex at ``temperature`` (Gumbel-softmax).

    Example: ``D.RelaxedOneHotCategorical(1.0, probs=[0.2, 0.8]).rsample()``
    """

    arg_constraints = {
        "probs": constraints.simplex,
        "logits": constraints.independent(constraints.real, 1),
    }
    support = constraints.simplex
    has_rsample = True
    _event_ndims = {"probs": 1, "logits": 1}

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ):
        self.temperature = as_param(temperature)
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        n = self._categorical._num_events
        super().__init__(self._categorical.batch_shape, (n,), validate_args=validate_args)

    def _check_params(self) -> None:
        pass  # the Categorical inside has checked them

    def _init_params(self) -> dict[str, Any]:
        return {"temperature": self.temperature, **self._categorical._init_params()}

    @property
    def probs(self) -> Any:
        return self._categorical.probs

    @property
    def logits(self) -> Any:
        return self._categorical.logits

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        u = clamp_probs(uniform01(shp, self.logits))
        gumbels = -gnp.log(-gnp.log(u))
        scores = (self.logits + gumbels) / self.temperature
        return gnp.exp(scores - sps.logsumexp(scores, axis=-1, keepdims=True))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        x = gnp.log(value)
        k = self._event_shape[0]
        # lgamma(k) as a Python number: a 0-d float64 array would widen float32 to float64
        log_scale = math.lgamma(k) + (k - 1) * gnp.log(self.temperature)
        score = self.logits - x * self.temperature
        score = gnp.sum(score - sps.logsumexp(score, axis=-1, keepdims=True), axis=-1)
        return score + log_scale - gnp.sum(x, axis=-1)
