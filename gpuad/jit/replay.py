"""Replay: a planned program becomes one flat Python function of backend calls.

The generated function reads its inputs, runs one line per step (``v7 = multiply(v3, v5,
out=B2)``) on preallocated buffers, applies the recorded effects on Tensors (``.grad``, versions)
and returns the outputs. Nothing else is left in the loop: no dispatch, recording, version
checks or broadcasting logic. ``print(compiled.source)`` shows it.

On the GPU the same function's kernels are captured once into a CUDA graph
(:func:`capture_graph`, :class:`GraphReplay`): the generated source holds, besides ``_run``,
the pieces of the graph path: ``_guard`` and ``_advance`` (host work before the launch:
guards, optimizer counters and per-call numbers), ``_body`` (the kernels, captured),
``_caps`` (the arrays captured Tensors hold now) and ``_graph_effects`` (host work after it).
Where CuPy refuses to capture some steps (cuBLAS), :meth:`Compiled.pieces` cuts ``_body`` at
every step so that the capture can leave those steps out and run them between graphs, or
record the matrix products through :mod:`gpuad.backends.cublas_graph` instead.
"""

from __future__ import annotations

import operator
import re as _re
import sys
import warnings
import weakref
from collections import Counter as _Counter
from contextlib import nullcontext as _nullcontext
from typing import Any

import numpy as _np

from .. import engine as _engine
from ..tensor import Tensor
from . import anomaly_mode, failures
from .program import Program, Ref

