"""Tracing: run the function once, eagerly, and record every backend call it makes.

Every primitive goes through ``engine.apply``, which calls the tracer's hook while a trace is
running (``engine._trace``; ``None`` otherwise, one test per op). The few places where gpuad
computes on raw arrays outside ``apply`` are redirected while a trace runs
(:mod:`gpuad.jit.hooks`), so that they are recorded too:

- backward takes the differentiable path: every adjoint formula runs on Tensors, so each of its
  operations goes through ``apply`` (forward-mode tangents likewise);
- the zero guard of entrywise adjoints, leaf ``.grad`` accumulation, copies of saved values
  before an in-place write, and the writes themselves (``t[i] = v``, ``t += v``) are recorded
  as steps;
- an optimizer's ``step()`` is recorded as array steps, its per-call numbers (learning rate,
  Adam's bias corrections) read from device slots that a host part refreshes before each call
  (:mod:`gpuad.jit.optstep`); an optimizer that overrides only ``_update`` is one opaque step;
- ``data(x)`` inside the op library keeps a traced Tensor a Tensor, so masks computed from
  values are recorded rather than frozen;
- a function of the array namespace (``numpy.stack``, ``numpy.linalg.svd``, ...) called on
  traced raw arrays outside a primitive's forward is recorded as one step (vmap's boundary
  steps move the batch axis this way; a closed-over value entering vmap is captured first);
- results of transforms (``grad``, ``vjp``, ``vmap``, ...) stay Tensors, so Python operators
  applied to them are recorded.

What cannot be recorded raises :class:`TracerError` naming the user's line: converting a value
that depends on the arguments to ``bool``/``float``/``int``/NumPy (Python control flow on
values), reading ``.data`` of such a value from user code, and drawing from gpuad's global
random generator (pass a key: :mod:`gpuad.jit.random`). After the trace, every buffer the
program produced or read is checked against a checksum taken when it was recorded: a write the
tracer did not see (raw NumPy on ``.data``) is an error, never a silently stale replay.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import threading
import weakref
import zlib

import numpy as _np

from .. import engine
from ..backends import _by_array_type
from ..tensor import Tensor
from . import dict_order, failures
from .program import Program, Ref, Step, _collect

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LOCK = threading.RLock()
_ndarray = _np.ndarray
_ascontiguous = _np.ascontiguousarray  # bound now: the namespace is redirected while tracing
_np_asarray = _np.asarray


class TracerError(RuntimeError):
    """Something inside a function being traced by ``gpuad.jit`` cannot be compiled."""


class BatchedClosure(TracerError):
    """The traced function read a value batched by a vmap around the call without receiving it
    (a closure): each vmap call gives it new values, which a compiled program would not see.
    ``result``: the traced (eager) run's result, which the call returns instead."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.result = None


class Differentiated(TracerError):
    """An output of the traced function depends differentiably on a tensor that requires grad:
    the function is being differentiated from outside. ``from_args``: only through its
    arguments (else also through tensors it read without receiving them). ``result``: the
    traced (eager) run's result, history included."""

    def __init__(self, msg: str, from_args: bool):
        super().__init__(msg)
        self.from_args = from_args
        self.result = None


def user_line() -> str:
    """'file:line in function: code' of the innermost caller outside gpuad."""
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not fn.startswith(_PKG) and not f.f_code.co_filename.startswith("<gpuad"):
            import linecache

            line = linecache.getline(fn, f.f_lineno).strip()
            return f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}: {line}"
        f = f.f_back
    return "<unknown line>"


_GC_LOCK = threading.Lock()
_gc_scope = [0, False]  # [open scopes (all threads), whether the outermost one froze]


@contextlib.contextmanager
def young_collections():
    """Garbage collections inside look only at the objects made inside: those alive on entry
    are set aside (``gc.freeze()``) until the outermost scope ends. A trace asks whether
    tensors made by the function are alive only through reference cycles (see
    :meth:`Tracer._drop_unreachable_targets`); a full collection of a large process takes
    tens to hundreds of milliseconds, while the objects a trace makes take well under one.
    An object older than the scope is still a root: what it refers to stays alive, as in a
    full collection unless the function dropped the caller's last reference to it. Where the
    process froze objects itself (``gc.get_freeze_count()``), nothing is set aside.

        with young_collections():
            gc.collect()  # collects only what was made inside
    """
    with _GC_LOCK:
        if _gc_scope[0] == 0:
            _gc_scope[1] = gc.get_freeze_count() == 0
            if _gc_scope[1]:
                gc.freeze()
        _gc_scope[0] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_scope[0] -= 1
            if _gc_scope[0] == 0 and _gc_scope[1]:
                _gc_scope[1] = False
                gc.unfreeze()


_current: Tracer | None = None
_failed = threading.local()  # changed: whether the last failed trace had changed state


def last_failure_changed_state() -> bool:
    """Whether the last trace that raised in this thread had changed state first (see
    :meth:`Tracer.changed_state`)."""
    return getattr(_failed, "changed", True)


