"""optax's smaller transformations (:func:`zero_nans`, :func:`centralize`,
:func:`keep_params_nonnegative`, :func:`scale_by_polyak`, adaptive clipping), L-BFGS with a
backtracking line search, and :func:`safe_norm`."""

from __future__ import annotations

import functools
import inspect
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..tree import tree_leaves, tree_map
from ._base import (
    EmptyState,
    GradientTransformation,
    GradientTransformationExtraArgs,
    _abs2,
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
        sq = sum(gnp.sum(_abs2(g)) for g in tree_leaves(updates))
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


def unitwise_norm(x: Any, axis: Any = None) -> Any:
    """The norm of each unit of ``x``, broadcast to ``x``'s shape: of the whole array for
    scalars and vectors, over axis 0 for 2-D and 3-D weights (IO), over all but the last
    axis for 4-D and 5-D convolution kernels (HWIO, HWDIO); over ``axis`` when given.

    Example::

        unitwise_norm(np.array([[3.0, 0.0], [4.0, 1.0]]))  # [[5., 1.], [5., 1.]]
    """
    sq = x * gnp.conj(x) if _np.dtype(x.dtype).kind == "c" else x * x
    if axis is None:
        squeezed = sum(1 for s in x.shape if s != 1)
        if squeezed <= 1:
            axis = tuple(range(x.ndim))
        elif x.ndim in (2, 3):
            axis = 0
        elif x.ndim in (4, 5):
            axis = tuple(range(x.ndim - 1))
        else:
            raise ValueError(
                f"unitwise_norm: no default units for an array of shape {tuple(x.shape)}; "
                f"pass axis="
            )
    norm = gnp.sqrt(gnp.real(gnp.sum(sq, axis=axis, keepdims=True)))
    return gnp.broadcast_to(norm, x.shape)


def unitwise_clip(g_norm: Any, max_norm: Any, grad: Any, div_eps: float = 1e-6) -> Any:
    """``grad`` where ``g_norm < max_norm``, else ``grad * max_norm / max(g_norm, div_eps)``.

    Example::

        unitwise_clip(np.array([5.0]), np.array([1.0]), np.array([5.0]))  # [1.]
    """
    clipped = grad * (max_norm / gnp.maximum(g_norm, div_eps))
    return gnp.where(g_norm < max_norm, grad, clipped)


def adaptive_grad_clip(
    clipping: float, eps: float = 1e-3, axis: Any = None
) -> GradientTransformation:
    """Adaptive gradient clipping (Brock et al., 2021): each unit of a gradient (see
    :func:`unitwise_norm`) scaled down to at most ``clipping`` times the norm of the
    parameter's unit (that norm at least ``eps``).

    Example::

        opt = chain(adaptive_grad_clip(0.01), sgd(0.1))
    """

    def fn(updates, params):
        _need_params("adaptive_grad_clip", params)

        def leaf(g, p):
            p_norm = gnp.maximum(unitwise_norm(p, axis), eps)
            return unitwise_clip(unitwise_norm(g, axis), p_norm * clipping, g).astype(g.dtype)

        return tree_map(leaf, updates, params)

    return _stateless(fn)


def per_example_global_norm_clip(grads: list, l2_norm_clip: float) -> tuple[list, Any]:
    """The per-example gradients (a list of arrays, the examples on axis 0) each scaled to
    a global norm of at most ``l2_norm_clip``, summed over the examples; and how many were
    clipped.

    Example::

        summed, n = per_example_global_norm_clip([np.array([[3.0, 4.0], [0.3, 0.4]])], 1.0)
    """
    grads = [_on_device(g) for g in grads]
    if not grads:
        raise ValueError("per_example_global_norm_clip: give at least one gradient array")
    n = grads[0].shape[0]
    if any(g.ndim == 0 or g.shape[0] != n for g in grads):
        raise ValueError(
            f"per_example_global_norm_clip: every gradient needs the examples on axis 0; got "
            f"shapes {[tuple(g.shape) for g in grads]}"
        )
    sq = sum(gnp.sum(gnp.reshape(_abs2(g), (n, -1)), axis=1) for g in grads)
    norms = gnp.sqrt(sq)
    divisors = gnp.maximum(norms / l2_norm_clip, 1.0)
    clipped = gnp.sum(norms > l2_norm_clip)
    out = [
        gnp.sum(g / gnp.reshape(divisors, (n,) + (1,) * (g.ndim - 1)).astype(g.dtype), axis=0)
        for g in grads
    ]
    return out, clipped


class ScaleByLBFGSState(NamedTuple):
    count: Any
    params: Any
    updates: Any
    diff_params_memory: Any
    diff_updates_memory: Any
    weights_memory: Any


def _tree_vdot(a: Any, b: Any) -> Any:
    parts = [
        gnp.sum(gnp.real(gnp.conj(x) * y))
        for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True)
    ]
    return sum(parts) if parts else gnp.zeros(())


