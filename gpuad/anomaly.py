"""``detect_anomaly()``: find the first op whose value or adjoint stops being finite."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator

from . import _state
from . import _value_checks as _vc

_PKG = os.path.dirname(os.path.abspath(__file__))


class AnomalyError(FloatingPointError):
    """An op produced NaN or inf while anomaly detection was on."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward output or adjoint is NaN or infinite.

    The error names the op, its inputs' shapes and the user's line that recorded it. Off by
    default; when off it costs one flag test per op.

    Under ``gpuad.jit`` the mode is part of each call's signature: a function traced with it
    on holds one check step per checked value (``check:anomaly:<op>`` in ``lower()``), so
    every replay checks its own values and raises the eager error, before the program writes
    anything eager would not have written yet (parameters, optimizer counters, ``.grad``).
    Such a program replays without a CUDA graph (each check reads the device, as the eager
    mode does); programs traced with the mode off hold no checks and cost nothing more.
    See docs/jit.md, "Anomaly mode".

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


def _library_dirs() -> tuple[str, ...]:
    """gpuad's directory and those of CuPy's packages, when imported (a Python frame of CuPy's
    own, ``cupy_array @ t`` handing the operation to gpuad, is not the user's line)."""
    dirs = [_PKG]
    for name in ("cupy", "cupyx"):
        f = getattr(sys.modules.get(name), "__file__", None)
        if f:
            dirs.append(os.path.dirname(os.path.abspath(f)) + os.sep)
    return tuple(dirs)


def user_frame() -> str:
    """'file:line in function' of the innermost caller outside gpuad (and CuPy)."""
    skip = _library_dirs()
    for fr in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(fr.filename).startswith(skip):
            return f"{fr.filename}:{fr.lineno} in {fr.name}: {(fr.line or '').strip()}"
    return "<unknown>"


def _finite(a) -> bool:
    from ._raw import _xp
    from .tensor import Tensor

    d = a._data if isinstance(a, Tensor) else a  # inside vmap: every example
    if not hasattr(d, "dtype") or d.dtype.kind not in "fc":
        return True
    return bool(_xp(d).isfinite(d).all())


def _shapes(args) -> str:
    return ", ".join(str(tuple(getattr(a, "shape", ()))) for a in args)


def _forward_message(rule, args) -> str:
    return (f"{rule.name} produced a non-finite value (inputs of shapes {_shapes(args)}) at "
            f"{user_frame()}")


def _backward_message(node, argnum: int) -> str:
    where = node.where or "<recorded before detect_anomaly() was entered>"
    shapes = ", ".join(str(tuple(e.shape)) if e is not None else "constant"
                       for e in node.edges)
    return (f"the adjoint of {node.rule.name} for argument {argnum} is not finite (inputs of "
            f"shapes {shapes}; output shape {tuple(node.shape)}); the op was recorded at "
            f"{where}")


def _float_inputs(args) -> tuple[list, list[bool]]:
    """The float and complex arrays (Tensors or raw) and Python numbers among ``args``, and
    for each whether it comes from outside the tape (a number, a raw array or a leaf Tensor)
    rather than from an op checked already."""
    from .tensor import Tensor

    out, outside = [], []
    for a in args:
        if isinstance(a, float | complex):
            out.append(a)
            outside.append(True)
            continue
        d = a._data if isinstance(a, Tensor) else a
        if hasattr(d, "dtype") and hasattr(d, "shape") and d.dtype.kind in "fc":
            out.append(d)
            outside.append(not isinstance(a, Tensor) or a._node is None)
    return out, outside


def _made_here(outside: list[bool]):
    """``bad(xp, out, *inputs)``: where ``out`` holds a NaN that no op's output passed in (a
    NaN of the data, a leaf or a constant, counts at the first op reading it), or an infinity
    where no input holds one: infinities given as data (a ``-inf`` padding or mask) are
    passed on, not reported."""

    def bad(xp, out, *inputs):
        nan_in = nan_outside = inf_in = False
        for a, o in zip(inputs, outside, strict=True):
            nan = xp.any(xp.isnan(a))
            nan_in = nan_in | nan
            if o:
                nan_outside = nan_outside | nan
            inf_in = inf_in | xp.any(xp.isinf(a))
        return (xp.isnan(out) & (~nan_in | nan_outside)) | (xp.isinf(out) & ~inf_in)

    return bad


def check_forward(rule, args, out) -> None:
    if _vc.record is not None and _traced("forward", rule, args, out):
        return
    if not _finite(out):
        from ._raw import _xp

        xp = _xp(out)
        inputs, outside = _float_inputs(args)
        inputs = [xp.asarray(a) if isinstance(a, float | complex) else a for a in inputs]
        if bool(xp.any(_made_here(outside)(xp, out, *inputs))):
            raise AnomalyError(_forward_message(rule, args))


def check_backward(node, argnum: int, c) -> None:
    if _vc.record is not None and _traced("backward", node, argnum, c):
        return
    if not _finite(c):
        raise AnomalyError(_backward_message(node, argnum))


class AnomalyCheck(_vc.Check):
    """The finiteness check of one value, as a step of a compiled program. Not capturable
    into a CUDA graph: it raises during the call, before any later write, as eagerly."""

    __slots__ = ()
    capturable = False


def _nonfinite(xp, a):
    return ~xp.isfinite(a)


def _traced(which: str, what, arg, value) -> bool:
    """While ``gpuad.jit`` traces in this thread: check ``value`` now and record the check as
    a step, so that every replay checks its own values, and return True; False where the
    eager check applies (no trace in this thread)."""
    from .jit import anomaly_mode

    state = anomaly_mode.state()
    if state is None:
        return False
    if state == "quiet" and which == "forward":
        return True  # a formula that eager runs on raw arrays, where nothing is checked
    d = getattr(value, "_data", value)
    if not hasattr(d, "dtype") or d.dtype.kind not in "fc":
        return True
    msg = _forward_message(what, arg) if which == "forward" else _backward_message(what, arg)
    name = what.name if which == "forward" else what.rule.name
    if which == "forward":  # the non-finite values the op made (see check_forward)
        inputs, outside = _float_inputs(arg)
        keep = [not isinstance(a, float | complex) for a in inputs]
        numbers = [a for a, k in zip(inputs, keep, strict=True) if not k]
        if any(a != a for a in numbers):
            raise AnomalyError(msg)  # a NaN constant: every replay would report it
        if any(abs(a) == float("inf") for a in numbers):
            return True  # an infinite constant passed in: nothing to report
        arrays = [a for a, k in zip(inputs, keep, strict=True) if k]
        flags = [o for o, k in zip(outside, keep, strict=True) if k]
        check = AnomalyCheck(f"anomaly:{name}", _made_here(flags),
                             lambda count, first: AnomalyError(msg))
        _vc.run(check, value, *arrays)
        return True
    check = AnomalyCheck(f"anomaly:{name}", _nonfinite, lambda count, first: AnomalyError(msg))
    _vc.run(check, value)  # recorded and run now; a value that is a constant: run now only
    return True

