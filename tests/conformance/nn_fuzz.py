"""Differential fuzzer of gpuad's torch-style nn modules against PyTorch (float64, CPU).

Where torch_fuzz.py draws random programs of tensor ops, this draws random module
CONFIGURATIONS: the constructor options users combine (convolutions with groups, dilation,
strides, string paddings and padding modes; pools with ceil_mode, count_include_pad,
divisor_override and indices; normalisation layers in training and evaluation with their
running statistics; embeddings with padding_idx, max_norm and scale_grad_by_freq; recurrent
layers with layers, directions, projections and initial states; attention and Transformer
layers with masks; resampling; fold/unfold; losses with their weights and options; parametrised
activations). For each configuration the torch module is built from a seed, its parameters and
buffers are loaded into the gpuad module through ``load_state_dict`` (so the state dict keys
must agree), and both run the same forward calls (several, in training or evaluation mode, on
random float64 inputs). Checked: the outputs (1e-10 relative to the largest entry), the
gradients of ``sum(out * c)`` with respect to every input and every parameter (1e-8), and the
parameters and buffers after the calls. Either everything matches or gpuad raises a clear
error (ValueError, TypeError, NotImplementedError, IndexError) while building or calling the
module; another error type, or a different value, is a bug. Configurations torch refuses are
skipped. Known, documented differences are listed in ``KNOWN``.

Run it as a script: ``python tests/conformance/nn_fuzz.py FIRST_SEED N [--verbose]``;
tests/conformance/test_torch_nn_fuzz.py runs a few seeds.
"""

from __future__ import annotations

import sys
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import gpuad as ad
import gpuad.nn as gnn
import gpuad.nn.functional as GF

VALUE_RTOL = 1e-10
GRAD_RTOL = 1e-8

# the errors a refusal may raise; any other (KeyError, AttributeError, ...) names nothing
CLEAR = (ValueError, TypeError, NotImplementedError, IndexError, RuntimeError)

# family -> [(predicate on the case, why gpuad differs from torch there, action)]: action
# "skip" leaves the case out, "fd" compares values with torch and checks the input gradients
# by central differences instead, without asking torch's (where torch's own gradient is not
# that of its forward, or its backward refuses).
# Filled in below the generators.
KNOWN: dict[str, list[tuple[Any, str, str]]] = {}


# ------------------------------------------------------------------------------- placeholders
@dataclass
class D:
    """A differentiable float64 input (a leaf in both libraries)."""

    a: np.ndarray


@dataclass
class K:
    """A constant array (indices, masks, targets, class weights)."""

    a: np.ndarray


