"""Fusion of elementwise steps in a traced program, with rematerialisation.

:func:`fuse` groups maximal runs of consecutive elementwise steps of one output shape (forward
and backward alike), plus a trailing reduction, into one fused step each. An elementwise step
is one whose operation has an expression: the forward expression of its primitive's ``exprs``
slot (:mod:`gpuad.prims.expr`), or an entry of :data:`EXTRA` for a few plain backend calls, or
the zero guard of adjoints. The group's kernel is generated from those expressions
(:mod:`gpuad.jit.codegen_numba` on the CPU, :mod:`gpuad.jit.codegen_cuda` on the GPU), so a
new elementwise primitive with a forward expression is fusable with no code of its own.

Only what is exactly safe is fused: float32/float64 values; inputs that broadcast to the
group's shape; a value read outside its group (a later step, an output, an effect) is still
written to memory; a value that a later fused group could compute again from what is still in
memory is, within a bound on extra work, recomputed there instead of saved
(:func:`gpuad.jit.remat.rematerialise`).

Example::

    prog = gpuad.jit(gpuad.value_and_grad(f)).lower(x)
    print(prog.fusion)      # the groups, saved and recomputed values, bytes
"""

from __future__ import annotations

import functools
import operator
import os
from dataclasses import dataclass, field

import numpy as _np

from ..prims import expr as _E
from .program import Program, Ref, Step

_FLOATS = (_np.dtype(_np.float32), _np.dtype(_np.float64))

#: plain backend calls without a forward expression in their ``exprs`` slot
EXTRA: dict[str, tuple[str, tuple[str, ...]]] = {
    "negative": ("-x", ("x",)),
    "reciprocal": ("1 / x", ("x",)),
    "sinh": ("sinh(x)", ("x",)),
    "cosh": ("cosh(x)", ("x",)),
    # a choice, exact on every target (leaky_relu's where(x > 0, x, slope * x) and its adjoints)
    "where": ("x if c != 0 else y", ("c", "x", "y")),
    # NumPy's: a NaN operand wins (the first of two), of two equal values the second
    "maximum": ("x if x != x else (x if x > y else y)", ("x", "y")),
    "minimum": ("x if x != x else (x if x < y else y)", ("x", "y")),
}

#: comparisons, fused as 0/1 masks computed in their operands' float type (a ``bool`` result
#: stored from the kernel is that mask converted back; the relu adjoint's ``g * (ans > 0)``)
COMPARISONS: dict[str, str] = {
    "greater": "x > y", "greater_equal": "x >= y", "less": "x < y", "less_equal": "x <= y",
    "equal": "x == y", "not_equal": "x != y",
}

#: reductions that may end a group: inside the kernel where the target can (see
#: :func:`gpuad.jit.kernels.make`), else the backend's own call on the kernel's result
REDUCTIONS = ("sum", "mean", "max", "min")

#: steps that may follow a group's reduction inside its kernel (the divide of a ``mean``, a
#: scale of the result): the reduced value divided or multiplied by a number
#: (:func:`_post`); each scales the reduction linearly
POST = ("divide", "multiply")

#: view steps that may sit inside a group when they broadcast a value from outside it (the
#: kernel reads their source through zero strides; see :func:`_broadcast_view`)
VIEWS = ("broadcast_to", "reshape")

GUARD = "guard_zero"


