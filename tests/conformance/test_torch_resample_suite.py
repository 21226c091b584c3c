"""torch's resampling tests (test_nn.py's test_upsampling*, test_interpolate*,
test_grid_sample*, test_affine_grid* and the OpInfo samples of ``nn.functional.interpolate``,
``grid_sample`` and ``affine_grid``) against torch itself, in float64: every mode of
``F.interpolate`` over 1-d, 2-d and 3-d inputs, by size and by scale factor (integer, fractional,
below 1, per axis, recomputed), ``align_corners`` either way, ``antialias``; ``grid_sample`` in
each mode and padding, with grids out of range, NaN and infinite entries and empty batches;
``affine_grid``; the errors torch raises. Values and vjps (input, grid, theta) at 1e-10 and
second derivatives where torch has them. Where torch's CPU backward is not the adjoint of its own
forward (nearest 3-d by some scale factors), gpuad's is checked against that adjoint.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-10, atol=1e-12)

pytestmark = pytest.mark.filterwarnings("ignore")


def _np(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


def _forward_adjoint(tf, x, u):
    """``J^T u`` of torch's forward ``tf`` (linear in ``x``), from its columns."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        cols.append(tf(torch.tensor(e.reshape(x.shape))).detach().numpy().ravel())
    return (np.stack(cols, 1).T @ u.ravel()).reshape(x.shape)


def _cmp(gf, tf, arrays, seed=0, grads=True, linear=False):
    """Equal values and vjps of gf and tf on copies of the float64 ``arrays``. ``linear``:
    where torch's backward differs from gpuad's, torch's must be off its own forward's
    adjoint and gpuad's on it."""
    gs = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    yt = tf(*ts)
    yg = gf(*gs)
    np.testing.assert_allclose(_np(yg), yt.detach().numpy(), equal_nan=True, **TOL)
    assert _np(yg).dtype == yt.detach().numpy().dtype
    if not grads or yt.numel() == 0:
        return
    u = np.random.default_rng(seed).normal(size=tuple(yt.shape))
    gnp.sum(yg * ad.tensor(u)).backward()
    (yt * torch.tensor(u)).sum().backward()
    for a, g, t in zip(arrays, gs, ts, strict=True):
        tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        gg = np.zeros(g.shape) if g.grad is None else _np(g.grad)
        if linear and not np.allclose(gg, tg, **TOL):
            adj = _forward_adjoint(tf, a, u)
            assert not np.allclose(tg, adj, **TOL)
            np.testing.assert_allclose(gg, adj, **TOL)
            continue
        np.testing.assert_allclose(gg, tg, **TOL)


# ---- interpolate ------------------------------------------------------------------------------

_ND = {
    "nearest": (1, 2, 3),
    "nearest-exact": (1, 2, 3),
    "area": (1, 2, 3),
    "linear": (1,),
    "bilinear": (2,),
    "bicubic": (2,),
    "trilinear": (3,),
}
_SPATIAL = {1: (5,), 2: (4, 5), 3: (3, 4, 2)}


def _resizes(nd):
    sp = _SPATIAL[nd]
    return [
        dict(size=tuple(2 * s + 1 for s in sp)),
        dict(size=tuple(max(1, s - 2) for s in sp)),
        dict(size=1 if nd == 1 else (1,) * nd),
        dict(scale_factor=2),
        dict(scale_factor=3.0),
        dict(scale_factor=1.0),
        dict(scale_factor=1.7),
        dict(scale_factor=0.6),
        dict(scale_factor=0.6, recompute_scale_factor=True),
        dict(scale_factor=1.7, recompute_scale_factor=True),
        dict(scale_factor=(1.5, 0.75, 2.3)[:nd]),
        dict(scale_factor=(0.5, 2.5, 1.25)[:nd], recompute_scale_factor=False),
    ]


