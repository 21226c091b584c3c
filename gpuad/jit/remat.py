"""Rematerialisation: which values of a fused group later groups compute again instead of
loading (:func:`rematerialise`, run by :func:`gpuad.jit.fusion.fuse`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .fusion import _readers
from .program import Program, Ref

if TYPE_CHECKING:
    from .fusion import Group, Options, Report


# ---- rematerialisation --------------------------------------------------------------------

def _writes_between(prog: Program, roots: set[int], lo: int, hi: int) -> bool:
    for i in range(lo + 1, hi):
        s = prog.steps[i]
        if s is not None and s.kind in ("write", "effect") and roots & set(s.writes):
            return True
        if s is not None and s.kind == "effect":
            return True
    return False


def _closure(f: Group, wanted: set[int], saved: set[int]) -> set[int]:
    """The vars of ``f`` that must be computed again to get ``wanted`` from ``saved`` and
    ``f``'s loads."""
    need: set[int] = set()
    stack = list(wanted)
    while stack:
        v = stack.pop()
        if v in need or v in saved or v not in f.nodes:
            continue
        need.add(v)
        for a in f.nodes[v].args:
            if type(a) is Ref:
                stack.append(a.v)
    return need


def rematerialise(prog: Program, groups: list[Group], opts: Options, report: Report) -> None:
    """Per group, choose which stored values later groups compute again instead of loading.

    A value is a candidate when only later fused groups of the same shape read it and the
    group's loads it depends on are not written in between. Starting from "save all",
    candidates are dropped from the saved set greedily, cheapest recomputation first, while
    the total extra work (weighted operations per element, summed over the reading groups)
    stays within ``opts.remat`` times the group's own work. A greedy cut, not the optimal one.
    """
    readers = _readers(prog)
    escaping = prog.output_vars()
    step_group = {i: g for g in groups for i in g.own}
    w = opts.function_weight

    def cost(nodes) -> float:
        return sum(n.ops + w * n.calls for n in nodes)

    for f in groups:
        cands: dict[int, set] = {}  # var -> consumer groups
        for v in f.stores:
            if v in escaping:
                continue
            cons = set()
            ok = True
            for r in readers.get(v, ()):
                c = step_group.get(r)
                if c is f:
                    continue
                if c is None or c.shape != f.shape or c.own[0] < f.own[-1]:
                    ok = False
                    break
                cons.add(c.index)
            if ok and cons:
                cands[v] = cons
        if not cands:
            continue
        budget = opts.remat * cost(f.nodes.values())
        saved = set(f.stores)

        def extra(saved_set):
            total = 0.0
            plans = {}
            for c in groups:
                wanted = {v for v in f.stores if v not in saved_set and c.index in
                          cands.get(v, ())}
                if not wanted:
                    continue
                need = _closure(f, wanted, saved_set)
                # what the recomputation reads from memory: loads and saved values
                roots = {prog.root(a.v) for v in need for a in f.nodes[v].args
                         if type(a) is Ref and a.v not in need}
                if _writes_between(prog, roots, f.own[-1], c.own[0]):
                    return None, None
                total += cost(f.nodes[v] for v in need)
                plans[c.index] = need
            return total, plans

        order = sorted(cands, key=lambda v: cost(f.nodes[u] for u in _closure(f, {v}, saved)))
        for v in order:
            trial = saved - {v}
            t, _ = extra(trial)
            if t is not None and t <= budget:
                saved = trial
        t, plans = extra(saved)
        if not plans:
            continue
        for c in groups:
            need = plans.get(c.index)
            if not need:
                continue
            need = {u for u in need if u not in c.nodes}  # c may have it from elsewhere
            for u in f.order:
                if u in need:
                    c.nodes[u] = f.nodes[u]
                    c.recomputed.append(u)
            for u in f.order:
                if u not in need:
                    continue
                for a in f.nodes[u].args:
                    if type(a) is Ref and a.v not in c.nodes and a.v not in c.loads:
                        c.loads.append(a.v)
            c.loads = [x for x in c.loads if x not in c.nodes]
            c.order = sorted(c.nodes, key=lambda u: c.nodes[u].step)  # program order
        dropped = [v for v in f.stores if v not in saved]
        report.recomputed_bytes += sum(prog.vars[v].nbytes for v in dropped)
        report.extra_ops += int(t)
        f.stores = [v for v in f.stores if v in saved]
