"""``jax.scipy.sparse``: the iterative solvers of :mod:`gpuad.scipy.sparse.linalg`."""

from . import linalg  # noqa: F401
