"""The shape of an optax optimizer: a pair of pure functions, ``init(params) -> state`` and
``update(updates, state, params) -> (updates, state)``, their composition and the helpers the
transformations share. States are NamedTuples of arrays, so they are pytrees."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..backends import get_backend
from ..tensor import Tensor
from ..tree import tree_leaves, tree_map

Params = Any
Updates = Any
OptState = Any
Schedule = Callable[[Any], Any]
ScalarOrSchedule = float | Schedule


class GradientTransformation(NamedTuple):
    """``init(params)`` gives the first state; ``update(updates, state, params=None)`` gives
    the transformed updates and the next state.

    Example::

        opt = gpuad.optax.adam(1e-3)
        state = opt.init(params)
        updates, state = opt.update(grads, state, params)
        params = gpuad.optax.apply_updates(params, updates)
    """

    init: Callable[[Params], OptState]
    update: Callable[..., tuple[Updates, OptState]]


class GradientTransformationExtraArgs(GradientTransformation):
    """A :class:`GradientTransformation` whose ``update`` takes extra keyword arguments
    (``update(updates, state, params=None, **extra_args)``, such as a loss ``value``);
    :func:`chain` returns one and passes them to each member that takes them.

    Example::

        def update(updates, state, params=None, *, value, **extra_args):
            return tree_map(lambda g: g * value, updates), state

        tx = GradientTransformationExtraArgs(lambda params: EmptyState(), update)
        opt = chain(tx, scale(-0.1))
        opt.update(grads, opt.init(params), params, value=loss)
    """


def with_extra_args_support(tx: GradientTransformation) -> GradientTransformationExtraArgs:
    """``tx`` with an ``update`` that accepts (and ignores) extra keyword arguments; a
    :class:`GradientTransformationExtraArgs` as it is.

    Example::

        opt = with_extra_args_support(scale(-0.1))
        opt.update(grads, opt.init(params), params, value=loss)
    """
    if isinstance(tx, GradientTransformationExtraArgs):
        return tx

    def update(updates: Updates, state: OptState, params: Params = None, **extra_args: Any):
        return tx.update(updates, state, params)

    return GradientTransformationExtraArgs(tx.init, update)


class EmptyState(NamedTuple):
    """The state of a transformation that keeps none."""


def _count0() -> Any:
    return gnp.zeros((), dtype=_np.int32)


def _safe_increment(count: Any) -> Any:
    """``count + 1``, saturating at the largest int32 instead of wrapping round."""
    top = _np.iinfo(_np.int32).max
    return gnp.where(count < top, count + 1, top).astype(_np.int32)


def _cast(x: Any, dtype: Any) -> Any:
    """A Python number as it is (it takes the other operand's dtype); an array cast."""
    if type(x) in (int, float):  # not NumPy's float64, a subclass of float
        return x
    return x.astype(dtype) if hasattr(x, "astype") else gnp.asarray(x, dtype=dtype)


def _bias_correction(moment: Any, decay: Any, count: Any) -> Any:
    """``moment / (1 - decay**count)`` for every leaf, in the leaf's dtype."""
    corr = 1 - decay**count
    return tree_map(lambda m: m / _cast(corr, m.dtype), moment)


def _moment(updates: Any, moments: Any, decay: Any, order: int) -> Any:
    """``(1 - decay) * g + decay * m`` (order 1) or ``(1 - decay) * |g|**2 + decay * m``
    (order 2: the squared modulus, real for a complex ``g``, as optax's) for every leaf."""

    def leaf(g: Any, m: Any) -> Any:
        d = _cast(decay, m.dtype)
        return (1 - d) * (g if order == 1 else _abs2(g)) + d * m

    return tree_map(leaf, updates, moments)


def _on_device(tree: Any) -> Any:
    """``tree`` with its host leaves (NumPy arrays, numbers) on the active backend, as JAX
    puts them on its device; Tensors and the backend's arrays as they are."""
    be = get_backend()
    if be.name == "numpy" or tree is None:
        return tree
    kinds = (Tensor, be.array_type)
    return tree_map(lambda x: x if isinstance(x, kinds) else be.asarray(x), tree)


def _device_update(update: Callable) -> Callable:
    """An ``update(updates, state, params)`` that first puts host leaves on the device."""

    @functools.wraps(update)
    def run(updates: Updates, state: OptState, params: Params = None):
        return update(_on_device(updates), state, _on_device(params))

    return run


def _zeros_like(tree: Any) -> Any:
    return tree_map(gnp.zeros_like, tree)


def _need_params(name: str, params: Any) -> None:
    if params is None:
        raise ValueError(
            f"{name}: this transformation needs the parameters; call "
            f"update(updates, state, params) with them"
        )


def identity() -> GradientTransformation:
    """Leaves the updates as they are.

    Example::

        updates, state = identity().update(grads, identity().init(params))
    """
    return GradientTransformation(lambda params: EmptyState(), lambda u, s, p=None: (u, s))


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` one after the other; the state is the tuple of their states.

    Example::

        opt = chain(clip_by_global_norm(1.0), scale_by_adam(), scale(-1e-3))
    """
    for k, t in enumerate(transforms):
        if not (hasattr(t, "init") and hasattr(t, "update")):
            raise TypeError(
                f"chain: argument {k} is a {type(t).__name__}, not a GradientTransformation"
            )

    def init(params: Params) -> tuple:
        return tuple(t.init(params) for t in transforms)

    # as optax's: always a GradientTransformationExtraArgs, whose extra arguments reach the
    # members that take them
    members = [with_extra_args_support(t) for t in transforms]

    def update(updates: Updates, state: tuple, params: Params = None, **extra_args: Any):
        if len(state) != len(transforms):
            raise ValueError(
                f"chain: the state holds {len(state)} states for {len(transforms)} "
                f"transformations; pass the state this chain's init returned"
            )
        new = []
        for t, s in zip(members, state, strict=True):
            updates, s = t.update(updates, s, params, **extra_args)
            new.append(s)
        return updates, tuple(new)

    return GradientTransformationExtraArgs(init, update)


def apply_updates(params: Params, updates: Updates) -> Params:
    """``params + updates`` leaf by leaf, in the parameters' dtypes (a new pytree).

    Example::

        params = apply_updates(params, updates)
    """

    def add(p: Any, u: Any) -> Any:
        out = p + u
        dtype = getattr(p, "dtype", None)
        return out.astype(dtype) if dtype is not None and out.dtype != dtype else out

    return tree_map(add, _on_device(params), _on_device(updates))


def global_norm(updates: Updates) -> Any:
    """The Euclidean norm of all the leaves together.

    Example::

        global_norm({"a": np.array([3.0]), "b": np.array([4.0])})  # 5.0
    """
    leaves = tree_leaves(_on_device(updates))
    if not leaves:
        return gnp.zeros(())
    return gnp.sqrt(sum(gnp.sum(_abs2(x)) for x in leaves))


def _abs2(x: Any) -> Any:
    return gnp.real(x * gnp.conj(x)) if _np.dtype(x.dtype).kind == "c" else x * x
