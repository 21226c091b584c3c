"""``detect_anomaly()``: find the first op whose value or adjoint stops being finite."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator

from . import _state

_PKG = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """An op produced NaN or inf while anomaly detection was on."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward output or adjoint is NaN or infinite.

    The error names the op, its inputs' shapes and the user's line that recorded it. Off by
    default; when off it costs one flag test per op.

    Example::

        with gpuad.detect_anomaly():
            loss = f(x); loss.backward()
    """
    prev = _state.flags["anomaly"]
    _state.flags["anomaly"] = True
    try:
        yield
    finally:
        _state.flags["anomaly"] = prev


def user_frame() -> str:
    """'file:line in function' of the innermost caller outside gpuad."""
    for fr in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(fr.filename).startswith(_PKG):
            return f"{fr.filename}:{fr.lineno} in {fr.name}: {(fr.line or '').strip()}"
    return "<unknown>"


def _finite(a) -> bool:
    from ._raw import _xp, data

    d = data(a)
    if not hasattr(d, "dtype") or d.dtype.kind not in "fc":
        return True
    return bool(_xp(d).isfinite(d).all())


def _shapes(args) -> str:
    return ", ".join(str(tuple(getattr(a, "shape", ()))) for a in args)


def check_forward(rule, args, out) -> None:
    if not _finite(out):
        raise AnomalyError(
            f"{rule.name} produced a non-finite value (inputs of shapes {_shapes(args)}) at "
            f"{user_frame()}"
        )


def check_backward(node, argnum: int, c) -> None:
    if not _finite(c):
        where = node.where or "<recorded before detect_anomaly() was entered>"
        shapes = ", ".join(str(tuple(e.shape)) if e is not None else "constant"
                           for e in node.edges)
        raise AnomalyError(
            f"the adjoint of {node.rule.name} for argument {argnum} is not finite (inputs of "
            f"shapes {shapes}; output shape {tuple(node.shape)}); the op was recorded at {where}"
        )