_is_not = operator.is_not
_getrefcount = sys.getrefcount


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
                                   "_Retrace": Retrace, "_H": _engine._hooked}
        self.lines: list[str] = []
        self._names: dict[int, str] = {}
        self._build()
        self.source = "\n".join(self.lines)
        # _run now; the CUDA-graph path's functions (half the source) when first asked for
        exec(compile("\n".join(self.lines[:self._graph_at]), failures.FILENAME, "exec"),
             self.ns)
        self.run = self.ns["_run"]

    def _graph_fn(self, name: str):
        if "_body" not in self.ns:  # (compiled at their lines of the whole source)
            at = self._graph_at
            exec(compile("\n" * at + "\n".join(self.lines[at:]), failures.FILENAME, "exec"),
                 self.ns)
        return self.ns[name]

    guard = property(lambda self: self._graph_fn("_guard"))
    advance = property(lambda self: self._graph_fn("_advance"))
    body = property(lambda self: self._graph_fn("_body"))
    caps = property(lambda self: self._graph_fn("_caps"))
    graph_effects = property(lambda self: self._graph_fn("_graph_effects"))

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
        guard: list[str] = []
        for target, expected in prog.guards:
            obj = f"_args[{target[1]}]" if target[0] == "arg" else self._const(target[1])
            guard.append(f"    if {obj}.grad is not {self._expr(expected)}:")
            guard.append("        raise _Retrace")
            # a hook registered since the trace: trace again (where hooks are refused)
            guard.append(f"    if _H and {obj}._node in _H:")
            guard.append("        raise _Retrace")
        for v in prog.vars:  # a closed-over tensor that starts or stops requiring grad:
            owner = v.owner() if v.kind == "cap" and v.owner is not None else None
            if owner is not None:  # the outputs' history changes, so trace again
                w = self._const(weakref.ref(owner))
                guard.append(f"    _t = {w}()")
                guard.append(f"    if _t is not None and _t.requires_grad is not "
                             f"{bool(owner.requires_grad)}:")
                guard.append("        raise _Retrace")
        hosts = [self._const(h) for h in prog.prelude]
        for h in hosts:  # all checked before any of them changes state
            guard.append(f"    if not {h}.check():")
            guard.append("        raise _Retrace")
        advance = [f"    {h}.advance(_stream)" for h in hosts]
        L = self.lines = []
        caps: list[str] = []
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
                    caps.append(f"v{v.id}")
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
        self._starts: list[tuple[int, Any]] = []  # (first body line, step) per live step
        for i, s in prog.live_steps():
            self._starts.append((len(L), s))
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
            cars = plan.outs.get(i) if plan is not None else None
            if cars is not None:
                bufs = ", ".join("None" if c is None else f"B{c[1]}" if c[0] == "buf"
                                 else f"v{c[1]}" for c in cars)
                sep = ", " if args else ""  # (a fused group may read no array)
                L.append(f"    v{s.out} = {fn}({args}{sep}out=({bufs},))")
                continue
            car = plan.carrier.get(i) if plan is not None else None
            if car is not None:
                uf = self._const(s.ufunc)
                out = f"B{car[1]}" if car[0] == "buf" else f"v{car[1]}"
                strided = _strided_operands(prog, s)
                if strided:  # NumPy lays eager's result out as such operands: keep its bits
                    test = " and ".join(f"v{v}.flags.c_contiguous" for v in strided)
                    L.append(f"    v{s.out} = {uf}({args}, out={out}) if {test} else "
                             f"{uf}({args})")
                    continue
                L.append(f"    v{s.out} = {uf}({args}, out={out})")
                continue
            ps = ", ".join(f"{k}={self._expr(p)}" for k, p in s.params.items())
            sep = ", " if args and ps else ""
            L.append(f"    v{s.out} = {fn}({args}{sep}{ps})")
        body = L
        self._body_lines = body
        self._pieces: list | None = None
        # a constant returned as an output is copied: the caller may write into it
        outs = _tuple([f"v{o[1]}.copy()" if prog.vars[o[1]].kind == "lit" else f"v{o[1]}"
                       for o in prog.outputs if o[0] == "var"])
        evals = [e[2] for e in prog.effects if e[1] in ("grad", "data") and e[2] is not None]
        self._tail = f"    return {outs}, {_tuple([f'v{v}' for v in evals])}"
        run = advance + body
        at = anomaly_mode.prelude_positions(prog)
        if at:  # anomaly mode: each optimizer's host half where its step() was called
            run = _placed(advance, body, prog, self._starts, at)
        # a failing step raises eager's error (gpuad.jit.failures): the body in a try, whose
        # handler finds the step from the line (no cost while nothing raises)
        whole = guard + run + self._effects(lambda v: f"v{v}") + [f"    return {outs}"]
        self.lines = (["def _run(_in, _args, _stream=None):", "    try:"]
                      + ["    " + line for line in whole]
                      + ["    except _Errors as _e:", "        _x = _failed(_e)",
                         "        if _x is None:", "            raise",
                         "        raise _x from _e", ""])
        self.steps_at: dict[int, Any] = {}  # line of the source -> its step
        self._line_steps(whole, body, 3)
        # the CUDA-graph path: host work (guards, counters, effects) apart from the kernels
        self._graph_at = len(self.lines)
        self.lines += ["def _guard(_args):"] + guard + ["    return True", ""]
        self.lines += ["def _advance(_stream):"] + advance + ["    return None", ""]
        self._line_steps(body, body, len(self.lines) + 2)
        self.lines += ["def _body(_in, _args):"] + body
        self.lines += [f"    return {outs}, {_tuple([f'v{v}' for v in evals])}", ""]
        self.lines += ["def _caps(_args):"] + self._cap_lines(body, caps)
        pos = {v: k for k, v in enumerate(evals)}
        self.lines += (["def _graph_effects(_args, _ev, _G):"]
                       + self._effects(lambda v: f"_ev[{pos[v]}]", graph=True)
                       + ["    return None", ""])
        #: the positions of the inputs the program reads: named anywhere in the generated
        #: code but where they are read from ``_in``
        text = "\n".join(self.lines)
        named = _Counter(_re.findall(r"\bv(\d+)\b", text))  # one pass, not one per input
        loaded = _Counter(_re.findall(r"v(\d+) = _in\[", text))
        self.inputs_read = [k for k, vid in enumerate(prog.inputs) if vid is not None and (
            named.get(str(vid), 0) > loaded.get(str(vid), 0))]

    def _line_steps(self, lines: list[str], body: list[str], first: int) -> None:
        """Map each line of ``lines`` (the first being line ``first`` of the source) that is
        a line of ``body`` to its step, for :func:`gpuad.jit.failures.rewrite`."""
        of: list = [None] * len(body)
        starts = self._starts + [(len(body), None)]
        for (a, s), (b, _) in zip(starts, starts[1:], strict=False):
            of[a:b] = [s] * (b - a)
        steps, k = self.steps_at, 0
        for n, line in enumerate(lines):
            if k < len(body) and line is body[k]:
                if of[k] is not None:
                    steps[first + n] = of[k]
                k += 1
        self.ns["_Errors"] = failures.ERRORS
        self.ns["_failed"] = self._failed

    def _failed(self, e: BaseException) -> BaseException | None:
        return failures.rewrite(e, self.step_at, self.prog.backend)

    def step_at(self, code, line: int):
        """The step that line ``line`` of generated function ``code`` runs, or None."""
        if code.co_filename == failures.FILENAME:
            return self.steps_at.get(line)
        if code.co_filename == failures.PIECES and self._pieces is not None:
            m = _re.fullmatch(r"_(?:first|again|direct)(\d+)", code.co_name)
            if m is not None and int(m.group(1)) < len(self._pieces):
                return self._pieces[int(m.group(1))][0]
        return None

    def pieces(self) -> list[tuple[Any, Any, Any, Any]]:
        """The body cut at every step, for piecewise capture: one ``(step, first, again, dry)``
        per block (``step`` None for the block that reads the inputs and captured Tensors), and a
        last ``(None, tail, None, None)``. Blocks pass values through a dict ``_e``:
        ``first(_in, _args, _e)`` runs the block and stores its results in ``_e``;
        ``again`` runs it and writes its results into the arrays ``first`` stored (so an
        array a later block reads keeps its address); ``tail(_e)`` returns what ``_body``
        returns; ``dry`` (None when the step's result is not one fresh array) only allocates
        the array ``first`` would store. Made on first use."""
        if self._pieces is not None:
            return self._pieces
        body = self._body_lines
        cuts = [(0, None)] + self._starts + [(len(body), None)]
        blocks = [(cuts[k][1], body[cuts[k][0]:cuts[k + 1][0]]) for k in range(len(cuts) - 1)]
        blocks.append((None, [self._tail]))
        src: list[str] = []
        direct: dict[int, tuple] = {}
        ns_extra: dict[str, Any] = {"_into": _into, "_empty": self.xp.empty,
                                    "_matmul": self.xp.matmul}
        defined: set[str] = set()
        for k, (_, lines) in enumerate(blocks):
            names = sorted(set(_re.findall(r"\bv\d+\b", "\n".join(lines))) & defined)
            loads = [f"    {n} = _e['{n}']" for n in names]
            if k == len(blocks) - 1:
                src += ["def _tail(_e):"] + loads + lines + [""]
                break
            made = list(dict.fromkeys(m.group(1) for line in lines
                                      if (m := _re.match(r"    (v\d+) = ", line))))
            step = blocks[k][0]
            if (step is not None and step.kind == "pure" and made == [f"v{step.out}"]
                    and "out=" not in lines[-1]):  # an unplanned fresh array: its memory
                var = self.prog.vars[step.out]
                dt = f"_dt{k}"
                ns_extra[dt] = var.dtype
                src += [f"def _dry{k}(_in, _args, _e):",
                        f"    _e['v{step.out}'] = _empty({var.shape!r}, {dt})",
                        "    return None", ""]
            src += [f"def _first{k}(_in, _args, _e):"] + loads + lines
            src += [f"    _e['{n}'] = {n}" for n in made] + ["    return None", ""]
            mm = self._plain_matmul(step, lines)
            if mm is not None:  # the product recorded in the graph (gpuad.backends.cublas_graph)
                src += [f"def _direct{k}(_in, _args, _e, _gemm):"] + loads
                src += [f"    _r = _gemm({mm[0]}, {mm[1]})", "    if _r is None:",
                        "        return False", f"    _e['v{step.out}'] = _r",
                        "    return True", ""]
                direct[k] = tuple(self.prog.vars[r.v] for r in step.args)
            src += [f"def _again{k}(_in, _args, _e):"] + loads + self._again_lines(step, lines)
            src += [f"    _into(_e['{n}'], {n})" for n in made] + ["    return None", ""]
            defined.update(made)
        ns = dict(self.ns, **ns_extra)
        exec(compile("\n".join(src), failures.PIECES, "exec"), ns)
        n = len(blocks) - 1
        self._pieces = [(blocks[k][0], ns[f"_first{k}"], ns[f"_again{k}"],
                         ns.get(f"_dry{k}")) for k in range(n)]
        self._pieces.append((None, ns["_tail"], None, None))
        #: block -> ``_direct(_in, _args, _e, gemm)``: the block's matmul as ``gemm(a, b)``
        #: (True), or nothing done where ``gemm`` declines (False); and its operands' shapes
        self.direct = {k: ns[f"_direct{k}"] for k in direct}
        self.direct_shapes = [(v[0].dtype, v[0].shape, v[1].shape) for v in direct.values()]
        return self._pieces

    def _plain_matmul(self, step, lines: list[str]) -> tuple[str, str] | None:
        """The names of the two operands when ``lines`` are one ``a @ b`` of arrays of the
        result's dtype into a fresh array (``xp.matmul(a, b)``), else None."""
        if (step is None or step.kind != "pure" or step.op != "matmul" or step.params
                or len(step.args) != 2
                or any(type(a) is not Ref for a in step.args) or len(lines) != 1
                or "out=" in lines[0]):
            return None
        dt = self.prog.vars[step.out].dtype
        if any(self.prog.vars[a.v].dtype != dt for a in step.args):
            return None
        a, b = (f"v{r.v}" for r in step.args)
        return a, b

    def _again_lines(self, step, lines: list[str]) -> list[str]:
        """A left-out step's lines on later calls: a matmul of arrays of its result's dtype
        writes into the array of the capture (``out=``, as the step's own ``xp.matmul`` call
        would compute it); any other step computes a fresh result that ``_into`` copies."""
        mm = self._plain_matmul(step, lines)
        if mm is None:
            return lines
        return [f"    v{step.out} = _matmul({mm[0]}, {mm[1]}, out=_e['v{step.out}'])"]

    def _effects(self, ref, graph: bool = False) -> list[str]:
        """The Tensor effects. On the graph path a ``.grad`` is one Tensor over the graph's
        buffer, the same object on every call (its version moves as the buffer is rewritten)."""
        L: list[str] = []
        for k, (target, attr, val) in enumerate(self.prog.effects):
            obj = f"_args[{target[1]}]" if target[0] == "arg" else self._const(target[1])
            if attr == "grad" and val is not None and graph:
                L.append(f"    _g = _G.get({k})")
                L.append(f"    if _g is None or _g._data is not {ref(val)}:")
                L.append(f"        _g = _G[{k}] = _Tensor({ref(val)})")
                L.append("    else:")
                L.append("        _g._ver[0] += 1")
                L.append("        _g._seen = _g._ver[0]")
                L.append(f"    {obj}.grad = _g")
            elif attr == "grad":
                L.append(f"    {obj}.grad = None" if val is None else
                         f"    {obj}.grad = _Tensor({ref(val)})")
            elif attr == "data":
                L.append(f"    {obj}._data = {ref(val)}")
            elif attr == "ver":
                L.append(f"    {obj}._ver[0] += {int(val)}")
                L.append(f"    {obj}._seen = {obj}._ver[0]")
        return L

    @staticmethod
    def _cap_lines(body: list[str], caps: list[str]) -> list[str]:
        """``_caps``: the arrays the captured Tensors hold now (the lines of ``body`` that
        read them), in order."""
        out = []
        for line in body:
            if line.startswith(("    _t = ", "    if v", "        raise _Stale")) or (
                    line.startswith("    v") and " if _t is None else _t._data" in line):
                out.append(line)
        out.append(f"    return {_tuple(caps)}")
        return out + [""]


