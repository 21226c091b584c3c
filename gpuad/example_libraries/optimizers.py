"""First-order optimizers as ``(init_fun, update_fun, get_params)`` triples, with the names,
arguments and updates of ``jax.example_libraries.optimizers``.

``init_fun(params)`` makes a state from a pytree of parameters, ``update_fun(i, grads,
state)`` returns the next state after step ``i`` (0-based), ``get_params(state)`` the
parameters. A step size is a number or a schedule (a function of ``i``). The updates are
``gpuad.numpy`` operations on the backend's arrays, so a step can be jitted or
differentiated; the state is a pytree (it can be passed to a jitted function).

Example::

    opt_init, opt_update, get_params = optimizers.adam(1e-3)
    state = opt_init(params)
    for i in range(100):
        state = opt_update(i, gpuad.grad(loss)(get_params(state), batch), state)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..backends import get_backend
from ..tensor import Tensor
from ..tree import register_pytree_node, tree_flatten, tree_map, tree_unflatten

Schedule = Callable[[Any], Any]


def _device(x: Any) -> Any:
    """A leaf on the active backend (host arrays and numbers are copied there, as JAX's
    optimizers put them on the device); Tensors as they are."""
    return x if isinstance(x, Tensor) else get_backend().asarray(x)


class OptimizerState:
    """The state of an optimizer: one tuple of arrays per parameter leaf (the parameter
    first), and the parameters' pytree structure. A pytree itself."""

    __slots__ = ("leaves", "tree")

    def __init__(self, leaves: list, tree: Any):
        self.leaves = leaves
        self.tree = tree

    def __repr__(self) -> str:
        return f"OptimizerState({len(self.leaves)} parameter leaves)"


register_pytree_node(
    OptimizerState,
    lambda s: (list(s.leaves), s.tree),
    lambda tree, leaves: OptimizerState(list(leaves), tree),
)


class Optimizer(NamedTuple):
    init_fn: Callable
    update_fn: Callable
    params_fn: Callable


def optimizer(make: Callable) -> Callable:
    """Decorator: ``make(*hyper)`` returns ``(init, update, get)`` for one array (``init(x)``
    the state, a tuple of arrays; ``update(i, g, state)`` the next state; ``get(state)`` the
    parameter); the result works on pytrees of parameters, as JAX's decorator of that name."""

    @functools.wraps(make)
    def build(*args: Any, **kwargs: Any) -> Optimizer:
        init, update, get = make(*args, **kwargs)

        def init_fn(params: Any) -> OptimizerState:
            leaves, tree = tree_flatten(params)
            return OptimizerState([tuple(init(_device(x))) for x in leaves], tree)

        def update_fn(i: Any, grads: Any, state: OptimizerState) -> OptimizerState:
            g_leaves, g_tree = tree_flatten(grads)
            if len(g_leaves) != len(state.leaves):
                raise ValueError(
                    f"optimizer update: the gradient has {len(g_leaves)} leaves but the "
                    f"parameters have {len(state.leaves)}; pass grad(loss)(get_params(state))"
                )
            new = [
                tuple(update(i, _device(g), s)) for g, s in zip(g_leaves, state.leaves, strict=True)
            ]
            return OptimizerState(new, state.tree)

        def params_fn(state: OptimizerState) -> Any:
            return tree_unflatten(state.tree, [get(s) for s in state.leaves])

        return Optimizer(init_fn, update_fn, params_fn)

    return build


# ---- step size schedules ----------------------------------------------------------------------


def constant(step_size: float) -> Schedule:
    """The same step size at every step."""
    return lambda i: step_size


def exponential_decay(step_size: float, decay_steps: float, decay_rate: float) -> Schedule:
    """``step_size * decay_rate ** (i / decay_steps)``."""
    return lambda i: step_size * decay_rate ** (i / decay_steps)


