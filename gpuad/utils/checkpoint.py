"""``torch.utils.checkpoint`` on :func:`gpuad.checkpoint`: ``checkpoint(function, *args)``,
``checkpoint_sequential(functions, segments, input)`` and the rest of torch's names.

Both of torch's variants give gpuad's one behaviour, that of torch's ``use_reentrant=False``
done exactly: the block keeps only its arguments, backward runs it again (with the random
draws of the first run, whatever ``preserve_rng_state`` says) and differentiates it, also for
Tensors that require grad which it reads from its closure, under ``autograd.grad`` and
``backward(inputs=...)``, and to any order. A value the block read, written in place before
the backward, makes that backward raise; so does a recomputation that returns another number
of floating arrays, or arrays of another shape, dtype or sum, than the forward did
(:class:`CheckpointError`, whatever ``determinism_check`` says).

``context_fn`` gives two context managers: the forward runs under the first, each
recomputation under the second (:func:`noop_context_fn`: neither does anything).
:func:`create_selective_checkpoint_contexts` (torch's selective checkpointing) makes the pair
that turns a policy over gpuad's primitives into :func:`gpuad.checkpoint`'s ``policy``.

Example::

    from gpuad.utils.checkpoint import checkpoint
    h = checkpoint(block, x, use_reentrant=False)
"""

from __future__ import annotations

import contextlib
import enum
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..custom import CheckpointError
from ..custom import checkpoint as _checkpoint

__all__ = ["CheckpointError", "CheckpointPolicy", "SelectiveCheckpointContext", "checkpoint",
           "checkpoint_sequential", "create_selective_checkpoint_contexts", "noop_context_fn",
           "set_checkpoint_debug_enabled", "set_checkpoint_early_stop"]

_NO_FUNCTION = object()


def noop_context_fn() -> tuple[contextlib.AbstractContextManager,
                               contextlib.AbstractContextManager]:
    """Two context managers that do nothing: ``checkpoint``'s default ``context_fn``, as
    ``torch.utils.checkpoint.noop_context_fn``.

    Example: ``checkpoint(block, x, use_reentrant=False, context_fn=noop_context_fn)``
    """
    return contextlib.nullcontext(), contextlib.nullcontext()


@contextlib.contextmanager
def set_checkpoint_early_stop(enable: bool) -> Iterator[None]:
    """``torch.utils.checkpoint.set_checkpoint_early_stop``: taken, and changes nothing.

    torch's early stop ends a recomputation once it has made the values the backward needs;
    gpuad always runs the whole block again (what ``early_stop=False`` does in torch), which
    gives the same values and gradients.

    Example::

        from gpuad.utils.checkpoint import checkpoint, set_checkpoint_early_stop
        with set_checkpoint_early_stop(False):
            y = checkpoint(gnp.tanh, x, use_reentrant=False)
    """
    yield


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled: bool | None) -> Iterator[None]:
    """``torch.utils.checkpoint.set_checkpoint_debug_enabled``: taken, and changes nothing
    (gpuad's :class:`CheckpointError` names the block and each output that differs whether
    or not debugging is on).

    Example::

        from gpuad.utils.checkpoint import checkpoint, set_checkpoint_debug_enabled
        with set_checkpoint_debug_enabled(True):
            y = checkpoint(gnp.tanh, x, use_reentrant=False)
    """
    yield


# ---- selective checkpointing (torch's context_fn policies) ------------------------------------

class CheckpointPolicy(enum.Enum):
    """What a selective checkpoint policy says of one primitive's result, as
    ``torch.utils.checkpoint.CheckpointPolicy``: the ``*_SAVE`` values keep it for the
    backward, the ``*_RECOMPUTE`` values compute it again (gpuad makes no difference between
    ``MUST_`` and ``PREFER_``: nothing else chooses).

    Example: ``CheckpointPolicy.MUST_SAVE if op.name == "matmul" else
    CheckpointPolicy.PREFER_RECOMPUTE``
    """

    MUST_SAVE = 0
    PREFER_SAVE = 1
    MUST_RECOMPUTE = 2
    PREFER_RECOMPUTE = 3


class SelectiveCheckpointContext:
    """The first argument of a selective checkpoint policy, as torch's: ``is_recompute`` is
    always ``False`` (a policy is asked in the forward only; the recomputation takes what the
    forward saved).

    Example: ``def policy(ctx, op, *args, **params): return op.name == "matmul"``
    """

    def __init__(self, *, is_recompute: bool) -> None:
        self.is_recompute = is_recompute


