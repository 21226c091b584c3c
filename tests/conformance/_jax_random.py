"""JAX's test input distributions (its ``jtu.rand_*`` factories) over float64, for the tests
ported from JAX: each factory draws ``factory(rng, shape)`` from a NumPy Generator.

    x = rand_positive(np.random.default_rng(0), (3, 4))  # uniform in [1, 3)
"""

from __future__ import annotations

import numpy as np


def rand_default(rng, shape):
    return 3.0 * rng.standard_normal(shape)


def rand_positive(rng, shape):
    return rng.uniform(1.0, 3.0, shape)


def rand_small_positive(rng, shape):
    return rng.uniform(0.0, 0.2, shape)


def rand_uniform(low, high):
    return lambda rng, shape: rng.uniform(low, high, shape)


def rand_not_small(offset=10.0):
    """rand_default pushed ``offset`` away from zero."""
    def draw(rng, shape):
        x = 3.0 * rng.standard_normal(shape)
        return x + np.where(x > 0, offset, -offset)
    return draw


def rand_int_positive(rng, shape):
    return rng.integers(1, 4, shape)
