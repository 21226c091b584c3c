"""Passes over a traced :class:`~gpuad.jit.program.Program`, each small and usable alone.

- :func:`eliminate_dead_steps`: steps whose results reach no output, effect or kept write.
- :func:`fold_constants`: steps that read only constants run once, at compile time.
- :func:`eliminate_common_subexpressions`: the same op on the same values, computed once.
- :func:`plan_memory`: buffer lifetimes; dead buffers reused; entrywise results (adjoint
  accumulation ``g = g + c``) written in place into an operand that dies there; donated
  arguments reused.

Steps never change order; a pass removes steps (sets them to ``None``), renames variables, or
decides where a step writes its result.

Example::

    prog = gpuad.jit(f).lower(x)          # all passes applied
    eliminate_dead_steps(prog)            # or one at a time on a traced program
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .program import Program, Ref, _collect, resolve

PERSISTENT = ("in", "cap")


def _rename(obj, m: dict):
    if type(obj) is Ref:
        return Ref(m.get(obj.v, obj.v))
    if type(obj) is tuple:
        return tuple(_rename(o, m) for o in obj)
    if type(obj) is list:
        return [_rename(o, m) for o in obj]
    if type(obj) is dict:
        return {k: _rename(o, m) for k, o in obj.items()}
    if type(obj) is slice:
        return slice(_rename(obj.start, m), _rename(obj.stop, m), _rename(obj.step, m))
    return obj


def _written(prog: Program) -> set[int]:
    out: set[int] = set()
    for _, s in prog.live_steps():
        out.update(s.writes)
    return out


def eliminate_dead_steps(prog: Program) -> int:
    """Remove steps whose results nothing needs; returns how many were removed.

    Writes and effects are kept when the storage they write is an argument, captured state,
    or read later; results are kept when an output, an effect or a kept step reads them.
    """
    live_vars = set(prog.output_vars())
    live_stores = {prog.root(v) for v in live_vars}
    removed = 0
    for i in range(len(prog.steps) - 1, -1, -1):
        s = prog.steps[i]
        if s is None:
            continue
        if s.kind in ("write", "effect"):
            keep = s.kind == "effect" or any(
                w in live_stores or prog.vars[w].kind in PERSISTENT for w in s.writes)
        else:
            keep = s.out in live_vars
        if not keep:
            prog.steps[i] = None
            removed += 1
            continue
        for r in s.refs():
            live_vars.add(r)
            live_stores.add(prog.root(r))
    prog.stats["dead_steps"] = prog.stats.get("dead_steps", 0) + removed
    return removed


def fold_constants(prog: Program) -> int:
    """Run steps whose inputs are all constants (``lit`` variables or literals) now, making
    their results constants; returns how many steps were folded. Results the program later
    writes into are not folded."""
    written = _written(prog)
    env: dict[int, Any] = {v.id: v.value for v in prog.vars if v.kind == "lit"}
    folded = 0
    for i, s in enumerate(prog.steps):
        if s is not None and s.kind == "effect" and getattr(s.fn, "check", None) is not None \
                and all(r in env for r in s.refs()):
            prog.steps[i] = None  # a value check of constants: it passed when traced
            continue
        if s is None or s.kind not in ("pure", "view") or s.key is None:
            continue
        refs = s.refs()
        if any(r not in env for r in refs) or prog.root(s.out) in written:
            continue
        if s.kind == "view" and any(prog.root(r) in written for r in refs):
            continue
        val = s.fn(*resolve(s.args, env), **resolve(s.params, env))
        v = prog.vars[s.out]
        v.kind, v.value, v.dyn, v.step, v.store = "lit", val, False, None, v.id
        env[v.id] = val
        prog.steps[i] = None
        folded += 1
    prog.stats["folded_steps"] = prog.stats.get("folded_steps", 0) + folded
    return folded


def _freeze(obj):
    if type(obj) is Ref:
        return ("%", obj.v)
    if isinstance(obj, tuple | list):
        return (type(obj).__name__,) + tuple(_freeze(o) for o in obj)
    if isinstance(obj, dict):
        return ("dict",) + tuple((k, _freeze(v)) for k, v in sorted(obj.items()))
    if isinstance(obj, slice):
        return ("slice", _freeze(obj.start), _freeze(obj.stop), _freeze(obj.step))
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and hasattr(obj, "__len__"):
        return ("id", id(obj))  # a literal array: the same object only
    if isinstance(obj, float | complex | _np.inexact):
        # by its digits: 0.0 == -0.0, yet x / 0.0 and x / -0.0 are infinities of two signs
        return (type(obj).__name__, repr(obj))
    hash(obj)
    return (type(obj).__name__, obj)


def eliminate_common_subexpressions(prog: Program) -> int:
    """Merge steps that apply the same primitive to the same values (the same variables, not
    written in between) with equal parameters; returns how many steps were merged away.
    Outputs are never merged into one another (each stays its own array)."""
    epoch: dict[int, int] = {}
    seen: dict = {}
    rename: dict[int, int] = {}
    outs = prog.output_vars()
    written = _written(prog)
    merged = 0
    for i, s in enumerate(prog.steps):
        if s is None:
            continue
        if rename:
            s.args = _rename(s.args, rename)
            if s.dyn:
                s.params = _rename(s.params, rename)
        if s.kind in ("write", "effect"):
            for w in s.writes:
                epoch[w] = epoch.get(w, 0) + 1
            continue
        if s.key is None or prog.root(s.out) in written:
            continue  # a result written in place (or a view of one) is not its twin's copy
        try:
            refs: list = []
            _collect((s.args, s.params), refs)
            key = (s.key, _freeze(s.args), _freeze(s.params),
                   tuple(epoch.get(prog.root(r), 0) for r in refs))
        except TypeError:
            continue
        prev = seen.get(key)
        if prev is None or s.out in outs:
            seen.setdefault(key, s.out)
            continue
        rename[s.out] = prev
        prog.steps[i] = None
        merged += 1
    if rename:
        for v in prog.vars:  # views of a merged result view the result it was merged into
            v.store = rename.get(v.store, v.store)
        prog.outputs = [("var", rename.get(o[1], o[1]), o[2]) if o[0] == "var" else o
                        for o in prog.outputs]
        prog.effects = [(t, a, rename.get(v, v) if a in ("data", "grad") and v is not None
                         else v) for t, a, v in prog.effects]
    prog.stats["cse_steps"] = prog.stats.get("cse_steps", 0) + merged
    return merged


class Plan:
    """Where each planned step writes its result.

    ``carrier[i]``: for step ``i``, ``("buf", k)`` (preallocated buffer ``k``) or
    ``("var", v)`` (the array of variable ``v``: in place into a dead operand or a donated
    argument). ``buffers``: (shape, dtype) of each preallocated buffer. ``peak``: bytes of
    intermediate buffers ``before`` planning (one per step result), ``after`` (buffers plus
    what unplanned steps allocate per call) and ``live`` (the most alive at once).
    ``outs[i]``: for a fused step ``i`` (several results), the carrier of each stored result
    (None where it gets a fresh array).
    """

    def __init__(self):
        self.carrier: dict[int, tuple] = {}
        self.outs: dict[int, list] = {}
        self.buffers: list[tuple] = []
        self.buffer_of: dict[int, str] = {}
        self.peak: dict[str, int] = {}
        self.inplace = 0
        self.reused = 0
        self.donated: frozenset[int] = frozenset()  # donated inputs (the plan may write them)

    @property
    def nbuffers(self) -> int:
        return len(self.buffers)


def _nbytes(shape, dtype) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n * dtype.itemsize


def plan_memory(prog: Program, donated: set[int] = frozenset()) -> Plan:
    """Assign buffers to the results of steps that can write into one (``Step.ufunc``).

    A buffer is free once the last step reading any variable in its storage has run. An
    entrywise step writes into an operand that dies at that step when shapes and dtypes match
    (this makes ``acc = acc + c`` an in-place accumulation); otherwise it takes a free buffer
    of its shape and dtype, or a new one. Results that leave the program (outputs, effects)
    and arguments (unless donated) are never reused.
    """
    plan = Plan()
    plan.donated = frozenset(donated)
    steps = prog.live_steps()
    last: dict[int, int] = {}
    for i, s in steps:
        for r in s.refs():
            last[prog.root(r)] = i
    escaping = {prog.root(v) for v in prog.output_vars()}
    carrier_of: dict[int, tuple] = {}
    for vid in donated:
        v = prog.vars[vid]
        if v.kind == "in" and v.id == v.store and vid not in escaping:
            carrier_of[vid] = ("var", vid)
    dying: dict[int, list[int]] = {}
    for root, i in last.items():
        dying.setdefault(i, []).append(root)
    free: dict[tuple, list] = {}
    handed: set[int] = set()
    picked: dict[int, list] = {}  # a fused step's tuple -> [(k, result var)]
    for _, s in steps:
        if s.op == "fused_out":
            picked.setdefault(s.args[0].v, []).append((s.fn.k, s.out))
    filled: set[int] = set()
    for i, s in steps:
        if s.out in picked and getattr(s.fn, "takes_out", False):
            cars = [None] * s.fn.spec.nstores
            for k, v in picked[s.out]:
                if k >= len(cars) or prog.root(v) in escaping:
                    continue
                var = prog.vars[v]
                key = (var.shape, var.dtype)
                if free.get(key):
                    car = free[key].pop()
                    plan.reused += 1
                else:
                    car = ("buf", len(plan.buffers))
                    plan.buffers.append(key)
                cars[k] = car
                carrier_of[v] = car
                filled.add(v)
                plan.buffer_of[v] = f"buffer {car[1]}" if car[0] == "buf" else f"%{car[1]}"
                if v not in last:
                    dying.setdefault(i, []).append(v)
            if any(c is not None for c in cars):
                plan.outs[i] = cars
        if s.kind == "pure" and s.ufunc is not None and prog.root(s.out) not in escaping:
            v = prog.vars[s.out]
            key = (v.shape, v.dtype)
            car = None
            if s.inplace_ok:
                for a in s.args:
                    if type(a) is not Ref:
                        continue
                    av = prog.vars[prog.root(a.v)]
                    if (last.get(av.id) == i and av.id in carrier_of
                            and (av.shape, av.dtype) == key and av.id not in handed):
                        car = carrier_of[av.id]
                        handed.add(av.id)
                        plan.inplace += 1
                        break
            if car is None and free.get(key):
                car = free[key].pop()
                plan.reused += 1
            if car is None:
                car = ("buf", len(plan.buffers))
                plan.buffers.append(key)
            carrier_of[s.out] = car
            plan.carrier[i] = car
            plan.buffer_of[s.out] = (f"buffer {car[1]}" if car[0] == "buf"
                                     else f"%{car[1]} (in place)")
            if s.out not in last:  # never read: free at once
                dying.setdefault(i, []).append(s.out)
        for root in dying.get(i, ()):
            car = carrier_of.get(root)
            if car is not None and root not in handed and root not in escaping:
                v = prog.vars[root]
                free.setdefault((v.shape, v.dtype), []).append(car)
                handed.add(root)
    before = 0
    unplanned = 0
    live = peak_live = 0
    for i, s in steps:
        if s.kind != "pure":
            continue
        b = prog.vars[s.out].nbytes
        before += b
        if i not in plan.carrier and s.out not in filled:
            unplanned += b
    # the most bytes alive at once when each result is freed after its last use
    born = {}
    for i, s in steps:
        if s.kind == "pure":
            born.setdefault(i, []).append(s.out)
    for i, _s in steps:
        for vid in born.get(i, ()):
            live += prog.vars[vid].nbytes
        peak_live = max(peak_live, live)
        for root in dying.get(i, ()):
            v = prog.vars[root]
            if v.kind == "out" and root not in escaping:
                live -= v.nbytes
    after = sum(_nbytes(sh, dt) for sh, dt in plan.buffers) + unplanned
    plan.peak = {"before": before, "after": after, "live": peak_live}
    prog.plan = plan
    prog.stats["buffers"] = len(plan.buffers)
    prog.stats["inplace"] = plan.inplace
    prog.stats["reused"] = plan.reused
    return plan


def optimize(prog: Program, donated: set[int] = frozenset(), fuse: Any = True) -> Program:
    """The whole pipeline: dead steps, constants, common subexpressions, dead steps again
    (merging and folding leave some), fusion of elementwise steps (``fuse``: False for none,
    or :class:`gpuad.jit.fusion.Options`), memory plan."""
    eliminate_dead_steps(prog)
    fold_constants(prog)
    eliminate_common_subexpressions(prog)
    eliminate_dead_steps(prog)
    if fuse is not False and fuse is not None:
        from . import fusion

        fusion.fuse(prog, options=fuse if isinstance(fuse, fusion.Options) else None)
    plan_memory(prog, donated)
    return prog
