"""Programs of PyTorch Inductor's tests (test/inductor/test_torchinductor.py's
``self.common(fn, args)`` programs, a few of test_cpu_repro.py's), written once against a torch
namespace and run both by torch eager and by gpuad through ``gpuad.jit``'s fusion.

Each program ``fn(t, *args)`` uses ``t`` where the Inductor test uses ``torch`` and Tensor
methods as written there: ``t`` is torch itself, or ``G`` below, which maps torch's free
functions onto gpuad (``t.cat`` is ``gnp.concatenate``, ``t.sigmoid(x)`` is ``x.sigmoid()``, ...).
Per program and input dtype (float32, and float16 where Inductor's ``check_lowp`` runs the
program in half precision):

- gpuad eager against torch eager (values within the dtype's tolerance; dtypes equal unless
  the program marks NumPy's promotion as differing from torch's);
- ``ad.jit(f)`` (defaults), ``ad.jit(f, fuse=False)`` and ``ad.jit(f, fuse=FUSED)`` (every
  group fused whatever its size) on a second call with new values, against gpuad eager:
  eager's bits on the NumPy backend (docs/fusion.md), within a few ulps on the CuPy stand-in;
  the inputs intact;
- where differentiable, the gradient of a weighted sum of the float outputs: compiled unfused
  and fused against eager gpuad (bits on the NumPy backend), eager against torch's, and (float64
  inputs) the fused gradient against central differences.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from test_fusion_ported import _assert_same, _fd_check, _fused_ops, _host, fused_options

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
import gpuad.scipy.special as sps

torch = pytest.importorskip("torch")

F16, F32, F64 = np.float16, np.float32, np.float64
I32, I64, U8, BOOL = np.int32, np.int64, np.uint8, np.bool_


# ---- torch's free functions on gpuad --------------------------------------------------------

def _t(x):
    return x if isinstance(x, ad.Tensor) else ad.tensor(x)


class _GpuadTorch:
    """``torch.<name>`` for the programs below, on gpuad: free functions with their own
    counterpart, else the Tensor method of the first argument (``torch.sigmoid(x)`` is
    ``x.sigmoid()``), else gpuad.numpy's function."""

    float16, half = F16, F16
    float32, float = F32, F32
    float64, double = F64, F64
    int8, int16, int32, int = np.int8, np.int16, I32, I32
    int64, long = I64, I64
    uint8, bool = U8, BOOL
    complex64 = np.complex64
    F = F
    inf, nan, pi = math.inf, math.nan, math.pi

    @staticmethod
    def tensor(v, dtype=None):
        a = np.asarray(v)
        if dtype is None and a.dtype == F64:
            a = a.astype(F32)  # torch's default float dtype
        return ad.tensor(ad.get_backend().xp.asarray(a if dtype is None else a.astype(dtype)))

    @staticmethod
    def cat(xs, dim=0):
        return gnp.concatenate(list(xs), axis=dim)

    @staticmethod
    def stack(xs, dim=0):
        return gnp.stack(list(xs), axis=dim)

    @staticmethod
    def where(c, a, b):
        return gnp.where(c, a, b)

    @staticmethod
    def full(shape, v, dtype=None):
        if dtype is None:
            dtype = F32 if isinstance(v, float) else (BOOL if isinstance(v, bool) else I64)
        return _t(gnp.full(shape, v, dtype=dtype))

    @staticmethod
    def zeros(*shape, dtype=F32):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return _t(gnp.zeros(shape, dtype=dtype))

    @staticmethod
    def ones(*shape, dtype=F32):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return _t(gnp.ones(shape, dtype=dtype))

    @staticmethod
    def arange(*a, dtype=None):
        if dtype is None:
            dtype = F32 if any(isinstance(v, float) for v in a) else I64
        return _t(gnp.arange(*a, dtype=dtype))

    @staticmethod
    def linspace(lo, hi, n, dtype=F32):
        return _t(gnp.linspace(lo, hi, n).astype(dtype))

    @staticmethod
    def maximum(a, b):
        return gnp.maximum(a, b)

    @staticmethod
    def minimum(a, b):
        return gnp.minimum(a, b)

    @staticmethod
    def fmax(a, b):
        return gnp.fmax(a, b)

    @staticmethod
    def fmin(a, b):
        return gnp.fmin(a, b)

    @staticmethod
    def polar(r, a):
        return r * gnp.exp(1j * a)

    @staticmethod
    def bucketize(x, b, right=False):
        return gnp.bucketize(x, b, right=right)

    @staticmethod
    def lgamma(x):
        return sps.gammaln(x)

    @staticmethod
    def erf(x):
        return sps.erf(x)

    @staticmethod
    def erfinv(x):
        return sps.erfinv(x)

    @staticmethod
    def zeros_like(x, dtype=None):
        return _t(gnp.zeros_like(x, dtype=dtype))

    @staticmethod
    def ones_like(x, dtype=None):
        return _t(gnp.ones_like(x, dtype=dtype))

    @staticmethod
    def full_like(x, v, dtype=None):
        return _t(gnp.full_like(x, v, dtype=dtype))

    @staticmethod
    def var_mean(x, dim=None, correction=1, keepdim=False):
        x = _t(x)
        return (x.var(dim=dim, correction=correction, keepdim=keepdim),
                x.mean(dim=dim, keepdim=keepdim))

    @staticmethod
    def std_mean(x, dim=None, correction=1, keepdim=False):
        x = _t(x)
        return (x.std(dim=dim, correction=correction, keepdim=keepdim),
                x.mean(dim=dim, keepdim=keepdim))

    def __getattr__(self, name):
        def call(x, *a, **k):
            if isinstance(x, ad.Tensor) or hasattr(x, "shape"):
                return getattr(_t(x), name)(*a, **k)
            return getattr(gnp, name)(x, *a, **k)
        return call


G = _GpuadTorch()


class _Torch:
    F = torch.nn.functional

    def __getattr__(self, name):
        return getattr(torch, name)


T = _Torch()


# ---- inputs ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Inp:
    """A host array drawn from a seeded generator, and a view of it (``view(a)``, a function
    that means the same on NumPy arrays and torch tensors: a slice, ``swapaxes``)."""
    make: object
    view: object = None

    def host(self, r, lowp):
        a = self.make(r)
        return a.astype(F16) if lowp and a.dtype == F32 else a


def randn(*shape, dtype=F32, scale=1.0, shift=0.0, view=None):
    return Inp(lambda r: (r.standard_normal(shape) * scale + shift).astype(dtype), view)


def rand(*shape, dtype=F32, lo=0.0, hi=1.0, view=None):
    return Inp(lambda r: r.uniform(lo, hi, shape).astype(dtype), view)


def randint(lo, hi, shape, dtype=I64, view=None):
    return Inp(lambda r: r.integers(lo, hi, shape).astype(dtype), view)


def fixed(values, dtype=F32, view=None):
    return Inp(lambda r: np.asarray(values, dtype).copy(), view)


def special(base: Inp, where: dict):
    """``base`` with the given flat positions set (NaN, infinities, zeros)."""
    def make(r):
        a = base.make(r).copy()
        for k, v in where.items():
            a.reshape(-1)[k] = v
        return a
    return Inp(make, base.view)


@dataclasses.dataclass
class Case:
    name: str
    fn: object
    inputs: tuple
    grad: bool
    fd: bool
    lowp: bool
    fused: frozenset
    ulps: int
    torch_dtype: bool  # gpuad's result dtypes are torch's (NumPy's promotion agrees here)
    rtol: float | None  # gpuad eager against torch eager, at least (float16 1e-2, float32
    # 1e-5, float64 1e-9)
    # the gradient gathers (an indexing, a pooling window, nll's pick): its float16 gradient
    # is checked too (the CuPy backend's scatter-add accumulates float16 in float32)
    scatters: bool = False
    # eager CuPy computes the gradient in a kernel of its own (cross-entropy's fused
    # softmax backward), the compiled program in the ops it is made of: within a few ulps
    eager_kernel: bool = False

    def hosts(self, seed, lowp=False):
        r = np.random.default_rng(seed)
        return [i.host(r, lowp) if isinstance(i, Inp) else i for i in self.inputs]

    def gpuad_args(self, seed, lowp=False):
        xp = ad.get_backend().xp
        out = []
        for i, h in zip(self.inputs, self.hosts(seed, lowp), strict=True):
            if isinstance(i, Inp):
                a = xp.asarray(h)
                out.append(i.view(a) if i.view else a)
            else:
                out.append(h)
        return tuple(out)


CASES: dict[str, Case] = {}


def port(*inputs, grad=True, fd=True, lowp=False, fused=(), ulps=8, torch_dtype=True,
         rtol=None, scatters=False, eager_kernel=False):
    def deco(fn):
        name = fn.__name__.removeprefix("p_")
        assert name not in CASES, name
        CASES[name] = Case(name, fn, inputs, grad, fd, lowp, frozenset(fused), ulps,
                           torch_dtype, rtol, scatters, eager_kernel)
        return fn
    return deco


# ---- the programs ---------------------------------------------------------------------------
# pointwise

@port(randn(32), lowp=True)
def p_add_const_float(t, a):
    return (a + 1.5, a + 2 * 1, 1 - a)


@port(randint(-20, 20, (32,), I32), grad=False)
def p_add_const_int32(t, a):
    return a + 1, a + 2 * 1, a * 3 - 7