@dataclass
class M:
    """A module argument (a Transformer stack's layer, its final norm), built in each library."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass
class Call:
    args: tuple
    kwargs: dict = field(default_factory=dict)
    train: bool = True


@dataclass
class Case:
    family: str
    kind: str  # "module" or "functional"
    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    # the differentiable inputs enter as ``x * 1.0`` (not leaves), so an in-place module
    # (``inplace=True``) may write them; they are compared after the calls
    through_copy: bool = False

    def text(self) -> str:
        def short(v):
            if isinstance(v, M):
                return f"{v.name}{short(v.args)}{short(v.kwargs)}"
            if isinstance(v, D | K):
                dt = "" if v.a.dtype == np.float64 else v.a.dtype
                return f"{type(v).__name__}{tuple(v.a.shape)}{dt}"
            if isinstance(v, tuple | list):
                return type(v)(short(x) for x in v)
            if isinstance(v, dict):
                return {k: short(x) for k, x in v.items()}
            return v

        head = f"{self.kind} {self.name}(*{short(self.args)}, **{short(self.kwargs)})"
        calls = "; ".join(
            f"{'train' if c.train else 'eval'}({short(c.args)}, {short(c.kwargs)})"
            for c in self.calls)
        return f"[{self.family}] {head}\n    calls: {calls}"


def _convert(v, leaf, const, leaves, consts):
    if isinstance(v, M):
        lib = torch.nn if leaf is _torch_leaf else gnn
        return getattr(lib, v.name)(*v.args, **v.kwargs)
    if isinstance(v, D):
        t = leaf(v.a.copy())
        leaves.append(t)
        return t
    if isinstance(v, K):
        t = const(v.a.copy())
        consts.append(t)
        return t
    if isinstance(v, tuple | list):
        return type(v)(_convert(x, leaf, const, leaves, consts) for x in v)
    if isinstance(v, dict):
        return {k: _convert(x, leaf, const, leaves, consts) for k, x in v.items()}
    return v


def _torch_leaf(a):
    return torch.tensor(a, requires_grad=True)


def _to_torch(v, leaves, consts=None):
    """``v`` with D as torch leaves (appended to ``leaves``) and K as torch tensors."""
    return _convert(v, _torch_leaf, torch.tensor, leaves, [] if consts is None else consts)


def _to_gpuad(v, leaves, consts=None):
    return _convert(v, lambda a: ad.tensor(a, requires_grad=True), ad.tensor, leaves,
                    [] if consts is None else consts)


def _flat(o):
    if isinstance(o, tuple | list):
        return [y for x in o for y in _flat(x)]
    return [o]


def _host(x):
    if isinstance(x, torch.Tensor):
        return (x.to_dense() if x.is_sparse else x).detach().numpy()
    if isinstance(x, ad.Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def differs(g, t, rtol):
    """None when ``g`` equals torch's ``t`` (NaN/inf in the same places, finite entries within
    ``rtol`` of the largest), else what differs."""
    g, t = _host(g), _host(t)
    if g.shape != t.shape:
        return f"shape {g.shape}, torch's {t.shape}"
    if t.dtype == np.bool_ or g.dtype == np.bool_ or t.dtype.kind in "iu":
        return None if np.array_equal(g, t) else "integers/booleans differ"
    if t.size == 0:
        return None
    t, g = t.astype(np.float64), g.astype(np.float64)
    fin = np.isfinite(t)
    if not np.array_equal(fin, np.isfinite(g)):
        return "NaN/inf in other places"
    if not fin.any():
        return None
    scale = max(1.0, float(np.abs(t[fin]).max()))
    err = np.abs(g[fin] - t[fin])
    if not np.all(err <= rtol * (np.abs(t[fin]) + scale)):
        i = int(np.argmax(err))
        return (f"max abs error {err.max():.3g} (largest entry {scale:.3g}; "
                f"gpuad {g[fin].ravel()[i]:.6g}, torch {t[fin].ravel()[i]:.6g})")
    return None


# ------------------------------------------------------------------------------- generators
class Gen:
    def __init__(self, rng: np.random.Generator):
        self.r = rng

    def i(self, lo, hi):
        """An int in [lo, hi]."""
        return int(self.r.integers(lo, hi + 1))

    def b(self, p=0.5):
        return bool(self.r.random() < p)

    def c(self, xs):
        return xs[int(self.r.integers(len(xs)))]

    def x(self, *shape, lo=None, hi=None):
        if lo is not None:
            return D(self.r.uniform(lo, hi, size=shape))
        return D(self.r.standard_normal(shape))

    def tup(self, nd, lo, hi, p_int=0.4):
        """An int (used for every dim) or a tuple of nd ints."""
        if self.b(p_int):
            return self.i(lo, hi)
        return tuple(self.i(lo, hi) for _ in range(nd))

    @staticmethod
    def per(v, nd):
        return (v,) * nd if isinstance(v, int) else tuple(v)


def g_conv(g: Gen) -> Case:
    nd = g.i(1, 3)
    groups = g.c([1, 1, 2, 3])
    cin, cout = groups * g.i(1, 2), groups * g.i(1, 3)
    k = g.tup(nd, 1, 3 if nd < 3 else 2)
    dil = g.tup(nd, 1, 2) if g.b(0.4) else 1
    stride = g.tup(nd, 1, 3) if g.b(0.5) else 1
    pm = g.c(["zeros", "zeros", "reflect", "replicate", "circular"])
    pk = g.c(["int", "tuple", "same", "valid"])
    if pk == "same":
        padding, stride = "same", 1
    elif pk == "valid":
        padding = "valid"
    else:
        padding = g.tup(nd, 0, 2, p_int=1.0 if pk == "int" else 0.0)
    kw = dict(stride=stride, padding=padding, dilation=dil, groups=groups,
              bias=g.b(0.7), padding_mode=pm)
    kk, dd = Gen.per(k, nd), Gen.per(dil, nd)
    sizes = [max(d * (kq - 1) + 1, 3) + g.i(0, 3 if nd < 3 else 1)
             for kq, d in zip(kk, dd, strict=True)]
    batched = g.b(0.85)
    shape = ((g.i(1, 2),) if batched else ()) + (cin, *sizes)
    return Case("conv", "module", f"Conv{nd}d", (cin, cout, k), kw,
                [Call((g.x(*shape),))])


def g_conv_transpose(g: Gen) -> Case:
    nd = g.i(1, 3)
    groups = g.c([1, 1, 2, 3])
    cin, cout = groups * g.i(1, 2), groups * g.i(1, 3)
    k = g.tup(nd, 1, 3 if nd < 3 else 2)
    dil = g.tup(nd, 1, 2) if g.b(0.4) else 1
    stride = g.tup(nd, 1, 3) if g.b(0.6) else 1
    ss, dd = Gen.per(stride, nd), Gen.per(dil, nd)
    padding = g.tup(nd, 0, 2) if g.b(0.6) else 0
    if g.b(0.5):
        op = tuple(g.i(0, max(s, d) - 1) for s, d in zip(ss, dd, strict=True))
    else:
        op = 0
    kw = dict(stride=stride, padding=padding, output_padding=op, groups=groups,
              bias=g.b(0.7), dilation=dil)
    batched = g.b(0.85)
    kk, pp = Gen.per(k, nd), Gen.per(padding, nd)
    sizes = []
    for s, p, d, kq in zip(ss, pp, dd, kk, strict=True):  # an output of at least one element
        least = -(-(2 * p - d * (kq - 1)) // s) + 1
        sizes.append(max(least, 1) + g.i(0, 3 if nd < 3 else 1))
    shape = ((g.i(1, 2),) if batched else ()) + (cin, *sizes)
    call_kw = {}
    if op == 0 and g.b(0.3):  # torch's forward(x, output_size=...)
        base = [(L - 1) * s - 2 * p + d * (kq - 1) + 1
                for L, s, p, d, kq in zip(sizes, ss, pp, dd, kk, strict=True)]
        call_kw["output_size"] = [b + g.i(0, max(s, d) - 1)
                                  for b, s, d in zip(base, ss, dd, strict=True)]
    return Case("conv_transpose", "module", f"ConvTranspose{nd}d", (cin, cout, k), kw,
                [Call((g.x(*shape),), call_kw)])


def g_pool(g: Gen) -> Case:
    nd = g.i(1, 3)
    kind = g.c(["max", "max", "avg", "avg", "lp", "adamax", "adaavg"])
    batched = g.b(0.8)
    lead = ((g.i(1, 2),) if batched else ()) + (g.i(1, 3),)
    if kind in ("adamax", "adaavg"):
        sizes = [g.i(1, 7 if nd < 3 else 5) for _ in range(nd)]
        if g.b(0.3):
            out = g.i(1, 4)
        else:
            out = tuple(None if g.b(0.2) else g.i(1, 5) for _ in range(nd))
        name = f"Adaptive{'Max' if kind == 'adamax' else 'Avg'}Pool{nd}d"
        kw = {}
        if kind == "adamax" and g.b(0.4):
            kw["return_indices"] = True
        return Case("pool", "module", name, (out,), kw, [Call((g.x(*lead, *sizes),))])
    k = g.tup(nd, 1, 3)
    kk = Gen.per(k, nd)
    stride = g.tup(nd, 1, 3) if g.b(0.6) else None
    kw: dict = dict(kernel_size=k, stride=stride)
    dil = (1,) * nd
    if kind in ("max", "avg"):
        if g.b(0.5):
            kw["padding"] = tuple(g.i(0, kq // 2) for kq in kk) if g.b(0.5) else g.i(
                0, min(kk) // 2)
        kw["ceil_mode"] = g.b(0.4)
    if kind == "max":
        if g.b(0.4):
            kw["dilation"] = g.tup(nd, 1, 2)
            dil = Gen.per(kw["dilation"], nd)
        kw["return_indices"] = g.b(0.3)
        name = f"MaxPool{nd}d"
    elif kind == "avg":
        kw["count_include_pad"] = g.b(0.5)
        if nd > 1 and g.b(0.3):
            kw["divisor_override"] = g.i(1, 5)
        name = f"AvgPool{nd}d"
    else:
        kw = dict(norm_type=g.c([1.0, 2.0, 3.0, 1.5]), kernel_size=k, stride=stride,
                  ceil_mode=g.b(0.4))
        name = f"LPPool{nd}d"
    sizes = [d * (kq - 1) + 1 + g.i(0, 4 if nd < 3 else 2) for kq, d in zip(kk, dil, strict=True)]
    x = g.x(*lead, *sizes, lo=0.2, hi=2.0) if kind == "lp" else g.x(*lead, *sizes)
    return Case("pool", "module", name, (), kw, [Call((x,))])


def g_batchnorm(g: Gen) -> Case:
    nd = g.i(1, 3)
    c = g.i(1, 3)
    kw = dict(eps=g.c([1e-5, 1e-3, 0.1]), momentum=g.c([0.1, None, 0.3]), affine=g.b(0.7),
              track_running_stats=g.b(0.7))
    if g.b(0.2):
        kw["bias"] = False
    n = g.i(2, 3)
    if nd == 1:
        shape = (n, c) if g.b(0.4) else (n, c, g.i(1, 4))
    else:
        shape = (n, c) + tuple(g.i(1, 3) for _ in range(nd))
    calls = [Call((g.x(*shape),)) for _ in range(g.i(1, 3))]
    if g.b(0.5):
        calls.append(Call((g.x(*shape),), train=False))
    return Case("batchnorm", "module", f"BatchNorm{nd}d", (c,), kw, calls)


def g_instancenorm(g: Gen) -> Case:
    nd = g.i(1, 3)
    c = g.i(1, 3)
    kw = dict(eps=g.c([1e-5, 1e-3, 0.1]), momentum=g.c([0.1, None, 0.3]), affine=g.b(0.5),
              track_running_stats=g.b(0.5))
    if g.b(0.2):
        kw["bias"] = False
    batched = g.b(0.8)
    shape = ((g.i(1, 3),) if batched else ()) + (c,) + tuple(g.i(2, 4) for _ in range(nd))
    calls = [Call((g.x(*shape),)) for _ in range(g.i(1, 3))]
    if g.b(0.5):
        calls.append(Call((g.x(*shape),), train=False))
    return Case("instancenorm", "module", f"InstanceNorm{nd}d", (c,), kw, calls)


def g_groupnorm(g: Gen) -> Case:
    ng = g.i(1, 3)
    c = ng * g.i(1, 3)
    shape = (g.i(1, 3), c) + tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
    kw = dict(eps=g.c([1e-5, 0.1]), affine=g.b(0.7))
    if g.b(0.2):
        kw["bias"] = False
    return Case("groupnorm", "module", "GroupNorm", (ng, c), kw, [Call((g.x(*shape),))])


def g_layernorm(g: Gen) -> Case:
    shape = tuple(g.i(1, 4) for _ in range(g.i(1, 4)))
    k = g.i(1, len(shape))
    ns = shape[-k:]
    normalized = ns[0] if k == 1 and g.b(0.5) else (list(ns) if g.b(0.3) else ns)
    if g.b(0.5):
        kw = dict(eps=g.c([1e-5, 0.1]), elementwise_affine=g.b(0.7))
        if kw["elementwise_affine"] and g.b(0.4):
            kw["bias"] = False
        name = "LayerNorm"
    else:
        kw = dict(eps=g.c([None, 1e-5, 0.1]), elementwise_affine=g.b(0.7))
        name = "RMSNorm"
    return Case("layernorm", "module", name, (normalized,), kw, [Call((g.x(*shape),))])


def g_embedding(g: Gen) -> Case:
    n, dim = g.i(2, 7), g.i(1, 4)
    kw: dict = {}
    if g.b(0.5):
        kw["padding_idx"] = g.i(-n, n - 1)
    if g.b(0.4):
        kw["max_norm"] = g.c([0.5, 1.0, 2.0])
        kw["norm_type"] = g.c([2.0, 1.0, 3.0, float("inf")])
    if g.b(0.4):
        kw["scale_grad_by_freq"] = True
    if g.b(0.2):
        kw["sparse"] = True  # torch's gradient is a sparse tensor, gpuad's dense
    shape = tuple(g.i(1, 4) for _ in range(g.i(1, 2)))
    idx = g.r.integers(0, n, size=shape)
    return Case("embedding", "module", "Embedding", (n, dim), kw, [Call((K(idx),))])


def g_cell(g: Gen) -> Case:
    name = g.c(["RNNCell", "LSTMCell", "GRUCell"])
    inp, hid = g.i(1, 4), g.i(1, 4)
    kw: dict = dict(bias=g.b(0.8))
    if name == "RNNCell":
        kw["nonlinearity"] = g.c(["tanh", "relu"])
    lead = (g.i(1, 3),) if g.b(0.8) else ()
    args: tuple = (g.x(*lead, inp),)
    if g.b(0.6):
        h = g.x(*lead, hid)
        args += ((h, g.x(*lead, hid)) if name == "LSTMCell" else h,)
    return Case("rnn", "module", name, (inp, hid), kw, [Call(args)])


def g_rnn(g: Gen) -> Case:
    if g.b(0.25):
        return g_cell(g)
    name = g.c(["RNN", "LSTM", "GRU"])
    inp, hid = g.i(1, 4), g.i(1, 4)
    layers = g.i(1, 3)
    bi = g.b(0.4)
    kw: dict = dict(num_layers=layers, bias=g.b(0.8), batch_first=g.b(0.5), bidirectional=bi)
    if name == "RNN":
        kw["nonlinearity"] = g.c(["tanh", "relu"])
    proj = 0
    if name == "LSTM" and g.b(0.4) and hid > 1:
        proj = g.i(1, hid - 1)
        kw["proj_size"] = proj
    train = True
    if layers > 1 and g.b(0.3):
        kw["dropout"] = g.c([0.0, 0.5])
        train = kw["dropout"] == 0.0  # dropout is off in evaluation
    L, N = g.i(1, 4), g.i(1, 3)
    batched = g.b(0.8)
    if batched:
        shape = (N, L, inp) if kw["batch_first"] else (L, N, inp)
    else:
        shape = (L, inp)
    args: tuple = (g.x(*shape),)
    dirs = 2 if bi else 1
    hshape = (layers * dirs,) + ((N,) if batched else ())
    if g.b(0.5):
        h0 = g.x(*hshape, proj or hid)
        args = args + ((h0, g.x(*hshape, hid)) if name == "LSTM" else h0,)
    return Case("rnn", "module", name, (inp, hid), kw, [Call(args, train=train)])


def _mask_keys(g: Gen, n, s):
    m = g.r.random((n, s)) < 0.35
    m[:, 0] = False  # every query keeps a key
    return m


def g_mha(g: Gen) -> Case:
    heads = g.i(1, 3)
    e = heads * g.i(1, 3)
    kw: dict = dict(bias=g.b(0.8), add_bias_kv=g.b(0.25), add_zero_attn=g.b(0.25),
                    batch_first=g.b(0.5))
    kdim = vdim = e
    if g.b(0.4):
        kdim, vdim = g.i(1, 4), g.i(1, 4)
        kw["kdim"], kw["vdim"] = kdim, vdim
    L, S, N = g.i(1, 4), g.i(1, 4), g.i(1, 3)
    batched = g.b(0.85)
    self_attn = kdim == e and vdim == e and g.b(0.3)
    if self_attn:
        S = L

    def seq(n, d):
        if not batched:
            return (n, d)
        return (N, n, d) if kw["batch_first"] else (n, N, d)

    q = g.x(*seq(L, e))
    if self_attn:
        args: tuple = (q, q, q)  # the same leaf three times
    else:
        args = (q, g.x(*seq(S, kdim)), g.x(*seq(S, vdim)))
    ckw: dict = dict(need_weights=g.b(0.6))
    if ckw["need_weights"]:
        ckw["average_attn_weights"] = g.b(0.5)
    if g.b(0.4):
        m = _mask_keys(g, N if batched else 1, S)
        m = m if batched else m[0]
        ckw["key_padding_mask"] = K(m) if g.b(0.6) else K(np.where(m, -np.inf, 0.0)
                                                          if g.b(0.5) else
                                                          g.r.standard_normal(m.shape))
    if g.b(0.4):
        two_d = g.b(0.6) or not batched
        m = _mask_keys(g, L, S)
        if not two_d:
            m = np.stack([_mask_keys(g, L, S) for _ in range(N * heads)])
        ckw["attn_mask"] = K(m) if g.b(0.5) else K(g.r.standard_normal(m.shape))
        if L == S and two_d and g.b(0.4):
            ckw["attn_mask"] = K(np.triu(np.ones((L, S), bool), 1))
            ckw["is_causal"] = True
        if ckw.get("key_padding_mask") is not None:
            # torch wants both masks of one kind
            kp = ckw["key_padding_mask"].a
            if (ckw["attn_mask"].a.dtype == bool) != (kp.dtype == bool):
                km = _mask_keys(g, N if batched else 1, S)
                km = km if batched else km[0]
                ckw["key_padding_mask"] = K(km if kp.dtype != bool else
                                            np.where(kp, -np.inf, 0.0))
    train = True
    if g.b(0.2):  # dropout is off in evaluation
        kw["dropout"], train = 0.4, False
    return Case("mha", "module", "MultiheadAttention", (e, heads), kw,
                [Call(args, ckw, train=train)])


def g_transformer(g: Gen) -> Case:
    case = _g_transformer(g)
    if case.kwargs.get("dropout") or any(
            isinstance(a, M) and a.kwargs.get("dropout") for a in case.args):
        for c in case.calls:  # dropout is off in evaluation
            c.train = False
    return case


def _g_transformer(g: Gen) -> Case:
    heads = g.i(1, 2)
    d = heads * g.i(1, 3)
    dec = g.b(0.3)
    kw: dict = dict(dim_feedforward=g.i(1, 6), dropout=g.c([0.0, 0.0, 0.0, 0.5]),
                    activation=g.c(["relu", "gelu"]),
                    layer_norm_eps=g.c([1e-5, 0.1]), batch_first=g.b(0.5),
                    norm_first=g.b(0.5), bias=g.b(0.8))
    L, N = g.i(1, 4), g.i(1, 2)
    batched = g.b(0.85)

    def seq(n):
        if not batched:
            return (n, d)
        return (N, n, d) if kw["batch_first"] else (n, N, d)

    ckw: dict = {}
    stack = g.c([None, None, "encoder", "decoder", "transformer"])
    if stack == "transformer":
        S = g.i(1, 4)
        tkw = dict(kw, num_encoder_layers=g.i(1, 2), num_decoder_layers=g.i(1, 2))
        if g.b(0.4):
            ckw["src_mask"] = K(_mask_keys(g, S, S))
        if g.b(0.4):
            ckw["tgt_mask"] = K(np.triu(np.ones((L, L), bool), 1))
            ckw["tgt_is_causal"] = g.b(0.5)
        if g.b(0.4) and batched:
            ckw["src_key_padding_mask"] = K(_mask_keys(g, N, S))
            ckw["memory_key_padding_mask"] = K(_mask_keys(g, N, S))
        return Case("transformer", "module", "Transformer", (),
                    dict(tkw, d_model=d, nhead=heads), [Call((g.x(*seq(S)), g.x(*seq(L))), ckw)])
    if stack is not None:
        layer = "TransformerEncoderLayer" if stack == "encoder" else "TransformerDecoderLayer"
        skw: dict = dict(num_layers=g.i(1, 3))
        if g.b(0.5):
            skw["norm"] = M("LayerNorm", (d,), dict(eps=g.c([1e-5, 0.1])))
        if stack == "encoder":
            skw["enable_nested_tensor"] = False
            if g.b(0.4):
                ckw["mask"] = K(np.triu(np.ones((L, L), bool), 1))
                ckw["is_causal"] = g.b(0.5)
            if g.b(0.4) and batched:
                ckw["src_key_padding_mask"] = K(_mask_keys(g, N, L))
            return Case("transformer", "module", "TransformerEncoder",
                        (M(layer, (d, heads), kw),), skw, [Call((g.x(*seq(L)),), ckw)])
        S = g.i(1, 4)
        if g.b(0.4):
            ckw["tgt_mask"] = K(np.triu(np.ones((L, L), bool), 1))
            ckw["tgt_is_causal"] = g.b(0.5)
        if g.b(0.3):
            ckw["memory_mask"] = K(g.r.standard_normal((L, S)))
        return Case("transformer", "module", "TransformerDecoder",
                    (M(layer, (d, heads), kw),), skw, [Call((g.x(*seq(L)), g.x(*seq(S))), ckw)])
    if dec:
        S = g.i(1, 4)
        args: tuple = (g.x(*seq(L)), g.x(*seq(S)))
        if g.b(0.4):
            ckw["tgt_mask"] = K(_mask_keys(g, L, L) if g.b(0.5) else g.r.standard_normal((L, L)))
        if g.b(0.4) and batched:
            ckw["memory_key_padding_mask"] = K(_mask_keys(g, N, S))
        name = "TransformerDecoderLayer"
    else:
        args = (g.x(*seq(L)),)
        if g.b(0.4):
            ckw["src_mask"] = K(_mask_keys(g, L, L) if g.b(0.5) else g.r.standard_normal((L, L)))
        if g.b(0.4) and batched:
            m = _mask_keys(g, N, L)
            if "src_mask" in ckw and ckw["src_mask"].a.dtype != bool:
                m = np.where(m, -np.inf, 0.0)
            ckw["src_key_padding_mask"] = K(m)
        name = "TransformerEncoderLayer"
    return Case("transformer", "module", name, (d, heads), kw, [Call(args, ckw)])


def g_interpolate(g: Gen) -> Case:
    nd = g.i(1, 3)
    modes = ["nearest", "nearest-exact", "area", {1: "linear", 2: "bilinear", 3: "trilinear"}[nd]]
    if nd == 2:
        modes.append("bicubic")
    mode = g.c(modes)
    sizes = [g.i(1, 5 if nd < 3 else 3) for _ in range(nd)]
    kw: dict = dict(mode=mode)
    if g.b(0.5):
        kw["size"] = g.i(1, 6) if g.b(0.3) else tuple(g.i(1, 6) for _ in range(nd))
    else:
        if g.b(0.4):
            kw["scale_factor"] = g.c([0.5, 0.7, 1.2, 1.5, 2.0, 2.3, 3.0])
        else:
            kw["scale_factor"] = tuple(g.c([0.6, 1.0, 1.1, 1.3, 2.0, 2.2, 2.5]) for _ in range(nd))
        if g.b(0.4):
            kw["recompute_scale_factor"] = g.b(0.5)
    if mode in ("linear", "bilinear", "bicubic", "trilinear") and g.b(0.5):
        kw["align_corners"] = g.b(0.5)
    if mode in ("bilinear", "bicubic") and g.b(0.2):
        kw["antialias"] = True
    shape = (g.i(1, 2), g.i(1, 2), *sizes)
    if g.b(0.3) and "antialias" not in kw:
        return Case("interpolate", "module", "Upsample", (), kw, [Call((g.x(*shape),))])
    return Case("interpolate", "functional", "interpolate", (), kw, [Call((g.x(*shape),))])


def g_shuffle_fold(g: Gen) -> Case:
    kind = g.c(["shuffle", "unshuffle", "fold", "unfold"])
    if kind == "shuffle":
        r = g.i(1, 3)
        lead = (g.i(1, 2),) if g.b(0.8) else ()
        x = g.x(*lead, g.i(1, 2) * r * r, g.i(1, 3), g.i(1, 3))
        return Case("fold", "module", "PixelShuffle", (r,), {}, [Call((x,))])
    if kind == "unshuffle":
        r = g.i(1, 3)
        lead = (g.i(1, 2),) if g.b(0.8) else ()
        x = g.x(*lead, g.i(1, 2), r * g.i(1, 2), r * g.i(1, 2))
        return Case("fold", "module", "PixelUnshuffle", (r,), {}, [Call((x,))])
    k = g.tup(2, 1, 3)
    kw = dict(dilation=g.tup(2, 1, 2) if g.b(0.4) else 1,
              padding=g.tup(2, 0, 2) if g.b(0.4) else 0,
              stride=g.tup(2, 1, 3) if g.b(0.5) else 1)
    kk, dd, pp, ss = (Gen.per(v, 2) for v in (k, kw["dilation"], kw["padding"], kw["stride"]))
    size = tuple(max(d * (kq - 1) + 1 - 2 * p, 1) + g.i(0, 3)
                 for kq, d, p in zip(kk, dd, pp, strict=True))
    c = g.i(1, 2)
    lead = (g.i(1, 2),) if g.b(0.8) else ()
    if kind == "unfold":
        return Case("fold", "module", "Unfold", (k,), kw, [Call((g.x(*lead, c, *size),))])
    blocks = 1
    for n, kq, d, p, s in zip(size, kk, dd, pp, ss, strict=True):
        blocks *= (n + 2 * p - d * (kq - 1) - 1) // s + 1
    return Case("fold", "module", "Fold", (size, k), kw,
                [Call((g.x(*lead, c * kk[0] * kk[1], max(blocks, 1)),))])


def _labels(g: Gen, n_cls, shape, ignore=None):
    lab = g.r.integers(0, n_cls, size=shape)
    if ignore is not None:
        lab = np.where(g.r.random(shape) < 0.25, ignore, lab)
    return lab


def g_loss(g: Gen) -> Case:
    red = g.c(["mean", "sum", "none"])
    kind = g.c(["ce", "ce", "nll", "bce", "bcel", "bcel", "smoothl1", "huber", "l1", "mse",
                "kl", "poisson", "gauss", "margin_rank", "hinge", "softmargin", "mlsm", "mm",
                "cosemb", "triplet"])
    N, C = g.i(1, 4), g.i(2, 4)
    kw: dict = dict(reduction=red)
    extra = tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
    if kind in ("ce", "nll"):
        batched = g.b(0.85)
        xshape = ((N, C) + extra) if batched else (C,)
        tshape = ((N,) + extra) if batched else ()
        if g.b(0.4):
            kw["weight"] = K(g.r.uniform(0.2, 2.0, C))
        probs = kind == "ce" and g.b(0.3)
        if kind == "ce" and g.b(0.4):
            kw["label_smoothing"] = g.c([0.1, 0.3])
        if probs:
            if g.b(0.3):
                kw["ignore_index"] = g.c([0, 1])  # torch ignores it for probabilities
            t = g.r.random(xshape)
            t = t / t.sum(axis=1 if batched else 0, keepdims=True)
            target = K(t) if g.b(0.5) else g.x(*xshape, lo=0.0, hi=1.0)
        else:
            ign = None
            if g.b(0.4):
                ign = g.c([-100, 0, 1, -1])
                kw["ignore_index"] = ign
            target = K(_labels(g, C, tshape, ign))
        x = g.x(*xshape)
        if kind == "nll":
            x = D(x.a - np.log(np.exp(x.a).sum(axis=1 if batched else 0, keepdims=True)))
            return Case("loss", "module", "NLLLoss", (), kw, [Call((x, target))])
        return Case("loss", "module", "CrossEntropyLoss", (), kw, [Call((x, target))])
    shape = (N, C) + extra
    if kind == "bce":
        if g.b(0.3):
            kw["weight"] = K(g.r.uniform(0.2, 2.0, shape[-1]))
        return Case("loss", "module", "BCELoss", (), kw,
                    [Call((g.x(*shape, lo=0.05, hi=0.95), g.x(*shape, lo=0.0, hi=1.0)))])
    if kind == "bcel":
        if g.b(0.4):
            kw["weight"] = K(g.r.uniform(0.2, 2.0, shape[-1]))
        if g.b(0.5):
            kw["pos_weight"] = K(g.r.uniform(0.2, 3.0, shape[-1]))
        return Case("loss", "module", "BCEWithLogitsLoss", (), kw,
                    [Call((g.x(*shape), g.x(*shape, lo=0.0, hi=1.0)))])
    if kind == "smoothl1":
        kw["beta"] = g.c([0.0, 0.5, 1.0, 2.0])
        return Case("loss", "module", "SmoothL1Loss", (), kw, [Call((g.x(*shape), g.x(*shape)))])
    if kind == "huber":
        kw["delta"] = g.c([0.3, 1.0, 2.0])
        return Case("loss", "module", "HuberLoss", (), kw, [Call((g.x(*shape), g.x(*shape)))])
    if kind in ("l1", "mse"):
        name = "L1Loss" if kind == "l1" else "MSELoss"
        tgt = g.x(*shape) if g.b(0.5) else K(g.r.standard_normal(shape))
        return Case("loss", "module", name, (), kw, [Call((g.x(*shape), tgt))])
    if kind == "kl":
        kw["reduction"] = g.c(["mean", "sum", "none", "batchmean"])
        kw["log_target"] = g.b(0.5)
        t = g.x(*shape) if kw["log_target"] else g.x(*shape, lo=0.05, hi=1.0)
        return Case("loss", "module", "KLDivLoss", (), kw, [Call((g.x(*shape), t))])
    if kind == "poisson":
        kw.update(log_input=g.b(0.5), full=g.b(0.5), eps=g.c([1e-8, 0.1]))
        x = g.x(*shape) if kw["log_input"] else g.x(*shape, lo=0.1, hi=3.0)
        t = K(g.r.integers(0, 5, size=shape).astype(np.float64))
        return Case("loss", "module", "PoissonNLLLoss", (), kw, [Call((x, t))])
    if kind == "gauss":
        kw.update(full=g.b(0.5), eps=g.c([1e-6, 0.1]))
        var_shape = g.c([shape, shape[:-1] + (1,), shape[:-1]] if len(shape) > 1 else [shape])
        return Case("loss", "module", "GaussianNLLLoss", (), kw,
                    [Call((g.x(*shape), g.x(*shape), g.x(*var_shape, lo=0.05, hi=2.0)))])
    if kind == "margin_rank":
        kw["margin"] = g.c([0.0, 0.5])
        y = K(np.where(g.r.random(N) < 0.5, -1.0, 1.0))
        return Case("loss", "module", "MarginRankingLoss", (), kw,
                    [Call((g.x(N), g.x(N), y))])
    if kind == "hinge":
        kw["margin"] = g.c([1.0, 0.5, 2.0])
        y = K(np.where(g.r.random(shape) < 0.5, -1.0, 1.0))
        return Case("loss", "module", "HingeEmbeddingLoss", (), kw, [Call((g.x(*shape), y))])
    if kind == "softmargin":
        y = K(np.where(g.r.random(shape) < 0.5, -1.0, 1.0))
        return Case("loss", "module", "SoftMarginLoss", (), kw, [Call((g.x(*shape), y))])
    if kind == "mlsm":
        if g.b(0.4):
            kw["weight"] = K(g.r.uniform(0.2, 2.0, C))
        y = K((g.r.random((N, C)) < 0.5).astype(np.float64))
        return Case("loss", "module", "MultiLabelSoftMarginLoss", (), kw,
                    [Call((g.x(N, C), y))])
    if kind == "mm":
        kw.update(p=g.c([1, 2]), margin=g.c([1.0, 0.5]))
        if g.b(0.4):
            kw["weight"] = K(g.r.uniform(0.2, 2.0, C))
        batched = g.b(0.8)
        x = g.x(N, C) if batched else g.x(C)
        y = K(_labels(g, C, (N,) if batched else ()))
        return Case("loss", "module", "MultiMarginLoss", (), kw, [Call((x, y))])
    if kind == "cosemb":
        kw["margin"] = g.c([0.0, 0.3, -0.2])
        y = K(np.where(g.r.random(N) < 0.5, -1.0, 1.0))
        return Case("loss", "module", "CosineEmbeddingLoss", (), kw,
                    [Call((g.x(N, C), g.x(N, C), y))])
    kw.update(margin=g.c([1.0, 0.5]), p=g.c([1.0, 2.0, 3.0]), swap=g.b(0.5),
              eps=g.c([1e-6, 0.1]))
    return Case("loss", "module", "TripletMarginLoss", (), kw,
                [Call((g.x(N, C), g.x(N, C), g.x(N, C)))])


def _hardtanh_kwargs(g: Gen) -> dict:
    kw = dict(min_val=g.c([-1.0, -0.5, -2.0]), max_val=g.c([1.0, 0.3, 2.0]))
    for old in ("min_val", "max_val"):  # torch's deprecated spellings override
        if g.b(0.25):
            kw[old.replace("val", "value")] = kw.pop(old) if g.b(0.5) else -kw[old] / 2
    return kw


ACTIVATIONS = {
    "ELU": lambda g: dict(alpha=g.c([1.0, 0.5, 2.0])),
    "CELU": lambda g: dict(alpha=g.c([1.0, 0.5, 2.0])),
    "SELU": lambda g: {},
    "GELU": lambda g: dict(approximate=g.c(["none", "tanh"])),
    "Hardtanh": lambda g: _hardtanh_kwargs(g),
    "LeakyReLU": lambda g: dict(negative_slope=g.c([0.01, 0.2, -0.3, 1.5])),
    "ReLU6": lambda g: {},
    "RReLU": lambda g: dict(lower=g.c([0.1, 0.125]), upper=g.c([0.3, 1 / 3])),
    "Softplus": lambda g: dict(beta=g.c([1.0, 0.5, 2.0, -1.0]), threshold=g.c([20.0, 1.0, 0.5])),
    "Softshrink": lambda g: dict(lambd=g.c([0.5, 0.1, 1.0])),
    "Hardshrink": lambda g: dict(lambd=g.c([0.5, 0.1, 1.0])),
    "Threshold": lambda g: dict(threshold=g.c([0.1, -0.5]), value=g.c([0.0, -2.0, 3.0])),
    "Softmax": lambda g: dict(dim=g.c([0, 1, -1, None])),
    "LogSoftmax": lambda g: dict(dim=g.c([0, 1, -1, None])),
    "Softmin": lambda g: dict(dim=g.c([0, 1, -1, None])),
    "GLU": lambda g: dict(dim=g.c([0, 1, -1])),
    "Hardsigmoid": lambda g: {},
    "Hardswish": lambda g: {},
    "Mish": lambda g: {},
    "SiLU": lambda g: {},
    "Sigmoid": lambda g: {},
    "Tanh": lambda g: {},
    "LogSigmoid": lambda g: {},
    "Softsign": lambda g: {},
    "Tanhshrink": lambda g: {},
    "PReLU": lambda g: dict(num_parameters=g.c([1, 1, 3]), init=g.c([0.25, -0.1])),
    "ReLU": lambda g: {},
}


def g_activation(g: Gen) -> Case:
    name = g.c(sorted(ACTIVATIONS))
    kw = ACTIVATIONS[name](g)
    if name == "PReLU" and kw["num_parameters"] == 3:
        shape = (g.i(1, 2), 3) + tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
    elif name == "GLU":
        shape = (2, 4, 2)
    else:
        shape = tuple(g.i(1, 4) for _ in range(g.i(2, 3)))
    train = name != "RReLU"  # RReLU draws random slopes while training
    through = False
    if name in INPLACE_ACTIVATIONS and g.b(0.3):
        kw["inplace"] = through = True
    return Case("activation", "module", name, (), kw, [Call((g.x(*shape),), train=train)],
                through_copy=through)


INPLACE_ACTIVATIONS = {"ReLU", "ReLU6", "ELU", "CELU", "SELU", "LeakyReLU", "Hardtanh", "RReLU",
                       "Threshold", "Hardsigmoid", "Hardswish", "SiLU", "Mish"}


def g_pad(g: Gen) -> Case:
    nd = g.i(1, 3)
    mode = g.c(["constant", "zeros", "reflect", "replicate", "circular"])
    lead = ((g.i(1, 2),) if g.b(0.7) else ()) + (g.i(1, 2),)
    sizes = [g.i(2, 4) for _ in range(nd)]
    if g.b(0.5):  # a module
        name = {"constant": "ConstantPad", "zeros": "ZeroPad", "reflect": "ReflectionPad",
                "replicate": "ReplicationPad", "circular": "CircularPad"}[mode] + f"{nd}d"
        most = min(sizes) - 1 if mode == "reflect" else min(sizes)
        pad = g.i(0, most) if g.b(0.4) else tuple(g.i(0, most) for _ in range(2 * nd))
        args = (pad, g.c([0.0, 1.5, -2.0])) if mode == "constant" else (pad,)
        return Case("pad", "module", name, args, {}, [Call((g.x(*lead, *sizes),))])
    k = g.i(1, nd)
    widths = []
    for n in reversed(sizes[-k:]):
        for _ in range(2):
            lo = -(n // 2) if mode in ("constant", "zeros", "circular") else 0
            hi = n - 1 if mode == "reflect" else n
            widths.append(g.i(lo, hi))
    kw = dict(mode="constant" if mode == "zeros" else mode)
    if mode == "constant" and g.b(0.5):
        kw["value"] = g.c([1.5, -2.0])
    return Case("pad", "functional", "pad", (tuple(widths),), kw,
                [Call((g.x(*lead, *sizes),))])


def g_misc(g: Gen) -> Case:
    kind = g.c(["linear", "bilinear", "cos", "pdist", "lrn", "flatten", "unflatten",
                "channel_shuffle", "softmax2d", "embedding_bag", "identity", "dropout"])
    n = g.i(1, 3)
    if kind == "linear":
        i, o = g.i(1, 4), g.i(1, 4)
        lead = tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
        return Case("misc", "module", "Linear", (i, o), dict(bias=g.b(0.7)),
                    [Call((g.x(*lead, i),))])
    if kind == "bilinear":
        a, b, o = g.i(1, 3), g.i(1, 3), g.i(1, 3)
        lead = (n,) if g.b(0.8) else ()
        return Case("misc", "module", "Bilinear", (a, b, o), dict(bias=g.b(0.7)),
                    [Call((g.x(*lead, a), g.x(*lead, b)))])
    if kind == "cos":
        shape = (n, g.i(1, 4), g.i(1, 3))
        other = shape if g.b(0.7) else (1,) + shape[1:]
        return Case("misc", "module", "CosineSimilarity", (),
                    dict(dim=g.c([1, -1, 0]), eps=g.c([1e-8, 0.5])),
                    [Call((g.x(*shape), g.x(*other)))])
    if kind == "pdist":
        d = g.i(1, 4)
        shape = (n, d) if g.b(0.8) else (d,)
        return Case("misc", "module", "PairwiseDistance", (),
                    dict(p=g.c([2.0, 1.0, 3.0, 0.5]), eps=g.c([1e-6, 0.1]),
                         keepdim=g.b(0.5)), [Call((g.x(*shape), g.x(*shape)))])
    if kind == "lrn":
        shape = (n, g.i(1, 5)) + tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
        return Case("misc", "module", "LocalResponseNorm", (g.i(1, 4),),
                    dict(alpha=g.c([1e-4, 0.3]), beta=g.c([0.75, 0.5]), k=g.c([1.0, 2.0])),
                    [Call((g.x(*shape),))])
    if kind == "flatten":
        shape = tuple(g.i(1, 3) for _ in range(g.i(1, 4)))
        nd = len(shape)
        a = g.i(-nd, nd - 1)
        b = g.i(a % nd, nd - 1)
        return Case("misc", "module", "Flatten", (a, b), {}, [Call((g.x(*shape),))])
    if kind == "unflatten":
        c = g.c([4, 6, 1])
        sizes = {4: [(2, 2), (4, 1), (-1, 2)], 6: [(2, 3), (3, -1), (1, 6)], 1: [(1, 1)]}[c]
        return Case("misc", "module", "Unflatten", (1, g.c(sizes)), {},
                    [Call((g.x(n, c, 2),))])
    if kind == "channel_shuffle":
        gr = g.i(1, 3)
        return Case("misc", "module", "ChannelShuffle", (gr,), {},
                    [Call((g.x(n, gr * g.i(1, 2), g.i(1, 3)),))])
    if kind == "softmax2d":
        return Case("misc", "module", "Softmax2d", (), {},
                    [Call((g.x(*((n,) if g.b(0.7) else ()), g.i(1, 3), 2, g.i(1, 3)),))])
    if kind == "identity":
        return Case("misc", "module", "Identity", (3, 4), dict(unused=1), [Call((g.x(2, 3),))])
    if kind == "dropout":
        name = g.c(["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                    "FeatureAlphaDropout"])
        nd = {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5}.get(name, g.i(1, 4))
        train = g.b(0.3)
        p = 0.0 if train else g.c([0.0, 0.3, 0.9])
        return Case("misc", "module", name, (p,), {},
                    [Call((g.x(*(g.i(1, 3) for _ in range(nd))),), train=train)])
    rows, dim = g.i(2, 6), g.i(1, 3)
    mode = g.c(["sum", "mean", "max"])
    kw: dict = dict(mode=mode)
    if g.b(0.4):
        kw["padding_idx"] = g.i(-rows, rows - 1)
    if g.b(0.3):
        kw["max_norm"] = g.c([0.5, 1.0])
    if g.b(0.3) and mode != "max":
        kw["scale_grad_by_freq"] = True
    if g.b(0.5):
        idx = g.r.integers(0, rows, size=(n, g.i(1, 4)))
        args: tuple = (K(idx),)
        ckw: dict = {}
        if mode == "sum" and g.b(0.4):
            ckw["per_sample_weights"] = g.x(*idx.shape)
        return Case("misc", "module", "EmbeddingBag", (rows, dim), kw, [Call(args, ckw)])
    m = g.i(0, 8)
    idx = g.r.integers(0, rows, size=m)
    cuts = np.sort(g.r.integers(0, m + 1, size=g.i(1, 3)))
    cuts[0] = 0
    last = g.b(0.3)
    if last:
        kw["include_last_offset"] = True
        cuts = np.append(cuts, m)
    ckw = {}
    if mode == "sum" and g.b(0.4):
        ckw["per_sample_weights"] = g.x(m)
    return Case("misc", "module", "EmbeddingBag", (rows, dim), kw,
                [Call((K(idx), K(cuts)), ckw)])


def g_functional(g: Gen) -> Case:
    kind = g.c(["batch_norm", "instance_norm", "normalize", "conv", "embedding", "sdpa",
                "layer_norm", "group_norm", "pool", "conv_transpose", "unpool"])
    if kind in ("pool", "conv_transpose"):
        # the module's configuration, through the function
        case = g_pool(g) if kind == "pool" else g_conv_transpose(g)
        if kind == "pool" and case.name.startswith("LP"):
            nd = int(case.name[-2])
            kw = dict(case.kwargs)
            fn = f"lp_pool{nd}d"
            return Case("functional", "functional", fn, (kw.pop("norm_type"),), kw, case.calls)
        if kind == "pool":
            name = case.name
            fn = ("adaptive_" if name.startswith("Adaptive") else "") + (
                "max" if "Max" in name else "avg") + f"_pool{name[-2]}d"
            return Case("functional", "functional", fn, case.args, case.kwargs, case.calls)
        nd = int(case.name[-2])
        cin, cout, k = case.args
        kk = Gen.per(k, nd)
        groups = case.kwargs["groups"]
        x = case.calls[0].args[0]
        if x.a.ndim == nd + 1:
            x = D(x.a[None])
        w = g.x(cin, cout // groups, *kk)
        b = g.x(cout) if case.kwargs["bias"] else None
        kw = {k2: v for k2, v in case.kwargs.items() if k2 != "bias"}
        return Case("functional", "functional", f"conv_transpose{nd}d", (), kw,
                    [Call((x, w, b))])
    if kind == "unpool":
        nd = g.i(1, 3)
        k = g.i(1, 3)
        stride = g.c([None, k, k + 1])  # no overlap: torch's gradient at a repeated index
        # passes the overwritten values one too (test_torch_nn_suite_more compares those)
        sizes = [k + g.i(0, 3) for _ in range(nd)]
        x = g.r.standard_normal((g.i(1, 2), g.i(1, 2), *sizes))
        pool = getattr(torch.nn.functional, f"max_pool{nd}d")
        y, idx = pool(torch.tensor(x), k, stride, return_indices=True)
        kw: dict = dict(kernel_size=k, stride=stride)
        ckw: dict = {}
        if g.b(0.4):
            ckw["output_size"] = list(sizes)
        return Case("functional", "module", f"MaxUnpool{nd}d", (), kw,
                    [Call((D(y.numpy()), K(idx.numpy())), ckw)])
    if kind == "sdpa":
        hq = g.i(1, 4)
        gqa = g.b(0.25)
        hk = g.c([h for h in range(1, hq + 1) if hq % h == 0]) if gqa else hq
        n, L, S, E, Ev = g.i(1, 2), g.i(1, 4), g.i(1, 4), g.i(1, 3), g.i(1, 3)
        lead = g.c([(n, hq), (hq,), ()]) if not gqa else (n, hq)
        klead = lead[:-1] + (hk,) if gqa else lead
        kw: dict = dict(scale=g.c([None, 0.3, 2.0]))
        if gqa:
            kw["enable_gqa"] = True
        ckw: dict = {}
        if g.b(0.3):
            kw["is_causal"] = True
        elif g.b(0.5):
            m = _mask_keys(g, L, S)
            ckw["attn_mask"] = K(~m) if g.b(0.5) else K(g.r.standard_normal((L, S)))
        return Case("functional", "functional", "scaled_dot_product_attention", (), kw,
                    [Call((g.x(*lead, L, E), g.x(*klead, S, E), g.x(*klead, S, Ev)), ckw)])
    if kind in ("layer_norm", "group_norm"):
        shape = (g.i(1, 3), g.c([1, 2, 4])) + tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
        if kind == "layer_norm":
            ns = shape[-g.i(1, len(shape)):]
            args = (ns,)
            wshape = ns
        else:
            args = (g.c([gq for gq in (1, 2, 4) if shape[1] % gq == 0]),)
            wshape = (shape[1],)
        return Case("functional", "functional", kind, args, dict(eps=g.c([1e-5, 0.1])),
                    [Call((g.x(*shape),), dict(weight=g.x(*wshape) if g.b(0.5) else None,
                                               bias=g.x(*wshape) if g.b(0.5) else None))])
    if kind == "batch_norm":
        c = g.i(1, 3)
        shape = (g.i(2, 3), c) + tuple(g.i(1, 3) for _ in range(g.i(0, 2)))
        training = g.b(0.6)
        stats = g.b(0.8) or not training
        rm = K(g.r.standard_normal(c)) if stats else None
        rv = K(g.r.uniform(0.5, 2.0, c)) if stats else None
        w = g.x(c) if g.b(0.5) else None
        b = g.x(c) if g.b(0.5) else None
        calls = [Call((g.x(*shape), rm, rv), dict(weight=w, bias=b))]
        return Case("functional", "functional", "batch_norm", (),
                    dict(training=training, momentum=g.c([0.1, 0.5, 1.0]),
                         eps=g.c([1e-5, 0.1])), calls)
    if kind == "instance_norm":
        c = g.i(1, 3)
        shape = (g.i(1, 3), c) + tuple(g.i(2, 3) for _ in range(g.i(1, 2)))
        use = g.b(0.7)
        stats = g.b(0.6) or not use
        rm = K(g.r.standard_normal(c)) if stats else None
        rv = K(g.r.uniform(0.5, 2.0, c)) if stats else None
        return Case("functional", "functional", "instance_norm", (),
                    dict(use_input_stats=use, momentum=g.c([0.1, 0.5]), eps=g.c([1e-5, 0.1])),
                    [Call((g.x(*shape),), dict(running_mean=rm, running_var=rv,
                                               weight=g.x(c) if g.b(0.5) else None,
                                               bias=g.x(c) if g.b(0.5) else None))])
    if kind == "normalize":
        shape = tuple(g.i(1, 4) for _ in range(g.i(1, 3)))
        return Case("functional", "functional", "normalize", (),
                    dict(p=g.c([2.0, 1.0, 3.0, float("inf")]),
                         dim=g.i(-len(shape), len(shape) - 1), eps=g.c([1e-12, 0.5])),
                    [Call((g.x(*shape),))])
    if kind == "embedding":
        n, dim = g.i(2, 6), g.i(1, 3)
        idx = g.r.integers(0, n, size=(g.i(1, 3), g.i(1, 3)))
        kw: dict = dict(max_norm=g.c([None, 0.5, 1.0]))
        if g.b(0.5):
            kw["padding_idx"] = g.i(-n, n - 1)
        if g.b(0.4):
            kw["scale_grad_by_freq"] = True
        return Case("functional", "functional", "embedding", (), kw,
                    [Call((K(idx), g.x(n, dim)))])
    nd = g.i(1, 3)
    groups = g.c([1, 2])
    cin, cout = groups * g.i(1, 2), groups * g.i(1, 2)
    k = [g.i(1, 3) for _ in range(nd)]
    dil = g.tup(nd, 1, 2) if g.b(0.4) else 1
    dd = Gen.per(dil, nd)
    padding = g.c(["same", "valid", g.i(0, 2)])
    stride = 1 if padding == "same" else g.tup(nd, 1, 2)
    sizes = [d * (kq - 1) + 1 + g.i(0, 2) for kq, d in zip(k, dd, strict=True)]
    fn = f"conv{nd}d"
    return Case("functional", "functional", fn, (),
                dict(stride=stride, padding=padding, dilation=dil, groups=groups),
                [Call((g.x(g.i(1, 2), cin, *sizes), g.x(cout, cin // groups, *k),
                       g.x(cout) if g.b(0.6) else None))])


FAMILIES = {
    "conv": g_conv,
    "conv_transpose": g_conv_transpose,
    "pool": g_pool,
    "batchnorm": g_batchnorm,
    "instancenorm": g_instancenorm,
    "groupnorm": g_groupnorm,
    "layernorm": g_layernorm,
    "embedding": g_embedding,
    "rnn": g_rnn,
    "mha": g_mha,
    "transformer": g_transformer,
    "interpolate": g_interpolate,
    "fold": g_shuffle_fold,
    "loss": g_loss,
    "activation": g_activation,
    "pad": g_pad,
    "misc": g_misc,
    "functional": g_functional,
}


def _nearest_by_scale_in_1d_or_3d(case: Case) -> bool:
    kw = case.kwargs
    x = case.calls[0].args[0].a
    return (kw.get("mode", "nearest") == "nearest" and x.ndim in (3, 5)
            and kw.get("scale_factor") is not None and not kw.get("recompute_scale_factor"))


def _a_query_sees_no_key(case: Case) -> bool:
    if case.kwargs.get("add_zero_attn") or case.kwargs.get("add_bias_kv"):
        return False
    kw = case.calls[0].kwargs

    def masked(k):
        m = kw.get(k)
        if m is None:
            return None
        return m.a if m.a.dtype == bool else np.isneginf(m.a)

    kp, am = masked("key_padding_mask"), masked("attn_mask")
    if kp is None and am is None:
        return False
    kp = np.zeros((1, 1)) > 0 if kp is None else kp
    am = np.zeros((1, 1)) > 0 if am is None else am
    kp = kp.reshape(-1, 1, 1, kp.shape[-1])  # (N, 1, 1, S)
    am = am.reshape(1, -1, *am.shape[-2:]) if am.ndim == 3 else am[None, None]
    if am.shape[1] > 1:  # (N * heads, L, S): the batch is the leading factor
        am = am.reshape(kp.shape[0], -1, *am.shape[-2:])
    return bool((kp | am).all(-1).any())


def _causal_hint_with_added_keys(case: Case) -> bool:
    kw = case.calls[0].kwargs
    return bool(kw.get("is_causal") and not kw.get("need_weights", True)
                and kw.get("key_padding_mask") is None
                and (case.kwargs.get("add_bias_kv") or case.kwargs.get("add_zero_attn")))


def _bicubic_by_scale(case: Case) -> bool:
    kw = case.kwargs
    return (kw.get("mode") == "bicubic" and kw.get("scale_factor") is not None
            and not kw.get("recompute_scale_factor"))


def _area_to_nothing(case: Case) -> bool:
    kw = case.kwargs
    if kw.get("mode") != "area":
        return False
    shape = case.calls[0].args[0].a.shape[2:]
    if kw.get("size") is not None:
        return 0 in np.atleast_1d(kw["size"])
    sf = np.broadcast_to(kw["scale_factor"], (len(shape),))
    return any(int(np.floor(n * f)) == 0 for n, f in zip(shape, sf, strict=True))


def _antialias_sizes(case: Case) -> tuple[int, int, int, int] | None:
    """(h, w, out h, out w) of an antialiased case, else None."""
    kw = case.kwargs
    if not kw.get("antialias"):
        return None
    h, w = case.calls[0].args[0].a.shape[2:]
    if kw.get("size") is not None:
        sz = kw["size"]
        oh, ow = (sz, sz) if isinstance(sz, int) else sz
    else:
        sf = kw["scale_factor"]
        fh, fw = (sf, sf) if isinstance(sf, float | int) else sf
        oh, ow = int(np.floor(h * fh)), int(np.floor(w * fw))
    return h, w, oh, ow


def _antialias_to_one_column(case: Case) -> bool:
    s = _antialias_sizes(case)
    return s is not None and s[3] == 1 and s[2] != s[0]


def _antialias_keeps_a_size_by_scale(case: Case) -> bool:
    s = _antialias_sizes(case)
    kw = case.kwargs
    return (s is not None and kw.get("scale_factor") is not None
            and not kw.get("recompute_scale_factor") and (s[0] == s[2] or s[1] == s[3]))


def _circular_wraps_past_a_crop(case: Case) -> bool:
    """A 'circular' pad with a width beyond what a negative width leaves of its axis."""
    if case.name != "pad" or case.kwargs.get("mode") != "circular":
        return False
    pad, shape = case.args[0], case.calls[0].args[0].a.shape
    for i in range(len(pad) // 2):
        before, after, n = pad[2 * i], pad[2 * i + 1], shape[-1 - i]
        left = n + min(before, 0) + min(after, 0)
        if min(before, after) < 0 and max(before, after) > left:
            return True
    return False


def _bag_freq_with_repeats(case: Case) -> bool:
    if case.name != "EmbeddingBag" or not case.kwargs.get("scale_grad_by_freq"):
        return False
    idx = case.calls[0].args[0].a.ravel()
    return len(np.unique(idx)) < len(idx)


KNOWN.update({
    "interpolate": [(
        _nearest_by_scale_in_1d_or_3d,
        "torch's CPU backward of 1-d and 3-d 'nearest' by a scale_factor copies an axis whose "
        "size is kept and halves the index of a doubled one, while its forward takes "
        "floor(i / scale): gpuad's gradient is that of the forward (checked here by central "
        "differences)", "fd"), (
        _bicubic_by_scale,
        "torch's CPU backward of 'bicubic' by a scale_factor that keeps a size is not that "
        "of its forward (torch's gradcheck fails): gpuad's is (checked here by central "
        "differences)", "fd"), (
        _area_to_nothing,
        "torch's backward of 'area' to an output size of 0 refuses (its forward gives the "
        "empty result): gpuad's zero gradient is checked by central differences", "fd"), (
        _antialias_to_one_column,
        "torch's CPU antialiased resampling to an output width of 1 gives every output row "
        "the weights of the first row when the height changes (gpuad weighs each row by "
        "its own window, as torch does for any other width)", "skip"), (
        _antialias_keeps_a_size_by_scale,
        "torch's CPU antialiased forward copies an axis whose size is kept, but its "
        "backward resamples it by the scale_factor (torch's gradcheck fails): gpuad's "
        "gradient is that of the forward (checked here by central differences)", "fd")],
    "activation": [(
        lambda case: case.name == "Hardsigmoid",
        "torch's CPU hardsigmoid backward multiplies by 1/6 rounded to float32 (a relative "
        "error near 3e-8 in float64): gpuad's gradient is checked by central differences",
        "fd"), (
        lambda case: (case.name == "LeakyReLU" and case.kwargs.get("inplace")
                      and case.kwargs["negative_slope"] < 0),
        "torch's backward of an in-place leaky_relu with a negative slope refuses (the sign "
        "of the input is lost): gpuad keeps it; checked by central differences", "fd")],
    "functional": [(
        lambda case: (case.name == "group_norm" and case.calls[0].kwargs["weight"] is None
                      and case.calls[0].kwargs["bias"] is not None),
        "torch's CPU backward of group_norm with a bias but no weight fails ('tensor does "
        "not have a device'): gpuad's gradient is checked by central differences", "fd")],
    "pad": [(
        _circular_wraps_past_a_crop,
        "torch's 'circular' pad with a negative width, where the other width exceeds what "
        "the crop leaves, reads memory outside the input (a 'before' width) or copies what "
        "it has just written (an 'after' width), and its backward refuses: gpuad refuses "
        "(docs/porting.md)", "skip")],
    "misc": [(
        _bag_freq_with_repeats,
        "torch's CPU embedding_bag with scale_grad_by_freq divides some rows by another "
        "row's count once an index repeats; gpuad uses each row's own count, as torch's "
        "embedding (docs/porting.md)", "skip")],
    "mha": [(
        _a_query_sees_no_key,
        "a query whose keys are all masked gets zero weights and output (torch's are NaN), "
        "docs/porting.md", "skip"), (
        _causal_hint_with_added_keys,
        "with is_causal=True, need_weights=False and no key_padding_mask torch drops attn_mask "
        "and masks causally over the keys add_bias_kv/add_zero_attn appended, hiding them "
        "(with need_weights=True it keeps the mask and shows them): gpuad always applies "
        "attn_mask, padded for the added keys", "skip")],
})


def make_case(seed: int) -> Case:
    fams = sorted(FAMILIES)
    g = Gen(np.random.default_rng(seed))
    return FAMILIES[fams[seed % len(fams)]](g)


# ---------------------------------------------------------------------------------- running
@dataclass
class Result:
    seed: int
    case: Case
    status: str = "match"  # match | raised | skipped | bug
    detail: str = ""

    def report(self) -> str:
        return f"seed {self.seed} {self.status}: {self.case.text()}\n    {self.detail}"


def _perturb(tm: torch.nn.Module, seed: int) -> None:
    """Moves every floating parameter off its initial value (norm layers start at ones and
    zeros, which would hide a swapped weight and bias)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in tm.parameters():
            if p.dtype.is_floating_point:
                p.add_(0.3 * torch.randn(p.shape, generator=gen, dtype=p.dtype))


