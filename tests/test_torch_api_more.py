"""PyTorch autograd API pieces: ``Tensor.register_hook``, ``retain_grad``/``retains_grad`` and
``detach_``.

Each behaviour is checked on its own terms (a hook that only looks sees the float64 central
difference derivative; one that replaces the gradient changes what flows on by exactly its
factor), then against the same program under PyTorch (float64) where torch is installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X0 = np.array([0.3, -1.2, 0.7])


def _x(requires_grad=True):
    return ad.tensor(ad.get_backend().xp.asarray(X0.copy()), requires_grad=requires_grad)


def _close(got, want, rtol=1e-12, atol=1e-12):
    if hasattr(want, "detach"):
        want = want.detach().numpy()
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=rtol, atol=atol)


def _fd(f, x, eps=1e-6):
    """Central differences of scalar ``f`` (NumPy in, float out) at ``x``."""
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        out.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def _loss_of_y(y):
    return float(np.sum(np.sin(y) * y ** 2))


# ---- register_hook -------------------------------------------------------------------------

def test_hook_sees_the_gradient_and_replaces_it(backend):
    x = _x()
    y = x * 2.0
    seen = []
    y.register_hook(lambda g: seen.append(to_numpy(g).copy()))  # looks only: None keeps it
    y.register_hook(lambda g: g * 3.0)
    y.register_hook(lambda g: seen.append(to_numpy(g).copy()))  # runs after the replacement
    (gnp.sin(y) * y ** 2).sum().backward()
    dy = _fd(_loss_of_y, 2 * X0)
    _close(seen[0], dy, rtol=1e-7, atol=1e-8)
    _close(seen[1], 3 * seen[0])
    _close(x.grad, 2 * 3 * seen[0])  # the replaced gradient is what reaches x


def test_hook_order_removal_and_leaf_accumulation(backend):
    x = _x()
    calls = []
    h1 = x.register_hook(lambda g: calls.append("a") or g + 1.0)
    x.register_hook(lambda g: calls.append("b") or g * 2.0)
    (x * x).sum().backward()
    assert calls == ["a", "b"]
    _close(x.grad, (2 * X0 + 1) * 2)  # before accumulation, in registration order
    h1.remove()
    h1.remove()  # twice is harmless
    (x * x).sum().backward()
    _close(x.grad, (2 * X0 + 1) * 2 + 2 * (2 * X0))
    assert calls == ["a", "b", "b"]


def test_hook_called_once_with_the_summed_gradient(backend):
    x = _x()
    seen = []
    x.register_hook(lambda g: seen.append(to_numpy(g).copy()))
    (x * x + x).sum().backward()
    assert len(seen) == 1
    _close(seen[0], 2 * X0 + 1)
    _close(x.grad, 2 * X0 + 1)


def test_hook_keeping_the_gradient_does_not_alias_grad(backend):
    x = _x()
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x * x).sum().backward()
    (x * x).sum().backward()
    _close(kept[0], 2 * X0)  # not changed by the second accumulation
    _close(x.grad, 4 * X0)


def test_hook_runs_on_every_backward_with_retain_graph(backend):
    x = _x()
    y = gnp.exp(x)
    n = []
    y.register_hook(lambda g: n.append(1))
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert len(n) == 2
    _close(x.grad, 2 * 2 * np.exp(2 * X0))


def test_hook_on_the_output_itself(backend):
    x = _x()
    z = (x * x).sum()
    z.register_hook(lambda g: g * 5.0)
    z.backward()
    _close(x.grad, 10 * X0)


def test_hook_with_create_graph_is_differentiated(backend):
    x = _x()
    y = x ** 2
    types = []

    def hook(g):
        types.append((type(g), g.requires_grad))
        return g * y  # depends on x: a second derivative goes through it

    y.register_hook(hook)
    y.sum().backward(create_graph=True)
    assert types == [(ad.Tensor, False)]  # the seed is a constant; what it returns is recorded
    _close(x.grad, 2 * X0 ** 3)
    g1 = x.grad
    assert g1.requires_grad
    x.grad = None
    g1.sum().backward()
    # g1 = 2x * y; the sweep passes y again and its hook multiplies that adjoint (2x) by y too:
    # 2x * y * dy/dx + 2y = 4x^4 + 2x^2 (torch agrees: test_hooks_match_torch)
    _close(x.grad, 4 * X0 ** 4 + 2 * X0 ** 2)


def test_hook_under_grad_vjp_and_jacrev(backend):
    def f(x):
        y = gnp.sin(x)
        y.register_hook(lambda g: g * 2.0)
        x.register_hook(lambda g: g + 1.0)  # on the input: what grad returns, as torch
        return (y * x).sum()

    x = ad.get_backend().xp.asarray(X0)
    want = 2 * np.cos(X0) * X0 + np.sin(X0) + 1
    _close(ad.grad(f)(x), want)
    out, pull = ad.vjp(f, x)
    _close(pull(ad.get_backend().xp.asarray(1.0))[0], want)

    def h(x):
        y = gnp.sin(x)
        y.register_hook(lambda g: g * 2.0)
        return y * x

    _close(ad.jacrev(h)(x), np.diag(2 * np.cos(X0) * X0 + np.sin(X0)))


def test_hook_errors(backend):
    x = _x()
    with pytest.raises(ad.GradError, match="does not require grad"):
        _x(requires_grad=False).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="expected a function"):
        x.register_hook(3)
    y = x * 2.0
    y.register_hook(lambda g: g.sum())
    with pytest.raises(ad.GradError, match=r"changed the gradient from shape \(3,\)"):
        y.sum().backward()
    assert x.grad is None  # nothing accumulated
    y = x * 2.0
    y.register_hook(lambda g: "no")
    with pytest.raises(TypeError, match="returned a str"):
        y.sum().backward()


def test_hook_under_jit_is_refused_not_dropped():
    w = ad.tensor(X0.copy(), requires_grad=True)

    @ad.jit
    def step(x):
        w.grad = None
        loss = (w * x).sum()
        loss.backward()
        return loss

    x = np.array([3.0, 4.0, 5.0])
    step(x)
    step(x)
    _close(w.grad, x)
    h = w.register_hook(lambda g: g * 10.0)  # after the trace: the replay must not skip it
    with pytest.raises(ad.jit.TracerError, match="tensor hook"):
        step(x)
    h.remove()
    step(x)
    _close(w.grad, x)

    def f(x):
        y = x * 2.0
        y.register_hook(lambda g: g * 3.0)
        return (y * y).sum()

    _close(ad.grad(f)(X0), 24 * X0)
    with pytest.raises(ad.jit.TracerError, match="register_hook cannot be compiled"):
        ad.jit(ad.grad(f))(X0)


@pytest.mark.filterwarnings("ignore:Using backward.. with create_graph")
def test_hooks_match_torch():
    torch = pytest.importorskip("torch")
    seen = {}

    def run(lib, x):
        y = x * 2.0
        y.register_hook(lambda g: seen.setdefault(lib, []).append(g.detach().numpy().copy()))
        y.register_hook(lambda g: g * 3.0)
        x.register_hook(lambda g: g + 1.0)
        z = y ** 3
        z.register_hook(lambda g: g - 0.5)
        z.sum().backward()
        return x.grad

    got = run("ad", ad.tensor(X0.copy(), requires_grad=True))
    want = run("torch", torch.tensor(X0.copy(), requires_grad=True))
    _close(got, want)
    _close(seen["ad"][0], seen["torch"][0])

    def second(lib, x):
        y = x ** 2
        y.register_hook(lambda g: g * y)
        y.sum().backward(create_graph=True)
        g1 = x.grad
        x.grad = None
        (g1 * g1).sum().backward()
        return g1, x.grad

    for a, b in zip(second("ad", ad.tensor(X0.copy(), requires_grad=True)),
                    second("torch", torch.tensor(X0.copy(), requires_grad=True)), strict=True):
        _close(a, b)

    def f(x, sin):
        y = sin(x)
        y.register_hook(lambda g: g * 2.0)
        x.register_hook(lambda g: g + 1.0)
        return (y * x).sum()

    xt = torch.tensor(X0.copy(), requires_grad=True)
    want = torch.autograd.grad(f(xt, torch.sin), xt)[0]  # runs tensor hooks, the input's too
    _close(ad.grad(lambda x: f(x, gnp.sin))(X0), want)


# ---- retain_grad ---------------------------------------------------------------------------

def test_retain_grad_fills_and_accumulates(backend):
    x = _x()
    y = x * 2.0
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = (gnp.sin(y) * y ** 2).sum()
    z.backward(retain_graph=True)
    dy = _fd(_loss_of_y, 2 * X0)
    _close(y.grad, dy, rtol=1e-7, atol=1e-8)
    z.backward()
    _close(y.grad, 2 * dy, rtol=1e-7, atol=1e-8)
    _close(x.grad, 2 * 2 * dy, rtol=1e-7, atol=1e-8)


def test_retain_grad_after_hooks_and_on_leaf(backend):
    x = _x()
    x.retain_grad()  # a leaf: no-op
    assert not x.retains_grad
    y = x * 2.0
    y.retain_grad()
    y.register_hook(lambda g: g * 10.0)  # registered later, still runs first (as torch)
    y.sum().backward()
    _close(y.grad, np.full(3, 10.0))
    _close(x.grad, np.full(3, 20.0))
    with pytest.raises(ad.GradError, match="does not require grad"):
        _x(requires_grad=False).retain_grad()


def test_retain_grad_with_inputs_and_create_graph(backend):
    x = _x()
    y = x ** 2
    y.retain_grad()
    (y * y).sum().backward(inputs=[x], retain_graph=True)
    _close(y.grad, 2 * X0 ** 2)  # torch fills it in backward(inputs=...) and autograd.grad too
    y.grad = None
    (y * x).sum().backward(create_graph=True)
    assert y.grad.requires_grad
    _close(y.grad, X0)
    with pytest.raises(ad.jit.TracerError, match="retain_grad cannot be compiled"):
        ad.jit(ad.grad(lambda a: (_retained(a * 2.0) ** 2).sum()))(X0)


def _retained(t):
    t.retain_grad()
    return t


def test_retain_grad_matches_torch():
    torch = pytest.importorskip("torch")

    def run(x):
        y = x * 2.0
        y.retain_grad()
        y.register_hook(lambda g: g * 10.0)
        z = (y ** 3).sum()
        z.backward(retain_graph=True)
        z.backward(inputs=[x])
        return y.grad, x.grad, y.retains_grad, x.retains_grad

    got = run(ad.tensor(X0.copy(), requires_grad=True))
    want = run(torch.tensor(X0.copy(), requires_grad=True))
    _close(got[0], want[0])
    _close(got[1], want[1])
    assert got[2:] == want[2:]


# ---- detach_ -------------------------------------------------------------------------------

def test_detach_in_place(backend):
    x = _x()
    y = x * 2.0
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    z = (y * x).sum()
    z.backward()
    _close(x.grad, 2 * X0)  # y is a constant now
    assert y.grad is None
    w = _x()
    w.detach_()
    assert not w.requires_grad
    with pytest.raises(RuntimeError, match="view of another"):
        _x()[:2].detach_()
    v = (x * 2.0)[1:]
    with pytest.raises(RuntimeError, match="use t = t.detach"):
        v.detach_()
    assert v.requires_grad  # left as it was


def test_detach_in_place_under_grad_and_jit():
    def f(x):
        y = x * 2.0
        y.detach_()  # a constant from here on: d/dx sum(2x * x * x) with 2x held
        return gnp.sum(y * x * x)

    g = ad.jit(ad.grad(f))
    for x in (X0, X0 + 1.0):
        _close(ad.grad(f)(x), 4 * x * x)
        _close(g(x), 4 * x * x)
    w = ad.tensor(X0.copy(), requires_grad=True)

    @ad.jit
    def step(a):
        y = w * a
        y.detach_()
        return y

    for _ in range(2):
        out = step(X0)
        assert not out.requires_grad and out.is_leaf
        _close(out, X0 * X0)


def test_detach_in_place_matches_torch():
    torch = pytest.importorskip("torch")
    for lib, x in (("ad", ad.tensor(X0.copy(), requires_grad=True)),
                   ("torch", torch.tensor(X0.copy(), requires_grad=True))):
        y = x * 2.0
        y.detach_()
        assert (y.requires_grad, y.is_leaf) == (False, True), lib
        with pytest.raises(RuntimeError, match="view"):
            (x * 2.0)[1:].detach_()


# ---- cross_entropy and nll_loss options ----------------------------------------------------

R = np.random.default_rng(7)
Z2 = R.standard_normal((5, 4))
Z4 = R.standard_normal((3, 4, 2, 3))
W4 = R.uniform(0.5, 2.0, 4)


def _labels(shape, ignore=-100):
    lab = R.integers(0, 4, shape)
    lab.flat[0] = ignore
    lab.flat[-1] = 2
    return lab


def _probs(shape):
    p = R.dirichlet(np.ones(4), size=int(np.prod(shape[:1] + shape[2:])))
    return np.moveaxis(p.reshape(shape[:1] + shape[2:] + (4,)), -1, 1)


L2, L4 = _labels((5,)), _labels((3, 2, 3), ignore=1)
P2, P4 = _probs((5, 4)), _probs((3, 4, 2, 3))
_CASES = [  # (logits, labels, keyword arguments)
    (Z2, L2, {}),
    (Z2, L2, {"weight": W4}),
    (Z2, L2, {"weight": W4, "label_smoothing": 0.2}),
    (Z4, np.where(L4 == 1, 3, L4), {}),  # (N, C, d...) on the fused path (no label ignored)
    (Z4, L4, {"ignore_index": 1}),
    (Z4, L4, {"ignore_index": 1, "weight": W4, "label_smoothing": 0.3}),
    (Z2, P2, {"weight": W4}),
    (Z4, P4, {"label_smoothing": 0.1}),
    (Z2[0], np.int64(3), {"label_smoothing": 0.1}),
    (Z2[0], P2[0], {}),
]


def _xp_args(z, lab, kw):
    xp = ad.get_backend().xp
    kw = {k: xp.asarray(v) if k == "weight" else v for k, v in kw.items()}
    return xp.asarray(z), xp.asarray(lab), kw


@pytest.mark.parametrize("case", range(len(_CASES)))
def test_cross_entropy_options_gradients(backend, case):
    from gpuad.nn import functional as F
    from gpuad.testing import check_grads

    z, lab, kw = _xp_args(*_CASES[case])
    for red in ("mean", "sum", "none"):
        check_grads(lambda z, red=red: F.cross_entropy(z, lab, reduction=red, **kw), (z,),
                    order=2 if red == "mean" else 1,
                    modes=("fwd", "rev") if red == "mean" else ("rev",))
    if "weight" in kw and lab.dtype.kind == "i":  # the weights are differentiated too
        w = kw.pop("weight")
        check_grads(lambda w: F.cross_entropy(z, lab, weight=w, **kw), (w,), order=1)


def test_cross_entropy_options_match_torch():
    torch = pytest.importorskip("torch")
    from gpuad.nn import functional as F

    tF = torch.nn.functional
    for z, lab, kw in _CASES:
        tkw = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
        for red in ("mean", "sum", "none"):
            x = ad.tensor(z.copy(), requires_grad=True)
            got = F.cross_entropy(x, lab, reduction=red, **kw)
            tx = torch.tensor(z.copy(), requires_grad=True)
            want = tF.cross_entropy(tx, torch.tensor(lab), reduction=red, **tkw)
            _close(got, want)
            assert got.shape == tuple(want.shape)
            seed = R.standard_normal(got.shape)
            got.backward(seed)
            want.backward(torch.tensor(seed))
            _close(x.grad, tx.grad)
        if lab.dtype.kind == "i" and "label_smoothing" not in kw:
            for red in ("mean", "sum", "none"):
                lp = tF.log_softmax(torch.tensor(z), dim=0 if z.ndim == 1 else 1)
                got = F.nll_loss(lp.numpy(), lab, reduction=red, **kw)
                _close(got, tF.nll_loss(lp, torch.tensor(lab), reduction=red, **tkw))
    # every target ignored: the mean is 0/0 = NaN in both; the sum is 0
    lab = np.full(5, -100)
    for red in ("mean", "sum"):
        _close(F.cross_entropy(Z2, lab, reduction=red),
               tF.cross_entropy(torch.tensor(Z2), torch.tensor(lab), reduction=red))


def test_cross_entropy_default_ignores_minus_100(backend):
    from gpuad.nn import functional as F

    xp = ad.get_backend().xp
    lab = np.array([1, -100, 3, 0, -100])
    keep = lab != -100
    got = F.cross_entropy(xp.asarray(Z2), xp.asarray(lab), reduction="none")
    want = F.cross_entropy(xp.asarray(Z2[keep]), xp.asarray(lab[keep]), reduction="none")
    _close(to_numpy(got)[keep], want)
    assert np.all(to_numpy(got)[~keep] == 0)
    _close(F.cross_entropy(xp.asarray(Z2), xp.asarray(lab)), to_numpy(want).mean())
    x = ad.tensor(xp.asarray(Z2), requires_grad=True)
    F.cross_entropy(x, xp.asarray(lab)).backward()
    assert np.all(to_numpy(x.grad)[~keep] == 0)  # exact zeros for the ignored rows


def test_cross_entropy_options_errors(backend):
    from gpuad import nn
    from gpuad.nn import functional as F

    xp = ad.get_backend().xp
    z, lab = xp.asarray(Z2), xp.asarray(np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\).*\(3,\)"):
        F.cross_entropy(z, lab, weight=xp.ones(3))
    with pytest.raises(ValueError, match="label_smoothing must lie in"):
        F.cross_entropy(z, lab, label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index is not supported for probability"):
        F.cross_entropy(z, xp.asarray(P2), ignore_index=0)
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 4\).*first being -100"):
        F.cross_entropy(z, xp.asarray(np.array([0, -100, 1, 1, 2])), ignore_index=1)
    with pytest.raises(IndexError, match=r"or equal ignore_index=1\).*first being -100"):
        F.cross_entropy(z, xp.asarray(np.array([0, -100, 1, 1, 2])), ignore_index=1,
                        label_smoothing=0.1)
    with pytest.raises(IndexError, match="nll_loss: labels must lie in"):
        F.nll_loss(z, xp.asarray(np.array([0, 4, 1, 1, 2])), weight=xp.ones(4))
    with pytest.raises(TypeError, match="or, as torch's positional order has it, weight"):
        F.cross_entropy(z, lab, 3)
    # torch's positional weight, and the module with torch's arguments
    _close(F.cross_entropy(z, lab, xp.asarray(W4)), F.cross_entropy(z, lab, weight=xp.asarray(W4)))
    loss = nn.CrossEntropyLoss(weight=xp.asarray(W4), ignore_index=0, label_smoothing=0.1)
    _close(loss(z, lab), F.cross_entropy(z, lab, weight=xp.asarray(W4), ignore_index=0,
                                         label_smoothing=0.1))
    _close(nn.CrossEntropyLoss("sum")(z, lab), F.cross_entropy(z, lab, reduction="sum"))


def test_cross_entropy_ignore_under_jit_and_vmap():
    from gpuad.nn import functional as F

    f = ad.jit(ad.grad(lambda z, lab: F.cross_entropy(z, lab, weight=W4)))
    g = ad.jit(ad.grad(lambda z, lab: F.cross_entropy(z, lab)))
    for lab in (np.array([0, 1, 2, 3, 0]), np.array([0, -100, 2, 3, -100]),
                np.array([1, 1, 2, 3, 0])):
        _close(f(Z2, lab), ad.grad(lambda z: F.cross_entropy(z, lab, weight=W4))(Z2))
        _close(g(Z2, lab), ad.grad(lambda z: F.cross_entropy(z, lab))(Z2))
    labs = np.array([[0, -100, 2, 3, 1], [1, 1, 2, 3, 0]])
    per = ad.vmap(lambda lab: F.cross_entropy(Z2, lab, reduction="sum"))(labs)
    _close(per, [float(to_numpy(F.cross_entropy(Z2, lab, reduction="sum"))) for lab in labs])


# ---- hooks with in-place writes, views, inputs= and checkpoint (torch's behaviour) ----------

def _hook_programs(lib, x, sin):
    out = {}
    y = x * 2.0
    y.register_hook(lambda g: g * 10.0)  # sees the gradient of the value before the write
    y += 1.0
    y.register_hook(lambda g: g * 3.0)
    (y * y).sum().backward()
    out["inplace"] = x.grad
    x.grad = None
    y = x * 2.0
    y.retain_grad()
    y *= 3.0  # retain_grad follows the tensor to its new value
    (y * y).sum().backward()
    out["retain_inplace"], out["retain_inplace_x"] = y.grad, x.grad
    x.grad = None
    y = x * 2.0
    v = y[0:2]
    v.register_hook(lambda g: g * 10.0)
    (v.sum() + y.sum()).backward()
    out["view"] = x.grad
    x.grad = None
    h = x.register_hook(lambda g: g * 10.0)
    (x * x).sum().backward(inputs=[x])
    out["inputs"] = x.grad
    h.remove()
    x.grad = None
    n = []

    def block(x):
        y = sin(x)
        y.register_hook(lambda g: n.append(1) or g * 2.0)
        return y * y

    if lib == "ad":
        z = ad.checkpoint(block)(x)
    else:
        from torch.utils.checkpoint import checkpoint

        z = checkpoint(block, x, use_reentrant=False)
    z.sum().backward()
    out["checkpoint"], out["checkpoint_calls"] = x.grad, np.array(float(len(n)))
    return out


def test_hooks_with_writes_views_inputs_and_checkpoint(backend):
    got = _hook_programs("ad", _x(), gnp.sin)
    _close(got["inplace"], 2 * 10 * 3 * 2 * (2 * X0 + 1))
    _close(got["retain_inplace"], 2 * 6 * X0)
    _close(got["retain_inplace_x"], 6 * 2 * 6 * X0)
    _close(got["view"], 2 * np.array([11.0, 11.0, 1.0]))
    _close(got["inputs"], 10 * 2 * X0)
    _close(got["checkpoint"], 2 * 2 * np.sin(X0) * np.cos(X0))
    assert float(got["checkpoint_calls"]) == 1
    with pytest.raises(ad.GradError, match="retain_grad inside gpuad.checkpoint"):
        ad.checkpoint(lambda x: _retained(gnp.sin(x)))(_x())


def test_hooks_with_writes_views_inputs_and_checkpoint_match_torch():
    torch = pytest.importorskip("torch")
    got = _hook_programs("ad", ad.tensor(X0.copy(), requires_grad=True), gnp.sin)
    want = _hook_programs("torch", torch.tensor(X0.copy(), requires_grad=True), torch.sin)
    for k in want:
        _close(got[k], want[k])


def test_a_hook_referring_to_its_tensor_is_collected_with_the_graph():
    import gc
    import weakref

    from gpuad import engine

    def hooked(x):
        y = gnp.sin(x)
        y.register_hook(lambda g: g * y)  # a cycle: node -> hook -> y -> node
        return weakref.ref(y._node)

    node = hooked(ad.tensor(X0.copy(), requires_grad=True))
    gc.collect()
    assert node() is None
    assert not any(n.rule is not None for n in engine._hooked)