class _SelectiveContext(contextlib.nullcontext):
    """The forward context of :func:`create_selective_checkpoint_contexts`: it does nothing
    itself; ``checkpoint`` reads its policy."""

    def __init__(self, policy: Callable) -> None:
        super().__init__()
        self.policy = policy


def _op_name(op: Any) -> str:
    if isinstance(op, str):
        return op
    name = getattr(op, "name", None)
    if not isinstance(name, str):
        raise ValueError(
            f"create_selective_checkpoint_contexts: expected op in `op_list` to be the name of "
            f"a gpuad primitive (such as 'matmul' or 'sin') or a primitive, got {op!r} "
            f"(torch's OpOverloads, torch.ops.aten.*, have no counterpart in gpuad)")
    return name


def create_selective_checkpoint_contexts(
        policy_fn_or_list: Callable | list, allow_cache_entry_mutation: bool = False,
) -> tuple[contextlib.AbstractContextManager, contextlib.AbstractContextManager]:
    """The ``context_fn`` pair of torch's selective activation checkpointing, on
    :func:`gpuad.checkpoint`'s ``policy``: which results of the block's primitives the
    forward keeps for the backward, as ``torch.utils.checkpoint``'s.

    ``policy_fn_or_list`` is a list of gpuad primitive names (``"matmul"``, ``"sin"``) or
    primitives, whose results are kept, or a function ``policy(ctx, op, *args, **params)``
    called once per primitive of the forward (``op`` is gpuad's primitive, ``op.name`` its
    name; ``args`` its array arguments) that returns a :class:`CheckpointPolicy` or a bool
    (``True``: keep). Results and gradients are the same under every policy (gpuad keeps
    copies and takes one only where the recomputation makes the same primitive from the same
    producers), so ``allow_cache_entry_mutation`` changes nothing.

    Example::

        import functools
        from gpuad.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts
        ctx = functools.partial(create_selective_checkpoint_contexts, ["tanh"])
        y = checkpoint(lambda h: gnp.sin(gnp.tanh(h)), x, use_reentrant=False,
                       context_fn=ctx)   # backward takes tanh's result, computes sin again
    """
    if isinstance(policy_fn_or_list, list):
        names = frozenset(_op_name(op) for op in policy_fn_or_list)

        def policy_fn(ctx: Any, op: Any, *args: Any, **params: Any) -> bool:
            return getattr(op, "name", None) in names
    elif callable(policy_fn_or_list):
        policy_fn = policy_fn_or_list
    else:
        raise TypeError("create_selective_checkpoint_contexts: policy_fn_or_list must be "
                        "either a function or a list of ops (gpuad primitive names), got "
                        f"{type(policy_fn_or_list).__name__}")
    forward_ctx = SelectiveCheckpointContext(is_recompute=False)

    def policy(prim: Any, *args: Any, **params: Any) -> bool:
        out = policy_fn(forward_ctx, prim, *args, **params)
        if isinstance(out, CheckpointPolicy):
            return out in (CheckpointPolicy.MUST_SAVE, CheckpointPolicy.PREFER_SAVE)
        if isinstance(out, bool):
            return out
        raise TypeError(f"create_selective_checkpoint_contexts: the policy returned "
                        f"{out!r} for {getattr(prim, 'name', prim)}; it must return a "
                        f"CheckpointPolicy or a bool")

    return _SelectiveContext(policy), contextlib.nullcontext()


# ---- checkpoint -------------------------------------------------------------------------------

def _contexts(context_fn: Callable) -> tuple:
    pair = context_fn()
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(
            hasattr(c, "__enter__") and hasattr(c, "__exit__") for c in pair)):
        raise TypeError(f"checkpoint: context_fn must return a tuple of two context managers "
                        f"(the forward's and the recomputation's), got {pair!r}")
    return pair


def _run(function: Callable, args: tuple, kwargs: dict, use_reentrant: bool | None,
         context_fn: Callable, determinism_check: str, debug: bool) -> Any:
    if determinism_check not in ("default", "none"):
        raise ValueError(f"checkpoint: determinism_check must be 'default' or 'none', got "
                         f"{determinism_check!r}")
    if use_reentrant:
        if kwargs:
            raise ValueError("checkpoint: unexpected keyword arguments "
                             f"{', '.join(kwargs)} (torch's use_reentrant=True takes none; "
                             f"pass use_reentrant=False)")
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("checkpoint: passing context_fn or debug is only supported "
                             "with use_reentrant=False (as in torch)")
    if context_fn is noop_context_fn:
        return _checkpoint(function)(*args, **kwargs)
    forward_ctx, recompute_ctx = _contexts(context_fn)
    policy = forward_ctx.policy if isinstance(forward_ctx, _SelectiveContext) else None
    calls = [0]

    @functools.wraps(function)
    def block(*a: Any, **k: Any) -> Any:
        ctx = forward_ctx if calls[0] == 0 else recompute_ctx
        calls[0] += 1
        with ctx:
            return function(*a, **k)

    return _checkpoint(block, policy=policy)(*args, **kwargs)


