"""Recording and replaying the tape.

Every primitive call goes through :func:`apply` (or its one- and two-argument forms
:func:`apply1` and :func:`apply2`, which ops call directly). When an input requires grad,
``apply`` appends a :class:`Node` to the tape: the rule, edges to the inputs' nodes, and the
saved values the rule's adjoint formulas use (inferred once per rule from the formulas
themselves). Nodes are ordered by
a global sequence number, so the tape is the Wengert list of the executed trace; it lives only
as long as some output still refers to it, so discarded results free their steps.

:func:`run_backward` walks the tape in reverse sequence order, applies each rule's vjp and
accumulates adjoints at shared inputs. The first-order path works on raw backend arrays (and
fused backend kernels); when a higher-order derivative is being taken (``create_graph``, or
forward-mode tangents are present) the same formulas run on Tensors and are themselves recorded.
"""

from __future__ import annotations

import heapq
import math
import sys
import weakref
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _links, _state
from ._no_tangent import NoTangent
from ._raw import _xp
from ._torch_size import Size as _Size
from ._torch_size import plain as _plain
from .backends import Backend, _by_array_type, get_backend
from .saved_hooks import Packed as _Packed
from .saved_hooks import open_count as _hooks_open
from .saved_hooks import pack_node as _pack_node
from .saved_hooks import repack_copy as _repack_copy
from .saved_hooks import unpack_slots as _unpack_slots
from .tensor import Tensor, _constant, _of_step
from .tensor import refuse_stale as _refuse_stale

_local = _state.local
_nograd = _state.nograd  # [open no_grad blocks]: none, grad mode is on in every thread
# late-bound links (gpuad/_links.py): the op namespace, the op library itself, containers
_R = _rules = _C = _for_complex = _B = None
_links.need("ops", globals(), "_R")  # gpuad.numpy's functions (without container conversion)
_links.need("rules", globals(), "_rules")  # gpuad.rules, which builds on apply
_links.need("protocol", globals(), "_C")  # gpuad._numpy_protocol (containers of Tensors)
_links.need("for_complex", globals(), "_for_complex")  # gpuad.complex_rules.for_complex
_links.need("batching", globals(), "_B")  # gpuad.batching (vmap)
_seq = _state.seq
_next_seq = _seq.__next__
_flags = _state.flags
_EMPTY: dict = {}
_ONE_ARG = 1 | 1 << 48  # Primitive._cache key: one argument, which requires grad
_TWO_ARGS = 2 << 48  # the same for two arguments, with their mask
_ndarray = _np.ndarray
_add_reduce = _np.add.reduce
_dot = _np.dot
_isfinite = math.isfinite
_REAL = _np.dtype(_np.float64)
_F32 = _np.dtype(_np.float32)  # (with _REAL: the float dtypes told apart by identity, cheaper)
_new = object.__new__
_getrefcount = sys.getrefcount
# sys.getrefcount counts every reference up to 3.13; later interpreters may borrow references
# without counting them, so ownership is not read from it there
_REFS_EXACT = sys.version_info < (3, 14)
#: ``hook(roots, create_graph)`` -> a watcher of one reverse sweep into ``.grad``, or None
#: (set by gpuad.distributed's DataParallel, which reduces leaf adjoints once they are final)
sweep_hook = None
_trace = None  # gpuad.jit's recording hook while a function is being traced (gpuad/jit/trace.py)
# a checkpointed block's saved results while its backward computes it again
# (gpuad/remat_policy.py): (rule, datas, params) -> a saved result or NotImplemented
_remat = None
_weak = None  # gpuad.jit.weak.cast_args while a traced function holds traced Python numbers
# Tensor.register_hook / retain_grad: the nodes whose ``hooks`` slot holds hooks; the sweep
# looks here only while the set is not empty (gpuad/tensor_hooks.py)
_hooked: weakref.WeakSet = weakref.WeakSet()


def checkpoint_forward_hint() -> str:
    """What to add to a "does not require grad" error raised in the first run of a
    checkpointed block (which records nothing: backward runs the block again with grad)."""
    if _state.local.__dict__.get("collect") is None or _state.local.grad_enabled:
        return ""
    return ("; this ran in a checkpointed block's forward, which records nothing (backward "
            "runs the block again, recording): take gradients inside the block under "
            "gpuad.enable_grad()")


class GradError(RuntimeError):
    """A differentiation request that cannot be honoured (backward twice, stale values, ...)."""


class Node:
    """One step of the tape: ``out = rule(*inputs, **params)``."""

    __slots__ = ("rule", "seq", "edges", "saved", "params", "shape", "dtype", "rebuild", "tan",
                 "where", "bat", "bats", "hooks", "__weakref__")
    # ``hooks`` is set only on nodes in ``_hooked`` (never read elsewhere)
    # inside vmap: ``bat`` the output's vmap levels, ``bats`` those of each saved slot (and
    # ``shape`` is one example's); such a step's formulas always run on (batched) Tensors

    def __init__(self, rule, edges, saved, params, shape, dtype, rebuild=False, tan=False):
        # _record makes its nodes without this call: keep the two in step
        self.bat = self.bats = None
        self.tan = tan
        self.rule = rule
        self.edges = edges
        self.saved = saved
        self.params = params
        self.shape = shape
        self.dtype = dtype
        self.rebuild = rebuild
        self.where = None
        self.seq = next(_seq)

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def next_functions(self) -> tuple:
        """torch's ``grad_fn.next_functions``: per input, ``(step, 0)`` with the step that
        produced it (a ``LeafNode`` for a leaf that requires grad, None for a constant)."""
        return tuple((e, 0) for e in self.edges)

    def register_prehook(self, fn: Callable) -> Any:
        """torch's ``grad_fn.register_prehook(fn)``: ``fn(grad_outputs)`` may replace the
        step's output gradient (a tuple of one) before the step runs; returns a handle with
        ``remove()``."""
        from .tensor_hooks import register_node_prehook

        return register_node_prehook(self, fn)

    def register_hook(self, fn: Callable) -> Any:
        raise NotImplementedError(
            f"grad_fn.register_hook (a hook on the gradients the step {self.rule.name!r} sends "
            f"to its inputs) is not supported by gpuad; register a hook on each input tensor "
            f"(t.register_hook(fn)) or a prehook on this step (grad_fn.register_prehook(fn))")

    def saved_bytes(self) -> int:
        if self.saved is None:
            return 0
        total = 0
        for s in self.saved:
            if s is not None:
                total += int(getattr(s[0], "nbytes", 0))
        extra = self.rule.extra_bytes
        if extra is not None:
            total += extra(self.params)
        return total

    def __repr__(self) -> str:
        return f"<Node {self.seq} {self.rule.name} -> {self.shape}>"


