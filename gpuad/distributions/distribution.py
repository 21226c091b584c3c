"""The ``Distribution`` base class, with ``torch.distributions.Distribution``'s interface.

Parameters are checked against ``arg_constraints`` when a distribution is made, and values
against ``support`` in ``log_prob``/``cdf``, unless validation is off (``validate_args=False``
or ``Distribution.set_default_validate_args(False)``); an invalid one raises ``ValueError``
naming the distribution and the argument. The checks read the values on the host (one
synchronisation on a GPU) and run again on every ``gpuad.jit`` replay (a captured CUDA graph
reports by the next call); turn them off in a hot loop once a program is known to be right.

Example::

    import gpuad.distributions as D
    d = D.Normal(mu, sigma)
    x = d.rsample((100,))               # differentiable in mu and sigma
    loss = -d.log_prob(x).mean()
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .._raw import shape
from ..backends import get_backend
from ..tensor import Tensor
from . import constraints
from ._util import detached, expand_to, raw

Shape = tuple[int, ...]


def fail_unless(constraint: constraints.Constraint, value: Any, message: str) -> None:
    """Raise ``ValueError(message)`` unless ``value`` satisfies ``constraint``: a check kept
    on every replay under ``gpuad.jit`` (``gpuad._value_checks``)."""
    params = [p if isinstance(p, Tensor) else raw(p) for p in constraint.params()]
    _vc.fail_if(
        "distribution_constraint",
        lambda xp, v, *ps: ~constraint._ok(xp, v, *ps),
        lambda: ValueError(message),
        value,
        *params,
    )


def _as_shape(s: Any) -> Shape:
    if isinstance(s, int):
        return (s,)
    return tuple(int(i) for i in s)


class Distribution:
    """Base class: ``batch_shape``, ``event_shape``, ``sample``, ``rsample``, ``log_prob``,
    ``entropy``, ``mean``, ``mode``, ``variance``, ``stddev``, ``cdf``, ``icdf``, ``expand``.

    Example: ``D.Normal(0.0, 1.0).log_prob(0.5)``
    """

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, constraints.Constraint] = {}
    #: ``log_prob`` reads integer values as indices (Categorical): they keep their dtype
    _index_values = False
    support: Any = None
    _validate_args = True
    _event_ndims: dict[str, int] = {}  # event axes of each parameter (expand keeps them)

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on (the default) or off for distributions made later.

        Example: ``D.Distribution.set_default_validate_args(False)``
        """
        if value not in (True, False):
            raise ValueError("set_default_validate_args expects True or False")
        Distribution._validate_args = value

    def __init__(
        self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None
    ):
        self._batch_shape = _as_shape(batch_shape)
        self._event_shape = _as_shape(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_params()

    def _check_params(self) -> None:
        cls = type(self)
        if cls.arg_constraints is Distribution.arg_constraints:
            # a user's subclass that never said what its parameters must satisfy: validation
            # would silently check nothing (torch warns the same)
            warnings.warn(
                f"{cls.__name__} does not define arg_constraints; set arg_constraints = {{}} "
                f"(or the constraints of its parameters), or pass validate_args=False",
                UserWarning,
                stacklevel=3,
            )
            return
        for name, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if isinstance(getattr(cls, name, None), cached_property) and name not in self.__dict__:
                continue  # the other parameterisation was given (probs or logits)
            value = getattr(self, name)
            fail_unless(
                constraint,
                value,
                f"{cls.__name__}: expected parameter {name} (of shape {shape(value)}) to "
                f"satisfy the constraint {constraint!r}, but found invalid values; fix the "
                f"parameter, or pass validate_args=False to skip this check",
            )

    # ---- shapes
    @property
    def batch_shape(self) -> Shape:
        """The shape over which parameters are batched. Example: ``d.batch_shape``"""
        return self._batch_shape

    @property
    def event_shape(self) -> Shape:
        """The shape of one sample. Example: ``D.MultivariateNormal(...).event_shape``"""
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> Shape:
        return _as_shape(sample_shape) + self._batch_shape + self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """The same distribution with its parameters broadcast to ``batch_shape``.

        Example: ``D.Normal(0.0, 1.0).expand((3,)).batch_shape == (3,)``
        """
        batch_shape = _as_shape(batch_shape)
        kwargs = {}
        for name, value in self._init_params().items():
            nd = self._event_ndims.get(name, 0)
            if value is not None and (name in self.arg_constraints or name in self._event_ndims):
                ev = shape(value)[len(shape(value)) - nd :] if nd else ()
                value = expand_to(value, batch_shape + ev)
            kwargs[name] = value
        new = type(self)(**kwargs, validate_args=False)
        # the expanded distribution validates values as this one does (as torch's expand)
        new._validate_args = self._validate_args
        return new

    def _init_params(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this distribution (for ``expand``)."""
        return {name: getattr(self, name) for name in self.arg_constraints}

    # ---- the interface each distribution fills in
    @property
    def mean(self) -> Any:
        """The mean. Example: ``D.Gamma(2.0, 1.0).mean``"""
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def mode(self) -> Any:
        """The mode. Example: ``D.Beta(2.0, 3.0).mode``"""
        raise NotImplementedError(f"{type(self).__name__} has no mode")

    @property
    def variance(self) -> Any:
        """The variance. Example: ``D.Poisson(3.0).variance``"""
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Any:
        """The standard deviation. Example: ``D.Normal(0.0, 2.0).stddev``"""
        from .. import numpy as gnp

        return gnp.sqrt(self.variance)

    def rsample(self, sample_shape: Any = ()) -> Any:
        """A reparameterised sample: differentiable in the parameters.

        Example: ``D.Normal(mu, 1.0).rsample((5,))``
        """
        raise NotImplementedError(
            f"{type(self).__name__}.rsample: this distribution has no reparameterised "
            f"sampler; use sample() (no gradient) with a score-function estimator "
            f"(log_prob of the sample)"
        )

    def sample(self, sample_shape: Any = ()) -> Any:
        """A sample of shape ``sample_shape + batch_shape + event_shape``, without gradient.

        Example: ``D.Bernoulli(0.3).sample((10,))``
        """
        return detached(self.rsample, sample_shape)

    def sample_n(self, n: int) -> Any:
        """``sample((n,))``. Example: ``d.sample_n(4)``"""
        return self.sample((n,))

    def log_prob(self, value: Any) -> Any:
        """The log density (or log mass) at ``value``. Example: ``d.log_prob(x)``"""
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def cdf(self, value: Any) -> Any:
        """The cumulative distribution function. Example: ``D.Normal(0., 1.).cdf(0.)``"""
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        """The inverse cumulative distribution function. Example: ``d.icdf(0.5)``"""
        raise NotImplementedError(f"{type(self).__name__} has no icdf")

    def entropy(self) -> Any:
        """The entropy, over ``batch_shape``. Example: ``D.Normal(0., 1.).entropy()``"""
        raise NotImplementedError(f"{type(self).__name__} has no entropy")

    def perplexity(self) -> Any:
        """``exp(entropy())``. Example: ``D.Categorical(probs=p).perplexity()``"""
        from .. import numpy as gnp

        return gnp.exp(self.entropy())

    def enumerate_support(self, expand: bool = True) -> Any:
        """All values of a discrete distribution's support. Example:
        ``D.Bernoulli(0.3).enumerate_support()``"""
        raise NotImplementedError(f"{type(self).__name__} cannot enumerate its support")

    # ---- value validation
    def _validate_sample(self, value: Any, method: str = "log_prob") -> None:
        name = type(self).__name__
        vshape = shape(value)
        ev = self._event_shape
        if len(vshape) < len(ev) or (ev and tuple(vshape[len(vshape) - len(ev) :]) != ev):
            raise ValueError(
                f"{name}.{method}: the value's shape {vshape} must end with the event shape {ev}"
            )
        expected = self._batch_shape + ev
        for i, j in zip(reversed(vshape), reversed(expected), strict=False):
            if i != 1 and j != 1 and i != j:
                raise ValueError(
                    f"{name}.{method}: the value's shape {vshape} does not broadcast with the "
                    f"batch and event shape {expected}"
                )
        if type(self).support is None and self.support is None:
            warnings.warn(
                f"{name} does not define support; values are not checked (set support, or "
                f"pass validate_args=False)",
                UserWarning,
                stacklevel=3,
            )
        if self.support is not None:
            fail_unless(
                self.support,
                value,
                f"{name}.{method}: expected the value argument (of shape {vshape}) to be "
                f"within the support {self.support!r} of the distribution, but found invalid "
                f"values; pass validate_args=False to skip this check",
            )

    @staticmethod
    def _as_value(value: Any) -> Any:
        return value if isinstance(value, Tensor) else get_backend().xp.asarray(value)

    def _check(self, value: Any, method: str = "log_prob") -> Any:
        """``value`` as an array (a Tensor stays), validated unless validation is off."""
        number = isinstance(value, int | float) and not isinstance(value, bool)
        value = self._as_value(value)
        if self._validate_args:
            self._validate_sample(value, method)
        vd = getattr(value, "dtype", None)
        if vd is not None and (
            (vd.kind in "biu" and not self._index_values) or (number and vd.kind == "f")
        ):
            # torch's promotion: integer values and Python numbers take the parameters' float
            # dtype (a float32 Normal's log_prob of int64 values, or its cdf(20.0), is
            # float32, not NumPy's float64)
            floats = [
                p.dtype
                for p in self._init_params().values()
                if getattr(p, "dtype", None) is not None and p.dtype.kind == "f"
            ]
            if floats:
                value = value.astype(_np.result_type(*floats))
        return value

    def __repr__(self) -> str:
        parts = []
        for name in self.arg_constraints:
            if name in self.__dict__ or not isinstance(
                getattr(type(self), name, None), cached_property
            ):
                v = getattr(self, name, None)
                if v is None:
                    continue
                s = shape(v)
                parts.append(f"{name}: {raw(v).item() if s == () else s}")
        return f"{type(self).__name__}({', '.join(parts)})"


__all__ = ["Distribution"]