def checkpoint(function: Callable = _NO_FUNCTION, *args: Any,  # type: ignore[assignment]
               use_reentrant: bool | None = None, context_fn: Callable = noop_context_fn,
               determinism_check: str = "default", debug: bool = False,
               early_stop: bool = True, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, keeping only the arguments for backward, which computes
    the block again, as ``torch.utils.checkpoint.checkpoint``. Given no function
    (``checkpoint(use_reentrant=False)``), a decorator that checkpoints each call of the
    function it wraps, as torch's curried form (every keyword of such a call goes to the
    function).

    ``use_reentrant`` (either value), ``preserve_rng_state`` (draws are always replayed, so
    the gradient matches the forward's), ``early_stop`` (the whole block always runs again),
    ``determinism_check`` (a recomputation that returns other shapes, dtypes or sums always
    raises :class:`CheckpointError`) and ``debug`` are taken and change nothing; torch's reentrant
    variant drops the gradients of closed-over parameters when no argument requires grad,
    gpuad's does not. ``context_fn`` returns two context managers, for the forward and for
    each recomputation (:func:`create_selective_checkpoint_contexts` for a saving policy).

    Example: ``y = checkpoint(lambda h: gnp.tanh(h @ w), x, use_reentrant=False)``
    """
    opts = (use_reentrant, context_fn, determinism_check, debug)
    if function is _NO_FUNCTION:
        if args or kwargs:
            raise TypeError("checkpoint: the function to checkpoint comes first; called "
                            "without one, checkpoint takes only its own keywords and returns "
                            "a decorator")

        def decorator(fn: Callable) -> Callable:
            @functools.wraps(fn)
            def wrapped(*a: Any, **k: Any) -> Any:
                return _run(fn, a, k, *opts)
            return wrapped
        return decorator
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got "
                        f"{type(function).__name__}")
    return _run(function, args, kwargs, *opts)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run the modules or functions of ``functions`` (a ``gpuad.nn.Sequential`` or a list)
    one after another on ``input``, in ``segments`` chunks of which all but the last are
    checkpointed, as ``torch.utils.checkpoint.checkpoint_sequential``.

    Example: ``y = checkpoint_sequential(net, 2, x, use_reentrant=False)``
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"checkpoint_sequential: unexpected keyword arguments "
                         f"{', '.join(kwargs)}")
    fns: Sequence = list(functions.children()) if hasattr(functions, "children") else \
        list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got "
                         f"{segments!r}")
    size = len(fns) // segments

    def run(start: int, end: int) -> Callable:
        def forward(h: Any) -> Any:
            for f in fns[start:end + 1]:
                h = f(h)
            return h
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(fns) - 1)(input)


# torch.utils.checkpoint's names of its reentrant variant, CUDA RNG states and dispatch-mode
# internals: gpuad has one checkpoint, which replays random draws on every backend
_TORCH_ONLY = {
    "CheckpointFunction": "the reentrant variant's autograd.Function; gpuad has one "
                          "checkpoint: call checkpoint(function, *args)",
    "check_backward_validity": "a check of the reentrant variant (gpuad's checkpoint needs no "
                               "argument that requires grad)",
    "detach_variable": "a helper of the reentrant variant; use Tensor.detach()",
    "get_device_states": "CUDA RNG states; gpuad replays a block's random draws itself",
    "set_device_states": "CUDA RNG states; gpuad replays a block's random draws itself",
    "DefaultDeviceType": "torch's device types (a gpuad backend has one device)",
    "SAC_IGNORED_OPS": "a set of torch operators; gpuad's policies see gpuad primitives",
    "GraphExecGroup": "torch's graph-execution groups (each gpuad backward recomputes a "
                      "block itself)",
}


def __getattr__(name: str) -> Any:
    if name in _TORCH_ONLY:
        raise AttributeError(f"gpuad.utils.checkpoint has no {name}: {_TORCH_ONLY[name]}")
    raise AttributeError(f"module 'gpuad.utils.checkpoint' has no attribute {name!r}")
