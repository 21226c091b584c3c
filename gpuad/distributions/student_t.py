"""``StudentT(df, loc=0, scale=1)``. ``rsample`` is ``loc + scale * gpuad.random.t(key, df)``,
differentiable in all three (in ``df`` by implicit reparameterisation of its gamma draw).

Example: ``D.StudentT(3.0, mu, s).rsample((3,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import random as _random
from ..scipy import special as sps
from . import constraints
from ._keyed import draw_key, float_dtype
from ._util import broadcast_all
from .distribution import Distribution


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, located and scaled.

    Example: ``D.StudentT(4.0).variance``
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(gnp.shape(self.df), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return gnp.where(self.df > 1, self.loc, gnp.nan)

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def variance(self) -> Any:
        df = self.df
        v = self.scale**2 * df / gnp.where(df > 2, df - 2, 1.0)
        # infinities and NaNs in v's dtype (a where of two Python numbers is float64)
        return gnp.where(df > 2, v, gnp.where(df > 1, gnp.full_like(v, gnp.inf), gnp.nan))

    def rsample(self, sample_shape: Any = ()) -> Any:
        df, loc, scale = self.df, self.loc, self.scale
        shp = self._extended_shape(sample_shape)
        return loc + scale * _random.t(draw_key(), df, shp, float_dtype(df, loc, scale))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (
            gnp.log(self.scale)
            + 0.5 * gnp.log(df)
            + 0.5 * math.log(math.pi)
            + sps.gammaln(0.5 * df)
            - sps.gammaln(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * gnp.log1p(y**2 / df) - z

    def entropy(self) -> Any:
        df = self.df
        lbeta = sps.gammaln(0.5 * df) + math.lgamma(0.5) - sps.gammaln(0.5 * (df + 1))
        return (
            gnp.log(self.scale)
            + 0.5 * (df + 1) * (sps.digamma(0.5 * (df + 1)) - sps.digamma(0.5 * df))
            + 0.5 * gnp.log(df)
            + lbeta
        )
