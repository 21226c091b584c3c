"""``gpuad.jit``: trace a function once per signature, optimise the program, replay it."""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import io
import math
import operator
import random
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from .. import _state, _value_checks
from ..backends import _by_array_type, get_backend
from ..tensor import Tensor
from ..tree import _Custom, tree_flatten, tree_unflatten
from . import (
    aliasing,
    caches,
    dict_order,
    guards,
    outer,
    passes,
    replay,
    scalar_retrace,
    signature,
    stages,
    trace,
    weak,
)
from .program import Program

_SCALARS = (bool, int, float, complex, str, bytes, type(None), _np.generic, _np.dtype)


class UnhashableStaticError(TypeError, ValueError):
    """A static argument of ``jit`` is not hashable: a ``TypeError`` (Python's word for it)
    that is also the ``ValueError`` ``jax.jit`` raises, so code written for either catches it."""


def _freeze_def(d):
    """The cache key of an argument structure: its nodes, and what they keep of the values
    (dict keys, registered nodes' aux data) by type and value with the sign of a zero, as
    static arguments are keyed (by equality alone, ``{1: x}`` and ``{1.0: x}``, or aux data
    0.0 and -0.0, would share one program traced with the first)."""
    if isinstance(d, list | tuple):
        return tuple(_freeze_def(x) for x in d)
    if isinstance(d, _Custom):
        return (_Custom, d.cls, _strict_key(d.aux))
    return _strict_key(d)


def _strict_key(v):
    t = type(v)
    if t is bool or t is int or isinstance(v, _np.integer | _np.bool_):
        return (t, v)
    if t is float or isinstance(v, _np.floating):
        return (t, v, math.copysign(1.0, v))
    if t is complex or isinstance(v, _np.complexfloating):
        return (t, v, math.copysign(1.0, v.real), math.copysign(1.0, v.imag))
    if t is tuple or t is list:
        return (t, tuple(_strict_key(x) for x in v))
    return v


#: functions whose results join every call's cache key: state outside the arguments that
#: changes what the traced program does (gpuad.distributed's no_sync)
KEY_PARTS: list[Callable[[], Any]] = []


def _key_parts() -> tuple:
    return tuple(f() for f in KEY_PARTS) if KEY_PARTS else ()


def _host_rng_states() -> tuple:
    """The states of the generators behind ``random.*`` and ``numpy.random.*``'s functions."""
    name, key, pos, has_gauss, cached = _np.random.get_state()
    return random.getstate(), (name, key.tobytes(), pos, has_gauss, cached)


class _WeakRetry(Exception):
    """A trace with traced Python numbers failed before changing any state: trace again with
    their values in the signature (gpuad.jit.weak)."""


_WEAK_TYPES = (float, complex)


class _Entry:
    __slots__ = ("program", "compiled", "runner", "keep", "calls", "signature", "lock",
                 "branches", "undo", "variants", "weak", "lowered")

    def __init__(self, program, compiled, runner, keep, signature):
        self.lock = threading.Lock()  # one replay at a time: the buffers are shared
        self.program = program
        self.compiled = compiled
        self.runner = runner
        self.keep = keep
        self.calls = 0
        self.signature = signature
        # kept branches (gpuad.jit.guards): per check, None where a failed one traces again
        self.branches = guards.analyse(program)
        self.undo = (guards.snapshot(program) if any(v is None for v in self.branches.values())
                     else None)
        self.variants = [self]  # the programs of this signature, most recently used first
        self.weak = tuple(program.weak_in)  # the leaves that are traced Python numbers
        self.lowered = None  # weakref to its gpuad.jit.stages.Lowered, while one is held


def _unpickle_jitted(f: Callable, options: dict) -> Jitted:
    return Jitted(f, **options)


