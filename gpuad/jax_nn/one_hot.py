"""``jax.nn.one_hot``: indices to one-hot vectors along a new axis.

Example::

    import gpuad.jax_nn as jnn
    jnn.one_hot(labels, 10)            # (N,) -> (N, 10), float64
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient

__all__ = ["one_hot"]


def one_hot(x: Any, num_classes: int, *, dtype: Any = None, axis: int = -1) -> Any:
    """1 where the new axis' position equals the index, else 0; an index outside
    ``[0, num_classes)`` (negative ones too) gives a row of zeros, as in JAX. ``dtype``
    defaults to float64 (gpuad's default float; JAX's is float32 unless x64 is enabled).
    The result is a constant.

    Example: ``jnn.one_hot(gnp.asarray([0, 2, 5]), 3)`` has rows e0, e2 and 0.
    """
    n = int(num_classes)
    x = gnp.asarray(stop_gradient(x))
    if np.dtype(x.dtype).kind not in "iub":
        warnings.warn(
            f"jax_nn.one_hot: the input should be integer-typed, got {x.dtype} (JAX "
            f"deprecates float labels: cast them with .astype(int))",
            DeprecationWarning,
            stacklevel=2,
        )
    ndim = len(_r.shape(x))
    if not -(ndim + 1) <= axis <= ndim:
        raise ValueError(
            f"one_hot: axis {axis} is out of range for an input of {ndim} dimensions "
            f"(the result has {ndim + 1})"
        )
    pos = axis % (ndim + 1)
    classes = gnp.reshape(gnp.arange(n), (n,) + (1,) * (ndim - pos))
    return gnp.equal(gnp.expand_dims(x, pos), classes).astype(np.dtype(dtype or np.float64))
