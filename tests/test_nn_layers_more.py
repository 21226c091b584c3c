"""Convolutions of 1-3 dims and their transposes, pooling over 1 and 3 dims and adaptive
pooling, batch/group/instance normalisation, RNN/LSTM/GRU and attention: against PyTorch on
the same weights (loaded from torch's state_dict) in float64, values and every gradient, and
against central differences on tiny sizes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad.nn import functional as F
from gpuad.testing import check_grads

TOL = dict(rtol=1e-10, atol=1e-12)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _torch():
    return pytest.importorskip("torch")


def _flat(y):
    if isinstance(y, tuple | list):
        return [a for z in y for a in _flat(z)]
    return [] if y is None else [y]


def _against_torch(t_fn, g_fn, arrays, rng, t_params=None, g_params=None):
    """Run ``t_fn``/``g_fn`` on the same float64 ``arrays``; compare every output, then the
    gradients of a random projection of the float outputs for the arrays and parameters."""
    torch = _torch()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [ad.tensor(xp_(a), requires_grad=True) for a in arrays]
    yt, yg = _flat(t_fn(*ts)), _flat(g_fn(*gs))
    assert len(yt) == len(yg)
    floats = []
    for a, b in zip(yt, yg, strict=True):
        got, want = to_numpy(b), a.detach().numpy()
        assert got.shape == want.shape, (got.shape, want.shape)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, **TOL)
            floats.append((a, b))
        else:
            np.testing.assert_array_equal(got, want)
    us = [rng.standard_normal(tuple(a.shape)) for a, _ in floats]
    sum((a * torch.tensor(u)).sum() for (a, _), u in zip(floats, us, strict=True)).backward()
    total = None
    for (_, b), u in zip(floats, us, strict=True):
        term = gnp.sum(b * xp_(u))
        total = term if total is None else total + term
    total.backward()
    for a, b in zip(ts, gs, strict=True):
        np.testing.assert_allclose(to_numpy(b.grad), a.grad.numpy(), **TOL)
    if t_params is not None:
        gp = dict(g_params)
        for name, p in t_params:
            assert gp[name].grad is not None, name
            np.testing.assert_allclose(to_numpy(gp[name].grad), p.grad.numpy(), **TOL, err_msg=name)


def _load(gm, tm):
    """torch's weights (and buffers) into ``gm`` by their state_dict names."""
    gm.load_state_dict({k: xp_(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    assert sorted(gm.state_dict()) == sorted(tm.state_dict())


def _module(gm, tm, arrays, rng, call=None):
    call = call or (lambda m, *xs: m(*xs))
    _load(gm, tm)
    _against_torch(
        lambda *xs: call(tm, *xs),
        lambda *xs: call(gm, *xs),
        arrays,
        rng,
        list(tm.named_parameters()),
        list(gm.named_parameters()),
    )


# ---- convolutions -----------------------------------------------------------------------------

CONVS = [
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=1, dilation=2, groups=2), (2, 4, 9)),
    ("Conv1d", (2, 3, 4), dict(padding="same", dilation=2, padding_mode="circular"), (2, 2, 7)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
        (2, 4, 6, 5),
    ),
    ("Conv2d", (2, 2, 3), dict(padding="valid", bias=False), (2, 5, 4)),  # unbatched
    ("Conv2d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), (1, 2, 4, 4)),
    ("Conv3d", (2, 4, (2, 3, 2)), dict(stride=(1, 2, 1), padding=1, groups=2), (1, 2, 3, 5, 3)),
    (
        "ConvTranspose1d",
        (4, 6, 3),
        dict(stride=2, padding=1, output_padding=1, groups=2),
        (2, 4, 5),
    ),
    (
        "ConvTranspose1d",
        (2, 3, 3),
        dict(stride=3, padding=3, dilation=2, output_padding=2),
        (1, 2, 4),
    ),
    (
        "ConvTranspose2d",
        (4, 4, (3, 2)),
        dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=4, dilation=(1, 2)),
        (2, 4, 3, 2),
    ),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2, padding=1), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("cls,args,kw,shape", CONVS, ids=[c[0] for c in CONVS])
def test_conv_layers_against_torch(backend, rng, cls, args, kw, shape):
    torch = _torch()
    tm = getattr(torch.nn, cls)(*args, **kw).double()
    _module(getattr(nn, cls)(*args, **kw), tm, [rng.standard_normal(shape)], rng)


def test_conv_functions_against_torch(backend, rng):
    tf = _torch().nn.functional
    for name, xs, ws, kw in [
        ("conv1d", (2, 4, 8), (8, 1, 3), dict(groups=4, stride=2)),
        ("conv2d", (1, 3, 5, 5), (3, 1, 3, 3), dict(groups=3, padding="same", dilation=2)),
        ("conv3d", (1, 2, 3, 3, 4), (2, 2, 1, 2, 3), dict(padding=(0, 1, 1))),
        ("conv_transpose2d", (1, 2, 3, 3), (2, 3, 2, 2), dict(stride=2)),
    ]:
        x, w, b = (
            rng.standard_normal(xs),
            rng.standard_normal(ws),
            rng.standard_normal(ws[1] if "transpose" in name else ws[0]),
        )
        _against_torch(
            lambda *a, n=name, k=kw: getattr(tf, n)(*a, **k),
            lambda *a, n=name, k=kw: getattr(F, n)(*a, **k),
            [x, w, b],
            rng,
        )


def test_conv_transpose_output_size(backend, rng):
    torch = _torch()
    tm = torch.nn.ConvTranspose1d(2, 2, 3, stride=3).double()
    gm = nn.ConvTranspose1d(2, 2, 3, stride=3)
    _module(
        gm,
        tm,
        [rng.standard_normal((1, 2, 3))],
        rng,
        call=lambda m, x: m(x, output_size=(1, 2, 10)),
    )
    with pytest.raises(ValueError, match="output_size"):
        gm(xp_(np.zeros((1, 2, 3))), output_size=(12,))


def test_conv_finite_differences(backend, rng):
    w1, x1 = rng.standard_normal((4, 1, 2)), rng.standard_normal((1, 2, 5))
    check_grads(lambda x, w: F.conv1d(x, w, stride=2, padding=1, groups=2), (x1, w1), order=2)
    w2, x2 = rng.standard_normal((2, 2, 2, 2)), rng.standard_normal((1, 2, 2, 2))
    check_grads(
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
        (x2, w2),
        order=1,
    )


def test_conv_errors(backend):
    x = xp_(np.zeros((1, 4, 6)))
    with pytest.raises(ValueError, match=r"groups=3 must .* dividing the input channels 4"):
        F.conv1d(x, xp_(np.zeros((3, 1, 2))), groups=3)
    with pytest.raises(ValueError, match="input has 4 channels .* expects 2"):
        F.conv1d(x, xp_(np.zeros((2, 1, 2))), groups=2)
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        F.conv1d(x, xp_(np.zeros((2, 4, 2))), stride=2, padding="same")
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose1d(x, xp_(np.zeros((4, 1, 2))), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv1d(x, xp_(np.zeros((2, 4, 7))))


# ---- pooling ----------------------------------------------------------------------------------

POOLS = [
    ("max_pool1d", (2, 3, 10), (3, 2, 1, 2, True), dict(return_indices=True)),
    (
        "max_pool3d",
        (1, 2, 5, 4, 6),
        ((2, 3, 2), (2, 1, 2), (1, 1, 0)),
        dict(ceil_mode=True, return_indices=True),
    ),
    ("avg_pool1d", (2, 3, 9), (3, 2, 1, True, False), {}),
    ("avg_pool3d", (1, 2, 5, 4, 6), ((2, 3, 2), (2, 1, 2), (1, 1, 0), True, True), {}),
    ("avg_pool3d", (2, 4, 4, 4), (2,), dict(divisor_override=3)),
    ("adaptive_avg_pool1d", (2, 3, 10), (4,), {}),
    ("adaptive_avg_pool2d", (2, 3, 7, 5), ((3, None),), {}),
    ("adaptive_avg_pool2d", (3, 7, 5), ((4, 3),), {}),
    ("adaptive_max_pool1d", (2, 3, 10), (4, True), {}),
    ("adaptive_max_pool2d", (2, 3, 7, 5), ((3, 4), True), {}),
    ("adaptive_max_pool3d", (1, 2, 5, 3, 3), ((2, 2, 2), True), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", POOLS, ids=[p[0] for p in POOLS])
def test_pooling_against_torch(backend, rng, name, shape, args, kw):
    tf = _torch().nn.functional
    x = np.round(rng.standard_normal(shape) * 2)  # ties: torch's first-max rule decides
    _against_torch(
        lambda a: getattr(tf, name)(a, *args, **kw),
        lambda a: getattr(F, name)(a, *args, **kw),
        [x],
        rng,
    )


def test_pooling_layers_match_functions(backend, rng):
    x = xp_(rng.standard_normal((2, 3, 6, 5)))
    for layer, fn in [
        (nn.AdaptiveAvgPool2d((2, 3)), lambda a: F.adaptive_avg_pool2d(a, (2, 3))),
        (nn.AdaptiveMaxPool2d(2), lambda a: F.adaptive_max_pool2d(a, 2)),
        (nn.MaxPool1d(2, 1), lambda a: F.max_pool1d(a[0], 2, 1)),
        (nn.AvgPool1d(3, padding=1), lambda a: F.avg_pool1d(a[0], 3, padding=1)),
    ]:
        inp = x[0] if layer.__class__.__name__.endswith("1d") else x
        np.testing.assert_array_equal(to_numpy(layer(inp)), to_numpy(fn(x)))
    m3 = nn.MaxPool3d(2, return_indices=True)(xp_(rng.standard_normal((1, 4, 4, 4))))
    assert m3[0].shape == m3[1].shape == (1, 2, 2, 2)
    assert nn.AvgPool3d(2)(xp_(np.ones((1, 1, 2, 2, 2)))).shape == (1, 1, 1, 1, 1)


def test_pooling_finite_differences(backend, rng):
    x = rng.standard_normal((1, 5, 4))
    check_grads(lambda a: F.adaptive_avg_pool2d(a, (2, 3)), (x,), order=1)
    check_grads(lambda a: F.adaptive_max_pool1d(a, 3), (x,), order=1)
    check_grads(lambda a: F.avg_pool1d(a, 3, 2, 1, count_include_pad=False), (x,), order=1)
    check_grads(lambda a: F.max_pool3d(a, (1, 2, 2), 1), (x[None],), order=1)


# ---- normalisation ----------------------------------------------------------------------------

NORMS = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), dict(momentum=None), (4, 3, 2)),
    ("BatchNorm2d", (3,), dict(affine=False, eps=1e-3), (2, 3, 2, 2)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (2, 3, 1, 2)),
    ("BatchNorm3d", (2,), {}, (2, 2, 1, 2, 2)),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 4)),
    ("InstanceNorm2d", (3,), {}, (3, 2, 3)),  # unbatched
    ("GroupNorm", (2, 4), {}, (2, 4, 3)),
]