def active() -> Tracer | None:
    """The tracer recording in this thread, or None."""
    tr = _current
    if tr is not None and tr.thread == threading.get_ident() and not tr.paused:
        return tr
    return None


def paused_here() -> bool:
    """Whether a trace in this thread is paused: the code running belongs to the tracer or
    to one opaque step of the program (a host solver calling ``func`` thousands of times), so a
    jitted function called there runs eagerly rather than starting a trace of its own."""
    tr = _current
    return tr is not None and tr.paused > 0 and tr.thread == threading.get_ident()


def _checksum(a) -> int:
    if type(a) is not _ndarray:
        be = _by_array_type.get(type(a))
        tr = _current
        if tr is not None:  # the work is the tracer's, not the program's
            tr.paused += 1
        try:
            if be is not None and a.dtype.kind != "O" and a.nbytes >= _DEVICE_MIN:
                return _device_checksum(be.xp, a)
            a = be.to_host(a) if be is not None else _np_asarray(a)
        finally:
            if tr is not None:
                tr.paused -= 1
    if a.dtype.kind == "O":
        return 0
    if a.flags.c_contiguous:  # its bytes as they are (the same CRC, without three views)
        try:
            return zlib.crc32(a)
        except (BufferError, TypeError, ValueError):
            pass
    return zlib.crc32(_ascontiguous(a).reshape(-1).view(_np.uint8))


_MIX = tuple(_np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xFF51AFD7ED558CCD,
                                      0xC4CEB9FE1A85EC53, 33))
#: 8-byte words hashed per pass of :func:`_device_checksum` (bounds its scratch memory)
_CHUNK = 1 << 22
#: bytes from which a device array's checksum is computed on the device (below, a copy to the
#: host and a CRC costs less than the device checksum's dozen kernels and synchronisation)
_DEVICE_MIN = 1 << 18


def _device_checksum(xp, a) -> int:
    """A 64-bit checksum of ``a``'s bytes computed where ``a`` lives (no copy to the host):
    each 8-byte word, xor'ed with its position times an odd constant, goes through a
    64-bit finaliser (MurmurHash3's) and the results are summed, so a change of any bytes,
    or two words trading places, changes it but with odds of about 2^-64."""
    b = xp.ascontiguousarray(a).reshape(-1).view(xp.uint8)
    n = int(b.size)
    if n % 8:
        b = xp.concatenate([b, xp.zeros(8 - n % 8, xp.uint8)])
    w = b.view(xp.uint64)
    c0, c1, c2, sh = _MIX
    total = xp.zeros((), xp.uint64)
    for lo in range(0, int(w.size), _CHUNK):
        h = xp.arange(lo, min(lo + _CHUNK, int(w.size)), dtype=xp.uint64)
        h *= c0
        h ^= w[lo:lo + _CHUNK]
        h ^= h >> sh
        h *= c1
        h ^= h >> sh
        h *= c2
        h ^= h >> sh
        total += h.sum(dtype=xp.uint64)
    return int(total.item()) ^ n


# NumPy functions taking out=, by primitive name, for the memory plan (numpy backend)
_UFUNCS = {
    "add": _np.add, "subtract": _np.subtract, "multiply": _np.multiply,
    "divide": _np.true_divide, "negative": _np.negative, "power": _np.power,
    "square": _np.square, "sqrt": _np.sqrt, "reciprocal": _np.reciprocal, "exp": _np.exp,
    "expm1": _np.expm1, "log": _np.log, "log2": _np.log2,
    "log10": _np.log10, "sin": _np.sin, "cos": _np.cos, "tan": _np.tan, "arcsin": _np.arcsin,
    "arccos": _np.arccos, "arctan": _np.arctan, "sinh": _np.sinh, "cosh": _np.cosh,
    "tanh": _np.tanh, "arcsinh": _np.arcsinh, "arccosh": _np.arccosh,
    "arctanh": _np.arctanh, "maximum": _np.maximum, "minimum": _np.minimum,
    "absolute": _np.absolute, "abs": _np.absolute, "equal": _np.equal,
    "not_equal": _np.not_equal, "greater": _np.greater, "less": _np.less,
    "greater_equal": _np.greater_equal, "less_equal": _np.less_equal,
    "logical_and": _np.logical_and, "logical_or": _np.logical_or,
    "logical_not": _np.logical_not, "isfinite": _np.isfinite, "sign": _np.sign,
    "floor": _np.floor, "ceil": _np.ceil,
}
_NOT_ENTRYWISE = {"matmul"}
_FN_CACHE: dict = {}


def _apply_fn(rule, be):
    """The backend call that computes ``rule`` on ``be``, as ``apply`` makes it."""
    key = (id(rule), be.name)
    hit = _FN_CACHE.get(key)
    if hit is not None and hit[0] is rule:
        return hit[1]
    impl, xp = rule.impl, be.xp
    ff = be.fused_fwd.get(rule.name) if be.fused_fwd else None
    if ff is not None:
        def fn(*a, **p):
            r = ff(*a, **p)
            return impl(xp, *a, **p) if r is NotImplemented else r
    elif be.name == "numpy":
        asarray = _np_asarray

        def fn(*a, **p):
            r = impl(xp, *a, **p)
            return r if type(r) is _ndarray else asarray(r)
    else:
        def fn(*a, **p):
            return impl(xp, *a, **p)
    fn.__name__ = rule.name
    _FN_CACHE[key] = (rule, fn)
    return fn


