"""torch.amp side by side with gpuad.amp (torch on the CPU, float16).

Ported from torch's test/test_autocast.py (CPU autocast: op dtypes, nesting, the decorator,
the errors), the grad-scaling tests of test/test_cuda.py and test/test_torch.py
(test_grad_scaling_unscale, _update_scale, _state_dict, _scale (nested outputs),
_multiple, _clipping, _penalty, _accumulation, _autocast; torch runs them with
``torch.amp.GradScaler("cpu")``) and the AMP examples of docs/source/notes/amp_examples.rst.
torch's CPU autocast lists differ from its CUDA lists, which gpuad follows: the op dtypes are
compared with torch where both lists agree, elsewhere with float32 computed by torch on the
float16-rounded inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

TF = torch.nn.functional
H = dict(rtol=2e-3, atol=2e-3)  # float16 results (rounded once apart)
S = dict(rtol=1e-5, atol=1e-6)  # float32 results


def _rng(seed=0):
    return np.random.default_rng(seed)


def _pair(a, grad=True):
    return (ad.tensor(a.copy(), requires_grad=grad),
            torch.tensor(a.copy(), requires_grad=grad))


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.numpy())


# ---- op dtypes where torch's CPU and CUDA lists agree ----------------------------------------
def _low_cases():
    r = _rng(1)
    f = lambda *s: r.standard_normal(s).astype(np.float32)  # noqa: E731
    return [
        ("linear", (f(3, 5), f(4, 5), f(4)), lambda m, a: m[0].linear(*a)),
        ("matmul", (f(3, 5), f(5, 2)), lambda m, a: m[1](a[0], a[1])),
        ("matmul_op", (f(2, 3, 5), f(5, 2)), lambda m, a: a[0] @ a[1]),
        ("mm", (f(3, 5), f(5, 2)), lambda m, a: a[0].mm(a[1])),
        ("bmm", (f(2, 3, 5), f(2, 5, 2)), lambda m, a: a[0].bmm(a[1])),
        ("addmm", (f(3, 2), f(3, 5), f(5, 2)), lambda m, a: a[0].addmm(a[1], a[2])),
        ("baddbmm", (f(2, 3, 2), f(2, 3, 5), f(2, 5, 2)),
         lambda m, a: a[0].baddbmm(a[1], a[2])),
        ("conv2d", (f(2, 3, 6, 6), f(4, 3, 3, 3), f(4)), lambda m, a: m[0].conv2d(*a)),
        ("conv1d", (f(2, 3, 7), f(4, 3, 2)), lambda m, a: m[0].conv1d(*a)),
        ("prelu", (f(2, 3, 4), f(3)), lambda m, a: m[0].prelu(*a)),
        ("einsum", (f(3, 5), f(5, 2)), lambda m, a: m[2]("ij,jk->ik", a[0], a[1])),
        ("conv3d", (f(1, 2, 4, 4, 4), f(3, 2, 2, 2, 2)), lambda m, a: m[0].conv3d(*a)),
        ("conv_transpose2d", (f(1, 2, 4, 4), f(2, 3, 3, 3)),
         lambda m, a: m[0].conv_transpose2d(*a)),
        ("addbmm", (f(3, 2), f(2, 3, 5), f(2, 5, 2)), lambda m, a: a[0].addbmm(a[1], a[2])),
        ("mv", (f(3, 5), f(5)), lambda m, a: a[0].mv(a[1])),
        ("addmv", (f(3), f(3, 5), f(5)), lambda m, a: a[0].addmv(a[1], a[2])),
        ("addr", (f(3, 2), f(3), f(2)), lambda m, a: a[0].addr(a[1], a[2])),
        ("sdpa", (f(1, 2, 3, 4), f(1, 2, 5, 4), f(1, 2, 5, 4)),
         lambda m, a: m[0].scaled_dot_product_attention(*a)),
    ]


_G = (F, gnp.matmul, gnp.einsum)
_CUDA_ONLY = {"mv", "addmv", "addr"}  # on torch's CUDA lower-precision list, not its CPU one
_T = (TF, torch.matmul, torch.einsum)


@pytest.mark.parametrize("name,arrs,fn", _low_cases(), ids=[c[0] for c in _low_cases()])
def test_lower_precision_ops(name, arrs, fn):
    gs, ts = zip(*[_pair(a) for a in arrs], strict=True)
    with ad.autocast("cpu", dtype=np.float16):
        g = fn(_G, gs)
    if name in _CUDA_ONLY:  # torch's CPU list leaves these: its float32 of float16 inputs
        with torch.no_grad():
            t = fn(_T, [x.half().float() for x in ts])
    else:
        with torch.autocast("cpu", dtype=torch.float16):
            t = fn(_T, ts)
        assert t.dtype == torch.float16
    assert g.dtype == np.float16
    np.testing.assert_allclose(_np(g).astype(np.float32), _np(t).astype(np.float32), **H)
    if name in _CUDA_ONLY:
        return
    c = _rng(2).standard_normal(g.shape).astype(np.float32)
    (g.astype(np.float32) * c).sum().backward()
    (t.float() * torch.tensor(c)).sum().backward()
    for a, b in zip(gs, ts, strict=True):
        assert a.grad.dtype == np.float32  # through the cast's adjoint
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=2e-2, atol=2e-2)


def _fp32_cases():
    r = _rng(3)
    f = lambda *s: r.standard_normal(s).astype(np.float32)  # noqa: E401, E731
    lab = np.array([1, 0, 3])
    return [
        ("mse_loss", (f(3, 4), f(3, 4)), lambda m, a: m.mse_loss(*a)),
        ("l1_loss", (f(3, 4), f(3, 4)), lambda m, a: m.l1_loss(*a)),
        ("smooth_l1_loss", (f(3, 4), f(3, 4)), lambda m, a: m.smooth_l1_loss(*a)),
        ("huber_loss", (f(3, 4), f(3, 4)), lambda m, a: m.huber_loss(*a)),
        ("bce_logits", (f(3, 4), np.abs(f(3, 4)) % 1),
         lambda m, a: m.binary_cross_entropy_with_logits(*a)),
        ("cross_entropy", (f(3, 4),), lambda m, a: m.cross_entropy(
            a[0], lab if m is F else torch.tensor(lab))),
        ("nll_loss", (f(3, 4),), lambda m, a: m.nll_loss(
            a[0], lab if m is F else torch.tensor(lab))),
        ("kl_div", (f(3, 4), np.abs(f(3, 4))),
         lambda m, a: m.kl_div(a[0], a[1], reduction="batchmean")),
        ("soft_margin_loss", (f(3, 4), np.sign(f(3, 4))), lambda m, a: m.soft_margin_loss(*a)),
        ("margin_ranking_loss", (f(5), f(5), np.sign(f(5))),
         lambda m, a: m.margin_ranking_loss(*a)),
        ("poisson_nll_loss", (f(3, 4), np.abs(f(3, 4))), lambda m, a: m.poisson_nll_loss(*a)),
    ]


@pytest.mark.parametrize("name,arrs,fn", _fp32_cases(), ids=[c[0] for c in _fp32_cases()])
def test_float32_losses_from_float16(name, arrs, fn):
    """Losses of float16 inputs (a linear layer's output) run in float32 in both."""
    h = [a.astype(np.float16) for a in arrs]
    gs = [ad.tensor(a) for a in h]
    ts = [torch.tensor(a) for a in h]
    with ad.autocast("cpu", dtype=np.float16):
        g = fn(F, gs)
    with torch.autocast("cpu", dtype=torch.float16):
        t = fn(TF, ts)
    assert g.dtype == np.float32 and t.dtype == torch.float32
    np.testing.assert_allclose(_np(g), _np(t), **S)


def _cuda_fp32_cases():
    """Ops on torch's CUDA float32 list that its CPU list leaves alone: compared with torch's
    float32 result of the float16 input (what CUDA autocast computes)."""
    return [
        ("exp", lambda m, x: m.exp(x)),
        ("log1p", lambda m, x: (m.log1p(m.abs(x)))),
        ("sum", lambda m, x: m.sum(x)),
        ("cumsum", lambda m, x: x.cumsum(1) if m is torch else gnp.cumsum(x, axis=1)),
        ("pow", lambda m, x: x ** 3),
        ("rpow", lambda m, x: 2.0 ** x),
        ("rdiv", lambda m, x: 1.0 / x),
        ("softmax", lambda m, x: (TF if m is torch else F).softmax(x, dim=1)),
        ("log_softmax", lambda m, x: (TF if m is torch else F).log_softmax(x, dim=1)),
        ("layer_norm", lambda m, x: (TF if m is torch else F).layer_norm(x, (4,))),
        ("softplus", lambda m, x: (TF if m is torch else F).softplus(x)),
        ("prod", lambda m, x: m.prod(x)),
        ("tan", lambda m, x: m.tan(x)),
        ("cosh", lambda m, x: m.cosh(x)),
        ("sinh", lambda m, x: m.sinh(x)),
        ("acos", lambda m, x: (m.acos if m is torch else m.arccos)(x / 4)),
        ("reciprocal", lambda m, x: m.reciprocal(x)),
        ("rsqrt", lambda m, x: x.abs().rsqrt()),
        ("erfinv", lambda m, x: (x / 4).erfinv()),
        ("norm", lambda m, x: x.norm()),
        ("logsumexp", lambda m, x: (TF if m is torch else F).logsumexp(x, 1) if m is not torch
         else torch.logsumexp(x, 1)),
        ("cosine_similarity", lambda m, x: (TF if m is torch else F).cosine_similarity(
            x, x.flip(0) if m is torch else gnp.flip(x, 0))),
        ("cdist", lambda m, x: (torch if m is torch else F).cdist(
            x, x.flip(0) if m is torch else gnp.flip(x, 0))),
        ("normalize", lambda m, x: (TF if m is torch else F).normalize(x)),
        ("group_norm", lambda m, x: (TF if m is torch else F).group_norm(x[None], 3)),
        ("softmin", lambda m, x: (TF if m is torch else F).softmin(x, dim=1)),
        ("interpolate", lambda m, x: (TF if m is torch else F).interpolate(
            x[None], scale_factor=2, mode="linear")),
    ]


@pytest.mark.parametrize("name,fn", _cuda_fp32_cases(), ids=[c[0] for c in _cuda_fp32_cases()])
def test_cuda_float32_list(name, fn):
    x = _rng(4).standard_normal((3, 4)).astype(np.float16)
    with ad.autocast("cuda"):
        g = fn(gnp, ad.tensor(x))
    t = fn(torch, torch.tensor(x.astype(np.float32)))
    assert g.dtype == np.float32
    np.testing.assert_allclose(_np(g), _np(t), **S)


def test_float32_list_keeps_explicit_dtype_and_float64():
    x16 = ad.tensor(np.ones((2, 3), np.float16))
    x64 = ad.tensor(np.ones((2, 3)))
    with ad.autocast("cuda"):
        assert gnp.sum(x16, dtype=np.float16).dtype == np.float16
        assert gnp.exp(x64).dtype == np.float64  # float64 is never cast, as torch
        assert gnp.matmul(x64, x64.T).dtype == np.float64
        w = torch.ones(3, 3, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.float16):
        assert (w @ w).dtype == torch.float64


def test_promote_list():
    a16 = np.ones(3, np.float16)
    a32 = np.full(3, 2.0, np.float32)
    with ad.autocast("cuda"):
        assert gnp.dot(ad.tensor(a16), ad.tensor(a32)).dtype == np.float32
        assert gnp.dot(ad.tensor(a16), ad.tensor(a16)).dtype == np.float16
        assert gnp.concatenate([ad.tensor(a16), ad.tensor(a32)]).dtype == np.float32
        assert ad.tensor(a16).addcmul(ad.tensor(a32), ad.tensor(a16)).dtype == np.float32
    with torch.autocast("cpu", dtype=torch.float16):
        assert torch.cat([torch.tensor(a16), torch.tensor(a32)]).dtype == torch.float32


def test_unlisted_ops_keep_dtype():
    x = np.linspace(-2, 2, 12, dtype=np.float16).reshape(3, 4)
    for gf, tf in ((F.relu, TF.relu), (F.gelu, TF.gelu), (gnp.tanh, torch.tanh),
                   (F.sigmoid, torch.sigmoid), (F.silu, TF.silu)):
        with ad.autocast("cpu", dtype=np.float16):
            g = gf(ad.tensor(x))
        with torch.autocast("cpu", dtype=torch.float16):
            t = tf(torch.tensor(x))
        assert g.dtype == np.float16 and t.dtype == torch.float16, gf
        np.testing.assert_allclose(_np(g).astype(np.float32), _np(t).astype(np.float32), **H)


def test_binary_cross_entropy_banned():
    p = ad.tensor(np.full(3, 0.5, np.float32))
    with ad.autocast("cuda"), pytest.raises(RuntimeError, match="unsafe to autocast"):
        F.binary_cross_entropy(p, p)
    F.binary_cross_entropy(p, p)  # fine outside


# ---- test_autocast.py: nesting, state, decorator, errors -------------------------------------
def test_nested_disabled_and_state():
    x, w = _pair(np.ones((2, 2), np.float32))
    with ad.autocast("cuda"), torch.autocast("cpu", dtype=torch.float16):
        assert ad.is_autocast_enabled() and ad.is_autocast_enabled("cuda")
        assert not ad.is_autocast_enabled("cpu")
        assert (x @ x).dtype == np.float16 and (w @ w).dtype == torch.float16
        with ad.autocast("cuda", enabled=False), torch.autocast("cpu", enabled=False):
            assert not ad.is_autocast_enabled()
            assert (x @ x).dtype == np.float32 and (w @ w).dtype == torch.float32
        assert (x @ x).dtype == np.float16 and (w @ w).dtype == torch.float16
    assert not ad.is_autocast_enabled() and (x @ x).dtype == np.float32
    assert ad.get_autocast_dtype("cuda") == np.float16 == np.dtype(
        str(torch.get_autocast_dtype("cuda")).split(".")[1])


def test_decorator():
    @ad.autocast("cuda")
    def f(a):
        return a @ a

    @torch.autocast("cpu", dtype=torch.float16)
    def g(a):
        return a @ a

    x, w = _pair(np.ones((2, 2), np.float32))
    assert f(x).dtype == np.float16 and g(w).dtype == torch.float16
    assert (x @ x).dtype == np.float32


def test_errors():
    with pytest.raises(TypeError, match="bfloat16"):
        ad.autocast("cpu")  # torch's CPU default: bfloat16
    with pytest.raises(TypeError, match="bfloat16"):
        ad.autocast("cuda", dtype=torch.bfloat16)
    with pytest.raises(TypeError, match="bfloat16"):
        ad.get_autocast_dtype("cpu")
    with ad.autocast("cpu", enabled=False):  # disabled: the dtype is not used
        pass
    with pytest.raises(ValueError, match="device_type"):
        ad.autocast(0)
    with pytest.raises(ValueError):
        torch.autocast(0)
    with pytest.raises(RuntimeError, match="device_type"):
        ad.autocast("tpu")
    with pytest.warns(UserWarning, match="Disabling autocast"):
        a = ad.autocast("cuda", dtype=np.float32)
    with a:
        assert not ad.is_autocast_enabled()
    with pytest.warns(UserWarning, match="Disabling autocast"):
        torch.autocast("cpu", dtype=torch.float32)


def test_jit_retraces_on_autocast_state():
    f = ad.jit(lambda a, b: a @ b)
    x = ad.tensor(np.ones((2, 2), np.float32))
    assert f(x, x).dtype == np.float32
    with ad.autocast("cuda"):
        assert f(x, x).dtype == np.float16
        with ad.autocast("cuda", enabled=False):
            assert f(x, x).dtype == np.float32
    assert f(x, x).dtype == np.float32


# ---- GradScaler ------------------------------------------------------------------------------
def _models(seed=0, sizes=(4, 6, 3)):
    """A two-layer MLP in gpuad and torch with the same weights."""
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                             torch.nn.Linear(sizes[1], sizes[2]))
    gm = gnn.Sequential(gnn.Linear(sizes[0], sizes[1]), gnn.ReLU(),
                        gnn.Linear(sizes[1], sizes[2])).float()
    for gp, tp in zip(gm.parameters(), tm.parameters(), strict=True):
        gp._data[...] = tp.detach().numpy().astype(np.float32)
        assert gp.dtype == np.float32
    return gm, tm


