"""More of optax's gradient transformations: AMSGrad's, AdaBelief's, Yogi's, RAdam's and
NovoGrad's scalings, gradient noise, Adafactor's factored second moments and the block-wise
rescalings Adafactor chains, with optax's names, arguments, states and formulas."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as _np

from .. import numpy as gnp
from ..tree import _up_to, tree_flatten, tree_map, tree_unflatten
from ._base import (
    GradientTransformation,
    _abs2,
    _bias_correction,
    _cast,
    _count0,
    _device_update,
    _moment,
    _need_params,
    _safe_increment,
    _zeros_like,
)
from ._transform import ScaleByAdamState, _full_like, _stateless


class ScaleByAmsgradState(NamedTuple):
    count: Any
    mu: Any
    nu: Any
    nu_max: Any


class ScaleByBeliefState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByNovogradState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class AddNoiseState(NamedTuple):
    count: Any
    rng_key: Any


class FactoredState(NamedTuple):
    count: Any
    v_row: Any
    v_col: Any
    v: Any


def _nesterov_mu_hat(mu: Any, updates: Any, b1: float, count: Any) -> Any:
    """NAdam's look-ahead mean: ``b1 * m_hat(t + 1) + (1 - b1) * g_hat(t)``."""
    return tree_map(
        lambda m, g: b1 * m + (1 - b1) * g,
        _bias_correction(mu, b1, _safe_increment(count)),
        _bias_correction(updates, b1, count),
    )


