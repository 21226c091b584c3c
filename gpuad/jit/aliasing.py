"""Outputs of a compiled function that share memory, given back as eager gives them.

Eagerly, ``a[0:2]`` of an argument Tensor is a view: it shares the argument's memory and
version counter and is recorded as a view, so a write through it changes the argument, moves
its version (a step that saved the argument then refuses to backward) and is differentiated
through the view. ``return a`` returns the argument itself; ``return b, b[1:]`` two Tensors
of one buffer and one version counter. A replay computes arrays; :func:`finish` gives its
outputs those relations back:

- an output that is a view of an argument Tensor (or of a Tensor the function read without
  receiving it) is made again from that Tensor by the same view steps, run eagerly (about a
  microsecond each); ``return a`` gives the argument itself;
- an output that is a view of another output is made from that output's Tensor;
- one value returned twice is one Tensor;
- an output that is (a view of) a ``.grad`` the program sets is made from that ``.grad``;
- an output Tensor sharing memory in any other way (a view of the program's constants, views
  of a buffer the function did not return, memory the passes made shared, a view made by
  steps that are not primitives, such as vmap's axis moves) is a fresh copy;
- an output the function returned read-only (``x.imag`` of a real ``x``) is read-only.

Raw arrays (what transforms such as ``grad`` return) are returned as the replay computed them,
as eagerly, except views of the program's constants, which are copied.

Example::

    f = gpuad.jit(lambda a: a[0:2])
    y = f(x)                  # a view of x: y._base is x, one version counter
"""

from __future__ import annotations

import threading

from .. import engine
from .._readonly import ReadOnlyVersion, mark
from ..tensor import Tensor
from . import trace as _trace
from .program import Program, Ref

# the plan of this thread's latest compiled call that has one (gpuad.jit.outer clears it
# before a call, and checks that the plan it finds is one of the called function's)
LAST = threading.local()


class Plan:
    """Per output leaf of a program: how it is made (``how``), and ``readonly``: why it is
    read-only (None where it is writable)."""

    __slots__ = ("how", "readonly", "links", "order")

    def __init__(self, how: list, readonly: list):
        self.how = how
        self.readonly = readonly
        self.links = any(h is not None for h in how) or any(r is not None for r in readonly)
        # the positions to make, each after the one it is made from ("same", "out")
        self.order: list[int] = []
        placed: set[int] = set()

        def place(i):
            if i in placed:
                return
            h = how[i]
            if h is not None and h[0] in ("same", "out"):
                place(h[1])
            placed.add(i)
            if h is not None or readonly[i] is not None:
                self.order.append(i)

        for i in range(len(how)):
            place(i)


def _rule_of(step):
    hit = _trace._FN_CACHE.get(step.key) if step.key is not None else None
    if hit is None or getattr(hit[0], "name", None) != step.op:
        return None
    return hit[0]


def _chain(prog: Program, vid: int, stop: int):
    """The view steps ``(rule, params)`` from variable ``stop`` to ``vid``, or None where one
    is not a primitive of one argument."""
    steps = []
    v = vid
    while v != stop:
        var = prog.vars[v]
        if var.kind != "out" or var.store == v or var.step is None:
            return None
        s = prog.steps[var.step]
        if (s is None or s.kind != "view" or s.dyn or len(s.args) != 1
                or type(s.args[0]) is not Ref or s.args[0].v != var.store):
            return None
        rule = _rule_of(s)
        if rule is None or not getattr(rule, "view", False):
            return None
        steps.append((rule, s.params))
        v = var.store
    return tuple(reversed(steps))


def _ancestors(prog: Program, vid: int) -> list[int]:
    out = []
    v = prog.vars[vid]
    while v.store != v.id:
        v = prog.vars[v.store]
        out.append(v.id)
    return out