class Jitted:
    """A function compiled by :func:`jit` (see there). ``lower(*args)`` gives the optimised
    program (``.compile()``: a callable for that one signature), ``trace(*args)`` the program
    before the passes, ``eval_shape(*args)`` the outputs' shapes (gpuad.jit.stages);
    ``cache_info()`` the cache; ``clear_cache()`` empties it."""

    def __init__(self, f: Callable, static_argnums: int | Sequence[int] | None = None,
                 donate_argnums: int | Sequence[int] | None = None, cache_size: int = 64,
                 graph: bool | None = None, check: bool = True, fuse: Any = True,
                 static_argnames: str | Sequence[str] | None = None,
                 donate_argnames: str | Sequence[str] | None = None, max_variants: int = 8,
                 keep_unused: bool = False, inline: bool = False, device: Any = None,
                 backend: str | None = None, abstracted_axes: Any = None):
        self._options = {k: v for k, v in locals().items() if k not in ("self", "f")}
        if isinstance(f, staticmethod | classmethod):
            raise TypeError(f"jit: got a {type(f).__name__} object; apply jit below "
                            f"@{type(f).__name__} (to the function itself)")
        if not callable(f):
            raise TypeError(f"jit: expected a callable to compile, got {type(f).__name__} "
                            f"{f!r:.80}")
        if inspect.isgeneratorfunction(f) or inspect.iscoroutinefunction(f):
            raise TypeError(f"jit: expected a function, got a generator or coroutine function "
                            f"({getattr(f, '__name__', f)}): its body runs only when iterated, "
                            f"after the call, so it cannot be traced")
        self.f = f
        self.fuse = fuse
        # JAX's other keywords: keep_unused and inline change nothing here (unused inputs
        # cost nothing; a jitted call inside another trace is always inlined)
        self.keep_unused, self.inline = keep_unused, inline
        self._backend = _requested_backend(device, backend, abstracted_axes)
        self.check = check
        self._statics = signature.Statics(
            f, _nums(static_argnums, "static_argnums"),
            signature.names(static_argnames, "static"), "static")
        self.static_argnums = self._statics.nums
        self.static_argnames = self._statics.names
        self._donates = signature.Statics(
            f, _nums(donate_argnums, "donate_argnums"),
            signature.names(donate_argnames, "donate"), "donate")
        self.donate_argnums = self._donates.nums
        self.donate_argnames = self._donates.names
        if self.donate_argnums or self.donate_argnames:
            self.__class__ = _Donating  # its __call__ marks the donated arrays afterwards
        self._watch: signature.Watch | None = None  # the globals and closure variables f reads
        self._sinks: dict = {}  # id -> the lists and dicts f fills itself (signature.value_key)
        both = set(self.static_argnums) & set(self.donate_argnums)
        if both:
            raise ValueError(f"jit: argument(s) {sorted(both)} are both static and donated")
        both = set(self.static_argnames) & set(self.donate_argnames)
        if both:
            raise ValueError(f"jit: argument(s) {sorted(both)} are both static and donated")
        if cache_size < 1:
            raise ValueError(f"jit: cache_size must be >= 1, got {cache_size}")
        self.cache_size = cache_size
        if max_variants < 1:
            raise ValueError(f"jit: max_variants must be >= 1, got {max_variants}")
        self.max_variants = max_variants
        self.branch_retraces = 0
        self.graph = graph
        self._cache: OrderedDict = OrderedDict()
        self._fast: dict = {}  # fast key -> (key, entry) for calls of arrays and numbers
        self._lock = threading.RLock()
        self.hits = self.misses = self.evictions = self.retraces = 0
        self._outer: dict = {}  # signatures differentiated from outside -> how they run
        self._scalars = scalar_retrace.Tracker()
        # Python floats and complex numbers are traced values (gpuad.jit.weak) until a trace
        # of this function shows it needs their values; then they are part of the signature
        self._weak_off = False
        # name, doc and attributes of f, but none that would replace this object's own (f
        # may be another Jitted, or a wrapper that copied one's attributes)
        functools.update_wrapper(self, f, updated=())
        own = set(self.__dict__) | {"_pull", "_kept"}
        for k, v in getattr(f, "__dict__", {}).items():
            if k not in own:
                self.__dict__[k] = v
        caches.register(self)  # (gpuad.clear_caches)

    # ---- the signature -----------------------------------------------------------------
    def _watch_key(self) -> tuple:
        w = self._watch
        if w is None:
            w = self._watch = signature.Watch(signature.watch_list(self.f), self._sinks)
        return w.read() if w.active else ()

    def _python_state(self, leaves) -> tuple:
        """The keys of the globals, closure variables and object arguments the function
        reads (see :mod:`gpuad.jit.signature`)."""
        objs = tuple(signature.value_key(x, 0, self._sinks) for x in leaves
                     if not isinstance(x, Tensor | _np.ndarray) and type(x) not in _by_array_type
                     and not isinstance(x, _SCALARS))
        return self._watch_key(), objs

    def _read_objects(self, leaves) -> list:
        """The Python objects whose contents are in the signature: those the function reads
        without receiving them, and the object arguments."""
        objs = self._watch.objects() if self._watch is not None else []
        return objs + [x for x in leaves if not isinstance(x, Tensor | _np.ndarray)
                       and type(x) not in _by_array_type and not isinstance(x, _SCALARS)]

    def _split(self, args: tuple, kwargs: dict, weak_off: bool | None = None):
        # (weak_off: whether Python floats are in the signature by value; default: this
        # function's setting now, a compiled stage passes the one it was lowered with)
        if weak_off is None:
            weak_off = self._weak_off
        n = len(args)
        static = []
        for k in self.static_argnums:
            k2 = k if k >= 0 else n + k
            if not 0 <= k2 < n:
                name = self._statics.name_of(k)
                if name is not None and name in kwargs or self._statics.has_default(k):
                    continue  # passed by keyword, or left at its default
                raise TypeError(f"jit: static_argnums={self.static_argnums} but the function "
                                f"was called with {n} positional arguments")
            if k2 not in static:
                static.append(k2)
        static.sort()  # rebuilt by inserting in increasing position
        dyn = tuple(a for i, a in enumerate(args) if i not in static)
        svals = [(k, args[k]) for k in static]
        skw = {}
        if self.static_argnames and kwargs:
            skw = {k: v for k, v in kwargs.items() if k in self.static_argnames}
            kwargs = {k: v for k, v in kwargs.items() if k not in skw}
        skeys = []
        for k, v in (*svals, *skw.items()):
            try:
                hash(v)
            except TypeError:
                what = f"argument {k}" if isinstance(k, int) else f"keyword argument {k!r}"
                raise UnhashableStaticError(
                    f"jit: static {what} ({type(v).__name__}) is not hashable; static "
                    f"arguments are part of the cache key (non-hashable static arguments are "
                    f"not supported)") from None
            kv = signature.value_key(v)
            # (by hash and equality, as JAX's; an object's attributes, a tuple's items too)
            skeys.append((k, v, kv if kv[0] is not None else (type(v), kv[2:])))
        leaves, tdef = tree_flatten((dyn, kwargs))
        be = get_backend()
        keys = []
        first: dict[int, int] = {}
        levels = _arg_levels(leaves)  # inside vmap: batched arguments, keyed by level order
        consumed = signature.any_consumed()
        for i, leaf in enumerate(leaves):
            if consumed and hasattr(leaf, "shape"):
                signature.check_unconsumed(leaf._data if isinstance(leaf, Tensor) else leaf,
                                           f"argument leaf {i}")
            if isinstance(leaf, Tensor):
                if (leaf._node is not None and leaf._node.rule is not None) or leaf._tan:
                    raise trace.TracerError(
                        "jit: an argument is being differentiated by an enclosing transform "
                        "(it has a recorded history or tangents): lower() compiles the "
                        "function of plain values; pass detached arguments (t.detach())")
                d = leaf._data
                keys.append(("T", type(d), tuple(d.shape), d.dtype, leaf.requires_grad,
                             first.setdefault(id(d), i), _rel(leaf._bat, levels)))
            elif type(leaf) in _by_array_type or isinstance(leaf, _np.ndarray):
                if isinstance(leaf, _np.ma.MaskedArray):
                    raise TypeError("jit: NumPy masked arrays are not supported as arguments "
                                    "(the program would drop the mask); pass the data and "
                                    "the mask as two arrays")
                if be.name != "numpy" and isinstance(leaf, _np.ndarray):
                    leaf = leaves[i] = be.asarray(leaf)
                keys.append(("A", type(leaf), tuple(leaf.shape), leaf.dtype,
                             first.setdefault(id(leaf), i)))
            elif type(leaf) in _WEAK_TYPES and not weak_off:
                keys.append(("W", type(leaf)))
            elif isinstance(leaf, _SCALARS):
                keys.append(("S", signature.value_key(leaf)))
            else:
                keys.append(("O", signature.value_key(leaf, 0, self._sinks)))
        key = (_freeze_def(tdef), tuple(keys), tuple(skeys), be.name,
               _state.local.grad_enabled, _state.flags["deterministic"],
               _state.flags["anomaly"], _key_parts(), self._watch_key(), _names_key(levels))
        try:
            hash(key)
        except TypeError:
            key = repr(key)

        def rebuild(lv):
            dyn2, kw2 = tree_unflatten(tdef, lv)
            full = list(dyn2)
            for k, v in svals:
                full.insert(k, v)
            if skw:
                kw2 = {**kw2, **skw}
            return tuple(full), kw2

        # (what gpuad.jit.stages needs: the dynamic arguments' structure, the static ones)
        rebuild.parts = (tdef, svals, skw, [i for i in range(n) if i not in static])
        return key, leaves, rebuild, be

    # ---- calling -------------------------------------------------------------------------
    def _fast_key(self, args):
        """The cache key of a call whose arguments are all arrays, Tensors or numbers (no
        keywords, no static arguments, no argument passed twice), without flattening."""
        key = []
        arrays = 0
        consumed = signature._CONSUMED
        for a in args:
            t = type(a)
            if t is Tensor:
                d = a._data
                if a._node is not None or a._tan or a._bat is not None:
                    return None
                if consumed and id(d) in consumed:
                    signature.check_unconsumed(d, "an argument")
                key.append((t, type(d), d.shape, d.dtype, a.requires_grad))
                arrays += 1
            elif t in _by_array_type:
                if consumed and id(a) in consumed:
                    signature.check_unconsumed(a, "an argument")
                key.append((t, a.shape, a.dtype))
                arrays += 1
            elif t is float:
                if self._weak_off:
                    key.append((t, a) if a else (t, a, str(a)))  # the sign of a zero too
                else:
                    key.append(t)
            elif t is int or t is bool:
                key.append((t, a))
            else:
                return None
        if arrays > 1 and len({id(a) for a in args}) < len(args):
            return None
        flags = _state.flags
        w = self._watch
        return (tuple(key), get_backend().name, _state.local.grad_enabled,
                flags["deterministic"], flags["anomaly"], _key_parts(),
                w.read() if w is not None and w.active else self._watch_key())

    def __copy__(self) -> Jitted:
        return self  # as Python copies a function: the same object

    def __deepcopy__(self, memo) -> Jitted:
        # the same object, as for a function; a compiled bound method follows a copied
        # instance (a fresh cache: the copy's attributes are its own)
        f = self.f
        if isinstance(f, types.MethodType):
            inst = copy.deepcopy(f.__self__, memo)
            if inst is not f.__self__:
                return Jitted(types.MethodType(f.__func__, inst), **self._options)
        return self

    def __get__(self, obj, objtype=None):
        # a decorated method: bound like a function, the instance its first argument
        return self if obj is None else types.MethodType(self, obj)

    def __reduce__(self):
        # pickle, as a jitted function of JAX: a module-level ``@jit`` function by its name
        # (the default would pickle ``f``, whose module name now holds this object, and
        # fail); otherwise the function and the options, compiled again when loaded
        import sys

        mod = sys.modules.get(self.__dict__.get("__module__") or "")
        name = self.__dict__.get("__qualname__")
        obj = mod
        for part in (name or "<>").split("."):
            obj = getattr(obj, part, None)
        if obj is self:
            return name
        return _unpickle_jitted, (self.f, self._options)

    def _donated_args(self, args, kwargs, strict: bool = False) -> list:
        """The donated arguments of one call (positions in ``donate_argnums``, keywords in
        ``donate_argnames``)."""
        out, seen = [], set()
        for k in self.donate_argnums:
            if -len(args) <= k < len(args):
                if k % len(args) not in seen:
                    seen.add(k % len(args))
                    out.append(args[k])
            elif strict and not (self._donates.name_of(k) in kwargs
                                 or self._donates.has_default(k)):
                raise TypeError(f"jit: donate_argnums={self.donate_argnums} but the "
                                f"function was called with {len(args)} positional arguments")
        out += [kwargs[n] for n in self.donate_argnames if n in kwargs]
        return out

    def _consume(self, args, kwargs, out=None) -> None:
        """Mark the donated arguments' arrays: passing one again raises. One the call
        returns as it is (a state passed through unchanged) is the caller's result: not
        consumed, as JAX's output aliasing the donated buffer stays valid."""
        name = getattr(self.f, "__name__", "the function")
        kept = {id(x._data if isinstance(x, Tensor) else x) for x in tree_flatten(out)[0]}
        for arg in self._donated_args(args, kwargs):
            for leaf in tree_flatten(arg)[0]:
                d = leaf._data if isinstance(leaf, Tensor) else leaf
                if (type(d) in _by_array_type or isinstance(d, _np.ndarray)) and id(d) not in kept:
                    signature.consume(d, name)

    def __call__(self, *args, **kwargs):
        if _state.nojit[0] and _state.local.jit_disabled:  # gpuad.disable_jit()
            return self.f(*args, **kwargs)
        if trace.active() is not None:  # inside another trace: inlined (donation ignored)
            return self.f(*args, **kwargs)
        if trace._current is not None and trace.paused_here():  # inside one opaque step
            return self.f(*args, **kwargs)
        if _state.saved_hooks_open[0] and _state.local.saved_hooks:
            # saved_tensors_hooks open: a replay would not call them on the steps inside
            outer.warn_eager(self, outer.EAGER_WHY["saved_hooks"])
            return self.f(*args, **kwargs)
        if _state.local.collect is not None:
            # the no-grad forward of a checkpoint, which finds the tensors that require grad
            # by watching each operation run: eagerly (its recomputation compiles)
            return self.f(*args, **kwargs)
        fkey = None
        if not kwargs and not self.static_argnums and not self.static_argnames:
            fkey = self._fast_key(args)
            hit = self._fast.get(fkey) if fkey is not None else None
            if hit is not None and hit[1] is self._cache.get(hit[0]):
                entry = hit[1]
                self.hits += 1
                return self._replay(hit[0], entry, list(args), None, None)
        how = outer.mode(args, kwargs)
        if how is not None:
            if how == "eager":
                outer.warn_eager(self, outer.EAGER_WHY["tangents"])
            return outer.call(self, how, args, kwargs)
        key, leaves, rebuild, be = self._split(args, kwargs)
        how = self._outer.get(key)
        if how is not None:
            return outer.call(self, how, args, kwargs)
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                # (on a GPU backend, not for a call with host arrays: the program was
                # traced with their device copies, which the fast path would not make)
                if fkey is not None and (be.name == "numpy" or not any(
                        type(a) is _np.ndarray for a in args)):
                    self._fast[fkey] = (key, entry)
        if entry is None:
            return self._traced(key, leaves, rebuild, be)
        return self._replay(key, entry, leaves, rebuild, be)

    def _traced(self, key, leaves, rebuild, be):
        """Trace and compile this signature; returns the traced run's result."""
        self._scalars.note_trace(self.f, key)
        try:
            _, result = self._compile(key, leaves, rebuild, be)
        except _WeakRetry:
            key, leaves, rebuild, be = self._split(*rebuild(list(leaves)))
            return self._traced(key, leaves, rebuild, be)
        except trace.Differentiated as e:  # the traced run's result keeps its history
            how = self._outer[getattr(e, "key", key)] = "vjp" if e.from_args else "eager"
            if how == "eager":
                outer.warn_eager(self, outer.EAGER_WHY["closure"])
            return e.result
        except trace.BatchedClosure as e:
            # the traced run was this call's eager run; nothing is cached (a later call,
            # outside that vmap or with other closures, may compile)
            outer.warn_eager(self, outer.EAGER_WHY[getattr(e, "why", "batched_closure")])
            return weak.python_numbers(e.result)
        return result

    def _eager_from_now(self, key) -> None:
        """The traced run drew numbers from Python's or NumPy's global generator: a replay
        would repeat that run's draws (a loop count, a dropout mask), so this signature runs
        the function itself from now on, as eager code draws anew on every call."""
        with self._lock:
            self._cache.pop(key, None)
            self._fast.clear()
        self._outer[key] = "eager"
        outer.warn_eager(self, outer.EAGER_WHY["host_random"])

    def _replay(self, key, entry, leaves, rebuild, be):
        inputs = [leaf._data if type(leaf) is Tensor else leaf for leaf in leaves]
        if entry.weak:  # traced Python numbers: 0-d arrays, as traced
            asarray = entry.compiled.xp.asarray
            for k in entry.weak:
                inputs[k] = asarray(inputs[k])
        restore = None
        try:
            with entry.lock:
                if entry.undo is not None:
                    restore = entry.undo()
                outs = entry.runner(inputs, leaves)
        except _value_checks.BranchError as e:  # a kept branch changed: see gpuad.jit.guards
            outs, used = guards.branch_changed(self, key, entry, leaves, rebuild, be, e,
                                               restore)
            return outs if used is None else _outputs(used.program, outs, leaves)
        except replay.Retrace:  # a .grad the program read is another object now: trace again
            with self._lock:
                self._cache.pop(key, None)
                self.retraces += 1
            if rebuild is None:
                key, leaves, rebuild, be = self._split(tuple(leaves), {})
            return self._traced(key, leaves, rebuild, be)
        entry.calls += 1
        return _outputs(entry.program, outs, leaves)

    def _compile(self, key, leaves, rebuild, be):
        # (collections while tracing, optimising and checking look at new objects only)
        with trace.young_collections():
            return self._compile_now(key, leaves, rebuild, be)

    def _compile_now(self, key, leaves, rebuild, be):
        if self._backend is not None and be.name != self._backend:
            raise ValueError(f"jit: {getattr(self.f, '__name__', 'the function')} was jitted "
                             f"for the {self._backend!r} backend (device=/backend=) and is "
                             f"called on the {be.name!r} backend; switch with "
                             f"gpuad.use_backend({self._backend!r}), or jit without it")
        readonly: list = []
        weak_in = () if self._weak_off else tuple(
            k for k, leaf in enumerate(leaves) if type(leaf) in _WEAK_TYPES)
        numbers = {k: leaves[k] for k in weak_in}
        weak_out: dict = {}
        if weak_in:  # traced as 0-d arrays, which f receives as WeakScalars
            leaves = list(leaves)
            for k in weak_in:
                leaves[k] = be.asarray(leaves[k])

        def call(*lv):
            if numbers:
                lv = list(lv)
                for k, v in numbers.items():
                    if isinstance(lv[k], Tensor):  # (a Python number when run to check)
                        lv[k] = weak.make(lv[k], v)
            a, kw = rebuild(list(lv))
            before = _containers((a, kw))
            out = self.f(*a, **kw)
            _check_containers(before, self.f)
            if not readonly:  # (the traced run's: which outputs are read-only)
                out_leaves = tree_flatten(out)[0]
                readonly.append(aliasing.readonly_of(out_leaves))
                weak_out.update({i: type(x._py) for i, x in enumerate(out_leaves)
                                 if type(x) is weak.WeakScalar})
            return out

        before = self._python_state(leaves)
        snap = signature.containers(self._read_objects(leaves), self._sinks)
        drawn = _host_rng_states()
        io_calls = _state.io_calls[0]  # io_callback's effects must not run again to check
        try:
            prog, result = self._trace_weak(call, leaves, be, weak_in)
        except (trace.Differentiated, trace.BatchedClosure) as e:
            filled = signature.filled(snap, self._sinks) if snap else None
            if filled:  # (as below: the signature these calls are remembered under)
                self._sinks.update(filled)
                if self._watch is not None:
                    self._watch.ids = None
                e.key = signature.without_contents(key, filled)
            raise
        except _WeakRetry:
            raise
        except Exception as e:
            if not weak_in:
                raise
            self._weak_fallback(e, weak_in)
        filled = signature.filled(snap, self._sinks) if snap else None
        if filled:  # lists and dicts f fills itself (a log): their items are not compared
            self._sinks.update(filled)
            if self._watch is not None:
                self._watch.ids = None
            key = signature.without_contents(key, filled)
        prog.weak_in, prog.weak_out = {k: type(v) for k, v in numbers.items()}, weak_out
        if weak_out:
            result = _python_numbers(prog, result)
        drew = _host_rng_states() != drawn  # run again to check, it would draw once more
        prog.aliases = aliasing.plan(prog, readonly[0] if readonly else None)
        eager_roots = aliasing.roots(prog)
        donated = self._donated(prog, leaves, rebuild)
        passes.optimize(prog, donated, self.fuse)
        prog.aliases = aliasing.after_passes(prog, prog.aliases, eager_roots)
        compiled = replay.Compiled(prog, be.xp)
        # a function that changed the Python values it reads (a global counter, self.items)
        # is not run again to check it: that would change them once more
        if (self.check and _pure(prog) and not drew and _state.io_calls[0] == io_calls
                and self._python_state(leaves) == before):
            try:
                _verify(call, compiled, prog, leaves, be)
            except trace.TracerError as e:
                if not weak_in:
                    raise
                self._weak_fallback(e, weak_in, changed=False)
        runner = compiled.run
        use_graph = self.graph if self.graph is not None else be.name != "numpy"
        if (use_graph and be.name != "numpy" and replay.graph_capturable(prog)
                and guards.graph_ok(prog)):
            runner = replay.GraphReplay(compiled, be.xp)
        keep = [leaf for leaf in leaves if not isinstance(leaf, Tensor | _np.ndarray)
                and type(leaf) not in _by_array_type and not isinstance(leaf, _SCALARS)]
        keep += self._watch.objects() if self._watch else []  # the key holds their ids
        keep += [v for leaf in keep[:] for v in signature.held(leaf)]
        entry = _Entry(prog, compiled, runner, keep, _describe(key))
        with self._lock:
            self.misses += 1
            self._cache[key] = entry
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
                self.evictions += 1
        entry.calls = 1
        if drew:
            self._eager_from_now(key)
        out_leaves, out_def = tree_flatten(result)
        if prog.aliases is not None and len(out_leaves) == len(prog.outputs):
            result = dict_order.restore(tree_unflatten(
                out_def, aliasing.finish(prog.aliases, out_leaves, leaves)), prog.out_order)
        else:
            aliasing.none()
        return entry, result

    def _trace_weak(self, call, leaves, be, weak_in):
        """Trace ``call``, with the engine casting traced Python numbers where they meet
        arrays (gpuad.jit.weak) when there are any."""
        if not weak_in:
            return trace.trace(call, leaves, lambda lv: lv, be, _arg_levels(leaves))
        from .. import engine

        with trace._LOCK:  # (one trace at a time: the hook is the engine's, not the thread's)
            engine._weak = weak.cast_args
            try:
                return trace.trace(call, leaves, lambda lv: lv, be, _arg_levels(leaves))
            finally:
                engine._weak = None

    def _weak_fallback(self, err: BaseException, weak_in, changed: bool | None = None):
        """A trace with traced Python numbers failed: from now on their values are part of
        this function's signature, and the call traces again, unless the failed trace had
        already changed state (a second trace would change it again)."""
        if changed is None:
            changed = trace.last_failure_changed_state()
        if changed:
            name = getattr(self.f, "__name__", "the function")
            raise trace.TracerError(
                f"jit: {name} uses its Python number argument(s) (flattened position(s) "
                f"{list(weak_in)}) in a way a compiled program cannot follow for other values "
                f"({type(err).__name__}: {err}), after it had changed state (gradients, "
                f"parameters or arrays it writes), so it cannot be traced again with their "
                f"values in the signature; pass them as static arguments (static_argnums)"
            ) from err
        self._weak_off = True
        raise _WeakRetry() from err

    def _use_variant(self, key, entry) -> None:
        """Make ``entry``, one of the programs of ``key``'s signature, the one tried first."""
        with self._lock:
            v = entry.variants
            if v[0] is not entry:
                v.remove(entry)
                v.insert(0, entry)
            if key in self._cache:
                self._cache[key] = entry
                self._cache.move_to_end(key)

    def _donated(self, prog: Program, leaves, rebuild) -> set[int]:
        if not self.donate_argnums and not self.donate_argnames:
            return set()
        # which leaves belong to donated positional arguments: mark them and rebuild
        marks = list(range(len(leaves)))
        a, kw = rebuild(marks)
        mine: set[int] = set()
        for arg in self._donated_args(a, kw, strict=True):
            mine.update(i for i in tree_flatten(arg)[0] if isinstance(i, int))
        out: set[int] = set()
        kept = {prog.inputs[i] for i in range(len(leaves)) if i not in mine}
        for i in mine:
            v = prog.inputs[i]
            if v is not None and v not in kept:  # an array also passed undonated is kept
                out.add(v)
        return out

    # ---- inspection and ahead-of-time stages (gpuad.jit.stages) ------------------------
    def lower(self, *args, **kwargs) -> stages.Lowered:
        """The optimised program for these arguments' signature (compiled, and cached, if it
        was not yet: tracing runs the function once, with its side effects), as a
        :class:`gpuad.jit.stages.Lowered`: printed, the Wengert list; ``compile()`` gives a
        callable for this signature. A :class:`gpuad.ShapeDtypeStruct` stands for an array
        (the function runs once on zeros)."""
        key, leaves, rebuild, be = stages.stand_ins(self, args, kwargs)
        entry = self._cache.get(key)
        if entry is None:
            try:
                entry, _ = self._compile(key, leaves, rebuild, be)
            except _WeakRetry:
                return self.lower(*args, **kwargs)
            except trace.Differentiated as e:
                raise trace.TracerError(
                    f"{e}: lower() compiles the function of plain values; lower it with "
                    f"arguments that do not require grad (t.detach()), and differentiate "
                    f"the jitted function itself (docs/jit.md)") from None
        return stages.lowered(self, key, entry, leaves, rebuild)

    def trace(self, *args, **kwargs) -> stages.Traced:
        """The program the function traces to, before any pass (``.jaxpr``), and
        ``.lower()``: :class:`gpuad.jit.stages.Traced`. Runs the function once."""
        return stages.traced(self, args, kwargs)

    def eval_shape(self, *args, **kwargs) -> Any:
        """The outputs' shapes and dtypes, as :func:`gpuad.eval_shape` of the function."""
        from ..abstract_eval import eval_shape

        return eval_shape(self.f, *args, **kwargs)

    def _cache_size(self) -> int:
        """The number of compiled signatures held (JAX's private name, used by tests)."""
        return len(self._cache)

    def cache_info(self) -> dict[str, Any]:
        """Hits, misses (traces), evictions, the bound, and one line per cached signature
        (with, on the CUDA-graph path, ``graph``: captured / not yet / failed and why, and
        counts of captures, recaptures and launches). A signature whose program holds kept
        branches (docs/jit.md) lists under ``variants`` each of its programs, the one tried
        first leading (its numbers are also the signature's own), with ``branches``: the
        outcome each holds; ``branch_retraces`` counts the traces made for a new outcome."""
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions,
                "retraces": self.retraces, "branch_retraces": self.branch_retraces,
                "size": len(self._cache), "maxsize": self.cache_size,
                "max_variants": self.max_variants,
                "entries": [{"signature": e.signature, **_entry_info(e),
                             "variants": [_entry_info(v) for v in e.variants]}
                            for e in self._cache.values()]}

    def clear_cache(self) -> None:
        """Forget every compiled signature (the next call traces again)."""
        with self._lock:
            self._cache.clear()
            self._fast.clear()

    def __repr__(self) -> str:
        return f"<gpuad.jit of {getattr(self.f, '__name__', self.f)!r}>"