class LeafNode:
    """The accumulation point of a leaf tensor that requires grad."""

    __slots__ = ("ref", "seq", "shape", "dtype", "bat", "hooks", "__weakref__")
    rule = None
    edges = ()
    bats = None
    next_functions = ()  # torch's AccumulateGrad: the end of the graph

    @property
    def variable(self) -> Any:
        """The leaf tensor (torch's ``AccumulateGrad.variable``), None once it is freed."""
        return self.ref()

    def __init__(self, t: Tensor):
        self.ref = weakref.ref(t)
        self.shape = t.shape
        self.dtype = t._data.dtype
        self.bat = t._bat
        self.seq = next(_seq)

    @property
    def name(self) -> str:
        t = self.ref()
        return (t.name if t is not None and t.name else "leaf")

    def saved_bytes(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"<LeafNode {self.seq} {self.shape}>"

    def __reduce__(self):
        # a pickled leaf (a trained model's parameter) gets a node of its own when next used;
        # this one points at the original tensor (and its hooks are functions)
        return type(None), ()


def edge_of(t: Tensor):
    """The node through which adjoints reach ``t`` (created on demand for leaves)."""
    n = t._node
    if n is None:
        n = t._node = LeafNode(t)
    return n


# ---- backend selection ----------------------------------------------------------------------

def _select_backend(datas: list, args: tuple) -> Backend:
    """The backend of the Tensor inputs, else of any device array, else the active one.

    Raw NumPy arrays and Python values are moved to that backend; Tensors of two different
    backends are an error.
    """
    be = None
    for a in args:
        if isinstance(a, Tensor):
            b = _by_array_type.get(type(a.data))
            if b is None:
                continue
            if be is None:
                be = b
            elif b is not be:
                raise TypeError(
                    f"cannot mix tensors of the {be.name!r} and {b.name!r} backends in one op; "
                    f"move one with gpuad.tensor(x.numpy()) under the other backend"
                )
    if be is None:
        for d in datas:
            b = _by_array_type.get(type(d))
            if b is not None and b.name != "numpy":
                be = b
                break
    if be is None:
        be = get_backend()
    if be.name != "numpy":
        at = be.array_type
        lone = len(datas) == 1
        for i, d in enumerate(datas):
            if isinstance(d, _ndarray | list | tuple) and type(d) is not at:
                datas[i] = be.asarray(d)
            elif lone and isinstance(d, int | float | complex | _np.generic):
                # a number alone (sum(2.5), broadcast_to(0, shape)): CuPy's functions other
                # than ufuncs take arrays only; alone, it has NumPy's dtype as an array too
                datas[i] = be.asarray(d)
    return be


# ---- recording ------------------------------------------------------------------------------

def apply1(rule, x, params: dict = _EMPTY):
    """``apply(rule, (x,), params)``: one argument (most ops), without the argument tuple and
    the loops over arguments of the n-ary case."""
    if _trace is None:
        # the common case: a Tensor holding a NumPy array (no vmap level, no tangent, not
        # written since its history was recorded), or a NumPy array under the NumPy backend
        c = x.__class__
        if c is Tensor or c is not _ndarray and isinstance(x, Tensor):
            if x._elem is not None:
                _refuse_stale(x)  # a copy torch reads as a view, its source written since
            d = x._data
            fast = d.__class__ is _ndarray and x._bat is None and not x._tan and \
                x._seen == x._ver[0]
        else:
            d = x
            fast = c is _ndarray
        be = _by_array_type.get(_ndarray)
        if fast and be is not None and not be.fused_fwd and (d is not x or get_backend() is be):
            try:
                if params:
                    f = rule.np_params_fn
                    out = f(d, params) if f is not None else rule.impl(_np, d, **params)
                else:
                    f = rule.np_fn  # the ufunc impl only calls, else None
                    out = f(d) if f is not None else rule.impl(_np, d)
            except (ValueError, TypeError, IndexError, MemoryError) as e:
                raise _failure(rule, (x,), e, be) from e
            if out.__class__ is _ndarray:
                view = rule.view  # a Tensor's view (getitem, reshape, ...), decided below
            else:  # a NumPy scalar (t[i] of a vector, a full reduction): a new 0-d array
                out = _np.asarray(out)
                view = False
            if d is x:
                return out
            dt = out.dtype
            if not x.requires_grad or dt is not _REAL and dt is not _F32 and dt.kind != "f" or \
                    rule.nondiff or _nograd[0] and not _local.grad_enabled or _flags["anomaly"] or \
                    _hooks_open[0] or rule.cx_check and d.dtype is not dt and d.dtype.kind == "c":
                return _finish(rule, (x,), params, out, (d,), x.requires_grad, False)
            if view and params:  # getitem, reshape, transpose, broadcast_to (_view_of's test):
                b = out.base  # NumPy made a view of d exactly when it set its base to d or d's
                view = b is not None and (b is d or b is d.base)  # (its bases are collapsed)
            if view:  # (_link_view, inline) it shares the version counter of x
                ver = x._ver
                seen = ver[0]
            else:
                ver = [0]
                seen = 0
            slots = rule._cache.get(_ONE_ARG)
            if slots is None:
                slots = rule.slots_for(1, 1)
            n = x._node
            if n is None:
                n = edge_of(x)  # a leaf's node, made once the step is recorded
            saved = [None, None]
            for s in slots:
                if s:
                    v = x._ver
                    saved[1] = (d, v, v[0], n, x._tan, True)
                else:
                    saved[0] = (out, ver, seen, None, None, False)
            node = _new(Node)  # Node(rule, (n,), ...) at about half the cost
            node.bat = node.bats = node.where = None
            node.tan = node.rebuild = False
            node.rule = rule
            node.edges = (n,)
            node.saved = saved
            node.params = params
            node.shape = out.shape
            node.dtype = dt
            node.seq = _next_seq()
            t = _new(Tensor)  # _of_step(out, node, ver), inline
            t._data = out
            t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
            t._node = node
            t._ver = ver
            t._seen = seen
            t.requires_grad = True
            if view:  # (_link_base, inline)
                t._elem = x._elem
                if x._base is None:
                    t._base = x
                    t._view = ((rule, params),)
                else:
                    t._base = x._base
                    t._view = x._view + ((rule, params),) if x._view is not None else None
            return t
    return _apply_any(rule, (x,), params)


def apply2(rule, a, b, params: dict = _EMPTY):
    """``apply(rule, (a, b), params)``: two arguments (binary ops), unrolled as in apply1."""
    if _trace is None:
        # each argument a Tensor holding a NumPy array (as in apply1), a NumPy array or a
        # Python number; anything else takes the general path
        c = a.__class__
        if c is Tensor or c is not float and c is not int and c is not _ndarray and \
                isinstance(a, Tensor):
            if a._elem is not None:
                _refuse_stale(a)
            da = a._data
            fast = da.__class__ is _ndarray and a._bat is None and not a._tan and \
                a._seen == a._ver[0]
            ta = True
        else:
            da = a
            fast = c is float or c is int or c is _ndarray
            ta = False
        c = b.__class__
        if c is Tensor or c is not float and c is not int and c is not _ndarray and \
                isinstance(b, Tensor):
            if b._elem is not None:
                _refuse_stale(b)
                if ta and a._seen != a._ver[0]:
                    fast = False  # (a recomputed copy that a views too)
            db = b._data
            fast = fast and db.__class__ is _ndarray and b._bat is None and not b._tan and \
                b._seen == b._ver[0]
            tb = True
        else:
            db = b
            fast = fast and (c is float or c is int or c is _ndarray)
            tb = False
        be = _by_array_type.get(_ndarray)
        if fast and be is not None and not be.fused_fwd and (ta or tb or get_backend() is be):
            try:
                if params:
                    out = rule.impl(_np, da, db, **params)
                else:
                    f = rule.np_fn  # the ufunc impl only calls, else None
                    out = f(da, db) if f is not None else rule.impl(_np, da, db)
            except (ValueError, TypeError, IndexError, MemoryError) as e:
                raise _failure(rule, (a, b), e, be) from e
            if out.__class__ is not _ndarray:
                out = _np.asarray(out)
            if not (ta or tb):
                return out
            ga = ta and a.requires_grad
            gb = tb and b.requires_grad
            dt = out.dtype
            if not (ga or gb) or dt is not _REAL and dt is not _F32 and dt.kind != "f" or \
                    rule.nondiff or rule.view or _nograd[0] and not _local.grad_enabled or \
                    _flags["anomaly"] or _hooks_open[0] or rule.cx_check and (
                        da.__class__ is _ndarray and da.dtype is not dt and da.dtype.kind == "c"
                        or db.__class__ is _ndarray and db.dtype is not dt and
                        db.dtype.kind == "c"):
                return _finish(rule, (a, b), params, out, (da, db), ga or gb, False)
            mask = 3 if ga and gb else 1 if ga else 2
            slots = rule._cache.get(mask | _TWO_ARGS)
            if slots is None:
                slots = rule.slots_for(mask, 2)
            ea = eb = None
            if ga:
                ea = a._node
                if ea is None:
                    ea = edge_of(a)  # a leaf's node, made once the step is recorded
            if gb:
                eb = b._node
                if eb is None:
                    eb = edge_of(b)
            ver = [0]
            saved = [None, None, None]
            for s in slots:
                if s == 0:
                    saved[0] = (out, ver, 0, None, None, False)
                elif s == 1:
                    if ta:
                        v = a._ver
                        saved[1] = (da, v, v[0], ea, a._tan, ga)
                    else:
                        saved[1] = (a,)
                elif tb:
                    v = b._ver
                    saved[2] = (db, v, v[0], eb, b._tan, gb)
                else:
                    saved[2] = (b,)
            node = _new(Node)  # Node(rule, (ea, eb), ...) at about half the cost
            node.bat = node.bats = node.where = None
            node.tan = node.rebuild = False
            node.rule = rule
            node.edges = (ea, eb)
            node.saved = saved
            node.params = params
            node.shape = out.shape
            node.dtype = dt
            node.seq = _next_seq()
            t = _new(Tensor)  # _of_step(out, node, ver), inline
            t._data = out
            t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
            t._node = node
            t._ver = ver
            t._seen = 0
            t.requires_grad = True
            return t
    return _apply_any(rule, (a, b), params)


def apply(rule, args: tuple, params: dict = _EMPTY):
    """Run primitive ``rule`` on ``args``; record it on the tape when an input requires grad.

    Returns a raw backend array when no argument is a Tensor, else a Tensor.
    """
    if _trace is None:
        nargs = len(args)
        if nargs == 1:
            return apply1(rule, args[0], params)
        if nargs == 2:
            return apply2(rule, args[0], args[1], params)
        # The common case, found in one pass: Tensors holding NumPy arrays (no vmap level, no
        # tangent, not written since their history was recorded) beside Python numbers and
        # NumPy arrays. The NumPy backend runs such an op whatever backend is active (as
        # _select_backend decides). Anything else takes the general path below.
        fast = False
        datas = []
        edges = []  # per argument: the node of a Tensor that requires grad, else None
        mask = 0  # the arguments that require grad, one bit each
        bit = 1
        has_tensor = lazy = False
        for a in args:
            c = a.__class__
            if c is Tensor or (c is not float and c is not int and c is not _ndarray
                               and isinstance(a, Tensor)):
                d = a._data
                if d.__class__ is not _ndarray or a._bat is not None or a._tan or \
                        a._seen != a._ver[0] or a._elem is not None:
                    break
                has_tensor = True
                if a.requires_grad:
                    n = a._node
                    if n is None:
                        lazy = True  # a leaf whose node is made once the step is recorded
                    edges.append(n)
                    mask |= bit
                else:
                    edges.append(None)
                datas.append(d)
            elif c is float or c is int or c is _ndarray:
                datas.append(a)
                edges.append(None)
            else:
                break
            bit <<= 1
        else:
            fast = True
        be = _by_array_type.get(_ndarray)
        if fast and be is not None and not be.fused_fwd and (has_tensor or get_backend() is be):
            try:
                out = rule.impl(_np, *datas, **params)
            except (ValueError, TypeError, IndexError, MemoryError) as e:
                raise _failure(rule, args, e, be) from e
            if out.__class__ is not _ndarray:
                out = _np.asarray(out)
            if not has_tensor:
                return out
            if not mask or out.dtype.kind != "f" or rule.nondiff or \
                    _nograd[0] and not _local.grad_enabled or _flags["anomaly"] or _hooks_open[0]:
                return _finish(rule, args, params, out, datas, mask != 0, False)
            view = False
            if rule.view and datas[0] is not args[0]:  # a Tensor's view
                view, out = _view_of(rule, params, out, datas[0])
            if rule.cx_check:
                for d in datas:
                    if d.__class__ is _ndarray and d.dtype.kind == "c":
                        return _finish(rule, args, params, out, datas, True, False)
            # _record, inline
            slots = rule._cache.get(mask | nargs << 48)
            if slots is None:
                slots = rule.slots_for(mask, nargs)
            if lazy:
                edges = [edge_of(a) if n is None and mask >> i & 1 else n
                         for i, (a, n) in enumerate(zip(args, edges, strict=True))]
            ver = [0]
            saved = [None] * (nargs + 1)
            for s in slots:
                if s == 0:
                    saved[0] = (out, ver, 0, None, None, False)
                else:
                    a = args[s - 1]
                    if mask >> (s - 1) & 1:
                        v = a._ver
                        saved[s] = (datas[s - 1], v, v[0], edges[s - 1], a._tan, True)
                    elif a.__class__ is float or a.__class__ is int or a.__class__ is _ndarray:
                        saved[s] = (a,)
                    else:
                        v = a._ver
                        saved[s] = (datas[s - 1], v, v[0], None, a._tan, False)
            node = _new(Node)  # Node(rule, tuple(edges), ...) at about half the cost
            node.bat = node.bats = node.where = None
            node.tan = node.rebuild = False
            node.rule = rule
            node.edges = tuple(edges)
            node.saved = saved
            node.params = params
            node.shape = out.shape
            node.dtype = out.dtype
            node.seq = _next_seq()
            t = _new(Tensor)  # _of_step(out, node, ver), inline
            t._data = out
            t._bat = t.grad = t._tan = t._base = t._view = t.name = t._elem = None
            t._node = node
            t._ver = ver
            t._seen = 0
            t.requires_grad = True
            if view:
                _link_view(t, args[0], rule, params, out)
            return t
    return _apply_any(rule, args, params)


def _apply_any(rule, args: tuple, params: dict):
    """:func:`apply`'s general path: any backend, vmap, forward-mode tangents, containers of
    Tensors, the trace hook."""
    if _weak is not None:
        args, params = _weak(rule, args, params)
    datas = list(args)
    has_tensor = False
    track = False
    tan = False
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._elem is not None:
                _refuse_stale(a)  # (a recomputed copy: the earlier arguments may view it)
                for p in args[:i]:
                    if isinstance(p, Tensor) and p._base is not None and p._seen != p._ver[0]:
                        _refresh_view(p)
            if a._bat is not None:
                return _B.apply_batched(rule, _plain(args), params)
            if a._base is not None and a._seen != a._ver[0]:
                _refresh_view(a)
            has_tensor = True
            datas[i] = a._data  # the slot behind the data property: read once per op
            if a.requires_grad:
                track = True
            if a._tan:
                tan = True
        elif (a.__class__ is list or a.__class__ is tuple) and _C.holds_tensor(a):
            return apply(rule, _C.convert_args(args), params)  # a list of Tensors: stacked
        elif a.__class__ is _Size:  # Tensor.size: a Python int for NumPy's promotion
            return _apply_any(rule, _plain(args), params)
    be = get_backend()
    if be.name != "numpy" or len(_by_array_type) > 1:
        # only a lone numpy backend may skip this: raw NumPy inputs must move to a GPU backend,
        # and what is saved for backward (and seen by jvp rules) must be the moved arrays
        be = _select_backend(datas, args)
        args = tuple(a if isinstance(a, Tensor) else d
                     for a, d in zip(args, datas, strict=True))
    try:
        out = NotImplemented if _remat is None else _remat(rule, datas, params)
        if out is NotImplemented and be.fused_fwd:
            ff = be.fused_fwd.get(rule.name)
            if ff is not None:
                out = ff(*datas, **params)
        if out is NotImplemented:
            out = rule.impl(be.xp, *datas, **params)
    except (ValueError, TypeError, IndexError, MemoryError) as e:
        raise _failure(rule, args, e, be) from e
    if type(out) is not _ndarray and be.name == "numpy":
        out = _np.asarray(out)
    if _trace is not None:
        _trace(rule, be, args, datas, params, out)
        if not has_tensor and _trace.__self__.from_args(out):
            # raw arguments computed from the traced call's (a mask gnp.where unwrapped), or a
            # traced index or mask among the parameters (take of a constant table at a traced
            # argmax): a Tensor, so what is done with it next is recorded too rather than
            # frozen by a NumPy operator
            return Tensor(out)
    if not has_tensor:
        return out
    return _finish(rule, args, params, out, datas, track, tan)


def _failure(rule, args, e, be):
    """The error to raise when ``rule``'s forward failed with ``e`` on ``args``."""
    if isinstance(e, MemoryError):  # numpy's _ArrayMemoryError, cupy's OutOfMemoryError
        msg = _describe_failure(rule, args, e).replace("invalid inputs", "inputs", 1)
        return MemoryError(
            f"{msg}. Out of {be.name} memory: drop references to unneeded arrays and retry, "
            f"or wrap blocks in gpuad.checkpoint so backward "
            f"recomputes activations instead of keeping them"
        )
    msg = _describe_failure(rule, args, e)
    for cls in type(e).__mro__:  # NumPy's _UFuncNoLoopError takes more than a message
        try:
            return cls(msg)
        except TypeError:
            continue
    return RuntimeError(msg)


def _refuse_objects(rule, datas) -> None:
    """A Tensor being differentiated met an operand NumPy computes with as Python objects
    (``Fraction(1, 2) * t``, an object array): the dtype-object result would be a constant."""
    kinds = ", ".join(f"{type(d).__name__} of dtype object" if getattr(d, "dtype", None) is not
                      None and d.dtype.kind == "O" else type(d).__name__ for d in datas)
    raise TypeError(
        f"{rule.name}: an operand made NumPy compute with Python objects ({kinds}), and the "
        f"result (dtype object) would drop the gradient of the Tensor being differentiated; "
        f"convert the operand to a number or a float array first (float(v), "
        f"numpy.asarray(a, dtype=float))")


def _finish(rule, args, params, out, datas, track, tan):
    """The rest of :func:`apply` once the forward has run and an argument is a Tensor: the
    result as a Tensor, its step recorded when an argument requires grad."""
    view = False
    if rule.view and isinstance(args[0], Tensor):
        view, out = _view_of(rule, params, out, datas[0])
    if _flags["anomaly"]:
        from .anomaly import check_forward

        check_forward(rule, args, out)
    kind = out.dtype.kind
    rec = track and _local.grad_enabled
    if kind == "O" and (track or tan):
        _refuse_objects(rule, datas)
    if rule.nondiff or kind not in "fc":
        if kind != "c" or rule.cx_rule is None or not (tan or rec):
            return _constant(out)
        rule = rule.cx_rule  # e.g. sign: piecewise constant on real values, smooth on complex
    elif (kind == "c" or rule.cx_check) and (tan or rec):
        cx = kind == "c"
        if not cx:  # real-only rules, and rules with complex-only formulas: complex inputs?
            for d in datas:
                c = d.__class__
                if c is _ndarray:
                    if d.dtype.kind == "c":
                        cx = True
                        break
                elif c is not float and c is not int and (
                        getattr(getattr(d, "dtype", _REAL), "kind", "") == "c" or c is complex):
                    cx = True
                    break
        if cx:
            rule = _for_complex(rule, args, kind)  # a complex variant, or an error
    if rec:
        ver = [0]
        res = _of_step(out, _record(rule, args, params, out, ver, tan), ver)
    else:
        res = _constant(out)
        if _local.collect is not None:
            for a in args:
                if isinstance(a, Tensor):
                    if a.requires_grad:
                        _state.note_read(edge_of(a), a)
                    else:
                        _state.note_constant_read(a)
    if view:
        _link_view(res, args[0], rule, params, out)
    if tan:
        res._tan = _propagate_tangents(rule, args, params, out, res._node)
    return res


def _link_view(res, base, rule, params, out):
    """``res = rule(base)`` shares ``base``'s memory: it shares its version counter too, and
    remembers the steps from the root base (to rebuild its history after a write)."""
    res._ver = base._ver
    res._seen = base._ver[0]
    if base._elem is not None:
        res._elem = base._elem  # a view of a marked copy is one too (tensor.TorchViewCopy)
    _link_base(res, base, rule, params)
    n = res._node  # node_saves_output(res), inline
    if n is not None and n.rule is not None and n.saved is not None and n.saved[0] is not None:
        if n.saved[0][0].__class__ is _Packed:  # (packed from out: now versioned as base)
            n.saved[0][0].seen = base._ver[0]
            n.saved[0] = (n.saved[0][0], base._ver, None, None, None, False)
        else:
            n.saved[0] = (out, base._ver, base._ver[0], None, None, False)


def _link_base(res, base, rule, params):
    """The root base of view ``res = rule(base)`` and its steps from that root."""
    step = ((rule, params),)
    if base._base is None:
        res._base, res._view = base, step
    else:  # a view of a view: the same root, the steps composed
        res._base = base._base
        res._view = base._view + step if base._view is not None else None


def _view_of(rule, params, out, x):
    """Whether ``out = rule(x)`` is a view of ``x`` (shares its memory, as NumPy's result
    does), and ``out`` itself. A basic index that selects one element is NumPy's scalar: a
    copy (CuPy would return a view; it is copied so both backends behave like NumPy). A
    reshape that had to copy is not a view."""
    if "basic" in params:  # getitem
        if not params["basic"]:
            return False, out  # advanced indexing copies
        index = params["index"]
        for i in index:
            if i is True or i is False:
                return False, out  # a Python bool is advanced indexing too
        if out.ndim == 0 and Ellipsis not in index:  # (a basic index: no arrays to compare)
            if type(out) is not _ndarray:
                out = out.copy()
            return False, out
        return True, out
    if rule.name == "reshape" and not x.flags.c_contiguous and out.size \
            and not _xp(out).may_share_memory(out, x):
        return False, out
    return True, out


def node_saves_output(t: Tensor) -> bool:
    n = t._node
    return n is not None and n.rule is not None and n.saved is not None and n.saved[0] is not None


def _record(rule, args, params, out, ver, has_tan):
    edges = []
    mask = 0
    bit = 1
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            n = a._node
            if n is None:
                n = edge_of(a)
            elif a._seen != a._ver[0] and n.rule is not None:
                raise GradError(
                    f"{rule.name}: an input was modified in place through another view "
                    f"(version {a._ver[0]}, its history was recorded at version {a._seen}); "
                    f"its gradient would be wrong"
                )
            edges.append(n)
            mask |= bit
        else:
            edges.append(None)
        bit <<= 1
    nargs = len(args)
    slots = rule._cache.get(mask | nargs << 48)
    if slots is None:
        slots = rule.slots_for(mask, nargs)
    saved = [None] * (nargs + 1)
    for s in slots:
        if s == 0:
            saved[0] = (out, ver, 0, None, None, False)
        else:
            a = args[s - 1]
            if isinstance(a, Tensor):
                saved[s] = (a._data, a._ver, a._ver[0], a._node if a.requires_grad else None,
                            a._tan, a.requires_grad)
            else:
                saved[s] = (a,)
    rebuild = False
    if has_tan and 0 in slots:
        # forward-over-reverse: the output's tangent is needed in backward; keep the inputs so
        # the output can be rebuilt with its tangents instead of holding a cycle to them.
        rebuild = True
        for s, a in enumerate(args, 1):
            if saved[s] is None:
                if isinstance(a, Tensor):
                    saved[s] = (a._data, a._ver, a._ver[0], a._node if a.requires_grad else None,
                                a._tan, a.requires_grad)
                else:
                    saved[s] = (a,)
    node = _new(Node)  # Node(rule, tuple(edges), ...) at about half the cost
    node.bat = node.bats = node.where = None
    node.tan = has_tan
    node.rule = rule
    node.edges = tuple(edges)
    node.saved = saved
    node.params = params
    node.shape = out.shape
    node.dtype = out.dtype
    node.rebuild = rebuild
    node.seq = next(_seq)
    if _flags["anomaly"]:
        from .anomaly import user_frame

        node.where = user_frame()
    if _hooks_open[0]:  # saved_tensors_hooks open (in some thread)
        _pack_node(node, any(isinstance(a, Tensor) and a._bat is not None for a in args))
    return node


def _strip(a, level):
    """``a`` without the tangents of ``level`` and above (same data and tape node)."""
    if not isinstance(a, Tensor):
        return a
    tan = a._tan
    if tan:
        low = {k: v for k, v in tan.items() if k < level}
        tan = low or None
    if tan is None and not a.requires_grad:
        return a._data if a._bat is None else Tensor(a._data, _bat=a._bat)
    return Tensor(a._data, _node=a._node if a.requires_grad else None, _tan=tan, _ver=a._ver,
                  _bat=a._bat)


def _propagate_tangents(rule, args, params, out, node, bat=None):
    with _np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _tangents(rule, args, params, out, node, bat)


def _tangents(rule, args, params, out, node, bat=None):
    levels = set()
    for a in args:
        if isinstance(a, Tensor) and a._tan:
            levels.update(a._tan)
    levels &= _state.jvp_levels  # tangents of a finished jvp are read by nobody
    if not levels:
        for a in args:  # nor by anyone later (levels are never reused): let them go, so the
            if isinstance(a, Tensor) and a._tan:  # next ops on ``a`` take the fast paths
                a._tan = None
        return None
    out_tan: dict = {}
    for level in sorted(levels):
        prim = [_strip(a, level) for a in args]
        low = {k: v for k, v in out_tan.items()}
        if low or node is not None or bat is not None:
            ans = Tensor(out, _node=node, _tan=low or None, _bat=bat)
        else:
            ans = out
        total = missing = None
        for i, a in enumerate(args):
            if not isinstance(a, Tensor) or not a._tan:
                continue
            t = a._tan.get(level)
            if t is None:
                continue
            if isinstance(t, NoTangent):
                try:  # a rule that does not read this tangent (a zero contribution) is fine
                    c = rule.jvp(i, t, ans, prim, params)
                except Exception:
                    missing = t  # the output's tangent is missing too (an error once read)
                    continue
                if isinstance(c, NoTangent):  # passed through as it is (add, identity)
                    missing = t
                    continue
            else:
                c = rule.jvp(i, t, ans, prim, params)
            if c is None:
                continue
            total = c if total is None else _R.add(total, c)
        if missing is not None:
            if _np.dtype(out.dtype).kind in "fc":
                shape = out.shape if bat is None else out.shape[len(bat):]
                out_tan[level] = NoTangent(missing.name, shape, out.dtype)
        elif total is not None:
            if rule.elementwise:
                total = _guard_zero(total, [_real_tangent(a, level) for a in args])
            total = _fit(total, out.shape if bat is None else out.shape[len(bat):], out.dtype)
            if not rule.view and level in _state.dual_levels:
                total = _own_tangent(total, args, level)
            out_tan[level] = total
    return out_tan or None


def _own_tangent(total, args, level):
    """``total``, or a copy where it is an input's tangent itself (``x + 1``, ``clone``):
    ``forward_ad.unpack_dual`` hands tangents out to be written in place, and a write into
    one must not reach another tensor's (only a view's tangent is a view of its base's)."""
    for a in args:
        if isinstance(a, Tensor) and a._tan and a._tan.get(level) is total:
            return _R.copy(total)
    return total


def _real_tangent(a, level):
    t = a._tan.get(level) if isinstance(a, Tensor) and a._tan else None
    return None if isinstance(t, NoTangent) else t


def _describe_failure(rule, args, err) -> str:
    shapes = []
    for a in args:
        if isinstance(a, type):  # a dtype given as a class (np.float32 has a shape attribute)
            shapes.append(a.__name__)
            continue
        shp = getattr(a, "shape", None)
        shapes.append(str(tuple(shp)) if shp is not None else type(a).__name__)
    return f"{rule.name}: invalid inputs with shapes {', '.join(shapes)}: {err}"


# ---- shape and dtype fitting (broadcasting undone in one place) -------------------------------

def _fit(g, shape, dtype):
    """Sum ``g`` down to ``shape`` (undoing broadcasting) and cast it to ``dtype``."""
    gshape = g.shape
    if gshape != shape and tuple(gshape) != tuple(shape):
        nlead = len(gshape) - len(shape)
        if nlead < 0:
            g = _R.broadcast_to(g, shape)
        else:
            axes = tuple(range(nlead)) + tuple(
                i + nlead for i, n in enumerate(shape) if n == 1 and gshape[i + nlead] != 1
            )
            if axes:
                g = _R.sum(g, axes, keepdims=True)
            if nlead:
                g = _R.reshape(g, tuple(shape))
            elif tuple(g.shape) != tuple(shape):
                g = _R.broadcast_to(g, shape)
    if g.dtype != dtype:
        if g.dtype.kind == "c" and dtype.kind != "c":
            g = _R.real(g)  # a real input of a complex computation: the real part, by rule
            if g.dtype == dtype:
                return g
        g = _R.astype(g, dtype)
    return g


def _finite(a) -> bool:
    """Whether the NumPy array (or scalar) ``a`` certainly holds no inf or nan: one reduction
    whose result is finite only if every entry is (False can also mean it overflowed)."""
    if a.dtype.char in "fd":
        if a.ndim != 1:
            a = a.reshape(-1)
        return _isfinite(_dot(a, a))  # BLAS: about half the time of a sum
    total = _add_reduce(a, None)
    return bool(total - total == 0)  # inf - inf and nan - nan are nan


def _guard_zero(r, gs):
    """Where every incoming adjoint (or tangent) is zero, the contribution is exactly zero.

    This keeps NaN and inf of a local derivative out of the result wherever nothing flows,
    e.g. through the unselected branch of ``where``. Only non-finite entries are replaced: a
    finite one is already zero there, and replacing it would cut its derivative with respect to
    the adjoint (a wrong second derivative wherever an adjoint is exactly zero).
    """
    data = r._data if isinstance(r, Tensor) else r
    if type(data) is _ndarray or isinstance(data, _np.generic):
        if len(gs) == 1 and (gs[0] is r or gs[0] is data):
            return r  # the adjoint passed through: zero wherever it is zero
        if _finite(data):
            return r
    return _guard_zero_where(r, gs)


def _guard_zero_where(r, gs):
    """The guard of :func:`_guard_zero` whatever ``r``'s values (no all-finite shortcut): what
    a compiled program records, as its replays get other values than the traced call's."""
    zero = None
    for g in gs:
        if g is None:
            continue
        z = _R.equal(g, 0)
        zero = z if zero is None else _R.logical_and(zero, z)
    if zero is None:
        return r
    zero = _R.logical_and(zero, _R.logical_not(_R.isfinite(r)))
    if tuple(zero.shape) != tuple(r.shape):
        zero = _R.broadcast_to(zero, r.shape)
    return _R.where(zero, 0, r)


# ---- backward ---------------------------------------------------------------------------------

def _saved_raw(node):
    saved = node.saved
    if saved is None:
        raise GradError(
            f"{node.rule.name}: trying to backward through this step a second time; its saved "
            f"values were freed after the first backward. Pass retain_graph=True to the first "
            f"call if you need to backward twice."
        )
    vals = []
    for i, s in enumerate(saved):
        if s is None:
            vals.append(None)
        elif len(s) == 1:
            vals.append(s[0])
        else:
            if s[1][0] != s[2]:  # version check: was it overwritten since it was saved?
                if s[2] is None:  # a value packed by saved_tensors_hooks
                    return _unpack_slots(node)
                what = "its output" if i == 0 else f"input {i - 1}"
                raise GradError(
                    f"{node.rule.name}: {what} was saved for the gradient at version "
                    f"{s[2]} but has since been modified in place (now version {s[1][0]}); "
                    f"compute the gradient before writing to it, or write to a copy"
                )
            vals.append(s[0])
    return vals


def _saved_tensors(node, raw):
    vals = [None] * len(raw)
    bats = node.bats or (None,) * len(raw)
    for i, s in enumerate(node.saved):
        if s is None or i == 0:
            continue
        if len(s) == 1:
            vals[i] = s[0]
        elif s[3] is not None or s[4] or bats[i] is not None:
            vals[i] = Tensor(raw[i], _node=s[3], _tan=s[4], _ver=s[1], _bat=bats[i])
        else:
            vals[i] = raw[i]
    if node.saved[0] is not None:
        if node.rebuild:
            vals[0] = apply(node.rule, tuple(vals[1:]), node.params)
        else:
            vals[0] = Tensor(raw[0], _node=node, _bat=bats[0])
    return vals


def run_backward(roots, cotangents, *, targets=None, retain_graph=False, create_graph=False,
                 on_step=None, stop_at_targets=True, prune=True, target_hooks=True):
    """Propagate adjoints from ``roots`` (Tensors) seeded with ``cotangents`` (arrays/Tensors).

    With ``targets`` (a list of nodes) the adjoints reaching those nodes are returned and no
    ``.grad`` is touched; otherwise they accumulate into the ``.grad`` of leaves. ``prune=False``
    tells that every step reaches a target (the caller checked), which skips a graph walk.
    ``target_hooks=False``: the targets' hooks do not run here (a sweep nested in a step's
    backward, a checkpoint's, whose targets the enclosing sweep reaches and hooks after).
    """
    grads: dict = {}
    owned: dict = {}
    heap: list = []
    for r, c in zip(roots, cotangents, strict=True):
        n = r._node
        if n is None:
            continue
        if n in grads:
            grads[n] = _R.add(grads[n], c)
            owned[n] = True
        else:
            grads[n] = c
            owned[n] = False
            heapq.heappush(heap, (-n.seq, id(n), n))
    relevant = None
    if targets is not None and prune:
        relevant = _relevant_nodes([r._node for r in roots if r._node is not None], targets,
                                   stop_at_targets)
    results = {} if targets is not None else None
    target_set = set(targets) if targets is not None else None
    errstate = _np.errstate(divide="ignore", invalid="ignore", over="ignore")
    errstate.__enter__()
    leaves: list = []  # leaf adjoints, written to .grad only once backward has succeeded
    # first order, no jit trace (whose hooks replace _step and the helpers it calls) and no
    # anomaly mode: steps whose adjoint is a NumPy array run _step_plain's work inline
    plain = not create_graph and _trace is None and not _flags["anomaly"]
    np_be = _by_array_type.get(_ndarray)
    np_fused = np_be.fused_vjp if np_be is not None else _EMPTY
    heappop, heappush = heapq.heappop, heapq.heappush
    watch = sweep_hook(roots, create_graph) if sweep_hook is not None and targets is None \
        else None
    hooked = _hooked if _hooked else None
    hooks_before = _local.saved_hooks  # what unpack hooks open or close is undone at the end
    retained: list = []  # (tensor, adjoint) of retain_grad() tensors, written with the leaves
    try:
        while heap:
            node = heappop(heap)[2]
            if watch is not None:  # every step after node.seq has run: adjoints there are final
                watch.before(node.seq, grads)
            g = grads.pop(node)
            own = owned.pop(node)
            if relevant is not None and node not in relevant:
                continue  # no target lies behind it: its step (a Function's backward) never runs
            if hooked is not None and node in hooked and (
                    target_hooks or target_set is None or node not in target_set):
                from .tensor_hooks import run_hooks

                g, own, g_own = run_hooks(node.hooks, node, g, own, create_graph, retained)
            else:
                g_own = g
            if on_step is not None:
                on_step(node, g)
            if target_set is not None and node in target_set:
                results[node] = g_own
                if stop_at_targets or (relevant is not None and not any(
                        e is not None and e in relevant for e in node.edges)):
                    continue  # no other target lies behind this one
            rule = node.rule
            if rule is None:
                if node.dtype.kind not in "fc":
                    raise GradError(
                        f"backward: a leaf of dtype {node.dtype} (shape {tuple(node.shape)}) "
                        f"requires grad; only floating-point tensors can be differentiated. "
                        f"Convert it first: t = gpuad.tensor(a.astype(float), requires_grad=True)"
                    )
                if results is None:
                    leaves.append((node, g, own))
                continue
            if plain and g.__class__ is _ndarray and not node.tan and node.bats is None \
                    and not rule.cx_variant and rule.name not in np_fused:
                # _step_plain, inline: the step's formulas on raw arrays
                saved = node.saved
                if saved is None:
                    _saved_raw(node)  # raises: backward through this step a second time
                vals = []
                for sv in saved:
                    if sv is None:
                        vals.append(None)
                    elif len(sv) == 1:
                        vals.append(sv[0])
                    elif sv[1][0] != sv[2]:
                        # raises (overwritten since it was saved), or unpacks what
                        # saved_tensors_hooks packed
                        vals = _saved_raw(node)
                        break
                    else:
                        vals.append(sv[0])
                edges = node.edges
                need = edges if relevant is None else [e is not None and e in relevant
                                                       for e in edges]
                guard = rule.elementwise
                vjp, fs = rule.vjp_formulas  # per input: f(g, ans, *inputs, **params)
                params = node.params
                if fs is None or vjp is not rule.vjp or len(fs) != len(edges):
                    contribs = rule.vjp(g, vals[0], vals[1:], params, need)
                else:
                    contribs = fs
                i = -1
                for c in contribs:
                    i += 1
                    if not need[i]:
                        continue
                    if contribs is fs:
                        c = c(g, *vals, **params) if params else c(g, *vals)
                    if c is None:
                        continue
                    e = edges[i]
                    if c.__class__ is not _ndarray or c.shape != e.shape or c.dtype != e.dtype:
                        _contribute(node, i, e, c, g, grads, owned, heap)
                        continue
                    if guard and c is not g:
                        if c.dtype.char in "fd" and c.ndim == 1:  # _finite(c), inline
                            if not _isfinite(_dot(c, c)):
                                c = _guard_zero(c, (g,))
                        elif not _finite(c):
                            c = _guard_zero(c, (g,))
                    # a formula's fresh array that nothing else refers to (only this frame
                    # does) is the sweep's own: accumulated into in place, kept by .grad
                    # without a copy
                    fresh = _REFS_EXACT and contribs is fs and c.base is None \
                        and _getrefcount(c) == 2
                    if e in grads:
                        _add_grad(grads, owned, heap, e, c, fresh)
                    else:
                        grads[e] = c
                        owned[e] = fresh
                        heappush(heap, (-e.seq, id(e), e))
            else:
                diff = create_graph or node.tan or node.bats is not None or (
                    isinstance(g, Tensor) and (g._tan or g._bat is not None))
                if plain and not diff:
                    gd = g._data if isinstance(g, Tensor) else g
                    be = _by_array_type.get(type(gd))
                    if not rule.cx_variant and (be is None or rule.name not in be.fused_vjp):
                        _step_plain(node, rule, gd, grads, owned, heap, relevant)
                    else:
                        _step(node, g, diff, create_graph, grads, owned, heap, relevant)
                else:
                    _step(node, g, diff, create_graph, grads, owned, heap, relevant)
            if not retain_graph and _holds_arrays(node.saved):
                node.saved = None  # a step that saved no array can be passed again, as in torch
        for node, _g, _own in leaves:  # checked before any is written: all or none
            t = node.ref()
            if t is not None and t.grad is not None:
                _check_grad_attr(t)
        for node, g, own in leaves:
            _accumulate_leaf(node, g, own, create_graph)
        for t, g in retained:
            _accumulate_leaf_into(t, g, create_graph)
        if watch is not None:
            watch.finish()
    except BaseException:
        if watch is not None:
            watch.fail()
        raise
    finally:
        errstate.__exit__(None, None, None)
        if _local.saved_hooks is not hooks_before:
            _state.set_saved_hooks(hooks_before)
    return results


def _holds_arrays(saved) -> bool:
    if saved is None:
        return False
    for s in saved:
        if s is not None and (len(s) > 1 or hasattr(s[0], "nbytes")):
            return True
    return False


def _relevant_nodes(start, targets, stop_at_targets=True):
    """Nodes from which some target is reachable (the only ones backward needs to visit).

    With ``stop_at_targets`` the walk does not go past a target (backward stops there), so
    its cost is that of the part of the tape between the roots and the targets.
    """
    tset = set(targets)
    seen = {}
    stack = list(start)
    order = []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen[n] = False
        order.append(n)
        if stop_at_targets and n in tset:
            continue
        for e in n.edges:
            if e is not None and e not in seen:
                stack.append(e)
    order.sort(key=lambda n: n.seq)
    for n in order:
        if n in tset or any(e is not None and seen.get(e) for e in n.edges):
            seen[n] = True
    return {n for n, v in seen.items() if v}


def _step(node, g, diff, create_graph, grads, owned, heap, relevant):
    rule = node.rule
    if not diff:
        if isinstance(g, Tensor):
            g = g.data
        if _flags["anomaly"] or rule.name not in _fused_table(g) or rule.cx_variant:
            _step_formulas(node, rule, g, grads, owned, heap, relevant)
            return
    raw = _saved_raw(node)
    if diff:
        vals = _saved_tensors(node, raw)
        if not isinstance(g, Tensor):
            g = Tensor(g)
        ctx = _state.enable_grad() if create_graph else _state.no_grad()
    else:
        vals = raw
        ctx = None
        if isinstance(g, Tensor):
            g = g.data
    ans = vals[0]
    inputs = vals[1:]
    params = node.params
    edges = node.edges
    # anomaly mode checks each contribution, which the fused kernels do not report
    # complex variants never take the (real-only) fused kernels
    fused = None if diff or _flags["anomaly"] or rule.cx_variant else \
        _fused_table(g).get(rule.name)
    if ctx is not None:
        ctx.__enter__()
    try:
        contribs = None
        if fused is None:
            need = edges if relevant is None else [e is not None and e in relevant
                                                   for e in edges]
            contribs = rule.vjp(g, ans, inputs, params, need)
        for i, e in enumerate(edges):
            if e is None or (relevant is not None and e not in relevant):
                continue
            if contribs is not None:
                c = contribs[i]
            else:
                acc = grads.get(e) if owned.get(e) else None
                c = fused(i, g, ans, tuple(inputs), params, acc)
                if c is not NotImplemented:
                    if acc is not None and c is acc:
                        continue
                    _add_grad(grads, owned, heap, e, c, True)
                    continue
                c = rule.vjp_arg(i, g, ans, inputs, params)
            if c is not None:
                _contribute(node, i, e, c, g, grads, owned, heap)
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)


