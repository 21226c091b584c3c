"""PyTorch's own tests of torch.nn.utils and torch.nn.init, ported to gpuad.nn and run against
torch in the same process: from test/test_nn.py clip_grad_norm_ (every norm type, single
tensors, generators, error_if_nonfinite, foreach), clip_grad_value_,
parameters_to_vector / vector_to_parameters, the old hook-based weight_norm / spectral_norm,
fuse_conv_bn_eval and the rnn utils' padding; test/nn/test_parametrization.py
(register_parametrization, right_inverse, caching, removal, weight_norm, spectral_norm,
orthogonal); test/test_stateless.py (torch.func.functional_call); test/nn/test_init.py
(TestNNInit: gains, the statistics of every initialiser by Kolmogorov-Smirnov tests, fans,
errors, and that a fill records nothing but bumps the version). Values are compared with
torch where they are deterministic (torch's weights copied across), gradients through
.backward() in float64.
"""

from __future__ import annotations

import copy
import math
import random
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.func as gfunc
import gpuad.nn as gnn
import gpuad.nn.functional as G
import gpuad.numpy as gnp
from gpuad.nn import init as ginit
from gpuad.nn.utils import parametrizations as gpz
from gpuad.nn.utils import parametrize as gP
from gpuad.nn.utils import rnn as grnn

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")
tnn = torch.nn
tinit = torch.nn.init
tP = torch.nn.utils.parametrize
TOL = dict(rtol=1e-12, atol=1e-12)
GTOL = dict(rtol=1e-9, atol=1e-11)


@pytest.fixture(autouse=True)
def _seeded():
    random.seed(0)
    np.random.seed(0)
    gnp.random.seed(0)
    torch.manual_seed(0)


def _h(x):
    """Host NumPy copy of a gpuad Tensor/array or a torch tensor."""
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return x.numpy() if isinstance(x, ad.Tensor) else np.asarray(x)


def _copy_module(t_mod, g_mod):
    """Copy torch's parameters and buffers into the gpuad module of the same layout."""
    state = {k: v.detach().numpy().copy() for k, v in t_mod.state_dict().items()}
    g_mod.load_state_dict({k: gnp.asarray(v) for k, v in state.items()})


def _raises_both(g_fn, t_fn, g_exc=Exception, t_exc=Exception):
    with pytest.raises(t_exc):
        t_fn()
    with pytest.raises(g_exc):
        g_fn()


# ============================ clip_grad_norm_ / clip_grad_value_ ============================

NORMS = [0.5, 1.5, 2, 4, "inf"]


def _pair_linear():
    t = tnn.Linear(10, 10).double()
    g = gnn.Linear(10, 10)
    _copy_module(t, g)
    return t, g


def _set_grads(t_mod, g_mod, grads):
    for tp, gp, gr in zip(t_mod.parameters(), g_mod.parameters(), grads, strict=True):
        tp.grad = None if gr is None else torch.tensor(gr).view_as(tp)
        gp.grad = None if gr is None else ad.tensor(np.asarray(gr).reshape(gp.shape).copy())


def _norm(mod, p):
    p = float(p)
    gs = [_h(q.grad) for q in mod.parameters() if q.grad is not None]
    if p == math.inf:
        return max(np.abs(g).max() for g in gs)
    return sum((np.abs(g) ** p).sum() for g in gs) ** (1.0 / p)


@pytest.mark.parametrize("foreach", [None, False, True])
@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_large_grads_scaled(norm_type, foreach):
    t, g = _pair_linear()
    grads = [np.arange(1.0, 101).reshape(10, 10), np.ones(10) / 1000]
    _set_grads(t, g, grads)
    before = _norm(g, norm_type)
    tn = tnn.utils.clip_grad_norm_(t.parameters(), 2, norm_type=norm_type, foreach=foreach)
    gn = gnn.utils.clip_grad_norm_(g.parameters(), 2, norm_type=norm_type, foreach=foreach)
    assert isinstance(gn, ad.Tensor) and gn.shape == ()
    np.testing.assert_allclose(_h(gn), _h(tn), **TOL)
    np.testing.assert_allclose(_h(gn), before, **TOL)
    np.testing.assert_allclose(_norm(g, norm_type), 2, rtol=1e-6)
    scale = np.concatenate([(_h(p.grad) / np.reshape(gr, p.shape)).ravel()
                            for p, gr in zip(g.parameters(), grads, strict=True)])
    assert np.std(scale) < 1e-12  # one common factor
    for tp, gp in zip(t.parameters(), g.parameters(), strict=True):
        np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **TOL)


@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_small_grads_unchanged(norm_type):
    t, g = _pair_linear()
    grads = [np.random.rand(10, 10) / 10000, np.ones(10) / 500]
    _set_grads(t, g, grads)
    before = _norm(g, norm_type)
    gn = gnn.utils.clip_grad_norm_(g.parameters(), 2, norm_type=norm_type)
    tn = tnn.utils.clip_grad_norm_(t.parameters(), 2, norm_type=norm_type)
    np.testing.assert_allclose(_h(gn), _h(tn), **TOL)
    np.testing.assert_allclose(_norm(g, norm_type), before, **TOL)
    for p, gr in zip(g.parameters(), grads, strict=True):
        np.testing.assert_array_equal(_h(p.grad), np.reshape(gr, p.shape))


@pytest.mark.parametrize("norm_type", NORMS)
def test_clip_grad_norm_single_tensor_equals_list(norm_type):
    gr = np.arange(1.0, 101).reshape(10, 10)
    p1, p2 = (ad.tensor(np.random.randn(10, 10), requires_grad=True) for _ in range(2))
    p1.grad, p2.grad = ad.tensor(gr.copy()), ad.tensor(gr.copy())
    gnn.utils.clip_grad_norm_(p1, 2, norm_type=norm_type)
    gnn.utils.clip_grad_norm_([p2], 2, norm_type=norm_type)
    np.testing.assert_array_equal(_h(p1.grad), _h(p2.grad))
    t1 = torch.zeros(10, 10, dtype=torch.float64, requires_grad=True)
    t1.grad = torch.tensor(gr.copy())
    tnn.utils.clip_grad_norm_(t1, 2, norm_type=norm_type)
    np.testing.assert_allclose(_h(p1.grad), _h(t1.grad), **TOL)


def test_clip_grad_norm_exhausted_generator_warns():
    """(gpuad's ``parameters()`` is a list that iterates again, so an exhausted generator is
    made explicitly here.)"""
    for lib, mod in (("gpuad", gnn.Linear(3, 3)), ("torch", tnn.Linear(3, 3))):
        params = (p for p in mod.parameters())
        for _ in params:
            pass
        clip = gnn.utils.clip_grad_norm_ if lib == "gpuad" else tnn.utils.clip_grad_norm_
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            clip(params, 1.0)
        assert [str(x.message) for x in w] == [
            "`parameters` is an empty generator, no gradient clipping will occur."], lib


def test_clip_grad_norm_generator_read_once():
    g = gnn.Linear(4, 3)
    for p in g.parameters():
        p.grad = ad.tensor(np.full(p.shape, 10.0))
    gn = gnn.utils.clip_grad_norm_((p for p in g.parameters()), 1.0)
    np.testing.assert_allclose(_h(gn), 10 * math.sqrt(15), **TOL)
    np.testing.assert_allclose(_norm(g, 2), 1.0, rtol=1e-6)


def test_clip_grad_norm_empty_and_no_grads():
    for params in ([], [ad.tensor(np.ones(3), requires_grad=True)]):
        gn = gnn.utils.clip_grad_norm_(params, 1.0)
        tn = tnn.utils.clip_grad_norm_([torch.ones(3, requires_grad=True)][: len(params)], 1.0)
        assert float(gn) == float(tn) == 0.0
        assert isinstance(gn, ad.Tensor)


POS = [0.1, 1, 2, 3.5, math.inf]
NEG = [-0.1, -1, -2, -3.5, -math.inf]


@pytest.mark.parametrize("one_elem", [False, True])
@pytest.mark.parametrize("prefix", [False, True])
@pytest.mark.parametrize("scalar", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("norm_type", [*POS, *NEG, 0])
def test_clip_grad_norm_error_if_nonfinite(one_elem, prefix, scalar, norm_type):
    """test_clip_grad_norm_error_if_nonfinite: gpuad raises exactly where torch does, and
    leaves the gradients alone when it raises."""

    def grads(lib):
        g = np.zeros((10, 10)) if one_elem else np.full((10, 10), scalar)
        if one_elem:
            g[1, 1] = scalar
        out = [np.ones(1), g] if prefix else [g]
        if lib == "torch":
            ps = [torch.ones(a.shape, dtype=torch.float64, requires_grad=True) for a in out]
            for p, a in zip(ps, out, strict=True):
                p.grad = torch.tensor(a)
        else:
            ps = [ad.tensor(np.ones(a.shape), requires_grad=True) for a in out]
            for p, a in zip(ps, out, strict=True):
                p.grad = ad.tensor(a.copy())
        return ps

    tps, gps = grads("torch"), grads("gpuad")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tnn.utils.clip_grad_norm_(tps, 1, norm_type=norm_type, error_if_nonfinite=True)
            torch_raised = False
        except RuntimeError:
            torch_raised = True
        before = [_h(p.grad).copy() for p in gps]
        if torch_raised:
            with pytest.raises(RuntimeError, match=f"total norm of order {float(norm_type)}"):
                gnn.utils.clip_grad_norm_(gps, 1, norm_type=norm_type, error_if_nonfinite=True)
            for p, b in zip(gps, before, strict=True):
                np.testing.assert_array_equal(_h(p.grad), b)
        else:
            gnn.utils.clip_grad_norm_(gps, 1, norm_type=norm_type, error_if_nonfinite=True)
        # without the check both scale the same way (nan where torch has nan)
        tps, gps = grads("torch"), grads("gpuad")
        tn = tnn.utils.clip_grad_norm_(tps, 1, norm_type=norm_type)
        gn = gnn.utils.clip_grad_norm_(gps, 1, norm_type=norm_type)
    np.testing.assert_allclose(_h(gn), _h(tn), **TOL)
    for tp, gp in zip(tps, gps, strict=True):
        np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **TOL)