def _holding(xp, held: list):
    """Allocate from CuPy's default pool and keep every block in ``held``: memory a graph's
    kernels use must stay the graph's own (no other array may be given it), and a warm-up
    that holds its blocks leaves the pool enough cached blocks that capturing needs no
    ``cudaMalloc`` (not allowed while a stream captures)."""
    using = getattr(xp.cuda, "using_allocator", None)
    get_pool = getattr(xp, "get_default_memory_pool", None)
    if using is None or get_pool is None:
        return _nullcontext()
    pool = get_pool()
    take = getattr(held, "take", None)  # (a _Blocks: the allocations of one capture)

    def malloc(size):
        if take is not None:
            return take(pool, size)
        mem = pool.malloc(size)
        held.append(mem)
        return mem
    return using(malloc)


def capture_graph(body, inputs: list, args: list, xp, stream, held: list):
    """Capture one call of ``body(inputs, args)`` into a CUDA graph on ``stream``.

    Returns ``(graph, result)``: on a GPU nothing runs while capturing, ``graph.launch(stream)``
    runs every kernel of the call on the same buffers (``inputs`` are those buffers: copy new
    values into them first) and ``result`` holds the arrays it writes. Allocations go to
    ``held`` (see :func:`_holding`). This is the one place that touches CUDA graphs; it raises
    what CuPy raises for work that cannot be captured (cuBLAS, cuSOLVER and cuRAND calls are
    refused while a stream captures, as are host synchronisations).
    """
    with stream, _holding(xp, held):
        stream.begin_capture()
        try:
            result = body(inputs, args)
        finally:
            graph = stream.end_capture()
    return graph, result


def _refused(e: BaseException) -> bool:
    """CuPy's refusal of a library call (cuBLAS, cuSOLVER, cuRAND) on a capturing stream."""
    return isinstance(e, NotImplementedError) and "during stream capture" in str(e)


def _strided_operands(prog: Program, step) -> list[int]:
    """The operands of a planned NumPy step that may not be C-contiguous at a call: arrays of
    two or more axes. NumPy gives an entrywise result the layout of such operands (a
    transposed input makes a transposed result) where the plan's buffer is C-contiguous, and
    a later reduction adds in the order of the layout (pairwise along a contiguous axis, one
    row after another otherwise; float16 sums in float32 along a contiguous axis only), so
    the step writes into its buffer only when eager's result would be laid out as it is."""
    if prog.backend != "numpy" or len(prog.vars[step.out].shape) < 2:
        return []
    out = []
    for a in step.args:
        if type(a) is Ref and a.v not in out:
            v = prog.vars[a.v]
            if len(v.shape) >= 2 and v.nbytes > v.dtype.itemsize:
                out.append(a.v)
    return out


def _into(dst, src) -> None:
    """Write a result computed again into the array computed the first time (same address)."""
    if dst is src:
        return
    if type(dst) is tuple or type(dst) is list:
        for d, r in zip(dst, src, strict=True):
            _into(d, r)
    elif hasattr(dst, "__setitem__") and hasattr(dst, "shape"):
        dst[...] = src
    else:
        raise TypeError(f"gpuad.jit: an uncaptured step's result of type {type(dst).__name__} "
                        f"cannot be written in place; call jit(f, graph=False)")


