"""Batching rules of the core families: entrywise ops, reductions, shapes, indexing, products.

Each rule takes ``(args, dims, params)``: the arguments without the level being batched (a
batched one has that level's axis at ``dims[i]``; ``None``: not batched) and returns
``(out, out_dim)``. Rules emit ordinary gpuad.numpy operations, so outer vmap levels batch
again on their own.
"""

from __future__ import annotations

import numpy as _np

from .. import _links
from ..engine import apply
from . import batch_size, register

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def _front(a, d):
    """``a`` with its batch axis first (``d`` is where it is now)."""
    return a if d == 0 else _R.moveaxis(a, d, 0)


def _nd(a, d) -> int:
    """Dimensions of one example of ``a``."""
    return len(_R.shape(a)) - (d is not None)


def _pad_after_batch(a, k: int):
    """Insert ``k`` length-1 axes after the leading batch axis."""
    if k <= 0:
        return a
    s = tuple(_R.shape(a))
    return _R.reshape(a, s[:1] + (1,) * k + s[1:])


def _align(args, dims, nd=None):
    """Every batched argument with its batch axis first and as many example axes as the
    widest (so broadcasting lines examples up); unbatched ones as they are."""
    if nd is None:
        nd = max(_nd(a, d) for a, d in zip(args, dims, strict=True))
    return [a if d is None else _pad_after_batch(_front(a, d), nd - _nd(a, d))
            for a, d in zip(args, dims, strict=True)]


def elementwise_rule(rule):
    """Entrywise, broadcasting ops: line the batch axes up in front."""

    def batch(args, dims, params):
        nds = [len(_R.shape(a)) - (d is not None) for a, d in zip(args, dims, strict=True)]
        nd = max(nds)
        if all(d is None or (d == 0 and k == nd) for d, k in zip(dims, nds, strict=True)):
            return apply(rule, tuple(args), params), 0  # batch axes already line up in front
        return apply(rule, tuple(_align(args, dims, nd)), params), 0

    return batch


for _name in ("add", "subtract", "negative", "abs", "maximum", "minimum", "clip", "where",
              "relu", "astype", "copy", "identity", "sign", "floor", "ceil", "rint", "trunc",
              "round", "floor_divide", "mod", "less", "less_equal", "greater", "greater_equal",
              "equal", "not_equal", "logical_not", "logical_and", "logical_or", "logical_xor",
              "isnan", "isinf", "isfinite", "conj", "real", "imag", "angle", "fmax", "fmin",
              "copysign", "heaviside", "ldexp", "gammasgn", "make_complex"):
    from ..prims.core import RULES

    if _name in RULES:
        register(_name, elementwise_rule(RULES[_name]))


# ---- reductions ------------------------------------------------------------------------------

def _shift_axis(axis, nd):
    """Axes of one example as axes of the batch-first array."""
    if axis is None:
        return tuple(range(1, nd + 1))
    if isinstance(axis, tuple | list):
        return tuple(int(a) % nd + 1 for a in axis) if nd else ()
    return int(axis) % max(nd, 1) + 1


def _reduction(name):
    from ..prims.core import RULES

    rule = RULES[name]

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        x = _front(x, d)
        nd = _nd(x, 0)
        p = dict(params)
        p["axis"] = _shift_axis(p.get("axis"), nd)
        if "shape" in p:
            p["shape"] = tuple(_R.shape(x))
        return apply(rule, (x,), p), 0

    return batch


for _name in ("sum", "max", "min", "prod", "logsumexp", "norm2", "any", "all"):
    register(_name, _reduction(_name))


def _flat_axis(name):
    """argmax/argmin/cumsum/cumprod/argsort: ``axis=None`` flattens each example."""
    from ..prims.core import RULES

    rule = RULES[name]

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        x = _front(x, d)
        p = dict(params)
        axis = p.get("axis", -1 if name == "argsort" else None)
        if axis is None:
            x = _R.reshape(x, (batch_size([x], [0]), -1))
            p["axis"] = 1
        else:
            p["axis"] = int(axis) % max(_nd(x, 0), 1) + 1
        return apply(rule, (x,), p), 0

    return batch


