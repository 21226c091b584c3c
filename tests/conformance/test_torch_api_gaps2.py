"""PyTorch API a port meets first, checked against torch in float64: ``Tensor.size()``,
``device``/``is_cuda``, ``scatter_reduce``, ``Module.apply`` and its kin, and ``gpuad.func``
(torch.func's calling conventions)."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

torch = pytest.importorskip("torch")


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=float), requires_grad=grad)


# ---- Tensor.size ----------------------------------------------------------------------------
def test_size_is_numpys_int_and_torchs_call():
    a = np.arange(6.0).reshape(2, 3)
    x, t = ad.tensor(a), _t(a)
    assert x.size == a.size == 6 and x.size * 2 == 12 and np.prod(x.shape) == x.size
    assert isinstance(x.size, int) and hash(x.size) == hash(6) and repr(x.size) == "6"
    assert x.size() == tuple(t.size()) == (2, 3)
    for d in (0, 1, -1, -2):
        assert x.size(d) == t.size(d)
        assert x.size(dim=d) == t.size(dim=d)
    for d in (2, -3):
        with pytest.raises(IndexError, match="out of range"):
            x.size(d)
        with pytest.raises(IndexError):
            t.size(d)
    with pytest.raises(IndexError, match="no dimensions"):
        ad.tensor(1.0).size(0)
    assert ad.tensor(1.0).size() == tuple(_t(1.0).size()) == ()
    for s in (pickle.loads(pickle.dumps(x.size)), copy.deepcopy(x.size), copy.copy(x.size)):
        assert type(s) is int and s == 6
    assert json.dumps({"n": x.size}) == '{"n": 6}'
    assert np.zeros(x.size).shape == (6,) and list(range(x.size)) == list(range(6))
    assert type(a.size) is int  # raw arrays untouched
    # a Python int to NumPy's promotion (an int subclass would count as int64)
    f32 = np.ones(3, np.float32)
    for r in (f32 / x.size, x.size * f32, np.float32(2) * x.size, ad.tensor(f32) / x.size):
        assert r.dtype == np.float32
    assert np.int64(6) == x.size and x.size == np.int64(6) and not (x.size != np.int64(6))
    # NumPy's ufuncs on it see the plain int
    assert np.sqrt(x.size) == np.sqrt(6) and np.minimum(x.size, 4) == 4
    assert np.float32(np.sqrt(np.float32(2)) / np.sqrt(x.size)).dtype == np.float32


def test_size_inside_transforms():
    a = np.arange(6.0).reshape(2, 3)

    def f(v):
        assert v.size() == (3,) and v.size(0) == 3 and v.size == 3
        return (v * v.size(-1)).sum()

    g = ad.vmap(ad.grad(f))(a)
    np.testing.assert_allclose(g, np.full((2, 3), 3.0))
    assert ad.jit(lambda v: v.reshape(v.size(0), -1).sum(1) * v.size)(a).shape == (2,)


def test_device_and_is_cuda():
    x = ad.tensor(np.zeros(3))
    assert x.device == np.zeros(3).device == "cpu" and x.is_cuda is False
    assert str(x.device) == str(_t(np.zeros(3)).device)
    assert x.to(x.device).device == "cpu"


# ---- Module.apply, the module tree and casts ------------------------------------------------
def _pair():
    """The same model in torch and gpuad: nesting, a shared submodule, a ModuleList and a
    BatchNorm with an integer buffer."""
    import gpuad.nn as gnn

    def build(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
                self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.BatchNorm1d(3)])
                self.shared = self.enc  # the same module under two names
                self.head = nn.Linear(3, 1)

            def forward(self, x):
                return self.head(self.blocks[1](self.blocks[0](self.enc(x))))

        return Net()

    class GModule(gnn.Module):  # torch's Module.__init__ takes no part in gpuad's
        def __init__(self):
            pass

    class G:
        Module = GModule
        Sequential, Linear, Tanh = gnn.Sequential, gnn.Linear, gnn.Tanh
        ModuleList, BatchNorm1d = gnn.ModuleList, gnn.BatchNorm1d

    return build(torch.nn).double(), build(G)


def test_module_tree_matches_torch():
    tm, gm = _pair()
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "net"}):
        assert [n for n, _ in gm.named_modules(**kw)] == [n for n, _ in tm.named_modules(**kw)]
    assert [n for n, _ in gm.named_children()] == [n for n, _ in tm.named_children()]
    assert len(list(gm.children())) == len(list(tm.children()))
    assert len(list(gm.modules())) == len(list(tm.modules()))

    def order(model):
        names = {id(m): n for n, m in model.named_modules()}
        seen = []
        assert model.apply(lambda m: seen.append(names[id(m)])) is model
        return seen

    assert order(gm) == order(tm)  # children first, the shared module visited once per parent


def test_module_casts_match_torch():
    tm, gm = _pair()
    gm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    w = gm.head.weight
    opt = ad.optim.SGD(gm.parameters(), lr=0.1)
    x = np.random.default_rng(0).standard_normal((4, 2))
    loss = gm(ad.tensor(x)).sum()
    loss.backward()
    for cast in ("float", "double", "half", "double"):
        assert getattr(gm, cast)() is gm
        getattr(tm, cast)()
        gs, ts = gm.state_dict(), tm.state_dict()
        assert sorted(gs) == sorted(ts)
        for k in ts:
            assert np.dtype(gs[k].dtype) == np.dtype(str(ts[k].dtype).split(".")[1]), k
    assert gm.head.weight is w and isinstance(w, ad.nn.Parameter)  # kept, not replaced
    assert w.grad.dtype == np.float64
    opt.step()  # the optimiser steps the same (cast) parameter
    assert gm.to(np.float32) is gm and w.dtype == np.float32
    assert gm.to("cpu", dtype=torch.float64) is gm and w.dtype == np.float64
    assert gm.to(ad.tensor(np.zeros(1, np.float32))) is gm and w.dtype == np.float32
    assert gm.blocks[1].num_batches_tracked.dtype.kind == "i"  # integer buffers kept
    with pytest.raises(TypeError, match="floating-point"):
        gm.to(np.int64)
    with pytest.raises(RuntimeError, match="backend"):
        gm.to("cuda")
    loss2 = gm(ad.tensor(x.astype(np.float32))).sum()
    gm.double()  # a version bump: the graph recorded before refuses to backward
    with pytest.raises(ad.GradError):
        loss2.backward()


# ---- gpuad.func: torch.func's conventions ---------------------------------------------------
def _same(a, b, tol=1e-10):
    """Same structure (tuples, lists and dicts kept apart) and the same numbers: a gpuad
    result (Tensors where torch.func's are Tensors, requiring grad where torch's do) against
    a torch.func one."""
    assert type(a) is type(b) or not isinstance(a, tuple | list | dict), (type(a), type(b))
    if isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for k in a:
            _same(a[k], b[k], tol)
    elif isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y, tol)
    else:
        assert isinstance(a, ad.Tensor) == isinstance(b, torch.Tensor), (type(a), type(b))
        if isinstance(b, torch.Tensor):
            assert a.requires_grad == b.requires_grad
            a, b = a.detach().numpy(), b.detach().numpy()
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)


def _args(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    a = [rng.standard_normal(s) for s in shapes]
    return [ad.tensor(v) for v in a], [_t(v) for v in a]


def _f(x, y):  # written once, run on torch tensors and gpuad Tensors alike
    return ((x * y).sin() * x).sum()


def _aux(x, y):
    return _f(x, y), {"sq": x * x}


def test_func_grad_and_grad_and_value():
    import torch.func as tf

    import gpuad.func as gf

    (x, y), (tx, ty) = _args((3,), (3,))
    for kw in ({}, {"argnums": 1}, {"argnums": (0, 1)}):
        _same(gf.grad(_f, **kw)(x, y), tf.grad(_f, **kw)(tx, ty))
        _same(gf.grad_and_value(_f, **kw)(x, y), tf.grad_and_value(_f, **kw)(tx, ty))
        _same(gf.grad(_aux, has_aux=True, **kw)(x, y), tf.grad(_aux, has_aux=True, **kw)(tx, ty))
        _same(
            gf.grad_and_value(_aux, has_aux=True, **kw)(x, y),  # (grad, (value, aux))
            tf.grad_and_value(_aux, has_aux=True, **kw)(tx, ty),
        )
    scale = lambda x, s: (x * x).sum() * s  # noqa: E731  (keywords: passed, not differentiated)
    _same(gf.grad(scale)(x, s=3.0), tf.grad(scale)(tx, s=3.0))


def test_func_vjp_jvp_linearize():
    import torch.func as tf

    import gpuad.func as gf

    (x, y, u), (tx, ty, tu) = _args((3,), (3,), (3,))
    one = lambda x: x.sin() * x  # noqa: E731
    out, fn = gf.vjp(one, x)
    tout, tfn = tf.vjp(one, tx)
    _same((out, fn(u)), (tout, tfn(tu)))  # a 1-tuple for one primal
    two = lambda x, y: {"a": x * y, "b": (x + y).exp()}  # noqa: E731
    out, fn, aux = gf.vjp(lambda x, y: (two(x, y), x.cos()), x, y, has_aux=True)
    tout, tfn, taux = tf.vjp(lambda x, y: (two(x, y), x.cos()), tx, ty, has_aux=True)
    _same((out, aux, fn({"a": u, "b": u * 2})), (tout, taux, tfn({"a": tu, "b": tu * 2})))
    _same(gf.jvp(_f, (x, y), (u, u)), tf.jvp(_f, (tx, ty), (tu, tu)))
    _same(
        gf.jvp(_aux, (x, y), (u, u), has_aux=True), tf.jvp(_aux, (tx, ty), (tu, tu), has_aux=True)
    )
    for bad in ([x, y], x):
        with pytest.raises(RuntimeError, match="tuple"):
            gf.jvp(_f, bad, (u, u))
    out, fn = gf.linearize(one, x)
    tout, tfn = tf.linearize(one, tx)
    _same((out, fn(u)), (tout, tfn(tu)))


def test_func_jacobians():
    import torch.func as tf

    import gpuad.func as gf

    (x, y), (tx, ty) = _args((3,), (2,))
    f = lambda x, y: {"p": x[:2] * y.exp(), "q": (x * x).sum()}  # noqa: E731
    for kw in ({}, {"argnums": 1}, {"argnums": (0, 1)}):
        _same(gf.jacrev(f, **kw)(x, y), tf.jacrev(f, **kw)(tx, ty))
        _same(gf.jacfwd(f, **kw)(x, y), tf.jacfwd(f, **kw)(tx, ty))
        h = lambda x, y: (x.sin() * x).sum() * (y * y).sum()  # noqa: E731
        _same(gf.hessian(h, **kw)(x, y), tf.hessian(h, **kw)(tx, ty))
    g = lambda x: (x.sin(), x * 2)  # noqa: E731
    _same(gf.jacrev(g, has_aux=True, chunk_size=1)(x), tf.jacrev(g, has_aux=True, chunk_size=1)(tx))
    _same(gf.jacfwd(g, has_aux=True)(x), tf.jacfwd(g, has_aux=True)(tx))
    with pytest.raises(ValueError, match="randomness"):
        gf.jacfwd(g, randomness="different")


def test_func_vmap():
    import torch.func as tf

    import gpuad.func as gf

    (xs, w, s), (txs, tw, ts) = _args((4, 3), (3,), (3,))
    f = lambda x, w, s=1.0: (x * w).sin() * s  # noqa: E731
    for kw in ({"in_dims": (0, None)}, {"in_dims": (1, None), "out_dims": 1}):
        a = xs if kw["in_dims"][0] == 0 else xs.T.copy()
        ta = txs if kw["in_dims"][0] == 0 else txs.T.contiguous()
        _same(gf.vmap(f, **kw)(a, w, s=s), tf.vmap(f, **kw)(ta, tw, s=ts))  # s unbatched
    nested = lambda d: d["x"] * d["w"]  # noqa: E731
    _same(
        gf.vmap(nested, in_dims=({"x": 0, "w": None},), chunk_size=3)({"x": xs, "w": w}),
        tf.vmap(nested, in_dims=({"x": 0, "w": None},), chunk_size=3)({"x": txs, "w": tw}),
    )
    per_example = gf.vmap(gf.grad(_f), in_dims=(0, None))(xs, w)
    _same(per_example, tf.vmap(tf.grad(_f), in_dims=(0, None))(txs, tw))
    with pytest.raises(ValueError, match="different"):
        gf.vmap(f, randomness="different")


def test_func_functional_call_and_stack_module_state():
    import torch.func as tf

    import gpuad.func as gf
    import gpuad.nn as gnn

    def tied(nn, module):
        class Tied(module):
            def __init__(self):
                super().__init__()
                self.enc, self.dec = nn.Linear(3, 3), nn.Linear(3, 3)
                self.dec.weight = self.enc.weight  # one Parameter under two names
                self.bn = nn.BatchNorm1d(3)

            def forward(self, x, shift=0.0):
                return self.dec(self.bn(self.enc(x).tanh())) + shift

        return Tied().eval()

    class GModule(gnn.Module):
        def __init__(self):
            pass

    def fresh():
        tm, gm = tied(torch.nn, torch.nn.Module).double(), tied(gnn, GModule)
        gm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
        return tm, gm

    (x,), (tx,) = _args((5, 3))
    tm, gm = fresh()
    new = {k: v.detach() * 0.5 + 0.1 for k, v in tm.named_parameters()}
    bufs = {"bn.running_mean": torch.full((3,), 0.3, dtype=torch.float64)}
    gnew = {k: v.numpy() for k, v in new.items()}
    gbufs = {k: v.numpy() for k, v in bufs.items()}
    for targs, gargs in (
        (((new, bufs), tx), ((gnew, gbufs), x)),  # a tuple of dicts, args not a tuple
        ((new, (tx,), {"shift": 1.0}), (gnew, (x,), {"shift": 1.0})),
        ((new, None, {"x": tx}), (gnew, None, {"x": x})),
    ):
        want = tf.functional_call(tm, *targs).detach().numpy()
        _same(gf.functional_call(gm, *gargs).numpy(), want)
    # a tied weight given under one name is used under all (tie_weights=True), or not
    for tie in (True, False):
        tm, gm = fresh()
        one, gone = {"enc.weight": new["enc.weight"]}, {"enc.weight": gnew["enc.weight"]}
        _same(
            gf.functional_call(gm, gone, x, tie_weights=tie).numpy(),
            tf.functional_call(tm, one, tx, tie_weights=tie).detach().numpy(),
        )
    both = {"enc.weight": gnew["enc.weight"], "dec.weight": gnew["enc.weight"] + 1}
    with pytest.raises(ValueError, match="tied"):
        gf.functional_call(gm, both, x)
    with pytest.raises(RuntimeError, match="missing"):
        gf.functional_call(gm, gone, x, strict=True)
    with pytest.raises(KeyError, match="unexpected"):
        gf.functional_call(gm, {"nope": x}, x)
    assert gm.dec.weight is gm.enc.weight and isinstance(gm.enc.weight, gnn.Parameter)
    _same(gm(x).numpy(), tm(tx).detach().numpy())  # its own weights again

    # an ensemble: stacked states, vmapped functional_call
    torch.manual_seed(0)
    tms = [torch.nn.Linear(3, 2).double() for _ in range(3)]
    gms = [gnn.Linear(3, 2) for _ in range(3)]
    for g, t in zip(gms, tms, strict=True):
        g.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    p, b = gf.stack_module_state(gms)
    tp_, tb = tf.stack_module_state(tms)
    assert b == tb == {} and list(p) == list(tp_)
    assert all(v.requires_grad and v.is_leaf for v in p.values())
    call = lambda m: lambda p, x: gf.functional_call(m, p, (x,))  # noqa: E731
    tcall = lambda m: lambda p, x: tf.functional_call(m, p, (x,))  # noqa: E731
    out = gf.vmap(call(gms[0]), in_dims=(0, None))(p, x)
    tout = tf.vmap(tcall(tms[0]), in_dims=(0, None))(tp_, tx)
    _same(out.detach().numpy(), tout.detach().numpy())
    (out * out).sum().backward()  # the stacked parameters are leaves, as torch's
    (tout * tout).sum().backward()
    _same({k: v.grad.numpy() for k, v in p.items()}, {k: v.grad.numpy() for k, v in tp_.items()})
    bn = [gnn.BatchNorm1d(3) for _ in range(2)]
    assert list(gf.stack_module_state(bn)[1]) == list(
        tf.stack_module_state([torch.nn.BatchNorm1d(3) for _ in range(2)])[1]
    )


# ---- scatter_reduce -------------------------------------------------------------------------
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _scatter_case(seed=0):
    """Integer-valued data: ties among the scattered values (amax/amin split the gradient among
    them), zeros (prod), repeated targets; ``self`` off the integers (never equal to a value
    scattered into it: see test_scatter_reduce_excluded_self_equal_to_result)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, (3, 5)) + 0.5
    src = rng.integers(-1, 2, (3, 3)).astype(float)
    idx = rng.integers(0, 5, (3, 3))
    return a, src, idx


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values_and_grads_match_torch(include_self):
    a, src, idx = _scatter_case()
    w = np.random.default_rng(1).standard_normal(a.shape)
    for red in _REDUCES:
        x, v = ad.tensor(a, requires_grad=True), ad.tensor(src, requires_grad=True)
        tx, tv = _t(a, True), _t(src, True)
        out = x.scatter_reduce(1, idx, v, red, include_self=include_self)
        tout = tx.scatter_reduce(1, torch.tensor(idx), tv, red, include_self=include_self)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
        (out * w).sum().backward()
        (tout * _t(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12, err_msg=red)
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), atol=1e-12, err_msg=red)
        # the in-place form, on a non-leaf
        y = x * 1.0
        assert y.scatter_reduce_(1, idx, v, red, include_self=include_self) is y
        np.testing.assert_allclose(y.numpy(), out.numpy())
        # a src larger than the index is cut to it (values only: torch's backward refuses)
        big = np.concatenate([src, src[:, :1] + 9], axis=1)
        np.testing.assert_allclose(
            x.scatter_reduce(1, idx, ad.tensor(big), red, include_self=include_self).numpy(),
            tout.detach().numpy(),
        )


