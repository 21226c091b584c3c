"""Replay: a planned program becomes one flat Python function of backend calls.

The generated function reads its inputs, runs one line per step (``v7 = multiply(v3, v5,
out=B2)``) on preallocated buffers, applies the recorded effects on Tensors (``.grad``, versions)
and returns the outputs. Nothing else is left in the loop: no dispatch, recording, version
checks or broadcasting logic. ``print(compiled.source)`` shows it.

On the GPU the same function is captured once into a CUDA graph (:func:`capture_graph`) and
each later call copies the inputs into the graph's input buffers and launches the graph.
"""

from __future__ import annotations

import weakref
from contextlib import nullcontext as _nullcontext
from typing import Any

import numpy as _np

from ..tensor import Tensor
from .program import Program, Ref


class StaleCaptureError(RuntimeError):
    """A captured tensor changed shape or dtype since the function was compiled."""


class Retrace(Exception):
    """The state a program was traced in (a tensor's ``.grad``) no longer holds."""


class Compiled:
    """The replay function of one program: ``run(inputs, arg_leaves) -> outputs``."""

    def __init__(self, prog: Program, xp):
        self.prog = prog
        self.xp = xp
        self.ns: dict[str, Any] = {"_Tensor": Tensor, "_Stale": StaleCaptureError,
                                   "_Retrace": Retrace}
        self.lines: list[str] = []
        self._names: dict[int, str] = {}
        self._build()
        code = "\n".join(self.lines)
        self.source = code
        exec(compile(code, "<gpuad.jit replay>", "exec"), self.ns)
        self.run = self.ns["_run"]

    def _const(self, obj) -> str:
        key = id(obj)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"K{len(self._names)}"
            self.ns[name] = obj
        return name

    def _expr(self, obj) -> str:
        t = type(obj)
        if t is Ref:
            return f"v{obj.v}"
        if t is tuple:
            inner = ", ".join(self._expr(o) for o in obj)
            return f"({inner}{',' if len(obj) == 1 else ''})"
        if t is list:
            return "[" + ", ".join(self._expr(o) for o in obj) + "]"
        if t is slice and any(type(x) is Ref for x in (obj.start, obj.stop, obj.step)):
            return (f"slice({self._expr(obj.start)}, {self._expr(obj.stop)}, "
                    f"{self._expr(obj.step)})")
        if obj is None or t is bool or t is int:
            return repr(obj)
        if t is float and obj == obj and obj not in (float("inf"), float("-inf")):
            return repr(obj)
        return self._const(obj)

    def _build(self) -> None:
        prog, xp = self.prog, self.xp
        plan = prog.plan
        L = self.lines
        L.append("def _run(_in, _args):")
        for target, expected in prog.guards:
            obj = f"_args[{target[1]}]" if target[0] == "arg" else self._const(target[1])
            L.append(f"    if {obj}.grad is not {self._expr(expected)}:")
            L.append("        raise _Retrace")
        for k, vid in enumerate(prog.inputs):
            if vid is not None and prog.vars[vid].kind == "in" and prog.vars[vid].store == vid:
                L.append(f"    v{vid} = _in[{k}]")
        used = set()
        for _, s in prog.live_steps():
            used.update(s.refs())
        used.update(prog.output_vars())
        for v in prog.vars:
            if v.id not in used:
                continue
            if v.kind == "lit":
                L.append(f"    v{v.id} = {self._const(v.value)}")
            elif v.kind == "init":
                L.append(f"    v{v.id} = {self._const(v.value)}.copy()")
            elif v.kind == "cap":
                owner = v.owner() if v.owner is not None else None
                arr = self._const(v.value)
                if owner is None:
                    L.append(f"    v{v.id} = {arr}")
                else:
                    w = self._const(weakref.ref(owner))
                    shp, dt = self._const(v.shape), self._const(v.dtype)
                    L.append(f"    _t = {w}()")
                    L.append(f"    v{v.id} = {arr} if _t is None else _t._data")
                    L.append(f"    if v{v.id}.shape != {shp} or v{v.id}.dtype != {dt}:")
                    L.append(f"        raise _Stale('a tensor the compiled function reads "
                             f"(shape {v.shape}, {v.dtype}) now has shape %s, %s; call "
                             f"clear_cache() on the jitted function to recompile' % "
                             f"(v{v.id}.shape, v{v.id}.dtype))")
        bufs = []
        if plan is not None:
            for k, (shape, dtype) in enumerate(plan.buffers):
                b = xp.empty(shape, dtype)
                bufs.append(b)
                self.ns[f"B{k}"] = b
        self.buffers = bufs
        for i, s in prog.live_steps():
            args = ", ".join(self._expr(a) for a in s.args)
            if s.kind == "write":
                target = self._expr(s.args[0])
                val = self._expr(s.args[1])
                idx = self._expr(s.params["index"]) if "index" in s.params else "..."
                if getattr(s.fn, "__name__", "") == "_write_last":  # repeated positions
                    L.append(f"    {self._const(s.fn)}({target}, {val}, {idx})")
                else:
                    L.append(f"    {target}[{idx}] = {val}")
                continue
            fn = self._const(s.fn)
            if s.kind == "effect":
                L.append(f"    {fn}({args})")
                continue
            car = plan.carrier.get(i) if plan is not None else None
            if car is not None:
                uf = self._const(s.ufunc)
                out = f"B{car[1]}" if car[0] == "buf" else f"v{car[1]}"
                L.append(f"    v{s.out} = {uf}({args}, out={out})")
                continue
            ps = ", ".join(f"{k}={self._expr(p)}" for k, p in s.params.items())
            sep = ", " if args and ps else ""
            L.append(f"    v{s.out} = {fn}({args}{sep}{ps})")
        self._effects()
        # a constant returned as an output is copied: the caller may write into it
        outs = [f"v{o[1]}.copy()" if prog.vars[o[1]].kind == "lit" else f"v{o[1]}"
                for o in prog.outputs if o[0] == "var"]
        L.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")

    def _effects(self) -> None:
        L = self.lines
        for target, attr, val in self.prog.effects:
            obj = f"_args[{target[1]}]" if target[0] == "arg" else self._const(target[1])
            if attr == "grad":
                L.append(f"    {obj}.grad = None" if val is None else
                         f"    {obj}.grad = _Tensor(v{val})")
            elif attr == "data":
                L.append(f"    {obj}._data = v{val}")
            elif attr == "ver":
                L.append(f"    {obj}._ver[0] += {int(val)}")
                L.append(f"    {obj}._seen = {obj}._ver[0]")