@dataclass
class Options:
    """What :func:`fuse` may do.

    ``functions``: the expression functions a step may call and still be fused (None: all).
    ``remat``: the extra work rematerialisation may add,
    as a fraction of the forward group's own work (0: save everything). ``weights``: the cost
    of one call of a function relative to one arithmetic operation. ``min_size``: groups of
    fewer elements are left alone (on the CPU a parallel loop costs more to start than a few
    NumPy calls on small arrays). ``remat_cut``: how the saved values are chosen, ``"min"``
    (a minimum cut, :mod:`gpuad.jit.remat`) or ``"greedy"`` (the earlier greedy choice).
    ``target``: how a group runs on the CPU: ``"chunked"``
    (the steps' own NumPy calls, chunk by chunk: :mod:`gpuad.jit.codegen_chunked`),
    ``"numba"`` (one generated loop: :mod:`gpuad.jit.codegen_numba`) or ``"auto"`` (Numba
    for a group whose function calls are all float32 ones :mod:`gpuad.jit.vecmath` has, with
    ``vector_math``; chunked for the others; a reduction then runs after the kernel); GPU
    backends ignore it. ``vector_math``: the Numba target computes float32 ``sin``, ``cos``,
    ``tanh``, ``exp``, ``log`` and ``sigmoid`` with :mod:`gpuad.jit.vecmath`'s vectorisable
    functions (within a few ulps of eager's) instead of the C library's, which Numba calls one
    element at a time.
    ``move``: a group whose results only one later group reads moves into it (no extra work;
    :mod:`gpuad.jit.merging`). ``min_steps``: groups of fewer steps are left alone unless one
    calls a math function (on the CPU a short run of arithmetic is faster as NumPy calls
    writing into the memory plan's buffers than as chunks).
    ``reduce_inside``: a trailing reduction runs inside the
    kernel (True), or as the backend's call after it (False); None: the target's default
    (inside on GPUs; after on the CPU, where NumPy's vectorised ``max`` after the kernel was
    measured faster than a fold inside the Numba loop). ``reorder_sums``: a float ``sum``
    may be added inside the kernel in the kernel's own order, rounding differently from the
    backend's ``sum`` (None: yes on GPUs; on the CPU only when True, NumPy's pairwise order
    being eager's bits). ``max``/``min`` are exact in any order.
    """

    functions: frozenset | None = None
    remat: float = 1.0
    function_weight: float = 4.0
    min_size: int = 0
    remat_cut: str = "min"
    target: str = "chunked"
    move: bool = True
    min_steps: int = 2
    reorder_sums: bool | None = None
    reduce_inside: bool | None = None
    vector_math: bool = True


def default_options(backend: str) -> Options:
    """Per backend: everything, any size, on GPUs; on the CPU everything in groups of 2^17
    elements and more: a group whose calls are float32 functions :mod:`gpuad.jit.vecmath` has
    as one Numba loop of vectorised functions (within a few ulps of eager), the others chunk
    by chunk with
    the steps' own NumPy calls (eager's bits); saving every value the backward reads
    (recomputing a math function costs about as much as computing it did, saving costs only
    memory)."""
    if backend == "numpy":
        return Options(remat=0.0, function_weight=16.0, min_size=1 << 17, min_steps=4,
                       target="auto")
    return Options()


@dataclass
class Node:
    """One elementwise step inside a group: ``out = expr`` over ``names`` bound to ``args``
    (Refs or Python numbers), computed in ``dtype``."""

    step: int
    out: int
    expr: str
    names: tuple[str, ...]
    args: tuple
    dtype: _np.dtype
    calls: int = 0
    ops: int = 0
    fn: object = None  # the step's own backend call
    op: str = ""
    home: int = -1  # the group that computes it first
    call_args: tuple = ()  # args for ``fn`` (a constant array as a 0-d one of its dtype)
    ufunc: object = None  # the step's NumPy function taking ``out=`` (the same call as ``fn``)
    rdtype: _np.dtype | None = None  # the result's dtype (``bool`` for a mask; else ``dtype``)


@dataclass
class Group:
    """A fused group: ``nodes`` it computes (its own steps, then steps it recomputes), the
    variables it ``loads`` from memory and ``stores``, and a trailing ``reduce`` step."""

    index: int
    shape: tuple
    own: list[int] = field(default_factory=list)  # step indices replaced by this group
    nodes: dict[int, Node] = field(default_factory=dict)  # out var -> node
    order: list[int] = field(default_factory=list)  # out vars in evaluation order
    loads: list[int] = field(default_factory=list)
    stores: list[int] = field(default_factory=list)
    recomputed: list[int] = field(default_factory=list)  # vars computed again, not loaded
    moved: list[int] = field(default_factory=list)  # vars of a dropped group, computed here
    absorbed: list[int] = field(default_factory=list)  # steps of groups moved into this one
    reduce: Step | None = None
    reduce_of: int | None = None  # the var the reduction reads
    reduce_inside: bool = False  # the reduction runs inside the kernel (else after it)
    post: list[Node] = field(default_factory=list)  # steps on the reduced value (a mean's /)
    views: dict[int, tuple[int, Step]] = field(default_factory=dict)  # view var -> its step
    step: int | None = None  # position of the fused step
    kernel: object = None

    @property
    def result(self) -> int | None:
        """The var of the group's reduced result (after its ``post`` steps), or None."""
        if self.reduce is None:
            return None
        return self.post[-1].out if self.post else self.reduce.out