def capture_pieces(compiled: Compiled, inputs: list, args: list, xp, stream, held: list,
                   writes: frozenset = frozenset()):
    """Capture ``compiled``'s body as a sequence of CUDA graphs cut at the steps CuPy refuses
    to capture (each found by the refusal: the capture so far is ended as one graph, unless
    nothing ran in it, the step is given the array of its result, and a new capture begins
    after it).

    A matrix product that :mod:`gpuad.backends.cublas_graph` computes (cuBLAS called
    directly, with a workspace of the graph's own) is recorded in the graph instead of being
    refused; one it declines, or every one when that module cannot be used, is left out as
    any refused step (``compiled.matmuls_in_graph``: how many were recorded).

    Returns ``(pieces, env, result)``: ``pieces`` is a list of ``(graph, None)`` and
    ``(None, again)``, in program order: launch each graph and call each ``again(inputs,
    args, env)`` in turn on one stream to run the body; ``again`` writes the step's result
    into the array the capture gave it, which later graphs read. Only a step that makes a
    fresh result may be left out of the graphs (one that writes into an existing array would
    write garbage now): any other refusal is raised, as is anything else CuPy raises.

    ``writes``: the ids of the steps that write what the caller sees (a parameter, an
    optimizer's state, an argument). Before the first of them that follows a value check
    (a label out of range), the graphs are cut too, by an ``again`` that waits for the
    launches so far and raises that check's error where it failed (:class:`_CheckFailed`),
    so that a failing call, as eagerly, leaves them unwritten.
    """
    blocks = compiled.pieces()
    gemm = _graph_matmul(compiled, inputs, args, xp, stream, held) if compiled.direct else None
    pieces, env, result = _capture_blocks(compiled, blocks, inputs, args, xp, stream, held,
                                          gemm, writes)
    compiled.matmuls_in_graph = 0 if gemm is None else gemm.done()
    if gemm is not None and gemm.pending:  # a layout met for the first time: for later captures
        gemm.check_pending()
    return pieces, env, result


def _graph_matmul(compiled: Compiled, inputs: list, args: list, xp, stream, held: list):
    """The matrix products of a capture on ``stream`` (a ``cublas_graph.GraphMatmul``), or
    None where that module cannot be used. A product is recorded only once its signature has
    been checked against ``cupy.matmul``, outside any capture: when the program multiplies
    arrays of shapes not checked yet in this process, a first capture, thrown away, finds
    the signatures (the value checks it meets are not collected), which are then checked."""
    from ..backends import cublas_graph

    gemm = cublas_graph.for_capture(xp, stream, held)
    if gemm is None or all(gemm.known(*s) for s in compiled.direct_shapes):
        return gemm
    from .. import _value_checks

    collect = _value_checks.deferred.collect
    _value_checks.deferred.collect = lambda check, info: None
    try:
        _capture_blocks(compiled, compiled.pieces(), inputs, args, xp, stream, [], gemm)
    finally:
        _value_checks.deferred.collect = collect
    gemm.used = 0
    gemm.check_pending()
    return None if cublas_graph.status().startswith("disabled") else gemm


def _capture_blocks(compiled: Compiled, blocks: list, inputs: list, args: list, xp, stream,
                    held: list, gemm, writes: frozenset = frozenset()):
    """:func:`capture_pieces`'s capture: ``(pieces, env, result)``."""
    from .._value_checks import Branch, deferred

    env: dict = {}
    pieces: list = []
    direct = compiled.direct if gemm is not None else {}
    found = getattr(deferred.collect, "found", None) if writes else None
    read = 0  # the checks found so far that a cut reads
    with stream, _holding(xp, held):
        stream.begin_capture()
        capturing, ran = True, 0
        try:
            for k, (step, first, again, dry) in enumerate(blocks[:-1]):
                if found is not None and step is not None and id(step) in writes:
                    new = [(c, keep) for c, keep in found[read:] if not isinstance(c, Branch)]
                    read = len(found)
                    if new:  # a write the caller sees after value checks: read them first
                        capturing = False
                        graph = stream.end_capture()
                        if ran:
                            pieces.append((graph, None))
                        pieces.append((None, _cut(xp, new)))
                        stream.begin_capture()
                        capturing, ran = True, 0
                go = direct.get(k)
                if go is not None and go(inputs, args, env, gemm):  # recorded in the graph
                    ran += 1
                    continue
                try:
                    first(inputs, args, env)
                    ran += 1
                except Exception as e:
                    if not _refused(e) or step is None or step.kind != "pure":
                        raise
                    # this step runs between two graphs: end the one before it and give the
                    # step the array it will write each call (on a GPU nothing has run: its
                    # arguments are unwritten memory, so it is not run now where it need not be)
                    capturing = False
                    graph = stream.end_capture()
                    if ran:  # two left-out steps in a row: no empty graph between them
                        pieces.append((graph, None))
                    (dry or first)(inputs, args, env)
                    pieces.append((None, again))
                    stream.begin_capture()
                    capturing, ran = True, 0
        finally:
            if capturing:
                graph = stream.end_capture()
                if ran:
                    pieces.append((graph, None))
    return pieces, env, blocks[-1][1](env)


class _CheckFailed(Exception):
    """A value check read at a cut of the graphs (see :func:`capture_pieces`) failed."""

    def __init__(self, check, found):
        super().__init__(check)
        self.check, self.found = check, found


def _cut(xp, checks: list):
    """The ``again`` of a cut: wait for the launches so far and read ``checks``'s buffers;
    raise :class:`_CheckFailed` for the first that failed (every buffer cleared)."""
    def read(_in, _args, _e):
        for check, keep in checks:
            found = xp.asnumpy(keep)  # (a synchronisation)
            if found[0]:
                for _, k in checks:
                    k.fill(0)
                raise _CheckFailed(check, found)
    read.cut = True
    return read