def capture_graph(run, inputs: list, args: list, xp):
    """Capture one call of ``run(inputs, args)`` into a CUDA graph on a fresh stream.

    Returns ``(graph, stream, outputs)``: ``graph.launch(stream)`` repeats every kernel of the
    call on the same buffers (``inputs`` are those buffers: copy new values into them first).
    All allocations happen before capture (the memory plan's buffers) or come from CuPy's
    stream-ordered pool. This is the one place that touches CUDA graphs.
    """
    stream = xp.cuda.Stream(non_blocking=True)
    pool = getattr(xp.cuda, "MemoryAsyncPool", None)
    alloc = xp.cuda.using_allocator(pool().malloc) if pool is not None else _nullcontext()
    with stream, alloc:
        stream.begin_capture()
        try:
            outs = run(inputs, args)
        finally:
            graph = stream.end_capture()
    hook = getattr(graph, "standin_replay", None)
    if hook is not None:  # the CuPy stand-in records no kernels: it repeats the call on launch
        def again():
            for o, n in zip(outs, run(inputs, args), strict=True):
                o[...] = n
        hook(again)
    return graph, stream, outs


class GraphReplay:
    """A compiled program launched as one CUDA graph per call (cupy backend).

    The first call runs the program once eagerly (warming CuPy's kernel caches, which compile
    on first use and cannot be compiled under capture), then captures it. Later calls copy the
    arguments into the captured input buffers, launch the graph, and return copies of the
    outputs made on the same stream (no host synchronisation).
    """

    def __init__(self, compiled: Compiled, xp):
        self.c = compiled
        self.xp = xp
        self.graph = None

    def __call__(self, inputs: list, args: list):
        xp = self.xp
        if self.graph is None:
            self.c.run(inputs, args)  # warm-up: kernels compiled, pools filled
            self.inputs = [None if a is None else xp.empty_like(a) for a in inputs]
            for dst, src in zip(self.inputs, inputs, strict=True):
                if dst is not None:
                    dst[...] = src
            self.graph, self.stream, self.outs = capture_graph(self.c.run, self.inputs, args,
                                                               xp)
        else:
            with self.stream:
                for dst, src in zip(self.inputs, inputs, strict=True):
                    if dst is not None:
                        dst[...] = src
        self.graph.launch(self.stream)
        with self.stream:
            return tuple(o.copy() for o in self.outs)


def graph_capturable(prog: Program) -> bool:
    """Whether the program can run as a CUDA graph: no opaque effects (an optimizer's Python
    state changes its kernel arguments between calls), no Tensor effects, no per-call
    copies of initial values, and captured state read through fixed arrays."""
    if prog.effects:
        return False
    for _, s in prog.live_steps():
        if s.kind == "effect":
            return False
    return all(v.kind not in ("init", "cap") or v.owner is None for v in prog.vars)


def host(a) -> Any:
    return a if isinstance(a, _np.ndarray) else _np.asarray(a)
