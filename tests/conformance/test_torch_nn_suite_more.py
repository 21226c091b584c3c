"""The parts of PyTorch's nn test suites (test/nn/test_pooling.py, test_convolution.py,
test_embedding.py, test_dropout.py, test_multihead_attention.py, test_init.py,
test_parametrization.py, test_pruning.py, test_load_state_dict.py, test_module_hooks.py and
test_nn.py's functional losses) that the module tables, the fuzzer (nn_fuzz.py) and the
other torch nn files here do not reach: inputs holding NaN and infinities, ceil_mode windows
that start in the padding, ties, second derivatives, 'same' convolutions with even kernels
under every padding mode, embedding bags with empty bags and padding rows, attention masks
of every kind, every loss with every reduction and its options (all targets ignored,
smoothing with class weights), module hooks (arguments, order, grad_output's layout),
state_dict order and non-strict loading, parametrizations (weight_norm, spectral_norm,
orthogonal, a chain of custom ones), pruning (every method, repeated, global, removed),
init's gains and fans, dropout's statistics. Values, dtypes and shapes, and the gradients
along a random cotangent, are compared with torch in float64 (torch's weights copied
across).

``KNOWN`` lists where gpuad deliberately differs (each checked for gpuad's own behaviour);
``NOT_OFFERED`` the torch names gpuad leaves out, which raise AttributeError or TypeError.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as gnn
import gpuad.nn.functional as G
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conformance import _unpool_exact

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(11)
TOL = dict(rtol=1e-10, atol=1e-12)
GTOL = dict(rtol=1e-8, atol=1e-10)


def _host(a):
    if isinstance(a, torch.Tensor):
        return a.detach().numpy()
    if isinstance(a, ad.Tensor):
        return np.asarray(a.numpy())
    return np.asarray(a)


def _seq(o):
    return list(o) if isinstance(o, tuple | list) else [o]


def _cmp(gf, tf, arrays, tol=TOL, gtol=GTOL, grads=True):
    """``gf`` and ``tf`` on copies of ``arrays`` (float64 leaves requiring grad): equal
    shapes, dtypes and values (NaN where torch has NaN), and equal gradients of
    ``sum(out_i * c_i)`` over the floating outputs that require grad."""
    gs = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yg, yt = _seq(gf(*gs)), _seq(tf(*ts))
    assert len(yg) == len(yt)
    lg = lt = None
    for i, (a, b) in enumerate(zip(yg, yt, strict=True)):
        ah, bh = _host(a), _host(b)
        assert ah.shape == bh.shape, (i, ah.shape, bh.shape)
        assert ah.dtype == bh.dtype, (i, ah.dtype, bh.dtype)
        np.testing.assert_allclose(ah, bh, equal_nan=True, **tol)
        if grads and bh.dtype.kind == "f" and b.requires_grad:
            c = np.random.default_rng(i).normal(size=bh.shape)
            sg, st = gnp.sum(a * ad.tensor(c)), (b * torch.tensor(c)).sum()
            lg, lt = (sg, st) if lg is None else (lg + sg, lt + st)
    if lg is not None:
        lg.backward()
        lt.backward()
        for g, t in zip(gs, ts, strict=True):
            tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
            gg = np.zeros(g.shape) if g.grad is None else _host(g.grad)
            np.testing.assert_allclose(gg, tg, equal_nan=True, **gtol)
    return yg


def _gradgrad(gf, tf, arrays):
    """The gradients of ``sum(grad_i ** 2)``, grad being that of ``sum(sin(f))``: second
    derivatives, compared with torch's."""

    def g2(*xs):
        grads = ad.grad(lambda *a: gnp.sum(gnp.sin(gf(*a))), argnums=tuple(range(len(xs))))(*xs)
        return sum(gnp.sum(q * q) for q in _seq(grads))

    def t2(*xs):
        grads = torch.autograd.grad(torch.sin(tf(*xs)).sum(), xs, create_graph=True)
        return sum((q * q).sum() for q in grads)

    _cmp(g2, t2, arrays, gtol=dict(rtol=1e-7, atol=1e-9))


def _both_raise(gf, tf, match=None):
    with pytest.raises(Exception):  # noqa: B017 - torch's own error types vary
        tf()
    with pytest.raises((ValueError, TypeError, IndexError, KeyError, RuntimeError), match=match):
        gf()


# ---- pooling (test_pooling.py) ------------------------------------------------------------


def _nonfinite(shape, seed=0):
    x = np.random.default_rng(seed).normal(size=shape)
    flat = x.reshape(-1)
    flat[[3, 11, 17]] = [np.nan, np.inf, -np.inf]
    return x


X4 = _nonfinite((2, 3, 7, 6))
POOL_NONFINITE = {
    "max_pool2d ceil dilation": (lambda L, a: L.max_pool2d(a, 3, 2, 1, 2, ceil_mode=True,
                                                           return_indices=True)),
    "max_pool2d ties window": (lambda L, a: L.max_pool2d(a, 2, 1, 1, return_indices=True)),
    "avg_pool2d ceil no pad count": (lambda L, a: L.avg_pool2d(a, 3, 2, 1, ceil_mode=True,
                                                               count_include_pad=False)),
    "avg_pool2d divisor": (lambda L, a: L.avg_pool2d(a, 2, 2, 1, divisor_override=3)),
    "adaptive_avg_pool2d grow and shrink": (lambda L, a: L.adaptive_avg_pool2d(a, (9, 4))),
    "adaptive_avg_pool2d keep one axis": (lambda L, a: L.adaptive_avg_pool2d(a, (None, 5))),
    "adaptive_max_pool2d": (lambda L, a: L.adaptive_max_pool2d(a, (4, 5), return_indices=True)),
    "fractional_max_pool2d": (lambda L, a: L.fractional_max_pool2d(
        a, 2, output_size=(4, 3), return_indices=True,
        _random_samples=(ad.tensor if L is G else torch.tensor)(np.full((2, 3, 2), 0.37)))),
}


@pytest.mark.parametrize("name", sorted(POOL_NONFINITE))
def test_pools_of_nan_and_infinite_inputs(name):
    # torch's test_MaxPool*_nan_inf and the adaptive pools' inf tests: a NaN or an infinity
    # reaches only the windows that read it
    fn = POOL_NONFINITE[name]
    _cmp(lambda a: fn(G, a), lambda a: fn(TF, a), [X4])


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_of_infinite_values(nd):
    x = _nonfinite((2, 2) + (6, 5, 4)[:nd], seed=nd)
    x = np.where(np.isnan(x), 0.5, x)
    pool, unpool = f"max_pool{nd}d", f"max_unpool{nd}d"
    y, idx = getattr(TF, pool)(torch.tensor(x), 2, 1, return_indices=True)  # overlapping
    size = list(x.shape[2:])
    tu = _unpool_exact.exact(getattr(TF, unpool), idx.numpy(), nd)  # repeated indices
    _cmp(lambda a: getattr(G, unpool)(a, ad.tensor(idx.numpy()), 2, 1, output_size=size),
         lambda a: tu(a, idx, 2, 1, output_size=size), [y.numpy()])


CEIL = [(5, 2, 2, 1), (6, 3, 3, 1), (4, 3, 2, 1), (7, 2, 3, 1), (1, 2, 2, 1), (2, 3, 3, 1)]


