"""``jax.nn`` with JAX's names, signatures, defaults and results, for porting JAX code.

``gpuad.nn`` follows PyTorch (``gelu`` exact by default, ``softmax(input, dim)``); this
package follows ``jax.nn``: ``gelu(x, approximate=True)``, ``softmax(x, axis=-1, where=None)``,
``one_hot(x, num_classes, dtype, axis)`` giving zeros for labels out of range,
``dot_product_attention`` in the (B, T, N, H) layout, and ``initializers`` taking a
``gpuad.random`` key. Derivatives at kinks are JAX's (``relu'(0) = 0``, ...).

Example::

    import gpuad.jax_nn as jnn
    w = jnn.initializers.glorot_normal()(gpuad.random.PRNGKey(0), (4, 3))
    logp = jnn.log_softmax(jnn.gelu(x @ w))
"""

from . import initializers
from .activations import (
    celu,
    elu,
    gelu,
    glu,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    identity,
    leaky_relu,
    log1mexp,
    log_sigmoid,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_sign,
    softplus,
    sparse_plus,
    sparse_sigmoid,
    squareplus,
    swish,
    tanh,
)
from .attention import dot_product_attention
from .one_hot import one_hot
from .reductions import log_softmax, logmeanexp, logsumexp, softmax, standardize

__all__ = [
    "initializers",
    "celu",
    "elu",
    "gelu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "identity",
    "leaky_relu",
    "log1mexp",
    "log_sigmoid",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "soft_sign",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "swish",
    "tanh",
    "dot_product_attention",
    "one_hot",
    "log_softmax",
    "logmeanexp",
    "logsumexp",
    "softmax",
    "standardize",
]