class _Donating(Jitted):
    """A :class:`Jitted` with donated arguments: after a compiled call, their arrays are
    consumed (passing one to a jitted function again raises)."""

    def __call__(self, *args, **kwargs):
        out = Jitted.__call__(self, *args, **kwargs)
        if _state.nojit[0] and _state.local.jit_disabled:
            return out  # (run as plain Python: nothing donated, as JAX)
        if trace.active() is None and not any(
                isinstance(x, Tensor) and (x.requires_grad or x._node is not None)
                for x in tree_flatten((args, kwargs))[0]):
            # (inlined into another trace, or differentiated from outside: not donated)
            self._consume(args, kwargs, out)
        return out


def _containers(tree, path: str = "", out: list | None = None) -> list:
    """The lists and dicts of a call's rebuilt arguments, each with its entries as they are
    now (see :func:`_check_containers`)."""
    if out is None:
        out = []
        (a, kw) = tree
        for i, x in enumerate(a):
            _containers(x, f"argument {i}", out)
        for k, x in kw.items():
            _containers(x, f"keyword argument {k!r}", out)
        return out
    if isinstance(tree, dict):
        out.append((path, tree, list(tree.items())))
        for k, x in tree.items():
            _containers(x, f"{path}[{k!r}]", out)
    elif isinstance(tree, tuple | list):
        if isinstance(tree, list):
            out.append((path, tree, list(tree)))
        for i, x in enumerate(tree):
            _containers(x, f"{path}[{i}]", out)
    return out