INTERP = []
for _mode, _nds in _ND.items():
    for _nd in _nds:
        _acs = (
            [None, False, True]
            if _mode in ("linear", "bilinear", "bicubic", "trilinear")
            else [None]
        )
        for _ac, _kw in itertools.product(_acs, _resizes(_nd)):
            _kw = dict(_kw, mode=_mode)
            if _ac is not None:
                _kw["align_corners"] = _ac
            INTERP.append(((2, 3) + _SPATIAL[_nd], _kw))
        INTERP.append(((0, 2) + _SPATIAL[_nd], dict(scale_factor=2, mode=_mode)))  # empty batch


@pytest.mark.parametrize("shape,kw", INTERP, ids=[f"{s}-{k}" for s, k in INTERP])
def test_interpolate(shape, kw):
    x = np.random.default_rng(len(INTERP)).normal(size=shape)
    _cmp(lambda a: F.interpolate(a, **kw), lambda a: TF.interpolate(a, **kw), [x], linear=True)


ANTIALIAS = [
    dict(size=(3, 2)),
    dict(size=(5, 3)),
    dict(size=(12, 9)),  # upsampling: plain interpolation with the wider kernel rule
    dict(size=(9, 3)),  # one axis kept: copied
    dict(scale_factor=0.4),
    dict(scale_factor=(0.5, 0.3)),
    dict(scale_factor=0.45, recompute_scale_factor=True),
    dict(size=(1, 1)),
]


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", ANTIALIAS, ids=str)
def test_interpolate_antialias(mode, align_corners, kw):
    """test_upsamplingBiLinear2d_aa_correctness and friends: downsampling with the kernel
    stretched by the scale."""
    x = np.random.default_rng(3).normal(size=(2, 2, 9, 7))
    kw = dict(kw, mode=mode, align_corners=align_corners, antialias=True)
    _cmp(lambda a: F.interpolate(a, **kw), lambda a: TF.interpolate(a, **kw), [x])


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=0.7), dict(size=3)])
def test_interpolate_uint8_nearest(mode, nd, kw):
    """test_upsamplingNearest*: uint8 images are copied, dtype kept."""
    x = np.random.default_rng(1).integers(0, 256, size=(1, 2) + _SPATIAL[nd]).astype(np.uint8)
    got = F.interpolate(ad.tensor(x), mode=mode, **kw)
    want = TF.interpolate(torch.tensor(x), mode=mode, **kw).numpy()
    assert _np(got).dtype == np.uint8
    np.testing.assert_array_equal(_np(got), want)


