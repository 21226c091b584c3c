"""``jax.experimental``'s names that gpuad has: :mod:`gpuad.experimental.ode` and
``io_callback``."""

from ..host import io_callback  # noqa: F401
from . import ode  # noqa: F401