class Report:
    """What :func:`fuse` did, printable (``print(prog.fusion)``)."""

    def __init__(self, prog: Program, groups: list[Group], backend: str, options: Options):
        self.groups = groups
        self.backend = backend
        self.options = options
        self.prog = prog
        self.saved_before = 0
        self.saved_after = 0
        self.recomputed_bytes = 0
        self.extra_ops = 0
        self.merged = 0  # groups whose every result a later group computes
        self.greedy_wins = 0  # groups where the greedy choice saved less than the cut

    def __str__(self) -> str:
        p = self.prog
        lines = [f"fusion: {len(self.groups)} groups on {self.backend}; saved for later groups "
                 f"{self.saved_after} bytes (without rematerialisation {self.saved_before}), "
                 f"recomputed {self.recomputed_bytes} bytes at {self.extra_ops} extra "
                 f"operations per element"
                 + (f"; {self.merged} groups merged into later ones" if self.merged else "")]
        for g in self.groups:
            ops = " -> ".join(g.nodes[v].op for v in g.order
                              if v not in g.recomputed and v not in g.moved)
            red = ""
            if g.reduce is not None:
                prm = g.reduce.params
                red = (f" -> {g.reduce.op}(axis={prm.get('axis')}"
                       f"{', keepdims' if prm.get('keepdims') else ''}) "
                       + "".join(f"-> {n.op}({_post_arg(n)}) " for n in g.post)
                       + f"{'in the kernel' if g.reduce_inside else 'after the kernel'}")
            lines.append(f"  group {g.index} {list(g.shape)}: {ops}{red}{_target_note(g)}")
            lines.append(f"    loads {_vl(p, [view_root(p, g, v) for v in g.loads])}; "
                         f"stores {_vl(p, g.stores)}")
            if g.views:
                lines.append(f"    broadcasts in the kernel {_vl(p, list(g.views), False)}")
            if g.moved:
                lines.append(f"    computes, in place of an earlier group, "
                             f"{_vl(p, g.moved, False)}")
            if g.recomputed:
                lines.append(f"    recomputes {_vl(p, g.recomputed)}")
        return "\n".join(lines)

    __repr__ = __str__


def _post_arg(n: Node) -> str:
    return ", ".join("_" if type(a) is Ref else repr(a) for a in n.args)


def _vl(p: Program, vids, nbytes: bool = True) -> str:
    if not vids:
        return "nothing"
    return ", ".join(f"%{v} ({p.vars[v].nbytes} B)" if nbytes else f"%{v}" for v in vids)


# ---- which steps are elementwise ----------------------------------------------------------

_PRIMS: dict | None = None


def _prims() -> dict:
    global _PRIMS
    if _PRIMS is None:
        from ..prims.registry import load_all

        _PRIMS = dict(load_all())
    return _PRIMS


def expression_of(op: str) -> tuple[str, tuple[str, ...]] | None:
    """The forward expression of operation ``op`` and the names of its inputs, or None.

    Example: ``expression_of("sin") == ("sin(x)", ("x",))``
    """
    p = _prims().get(op)
    if p is not None and p.exprs is not None and p.exprs.fwd is not None:
        return p.exprs.fwd, _E.input_names(p.impl)
    return EXTRA.get(op)


@functools.lru_cache(maxsize=1024)  # (one parse per expression, not per traced step)
def _count(src: str, names: tuple[str, ...]) -> tuple[int, int, frozenset]:
    import ast

    tree = _E.parse(src, names)
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)]
    ops = sum(isinstance(n, ast.BinOp | ast.UnaryOp | ast.Compare | ast.IfExp)
              for n in ast.walk(tree))
    return len(calls), ops, frozenset(calls)


