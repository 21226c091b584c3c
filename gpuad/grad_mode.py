"""PyTorch's grad-mode switches: ``set_grad_enabled`` (a call or a block) and
``inference_mode``, over the per-thread flag that ``no_grad``/``enable_grad`` set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _state

_local = _state.local


def _set(enabled: bool) -> None:
    """Set this thread's grad mode. ``_state.nograd`` counts the threads that may have it off
    (the engine skips reading the flag while it is zero): each switch off made here is
    counted once, in this thread, until a switch on made here returns it."""
    owned = _local.__dict__.get("switched_off", 0)
    if not enabled:
        if _local.grad_enabled:
            with _state._nograd_lock:
                _state.nograd[0] += 1
            _local.switched_off = owned + 1
            _local.grad_enabled = False
        return
    _local.grad_enabled = True
    if owned:
        with _state._nograd_lock:
            _state.nograd[0] -= 1
        _local.switched_off = owned - 1


class set_grad_enabled:
    """Turn recording on or off, as ``torch.set_grad_enabled``: called alone it sets the mode
    for this thread; as a ``with`` block (or a decorator) it restores the previous mode after.

    Example::

        gpuad.set_grad_enabled(False)        # from now on, in this thread
        with gpuad.set_grad_enabled(True):   # only inside the block
            loss = model(x).sum()
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool | int):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        self.mode = bool(mode)
        self.prev = _local.grad_enabled
        _set(self.mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _set(self.prev)

    def __call__(self, fn: Callable) -> Callable:
        _set(self.prev)  # the decorator's construction changes nothing outside the function
        mode = self.mode
        return _state.decorate(lambda: set_grad_enabled(mode), fn)

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self.mode)


class inference_mode:
    """``torch.inference_mode``: a block (or decorator, with or without parentheses) that
    records nothing, as ``no_grad``. ``inference_mode(False)`` records again inside, as
    torch's (``enable_grad``, and not inference mode).

    Example::

        with gpuad.inference_mode():
            pred = model(x)
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._ctx: Any = None

    def __enter__(self) -> None:
        # inference_mode(False) turns recording back on inside (as torch's, also within
        # no_grad or inference_mode) and is not inference mode
        self._ctx = _state._grad_mode(not self.mode)
        self._ctx.__enter__()
        self._prev = _local.__dict__.get("inference", 0)
        _local.inference = self._prev + 1 if self.mode else 0

    def __exit__(self, *exc: Any) -> None:
        _local.inference = self._prev
        self._ctx.__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        return _state.decorate(lambda: inference_mode(mode), fn)


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block. Example: ``gpuad.is_inference_mode_enabled()``"""
    return bool(_local.__dict__.get("inference", 0))