@pytest.mark.parametrize("norm_type", [0, -1, -0.5, -math.inf, 3, 0.5])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    arrs = [np.array([3.0, -4.0, 0.0]), np.array([[1.0, 0.0], [-2.0, 0.5]])]
    tn = tnn.utils.get_total_norm([torch.tensor(a) for a in arrs], norm_type)
    gn = gnn.utils.get_total_norm([ad.tensor(a) for a in arrs], norm_type)
    np.testing.assert_allclose(_h(gn), _h(tn), **TOL)
    tps = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in arrs]
    gps = [ad.tensor(np.zeros(a.shape), requires_grad=True) for a in arrs]
    for tp, gp, a in zip(tps, gps, arrs, strict=True):
        tp.grad, gp.grad = torch.tensor(a), ad.tensor(a.copy())
    tnn.utils.clip_grads_with_norm_(tps, 0.3, tn)
    gnn.utils.clip_grads_with_norm_(gps, 0.3, gn)
    for tp, gp in zip(tps, gps, strict=True):
        np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **TOL)


def test_clip_grad_norm_float32_keeps_dtype():
    p = ad.tensor(np.ones(4, np.float32), requires_grad=True)
    p.grad = ad.tensor(np.arange(4, dtype=np.float32))
    tp = torch.ones(4, requires_grad=True)
    tp.grad = torch.arange(4.0)
    gn = gnn.utils.clip_grad_norm_(p, 1.0)
    tn = tnn.utils.clip_grad_norm_(tp, 1.0)
    assert gn.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_allclose(_h(p.grad), _h(tp.grad), rtol=1e-6)
    np.testing.assert_allclose(_h(gn), _h(tn), rtol=1e-6)


def test_clip_grad_norm_deprecated_spelling():
    p = ad.tensor(np.ones(2), requires_grad=True)
    p.grad = ad.tensor(np.array([3.0, 4.0]))
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        gn = gnn.utils.clip_grad_norm(p, 1.0)
    assert float(gn) == 5.0


@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_value(foreach):
    t, g = _pair_linear()
    grad_w, grad_b = np.arange(-50.0, 50).reshape(10, 10) / 5, np.ones(10) * 2
    for grad_list in ([grad_w, grad_b], [grad_w, None]):
        _set_grads(t, g, grad_list)
        tnn.utils.clip_grad_value_(t.parameters(), 2.5, foreach=foreach)
        gnn.utils.clip_grad_value_(g.parameters(), 2.5, foreach=foreach)
        for tp, gp in zip(t.parameters(), g.parameters(), strict=True):
            assert (gp.grad is None) == (tp.grad is None)
            if gp.grad is not None:
                assert _h(gp.grad).max() <= 2.5 and _h(gp.grad).min() >= -2.5
                np.testing.assert_array_equal(_h(gp.grad), _h(tp.grad))
    p1, p2 = (ad.tensor(np.random.randn(10, 10), requires_grad=True) for _ in range(2))
    p1.grad, p2.grad = ad.tensor(grad_w.copy()), ad.tensor(grad_w.copy())
    gnn.utils.clip_grad_value_(p1, 2.5)
    gnn.utils.clip_grad_value_([p2], 2.5)
    np.testing.assert_array_equal(_h(p1.grad), _h(p2.grad))


# ============================ parameters_to_vector ============================================


def test_parameters_to_vector_and_back():
    tm = tnn.Sequential(tnn.Conv2d(3, 10, 5), tnn.Linear(10, 20)).double()
    gm = gnn.Sequential(gnn.Conv2d(3, 10, 5), gnn.Linear(10, 20))
    _copy_module(tm, gm)
    tv = tnn.utils.parameters_to_vector(tm.parameters())
    gv = gnn.utils.parameters_to_vector(gm.parameters())
    assert gv.shape == (980,) == tuple(tv.shape)
    np.testing.assert_array_equal(_h(gv), _h(tv))
    # differentiable: the gradient of sum(c * v) lands on each parameter
    c = np.random.randn(980)
    (gv * gnp.asarray(c)).sum().backward()
    (tv * torch.tensor(c)).sum().backward()
    for tp, gp in zip(tm.parameters(), gm.parameters(), strict=True):
        np.testing.assert_array_equal(_h(gp.grad), _h(tp.grad))
    vec = np.arange(0.0, 980)
    tnn.utils.vector_to_parameters(torch.tensor(vec), tm.parameters())
    gnn.utils.vector_to_parameters(ad.tensor(vec), gm.parameters())
    np.testing.assert_array_equal(_h(next(iter(gm.parameters()))[0, 0, 0]), vec[:5])
    for tp, gp in zip(tm.parameters(), gm.parameters(), strict=True):
        np.testing.assert_array_equal(_h(gp), _h(tp))


def test_vector_to_parameters_bumps_version_and_checks():
    w = ad.tensor(np.ones(3), requires_grad=True)
    y = (w * w).sum()
    gnn.utils.vector_to_parameters(ad.tensor(np.arange(3.0)), [w])
    with pytest.raises(Exception, match="modified in place"):
        y.backward()
    with pytest.raises(ValueError, match="2 entries but the parameters hold 3"):
        gnn.utils.vector_to_parameters(ad.tensor(np.arange(2.0)), [w])
    with pytest.raises(ValueError, match="no parameters"):
        gnn.utils.parameters_to_vector([])
    with pytest.raises((ValueError, RuntimeError)):
        tnn.utils.parameters_to_vector([])


# ============================ old weight_norm / spectral_norm hooks ===========================


def _t_input(shape):
    x = np.random.randn(*shape)
    return x, torch.tensor(x), ad.tensor(x)


@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_old_weight_norm(dim):
    tm, gm = tnn.Linear(5, 4).double(), gnn.Linear(5, 4)
    _copy_module(tm, gm)
    tnn.utils.weight_norm(tm, dim=dim)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        gnn.utils.weight_norm(gm, dim=dim)
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    for n, tp in tm.named_parameters():
        np.testing.assert_allclose(_h(dict(gm.named_parameters())[n]), _h(tp), **TOL)
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    _, tx, gx = _t_input((3, 5))
    c = np.random.randn(3, 4)
    (tm(tx) * torch.tensor(c)).sum().backward()
    (gm(gx) * gnp.asarray(c)).sum().backward()
    for n, tp in tm.named_parameters():
        np.testing.assert_allclose(_h(dict(gm.named_parameters())[n].grad), _h(tp.grad), **GTOL)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        gnn.utils.weight_norm(gm, dim=dim)
    tnn.utils.remove_weight_norm(tm)
    gnn.utils.remove_weight_norm(gm)
    assert [n for n, _ in gm.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    _raises_both(lambda: gnn.utils.remove_weight_norm(gm),
                 lambda: tnn.utils.remove_weight_norm(tm), ValueError, ValueError)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_old_weight_norm_conv_and_state_dict_from_torch():
    tm, gm = tnn.Conv1d(3, 6, 3).double(), gnn.Conv1d(3, 6, 3)
    tnn.utils.weight_norm(tm)
    gnn.utils.weight_norm(gm)
    _copy_module(tm, gm)  # torch's weight_g / weight_v load by name
    _, tx, gx = _t_input((2, 3, 7))
    np.testing.assert_allclose(_h(gm(gx)), _h(tm(tx)), **TOL)
    tm(tx).pow(2).sum().backward()
    gm(gx).pow(2).sum().backward()
    np.testing.assert_allclose(_h(gm.weight_g.grad), _h(tm.weight_g.grad), **GTOL)
    np.testing.assert_allclose(_h(gm.weight_v.grad), _h(tm.weight_v.grad), **GTOL)


@pytest.mark.parametrize("train", [True, False])
def test_old_spectral_norm(train):
    tm, gm = tnn.Linear(5, 7).double(), gnn.Linear(5, 7)
    _copy_module(tm, gm)
    tnn.utils.spectral_norm(tm)
    gnn.utils.spectral_norm(gm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)  # unscaled until a call
    _copy_module(tm, gm)  # torch's u, v
    tm.train(train)
    gm.train(train)
    _, tx, gx = _t_input((3, 5))
    c = np.random.randn(3, 7)
    for _ in range(3):
        ty, gy = tm(tx), gm(gx)
        np.testing.assert_allclose(_h(gy), _h(ty), **TOL)
        np.testing.assert_allclose(_h(gm.weight_u), _h(tm.weight_u), **TOL)
        np.testing.assert_allclose(_h(gm.weight_v), _h(tm.weight_v), **TOL)
    (ty * torch.tensor(c)).sum().backward()
    (gy * gnp.asarray(c)).sum().backward()
    np.testing.assert_allclose(_h(gm.weight_orig.grad), _h(tm.weight_orig.grad), **GTOL)
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        gnn.utils.spectral_norm(gm)
    tnn.utils.remove_spectral_norm(tm)
    gnn.utils.remove_spectral_norm(gm)
    assert list(gm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)


def test_old_spectral_norm_sigma_and_errors():
    gm = gnn.Linear(6, 4)
    gnn.utils.spectral_norm(gm, n_power_iterations=50)
    for _ in range(10):
        gm(ad.tensor(np.zeros((1, 6))))
    assert abs(np.linalg.svd(_h(gm.weight), compute_uv=False)[0] - 1) < 1e-8
    _raises_both(lambda: gnn.utils.spectral_norm(gnn.Linear(2, 2), n_power_iterations=0),
                 lambda: tnn.utils.spectral_norm(tnn.Linear(2, 2), n_power_iterations=0),
                 ValueError, ValueError)
    _raises_both(lambda: gnn.utils.remove_spectral_norm(gnn.Linear(2, 2)),
                 lambda: tnn.utils.remove_spectral_norm(tnn.Linear(2, 2)), ValueError, ValueError)
    # a transposed convolution normalises along dim 1 by default, as torch
    tm, gm = tnn.ConvTranspose2d(3, 5, 2).double(), gnn.ConvTranspose2d(3, 5, 2)
    _copy_module(tm, gm)
    tnn.utils.spectral_norm(tm)
    gnn.utils.spectral_norm(gm)
    assert gm.weight_u.shape == tuple(tm.weight_u.shape) == (5,)
    _copy_module(tm, gm)
    _, tx, gx = _t_input((1, 3, 4, 4))
    np.testing.assert_allclose(_h(gm(gx)), _h(tm(tx)), **TOL)


# ============================ fuse_conv_bn_eval / fuse_linear_bn_eval =========================


@pytest.mark.parametrize("kind", ["conv", "conv_nobias", "convT", "linear"])
def test_fuse_bn_eval(kind):
    if kind.startswith("conv") and kind != "convT":
        tc, gc = tnn.Conv2d(3, 4, 3, bias=kind == "conv").double(), gnn.Conv2d(
            3, 4, 3, bias=kind == "conv")
        tb, gb, shape = tnn.BatchNorm2d(4).double(), gnn.BatchNorm2d(4), (2, 3, 6, 6)
    elif kind == "convT":
        tc, gc = tnn.ConvTranspose2d(3, 4, 3).double(), gnn.ConvTranspose2d(3, 4, 3)
        tb, gb, shape = tnn.BatchNorm2d(4).double(), gnn.BatchNorm2d(4), (2, 3, 6, 6)
    else:
        tc, gc = tnn.Linear(5, 4).double(), gnn.Linear(5, 4)
        tb, gb, shape = tnn.BatchNorm1d(4).double(), gnn.BatchNorm1d(4), (3, 5)
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
        tb.weight.uniform_(0.5, 2)
        tb.bias.uniform_(-1, 1)
    _copy_module(tc, gc)
    _copy_module(tb, gb)
    tc.eval(), tb.eval(), gc.eval(), gb.eval()
    if kind == "linear":
        tf, gf = tnn.utils.fuse_linear_bn_eval(tc, tb), gnn.utils.fuse_linear_bn_eval(gc, gb)
    else:
        tf = tnn.utils.fuse_conv_bn_eval(tc, tb, transpose=kind == "convT")
        gf = gnn.utils.fuse_conv_bn_eval(gc, gb, transpose=kind == "convT")
    _, tx, gx = _t_input(shape)
    np.testing.assert_allclose(_h(gf(gx)), _h(tf(tx)), **TOL)
    np.testing.assert_allclose(_h(gf(gx)), _h(gb(gc(gx))), **TOL)
    np.testing.assert_allclose(_h(gf.weight), _h(tf.weight), **TOL)
    assert gf.weight.requires_grad and gf.weight.is_leaf and gf is not gc
    gc.train()
    with pytest.raises(ValueError, match="evaluation"):
        (gnn.utils.fuse_linear_bn_eval if kind == "linear" else gnn.utils.fuse_conv_bn_eval)(
            gc, gb)


# ============================ rnn utils =======================================================


def test_pad_sequence_as_torch():
    a, b, c = ([1, 2, 3], [4, 5], [6])
    for bf in (True, False):
        for pv in (0, 1):
            for side in ("right", "left"):
                for order in ((b, a, c), (a, b, c)):
                    t = tnn.utils.rnn.pad_sequence([torch.tensor(s) for s in order], bf, pv,
                                                   padding_side=side)
                    g = grnn.pad_sequence([ad.tensor(np.array(s)) for s in order], bf, pv,
                                          padding_side=side)
                    np.testing.assert_array_equal(_h(g), _h(t))
                    assert _h(g).dtype == np.int64
    for num_dim in (0, 1, 2):
        seqs = [np.random.rand(i * i, 5, *([4] * num_dim)) for i in range(1, 6)]
        random.shuffle(seqs)
        for bf in (True, False):
            t = tnn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], bf)
            g = grnn.pad_sequence([ad.tensor(s) for s in seqs], bf)
            np.testing.assert_array_equal(_h(g), _h(t))