def _write(dst, val, index=None):
    dst[... if index is None else index] = val


def _write_last(dst, val, index):
    """``dst[index] = val`` keeping NumPy's choice (the last) among repeated positions, as the
    eager write does on a GPU backend (a plain scatter keeps any one of them there)."""
    from .. import rules

    dst[...] = rules._update_fwd(rules._xp(dst), dst, val, index)


def _copy(a):
    return a.copy()


class Tracer:
    """Records one run of a function into a :class:`Program`."""

    ctx = None  # what the next step's failure says (gpuad.jit.failures), set by on_apply

    def __init__(self, backend, levels=()):
        from .. import batching

        self.prog = Program()
        self.prog.backend = backend.name
        self.be = backend
        self.ids: dict[int, int] = {}  # id(array) -> variable
        self.keep: list = []  # arrays seen, alive while tracing (their ids stay unique)
        self.tensors: dict[int, tuple] = {}  # id(T) -> (weakref, target, data id, grad, ver)
        self.hashes: dict[int, int] = {}  # root variable -> checksum of its buffer
        self.thread = threading.get_ident()
        self.paused = 0
        self.writing = 0  # inside a recorded write: its own namespace calls are not steps
        self.plain_step = False  # a first-order backward step is running (hooks._step_w)
        self.grad_written: set[int] = set()  # tensors whose .grad the function set first
        # the variables that are arrays eagerly: array arguments handed to f as Tensors,
        # transform results, and what steps compute from those alone
        self.plain: set[int] = set()
        self.argdep: set[int] = set()  # the variables computed from the arguments
        self.made: set[int] = set()  # ids of Tensors f made of such arrays (gpuad.tensor)
        self.arg_grad = False
        self.arr_types = tuple(_by_array_type) + (_ndarray,)
        self.args: dict[int, int] = {}  # id(argument Tensor) -> leaf index
        self.arrays: dict[int, object] = {}  # root variable -> its array (while tracing)
        self.levels = tuple(levels)  # the vmap levels of batched arguments, outer first
        self.outer = frozenset(batching.ACTIVE)  # vmap calls running around the trace
        self.history: list = []  # (weakref, shape) of Tensors given a history (_effects)
        self.batched_closure: str | None = None  # why the program cannot be replayed (var)
        self.inspect_only = False

    # ---- variables ---------------------------------------------------------------------
    def is_array(self, a) -> bool:
        return isinstance(a, self.arr_types)

    def var(self, arr, owner=None) -> int:
        """The variable holding ``arr`` (captured on first sight)."""
        vid = self.ids.get(id(arr))
        if vid is None:
            if owner is not None and owner._bat is not None and self.outer.intersection(
                    owner._bat) and self.batched_closure is None:
                # the run goes on (it is the eager run); finish() ends it in BatchedClosure
                self.batched_closure = (
                    f"jit: the function reads a value batched by an enclosing vmap without "
                    f"receiving it as an argument (a closure, shape {owner.shape}) at "
                    f"{user_line()}; each vmap call gives it new values, which the compiled "
                    f"program would not see. Pass it as an argument, or put jit outside: "
                    f"jit(vmap(f))")
            v = self.prog.new_var(arr, "cap", value=arr,
                                  owner=weakref.ref(owner) if owner is not None else None)
            vid = self.ids[id(arr)] = v.id
            self.hashes[vid] = _checksum(arr)
            if owner is not None:
                self.register(owner)
        return vid

    def batched_reads(self, args) -> None:
        """A batched primitive runs on its arguments' arrays, without the Tensors: a tensor
        that requires grad and that the function reads without receiving it must be seen
        here, with its Tensor, as :meth:`on_apply` sees it, rather than captured as a constant
        that drops its derivative: a model parameter read inside a vmap is differentiated
        (the trace ends in :class:`Differentiated`), a value batched by a vmap around the
        trace (``vmap(grad(f))`` where ``f`` calls a jitted closure over its argument) makes
        the call run eagerly (:meth:`var`, :class:`BatchedClosure`)."""
        if self.paused or threading.get_ident() != self.thread:
            return
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad and id(a._data) not in self.ids:
                self.var(a._data, a)

    def literal(self, arr) -> None:
        """Hold ``arr``, made inside the trace from a Python number (a static argument that a
        transform turns into an array), as a constant of the program."""
        if id(arr) not in self.ids:
            v = self.prog.new_var(arr, "lit", value=arr, dyn=False)
            self.ids[id(arr)] = v.id
            self.keep.append(arr)

    def dyn(self, arr) -> bool:
        vid = self.ids.get(id(arr))
        return vid is not None and self.prog.vars[vid].dyn

    def from_args(self, arr) -> bool:
        """Whether ``arr`` was computed from the call's arguments (not only from arrays the
        function reads without receiving them)."""
        vid = self.ids.get(id(arr))
        return vid is not None and vid in self.argdep

    def input(self, k: int, leaf) -> int | None:
        arr = leaf._data if isinstance(leaf, Tensor) else leaf
        if not self.is_array(arr):
            return None
        vid = self.ids.get(id(arr))
        if vid is not None:
            return vid
        v = self.prog.new_var(arr, "in")
        self.ids[id(arr)] = v.id
        self.argdep.add(v.id)
        self.keep.append(arr)
        self.arrays[v.id] = arr
        self.hashes[v.id] = _checksum(arr)
        if isinstance(leaf, Tensor):
            self.args[id(leaf)] = k
            self.register(leaf)
        return v.id

    def register(self, t: Tensor) -> None:
        """Remember ``t``'s state before the program touches it (effects are diffed)."""
        if id(t) in self.tensors:
            return
        vid = self.ids.get(id(t._data))
        if vid is not None and self.prog.vars[vid].kind == "out":
            return  # made by the program itself: no state of its own to replay
        target = ("arg", self.args[id(t)]) if id(t) in self.args else ("obj", t)
        g = t.grad
        self.tensors[id(t)] = (weakref.ref(t), target, id(t._data), g, t._ver[0],
                               id(t._node) if t._node is not None else None)

    def enc(self, d, owner=None):
        """``d`` for a step: arrays become :class:`Ref` s; containers are walked."""
        if isinstance(d, self.arr_types):
            return Ref(self.var(d, owner))
        if isinstance(d, Tensor):
            return Ref(self.var(d._data, d))
        t = type(d)
        if t is tuple or t is list:
            return t(self.enc(x) for x in d)
        if t is slice and any(self.is_array(x) or isinstance(x, Tensor)
                              for x in (d.start, d.stop, d.step)):
            return slice(self.enc(d.start), self.enc(d.stop), self.enc(d.step))
        return d

    def out(self, arr, step: Step, dyn: bool, base: int | None = None) -> int:
        prog = self.prog
        # a view's store is the variable it views (root() walks the chain), so that a pass
        # giving that variable memory of its own (fusion, CSE) moves its views with it
        v = prog.new_var(arr, "out", store=base,
                         step=len(prog.steps), dyn=dyn)
        step.out = v.id
        prog.steps.append(step)
        self.ids[id(arr)] = v.id
        self.keep.append(arr)
        if base is None:
            self.arrays[v.id] = arr
            self.hashes[v.id] = _checksum(arr)
        return v.id

    def add_step(self, op: str, fn, args: tuple, params: dict, out, *, key=None,
                 ufunc=None, entrywise=False, view_of=None) -> int:
        """Record ``out = fn(*args, **params)`` (``args``/``params`` hold the traced arrays).
        The result is a view when it shares memory with an argument (or ``view_of``)."""
        ins = tuple(self.enc(a) for a in args)
        penc = {k: self.enc(p) for k, p in params.items()} if params else {}
        step = Step(op, fn, ins, penc, None, "pure")
        step.ctx, self.ctx = self.ctx, None
        step.dyn = bool(_refs_of(penc))
        dyn = any(self.prog.vars[r].dyn for r in step.refs())
        base = None
        if view_of is not None:
            base = self.var(view_of)
        elif self.is_array(out):
            for a, e in zip(args, ins, strict=True):
                if type(e) is Ref and (a is out or (self.is_array(a) and _may_share(out, a))):
                    base = e.v
                    break
        step.kind = "view" if base is not None else "pure"
        if base is None and op in _MAY_VIEW and self.is_array(out):
            step.fn = functools.partial(_own_memory, fn)
        step.key = key
        if ufunc is not None and step.kind == "pure" and not params:
            step.ufunc = ufunc
            step.inplace_ok = entrywise
        vid = self.out(out, step, dyn, base)
        refs = step.refs()
        argdep = self.argdep
        if any(r in argdep for r in refs):
            argdep.add(vid)
        plain, vars_ = self.plain, self.prog.vars
        if dyn and plain and all(r in plain or vars_[r].kind == "cap" and vars_[r].owner is None
                                 for r in refs if vars_[r].dyn):
            plain.add(vid)  # (an array read from outside is an array eagerly too)
        return vid

    # ---- hooks ---------------------------------------------------------------------------
    def on_apply(self, rule, be, args, datas, params, out) -> None:
        if self.paused or threading.get_ident() != self.thread:
            return
        self.ctx = failures.primitive(rule, args)  # taken by the step add_step makes

        for a in args:
            if isinstance(a, Tensor) and id(a._data) not in self.ids:
                self.var(a._data, a)
        if rule.name == "getitem" and params.get("basic") is False:
            self.check_mask_index(params["index"])
        uf = _UFUNCS.get(rule.name) if be.name == "numpy" and not be.fused_fwd else None
        if uf is None and rule.name == "matmul" and be.name == "numpy":
            uf = _np.matmul
        vid = self.add_step(rule.name, _apply_fn(rule, be), tuple(datas), params, out,
                            key=(id(rule), be.name), ufunc=uf,
                            entrywise=uf is not None and rule.name not in _NOT_ENTRYWISE)
        if self.made and any(id(a) in self.made for a in args):
            self.plain.discard(vid)

    def check_mask_index(self, index) -> None:
        """Selecting with a boolean mask that depends on the arguments gives a result whose
        shape depends on the values: the program cannot replay it (a replay would reuse the
        traced shape, broadcasting into it or failing). A mask the function reads without
        receiving it (a closure's) is read at every call: the program keeps its values and
        traces again where a call finds others."""
        from .. import _value_checks as _vc

        for part in index if isinstance(index, tuple) else (index,):
            d = part._data if isinstance(part, Tensor) else part
            if not (self.is_array(d) and d.dtype == bool):
                continue
            vid = self.ids.get(id(d))
            if vid is None or self.prog.vars[vid].kind == "cap":
                _vc.host_read(f"indexing with a boolean mask (shape {d.shape}) read at every "
                              f"call", d)
            elif self.dyn(d):
                refuse_value_shape(f"indexing with a boolean mask (shape {d.shape})")

    def record_write(self, t: Tensor, value, index) -> None:
        """``t[index] = value`` has just run (recorded after it, as one write step)."""
        arr = t._data
        vid = self.var(arr, t)
        vdata = value._data if isinstance(value, Tensor) else value
        if isinstance(vdata, list | tuple):
            from .. import _numpy_protocol as _P

            if _P.holds_tensor(vdata):
                vdata = _P.convert_args((vdata,))[0]
                vdata = vdata._data if isinstance(vdata, Tensor) else vdata
        fn = _write
        if index is not None:
            from ..rules import _may_repeat, normalize_index

            index = normalize_index(index)
            if type(arr) is not _ndarray and _may_repeat(index):
                fn = _write_last
        params = {} if index is None else {"index": index}
        ins = (Ref(vid), self.enc(vdata))
        penc = {k: self.enc(p) for k, p in params.items()}
        root = self.prog.root(vid)
        step = Step("setitem", fn, ins, penc, None, "write", writes=(root,))
        tracked = isinstance(value, Tensor) and (value.requires_grad or bool(value._tan))
        if (engine._local.grad_enabled and (t.requires_grad or tracked)) or bool(t._tan) or (
                isinstance(value, Tensor) and bool(value._tan)):
            step.ctx = failures.tracked_write("index_update", t, value)  # as eager records it
        else:
            step.ctx = failures.write(vdata, t.shape)
        step.dyn = bool(penc)
        self.prog.steps.append(step)
        if any(r in self.argdep for r in step.refs()):
            self.argdep.update((vid, root))  # (written with values from the arguments)
        self.rehash(root)

    def before_write(self, arr, owner=None) -> None:
        vid = self.var(arr, owner)
        root = self.prog.vars[self.prog.root(vid)]
        if root.kind == "cap" and root.snapshot is None:
            root.snapshot = root.value.copy()

    def rehash(self, root: int) -> None:
        v = self.prog.vars[root]
        arr = v.value if v.kind == "cap" else self.arrays.get(root)
        if arr is not None:
            self.hashes[root] = _checksum(arr)

    def backward_ran(self) -> bool:
        """Whether the function set a tensor's ``.grad`` or stepped an optimizer."""
        for ref, _target, _data0, grad0, _ver0, _node0 in self.tensors.values():
            t = ref()
            if t is not None and t.grad is not grad0:
                return True
        # (a value check step, anomaly mode's included, writes nothing)
        return any(s is not None and s.kind == "effect" and getattr(s.fn, "check", None) is None
                   for s in self.prog.steps)

    def changed_state(self) -> bool:
        """Whether the run so far set a ``.grad``, stepped an optimizer or wrote into an array
        it did not make (an argument, a parameter)."""
        if self.backward_ran():
            return True
        vars_ = self.prog.vars
        return any(s is not None and s.kind in ("write", "effect")
                   and any(vars_[w].kind in ("in", "cap") for w in s.writes)
                   for s in self.prog.steps)

    def closure_grad(self) -> bool:
        """Whether a tensor the function read without receiving it requires grad."""
        for v in self.prog.vars:
            if v.kind == "cap" and v.owner is not None:
                t = v.owner()
                if t is not None and t.requires_grad:
                    return True
        return False

    # ---- the end of the trace ------------------------------------------------------------
    def finish(self, out_leaves, out_def) -> None:
        prog = self.prog
        self.paused += 1
        if any(isinstance(x, Tensor) and x._tan for x in out_leaves):
            # (arguments with tangents never reach the trace: gpuad.jit.outer runs the call
            # eagerly) a tensor read without being received carries the tangents of a jvp
            # around the call, which a compiled program would drop
            self.paused -= 1
            raise Differentiated("jit: an output carries tangents of a forward-mode transform "
                                 "around the call", from_args=False)
        if any(isinstance(x, Tensor) and x.requires_grad and not x.is_leaf
               for x in out_leaves):
            # differentiated from outside, unless the function ran its own backward (a
            # training step returning its loss: returned without history, as compiled)
            caps, inside = self.closure_grad(), self.backward_ran()
            if self.arg_grad or (caps and not inside):
                self.paused -= 1
                raise Differentiated(
                    "jit: an output carries a recorded history (it depends differentiably on "
                    "a tensor that requires grad)",
                    from_args=self.arg_grad and not caps and not inside)
        if not self.inspect_only:
            self._check_batched_closure(out_leaves)
        for leaf in out_leaves:
            if isinstance(leaf, Tensor):
                # a Tensor without history computed from array arguments and transform
                # results alone: an array, as eagerly
                vid = self.var(leaf._data, leaf)
                as_tensor = leaf.requires_grad or vid not in self.plain or id(leaf) in self.made
                prog.outputs.append(("var", vid, as_tensor))
                prog.out_levels.append(self._rel_levels(leaf))
            elif self.is_array(leaf):
                prog.outputs.append(("var", self.var(leaf), False))
                prog.out_levels.append(None)
            else:
                prog.outputs.append(("lit", leaf))
                prog.out_levels.append(None)
        prog.out_def = out_def
        self._effects()
        self._check_hashes()

    def _check_batched_closure(self, out_leaves) -> None:
        """End the trace in :class:`BatchedClosure` where the function read a value batched by
        an enclosing vmap without receiving it: seen with its Tensor (:meth:`var`), or as an
        output batched over a level no argument is batched over (a primitive's batch rule
        reads the batched array alone)."""
        if self.batched_closure is None:
            for x in out_leaves:
                if isinstance(x, Tensor) and x._bat is not None and not set(x._bat) <= set(
                        self.levels):
                    self.batched_closure = (
                        f"jit: an output (shape {x.shape}) is batched over a vmap level that "
                        f"none of the arguments is batched over (a value batched by an "
                        f"enclosing vmap that the function did not receive); pass it as an "
                        f"argument, or put jit outside: jit(vmap(f))")
                    break
        if self.batched_closure is not None:
            self.paused -= 1
            e = BatchedClosure(self.batched_closure)
            e.why = getattr(self, "eager_why", "batched_closure")
            raise e

    def _rel_levels(self, t: Tensor):
        """``t``'s vmap levels as positions among the arguments' levels."""
        if t._bat is None:
            return None
        if self.inspect_only:
            return tuple(self.levels.index(b) for b in t._bat if b in self.levels)
        if not set(t._bat) <= set(self.levels):
            raise TracerError(
                f"jit: an output (shape {t.shape}) is batched over a vmap level that none of "
                f"the arguments is batched over (a value batched by an enclosing vmap that "
                f"the function did not receive); pass it as an argument, or put jit outside: "
                f"jit(vmap(f))")
        return tuple(self.levels.index(b) for b in t._bat)

    def _effects(self) -> None:
        prog = self.prog
        history = []  # Tensors the function gave a history without receiving them
        for ref, target, data0, grad0, ver0, node0 in self.tensors.values():
            t = ref()
            if t is None:
                continue
            if id(t._data) != data0:
                vid = self.ids.get(id(t._data))
                if vid is None:
                    raise TracerError(
                        f"jit: the .data of a tensor of shape {t.shape} was set to an array "
                        f"computed outside gpuad's operations (raw NumPy/CuPy on .data), which "
                        f"cannot be replayed; compute it with gpuad.numpy functions under "
                        f"gpuad.no_grad() or use a gpuad.optim optimizer")
                prog.effects.append((target, "data", vid))
            if t.grad is not grad0:
                g = t.grad
                prog.effects.append((target, "grad", None if g is None else
                                     self.var(g._data if isinstance(g, Tensor) else g)))
            if t._ver[0] != ver0:
                prog.effects.append((target, "ver", t._ver[0] - ver0))
            node = t._node
            if node is not None and node.rule is not None and id(node) != node0 \
                    and target[0] == "obj":
                history.append((weakref.ref(t), tuple(t.shape)))
        t = target = node = None  # (the loop's last ones would keep a Tensor alive)
        if history:
            # one made inside the function (out = gpuad.tensor(gnp.zeros(n)); out[i] = v)
            # that nothing outside can reach is the program's own: its history is recorded
            for ref, _ in history:
                self.tensors.pop(id(ref()), None)  # (its entry holds it: done with here)
            # checked once the traced result is dropped (check_history): one may be held by
            # that result's history alone (a custom_vjp's residuals), which the program
            # returns without it
            self.history = history

    def check_history(self) -> None:
        """Refuse a Tensor made inside the function and given a history there (an in-place
        write while recording) that something outside the call can still reach."""
        pending, self.history = self.history, []
        if not pending:
            return
        self._drop_unreachable_targets([ref for ref, _ in pending], targets=False)
        for ref, shape in pending:
            if ref() is not None:
                raise TracerError(
                    f"jit: the function recorded a differentiable history on a tensor of "
                    f"shape {shape} that it did not receive (an in-place write into it "
                    f"while recording); the compiled program cannot give it that history. "
                    f"Write under gpuad.no_grad(), or return the result instead")

    def _check_hashes(self) -> None:
        prog = self.prog
        for vid, h in self.hashes.items():
            v = prog.vars[vid]
            a = v.value if v.kind == "cap" else self.arrays.get(vid)
            if a is None:
                continue
            if _checksum(a) != h:
                v = prog.vars[vid]
                what = (f"the result of step {prog.steps[v.step].op}" if v.kind == "out" else
                        "an argument" if v.kind == "in" else "an array it read")
                raise TracerError(
                    f"jit: {what} (shape {v.shape}, {v.dtype}) was modified in place by an "
                    f"operation the tracer cannot see (raw NumPy/CuPy on .data, or a write "
                    f"into a backend array); the compiled program would not repeat it. Use "
                    f"gpuad.numpy operations on the Tensor (t[...] = v, t += v) instead")

    def _drop_unreachable_targets(self, watch=(), targets=True) -> bool:
        """Effects and guards on Tensors nothing but the program refers to are dropped.
        Objects kept alive only by reference cycles are collected first, unless the weak
        references ``watch`` and (``targets``) these Tensors are all gone already; returns
        whether it collected. (``targets=False`` while ``self.tensors`` holds them.)"""
        prog = self.prog
        effects = [((t[0], weakref.ref(t[1])) if t[0] == "obj" else t, a, v)
                   for t, a, v in prog.effects]
        guards = [((t[0], weakref.ref(t[1])) if t[0] == "obj" else t, e) for t, e in prog.guards]
        prog.effects, prog.guards = [], []
        refs = list(watch) + ([t[1] for t, *_ in effects + guards if t[0] == "obj"]
                              if targets else [])
        collect = any(r() is not None for r in refs)
        if collect:  # (a full collection takes tens of milliseconds in a large process)
            gc.collect()

        def live(t):
            if t[0] != "obj":
                return t
            obj = t[1]()
            return None if obj is None else ("obj", obj)

        for t, a, v in effects:
            t = live(t)
            if t is not None:
                prog.effects.append((t, a, v))
        for t, e in guards:
            t = live(t)
            if t is not None:
                prog.guards.append((t, e))
        return collect

    def classify_captures(self, held=()) -> None:
        """Captured arrays nobody outside can reach are constants (``lit``), or, when the
        program writes into them, fresh copies of their first value on every call."""
        self.keep.clear()
        self.ids.clear()
        self.tensors.clear()
        self.arrays.clear()
        written = set()
        for s in self.prog.steps:
            if s is not None and s.kind in ("write", "effect"):
                written.update(s.writes)
        collected = False
        if any(v.kind == "cap" and v.owner is not None and v.owner() is not None
               for v in self.prog.vars):
            # a Tensor made inside the function may be alive only through a reference cycle
            # or the program's own effects on it (a version bump): it must not pass for one
            # the caller can reach, whose array the replay would write into on every call
            collected = self._drop_unreachable_targets(
                [v.owner for v in self.prog.vars if v.kind == "cap" and v.owner is not None])
        extra = _held_counts(held)  # references from the first call's result
        for v in self.prog.vars:
            if v.kind != "cap":
                continue
            base = 2 + extra.get(id(v.value), 0)
            if v.owner is not None and v.owner() is not None:
                v.snapshot = None  # read through its live Tensor on every call
                continue
            if sys.getrefcount(v.value) > base and v.id in written and not collected:
                gc.collect()
                collected = True
            if sys.getrefcount(v.value) <= base:
                if v.id in written:
                    v.kind, v.value = "init", v.snapshot
                else:
                    v.kind = "lit"
                v.dyn = False
                v.owner = None
            v.snapshot = None


