"""Functional transforms: grad, value_and_grad, vjp, jvp, jacrev, jacfwd, hessian.

They accept arrays, Python scalars, Tensors and pytrees (tuples, lists, dicts) of them, and
return plain backend arrays, except where a result is itself being differentiated by an
enclosing transform (then it is a Tensor on the tape). Transforms nest to any order: each call
makes fresh differentiation targets, so an inner derivative never mistakes an outer variable
for its own.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from . import _state
from . import rules as _r
from ._no_tangent import NoTangent
from .backends import _by_array_type, get_backend
from .complex_rules import is_complex
from .engine import GradError, LeafNode, check_cotangent, current, edge_of, run_backward
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten


def _asarray(x, where: str):
    if isinstance(x, Tensor):
        return x
    be = _by_array_type.get(type(x))
    if be is None or be.name == "numpy":
        # a NumPy array is host data: it moves to the active (GPU) backend like a list does,
        # whether or not the numpy backend happens to be loaded
        active = get_backend()
        if type(x) is not active.array_type:
            if isinstance(x, (str, bytes)) or (isinstance(x, _np.ndarray)
                                               and x.dtype.kind in "OSUV"):
                return _np.asarray(x)  # no device dtype: the float check names the argument
            number = isinstance(x, (int, float, complex, _np.generic))
            x = active.asarray(x)
            if number:
                _literal_in_trace(x)
    return x


def _literal_in_trace(a) -> None:
    """Under ``gpuad.jit``, an array made from a Python number (a static argument) is a
    constant of the program, whose values Python control flow may read."""
    from .jit import trace as _trace

    tr = _trace.active()
    if tr is not None:
        tr.literal(a)


def _float_check(a, where: str, i: int):
    dt = (a._data if isinstance(a, Tensor) else a).dtype
    if dt.kind not in "fc":
        raise TypeError(
            f"{where}: argument {i} has dtype {dt}; only floating-point inputs can be "
            f"differentiated (integer and boolean values get no gradient). Cast it with "
            f".astype(float) if you meant a real variable"
        )


def _target(x) -> Tensor:
    """A fresh differentiation target holding ``x``'s value, linked to ``x``'s own history."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            return _r.identity(x)
        t = Tensor(x._data, requires_grad=True, _ver=x._ver, _bat=x._bat)
        t._tan = x._tan
        return t
    return Tensor(x, requires_grad=True)


_ACTIVE_LEVELS: set[int] = _state.jvp_levels  # forward-mode levels of running jvp calls


def _result(x, private=None, memo=None):
    """What a transform hands back for ``x``: a Tensor only where something outside still
    differentiates it, else the backend array.

    Tangents of finished ``jvp`` calls are dropped (nobody can read them any more), and so is
    the tape when ``x`` depends on no tracked value other than this call's own differentiation
    targets ``private`` (a set of nodes; None: every live tracked value counts as outside).
    """
    if not isinstance(x, Tensor):
        return x
    tan = x._tan
    if tan:
        live = {k: _result(v, private, memo) for k, v in tan.items() if k in _ACTIVE_LEVELS}
        tan = live or None
    keep = x.requires_grad and _reaches_outside(edge_of(x), private or set(),
                                                {} if memo is None else memo)
    if not keep:
        if tan or x._bat is not None:
            return Tensor(x._data, _tan=tan, _ver=x._ver, _bat=x._bat)
        return x._data
    if tan is x._tan or (not tan and not x._tan):
        return x
    return Tensor(x._data, _node=edge_of(x), _tan=tan, _ver=x._ver, _bat=x._bat)


# differentiation targets of vjp calls whose forward has run: only that call's vjp_fn
# differentiates with respect to them, so to every other transform they are constants
_FINISHED: weakref.WeakSet = weakref.WeakSet()
# step -> tape nodes its backward formula reads besides its inputs (a custom_vjp's residuals
# and the Tensors its bwd closes over): a gradient through such a step depends on them
READS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _reaches_outside(start, private, memo) -> bool:
    """Whether the tape behind node ``start`` reaches a leaf that is not in ``private``.
    ``memo`` (node -> answer) is shared between calls about one tape."""
    hit = memo.get(start)
    if hit is not None:
        return hit
    seen = {start}
    stack = [start]
    pop, push, add, known = stack.pop, stack.append, seen.add, memo.get
    while stack:
        n = pop()
        if n.__class__ is LeafNode:
            # a finished target, or a leaf whose Tensor is gone, is nobody's target
            if n not in private and n.ref() is not None and n not in _FINISHED:
                memo[start] = True
                return True
            continue
        edges = n.edges
        if READS and n in READS:
            edges = (*edges, *READS[n])
        for e in edges:
            if e is not None and e not in seen:
                m = known(e)
                if m:
                    memo[start] = True
                    return True
                if m is None:
                    add(e)
                    push(e)
    memo.update(dict.fromkeys(seen, False))  # nothing reachable from them leads outside
    return False


def _outer_dependency(roots, targets, memo=None) -> bool:
    """True when ``roots`` depend on tracked values other than ``targets`` (an outer transform
    or a user graph), so the gradient itself must be recorded."""
    private = set(targets)
    memo = {} if memo is None else memo
    return any(_reaches_outside(r._node, private, memo) for r in roots
               if isinstance(r, Tensor) and r._node is not None)


# ---- what a differentiated function may return ------------------------------------------------

def _is_value(x) -> bool:
    """An array, Tensor or number: something with a derivative (possibly zero)."""
    return isinstance(x, Tensor | float | int | complex | _np.generic) or (
        hasattr(x, "shape") and hasattr(x, "dtype"))


def _dtype(x):
    d = x._data if isinstance(x, Tensor) else x
    return d.dtype if hasattr(d, "dtype") else _np.asarray(d).dtype


