"""Batching rules of linear algebra, the FFT and the complex primitives.

Most of these primitives already act on stacks of matrices (``(..., n, n)``): their rule moves
the batch axis in front of an example's leading axes and calls the primitive once. On NumPy,
``numpy.linalg`` takes stacks, and SciPy does from 1.16 (``expm`` long before); the forwards of
``solve_triangular`` and ``solve_sylvester`` go matrix by matrix on older SciPy. On CuPy,
``cupy.linalg`` takes stacks for inv, det, slogdet, cholesky, eigh, svd and eig; the forwards
of qr, expm and solve_sylvester loop over the matrices themselves, and that of solve broadcasts
the two stacks (CuPy's needs them equal). The primitives with two or three matrix arguments
first give every argument as many axes, so the stacks broadcast example against example;
``solve`` and ``solve_triangular`` turn a batched vector right-hand side into a one-column
matrix first, as a stacked vector would otherwise be read as a matrix. ``sqrtm`` runs once per
example, as its rule, without the fallback's warning (SciPy takes one matrix per call before
1.16, and the CuPy backend has no matrix square root).
"""

from __future__ import annotations

from .. import _links
from ..engine import apply
from . import batch_size, register, take
from .rules import _align, _front, _nd, _pad_after_batch

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")


def _rule(name: str):
    from ..prims.core import RULES

    return RULES[name]


# ---- one matrix argument: the primitive takes stacks --------------------------------------------

def _stacked(name: str):
    rule = _rule(name)

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        return apply(rule, (_front(x, d),), params), 0

    return batch


def _each_example(name: str):
    """The primitive once per example, the results stacked (its rule, so no warning)."""
    rule = _rule(name)

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        outs = [apply(rule, (take(x, d, i),), params) for i in range(batch_size(args, dims))]
        if not outs:  # no example: the result has the shape and dtype of one's input
            return _R.zeros((0,) + tuple(_R.shape(_front(x, d))[1:]), dtype=x.dtype), 0
        return _R.stack(outs, 0), 0

    return batch


# ---- several matrix arguments -----------------------------------------------------------------

def _aligned(name: str):
    """Primitives whose arguments are all (stacks of) matrices that broadcast together."""
    rule = _rule(name)

    def batch(args, dims, params):
        return apply(rule, tuple(_align(args, dims)), params), 0

    return batch


def _as_column(b, d):
    """A batched vector right-hand side as a one-column matrix, batch axis first."""
    return _R.expand_dims(_front(b, d), -1)


def _solve(args, dims, params):
    (a, b), (da, db) = args, dims
    rule = _rule("solve")
    if db is None:  # a shared right-hand side: the primitive broadcasts it (vector or matrix)
        a = _front(a, da)
        if _R.ndim(b) > 1:
            a = _pad_after_batch(a, _R.ndim(b) - _nd(a, 0))
        return apply(rule, (a, b), params), 0
    if _nd(b, db) == 1:
        col = _as_column(b, db)
        # the column has two axes per example; line them up with a's
        nd = max(2, _nd(a, da))
        a2 = a if da is None else _pad_after_batch(_front(a, da), nd - _nd(a, da))
        col = _pad_after_batch(col, nd - 2)
        return _R.squeeze(apply(rule, (a2, col), params), -1), 0
    a, b = _align(args, dims)
    return apply(rule, (a, b), params), 0


def _solve_triangular(args, dims, params):
    (a, b), (da, db) = args, dims
    rule = _rule("solve_triangular")
    p = dict(params)
    vec = p["vec"]
    if vec:
        b = _R.expand_dims(b if db is None else _front(b, db), -1)
        db = None if db is None else 0
        p["vec"] = False
    a, b = _align([a, b], [da, db])
    out = apply(rule, (a, b), p)
    return (_R.squeeze(out, -1) if vec else out), 0


# ---- the FFT ----------------------------------------------------------------------------------

def _fft_axes(name: str, key: str):
    """FFT primitives: the transformed axes are those of one example, shifted past the batch."""
    rule = _rule(name)

    def batch(args, dims, params):
        (x,), (d,) = args, dims
        x = _front(x, d)
        nd = _nd(x, 0)
        p = dict(params)
        v = p[key]
        p[key] = tuple(int(a) % nd + 1 for a in v) if isinstance(v, tuple | list) \
            else int(v) % nd + 1
        return apply(rule, (x,), p), 0

    return batch


def install() -> None:
    """Register the rules (called once, when gpuad.batching.rules is imported)."""
    # the modules declaring sign_det, the decompositions and the FFT primitives
    from .. import complex_rules, linalg_rules  # noqa: F401
    from ..numpy import fft  # noqa: F401

    # inv, det, logabsdet and cholesky have theirs in .rules
    for name in ("eigh", "eig", "svd", "qr", "pinv", "expm", "adjugate", "sign_det"):
        register(name, _stacked(name))
    register("sqrtm", _each_example("sqrtm"))
    # the LU factorisation of already pivoted rows (gpuad/linalg_extra.py)
    from .. import linalg_extra  # noqa: F401

    register("lu_nopivot", _stacked("lu_nopivot"))
    register("solve", _solve)
    register("solve_triangular", _solve_triangular)
    register("solve_sylvester", _aligned("solve_sylvester"))
    register("fft_c2c", _fft_axes("fft_c2c", "axes"))
    register("rfft_r2c", _fft_axes("rfft_r2c", "axis"))
    register("irfft_c2r", _fft_axes("irfft_c2r", "axis"))


install()
