"""The traced program: variables (every buffer named) and steps (one backend call each).

A :class:`Program` is a straight-line list of :class:`Step` over :class:`Var`. Each variable is
one array value; several variables may share one *storage* (a view shares its base's memory, and
an in-place write changes its target's storage without making a new variable). Steps never move:
passes remove or merge steps and change where results are written, never their order.

Kinds of variables:

- ``in``: leaf ``k`` of the call's arguments (read each call);
- ``cap``: an array the function read without receiving it (a closure, a parameter): read live
  each call, through its owning Tensor where it has one;
- ``lit``: a constant nobody outside the program can reach (made while tracing, or folded);
- ``init``: a constant the program writes into: a fresh copy of it each call;
- ``out``: the result of a step.

Example::

    prog = gpuad.jit(f).lower(x)
    print(prog)            # the Wengert list
    prog.peak_bytes        # {'before': ..., 'after': ...}
"""

from __future__ import annotations

from typing import Any

import numpy as _np


class Ref:
    """A reference to variable ``v`` inside a step's arguments or parameters."""

    __slots__ = ("v",)

    def __init__(self, v: int):
        self.v = v

    def __repr__(self) -> str:
        return f"%{self.v}"


class Var:
    """One array value of the program (see the module docstring for ``kind``)."""

    __slots__ = ("id", "shape", "dtype", "kind", "store", "step", "value", "owner", "dyn",
                 "snapshot", "nbytes")

    def __init__(self, id: int, shape, dtype, kind: str, store: int, step: int | None = None,
                 value: Any = None, owner: Any = None, dyn: bool = True, nbytes: int = 0):
        self.id = id
        self.shape = tuple(shape)
        self.dtype = dtype
        self.kind = kind
        self.store = store  # the variable whose memory this one lives in (itself if fresh)
        self.step = step  # index of the defining step (kind "out")
        self.value = value  # the array (cap, lit, init)
        self.owner = owner  # weakref to the Tensor holding a captured array
        self.dyn = dyn  # depends on an argument or on captured (mutable) state
        self.snapshot = None  # value before the program's first write (cap)
        self.nbytes = nbytes

    def __repr__(self) -> str:
        return f"%{self.id}"


class Step:
    """One call ``out = fn(*args, **params)``.

    ``kind``: ``pure`` (a fresh result), ``view`` (the result shares an input's memory),
    ``write`` (writes into ``args[0]`` in place, no result) or ``effect`` (an opaque call that
    writes the storages in ``writes``, e.g. an optimizer update; never removed or merged).
    ``ufunc``: a NumPy function taking ``out=``, when the memory plan may give it a buffer.
    ``inplace_ok``: the op is entrywise, so ``out`` may be one of its same-shaped inputs.
    """

    __slots__ = ("op", "fn", "args", "params", "out", "kind", "ufunc", "inplace_ok", "dyn",
                 "writes", "where", "key", "ctx")

    def __init__(self, op: str, fn, args: tuple, params: dict, out: int | None, kind: str,
                 dyn: bool = False, writes: tuple = (), where: str = "", key: Any = None):
        self.op = op
        self.fn = fn
        self.args = args
        self.params = params
        self.out = out
        self.kind = kind
        self.ufunc = None
        self.inplace_ok = False
        self.dyn = dyn  # params hold references to variables
        self.writes = writes
        self.where = where
        self.key = key  # identity of the operation for CSE (None: never merged)
        self.ctx = None  # what eager's error says when this step fails (gpuad.jit.failures)

    def refs(self):
        """Variable ids this step reads (arguments and references inside parameters)."""
        out: list[int] = []
        _collect(self.args, out)
        if self.dyn:
            _collect(self.params, out)
        return out


_PLAIN = frozenset((int, float, bool, str, type(None)))  # (hold no Ref: not walked)