def _step_formulas(node, rule, g, grads, owned, heap, relevant):
    """The first-order path without fused kernels: the rule's vjp on raw arrays."""
    vals = _saved_raw(node)
    edges = node.edges
    # need[i] is truthy where input i wants an adjoint: the edges themselves, unless pruned
    need = edges if relevant is None else [e is not None and e in relevant for e in edges]
    i = 0
    for c in rule.vjp(g, vals[0], vals[1:], node.params, need):
        if c is not None and need[i]:
            _contribute(node, i, edges[i], c, g, grads, owned, heap)
        i += 1


def _step_plain(node, rule, g, grads, owned, heap, relevant):
    """``_step_formulas`` with the common case of ``_contribute`` inlined: a NumPy array of the
    input's shape and dtype (anything else takes ``_contribute``). Only while no jit trace and
    no anomaly mode is on (the trace's hooks replace ``_step`` and ``_guard_zero``)."""
    vals = _saved_raw(node)
    edges = node.edges
    need = edges if relevant is None else [e is not None and e in relevant for e in edges]
    guard = rule.elementwise
    i = -1
    for c in rule.vjp(g, vals[0], vals[1:], node.params, need):
        i += 1
        if c is None or not need[i]:
            continue
        e = edges[i]
        if type(c) is not _ndarray or c.shape != e.shape or c.dtype != e.dtype:
            _contribute(node, i, e, c, g, grads, owned, heap)
            continue
        if guard and c is not g and not _finite(c):
            c = _guard_zero(c, (g,))
        if e in grads:
            _add_grad(grads, owned, heap, e, c, False)
        else:
            grads[e] = c
            owned[e] = False
            heapq.heappush(heap, (-e.seq, id(e), e))