def _check_containers(before: list, f) -> None:
    """A function that changed a list or dict it received (``d["k"] = v``,
    ``lst.append(v)``) changed the copy that jit rebuilt for the call: the caller's object
    would not see it (and replays run no Python), so the trace refuses it."""
    for path, obj, items in before:
        now = list(obj.items()) if isinstance(obj, dict) else list(obj)
        if len(now) != len(items) or any(
                (a is not b) if not isinstance(obj, dict) else (a[0] != b[0] or a[1] is not b[1])
                for a, b in zip(now, items, strict=True)):
            raise trace.TracerError(
                f"jit: {getattr(f, '__name__', 'the function')} changed the "
                f"{type(obj).__name__} it received as {path} (an item set, added or removed: "
                f"d[k] = v, lst.append(v)); a compiled function receives its container "
                f"arguments rebuilt, so the change would not reach the caller's object, and "
                f"replays run no Python code. Return the new values instead (e.g. "
                f"return out, {{**d, 'k': v}}), or call the function outside jit")


def _entry_info(e: _Entry) -> dict[str, Any]:
    info = {"steps": len(e.program), "calls": e.calls, **e.program.peak_bytes,
            **(e.runner.info() if hasattr(e.runner, "info") else {}),
            "branches": guards.outcomes(e.program)}
    if "graph" not in info and e.program.backend != "numpy" and not guards.graph_ok(e.program):
        info["graph"] = ("off: its kept branches must be read before its writes into "
                         "parameters or arguments (docs/jit.md)")
    return info