def _node(prog: Program, i: int, s: Step, opts: Options, written: set[int]) -> Node | None:
    if s.out is None or s.dyn:
        return None
    out = prog.vars[s.out]
    mask = s.op in COMPARISONS and out.dtype == _np.bool_
    if out.dtype not in _FLOATS and not mask:
        return None
    if s.op == GUARD:
        # the guard's result shares r's memory: fused, it is a copy, so r must never be
        # written in place
        if s.kind != "view" or not s.args or type(s.args[0]) is not Ref \
                or prog.root(s.out) in written:
            return None
        names = tuple(f"g{k}" for k in range(len(s.args) - 1))
        expr, names = "guard", ("r", *names)
    else:
        if s.kind != "pure" or s.params:
            return None
        e = (COMPARISONS[s.op], ("x", "y")) if mask else expression_of(s.op)
        if e is None:
            return None
        expr, names = e
        if len(names) != len(s.args):
            return None
    shapes = []
    args = list(s.args)
    call = list(s.args)
    for k, a in enumerate(args):
        if type(a) is Ref:
            c = _uniform(prog, a.v)
            if c is not None:  # a constant array of one value (the seed of a backward)
                shapes.append(prog.vars[a.v].shape)
                args[k] = c
                call[k] = _scalar_array(prog.vars[a.v].value)
                continue
            v = prog.vars[a.v]
            if v.dtype not in _FLOATS and (mask or v.dtype != _np.bool_):
                return None  # a mask (bool) is read as 0/1 by arithmetic, not compared
            shapes.append(v.shape)
        elif type(a) is int:
            if abs(a) > 1 << 53:
                return None  # (beyond int64 numpy.isfinite raises; the step stays eager's)
        elif type(a) is not float or not _np.isfinite(a):
            return None
    dtype = out.dtype
    if mask:  # compared in the operands' float type, as NumPy does
        floats = [prog.vars[a.v].dtype for a in s.args if type(a) is Ref]
        if not floats:
            return None
        dtype = _np.result_type(*floats)
        if any(type(a) is not Ref and float(dtype.type(a)) != a for a in args):
            return None  # a number the float type does not hold exactly
    try:
        if tuple(_np.broadcast_shapes(*shapes, out.shape)) != tuple(out.shape):
            return None
    except ValueError:
        return None
    calls = ops = 0
    if expr != "guard":
        calls, ops, fns = _count(expr, names)
        if opts.functions is not None and not fns <= opts.functions:
            return None
    else:
        ops = 2
    return Node(i, s.out, expr, names, tuple(args), dtype, calls, ops, s.fn, s.op,
                call_args=tuple(call), ufunc=s.ufunc, rdtype=out.dtype)


def _scalar_array(a):
    """A 0-d array of constant ``a``'s first element, of its dtype and array type (a NumPy
    array would be refused by CuPy's functions)."""
    return a.reshape(-1)[:1].reshape(())


def _uniform(prog: Program, vid: int) -> float | None:
    """The value of constant variable ``vid`` when all its elements are one finite float
    (read into the kernel as a number: exact, since the step's dtype holds the constant's),
    else None."""
    v = prog.vars[vid]
    if v.kind != "lit" or v.dtype not in _FLOATS:
        return None
    a = v.value
    if not isinstance(a, _np.ndarray):
        get = getattr(a, "get", None)
        a = get() if get is not None else _np.asarray(a)
    if a.size == 0:
        return None
    first = a.reshape(-1)[0]
    if not _np.isfinite(first) or not bool((a == first).all()):
        return None
    return float(first)


def _reduction(prog: Program, s: Step, group: Group) -> bool:
    if s.op not in REDUCTIONS or s.kind != "pure" or s.dyn or len(s.args) != 1:
        return False
    a = s.args[0]
    if type(a) is not Ref or a.v not in group.nodes:
        return False
    return prog.vars[s.out].dtype == prog.vars[a.v].dtype


