"""optax's gradient transformations: each a :class:`GradientTransformation` whose state is
a NamedTuple of arrays (a pytree), with optax's names, arguments and formulas."""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from .. import numpy as gnp
from ..tree import tree_map
from ._base import (
    EmptyState,
    GradientTransformation,
    ScalarOrSchedule,
    Schedule,
    _abs2,
    _bias_correction,
    _cast,
    _count0,
    _device_update,
    _moment,
    _need_params,
    _safe_increment,
    _zeros_like,
    global_norm,
)

ScaleState = EmptyState
ClipState = EmptyState
ClipByGlobalNormState = EmptyState
AddDecayedWeightsState = EmptyState
ScaleByTrustRatioState = EmptyState


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


class ScaleByRmsWithCountState(NamedTuple):
    count: Any
    nu: Any


class ScaleByRStdDevState(NamedTuple):
    mu: Any
    nu: Any


class ScaleByRStdDevWithCountState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


class ScaleByScheduleState(NamedTuple):
    count: Any


class ScaleByLionState(NamedTuple):
    count: Any
    mu: Any


class TraceState(NamedTuple):
    trace: Any


class EmaState(NamedTuple):
    count: Any
    ema: Any


def _stateless(fn) -> GradientTransformation:
    """A transformation with no state: ``fn(updates, params)`` gives the new updates."""
    update = _device_update(lambda u, s, p=None: (fn(u, p), s))
    return GradientTransformation(lambda params: EmptyState(), update)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) or (hasattr(x, "dtype") and hasattr(x, "ndim"))


def scale(step_size: float) -> GradientTransformation:
    """Multiply every update by ``step_size``.

    Example::

        scale(-0.1).update(grads, EmptyState())[0]  # -0.1 * grads
    """
    if not _is_number(step_size):
        raise TypeError(f"scale: step_size must be a number, got {type(step_size).__name__}")
    return _stateless(lambda u, p: tree_map(lambda g: _cast(step_size, g.dtype) * g, u))


def scale_by_schedule(step_size_fn: Schedule) -> GradientTransformation:
    """Multiply the updates by ``step_size_fn(count)``, ``count`` the number of updates so far.

    Example::

        opt = scale_by_schedule(linear_schedule(1.0, 0.0, 100))
    """

    @_device_update
    def update(updates, state, params=None):
        step = step_size_fn(state.count)
        updates = tree_map(lambda g: _cast(step, g.dtype) * g, updates)
        return updates, ScaleByScheduleState(_safe_increment(state.count))

    return GradientTransformation(lambda params: ScaleByScheduleState(_count0()), update)


def scale_by_learning_rate(
    learning_rate: ScalarOrSchedule, *, flip_sign: bool = True
) -> GradientTransformation:
    """Multiply by ``-learning_rate`` (``+`` with ``flip_sign=False``); a schedule is
    evaluated at the step count.

    Example::

        opt = chain(scale_by_adam(), scale_by_learning_rate(1e-3))
    """
    sign = -1 if flip_sign else 1
    if not (callable(learning_rate) or _is_number(learning_rate)):
        raise TypeError(
            f"learning_rate must be a number, a 0-d array or a schedule (a function of the "
            f"step count), got {type(learning_rate).__name__}"
        )
    if callable(learning_rate):
        return scale_by_schedule(lambda count: sign * learning_rate(count))
    return scale(sign * learning_rate)