class GraphReplay:
    """A compiled program launched as one CUDA graph per call (cupy backend).

    Each call runs the host part, then the kernels: the guards (a ``.grad`` or an optimizer's
    state that the program no longer matches traces again), then the optimizers' counters and
    per-call numbers go into their slots, the graph is launched, and the Tensor effects are
    applied (``.grad`` is a Tensor over the graph's buffer, the same object each call, its
    version moved; versions of updated parameters move). Nothing waits for the device.

    Arguments: an argument passed as the same array object as in the call that captured is
    read in place by the graph (no copy; the graph holds a reference to that array, as the
    cache holds parameters, and reads what it holds at each launch, so writes into it between
    calls are seen). An argument passed as another array than the captured one is switched to
    a buffer of the graph's own, into which each call copies it: the graph is captured once
    more (``recaptures``, ``input_switches``), and the argument is copied from then on, so a
    loop over fresh batches pays one capture, not one per call (none where the plain warm-up
    call had another array there than the capturing call: copied from the start). Donated
    arguments, arguments the plan writes into, numbers and host arrays are always copied.

    Results: outputs that live in memory the capture allocated are handed out without a copy,
    from one of two sets of output buffers: each set is a capture of its own that shares every
    other buffer with the first (the same blocks, given in the same order) and has output
    blocks of its own. A set is launched again only once nothing holds any array over its
    output memory: the handed-out arrays, their memory pointers, their memory, and the base of
    a view are each back to the reference counts they had before the set was handed out (a
    view, a slice, a Tensor or anything else made over that memory holds one of them, as it
    keeps CuPy's memory pool from reusing it). Calls alternate between the two sets, so a loop
    that rebinds its results (``v, g = f(x)``) never copies; when both sets are still held,
    the call launches a third capture whose outputs are copied out (made the first time it is
    needed), never a set whose results are held. Outputs that are arguments, parameters or
    other memory the capture did not make are copied each call. ``info()`` counts outputs
    ``handed`` and ``copied`` and the calls that found both sets ``held``.

    The first call runs the plain replay function (warming CuPy's kernel caches, which compile
    on first use, and its memory pool); the second captures. A captured Tensor (a parameter)
    whose array object has changed since (``p.data = new``; in-place updates keep it) makes
    the next call capture again (``recaptures``). Launches, input copies and slot updates
    go on the caller's current stream; the warm-up and the capture on a stream of the
    graph's own (whose pool blocks the capture reuses). When CuPy refuses a library call
    while capturing (cuBLAS, for a matmul), the body is captured in pieces instead
    (:func:`capture_pieces`): graphs with the refused steps run plainly between them. When
    capturing fails otherwise, the program replays without a graph from then on, with one
    warning carrying the reason (``failed``); when only a second set cannot be made (the
    second capture allocated otherwise than the first), the results are copied again once
    the first set is free, and a call that finds it held runs without the graph
    (``double`` says why).

    A value check that fails is read after the launch, as above, unless the program writes
    what the caller sees after it (a training step whose loss checks its labels): there the
    graphs are cut before that write, and each call waits at the cut and reads the checks
    made so far (``check_cuts``: one synchronisation per call), so that a failing call
    raises the check's error with the parameters, the optimizer's state and counters and
    the arguments as eager leaves them.
    """

    def __init__(self, compiled: Compiled, xp):
        self.c = compiled
        self.xp = xp
        self.graph = None  # the pieces of the first set (None: not captured yet)
        self.stream = None
        self.warm = False
        self.failed: str | None = None
        self.captures = self.launches = self.recaptures = 0
        self.caps: tuple = ()
        self.held: list = []  # the warm-up's blocks
        self.env: dict = {}  # the first set's piecewise arrays, by variable name
        self.grads: dict = {}
        self.last = None  # the stream of the last launch
        # value checks inside the graph (gpuad._value_checks): (check, device info, host copy)
        self.checks: list = []
        self.check_event = None  # recorded after the copies of the last launch's checks
        self.checked = 0  # launches whose checks were read and passed
        self.check_upto = 0  # launches the pending copies cover
        # kept branches (gpuad.jit.guards): (check, device info), read right after each launch
        self.branches: list = []
        self.contexts: dict = {}  # id of a check -> what eager's error says (gpuad.jit.failures)
        # arguments: the arrays the graph reads (the caller's, or buffers of its own)
        self.read = sorted(set(compiled.inputs_read))
        self.inputs: list = []
        self.copied: list = []  # (position, buffer): copied into each call
        self.direct: tuple = ()  # (position, array): read in place
        self.always_copy = _kept_copied(compiled.prog)
        self.bufs: dict = {}  # position -> the graph's own buffer for it
        self.seen: list = []  # weak references to the warm-up call's arguments
        self.switches = 0
        # results: the sets of output buffers (see the class docstring)
        self.sets: list = []  # sets handed out (the first is the first capture)
        self.spare = None  # the set whose outputs are copied out
        self.turn = None  # the set handed out last
        self.own: list = []  # per output: the block (of the first set) it lives in, or None
        self.double: str | None = None  # why a second set could not be made
        self.piecewise = False
        self.handed = self.copies = self.held_calls = self.plain = 0
        self.writes: frozenset | None = None  # the steps that write what the caller sees
        self.check_cuts = 0  # cuts of the graphs where the checks so far are read
        from . import guards

        self.undo = guards.snapshot(compiled.prog)  # the optimizer counters, put back at a cut

    def __call__(self, inputs: list, args: list):
        c = self.c
        if self.check_event is not None:
            self.poll()
        if self.failed is not None:
            return c.run(inputs, args)
        c.guard(args)
        caps = c.caps(args)
        xp = self.xp
        cur = xp.cuda.get_current_stream()
        if self.graph is None or (caps and any(map(_is_not, caps, self.caps))) or (
                self.direct and _moved(self.direct, inputs)):
            if self.stream is None:
                self.stream = xp.cuda.Stream(non_blocking=True)
            if not self.warm:  # this call's step, run plainly on the stream that will capture
                self.warm = True
                self.seen = [_weak(a) for a in inputs]
                self.stream.wait_event(cur.record())
                with self.stream, _holding(xp, self.held):
                    out = c.run(inputs, args, self.stream)
                cur.wait_event(self.stream.record())
                return out
            if not self._capture(inputs, args, caps):
                return c.run(inputs, args)
            for _, info, _ in self.checks:  # before the first launch, on its stream
                info.fill(0)
            for _, info in self.branches:
                info.fill(0)
        s = self._pick(inputs, args)
        if self.last is not None and self.last is not cur:  # the previous launch first
            cur.wait_event(self.last.record())
        self.last = cur
        if s is None:  # every set's results are held, and no other could be made
            self.plain += 1
            return c.run(inputs, args)
        if s.base is None:  # never handed out: nothing holds its outputs but this object
            s.base = _counts(s.probes)
        # launched on the caller's stream: ordered after what made the arguments, and before
        # what reads the results
        copyto = xp.copyto  # (a memcpy where CuPy can: no kernel, no indexing machinery)
        for k, dst in self.copied:
            copyto(dst, inputs[k])
        restore = self.undo() if self.undo is not None and self.check_cuts else None
        c.advance(cur)
        try:
            env = s.env
            for graph, again in s.pieces:
                if graph is not None:
                    graph.launch(cur)
                else:  # a step CuPy would not capture, between two graphs, on the same stream
                    again(self.inputs, args, env)
        except _CheckFailed as e:  # at a cut: nothing the caller sees is written yet
            if restore is not None:
                restore()
            self.launches += 1
            raise self._eager(e.check, e.check.from_info(e.found)) from None
        except Exception:
            if self.branches:  # a step on another branch's values: the check that says so
                self._read_branches()
            raise
        self.launches += 1
        if self.branches:
            self._read_branches()
        if self.checks:
            self._copy_checks(cur)
        c.graph_effects(args, self.effect_values, self.grads)
        if s.hands:
            self.turn = s
            if s.all_own:
                self.handed += len(s.outs)
                return tuple(s.outs)  # (a new tuple: the caller's, not one a set holds)
        new = xp.ndarray
        res = []
        for o, own in zip(s.outs, s.keep, strict=True):
            if own:
                res.append(o)
                self.handed += 1
            else:  # a copy: the next launch rewrites the graph's buffers
                r = new(o.shape, o.dtype)
                copyto(r, o)
                res.append(r)
                self.copies += 1
        return tuple(res)

    def _pick(self, inputs: list, args: list):
        """The set to launch: one whose results nobody holds any more (another than the one
        handed out last, where it can), else a second one made now, else the copying set;
        None where none can be made (the call then runs without the graph)."""
        sets, last = self.sets, self.turn
        if not sets[0].hands:
            return sets[0]  # nothing to hand out: one set, its outputs copied
        if self.double is not None:  # one set only: handed out no more once it is free
            if not sets[0].free():
                self.held_calls += 1
                return None
            sets[0].settle(self.own, hands=False)
            return sets[0]
        for s in sets:
            if s is not last and s.free():
                return s
        if last is not None and last.free():
            return last
        if len(sets) < 2 and self.double is None:
            s = self._another(args, hands=True)
            if s is not None:
                sets.append(s)
                return s
        self.held_calls += 1
        if self.spare is None and self.double is None:
            self.spare = self._another(args, hands=False)
        return self.spare

    def _arrange_inputs(self, inputs: list) -> None:
        """Which arguments the graph reads in place and which it copies (see the class
        docstring), for the capture about to be made."""
        xp = self.xp
        for k, a in self.direct:
            if inputs[k] is not a:
                self.always_copy.add(k)
                self.switches += 1
        ins: list = [None] * len(inputs)
        copied, direct = [], []
        for k in self.read:
            a = inputs[k]
            if a is None:
                continue
            seen = self.seen[k] if k < len(self.seen) else None
            if (type(a) is xp.ndarray and k not in self.always_copy
                    and (seen is None or seen() is a)):
                ins[k] = a
                direct.append((k, a))
                continue
            self.always_copy.add(k)  # (another array in the warm-up: fresh ones each call)
            b = self.bufs.get(k)
            if b is None:
                # a number's value is in the signature; CuPy's empty_like takes arrays only:
                # a number read gets a 0-d buffer
                b = self.bufs[k] = (xp.empty_like(a) if hasattr(a, "flags")
                                    else xp.empty((), _np.asarray(a).dtype))
            ins[k] = b
            copied.append((k, b))
        self.inputs, self.copied, self.direct = ins, copied, tuple(direct)

    def _capture(self, inputs: list, args: list, caps: tuple) -> bool:
        """Capture the body on the graph's own stream (the null stream cannot capture); on a
        GPU nothing runs while capturing."""
        xp = self.xp
        if self.check_event is not None:  # the old graph's buffers are dropped: read them
            self.poll(wait=True)
        if self.graph is not None:
            self.recaptures += 1
        self.graph = None
        self.checks = []
        self.branches = []
        self.sets, self.spare, self.turn = [], None, None
        self.held = []  # the warm-up's (or the previous graph's) blocks go back to the pool
        self._arrange_inputs(inputs)
        from .. import _value_checks

        found: list = []
        contexts = self.contexts = {}
        try:
            s, evs = self._capture_set(args, _Blocks(), _collector(xp, found, contexts,
                                                                   self.c.step_at))
        except Exception as e:  # noqa: BLE001 - any refusal: replay without the graph
            self.failed = f"{type(e).__name__}: {e}"
            warnings.warn(f"gpuad.jit: the program could not be captured as a CUDA graph "
                          f"({self.failed}); it replays without one", stacklevel=4)
            return False
        self.branches = [(c, keep) for c, keep in found if isinstance(c, _value_checks.Branch)]
        self.checks = [(check, keep, _pinned(keep)) for check, keep in found
                       if not isinstance(check, _value_checks.Branch)]
        self.found = found
        self.graph, self.env, self.effect_values = s.pieces, s.env, evs
        self.check_cuts = sum(getattr(a, "cut", False) for _, a in s.pieces)
        self.outs = s.outs
        # the outputs in blocks of the capture's own (not a .grad's: it stays one buffer)
        mine = {id(m.mem): i for i, m in enumerate(s.held) if getattr(m, "mem", None)
                is not None}
        shared = {id(_mem(a)) for a in evs} | {id(_mem(k)) for _, k in found}
        mems = [_mem(o) for o in s.outs]
        self.own = [None if m is None or id(m) in shared else mine.get(id(m)) for m in mems]
        s.settle(self.own, hands=self.double is None and any(i is not None for i in self.own))
        self.sets = [s]
        self.caps = caps
        self.captures += 1
        return True

    def _capture_set(self, args: list, held: _Blocks, collect):
        """One capture of the body with allocations going to ``held``: the set, and the
        effect values it writes."""
        xp = self.xp
        from .. import _value_checks as vc

        vc.deferred.collect = collect
        try:
            if not self.piecewise:
                try:
                    graph, (outs, evs) = capture_graph(self.c.body, self.inputs, args, xp,
                                                       self.stream, held)
                    if not self._cut_for(collect.found):
                        return _Set([(graph, None)], {}, outs, held), evs
                    # a value check before a write the caller sees: graphs cut before it
                except Exception as e:
                    if not _refused(e):
                        raise
                # a library call CuPy will not capture (cuBLAS): graphs between such steps
                self.piecewise = True
                held = held.again()
                del collect.found[:]
            pieces, env, (outs, evs) = capture_pieces(self.c, self.inputs, args, xp,
                                                      self.stream, held, self._user_writes())
            return _Set(pieces, env, outs, held), evs
        finally:
            vc.deferred.collect = None

    def _user_writes(self) -> frozenset:
        """The ids of the live steps that write what the caller sees (gpuad.jit.guards)."""
        if self.writes is None:
            from . import guards

            prog = self.c.prog
            self.writes = frozenset(id(s) for i, s in prog.live_steps()
                                    if guards._first_write(prog, i, s) is not None)
        return self.writes

    def _cut_for(self, found: list) -> bool:
        """Whether a capture that collected the value checks ``found`` must be cut (see
        :func:`capture_pieces`): one of them may come before a write the caller sees."""
        from .._value_checks import Branch

        return any(not isinstance(c, Branch) for c, _ in found) and bool(self._user_writes())

    def _another(self, args: list, hands: bool):
        """Another set of output buffers: the body captured again with the first set's blocks
        for everything but its outputs' (allocated now: a capture may not allocate), or None
        (and ``double`` says why) where the capture does not allocate as the first did."""
        first = self.sets[0]
        xp = self.xp
        cur = xp.cuda.get_current_stream()
        # (a step left out of the graphs runs while capturing, on the shared blocks: after
        # the last launch, before the next)
        self.stream.wait_event(cur.record())
        try:
            fresh = {}
            with self.stream:
                pool = xp.get_default_memory_pool()
                for i in sorted({i for i in self.own if i is not None}):
                    fresh[i] = pool.malloc(first.held.sizes[i])
            found: list = []
            s, evs = self._capture_set(args, _Blocks(first.held, fresh),
                                       _collector(xp, found))
            why = _differs(first, s, self.own, evs, self.effect_values, found, self.found)
        except Exception as e:  # noqa: BLE001 - any failure: the first set's outputs copied
            why = f"{type(e).__name__}: {e}"
        cur.wait_event(self.stream.record())
        if why is not None:
            self.double = why
            return None
        s.settle(self.own, hands)
        return s

    def _copy_checks(self, stream) -> None:
        """Queue the copies of the checks' device buffers to the host after the launch (no
        wait) and an event that says when they have landed."""
        for _, info, host in self.checks:
            try:
                info.get(stream=stream, out=host, blocking=False)
            except TypeError:  # a CuPy without ``blocking``: a copy on a given stream is async
                self.xp.asnumpy(info, stream=stream, out=host)
        self.check_event = stream.record()
        self.check_upto = self.launches
        from .. import _value_checks

        _value_checks.pending[id(self)] = weakref.ref(self)

    def _read_branches(self) -> None:
        """Read the kept branches' checks of the launch just made (a synchronisation) and raise
        the first failed one's :class:`BranchError` before the call's outputs and effects are
        handed out: the program writes nothing else the caller sees (gpuad.jit.guards)."""
        for check, info in self.branches:
            found = self.xp.asnumpy(info)
            if found[0]:
                for _, i in self.branches:
                    i.fill(0)
                raise check.from_info(found)

    def poll(self, wait: bool = False) -> None:
        """Raise the error of a value check that failed in an earlier launch, once that
        launch is known to be complete (an event query: no wait unless ``wait``). Its buffer
        is sticky (it keeps the first failure until read), so a failure is never lost, only
        found at a later call or host read when the launch was still running."""
        ev = self.check_event
        if ev is None or not (wait or ev.done):
            return
        if wait:
            ev.synchronize()
        from .. import _value_checks

        self.check_event = None
        _value_checks.pending.pop(id(self), None)
        lo, hi = self.checked + 1, self.check_upto
        self.checked = hi
        for check, _, host in self.checks:
            if host[0]:
                found = host.copy()
                for _, info, h in self.checks:  # reported once; later calls start clean
                    info.fill(0)
                    h[...] = 0
                raise _deferred(self._eager(check, check.from_info(found)), lo, hi)

    def _eager(self, check, e: BaseException) -> BaseException:
        """``e`` as eager raises it: with its primitive's name and input shapes, where the
        check is one a primitive's forward makes (gpuad.jit.failures)."""
        ctx = self.contexts.get(id(check))
        return e if ctx is None else ctx.error(e, self.c.prog.backend) or e

    def info(self) -> dict:
        return {"graph": "failed: " + self.failed if self.failed else
                "captured" if self.graph is not None else "not yet",
                "captures": self.captures, "recaptures": self.recaptures,
                "launches": self.launches,
                "graphs": sum(g is not None for g, _ in self.graph or ()),
                "uncaptured": sum(g is None for g, _ in self.graph or ()),
                # arguments read in place / copied in each call, and switched to copies
                "inputs_in_place": len(self.direct), "inputs_copied": len(self.copied),
                "input_switches": self.switches, "check_cuts": self.check_cuts,
                # results: handed out without a copy / copied out (counted per output), calls
                # that found both sets of output buffers held, calls run without the graph
                "output_sets": len(self.sets) + (self.spare is not None),
                "outputs_handed": self.handed, "outputs_copied": self.copies,
                "held_calls": self.held_calls, "plain_calls": self.plain,
                **({"double": "off: " + self.double} if self.double else {}),
                **_matmul_info(self.c)}