def test_pad_pack_roundtrip_gradients():
    lens = [5, 3, 2]
    xs = [np.random.randn(n, 3) for n in lens]
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    gs = [ad.tensor(x, requires_grad=True) for x in xs]
    tp = tnn.utils.rnn.pack_sequence(ts)
    gp = grnn.pack_sequence(gs)
    np.testing.assert_array_equal(_h(gp.data), _h(tp.data))
    np.testing.assert_array_equal(np.asarray(gp.batch_sizes), _h(tp.batch_sizes))
    tpad, tl = tnn.utils.rnn.pad_packed_sequence(tp, batch_first=True, padding_value=-1,
                                                 total_length=6)
    gpad, gl = grnn.pad_packed_sequence(gp, batch_first=True, padding_value=-1, total_length=6)
    np.testing.assert_array_equal(_h(gpad), _h(tpad))
    np.testing.assert_array_equal(np.asarray(gl), _h(tl))
    c = np.random.randn(*gpad.shape)
    (tpad * torch.tensor(c)).sum().backward()
    (gpad * gnp.asarray(c)).sum().backward()
    for t, g in zip(ts, gs, strict=True):
        np.testing.assert_allclose(_h(g.grad), _h(t.grad), **TOL)


# ============================ parametrizations ================================================


class GSkew(gnn.Module):
    def forward(self, x):
        a = gnp.triu(x, 1)
        return a - a.T


class TSkew(tnn.Module):
    def forward(self, x):
        a = x.triu(1)
        return a - a.T


class GOrth(gnn.Module):
    def forward(self, x):
        eye = gnp.eye(x.shape[0], dtype=x.dtype)
        return gnp.linalg.solve(eye + x, eye - x)  # Cayley of a skew matrix


class TOrth(tnn.Module):
    def forward(self, x):
        eye = torch.eye(x.shape[0], dtype=x.dtype)
        return torch.linalg.solve(eye + x, eye - x)


class GResize(gnn.Module):
    def forward(self, x):
        return x[[0]]


class TResize(tnn.Module):
    def forward(self, x):
        return x[[0]]


def _pair_parametrized(pairs, tensor="weight", n=8):
    tm, gm = tnn.Linear(n, n).double(), gnn.Linear(n, n)
    _copy_module(tm, gm)
    for tpar, gpar in pairs:
        tP.register_parametrization(tm, tensor, tpar())
        gP.register_parametrization(gm, tensor, gpar())
    return tm, gm


def test_register_and_remove_parametrization():
    tm, gm = _pair_parametrized([(TSkew, GSkew)])
    assert gP.is_parametrized(gm) and gP.is_parametrized(gm, "weight")
    assert not gP.is_parametrized(gm, "bias")
    assert "weight" not in dict(gm.named_parameters())
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    np.testing.assert_allclose(_h(gm.weight), -_h(gm.weight).T, **TOL)
    # a step of SGD through the parametrization moves the original as torch's
    _, tx, gx = _t_input((4, 8))
    tm(tx).pow(2).sum().backward()
    gm(gx).pow(2).sum().backward()
    orig_g, orig_t = gm.parametrizations.weight.original, tm.parametrizations.weight.original
    np.testing.assert_allclose(_h(orig_g.grad), _h(orig_t.grad), **GTOL)
    ad.optim.SGD(gm.parameters(), lr=0.01).step()
    torch.optim.SGD(tm.parameters(), lr=0.01).step()
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **GTOL)
    # leave_parametrized=False gives the original back, True the value
    w_orig = _h(orig_g).copy()
    gP.remove_parametrizations(gm, "weight", leave_parametrized=False)
    tP.remove_parametrizations(tm, "weight", leave_parametrized=False)
    assert not gP.is_parametrized(gm) and type(gm) is gnn.Linear
    np.testing.assert_array_equal(_h(gm.weight), w_orig)
    tm, gm = _pair_parametrized([(TSkew, GSkew)])
    gP.remove_parametrizations(gm, "weight", leave_parametrized=True)
    tP.remove_parametrizations(tm, "weight", leave_parametrized=True)
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    assert gm.weight.is_leaf and gm.weight.requires_grad


def test_nested_parametrization_grad():
    tm, gm = _pair_parametrized([(TSkew, GSkew), (TOrth, GOrth)])
    assert len(gm.parametrizations.weight) == 2
    w = _h(gm.weight)
    np.testing.assert_allclose(w @ w.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(w, _h(tm.weight), **TOL)
    _, tx, gx = _t_input((3, 8))
    c = np.random.randn(3, 8)
    (tm(tx) * torch.tensor(c)).sum().backward()
    (gm(gx) * gnp.asarray(c)).sum().backward()
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original.grad),
                               _h(tm.parametrizations.weight.original.grad), **GTOL)
    np.testing.assert_allclose(_h(gm.bias.grad), _h(tm.bias.grad), **GTOL)


def test_parametrization_of_a_buffer():
    class GM(gnn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("buf", gnp.asarray(np.random.randn(4, 4)))

    gm = GM()
    gP.register_parametrization(gm, "buf", GSkew())
    b = _h(gm.buf)
    np.testing.assert_allclose(b, -b.T)
    assert not any(n.endswith("buf") for n, _ in gm.named_parameters())


class _GInit(gnn.Module):
    """A parametrization with a right_inverse (torch's test_initialization_parametrization)."""

    def forward(self, x):
        return 2 * x

    def right_inverse(self, w):
        return w / 2


class _TInit(tnn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, w):
        return w / 2


def test_right_inverse_initialisation_and_assignment():
    tm, gm = _pair_parametrized([(_TInit, _GInit)], n=3)
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original),
                               _h(tm.parametrizations.weight.original), **TOL)
    new = np.arange(9.0).reshape(3, 3)
    with torch.no_grad():
        tm.weight = torch.tensor(new)
    gm.weight = gnp.asarray(new)
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original), new / 2, **TOL)
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    # a parametrization without right_inverse refuses an assignment, as torch's
    tm2, gm2 = _pair_parametrized([(TSkew, GSkew)], n=3)
    _raises_both(lambda: setattr(gm2, "weight", gnp.asarray(new)),
                 lambda: setattr(tm2, "weight", torch.tensor(new)), RuntimeError,
                 RuntimeError)


