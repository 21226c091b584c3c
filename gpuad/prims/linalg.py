"""Linear algebra primitives: matmul, einsum, inv, solve, det, logabsdet, cholesky."""

from __future__ import annotations

import numpy as _np

from .._raw import _xp, data, ndim, shape
from ..engine import GradError
from ..tensor import Tensor
from . import abstract as _A
from .core import prim

# ---- linear algebra ---------------------------------------------------------------------------

# Each adjoint reads the other operand only (so only that one is saved, and a write into the
# operand that needs no gradient is no error, as in torch): an operand is 1-d exactly when
# the output has one dim fewer than the other operand.
def _mm_vjp_a(g, ans, a, b):
    a1 = ndim(g) == ndim(b) - 1
    if ndim(b) == 1:
        return g * b if a1 else getitem(g, (Ellipsis, None)) * b
    if a1:
        return getitem(matmul(b, getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return matmul(g, _mT(b))


def _mm_vjp_b(g, ans, a, b):
    b1 = ndim(g) == ndim(a) - 1
    if ndim(a) == 1:
        return g * a if b1 else getitem(a, (slice(None), None)) * getitem(
            g, (Ellipsis, None, slice(None)))
    if b1:
        return getitem(matmul(_mT(a), getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return matmul(_mT(a), g)


def _matmul_fwd(xp, a, b):
    if a.__class__ is _np.ndarray and b.__class__ is _np.ndarray and 0 < a.ndim <= 2 and \
            0 < b.ndim <= 2:
        return a.dot(b)  # numpy.matmul's product at these ranks, without the ufunc's dispatch
    return xp.matmul(a, b)


matmul = prim("matmul", _matmul_fwd, vjp=[_mm_vjp_a, _mm_vjp_b],
              jvp=[lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)])


def _matmul_np(a, b):
    """``_matmul_fwd(numpy, a, b)`` for the engine's NumPy path (arrays or Python numbers)."""
    try:
        if 0 < a.ndim < 3 > b.ndim > 0:
            return a.dot(b)
    except AttributeError:  # a Python number: numpy.matmul says why it cannot be one
        pass
    return _np.matmul(a, b)


matmul.rule.np_fn = _matmul_np


def _check_einsum_terms(subscripts: str, ins, out, shapes) -> None:
    """NumPy's checks of the subscripts against the operands' ranks (the single-operand view
    path reaches no backend einsum that would make them)."""
    for k, (s, shp) in enumerate(zip(ins, shapes, strict=True)):
        named = s.replace("...", "", 1)
        if not named.isalpha() and named:
            raise ValueError(f"einsum: invalid subscript in {s!r} of {subscripts!r}: only "
                             f"letters a-z, A-Z and one '...' per operand")
        if len(named) > len(shp) or (len(named) != len(shp) and "..." not in s):
            raise ValueError(f"einsum: {subscripts!r} names {len(named)} axes for operand "
                             f"{k}, which has shape {tuple(shp)}")
    if out is not None:
        named = out.replace("...", "", 1)
        if named and not named.isalpha():
            raise ValueError(f"einsum: invalid output subscripts {out!r} in {subscripts!r}")
        if len(set(named)) != len(named):
            raise ValueError(f"einsum: an output subscript repeats in {subscripts!r}")
        missing = set(named) - set("".join(ins))
        if missing:
            raise ValueError(f"einsum: output subscript {sorted(missing)[0]!r} of "
                             f"{subscripts!r} names no input axis")


def _parse_einsum(subscripts: str, shapes):
    if "." in subscripts.replace("...", ""):  # checked before the spaces go: '. ..' is not one
        raise ValueError(f"einsum: a '.' in {subscripts!r} is not part of an ellipsis ('...')")
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operands in {subscripts!r}, {len(shapes)} given")
    _check_einsum_terms(subscripts, ins, out, shapes)
    letters = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               if c not in subscripts]
    ell_nd = 0
    for s, shp in zip(ins, shapes, strict=True):
        if "..." in s:
            ell_nd = builtins_max(ell_nd, len(shp) - (len(s) - 3))
    ell = "".join(letters[:ell_nd])
    new_ins = []
    for s, shp in zip(ins, shapes, strict=True):
        if "..." in s:
            k = len(shp) - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        new_ins.append(s)
        for c in set(s):  # a repeated index takes a diagonal: its sizes must agree (no
            sizes = {shp[j] for j, d in enumerate(s) if d == c}  # broadcasting, as NumPy)
            if len(sizes) > 1:
                raise ValueError(
                    f"einsum: dimensions in single operand for collapsing index {c!r} don't "
                    f"match ({' != '.join(map(str, sorted(sizes)))}) in {subscripts!r} for an "
                    f"operand of shape {tuple(shp)}")
    if out is None:
        counts: dict[str, int] = {}
        for s in new_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    elif "..." in out:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_vjp(i, g, ans, *ops, ins, out):
    target = ins[i]
    shp = shape(ops[i])
    uniq = "".join(dict.fromkeys(target))  # a repeated index is a diagonal: reduce to it first
    others = [s for j, s in enumerate(ins) if j != i]
    avail = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in uniq if c in avail)
    spec = ",".join([out] + others) + "->" + kept
    r = einsum_(g, *[o for j, o in enumerate(ops) if j != i], spec=spec,
                ins=[out] + others, out=kept)
    # NumPy's einsum broadcasts axes of size 1, named or under the ellipsis: where this
    # operand's axis is 1 and the others' is not, the adjoint sums over it; where the others'
    # is 1 (or they lack the index) and this one's is not, it is broadcast along it
    ushp = tuple(shp[target.index(c)] for c in uniq)
    wide = tuple(j for j, c in enumerate(kept) if ushp[uniq.index(c)] == 1 and shape(r)[j] != 1)
    if wide:
        r = sum(r, axis=wide, keepdims=True)
    if kept != uniq:
        r = reshape(r, tuple(shape(r)[kept.index(c)] if c in kept else 1 for c in uniq))
    if tuple(shape(r)) != ushp:
        r = broadcast_to(r, ushp)
    if uniq != target:
        r = _einsum_diag_embed(r, uniq, target, shp, ins + [out])
    return r


def _einsum_diag_embed(r, uniq, target, shp, specs):
    """Place ``r`` (subscripts ``uniq``) on the diagonals that the repeated indices of ``target``
    name, as an einsum with constant identity matrices (so it stays differentiable)."""
    used = set("".join(specs))
    free = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    seen: set[str] = set()
    new_target, eye_specs, eyes = [], [], []
    for k, c in enumerate(target):
        if c in seen:
            d = next(free)
            new_target.append(d)
            eye_specs.append(c + d)
            eyes.append(_eye_like(shp[k], r))
        else:
            seen.add(c)
            new_target.append(c)
    o = "".join(new_target)
    return einsum_(r, *eyes, spec=",".join([uniq] + eye_specs) + "->" + o,
                   ins=[uniq] + eye_specs, out=o)


def _einsum_jvp(i, t, ans, *ops, spec, ins, out):
    args = list(ops)
    args[i] = t
    return einsum_(*args, spec=spec, ins=ins, out=out)


einsum_ = prim("einsum", lambda xp, *ops, spec, ins, out: xp.einsum(spec, *ops),
               # the formula reads no output: saving none lets later writes into it go ahead
               vjp_n=lambda i, g, ans, *xs, spec, ins, out: _einsum_vjp(i, g, None, *xs,
                                                                        ins=ins, out=out),
               jvp_n=_einsum_jvp)


def einsum(subscripts: str, *operands):
    """Einstein summation, as ``numpy.einsum`` (explicit or implicit output, ellipsis)."""
    ins, out = _parse_einsum(subscripts, [shape(o) for o in operands])
    if len(operands) == 1 and isinstance(operands[0], Tensor) and len(out) == len(set(out)) \
            and set(out) == set(ins[0]):
        return _einsum_view(operands[0], ins[0], out)
    spec = ",".join(ins) + "->" + out
    return einsum_(*operands, spec=spec, ins=ins, out=out)


def _einsum_view(x, sub: str, out: str):
    """``einsum(sub -> out, x)`` that sums nothing ('ii->i', 'ij->ji', 'iij->ji'): diagonals
    and a transpose, a view as NumPy's and torch's (a write into it reaches ``x``)."""
    from ..numpy import diagonal, transpose

    letters = list(sub)
    while len(letters) != len(set(letters)):
        c = next(c for c in letters if letters.count(c) > 1)
        i = letters.index(c)
        j = letters.index(c, i + 1)
        x = diagonal(x, 0, i, j)  # the merged axis goes last
        letters = [d for k, d in enumerate(letters) if k not in (i, j)] + [c]
    perm = tuple(letters.index(c) for c in out)
    return x if perm == tuple(range(len(perm))) else transpose(x, perm)


def _inv_fwd(xp, a):
    return xp.linalg.inv(a)


inv = prim("inv", _inv_fwd, vjp=[lambda g, ans, a: -matmul(_mT(ans), matmul(g, _mT(ans)))],
           jvp=[lambda t, ans, a: -matmul(ans, matmul(t, ans))])


def _solve_vjp_b(g, ans, a, b):
    if ndim(b) == 1:
        return getitem(solve(_mT(a), getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return solve(_mT(a), g)


def _solve_vjp_a(g, ans, a, b):
    gb = _solve_vjp_b(g, ans, a, b)
    if ndim(b) == 1:
        return -(getitem(gb, (Ellipsis, slice(None), None)) * getitem(ans, (Ellipsis, None,
                                                                            slice(None))))
    return -matmul(gb, _mT(ans))


def _solve_jvp_a(t, ans, a, b):
    if ndim(b) == 1:
        return -getitem(solve(a, matmul(t, getitem(ans, (Ellipsis, None)))), (Ellipsis, 0))
    return -solve(a, matmul(t, ans))


def _solve_fwd(xp, a, b):
    a, b = xp.asarray(a), xp.asarray(b)  # nested lists, as NumPy takes them
    if a.ndim < 2:  # NumPy's error (broadcasting b against a would raise a ValueError first)
        raise _np.linalg.LinAlgError(
            f"{a.ndim}-dimensional array given; a must be at least two-dimensional")
    if b.ndim == 1:
        return xp.linalg.solve(a, xp.broadcast_to(b, a.shape[:-1])[..., None])[..., 0]
    # stacks broadcast as in NumPy 2; CuPy (and NumPy 1) need equal stack shapes, and read a
    # b with one axis fewer than a as a stack of vectors
    lead = _np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if a.shape[:-2] != lead:
        a = xp.broadcast_to(a, lead + a.shape[-2:])
    if b.shape[:-2] != lead:
        b = xp.broadcast_to(b, lead + b.shape[-2:])
    return xp.linalg.solve(a, b)


solve = prim("solve", _solve_fwd, vjp=[_solve_vjp_a, _solve_vjp_b],
             jvp=[_solve_jvp_a, lambda t, ans, a, b: solve(a, t)])


def _det_vjp(g, ans, a):
    # the transposed adjugate: finite at singular matrices, where inv(a) is not
    from ..linalg_rules import adjugate_of

    return getitem(g, (Ellipsis, None, None)) * _mT(adjugate_of(a))


def _det_jvp(t, ans, a):
    from ..linalg_rules import adjugate_of

    return _tr(matmul(adjugate_of(a), t))


def _singular_logabsdet(ans):
    from ..linalg_rules import _any

    if _any(data(ans) == float("-inf")):
        raise GradError(
            "slogdet: log|det(a)| is -inf at a singular matrix and its derivative, inv(a)^T, "
            "does not exist there; differentiate det(a) instead (its gradient, the adjugate, "
            "is finite) or keep a away from singular matrices")


def _logabsdet_vjp(g, ans, a):
    _singular_logabsdet(ans)
    return getitem(g, (Ellipsis, None, None)) * _mT(inv(a))


def _logabsdet_jvp(t, ans, a):
    _singular_logabsdet(ans)
    return _tr(solve(a, t))


det = prim("det", lambda xp, a: xp.linalg.det(a), vjp=[_det_vjp], jvp=[_det_jvp])
logabsdet = prim("logabsdet", lambda xp, a: xp.linalg.slogdet(a)[1], vjp=[_logabsdet_vjp],
                 jvp=[_logabsdet_jvp])


def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = shape(x)[-1]
    xp = _xp(x)
    m = xp.tril(xp.ones((n, n), dtype=data(x).dtype)) - 0.5 * xp.eye(n, dtype=data(x).dtype)
    return x * m


def _tril_mask(x, k=0):
    n = shape(x)[-1]
    xp = _xp(x)
    return xp.tril(xp.ones((n, n), dtype=data(x).dtype), k)


def _chol_jvp(t, ans, a):
    ts = t * _tril_mask(t) + _mT(t * _tril_mask(t, -1))
    y = solve(ans, ts)
    tmp = _mT(solve(ans, _mT(y)))
    return matmul(ans, _phi(tmp))


def _chol_vjp(g, ans, a):
    p = _phi(matmul(_mT(ans), g))
    y = solve(_mT(ans), p)
    s = _mT(solve(_mT(ans), _mT(y)))
    return s * _tril_mask(s) + _mT(s) * _tril_mask(s, -1)


cholesky = prim("cholesky", lambda xp, a: xp.linalg.cholesky(a), vjp=[_chol_vjp],
                jvp=[_chol_jvp])


# names of the other families, which the formulas call (imported last: the families
# use one another)
from ._helpers import _eye_like, _mT, _tr, builtins_max  # noqa: E402
from .indexing import getitem  # noqa: E402
from .reductions import sum  # noqa: E402,A004
from .shapes import broadcast_to, reshape  # noqa: E402

# abstract evaluation (gpuad/prims/abstract.py)
_A.set_slots(matmul, _A.matmul_shape, _A.matmul_dtype)
_A.set_slots(einsum_, _A.einsum_shape, _A.einsum_dtype)
for _op in (inv, cholesky):
    _A.set_slots(_op, _A.same_shape, _A.linalg_dtype(_op.rule.impl))
for _op in (det, logabsdet):
    _A.set_slots(_op, _A.batch_scalar_shape, _A.linalg_dtype(_op.rule.impl))
_A.set_slots(solve, _A.solve_shape, _A.linalg_dtype(solve.rule.impl, 2))
del _op
