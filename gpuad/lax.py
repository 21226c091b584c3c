"""Structured control flow with ``jax.lax``'s names: loops and branches over pytrees.

gpuad runs eagerly, so each function here means its Python loop or ``if``: the body runs as
ordinary gpuad code, its operations are recorded one by one, and ``grad``, ``jvp``, ``vmap``
and ``checkpoint`` differentiate through it exactly (``while_loop`` included, which JAX can
only differentiate in forward mode). What the functions add over a bare Python loop is JAX's
contract, so that a ported program keeps its meaning:

- a loop carry keeps its pytree structure, shapes and dtypes from one step to the next: a body
  that changes them raises ``TypeError`` naming the leaf and both types. A Python int, float or
  complex in the initial carry adopts the dtype of the body's output, as JAX's weakly typed
  values do (``scan`` runs its first step from the promoted carry); one the body returns must
  be of the carry's own dtype (int64, float64, complex128); a Python bool is a bool;
- inside ``gpuad.vmap`` a predicate that differs from example to example is handled as JAX's
  batched rules do: ``cond`` and ``switch`` run every branch and select per example;
  ``while_loop`` runs until every example is done, freezing the carries of the finished ones;
- inside ``gpuad.jit`` loops with Python-int trip counts are traced (unrolled); ``cond`` and
  ``switch`` on a traced predicate run every branch and select, so a branch must be safe on
  inputs meant for the other one, as with ``gnp.where``; a ``while_loop`` whose predicate
  depends on the arguments is one step of the program running the loop on each call's values
  (:mod:`gpuad.jit.loops`: forward mode only, as in JAX).

Example::

    from gpuad import lax
    import gpuad.numpy as gnp

    def rnn(h, xs, W, U):
        step = lambda h, x: (gnp.tanh(W @ h + U @ x),) * 2
        return lax.scan(step, h, xs)          # (last state, all states stacked)
"""

from __future__ import annotations

import builtins
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from ._raw import shape as _shape
from .tensor import Tensor
from .tree import _REGISTRY, _custom, tree_flatten, tree_unflatten

__all__ = ["fori_loop", "while_loop", "scan", "cond", "switch", "select", "map"]

_PY_SCALARS = (bool, int, float, complex)
_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


# ---- predicates: batched (vmap), traced (jit) or a plain value -------------------------------

def _batched(x) -> bool:
    return isinstance(x, Tensor) and x._bat is not None


def _traced(x) -> bool:
    """True for a value ``gpuad.jit`` is tracing whose value depends on the arguments."""
    from .jit import trace

    tr = trace.active()
    if tr is None:
        return False
    d = x._data if isinstance(x, Tensor) else x
    return tr.is_array(d) and tr.dyn(d)


def _scalar_pred(p, fn: str, what: str):
    """``p`` checked to be a scalar predicate (a Python number or a 0-d array)."""
    if isinstance(p, _PY_SCALARS) or isinstance(p, _np.generic):
        return p
    if not hasattr(p, "dtype"):
        raise TypeError(f"{fn}: {what} must be a bool or a 0-d array, got {type(p).__name__}")
    if _shape(p) != ():
        raise TypeError(f"{fn}: {what} must be a scalar (shape ()), got shape {_shape(p)}; "
                        f"reduce it (gnp.all, gnp.any) or use gnp.where for an elementwise "
                        f"choice")
    if p.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: {what} must be boolean or a real number, got dtype {p.dtype}")
    return p


def _callable(fn: str, **funs: Any) -> None:
    for name, f in funs.items():
        if not callable(f):
            raise TypeError(f"{fn}: {name} must be callable, got {type(f).__name__}")


def _as_bool(p):
    """A traced or batched predicate as a boolean array (``p != 0`` for a number)."""
    if getattr(p, "dtype", None) is not None and p.dtype.kind == "b":
        return p
    return p != 0


# ---- carry checks ------------------------------------------------------------------------------

