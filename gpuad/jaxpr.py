"""``make_jaxpr``: the program ``gpuad.jit`` traces from a function, as JAX's name."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _state
from .backends import get_backend
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten


def trace_program(call: Callable, leaves: list, keep_grad_mode: bool = False,
                  inspect_only: bool = False):
    """The program of ``call(*leaves)`` as traced (before any pass): one step per primitive,
    the piecewise constant ones included; reading a value that depends on ``leaves`` into
    Python raises ``gpuad.jit.TracerError``. Inside ``gpuad.jit`` this trace is not part of the
    outer program. It runs under ``no_grad`` unless ``keep_grad_mode`` (as ``jit`` traces).
    An ``inspect_only`` program is only read (never run): it may close over values batched by
    an enclosing vmap."""
    from . import engine
    from .jit import trace as _trace

    outer, hook = _trace._current, engine._trace
    _trace._current = engine._trace = None
    try:
        mode = contextlib.nullcontext() if keep_grad_mode else _state.no_grad()
        with mode, _np.errstate(all="ignore"):
            prog, _ = _trace.trace(call, list(leaves), lambda lv: lv, get_backend(),
                                    inspect_only=inspect_only)
    finally:
        _trace._current, engine._trace = outer, hook
    return prog


def make_jaxpr(fun: Callable, static_argnums: int | tuple[int, ...] = ()) -> Callable:
    """A function of ``fun``'s arguments returning the program ``fun`` traces to (its
    ``print`` lists one line per step, as a jaxpr). Array leaves of the arguments are its
    inputs; other values and the arguments in ``static_argnums`` are constants.

    Example::

        print(gpuad.make_jaxpr(lambda x: gnp.sin(x) * 2.0)(np.ones(3)))
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def traced(*args: Any, **kwargs: Any):
        n = len(args)
        fixed = {k % n: args[k] for k in static} if n else {}
        dyn = [a for i, a in enumerate(args) if i not in fixed]
        leaves, tdef = tree_flatten((dyn, kwargs))
        pos = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) or hasattr(x, "shape")]

        def call(*arrays):
            full = list(leaves)
            for i, a in zip(pos, arrays, strict=True):
                full[i] = a
            d, kw = tree_unflatten(tdef, full)
            it = iter(d)
            return fun(*[fixed[i] if i in fixed else next(it) for i in range(n)], **kw)

        return trace_program(call, [leaves[i] for i in pos])

    return traced