def scale_by_lbfgs(
    memory_size: int = 10, scale_init_precond: bool = True
) -> GradientTransformation:
    """The L-BFGS direction ``P_k u_k`` (Nocedal and Wright, Algorithm 7.4): the two-loop
    recursion over the last ``memory_size`` differences of parameters and updates, the
    initial inverse Hessian ``gamma I`` with ``gamma = <dw, du> / <du, du>`` (with
    ``scale_init_precond``; ``min(1, 1 / |u|)`` at the first step), as optax's. The memory
    is kept oldest first (optax keeps a ring buffer; the direction is the same).

    Example::

        opt = chain(scale_by_lbfgs(memory_size=5), scale(-0.5))
    """
    if memory_size < 1:
        raise ValueError(f"scale_by_lbfgs: memory_size must be >= 1, got {memory_size}")
    m = memory_size

    def init(params):
        params = _on_device(params)
        stacked = tree_map(lambda p: gnp.zeros((m,) + tuple(p.shape), dtype=p.dtype), params)
        return ScaleByLBFGSState(
            gnp.zeros((), dtype=_np.int32),
            tree_map(gnp.zeros_like, params),
            tree_map(gnp.zeros_like, params),
            stacked,
            tree_map(gnp.zeros_like, stacked),
            gnp.zeros(m),
        )

    def update(updates, state, params=None):
        _need_params("scale_by_lbfgs", params)
        updates, params = _on_device(updates), _on_device(params)
        started = state.count > 0
        dw = tree_map(
            lambda p, q: gnp.where(started, p - q, 0).astype(p.dtype), params, state.params
        )
        du = tree_map(
            lambda u, v: gnp.where(started, u - v, 0).astype(u.dtype), updates, state.updates
        )
        curv = _tree_vdot(du, dw)
        rho = gnp.where(started & (curv != 0), 1.0 / gnp.where(curv == 0, 1.0, curv), 0.0)

        def push(mem, new):  # drop the oldest, append the newest
            return gnp.concatenate([mem[1:], gnp.expand_dims(new, 0).astype(mem.dtype)], axis=0)

        dw_mem = tree_map(push, state.diff_params_memory, dw)
        du_mem = tree_map(push, state.diff_updates_memory, du)
        rhos = push(state.weights_memory, rho)

        if scale_init_precond:
            den = _tree_vdot(du, du)
            gamma = gnp.where(den > 0, curv / gnp.where(den > 0, den, 1.0), 1.0)
            unorm = gnp.sqrt(_tree_vdot(updates, updates))
            gamma = gnp.where(
                started, gamma, gnp.minimum(1.0, 1.0 / gnp.where(unorm > 0, unorm, 1.0))
            )
        else:
            gamma = 1.0

        def at(mem, i):
            return tree_map(lambda x: x[i], mem)

        q = updates
        alphas = [None] * m
        for i in reversed(range(m)):
            alphas[i] = rhos[i] * _tree_vdot(at(dw_mem, i), q)
            q = tree_map(lambda v, d, a=alphas[i]: v - _cast(a, v.dtype) * d, q, at(du_mem, i))
        r = tree_map(lambda v: _cast(gamma, v.dtype) * v, q)
        for i in range(m):
            beta = rhos[i] * _tree_vdot(at(du_mem, i), r)
            r = tree_map(
                lambda v, d, c=alphas[i] - beta: v + _cast(c, v.dtype) * d, r, at(dw_mem, i)
            )
        count = gnp.where(state.count < _np.iinfo(_np.int32).max, state.count + 1, state.count)
        return r, ScaleByLBFGSState(
            count.astype(_np.int32),
            params,
            updates,
            dw_mem,
            du_mem,
            rhos.astype(state.weights_memory.dtype),
        )

    return GradientTransformation(init, update)