def _data(n=4, seed=5, sizes=(4, 6, 3)):
    r = _rng(seed)
    return [(r.standard_normal((8, sizes[0])).astype(np.float32),
             r.standard_normal((8, sizes[2])).astype(np.float32)) for _ in range(n)]


def _close_params(gm, tm, **tol):
    for gp, tp in zip(gm.parameters(), tm.parameters(), strict=True):
        np.testing.assert_allclose(_np(gp), _np(tp), **(tol or S))


def test_unscale_and_found_inf():
    """test_grad_scaling_unscale: grads divided by the scale; an inf found per optimizer."""
    for bad in (None, np.inf, np.nan):
        gs = ad.amp.GradScaler(init_scale=4.0)
        ts = torch.amp.GradScaler("cpu", init_scale=4.0)
        g = np.full((2, 2), 4.0, np.float32)
        if bad is not None:
            g[1, 1] = bad
        gp, tp = _pair(np.zeros((2, 2), np.float32))
        gp.grad = ad.tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
        go, to = ad.optim.SGD([gp], lr=1.0), torch.optim.SGD([tp], lr=1.0)
        gs.scale(ad.tensor(np.float32(1.0)))
        ts.scale(torch.tensor(1.0))
        gs.unscale_(go)
        ts.unscale_(to)
        np.testing.assert_array_equal(_np(gp.grad), _np(tp.grad))
        gs.step(go)
        ts.step(to)
        np.testing.assert_array_equal(_np(gp), _np(tp))  # skipped where inf/nan
        gs.update()
        ts.update()
        assert gs.get_scale() == ts.get_scale() == (2.0 if bad is not None else 4.0)