def _paths(tree: Any, prefix: str, out: list) -> None:
    """Names of ``tree``'s leaves (``carry[0]['h']``), in ``tree_flatten``'s order."""
    if isinstance(tree, tuple | list):
        for i, c in enumerate(tree):
            _paths(c, f"{prefix}[{i}]", out)
    elif isinstance(tree, dict):
        keys = list(tree) if isinstance(tree, OrderedDict) else sorted(tree)
        for k in keys:
            _paths(tree[k], f"{prefix}[{k!r}]", out)
    elif tree is None:
        return
    elif _REGISTRY and tree.__class__ in _REGISTRY:
        _, kids = _custom(tree)
        for i, c in enumerate(kids):
            _paths(c, f"{prefix}.<{tree.__class__.__name__} child {i}>", out)
    else:
        out.append(prefix)


def _aval(x) -> tuple:
    """(shape, dtype or None, weak kind or None) of one leaf: a Python int, float or complex
    is weakly typed; a Python bool is not (as in JAX, it is a bool and only a bool)."""
    if isinstance(x, bool):
        return (), _np.dtype(bool), None
    if isinstance(x, _PY_SCALARS):
        kind = "i" if isinstance(x, int) else "f" if isinstance(x, float) else "c"
        return (), None, kind
    dt = getattr(x, "dtype", None)
    if dt is None:
        raise TypeError(f"a loop carry holds a {type(x).__name__}: its leaves must be arrays, "
                        f"Tensors or Python numbers")
    return _shape(x), _np.dtype(dt), None


def _fmt(av: tuple) -> str:
    shp, dt, weak = av
    dims = ",".join(str(d) for d in shp)
    if weak is not None:
        name = {"b": "bool", "i": "int", "f": "float", "c": "complex"}[weak]
        return f"Python {name} (weakly typed)[{dims}]"
    return f"{dt}[{dims}]"


def _compatible(ref: tuple, out: tuple) -> bool:
    if ref[0] != out[0]:
        return False
    if ref[2] is None and out[2] is None:
        return ref[1] == out[1]
    # a Python number (weak) takes the dtype of the other side where that does not narrow it
    if ref[2] is not None:
        return _KIND_ORDER[ref[2]] <= _KIND_ORDER[out[1].kind if out[2] is None else out[2]]
    return _KIND_ORDER[out[2]] <= _KIND_ORDER[ref[1].kind]


_WEAK_DEFAULT = {"i": _np.dtype(_np.int64), "f": _np.dtype(_np.float64),
                 "c": _np.dtype(_np.complex128)}


def _weak_replaces_strong(ref: tuple, out: tuple) -> bool:
    """A Python number returned where the carry (or the other branch) has a fixed dtype other
    than the number's own (float64, int64, complex128): JAX refuses it, and taking it would
    silently change the carry's dtype (a float32 carry becoming a Python float)."""
    return ref[2] is None and out[2] is not None and ref[1] != _WEAK_DEFAULT[out[2]]


def _check_same(fn: str, what_in: str, what_out: str, ref: Any, out: Any,
                name: str = "carry", sides: tuple[str, str] = ("the output", "the input")
                ) -> None:
    """``out`` has ``ref``'s pytree structure and per leaf its shape and dtype, or TypeError."""
    rl, rdef = tree_flatten(ref)
    ol, odef = tree_flatten(out)
    if rdef != odef:
        raise TypeError(
            f"{fn}: {what_out} has another pytree structure than {what_in}: "
            f"{_structure(out)} where it was {_structure(ref)}. Return the same containers "
            f"(tuples stay tuples, the same dict keys, the same number of entries)")
    paths: list = []
    _paths(ref, name, paths)
    for path, a, b in zip(paths, rl, ol, strict=True):
        ra, oa = _aval(a), _aval(b)
        if not _compatible(ra, oa) or _weak_replaces_strong(ra, oa):
            why = "shapes" if ra[0] != oa[0] else "dtypes"
            raise TypeError(
                f"{fn}: {what_out} and {what_in} must have equal types, but the leaf {path} "
                f"has type {_fmt(oa)} in {sides[0]} and {_fmt(ra)} in {sides[1]} (the {why} "
                f"differ). " + (
                    "A loop carry keeps its shapes and dtypes from step to step: cast the "
                    "output (x.astype(...)) or start from a carry of the final shape"
                    if name == "carry" else
                    "Every branch runs here and the results are selected per example: make "
                    "the branches return the same shapes and dtypes"))