class _GPair(gnn.Module):
    """right_inverse returning a tuple (torch's test_multiple_inputs_parametrization)."""

    def forward(self, a, b):
        return a + b

    def right_inverse(self, w):
        return w / 3, 2 * w / 3


class _TPair(tnn.Module):
    def forward(self, a, b):
        return a + b

    def right_inverse(self, w):
        return w / 3, 2 * w / 3


def test_multiple_originals():
    tm, gm = _pair_parametrized([(_TPair, _GPair)], n=3)
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), **TOL)
    _, tx, gx = _t_input((2, 3))
    tm(tx).sum().backward()
    gm(gx).sum().backward()
    for k in ("original0", "original1"):
        np.testing.assert_allclose(_h(getattr(gm.parametrizations.weight, k).grad),
                                   _h(getattr(tm.parametrizations.weight, k).grad), **GTOL)
    _raises_both(lambda: gP.remove_parametrizations(gm, "weight", leave_parametrized=False),
                 lambda: tP.remove_parametrizations(tm, "weight", leave_parametrized=False),
                 ValueError, ValueError)


def test_parametrization_errors():
    _raises_both(lambda: gP.register_parametrization(gnn.Linear(2, 2), "foo", GSkew()),
                 lambda: tP.register_parametrization(tnn.Linear(2, 2), "foo", TSkew()),
                 ValueError, ValueError)
    _raises_both(lambda: gP.register_parametrization(gnn.Linear(2, 2), "weight", GResize()),
                 lambda: tP.register_parametrization(tnn.Linear(2, 2), "weight", TResize()),
                 ValueError, ValueError)
    # unsafe=True allows the change of shape
    gm = gP.register_parametrization(gnn.Linear(2, 2), "weight", GResize(), unsafe=True)
    assert gm.weight.shape == (1, 2)
    _raises_both(lambda: gP.remove_parametrizations(gnn.Linear(2, 2), "weight"),
                 lambda: tP.remove_parametrizations(tnn.Linear(2, 2), "weight"),
                 ValueError, ValueError)


def test_caching_parametrization():
    tm, gm = _pair_parametrized([(TSkew, GSkew), (TOrth, GOrth)], n=4)
    with gP.cached():
        a, b = gm.weight, gm.weight
        assert a is b
        with tP.cached():
            assert tm.weight is tm.weight
        np.testing.assert_allclose(_h(a), _h(tm.weight), **TOL)
    assert gm.weight is not gm.weight
    # a cached value differentiates as the uncached one
    _, tx, gx = _t_input((2, 4))
    with gP.cached():
        gy = gm(gx) + gm(gx)
    with tP.cached():
        ty = tm(tx) + tm(tx)
    ty.sum().backward()
    gy.sum().backward()
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original.grad),
                               _h(tm.parametrizations.weight.original.grad), **GTOL)


def test_type_before_parametrizations_and_transfer():
    gm = gnn.Linear(3, 3)
    gP.register_parametrization(gm, "weight", GSkew())
    assert gP.type_before_parametrizations(gm) is gnn.Linear
    assert type(gm) is not gnn.Linear
    assert gP.type_before_parametrizations(gnn.Linear(2, 2)) is gnn.Linear
    to = gnn.Linear(3, 3)
    gP.transfer_parametrizations_and_params(gm, to)
    assert gP.is_parametrized(to, "weight")
    assert to.parametrizations.weight.original is gm.parametrizations.weight.original
    np.testing.assert_array_equal(_h(to.weight), _h(gm.weight))
    tm, tto = tnn.Linear(3, 3), tnn.Linear(3, 3)
    tP.register_parametrization(tm, "weight", TSkew())
    tP.transfer_parametrizations_and_params(tm, tto)
    assert [n for n, _ in to.named_parameters()] == [n for n, _ in tto.named_parameters()]


def test_parametrization_state_dict_and_deepcopy():
    tm, gm = _pair_parametrized([(TSkew, GSkew)], n=3)
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm2 = copy.deepcopy(gm)
    assert gP.is_parametrized(gm2, "weight")
    np.testing.assert_array_equal(_h(gm2.weight), _h(gm.weight))
    assert gm2.parametrizations.weight.original is not gm.parametrizations.weight.original


@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_parametrization(dim):
    tm, gm = tnn.Conv2d(3, 4, 2).double(), gnn.Conv2d(3, 4, 2)
    _copy_module(tm, gm)
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    gpz.weight_norm(gm, dim=dim)
    assert list(gm.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_h(gm.state_dict()[k]), _h(v), **TOL)
    _, tx, gx = _t_input((2, 3, 5, 5))
    c = np.random.randn(2, 4, 4, 4)
    (tm(tx) * torch.tensor(c)).sum().backward()
    (gm(gx) * gnp.asarray(c)).sum().backward()
    for (n, tp), (m, gp) in zip(tm.named_parameters(), gm.named_parameters(), strict=True):
        assert n == m
        np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **GTOL)


@pytest.mark.parametrize("shape", [(7, 5), (5, 7)])
def test_spectral_norm_parametrization(shape):
    tm, gm = tnn.Linear(shape[1], shape[0]).double(), gnn.Linear(shape[1], shape[0])
    _copy_module(tm, gm)
    torch.nn.utils.parametrizations.spectral_norm(tm)
    gpz.spectral_norm(gm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    _copy_module(tm, gm)  # torch's _u, _v
    _, tx, gx = _t_input((3, shape[1]))
    for train in (True, True, False):
        tm.train(train)
        gm.train(train)
        np.testing.assert_allclose(_h(gm(gx)), _h(tm(tx)), **GTOL)
    c = np.random.randn(3, shape[0])
    tm.train()
    gm.train()
    (tm(tx) * torch.tensor(c)).sum().backward()
    (gm(gx) * gnp.asarray(c)).sum().backward()
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original.grad),
                               _h(tm.parametrizations.weight.original.grad), rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6)])
def test_orthogonal_parametrization(orthogonal_map, shape):
    tm, gm = tnn.Linear(shape[1], shape[0]).double(), gnn.Linear(shape[1], shape[0])
    _copy_module(tm, gm)
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=orthogonal_map)
    gpz.orthogonal(gm, orthogonal_map=orthogonal_map)
    assert list(gm.state_dict()) == list(tm.state_dict())
    _copy_module(tm, gm)  # torch's base and original
    np.testing.assert_allclose(_h(gm.weight), _h(tm.weight), rtol=1e-10, atol=1e-12)
    w = _h(gm.weight)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    _, tx, gx = _t_input((2, shape[1]))
    c = np.random.randn(2, shape[0])
    (tm(tx) * torch.tensor(c)).sum().backward()
    (gm(gx) * gnp.asarray(c)).sum().backward()
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original.grad),
                               _h(tm.parametrizations.weight.original.grad), rtol=1e-8,
                               atol=1e-10)


# ============================ functional_call (test_stateless.py) =============================


