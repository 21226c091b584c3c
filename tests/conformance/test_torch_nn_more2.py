"""More of torch.nn against torch itself, in float64: embeddings with padding_idx, max_norm and
scale_grad_by_freq, embedding bags, interpolate/Upsample, unfold/fold, rms_norm and the smaller
layers, losses and in-place activations. Values and gradients (of inputs and parameters) are
compared along a random cotangent at 1e-10; bad shapes raise errors that name the op.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from tests.conformance import _unpool_exact

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(7)
TOL = dict(rtol=1e-10, atol=1e-12)


def _np(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


def _cmp(gf, tf, arrays, seed=0):
    """gf and tf on copies of the float64 ``arrays``: equal values and vjps."""
    gs = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yg, yt = gf(*gs), tf(*ts)
    np.testing.assert_allclose(_np(yg), yt.detach().numpy(), **TOL)
    u = np.random.default_rng(seed).normal(size=yt.shape)
    gnp.sum(yg * ad.tensor(u)).backward()
    (yt * torch.tensor(u)).sum().backward()
    for g, t in zip(gs, ts, strict=True):
        tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        gg = np.zeros(g.shape) if g.grad is None else _np(g.grad)
        np.testing.assert_allclose(gg, tg, **TOL)
    return yg


# ---- embeddings -------------------------------------------------------------------------------

TABLE = RNG.normal(size=(6, 3))
IDS = np.array([[1, 0, 4], [4, 4, 5]])


@pytest.mark.parametrize(
    "kw",
    [
        dict(padding_idx=0),
        dict(padding_idx=-2),
        dict(scale_grad_by_freq=True),
        dict(scale_grad_by_freq=True, padding_idx=4),
    ],
)
def test_embedding_gradient_options(kw):
    _cmp(
        lambda w: F.embedding(IDS, w, **kw),
        lambda w: TF.embedding(torch.tensor(IDS), w, **kw),
        [TABLE],
    )


@pytest.mark.parametrize("norm_type", [2.0, 1.0, np.inf])
def test_embedding_max_norm_renormalises_rows_in_place(norm_type):
    w, wt = (
        ad.tensor(TABLE.copy(), requires_grad=True),
        torch.tensor(TABLE.copy(), requires_grad=True),
    )
    v0 = w._ver[0]
    y = F.embedding(IDS, w, max_norm=1.1, norm_type=norm_type)
    yt = TF.embedding(torch.tensor(IDS), wt, max_norm=1.1, norm_type=norm_type)
    np.testing.assert_allclose(_np(w), wt.detach().numpy(), **TOL)  # rows 1, 0, 4, 5 rescaled
    np.testing.assert_allclose(_np(y), yt.detach().numpy(), **TOL)
    assert w._ver[0] > v0
    gnp.sum(y * y).backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(_np(w.grad), wt.grad.numpy(), **TOL)


def test_embedding_module_padding_and_from_pretrained():
    m = nn.Embedding(5, 2, padding_idx=1)
    assert isinstance(m, nn.Embedding) and np.all(_np(m.weight)[1] == 0)
    p = nn.Embedding.from_pretrained(gnp.asarray(TABLE))
    assert not p.weight.requires_grad and np.array_equal(_np(p.weight), TABLE)
    q = nn.Embedding.from_pretrained(gnp.asarray(TABLE), freeze=False, padding_idx=0)
    gnp.sum(q(IDS) ** 2).backward()
    qt = torch.nn.Embedding.from_pretrained(torch.tensor(TABLE), freeze=False, padding_idx=0)
    (qt(torch.tensor(IDS)) ** 2).sum().backward()
    np.testing.assert_allclose(_np(q.weight.grad), qt.weight.grad.numpy(), **TOL)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(IndexError, match="embedding"):
        F.embedding(np.array([6]), gnp.asarray(TABLE))


FLAT = np.array([1, 3, 3, 0, 5, 2, 2, 4])
OFFS = np.array([0, 3, 3, 6])  # an empty bag


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=3), dict(include_last_offset=True)])
def test_embedding_bag_offsets(mode, kw):
    offs = np.append(OFFS, len(FLAT)) if kw.get("include_last_offset") else OFFS
    _cmp(
        lambda w: F.embedding_bag(FLAT, w, offs, mode=mode, **kw),
        lambda w: TF.embedding_bag(torch.tensor(FLAT), w, torch.tensor(offs), mode=mode, **kw),
        [TABLE],
    )


def test_embedding_bag_2d_weights_freq_and_max_ties():
    _cmp(
        lambda w, p: F.embedding_bag(IDS, w, mode="sum", per_sample_weights=p, padding_idx=5),
        lambda w, p: TF.embedding_bag(
            torch.tensor(IDS), w, mode="sum", per_sample_weights=p, padding_idx=5
        ),
        [TABLE, RNG.normal(size=IDS.shape)],
    )
    # torch's CPU embedding_bag scales by the count of another index once a row repeats;
    # the documented rule (the inverse frequency of each row) is torch's embedding's
    _cmp(
        lambda w: F.embedding_bag(IDS, w, mode="mean", scale_grad_by_freq=True),
        lambda w: TF.embedding(torch.tensor(IDS), w, scale_grad_by_freq=True).mean(1),
        [TABLE],
    )
    tied = np.array([[1.0, 2.0], [1.0, 3.0], [0.5, 3.0]])  # ties in both columns
    _cmp(
        lambda w: F.embedding_bag(np.array([[2, 0, 1]]), w, mode="max"),
        lambda w: TF.embedding_bag(torch.tensor([[2, 0, 1]]), w, mode="max"),
        [tied],
    )
    m = nn.EmbeddingBag.from_pretrained(gnp.asarray(TABLE), freeze=False, mode="sum")
    mt = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(TABLE), freeze=False, mode="sum")
    gnp.sum(m(FLAT, OFFS) ** 2).backward()
    (mt(torch.tensor(FLAT), torch.tensor(OFFS)) ** 2).sum().backward()
    np.testing.assert_allclose(_np(m.weight.grad), mt.weight.grad.numpy(), **TOL)
    for bad, msg in [
        (lambda: F.embedding_bag(FLAT, gnp.asarray(TABLE)), "offsets"),
        (lambda: F.embedding_bag(IDS, gnp.asarray(TABLE), OFFS), "offsets"),
        (lambda: F.embedding_bag(FLAT, gnp.asarray(TABLE), np.array([1, 2])), "offsets"),
        (
            lambda: F.embedding_bag(
                IDS, gnp.asarray(TABLE), mode="max", per_sample_weights=gnp.ones(IDS.shape)
            ),
            "per_sample_weights",
        ),
    ]:
        with pytest.raises(ValueError, match=msg):
            bad()


# ---- interpolate ------------------------------------------------------------------------------

INTERP = [
    ((1, 2, 5), dict(size=8, mode="linear")),
    ((1, 2, 5), dict(scale_factor=1.7, mode="linear", align_corners=True)),
    ((1, 1, 3), dict(scale_factor=1.2, mode="linear")),  # same size, another scale: a copy
    ((1, 2, 5), dict(scale_factor=1.7)),
    ((2, 1, 4, 5), dict(size=(3, 7))),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 0.75), mode="nearest-exact")),
    ((1, 1, 2, 3, 2), dict(scale_factor=2)),
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="bilinear")),
    ((1, 1, 4, 5), dict(size=(3, 7), mode="bilinear", align_corners=True)),
    ((1, 1, 5, 4), dict(scale_factor=0.7, mode="bilinear", recompute_scale_factor=True)),
    ((1, 1, 4, 5), dict(size=(6, 3), mode="bicubic")),
    ((1, 1, 3, 4), dict(scale_factor=1.6, mode="bicubic", align_corners=True)),
    ((1, 1, 3, 4, 2), dict(scale_factor=(1.5, 0.5, 2.0), mode="trilinear")),
    ((1, 2, 5, 6), dict(size=(3, 4), mode="area")),
]


@pytest.mark.parametrize("shape,kw", INTERP, ids=[f"{s}-{k}" for s, k in INTERP])
def test_interpolate(shape, kw):
    _cmp(
        lambda x: F.interpolate(x, **kw),
        lambda x: TF.interpolate(x, **kw),
        [RNG.normal(size=shape)],
    )


def test_upsample_modules_and_errors():
    x = RNG.normal(size=(1, 2, 3, 4))
    for g, t in [
        (
            nn.Upsample(scale_factor=2, mode="bilinear"),
            torch.nn.Upsample(scale_factor=2, mode="bilinear"),
        ),
        (nn.UpsamplingNearest2d(size=(5, 3)), torch.nn.UpsamplingNearest2d((5, 3))),
        (
            nn.UpsamplingBilinear2d(scale_factor=1.5),
            torch.nn.UpsamplingBilinear2d(scale_factor=1.5),
        ),
    ]:
        _cmp(g, t, [x])
    for kw, msg in [
        (dict(size=3, mode="bilinear"), "bilinear"),
        (dict(size=3, mode="nearest", align_corners=True), "align_corners"),
        (dict(size=3, scale_factor=2), "exactly one"),
        (dict(size=3, mode="cubic"), "mode"),
    ]:
        with pytest.raises(ValueError, match=msg):
            F.interpolate(gnp.asarray(x[0, 0, 0][None, None]), **kw)


# ---- unfold / fold ----------------------------------------------------------------------------

FOLDS = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))]


@pytest.mark.parametrize("kw", FOLDS)
def test_unfold_fold(kw):
    x = RNG.normal(size=(2, 2, 4, 5))
    _cmp(lambda a: F.unfold(a, **kw), lambda a: TF.unfold(a, **kw), [x])
    _cmp(lambda a: nn.Unfold(**kw)(a), lambda a: torch.nn.Unfold(**kw)(a), [x[0]])
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    _cmp(lambda a: F.fold(a, (4, 5), **kw), lambda a: TF.fold(a, (4, 5), **kw), [cols])
    _cmp(lambda a: nn.Fold((4, 5), **kw)(a), lambda a: torch.nn.Fold((4, 5), **kw)(a), [cols[0]])


def test_fold_errors():
    with pytest.raises(ValueError, match=r"fold: the input has 5 blocks"):
        F.fold(gnp.zeros((1, 4, 5)), (3, 3), 2)
    with pytest.raises(ValueError, match=r"fold: the input's dim 1 \(3"):
        F.fold(gnp.zeros((1, 3, 4)), (3, 3), 2)
    with pytest.raises(ValueError, match=r"unfold: expected an input"):
        F.unfold(gnp.zeros((4, 5)), 2)
    with pytest.raises(ValueError, match=r"unfold: the kernel"):
        F.unfold(gnp.zeros((1, 1, 2, 2)), 3)


# ---- smaller layers ---------------------------------------------------------------------------

X4 = RNG.normal(size=(2, 4, 3, 2))


def test_rms_norm_and_module():
    w = RNG.normal(size=(3, 2))
    _cmp(lambda x, g: F.rms_norm(x, (3, 2), g), lambda x, g: TF.rms_norm(x, (3, 2), g), [X4, w])
    _cmp(lambda x: F.rms_norm(x, 2, eps=0.1), lambda x: TF.rms_norm(x, (2,), eps=0.1), [X4])
    m, mt = nn.RMSNorm([3, 2]), torch.nn.RMSNorm([3, 2], dtype=torch.float64)
    _cmp(lambda x: m(x), lambda x: mt(x), [X4])
    gnp.sum(m(gnp.asarray(X4)) ** 2).backward()
    (mt(torch.tensor(X4)) ** 2).sum().backward()
    np.testing.assert_allclose(_np(m.weight.grad), mt.weight.grad.numpy(), **TOL)
    assert nn.RMSNorm(2, elementwise_affine=False).weight is None
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape \(3,\)"):
        F.rms_norm(gnp.asarray(X4), 3)


def test_shape_layers():
    _cmp(nn.Unflatten(1, (2, -1)), torch.nn.Unflatten(1, (2, -1)), [X4])
    _cmp(nn.Softmax2d(), torch.nn.Softmax2d(), [X4])
    _cmp(nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2), [X4])
    _cmp(lambda x: F.channel_shuffle(x, 4), lambda x: TF.channel_shuffle(x, 4), [X4])
    for bad, msg in [
        (lambda: nn.Unflatten(1, (3, 2))(gnp.asarray(X4)), "Unflatten"),
        (lambda: F.channel_shuffle(gnp.asarray(X4), 3), "channel_shuffle"),
        (lambda: nn.Softmax2d()(gnp.zeros((2, 3))), "Softmax2d"),
    ]:
        with pytest.raises(ValueError, match=msg):
            bad()


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, np.inf, 0.0])
def test_pdist(p):
    x = RNG.normal(size=(4, 3))
    x[2] = x[0]  # a zero distance
    x[3, 1] = x[1, 1]  # a zero difference
    x[3, 2] = x[1, 2] + (x[3, 0] - x[1, 0])  # tied largest differences
    _cmp(lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), [x])


def test_local_response_norm():
    _cmp(
        lambda x: F.local_response_norm(x, 3, alpha=0.1, beta=0.6, k=2.0),
        lambda x: TF.local_response_norm(x, 3, alpha=0.1, beta=0.6, k=2.0),
        [X4],
    )
    _cmp(nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2), [X4[:, :, 0]])


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_with_the_same_noise(hard):
    logits = RNG.normal(size=(3, 4))
    with gnp.random.seeded(3):
        g = F.gumbel_softmax(ad.tensor(logits, requires_grad=True), tau=0.7, hard=hard, dim=0)
    with gnp.random.seeded(3):
        noise = _np(gnp.random.exponential(1.0, (3, 4)))

    def torch_gumbel(t):  # torch's formula with this noise
        y = ((t - torch.tensor(noise).log()) / 0.7).softmax(0)
        if not hard:
            return y
        onehot = torch.zeros_like(y).scatter_(0, y.argmax(0, keepdim=True), 1.0)
        return onehot - y.detach() + y

    def gumbel(t):
        with gnp.random.seeded(3):
            return F.gumbel_softmax(t, tau=0.7, hard=hard, dim=0)

    _cmp(gumbel, torch_gumbel, [logits])
    assert np.allclose(_np(gnp.sum(g, axis=0)), 1.0)


def test_lp_pool_and_max_unpool():
    x = np.abs(RNG.normal(size=(1, 2, 5, 4))) + 0.1
    _cmp(
        lambda a: F.lp_pool2d(a, 2, (2, 3), stride=1), lambda a: TF.lp_pool2d(a, 2, (2, 3), 1), [x]
    )
    _cmp(nn.LPPool1d(3, 2, ceil_mode=True), torch.nn.LPPool1d(3, 2, ceil_mode=True), [x[0]])
    # overlapping windows pick some elements twice: the last value written is kept, and only
    # it gets the gradient (torch passes the overwritten ones a gradient too)
    y, idx = TF.max_pool2d(torch.tensor(x), 2, stride=1, return_indices=True)
    tu = _unpool_exact.exact(TF.max_unpool2d, idx.numpy(), 2)
    _cmp(
        lambda a: F.max_unpool2d(a, idx.numpy(), 2, stride=1),
        lambda a: tu(a, idx, 2, stride=1),
        [y.numpy()],
    )
    y1, i1 = TF.max_pool1d(torch.tensor(x[0]), 2, return_indices=True)
    _cmp(
        lambda a: nn.MaxUnpool1d(2)(a, i1.numpy(), output_size=(4,)),
        lambda a: torch.nn.MaxUnpool1d(2)(a, i1, output_size=(4,)),
        [y1.numpy()],
    )
    with pytest.raises(ValueError, match="max_unpool2d"):
        F.max_unpool2d(gnp.asarray(y.numpy()), idx.numpy()[..., :1], 2)
    with pytest.raises(IndexError, match="max_unpool1d"):
        F.max_unpool1d(gnp.asarray(y1.numpy()), i1.numpy() + 9, 2)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_multilabel_margin_loss(reduction):
    x = RNG.normal(size=(3, 4))
    t = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 1, 2, 2]])
    _cmp(
        lambda a: F.multilabel_margin_loss(a, t, reduction=reduction),
        lambda a: TF.multilabel_margin_loss(a, torch.tensor(t), reduction=reduction),
        [x],
    )
    _cmp(
        lambda a: nn.MultiLabelMarginLoss()(a, t[0]),
        lambda a: torch.nn.MultiLabelMarginLoss()(a, torch.tensor(t[0])),
        [x[0]],
    )
    with pytest.raises(ValueError, match="multilabel_margin_loss"):
        F.multilabel_margin_loss(gnp.asarray(x), t[:, :2])


def test_triplet_margin_with_distance_loss():
    a, p, n = (RNG.normal(size=(3, 4)) for _ in range(3))

    def cos(u, v):
        return 1.0 - F.cosine_similarity(u, v)

    def tcos(u, v):
        return 1.0 - TF.cosine_similarity(u, v)

    _cmp(
        lambda *t: F.triplet_margin_with_distance_loss(*t, margin=2.0),
        lambda *t: TF.triplet_margin_with_distance_loss(*t, margin=2.0),
        [a, p, n],
    )
    _cmp(
        nn.TripletMarginWithDistanceLoss(distance_function=cos, swap=True, reduction="sum"),
        torch.nn.TripletMarginWithDistanceLoss(distance_function=tcos, swap=True, reduction="sum"),
        [a, p, n],
    )
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)


@pytest.mark.parametrize(
    "name,args",
    [
        ("relu_", ()),
        ("elu_", (0.5,)),
        ("leaky_relu_", (0.2,)),
        ("hardtanh_", (-0.5, 0.7)),
        ("selu_", ()),
        ("celu_", (1.5,)),
        ("threshold_", (0.1, -2.0)),
    ],
)
def test_inplace_activations(name, args):
    x = RNG.normal(size=(3, 4))

    def version(h):
        return h._ver[0] if isinstance(h, ad.Tensor) else h._version

    def run(fn, t):
        h = t * 2.0
        before = version(h)
        assert fn(h, *args) is h and version(h) > before
        return h * h

    _cmp(lambda t: run(getattr(F, name), t), lambda t: run(getattr(TF, name), t), [x])
    raw = x.copy()
    getattr(F, name)(raw, *args)
    np.testing.assert_allclose(raw, getattr(TF, name)(torch.tensor(x), *args).numpy(), **TOL)
    with pytest.raises(Exception, match="leaf"):
        getattr(F, name)(ad.tensor(x, requires_grad=True), *args)


# ---- affine_grid / grid_sample ----------------------------------------------------------------

THETA = np.array([[[0.9, -0.3, 0.1], [0.2, 1.1, -0.2]], [[1.3, 0.4, 0.3], [-0.1, 0.8, 0.5]]])


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    _cmp(
        lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=align_corners),
        lambda t: TF.affine_grid(t, [2, 1, 3, 4], align_corners=align_corners),
        [THETA],
    )
    theta3 = RNG.normal(size=(1, 3, 4))
    _cmp(
        lambda t: F.affine_grid(t, (1, 1, 2, 3, 2), align_corners=align_corners),
        lambda t: TF.affine_grid(t, [1, 1, 2, 3, 2], align_corners=align_corners),
        [theta3],
    )
    with pytest.raises(ValueError, match="affine_grid"):
        F.affine_grid(gnp.asarray(THETA), (2, 1, 3, 4, 5))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    x = RNG.normal(size=(2, 2, 3, 4))
    grid = np.random.default_rng(5).uniform(-1.4, 1.4, size=(2, 3, 2, 2))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    _cmp(lambda a, g: F.grid_sample(a, g, **kw), lambda a, g: TF.grid_sample(a, g, **kw), [x, grid])
    if padding_mode != "border":  # 5-d: volumes sampled at (x, y, z)
        x3 = RNG.normal(size=(1, 2, 2, 3, 2))
        grid3 = np.random.default_rng(6).uniform(-1.4, 1.4, size=(1, 2, 1, 2, 3))
        _cmp(
            lambda a, g: F.grid_sample(a, g, **kw),
            lambda a, g: TF.grid_sample(a, g, **kw),
            [x3, grid3],
        )


def test_grid_sample_errors():
    with pytest.raises(ValueError, match=r"grid_sample: expected .* got \(1, 1, 3, 4\)"):
        F.grid_sample(gnp.zeros((1, 1, 3, 4)), gnp.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="bicubic"):
        F.grid_sample(gnp.zeros((1, 1, 2, 3, 4)), gnp.zeros((1, 2, 2, 2, 3)), mode="bicubic")
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(gnp.zeros((1, 1, 3, 4)), gnp.zeros((1, 2, 2, 2)), padding_mode="wrap")