def _structure(t: Any) -> str:
    return repr(tree_unflatten(tree_flatten(t)[1], ["*"] * len(tree_flatten(t)[0])))


def _where_tree(p, on_true: Any, on_false: Any) -> Any:
    from .numpy import where

    tl, tdef = tree_flatten(on_true)
    fl, _ = tree_flatten(on_false)
    return tree_unflatten(tdef, [where(p, a, b) for a, b in zip(tl, fl, strict=True)])


# ---- loops -------------------------------------------------------------------------------------

def _bound(b, what: str):
    """A fori_loop bound as a Python int, or the Tensor itself when it is batched."""
    if isinstance(b, bool):
        raise TypeError(f"fori_loop: {what} must be an integer, got a bool")
    if isinstance(b, int | _np.integer):
        return int(b)
    if _batched(b) or _traced(b):  # a loop of unknown trip count: a while_loop
        if _shape(b) != () or b.dtype.kind not in "iu":
            raise TypeError(f"fori_loop: {what} must be a scalar integer, got "
                            f"{b.dtype}{list(_shape(b))}")
        return b
    dt = getattr(b, "dtype", None)
    if dt is None or _np.dtype(dt).kind not in "iu" or _shape(b) != ():
        raise TypeError(f"fori_loop: {what} must be a scalar integer, got "
                        f"{getattr(b, 'dtype', type(b).__name__)}{list(_shape(b))}; for a "
                        f"counter that is not an integer use while_loop")
    return int(b)


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any,
              *, unroll: int | bool | None = None) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``.

    ``i`` is a Python int (a batched integer Tensor when a bound differs from example to
    example inside ``vmap``, a 0-d integer Tensor of the bounds' dtype when a bound is traced
    by ``jit``: the loop then runs as a ``while_loop``). ``unroll`` is
    accepted for JAX compatibility; gpuad runs (and ``jit`` traces) every step anyway.

    Example: ``fori_loop(0, n, lambda i, s: s + x[i], 0.0)`` is ``sum(x[:n])``.
    """
    _callable("fori_loop", body_fun=body_fun)
    lo, hi = _bound(lower, "lower"), _bound(upper, "upper")
    dl, du = getattr(lower, "dtype", None), getattr(upper, "dtype", None)
    if dl is not None and du is not None and _np.dtype(dl) != _np.dtype(du):
        raise TypeError(f"fori_loop: lower and upper must have equal dtypes (as JAX requires), "
                        f"got lower {_np.dtype(dl)} and upper {_np.dtype(du)}; cast one of them")
    if not isinstance(lo, int) or not isinstance(hi, int):
        from .numpy import asarray

        i0 = asarray(lo) if not isinstance(lo, int) else asarray(lo, dtype=hi.dtype)

        def body(c):
            i, v = c
            out = body_fun(i, v)
            _check_same("fori_loop", "the carry it received", "the carry body_fun returned",
                        v, out)
            return i + 1, out

        return while_loop(lambda c: c[0] < hi, body, (i0, init_val))[1]
    val = init_val
    for i in range(lo, hi):
        out = body_fun(i, val)
        _check_same("fori_loop", "the carry it received", "the carry body_fun returned",
                    val, out)
        val = out
    return val


def while_loop(cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any],
               init_val: Any) -> Any:
    """``while cond_fun(val): val = body_fun(val)``; returns ``val``.

    Inside ``vmap``, when ``cond_fun`` differs from example to example, the body runs until
    every example is done and a finished example's carry stays as it was (it takes no part in
    later steps, nor in their gradients). Inside ``jit`` a predicate that depends on the
    arguments makes the loop one step of the program (:mod:`gpuad.jit.loops`), differentiable
    in forward mode; reverse mode through it raises ``TracerError``, as JAX's does.

    Example: ``while_loop(lambda c: c[1] > 1e-12, newton_step, (x0, 1.0))``
    """
    _callable("while_loop", cond_fun=cond_fun, body_fun=body_fun)
    val = init_val
    while True:
        p = _scalar_pred(cond_fun(val), "while_loop", "the value of cond_fun")
        if not isinstance(p, bool | _np.bool_) and (not hasattr(p, "dtype")
                                                    or _np.dtype(p.dtype).kind != "b"):
            got = (f"{_np.dtype(p.dtype)}[]" if hasattr(p, "dtype") else
                   f"a Python {type(p).__name__}")
            raise TypeError(f"while_loop: the value of cond_fun must be a boolean scalar, got "
                            f"{got}; compare it (x != 0)")
        if _traced(p):
            from .jit import loops, trace

            if not (_batched(p) or builtins.any(_batched(x) for x in tree_flatten(val)[0])):
                return loops.traced_while(cond_fun, body_fun, val, _check_same)
            loops.run_eagerly_batched(trace.active())  # (and on, as vmap's batched loop)
        if _batched(p):
            p = _as_bool(p)
            if not bool(p._data.any()):  # every example done (all vmap levels)
                return val
            out = body_fun(val)
            _check_same("while_loop", "the carry it received", "the carry body_fun returned",
                        val, out)
            val = _where_tree(p, out, val)
            continue
        if not p:
            return val
        out = body_fun(val)
        _check_same("while_loop", "the carry it received", "the carry body_fun returned",
                    val, out)
        val = out


def _stack_leaves(ys: list, fn: str) -> Any:
    from .numpy import stack

    first_l, tdef = tree_flatten(ys[0])
    cols: list[list] = [[] for _ in first_l]
    for k, y in enumerate(ys):
        leaves, d = tree_flatten(y)
        if d != tdef:
            raise TypeError(f"{fn}: the per-step output at step {k} has another pytree "
                            f"structure ({_structure(y)}) than at step 0 "
                            f"({_structure(ys[0])})")
        for c, leaf in zip(cols, leaves, strict=True):
            c.append(leaf)
    return tree_unflatten(tdef, [stack(c) for c in cols])


def scan(f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any = None,
         length: int | None = None, reverse: bool = False, unroll: int | bool = 1,
         _split_transpose: bool = False) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the ``y``s stacked along a new leading axis (pytrees of both allowed).

    ``xs=None`` with ``length=n`` runs ``n`` steps with ``x=None``. ``reverse=True`` runs from
    the last slice to the first, keeping ``ys[i]`` paired with ``xs[i]``. ``unroll`` is
    accepted for JAX compatibility (every step runs, and ``jit`` traces each). With zero steps
    ``f`` runs once, without recording, on zeros of one slice's shape to learn the shapes of
    the (empty) outputs.

    Example::

        total, cumsum = scan(lambda c, x: (c + x, c + x), 0.0, xs)
    """
    _callable("scan", f=f)
    if isinstance(unroll, bool):
        pass
    elif not isinstance(unroll, int) or unroll < 0:
        raise ValueError(f"scan: unroll must be a non-negative int or a bool, got {unroll!r}")
    leaves, xdef = tree_flatten(xs)
    n = length
    for k, leaf in enumerate(leaves):
        s = _shape(leaf)
        if not s:
            raise ValueError(f"scan: xs leaf {k} has shape (): every leaf of xs needs a "
                             f"leading axis to scan over")
        if n is None:
            n = s[0]
        elif s[0] != n:
            what = f"length={length}" if length is not None else "the other leaves"
            raise ValueError(f"scan: xs leaf {k} has {s[0]} entries along its leading axis "
                             f"(shape {s}) but {what} say {n}")
    if n is None:
        raise ValueError("scan: with xs=None (or xs without leaves) pass length= to say how "
                         "many steps to run")
    if isinstance(n, bool) or not isinstance(n, int | _np.integer) or n < 0:
        raise ValueError(f"scan: length must be a non-negative int, got {n!r}")
    n = int(n)
    if n == 0:
        return _empty_outputs(f, init, leaves, xdef)
    carry = init
    ys: list = [None] * n
    first = True
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        x = tree_unflatten(xdef, [leaf[i] for leaf in leaves])
        new, ys[i] = _scan_step(f, carry, x)
        if first:
            first = False
            promoted = _promote_weak(carry, new)
            if promoted is not None:  # step 0 again, from the carry JAX would start from
                carry = promoted
                new, ys[i] = _scan_step(f, carry, x)
        _check_same("scan", "the carry it received", "the carry f returned", carry, new)
        carry = new
    return carry, _stack_leaves(ys, "scan")