def _describe(x, depth: int = 0) -> str:
    """Type, shape and dtype of ``x`` for an error message; the structure of a container."""
    if isinstance(x, Tensor) or (hasattr(x, "shape") and hasattr(x, "dtype")):
        return f"{type(x).__name__}(shape={tuple(x.shape)}, dtype={x.dtype})"
    if isinstance(x, tuple | list | dict):
        name = type(x).__name__
        if depth >= 2:
            return f"{name} of length {len(x)}"
        items = list(x.items()) if isinstance(x, dict) else list(enumerate(x))
        parts = [(f"{k!r}: " if isinstance(x, dict) else "") + _describe(v, depth + 1)
                 for k, v in items[:4]]
        if len(items) > 4:
            parts.append(f"... ({len(items)} items)")
        left, right = {"tuple": "()", "list": "[]"}.get(name, "{}")
        return f"{name} {left}{', '.join(parts)}{right}"
    if x is None:
        return "None"
    r = repr(x)
    return f"{type(x).__name__} {r if len(r) <= 40 else r[:37] + '...'}"


def _shape_of_tree(tdef):
    """A pytree's structure with tuples and lists alike (dict keys and nesting must match)."""
    if tdef == () or tdef == (None,):
        return tdef
    if tdef[0] is dict:
        return (dict, tuple(tdef[1]), tuple(_shape_of_tree(c) for c in tdef[2]))
    return (list, tuple(_shape_of_tree(c) for c in tdef[1]))


def _check_loss(out, where: str, has_aux: bool) -> None:
    """``grad`` differentiates one real scalar. An array that does not depend on the inputs is
    a constant (its gradient is exactly zero); anything else is an error."""
    if not _is_value(out):
        hint = ""
        if isinstance(out, tuple | list) and out and not has_aux:
            hint = ("; if f returns the loss together with auxiliary values, return "
                    "(loss, aux) and pass has_aux=True")
        elif out is None:
            hint = "; did f forget its return statement?"
        raise TypeError(f"{where}: f must return a real scalar (the loss), but it returned "
                        f"{_describe(out)}{hint}")
    dt = _dtype(out)
    if dt.kind == "c":
        raise TypeError(
            f"{where}: f returned a complex value ({_describe(out)}); a gradient is defined for a "
            f"real-valued loss. Return a real scalar (gnp.real(z), gnp.abs(z) ** 2, ...); for a "
            f"holomorphic f of complex inputs pass holomorphic=True (gpuad.grad(f, "
            f"holomorphic=True) gives f'(z)); or use gpuad.vjp with a cotangent"
        )
    if dt.kind != "f":
        raise TypeError(
            f"{where}: f returned {_describe(out)}; a gradient is defined for a floating-point "
            f"output (an integer or boolean result is piecewise constant)"
        )
    if _r.ndim(out) != 0 and _size(_r.shape(out)) != 1:
        raise TypeError(
            f"{where}: f must return a scalar, got an output of shape {_r.shape(out)}; "
            f"use gpuad.vjp or gpuad.jacrev for non-scalar outputs"
        )


def _check_not_none(out, where: str) -> None:
    """A differentiated function that returns None has most likely lost its return."""
    if out is None:
        raise TypeError(f"{where}: f returned None; did f forget its return statement? It "
                        f"must return an array or a pytree (tuples, lists, dicts) of arrays")


def _check_outputs(leaves, where: str, floating: bool = False) -> None:
    """Every leaf of a differentiated function's output must be an array (a floating-point one
    for Jacobians)."""
    for i, o in enumerate(leaves):
        if not _is_value(o):
            hint = " or pass has_aux=True" if where == "vjp" else ""
            raise TypeError(
                f"{where}: f must return an array or a pytree (tuples, lists, dicts) of arrays, "
                f"but output leaf {i} is {_describe(o)}; return other values outside f{hint}"
            )
        if floating and _dtype(o).kind not in "fc":
            raise TypeError(
                f"{where}: output leaf {i} is {_describe(o)}; a Jacobian is defined for "
                f"floating-point outputs (an integer or boolean result is piecewise constant)"
            )


def _prepare(args, argnums, where, allow_int=False, holomorphic=False):
    nums = _argnums(argnums, len(args), where)
    args = list(args)
    trees = {}
    for k in nums:
        a = args[k]
        if a.__class__ is _np.ndarray and a.dtype.kind in "fc" and not holomorphic and \
                get_backend().array_type is _np.ndarray:
            # a NumPy array on the NumPy backend: one leaf, its target made directly
            t = Tensor(a, requires_grad=True)
            trees[k] = ([t], ())
            args[k] = t
            continue
        leaves, tdef = tree_flatten(a)
        targets = []
        passed = None  # what f receives, where it differs from the targets (allow_int)
        for i, leaf in enumerate(leaves):
            leaf = _asarray(leaf, where)
            if allow_int and _dtype(leaf).kind in "biu":
                passed = passed or list(targets)
                passed.append(leaf)
                targets.append(_IntInput(leaf))  # no target: its gradient is a float0 zero
                continue
            _float_check(leaf, where, k if len(leaves) == 1 else i)
            if holomorphic:
                _holomorphic_input(leaf, where)
            targets.append(_target(leaf))
            if passed is not None:
                passed.append(targets[-1])
        trees[k] = (targets, tdef)
        args[k] = tree_unflatten(tdef, targets if passed is None else passed)
    return args, nums, trees


def _argnums(argnums, nargs: int, where: str) -> tuple:
    """``argnums`` as a tuple of argument positions, checked against the call."""
    if argnums.__class__ is int and -nargs <= argnums < nargs:
        return (argnums,)
    nums = (argnums,) if isinstance(argnums, int | _np.integer) else argnums
    try:
        if isinstance(nums, str | bytes) or any(isinstance(k, bool) for k in nums):
            raise TypeError
        nums = tuple(operator.index(k) for k in nums)
    except TypeError:
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}"
                        ) from None
    for k in nums:
        if not -nargs <= k < nargs:
            raise TypeError(f"{where}: argnums={argnums} but only {nargs} arguments given")
    if not nums and where != "vjp":
        raise ValueError(f"{where}: argnums must be non-empty (an int or a tuple of ints)")
    if len({k % nargs for k in nums}) != len(nums):
        raise ValueError(f"{where}: argnums={argnums} names an argument twice; argnums must "
                         f"be unique (negative positions count from the end)")
    return tuple(nums)


