"""Tracing: run the function once, eagerly, and record every backend call it makes.

Every primitive goes through ``engine.apply``, which calls the tracer's hook while a trace is
running (``engine._trace``; ``None`` otherwise, one test per op). The few places where gpuad
computes on raw arrays outside ``apply`` are redirected while a trace runs, so that they are
recorded too:

- backward takes the differentiable path: every adjoint formula runs on Tensors, so each of its
  operations goes through ``apply`` (forward-mode tangents likewise);
- the zero guard of entrywise adjoints, leaf ``.grad`` accumulation, copies of saved values
  before an in-place write, and the writes themselves (``t[i] = v``, ``t += v``) are recorded
  as steps;
- an optimizer's ``step()`` is one opaque step (its Python state, such as Adam's step count,
  advances on every call);
- ``data(x)`` inside the op library keeps a traced Tensor a Tensor, so masks computed from
  values are recorded rather than frozen.

What cannot be recorded raises :class:`TracerError` naming the user's line: converting a value
that depends on the arguments to ``bool``/``float``/``int``/NumPy (Python control flow on
values), reading ``.data`` of such a value from user code, and drawing from gpuad's global
random generator (pass a key: :mod:`gpuad.jit.random`). After the trace, every buffer the
program produced or read is checked against a checksum taken when it was recorded: a write the
tracer did not see (raw NumPy on ``.data``) is an error, never a silently stale replay.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
import types
import weakref
import zlib

import numpy as _np

from .. import _raw, engine
from .._state import local as _local
from ..backends import _by_array_type
from ..tensor import Tensor
from .program import Program, Ref, Step

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LOCK = threading.RLock()
_ndarray = _np.ndarray
_ascontiguous = _np.ascontiguousarray  # bound now: the namespace is redirected while tracing
_np_asarray = _np.asarray


class TracerError(RuntimeError):
    """Something inside a function being traced by ``gpuad.jit`` cannot be compiled."""


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


_current: Tracer | None = None


def active() -> Tracer | None:
    """The tracer recording in this thread, or None."""
    tr = _current
    if tr is not None and tr.thread == threading.get_ident() and not tr.paused:
        return tr
    return None


def _checksum(a) -> int:
    if type(a) is not _ndarray:
        be = _by_array_type.get(type(a))
        a = be.to_host(a) if be is not None else _np_asarray(a)
    if a.dtype.kind == "O":
        return 0
    return zlib.crc32(_ascontiguous(a).reshape(-1).view(_np.uint8))


# NumPy functions taking out=, by primitive name, for the memory plan (numpy backend)
_UFUNCS = {
    "add": _np.add, "subtract": _np.subtract, "multiply": _np.multiply,
    "divide": _np.true_divide, "negative": _np.negative, "power": _np.power,
    "square": _np.square, "sqrt": _np.sqrt, "reciprocal": _np.reciprocal, "exp": _np.exp,
    "expm1": _np.expm1, "log": _np.log, "log1p": _np.log1p, "log2": _np.log2,
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


def _copy(a):
    return a.copy()


class Tracer:
    """Records one run of a function into a :class:`Program`."""

    def __init__(self, backend):
        self.prog = Program()
        self.prog.backend = backend.name
        self.be = backend
        self.ids: dict[int, int] = {}  # id(array) -> variable
        self.keep: list = []  # arrays seen, alive while tracing (their ids stay unique)
        self.tensors: dict[int, tuple] = {}  # id(T) -> (weakref, target, data id, grad, ver)
        self.hashes: dict[int, int] = {}  # root variable -> checksum of its buffer
        self.thread = threading.get_ident()
        self.paused = 0
        self.plain = False  # a first-order backward step is running (trace._step_w)
        self.grad_written: set[int] = set()  # tensors whose .grad the function set first
        self.wrapped = False  # array arguments were handed to f as Tensors
        self.arg_grad = False
        self.arr_types = tuple(_by_array_type) + (_ndarray,)
        self.args: dict[int, int] = {}  # id(argument Tensor) -> leaf index
        self.arrays: dict[int, object] = {}  # root variable -> its array (while tracing)

    # ---- variables ---------------------------------------------------------------------
    def is_array(self, a) -> bool:
        return isinstance(a, self.arr_types)

    def var(self, arr, owner=None) -> int:
        """The variable holding ``arr`` (captured on first sight)."""
        vid = self.ids.get(id(arr))
        if vid is None:
            v = self.prog.new_var(arr, "cap", value=arr,
                                  owner=weakref.ref(owner) if owner is not None else None)
            vid = self.ids[id(arr)] = v.id
            self.hashes[vid] = _checksum(arr)
            if owner is not None:
                self.register(owner)
        return vid

    def dyn(self, arr) -> bool:
        vid = self.ids.get(id(arr))
        return vid is not None and self.prog.vars[vid].dyn

    def input(self, k: int, leaf) -> int | None:
        arr = leaf._data if isinstance(leaf, Tensor) else leaf
        if not self.is_array(arr):
            return None
        vid = self.ids.get(id(arr))
        if vid is not None:
            return vid
        v = self.prog.new_var(arr, "in")
        self.ids[id(arr)] = v.id
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
        v = prog.new_var(arr, "out", store=prog.root(base) if base is not None else None,
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
        step.key = key
        if ufunc is not None and step.kind == "pure" and not params:
            step.ufunc = ufunc
            step.inplace_ok = entrywise
        return self.out(out, step, dyn, base)

    # ---- hooks ---------------------------------------------------------------------------
    def on_apply(self, rule, be, args, datas, params, out) -> None:
        if self.paused or threading.get_ident() != self.thread:
            return
        for a in args:
            if isinstance(a, Tensor) and id(a._data) not in self.ids:
                self.var(a._data, a)
        uf = _UFUNCS.get(rule.name) if be.name == "numpy" and not be.fused_fwd else None
        if uf is None and rule.name == "matmul" and be.name == "numpy":
            uf = _np.matmul
        self.add_step(rule.name, _apply_fn(rule, be), tuple(datas), params, out,
                      key=(id(rule), be.name), ufunc=uf,
                      entrywise=uf is not None and rule.name not in _NOT_ENTRYWISE)

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
        if index is not None:
            from ..rules import normalize_index

            index = normalize_index(index)
        params = {} if index is None else {"index": index}
        ins = (Ref(vid), self.enc(vdata))
        penc = {k: self.enc(p) for k, p in params.items()}
        root = self.prog.root(vid)
        step = Step("setitem", _write, ins, penc, None, "write", writes=(root,))
        step.dyn = bool(penc)
        self.prog.steps.append(step)
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

    # ---- the end of the trace ------------------------------------------------------------
    def finish(self, out_leaves, out_def, any_tensor: bool) -> None:
        prog = self.prog
        self.paused += 1
        for leaf in out_leaves:
            if isinstance(leaf, Tensor):
                if leaf.requires_grad and not leaf.is_leaf and self.arg_grad:
                    raise TracerError(
                        f"jit: an output (shape {leaf.shape}) carries a recorded history (it "
                        f"depends differentiably on a tensor that requires grad); a compiled "
                        f"function returns values without history, so differentiating it from "
                        f"outside would give zero. Take the gradient inside the compiled "
                        f"function (jit(grad(f)), jit(value_and_grad(f)), or loss.backward() "
                        f"inside it), or compute the output under gpuad.no_grad()")
                # a Tensor without history from array arguments only: an array, as eagerly
                as_tensor = any_tensor or leaf.requires_grad or not self.wrapped
                prog.outputs.append(("var", self.var(leaf._data, leaf), as_tensor))
            elif self.is_array(leaf):
                prog.outputs.append(("var", self.var(leaf), False))
            else:
                prog.outputs.append(("lit", leaf))
        prog.out_def = out_def
        self._effects()
        self._check_hashes()

    def _effects(self) -> None:
        prog = self.prog
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
                raise TracerError(
                    f"jit: the function recorded a differentiable history on a tensor of "
                    f"shape {t.shape} that it did not receive (an in-place write into it while "
                    f"recording); the compiled program cannot give it that history. Write "
                    f"under gpuad.no_grad(), or return the result instead")

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

    def classify_captures(self) -> None:
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
        for v in self.prog.vars:
            if v.kind != "cap":
                continue
            if v.owner is not None and v.owner() is not None:
                v.snapshot = None  # read through its live Tensor on every call
                continue
            if sys.getrefcount(v.value) > 2 and v.id in written and not collected:
                gc.collect()
                collected = True
            if sys.getrefcount(v.value) <= 2:
                if v.id in written:
                    v.kind, v.value = "init", v.snapshot
                else:
                    v.kind = "lit"
                v.dyn = False
                v.owner = None
            v.snapshot = None


def _refs_of(obj) -> list:
    from .program import _collect

    out: list = []
    _collect(obj, out)
    return out


def _may_share(a, b) -> bool:
    try:
        if type(a) is _ndarray and type(b) is _ndarray:
            return _np.may_share_memory(a, b)
        be = _by_array_type.get(type(a))
        return bool(be.xp.may_share_memory(a, b)) if be is not None else False
    except (TypeError, ValueError, AttributeError):
        return False


# ---- the redirections installed while tracing -------------------------------------------------

def _traced(orig):
    """Decorator: the wrapped function runs when this thread is tracing, ``orig`` otherwise."""
    def deco(fn):
        @functools.wraps(orig)
        def w(*a, **k):
            tr = active()
            if tr is None:
                return orig(*a, **k)
            return fn(tr, orig, *a, **k)
        return w
    return deco


def _as_tensor(x):
    if isinstance(x, Tensor) or x is None:
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, _np.generic):
        return Tensor(x)
    return x


def _step_w(tr, orig, node, g, diff, create_graph, grads, owned, heap, relevant):
    # the first-order step (raw arrays eagerly) runs its formulas on plain Tensors: the same
    # values and branches, each operation recorded
    if not diff and node.rule.name == "checkpoint":
        # its vjp recomputes the block from raw inputs linked to their nodes (recorded
        # through apply); only the contributions are made Tensors, so adding them is recorded
        vals = engine._saved_raw(node)
        gr = g._data if isinstance(g, Tensor) else g
        edges = node.edges
        need = edges if relevant is None else [e is not None and e in relevant for e in edges]
        for i, c in enumerate(node.rule.vjp(gr, vals[0], vals[1:], node.params, need)):
            if c is not None and need[i]:
                engine._contribute(node, i, edges[i], _as_tensor(c), _as_tensor(gr), grads,
                                   owned, heap)
        return None
    prev = tr.plain
    tr.plain = not diff
    try:
        return orig(node, g, True, create_graph, grads, owned, heap, relevant)
    finally:
        tr.plain = prev


def _saved_tensors_w(tr, orig, node, raw):
    if tr.plain:
        return [_as_tensor(v) for v in raw]
    vals = orig(node, raw)
    return [_as_tensor(v) if i else v for i, v in enumerate(vals)]


class _JvpProxy:
    """A rule whose jvp sees Tensors (so the tangent arithmetic is recorded)."""

    def __init__(self, rule):
        self._rule = rule
        self.elementwise = rule.elementwise

    def jvp(self, i, t, ans, inputs, params):
        return self._rule.jvp(i, _as_tensor(t), _as_tensor(ans),
                              [_as_tensor(x) for x in inputs], params)

    def __getattr__(self, name):
        return getattr(self._rule, name)


def _propagate_tangents_w(tr, orig, rule, args, params, out, node, bat=None):
    return orig(_JvpProxy(rule), args, params, out, node, bat)


def _guard_zero_w(tr, orig, r, gs):
    rd = r._data if isinstance(r, Tensor) else r
    gds = [g._data if isinstance(g, Tensor) else g for g in gs if g is not None]
    tr.paused += 1
    try:
        res = orig(rd, gds)
    finally:
        tr.paused -= 1
    if not tr.is_array(rd):
        return res
    # a view of r: the guard returns r itself wherever its values are finite
    tr.add_step("guard_zero", _guard_raw, (rd, *gds), {}, res, view_of=rd, key=("guard",))
    if res is rd:
        return r
    return Tensor(res) if isinstance(r, Tensor) else res


def _guard_raw(r, *gs):
    return _ORIG["_guard_zero"](r, gs)


def _accumulate_leaf_w(tr, orig, node, g, own, create_graph):
    if create_graph:
        return orig(node, g, own, create_graph)
    t = node.ref()
    if t is None:
        return None
    return _accumulate(tr, t, g)


def _grad_read(tr, t) -> None:
    """The program depends on ``t.grad`` as it was when the call began: replays check it is
    still that object (or None), and trace again otherwise."""
    tr.register(t)
    if id(t) in tr.grad_written:
        return
    entry = tr.tensors.get(id(t))
    expected = entry[3] if entry is not None else t.grad
    target = entry[1] if entry is not None else ("obj", t)
    tr.prog.guards.append((target, expected))
    tr.grad_written.add(id(t))


def _accumulate(tr, t, g, own=False):
    R = engine._R
    _grad_read(tr, t)
    gd = g._data if isinstance(g, Tensor) else g
    if isinstance(gd, _np.generic):
        gd = _np.array(gd)
    new = gd if own else R.copy(gd)  # recorded: the grad owns its buffer
    if t.grad is None:
        t.grad = Tensor(new)
    else:
        tr.register(t.grad)
        tr.var(t.grad._data, t.grad)  # read through the grad tensor on every call
        t.grad.data = R.add(t.grad._data, new)


def _accumulate_leaf_into_w(tr, orig, t, g, create_graph):
    if create_graph:
        return orig(t, g, create_graph)
    return _accumulate(tr, t, g)


def _view_of_w(tr, orig, rule, params, out, x):
    view, res = orig(rule, params, out, x)
    if res is not out:
        tr.add_step("copy", _copy, (out,), {}, res)
    return view, res


def _snapshot_saved_w(tr, orig, node, ver, buf=None):
    before = list(node.saved or ())
    orig(node, ver, buf)
    for s0, s1 in zip(before, node.saved or (), strict=False):
        if s0 is not None and s1 is not None and s0[0] is not s1[0] and tr.is_array(s1[0]):
            tr.add_step("copy", _copy, (s0[0],), {}, s1[0])


def _assign_inplace_w(tr, orig, t, value, index, since=None):
    tr.register(t)
    if t._base is not None:
        tr.register(t._base)
    tr.before_write(t._data, t)
    orig(t, value, index, since)
    tr.record_write(t, value, index)


def _zero_grad_w(tr, orig, opt):
    for p in opt.params:
        tr.register(p)
        tr.grad_written.add(id(p))
    return orig(opt)


def _opt_step_w(tr, orig, opt):
    for p in opt.params:
        _grad_read(tr, p)
    ps = [(i, p) for i, p in enumerate(opt.params) if p.grad is not None]
    for _, p in ps:
        tr.register(p)
        tr.before_write(p._data, p)
    gvars = []
    for _, p in ps:
        g = p.grad
        gd = g._data if isinstance(g, Tensor) else g
        gvars.append(Ref(tr.var(gd, g if isinstance(g, Tensor) else None)))
    pvars = tuple(Ref(tr.var(p._data, p)) for _, p in ps)
    tr.paused += 1
    try:
        orig(opt)
    finally:
        tr.paused -= 1
    fn = functools.partial(_opt_replay, opt, tuple(i for i, _ in ps))
    writes = tuple(tr.prog.root(r.v) for r in pvars)
    tr.prog.steps.append(Step(f"{type(opt).__name__}.step", fn, pvars + tuple(gvars), {}, None,
                              "effect", writes=writes))
    for r in writes:
        tr.rehash(r)


def _opt_replay(opt, idx, *arrays):
    from ..backends import get_backend
    from ..optim import _real_views

    n = len(idx)
    opt.step_count += 1
    xp = get_backend().xp
    name = type(opt).__name__
    for i, p, g in zip(idx, arrays[:n], arrays[n:], strict=True):
        opt._update(xp, *_real_views(name, p, xp.asarray(g)), opt.state[i])


def _data_w(tr, orig, a):
    if isinstance(a, Tensor) and tr.dyn(a._data):
        return a
    return orig(a)


def _refuse(what: str):
    def check(t):
        tr = active()
        if tr is not None and tr.dyn(t._data):
            raise TracerError(
                f"jit: {what} of a traced value (shape {t.shape}, {t.dtype}) at "
                f"{user_line()}. Its value depends on the function's arguments, so it is not "
                f"known when the function is compiled: Python control flow on array values "
                f"cannot be traced. Use gnp.where for a choice between values, pass the value "
                f"as a static argument (static_argnums), or compute it outside the jitted "
                f"function")
    return check


def _sampler_call_w(tr, orig, self, method, *args, **kwargs):
    raise TracerError(
        f"jit: random.{method} draws from gpuad's global random generator at {user_line()}; "
        f"inside a compiled function the draw would be frozen at its first value. Pass a key "
        f"argument and draw with gpuad.jit.random (e.g. gpuad.jit.random.normal(key, shape)), "
        f"splitting the key for each call")


# functions of the array namespace that gpuad's own code calls on raw arrays (outside apply);
# while tracing, a call on traced arrays is recorded as one step
_XP_FUNCS = ("stack", "concatenate", "vstack", "hstack", "array", "ascontiguousarray", "copy",
             "tril", "triu", "diag", "diagonal", "einsum", "dot", "tensordot", "outer",
             "broadcast_to", "take", "take_along_axis", "cumsum", "where", "reshape",
             "transpose", "moveaxis", "swapaxes", "expand_dims", "squeeze", "sum", "mean",
             "zeros_like", "ones_like", "empty_like", "full_like", "eye", "trace")


def _xp_func_w(name):
    def w(tr, orig, *args, **kwargs):
        found: list = []
        _known(tr, (args, kwargs), found)
        if not found or _in_impl():
            return orig(*args, **kwargs)
        tr.paused += 1
        try:
            out = orig(*args, **kwargs)
        finally:
            tr.paused -= 1
        if tr.is_array(out) and id(out) not in tr.ids:
            tr.add_step(name, orig, args, kwargs, out)
        return out
    return w


_NOT_WRAPPED = {"errstate", "printoptions", "get_printoptions", "set_printoptions", "seterr",
                "geterr", "seterrcall", "geterrcall", "result_type", "promote_types", "can_cast",
                "iinfo", "finfo", "shape", "ndim", "size", "isscalar", "iscomplexobj",
                "isrealobj", "may_share_memory", "shares_memory", "broadcast_shapes",
                "get_include", "show_config", "info", "source", "asarray", "asanyarray",
                "issubdtype", "isdtype", "get_array_module", "min_scalar_type", "dtype",
                "typename", "mintypecode", "iterable"}


def _wrappable(name: str, obj) -> bool:
    """A function of the array namespace that may compute an array from traced ones."""
    if name.startswith("_") or name in _NOT_WRAPPED or not callable(obj):
        return False
    return not isinstance(obj, type | _np.ufunc | types.ModuleType)


_XP_LINALG = ("svd", "eigh", "eigvalsh", "eig", "eigvals", "qr", "cholesky", "solve", "inv",
              "det", "slogdet", "norm", "pinv", "lstsq", "matrix_power")


def _tracked_w(orig):
    def tracked(*xs):
        if orig(*xs):
            return True
        tr = active()
        if tr is None:
            return False
        return any(isinstance(x, Tensor) and tr.dyn(x._data) for x in xs)
    return tracked


def _in_impl() -> bool:
    """Whether the caller runs inside a primitive's forward (recorded as one step by apply)."""
    code = engine.apply.__code__
    f = sys._getframe(3)
    child = None
    while f is not None:
        if f.f_code is code:
            if child is None:
                return False
            loc = f.f_locals
            rule, be = loc.get("rule"), loc.get("be")
            codes = {getattr(getattr(rule, "impl", None), "__code__", None)}
            if be is not None and be.fused_fwd:
                codes.add(getattr(be.fused_fwd.get(rule.name), "__code__", None))
            return child.f_code in codes
        child = f
        f = f.f_back
    return False