@port(randint(0, 256, (64,), U8), randint(0, 256, (64,), U8), grad=False)
def p_neg_max_uint8(t, a, b):
    c = t.neg(a)
    return (t.maximum(b, c),)


@port(randn(17), lowp=True, fused={"divide"})
def p_abs(t, a):
    return (a / (t.abs(a) + 1),)


@port(fixed(np.linspace(-10, 10, 41)), grad=False, lowp=True)
def p_sgn(t, a):
    return t.sgn(a), t.sgn(a + 1) - 1


@port(randn(8), randn(8), lowp=True)
def p_max_min(t, a, b):
    return t.maximum(a, b), t.minimum(a, b)


@port(randn(8, 16, 16), randn(8, 16, 16), randn(1, 16, 1), lowp=True)
def p_horizontal_fusion1(t, a, b, c):
    return a + b, a - c, b * c


@port(randn(8, 16, 8), randn(8, 16), randn(16, 8), lowp=True)
def p_horizontal_fusion2(t, a, b, c):
    return a + 1, b + 2, c + 3


@port(randn(12, 10, 26), randn(12, 10, 26), randn(26), fused={"multiply", "add", "divide"})
def p_vertical_fusion1(t, sa, ct, p):
    v17 = -3.087032500374211e-7
    v18 = -1.988366587925593e-8
    v19 = -1.061519070296458e-11
    v20 = 1.550932729220080e-10
    t15 = v19 * ct
    t19 = v17 + ct * (v18 + t15) + v20 * sa
    t20 = 1.0 / t19
    t128 = t19 * p
    return (t20 + t128,)


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5, fused={"add", "sum"})
def p_sum1(t, a, b):
    return ((a + b).sum(-1),)


@port(randn(8, 9, 3, 21), randn(8, 9, 3, 21), lowp=True)
def p_sum2(t, a, b):
    return ((a + b).sum([1, 2]), (a + b).sum(-1))


@port(randn(10, 10), randn(1, 10), lowp=True)
def p_sum3(t, a, b):
    r1 = a + b
    r2 = r1.sum(-1)
    r3 = t.squeeze(b) + 10
    return (r1, r2, r3)


@port(randn(1, 16, 8, 8), lowp=True)
def p_sum4(t, a):
    b = a + 1
    c = b.sum(-1)
    d = c + 3
    e = d.sum(-1)
    f = e + 5
    return (f, e, d, c, b)


@port(randn(1, 17, 8, 9), lowp=True)
def p_sum5(t, a):
    b = a + 1
    c = b.sum(-1)
    d = c + 3
    e = d.sum(-1)
    f = e + 5
    return (f,)


@port(randn(10, 10, view=lambda a: a[:, ::2]), randn(10, 1))
def p_sum_noncontiguous(t, a, b):
    return ((a * b + 1).sum(0), (a - b).sum(1, keepdim=True))


@port(fixed([np.inf] * 4), grad=False)
def p_reduction4(t, a):
    return (a.argmax(-1), a.argmin(-1))


@port(fixed([-np.inf] * 4), grad=False)
def p_reduction5(t, a):
    return (a.sum(), a.max(), a.min(), a.argmax())


@port(fixed([-np.inf, 0.0, np.inf]), grad=False)
def p_reduction1(t, a):
    return (t.sum(a), t.max(a), t.min(a), t.argmax(a), t.argmin(a))


@port(rand(10, 10, lo=0.5, hi=1.5), lowp=True, rtol=1e-4)
def p_prod(t, a):
    return (a.prod(0), a.prod(1), t.prod(a))


@port(randint(-3, 4, (10, 10)), grad=False)
def p_prod_int(t, a):
    return (a.prod(0), a.prod(1), (a + 1).prod(1))


@port(randn(8, 3), lowp=True, scatters=True)
def p_unroll_small_reduction(t, x):
    return (x.min(dim=-1), x.max(dim=-1), x.sum(-1), (x > 1).any(-1), (x > 0).all(-1), x.argmin(-1),
            x.argmax(-1), x.amin(-1), x.amax(-1), x.aminmax())


@port(rand(10, 3, 35, 35, dtype=F16), rtol=1e-2)
def p_multilayer_sum_low_prec(t, a):
    return (t.mean(a),)


@port(rand(10, 3, 35, 35), fused={"subtract", "square", "sum"}, rtol=1e-4)
def p_multilayer_var(t, a):
    return (t.var(a),)


@port(rand(4, 4, 35, 35, dtype=F16), rtol=1e-2)
def p_multilayer_var_lowp(t, a):
    return (t.var(a),)


@port(rand(1493, dtype=F16), rtol=1e-2)
def p_multilayer_var_lowp_1d(t, a):
    return (t.var(a),)


@port(randn(2, 197, 16), randn(2, 1, 16), fused={"multiply", "sum"}, ulps=128, rtol=1e-4)
def p_expanded_reduction(t, x, y):
    z = x * y
    return (z.sum((0, 1)),)


@port(randn(8, 8), randn(8, 8), lowp=True, fused={"add", "max"})
def p_min_max_reduction(t, a, b):
    return ((a + b).max(), (a + b).min(), t.amax(a + 1, keepdim=True),
            t.amin(b + 1, keepdim=True))


@port(special(randn(32), {16: np.nan}), grad=False, lowp=True)
def p_min_max_reduction_nan(t, a):
    return (t.max(a), t.min(a))


@port(fixed([-10.0, 10.0, np.nan, np.nan, np.nan, 3, 4]),
      fixed([np.nan, np.nan, -10.0, 10.0, np.nan, 4, 3]), grad=False, lowp=True, torch_dtype=False)
def p_fmin_fmax(t, a, b):
    return (t.fmin(a, b), t.fmax(a, b), t.fmax(a + 1, t.tensor(0.0)))


@port(randint(0, 2, (64,), BOOL), grad=False)
def p_sum_int_bool(t, x):
    return (2 * x.sum(-1) + x.sum(),)


@port(randint(0, 2, (64,), U8), grad=False, torch_dtype=False)
def p_sum_int_uint8(t, x):
    # torch sums uint8 into int64, NumPy into uint64
    return (2 * x.sum(-1) + x.sum(),)


@port(randint(0, 2, (64,), I32), grad=False)
def p_sum_int_int32(t, x):
    return (2 * x.sum(-1) + x.sum(),)


@port(fixed(np.ones((32, 32)) * 70))
def p_sum_dtype(t, x):
    return (x * x.sum(-1, dtype=t.double) + x.sum(dtype=t.double),)


@port(rand(16, 32), lowp=True, rtol=1e-5)
def p_cumsum(t, x):
    return (x.cumsum(0), x.cumsum(1))


@port(randint(0, 2, (10, 30), BOOL), grad=False)
def p_split_cumsum_bool(t, a):
    return (t.cumsum(a.reshape(-1), -1), t.cumsum(a, -1))


@port(randint(0, 9, (10, 30), I32), grad=False, torch_dtype=False)
def p_split_cumsum_int32(t, a):
    # torch's cumsum of int32 is int64, NumPy's int32
    return (t.cumsum(a.reshape(-1), -1), t.cumsum(a, -1) * 2)


@port(rand(3, 5, 7), rand(3, 5, 7, dtype=F64), rtol=1e-6)
def p_consecutive_split_cumsum(t, a, b):
    a = a.view(-1)
    b = b.view(-1)
    return (t.cumsum(a, 0) + t.cumsum(b, 0),)


@port(fixed(0.5), grad=True)
def p_cumsum_zero_dim(t, x):
    return (x.cumsum(dim=0), x.cumsum(dim=-1))


@port(fixed(0.5), grad=True)
def p_cumprod_zero_dim(t, x):
    return (x.cumprod(dim=0), x.cumprod(dim=-1))


@port(rand(4, 5, lo=0.5, hi=1.5), rand(5, dtype=F64, lo=0.5, hi=1.5), rtol=1e-6)
def p_consecutive_split_cumprod(t, a, b):
    return (t.cumprod(a, 0) + t.cumprod(b, 0),)


@port(rand(16, 32), rtol=1e-5)
def p_logcumsumexp(t, x):
    return (x.logcumsumexp(0), x.logcumsumexp(1))


@port(fixed(0.5))
def p_logcumsumexp_zero_dim(t, x):
    return (x.logcumsumexp(dim=0), x.logcumsumexp(dim=-1))


@port(fixed(np.full((2, 10), np.inf), F64), grad=False)
def p_cumsum_inf(t, x):
    return (x.cumsum(-1),)


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_clamp(t, a, b):
    return (t.clamp(a, -0.1, 0.1), t.clamp(b, 0), t.clamp(a + b, max=0))


@port(randn(8, 8), lowp=True)
def p_clamp_inf(t, a):
    return (t.clamp(a * 100, -math.inf, 1.5), t.clamp(a, min=-0.5, max=math.inf))


@port(randn(4, 4), randn(4, 4))
def p_dist(t, a, b):
    return (t.dist(a, b), t.dist(a, b, p=1.2))


@port(randn(8, 8), torch_dtype=False)
def p_arange1(t, x):
    rng1 = t.arange(8 * 8, dtype=t.float32).view(8, 8)
    rng2 = t.arange(10, 18).view(8)
    tmp = x * rng1
    return tmp, tmp + rng2


