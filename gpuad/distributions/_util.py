"""Helpers shared by the distributions: parameters as arrays, broadcasting, standard draws."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as _np

from .. import numpy as gnp
from .._numpy_protocol import stop_gradient
from .._raw import data, shape
from .._state import enable_grad, no_grad
from ..backends import get_backend
from ..tensor import Tensor


class lazy_property(cached_property):
    """A parameter computed from another on first use and kept (``probs`` from ``logits``,
    ``scale_tril`` from ``covariance_matrix``). It is computed with gradients recorded even
    when first asked for under ``no_grad``, as torch's ``lazy_property``: a value cached there
    would otherwise stay detached, and every later use would silently get no gradient."""

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            return super().__get__(instance, owner)


def as_param(x: Any) -> Any:
    """A Tensor stays as it is (it may be differentiated); anything else becomes a float
    backend array (Python numbers and integer arrays as float64)."""
    if isinstance(x, Tensor):
        return x
    xp = get_backend().xp
    a = xp.asarray(x)
    return a if a.dtype.kind in "fc" else a.astype(xp.float64)


def value_like(value: Any, param: Any) -> Any:
    """An integer or boolean ``value`` in the float dtype of ``param``, as torch promotes it
    (a float32 Poisson's ``log_prob`` of int64 counts is float32, not NumPy's float64).

    Example: ``value = value_like(value, self.rate)``
    """
    vd, pd = getattr(value, "dtype", None), getattr(param, "dtype", None)
    if vd is not None and pd is not None and vd.kind in "biu" and pd.kind == "f":
        return value.astype(pd)
    return value


def broadcast_all(*values: Any) -> list[Any]:
    """The parameters as arrays broadcast to one shape (differentiably). A Python number
    takes the float dtype of the array parameters, as torch's ``broadcast_all`` (``Binomial(
    10, probs=p32)`` computes in float32); with none, float64."""
    vals = [as_param(v) for v in values]
    floats = [
        v.dtype
        for v, o in zip(vals, values, strict=True)
        if not isinstance(o, int | float) and v.dtype.kind == "f"
    ]
    if floats:
        dt = _np.result_type(*floats)
        vals = [
            v.astype(dt) if isinstance(o, int | float) else v
            for v, o in zip(vals, values, strict=True)
        ]
    shp = gnp.broadcast_shapes(*(shape(v) for v in vals))
    return [v if shape(v) == shp else gnp.broadcast_to(v, shp) for v in vals]


def expand_to(x: Any, shp: tuple[int, ...]) -> Any:
    return x if shape(x) == tuple(shp) else gnp.broadcast_to(x, tuple(shp))


def sum_rightmost(x: Any, n: int) -> Any:
    """``x`` summed over its last ``n`` axes."""
    return gnp.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


def draw(name: str, shp: tuple[int, ...], like: Any = None, *args: Any) -> Any:
    """``gnp.random.<name>(*args, size=shp)`` as a backend array in ``like``'s float dtype (so
    float32 parameters get float32 noise, as torch's samplers)."""
    a = get_backend().xp.asarray(getattr(gnp.random, name)(*args, size=tuple(shp)))
    dt = getattr(data(like), "dtype", None)
    return a.astype(dt) if dt is not None and dt.kind == "f" and dt != a.dtype else a


def standard_normal(shp: tuple[int, ...], like: Any = None) -> Any:
    return draw("standard_normal", shp, like)


def uniform01(shp: tuple[int, ...], like: Any = None) -> Any:
    return draw("uniform", shp, like, 0.0, 1.0)


def eps_of(x: Any) -> float:
    return float(gnp.finfo(data(x).dtype).eps)


def tiny_of(x: Any) -> float:
    return float(gnp.finfo(data(x).dtype).tiny)


def clamp_probs(p: Any) -> Any:
    """``p`` clipped to ``[eps, 1 - eps]`` (as torch does before taking logs)."""
    eps = eps_of(p)
    return gnp.clip(p, eps, 1 - eps)


def strictly_inside(x: Any) -> Any:
    """Draws on ``[0, 1]`` moved off the exact ends to ``[tiny, 1 - eps]``, as torch's Beta
    and Dirichlet samplers do (with tiny concentrations a draw rounds to exactly 0 or 1,
    where ``log_prob`` is infinite). The move is below rounding, so the gradient is kept."""
    xp = get_backend().xp
    fi = xp.finfo(data(x).dtype)
    return x + stop_gradient(gnp.clip(x, float(fi.tiny), 1 - float(fi.eps)) - x)


def detached(f, *args: Any) -> Any:
    """``f(*args)`` computed without recording, as a constant (a Tensor without gradient when
    a parameter is a Tensor, else a backend array)."""
    with no_grad():
        out = f(*args)
    out = stop_gradient(out)
    if not isinstance(out, Tensor) and any(isinstance(a, Tensor) for a in args):
        out = Tensor(get_backend().xp.asarray(out))
    return out


def like_samples(out: Any, param: Any) -> Any:
    """``out`` (a backend array of support values) of the kind ``sample()`` returns: a Tensor
    without gradient when the parameter is a Tensor (as torch, where both are Tensors)."""
    return Tensor(out) if isinstance(param, Tensor) else out


def raw(x: Any) -> Any:
    """The backend array of ``x`` (a Tensor's data, an array, or a number as an array)."""
    return get_backend().xp.asarray(data(x))