def _post(prog: Program, i: int, s: Step, group: Group, opts: Options, written: set[int],
          readers: dict[int, set[int]], escaping) -> Node | None:
    """Step ``i`` divides or multiplies the group's reduced result (read by nothing else)
    by a number, in its dtype: it joins the group (the kernel applies it to the reduced
    value, as eager's step does), else None."""
    if s.op not in POST:
        return None
    prev = group.result
    pv, out = prog.vars[prev], prog.vars[s.out] if s.out is not None else None
    if out is None or readers.get(prev, set()) != {i} or prev in escaping \
            or out.dtype != pv.dtype or tuple(out.shape) != tuple(pv.shape):
        return None
    n = _node(prog, i, s, opts, written)
    if n is None:
        return None
    refs = [k for k, a in enumerate(n.args) if type(a) is Ref]
    if refs != [0] and not (s.op == "multiply" and refs == [1]):
        return None
    if n.args[refs[0]].v != prev:
        return None
    return n


def view_root(prog: Program, group: Group, v: int) -> int:
    """The variable a group's load ``v`` is read from: the source of the broadcast views the
    group absorbed (``v`` itself otherwise)."""
    while v in group.views:
        v = group.views[v][1].args[0].v
    return v


def view_chain(prog: Program, group: Group, v: int) -> list[Step]:
    """The absorbed view steps that make load ``v`` from :func:`view_root`, in order."""
    chain = []
    while v in group.views:
        s = group.views[v][1]
        chain.append(s)
        v = s.args[0].v
    return chain[::-1]


def _broadcast_view(prog: Program, s: Step, group: Group) -> bool:
    """``s`` broadcasts a value from outside ``group`` to (part of) the group's shape:
    ``broadcast_to``, or a ``reshape`` that only inserts or removes axes of length one (the
    unreducing of an adjoint). The group then reads the source through zero strides and the
    view does not end it."""
    if s.op not in VIEWS or s.kind != "view" or s.dyn or s.out is None or len(s.args) != 1:
        return False
    a = s.args[0]
    if type(a) is not Ref or view_root(prog, group, a.v) in group.nodes:
        return False
    out, src = prog.vars[s.out], prog.vars[a.v]
    if out.dtype not in _FLOATS:
        return False
    if s.op == "reshape" and [d for d in src.shape if d != 1] != [d for d in out.shape if d != 1]:
        return False
    try:
        return tuple(_np.broadcast_shapes(out.shape, group.shape)) == tuple(group.shape)
    except ValueError:
        return False


# ---- grouping -----------------------------------------------------------------------------

def find_groups(prog: Program, opts: Options) -> list[Group]:
    """Maximal runs of consecutive elementwise steps of one output shape (two steps at
    least, counting a trailing reduction), through views that broadcast values from outside
    the run."""
    groups: list[Group] = []
    cur: Group | None = None
    written = {w for _, s in prog.live_steps() if s.kind in ("write", "effect")
               for w in s.writes}

    def close():
        nonlocal cur
        if cur is not None and len(cur.own) >= 2 and _size(cur.shape) >= opts.min_size:
            cur.index = len(groups)
            groups.append(cur)
        cur = None

    readers = _readers(prog)
    escaping = prog.output_vars()
    pending: list[tuple[int, Step]] = []  # the view steps just before a group starts
    for i, s in prog.live_steps():
        if cur is not None and cur.reduce is not None:
            p = _post(prog, i, s, cur, opts, written, readers, escaping)
            if p is not None:
                cur.own.append(i)
                cur.post.append(p)
                continue
            close()
        n = _node(prog, i, s, opts, written)
        if n is not None and cur is not None and prog.vars[n.out].shape != cur.shape:
            close()
        if n is not None:
            if cur is None:
                cur = Group(0, prog.vars[n.out].shape)
                for j, vs in pending:  # a leading broadcast
                    if _broadcast_view(prog, vs, cur):
                        cur.views[vs.out] = (j, vs)
                pending = []
            cur.own.append(i)
            cur.nodes[n.out] = n
            cur.order.append(n.out)
            continue
        if cur is not None and _broadcast_view(prog, s, cur):
            cur.views[s.out] = (i, s)
            continue
        if cur is not None and _reduction(prog, s, cur):
            cur.own.append(i)
            cur.reduce = s
            cur.reduce_of = s.args[0].v
            pending = []
            continue  # steps on the reduced value may follow (see _post)
        close()
        pending = pending + [(i, s)] if s.op in VIEWS and s.kind == "view" else []
    close()
    return groups


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _readers(prog: Program) -> dict[int, set[int]]:
    """var -> the steps reading it."""
    out: dict[int, set[int]] = {}
    for i, s in prog.live_steps():
        for r in s.refs():
            out.setdefault(r, set()).add(i)
    return out