def test_scatter_reduce_prod_with_zeros_and_integer_mean():
    # several zeros reaching one target, a zero in self, a single zero: the product rule
    a = np.array([0.0, 2.0, 3.0])
    src = np.array([0.0, 0.0, 5.0, 0.0, 4.0, 7.0])
    idx = np.array([0, 0, 1, 1, 2, 2])
    for inc in (True, False):
        x, v = ad.tensor(a, requires_grad=True), ad.tensor(src, requires_grad=True)
        tx, tv = _t(a, True), _t(src, True)
        x.scatter_reduce(0, idx, v, "prod", include_self=inc).sum().backward()
        tx.scatter_reduce(0, torch.tensor(idx), tv, "prod", include_self=inc).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())
    ai, si = np.array([7, -3, 4]), np.array([2, -5, 1, 1])
    ii = np.array([0, 1, 1, 2])
    for inc in (True, False):
        got = ad.tensor(ai).scatter_reduce(0, ii, ad.tensor(si), "mean", include_self=inc)
        want = torch.tensor(ai).scatter_reduce(
            0, torch.tensor(ii), torch.tensor(si), "mean", include_self=inc
        )
        assert got.dtype == np.int64 and got.numpy().tolist() == want.tolist()


def test_scatter_reduce_excluded_self_equal_to_result():
    # out[0] = max(src[0], src[1]) = src[0], a unique maximum: d out[0] / d src[0] = 1. torch
    # counts the excluded self (equal to the result by chance) among the ties and passes 0.5
    s, src, idx = np.array([3.0, 5.0]), np.array([3.0, 1.0]), np.array([0, 0])
    for red, sign in (("amax", 1), ("amin", -1)):
        f = lambda x, v: gnp.sum(x.scatter_reduce(0, idx, v, red, include_self=False))  # noqa: E731,B023
        gx, gv = ad.grad(f, argnums=(0, 1))(sign * s, sign * src)
        np.testing.assert_allclose(gv, [1.0, 0.0])
        np.testing.assert_allclose(gx, [0.0, 1.0])