def _scan_step(f: Callable, carry: Any, x: Any) -> tuple:
    out = f(carry, x)
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise TypeError(f"scan: f must return a pair (carry, y), got {type(out).__name__}"
                        + (f" of length {len(out)}" if isinstance(out, tuple | list) else ""))
    return out[0], out[1]


def _promote_weak(carry: Any, new: Any) -> Any:
    """``carry`` with each Python number cast to the dtype the body returned for it, as JAX
    promotes a weakly typed initial carry before the loop runs (so that the per-step outputs
    of the first step have the loop's dtype: float32, not float64); None when nothing changes.
    """
    from .numpy import asarray

    cl, cdef = tree_flatten(carry)
    nl, ndef = tree_flatten(new)
    if cdef != ndef:
        return None
    changed = False
    out = []
    for c, v in zip(cl, nl, strict=True):
        ca, va = _aval(c), _aval(v)
        if (ca[2] is not None and va[2] is None and ca[0] == va[0] and _compatible(ca, va)
                and va[1] != _WEAK_DEFAULT.get(ca[2])):
            c = asarray(c, dtype=va[1])
            changed = True
        out.append(c)
    return tree_unflatten(cdef, out) if changed else None


def _empty_outputs(f: Callable, init: Any, leaves: list, xdef: Any) -> tuple[Any, Any]:
    """The (carry, ys) of a scan of zero steps: ``init`` (its Python numbers promoted to the
    body's dtypes) and empty ys of the shapes and dtypes one step would give."""
    from . import _state
    from .numpy import zeros

    x = tree_unflatten(xdef, [zeros(_shape(leaf)[1:], dtype=leaf.dtype) for leaf in leaves])
    with _state.no_grad(), _np.errstate(all="ignore"):
        new, y = _scan_step(f, init, x)
        promoted = _promote_weak(init, new)
        if promoted is not None:
            init = promoted
            new, y = _scan_step(f, init, x)
    yl, ydef = tree_flatten(y)
    empty = []
    for y in yl:
        av = _aval(y)
        dt = av[1] if av[2] is None else {"b": bool, "i": int, "f": float, "c": complex}[av[2]]
        empty.append(zeros((0,) + tuple(av[0]), dtype=dt))
    return init, tree_unflatten(ydef, empty)