@pytest.mark.parametrize("cls,args,kw,shape", NORMS, ids=[n[0] for n in NORMS])
def test_norm_layers_against_torch(backend, rng, cls, args, kw, shape):
    torch = _torch()
    tm = getattr(torch.nn, cls)(*args, **kw).double()
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    gm = getattr(nn, cls)(*args, **kw)
    _load(gm, tm)
    for mode in ("train", "train", "eval"):  # two updates of the running stats, then use them
        getattr(tm, mode)(), getattr(gm, mode)()
        _against_torch(
            tm,
            gm,
            [rng.standard_normal(shape)],
            rng,
            list(tm.named_parameters()),
            list(gm.named_parameters()),
        )
        gm.zero_grad(), tm.zero_grad()
        for name, buf in gm.named_buffers():
            np.testing.assert_allclose(to_numpy(buf), tm.state_dict()[name].numpy(), **TOL)


def test_batch_norm_function_and_errors(backend, rng):
    torch = _torch()
    x = rng.standard_normal((3, 2, 2))
    rm, rv = rng.standard_normal(2), rng.random(2) + 0.5
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    grm, grv = xp_(rm.copy()), xp_(rv.copy())  # raw arrays are updated in place too
    _against_torch(
        lambda a, w, b: torch.nn.functional.batch_norm(a, trm, trv, w, b, True, 0.3),
        lambda a, w, b: F.batch_norm(a, grm, grv, w, b, True, 0.3),
        [x, rng.standard_normal(2), rng.standard_normal(2)],
        rng,
    )
    np.testing.assert_allclose(to_numpy(grm), trm.numpy(), **TOL)
    np.testing.assert_allclose(to_numpy(grv), trv.numpy(), **TOL)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(xp_(np.zeros((1, 2))), None, None, training=True)
    with pytest.raises(ValueError, match="needs running_mean"):
        F.batch_norm(xp_(np.zeros((2, 2))), None, None)
    with pytest.raises(ValueError, match=r"shape \(2,\), one value per channel"):
        F.batch_norm(xp_(np.zeros((2, 2))), xp_(np.zeros(3)), xp_(np.ones(2)))
    with pytest.raises(ValueError, match="num_groups=3 must divide the 4 channels"):
        F.group_norm(xp_(np.zeros((2, 4))), 3)
    bn = nn.BatchNorm1d(2)
    for bad, msg in ((np.zeros((1, 2)), "more than 1 value"), (np.zeros((3, 3)), "2 channels")):
        with pytest.raises(ValueError, match=msg):
            bn(xp_(bad))
    assert int(to_numpy(bn.num_batches_tracked)) == 0  # a refused input is not counted
    np.testing.assert_array_equal(to_numpy(bn.running_mean), np.zeros(2))


