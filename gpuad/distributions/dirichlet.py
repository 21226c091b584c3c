"""``Dirichlet(concentration)`` on the simplex (the last axis is the event). ``rsample`` is
``gpuad.random.dirichlet`` (normalised gamma draws), differentiable in the concentration by
implicit reparameterisation.

Example: ``D.Dirichlet(alpha).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .. import random as _random
from .._raw import shape
from ..scipy import special as sps
from . import constraints
from ._keyed import draw_key, float_dtype
from ._util import as_param, strictly_inside
from .distribution import Distribution


class Dirichlet(Distribution):
    """The Dirichlet distribution. Example: ``D.Dirichlet([1.0, 2.0, 3.0]).mean``"""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _event_ndims = {"concentration": 1}

    def __init__(self, concentration: Any, validate_args: bool | None = None):
        self.concentration = as_param(concentration)
        s = shape(self.concentration)
        if len(s) < 1:
            raise ValueError("Dirichlet: concentration must have at least one axis, got a scalar")
        super().__init__(s[:-1], s[-1:], validate_args=validate_args)

    @property
    def mean(self) -> Any:
        c = self.concentration
        return c / gnp.sum(c, axis=-1, keepdims=True)

    @property
    def mode(self) -> Any:
        return dirichlet_mode(self.concentration)

    @property
    def variance(self) -> Any:
        c = self.concentration
        c0 = gnp.sum(c, axis=-1, keepdims=True)
        return c * (c0 - c) / (c0**2 * (c0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Any:
        c = self.concentration
        shp = self._extended_shape(sample_shape)[:-1]
        return strictly_inside(_random.dirichlet(draw_key(), c, shp, float_dtype(c)))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        c = self.concentration
        return (
            gnp.sum(sps.xlogy(c - 1.0, value), axis=-1)
            + sps.gammaln(gnp.sum(c, axis=-1))
            - gnp.sum(sps.gammaln(c), axis=-1)
        )

    def entropy(self) -> Any:
        c = self.concentration
        k = shape(c)[-1]
        a0 = gnp.sum(c, axis=-1)
        return (
            gnp.sum(sps.gammaln(c), axis=-1)
            - sps.gammaln(a0)
            - (k - a0) * sps.digamma(a0)
            - gnp.sum((c - 1.0) * sps.digamma(c), axis=-1)
        )


def dirichlet_mode(c: Any) -> Any:
    """The mode of Dirichlet(c) along the last axis, as torch's: ``(c - 1)+`` normalised; a
    corner where every concentration is below 1; NaN where it is undefined (every ``c - 1``
    at most 0 with some concentration 1, as for the uniform ``c = 1``)."""
    m = gnp.clip(c - 1, 0, None)
    total = gnp.sum(m, axis=-1, keepdims=True)
    m = gnp.where(total > 0, m / gnp.where(total > 0, total, 1.0), gnp.nan)
    mask = gnp.all(c < 1, axis=-1)
    hit = gnp.arange(shape(c)[-1]) == gnp.argmax(c, axis=-1)[..., None]
    one_hot = gnp.where(hit, gnp.ones_like(c), gnp.zeros_like(c))  # in c's dtype
    return gnp.where(mask[..., None], one_hot, m)