def _pure(prog: Program) -> bool:
    """No effect on anything but the outputs: the function may run again to check it."""
    if prog.effects:
        return False
    for _, s in prog.live_steps():
        if s.kind == "effect" and getattr(s.fn, "check", None) is None:  # a value check:
            return False  # writes nothing
        if s.kind == "write" and any(prog.vars[w].kind in ("in", "cap") for w in s.writes):
            return False
    return True


def _verify(call, compiled, prog: Program, leaves, be) -> None:
    """Run ``call`` eagerly on slightly different floating-point arguments and check that the
    compiled program gives the same outputs: a value the function computed outside gpuad's
    operations (raw NumPy on a traced array) would be frozen in the program, and shows up
    here as a difference."""
    rng = _np.random.default_rng(0)
    pert = []
    changed = False
    same: dict[int, Any] = {}  # an array passed twice stays one array, as traced
    weak_in = prog.weak_in
    for leaf in leaves:
        arr = leaf._data if isinstance(leaf, Tensor) else leaf
        # a NumPy scalar is a static argument (its value is in the signature), as a float is
        # (a dtype class such as np.float32, passed as a static argument, has a "dtype"
        # attribute too, but it is no array)
        if (isinstance(getattr(arr, "dtype", None), _np.dtype) and arr.dtype.kind in "fc"
                and arr.size and not isinstance(arr, _np.generic | type)):
            new = same.get(id(arr))
            if new is None:  # made where the argument lives: no copy through the host
                if isinstance(arr, _np.ndarray):
                    u = rng.uniform(-1.0, 1.0, arr.shape)
                else:
                    u = _uniform(be.xp, arr.shape, len(same))
                new = (arr * (1 + 2.0 ** -7 * u)).astype(arr.dtype)
                same[id(arr)] = new
            changed = True
            pert.append(Tensor(new, requires_grad=leaf.requires_grad, _bat=leaf._bat)
                        if isinstance(leaf, Tensor) else new)
        else:
            pert.append(leaf)
    if not changed:
        return
    # f sees array arguments as Tensors, as when it was traced, and its traced Python numbers
    # as Python numbers
    called = [Tensor(a) if (type(a) in _by_array_type or isinstance(a, _np.ndarray)) else a
              for a in pert]
    for k, kind in weak_in.items():
        called[k] = kind(pert[k].item())
    try:
        # (what this extra run prints, on values the caller did not pass, is not shown: a
        # print() in f shows once per trace, as in JAX)
        with _np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
            ref = call(*called)
    except Exception:  # the perturbed arguments are outside f's domain: nothing to compare
        return
    ref_leaves, _ = tree_flatten(ref)
    # copies now (on the device): a donated program may write into the arguments an eager
    # result views
    ref_leaves = [_copy(r._data if isinstance(r, Tensor) else r)
                  if hasattr(r, "dtype") else r for r in ref_leaves]
    inputs = [leaf._data if isinstance(leaf, Tensor) else leaf for leaf in pert]
    with _np.errstate(all="ignore"):
        try:
            got = compiled.run(inputs, pert)
        except _value_checks.BranchError:  # the other values take another kept branch
            return
        except Exception as e:
            raise trace.TracerError(
                f"jit: the compiled program fails on other argument values of the same "
                f"signature ({type(e).__name__}: {e}); the function's computation depends on "
                f"values in a way the tracer cannot see") from e
    it = iter(got)
    # fused float32 math rounds differently from eager's, and float64 outputs computed from
    # float32 values carry that rounding
    low = bool(getattr(getattr(prog, "fusion", None), "groups", None)) and any(
        v.dtype == _np.float32 for v in prog.vars)
    reordered = _reorders_sums(prog)
    floor = _largest(ref_leaves, be)
    for k, (o, r) in enumerate(zip(prog.outputs, ref_leaves, strict=False)):
        if o[0] != "var":
            continue
        g = next(it)
        r = r._data if isinstance(r, Tensor) else r
        xp = be.xp
        if type(g) is not type(r) or type(g) not in _by_array_type:  # compared on the host
            g = be.to_host(g)
            r = be.to_host(r) if hasattr(r, "dtype") else _np.asarray(r)
            xp = _np
        if g.shape != r.shape or not _close(g, r, low, xp, floor, reordered) or (
                weak_in and g.dtype != r.dtype):
            raise trace.TracerError(
                f"jit: output {k} of the compiled program differs from the function's on other "
                f"argument values of the same signature: part of the result was computed "
                f"outside gpuad's operations (NumPy or CuPy calls on raw arrays taken from "
                f"traced values, or Python state), and the program would replay it as a "
                f"constant; or a Tensor passed as an argument is also read through a closure "
                f"or global, and those reads were taken as reads of the argument. Compute it "
                f"with gpuad.numpy operations, and pass such a Tensor only one way (or its "
                f"array: tensor.data); jit(..., check=False) skips this check")


