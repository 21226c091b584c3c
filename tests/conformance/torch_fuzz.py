"""Differential fuzzer of gpuad's torch-style API against PyTorch (float64, CPU).

A seeded generator builds small random programs step by step, written once against a shim
(``TorchLib``/``GpuadLib``: leaves, constants, ``cat``, ``stack``, ``where``, ``einsum``, ``F``)
so the same step runs on torch tensors and on gpuad Tensors in lockstep. The steps are Tensor
methods and ``nn.functional`` calls: elementwise ops, broadcasting with size-1 and 0-size
dims, reductions with dim/keepdim, cumsum/cumprod, sort/topk/max with indices, softmax,
norms, matmul/bmm/einsum, losses, views (slices with steps and negative bounds, select,
narrow, transpose, permute, expand, view/reshape, diagonal, unbind/chunk/split), advanced and
mask indexing, in-place methods and writes at the end of chains of views, masks computed
from values, integer and boolean tensors mixed in, and (one program in five) values drawn
from a few numbers so that ties and kinks occur.

For each program: forward values at every step and at the end (writes through aliases), the
gradient of a random weighted sum of the results with respect to every leaf, and the program
compiled by ``gpuad.jit`` on one set of leaves and replayed on two others (against eager
gpuad). Where torch refuses a backward (a value saved for it was overwritten, or torch's own
limits) and gpuad does not, gpuad's gradient is checked against central differences; where
the gradients differ, too (torch counts a repeated index of ``x[idx] += v`` once per repeat).

Run it as a script: ``python tests/conformance/torch_fuzz.py FIRST_SEED N [--jit]
[--verbose]``; tests/conformance/test_torch_fuzz.py runs a few seeds.
"""

from __future__ import annotations

import sys
import traceback
import warnings

import numpy as np
import torch

import gpuad as ad
import gpuad.nn.functional as GF
import gpuad.numpy as gnp

MAXN = 48


# ------------------------------------------------------------------------------------ shims
class TorchLib:
    name = "torch"
    F = torch.nn.functional

    def leaf(self, a):
        return torch.tensor(a, requires_grad=True)

    def const(self, a):
        return torch.tensor(np.asarray(a))

    def cat(self, xs, d):
        return torch.cat(xs, d)

    def stack(self, xs, d):
        return torch.stack(xs, d)

    def where(self, c, x, y):
        return torch.where(c, x, y)

    def einsum(self, s, *xs):
        return torch.einsum(s, *xs)

    def host(self, x):
        return x.detach().numpy()


class GpuadLib:
    name = "gpuad"
    F = GF

    def leaf(self, a):
        return ad.tensor(np.array(a), requires_grad=True)

    def const(self, a):
        return ad.tensor(np.array(a))

    def cat(self, xs, d):
        return gnp.concatenate(xs, axis=d)

    def stack(self, xs, d):
        return gnp.stack(xs, axis=d)

    def where(self, c, x, y):
        return gnp.where(c, x, y)

    def einsum(self, s, *xs):
        return gnp.einsum(s, *xs)

    def host(self, x):
        if isinstance(x, ad.Tensor):
            return x.numpy()
        return np.asarray(x)


TL, GL = TorchLib(), GpuadLib()


def kind_of(t):
    if t.dtype == torch.bool:
        return "b"
    if t.dtype.is_floating_point:
        return "f"
    return "i"


class Skip(Exception):
    pass


# ------------------------------------------------------------------------------- generator
class Step:
    def __init__(self, text, fn, ins, inplace=False):
        self.text, self.fn, self.ins, self.inplace = text, fn, ins, inplace