def map(f: Callable[[Any], Any], xs: Any, *, batch_size: int | None = None) -> Any:  # noqa: A001
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked:
    ``scan`` without a carry. ``batch_size`` runs ``gpuad.vmap(f)`` on that many slices at a
    time (the remainder last), as JAX does.

    Example: ``map(lambda r: gnp.linalg.norm(r), rows)``
    """
    if batch_size is None:
        return scan(lambda c, x: (c, f(x)), (), xs)[1]
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"map: batch_size must be a positive int, got {batch_size!r}")
    from .batching.api import vmap
    from .numpy import concatenate

    leaves, xdef = tree_flatten(xs)
    if not leaves:
        raise ValueError("map: xs has no leaves to map over")
    n = _shape(leaves[0])[0]
    parts = []
    vf = vmap(f)
    for lo in range(0, n, batch_size):
        parts.append(vf(tree_unflatten(xdef, [leaf[lo:lo + batch_size] for leaf in leaves])))
    if len(parts) == 1:
        return parts[0]
    pl = [tree_flatten(p) for p in parts]
    return tree_unflatten(pl[0][1], [concatenate(list(col)) for col in
                                     zip(*(p[0] for p in pl), strict=True)])


# ---- branches ----------------------------------------------------------------------------------

def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands) if pred else false_fun(*operands)``.

    Eagerly only the chosen branch runs. Inside ``vmap`` with a predicate that differs from
    example to example, and inside ``jit`` with a traced one, both branches run and the result
    is selected per example with ``gnp.where``: both must return the same pytree, shapes and
    dtypes, and each must be safe on the other's inputs (a NaN or inf it computes there does
    not reach the value, but can reach the gradient, as with ``gnp.where``).

    Example: ``cond(x.sum() > 0, lambda x: x, lambda x: -x, x)``
    """
    if not callable(true_fun) or not callable(false_fun):
        raise TypeError("cond: call as cond(pred, true_fun, false_fun, *operands) with two "
                        "callables")
    p = _scalar_pred(pred, "cond", "pred")
    if _batched(p) or _traced(p):
        a = true_fun(*operands)
        b = false_fun(*operands)
        _check_same("cond", "the output of false_fun", "the output of true_fun", b, a,
                    name="output", sides=("true_fun's", "false_fun's"))
        return _where_tree(_as_bool(p), a, b)
    return true_fun(*operands) if p else false_fun(*operands)


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    """``branches[index](*operands)``, ``index`` clamped to ``[0, len(branches) - 1]`` as JAX
    clamps it. A batched (``vmap``) or traced (``jit``) index runs every branch and selects
    per example, as :func:`cond` does.

    Example: ``switch(k, [jnp_sin, jnp_cos, jnp_tanh], x)``
    """
    branches = list(branches)
    if not branches:
        raise ValueError("switch: branches is empty; give at least one callable")
    if not builtins.all(callable(b) for b in branches):
        raise TypeError("switch: every entry of branches must be callable")
    if isinstance(index, float) or (hasattr(index, "dtype")
                                    and _np.dtype(index.dtype).kind not in "iub"):
        raise TypeError(f"switch: index must be a scalar integer, got "
                        f"{getattr(index, 'dtype', type(index).__name__)}")
    idx = _scalar_pred(index, "switch", "index")
    n = len(branches)
    if _batched(idx) or _traced(idx):
        from .numpy import clip

        outs = [b(*operands) for b in branches]
        for k in range(1, n):
            _check_same("switch", "the output of branch 0", f"the output of branch {k}",
                        outs[0], outs[k], name="output", sides=(f"branch {k}'s", "branch 0's"))
        k_ = clip(idx, 0, n - 1)
        res = outs[-1]
        for k in range(n - 2, -1, -1):
            res = _where_tree(k_ == k, outs[k], res)
        return res
    return branches[builtins.min(builtins.max(int(idx), 0), n - 1)](*operands)