def _zeros_for(t: Tensor):
    # one example's zeros, the same for every example: a value made here, not batched over the
    # enclosing vmap levels (a jit inside vmap would read a batched one as a closure)
    d = t._data if t._bat is None else t._data[(0,) * len(t._bat)]
    return _r._xp(t).zeros(d.shape, d.dtype)


def _gradients(out_leaves, cots, trees, nums, where, memo=None, record=True):
    """The gradients of ``out_leaves`` (cotangents ``cots``) at the targets; ``record=False``
    (the caller runs under no_grad): no outer reverse-mode transform sees them."""
    memo = {} if memo is None else memo
    everything = [t for k in nums for t in trees[k][0]]
    tgt_tensors = [t for t in everything if isinstance(t, Tensor)]
    nodes = [edge_of(t) for t in tgt_tensors]
    tracked = [o for o in out_leaves if isinstance(o, Tensor) and o.requires_grad]
    # a recorded cotangent (vjp_fn called inside an outer transform) makes the result depend
    # on it, so the sweep must be recorded even where the outputs depend on nothing outside
    create = record and (_outer_dependency(tracked, nodes, memo) or any(
        isinstance(c, Tensor) and c.requires_grad for c in cots))
    if not create:
        tangents = [t for t in tracked + tgt_tensors if t._tan]
        if tangents:
            private = set(nodes)
            create = any(_outer_tangent(t, private, memo) for t in tangents)
    res = {}
    if tracked:
        pairs = [(o, c) for o, c in zip(out_leaves, cots, strict=True)
                 if isinstance(o, Tensor) and o.requires_grad]
        # without an outer dependency every leaf reached is a target, so every step is needed
        prune = create or not all(isinstance(n, LeafNode) for n in nodes)
        res = run_backward([p[0] for p in pairs], [p[1] for p in pairs], targets=nodes,
                           retain_graph=True, create_graph=create, prune=prune)
    grads = []
    for t, n in zip(tgt_tensors, nodes, strict=True):
        g = res.get(n)
        g = _result(g) if g is not None else _zeros_for(t)
        if g.__class__ is not Tensor and 0 in getattr(g, "strides", ()) and g.size > 1 \
                and getattr(g.flags, "writeable", True):
            # a writable broadcast (sum's seed, on CuPy): a write into one element would write
            # all; NumPy's are read-only, kept so (a copy costs a third of grad(sum) at 1e5)
            g = _r._xp(g).ascontiguousarray(g)
        grads.append(g if record else _untracked(g))
    if len(tgt_tensors) < len(everything):  # integer inputs (allow_int): float0 zeros
        it = iter(grads)
        grads = [next(it) if isinstance(t, Tensor) else _float0_zeros(t.value)
                 for t in everything]
    out = []
    i = 0
    for k in nums:
        targets, tdef = trees[k]
        out.append(tree_unflatten(tdef, grads[i:i + len(targets)]))
        i += len(targets)
    return out


def _untracked(x):
    """``x`` cut from the reverse-mode tape (its tangents and vmap levels kept): what a
    transform called under no_grad hands back, as in torch.func."""
    if not (isinstance(x, Tensor) and x.requires_grad):
        return x
    tan = {k: _untracked(v) for k, v in x._tan.items()} if x._tan else None
    if tan or x._bat is not None:
        return Tensor(x._data, _tan=tan, _ver=x._ver, _bat=x._bat)
    return x._data


def _report_reads(roots, private, start: int) -> None:
    """Inside a checkpointed block's unrecorded pass (``collect`` set, grad mode off), a
    transform records its own function all the same; the tracked values from outside that this
    recording reads (steps before ``start``, live leaves other than the ``private`` fresh
    targets) are told to the block, which differentiates through them when it recomputes."""
    collect = _state.local.collect
    if collect is None:
        return
    stack = [edge_of(r) for r in roots if isinstance(r, Tensor) and r.requires_grad]
    seen = set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if n.__class__ is LeafNode:
            if n not in private and n.ref() is not None and n not in _FINISHED:
                collect[n] = n
        elif n.seq < start:
            collect[n] = n
        else:
            stack.extend(n.edges)


@contextlib.contextmanager
def _sweep_reads_untold():
    """Inside a checkpointed block's unrecorded pass, the tracked values an unrecorded sweep's
    operations read (this transform's own targets and steps, met by batched vjp rules) are not
    the block's inputs: :func:`_report_reads` tells the block the ones from outside."""
    collect = _state.local.collect
    if collect is None:
        yield
        return
    before = set(collect)
    try:
        yield
    finally:
        for n in [n for n in collect if n not in before]:
            del collect[n]


def _unshared_tree(tree, args, kwargs):
    """``tree`` with each leaf that views an argument Tensor's memory past its version
    counter copied (see :mod:`gpuad._unshare`)."""
    from ._unshare import arrays_of, unshare

    mine = arrays_of(tree_flatten((args, kwargs))[0])
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [unshare(x, mine, raw_args=False) for x in leaves])


def _untracked_tree(tree):
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [_untracked(x) for x in leaves])


def _outer_tangent(t, private, memo) -> bool:
    """Whether a tangent carried by ``t`` (at any depth) depends on a tracked value other
    than the ``private`` targets (an outer reverse transform differentiates it): the sweep's
    tangent arithmetic must then be recorded too."""
    if not t._tan:
        return False
    for v in t._tan.values():
        if not isinstance(v, Tensor):
            continue
        if v.requires_grad and _reaches_outside(edge_of(v), private, memo):
            return True
        if _outer_tangent(v, private, memo):
            return True
    return False


