"""Rematerialisation: which values of a fused group later groups compute again instead of
loading (:func:`rematerialise`, run by :func:`gpuad.jit.fusion.fuse`).

For each fused group ``f`` (a forward group, say) whose stored values later fused groups of
the same shape read (the backward's groups, say), the values ``f`` saves for them are chosen
by a minimum cut over ``f``'s values: a saved value costs its bytes, a value the later group
computes again costs its operations, and the extra operations stay within
``Options.remat`` times ``f``'s own work. See docs/fusion.md, section Rematerialisation.

Example::

    prog = gpuad.jit(gpuad.value_and_grad(f)).lower(x)
    print(prog.fusion)      # per group: loads, stores (saved), recomputes; the bytes
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from math import gcd
from typing import TYPE_CHECKING

from .fusion import _readers
from .maxflow import FlowGraph
from .program import Program, Ref

if TYPE_CHECKING:
    from .fusion import Group, Options, Report


def rematerialise(prog: Program, groups: list[Group], opts: Options, report: Report) -> None:
    """Per group, choose which values later groups compute again instead of loading, and
    rewrite the groups' loads, stores and nodes accordingly; sets ``report.saved_before`` and
    ``report.saved_after`` (bytes of group results that later groups load).

    ``opts.remat_cut``: ``"min"`` (a minimum cut, the default) or ``"greedy"`` (the earlier
    greedy choice, kept for comparison). ``opts.remat == 0`` saves everything.
    """
    if opts.remat_cut not in ("min", "greedy"):
        raise ValueError(f"fusion Options.remat_cut must be 'min' or 'greedy', not "
                         f"{opts.remat_cut!r}")
    report.saved_before = saved_bytes(groups, prog)
    if opts.remat > 0:
        readers = _readers(prog)
        escaping = prog.output_vars()
        # a group moved into a later one (gpuad.jit.merging) reads through that one
        step_group = {i: g for g in groups for i in (*g.own, *g.absorbed)}
        for f in groups:
            p = _Problem.of(prog, f, groups, opts, readers, escaping, step_group)
            if p is None:
                continue
            choice = p.greedy()
            if opts.remat_cut == "min":
                cut = p.min_cut()
                if cut is not None and (choice is None or cut.key() <= choice.key()):
                    choice = cut
                elif choice is not None and choice.plans:
                    report.greedy_wins += 1
            if choice is not None and choice.plans:
                _apply(prog, f, groups, choice)
    report.saved_after = saved_bytes(groups, prog)


def saved_bytes(groups: list[Group], prog: Program) -> int:
    """Bytes of group results that another group loads (what a backward keeps alive)."""
    loaded = {v for g in groups for v in g.loads}
    return sum(prog.vars[v].nbytes for g in groups for v in g.stores if v in loaded)


# ---- one group's problem ------------------------------------------------------------------

@dataclass
class _Choice:
    """A choice of saved values: ``stores`` (what ``f`` writes), ``plans`` (consumer group
    index -> the values it computes again), ``bytes`` (of values saved for the consumers,
    beyond those loaded anyway) and ``cost`` (extra weighted operations per element)."""

    saved: frozenset
    stores: list[int]
    plans: dict[int, set[int]]
    bytes: int
    cost: float

    def key(self):
        return (self.bytes, self.cost)


@dataclass
class _Problem:
    prog: Program
    f: Group
    opts: Options
    cands: dict[int, set[int]]  # recomputable stored value -> consumer group indices
    consumers: list  # the groups that may compute values of f again, in program order
    wanted: dict[int, set[int]]  # consumer index -> candidates it reads
    own: set[int]  # values f computes itself (not computed again from an earlier group)
    keep: set[int]  # stored values read outside fused groups: never computed again
    costly: set[int]  # own values costing more than the bound alone: not computed again
    # where f stays (if f disappears its work moves, whatever it costs)
    free: set[int]  # kept values another group reads: loaded whatever is chosen here
    budget: float
    banned: set[int] = field(default_factory=set)  # keep | costly
    written: dict[int, set[int] | None] = field(default_factory=dict)  # consumer -> roots
    # written between f and it (None: an opaque effect, anything may be)

    @classmethod
    def of(cls, prog, f, groups, opts, readers, escaping, step_group):
        cands: dict[int, set[int]] = {}
        free: set[int] = set()
        for v in f.stores:
            cons: set[int] = set()
            ok = v not in escaping
            later = False  # another group reads v
            for r in readers.get(v, ()):
                c = step_group.get(r)
                if c is f:
                    continue
                if c is not None:
                    later = True
                if c is None or c.shape != f.shape or c.own[0] < f.own[-1]:
                    ok = False
                else:
                    cons.add(c.index)
            if ok and cons:
                cands[v] = cons
            elif later:
                free.add(v)
        if not cands:
            return None
        by_index = {g.index: g for g in groups}
        consumers = [by_index[k] for k in sorted({k for cs in cands.values() for k in cs})]
        wanted = {c.index: {v for v, cs in cands.items() if c.index in cs} for c in consumers}
        own = {u for u, n in f.nodes.items() if n.home == f.index}
        w = opts.function_weight
        budget = opts.remat * sum(n.ops + w * n.calls for n in f.nodes.values())
        keep = {v for v in f.stores if v not in cands}
        costly = {u for u in own if _cost1(f.nodes[u], w) > budget} - keep
        p = cls(prog, f, opts, cands, consumers, wanted, own, keep, costly, free, budget,
                keep | costly)
        for c in consumers:
            p.written[c.index] = _written_between(prog, f.own[-1], c.own[0])
        return p

    # ---- evaluating a choice --------------------------------------------------------------
    def cost(self, vids) -> float:
        w = self.opts.function_weight
        return sum(_cost1(self.f.nodes[u], w) for u in vids)

    def readable(self, vid: int, consumers=None) -> bool:
        """Whether every consumer (or those given) may read ``vid``'s memory: not written
        between ``f`` and it."""
        root = self.prog.root(vid)
        for c in consumers if consumers is not None else self.consumers:
            wr = self.written[c.index]
            if wr is None or root in wr:
                return False
        return True

    def evaluate(self, saved, stop_costly: bool = True,
                 moves: bool = True) -> _Choice | None:
        """The choice that saves ``saved`` and the kept values (and, with ``stop_costly``,
        the costly ones) the consumers reach, or None where it breaks the bound, reads
        memory written in between, or needs more results than the group has steps to hold
        them. With ``moves``, where ``f`` then stores nothing it disappears: a value only
        one consumer computes is moved there, not extra work (the greedy counted it)."""
        f = self.f
        stop = set(saved) | self.keep | (self.costly if stop_costly else set())
        plans: dict[int, set[int]] = {}
        loaded: set[int] = set()
        for c in self.consumers:
            want = self.wanted[c.index]
            need = _closure(f, want, stop)
            roots = {a.v for u in need for a in f.nodes[u].args
                     if type(a) is Ref and a.v not in need}
            if any(not self.readable(r, (c,)) for r in roots):
                return None
            if need:
                plans[c.index] = need
            loaded |= (want - need) | (roots & self.own)
        stores = [v for v in f.order if v in loaded or (v in f.stores and v not in self.cands)]
        if 1 + len(stores) + (f.reduce is not None) > len(f.own):
            return None
        times = Counter(u for need in plans.values() for u in need)
        if not moves or stores or f.reduce is not None:
            total = self.cost(times.elements())
        else:  # f disappears (fuse drops it): what one consumer computes is moved there
            total = self.cost(u for u in times.elements() if times[u] > 1)
        if total > self.budget * (1 + 1e-12):
            return None
        nbytes = sum(self.prog.vars[v].nbytes for v in loaded if v not in self.free)
        return _Choice(frozenset(loaded), stores, plans, nbytes, total)

    # ---- the earlier greedy choice --------------------------------------------------------
    def greedy(self) -> _Choice | None:
        """Starting from "save all", drop candidates, cheapest recomputation first, while the
        choice stays within the bound (the choice before the minimum cut)."""
        saved = set(self.f.stores)
        order = sorted(self.cands, key=lambda v: self.cost(_closure(self.f, {v}, saved)))
        for v in order:
            if self.evaluate(saved - {v}, stop_costly=False, moves=False) is not None:
                saved -= {v}
        return self.evaluate(saved, stop_costly=False, moves=False)

    # ---- the minimum cut ------------------------------------------------------------------
    def min_cut(self) -> _Choice | None:
        """The choice saving the fewest bytes among the minimum cuts of ``bytes + lam *
        operations`` over ``lam`` (the smallest ``lam`` whose cut is within the bound),
        then improved by dropping saved values one at a time while the bound holds."""
        net = _Network(self)
        lo = net.solve(net.lam_min)
        best = self.evaluate(lo.saved)
        if best is None:
            hi = net.solve(net.lam_max)
            best = self.evaluate(hi.saved)
            # the cuts are nested as lam grows (capacities grow only on source edges): walk
            # the breakpoints between an infeasible cut and a feasible one
            for _ in range(64):
                if best is None or lo.ops <= hi.ops + 1e-12:
                    break
                lam = (hi.bytes - lo.bytes) / (lo.ops - hi.ops)
                mid = net.solve(lam)
                if mid.value(lam) >= min(lo.value(lam), hi.value(lam)) - 1e-9 * (1 + lam):
                    break  # lo and hi are neighbours: no cut in between
                c = self.evaluate(mid.saved)
                if c is not None:
                    hi, best = mid, c
                else:
                    lo = mid
        if best is not None:
            best = self.improve(best)
        # f disappearing (its work moved to the consumers) is no extra work whatever its
        # values cost, which the costly values would rule out
        gone = self.evaluate(set(), stop_costly=False)
        if gone is not None and (best is None or gone.key() < best.key()):
            best = gone
        return best

    def improve(self, choice: _Choice) -> _Choice:
        """From the cut, drop saved values one at a time, cheapest recomputation first, while
        the bound holds, and keep the best choice met on the way: a single cut cannot take
        "compute one of two equal values again" where the bound pays for only one."""
        best = choice
        saved = set(choice.saved)
        while True:
            movable = [v for v in saved if v not in self.banned]
            movable.sort(key=lambda v: self.cost(_closure(self.f, {v}, saved - {v})))
            for v in movable:
                c = self.evaluate(saved - {v})
                if c is not None:
                    saved = set(c.saved)
                    if c.key() < best.key():
                        best = c
                    break
            else:
                return best


def _cost1(n, w: float) -> float:
    return n.ops + w * n.calls


class _Cut:
    """One minimum cut: the values it saves, their bytes (in units) and the modelled extra
    operations."""

    def __init__(self, saved: set[int], nbytes: float, ops: float):
        self.saved, self.bytes, self.ops = saved, nbytes, ops

    def value(self, lam: float) -> float:
        return self.bytes + lam * self.ops


class _Network:
    """The flow network of one group's values.

    Each value ``u`` (computed in ``f``, or a load of ``f``) is an edge ``u.in -> u.out``
    whose capacity is what saving it costs: its bytes (in units of the common divisor of all
    sizes); 0 for a load, or a value another group loads anyway; infinite where the memory
    cannot be read later (written in between) or ``f`` does not store it (computed again
    from an earlier group). Operands feed their users (``a.out -> u.in``, infinite);
    consumers read the wanted values (``v.out -> sink``, infinite); loads and banned values
    hang from the source (``source -> u.in``, infinite); computing ``u`` again costs
    ``lam * ops(u) * k`` on ``source -> u.in`` (``k``: the consumers that may need it). A cut
    puts a value's ``in`` on the source side and its ``out`` on the sink side: saved.
    """

    def __init__(self, p: _Problem):
        self.p = p
        f = p.f
        vids = list(f.loads) + list(f.order)
        self.index = {v: k for k, v in enumerate(vids)}
        self.n = 2 * len(vids) + 2
        self.src, self.sink = self.n - 2, self.n - 1
        sizes = [p.prog.vars[v].nbytes for v in vids if p.prog.vars[v].nbytes > 0]
        self.unit = reduce(gcd, sizes) if sizes else 1
        # k: how many consumers may need u (u is an ancestor of what they want)
        self.k = dict.fromkeys(f.nodes, 0)
        for c in p.consumers:
            for u in _closure(f, p.wanted[c.index], set()):
                self.k[u] += 1
        ops = {u: _cost1(f.nodes[u], p.opts.function_weight) * self.k[u] for u in f.nodes
               if u not in p.banned and self.k[u]}
        self.ops = ops
        total_ops = sum(ops.values())
        total_bytes = sum(self.save_cap(v) for v in f.nodes if self.save_cap(v) < math.inf)
        positive = [c for c in ops.values() if c > 0]
        # lam_min: bytes first, then operations; lam_max: no operation worth any byte
        self.lam_min = 0.5 / (total_ops + 1.0)
        self.lam_max = (total_bytes + 1.0) / min(positive) if positive else 1.0

    def save_cap(self, v: int) -> float:
        p = self.p
        if v not in p.f.nodes:  # a load of f: in memory already
            return 0.0 if p.readable(v) else math.inf
        if v not in p.own or not p.readable(v):
            return math.inf
        return 0.0 if v in p.free else p.prog.vars[v].nbytes / self.unit

    def solve(self, lam: float) -> _Cut:
        p, f = self.p, self.p.f
        g = FlowGraph(self.n + len(f.order))
        inn = {v: 2 * k for v, k in self.index.items()}
        out = {v: 2 * k + 1 for v, k in self.index.items()}
        extra = self.n
        for v in f.loads:
            g.add_edge(self.src, inn[v], math.inf)
            g.add_edge(inn[v], out[v], self.save_cap(v))
        for u in f.order:
            cap = self.save_cap(u)
            wanted = any(u in w for w in p.wanted.values())
            if wanted and cap == math.inf and u in p.own:
                # the consumers load u itself (as the program did) but may not read it to
                # compute anything else
                g.add_edge(inn[u], extra, 0.0 if u in p.free else
                           p.prog.vars[u].nbytes / self.unit)
                g.add_edge(extra, self.sink, math.inf)
                extra += 1
            elif wanted:
                g.add_edge(out[u], self.sink, math.inf)
            g.add_edge(inn[u], out[u], cap)
            if u in p.banned:
                g.add_edge(self.src, inn[u], math.inf)
            elif self.ops.get(u, 0.0) > 0:
                g.add_edge(self.src, inn[u], lam * self.ops[u])
            for a in f.nodes[u].args:
                if type(a) is Ref and a.v in self.index:
                    g.add_edge(out[a.v], inn[u], math.inf)
        flow = g.max_flow(self.src, self.sink)
        if flow == math.inf:  # pragma: no cover - every path to the sink has a finite edge
            raise AssertionError("rematerialisation: the cut network has no finite cut")
        side = g.source_side(self.src)
        saved = {u for u in f.order if inn[u] in side and out[u] not in side}
        nbytes = sum(self.save_cap(u) for u in saved)
        ops = sum(c for u, c in self.ops.items() if inn[u] not in side)
        return _Cut(saved, nbytes, ops)


# ---- helpers ------------------------------------------------------------------------------

def _written_between(prog: Program, lo: int, hi: int) -> set[int] | None:
    """The storages written by steps strictly between ``lo`` and ``hi``; None when an
    opaque effect runs in between (it may write anything)."""
    out: set[int] = set()
    for i in range(lo + 1, hi):
        s = prog.steps[i]
        if s is None:
            continue
        if s.kind == "effect":
            return None
        if s.kind == "write":
            out.update(s.writes)
    return out


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


def _apply(prog: Program, f: Group, groups: list[Group], choice: _Choice) -> None:
    """Give each consumer the nodes it computes again and the values it now loads; ``f``
    stores what the choice saves."""
    for c in groups:
        need = choice.plans.get(c.index)
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
    f.stores = list(choice.stores)
