"""optax's wrappers that decide per step: :func:`apply_if_finite`, :class:`MultiSteps`
(gradient accumulation), :func:`conditionally_transform`, :func:`conditionally_mask`,
:func:`flatten` and the skip conditions. Each decision is a ``where`` over the whole new
state, not a Python branch, so a step traces once under ``gpuad.jit``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..flatten_util import ravel_pytree
from ..tree import tree_leaves, tree_map
from ._base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    _abs2,
    _count0,
    _on_device,
    _safe_increment,
    _zeros_like,
    with_extra_args_support,
)


def _select(pred: Any, a: Any, b: Any) -> Any:
    """``a`` where the scalar ``pred`` holds, else ``b``, leaf by leaf in ``b``'s dtypes."""

    def leaf(x, y):
        out = gnp.where(pred, x, y)
        dtype = getattr(y, "dtype", None)
        return out.astype(dtype) if dtype is not None and out.dtype != dtype else out

    return tree_map(leaf, a, b)


def _all_finite(tree: Any) -> Any:
    leaves = tree_leaves(tree)
    ok = gnp.asarray(True)
    for x in leaves:
        ok = ok & gnp.all(gnp.isfinite(x))
    return gnp.asarray(ok)  # a 0-d array, as the state's initial value (not a NumPy bool)


class ApplyIfFiniteState(NamedTuple):
    notfinite_count: Any
    last_finite: Any
    total_notfinite: Any
    inner_state: Any


