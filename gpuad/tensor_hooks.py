"""Tensor hooks: ``Tensor.register_hook(fn)`` and ``Tensor.retain_grad()``, as in PyTorch.

A hook belongs to the tape step that produced the tensor when it was registered (for a leaf:
its accumulation point). Every backward sweep that reaches that step (``backward``,
``backward(inputs=...)``, ``gpuad.grad``, ``vjp``, ``jacrev``, ...) calls the hooks, in
registration order, with the adjoint of the tensor as a Tensor, once all contributions to
it have been summed; a hook may return a replacement (same shape and dtype) or None. What the
last hook returns is what flows on to the step's inputs, what a leaf accumulates into its
``.grad`` and what ``gpuad.grad`` returns for an input. ``retain_grad()`` runs after the
hooks. With ``create_graph=True`` the hooks see (and may return) a Tensor that is itself
recorded, so higher derivatives see through them.

Example::

    x = gpuad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    h = y.register_hook(lambda g: g * 3)   # the adjoint of y is tripled on its way to x
    y.sum().backward()                     # x.grad == [6., 6.]
    h.remove()
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any

from . import _state, engine
from .tensor import Tensor

_ids = itertools.count()


class TensorHooks:
    """The hooks of one tape step: ``fns`` (id -> function, in registration order),
    ``retain`` (a weak reference to the tensor whose ``.grad`` retain_grad() fills), ``pre``
    (the step's own pre-hooks, ``grad_fn.register_prehook``: id -> function of the tuple of
    output gradients, run after ``fns`` and retain_grad, as torch's) and, for a leaf, ``post``
    (id -> function called with the leaf once its ``.grad`` is written)."""

    __slots__ = ("fns", "retain", "post", "pre")

    def __init__(self) -> None:
        self.fns: dict[int, Callable] = {}
        self.retain: Any = None
        self.post: dict[int, Callable] = {}
        self.pre: dict[int, Callable] = {}


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook (twice is
    harmless)."""

    __slots__ = ("_node", "_id", "_kind")

    def __init__(self, node: Any, hid: int, post: bool = False, kind: str = "fns") -> None:
        self._node = weakref.ref(node) if node is not None else None
        self._id = hid
        self._kind = "post" if post else kind

    def remove(self) -> None:
        node = self._node() if self._node is not None else None
        h = _hooks_of(node) if node is not None else None
        if h is None:
            return
        getattr(h, self._kind).pop(self._id, None)
        _drop_if_empty(node, h)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _hooks_of(node: Any) -> TensorHooks | None:
    """The hooks of ``node`` (kept on the node itself, so that a hook whose closure refers
    to its own tensor is collected with the graph)."""
    return node.hooks if node in engine._hooked else None


def _drop_if_empty(node: Any, h: TensorHooks) -> None:
    if not h.fns and h.retain is None and not h.post and not h.pre:
        engine._hooked.discard(node)
        node.hooks = None


def _refuse_in_trace(what: str) -> None:
    if engine._trace is None:
        return
    from .jit import trace as _jit_trace

    if _jit_trace.active() is not None:
        raise _jit_trace.TracerError(
            f"jit: {what} cannot be compiled (a hook is Python code run on the gradient during "
            f"backward, which a compiled program would skip or freeze); register hooks outside "
            f"the function given to gpuad.jit and run that backward eagerly, or write the "
            f"change to the gradient as gpuad operations in the function itself")


def _in_checkpoint_forward() -> bool:
    """gpuad.checkpoint's first run of its block (no graph kept: backward runs the block
    again, with grad, and that run registers the hooks that fire)."""
    return _state.local.__dict__.get("collect") is not None and not _state.local.grad_enabled


def _entry(t: Tensor, what: str) -> TensorHooks | None:
    _refuse_in_trace(what)
    engine.current(t)  # a view whose base was written since: the hook is on its value now
    if not t.requires_grad:
        if what == "register_hook" and _in_checkpoint_forward():
            return None
        raise engine.GradError(
            f"{what}: the tensor (shape {t.shape}) does not require grad, so no gradient will "
            f"reach it; call requires_grad_() on it (a leaf) or compute it from one that does")
    node = engine.edge_of(t)
    h = _hooks_of(node)
    if h is None:
        h = node.hooks = TensorHooks()
        engine._hooked.add(node)
    return h


def register_hook(t: Tensor, fn: Callable) -> RemovableHandle:
    """``t.register_hook(fn)``: see the module docstring."""
    if not callable(fn):
        raise TypeError(f"register_hook: expected a function of the gradient, got "
                        f"{type(fn).__name__}")
    h = _entry(t, "register_hook")
    hid = next(_ids)
    if h is None:  # inside gpuad.checkpoint's forward: the recomputation registers it
        return RemovableHandle(None, hid)
    h.fns[hid] = fn
    return RemovableHandle(engine.edge_of(t), hid)


def register_post_accumulate_grad_hook(t: Tensor, fn: Callable) -> RemovableHandle:
    """``t.register_post_accumulate_grad_hook(fn)``: ``fn(t)`` runs each time a backward has
    accumulated into ``t.grad`` (``backward()``, ``backward(inputs=...)``; not
    ``autograd.grad``, which fills no ``.grad``), as torch's; only on a leaf, and ``fn``
    returns None."""
    if not callable(fn):
        raise TypeError(f"register_post_accumulate_grad_hook: expected a function of the "
                        f"tensor, got {type(fn).__name__}")
    _refuse_in_trace("register_post_accumulate_grad_hook")
    if not t.requires_grad:
        raise engine.GradError(
            f"register_post_accumulate_grad_hook: the tensor (shape {t.shape}) does not "
            f"require grad, so no gradient will be accumulated into it")
    if not t.is_leaf:
        raise engine.GradError(
            f"register_post_accumulate_grad_hook: the tensor (shape {t.shape}) is not a leaf; "
            f"post-accumulate-grad hooks can only be registered on leaf tensors (only they "
            f"accumulate a .grad); use register_hook for the gradient of a computed tensor")
    h = _entry(t, "register_post_accumulate_grad_hook")
    hid = next(_ids)
    h.post[hid] = fn
    return RemovableHandle(engine.edge_of(t), hid, post=True)


def register_node_prehook(node: Any, fn: Callable) -> RemovableHandle:
    """``t.grad_fn.register_prehook(fn)``: ``fn(grad_outputs)`` gets the step's output
    gradient as a tuple of one Tensor (after the tensor's own hooks and retain_grad, as in
    torch) and returns a replacement tuple or None."""
    if not callable(fn):
        raise TypeError(f"register_prehook: expected a function of the tuple of output "
                        f"gradients, got {type(fn).__name__}")
    _refuse_in_trace("register_prehook")
    h = _hooks_of(node)
    if h is None:
        h = node.hooks = TensorHooks()
        engine._hooked.add(node)
    hid = next(_ids)
    h.pre[hid] = fn
    return RemovableHandle(node, hid, kind="pre")


def run_post_accumulate(h: TensorHooks, t: Tensor, create_graph: bool = False) -> None:
    """The post-accumulate-grad hooks of leaf ``t``, whose ``.grad`` was just written: with
    grad mode off unless the sweep records (``create_graph``), as torch's (a hook that steps
    ``t`` in place, an optimiser in backward, then needs no ``no_grad`` block)."""
    _refuse_in_trace("a post-accumulate-grad hook reached by backward")
    off = not create_graph and _state.local.grad_enabled
    for fn in list(h.post.values()):
        if off:
            with _state.no_grad():
                r = fn(t)
        else:
            r = fn(t)
        if r is not None:
            raise engine.GradError(
                f"post-accumulate-grad hook {_name(fn)!r} returned a value; it must return "
                f"None (it may read or change t.grad in place instead)")


def retain_grad(t: Tensor) -> None:
    """``t.retain_grad()``: backward fills ``t.grad`` of a non-leaf (accumulating); a no-op on
    a leaf."""
    if not t.requires_grad and _in_checkpoint_forward():
        raise engine.GradError(
            "retain_grad inside gpuad.checkpoint: the block's values are not kept (backward "
            "computes them again), so no .grad can be filled on this tensor; return it from "
            "the block and call retain_grad() on it outside")
    if t.is_leaf:
        if not t.requires_grad:
            raise engine.GradError(
                f"retain_grad: the tensor (shape {t.shape}) does not require grad, so no "
                f"gradient will reach it")
        return
    h = _entry(t, "retain_grad")
    h.retain = weakref.ref(t)


def follow_write(t: Tensor, old: Any, hooks: bool = False) -> None:
    """An in-place write gave ``t`` a new step: its retain_grad() moves there (its hooks stay
    with the value they were registered on, as in torch). With ``hooks``, ``t`` is a view
    rebuilt from its base after a write through another alias: its hooks move too, since
    the old step is no longer on any path its uses take (a hook on one output of a
    multi-output Function, a piece of a split, would be lost when another one is written)."""
    h = _hooks_of(old)
    if h is None:
        return
    fresh = t._node is not None and t._node.rule is not None
    if hooks and h.fns and fresh:
        _entry(t, "register_hook").fns.update(h.fns)
        h.fns.clear()
    if h.retain is not None and h.retain() is t:
        h.retain = None
        if fresh:
            _entry(t, "retain_grad").retain = weakref.ref(t)
    _drop_if_empty(old, h)


def retains_grad(t: Tensor) -> bool:
    h = _hooks_of(t._node) if t._node is not None else None
    return h is not None and h.retain is not None and h.retain() is t


def _name(fn: Callable) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _checked(fn: Callable, r: Any, gt: Tensor) -> Tensor:
    """A hook's replacement gradient ``r`` for ``gt``: a Tensor of the same shape, dtype,
    vmap levels and backend."""
    if not isinstance(r, Tensor):
        if not (hasattr(r, "shape") and hasattr(r, "dtype")):
            raise TypeError(f"hook {_name(fn)!r} returned a {type(r).__name__}; a hook "
                            f"returns a Tensor (or array) of the gradient's shape, or None")
        r = Tensor(r)
    if r.shape != gt.shape or r.dtype != gt.dtype or r._bat != gt._bat:
        raise engine.GradError(
            f"hook {_name(fn)!r} changed the gradient from shape {gt.shape} dtype "
            f"{gt.dtype} to shape {r.shape} dtype {r.dtype}; a hook must return a gradient "
            f"of the tensor's own shape and dtype (or None to keep it)")
    if type(r._data) is not type(gt._data):
        raise TypeError(f"hook {_name(fn)!r} returned a {type(r._data).__name__} gradient "
                        f"for a {type(gt._data).__name__} one (another backend)")
    return r


def run_hooks(h: TensorHooks, node: Any, g: Any, own: bool, create_graph: bool,
              retained: list) -> tuple[Any, bool, Any]:
    """Run the hooks of ``node`` on its adjoint ``g`` (an array, or a Tensor when
    differentiated); returns the adjoint that goes on, whether the sweep owns its buffer, and
    the tensor's own gradient (after its hooks, before the step's pre-hooks, which change
    what flows on to the step's inputs only: what ``autograd.grad`` and ``backward(inputs=)``
    return for this tensor, as torch)."""
    _refuse_in_trace("a tensor hook (register_hook or retain_grad) reached by backward")
    gt = g if isinstance(g, Tensor) else Tensor(g)
    # a first-order sweep runs its hooks with grad mode off, as torch's (on with create_graph)
    off = not isinstance(g, Tensor) and not create_graph and _state.local.grad_enabled
    for fn in list(h.fns.values()):
        if off:
            with _state.no_grad():
                r = fn(gt)
        else:
            r = fn(gt)
        if r is not None:
            gt = _checked(fn, r, gt)
    if h.retain is not None:
        t = h.retain()
        if t is not None:
            retained.append((t, gt))
    own_grad = gt
    for fn in list(h.pre.values()):
        if off:
            with _state.no_grad():
                r = fn((gt,))
        else:
            r = fn((gt,))
        if r is None:
            continue
        if not isinstance(r, tuple | list) or len(r) != 1:
            raise TypeError(f"prehook {_name(fn)!r} returned {type(r).__name__}; a node "
                            f"prehook returns a tuple of one gradient per output (here one), "
                            f"or None")
        if r[0] is not None:
            gt = _checked(fn, r[0], gt)
    if isinstance(g, Tensor) or create_graph:
        return gt, False, own_grad
    return gt._data, False, own_grad._data