def _contribute(node, i, e, c, g, grads, owned, heap):
    """Add formula result ``c`` (for input ``i`` of ``node``) to the adjoint of edge ``e``:
    exact zeros where ``g`` is zero, broadcasting undone, the input's dtype."""
    if node.rule.elementwise:
        c = _guard_zero(c, (g,))
    if isinstance(c, Tensor) and c._bat is not None and c._bat != e.bat:
        c = _B.sum_finished_levels(c, e.bat)
    c = _fit(c, e.shape, e.dtype)
    if isinstance(c, _np.generic):
        c = _np.asarray(c)
    if _flags["anomaly"]:
        from .anomaly import check_backward

        check_backward(node, i, c)
    _add_grad(grads, owned, heap, e, c, False)


def _fused_table(g):
    be = _by_array_type.get(type(g))
    return be.fused_vjp if be is not None else _EMPTY


def _add_grad(grads, owned, heap, e, c, fresh):
    if e in grads:
        acc = grads[e]
        if owned[e] and not isinstance(acc, Tensor | _np.generic) \
                and not isinstance(c, Tensor) and acc.dtype == c.dtype and acc.shape == c.shape:
            acc += c
        elif isinstance(acc, Tensor) or isinstance(c, Tensor):
            grads[e] = _R.add(acc, c)
            owned[e] = False
        elif fresh and type(acc) is _ndarray and acc.dtype == c.dtype and acc.shape == c.shape:
            c += acc  # the same sum as acc + c (addition commutes), in c's own buffer
            grads[e] = c
            owned[e] = True
        else:
            s = acc + c
            if isinstance(s, _np.generic):  # NumPy's sum of two 0-d arrays is a scalar
                s = _np.asarray(s)
            grads[e] = s
            owned[e] = True
    else:
        grads[e] = c
        owned[e] = fresh
        heapq.heappush(heap, (-e.seq, id(e), e))