@port(randn(2, 8), grad=True)
def p_arange3(t, x):
    return (x + t.arange(0.5, 8.5, 1.0),)


@port(randn(1024))
def p_arange4(t, x):
    return (x - t.arange(512, -512, -1.0),)


@port(randn(1, 7))
def p_linspace1(t, x):
    return (t.linspace(0.125, 0.875, 7) + x,)


@port(randn(1))
def p_linspace2(t, x):
    return (t.linspace(0, 2, 1) + x,)


@port(randn(1))
def p_linspace3(t, x):
    return (t.linspace(0, 2, 0) + x * 0,)


@port(randn(10), torch_dtype=False)
def p_tensor1(t, x):
    return (t.tensor([1]) + x, t.tensor(5))


@port(randn(1), torch_dtype=False)
def p_tensor2(t, x):
    return (t.tensor(list(range(2, 40, 2))) + x,)


@port(randn(1), torch_dtype=False)
def p_tensor3(t, x):
    return (t.tensor([]), t.tensor([1, 2]) + 1, t.tensor([1, 2, 3]) + x,
            t.tensor([2.0, 3.5], dtype=t.float64) * 2)


@port(randn(35), randn(5, 7))
def p_views1(t, x, y):
    return (x.view(5, 7) + y, (x + 1).view(5, 7) + y)


@port(randn(2, 2, 2, 2))
def p_views2(t, x):
    return (x.view(4, -1) + 1, (x * 2).view(4, -1) + 1)


@port(randn(2, 3, 4), randn(6, 4))
def p_views3(t, x, y):
    a = x.view(6, 4) * 2
    b = (a + y).view(2, 3, 4)
    return (b.transpose(0, 2).sum(0), a[::2] - 1)


@port(randn(10, 1, 10, 1, 10), randn(10, 100))
def p_views6(t, x, y):
    return (x.view(10, 100) + y, (x + 1).view(10, 100) + y)


@port(randn(4, 4, 4, 4))
def p_views5_zero_size(t, x):
    y = x[:, 4:]
    return (y.view(len(y), -1, 4),)


@port(randn(8, 8), randn(8, 8), lowp=True, fused={"relu", "add", "divide"})
def p_relu(t, a, b):
    return (t.relu(a), t.relu(a + b) / 10)


@port(special(randn(8, 8), {0: np.inf, 1: -np.inf, 2: np.nan, 3: -0.0}), grad=False, lowp=True)
def p_relu_with_inf_value(t, a):
    return (t.relu(a), t.relu(a * 2) + 1)


@port(randn(8, 8), randn(8, 8), lowp=True, fused={"exp", "add"}, rtol=1e-5)
def p_exp(t, a, b):
    return (t.exp(a), t.exp(a + b))


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_exp2(t, a, b):
    return (t.exp2(a), t.exp2(a + b), t.pow(2, -t.abs(a - b)))


@port(randn(8, 8), randn(8, 8), lowp=True, fused={"sigmoid", "add"})
def p_sigmoid(t, a, b):
    return (t.sigmoid(a), t.sigmoid(a + b))


@port(randn(8, 8, scale=10), randn(8, 8), grad=False, lowp=True)
def p_round(t, a, b):
    return (t.round(a), t.round(b + 1), t.round(a, decimals=2))


@port(fixed(np.arange(-5, 6) * 0.5), grad=False)
def p_round_half_even(t, a):
    return (t.round(a), t.round(a * 10 + 0.25))


@port(randn(8, 8), lowp=True, fused={"sigmoid", "multiply"})
def p_silu(t, a):
    return (t.F.silu(a),)


@port(special(randn(16), {0: np.nan, 1: np.inf, 2: -np.inf}), grad=False, lowp=True)
def p_nan_to_num(t, a):
    return (t.nan_to_num(a), t.nan_to_num(a, nan=3.0), t.nan_to_num(a, posinf=4.0),
            t.nan_to_num(a, neginf=5.0), t.nan_to_num(a, nan=3.0, posinf=4.0, neginf=5.0))


@port(randn(8, 8), randn(8, 8, shift=3.0), lowp=True)
def p_div1(t, a, b):
    return (a / b, t.div(a, b), t.div(a, b, rounding_mode=None))