def inverse_time_decay(
    step_size: float, decay_steps: float, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``step_size / (1 + decay_rate * i / decay_steps)`` (``i // decay_steps`` with
    ``staircase=True``)."""
    if staircase:
        return lambda i: step_size / (1 + decay_rate * gnp.floor(i / decay_steps))
    return lambda i: step_size / (1 + decay_rate * i / decay_steps)


def polynomial_decay(
    step_size: float, decay_steps: float, final_step_size: float, power: float = 1.0
) -> Schedule:
    """From ``step_size`` to ``final_step_size`` over ``decay_steps`` steps along
    ``(1 - t) ** power``, then constant."""

    def schedule(i):
        frac = 1 - gnp.minimum(i, decay_steps) / decay_steps
        return frac**power * (step_size - final_step_size) + final_step_size

    return schedule


def piecewise_constant(boundaries: Any, values: Any) -> Schedule:
    """``values[k]`` for steps ``i`` with ``boundaries[k - 1] < i <= boundaries[k]`` (as JAX's);
    ``len(values) == len(boundaries) + 1``."""
    bounds = _np.asarray(boundaries)
    vals = _np.asarray(values)
    if vals.shape != (bounds.size + 1,):
        raise ValueError(
            f"piecewise_constant: {vals.size} values for {bounds.size} "
            f"boundaries; give one value more than boundaries"
        )
    return lambda i: gnp.asarray(vals)[gnp.sum(gnp.asarray(i) > gnp.asarray(bounds))]


def make_schedule(scalar_or_schedule: float | Schedule) -> Schedule:
    """A schedule from a number (constant) or a schedule (as it is)."""
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if _np.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(f"step size must be a number or a schedule, got {type(scalar_or_schedule)}")


# ---- optimizers -------------------------------------------------------------------------------


@optimizer
def sgd(step_size: float | Schedule):
    """Stochastic gradient descent: ``x - step_size(i) * g``."""
    step = make_schedule(step_size)
    return (lambda x: (x,), lambda i, g, s: (s[0] - step(i) * g,), lambda s: s[0])


@optimizer
def momentum(step_size: float | Schedule, mass: float):
    """Heavy-ball momentum: ``v = mass * v + g``, ``x - step_size(i) * v``."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, v = s
        v = mass * v + g
        return x - step(i) * v, v

    return lambda x: (x, gnp.zeros_like(x)), update, lambda s: s[0]


@optimizer
def nesterov(step_size: float | Schedule, mass: float):
    """Nesterov momentum: ``v = mass * v + g``, ``x - step_size(i) * (mass * v + g)``."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, v = s
        v = mass * v + g
        return x - step(i) * (mass * v + g), v

    return lambda x: (x, gnp.zeros_like(x)), update, lambda s: s[0]


@optimizer
def adagrad(step_size: float | Schedule, momentum: float = 0.9):
    """Adagrad with momentum on the scaled gradient (JAX's variant)."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, g_sq, m = s
        g_sq = g_sq + g * g
        safe = gnp.where(g_sq > 0, g_sq, 1.0)
        scaled = gnp.where(g_sq > 0, g / gnp.sqrt(safe), 0.0)
        m = (1 - momentum) * scaled + momentum * m
        return x - step(i) * m, g_sq, m

    return lambda x: (x, gnp.zeros_like(x), gnp.zeros_like(x)), update, lambda s: s[0]


@optimizer
def rmsprop(step_size: float | Schedule, gamma: float = 0.9, eps: float = 1e-8):
    """RMSProp: ``a = gamma * a + (1 - gamma) * g**2``, ``x - step_size(i) * g / sqrt(a +
    eps)``."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, avg = s
        avg = avg * gamma + g * g * (1 - gamma)
        return x - step(i) * g / gnp.sqrt(avg + eps), avg

    return lambda x: (x, gnp.zeros_like(x)), update, lambda s: s[0]


@optimizer
def rmsprop_momentum(
    step_size: float | Schedule, gamma: float = 0.9, eps: float = 1e-8, momentum: float = 0.9
):
    """RMSProp with momentum on the scaled step."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, avg, mom = s
        avg = avg * gamma + g * g * (1 - gamma)
        mom = momentum * mom + step(i) * g / gnp.sqrt(avg + eps)
        return x - mom, avg, mom

    return (lambda x: (x, gnp.zeros_like(x), gnp.zeros_like(x)), update, lambda s: s[0])


@optimizer
def adam(step_size: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adam (Kingma and Ba), with bias-corrected moments."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, m, v = s
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g * g + b2 * v
        m_hat = m / (1 - b1 ** (i + 1))
        v_hat = v / (1 - b2 ** (i + 1))
        return x - step(i) * m_hat / (gnp.sqrt(v_hat) + eps), m, v

    return (lambda x: (x, gnp.zeros_like(x), gnp.zeros_like(x)), update, lambda s: s[0])


@optimizer
def adamax(step_size: float | Schedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adamax: Adam with the infinity norm of past gradients."""
    step = make_schedule(step_size)

    def update(i, g, s):
        x, m, u = s
        m = (1 - b1) * g + b1 * m
        u = gnp.maximum(b2 * u, gnp.abs(g))
        return x - (step(i) / (1 - b1 ** (i + 1))) * m / (u + eps), m, u

    return (lambda x: (x, gnp.zeros_like(x), gnp.zeros_like(x)), update, lambda s: s[0])


# ---- utilities --------------------------------------------------------------------------------


def l2_norm(tree: Any) -> Any:
    """The Euclidean norm of all the leaves of ``tree`` together."""
    leaves = [_device(x) for x in tree_flatten(tree)[0]]
    return gnp.sqrt(sum(gnp.sum(x * x) for x in leaves))


def clip_grads(grad_tree: Any, max_norm: float) -> Any:
    """``grad_tree`` scaled down so that its :func:`l2_norm` is at most ``max_norm``."""
    norm = l2_norm(grad_tree)
    factor = gnp.where(norm < max_norm, 1.0, max_norm / gnp.maximum(norm, 1e-300))
    return tree_map(lambda g: _device(g) * factor, grad_tree)


def unpack_optimizer_state(state: OptimizerState) -> Any:
    """The state as a pytree in the parameters' structure, one tuple per leaf (to save)."""
    return tree_unflatten(state.tree, [_Packed(s) for s in state.leaves])


def pack_optimizer_state(marked: Any) -> OptimizerState:
    """Inverse of :func:`unpack_optimizer_state`."""
    leaves, tree = tree_flatten(marked, is_leaf=lambda x: isinstance(x, _Packed))
    return OptimizerState([tuple(p.state) for p in leaves], tree)


class _Packed:
    """One parameter's state, kept whole by :func:`unpack_optimizer_state`."""

    __slots__ = ("state",)

    def __init__(self, state: tuple):
        self.state = state