def _wire(prog: Program, groups: list[Group]) -> None:
    """Each group's loads (read, not computed inside) and stores (read outside)."""
    readers = _readers(prog)
    escaping = prog.output_vars()
    for g in groups:
        own = set(g.own)
        for v in g.order:
            for a in g.nodes[v].args:
                if type(a) is Ref and a.v not in g.nodes and a.v not in g.loads:
                    g.loads.append(a.v)
        for v in g.order:
            outside = {r for r in readers.get(v, ()) if r not in own}
            if v in escaping or outside:
                g.stores.append(v)


# ---- rewriting the program ----------------------------------------------------------------

class _Item:
    """``fused_out``: output ``k`` of a fused step (which returns a tuple)."""

    def __init__(self, k: int):
        self.k = k
        self._get = operator.itemgetter(k)

    def __call__(self, t):
        return t[self.k]

    def __repr__(self) -> str:
        return f"out[{self.k}]"


def fuse(prog: Program, backend: str | None = None, options: Options | None = None) -> Report:
    """Replace each group of elementwise steps by one fused step; returns the report (also
    ``prog.fusion``). Run after the other passes and before the memory plan. The environment
    variable ``GPUAD_FUSE=0`` turns the default (``options=None``) off.

    Example: ``fuse(prog, "numpy")``
    """
    backend = backend or prog.backend
    opts = options or default_options(backend)
    if options is None and os.environ.get("GPUAD_FUSE", "1") == "0":
        groups = []
    else:
        groups = find_groups(prog, opts)
    _wire(prog, groups)
    # the fused step and one step per result take the positions of the group's steps
    kept = [g for g in groups if 1 + len(g.stores) + (g.reduce is not None) <= len(g.own)
            and (len(g.nodes) >= opts.min_steps or any(n.calls for n in g.nodes.values()))]
    for k, g in enumerate(kept):
        g.index = k
        for n in g.nodes.values():
            n.home = k
    report = Report(prog, kept, backend, opts)
    from .merging import move_into_readers
    from .remat import rematerialise, saved_bytes

    before = saved_bytes(kept, prog)
    if opts.move:
        move_into_readers(prog, kept, report)
    rematerialise(prog, kept, opts, report)  # sets report.saved_before and saved_after
    report.saved_before = before
    live = []
    for g in kept:
        if not g.stores and g.reduce is None:  # every result is computed again later
            for i in g.own:
                prog.steps[i] = None
            report.merged += 1
            continue
        live.append(g)
    dead = {g.index for g in kept} - {g.index for g in live}
    times: dict[int, int] = {}
    for g in live:
        for v in g.recomputed:
            times[v] = times.get(v, 0) + 1
    w = opts.function_weight
    report.recomputed_bytes = report.extra_ops = 0
    for g in live:
        g.moved = [v for v in g.recomputed if g.nodes[v].home in dead and times[v] == 1]
        g.recomputed = [v for v in g.recomputed if v not in g.moved]
        report.extra_ops += int(sum(g.nodes[v].ops + w * g.nodes[v].calls
                                    for v in g.recomputed))
    report.recomputed_bytes = sum(prog.vars[v].nbytes for v in
                                  {v for g in live for v in g.recomputed})
    old_roots: set[int] = set()
    for k, g in enumerate(live):
        g.index = k
        old_roots |= _rewrite(prog, g, backend, opts)
    _reroot_views(prog, old_roots)
    _drop_unread_views(prog, live)
    report.groups = kept = live
    prog.fusion = report  # type: ignore[attr-defined]
    prog.stats["fused_groups"] = len(kept)
    prog.stats["fused_steps"] = sum(len(g.own) for g in kept)
    return report