class _Refused(Exception):
    pass


class _Raised(Exception):
    pass


class _Bug(Exception):
    pass


def run_case(seed: int, case: Case | None = None) -> Result:
    case = case or make_case(seed)
    res = Result(seed, case)
    known = [k for k in KNOWN.get(case.family, ()) if k[0](case)]
    if any(k[2] == "skip" for k in known):
        res.status, res.detail = "skipped", "known: " + "; ".join(k[1] for k in known)
        return res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _run(case, seed, fd=bool(known))
        except _Refused as e:
            res.status, res.detail = "skipped", f"torch refuses: {e}"
        except _Raised as e:
            res.status, res.detail = "raised", str(e)
        except _Bug as e:
            res.status, res.detail = "bug", str(e)
        except Exception as e:  # noqa: BLE001
            res.status = "bug"
            res.detail = f"harness crash: {type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
    return res


def _gpuad_call(what, fn, *a, **k):
    try:
        return fn(*a, **k)
    except CLEAR as e:
        raise _Raised(f"{what}: {type(e).__name__}: {e}") from e
    except Exception as e:  # noqa: BLE001
        raise _Bug(f"{what}: unclear error {type(e).__name__}: {e}\n"
                   f"{traceback.format_exc()[-1500:]}") from e


def _torch_side(case: Case, seed: int):
    """The torch module (float64, moved off its initial values) or function."""
    if case.kind == "functional":
        tf = getattr(torch.nn.functional, case.name)
        return None, lambda *a, **k: tf(*a, *case.args, **case.kwargs, **k)
    torch.manual_seed(seed)
    tm = getattr(torch.nn, case.name)(*_to_torch(case.args, []), **_to_torch(case.kwargs, []))
    tm = tm.double()
    _perturb(tm, seed)
    return tm, tm