def test_scatter_reduce_finite_differences_and_transforms():
    from gpuad.testing import check_grads

    rng = np.random.default_rng(2)
    a, src = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))
    idx = rng.integers(0, 2, (3, 3))
    for red in _REDUCES:
        for inc in (True, False):

            def f(x, v, red=red, inc=inc):
                return (
                    ad.tensor(x).scatter_reduce(0, idx, v, red, include_self=inc)
                    if not (isinstance(x, ad.Tensor))
                    else x.scatter_reduce(0, idx, v, red, include_self=inc)
                )

            check_grads(f, (a, src), order=2 if red == "prod" else 1)
            ref = f(a, src).numpy()
            np.testing.assert_allclose(ad.jit(f)(a, src), ref)
            batched = ad.vmap(f, in_axes=(None, 0))(a, np.stack([src, 2 * src]))
            np.testing.assert_allclose(batched[0], ref)
            np.testing.assert_allclose(batched[1], f(a, 2 * src).numpy())
    g = lambda x, v, i: ad.tensor(x).scatter_reduce(0, i, v, "amax")  # noqa: E731
    with pytest.raises(ad.jit.TracerError, match="unique_indices"):
        ad.jit(g)(a, src, idx)  # an index from the arguments: its repeats are read on the host
    per_index = ad.vmap(g, in_axes=(None, None, 0))(a, src, np.stack([idx, idx[::-1]]))
    np.testing.assert_allclose(per_index[1], g(a, src, idx[::-1]).numpy())


def test_scatter_reduce_errors():
    x = ad.tensor(np.zeros((2, 3)))
    v = ad.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="reduce must be one of"):
        x.scatter_reduce(1, np.zeros((2, 3), int), v, "max")
    with pytest.raises(IndexError, match="out of range"):
        x.scatter_reduce(1, np.full((2, 3), 3), v, "sum")
    with pytest.raises(TypeError, match="dtype"):
        x.scatter_reduce(1, np.zeros((2, 3), int), ad.tensor(np.ones((2, 3), np.float32)), "sum")
    leaf = ad.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(Exception, match="leaf"):
        leaf.scatter_reduce_(0, np.array([0]), ad.tensor(np.ones(1)), "sum")