def _largest(leaves, be) -> float:
    """The largest finite magnitude among the floating-point arrays in ``leaves``."""
    big = 0.0
    for r in leaves:
        r = r._data if isinstance(r, Tensor) else r
        if getattr(r, "dtype", None) is not None and r.dtype.kind in "fc" and r.size:
            xp = _np if isinstance(r, _np.ndarray | _np.generic) else be.xp
            with _np.errstate(all="ignore"):
                mag = xp.abs(xp.asarray(r))
                big = max(big, float(xp.max(xp.where(xp.isfinite(mag), mag, 0))))
    return big


def _reorders_sums(prog: Program) -> bool:
    """Whether a fused group of ``prog`` adds a sum inside its kernel, in an order of its own:
    its error is a few ulps of the magnitudes summed, which may be many of the result's when
    the terms cancel."""
    for g in getattr(getattr(prog, "fusion", None), "groups", None) or ():
        spec = getattr(g.kernel, "spec", None)
        if g.reduce is not None and g.reduce.op == "sum" and getattr(spec, "inside", False):
            return True
    return False


def _close(a, b, low: bool = False, xp=_np, floor: float = 0.0,
           reordered: bool = False) -> bool:
    """Compiled output ``a`` against eager ``b`` (arrays of ``xp``, of one shape): floats to
    round-off relative to ``b``'s largest finite magnitude, or to ``floor`` (the largest of all
    outputs) where that is larger (float32's round-off when ``low``: the program computes
    float32 values), NaN only where the other has NaN, infinities exactly; anything else
    equal. (An output that cancels to round-off, as the gradient of a bias that a batch
    normalisation subtracts out, differs between two orders of summation by round-off of
    the terms summed, not of its own size; ``reordered``: a fused kernel adds a sum in its own
    order, whose round-off is that of the magnitudes summed.)"""
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        return bool(xp.array_equal(a, b))
    if bool(xp.array_equal(a, b)):  # the usual case, in one pass (NaN goes the long way)
        return True
    tol = 1e-5 if low or a.dtype.itemsize <= 4 or b.dtype.itemsize <= 4 else 1e-10
    if reordered:  # still well below the arguments' change (2**-7), which a frozen value shows
        tol = 2.0 ** -11 if tol == 1e-5 else 2.0 ** -24
    with _np.errstate(all="ignore"):
        mag = xp.abs(xp.asarray(b))
        scale = float(xp.max(xp.where(xp.isfinite(mag), mag, 0))) if mag.size else 0.0
        return bool(xp.allclose(a, b, rtol=tol, atol=tol * max(scale, floor), equal_nan=True))


