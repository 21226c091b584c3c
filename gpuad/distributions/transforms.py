"""Transforms with ``torch.distributions.transforms``' names, and ``TransformedDistribution``.

A transform maps ``x`` to ``y = t(x)``, has an inverse ``t.inv(y)``,
``t.log_abs_det_jacobian(x, y)`` (summed over its ``domain.event_dim`` rightmost axes),
``domain``/``codomain`` constraints, ``bijective``, ``sign`` (of a monotone scalar map),
``forward_shape``/``inverse_shape``. With ``cache_size=1`` the last pair is kept: ``t.inv(y)``
of the very object ``t`` returned gives back its ``x`` (exact where the inverse loses digits,
as ``atanh`` near +-1), as torch.

Example::

    import gpuad.distributions as D
    pi = D.TransformedDistribution(D.Normal(mu, std), [D.transforms.TanhTransform(cache_size=1)])
    a = pi.rsample()
    logp = pi.log_prob(a).sum(-1)           # a soft actor-critic policy's log-probability
"""

from __future__ import annotations

import math
import numbers
import weakref
from typing import Any

import numpy as _np

from .. import numpy as gnp
from .._raw import _xp, data
from ..nn import functional as _F
from . import constraints
from ._util import eps_of, sum_rightmost, tiny_of
from .distribution import Distribution, _as_shape

__all__ = [
    "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform",
    "CorrCholeskyTransform", "CumulativeDistributionTransform", "ExpTransform",
    "IndependentTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform",
    "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
    "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform",
    "Transform", "TransformedDistribution", "identity_transform",
]


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(gnp.shape(x))


def _ndim(x: Any) -> int:
    return len(gnp.shape(x))


def _all_equal(a: Any, b: Any) -> bool:
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return a == b
    return bool(_np.all(_np.asarray(_to_host(a)) == _np.asarray(_to_host(b))))


def _const(a: Any, like: Any) -> Any:
    """A NumPy constant as an array of ``like``'s backend (CuPy arrays do not mix with NumPy's)."""
    return _xp(data(like)).asarray(a)


def _to_host(a: Any) -> Any:
    a = data(a)
    return a.get() if hasattr(a, "get") else a