def scale_by_adam(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Adam's direction ``m_hat / (sqrt(v_hat + eps_root) + eps)`` with bias-corrected
    moments (Kingma and Ba); ``nesterov=True`` gives NAdam's (Dozat).

    Example::

        opt = chain(scale_by_adam(b1=0.9, b2=0.999), scale(-1e-3))
    """

    def init(params):
        mu = tree_map(lambda p: gnp.zeros_like(p, dtype=mu_dtype), params)
        return ScaleByAdamState(_count0(), mu, _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, b1, 1)
        nu = _moment(updates, state.nu, b2, 2)
        count = _safe_increment(state.count)
        if nesterov:
            mu_hat = tree_map(
                lambda m, g: b1 * m + (1 - b1) * g,
                _bias_correction(mu, b1, _safe_increment(count)),
                _bias_correction(updates, b1, count),
            )
        else:
            mu_hat = _bias_correction(mu, b1, count)
        nu_hat = _bias_correction(nu, b2, count)
        updates = tree_map(lambda m, v: m / (gnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        if mu_dtype is not None:
            mu = tree_map(lambda m: m.astype(mu_dtype), mu)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_adamax(
    b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adamax's direction: ``m_hat / u`` with ``u = max(b2 * u, |g| + eps)``.

    Example::

        opt = chain(scale_by_adamax(), scale(-2e-3))
    """

    def init(params):
        return ScaleByAdamState(_count0(), _zeros_like(params), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        count = _safe_increment(state.count)
        mu = _moment(updates, state.mu, b1, 1)
        nu = tree_map(lambda g, v: gnp.maximum(b2 * v, gnp.abs(g) + eps), updates, state.nu)
        mu_hat = _bias_correction(mu, b1, count)
        return tree_map(lambda m, v: m / v, mu_hat, nu), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def _full_like(tree: Any, value: float) -> Any:
    return tree_map(lambda p: gnp.full_like(p, value), tree)


def _rms_divide(g: Any, nu: Any, eps: float, eps_in_sqrt: bool) -> Any:
    return g / gnp.sqrt(nu + eps) if eps_in_sqrt else g / (gnp.sqrt(nu) + eps)


def scale_by_rms(
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    bias_correction: bool = False,
) -> GradientTransformation:
    """RMSProp's direction ``g / sqrt(nu + eps)`` (``g / (sqrt(nu) + eps)`` with
    ``eps_in_sqrt=False``, torch's placement), ``nu = decay * nu + (1 - decay) * g**2``.

    Example::

        opt = chain(scale_by_rms(decay=0.99), scale(-1e-2))
    """

    def init(params):
        nu = _full_like(params, initial_scale)
        return ScaleByRmsWithCountState(_count0(), nu) if bias_correction else ScaleByRmsState(nu)

    @_device_update
    def update(updates, state, params=None):
        nu = _moment(updates, state.nu, decay, 2)
        if bias_correction:
            count = _safe_increment(state.count)
            nu_hat = _bias_correction(nu, decay, count)
            new = ScaleByRmsWithCountState(count, nu)
        else:
            nu_hat, new = nu, ScaleByRmsState(nu)
        return tree_map(lambda g, v: _rms_divide(g, v, eps, eps_in_sqrt), updates, nu_hat), new

    return GradientTransformation(init, update)


def scale_by_stddev(
    decay: float = 0.9,
    eps: float = 1e-8,
    initial_scale: float = 0.0,
    eps_in_sqrt: bool = True,
    bias_correction: bool = False,
) -> GradientTransformation:
    """Centred RMSProp's direction: ``g / sqrt(nu - mu**2 + eps)``, ``mu`` and ``nu`` the
    running means of ``g`` and ``g**2``.

    Example::

        opt = chain(scale_by_stddev(decay=0.99), scale(-1e-2))
    """

    def init(params):
        mu, nu = _zeros_like(params), _full_like(params, initial_scale)
        if bias_correction:
            return ScaleByRStdDevWithCountState(_count0(), mu, nu)
        return ScaleByRStdDevState(mu, nu)

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, decay, 1)
        nu = _moment(updates, state.nu, decay, 2)
        if bias_correction:
            count = _safe_increment(state.count)
            mu_hat = _bias_correction(mu, decay, count)
            nu_hat = _bias_correction(nu, decay, count)
            new = ScaleByRStdDevWithCountState(count, mu, nu)
        else:
            mu_hat, nu_hat, new = mu, nu, ScaleByRStdDevState(mu, nu)
        out = tree_map(
            lambda g, m, v: _rms_divide(g, v - _abs2(m), eps, eps_in_sqrt), updates, mu_hat, nu_hat
        )
        return out, new

    return GradientTransformation(init, update)


def scale_by_rss(
    initial_accumulator_value: float = 0.1, eps: float = 1e-7
) -> GradientTransformation:
    """Adagrad's direction ``g / sqrt(s + eps)``, ``s`` the sum of the squared gradients
    (``0`` where ``s`` is ``0``).

    Example::

        opt = chain(scale_by_rss(), scale(-0.1))
    """

    def init(params):
        return ScaleByRssState(_full_like(params, initial_accumulator_value))

    @_device_update
    def update(updates, state, params=None):
        s = tree_map(lambda g, a: _abs2(g) + a, updates, state.sum_of_squares)

        def step(g, a):
            positive = a > 0
            return gnp.where(positive, g / gnp.sqrt(gnp.where(positive, a, 1.0) + eps), 0.0)

        return tree_map(step, updates, s), ScaleByRssState(s)

    return GradientTransformation(init, update)


def scale_by_trust_ratio(
    min_norm: float = 0.0, trust_coefficient: float = 1.0, eps: float = 0.0
) -> GradientTransformation:
    """LAMB's layer-wise scaling: each leaf times ``trust_coefficient * |p| / (|u| + eps)``
    (1 where either norm is 0; norms below ``min_norm`` read as ``min_norm``).

    Example::

        opt = chain(scale_by_adam(), scale_by_trust_ratio(), scale(-1e-3))
    """

    def norm(x):
        n = gnp.sqrt(gnp.sum(_abs2(x)))
        if isinstance(min_norm, int | float) and min_norm == 0:
            return n
        return gnp.maximum(n, min_norm)  # an array too (inject_hyperparams)

    def fn(updates, params):
        _need_params("scale_by_trust_ratio", params)

        def leaf(u, p):
            pn, un = norm(p), norm(u)
            ratio = trust_coefficient * pn / gnp.where(un + eps == 0, 1.0, un + eps)
            return u * _cast(gnp.where((pn == 0) | (un == 0), 1.0, ratio), u.dtype)

        return tree_map(leaf, updates, params)

    return _stateless(fn)


def scale_by_lion(
    b1: float = 0.9, b2: float = 0.99, mu_dtype: Any = None
) -> GradientTransformation:
    """Lion's direction ``sign((1 - b1) * g + b1 * mu)``, then ``mu = (1 - b2) * g + b2 * mu``
    (Chen et al., 2023).

    Example::

        opt = chain(scale_by_lion(), scale(-1e-4))
    """

    def init(params):
        mu = tree_map(lambda p: gnp.zeros_like(p, dtype=mu_dtype), params)
        return ScaleByLionState(_count0(), mu)

    @_device_update
    def update(updates, state, params=None):
        out = tree_map(lambda g, m: gnp.sign((1 - b1) * g + b1 * m), updates, state.mu)
        mu = _moment(updates, state.mu, b2, 1)
        if mu_dtype is not None:
            mu = tree_map(lambda m: m.astype(mu_dtype), mu)
        return out, ScaleByLionState(_safe_increment(state.count), mu)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float = 0.0, mask: Any = None) -> GradientTransformation:
    """``updates + weight_decay * params`` (decoupled weight decay), only on the leaves
    ``mask`` selects when it is given (a pytree of bools or a function of the params).

    Example::

        opt = chain(scale_by_adam(), add_decayed_weights(1e-4), scale(-1e-3))
    """

    def fn(updates, params):
        _need_params("add_decayed_weights", params)
        return tree_map(lambda g, p: g + _cast(weight_decay, g.dtype) * p, updates, params)

    tx = _stateless(fn)
    if mask is not None:
        from ._wrappers import masked

        return masked(tx, mask)
    return tx