def select(pred: Any, on_true: Any, on_false: Any) -> Any:
    """``on_true`` where ``pred`` holds, else ``on_false``, elementwise (JAX's ``lax.select``:
    ``pred`` is boolean, scalar or of the operands' shape; the operands have equal shapes and
    dtypes, without broadcasting). Differentiable in both operands.

    Example: ``select(x > 0, x, 0.01 * x)``
    """
    from .numpy import where

    pd = getattr(pred, "dtype", None)
    if not (isinstance(pred, bool) or (pd is not None and _np.dtype(pd).kind == "b")):
        raise TypeError(f"select: pred must be boolean, got "
                        f"{pd if pd is not None else type(pred).__name__}")
    ta, fa = _aval(on_true), _aval(on_false)
    if ta[0] != fa[0]:
        raise TypeError(f"select: on_true and on_false must have the same shape, got "
                        f"{ta[0]} and {fa[0]}")
    if not _compatible(ta, fa):
        raise TypeError(f"select: on_true and on_false must have the same dtype, got "
                        f"{_fmt(ta)} and {_fmt(fa)}")
    ps = _shape(pred)
    if ps != () and ps != ta[0]:
        raise TypeError(f"select: pred must be a scalar or have the operands' shape "
                        f"{ta[0]}, got shape {ps}")
    return where(pred, on_true, on_false)