@port(randint(-100, 100, (8, 8)), randint(1, 100, (8, 8)), grad=False, torch_dtype=False)
def p_div2(t, a, b):
    # torch divides integers into float32, NumPy into float64
    return (t.div(a, b, rounding_mode="floor"), t.div(a, b, rounding_mode="trunc"), a // b)


@port(randint(-100, 100, (8, 8)), randn(8, 8, scale=100), grad=False, torch_dtype=False)
def p_div3(t, a, b):
    return (t.div(a, b), t.div(a, b, rounding_mode="floor"), t.div(a, b, rounding_mode="trunc"))


@port(randn(8, 8, scale=100), randint(1, 100, (8, 8)), grad=False, torch_dtype=False)
def p_div4(t, a, b):
    return (t.div(a, b), t.div(a, b, rounding_mode="floor"), t.div(a, b, rounding_mode="trunc"))


@port(randn(8, 8, scale=100), grad=False, lowp=True)
def p_div5(t, a):
    b = 8.0
    return (t.div(a, b, rounding_mode="floor"), t.div(a, b, rounding_mode="trunc"), a / b)


@port(randint(-100, 100, (8, 8), dtype=BOOL), randint(1, 100, (8, 8)), grad=False,
      torch_dtype=False)
def p_div6(t, a, b):
    # a bool numerator; torch divides into float32
    return (t.div(a, b, rounding_mode="floor"), t.div(a, b, rounding_mode="trunc"))


@port(randint(-1000, 1000, (1000,)), grad=False)
def p_div8(t, a):
    return (t.div(a, 8, rounding_mode="floor"), t.div(a, 8, rounding_mode="trunc"),
            t.remainder(a, 8), t.fmod(a, 8))


@port(fixed([1.0, -1.0, 0.0, np.nan, np.inf]), grad=False)
def p_div_by_zero(t, a):
    return (a / 0.0, a / -0.0, t.div(a, 0.0, rounding_mode="floor"))


@port(randn(2, 4, 8), lowp=True, fused={"exp", "sum"}, rtol=1e-5)
def p_div_softmax(t, a):
    e = t.exp(a - a.amax(-1, keepdim=True))
    return (e / e.sum(-1, keepdim=True),)


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_softmax(t, a, b):
    return (t.softmax(a + b, -1), t.softmax(a, 0), t.softmax(b * 2, 1))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_log_softmax(t, a, b):
    return (t.F.log_softmax(a + b, -1), t.F.log_softmax(a, 0), t.F.log_softmax(b, 1))


@port(randn(2, 3, 4, 5), randn(2, 3, 4, 5), rtol=1e-5)
def p_softmax_one_kernel_persist(t, x, y):
    dim = 1
    x_max = t.amax(x, dim, keepdim=True)
    unnormalized = t.exp(x - x_max)
    result = unnormalized / t.sum(unnormalized, dim, keepdim=True)
    return (result * y,)


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_transpose(t, a, b):
    return (t.t(a) + b, (a.swapaxes(0, 1) * 2) + b.t())


@port(randn(4, 4, 4, 4), lowp=True)
def p_permute1(t, a):
    return (t.permute(a + 1, [2, 1, 4 - 4, 3]) * 2,)


@port(randn(4, 4), lowp=True, scatters=True)
def p_permute2(t, a):
    a = a.unfold(0, 2, 1)
    a = t.unsqueeze(a, 1)
    a = t.permute(a, [0, 2, 3, -3])
    return (a * 2,)


@port(randn(1, 2, 3, 2), lowp=True)
def p_expand(t, a):
    return ((a + 1).expand(3, 4, 2, 3, 2) + 2, a.expand(2, 1, 2, 3, 2) + 2)


@port(randn(1, 2, 1, 2, 2, 1, 1), lowp=True)
def p_squeeze1(t, a):
    return ((a + 1).squeeze(), a.squeeze(2) + 1)


@port(randn(1, 2, 1, 2, 2, 2, 1), lowp=True)
def p_squeeze2(t, a):
    return ((a + 1).squeeze(-1).squeeze(2), a.squeeze() + 1)


@port(randn(2, 3, 4, 5), randn(5, 4, 3, 2))
def p_simplify_loops(t, a, b):
    return (a + 1, a * b.permute(3, 2, 1, 0) + 2)


@port(randn(8, 8), lowp=True)
def p_unsqueeze(t, a):
    return (t.unsqueeze(a + 1, -1), t.unsqueeze(a + 2, 3 - 3), t.unsqueeze(a + 3, 1),
            t.unsqueeze(a + 4, -2))


@port(randn(8, 8), lowp=True)
def p_slice1(t, a):
    return (a[:, :10], a[:, 3:4], a[:, -1:], a[:, :-1] + 1, a[3:4, 1:5] * 2, a[::2, 1::3] - 1)


@port(randn(8, 8, 8), lowp=True)
def p_slice2(t, a):
    return (a[:-1, ::2, -1] + a[-1:, 1::2, -2],)


@port(randn(8, 8), lowp=True)
def p_split_with_list(t, a):
    return tuple(x * (k + 1) for k, x in enumerate(t.split(a + 1, [1, 3, 4], 1)))


@port(randn(8, 8), lowp=True)
def p_split(t, a):
    t1, t2, t3 = t.split(a, 3, 1)
    return (t1 * 2, t2 - 1, t3 + 1)


@port(randn(8, 8), randn(8, 8), fd=False)
def p_to_dtype(t, a, b):
    return (a.to(t.float64) + 1, (a + b).to(t.float16), (a * b).to(t.float64) * 2,
            (a - b).to(t.int32))


@port(randn(8, 8), lowp=True, fd=False)
def p_to_dtype_roundtrip(t, a):
    return ((a * 3).to(t.float16).to(t.float32) - a, (a * 3).to(t.int64).to(t.float32))


@port(randn(8, 8), lowp=True)
def p_unbind(t, a):
    return tuple(x + 1 for x in t.unbind(a, 0)[:3]) + tuple(x * 2 for x in a.unbind(-1)[2:4])


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_elu(t, a, b):
    return (t.F.elu(a) * 10, t.F.elu(a + b, 0.5) + 1)


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_tanh(t, a, b):
    return (t.tanh(a) * 10, t.tanh(a + b) + 1)


@port(rand(8, 8, lo=0.25, hi=4.0), randn(8, 8), lowp=True, rtol=1e-5, torch_dtype=False)
def p_lgamma(t, a, b):
    return (t.lgamma(a) + 2, t.cos(b))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_cos(t, a, b):
    return (t.cos(a) * 10, t.cos(a + b) + 1)


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_sin(t, a, b):
    return (t.sin(a) * 10, t.sin(a + b) + 1)


@port(randn(1, 2, 4, 3), lowp=True)
def p_repeat(t, a):
    return (t.tile(a, (2, 2, 3, 1)), t.tile(a, (2, 1, 1, 1, 1)), t.tile(a + 1, (1, 1, 2, 1)))


@port(randn(1, 2, 4, 3), lowp=True, scatters=True)
def p_repeat_interleave(t, a):
    return ((a + 1).repeat_interleave(4, 2),)


@port(randn(1, 16, 8, 8), lowp=True, rtol=1e-5)
def p_mean(t, a):
    return (a.mean(), a.mean(-1), t.mean(a, -2, keepdim=True), a.mean([0, 1]))


@port(randn(1, 17, 8, 9), lowp=True, rtol=1e-4)
def p_var_mean(t, a):
    return (*t.var_mean(a, dim=-1, correction=0), *t.var_mean(a, dim=(1, 2), keepdim=True))


@port(randn(1, 17, 8, 9), lowp=True, rtol=1e-4)
def p_std(t, a):
    return (t.var(a, dim=-1, correction=1), t.std(a, dim=-1, correction=1),
            t.var(a, dim=-1, correction=0), t.std(a, dim=-1, correction=0))


@port(randn(2, 4, 4, 4), rtol=1e-4)
def p_var_correction(t, a):
    return (t.var(a, dim=3, correction=3),
            t.var(a, dim=(1, 3), correction=2.5))


@port(randn(2, 16, 8), randn(8), randn(8), lowp=True, rtol=1e-4)
def p_layer_norm(t, x, w, b):
    return (t.F.layer_norm(x, (8,), w, b), t.F.layer_norm(x * 2, (16, 8)))


@port(randn(16, 4, 4), randn(4, 4, 16, view=lambda a: a.swapaxes(0, 2)), lowp=True)
def p_transpose_add(t, a, b):
    return (a + b, a.transpose(-1, -2) * b)


@port(randn(16, 16), lowp=True, rtol=1e-5)
def p_softmax_one_kernel_loop(t, x):
    return (t.softmax(x, -1),)


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_leaky_relu(t, a):
    return (t.F.leaky_relu(a, 0.2) + 2, t.F.leaky_relu(a + 1))


@port(randn(8, 8), lowp=True, rtol=1e-5, torch_dtype=False)
def p_gelu(t, a):
    return (t.F.gelu(a) + 2, t.F.gelu(a + 1), t.F.gelu(a, approximate="tanh"))


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_softplus(t, a):
    return (t.F.softplus(a) + 2, t.F.softplus(a + 1), t.F.softplus(a * 20, beta=2, threshold=5))


@port(randn(8, 8), lowp=True)
def p_clone(t, a):
    return (t.clone(a) + 1, a.clone() * 2)


@port(randn(2, 8), lowp=True)
def p_masked_fill(t, a):
    return (t.masked_fill(a, a > 0.5, 0.0) + 1, a.masked_fill(a < 0, -1.5) * 2)


@port(randn(2, 8), lowp=True, torch_dtype=True)
def p_masked_fill_promotion(t, a):
    mask = a > 0
    return (a.masked_fill(mask, 5), a.masked_fill(~mask, 2.5))


@port(randn(4, 4), lowp=True)
def p_fill1(t, a):
    tmp = t.ones_like(a)
    return (tmp, tmp + a, a + 0 * tmp)


@port(randn(4, 4), lowp=True)
def p_fill2(t, a):
    tmp = t.full_like(a, 2.5)
    return (tmp * a, tmp + 1)


@port(rand(8, 8, lo=0.5, hi=2.0), lowp=True, rtol=1e-5)
def p_pow1(t, a):
    return tuple(t.pow(a, k) for k in (-3, -2, -1, 0, 1, 2, 3, 0.5, -0.5, 1.5))


@port(rand(8, 8, lo=0.5, hi=2.0), rtol=1e-5)
def p_pow2(t, a):
    return (t.pow(1000, a), t.pow(2, a), t.pow(a, 10) * 0.5)


@port(randint(1, 4, (8,)), grad=False)
def p_pow_int(t, a):
    return (t.pow(a, 2), a ** 3, t.pow(a, a))


@port(rand(8, lo=0.5, hi=2.0), fixed(2.5), rtol=1e-5)
def p_pow_symfloat(t, a, b):
    return (t.pow(a, b), t.pow(b, a))


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_glu(t, a):
    return (t.F.glu(a, -1), t.F.glu(a, 1), t.F.glu(a, 0))


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_cat(t, a, b):
    return (t.cat((a, b)), t.cat((a, b), 1), t.cat([a + 1, b * 2], -1), t.cat((a[:2], b[3:]), 0))


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_stack(t, a, b):
    return (t.stack([a, b], 1), t.stack([a + 1, b * 2], 0))


@port(randn(8, 8), lowp=True)
def p_hardtanh(t, a):
    return (t.F.hardtanh(a) + 1, t.F.hardtanh(a * 3, -0.5, 2.0))


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_hardsigmoid(t, a):
    return (t.F.hardsigmoid(a * 4) + 1,)


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_hardswish(t, a):
    return (t.F.hardswish(a * 4) + 1,)


@port(rand(8, 8, lo=0.5, hi=3.0), lowp=True, rtol=1e-5)
def p_rsqrt(t, a):
    return (t.rsqrt(a), t.rsqrt(a + 1) - 1)


@port(randn(3, 4, 5), lowp=True)
def p_flip(t, a):
    return (t.flip(a, (-1,)), t.flip(a, (0, 2)) - 2)


@port(fixed([1.0, -2.0, 0.5, -0.0, 0.0, np.nan, -np.inf]), grad=False, lowp=True)
def p_signbit(t, a):
    return (t.signbit(a), ~t.signbit(-a), t.signbit(a) & (a > -1))


@port(randn(8, 8, scale=10), randn(8, 8, shift=3.0), lowp=True, rtol=1e-5)
def p_fmod(t, a, b):
    return (t.fmod(a, b), t.fmod(a, 2.5), t.remainder(a, b), t.remainder(a, -2.5))


@port(rand(8, 8, lo=0.1, hi=4.0), lowp=True, rtol=1e-5)
def p_log2(t, a):
    return (t.log2(a) * 2, t.log10(a), t.log(a) + 1, t.log1p(a))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_logsumexp(t, a, b):
    return (t.logsumexp(a, -1), t.logsumexp(a + b, 0), t.logsumexp(a, (0, 1)))


@port(rand(8, 8, dtype=F64, lo=0.1, hi=4.0))
def p_log_fp64(t, a):
    return (t.log(a), t.log2(a), t.exp(a) * 2)


@port(randint(-100, 100, (8, 8), I32), randint(-100, 100, (8, 8), I32), grad=False)
def p_bitwise(t, a, b):
    return (t.bitwise_not(a), t.bitwise_or(a, b), t.bitwise_xor(a, b), t.bitwise_and(a, b),
            a ^ b, ~a | b)


@port(randint(0, 2, (8, 8), BOOL), randint(0, 2, (8, 8), BOOL), grad=False)
def p_bitwise_bool(t, a, b):
    return (t.bitwise_not(a), a | b, a ^ b, a & ~b, t.logical_and(a, b), t.logical_xor(a, b))


@port(randint(0, 1000, (8,), I32), randint(0, 8, (8,), I32), grad=False)
def p_bitwise_shift(t, a, b):
    return (t.bitwise_left_shift(a, b), t.bitwise_right_shift(a, b), a << 2, a >> 1)


@port(randn(8, 8), lowp=True, fd=False)
def p_inf(t, a):
    return (a + math.inf, a + -math.inf, a * -math.inf)


@port(randn(8, 8, scale=10), randn(8, 8, shift=3.0), lowp=True, rtol=1e-5)
def p_remainder(t, a, b):
    return (t.remainder(a, b), t.remainder(a + 1, b - 1), t.remainder(a - 1, b + 1))


@port(randn(8, 8), lowp=True)
def p_zeros(t, a):
    return (a + 1, t.zeros(1, 2, 3, dtype=t.float32), t.zeros(2, 3, dtype=t.int32) + 1,
            t.ones(2, 3) * 2, t.zeros((4,), dtype=t.float64))


@port(special(randn(8), {0: np.inf, 1: -np.inf, 2: np.nan}), grad=False, lowp=True)
def p_isinf(t, a):
    return (t.isinf(a), t.isnan(a), t.isfinite(a), t.isinf(a * 2) | t.isnan(a))


@port(special(randn(8, 8), {3: np.nan}), grad=False, lowp=True)
def p_any(t, a):
    return (t.any(a), t.any(a > 0, dim=1), t.isinf(a).any(), t.all(t.isnan(a)),
            t.isnan(a).any(0))


@port(randn(8, 8), rtol=1e-5, lowp=True)
def p_l1_loss(t, a):
    b = a * 0.5 + 0.25
    return (t.F.l1_loss(a, b), t.F.mse_loss(a, b), t.F.smooth_l1_loss(a, b),
            t.F.l1_loss(a, b, reduction="sum"))


@port(randn(8, 8), lowp=True)
def p_triu(t, a):
    return (t.triu(a, 0), t.triu(a, 1), t.tril(a + 1, -1), t.triu(a * 2, -2))


@port(randn(8, 1), randn(8, 8), lowp=True)
def p_expand_as(t, a, b):
    return ((a + 1).expand_as(b) * b, t.sum(a.expand_as(b) * 3, 1))


@port(randn(8, 8), lowp=True)
def p_narrow(t, a):
    return (t.narrow(a, 1, 2, 3) * 2, t.narrow(a + 1, 0, 6, 2))


@port(randn(8, 8), randn(8), lowp=True, rtol=1e-5)
def p_lerp(t, a, b):
    return (t.lerp(a, b, 0.25), t.lerp(a + 1, b, a * 0.1), a.lerp(b * 2, 0.5))


@port(randn(8, 8), randn(8), randn(8, 1), lowp=True, rtol=1e-5)
def p_addcmul(t, a, b, c):
    return (t.addcmul(a, b, c), t.addcmul(a, b, c, value=0.5))


@port(randn(8, 8), randn(8), rand(8, 1, lo=0.5, hi=2.0), lowp=True, rtol=1e-5)
def p_addcdiv(t, a, b, c):
    return (t.addcdiv(a, b, c), t.addcdiv(a, b, c, value=-2.0))


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_where(t, a, b):
    return (t.where(a > b, a, b), t.where(a > 0, a * 2, 0.0), t.where(b < 0, 1.5, b))


@port(randn(4, 4), randint(0, 2, (4, 4), BOOL), lowp=True)
def p_where_with_logical_op(t, a, m):
    return (t.where(t.logical_and(m, a > 0), a, -a), t.where(m | (a < -1), a + 1, a - 1))


@port(randn(8), randint(0, 2, (8,), I64), grad=True, torch_dtype=False)
def p_where_int_float(t, a, i):
    return (t.where(i > 0, a, i), t.where(i > 0, i, 2.5) + a)


@port(rand(8, 8, lo=-0.99, hi=0.99), lowp=True, rtol=1e-4, torch_dtype=False)
def p_erfinv(t, a):
    return (t.erfinv(a), t.erfinv(a * 0.5) + 1)


@port(randn(8, 8), lowp=True, rtol=1e-5, torch_dtype=False)
def p_erf(t, a):
    return (t.erf(a), t.erf(a * 2) + 1)


@port(rand(8, 8, lo=-0.9, hi=3.0), lowp=True, rtol=1e-5)
def p_log1p_expm1(t, a):
    return (t.log1p(a), t.expm1(a), t.expm1(t.log1p(a)) - a)


@port(rand(8, 8, lo=-0.9, hi=0.9), lowp=True, rtol=1e-5)
def p_inverse_trig(t, a):
    return (t.asin(a), t.acos(a), t.atan(a * 3), t.tan(a), t.atanh(a), t.asinh(a * 4))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_atan2_hypot(t, a, b):
    return (t.atan2(a, b), t.hypot(a, b), t.copysign(a, b))


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_sinh_cosh(t, a):
    return (t.sinh(a), t.cosh(a) - 1, t.tanh(a) * t.cosh(a))


@port(randn(8, 8, scale=3), grad=False, lowp=True)
def p_floor_ceil_trunc(t, a):
    return (t.floor(a), t.ceil(a), t.trunc(a), t.frac(a), t.floor(a * 2) + t.ceil(a))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5, torch_dtype=False)