for _name in ("argmax", "argmin", "cumsum", "cumprod", "argsort"):
    register(_name, _flat_axis(_name))


# ---- shapes ----------------------------------------------------------------------------------

def _reshape(args, dims, params):
    (x,), (d,) = args, dims
    x = _front(x, d)
    b = batch_size([x], [0])
    from ..prims.shapes import reshape_

    return reshape_(x, newshape=(b,) + tuple(params["newshape"]),
                    oldshape=(b,) + tuple(params["oldshape"])), 0


def _transpose(args, dims, params):
    (x,), (d,) = args, dims
    from ..prims.shapes import transpose_

    return transpose_(_front(x, d), axes=(0,) + tuple(a + 1 for a in params["axes"])), 0


def _broadcast_to(args, dims, params):
    (x,), (d,) = args, dims
    shape = tuple(params["shape"])
    x = _pad_after_batch(_front(x, d), len(shape) - _nd(x, d))
    from ..prims.shapes import broadcast_to_

    return broadcast_to_(x, shape=(batch_size([x], [0]),) + shape), 0


def _expand_all(args, dims):
    """Every argument batched, batch axis first (unbatched ones broadcast along it)."""
    b = batch_size(args, dims)
    out = []
    for a, d in zip(args, dims, strict=True):
        if d is None:
            a = _R.broadcast_to(_R.expand_dims(a, 0), (b,) + tuple(_R.shape(a)))
        else:
            a = _front(a, d)
        out.append(a)
    return out


def _concatenate(args, dims, params):
    from ..prims.shapes import concatenate_

    xs = _expand_all(args, dims)
    return concatenate_(*xs, axis=params["axis"] + 1, sizes=params["sizes"]), 0


def _stack_list(args, dims, params):
    xs = _expand_all(args, dims)
    return _R.stack(xs, 1), 0


register("reshape", _reshape)
register("transpose", _transpose)
register("broadcast_to", _broadcast_to)
register("concatenate", _concatenate)


def register_late() -> None:
    """Rules of primitives declared after this module is imported (containers)."""
    from ..prims.core import RULES

    if "stack_list" in RULES:
        RULES["stack_list"].batch = _stack_list


# ---- indexing --------------------------------------------------------------------------------

def _advanced(i) -> bool:
    return not (i is None or i is Ellipsis or isinstance(i, slice))


def _getitem(args, dims, params):
    (x,), (d,) = args, dims
    x = _front(x, d)
    index = tuple(params["index"])
    from ..prims.indexing import getitem_

    new = (slice(None),) + index
    out_dim = 0
    if not params["basic"]:
        pos = [k for k, i in enumerate(new) if _advanced(i)]
        if pos and pos[-1] - pos[0] + 1 != len(pos):
            # NumPy puts the broadcast dimensions of non-adjacent advanced indices first
            shapes = [_np.shape(i) if not isinstance(i, int | _np.integer) else ()
                      for i in (new[k] for k in pos)]
            if any(getattr(getattr(new[k], "dtype", None), "kind", "") == "b" for k in pos):
                return None  # the loop handles boolean masks among scattered indices
            out_dim = len(_np.broadcast_shapes(*shapes))
    shape = (batch_size([x], [0]),) + tuple(params["shape"])
    return getitem_(x, index=new, shape=shape, basic=params["basic"]), out_dim


def _getitem_rule(args, dims, params):
    res = _getitem(args, dims, params)
    if res is None:
        from ..prims.core import RULES
        from . import loop_rule

        return loop_rule(RULES["getitem"])(args, dims, params)
    return res


register("getitem", _getitem_rule)


def _diagonal(args, dims, params):
    from ..prims.indexing import diagonal_

    (x,), (d,) = args, dims
    x = _front(x, d)
    return diagonal_(x, offset=params["offset"], shape=tuple(_R.shape(x))), 0