def apply_if_finite(
    inner: GradientTransformation, max_consecutive_errors: int
) -> GradientTransformationExtraArgs:
    """Apply ``inner`` only when every update is finite; otherwise give zero updates and
    keep ``inner``'s state, unless more than ``max_consecutive_errors`` non-finite steps
    came in a row (then the step is applied, NaNs and all).

    Example::

        opt = apply_if_finite(adam(1e-3), max_consecutive_errors=5)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        # distinct arrays: a jitted step keys on which inputs are the same object
        return ApplyIfFiniteState(_count0(), gnp.asarray(True), _count0(), inner.init(params))

    def update(updates, state, params=None, **extra_args):
        updates, params = _on_device(updates), _on_device(params)
        finite = _all_finite(updates)
        count = gnp.where(finite, 0, _safe_increment(state.notfinite_count)).astype(_np.int32)
        apply = finite | (count > max_consecutive_errors)
        new, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
        out = _select(apply, new, _zeros_like(new))  # in the inner updates' dtypes
        inner_state = _select(apply, inner_state, state.inner_state)
        total = gnp.where(finite, state.total_notfinite, _safe_increment(state.total_notfinite))
        return out, ApplyIfFiniteState(count, finite, total.astype(_np.int32), inner_state)

    return GradientTransformationExtraArgs(init, update)


def skip_not_finite(updates: Any, gradient_step: Any, params: Any) -> tuple[Any, tuple]:
    """A ``should_skip_update_fn`` for :class:`MultiSteps`: skip when any update is NaN or
    infinite; ``(should_skip, {"should_skip", "num_not_finite"})``.

    Example::

        MultiSteps(adam(1e-3), every_k_schedule=4, should_skip_update_fn=skip_not_finite)
    """
    del gradient_step, params
    leaves = tree_leaves(_on_device(updates))
    bad = sum(gnp.sum(~gnp.isfinite(x)).astype(_np.int32) for x in leaves)
    bad = gnp.asarray(bad, dtype=_np.int32)
    skip = gnp.asarray(bad > 0)
    return skip, {"should_skip": skip, "num_not_finite": bad}


def skip_large_updates(
    updates: Any, gradient_step: Any, params: Any, max_squared_norm: float
) -> tuple[Any, dict]:
    """A ``should_skip_update_fn`` for :class:`MultiSteps` (bind ``max_squared_norm`` with
    ``functools.partial``): skip when the squared global norm exceeds it or is NaN;
    ``(should_skip, {"should_skip", "norm_squared"})``.

    Example::

        skip = lambda g, step, p: skip_large_updates(g, step, p, max_squared_norm=100.0)
        opt = MultiSteps(adam(1e-3), every_k_schedule=4, should_skip_update_fn=skip)
    """
    del gradient_step, params
    leaves = tree_leaves(_on_device(updates))
    norm_sq = sum(gnp.sum(_abs2(x)) for x in leaves) if leaves else gnp.zeros(())
    norm_sq = gnp.asarray(norm_sq)
    skip = gnp.asarray(gnp.isnan(norm_sq) | (norm_sq > max_squared_norm))
    return skip, {"should_skip": skip, "norm_squared": norm_sq}


class MultiStepsState(NamedTuple):
    mini_step: Any
    gradient_step: Any
    inner_opt_state: Any
    acc_grads: Any
    skip_state: Any = ()


class MultiSteps:
    """Gradient accumulation: ``update`` averages (``use_grad_mean``) or sums the gradients
    of ``every_k_schedule`` calls and hands the result to ``opt`` at the last of them, giving
    zero updates at the others. ``every_k_schedule`` is an int or a function of the number
    of inner steps taken; ``should_skip_update_fn(updates, gradient_step, params)`` may drop
    a mini-step altogether (see :func:`skip_not_finite`).

    Example::

        opt = MultiSteps(adam(1e-3), every_k_schedule=4)
        state = opt.init(params)
        updates, state = opt.update(grads, state, params)
        opt.has_updated(state)
    """

    def __init__(
        self,
        opt: GradientTransformation,
        every_k_schedule: int | Callable[[Any], Any],
        use_grad_mean: bool = True,
        should_skip_update_fn: Callable | None = None,
    ) -> None:
        self._opt = with_extra_args_support(opt)
        if isinstance(every_k_schedule, int):
            if every_k_schedule < 1:
                raise ValueError(
                    f"MultiSteps: every_k_schedule must be at least 1, got {every_k_schedule}"
                )
            k = every_k_schedule
            every_k_schedule = lambda step: k  # noqa: E731
        self._every_k_schedule = every_k_schedule
        self._use_grad_mean = use_grad_mean
        self._should_skip_update_fn = should_skip_update_fn

    @property
    def inner_opt(self) -> GradientTransformation:
        return self._opt

    def init(self, params: Any) -> MultiStepsState:
        params = _on_device(params)
        skip_state = ()
        if self._should_skip_update_fn is not None:
            skip_state = self._should_skip_update_fn(_zeros_like(params), _count0(), params)[1]
        return MultiStepsState(
            _count0(), _count0(), self._opt.init(params), _zeros_like(params), skip_state
        )

    def update(self, updates: Any, state: MultiStepsState, params: Any = None, **extra_args):
        updates, params = _on_device(updates), _on_device(params)
        k = self._every_k_schedule(state.gradient_step)
        skip, skip_state = False, ()
        if self._should_skip_update_fn is not None:
            skip, skip_state = self._should_skip_update_fn(updates, state.gradient_step, params)

        if self._use_grad_mean:
            n = (state.mini_step + 1).astype(_np.int32)
            acc = tree_map(
                lambda a, g: a + (g - a) / gnp.asarray(n).astype(a.dtype), state.acc_grads, updates
            )
        else:
            acc = tree_map(lambda a, g: a + g, state.acc_grads, updates)
        last = state.mini_step >= k - 1
        final, inner_state = self._opt.update(acc, state.inner_opt_state, params, **extra_args)

        zeros = _zeros_like(final)  # the inner optimizer's dtypes at every mini-step
        out = _select(last, final, zeros)
        new_state = MultiStepsState(
            gnp.where(last, 0, _safe_increment(state.mini_step)).astype(_np.int32),
            gnp.where(last, _safe_increment(state.gradient_step), state.gradient_step).astype(
                _np.int32
            ),
            _select(last, inner_state, state.inner_opt_state),
            _select(last, _zeros_like(acc), acc),
            skip_state,
        )
        if self._should_skip_update_fn is not None:
            kept = MultiStepsState(
                state.mini_step,
                state.gradient_step,
                state.inner_opt_state,
                state.acc_grads,
                skip_state,
            )
            out = _select(skip, zeros, out)
            new_state = _select(skip, kept, new_state)
        return out, new_state

    def has_updated(self, state: MultiStepsState) -> Any:
        """Whether the last ``update`` handed the accumulated gradients to the inner
        optimizer."""
        return (state.mini_step == 0) & (state.gradient_step > 0)

    def gradient_transformation(self) -> GradientTransformationExtraArgs:
        return GradientTransformationExtraArgs(self.init, self.update)


class ConditionallyTransformState(NamedTuple):
    inner_state: Any
    step: Any


class ConditionallyMaskState(NamedTuple):
    step: Any
    inner_state: Any


def _condition(fn: Callable, step: Any, forward: bool, extra_args: dict) -> Any:
    return fn(step, **extra_args) if forward else fn(step)


def conditionally_transform(
    inner: GradientTransformation, should_transform_fn: Callable, forward_extra_args: bool = False
) -> GradientTransformationExtraArgs:
    """Apply ``inner`` at the steps where ``should_transform_fn(step)`` is true (``step``
    counting this wrapper's calls from 0); elsewhere pass the updates and ``inner``'s state
    through unchanged.

    Example::

        opt = conditionally_transform(scale(-0.1), lambda step: step % 2 == 0)
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyTransformState(inner.init(params), _count0())

    def update(updates, state, params=None, **extra_args):
        updates, params = _on_device(updates), _on_device(params)
        go = _condition(should_transform_fn, state.step, forward_extra_args, extra_args)
        new, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
        return _select(go, new, updates), ConditionallyTransformState(
            _select(go, inner_state, state.inner_state), _safe_increment(state.step)
        )

    return GradientTransformationExtraArgs(init, update)


def conditionally_mask(
    inner: GradientTransformation, should_transform_fn: Callable, forward_extra_args: bool = False
) -> GradientTransformationExtraArgs:
    """Apply ``inner`` where ``should_transform_fn(step)`` is true; elsewhere give zero
    updates and keep ``inner``'s state.

    Example::

        opt = conditionally_mask(sgd(0.1), lambda step: step >= 100)  # frozen at first
    """
    inner = with_extra_args_support(inner)

    def init(params):
        return ConditionallyMaskState(_count0(), inner.init(params))

    def update(updates, state, params=None, **extra_args):
        updates, params = _on_device(updates), _on_device(params)
        go = _condition(should_transform_fn, state.step, forward_extra_args, extra_args)
        new, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
        return _select(go, new, _zeros_like(new)), ConditionallyMaskState(
            _safe_increment(state.step), _select(go, inner_state, state.inner_state)
        )

    return GradientTransformationExtraArgs(init, update)


def flatten(inner: GradientTransformation) -> GradientTransformationExtraArgs:
    """Run ``inner`` on one vector holding every leaf (fewer, larger operations); the
    updates come back in the params' tree.

    Example::

        opt = flatten(adam(1e-3))
    """
    inner = with_extra_args_support(inner)

    def ravel(tree):
        return None if tree is None else ravel_pytree(tree)[0]

    def init(params):
        return inner.init(ravel(_on_device(params)))

    def update(updates, state, params=None, **extra_args):
        flat, unravel = ravel_pytree(_on_device(updates))
        new, state = inner.update(flat, state, ravel(_on_device(params)), **extra_args)
        return unravel(new), state

    return GradientTransformationExtraArgs(init, update)


def named_chain(*transforms: tuple[str, GradientTransformation]) -> GradientTransformationExtraArgs:
    """:func:`chain` of ``(name, transformation)`` pairs whose state is a dict by name.

    Example::

        opt = named_chain(("clip", clip_by_global_norm(1.0)), ("adam", adam(1e-3)))
        opt.init(params)["adam"]
    """
    names = [name for name, _ in transforms]
    if len(set(names)) != len(names):
        raise ValueError(f"named_chain: the names must differ, got {names}")
    members = [(name, with_extra_args_support(t)) for name, t in transforms]

    def init(params):
        return {name: t.init(params) for name, t in members}

    def update(updates, state, params=None, **extra_args):
        new = {}
        for name, t in members:
            updates, new[name] = t.update(updates, state[name], params, **extra_args)
        return updates, new

    return GradientTransformationExtraArgs(init, update)


def init_empty_state(params: Any) -> Any:
    """The ``init`` of a transformation without state.

    Example::

        GradientTransformation(init_empty_state, lambda u, s, p=None: (u, s))
    """
    from ._base import EmptyState

    del params
    return EmptyState()