@pytest.mark.parametrize("L,k,s,p", CEIL)
def test_ceil_mode_windows_that_start_in_the_padding(L, k, s, p):
    # torch drops a last window that would start in the right padding; avg's divisor
    # counts the window clipped to input + padding (count_include_pad) or to the input
    x1, x2 = RNG.normal(size=(1, 2, L)), RNG.normal(size=(1, 2, L, L + 1))
    _cmp(lambda a: G.max_pool1d(a, k, s, p, ceil_mode=True, return_indices=True),
         lambda a: TF.max_pool1d(a, k, s, p, ceil_mode=True, return_indices=True), [x1])
    for cip in (True, False):
        _cmp(lambda a: G.avg_pool1d(a, k, s, p, ceil_mode=True, count_include_pad=cip),
             lambda a: TF.avg_pool1d(a, k, s, p, ceil_mode=True, count_include_pad=cip), [x1])
        for d in (None, 3):
            _cmp(lambda a: G.avg_pool2d(a, k, s, p, True, cip, d),
                 lambda a: TF.avg_pool2d(a, k, s, p, True, cip, d), [x2])
    x3 = RNG.normal(size=(1, 1, max(L, k), max(L, k), k))  # torch's 3-d checks input >= kernel
    _cmp(lambda a: G.avg_pool3d(a, k, s, p, ceil_mode=True),
         lambda a: TF.avg_pool3d(a, k, s, p, ceil_mode=True), [x3])


def test_max_pool_ties_and_all_minus_inf_windows():
    ties = np.zeros((1, 1, 4, 4))
    ties[0, 0, :2, :2] = 1.0
    _cmp(lambda a: G.max_pool2d(a, 2, 1, return_indices=True),
         lambda a: TF.max_pool2d(a, 2, 1, return_indices=True), [ties])
    _cmp(lambda a: G.max_pool3d(a, 2, 1, 0, 2, return_indices=True),
         lambda a: TF.max_pool3d(a, 2, 1, 0, 2, return_indices=True), [np.zeros((1, 1, 5, 5, 5))])
    _cmp(lambda a: G.adaptive_max_pool1d(a, 3, return_indices=True),
         lambda a: TF.adaptive_max_pool1d(a, 3, return_indices=True), [np.ones((2, 7))])
    # padding never wins, not even over -inf or -1e300
    for v in (-np.inf, -1e300):
        _cmp(lambda a: G.max_pool2d(a, 3, 1, 1, return_indices=True),
             lambda a: TF.max_pool2d(a, 3, 1, 1, return_indices=True), [np.full((1, 1, 3, 3), v)])


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 3.5])
def test_lp_pool_with_all_zero_windows_and_negative_inputs(p):
    x = RNG.uniform(0.1, 2, size=(2, 3, 6, 5))
    x[0, 0, :2, :2] = 0.0
    _cmp(lambda a: G.lp_pool2d(a, p, 2, 2, ceil_mode=True),
         lambda a: TF.lp_pool2d(a, p, 2, 2, ceil_mode=True), [x])
    _cmp(lambda a: G.lp_pool1d(a, p, 3, 2, ceil_mode=True),
         lambda a: TF.lp_pool1d(a, p, 3, 2, ceil_mode=True), [RNG.normal(size=(2, 3, 8))])
    _cmp(lambda a: G.lp_pool3d(a, p, (2, 1, 2)), lambda a: TF.lp_pool3d(a, p, (2, 1, 2)),
         [RNG.uniform(0.1, 1, size=(2, 4, 3, 4))])


def test_float32_pools_keep_float32():
    x = RNG.normal(size=(2, 3, 6, 4)).astype(np.float32)
    for fn in (lambda L, a: L.max_pool2d(a, 2), lambda L, a: L.avg_pool2d(a, 2),
               lambda L, a: L.adaptive_avg_pool2d(a, 3), lambda L, a: L.lp_pool2d(a, 2, 2),
               lambda L, a: L.max_unpool2d(*L.max_pool2d(a, 2, return_indices=True), 2)):
        _cmp(lambda a, fn=fn: fn(G, a), lambda a, fn=fn: fn(TF, a), [x],
             tol=dict(rtol=1e-6, atol=1e-6), gtol=dict(rtol=1e-5, atol=1e-6))