def _accumulate_leaf(node, g, own, create_graph):
    t = node.ref()
    if t is None:
        return
    if isinstance(g, Tensor) and g._bat is not None:
        raise GradError(
            "backward(): the gradient would differ from example to example of a vmap, and "
            ".grad holds one array; inside vmap use gpuad.grad or gpuad.vjp, which return "
            "per-example gradients")
    if not isinstance(g, Tensor):
        g = Tensor(_np.array(g) if isinstance(g, _np.generic) else (g if own else g.copy()))
    elif not create_graph:
        g = Tensor(g.data.copy())
    elif t.grad is None:
        g = _own_grad(g)
    if t.grad is None:
        t.grad = g
        if _hooked:
            _run_post_accumulate(node, t, create_graph)
        return
    if create_graph or isinstance(t.grad.data, type(g.data)) is False:
        t.grad = _R.add(t.grad, g)
    else:
        _add_into_grad(t.grad, g.data)
    if _hooked:
        _run_post_accumulate(node, t, create_graph)


def _add_into_grad(grad: Tensor, g: Any) -> None:
    """``grad += g`` written into ``grad``'s own array, as torch's accumulation: a view taken
    of ``.grad`` earlier (``p.grad[0]``) sees the sum. A read-only array, or one the sum does
    not fit (another shape or dtype), is replaced by the sum instead."""
    a = grad.data
    if (getattr(a, "shape", None) == getattr(g, "shape", None)
            and getattr(getattr(a, "flags", None), "writeable", True)
            and a.dtype == _np.result_type(a.dtype, g.dtype)):
        a += g
        grad._ver[0] += 1
        return
    s = a + g
    if isinstance(s, _np.generic):  # NumPy's sum of two 0-d arrays is a scalar
        s = _np.asarray(s)
    grad.data = s