def _gpuad_side(case: Case, tm):
    """The gpuad module holding ``tm``'s parameters and buffers, or the function."""
    if case.kind == "functional":
        gf = getattr(GF, case.name)
        return None, lambda *a, **k: gf(*a, *case.args, **case.kwargs, **k)
    gm = _gpuad_call("constructor", lambda: getattr(gnn, case.name)(
        *_to_gpuad(case.args, []), **_to_gpuad(case.kwargs, [])))
    tsd, gsd = tm.state_dict(), gm.state_dict()
    if set(tsd) != set(gsd):
        raise _Bug(f"state_dict keys differ: gpuad {sorted(gsd)}, torch {sorted(tsd)}")
    _gpuad_call("load_state_dict", gm.load_state_dict,
                {k: v.detach().numpy().copy() for k, v in tsd.items()})
    return gm, gm


def _map_d(v, fn):
    """``v`` with each differentiable input ``D(a)`` replaced by ``D(fn(a))``."""
    if isinstance(v, D):
        return D(fn(v.a))
    if isinstance(v, tuple | list):
        return type(v)(_map_d(x, fn) for x in v)
    if isinstance(v, dict):
        return {k: _map_d(x, fn) for k, x in v.items()}
    return v


def _gpuad_loss(case: Case, gfn, cs: list) -> float:
    """sum(out * c) over the calls of a stateless gpuad ``gfn``, on the host."""
    total = 0.0
    it = iter(cs)
    for call in case.calls:
        args = _to_gpuad(call.args, [])
        if case.through_copy:  # an in-place module writes its input
            args = tuple(a * 1.0 if isinstance(a, ad.Tensor) and _requires_grad(a) else a
                         for a in args)
        out = gfn(*args, **_to_gpuad(call.kwargs, []))
        for o in _flat(out):
            if isinstance(o, ad.Tensor) and o.dtype.kind == "f":
                total += float((_host(o) * next(it)).sum())
    return total


