"""Transformations of transformations: :func:`masked`, :func:`multi_transform` and
:func:`inject_hyperparams`, with optax's semantics."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Mapping
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..tree import tree_leaves, tree_map
from ._base import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    _count0,
    _safe_increment,
    with_extra_args_support,
)


class MaskedNode(NamedTuple):
    """Stands for a leaf (or subtree) a mask leaves out: a pytree with no leaves."""


class MaskedState(NamedTuple):
    inner_state: Any


class MultiTransformState(NamedTuple):
    inner_states: Any


class InjectHyperparamsState(NamedTuple):
    count: Any
    hyperparams: dict
    inner_state: Any


def _mask_out(mask: Any, tree: Any) -> Any:
    """``tree`` with every subtree whose mask leaf is false replaced by :class:`MaskedNode`."""
    return tree_map(lambda keep, sub: sub if keep else MaskedNode(), mask, tree)


def masked(inner: GradientTransformation, mask: Any) -> GradientTransformation:
    """Apply ``inner`` only to the leaves ``mask`` selects (a pytree of bools, a prefix of
    the params' tree, or a function of the params giving one); the others pass unchanged.

    Example::

        no_bias = lambda p: {k: k != "b" for k in p}
        opt = chain(masked(add_decayed_weights(1e-4), no_bias), scale(-0.1))
    """

    def mask_of(tree: Any) -> Any:
        return mask(tree) if callable(mask) else mask

    inner = with_extra_args_support(inner)

    def init(params):
        return MaskedState(inner.init(_mask_out(mask_of(params), params)))

    def update(updates, state, params=None, **extra_args):
        m = mask_of(updates if params is None else params)
        inner_params = None if params is None else _mask_out(m, params)
        new, inner_state = inner.update(
            _mask_out(m, updates), state.inner_state, inner_params, **extra_args
        )
        out = tree_map(lambda keep, n, old: n if keep else old, m, new, updates)
        return out, MaskedState(inner_state)

    return GradientTransformationExtraArgs(init, update)


def multi_transform(
    transforms: Mapping[Hashable, GradientTransformation], param_labels: Any
) -> GradientTransformation:
    """A different transformation for each group of leaves: ``param_labels`` (a pytree of
    labels like the params, or a function of the params giving one) names each leaf's key in
    ``transforms``.

    Example::

        opt = multi_transform({"adam": adam(1e-3), "sgd": sgd(1e-2)},
                              {"w": "adam", "b": "sgd"})
    """

    def masks(tree: Any) -> dict:
        labels = param_labels(tree) if callable(param_labels) else param_labels
        missing = set(tree_leaves(labels)) - set(transforms)
        if missing:
            raise ValueError(
                f"multi_transform: labels {sorted(map(str, missing))} have no transformation; "
                f"add them to the transforms' keys {sorted(map(str, transforms))}"
            )
        return {k: tree_map(lambda label, k=k: label == k, labels) for k in transforms}

    def init(params):
        m = masks(params)
        return MultiTransformState({k: masked(t, m[k]).init(params) for k, t in transforms.items()})

    def update(updates, state, params=None, **extra_args):
        m = masks(updates if params is None else params)
        new = {}
        for k, t in transforms.items():
            updates, new[k] = masked(t, m[k]).update(
                updates, state.inner_states[k], params, **extra_args
            )
        return updates, MultiTransformState(new)

    return GradientTransformationExtraArgs(init, update)


def _float_dtype(tree: Any) -> Any:
    """The dtype of the first floating-point leaf of ``tree`` (float64 if none)."""
    for x in tree_leaves(tree):
        dtype = _np.dtype(getattr(x, "dtype", _np.float64))
        if dtype.kind == "f":
            return dtype
    return _np.dtype(_np.float64)


def inject_hyperparams(
    inner_factory: Callable[..., GradientTransformation],
    static_args: str | tuple = (),
    hyperparam_dtype: Any = None,
) -> Callable[..., GradientTransformation]:
    """Wrap an optimizer factory so that its numeric arguments (and schedules, evaluated at
    the step count) live in the state, ``state.hyperparams[name]``, where they can be read
    or changed between steps.

    Example::

        opt = inject_hyperparams(adam)(learning_rate=1e-3)
        state = opt.init(params)
        state.hyperparams["learning_rate"] = 1e-4
    """
    static = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)
    if not static <= set(signature.parameters):
        raise ValueError(
            f"inject_hyperparams: static_args {sorted(static)} must name parameters of "
            f"{getattr(inner_factory, '__name__', inner_factory)!s}, which takes "
            f"{list(signature.parameters)}"
        )

    def as_array(v: Any, tree: Any) -> Any:
        """A hyperparameter as an array; a float one in the leaves' float dtype."""
        a = gnp.asarray(v)
        if _np.dtype(a.dtype).kind != "f":
            return a
        return a.astype(hyperparam_dtype or _float_dtype(tree))

    @functools.wraps(inner_factory)
    def factory(*args: Any, **kwargs: Any) -> GradientTransformation:
        bound_args = signature.bind(*args, **kwargs)
        bound_args.apply_defaults()  # as optax: the defaults are hyperparameters too
        bound = bound_args.arguments
        other, schedules, numeric = {}, {}, {}
        for name, value in bound.items():
            if name in static or isinstance(value, bool | type | _np.dtype):  # a dtype: static
                other[name] = value
            elif callable(value):
                schedules[name] = value
            elif isinstance(value, int | float | _np.ndarray | _np.generic) or hasattr(
                value, "__array__"
            ):
                numeric[name] = value
            else:
                other[name] = value

        def evaluated(count: Any, tree: Any) -> dict:
            return {k: as_array(f(count), tree) for k, f in schedules.items()}

        def init(params):
            count = _count0()
            hyper = {k: as_array(v, params) for k, v in numeric.items()}
            hyper |= evaluated(count, params)
            inner = inner_factory(**other, **hyper)
            return InjectHyperparamsState(count, hyper, inner.init(params))

        def update(updates, state, params=None, **extra_args):
            hyper = {k: as_array(v, updates) for k, v in state.hyperparams.items()}
            hyper |= evaluated(state.count, updates)
            inner = with_extra_args_support(inner_factory(**other, **hyper))
            updates, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
            return updates, InjectHyperparamsState(_safe_increment(state.count), hyper, inner_state)

        return GradientTransformationExtraArgs(init, update)

    return factory
