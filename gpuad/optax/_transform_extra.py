"""optax's smaller transformations: :func:`zero_nans`, :func:`centralize`,
:func:`keep_params_nonnegative`, :func:`scale_by_polyak`, and :func:`safe_norm`."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..tree import tree_leaves, tree_map
from ._base import (
    EmptyState,
    GradientTransformation,
    GradientTransformationExtraArgs,
    _cast,
    _need_params,
    _on_device,
)
from ._transform import _stateless


class ZeroNansState(NamedTuple):
    found_nan: Any


def zero_nans() -> GradientTransformation:
    """NaN updates replaced by 0; ``state.found_nan`` says, per leaf, whether the last
    update had one.

    Example::

        opt = chain(zero_nans(), adam(1e-3))
    """

    def init(params):
        return ZeroNansState(tree_map(lambda p: gnp.asarray(False), params))

    def update(updates, state, params=None):
        updates = _on_device(updates)
        found = tree_map(lambda g: gnp.asarray(gnp.any(gnp.isnan(g))), updates)
        return tree_map(lambda g: gnp.where(gnp.isnan(g), 0, g).astype(g.dtype), updates), (
            ZeroNansState(found)
        )

    return GradientTransformation(init, update)


def centralize() -> GradientTransformation:
    """Gradient centralisation (Yong et al., 2020): every leaf of two or more dimensions
    minus its mean over all but the first axis; vectors and scalars unchanged.

    Example::

        opt = chain(centralize(), sgd(0.1))
    """

    def leaf(g):
        if g.ndim < 2:
            return g
        return g - gnp.mean(g, axis=tuple(range(1, g.ndim)), keepdims=True)

    return _stateless(lambda u, p: tree_map(leaf, u))


def keep_params_nonnegative() -> GradientTransformation:
    """Updates that would take a parameter below 0 replaced by ``-param`` (the parameter
    lands on 0); it must come last in a chain.

    Example::

        opt = chain(sgd(0.1), keep_params_nonnegative())
    """

    def fn(updates, params):
        _need_params("keep_params_nonnegative", params)
        return tree_map(lambda u, p: gnp.where(p + u < 0, -p, u).astype(u.dtype), updates, params)

    return _stateless(fn)


def scale_by_polyak(
    f_min: float = 0.0, max_learning_rate: float = 1.0, eps: float = 0.0, variant: str = "sps"
) -> GradientTransformationExtraArgs:
    """The Polyak step size: the updates times ``min((value - f_min) / (|g|**2 + eps),
    max_learning_rate)`` (``max(value - f_min, 0)`` with ``variant="sps+"``), 0 where
    ``|g|**2 + eps`` is zero; ``update(..., value=loss)``.

    Example::

        opt = chain(scale_by_polyak(), scale(-1.0))
        opt.update(grads, opt.init(params), params, value=2.0)
    """
    if variant not in ("sps", "sps+"):
        raise ValueError(f"scale_by_polyak: variant must be 'sps' or 'sps+', got {variant!r}")

    def init(params):
        return EmptyState()

    def update(updates, state, params=None, *, value=None, **extra_args):
        if value is None:
            raise TypeError(
                "scale_by_polyak: update needs the loss, update(updates, state, params, value=loss)"
            )
        updates = _on_device(updates)
        sq = sum(gnp.sum(g * g) for g in tree_leaves(updates))
        gap = gnp.asarray(value) - f_min
        if variant == "sps+":
            gap = gnp.maximum(gap, 0.0)
        tiny = sq + eps <= _np.finfo(_np.float64).eps
        step = gnp.where(
            tiny, 0.0, gnp.minimum(gap / gnp.where(tiny, 1.0, sq + eps), max_learning_rate)
        )
        return tree_map(lambda g: _cast(step, g.dtype) * g, updates), state

    return GradientTransformationExtraArgs(init, update)


def safe_norm(
    x: Any, min_norm: float, ord: Any = None, axis: Any = None, keepdims: bool = False
) -> Any:
    """``max(norm(x), min_norm)`` whose gradient is 0 (not NaN) where the norm is at most
    ``min_norm``, a zero vector included.

    Example::

        gpuad.grad(lambda x: safe_norm(x, 0.0))(np.zeros(3))  # zeros, not NaN
    """
    norm = gnp.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    small = norm <= min_norm
    safe_x = gnp.where(small, gnp.ones_like(x), x)
    out = gnp.linalg.norm(safe_x, ord=ord, axis=axis, keepdims=keepdims)
    if not keepdims:
        small = gnp.reshape(small, gnp.shape(out))
    return gnp.where(small, min_norm, out)
