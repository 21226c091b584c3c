"""``Categorical(probs=None, logits=None)`` over ``{0, ..., K-1}`` (the last axis of the
parameter is the categories; ``probs`` is normalised to sum to one, ``logits`` by
``logsumexp``) and ``OneHotCategorical`` (the same, with one-hot values). Samples are
constants (int64 indices).

Example: ``D.Categorical(logits=z).log_prob(a)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .._raw import data, shape
from ..backends import get_backend
from ..scipy import special as sps
from . import constraints
from ._util import as_param, clamp_probs, detached, lazy_property, like_samples, raw, uniform01
from .bernoulli import _one_of
from .distribution import Distribution


class Categorical(Distribution):
    """The categorical distribution. Example: ``D.Categorical(probs=[0.2, 0.8]).sample((3,))``"""

    arg_constraints = {
        "probs": constraints.simplex,
        "logits": constraints.independent(constraints.real, 1),
    }
    has_enumerate_support = True
    _event_ndims = {"probs": 1, "logits": 1}
    _index_values = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        _one_of(type(self).__name__, probs, logits)
        param = as_param(probs if probs is not None else logits)
        if len(shape(param)) < 1:
            raise ValueError(
                f"{type(self).__name__}: probs or logits must have at least one "
                f"axis (the categories), got shape {shape(param)}"
            )
        if probs is not None:
            self.probs = param / gnp.sum(param, axis=-1, keepdims=True)
        else:
            self.logits = param - sps.logsumexp(param, axis=-1, keepdims=True)
        self._param = param
        self._num_events = shape(param)[-1]
        super().__init__(shape(param)[:-1], validate_args=validate_args)

    def _init_params(self) -> dict[str, Any]:
        return {"probs": self.probs} if "probs" in self.__dict__ else {"logits": self.logits}

    @lazy_property
    def logits(self) -> Any:
        return gnp.log(clamp_probs(self.probs))

    @lazy_property
    def probs(self) -> Any:
        return sps.softmax(self.logits, axis=-1)

    @property
    def param_shape(self) -> tuple[int, ...]:
        return shape(self._param)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self) -> Any:
        dt = raw(self._param).dtype
        return get_backend().xp.full(self._batch_shape, float("nan"), dtype=dt)

    @property
    def mode(self) -> Any:
        return gnp.argmax(self.probs, axis=-1)

    @property
    def variance(self) -> Any:
        dt = raw(self._param).dtype
        return get_backend().xp.full(self._batch_shape, float("nan"), dtype=dt)

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)
        shp = shp + self._batch_shape

        def draw(p):
            xp = get_backend().xp
            cdf = xp.cumsum(raw(p), axis=-1)
            u = uniform01(shp + (1,)) * cdf[..., -1:]
            idx = (cdf < u).sum(axis=-1)
            # an array also when 0-d (NumPy's sum would give a scalar), as torch's 0-d Tensor
            return xp.asarray(xp.minimum(idx, self._num_events - 1).astype(xp.int64))

        return detached(draw, self.probs)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        shp = gnp.broadcast_shapes(gnp.shape(value), self._batch_shape)
        logits = gnp.broadcast_to(self.logits, shp + (self._num_events,))
        idx = gnp.broadcast_to(gnp.astype(value, gnp.int64), shp)[..., None]
        return gnp.take_along_axis(logits, idx, axis=-1)[..., 0]

    def entropy(self) -> Any:
        lo = float(gnp.finfo(data(self.logits).dtype).min)
        return -gnp.sum(gnp.clip(self.logits, lo, None) * self.probs, axis=-1)

    def enumerate_support(self, expand: bool = True) -> Any:
        xp = get_backend().xp
        v = xp.arange(self._num_events, dtype=xp.int64)
        v = v.reshape((-1,) + (1,) * len(self._batch_shape))
        v = xp.broadcast_to(v, (self._num_events,) + self._batch_shape) if expand else v
        return like_samples(v, self._param)


class _OneHot(constraints.Constraint):
    is_discrete = True
    event_dim = 1

    def _ok(self, xp, v):
        return ((v == 0) | (v == 1)).all(-1) & (v.sum(-1) == 1)

    def __repr__(self) -> str:
        return "OneHot()"


class OneHotCategorical(Distribution):
    """``Categorical`` with one-hot vectors as values (event shape ``(K,)``).

    Example: ``D.OneHotCategorical(probs=p).sample()``
    """

    arg_constraints = Categorical.arg_constraints
    support = _OneHot()
    has_enumerate_support = True
    _event_ndims = {"probs": 1, "logits": 1}

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None):
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(
            self._categorical.batch_shape,
            (self._categorical._num_events,),
            validate_args=validate_args,
        )

    def _init_params(self) -> dict[str, Any]:
        return self._categorical._init_params()

    def _check_params(self) -> None:
        pass  # the Categorical inside has checked them

    @property
    def probs(self) -> Any:
        return self._categorical.probs

    @property
    def logits(self) -> Any:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape

    @property
    def mean(self) -> Any:
        return self._categorical.probs

    @property
    def mode(self) -> Any:
        idx = self._categorical.mode
        hit = get_backend().xp.arange(self._event_shape[0]) == raw(idx)[..., None]
        param = self._categorical._param
        return like_samples(hit.astype(raw(param).dtype), param)

    @property
    def variance(self) -> Any:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = ()) -> Any:
        idx = raw(self._categorical.sample(sample_shape))
        xp = get_backend().xp
        out = (xp.arange(self._event_shape[0]) == idx[..., None]).astype(raw(self.probs).dtype)
        return detached(lambda p: out, self.probs)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        return self._categorical.log_prob(gnp.argmax(value, axis=-1))

    def entropy(self) -> Any:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Any:
        xp = get_backend().xp
        n = self._event_shape[0]
        v = xp.eye(n, dtype=raw(self._categorical._param).dtype)
        v = v.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        v = xp.broadcast_to(v, (n,) + self._batch_shape + (n,)) if expand else v
        return like_samples(v, self._categorical._param)