# (distinct indices: which of two values written at one index torch keeps is unspecified)
SECOND = {
    "max_pool2d": lambda L, a: L.max_pool2d(a, 3, 2, 1, 2, ceil_mode=True),
    "max_pool3d": lambda L, a: L.max_pool3d(a[..., :3], 2, 1, 1),
    "avg_pool2d": lambda L, a: L.avg_pool2d(a, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_avg_pool2d": lambda L, a: L.adaptive_avg_pool2d(a, (4, 7)),
    "adaptive_max_pool2d": lambda L, a: L.adaptive_max_pool2d(a, (4, 3)),
    "lp_pool2d": lambda L, a: L.lp_pool2d(a * a + 0.1, 3.0, 2),
    "max_unpool1d": lambda L, a: L.max_unpool1d(
        a[0, :1, :1, :4], (ad.tensor if L is G else torch.tensor)(np.array([[[0, 3, 4, 7]]])), 2),
}


@pytest.mark.parametrize("name", sorted(SECOND))
def test_pool_second_derivatives(name):
    fn = SECOND[name]
    _gradgrad(lambda a: fn(G, a), lambda a: fn(TF, a), [RNG.normal(size=(2, 3, 6, 5))])


# ---- convolutions (test_convolution.py) ---------------------------------------------------


def _load(gm, tm):
    gm.load_state_dict({n: v.detach().numpy() for n, v in tm.state_dict().items()})


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_same_padding_with_even_kernels_and_dilation(nd, mode):
    # torch pads an even kernel's extra element on the right ('same' with odd dilation)
    for k, d in [(2, 1), (4, 1), (2, 3), (4, 2), ((2, 3, 4)[:nd], (1, 2, 1)[:nd])]:
        tm = getattr(torch.nn, f"Conv{nd}d")(2, 4, k, padding="same", dilation=d,
                                             padding_mode=mode, groups=2).double()
        gm = getattr(gnn, f"Conv{nd}d")(2, 4, k, padding="same", dilation=d,
                                        padding_mode=mode, groups=2)
        _load(gm, tm)
        x = RNG.normal(size=(2, 2) + (7, 6, 5)[:nd])
        _cmp(gm, tm, [x])
        ug = gm(ad.tensor(x))
        gnp.sum(ug * ug).backward()
        (tm(torch.tensor(x)) ** 2).sum().backward()
        for n, p in tm.named_parameters():
            np.testing.assert_allclose(_host(dict(gm.named_parameters())[n].grad),
                                       p.grad.numpy(), **GTOL)


def test_convolution_edge_shapes():
    _cmp(lambda a, w: G.conv2d(a, w, padding=1), lambda a, w: TF.conv2d(a, w, padding=1),
         [RNG.normal(size=(0, 3, 5, 5)), RNG.normal(size=(4, 3, 3, 3))])
    _cmp(lambda a, w: G.conv2d(a, w, stride=(4, 3), padding=(2, 1), dilation=(1, 2)),
         lambda a, w: TF.conv2d(a, w, stride=(4, 3), padding=(2, 1), dilation=(1, 2)),
         [RNG.normal(size=(2, 3, 9, 8)), RNG.normal(size=(4, 3, 2, 2))])
    for nd in (1, 2, 3):
        for s, p, op, d, g in [(3, 2, 2, 1, 2), (2, 0, 1, 2, 2),
                               (3, 1, (0, 2, 1)[:nd], (2, 1, 3)[:nd], 1)]:
            w = RNG.normal(size=(4, 6 // g) + (3, 2, 2)[:nd])
            _cmp(lambda a, W, B: getattr(G, f"conv_transpose{nd}d")(a, W, B, s, p, op, g, d),
                 lambda a, W, B: getattr(TF, f"conv_transpose{nd}d")(a, W, B, s, p, op, g, d),
                 [RNG.normal(size=(2, 4) + (4, 3, 3)[:nd]), w, RNG.normal(size=6)])


def test_convolution_second_derivatives():
    x, w = RNG.normal(size=(1, 2, 5, 5)), RNG.normal(size=(3, 2, 2, 3))
    kw = dict(stride=2, padding=1, dilation=(1, 2))
    _gradgrad(lambda a, b: G.conv2d(a, b, **kw), lambda a, b: TF.conv2d(a, b, **kw), [x, w])
    _gradgrad(lambda a, b: G.conv_transpose2d(a, b, **kw),
              lambda a, b: TF.conv_transpose2d(a, b, **kw), [x, w.transpose(1, 0, 2, 3).copy()])
    kw3 = dict(stride=2, padding=1, output_padding=1, groups=2)
    _gradgrad(lambda a, b: G.conv_transpose3d(a, b, **kw3),
              lambda a, b: TF.conv_transpose3d(a, b, **kw3),
              [RNG.normal(size=(1, 4, 2, 3, 2)), RNG.normal(size=(4, 1, 2, 2, 3))])


# ---- embeddings (test_embedding.py) -------------------------------------------------------

TABLE = RNG.normal(size=(7, 3)) * 2
BAG_IDS = np.array([1, 2, 0, 0, 4, 5, 6, 2, 0])
OFFSETS = [([0, 3, 3, 6], False), ([0, 3, 3, 6, 9], True), ([0, 0, 9], True), ([0, 2, 2, 9], True)]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 0, 2])
def test_embedding_bag_empty_bags_padding_and_weights(mode, padding_idx):
    # empty bags give zero rows; padding rows leave sums and counts; mean divides by the
    # bag's count of other rows; per_sample_weights scale rows in 'sum'
    for offs, last in OFFSETS:
        for psw in (False, True) if mode == "sum" else (False,):
            arrays = [TABLE] + ([RNG.normal(size=BAG_IDS.shape)] if psw else [])

            def gf(w, *p, offs=offs, last=last):
                return G.embedding_bag(ad.tensor(BAG_IDS), w, ad.tensor(np.array(offs)),
                                       mode=mode, include_last_offset=last,
                                       padding_idx=padding_idx,
                                       per_sample_weights=p[0] if p else None)

            def tf(w, *p, offs=offs, last=last):
                return TF.embedding_bag(torch.tensor(BAG_IDS), w, torch.tensor(offs), mode=mode,
                                        include_last_offset=last, padding_idx=padding_idx,
                                        per_sample_weights=p[0] if p else None)

            _cmp(gf, tf, arrays)
    ids2 = np.array([[0, 0, 0], [1, 0, 3], [2, 2, 0]])
    _cmp(lambda w: G.embedding_bag(ad.tensor(ids2), w, mode=mode, padding_idx=padding_idx),
         lambda w: TF.embedding_bag(torch.tensor(ids2), w, mode=mode, padding_idx=padding_idx),
         [TABLE])


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_max_norm_renormalises_the_table_in_place(norm_type):
    ids = np.array([[1, 1, 3], [0, 3, 6]])  # repeats, and the padding row
    wg, wt = ad.tensor(TABLE.copy()), torch.tensor(TABLE.copy())
    yg = G.embedding(ad.tensor(ids), wg, padding_idx=0, max_norm=1.0, norm_type=norm_type)
    yt = TF.embedding(torch.tensor(ids), wt, padding_idx=0, max_norm=1.0, norm_type=norm_type)
    np.testing.assert_allclose(_host(yg), yt.numpy(), **TOL)
    np.testing.assert_allclose(_host(wg), wt.numpy(), **TOL)
    wg, wt = ad.tensor(TABLE.copy()), torch.tensor(TABLE.copy())
    yg = G.embedding_bag(ad.tensor(BAG_IDS), wg, ad.tensor(np.array([0, 4])), max_norm=1.5,
                         norm_type=norm_type, mode="mean")
    yt = TF.embedding_bag(torch.tensor(BAG_IDS), wt, torch.tensor([0, 4]), max_norm=1.5,
                          norm_type=norm_type, mode="mean")
    np.testing.assert_allclose(_host(yg), yt.numpy(), **TOL)
    np.testing.assert_allclose(_host(wg), wt.numpy(), **TOL)


def test_embedding_errors():
    w, ids = TABLE, BAG_IDS
    cases = [
        ("max", lambda L, T: L.embedding_bag(T(ids), T(w), T(np.array([0, 4])), mode="max",
                                             per_sample_weights=T(np.ones(9)))),
        ("offset", lambda L, T: L.embedding_bag(T(ids), T(w), T(np.array([1, 4])))),
        ("offset", lambda L, T: L.embedding_bag(T(ids), T(w), T(np.array([0, 12])))),
        ("offsets", lambda L, T: L.embedding_bag(T(ids.reshape(3, 3)), T(w), T(np.array([0])))),
        ("per_sample_weights", lambda L, T: L.embedding_bag(
            T(ids), T(w), T(np.array([0, 4])), per_sample_weights=T(np.ones(8)))),
        ("integer", lambda L, T: L.embedding_bag(T(ids * 1.0), T(w), T(np.array([0, 4])))),
        (None, lambda L, T: L.embedding(T(np.array([7])), T(w))),
        (None, lambda L, T: L.embedding(T(np.array([-1])), T(w))),
        ("padding_idx", lambda L, T: L.embedding(T(np.array([1])), T(w), padding_idx=7)),
    ]
    for match, fn in cases:
        _both_raise(lambda fn=fn: fn(G, ad.tensor), lambda fn=fn: fn(TF, torch.tensor), match)


def test_embedding_bag_second_derivatives():
    ids, offs = np.array([1, 2, 3, 3, 5]), np.array([0, 2])
    # torch has no second derivative here: gpuad's is checked by central differences
    check_grads(lambda w: G.embedding_bag(ad.tensor(ids), w, ad.tensor(offs), mode="max"),
                [TABLE], order=2, modes=("rev",))
    check_grads(lambda w, p: G.embedding_bag(ad.tensor(ids), w, ad.tensor(offs), mode="sum",
                                             per_sample_weights=p),
                [TABLE, RNG.normal(size=5)], order=2, modes=("rev",))


# ---- attention (test_multihead_attention.py) ----------------------------------------------

Q, K = RNG.normal(size=(2, 3, 4, 5)), RNG.normal(size=(2, 3, 6, 5))
V = RNG.normal(size=(2, 3, 6, 2))
KEEP = RNG.random((4, 6)) < 0.5
KEEP[:, 0] = True
NO_ROW = KEEP.copy()
NO_ROW[1] = False
MASK_B = RNG.normal(size=(2, 1, 4, 6))
SDPA = {
    "causal, fewer queries": (lambda L, T: dict(is_causal=True), (Q, K, V)),
    "causal, more queries": (lambda L, T: dict(is_causal=True),
                             (K, Q, RNG.normal(size=(2, 3, 4, 2)))),
    "bool mask": (lambda L, T: dict(attn_mask=T(KEEP)), (Q, K, V)),
    "bool mask, a row all masked": (lambda L, T: dict(attn_mask=T(NO_ROW)), (Q, K, V)),
    "-inf mask, a row all masked": (lambda L, T: dict(attn_mask=T(np.where(NO_ROW, 0, -np.inf))),
                                    (Q, K, V)),
    "float mask broadcast, scale": (lambda L, T: dict(attn_mask=T(MASK_B),
                                                      scale=0.7), (Q, K, V)),
    "grouped query heads": (lambda L, T: dict(enable_gqa=True), (RNG.normal(size=(2, 6, 4, 5)),
                                                                 K, V)),
    "3-d": (lambda L, T: {}, (Q[0], K[0], V[0])),
}


@pytest.mark.parametrize("name", sorted(SDPA))
def test_scaled_dot_product_attention_masks(name):
    kw, arrays = SDPA[name]
    _cmp(lambda *a: G.scaled_dot_product_attention(*a, **kw(G, ad.tensor)),
         lambda *a: TF.scaled_dot_product_attention(*a, **kw(TF, torch.tensor)), list(arrays))


def test_attention_float_mask_gradient_and_second_derivatives():
    m = RNG.normal(size=(3, 4, 6))
    _cmp(lambda a, b, c, mm: G.scaled_dot_product_attention(a, b, c, attn_mask=mm),
         lambda a, b, c, mm: TF.scaled_dot_product_attention(a, b, c, attn_mask=mm), [Q, K, V, m])
    _gradgrad(lambda a, b, c: G.scaled_dot_product_attention(a, b, c, is_causal=True),
              lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, is_causal=True), [Q, K, V])


