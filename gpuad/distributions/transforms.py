"""Bijections with ``torch.distributions.transforms``' names, and ``TransformedDistribution``.

A transform maps ``x`` to ``y = t(x)``, has an inverse ``t.inv(y)`` and
``t.log_abs_det_jacobian(x, y)`` (summed over its ``event_dim`` rightmost axes). With
``cache_size=1`` the last pair is kept: ``t.inv(y)`` of the very object ``t`` returned gives
back its ``x`` (exact where the inverse loses digits, as ``atanh`` near +-1), as torch.

Example::

    import gpuad.distributions as D
    pi = D.TransformedDistribution(D.Normal(mu, std), [D.transforms.TanhTransform(cache_size=1)])
    a = pi.rsample()
    logp = pi.log_prob(a).sum(-1)           # a soft actor-critic policy's log-probability
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from ..nn import functional as _F
from . import constraints
from ._util import sum_rightmost
from .distribution import Distribution, _as_shape

__all__ = [
    "AffineTransform", "ComposeTransform", "ExpTransform", "SigmoidTransform",
    "TanhTransform", "Transform", "TransformedDistribution",
]


class Transform:
    """Base class: ``t(x)``, ``t.inv(y)``, ``t.log_abs_det_jacobian(x, y)``, ``event_dim``,
    ``domain``, ``codomain``, ``bijective``, ``sign``.

    Example: ``D.transforms.ExpTransform()(x)``
    """

    bijective = True
    domain: constraints.Constraint = constraints.real
    codomain: constraints.Constraint = constraints.real

    def __init__(self, cache_size: int = 0):
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, not "
                             f"{cache_size!r}")
        self._cache_size = cache_size
        self._cached: tuple[Any, Any] | None = None
        self.event_dim = getattr(self, "event_dim", 0)

    def __call__(self, x: Any) -> Any:
        if self._cache_size and self._cached is not None and self._cached[0] is x:
            return self._cached[1]
        y = self._call(x)
        if self._cache_size:
            self._cached = (x, y)
        return y

    def _inverse(self, y: Any) -> Any:
        if self._cache_size and self._cached is not None and self._cached[1] is y:
            return self._cached[0]
        x = self._inv(y)
        if self._cache_size:
            self._cached = (x, y)
        return x

    @property
    def inv(self) -> _Inverse:
        """The inverse transform. Example: ``t.inv(y)``"""
        return _Inverse(self)

    def _call(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward map")

    def _inv(self, y: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no inverse")

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        """``log |det dy/dx|``. Example: ``t.log_abs_det_jacobian(x, t(x))``"""
        raise NotImplementedError(f"{type(self).__name__} has no log_abs_det_jacobian")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Inverse(Transform):
    def __init__(self, t: Transform):
        self._t = t
        self._cache_size, self._cached, self.event_dim = 0, None, t.event_dim
        self.domain, self.codomain = t.codomain, t.domain

    def __call__(self, y: Any) -> Any:
        return self._t._inverse(y)

    @property
    def inv(self) -> Transform:  # type: ignore[override]
        return self._t

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -self._t.log_abs_det_jacobian(y, x)


class ExpTransform(Transform):
    """``y = exp(x)``. Example: ``D.transforms.ExpTransform()``"""

    codomain = constraints.positive

    def _call(self, x):
        return gnp.exp(x)

    def _inv(self, y):
        return gnp.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x


class SigmoidTransform(Transform):
    """``y = sigmoid(x)``. Example: ``D.transforms.SigmoidTransform()``"""

    codomain = constraints.unit_interval

    def _call(self, x):
        return _F.sigmoid(x)

    def _inv(self, y):
        return gnp.log(y) - gnp.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -_F.softplus(-x) - _F.softplus(x)


class TanhTransform(Transform):
    """``y = tanh(x)``, with ``log |dy/dx| = 2 (log 2 - x - softplus(-2x))`` (stable for large
    ``|x|``). Example: ``D.transforms.TanhTransform(cache_size=1)``"""

    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x):
        return gnp.tanh(x)

    def _inv(self, y):
        return gnp.arctanh(y)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - _F.softplus(-2.0 * x))


class AffineTransform(Transform):
    """``y = loc + scale * x``; ``event_dim`` axes counted as one event.

    Example: ``D.transforms.AffineTransform(mu, sigma, event_dim=1)``
    """

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0):
        self.loc, self.scale, self.event_dim = loc, scale, int(event_dim)
        super().__init__(cache_size)
        if self.event_dim:
            self.domain = self.codomain = constraints.independent(constraints.real,
                                                                   self.event_dim)

    @property
    def sign(self) -> Any:
        return gnp.sign(self.scale)

    def _call(self, x):
        return self.loc + self.scale * x

    def _inv(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        if isinstance(self.scale, int | float):
            result = gnp.full_like(x, math.log(abs(self.scale)))
        else:
            result = gnp.broadcast_to(gnp.log(gnp.abs(self.scale)), gnp.shape(x))
        return sum_rightmost(result, self.event_dim)


class ComposeTransform(Transform):
    """The transforms applied in order: ``ComposeTransform([f, g])(x) == g(f(x))``.

    Example: ``D.transforms.ComposeTransform([AffineTransform(0., 2.), ExpTransform()])``
    """

    def __init__(self, parts: list[Transform], cache_size: int = 0):
        self.parts = list(parts)
        self.event_dim = max([p.event_dim for p in self.parts], default=0)
        super().__init__(cache_size)

    def _call(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def _inv(self, y):
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        total = 0.0
        for p in self.parts:
            y_p = p(x)
            total = total + sum_rightmost(p.log_abs_det_jacobian(x, y_p),
                                          self.event_dim - p.event_dim)
            x = y_p
        return total


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one or a list, applied in order):
    ``rsample`` transforms the base's draws, ``log_prob(y)`` is the base's at the inverse minus
    each ``log_abs_det_jacobian``.

    Example: ``D.TransformedDistribution(D.Normal(0., 1.), [D.transforms.ExpTransform()])``
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        transforms = list(transforms)
        for t in transforms:
            if not isinstance(t, Transform):
                raise ValueError(f"TransformedDistribution: transforms must be Transforms, "
                                 f"got {type(t).__name__}")
        self.base_dist, self.transforms = base_distribution, transforms
        full = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        ev = max([len(base_distribution.event_shape)] + [t.event_dim for t in transforms])
        if ev > len(full):
            raise ValueError(f"TransformedDistribution: a transform's event_dim ({ev}) exceeds "
                             f"the base distribution's number of axes ({len(full)})")
        cut = len(full) - ev
        super().__init__(full[:cut], full[cut:], validate_args=False)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self) -> constraints.Constraint:
        return self.transforms[-1].codomain if self.transforms else self.base_dist.support

    def expand(self, batch_shape: Any, _instance: Any = None) -> TransformedDistribution:
        batch_shape = _as_shape(batch_shape)
        extra = self._event_shape[: len(self._event_shape) - len(self.base_dist.event_shape)]
        return TransformedDistribution(self.base_dist.expand(batch_shape + extra),
                                       self.transforms)

    def rsample(self, sample_shape: Any = ()) -> Any:
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape: Any = ()) -> Any:
        x = self.base_dist.sample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Any) -> Any:
        value = self._as_value(value)
        event_dim = len(self._event_shape)
        log_prob: Any = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            log_prob = log_prob - sum_rightmost(t.log_abs_det_jacobian(x, y),
                                                event_dim - t.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y),
                                        event_dim - len(self.base_dist.event_shape))

    def cdf(self, value: Any) -> Any:
        raise NotImplementedError("TransformedDistribution.cdf is not implemented in gpuad "
                                  "(torch's needs each transform's sign); use log_prob")

    def __repr__(self) -> str:
        return f"TransformedDistribution({self.base_dist!r}, {self.transforms!r})"