def _adam_direction(mu_hat: Any, nu_hat: Any, eps: float, eps_root: float) -> Any:
    return tree_map(lambda m, v: m / (gnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)


def scale_by_amsgrad(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
) -> GradientTransformation:
    """AMSGrad's direction: Adam's, divided by the running maximum of ``v_hat`` (Reddi et al.).

    Example::

        opt = chain(scale_by_amsgrad(), scale(-1e-3))
    """

    def init(params):
        mu = tree_map(lambda p: gnp.zeros_like(p, dtype=mu_dtype), params)
        return ScaleByAmsgradState(_count0(), mu, _zeros_like(params), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, b1, 1)
        nu = _moment(updates, state.nu, b2, 2)
        count = _safe_increment(state.count)
        nu_max = tree_map(gnp.maximum, state.nu_max, _bias_correction(nu, b2, count))
        out = _adam_direction(_bias_correction(mu, b1, count), nu_max, eps, eps_root)
        if mu_dtype is not None:
            mu = tree_map(lambda m: m.astype(mu_dtype), mu)
        return out, ScaleByAmsgradState(count, mu, nu, nu_max)

    return GradientTransformation(init, update)


def scale_by_belief(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-16,
    eps_root: float = 1e-16,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """AdaBelief's direction (Zhuang et al.): Adam's, with the second moment of the
    prediction error ``g - m`` (``m`` the updated mean) plus ``eps_root``.

    Example::

        opt = chain(scale_by_belief(), scale(-1e-3))
    """

    def init(params):
        return ScaleByBeliefState(_count0(), _zeros_like(params), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, b1, 1)
        error = tree_map(lambda g, m: g - m, updates, mu)
        nu = tree_map(lambda v: v + eps_root, _moment(error, state.nu, b2, 2))
        count = _safe_increment(state.count)
        if nesterov:
            mu_hat = _nesterov_mu_hat(mu, updates, b1, count)
        else:
            mu_hat = _bias_correction(mu, b1, count)
        out = _adam_direction(mu_hat, _bias_correction(nu, b2, count), eps, 0.0)
        return out, ScaleByBeliefState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_yogi(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-3,
    eps_root: float = 0.0,
    initial_accumulator_value: float = 1e-6,
) -> GradientTransformation:
    """Yogi's direction (Zaheer et al.): Adam's with the additive second-moment update
    ``v - (1 - b2) * sign(v - g**2) * g**2``; both moments start at
    ``initial_accumulator_value``.

    Example::

        opt = chain(scale_by_yogi(), scale(-1e-2))
    """

    def init(params):
        full = _full_like(params, initial_accumulator_value)
        return ScaleByAdamState(_count0(), full, _full_like(params, initial_accumulator_value))

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, b1, 1)
        nu = tree_map(
            lambda g, v: v - (1 - b2) * gnp.sign(v - _abs2(g)) * _abs2(g), updates, state.nu
        )
        count = _safe_increment(state.count)
        mu_hat, nu_hat = _bias_correction(mu, b1, count), _bias_correction(nu, b2, count)
        return _adam_direction(mu_hat, nu_hat, eps, eps_root), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_radam(
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Rectified Adam's direction (Liu et al.): the bias-corrected mean alone while the
    length of the approximated moving average ``rho`` is below ``threshold``, then Adam's
    direction times the rectification ``r(rho)``.

    Example::

        opt = chain(scale_by_radam(), scale(-1e-3))
    """
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def init(params):
        return ScaleByAdamState(_count0(), _zeros_like(params), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        mu = _moment(updates, state.mu, b1, 1)
        nu = _moment(updates, state.nu, b2, 2)
        count = _safe_increment(state.count)
        b2t = b2**count
        rho = rho_inf - 2 * count * b2t / (1 - b2t)
        rectify = rho >= threshold
        safe = gnp.where(rectify, rho, rho_inf)  # r is evaluated only where it is used
        r = gnp.sqrt(
            (safe - 4.0) * (safe - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * safe)
        )
        if nesterov:
            mu_hat = _nesterov_mu_hat(mu, updates, b1, count)
        else:
            mu_hat = _bias_correction(mu, b1, count)
        nu_hat = _bias_correction(nu, b2, count)
        adam = tree_map(
            lambda m, v: _cast(r, m.dtype) * m / (gnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat
        )
        out = tree_map(lambda a, m: gnp.where(rectify, a, m), adam, mu_hat)
        return out, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def scale_by_novograd(
    b1: float = 0.9,
    b2: float = 0.25,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    weight_decay: float = 0.0,
    mu_dtype: Any = None,
) -> GradientTransformation:
    """NovoGrad's direction (Ginsburg et al.): per leaf, a running mean ``nu`` of the squared
    norm of the gradient (its first value on the first step), and the momentum
    ``m = b1 * m + g / (sqrt(nu + eps_root) + eps) + weight_decay * params`` (without the
    ``b1 * m`` term on the first step); the updates are ``m``.

    Example::

        opt = chain(scale_by_novograd(weight_decay=1e-3), scale(-1e-2))
    """

    def init(params):
        mu = tree_map(lambda p: gnp.zeros_like(p, dtype=mu_dtype), params)
        nu = tree_map(lambda p: gnp.zeros((), dtype=p.dtype), params)
        return ScaleByNovogradState(_count0(), mu, nu)

    # a Python 0 skips the decay; an array (inject_hyperparams) is applied as it is
    decay = not (isinstance(weight_decay, int | float) and weight_decay == 0)

    @_device_update
    def update(updates, state, params=None):
        if decay:
            _need_params("scale_by_novograd with weight_decay", params)
        count = _safe_increment(state.count)
        first = count == 1

        def new_nu(g, v):
            sq = gnp.sqrt(gnp.sum(_abs2(g))) ** 2
            sq = _cast(sq, v.dtype)
            return gnp.where(first, sq, (1 - b2) * sq + b2 * v)

        nu = tree_map(new_nu, updates, state.nu)

        def new_mu(g, m, v, p=None):
            step = g / (gnp.sqrt(v + eps_root) + eps)
            if decay:
                step = step + _cast(weight_decay, g.dtype) * p
            return gnp.where(first, step, b1 * m + step)

        if decay:
            mu = tree_map(new_mu, updates, state.mu, nu, params)
        else:
            mu = tree_map(new_mu, updates, state.mu, nu)
        if mu_dtype is not None:
            mu = tree_map(lambda m: m.astype(mu_dtype), mu)
        return mu, ScaleByNovogradState(count, mu, nu)

    return GradientTransformation(init, update)


def _noise(key: Any, g: Any) -> Any:
    """Standard normal noise shaped as ``g`` in its dtype (float16 drawn in float32, which
    the random module draws, then cast, as JAX draws float16 noise)."""
    from .. import random as _random

    if _np.dtype(g.dtype) == _np.float16:
        return _random.normal(key, g.shape, _np.float32).astype(_np.float16)
    return _random.normal(key, g.shape, g.dtype)


def add_noise(
    eta: float, gamma: float, key: Any = None, *, seed: int | None = None
) -> GradientTransformation:
    """Add Gaussian noise of variance ``eta / (1 + t)**gamma`` at step ``t`` (Neelakantan
    et al.); ``key`` is a ``gpuad.random`` key or an int seed (``seed=`` is optax's older,
    deprecated name; neither given: seed 0). The draws follow ``gpuad.random``, so they
    differ from JAX's for the same key.

    Example::

        opt = chain(add_noise(0.01, 0.55, key=0), scale(-1e-2))
    """
    from .. import random as _random

    if seed is not None:
        warnings.warn("add_noise: seed is deprecated, pass key", DeprecationWarning, stacklevel=2)
        if key is None:
            key = seed
    if key is None:
        key = 0

    def init(params):
        k = _random.PRNGKey(key) if isinstance(key, int | _np.integer) else key
        return AddNoiseState(_count0(), k)

    @_device_update
    def update(updates, state, params=None):
        leaves, tdef = tree_flatten(updates)
        count = _safe_increment(state.count)
        std = gnp.sqrt(eta / count**gamma)
        keys = _random.split(state.rng_key, len(leaves) + 1)
        noisy = [g + _cast(std, g.dtype) * _noise(keys[i + 1], g) for i, g in enumerate(leaves)]
        return tree_unflatten(tdef, noisy), AddNoiseState(count, keys[0])

    return GradientTransformation(init, update)


def _decay_rate_pow(i: Any, exponent: float = 0.8) -> Any:
    """Adafactor's second-moment decay ``1 - (i + 1)**-exponent``, in float32 as optax's."""
    t = gnp.asarray(i).astype(_np.float32) + 1.0
    # gnp.power, not **: on a NumPy float32 scalar ** runs NumPy's scalar math, which can
    # differ by an ulp from the array loop a gpuad.jit replay runs (NumPy 2.4, AVX-512)
    return 1.0 - gnp.power(t, gnp.asarray(-exponent).astype(_np.float32))


def _factored_dims(shape: tuple, factored: bool, min_dim_size_to_factor: int):
    """The two largest axes (second largest first), or None where the second largest is
    below ``min_dim_size_to_factor`` (or the leaf has fewer than two axes)."""
    if not factored or len(shape) < 2:
        return None
    order = _np.argsort(shape)
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


def scale_by_factored_rms(
    factored: bool = True,
    decay_rate: float = 0.8,
    step_offset: int = 0,
    min_dim_size_to_factor: int = 128,
    epsilon: float = 1e-30,
    decay_rate_fn: Callable[[Any, float], Any] = _decay_rate_pow,
) -> GradientTransformation:
    """Adafactor's scaling (Shazeer and Stern): a leaf whose two largest axes have at least
    ``min_dim_size_to_factor`` entries keeps running means of ``g**2 + epsilon`` over each
    of them (``v_row``, ``v_col``) and is divided by the root of their outer product over
    their mean; other leaves keep the full running mean ``v``. The decay at step ``t`` is
    ``decay_rate_fn(t - step_offset, decay_rate)``. Unused state entries are (1,) zeros, as
    optax's.

    Example::

        opt = chain(scale_by_factored_rms(), scale(-1e-2))
    """

    def init(params):
        def zeros(p, kind):
            dims = _factored_dims(tuple(p.shape), factored, min_dim_size_to_factor)
            shape = {
                "row": None if dims is None else _np.delete(p.shape, dims[1]),
                "col": None if dims is None else _np.delete(p.shape, dims[0]),
                "v": p.shape if dims is None else None,
            }[kind]
            return gnp.zeros((1,) if shape is None else tuple(shape), dtype=p.dtype)

        return FactoredState(
            _count0(),
            tree_map(lambda p: zeros(p, "row"), params),
            tree_map(lambda p: zeros(p, "col"), params),
            tree_map(lambda p: zeros(p, "v"), params),
        )

    @_device_update
    def update(updates, state, params=None):
        _need_params("scale_by_factored_rms", params)
        decay = decay_rate_fn(state.count - step_offset, decay_rate)
        leaves, tdef = tree_flatten(updates)
        rows, cols, vs = (tree_flatten(t)[0] for t in (state.v_row, state.v_col, state.v))
        out, new_rows, new_cols, new_vs = [], [], [], []
        ps = tree_flatten(params)[0]
        for g, v_row, v_col, v, p in zip(leaves, rows, cols, vs, ps, strict=True):
            sq = _abs2(g) + epsilon
            dims = _factored_dims(tuple(p.shape), factored, min_dim_size_to_factor)
            if dims is None:
                v = (decay * v + (1.0 - decay) * sq).astype(p.dtype)
                out.append(g * v**-0.5)
            else:
                d1, d0 = dims
                v_row = decay * v_row + (1.0 - decay) * gnp.mean(sq, axis=d0)
                v_col = decay * v_col + (1.0 - decay) * gnp.mean(sq, axis=d1)
                v_row, v_col = v_row.astype(p.dtype), v_col.astype(p.dtype)
                reduced = d1 - 1 if d1 > d0 else d1
                row_mean = gnp.mean(v_row, axis=reduced, keepdims=True)
                row_factor = (v_row / row_mean) ** -0.5
                col_factor = v_col**-0.5
                out.append(g * gnp.expand_dims(row_factor, d0) * gnp.expand_dims(col_factor, d1))
            new_rows.append(v_row)
            new_cols.append(v_col)
            new_vs.append(v)
        new = FactoredState(
            _safe_increment(state.count),
            *(tree_unflatten(tdef, x) for x in (new_rows, new_cols, new_vs)),
        )
        return tree_unflatten(tdef, out), new

    return GradientTransformation(init, update)


def _rms(x: Any) -> Any:
    return gnp.sqrt(gnp.mean(_abs2(x)))


def clip_by_block_rms(threshold: float) -> GradientTransformation:
    """Divide each leaf by ``max(1, rms(leaf) / threshold)``.

    Example::

        opt = chain(clip_by_block_rms(1.0), scale(-0.1))
    """
    return _stateless(lambda u, p: tree_map(lambda g: g / gnp.maximum(1.0, _rms(g) / threshold), u))


def scale_by_param_block_norm(min_scale: float = 1e-3) -> GradientTransformation:
    """Multiply each leaf by ``max(norm(param), min_scale)`` of its parameter.

    Example::

        opt = chain(scale_by_param_block_norm(), scale(-0.1))
    """

    def fn(updates, params):
        _need_params("scale_by_param_block_norm", params)
        return tree_map(
            lambda u, p: u * gnp.maximum(gnp.sqrt(gnp.sum(_abs2(p))), min_scale), updates, params
        )

    return _stateless(fn)


def scale_by_param_block_rms(min_scale: float = 1e-3) -> GradientTransformation:
    """Multiply each leaf by ``max(rms(param), min_scale)`` of its parameter.

    Example::

        opt = chain(scale_by_factored_rms(), scale_by_param_block_rms(), scale(-0.1))
    """

    def fn(updates, params):
        _need_params("scale_by_param_block_rms", params)
        return tree_map(lambda u, p: u * gnp.maximum(_rms(p), min_scale), updates, params)

    return _stateless(fn)


class ScaleByOptimisticGradientState(NamedTuple):
    is_initial_step: Any
    previous_gradient: Any


def scale_by_optimistic_gradient(alpha: float = 1.0, beta: float = 1.0) -> GradientTransformation:
    """Optimistic gradients ``(alpha + beta) * g - beta * g_prev`` (Mokhtari et al.), with
    ``g_prev = g`` on the first step, as optax's.

    Example::

        opt = chain(scale_by_optimistic_gradient(), scale(-1e-2))
    """

    def init(params):
        return ScaleByOptimisticGradientState(gnp.asarray(True), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        first = state.is_initial_step

        def leaf(g, prev):
            prev = gnp.where(first, g, prev)
            return (alpha + beta) * g - beta * prev

        out = tree_map(leaf, updates, state.previous_gradient)
        return out, ScaleByOptimisticGradientState(gnp.asarray(False), updates)

    return GradientTransformation(init, update)


def scale_by_sign() -> GradientTransformation:
    """The sign of each update entry (signSGD's direction).

    Example::

        opt = chain(scale_by_sign(), scale(-1e-3))
    """
    return _stateless(lambda u, p: tree_map(gnp.sign, u))


class ScaleBySM3State(NamedTuple):
    mu: Any
    nu: Any


def scale_by_sm3(b1: float = 0.9, b2: float = 1.0, eps: float = 1e-8) -> GradientTransformation:
    """SM3's direction (Anil et al.): one accumulator vector per axis of each leaf (the whole
    leaf for a vector); the entry-wise accumulator ``g**2 + min over axes`` (weighted
    ``1 - b2``, ``b2`` when ``b2 != 1``) divides ``g`` by its root (0 where it is 0), then a
    momentum ``b1``; each axis keeps the maximum of the accumulator over the other axes.

    Example::

        opt = chain(scale_by_sm3(), scale(-0.1))
    """
    c_new, c_old = (1.0 - b2) if b2 != 1.0 else 1.0, b2

    def check(p):
        if _np.dtype(p.dtype).kind == "c" or not p.shape:
            raise ValueError(
                f"scale_by_sm3: takes real parameters of one or more axes, got a leaf of shape "
                f"{tuple(p.shape)} and dtype {p.dtype} (as optax)"
            )

    def init(params):
        def per_axis(p):
            check(p)
            return [gnp.zeros((n,), dtype=p.dtype) for n in p.shape]

        return ScaleBySM3State(tree_map(per_axis, params), _zeros_like(params))

    @_device_update
    def update(updates, state, params=None):
        leaves, tdef = tree_flatten(updates)
        mus: list = []
        _up_to(tdef, state.mu, mus, 1)  # each leaf's list of per-axis vectors
        nus = tree_flatten(state.nu)[0]
        outs, new_mu, new_nu = [], [], []
        for g, vs, nu in zip(leaves, mus, nus, strict=True):
            check(g)
            nd = len(g.shape)
            if nd < 2:
                prior = vs[0]
            else:
                shaped = [
                    gnp.reshape(v, (1,) * i + (-1,) + (1,) * (nd - i - 1)) for i, v in enumerate(vs)
                ]
                prior = shaped[0]
                for v in shaped[1:]:
                    prior = gnp.minimum(prior, v)
            acc = c_new * g * g + c_old * prior
            positive = acc > 0
            inv = gnp.where(positive, 1.0 / gnp.sqrt(gnp.where(positive, acc, 1.0) + eps), 0.0)
            nu = (1 - b1) * (g * inv) + b1 * nu
            outs.append(nu)
            new_nu.append(nu)
            if nd < 2:
                new_mu.append([acc])
            else:
                others = [tuple(j for j in range(nd) if j != i) for i in range(nd)]
                new_mu.append([gnp.max(acc, axis=ax) for ax in others])
        nu_tree = tree_unflatten(tdef, new_nu)
        mu_tree = tree_unflatten(tdef, new_mu)
        return tree_unflatten(tdef, outs), ScaleBySM3State(mu_tree, nu_tree)

    return GradientTransformation(init, update)
