"""``Beta(concentration1, concentration0)`` on ``[0, 1]``. ``rsample`` is
``gpuad.random.beta`` (two gamma draws, normalised), differentiable in both concentrations by
implicit reparameterisation.

Example: ``D.Beta(a, b).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .. import random as _random
from ..scipy import special as sps
from . import constraints
from ._keyed import draw_key, float_dtype
from ._util import broadcast_all, strictly_inside
from .distribution import Distribution


class Beta(Distribution):
    """The beta distribution. Example: ``D.Beta(2.0, 3.0).mean``"""

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(gnp.shape(self.concentration1), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Any:
        # as torch, the first component of the Dirichlet([a, b]) mode: (a - 1) / (a + b - 2)
        # alone is a minimum, not a mode, when both concentrations are below 1
        from .dirichlet import dirichlet_mode

        a, b = self.concentration1, self.concentration0
        return dirichlet_mode(gnp.stack([a, b], axis=-1))[..., 0]

    @property
    def variance(self) -> Any:
        a, b = self.concentration1, self.concentration0
        t = a + b
        return a * b / (t**2 * (t + 1))

    def rsample(self, sample_shape: Any = ()) -> Any:
        a, b = self.concentration1, self.concentration0
        shp = self._extended_shape(sample_shape)
        return strictly_inside(_random.beta(draw_key(), a, b, shp, float_dtype(a, b)))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        a, b = self.concentration1, self.concentration0
        return (
            sps.xlogy(a - 1.0, value)
            + sps.xlog1py(b - 1.0, -value)
            + sps.gammaln(a + b)
            - sps.gammaln(a)
            - sps.gammaln(b)
        )

    def entropy(self) -> Any:
        a, b = self.concentration1, self.concentration0
        t = a + b
        return (
            sps.gammaln(a)
            + sps.gammaln(b)
            - sps.gammaln(t)
            - (a - 1) * sps.digamma(a)
            - (b - 1) * sps.digamma(b)
            + (t - 2) * sps.digamma(t)
        )