def _run_post_accumulate(node, t, create_graph=False):
    if _hooked and node in _hooked and node.hooks.post:
        from .tensor_hooks import run_post_accumulate

        run_post_accumulate(node.hooks, t, create_graph)


def _check_grad_attr(t):
    """``t.grad`` set by hand must be a gradient of ``t`` (torch refuses the assignment of
    another shape or dtype) before backward accumulates into it: an array of another shape
    would be broadcast, one of another dtype converted, without a word."""
    g = t.grad
    if g is t or (isinstance(g, Tensor) and g._data is t._data):
        # accumulating would write into the tensor's own values (x.grad = x: x changed)
        raise GradError(
            f"backward: .grad of a tensor of shape {tuple(t.shape)} was set to the tensor "
            f"itself (or a Tensor sharing its values); can't assign a tensor as its own grad, "
            f"backward would accumulate into its values. Set .grad to a copy, or to None")
    if type(g) is Tensor and g.data.shape == t.data.shape and g.data.dtype == t.data.dtype:
        return
    shape, dtype = getattr(g, "shape", None), getattr(g, "dtype", None)
    if shape is None or tuple(shape) != tuple(t.shape) or dtype != t.dtype:
        raise GradError(
            f"backward: .grad of a tensor of shape {tuple(t.shape)} and dtype {t.dtype} was "
            f"set to {type(g).__name__} of shape {None if shape is None else tuple(shape)} "
            f"and dtype {dtype}; backward would accumulate into it. Set .grad to a Tensor of "
            f"the tensor's own shape and dtype, or to None")