def refuse_value_shape(what: str):
    raise TracerError(
        f"jit: {what} of a traced value at {user_line()}: the result's shape depends on the "
        f"values, which a compiled program cannot follow (it has one shape per signature). "
        f"Keep shapes fixed (gnp.where(mask, x, 0), a sum of a mask, a sort that brings the "
        f"selected entries first), or do it outside the jitted function")


def _held_counts(held) -> dict[int, int]:
    """id(array) -> how many times ``held`` (Tensors or arrays) refers to it."""
    out: dict[int, int] = {}
    for x in held:
        k = id(x._data) if isinstance(x, Tensor) else id(x)
        out[k] = out.get(k, 0) + 1
    return out


def _refs_of(obj) -> list:
    out: list = []
    _collect(obj, out)
    return out


# Ops whose result is a view or a copy depending on the input's layout (NumPy's reshape of a
# transposed array copies; of the C-ordered buffer the replay holds, it views): a step traced
# as a copy must stay one, or the memory plan, which gave it memory of its own, lets a later
# step overwrite the array it would alias.
_MAY_VIEW = frozenset(("reshape", "ravel", "ascontiguousarray", "asfortranarray"))


def _own_memory(fn, *args, **kw):
    out = fn(*args, **kw)
    if any(hasattr(a, "shape") and _may_share(out, a) for a in args):
        return out.copy()
    return out