def p_xlogy(t, a, b):
    return (t.xlogy(a, b * b + 0.5), t.xlogy(t.relu(a), b * b))


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_square_reciprocal_neg(t, a, b):
    return (t.square(a) + b, t.reciprocal(b * b + 1), t.neg(a) * b)


@port(randn(8, 8), grad=False, lowp=True)
def p_comparisons(t, a):
    b = a * 0.5
    return (a > b, a >= 0.5, a == b, a <= 2.5, a < b, a != 0.5, t.eq(a, 0), t.ne(a, b),
            t.gt(a, b), t.le(a, 0))


@port(fixed([3], I64), grad=False, torch_dtype=True)
def p_compar_int_float(t, x):
    return (x > 3.5, x >= 3.5, x == 3.5, x <= 2.5, x < 3.5, x != 3.5)


@port(randint(0, 5, (16,)), grad=False)
def p_one_hot(t, a):
    return (t.F.one_hot(a, 5), t.F.one_hot(a, 5) * 2 + 1)


@port(randn(8, 8), fixed(np.linspace(-1, 1, 5), F32), grad=False)
def p_bucketize(t, a, b):
    return (t.bucketize(a, b), t.bucketize(a, b, right=True) + 1)


@port(randn(4, 8), lowp=True, rtol=1e-5)
def p_batchnorm_eval(t, x):
    mean = t.arange(8, dtype=t.float32) * 0.1
    var = t.arange(8, dtype=t.float32) * 0.2 + 0.5
    w = t.ones(8) * 1.5
    b = t.zeros(8) + 0.25
    return (t.F.batch_norm(x, mean.to(x.dtype), var.to(x.dtype), w.to(x.dtype), b.to(x.dtype),
                           training=False),)


@port(randn(4, 8, 3), lowp=True, rtol=1e-4)
def p_batchnorm_train(t, x):
    return (t.F.batch_norm(x, None, None, training=True),)


@port(randn(2, 6, 4), randn(6), randn(6), lowp=True, rtol=1e-4)
def p_group_norm(t, x, w, b):
    return (t.F.group_norm(x, 3, w, b), t.F.group_norm(x * 2, 2))


@port(randn(16, 16), randn(16, 16), randn(16, 16), lowp=True, rtol=1e-4)
def p_attention_block(t, q, k, v):
    s = (q @ k.swapaxes(0, 1)) * 0.25
    p = t.softmax(s, -1)
    return (p @ v, p.sum(-1))


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_mish_silu_selu(t, a):
    return (t.F.mish(a), t.F.selu(a), t.F.celu(a, 0.5), t.F.softsign(a), t.F.logsigmoid(a),
            t.F.tanhshrink(a), t.F.relu6(a * 4))


@port(randn(8, 8), lowp=True)
def p_hardshrink_threshold(t, a):
    return (t.F.hardshrink(a, 0.5), t.F.softshrink(a, 0.5), t.F.threshold(a, 0.1, 20.0))


@port(randn(3, 8), randint(0, 8, (3,)), lowp=True, rtol=1e-5, scatters=True, eager_kernel=True)
def p_cross_entropy(t, x, y):
    return (t.F.cross_entropy(x, y), t.F.nll_loss(t.F.log_softmax(x, -1), y, reduction="sum"))


@port(randn(16, 4), rand(16, 4), lowp=True, rtol=1e-5)
def p_bce_with_logits(t, x, y):
    return (t.F.binary_cross_entropy_with_logits(x, y),
            t.F.binary_cross_entropy(t.sigmoid(x), y, reduction="sum"))


@port(randn(4, 8), randn(4, 8), lowp=True, rtol=1e-4)
def p_cosine_similarity(t, a, b):
    return (t.F.cosine_similarity(a, b), t.F.normalize(a, dim=-1), t.F.pairwise_distance(a, b))


@port(randn(8, 8), randn(8), randn(8, 4), lowp=True, rtol=1e-4, torch_dtype=False)
def p_linear_gelu_chain(t, x, b, w):
    h = t.F.gelu(x * 2 + b)
    return (t.tanh(h @ w) * 0.5 + 1,)


@port(randn(8, 8), randn(8, 8), lowp=True, scatters=True)
def p_max_dim_values_indices(t, a, b):
    v, i = (a + b).max(dim=1)
    w, j = t.min(a * 2, dim=0, keepdim=True)
    return (v, i, w, j, v + 1)


@port(randn(8, 8), randn(8), randn(8), lowp=True, rtol=1e-4)
def p_rms_norm(t, x, w, eps_src):
    var = (x * x).mean(-1, keepdim=True)
    return (x * t.rsqrt(var + 1e-6) * w,)


