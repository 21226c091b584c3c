"""Ahead-of-time stages of ``gpuad.jit``, with the names of ``jax.stages``.

``jit(f).trace(*args)`` gives a :class:`Traced` (the program as traced, before any pass),
``jit(f).lower(*args)`` a :class:`Lowered` (the optimised program of that signature) and
``lowered.compile()`` a :class:`Compiled`: a callable bound to that one program, which accepts
only arguments of the lowered signature (anything else raises ``TypeError`` naming the
argument; it never traces again). Static arguments are part of the program and are not passed
to it again, as in JAX.

Example::

    compiled = gpuad.jit(f, static_argnums=1).lower(x, 3).compile()
    y = compiled(x2)            # x2 of x's shape and dtype; the 3 is baked in
    print(compiled.as_text())   # the Wengert list
"""

from __future__ import annotations

import inspect
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as _np

from .. import _state
from .. import tree as _tree
from ..abstract_eval import ShapeDtypeStruct, _struct
from ..backends import _by_array_type
from ..tensor import Tensor
from ..tree import tree_flatten, tree_structure, tree_unflatten
from . import dict_order, outer, signature, trace
from .program import Program


def stand_ins(jitted, args: tuple, kwargs: dict):
    """``_split`` of a call whose array arguments may be :class:`ShapeDtypeStruct`: those
    become zeros of their shape and dtype (the function then runs once on zeros)."""
    key, leaves, rebuild, be = jitted._split(args, kwargs)
    if any(type(x) is ShapeDtypeStruct for x in leaves):
        args, kwargs = rebuild(
            [be.xp.zeros(x.shape, x.dtype) if type(x) is ShapeDtypeStruct else x for x in leaves]
        )
        key, leaves, rebuild, be = jitted._split(args, kwargs)
    return key, leaves, rebuild, be


def _out_info(prog: Program) -> Any:
    leaves = []
    for o in prog.outputs:
        if o[0] == "var":
            v = prog.vars[o[1]]
            leaves.append(ShapeDtypeStruct(v.shape, v.dtype))
        else:
            leaves.append(_struct(o[1]))
    return dict_order.restore(tree_unflatten(prog.out_def, leaves), prog.out_order)