def _may_share(a, b) -> bool:
    try:
        if type(a) is _ndarray and type(b) is _ndarray:
            return _np.may_share_memory(a, b)
        be = _by_array_type.get(type(a))
        return bool(be.xp.may_share_memory(a, b)) if be is not None else False
    except (TypeError, ValueError, AttributeError):
        return False


def _own_view(arr):
    """A new array object over a raw array argument's memory, handed to the traced function.
    The tracer knows arrays by identity: were ``f`` given the caller's own object, the same
    array read from a closure (``jit(vmap(predict))(xs)`` where ``predict`` also reads ``xs``)
    would be taken for the argument, and a later call with other values would replay the
    closure's reads as reads of the new argument."""
    return arr.view()


def _shadowed(leaf) -> bool:
    """Whether ``leaf`` is a batched Tensor argument (a call inside vmap) that the function may
    also read through a closure (``vmap(lambda x: jit(lambda y: y * (x * x))(x))``)."""
    return (isinstance(leaf, Tensor) and leaf._bat is not None and not leaf.requires_grad
            and leaf._base is None and leaf._node is None and not leaf._tan)


def _own_tensor(leaf: Tensor) -> Tensor:
    """A batched Tensor argument as its own object over its memory (see :func:`_own_view`): a
    closure's reads of the caller's Tensor are then reads of a batched closure, not of the
    argument (its version counter is shared, so writes count for both)."""
    t = Tensor(_own_view(leaf._data), _bat=leaf._bat, _ver=leaf._ver)
    t._seen = leaf._seen
    return t