def test_norm_finite_differences(backend, rng):
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal(2), rng.standard_normal(2)
    check_grads(
        lambda a, g, c: F.batch_norm(a, None, None, g, c, training=True), (x, w, b), order=2
    )
    check_grads(lambda a: F.group_norm(a, 1), (x,), order=1)
    check_grads(lambda a: F.instance_norm(a), (x,), order=1)


def test_batch_norm_running_stats_under_jit(backend, rng):
    """The running-statistics update is a recorded in-place write: a compiled training step
    leaves the same weights and buffers as eager ones, and is not differentiated."""
    from gpuad import optim

    def make():
        gnp.random.seed(0)
        m = nn.Sequential(nn.Conv1d(3, 3, 1), nn.BatchNorm1d(3, momentum=None))
        return m, optim.SGD(m.parameters(), lr=0.1)

    def step(m, opt, x):
        loss = gnp.sum(m(x) ** 3)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    (m1, o1), (m2, o2) = make(), make()
    js = ad.jit(step)
    for _ in range(3):
        x = xp_(rng.standard_normal((4, 3, 2)))
        np.testing.assert_allclose(to_numpy(js(m2, o2, x)), to_numpy(step(m1, o1, x)), **TOL)
    assert js.cache_info()["hits"] >= 1
    s1, s2 = m1.state_dict(), m2.state_dict()
    assert "1.running_mean" in s1 and int(to_numpy(s2["1.num_batches_tracked"])) == 3
    for k in s1:
        np.testing.assert_allclose(to_numpy(s2[k]), to_numpy(s1[k]), **TOL, err_msg=k)
    assert not m1.layers[1].running_mean.requires_grad