def _matmul_info(compiled: Compiled) -> dict:
    """The matrix products recorded in the graphs, and the state of the module recording them
    (``gpuad.backends.cublas_graph.status()``: used, unused, unavailable or disabled, with
    the reason)."""
    from ..backends import cublas_graph

    return {"matmuls_in_graph": getattr(compiled, "matmuls_in_graph", 0),
            "cublas_graph": cublas_graph.status()}


class _Diverged(RuntimeError):
    """A capture asked for memory otherwise than the capture it replays (see _Blocks)."""


class _Blocks(list):
    """The memory blocks one capture allocates (see :func:`_holding`), in order, with the
    sizes asked for. Given ``first`` (another capture's blocks), allocation ``i`` is
    ``first[i]`` again, or ``fresh[i]`` (allocated before the capture began) where given: a
    deterministic body captured again then reads and writes the same memory but where told.
    Memory a capture keeps that its allocator did not give (``append``: the workspace of
    :mod:`gpuad.backends.cublas_graph`) is held beside the blocks, outside their order."""

    def __init__(self, first: _Blocks | None = None, fresh: dict | None = None):
        super().__init__()
        self.sizes: list[int] = []
        self.first = first
        self.fresh = fresh if fresh is not None else {}
        self.kept: list = []

    def append(self, mem) -> None:
        self.kept.append(mem)

    def again(self) -> _Blocks:
        return _Blocks(self.first, self.fresh)

    def take(self, pool, size: int):
        first = self.first
        if first is None:
            mem = pool.malloc(size)
        else:
            i = len(self)
            if i >= len(first) or first.sizes[i] != size:
                raise _Diverged(f"allocation {i} asks for {size} bytes, the first capture's "
                                f"for {first.sizes[i] if i < len(first) else 'none'}")
            mem = self.fresh.get(i)
            if mem is None:
                mem = first[i]
        super().append(mem)
        self.sizes.append(size)
        return mem


