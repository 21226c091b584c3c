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