def _fd_check(case: Case, gfn, cs: list, grads: list) -> None:
    """gpuad's input gradients ``grads`` (in the order the leaves were made: each call's
    args, then its kwargs) against central differences of ``sum(out * c)`` along a random
    direction: used where torch's own gradient is known to be wrong."""
    rng = np.random.default_rng(1)
    vs = [rng.standard_normal(g.shape) for g in grads]
    h = 1e-6

    def shifted(sign):
        it = iter(vs)
        calls = []
        for c in case.calls:
            args = _map_d(c.args, lambda a: a + sign * h * next(it))
            calls.append(Call(args, _map_d(c.kwargs, lambda a: a + sign * h * next(it)),
                              c.train))
        return _gpuad_loss(Case(case.family, case.kind, case.name, case.args, case.kwargs,
                                calls, case.through_copy), gfn, cs)

    fd = (shifted(1) - shifted(-1)) / (2 * h)
    an = sum(float((g * v).sum()) for g, v in zip(grads, vs, strict=True))
    if not abs(an - fd) <= 1e-6 * max(1.0, abs(fd)):
        raise _Bug(f"input gradients against central differences: {an!r}, {fd!r}")


def _run(case: Case, seed: int, fd: bool = False) -> None:
    try:
        tm, tfn = _torch_side(case, seed)
    except Exception as e:  # noqa: BLE001
        raise _Refused(f"{type(e).__name__}: {e}") from e
    gm, gfn = _gpuad_side(case, tm)
    rng = np.random.default_rng(seed + 7)
    tloss, gloss = 0, 0
    tleaves, gleaves, cs = [], [], []
    tconsts, gconsts, tcopies, gcopies = [], [], [], []
    for ci, call in enumerate(case.calls):
        targs = _to_torch(call.args, tleaves, tconsts)
        tkw = _to_torch(call.kwargs, tleaves, tconsts)
        gargs = _to_gpuad(call.args, gleaves, gconsts)
        gkw = _to_gpuad(call.kwargs, gleaves, gconsts)
        if case.through_copy:
            targs = tuple(a * 1.0 if isinstance(a, torch.Tensor) and a.requires_grad else a
                          for a in targs)
            gargs = tuple(a * 1.0 if isinstance(a, ad.Tensor) and _requires_grad(a) else a
                          for a in gargs)
            tcopies += [a for a in targs if isinstance(a, torch.Tensor) and a.requires_grad]
            gcopies += [a for a in gargs if isinstance(a, ad.Tensor) and _requires_grad(a)]
        if tm is not None:
            tm.train(call.train)
            gm.train(call.train)
        try:
            tout = tfn(*targs, **tkw)
        except Exception as e:  # noqa: BLE001
            raise _Refused(f"call {ci}: {type(e).__name__}: {e}") from e
        gout = _gpuad_call(f"call {ci}", gfn, *gargs, **gkw)
        tl, gl = _flat(tout), _flat(gout)
        if len(tl) != len(gl):
            raise _Bug(f"call {ci}: {len(gl)} outputs, torch {len(tl)}")
        for oi, (t, o) in enumerate(zip(tl, gl, strict=True)):
            if t is None or o is None:
                if (t is None) != (o is None):
                    raise _Bug(f"call {ci} output {oi}: gpuad {type(o).__name__}, torch "
                               f"{type(t).__name__}")
                continue
            d = differs(o, t, VALUE_RTOL)
            if d:
                raise _Bug(f"call {ci} output {oi} value: {d}")
            if isinstance(t, torch.Tensor) and t.requires_grad:
                if not isinstance(o, ad.Tensor) or not _requires_grad(o):
                    raise _Bug(f"call {ci} output {oi}: torch's requires grad, gpuad's not")
                c = rng.standard_normal(tuple(t.shape))
                cs.append(c)
                tloss = tloss + (t * torch.from_numpy(c)).sum()
                gloss = gloss + (o * ad.tensor(c)).sum()
    tparams = dict(tm.named_parameters()) if tm is not None else {}
    gparams = dict(gm.named_parameters()) if gm is not None else {}
    if set(tparams) != set(gparams):
        raise _Bug(f"parameters differ: gpuad {sorted(gparams)}, torch {sorted(tparams)}")
    names = sorted(tparams)
    labels = [f"input {i}" for i in range(len(tleaves))] + [f"parameter {n}" for n in names]
    if isinstance(tloss, torch.Tensor):
        tg = None
        if not fd:  # where torch's gradient is known to be wrong (or refused), it is not asked
            try:
                tg = torch.autograd.grad(tloss, tleaves + [tparams[n] for n in names],
                                         allow_unused=True)
            except RuntimeError as e:  # torch's own limits
                raise _Refused(f"torch's backward: {e}") from e
        gg = _gpuad_call("backward", ad.autograd.grad, gloss,
                         gleaves + [gparams[n] for n in names], allow_unused=True)
        shapes = [tuple(t.shape) for t in tleaves] + [tuple(tparams[n].shape) for n in names]
        gg = [np.zeros(sh) if a is None else _host(a) for a, sh in zip(gg, shapes, strict=True)]
        if fd:  # torch's gradient is known to be wrong here: central differences instead
            if tparams:
                raise _Bug("harness: central differences need a function without parameters")
            _fd_check(case, gfn, cs, gg[:len(tleaves)])
        else:
            tg = [np.zeros(sh) if b is None else _host(b)
                  for b, sh in zip(tg, shapes, strict=True)]
            for lab, a, b in zip(labels, gg, tg, strict=True):
                d = differs(a, b, GRAD_RTOL)
                if d:
                    raise _Bug(f"gradient of {lab} {b.shape}: {d}")
    if tm is not None:
        gsd = gm.state_dict()
        for k, v in tm.state_dict().items():
            d = differs(gsd[k], v, VALUE_RTOL)
            if d:
                raise _Bug(f"state {k} after the calls: {d}")
    # arrays the calls may write in place: running statistics passed to a function, inputs
    # of an in-place module
    for what, ts, gs in (("constant", tconsts, gconsts), ("input", tcopies, gcopies),
                         ("leaf", tleaves, gleaves)):
        for i, (t, g) in enumerate(zip(ts, gs, strict=True)):
            d = differs(g, t, VALUE_RTOL)
            if d:
                raise _Bug(f"{what} {i} after the calls: {d}")


def _requires_grad(o) -> bool:
    return bool(getattr(o, "requires_grad", False))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    first = int(args[0]) if args else 0
    n = int(args[1]) if len(args) > 1 else 100
    verbose = "--verbose" in sys.argv
    fam = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--family=")]
    counts: dict = {}
    raised: dict = {}
    for s in range(first, first + n):
        case = make_case(s)
        if fam and case.family not in fam:
            continue
        r = run_case(s, case)
        counts.setdefault(case.family, {}).setdefault(r.status, 0)
        counts[case.family][r.status] += 1
        if r.status == "bug" or (verbose and r.status != "match"):
            print(r.report(), flush=True)
        if r.status == "raised":
            raised.setdefault(r.detail[:120], []).append(s)
    for f, c in sorted(counts.items()):
        print(f"{f:16s} {c}")
    for k, v in sorted(raised.items(), key=lambda kv: -len(kv[1])):
        print(f"  raised {len(v):4d}x {k}  e.g. seeds {v[:4]}")


if __name__ == "__main__":
    main()