# ---- recurrent layers -------------------------------------------------------------------------

RNNS = [
    ("RNN", dict(nonlinearity="relu", bias=False), False, True),
    ("RNN", dict(num_layers=2, bidirectional=True, batch_first=True), True, True),
    ("LSTM", dict(num_layers=2, bidirectional=True), True, True),
    ("LSTM", dict(batch_first=True, bias=False), False, False),
    ("GRU", dict(num_layers=2, batch_first=True), True, True),
    ("GRU", dict(bidirectional=True), False, False),
]


@pytest.mark.parametrize("cls,kw,with_h0,batched", RNNS, ids=[r[0] for r in RNNS])
def test_rnn_layers_against_torch(backend, rng, cls, kw, with_h0, batched):
    torch = _torch()
    n, length, n_in, hid = 2, 3, 3, 2
    tm = getattr(torch.nn, cls)(n_in, hid, **kw).double()
    gm = getattr(nn, cls)(n_in, hid, **kw)
    assert [k for k, _ in gm.named_parameters()] == list(tm.state_dict())  # torch's order
    states = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    x_shape = ((n, length) if kw.get("batch_first") else (length, n)) if batched else (length,)
    arrays = [rng.standard_normal(x_shape + (n_in,))]
    h_shape = (states, n, hid) if batched else (states, hid)
    if with_h0:
        arrays += [rng.standard_normal(h_shape) for _ in range(2 if cls == "LSTM" else 1)]

    def call(m, x, *h):
        return m(x, (h if cls == "LSTM" else h[0]) if h else None)

    _module(gm, tm, arrays, rng, call)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_rnn_cells_against_torch(backend, rng, cls):
    torch = _torch()
    tm, gm = getattr(torch.nn, cls)(3, 2).double(), getattr(nn, cls)(3, 2)
    k = 2 if cls == "LSTMCell" else 1

    def call(m, x, *h):
        return m(x, h if k == 2 else h[0])

    _module(gm, tm, [rng.standard_normal((2, 3))] + [rng.standard_normal((2, 2))] * k, rng, call)
    _module(gm, tm, [rng.standard_normal(3)] + [rng.standard_normal(2)] * k, rng, call)


