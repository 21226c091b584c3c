"""Naming and trace-time evaluation with JAX's names: named_call, ensure_compile_time_eval."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator


def named_call(fun: Callable, *, name: str | None = None) -> Callable:
    """``fun`` under another name (its ``__name__`` and ``__qualname__``, which error messages
    and ``repr`` of jitted functions show), as ``jax.named_call``; the computation is
    unchanged.

    Example: ``layer = gpuad.named_call(lambda x: x * 2, name="double")``
    """
    @functools.wraps(fun)
    def named(*args, **kwargs):
        return fun(*args, **kwargs)

    if name is not None:
        named.__name__ = named.__qualname__ = name
    return named


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """A block whose computations on known values give known values while a function is
    traced by ``gpuad.jit``, as ``jax.ensure_compile_time_eval``. gpuad's trace runs the
    function on the call's own arrays, so this holds everywhere already: values that do not
    depend on the arguments (constants, closed-over arrays) are concrete, and ``float()``,
    ``int()``, ``bool()`` and Python branches on them work inside and outside the block.
    Values computed from the arguments stay traced in the block too: a Python branch on one
    raises ``gpuad.jit.TracerError``, as JAX raises its ``ConcretizationTypeError``.

    Example::

        @gpuad.jit
        def f(x):
            with gpuad.ensure_compile_time_eval():
                n = int(gnp.sum(gnp.arange(4)))  # 6, known while tracing
            return x * n
    """
    yield