def _collect(obj, out: list) -> None:
    if type(obj) is Ref:
        out.append(obj.v)
    elif isinstance(obj, tuple | list):
        for o in obj:
            t = type(o)
            if t is Ref:
                out.append(o.v)
            elif t not in _PLAIN:
                _collect(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _collect(o, out)
    elif type(obj) is slice:  # bounds the tracer recorded as variables (Tracer.enc)
        _collect((obj.start, obj.stop, obj.step), out)


def resolve(obj, env):
    """``obj`` with every :class:`Ref` replaced by its value in ``env`` (a list)."""
    if type(obj) is Ref:
        return env[obj.v]
    if type(obj) is tuple:
        return tuple(resolve(o, env) for o in obj)
    if type(obj) is list:
        return [resolve(o, env) for o in obj]
    if type(obj) is dict:
        return {k: resolve(o, env) for k, o in obj.items()}
    if type(obj) is slice:
        return slice(resolve(obj.start, env), resolve(obj.stop, env), resolve(obj.step, env))
    return obj


class Program:
    """A traced straight-line program (see the module docstring)."""

    def __init__(self):
        self.vars: list[Var] = []
        self.steps: list[Step | None] = []
        self.inputs: list[int | None] = []  # per argument leaf: its variable (None: not an array)
        self.outputs: list = []  # per output leaf: ("var", id, as_tensor) or ("lit", value)
        self.out_def = None
        self.out_order = None  # the key order of the dicts returned (see dict_order.py)
        # per output leaf: its vmap levels, as positions among the arguments' levels (a
        # function compiled inside vmap, on batched arguments), or None
        self.out_levels: list = []
        self.effects: list = []  # (target, attr, value): Tensor state set after each call
        self.guards: list = []  # (target, grad): the .grad each replay expects to find
        # host work before each replay (gpuad.jit.optstep.OptHost: optimizer counters and
        # the per-call numbers its recorded steps read): check() -> bool, advance(stream)
        self.prelude: list = []
        self.plan = None  # set by passes.plan_memory
        self.weak_in: dict = {}  # leaf -> float or complex: traced Python numbers (weak.py)
        self.weak_out: dict = {}  # output leaf -> float or complex: returned as Python numbers
        self.backend = "numpy"
        self.stats: dict[str, int] = {}

    # ---- building --------------------------------------------------------------------------
    def new_var(self, arr, kind: str, store: int | None = None, **kw) -> Var:
        vid = len(self.vars)
        shape = getattr(arr, "shape", ())
        dtype = getattr(arr, "dtype", None)
        nbytes = int(getattr(arr, "nbytes", 0))
        v = Var(vid, shape, dtype, kind, vid if store is None else store, nbytes=nbytes, **kw)
        self.vars.append(v)
        return v

    def live_steps(self):
        return [(i, s) for i, s in enumerate(self.steps) if s is not None]

    def root(self, vid: int) -> int:
        v = self.vars[vid]
        while v.store != v.id:
            v = self.vars[v.store]
        return v.id

    def output_vars(self) -> set[int]:
        out = {o[1] for o in self.outputs if o[0] == "var"}
        out.update(e[2] for e in self.effects if isinstance(e[2], int))
        return out

    # ---- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(1 for s in self.steps if s is not None)

    def __str__(self) -> str:
        lines = []
        used = {r for _, s in self.live_steps() for r in s.refs()} | self.output_vars()
        for v in self.vars:
            if v.kind == "in":
                lines.append(f"  %{v.id} = input {_fmt(v)}")
            elif v.kind in ("cap", "lit", "init") and v.id in used:
                lines.append(f"  %{v.id} = {_KIND[v.kind]} {_fmt(v)}")
        buf = self.plan.buffer_of if self.plan is not None else {}
        for _, s in self.live_steps():
            args = ", ".join(_arg(a) for a in s.args)
            ps = ", ".join(f"{k}={_arg(p)}" for k, p in s.params.items()
                           if not callable(p) or type(p) is Ref)
            call = f"{s.op}({args}{', ' if args and ps else ''}{ps})"
            if s.kind == "write":
                lines.append(f"  {call}   # writes %{s.args[0].v}")
            elif s.kind == "effect":
                lines.append(f"  {call}   # effect")
            else:
                v = self.vars[s.out]
                note = ""
                if s.kind == "view":
                    note = f"   # view of %{self.root(s.out)}"
                elif s.out in buf:
                    note = f"   # into {buf[s.out]}"
                lines.append(f"  %{s.out} = {call} : {_fmt(v)}{note}")
        outs = ", ".join(f"%{o[1]}" if o[0] == "var" else repr(o[1]) for o in self.outputs)
        lines.append(f"  return {outs}")
        head = f"program: {len(self)} steps"
        if self.plan is not None:
            pb = self.plan.peak
            head += (f", intermediate bytes {pb['before']} before planning, {pb['after']} "
                     f"after ({self.plan.nbuffers} buffers)")
        fusion = getattr(self, "fusion", None)
        tail = [str(fusion)] if fusion is not None and fusion.groups else []
        return "\n".join([head] + lines + tail)

    @property
    def peak_bytes(self) -> dict[str, int]:
        """Bytes of intermediate buffers: ``before`` (one buffer per step result) and
        ``after`` (the memory plan's buffers and per-call allocations)."""
        if self.plan is None:
            return {"before": before_bytes(self), "after": before_bytes(self)}
        return dict(self.plan.peak)


_KIND = {"cap": "captured", "lit": "constant", "init": "initial"}


def before_bytes(prog: Program) -> int:
    """Bytes held if every step result kept a buffer of its own (no planning)."""
    return sum(prog.vars[s.out].nbytes for _, s in prog.live_steps()
               if s.kind == "pure" and s.out is not None)


def _fmt(v: Var) -> str:
    dt = v.dtype if v.dtype is not None else "?"
    return f"{dt}{list(v.shape)}"


def _arg(a) -> str:
    if type(a) is Ref:
        return repr(a)
    if isinstance(a, tuple):
        return "(" + ", ".join(_arg(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, list):
        return "[" + ", ".join(_arg(x) for x in a) + "]"
    if isinstance(a, _np.ndarray) or hasattr(a, "__cuda_array_interface__"):
        return f"array{list(a.shape)}"
    if isinstance(a, _np.dtype):
        return str(a)
    r = repr(a)
    return r if len(r) <= 40 else r[:37] + "..."