E, H, LQ, SK, NB = 6, 2, 3, 4, 2
PAD = np.array([[False, True, False, True], [False, False, False, True]])
MHA_CALLS = {
    "plain": {},
    "key_padding bool": dict(key_padding_mask=PAD),
    "key_padding float": dict(key_padding_mask=np.where(PAD, -np.inf, 0.0)),
    "attn bool": dict(attn_mask=np.triu(np.ones((LQ, SK), bool), 1)),
    "attn float per head": dict(attn_mask=RNG.normal(size=(NB * H, LQ, SK))),
    "both bool": dict(attn_mask=np.triu(np.ones((LQ, SK), bool), 1), key_padding_mask=PAD),
    "per-head weights": dict(average_attn_weights=False),
    "no weights": dict(need_weights=False),
}
MHA_MODULES = [{}, dict(batch_first=True), dict(kdim=3, vdim=5), dict(add_bias_kv=True),
               dict(add_zero_attn=True), dict(add_bias_kv=True, add_zero_attn=True, kdim=3,
                                              vdim=4), dict(bias=False)]


@pytest.mark.parametrize("mkw", MHA_MODULES, ids=lambda d: ",".join(d) or "default")
def test_multihead_attention_masks_and_parameter_gradients(mkw):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, **mkw).double()
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    gm = gnn.MultiheadAttention(E, H, **mkw)
    _load(gm, tm)
    bf = mkw.get("batch_first", False)

    def shape(n, d):
        return (NB, n, d) if bf else (n, NB, d)

    arrays = [RNG.normal(size=shape(LQ, E)), RNG.normal(size=shape(SK, mkw.get("kdim", E))),
              RNG.normal(size=shape(SK, mkw.get("vdim", E)))]
    for ckw in MHA_CALLS.values():
        def call(m, T, *a, ckw=ckw):
            kw = {n: T(v) if isinstance(v, np.ndarray) else v for n, v in ckw.items()}
            out, w = m(*a, **kw)
            return (out,) if w is None else (out, w)

        _cmp(lambda *a, c=call: c(gm, ad.tensor, *a), lambda *a, c=call: c(tm, torch.tensor, *a),
             arrays)
    gm.zero_grad()
    tm.zero_grad()
    og, _ = gm(*[ad.tensor(a) for a in arrays], key_padding_mask=ad.tensor(PAD))
    ot, _ = tm(*[torch.tensor(a) for a in arrays], key_padding_mask=torch.tensor(PAD))
    c = RNG.normal(size=tuple(ot.shape))
    gnp.sum(og * ad.tensor(c)).backward()
    (ot * torch.tensor(c)).sum().backward()
    gp = dict(gm.named_parameters())
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(_host(gp[n].grad), p.grad.numpy(), err_msg=n, **GTOL)


def test_multihead_attention_causal_and_unbatched():
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True).double()
    gm = gnn.MultiheadAttention(E, H, batch_first=True)
    _load(gm, tm)
    causal = np.triu(np.ones((4, 4), bool), 1)
    for nw in (True, False):
        _cmp(lambda a: gm(a, a, a, attn_mask=ad.tensor(causal), is_causal=True,
                          need_weights=nw)[0],
             lambda a: tm(a, a, a, attn_mask=torch.tensor(causal), is_causal=True,
                          need_weights=nw)[0], [RNG.normal(size=(2, 4, E))])
    kp = np.array([False, True, False])
    _cmp(lambda a, b: gm(a, b, b, key_padding_mask=ad.tensor(kp)),
         lambda a, b: tm(a, b, b, key_padding_mask=torch.tensor(kp)),
         [RNG.normal(size=(4, E)), RNG.normal(size=(3, E))])


# ---- losses (test_nn.py's functional loss tests) ------------------------------------------

N, C = 5, 4
X = RNG.normal(size=(N, C))
W = RNG.uniform(0.3, 2.0, size=C)
LABELS = np.array([0, 3, -100, 1, 3])
REDUCTIONS = ["mean", "sum", "none"]


def _t(a):
    return torch.tensor(a)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_smoothing_weights_and_ignored(reduction):
    for ls in (0.0, 0.2):
        for w in (None, W):
            def gw(w=w):
                return None if w is None else ad.tensor(w)

            def tw(w=w):
                return None if w is None else _t(w)

            kw = dict(label_smoothing=ls, reduction=reduction)
            _cmp(lambda a: G.cross_entropy(a, ad.tensor(LABELS), weight=gw(), **kw),
                 lambda a: TF.cross_entropy(a, _t(LABELS), weight=tw(), **kw), [X])
            lab = np.where(LABELS == -100, 3, LABELS)  # 3 is now ignore_index
            _cmp(lambda a: G.cross_entropy(a, ad.tensor(lab), weight=gw(), ignore_index=3, **kw),
                 lambda a: TF.cross_entropy(a, _t(lab), weight=tw(), ignore_index=3, **kw), [X])
            p = RNG.random((N, C))
            p /= p.sum(1, keepdims=True)
            _cmp(lambda a, t: G.cross_entropy(a, t, weight=gw(), **kw),
                 lambda a, t: TF.cross_entropy(a, t, weight=tw(), **kw), [X, p])
    xn, yn = RNG.normal(size=(2, C, 3, 2)), RNG.integers(0, C, size=(2, 3, 2))
    yn[0, 0, 0] = 1
    kw = dict(weight=W, label_smoothing=0.1, ignore_index=1, reduction=reduction)
    _cmp(lambda a: G.cross_entropy(a, ad.tensor(yn), **{**kw, "weight": ad.tensor(W)}),
         lambda a: TF.cross_entropy(a, _t(yn), **{**kw, "weight": _t(W)}), [xn])
    # every target ignored: mean is 0/0 = NaN, as torch
    _cmp(lambda a: G.cross_entropy(a, ad.tensor(np.full(N, -100)), reduction=reduction),
         lambda a: TF.cross_entropy(a, _t(np.full(N, -100)), reduction=reduction), [X])
    _cmp(lambda a: G.nll_loss(a, ad.tensor(np.full(N, 2)), weight=ad.tensor(W), ignore_index=2,
                              reduction=reduction),
         lambda a: TF.nll_loss(a, _t(np.full(N, 2)), weight=_t(W), ignore_index=2,
                               reduction=reduction), [X])


def test_cross_entropy_second_derivatives():
    y, w = np.array([0, 3, 1, 1]), np.array([0.5, 1.0, 2.0, 0.3])
    _gradgrad(lambda a: G.cross_entropy(a, ad.tensor(y), weight=ad.tensor(w), label_smoothing=0.2),
              lambda a: TF.cross_entropy(a, _t(y), weight=_t(w), label_smoothing=0.2),
              [RNG.normal(size=(4, 4))])
    # torch has no second derivative of multi_margin_loss: central differences
    check_grads(lambda a: G.multi_margin_loss(a, ad.tensor(y), p=2, weight=ad.tensor(w)),
                [RNG.normal(size=(4, 4))], order=2, modes=("rev",))