def _known(tr, obj, found: list) -> None:
    if isinstance(obj, tr.arr_types):
        if id(obj) in tr.ids:
            found.append(obj)
    elif isinstance(obj, tuple | list):
        for o in obj:
            _known(tr, o, found)
    elif isinstance(obj, dict):
        for o in obj.values():
            _known(tr, o, found)


# where adjoint and tangent formulas live: their data(x) masks stay Tensors while tracing
_FORMULA_MODULES = ("gpuad.prims", "gpuad.linalg_rules", "gpuad.complex_rules",
                    "gpuad.scipy", "gpuad.nn")
_ORIG: dict = {}
_ENGINE_HOOKS = {
    "_step": _step_w, "_saved_tensors": _saved_tensors_w,
    "_propagate_tangents": _propagate_tangents_w, "_guard_zero": _guard_zero_w,
    "_accumulate_leaf": _accumulate_leaf_w, "_accumulate_leaf_into": _accumulate_leaf_into_w,
    "_view_of": _view_of_w, "_snapshot_saved": _snapshot_saved_w,
}


def _install(undo: list) -> None:
    """Redirect the raw-array paths (see the module docstring), noting in ``undo`` what to
    restore."""

    def put(obj, name, new):
        undo.append((obj, name, obj.__dict__[name] if isinstance(obj, type) else
                     getattr(obj, name)))
        setattr(obj, name, new)

    for name, w in _ENGINE_HOOKS.items():
        orig = getattr(engine, name)
        _ORIG[name] = orig
        put(engine, name, _traced(orig)(w))
    targets = {id(engine.assign_inplace): _traced(engine.assign_inplace)(_assign_inplace_w),
               id(_raw.data): _traced(_raw.data)(_data_w)}
    for mod in list(sys.modules.values()):
        mname = getattr(mod, "__name__", "") or ""
        if not mname.startswith("gpuad") or mname.startswith("gpuad.jit"):
            continue
        for attr in ("assign_inplace", "data"):
            if attr == "data" and not mname.startswith(_FORMULA_MODULES):
                continue
            obj = mod.__dict__.get(attr) if hasattr(mod, "__dict__") else None
            if obj is not None and id(obj) in targets and callable(obj):
                put(mod, attr, targets[id(obj)])
    xp = _current_backend_xp()
    for ns in (xp, getattr(xp, "linalg", None), getattr(xp, "fft", None)):
        if ns is None:
            continue
        for name, orig in list(vars(ns).items()):
            if _wrappable(name, orig):
                put(ns, name, _traced(orig)(_xp_func_w(name)))
    # gpuad's fast paths for untracked inputs compute on raw arrays: a traced value takes the
    # recorded path instead
    for modname in ("gpuad.numpy.linalg", "gpuad.numpy._more_sig", "gpuad.numpy._creation"):
        mod = sys.modules.get(modname)
        orig = getattr(mod, "_tracked", None)
        if orig is not None:
            put(mod, "_tracked", _tracked_w(orig))
    from .. import optim
    from ..numpy import random as _rnd

    put(optim.Optimizer, "step", _traced(optim.Optimizer.step)(_opt_step_w))
    put(optim.Optimizer, "zero_grad", _traced(optim.Optimizer.zero_grad)(_zero_grad_w))
    put(_rnd._Sampler, "_call", _traced(_rnd._Sampler._call)(_sampler_call_w))
    for meth, what in (("__bool__", "bool()"), ("__float__", "float()"), ("__int__", "int()"),
                       ("__index__", "int()/indexing with"), ("item", ".item()"),
                       ("tolist", ".tolist()"), ("numpy", ".numpy()"),
                       ("__array__", "conversion to a NumPy array")):
        orig = Tensor.__dict__[meth]
        check = _refuse(what)

        def m(self, *a, _orig=orig, _check=check, **k):
            _check(self)
            return _orig(self, *a, **k)
        put(Tensor, meth, functools.wraps(orig)(m))
    prop = Tensor.__dict__["data"]

    def get_data(self, _get=prop.fget):
        tr = active()
        if tr is not None and tr.dyn(self._data):
            f = sys._getframe(1)
            if not os.path.abspath(f.f_code.co_filename).startswith(_PKG):
                raise TracerError(
                    f"jit: .data of a traced tensor (shape {self.shape}) read at "
                    f"{user_line()}; operations on the raw array are not recorded. Use "
                    f"gpuad.numpy operations on the tensor itself (t.shape and t.dtype are "
                    f"available)")
        return _get(self)

    def set_data(self, value, _set=prop.fset):
        tr = active()
        if tr is not None:
            tr.register(self)
        _set(self, value)
    put(Tensor, "data", property(get_data, set_data, doc=prop.__doc__))


