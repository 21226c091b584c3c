"""``gpuad.detect_anomaly()`` while a function is traced: its checks become steps.

Eager anomaly mode checks every op's forward value (``engine._finish``) and every adjoint
contribution (``engine._contribute``). While ``gpuad.jit`` traces with the mode on, each such
check runs at once (the traced call raises as eagerly) and is recorded as a value check step
(:mod:`gpuad._value_checks`, a :class:`gpuad.anomaly.AnomalyCheck`), so that every replay
checks its own values and raises the eager error, the op, shapes and user line being those of
the trace. Two things differ from eager tracing and are set right here:

- the trace runs adjoint (and tangent) formulas on Tensors so that each of their operations is
  recorded, where an eager first-order backward runs them on raw arrays, which are not
  checked: their forward checks are left out (:func:`state` is ``"quiet"``), so that an
  intermediate that eager never checks (``0 / 0`` before the zero guard of an entrywise
  adjoint) raises neither; the contributions are checked, as eagerly;
- an optimizer's host half (counters, per-call numbers) runs where ``opt.step()`` was called
  (``prog.prelude_at``, for every program replayed without a CUDA graph), so a replay that
  raises before that point has not counted a step, as eager has not.
"""

from __future__ import annotations

from .. import engine
from . import trace as _t


def state() -> str | None:
    """None when no trace runs in this thread; else ``"quiet"`` inside a formula that eager
    computes on raw arrays, ``"check"`` otherwise."""
    tr = _t.active()
    if tr is None:
        return None
    return "quiet" if getattr(tr, "anomaly_quiet", 0) else "check"


def _quiet_step(inner):
    def step(node, g, diff, *rest):
        tr = _t.active()
        # a first-order step (diff False) runs its formulas on raw arrays eagerly; a
        # checkpoint's recomputes its block on Tensors, checked eagerly too
        if tr is None or diff or node.rule.name == "checkpoint":
            return inner(node, g, diff, *rest)
        tr.anomaly_quiet += 1
        try:
            return inner(node, g, diff, *rest)
        finally:
            tr.anomaly_quiet -= 1
    return step


def _quiet_tangents(inner):
    def tangents(*args, **kwargs):
        tr = _t.active()
        if tr is None:
            return inner(*args, **kwargs)
        tr.anomaly_quiet += 1
        try:
            return inner(*args, **kwargs)
        finally:
            tr.anomaly_quiet -= 1
    return tangents


def _placed_step(inner):
    def step(opt):
        tr = _t.active()
        if tr is None:
            return inner(opt)
        prog = tr.prog
        at, k = len(prog.steps), len(prog.prelude)
        try:
            return inner(opt)
        finally:
            for j in range(k, len(prog.prelude)):
                prog.prelude_at[j] = at
    return step


def prelude_positions(prog) -> dict | None:
    """Where each optimizer's host half runs in a replay of ``prog`` without a CUDA graph:
    ``{index in prog.prelude: index in prog.steps}``, where its ``step()`` was called, so that
    a replay that raises before that point (an anomaly check, a label out of range checked
    in a primitive's forward, any step's error) has not counted a step, as eager has not.
    None when the program has no host half (a CUDA graph's runs before the launch)."""
    at = getattr(prog, "prelude_at", None)
    return at or None


def install(undo: list, tr) -> None:
    """Put the redirections above in place (after :func:`gpuad.jit.hooks.install`), noting
    in ``undo`` what to restore. Every trace has them, as ``detect_anomaly()`` may be entered
    inside the traced function; without checks they change nothing that is recorded."""
    from .. import optim

    tr.anomaly_quiet = 0
    tr.prog.prelude_at = {}
    for name, wrap in (("_step", _quiet_step), ("_propagate_tangents", _quiet_tangents)):
        old = getattr(engine, name)
        undo.append((engine, name, old))
        setattr(engine, name, wrap(old))
    old = optim.Optimizer.__dict__["step"]
    undo.append((optim.Optimizer, "step", old))
    optim.Optimizer.step = _placed_step(old)
