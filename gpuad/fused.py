"""CuPy's ``cupy.fuse`` for gpuad: a function of arrays and scalars compiled by ``gpuad.jit``.

``gpuad.fuse(f)`` (or ``@gpuad.fuse()``, ``gpuad.fuse(kernel_name="k")``) returns a callable
with ``cupy.fuse``'s calling rules: positional or keyword arguments that are arrays (of the
active backend), Tensors, Python numbers, NumPy scalars or ``None``; a call without any array
or Tensor argument runs ``f`` itself (CuPy does the same); a fused function called while
another one is being traced runs inside it (CuPy's composition). Every other call goes
through ``gpuad.jit``, whose fusion pass turns the elementwise chain and its trailing reduction
into one generated kernel where it applies (docs/fusion.md) and replays the recorded steps
exactly where it does not. Results, dtypes, broadcasting, in-place updates of arguments
(``x += y``, ``out=``) and errors are NumPy's (on the CuPy backend, CuPy's), and the function is
differentiable through every transform (``grad(fuse(f))`` is ``grad(f)``).

Example::

    @gpuad.fuse()
    def squared_diff(x, y):
        return (x - y) * (x - y)

    squared_diff(a, b)                       # one kernel per signature
    gpuad.grad(lambda x: squared_diff(x, b).sum())(a)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import numpy as _np

from .backends import get_backend
from .jit.api import jit
from .tensor import Tensor

#: argument types ``cupy.fuse`` accepts besides arrays (anything else raises ``TypeError``)
_SCALARS = (bool, int, float, complex, _np.generic, type(None))

_local = threading.local()


def _tracing() -> bool:
    return getattr(_local, "depth", 0) > 0


def _overlapping(values) -> bool:
    """Whether two different backend arrays among the arguments may share memory (``x`` and
    ``x.T``): a compiled program treats its arguments as separate buffers, so a function
    that writes into one of them runs as itself, on the arrays, with the backend's own
    semantics for overlapping operands. The same array twice is fine (jit's signature
    records it)."""
    xp = get_backend().xp
    arrays = [v for v in values if isinstance(v, xp.ndarray) and not isinstance(v, Tensor)]
    may_share = getattr(xp, "may_share_memory", _np.may_share_memory)
    for i, a in enumerate(arrays):
        for b in arrays[i + 1:]:
            if a is not b and may_share(a, b):
                return True
    return False


class Fused:
    """A function compiled with ``cupy.fuse``'s rules (see :func:`fuse`)."""

    def __init__(self, func: Callable, kernel_name: str | None = None):
        if not callable(func):
            raise TypeError(f"fuse: expected a function, got {type(func).__name__}")
        if kernel_name is not None and not isinstance(kernel_name, str):
            raise TypeError(f"fuse: kernel_name must be a str or None, got "
                            f"{type(kernel_name).__name__}")
        functools.update_wrapper(self, func)
        self.func = func
        self.kernel_name = kernel_name
        self.name = kernel_name or getattr(func, "__name__", "fused")
        self._jitted = jit(func)

    def _arrays(self, values) -> bool:
        """Whether any argument is an array of the active backend or a Tensor; raises
        CuPy's ``TypeError`` for an argument type fuse does not take."""
        array_type = get_backend().xp.ndarray
        found = False
        for v in values:
            if isinstance(v, (Tensor, array_type)):
                found = True
            elif not isinstance(v, _SCALARS + (_np.ndarray,)):
                raise TypeError(
                    f"fuse: invalid argument type for {self.name!r}: {type(v).__name__} "
                    f"(a fused function takes arrays, Tensors, Python numbers, NumPy scalars "
                    f"and None; pass a sequence as an array)")
        return found

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        values = list(args) + list(kwargs.values())
        has_arrays = self._arrays(values)
        if _tracing() or not has_arrays or _overlapping(values):
            return self.func(*args, **kwargs)
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            return self._jitted(*args, **kwargs)
        finally:
            _local.depth -= 1

    def lower(self, *args: Any, **kwargs: Any):
        """The compiled program for these arguments (``gpuad.jit``'s ``lower``): its steps,
        then one block per fused group."""
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            return self._jitted.lower(*args, **kwargs)
        finally:
            _local.depth -= 1

    def clear_cache(self) -> None:
        """Forget every compiled signature (CuPy's ``Fusion.clear_cache``)."""
        self._jitted.clear_cache()

    def __repr__(self) -> str:
        return f"<Fusion '{self.name}'>"


def fuse(*args: Any, kernel_name: str | None = None) -> Any:
    """``cupy.fuse``: compile a function of arrays and scalars into fused kernels.

    ``fuse(f)``, ``@fuse``, ``@fuse()`` and ``@fuse(kernel_name="name")`` are accepted, as in
    CuPy. The function is written with ``gpuad.numpy`` (or NumPy's/CuPy's function names,
    operators and methods on the Tensors it receives); see :mod:`gpuad.fused`.

    Example::

        @gpuad.fuse(kernel_name="axpy")
        def axpy(a, x, y):
            return a * x + y

        axpy(2.0, x, y)
    """
    if len(args) > 1:
        raise TypeError(f"fuse() takes at most one positional argument (the function), got "
                        f"{len(args)}")
    if args:
        return Fused(args[0], kernel_name)
    return lambda f: Fused(f, kernel_name)
