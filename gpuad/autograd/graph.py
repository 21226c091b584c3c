"""``torch.autograd.graph``'s saved-tensor hooks.

Inside ``with saved_tensors_hooks(pack, unpack):`` every value a recorded step saves for its
backward (an op's inputs or output, the tensors given to a Function's
``ctx.save_for_backward``, a checkpoint's inputs, a custom_vjp rule's residuals) is handed
to ``pack`` as a Tensor of its value, shape and dtype (without history: what ``pack`` computes
is not recorded), and ``pack``'s result is kept on the tape instead. When backward needs the
value it calls ``unpack`` on that result, which must return a Tensor (or backend array) of the
saved value's shape and dtype. The hooks in force are those of the innermost block open when
the step is recorded, in this thread; Python numbers are not packed (as torch's wrapped
numbers).

``save_on_cpu()`` is such a block: on the CuPy backend saved values live in host memory until
backward copies them back; on the NumPy backend they stay where they are. Inside
``disable_saved_tensors_hooks(msg)`` opening a hooks block raises ``RuntimeError(msg)``, and
opening the disabling block while hooks are open raises too (torch's rules).

Differences from torch: a saved value written in place after it was saved still raises in
backward (torch skips its version check under hooks); steps recorded inside ``vmap``, and
hooks opened inside a function that ``gpuad.jit`` traces, raise ``NotImplementedError``; a
jitted function called while hooks are open runs eagerly (with a ``JitFallbackWarning``), so
that its steps are packed; an in-place op that overwrites a value its own step saved
(``t.sin_()``) packs it twice: the value, then a private copy taken before the write.

Example::

    from gpuad.autograd.graph import saved_tensors_hooks
    with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda a: gpuad.tensor(a)):
        y = gnp.sum(gnp.sin(x) * x)       # sin's and multiply's inputs kept as host copies
    y.backward()                            # unpacked here
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _state
from ..backends import _by_array_type
from ..tensor import Tensor


def _refuse_inside_trace(what: str) -> None:
    from .. import engine

    if engine._trace is not None:
        raise NotImplementedError(
            f"{what} inside a function that gpuad.jit is compiling: a compiled replay would "
            f"not call the hooks. Open the block around the call of the jitted function "
            f"(which then runs eagerly), or run it under gpuad.disable_jit()")


class saved_tensors_hooks:
    """``torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)``: a block inside
    which values saved for backward go through ``pack_hook`` when recorded and
    ``unpack_hook`` when backward reads them (see the module docstring). Nested blocks: the
    innermost pair is used.

    Example::

        with saved_tensors_hooks(lambda t: t * 1.0, lambda t: t):
            y = gnp.exp(x)                  # exp's output passed to pack
    """

    def __init__(self, pack_hook: Callable[[Tensor], Any],
                 unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        msg = _state.local.saved_hooks_off
        if msg is not None:
            raise RuntimeError(msg)
        _refuse_inside_trace("saved_tensors_hooks")
        _state.set_saved_hooks(_state.local.saved_hooks + ((self.pack_hook, self.unpack_hook),))

    def __exit__(self, *exc: Any) -> None:
        stack = _state.local.saved_hooks
        if not stack:
            raise RuntimeError(
                "saved_tensors_hooks: leaving a block that is not open (no hooks block is "
                "open in this thread); enter and leave each block once, with a with statement")
        _state.set_saved_hooks(stack[:-1])  # the innermost, as torch pops its stack


def _to_host(t: Tensor) -> tuple:
    data = t._data
    if isinstance(data, _np.ndarray):
        return (None, data)  # already host memory: nothing to copy
    be = _by_array_type.get(type(data))
    return (be, be.to_host(data))


def _from_host(packed: tuple) -> Any:
    be, host = packed
    return host if be is None else be.asarray(host)


class save_on_cpu(saved_tensors_hooks):
    """``torch.autograd.graph.save_on_cpu(pin_memory=False, device_type="cuda")``: values
    saved inside the block are kept in host memory (NumPy arrays) and copied back to the
    device when backward reads them; on the NumPy backend nothing is copied. The copies are
    synchronous: ``pin_memory`` is accepted and changes nothing.

    Example::

        with save_on_cpu():
            h = gnp.tanh(x @ w)              # x, w and tanh's output kept on the host
        gnp.sum(h).backward()
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = bool(pin_memory)
        self.device_type = device_type
        super().__init__(_to_host, _from_host)


class disable_saved_tensors_hooks:
    """``torch.autograd.graph.disable_saved_tensors_hooks(error_message)``: a block (or
    decorator) inside which opening ``saved_tensors_hooks`` raises
    ``RuntimeError(error_message)``; opening it while hooks are open raises the same.

    Example: ``with gpuad.autograd.graph.disable_saved_tensors_hooks("no hooks here"): ...``
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        if _state.local.saved_hooks:
            raise RuntimeError(self.error_message)
        self.prev = _state.local.saved_hooks_off
        _state.local.saved_hooks_off = self.error_message

    def __exit__(self, *exc: Any) -> None:
        _state.local.saved_hooks_off = self.prev

    def __call__(self, fn: Callable) -> Callable:
        msg = self.error_message
        return _state.decorate(lambda: disable_saved_tensors_hooks(msg), fn)


def increment_version(tensor: Any) -> None:
    """``torch.autograd.graph.increment_version``: bump the version of ``tensor`` (or of
    each Tensor in an iterable of them) as an in-place write would, so that a step which
    saved it refuses its backward; for writes made behind gpuad's back (``t.data[...]``).

    Example: ``gpuad.autograd.graph.increment_version(t)``
    """
    for t in (tensor,) if isinstance(tensor, Tensor) else tuple(tensor):
        if not isinstance(t, Tensor):
            raise TypeError(f"increment_version: expected a Tensor or an iterable of Tensors, "
                            f"got {type(t).__name__}")
        t._ver[0] += 1


def register_multi_grad_hook(tensors: Any, fn: Callable, *, mode: str = "all") -> Any:
    """``torch.autograd.graph.register_multi_grad_hook``: not provided; raises, naming what
    to use instead."""
    raise NotImplementedError(
        "autograd.graph.register_multi_grad_hook is not provided by gpuad: register "
        "t.register_hook(fn) on each tensor (it receives that tensor's gradient in each "
        "backward), or compute the gradients together with gpuad.autograd.grad(outputs, "
        "tensors, allow_unused=True)")


def get_gradient_edge(tensor: Any) -> Any:
    """``torch.autograd.graph.get_gradient_edge``: not provided; raises, naming what to use."""
    raise NotImplementedError(
        "autograd.graph.get_gradient_edge (GradientEdge) is not provided by gpuad: pass the "
        "Tensor itself as inputs= of gpuad.autograd.grad or backward (a non-leaf works, and "
        "its gradient is that of the value it held when the graph was recorded only if it "
        "was not written in place since)")


def allow_mutation_on_saved_tensors() -> Any:
    """``torch.autograd.graph.allow_mutation_on_saved_tensors``: not provided; raises."""
    raise NotImplementedError(
        "autograd.graph.allow_mutation_on_saved_tensors is not provided by gpuad: backward "
        "raises when a value it saved was written in place; write into a copy (y = x.clone(); "
        "y.sin_()) or compute the gradient before the write")