@port(randn(2, 8, 8), lowp=True, rtol=1e-4)
def p_mean_var_chain(t, x):
    m = x.mean((1, 2), keepdim=True)
    d = x - m
    v = (d * d).mean((1, 2), keepdim=True)
    return ((d / t.sqrt(v + 1e-5)) * 2 + 1,)


@port(randn(8, 8), randn(8, 8), randn(8, 8))
def p_float64_float32_mix(t, a, b, c):
    return (a.double() * b + c, (a + b).double().sum(-1), c.double().exp() + a)


@port(randn(8, 8), randint(-3, 4, (8, 8), I32), randint(0, 2, (8, 8), BOOL), torch_dtype=False)
def p_int_bool_float_mix(t, a, i, m):
    return (a * i + m, (a + i) * m, i * m + 1, (a > 0) + i, a + i * 0.5)


@port(randn(8, 8, dtype=F16), randn(8, 8), rtol=1e-2, fd=False)
def p_float16_float32_mix(t, a, b):
    return (a * b + 1, (a + 1) * 2, a.float() * b, (b + 1).half() * a)


@port(randn(8, 8, dtype=F16), randint(-3, 4, (8, 8), I32), rtol=1e-2, torch_dtype=False)
def p_float16_int_mix(t, a, i):
    return (a * i + 1, (a + i) * 2.5, a / (i * i + 1), (a + 1).sum(-1) * i[0])


@port(randn(8, 8, dtype=F16), rtol=1e-2)
def p_float16_reductions(t, a):
    return (a.sum(), (a * 2).sum(-1), a.mean(0), (a + 1).amax(-1), a.exp().sum(1))


@port(randn(8, 8, dtype=F16), rtol=1e-2)
def p_float16_chain(t, a):
    b = t.sigmoid(a) * a + 1
    return (t.tanh(b) * 2, t.exp(-b), t.softmax(b, -1))


@port(randn(8, 8, dtype=F16), randn(8, 8, dtype=F64))
def p_float16_float64_mix(t, a, b):
    return (a * b, a + b + 1, t.exp(a) * b)


@port(randn(4, 6, view=lambda a: a.swapaxes(0, 1)), randn(6, 1), lowp=True)
def p_transposed_broadcast_reduce(t, a, b):
    c = t.exp(a) * b - 1
    return (c.sum(0), c.amax(1), c)


@port(randn(4, 8, view=lambda a: a[:, 1::2]), randn(8, 4, view=lambda a: a[::2]), lowp=True)
def p_strided_inputs(t, a, b):
    return ((a + b.T).sum(0), a * 2, (a * b).sum(1))


@port(randn(1, 8), randn(8, 1), randn(1), lowp=True)
def p_broadcast_three_ways(t, a, b, c):
    d = a * b + c
    return (d, d.sum(0), d.sum(1, keepdim=True), (a + c).expand(3, 8))


@port(randn(0, 8), grad=True, lowp=True)
def p_zero_size_fused(t, a):
    return (t.exp(a) + 1, a.sum(0), (a * 2).sum(-1))


@port(fixed(1.5), fixed(-2.0), lowp=True)
def p_zero_dim_fused(t, a, b):
    return (t.exp(a) * b + 1, t.sigmoid(a * b), (a + b).sum())


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_tanh_vec(t, a):
    return (t.tanh(a * 40), t.tanh(a * 0.001))


@port(rand(8, 8, lo=1.0, hi=1e5), lowp=False, rtol=1e-5)
def p_acosh_with_large_input(t, a):
    return (t.acosh(a), t.asinh(-a))


@port(special(randn(8, 8), {0: np.inf, 1: -np.inf, 2: -0.0}), grad=False, lowp=True)
def p_sigmoid_with_reduction(t, a):
    s = t.sigmoid(a)
    return (s, s.sum(-1), t.exp(s).amax(0))


@port(randn(8, 8), grad=False, lowp=True)
def p_to_uint8_rounding(t, a):
    return ((a * 20).clamp(0, 255).to(t.uint8), (a * 20 + 30).to(t.int32))


@port(randn(8, 8), randint(0, 2, (8, 8), BOOL), lowp=True, rtol=1e-5)
def p_masked_fill_softmax(t, a, m):
    return (t.softmax(a.masked_fill(m, -1e4), -1),)


@port(randn(8, 8), randint(0, 2, (8, 8), BOOL), grad=False, lowp=True)
def p_load_same_bool_tensor_twice(t, a, m):
    return (a.masked_fill(m, -33.0), a.masked_fill(m, 0.0) + m)


@port(randn(8, 8), lowp=True, torch_dtype=False)
def p_scalar_sign_with_min(t, a):
    tmp = t.sign(a) * t.minimum(a, t.tensor(0.25))
    return (tmp + 1,)


@port(randn(4, 8), lowp=True, rtol=1e-5)
def p_transpose_with_norm(t, a):
    b = a.swapaxes(0, 1)
    return (b * t.rsqrt((b * b).mean(-1, keepdim=True) + 1e-6),)


@port(randn(64), randint(0, 64, (16,)), lowp=True, scatters=True)
def p_gather_index(t, a, i):
    return (a[i] + 1, t.gather(a * 2, 0, i), t.index_select(a, 0, i) * a[:16])


@port(randn(8, 8), randint(0, 8, (8, 3)), lowp=True, scatters=True)
def p_gather2d(t, a, i):
    return (t.gather(a + 1, 1, i) * 2,)


@port(randn(8, 8), lowp=True)
def p_cat_fused_inputs(t, a):
    return (t.cat([t.sigmoid(a), t.relu(a - 1) * 2, a[:, :2] + 1], 1),)


@port(randn(8, 8), randn(8, 8), lowp=True)
def p_constant_pad(t, a, b):
    return (t.F.pad(a + b, (1, 2)), t.F.pad(a * 2, (1, 1, 2, 0), value=0.5))


@port(randn(2, 3, 8), lowp=True, scatters=True)
def p_upsample_nearest(t, a):
    return (t.F.interpolate(a + 1, scale_factor=2, mode="nearest"),)


@port(randn(2, 3, 8, 8), lowp=True, rtol=1e-5, scatters=True)
def p_avg_max_pool(t, a):
    return (t.F.avg_pool2d(a + 1, 2), t.F.max_pool2d(a * 2, 2), t.F.adaptive_avg_pool2d(a, 1))


@port(randn(4, 8), randint(0, 2, (4, 8), BOOL), lowp=True, rtol=1e-5, torch_dtype=False)
def p_masked_mean(t, a, m):
    num = (a * m).sum(-1)
    den = m.sum(-1).clamp(min=1)
    return (num / den,)


@port(randn(8, 8), lowp=True)
def p_inplace_add_chain(t, a):
    b = a * 1.0
    b += 1
    b *= 2
    b.clamp_(min=-1.0)
    return (b, b.sum())


@port(randn(8, 8), lowp=True)
def p_index_put_slice(t, a):
    b = a + 1
    b[2:4] = 0.0
    b[:, 1] = b[:, 2] * 2
    return (b * 3,)


@port(randn(16), lowp=True, rtol=1e-5)
def p_chained_reductions(t, a):
    b = a.view(4, 4)
    return ((b.exp().sum(-1) / b.exp().sum()).log(), b.amax(-1) - b.amin(-1))


@port(randn(8, 8), randn(8, 8), lowp=True, rtol=1e-5)
def p_aminmax_and_argmax_to_float(t, a, b):
    mn, mx = (a + b).aminmax(dim=1)
    return (mn, mx, (a * b).argmax(1).float() + 0.5, (a - b).argmin(0).to(t.float32) * a[0])


@port(randn(8, 16), lowp=True, rtol=1e-5)
def p_sum_of_squares_sqrt(t, a):
    return (t.sqrt((a * a).sum(-1)), a.norm(dim=-1), a.norm())


@port(randn(8, 8), rtol=1e-5)
def p_square_of_reduction(t, a):
    s = a.sum(-1, keepdim=True)
    return (s * s + a, (s * a).sum(), (a - s / 8).pow(2).mean())


@port(special(randn(8, 8), {0: np.nan, 5: np.inf, 10: -np.inf}), grad=False, lowp=True)
def p_nan_inf_through_fused(t, a):
    b = t.exp(a) + a * 2
    return (b, t.maximum(b, a), b.amax(-1), b.sum(0), t.relu(a) * 0)


@port(randn(8, 8), lowp=True, rtol=1e-5)
def p_sigmoid_chain_remat(t, a):
    h = t.sigmoid(a * 2 + 1)
    h = t.tanh(h * 3 - 1) * h
    h = t.sin(h) + t.cos(a)
    return (h.sum(),)


@port(randn(32, 32), randn(32), randn(32), rtol=1e-4)
def p_mlp_block_remat(t, x, b1, b2):
    h = t.F.gelu(x + b1)
    h = t.F.layer_norm(h * 2 + b2, (32,))
    return ((t.tanh(h) * h).mean(),)



# pooling, normalisation and models' pieces

@port(randn(2, 4, 16, 16), lowp=True, scatters=True)
def p_max_pool2d1(t, x):
    return t.F.max_pool2d(x, [3, 3], [2, 2], return_indices=True)


@port(fixed(-np.arange(64.0).reshape(1, 1, 8, 8)), lowp=True, scatters=True)
def p_max_pool2d3(t, x):
    return (t.F.max_pool2d(x, [3, 3], [2, 2], [1, 1]), t.F.max_pool2d(x, 3, 2, 1))


