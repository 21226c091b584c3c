"""Module hooks as PyTorch's: forward pre-hooks, forward hooks, and full backward (pre-)hooks.

A module without hooks is called as before (``Module.__call__`` tests one attribute). Backward
hooks work as torch's ``BackwardHook``: the module's Tensor arguments that require grad and
its Tensor outputs pass through identity steps (``gpuad.autograd.Function``); the outputs'
step runs the backward pre-hooks and records ``grad_output``, the arguments' step runs the
full backward hooks with ``grad_input`` (one entry per positional argument, None where it is
not a Tensor that requires grad) and ``grad_output``.

Example::

    h = model.register_full_backward_hook(lambda m, gin, gout: print(gout[0].shape))
    model(x).sum().backward()
    h.remove()
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from .. import _state
from ..autograd.function import Function
from ..engine import GradError
from ..tensor import Tensor

_ids = itertools.count()
_KINDS = ("forward_pre", "forward", "backward_pre", "backward")


class ModuleHooks:
    """The hooks of one module, per kind a list of ``(id, fn, with_kwargs)`` in call order."""

    __slots__ = (*_KINDS, "always")

    def __init__(self) -> None:
        for k in _KINDS:
            setattr(self, k, [])
        self.always: set[int] = set()  # forward hooks also called when forward raises

    def empty(self) -> bool:
        return not any(getattr(self, k) for k in _KINDS)

    def _jit_key(self) -> tuple:
        """Which hooks are registered (gpuad.jit traces again when that changes)."""
        return tuple(tuple(e[0] for e in getattr(self, k)) for k in _KINDS), tuple(
            sorted(self.always))


def _changed() -> None:
    from .modules import EPOCH

    EPOCH[0] += 1


def _dead() -> None:
    return None


class RemovableHandle:
    """What a ``register_*_hook`` returns: ``remove()`` unregisters the hook (twice is
    harmless); also a context manager that removes it on exit."""

    def __init__(self, module: Any, kind: str, hid: int) -> None:
        self._module = weakref.ref(module)
        self._kind = kind
        self.id = hid

    def __getstate__(self) -> dict:
        # the module itself, so that a deepcopy (or pickle) of a module holding its handle
        # (weight_norm's, prune's hooks) refers to the copy, not the original
        return {"module": self._module(), "kind": self._kind, "id": self.id}

    def __setstate__(self, state: dict) -> None:
        m = state["module"]
        self._module = _dead if m is None else weakref.ref(m)
        self._kind = state["kind"]
        self.id = state["id"]

    def remove(self) -> None:
        m = self._module()
        hooks = None if m is None else m.__dict__.get("_hooks")
        if hooks is None:
            return
        lst = getattr(hooks, self._kind)
        lst[:] = [e for e in lst if e[0] != self.id]
        hooks.always.discard(self.id)
        if hooks.empty():
            del m.__dict__["_hooks"]  # back to the call without hooks
        _changed()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _register(
    module: Any, kind: str, hook: Callable, prepend: bool, with_kwargs: bool, always=False
) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register_{kind}_hook: expected a function, got {type(hook).__name__}")
    hooks = module.__dict__.get("_hooks")
    if hooks is None:
        hooks = module.__dict__["_hooks"] = ModuleHooks()
    hid = next(_ids)
    lst = getattr(hooks, kind)
    entry = (hid, hook, with_kwargs)
    if prepend:
        lst.insert(0, entry)
    else:
        lst.append(entry)
    if always:
        hooks.always.add(hid)
    _changed()
    return RemovableHandle(module, kind, hid)


class HookMethods:
    """The ``register_*_hook`` methods of ``nn.Module``."""

    _hooks: ModuleHooks | None = None

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """``hook(module, args)`` (``with_kwargs``: ``hook(module, args, kwargs)``) before
        each ``forward``; a returned value replaces the arguments (a tuple, or one argument;
        with kwargs a pair ``(args, kwargs)``).

        Example: ``m.register_forward_pre_hook(lambda m, args: (args[0] * 2,))``
        """
        return _register(self, "forward_pre", hook, prepend, with_kwargs)

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """``hook(module, args, output)`` (``with_kwargs``: ``hook(module, args, kwargs,
        output)``) after each ``forward``; a returned value replaces the output. With
        ``always_call`` it is also called (with output None) when ``forward`` raises.

        Example: ``m.register_forward_hook(lambda m, args, out: out.clip(0, None))``
        """
        return _register(self, "forward", hook, prepend, with_kwargs, always_call)

    def register_full_backward_pre_hook(
        self, hook: Callable, *, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(module, grad_output)`` when the gradients of the outputs are known; a
        returned tuple replaces ``grad_output``.

        Example: ``m.register_full_backward_pre_hook(lambda m, go: (go[0] * 0.5,))``
        """
        return _register(self, "backward_pre", hook, prepend, False)

    def register_full_backward_hook(
        self, hook: Callable, *, prepend: bool = False
    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` when the gradients of the module's
        positional arguments are known; a returned tuple replaces ``grad_input``.

        Example: ``m.register_full_backward_hook(lambda m, gi, go: print(gi[0].shape))``
        """
        return _register(self, "backward", hook, prepend, False)


_SD_KINDS = ("state_dict_pre", "state_dict", "load_state_dict_pre", "load_state_dict_post")


class StateDictHooks:
    """The state_dict and load_state_dict hooks of one module, per kind ``(id, fn)``."""

    __slots__ = _SD_KINDS

    def __init__(self) -> None:
        for k in _SD_KINDS:
            setattr(self, k, [])


class _StateDictHandle(RemovableHandle):
    def remove(self) -> None:
        m = self._module()
        hooks = None if m is None else m.__dict__.get("_sd_hooks")
        if hooks is not None:
            lst = getattr(hooks, self._kind)
            lst[:] = [e for e in lst if e[0] != self.id]


def _register_sd(module: Any, kind: str, hook: Callable) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register_{kind}_hook: expected a function, got {type(hook).__name__}")
    hooks = module.__dict__.get("_sd_hooks")
    if hooks is None:
        hooks = module.__dict__["_sd_hooks"] = StateDictHooks()
    hid = next(_ids)
    getattr(hooks, kind).append((hid, hook))
    return _StateDictHandle(module, kind, hid)


def state_dict_hooks(module: Any, kind: str) -> list[Callable]:
    """The ``kind`` hooks registered on ``module`` itself, in call order."""
    hooks = module.__dict__.get("_sd_hooks")
    return [fn for _, fn in getattr(hooks, kind)] if hooks is not None else []


class StateDictHookMethods:
    """The ``register_*state_dict*_hook`` methods of ``nn.Module`` (torch's signatures)."""

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, prefix, keep_vars)`` before ``state_dict`` reads this module.

        Example: ``m.register_state_dict_pre_hook(lambda mod, prefix, keep: print(prefix))``
        """
        return _register_sd(self, "state_dict_pre", hook)

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata)`` once ``state_dict`` holds this
        module's entries; it may edit the dict in place (and must return None).

        Example: ``m.register_state_dict_post_hook(lambda mod, sd, p, md: sd.pop(p + "w"))``
        """
        return _register_sd(self, "state_dict", hook)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict`` reads the state (a copy it
        may edit: renamed keys load under their new names); messages appended to
        ``error_msgs`` make the load raise.

        Example: ``m.register_load_state_dict_pre_hook(rename_old_keys)``
        """
        return _register_sd(self, "load_state_dict_pre", hook)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, incompatible_keys)`` after ``load_state_dict`` has loaded; it may
        edit ``incompatible_keys.missing_keys``/``unexpected_keys`` in place before
        ``strict`` is checked (and must return None).

        Example: ``m.register_load_state_dict_post_hook(lambda m, k: k.missing_keys.clear())``
        """
        return _register_sd(self, "load_state_dict_post", hook)


def _name(fn: Callable) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def call(module: Any, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with its hooks."""
    hooks: ModuleHooks = module._hooks
    for _, fn, with_kwargs in list(hooks.forward_pre):
        if with_kwargs:
            r = fn(module, args, kwargs)
            if r is not None:
                if not (isinstance(r, tuple) and len(r) == 2):
                    raise RuntimeError(
                        f"forward pre-hook {_name(fn)!r} must return None or a "
                        f"tuple of (new_args, new_kwargs), got {r!r}"
                    )
                args, kwargs = r
                args = args if isinstance(args, tuple) else (args,)
        else:
            r = fn(module, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
    state = None
    if (hooks.backward or hooks.backward_pre) and _state.local.grad_enabled:
        state = _BackwardState(module, hooks, len(args))
        args = state.wrap_inputs(args)
    try:
        result = module.forward(*args, **kwargs)
    except Exception:
        _call_always(module, hooks, args, kwargs)
        raise
    for _, fn, with_kwargs in list(hooks.forward):
        r = fn(module, args, kwargs, result) if with_kwargs else fn(module, args, result)
        if r is not None:
            result = r
    if state is not None:
        result = state.wrap_outputs(result)
    return result


def _call_always(module: Any, hooks: ModuleHooks, args: tuple, kwargs: dict) -> None:
    for hid, fn, with_kwargs in list(hooks.forward):
        if hid not in hooks.always:
            continue
        try:
            fn(module, args, kwargs, None) if with_kwargs else fn(module, args, None)
        except Exception as e:
            warnings.warn(
                f"forward hook {_name(fn)!r} with always_call=True raised an exception that "
                f"was silenced as another error was raised in forward: {e}",
                stacklevel=3,
            )


class _BackwardState:
    """One call's backward hooks: where the arguments were, and ``grad_output`` once the
    outputs' identity step has run."""

    def __init__(self, module: Any, hooks: ModuleHooks, nargs: int) -> None:
        self.module = module
        self.hooks = hooks
        self.nargs = nargs
        self.positions: list[int] = []  # the arguments that pass through the identity step
        self.n_out = 0  # the outputs: grad_output holds one entry for each (None if no Tensor)
        self.out_positions: list[int] = []  # those that pass the identity step
        self.grad_output: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        self.positions = [
            i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad
        ]
        if not self.positions:
            return args
        ts = _InputHook.apply(self, *(args[i] for i in self.positions))
        ts = ts if isinstance(ts, tuple) else (ts,)
        out = list(args)
        for i, t in zip(self.positions, ts, strict=True):
            out[i] = t
        return tuple(out)

    def wrap_outputs(self, result: Any) -> Any:
        if not isinstance(result, Tensor | tuple | list):
            warnings.warn(
                f"{type(self.module).__name__} returned a {type(result).__name__}: its full "
                f"backward (pre-)hooks are not called, as torch's, since the output should be "
                f"a Tensor or a tuple of Tensors",
                stacklevel=4,
            )
            return result
        items = result if isinstance(result, tuple | list) else (result,)
        pos = [k for k, o in enumerate(items) if isinstance(o, Tensor) and o.requires_grad]
        self.n_out = len(items)  # as torch: None in grad_output for a non-Tensor output
        self.out_positions = pos
        if not pos:
            return result
        ts = _OutputHook.apply(self, *(items[k] for k in pos))
        ts = ts if isinstance(ts, tuple) else (ts,)
        out = list(items)
        for k, t in zip(pos, ts, strict=True):
            out[k] = t
        if isinstance(result, tuple | list):
            return type(result)(out)
        return out[0]

    def run_pre_hooks(self, got: tuple) -> tuple:
        # as torch: one entry per output, None for one that gets no gradient
        full: list = [None] * self.n_out
        for k, g in zip(self.out_positions, got, strict=True):
            full[k] = g
        grads = tuple(full)
        for _, fn, _ in list(self.hooks.backward_pre):
            r = fn(self.module, grads)
            if r is not None:
                r = r if isinstance(r, tuple | list) else (r,)
                if len(r) != len(grads):
                    raise GradError(
                        f"backward pre-hook {_name(fn)!r} returned {len(r)} gradients for "
                        f"{len(grads)} outputs; return a tuple like grad_output (or None)"
                    )
                grads = _checked(fn, tuple(r), grads, "grad_output")
        self.grad_output = grads
        if not self.positions:  # nothing reaches the arguments: the full hooks run now
            gin = (None,) * self.nargs
            for _, fn, _ in list(self.hooks.backward):
                r = fn(self.module, gin, grads)
                if r is not None and not (
                    isinstance(r, tuple | list) and all(x is None for x in r)
                ):
                    raise GradError(
                        f"backward hook {_name(fn)!r}: no argument of this module requires "
                        f"grad, so the hook may only return None (or Nones)"
                    )
        return tuple(grads[k] for k in self.out_positions)

    def run_hooks(self, grads: tuple) -> tuple:
        if self.grad_output is None:
            # no gradient came through the outputs in this sweep: a sweep differentiating the
            # recorded first backward (create_graph) reaches the inputs' step again; as in
            # torch, the full hooks ran once, with the first backward
            return tuple(grads)
        gin = [None] * self.nargs
        for i, g in zip(self.positions, grads, strict=True):
            gin[i] = g
        gin_t = tuple(gin)
        gout = self.grad_output
        self.grad_output = None
        for _, fn, _ in list(self.hooks.backward):
            r = fn(self.module, gin_t, gout)
            if r is None:
                continue
            r = tuple(r) if isinstance(r, tuple | list) else (r,)
            if len(r) != self.nargs:
                raise GradError(
                    f"backward hook {_name(fn)!r} returned an invalid number of grad_input, "
                    f"got {len(r)}, but expected {self.nargs} (one per positional argument)"
                )
            gin_t = _checked(fn, r, gin_t, "grad_input")
        return tuple(gin_t[i] for i in self.positions)


def _checked(fn: Callable, new: tuple, old: tuple, what: str) -> tuple:
    for i, (a, b) in enumerate(zip(new, old, strict=True)):
        if a is None or b is None:
            continue
        if tuple(getattr(a, "shape", ())) != tuple(b.shape):
            raise GradError(
                f"backward hook {_name(fn)!r} returned {what}[{i}] of shape "
                f"{tuple(getattr(a, 'shape', ()))} for a gradient of shape {tuple(b.shape)}; "
                f"a replacement has the shape of the gradient it replaces"
            )
    return new


class _InputHook(Function):
    @staticmethod
    def forward(ctx: Any, state: _BackwardState, *tensors: Tensor) -> Any:
        ctx.state = state
        return tuple(t.copy() for t in tensors) if len(tensors) > 1 else tensors[0].copy()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return (None,) + ctx.state.run_hooks(grads)


class _OutputHook(Function):
    @staticmethod
    def forward(ctx: Any, state: _BackwardState, *tensors: Tensor) -> Any:
        ctx.state = state
        ctx.set_materialize_grads(False)  # an unused output's grad_output is None, as torch
        return tuple(t.copy() for t in tensors) if len(tensors) > 1 else tensors[0].copy()

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return (None,) + ctx.state.run_pre_hooks(grads)