# convolutions, windowed reductions and associative scans (gpuad/lax_conv.py)
from .lax_conv import (  # noqa: E402, F401
    ConvDimensionNumbers,
    associative_scan,
    conv,
    conv_dimension_numbers,
    conv_general_dilated,
    conv_general_dilated_patches,
    conv_general_permutations,
    conv_transpose,
    conv_with_general_padding,
    padtype_to_pads,
    reduce_window,
)

__all__ += ["ConvDimensionNumbers", "associative_scan", "conv", "conv_dimension_numbers",
            "conv_general_dilated", "conv_general_dilated_patches", "conv_general_permutations",
            "conv_transpose",
            "conv_with_general_padding", "padtype_to_pads", "reduce_window"]


# jax.lax's operations (elementwise, shapes, slices, reductions, sort, dot_general)
from .lax_ops import *  # noqa: E402,F403
from .lax_ops import __all__ as _ops_all  # noqa: E402

__all__ += [n for n in _ops_all if n not in __all__]


# jax.lax.linalg (gpuad/lax_linalg.py), importable as gpuad.lax.linalg too
import sys as _sys  # noqa: E402

from . import lax_linalg as linalg  # noqa: E402

_sys.modules[__name__ + ".linalg"] = linalg
__all__ += ["linalg"]

# implicitly differentiated solvers (gpuad/lax_solves.py)
from .lax_solves import custom_linear_solve, custom_root  # noqa: E402

__all__ += ["custom_linear_solve", "custom_root"]

# collectives over named vmap axes (gpuad/lax_collectives.py)
from .lax_collectives import *  # noqa: E402,F403
from .lax_collectives import __all__ as _coll_all  # noqa: E402

__all__ += _coll_all

# jax.lax names gpuad does not provide, with what to use instead
_NOT_PROVIDED = {
    "rng_bit_generator": "gpuad.random keys draw gpuad's own bits: use gpuad.random.randint "
                         "(or uniform) with a gpuad.random.key",
    "RandomAlgorithm": "lax.rng_bit_generator is not provided: use gpuad.random.randint",
    "conv_general_dilated_local": "use lax.conv_general_dilated_patches and multiply by the "
                                  "per-position kernels (gpuad.numpy.einsum)",
    "ragged_dot_general": "lax.ragged_dot takes the (m, k) x (g, k, n) layout; transpose the "
                          "operands into it or use lax.dot_general on each group",
    "RaggedDotDimensionNumbers": "lax.ragged_dot_general is not provided",
    "DotAlgorithm": "gpuad computes dot products in the operands' dtype on the backend; pass "
                    "precision=None (or a lax.Precision, accepted and ignored)",
    "DotAlgorithmPreset": "gpuad computes dot products in the operands' dtype on the backend; "
                          "pass precision=None (or a lax.Precision, accepted and ignored)",
    "index_take": "deprecated in JAX: use lax.gather or gpuad.numpy.take",
}


def __getattr__(name: str) -> Any:
    if name in _NOT_PROVIDED:
        raise AttributeError(f"gpuad.lax has no {name}: {_NOT_PROVIDED[name]}")
    raise AttributeError(f"module 'gpuad.lax' has no attribute {name!r}")