class _Set:
    """One capture of the body (a set of output buffers): its graphs, the arrays of its
    piecewise steps, its outputs, which of them it hands out (``keep``), and what says that
    nothing holds those any more: the reference counts of ``probes`` back at ``base``."""

    __slots__ = ("pieces", "env", "outs", "held", "hands", "keep", "all_own", "probes", "base")

    def __init__(self, pieces: list, env: dict, outs, held: _Blocks):
        self.pieces, self.env, self.outs, self.held = pieces, env, list(outs), held
        self.hands, self.all_own = False, False
        self.keep = [False] * len(self.outs)
        self.probes: tuple = ()
        self.base: tuple | None = None

    def settle(self, own: list, hands: bool) -> None:
        """Hand out (``hands``) the outputs that live in blocks of the set's own."""
        self.hands = hands
        self.keep = [hands and i is not None for i in own]
        self.all_own = bool(self.keep) and all(self.keep)
        probes: list = []
        for o, k in zip(self.outs, self.keep, strict=True):
            if k:
                probes.extend(_holders(o))
        self.probes = tuple(probes)
        self.base = None  # (measured before its first launch: see GraphReplay.__call__)

    def free(self) -> bool:
        """Whether nothing but this set holds its handed-out outputs' memory."""
        return self.base is None or _counts(self.probes) == self.base