def _target_note(g: Group) -> str:
    """`` (numba, vector math)``: which CPU generator runs the group's kernel (GPU kernels
    and groups not yet compiled: nothing)."""
    k = g.kernel
    mod = type(getattr(k, "kernel", k)).__module__ if k is not None else ""
    if not mod.startswith(__package__ + ".codegen_") or mod.endswith("cuda"):
        return ""
    return (f" ({mod.rsplit('_', 1)[-1]}"
            f"{', vector math' if getattr(k, 'vector', False) else ''})")


class _Broadcast:
    """A fused step that applies the absorbed broadcast views to its loads, then runs the
    group's kernel (the views cost no copy: the kernel reads through zero strides)."""

    def __init__(self, kernel, chains: list):
        self.kernel = kernel
        self.chains = chains  # per load: the view steps to apply, in order

    def __call__(self, *arrays, **out):
        arrays = list(arrays)
        for k, chain in enumerate(self.chains):
            for s in chain:
                arrays[k] = s.fn(arrays[k], **s.params)
        return self.kernel(*arrays, **out)

    def __getattr__(self, name):  # the kernel's source, spec ...
        if name == "kernel":
            raise AttributeError(name)
        return getattr(self.kernel, name)


def _drop_unread_views(prog: Program, groups: list[Group]) -> None:
    """Absorbed view steps that nothing reads any more (their groups read the source)."""
    views = {i for g in groups for i, _ in g.views.values()}
    if not views:
        return
    readers = _readers(prog)
    for i in sorted(views, reverse=True):  # a view of a view is read by the later one
        s = prog.steps[i]
        if s is not None and not readers.get(s.out) and s.out not in prog.output_vars():
            prog.steps[i] = None
            for r in s.refs():
                readers.get(r, set()).discard(i)


def _reroot_views(prog: Program, old_roots: set[int]) -> None:
    """Views of a result that a fused step now stores in memory of its own (a fused zero
    guard's result was a view of its operand, and views of it shared that operand's memory):
    their memory is that result's, so the memory plan keeps it alive while they are read."""
    if not old_roots:
        return
    for _, s in prog.live_steps():
        if s.kind != "view" or s.out is None:
            continue
        v = prog.vars[s.out]
        src = next((a.v for a in s.args if type(a) is Ref), None)
        if src is None or v.store not in old_roots:
            continue
        root = prog.root(src)
        if root != prog.root(v.id):
            v.store = root


def _rewrite(prog: Program, g: Group, backend: str, opts: Options | None = None) -> set[int]:
    """Put group ``g``'s fused step in the program; returns the memory roots its stored
    results had before (where a result was a view, e.g. a zero guard's, it now has memory of
    its own)."""
    from . import kernels

    kern = kernels.make(prog, g, backend, opts or default_options(backend))
    chains = [view_chain(prog, g, v) for v in g.loads]
    if any(chains):
        kern = _Broadcast(kern, chains)
    g.kernel = kern
    positions = list(g.own)
    first = positions[0]
    tup = prog.new_var(None, "out", step=first)
    tup.nbytes = 0
    label = f"fused{g.index}"
    step = Step(label, kern, tuple(Ref(view_root(prog, g, v)) for v in g.loads), {}, tup.id,
                "pure")
    prog.steps[first] = step
    g.step = first
    results = list(g.stores) + ([g.result] if g.reduce is not None else [])
    old_roots = set()
    for k, (pos, v) in enumerate(zip(positions[1:], results, strict=False)):
        item = Step("fused_out", _Item(k), (Ref(tup.id),), {}, v, "pure")
        prog.steps[pos] = item
        var = prog.vars[v]
        if var.store != v:
            old_roots.add(prog.root(v))
        var.step, var.store = pos, v
    for pos in positions[1 + len(results):]:
        prog.steps[pos] = None
    return old_roots