def backward(out: Tensor, gradient=None, *, retain_graph=None, create_graph=False, inputs=None):
    """``out.backward()``: accumulate adjoints into the ``.grad`` of the leaves."""
    out = current(out)
    if isinstance(out, Tensor) and out._bat is not None:
        raise GradError(
            "backward() inside vmap: the gradient would differ from example to example, and "
            ".grad holds one array; inside vmap use gpuad.grad or gpuad.vjp, which return "
            "per-example gradients")
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise GradError(
            "backward: the output does not require grad (no input of the computation had "
            "requires_grad=True, or it ran under no_grad)" + checkpoint_forward_hint()
        )
    if gradient is None:
        if out.data.size != 1:
            raise GradError(
                f"backward: the output has shape {out.shape}; pass gradient= (a cotangent of "
                f"that shape) or reduce it to a scalar first"
            )
        if out.data.dtype.kind == "c":
            raise GradError(
                f"backward: the output is complex ({out.data.dtype}); a gradient is defined for "
                f"a real loss. Reduce it with gnp.abs, gnp.real or gnp.imag first, or pass "
                f"gradient= (a complex cotangent)"
            )
        be = _by_array_type.get(type(out.data))
        gradient = be.xp.ones(out.data.shape, out.data.dtype)
    else:
        gradient = check_cotangent("backward", out, gradient)
    if retain_graph is None:
        retain_graph = create_graph
    edge_of(out)  # a leaf's own backward() gives it the gradient ``gradient`` (ones)
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise ValueError("backward: inputs= is empty, so no gradient would be computed; "
                             "pass the tensors to accumulate into, or leave inputs=None for all")
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"backward: inputs[{i}] is a {type(t).__name__}, not a Tensor")
            current(t)  # a view whose base was written since: its value now, as torch's
            if not t.requires_grad:
                raise GradError(f"backward: inputs[{i}] (shape {t.shape}) does not require "
                                f"grad, so no gradient can reach it")
        nodes = [edge_of(t) for t in inputs]
        # pass through each target: one input may lie on another's path (h and a view of h)
        res = run_backward([out], [gradient], targets=nodes, retain_graph=retain_graph,
                           create_graph=create_graph, stop_at_targets=False)
        _accumulate_inputs(inputs, nodes, res, create_graph)
        return
    run_backward([out], [gradient], retain_graph=retain_graph, create_graph=create_graph)


def _accumulate_inputs(inputs, nodes, res, create_graph):
    """``backward(inputs=...)``: each input's gradient into its ``.grad``, once (an input
    given twice, or a non-leaf whose retain_grad() the sweep already filled, is not added
    again)."""
    from .tensor_hooks import retains_grad

    done = set()
    for t, n in zip(inputs, nodes, strict=True):
        if n in res and id(t) not in done and not (n.rule is not None and retains_grad(t)):
            done.add(id(t))
            _accumulate_leaf_into(t, res[n], create_graph)


def _own_grad(g: Tensor) -> Tensor:
    """A new ``.grad`` of its own (torch clones under create_graph): the adjoint can be another
    leaf's too (``x + y``), and a later backward adds into ``.grad``'s array in place."""
    return _R.copy(g) if g.requires_grad else Tensor(g.data.copy())


def _accumulate_leaf_into(t, g, create_graph):
    g = g if isinstance(g, Tensor) else Tensor(g)
    if not create_graph:
        g = Tensor(g.data.copy())
    elif t.grad is None:
        g = _own_grad(g)
    if t.grad is not None:
        _check_grad_attr(t)
    if t.grad is None:
        t.grad = g
    elif create_graph or not isinstance(t.grad.data, type(g.data)):
        t.grad = _R.add(t.grad, g)
    else:
        _add_into_grad(t.grad, g.data)
    n = t._node
    if _hooked and n is not None and n in _hooked and n.hooks.post:
        from .tensor_hooks import run_post_accumulate

        run_post_accumulate(n.hooks, t, create_graph)


def check_cotangent(where: str, out, c):
    """Validate a cotangent for ``out``: same shape, a floating dtype, same backend."""
    if (isinstance(c, Tensor) and c._bat is not None) or out._bat is not None:
        return _check_batched_cotangent(where, out, c)
    data = c.data if isinstance(c, Tensor) else c
    be = _by_array_type.get(type(out.data))
    if not hasattr(data, "shape"):
        data = be.xp.asarray(data, dtype=out.data.dtype)
        c = data
    if tuple(data.shape) != tuple(out.shape):
        raise ValueError(
            f"{where}: cotangent has shape {tuple(data.shape)} but the output has shape "
            f"{tuple(out.shape)}"
        )
    if data.dtype.kind not in "fc":
        raise TypeError(
            f"{where}: cotangent has dtype {data.dtype}; it must be floating point like the "
            f"output ({out.dtype})"
        )
    if data.dtype.kind == "c" and out.dtype.kind != "c":
        raise TypeError(
            f"{where}: cotangent has complex dtype {data.dtype} but the output is real "
            f"({out.dtype}); pass a real cotangent"
        )
    if type(data) is not type(out.data):
        ob = _by_array_type.get(type(data))
        if be.name == "numpy":
            if ob is not None and ob is not be:
                raise TypeError(
                    f"{where}: cotangent is a {ob.name} array but the output lives on the "
                    f"numpy backend"
                )
        elif type(data) is not be.array_type:
            # a host (NumPy) cotangent, whether or not the numpy backend was ever loaded
            c = be.asarray(data) if not isinstance(c, Tensor) else Tensor(be.asarray(data))
    return c


def _check_batched_cotangent(where: str, out, c):
    """``check_cotangent`` inside vmap: the shapes of one example are compared."""
    cs = tuple(_R.shape(c))
    if cs != tuple(out.shape):
        raise ValueError(f"{where}: cotangent has shape {cs} but the output has shape "
                         f"{tuple(out.shape)}")
    dt = _R.result_type(c)
    if dt.kind not in "fc" or (dt.kind == "c" and out.dtype.kind != "c"):
        raise TypeError(f"{where}: cotangent has dtype {dt}; it must be a floating dtype like "
                        f"the output's ({out.dtype})")
    return c


# ---- in-place writes ---------------------------------------------------------------------------

def assign_inplace(t: Tensor, value, index, since: int | None = None) -> None:
    """``t[index] = value`` (``index=None``: the whole tensor, as in ``+=``), with versions.

    Steps recorded after sequence number ``since`` belong to the write: the values they saved
    from ``t``'s buffer are copied before it is overwritten. By default that is the steps of
    this call and, for ``index=None`` (``out=``), those of the op that computed ``value``.
    """
    if t._ver.__class__ is not list:  # a ReadOnlyVersion: NumPy's imag of a real array
        from ._readonly import refuse_write

        refuse_write(t)
    fn = getattr(t, "_elem", None)
    if fn is None and t._base is not None:
        fn = getattr(t._base, "_elem", None)
    if fn.__class__ is str:  # an autograd.Function's output that was (a view of) an input
        raise GradError(
            f"{fn}: an output of this autograd.Function is (a view of) one of its inputs and "
            f"is being modified in place (shape {t.shape}); as in torch this is forbidden: the "
            f"write would bypass the Function's backward. Write into a copy (y = y.clone())")
    if t._bat is not None or (isinstance(value, Tensor) and value._bat is not None):
        from .batching.inplace import assign  # inside vmap

        return assign(t, value, index, since)
    if since is None:
        since = next(_seq)
        if index is None and isinstance(value, Tensor) and isinstance(value._node, Node):
            since = value._node.seq - 1
    if t._base is not None and t._seen != t._ver[0]:
        _refresh_view(t)
    tracked_value = isinstance(value, Tensor) and (value.requires_grad or value._tan)
    track = (_local.grad_enabled and (t.requires_grad or tracked_value)) or bool(t._tan) or (
        isinstance(value, Tensor) and bool(value._tan))
    if not track:
        base = t._base
        # (a detached view has no chain of view steps: torch lets it be written, as a tensor
        # of its own that shares the leaf's memory and version)
        if _local.grad_enabled and base is not None and t._view is not None and \
                base.requires_grad and base.is_leaf:
            raise GradError(
                f"in-place write to a view (shape {t.shape}) of a leaf tensor of shape "
                f"{base.shape} that requires grad; the view was made under no_grad, and the "
                f"write happens with grad enabled (torch refuses it too). Write under "
                f"gpuad.no_grad() as well, or into a copy")
        if t._base is not None and _repeats(t._data):
            raise ValueError(  # (a CuPy array has no read-only flag to refuse it)
                f"in-place write through a broadcast_to/expand view (shape {t.shape}): "
                f"several of its elements are one element of the base; NumPy and torch "
                f"refuse it too. Write to a copy (.clone()) or to the base itself")
        vdata = value.data if isinstance(value, Tensor) else value
        if isinstance(vdata, _ndarray | list | tuple) and type(vdata) is not type(t.data):
            be = _by_array_type.get(type(t.data))
            if be is not None and be.name != "numpy":
                # CuPy's setitem takes no host arrays or lists: copy the value to the device
                vdata = be.asarray(vdata)
        try:
            if index is None:
                t.data[...] = vdata
            else:
                idx = _R.normalize_index(index)
                from . import rules

                if type(t.data) is not _ndarray:  # CuPy: wraps bad indices, keeps no 1s
                    from .prims.indexing import check_bounds, drop_leading_ones

                    check_bounds(idx, t.shape, "setitem")
                    vdata = drop_leading_ones(vdata)
                if type(t.data) is not _ndarray and rules._may_repeat(idx):
                    # a GPU keeps any one of repeated writes; keep NumPy's (the last), as the
                    # recorded index_update does
                    t.data[...] = rules._update_fwd(rules._xp(t.data), t.data, vdata, idx)
                else:
                    t.data[idx] = vdata
        except (ValueError, TypeError, IndexError) as e:
            raise type(e)(
                f"setitem: cannot write a value of shape {getattr(vdata, 'shape', ())} into "
                f"a tensor of shape {t.shape}: {e}"
            ) from e
        if t._base is None and t._node is not None and t._node.rule is not None:
            t._view = t._ver[0] + 1  # its views older than this write cannot be rebuilt
        t._ver[0] += 1
        t._seen = t._ver[0]
        return
    root = t._base if t._base is not None and t._view is not None else None
    leaf = t if root is None else root
    if leaf.requires_grad and leaf.is_leaf:
        what = "a leaf tensor" if root is None else f"a view (shape {t.shape}) of a leaf tensor"
        raise GradError(
            f"in-place write to {what} of shape {leaf.shape} that requires grad; its "
            f"gradient would be lost. Write under gpuad.no_grad() (e.g. an optimiser step) or "
            f"use an out-of-place op"
        )
    if root is not None and root._seen != root._ver[0] and _has_history(root):
        raise GradError(
            f"in-place write to a view (shape {t.shape}) of a tensor of shape {root.shape} "
            f"that was modified in place through another alias without being recorded "
            f"(version {root._ver[0]}, its history was recorded at version {root._seen}); "
            f"its gradient would be wrong. Write to a fresh copy instead"
        )
    if index is None:
        new = value if isinstance(value, Tensor) else Tensor(value)
        if new._node is None and (new.requires_grad or new._tan):
            # a leaf (numpy.copyto(t, leaf)): t takes a recorded copy's history, not the
            # leaf's (a leaf has none to take: t would silently become a constant)
            new = _R.copy(new)
        if tuple(new.shape) != tuple(t.shape):
            raise ValueError(
                f"in-place op: result of shape {new.shape} does not fit the tensor of shape "
                f"{t.shape}"
            )
    else:
        new = _R.index_update(t, index, value, checked=True)
    if root is None:
        _snapshot_since(new, since, t._ver, t.data)
        if new.data is not t.data:
            t.data[...] = new.data
    else:
        # the base's history is rebased: base = index_update(base, view index, new), so every
        # later use of the base, and of any view of it, differentiates through the write
        new_root = _rebase(root, t._view, new)
        _snapshot_since(new_root, since, t._ver, root.data)
        root.data[...] = new_root.data  # and so t's values (views share the base's memory)
    t._ver[0] += 1
    if root is not None:
        _set_history(root, new_root)
        if _has_history(new_root):
            # the written view becomes chain(new base), as torch regenerates its grad_fn:
            # its gradient (autograd.grad, hooks, retain_grad) is then that of the new value
            # as a part of the new base, as the base's own includes the view's uses (leaves
            # get the same gradient either way)
            with _state.enable_grad():
                fresh = new_root
                for rule, params in t._view:
                    fresh = apply(rule, (fresh,), params)
            new = fresh
    _set_history(t, new)