class Transform:
    """Base class: ``t(x)``, ``t.inv(y)``, ``t.log_abs_det_jacobian(x, y)``, ``domain``,
    ``codomain``, ``event_dim``, ``bijective``, ``sign``, ``forward_shape``,
    ``inverse_shape``, ``with_cache``.

    Example: ``D.transforms.ExpTransform()(x)``
    """

    bijective = False
    domain: constraints.Constraint = constraints.real
    codomain: constraints.Constraint = constraints.real

    def __init__(self, cache_size: int = 0):
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, not "
                             f"{cache_size!r}")
        self._cache_size = cache_size
        self._cached: tuple[Any, Any] | None = None
        self._inv_ref: Any = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_inv_ref"] = None
        return state

    @property
    def event_dim(self) -> int:
        """The number of rightmost axes one event spans (domain's and codomain's alike)."""
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError(f"{type(self).__name__}: domain and codomain have different "
                         f"event_dim ({self.domain.event_dim}, {self.codomain.event_dim}); "
                         f"use .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform (the same object while it is alive). Example: ``t.inv(y)``"""
        inv = self._inv_ref() if self._inv_ref is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            self._inv_ref = weakref.ref(inv)
        return inv

    @property
    def sign(self) -> Any:
        """+1 or -1: whether a scalar bijection increases or decreases."""
        raise NotImplementedError(f"{type(self).__name__} has no sign (it is not a monotone "
                                  f"scalar bijection)")

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with ``cache_size`` (itself if it has it already)."""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self).__name__}.with_cache is not implemented")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __call__(self, x: Any) -> Any:
        if not self._cache_size:
            return self._call(x)
        if self._cached is not None and self._cached[0] is x:
            return self._cached[1]
        y = self._call(x)
        self._cached = (x, y)
        return y

    def _inv_call(self, y: Any) -> Any:
        if not self._cache_size:
            return self._inverse(y)
        if self._cached is not None and self._cached[1] is y:
            return self._cached[0]
        x = self._inverse(y)
        self._cached = (x, y)
        return x

    def _call(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward map")

    def _inverse(self, y: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no inverse")

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        """``log |det dy/dx|``. Example: ``t.log_abs_det_jacobian(x, t(x))``"""
        raise NotImplementedError(f"{type(self).__name__} has no log_abs_det_jacobian")

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape of ``t(x)`` for ``x`` of ``shape``."""
        return tuple(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape of ``t.inv(y)`` for ``y`` of ``shape``."""
        return tuple(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _InverseTransform(Transform):
    """``t.inv``: the same pair of maps the other way round (sharing ``t``'s cache)."""

    def __init__(self, transform: Transform):
        super().__init__(cache_size=transform._cache_size)
        self._inv_t = transform

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return self._inv_t.codomain

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return self._inv_t.domain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self._inv_t.bijective

    @property
    def sign(self) -> Any:
        return self._inv_t.sign

    @property
    def inv(self) -> Transform:
        return self._inv_t

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._inv_t == other._inv_t

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inv_t!r})"

    def __call__(self, x: Any) -> Any:
        return self._inv_t._inv_call(x)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return -self._inv_t.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        return self._inv_t.inverse_shape(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        return self._inv_t.forward_shape(shape)


_Inverse = _InverseTransform


class ComposeTransform(Transform):
    """The transforms applied in order: ``ComposeTransform([f, g])(x) == g(f(x))``.

    Example: ``D.transforms.ComposeTransform([AffineTransform(0., 2.), ExpTransform()])``
    """

    def __init__(self, parts: list[Transform], cache_size: int = 0):
        parts = list(parts)
        if not all(isinstance(p, Transform) for p in parts):
            raise TypeError("ComposeTransform: every part must be a Transform")
        if cache_size:
            parts = [p.with_cache(cache_size) for p in parts]
        super().__init__(cache_size=cache_size)
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for p in reversed(self.parts):
            event_dim += p.domain.event_dim - p.codomain.event_dim
            event_dim = max(event_dim, p.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for p in self.parts:
            event_dim += p.codomain.event_dim - p.domain.event_dim
            event_dim = max(event_dim, p.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(p.bijective for p in self.parts)

    @property
    def sign(self) -> Any:
        sign: Any = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self) -> Transform:
        inv = self._inv_ref() if self._inv_ref is not None else None
        if inv is None:
            inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv_ref = weakref.ref(inv)
            inv._inv_ref = weakref.ref(self)
        return inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: Any) -> Any:
        for p in self.parts:
            x = p(x)
        return x

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        if not self.parts:
            return gnp.zeros_like(x)
        xs = [x]
        for p in self.parts[:-1]:
            xs.append(p(xs[-1]))
        xs.append(y)
        total: Any = None
        event_dim = self.domain.event_dim
        for p, xi, yi in zip(self.parts, xs[:-1], xs[1:], strict=True):
            term = sum_rightmost(p.log_abs_det_jacobian(xi, yi),
                                 event_dim - p.domain.event_dim)
            total = term if total is None else total + term
            event_dim += p.codomain.event_dim - p.domain.event_dim
        return total

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        for p in self.parts:
            shape = p.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        for p in reversed(self.parts):
            shape = p.inverse_shape(shape)
        return tuple(shape)

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(p) for p in self.parts)
        return f"{type(self).__name__}(\n    {inner}\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with ``reinterpreted_batch_ndims`` more axes counted as one event
    (its ``log_abs_det_jacobian`` summed over them).

    Example: ``D.transforms.IndependentTransform(ExpTransform(), 1)``
    """

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int,
                 cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = int(reinterpreted_batch_ndims)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims,
                                    cache_size=cache_size)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(self.base_transform.domain,
                                       self.reinterpreted_batch_ndims)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(self.base_transform.codomain,
                                       self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self.base_transform.bijective

    @property
    def sign(self) -> Any:
        return self.base_transform.sign

    def _check_ndim(self, x: Any, what: str) -> None:
        if _ndim(x) < self.domain.event_dim:
            raise ValueError(f"IndependentTransform: too few dimensions on the {what} (shape "
                             f"{_shape(x)}, event_dim {self.domain.event_dim})")

    def _call(self, x):
        self._check_ndim(x, "input")
        return self.base_transform(x)

    def _inverse(self, y):
        self._check_ndim(y, "output")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                             self.reinterpreted_batch_ndims)

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.base_transform!r}, "
                f"{self.reinterpreted_batch_ndims})")


class ReshapeTransform(Transform):
    """Reshapes the rightmost ``in_shape`` axes to ``out_shape`` (the same number of
    elements); its Jacobian is a permutation, ``log_abs_det_jacobian`` 0.

    Example: ``D.transforms.ReshapeTransform((6,), (2, 3))``
    """

    bijective = True

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0):
        self.in_shape, self.out_shape = _as_shape(in_shape), _as_shape(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(f"ReshapeTransform: in_shape {self.in_shape} and out_shape "
                             f"{self.out_shape} have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        return gnp.reshape(x, self.forward_shape(_shape(x)))

    def _inverse(self, y):
        return gnp.reshape(y, self.inverse_shape(_shape(y)))

    def log_abs_det_jacobian(self, x, y):
        batch = _shape(x)[: _ndim(x) - len(self.in_shape)]
        return gnp.zeros(batch, dtype=data(x).dtype)

    def _cut(self, shape: Any, want: tuple[int, ...], what: str) -> tuple[int, ...]:
        shape = tuple(shape)
        if len(shape) < len(want):
            raise ValueError(f"ReshapeTransform: too few dimensions on the {what} (shape "
                             f"{shape}, expected it to end with {want})")
        cut = len(shape) - len(want)
        if shape[cut:] != want:
            raise ValueError(f"ReshapeTransform: shape mismatch: the {what}'s shape {shape} "
                             f"does not end with {want}")
        return shape[:cut]

    def forward_shape(self, shape):
        return self._cut(shape, self.in_shape, "input") + self.out_shape

    def inverse_shape(self, shape):
        return self._cut(shape, self.out_shape, "output") + self.in_shape

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.in_shape}, {self.out_shape})"


class ExpTransform(Transform):
    """``y = exp(x)``. Example: ``D.transforms.ExpTransform()``"""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return gnp.exp(x)

    def _inverse(self, y):
        return gnp.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on the positive reals.

    Example: ``D.transforms.PowerTransform(0.5)``
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent if isinstance(exponent, numbers.Number) else \
            _param(exponent)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self) -> Any:
        return gnp.sign(self.exponent)

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and _all_equal(self.exponent, other.exponent)

    __hash__ = object.__hash__

    def _call(self, x):
        return x ** self.exponent

    def _inverse(self, y):
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return gnp.log(gnp.abs(self.exponent * y / x))

    def forward_shape(self, shape):
        return tuple(gnp.broadcast_shapes(tuple(shape), _shape(self.exponent)))

    inverse_shape = forward_shape


def _param(a: Any) -> Any:
    from ._util import as_param
    return as_param(a)


def _clipped_sigmoid(x: Any) -> Any:
    return gnp.clip(_F.sigmoid(x), tiny_of(x), 1.0 - eps_of(x))


class SigmoidTransform(Transform):
    """``y = sigmoid(x)``, kept inside ``[tiny, 1 - eps]`` (as torch) so the inverse stays
    finite. Example: ``D.transforms.SigmoidTransform()``"""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return _clipped_sigmoid(x)

    def _inverse(self, y):
        y = gnp.clip(y, tiny_of(y), 1.0 - eps_of(y))
        return gnp.log(y) - gnp.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -_F.softplus(-x) - _F.softplus(x)


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))``. Example: ``D.transforms.SoftplusTransform()``"""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return _F.softplus(x)

    def _inverse(self, y):
        return gnp.log(-gnp.expm1(-y)) + y

    def log_abs_det_jacobian(self, x, y):
        return -_F.softplus(-x)


class TanhTransform(Transform):
    """``y = tanh(x)``, with ``log |dy/dx| = 2 (log 2 - x - softplus(-2x))`` (stable for large
    ``|x|``). Example: ``D.transforms.TanhTransform(cache_size=1)``"""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return gnp.tanh(x)

    def _inverse(self, y):
        return gnp.arctanh(y)

    def log_abs_det_jacobian(self, x, y):
        return 2.0 * (math.log(2.0) - x - _F.softplus(-2.0 * x))


class AbsTransform(Transform):
    """``y = |x|`` (not a bijection: ``inv`` gives the nonnegative root).

    Example: ``D.TransformedDistribution(D.Normal(0., s), D.transforms.AbsTransform())``
    """

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other):
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return gnp.abs(x)

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    """``y = loc + scale * x``; ``event_dim`` axes counted as one event.

    Example: ``D.transforms.AffineTransform(mu, sigma, event_dim=1)``
    """

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, int(event_dim)

    @property
    def event_dim(self) -> int:
        return self._event_dim

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    codomain = domain  # type: ignore[assignment]

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other):
        return (isinstance(other, AffineTransform) and _all_equal(self.loc, other.loc)
                and _all_equal(self.scale, other.scale))

    __hash__ = object.__hash__

    @property
    def sign(self) -> Any:
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return gnp.sign(self.scale)

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        # log|scale| at every element of x (a scalar scale counts once per event element,
        # where torch sums the unbroadcast log|scale|), then summed over the event axes
        if isinstance(self.scale, numbers.Real):
            result = gnp.full_like(x, math.log(abs(self.scale)))
        else:
            shp = gnp.broadcast_shapes(_shape(x), _shape(self.scale))
            result = gnp.broadcast_to(gnp.log(gnp.abs(self.scale)), shp)
        return sum_rightmost(result, self._event_dim)

    def forward_shape(self, shape):
        return tuple(gnp.broadcast_shapes(tuple(shape), _shape(self.loc), _shape(self.scale)))

    inverse_shape = forward_shape

    def __repr__(self) -> str:
        return f"{type(self).__name__}(event_dim={self._event_dim})"


