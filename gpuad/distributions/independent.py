"""``Independent(base, reinterpreted_batch_ndims)``: the last batch axes of ``base`` made
event axes (``log_prob`` and ``entropy`` summed over them). Reparameterised when ``base`` is.

Example: ``D.Independent(D.Normal(mu, sigma), 1).log_prob(x)`` (a diagonal Gaussian)
"""

from __future__ import annotations

from typing import Any

from . import constraints
from ._util import sum_rightmost
from .distribution import Distribution, _as_shape


class Independent(Distribution):
    """Reinterprets batch axes of ``base_distribution`` as event axes.

    Example: ``D.Independent(D.Bernoulli(logits=z), 1).event_shape``
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ):
        n = int(reinterpreted_batch_ndims)
        bs = base_distribution.batch_shape
        if n > len(bs):
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims ({n}) must be at most "
                f"the base distribution's number of batch axes ({len(bs)}, "
                f"batch_shape {bs})"
            )
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        split = len(bs) - n
        super().__init__(
            bs[:split], bs[split:] + base_distribution.event_shape, validate_args=validate_args
        )

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        return False if self.reinterpreted_batch_ndims else self.base_dist.has_enumerate_support

    @property
    def support(self) -> constraints.Constraint:
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Independent:
        batch_shape = _as_shape(batch_shape)
        n = self.reinterpreted_batch_ndims
        ev = self._event_shape[: len(self._event_shape) - len(self.base_dist.event_shape)]
        base = self.base_dist.expand(batch_shape + ev[:n])
        # a user's subclass stays that subclass, and validation stays as it was (as torch)
        new = object.__new__(type(self))
        Independent.__init__(new, base, n, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Any:
        return self.base_dist.mean

    @property
    def mode(self) -> Any:
        return self.base_dist.mode

    @property
    def variance(self) -> Any:
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> Any:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Any:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Any:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> Any:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> Any:
        if self.reinterpreted_batch_ndims:
            raise NotImplementedError(
                "Independent.enumerate_support: not implemented for "
                "reinterpreted_batch_ndims > 0 (as torch)"
            )
        return self.base_dist.enumerate_support(expand)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