def _current_backend_xp():
    return _current.be.xp if _current is not None else _np


def _uninstall(undo: list) -> None:
    for obj, name, old in reversed(undo):
        setattr(obj, name, old)


def trace(f, leaves: list, rebuild, backend) -> tuple[Program, object]:
    """Run ``f(*rebuild(leaves))`` eagerly, recording it; returns the program and the result
    (its Tensors detached, as a replay returns them)."""
    global _current
    from ..tree import tree_flatten

    with _LOCK:
        if _current is not None and _current.thread == threading.get_ident():
            raise TracerError("jit: a trace is already running in this thread")
        tr = Tracer(backend)
        # raw array arguments are handed to f as Tensors, so that arithmetic on them (NumPy
        # operators and functions included) goes through gpuad and is recorded
        any_tensor = any(isinstance(leaf, Tensor) for leaf in leaves)
        tr.arg_grad = any(isinstance(leaf, Tensor) and leaf.requires_grad for leaf in leaves)
        leaves = list(leaves)
        for k, leaf in enumerate(leaves):
            tr.prog.inputs.append(tr.input(k, leaf))
            if tr.is_array(leaf):
                leaves[k] = Tensor(leaf)
                tr.wrapped = True
        _current = tr
        undo: list = []
        try:
            _install(undo)
            engine._trace = tr.on_apply
            out = f(*rebuild(leaves))
            out_leaves, out_def = tree_flatten(out)
            out_leaves = [engine.current(x) for x in out_leaves]
            tr.finish(out_leaves, out_def, any_tensor)
        finally:
            engine._trace = None
            _current = None
            _uninstall(undo)
        result = [(Tensor(x._data) if o[2] else x._data) if isinstance(x, Tensor) else x
                  for x, o in zip(out_leaves, tr.prog.outputs, strict=True)]
        del out, out_leaves
        tr.classify_captures()
        prog = tr.prog
        prog.stats["traced_steps"] = len(prog)
    from ..tree import tree_unflatten

    return prog, tree_unflatten(prog.out_def, result)


def grad_enabled() -> bool:
    return _local.grad_enabled