class Gen:
    def __init__(self, rng, ties=False):
        self.r = rng
        self.ties = ties

    # helpers over the torch side of the pool
    def pick(self, pool, kind="f", pred=None):
        def ok(e):
            try:  # (torch refuses even to describe some views whose base was written)
                return pred is None or pred(e)
            except RuntimeError:
                return False

        c = [i for i, e in enumerate(pool) if kind_of(e) == kind and ok(e)]
        if not c:
            raise Skip
        # prefer recent entries
        w = np.arange(1, len(c) + 1, dtype=float) ** 1.5
        return c[self.r.choice(len(c), p=w / w.sum())]

    def dim(self, t):
        if t.dim() == 0:
            raise Skip
        return int(self.r.integers(-t.dim(), t.dim()))

    def bcast_partner(self, pool, shape, kinds=("f",), exact=False):
        def ok(e):
            if exact:
                return tuple(e.shape) == tuple(shape)
            try:
                return torch.broadcast_shapes(e.shape, shape) == torch.Size(shape)
            except RuntimeError:
                return False

        c = [i for i, e in enumerate(pool) if kind_of(e) in kinds and ok(e)]
        if not c:
            raise Skip
        return c[self.r.integers(len(c))]

    def rint(self, lo, hi):
        return int(self.r.integers(lo, hi))

    # ---- op families: each returns a Step built from the torch pool
    def unary(self, pool):
        i = self.pick(pool)
        name = self.r.choice(
            [
                "sin",
                "tanh",
                "sigmoid",
                "exp_s",
                "relu",
                "abs",
                "square",
                "sqrt1",
                "log1",
                "neg",
                "reciprocal2",
                "F.gelu",
                "F.softplus",
                "F.silu",
                "F.elu",
                "F.leaky_relu",
                "atan",
                "expm1_s",
                "log1p_a",
                "pow3",
                "rsqrt1",
                "frac",
                "sign_mul",
                "F.hardtanh",
                "F.relu6",
                "F.logsigmoid",
                "F.mish",
                "erf",
                "cos",
            ]
        )
        fns = {
            "sin": lambda L, x: x.sin(),
            "tanh": lambda L, x: x.tanh(),
            "sigmoid": lambda L, x: x.sigmoid(),
            "exp_s": lambda L, x: (x * 0.3).exp(),
            "relu": lambda L, x: x.relu(),
            "abs": lambda L, x: x.abs(),
            "square": lambda L, x: x.square(),
            "sqrt1": lambda L, x: (x.square() + 1).sqrt(),
            "log1": lambda L, x: (x.abs() + 1).log(),
            "neg": lambda L, x: x.neg(),
            "reciprocal2": lambda L, x: (x.square() + 2).reciprocal(),
            "F.gelu": lambda L, x: L.F.gelu(x),
            "F.softplus": lambda L, x: L.F.softplus(x),
            "F.silu": lambda L, x: L.F.silu(x),
            "F.elu": lambda L, x: L.F.elu(x),
            "F.leaky_relu": lambda L, x: L.F.leaky_relu(x, 0.1),
            "atan": lambda L, x: x.atan(),
            "expm1_s": lambda L, x: (x * 0.3).expm1(),
            "log1p_a": lambda L, x: x.abs().log1p(),
            "pow3": lambda L, x: x.pow(3),
            "rsqrt1": lambda L, x: (x.abs() + 1).rsqrt(),
            "frac": lambda L, x: x.frac(),
            "sign_mul": lambda L, x: x.sign() * x,
            "F.hardtanh": lambda L, x: L.F.hardtanh(x, -0.5, 0.5),
            "F.relu6": lambda L, x: L.F.relu6(x * 4),
            "F.logsigmoid": lambda L, x: L.F.logsigmoid(x),
            "F.mish": lambda L, x: L.F.mish(x),
            "erf": lambda L, x: x.erf(),
            "cos": lambda L, x: x.cos(),
        }
        return Step(f"{name}(v{i})", fns[name], [i])

    def binary(self, pool):
        i = self.pick(pool)
        x = pool[i]
        # partner: broadcasts *with* x (either direction)
        c = []
        for j, e in enumerate(pool):
            if kind_of(e) == "b":
                continue
            try:
                torch.broadcast_shapes(e.shape, x.shape)
                c.append(j)
            except RuntimeError:
                pass
        j = c[self.r.integers(len(c))]
        name = self.r.choice(
            [
                "add",
                "sub",
                "mul",
                "div",
                "maximum",
                "minimum",
                "atan2",
                "pow",
                "add_alpha",
                "hypot",
                "fmax",
                "radd",
                "rsub",
                "rdiv",
                "lerp",
                "addcmul",
                "xlogy",
                "logaddexp",
                "copysign_mul",
            ]
        )
        fns = {
            "add": lambda L, x, y: x + y,
            "sub": lambda L, x, y: x - y,
            "mul": lambda L, x, y: x * y,
            "div": lambda L, x, y: x / (y * y + 1),
            "maximum": lambda L, x, y: x.maximum(y),
            "minimum": lambda L, x, y: x.minimum(y),
            "atan2": lambda L, x, y: x.atan2(y * 1.0 + 0.5),
            "pow": lambda L, x, y: (x.abs() + 0.5) ** (y * 0.5),
            "add_alpha": lambda L, x, y: x.add(y, alpha=-1.5),
            "hypot": lambda L, x, y: x.hypot(y * 1.0 + 0.25),
            "fmax": lambda L, x, y: x.fmax(y),
            "radd": lambda L, x, y: 2.0 + x * y,
            "rsub": lambda L, x, y: 1.0 - x * y,
            "rdiv": lambda L, x, y: 1.0 / (x * x + 1 + y * 0),
            "lerp": lambda L, x, y: x.lerp(y * 1.0, 0.3),
            "addcmul": lambda L, x, y: x.addcmul(y * 1.0, x, value=0.5),
            "xlogy": lambda L, x, y: x.xlogy(y * y + 1),
            "logaddexp": lambda L, x, y: x.logaddexp(y * 1.0),
            "copysign_mul": lambda L, x, y: x * y.sign(),
        }
        return Step(f"{name}(v{i}, v{j})", fns[name], [i, j])

    def reduce(self, pool):
        i = self.pick(pool, pred=lambda e: e.dim() > 0)
        x = pool[i]
        d = self.dim(x)
        k = bool(self.r.integers(2))
        name = self.r.choice(
            [
                "sum",
                "mean",
                "prod",
                "amax",
                "amin",
                "max_dim",
                "min_dim",
                "norm",
                "norm1",
                "norminf",
                "logsumexp",
                "std",
                "var",
                "sum_tuple",
                "sum_all",
                "mean_all",
                "std_corr0",
                "nansum",
                "max_all",
                "norm_fro_tuple",
                "var_mean_like",
                "aminmax",
            ]
        )
        d2 = tuple(sorted({d % x.dim(), self.rint(0, x.dim())}))
        fns = {
            "sum": lambda L, x: x.sum(dim=d, keepdim=k),
            "mean": lambda L, x: x.mean(dim=d, keepdim=k),
            "prod": lambda L, x: x.prod(dim=d, keepdim=k),
            "amax": lambda L, x: x.amax(dim=d, keepdim=k),
            "amin": lambda L, x: x.amin(dim=d, keepdim=k),
            "max_dim": lambda L, x: tuple(x.max(dim=d, keepdim=k)),
            "min_dim": lambda L, x: tuple(x.min(dim=d, keepdim=k)),
            "norm": lambda L, x: x.norm(dim=d, keepdim=k),
            "norm1": lambda L, x: x.norm(p=1, dim=d),
            "norminf": lambda L, x: x.norm(p=float("inf"), dim=d, keepdim=k),
            "logsumexp": lambda L, x: x.logsumexp(dim=d, keepdim=k),
            "std": lambda L, x: x.std(dim=d, keepdim=k),
            "var": lambda L, x: x.var(dim=d, keepdim=k),
            "sum_tuple": lambda L, x: x.sum(dim=d2, keepdim=k),
            "sum_all": lambda L, x: x.sum(),
            "mean_all": lambda L, x: x.mean(),
            "std_corr0": lambda L, x: x.std(dim=d, correction=0),
            "nansum": lambda L, x: x.nansum(dim=d),
            "max_all": lambda L, x: x.max(),
            "norm_fro_tuple": lambda L, x: x.norm(dim=d2, keepdim=k),
            "var_mean_like": lambda L, x: x.var(dim=d2, unbiased=False, keepdim=k),
            "aminmax": lambda L, x: x.amax(dim=d2) - x.amin(dim=d2),
        }
        if x.dtype != torch.float64 and name not in (
            "sum",
            "amax",
            "amin",
            "max_dim",
            "min_dim",
            "sum_all",
            "max_all",
            "prod",
            "sum_tuple",
        ):
            raise Skip
        return Step(f"{name}(v{i}, dim={d}, keepdim={k}, d2={d2})", fns[name], [i])

    def scan(self, pool):
        i = self.pick(pool, pred=lambda e: e.dim() > 0)
        x = pool[i]
        d = self.dim(x)
        name = self.r.choice(
            [
                "cumsum",
                "cumprod",
                "softmax",
                "log_softmax",
                "F.softmax",
                "F.log_softmax",
                "F.normalize",
                "sort",
                "sort_desc",
                "topk",
                "argsort",
                "argmax",
                "cummax",
                "F.layer_norm",
                "logcumsumexp",
                "flip",
                "roll",
                "diff",
                "F.softmin",
            ]
        )
        n = x.shape[d]
        kk = self.rint(0, n + 1)
        if name == "F.normalize" and x.numel() and bool((x.detach().norm(dim=d) < 1e-3).any()):
            raise Skip  # the gradient scales as 1/eps: rounding differences only
        if self.ties and name in ("topk", "cummax"):
            raise Skip  # torch leaves the order of ties open
        fns = {
            "cumsum": lambda L, x: x.cumsum(dim=d),
            "cumprod": lambda L, x: x.cumprod(dim=d),
            "softmax": lambda L, x: x.softmax(d),
            "log_softmax": lambda L, x: x.log_softmax(d),
            "F.softmax": lambda L, x: L.F.softmax(x, dim=d),
            "F.log_softmax": lambda L, x: L.F.log_softmax(x, dim=d),
            "F.normalize": lambda L, x: L.F.normalize(x, dim=d),
            "sort": lambda L, x: tuple(x.sort(dim=d, stable=True)),
            "sort_desc": lambda L, x: tuple(x.sort(dim=d, descending=True, stable=True)),
            "topk": lambda L, x: tuple(x.topk(kk, dim=d)),
            "argsort": lambda L, x: x.argsort(dim=d, stable=True),
            "argmax": lambda L, x: x.argmax(dim=d),
            "cummax": lambda L, x: tuple(x.cummax(dim=d)),
            "F.layer_norm": lambda L, x: L.F.layer_norm(x, tuple(x.shape[-1:])),
            "logcumsumexp": lambda L, x: x.logcumsumexp(dim=d),
            "flip": lambda L, x: x.flip(d),
            "roll": lambda L, x: x.roll(1, d),
            "diff": lambda L, x: x.diff(dim=d) if x.shape[d] > 1 else x * 1.0,
            "F.softmin": lambda L, x: L.F.softmin(x, dim=d),
        }
        if x.dtype != torch.float64 and name not in ("cumsum", "sort", "argsort", "argmax", "flip"):
            raise Skip
        return Step(f"{name}(v{i}, dim={d}, k={kk})", fns[name], [i])

    def view(self, pool):
        i = self.pick(pool, kind=self.r.choice(["f", "f", "f", "i"]))
        x = pool[i]
        nd = x.dim()
        name = self.r.choice(
            [
                "slice",
                "slice",
                "select",
                "narrow",
                "transpose",
                "permute",
                "unsqueeze",
                "expand",
                "view",
                "reshape",
                "diagonal",
                "unbind",
                "chunk",
                "split",
                "mT",
                "squeeze",
                "none_idx",
                "ellipsis",
                "split_list",
                "int_idx",
                "view_flat",
                "unflatten",
                "movedim",
                "as_strided_like",
                "T2",
                "flatten_dims",
                "t1d",
            ]
        )
        r = self.r
        if (
            name
            in (
                "select",
                "narrow",
                "slice",
                "unbind",
                "chunk",
                "split",
                "split_list",
                "movedim",
                "flatten_dims",
            )
            and nd == 0
        ):
            raise Skip
        if name == "slice":
            d = self.dim(x)
            n = x.shape[d]
            a = int(r.integers(-n - 1, n + 1)) if r.random() < 0.7 else None
            b = int(r.integers(-n - 1, n + 2)) if r.random() < 0.7 else None
            s = int(r.integers(1, 4))
            idx = (slice(None),) * (d % nd) + (slice(a, b, s),)
            return Step(f"v{i}[{idx}]", lambda L, x: x[idx], [i])
        if name == "select":
            d = self.dim(x)
            n = x.shape[d]
            if n == 0:
                raise Skip
            j = int(r.integers(-n, n))
            return Step(f"v{i}.select({d},{j})", lambda L, x: x.select(d, j), [i])
        if name == "int_idx":
            if nd <= 1 or x.shape[0] == 0:  # one element: NumPy's scalar, a copy (by design)
                raise Skip
            j = int(r.integers(-x.shape[0], x.shape[0]))
            return Step(f"v{i}[{j}]", lambda L, x: x[j], [i])
        if name == "narrow":
            d = self.dim(x)
            n = x.shape[d]
            st = int(r.integers(0, n + 1))
            ln = int(r.integers(0, n - st + 1))
            return Step(f"v{i}.narrow({d},{st},{ln})", lambda L, x: x.narrow(d, st, ln), [i])
        if name == "transpose":
            if nd == 0:
                raise Skip
            if nd < 3 and nd != 1:
                return Step(f"v{i}.swapaxes(0,-1)", lambda L, x: x.swapaxes(0, -1), [i])
            a, b = self.dim(x), self.dim(x)
            return Step(f"v{i}.transpose({a},{b})", lambda L, x: x.transpose(a, b), [i])
        if name == "permute":
            if nd == 0:
                raise Skip
            p = [int(v) for v in r.permutation(nd)]
            return Step(f"v{i}.permute({p})", lambda L, x: x.permute(*p), [i])
        if name == "unsqueeze":
            d = int(r.integers(-nd - 1, nd + 1))
            return Step(f"v{i}.unsqueeze({d})", lambda L, x: x.unsqueeze(d), [i])
        if name == "expand":
            if nd == 0:
                raise Skip
            shp = [
                (int(r.integers(1, 4)) if s == 1 else s) if r.random() < 0.7 else -1
                for s in x.shape
            ]
            lead = [int(r.integers(1, 3))] if r.random() < 0.4 else []
            shp = lead + shp
            if np.prod([s if s > 0 else 1 for s in shp]) * 1 > MAXN:
                raise Skip
            return Step(f"v{i}.expand({shp})", lambda L, x: x.expand(*shp), [i])
        if name in ("view", "reshape", "view_flat"):
            n = x.numel()
            if name == "view_flat":
                shp = [-1]
            else:
                divs = [k for k in range(1, n + 1) if n % k == 0] or [1]
                a = int(r.choice(divs))
                shp = [a, -1] if n else [0, int(r.integers(1, 3))]
                if r.random() < 0.3:
                    shp = [1] + shp
            f = (lambda L, x: x.view(*shp)) if name != "reshape" else (lambda L, x: x.reshape(*shp))
            return Step(f"v{i}.{name}({shp})", f, [i])
        if name == "diagonal":
            if nd < 2:
                raise Skip
            o = int(r.integers(-2, 3))
            a, b = r.choice(nd, 2, replace=False)
            a, b = int(a), int(b)
            return Step(f"v{i}.diagonal({o},{a},{b})", lambda L, x: x.diagonal(o, a, b), [i])
        if name == "unbind":
            d = self.dim(x)
            if x.shape[d] > 4:
                raise Skip
            return Step(f"v{i}.unbind({d})", lambda L, x: tuple(x.unbind(d)), [i])
        if name == "chunk":
            d = self.dim(x)
            c = int(r.integers(1, 4))
            return Step(f"v{i}.chunk({c},{d})", lambda L, x: tuple(x.chunk(c, d)), [i])
        if name == "split":
            d = self.dim(x)
            c = int(r.integers(1, 4))
            return Step(f"v{i}.split({c},{d})", lambda L, x: tuple(x.split(c, d)), [i])
        if name == "split_list":
            d = self.dim(x)
            n = x.shape[d]
            a = int(r.integers(0, n + 1))
            return Step(
                f"v{i}.split([{a},{n - a}],{d})", lambda L, x: tuple(x.split([a, n - a], d)), [i]
            )
        if name == "mT":
            if nd < 2:
                raise Skip
            return Step(f"v{i}.mT", lambda L, x: x.mT, [i])
        if name == "T2":
            if nd != 2:
                raise Skip
            return Step(f"v{i}.t()", lambda L, x: x.t(), [i])
        if name == "t1d":
            if nd > 2:
                raise Skip
            return Step(f"v{i}.T", lambda L, x: x.T, [i])
        if name == "squeeze":
            d = self.dim(x)
            return Step(f"v{i}.squeeze(dim={d})", lambda L, x: x.squeeze(dim=d), [i])
        if name == "none_idx":
            return Step(f"v{i}[None, ..., None]", lambda L, x: x[None, ..., None], [i])
        if name == "ellipsis":
            if nd == 0 or x.shape[-1] == 0:
                raise Skip
            j = -1
            return Step(f"v{i}[..., -1:]", lambda L, x: x[..., j:], [i])
        if name == "unflatten":
            d = self.dim(x)
            n = x.shape[d]
            if n < 2 or n % 2:
                raise Skip
            return Step(f"v{i}.unflatten({d},(2,-1))", lambda L, x: x.unflatten(d, (2, -1)), [i])
        if name == "movedim":
            a, b = self.dim(x), self.dim(x)
            return Step(f"v{i}.movedim({a},{b})", lambda L, x: x.movedim(a, b), [i])
        if name == "flatten_dims":
            if nd < 2:
                raise Skip
            return Step(f"v{i}.flatten(1)", lambda L, x: x.flatten(1), [i])
        if name == "as_strided_like":
            if nd == 0:
                raise Skip
            return Step(f"v{i}[::-1 via flip]", lambda L, x: x.flip(0)[::2], [i])
        raise Skip

    def adv_index(self, pool):
        i = self.pick(pool, pred=lambda e: e.dim() > 0 and e.numel() > 0)
        x = pool[i]
        r = self.r
        name = r.choice(
            [
                "int_list",
                "tensor_idx",
                "mask",
                "two_idx",
                "gather",
                "index_select",
                "take_along",
                "masked_select",
                "mixed",
                "neg_idx",
                "bool_1d",
                "dup_idx",
            ]
        )
        d = self.dim(x)
        n = x.shape[d]
        if n == 0:
            raise Skip
        m = int(r.integers(1, 5))
        idx = r.integers(-n, n, size=m)
        pos = idx % n
        if name == "int_list":
            il = [int(v) for v in idx]
            full = (slice(None),) * (d % x.dim()) + (il,)
            return Step(f"v{i}[{full}]", lambda L, x: x[full], [i])
        if name in ("tensor_idx", "neg_idx", "dup_idx"):
            arr = np.array(idx if name == "neg_idx" else pos)
            if name == "dup_idx":
                arr = np.array([pos[0]] * 3)
            shp = (2, -1) if arr.size % 2 == 0 and r.random() < 0.5 else (-1,)
            arr = arr.reshape(shp)
            full_pre = d % x.dim()
            return Step(
                f"v{i}[:x{full_pre}, {arr.tolist()}]",
                lambda L, x: x[(slice(None),) * full_pre + (L.const(arr),)],
                [i],
            )
        if name in ("mask", "masked_select"):
            mask = r.random(x.shape) < 0.5
            if name == "mask":
                return Step(f"v{i}[mask]", lambda L, x: x[L.const(mask)], [i])
            return Step(
                f"v{i}.masked_select(mask)", lambda L, x: x.masked_select(L.const(mask)), [i]
            )
        if name == "bool_1d":
            mask = r.random(x.shape[0]) < 0.5
            return Step(f"v{i}[mask1d]", lambda L, x: x[L.const(mask)], [i])
        if name == "two_idx":
            if x.dim() < 2 or 0 in x.shape[:2]:
                raise Skip
            a = r.integers(0, x.shape[0], size=3)
            b = r.integers(-x.shape[1], x.shape[1], size=(1,))
            return Step(
                f"v{i}[{a.tolist()}, {b.tolist()}]", lambda L, x: x[L.const(a), L.const(b)], [i]
            )
        if name == "mixed":
            if x.dim() < 2 or 0 in x.shape[:2]:
                raise Skip
            b = r.integers(0, x.shape[1], size=2)
            return Step(f"v{i}[1:, {b.tolist()}]", lambda L, x: x[1:, L.const(b)], [i])
        if name in ("gather", "take_along"):
            shp = list(x.shape)
            shp[d] = int(r.integers(1, 4))
            g = r.integers(0, n, size=shp)
            return Step(
                f"v{i}.gather({d}, idx{g.shape})", lambda L, x: x.gather(d, L.const(g)), [i]
            )
        if name == "index_select":
            return Step(
                f"v{i}.index_select({d}, {pos.tolist()})",
                lambda L, x: x.index_select(d, L.const(pos)),
                [i],
            )
        raise Skip

    def data_index(self, pool):
        """indices computed from values (argmax/sort indices) used to gather"""
        i = self.pick(pool, pred=lambda e: e.dim() > 0 and e.numel() > 0)
        x = pool[i]
        d = self.dim(x)
        name = self.r.choice(["gather_argsort", "take_argmax", "sorted_by", "topk_gather"])
        if name == "gather_argsort":
            return Step(
                f"v{i}.gather({d}, v{i}.argsort(dim={d}))",
                lambda L, x: x.gather(d, x.argsort(dim=d, stable=True)),
                [i],
            )
        if name == "take_argmax":
            return Step(
                f"v{i}.gather({d}, argmax keepdim)",
                lambda L, x: x.gather(d, x.argmax(dim=d, keepdim=True)) * 2,
                [i],
            )
        if name == "sorted_by":
            if x.dim() < 1:
                raise Skip
            return Step(
                f"v{i}[v{i}[..].argsort]",
                lambda L, x: (
                    x[x.reshape(-1)[: x.shape[0]].argsort(dim=0, stable=True)]
                    if x.numel() >= x.shape[0]
                    else x
                ),
                [i],
            )
        if name == "topk_gather":
            if self.ties:
                raise Skip
            k = min(2, x.shape[d])
            return Step(
                f"v{i}.gather({d}, topk idx)", lambda L, x: x.gather(d, x.topk(k, dim=d)[1]), [i]
            )
        raise Skip

    def matmul(self, pool):
        r = self.r
        name = r.choice(
            [
                "matmul",
                "bmm",
                "einsum_ij",
                "einsum_bij",
                "mv",
                "outer",
                "mm",
                "einsum_trace",
                "einsum_bcast",
                "dot",
                "matmul_vec",
            ]
        )
        if name in ("matmul", "mm", "bmm"):
            i = self.pick(
                pool,
                pred=lambda e: (
                    e.dim() == (3 if name == "bmm" else 2) or (name == "matmul" and e.dim() >= 2)
                ),
            )
            x = pool[i]
            k = x.shape[-1]
            want = list(x.shape[:-2]) + [k] if name == "bmm" else [k]
            c = [
                j
                for j, e in enumerate(pool)
                if kind_of(e) == "f" and e.dim() == len(want) + 1 and list(e.shape[:-1]) == want
            ]
            if name == "matmul":
                c += [
                    j
                    for j, e in enumerate(pool)
                    if kind_of(e) == "f"
                    and e.dim() >= 2
                    and e.shape[-2] == k
                    and e.dim() <= x.dim()
                ]
            if not c:
                raise Skip
            j = c[r.integers(len(c))]
            fn = {
                "matmul": lambda L, x, y: x @ y,
                "mm": lambda L, x, y: x.mm(y),
                "bmm": lambda L, x, y: x.bmm(y),
            }[name]
            return Step(f"{name}(v{i}, v{j})", fn, [i, j])
        if name in ("mv", "matmul_vec"):
            i = self.pick(pool, pred=lambda e: e.dim() == 2)
            k = pool[i].shape[-1]
            j = self.pick(pool, pred=lambda e: tuple(e.shape) == (k,))
            fn = (lambda L, x, y: x.mv(y)) if name == "mv" else (lambda L, x, y: y @ x.mT)
            return Step(f"{name}(v{i}, v{j})", fn, [i, j])
        if name in ("outer", "dot"):
            i = self.pick(pool, pred=lambda e: e.dim() == 1)
            if name == "outer":
                j = self.pick(pool, pred=lambda e: e.dim() == 1)
                return Step(f"outer(v{i}, v{j})", lambda L, x, y: x.outer(y), [i, j])
            n = pool[i].shape[0]
            j = self.pick(pool, pred=lambda e: tuple(e.shape) == (n,))
            return Step(f"dot(v{i}, v{j})", lambda L, x, y: x.dot(y), [i, j])
        if name == "einsum_trace":
            i = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[0] == e.shape[1])
            return Step(f"einsum('ii->i', v{i})", lambda L, x: L.einsum("ii->i", x), [i])
        if name in ("einsum_ij", "einsum_bcast"):
            i = self.pick(pool, pred=lambda e: e.dim() == 2)
            k = pool[i].shape[1]
            j = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[0] == k)
            spec = "ij,jk->ik" if name == "einsum_ij" else "ij,jk->ji"
            return Step(
                f"einsum('{spec}', v{i}, v{j})", lambda L, x, y: L.einsum(spec, x, y), [i, j]
            )
        if name == "einsum_bij":
            i = self.pick(pool, pred=lambda e: e.dim() == 3)
            b, _, k = pool[i].shape
            j = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[0] == k)
            return Step(
                f"einsum('bij,jk->bik', v{i}, v{j})",
                lambda L, x, y: L.einsum("bij,jk->bik", x, y),
                [i, j],
            )
        raise Skip

    def combine(self, pool):
        r = self.r
        i = self.pick(pool)
        x = pool[i]
        name = r.choice(
            [
                "cat",
                "stack",
                "where_cmp",
                "where_mask",
                "clamp",
                "clamp_t",
                "masked_fill",
                "where_method",
                "where_scalar",
                "cat3",
            ]
        )
        if name in ("cat", "stack", "cat3"):
            if x.dim() == 0 and name != "stack":
                raise Skip
            d = self.dim(x) if name != "stack" else int(r.integers(-x.dim() - 1, x.dim() + 1))
            if name == "stack":
                j = self.bcast_partner(pool, x.shape, exact=True)
            else:
                dd = d % x.dim()
                c = [
                    jj
                    for jj, e in enumerate(pool)
                    if kind_of(e) == "f"
                    and e.dim() == x.dim()
                    and all(e.shape[a] == x.shape[a] for a in range(x.dim()) if a != dd)
                ]
                j = c[r.integers(len(c))]
            if name == "cat3":
                return Step(
                    f"cat([v{i}, v{j}, v{i}], {d})", lambda L, x, y: L.cat([x, y, x * 2], d), [i, j]
                )
            fn = (
                (lambda L, x, y: L.cat([x, y], d))
                if name == "cat"
                else (lambda L, x, y: L.stack([x, y], d))
            )
            return Step(f"{name}([v{i}, v{j}], {d})", fn, [i, j])
        if name == "where_cmp":
            j = self.bcast_partner(pool, x.shape)
            return Step(
                f"where(v{i} > v{j}, v{i}, v{j})", lambda L, x, y: L.where(x > y, x, y * 2), [i, j]
            )
        if name == "where_mask":
            m = self.pick(pool, kind="b")
            try:
                torch.broadcast_shapes(pool[m].shape, x.shape)
            except RuntimeError:
                raise Skip from None
            return Step(f"where(v{m}, v{i}, 0.5)", lambda L, c, x: L.where(c, x, 0.5), [m, i])
        if name == "where_method":
            j = self.bcast_partner(pool, x.shape)
            return Step(f"v{i}.where(v{i} < 0, v{j})", lambda L, x, y: x.where(x < 0, y), [i, j])
        if name == "where_scalar":
            return Step(
                f"where(v{i} >= 0, v{i}, -v{i} * 0.3)",
                lambda L, x: L.where(x >= 0, x, -x * 0.3),
                [i],
            )
        if name == "clamp":
            lo = float(r.choice([-0.5, 0.0, -1.0]))
            hi = float(r.choice([0.5, 1.0, 0.0]))
            return Step(f"v{i}.clamp({lo},{hi})", lambda L, x: x.clamp(min=lo, max=hi), [i])
        if name == "clamp_t":
            j = self.bcast_partner(pool, x.shape)
            return Step(f"v{i}.clamp(min=v{j})", lambda L, x, y: x.clamp(min=y), [i, j])
        if name == "masked_fill":
            mask = r.random(x.shape) < 0.4
            v = float(r.choice([0.0, -1.0, 2.5]))
            return Step(
                f"v{i}.masked_fill(mask, {v})", lambda L, x: x.masked_fill(L.const(mask), v), [i]
            )
        raise Skip

    def dtype_mix(self, pool):
        r = self.r
        name = r.choice(
            [
                "cmp_long",
                "bool_float",
                "int_mul",
                "int_add_int",
                "float_bool_add",
                "long_cast",
                "int_div",
                "floor_div",
                "int_sum",
                "bool_any",
                "float_int_pow",
                "mask_count",
                "int_where",
                "int_scalar_div",
            ]
        )
        if name in ("cmp_long", "bool_float", "long_cast", "mask_count"):
            i = self.pick(pool)
            fns = {
                "cmp_long": lambda L, x: (x > 0).long(),
                "bool_float": lambda L, x: x > 0.1,
                "long_cast": lambda L, x: (x * 3).long(),
                "mask_count": lambda L, x: (x > 0).sum(dim=-1) if x.dim() else (x > 0).long(),
            }
            return Step(f"{name}(v{i})", fns[name], [i])
        if name in ("int_mul", "float_bool_add", "float_int_pow"):
            i = self.pick(pool)
            kind = "b" if name == "float_bool_add" else "i"
            j = self.bcast_partner(pool, pool[i].shape, kinds=(kind,))
            fns = {
                "int_mul": lambda L, x, y: x * y,
                "float_bool_add": lambda L, x, y: x + y,
                "float_int_pow": lambda L, x, y: x ** (y % 3),
            }
            return Step(f"{name}(v{i}, v{j})", fns[name], [i, j])
        if name in (
            "int_add_int",
            "int_div",
            "floor_div",
            "int_sum",
            "int_where",
            "int_scalar_div",
        ):
            i = self.pick(pool, kind="i")
            fns = {
                "int_add_int": lambda L, x: x + x * 2 - 1,
                "int_div": lambda L, x: x / 2,
                "floor_div": lambda L, x: x // 2,
                "int_sum": lambda L, x: x.sum(),
                "int_where": lambda L, x: L.where(x > 0, x, 0),
                "int_scalar_div": lambda L, x: x * 0.5,
            }
            return Step(f"{name}(v{i})", fns[name], [i])
        if name == "bool_any":
            i = self.pick(pool, kind="b", pred=lambda e: e.dim() > 0)
            return Step(f"any(v{i})", lambda L, x: x.any(dim=0), [i])
        raise Skip

    def clone(self, pool):
        i = self.pick(pool)
        name = self.r.choice(["clone", "mul1", "contiguous_t"])
        fns = {
            "clone": lambda L, x: x.clone(),
            "mul1": lambda L, x: x * 1.0,
            "contiguous_t": lambda L, x: x.mT.contiguous() if x.dim() >= 2 else x.clone(),
        }
        return Step(f"{name}(v{i})", fns[name], [i])

    def inplace(self, pool):
        r = self.r
        i = self.pick(pool)
        x = pool[i]
        shp = tuple(x.shape)
        name = r.choice(
            [
                "add_",
                "sub_",
                "mul_",
                "mul_s",
                "div_",
                "clamp_",
                "masked_fill_",
                "index_add_",
                "scatter_",
                "scatter_add_",
                "index_fill_",
                "copy_",
                "zero_",
                "fill_",
                "setitem_basic",
                "setitem_adv",
                "setitem_mask",
                "relu_",
                "sigmoid_",
                "exp_",
                "pow_",
                "addcmul_",
                "lerp_",
                "iadd",
                "imul",
                "setitem_tensor_val",
                "clamp_min_",
                "neg_",
                "tanh_",
                "index_copy_",
                "setitem_step",
                "masked_fill_t",
                "abs_",
                "sqrt_",
            ]
        )
        if name in (
            "add_",
            "sub_",
            "mul_",
            "div_",
            "copy_",
            "addcmul_",
            "lerp_",
            "iadd",
            "imul",
            "clamp_min_",
        ):
            j = self.bcast_partner(
                pool, shp, kinds=("f", "i", "b") if name in ("add_", "mul_", "iadd") else ("f",)
            )
            fns = {
                "add_": lambda L, x, y: x.add_(y, alpha=0.5),
                "sub_": lambda L, x, y: x.sub_(y),
                "mul_": lambda L, x, y: x.mul_(y),
                "div_": lambda L, x, y: x.div_(y * y + 1),
                "copy_": lambda L, x, y: x.copy_(y),
                "addcmul_": lambda L, x, y: x.addcmul_(y, y, value=0.3),
                "lerp_": lambda L, x, y: x.lerp_(y, 0.25),
                "clamp_min_": lambda L, x, y: x.clamp_(min=y),
            }
            if name == "iadd":

                def f(L, x, y):
                    x += y
                    return x
            elif name == "imul":

                def f(L, x, y):
                    x *= y
                    return x
            else:
                f = fns[name]
            return Step(f"v{i}.{name}(v{j})", f, [i, j], inplace=True)
        fns1 = {
            "mul_s": lambda L, x: x.mul_(-2.0),
            "clamp_": lambda L, x: x.clamp_(-0.5, 0.5),
            "zero_": lambda L, x: x.zero_(),
            "fill_": lambda L, x: x.fill_(1.5),
            "relu_": lambda L, x: x.relu_(),
            "sigmoid_": lambda L, x: x.sigmoid_(),
            "exp_": lambda L, x: x.mul_(0.2).exp_(),
            "pow_": lambda L, x: x.pow_(2),
            "neg_": lambda L, x: x.neg_(),
            "tanh_": lambda L, x: x.tanh_(),
            "abs_": lambda L, x: x.abs_(),
            "sqrt_": lambda L, x: x.abs_().add_(0.5).sqrt_(),
        }
        if name in fns1:
            return Step(f"v{i}.{name}()", fns1[name], [i], inplace=True)
        if name in ("masked_fill_", "masked_fill_t"):
            mask = r.random(shp) < 0.4
            if name == "masked_fill_":
                return Step(
                    f"v{i}.masked_fill_(mask, -1)",
                    lambda L, x: x.masked_fill_(L.const(mask), -1.0),
                    [i],
                    inplace=True,
                )
            j = self.pick(pool, pred=lambda e: e.dim() == 0)
            return Step(
                f"v{i}.masked_fill_(mask, v{j})",
                lambda L, x, v: x.masked_fill_(L.const(mask), v),
                [i, j],
                inplace=True,
            )
        if x.dim() == 0:
            raise Skip
        d = self.dim(x)
        n = shp[d]
        if n == 0:
            raise Skip
        if name in ("index_add_", "index_copy_", "index_fill_"):
            m = int(r.integers(1, 4))
            idx = r.integers(0, n, size=m) if name != "index_copy_" else r.permutation(n)[:m]
            sshp = list(shp)
            sshp[d] = m
            j = self.bcast_partner(pool, sshp, exact=True) if name != "index_fill_" else None
            if name == "index_add_":
                return Step(
                    f"v{i}.index_add_({d}, {idx.tolist()}, v{j}, alpha=2)",
                    lambda L, x, s: x.index_add_(d, L.const(idx), s, alpha=2.0),
                    [i, j],
                    inplace=True,
                )
            if name == "index_copy_":
                return Step(
                    f"v{i}.index_copy_({d}, {idx.tolist()}, v{j})",
                    lambda L, x, s: x.index_copy_(d, L.const(idx), s),
                    [i, j],
                    inplace=True,
                )
            return Step(
                f"v{i}.index_fill_({d}, {idx.tolist()}, -2)",
                lambda L, x: x.index_fill_(d, L.const(idx), -2.0),
                [i],
                inplace=True,
            )
        if name in ("scatter_", "scatter_add_"):
            sshp = list(shp)
            j = self.bcast_partner(pool, shp, exact=True)
            if name == "scatter_":
                # unique targets along d (torch leaves repeats unspecified)
                idx = np.argsort(r.random(sshp), axis=d)
                k = int(r.integers(1, n + 1))
                idx = np.take(idx, np.arange(k), axis=d)
            else:
                idx = r.integers(0, n, size=sshp)
            return Step(
                f"v{i}.{name}({d}, idx{idx.shape}, v{j})",
                (lambda L, x, s: x.scatter_(d, L.const(idx), s))
                if name == "scatter_"
                else (lambda L, x, s: x.scatter_add_(d, L.const(idx), s)),
                [i, j],
                inplace=True,
            )
        if name == "setitem_basic":
            j0 = int(r.integers(-n, n))
            full = (slice(None),) * (d % x.dim()) + (j0,)
            v = float(r.standard_normal())

            def f(L, x):
                x[full] = v
                return x

            return Step(f"v{i}[{full}] = {v:.3f}", f, [i], inplace=True)
        if name == "setitem_step":
            full = (slice(None),) * (d % x.dim()) + (slice(None, None, 2),)
            tshape = tuple(x[full].shape)
            j = self.bcast_partner(pool, tshape)

            def f(L, x, y):
                x[full] = y
                return x

            return Step(f"v{i}[{full}] = v{j}", f, [i, j], inplace=True)
        if name == "setitem_tensor_val":
            j0 = int(r.integers(-n, n))
            full = (slice(None),) * (d % x.dim()) + (slice(j0, None),)
            tshape = tuple(x[full].shape)
            j = self.bcast_partner(pool, tshape)

            def f(L, x, y):
                x[full] = y * 2
                return x

            return Step(f"v{i}[{full}] = v{j}*2", f, [i, j], inplace=True)
        if name == "setitem_adv":
            idx = r.permutation(n)[: int(r.integers(1, n + 1))]
            pre = d % x.dim()

            def f(L, x):
                x[(slice(None),) * pre + (L.const(idx),)] = -0.75
                return x

            return Step(f"v{i}[:x{pre}, {idx.tolist()}] = -0.75", f, [i], inplace=True)
        if name == "setitem_mask":
            mask = r.random(shp) < 0.5
            j = self.pick(pool, pred=lambda e: e.dim() == 0)

            def f(L, x, v):
                x[L.const(mask)] = v
                return x

            return Step(f"v{i}[mask] = v{j}", f, [i, j], inplace=True)
        raise Skip

    def datamask(self, pool):
        r = self.r
        i = self.pick(pool)
        x = pool[i]
        name = r.choice(
            [
                "mf_gt",
                "mf_inplace",
                "mask_get",
                "mask_set",
                "mask_mul_inplace",
                "cumprod_zero",
                "prod_zero",
                "norm_zero",
                "argmax_set",
                "where_inplace",
                "clamp_t_inplace",
                "idx_iadd",
                "max_dim_ties",
                "amax_ties",
                "relu_at0",
                "abs_at0",
                "clamp_at_bounds",
                "sort_ties",
            ]
        )
        thr = float(r.choice([0.0, 0.3, -0.3]))
        if name == "mf_gt":
            return Step(
                f"v{i}.masked_fill(v{i} > {thr}, -0.25)",
                lambda L, x: x.masked_fill(x > thr, -0.25),
                [i],
            )
        if name == "mf_inplace":
            return Step(
                f"v{i}.masked_fill_(v{i} < {thr}, 0.75)",
                lambda L, x: x.masked_fill_(x < thr, 0.75),
                [i],
                inplace=True,
            )
        if name == "mask_get":
            return Step(f"v{i}[v{i} > {thr}]", lambda L, x: x[x > thr], [i])
        if name == "mask_set":

            def f(L, x):
                x[x > thr] = 0.5
                return x

            return Step(f"v{i}[v{i} > {thr}] = 0.5", f, [i], inplace=True)
        if name == "mask_mul_inplace":

            def f(L, x):
                x[x < thr] *= -2.0
                return x

            return Step(f"v{i}[v{i} < {thr}] *= -2", f, [i], inplace=True)
        if name in ("cumprod_zero", "prod_zero", "norm_zero"):
            if x.dim() == 0:
                raise Skip
            d = self.dim(x)
            mask = r.random(tuple(x.shape)) < 0.3
            f = {
                "cumprod_zero": lambda L, x: x.masked_fill(L.const(mask), 0.0).cumprod(dim=d),
                "prod_zero": lambda L, x: x.masked_fill(L.const(mask), 0.0).prod(dim=d),
                "norm_zero": lambda L, x: x.masked_fill(L.const(mask), 0.0).norm(dim=d),
            }[name]
            if name == "norm_zero":
                z = np.ones(tuple(x.shape), bool)
                mask = z
            return Step(f"{name}(v{i}, dim={d}, mask={mask.astype(int).tolist()})", f, [i])
        if name == "argmax_set":
            if x.dim() == 0 or x.numel() == 0:
                raise Skip

            def f(L, x):
                x.view(-1)[x.reshape(-1).argmax()] = -1.0 if x.is_contiguous() else 0.0
                return x

            if not x.is_contiguous():
                raise Skip
            return Step(f"v{i}.view(-1)[argmax] = -1", f, [i], inplace=True)
        if name == "where_inplace":
            j = self.bcast_partner(pool, tuple(x.shape))

            def f(L, x, y):
                return x.copy_(L.where(x > y, x, y))

            return Step(f"v{i}.copy_(where(v{i} > v{j}, v{i}, v{j}))", f, [i, j], inplace=True)
        if name == "clamp_t_inplace":
            j = self.bcast_partner(pool, tuple(x.shape))
            return Step(
                f"v{i}.clamp_(min=v{j}, max=v{j}+1)",
                lambda L, x, y: x.clamp_(min=y, max=y + 1),
                [i, j],
                inplace=True,
            )
        if name == "idx_iadd":
            if x.dim() == 0 or x.shape[0] == 0:
                raise Skip
            idx = r.integers(0, x.shape[0], size=3)
            if self.ties:  # torch counts a repeated index once per repeat: checked with fd only
                idx = np.unique(idx)

            def f(L, x):
                x[L.const(idx)] += 1.5
                return x

            return Step(f"v{i}[{idx.tolist()}] += 1.5", f, [i], inplace=True)
        if name in ("max_dim_ties", "amax_ties"):
            if x.dim() == 0:
                raise Skip
            d = self.dim(x)
            f = (
                (lambda L, x: tuple(x.round().max(dim=d)))
                if name == "max_dim_ties"
                else (lambda L, x: (x * 0 + x.detach().round()).amax(dim=d) + x.round().amax(dim=d))
            )
            if name == "max_dim_ties":
                f = lambda L, x: tuple((x.clamp(min=0.2)).max(dim=d))
            else:
                f = lambda L, x: x.clamp(max=-0.2).amax(dim=d)
            return Step(f"{name}(v{i}, {d})", f, [i])
        if name == "relu_at0":
            return Step(f"relu(v{i}.clamp(min=0))", lambda L, x: x.clamp(min=0).relu() * 3, [i])
        if name == "abs_at0":
            return Step(f"abs(v{i}.clamp(min=0))", lambda L, x: x.clamp(min=0).abs() * 3, [i])
        if name == "clamp_at_bounds":
            return Step(
                f"clamp(clamp(v{i}, -.3, .3), -.3, .3)",
                lambda L, x: x.clamp(-0.3, 0.3).clamp(-0.3, 0.3) * 2,
                [i],
            )
        if name == "sort_ties":
            if x.dim() == 0:
                raise Skip
            d = self.dim(x)
            return Step(
                f"sort(clamp(v{i}, 0.2), dim={d})",
                lambda L, x: tuple(x.clamp(min=0.2).sort(dim=d, stable=True)),
                [i],
            )
        raise Skip

    def viewchain(self, pool):
        """in-place op at the end of a chain of views of a non-leaf tensor; returns the base"""
        r = self.r
        i = self.pick(pool, pred=lambda e: e.dim() > 0 and e.numel() > 0 and not e.is_leaf)
        x = pool[i]
        chain = []
        shp = list(x.shape)
        for _ in range(int(r.integers(1, 4))):
            nd = len(shp)
            ops = [
                "slice",
                "transpose",
                "unsqueeze",
                "narrow",
                "select",
                "permute",
                "mT",
                "view",
                "negslice",
            ]
            op = r.choice(ops)
            if nd == 0:
                op = "unsqueeze"
            if op == "slice" and nd:
                d = int(r.integers(nd))
                st = int(r.integers(1, 3))
                chain.append(("slice", d, st))
                shp[d] = len(range(0, shp[d], st))
            elif op == "negslice" and nd:
                d = int(r.integers(nd))
                if shp[d] < 2:
                    continue
                chain.append(("negslice", d))
                shp[d] = len(range(shp[d])[-2:])
            elif op == "transpose" and nd >= 2:
                a, b = (int(v) for v in r.choice(nd, 2, replace=False))
                chain.append(("transpose", a, b))
                shp[a], shp[b] = shp[b], shp[a]
            elif op == "unsqueeze":
                d = int(r.integers(nd + 1))
                chain.append(("unsqueeze", d))
                shp.insert(d, 1)
            elif op == "narrow" and nd:
                d = int(r.integers(nd))
                if shp[d] < 1:
                    continue
                st = int(r.integers(shp[d]))
                ln = int(r.integers(1, shp[d] - st + 1))
                chain.append(("narrow", d, st, ln))
                shp[d] = ln
            elif op == "select" and nd:
                d = int(r.integers(nd))
                if shp[d] < 1:
                    continue
                j = int(r.integers(-shp[d], shp[d]))
                chain.append(("select", d, j))
                shp.pop(d)
            elif op == "permute" and nd:
                pm = [int(v) for v in r.permutation(nd)]
                chain.append(("permute", pm))
                shp = [shp[k] for k in pm]
            elif op == "mT" and nd >= 2:
                chain.append(("mT",))
                shp[-1], shp[-2] = shp[-2], shp[-1]
            elif op == "view" and nd:
                chain.append(("view",))
                shp = [int(np.prod(shp))]
        wop = r.choice(["mul_", "add_", "zero_", "clamp_", "setitem", "copy_", "exp_", "masked"])
        tshape = tuple(shp)
        j = None
        if wop in ("add_", "copy_"):
            try:
                j = self.bcast_partner(pool, tshape)
            except Skip:
                wop = "mul_"
        mask = r.random(tshape) < 0.5

        def apply_chain(L, x):
            v = x
            for c in chain:
                k = c[0]
                if k == "slice":
                    v = v[(slice(None),) * c[1] + (slice(None, None, c[2]),)]
                elif k == "negslice":
                    v = v[(slice(None),) * c[1] + (slice(-2, None),)]
                elif k == "transpose":
                    v = v.transpose(c[1], c[2]) if v.dim() != 2 else v.mT
                elif k == "unsqueeze":
                    v = v.unsqueeze(c[1])
                elif k == "narrow":
                    v = v.narrow(c[1], c[2], c[3])
                elif k == "select":
                    v = v.select(c[1], c[2])
                elif k == "permute":
                    v = v.permute(*c[1])
                elif k == "mT":
                    v = v.mT
                elif k == "view":
                    v = v.view(-1)
            return v

        def f(L, x, *y):
            v = apply_chain(L, x)
            if wop == "mul_":
                v.mul_(-1.5)
            elif wop == "add_":
                v.add_(y[0])
            elif wop == "zero_":
                v.zero_()
            elif wop == "clamp_":
                v.clamp_(-0.3, 0.3)
            elif wop == "setitem":
                v[...] = 0.25
            elif wop == "copy_":
                v.copy_(y[0] * 2)
            elif wop == "exp_":
                v.mul_(0.5).exp_()
            elif wop == "masked":
                v.masked_fill_(L.const(mask), -0.5)
            return x

        ins = [i] + ([j] if j is not None else [])
        return Step(
            f"v{i} via {chain} .{wop}" + (f"(v{j})" if j is not None else ""), f, ins, inplace=True
        )

    def functional(self, pool):
        r = self.r
        name = r.choice(
            [
                "mse",
                "ce",
                "nll",
                "smooth_l1",
                "bce_logits",
                "pad",
                "linear",
                "embedding",
                "cos_sim",
                "pdist",
                "glu",
                "kl_div",
                "huber",
                "l1",
                "softplus_beta",
                "gelu_tanh",
                "elu_inplace",
                "hardswish",
                "one_hot_mul",
                "layer_norm_w",
                "dropout0",
            ]
        )
        if name in ("mse", "smooth_l1", "huber", "l1"):
            i = self.pick(pool, pred=lambda e: e.numel() > 0)
            j = self.bcast_partner(pool, tuple(pool[i].shape), exact=True)
            red = r.choice(["mean", "sum", "none"])
            fn = {
                "mse": "mse_loss",
                "smooth_l1": "smooth_l1_loss",
                "huber": "huber_loss",
                "l1": "l1_loss",
            }[name]
            return Step(
                f"F.{fn}(v{i}, v{j}, {red})",
                lambda L, x, y: getattr(L.F, fn)(x, y, reduction=red),
                [i, j],
            )
        if name in ("ce", "nll"):
            i = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[1] > 0)
            n, c = pool[i].shape
            tgt = r.integers(0, c, size=n)
            red = r.choice(["mean", "sum", "none"])
            if name == "ce":
                ls = float(r.choice([0.0, 0.1]))
                return Step(
                    f"F.cross_entropy(v{i}, {tgt.tolist()}, {red}, ls={ls})",
                    lambda L, x: L.F.cross_entropy(
                        x, L.const(tgt), reduction=red, label_smoothing=ls
                    ),
                    [i],
                )
            return Step(
                f"F.nll_loss(log_softmax(v{i}), {tgt.tolist()}, {red})",
                lambda L, x: L.F.nll_loss(L.F.log_softmax(x, dim=1), L.const(tgt), reduction=red),
                [i],
            )
        if name == "bce_logits":
            i = self.pick(pool, pred=lambda e: e.numel() > 0)
            tg = r.random(tuple(pool[i].shape))
            return Step(
                f"F.bce_with_logits(v{i})",
                lambda L, x: L.F.binary_cross_entropy_with_logits(x, L.const(tg)),
                [i],
            )
        if name == "pad":
            i = self.pick(pool, pred=lambda e: e.dim() >= 1)
            pads = [int(v) for v in r.integers(0, 3, size=2 * min(2, pool[i].dim()))]
            mode = "constant"
            return Step(
                f"F.pad(v{i}, {pads})", lambda L, x: L.F.pad(x, pads, mode=mode, value=0.5), [i]
            )
        if name == "linear":
            i = self.pick(pool, pred=lambda e: e.dim() >= 1)
            k = pool[i].shape[-1]
            j = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[1] == k)
            m = pool[j].shape[0]
            c = [b for b, e in enumerate(pool) if kind_of(e) == "f" and tuple(e.shape) == (m,)]
            if c and r.random() < 0.6:
                b = c[r.integers(len(c))]
                return Step(
                    f"F.linear(v{i}, v{j}, v{b})",
                    lambda L, x, w, bb: L.F.linear(x, w, bb),
                    [i, j, b],
                )
            return Step(f"F.linear(v{i}, v{j})", lambda L, x, w: L.F.linear(x, w), [i, j])
        if name == "embedding":
            i = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[0] > 0)
            idx = r.integers(0, pool[i].shape[0], size=(2, 3))
            pi = None  # padding_idx: no gradient by design (fd would disagree)
            return Step(
                f"F.embedding({idx.tolist()}, v{i}, padding_idx={pi})",
                lambda L, w: L.F.embedding(L.const(idx), w, padding_idx=pi),
                [i],
            )
        if name in ("cos_sim", "pdist"):
            i = self.pick(pool, pred=lambda e: e.dim() >= 1 and e.shape[-1] > 0)
            j = self.bcast_partner(pool, tuple(pool[i].shape), exact=True)
            if name == "cos_sim":
                return Step(
                    f"F.cosine_similarity(v{i}, v{j}, -1)",
                    lambda L, x, y: L.F.cosine_similarity(x, y + 0.1, dim=-1),
                    [i, j],
                )
            return Step(
                f"F.pairwise_distance(v{i}, v{j})",
                lambda L, x, y: L.F.pairwise_distance(x, y + 0.3),
                [i, j],
            )
        if name == "glu":
            i = self.pick(
                pool, pred=lambda e: e.dim() >= 1 and e.shape[-1] % 2 == 0 and e.shape[-1] > 0
            )
            return Step(f"F.glu(v{i})", lambda L, x: L.F.glu(x, dim=-1), [i])
        if name == "kl_div":
            i = self.pick(pool, pred=lambda e: e.dim() == 2 and e.shape[1] > 0)
            tg = r.random(tuple(pool[i].shape)) + 0.1
            tg = tg / tg.sum(1, keepdims=True)
            return Step(
                f"F.kl_div(log_softmax(v{i}), p, batchmean)",
                lambda L, x: L.F.kl_div(
                    L.F.log_softmax(x, dim=1), L.const(tg), reduction="batchmean"
                ),
                [i],
            )
        if name == "softplus_beta":
            i = self.pick(pool)
            return Step(
                f"F.softplus(v{i}, beta=2, threshold=1)",
                lambda L, x: L.F.softplus(x, beta=2.0, threshold=1.0),
                [i],
            )
        if name == "gelu_tanh":
            i = self.pick(pool)
            return Step(f"F.gelu(v{i}, tanh)", lambda L, x: L.F.gelu(x, approximate="tanh"), [i])
        if name == "elu_inplace":
            i = self.pick(pool, pred=lambda e: not e.is_leaf)
            return Step(f"F.elu_(v{i})", lambda L, x: L.F.elu(x, inplace=True), [i], inplace=True)
        if name == "hardswish":
            i = self.pick(pool)
            return Step(f"F.hardswish(v{i}*4)", lambda L, x: L.F.hardswish(x * 4), [i])
        if name == "one_hot_mul":
            i = self.pick(pool, pred=lambda e: e.dim() >= 1 and 0 < e.shape[-1] <= 4)
            lab = r.integers(0, pool[i].shape[-1], size=tuple(pool[i].shape[:-1]))
            return Step(
                f"v{i} * one_hot", lambda L, x: x * L.F.one_hot(L.const(lab), x.shape[-1]), [i]
            )
        if name == "layer_norm_w":
            i = self.pick(pool, pred=lambda e: e.dim() >= 1 and e.shape[-1] > 1)
            k = pool[i].shape[-1]
            j = self.pick(pool, pred=lambda e: tuple(e.shape) == (k,))
            return Step(
                f"F.layer_norm(v{i}, w=v{j}, b=v{j})",
                lambda L, x, w: L.F.layer_norm(x, (k,), w, w * 0.5),
                [i, j],
            )
        if name == "dropout0":
            i = self.pick(pool)
            return Step(f"F.dropout(v{i}, 0.0)", lambda L, x: L.F.dropout(x, 0.0), [i])
        raise Skip

    FAMILIES = [
        "viewchain",
        "viewchain",
        "functional",
        "functional",
        "datamask",
        "datamask",
        "unary",
        "binary",
        "reduce",
        "scan",
        "view",
        "view",
        "adv_index",
        "data_index",
        "matmul",
        "combine",
        "dtype_mix",
        "clone",
        "inplace",
        "inplace",
        "inplace",
    ]