YS = np.sign(RNG.normal(size=(N, C)))
Y5 = np.array([1.0, -1, 1, -1, -1])
COUNTS = RNG.integers(0, 5, size=(N, C)).astype(float)
MULTI = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 0, 0, 0], [1, 1, -1, 2], [2, -1, 3, 3]])
LOSSES = {
    "kl_div": (lambda L, T, r: lambda a, t: L.kl_div(a, t, reduction=r),
               [X, RNG.uniform(0.05, 1, size=(N, C))]),
    "kl_div log_target": (lambda L, T, r: lambda a, t: L.kl_div(a, t, reduction=r, log_target=True),
                          [X, RNG.normal(size=(N, C))]),
    "binary_cross_entropy weight": (
        lambda L, T, r: lambda a, t: L.binary_cross_entropy(a, t, weight=T(np.linspace(.5, 2, N)
                                                                          [:, None]), reduction=r),
        [RNG.uniform(0.05, 0.95, size=(N, C)), RNG.uniform(0, 1, size=(N, C))]),
    "bce_with_logits pos_weight 3-d": (
        lambda L, T, r: lambda a, t: L.binary_cross_entropy_with_logits(
            a, t, weight=T(np.linspace(.5, 2, 3)[:, None]), pos_weight=T(W), reduction=r),
        [RNG.normal(size=(2, 3, C)) * 30, RNG.uniform(0, 1, size=(2, 3, C))]),
    "smooth_l1 beta 0": (lambda L, T, r: lambda a, t: L.smooth_l1_loss(a, t, reduction=r, beta=0.0),
                         [X, RNG.normal(size=(N, C))]),
    "smooth_l1 beta 0.3": (lambda L, T, r: lambda a, t: L.smooth_l1_loss(a, t, reduction=r,
                                                                         beta=0.3),
                           [X, RNG.normal(size=(N, C))]),
    "huber": (lambda L, T, r: lambda a, t: L.huber_loss(a, t, reduction=r, delta=0.4),
              [X, RNG.normal(size=(N, C))]),
    "poisson_nll full": (lambda L, T, r: lambda a: L.poisson_nll_loss(
        a, T(COUNTS), full=True, reduction=r), [X]),
    "poisson_nll rate full": (lambda L, T, r: lambda a: L.poisson_nll_loss(
        a, T(COUNTS), log_input=False, full=True,
        reduction=r), [RNG.uniform(0.1, 3, size=(N, C))]),
    "gaussian_nll var (N,)": (lambda L, T, r: lambda a, t, v: L.gaussian_nll_loss(
        a, t, v, full=True, reduction=r), [X, RNG.normal(size=(N, C)),
                                           RNG.uniform(0.1, 2, size=N)]),
    "gaussian_nll var clamped": (lambda L, T, r: lambda a, t, v: L.gaussian_nll_loss(
        a, t, v, eps=0.05, reduction=r), [X, RNG.normal(size=(N, C)),
                                          RNG.uniform(0.0, 0.1, size=(N, 1))]),
    "margin_ranking": (lambda L, T, r: lambda a, b: L.margin_ranking_loss(
        a, b, T(Y5), margin=0.3, reduction=r), [RNG.normal(size=N), RNG.normal(size=N)]),
    "multi_margin p=1 weight": (lambda L, T, r: lambda a: L.multi_margin_loss(
        a, T(np.array([0, 3, 2, 1, 3])), margin=0.7, weight=T(W), reduction=r), [X]),
    "multi_margin p=2": (lambda L, T, r: lambda a: L.multi_margin_loss(
        a, T(np.array([0, 3, 2, 1, 3])), p=2, reduction=r), [X]),
    "multilabel_margin": (lambda L, T, r: lambda a: L.multilabel_margin_loss(a, T(MULTI),
                                                                              reduction=r), [X]),
    "multilabel_soft_margin weight": (lambda L, T, r: lambda a, t: L.multilabel_soft_margin_loss(
        a, t, weight=T(W), reduction=r), [X, (RNG.random((N, C)) < .5).astype(float)]),
    "hinge_embedding": (lambda L, T, r: lambda a: L.hinge_embedding_loss(a, T(YS), margin=0.5,
                                                                          reduction=r), [X]),
    "soft_margin large": (lambda L, T, r: lambda a: L.soft_margin_loss(a, T(YS), reduction=r),
                          [X * 40]),
    "cosine_embedding": (lambda L, T, r: lambda a, b: L.cosine_embedding_loss(
        a, b, T(Y5), margin=0.2, reduction=r), [X, RNG.normal(size=(N, C))]),
    "triplet p=1.5 swap": (lambda L, T, r: lambda a, b, c: L.triplet_margin_loss(
        a, b, c, margin=0.5, p=1.5, swap=True, reduction=r),
        [X, RNG.normal(size=(N, C)), RNG.normal(size=(N, C))]),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")
def test_losses_with_every_reduction(name, reduction):
    make, arrays = LOSSES[name]
    gf, tf = make(G, ad.tensor, reduction), make(TF, _t, reduction)
    n_float = 1 if name.startswith(("kl_div", "binary", "bce")) else len(arrays)

    def gfn(*a):
        return gf(*a[:n_float], *[ad.tensor(b) for b in arrays[n_float:]])

    def tfn(*a):
        return tf(*a[:n_float], *[_t(b) for b in arrays[n_float:]])

    # the gradients of the inputs (targets are constants, as in torch's tests)
    _cmp(gfn, tfn, arrays[:n_float])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss(reduction):
    lp = np.log(RNG.dirichlet(np.ones(5), size=(7, 3)))
    cases = [(np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]]), [7, 5, 6], [3, 2, 3], 0),
             (np.array([1, 3, 3, 4, 0, 1]), [7, 5, 6], [2, 1, 3], 2),
             (np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]]), [7, 5, 6], [0, 2, 1], 0)]
    for tg, il, tl, blank in cases:
        for zi in (False, True):
            kw = dict(blank=blank, reduction=reduction, zero_infinity=zi)
            _cmp(lambda a: G.ctc_loss(G.log_softmax(a, 2), ad.tensor(tg), il, tl, **kw),
                 lambda a: TF.ctc_loss(TF.log_softmax(a, 2), _t(tg), il, tl, **kw), [lp])
    # an impossible alignment (4 repeats need 7 frames): zero_infinity gives 0 and no gradient
    tg, il, tl = np.array([[1, 2, 2, 0], [4, 4, 4, 4]]), [7, 4], [3, 4]
    _cmp(lambda a: G.ctc_loss(G.log_softmax(a, 2), ad.tensor(tg), il, tl, reduction=reduction,
                              zero_infinity=True),
         lambda a: TF.ctc_loss(TF.log_softmax(a, 2), _t(tg), il, tl, reduction=reduction,
                               zero_infinity=True), [lp[:, :2]])


# ---- deliberate differences -----------------------------------------------------------------

KNOWN = {
    "bce at probabilities 0 and 1": (
        "torch's binary_cross_entropy backward is (x - y) / max(x (1 - x), 1e-12): 0 where the "
        "loss is -log(1 - x) at x = 0 (gpuad: 1, that function's derivative) and 1e12 where "
        "the log is clamped at -100 (gpuad: 0, the derivative of the clamped constant)"),
    "kl_div and poisson_nll targets at 0": (
        "their gradients in the target at a target of 0: torch's NaN, gpuad's the one-sided "
        "limit (-inf for kl_div's t log t) or the derivative of the masked Stirling term (0)"),
    "ctc_loss impossible alignment": (
        "without zero_infinity the loss is inf (both) and torch's gradient NaN on the frames "
        "the sequence reads; gpuad's is 0: the loss is inf for every finite log_probs, a "
        "constant"),
    "backward hook on an input not requiring grad": (
        "grad_input holds None there (torch passes zeros once another input requires grad)"),
    "in-place write on a hooked module's output": (
        "torch refuses (the output is a view made in a custom Function); gpuad records the "
        "write and differentiates it"),
}


