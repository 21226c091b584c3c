"""Abstract evaluation: for every primitive with filled ``shape``/``dtype`` slots, the shape and
dtype they give equal those of running ``impl`` on random inputs (a property over the table).

Entrywise primitives are run directly on random broadcastable shapes and dtypes; the others
through their public functions, with every call to the op table recorded, so the parameters
are the ones gpuad really passes.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad.numpy as gnp
from gpuad import rules
from gpuad.prims import core
from gpuad.prims.expr import input_names
from gpuad.prims.indexing import _is_basic, diagonal_, normalize_index, scatter
from gpuad.prims.registry import load_all

RULES = load_all()
FILLED = {n for n, p in RULES.items() if p.shape is not None and p.dtype is not None}
ENTRYWISE = {n for n in FILLED if RULES[n].shape is core._broadcast_shape}
DTYPES = (np.float64, np.float32, np.int32, np.int64, np.bool_, np.complex128)
SEEDS = range(6)


def _check(p, arrays, params, out):
    shapes = [a.shape for a in arrays]
    dtypes = [a.dtype for a in arrays]
    out = np.asarray(out)
    got = p.abstract_eval(shapes, dtypes, params)
    assert got == (out.shape, out.dtype), (p.name, shapes, dtypes, params, got)


def _broadcastable(rng, n):
    nd = int(rng.integers(0, 4))
    full = tuple(int(k) for k in rng.integers(1, 4, nd))
    out = []
    for _ in range(n):
        s = tuple(1 if rng.random() < 0.3 else k for k in full)
        out.append(s[int(rng.integers(0, len(s) + 1)):])  # fewer leading axes
    return out


def _array(rng, shape, dtype):
    x = rng.uniform(0.2, 2.0, shape)
    if np.dtype(dtype).kind == "c":
        return (x + 1j * rng.uniform(0.2, 2.0, shape)).astype(dtype)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(1, 4, shape).astype(dtype)
    return x.astype(dtype)


# entrywise primitives whose forward takes keyword parameters: one value of each
PARAMS = {"orthopoly": {"kind": "chebyshev_polynomial_t", "k": 1}, "zeta": {"riemann": True}}


@pytest.mark.parametrize("name", sorted(ENTRYWISE - {"astype"}))
def test_entrywise(name):
    p = RULES[name]
    params = PARAMS.get(name, {})
    # a variadic forward without formulas (gammasgn) is unary
    nargs = len(p.vjps) if p.vjps else (len(input_names(p.impl)) or 1)
    ran = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for shapes in (_broadcastable(rng, nargs), [(3, 2)] * nargs):
            dtypes = [DTYPES[int(rng.integers(len(DTYPES)))] for _ in range(nargs)]
            for dts in (dtypes, [np.float64] * nargs):
                arrays = [_array(rng, s, d) for s, d in zip(shapes, dts, strict=True)]
                try:
                    with np.errstate(all="ignore"):
                        out = p.impl(np, *arrays, **params)
                except (TypeError, ValueError):
                    continue  # a dtype the op does not take
                _check(p, arrays, params, out)
                ran += 1
    assert ran, f"{name}: no sample ran"


class Recorder:
    """Every call of an op with filled slots on array inputs: (primitive, arrays, params,
    result)."""

    def __init__(self, monkeypatch):
        self.seen: set[str] = set()
        self.calls: list = []
        apply = core.apply

        def spy(rule, args, params=None):
            out = apply(rule, args, params) if params is not None else apply(rule, args)
            params = params or {}
            if rule.name in FILLED and all(isinstance(a, np.ndarray) for a in args):
                self.calls.append((rule, args, dict(params), out))
            return out

        monkeypatch.setattr(core, "apply", spy)
        # prim()'s ops call the one- and two-argument forms directly
        monkeypatch.setattr(core, "apply1", lambda rule, x, params=None: spy(rule, (x,), params))
        monkeypatch.setattr(core, "apply2",
                            lambda rule, a, b, params=None: spy(rule, (a, b), params))

    def check(self):
        for rule, args, params, out in self.calls:
            _check(rule, args, params, out)
            self.seen.add(rule.name)
        self.calls.clear()


def _shape(rng, lo=0, hi=4):
    return tuple(int(k) for k in rng.integers(1, 4, int(rng.integers(lo, hi))))


def _axis(rng, nd):
    r = rng.random()
    if r < 0.25 or nd == 0:
        return None
    if r < 0.5:
        return int(rng.integers(-nd, nd))
    return tuple(int(a) for a in rng.choice(nd, int(rng.integers(1, nd + 1)), replace=False))


def _dtype(rng, kinds=DTYPES):
    return kinds[int(rng.integers(len(kinds)))]


def _drive(rng):
    """Random calls of the non-entrywise primitives with filled slots."""
    nd = int(rng.integers(0, 4))
    x = _array(rng, _shape(rng, nd, nd + 1), _dtype(rng))
    keep = bool(rng.random() < 0.5)
    real = _array(rng, x.shape, _dtype(rng, (np.float64, np.float32, np.int32, np.bool_)))
    gnp.sum(x, axis=_axis(rng, x.ndim), keepdims=keep)
    gnp.prod(x, axis=_axis(rng, x.ndim), keepdims=keep)
    gnp.max(real, axis=_axis(rng, x.ndim), keepdims=keep)
    gnp.min(real, axis=_axis(rng, x.ndim), keepdims=keep)
    rules.logsumexp(real, axis=_axis(rng, x.ndim), keepdims=keep)
    ax = _axis(rng, x.ndim)
    ax = (ax,) if isinstance(ax, int) else ax
    rules.norm2(real, axis=None if ax is None else tuple(sorted(a % x.ndim for a in ax)),
                keepdims=keep, shape=x.shape)
    gnp.cumsum(x, axis=None if x.ndim == 0 else int(rng.integers(-x.ndim, x.ndim)))
    gnp.cumprod(x, axis=None if x.ndim == 0 else int(rng.integers(-x.ndim, x.ndim)))
    # shape ops
    gnp.reshape(x, (-1,) + (1,) * int(rng.integers(0, 3)))
    if x.ndim:
        gnp.transpose(x, tuple(int(a) for a in rng.permutation(x.ndim)))
        y = _array(rng, x.shape[:0] + (int(rng.integers(0, 3)),) + x.shape[1:], _dtype(rng))
        gnp.concatenate([x, y, x], axis=0)
    gnp.broadcast_to(x, (2,) + tuple(1 if rng.random() < 0.0 else n for n in x.shape))
    from gpuad import _numpy_protocol

    _numpy_protocol._stack(x, _array(rng, x.shape, _dtype(rng)))
    # matmul, einsum, linear algebra
    n, k, m = (int(v) for v in rng.integers(1, 4, 3))
    batch = _shape(rng, 0, 3)
    da, db = _dtype(rng), _dtype(rng)
    for sa, sb in (((n, k), (k, m)), ((k,), (k,)), ((k,), batch + (k, m)),
                   (batch + (n, k), (k,)), (batch + (n, k), (1,) * len(batch) + (k, m))):
        gnp.matmul(_array(rng, sa, da), _array(rng, sb, db))
    for spec, shapes in (("ij,jk->ik", [(n, k), (k, m)]), ("bij,bjk->bik", [(2, n, k), (2, k, m)]),
                         ("i,i->", [(k,), (k,)]), ("ii->i", [(k, k)]), ("ij->ji", [(n, k)]),
                         ("...ij,...jk->...ik", [(3, n, k), (1, k, m)])):
        gnp.einsum(spec, *[_array(rng, s, _dtype(rng)) for s in shapes])
    fl = _dtype(rng, (np.float64, np.float32))
    a = rng.standard_normal(batch + (k, k))
    spd = (a @ np.swapaxes(a, -1, -2) + k * np.eye(k)).astype(fl)
    rules.inv(spd)
    rules.cholesky(spd)
    rules.det(spd)
    rules.logabsdet(spd)
    rules.solve(spd, _array(rng, (k,), _dtype(rng, (np.float64, np.float32))))
    rules.solve(spd, _array(rng, batch + (k, m), _dtype(rng, (np.float64, np.float32))))
    # indexing
    z = _array(rng, (4, 5, 3), _dtype(rng))
    for index in ((1,), (slice(None, None, 2), None, -1), (Ellipsis, 1),
                  (np.array([0, 3, 3]), slice(1, 4)), (slice(None), np.array([[1], [2]]), 0),
                  (np.array([1, 2]), slice(None), np.array([0, 2])),
                  (z[..., 0].real > 1,), (np.array([True, False, True, True]), Ellipsis, None)):
        r = rules.getitem(z, index)
        idx = normalize_index(index)
        scatter(np.asarray(r), index=idx, shape=z.shape, basic=_is_basic(idx))
        rules.index_update(z, index, _array(rng, np.asarray(r).shape[1:], _dtype(rng)))
    for offset in (0, 2, -3, 6):  # a Tensor's diagonal (a view)
        diagonal_(z, offset=offset, shape=z.shape)
    rules.astype(x, _dtype(rng))


def test_non_entrywise_primitives(monkeypatch):
    rec = Recorder(monkeypatch)
    for seed in SEEDS:
        with np.errstate(all="ignore"):
            _drive(np.random.default_rng(seed))
        rec.check()
    missing = FILLED - ENTRYWISE - rec.seen
    assert not missing, f"primitives with filled slots that no sample ran: {sorted(missing)}"


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        RULES["matmul"].abstract_eval([(2, 3), (4,)], [np.float64] * 2, {})