def test_update_scale_rule():
    """test_grad_scaling_update_scale: backoff on inf, growth after growth_interval."""
    kw = dict(init_scale=2.0**10, growth_factor=3.0, backoff_factor=0.3, growth_interval=2)
    gs, ts = ad.amp.GradScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    gp, tp = _pair(np.zeros(3, np.float32))
    go, to = ad.optim.SGD([gp], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    gs.scale(ad.tensor(np.float32(1.0)))
    ts.scale(torch.tensor(1.0))
    for k, bad in enumerate([False, False, False, True, False, True, True, False, False]):
        v = np.full(3, np.inf if bad else 1.0, np.float32)
        gp.grad, tp.grad = ad.tensor(v.copy()), torch.tensor(v.copy())
        assert (gs.step(go) is None) and (ts.step(to) is None)
        gs.update()
        ts.update()
        assert gs.get_scale() == ts.get_scale(), k
        assert gs._get_growth_tracker() == ts._get_growth_tracker(), k
        np.testing.assert_allclose(_np(gp), _np(tp), **S)  # (SGD's rounding: 1 ulp apart)
    assert gs.state_dict() == ts.state_dict()


def test_update_new_scale_and_errors():
    gs, ts = ad.amp.GradScaler(), torch.amp.GradScaler("cpu")
    for s in (gs, ts):
        with pytest.raises(AssertionError, match="_scale is None"):
            s.update()
    gs.scale(ad.tensor(np.float32(1.0)))
    ts.scale(torch.tensor(1.0))
    for s in (gs, ts):
        with pytest.raises(AssertionError, match="No inf checks"):
            s.update()
    gs.update(new_scale=8.0)
    ts.update(new_scale=8.0)
    gs.update(ad.tensor(np.float32(16.0)))
    ts.update(torch.tensor(16.0))
    assert gs.get_scale() == ts.get_scale() == 16.0
    gs.update(ad.tensor(np.array([32.0], np.float32)))  # torch's copy_ refuses (1,) here
    assert gs.get_scale() == 32.0
    with pytest.raises(AssertionError):
        gs.update(ad.tensor(np.ones(2, np.float32)))
    with pytest.raises(AssertionError):
        ts.update(torch.ones(2))
    for s in ((gs, ad), (ts, torch)):
        with pytest.raises(AssertionError, match="growth factor"):
            type(s[0])(growth_factor=1.0) if s[1] is ad else torch.amp.GradScaler(
                "cpu", growth_factor=1.0)
        with pytest.raises(AssertionError, match="backoff factor"):
            type(s[0])(backoff_factor=1.0) if s[1] is ad else torch.amp.GradScaler(
                "cpu", backoff_factor=1.0)


def test_unscale_twice_step_twice_closure():
    gp, tp = _pair(np.ones(2, np.float32))
    go, to = ad.optim.SGD([gp], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    gs, ts = ad.amp.GradScaler(), torch.amp.GradScaler("cpu")
    gs.scale(gp.sum()).backward()
    ts.scale(tp.sum()).backward()
    for s, o in ((gs, go), (ts, to)):
        s.unscale_(o)
        with pytest.raises(RuntimeError, match="already been called on this optimizer"):
            s.unscale_(o)
        with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
            s.step(o, closure=lambda: 0.0)
        s.step(o)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            s.step(o)
        with pytest.raises(RuntimeError, match="after step"):
            s.unscale_(o)
        s.update()
    np.testing.assert_array_equal(_np(gp), _np(tp))


def test_unscale_fp16_grads_refused():
    for s, p in ((ad.amp.GradScaler(), ad.tensor(np.ones(2, np.float16), requires_grad=True)),
                 (torch.amp.GradScaler("cpu"), torch.ones(2, dtype=torch.float16,
                                                         requires_grad=True))):
        o = (ad.optim.SGD if s.__class__ is ad.amp.GradScaler else torch.optim.SGD)([p], lr=1.0)
        s.scale(p.sum()).backward()
        with pytest.raises(ValueError, match="FP16 gradients"):
            s.unscale_(o)


def test_scale_nested_outputs():
    """test_grad_scaling_scale: a Tensor, nested lists and tuples; dtypes as torch."""
    gs, ts = ad.amp.GradScaler(init_scale=2.0), torch.amp.GradScaler("cpu", init_scale=2.0)
    a = np.ones(2, np.float32)
    h = np.ones(2, np.float16)
    go = gs.scale([ad.tensor(a), (ad.tensor(h), [ad.tensor(a)]), ad.tensor(np.float16(3))])
    to = ts.scale([torch.tensor(a), (torch.tensor(h), [torch.tensor(a)]),
                   torch.tensor(np.float16(3))])
    assert isinstance(go, list) and isinstance(go[1], tuple) and isinstance(go[1][1], list)
    flat_g = [go[0], go[1][0], go[1][1][0], go[2]]
    flat_t = [to[0], to[1][0], to[1][1][0], to[2]]
    for g, t in zip(flat_g, flat_t, strict=True):
        assert str(g.dtype) == str(t.dtype).split(".")[1]
        np.testing.assert_array_equal(_np(g), _np(t))
    for s in (gs, ts):
        with pytest.raises(ValueError, match="outputs must be a Tensor"):
            s.scale(3.0)


def test_state_dict_and_disabled():
    """test_grad_scaling_state_dict; enabled=False passes through."""
    kw = dict(init_scale=3.0, growth_factor=4.0, backoff_factor=0.5, growth_interval=2)
    gs, ts = ad.amp.GradScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    assert gs.state_dict() == ts.state_dict()
    gs.scale(ad.tensor(np.float32(1.0)))
    ts.scale(torch.tensor(1.0))
    g2, t2 = ad.amp.GradScaler(), torch.amp.GradScaler("cpu")
    g2.load_state_dict(gs.state_dict())
    t2.load_state_dict(ts.state_dict())
    assert g2.state_dict() == t2.state_dict()
    assert g2.get_growth_factor() == 4.0 and g2.get_growth_interval() == 2
    gd, td = ad.amp.GradScaler(enabled=False), torch.amp.GradScaler("cpu", enabled=False)
    assert gd.state_dict() == td.state_dict() == {}
    assert gd.get_scale() == td.get_scale() == 1.0
    assert not gd.is_enabled() and not td.is_enabled()
    for s in (g2, t2):
        with pytest.raises(RuntimeError, match="state dict is empty"):
            s.load_state_dict({})
    x = ad.tensor(np.ones(2, np.float32))
    assert gd.scale(x) is x
    p = ad.tensor(np.ones(2, np.float32), requires_grad=True)
    o = ad.optim.SGD([p], lr=1.0)
    p.grad = ad.tensor(np.array([np.inf, 1.0], np.float32))
    gd.unscale_(o)
    gd.step(o)  # disabled: the step is not skipped
    assert np.isinf(_np(p)[0])
    gd.update()


def _train(lib, model, opt, scaler, data, *, amp, skip_iter=None, clip=None, penalty=False,
           accumulate=1):
    """The loops of amp_examples.rst (typical, clipping, penalty, accumulation)."""
    is_t = lib is torch
    ac = (lambda: torch.autocast("cpu", dtype=torch.float16)) if is_t else \
        (lambda: ad.autocast("cuda"))
    lossf = TF.mse_loss if is_t else F.mse_loss
    params = list(model.parameters())
    scales = []
    for i, (x, y) in enumerate(data):
        xt, yt = (torch.tensor(x), torch.tensor(y)) if is_t else (ad.tensor(x), ad.tensor(y))
        if amp:
            with ac():
                out = model(xt)
                loss = lossf(out, yt) / accumulate
        else:
            out = model(xt)
            loss = lossf(out, yt) / accumulate
        if penalty:
            if is_t:
                grads = torch.autograd.grad(scaler.scale(loss), params, create_graph=True)
            else:
                grads = ad.autograd.grad(scaler.scale(loss), params, create_graph=True)
            inv = 1.0 / scaler.get_scale()
            grads = [g * inv for g in grads]
            if amp:
                with ac():
                    norm = sum((g * g).sum() for g in grads) ** 0.5
                    loss = loss + norm
            else:
                norm = sum((g * g).sum() for g in grads) ** 0.5
                loss = loss + norm
        scaler.scale(loss).backward()
        if i == skip_iter and scaler.is_enabled():
            p = params[1]
            p.grad[0] = float("inf")
        if (i + 1) % accumulate:
            continue
        if clip is not None:
            scaler.unscale_(opt)
            (torch.nn.utils if is_t else gnn.utils).clip_grad_norm_(params, clip)
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        opt.zero_grad()
    return scales


@pytest.mark.parametrize("case", ["typical", "clipping", "penalty", "accumulation"])
@pytest.mark.parametrize("amp", [False, True])
def test_amp_examples(case, amp):
    """amp_examples.rst and test_grad_scaling_{autocast,clipping,penalty,accumulation}: the
    same loop in gpuad and torch, one iteration's gradient made inf (that step skipped)."""
    opts = dict(clip=0.5 if case == "clipping" else None, penalty=case == "penalty",
                accumulate=2 if case == "accumulation" else 1)
    data = _data(6)
    gm, tm = _models()
    go = ad.optim.SGD(gm.parameters(), lr=0.1, momentum=0.9)
    to = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    kw = dict(init_scale=2.0**8, growth_interval=1)
    gs, ts = ad.amp.GradScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    skip = 3
    g_scales = _train(ad, gm, go, gs, data, amp=amp, skip_iter=skip, **opts)
    t_scales = _train(torch, tm, to, ts, data, amp=amp, skip_iter=skip, **opts)
    assert g_scales == t_scales
    _close_params(gm, tm, **(dict(rtol=2e-2, atol=2e-3) if amp else S))


@pytest.mark.parametrize("amp", [False, True])
def test_multiple_models_losses_optimizers(amp):
    """test_grad_scaling_multiple / amp_examples 'multiple models, losses and optimizers'."""
    data = _data(4)
    (g0, t0), (g1, t1) = _models(0), _models(1)
    gos = [ad.optim.SGD(g0.parameters(), lr=0.1), ad.optim.Adam(g1.parameters(), lr=0.01)]
    tos = [torch.optim.SGD(t0.parameters(), lr=0.1), torch.optim.Adam(t1.parameters(), lr=0.01)]
    kw = dict(init_scale=2.0**6, growth_interval=1)
    gs, ts = ad.amp.GradScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    for i, (x, y) in enumerate(data):
        for lib, (m0, m1), opts, s in ((ad, (g0, g1), gos, gs), (torch, (t0, t1), tos, ts)):
            is_t = lib is torch
            X, Y = (torch.tensor(x), torch.tensor(y)) if is_t else (ad.tensor(x), ad.tensor(y))
            lossf = TF.mse_loss if is_t else F.mse_loss
            ctx = (torch.autocast("cpu", dtype=torch.float16, enabled=amp) if is_t
                   else ad.autocast("cuda", enabled=amp))
            with ctx:
                o0, o1 = m0(X), m1(X)
                l0 = lossf(2 * o0 + 3 * o1, Y)
                l1 = lossf(3 * o0 - 5 * o1, Y)
            s.scale(l0).backward(retain_graph=True)
            s.scale(l1).backward()
            if i == 2:
                list(m1.parameters())[0].grad[0, 0] = float("nan")
            s.unscale_(opts[0])  # only one optimizer unscaled explicitly
            for o in opts:
                s.step(o)
            s.update()
            for o in opts:
                o.zero_grad()
        assert gs.get_scale() == ts.get_scale()
    tol = dict(rtol=2e-2, atol=2e-3) if amp else S
    _close_params(g0, t0, **tol)
    _close_params(g1, t1, **tol)


def test_grad_scale_will_not_overflow():
    """test_grad_scale_will_not_overflow: growth past float32's range keeps the scale."""
    gm, tm = _models(0, (5, 3, 1))
    go, to = ad.optim.Adam(gm.parameters()), torch.optim.Adam(tm.parameters())
    kw = dict(growth_interval=1, growth_factor=2.0**4, init_scale=1e38)
    gs, ts = ad.amp.GradScaler(**kw), torch.amp.GradScaler("cpu", **kw)
    x = _rng(7).standard_normal((1, 5)).astype(np.float32)
    y = 1e-30 * _rng(8).standard_normal((1, 1)).astype(np.float32)
    for lib, m, o, s in ((ad, gm, go, gs), (torch, tm, to, ts)):
        X, Y = (torch.tensor(x), torch.tensor(y)) if lib is torch else (ad.tensor(x),
                                                                         ad.tensor(y))
        loss = ((m(X) - Y) ** 2).mean()
        s.scale(loss).backward()
        s.step(o)
        s.update()
    assert gs.get_scale() == ts.get_scale()
    assert np.isfinite(gs.get_scale())
    _close_params(gm, tm)


def test_grads_invalidated_between_unscale_and_step():
    """_test_grads_invalidated_between_unscale_and_step: the check is made at unscale_, so
    gradients broken afterwards are stepped with (torch's documented behaviour)."""
    gm, tm = _models(0)
    go = ad.optim.SGD(gm.parameters(), lr=0.1)
    to = torch.optim.SGD(tm.parameters(), lr=0.1)
    gs, ts = ad.amp.GradScaler(init_scale=128.0), torch.amp.GradScaler("cpu", init_scale=128.0)
    for x, y in _data(2):
        for lib, m, o, s in ((ad, gm, go, gs), (torch, tm, to, ts)):
            is_t = lib is torch
            X, Y = (torch.tensor(x), torch.tensor(y)) if is_t else (ad.tensor(x), ad.tensor(y))
            o.zero_grad()
            with (torch.autocast("cpu", dtype=torch.float16) if is_t else ad.autocast("cuda")):
                loss = (TF if is_t else F).mse_loss(m(X), Y)
            s.scale(loss).backward()
            s.unscale_(o)
            for j, p in enumerate(m.parameters()):
                p.grad[...] = np.inf if j % 2 else np.nan
            s.step(o)
            s.update()
    for gp, tp in zip(gm.parameters(), tm.parameters(), strict=True):
        np.testing.assert_array_equal(np.isnan(_np(gp)), np.isnan(_np(tp)))
        np.testing.assert_array_equal(np.isinf(_np(gp)), np.isinf(_np(tp)))
    assert gs.get_scale() == ts.get_scale() == 64.0  # the 2nd iteration: inf from nan params


def test_half_input_float_params_norms_and_modules():
    """float16 activations through float32 normalisation layers stay float16, as torch's."""
    r = _rng(9)
    x = r.standard_normal((2, 4, 3, 3)).astype(np.float16)
    w, b = r.standard_normal(4).astype(np.float32), r.standard_normal(4).astype(np.float32)
    lw = r.standard_normal(3).astype(np.float32)
    for name, gf in (
            ("batch_norm", lambda m, X, W, B: m.batch_norm(X, W * 0, W * 0 + 1, W, B, True)),
            ("instance_norm", lambda m, X, W, B: m.instance_norm(X, weight=W, bias=B)),
            ("group_norm", lambda m, X, W, B: m.group_norm(X, 2, W, B)),
            ("layer_norm", lambda m, X, W, B: m.layer_norm(X, (3,), _LW(m, lw)))):
        g = gf(F, ad.tensor(x), ad.tensor(w), ad.tensor(b))
        t = gf(TF, torch.tensor(x), torch.tensor(w), torch.tensor(b))
        assert g.dtype == np.float16 and t.dtype == torch.float16, name
        np.testing.assert_allclose(_np(g).astype(np.float32), _np(t).astype(np.float32), **H)


def _LW(m, lw):  # noqa: N802
    return torch.tensor(lw) if m is TF else ad.tensor(lw)


@pytest.mark.parametrize("cast", [None, "float32"])
def test_custom_fwd_bwd(cast):
    """amp_examples.rst 'Autocast and Custom Autograd Functions': custom_fwd/custom_bwd."""
    def make(lib, amp):
        dt = None if cast is None else (torch.float32 if lib is torch else np.float32)
        dev = "cpu" if lib is torch else "cuda"

        class MyMM((torch.autograd if lib is torch else ad.autograd).Function):
            @staticmethod
            @amp.custom_fwd(device_type=dev, cast_inputs=dt)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a.mm(b)

            @staticmethod
            @amp.custom_bwd(device_type=dev)
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                return g.mm(b.t()), a.t().mm(g)

        return MyMM

    r = _rng(11)
    a, b = r.standard_normal((3, 4)).astype(np.float32), r.standard_normal((4, 2)).astype(
        np.float32)
    ga, ta = _pair(a)
    gb, tb = _pair(b)
    with ad.autocast("cuda"):
        g = make(ad, ad.amp).apply(ga.astype(np.float16) if cast else ga, gb)
    with torch.autocast("cpu", dtype=torch.float16):
        t = make(torch, torch.amp).apply(ta.half() if cast else ta, tb)
    assert str(g.dtype) == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(_np(g).astype(np.float32), _np(t).astype(np.float32), **H)
    g.astype(np.float32).sum().backward()
    t.float().sum().backward()
    for x, y in ((ga, ta), (gb, tb)):
        assert x.grad.dtype == np.float32 and y.grad.dtype == torch.float32
        np.testing.assert_allclose(_np(x.grad), _np(y.grad), rtol=2e-2, atol=2e-2)


def test_optimizer_without_gradients():
    for s, p, opt in ((ad.amp.GradScaler(), ad.tensor(np.zeros(2, np.float32),
                                                        requires_grad=True), ad.optim.SGD),
                      (torch.amp.GradScaler("cpu"), torch.zeros(2, requires_grad=True),
                       torch.optim.SGD)):
        o = opt([p], lr=1.0)
        s.scale(p.sum() * 0)
        s.unscale_(o)
        with pytest.raises(AssertionError, match="No inf checks were recorded for this"):
            s.step(o)
        with pytest.raises(AssertionError, match="No inf checks were recorded prior"):
            s.update()
