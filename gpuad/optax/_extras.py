"""optax's smaller helpers: the zero and stateless transformations, target-network updates,
gradient scaling, ``apply_every``, the Lookahead wrapper, two numerics helpers and DP-SGD's
aggregation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from .._numpy_protocol import stop_gradient
from ..tree import tree_map
from ._base import (
    EmptyState,
    GradientTransformation,
    _count0,
    _device_update,
    _need_params,
    _safe_increment,
    _zeros_like,
    chain,
)


def set_to_zero() -> GradientTransformation:
    """Replace every update by zeros of its shape and dtype: with :func:`multi_transform`,
    the way to freeze a part of the parameters.

    Example::

        from gpuad.optax import adam, multi_transform
        labels = {"w": "train", "b": "frozen"}
        opt = multi_transform({"train": adam(1e-3), "frozen": set_to_zero()}, labels)
        updates, state = opt.update(grads, opt.init(params), params)  # updates["b"] == 0
    """
    update = _device_update(lambda u, s, p=None: (_zeros_like(u), s))
    return GradientTransformation(lambda params: EmptyState(), update)


def stateless(f: Callable[[Any, Any], Any]) -> GradientTransformation:
    """A transformation without state from ``f(updates, params) -> updates`` (``params`` is
    ``None`` when ``update`` is called without them).

    Example::

        @stateless
        def decay(updates, params):
            return gpuad.tree_map(lambda g, p: g + 0.1 * p, updates, params)

        new_updates, _ = decay.update(grads, decay.init(params), params)
    """
    update = _device_update(lambda u, s, p=None: (f(u, p), s))
    return GradientTransformation(lambda params: EmptyState(), update)


def stateless_with_tree_map(f: Callable[[Any, Any], Any]) -> GradientTransformation:
    """:func:`stateless` of ``f(update_leaf, param_leaf)`` applied leaf by leaf (with
    ``None`` for the parameter when ``update`` is called without them).

    Example::

        opt = stateless_with_tree_map(lambda g, p: g + 0.1 * p)
        new_updates, _ = opt.update(grads, opt.init(params), params)
    """

    def fn(updates: Any, params: Any) -> Any:
        if params is None:
            return tree_map(lambda g: f(g, None), updates)
        return tree_map(f, updates, params)

    return stateless(fn)


def incremental_update(new_tensors: Any, old_tensors: Any, step_size: Any) -> Any:
    """``step_size * new + (1 - step_size) * old`` leaf by leaf: a Polyak average, as for
    the target network of a Q-learner.

    Example::

        online, target = {"w": np.ones(3)}, {"w": np.zeros(3)}
        target = incremental_update(online, target, 0.005)  # {"w": 0.005 * ones}
    """
    return tree_map(lambda n, o: step_size * n + (1.0 - step_size) * o, new_tensors, old_tensors)


def periodic_update(new_tensors: Any, old_tensors: Any, steps: Any, update_period: int) -> Any:
    """``new_tensors`` when ``steps`` is a multiple of ``update_period``, else ``old_tensors``
    (a ``where`` over the leaves when ``steps`` is an array, so a jitted step traces once).

    Example::

        online, target = {"w": np.ones(3)}, {"w": np.zeros(3)}
        target = periodic_update(online, target, 200, 100)  # online: 200 is a multiple
    """
    if isinstance(steps, int | _np.integer):
        return new_tensors if steps % update_period == 0 else old_tensors
    take = gnp.asarray(steps) % update_period == 0
    return tree_map(lambda n, o: gnp.where(take, n, o), new_tensors, old_tensors)


def scale_gradient(inputs: Any, scale: float) -> Any:
    """``inputs`` as they are, whose gradient is multiplied by ``scale`` on the way back
    (``0`` stops it, as ``stop_gradient``).

    Example::

        gpuad.grad(lambda x: gnp.sum(scale_gradient(x, 0.1) ** 2))(b)  # 0.1 * 2 * b
    """
    if scale == 1:
        return inputs
    if scale == 0:
        return tree_map(stop_gradient, inputs)

    def leaf(x: Any) -> Any:
        held = stop_gradient(x)
        return held + scale * (x - held)

    return tree_map(leaf, inputs)


def safe_int32_increment(count: Any) -> Any:
    """``count + 1`` for an int32 count, saturating at the largest int32 (no wrap round).

    Example::

        safe_int32_increment(np.int32(2**31 - 1))  # 2**31 - 1
    """
    dtype = getattr(count, "dtype", None)
    if dtype is None or _np.dtype(dtype) != _np.int32:
        raise TypeError(f"safe_int32_increment: takes an int32 count, got dtype {dtype}")
    return _safe_increment(count)


def safe_root_mean_squares(x: Any, min_rms: float) -> Any:
    """``max(sqrt(mean(x**2)), min_rms)`` whose gradient is 0 (not NaN) where the root mean
    square is at most ``min_rms``.

    Example::

        gpuad.grad(lambda x: safe_root_mean_squares(x, 0.0))(np.zeros(3))  # zeros
    """
    rms = gnp.sqrt(gnp.mean(gnp.square(x)))
    safe_x = gnp.where(rms <= min_rms, gnp.ones_like(x), x)
    return gnp.maximum(gnp.sqrt(gnp.mean(gnp.square(safe_x))), min_rms)


class ApplyEvery(NamedTuple):
    """:func:`apply_every`'s state: the step count modulo ``k`` and the running sum."""

    count: Any
    grad_acc: Any