def _check_last_axis(shape: Any, name: str) -> tuple[int, ...]:
    shape = tuple(shape)
    if len(shape) < 1:
        raise ValueError(f"{name}: too few dimensions on input (shape {shape}, needs at "
                         f"least one axis)")
    return shape


class SoftmaxTransform(Transform):
    """``y = softmax(x)`` over the last axis (not a bijection: ``inv`` is ``log``).

    Example: ``D.transforms.SoftmaxTransform()``
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        p = gnp.exp(x - gnp.max(x, axis=-1, keepdims=True))
        return p / gnp.sum(p, axis=-1, keepdims=True)

    def _inverse(self, y):
        return gnp.log(y)

    def forward_shape(self, shape):
        return _check_last_axis(shape, "SoftmaxTransform")

    def inverse_shape(self, shape):
        return _check_last_axis(shape, "SoftmaxTransform")


def _offsets(n: int, like: Any) -> Any:
    """``log(n), log(n - 1), ..., log(1)``: the stick-breaking centring."""
    return _const(_np.log(_np.arange(n, 0, -1, dtype=data(like).dtype)), like)


class StickBreakingTransform(Transform):
    """The stick-breaking bijection from ``R^(K-1)`` to the ``K``-simplex (zero maps to the
    centre). Example: ``D.transforms.StickBreakingTransform()``"""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other):
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        n = _shape(x)[-1]
        z = _clipped_sigmoid(x - _offsets(n, x))
        rest = gnp.cumprod(1 - z, axis=-1)
        pad = [(0, 0)] * (_ndim(x) - 1)
        return (gnp.pad(z, pad + [(0, 1)], constant_values=1.0)
                * gnp.pad(rest, pad + [(1, 0)], constant_values=1.0))

    def _inverse(self, y):
        crop = y[..., :-1]
        n = _shape(crop)[-1]
        sf = gnp.clip(1 - gnp.cumsum(crop, axis=-1), tiny_of(y), None)
        return gnp.log(crop) - gnp.log(sf) + _offsets(n, y)

    def log_abs_det_jacobian(self, x, y):
        n = _shape(x)[-1]
        x = x - _offsets(n, x)
        return gnp.sum(-x + _F.logsigmoid(x) + gnp.log(y[..., :-1]), axis=-1)

    def forward_shape(self, shape):
        shape = _check_last_axis(shape, "StickBreakingTransform")
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        shape = _check_last_axis(shape, "StickBreakingTransform")
        return shape[:-1] + (shape[-1] - 1,)


def _check_square(x: Any, name: str) -> None:
    s = _shape(x)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected square matrices in the last two axes, got shape "
                         f"{s}")


def _with_diag(x: Any, f: Any) -> Any:
    """The strictly lower part of ``x`` with ``f`` of its diagonal on the diagonal."""
    n = _shape(x)[-1]
    eye = _const(_np.eye(n, dtype=data(x).dtype), x)
    d = f(gnp.diagonal(x, axis1=-2, axis2=-1))
    return gnp.tril(x, -1) + d[..., None] * eye


class LowerCholeskyTransform(Transform):
    """The strictly lower triangle of a square matrix kept, its diagonal exponentiated: onto
    the lower Cholesky factors. Example: ``D.transforms.LowerCholeskyTransform()``"""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other):
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        _check_square(x, "LowerCholeskyTransform")
        return _with_diag(x, gnp.exp)

    def _inverse(self, y):
        _check_square(y, "LowerCholeskyTransform")
        return _with_diag(y, gnp.log)


class PositiveDefiniteTransform(Transform):
    """``L L^T`` with ``L`` the ``LowerCholeskyTransform`` of a square matrix.

    Example: ``D.transforms.PositiveDefiniteTransform()``
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other):
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        low = LowerCholeskyTransform()(x)
        return gnp.matmul(low, gnp.swapaxes(low, -1, -2))

    def _inverse(self, y):
        _check_square(y, "PositiveDefiniteTransform")
        return LowerCholeskyTransform().inv(gnp.linalg.cholesky(y))


