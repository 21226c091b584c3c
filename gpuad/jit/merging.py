"""Moving a fused group into the one later group that reads it.

A forward group whose stored values only one later group of the same shape reads (a backward,
typically) need not write them at all: the later group can compute them itself, once, from
what the forward group loaded. Unlike rematerialisation this adds no work (the values are
computed once, later), so it does not count against ``Options.remat``; the forward group's
trailing reduction (the loss's ``sum``) moves along when nothing in between reads its result.

Example: the chain workload's value_and_grad becomes one kernel that computes the forward and
the backward of each chunk together, keeping nothing between them.
"""

from __future__ import annotations

from .fusion import _readers
from .program import Program


def _quiet_between(prog: Program, roots: set[int], lo: int, hi: int) -> bool:
    """No effect, and no write into ``roots``, between steps ``lo`` and ``hi``."""
    for i in range(lo + 1, hi):
        s = prog.steps[i]
        if s is None:
            continue
        if s.kind == "effect" or (s.kind == "write" and roots & set(s.writes)):
            return False
    return True


def move_into_readers(prog: Program, groups: list, report) -> int:
    """Move each group whose results only one later group reads into that group (see the
    module); returns how many moved. The moved group is left with nothing to store (the
    caller drops it); its nodes join the reader's as computed there."""
    readers = _readers(prog)
    escaping = prog.output_vars()
    owner = {i: g for g in groups for i in g.own}
    moved = 0
    for f in groups:
        if not f.stores and f.reduce is None:
            continue
        if any(v in escaping for v in f.stores):
            continue
        targets: dict[int, object] = {}
        for v in f.stores:
            for r in readers.get(v, ()):
                g = owner.get(r)
                targets[id(g)] = g
        targets.pop(id(f), None)
        if len(targets) != 1:
            continue
        b = next(iter(targets.values()))
        if b is None or b.shape != f.shape or b.own[0] < f.own[-1]:
            continue
        red = f.reduce
        if red is not None:
            if b.reduce is not None:
                continue
            # the reduction's result now appears after b's kernel: nothing up to there (b
            # itself included) may read it
            if any(r <= b.own[-1] for r in readers.get(f.result, ())):
                continue
        if 1 + len(b.stores) + (red is not None or b.reduce is not None) > len(b.own):
            continue
        roots = {prog.root(v) for v in f.loads}
        if not _quiet_between(prog, roots, f.own[-1], b.own[0]):
            continue
        for u in f.order:
            if u not in b.nodes:
                b.nodes[u] = f.nodes[u]
                b.recomputed.append(u)
        for v in f.loads:
            if v not in b.nodes and v not in b.loads:
                b.loads.append(v)
        b.loads = [v for v in b.loads if v not in b.nodes]
        b.order = sorted(b.nodes, key=lambda u: b.nodes[u].step)
        if red is not None:
            b.reduce, b.reduce_of, b.post = red, f.reduce_of, f.post
        report.moved_bytes = getattr(report, "moved_bytes", 0) + sum(
            prog.vars[v].nbytes for v in f.stores)
        f.stores = []
        f.reduce = None
        f.reduce_of = None
        f.post = []
        b.absorbed += [*f.own, *f.absorbed]
        for i in b.absorbed:
            owner[i] = b
        moved += 1
    return moved