class _Signature:
    """What one lowering fixed: the dynamic arguments' structure and abstract values, the
    static arguments' values, and a name for every leaf (for the errors of a mismatch)."""

    def __init__(self, jitted, leaves: list, rebuild):
        self.tdef, self.svals, self.skw, self.dyn_pos = rebuild.parts
        self.weak_off = jitted._weak_off  # (Python floats in the signature by value)
        self.avals = [_aval(x, self.weak_off) for x in leaves]
        self.arg_names = _arg_names(jitted, self.dyn_pos)
        self.kw_names = list(self.tdef[1][1][1])  # (the keys of the kwargs dict's node)

    def full(self, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """The whole call: the static arguments put back in."""
        full = list(args)
        for k, v in self.svals:
            full.insert(k, v)
        return tuple(full), {**kwargs, **self.skw} if self.skw else kwargs

    def check_tree(self, args: tuple, kwargs: dict):
        leaves, tdef = tree_flatten((args, kwargs))
        if tdef == self.tdef:
            return leaves
        lowered = (
            f"{len(self.dyn_pos)} positional argument(s)"
            f"{' (' + ', '.join(self.arg_names) + ')' if self.arg_names else ''}"
            f" and keyword argument(s) {self.kw_names}"
        )
        called = f"{len(args)} positional argument(s) and keyword argument(s) {sorted(kwargs)}"
        what = f"it was lowered with {lowered}, and is called with {called}"
        if len(args) == len(self.dyn_pos) and sorted(kwargs) == self.kw_names:
            was_args, was_kw = self.tdef[1][0][1], dict(zip(*self.tdef[1][1][1:3], strict=True))
            now_args, now_kw = tdef[1][0][1], dict(zip(*tdef[1][1][1:3], strict=True))
            pairs = [*zip(self.arg_names, was_args, now_args, strict=True)]
            pairs += [(k, was_kw[k], now_kw[k]) for k in self.kw_names]
            for name, a, b in pairs:
                diff = _first_diff(a, b, name)
                if diff is not None:
                    what = f"{diff[0]} was lowered as {diff[1]} and is given {diff[2]}"
                    break
        raise TypeError(
            f"Compiled: the arguments do not match the structure the function was compiled "
            f"for: {what}. Static arguments are part of the compiled program and are not "
            f"passed to it again; for other arguments, lower and compile again, or call the "
            f"jitted function (which traces each new signature)"
        )

    def check_values(self, args: tuple, kwargs: dict, leaves: list) -> None:
        bad = []
        names = None
        for i, (was, x) in enumerate(zip(self.avals, leaves, strict=True)):
            now = _aval(x, self.weak_off)
            if now[0] != was[0]:
                if names is None:
                    names = _leaf_names(args, kwargs, self.arg_names)
                name = names[i]
                hint = ""
                if was[0][0] == "value" and now[0][0] == "value":
                    hint = (
                        " (a Python int, bool, str or NumPy scalar argument, or a float "
                        "the function needs the value of, is part of the signature by its "
                        "value: pass a 0-d array to vary it)"
                    )
                elif was[0][0] == "A" and now[0][0] == "T" and now[0][3]:
                    hint = (
                        " (differentiated from outside: differentiate the jitted "
                        "function instead, which compiles its own programs for that)"
                    )
                elif {was[0][0], now[0][0]} == {"T", "A"}:
                    hint = (
                        " (a Tensor and an array are two signatures: the outputs' types "
                        "follow the arguments')"
                    )
                bad.append(
                    f"Argument '{name}' compiled with {was[1]} and called with {now[1]}{hint}"
                )
        if bad:
            raise TypeError(
                "Compiled: argument types differ from the types for which this computation "
                "was compiled (it replays one program; lower and compile again for other "
                "arguments, or call the jitted function, which traces each new "
                "signature). The mismatches are:\n" + "\n".join(bad)
            )

    def explain(self, key, now) -> str:
        """Why call key ``now`` differs from the lowered ``key`` once the arguments' types
        matched (both from ``Jitted._split``)."""
        if isinstance(key, tuple) and isinstance(now, tuple) and len(key) == len(now) == 10:
            if key[1] != now[1]:  # the same types: which arguments are one array differs
                return (
                    "the arguments that are one array (passed twice) differ from the lowered call's"
                )
            why = {
                3: f"it was lowered on the {key[3]!r} backend and is called on {now[3]!r}",
                4: f"it was lowered with grad mode {'on' if key[4] else 'off'} and is "
                f"called with it {'on' if now[4] else 'off'}",
                5: "gpuad.set_deterministic changed since it was lowered",
                6: "gpuad.detect_anomaly() is on or off where it was not when lowered",
                7: "state outside the arguments that the program depends on (a "
                "DataParallel's no_sync) changed since it was lowered",
                8: "the globals or closure variables the function reads (or attributes "
                "of objects it reads) changed since it was lowered, so the program "
                "would replay their old values",
                9: "the vmap axis names bound around the call (axis_name=) differ from the "
                "lowered call's",
            }
            for k, text in why.items():
                if key[k] != now[k]:
                    return text
        return "the call's signature differs from the lowered one"


def _node(d) -> str:
    """A tree definition's top node, in words (``gpuad.tree``'s descriptions)."""
    if d == ():
        return "a leaf"
    if d[0] is None:
        return "None"
    if d[0] is dict:
        return f"a dict with keys {list(d[1])}"
    if d[0] in (tuple, list):
        return f"a {d[0].__name__} of length {len(d[1])}"
    return f"a {getattr(d[0], '__name__', d[0])} of {len(d[1])} children"


def _first_diff(a, b, path: str):
    """(path, a's node, b's node) where tree definitions ``a`` and ``b`` first differ."""
    if a == b:
        return None
    if a == () or b == () or a[0] is None or b[0] is None or a[0] != b[0]:
        return path, _node(a), _node(b)
    if a[0] is dict:
        if list(a[1]) != list(b[1]):
            return path, _node(a), _node(b)
        kids = [(f"{path}[{k!r}]", x, y) for k, x, y in zip(a[1], a[2], b[2], strict=True)]
    elif len(a[1]) != len(b[1]):
        return path, _node(a), _node(b)
    else:
        kids = [(f"{path}[{i}]", x, y) for i, (x, y) in enumerate(zip(a[1], b[1], strict=True))]
    for p, x, y in kids:
        d = _first_diff(x, y, p)
        if d is not None:
            return d
    return path, _node(a), _node(b)


def _aval(x, weak_off: bool) -> tuple:
    """(comparable, text) for one argument leaf."""
    if isinstance(x, Tensor):
        d = x._data
        rg = " requiring grad" if x.requires_grad else ""
        return (
            ("T", tuple(d.shape), _np.dtype(d.dtype), x.requires_grad),
            f"Tensor {_shape(d)}{rg}",
        )
    if type(x) in _by_array_type or (isinstance(x, _np.ndarray)):
        return ("A", tuple(x.shape), _np.dtype(x.dtype)), _shape(x)
    if type(x) in (float, complex) and not weak_off:
        return ("W", type(x)), type(x).__name__
    key = signature.value_key(x)
    if key[0] is not None:
        return ("value", key), f"{type(x).__name__} {x!r:.40}"
    return ("object", key), f"{type(x).__name__} object"


def _shape(a) -> str:
    return f"{_np.dtype(a.dtype).name}[{','.join(str(n) for n in a.shape)}]"


def _arg_names(jitted, positions: list[int]) -> list[str]:
    try:
        params = list(inspect.signature(jitted.f).parameters.values())
    except (TypeError, ValueError):
        params = []
    P = inspect.Parameter
    pos = [p.name for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    rest = next((p.name for p in params if p.kind == P.VAR_POSITIONAL), "args")
    return [pos[k] if k < len(pos) else f"{rest}[{k - len(pos)}]" for k in positions]


def _leaf_names(args: tuple, kwargs: dict, arg_names: list[str]) -> list[str]:
    """A name per leaf of a call's dynamic ``(args, kwargs)``, in ``tree_flatten``'s order."""
    names: list[str] = []

    def walk(t, path):
        if isinstance(t, tuple | list):
            for i, c in enumerate(t):
                walk(c, f"{path}[{i}]")
        elif isinstance(t, dict):
            for k in list(t) if isinstance(t, OrderedDict) else sorted(t):
                walk(t[k], f"{path}[{k!r}]")
        elif t is None:
            pass
        elif tree_structure(t) == ():
            names.append(path)
        else:  # a registered container: its children by position
            for i, c in enumerate(_tree._custom(t)[1]):
                walk(c, f"{path}[{i}]")

    for name, a in zip(arg_names, args, strict=True):
        walk(a, name)
    for k in sorted(kwargs):
        walk(kwargs[k], k)
    return names


@dataclass(frozen=True)
class MemoryAnalysis:
    """Bytes of one compiled program, with the field names of JAX's
    ``CompiledMemoryStats``: its array arguments, its outputs, and its intermediate buffers
    (the memory plan's buffers and per-call allocations; ``temp_before_planning``: one
    buffer per step)."""

    argument_size_in_bytes: int
    output_size_in_bytes: int
    temp_size_in_bytes: int
    temp_before_planning: int


class _Stage:
    """What a lowered and a compiled stage share: the program and its trees."""

    _program: Program
    _sig: _Signature

    @property
    def in_tree(self) -> Any:
        """The structure of the dynamic arguments ``(args, kwargs)``."""
        return self._sig.tdef

    @property
    def out_tree(self) -> Any:
        """The structure of the outputs."""
        return self._program.out_def

    @property
    def out_info(self) -> Any:
        """The outputs' shapes and dtypes, as a tree of :class:`ShapeDtypeStruct`."""
        return _out_info(self._program)

    def as_text(self) -> str:
        """The optimised program, one step per line (``str`` of the :class:`Program`)."""
        return str(self._program)

    def cost_analysis(self) -> None:
        raise NotImplementedError(
            "cost_analysis: gpuad's op table declares no flop counts, so there is no "
            "honest estimate; Compiled.memory_analysis() gives the program's bytes"
        )


class Lowered(_Stage):
    """``jit(f).lower(*args)``: the optimised program for those arguments' signature
    (compiled, and cached, when it was not yet). Its :class:`Program`'s attributes
    (``peak_bytes``, ``live_steps()``, ``fusion``, ...) are read through it, and ``print``
    gives the Wengert list. ``compile()`` gives a :class:`Compiled`.

    Example: ``print(gpuad.jit(f).lower(x))``"""

    def __init__(self, jitted, key, entry, sig: _Signature):
        self._jitted, self._key, self._entry, self._sig = jitted, key, entry, sig
        self._program = self.program = entry.program

    def compile(self) -> Compiled:
        """A callable that replays this program on arguments of the same signature."""
        return Compiled(self._jitted, self._key, self._entry, self._sig)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_program":
            raise AttributeError(name)
        return getattr(self._program, name)

    def __len__(self) -> int:
        return len(self._program)

    def __str__(self) -> str:
        return str(self._program)

    def __repr__(self) -> str:
        return (
            f"<Lowered of {getattr(self._jitted.f, '__name__', 'a function')}: "
            f"{len(self._program)} steps>"
        )


class Compiled(_Stage):
    """``jit(f).lower(*args).compile()``: one compiled program, called like ``f`` without
    its static arguments. Arguments of another signature (structure, shape, dtype, Tensor
    or array, a Python int's value) raise ``TypeError`` naming them; nothing is traced again.

    Example::

        c = gpuad.jit(f).lower(x).compile()
        y = c(x2)
    """

    def __init__(self, jitted, key, entry, sig: _Signature):
        self._jitted, self._key, self._entry, self._sig = jitted, key, entry, sig
        self._program = entry.program

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sig, j = self._sig, self._jitted
        leaves = sig.check_tree(args, kwargs)
        full, kw = sig.full(args, kwargs)
        if trace.active() is not None or _state.local.collect is not None:
            return j.f(*full, **kw)  # inside another trace: inlined, as the jitted call
        if any(isinstance(x, Tensor) and x._bat is not None for x in leaves):
            raise TypeError(
                "Compiled: a function compiled for one signature cannot be vmapped (its "
                "arguments are batched); vmap the jitted function instead"
            )
        sig.check_values(args, kwargs, leaves)
        if outer.mode(full, kw) is not None:  # differentiated from outside: as jit(f) does
            return j(*full, **kw)
        key, leaves, rebuild, be = j._split(full, kw, sig.weak_off)
        if key != self._key:
            raise TypeError(
                f"Compiled: {sig.explain(self._key, key)}; lower and compile "
                f"again, or call the jitted function"
            )
        how = j._outer.get(key)
        if how is not None:  # this signature runs eagerly (e.g. it draws host random numbers)
            return outer.call(j, how, full, kw)
        entry = j._cache.get(key)
        if entry is None:  # evicted or cleared: this object keeps its program
            entry = self._entry
        out = j._replay(key, entry, leaves, rebuild, be)
        if j.donate_argnums or j.donate_argnames:
            j._consume(full, kw)
        return out

    @property
    def program(self) -> Program:
        return self._program

    def memory_analysis(self) -> MemoryAnalysis:
        """The program's bytes (see :class:`MemoryAnalysis`)."""
        prog = self._program
        ins = {v for v in prog.inputs if v is not None}
        outs = {o[1] for o in prog.outputs if o[0] == "var"}
        peak = prog.peak_bytes
        return MemoryAnalysis(
            sum(prog.vars[v].nbytes for v in ins),
            sum(prog.vars[v].nbytes for v in outs),
            peak["after"],
            peak["before"],
        )

    def __repr__(self) -> str:
        return (
            f"<Compiled of {getattr(self._jitted.f, '__name__', 'a function')}: "
            f"{len(self._program)} steps>"
        )


class Traced:
    """``jit(f).trace(*args)``: the program ``f`` traces to, before any pass (``jaxpr``,
    as ``gpuad.make_jaxpr`` prints it; Python floats are constants there). ``lower()``
    lowers with the same arguments.

    Example: ``print(gpuad.jit(f).trace(x).jaxpr)``"""

    def __init__(self, jitted, args: tuple, kwargs: dict, jaxpr: Program, sig: _Signature):
        self._jitted, self._args, self._kwargs, self._sig = jitted, args, kwargs, sig
        self.jaxpr = jaxpr
        self.fun_name = getattr(jitted.f, "__name__", "<function>")

    @property
    def in_tree(self) -> Any:
        return self._sig.tdef

    @property
    def out_tree(self) -> Any:
        return self.jaxpr.out_def

    @property
    def out_info(self) -> Any:
        return _out_info(self.jaxpr)

    def lower(self) -> Lowered:
        """The optimised program of this signature (traced again unless already compiled)."""
        return self._jitted.lower(*self._args, **self._kwargs)


def lowered(jitted, key, entry, leaves: list, rebuild) -> Lowered:
    """The :class:`Lowered` of ``entry`` (one per entry while it is held)."""
    low = entry.lowered() if entry.lowered is not None else None
    if low is None or low._program is not entry.program:
        low = Lowered(jitted, key, entry, _Signature(jitted, leaves, rebuild))
        entry.lowered = weakref.ref(low)
    return low


def traced(jitted, args: tuple, kwargs: dict) -> Traced:
    from ..jaxpr import trace_program

    _, leaves, rebuild, _ = stand_ins(jitted, args, kwargs)
    args, kwargs = rebuild(list(leaves))
    pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) or hasattr(x, "shape")]

    def call(*arrays):
        lv = list(leaves)
        for i, a in zip(pos, arrays, strict=True):
            lv[i] = a
        a, kw = rebuild(lv)
        return jitted.f(*a, **kw)

    prog = trace_program(call, [leaves[i] for i in pos], keep_grad_mode=True)
    return Traced(jitted, args, kwargs, prog, _Signature(jitted, leaves, rebuild))