def _copy(a):
    """A copy of array ``a`` where it lives (a NumPy scalar as it is)."""
    return a.copy() if hasattr(a, "copy") and not isinstance(a, _np.generic) else a


def _uniform(xp, shape: tuple, seed: int):
    """Numbers in [-1, 1) of ``shape``, made with ``xp`` from a hash of each position (the
    same on every backend and run, and no generator's state is touched)."""
    from .trace import _MIX

    c0, c1, c2, sh = _MIX
    h = xp.arange(int(_np.prod(shape, dtype=_np.int64)), dtype=xp.uint64)
    h += _np.uint64(seed * int(c2) % 2 ** 64)
    h *= c0
    h ^= h >> sh
    h *= c1
    h ^= h >> sh
    h *= c2
    h ^= h >> sh
    h >>= _np.uint64(11)  # 53 bits: exact in a float64
    return (h.astype(xp.float64) * 2.0 ** -52 - 1.0).reshape(shape)


def _describe(key) -> str:
    if isinstance(key, str):
        return key[:200]
    parts = []
    for k in key[1]:
        if k[0] in ("T", "A"):
            parts.append(f"{'Tensor' if k[0] == 'T' else 'array'}{list(k[2])}:{k[3]}")
        elif k[0] == "S":
            parts.append(repr(k[1][1]))
        elif k[0] == "W":
            parts.append(k[1].__name__)
        else:
            parts.append("object")
    stat = "".join(f", static {kv[0]}={kv[1]!r}" for kv in key[2])
    return f"({', '.join(parts)}){stat} on {key[3]}"


def _arg_levels(leaves) -> tuple:
    """The vmap levels the arguments are batched over (a call inside vmap), outer first."""
    found: set = set()
    for leaf in leaves:
        if isinstance(leaf, Tensor) and leaf._bat is not None:
            found.update(leaf._bat)
    return tuple(sorted(found))


def _names_key(levels) -> tuple:
    """The vmap axis names bound around the call, each with its level's place among the
    arguments' (a collective in the function resolves its name to that level)."""
    from ..batching.named import BOUND

    return tuple((n, levels.index(lv) if lv in levels else -1, size) for n, lv, size in BOUND)


def _rel(bat, levels):
    return None if bat is None else tuple(levels.index(b) for b in bat)