class _GMod(gnn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = gnn.Linear(1, 1)
        self.register_buffer("buffer", gnp.ones(1))

    def forward(self, x):
        return self.l1(x) + self.buffer


class _TMod(tnn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = tnn.Linear(1, 1).double()
        self.register_buffer("buffer", torch.ones(1, dtype=torch.float64))

    def forward(self, x):
        return self.l1(x) + self.buffer


@pytest.mark.parametrize("call", ["func", "stateless"])
def test_functional_call_swaps_and_restores(call):
    tm, gm = _TMod(), _GMod()
    _copy_module(tm, gm)
    x = np.random.rand(1, 1)
    params = {"l1.weight": np.ones((1, 1)), "l1.bias": np.zeros(1), "buffer": np.zeros(1)}
    if call == "func":
        gy = gfunc.functional_call(gm, {k: ad.tensor(v) for k, v in params.items()},
                                   (ad.tensor(x),))
    else:
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            gy = gnn.utils.stateless.functional_call(
                gm, {k: ad.tensor(v) for k, v in params.items()}, (ad.tensor(x),))
    ty = torch.func.functional_call(tm, {k: torch.tensor(v) for k, v in params.items()},
                                    (torch.tensor(x),))
    np.testing.assert_allclose(_h(gy), _h(ty), **TOL)
    np.testing.assert_allclose(_h(gy), x, **TOL)
    np.testing.assert_allclose(_h(gm(ad.tensor(x))), _h(tm(torch.tensor(x))), **TOL)


def test_functional_call_gradient_reaches_the_given_tensors():
    tm, gm = _TMod(), _GMod()
    _copy_module(tm, gm)
    x = np.random.rand(3, 1)
    tw = torch.full((1, 1), 2.0, dtype=torch.float64, requires_grad=True)
    gw = ad.tensor(np.full((1, 1), 2.0), requires_grad=True)
    torch.func.functional_call(tm, {"l1.weight": tw}, (torch.tensor(x),)).pow(2).sum().backward()
    gfunc.functional_call(gm, {"l1.weight": gw}, (ad.tensor(x),)).pow(2).sum().backward()
    np.testing.assert_allclose(_h(gw.grad), _h(tw.grad), **GTOL)
    assert gm.l1.weight.grad is None and tm.l1.weight.grad is None
    # torch.func.grad of a loss of the parameters dict
    params = {k: v.detach() for k, v in gm.named_parameters()}
    tparams = {k: v.detach() for k, v in tm.named_parameters()}
    gg = gfunc.grad(lambda p: gfunc.functional_call(gm, p, (ad.tensor(x),)).sum())(params)
    tg = torch.func.grad(lambda p: torch.func.functional_call(tm, p, (torch.tensor(x),)).sum())(
        tparams)
    for k in tg:
        np.testing.assert_allclose(_h(gg[k]), _h(tg[k]), **GTOL)


def test_functional_call_batch_norm_buffers():
    tb, gb = tnn.BatchNorm1d(3).double(), gnn.BatchNorm1d(3)
    x = np.random.rand(4, 3)
    trm, grm = torch.ones(3, dtype=torch.float64), ad.tensor(np.ones(3))
    ty = torch.func.functional_call(tb, {"running_mean": trm}, (torch.tensor(x),))
    gy = gfunc.functional_call(gb, {"running_mean": grm}, (ad.tensor(x),))
    np.testing.assert_allclose(_h(gy), _h(ty), **TOL)
    np.testing.assert_allclose(_h(grm), _h(trm), **TOL)  # the given buffer was updated
    np.testing.assert_array_equal(_h(gb.running_mean), _h(tb.running_mean))  # not the module's


def test_functional_call_parametrized_original():
    class GSq(gnn.Module):
        def forward(self, x):
            return x * x

    class TSq(tnn.Module):
        def forward(self, x):
            return x * x

    tm, gm = _pair_parametrized([(TSq, GSq)], n=2)
    w = np.full((2, 2), 3.0)
    x = np.ones((1, 2))
    ty = torch.func.functional_call(tm, {"parametrizations.weight.original": torch.tensor(w)},
                                    (torch.tensor(x),))
    gy = gfunc.functional_call(gm, {"parametrizations.weight.original": ad.tensor(w)},
                               (ad.tensor(x),))
    np.testing.assert_allclose(_h(gy), _h(ty), **TOL)
    np.testing.assert_allclose(_h(gy) - _h(gm.bias), 18.0)


def test_functional_call_failure_restores_and_checks():
    class Bad(gnn.Module):
        def __init__(self):
            super().__init__()
            self.l = gnn.Linear(1, 1)

        def forward(self, x):
            raise RuntimeError("boom")

    b = Bad()
    w0 = b.l.weight
    with pytest.raises(RuntimeError, match="boom"):
        gfunc.functional_call(b, {"l.weight": ad.tensor(np.ones((1, 1)))}, (ad.tensor(1.0),))
    assert b.l.weight is w0
    gm, tm = _GMod(), _TMod()
    w = np.ones((1, 1))
    _raises_both(
        lambda: gfunc.functional_call(gm, {"l1.weight": ad.tensor(w)}, (ad.tensor(w),),
                                      strict=True),
        lambda: torch.func.functional_call(tm, {"l1.weight": torch.tensor(w)},
                                           (torch.tensor(w),), strict=True),
        RuntimeError, RuntimeError)
    _raises_both(
        lambda: gfunc.functional_call(gm, ({"l1.weight": ad.tensor(w)},
                                           {"l1.weight": ad.tensor(w)}), (ad.tensor(w),)),
        lambda: torch.func.functional_call(tm, ({"l1.weight": torch.tensor(w)},
                                                {"l1.weight": torch.tensor(w)}),
                                           (torch.tensor(w),)),
        ValueError, ValueError)
    # a tuple of dicts and kwargs, as torch's
    ty = torch.func.functional_call(tm, ({"l1.weight": torch.tensor(w)},
                                         {"l1.bias": torch.zeros(1, dtype=torch.float64)}),
                                    (), {"x": torch.tensor(w * 2)})
    gy = gfunc.functional_call(gm, ({"l1.weight": ad.tensor(w)}, {"l1.bias": ad.tensor(
        np.zeros(1))}), (), {"x": ad.tensor(w * 2)})
    np.testing.assert_allclose(_h(gy), _h(ty), **TOL)


def test_functional_call_tied_weights():
    class GTied(gnn.Module):
        def __init__(self):
            super().__init__()
            self.a = gnn.Linear(2, 2)
            self.b = gnn.Linear(2, 2)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.a(x) + self.b(x)

    class TTied(tnn.Module):
        def __init__(self):
            super().__init__()
            self.a = tnn.Linear(2, 2).double()
            self.b = tnn.Linear(2, 2).double()
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.a(x) + self.b(x)

    tm, gm = TTied(), GTied()
    _copy_module(tm, gm)
    gm.b.weight = gm.a.weight
    x, w = np.random.rand(1, 2), np.eye(2) * 3
    for tie in (True, False):
        ty = torch.func.functional_call(tm, {"a.weight": torch.tensor(w)}, (torch.tensor(x),),
                                        tie_weights=tie)
        gy = gfunc.functional_call(gm, {"a.weight": ad.tensor(w)}, (ad.tensor(x),),
                                   tie_weights=tie)
        np.testing.assert_allclose(_h(gy), _h(ty), **TOL)


# ============================ TestNNInit ======================================================


def _is_uniform(x, a, b):
    return stats.kstest(np.ravel(x), "uniform", args=(a, b - a))[1] > 1e-4


def _is_normal(x, mean, std):
    return stats.kstest(np.ravel(x), "norm", args=(mean, std))[1] > 1e-4


def _is_trunc_normal(x, mean, std, a, b):
    z = (np.ravel(x) - mean) / std
    return stats.kstest(z, "truncnorm", args=((a - mean) / std, (b - mean) / std))[1] > 1e-4


def _nd(dims, lo, hi):
    size = [random.randint(lo, hi) for _ in range(dims)]
    return ad.tensor(np.zeros(size)), torch.zeros(size, dtype=torch.float64)


def test_calculate_gain():
    for name in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                 "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"):
        assert ginit.calculate_gain(name) == pytest.approx(tinit.calculate_gain(name), 1e-15)
    for p in (None, 0, 0.01, 0.2, 1, 3):
        assert ginit.calculate_gain("leaky_relu", p) == pytest.approx(
            tinit.calculate_gain("leaky_relu", p), 1e-15)
    for bad in (True, "x"):
        _raises_both(lambda b=bad: ginit.calculate_gain("leaky_relu", b),
                     lambda b=bad: tinit.calculate_gain("leaky_relu", b), ValueError, ValueError)
    _raises_both(lambda: ginit.calculate_gain("unsupported"),
                 lambda: tinit.calculate_gain("unsupported"), ValueError, ValueError)


@pytest.mark.parametrize("dims", [1, 2, 4])
def test_uniform_normal_constant(dims):
    g, t = _nd(dims, 30, 50) if dims < 4 else _nd(dims, 4, 7)
    a = random.uniform(-3, 3)
    b = a + random.uniform(1, 5)
    assert ginit.uniform_(g, a=a, b=b) is g
    assert _is_uniform(_h(g), a, b) and _is_uniform(_h(tinit.uniform_(t, a, b)), a, b)
    mean, std = random.uniform(-3, 3), random.uniform(1, 5)
    ginit.normal_(g, mean=mean, std=std)
    assert _is_normal(_h(g), mean, std) and _is_normal(_h(tinit.normal_(t, mean, std)), mean, std)
    mean, std = random.uniform(-3, 3), random.uniform(0.01, 1)
    a, b = random.uniform(mean - 5 * std, mean), random.uniform(mean, mean + 5 * std)
    ginit.trunc_normal_(g, mean=mean, std=std, a=a, b=b)
    assert _h(g).min() >= a and _h(g).max() <= b
    assert _is_trunc_normal(_h(g), mean, std, a, b)
    assert _is_trunc_normal(_h(tinit.trunc_normal_(t, mean, std, a, b)), mean, std, a, b)
    val = random.uniform(1, 10)
    np.testing.assert_array_equal(_h(ginit.constant_(g, val)), _h(tinit.constant_(t, val)))
    np.testing.assert_array_equal(_h(ginit.ones_(g)), _h(tinit.ones_(t)))
    np.testing.assert_array_equal(_h(ginit.zeros_(g)), _h(tinit.zeros_(t)))


def test_trunc_normal_generator_and_warning():
    a = ad.tensor(np.zeros(50))
    b = ad.tensor(np.zeros(50))
    ginit.trunc_normal_(a, generator=gnp.random.default_rng(42))
    ginit.trunc_normal_(b, generator=gnp.random.default_rng(42))
    np.testing.assert_array_equal(_h(a), _h(b))
    ginit.normal_(a, generator=np.random.default_rng(3))
    ginit.normal_(b, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(_h(a), _h(b))
    with pytest.raises(NotImplementedError, match="torch.Generator"):
        ginit.uniform_(a, generator=torch.Generator())
    for _lib, fn, x in (("gpuad", ginit.trunc_normal_, a), ("torch", tinit.trunc_normal_,
                                                          torch.zeros(5))):
        with pytest.warns(UserWarning, match="mean is more than 2 std"):
            fn(x, mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_eye():
    g, t = _nd(2, 1, 5)
    np.testing.assert_array_equal(_h(ginit.eye_(g)), _h(tinit.eye_(t)))
    for shape in ((3,), (2, 3, 4)):
        _raises_both(lambda s=shape: ginit.eye_(ad.tensor(np.zeros(s))),
                     lambda s=shape: tinit.eye_(torch.zeros(s)), ValueError, ValueError)
    gi, ti = ad.tensor(np.zeros((3, 4), np.int64)), torch.zeros(3, 4, dtype=torch.int64)
    np.testing.assert_array_equal(_h(ginit.eye_(gi)), _h(tinit.eye_(ti)))


@pytest.mark.parametrize("dims", [3, 4, 5])
@pytest.mark.parametrize("groups", [1, 2, 3])
def test_dirac_properties(dims, groups):
    in_c, out_c = random.randint(1, 5), random.randint(1, 5) * groups
    size = [out_c, in_c] + [random.randint(1, 5) for _ in range(dims - 2)]
    g, t = ad.tensor(np.random.rand(*size)), torch.rand(size, dtype=torch.float64)
    ginit.dirac_(g, groups)
    tinit.dirac_(t, groups)
    np.testing.assert_array_equal(_h(g), _h(t))
    min_d = min(out_c // groups, in_c)
    assert np.count_nonzero(_h(g)) == min_d * groups == _h(g).sum()


@pytest.mark.parametrize("groups", [1, 3])
def test_dirac_identity(groups):
    batch, in_c, out_c, size, k = 8, 3, 9, 5, 3
    eff = out_c // groups
    for conv, spatial in ((G.conv1d, 1), (G.conv2d, 2), (G.conv3d, 3)):
        x = np.random.randn(batch, in_c, *([size] * spatial))
        w = ad.tensor(np.zeros((out_c, in_c) + (k,) * spatial))
        ginit.dirac_(w, groups)
        out = _h(conv(ad.tensor(x), w))
        inner = (slice(None), slice(None)) + (slice(1, -1),) * spatial
        for grp in range(groups):
            np.testing.assert_array_equal(x[inner], out[:, eff * grp: eff * grp + in_c])
            assert not np.any(out[:, eff * grp + in_c: eff * (grp + 1)])


def test_dirac_errors():
    for shape in ((3, 3), (1, 1, 1, 1, 1, 1)):
        _raises_both(lambda s=shape: ginit.dirac_(ad.tensor(np.zeros(s))),
                     lambda s=shape: tinit.dirac_(torch.zeros(s)), ValueError, ValueError)
    _raises_both(lambda: ginit.dirac_(ad.tensor(np.zeros((4, 2, 3))), groups=3),
                 lambda: tinit.dirac_(torch.zeros(4, 2, 3), groups=3), ValueError, ValueError)


def _fan(t):
    s = t.shape
    field = int(np.prod(s[2:])) if len(s) > 2 else 1
    return s[1] * field, s[0] * field


@pytest.mark.parametrize("use_gain", [True, False])
@pytest.mark.parametrize("dims", [2, 4])
def test_xavier(use_gain, dims):
    g, t = _nd(dims, 20, 25) if dims == 2 else _nd(dims, 5, 8)
    gain = random.uniform(1, 10) if use_gain else 1
    fan_in, fan_out = _fan(g)
    assert ginit._calculate_fan_in_and_fan_out(g) == tinit._calculate_fan_in_and_fan_out(t) == (
        fan_in, fan_out)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = std * math.sqrt(3)
    (ginit.xavier_uniform_(g, gain=gain) if use_gain else ginit.xavier_uniform_(g))
    assert _is_uniform(_h(g), -bound, bound)
    assert _is_uniform(_h(tinit.xavier_uniform_(t, gain=gain)), -bound, bound)
    (ginit.xavier_normal_(g, gain=gain) if use_gain else ginit.xavier_normal_(g))
    assert _is_normal(_h(g), 0, std)
    assert _is_normal(_h(tinit.xavier_normal_(t, gain=gain)), 0, std)


@pytest.mark.parametrize("use_a", [True, False])
@pytest.mark.parametrize("dims", [2, 4])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "FAN_OUT"])
def test_kaiming(use_a, dims, mode):
    g, t = _nd(dims, 20, 25) if dims == 2 else _nd(dims, 5, 8)
    a = random.uniform(0, 5) if use_a else 0
    fan_in, fan_out = _fan(g)
    n = fan_in if mode.lower() == "fan_in" else fan_out
    assert ginit._calculate_correct_fan(g, mode) == tinit._calculate_correct_fan(t, mode) == n
    std = math.sqrt(2.0 / ((1 + a**2) * n))
    bound = std * math.sqrt(3.0)
    ginit.kaiming_uniform_(g, a=a, mode=mode)
    assert _is_uniform(_h(g), -bound, bound)
    assert _is_uniform(_h(tinit.kaiming_uniform_(t, a=a, mode=mode)), -bound, bound)
    ginit.kaiming_normal_(g, a=a, mode=mode)
    assert _is_normal(_h(g), 0, std)
    assert _is_normal(_h(tinit.kaiming_normal_(t, a=a, mode=mode)), 0, std)


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_", "orthogonal_"])
@pytest.mark.parametrize("shape", [(), (3,)])
def test_errors_on_inputs_smaller_than_2d(name, shape):
    _raises_both(lambda: getattr(ginit, name)(ad.tensor(np.zeros(shape))),
                 lambda: getattr(tinit, name)(torch.zeros(shape)), ValueError, ValueError)


def test_kaiming_bad_mode_and_zero_element_warning():
    _raises_both(lambda: ginit.kaiming_uniform_(ad.tensor(np.zeros((3, 3))), mode="x"),
                 lambda: tinit.kaiming_uniform_(torch.zeros(3, 3), mode="x"),
                 ValueError, ValueError)
    for fn in ("kaiming_uniform_", "kaiming_normal_"):
        for _lib, mod, x in (("g", ginit, ad.tensor(np.zeros((0, 3)))),
                            ("t", tinit, torch.zeros(0, 3))):
            with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
                getattr(mod, fn)(x)


def test_sparse():
    _raises_both(lambda: ginit.sparse_(ad.tensor(np.zeros((3, 3, 3))), 0.1),
                 lambda: tinit.sparse_(torch.zeros(3, 3, 3), 0.1), ValueError, ValueError)
    for use_random_std in (False, True):
        g, t = ad.tensor(np.zeros((200, 5))), torch.zeros(200, 5, dtype=torch.float64)
        sparsity = random.uniform(0.1, 0.9)
        std = random.uniform(0.01, 0.2) if use_random_std else 0.01
        for x, fn in ((g, ginit.sparse_), (t, tinit.sparse_)):
            fn(x, sparsity, std) if use_random_std else fn(x, sparsity)
            v = _h(x)
            for col in range(v.shape[1]):
                assert (v[:, col] == 0).sum() >= math.ceil(sparsity * v.shape[0])
            assert _is_normal(v[v != 0], 0, std)


@pytest.mark.parametrize("use_gain", [True, False])
@pytest.mark.parametrize("size", [(3, 4), (4, 3), (20, 2, 3, 4), (2, 3, 4, 5)])
def test_orthogonal(use_gain, size):
    g, t = ad.tensor(np.zeros(size)), torch.zeros(size, dtype=torch.float64)
    gain = random.uniform(1, 2) if use_gain else 1
    for x, fn in ((g, ginit.orthogonal_), (t, tinit.orthogonal_)):
        fn(x, gain=gain) if use_gain else fn(x)
        rows = size[0]
        flat = _h(x).reshape(rows, -1)
        gram = flat.T @ flat if rows > flat.shape[1] else flat @ flat.T
        np.testing.assert_allclose(gram, np.eye(len(gram)) * gain**2, atol=1e-12)
    assert ginit.orthogonal_(ad.tensor(np.zeros((0, 3)))).shape == (0, 3)


def test_deprecated_spellings_warn():
    for name in ("uniform", "normal", "constant", "xavier_uniform", "xavier_normal",
                 "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"):
        args = (0.5,) if name in ("constant", "sparse") else ()
        x = ad.tensor(np.zeros((4, 4)))
        with pytest.warns(FutureWarning, match="deprecated"):
            getattr(ginit, name)(x, *args)
        with pytest.warns(FutureWarning, match="deprecated"):
            getattr(tinit, name)(torch.zeros(4, 4), *args)


@pytest.mark.parametrize("name,args", [
    ("uniform_", ()), ("normal_", ()), ("trunc_normal_", ()), ("xavier_uniform_", ()),
    ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
    ("orthogonal_", ()), ("sparse_", (0.5,)), ("constant_", (2.0,)), ("ones_", ()),
    ("zeros_", ()), ("eye_", ())])
def test_init_writes_without_recording_and_bumps_version(name, args):
    """An initialiser on a leaf that requires grad works under torch's no_grad (no
    'leaf Variable ... in-place' error), leaves it a leaf, and a graph that saved the old
    value refuses its backward."""
    for lib in ("gpuad", "torch"):
        if lib == "gpuad":
            w = ad.tensor(np.ones((4, 3)), requires_grad=True)
            fn = getattr(ginit, name)
        else:
            w = torch.ones(4, 3, dtype=torch.float64, requires_grad=True)
            fn = getattr(tinit, name)
        y = (w * w).sum()
        out = fn(w, *args)
        assert out is w and w.is_leaf and w.requires_grad
        with pytest.raises(Exception, match="modified|inplace|in place"):
            y.backward()
        (w * 2).sum().backward()
        np.testing.assert_array_equal(_h(w.grad), 2.0)


@pytest.mark.parametrize("name", ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                  "kaiming_normal_", "orthogonal_", "sparse_"])
def test_random_fill_of_integer_tensor_raises(name):
    args = (0.5,) if name == "sparse_" else ()
    _raises_both(lambda: getattr(ginit, name)(ad.tensor(np.zeros((3, 4), np.int64)), *args),
                 lambda: getattr(tinit, name)(torch.zeros(3, 4, dtype=torch.int64), *args),
                 TypeError, (NotImplementedError, RuntimeError))


def test_complex_fills_as_torch():
    g = ad.tensor(np.zeros(4000, complex))
    t = torch.zeros(4000, dtype=torch.complex128)
    for fn, args in (("normal_", (2.0, 3.0)), ("uniform_", (-1.0, 2.0))):
        for x, mod in ((g, ginit), (t, tinit)):
            v = _h(getattr(mod, fn)(x, *args))
            if fn == "normal_":  # each part N(mean, std^2 / 2), the mean on both
                assert _is_normal(v.real, 2.0, 3.0 / math.sqrt(2))
                assert _is_normal(v.imag, 2.0, 3.0 / math.sqrt(2))
            else:
                assert _is_uniform(v.real, -1, 2) and _is_uniform(v.imag, -1, 2)
    _raises_both(lambda: ginit.orthogonal_(ad.tensor(np.zeros((3, 3), complex))),
                 lambda: tinit.orthogonal_(torch.zeros(3, 3, dtype=torch.complex128)),
                 TypeError, (NotImplementedError, RuntimeError))
    _raises_both(lambda: ginit.trunc_normal_(ad.tensor(np.zeros(3, complex))),
                 lambda: tinit.trunc_normal_(torch.zeros(3, dtype=torch.complex128)),
                 TypeError, (NotImplementedError, RuntimeError))


# ============================ refusals where torch refuses ====================================


class _GTo32(gnn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x.astype(np.float32)


class _TTo32(tnn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x.float()


class _GId(gnn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x


class _TId(tnn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x


class _GCast32(gnn.Module):
    def forward(self, x):
        return x.astype(np.float32)


class _TCast32(tnn.Module):
    def forward(self, x):
        return x.float()


@pytest.mark.parametrize("unsafe", [False, True])
def test_parametrize_dtype_checks_as_torch(unsafe):
    _raises_both(
        lambda: gP.register_parametrization(gnn.Linear(2, 2), "weight", _GTo32(), unsafe=unsafe),
        lambda: tP.register_parametrization(tnn.Linear(2, 2).double(), "weight", _TTo32(),
                                            unsafe=unsafe), ValueError, ValueError)
    tm, gm = _pair_parametrized([(_TId, _GId)], n=2)
    for val in (np.ones((2, 2), np.float32), np.ones((2, 2), complex)):
        with pytest.raises(ValueError):
            with torch.no_grad():
                tm.weight = torch.tensor(val)
        with pytest.raises(ValueError, match="dtype"):
            gm.weight = gnp.asarray(val)
    tm, gm = tnn.Linear(2, 2).double(), gnn.Linear(2, 2)
    tP.register_parametrization(tm, "weight", _TCast32(), unsafe=True)
    gP.register_parametrization(gm, "weight", _GCast32(), unsafe=True)
    assert gm.weight.dtype == np.float32 and tm.weight.dtype == torch.float32
    _raises_both(lambda: gP.remove_parametrizations(gm, "weight", leave_parametrized=True),
                 lambda: tP.remove_parametrizations(tm, "weight", leave_parametrized=True),
                 RuntimeError, RuntimeError)


def test_complex_gradients_in_clipping():
    g = np.array([3 + 4j, 0.5 - 2j])
    tp = torch.ones(2, dtype=torch.complex128, requires_grad=True)
    gp = ad.tensor(np.ones(2, complex), requires_grad=True)
    tp.grad, gp.grad = torch.tensor(g), ad.tensor(g.copy())
    np.testing.assert_allclose(_h(gnn.utils.clip_grad_norm_(gp, 1.0)),
                               _h(tnn.utils.clip_grad_norm_(tp, 1.0)), **TOL)
    np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **TOL)
    _raises_both(lambda: gnn.utils.clip_grad_value_(gp, 0.1),
                 lambda: tnn.utils.clip_grad_value_(tp, 0.1), TypeError, NotImplementedError)


def test_vector_to_parameters_complex_into_real():
    """torch turns the real parameter complex (its .data is replaced); gpuad writes in place
    and refuses to drop the imaginary parts."""
    tw = torch.ones(3, dtype=torch.float64, requires_grad=True)
    tnn.utils.vector_to_parameters(torch.tensor([1 + 1j, 2, 3]), [tw])
    assert tw.dtype.is_complex
    with pytest.raises(TypeError, match="complex128"):
        gnn.utils.vector_to_parameters(ad.tensor(np.array([1 + 1j, 2, 3])),
                                       [ad.tensor(np.ones(3), requires_grad=True)])


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_orthogonal_parametrization_complex(orthogonal_map, shape):
    tm = tnn.Linear(shape[1], shape[0], dtype=torch.complex128)
    gm = gnn.Linear(shape[1], shape[0], dtype=np.complex128)
    _copy_module(tm, gm)
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=orthogonal_map)
    gpz.orthogonal(gm, orthogonal_map=orthogonal_map)
    if shape[0] == shape[1]:  # the base is a function of the weight: no random columns
        np.testing.assert_allclose(_h(gm.parametrizations.weight[0].base),
                                   _h(tm.parametrizations.weight[0].base), atol=1e-12)
    _copy_module(tm, gm)
    x = np.random.randn(2, shape[1]) + 1j * np.random.randn(2, shape[1])
    ty, gy = tm(torch.tensor(x)), gm(ad.tensor(x))
    np.testing.assert_allclose(_h(gy), _h(ty), atol=1e-12)
    c = np.random.randn(*ty.shape)
    (ty.real * torch.tensor(c)).sum().backward()
    (gnp.real(gy) * gnp.asarray(c)).sum().backward()
    np.testing.assert_allclose(_h(gm.parametrizations.weight.original.grad),
                               _h(tm.parametrizations.weight.original.grad), atol=1e-11)


def test_parametrization_same_training_mode():
    """test_parametrization_same_training_mode; and a spectral norm registered on a model in
    evaluation mode does no power step (torch's u, v loaded give torch's output)."""
    gm, tm = gnn.Linear(3, 3), tnn.Linear(3, 3).double()
    gm.eval()
    tm.eval()
    gP.register_parametrization(gm, "weight", _GId())
    tP.register_parametrization(tm, "weight", _TId())
    assert gm.parametrizations.weight[0].training == tm.parametrizations.weight[0].training
    assert not gm.parametrizations.weight[0].training
    gm.train()
    assert gm.parametrizations.weight[0].training
    gm, tm = gnn.Linear(4, 3), tnn.Linear(4, 3).double()
    _copy_module(tm, gm)
    gm.eval()
    tm.eval()
    gpz.spectral_norm(gm)
    torch.nn.utils.parametrizations.spectral_norm(tm)
    with torch.no_grad():
        tm.parametrizations.weight[0]._u.normal_()  # far from converged
    _copy_module(tm, gm)
    _, tx, gx = _t_input((2, 4))
    np.testing.assert_allclose(_h(gm(gx)), _h(tm(tx)), **TOL)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_weight_norm_state_dict_compat():
    tm = tnn.utils.weight_norm(tnn.Linear(4, 5).double())
    gm = gnn.Linear(4, 5)
    gnn.utils.weight_norm(gm)
    _copy_module(tm, gm)
    old = {k: gnp.asarray(v.detach().numpy()) for k, v in tm.state_dict().items()}
    tm2 = torch.nn.utils.parametrizations.weight_norm(tnn.Linear(4, 5).double())
    gm2 = gpz.weight_norm(gnn.Linear(4, 5))
    tm2.load_state_dict(tm.state_dict())
    gm2.load_state_dict(old)
    _, tx, gx = _t_input((3, 4))
    np.testing.assert_allclose(_h(gm2(gx)), _h(tm2(tx)), **TOL)
    np.testing.assert_allclose(_h(gm2(gx)), _h(gm(gx)), **TOL)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_old_norms_deepcopy():
    for apply, remove in ((gnn.utils.weight_norm, gnn.utils.remove_weight_norm),
                          (gnn.utils.spectral_norm, gnn.utils.remove_spectral_norm)):
        gm = apply(gnn.Linear(4, 5))
        gm2 = copy.deepcopy(gm)
        remove(gm2)
        with pytest.raises(ValueError):
            remove(gm2)
        remove(gm)  # the original keeps its own hook


@pytest.mark.parametrize("inplace", [False, True])
def test_functional_call_setattr_and_in_place(inplace):
    """test_stateless.py's test_setattr and test_in_place_operator: a tensor the forward
    replaces is written back into the caller's dict; one it modifies in place is the
    caller's tensor; the module's own buffer is untouched."""

    class G(gnn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("foo", gnp.asarray(np.array([0.0])))

        def forward(self, x):
            if inplace:
                self.foo.add_(1)
            else:
                self.foo = self.foo + 1
            return x + self.foo

    class T(tnn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("foo", torch.tensor([0.0], dtype=torch.float64))

        def forward(self, x):
            if inplace:
                self.foo.add_(1)
            else:
                self.foo = self.foo + 1
            return x + self.foo

    x = np.array([1.5])
    gfoo, tfoo = ad.tensor(np.array([2.0])), torch.tensor([2.0], dtype=torch.float64)
    ga, ta = {"foo": gfoo}, {"foo": tfoo}
    gm, tm = G(), T()
    np.testing.assert_array_equal(_h(gfunc.functional_call(gm, ga, ad.tensor(x))),
                                  _h(torch.func.functional_call(tm, ta, torch.tensor(x))))
    np.testing.assert_array_equal(_h(gm.foo), _h(tm.foo))
    np.testing.assert_array_equal(_h(ga["foo"]), _h(ta["foo"]))
    np.testing.assert_array_equal(_h(gfoo), _h(tfoo))
    assert (ga["foo"] is gfoo) == (ta["foo"] is tfoo) == inplace


def test_packed_sequence_type_casts():
    """test_packed_sequence.py's test_type_casts: the casts change the data's dtype only."""
    seqs = [np.arange(3.0), np.arange(2.0)]
    gp = grnn.pack_sequence([ad.tensor(s) for s in seqs])
    tp = tnn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs])
    for name in ("double", "float", "half", "long", "int", "short", "char", "byte", "cpu"):
        g, t = getattr(gp, name)(), getattr(tp, name)()
        assert isinstance(g, grnn.PackedSequence)
        assert str(g.data.dtype) == str(t.data.dtype).replace("torch.", "").replace(
            "half", "float16")
        np.testing.assert_array_equal(np.asarray(g.batch_sizes), _h(t.batch_sizes))
        np.testing.assert_array_equal(_h(g.data).astype(float), _h(t.data).astype(float))
    assert gp.to(np.float32).data.dtype == np.float32
    assert gp.is_cuda is False and gp.is_pinned() is False


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("how", ["old_weight_norm", "weight_norm", "old_spectral_norm",
                                 "spectral_norm"])
@pytest.mark.parametrize("kind,name,kw", [("LSTM", "weight_ih_l0", {}),
                                          ("GRU", "weight_hh_l0", {}),
                                          ("RNN", "weight_hh_l0", {}),
                                          ("LSTM", "weight_hr_l0", {"proj_size": 2})])
def test_rnn_weight_and_spectral_norm(how, kind, name, kw):
    """test_rnn_weight_norm / test_rnn_spectral_norm: a recurrent layer reads the normalised
    weight (its parametrized property too), values and gradients as torch's. (torch's RNN
    reads a parametrized weight more than once per call, each read a power step of
    spectral_norm; gpuad reads it once: the parametrized spectral norm is compared in
    evaluation mode.)"""
    tm, gm = getattr(tnn, kind)(3, 4, **kw).double(), getattr(gnn, kind)(3, 4, **kw)
    _copy_module(tm, gm)
    n_params = len(list(gm.parameters()))
    tfn = {"old_weight_norm": tnn.utils.weight_norm,
           "weight_norm": torch.nn.utils.parametrizations.weight_norm,
           "old_spectral_norm": tnn.utils.spectral_norm,
           "spectral_norm": torch.nn.utils.parametrizations.spectral_norm}[how]
    gfn = {"old_weight_norm": gnn.utils.weight_norm, "weight_norm": gpz.weight_norm,
           "old_spectral_norm": gnn.utils.spectral_norm, "spectral_norm": gpz.spectral_norm}[how]
    tfn(tm, name)
    gfn(gm, name)
    _copy_module(tm, gm)
    if how == "spectral_norm":
        tm.eval()
        gm.eval()
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert len(list(gm.parameters())) == n_params + ("weight_norm" in how)
    _, tx, gx = _t_input((5, 2, 3))
    ty, gy = tm(tx)[0], gm(gx)[0]
    np.testing.assert_allclose(_h(gy), _h(ty), **GTOL)
    c = np.random.randn(*ty.shape)
    (ty * torch.tensor(c)).sum().backward()
    (gy * gnp.asarray(c)).sum().backward()
    for (n, tp), (_, gp) in zip(tm.named_parameters(), gm.named_parameters(), strict=True):
        np.testing.assert_allclose(_h(gp.grad), _h(tp.grad), **GTOL, err_msg=n)


@pytest.mark.parametrize("val,dtype", [(1 + 1j, "float64"), (math.nan, "int64"),
                                       (math.inf, "int64"), (0.7, "int64"), (2.5, "bool"),
                                       (300, "uint8"), (-1, "uint8"), (1 + 1j, "complex128"),
                                       (-3, "int8")])
def test_constant_fill_checks_as_torch(val, dtype):
    t = torch.zeros(2, dtype=getattr(torch, dtype))
    g = ad.tensor(np.zeros(2, dtype))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expect = _h(tinit.constant_(t, val))
    except RuntimeError:
        with pytest.raises((TypeError, ValueError)):
            ginit.constant_(g, val)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(_h(ginit.constant_(g, val)), expect)


def test_skip_init():
    lin = gnn.utils.skip_init(gnn.Linear, 3, 4, bias=False)
    assert lin.weight.shape == tuple(tnn.utils.skip_init(tnn.Linear, 3, 4).weight.shape)
    assert lin.bias is None
    _raises_both(lambda: gnn.utils.skip_init(gnn.ReLU), lambda: tnn.utils.skip_init(tnn.ReLU),
                 RuntimeError, RuntimeError)


@pytest.mark.parametrize("name,args", [("uniform_", (2.0, -2.0)), ("uniform_", (0.0, math.inf)),
                                       ("normal_", (0.0, -1.0)), ("xavier_uniform_", (-1.0,)),
                                       ("xavier_normal_", (-1.0,)), ("uniform_", (1.0, 1.0)),
                                       ("normal_", (0.5, 0.0))])
def test_bad_ranges_raise_as_torch(name, args):
    try:
        expect = _h(getattr(tinit, name)(torch.zeros(3, 2, dtype=torch.float64), *args))
    except RuntimeError:
        with pytest.raises(ValueError, match=name.rstrip("_").split("_")[0]):
            getattr(ginit, name)(ad.tensor(np.zeros((3, 2))), *args)
        return
    np.testing.assert_array_equal(_h(getattr(ginit, name)(ad.tensor(np.zeros((3, 2))), *args)),
                                  expect)


@pytest.mark.parametrize("how", ["custom", "weight_norm"])
def test_register_and_remove_buffer_parametrization(how):
    """test_register_and_remove_buffer_parametrization: the original of a buffer stays a
    buffer (in state_dict and named_buffers), and a buffer again after removal."""

    class G(gnn.Module):
        def __init__(self):
            super().__init__()
            self.w = gnn.Parameter(gnp.ones(2))
            self.register_buffer("buf", gnp.asarray(np.arange(1.0, 4.0)))

    class T(tnn.Module):
        def __init__(self):
            super().__init__()
            self.w = tnn.Parameter(torch.ones(2, dtype=torch.float64))
            self.register_buffer("buf", torch.arange(1.0, 4.0, dtype=torch.float64))

    gm, tm = G(), T()
    if how == "custom":
        gP.register_parametrization(gm, "buf", _GInit())
        tP.register_parametrization(tm, "buf", _TInit())
    else:
        gpz.weight_norm(gm, "buf", dim=None)
        torch.nn.utils.parametrizations.weight_norm(tm, "buf", dim=None)
    assert [n for n, _ in gm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()] == ["w"]
    np.testing.assert_allclose(_h(gm.buf), _h(tm.buf), **TOL)
    gP.remove_parametrizations(gm, "buf")
    tP.remove_parametrizations(tm, "buf")
    assert [n for n, _ in gm.named_buffers()] == [n for n, _ in tm.named_buffers()] == ["buf"]
    assert list(gm.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(_h(gm.buf), _h(tm.buf), **TOL)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_parametrization_argument_errors_as_torch():
    pairs = [
        (lambda: gpz.spectral_norm(gnn.Linear(3, 3), n_power_iterations=0),
         lambda: torch.nn.utils.parametrizations.spectral_norm(tnn.Linear(3, 3),
                                                               n_power_iterations=0)),
        (lambda: gpz.spectral_norm(gnn.Linear(3, 3), dim=5),
         lambda: torch.nn.utils.parametrizations.spectral_norm(tnn.Linear(3, 3), dim=5)),
        (lambda: gpz.orthogonal(gnn.Linear(3, 3), "bias"),
         lambda: torch.nn.utils.parametrizations.orthogonal(tnn.Linear(3, 3), "bias")),
        (lambda: gpz.orthogonal(gnn.Linear(3, 3), orthogonal_map="x"),
         lambda: torch.nn.utils.parametrizations.orthogonal(tnn.Linear(3, 3),
                                                            orthogonal_map="x")),
        (lambda: gpz.weight_norm(gnn.Linear(3, 3), dim=5)(ad.tensor(np.ones((1, 3)))),
         lambda: torch.nn.utils.parametrizations.weight_norm(tnn.Linear(3, 3), dim=5)(
             torch.ones(1, 3))),
        (lambda: gpz.weight_norm(gnn.Linear(3, 3), dim=-3),
         lambda: torch.nn.utils.parametrizations.weight_norm(tnn.Linear(3, 3), dim=-3)(
             torch.ones(1, 3))),
        (lambda: gnn.utils.weight_norm(gnn.Linear(3, 3), dim=5),
         lambda: tnn.utils.weight_norm(tnn.Linear(3, 3), dim=5)),
    ]
    for g, t in pairs:
        _raises_both(g, t, (ValueError, IndexError), (ValueError, IndexError, RuntimeError))


class _GTiedMod(gnn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = gnn.Linear(1, 1)
        self.tied_bias = self.l1.bias
        self.register_buffer("buffer", gnp.ones(1))
        self.register_buffer("tied_buffer", self.buffer)

    def forward(self, x):
        return self.l1(x) + self.tied_bias + self.buffer + self.tied_buffer


class _TTiedMod(tnn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = tnn.Linear(1, 1).double()
        self.tied_bias = self.l1.bias
        self.register_buffer("buffer", torch.ones(1, dtype=torch.float64))
        self.register_buffer("tied_buffer", self.buffer)

    def forward(self, x):
        return self.l1(x) + self.tied_bias + self.buffer + self.tied_buffer


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("tie", [True, False])
@pytest.mark.parametrize("keys", [("l1.weight", "l1.bias", "buffer"), ("l1.bias",),
                                  ("l1.weight", "l1.bias", "buffer", "tied_bias",
                                   "tied_buffer")])
def test_functional_call_tie_weights_and_strict(strict, tie, keys):
    """test_stateless's test_reparametrize_tie_weights(_strict), test_tied_weights_warns and
    test_reparametrize_strict: the same result, or an error where torch raises."""
    g, t = _GTiedMod(), _TTiedMod()
    with torch.no_grad():
        t.l1.weight.fill_(0.5)
        t.l1.bias.fill_(0.25)
    g.l1.weight.data[...] = 0.5
    g.l1.bias.data[...] = 0.25
    vals = {"l1.weight": [[3.0]], "l1.bias": [5.0], "buffer": [7.0], "tied_bias": [5.0],
            "tied_buffer": [7.0]}
    x = np.array([[2.0]])
    try:
        expect = _h(torch.func.functional_call(
            t, {k: torch.tensor(vals[k], dtype=torch.float64) for k in keys},
            (torch.tensor(x),), tie_weights=tie, strict=strict))
    except (RuntimeError, ValueError) as e:
        with pytest.raises(type(e)):
            gfunc.functional_call(g, {k: ad.tensor(np.array(vals[k])) for k in keys},
                                  (ad.tensor(x),), tie_weights=tie, strict=strict)
        return
    got = gfunc.functional_call(g, {k: ad.tensor(np.array(vals[k])) for k in keys},
                                (ad.tensor(x),), tie_weights=tie, strict=strict)
    np.testing.assert_allclose(_h(got), expect, **TOL)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("norm_type", [2, 0.5, -2, 1, math.inf])
@pytest.mark.parametrize("vals", [[300.0, 400.0], [1e-5, 1e-5]])
def test_clip_grad_norm_half_accumulates_in_float32(norm_type, vals):
    gp = ad.tensor(np.ones(2, np.float16), requires_grad=True)
    gp.grad = ad.tensor(np.array(vals, np.float16))
    tp = torch.ones(2, dtype=torch.float16, requires_grad=True)
    tp.grad = torch.tensor(vals, dtype=torch.float16)
    gn = gnn.utils.clip_grad_norm_(gp, 1.0, norm_type)
    tn = tnn.utils.clip_grad_norm_(tp, 1.0, norm_type)
    assert gn.dtype == np.float16
    np.testing.assert_array_equal(_h(gn), _h(tn))
    np.testing.assert_array_equal(_h(gp.grad), _h(tp.grad))
