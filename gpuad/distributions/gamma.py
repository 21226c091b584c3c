"""``Gamma(concentration, rate)`` and ``Chi2(df)``. ``rsample`` is ``gpuad.random.gamma(key,
concentration) / rate``, differentiable in both parameters (implicit reparameterisation in the
concentration); the key is drawn from ``gpuad.numpy.random``.

Example: ``D.Gamma(a, b).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .. import random as _random
from ..scipy import special as sps
from . import constraints
from ._keyed import draw_key, float_dtype
from ._util import as_param, broadcast_all, tiny_of
from .distribution import Distribution


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` and ``rate`` (1 / scale).

    Example: ``D.Gamma(2.0, 1.0).mean``
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(gnp.shape(self.rate), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.concentration / self.rate

    @property
    def mode(self) -> Any:
        return gnp.clip((self.concentration - 1) / self.rate, 0, None)

    @property
    def variance(self) -> Any:
        return self.concentration / self.rate**2

    def rsample(self, sample_shape: Any = ()) -> Any:
        c, r = self.concentration, self.rate
        dt = float_dtype(c, r)
        x = _random.gamma(draw_key(), c, self._extended_shape(sample_shape), dt) / r
        # as torch: a draw that underflows becomes the smallest normal number (log_prob finite)
        return gnp.maximum(x, tiny_of(x))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        a, b = self.concentration, self.rate
        return sps.xlogy(a, b) + sps.xlogy(a - 1, value) - b * value - sps.gammaln(a)

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return sps.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Any:
        a = self.concentration
        return a - gnp.log(self.rate) + sps.gammaln(a) + (1.0 - a) * sps.digamma(a)


class Chi2(Gamma):
    """The chi-square distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    Example: ``D.Chi2(3.0).rsample((4,))``
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None):
        self.df = as_param(df)
        half = gnp.asarray(0.5, dtype=float_dtype(self.df))
        super().__init__(0.5 * self.df, half, validate_args=validate_args)
