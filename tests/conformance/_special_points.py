"""Evaluation helpers for the special-point sweep (test_special_points_vs_peers.py): a function's
value, reverse-mode derivative (vjp with a cotangent of ones) and forward-mode derivative (jvp
along each argument in turn) in gpuad, PyTorch and JAX, and their comparison."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import gpuad as ad


def special_points(dtype) -> np.ndarray:
    """0, -0, +-1, the smallest normal, a denormal, the largest finite, +-inf, NaN and a few
    ordinary points (+-0.5, +-2, +-30)."""
    fi = np.finfo(dtype)
    pts = [0.0, -0.0, 1.0, -1.0, fi.tiny, -fi.tiny, fi.tiny / 8, -fi.tiny / 8, fi.max, -fi.max,
           np.inf, -np.inf, np.nan, 0.5, -0.5, 2.0, -2.0, 30.0, -30.0]
    return np.array(pts, dtype=dtype)


def pair_points(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of a smaller set of special points (for the binary functions)."""
    fi = np.finfo(dtype)
    p = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, fi.tiny / 8, fi.max,
                  np.inf, -np.inf, np.nan], dtype=dtype)
    a, b = np.meshgrid(p, p, indexing="ij")
    return a.ravel(), b.ravel()


@dataclass
class Result:
    value: Any = None
    grads: tuple = ()       # reverse mode: one array per argument (None: not differentiated)
    tangents: tuple = ()    # forward mode: one array per argument
    error: str | None = None


def _np(a) -> np.ndarray | None:
    if a is None:
        return None
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    if isinstance(a, ad.Tensor):
        return a.numpy()
    return np.asarray(a)


def weights(a) -> np.ndarray:
    """1, 2, 3, ... in the shape and dtype of ``a``: a cotangent or tangent that tells tied
    elements apart."""
    a = np.asarray(a)
    return np.arange(1, a.size + 1, dtype=a.dtype).reshape(a.shape)


def _ones(a):
    return np.ones_like(np.asarray(a))


def run_gpuad(f: Callable, args: tuple, diff: tuple[int, ...], seed=_ones) -> Result:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, back = ad.vjp(lambda *d: f(*_put(args, diff, d)), *[args[i] for i in diff])
            val = _np(out)
            gs = back(seed(val))
            tans = []
            for k, _ in enumerate(diff):
                tv = [np.zeros_like(args[i]) for i in diff]
                tv[k] = seed(args[diff[k]])
                tans.append(_np(ad.jvp(lambda *d: f(*_put(args, diff, d)),
                                       [args[i] for i in diff], tv)[1]))
        return Result(val, tuple(_np(g) for g in gs), tuple(tans))
    except Exception as e:  # noqa: BLE001
        return Result(error=f"{type(e).__name__}: {e}")


def _put(args, diff, d):
    a = list(args)
    for i, v in zip(diff, d, strict=False):
        a[i] = v
    return a


def run_torch(f: Callable, args: tuple, diff: tuple[int, ...], seed=_ones) -> Result:
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = [torch.tensor(a) for a in args]
            for i in diff:
                ts[i].requires_grad_(True)
            out = f(*ts)
            val = _np(out)
            gs = torch.autograd.grad(out, [ts[i] for i in diff],
                                     torch.tensor(seed(out.detach().numpy())), allow_unused=True)
            gs = tuple(np.zeros_like(args[i]) if g is None else _np(g)
                       for i, g in zip(diff, gs, strict=True))
            tans = []
            for k in range(len(diff)):
                prim = tuple(torch.tensor(args[i]) for i in diff)
                tv = tuple(torch.tensor(seed(p.numpy())) if j == k else torch.zeros_like(p)
                           for j, p in enumerate(prim))
                try:
                    tans.append(_np(torch.func.jvp(
                        lambda *d: f(*_put([torch.tensor(a) for a in args], diff, d)),
                        prim, tv)[1]))
                except Exception:  # noqa: BLE001  (no forward rule in torch)
                    tans.append(None)
        return Result(val, gs, tuple(tans))
    except Exception as e:  # noqa: BLE001
        return Result(error=f"{type(e).__name__}: {e}")


def run_jax(f: Callable, args: tuple, diff: tuple[int, ...], seed=_ones) -> Result:
    import jax
    import jax.numpy as jnp

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            js = [jnp.asarray(a) for a in args]
            g = lambda *d: f(*_put(js, diff, d))  # noqa: E731
            prim = tuple(js[i] for i in diff)
            out, back = jax.vjp(g, *prim)
            gs = back(jnp.asarray(seed(np.asarray(out))))
            tans = []
            for k in range(len(diff)):
                tv = tuple(jnp.asarray(seed(np.asarray(p))) if j == k else jnp.zeros_like(p)
                           for j, p in enumerate(prim))
                tans.append(np.asarray(jax.jvp(g, prim, tv)[1]))
        return Result(np.asarray(out), tuple(np.asarray(x) for x in gs), tuple(tans))
    except Exception as e:  # noqa: BLE001
        return Result(error=f"{type(e).__name__}: {e}")