def test_rnn_finite_differences_and_errors(backend, rng):
    gnp.random.seed(1)
    lstm, gru = nn.LSTM(2, 2), nn.GRU(2, 2, bidirectional=True)
    x = rng.standard_normal((3, 1, 2))
    check_grads(lambda a: lstm(a)[0], (x,), order=1)
    params = dict(gru.named_parameters())
    keys = list(params)

    def f(a, *ws):
        out, h = nn.functional_call(gru, dict(zip(keys, ws, strict=True)), (a,))
        return out, h

    check_grads(f, (x,) + tuple(to_numpy(params[k]) for k in keys), order=1, modes=("rev",))
    with pytest.raises(ValueError, match=r"initial state must have shape \(2, 1, 2\)"):
        gru(xp_(x), xp_(np.zeros((1, 1, 2))))
    with pytest.raises(ValueError, match=r"expected an input \(L, N, 2\)"):
        lstm(xp_(np.zeros((3, 1, 4))))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(2, 2, proj_size=2)
    d = nn.LSTM(2, 2, num_layers=2, dropout=0.5)
    d.eval()  # dropout between layers only while training
    assert np.isfinite(to_numpy(d(xp_(x))[0])).all()


# ---- attention --------------------------------------------------------------------------------

SDPA = ["plain", "causal", "scale", "bool", "float", "all_masked_row", "gqa"]


