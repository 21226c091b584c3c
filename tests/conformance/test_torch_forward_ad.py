"""``gpuad.autograd.forward_ad`` against ``torch.autograd.forward_ad`` itself: the same
programs (elementwise ops, reductions, matmul, indexing, views, in-place writes, linalg,
softmax, convolution) run on dual tensors in both libraries with the same float64 primals and
tangents; primals and tangents must agree, and so must reverse mode over the tangents."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.autograd.forward_ad as fwAD
import gpuad.nn.functional as F
import gpuad.numpy as gnp
import gpuad.scipy.special as gsp

torch = pytest.importorskip("torch")
tfw = pytest.importorskip("torch.autograd.forward_ad")
TF = torch.nn.functional


def _pos(shape):
    return ("pos", shape)


def _spd(n):
    return ("spd", n)


def _inplace(method):
    """``x * 1`` then ``.method(y)`` on it (torch and gpuad have the same method names)."""
    def f(x, y):
        z = x * 1
        getattr(z, method)(y)
        return z
    return f


def _view_write(x, y):
    z = x * 1
    v = z[1]  # a view of a dual, written in place with another dual
    v.mul_(y[0])
    z[0, ::2] = y[1, :2]
    return z


def _torch_view_write(x, y):
    z = x * 1
    v = z[1]
    v.mul_(y[0])
    z[0, ::2] = y[1, :2]
    return z


# name: (gpuad function, torch function, input kinds): a kind is a shape (random normal), or
# ("pos", shape) for positive values, or ("spd", n) for a well-conditioned matrix
CASES = {
    "sin": (gnp.sin, torch.sin, [(3, 4)]),
    "exp": (gnp.exp, torch.exp, [(3, 4)]),
    "log": (gnp.log, torch.log, [_pos((3, 4))]),
    "tanh": (gnp.tanh, torch.tanh, [(3, 4)]),
    "sqrt": (gnp.sqrt, torch.sqrt, [_pos((5,))]),
    "cube": (lambda x: x ** 3, lambda x: x ** 3, [(5,)]),
    "pow": (gnp.power, torch.pow, [_pos((4,)), (4,)]),
    "abs": (gnp.abs, torch.abs, [(6,)]),
    "div": (lambda x, y: x / y, lambda x, y: x / y, [(3, 4), _pos((4,))]),
    "maximum": (gnp.maximum, torch.maximum, [(3, 4), (3, 4)]),
    "atan2": (gnp.arctan2, torch.atan2, [(5,), (5,)]),
    "where": (lambda x, y: gnp.where(x > 0, x, y * 2),
              lambda x, y: torch.where(x > 0, x, y * 2), [(3, 4), (3, 4)]),
    "clip": (lambda x: gnp.clip(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5), [(8,)]),
    "erf": (gsp.erf, torch.erf, [(6,)]),
    "log1p_expm1": (lambda x: gnp.log1p(gnp.expm1(x) ** 2), lambda x: torch.log1p(
        torch.expm1(x) ** 2), [(6,)]),
    "sigmoid": (F.sigmoid, torch.sigmoid, [(6,)]),
    "gelu": (F.gelu, TF.gelu, [(6,)]),
    "softplus": (F.softplus, TF.softplus, [(6,)]),
    "sum_axis": (lambda x: gnp.sum(x, axis=1), lambda x: x.sum(1), [(3, 4)]),
    "mean": (gnp.mean, torch.mean, [(3, 4)]),
    "prod": (lambda x: gnp.prod(x, axis=0), lambda x: x.prod(0), [(3, 4)]),
    "max_axis": (lambda x: gnp.max(x, axis=1), lambda x: x.amax(1), [(3, 4)]),
    "logsumexp": (lambda x: gsp.logsumexp(x, axis=0), lambda x: x.logsumexp(0), [(3, 4)]),
    "var": (lambda x: gnp.var(x, axis=0), lambda x: x.var(0, unbiased=False), [(3, 4)]),
    "norm": (gnp.linalg.norm, torch.linalg.norm, [(3, 4)]),
    "cumsum": (lambda x: gnp.cumsum(x, axis=1), lambda x: x.cumsum(1), [(3, 4)]),
    "cumprod": (lambda x: gnp.cumprod(x, axis=1), lambda x: x.cumprod(1), [(3, 4)]),
    "matmul": (gnp.matmul, torch.matmul, [(3, 4), (4, 2)]),
    "batched_matmul": (gnp.matmul, torch.matmul, [(2, 3, 4), (4, 2)]),
    "einsum": (lambda x, y: gnp.einsum("ij,kj->ik", x, y),
               lambda x, y: torch.einsum("ij,kj->ik", x, y), [(3, 4), (2, 4)]),
    "advanced_index": (lambda x: x[[2, 0, 2]], lambda x: x[[2, 0, 2]], [(3, 4)]),
    "slice": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], [(3, 4)]),
    "take_along_axis": (lambda x: gnp.take_along_axis(x, np.array([[1, 0], [3, 3], [0, 2]]), 1),
                        lambda x: torch.gather(x, 1, torch.tensor([[1, 0], [3, 3], [0, 2]])),
                        [(3, 4)]),
    "transpose_reshape": (lambda x: x.T.reshape(2, 6), lambda x: x.T.reshape(2, 6), [(3, 4)]),
    "broadcast_diag": (lambda x, y: gnp.diagonal(x[:, None] * y, axis1=1, axis2=2),
                       lambda x, y: torch.diagonal(x[:, None] * y, dim1=1, dim2=2),
                       [(3, 4), (4, 4)]),
    "concat_stack": (lambda x, y: gnp.stack([gnp.concatenate([x, y * x[0]]), gnp.tile(x, (2, 1))]),
                     lambda x, y: torch.stack([torch.cat([x, y * x[0]]), x.repeat(2, 1)]),
                     [(2, 3), (2, 3)]),
    "mul_": (_inplace("mul_"), _inplace("mul_"), [(3, 4), (3, 4)]),
    "add_": (_inplace("add_"), _inplace("add_"), [(3, 4), (4,)]),
    "copy_": (_inplace("copy_"), _inplace("copy_"), [(3, 4), (3, 4)]),
    "view_write": (_view_write, _torch_view_write, [(3, 4), (3, 4)]),
    "solve": (gnp.linalg.solve, torch.linalg.solve, [_spd(4), (4, 2)]),
    "inv": (gnp.linalg.inv, torch.linalg.inv, [_spd(4)]),
    "det": (gnp.linalg.det, torch.linalg.det, [_spd(4)]),
    "slogdet": (lambda a: gnp.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1],
                [_spd(4)]),
    "cholesky": (gnp.linalg.cholesky, torch.linalg.cholesky, [("sym", 4)]),
    "eigvalsh": (gnp.linalg.eigvalsh, torch.linalg.eigvalsh, [("sym", 4)]),
    "softmax": (lambda x: F.softmax(x, dim=1), lambda x: TF.softmax(x, dim=1), [(3, 4)]),
    "log_softmax": (lambda x: F.log_softmax(x, dim=0), lambda x: TF.log_softmax(x, dim=0),
                    [(3, 4)]),
    "conv2d": (lambda x, w: F.conv2d(x, w, padding=1, stride=2),
               lambda x, w: TF.conv2d(x, w, padding=1, stride=2), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "layer_norm": (lambda x: F.layer_norm(x, (4,)), lambda x: TF.layer_norm(x, (4,)), [(3, 4)]),
    "sort": (lambda x: gnp.sort(x, axis=1), lambda x: torch.sort(x, 1).values, [(3, 4)]),
}


def _make(kind, rng):
    if isinstance(kind, tuple) and kind and kind[0] == "pos":
        return rng.random(kind[1]) + 0.5
    if isinstance(kind, tuple) and kind and kind[0] in ("spd", "sym"):
        a = rng.standard_normal((kind[1], kind[1]))
        return a @ a.T + kind[1] * np.eye(kind[1])
    return rng.standard_normal(kind)


def _inputs(kinds, seed):
    rng = np.random.default_rng(seed)
    xs = [_make(k, rng) for k in kinds]
    ts = []
    for k, x in zip(kinds, xs, strict=True):
        t = rng.standard_normal(x.shape)
        if isinstance(k, tuple) and k and k[0] == "sym":
            t = t + t.T  # a symmetric direction for the symmetric-input functions
        ts.append(t)
    return xs, ts


def _host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _gpuad(f, xs, ts):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(ad.tensor(x.copy()), ad.tensor(t.copy()))
                 for x, t in zip(xs, ts, strict=True)]
        p, t = fwAD.unpack_dual(f(*duals))
    return _host(p), (None if t is None else _host(t))


def _torch(f, xs, ts):
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(x), torch.tensor(t))
                 for x, t in zip(xs, ts, strict=True)]
        p, t = tfw.unpack_dual(f(*duals))
    return p.detach().numpy(), (None if t is None else t.detach().numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_tangents_match_torch(backend, name):
    g, t, kinds = CASES[name]
    for seed in (0, 1):
        xs, ts = _inputs(kinds, seed)
        gp, gt = _gpuad(g, xs, ts)
        tp, tt = _torch(t, xs, ts)
        np.testing.assert_allclose(gp, tp, rtol=1e-10, atol=1e-12, err_msg=f"{name}: primal")
        assert gt is not None and tt is not None, name
        np.testing.assert_allclose(gt, tt, rtol=1e-9, atol=1e-11, err_msg=f"{name}: tangent")


def _torch_tangent_dot(t, xs, ts, w):
    """``<w, tangent>`` of torch's function at primals ``xs`` and tangents ``ts`` (its
    tangents agree with gpuad's: test_tangents_match_torch)."""
    with tfw.dual_level():
        duals = [tfw.make_dual(torch.tensor(x), torch.tensor(v)) for x, v in zip(xs, ts,
                                                                               strict=True)]
        return float((tfw.unpack_dual(t(*duals)).tangent * torch.tensor(w)).sum())