def _repeats(a) -> bool:
    """Whether the array ``a`` (a broadcast view) holds one element at several places."""
    st = getattr(a, "strides", None)
    return st is not None and any(s == 0 and n > 1 for s, n in zip(st, a.shape, strict=True))


def _set_history(t: Tensor, new: Tensor, rebuilt: bool = False) -> None:
    """After a write: ``t`` (whose buffer now holds ``new``'s values) has ``new``'s history
    (``rebuilt``: ``t`` is a view made again from its base, written through another alias)."""
    t._seen = t._ver[0]
    old = t._node
    t._node = new._node
    t.requires_grad = new._node is not None
    t._tan = new._tan
    if _hooked and old is not None and old in _hooked:
        from .tensor_hooks import follow_write

        # retain_grad() follows the tensor to its new value, as in torch; the hooks of a
        # rebuilt view too
        follow_write(t, old, rebuilt)


def _has_history(t: Tensor) -> bool:
    return bool(t._tan) or (t._node is not None and t._node.rule is not None)


def _unview(rule, params, part, new):
    """``part`` with its view ``rule(part)`` replaced by ``new`` (functional)."""
    name = rule.name
    if name == "getitem":
        return _rules.index_update_(part, new, index=params["index"])
    if name == "transpose":
        return _rules.transpose_(new, axes=tuple(int(i) for i in _np.argsort(params["axes"])))
    if name == "reshape":
        return _rules.reshape_(new, newshape=params["oldshape"], oldshape=params["newshape"])
    if name in ("real", "imag"):  # part's real (imaginary) half replaced by the real new
        from .complex_rules import imag, real

        if name == "real":
            if part.dtype.kind != "c":  # the real part of a real array is the array itself
                return new
            return _rules.add(new, _rules.multiply(imag(part), 1j))
        return _rules.add(real(part), _rules.multiply(new, 1j))
    if name == "diagonal":  # part with its diagonal replaced by new
        from .prims.indexing import diagonal_rows_cols

        n, m = part.shape[-2:]
        data = part._data if isinstance(part, Tensor) else part  # (batched inside vmap)
        rows, cols = diagonal_rows_cols(_xp(data), n, m, params["offset"])
        return _rules.index_update_(part, new, index=(Ellipsis, rows, cols))
    if name == "broadcast_to" and _np.prod(part.shape) == _np.prod(new.shape):
        # new dims of length 1 only (torch's x.expand(1, *x.shape)): one to one, a reshape
        return _rules.reshape_(new, newshape=tuple(part.shape), oldshape=tuple(new.shape))
    if name == "identity":  # the differentiation target a transform made of its argument
        raise GradError(
            "in-place write to an argument of a function being differentiated (or to a view "
            "of one): the derivative is taken at the argument's value on entry. Write to a "
            "copy (v = v.copy()) instead"
        )
    raise GradError(
        f"in-place write through a {name} view: its elements cannot be mapped back to the "
        f"base array one to one. Write to a copy (.copy()) or to the base itself"
    )


def _rebase(root, chain, new):
    """The value of ``root`` once its view ``chain(root)`` holds ``new`` (recorded)."""
    parts = [root]
    for rule, params in chain[:-1]:
        parts.append(apply(rule, (parts[-1],), params))
    for (rule, params), part in zip(reversed(chain), reversed(parts), strict=True):
        new = _unview(rule, params, part, new)
    return new


def _refresh_view(t: Tensor) -> None:
    """A view whose base was written since the view's history was recorded takes the history
    of ``chain(base)``, as PyTorch regenerates a view's ``grad_fn``. It stays stale (and its
    recorded use raises) when the base's history no longer describes the base's values: the
    base was written through another alias without recording, or written without recording
    after this view's history was taken."""
    root, chain = t._base, t._view
    if chain is None:
        return
    if _has_history(root) and (root._seen != root._ver[0]
                               or (root._view is not None and t._seen < root._view)):
        return
    with _state.enable_grad():
        fresh = root
        for rule, params in chain:
            fresh = apply(rule, (fresh,), params)
    _set_history(t, fresh, rebuilt=True)


def current(t):
    """``t`` with its history up to date (a view whose base was written since is rebased)."""
    if isinstance(t, Tensor) and t._base is not None and t._seen != t._ver[0]:
        _refresh_view(t)
    return t


def _snapshot_since(root: Tensor, since: int, ver: list, buf=None) -> None:
    """Before a write to the buffer versioned by ``ver`` (the array ``buf``): every step
    recorded after ``since`` that led to ``root`` (its value, its tangents at every level, and
    the steps those tangents came from) keeps a private copy of what it saved from that
    buffer."""
    stack: list = [root]
    seen: set = set()
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            if x._node is not None:
                stack.append(x._node)
            if x._tan:
                stack.extend(x._tan.values())
            continue
        if not isinstance(x, Node) or x.seq <= since or x in seen:
            continue  # raw tangent arrays, leaves, and steps from before the write
        seen.add(x)
        if x.saved is not None:
            for s in x.saved:
                if s is not None and len(s) > 1 and s[4]:
                    stack.extend(s[4].values())
            _snapshot_saved(x, ver, buf)
        stack.extend(e for e in x.edges if e is not None)


def _shares(a, buf) -> bool:
    """Whether the saved array ``a`` may overlap ``buf`` (a cheap bounds check)."""
    if a is buf:
        return True
    if type(a) is not type(buf):
        return False
    return bool(_rules._xp(buf).may_share_memory(a, buf))


def _snapshot_saved(node, ver, buf=None):
    """Give ``node`` private copies of values it saved from the buffer about to be overwritten."""
    saved = list(node.saved)
    for i, s in enumerate(saved):
        if s is not None and len(s) > 1 and s[0].__class__ is _Packed:
            if s[1] is ver:  # a packed value of the buffer: a copy packed again
                saved[i] = _repack_copy(node, i, s)
        elif s is not None and len(s) > 1 and (s[1] is ver or (
                buf is not None and _shares(s[0], buf))):
            # (the second test: a Tensor made over the buffer that does not share its version
            # counter, as gpuad.jit's tracer hands a forward-mode rule while it records)
            saved[i] = (s[0].copy(), [0], 0) + s[3:]
        elif s is not None and len(s) == 1 and buf is not None and _shares(s[0], buf):
            # a value without versions: a primal that a forward-mode rule saved as a constant
            # on the reverse tape (reverse mode over the tangents of a jvp)
            saved[i] = (s[0].copy(),)
    node.saved = saved


# Tensor's operators and methods apply primitives directly
_links.provide("apply1", apply1)
_links.provide("apply2", apply2)