def trace(f, leaves: list, rebuild, backend, levels=(),
          inspect_only: bool = False) -> tuple[Program, object]:
    """Run ``f(*rebuild(leaves))`` eagerly, recording it; returns the program and the result
    (its Tensors detached, as a replay returns them). A program traced ``inspect_only`` is
    read, never replayed: its outputs may be batched by an enclosing vmap."""
    global _current
    from ..tree import tree_flatten
    from . import anomaly_mode, hooks

    with _LOCK, young_collections():
        if _current is not None and _current.thread == threading.get_ident():
            raise TracerError("jit: a trace is already running in this thread")
        tr = Tracer(backend, levels)
        tr.inspect_only = inspect_only
        _failed.changed = True  # (until the function's run says otherwise)
        # raw array arguments are handed to f as Tensors, so that arithmetic on them (NumPy
        # operators and functions included) goes through gpuad and is recorded
        tr.arg_grad = any(isinstance(leaf, Tensor) and leaf.requires_grad for leaf in leaves)
        leaves = list(leaves)
        views: dict[int, object] = {}
        for k, leaf in enumerate(leaves):
            if tr.is_array(leaf):  # see _own_view
                if id(leaf) not in views:
                    views[id(leaf)] = _own_view(leaf)
                leaf = views[id(leaf)]
            elif _shadowed(leaf):
                leaf = leaves[k] = _own_tensor(leaf)
            tr.prog.inputs.append(tr.input(k, leaf))
            if tr.is_array(leaf):
                leaves[k] = Tensor(leaf)
                tr.plain.add(tr.prog.inputs[k])
        _current = tr
        undo: list = []
        try:
            hooks.install(undo)
            anomaly_mode.install(undo, tr)  # (also for a detect_anomaly() entered inside f)
            engine._trace = tr.on_apply
            try:
                out = f(*rebuild(leaves))
            except BaseException:
                tr.paused += 1
                _failed.changed = tr.changed_state()
                raise
            out_leaves, out_def = tree_flatten(out)
            out_leaves = [engine.current(x) for x in out_leaves]
            tr.prog.out_order = dict_order.orders(out)
            try:
                tr.finish(out_leaves, out_def)
                if getattr(tr, "loop_locals", None):
                    from .loops import check_escapes

                    check_escapes(tr)
            except (Differentiated, BatchedClosure) as e:
                from ..tree import tree_unflatten

                e.result = dict_order.restore(tree_unflatten(out_def, out_leaves),
                                              tr.prog.out_order)
                raise
            except BaseException:
                _failed.changed = tr.changed_state()
                raise
        finally:
            engine._trace = None
            _current = None
            hooks.uninstall(undo)
        result = [(Tensor(x._data, _bat=x._bat) if o[2] else x._data) if isinstance(x, Tensor)
                  else x
                  for x, o in zip(out_leaves, tr.prog.outputs, strict=True)]
        del out, out_leaves
        tr.check_history()
        tr.classify_captures(result)
        prog = tr.prog
        for i, o in enumerate(prog.outputs):  # the program keeps its constants to itself
            if o[0] == "var" and prog.vars[o[1]].kind == "lit":
                x = result[i]
                result[i] = Tensor(x._data.copy(), _bat=x._bat) if isinstance(x, Tensor) \
                    else x.copy()
        prog.stats["traced_steps"] = len(prog)
    from ..tree import tree_unflatten

    return prog, dict_order.restore(tree_unflatten(prog.out_def, result), prog.out_order)