def test_known_differences_hold_gpuads_documented_behaviour():
    x, y = np.array([0.0, 1.0, 0.5, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    a = ad.tensor(x, requires_grad=True)
    G.binary_cross_entropy(a, ad.tensor(y), reduction="sum").backward()
    np.testing.assert_allclose(_host(a.grad), [1.0, -1.0, -2.0, 0.0, 0.0])
    t = ad.tensor(np.array([0.0, 0.5]), requires_grad=True)
    G.kl_div(ad.tensor(np.zeros(2)), t, reduction="sum").backward()
    assert _host(t.grad)[0] == -np.inf and np.isfinite(_host(t.grad)[1])
    lp = ad.tensor(np.log(RNG.dirichlet(np.ones(5), size=(4, 1))), requires_grad=True)
    loss = G.ctc_loss(lp, ad.tensor(np.array([[4, 4, 4]])), [4], [3], reduction="sum")
    assert _host(loss) == np.inf
    loss.backward()
    np.testing.assert_array_equal(_host(lp.grad), 0.0)
    with pytest.raises(ValueError, match="dropout2d"):  # torch: "at least 2 dimensions"
        G.dropout2d(ad.tensor(np.ones(3)), 0.5)
    relu = gnn.ReLU()
    relu.register_full_backward_hook(lambda m, gi, go: None)
    xa = ad.tensor(np.array([1.0, -2.0]), requires_grad=True)
    out = relu(xa)
    out *= 2
    gnp.sum(out).backward()
    np.testing.assert_array_equal(_host(xa.grad), [2.0, 0.0])
    assert len(KNOWN) == 5


# ---- module hooks (test_module_hooks.py) --------------------------------------------------


def _hooked_run(lib, setup, arrays):
    nn_ = torch.nn if lib == "t" else gnn
    make = (lambda a: torch.tensor(a, requires_grad=True)) if lib == "t" else (
        lambda a: ad.tensor(a.copy(), requires_grad=True))
    log: list = []
    m = setup(nn_, log, lib)
    xs = [make(a) for a in arrays]
    outs = _seq(m(*xs))
    cs = [np.random.default_rng(i).normal(size=tuple(o.shape)) for i, o in enumerate(outs)]
    if lib == "t":
        sum((o * torch.tensor(c)).sum() for o, c in zip(outs, cs, strict=True)).backward()
    else:
        sum(gnp.sum(o * ad.tensor(c)) for o, c in zip(outs, cs, strict=True)).backward()
    values = [_host(o) for o in outs] + [None if x.grad is None else _host(x.grad) for x in xs]
    return values, [(k, [None if v is None else _host(v) for v in vs]) for k, vs in log]


def _linear(nn_, lib):
    m = nn_.Linear(3, 2)
    w, b = np.arange(6.0).reshape(2, 3) / 7, np.array([0.3, -0.2])
    if lib == "t":
        m = m.double()
        with torch.no_grad():
            m.weight.copy_(torch.tensor(w))
            m.bias.copy_(torch.tensor(b))
    else:
        m.load_state_dict({"weight": w, "bias": b})
    return m


def _hooks(kind):
    def setup(nn_, log, lib):
        if kind.startswith("two"):
            class Two(nn_.Module):
                def forward(self, a, b, scale=1.0):
                    return a * b * scale, a - b

            m = Two()
            if kind == "two with kwargs":
                m.register_forward_pre_hook(
                    lambda mod, args, kw: log.append(("pre", list(args))) or (args, {"scale": 3.0}),
                    with_kwargs=True)
                m.register_forward_hook(
                    lambda mod, args, kw, out: log.append(("post", [])) or (out[0] + 1, out[1]),
                    with_kwargs=True)
            m.register_full_backward_hook(lambda mod, gi, go: log.append(("bwd", [*gi, *go])))
            return m
        m = _linear(nn_, lib)
        if kind == "pre":
            m.register_forward_pre_hook(lambda mod, a: log.append(("pre", [a[0]])) or (a[0] * 2,))
        elif kind == "post":
            m.register_forward_hook(lambda mod, a, o: log.append(("post", [a[0], o])) or o * 3)
        elif kind == "backward":
            m.register_full_backward_hook(lambda mod, gi, go: log.append(("bwd", [*gi, *go])))
        elif kind == "backward replaces grad_input":
            m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 5,))
        elif kind == "backward pre replaces grad_output":
            m.register_full_backward_pre_hook(
                lambda mod, go: log.append(("bpre", list(go))) or (go[0] * -1,))
        elif kind == "order":
            m.register_forward_pre_hook(lambda mod, a: log.append(("a", [])))
            m.register_forward_pre_hook(lambda mod, a: log.append(("b", [])), prepend=True)
            m.register_forward_hook(lambda mod, a, o: log.append(("c", [])))
            m.register_forward_hook(lambda mod, a, o: log.append(("d", [])), prepend=True)
            m.register_forward_hook(lambda mod, a, o: log.append(("e", []))).remove()
            m.register_full_backward_pre_hook(lambda mod, go: log.append(("f", [])))
            m.register_full_backward_hook(lambda mod, gi, go: log.append(("g", [])))
            m.register_full_backward_hook(lambda mod, gi, go: log.append(("h", [])),
                                          prepend=True)
        return m

    return setup


HOOKS = ["pre", "post", "backward", "backward replaces grad_input",
         "backward pre replaces grad_output", "order", "two", "two with kwargs"]


@pytest.mark.parametrize("kind", HOOKS)
def test_module_hooks_against_torch(kind):
    arrays = [RNG.normal(size=(3,)), RNG.normal(size=(3,))] if kind.startswith("two") else [
        RNG.normal(size=(4, 3))]
    (vt, lt), (vg, lg) = _hooked_run("t", _hooks(kind), arrays), _hooked_run("g", _hooks(kind),
                                                                               arrays)
    for a, b in zip(vt, vg, strict=True):
        np.testing.assert_allclose(b, a, **TOL)
    assert [k for k, _ in lg] == [k for k, _ in lt]
    for (_, va), (_, vb) in zip(lt, lg, strict=True):
        assert len(va) == len(vb)
        for p, q in zip(va, vb, strict=True):
            assert (p is None) == (q is None)
            if p is not None:
                np.testing.assert_allclose(q, p, **TOL)


def test_backward_hook_grad_output_layout_against_torch():
    def run(lib, b_grad, use_second):
        nn_, T = (torch.nn, torch.tensor) if lib == "t" else (gnn, ad.tensor)

        class Two(nn_.Module):
            def forward(self, a, b):
                return a * 2, b * 3

        seen = []
        m = Two()
        m.register_full_backward_hook(lambda mod, gi, go: seen.append(go))
        a, b = T(np.ones(2), requires_grad=True), T(np.ones(2), requires_grad=b_grad)
        o1, o2 = m(a, b)
        (o1.sum() + (o2.sum() if use_second else 0)).backward()
        return [None if g is None else _host(g).tolist() for g in seen[0]]

    for b_grad in (False, True):
        for use_second in (False, True):
            assert run("g", b_grad, use_second) == run("t", b_grad, use_second)


def test_forward_hooks_kwargs_only_and_always_call():
    for nn_, T in ((torch.nn, torch.tensor), (gnn, ad.tensor)):
        class M(nn_.Module):
            def forward(self, x, *, k=1.0):
                if k < 0:
                    raise ValueError("negative")
                return x * k

        log = []
        m = M()
        m.register_forward_pre_hook(lambda mod, a, kw: (a, {"k": kw["k"] * 2}), with_kwargs=True)
        m.register_forward_hook(lambda mod, a, kw, o: log.append(_host(o).tolist()),
                                with_kwargs=True, always_call=True)
        m.register_forward_hook(lambda mod, a, o: log.append("skipped on error"))
        with m.register_forward_hook(lambda mod, a, o: log.append("in context")):
            m(T(np.array([1.0, 2.0])), k=3.0)
        with pytest.raises(ValueError):
            m(T(np.array([1.0])), k=-1.0)
        log[log.index(None) if None in log else len(log):] = ["always"]
        assert log == [[6.0, 12.0], "skipped on error", "in context", "always"], log


# ---- state_dict (test_load_state_dict.py) -------------------------------------------------


