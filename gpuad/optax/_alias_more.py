"""More of optax's optimizers, each a :func:`chain` of transformations with optax's
arguments and defaults: AdaBelief, Adafactor, AMSGrad, RAdam, Yogi, AdamaxW, noisy SGD,
NovoGrad, optimistic gradient descent, signSGD, Fromage, LARS and SM3."""

from __future__ import annotations

from typing import Any

import numpy as _np

from ._base import GradientTransformation, ScalarOrSchedule, chain
from ._transform import (
    add_decayed_weights,
    ema,
    scale,
    scale_by_adamax,
    scale_by_learning_rate,
    scale_by_trust_ratio,
    trace,
)
from ._transform_more import (
    add_noise,
    clip_by_block_rms,
    scale_by_amsgrad,
    scale_by_belief,
    scale_by_factored_rms,
    scale_by_novograd,
    scale_by_optimistic_gradient,
    scale_by_param_block_rms,
    scale_by_radam,
    scale_by_sign,
    scale_by_sm3,
    scale_by_yogi,
)
from ._wrappers import masked


def adabelief(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-16,
    eps_root: float = 1e-16,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """AdaBelief (Zhuang et al.): Adam with the variance of the gradient around its mean.

    Example::

        opt = adabelief(1e-3)
    """
    return chain(
        scale_by_belief(b1, b2, eps, eps_root, nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def amsgrad(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    mu_dtype: Any = None,
) -> GradientTransformation:
    """AMSGrad (Reddi et al.): Adam with a non-decreasing second moment.

    Example::

        opt = amsgrad(1e-3)
    """
    return chain(
        scale_by_amsgrad(b1, b2, eps, eps_root, mu_dtype), scale_by_learning_rate(learning_rate)
    )


def radam(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    eps_root: float = 0.0,
    threshold: float = 5.0,
    *,
    nesterov: bool = False,
) -> GradientTransformation:
    """Rectified Adam (Liu et al.).

    Example::

        opt = radam(1e-3)
    """
    return chain(
        scale_by_radam(b1, b2, eps, eps_root, threshold, nesterov=nesterov),
        scale_by_learning_rate(learning_rate),
    )


def yogi(
    learning_rate: ScalarOrSchedule, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-3
) -> GradientTransformation:
    """Yogi (Zaheer et al.): Adam with an additive, sign-controlled second moment.

    Example::

        opt = yogi(1e-2)
    """
    return chain(scale_by_yogi(b1, b2, eps), scale_by_learning_rate(learning_rate))


def adamaxw(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-4,
    mask: Any = None,
) -> GradientTransformation:
    """Adamax with decoupled weight decay: ``-lr * (adamax + weight_decay * params)``.

    Example::

        opt = adamaxw(2e-3, weight_decay=1e-2)
    """
    return chain(
        scale_by_adamax(b1, b2, eps),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    )


def noisy_sgd(
    learning_rate: ScalarOrSchedule,
    eta: float = 0.01,
    gamma: float = 0.55,
    key: Any = None,
    *,
    seed: int | None = None,
) -> GradientTransformation:
    """SGD with annealed Gaussian gradient noise: ``-lr * (g + N(0, eta / (1 + t)**gamma))``;
    ``key`` a ``gpuad.random`` key or an int seed (see :func:`add_noise`).

    Example::

        opt = noisy_sgd(1e-2, key=0)
    """
    return chain(add_noise(eta, gamma, key, seed=seed), scale_by_learning_rate(learning_rate))


def novograd(
    learning_rate: ScalarOrSchedule,
    b1: float = 0.9,
    b2: float = 0.25,
    eps: float = 1e-6,
    eps_root: float = 0.0,
    weight_decay: float = 0.0,
) -> GradientTransformation:
    """NovoGrad (Ginsburg et al.): layer-wise normalised momentum with weight decay.

    Example::

        opt = novograd(1e-2, weight_decay=1e-3)
    """
    return chain(
        scale_by_novograd(b1, b2, eps, eps_root, weight_decay),
        scale_by_learning_rate(learning_rate),
    )


def adafactor(
    learning_rate: ScalarOrSchedule | None = None,
    min_dim_size_to_factor: int = 128,
    decay_rate: float = 0.8,
    decay_offset: int = 0,
    multiply_by_parameter_scale: bool = True,
    clipping_threshold: float | None = 1.0,
    momentum: float | None = None,
    dtype_momentum: Any = _np.float32,
    weight_decay_rate: float | None = None,
    eps: float = 1e-30,
    factored: bool = True,
    weight_decay_mask: Any = None,
) -> GradientTransformation:
    """Adafactor (Shazeer and Stern): factored second moments, then (each optional) block
    RMS clipping, the learning rate, scaling by each parameter's RMS, momentum (an EMA kept
    in ``dtype_momentum``) and weight decay, as optax chains them.

    Example::

        opt = adafactor(1e-2)
    """
    tx = [scale_by_factored_rms(factored, decay_rate, decay_offset, min_dim_size_to_factor, eps)]
    if clipping_threshold is not None:
        tx.append(clip_by_block_rms(clipping_threshold))
    if learning_rate is not None:
        tx.append(scale_by_learning_rate(learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        tx.append(scale_by_param_block_rms())
    if momentum is not None:
        tx.append(ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
    if weight_decay_rate is not None:
        tx.append(add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
    tx.append(scale(-1))
    return chain(*tx)


def optimistic_gradient_descent(
    learning_rate: ScalarOrSchedule, alpha: float = 1.0, beta: float = 1.0
) -> GradientTransformation:
    """Optimistic gradient descent: ``-lr * ((alpha + beta) * g - beta * g_prev)``.

    Example::

        opt = optimistic_gradient_descent(1e-2)
    """
    return chain(scale_by_optimistic_gradient(alpha, beta), scale_by_learning_rate(learning_rate))


def sign_sgd(learning_rate: ScalarOrSchedule) -> GradientTransformation:
    """signSGD: ``-lr * sign(g)``.

    Example::

        opt = sign_sgd(1e-3)
    """
    return chain(scale_by_sign(), scale_by_learning_rate(learning_rate))


def fromage(learning_rate: float, min_norm: float = 1e-6) -> GradientTransformation:
    """Fromage (Bernstein et al.): the trust-ratio-scaled update times
    ``lr / sqrt(1 + lr**2)``, and the parameters shrunk by ``1 / sqrt(1 + lr**2)``.

    Example::

        opt = fromage(1e-2)
    """
    mult = 1 / (1 + learning_rate**2) ** 0.5  # an array too (inject_hyperparams)
    return chain(
        scale_by_trust_ratio(min_norm),
        scale_by_learning_rate(learning_rate * mult),
        add_decayed_weights(mult - 1),
    )


def lars(
    learning_rate: ScalarOrSchedule,
    weight_decay: float = 0.0,
    weight_decay_mask: Any = True,
    trust_coefficient: float = 0.001,
    eps: float = 0.0,
    trust_ratio_mask: Any = True,
    momentum: float = 0.9,
    nesterov: bool = False,
) -> GradientTransformation:
    """LARS (You et al.): weight decay, the layer-wise trust ratio, the learning rate, then
    momentum, each mask a pytree of bools (or a function of the params giving one).

    Example::

        opt = lars(0.1, weight_decay=1e-4)
    """
    return chain(
        add_decayed_weights(weight_decay, mask=weight_decay_mask),
        masked(
            scale_by_trust_ratio(trust_coefficient=trust_coefficient, eps=eps), trust_ratio_mask
        ),
        scale_by_learning_rate(learning_rate),
        trace(momentum, nesterov),
    )


def sm3(learning_rate: float, momentum: float = 0.9) -> GradientTransformation:
    """SM3 (Anil et al.): memory-efficient adaptive steps, ``scale(-learning_rate)`` of
    :func:`scale_by_sm3` with ``b1=momentum`` (a number, not a schedule, as optax).

    Example::

        opt = sm3(0.1)
    """
    return chain(scale_by_sm3(momentum), scale(-learning_rate))