# --------------------------------------------------------------------------------- running
def close(a, b, rtol=1e-8, atol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype == bool or b.dtype == bool:
        return np.array_equal(a, b)
    return np.allclose(
        a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True
    )


def flat_out(o):
    return list(o) if isinstance(o, tuple) else [o]


VERSION_MSG = "modified by an inplace operation"


class Program:
    def __init__(self, seed, nsteps=12):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.nsteps = nsteps
        self.steps: list[Step] = []
        self.notes: list[str] = []
        self.bugs: list[str] = []
        self.leaf_arrays = []
        self.consts = []

    def make_inputs(self, rng):
        r = rng
        ties = r.random() < 0.2
        zero = r.random() < 0.1
        base = [int(v) for v in r.integers(1, 5, size=int(r.integers(1, 4)))]
        if zero:
            base[int(r.integers(len(base)))] = 0
        shapes = [tuple(base)]
        for _ in range(int(r.integers(1, 3))):
            s = list(base)
            for k in range(len(s)):
                if r.random() < 0.3:
                    s[k] = 1
            drop = int(r.integers(0, len(s) + 1)) if r.random() < 0.4 else 0
            shapes.append(tuple(s[drop:]))
        if r.random() < 0.3:
            shapes.append(())

        def vals(s):
            if ties:
                return r.choice([-1.0, -0.5, 0.0, 0.5, 1.0], size=s)
            return r.standard_normal(s)

        leaves = [vals(s) for s in shapes]
        consts = []
        consts.append(r.integers(-2, 3, size=shapes[-1] if r.random() < 0.5 else base))
        consts.append(r.random(base) < 0.5)
        return leaves, consts, ties

    def build(self, verbose=False):
        r = self.rng
        leaves, consts, ties = self.make_inputs(r)
        self.leaf_arrays, self.consts, self.ties = leaves, consts, ties
        gen = Gen(r, ties)
        tl = [TL.leaf(a) for a in leaves]
        gl = [GL.leaf(a) for a in leaves]
        tpool = list(tl) + [TL.const(c) for c in consts]
        gpool = list(gl) + [GL.const(c) for c in consts]
        self.text = [f"v{k} = leaf{a.shape}" for k, a in enumerate(leaves)] + [
            f"v{len(leaves) + k} = const {c.dtype}{c.shape}" for k, c in enumerate(consts)
        ]
        tries = 0
        while len(self.steps) < self.nsteps and tries < 200:
            tries += 1
            fam = gen.FAMILIES[r.integers(len(gen.FAMILIES))]
            try:
                st = getattr(gen, fam)(tpool)
            except Skip:
                continue
            except (IndexError, ValueError) as e:
                if "Skip" in repr(e):
                    continue
                continue
            targs = [tpool[k] for k in st.ins]
            gargs = [gpool[k] for k in st.ins]
            et = eg = None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ot = st.fn(TL, *targs)
            except Exception as e:  # noqa: BLE001
                et = e
            try:
                og = st.fn(GL, *gargs)
            except Exception as e:  # noqa: BLE001
                eg = e
            if et is not None and eg is not None:
                continue
            if et is not None:
                if isinstance(et, Skip):
                    continue
                if "function that returns multiple views" in str(et):
                    self.notes.append(
                        f"torch refuses write to a split/unbind piece, gpuad not: {st.text}"
                    )
                    return False
                if "single memory location" in str(et) or "more than one element" in str(et):
                    self.notes.append(f"torch refuses overlapping write, gpuad not: {st.text}")
                    return False
                msg = (f"torch raises, gpuad does not: {st.text}: torch: "
                       f"{type(et).__name__}: {str(et)[:200]}")
                self.bugs.append(msg)
                return False
            if eg is not None:
                self.notes.append(
                    f"gpuad raises, torch does not: {st.text}: {type(eg).__name__}: {str(eg)[:300]}"
                )
                if st.inplace:
                    return False  # torch's state has changed
                continue
            ots, ogs = flat_out(ot), flat_out(og)
            if len(ots) != len(ogs):
                self.bugs.append(f"output count {st.text}: {len(ots)} vs {len(ogs)}")
                return False
            if sum(o.numel() for o in ots) > MAXN * 3:
                self.steps.append(st)  # still must keep lockstep
                self.steps[-1].nout = 0
                self.text.append(f"(big) {st.text}")
                continue
            for a, b in zip(ots, ogs, strict=True):
                ha, hb = TL.host(a), GL.host(b)
                if not close(ha, hb):
                    self.bugs.append(
                        f"forward value: {st.text}\n torch {ha.dtype}{ha.shape}: {ha}\n"
                        f" gpuad {hb.dtype}{hb.shape}: {hb}"
                    )
                    return False
                if ha.dtype != hb.dtype and not (ha.dtype.kind == hb.dtype.kind):
                    self.notes.append(f"dtype: {st.text}: torch {ha.dtype} gpuad {hb.dtype}")
            st.nout = len(ots)
            self.steps.append(st)
            for a, b in zip(ots, ogs, strict=True):
                self.text.append(
                    f"v{len(tpool)} = {st.text}" + ("  [inplace]" if st.inplace else "")
                )
                tpool.append(a)
                gpool.append(b)
        self.tpool, self.gpool, self.tl, self.gl = tpool, gpool, tl, gl
        # compare every pool value after all in-place ops
        for k, (a, b) in enumerate(zip(tpool, gpool, strict=True)):
            ha, hb = TL.host(a), GL.host(b)
            if not close(ha, hb):
                self.bugs.append(
                    f"final value of v{k} differs (in-place/view aliasing)\n torch {ha}\n"
                    f" gpuad {hb}"
                )
                return False
        # loss weights
        self.weights = {}
        for k, a in enumerate(tpool):
            if kind_of(a) == "f" and a.requires_grad and r.random() < 0.6:
                self.weights[k] = r.standard_normal(tuple(a.shape))
        return True

    def loss(self, L, pool):
        tot = None
        for k, w in self.weights.items():
            term = (pool[k] * L.const(w)).sum()
            tot = term if tot is None else tot + term
        return tot

    def check_grads(self):
        if not self.weights:
            return
        et = eg = None
        try:
            lt = self.loss(TL, self.tpool)
            lt.backward()
        except Exception as e:  # noqa: BLE001
            et = e
        try:
            lg = self.loss(GL, self.gpool)
            lg.backward()
        except Exception as e:  # noqa: BLE001
            eg = e
        if et is not None and eg is not None:
            self.notes.append(
                f"both raise at backward: torch {str(et)[:80]} | gpuad {str(eg)[:120]}"
            )
            return
        if et is not None:
            if VERSION_MSG in str(et) and self.ties:
                self.notes.append("torch version error, gpuad computed grads (ties: no fd check)")
            elif VERSION_MSG in str(et):
                # gpuad succeeded where torch refuses: check against finite differences
                self.fd_check(f"torch version error, gpuad computed grads: {str(et)[:150]}")
            elif not self.ties:
                self.fd_check(f"torch raises at backward ({str(et)[:100]})")
            return
        if eg is not None:
            self.notes.append(
                f"gpuad raises at backward, torch not: {type(eg).__name__}: {str(eg)[:300]}"
            )
            return
        if not np.isfinite(lt.detach().numpy()):
            self.notes.append("loss not finite")
            return
        if not close(lt.detach().numpy(), lg.numpy()):
            self.bugs.append("loss differs")
        if any(a.grad is not None and not torch.isfinite(a.grad).all() for a in self.tl):
            self.notes.append("torch grads not finite")
            return
        for k, (a, b) in enumerate(zip(self.tl, self.gl, strict=True)):
            ga = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
            gb = np.zeros(a.shape) if b.grad is None else GL.host(b.grad)
            if not close(ga, gb, rtol=1e-7, atol=1e-9):
                if not self.ties:
                    nb = len(self.bugs)
                    self.fd_check("grads differ from torch's")
                    if len(self.bugs) == nb:
                        self.notes.append("torch's grad differs and gpuad's matches fd")
                        return
                    self.bugs.pop()
                self.bugs.append(
                    f"grad of leaf v{k} differs\n torch {ga}\n gpuad {gb}"
                    f"\n culprit loss terms: {self.culprits(k)}"
                )

    def culprits(self, leaf):
        try:
            return self._culprits(leaf)
        except Exception as e:  # noqa: BLE001
            return f"(not found: {e!r:.80})"

    def _culprits(self, leaf):
        """the loss terms whose own gradient differs"""
        bad = []
        for term in self.weights:
            gs = []
            for L in (TL, GL):
                lv = [L.leaf(a) for a in self.leaf_arrays]
                pool = self.replay(L, lv)
                (pool[term] * L.const(self.weights[term])).sum().backward()
                g = lv[leaf].grad
                gs.append(np.zeros(self.leaf_arrays[leaf].shape) if g is None else L.host(g))
            if not close(*gs, rtol=1e-7, atol=1e-9):
                bad.append(term)
        return bad

    def replay(self, L, leaves):
        pool = list(leaves) + [L.const(c) for c in self.consts]
        for st in self.steps:
            out = st.fn(L, *[pool[k] for k in st.ins])
            if getattr(st, "nout", 1):
                pool.extend(flat_out(out))
        return pool

    def fd_check(self, why):
        def f(arrs):
            with ad.no_grad():
                pool = self.replay(GL, [GL.const(a) for a in arrs])
                return float(self.loss(GL, pool).numpy())

        gb = [
            np.zeros(a.shape) if b.grad is None else GL.host(b.grad)
            for a, b in zip(self.leaf_arrays, self.gl, strict=True)
        ]
        eps = 1e-6
        if not np.isfinite(f(self.leaf_arrays)):
            self.notes.append(f"{why} (loss not finite: no fd check)")
            return
        for k, a in enumerate(self.leaf_arrays):
            num = np.zeros(a.shape)
            for ix in np.ndindex(a.shape):
                p = [x.copy() for x in self.leaf_arrays]
                p[k][ix] += eps
                fp = f(p)
                p[k][ix] -= 2 * eps
                fm = f(p)
                num[ix] = (fp - fm) / (2 * eps)
            if not np.allclose(num, gb[k], rtol=1e-4, atol=1e-5):
                self.bugs.append(
                    f"{why}; gpuad grad of v{k} wrong vs finite differences\n fd {num}\n"
                    f" gpuad {gb[k]}"
                )
                return
        self.notes.append(f"{why} (gpuad matches finite differences)")

    def check_jit(self):
        if not self.weights:
            return
        r = np.random.default_rng(self.seed + 99)

        def f(*leaves):
            pool = self.replay(GL, leaves)
            return self.loss(GL, pool)

        def outs(*leaves):
            pool = self.replay(GL, leaves)
            return tuple(p for p in pool[len(leaves) :] if isinstance(p, ad.Tensor))

        nl = len(self.leaf_arrays)
        vg = ad.jit(ad.value_and_grad(f, argnums=tuple(range(nl))))
        draws = [self.leaf_arrays]
        for _ in range(2):
            if self.ties:
                draws.append(
                    [r.choice([-1.0, -0.5, 0.0, 0.5, 1.0], size=a.shape) for a in self.leaf_arrays]
                )
            else:
                draws.append([r.standard_normal(a.shape) for a in self.leaf_arrays])
        eager = ad.value_and_grad(f, argnums=tuple(range(nl)))
        for n, d in enumerate(draws):
            # eager gpuad on these values (checked against torch on the first draw)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ev, eg = eager(*[ad.get_backend().xp.asarray(a) for a in d])
                lt = torch.tensor(float(np.asarray(ev)))
                tg = [np.asarray(g) for g in eg]
            except Exception:  # noqa: BLE001
                return
            try:
                val, grads = vg(*[ad.get_backend().xp.asarray(a) for a in d])
            except Exception as e:  # noqa: BLE001
                if n == 0 and (type(e).__name__ == "TracerError" or "read-only" in str(e)):
                    self.notes.append(f"jit refuses: {type(e).__name__}: {str(e)[:150]}")
                    return
                self.bugs.append(f"jit raises on replay {n}: {type(e).__name__}: {str(e)[:300]}")
                return
            if not close(float(lt.detach()), np.asarray(val)):
                self.bugs.append(
                    f"jit value differs on draw {n}: torch {float(lt.detach())} gpuad {val}"
                )
                return
            for k, (a, b) in enumerate(zip(tg, grads, strict=True)):
                if not close(a, np.asarray(b), rtol=1e-7, atol=1e-9):
                    self.bugs.append(
                        f"jit grad of v{k} differs on draw {n}\n torch {a}\n gpuad {np.asarray(b)}"
                    )
                    return

    def report(self):
        return f"seed {self.seed}:\n  " + "\n  ".join(self.text)


def run_one(seed, jit=False, verbose=False):
    """Build, run and check program ``seed``; its ``bugs`` and ``notes`` say what was found."""
    p = Program(seed, nsteps=int(np.random.default_rng(seed + 1).integers(4, 16)))
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ok = p.build(verbose)
            if ok:
                p.check_grads()
                if jit and not p.bugs and not any("raise" in n for n in p.notes):
                    p.check_jit()
    except Exception as e:  # noqa: BLE001
        p.bugs.append(f"harness crash: {type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}")
    finally:
        torch.set_default_dtype(dtype)
    return p


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    first = int(args[0]) if args else 0
    n = int(args[1]) if len(args) > 1 else 100
    jit = "--jit" in sys.argv
    verbose = "--verbose" in sys.argv
    nb = 0
    notes = {}
    for s in range(first, first + n):
        p = run_one(s, jit, verbose)
        for nt in p.notes:
            key = (nt + ":").split(":")[0] + ":" + (nt + ":").split(":")[1][:40]
            notes.setdefault(key, []).append(s)
            if verbose:
                print(f"[note {s}] {nt}")
        if p.bugs:
            nb += 1
            print("=" * 80)
            print(p.report())
            for b in p.bugs:
                print("BUG:", b)
    print(f"{nb} programs with bugs out of {n}")
    for k, v in sorted(notes.items(), key=lambda kv: -len(kv[1]))[:40]:
        print(f"  {len(v):4d} {k}  e.g. seeds {v[:4]}")


if __name__ == "__main__":
    main()