def _nested(nn_):
    class Block(nn_.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn_.Linear(2, 3)
            self.norm = nn_.BatchNorm1d(3)
            self.scale = nn_.Parameter(torch.ones(3) if nn_ is torch.nn else ad.tensor(np.ones(3)))

    return nn_.Sequential(Block(), nn_.Sequential(nn_.Linear(3, 1)))


def test_state_dict_order_and_non_strict_loading():
    tm, gm = _nested(torch.nn), _nested(gnn)
    assert list(gm.state_dict()) == list(tm.state_dict())
    sd = {k: v.numpy() + 1.0 for k, v in tm.state_dict().items() if k != "0.lin.bias"}
    sd["junk"] = np.ones(1)
    rt = tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    rg = gm.load_state_dict(sd, strict=False)
    assert (rg.missing_keys, rg.unexpected_keys) == (rt.missing_keys, rt.unexpected_keys)
    for k, v in tm.state_dict().items():
        if k != "0.lin.bias":
            np.testing.assert_allclose(_host(gm.state_dict()[k]), v.numpy())
    _both_raise(lambda: gm.load_state_dict(sd), lambda: tm.load_state_dict(
        {k: torch.tensor(v) for k, v in sd.items()}), "missing")
    bad = {k: np.zeros(4) if k == "0.lin.bias" else _host(v) for k, v in gm.state_dict().items()}
    _both_raise(lambda: gm.load_state_dict(bad, strict=False), lambda: tm.load_state_dict(
        {k: torch.tensor(v) for k, v in bad.items()}, strict=False), "shape")
    gm.load_state_dict(gm.state_dict(), assign=True)  # the arrays themselves, as torch's


# ---- parametrizations (test_parametrization.py) -------------------------------------------

PARAMETRIZED = [("Linear", (3, 4), (2, 3)), ("Conv2d", (2, 3, 3), (1, 2, 5, 5)),
                ("ConvTranspose2d", (2, 3, 2), (1, 2, 4, 4))]


def _both_modules(cls, args):
    torch.manual_seed(1)
    tm = getattr(torch.nn, cls)(*args).double()
    gm = getattr(gnn, cls)(*args)
    _load(gm, tm)
    return tm, gm


def _same_call(tm, gm, xshape):
    tm.zero_grad()
    gm.zero_grad()
    x = RNG.normal(size=xshape)
    _cmp(gm, tm, [x])
    assert list(gm.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_host(gm.state_dict()[k]), v.numpy(), err_msg=k, **TOL)
    yg, yt = gm(ad.tensor(x)), tm(torch.tensor(x))
    c = RNG.normal(size=tuple(yt.shape))
    gnp.sum(yg * ad.tensor(c)).backward()
    (yt * torch.tensor(c)).sum().backward()
    gp = dict(gm.named_parameters())
    assert sorted(gp) == sorted(n for n, _ in tm.named_parameters())
    for n, p in tm.named_parameters():
        np.testing.assert_allclose(_host(gp[n].grad), p.grad.numpy(), err_msg=n, **GTOL)


@pytest.mark.parametrize("cls,args,xshape", PARAMETRIZED, ids=[c for c, _, _ in PARAMETRIZED])
def test_weight_norm_against_torch(cls, args, xshape):
    from torch.nn.utils.parametrizations import weight_norm as t_weight_norm

    from gpuad.nn.utils.parametrizations import weight_norm

    for dim in (0, 1, None, -1):
        tm, gm = _both_modules(cls, args)
        t_weight_norm(tm, dim=dim)
        weight_norm(gm, dim=dim)
        assert type(gm).__name__ == type(tm).__name__
        _same_call(tm, gm, xshape)
    w = RNG.normal(size=tuple(tm.weight.shape))
    with torch.no_grad():
        tm.weight = torch.tensor(w)
    gm.weight = ad.tensor(w)  # right_inverse: g and v from the new weight
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_host(gm.state_dict()[k]), v.numpy(), err_msg=k, **TOL)
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    gnn.utils.parametrize.remove_parametrizations(gm, "weight")
    assert type(gm) is getattr(gnn, cls) and list(gm.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(_host(gm.weight), tm.weight.detach().numpy(), **TOL)


@pytest.mark.parametrize("cls,args,xshape", PARAMETRIZED, ids=[c for c, _, _ in PARAMETRIZED])
def test_spectral_norm_against_torch(cls, args, xshape):
    from torch.nn.utils.parametrizations import spectral_norm as t_spectral_norm

    from gpuad.nn.utils.parametrizations import spectral_norm

    tm, gm = _both_modules(cls, args)
    t_spectral_norm(tm, n_power_iterations=2)
    spectral_norm(gm, n_power_iterations=2)
    _load(gm, tm)  # torch's starting vectors _u, _v
    for mode in ("train", "train", "eval", "train"):  # a power step per training call
        getattr(tm, mode)()
        getattr(gm, mode)()
        _same_call(tm, gm, xshape)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_against_torch(shape, omap):
    from torch.nn.utils.parametrizations import orthogonal as t_orthogonal

    from gpuad.nn.utils.parametrizations import orthogonal

    for triv in (True, False):
        tm, gm = _both_modules("Linear", (shape[1], shape[0]))
        t_orthogonal(tm, orthogonal_map=omap, use_trivialization=triv)
        orthogonal(gm, orthogonal_map=omap, use_trivialization=triv)
        assert list(gm.state_dict()) == list(tm.state_dict())
        if shape[0] == shape[1] or not triv:  # else the base's completion is random
            for k, v in tm.state_dict().items():
                np.testing.assert_allclose(_host(gm.state_dict()[k]), v.numpy(), err_msg=k,
                                           rtol=1e-10, atol=1e-10)
        with torch.no_grad():  # off the start (householder: below the diagonal, which holds signs)
            move = RNG.normal(size=shape) * 0.3
            if omap == "householder":
                move = np.tril(move, -1) if shape[0] >= shape[1] else np.triu(move, 1)
            tm.parametrizations.weight.original.add_(torch.tensor(move))
        _load(gm, tm)
        _same_call(tm, gm, (2, shape[1]))
        w = _host(gm.weight)
        gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
        np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    q = np.linalg.qr(RNG.normal(size=(4, 4)))[0]
    if omap != "householder":
        tm, gm = _both_modules("Linear", (4, 4))
        t_orthogonal(tm, orthogonal_map=omap)
        orthogonal(gm, orthogonal_map=omap)
        with torch.no_grad():
            tm.weight = torch.tensor(q)
        gm.weight = ad.tensor(q)  # right_inverse: the base becomes q
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(_host(gm.state_dict()[k]), v.numpy(), err_msg=k, **TOL)
        np.testing.assert_allclose(_host(gm.weight), q, atol=1e-12)


def test_custom_parametrization_against_torch():
    class TSym(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

    class GSym(gnn.Module):
        def forward(self, x):
            return gnp.triu(x) + gnp.swapaxes(gnp.triu(x, 1), -1, -2)

    class TScale(torch.nn.Module):
        def forward(self, x):
            return 3 * x

        def right_inverse(self, x):
            return x / 3

    class GScale(gnn.Module):
        def forward(self, x):
            return 3 * x

        def right_inverse(self, x):
            return x / 3

    tm, gm = _both_modules("Linear", (3, 3))
    for tp, gp in ((TScale(), GScale()), (TSym(), GSym())):
        torch.nn.utils.parametrize.register_parametrization(tm, "weight", tp)
        gnn.utils.parametrize.register_parametrization(gm, "weight", gp)
    _same_call(tm, gm, (2, 3))
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight", leave_parametrized=False)
    gnn.utils.parametrize.remove_parametrizations(gm, "weight", leave_parametrized=False)
    np.testing.assert_allclose(_host(gm.weight), tm.weight.detach().numpy(), **TOL)


# ---- pruning (test_pruning.py) --------------------------------------------------------------


def _pruned_pair(cls, *args):
    import torch.nn.utils.prune as t_prune

    from gpuad.nn.utils import prune

    tm, gm = _both_modules(cls, args)
    return tm, gm, t_prune, prune


def test_pruning_against_torch():
    tm, gm, TP, GP = _pruned_pair("Linear", 5, 4)
    steps = [("l1_unstructured", ("weight", 0.3), {}), ("l1_unstructured", ("weight", 4), {}),
             ("ln_structured", ("weight", 1), dict(n=2, dim=0)), ("identity", ("bias",), {})]
    for fn, args, kw in steps:  # a second pruning chooses among the entries still kept
        getattr(TP, fn)(tm, *args, **kw)
        getattr(GP, fn)(gm, *args, **kw)
        _same_call(tm, gm, (2, 5))
    assert GP.is_pruned(gm) and TP.is_pruned(tm)
    for name in ("weight", "bias"):
        TP.remove(tm, name)
        GP.remove(gm, name)
        _same_call(tm, gm, (2, 5))
    assert not GP.is_pruned(gm)
    with pytest.raises(ValueError, match="pruned before"):
        GP.remove(gm, "weight")
    for n in (1, 2, 3, math.inf):
        tm, gm, TP, GP = _pruned_pair("Conv2d", 3, 4, 2)
        for amount, dim in ((0.5, 1), (1, 0)):  # the second scored on the masked weight
            TP.ln_structured(tm, "weight", amount, n=n, dim=dim)
            GP.ln_structured(gm, "weight", amount, n=n, dim=dim)
            _same_call(tm, gm, (1, 3, 4, 4))
    tm, gm, TP, GP = _pruned_pair("Linear", 5, 4)
    s, m = RNG.normal(size=(4, 5)), (RNG.random(4) < 0.5).astype(float)
    TP.l1_unstructured(tm, "weight", 7, importance_scores=torch.tensor(s))
    GP.l1_unstructured(gm, "weight", 7, importance_scores=ad.tensor(s))
    TP.custom_from_mask(tm, "bias", torch.tensor(m))
    GP.custom_from_mask(gm, "bias", ad.tensor(m))
    _same_call(tm, gm, (2, 5))
    (t1, g1, _, _), (t2, g2, _, _) = _pruned_pair("Linear", 5, 4), _pruned_pair("Linear", 4, 3)
    TP.l1_unstructured(t1, "weight", 3)
    GP.l1_unstructured(g1, "weight", 3)
    TP.global_unstructured([(t1, "weight"), (t2, "weight"), (t2, "bias")], TP.L1Unstructured,
                           amount=0.4)
    GP.global_unstructured([(g1, "weight"), (g2, "weight"), (g2, "bias")], GP.L1Unstructured,
                           amount=0.4)
    _same_call(t1, g1, (2, 5))
    _same_call(t2, g2, (2, 4))
    for bad in (-1, 1.5, "x", 200):
        _both_raise(lambda b=bad: GP.l1_unstructured(gnn.Linear(3, 3), "weight", b),
                    lambda b=bad: TP.l1_unstructured(torch.nn.Linear(3, 3), "weight", b))
    gm = gnn.Linear(10, 10)  # random choices: the counts (the draws are gpuad's own)
    GP.random_unstructured(gm, "weight", 0.37)
    assert (_host(gm.weight_mask) == 0).sum() == 37
    GP.random_structured(gm, "weight", 3, dim=1)
    assert (_host(gm.weight_mask).sum(0) == 0).sum() == 3


# ---- init (test_init.py) and dropout (test_dropout.py) -------------------------------------


def test_init_gains_fans_and_errors():
    for nl, p in [("linear", None), ("conv1d", None), ("conv_transpose2d", None),
                  ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                  ("leaky_relu", 0.2), ("selu", None)]:
        assert gnn.init.calculate_gain(nl, p) == pytest.approx(
            torch.nn.init.calculate_gain(nl, p), rel=1e-15)
    for bad in [("leaky_relu", "x"), ("nope", None), ("leaky_relu", True)]:
        _both_raise(lambda b=bad: gnn.init.calculate_gain(*b),
                    lambda b=bad: torch.nn.init.calculate_gain(*b))
    for shape in [(64, 32), (16, 8, 3, 3), (8, 4, 5)]:
        for fn, kw in [("kaiming_uniform_", dict(mode="fan_in")),
                       ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="leaky_relu", a=.3)),
                       ("kaiming_normal_", dict(mode="fan_out")),
                       ("xavier_uniform_", dict(gain=2.0)), ("xavier_normal_", {})]:
            tw = torch.empty(*shape, dtype=torch.float64)
            getattr(torch.nn.init, fn)(tw, **kw)
            gw = ad.tensor(np.zeros(shape))
            getattr(gnn.init, fn)(gw, **kw)
            # the same distribution: the standard deviation to sampling error, and the bound
            # of a uniform one (torch's bound is the largest value drawn, to within 5 %)
            assert np.std(_host(gw)) == pytest.approx(tw.std().item(), rel=0.2)
            if "uniform" in fn:
                assert np.abs(_host(gw)).max() <= tw.abs().max().item() * 1.05
    for fn in ("xavier_uniform_", "kaiming_normal_"):
        for bad in [(3,), ()]:
            _both_raise(lambda f=fn, b=bad: getattr(gnn.init, f)(ad.tensor(np.zeros(b))),
                        lambda f=fn, b=bad: getattr(torch.nn.init, f)(torch.empty(*b)))
    for shape in [(4, 6), (6, 4), (3, 2, 2, 2)]:
        w = ad.tensor(np.zeros(shape))
        gnn.init.orthogonal_(w, gain=2.0)
        m = _host(w).reshape(shape[0], -1)
        gram = m @ m.T if shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-12)
    w = ad.tensor(np.zeros(4000))
    gnn.init.trunc_normal_(w, mean=1.0, std=2.0, a=-1.0, b=2.0)
    assert -1 <= _host(w).min() and _host(w).max() <= 2


