"""PyTorch's indexing test cases (``test/test_indexing.py``: ``TestIndexing`` and the
``NumpyTests`` it ports) run on gpuad's torch-style Tensor API and compared with torch in
float64: ``__getitem__`` and ``__setitem__`` with every kind of index, ``index_put``/
``index_put_`` with ``accumulate``, boolean and byte masks, ``None``, ``Ellipsis``, 0-d
tensors, empty indices, int32 and int64 indices, values that broadcast, and writes through
indexed views; the gradients reach the indexed tensor and the values as torch's do.

Where torch raises, gpuad raises too (``TORCH_ERRORS``), except where gpuad's Tensor, which
is also the NumPy array of ``gpuad.numpy``, follows NumPy's defined meaning
(``NUMPY_MEANINGS``, each checked to give NumPy's value); where the two libraries give an
index different meanings gpuad raises and says how to write it (``AMBIGUOUS``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad

torch = pytest.importorskip("torch")
E = Ellipsis
S = slice(None)


def _xp():
    return ad.get_backend().xp


def _tt(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _gt(a, grad=False):
    return ad.tensor(_xp().asarray(np.asarray(a, dtype=np.float64)), requires_grad=grad)


def _bools(e) -> bool:
    """Whether ``e`` is a (nested) sequence of bools only."""
    if isinstance(e, list | tuple):
        return bool(e) and all(_bools(i) for i in e)
    return isinstance(e, bool)


def _lists(e):
    return [_lists(i) for i in e] if isinstance(e, list | tuple) else e


def _convert(idx, kind, lib):
    """A torch-test index for ``lib`` (``"torch"`` or ``"gpuad"``): a top-level tuple is the
    tuple of indices; each sequence in it (or a top-level list) is passed as ``kind`` says
    (``list``, ``tuple``, an ``int64``/``int32`` tensor: torch's ``ri`` helper), a nested
    tuple of bools as a boolean tensor."""
    def tensor(a):
        if lib == "torch":
            return torch.tensor(a)
        return ad.tensor(_xp().asarray(a))

    def elem(e):
        if isinstance(e, tuple) and _bools(e) and isinstance(e[0], tuple):
            return tensor(np.array(e))
        if isinstance(e, list | tuple):
            if _bools(e) or kind == "list":
                return _lists(e)
            if kind == "tuple":
                return tuple(e)
            return tensor(np.asarray(e, dtype=kind))
        return e

    if isinstance(idx, tuple):
        return tuple(elem(e) for e in idx)
    return elem(idx)


def _pair(idx, kind):
    return _convert(idx, kind, "torch"), _convert(idx, kind, "gpuad")


def _same(got, want, what, exact=False):
    g = to_numpy(got) if isinstance(got, ad.Tensor) else np.asarray(got)
    if want is None:  # torch's .grad of a tensor no gradient reached (an empty selection)
        want = np.zeros_like(g)
    w = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert g.shape == w.shape, f"{what}: shape {g.shape}, torch {w.shape}"
    np.testing.assert_allclose(g, w, rtol=0 if exact else 1e-12, atol=0 if exact else 1e-12,
                               err_msg=what)


def _consec(shape, start=1):
    return np.arange(start, start + int(np.prod(shape)), dtype=np.float64).reshape(shape)


# ---- getitem / setitem / backward over torch's index tables ---------------------------------
# (shape, index) from test_index, test_advancedindex (its tables on (4, 5), (4, 8, 5) and
# (3, 9, 8, 6)), test_none, test_step, test_int_indices, test_ellipsis_tensor, ...
R = [(0, 1), (1, 0)]
INDEX_CASES = [
    ((3, 3, 3), 0), ((3, 3, 3), (0, 1)), ((3, 3, 3), slice(0, 2)), ((3, 3, 3), (2, 2, 2)),
    ((3, 3, 3), S), ((3, 3, 3), (E, 2)), ((3, 3, 3), (0, E, 2)), ((3, 3, 3), (0, 2, E)),
    ((3, 3, 3), (E, 2, 2, 2)), ((3, 3, 3), (2, E, 2, 2)), ((3, 3, 3), (2, 2, E, 2)),
    ((3, 3, 3), (2, 2, 2, E)), ((3, 3, 3), E),
    ((3, 3, 3, 3, 3), (E, 1, 0)), ((3, 3, 3, 3, 3), (2, E, 1, 0)),
    ((3, 3, 3, 3, 3), (2, 1, 0, E, 1)),
    ((5, 5, 5), (2, None)), ((5, 5, 5), (2, None, None)), ((5, 5, 5), (slice(2, 4), None)),
    ((5, 5, 5), (None, 2, None, None)), ((5, 5, 5), (None, slice(2, 5), None, None)),
    ((5, 5, 5), slice(0)), ((5, 5, 5), (slice(0), 2)), ((5, 5, 5), (2, slice(0))),
    ((5, 5, 5), (2, slice(1, 1), 2)),
    ((10, 10, 10), slice(1, 5, 2)), ((10, 10, 10), slice(1, 9, 4)),
    ((10, 10, 10), (slice(2, 4), slice(1, 5, 2))), ((10, 10, 10), (3, slice(1, 6, 2))),
    ((10, 10, 10), (None, 2, slice(1, 9, 4))), ((10, 10, 10), (S, 2, slice(1, 6, 2))),
    ((10,), [0]), ((10,), ([3],)), ((10,), [2, 3, 4]), ((10,), ([0, 2, 4],)),
    ((10,), ([[2, 1], [0, 3]],)),
    ((3, 2), ([0, 1, 2], [0])), ((3, 2), ([0, 1, 2], [1])), ((3, 2), ([2], [1])),
    ((3, 2), ([0, 1, 1, 0, 2], [1])), ((3, 2), ([0, 0, 1, 1], [0, 1, 0, 0])),
    ((3, 2), ([[0, 0], [1, 2]], [0])), ((3, 2), ([[0, 0], [1, 2]], [1, 0])),
    ((3, 2), ([[0, 0], [1, 2]], [[0, 1], [1, 0]])),
    ((3, 2), ([0, 2],)), ((3, 2), ([1], E)), ((3, 2), (E, [1])),
    ((4, 5), (S, [1, 3])), ((4, 5), ([0, 2], S)), ((4, 5), (S, [[0, 1], [2, 3]])),
    ((4, 5), ([-1], [0])), ((4, 5), ([0, 2], [-1])), ((4, 5), (S, [-1])),
    ((4, 5), (S, [0, 1, 1, 2, 2])),
    ((4, 8, 5), (S, S, (0, 3, 4))), ((4, 8, 5), (S, (2, 4, 5, 7), S)),
    ((4, 8, 5), ((2, 3), S, S)), ((4, 8, 5), (S, (0, 2, 3), (1, 3, 4))),
    ((4, 8, 5), (S, (0,), (1, 2, 4))), ((4, 8, 5), (S, (0, 1, 3), (4,))),
    ((4, 8, 5), (S, R, ((2, 3),))), ((4, 8, 5), (S, ((0, 1), (2, 3)), ((0,),))),
    ((4, 8, 5), (S, ((5, 6),), ((0, 3), (4, 4)))), ((4, 8, 5), ((0, 2, 3), (1, 3, 4), S)),
    ((4, 8, 5), (((0, 1), (1, 0)), ((2, 1), (3, 5)), S)),
    ((4, 8, 5), (((2,),), ((0, 3), (4, 1)), S)), ((4, 8, 5), ((0, 2, 3), S, (1, 3, 4))),
    ((4, 8, 5), ((0, 2),)), ((4, 8, 5), ((0, 2), E)), ((4, 8, 5), ((0, 2), S, E)),
    ((4, 8, 5), ((0, 2), E, S)), ((4, 8, 5), ((0, 2), (1, 3))),
    ((4, 8, 5), ((0, 2), (1, 3), E)), ((4, 8, 5), (E, (1, 3), (2, 3))),
    ((4, 8, 5), (E, (2, 3, 4))), ((4, 8, 5), (S, E, (2, 3, 4))),
    ((4, 8, 5), (E, S, S, (0, 3, 4))), ((4, 8, 5), (S, S, E, (0, 3, 4))),
    ((4, 8, 5), (S, S, (0, 3, 4), E)), ((4, 8, 5), (E, R, ((2, 1), (3, 5)), S)),
    ((4, 8, 5), (R, ((2, 1), (3, 5)), E, S)),
    ((3, 9, 8, 6), (S, S, S, (0, 3, 4))), ((3, 9, 8, 6), (S, S, (0, 2, 3), (1, 3, 4))),
    ((3, 9, 8, 6), (S, ((0, 1), (3, 4)), ((2, 3), (0, 1)), S)),
    ((3, 9, 8, 6), (((0, 1), (0, 2)), ((2, 4), (1, 5)), S, S)),
    ((3, 9, 8, 6), (S, (3, 4, 6), (0, 2, 3), (1, 3, 4))),
    ((3, 9, 8, 6), (S, ((0, 3), (3, 6)), ((0, 1), (1, 3)), ((5, 3), (1, 2)))),
    ((3, 9, 8, 6), ((2, 2, 1), (0, 2, 3), (1, 3, 4), S)),
    ((3, 9, 8, 6), (((1, 2), (1, 2)), ((0, 1), (2, 3)), ((2, 3), (3, 5)), S)),
    ((3, 9, 8, 6), ((0,), (1, 2, 4), E, S)), ((3, 9, 8, 6), (E, (0, 2, 1), (3,), (4,))),
    ((3, 9, 8, 6), (S, S, [[0, 1], [1, 0]], [[2, 3], [3, 0]])),
    ((3, 9, 8, 6), (S, S, [[2]], [[0, 3], [4, 4]])),
    ((5, 7, 3), 4), ((5, 7, 3), (4, S, 1)), ((5, 7, 3), None), ((5, 7, 3), (S, None)),
    ((5, 7, 3), (S, None, None)), ((5, 7, 3), (E, None)),
    ((10,), slice(None, None, 1)), ((10,), slice(None, None, 3)), ((10,), slice(None, None, 11)),
    ((5, 7, 3), [0, 4, 2]), ((5, 7, 3), (S, [0, 4, 2])), ((5, 7, 3), (S, [[0, 1], [4, 3]])),
    ((3, 3), (E, [0, 2])), ((3, 3), ([0, 2], E)),
    ((2, 2, 3), (((True, False), (False, False)),)),
    ((2, 2, 3), (((True, False), (False, False)), slice(None, None, 2))),
    ((2, 2, 3), (((True, False), (False, False)), None)),
    ((2, 2, 3), (((True, False), (False, False)), 0)),
    ((2, 2, 3), (((True, False), (False, False)), True)),
    ((2, 2, 3), (((True, False), (False, False)), True, True, True, True)),
    ((2, 2, 3), (((True, False), (False, False)), False)),
    ((2, 2, 3), (((True, False), (False, False)), True, True, False, True)),
    ((3, 3), True), ((3, 3), False), ((3, 3), ()), ((2, 3, 4), (False, True, E)),
    ((2, 3, 4), (True, [0, 1], True, True, [1], [[2]])), ((2, 3), (True, True)),
    ((3, 3), [True, False, False]), ((3, 3), ([True, False, False], [True, False, False])),
    ((3, 3), [True, True, False]), ((3, 3), ([True, True, False], [True, True, False])),
    ((4, 3), ([[0, 0], [3, 3]], [[0, 2], [0, 2]])), ((4, 3), ([[0], [3]], [0, 2])),
    ((4, 3), (slice(1, 2), [1, 2])), ((1000,), ([0, 123, 444, 688, 999],)),
]


def _case_id(c):
    return f"{c[0]}-{c[1]!r}".replace(" ", "")[:80]


@pytest.mark.parametrize("kind", ["list", "int64"])
@pytest.mark.parametrize("case", INDEX_CASES, ids=_case_id)
def test_getitem_setitem_backward(backend, case, kind):
    shape, idx = case
    if kind == "int64" and not _has_seq(idx):
        pytest.skip("no sequence to pass as a tensor")
    ti, gi = _pair(idx, kind)
    a = _consec(shape)
    rng = np.random.default_rng(abs(hash((shape, repr(idx)))) % 2**32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = _tt(a)[ti]
        _same(_gt(a)[gi], want, f"x{shape}[{idx!r}]", exact=True)
        # backward with a random gradient of the output
        go = rng.standard_normal(tuple(want.shape))
        t = _tt(a, True)
        t[ti].backward(torch.tensor(go))
        g = _gt(a, True)
        g[gi].backward(_xp().asarray(go))
        _same(g.grad, t.grad, f"x{shape}[{idx!r}]: gradient")
        # setitem with a number and with a tensor of the selection's shape
        for v in (212.0, rng.permutation(max(want.numel(), 1))[:want.numel()].reshape(
                tuple(want.shape)).astype(float)):
            tv = v if isinstance(v, float) else torch.tensor(v)
            gv = v if isinstance(v, float) else _gt(v)
            t = _tt(a)
            t[ti] = tv
            g = _gt(a)
            g[gi] = gv
            _same(g, t, f"x{shape}[{idx!r}] = {type(v).__name__}")
        # setitem with values that require grad, into a non-leaf: gradients to both
        v = rng.standard_normal(tuple(want.shape))
        tb, tv = _tt(a, True), _tt(v, True)
        tc = tb * 1.0
        tc[ti] = tv
        (tc * tc).sum().backward()
        gb, gv = _gt(a, True), _gt(v, True)
        gc = gb * 1.0
        gc[gi] = gv
        (gc * gc).sum().backward()
        if not _repeats(a, ti):
            _same(gc, tc, "setitem value")
            _same(gb.grad, tb.grad, "setitem: gradient of the tensor written into")
            _same(gv.grad, tv.grad, "setitem: gradient of the values")


def _has_seq(idx):
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(e, list | tuple) and not _bools(e) for e in parts)


def _repeats(a, ti):
    """Whether the index names one element twice (torch leaves the kept write open there)."""
    pos = torch.arange(a.size).reshape(a.shape)[ti]
    return pos.numel() != torch.unique(pos).numel()


@pytest.mark.parametrize("dtype", ["int32", "int64", "tuple"])
def test_index_kinds_agree(backend, dtype):
    """test_index_ind_dtype / ri(): an index sequence as a list, a tuple, an int32 or an int64
    tensor gives the same result, read and written."""
    x = np.random.default_rng(0).standard_normal((4, 4))
    ind = [3, 0, 2, 2]
    for idx in ((ind, ind), (ind, S), (S, ind), ((0, 1, 2, 3), (0, 1, 2, 3))):
        ti, gi = _pair(idx, dtype)
        _same(_gt(x)[gi], _tt(x)[ti], f"{dtype} {idx}")
    src = np.random.default_rng(1).standard_normal(4)
    for accumulate in (True, False):
        ti, gi = _pair((tuple(range(4)), tuple(range(4))), dtype)
        t = _tt(x)
        t.index_put_(ti if dtype != "tuple" else tuple(torch.tensor(i) for i in ti),
                     torch.tensor(src), accumulate)
        g = _gt(x)
        g.index_put_(gi if dtype != "tuple" else tuple(_xp().asarray(i) for i in gi),
                     _gt(src), accumulate)
        _same(g, t, f"index_put_ {dtype} accumulate={accumulate}")


# ---- index_put / index_put_ -----------------------------------------------------------------
def _idx_t(*arrs):
    return tuple(torch.tensor(np.asarray(a)) for a in arrs)


def _idx_g(*arrs):
    return tuple(ad.tensor(_xp().asarray(np.asarray(a))) for a in arrs)


PUT_CASES = [
    # test_index_put_accumulate_expanded_values
    ((5, 2), ([0, 1, 2, 3], [1]), ()),
    ((5, 2), ([0, 1, 2, 3], [1]), (1,)),
    ((4, 3, 2), ([0], np.arange(3)[:, None], np.arange(2)[None, :]), (2,)),
    ((4, 3, 2), ([0], np.arange(3)[:, None], np.arange(2)[None, :]), (1, 2)),
    # test_index_put_accumulate_large_tensor's pattern (repeats, negatives), small
    ((9,), ([-2, 0, -2, -1, 0, -1, 1],), (7,)),
    ((2, 9), ([0, -1, 0, 1], [-2, -1, 0, 1]), (4,)),
    # deterministic_with_optional_tensors: index on the first dim only
    ((5, 4), ([1, 4, 3],), (4,)),
    ((2, 3, 4), ([0, 1],), (2, 3, 1)),
    ((4, 2), ([True, False, True, True],), (3, 2)),
    ((4, 2), (np.zeros(4, bool),), (0, 2)),
    ((3, 4), ([[True, False, True, True], [False, False, True, False], [True] * 4],), (8,)),
]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", PUT_CASES, ids=lambda c: f"{c[0]}-{len(c[1])}-{c[2]}")
def test_index_put(backend, case, accumulate):
    shape, arrs, vshape = case
    rng = np.random.default_rng(abs(hash((shape, vshape, accumulate))) % 2**32)
    a = rng.standard_normal(shape)
    v = rng.standard_normal(vshape)
    ta, tv = _tt(a, True), _tt(v, True)
    ga, gv = _gt(a, True), _gt(v, True)
    tidx, gidx = _idx_t(*arrs), _idx_g(*arrs)
    if not accumulate and _repeats(a, tidx):
        pytest.skip("repeated targets without accumulate: torch leaves the kept one open")
    tout = ta.index_put(tidx, tv, accumulate=accumulate)
    gout = ga.index_put(gidx, gv, accumulate=accumulate)
    _same(gout, tout, "index_put")
    go = rng.standard_normal(shape)
    tout.backward(torch.tensor(go))
    gout.backward(_xp().asarray(go))
    _same(ga.grad, ta.grad, "index_put: gradient of self")
    _same(gv.grad, tv.grad, "index_put: gradient of the values")
    # the in-place form on a copy, and the tensor version bump
    t, g = _tt(a), _gt(a)
    t.index_put_(tidx, torch.tensor(v), accumulate=accumulate)
    r = g.index_put_(gidx, _gt(v), accumulate=accumulate)
    assert r is g
    _same(g, t, "index_put_")


def test_index_put_accumulate_duplicate_indices(backend):
    """Random walks give many interleaved repeats; accumulate adds every one."""
    rng = np.random.default_rng(5)
    for n in (1, 7, 64, 300):
        idx = np.cumsum(rng.uniform(-1, 1, n)).astype(np.int64)
        base = rng.standard_normal(np.abs(idx).max() + 1)
        vals = rng.standard_normal(n)
        t = _tt(base).index_put((torch.tensor(idx),), _tt(vals), accumulate=True)
        g = _gt(base).index_put((_xp().asarray(idx),), _gt(vals), accumulate=True)
        _same(g, t, f"duplicates n={n}")
    # non-accumulating: the last write of repeated targets is kept (torch's CPU order)
    idx = rng.integers(0, 13, 400)
    vals = rng.standard_normal(400)
    base = rng.standard_normal(13)
    t = _tt(base).index_put((torch.tensor(idx),), _tt(vals), accumulate=False)
    g = _gt(base).index_put((_xp().asarray(idx),), _gt(vals), accumulate=False)
    _same(g, t, "non-accumulating repeats")


def test_bool_and_empty_mask_accumulate(backend):
    """test_bool_indices_accumulate, test_index_put_src_datatype, test_index_src_datatype."""
    for mask in (np.zeros(10, bool), np.arange(10) % 3 == 0):
        t = torch.ones(10, 10, dtype=torch.float64)
        t.index_put_((torch.tensor(mask),), t[torch.tensor(mask)], accumulate=True)
        g = _gt(np.ones((10, 10)))
        g.index_put_((_xp().asarray(mask),), g[_xp().asarray(mask)], accumulate=True)
        _same(g, t, "bool mask accumulate")
    src = np.ones((3, 2, 4))
    t = _tt(src).index_put_((torch.tensor([0, 2, 1]),), _tt(src), accumulate=True)
    g = _gt(src).index_put_((_xp().asarray([0, 2, 1]),), _gt(src), accumulate=True)
    _same(g, t, "index_put_src_datatype")
    t, g = _tt(src), _gt(src)
    t[[0, 2, 1], :, :] = t[[0, 2, 1], :, :]
    g[[0, 2, 1], :, :] = g[[0, 2, 1], :, :]
    _same(g, t, "index_src_datatype")


# ---- setitem: broadcasting values, masks, scalars ------------------------------------------
def test_setitem_broadcasting_and_masks(backend):
    xp = _xp()
    # test_set_item_to_scalar_tensor
    z = np.random.default_rng(0).standard_normal((4, 3))
    tz, tw = _tt(z), _tt(1.0, True)
    tz[:, 0] = tw
    tz.sum().backward()
    gz, gw = _gt(z), _gt(1.0, True)
    gz[:, 0] = gw
    gz.sum().backward()
    _same(gw.grad, tw.grad, "w.grad")
    # test_step_assignment
    t, g = torch.zeros(4, 4, dtype=torch.float64), _gt(np.zeros((4, 4)))
    t[0, 1::2] = torch.tensor([3.0, 4.0], dtype=torch.float64)
    g[0, 1::2] = _gt([3.0, 4.0])
    _same(g, t, "step assignment")
    # test_bool_mask_assignment, test_multi_dimensional_bool_mask_assignment
    for idx_t, idx_g, shape in (
            ((torch.tensor([True, False]), S), (xp.asarray([True, False]), S), (2, 2)),
            ((S, torch.tensor([True, False])), (S, xp.asarray([True, False])), (2, 2)),
            ((S, torch.tensor([[True, False], [False, True]]), S),
             (S, xp.asarray([[True, False], [False, True]]), S), (1, 2, 2, 1))):
        t, g = _tt(_consec(shape)), _gt(_consec(shape))
        t[idx_t] = 0
        g[idx_g] = 0
        _same(g, t, f"mask assignment {shape}")
    # test_boolean_indexing_onedim / twodim
    t, g = torch.zeros(1, 3, dtype=torch.float64), _gt(np.zeros((1, 3)))
    t[torch.tensor([True])] = 1.0
    g[xp.asarray([True])] = 1.0
    _same(g, t, "onedim")
    b = [[True, False, True], [False, True, False], [True, False, True]]
    t, g = _tt(_consec((3, 3))), _gt(_consec((3, 3)))
    t[torch.tensor(b)] = 0
    g[xp.asarray(b)] = 0
    _same(g, t, "twodim")
    # test_int_assignment
    t, g = _tt(_consec((2, 2))), _gt(_consec((2, 2)))
    t[1] = 5
    g[1] = 5
    t[0] = torch.arange(5.0, 7, dtype=torch.float64)
    g[0] = _gt([5.0, 6.0])
    _same(g, t, "int assignment")
    # test_index_is_larger
    t, g = torch.zeros(5, 5, dtype=torch.float64), _gt(np.zeros((5, 5)))
    t[[[0], [1], [2]], [0, 1, 2]] = torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64)
    g[[[0], [1], [2]], [0, 1, 2]] = _gt([2.0, 3.0, 4.0])
    _same(g, t, "index_is_larger")
    # test_broadcast_subspace
    t, g = torch.zeros(100, 100, dtype=torch.float64), _gt(np.zeros((100, 100)))
    v = np.arange(100.0)[:, None]
    t[torch.arange(99, -1, -1)] = _tt(v)
    g[xp.arange(99, -1, -1)] = _gt(v)
    _same(g, t, "broadcast_subspace")
    # test_truncate_leading_1s
    col = np.random.default_rng(2).standard_normal((1, 4))
    t, g = _tt(col.T * col), _gt(col.T * col)
    t[range(4), range(4)] = torch.square(_tt(col))
    g[range(4), range(4)] = _gt(col) ** 2
    _same(g, t, "truncate_leading_1s")
    # test_index_setitem_bools_slices (with values carrying leading 1s)
    for shape in ((2, 3), ()):
        a = np.random.default_rng(3).standard_normal(shape)
        t, g = _tt(a), _gt(a)
        neg = -np.ones((1, 1) + shape)
        for k, idx in enumerate((True, False, None, E)):
            t[idx] = _tt(neg * (k + 1))
            g[idx] = _gt(neg * (k + 1))
            _same(g, t, f"a[{idx}] = expanded, shape {shape}")
        t[torch.tensor(True)] = _tt(neg * 7)
        g[ad.tensor(xp.asarray(True))] = _gt(neg * 7)
        _same(g, t, "a[tensor(True)] = expanded")
    # test_setitem_scalars / test_getitem_scalars
    a = np.random.default_rng(4).standard_normal((2, 3))
    t, g = _tt(a), _gt(a)
    zt, zg = torch.tensor(0), ad.tensor(xp.asarray(0))
    t[zt] = _tt(np.ones(3))
    g[zg] = _gt(np.ones(3))
    t[1, zt] = 7.7
    g[1, zg] = 7.7
    _same(g, t, "scalar tensor indices")
    _same(g[zg, 1], t[zt, 1], "a[zero, 1]")
    r_t, r_g = _tt(2.0), _gt(2.0)
    r_t[...] = 9.9
    r_g[...] = 9.9
    _same(r_g, r_t, "0-d [...] =")
    _same(r_g[...], r_t[...], "0-d [...]")
    _same(r_g[None], r_t[None], "0-d [None]")
    _same(r_g[()], r_t[()], "0-d [()]")
    b_t, b_g = torch.tensor(1.0, dtype=torch.float64), _gt(1.0)
    b_t[(E,)] = 2
    b_g[(E,)] = 2
    _same(b_g, b_t, "(Ellipsis,) on 0-d")


def test_empty_indices(backend):
    """test_empty_index, test_empty_ndim_index, test_empty_fancy_index, test_empty_slice."""
    xp = _xp()
    x = _consec((4, 3))
    t, g = _tt(x), _gt(x)
    _same(g[xp.asarray(np.zeros(0, np.int64))], t[torch.tensor([], dtype=torch.long)], "x[[]]")
    g2, t2 = _gt(x), _tt(x)
    g2[xp.asarray(np.zeros(0, np.int64))] = -1
    t2[torch.tensor([], dtype=torch.long)] = -1
    g2[xp.zeros((4, 3), bool)] = -1
    t2[torch.zeros(4, 3, dtype=torch.bool)] = -1
    _same(g2, t2, "empty assignment")
    _same(_gt(np.arange(5.0))[xp.zeros((0, 2), np.int64)],
          _tt(np.arange(5.0))[torch.empty(0, 2, dtype=torch.int64)], "(0, 2) index")
    y = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    _same(_gt(y)[:, xp.zeros((0, 6), np.int64)], _tt(y)[:, torch.empty(0, 6, dtype=torch.int64)],
          "x[:, empty(0, 6)]")
    e = np.zeros((10, 0))
    _same(_gt(e)[[1, 2]], _tt(e)[[1, 2]], "(10, 0)[[1, 2]]")
    _same(_gt(e)[[], []], _tt(e)[[], []], "(10, 0)[[], []]")
    with pytest.raises(IndexError):
        _tt(e)[:, [0, 1]]
    with pytest.raises(IndexError):
        _gt(e)[:, [0, 1]]
    _same(_gt(y)[:, :, :, 1][:, 1:1, :], _tt(y)[:, :, :, 1][:, 1:1, :], "empty slice")
    a = np.array([1.0, 2, 3])
    _same(_gt(a)[[]], _tt(a)[[]], "a[[]]")
    # backward through an empty selection: a zero gradient of the right shape
    g = _gt(x, True)
    g[xp.asarray(np.zeros(0, np.int64))].sum().backward()
    t = _tt(x, True)
    t[torch.tensor([], dtype=torch.long)].sum().backward()
    _same(g.grad, t.grad, "empty selection gradient")


def test_variable_slicing_and_scalar_tensor_bounds(backend):
    x = _consec((4, 4))
    ti, tj = torch.tensor([0, 1], dtype=torch.int32)
    gi, gj = ad.tensor(_xp().asarray(np.array([0, 1], np.int32)))
    _same(_gt(x)[gi:gj], _tt(x)[ti:tj], "x[i:j]")
    _same(_gt(x)[gj:], _tt(x)[tj:], "x[j:]")


# ---- views and in-place writes through indexed views --------------------------------------------
def test_writes_through_views(backend):
    xp = _xp()
    x = _consec((4, 3))
    # test_basic_advanced_combined: an advanced index copies, so zero_() on it leaves x
    t, g = _tt(x), _gt(x)
    t[1:2, [1, 2]].zero_()
    g[1:2, [1, 2]].zero_()
    _same(g, t, "advanced index is a copy")
    t[1:2, [1, 2]] = 0
    g[1:2, [1, 2]] = 0
    _same(g, t, "assignment through the advanced index")
    # a basic index is a view: in-place methods on it write into x
    for write in (lambda v: v.add_(1.0), lambda v: v.mul_(3.0), lambda v: v.zero_(),
                  lambda v: v.fill_(2.5), lambda v: v.clamp_(3.0, 7.0)):
        for idx in (1, (S, 0), (slice(1, 3), slice(None, None, 2)), (E, 2), (None, 2)):
            t, g = _tt(x), _gt(x)
            write(t[idx])
            write(g[idx])
            _same(g, t, f"in-place on x[{idx}]")
    # a view of a view, then setitem on it
    t, g = _tt(x), _gt(x)
    tv, gv = t[1:][:, ::2], g[1:][:, ::2]
    tv[0] = 100.0
    gv[0] = 100.0
    tv[tv > 8] = -1.0
    gv[gv > 8] = -1.0
    _same(g, t, "writes through a view of a view")
    # gradients through in-place writes into views of a non-leaf
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 3))
    w = rng.standard_normal(3)
    ta, tw = _tt(a, True), _tt(w, True)
    ga, gw = _gt(a, True), _gt(w, True)
    for aa, ww in ((ta, tw), (ga, gw)):
        b = aa * 1.0
        b[1:3].mul_(2.0)
        b[0] = ww * ww
        v = b[:, 1]
        v.add_(ww[0])
        b[[3, 0], [2, 2]] = ww[1:]
        (b ** 3).sum().backward()
    _same(ga.grad, ta.grad, "gradient of the base through view writes")
    _same(gw.grad, tw.grad, "gradient of the written values through view writes")
    # a leaf that requires grad refuses an in-place write, as in torch
    with pytest.raises(RuntimeError):
        _tt(a, True)[0] = 1.0
    with pytest.raises(Exception, match="leaf|requires"):
        _gt(a, True)[0] = 1.0
    # a saved value overwritten through an indexed write: backward refuses
    t = _tt(a, True) * 1.0
    s = t * t
    t[0, 0] = 0.0
    with pytest.raises(RuntimeError):
        s.backward(torch.ones(4, 3))
    g = _gt(a, True) * 1.0
    s = g * g
    g[0, 0] = 0.0
    with pytest.raises(Exception, match="version|modified|overwritten"):
        s.backward(xp.ones((4, 3)))
    assert xp is not None


# ---- errors -----------------------------------------------------------------------------------
def _raises(f_t, f_g, what):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):  # noqa: B017 (torch's own type varies by case)
            f_t()
        with pytest.raises((IndexError, TypeError, ValueError, RuntimeError)) as e:
            f_g()
    assert str(e.value), f"{what}: an error without a message"


def _errors():
    c = _consec((3, 3, 3))
    r10 = np.zeros(10)
    z5 = np.zeros((5, 5))
    return [
        ("too many indices", lambda T: T(c)[1, 1, 1, 1]),
        ("too many with a slice", lambda T: T(c)[1, 1, 1, 1:1]),
        ("eight indices", lambda T: T(c)[3, 3, 3, 3, 3, 3, 3, 3]),
        ("float index", lambda T: T(c)[0.0]),
        ("float slice", lambda T: T(c)[0.0:2.0]),
        ("float and float slice", lambda T: T(c)[0.0, 0.0:2.0]),
        ("float, colon, float", lambda T: T(c)[0.0, :, 0.0]),
        ("float after ints", lambda T: T(c)[0, 0, -1.4]),
        ("negative float", lambda T: T(c)[-1.4, :]),
        ("zero step", lambda T: T(c)[1:9:0]),
        ("str slice", lambda T: T(c)["0":"1"]),
        ("delitem", lambda T: _delitem(T(c), 0)),
        ("out of range int", lambda T: T(r10)[10]),
        ("out of range negative", lambda T: T(r10)[-11]),
        ("out of range list", lambda T: T(r10)[[10]]),
        ("out of range list negative", lambda T: T(r10)[[-11]]),
        ("out of range in dim 1", lambda T: T(np.zeros((2, 5, 10)))[0, 5]),
        ("out of range in dim 2", lambda T: T(np.zeros((2, 5, 10)))[:, :, 12]),
        ("0-d tensor [0]", lambda T: T(10.0)[0]),
        ("0-d tensor [:]", lambda T: T(10.0)[:]),
        ("int64 min", lambda T: T(np.zeros(0))[np.iinfo(np.int64).min]),
        ("int64 max", lambda T: T(np.zeros(0))[np.iinfo(np.int64).max]),
        ("1 << 30", lambda T: T(z5)[1 << 30]),
        ("a list of 31 windows (torch: 31 indices)",
         lambda T: T(np.arange(40.0))[[list(range(i, i + 3)) for i in range(31)]]),
        ("1 << 64", lambda T: T(z5)[1 << 64]),
        ("mask too short", lambda T: T(np.ones((5, 4, 3)))[_b(T, [True])]),
        ("mask too long", lambda T: T(np.ones((5, 4, 3)))[_b(T, [False] * 6)]),
        ("2-d mask mismatch", lambda T: T(np.ones((5, 4, 3)))[_b(T, np.zeros((4, 4), bool))]),
        ("mask mismatch after colon",
         lambda T: T(np.ones((5, 4, 3)))[S, _b(T, np.zeros((4, 4), bool))]),
        ("empty (0, 2) bool mask", lambda T: T(np.zeros(5))[_b(T, np.zeros((0, 2), bool))]),
        ("False with an index list", lambda T: T(np.ones((2, 3, 4)))[False, [0, 1], ...]),
        ("shape mismatch get", lambda T: T(z5)[[0, 1], [0, 1, 2]]),
        ("shape mismatch set", lambda T: T(z5).__setitem__(([0, 1], [0, 1, 2]), 0)),
        ("out of range get", lambda T: T(np.zeros(5))[_i(T, [1] * 19 + [10])]),
        ("out of range set", lambda T: T(np.zeros(5)).__setitem__(_i(T, [11] + [1] * 19), 0)),
        ("float tensor index", lambda T: T(np.ones(3))[T(np.zeros(0))]),
        ("0-d tensor [zero]", lambda T: T(2.0)[_i(T, 0)]),
        ("0-d tensor [:] =", lambda T: T(2.0).__setitem__(S, 8.8)),
        ("0-d tensor [zero] =", lambda T: T(2.0).__setitem__(_i(T, 0), 8.8)),
        ("0-d [:] = expanded", lambda T: T(3.0).__setitem__(S, T(-np.ones((1, 1))))),
        ("mask assignment: empty value",
         lambda T: T(np.arange(4.0)).__setitem__(_b(T, [True] * 4), T(np.zeros(0)))),
        ("mask assignment: three values",
         lambda T: T(np.arange(4.0)).__setitem__(_b(T, [True] * 4), T(np.ones(3)))),
        ("mask assignment into one: three values",
         lambda T: T(np.arange(4.0))[:1].__setitem__(_b(T, [True]), T(np.ones(3)))),
        ("setitem expansion: leading non-1",
         lambda T: T(np.ones((2, 3))).__setitem__(True, T(np.ones((5, 1, 2, 3))))),
        ("setitem expansion with tensor(True)",
         lambda T: T(np.ones((2, 3))).__setitem__(_b(T, True), T(np.ones((5, 1, 2, 3))))),
        ("index_put: values do not broadcast",
         lambda T: T(np.zeros((2, 3, 4))).index_put_((_i(T, [0, 1]),), T(np.ones((6, 2))))),
        ("index_put: no indices",
         lambda T: T(np.zeros(())).index_put((), T(np.ones(1)), True)),
        ("index_put: out of range", lambda T: T(np.zeros(3)).index_put((_i(T, [3]),), T(1.0))),
        ("index_put: float index",
         lambda T: T(np.zeros(3)).index_put((T(np.zeros(1)),), T(1.0))),
        ("index_put: too many indices",
         lambda T: T(np.zeros(3)).index_put((_i(T, [0]), _i(T, [0])), T(1.0))),
    ]


def _delitem(x, i):
    del x[i]


def _b(T, a):
    a = np.asarray(a, bool)
    return torch.tensor(a) if T is _tt else ad.tensor(_xp().asarray(a))


def _i(T, a):
    a = np.asarray(a, np.int64)
    return torch.tensor(a) if T is _tt else ad.tensor(_xp().asarray(a))


@pytest.mark.parametrize("k", range(len(_errors())), ids=[e[0] for e in _errors()])
def test_torch_errors_are_errors(backend, k):
    name, f = _errors()[k]
    _raises(lambda: f(_tt), lambda: f(_gt), name)


# Where torch raises and gpuad's Tensor (also gpuad.numpy's array) follows NumPy's defined
# meaning: (name, expression), each checked to give NumPy's value
NUMPY_MEANINGS = [
    ("negative step", lambda x: x[1:9:-1]),
    ("negative step, reversed", lambda x: x[::-1]),
    ("negative step in dim 1", lambda x: x[:, ::-2]),
    ("two ellipses", None),  # torch computes, NumPy and gpuad raise: below
    ("uint8 index: integers, not torch's deprecated byte mask",
     lambda x: x[np.array([1, 0, 1], np.uint8)]),
]


@pytest.mark.parametrize("k", range(len(NUMPY_MEANINGS)), ids=[m[0] for m in NUMPY_MEANINGS])
def test_where_torch_refuses_gpuad_follows_numpy(backend, k):
    name, f = NUMPY_MEANINGS[k]
    c = _consec((3, 3, 3))
    if f is None:  # torch reads x[..., ...] as x[...]; NumPy refuses it, and so does gpuad
        assert _tt(c)[..., ...].shape == (3, 3, 3)
        with pytest.raises(IndexError, match="ellipsis"):
            _gt(c)[..., ...]
        return
    want = f(c)
    idx_g = _gt(c)
    _same(f(idx_g) if "uint8" not in name else idx_g[_xp().asarray(
        np.array([1, 0, 1], np.uint8))], want, name)


# Where torch and NumPy read one index two ways, gpuad raises and says how to write it:
# torch reads a list (shorter than 32) holding sequences, tensors, slices or None as a tuple
# of indices, NumPy as one index array
AMBIGUOUS = [
    ("list of lists", lambda T: [[0, 1], [1, 0]]),
    ("list of tuples", lambda T: [(0, 1), (1, 0)]),
    ("list holding a tensor", lambda T: [_i(T, 1), 2]),
    ("list holding 0-d tensors", lambda T: [_i(T, 1), _i(T, 2)]),
    ("list holding a slice", lambda T: [slice(None), [0, 1]]),
]


@pytest.mark.parametrize("k", range(len(AMBIGUOUS)), ids=[a[0] for a in AMBIGUOUS])
def test_ambiguous_list_indices_raise(backend, k):
    name, make = AMBIGUOUS[k]
    x = _consec((4, 4))
    want = _tt(x)[make(_tt)]  # torch: the list as a tuple
    with pytest.raises(IndexError, match="tuple"):
        _gt(x)[make(_gt)]
    with pytest.raises(IndexError, match="tuple"):
        _gt(x)[make(_gt)] = 1.0
    # written as a tuple it means torch's reading, on gpuad too
    _same(_gt(x)[tuple(make(_gt))], want, f"{name} as a tuple")
    # a list of 32 or more entries is one index array in both
    long = [[i % 4, (i + 1) % 4] for i in range(32)]
    _same(_gt(x)[long], _tt(x)[long], "a list of 32 lists")


# ---- take_along_dim, index_select, index_copy, index_fill (the rest of test_indexing.py) -----
def test_take_along_dim_and_index_ops(backend):
    xp = _xp()
    rng = np.random.default_rng(0)
    for shape in ((3, 2), (2, 3, 5), (2, 4, 0), (2, 3, 1, 4)):
        x = rng.standard_normal(shape)
        t, g = _tt(x, True), _gt(x, True)
        for d in [*range(len(shape)), None]:
            ti = torch.argsort(t.reshape(-1)) if d is None else torch.argsort(t, dim=d)
            gi = ad.tensor(xp.asarray(ti.numpy()))
            tr = torch.take_along_dim(t, ti) if d is None else torch.take_along_dim(t, ti, d)
            gr = g.take_along_dim(gi) if d is None else g.take_along_dim(gi, dim=d)
            _same(gr, tr, f"take_along_dim {shape} dim={d}")
            go = rng.standard_normal(tuple(tr.shape))
            t.grad = g.grad = None
            tr.backward(torch.tensor(go))
            gr.backward(xp.asarray(go))
            _same(g.grad, t.grad, f"take_along_dim {shape} dim={d}: gradient")
    ones = np.ones((3, 4, 1))
    bi = np.ones((1, 2, 5), np.int64)
    _same(_gt(ones).take_along_dim(ad.tensor(xp.asarray(bi)), dim=1),
          torch.take_along_dim(_tt(ones), torch.tensor(bi), 1), "broadcast indices")
    x = rng.standard_normal((2, 3, 1, 4))
    for bad in (lambda T, i: T(x).take_along_dim(i[0], dim=0),
                lambda T, i: T(x).take_along_dim(T(np.zeros(x.shape)), dim=0),
                lambda T, i: T(x).take_along_dim(i, dim=7),
                lambda T, i: T(x).take_along_dim(i, dim=-7)):
        _raises(lambda b=bad: b(_tt, torch.zeros(x.shape, dtype=torch.long)),
                lambda b=bad: b(_gt, ad.tensor(xp.zeros(x.shape, np.int64))), "take_along_dim")
    # index_select with int32 and int64 indices, and its 0-d cases
    src = rng.standard_normal((3, 3, 2))
    for dt in (np.int32, np.int64):
        ix = np.array([0, 2, 1, 1, 0], dt)
        _same(_gt(src).index_select(1, ad.tensor(xp.asarray(ix))),
              _tt(src).index_select(1, torch.tensor(ix)), f"index_select {dt}")
    for s_shape, i_shape in (((), ()), ((), (1,)), ((1,), ()), ((1,), (1,))):
        s = rng.standard_normal(s_shape)
        _same(_gt(s).index_select(0, ad.tensor(xp.zeros(i_shape, np.int64))),
              _tt(s).index_select(0, torch.zeros(i_shape, dtype=torch.long)),
              f"index_select {s_shape} {i_shape}")
    # index_copy: values, and out-of-range indices (test_errors_index_copy)
    dest, srcc = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    idx = np.array([4, 0, 2])
    t = _tt(dest).index_copy(1, torch.tensor(idx), _tt(srcc))
    _same(_gt(dest).index_copy(1, ad.tensor(xp.asarray(idx)), _gt(srcc)), t, "index_copy")
    for v in (5, -1, -6):
        _raises(lambda v=v: _tt(np.zeros((3, 5))).index_copy_(1, torch.full((8,), v),
                                                             torch.zeros(3, 8,
                                                                         dtype=torch.float64)),
                lambda v=v: _gt(np.zeros((3, 5))).index_copy_(
                    1, ad.tensor(xp.full(8, v)), _gt(np.zeros((3, 8)))), f"index_copy {v}")
    # index_fill keeps a 0-d tensor 0-d
    one = _gt(1.0)
    assert one.index_fill(0, ad.tensor(xp.asarray([0])), -1).ndim == 0
    x = np.array([[1.0, 2], [4, 5]])
    _same(_gt(x).index_fill(1, ad.tensor(xp.asarray([0])), 0),
          _tt(x).index_fill(1, torch.tensor([0]), 0), "index_fill")