def _holders(a) -> list:
    """What anything over ``a``'s memory holds one reference to, in CuPy: the array (a view
    made from it holds it as its ``base`` and shares its MemoryPointer), its MemoryPointer,
    the memory object behind it (a slice makes a MemoryPointer of its own over it; the pool
    reuses the memory once nothing refers to it) and, for a view, its base."""
    data = getattr(a, "data", None)
    out = [a, data, getattr(data, "mem", None), getattr(a, "base", None)]
    return [x for x in out if x is not None]


def _counts(objs: tuple) -> tuple:
    return tuple(map(_getrefcount, objs))


def _mem(a):
    """The memory object behind a CuPy array (``a.data.mem``), or None."""
    return getattr(getattr(a, "data", None), "mem", None)


def _same(a, b) -> bool:
    """Whether two arrays are the same memory seen the same way."""
    if a is b:
        return True
    try:
        return (a.data.ptr == b.data.ptr and a.shape == b.shape and a.strides == b.strides
                and a.dtype == b.dtype)
    except AttributeError:
        return False


def _differs(first: _Set, s: _Set, own: list, evs, first_evs, found: list,
             first_found: list) -> str | None:
    """Why set ``s``, captured again over ``first``'s blocks, cannot be used in turn with it
    (None if it can): it must have allocated as ``first`` did, its outputs must be in their
    blocks of its own, and the .grad values and value checks in the same memory."""
    if len(s.held) != len(first.held):
        return (f"the second capture allocated {len(s.held)} blocks, the first "
                f"{len(first.held)}")
    if len(s.pieces) != len(first.pieces) or len(s.outs) != len(first.outs):
        return "the second capture was cut into other pieces"
    for o, i in zip(s.outs, own, strict=True):
        if i is not None and _mem(o) is not s.held[i].mem:
            return "an output of the second capture is not in its own block"
    if len(evs) != len(first_evs) or not all(map(_same, evs, first_evs)):
        return "the second capture's .grad values are not the first's"
    if len(found) != len(first_found) or not all(
            _same(a[1], b[1]) for a, b in zip(found, first_found, strict=True)):
        return "the second capture's value checks are not the first's"
    return None


def _moved(direct: tuple, inputs: list) -> bool:
    """Whether an argument read in place is another array in this call."""
    for k, a in direct:
        if inputs[k] is not a:
            return True
    return False


def _weak(a):
    try:
        return weakref.ref(a)
    except TypeError:
        return None


def _kept_copied(prog: Program) -> set[int]:
    """The argument positions the graph must read copies of: donated ones and any whose
    memory the program writes (the plan's in-place results, write and effect steps)."""
    plan = prog.plan
    written: set[int] = set()
    if plan is not None:
        written.update(getattr(plan, "donated", ()))
        cars = list(plan.carrier.values())
        for outs in plan.outs.values():
            cars += [c for c in outs if c is not None]
        written.update(prog.root(c[1]) for c in cars if c[0] == "var")
    for _, s in prog.live_steps():
        if s.kind in ("write", "effect"):
            written.update(prog.root(w) for w in s.writes)
    return {k for k, vid in enumerate(prog.inputs)
            if vid is not None and (vid in written or prog.root(vid) in written)}


def _collector(xp, found: list, contexts: dict | None = None, step_at=None):
    """The function a capture hands the value checks (``gpuad._value_checks``): each gets a
    buffer of the graph's own that keeps the first failing launch's info (a new allocation
    is no kernel; its zeros are written before the first launch)."""
    def collect(check, info):
        keep = xp.ndarray(info.shape, info.dtype)
        xp.copyto(keep, info, where=keep[:1] == 0)
        found.append((check, keep))
        if contexts is not None:
            contexts[id(check)] = failures.running(step_at)  # the step it checks
    collect.found = found
    return collect


def _pinned(a):
    """A host array for asynchronous copies of ``a`` (page-locked where CuPy can)."""
    try:
        import cupyx

        h = cupyx.empty_pinned(a.shape, a.dtype)
    except (ImportError, AttributeError):
        h = _np.empty(a.shape, a.dtype)
    h[...] = 0
    return h


def _deferred(e: BaseException, lo: int, hi: int) -> BaseException:
    """``e`` with a note that it was found after the launch of an earlier call."""
    when = f"launch {lo}" if lo == hi else f"one of launches {lo} to {hi}"
    msg = (f"{e.args[0] if e.args else e} (found after the launch: the values were those of "
           f"an earlier call of this compiled function, {when} of its CUDA graph, whose "
           f"checks are read once a launch is complete, without a synchronisation; the "
           f"results of that call are not valid)")
    e.args = (msg,) + tuple(e.args[1:])
    return e


def graph_capturable(prog: Program) -> bool:
    """Whether the program can run as a CUDA graph: every step is a kernel (an opaque
    optimizer step, a DataParallel all-reduce or another Python step is not: its arguments
    may change between calls), and its effects on Tensors can be applied around the launch
    (``.grad`` set, versions moved; a Tensor's ``.data`` replaced by a result is not: the next
    call would read a new array each time), and it writes into no argument (the graph reads
    an argument in place or a copy of it, so such a write would reach the caller only
    sometimes). Optimizer steps recorded by
    :mod:`gpuad.jit.optstep` are kernels whose per-call numbers live in device slots."""
    if any(attr == "data" for _, attr, _ in prog.effects):
        return False
    for _, s in prog.live_steps():
        if s.kind == "effect" and not getattr(s.fn, "capturable", False):
            return False
        if getattr(s.fn, "host_loop", False):  # reads its predicate on the host (jit.loops)
            return False
        # the graph may read a copy of an argument: a write into one would not reach the caller
        if s.kind in ("write", "effect") and any(prog.vars[w].kind == "in" for w in s.writes):
            return False
    return True


def _placed(advance: list[str], body: list[str], prog: Program, starts: list,
            at: dict) -> list[str]:
    """``body`` with host ``k``'s ``advance`` line (see ``Program.prelude``) before the first
    live step recorded at or after index ``at[k]`` of ``prog.steps`` (``starts``: the first
    body line of each live step), at the end where none is, at the start without ``at[k]``."""
    index = {id(s): i for i, s in enumerate(prog.steps) if s is not None}
    where: dict[int, list[str]] = {}
    for k, line in enumerate(advance):
        i = at.get(k)
        pos = 0 if i is None else next(
            (first for first, s in starts if index[id(s)] >= i), len(body))
        where.setdefault(pos, []).append(line)
    out: list[str] = []
    for n, line in enumerate(body):
        out += where.pop(n, [])
        out.append(line)
    for lines in where.values():
        out += lines
    return out


def _tuple(items: list[str]) -> str:
    return f"({', '.join(items)}{',' if len(items) == 1 else ''})"


def host(a) -> Any:
    return a if isinstance(a, _np.ndarray) else _np.asarray(a)
