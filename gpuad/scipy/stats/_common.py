"""Helpers shared by the distributions of ``gpuad.scipy.stats``."""

from __future__ import annotations

import functools
import math
import types
from typing import Any

import numpy as _np

from ... import numpy as gnp
from ...backends import get_backend
from ...batching.rules_misc import batch_rule_for
from ...rules import MissingRuleError, data, prim
from ...tensor import Tensor


def _no_derivative(why):
    raise MissingRuleError(f"{why}; pass it as a constant (a plain array, or "
                           f"x.detach() of a Tensor x)")


_tie = prim("constant_arguments", lambda xp, value, *constants, why: value,
            vjp_n=lambda i, g, ans, *xs, why: g if i == 0 else _no_derivative(why),
            jvp_n=lambda i, t, ans, *xs, why: t if i == 0 else _no_derivative(why),
            view=True)
batch_rule_for(_tie)


def constant_args(value: Any, *constants: Any, why: str) -> Any:
    """``value`` itself, recorded as depending on ``constants`` (arguments the function is not
    differentiable in, such as the integer ``k`` of a pmf): a derivative with respect to one of
    them raises ``MissingRuleError(why)`` instead of being silently zero."""
    if not any(isinstance(c, Tensor) for c in constants):
        return value
    return _tie(value, *constants, why=why)


def flat_in(value: Any, *args: Any) -> Any:
    """``value`` recorded as depending on the Tensors among ``args`` with a derivative of
    exactly 0 (a density constant in them, such as the uniform one in ``x`` and ``loc``): the
    result is a Tensor whose backward reaches them with zeros, never a bare array. Each one
    enters through a select that never picks it, so an infinite or nan argument leaves the
    value unchanged."""
    for a in args:
        if isinstance(a, Tensor):
            value = value - gnp.where(False, a, 0)  # x - 0 keeps the sign of a zero x
    return value


def standardize(x: Any, loc: Any, scale: Any) -> Any:
    """``(x - loc) / scale``; skips the arithmetic for the defaults 0 and 1."""
    if not (isinstance(loc, int | float) and loc == 0):
        x = x - loc
    if not (isinstance(scale, int | float) and scale == 1):
        x = x / scale
    return x


def log_scale(scale: Any) -> Any:
    """``log(scale)``; a Python number stays one (so float32 arguments stay float32)."""
    if isinstance(scale, int | float):
        return math.log(scale) if scale > 0 else math.nan
    return gnp.log(scale)


def valid_scale(value: Any, scale: Any) -> Any:
    """``value`` where ``scale > 0``, nan elsewhere (as SciPy)."""
    if isinstance(scale, int | float):
        if scale > 0:
            return value
        return value * gnp.nan
    return gnp.where(data(scale) > 0, value, gnp.nan)


def valid_shape(value: Any, *params: Any) -> Any:
    """``value`` where every shape parameter is positive, nan elsewhere (as SciPy: ``a``,
    ``b``, ``df`` <= 0 are outside the family)."""
    for p in params:
        if isinstance(p, int | float):
            if not p > 0:
                value = value * gnp.nan
        else:
            value = gnp.where(data(p) > 0, value, gnp.nan)
    return value


def positive_or_one(p: Any) -> Any:
    """A Python number that is not positive replaced by 1 (its result is made nan by
    :func:`valid_shape`; this keeps the arithmetic from dividing by a Python zero)."""
    return p if not isinstance(p, int | float) or p > 0 else 1.0


def log_prob(p: Any, q: Any) -> Any:
    """``log p`` for a probability ``p`` with complement ``q = 1 - p`` (both computed
    accurately): ``log1p(-q)`` where ``p > 1/2``, whose digits ``p`` itself has lost."""
    big = raw(p) > 0.5
    return gnp.where(big, gnp.log1p(-gnp.where(big, q, 0.0)), gnp.log(gnp.where(big, 1.0, p)))


def nan_where(bad: Any, value: Any) -> Any:
    """``value`` with nan where the (raw, boolean) ``bad`` holds."""
    return gnp.where(bad, gnp.nan, value)


def raw(v: Any) -> Any:
    """The values of ``v`` (a Tensor's data, a host array or number) as a backend array, for
    comparisons that choose a branch (constants, never differentiated)."""
    return gnp.asarray(data(v))


def scipy_params(*shapes: str):
    """Decorate a distribution function so that a ``scale`` <= 0 or a named shape parameter
    <= 0 gives nan, as SciPy (JAX's formulas give numbers there: ``expon.cdf(1.5, scale=-1)``
    was -3.48). A Python number out of range is replaced by 1 before the formula runs, so no
    ``ZeroDivisionError`` escapes."""
    import functools
    import inspect

    def deco(f):
        sig = inspect.signature(f)
        names = [n for n in (*shapes, "scale") if n in sig.parameters]

        @functools.wraps(f)
        def checked(*args: Any, **kwds: Any) -> Any:
            b = sig.bind(*args, **kwds)
            b.apply_defaults()
            given = {n: b.arguments[n] for n in names}
            for n, v in given.items():
                b.arguments[n] = positive_or_one(v)
            out = f(*b.args, **b.kwargs)
            if "scale" in given:
                out = valid_scale(out, given.pop("scale"))
            return valid_shape(out, *given.values())
        return checked
    return deco


def quantile_ends(value: Any, q: Any, at0: float, at1: float) -> Any:
    """A quantile ``value`` with SciPy's ends: ``at0`` at ``q = 0``, ``at1`` at ``q = 1`` (the
    ends of the support, not a formula's rounding such as ``tan(pi/2) = 1.6e16``) and nan
    outside [0, 1]."""
    qd = raw(q)
    return gnp.where(qd == 0, at0, gnp.where(qd == 1, at1, gnp.where(
        (qd < 0) | (qd > 1), gnp.nan, value)))


def shape_like(p: Any, ref: Any) -> Any:
    """A Python-number shape parameter in ``ref``'s dtype where that is a narrow float (a
    special function of a Python number is a float64 array, which promoted float32 ``x``:
    ``gamma.logpdf(x32, 2.0)`` was float64); anything else unchanged."""
    dt = getattr(ref, "dtype", None)
    if (isinstance(p, bool) or not isinstance(p, int | float) or dt is None
            or getattr(dt, "kind", "") != "f" or dt.itemsize >= 8):
        return p
    return gnp.asarray(p, dtype=dt)


def _on_backend(a: Any) -> Any:
    return gnp.asarray(a) if isinstance(a, _np.ndarray) else a


def host_arrays_to_backend(*modules: types.ModuleType) -> None:
    """Wrap the public functions of each distribution module so that host NumPy arguments
    are put on the active backend first. The functions compute with Python operators
    (``x - loc``), which CuPy refuses between a NumPy and a CuPy array; ``gpuad.numpy``'s own
    functions take host data beside backend arrays, and so do these now (autograd programs
    pass their NumPy data and draws as they are)."""
    for m in modules:
        for name, f in list(vars(m).items()):
            if (name.startswith("_") or not isinstance(f, types.FunctionType)
                    or f.__module__ != m.__name__):
                continue

            def wrapped(*args: Any, _f: Any = f, **kwargs: Any) -> Any:
                if get_backend().name != "numpy":
                    args = tuple(_on_backend(a) for a in args)
                    kwargs = {k: _on_backend(v) for k, v in kwargs.items()}
                return _f(*args, **kwargs)

            setattr(m, name, functools.wraps(f)(wrapped))