def test_dropout_statistics_and_arguments():
    x = ad.tensor(np.ones((60, 50, 6)), requires_grad=True)
    for p in (0.0, 0.3, 1.0):
        y = G.dropout(x, p, training=True)
        v = _host(y)
        kept = v[v != 0]
        np.testing.assert_allclose(kept, 1 / (1 - p) if p < 1 else kept)
        assert abs((v == 0).mean() - p) < 0.02
        gnp.sum(y).backward()
        np.testing.assert_array_equal(_host(x.grad), v)  # the same mask, scaled
        x.grad = None
    y = _host(G.dropout2d(ad.tensor(np.ones((8, 30, 5, 5))), 0.4, training=True))
    assert all(len(np.unique(c)) == 1 for c in y.reshape(240, 25))  # whole channels
    y = _host(G.dropout1d(ad.tensor(np.ones((30, 5))), 0.4, training=True))
    assert all(len(np.unique(c)) == 1 for c in y)
    z = np.random.default_rng(0).normal(size=200000)
    y = _host(G.alpha_dropout(ad.tensor(z), 0.3, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01  # self-normalising
    assert G.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(_host(gnn.Dropout(0.5).eval()(x)), 1.0)
    for bad in (-0.1, 1.1):
        for fn in ("dropout", "dropout2d", "alpha_dropout", "feature_alpha_dropout"):
            _both_raise(lambda f=fn, b=bad: getattr(G, f)(ad.tensor(np.ones((2, 3, 4))), b),
                        lambda f=fn, b=bad: getattr(TF, f)(torch.ones(2, 3, 4), b), "p")


# ---- what gpuad leaves out ------------------------------------------------------------------

NOT_OFFERED = {
    "Module.register_backward_hook": lambda: gnn.Linear(2, 2).register_backward_hook,
    "nn.modules.module.register_module_forward_hook":
        lambda: gnn.modules.module.register_module_forward_hook,
}


@pytest.mark.parametrize("name", sorted(NOT_OFFERED))
def test_not_offered_names_raise(name):
    with pytest.raises(AttributeError):
        NOT_OFFERED[name]()