@port(randn(2, 2, 11, 11), scatters=True)
def p_max_pool2d4(t, x):
    return (t.F.max_pool2d(x, [3, 3], [2, 2], [0, 0], [1, 1], True) * 2,)


@port(randn(1, 1, 6, 7), scatters=True)
def p_max_pool2d7(t, x):
    return (t.F.max_pool2d(x, 1, stride=(2, 2), padding=0, ceil_mode=True) + 1,)


@port(randn(2, 4, 16, 16), lowp=True, rtol=1e-5)
def p_avg_pool2d1(t, x):
    return (t.F.avg_pool2d(x, [3, 3], [2, 2]),)


@port(fixed(-np.arange(64.0).reshape(1, 1, 8, 8)), lowp=True, rtol=1e-5)
def p_avg_pool2d3(t, x):
    return (t.F.avg_pool2d(x, [3, 3], [2, 2], [1, 1]), t.F.avg_pool2d(x, 3, 2, 1))


@port(randn(2, 2, 11, 11), rtol=1e-5)
def p_avg_pool2d4(t, x):
    return (t.F.avg_pool2d(x, [3, 3], [2, 2], [0, 0], True),)


@port(fixed(-np.arange(64.0).reshape(1, 1, 8, 8)), rtol=1e-5)
def p_avg_pool2d5(t, x):
    return (t.F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], count_include_pad=False),
            t.F.avg_pool2d(x, [3, 3], [2, 2], [1, 1], divisor_override=3))


@port(randn(1, 3, 6, 6), rtol=1e-5)
def p_avg_pool2d8(t, x):
    return (t.F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, ceil_mode=True),)


@port(randn(8), randn(8, 3, 5, 5), randn(2, 3, 24, 24), rtol=1e-4, scatters=True)
def p_alexnet_prefix(t, b, w, x):
    conv = t.F.conv2d(x, w, b, [4, 4], [2, 2])
    return (t.F.max_pool2d(t.relu(conv), [3, 3], [2, 2]),)


@port(randn(16, 16), rtol=1e-5)
def p_elu_params(t, x):
    return (t.F.elu(x, 1.6732632423543772) * 1.0507009873554805 + 2, t.F.selu(x + 1))


@port(randn(16, 16), lowp=True, rtol=1e-5)
def p_tan(t, x):
    return (t.tan(x) + 2, t.tan(x + 1))


@port(randn(1, 2, 4, 8), lowp=True)
def p_repeat_zero(t, x):
    return (t.tile(x, (0, 1, 1, 1)), t.tile(x, (8, 1, 1, 1)) + 1)


@port(randn(1, 2, 4, 8), lowp=True)
def p_repeat_interleave_dims(t, x):
    return (x.repeat_interleave(3, dim=0), x.repeat_interleave(4, dim=1) * 2)


@port(randn(10, 4), randint(0, 10, (2, 8)), rtol=1e-5, scatters=True)
def p_embedding_relu(t, w, i):
    return (t.relu(t.F.embedding(i, w, padding_idx=0)),)


@port(randn(2, 8), rtol=1e-4)
def p_var_correction_real(t, x):
    return (t.var(x, dim=-1, correction=1.3), t.var(x, dim=-1, correction=3))


@port(randn(2, 4, 4, 8), lowp=True, rtol=1e-4)
def p_std_dims(t, x):
    return (t.var(x, unbiased=True), t.var(x, unbiased=False), t.var(x, dim=-1, unbiased=True),
            t.std(x, unbiased=False), t.std(x, dim=[0, 1], unbiased=True),
            t.std(x, dim=-2, unbiased=True, keepdim=True))


@port(randn(2, 10, 8, 8), rtol=1e-4)
def p_batch_norm_2d_relu(t, x):
    mean = t.arange(10, dtype=t.float32) * 0.05
    var = t.arange(10, dtype=t.float32) * 0.1 + 1.0
    return (t.relu(t.F.batch_norm(x, mean, var, training=False)),)


@port(randn(16, 32), lowp=True, rtol=1e-4)
def p_layer_norm_relu(t, x):
    return (t.relu(t.F.layer_norm(x, (32,))),)


@port(randn(16, 32), randn(32, 16), lowp=True)
def p_transpose_add_real(t, a, b):
    return (a.t() + b,)


@port(randn(16, 32), lowp=True, rtol=1e-5)
def p_softmax_one_kernel_persist_real(t, x):
    x_max = t.amax(x, 1, keepdim=True)
    unnormalized = t.exp(x - x_max)
    return (unnormalized / t.sum(unnormalized, 1, keepdim=True),)


@port(randn(32), randn(32), rtol=1e-4, fd=False)  # poles: central differences do not hold
def p_cauchy(t, x, y):
    return (t.sum(1 / (t.unsqueeze(x, -1) - y)),)


@port(randn(16, 32), randint(0, 16, (2, 80)), rtol=1e-5, scatters=True)
def p_gather_scatter(t, node_feat, edge_index):
    src = node_feat[edge_index[0]]
    dst = node_feat[edge_index[1]]
    edge_feat = src - dst + 1
    new = t.zeros_like(node_feat)
    return (new.scatter_add(0, edge_index[1].unsqueeze(-1).expand_as(edge_feat), edge_feat),)


@port(*[randn(64) for _ in range(50)], lowp=True)
def p_no_mega_fusion(t, *args):
    x = args[0]
    for a in args:
        x = t.add(x, a)
    return (x,)


@port(randn(32), torch_dtype=False)
def p_move_arange(t, x):
    # int64 + float32: float64 in NumPy
    return (t.arange(len(x)) + x,)


@port(randint(0, 2, (1, 16), BOOL), randn(16, 16), lowp=True)
def p_masked_fill_broadcast(t, mask, value):
    return (t.masked_fill(value, mask, -10000.0) + 2,
            t.masked_fill(value / 2.0, t.logical_not(mask), 667))


@port(randint(0, 2, (1, 16), BOOL), randint(0, 16, (16, 16)), grad=False, torch_dtype=False)
def p_masked_fill_promotion_int(t, mask, value):
    # torch keeps the int64 input's dtype (3.5 written as 3); NumPy's where gives float64
    return (t.masked_fill(value, mask, 3.5) * 1,)


@port(randn(10, 10), randint(0, 2, (10, 10), BOOL), randn(100), rtol=1e-5)
def p_masked_scatter(t, value, mask, source):
    return (t.masked_scatter(value, mask, source) * 2,)


@port(randn(16, 16), lowp=True)
def p_fill_tensor(t, x):
    tmp = t.ones_like(x)
    return (tmp, tmp * t.tensor(3.0).to(x.dtype) + x)


@port(randn(16, 16), lowp=True, rtol=1e-5)
def p_pow1_int_exponents(t, x):
    return tuple(t.pow(x, e) for e in range(-8, 9))


@port(rand(), rtol=1e-5)
def p_pow3(t, x):
    z = t.tensor(0.123)
    return (t.pow(z + x, 0.5),)


@port(randn(1, 2, 4, 8), rtol=1e-5, fd=False)  # a float64 program casting to complex64
def p_complex_fallback(t, x):
    c = x.to(t.complex64) if hasattr(t, "complex64") else x.astype(np.complex64)
    return ((c * c + 10).real, (x + x + 12).to(t.complex64).imag + x)


@port(rand(8, lo=0.5, hi=2.0, dtype=F64), rand(8, lo=-3.0, hi=3.0, dtype=F64))
def p_polar(t, d, a):
    z = t.polar(d, a)
    return (z.real * 2, z.imag + d)



# dtype mixing inside elementwise chains (test_cpu_repro.py's dtype programs)