def _private(trees, nums) -> set:
    """The nodes of one call's own differentiation targets."""
    return {edge_of(t) for k in nums for t in trees[k][0] if isinstance(t, Tensor)}


#: JAX's dtype of the gradient of an integer or boolean input (``allow_int=True``): zero-size
#: elements, so such a gradient holds no numbers and takes part in no arithmetic
float0 = _np.dtype([("float0", _np.void, 0)])


class _IntInput:
    """An integer or boolean input of ``grad(allow_int=True)``, which has no target."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _float0_zeros(x):
    """The gradient of integer value ``x``: a host array of dtype ``float0`` of its shape."""
    return _np.zeros(_r.shape(x), dtype=float0)


def _holomorphic_input(x, where: str) -> None:
    dt = _dtype(x)
    if dt.kind != "c":
        raise TypeError(f"{where} with holomorphic=True requires inputs with complex dtype, "
                        f"but got {dt}; make the input complex (x + 0j) or drop holomorphic")


def _holomorphic_output(out, where: str) -> None:
    dt = _dtype(out)
    if dt.kind != "c":
        raise TypeError(f"{where} with holomorphic=True requires outputs with complex dtype, "
                        f"but got {dt}")


def _conj(x):
    """``conj(x)``, recorded when ``x`` is a Tensor."""
    if isinstance(x, Tensor):
        from .numpy import conj

        return conj(x)
    xp = _r._xp(x)
    return xp.asarray(xp.conj(x))  # a 0-d array stays an array


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0,
                   has_aux: bool = False, holomorphic: bool = False,
                   allow_int: bool = False) -> Callable:
    """``f``'s value and its gradient with respect to the ``argnums`` arguments.

    ``f`` must return one real scalar (or, with ``has_aux=True``, a pair ``(scalar, aux)``).
    The value, the gradient and the aux come back as backend arrays, keeping no tape alive,
    unless an enclosing transform differentiates them.

    ``holomorphic=True`` (as in JAX): ``f`` maps complex inputs to a complex scalar and the
    result is its complex derivative ``f'(z)``. ``allow_int=True``: integer and boolean
    arguments get a gradient of zeros of dtype :data:`float0` (as ``jax.grad``) instead of
    an error.

    Example::

        val, g = gpuad.value_and_grad(lambda x: gnp.sum(x ** 2))(np.ones(3))
    """

    single = _single(argnums)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        local = _state.local  # grad mode on for the call (as _state.enable_grad(), cheaper)
        prev = local.grad_enabled
        local.grad_enabled = True
        start = next(_state.seq) if not prev else 0
        try:
            new_args, nums, trees = _prepare(args, argnums, "grad", allow_int, holomorphic)
            local.tr_depth = getattr(local, "tr_depth", 0) + 1  # autograd.functional reads it
            try:
                out = f(*new_args, **kwargs)
            finally:
                local.tr_depth -= 1
            aux = None
            if has_aux:
                if not (isinstance(out, tuple | list) and len(out) == 2):
                    raise TypeError(
                        f"grad(has_aux=True): f must return a pair (loss, aux), but it returned "
                        f"{_describe(out)}"
                    )
                out, aux = out
            d = out._data if out.__class__ is Tensor and out._bat is None else None
            if holomorphic:
                _holomorphic_output(out, "grad")
                if _r.ndim(out) != 0 and _size(_r.shape(out)) != 1:
                    _check_loss(out, "grad", has_aux)  # the error for a non-scalar output
            elif d is None or d.dtype.kind != "f" or d.size != 1:  # else a real scalar: fine
                _check_loss(out, "grad", has_aux)
            out = current(out)
            seed = None
            if isinstance(out, Tensor):
                seed = _r._xp(out).ones(out._data.shape, out._data.dtype)
                if out._bat is not None:
                    seed = Tensor(seed, _bat=out._bat)
            memo: dict = {}
            with _sweep_reads_untold():
                g = _gradients([out], [seed], trees, nums, "grad", memo, record=prev)
            if holomorphic:  # the vjp of cotangent 1 is conj(f'(z)) (docs/semantics.md)
                g = [_tree_conj(x) for x in g]
            g = g[0] if single else tuple(g)
            private = _private(trees, nums)
            value = _result(out, private, memo)
            _FINISHED.update(n for n in private if isinstance(n, LeafNode))
            if not prev:  # called under no_grad: the results are constants outside
                _report_reads([out] + tree_flatten(aux)[0], private, start)
                value = _untracked(value)
            if has_aux:
                aux = _tree_result(aux, private, memo)
                aux = _unshared_tree(_untracked_tree(aux) if not prev else aux, args, kwargs)
                return (value, aux), g
        finally:
            local.grad_enabled = prev
        return value, g

    return wrapped


def _tree_conj(tree):
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [x if _dtype(x) == float0 else _conj(x) for x in leaves])


def _tree_result(tree, private=None, memo=None):
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [_result(current(x), private, memo) for x in leaves])


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """The gradient of scalar-valued ``f`` with respect to argument(s) ``argnums``.

    ``f`` must return one real scalar; a function returning a tuple, list, dict or None is an
    error (pass ``has_aux=True`` when it returns ``(loss, aux)``). A constant output (an array
    that does not depend on the inputs) has a zero gradient. ``holomorphic`` and
    ``allow_int`` as in :func:`value_and_grad`.

    Example::

        df = gpuad.grad(lambda x: gnp.sin(x) * x)
        df(1.0)  # cos(1) + sin(1)
    """
    vg = value_and_grad(f, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        (value, aux), g = vg(*args, **kwargs) if has_aux else ((None, None), vg(*args, **kwargs)[1])
        return (g, aux) if has_aux else g

    return wrapped


def vjp(f: Callable, *primals: Any, has_aux: bool = False):
    """``(f(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` returns one cotangent per primal.

    ``f`` returns an array or a pytree of arrays; with ``has_aux=True`` a pair ``(out, aux)``
    and ``vjp`` returns ``(out, vjp_fn, aux)``.

    Example::

        y, back = gpuad.vjp(gnp.sin, x)
        (gx,) = back(gnp.ones_like(y))
    """
    recording = _state.local.grad_enabled
    start = next(_state.seq)
    with _state.enable_grad():
        new_args, nums, trees = _prepare(primals, tuple(range(len(primals))), "vjp")
        local = _state.local
        local.tr_depth = getattr(local, "tr_depth", 0) + 1  # autograd.functional reads it
        try:
            out = f(*new_args)
        finally:
            local.tr_depth -= 1
        aux = None
        if has_aux:
            if not (isinstance(out, tuple | list) and len(out) == 2):
                raise TypeError(
                    f"vjp(has_aux=True): f must return a pair (out, aux), but it returned "
                    f"{_describe(out)}"
                )
            out, aux = out
    _check_not_none(out, "vjp")
    out_leaves, out_def = tree_flatten(out)
    _check_outputs(out_leaves, "vjp")
    out_leaves = [current(o) for o in out_leaves]

    def vjp_fn(*cotangents):
        if len(cotangents) != 1:  # (JAX and Python would name neither f nor the fix)
            raise TypeError(
                f"vjp: the function returned by vjp of {getattr(f, '__name__', 'f')} takes one "
                f"cotangent, with the structure of that function's output, but was called "
                f"with {len(cotangents)} arguments; for several outputs pass them as one "
                f"tuple: vjp_fn((ct1, ct2))")
        cotangent, = cotangents
        c_leaves, c_def = tree_flatten(cotangent)
        if len(c_leaves) != len(out_leaves) or _shape_of_tree(c_def) != _shape_of_tree(out_def):
            raise ValueError(
                f"vjp: the cotangent must have the output's structure; it is "
                f"{_describe(cotangent)} but the output is {_describe(out)}"
            )
        cots = []
        for o, c in zip(out_leaves, c_leaves, strict=True):
            if isinstance(o, Tensor) and o.requires_grad:
                cots.append(check_cotangent("vjp", o, c))
            else:  # a constant output: its cotangent reaches nothing
                if _r.shape(c) != _r.shape(o):
                    raise ValueError(
                        f"vjp: cotangent has shape {_r.shape(c)} but the output has shape "
                        f"{_r.shape(o)}"
                    )
                cots.append(c)
        record = _state.local.grad_enabled
        if not record:
            _report_reads(out_leaves + c_leaves, private, start)
        # during this sweep the targets are this call's own again: a block recomputed on the
        # way (checkpoint) that runs a transform must see them as variables, not constants
        mine = [n for n in private if n in _FINISHED]
        _FINISHED.difference_update(mine)
        try:
            with _state.enable_grad(), _sweep_reads_untold():
                g = _gradients(out_leaves, cots, trees, nums, "vjp", record=record)
        finally:
            _FINISHED.update(mine)
        # the cotangent's own array where f is the identity: a copy, so that a write into the
        # result does not change the cotangent past its version counter
        return tuple(_unshared_tree(tuple(g), cotangent, {}))

    private, memo = _private(trees, nums), {}
    primal_out = tree_unflatten(out_def, [_result(o, private, memo) for o in out_leaves])
    _FINISHED.update(n for n in private if isinstance(n, LeafNode))
    if has_aux:
        aux = _tree_result(aux, private, memo)
    if not recording:  # called under no_grad: the outputs are constants outside
        _report_reads(out_leaves + (tree_flatten(aux)[0] if has_aux else []), private, start)
        primal_out = _untracked_tree(primal_out)
        aux = _untracked_tree(aux) if has_aux else None
    primal_out = _unshared_tree(primal_out, primals, {})
    if has_aux:
        return primal_out, vjp_fn, _unshared_tree(aux, primals, {})
    return primal_out, vjp_fn


def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False):
    """Forward mode: ``(f(*primals), J_f(primals) @ tangents)``; with ``has_aux=True``, ``f``
    returns ``(out, aux)`` and ``jvp`` returns ``(out, tangent_out, aux)``.

    Example::

        y, t = gpuad.jvp(gnp.sin, (x,), (gnp.ones_like(x),))   # t == cos(x)
    """
    if not (isinstance(primals, tuple | list) and isinstance(tangents, tuple | list)):
        raise TypeError(
            f"jvp: primals and tangents must be tuples or lists (one entry per argument of f), "
            f"got {type(primals).__name__} and {type(tangents).__name__}; write "
            f"jvp(f, (x,), (t,)) for one argument")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    level = next(_state.levels)
    args = []
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        p_leaves, p_def = tree_flatten(p)
        t_leaves, t_def = tree_flatten(t)
        if len(p_leaves) != len(t_leaves) or _shape_of_tree(p_def) != _shape_of_tree(t_def):
            raise ValueError(
                f"jvp: primal {i} and its tangent have different structures: "
                f"{_describe(p)} and {_describe(t)}"
            )
        dual = []
        for pl, tl in zip(p_leaves, t_leaves, strict=True):
            pl = _asarray(pl, "jvp")
            _float_check(pl, "jvp", i)
            if _r.shape(tl) != _r.shape(pl):
                raise ValueError(
                    f"jvp: tangent of shape {_r.shape(tl)} for a primal of shape {_r.shape(pl)}"
                )
            if is_complex(tl) and not is_complex(pl):
                raise TypeError(
                    f"jvp: complex tangent ({_r.data(tl).dtype}) for the real primal {i}; a "
                    f"real variable has real tangents (make the primal complex to vary it "
                    f"off the real line)"
                )
            _tangent_dtype_check(pl, tl, i)
            tl = _asarray(tl, "jvp")
            if _dtype(tl) != _dtype(pl):  # the tangent space is the primal's: a tangent of
                tl = tl.astype(_dtype(pl))  # another precision (or a number) is cast to it
            dual.append(_with_tangent(pl, tl, level))
        args.append(tree_unflatten(p_def, dual))
    _ACTIVE_LEVELS.add(level)
    try:
        out = f(*args)
        if has_aux:
            if not (isinstance(out, tuple | list) and len(out) == 2):
                raise TypeError(f"jvp(has_aux=True): f must return a pair (out, aux), but it "
                                f"returned {_describe(out)}")
            out, aux = out
        _check_not_none(out, "jvp")
        o_leaves, o_def = tree_flatten(out)
        _check_outputs(o_leaves, "jvp")
        o_leaves = [current(o) for o in o_leaves]
        tans = []
        for o in o_leaves:
            t = o._tan.get(level) if isinstance(o, Tensor) and o._tan else None
            if isinstance(t, NoTangent):
                raise t.error("jvp's output")
            tans.append(t if t is not None else
                        _r._xp(o).zeros(_r.shape(o), dtype=_dtype(o)))
    finally:
        _ACTIVE_LEVELS.discard(level)
    # this call's level is finished: _result drops it from the primals and the tangents
    prim = [_result(o) for o in o_leaves]
    tans = [_result(t) for t in tans]
    tans = [_np.asarray(t) if isinstance(t, _np.generic) else t for t in tans]  # 0-d
    prim = _unshared_tree(tree_unflatten(o_def, prim), (primals, tangents), {})
    # a tangent can be an argument's array (f the identity): a write into it would change the
    # argument past its version counter
    tans = _unshared_tree(tree_unflatten(o_def, tans), (primals, tangents), {})
    if has_aux:
        return prim, tans, _unshared_tree(_tree_result(aux), (primals, tangents), {})
    return prim, tans


def _tangent_dtype_check(p, t, i: int) -> None:
    """An array tangent is floating point like its primal (JAX and torch refuse an integer
    or boolean one); another float precision is taken in the primal's. A Python number is
    taken as it is."""
    if isinstance(t, float | int) or not hasattr(t, "dtype"):
        return
    td = _dtype(t)
    if td.kind not in "fc":
        raise TypeError(
            f"jvp: primal {i} has dtype {_dtype(p)} but its tangent has dtype {td}; a tangent "
            f"must be floating point like its primal (cast it with .astype({_dtype(p)}))")


def _with_tangent(p, t, level):
    if isinstance(p, Tensor):
        tan = dict(p._tan) if p._tan else {}
        tan[level] = t
        return Tensor(p._data, _node=edge_of(p) if p.requires_grad else None, _tan=tan,
                      _ver=p._ver, _bat=p._bat)
    if isinstance(t, Tensor) and not (t.requires_grad or t._tan) and t._bat is None:
        t = t.data
    return Tensor(p, _tan={level: t})


def _no_complex(where: str, values) -> None:
    """Jacobians are of real maps: one of complex values has a z and a conj(z) part."""
    if any(is_complex(v) for v in values):
        raise TypeError(
            f"{where}: complex inputs{' or outputs' if where == 'jacrev' else ''} have no "
            f"single Jacobian (it has a z and a conj(z) part); for a holomorphic f pass "
            f"holomorphic=True (gpuad.{where}(f, holomorphic=True) gives f'(z)), else pass real "
            f"and imaginary parts as separate real arguments, or use gpuad.vjp / gpuad.jvp, "
            f"which follow the convention of docs/semantics.md"
        )


def _single(argnums):
    return isinstance(argnums, int | _np.integer)


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _assemble(out_def, per_out, argnums, in_defs):
    """Jacobian pytree: the output's structure outside, the inputs' (per argnum) inside."""
    leaves = []
    for blocks in per_out:
        trees = [tree_unflatten(d, b) for d, b in zip(in_defs, blocks, strict=True)]
        leaves.append(trees[0] if _single(argnums) else tuple(trees))
    return tree_unflatten(out_def, leaves)


def _basis(xp, shape, dtype, lo: int, hi: int):
    """Rows ``lo:hi`` of the identity on the elements of ``shape``: ``(hi - lo, *shape)``."""
    n = _size(shape)
    e = xp.zeros((hi - lo, n), dtype=dtype)
    if hi > lo:
        e[xp.arange(hi - lo), xp.arange(lo, hi)] = 1
    return e.reshape((hi - lo,) + tuple(shape))


def _chunks(n: int, chunk_size: int | None):
    if chunk_size is not None and (not isinstance(chunk_size, int | _np.integer)
                                   or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size!r}")
    step = n if chunk_size is None else int(chunk_size)
    return [(lo, min(n, lo + step)) for lo in range(0, n, max(step, 1))]


def _batched_or_loop(fn, batch, axes, where: str, out_axes=0):
    """``vmap(fn, in_axes=(axes,), out_axes=out_axes)(batch)``; where a derivative formula on
    the way needs one array per example (Python control flow on values), the same rows one
    call at a time. ``out_axes``: 0, or per entry of the returned tuple 0 or None."""
    from .batching.api import vmap
    from .tensor import BatchedValueError

    n = next(_r.shape(b)[0] for b, a in zip(batch, axes, strict=True) if a is not None)
    if n == 1:  # one row (chunk_size=1): a plain call, with no batching rule on the way
        row = fn([b[0] if a is not None else b for b, a in zip(batch, axes, strict=True)])
        if out_axes != 0:
            return tuple(row[k] if ax is None else _batched_rows([row[k]])
                         for k, ax in enumerate(out_axes))
        return _batched_rows([row])
    try:
        return vmap(fn, in_axes=(axes,), out_axes=out_axes)(batch)
    except BatchedValueError as e:
        if where not in _LOOPED:
            _LOOPED.add(where)
            warnings.warn(f"{where}: a derivative formula on the way cannot run batched ({e}); "
                          f"computing the rows one sweep at a time", stacklevel=3)
    rows = [fn([b[i] if a is not None else b for b, a in zip(batch, axes, strict=True)])
            for i in range(n)]
    if out_axes != 0:
        return tuple(rows[0][k] if ax is None else
                     _batched_rows([r[k] for r in rows]) for k, ax in enumerate(out_axes))
    return _batched_rows(rows)


def _batched_rows(rows):
    flat = [tree_flatten(r) for r in rows]
    tdef = flat[0][1]
    cols = [_stack_rows([f[0][k] for f in flat]) for k in range(len(flat[0][0]))]
    return tree_unflatten(tdef, cols)


_LOOPED: set[str] = set()


def _stack_rows(parts):
    from .numpy import stack

    if any(isinstance(p, Tensor) for p in parts):
        return stack(parts, 0)
    return _r._xp(parts[0]).stack(parts, 0)


def _concat_rows(parts):
    from .numpy import concatenate

    if len(parts) == 1:
        return parts[0]
    if any(isinstance(p, Tensor) for p in parts):
        return concatenate(parts, 0)
    return _r._xp(parts[0]).concatenate(parts, 0)


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           chunk_size: int | None = None, holomorphic: bool = False) -> Callable:
    """Jacobian by reverse mode: the vjp, vmapped over the rows of the identity (one batched
    sweep; ``chunk_size`` rows at a time bounds the memory, as in torch.func).

    For array input and output the result has shape ``out.shape + x.shape``; with pytrees it is
    the output's structure holding, per leaf, the inputs' structure (as ``jax.jacrev``). With
    ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is ``(jacobian, aux)``.
    Keyword arguments are passed to ``f`` and not differentiated. ``holomorphic=True`` (as in
    JAX): complex inputs and outputs, and the result holds the complex derivatives.

    Example: ``gpuad.jacrev(lambda x: gnp.sin(x) * x[0])(np.ones(3))`` has shape (3, 3).
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        nums = _argnums(argnums, len(args), "jacrev")
        fixed = list(args)
        if holomorphic:
            for k in nums:
                for x in tree_flatten(args[k])[0]:
                    _holomorphic_input(_asarray(x, "jacrev"), "jacrev")

        def g(*xs):
            a = list(fixed)
            for k, x in zip(nums, xs, strict=True):
                a[k] = x
            return f(*a, **kwargs)

        if has_aux:
            out, back, aux = vjp(g, *[args[k] for k in nums], has_aux=True)
        else:
            out, back = vjp(g, *[args[k] for k in nums])
        o_leaves, o_def = tree_flatten(out)
        _check_outputs(o_leaves, "jacrev", floating=True)
        # a Python number returned by f is a constant array (its Jacobian is zero)
        o_leaves = [o if hasattr(o, "dtype") else get_backend().xp.asarray(o) for o in o_leaves]
        if holomorphic:
            for o in o_leaves:
                _holomorphic_output(o, "jacrev")
        else:
            _no_complex("jacrev", [x for k in nums for x in tree_flatten(args[k])[0]] + o_leaves)
        in_leaves = [tree_flatten(args[k]) for k in nums]
        xp = _r._xp(o_leaves[0]) if o_leaves else get_backend().xp
        per_out = []
        for oi, o in enumerate(o_leaves):
            oshape, dt = tuple(_r.shape(o)), _dtype(o)
            m = _size(oshape)
            blocks = [[[] for _ in leaves] for leaves, _ in in_leaves]
            for lo, hi in _chunks(m, chunk_size):
                cot = [xp.zeros(_r.shape(p), dtype=_dtype(p)) for p in o_leaves]
                cot[oi] = _basis(xp, oshape, dt, lo, hi)
                axes = [0 if i == oi else None for i in range(len(o_leaves))]
                rows = _batched_or_loop(lambda c: back(tree_unflatten(o_def, c)), cot, axes,
                                        "jacrev")
                for k, gk in enumerate(rows):
                    for li, leaf in enumerate(tree_flatten(gk)[0]):
                        blocks[k][li].append(leaf)
            per_out.append([[_jac_block(b, oshape, _r.shape(x), dt, xp, conj=holomorphic)
                             for b, x in zip(blocks[k], leaves, strict=True)]
                            for k, (leaves, _) in enumerate(in_leaves)])
        jac = _assemble(o_def, per_out, argnums, [d for _, d in in_leaves])
        return (jac, aux) if has_aux else jac

    return wrapped


def _jac_block(parts, out_shape, in_shape, dtype, xp, columns=False, conj=False):
    """One Jacobian block of shape ``out_shape + in_shape`` from chunks of rows (each
    ``(rows, *in_shape)``) or of columns (each ``(cols, *out_shape)``); ``conj``: of the
    rows' conjugates (holomorphic: a vjp of a real basis vector is conj(f'(z)) there)."""
    full = tuple(out_shape) + tuple(in_shape)
    if not parts or _size(full) == 0:
        return xp.zeros(full, dtype=dtype)
    j = _concat_rows(parts)
    if conj:
        j = _conj(j)
    if columns:  # (n_in, *out) -> (*out, n_in)
        nd = len(out_shape)
        j = _r.transpose(j, tuple(range(1, nd + 1)) + (0,)) if nd else j
    return _result(_r.reshape(j, full))


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           chunk_size: int | None = None, holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: the jvp, vmapped over the columns of the identity (one
    batched sweep; ``chunk_size`` columns at a time bounds the memory).

    For array input and output the result has shape ``out.shape + x.shape``; pytrees and
    ``has_aux``, keyword arguments and ``holomorphic`` as in :func:`jacrev`.

    Example: ``gpuad.jacfwd(lambda x: gnp.sin(x) * x[0])(np.ones(3))`` has shape (3, 3).
    """

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if kwargs:
            return jacfwd(functools.partial(f, **kwargs), argnums, has_aux, chunk_size,
                          holomorphic)(*args)
        if has_aux:
            box: list = []

            def main(*a):
                pair = f(*a)
                if not (isinstance(pair, tuple | list) and len(pair) == 2):
                    raise TypeError(
                        f"jacfwd(has_aux=True): f must return a pair (out, aux), but it "
                        f"returned {_describe(pair)}")
                box[:] = [pair[1]]
                return pair[0]

            jac = jacfwd(main, argnums, chunk_size=chunk_size, holomorphic=holomorphic)(*args)
            if not box:  # no input elements: f was not called by a jvp
                main(*args)
            return jac, _tree_result(box[0])
        nums = _argnums(argnums, len(args), "jacfwd")
        in_defs, in_leaves = [], []
        for k in nums:
            leaves, tdef = tree_flatten(args[k])
            leaves = [_asarray(x, "jacfwd") for x in leaves]
            for x in leaves:
                _float_check(x, "jacfwd", k)
                if holomorphic:
                    _holomorphic_input(x, "jacfwd")
            if not holomorphic:
                _no_complex("jacfwd", leaves)
            in_defs.append(tdef)
            in_leaves.append(leaves)
        o_def = None
        o_shapes: list = []
        cols: list = []  # [k][li] -> per output leaf, the chunks of columns
        for k, (leaves, tdef) in enumerate(zip(in_leaves, in_defs, strict=True)):

            def g(v, k=k):
                a = list(args)
                a[nums[k]] = v
                return f(*a)

            per_leaf = []
            for li, x in enumerate(leaves):
                xs, xdt = tuple(_r.shape(x)), _dtype(x)
                xp = _r._xp(x)
                found: list = []
                for lo, hi in _chunks(_size(xs), chunk_size):
                    tans = [xp.zeros(_r.shape(v), dtype=_dtype(v)) for v in leaves]
                    tans[li] = _basis(xp, xs, xdt, lo, hi)
                    axes = [0 if i == li else None for i in range(len(leaves))]
                    primal = tree_unflatten(tdef, leaves)
                    y, t = _batched_or_loop(lambda tv, g=g, primal=primal, tdef=tdef: jvp(
                        g, (primal,), (tree_unflatten(tdef, tv),)), tans, axes, "jacfwd",
                        out_axes=(None, 0))
                    y_leaves, o_def = tree_flatten(y)
                    _check_outputs(y_leaves, "jacfwd", floating=True)
                    if holomorphic:
                        for v in y_leaves:
                            _holomorphic_output(v, "jacfwd")
                    o_shapes = [(_r.shape(v), _dtype(v)) for v in y_leaves]
                    found.append(tree_flatten(t)[0])
                per_leaf.append(found)
            cols.append(per_leaf)
        if o_def is None:  # every input was empty: evaluate once for the output's structure
            y_leaves, o_def = tree_flatten(f(*args))
            _check_outputs(y_leaves, "jacfwd", floating=True)
            o_shapes = [(_r.shape(v), _dtype(v)) for v in y_leaves]
        per_out = []
        for oi, (oshape, odt) in enumerate(o_shapes):
            blocks = []
            for k, leaves in enumerate(in_leaves):
                blocks.append([_jac_block([c[oi] for c in cols[k][li]], oshape, _r.shape(x),
                                          odt, _r._xp(x), columns=True)
                               for li, x in enumerate(leaves)])
            per_out.append(blocks)
        return _assemble(o_def, per_out, argnums, in_defs)

    return wrapped


jacobian = jacrev


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            chunk_size: int | None = None, holomorphic: bool = False) -> Callable:
    """Hessian of scalar ``f``: forward-over-reverse, ``jacfwd(jacrev(f))``. With several
    ``argnums`` or pytree arguments the blocks are nested as in ``jax.hessian``; with
    ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is ``(hessian, aux)``.
    Keyword arguments and ``holomorphic`` as in :func:`jacrev`.

    Example: ``gpuad.hessian(lambda x: gnp.sum(x ** 3))(x)`` is ``diag(6 x)``.
    """
    return jacfwd(jacrev(f, argnums, has_aux, chunk_size, holomorphic), argnums, has_aux,
                  chunk_size, holomorphic)


def hvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any]):
    """``(f(*primals), H v)``: the Hessian of scalar ``f`` times the tangents, by forward over
    reverse mode (one sweep of each, no Hessian is formed). With several primals ``H v`` is a
    tuple, one entry per primal.

    Example: ``val, hv = gpuad.hvp(lambda x: gnp.sum(x ** 3), (x,), (v,))``  # hv == 6 x v
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    (value, _), (_, hv) = jvp(value_and_grad(f, argnums=nums), primals, tangents)
    return value, (hv[0] if len(primals) == 1 else tuple(hv))


def linearize(f: Callable, *primals: Any, has_aux: bool = False):
    """``(f(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the Jacobian of ``f`` at
    ``primals`` applied to the tangents (each call runs one forward-mode sweep). With
    ``has_aux=True``, ``f`` returns ``(out, aux)`` and the result is ``(out, f_jvp, aux)``.

    Example: ``y, f_jvp = gpuad.linearize(gnp.sin, x); f_jvp(v)``  # cos(x) * v
    """
    zeros = tuple(_zeros_like_primal(p) for p in primals)
    res = jvp(f, primals, zeros, has_aux=has_aux)
    body = (lambda *a: f(*a)[0]) if has_aux else f

    def f_jvp(*tangents):
        if len(tangents) != len(primals):
            raise TypeError(f"linearize: f_jvp takes {len(primals)} tangents, got "
                            f"{len(tangents)}")
        return jvp(body, primals, tangents)[1]

    return (res[0], f_jvp, res[2]) if has_aux else (res[0], f_jvp)


def _zeros_like_primal(p):
    leaves, tdef = tree_flatten(p)
    zs = []
    for x in leaves:
        x = _asarray(x, "linearize")
        zs.append(_r._xp(x).zeros(_r.shape(x), dtype=_dtype(x)))
    return tree_unflatten(tdef, zs)


__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian",
           "hvp", "linearize", "float0",
           "GradError"]
