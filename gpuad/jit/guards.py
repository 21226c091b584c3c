"""Kept branches as guards: a compiled function holds one program per combination of branch
outcomes of a signature, and traces a new one when a call's values take another branch.

Library code that chooses a branch in Python from array values calls
:func:`gpuad._value_checks.keep_branch`; under ``gpuad.jit`` the choice becomes a check step
of the program (:class:`gpuad._value_checks.Branch`) that raises
:class:`gpuad._value_checks.BranchError` on a replay whose values would choose the other
branch. This module decides what happens then:

- :func:`analyse` finds, for each branch check of a program, whether a replay that stops
  there has written anything the caller can see: a write into an argument or a captured
  array (a parameter, an optimizer's state, a ``.grad`` accumulated in place), a result
  planned into a donated argument's memory, or an opaque Python step. Tensor effects
  (``.grad`` set, versions moved) come after the last step and are not done yet; the
  optimizer counters a replay advances before its first step are put back
  (:func:`snapshot`). A check with nothing written before it is *clean*.
- :func:`branch_changed` handles a failed clean check: the counters are put back, the other
  programs of the signature are tried (most recently used first) and, where none fits, the
  function is traced again for this call (its result is the eager one) and the new program
  kept beside the others, up to ``max_variants`` of them. A failed check that is not clean
  raises the error with the reason.

On the CUDA-graph path (cupy backend) a program with branch checks is captured only when it
writes nothing the caller can see (a compiled gradient); each launch then reads its branch
checks on the host right after the launch (one synchronisation), before its outputs and
effects are handed out, so a failed one is handled as above. Other programs with branch
checks replay without a graph, running their checks in order (:func:`graph_ok`).

Example::

    g = gpuad.jit(gpuad.hessian(gnp.linalg.det))
    g(a_regular); g(a_singular)   # two programs, one per branch of det's second derivative
    g.cache_info()["entries"][0]["variants"]
"""

from __future__ import annotations

from typing import Any

from .. import _value_checks as _vc
from ..tensor import Tensor
from . import replay
from .program import Program

_USER_KINDS = ("in", "cap")  # storages the caller can reach


def branch_checks(prog: Program) -> list:
    """The :class:`~gpuad._value_checks.Branch` checks of ``prog``'s live steps, in order."""
    out = []
    for _, s in prog.live_steps():
        c = getattr(s.fn, "check", None) if s.kind == "effect" else None
        if isinstance(c, _vc.Branch):
            out.append(c)
    return out


def _first_write(prog: Program, i: int, s) -> str | None:
    """What step ``i`` writes that the caller can see (None: nothing)."""
    def user(vid) -> bool:
        return prog.vars[prog.root(vid)].kind in _USER_KINDS

    where = f"step {i} ({s.op})"
    if s.kind == "effect":
        if getattr(s.fn, "check", None) is not None:
            return None
        if not s.writes:
            return f"{where}, a Python step whose effects cannot be undone"
    if s.kind in ("write", "effect") and any(user(w) for w in s.writes):
        return f"{where} wrote in place into an argument or a captured array (a parameter, " \
               f"an optimizer's state)"
    plan = prog.plan
    if plan is not None:
        cars = list(plan.outs.get(i) or ()) + [plan.carrier.get(i)]
        if any(c is not None and c[0] == "var" and user(c[1]) for c in cars):
            return f"{where} wrote its result into a donated argument's memory"
    return None


def analyse(prog: Program) -> dict:
    """``{check: None (clean) or why not}`` for each branch check of ``prog`` (see the
    module docstring)."""
    out: dict = {}
    if not branch_checks(prog):
        return out
    dirty = None
    if any(not _undoable(h) for h in prog.prelude):
        dirty = "a host step before the program (an optimizer's own step) cannot be undone"
    for i, s in prog.live_steps():
        c = getattr(s.fn, "check", None) if s.kind == "effect" else None
        if isinstance(c, _vc.Branch):
            out[c] = dirty
        elif dirty is None:
            dirty = _first_write(prog, i, s)
    return out


