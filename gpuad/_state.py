"""Per-thread recording state: grad mode and the counters that order the tape."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator


class _Local(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.collect: dict | None = None  # checkpoint: tracked inputs met under no_grad


local = _Local()
seq = itertools.count()  # global order of recorded steps (thread-safe under the GIL)
levels = itertools.count(1)  # forward-mode levels, one per active jvp

flags = {"anomaly": False, "deterministic": False}


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Run a block without recording anything on the tape.

    Example::

        with gpuad.no_grad():
            w.data -= lr * w.grad.data
    """
    prev = local.grad_enabled
    local.grad_enabled = False
    try:
        yield
    finally:
        local.grad_enabled = prev


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Re-enable recording inside a ``no_grad`` block."""
    prev = local.grad_enabled
    local.grad_enabled = True
    try:
        yield
    finally:
        local.grad_enabled = prev


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return local.grad_enabled


def set_deterministic(on: bool = True) -> None:
    """Use deterministic adjoint kernels (no atomics) so repeated runs are bitwise equal.

    Example: ``gpuad.set_deterministic(True)``
    """
    flags["deterministic"] = bool(on)


def is_deterministic() -> bool:
    """True after ``set_deterministic(True)``. Example: ``gpuad.is_deterministic()``"""
    return flags["deterministic"]