def _outputs(prog: Program, outs, arg_leaves=()) -> Any:
    leaves = []
    it = iter(outs)
    levels = None
    for o, rel in zip(prog.outputs, prog.out_levels, strict=True):
        if o[0] == "var":
            a = next(it)
            if rel is not None:  # batched by the enclosing vmap: the arguments' levels now
                if levels is None:
                    levels = _arg_levels(arg_leaves)
                leaves.append(Tensor(a, _bat=tuple(levels[k] for k in rel)))
            else:
                leaves.append(Tensor(a) if o[2] else a)
        else:
            leaves.append(o[1])
    p = getattr(prog, "aliases", None)  # views of the arguments, as eagerly (aliasing.py)
    if p is not None:
        leaves = aliasing.finish(p, leaves, arg_leaves)
    if prog.weak_out:
        _numbers_out(prog.weak_out, leaves)
    return dict_order.restore(tree_unflatten(prog.out_def, leaves), prog.out_order)


def _numbers_out(weak_out: dict, leaves: list) -> None:
    """The outputs that are traced Python numbers (gpuad.jit.weak): Python numbers, as
    eagerly."""
    for i, kind in weak_out.items():
        x = leaves[i]
        leaves[i] = kind((x._data if isinstance(x, Tensor) else x).item())


def _python_numbers(prog: Program, result):
    leaves, tdef = tree_flatten(result)
    _numbers_out(prog.weak_out, leaves)
    return tree_unflatten(tdef, leaves)


def _requested_backend(device, backend, abstracted_axes) -> str | None:
    """The backend name ``jit``'s ``device=``/``backend=`` ask for (None: any)."""
    if abstracted_axes is not None:
        raise NotImplementedError(
            "jit: abstracted_axes (shape polymorphism) is not supported: gpuad compiles one "
            "program per shape; call the jitted function with each shape (each traces once)")
    if device is not None and backend is not None:
        raise ValueError("jit: pass at most one of device= and backend=")
    want = device if device is not None else backend
    if want is None:
        return None
    from ..host import _DEVICES

    name = _DEVICES.get(str(getattr(want, "platform", want)).lower())
    if name is None:
        raise ValueError(f"jit: unknown {'device' if device is not None else 'backend'} "
                         f"{want!r}; gpuad runs on 'cpu' (the numpy backend) or 'gpu' (cupy), "
                         f"or pass None for the active backend")
    return name


def _nums(nums, what: str) -> tuple[int, ...] | None:
    if nums is None:
        return None
    if isinstance(nums, int | _np.integer):
        nums = (nums,)
    try:
        return tuple(operator.index(k) for k in nums)
    except TypeError:
        raise TypeError(f"jit: {what} must be an int or a sequence of ints, got {nums!r}"
                        ) from None


def jit(f: Callable | None = None, *, static_argnums: int | Sequence[int] | None = None,
        donate_argnums: int | Sequence[int] | None = None, cache_size: int = 64,
        graph: bool | None = None, check: bool = True, fuse: Any = True,
        static_argnames: str | Sequence[str] | None = None,
        donate_argnames: str | Sequence[str] | None = None, max_variants: int = 8,
        keep_unused: bool = False, inline: bool = False, device: Any = None,
        backend: str | None = None, abstracted_axes: Any = None, in_shardings: Any = None,
        out_shardings: Any = None, compiler_options: dict | None = None) -> Any:
    """Compile ``f``: trace it once per signature, optimise the program, replay it.

    The first call with a given signature (the shapes, dtypes and backend of the array
    arguments, the values of scalar and static arguments, the pytree structure) runs ``f``
    eagerly while recording every backend call it makes, forward and backward (a ``grad``,
    ``loss.backward()`` or optimizer step inside ``f`` is recorded too). The recorded program
    is optimised (dead steps, constant folding, common subexpressions, a memory plan) and
    every later call with that signature replays it as one flat function on preallocated
    buffers; on the cupy backend, as one CUDA graph where the program allows it.

    ``static_argnums``, ``static_argnames``: arguments (by position, by keyword; where only
    one is given, the other is found through ``f``'s signature) that are hashable Python
    values, part of the cache key.
    ``donate_argnums``, ``donate_argnames``: array arguments whose buffers the program may
    overwrite once read (passing a donated array to a jitted function again raises).
    ``cache_size``: compiled signatures kept (least recently used dropped first).
    ``graph``: force CUDA-graph replay on (True) or off (False); default: on for GPU backends.
    ``check``: after tracing a function without side effects, run it once more on slightly
    different arguments and check the program reproduces it (see docs/jit.md).
    ``fuse``: fuse runs of elementwise steps into generated kernels (default True; False
    turns it off; a :class:`gpuad.jit.fusion.Options` chooses what is fused and recomputed;
    see docs/jit.md).
    ``max_variants``: programs kept per signature for the branches gpuad's own code takes
    on values (e.g. a derivative at a repeated eigenvalue): a call whose values take
    another branch traces again (see docs/jit.md, "Kept branches").
    JAX's ``keep_unused`` and ``inline`` are accepted (they change nothing here);
    ``device``/``backend``: None, or the active backend's name (``"cpu"``, ``"gpu"``);
    ``abstracted_axes`` raises ``NotImplementedError``, as do ``in_shardings``/
    ``out_shardings`` other than None (one device) and a non-empty ``compiler_options``
    (XLA's flags).

    Arrays and Tensors the function reads without receiving them (closures, model
    parameters) are read at every call, so updates made outside are seen. Converting a value
    that depends on the arguments to a Python bool/float/int raises :class:`TracerError`
    naming the line; random numbers need an explicit key (:mod:`gpuad.jit.random`).
    See docs/jit.md.

    Example::

        step = gpuad.jit(gpuad.value_and_grad(loss))
        value, g = step(w, x)         # traces, then returns the eager result
        value, g = step(w2, x2)       # replays
        print(step.lower(w, x))       # the optimised Wengert list
    """
    for name, value in (("in_shardings", in_shardings), ("out_shardings", out_shardings)):
        if value is not None:
            raise NotImplementedError(
                f"jit: {name}={value!r} is not supported: gpuad runs each program on one "
                f"device; pass None (or leave it out)")
    if compiler_options:
        raise NotImplementedError(
            f"jit: compiler_options {sorted(compiler_options)} are XLA's flags; gpuad compiles "
            f"its own programs (pass None)")

    def wrap(fn):
        return Jitted(fn, static_argnums, donate_argnums, cache_size, graph, check, fuse,
                      static_argnames, donate_argnames, max_variants, keep_unused, inline,
                      device, backend, abstracted_axes)
    return wrap if f is None else wrap(f)