def clip(max_delta: float) -> GradientTransformation:
    """Clip every element of the updates to ``[-max_delta, max_delta]``.

    Example::

        opt = chain(clip(1.0), scale(-0.1))
    """
    return _stateless(lambda u, p: tree_map(lambda g: gnp.clip(g, -max_delta, max_delta), u))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Scale the updates by ``max_norm / global_norm(updates)`` when that norm is larger.

    Example::

        opt = chain(clip_by_global_norm(1.0), scale_by_adam(), scale(-1e-3))
    """

    def fn(updates, params):
        norm = global_norm(updates)
        keep = norm < max_norm
        factor = max_norm / gnp.where(keep, 1.0, norm)
        return tree_map(lambda g: gnp.where(keep, g, g * _cast(factor, g.dtype)), updates)

    return _stateless(fn)


def trace(
    decay: float, nesterov: bool = False, accumulator_dtype: Any = None
) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``, the updates become ``t`` (``g + decay * t`` with
    ``nesterov=True``).

    Example::

        opt = chain(trace(decay=0.9), scale(-0.1))
    """

    def init(params):
        return TraceState(tree_map(lambda p: gnp.zeros_like(p, dtype=accumulator_dtype), params))

    @_device_update
    def update(updates, state, params=None):
        new = tree_map(lambda g, t: g + decay * t, updates, state.trace)
        out = tree_map(lambda g, t: g + decay * t, updates, new) if nesterov else new
        if accumulator_dtype is not None:
            new = tree_map(lambda t: t.astype(accumulator_dtype), new)
        return out, TraceState(new)

    return GradientTransformation(init, update)


def ema(decay: float, debias: bool = True, accumulator_dtype: Any = None) -> GradientTransformation:
    """Exponential moving average of the updates, ``e = (1 - decay) * g + decay * e``,
    divided by ``1 - decay**count`` when ``debias``.

    Example::

        opt = chain(ema(0.9), scale(-0.1))
    """

    def init(params):
        zeros = tree_map(lambda p: gnp.zeros_like(p, dtype=accumulator_dtype), params)
        return EmaState(_count0(), zeros)

    @_device_update
    def update(updates, state, params=None):
        new = _moment(updates, state.ema, decay, 1)
        count = _safe_increment(state.count)
        out = _bias_correction(new, decay, count) if debias else new
        if accumulator_dtype is not None:
            new = tree_map(lambda t: t.astype(accumulator_dtype), new)
        return out, EmaState(count, new)

    return GradientTransformation(init, update)
