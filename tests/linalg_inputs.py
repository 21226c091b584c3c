"""Random matrices for the linear-algebra tests. Each factory takes a shape and returns
``make(rng)``, which draws an array of that shape (the op tests draw their inputs so).

    a = spd(2, 3, 3)(np.random.default_rng(0))  # two symmetric positive definite 3x3 matrices
"""

from __future__ import annotations

import numpy as np


def normal(*s):
    """Standard normal entries."""
    return lambda r: r.standard_normal(s)


def well(*s):
    """Well-conditioned square matrices (a strong diagonal), stacked over leading axes."""
    n = s[-1]
    return lambda r: r.standard_normal(s) * 0.3 + 2.0 * np.eye(n)


def spd(*s):
    """Symmetric positive definite matrices ``a a^T + n I``, stacked over leading axes."""
    n = s[-1]

    def make(r):
        a = r.standard_normal(s)
        return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)

    return make