@pytest.mark.parametrize("case", SDPA)
def test_sdpa_against_torch(backend, rng, case):
    torch = _torch()
    hk = 1 if case == "gqa" else 2
    q, k, v = (
        rng.standard_normal((2, 2, 3, 4)),
        rng.standard_normal((2, hk, 5, 4)),
        rng.standard_normal((2, hk, 5, 3)),
    )
    kw = {
        "causal": dict(is_causal=True),
        "scale": dict(scale=0.3),
        "gqa": dict(enable_gqa=True),
    }.get(case, {})
    if case == "bool":
        m = rng.random((3, 5)) > 0.4
        m[:, 0] = True
        kw["attn_mask"] = m
    if case == "float":
        kw["attn_mask"] = rng.standard_normal((2, 1, 3, 5))
    if case == "all_masked_row":  # attends to nothing: zeros, as torch
        m = np.ones((3, 5), bool)
        m[1] = False
        kw["attn_mask"] = m
    tkw = {a: torch.tensor(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    gkw = {a: xp_(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    _against_torch(
        lambda *a: torch.nn.functional.scaled_dot_product_attention(*a, **tkw),
        lambda *a: F.scaled_dot_product_attention(*a, **gkw),
        [q, k, v],
        rng,
    )


MHAS = [
    (dict(), dict(), False),
    (dict(batch_first=True), dict(kpm=True), False),
    (dict(kdim=3, vdim=2), dict(am="bool", average_attn_weights=False), False),
    (dict(add_bias_kv=True, add_zero_attn=True), dict(am="float3", kpm=True), False),
    (dict(bias=False), dict(am="bool", need_weights=False), True),
]


@pytest.mark.parametrize("ckw,fkw,unbatched", MHAS)
def test_multihead_attention_against_torch(backend, rng, ckw, fkw, unbatched):
    torch = _torch()
    e, h, tgt, src, n = 4, 2, 3, 5, 2
    tm, gm = torch.nn.MultiheadAttention(e, h, **ckw).double(), nn.MultiheadAttention(e, h, **ckw)
    fkw = dict(fkw)
    am, kpm = fkw.pop("am", None), fkw.pop("kpm", False)

    def shape(t, d):
        return (t, d) if unbatched else (n, t, d) if ckw.get("batch_first") else (t, n, d)

    arrays = [
        rng.standard_normal(shape(tgt, e)),
        rng.standard_normal(shape(src, ckw.get("kdim", e))),
        rng.standard_normal(shape(src, ckw.get("vdim", e))),
    ]
    masks = {}
    if am == "bool":
        m = rng.random((tgt, src)) > 0.6
        m[:, 0] = False
        masks["attn_mask"] = m
    if am == "float3":
        masks["attn_mask"] = rng.standard_normal((n * h, tgt, src))
    if kpm:
        m = np.zeros((n, src), bool)
        m[0, -2:] = True
        masks["key_padding_mask"] = m if am != "float3" else np.where(m, -np.inf, 0.0)
    tmask = {a: torch.tensor(b) for a, b in masks.items()}
    gmask = {a: xp_(b) for a, b in masks.items()}
    _load(gm, tm)
    _against_torch(
        lambda *a: tm(*a, **tmask, **fkw),
        lambda *a: gm(*a, **gmask, **fkw),
        arrays,
        rng,
        list(tm.named_parameters()),
        list(gm.named_parameters()),
    )


def test_attention_finite_differences_and_errors(backend, rng):
    q, k, v = (
        rng.standard_normal((2, 3)),
        rng.standard_normal((3, 3)),
        rng.standard_normal((3, 2)),
    )
    mask = xp_(np.array([[True, False, True], [False, False, False]]))
    check_grads(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask), (q, k, v), order=2
    )
    gnp.random.seed(0)
    m = nn.MultiheadAttention(2, 1)
    x = rng.standard_normal((2, 1, 2))
    check_grads(lambda a: m(a, a, a)[0], (x,), order=1)
    with pytest.raises(ValueError, match="is_causal is a hint"):
        m(xp_(x), xp_(x), xp_(x), is_causal=True)
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        m(xp_(x), xp_(x), xp_(x), attn_mask=xp_(np.zeros((3, 3), bool)))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(xp_(q), xp_(k), xp_(v), attn_mask=mask, is_causal=True)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        nn.MultiheadAttention(5, 2)


def test_compiled_pooling_indices_and_attention_follow_each_call(backend, rng):
    """Indices and masks are steps of a compiled program, not values frozen at tracing."""
    fns = [
        lambda x: F.max_pool1d(x[0], 2, 1, 1, return_indices=True),
        lambda x: F.max_pool3d(x[None], 2, padding=1, return_indices=True),
        lambda x: F.adaptive_max_pool2d(x, (2, 4), return_indices=True),
        lambda x: F.scaled_dot_product_attention(
            x, x, x, attn_mask=gnp.matmul(x, gnp.swapaxes(x, -1, -2)) > 0.5
        ),
    ]
    xs = rng.standard_normal((3, 1, 2, 6))
    xs[1:, 0, 0, :2] = np.nan  # NaN wins its window, as in torch
    for f in fns:
        jf = ad.jit(f)
        for x in xs:
            for a, b in zip(_flat(jf(xp_(x))), _flat(f(xp_(x))), strict=True):
                np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
        assert jf.cache_info()["hits"] == 2
