"""``jax.experimental``'s names that gpuad has: :mod:`gpuad.experimental.ode`."""

from . import ode  # noqa: F401