def plan(prog: Program, readonly: list | None = None) -> Plan | None:
    """How the outputs of ``prog`` are made (None: each is the array the replay computed,
    wrapped as the program says)."""
    outs = prog.outputs
    n = len(outs)
    how: list = [None] * n
    first: dict[int, int] = {}  # variable -> the first output position holding it
    for i, o in enumerate(outs):
        if o[0] != "var":
            continue
        j = first.setdefault(o[1], i)
        if j != i:
            same = outs[j][2] == o[2] and prog.out_levels[j] == prog.out_levels[i]
            how[i] = ("same", j) if same else ("copy",)
    roots: dict[int, list[int]] = {}
    for i, o in enumerate(outs):
        if o[0] == "var" and how[i] is None:
            roots.setdefault(prog.root(o[1]), []).append(i)
    effect_roots = {prog.root(e[2]) for e in prog.effects if isinstance(e[2], int)}
    grads = {e[2]: e[0] for e in prog.effects if e[1] == "grad" and isinstance(e[2], int)}
    # Tensors whose array the program replaces (t.data = ...): their old array is not theirs
    moved = {e[0][1] if e[0][0] == "arg" else id(e[0][1]) for e in prog.effects
             if e[1] == "data"}
    for i, o in enumerate(outs):
        if o[0] != "var" or how[i] is not None:
            continue
        vid, as_t = o[1], o[2]
        batched = prog.out_levels[i] is not None
        r = prog.root(vid)
        rv = prog.vars[r]
        link = next(((first[a], a) for a in _ancestors(prog, vid) if a in first), None)
        if link is not None:  # a view of another output
            j, a = link
            chain = _chain(prog, vid, a)
            if (chain is not None and as_t == outs[j][2] and not batched
                    and prog.out_levels[j] is None):
                how[i] = ("out", j, chain)
            elif as_t or outs[j][2]:
                how[i] = ("copy",)
            continue
        if rv.kind == "lit":
            if vid != r:  # (a constant itself is copied by the replay)
                how[i] = ("copy",)
            continue
        if r in effect_roots:
            # a .grad the program sets (return p.grad, or a view of it): made from it
            g = next(((v, grads[v]) for v in [vid, *_ancestors(prog, vid)] if v in grads), None)
            chain = _chain(prog, vid, g[0]) if g is not None else None
            if chain is not None and not batched:
                how[i] = ("grad", g[1], chain)
            elif as_t:
                how[i] = ("copy",)
            continue
        if rv.kind == "in":
            k = prog.inputs.index(r)
            chain = () if vid == r else _chain(prog, vid, r)
            if chain is not None and not batched and k not in moved:
                how[i] = ("arg", k, chain)
            elif as_t:
                how[i] = ("copy",)
            continue
        if rv.kind == "cap":
            owner = rv.owner() if rv.owner is not None else None
            if owner is None:
                continue  # an array the caller holds, returned as eagerly
            chain = () if vid == r else _chain(prog, vid, r)
            if chain is not None and not batched and id(owner) not in moved:
                how[i] = ("cap", rv.owner, chain)
            elif as_t:
                how[i] = ("copy",)
            continue
        if as_t and vid != r and len(roots.get(r, ())) > 1:  # views of a buffer not returned
            how[i] = ("copy",)
    ro = list(readonly) if readonly is not None else [None] * n
    p = Plan(how, ro)
    return p if p.links else None


def roots(prog: Program) -> list:
    """Per output leaf: the storage root of its variable (None for a literal)."""
    return [prog.root(o[1]) if o[0] == "var" else None for o in prog.outputs]


def after_passes(prog: Program, p: Plan | None, before: list) -> Plan | None:
    """``p`` (made from the traced program, whose outputs' memory is eager's) once the
    passes have run: an output that the passes made share memory it did not share eagerly
    (CSE merging ``a * 2`` returned twice, or a view of one into another output) is copied."""
    now = roots(prog)
    if now == before:
        return p
    n = len(now)
    how = list(p.how) if p is not None else [None] * n
    ro = list(p.readonly) if p is not None else [None] * n
    count: dict = {}
    for r in now:
        if r is not None:
            count[r] = count.get(r, 0) + 1
    for i, r in enumerate(now):
        if r is None or how[i] is not None or r == before[i]:
            continue
        if count[r] > 1 or prog.vars[r].kind in ("in", "cap", "lit"):
            how[i] = ("copy",)
    q = Plan(how, ro)
    return q if q.links else None