_ZOOM = object()


def lbfgs(
    learning_rate: Any = None,
    memory_size: int = 10,
    scale_init_precond: bool = True,
    linesearch: Any = _ZOOM,
) -> GradientTransformation:
    """L-BFGS with a fixed step: :func:`scale_by_lbfgs`, then ``-learning_rate`` (``-1``
    when ``None``), then ``linesearch`` (a transformation, or ``None`` for none). optax's
    default zoom line search is not in gpuad: pass ``linesearch=None``.

    Example::

        opt = lbfgs(learning_rate=0.5, linesearch=None)
    """
    from ._base import chain, identity
    from ._transform import scale, scale_by_learning_rate

    if linesearch is _ZOOM:
        raise NotImplementedError(
            "lbfgs: gpuad has no zoom line search (optax's default); pass linesearch=None "
            "for a fixed step learning_rate, or a line search transformation of your own"
        )
    step = scale(-1.0) if learning_rate is None else scale_by_learning_rate(learning_rate)
    return chain(
        scale_by_lbfgs(memory_size, scale_init_precond),
        step,
        identity() if linesearch is None else linesearch,
    )


class BacktrackingLinesearchInfo(NamedTuple):
    num_linesearch_steps: Any
    decrease_error: Any


class ScaleByBacktrackingLinesearchState(NamedTuple):
    learning_rate: Any
    value: Any
    grad: Any
    info: BacktrackingLinesearchInfo


def scale_by_backtracking_linesearch(
    max_backtracking_steps: int,
    slope_rtol: float = 1e-4,
    decrease_factor: float = 0.8,
    increase_factor: float = 1.5,
    max_learning_rate: float = 1.0,
    atol: float = 0.0,
    rtol: float = 0.0,
    store_grad: bool = False,
    verbose: bool = False,
) -> GradientTransformationExtraArgs:
    """Armijo backtracking, as optax's: the updates times the first step ``eta`` of
    ``min(increase_factor * last_eta, max_learning_rate) * decrease_factor**k`` (``k = 0 ..
    max_backtracking_steps``) with ``f(w + eta u) <= (1 + rtol) f(w) + eta slope_rtol <u,
    grad> + atol`` (the last one tried if none does; 0 if its value is not finite).
    ``update(updates, state, params, value=f(w), grad=grad, value_fn=f, **f_kwargs)``; every
    candidate is evaluated (a fixed loop, so a jitted step traces once).

    Example::

        f = lambda p: gnp.sum(p ** 2)
        opt = chain(sgd(1.0), scale_by_backtracking_linesearch(max_backtracking_steps=15))
        p = np.array([1.0, 2.0, 3.0])
        g = gpuad.grad(f)(p)
        updates, state = opt.update(g, opt.init(p), p, value=f(p), grad=g, value_fn=f)
    """
    del verbose

    def init(params):
        params = _on_device(params)
        dtype = _np.dtype(tree_leaves(params)[0].dtype)
        dtype = _np.finfo(dtype).dtype if dtype.kind in "fc" else _np.dtype(_np.float64)
        grad = tree_map(gnp.zeros_like, params) if store_grad else None
        return ScaleByBacktrackingLinesearchState(
            gnp.asarray(1.0, dtype=dtype),
            gnp.asarray(_np.inf, dtype=dtype),
            grad,
            BacktrackingLinesearchInfo(
                gnp.zeros((), dtype=_np.int32), gnp.asarray(_np.inf, dtype=dtype)
            ),
        )

    def update(updates, state, params=None, *, value=None, grad=None, value_fn=None, **extra_args):
        if value is None or grad is None or value_fn is None:
            raise TypeError(
                "scale_by_backtracking_linesearch: update needs value=f(params), grad=its "
                "gradient and value_fn=f (and f's other arguments as keywords)"
            )
        _need_params("scale_by_backtracking_linesearch", params)
        updates, params, grad = _on_device(updates), _on_device(params), _on_device(grad)
        names = inspect.signature(value_fn).parameters
        fn_kwargs = {k: v for k, v in extra_args.items() if k in names}
        fn = functools.partial(value_fn, **fn_kwargs)
        value = gnp.asarray(value)
        slope = _tree_vdot(updates, grad)
        lr0 = gnp.minimum(increase_factor * state.learning_rate, max_learning_rate)

        def moved(lr):
            return tree_map(lambda p, u: p + _cast(lr, u.dtype) * u, params, updates)

        lr, new_value, err = lr0, value, gnp.asarray(_np.inf)
        done, iters = gnp.asarray(False), gnp.zeros((), dtype=_np.int32)
        for k in range(int(max_backtracking_steps) + 1):
            cand = lr0 * decrease_factor**k
            v = fn(moved(cand))
            e = v - (1.0 + rtol) * value - cand * slope_rtol * slope
            e = gnp.maximum(gnp.where(gnp.isnan(e), _np.inf, e), 0.0)
            active = ~done
            lr = gnp.where(active, cand, lr)
            new_value = gnp.where(active, v, new_value)
            err = gnp.where(active, e, err)
            iters = gnp.where(active, k + 1, iters)
            done = done | (e <= atol)
        new_grad = None
        if store_grad:
            from ..transforms import grad as _grad

            new_grad = _grad(fn)(moved(lr))
        lr = gnp.where(gnp.isinf(err), 0.0, lr)
        dtype = state.learning_rate.dtype
        new_state = ScaleByBacktrackingLinesearchState(
            lr.astype(dtype),
            gnp.asarray(new_value).astype(dtype),
            new_grad,
            BacktrackingLinesearchInfo(iters.astype(_np.int32), err.astype(dtype)),
        )
        return tree_map(lambda u: _cast(lr, u.dtype) * u, updates), new_state

    return GradientTransformationExtraArgs(init, update)