def close(a, b, dtype, rtol=None, atol=None) -> np.ndarray:
    """Elementwise agreement: NaN equals NaN, infinities equal by sign, finite values within a
    dtype tolerance (relative, with an absolute floor of the smallest normal)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a, b = np.broadcast_arrays(a, b)
    if rtol is None:
        rtol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-9
    atol = np.finfo(dtype).eps if atol is None else atol
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore", over="ignore"):
        same = (a == b) | (np.isfinite(a) & np.isfinite(b)
                           & (np.abs(a - b) <= atol + rtol * np.abs(b)))
    return both_nan | same


@dataclass
class Disagreement:
    case: str
    dtype: str
    what: str            # "value", "grad[i]", "jvp[i]"
    points: list = field(default_factory=list)   # (input(s), gpuad, torch, jax)


def compare(name: str, dtype, args: tuple, diff: tuple, res: dict[str, Result],
            peers=("torch", "jax"), rtol=None, atol=None) -> tuple[list, list]:
    """(bugs, peer splits): where the available peers agree and gpuad differs; where the peers
    differ from each other (with what gpuad gives there)."""
    bugs, splits = [], []
    mine = res["gpuad"]
    if mine.error:
        return [Disagreement(name, str(np.dtype(dtype)), "error: " + mine.error)], []
    ps = [p for p in peers if p in res and res[p].error is None]
    if not ps:
        return [], []

    def quantities(r: Result):
        q = {"value": r.value}
        for k, i in enumerate(diff):
            q[f"grad[{i}]"] = r.grads[k] if k < len(r.grads) else None
            q[f"jvp[{i}]"] = r.tangents[k] if k < len(r.tangents) else None
        return q

    qm = quantities(mine)
    qp = {p: quantities(res[p]) for p in ps}
    # XLA on the CPU flushes denormal inputs to zero: where one is given, the peers do not
    # answer the same question, and a difference is a split, never a bug
    fi = np.finfo(dtype)
    den = False
    for a in args:
        a = np.asarray(a, dtype=np.float64)
        den = den | ((a != 0) & (np.abs(a) < fi.tiny))
    den = den if "jax" in qp else False
    for what, mv in qm.items():
        pv = {p: qp[p][what] for p in ps if qp[p][what] is not None}
        if mv is None or not pv:
            continue
        vals = list(pv.values())
        shape = np.broadcast_shapes(np.shape(mv), *[np.shape(v) for v in vals])
        agree = np.ones(shape, bool)
        for v in vals[1:]:
            agree &= close(vals[0], v, dtype, rtol, atol)
        if np.shape(den) == agree.shape:
            agree &= ~den
        ok = close(mv, vals[0], dtype, rtol, atol)
        bad = agree & ~ok
        split = ~agree
        for mask, out in ((bad, bugs), (split, splits)):
            if mask.any():
                idx = np.argwhere(mask)
                pts = []
                for ix in idx:
                    ix = tuple(ix)
                    inp = tuple(_at(a, ix) if np.shape(a) == mask.shape else
                                _row(a, ix) for a in args)
                    pts.append((inp, _at(mv, ix), {p: _at(v, ix) for p, v in pv.items()}))
                d = Disagreement(name, str(np.dtype(dtype)), what, pts)
                d.count = int(mask.sum())
                out.append(d)
    return bugs, splits


def _at(a, ix):
    a = np.asarray(a)
    if a.ndim == 0:
        return a.item()
    try:
        return a[ix[-a.ndim:]].item() if a.ndim <= len(ix) else a[ix]
    except Exception:  # noqa: BLE001
        return a


def _row(a, ix):
    """The input row a reduction's result ``ix`` came from."""
    a = np.asarray(a)
    return a[ix[0]].tolist() if a.ndim and len(ix) else a.tolist()


def second_derivative(lib: str, f: Callable, x: np.ndarray) -> np.ndarray | str:
    """d2/dx2 of an elementwise ``f`` at each point of ``x`` (reverse over reverse)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if lib == "gpuad":
                import gpuad.numpy as gnp

                d1 = lambda z: ad.grad(lambda w: gnp.sum(f(w)))(z)  # noqa: E731
                return _np(ad.grad(lambda z: gnp.sum(d1(z)))(x))
            if lib == "torch":
                import torch

                t = torch.tensor(x, requires_grad=True)
                (g,) = torch.autograd.grad(f(t).sum(), t, create_graph=True)
                if not g.requires_grad:
                    return np.zeros_like(x)
                (h,) = torch.autograd.grad(g.sum(), t, allow_unused=True)
                return np.zeros_like(x) if h is None else h.detach().numpy()
            import jax

            return np.asarray(jax.vmap(jax.grad(jax.grad(f)))(x))
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {e}"