def apply_every(k: int = 1) -> GradientTransformation:
    """Sum the updates of ``k`` steps and let the sum through every ``k``-th step (zeros
    between); :class:`MultiSteps` is the wrapper optax recommends instead.

    Example::

        from gpuad.optax import chain, sgd
        opt = chain(apply_every(4), sgd(1e-2))
        updates, state = opt.update(grads, opt.init(params))  # zeros for 3 steps of 4
    """

    def init(params):
        return ApplyEvery(_count0(), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        c = state.count % k
        keep = c != 0
        acc = tree_map(
            lambda g, a: gnp.where(keep, a, 0).astype(a.dtype) + g, updates, state.grad_acc
        )
        emit = c == k - 1
        out = tree_map(lambda a: gnp.where(emit, a, 0).astype(a.dtype), acc)
        return out, ApplyEvery(_safe_increment(state.count) % k, acc)

    return GradientTransformation(init, update)


class LookaheadState(NamedTuple):
    """:func:`lookahead`'s state: the fast optimizer's and the steps since the last sync."""

    fast_state: Any
    steps_since_sync: Any


class LookaheadParams(NamedTuple):
    """The two copies of the parameters :func:`lookahead` works on."""

    fast: Any
    slow: Any

    @classmethod
    def init_synced(cls, params: Any) -> LookaheadParams:
        """Both copies equal to ``params``."""
        return cls(params, params)


def lookahead(
    fast_optimizer: GradientTransformation,
    sync_period: int,
    slow_step_size: float,
    reset_state: bool = False,
) -> GradientTransformation:
    """Lookahead (Zhang et al.): ``fast_optimizer`` steps the fast weights; every
    ``sync_period`` steps the slow weights move ``slow_step_size`` of the way to them and the
    fast weights restart there. Parameters and updates are :class:`LookaheadParams`.

    Example::

        from gpuad.optax import adam, apply_updates
        opt = lookahead(adam(1e-3), sync_period=5, slow_step_size=0.5)
        params = LookaheadParams.init_synced(params)
        state = opt.init(params)
        updates, state = opt.update(grads, state, params)
        params = apply_updates(params, updates)
    """
    if sync_period < 1:
        raise ValueError(f"lookahead: sync_period must be at least 1, got {sync_period}")

    def fast_of(params: Any, what: str) -> Any:
        if not isinstance(params, LookaheadParams):
            raise ValueError(
                f"lookahead: {what} takes LookaheadParams(fast, slow), got "
                f"{type(params).__name__}; wrap the parameters with "
                f"LookaheadParams.init_synced(params)"
            )
        return params.fast

    def init(params):
        return LookaheadState(fast_optimizer.init(fast_of(params, "init")), _count0())

    def update(updates, state, params=None):
        _need_params("lookahead", params)
        fast = fast_of(params, "update")
        updates, fast_state = fast_optimizer.update(updates, state.fast_state, fast)
        sync = state.steps_since_sync == sync_period - 1
        diff = tree_map(lambda f, u, s: f + u - s, fast, updates, params.slow)
        slow_up = tree_map(lambda d: gnp.where(sync, slow_step_size * d, 0).astype(d.dtype), diff)
        fast_up = tree_map(
            lambda u, su, d: gnp.where(sync, su + u - d, u).astype(u.dtype), updates, slow_up, diff
        )
        if reset_state:
            fresh = fast_optimizer.init(fast)
            fast_state = tree_map(lambda cur, new: gnp.where(sync, new, cur), fast_state, fresh)
        steps = (state.steps_since_sync + 1) % sync_period
        return LookaheadParams(fast_up, slow_up), LookaheadState(fast_state, steps)

    return GradientTransformation(init, update)


class DifferentiallyPrivateAggregateState(NamedTuple):
    """:func:`differentially_private_aggregate`'s state: the random key of the next draw."""

    rng_key: Any


def differentially_private_aggregate(
    l2_norm_clip: float, noise_multiplier: float, seed: Any = 0
) -> GradientTransformation:
    """DP-SGD's aggregation (Abadi et al.): per-example gradients (the examples on axis 0 of
    every leaf) each clipped to a global norm of ``l2_norm_clip``, summed, Gaussian noise of
    standard deviation ``l2_norm_clip * noise_multiplier`` added, divided by the batch size.
    ``seed`` is an int or a ``gpuad.random`` key (the draws differ from JAX's).

    Example::

        per_example = {"w": np.ones((8, 3))}
        tx = differentially_private_aggregate(1.0, 1.1, seed=0)
        mean_grad, state = tx.update(per_example, tx.init(None))
    """
    from .. import random as _random
    from ..tree import tree_flatten, tree_unflatten
    from ._transform_extra import per_example_global_norm_clip
    from ._transform_more import _noise

    noise_std = l2_norm_clip * noise_multiplier

    def init(params):
        key = _random.PRNGKey(seed) if isinstance(seed, int | _np.integer) else seed
        return DifferentiallyPrivateAggregateState(key)

    @_device_update
    def update(updates, state, params=None):
        leaves, tdef = tree_flatten(updates)
        clipped, _ = per_example_global_norm_clip(leaves, l2_norm_clip)
        batch = leaves[0].shape[0]
        keys = _random.split(state.rng_key, len(leaves) + 1)
        noised = [(g + noise_std * _noise(keys[i + 1], g)) / batch for i, g in enumerate(clipped)]
        return tree_unflatten(tdef, noised), DifferentiallyPrivateAggregateState(keys[0])

    return GradientTransformation(init, update)


def dpsgd(
    learning_rate: Any,
    l2_norm_clip: float,
    noise_multiplier: float,
    seed: Any = 0,
    momentum: float | None = None,
    nesterov: bool = False,
) -> GradientTransformation:
    """DP-SGD: :func:`differentially_private_aggregate` of per-example gradients, then SGD
    (with optional momentum). ``update`` takes the per-example gradients.

    Example::

        opt = dpsgd(0.1, l2_norm_clip=1.0, noise_multiplier=1.1, seed=0)
        params = {"w": np.zeros(3)}
        updates, state = opt.update({"w": np.ones((8, 3))}, opt.init(params), params)
    """
    from ._alias import sgd

    return chain(
        differentially_private_aggregate(l2_norm_clip, noise_multiplier, seed),
        sgd(learning_rate, momentum, nesterov),
    )
