"""Abstract evaluation beyond elementwise ops: the output's shape and dtype from the inputs'.

The ``shape``/``dtype`` slots of reductions, shape ops, matmul/einsum, linear solves and
indexing (:meth:`gpuad.prims.core.Primitive.abstract_eval`). Shapes follow NumPy's rules
from the shapes and parameters alone; dtypes are what NumPy's own function gives on
one-element arrays of the input dtypes (cheap, and exact by construction). Both hold for the
inputs ``impl`` accepts; on others ``impl`` raises where these may not.

Example: ``RULES["matmul"].abstract_eval([(5, 2, 3), (3,)], [f32, f64], {})`` is
``((5, 2), float64)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as _np

# itemsize 0: indexing an array of it follows every NumPy rule and allocates no memory
_NOTHING = _np.dtype([])


def _one(d, nd: int = 1):
    return _np.zeros((1,) * nd, d)


def _quiet(fn: Callable) -> Callable:
    def run(*args, **kwargs):
        with _np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    run.__name__ = getattr(fn, "__name__", "dtype")
    return run


def set_slots(op, shape: Callable, dtype: Callable) -> None:
    """Fill the ``shape`` and ``dtype`` slots of ``op`` (an op function or a Primitive)."""
    p = getattr(op, "rule", op)
    p.shape, p.dtype = shape, _quiet(dtype)


def first_dtype(*dtypes, **params):
    """The first input's dtype (views, copies, indexing, reductions that keep the type)."""
    return _np.dtype(dtypes[0])


# ---- reductions ---------------------------------------------------------------------------

def reduced_shape(s, axis=None, keepdims=False, **params):
    """The shape of a reduction over ``axis`` (a normalised tuple, or None for all)."""
    if axis is None:
        return (1,) * len(s) if keepdims else ()
    if keepdims:
        return tuple(1 if i in axis else n for i, n in enumerate(s))
    return tuple(n for i, n in enumerate(s) if i not in axis)


def same_shape(s, *rest, **params):
    return tuple(s)


def reduction_dtype(impl: Callable) -> Callable:
    """The dtype ``impl`` (a reduction with ``axis, keepdims, shape``) gives on one element."""
    def dtype(d, **params):
        return impl(_np, _one(d), axis=None, keepdims=False, shape=(1,)).dtype
    return dtype


def scan_dtype(impl: Callable) -> Callable:
    """The dtype of a cumulative op (``axis``) on one element."""
    def dtype(d, **params):
        return impl(_np, _one(d), axis=0).dtype
    return dtype


# ---- shape ops ----------------------------------------------------------------------------

def reshape_shape(s, newshape, **params):
    return tuple(newshape)


def transpose_shape(s, axes, **params):
    return tuple(s[a] for a in axes)


def broadcast_to_shape(s, shape, **params):
    return tuple(_np.broadcast_shapes(tuple(s), tuple(shape)))


def concatenate_shape(*shapes, axis, sizes=None, **params):
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return tuple(out)


def concatenate_dtype(*dtypes, **params):
    return _np.concatenate([_one(d) for d in dtypes]).dtype


def stack_shape(*shapes, **params):
    return (len(shapes), *shapes[0])


def stack_dtype(*dtypes, **params):
    return _np.stack([_one(d) for d in dtypes]).dtype


# ---- matmul, einsum, linear algebra ---------------------------------------------------------

def matmul_shape(a, b, **params):
    """``numpy.matmul``'s result shape: batch dimensions broadcast, 1-D operands promoted."""
    if not a or not b:
        raise ValueError("matmul: 0-d operands are not allowed")
    am = (1, *a) if len(a) == 1 else tuple(a)
    bm = (*b, 1) if len(b) == 1 else tuple(b)
    if am[-1] != bm[-2]:
        raise ValueError(f"matmul: inner dimensions differ: {tuple(a)} and {tuple(b)}")
    out = [*_np.broadcast_shapes(am[:-2], bm[:-2]), am[-2], bm[-1]]
    if len(b) == 1:
        out.pop(-1)
    if len(a) == 1:
        out.pop(-2 if len(b) != 1 else -1)
    return tuple(out)


def matmul_dtype(da, db, **params):
    return _np.matmul(_one(da, 2), _one(db, 2)).dtype


def einsum_shape(*shapes, spec, ins, out, **params):
    """Each output letter's size: the one its operands give it (1 broadcasts)."""
    size: dict[str, int] = {}
    for letters, s in zip(ins, shapes, strict=True):
        for c, n in zip(letters, s, strict=True):
            size[c] = n if size.get(c, 1) == 1 else size[c]
    return tuple(size[c] for c in out)


def einsum_dtype(*dtypes, spec, ins, out, **params):
    return _np.einsum(spec, *[_one(d, len(s)) for d, s in zip(dtypes, ins, strict=True)]).dtype


def linalg_dtype(impl: Callable, nargs: int = 1) -> Callable:
    """The dtype ``impl`` gives on 1x1 matrices (and length-1 vectors for a second input)."""
    def dtype(*dtypes, **params):
        args = [_np.ones((1, 1), dtypes[0])] + [_np.ones((1,), d) for d in dtypes[1:nargs]]
        return impl(_np, *args).dtype
    return dtype


def batch_scalar_shape(a, **params):
    """det/slogdet: one number per matrix of the batch."""
    return tuple(a[:-2])


def solve_shape(a, b, **params):
    """``solve(a, b)``: b a vector (1-D, broadcast over a's batch) or a batch of matrices."""
    if len(b) == 1:
        return tuple(a[:-1])
    return tuple(_np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))) + tuple(b[-2:])


# ---- indexing ------------------------------------------------------------------------------

def _host_index(i):
    """An index part NumPy can apply to a shape: integer arrays by their shape (the values do
    not change it), boolean masks on the host (their count does)."""
    if isinstance(i, _np.ndarray) or not hasattr(i, "dtype"):
        return i
    if i.dtype.kind == "b":
        return _np.asarray(i.get() if hasattr(i, "get") else i)
    return _np.zeros(i.shape, _np.intp)


def index_shape(s, index, **params):
    """The shape of ``x[index]`` for ``x`` of shape ``s``, by NumPy's own rules."""
    return _np.zeros(tuple(s), _NOTHING)[tuple(_host_index(i) for i in index)].shape


def scatter_shape(s, index, shape, **params):
    return tuple(shape)


def update_dtype(dx, dv, **params):
    return _np.dtype(dx)