def graph_ok(prog: Program) -> bool:
    """Whether ``prog`` may run as a CUDA graph: every step runs before its branch checks are
    read, so only a program that writes nothing the caller can see keeps them exact."""
    if not branch_checks(prog):
        return True
    return all(_first_write(prog, i, s) is None for i, s in prog.live_steps())


# ---- the host work before a replay ------------------------------------------------------------

def _undoable(host) -> bool:
    from .optstep import OptHost

    return type(host) is OptHost


def snapshot(prog: Program):
    """A function that saves the optimizer counters the replay of ``prog`` advances before its
    first step and returns a function that puts them back; None when there are none."""
    hosts = [h for h in prog.prelude if _undoable(h)]
    if not hosts:
        return None

    def save():
        saved = [(h.opt, h.opt.step_count, [(st, _numbers(st)) for _, _, st, _ in h.members])
                 for h in hosts]

        def restore():
            for opt, count, states in saved:
                opt.step_count = count
                for st, nums in states:
                    st.update(nums)
        return restore
    return save


def _numbers(st: dict) -> dict:
    return {k: v for k, v in st.items() if isinstance(v, int | float)}


# ---- a failed check ---------------------------------------------------------------------------

def outcomes(prog: Program) -> list[str]:
    """The branch outcomes ``prog`` holds, one line each (``site: True``)."""
    return [f"{c.site}: {c.taken}" for c in branch_checks(prog)]


def _refuse(err: BaseException, why: str) -> _vc.BranchError:
    e = _vc.BranchError(f"{err.args[0] if err.args else err}. It cannot be traced again for "
                        f"this call: {why}. Call the function outside gpuad.jit for such "
                        f"values (or on values like them only)")
    e.check = getattr(err, "check", None)
    return e


def branch_changed(jitted, key, entry, leaves, rebuild, be, err, restore) -> Any:
    """Handle ``err``, a :class:`BranchError` from replaying ``entry`` (see the module
    docstring). Returns ``(outputs, variant)`` when another compiled program of the
    signature fits the call, ``(result, None)`` when it was traced again; else raises."""
    check = getattr(err, "check", None)
    if check not in entry.branches:
        raise err  # not one of this program's own (a nested compiled function's, re-raised)
    why = entry.branches[check]
    if why is not None:
        raise _refuse(err, f"the replay had already written what the caller sees before the "
                           f"check ran ({why}); the call's results are not returned") from None
    if restore is not None:
        restore()
    variants = entry.variants
    inputs = [leaf._data if type(leaf) is Tensor else leaf for leaf in leaves]
    for other in list(variants):
        if other is entry:
            continue
        undo = other.undo() if other.undo is not None else None
        try:
            with other.lock:
                outs = other.runner(inputs, leaves)
        except replay.Retrace:  # traced in a state that no longer holds
            variants.remove(other)
            continue
        except _vc.BranchError as e2:
            c2 = getattr(e2, "check", None)
            if c2 not in other.branches:
                raise
            if other.branches[c2] is not None:
                raise _refuse(e2, f"another compiled program of this signature had already "
                                  f"written what the caller sees before the check ran "
                                  f"({other.branches[c2]})") from None
            if undo is not None:
                undo()
            continue
        jitted._use_variant(key, other)
        other.calls += 1
        return outs, other
    if len(variants) >= jitted.max_variants:
        raise _refuse(err, f"the signature already holds {len(variants)} programs (max_variants"
                           f"={jitted.max_variants}), one per combination of branch outcomes "
                           f"seen, and this call's values take yet another; pass a larger "
                           f"max_variants to gpuad.jit") from None
    if rebuild is None:
        key2, leaves, rebuild, be = jitted._split(tuple(leaves), {})
        if key2 != key:  # pragma: no cover - the fast key and the full key name one signature
            raise err
    new, result = jitted._compile(key, leaves, rebuild, be)
    jitted.branch_retraces += 1
    new.variants = variants
    variants.insert(0, new)
    return result, None