@pytest.mark.parametrize(
    "mode,nd",
    [
        ("nearest", 2),
        ("nearest-exact", 3),
        ("linear", 1),
        ("bilinear", 2),
        ("bicubic", 2),
        ("trilinear", 3),
        ("area", 2),
    ],
)
def test_interpolate_float32(mode, nd):
    x = np.random.default_rng(2).normal(size=(2, 3) + _SPATIAL[nd]).astype(np.float32)
    got = F.interpolate(ad.tensor(x), scale_factor=1.6, mode=mode)
    want = TF.interpolate(torch.tensor(x), scale_factor=1.6, mode=mode).numpy()
    assert _np(got).dtype == np.float32
    np.testing.assert_allclose(_np(got), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kw",
    [
        dict(mode="bilinear", scale_factor=1.5),
        dict(mode="bicubic", size=(3, 7), align_corners=True),
        dict(mode="bicubic", size=(2, 3), antialias=True),
        dict(mode="nearest-exact", scale_factor=0.6),
        dict(mode="area", size=(3, 2)),
    ],
    ids=str,
)
def test_interpolate_double_backward(kw):
    """gradgradcheck of the OpInfo samples: the vjp of ``sum(y**2)`` differentiated again."""
    x = np.random.default_rng(4).normal(size=(1, 2, 4, 5))
    v = np.random.default_rng(5).normal(size=x.shape)
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad((TF.interpolate(xt, **kw) ** 2).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    xg = ad.tensor(x, requires_grad=True)
    (gg,) = ad.autograd.grad(gnp.sum(F.interpolate(xg, **kw) ** 2), xg, create_graph=True)
    (ggg,) = ad.autograd.grad(gnp.sum(gg * ad.tensor(v)), xg)
    np.testing.assert_allclose(_np(gg), gt.detach().numpy(), **TOL)
    np.testing.assert_allclose(_np(ggg), ggt.numpy(), **TOL)


def test_upsample_modules_and_aliases():
    x = np.random.default_rng(6).normal(size=(1, 2, 3, 4))
    pairs = [
        (
            nn.Upsample(size=(5, 7), mode="bicubic", align_corners=True),
            torch.nn.Upsample(size=(5, 7), mode="bicubic", align_corners=True),
        ),
        (nn.Upsample(scale_factor=(2.0, 0.5)), torch.nn.Upsample(scale_factor=(2.0, 0.5))),
        (
            nn.Upsample(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
            torch.nn.Upsample(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
        ),
        (
            lambda a: F.upsample(a, scale_factor=2, mode="nearest-exact"),
            lambda a: TF.upsample(a, scale_factor=2, mode="nearest-exact"),
        ),
        (
            lambda a: F.upsample_nearest(a, size=(2, 9)),
            lambda a: TF.upsample_nearest(a, size=(2, 9)),
        ),
        (
            lambda a: F.upsample_bilinear(a, scale_factor=1.5),
            lambda a: TF.upsample_bilinear(a, scale_factor=1.5),
        ),
    ]
    for g, t in pairs:
        _cmp(g, t, [x])
    x3 = np.random.default_rng(7).normal(size=(1, 1, 2, 3, 2))
    _cmp(
        nn.Upsample(scale_factor=2, mode="trilinear"),
        torch.nn.Upsample(scale_factor=2, mode="trilinear"),
        [x3],
    )


def _z(*s):
    return np.zeros(s)


INTERP_ERRORS = [
    ((_z(1, 1, 4),), dict(size=3, mode="bilinear")),
    ((_z(1, 1, 4, 4),), dict(size=3, mode="linear")),
    ((_z(1, 1, 4, 4),), dict(size=(3, 3), mode="trilinear")),
    ((_z(1, 1, 4, 4, 4),), dict(size=(3, 3, 3), mode="bicubic")),
    ((_z(4),), dict(size=3)),
    ((_z(1, 4),), dict(size=3)),
    ((_z(1, 1, 1, 1, 1, 4),), dict(size=3)),
    ((_z(1, 1, 4),), dict(size=3, mode="cubic")),
    ((_z(1, 1, 4),), dict(size=3, scale_factor=2)),
    ((_z(1, 1, 4),), dict()),
    ((_z(1, 1, 4),), dict(size=3, align_corners=True)),
    ((_z(1, 1, 4),), dict(size=3, mode="area", align_corners=False)),
    ((_z(1, 1, 4, 4),), dict(size=(3, 3, 3))),
    ((_z(1, 1, 4, 4),), dict(scale_factor=(2, 2, 2))),
    ((_z(1, 1, 4),), dict(size=0)),
    ((_z(1, 1, 4),), dict(size=-1)),
    ((_z(1, 1, 4),), dict(scale_factor=0.1)),
    ((_z(1, 1, 4),), dict(scale_factor=-2)),
    ((_z(3, 2, 3, 4, 2),), dict(scale_factor=0.34, mode="trilinear")),
    ((_z(1, 1, 0),), dict(size=3)),
    ((_z(1, 0, 4),), dict(size=3)),
    ((_z(1, 1, 4),), dict(size=3, recompute_scale_factor=True)),
    ((_z(1, 1, 4),), dict(size=3, mode="linear", antialias=True)),
    ((_z(1, 1, 4, 4),), dict(size=3, mode="nearest", antialias=True)),
    ((_z(1, 1, 4),), dict(size=3.5)),
    ((_z(1, 1, 4),), dict(scale_factor=float("nan"))),
    ((_z(1, 1, 4),), dict(scale_factor=float("inf"))),
    ((_z(1, 1, 4).astype(np.int64),), dict(size=3, mode="linear")),
    ((_z(1, 1, 4, 4).astype(np.uint8),), dict(size=3, mode="area")),
]


@pytest.mark.parametrize(
    "args,kw", INTERP_ERRORS, ids=[f"{a[0].shape}-{k}" for a, k in INTERP_ERRORS]
)
def test_interpolate_errors(args, kw):
    """torch's exception kind; gpuad's message names the op and the input's shape or the bad
    argument."""
    with pytest.raises(Exception) as te:
        TF.interpolate(*[torch.tensor(a) for a in args], **kw)
    with pytest.raises(te.type) as ge:
        F.interpolate(*[ad.tensor(a) for a in args], **kw)
    assert "interpolate" in str(ge.value) or "scale_factor" in str(ge.value)


# ---- affine_grid ------------------------------------------------------------------------------


@pytest.mark.parametrize("align_corners", [None, False, True])
@pytest.mark.parametrize(
    "size",
    [(2, 1, 3, 4), (2, 3, 1, 1), (2, 1, 5, 2), (2, 1, 3, 4, 2), (2, 2, 1, 1, 1), (2, 1, 2, 1, 3)],
)
def test_affine_grid(size, align_corners):
    nd = len(size) - 2
    theta = np.random.default_rng(sum(size)).normal(size=(size[0], nd, nd + 1))
    kw = {} if align_corners is None else dict(align_corners=align_corners)
    _cmp(
        lambda t: F.affine_grid(t, size, **kw),
        lambda t: TF.affine_grid(t, list(size), **kw),
        [theta],
    )


def test_affine_grid_identity_is_the_pixel_grid():
    """test_affine_grid: the identity map samples every pixel back (align_corners either way)."""
    x = np.random.default_rng(8).normal(size=(2, 3, 4, 5))
    eye = np.tile(np.eye(2, 3), (2, 1, 1))
    for ac in (False, True):
        g = F.affine_grid(ad.tensor(eye), x.shape, align_corners=ac)
        np.testing.assert_allclose(_np(F.grid_sample(ad.tensor(x), g, align_corners=ac)), x, **TOL)


AFFINE_ERRORS = [
    (_z(2, 2, 3), (2, 1, 3, 4, 5)),
    (_z(2, 2, 3), (3, 1, 3, 4)),
    (_z(2, 3, 4), (2, 1, 3, 4)),
    (_z(2, 2, 3), (2, 1, 3)),
    (_z(2, 2, 3), (2, 1, 1, 1, 1, 1)),
    (_z(2, 2, 2), (2, 1, 3, 4)),
    (_z(2, 3, 4), (2, 1, 3, 4, 0)),
    (_z(6), (2, 1, 3, 4)),
    (_z(2, 2, 3).astype(np.int64), (2, 1, 3, 4)),
]


@pytest.mark.parametrize(
    "theta,size", AFFINE_ERRORS, ids=[f"{t.shape}-{s}" for t, s in AFFINE_ERRORS]
)
def test_affine_grid_errors(theta, size):
    with pytest.raises(Exception) as te:
        TF.affine_grid(torch.tensor(theta), list(size), align_corners=False)
    with pytest.raises(te.type, match="affine_grid") as ge:
        F.affine_grid(ad.tensor(theta), size, align_corners=False)
    assert str(tuple(size)) in str(ge.value) or str(theta.dtype) in str(ge.value)


# ---- grid_sample ------------------------------------------------------------------------------

GRID = []
for _nd in (2, 3):
    for _mode in ("bilinear", "nearest", "bicubic") if _nd == 2 else ("bilinear", "nearest"):
        for _pm, _ac, _lim in itertools.product(
            ("zeros", "border", "reflection"), (None, False, True), (1.0, 1.7, 5.0)
        ):
            _kw = dict(mode=_mode, padding_mode=_pm)
            if _ac is not None:
                _kw["align_corners"] = _ac
            GRID.append((_nd, _kw, _lim))


@pytest.mark.parametrize("nd,kw,lim", GRID, ids=[f"{n}d-{k}-{v}" for n, k, v in GRID])
def test_grid_sample(nd, kw, lim):
    """test_grid_sample: random grids inside [-1, 1] and out to ``lim`` (each padding's
    outside), gradients in the input and the grid."""
    rng = np.random.default_rng(int(lim * 10) + nd)
    shape, gshape = ((2, 2, 4, 5), (2, 3, 2, 2)) if nd == 2 else ((2, 2, 3, 4, 2), (2, 2, 3, 2, 3))
    x, grid = rng.normal(size=shape), rng.uniform(-lim, lim, size=gshape)
    _cmp(lambda a, g: F.grid_sample(a, g, **kw), lambda a, g: TF.grid_sample(a, g, **kw), [x, grid])


GRID_EDGE = [(nd, kw) for nd, kw, lim in GRID if lim == 1.0]


@pytest.mark.parametrize("nd,kw", GRID_EDGE, ids=[f"{n}d-{k}" for n, k in GRID_EDGE])
def test_grid_sample_nan_inf_and_empty(nd, kw):
    """test_grid_sample_nan_inf: NaN and infinite grid entries give torch's values (torch's
    backward on them crashes, so values only; gpuad's backward must run); empty batches and
    empty outputs."""
    rng = np.random.default_rng(9)
    shape, gshape = ((1, 2, 3, 4), (1, 3, 3, 2)) if nd == 2 else ((1, 2, 3, 4, 2), (1, 1, 3, 3, 3))
    grid = rng.uniform(-1, 1, size=gshape).reshape(-1, nd)
    grid[0, 0], grid[1, -1], grid[2, 0], grid[3, 0], grid[4, -1] = (
        np.nan,
        np.nan,
        np.inf,
        -np.inf,
        np.inf,
    )
    grid = grid.reshape(gshape)
    x = rng.normal(size=shape)
    _cmp(
        lambda a, g: F.grid_sample(a, g, **kw),
        lambda a, g: TF.grid_sample(a, g, **kw),
        [x, grid],
        grads=False,
    )
    xg = ad.tensor(x, requires_grad=True)
    gnp.sum(F.grid_sample(xg, ad.tensor(grid), **kw)).backward()
    assert _np(xg.grad).shape == x.shape
    zero = TF.grid_sample(torch.zeros(shape, dtype=torch.float64), torch.tensor(grid), **kw)
    if kw["mode"] == "nearest":  # torch's own test: zeros in, zeros out
        np.testing.assert_array_equal(zero.numpy(), 0.0)
    empty = (0,) + shape[1:], (0,) + gshape[1:]
    _cmp(
        lambda a, g: F.grid_sample(a, g, **kw),
        lambda a, g: TF.grid_sample(a, g, **kw),
        [rng.normal(size=empty[0]), rng.normal(size=empty[1])],
    )
    _cmp(
        lambda a, g: F.grid_sample(a, g, **kw),
        lambda a, g: TF.grid_sample(a, g, **kw),
        [x, rng.normal(size=gshape[:1] + (0,) + gshape[2:])],
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_double_backward(mode, padding_mode):
    """gradgradcheck of grid_sample: the input and grid vjps of ``sum(y**2)`` differentiated
    again in both."""
    rng = np.random.default_rng(10)
    x, grid = rng.normal(size=(1, 2, 3, 4)), rng.uniform(-1.2, 1.2, size=(1, 2, 3, 2))
    vx, vg = rng.normal(size=x.shape), rng.normal(size=grid.shape)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=False)
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    d1 = torch.autograd.grad((TF.grid_sample(xt, gt, **kw) ** 2).sum(), (xt, gt), create_graph=True)
    d2 = torch.autograd.grad(
        (d1[0] * torch.tensor(vx)).sum() + (d1[1] * torch.tensor(vg)).sum(),
        (xt, gt),
        allow_unused=True,
    )
    xg, gg = ad.tensor(x, requires_grad=True), ad.tensor(grid, requires_grad=True)
    e1 = ad.autograd.grad(
        gnp.sum(F.grid_sample(xg, gg, **kw) ** 2), (xg, gg), create_graph=True, allow_unused=True
    )  # nearest: no path to the grid
    loss = gnp.sum(e1[0] * ad.tensor(vx))
    if e1[1] is not None:
        loss = loss + gnp.sum(e1[1] * ad.tensor(vg))
    e2 = ad.autograd.grad(loss, (xg, gg), allow_unused=True)
    for a, b, like in zip(e1 + e2, d1 + d2, (x, grid, x, grid), strict=True):
        want = np.zeros(like.shape) if b is None else b.detach().numpy()
        got = np.zeros(like.shape) if a is None else _np(a)
        np.testing.assert_allclose(got, want, **TOL)


def test_grid_sample_float32_and_affine_chain():
    rng = np.random.default_rng(11)
    x, grid = rng.normal(size=(2, 3, 5, 4)).astype(np.float32), rng.uniform(-1, 1, (2, 2, 3, 2))
    for mode in ("bilinear", "nearest", "bicubic"):
        got = F.grid_sample(
            ad.tensor(x), ad.tensor(grid.astype(np.float32)), mode, align_corners=True
        )
        want = TF.grid_sample(
            torch.tensor(x), torch.tensor(grid.astype(np.float32)), mode, align_corners=True
        )
        assert _np(got).dtype == np.float32
        np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-5, atol=1e-5)
    theta = rng.normal(size=(2, 2, 3)) * 0.5 + np.eye(2, 3)  # the spatial transformer
    _cmp(
        lambda a, t: F.grid_sample(a, F.affine_grid(t, (2, 3, 4, 6), False), align_corners=False),
        lambda a, t: TF.grid_sample(a, TF.affine_grid(t, [2, 3, 4, 6], False), align_corners=False),
        [x.astype(np.float64), theta],
    )


GRID_ERRORS = [
    ((_z(1, 1, 3, 4), _z(1, 2, 2, 3)), {}),
    ((_z(2, 1, 3, 4), _z(1, 2, 2, 2)), {}),
    ((_z(1, 1, 3, 4), _z(1, 2, 2)), {}),
    ((_z(1, 1, 3, 4), _z(1, 2, 2, 2, 2)), {}),
    ((_z(1, 3, 4), _z(1, 2, 2)), {}),
    ((_z(1, 1, 3, 4, 5), _z(1, 2, 2, 2, 2)), {}),
    ((_z(1, 1, 3, 4, 5), _z(1, 2, 2, 2, 3)), dict(mode="bicubic")),
    ((_z(1, 1, 3, 4), _z(1, 2, 2, 2)), dict(mode="linear")),
    ((_z(1, 1, 3, 4), _z(1, 2, 2, 2)), dict(padding_mode="wrap")),
    ((_z(1, 1, 0, 4), _z(1, 2, 2, 2)), {}),
    ((_z(1, 1, 3, 4, 5, 6), _z(1, 2, 2, 2, 2, 4)), {}),
    ((_z(1, 1, 3, 4).astype(np.float32), _z(1, 2, 2, 2)), {}),
    ((_z(1, 1, 3, 4), _z(1, 2, 2, 2).astype(np.float32)), {}),
    ((_z(1, 1, 3, 4).astype(np.int64), _z(1, 2, 2, 2)), {}),
]


@pytest.mark.parametrize(
    "args,kw", GRID_ERRORS, ids=[f"{a[0].shape}-{a[1].shape}-{k}" for a, k in GRID_ERRORS]
)
def test_grid_sample_errors(args, kw):
    with pytest.raises(Exception) as te:
        TF.grid_sample(*[torch.tensor(a) for a in args], **kw)
    with pytest.raises(te.type, match="grid_sample") as ge:
        F.grid_sample(*[ad.tensor(a) for a in args], **kw)
    msg = str(ge.value)
    assert str(args[0].shape) in msg or repr(kw.get("mode", kw.get("padding_mode"))) in msg
