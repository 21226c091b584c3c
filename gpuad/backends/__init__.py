"""Backends: an array namespace plus a table of optional fused kernels.

A backend supplies kernels, never semantics: shapes, broadcasting, dtypes, saved values and the
adjoint formulas all live in :mod:`gpuad.rules`. A backend may add a fused adjoint for a rule in
``fused_vjp``; the engine calls it on the first-order fast path as

    fused_vjp[name](argnum, g, ans, inputs, params, out) -> array | NotImplemented

``ans`` and ``inputs`` are raw arrays (``None`` where the rule did not save them), ``out`` is
an accumulator of the input's shape and dtype that the kernel may add into (``out += ...``), or
``None``; the result must have the input's shape. ``NotImplemented`` means: use the formula.

Likewise ``fused_fwd[name](*inputs, **params) -> array | NotImplemented`` may compute a rule's
forward value (the same value the rule's NumPy expression gives) with a faster kernel.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any


class Backend:
    """One array library: ``xp`` (its NumPy-compatible namespace) and its kernels."""

    name: str = "?"
    xp: ModuleType
    array_type: type
    fused_vjp: dict[str, Callable[..., Any]]
    fused_fwd: dict[str, Callable[..., Any]]

    def __init__(self) -> None:
        self.fused_vjp = {}
        self.fused_fwd = {}

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        if data.__class__ in (list, tuple) and self.name != "numpy":
            from ._nested import from_nested, holds

            if holds(data, self.array_type):  # CuPy would convert it on the host: refused
                return from_nested(self.xp, data, dtype)
        return self.xp.asarray(data, dtype=dtype)

    def to_host(self, a: Any) -> Any:
        import numpy

        return numpy.asarray(a)

    def is_available(self) -> bool:
        return True

    def index_add(self, out: Any, index: Any, values: Any) -> None:
        """``out[index] += values``; repeated indices accumulate."""
        raise NotImplementedError(f"{self.name}: index_add")

    def synchronize(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<gpuad backend {self.name!r}>"


_registry: dict[str, Callable[[], Backend]] = {}
_instances: dict[str, Backend] = {}
_by_array_type: dict[type, Backend] = {}


def register(name: str, factory: Callable[[], Backend]) -> None:
    _registry[name] = factory


def load(name: str) -> Backend:
    """The backend called ``name``, created on first use."""
    be = _instances.get(name)
    if be is None:
        if name not in _registry:
            raise ValueError(f"unknown backend {name!r}; known: {sorted(_registry)}")
        be = _registry[name]()
        _instances[name] = be
        _by_array_type[be.array_type] = be
    return be


def backend_of_type(t: type) -> Backend | None:
    """The loaded backend whose arrays have type ``t``, if any."""
    return _by_array_type.get(t)


def _numpy_factory() -> Backend:
    from .numpy_backend import NumpyBackend

    return NumpyBackend()


def _cupy_factory() -> Backend:
    from .cupy_backend import CupyBackend

    return CupyBackend()


register("numpy", _numpy_factory)
register("cupy", _cupy_factory)


def cuda_usable() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _resolve(name: str) -> str:
    if name == "auto":
        return "cupy" if cuda_usable() else "numpy"
    return name


class _State(threading.local):
    def __init__(self) -> None:
        self.stack: list[Backend] = []


_state = _State()
_default: Backend | None = None


def get_backend() -> Backend:
    """The active backend: innermost ``use_backend``, else ``set_backend``, else GPUAD_BACKEND.

    Example: ``gpuad.get_backend().name`` -> ``"numpy"``
    """
    global _default
    if _state.stack:
        return _state.stack[-1]
    if _default is None:
        _default = load(_resolve(os.environ.get("GPUAD_BACKEND", "auto")))
    return _default


def set_backend(name: str) -> Backend:
    """Make ``name`` ("numpy", "cupy" or "auto") the default backend of every thread.

    Example: ``gpuad.set_backend("numpy")``
    """
    global _default
    be = load(_resolve(name))
    if not be.is_available():
        raise RuntimeError(f"backend {name!r} is not usable on this machine")
    _default = be
    return be


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Use backend ``name`` inside a ``with`` block (this thread only).

    Example: ``with gpuad.use_backend("numpy"): ...``
    """
    be = load(_resolve(name))
    if not be.is_available():
        raise RuntimeError(f"backend {name!r} is not usable on this machine")
    _state.stack.append(be)
    try:
        yield be
    finally:
        _state.stack.pop()