def _central(t, xs, ts, w, eps=1e-6):
    """Central differences of :func:`_torch_tangent_dot` in every primal and tangent."""
    out = []
    vals = [a.copy() for a in xs + ts]
    n = len(xs)
    for k, a in enumerate(vals):
        g = np.zeros(a.size)
        for i in range(a.size):
            for sgn in (1, -1):
                b = [v.copy() for v in vals]
                b[k].reshape(-1)[i] += sgn * eps
                g[i] += sgn * _torch_tangent_dot(t, b[:n], b[n:], w) / (2 * eps)
        out.append(g.reshape(a.shape))
    return out


# torch's backward through the tangent of its forward-mode det is not that tangent's gradient
# (its rows differ from central differences); gpuad's is compared with central differences only
_TORCH_DIFFERS = {"det"}


# (softmax: torch's own backward through its forward-mode softmax raises, a write it checks)
@pytest.mark.parametrize("name", ["sin", "pow", "matmul", "det", "inv", "mul_",
                                  "view_write", "conv2d"])
def test_reverse_over_forward_matches_torch(backend, name):
    g, t, kinds = CASES[name]
    xs, ts = _inputs(kinds, 2)
    rng = np.random.default_rng(3)

    with fwAD.dual_level():
        gx = [ad.tensor(x.copy(), requires_grad=True) for x in xs]
        gv = [ad.tensor(v.copy(), requires_grad=True) for v in ts]
        tan = fwAD.unpack_dual(g(*[fwAD.make_dual(a, b) for a, b in zip(gx, gv, strict=True)]))
        w = rng.standard_normal(tan.tangent.shape)
        grads = ad.autograd.grad(gnp.sum(tan.tangent * w), gx + gv, allow_unused=True)
    for k, (a, c) in enumerate(zip(grads, _central(t, xs, ts, w), strict=True)):
        a = np.zeros_like(c) if a is None else _host(a)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: gradient {k} of the tangent")
    if name in _TORCH_DIFFERS:
        return
    with tfw.dual_level():
        tx = [torch.tensor(x, requires_grad=True) for x in xs]
        tv = [torch.tensor(v, requires_grad=True) for v in ts]
        ttan = tfw.unpack_dual(t(*[tfw.make_dual(a, b) for a, b in zip(tx, tv, strict=True)]))
        tgrads = torch.autograd.grad((ttan.tangent * torch.tensor(w)).sum(), tx + tv,
                                     allow_unused=True)
    for k, (a, b) in enumerate(zip(grads, tgrads, strict=True)):
        if b is None:
            assert a is None or np.allclose(_host(a), 0), (name, k)
            continue
        np.testing.assert_allclose(_host(a), b.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"{name}: gradient {k} of the tangent")


def test_gradcheck_forward_ad_agrees_with_torch(backend):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 3))
    g = ad.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    assert ad.autograd.gradcheck(lambda a: gnp.linalg.inv(a + 3 * gnp.eye(3)), (g,),
                                 check_forward_ad=True, check_batched_forward_grad=True)
    assert torch.autograd.gradcheck(lambda a: torch.linalg.inv(a + 3 * torch.eye(3)), (tx,),
                                    check_forward_ad=True)