@port(randint(-50, 50, (8, 8), I32), randn(8, 8), torch_dtype=False)
def p_int_div_into_float_chain(t, i, x):
    # int32 / int32 is float64 in NumPy, float32 in torch
    return ((i / 7) * x + 1, t.exp(x * 0.1) * (i // 3), (i % 5) * x)


@port(randint(0, 255, (16,), U8), randn(16), torch_dtype=False)
def p_uint8_arith(t, u, x):
    # uint8 + int: uint8 in both; uint8 * float32 tensor: float32
    return (u + 3, u * 2, (u * x + 1).sum(), u.to(t.float32) / 255 * x)


@port(randint(-5, 6, (8,), I64), grad=False)
def p_int_abs_sign_neg(t, i):
    return (t.abs(i), t.sign(i), t.neg(i) * 2, t.clamp(i, -2, 3), t.clamp(i, min=0) + 1)


@port(randn(8, 8), randint(-3, 4, (8, 8), I32), randint(0, 2, (8, 8), BOOL), torch_dtype=False)
def p_mask_arith_reduce(t, x, i, m):
    # bool * float and int * float sums; NumPy's int32 + float32 is float64
    a = (x > 0) * x + m * 0.5
    b = (i > 0) * x - (i < 0) * x
    return (a.sum(-1), b.amax(0), (a * b).mean(), (i * m).sum(0))


@port(randn(8, 8, dtype=F16), randint(0, 2, (8, 8), BOOL), rtol=1e-2)
def p_float16_mask_where(t, a, m):
    return (t.where(m, a, a * 2), (a > 0) * a + 1, t.where(a > 0, a, 0.0).sum(-1),
            a.masked_fill(m, 1.5))


@port(randn(8, 8), randint(-3, 4, (8, 8), I64), torch_dtype=False)
def p_where_int_scalar(t, x, i):
    # where(float32, int64) is float64 in NumPy
    return (t.where(x > 0, i, x), t.where(i > 0, x * 2, 0), t.where(x > 0, 1, 0) + x)


@port(randn(8, 8), randint(-3, 4, (8,), I32), torch_dtype=False)
def p_clamp_int_bounds(t, x, i):
    return (t.clamp(x, min=-1, max=1), t.maximum(x, i), t.minimum(x * 2, i))


@port(randn(8, 8, dtype=F64), randn(8, 8), rtol=1e-6)
def p_float64_reduce_of_float32(t, a, b):
    return ((a * b).sum(-1), (b * 2).sum(-1) + a[0], t.exp(b).double().mean(0) * a[1])


@port(randint(0, 2, (8, 8), BOOL), randint(0, 2, (8, 8), BOOL), grad=False)
def p_bool_sum_any_all(t, a, b):
    return ((a & b).sum(), (a | b).sum(-1), (a ^ b).any(0), (~a).all(1),
            (a.int() + b.int()).amax())


@port(randn(8, 8), grad=False)
def p_float_to_bool_and_back(t, x):
    b = x.bool()
    return (b, b.float() * x, (x * 0).bool(), b.int().sum(0))


@port(randn(8, 8, scale=300), grad=False, lowp=True)
def p_float_to_int_casts(t, x):
    return ((x / 3).to(t.int32), (x * 0.5).to(t.int64) + 1, (x > 100).to(t.int8),
            x.clamp(-100, 100).to(t.int8))


@port(randn(4, 4, 4, view=lambda a: a.swapaxes(0, 2)), randn(4, 1, 4), lowp=True)
def p_transposed_chain_keepdim(t, a, b):
    c = t.tanh(a * b + 1)
    return (c.sum(1, keepdim=True), c.amax(2), (c * a).mean((0, 2)), c)


# ---- the harness ----------------------------------------------------------------------------

def _flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _gpuad_program(case):
    def f(*args):
        return tuple(_flat(case.fn(G, *[_t(a) if hasattr(a, "shape") else a for a in args])))
    return f


def _torch_args(case, seed, lowp, requires_grad=False):
    leaves, args = [], []
    for i, h in zip(case.inputs, case.hosts(seed, lowp), strict=True):
        if not isinstance(i, Inp):
            args.append(h)
            leaves.append(None)
            continue
        x = torch.from_numpy(np.array(h))
        if requires_grad and h.dtype.kind == "f":
            x.requires_grad_(True)
        leaves.append(x)
        args.append(i.view(x) if i.view else x)
    return leaves, args


def _np_of_torch(x):
    x = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(x)
    return x.numpy()


def _tol(dtype, case):
    base = {np.dtype(F16): 1e-2, np.dtype(F32): 1e-5}.get(np.dtype(dtype), 1e-9)
    return max(base, case.rtol or 0.0)


def _close_to_torch(got, want, case, what, check_dtype=True):
    assert len(got) == len(want), (what, len(got), len(want))
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        where = f"{what}, output {k}"
        g, w = _host(g), _np_of_torch(w)
        assert g.shape == w.shape, (where, g.shape, w.shape)
        if check_dtype:
            assert g.dtype == w.dtype, (where, g.dtype, w.dtype)
        if w.dtype.kind in "biu" and g.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w, err_msg=where)
            continue
        rtol = _tol(g.dtype if g.dtype.itemsize < w.dtype.itemsize else w.dtype, case)
        w64, g64 = w.astype(F64), g.astype(F64)
        fin = np.isfinite(w64)
        scale = float(np.max(np.abs(w64[fin]), initial=1.0))
        np.testing.assert_allclose(g64, w64, rtol=rtol, atol=rtol * scale, err_msg=where)


def _weights(outs):
    ws = []
    for k, o in enumerate(outs):
        h = _host(o)
        ws.append(None if h.dtype.kind != "f" else
                  np.random.default_rng(100 + k).uniform(0.5, 1.5, h.shape).astype(h.dtype))
    return ws


def _gpuad_loss(case, ws):
    prog = _gpuad_program(case)
    xp = ad.get_backend().xp

    def loss(*args):
        total = 0.0
        for o, w in zip(prog(*args), ws, strict=True):
            if w is not None:
                total = total + gnp.sum(o * xp.asarray(w))
        return total
    return loss


def _float_args(args):
    return tuple(k for k, a in enumerate(args)
                 if hasattr(a, "dtype") and np.dtype(a.dtype).kind == "f")


def _params():
    out = []
    for name, c in sorted(CASES.items()):
        out.append(pytest.param(name, False, id=name))
        if c.lowp:
            out.append(pytest.param(name, True, id=f"{name}-f16"))
    return out


PARAMS = _params()


@pytest.mark.parametrize("name,lowp", PARAMS)
def test_program(backend, name, lowp):
    """gpuad eager against torch eager; compiled (defaults, unfused, fused) against gpuad
    eager: bits on the NumPy backend, within a few ulps on the CuPy stand-in; inputs intact;
    the program's fusable steps inside fused groups."""
    case = CASES[name]
    prog = _gpuad_program(case)
    with np.errstate(all="ignore"):
        want = prog(*case.gpuad_args(0, lowp))
        _, targs = _torch_args(case, 0, lowp)
        twant = _flat(case.fn(T, *targs))
        _close_to_torch(want, twant, case, f"{name}: gpuad eager against torch",
                        case.torch_dtype)
        # the defaults are the unfused program on the CPU at these sizes (groups of 2^17
        # elements and more) and the fused one on a GPU (tests/test_fusion_ported.py runs them)
        configs = (False, fused_options(backend))
        if lowp and backend == "numpy":  # float16 is not fused: the two are one program
            configs = (fused_options(backend),)
        for fuse in configs:
            j = ad.jit(prog, fuse=fuse)
            j(*case.gpuad_args(1, lowp))
            args = case.gpuad_args(0, lowp)
            got = j(*args)
            _assert_same(args, case.gpuad_args(0, lowp), True, 0, f"{name}: inputs intact")
            exact = backend == "numpy" or fuse is False
            _assert_same(got, want, exact, case.ulps, f"{name}, fuse={fuse}")
    if lowp:  # float16 is not fused (docs/fusion.md)
        return
    missing = case.fused - _fused_ops(j.lower(*args))
    assert not missing, (f"{name}: {sorted(missing)} not fused", str(j.lower(*args)))


def _grad_params():
    # float16 gradients: those through a scatter-add (gathers, pooling, cross-entropy)
    return [p for p in PARAMS if CASES[p.values[0]].grad and (
        not p.values[1] or CASES[p.values[0]].scatters)]


@pytest.mark.parametrize("name,lowp", _grad_params())
def test_program_gradient(backend, name, lowp):
    """The gradient of a weighted sum of the float outputs: compiled unfused and fused against
    gpuad eager (bits on the NumPy backend), eager against torch's, and the fused float64
    gradient against central differences."""
    case = CASES[name]
    args = case.gpuad_args(0, lowp)
    argnums = _float_args(args)
    if not argnums:
        pytest.skip("no float argument")
    ws = _weights(_gpuad_program(case)(*args))
    loss = _gpuad_loss(case, ws)
    vg = ad.value_and_grad(loss, argnums=argnums)
    with np.errstate(all="ignore"):
        want = vg(*args)
        low = min((np.dtype(w.dtype) for w in ws if w is not None),
                  key=lambda d: d.itemsize, default=None)
        for fuse in (False, fused_options(backend)):
            j = ad.jit(vg, fuse=fuse)
            j(*case.gpuad_args(1, lowp))
            got = j(*case.gpuad_args(0, lowp))
            exact = backend == "numpy" or (fuse is False and not case.eager_kernel)
            _assert_same(got, want, exact, 64, f"{name} gradient, fuse={fuse}", low)
    if lowp:
        return
    # torch's gradient of the same weighted sum
    leaves, targs = _torch_args(case, 0, False, requires_grad=True)
    touts = _flat(case.fn(T, *targs))
    tl = sum((o * torch.from_numpy(w).to(o.dtype)).sum()
             for o, w in zip(touts, ws, strict=True) if w is not None)
    tleaves = [leaves[k] for k in argnums]
    tg = torch.autograd.grad(tl, tleaves, allow_unused=True)
    views = [case.inputs[k].view for k in argnums]
    tg = [torch.zeros_like(x) if g is None else g for g, x in zip(tg, tleaves, strict=True)]
    tg = [v(g) if v else g for g, v in zip(tg, views, strict=True)]
    _close_to_torch(_flat(want[1]), tg, dataclasses.replace(case, rtol=max(case.rtol or 0.0, 1e-4)),
                    f"{name}: gradient against torch")
    if not case.fd:
        return
    args64 = tuple(a.astype(F64) if k in argnums else a for k, a in enumerate(args))
    ws64 = [None if w is None else w.astype(F64) for w in _weights(_gpuad_program(case)(*args64))]
    loss64 = _gpuad_loss(case, ws64)
    j = ad.jit(ad.grad(loss64, argnums=argnums), fuse=fused_options(backend))
    j(*args64)
    _fd_check(loss64, args64, argnums, j(*args64))
