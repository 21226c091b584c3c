"""``torch.autograd``'s anomaly switches over gpuad's anomaly mode (gpuad/anomaly.py): the
first op whose value or adjoint is NaN or infinite raises ``AnomalyError``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _state


class detect_anomaly:
    """A block (or decorator) with anomaly detection on, as
    ``torch.autograd.detect_anomaly``; ``check_nan=False`` leaves it off (gpuad's anomaly
    mode is the NaN check).

    Example::

        with gpuad.autograd.detect_anomaly():
            loss.backward()
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _state.flags["anomaly"]
        if self.check_nan:
            _state.flags["anomaly"] = True

    def __exit__(self, *exc: Any) -> None:
        _state.flags["anomaly"] = self.prev

    def __call__(self, fn: Callable) -> Callable:
        check_nan = self.check_nan
        return _state.decorate(lambda: detect_anomaly(check_nan), fn)


class set_detect_anomaly:
    """Turn anomaly detection on or off, as ``torch.autograd.set_detect_anomaly``: called
    alone it stays so; as a ``with`` block it restores the previous setting after.

    Example: ``gpuad.autograd.set_detect_anomaly(True)``
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _state.flags["anomaly"]
        _state.flags["anomaly"] = bool(mode) and bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _state.flags["anomaly"] = self.prev


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on. Example: ``gpuad.autograd.is_anomaly_enabled()``"""
    return bool(_state.flags["anomaly"])