def _tril_index(n: int, diag: int) -> tuple[Any, Any]:
    return _np.tril_indices(n, diag)


def _vec_to_tril(vec: Any, n: int) -> Any:
    """A vector of ``n (n - 1) / 2`` entries (row by row) as the strictly lower triangle of an
    ``n x n`` matrix (a gather from the vector with a zero in front, so it differentiates)."""
    rows, cols = _tril_index(n, -1)
    pos = _np.zeros((n, n), dtype=_np.intp)
    pos[rows, cols] = _np.arange(1, len(rows) + 1)
    zero = gnp.zeros_like(vec[..., :1])
    padded = gnp.concatenate([zero, vec], axis=-1)
    return gnp.reshape(gnp.take(padded, _const(pos.reshape(-1), vec), axis=-1),
                       _shape(vec)[:-1] + (n, n))


def _tril_to_vec(mat: Any, diag: int) -> Any:
    n = _shape(mat)[-1]
    rows, cols = _tril_index(n, diag)
    flat = gnp.reshape(mat, _shape(mat)[:-2] + (n * n,))
    return gnp.take(flat, _const(rows * n + cols, mat), axis=-1)


class CorrCholeskyTransform(Transform):
    """A vector of ``D (D - 1) / 2`` reals to the Cholesky factor of a ``D x D`` correlation
    matrix (Stan's construction: ``tanh`` then stick-breaking of each row's length).

    Example: ``D.transforms.CorrCholeskyTransform()(gnp.zeros(3))`` is the 3 x 3 identity
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other):
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        n = self.forward_shape(_shape(x))[-1]
        eps = eps_of(x)
        x = gnp.clip(gnp.tanh(x), -1 + eps, 1 - eps)
        r = _vec_to_tril(x, n)
        root = gnp.cumprod(gnp.sqrt(1 - r**2), axis=-1)
        pad = [(0, 0)] * (_ndim(root) - 1)
        scale = gnp.pad(root[..., :-1], pad + [(1, 0)], constant_values=1.0)
        return (r + _const(_np.eye(n, dtype=data(x).dtype), x)) * scale

    def _inverse(self, y):
        self.inverse_shape(_shape(y))
        rest = 1 - gnp.cumsum(y * y, axis=-1)
        pad = [(0, 0)] * (_ndim(y) - 1)
        shifted = gnp.pad(rest[..., :-1], pad + [(1, 0)], constant_values=1.0)
        t = _tril_to_vec(y, -1) / gnp.sqrt(_tril_to_vec(shifted, -1))
        return gnp.arctanh(t)

    def log_abs_det_jacobian(self, x, y):
        rest = 1 - gnp.cumsum(y * y, axis=-1)
        stick = 0.5 * gnp.sum(gnp.log(_tril_to_vec(rest, -2)), axis=-1)
        tanh = -2 * gnp.sum(x + _F.softplus(-2 * x) - math.log(2.0), axis=-1)
        return stick + tanh

    def forward_shape(self, shape):
        shape = _check_last_axis(shape, "CorrCholeskyTransform")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError(f"CorrCholeskyTransform: the last axis ({n}) is not a number "
                             f"D (D - 1) / 2 of strictly lower entries")
        return shape[:-1] + (d, d)

    def inverse_shape(self, shape):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"CorrCholeskyTransform: too few dimensions on input (shape "
                             f"{shape})")
        if shape[-2] != shape[-1]:
            raise ValueError(f"CorrCholeskyTransform: input is not square (shape {shape})")
        d = shape[-1]
        return shape[:-2] + (d * (d - 1) // 2,)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``: onto the unit interval, with ``log |dy/dx|`` the log
    density. Example: ``CumulativeDistributionTransform(D.Normal(0., 1.))``"""

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution: Distribution, cache_size: int = 0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return self.distribution.support

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return type(self)(self.distribution, cache_size=cache_size)

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)


