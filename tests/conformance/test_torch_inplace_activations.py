"""``inplace=True`` of torch's activations and dropouts against torch, in float64: the input
object is returned and holds the result, values and input gradients match torch's same program
at 1e-12 (the op's own backward needs the overwritten input for silu, mish, elu, ...), writes
through views reach their base, a leaf that requires grad refuses as torch's does, a plain array
is overwritten, reprs are torch's, and the writes compile (``gpuad.jit``) and batch (``vmap``).
A torchvision-style residual block with ``nn.ReLU(inplace=True)`` trains two steps as torch's.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
import gpuad.optim as optim

torch = pytest.importorskip("torch")
TF, TN = torch.nn.functional, torch.nn
RNG = np.random.default_rng(11)
X = RNG.uniform(-4.0, 4.0, (3, 5))  # times 2 below: reaches relu6's 6 and hardswish's +-3
U = RNG.normal(size=(3, 5))
TOL = dict(rtol=1e-12, atol=1e-12)
# torch's float64 backward of these two is ~1e-8 off the exact derivative (hardsigmoid's
# multiplies by a float32 1/6; celu's with alpha 1.3); gpuad's is exact, and equals its
# out-of-place program at 1e-12
LOOSE = {"hardsigmoid": dict(rtol=1e-7, atol=1e-9), "celu": dict(rtol=1e-7, atol=1e-9)}

OPS = [  # (functional name, Module name, arguments)
    ("relu", "ReLU", ()),
    ("relu6", "ReLU6", ()),
    ("leaky_relu", "LeakyReLU", (0.2,)),
    ("elu", "ELU", (0.7,)),
    ("selu", "SELU", ()),
    ("celu", "CELU", (1.3,)),
    ("silu", "SiLU", ()),
    ("mish", "Mish", ()),
    ("hardswish", "Hardswish", ()),
    ("hardsigmoid", "Hardsigmoid", ()),
    ("hardtanh", "Hardtanh", (-1.5, 1.2)),
    ("threshold", "Threshold", (0.3, -0.5)),
]


def _np(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


def _run(lib, op, x0=X):
    """``h = 2x; op(h)`` (in place) in ``lib``: h's values, x's gradient along U, and whether
    the op returned h itself."""
    if lib == "gpuad":
        x, u = ad.tensor(x0.copy(), requires_grad=True), ad.tensor(U)
    else:
        x, u = torch.tensor(x0.copy(), requires_grad=True), torch.tensor(U)
    h = x * 2.0
    same = op(h) is h
    (h * u).sum().backward()
    return _np(h.detach()), _np(x.grad), same


def _same_as_torch(gop, top, out_of_place, tol):
    hg, gg, same_g = _run("gpuad", gop)
    ht, gt, same_t = _run("torch", top)
    assert same_g and same_t
    np.testing.assert_allclose(hg, ht, **TOL)
    np.testing.assert_allclose(gg, gt, **tol)
    h0, g0, _ = _run("gpuad", out_of_place)
    np.testing.assert_allclose(hg, h0, **TOL)
    np.testing.assert_allclose(gg, g0, **TOL)


@pytest.mark.parametrize("name, mod, args", OPS, ids=[o[0] for o in OPS])
def test_functional_and_module_inplace_match_torch(name, mod, args):
    gf, tf = getattr(F, name), getattr(TF, name)
    tol = LOOSE.get(name, TOL)

    def out_of_place(h):  # h[...] = op(h) written out, as the reference of the write
        h[...] = gf(h * 1.0, *args)
        return h

    _same_as_torch(
        lambda h: gf(h, *args, inplace=True),
        lambda h: tf(h, *args, inplace=True),
        out_of_place,
        tol,
    )
    gm, tm = getattr(nn, mod)(*args, inplace=True), getattr(TN, mod)(*args, inplace=True)
    assert gm.inplace and repr(gm) == repr(tm)
    assert repr(getattr(nn, mod)(*args)) == repr(getattr(TN, mod)(*args))
    _same_as_torch(gm, tm, out_of_place, tol)
    # a plain array is overwritten and returned
    a = X.copy()
    assert gf(a, *args, inplace=True) is a
    np.testing.assert_allclose(a, tf(torch.tensor(X), *args).numpy(), **TOL)
    # a leaf that requires grad refuses, naming the op, and keeps its values
    leaf = ad.tensor(X.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}\(inplace=True\).*leaf"):
        gf(leaf, *args, inplace=True)
    with pytest.raises(RuntimeError, match="leaf"):
        tf(torch.tensor(X.copy(), requires_grad=True), *args, inplace=True)
    np.testing.assert_array_equal(_np(leaf.detach()), X)
    assert leaf.grad is None


def _vs_torch(gprog, tprog):
    xg, xt = ad.tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    wg, wt = gprog(xg), tprog(xt)
    np.testing.assert_allclose(_np(wg.detach()), wt.detach().numpy(), **TOL)
    gnp.sum(wg * wg * ad.tensor(U)).backward()
    (wt * wt * torch.tensor(U)).sum().backward()
    np.testing.assert_allclose(_np(xg.grad), xt.grad.numpy(), **TOL)


def _mask(index):
    m = np.zeros(X.shape, bool)
    m[index] = True
    return torch.tensor(m)


def test_writes_through_views_reach_the_base():
    def prog(T, x):
        w = (x.tanh() if T is TF else gnp.tanh(x)) * 3.0
        T.elu(w.T[::2, 1:], 0.7, inplace=True)  # a strided, transposed view
        return w

    _vs_torch(lambda x: prog(F, x), lambda x: prog(TF, x))

    def overlapping(x):  # torch refuses a second write to w: silu_ bumps what elu_ saved
        w = gnp.tanh(x) * 3.0
        F.elu(w[1:, ::2], 0.7, inplace=True)
        F.silu(w.T[:2], inplace=True)  # columns 0 and 1, overlapping the first write
        return w

    def reference(x):  # each write as a where over the whole array
        w = x.tanh() * 3.0
        w = torch.where(_mask((slice(1, None), slice(None, None, 2))), TF.elu(w, 0.7), w)
        return torch.where(_mask((slice(None), slice(0, 2))), TF.silu(w), w)

    _vs_torch(overlapping, reference)


def test_overwriting_a_value_an_earlier_op_saved():
    # sigmoid's backward uses its output: torch and gpuad refuse at backward, naming the op
    xg, xt = ad.tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    yg, yt = F.sigmoid(xg), torch.sigmoid(xt)
    F.relu(yg - 0.5, inplace=True)  # a fresh tensor: nothing saved of yg is touched
    assert F.hardtanh(yg, 0.2, 0.7, inplace=True) is yg
    TF.hardtanh(yt, 0.2, 0.7, inplace=True)
    np.testing.assert_allclose(_np(yg.detach()), yt.detach().numpy(), **TOL)
    with pytest.raises(RuntimeError, match="modified by an inplace"):
        yt.sum().backward()
    with pytest.raises(RuntimeError, match=r"sigmoid.*version 0.*version 1"):
        gnp.sum(yg).backward()
    assert xg.grad is None
    # in-place ops in a row: each keeps what its own backward needs (torch refuses this chain,
    # its relu saving the output that hardtanh_ overwrites); gpuad equals the out-of-place
    # program
    xg, xt = ad.tensor(X.copy(), requires_grad=True), torch.tensor(X.copy(), requires_grad=True)
    hg = xg * 0.8
    for f in (F.relu, lambda h, inplace: F.hardtanh(h, -1.5, 1.5, inplace), F.silu, F.mish):
        assert f(hg, inplace=True) is hg
    ht = TF.mish(TF.silu(TF.hardtanh(TF.relu(xt * 0.8), -1.5, 1.5)))
    np.testing.assert_allclose(_np(hg.detach()), ht.detach().numpy(), **TOL)
    gnp.sum(hg * ad.tensor(U)).backward()
    (ht * torch.tensor(U)).sum().backward()
    np.testing.assert_allclose(_np(xg.grad), xt.grad.numpy(), **TOL)


DROPS = [  # (name, Module, input shape)
    ("dropout", "Dropout", (4, 6)),
    ("dropout1d", "Dropout1d", (2, 6, 3)),
    ("dropout2d", "Dropout2d", (2, 6, 2, 2)),
    ("dropout3d", "Dropout3d", (2, 6, 1, 2, 2)),
    ("alpha_dropout", "AlphaDropout", (4, 6)),
    ("feature_alpha_dropout", "FeatureAlphaDropout", (2, 6, 3)),
]


@pytest.mark.parametrize("name, mod, shape", DROPS, ids=[d[0] for d in DROPS])
def test_dropout_inplace(name, mod, shape):
    gf, tf = getattr(F, name), getattr(TF, name)
    x0 = RNG.normal(size=shape)
    u = ad.tensor(RNG.normal(size=shape))

    def run(inplace):  # the same mask (same seed): in place equals out of place
        x = ad.tensor(x0.copy(), requires_grad=True)
        h = x * 2.0
        gnp.random.seed(3)
        r = gf(h, 0.4, True, inplace)
        assert (r is h) == inplace
        gnp.sum(r * u).backward()
        return _np(r.detach()), _np(x.grad)

    (r1, g1), (r0, g0) = run(True), run(False)
    np.testing.assert_allclose(r1, r0, **TOL)
    np.testing.assert_allclose(g1, g0, **TOL)
    assert 0 < np.count_nonzero(g1) < g1.size  # the mask dropped some entries, kept others
    # not training: the input itself, unchanged, in both
    h = torch.tensor(x0.copy())
    assert tf(h, 0.4, False, True) is h
    hg = ad.tensor(x0.copy())
    assert gf(hg, 0.4, False, True) is hg
    np.testing.assert_array_equal(_np(hg), x0)
    gm, tm = getattr(nn, mod)(0.4, inplace=True), getattr(TN, mod)(0.4, inplace=True)
    assert repr(gm) == repr(tm) and repr(getattr(nn, mod)()) == repr(getattr(TN, mod)())
    a = x0.copy()
    assert gm(a) is a and np.count_nonzero(a != x0) > 0  # a plain array is overwritten


def test_inplace_under_jit_and_vmap():
    def loss(x):
        h = x * 2.0
        nn.ReLU(inplace=True)(h[:, 1:])
        F.silu(h, inplace=True)
        return gnp.sum(h * h)

    vg = ad.value_and_grad(loss)
    comp = ad.jit(vg)
    for k in (1.0, -0.5):
        (v0, g0), (v1, g1) = vg(X * k), comp(X * k)
        np.testing.assert_allclose(_np(v1), _np(v0), **TOL)
        np.testing.assert_allclose(_np(g1), _np(g0), **TOL)
    xt = torch.tensor(X.copy(), requires_grad=True)
    ht = xt * 2.0
    ht = TF.silu(torch.where(_mask((slice(None), slice(1, None))), TF.relu(ht), ht))
    (ht * ht).sum().backward()
    np.testing.assert_allclose(_np(vg(X)[1]), xt.grad.numpy(), **TOL)
    # a compiled function writes into its argument on every call, as eagerly
    j = ad.jit(lambda a: F.leaky_relu(a, 0.3, inplace=True) * 1.0)
    for k in (1.0, 2.0):
        a = X * k
        np.testing.assert_allclose(_np(j(a)), np.where(X > 0, X, 0.3 * X) * k, **TOL)
        np.testing.assert_allclose(a, np.where(X > 0, X, 0.3 * X) * k, **TOL)
    # vmap: per-example gradients of a write into an intermediate; into the argument: refused
    per = ad.vmap(ad.grad(lambda r: gnp.sum(F.mish(r * 1.5, inplace=True) ** 2)))(X)
    for i, r in enumerate(X):
        rt = torch.tensor(r, requires_grad=True)
        (TF.mish(rt * 1.5) ** 2).sum().backward()
        np.testing.assert_allclose(_np(per)[i], rt.grad.numpy(), **TOL)
    with pytest.raises(TypeError, match="vmap: in-place write into an argument"):
        ad.vmap(lambda r: F.relu(r, inplace=True))(X.copy())


def _block(N):
    """torchvision's BasicBlock in miniature: conv-BN-ReLU(inplace)-conv-BN, += x, ReLU."""

    class Block(N.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = N.Conv2d(2, 3, 3, padding=1, bias=False)
            self.bn1 = N.BatchNorm2d(3)
            self.relu = N.ReLU(inplace=True)
            self.conv2 = N.Conv2d(3, 2, 3, padding=1, bias=False)
            self.bn2 = N.BatchNorm2d(2)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += x
            return self.relu(out)

    return Block


def test_residual_block_trains_as_torch():
    tb = _block(TN)().double()
    gb = _block(nn)()
    gb.load_state_dict({k: v.detach().numpy().copy() for k, v in tb.state_dict().items()})
    gopt = optim.SGD(gb.parameters(), lr=0.1, momentum=0.9)
    bufs = {}  # torch.optim.SGD's momentum step, written out (its first use imports dynamo)
    x, y = RNG.normal(size=(2, 2, 4, 4)), RNG.normal(size=(2, 2, 4, 4))
    for _ in range(2):
        tb.zero_grad()
        lt = TF.mse_loss(tb(torch.tensor(x)), torch.tensor(y))
        lt.backward()
        with torch.no_grad():
            for p in tb.parameters():
                b = bufs[p] = p.grad.clone() if p not in bufs else bufs[p] * 0.9 + p.grad
                p -= 0.1 * b
        gopt.zero_grad()
        lg = F.mse_loss(gb(ad.tensor(x)), ad.tensor(y))
        lg.backward()
        gopt.step()
        np.testing.assert_allclose(_np(lg.detach()), lt.item(), rtol=1e-10)
    gs = gb.state_dict()
    for k, v in tb.state_dict().items():
        np.testing.assert_allclose(_np(gs[k]), v.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


def test_higher_order_and_forward_mode():
    x0 = X[0]

    def f(x):
        h = x * 1.5
        F.elu(h[1:], 0.7, inplace=True)
        F.silu(h, inplace=True)
        return gnp.sum(h * h * h)

    def ft(x):  # torch's out-of-place program (torch's hessian of the in-place one refuses)
        h = x * 1.5
        return (TF.silu(torch.cat([h[:1], TF.elu(h[1:], 0.7)])) ** 3).sum()

    ht = torch.autograd.functional.hessian(ft, torch.tensor(x0)).numpy()
    np.testing.assert_allclose(_np(ad.hessian(f)(x0)), ht, **TOL)
    v = U[0]
    _, tan = ad.jvp(f, (x0,), (v,))
    np.testing.assert_allclose(_np(tan), _grad_t(ft, x0) @ v, **TOL)


def _grad_t(ft, x0):
    x = torch.tensor(x0, requires_grad=True)
    ft(x).backward()
    return x.grad.numpy()