def polyak_sgd(
    max_learning_rate: float = 1.0,
    scaling: Any = 1.0,
    f_min: float = 0.0,
    eps: float = 0.0,
    variant: str = "sps",
) -> GradientTransformationExtraArgs:
    """SGD with the Polyak step (Loizou et al., 2021), as optax's: ``sgd(scaling)`` then
    :func:`scale_by_polyak`; ``update(..., value=loss)``.

    Example::

        opt = polyak_sgd()
        p = np.array([1.0, 2.0, 3.0])  # f = sum(p**2) = 14, gradient 2p
        updates, _ = opt.update(2 * p, opt.init(p), p, value=14.0)  # -p / 2
    """
    from ._alias import sgd
    from ._base import chain

    return chain(
        sgd(learning_rate=scaling),
        scale_by_polyak(f_min=f_min, max_learning_rate=max_learning_rate, eps=eps, variant=variant),
    )


def value_and_grad_from_state(value_fn: Any) -> Any:
    """``value_and_grad(value_fn)`` that reuses the ``value`` and ``grad`` a line search
    stored in the optimizer state (``store_grad=True``) when they are finite; the call is
    ``f(params, *args, state=state, **kwargs)``. Traced under ``gpuad.jit``, both are
    computed and the stored pair selected.

    Example::

        f = lambda p: gnp.sum(p ** 2)
        opt = chain(sgd(1.0), scale_by_backtracking_linesearch(15, store_grad=True))
        p = np.array([1.0, 2.0])
        value, grad = value_and_grad_from_state(f)(p, state=opt.init(p))
    """
    from ..backends import get_backend
    from ..transforms import value_and_grad
    from .tree_utils import tree_get

    def run(params: Any, *fn_args: Any, state: Any, **fn_kwargs: Any) -> tuple[Any, Any]:
        value, grad = tree_get(state, "value"), tree_get(state, "grad")
        if value is None or grad is None:
            raise ValueError(
                "value_and_grad_from_state: the state holds no value and grad; build the line "
                "search with store_grad=True"
            )
        concrete = isinstance(value, _np.ndarray | _np.generic | float | get_backend().array_type)
        if concrete and bool(_np.isfinite(get_backend().to_host(value))):
            return value, grad
        fresh = value_and_grad(value_fn)(params, *fn_args, **fn_kwargs)
        if concrete:
            return fresh
        ok = gnp.isfinite(value)
        return gnp.where(ok, value, fresh[0]), tree_map(
            lambda a, b: gnp.where(ok, a, b), grad, fresh[1]
        )

    return run