def _check_dim(dim: int, x: Any, name: str) -> int:
    nd = _ndim(x)
    if not -nd <= dim < nd:
        raise ValueError(f"{name}: dim {dim} out of range for an input of shape {_shape(x)}")
    return dim % nd


class CatTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th block (``lengths[i]`` entries) along ``dim``, the
    results concatenated. Example: ``CatTransform([ExpTransform(), identity_transform],
    dim=0, lengths=[2, 3])``"""

    def __init__(self, tseq: Any, dim: int = 0, lengths: Any = None, cache_size: int = 0):
        tseq = list(tseq)
        if not all(isinstance(t, Transform) for t in tseq):
            raise TypeError("CatTransform: every element of tseq must be a Transform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = [1] * len(tseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.lengths)} lengths for "
                             f"{len(self.transforms)} transforms")
        self.dim = dim

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _blocks(self, x: Any) -> list[Any]:
        dim = _check_dim(self.dim, x, "CatTransform")
        if _shape(x)[dim] != self.length:
            raise ValueError(f"CatTransform: the input's size along dim {self.dim} "
                             f"({_shape(x)[dim]}) must be sum(lengths) = {self.length}")
        out, start = [], 0
        for n in self.lengths:
            idx = [slice(None)] * _ndim(x)
            idx[dim] = slice(start, start + n)
            out.append(x[tuple(idx)])
            start += n
        return out

    def _call(self, x):
        return gnp.concatenate([t(b) for t, b in zip(self.transforms, self._blocks(x),
                                                      strict=True)], axis=self.dim)

    def _inverse(self, y):
        return gnp.concatenate([t.inv(b) for t, b in zip(self.transforms, self._blocks(y),
                                                         strict=True)], axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        ev = self.event_dim
        terms = []
        for t, xb, yb in zip(self.transforms, self._blocks(x), self._blocks(y), strict=True):
            lad = t.log_abs_det_jacobian(xb, yb)
            if t.event_dim < ev:
                lad = sum_rightmost(lad, ev - t.event_dim)
            terms.append(lad)
        dim = self.dim
        if dim >= 0:
            dim = dim - _ndim(x)
        dim = dim + ev
        if dim < 0:
            return gnp.concatenate(terms, axis=dim)
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th slice along ``dim``, the results stacked.

    Example: ``StackTransform([ExpTransform(), identity_transform], dim=-1)``
    """

    def __init__(self, tseq: Any, dim: int = 0, cache_size: int = 0):
        tseq = list(tseq)
        if not all(isinstance(t, Transform) for t in tseq):
            raise TypeError("StackTransform: every element of tseq must be a Transform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.dim = dim

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, x: Any) -> list[Any]:
        dim = _check_dim(self.dim, x, "StackTransform")
        if _shape(x)[dim] != len(self.transforms):
            raise ValueError(f"StackTransform: the input's size along dim {self.dim} "
                             f"({_shape(x)[dim]}) must be len(tseq) = {len(self.transforms)}")
        idx = [slice(None)] * dim
        return [x[tuple(idx + [i])] for i in range(len(self.transforms))]

    def _call(self, x):
        return gnp.stack([t(s) for t, s in zip(self.transforms, self._slices(x), strict=True)],
                         axis=self.dim)

    def _inverse(self, y):
        return gnp.stack([t.inv(s) for t, s in zip(self.transforms, self._slices(y),
                                                   strict=True)], axis=self.dim)

    def log_abs_det_jacobian(self, x, y):
        return gnp.stack([t.log_abs_det_jacobian(a, b) for t, a, b in
                          zip(self.transforms, self._slices(x), self._slices(y), strict=True)],
                         axis=self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one or a list, applied in order):
    ``rsample`` transforms the base's draws, ``log_prob(y)`` is the base's at the inverse minus
    each ``log_abs_det_jacobian``; ``cdf``/``icdf`` through monotone scalar transforms.

    Example: ``D.TransformedDistribution(D.Normal(0., 1.), [D.transforms.ExpTransform()])``
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif isinstance(transforms, list | tuple):
            transforms = list(transforms)
        else:
            raise ValueError(f"TransformedDistribution: transforms must be a Transform or a "
                             f"list of Transforms, got {type(transforms).__name__}")
        for t in transforms:
            if not isinstance(t, Transform):
                raise ValueError(f"TransformedDistribution: transforms must be Transforms, "
                                 f"got {type(t).__name__}")
        self.transforms = transforms
        base_shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        chain = ComposeTransform(transforms)
        if len(base_shape) < chain.domain.event_dim:
            raise ValueError(f"TransformedDistribution: base_distribution needs at least "
                             f"{chain.domain.event_dim} dimensions, but has shape {base_shape}")
        forward_shape = chain.forward_shape(base_shape)
        expanded = chain.inverse_shape(forward_shape)
        if tuple(expanded) != base_shape:
            base_distribution = base_distribution.expand(
                expanded[: len(expanded) - base_event_dim])
        extra = chain.domain.event_dim - base_event_dim
        if extra > 0:
            from .independent import Independent
            base_distribution = Independent(base_distribution, extra)
        self.base_dist = base_distribution
        change = chain.codomain.event_dim - chain.domain.event_dim
        event_dim = max(chain.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def support(self) -> constraints.Constraint:
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support,
                                              len(self.event_shape) - support.event_dim)
        return support

    def expand(self, batch_shape: Any, _instance: Any = None) -> TransformedDistribution:
        shape = _as_shape(batch_shape) + self.event_shape
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        base = self.base_dist.expand(shape[: len(shape) - len(self.base_dist.event_shape)])
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.base_dist = base
        new._batch_shape = _as_shape(batch_shape)
        return new

    def rsample(self, sample_shape: Any = ()) -> Any:
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape: Any = ()) -> Any:
        # a constant, as every sample(): the transforms' parameters (Pareto's scale, a
        # Weibull's concentration) must not put the draw on the tape
        from ._util import detached

        return detached(self._transformed_sample, sample_shape)

    def _transformed_sample(self, sample_shape: Any) -> Any:
        x = self.base_dist.sample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Any) -> Any:
        value = self._as_value(value)
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self._event_shape)
        log_prob: Any = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - sum_rightmost(t.log_abs_det_jacobian(x, y),
                                                event_dim - t.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y),
                                        event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value: Any) -> Any:
        sign: Any = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Any) -> Any:
        """The base's cdf at the inverse (flipped where the transforms decrease)."""
        value = self._as_value(value)
        if self._validate_args:
            self._validate_sample(value, "cdf")
        for t in reversed(self.transforms):
            value = t.inv(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> Any:
        """The transforms of the base's icdf (of ``1 - q`` where they decrease)."""
        value = self.base_dist.icdf(self._monotonize_cdf(self._as_value(value)))
        for t in self.transforms:
            value = t(value)
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_dist!r}, {self.transforms!r})"