register("diagonal", _diagonal)


# ---- products --------------------------------------------------------------------------------

def _matmul_one_gemm(a, b, da, db):
    """One shared matrix and a batch of vectors or matrices: a single matrix product over the
    whole batch (NumPy's broadcast matmul would run one small product per example). None when
    the shapes are not of that form."""
    if da is None and _R.ndim(a) == 2 and _nd(b, db) in (1, 2):
        b = _front(b, db)
        if _nd(b, 0) == 1:  # (m, k) @ (B, k): rows of b @ a.T
            return _R.matmul(b, _R.swapaxes(a, 0, 1)), 0
        bs, k, n = _R.shape(b)  # (m, k) @ (B, k, n): a @ (k, B*n), then (m, B, n)
        cols = _R.reshape(_R.moveaxis(b, 0, 1), (k, bs * n))
        return _R.reshape(_R.matmul(a, cols), (_R.shape(a)[0], bs, n)), 1
    if db is None and _R.ndim(b) == 2 and _nd(a, da) in (1, 2):
        a = _front(a, da)
        if _nd(a, 0) == 1:  # (B, k) @ (k, n)
            return _R.matmul(a, b), 0
        bs, m, k = _R.shape(a)  # (B, m, k) @ (k, n): (B*m, k) @ (k, n)
        out = _R.matmul(_R.reshape(a, (bs * m, k)), b)
        return _R.reshape(out, (bs, m, _R.shape(b)[1])), 0
    return None


def _matmul(args, dims, params):
    (a, b), (da, db) = args, dims
    one = _matmul_one_gemm(a, b, da, db)
    if one is not None:
        return one
    sq = []
    if da is not None:
        a = _front(a, da)
        if _nd(a, 0) == 1:
            a = _R.expand_dims(a, 1)  # (B, k) -> (B, 1, k)
            sq.append(-2)
    elif _R.ndim(a) == 1 and db is not None:
        a = _R.expand_dims(a, 0)
        sq.append(-2)
    if db is not None:
        b = _front(b, db)
        if _nd(b, 0) == 1:
            b = _R.expand_dims(b, 2)  # (B, k) -> (B, k, 1)
            sq.append(-1)
    elif _R.ndim(b) == 1 and da is not None:
        b = _R.expand_dims(b, 1)
        sq.append(-1)
    if da is not None and db is not None:
        na, nb = _nd(a, 0), _nd(b, 0)
        a = _pad_after_batch(a, nb - na)
        b = _pad_after_batch(b, na - nb)
    elif da is not None:
        a = _pad_after_batch(a, _R.ndim(b) - _nd(a, 0))
    else:
        b = _pad_after_batch(b, _R.ndim(a) - _nd(b, 0))
    from ..prims.linalg import matmul

    out = matmul(a, b)
    if sq:
        out = _R.squeeze(out, tuple(sorted(sq)))
    return out, 0


register("matmul", _matmul)


def _einsum(args, dims, params):
    used = set(params["spec"])
    letter = next(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  if c not in used)
    ins = [(letter + s) if d is not None else s
           for s, d in zip(params["ins"], dims, strict=True)]
    ops = [a if d is None else _front(a, d) for a, d in zip(args, dims, strict=True)]
    out = letter + params["out"]
    from ..prims.linalg import einsum_

    return einsum_(*ops, spec=",".join(ins) + "->" + out, ins=ins, out=out), 0


register("einsum", _einsum)


def _stacked(name):
    """Linear-algebra primitives that already broadcast over leading axes (one argument)."""
    from ..prims.core import RULES

    rule = RULES[name]

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        return apply(rule, (_front(x, d),), params), 0

    return batch


for _name in ("inv", "det", "logabsdet", "cholesky"):
    register(_name, _stacked(_name))

# the other families' rules (each module registers its own when imported)
from . import rules_indexing, rules_linalg, rules_misc, rules_nn  # noqa: E402,F401
