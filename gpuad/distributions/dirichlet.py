"""``Dirichlet(concentration)`` on the simplex (the last axis is the event). ``sample`` draws
normalised gammas without gradient; ``rsample`` raises (implicit reparameterisation, not in
gpuad yet).

Example: ``D.Dirichlet(alpha).log_prob(p)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .._raw import shape
from ..scipy import special as sps
from . import constraints
from ._implicit import no_implicit_rsample
from ._util import as_param, detached
from .distribution import Distribution
from .gamma import standard_gamma


class Dirichlet(Distribution):
    """The Dirichlet distribution. Example: ``D.Dirichlet([1.0, 2.0, 3.0]).mean``"""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
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
        c = self.concentration
        m = gnp.clip(c - 1, 0, None)
        total = gnp.sum(m, axis=-1, keepdims=True)
        m = m / gnp.where(total > 0, total, 1.0)
        mask = gnp.all(c < 1, axis=-1)
        one_hot = gnp.where(gnp.arange(shape(c)[-1]) == gnp.argmax(c, axis=-1)[..., None], 1, 0)
        return gnp.where(mask[..., None], one_hot, m)

    @property
    def variance(self) -> Any:
        c = self.concentration
        c0 = gnp.sum(c, axis=-1, keepdims=True)
        return c * (c0 - c) / (c0**2 * (c0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Any:
        raise no_implicit_rsample("Dirichlet", "concentration")

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(c):
            g = standard_gamma(c, shp)
            return g / g.sum(-1, keepdims=True)

        return detached(draw, self.concentration)

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
