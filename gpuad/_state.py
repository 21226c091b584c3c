"""Per-thread recording state: grad mode and the counters that order the tape."""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any


class _Local(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.collect: dict | None = None  # checkpoint: tracked inputs met under no_grad
        #: checkpoint: the version of each tracked value its block read (node -> (counter,
        #: version, shape)), checked before the block is computed again in backward
        self.reads: dict | None = None
        #: checkpoint: the same for the Tensors that require no grad (id(counter) -> (counter,
        #: version, shape)); those its block wrote itself are dropped when the block returns
        self.const_reads: dict | None = None
        self.jit_disabled = False
        #: saved_tensors_hooks: the open blocks' (pack, unpack) pairs, innermost last
        self.saved_hooks: tuple = ()
        #: disable_saved_tensors_hooks: the message entering a hooks block raises with
        self.saved_hooks_off: str | None = None


local = _Local()
seq = itertools.count()  # global order of recorded steps (thread-safe under the GIL)
levels = itertools.count(1)  # forward-mode levels (one per jvp call) and vmap levels
#: calls of io_callback so far: gpuad.jit does not run a function that made one again to
#: check its trace (that would repeat the side effect)
io_calls = [0]
jvp_levels: set[int] = set()  # forward-mode levels of the jvp calls still running
dual_levels: set[int] = set()  # those of them opened by autograd.forward_ad.dual_level

def note_read(n: Any, t: Any) -> None:
    """A checkpointed block's unrecorded pass reads ``t`` (node ``n``), which requires grad:
    the block's backward differentiates through it and checks that it was not written since."""
    local.collect[n] = n
    reads = local.reads
    if reads is not None and n not in reads:
        reads[n] = (t._ver, t._ver[0], t.shape)


def note_constant_read(t: Any) -> None:
    """A checkpointed block's unrecorded pass reads ``t``, which requires no grad: backward
    runs the block again on its value then, which must be the one read now."""
    reads = local.const_reads
    if reads is not None:
        v = t._ver
        if id(v) not in reads:
            reads[id(v)] = (v, v[0], t.shape)


flags = {"anomaly": False, "deterministic": False}
#: how many grad-disabling blocks are open, in all threads: while none is, grad mode is on
#: everywhere and the engine's fast paths skip reading the per-thread flag (a read costs
#: about as much as the rest of a recording check)
nograd = [0]
_nograd_lock = threading.Lock()
#: how many disable_jit blocks are open, in all threads (while none is, jitted calls skip
#: reading the per-thread flag)
nojit = [0]
#: how many saved_tensors_hooks blocks are open, in all threads: while none is, the engine's
#: recording paths skip reading the per-thread stack (gpuad/saved_hooks.py)
saved_hooks_open = [0]
_hooks_lock = threading.Lock()


def set_saved_hooks(stack: tuple) -> None:
    """This thread's stack of saved-tensor hooks becomes ``stack`` (the global count kept)."""
    with _hooks_lock:
        saved_hooks_open[0] += len(stack) - len(local.saved_hooks)
        local.saved_hooks = stack


class _grad_mode:
    """A block (or decorator) with this thread's grad mode set to ``enabled``."""

    __slots__ = ("enabled", "prev")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> None:
        self.prev = local.grad_enabled
        if not self.enabled:  # counted before the flag goes off, uncounted after it is restored
            with _nograd_lock:
                nograd[0] += 1
        local.grad_enabled = self.enabled

    def __exit__(self, *exc: Any) -> None:
        local.grad_enabled = self.prev
        if not self.enabled:
            with _nograd_lock:
                nograd[0] -= 1

    def __call__(self, fn: Callable) -> Callable:
        enabled = self.enabled
        return decorate(lambda: _grad_mode(enabled), fn)


def decorate(block: Callable[[], Any], fn: Callable) -> Callable:
    """``fn`` run inside a fresh ``block()`` on every call, as torch's grad-mode decorators:
    a generator function runs each of its steps inside one (the block is left whenever the
    generator hands a value back, so the caller's code between steps keeps its own mode)."""
    if inspect.isclass(fn):
        import warnings

        warnings.warn(
            f"Decorating classes is deprecated and will be disabled in future versions "
            f"(as in torch): only the construction of {fn.__qualname__} runs in this mode, "
            f"not its methods; decorate functions or methods instead", FutureWarning,
            stacklevel=3)
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def steps(*args: Any, **kwargs: Any) -> Any:
            gen = fn(*args, **kwargs)
            method, value = gen.send, None
            while True:
                try:
                    with block():
                        out = method(value)
                except StopIteration as stop:
                    return stop.value
                try:
                    value = yield out
                    method = gen.send
                except GeneratorExit:
                    with block():
                        gen.close()
                    raise
                except BaseException as exc:  # thrown into the generator by the caller
                    method, value = gen.throw, exc

        return steps

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with block():
            return fn(*args, **kwargs)

    return wrapped


def no_grad(func: Callable | None = None) -> Any:
    """Run a block without recording anything on the tape; also a decorator, with or without
    parentheses (``@no_grad()``, ``@no_grad``), of functions and generator functions.

    Example::

        with gpuad.no_grad():
            w.data -= lr * w.grad.data
    """
    return _grad_mode(False) if func is None else _grad_mode(False)(func)


def enable_grad(func: Callable | None = None) -> Any:
    """Re-enable recording inside a ``no_grad`` block; also a decorator, like ``no_grad``."""
    return _grad_mode(True) if func is None else _grad_mode(True)(func)


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return local.grad_enabled


def set_deterministic(on: bool = True) -> None:
    """Use deterministic adjoint kernels (no atomics) so repeated runs are bitwise equal.

    Example: ``gpuad.set_deterministic(True)``
    """
    flags["deterministic"] = bool(on)


def is_deterministic() -> bool:
    """True after ``set_deterministic(True)``. Example: ``gpuad.is_deterministic()``"""
    return flags["deterministic"]


@contextlib.contextmanager
def disable_jit(disable: bool = True) -> Iterator[None]:
    """Run ``gpuad.jit``-wrapped functions as plain Python inside the block (in this thread),
    as ``jax.disable_jit``: Python control flow on array values works and side effects run
    on every call. Compiled programs are neither made nor used there, and jit is back as it
    was after the block (nested blocks and exceptions included); ``disable_jit(False)``
    turns it on again inside a block.

    Example::

        with gpuad.disable_jit():
            step(params, batch)  # runs eagerly; print() inside it prints every call
    """
    prev = local.jit_disabled
    with _nograd_lock:
        nojit[0] += 1
    local.jit_disabled = bool(disable)
    try:
        yield
    finally:
        local.jit_disabled = prev
        with _nograd_lock:
            nojit[0] -= 1