def readonly_of(leaves) -> list:
    """Per output leaf of the traced run: why it is read-only, or None."""
    return [x._ver.why if isinstance(x, Tensor) and isinstance(x._ver, ReadOnlyVersion)
            else None for x in leaves]


def _copy(a):
    c = a.copy()
    if not getattr(getattr(a, "flags", None), "writeable", True):  # NumPy's read-only stay so
        c.flags.writeable = False
    return c


def _derive(t, chain):
    for rule, params in chain:
        t = engine.apply1(rule, t, params)
    return t


def _linkable(h, arg_leaves) -> bool:
    """Whether entry ``h`` can be made from a Tensor of the call (an argument, a closed-over
    Tensor, a ``.grad``)."""
    kind = h[0]
    if kind == "arg":
        a = arg_leaves[h[1]] if h[1] < len(arg_leaves) else None
        return isinstance(a, Tensor) and a._bat is None
    if kind == "cap":
        return h[1]() is not None
    if kind == "grad":
        tgt = h[1]
        owner = (arg_leaves[tgt[1]] if tgt[0] == "arg" and tgt[1] < len(arg_leaves)
                 else tgt[1] if tgt[0] == "obj" else None)
        return isinstance(getattr(owner, "grad", None), Tensor)
    return False


def finish(p: Plan | None, leaves: list, arg_leaves, outer: bool = False) -> list:
    """The output leaves ``leaves`` (as the replay made them: Tensors and raw arrays in
    program order) with the relations of ``p`` restored. ``outer``: the leaves are the
    results of a call differentiated from outside (:mod:`gpuad.jit.outer`); ``arg_leaves``
    are then the caller's own arguments, and views of them are made from those, raw or not."""
    LAST.plan = p
    if p is None:
        return leaves
    out = list(leaves)
    for i in p.order:  # (an output another one is made from comes first)
        out[i] = _make(p, i, out, arg_leaves, outer)
    return out


def _make(p: Plan, i: int, out: list, arg_leaves, outer: bool):
    h = p.how[i]
    x = out[i]
    if h is not None:
        kind = h[0]
        tensor_out = isinstance(x, Tensor)
        if outer and kind != "same" and not (kind == "out" or _linkable(h, arg_leaves)):
            pass  # (its copy was made before the call became a step with a history)
        elif kind == "copy":
            x = Tensor(_copy(x._data), _bat=x._bat) if tensor_out else (
                _copy(x) if hasattr(x, "copy") else x)
        elif kind == "same":
            x = out[h[1]]
        elif kind == "out":
            base = out[h[1]]
            if isinstance(base, Tensor) and (tensor_out or outer):
                x = _derive(base, h[2])
        elif kind == "arg":
            a = arg_leaves[h[1]] if h[1] < len(arg_leaves) else None
            if isinstance(a, Tensor) and a._bat is None and (tensor_out or outer):
                x = _derive(a, h[2])
            elif tensor_out and isinstance(a, Tensor):
                x = Tensor(_copy(x._data), _bat=x._bat)
        elif kind == "grad":
            tgt = h[1]
            owner = (arg_leaves[tgt[1]] if tgt[0] == "arg" and tgt[1] < len(arg_leaves)
                     else tgt[1] if tgt[0] == "obj" else None)
            g = getattr(owner, "grad", None)
            if isinstance(g, Tensor) and (tensor_out or outer):
                x = _derive(g, h[2])
            elif tensor_out:
                x = Tensor(_copy(x._data), _bat=x._bat)
        elif kind == "cap":
            owner = h[1]()
            if owner is not None and (tensor_out or outer):
                x = _derive(owner, h[2])
            elif tensor_out:
                x = Tensor(_copy(x._data), _bat=x._bat)
    why = p.readonly[i]
    if why is not None and isinstance(x, Tensor) and not isinstance(x._ver, ReadOnlyVersion):
        if h is None or h[0] == "copy":
            mark(x, why)
    return x


def none() -> None:
    """Note that the latest compiled call had no plan."""
    LAST.plan = None


def last() -> Plan | None:
    """The plan :func:`finish` applied last in this thread."""
    return getattr(LAST, "plan", None)
